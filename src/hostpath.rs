//! Is a bind-mount source one of the host's sensitive paths?
//!
//! Compared after resolving `..` and, when the path exists, symlinks, so `/tmp/link-to-etc` and
//! `/var/run/../run` are seen for what they are. A source is sensitive when it equals a listed
//! path, lies beneath one (except beneath `/`, which holds everything), or is a parent of one:
//! binding `/run` exposes `/run/podman/podman.sock` just as surely as binding the socket.
//! Entries may use `~/` (the caller's home) and `*` within one path component.

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

/// The forms of a host path worth checking: as written (normalised) and with symlinks resolved.
pub fn forms(source: &Path, cwd: Option<&Path>) -> Vec<PathBuf> {
    let abs = if source.is_absolute() {
        source.to_path_buf()
    } else {
        match cwd {
            Some(c) => c.join(source),
            None => return Vec::new(),
        }
    };
    let mut out = vec![lexical(&abs)];
    if let Ok(real) = std::fs::canonicalize(&abs) {
        if !out.contains(&real) {
            out.push(real);
        }
    } else if let Some(parent) = abs.parent().and_then(|p| std::fs::canonicalize(p).ok()) {
        // The path may not exist yet, but its directory can still be a symlink to somewhere.
        if let Some(name) = abs.file_name() {
            let real = parent.join(name);
            if !out.contains(&real) {
                out.push(real);
            }
        }
    }
    out
}

fn components(p: &Path) -> Vec<String> {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect()
}

/// Expands an entry into concrete forms: `~/` with `home`, and symlinks in its existing prefix.
fn entry_forms(entry: &str, home: Option<&Path>) -> Vec<PathBuf> {
    let path = match entry.strip_prefix("~/") {
        Some(rest) => match home {
            Some(h) => h.join(rest),
            None => return Vec::new(),
        },
        None => PathBuf::from(entry),
    };
    let mut out = vec![lexical(&path)];
    if !entry.contains('*') {
        if let Some(real) = forms(&path, None).into_iter().nth(1) {
            out.push(real);
        }
    }
    out
}

/// Whether two component lists match where they overlap (entry components may be globs).
fn overlap(source: &[String], entry: &[String]) -> bool {
    source.iter().zip(entry).all(|(s, e)| {
        if e.contains(['*', '?', '[']) {
            Glob::new(e).is_ok_and(|g| g.matches(s))
        } else {
            s == e
        }
    })
}

/// The first listed entry that `source` equals, lies beneath, or contains.
pub fn sensitive<'a>(
    source: &Path,
    cwd: Option<&Path>,
    home: Option<&Path>,
    entries: &'a [String],
) -> Option<&'a str> {
    let sources: Vec<Vec<String>> = forms(source, cwd).iter().map(|p| components(p)).collect();
    for entry in entries {
        for e in entry_forms(entry, home) {
            let e = components(&e);
            for s in &sources {
                let hit = if e.is_empty() {
                    s.is_empty() // `/` itself, not everything beneath it
                } else {
                    overlap(s, &e) // equal, beneath (s longer) or a parent (s shorter)
                };
                if hit {
                    return Some(entry);
                }
            }
        }
    }
    None
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
    }
}
