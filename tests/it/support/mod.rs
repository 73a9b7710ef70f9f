//! What the tests that drive the built binary share: a throwaway world (a temporary folder with
//! a HOME, the shim as `docker`, a fake runtime and a policy) and a builder that runs either
//! face in it with a clean environment:
//!
//! ```ignore
//! let w = World::new().policy("mode = \"audit\"\n").fake_runtime(PODMAN_VERSION);
//! let o = w.cli().args(["explain", "--", "run", "img"]).env("NO_COLOR", "1").run();
//! ```
//!
//! Nothing of the developer's environment reaches the binary: no HOME, no XDG folders, no
//! policy, no runtime but the fake one (and the system's `/usr/bin:/bin` for the `docker` face).

use std::ffi::{OsStr, OsString};
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The binary under test: the one cargo built for these tests, or the one
/// `NANOCLAW_SHIM_TEST_BIN` names (so the whole suite can run against another build of the
/// same source, such as the static musl binary `install.sh` builds).
pub(crate) static BIN: std::sync::LazyLock<&'static str> =
    std::sync::LazyLock::new(|| match std::env::var("NANOCLAW_SHIM_TEST_BIN") {
        Ok(bin) if !bin.is_empty() => bin.leak(),
        _ => env!("CARGO_BIN_EXE_nanoclaw-shim"),
    });

/// A fake podman that answers `--version` like podman 4.3.1 and does nothing else.
/// (A rootful `network create` asks for the ranges podman's networks use: the default one's.)
pub(crate) const PODMAN_VERSION: &str = "#!/bin/sh\ncase \"$1 $2\" in \"network ls\") echo '10.88.0.0/16 '; exit 0 ;; esac\necho podman version 4.3.1\n";

/// A fake runtime that succeeds silently.
pub(crate) const RUNTIME_OK: &str = "#!/bin/sh\nexit 0\n";

/// A temporary folder holding `home/`, `shim/docker` (a symlink to the binary) and `rt/` (the
/// fake runtime's folder), removed when dropped.
pub(crate) struct World {
    dir: tempfile::TempDir,
}

impl World {
    pub(crate) fn new() -> World {
        let w = World {
            dir: tempfile::tempdir().unwrap(),
        };
        for sub in ["home", "shim", "rt"] {
            std::fs::create_dir_all(w.p(sub)).unwrap();
        }
        symlink(*BIN, w.p("shim/docker")).unwrap();
        w
    }

    /// A path inside the world.
    pub(crate) fn p(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file (creating its folder); returns its path.
    pub(crate) fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.p(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Writes an executable script; returns its path.
    pub(crate) fn script(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.write(rel, text);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// The policy both faces load (`policy.toml`, through `NANOCLAW_SHIM_POLICY`).
    pub(crate) fn policy(self, text: &str) -> World {
        self.write("policy.toml", text);
        self
    }

    /// The runtime both faces find on their PATH (`rt/podman`).
    pub(crate) fn fake_runtime(self, script: &str) -> World {
        self.script("rt/podman", script);
        self
    }

    /// `docker`'s PATH: the shim's folder, the fake runtime's, then the system's.
    pub(crate) fn path(&self) -> OsString {
        std::env::join_paths([self.p("shim"), self.p("rt"), "/usr/bin".into(), "/bin".into()]).unwrap()
    }

    /// `nanoclaw-shim` with PATH = the fake runtime's folder, HOME and the policy in the world.
    pub(crate) fn cli(&self) -> Run {
        let mut cmd = Command::new(*BIN);
        cmd.env("PATH", self.p("rt"));
        self.clean(cmd)
    }

    /// `docker` (the shim through its symlink) with [`World::path`], HOME and the policy.
    pub(crate) fn docker(&self) -> Run {
        let mut cmd = Command::new(self.p("shim/docker"));
        cmd.env("PATH", self.path());
        self.clean(cmd)
    }

    fn clean(&self, mut cmd: Command) -> Run {
        let path = cmd
            .get_envs()
            .find(|(k, _)| *k == "PATH")
            .and_then(|(_, v)| v.map(OsStr::to_os_string));
        cmd.env_clear().env("HOME", self.p("home")).stdin(Stdio::null());
        if let Some(p) = path {
            cmd.env("PATH", p);
        }
        if self.p("policy.toml").exists() {
            cmd.env("NANOCLAW_SHIM_POLICY", self.p("policy.toml"));
        }
        Run { cmd }
    }
}

/// `nanoclaw-shim` outside any world: a clean environment with no HOME to find a policy in
/// (`/nonexistent`), so the default policy is in force, and the system's PATH.
pub(crate) fn bare() -> Command {
    let mut c = Command::new(*BIN);
    c.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", "/nonexistent")
        .stdin(Stdio::null());
    c
}

/// One run of the binary being set up.
pub(crate) struct Run {
    cmd: Command,
}

impl Run {
    pub(crate) fn args<I, S>(mut self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub(crate) fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Run {
        self.cmd.env(key, value);
        self
    }

    /// The command as set up, for what the builder does not cover (stdin, spawning).
    pub(crate) fn command(self) -> Command {
        self.cmd
    }

    /// Runs it to the end. A fake runtime written a moment ago may be "Text file busy" when the
    /// shim execs it: a child another test thread forked still holds the file's write
    /// descriptor until its own exec (ETXTBSY; seen once in a full CI run, under load). That
    /// exact failure of the shim's exec, and only it, is run again (up to 50 times, 20 ms
    /// apart), each time said on stderr; every assertion applies to the last run.
    pub(crate) fn run(mut self) -> Output {
        let mut o = self.cmd.output().unwrap();
        for attempt in 1..=50 {
            let err = String::from_utf8_lossy(&o.stderr);
            if !(err.contains("cannot exec") && err.contains("Text file busy")) {
                break;
            }
            eprintln!(
                "RETRIED (attempt {attempt}): the fake runtime was busy (ETXTBSY): {}",
                err.trim()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
            o = self.cmd.output().unwrap();
        }
        o
    }
}

/// Its stdout, after asserting that it succeeded (else both outputs are shown).
#[track_caller]
pub(crate) fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

/// Output bytes as text (lossily).
pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
