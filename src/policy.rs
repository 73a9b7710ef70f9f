//! The TOML policy: what hardening every `run` / `create` receives.
//!
//! Two stages, as cargo-deny does it: serde reads the file into structs that reject unknown keys
//! and validate each value where it stands (so every error has a `file:line:col`), then the
//! result is the plain [`Policy`] the pure rewrite reads. A key that is left out keeps the
//! shipped default, so a short file can never silently weaken the policy; switching something off
//! is always explicit (`read_only = false`, `memory = "off"`).
//!
//! Where the policy comes from is decided in [`locate`]; a policy that cannot be read or parsed
//! is an error the shim turns into a refusal, never a fallback to "no policy".

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::units::{self, NanoCpus};

/// The shipped default policy, also compiled in so the shim works with no file installed.
pub const DEFAULT_TOML: &str = include_str!("../policy/default.toml");

/// A loaded, validated policy.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Policy {
    pub runtime: Runtime,
    pub hardening: Hardening,
    pub limits: Limits,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Runtime {
    /// A name looked up on PATH, or an absolute path.
    #[serde(deserialize_with = "non_empty")]
    pub binary: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Hardening {
    pub read_only: bool,
    pub no_new_privileges: bool,
    pub drop_all_capabilities: bool,
    pub allowed_capabilities: Vec<Capability>,
    pub tmpfs: Vec<Tmpfs>,
}

/// A tmpfs mount the policy wants under `--read-only`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tmpfs {
    pub path: MountPath,
    #[serde(default)]
    pub size: Option<Size>,
    #[serde(default)]
    pub mode: Option<Mode>,
    #[serde(default)]
    pub exec: bool,
}

impl Tmpfs {
    /// The `--tmpfs` value: `path:rw,nosuid,nodev,noexec,size=..,mode=..`.
    pub fn spec(&self) -> String {
        let mut s = format!(
            "{}:rw,nosuid,nodev,{}",
            self.path.0,
            if self.exec { "exec" } else { "noexec" }
        );
        if let Some(size) = self.size {
            s.push_str(&format!(",size={}", units::format_bytes(size.0)));
        }
        if let Some(mode) = self.mode {
            s.push_str(&format!(",mode={:o}", mode.0));
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    pub cpus: Limit<NanoCpus>,
    pub memory: Limit<Size>,
    pub pids: Limit<Pids>,
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime {
            binary: "podman".into(),
        }
    }
}

impl Default for Hardening {
    fn default() -> Self {
        Hardening {
            read_only: true,
            no_new_privileges: true,
            drop_all_capabilities: true,
            allowed_capabilities: Vec::new(),
            tmpfs: vec![
                Tmpfs {
                    path: MountPath("/tmp".into()),
                    size: Some(Size(512 << 20)),
                    mode: Some(Mode(0o1777)),
                    exec: false,
                },
                Tmpfs {
                    path: MountPath("/home/node".into()),
                    size: Some(Size(1 << 30)),
                    mode: Some(Mode(0o1777)),
                    exec: true,
                },
            ],
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cpus: Limit::Max(NanoCpus(2_000_000_000)),
            memory: Limit::Max(Size(4 << 30)),
            pids: Limit::Max(Pids(256)),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    runtime: Runtime,
    #[serde(default)]
    hardening: Hardening,
    #[serde(default)]
    limits: Limits,
}

/// A ceiling, or `"off"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit<T> {
    Off,
    Max(T),
}

impl<T: Copy> Limit<T> {
    pub fn max(&self) -> Option<T> {
        match self {
            Limit::Off => None,
            Limit::Max(v) => Some(*v),
        }
    }
}

/// A size in bytes (`"4g"`, `"4096m"` or an integer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Size(pub u64);

/// A pids ceiling (a positive integer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pids(pub u64);

/// A file mode given as an octal string (`"1777"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode(pub u32);

/// An absolute, normalised container path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountPath(pub String);

/// A Linux capability name, normalised to upper case without `CAP_`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capability(pub String);

/// Every capability name the kernel knows (without `CAP_`).
pub const CAPABILITIES: &[&str] = &[
    "AUDIT_CONTROL",
    "AUDIT_READ",
    "AUDIT_WRITE",
    "BLOCK_SUSPEND",
    "BPF",
    "CHECKPOINT_RESTORE",
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "IPC_LOCK",
    "IPC_OWNER",
    "KILL",
    "LEASE",
    "LINUX_IMMUTABLE",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "MKNOD",
    "NET_ADMIN",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_RAW",
    "PERFMON",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYSLOG",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_CHROOT",
    "SYS_MODULE",
    "SYS_NICE",
    "SYS_PACCT",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "WAKE_ALARM",
];

/// Normalises a capability as docker does: case-insensitive, optional `CAP_` prefix.
pub fn normalize_cap(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    upper.strip_prefix("CAP_").map(str::to_string).unwrap_or(upper)
}

fn non_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if s.trim().is_empty() {
        return Err(de::Error::custom("must not be empty"));
    }
    Ok(s)
}

impl<'de> Deserialize<'de> for Capability {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let cap = normalize_cap(&s);
        if cap == "ALL" {
            return Err(de::Error::custom(
                "\"ALL\" cannot be allowed; list the capabilities the agent needs",
            ));
        }
        if !CAPABILITIES.contains(&cap.as_str()) {
            return Err(de::Error::custom(format!("unknown capability {s:?}")));
        }
        Ok(Capability(cap))
    }
}

impl<'de> Deserialize<'de> for MountPath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if !s.starts_with('/') || s.split('/').any(|c| c == "..") || s.contains([':', ',']) {
            return Err(de::Error::custom(format!(
                "{s:?} is not an absolute container path (no `..`, `:` or `,`)"
            )));
        }
        let norm = crate::mounts::normalize(s.as_bytes());
        if norm == b"/" {
            return Err(de::Error::custom("a tmpfs on / would hide the whole image"));
        }
        Ok(MountPath(String::from_utf8_lossy(&norm).into_owned()))
    }
}

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match u32::from_str_radix(&s, 8) {
            Ok(m) if m <= 0o7777 && !s.is_empty() => Ok(Mode(m)),
            _ => Err(de::Error::custom(format!(
                "invalid mode {s:?}: expected an octal string such as \"1777\""
            ))),
        }
    }
}

/// Reads numbers and strings alike, for values TOML users write either way.
struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, a string, or \"off\"")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                if v {
                    Err(E::custom("`true` is not a limit; give a value or \"off\""))
                } else {
                    Ok(Scalar("off".into()))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let Scalar(s) = Scalar::deserialize(d)?;
        match units::parse_bytes(&s) {
            Some(b) if b > 0 => Ok(Size(b)),
            _ => Err(de::Error::custom(format!(
                "invalid size {s:?}: expected a positive size such as \"512m\" or \"4g\""
            ))),
        }
    }
}

impl<'de, T: LimitValue> Deserialize<'de> for Limit<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let Scalar(s) = Scalar::deserialize(d)?;
        if s == "off" {
            return Ok(Limit::Off);
        }
        T::parse(&s).map(Limit::Max).map_err(de::Error::custom)
    }
}

/// The value grammar of one limit.
pub trait LimitValue: Sized {
    fn parse(s: &str) -> Result<Self, String>;
}

impl LimitValue for NanoCpus {
    fn parse(s: &str) -> Result<Self, String> {
        match NanoCpus::parse(s) {
            Some(c) if c.0 > 0 => Ok(c),
            _ => Err(format!(
                "invalid cpus {s:?}: expected a positive number such as 2 or 1.5, or \"off\""
            )),
        }
    }
}

impl LimitValue for Size {
    fn parse(s: &str) -> Result<Self, String> {
        match units::parse_bytes(s) {
            Some(b) if b > 0 => Ok(Size(b)),
            _ => Err(format!(
                "invalid size {s:?}: expected a size such as \"4g\", or \"off\""
            )),
        }
    }
}

impl LimitValue for Pids {
    fn parse(s: &str) -> Result<Self, String> {
        match s.parse::<u64>() {
            Ok(n) if n > 0 => Ok(Pids(n)),
            _ => Err(format!(
                "invalid pids {s:?}: expected a positive integer, or \"off\""
            )),
        }
    }
}

/// A policy that did not load: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub file: String,
    /// 1-based line and column, when the error has a position.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for PolicyError {}

/// Parses and validates a policy; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Policy, PolicyError> {
    let raw: RawPolicy = toml::from_str(text).map_err(|e| PolicyError {
        file: file.to_string(),
        position: e.span().map(|s| line_col(text, s.start)),
        message: first_line(e.message()),
    })?;
    let policy = Policy {
        runtime: raw.runtime,
        hardening: raw.hardening,
        limits: raw.limits,
    };
    validate(&policy, text).map_err(|(message, at)| PolicyError {
        file: file.to_string(),
        position: at.map(|off| line_col(text, off)),
        message,
    })?;
    Ok(policy)
}

/// Checks that span more than one value.
fn validate(p: &Policy, text: &str) -> Result<(), (String, Option<usize>)> {
    let mut seen: Vec<&str> = Vec::new();
    for t in &p.hardening.tmpfs {
        if seen.contains(&t.path.0.as_str()) {
            let at = text.find(&format!("\"{}\"", t.path.0));
            return Err((format!("tmpfs path {:?} is listed twice", t.path.0), at));
        }
        seen.push(&t.path.0);
    }
    Ok(())
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_string()
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

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

    /// How errors and `policy show` name it.
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
    /// Reads the real environment; `explicit` is `--policy` when given.
    pub fn from_env(explicit: Option<PathBuf>) -> LookupEnv {
        let nonempty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        LookupEnv {
            explicit: explicit.or_else(|| nonempty("NANOCLAW_SHIM_POLICY")),
            xdg_config_home: nonempty("XDG_CONFIG_HOME").filter(|p| p.is_absolute()),
            home: nonempty("HOME"),
            system_dir: PathBuf::from("/etc/nanoclaw-shim"),
        }
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
    std::fs::read_to_string(path).map_err(|e| PolicyError {
        file: path.display().to_string(),
        position: None,
        message: format!("cannot read policy: {e}"),
    })
}

/// Locates, reads and parses the policy in force.
pub fn load(env: &LookupEnv) -> Result<(Origin, Policy), PolicyError> {
    let (origin, text) = locate(env)?;
    let policy = parse(&text, &origin.label())?;
    Ok((origin, policy))
}

impl Policy {
    /// The effective policy as TOML, every key spelled out.
    pub fn to_toml(&self) -> String {
        fn limit<T: Copy>(l: &Limit<T>, f: impl Fn(T) -> String) -> String {
            match l {
                Limit::Off => "\"off\"".to_string(),
                Limit::Max(v) => f(*v),
            }
        }
        let h = &self.hardening;
        let caps: Vec<String> = h
            .allowed_capabilities
            .iter()
            .map(|c| format!("{:?}", c.0))
            .collect();
        let mut s = format!(
            "[runtime]\nbinary = {:?}\n\n[hardening]\nread_only = {}\nno_new_privileges = {}\ndrop_all_capabilities = {}\nallowed_capabilities = [{}]\n",
            self.runtime.binary,
            h.read_only,
            h.no_new_privileges,
            h.drop_all_capabilities,
            caps.join(", ")
        );
        if h.tmpfs.is_empty() {
            s.push_str("tmpfs = []\n");
        }
        for t in &h.tmpfs {
            s.push_str(&format!("\n[[hardening.tmpfs]]\npath = {:?}\n", t.path.0));
            if let Some(size) = t.size {
                s.push_str(&format!("size = {:?}\n", units::format_bytes(size.0)));
            }
            if let Some(mode) = t.mode {
                s.push_str(&format!("mode = \"{:o}\"\n", mode.0));
            }
            s.push_str(&format!("exec = {}\n", t.exec));
        }
        let l = &self.limits;
        s.push_str(&format!(
            "\n[limits]\ncpus = {}\nmemory = {}\npids = {}\n",
            limit(&l.cpus, |c| format!("\"{c}\"")),
            limit(&l.memory, |m| format!("{:?}", units::format_bytes(m.0))),
            limit(&l.pids, |p| p.0.to_string()),
        ));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_default_matches_the_built_in_default() {
        assert_eq!(parse(DEFAULT_TOML, "default.toml").unwrap(), Policy::default());
    }

    #[test]
    fn empty_file_means_the_default() {
        assert_eq!(parse("", "p.toml").unwrap(), Policy::default());
    }

    #[test]
    fn unknown_key_is_an_error_with_position() {
        let e = parse("[hardening]\nread_onyl = true\n", "p.toml").unwrap_err();
        assert_eq!(e.position, Some((2, 1)), "{e}");
        assert!(e.to_string().starts_with("p.toml:2:1: "), "{e}");
        assert!(e.message.contains("read_onyl"), "{e}");
    }

    #[test]
    fn bad_values_point_at_the_value() {
        let e = parse("[limits]\nmemory = \"4 gigs\"\n", "p.toml").unwrap_err();
        assert_eq!(e.position, Some((2, 10)), "{e}");
        assert!(e.message.contains("invalid size"), "{e}");
        let e = parse("[limits]\ncpus = -1\n", "p.toml").unwrap_err();
        assert_eq!(e.position, Some((2, 8)), "{e}");
        let e = parse("[hardening]\nallowed_capabilities = [\"ALL\"]\n", "p.toml").unwrap_err();
        assert!(e.message.contains("ALL"), "{e}");
        let e = parse("[[hardening.tmpfs]]\npath = \"tmp\"\n", "p.toml").unwrap_err();
        assert_eq!(e.position, Some((2, 8)), "{e}");
    }

    #[test]
    fn limits_switch_off() {
        let p = parse("[limits]\ncpus = \"off\"\nmemory = false\npids = 100\n", "p").unwrap();
        assert_eq!(p.limits.cpus, Limit::Off);
        assert_eq!(p.limits.memory, Limit::Off);
        assert_eq!(p.limits.pids, Limit::Max(Pids(100)));
        let p = parse("[limits]\ncpus = 1.5\nmemory = \"4096m\"\n", "p").unwrap();
        assert_eq!(p.limits.cpus, Limit::Max(NanoCpus(1_500_000_000)));
        assert_eq!(p.limits.memory, Limit::Max(Size(4 << 30)));
    }

    #[test]
    fn tmpfs_spec_renders_all_options() {
        let h = Hardening::default();
        assert_eq!(
            h.tmpfs[0].spec(),
            "/tmp:rw,nosuid,nodev,noexec,size=512m,mode=1777"
        );
        assert_eq!(
            h.tmpfs[1].spec(),
            "/home/node:rw,nosuid,nodev,exec,size=1g,mode=1777"
        );
    }

    #[test]
    fn duplicate_tmpfs_paths_are_rejected() {
        let e = parse(
            "[[hardening.tmpfs]]\npath = \"/tmp\"\n[[hardening.tmpfs]]\npath = \"/tmp/\"\n",
            "p",
        )
        .unwrap_err();
        assert!(e.message.contains("twice"), "{e}");
    }

    #[test]
    fn lookup_order() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("xdg/nanoclaw-shim/policy.toml");
        let system = dir.path().join("etc");
        let mut env = LookupEnv {
            explicit: None,
            xdg_config_home: Some(dir.path().join("xdg")),
            home: Some(dir.path().join("home")),
            system_dir: system.clone(),
        };
        assert_eq!(locate(&env).unwrap().0, Origin::Embedded);
        std::fs::create_dir_all(&system).unwrap();
        std::fs::write(system.join("policy.toml"), "").unwrap();
        assert_eq!(
            locate(&env).unwrap().0,
            Origin::System(system.join("policy.toml"))
        );
        std::fs::create_dir_all(user.parent().unwrap()).unwrap();
        std::fs::write(&user, "").unwrap();
        assert_eq!(locate(&env).unwrap().0, Origin::User(user.clone()));
        env.explicit = Some(dir.path().join("missing.toml"));
        assert!(
            locate(&env).is_err(),
            "an explicit policy that is missing is an error"
        );
        env.xdg_config_home = None;
        env.explicit = None;
        assert_eq!(
            env.user_path().unwrap(),
            dir.path().join("home/.config/nanoclaw-shim/policy.toml")
        );
    }
}
