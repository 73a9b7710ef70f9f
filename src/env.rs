//! One reading of the process's surroundings: every variable and fact the shim consults, taken
//! once at the edge and passed in.
//!
//! The `docker` face, `explain` and `doctor` find the policy, the runtime and the host from the
//! same [`Env`], so they cannot disagree by reading the environment at different moments or in
//! different ways (empty values ignored, relative `XDG_CONFIG_HOME` ignored, as the XDG spec
//! says). Tests build an `Env` by hand instead of mutating the process environment.

use std::ffi::OsString;
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
    /// `XDG_CACHE_HOME`, when set and not empty.
    pub xdg_cache_home: Option<PathBuf>,
    /// `NANOCLAW_SHIM_POLICY`, when set and not empty.
    pub policy: Option<PathBuf>,
    /// `NANOCLAW_SHIM_RUNTIME`, when set and not empty.
    pub runtime: Option<OsString>,
    /// `NANOCLAW_SHIM_ACTIVE`: set when a shim started this process (a loop of shims).
    pub reentry: Option<OsString>,
    /// The working directory.
    pub cwd: Option<PathBuf>,
    /// This program's own path, as the kernel resolved it.
    pub exe: Option<PathBuf>,
    /// The effective uid (`None` when `/proc` is not mounted).
    pub euid: Option<u32>,
}

impl Env {
    /// Reads the process's environment.
    pub fn capture() -> Env {
        let nonempty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        Env {
            path: std::env::var_os("PATH"),
            home: nonempty("HOME").map(PathBuf::from),
            xdg_config_home: nonempty("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute()),
            xdg_cache_home: nonempty("XDG_CACHE_HOME").map(PathBuf::from),
            policy: nonempty(POLICY_ENV).map(PathBuf::from),
            runtime: nonempty(RUNTIME_ENV),
            reentry: std::env::var_os(REENTRY_ENV),
            cwd: std::env::current_dir().ok(),
            exe: std::env::current_exe().ok(),
            euid: Some(crate::process::euid()),
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

    /// The shim's cache folder: `$XDG_CACHE_HOME/nanoclaw-shim`, else `~/.cache/nanoclaw-shim`.
    pub fn cache_dir(&self) -> Option<PathBuf> {
        let base = self
            .xdg_cache_home
            .clone()
            .or_else(|| self.home.as_ref().map(|h| h.join(".cache")))?;
        Some(base.join("nanoclaw-shim"))
    }
}
