//! What `policy check` reports: every problem at once, each with `file:line:col`, a stable code
//! and a hint (cargo-deny's model); and the one line the shim prints when a policy does not load.
//!
//! The codes are one enum ([`Code`]), so a misspelt code does not compile; each carries its
//! severity, and `tests/it/docs_rules.rs` checks docs/POLICY.md's table against [`Code::ALL`].

use std::fmt;

use crate::style::{Paint, Tone};

macro_rules! codes {
    ($($var:ident = $id:literal ($sev:ident): $summary:literal,)*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($var,)*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$var,)*];

            /// The code as users see it (`unknown-key`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$var => $id,)*
                }
            }

            /// Whether a diagnostic with this code stops the policy from loading.
            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$var => Severity::$sev,)*
                }
            }

            /// What the code means, in one line (docs/POLICY.md's table).
            pub fn summary(self) -> &'static str {
                match self {
                    $(Code::$var => $summary,)*
                }
            }
        }
    };
}

codes! {
    Syntax = "syntax" (Error): "not valid TOML",
    UnknownKey = "unknown-key" (Error): "a key the policy does not have (with a did-you-mean)",
    WrongType = "wrong-type" (Error): "e.g. a string where a boolean belongs",
    MissingKey = "missing-key" (Error): "a tmpfs entry without `path`",
    BadMode = "bad-mode" (Error): "`mode` not `enforce` / `audit` / `off`",
    BadFlavor = "bad-flavor" (Error): "`flavor` not `auto` / `podman` / `docker`",
    BadRuntime = "bad-runtime" (Error): "empty `binary`",
    BadKeepEnvironment = "bad-keep-environment" (Error): "a `keep_environment` entry that is not a variable's name, or names one the environment's rules remove or refuse",
    BadSize = "bad-size" (Error): "not a size",
    SizeTooSmall = "size-too-small" (Error): "`[limits] memory` below 6m, which no runtime starts (`memory = 4` is 4 bytes)",
    UnitlessSize = "unitless-size" (Warning): "a size without a unit (`4096` is bytes, not megabytes)",
    AboveOwnCeiling = "above-own-ceiling" (Error): "a `[hardening]` size (`shm_size`, a tmpfs's) above the policy's own `[limits]` ceiling",
    BadCpus = "bad-cpus" (Error): "not a positive decimal",
    BadPids = "bad-pids" (Error): "not a positive integer",
    BadDuration = "bad-duration" (Error): "`health_interval` not a positive duration with its unit (`30s`)",
    BadFileMode = "bad-file-mode" (Error): "tmpfs `mode` not octal ≤ 7777",
    BadPath = "bad-path" (Error): "an unusable tmpfs, log or sensitive path",
    BadCapability = "bad-capability" (Error): "unknown capability (did-you-mean), or `ALL` allowed",
    BadGlob = "bad-glob" (Error): "an unclosed `[` or trailing `\\` in a profile glob",
    BadUser = "bad-user" (Error): "`keep_id_user` not numeric `uid:gid`",
    BadIp = "bad-ip" (Error): "`rootful_gateway` not an IP address",
    BadPort = "bad-port" (Error): "a `host_loopback_ports` entry not a TCP port (1 to 65535)",
    BadNetworkPool = "bad-network-pool" (Error): "a `network_pools` entry not an IPv4 range of /24 or wider",
    DuplicateTmpfs = "duplicate-tmpfs" (Error): "two tmpfs entries at one path",
    CapDropAndAllow = "cap-drop-and-allow" (Error): "a capability both dropped and allowed",
    Unreadable = "unreadable" (Error): "the file exists but cannot be read",
    Untrusted = "untrusted" (Error): "the file or a folder above it can be changed by someone other than the user and root",
    ReadOnlyNoTmpfs = "read-only-no-tmpfs" (Warning): "`read_only` with an empty tmpfs list",
    UnknownSensitivePath = "unknown-sensitive-path" (Warning): "`remove_sensitive_paths` names a path not in the list",
    UnknownEntry = "unknown-entry" (Warning): "`remove_<list>` names an entry not in that list",
    KeepAllEnvironment = "keep-all-environment" (Warning): "`keep_environment` keeps every variable (`*`): nanoclaw's whole environment reaches podman, all but what the environment's rules remove or refuse",
    UnknownCommand = "unknown-command" (Error): "a `[commands]` entry that would do nothing: `deny` naming no command, group or gate; `allow` naming `run`/`create`/`exec`/`update`, a group, or no gate",
    GroupAllowed = "group-allowed" (Warning): "`[commands] allow` names a group refused whole (`pod`, `kube`): every subcommand of it passes as written, unjudged",
    BadMatch = "bad-match" (Error): "a profile match that never matches (an empty glob, a label with blanks or no key) or an empty `labels` list, which matches every container",
    MatchAll = "match-all" (Warning): "a profile without match keys (it matches everything)",
    DuplicateProfile = "duplicate-profile" (Warning): "two profiles with one name",
    UnstartableProfile = "unstartable-profile" (Warning): "a profile (`exempt`, mode `audit` / `off`, or `verify_mounts = false`) whose containers `docker start` refuses under the top level's mount check",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
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
    pub code: Code,
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
    pub(super) fn single(file: &str, code: Code, message: String) -> PolicyError {
        PolicyError {
            file: file.to_string(),
            diagnostics: vec![Diagnostic {
                severity: code.severity(),
                code,
                message,
                hint: None,
                position: None,
            }],
        }
    }

    /// Every diagnostic, one per line (with hints), labels coloured by `paint`.
    pub fn report(&self, paint: Paint) -> String {
        self.diagnostics
            .iter()
            .map(|d| format_diagnostic(&self.file, d, paint))
            .collect()
    }
}

/// `file:line:col: error[code]: message` plus an indented hint line, the `error` / `warning`
/// label coloured by `paint`.
pub fn format_diagnostic(file: &str, d: &Diagnostic, paint: Paint) -> String {
    let file = shown(file);
    let sev = match d.severity {
        Severity::Error => paint.tone(Tone::Bad, "error"),
        Severity::Warning => paint.tone(Tone::Warn, "warning"),
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
                    Some((l, c)) => write!(f, "{}:{l}:{c}: {}{more}", shown(&self.file), d.message),
                    None => write!(f, "{}: {}{more}", shown(&self.file), d.message),
                }
            }
            None => write!(f, "{}: invalid policy", shown(&self.file)),
        }
    }
}

impl std::error::Error for PolicyError {}

/// A policy file's name as every line shows it: from the environment, redacted and escaped.
fn shown(file: &str) -> String {
    crate::text::printable(&crate::redact::message(file)).into_owned()
}
