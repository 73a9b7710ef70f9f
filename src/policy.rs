//! The TOML policy: what every `run` / `create` receives, what is refused, and for whom.
//!
//! The file is read into a spanned TOML tree and validated by hand, key by key, rather than
//! through serde derive: serde stops at the first error, and `policy check` must report every
//! problem at once, each with `file:line:col`, a stable code and a hint (cargo-deny's model).
//! The result is the plain [`Policy`] the pure rewrite reads.
//!
//! A key that is left out keeps the shipped default, so a short file never weakens the policy by
//! accident; switching something off is always explicit (`read_only = false`, `memory = "off"`).
//! Profiles start from the global settings and override any part of them.
//!
//! Where the policy comes from is decided in [`locate`]; a policy that cannot be read or has an
//! error is refused, never replaced by "no policy".

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::glob::Glob;
use crate::units::{self, NanoCpus};

/// The shipped default policy, also compiled in so the shim works with no file installed.
pub const DEFAULT_TOML: &str = include_str!("../policy/default.toml");

/// Host paths that must never be bind-mounted (also any parent directory of the sockets).
pub const DEFAULT_SENSITIVE_PATHS: &[&str] = &[
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/podman/podman.sock",
    "/run/user/*/podman/podman.sock",
    "/run/user/*/docker.sock",
    "~/.ssh",
    "~/.gnupg",
    "~/.aws",
    "~/.config/nanoclaw-shim",
];

/// How strictly the policy applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Rewrite and refuse.
    Enforce,
    /// Run the caller's command unchanged; record what enforce would have done.
    Audit,
    /// Plain passthrough.
    Off,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Audit => "audit",
            Mode::Off => "off",
        }
    }
}

/// A loaded, validated policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub mode: Mode,
    pub runtime: Runtime,
    pub rules: Rules,
    pub profiles: Vec<Profile>,
    pub log: Log,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            mode: Mode::Enforce,
            runtime: Runtime::default(),
            rules: Rules::default(),
            profiles: Vec::new(),
            log: Log::default(),
        }
    }
}

/// The parts of a policy a profile can override.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rules {
    pub hardening: Hardening,
    pub limits: Limits,
    pub deny: Deny,
    pub podman: PodmanCompat,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Runtime {
    /// A name looked up on PATH, or an absolute path.
    pub binary: String,
    /// `None` = guess from the binary's name.
    pub flavor: Option<crate::rewrite::Flavor>,
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime {
            binary: "podman".into(),
            flavor: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hardening {
    pub read_only: bool,
    pub no_new_privileges: bool,
    /// Capabilities always dropped (`ALL` for all).
    pub drop_capabilities: Vec<String>,
    /// Capabilities a caller may `--cap-add`.
    pub allowed_capabilities: Vec<String>,
    pub tmpfs: Vec<Tmpfs>,
    /// `--shm-size` given when the caller sets none.
    pub shm_size: Option<u64>,
}

impl Default for Hardening {
    fn default() -> Self {
        Hardening {
            read_only: true,
            no_new_privileges: true,
            drop_capabilities: vec!["ALL".into()],
            allowed_capabilities: Vec::new(),
            tmpfs: vec![
                Tmpfs {
                    path: "/tmp".into(),
                    size: Some(512 << 20),
                    mode: Some(0o1777),
                    exec: false,
                },
                Tmpfs {
                    path: "/home/node".into(),
                    size: Some(1 << 30),
                    mode: Some(0o1777),
                    exec: true,
                },
            ],
            shm_size: None,
        }
    }
}

/// A tmpfs mount the policy wants under `--read-only`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tmpfs {
    /// Absolute, normalised container path.
    pub path: String,
    pub size: Option<u64>,
    pub mode: Option<u32>,
    pub exec: bool,
}

impl Tmpfs {
    /// The `--tmpfs` value: `path:rw,nosuid,nodev,noexec,size=..,mode=..`.
    pub fn spec(&self) -> String {
        let mut s = format!(
            "{}:rw,nosuid,nodev,{}",
            self.path,
            if self.exec { "exec" } else { "noexec" }
        );
        if let Some(size) = self.size {
            s.push_str(&format!(",size={}", units::format_bytes(size)));
        }
        if let Some(mode) = self.mode {
            s.push_str(&format!(",mode={mode:o}"));
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub cpus: Option<NanoCpus>,
    pub memory: Option<u64>,
    pub pids: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cpus: Some(NanoCpus(2_000_000_000)),
            memory: Some(4 << 30),
            pids: Some(256),
        }
    }
}

/// Deny rules: each refuses an invocation outright (in enforce mode).
#[derive(Debug, Clone, PartialEq)]
pub struct Deny {
    pub privileged: bool,
    pub host_namespaces: bool,
    pub container_namespaces: bool,
    pub weak_security_options: bool,
    pub capabilities: bool,
    pub devices: bool,
    pub volumes_from: bool,
    pub api_socket: bool,
    /// podman's `--env-host`: the host's whole environment (secrets included) in the container.
    pub env_host: bool,
    pub shared_propagation: bool,
    pub sensitive_mounts: bool,
    /// The effective list: defaults plus `add_sensitive_paths` minus `remove_sensitive_paths`.
    pub sensitive_paths: Vec<String>,
    pub root_user: bool,
    pub exec_privileged: bool,
    pub exec_root: bool,
    pub update_above_limits: bool,
}

impl Default for Deny {
    fn default() -> Self {
        Deny {
            privileged: true,
            host_namespaces: true,
            container_namespaces: false,
            weak_security_options: true,
            capabilities: true,
            devices: true,
            volumes_from: true,
            api_socket: true,
            env_host: true,
            shared_propagation: true,
            sensitive_mounts: true,
            sensitive_paths: DEFAULT_SENSITIVE_PATHS.iter().map(|s| s.to_string()).collect(),
            root_user: false,
            exec_privileged: true,
            exec_root: true,
            update_above_limits: true,
        }
    }
}

/// What the shim changes so nanoclaw's docker argv works on podman.
#[derive(Debug, Clone, PartialEq)]
pub struct PodmanCompat {
    /// Rootless: add `--userns=keep-id:uid=U,gid=G` so the agent can write its bind mounts.
    pub keep_id: bool,
    /// The container user to keep the host user as when the caller's `--user` is not numeric.
    pub keep_id_user: (u32, u32),
    /// Translate `--add-host NAME:host-gateway` for podman older than 4.7.
    pub host_gateway: bool,
    /// Rootless: let the container reach services on the host's 127.0.0.1 through that name.
    pub host_loopback: bool,
    /// The address host-gateway means for rootful podman (its default bridge gateway).
    pub rootful_gateway: String,
}

impl Default for PodmanCompat {
    fn default() -> Self {
        PodmanCompat {
            keep_id: true,
            keep_id_user: (1000, 1000),
            host_gateway: true,
            host_loopback: true,
            rootful_gateway: "10.88.0.1".into(),
        }
    }
}

/// The decision log.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Log {
    /// JSON Lines file; `None` = no log.
    pub path: Option<PathBuf>,
}

/// A `[[profile]]`: a matcher and the rules that apply when it matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    pub image: Option<Glob>,
    pub container: Option<Glob>,
    /// `key` or `key=value`; all must be present.
    pub labels: Vec<(String, Option<String>)>,
    pub mode: Option<Mode>,
    pub exempt: bool,
    /// The global rules with this profile's overrides applied.
    pub rules: Rules,
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The policy does not load.
    Error,
    /// The policy loads, but `policy check` reports it.
    Warning,
}

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable kebab-case code, documented in docs/POLICY.md.
    pub code: &'static str,
    pub message: String,
    pub hint: Option<String>,
    /// 1-based line and column.
    pub position: Option<(usize, usize)>,
}

/// A policy that did not load: the file and every diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl PolicyError {
    fn single(file: &str, code: &'static str, message: String) -> PolicyError {
        PolicyError {
            file: file.to_string(),
            diagnostics: vec![Diagnostic {
                severity: Severity::Error,
                code,
                message,
                hint: None,
                position: None,
            }],
        }
    }

    /// Every diagnostic, one per line (with hints).
    pub fn report(&self) -> String {
        self.diagnostics
            .iter()
            .map(|d| format_diagnostic(&self.file, d))
            .collect()
    }
}

/// `file:line:col: error[code]: message` plus an indented hint line.
pub fn format_diagnostic(file: &str, d: &Diagnostic) -> String {
    let sev = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut s = match d.position {
        Some((l, c)) => format!("{file}:{l}:{c}: {sev}[{}]: {}\n", d.code, d.message),
        None => format!("{file}: {sev}[{}]: {}\n", d.code, d.message),
    };
    if let Some(h) = &d.hint {
        s.push_str(&format!("  hint: {h}\n"));
    }
    s
}

/// One line: the first error (what the shim prints before refusing).
impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self
            .diagnostics
            .iter()
            .find(|d| d.severity == Severity::Error)
            .or(self.diagnostics.first());
        match d {
            Some(d) => {
                let more = self
                    .diagnostics
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .count()
                    - 1;
                let more = if more > 0 {
                    format!(" (and {more} more)")
                } else {
                    String::new()
                };
                match d.position {
                    Some((l, c)) => write!(f, "{}:{l}:{c}: {}{more}", self.file, d.message),
                    None => write!(f, "{}: {}{more}", self.file, d.message),
                }
            }
            None => write!(f, "{}: invalid policy", self.file),
        }
    }
}

impl std::error::Error for PolicyError {}

/// Parses and validates a policy; `file` names it in diagnostics. Warnings are returned with a
/// loaded policy; any error means no policy.
pub fn parse(text: &str, file: &str) -> Result<(Policy, Vec<Diagnostic>), PolicyError> {
    let stripped = strip_comment_lines(text);
    let text = stripped.as_deref().unwrap_or(text);
    let mut r = Reader {
        text,
        diags: Vec::new(),
    };
    let policy = match DeTable::parse(text) {
        Ok(root) => r.policy(root.get_ref()),
        Err(e) => {
            r.push(
                Severity::Error,
                "syntax",
                e.span().map_or(0..0, |s| s.start..s.end),
                e.message()
                    .lines()
                    .next()
                    .unwrap_or("invalid TOML")
                    .trim()
                    .to_string(),
                None,
            );
            Policy::default()
        }
    };
    r.diags.sort_by_key(|d| d.position);
    if r.diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(PolicyError {
            file: file.to_string(),
            diagnostics: r.diags,
        });
    }
    Ok((policy, r.diags))
}

/// Empties lines that hold only a comment (keeping the newline), so the TOML parser skips them
/// cheaply; every other line keeps its bytes, so line and column numbers do not move. `None` when
/// there is nothing to strip, or when the file has multi-line strings (where a line starting with
/// `#` is content, not a comment).
fn strip_comment_lines(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut stripped = false;
    let mut start = 0;
    while start < bytes.len() {
        let end = memchr_newline(&bytes[start..]).map_or(bytes.len(), |p| start + p + 1);
        let line = &bytes[start..end];
        let first = line.iter().position(|b| !matches!(b, b' ' | b'\t'));
        if first.is_some_and(|i| line[i] == b'#') {
            stripped = true;
            let eol = line
                .iter()
                .rposition(|b| !matches!(b, b'\r' | b'\n'))
                .map_or(0, |i| i + 1);
            out.extend_from_slice(&line[eol..]);
        } else {
            // A multi-line string can only open on a line that is not a comment.
            if line.windows(3).any(|w| w == b"\"\"\"" || w == b"'''") {
                return None;
            }
            out.extend_from_slice(line);
        }
        start = end;
    }
    // Only whole lines of ASCII whitespace and comments were dropped: still valid UTF-8.
    stripped.then(|| String::from_utf8(out).expect("UTF-8 in, whole lines out"))
}

/// The offset of the first `\n`, a word at a time.
fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const NL: u64 = LO * b'\n' as u64;
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let word = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        let x = word ^ NL;
        if (x.wrapping_sub(LO) & !x & HI) != 0 {
            break;
        }
        i += 8;
    }
    bytes[i..].iter().position(|&b| b == b'\n').map(|p| i + p)
}

type Value<'i> = Spanned<DeValue<'i>>;

/// Walks the spanned TOML tree, collecting diagnostics.
struct Reader<'t> {
    text: &'t str,
    diags: Vec<Diagnostic>,
}

const TOP_KEYS: &[&str] = &[
    "mode",
    "runtime",
    "hardening",
    "limits",
    "deny",
    "podman",
    "log",
    "profile",
];
const RUNTIME_KEYS: &[&str] = &["binary", "flavor"];
const HARDENING_KEYS: &[&str] = &[
    "read_only",
    "no_new_privileges",
    "drop_capabilities",
    "allowed_capabilities",
    "tmpfs",
    "shm_size",
];
const TMPFS_KEYS: &[&str] = &["path", "size", "mode", "exec"];
const LIMITS_KEYS: &[&str] = &["cpus", "memory", "pids"];
const DENY_KEYS: &[&str] = &[
    "privileged",
    "host_namespaces",
    "container_namespaces",
    "weak_security_options",
    "capabilities",
    "devices",
    "volumes_from",
    "api_socket",
    "env_host",
    "shared_propagation",
    "sensitive_mounts",
    "add_sensitive_paths",
    "remove_sensitive_paths",
    "root_user",
    "exec_privileged",
    "exec_root",
    "update_above_limits",
];
const PODMAN_KEYS: &[&str] = &[
    "keep_id",
    "keep_id_user",
    "host_gateway",
    "host_loopback",
    "rootful_gateway",
];
const LOG_KEYS: &[&str] = &["path"];
const PROFILE_KEYS: &[&str] = &[
    "name",
    "match",
    "mode",
    "exempt",
    "hardening",
    "limits",
    "deny",
    "podman",
];
const MATCH_KEYS: &[&str] = &["image", "container", "labels"];

/// Every section and its keys (for documentation checks).
pub const SCHEMA: &[(&str, &[&str])] = &[
    ("", TOP_KEYS),
    ("[runtime]", RUNTIME_KEYS),
    ("[hardening]", HARDENING_KEYS),
    ("[[hardening.tmpfs]]", TMPFS_KEYS),
    ("[limits]", LIMITS_KEYS),
    ("[deny]", DENY_KEYS),
    ("[podman]", PODMAN_KEYS),
    ("[log]", LOG_KEYS),
    ("[[profile]]", PROFILE_KEYS),
    ("match.", MATCH_KEYS),
];

fn get<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<&'a Value<'i>> {
    t.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v)
}

impl<'t> Reader<'t> {
    fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        span: Range<usize>,
        message: String,
        hint: Option<String>,
    ) {
        let position = Some(line_col(self.text, span.start));
        self.diags.push(Diagnostic {
            severity,
            code,
            message,
            hint,
            position,
        });
    }

    fn error(&mut self, code: &'static str, span: Range<usize>, message: String, hint: Option<String>) {
        self.push(Severity::Error, code, span, message, hint);
    }

    fn keys(&mut self, t: &DeTable, allowed: &[&str], section: &str) {
        for (k, _) in t.iter() {
            let key: &str = k.get_ref();
            if !allowed.contains(&key) {
                let hint = did_you_mean(key, allowed)
                    .map(|s| format!("did you mean `{s}`?"))
                    .or_else(|| Some(format!("known keys here: {}", allowed.join(", "))));
                let place = if section.is_empty() {
                    "at the top level".to_string()
                } else {
                    format!("in [{section}]")
                };
                self.error(
                    "unknown-key",
                    k.span(),
                    format!("unknown key `{key}` {place}"),
                    hint,
                );
            }
        }
    }

    fn wrong_type(&mut self, v: &Value, key: &str, want: &str) {
        self.error(
            "wrong-type",
            v.span(),
            format!("`{key}` must be {want}, not {}", v.get_ref().type_str()),
            None,
        );
    }

    fn table<'a, 'i>(&mut self, t: &'a DeTable<'i>, key: &str) -> Option<&'a DeTable<'i>> {
        let v = get(t, key)?;
        match v.get_ref() {
            DeValue::Table(inner) => Some(inner),
            _ => {
                self.wrong_type(v, key, "a table");
                None
            }
        }
    }

    fn bool(&mut self, t: &DeTable, key: &str, slot: &mut bool) {
        if let Some(v) = get(t, key) {
            match v.get_ref().as_bool() {
                Some(b) => *slot = b,
                None => self.wrong_type(v, key, "true or false"),
            }
        }
    }

    fn string<'a>(&mut self, t: &'a DeTable, key: &str) -> Option<(&'a str, Range<usize>)> {
        let v = get(t, key)?;
        match v.get_ref().as_str() {
            Some(s) => Some((s, v.span())),
            None => {
                self.wrong_type(v, key, "a string");
                None
            }
        }
    }

    fn strings<'a>(&mut self, t: &'a DeTable, key: &str) -> Option<Vec<(&'a str, Range<usize>)>> {
        let v = get(t, key)?;
        let Some(arr) = v.get_ref().as_array() else {
            self.wrong_type(v, key, "an array of strings");
            return None;
        };
        let mut out = Vec::new();
        for item in arr.iter() {
            match item.get_ref().as_str() {
                Some(s) => out.push((s, item.span())),
                None => self.wrong_type(item, key, "an array of strings"),
            }
        }
        Some(out)
    }

    /// A number or string, as text (limits accept both), or `None` for `false` / `"off"`.
    fn scalar(&mut self, t: &DeTable, key: &str) -> Option<(Option<String>, Range<usize>)> {
        let v = get(t, key)?;
        let text = match v.get_ref() {
            DeValue::Integer(i) if i.radix() == 10 => Some(i.as_str().replace('_', "")),
            DeValue::Float(f) => Some(f.as_str().replace('_', "")),
            DeValue::String(s) if s == "off" => None,
            DeValue::String(s) => Some(s.to_string()),
            DeValue::Boolean(false) => None,
            _ => {
                self.wrong_type(v, key, "a number, a string, or \"off\"");
                return None;
            }
        };
        Some((text, v.span()))
    }

    fn policy(&mut self, root: &DeTable) -> Policy {
        self.keys(root, TOP_KEYS, "");
        let mut p = Policy::default();
        if let Some((s, span)) = self.string(root, "mode") {
            p.mode = self.mode(s, span).unwrap_or(Mode::Enforce);
        }
        if let Some(t) = self.table(root, "runtime") {
            self.keys(t, RUNTIME_KEYS, "runtime");
            if let Some((s, span)) = self.string(t, "binary") {
                if s.trim().is_empty() {
                    self.error("bad-runtime", span, "`binary` must not be empty".into(), None);
                } else {
                    p.runtime.binary = s.to_string();
                }
            }
            if let Some((s, span)) = self.string(t, "flavor") {
                use crate::rewrite::Flavor;
                p.runtime.flavor = match s {
                    "auto" => None,
                    "podman" => Some(Flavor::Podman),
                    "docker" => Some(Flavor::Docker),
                    _ => {
                        self.error(
                            "bad-flavor",
                            span,
                            format!("unknown flavor {s:?}"),
                            Some("use \"auto\", \"podman\" or \"docker\"".into()),
                        );
                        None
                    }
                };
            }
        }
        let mut rules = Rules::default();
        self.rules(root, &mut rules, "");
        if let Some(t) = self.table(root, "log") {
            self.keys(t, LOG_KEYS, "log");
            if let Some((s, span)) = self.string(t, "path") {
                let path = expand_home(s);
                if !path.is_absolute() {
                    self.error(
                        "bad-path",
                        span,
                        format!("log path {s:?} is not absolute"),
                        Some("use an absolute path or one starting with `~/`".into()),
                    );
                }
                p.log.path = Some(path);
            }
        }
        if let Some(v) = get(root, "profile") {
            match v.get_ref().as_array() {
                Some(arr) => {
                    for (i, item) in arr.iter().enumerate() {
                        match item.get_ref().as_table() {
                            Some(t) => {
                                if let Some(prof) = self.profile(t, item.span(), i, &rules) {
                                    if p.profiles.iter().any(|q| q.name == prof.name) {
                                        self.push(
                                            Severity::Warning,
                                            "duplicate-profile",
                                            item.span(),
                                            format!("profile name {:?} is used twice", prof.name),
                                            Some("only the first match applies; rename one".into()),
                                        );
                                    }
                                    p.profiles.push(prof);
                                }
                            }
                            None => self.wrong_type(item, "profile", "a table ([[profile]])"),
                        }
                    }
                }
                None => self.wrong_type(v, "profile", "an array of tables ([[profile]])"),
            }
        }
        p.rules = rules;
        p
    }

    fn mode(&mut self, s: &str, span: Range<usize>) -> Option<Mode> {
        match s {
            "enforce" => Some(Mode::Enforce),
            "audit" => Some(Mode::Audit),
            "off" => Some(Mode::Off),
            _ => {
                self.error(
                    "bad-mode",
                    span,
                    format!("unknown mode {s:?}"),
                    Some("use \"enforce\", \"audit\" or \"off\"".into()),
                );
                None
            }
        }
    }

    /// Reads `[hardening]`, `[limits]`, `[deny]`, `[podman]` of `t` over `rules`.
    fn rules(&mut self, t: &DeTable, rules: &mut Rules, prefix: &str) {
        let sect = |s: &str| {
            if prefix.is_empty() {
                s.to_string()
            } else {
                format!("{prefix}.{s}")
            }
        };
        if let Some(h) = self.table(t, "hardening") {
            self.hardening(h, &mut rules.hardening, &sect("hardening"));
        }
        if let Some(l) = self.table(t, "limits") {
            self.keys(l, LIMITS_KEYS, &sect("limits"));
            if let Some((v, span)) = self.scalar(l, "cpus") {
                rules.limits.cpus = v.and_then(|s| match NanoCpus::parse(&s) {
                    Some(c) if c.0 > 0 => Some(c),
                    _ => {
                        self.error(
                            "bad-cpus",
                            span.clone(),
                            format!("invalid cpus {s:?}"),
                            Some("a positive number such as 2 or 1.5, or \"off\"".into()),
                        );
                        None
                    }
                });
            }
            if let Some((v, span)) = self.scalar(l, "memory") {
                rules.limits.memory = v.and_then(|s| self.size(&s, span.clone()));
            }
            if let Some((v, span)) = self.scalar(l, "pids") {
                rules.limits.pids = v.and_then(|s| match s.parse::<u64>() {
                    Ok(n) if n > 0 => Some(n),
                    _ => {
                        self.error(
                            "bad-pids",
                            span.clone(),
                            format!("invalid pids {s:?}"),
                            Some("a positive integer, or \"off\"".into()),
                        );
                        None
                    }
                });
            }
        }
        if let Some(d) = self.table(t, "deny") {
            self.deny(d, &mut rules.deny, &sect("deny"));
        }
        if let Some(pm) = self.table(t, "podman") {
            self.keys(pm, PODMAN_KEYS, &sect("podman"));
            let c = &mut rules.podman;
            self.bool(pm, "keep_id", &mut c.keep_id);
            self.bool(pm, "host_gateway", &mut c.host_gateway);
            self.bool(pm, "host_loopback", &mut c.host_loopback);
            if let Some((s, span)) = self.string(pm, "keep_id_user") {
                match parse_uid_gid(s) {
                    Some(ug) => c.keep_id_user = ug,
                    None => self.error(
                        "bad-user",
                        span,
                        format!("invalid keep_id_user {s:?}"),
                        Some("numeric \"uid:gid\", e.g. \"1000:1000\"".into()),
                    ),
                }
            }
            if let Some((s, span)) = self.string(pm, "rootful_gateway") {
                if s.parse::<std::net::IpAddr>().is_ok() {
                    c.rootful_gateway = s.to_string();
                } else {
                    self.error("bad-ip", span, format!("{s:?} is not an IP address"), None);
                }
            }
        }
    }

    fn size(&mut self, s: &str, span: Range<usize>) -> Option<u64> {
        match units::parse_bytes(s) {
            Some(b) if b > 0 => Some(b),
            _ => {
                self.error(
                    "bad-size",
                    span,
                    format!("invalid size {s:?}"),
                    Some("a size such as \"512m\" or \"4g\" (units b, k, m, g, t)".into()),
                );
                None
            }
        }
    }

    fn caps(&mut self, t: &DeTable, key: &str, allow_all: bool) -> Option<Vec<(String, Range<usize>)>> {
        let list = self.strings(t, key)?;
        let mut out = Vec::new();
        for (s, span) in list {
            let cap = normalize_cap(s);
            if cap == "ALL" && !allow_all {
                self.error(
                    "bad-capability",
                    span,
                    "\"ALL\" cannot be allowed".into(),
                    Some("list the capabilities the agent needs".into()),
                );
            } else if cap != "ALL" && !CAPABILITIES.contains(&cap.as_str()) {
                let hint = did_you_mean(&cap, CAPABILITIES).map(|c| format!("did you mean \"{c}\"?"));
                self.error("bad-capability", span, format!("unknown capability {s:?}"), hint);
            } else {
                out.push((cap, span));
            }
        }
        Some(out)
    }

    fn hardening(&mut self, t: &DeTable, h: &mut Hardening, section: &str) {
        self.keys(t, HARDENING_KEYS, section);
        self.bool(t, "read_only", &mut h.read_only);
        self.bool(t, "no_new_privileges", &mut h.no_new_privileges);
        let drop = self.caps(t, "drop_capabilities", true);
        let allow = self.caps(t, "allowed_capabilities", false);
        if let Some(d) = &drop {
            h.drop_capabilities = d.iter().map(|(c, _)| c.clone()).collect();
        }
        if let Some(a) = &allow {
            h.allowed_capabilities = a.iter().map(|(c, _)| c.clone()).collect();
            for (cap, span) in a {
                if h.drop_capabilities.iter().any(|d| d == cap) {
                    self.error(
                        "cap-drop-and-allow",
                        span.clone(),
                        format!("{cap} is both dropped and allowed"),
                        Some("remove it from drop_capabilities or from allowed_capabilities".into()),
                    );
                }
            }
        }
        if let Some(v) = get(t, "shm_size") {
            let span = v.span();
            if let Some((s, _)) = self.scalar(t, "shm_size") {
                h.shm_size = s.and_then(|s| self.size(&s, span));
            }
        }
        if let Some(v) = get(t, "tmpfs") {
            match v.get_ref().as_array() {
                Some(arr) => {
                    let mut list: Vec<Tmpfs> = Vec::new();
                    for item in arr.iter() {
                        let Some(it) = item.get_ref().as_table() else {
                            self.wrong_type(item, "tmpfs", "a table ([[hardening.tmpfs]])");
                            continue;
                        };
                        if let Some(tm) = self.tmpfs(it, item.span(), section) {
                            if list.iter().any(|o| o.path == tm.path) {
                                self.error(
                                    "duplicate-tmpfs",
                                    item.span(),
                                    format!("tmpfs path {:?} is listed twice", tm.path),
                                    None,
                                );
                            }
                            list.push(tm);
                        }
                    }
                    h.tmpfs = list;
                }
                None => self.wrong_type(v, "tmpfs", "an array of tables ([[hardening.tmpfs]])"),
            }
            if h.read_only && v.get_ref().as_array().is_some_and(|a| a.is_empty()) {
                self.push(
                    Severity::Warning,
                    "read-only-no-tmpfs",
                    v.span(),
                    "read_only is on but no tmpfs is writable".into(),
                    Some("the agent writes /tmp and /home/node; add [[hardening.tmpfs]] entries".into()),
                );
            }
        }
    }

    fn tmpfs(&mut self, t: &DeTable, span: Range<usize>, section: &str) -> Option<Tmpfs> {
        self.keys(t, TMPFS_KEYS, &format!("{section}.tmpfs"));
        let Some((path, pspan)) = self.string(t, "path") else {
            if get(t, "path").is_none() {
                self.error("missing-key", span, "a tmpfs entry needs `path`".into(), None);
            }
            return None;
        };
        let norm = String::from_utf8_lossy(&crate::mounts::normalize(path.as_bytes())).into_owned();
        let path_ok = path.starts_with('/')
            && !path.split('/').any(|c| c == "..")
            && !path.contains([':', ','])
            && norm != "/";
        if !path_ok {
            self.error(
                "bad-path",
                pspan,
                format!("{path:?} is not a usable tmpfs path"),
                Some("an absolute container path other than /, without `..`, `:` or `,`".into()),
            );
        }
        let mut tm = Tmpfs {
            path: norm,
            size: None,
            mode: None,
            exec: false,
        };
        if let Some(v) = get(t, "size") {
            let vspan = v.span();
            if let Some((s, _)) = self.scalar(t, "size") {
                tm.size = s.and_then(|s| self.size(&s, vspan));
            }
        }
        if let Some((s, mspan)) = self.string(t, "mode") {
            match u32::from_str_radix(s, 8) {
                Ok(m) if m <= 0o7777 && !s.is_empty() => tm.mode = Some(m),
                _ => self.error(
                    "bad-file-mode",
                    mspan,
                    format!("invalid mode {s:?}"),
                    Some("an octal string such as \"1777\"".into()),
                ),
            }
        }
        self.bool(t, "exec", &mut tm.exec);
        path_ok.then_some(tm)
    }

    fn deny(&mut self, t: &DeTable, d: &mut Deny, section: &str) {
        self.keys(t, DENY_KEYS, section);
        for (key, slot) in [
            ("privileged", &mut d.privileged),
            ("host_namespaces", &mut d.host_namespaces),
            ("container_namespaces", &mut d.container_namespaces),
            ("weak_security_options", &mut d.weak_security_options),
            ("capabilities", &mut d.capabilities),
            ("devices", &mut d.devices),
            ("volumes_from", &mut d.volumes_from),
            ("api_socket", &mut d.api_socket),
            ("env_host", &mut d.env_host),
            ("shared_propagation", &mut d.shared_propagation),
            ("sensitive_mounts", &mut d.sensitive_mounts),
            ("root_user", &mut d.root_user),
            ("exec_privileged", &mut d.exec_privileged),
            ("exec_root", &mut d.exec_root),
            ("update_above_limits", &mut d.update_above_limits),
        ] {
            self.bool(t, key, slot);
        }
        let check = |r: &mut Self, s: &str, span: Range<usize>| {
            let ok = s.starts_with('/') || s.starts_with("~/");
            if !ok {
                r.error(
                    "bad-path",
                    span,
                    format!("{s:?} is not an absolute host path"),
                    Some("start it with `/` or `~/`".into()),
                );
            }
            ok
        };
        if let Some(list) = self.strings(t, "add_sensitive_paths") {
            for (s, span) in list {
                if check(self, s, span) && !d.sensitive_paths.iter().any(|p| p == s) {
                    d.sensitive_paths.push(s.to_string());
                }
            }
        }
        if let Some(list) = self.strings(t, "remove_sensitive_paths") {
            for (s, span) in list {
                if !check(self, s, span.clone()) {
                    continue;
                }
                let before = d.sensitive_paths.len();
                d.sensitive_paths.retain(|p| p != s);
                if before == d.sensitive_paths.len() {
                    self.push(
                        Severity::Warning,
                        "unknown-sensitive-path",
                        span,
                        format!("{s:?} is not in the sensitive path list"),
                        Some(format!("the list is: {}", d.sensitive_paths.join(", "))),
                    );
                }
            }
        }
    }

    fn profile(&mut self, t: &DeTable, span: Range<usize>, index: usize, global: &Rules) -> Option<Profile> {
        self.keys(t, PROFILE_KEYS, "profile");
        let name = match self.string(t, "name") {
            Some((s, _)) => s.to_string(),
            None => format!("profile-{}", index + 1),
        };
        let mut prof = Profile {
            name,
            image: None,
            container: None,
            labels: Vec::new(),
            mode: None,
            exempt: false,
            rules: global.clone(),
        };
        match self.table(t, "match") {
            Some(m) => {
                self.keys(m, MATCH_KEYS, "profile.match");
                prof.image = self.glob(m, "image");
                prof.container = self.glob(m, "container");
                if let Some(list) = self.strings(m, "labels") {
                    prof.labels = list
                        .into_iter()
                        .map(|(s, _)| match s.split_once('=') {
                            Some((k, v)) => (k.to_string(), Some(v.to_string())),
                            None => (s.to_string(), None),
                        })
                        .collect();
                }
                if prof.image.is_none() && prof.container.is_none() && prof.labels.is_empty() {
                    self.push(
                        Severity::Warning,
                        "match-all",
                        span.clone(),
                        format!("profile {:?} matches every invocation", prof.name),
                        Some("give [profile.match] an image, container or labels".into()),
                    );
                }
            }
            None => self.push(
                Severity::Warning,
                "match-all",
                span,
                format!(
                    "profile {:?} has no [profile.match] and matches every invocation",
                    prof.name
                ),
                None,
            ),
        }
        if let Some((s, mspan)) = self.string(t, "mode") {
            prof.mode = self.mode(s, mspan);
        }
        self.bool(t, "exempt", &mut prof.exempt);
        self.rules(t, &mut prof.rules, "profile");
        Some(prof)
    }

    fn glob(&mut self, t: &DeTable, key: &str) -> Option<Glob> {
        let (s, span) = self.string(t, key)?;
        match Glob::new(s) {
            Ok(g) => Some(g),
            Err(e) => {
                self.error("bad-glob", span, format!("invalid glob {s:?}: {e}"), None);
                None
            }
        }
    }
}

/// The closest known word within edit distance 2, for "did you mean".
pub fn did_you_mean<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| {
            (
                levenshtein(&word.to_ascii_lowercase(), &k.to_ascii_lowercase()),
                *k,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// `"1000:1000"` → (1000, 1000).
fn parse_uid_gid(s: &str) -> Option<(u32, u32)> {
    let (u, g) = s.split_once(':')?;
    Some((u.parse().ok()?, g.parse().ok()?))
}

/// Expands a leading `~/` with `$HOME`.
pub fn expand_home(s: &str) -> PathBuf {
    match (s.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(s),
    }
}

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

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
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
    std::fs::read_to_string(path).map_err(|e| {
        PolicyError::single(
            &path.display().to_string(),
            "unreadable",
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

impl Policy {
    /// The profile that applies to an invocation, if any (first match wins).
    pub fn profile_for(
        &self,
        image: &str,
        container: Option<&str>,
        labels: &[(String, String)],
    ) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.matches(image, container, labels))
    }
}

impl Profile {
    pub fn matches(&self, image: &str, container: Option<&str>, labels: &[(String, String)]) -> bool {
        let image_ok = self
            .image
            .as_ref()
            .is_none_or(|g| image_forms(image).iter().any(|f| g.matches(f)));
        let name_ok = self
            .container
            .as_ref()
            .is_none_or(|g| container.is_some_and(|c| g.matches(c)));
        let labels_ok = self.labels.iter().all(|(k, v)| {
            labels
                .iter()
                .any(|(lk, lv)| lk == k && v.as_ref().is_none_or(|v| v == lv))
        });
        image_ok && name_ok && labels_ok
    }
}

/// An image reference with and without its registry and its tag/digest, so a profile glob can
/// name an image either way (`nanoclaw-agent*` matches `localhost/nanoclaw-agent:latest`).
pub fn image_forms(image: &str) -> Vec<String> {
    let untagged = {
        let no_digest = image.split('@').next().unwrap_or(image);
        match no_digest.rfind(':') {
            Some(i) if !no_digest[i..].contains('/') => &no_digest[..i],
            _ => no_digest,
        }
    };
    let strip_registry = |s: &str| -> String {
        match s.split_once('/') {
            Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
                rest.strip_prefix("library/").unwrap_or(rest).to_string()
            }
            _ => s.to_string(),
        }
    };
    let mut forms = vec![
        image.to_string(),
        untagged.to_string(),
        strip_registry(image),
        strip_registry(untagged),
    ];
    forms.dedup();
    forms
}

impl Policy {
    /// The effective policy as TOML, every key spelled out (profiles summarised).
    pub fn to_toml(&self) -> String {
        fn list(v: &[String]) -> String {
            let items: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
            format!("[{}]", items.join(", "))
        }
        let r = &self.rules;
        let h = &r.hardening;
        let mut s = format!("mode = {:?}\n\n", self.mode.as_str());
        let flavor = match self.runtime.flavor {
            None => "auto",
            Some(f) => f.as_str(),
        };
        s.push_str(&format!(
            "[runtime]\nbinary = {:?}\nflavor = {flavor:?}\n\n",
            self.runtime.binary
        ));
        s.push_str(&format!(
            "[hardening]\nread_only = {}\nno_new_privileges = {}\ndrop_capabilities = {}\nallowed_capabilities = {}\n",
            h.read_only,
            h.no_new_privileges,
            list(&h.drop_capabilities),
            list(&h.allowed_capabilities)
        ));
        if let Some(shm) = h.shm_size {
            s.push_str(&format!("shm_size = {:?}\n", units::format_bytes(shm)));
        }
        if h.tmpfs.is_empty() {
            s.push_str("tmpfs = []\n");
        }
        for t in &h.tmpfs {
            s.push_str(&format!("\n[[hardening.tmpfs]]\npath = {:?}\n", t.path));
            if let Some(size) = t.size {
                s.push_str(&format!("size = {:?}\n", units::format_bytes(size)));
            }
            if let Some(mode) = t.mode {
                s.push_str(&format!("mode = \"{mode:o}\"\n"));
            }
            s.push_str(&format!("exec = {}\n", t.exec));
        }
        let off = || "\"off\"".to_string();
        s.push_str(&format!(
            "\n[limits]\ncpus = {}\nmemory = {}\npids = {}\n",
            r.limits.cpus.map_or_else(off, |c| format!("\"{c}\"")),
            r.limits
                .memory
                .map_or_else(off, |m| format!("{:?}", units::format_bytes(m))),
            r.limits.pids.map_or_else(off, |p| p.to_string()),
        ));
        let d = &r.deny;
        s.push_str(&format!(
            "\n[deny]\nprivileged = {}\nhost_namespaces = {}\ncontainer_namespaces = {}\nweak_security_options = {}\ncapabilities = {}\ndevices = {}\nvolumes_from = {}\napi_socket = {}\nenv_host = {}\nshared_propagation = {}\nsensitive_mounts = {}\nroot_user = {}\nexec_privileged = {}\nexec_root = {}\nupdate_above_limits = {}\n",
            d.privileged,
            d.host_namespaces,
            d.container_namespaces,
            d.weak_security_options,
            d.capabilities,
            d.devices,
            d.volumes_from,
            d.api_socket,
            d.env_host,
            d.shared_propagation,
            d.sensitive_mounts,
            d.root_user,
            d.exec_privileged,
            d.exec_root,
            d.update_above_limits
        ));
        let added: Vec<String> = d
            .sensitive_paths
            .iter()
            .filter(|p| !DEFAULT_SENSITIVE_PATHS.contains(&p.as_str()))
            .cloned()
            .collect();
        let removed: Vec<String> = DEFAULT_SENSITIVE_PATHS
            .iter()
            .filter(|p| !d.sensitive_paths.iter().any(|q| q == *p))
            .map(|p| p.to_string())
            .collect();
        s.push_str(&format!(
            "add_sensitive_paths = {}\nremove_sensitive_paths = {}\n",
            list(&added),
            list(&removed)
        ));
        s.push_str(&format!(
            "# sensitive paths in force: {}\n",
            d.sensitive_paths.join(", ")
        ));
        let pm = &r.podman;
        s.push_str(&format!(
            "\n[podman]\nkeep_id = {}\nkeep_id_user = \"{}:{}\"\nhost_gateway = {}\nhost_loopback = {}\nrootful_gateway = {:?}\n",
            pm.keep_id, pm.keep_id_user.0, pm.keep_id_user.1, pm.host_gateway, pm.host_loopback, pm.rootful_gateway
        ));
        if let Some(p) = &self.log.path {
            s.push_str(&format!("\n[log]\npath = {:?}\n", p.display().to_string()));
        }
        for p in &self.profiles {
            s.push_str(&format!(
                "\n# profile {:?}: image {:?}, container {:?}, labels {:?}, mode {:?}, exempt {}\n",
                p.name,
                p.image.as_ref().map(Glob::as_str),
                p.container.as_ref().map(Glob::as_str),
                p.labels,
                p.mode.map(Mode::as_str),
                p.exempt
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errs(text: &str) -> Vec<Diagnostic> {
        parse(text, "p.toml").unwrap_err().diagnostics
    }

    #[test]
    fn shipped_default_matches_the_built_in_default() {
        let (p, warnings) = parse(DEFAULT_TOML, "default.toml").unwrap();
        assert_eq!(p, Policy::default());
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn newline_search() {
        for text in [
            "",
            "a",
            "\n",
            "abcdefgh\n",
            "abcdefghijklmnop",
            "abcdefghijk\nlm",
            "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\n",
        ] {
            assert_eq!(memchr_newline(text.as_bytes()), text.find('\n'), "{text:?}");
        }
    }

    #[test]
    fn comment_lines_do_not_move_positions() {
        let text = "# a\n  # b\n[limits]\n# c\nmemory = \"x\" # d\n";
        let e = parse(text, "p").unwrap_err();
        assert_eq!(e.diagnostics[0].position, Some((5, 10)));
        let (p, _) = parse("[hardening]\nread_only = false\n# x\n", "p").unwrap();
        assert!(!p.rules.hardening.read_only);
        // In a multi-line string, `#` lines are content.
        let (p, _) = parse("[runtime]\nbinary = \"\"\"\n# not a comment\npodman\"\"\"\n", "p").unwrap();
        assert!(p.runtime.binary.contains("# not a comment"));
    }

    #[test]
    fn empty_file_means_the_default() {
        assert_eq!(parse("", "p.toml").unwrap().0, Policy::default());
    }

    #[test]
    fn unknown_key_is_an_error_with_position_and_suggestion() {
        let e = parse("[hardening]\nread_onyl = true\n", "p.toml").unwrap_err();
        let d = &e.diagnostics[0];
        assert_eq!((d.code, d.position), ("unknown-key", Some((2, 1))));
        assert_eq!(d.hint.as_deref(), Some("did you mean `read_only`?"));
        assert!(
            e.to_string().starts_with("p.toml:2:1: unknown key `read_onyl`"),
            "{e}"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let d = errs(
            "mode = \"strict\"\n[limits]\nmemory = \"4 gigs\"\ncpus = -1\n[hardening]\nallowed_capabilities = [\"ALL\", \"NET_RAWW\"]\n",
        );
        let codes: Vec<&str> = d.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [
                "bad-mode",
                "bad-size",
                "bad-cpus",
                "bad-capability",
                "bad-capability"
            ],
            "{d:?}"
        );
        assert_eq!(d[1].position, Some((3, 10)));
        assert_eq!(d[4].hint.as_deref(), Some("did you mean \"NET_RAW\"?"));
    }

    #[test]
    fn limits_switch_off() {
        let (p, _) = parse("[limits]\ncpus = \"off\"\nmemory = false\npids = 100\n", "p").unwrap();
        assert_eq!(
            (p.rules.limits.cpus, p.rules.limits.memory, p.rules.limits.pids),
            (None, None, Some(100))
        );
        let (p, _) = parse("[limits]\ncpus = 1.5\nmemory = \"4096m\"\n", "p").unwrap();
        assert_eq!(p.rules.limits.cpus, Some(NanoCpus(1_500_000_000)));
        assert_eq!(p.rules.limits.memory, Some(4 << 30));
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
    fn contradictions_are_reported() {
        let d =
            errs("[hardening]\ndrop_capabilities = [\"NET_RAW\"]\nallowed_capabilities = [\"net_raw\"]\n");
        assert_eq!(d[0].code, "cap-drop-and-allow");
        let d = errs("[[hardening.tmpfs]]\npath = \"/tmp\"\n[[hardening.tmpfs]]\npath = \"/tmp/\"\n");
        assert_eq!(d[0].code, "duplicate-tmpfs");
        let (_, w) = parse("[hardening]\ntmpfs = []\n", "p").unwrap();
        assert_eq!(w[0].code, "read-only-no-tmpfs");
    }

    #[test]
    fn profiles_override_and_match() {
        let (p, w) = parse(
            "[limits]\npids = 100\n[[profile]]\nname = \"browser\"\nmatch.image = \"nanoclaw-agent*\"\nmatch.labels = [\"role=browser\"]\n[profile.limits]\nmemory = \"8g\"\n[profile.hardening]\nshm_size = \"1g\"\n[[profile]]\nname = \"x\"\nmatch.container = \"[oops\"\n",
            "p",
        )
        .unwrap_err()
        .diagnostics
        .into_iter()
        .partition::<Vec<_>, _>(|d| d.severity == Severity::Error);
        assert_eq!(p[0].code, "bad-glob", "{p:?} {w:?}");
        let (p, _) = parse(
            "[limits]\npids = 100\n[[profile]]\nname = \"browser\"\nmatch.image = \"nanoclaw-agent*\"\nmatch.labels = [\"role=browser\"]\n[profile.limits]\nmemory = \"8g\"\n[profile.hardening]\nshm_size = \"1g\"\n",
            "p",
        )
        .unwrap();
        let prof = &p.profiles[0];
        assert_eq!(prof.rules.limits.memory, Some(8 << 30));
        assert_eq!(prof.rules.limits.pids, Some(100), "inherits the global value");
        assert_eq!(prof.rules.hardening.shm_size, Some(1 << 30));
        let labels = vec![("role".to_string(), "browser".to_string())];
        assert!(
            p.profile_for("localhost/nanoclaw-agent:latest", None, &labels)
                .is_some()
        );
        assert!(
            p.profile_for("localhost/nanoclaw-agent:latest", None, &[])
                .is_none()
        );
        assert!(p.profile_for("other:latest", None, &labels).is_none());
    }

    #[test]
    fn image_forms_cover_registry_and_tag() {
        assert_eq!(
            image_forms("localhost/nanoclaw-agent:latest"),
            [
                "localhost/nanoclaw-agent:latest",
                "localhost/nanoclaw-agent",
                "nanoclaw-agent:latest",
                "nanoclaw-agent"
            ]
        );
        assert_eq!(image_forms("registry:5000/a/b@sha256:x")[1], "registry:5000/a/b");
        assert_eq!(image_forms("docker.io/library/node:22")[3], "node");
    }

    #[test]
    fn sensitive_paths_are_editable() {
        let (p, w) = parse("[deny]\nadd_sensitive_paths = [\"/srv/secrets\"]\nremove_sensitive_paths = [\"/boot\", \"/nope\"]\n", "p").unwrap();
        assert!(p.rules.deny.sensitive_paths.contains(&"/srv/secrets".to_string()));
        assert!(!p.rules.deny.sensitive_paths.contains(&"/boot".to_string()));
        assert_eq!(w[0].code, "unknown-sensitive-path");
    }

    #[test]
    fn syntax_errors_have_positions() {
        let d = errs("[limits\n");
        assert_eq!(d[0].code, "syntax");
        assert_eq!(d[0].position.map(|p| p.0), Some(1));
    }

    #[test]
    fn did_you_mean_finds_close_words() {
        assert_eq!(did_you_mean("hardenin", TOP_KEYS), Some("hardening"));
        assert_eq!(did_you_mean("zzz", TOP_KEYS), None);
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
