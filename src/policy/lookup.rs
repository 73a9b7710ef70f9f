//! Where the policy comes from (`NANOCLAW_SHIM_POLICY`, the user's, the system's, the embedded
//! default), and that it is trusted: a policy that cannot be read, has an error, or can be changed
//! by someone else is refused, never replaced by "no policy".

use std::path::{Path, PathBuf};

use super::*;
use crate::hostfs::RealFs;
use crate::hostmemo::Memory;

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
    /// As every line shows it: the path comes from the environment (`NANOCLAW_SHIM_POLICY`,
    /// `XDG_CONFIG_HOME`, `HOME`), where a line break forged a line and a token was printed (the
    /// eighty-fourth and eighty-ninth looks').
    pub fn label(&self) -> String {
        match self.path() {
            Some(p) => crate::text::printable(&crate::redact::message(&p.display().to_string())).into_owned(),
            None => "<embedded default>".to_string(),
        }
    }
}

/// The environment [`locate`] reads, passed in so the lookup stays testable.
#[derive(Debug, Clone, Default)]
pub struct LookupEnv {
    pub explicit: Option<PathBuf>,
    /// `explicit` came from `NANOCLAW_SHIM_POLICY` (not `--policy`): for diagnostics.
    pub explicit_from_env: bool,
    pub xdg_config_home: Option<PathBuf>,
    pub home: Option<PathBuf>,
    pub system_dir: PathBuf,
    /// Who may own the policy file besides root (the effective uid).
    pub owner: Option<u32>,
}

impl LookupEnv {
    /// The lookup `env` asks for; `explicit` is `--policy` when given.
    pub fn from(env: &crate::env::Env, explicit: Option<PathBuf>) -> LookupEnv {
        LookupEnv {
            explicit_from_env: explicit.is_none() && env.policy.is_some(),
            explicit: explicit.or_else(|| env.policy.clone()),
            xdg_config_home: env.xdg_config_home.clone(),
            home: env.home.clone(),
            system_dir: PathBuf::from("/etc/nanoclaw-shim"),
            owner: env.euid,
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

/// A policy's text: the compiled-in default's, or a file's own.
pub type Text = std::borrow::Cow<'static, str>;

/// Finds and reads the policy in force: explicit, user, system, embedded, in that order. A file
/// that exists but cannot be read is an error, not a reason to fall through.
pub fn locate(env: &LookupEnv) -> Result<(Origin, Text), PolicyError> {
    if let Some(p) = &env.explicit {
        let why = if env.explicit_from_env {
            "NANOCLAW_SHIM_POLICY is set"
        } else {
            "--policy"
        };
        // A name the working directory completes reads a different policy wherever nanoclaw
        // is started (and one a container mounting that folder could write); an empty one
        // names nothing: both refused, as a relative `[runtime] binary` is (the thirty-second
        // pass's look).
        if env.explicit_from_env && !p.is_absolute() {
            let what = match p.as_os_str().is_empty() {
                true => "is set but empty: name the policy file by its absolute path, or unset it",
                false => {
                    "is a relative path, read from whatever folder the caller runs in: name the policy file by its absolute path"
                }
            };
            return Err(PolicyError::single(
                &p.display().to_string(),
                Code::Unreadable,
                format!("cannot read policy: NANOCLAW_SHIM_POLICY {what}"),
            ));
        }
        tracing::info!("policy: {} ({why})", p.display());
        // The origin is made before the text is read, so that the text is the allocator's
        // newest block and a default policy's copy is freed back into the arena.
        let origin = Origin::Explicit(p.clone());
        return read(p, env.owner).map(|t| (origin, t));
    }
    let candidates = env
        .user_path()
        .map(Origin::User)
        .into_iter()
        .chain([Origin::System(env.system_dir.join("policy.toml"))]);
    for origin in candidates {
        let path = origin.path().expect("file origin");
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::debug!("policy: no file at {}", path.display());
                continue;
            }
            _ => {
                tracing::info!("policy: {} ({})", path.display(), origin_source(&origin, env));
                let text = read(path, env.owner)?;
                return Ok((origin, text));
            }
        }
    }
    tracing::info!("policy: the default compiled into the binary (no policy file found)");
    Ok((Origin::Embedded, Text::Borrowed(DEFAULT_TOML)))
}

/// Why a user or system policy is in force, for diagnostics.
fn origin_source(origin: &Origin, env: &LookupEnv) -> &'static str {
    match origin {
        Origin::User(_) if env.xdg_config_home.is_some() => "the user's, under $XDG_CONFIG_HOME",
        Origin::User(_) => "the user's, under ~/.config",
        Origin::System(_) => "the system's: no user policy",
        Origin::Explicit(_) | Origin::Embedded => "",
    }
}

/// The policy file's text; the compiled-in default's own, borrowed, when the file is a verbatim
/// copy of it (what `install.sh` and `policy init` write): it is neither checked for UTF-8 nor
/// kept, and [`load_remembered`] knows it by that.
fn read(path: &Path, owner: Option<u32>) -> Result<Text, PolicyError> {
    let unreadable = |e: std::io::Error| {
        PolicyError::single(
            &path.display().to_string(),
            Code::Unreadable,
            format!("cannot read policy: {e}"),
        )
    };
    let untrusted = |why: String| {
        PolicyError::single(
            &path.display().to_string(),
            Code::Untrusted,
            format!("refusing a policy someone other than its owner and root can change: {why}"),
        )
    };
    // A policy someone else can edit is no policy (sudo's and ssh's rule). A path that fails
    // the check is never opened: one missing when checked was read when someone else created it
    // between the check and the open (the thirty-second pass's look raced a `mode = "off"` in
    // so, in a folder of /tmp).
    // Nor one in container storage, which a container writes as the caller ([`crate::trust::own_file`]).
    if let Err(why) = crate::trust::own_file(path, owner) {
        return Err(match std::fs::symlink_metadata(path) {
            Err(e) => unreadable(e),
            Ok(_) => untrusted(why),
        });
    }
    // And the file opened is judged itself: what was checked by its name may have been
    // replaced before the open.
    let (bytes, meta) = crate::hostfs::read_bytes_with_meta(path).map_err(unreadable)?;
    crate::trust::owned_safely(path, &meta, owner, false)
        .map_err(|why| untrusted(format!("the file opened: {why}")))?;
    if bytes == DEFAULT_TOML.as_bytes() {
        return Ok(Text::Borrowed(DEFAULT_TOML));
    }
    String::from_utf8(bytes)
        .map(Text::Owned)
        .map_err(|_| unreadable(crate::hostfs::not_utf8()))
}

/// Locates, reads and parses the policy in force.
pub fn load(env: &LookupEnv) -> Result<(Origin, Policy), PolicyError> {
    load_remembered(env, None)
}

/// [`load`], with an edited policy's parse remembered in `memory` between calls and recalled
/// while the file's text is the same, byte for byte ([`super::compiled`]).
pub fn load_remembered(env: &LookupEnv, memory: Option<&Memory>) -> Result<(Origin, Policy), PolicyError> {
    let (origin, text) = locate(env)?;
    if let Text::Borrowed(_) = text {
        // The compiled-in default, or a file that is a verbatim copy of it (what `install.sh`
        // and `policy init` write), is `Policy::default()`: a unit test holds them equal, so
        // the common case skips the parse.
        if origin != Origin::Embedded {
            tracing::debug!("policy: the file is the shipped default, byte for byte: not parsed");
        }
        return Ok((origin, Policy::default()));
    }
    let remembered = memory.zip(origin.path());
    if let Some((memory, file)) = remembered {
        if let Some(policy) = super::compiled::recall(&RealFs, memory, file, &text) {
            tracing::debug!("policy: compiled before from this very text: not parsed");
            return Ok((origin, policy));
        }
    }
    let (policy, _warnings) = parse(&text, &origin.label())?;
    tracing::debug!(
        "policy: parsed: mode {}, {} profile(s)",
        policy.mode.as_str(),
        policy.profiles.len()
    );
    if let Some((memory, file)) = remembered {
        match super::compiled::remember(&RealFs, memory, file, &text, &policy) {
            Ok(at) => tracing::debug!("policy: compiled form remembered in {}", at.display()),
            Err(why) => tracing::debug!("policy: compiled form not remembered: {why}"),
        }
    }
    Ok((origin, policy))
}
