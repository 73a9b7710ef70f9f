//! The host-path model: is a path the runtime mounts, reads or writes for the caller one the
//! policy refuses (sensitive, credentials, host-exec when written, outside the writable roots)?
//!
//! Compared as written (with `..` removed lexically) and as the kernel resolves it (symlinks
//! followed, then `..`), so `/tmp/link-to-etc` and `/srv/../etc` are seen for what they are. A
//! source is sensitive when it equals a listed path, lies beneath one (except beneath `/`, which
//! holds everything), or is a parent of one: binding `/run` exposes `/run/podman/podman.sock`
//! just as surely as binding the socket. Entries may use `~/` (the caller's home) and `*` within
//! one path component.
//!
//! Every `docker run` pays for this check, once per bind mount, so the work is done on bytes,
//! each list is expanded and its globs compiled once per invocation ([`HostPaths`]), and
//! symlink resolution is memoised per path prefix: nanoclaw's mounts share a handful of parents,
//! so each distinct prefix costs one `lstat`.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::hash::{BuildHasherDefault, Hasher};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::glob::Glob;
use crate::policy::{Deny, DenyList};
use crate::rules::Rule;

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

/// What one path resolves to, in the memo.
#[derive(Clone)]
enum Step {
    /// Exists and is not a symlink: resolves to itself.
    Same,
    /// Does not exist.
    Missing,
    /// A symlink, resolved to this path.
    Link(Vec<u8>),
}

/// `realpath(3)` with a memo shared by every path of one invocation: one `lstat` per distinct
/// path prefix, a `readlink` only for symlinks. A path that does not exist (docker creates
/// missing bind sources) is resolved up to its last existing component, the rest appended.
struct Resolver {
    /// A resolved directory joined with a name → what it resolves to.
    memo: HashMap<Vec<u8>, Step, BuildHasherDefault<Fnv>>,
}

impl Default for Resolver {
    fn default() -> Self {
        Resolver {
            memo: HashMap::with_capacity_and_hasher(128, BuildHasherDefault::default()),
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
                        Step::Same => {}
                        Step::Missing => missing = true,
                        Step::Link(target) => cur = target,
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
    /// resolved already); `None` on a loop.
    fn step(&mut self, candidate: &[u8], dir_len: usize, depth: u32) -> Option<Step> {
        if let Some(known) = self.memo.get(candidate) {
            return Some(known.clone());
        }
        let path = Path::new(OsStr::from_bytes(candidate));
        let resolved = match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => self.follow(candidate, dir_len, depth)?,
            Ok(_) => Step::Same,
            Err(_) => Step::Missing,
        };
        self.memo.insert(candidate.to_vec(), resolved.clone());
        Some(resolved)
    }

    /// Resolves the symlink at `candidate`.
    fn follow(&mut self, candidate: &[u8], dir_len: usize, depth: u32) -> Option<Step> {
        let target = std::fs::read_link(Path::new(OsStr::from_bytes(candidate))).ok()?;
        let target = target.as_os_str().as_bytes();
        let start = if target.first() == Some(&b'/') {
            target.to_vec()
        } else {
            let mut s = candidate[..dir_len].to_vec();
            s.push(b'/');
            s.extend_from_slice(target);
            s
        };
        Some(Step::Link(self.realpath(&start, depth + 1)?))
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

/// What a check names for a relative source when the working directory is unknown.
pub const UNRESOLVABLE: &str = "(a relative path, and the working directory is unknown)";

/// A path's components joined as `/a/b` (`` for `/` itself): comparing two such byte strings on
/// a `/` boundary is "equal, beneath or a parent" without splitting or allocating per component.
fn joined(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for p in parts {
        out.push(b'/');
        out.extend_from_slice(p);
    }
    out
}

/// One form of a listed entry: a literal path, or one with glob components (`/run/user/*/...`).
enum Form {
    Lit(Vec<u8>),
    Glob(Vec<Part>),
}

/// One listed entry, expanded (`~`, `~/`): as written and, when a symlink makes it differ, as
/// resolved (`/var/run/docker.sock` is `/run/docker.sock` on most hosts).
struct Entry {
    text: String,
    forms: Vec<Form>,
}

/// A compiled list of host paths.
struct List {
    entries: Vec<Entry>,
}

/// Whether `s` equals `e`, lies beneath it, or (with `parents`) contains it; both joined forms.
fn related(s: &[u8], e: &[u8], parents: bool) -> bool {
    if e.is_empty() {
        return s.is_empty(); // `/` itself, not everything beneath it
    }
    let under = |long: &[u8], short: &[u8]| {
        long.len() > short.len() && long.starts_with(short) && long[short.len()] == b'/'
    };
    s == e || under(s, e) || (parents && under(e, s))
}

impl List {
    fn new<'s>(entries: impl IntoIterator<Item = &'s str>, home: Option<&[u8]>, r: &mut Resolver) -> List {
        let mut out = Vec::new();
        for entry in entries {
            let path: Option<Vec<u8>> = if entry == "~" {
                home.map(<[u8]>::to_vec)
            } else {
                match entry.strip_prefix("~/") {
                    Some(rest) => home.map(|h| {
                        let mut p = h.to_vec();
                        p.push(b'/');
                        p.extend_from_slice(rest.as_bytes());
                        p
                    }),
                    None => Some(entry.as_bytes().to_vec()),
                }
            };
            let mut forms = Vec::new();
            if let Some(path) = path {
                if entry.contains(['*', '?', '[']) {
                    forms.push(Form::Glob(compile(&lexical(&path))));
                } else {
                    let lit = joined(&lexical(&path));
                    // realpath's output is already joined (`/` alone for the root).
                    if let Some(real) = r.realpath(&path, 0) {
                        if real != lit && !(real == b"/" && lit.is_empty()) {
                            forms.push(Form::Lit(if real == b"/" { Vec::new() } else { real }));
                        }
                    }
                    forms.push(Form::Lit(lit));
                }
            }
            out.push(Entry {
                text: entry.to_string(),
                forms,
            });
        }
        List { entries: out }
    }

    /// The first entry that a source equals, lies beneath, or contains (when `parents`).
    fn find(&self, src: &Resolved, parents: bool, skip: impl Fn(&str) -> bool) -> Option<&str> {
        for e in &self.entries {
            if skip(&e.text) {
                continue;
            }
            for form in &e.forms {
                for s in &src.forms {
                    let hit = match form {
                        Form::Lit(lit) => related(s, lit, parents),
                        Form::Glob(parts) => {
                            let comps = lexical(s);
                            if parts.is_empty() {
                                comps.is_empty()
                            } else if !parents && comps.len() < parts.len() {
                                false
                            } else {
                                comps.iter().zip(parts).all(|(c, p)| p.matches(c))
                            }
                        }
                    };
                    if hit {
                        return Some(&e.text);
                    }
                }
            }
        }
        None
    }
}

/// A source path as written (`..` removed lexically) and as the kernel resolves it, both joined.
struct Resolved {
    forms: Vec<Vec<u8>>,
    real: Option<Vec<u8>>,
}

impl Resolved {
    fn new(abs: &[u8], resolver: &mut Resolver) -> Resolved {
        let real = resolver.realpath(abs, 0);
        let lex = joined(&lexical(abs));
        let mut forms = Vec::with_capacity(2);
        forms.push(lex);
        if let Some(r) = &real {
            // realpath's output is already joined (`/` alone for the root).
            let r: &[u8] = if r == b"/" { b"" } else { r };
            if r != forms[0].as_slice() {
                forms.push(r.to_vec());
            }
        }
        Resolved { forms, real }
    }

    /// Whether one of its forms is exactly `path` (joined).
    fn is(&self, path: &[u8]) -> bool {
        self.forms.iter().any(|f| f == path)
    }

    /// Whether one of its forms lies at or beneath `dir` (joined).
    fn within(&self, dir: &[u8]) -> bool {
        self.forms.iter().any(|f| related(f, dir, false))
    }
}

/// How the runtime uses a host path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// Why a host path is refused: the rule, and the listed entry (or file) it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub entry: String,
}

/// Where the host is, for resolving host paths.
#[derive(Debug, Clone, Default)]
pub struct HostCtx {
    pub cwd: Option<std::path::PathBuf>,
    pub home: Option<std::path::PathBuf>,
    /// The shim's own files (binary, policy, decision log): never writable by a container.
    pub own_files: Vec<std::path::PathBuf>,
}

/// The host-path model: every path that reaches the runtime (mount sources, overlay
/// directories, files the runtime reads or writes for the caller) is judged here, by class.
///
/// - sensitive paths (system trees, runtime sockets) and credentials: refused, even read-only,
///   and so is any directory that contains one (binding `/run` exposes the socket);
/// - credential names (`.env`, `id_rsa`, ...) anywhere in the path, and at the top of a mounted
///   directory unless another mount shadows them;
/// - host-exec paths: refused when written (shell start-up files, systemd units, `~/.local`,
///   system directories, other users' homes, container storage, the shim's own files);
/// - a written path must lie beneath a writable root or the working directory.
///
/// `/dev/null` is always allowed: nanoclaw shadows files with it.
pub struct HostPaths<'p> {
    resolver: Resolver,
    deny: &'p Deny,
    home: Option<Vec<u8>>,
    cwd: Option<Vec<u8>>,
    /// `home` and `cwd` as joined components, for comparisons.
    home_joined: Option<Vec<u8>>,
    cwd_joined: Option<Vec<u8>>,
    sensitive: Option<List>,
    credentials: Option<List>,
    host_exec: Option<List>,
    roots: Option<List>,
    own: Vec<String>,
}

impl<'p> HostPaths<'p> {
    pub fn new(deny: &'p Deny, host: &HostCtx) -> HostPaths<'p> {
        let bytes = |p: &std::path::PathBuf| p.as_os_str().as_bytes().to_vec();
        HostPaths {
            resolver: Resolver::default(),
            deny,
            home: host.home.as_ref().map(bytes),
            cwd: host.cwd.as_ref().map(bytes),
            home_joined: host.home.as_ref().map(|h| joined(&lexical(&bytes(h)))),
            cwd_joined: host.cwd.as_ref().map(|c| joined(&lexical(&bytes(c)))),
            sensitive: None,
            credentials: None,
            host_exec: None,
            roots: None,
            own: host
                .own_files
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect(),
        }
    }

    fn resolve(&mut self, raw: &[u8]) -> Option<Resolved> {
        if raw.first() == Some(&b'/') {
            return Some(Resolved::new(raw, &mut self.resolver));
        }
        let mut abs = self.cwd.clone()?;
        abs.push(b'/');
        abs.extend_from_slice(raw);
        Some(Resolved::new(&abs, &mut self.resolver))
    }

    fn list(&mut self, which: DenyList) -> List {
        let deny = self.deny;
        let own: &[String] = if which == DenyList::HostExecPaths {
            &self.own
        } else {
            &[]
        };
        List::new(
            deny.list(which).iter().chain(own).map(String::as_str),
            self.home.as_deref(),
            &mut self.resolver,
        )
    }

    /// Checks one host path; `shadowed(name)` says whether a file of that name at the top of a
    /// mounted directory is covered by another mount (only asked for directories).
    pub fn check(&mut self, raw: &[u8], access: Access, shadowed: &dyn Fn(&[u8]) -> bool) -> Option<Finding> {
        let hit = |rule, entry: &str| {
            Some(Finding {
                rule,
                entry: entry.to_string(),
            })
        };
        let Some(src) = self.resolve(raw) else {
            return hit(Rule::DenySensitiveMount, UNRESOLVABLE);
        };
        if src.is(b"/dev/null") {
            return None;
        }
        let within_home = self.home_joined.as_ref().is_some_and(|h| src.within(h));
        if self.deny.on(Rule::DenySensitiveMount) {
            if self.sensitive.is_none() {
                self.sensitive = Some(self.list(DenyList::SensitivePaths));
            }
            // `/root` is another user's home, unless it is the caller's own.
            let skip = |e: &str| within_home && e == "/root";
            if let Some(e) = self.sensitive.as_ref().and_then(|l| l.find(&src, true, skip)) {
                return hit(Rule::DenySensitiveMount, e);
            }
        }
        if self.deny.on(Rule::DenyCredentials) {
            if self.credentials.is_none() {
                self.credentials = Some(self.list(DenyList::CredentialPaths));
            }
            if let Some(e) = self
                .credentials
                .as_ref()
                .and_then(|l| l.find(&src, true, |_| false))
            {
                return hit(Rule::DenyCredentials, e);
            }
            let names = self.deny.list(DenyList::CredentialNames);
            for form in &src.forms {
                for c in form.split(|&b| b == b'/') {
                    if let Some(n) = names.iter().find(|n| credential_name(c, n.as_bytes())) {
                        return hit(Rule::DenyCredentials, n);
                    }
                }
            }
            // A directory that holds a credential at its top exposes it, unless shadowed. One
            // directory listing (not a lookup per name) also catches variants (`.env.local`).
            if let Some(real) = &src.real {
                if let Some(found) = top_level_credential(real, names, shadowed) {
                    return hit(Rule::DenyCredentials, &String::from_utf8_lossy(&found));
                }
            }
        }
        if access == Access::Read {
            return None;
        }
        if self.deny.on(Rule::DenyHostExec) {
            if self.host_exec.is_none() {
                self.host_exec = Some(self.list(DenyList::HostExecPaths));
            }
            // Other users' homes (`/home/*`, `/root`) do not include the caller's own: there
            // the `~/` entries decide.
            let skip = |e: &str| {
                within_home
                    && !e.starts_with('~')
                    && (e.starts_with("/home/") || e == "/root" || is_system(e))
            };
            if let Some(e) = self.host_exec.as_ref().and_then(|l| l.find(&src, true, skip)) {
                return hit(Rule::DenyHostExec, e);
            }
        }
        if self.deny.on(Rule::DenyWritableRoot) {
            if self.roots.is_none() {
                self.roots = Some(self.list(DenyList::WritableRoots));
            }
            let in_root = self
                .roots
                .as_ref()
                .and_then(|l| l.find(&src, false, |_| false))
                .is_some();
            let in_cwd = self
                .cwd_joined
                .as_ref()
                .is_some_and(|c| !c.is_empty() && related(&src.forms[0], c, false));
            if !in_root && !in_cwd {
                return hit(Rule::DenyWritableRoot, &String::from_utf8_lossy(raw));
            }
        }
        None
    }
}

/// Listing more entries than this falls back to looking each credential name up: a huge
/// directory costs a bounded number of lookups instead of a long listing.
const LISTING_LIMIT: usize = 4096;

/// The first credential at the top of directory `dir` that no other mount shadows.
fn top_level_credential(dir: &[u8], names: &[String], shadowed: &dyn Fn(&[u8]) -> bool) -> Option<Vec<u8>> {
    let path = |name: &[u8]| {
        let mut p = dir.to_vec();
        p.push(b'/');
        p.extend_from_slice(name);
        p
    };
    let hit = |entry: &[u8]| names.iter().any(|n| credential_name(entry, n.as_bytes())) && !shadowed(entry);
    let Ok(listing) = std::fs::read_dir(OsStr::from_bytes(dir)) else {
        return None; // not a directory (or unreadable: the runtime cannot mount its content either)
    };
    for (i, entry) in listing.enumerate() {
        if i >= LISTING_LIMIT {
            return names
                .iter()
                .filter(|n| !n.contains(['/', '*']) && !shadowed(n.as_bytes()))
                .map(|n| path(n.as_bytes()))
                .find(|p| std::fs::symlink_metadata(OsStr::from_bytes(p)).is_ok());
        }
        let Ok(entry) = entry else { continue };
        let name = entry.file_name();
        if hit(name.as_bytes()) {
            return Some(path(name.as_bytes()));
        }
    }
    None
}

/// System trees in the host-exec list that a home directory may lie beneath (`/var/lib/x`).
fn is_system(entry: &str) -> bool {
    entry.starts_with("/var/") || entry == "/opt" || entry == "/srv"
}

/// Whether a path component is (or is a variant of) a credential name: `.env`, `.env.local`,
/// `id_rsa`; not `.env.example` or `id_rsa.pub`, which are meant to be shared.
fn credential_name(component: &[u8], name: &[u8]) -> bool {
    if component == name {
        return true;
    }
    let Some(rest) = component.strip_prefix(name) else {
        return false;
    };
    rest.first() == Some(&b'.')
        && ![&b".example"[..], b".sample", b".template", b".dist", b".pub"].contains(&rest)
}

/// One list alone (for the unit tests): equal, beneath or parent.
#[cfg(test)]
struct Sensitive {
    list: List,
    resolver: Resolver,
}

#[cfg(test)]
impl Sensitive {
    fn new(entries: &[String], home: Option<&Path>) -> Sensitive {
        let mut resolver = Resolver::default();
        let home = home.map(|h| h.as_os_str().as_bytes().to_vec());
        let list = List::new(entries.iter().map(String::as_str), home.as_deref(), &mut resolver);
        Sensitive { list, resolver }
    }

    /// The first listed entry that `source` equals, lies beneath, or contains.
    fn find(&mut self, source: &Path, cwd: Option<&Path>) -> Option<String> {
        let raw = source.as_os_str().as_bytes();
        let abs: Vec<u8> = if raw.first() == Some(&b'/') {
            raw.to_vec()
        } else {
            let Some(cwd) = cwd else {
                return Some(UNRESOLVABLE.into());
            };
            let mut a = cwd.as_os_str().as_bytes().to_vec();
            a.push(b'/');
            a.extend_from_slice(raw);
            a
        };
        let src = Resolved::new(&abs, &mut self.resolver);
        self.list.find(&src, true, |_| false).map(str::to_string)
    }
}

#[cfg(test)]
fn sensitive(source: &Path, cwd: Option<&Path>, home: Option<&Path>, entries: &[String]) -> Option<String> {
    Sensitive::new(entries, home).find(source, cwd)
}

#[cfg(test)]
fn realpath(path: &Path) -> Option<std::path::PathBuf> {
    let bytes = Resolver::default().realpath(path.as_os_str().as_bytes(), 0)?;
    Some(std::path::PathBuf::from(OsStr::from_bytes(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Vec<String> {
        let system = crate::policy::DEFAULT_SENSITIVE_PATHS
            .iter()
            .filter(|p| !p.starts_with('~'));
        let home = crate::policy::DEFAULT_SENSITIVE_PATHS
            .iter()
            .filter(|p| p.starts_with('~'));
        system
            .chain(crate::policy::DEFAULT_CREDENTIAL_PATHS)
            .chain(home)
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
        assert_eq!(
            sensitive(Path::new("data"), None, None, &l).as_deref(),
            Some(UNRESOLVABLE)
        );
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
        assert_eq!(sensitive(&link, None, None, &l).as_deref(), Some("/etc"));
        assert_eq!(
            sensitive(&link.join("passwd"), None, None, &l).as_deref(),
            Some("/etc")
        );
        assert_eq!(
            sensitive(&link.join("not-yet"), None, None, &l).as_deref(),
            Some("/etc")
        );
        assert_eq!(
            sensitive(&link.join("new/dir/file"), None, None, &l).as_deref(),
            Some("/etc")
        );
        // `..` after a symlink climbs from the link's target, as the kernel does it.
        let deep = d.path().join("deep");
        std::os::unix::fs::symlink("/etc/ssl/certs", &deep).unwrap();
        assert_eq!(
            sensitive(&deep.join("../.."), None, None, &l).as_deref(),
            Some("/etc")
        );
        let up = d.path().join("up");
        std::os::unix::fs::symlink("/usr/share", &up).unwrap();
        assert_eq!(
            sensitive(&up.join("../../etc"), None, None, &l).as_deref(),
            Some("/etc")
        );
        // A loop resolves to nothing rather than hanging.
        std::os::unix::fs::symlink(d.path().join("loop"), d.path().join("loop")).unwrap();
        assert_eq!(
            sensitive(&d.path().join("loop/x"), None, None, &l).as_deref(),
            None
        );
        // A set reused across mounts gives the same answers (the memo is per set).
        let mut set = Sensitive::new(&l, None);
        assert_eq!(set.find(&link.join("passwd"), None).as_deref(), Some("/etc"));
        assert_eq!(set.find(&link.join("hosts"), None).as_deref(), Some("/etc"));
        assert_eq!(set.find(&d.path().join("plain"), None).as_deref(), None);
    }
}
