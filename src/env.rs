//! One reading of the process's surroundings: every variable and fact the shim consults, taken
//! once at the edge and passed in.
//!
//! The `docker` face, `explain` and `doctor` find the policy, the runtime and the host from the
//! same [`Env`], so they cannot disagree by reading the environment at different moments or in
//! different ways (empty values ignored, relative `XDG_CONFIG_HOME` ignored, as the XDG spec
//! says). Tests build an `Env` by hand instead of mutating the process environment.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// The variable naming the policy file (over the lookup order).
pub const POLICY_ENV: &str = "NANOCLAW_SHIM_POLICY";

/// Overrides the policy's runtime binary.
pub const RUNTIME_ENV: &str = "NANOCLAW_SHIM_RUNTIME";

/// Set in the runtime's environment; seeing it on entry means the shim called itself.
pub const REENTRY_ENV: &str = "NANOCLAW_SHIM_ACTIVE";

/// What the shim reads of its environment, read once.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `PATH`, as given.
    pub path: Option<OsString>,
    /// `HOME`, when set and not empty.
    pub home: Option<PathBuf>,
    /// `XDG_CONFIG_HOME`, when set, not empty and absolute.
    pub xdg_config_home: Option<PathBuf>,
    /// `XDG_CACHE_HOME`, when set, not empty and absolute.
    pub xdg_cache_home: Option<PathBuf>,
    /// `NANOCLAW_SHIM_POLICY`, when set (empty too: a variable meant to name a file and left
    /// empty is refused, not read as unset).
    pub policy: Option<PathBuf>,
    /// `NANOCLAW_SHIM_RUNTIME`, when set and not empty.
    pub runtime: Option<OsString>,
    /// `NANOCLAW_SHIM_ACTIVE`: set when a shim started this process (a loop of shims).
    pub reentry: Option<OsString>,
    /// `PWD`, when set and absolute: the working directory's name as the shell keeps it.
    pub pwd: Option<PathBuf>,
    /// The working directory, named as podman (Go's `os.Getwd`) names it: `PWD` when that is
    /// this very directory (reached through a symlink, its name differs from `getcwd`'s), else
    /// `getcwd`. A relative mount source is joined to this name and cleaned lexically, so
    /// `../x` from a directory reached through a symlink climbs the symlink's name, not its
    /// target's.
    pub cwd: Option<PathBuf>,
    /// This program's own path, as the kernel resolved it.
    pub exe: Option<PathBuf>,
    /// The effective uid (`None` only in an `Env` built by hand).
    pub euid: Option<u32>,
    /// Every variable that redirects or reconfigures the runtime
    /// ([`crate::trust::REDIRECT_VARS`], [`crate::trust::CONFIG_VARS`],
    /// [`crate::trust::DIR_VARS`], ...), as set.
    pub engine: Vec<(OsString, OsString)>,
    /// The names of the variables not on the runtime's list ([`crate::trust::listed`]), in the
    /// order met: removed before exec unless the policy keeps them. The shim's own
    /// (`NANOCLAW_SHIM_*`) are removed too, and not named here.
    pub unlisted: Vec<OsString>,
}

/// Go's `os.Getwd`: `pwd` when it names the same directory as `getcwd` (the same device and
/// inode), else `getcwd`. When the two are the same text, nothing is asked of the file system.
fn working_dir(getcwd: Option<PathBuf>, pwd: Option<&std::path::Path>) -> Option<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let Some(pwd) = pwd.filter(|p| getcwd.as_deref() != Some(*p)) else {
        return getcwd;
    };
    let same = match (getcwd.as_deref().map(std::fs::metadata), std::fs::metadata(pwd)) {
        (Some(Ok(dot)), Ok(named)) => dot.dev() == named.dev() && dot.ino() == named.ino(),
        _ => false,
    };
    if same { Some(pwd.to_path_buf()) } else { getcwd }
}

/// The home of `uid` in a password file's lines (`name:x:uid:gid:gecos:home:shell`), the first
/// line with that uid, when it is absolute. Users that only a directory service knows (LDAP) are
/// not in the file: their home stays unknown, as an unset `HOME` was.
fn passwd_home(passwd: &[u8], uid: u32) -> Option<PathBuf> {
    passwd.split(|&b| b == b'\n').find_map(|line| {
        let mut f = line.split(|&b| b == b':');
        let (_, _, id) = (f.next()?, f.next()?, f.next()?);
        if id != uid.to_string().as_bytes() {
            return None;
        }
        let home = f.nth(2)?;
        Some(PathBuf::from(os(home))).filter(|p| p.is_absolute())
    })
}

fn os(bytes: &[u8]) -> OsString {
    OsStr::from_bytes(bytes).to_os_string()
}

/// The variables [`Env`] keeps by name, in the order [`Env::from_vars`] indexes them.
const NAMES: [&str; 8] = [
    "PWD",
    "PATH",
    "HOME",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    POLICY_ENV,
    RUNTIME_ENV,
    REENTRY_ENV,
];

impl Env {
    /// Reads the process's environment (the `nanoclaw-shim` commands).
    pub fn capture() -> Env {
        let vars: Vec<(OsString, OsString)> = std::env::vars_os().collect();
        Env::from_vars(vars.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes()))).with_process_facts()
    }

    /// An environment of `vars` (`name`, `value`; the first of a name counts, as the exec gives
    /// it), with this process's facts: what a process started elsewhere (a systemd unit) would
    /// be given, as far as its variables go.
    pub fn of_vars<'a>(vars: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Env {
        Env::from_vars(vars).with_process_facts()
    }

    /// Reads the environment as the C runtime handed it to `main` (`NAME=value` entries), and
    /// the process's facts: the `docker` face, which pays for every look on every call. One pass
    /// over the entries, where asking `getenv` for each of the seventeen variables the shim
    /// consults scanned the whole environment seventeen times (~45 k instructions).
    pub fn of_process<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Env {
        let vars = entries.into_iter().filter_map(|e| {
            let eq = e.iter().position(|&b| b == b'=')?;
            Some((&e[..eq], &e[eq + 1..]))
        });
        Env::from_vars(vars).with_process_facts()
    }

    /// The facts of this process that are not variables: working directory, own path, euid,
    /// and the home podman would use when `HOME` is no absolute path.
    fn with_process_facts(self) -> Env {
        let cwd = working_dir(std::env::current_dir().ok(), self.pwd.as_deref());
        let euid = crate::process::euid();
        let home = match self.home {
            Some(h) if h.is_absolute() => Some(h),
            // Relative: podman takes it from the working directory, so must the `~/` entries.
            Some(h) => cwd.as_ref().map(|c| c.join(h)),
            // Unset or empty: podman asks the password database, so must the `~/` entries
            // (else none of them would protect anything; the red team's `env -i` call).
            None => std::fs::read("/etc/passwd")
                .ok()
                .and_then(|p| passwd_home(&p, euid)),
        };
        Env {
            cwd,
            exe: std::env::current_exe().ok(),
            euid: Some(euid),
            home,
            ..self
        }
    }

    /// The variables of `vars` (name, value) the shim consults. A name given twice counts as its
    /// first occurrence, as `getenv` and podman read it; every occurrence of an engine variable
    /// is kept, so that each is judged ([`crate::trust::environment`]).
    pub fn from_vars<'a>(vars: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Env {
        let mut first: [Option<&[u8]>; NAMES.len()] = [None; NAMES.len()];
        let (mut engine, mut unlisted) = (Vec::new(), Vec::new());
        for (name, value) in vars {
            if let Some(i) = NAMES.iter().position(|n| n.as_bytes() == name) {
                first[i].get_or_insert(value);
            }
            // `XDG_CONFIG_HOME` is both: the shim's own policy lookup and podman's folder.
            if crate::trust::is_engine_var(name) {
                engine.push((os(name), os(value)));
            } else if !crate::trust::listed(name) && !name.starts_with(b"NANOCLAW_SHIM_") {
                // (The shim's own variables are its configuration, removed too but not named.)
                unlisted.push(os(name));
            }
        }
        let [
            pwd,
            path,
            home,
            xdg_config_home,
            xdg_cache_home,
            policy,
            runtime,
            reentry,
        ] = first;
        let nonempty = |v: Option<&[u8]>| v.filter(|v| !v.is_empty()).map(os);
        Env {
            pwd: nonempty(pwd).map(PathBuf::from).filter(|p| p.is_absolute()),
            path: path.map(os),
            home: nonempty(home).map(PathBuf::from),
            xdg_config_home: nonempty(xdg_config_home)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute()),
            // Relative: ignored, as the XDG spec says (a cache beneath the working directory
            // is one a container mounting that directory could forge).
            xdg_cache_home: nonempty(xdg_cache_home)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute()),
            policy: policy.map(os).map(PathBuf::from),
            runtime: nonempty(runtime),
            reentry: reentry.map(os),
            engine,
            unlisted,
            ..Env::default()
        }
    }

    /// Rootless: the shim (and so the runtime) runs as a non-root user.
    pub fn rootless(&self) -> bool {
        self.euid.is_some_and(|u| u != 0)
    }

    /// Where the runtime versions are cached: `$XDG_CACHE_HOME/nanoclaw-shim/runtime-versions`,
    /// else under `~/.cache`.
    pub fn version_cache(&self) -> Option<PathBuf> {
        Some(self.cache_dir()?.join("runtime-versions"))
    }

    /// Where the host-path model remembers the resolved lists ([`crate::hostmemo`]), and whose
    /// that file must be; `None` without a cache folder or a known uid.
    pub fn host_memory(&self) -> Option<crate::hostmemo::Memory> {
        Some(crate::hostmemo::Memory::new(
            self.cache_dir()?,
            self.euid?,
            self.exe.clone()?,
        ))
    }

    /// Where the variables of [`crate::trust::DIR_VARS`] move the runtime's folders.
    pub fn relocations(&self) -> crate::trust::Relocations {
        crate::trust::Relocations::of(&self.engine, &self.homes())
    }

    /// Where the runtime's folders are when nothing moves them.
    pub fn homes(&self) -> crate::trust::Homes<'_> {
        crate::trust::Homes {
            home: self.home.as_deref(),
            uid: self.euid,
        }
    }

    /// The shim's cache folder: `$XDG_CACHE_HOME/nanoclaw-shim`, else `~/.cache/nanoclaw-shim`.
    pub fn cache_dir(&self) -> Option<PathBuf> {
        let base = self
            .xdg_cache_home
            .clone()
            .or_else(|| self.home.as_ref().map(|h| h.join(".cache")))?;
        Some(base.join("nanoclaw-shim"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_working_directory_is_named_as_go_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        let link = dir.path().join("link");
        std::fs::create_dir(&real).unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let other = dir.path().to_path_buf();
        // PWD naming the same directory through a symlink wins, as in os.Getwd.
        assert_eq!(working_dir(Some(real.clone()), Some(&link)), Some(link.clone()));
        // PWD naming another directory (stale) or none: getcwd.
        assert_eq!(working_dir(Some(real.clone()), Some(&other)), Some(real.clone()));
        assert_eq!(working_dir(Some(real.clone()), None), Some(real.clone()));
        assert_eq!(
            working_dir(Some(real.clone()), Some(&dir.path().join("gone"))),
            Some(real.clone())
        );
        assert_eq!(working_dir(None, Some(&link)), None);
    }

    fn entries(list: &[&'static str]) -> Vec<&'static [u8]> {
        list.iter().map(|e| e.as_bytes()).collect()
    }

    #[test]
    fn one_pass_reads_what_getenv_would() {
        let env = Env::of_process(entries(&[
            "PATH=/usr/bin:/bin",
            "HOME=/home/alice",
            "XDG_CONFIG_HOME=relative/ignored",
            "XDG_CACHE_HOME=/home/alice/.cache",
            "NANOCLAW_SHIM_POLICY=",
            "NANOCLAW_SHIM_RUNTIME=/usr/bin/podman",
            "NANOCLAW_SHIM_ACTIVE=",
            "HOME=/second/is/ignored",
            "PATHLIKE=/not/path",
            "no equals sign",
            "TOKEN=secret=with=equals",
        ]));
        assert_eq!(env.path.as_deref(), Some(OsStr::new("/usr/bin:/bin")));
        assert_eq!(env.home.as_deref(), Some(std::path::Path::new("/home/alice")));
        assert_eq!(
            env.xdg_config_home, None,
            "relative: ignored, as the XDG spec says"
        );
        assert_eq!(
            env.xdg_cache_home.as_deref(),
            Some(std::path::Path::new("/home/alice/.cache"))
        );
        assert_eq!(
            env.policy.as_deref(),
            Some(std::path::Path::new("")),
            "empty: kept, and refused where the policy is looked for"
        );
        assert_eq!(env.runtime.as_deref(), Some(OsStr::new("/usr/bin/podman")));
        // The loop marker counts when set at all, even empty.
        assert_eq!(env.reentry.as_deref(), Some(OsStr::new("")));
        // XDG_CONFIG_HOME is podman's too, which does not ignore a relative one: judged.
        assert_eq!(
            env.engine,
            [(
                OsString::from("XDG_CONFIG_HOME"),
                OsString::from("relative/ignored")
            )]
        );
        // The process's facts are read too.
        assert!(env.exe.is_some() && env.cwd.is_some() && env.euid.is_some());
    }

    #[test]
    fn a_missing_home_is_the_password_database_s() {
        let passwd = b"root:x:0:0:root:/root:/bin/bash\nbad line\nsvc:x:998:998::/srv/nanoclaw:/bin/sh\nrel:x:5:5::home:/bin/sh\nsvc2:x:998:0::/elsewhere:/bin/sh\n";
        assert_eq!(
            passwd_home(passwd, 998),
            Some(PathBuf::from("/srv/nanoclaw")),
            "the first line"
        );
        assert_eq!(passwd_home(passwd, 0), Some(PathBuf::from("/root")));
        assert_eq!(passwd_home(passwd, 5), None, "relative");
        assert_eq!(passwd_home(passwd, 7), None, "not there");
        // Unset in the process: the database's home for this uid, as podman reads it.
        let env = Env::of_process(entries(&["PATH=/usr/bin"]));
        let expected = std::fs::read("/etc/passwd")
            .ok()
            .and_then(|p| passwd_home(&p, crate::process::euid()));
        assert_eq!(env.home, expected);
        // Relative: beneath the working directory, as podman takes it.
        let env = Env::of_process(entries(&["HOME=relhome"]));
        assert_eq!(env.home, env.cwd.as_ref().map(|c| c.join("relhome")));
    }

    #[test]
    fn a_cache_folder_others_can_write_is_not_used() {
        use std::os::unix::fs::PermissionsExt;
        let me = crate::process::euid();
        let d = tempfile::tempdir().unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let memory = |cache: &std::path::Path| {
            Env {
                xdg_cache_home: Some(cache.to_path_buf()),
                euid: Some(me),
                exe: std::env::current_exe().ok(),
                ..Env::default()
            }
            .host_memory()
            .unwrap()
        };
        // Not there yet: the nearest folder above that is, judged.
        let own = d.path().join("own");
        assert!(crate::trust::cache_folder(&own.join("nanoclaw-shim"), me).is_ok());
        assert!(memory(&own).build().is_some());
        // A folder everyone can write, or one above it: nothing remembered or recalled.
        let shared = d.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(crate::trust::cache_folder(&shared.join("nanoclaw-shim"), me).is_err());
        assert!(memory(&shared).build().is_none());
        std::fs::create_dir(shared.join("nanoclaw-shim")).unwrap();
        assert!(memory(&shared).build().is_none(), "beneath it too");
    }

    #[test]
    fn a_first_empty_value_hides_a_later_one() {
        // getenv answers with the first entry of a name, empty or not.
        // Empty counts as unset: the password database's home, as podman's.
        let env = Env::of_process(entries(&["HOME=", "HOME=/home/alice"]));
        let database = std::fs::read("/etc/passwd")
            .ok()
            .and_then(|p| passwd_home(&p, crate::process::euid()));
        assert_eq!(env.home, database);
        assert_ne!(env.home.as_deref(), Some(std::path::Path::new("/home/alice")));
    }

    #[test]
    fn every_engine_variable_is_kept_each_time_it_is_set() {
        let env = Env::of_process(entries(&[
            "DOCKER_HOST=tcp://a:2375",
            "CONTAINERS_CONF=/tmp/evil.conf",
            "CONTAINERS_CONF=/etc/containers/containers.conf",
            "CONTAINERS_CONF_OVERRIDE_X=not/a/known/name",
        ]));
        let names: Vec<&OsStr> = env.engine.iter().map(|(k, _)| k.as_os_str()).collect();
        assert_eq!(names, ["DOCKER_HOST", "CONTAINERS_CONF", "CONTAINERS_CONF"]);
        assert_eq!(env.engine[1].1, "/tmp/evil.conf");
    }

    #[test]
    fn capture_and_the_entries_agree_on_this_process() {
        let entries: Vec<Vec<u8>> = std::env::vars_os()
            .map(|(k, v)| [k.as_bytes(), b"=", v.as_bytes()].concat())
            .collect();
        let a = Env::capture();
        let b = Env::of_process(entries.iter().map(Vec::as_slice));
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
}
