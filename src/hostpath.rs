//! Is a bind-mount source one of the host's sensitive paths?
//!
//! Compared as written (with `..` removed lexically) and as the kernel resolves it (symlinks
//! followed, then `..`), so `/tmp/link-to-etc` and `/srv/../etc` are seen for what they are. A
//! source is sensitive when it equals a listed path, lies beneath one (except beneath `/`, which
//! holds everything), or is a parent of one: binding `/run` exposes `/run/podman/podman.sock`
//! just as surely as binding the socket. Entries may use `~/` (the caller's home) and `*` within
//! one path component.
//!
//! Every `docker run` pays for this check, once per bind mount, so the work is done on bytes,
//! the list is expanded and its globs compiled once per invocation ([`Sensitive::new`]), and
//! symlink resolution is memoised per path prefix: nanoclaw's mounts share a handful of parents,
//! so each distinct prefix costs one `lstat`.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::hash::{BuildHasherDefault, Hasher};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::glob::Glob;

/// The components of an absolute path with `.`, `..` and repeated `/` resolved lexically.
fn lexical(path: &[u8]) -> Vec<&[u8]> {
    let mut out: Vec<&[u8]> = Vec::new();
    for part in path.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                out.pop();
            }
            name => out.push(name),
        }
    }
    out
}

/// FNV-1a: the memo's keys are a few dozen short paths from one argv, where SipHash's set-up
/// cost dominates; flooding resistance is not needed for a table that lives a millisecond.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// `realpath(3)` with a memo shared by every path of one invocation: one `lstat` per distinct
/// path prefix, a `readlink` only for symlinks. A path that does not exist (docker creates
/// missing bind sources) is resolved up to its last existing component, the rest appended.
struct Resolver {
    /// A resolved directory joined with a name → what it resolves to (`None`: does not exist).
    memo: HashMap<Vec<u8>, Option<Vec<u8>>, BuildHasherDefault<Fnv>>,
}

impl Default for Resolver {
    fn default() -> Self {
        Resolver {
            memo: HashMap::with_capacity_and_hasher(64, BuildHasherDefault::default()),
        }
    }
}

impl Resolver {
    /// The resolved form of an absolute path, `None` on a symlink loop.
    fn realpath(&mut self, raw: &[u8], depth: u32) -> Option<Vec<u8>> {
        if depth > 40 {
            return None; // a symlink loop: the kernel gives ELOOP and the mount fails
        }
        let mut cur: Vec<u8> = Vec::with_capacity(raw.len() + 16);
        let mut missing = false;
        for part in raw.split(|&b| b == b'/') {
            match part {
                b"" | b"." => {}
                b".." => {
                    let cut = cur.iter().rposition(|&b| b == b'/').unwrap_or(0);
                    cur.truncate(cut);
                }
                name => {
                    let at = cur.len();
                    cur.push(b'/');
                    cur.extend_from_slice(name);
                    if missing {
                        continue;
                    }
                    match self.step(&cur, at, depth)? {
                        Some(resolved) => cur = resolved,
                        None => missing = true,
                    }
                }
            }
        }
        if cur.is_empty() {
            cur.push(b'/');
        }
        Some(cur)
    }

    /// Resolves the last component of `candidate` (its directory, `candidate[..dir_len]`, is
    /// resolved already): `Some(Some(path))`, `Some(None)` when it does not exist, `None` on a
    /// loop.
    fn step(&mut self, candidate: &[u8], dir_len: usize, depth: u32) -> Option<Option<Vec<u8>>> {
        if let Some(known) = self.memo.get(candidate) {
            return Some(known.clone());
        }
        let path = Path::new(OsStr::from_bytes(candidate));
        let resolved = match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(path).ok()?;
                let target = target.as_os_str().as_bytes();
                let start = if target.first() == Some(&b'/') {
                    target.to_vec()
                } else {
                    let mut s = candidate[..dir_len].to_vec();
                    s.push(b'/');
                    s.extend_from_slice(target);
                    s
                };
                Some(self.realpath(&start, depth + 1)?)
            }
            Ok(_) => Some(candidate.to_vec()),
            Err(_) => None,
        };
        self.memo.insert(candidate.to_vec(), resolved.clone());
        Some(resolved)
    }
}

/// One component of a listed path: literal, or a glob such as `*`.
enum Part {
    Lit(Vec<u8>),
    Pat(Glob),
}

impl Part {
    fn matches(&self, s: &[u8]) -> bool {
        match self {
            Part::Lit(l) => l == s,
            Part::Pat(g) => g.matches(&String::from_utf8_lossy(s)),
        }
    }
}

fn compile(parts: &[&[u8]]) -> Vec<Part> {
    parts
        .iter()
        .map(|c| {
            let text = String::from_utf8_lossy(c);
            match text.contains(['*', '?', '[']).then(|| Glob::new(&text)) {
                Some(Ok(g)) => Part::Pat(g),
                _ => Part::Lit(c.to_vec()),
            }
        })
        .collect()
}

/// What [`Sensitive::find`] names for a relative source when the working directory is unknown.
pub const UNRESOLVABLE: &str = "(a relative path, and the working directory is unknown)";

/// The sensitive-path list, expanded (`~/`, symlinks of existing entries) and compiled.
pub struct Sensitive<'a> {
    entries: Vec<(&'a str, Vec<Vec<Part>>)>,
    resolver: Resolver,
}

impl<'a> Sensitive<'a> {
    pub fn new(entries: &'a [String], home: Option<&Path>) -> Sensitive<'a> {
        let mut set = Sensitive {
            entries: Vec::with_capacity(entries.len()),
            resolver: Resolver::default(),
        };
        for entry in entries {
            let path: Option<Vec<u8>> = match entry.strip_prefix("~/") {
                Some(rest) => home.map(|h| {
                    let mut p = h.as_os_str().as_bytes().to_vec();
                    p.push(b'/');
                    p.extend_from_slice(rest.as_bytes());
                    p
                }),
                None => Some(entry.as_bytes().to_vec()),
            };
            let mut forms = Vec::new();
            if let Some(path) = path {
                let lex = lexical(&path);
                forms.push(compile(&lex));
                // `/var/run/docker.sock` is `/run/docker.sock` on most hosts: keep both forms.
                if !entry.contains('*') {
                    if let Some(real) = set.resolver.realpath(&path, 0) {
                        let real = lexical(&real);
                        if real != lex {
                            forms.push(compile(&real));
                        }
                    }
                }
            }
            set.entries.push((entry.as_str(), forms));
        }
        set
    }

    /// The first listed entry that `source` equals, lies beneath, or contains.
    pub fn find(&mut self, source: &Path, cwd: Option<&Path>) -> Option<&'a str> {
        let raw = source.as_os_str().as_bytes();
        let abs: Vec<u8> = if raw.first() == Some(&b'/') {
            raw.to_vec()
        } else {
            // Fail closed: a relative source that cannot be placed is treated as sensitive.
            let Some(cwd) = cwd else { return Some(UNRESOLVABLE) };
            let mut a = cwd.as_os_str().as_bytes().to_vec();
            a.push(b'/');
            a.extend_from_slice(raw);
            a
        };
        let real = self.resolver.realpath(&abs, 0);
        let lex = lexical(&abs);
        let real_parts = real.as_deref().map(lexical).filter(|r| *r != lex);
        let sources: Vec<&Vec<&[u8]>> = std::iter::once(&lex).chain(real_parts.as_ref()).collect();
        for (entry, forms) in &self.entries {
            for e in forms {
                for s in &sources {
                    let hit = if e.is_empty() {
                        s.is_empty() // `/` itself, not everything beneath it
                    } else {
                        // equal, beneath (s longer) or a parent (s shorter)
                        s.iter().zip(e).all(|(s, p)| p.matches(s))
                    };
                    if hit {
                        return Some(entry);
                    }
                }
            }
        }
        None
    }
}

/// One-off form of [`Sensitive::find`].
pub fn sensitive<'a>(
    source: &Path,
    cwd: Option<&Path>,
    home: Option<&Path>,
    entries: &'a [String],
) -> Option<&'a str> {
    Sensitive::new(entries, home).find(source, cwd)
}

/// The resolved form of a path (for tests and diagnostics).
pub fn realpath(path: &Path) -> Option<std::path::PathBuf> {
    let bytes = Resolver::default().realpath(path.as_os_str().as_bytes(), 0)?;
    Some(std::path::PathBuf::from(OsStr::from_bytes(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Vec<String> {
        crate::policy::DEFAULT_SENSITIVE_PATHS
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn hit(src: &str) -> Option<String> {
        let l = list();
        sensitive(
            Path::new(src),
            Some(Path::new("/work")),
            Some(Path::new("/home/alice")),
            &l,
        )
        .map(str::to_string)
    }

    #[test]
    fn sensitive_sources() {
        assert_eq!(hit("/").as_deref(), Some("/"));
        assert_eq!(hit("/etc").as_deref(), Some("/etc"));
        assert_eq!(hit("/etc/ssl/certs").as_deref(), Some("/etc"));
        // /var/run is a symlink to /run on most hosts: either socket entry may be named.
        assert!(hit("/run").is_some_and(|e| e.ends_with("docker.sock")));
        assert!(hit("/var/run").is_some_and(|e| e.ends_with("docker.sock")));
        assert!(hit("/run/podman").is_some());
        assert_eq!(
            hit("/run/user/1000").as_deref(),
            Some("/run/user/*/podman/podman.sock")
        );
        assert_eq!(hit("/home/alice/.ssh/id_ed25519").as_deref(), Some("~/.ssh"));
        assert_eq!(hit("/home/alice").as_deref(), Some("~/.ssh"));
        assert_eq!(hit("/srv/../etc").as_deref(), Some("/etc"));
        assert_eq!(hit("//etc/").as_deref(), Some("/etc"));
        assert_eq!(hit("../../../../etc"), Some("/etc".into()));
        let l = list();
        assert_eq!(sensitive(Path::new("data"), None, None, &l), Some(UNRESOLVABLE));
    }

    #[test]
    fn ordinary_sources_pass() {
        assert_eq!(hit("/home/alice/nanoclaw/groups/main"), None);
        assert_eq!(hit("/tmp/onecli-proxy-ca.pem"), None);
        assert_eq!(hit("/srv/data"), None);
        assert_eq!(hit("/home/bob/.ssh"), None);
        assert_eq!(hit("/etc-backup"), None);
    }

    #[test]
    fn realpath_matches_the_kernel() {
        let d = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/usr/share", d.path().join("up")).unwrap();
        std::fs::create_dir(d.path().join("real")).unwrap();
        std::os::unix::fs::symlink("real", d.path().join("rel")).unwrap();
        for p in ["up", "up/..", "up/../..", "rel", "rel/.."] {
            let path = d.path().join(p);
            assert_eq!(realpath(&path), std::fs::canonicalize(&path).ok(), "{p}");
        }
        let missing = d.path().join("rel/a/b");
        assert_eq!(
            realpath(&missing),
            Some(std::fs::canonicalize(d.path()).unwrap().join("real/a/b"))
        );
    }

    #[test]
    fn symlinks_are_resolved() {
        let d = tempfile::tempdir().unwrap();
        let link = d.path().join("innocent");
        std::os::unix::fs::symlink("/etc", &link).unwrap();
        let l = list();
        assert_eq!(sensitive(&link, None, None, &l), Some("/etc"));
        assert_eq!(sensitive(&link.join("passwd"), None, None, &l), Some("/etc"));
        assert_eq!(sensitive(&link.join("not-yet"), None, None, &l), Some("/etc"));
        assert_eq!(
            sensitive(&link.join("new/dir/file"), None, None, &l),
            Some("/etc")
        );
        // `..` after a symlink climbs from the link's target, as the kernel does it.
        let deep = d.path().join("deep");
        std::os::unix::fs::symlink("/etc/ssl/certs", &deep).unwrap();
        assert_eq!(sensitive(&deep.join("../.."), None, None, &l), Some("/etc"));
        let up = d.path().join("up");
        std::os::unix::fs::symlink("/usr/share", &up).unwrap();
        assert_eq!(sensitive(&up.join("../../etc"), None, None, &l), Some("/etc"));
        // A loop resolves to nothing rather than hanging.
        std::os::unix::fs::symlink(d.path().join("loop"), d.path().join("loop")).unwrap();
        assert_eq!(sensitive(&d.path().join("loop/x"), None, None, &l), None);
        // A set reused across mounts gives the same answers (the memo is per set).
        let mut set = Sensitive::new(&l, None);
        assert_eq!(set.find(&link.join("passwd"), None), Some("/etc"));
        assert_eq!(set.find(&link.join("hosts"), None), Some("/etc"));
        assert_eq!(set.find(&d.path().join("plain"), None), None);
    }
}
