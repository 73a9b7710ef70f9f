//! Is a bind-mount source one of the host's sensitive paths?
//!
//! Compared after resolving `..` and, when the path exists, symlinks, so `/tmp/link-to-etc` and
//! `/var/run/../run` are seen for what they are. A source is sensitive when it equals a listed
//! path, lies beneath one (except beneath `/`, which holds everything), or is a parent of one:
//! binding `/run` exposes `/run/podman/podman.sock` just as surely as binding the socket.
//! Entries may use `~/` (the caller's home) and `*` within one path component.
//!
//! Every `docker run` pays for this check, once per bind mount, so the list is expanded and its
//! globs compiled once per invocation ([`Sensitive::new`]), and symlink resolution is memoised
//! per parent directory: nanoclaw's mounts share a handful of parents.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use crate::glob::Glob;

/// Lexically normalises an absolute path: `.`, `..` and repeated `/` resolved.
pub fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

fn components(p: &Path) -> Vec<OsString> {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            _ => None,
        })
        .collect()
}

/// One component of a listed path: literal, or a glob such as `*`.
enum Part {
    Lit(OsString),
    Pat(Glob),
}

impl Part {
    fn matches(&self, s: &OsString) -> bool {
        match self {
            Part::Lit(l) => l == s,
            Part::Pat(g) => g.matches(&s.to_string_lossy()),
        }
    }
}

/// The sensitive-path list, expanded (`~/`, symlinks of existing entries) and compiled.
pub struct Sensitive<'a> {
    entries: Vec<(&'a str, Vec<Vec<Part>>)>,
    resolver: Resolver,
}

/// `realpath(3)` with a memo shared by every path of one invocation: one `lstat` per distinct
/// path prefix, a `readlink` only for symlinks. A path that does not exist (docker creates
/// missing bind sources) is resolved up to its last existing component, the rest appended.
#[derive(Default)]
struct Resolver {
    /// Resolved directory + name → what it resolves to (`None`: does not exist).
    memo: HashMap<PathBuf, Option<PathBuf>>,
}

impl Resolver {
    fn realpath(&mut self, raw: &Path, depth: u32) -> Option<PathBuf> {
        if depth > 40 {
            return None; // a symlink loop: the kernel gives ELOOP, the mount fails
        }
        let mut cur = PathBuf::from("/");
        let mut missing = false;
        for c in raw.components() {
            match c {
                Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
                Component::ParentDir => {
                    cur.pop();
                }
                Component::Normal(name) if missing => cur.push(name),
                Component::Normal(name) => match self.step(&cur, name, depth)? {
                    Some(next) => cur = next,
                    None => {
                        missing = true;
                        cur.push(name);
                    }
                },
            }
        }
        Some(cur)
    }

    /// One component: `Some(Some(resolved))`, `Some(None)` when it does not exist, `None` on a
    /// symlink loop.
    fn step(&mut self, dir: &Path, name: &std::ffi::OsStr, depth: u32) -> Option<Option<PathBuf>> {
        let candidate = dir.join(name);
        if let Some(known) = self.memo.get(&candidate) {
            return Some(known.clone());
        }
        let resolved = match std::fs::symlink_metadata(&candidate) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&candidate).ok()?;
                let start = if target.is_absolute() {
                    target
                } else {
                    dir.join(target)
                };
                Some(self.realpath(&start, depth + 1)?)
            }
            Ok(_) => Some(candidate.clone()),
            Err(_) => None,
        };
        self.memo.insert(candidate, resolved.clone());
        Some(resolved)
    }
}

fn compile(path: &Path) -> Vec<Part> {
    components(path)
        .into_iter()
        .map(|c| {
            let text = c.to_string_lossy();
            if text.contains(['*', '?', '[']) {
                Glob::new(&text).map(Part::Pat).unwrap_or(Part::Lit(c))
            } else {
                Part::Lit(c)
            }
        })
        .collect()
}

impl<'a> Sensitive<'a> {
    pub fn new(entries: &'a [String], home: Option<&Path>) -> Sensitive<'a> {
        let mut set = Sensitive {
            entries: Vec::with_capacity(entries.len()),
            resolver: Resolver::default(),
        };
        for entry in entries {
            let path = match entry.strip_prefix("~/") {
                Some(rest) => home.map(|h| h.join(rest)),
                None => Some(PathBuf::from(entry)),
            };
            let mut forms = Vec::new();
            if let Some(path) = path {
                let lex = lexical(&path);
                // `/var/run/docker.sock` is `/run/docker.sock` on most hosts: keep both forms.
                let real = if entry.contains('*') {
                    None
                } else {
                    set.resolver.realpath(&path, 0)
                };
                forms.extend(real.filter(|r| *r != lex));
                forms.insert(0, lex);
            }
            let compiled = forms.iter().map(|f| compile(f)).collect();
            set.entries.push((entry.as_str(), compiled));
        }
        set
    }

    /// The forms of a host path worth checking: as written (normalised) and as the kernel
    /// resolves it (symlinks followed before `..`).
    fn forms(&mut self, source: &Path, cwd: Option<&Path>) -> Vec<PathBuf> {
        let abs = if source.is_absolute() {
            source.to_path_buf()
        } else {
            match cwd {
                Some(c) => c.join(source),
                None => return Vec::new(),
            }
        };
        let lex = lexical(&abs);
        let real = self.resolver.realpath(&abs, 0).filter(|r| *r != lex);
        let mut out = vec![lex];
        out.extend(real);
        out
    }

    /// The first listed entry that `source` equals, lies beneath, or contains.
    pub fn find(&mut self, source: &Path, cwd: Option<&Path>) -> Option<&'a str> {
        let sources: Vec<Vec<OsString>> = self.forms(source, cwd).iter().map(|p| components(p)).collect();
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
        // A set reused across mounts gives the same answers (the parent memo is per set).
        let mut set = Sensitive::new(&l, None);
        assert_eq!(set.find(&link.join("passwd"), None), Some("/etc"));
        assert_eq!(set.find(&link.join("hosts"), None), Some("/etc"));
        assert_eq!(set.find(&d.path().join("plain"), None), None);
    }
}
