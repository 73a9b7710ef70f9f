//! Finding the real runtime and handing the process over to it.
//!
//! The shim is installed as `docker` in a folder early on PATH, so a naive PATH search for the
//! runtime can find the shim itself (for example when the runtime is configured as `docker`).
//! Resolution skips every candidate that is this very binary (same device and inode), and an
//! environment marker stops a chain of distinct shim copies from exec'ing each other forever.
//!
//! The hand-over is `execve`: podman replaces the shim in the same process, so stdin, stdout,
//! stderr, the exit status and every signal nanoclaw sends belong to podman, with no relay.

use std::ffi::{OsStr, OsString};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::hostfs::{HostFs, RealFs};
use crate::rewrite::{Flavor, Version};

pub use crate::env::{REENTRY_ENV, RUNTIME_ENV};

/// Why the runtime could not be found or started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeError(pub String);

impl std::fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RuntimeError {}

/// The runtime name in force: `NANOCLAW_SHIM_RUNTIME`, else the policy's.
pub fn configured(env: &crate::env::Env, policy_binary: &str) -> OsString {
    match &env.runtime {
        Some(v) => {
            tracing::debug!("runtime: {} ({RUNTIME_ENV} is set)", v.to_string_lossy());
            v.clone()
        }
        None => {
            tracing::debug!("runtime: {policy_binary} (the policy's [runtime] binary)");
            policy_binary.into()
        }
    }
}

/// The CLI flavour the runtime is treated as: podman, unless the policy says `flavor =
/// "docker"` and the runtime itself answers `--version` as docker does. A name is no proof:
/// Debian's podman-docker installs podman as `/usr/bin/docker`, and a podman given docker's
/// rewrite loses every podman-only hardening (the thirty-second pass's look: a `docker`-named
/// wrapper of podman had the proxy's credentials reach the container, and `doctor` said all was
/// hardened); nor is the answer, which is the client's (docker's client in front of podman's
/// socket answered docker: the same pass's fourth look held 175 MB of TCP buffers under a 128 MB
/// ceiling). So docker's grammar is the policy's explicit choice (`auto` is podman's), and
/// then only for a runtime that answers as docker; `probe` gives its version and flavour
/// (cached as the version is). Podman's grammar on docker's engine fails loudly; docker's on
/// podman would lose hardening silently.
pub fn flavor(
    configured: Option<Flavor>,
    probe: impl FnOnce() -> Option<(Version, Flavor)>,
) -> (Flavor, Option<Version>) {
    match configured {
        Some(Flavor::Podman) | None => (Flavor::Podman, None),
        Some(Flavor::Docker) => match probe() {
            Some((v, Flavor::Docker)) => (Flavor::Docker, Some(v)),
            Some((v, Flavor::Podman)) => {
                tracing::info!("runtime: named like docker, answers as podman: treated as podman");
                (Flavor::Podman, Some(v))
            }
            None => {
                tracing::warn!("runtime: its --version does not say it is docker: treated as podman");
                (Flavor::Podman, None)
            }
        },
    }
}

/// Identity of a file: (device, inode) after following symlinks.
fn identity(path: &Path) -> Option<(u64, u64)> {
    crate::hostfs::metadata_once(path).map(|m| (m.dev(), m.ino()))
}

/// The identity of `path` when it is an executable file (one `stat` for both questions).
fn executable(path: &Path) -> Option<(u64, u64)> {
    let m = crate::hostfs::metadata_once(path)?;
    (m.is_file() && m.permissions().mode() & 0o111 != 0).then(|| (m.dev(), m.ino()))
}

/// Resolves `binary` to a path: as given when it contains a `/`, else the first executable of
/// that name on `path_var` that is not the file `myself`.
/// `path`, when nobody but its owner (the caller or root) could have replaced it: the policy
/// file's rule (sudo's and ssh's), for the program every call execs. A runtime in a folder
/// others can write ran whatever another user put there (the red team's).
fn trusted(path: PathBuf) -> Result<PathBuf, RuntimeError> {
    // A rootless volume's folder is the caller's own: the owner check passes a runtime a
    // container put there, so container storage is refused outright (as for the shim's folders).
    match crate::trust::own_folder(&path, crate::process::euid()) {
        Ok(()) => Ok(path),
        Err(why) => Err(RuntimeError(format!(
            "runtime {} is not trusted: {why}",
            path.display()
        ))),
    }
}

pub fn resolve(
    binary: &OsStr,
    path_var: Option<&OsStr>,
    myself: Option<&Path>,
) -> Result<PathBuf, RuntimeError> {
    let me = myself.and_then(identity);
    let shown = binary.to_string_lossy();
    if binary.as_encoded_bytes().contains(&b'/') {
        let p = PathBuf::from(binary);
        // A relative path is looked up from the working directory, which a container may write
        // (a sixty-eighth look's `./x` ran, and `doctor` said it was found on PATH).
        if !p.is_absolute() {
            return Err(RuntimeError(format!(
                "runtime {shown} is a relative path: name a program on PATH or give an absolute path"
            )));
        }
        let Some(id) = executable(&p) else {
            return Err(RuntimeError(format!("runtime {shown} is not an executable file")));
        };
        if me == Some(id) {
            return Err(RuntimeError(format!(
                "runtime {shown} is nanoclaw-shim itself; point it at podman"
            )));
        }
        return trusted(p);
    }
    let mut skipped_self = false;
    // Only absolute folders: a relative one (an empty entry is `.`) lies beneath the working
    // directory, which a container may write (the forty-first look's planted `podman`); the
    // environment's judge refuses such a PATH too ([`crate::trust::path_var`]).
    for dir in crate::process::path_dirs(path_var.unwrap_or_default())
        .into_iter()
        .filter(|d| d.is_absolute())
    {
        let candidate = dir.join(binary);
        let Some(id) = executable(&candidate) else {
            continue;
        };
        if me == Some(id) {
            tracing::debug!(
                "runtime: skipped {}: it is nanoclaw-shim itself",
                candidate.display()
            );
            skipped_self = true;
            continue;
        }
        tracing::debug!("runtime: {shown} found on PATH at {}", candidate.display());
        // The first found is the one `podman-docker` would run: an untrusted one is refused,
        // not passed over for the next.
        return trusted(candidate);
    }
    let hint = if skipped_self {
        " (only nanoclaw-shim itself was found)"
    } else {
        ""
    };
    Err(RuntimeError(format!(
        "runtime {shown} not found on PATH{hint}; install podman or set {RUNTIME_ENV}"
    )))
}

/// Fails when this process was started by a shim (a loop of shims).
pub fn check_reentry(env: &crate::env::Env) -> Result<(), RuntimeError> {
    match &env.reentry {
        Some(v) => Err(RuntimeError(format!(
            "nanoclaw-shim was started by nanoclaw-shim (pid {}): the runtime resolves to another shim; set {RUNTIME_ENV} to the real podman",
            v.to_string_lossy()
        ))),
        None => Ok(()),
    }
}

/// Replaces this process with the runtime. Returns only on failure.
/// `remove_env` names variables the runtime is not given; with `keep` (`Some`), it is given only
/// the variables on its list ([`crate::trust::listed`]) and those `keep` keeps.
pub fn exec(
    runtime: &Path,
    argv0: &OsStr,
    args: &[OsString],
    remove_env: &[&str],
    keep: Option<&[String]>,
) -> RuntimeError {
    tracing::info!(
        "exec: {} as {}: {}",
        runtime.display(),
        argv0.to_string_lossy(),
        crate::diag::Argv(args)
    );
    let marker = format!("{REENTRY_ENV}={}", std::process::id());
    let err = execve(runtime, argv0, args, &marker, &|name| {
        given(name, remove_env, keep)
    });
    RuntimeError(format!("cannot exec {}: {err}", runtime.display()))
}

/// Whether the runtime is given the variable `name` ([`exec`]). The loop marker is the shim's.
pub fn given(name: &[u8], remove: &[&str], keep: Option<&[String]>) -> bool {
    name != REENTRY_ENV.as_bytes()
        && !remove.iter().any(|r| r.as_bytes() == name)
        && keep.is_none_or(|k| crate::trust::listed(name) || crate::trust::kept_by(k, name))
}

/// Gives `cmd` this process's variables the runtime is given ([`given`], each name once, its
/// first value), and no other: the probes that ask the runtime something before or beside the
/// exec (a build's base images, `doctor`) see the environment the exec would give it.
pub fn give_env(cmd: &mut std::process::Command, remove: &[&str], keep: Option<&[String]>) {
    cmd.env_clear();
    let vars: Vec<_> = std::env::vars_os().collect();
    let mut once = Once::default();
    for (name, value) in &vars {
        let bytes = name.as_encoded_bytes();
        if given(bytes, remove, keep) && once.first(bytes) {
            cmd.env(name, value);
        }
    }
}

/// The names of an environment met so far. A name set twice: the first is the one the shim
/// judged (and podman's Go and the C library read); a later one is never given, for a program
/// that reads the last (the forty-fifth look's second `HOME`, given by `Command::env`).
#[derive(Default)]
struct Once<'a>(Vec<&'a [u8]>);

impl<'a> Once<'a> {
    /// Whether `name` is met for the first time.
    fn first(&mut self, name: &'a [u8]) -> bool {
        let new = !self.0.contains(&name);
        if new {
            self.0.push(name);
        }
        new
    }
}

/// `execve(2)`; returns only on failure. The runtime gets the process's variables `give` passes
/// (by name; an entry without `=` is all name), plus `marker` (`NAME=value`).
///
/// `Command::exec` would do the same at the price of a `CString` and two vector pushes per
/// argument (nanoclaw's `run` has about seventy), and `Command::env` of a copy of every variable;
/// changing the process's own environment instead would go through the C library's `setenv`,
/// its `malloc` and a copy of the variable table. Here every string is copied once into one
/// buffer, NUL-terminated; the argument vector points into it, and the environment vector at the
/// C library's strings as they are. Signal dispositions pass to the runtime as the shim received
/// them (it never changes one: see `main.rs`), as they do through podman-docker's sh wrapper;
/// `Command::exec` would also have set SIGPIPE back to its default.
fn execve(
    path: &Path,
    argv0: &OsStr,
    args: &[OsString],
    marker: &str,
    give: &dyn Fn(&[u8]) -> bool,
) -> std::io::Error {
    use std::ffi::{CStr, c_char};
    use std::os::unix::ffi::OsStrExt;
    let strings = || {
        std::iter::once(path.as_os_str())
            .chain(std::iter::once(argv0))
            .chain(args.iter().map(OsString::as_os_str))
            .chain(std::iter::once(OsStr::new(marker)))
            .map(OsStr::as_bytes)
    };
    let mut buf = Vec::with_capacity(strings().map(|s| s.len() + 1).sum());
    let mut starts = Vec::with_capacity(args.len() + 3);
    for s in strings() {
        // C strings end at the first NUL: such an argument cannot be passed on as it is.
        if s.contains(&0) {
            return std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "an argument contains a NUL byte",
            );
        }
        starts.push(buf.len());
        buf.extend_from_slice(s);
        buf.push(0);
    }
    let at = |i: usize| buf.as_ptr().wrapping_add(i).cast::<c_char>();
    let (marker_at, argv_at) = starts[1..]
        .split_last()
        .expect("the path, argv[0] and the marker");
    let mut argv: Vec<*const c_char> = Vec::with_capacity(argv_at.len() + 1);
    argv.extend(argv_at.iter().map(|&i| at(i)));
    argv.push(std::ptr::null());
    // SAFETY: glibc's `execve(2)` wrapper and `environ`, declared with their C types.
    #[allow(unsafe_code)]
    unsafe extern "C" {
        fn execve(path: *const c_char, argv: *const *const c_char, envp: *const *const c_char) -> i32;
        static environ: *const *const c_char;
    }
    let mut envp: Vec<*const c_char> = Vec::with_capacity(64);
    let mut once = Once::default();
    // SAFETY: `environ` is the C library's null-terminated array of NUL-terminated `NAME=value`
    // strings. The shim is single-threaded and never changes its environment, so the array and
    // its strings stay as they are while they are read here and until `execve` copies them.
    #[allow(unsafe_code)]
    unsafe {
        let mut p = environ;
        while !p.is_null() && !(*p).is_null() {
            let entry = CStr::from_ptr(*p).to_bytes();
            let name = entry
                .iter()
                .position(|&b| b == b'=')
                .map_or(entry, |at| &entry[..at]);
            if give(name) && once.first(name) {
                envp.push(*p);
            }
            p = p.add(1);
        }
    }
    envp.push(at(*marker_at));
    envp.push(std::ptr::null());
    // SAFETY: `path`, every `argv` entry and the marker point at NUL-terminated strings inside
    // `buf`, the other `envp` entries at the C library's (see above); both vectors end with a
    // null pointer, and everything lives until `execve` returns, which it does only on failure.
    #[allow(unsafe_code)]
    unsafe {
        execve(at(starts[0]), argv.as_ptr(), envp.as_ptr());
    }
    std::io::Error::last_os_error()
}

/// `major.minor.patch` from `podman version 4.3.1` or `Docker version 28.2.2, build x`.
pub fn parse_version(output: &str) -> Option<Version> {
    let word = output
        .split_whitespace()
        .map(|w| w.trim_end_matches(','))
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()) && w.contains('.'))?;
    let mut parts = word.split(['.', '-', '+']).map(|p| p.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next()??;
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

/// The runtime's version, from a cache keyed by the binary's identity (device, inode, size,
/// mtime), so `--version` runs once per installed runtime rather than once per invocation.
/// `cache` is where the versions are kept ([`Env::version_cache`](crate::env::Env::version_cache)),
/// read only when `owner` (the caller) owns it and nobody else may write it, as the host-path
/// memory is: a version line someone else wrote would tell the rules that the runtime is fixed
/// (`deny.build-base` asks nothing of a podman it believes patched; the red team's forged
/// `5.0.1` let an ONBUILD trigger read the host).
pub fn version(runtime: &Path, cache: Option<&Path>, owner: u32) -> Option<Version> {
    identify(runtime, cache, owner).map(|(v, _)| v)
}

/// Which flavour `--version`'s answer names: docker's engine says `Docker version 27.1.1`,
/// podman (and podman-docker's `docker`) `podman version 4.3.1`; the cache keeps `docker
/// 27.1.1` / `podman 4.3.1` (a cached answer read by the live answer's rule made docker's engine
/// podman from the second call on: the thirty-second pass's look).
fn answered_flavor(text: &str) -> Flavor {
    match text.trim_start().to_ascii_lowercase().starts_with("docker") {
        true => Flavor::Docker,
        false => Flavor::Podman,
    }
}

/// [`version`], and the flavour the runtime's answer names ([`answered_flavor`]).
pub fn identify(runtime: &Path, cache: Option<&Path>, owner: u32) -> Option<(Version, Flavor)> {
    let meta = crate::hostfs::metadata_once(runtime)?;
    // (`\tf`: kept with the flavour's word since the thirty-second pass; a line kept before
    // holds the version alone and is asked again.)
    let key = format!(
        "{}\t{}\t{}\t{}\t{}\tf",
        runtime.display(),
        meta.dev(),
        meta.ino(),
        meta.size(),
        meta.mtime_nsec() as i128 + meta.mtime() as i128 * 1_000_000_000
    );
    // Asked only here, when a rule needs the version: a `ps` does not pay for the walk.
    let cache = cache.filter(|c| {
        let dir = c.parent().unwrap_or(Path::new("/"));
        crate::trust::cache_folder(dir, owner)
            .inspect_err(|why| tracing::warn!("cache folder not used: {why}"))
            .is_ok()
    });
    let private = cache.and_then(|c| RealFs.read_private(c, owner));
    if let Some(text) = private.and_then(|b| String::from_utf8(b).ok()) {
        for line in text.lines() {
            if let Some((k, v)) = line.rsplit_once('\t') {
                if k == key {
                    tracing::debug!(
                        "runtime version: {v} (cache hit in {})",
                        cache.unwrap_or(Path::new("")).display()
                    );
                    return parse_version(v).map(|ver| (ver, answered_flavor(v)));
                }
            }
        }
    }
    tracing::debug!(
        "runtime version: cache miss ({}); running {} --version",
        cache.map_or(
            "no cache folder: neither XDG_CACHE_HOME nor HOME is set".into(),
            |c| c.display().to_string()
        ),
        runtime.display()
    );
    // Asked before the environment is judged, and `--version` needs none of it: nothing of the
    // caller's environment reaches this podman (a loader variable would have it load a library
    // a container wrote, before any rule looked at it).
    let out = std::process::Command::new(runtime)
        .arg("--version")
        .env_clear()
        .env(REENTRY_ENV, std::process::id().to_string())
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    let out = match out {
        Ok(out) => out,
        Err(e) => {
            tracing::warn!(
                "runtime version: {} --version failed: {e}: unknown to the rules",
                runtime.display()
            );
            return None;
        }
    };
    let text = crate::text::owned(&out.stdout);
    let Some(v) = parse_version(&text) else {
        tracing::warn!(
            "runtime version: not understood in {:?}: unknown to the rules",
            text.trim()
        );
        return None;
    };
    let flavor = answered_flavor(&text);
    if let Some(c) = cache {
        let written = write_cache(c, &key, v, flavor);
        tracing::debug!(
            "runtime version: {}.{}.{} ({})",
            v.0,
            v.1,
            v.2,
            match written {
                Ok(()) => format!("cached in {}", c.display()),
                Err(e) => format!("not cached: {e}"),
            }
        );
    }
    Some((v, flavor))
}

/// Replaces the cache atomically (write a temporary file, rename it over).
fn write_cache(path: &Path, key: &str, v: Version, flavor: Flavor) -> std::io::Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let runtime = key.split('\t').next().unwrap_or("");
    let mut text: String = old
        .lines()
        .filter(|l| l.split('\t').next() != Some(runtime))
        .map(|l| format!("{l}\n"))
        .collect();
    let word = match flavor {
        Flavor::Docker => "docker",
        Flavor::Podman => "podman",
    };
    text.push_str(&format!("{key}\t{word} {}.{}.{}\n", v.0, v.1, v.2));
    // Atomically, and never through a symlink planted at the temporary name.
    RealFs.write_private(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn exe(path: &Path) {
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn a_relative_runtime_path_is_refused() {
        let d = tempfile::tempdir().unwrap();
        exe(&d.path().join("x"));
        for name in ["./x", "bin/podman", "../x"] {
            let e = resolve(OsStr::new(name), None, None).unwrap_err();
            assert!(e.0.contains("relative path"), "{name}: {e:?}");
        }
    }

    #[test]
    fn an_argument_with_a_nul_byte_is_not_passed_on() {
        // A NUL would cut the argument short in C: refused before the exec (the path does not
        // exist either, so a broken check shows as "not found", never as a replaced process).
        let err = execve(
            Path::new("/nonexistent/podman"),
            OsStr::new("podman"),
            &["run".into(), "--label=a\0b".into()],
            "NANOCLAW_SHIM_ACTIVE=1",
            &|_| true,
        );
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
        let err = execve(
            Path::new("/nonexistent/podman"),
            OsStr::new("podman"),
            &["ps".into()],
            "NANOCLAW_SHIM_ACTIVE=1",
            &|_| true,
        );
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound, "{err}");
    }

    #[test]
    fn the_runtime_is_given_its_list_and_what_the_policy_keeps() {
        let keep = ["LANG".to_string(), "LC_*".to_string()];
        let gives = |name: &str| given(name.as_bytes(), &["LD_PRELOAD"], Some(&keep));
        for name in [
            "PATH",
            "HOME",
            "XDG_RUNTIME_DIR",
            "CONTAINERS_CONF",
            "https_proxy",
            "LANG",
            "LC_ALL",
        ] {
            assert!(gives(name), "{name}");
        }
        for name in [
            "NETAVARK_FW",
            "GIT_SSH_COMMAND",
            "BUILDAH_CPPFLAGS",
            "CONMON_SECCOMP_NOTIFY_PLUGINS",
            "LANGUAGE",
            "LD_PRELOAD",
            "NANOCLAW_SHIM_ACTIVE",
            "",
        ] {
            assert!(!gives(name), "{name}");
        }
        let mut once = Once::default();
        assert_eq!(
            [b"HOME", b"PATH", b"HOME"].map(|n| once.first(n)),
            [true, true, false],
            "a name set twice is given once, its first value"
        );
        // Without the gate (audit, off, deny.environment off) only the named are removed.
        assert!(given(b"NETAVARK_FW", &["LD_PRELOAD"], None));
        assert!(!given(b"LD_PRELOAD", &["LD_PRELOAD"], None));
        assert!(!given(REENTRY_ENV.as_bytes(), &[], None));
    }

    #[test]
    fn skips_itself_on_path() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        let me = d.path().join("shim");
        exe(&me);
        symlink(&me, a.join("docker")).unwrap();
        exe(&b.join("docker"));
        let path = std::env::join_paths([&a, &b]).unwrap();
        let got = resolve(OsStr::new("docker"), Some(&path), Some(&me)).unwrap();
        assert_eq!(got, b.join("docker"));
        let only_me = std::env::join_paths([&a]).unwrap();
        let e = resolve(OsStr::new("docker"), Some(&only_me), Some(&me)).unwrap_err();
        assert!(e.0.contains("only nanoclaw-shim itself"), "{e}");
    }

    #[test]
    fn absolute_paths_must_be_executable_and_not_me() {
        let d = tempfile::tempdir().unwrap();
        let me = d.path().join("shim");
        exe(&me);
        assert!(resolve(me.as_os_str(), None, Some(&me)).is_err());
        let other = d.path().join("podman");
        exe(&other);
        assert_eq!(resolve(other.as_os_str(), None, Some(&me)).unwrap(), other);
        assert!(resolve(d.path().join("nope").as_os_str(), None, None).is_err());
    }

    #[test]
    fn versions() {
        assert_eq!(parse_version("podman version 4.3.1\n"), Some((4, 3, 1)));
        assert_eq!(
            parse_version("Docker version 28.2.2, build e6534b4"),
            Some((28, 2, 2))
        );
        assert_eq!(parse_version("podman version 5.0.0-dev"), Some((5, 0, 0)));
        assert_eq!(parse_version("nothing"), None);
    }

    /// A runtime is docker only when the policy says so and it answers as docker: podman-docker's
    /// `/usr/bin/docker`, a wrapper named `docker`, or a policy's `flavor = "docker"` in front of
    /// podman get podman's hardening (the thirty-second pass's looks: they got docker's, and lost
    /// podman's).
    #[test]
    fn a_runtime_is_docker_only_when_it_answers_as_docker() {
        let dir = tempfile::tempdir().unwrap();
        let script = |name: &str, answer: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, format!("#!/bin/sh\necho '{answer}'\n")).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
            p
        };
        let wrapper = script("docker", "podman version 4.3.1");
        let engine = script("docker-engine", "Docker version 27.1.1, build 6312585");
        let owner = crate::process::euid();
        let ask = |p: &Path| identify(p, None, owner);
        assert_eq!(ask(&wrapper), Some(((4, 3, 1), Flavor::Podman)));
        assert_eq!(ask(&engine), Some(((27, 1, 1), Flavor::Docker)));
        let docker = Some(Flavor::Docker);
        let (f, v) = flavor(docker, || ask(&wrapper));
        assert_eq!((f, v), (Flavor::Podman, Some((4, 3, 1))));
        let (f, _) = flavor(docker, || ask(&engine));
        assert_eq!(f, Flavor::Docker);
        // Cannot tell: podman's hardening.
        let (f, _) = flavor(docker, || None);
        assert_eq!(f, Flavor::Podman);
        // Not told docker, the runtime is not asked: whatever it is called, it is podman's.
        for configured in [None, Some(Flavor::Podman)] {
            let (f, v) = flavor(configured, || panic!("asked"));
            assert_eq!((f, v), (Flavor::Podman, None));
        }
        // Remembered with its flavour, and read back so: the second call of each is a cache
        // hit.
        let cache = dir.path().join("versions");
        for _ in 0..2 {
            assert_eq!(
                identify(&engine, Some(&cache), owner),
                Some(((27, 1, 1), Flavor::Docker))
            );
            assert_eq!(
                identify(&wrapper, Some(&cache), owner),
                Some(((4, 3, 1), Flavor::Podman))
            );
        }
        let kept = std::fs::read_to_string(&cache).unwrap();
        assert!(
            kept.contains("\tdocker 27.1.1") && kept.contains("\tpodman 4.3.1"),
            "{kept}"
        );
    }
}
