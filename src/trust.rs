//! Which files and variables the shim trusts to configure it and the runtime.
//!
//! A policy file that someone else can edit is no policy: like sudo and ssh, the shim refuses a
//! file (or a directory above it) that is writable by anyone but its owner and root, or that is
//! owned by another non-root user. The same holds for the files podman reads its configuration
//! from through the environment (`CONTAINERS_CONF`, ...): such a file can add mounts, hooks and
//! capabilities to every container, so it is trusted only when root owns it. Variables that
//! send the command to another engine are removed before exec.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path};

/// Variables that point podman (or docker) at another engine: removed before exec.
pub const REDIRECT_VARS: &[&str] = &[
    "CONTAINER_HOST",
    "CONTAINER_CONNECTION",
    "CONTAINER_SSHKEY",
    "DOCKER_HOST",
    "DOCKER_CONTEXT",
];

/// Variables naming a file podman reads its configuration from: kept only when root owns it.
pub const CONFIG_VARS: &[&str] = &[
    "CONTAINERS_CONF",
    "CONTAINERS_CONF_OVERRIDE",
    "CONTAINERS_STORAGE_CONF",
    "CONTAINERS_REGISTRIES_CONF",
    "REGISTRIES_CONFIG_PATH",
];

/// Variables that are one of podman's global flags by another name, a flag the shim refuses
/// (`--storage-opt`, `--storage-driver`): `STORAGE_OPTS=overlay.mount_program=PROGRAM` runs
/// `PROGRAM` on the host, as root for a rootful caller (the red team's). Refused when set.
pub const FLAG_VARS: &[(&str, &str)] = &[
    ("STORAGE_OPTS", "--storage-opt"),
    ("STORAGE_DRIVER", "--storage-driver"),
];

/// The variable that sets a build's isolation when the build names none: `chroot` runs its RUN
/// steps in the host's PID, IPC and (rootful) user namespaces, what `--isolation chroot` asks
/// and `deny.build` refuses (proven on podman 4.3.1: a RUN step sees the host's PID 1). Only
/// builds read it, so only a build is judged by it.
pub const ISOLATION_VAR: &str = "BUILDAH_ISOLATION";

/// The values of [`ISOLATION_VAR`] that keep a build's OCI isolation (compared without regard
/// to case, around blanks).
const ISOLATION_KEPT: &[&str] = &["", "default", "oci", "rootless"];

/// Whether `name` is one of [`REDIRECT_VARS`], [`CONFIG_VARS`], [`FLAG_VARS`] or
/// [`ISOLATION_VAR`].
pub fn is_engine_var(name: &[u8]) -> bool {
    REDIRECT_VARS
        .iter()
        .chain(CONFIG_VARS)
        .chain(FLAG_VARS.iter().map(|(n, _)| n))
        .chain([&ISOLATION_VAR])
        .any(|n| n.as_bytes() == name)
}

/// Whether `path` (after symlinks) and every directory above it are safe from other users:
/// owned by root or `owner`, and not writable by group or others (a root-owned sticky directory
/// such as `/tmp` is fine: nobody can replace what another user put there). The reason if not.
pub fn check_file(path: &Path, owner: Option<u32>) -> Result<(), String> {
    // An absolute path with no symlink, `.` or `..` on its way is its own canonical form: its
    // `lstat`s are the checks' `stat`s, one call per directory instead of `realpath`'s
    // `readlink` and then a `stat` each. Anything else is resolved first.
    let plain = path.is_absolute()
        && path
            .components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)));
    let mut cached = Vec::with_capacity(if plain { path.components().count() } else { 0 });
    if plain {
        for p in path.ancestors() {
            match std::fs::symlink_metadata(p) {
                Ok(m) if !m.file_type().is_symlink() => {
                    crate::hostfs::saw(p.as_os_str().as_bytes(), &m);
                    cached.push(m)
                }
                _ => {
                    cached.clear();
                    break;
                }
            }
        }
    }
    let real = if cached.is_empty() {
        resolve_trusted(path, owner)?
    } else {
        path.to_path_buf()
    };
    check_chain(&real, cached, owner, false)
}

/// `path` resolved as the kernel resolves it, component by component, with every directory that
/// holds a symlink on the way checked as [`check_file`] checks the file's own: a link in a
/// directory someone else can write could be swapped between the check and the read.
fn resolve_trusted(path: &Path, owner: Option<u32>) -> Result<std::path::PathBuf, String> {
    let shown = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    let start = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map_err(|e| shown(path, e))?.join(path)
    };
    let mut todo: std::collections::VecDeque<OsString> =
        start.components().map(|c| c.as_os_str().to_os_string()).collect();
    let mut done = std::path::PathBuf::from("/");
    let mut links = 0;
    while let Some(c) = todo.pop_front() {
        match c.as_bytes() {
            b"/" => done = "/".into(),
            b"." => {}
            b".." => {
                done.pop();
            }
            _ => {
                let next = done.join(&c);
                let m = std::fs::symlink_metadata(&next).map_err(|e| shown(&next, e))?;
                if !m.file_type().is_symlink() {
                    done = next;
                    continue;
                }
                links += 1;
                if links > 40 {
                    return Err(format!("{}: too many symbolic links", path.display()));
                }
                // In a root-owned sticky directory (`/tmp`) only the link's owner can replace it.
                let owned = m.uid() == 0 || Some(m.uid()) == owner;
                check_chain(&done, Vec::new(), owner, owned)
                    .map_err(|why| format!("the symbolic link {}: {why}", next.display()))?;
                let target = std::fs::read_link(&next).map_err(|e| shown(&next, e))?;
                for t in target.components().rev() {
                    todo.push_front(t.as_os_str().to_os_string());
                }
            }
        }
    }
    Ok(done)
}

/// Checks `real` (a path without symlinks) and every directory above it; `cached` holds the
/// `lstat`s of the first ones when the caller has them. A root-owned sticky directory passes
/// above the first; `real` itself only when `sticky_ok` (a directory holding a link its owner
/// made).
fn check_chain(
    real: &Path,
    cached: Vec<std::fs::Metadata>,
    owner: Option<u32>,
    sticky_ok: bool,
) -> Result<(), String> {
    let mut cached = cached.into_iter();
    let mut cur: Option<&Path> = Some(real);
    let mut first = true;
    while let Some(p) = cur {
        let m = match cached.next() {
            Some(m) => m,
            None => std::fs::metadata(p).map_err(|e| format!("{}: {e}", p.display()))?,
        };
        let uid = m.uid();
        if uid != 0 && Some(uid) != owner {
            return Err(format!(
                "{} is owned by uid {uid}, not by root{}",
                p.display(),
                owner.map_or(String::new(), |o| format!(" or uid {o}"))
            ));
        }
        let mode = m.mode();
        let sticky_root_dir = (!first || sticky_ok) && mode & 0o1000 != 0 && uid == 0;
        if mode & 0o022 != 0 && !sticky_root_dir {
            return Err(format!(
                "{} is writable by {} (mode {:o})",
                p.display(),
                if mode & 0o002 != 0 {
                    "everyone"
                } else {
                    "its group"
                },
                mode & 0o7777
            ));
        }
        first = false;
        cur = p.parent();
    }
    Ok(())
}

/// What the policy asks of the environment: remove redirects (`deny.engine-redirect`), refuse
/// untrusted configuration files and, for a build, a weaker isolation (`deny.environment`).
#[derive(Debug, Clone, Copy)]
pub struct EnvRules {
    pub remove_redirects: bool,
    pub refuse_untrusted_config: bool,
    /// The command is a build, and `deny.environment` is on.
    pub refuse_build_isolation: bool,
}

/// Judges the runtime's environment: the variables to remove before exec, or why the invocation
/// is refused (`deny.environment`). `vars` is the process environment.
pub fn environment(
    rules: EnvRules,
    vars: impl Iterator<Item = (OsString, OsString)>,
    file_ok: &dyn Fn(&Path) -> Result<(), String>,
) -> Result<Vec<&'static str>, String> {
    let mut remove = Vec::new();
    for (k, v) in vars {
        let Some(name) = k.to_str() else { continue };
        if rules.remove_redirects {
            if let Some(r) = REDIRECT_VARS.iter().find(|r| **r == name) {
                if !remove.contains(r) {
                    remove.push(*r);
                }
                continue;
            }
        }
        if rules.refuse_build_isolation && name == ISOLATION_VAR {
            let kept = v
                .to_str()
                .is_some_and(|v| ISOLATION_KEPT.iter().any(|k| k.eq_ignore_ascii_case(v.trim())));
            if !kept {
                return Err(format!(
                    "{ISOLATION_VAR} asks the build for an isolation other than oci (chroot runs its RUN steps in the host's namespaces, as --isolation chroot would); unset it"
                ));
            }
        }
        if let (true, Some((_, flag))) = (
            rules.refuse_untrusted_config && !v.is_empty(),
            FLAG_VARS.iter().find(|(n, _)| *n == name),
        ) {
            return Err(format!(
                "{name} is podman's {flag} by another name, which the shim refuses (a storage option can run a program on the host); unset it"
            ));
        }
        if rules.refuse_untrusted_config && CONFIG_VARS.contains(&name) && !v.is_empty() {
            // podman reads a list for some of these; each file must be trusted.
            for part in std::env::split_paths(&v) {
                if let Err(why) = file_ok(&part) {
                    return Err(format!(
                        "{name} points the runtime at a configuration file it cannot trust ({why}); make it root-owned or unset it"
                    ));
                }
            }
        }
    }
    Ok(remove)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writable_by_others_is_untrusted() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("policy.toml");
        std::fs::write(&f, "").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(check_file(&f, Some(crate::process::euid())), Ok(()));
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(
            check_file(&f, Some(crate::process::euid()))
                .unwrap_err()
                .contains("everyone")
        );
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o664)).unwrap();
        assert!(
            check_file(&f, Some(crate::process::euid()))
                .unwrap_err()
                .contains("group")
        );
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(
            check_file(&f, Some(crate::process::euid()))
                .unwrap_err()
                .contains("everyone")
        );
    }

    #[test]
    fn a_symlink_in_a_directory_others_can_write_is_untrusted() {
        let me = Some(crate::process::euid());
        let d = tempfile::tempdir().unwrap();
        let safe = d.path().join("safe");
        std::fs::create_dir(&safe).unwrap();
        std::fs::set_permissions(&safe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let f = safe.join("containers.conf");
        std::fs::write(&f, "").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        // A link in a safe directory to a safe file: trusted.
        let good = safe.join("link");
        std::os::unix::fs::symlink(&f, &good).unwrap();
        assert_eq!(check_file(&good, me), Ok(()));
        // The same link in a directory everyone can write: whoever can replace it decides
        // what the runtime reads, though the file it points at is safe.
        let open = d.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let bad = open.join("link");
        std::os::unix::fs::symlink(&f, &bad).unwrap();
        let why = check_file(&bad, me).unwrap_err();
        assert!(why.contains("symbolic link") && why.contains("everyone"), "{why}");
        // ... and one hop further: a safe link to that link.
        let hop = safe.join("hop");
        std::os::unix::fs::symlink(&bad, &hop).unwrap();
        assert!(check_file(&hop, me).is_err());
        // A relative link is resolved from its own directory.
        let rel = safe.join("rel");
        std::os::unix::fs::symlink("containers.conf", &rel).unwrap();
        assert_eq!(check_file(&rel, me), Ok(()));
    }

    #[test]
    fn redirects_are_removed_and_untrusted_config_refused() {
        let p = EnvRules {
            remove_redirects: true,
            refuse_untrusted_config: true,
            refuse_build_isolation: false,
        };
        let vars = vec![
            (OsString::from("DOCKER_HOST"), OsString::from("tcp://evil:2375")),
            (OsString::from("CONTAINER_HOST"), OsString::from("ssh://x")),
            (OsString::from("HOME"), OsString::from("/home/a")),
        ];
        let ok = |_: &Path| Ok(());
        assert_eq!(
            environment(p, vars.clone().into_iter(), &ok).unwrap(),
            ["DOCKER_HOST", "CONTAINER_HOST"]
        );
        // A name set twice is removed once (execve drops every entry of it).
        let twice = [vars[0].clone(), vars[0].clone()];
        assert_eq!(environment(p, twice.into_iter(), &ok).unwrap(), ["DOCKER_HOST"]);
        let bad = |_: &Path| Err("owned by uid 1000".to_string());
        let conf = vec![(OsString::from("CONTAINERS_CONF"), OsString::from("/w/c.conf"))];
        let r = environment(p, conf.clone().into_iter(), &bad).unwrap_err();
        assert!(r.contains("CONTAINERS_CONF"), "{r}");
        let lenient = EnvRules {
            refuse_untrusted_config: false,
            ..p
        };
        assert!(environment(lenient, conf.into_iter(), &bad).is_ok());
    }

    #[test]
    fn a_build_s_isolation_is_only_oci() {
        let ok = |_: &Path| Ok(());
        let build = EnvRules {
            remove_redirects: true,
            refuse_untrusted_config: true,
            refuse_build_isolation: true,
        };
        let var = |v: &str| vec![(OsString::from(ISOLATION_VAR), OsString::from(v))].into_iter();
        for weak in ["chroot", "CHROOT", " chroot", "anything", "oci,chroot"] {
            let r = environment(build, var(weak), &ok).unwrap_err();
            assert!(r.contains("BUILDAH_ISOLATION"), "{weak}: {r}");
        }
        for kept in ["", "oci", "OCI", "rootless", "default"] {
            assert_eq!(environment(build, var(kept), &ok), Ok(vec![]), "{kept}");
        }
        // Not a build (or the rule off): nothing reads it.
        let other = EnvRules {
            refuse_build_isolation: false,
            ..build
        };
        assert_eq!(environment(other, var("chroot"), &ok), Ok(vec![]));
        assert!(is_engine_var(b"BUILDAH_ISOLATION"));
    }
}
