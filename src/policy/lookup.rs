//! Where the policy comes from (`NANOCLAW_SHIM_POLICY`, the user's, the system's, the embedded
//! default), and that it is trusted: a policy that cannot be read, has an error, or can be changed
//! by someone else is refused, never replaced by "no policy".

use std::path::{Path, PathBuf};

use super::*;

/// Where the policy in force comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `--policy` or `NANOCLAW_SHIM_POLICY`.
    Explicit(PathBuf),
    /// `$XDG_CONFIG_HOME/nanoclaw-shim/policy.toml` (or `~/.config/...`).
    User(PathBuf),
    /// `/etc/nanoclaw-shim/policy.toml`.
    System(PathBuf),
    /// The default compiled into the binary.
    Embedded,
}

impl Origin {
    pub fn path(&self) -> Option<&Path> {
        match self {
            Origin::Explicit(p) | Origin::User(p) | Origin::System(p) => Some(p),
            Origin::Embedded => None,
        }
    }

    /// How diagnostics and `policy show` name it.
    pub fn label(&self) -> String {
        match self.path() {
            Some(p) => p.display().to_string(),
            None => "<embedded default>".to_string(),
        }
    }
}

/// The environment [`locate`] reads, passed in so the lookup stays testable.
#[derive(Debug, Clone, Default)]
pub struct LookupEnv {
    pub explicit: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
    pub home: Option<PathBuf>,
    pub system_dir: PathBuf,
}

impl LookupEnv {
    /// The lookup `env` asks for; `explicit` is `--policy` when given.
    pub fn from(env: &crate::env::Env, explicit: Option<PathBuf>) -> LookupEnv {
        LookupEnv {
            explicit: explicit.or_else(|| env.policy.clone()),
            xdg_config_home: env.xdg_config_home.clone(),
            home: env.home.clone(),
            system_dir: PathBuf::from("/etc/nanoclaw-shim"),
        }
    }

    /// The lookup the process's environment asks for.
    pub fn from_env(explicit: Option<PathBuf>) -> LookupEnv {
        LookupEnv::from(&crate::env::Env::capture(), explicit)
    }

    /// The per-user policy path, whether or not it exists.
    pub fn user_path(&self) -> Option<PathBuf> {
        let base = self
            .xdg_config_home
            .clone()
            .or_else(|| self.home.as_ref().map(|h| h.join(".config")))?;
        Some(base.join("nanoclaw-shim").join("policy.toml"))
    }
}

/// Finds and reads the policy in force: explicit, user, system, embedded, in that order. A file
/// that exists but cannot be read is an error, not a reason to fall through.
pub fn locate(env: &LookupEnv) -> Result<(Origin, String), PolicyError> {
    if let Some(p) = &env.explicit {
        return read(p).map(|t| (Origin::Explicit(p.clone()), t));
    }
    let candidates = env
        .user_path()
        .map(Origin::User)
        .into_iter()
        .chain([Origin::System(env.system_dir.join("policy.toml"))]);
    for origin in candidates {
        let path = origin.path().expect("file origin");
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            _ => return read(path).map(|t| (origin.clone(), t)),
        }
    }
    Ok((Origin::Embedded, DEFAULT_TOML.to_string()))
}

fn read(path: &Path) -> Result<String, PolicyError> {
    // A policy someone else can edit is no policy (sudo's and ssh's rule).
    if let Err(why) = crate::trust::check_file(path, Some(crate::trust::euid())) {
        if path.exists() {
            return Err(PolicyError::single(
                &path.display().to_string(),
                Code::Untrusted,
                format!("refusing a policy others can change: {why}"),
            ));
        }
    }
    std::fs::read_to_string(path).map_err(|e| {
        PolicyError::single(
            &path.display().to_string(),
            Code::Unreadable,
            format!("cannot read policy: {e}"),
        )
    })
}

/// Locates, reads and parses the policy in force.
pub fn load(env: &LookupEnv) -> Result<(Origin, Policy), PolicyError> {
    let (origin, text) = locate(env)?;
    if origin == Origin::Embedded || text == DEFAULT_TOML {
        // The compiled-in default, or a file that is a verbatim copy of it (what `install.sh`
        // and `policy init` write), is `Policy::default()`: a unit test holds them equal, so
        // the common case skips the parse.
        return Ok((origin, Policy::default()));
    }
    let (policy, _warnings) = parse(&text, &origin.label())?;
    Ok((origin, policy))
}
