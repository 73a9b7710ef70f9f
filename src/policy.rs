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
use crate::rules::Rule;
use crate::units::{self, NanoCpus};

/// The shipped default policy, also compiled in so the shim works with no file installed.
pub const DEFAULT_TOML: &str = include_str!("../policy/default.toml");

/// Host paths that must never be bind-mounted, their parents included: the system's own trees
/// and the runtimes' sockets. `/dev/null` is the one exception under `/dev` (nanoclaw shadows a
/// project's `.env` with it).
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
    "/run/containerd",
    "/var/run/containerd",
    "~/.config/nanoclaw-shim",
];

/// Credential stores of the caller's home: refused even read-only, and so are their parents.
pub const DEFAULT_CREDENTIAL_PATHS: &[&str] = &[
    "~/.ssh",
    "~/.gnupg",
    "~/.aws",
    "~/.azure",
    "~/.kube",
    "~/.docker",
    "~/.netrc",
    "~/.npmrc",
    "~/.pypirc",
    "~/.git-credentials",
    "~/.config/gcloud",
    "~/.config/gh",
    "~/.config/hub",
    "~/.config/containers/auth.json",
    "~/.password-store",
    "~/.local/share/keyrings",
    "~/.pgpass",
    "~/.vault-token",
    "~/.terraform.d",
    "~/.cargo/credentials",
    "~/.cargo/credentials.toml",
    "/run/user/*/containers/auth.json",
    "/run/containers/*/auth.json",
];

/// Names that hold credentials wherever they appear (nanoclaw's own blocked patterns and the
/// common others). A component matches when it equals the name or starts with it and a `.`
/// (`.env.local`, `id_rsa.pub`). A mounted directory that holds one at its top is refused unless
/// another mount shadows it (nanoclaw's `-v /dev/null:/workspace/project/.env:ro`).
pub const DEFAULT_CREDENTIAL_NAMES: &[&str] = &[
    ".ssh",
    ".gnupg",
    ".gpg",
    ".aws",
    ".azure",
    ".gcloud",
    ".kube",
    ".docker",
    "credentials",
    ".env",
    ".netrc",
    ".npmrc",
    ".pypirc",
    "id_rsa",
    "id_ecdsa",
    "id_ed25519",
    "id_dsa",
    "private_key",
    ".secret",
    ".secrets",
    ".git-credentials",
    ".password-store",
    ".pgpass",
    ".vault-token",
    "keyrings",
];

/// Paths that run code on the host when written (the next login, service start or `podman run`):
/// refused read-write, parents included. `/home/*` and `/root` mean other users' homes: the
/// caller's own home is judged by the `~/` entries.
pub const DEFAULT_HOST_EXEC_PATHS: &[&str] = &[
    "~/.bashrc",
    "~/.bash_profile",
    "~/.bash_login",
    "~/.bash_logout",
    "~/.profile",
    "~/.zshrc",
    "~/.zshenv",
    "~/.zprofile",
    "~/.zlogin",
    "~/.config/fish",
    "~/.config/environment.d",
    "~/.config/autostart",
    "~/.config/systemd",
    "~/.config/containers",
    "~/.config/nanoclaw",
    "~/.config/git",
    "~/.gitconfig",
    "~/.pam_environment",
    "~/.xprofile",
    "~/.xinitrc",
    "~/.xsession",
    "~/.local",
    "~/bin",
    "~/.cache/nanoclaw-shim",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/opt",
    "/var/lib",
    "/var/spool",
    "/var/cache",
    "/etc",
    "/home/*",
    "/root",
    "/run/containers",
    "/run/user/*/containers",
    "/run/user/*/systemd",
    "/var/tmp/containers-user-*",
];

/// Where read-write bind sources may come from, besides the caller's working directory.
pub const DEFAULT_WRITABLE_ROOTS: &[&str] = &["~", "/tmp", "/var/tmp", "/srv", "/mnt", "/media", "/data"];

/// Annotation key prefixes that the OCI runtime or podman act on (keep host groups, change the
/// seccomp or cgroup set-up, run hooks): refused.
pub const DEFAULT_RUNTIME_ANNOTATIONS: &[&str] = &[
    "run.oci.",
    "io.kubernetes.cri-o.",
    "io.containers.",
    "io.podman.",
    "org.systemd.",
    "org.criu.",
    "com.nvidia.",
    "io.katacontainers.",
];

/// The smallest memory limit podman and docker accept (6 MiB).
pub const MIN_MEMORY: u64 = 6 << 20;

/// Which CLI grammar the runtime binary speaks (`[runtime] flavor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Podman,
    Docker,
}

impl Flavor {
    pub fn as_str(self) -> &'static str {
        match self {
            Flavor::Podman => "podman",
            Flavor::Docker => "docker",
        }
    }
}

/// Policy for non-run commands (the TOML `[commands]` table).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CommandsPolicy {
    /// Extra command paths allowed, e.g. "cp", "container clone", "volume create --opt".
    pub allow: Vec<String>,
    /// Command paths refused even though allowed by default.
    pub deny: Vec<String>,
}

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
    /// Which commands other than run/create/exec/update may run (`[commands]`).
    pub commands: CommandsPolicy,
    pub rules: Rules,
    pub profiles: Vec<Profile>,
    pub log: Log,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            mode: Mode::Enforce,
            runtime: Runtime::default(),
            commands: CommandsPolicy::default(),
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
    pub flavor: Option<Flavor>,
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
    /// Capabilities added back after `ALL` is dropped: `SYS_CHROOT` by default, which
    /// Chromium's own sandbox needs (podman's seccomp profile allows `chroot(2)` only with it).
    pub keep_capabilities: Vec<String>,
    /// Add `--init` when the caller overrides the entrypoint and sets no `--init`, so the
    /// agent receives SIGTERM on `docker stop` (an overridden entrypoint bypasses the image's init).
    pub init: bool,
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
            keep_capabilities: vec!["SYS_CHROOT".into()],
            init: true,
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
    /// The largest `--shm-size` a caller may ask for.
    pub shm_size: Option<u64>,
    /// The largest tmpfs a caller may mount (a caller's tmpfs must name its size).
    pub tmpfs_size: Option<u64>,
    /// Refuse (rather than warn) when the runtime would ignore the ceilings (rootless podman
    /// on cgroup v1).
    pub refuse_unenforced: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cpus: Some(NanoCpus(2_000_000_000)),
            memory: Some(4 << 30),
            pids: Some(256),
            shm_size: Some(2 << 30),
            tmpfs_size: Some(2 << 30),
            refuse_unenforced: false,
        }
    }
}

/// Each `[deny]` switch: its key, the rule it turns on or off, and whether it is on by default.
/// This table is the only place a switch is named: the reader, `policy show` and the docs check
/// all walk it.
pub const DENY_SWITCHES: &[(&str, Rule, bool)] = &[
    ("privileged", Rule::DenyPrivileged, true),
    ("host_namespaces", Rule::DenyHostNamespace, true),
    ("container_namespaces", Rule::DenyContainerNamespace, false),
    ("weak_security_options", Rule::DenySecurityOption, true),
    ("capabilities", Rule::DenyCapAdd, true),
    ("devices", Rule::DenyDevice, true),
    ("volumes_from", Rule::DenyVolumesFrom, true),
    ("api_socket", Rule::DenyApiSocket, true),
    ("env_host", Rule::DenyEnvHost, true),
    ("shared_propagation", Rule::DenyMountPropagation, true),
    ("sensitive_mounts", Rule::DenySensitiveMount, true),
    ("root_user", Rule::DenyRootUser, false),
    ("exec_privileged", Rule::DenyExecPrivileged, true),
    ("exec_root", Rule::DenyExecRoot, true),
    ("update_above_limits", Rule::DenyUpdateLimits, true),
    ("denied_flags", Rule::DenyFlag, true),
    ("podman_only_flags", Rule::DenyPodmanOnly, true),
    ("ceiling_escapes", Rule::DenyCeiling, true),
    ("host_files", Rule::DenyHostFile, true),
    ("credentials", Rule::DenyCredentials, true),
    ("host_exec", Rule::DenyHostExec, true),
    ("outside_writable_roots", Rule::DenyWritableRoot, true),
    ("runtime_annotations", Rule::DenyAnnotation, true),
    ("keep_groups", Rule::DenyGroupAdd, true),
    ("network_options", Rule::DenyNetworkOption, true),
    ("public_ports", Rule::DenyPublish, true),
    ("engine_redirect", Rule::DenyEngineRedirect, true),
    ("untrusted_runtime_config", Rule::DenyEnvironment, true),
    ("build_options", Rule::DenyBuild, true),
];

/// The lists of `[deny]`, each edited with `add_<key>` and `remove_<key>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyList {
    /// Host paths never mounted, their parents included (system trees, runtime sockets).
    SensitivePaths,
    /// Credential stores, refused even read-only (their parents too).
    CredentialPaths,
    /// File and directory names that hold credentials wherever they are (`.env`, `id_rsa`).
    CredentialNames,
    /// Paths that run code on the host when written: refused read-write (parents too).
    HostExecPaths,
    /// Read-write bind sources must lie beneath one of these (or the working directory).
    WritableRoots,
    /// Flags allowed although their class or podman-only status would refuse them.
    AllowFlags,
    /// `--security-opt` values allowed beyond no-new-privileges and masks.
    AllowedSecurityOptions,
    /// Annotation key prefixes the OCI runtime obeys: refused.
    RuntimeAnnotations,
}

impl DenyList {
    pub const ALL: [DenyList; 8] = [
        DenyList::SensitivePaths,
        DenyList::CredentialPaths,
        DenyList::CredentialNames,
        DenyList::HostExecPaths,
        DenyList::WritableRoots,
        DenyList::AllowFlags,
        DenyList::AllowedSecurityOptions,
        DenyList::RuntimeAnnotations,
    ];

    /// The key after `add_` / `remove_`.
    pub fn key(self) -> &'static str {
        match self {
            DenyList::SensitivePaths => "sensitive_paths",
            DenyList::CredentialPaths => "credential_paths",
            DenyList::CredentialNames => "credential_names",
            DenyList::HostExecPaths => "host_exec_paths",
            DenyList::WritableRoots => "writable_roots",
            DenyList::AllowFlags => "allow_flags",
            DenyList::AllowedSecurityOptions => "allowed_security_options",
            DenyList::RuntimeAnnotations => "runtime_annotations",
        }
    }

    pub fn defaults(self) -> &'static [&'static str] {
        match self {
            DenyList::SensitivePaths => DEFAULT_SENSITIVE_PATHS,
            DenyList::CredentialPaths => DEFAULT_CREDENTIAL_PATHS,
            DenyList::CredentialNames => DEFAULT_CREDENTIAL_NAMES,
            DenyList::HostExecPaths => DEFAULT_HOST_EXEC_PATHS,
            DenyList::WritableRoots => DEFAULT_WRITABLE_ROOTS,
            DenyList::AllowFlags | DenyList::AllowedSecurityOptions => &[],
            DenyList::RuntimeAnnotations => DEFAULT_RUNTIME_ANNOTATIONS,
        }
    }

    /// Whether entries are host paths (`/...` or `~/...`).
    pub fn holds_paths(self) -> bool {
        matches!(
            self,
            DenyList::SensitivePaths
                | DenyList::CredentialPaths
                | DenyList::HostExecPaths
                | DenyList::WritableRoots
        )
    }
}

/// Deny rules: the set in force, and the lists they read.
#[derive(Debug, Clone, PartialEq)]
pub struct Deny {
    on: std::collections::BTreeSet<Rule>,
    lists: [Vec<String>; 8],
}

impl Deny {
    /// Whether a deny rule is in force.
    pub fn on(&self, rule: Rule) -> bool {
        self.on.contains(&rule)
    }

    /// Switches a deny rule on or off.
    pub fn set(&mut self, rule: Rule, on: bool) {
        if on {
            self.on.insert(rule);
        } else {
            self.on.remove(&rule);
        }
    }

    /// A list's effective entries.
    pub fn list(&self, which: DenyList) -> &[String] {
        &self.lists[which as usize]
    }

    pub fn list_mut(&mut self, which: DenyList) -> &mut Vec<String> {
        &mut self.lists[which as usize]
    }

    /// Whether the policy allows a flag by name (long name, without `--`).
    pub fn allows_flag(&self, long: &str) -> bool {
        self.list(DenyList::AllowFlags)
            .iter()
            .any(|f| f.trim_start_matches('-') == long)
    }
}

impl Default for Deny {
    fn default() -> Self {
        Deny {
            on: DENY_SWITCHES
                .iter()
                .filter(|(_, _, on)| *on)
                .map(|(_, r, _)| *r)
                .collect(),
            lists: DenyList::ALL.map(|l| l.defaults().iter().map(|s| s.to_string()).collect()),
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
    /// Host loopback ports the container may reach besides those in its proxy URLs.
    pub host_loopback_ports: Vec<u16>,
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
            host_loopback_ports: Vec::new(),
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
    "commands",
    "hardening",
    "limits",
    "deny",
    "podman",
    "log",
    "profile",
];
const RUNTIME_KEYS: &[&str] = &["binary", "flavor"];
const COMMANDS_KEYS: &[&str] = &["allow", "deny"];
const HARDENING_KEYS: &[&str] = &[
    "read_only",
    "no_new_privileges",
    "drop_capabilities",
    "allowed_capabilities",
    "tmpfs",
    "shm_size",
    "keep_capabilities",
    "init",
];
const TMPFS_KEYS: &[&str] = &["path", "size", "mode", "exec"];
const LIMITS_KEYS: &[&str] = &[
    "cpus",
    "memory",
    "pids",
    "shm_size",
    "tmpfs_size",
    "refuse_unenforced",
];
/// Every `[deny]` key: [`DENY_SWITCHES`] and `add_` / `remove_` of each [`DenyList`] (a test
/// checks the two agree).
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
    "root_user",
    "exec_privileged",
    "exec_root",
    "update_above_limits",
    "denied_flags",
    "podman_only_flags",
    "ceiling_escapes",
    "host_files",
    "credentials",
    "host_exec",
    "outside_writable_roots",
    "runtime_annotations",
    "keep_groups",
    "network_options",
    "public_ports",
    "engine_redirect",
    "untrusted_runtime_config",
    "build_options",
    "add_sensitive_paths",
    "remove_sensitive_paths",
    "add_credential_paths",
    "remove_credential_paths",
    "add_credential_names",
    "remove_credential_names",
    "add_host_exec_paths",
    "remove_host_exec_paths",
    "add_writable_roots",
    "remove_writable_roots",
    "add_allow_flags",
    "remove_allow_flags",
    "add_allowed_security_options",
    "remove_allowed_security_options",
    "add_runtime_annotations",
    "remove_runtime_annotations",
];
const PODMAN_KEYS: &[&str] = &[
    "keep_id",
    "keep_id_user",
    "host_gateway",
    "host_loopback",
    "host_loopback_ports",
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
    ("[commands]", COMMANDS_KEYS),
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
        let hint = match want {
            "true or false" => format!("write `{key} = true` or `{key} = false`"),
            "a string" => format!("quote it: `{key} = \"...\"`"),
            w if w.starts_with("an array") => format!("use brackets: `{key} = [...]` ({w})"),
            w if w.starts_with("a table") => format!("write it as a section: `[{key}]` ({w})"),
            w => format!("`{key}` takes {w}; docs/POLICY.md lists every key"),
        };
        self.error(
            "wrong-type",
            v.span(),
            format!("`{key}` must be {want}, not {}", v.get_ref().type_str()),
            Some(hint),
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
                use Flavor;
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
        if let Some(t) = self.table(root, "commands") {
            self.keys(t, COMMANDS_KEYS, "commands");
            for (key, slot) in [("allow", &mut p.commands.allow), ("deny", &mut p.commands.deny)] {
                if let Some(list) = self.strings(t, key) {
                    *slot = list.into_iter().map(|(s, _)| s.trim().to_string()).collect();
                }
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
                rules.limits.memory = v.and_then(|s| {
                    let b = self.size(&s, span.clone())?;
                    // Below podman's and docker's minimum every container fails to start, with a
                    // runtime error that never names the shim.
                    if b < MIN_MEMORY {
                        self.error(
                            "size-too-small",
                            span.clone(),
                            format!("memory {s:?} is {b} bytes, below the runtime's minimum of 6m"),
                            Some(format!("write a unit: \"{s}m\" or \"{s}g\"")),
                        );
                        return None;
                    }
                    Some(b)
                });
            }
            if let Some((v, span)) = self.scalar(l, "shm_size") {
                rules.limits.shm_size = v.and_then(|s| self.size(&s, span.clone()));
            }
            self.bool(l, "refuse_unenforced", &mut rules.limits.refuse_unenforced);
            if let Some((v, span)) = self.scalar(l, "tmpfs_size") {
                rules.limits.tmpfs_size = v.and_then(|s| self.size(&s, span.clone()));
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
            if let Some(v) = get(pm, "host_loopback_ports") {
                match v.get_ref().as_array() {
                    Some(arr) => {
                        let mut ports = Vec::new();
                        for item in arr.iter() {
                            match item.get_ref() {
                                DeValue::Integer(i) => match i.as_str().parse::<u16>() {
                                    Ok(p) if p > 0 => ports.push(p),
                                    _ => self.error(
                                        "bad-port",
                                        item.span(),
                                        format!("{} is not a TCP port", i.as_str()),
                                        Some("a number from 1 to 65535".into()),
                                    ),
                                },
                                _ => self.wrong_type(item, "host_loopback_ports", "an array of port numbers"),
                            }
                        }
                        c.host_loopback_ports = ports;
                    }
                    None => self.wrong_type(v, "host_loopback_ports", "an array of port numbers"),
                }
            }
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
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            self.push(
                Severity::Warning,
                "unitless-size",
                span.clone(),
                format!("size {s:?} has no unit and means {s} bytes"),
                Some(format!(
                    "write the unit: \"{s}m\", \"{s}g\" (or \"{s}b\" for bytes)"
                )),
            );
        }
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
        if let Some(k) = self.caps(t, "keep_capabilities", false) {
            h.keep_capabilities = k.into_iter().map(|(c, _)| c).collect();
        }
        self.bool(t, "init", &mut h.init);
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
        for &(key, rule, _) in DENY_SWITCHES {
            let mut on = d.on(rule);
            self.bool(t, key, &mut on);
            d.set(rule, on);
        }
        let check = |r: &mut Self, which: DenyList, s: &str, span: Range<usize>| {
            let ok = !which.holds_paths() || s.starts_with('/') || s.starts_with("~/") || s == "~";
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
        for which in DenyList::ALL {
            let key = which.key();
            if let Some(list) = self.strings(t, &format!("add_{key}")) {
                for (s, span) in list {
                    if check(self, which, s, span) && !d.list(which).iter().any(|p| p == s) {
                        d.list_mut(which).push(s.to_string());
                    }
                }
            }
            if let Some(list) = self.strings(t, &format!("remove_{key}")) {
                for (s, span) in list {
                    if !check(self, which, s, span.clone()) {
                        continue;
                    }
                    let before = d.list(which).len();
                    d.list_mut(which).retain(|p| p != s);
                    if before == d.list(which).len() {
                        let code = if which == DenyList::SensitivePaths {
                            "unknown-sensitive-path"
                        } else {
                            "unknown-entry"
                        };
                        self.push(
                            Severity::Warning,
                            code,
                            span,
                            format!("{s:?} is not in the {key} list"),
                            Some(format!("the list is: {}", d.list(which).join(", "))),
                        );
                    }
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
                // A matcher that failed to parse is an error already, not "matches everything".
                let named = ["image", "container", "labels"]
                    .iter()
                    .any(|k| get(m, k).is_some());
                if !named {
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
                self.error(
                    "bad-glob",
                    span,
                    format!("invalid glob {s:?}: {e}"),
                    Some("globs use `*`, `?` and `[...]`; match a literal `[` with `[[]`".into()),
                );
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
    // A policy someone else can edit is no policy (sudo's and ssh's rule).
    if let Err(why) = crate::trust::check_file(path, Some(crate::trust::euid())) {
        if path.exists() {
            return Err(PolicyError::single(
                &path.display().to_string(),
                "untrusted",
                format!("refusing a policy others can change: {why}"),
            ));
        }
    }
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
    /// The effective policy as TOML, every key spelled out, profiles included: loading the
    /// output gives this policy back (`policy show > file` is a faithful copy).
    pub fn to_toml(&self) -> String {
        use toml::{Table, Value};
        let mut root = Table::new();
        root.insert("mode".into(), self.mode.as_str().into());
        let mut rt = Table::new();
        rt.insert("binary".into(), self.runtime.binary.clone().into());
        let flavor = self.runtime.flavor.map_or("auto", |f| f.as_str());
        rt.insert("flavor".into(), flavor.into());
        root.insert("runtime".into(), Value::Table(rt));
        let mut ct = Table::new();
        let strings = |v: &[String]| Value::Array(v.iter().map(|s| Value::from(s.clone())).collect());
        ct.insert("allow".into(), strings(&self.commands.allow));
        ct.insert("deny".into(), strings(&self.commands.deny));
        root.insert("commands".into(), Value::Table(ct));
        rules_toml(&self.rules, &mut root);
        if let Some(p) = &self.log.path {
            let mut log = Table::new();
            log.insert("path".into(), p.to_string_lossy().into_owned().into());
            root.insert("log".into(), Value::Table(log));
        }
        let profiles: Vec<Value> = self
            .profiles
            .iter()
            .map(|p| {
                let mut t = Table::new();
                t.insert("name".into(), p.name.clone().into());
                let mut m = Table::new();
                if let Some(g) = &p.image {
                    m.insert("image".into(), g.as_str().into());
                }
                if let Some(g) = &p.container {
                    m.insert("container".into(), g.as_str().into());
                }
                if !p.labels.is_empty() {
                    let labels: Vec<Value> = p
                        .labels
                        .iter()
                        .map(|(k, v)| match v {
                            Some(v) => format!("{k}={v}").into(),
                            None => k.clone().into(),
                        })
                        .collect();
                    m.insert("labels".into(), Value::Array(labels));
                }
                t.insert("match".into(), Value::Table(m));
                if let Some(mode) = p.mode {
                    t.insert("mode".into(), mode.as_str().into());
                }
                t.insert("exempt".into(), p.exempt.into());
                rules_toml(&p.rules, &mut t);
                Value::Table(t)
            })
            .collect();
        if !profiles.is_empty() {
            root.insert("profile".into(), Value::Array(profiles));
        }
        toml::to_string(&root).unwrap_or_else(|e| format!("# cannot render the policy: {e}\n"))
    }
}

/// `[hardening]`, `[limits]`, `[deny]` and `[podman]` of a rule set, into `t`.
fn rules_toml(r: &Rules, t: &mut toml::Table) {
    use toml::{Table, Value};
    let strings = |v: &[String]| Value::Array(v.iter().map(|s| Value::from(s.clone())).collect());
    let size =
        |b: Option<u64>| -> Value { b.map_or_else(|| "off".into(), |b| units::format_bytes(b).into()) };
    let h = &r.hardening;
    let mut ht = Table::new();
    ht.insert("read_only".into(), h.read_only.into());
    ht.insert("no_new_privileges".into(), h.no_new_privileges.into());
    ht.insert("drop_capabilities".into(), strings(&h.drop_capabilities));
    ht.insert("allowed_capabilities".into(), strings(&h.allowed_capabilities));
    ht.insert("shm_size".into(), size(h.shm_size));
    ht.insert("keep_capabilities".into(), strings(&h.keep_capabilities));
    ht.insert("init".into(), h.init.into());
    let tmpfs: Vec<Value> = h
        .tmpfs
        .iter()
        .map(|tm| {
            let mut e = Table::new();
            e.insert("path".into(), tm.path.clone().into());
            e.insert("size".into(), size(tm.size));
            if let Some(mode) = tm.mode {
                e.insert("mode".into(), format!("{mode:o}").into());
            }
            e.insert("exec".into(), tm.exec.into());
            Value::Table(e)
        })
        .collect();
    ht.insert("tmpfs".into(), Value::Array(tmpfs));
    t.insert("hardening".into(), Value::Table(ht));
    let l = &r.limits;
    let mut lt = Table::new();
    lt.insert(
        "cpus".into(),
        l.cpus.map_or_else(|| "off".into(), |c| c.to_string().into()),
    );
    lt.insert("memory".into(), size(l.memory));
    lt.insert(
        "pids".into(),
        l.pids.map_or_else(|| "off".into(), |p| Value::Integer(p as i64)),
    );
    lt.insert("shm_size".into(), size(l.shm_size));
    lt.insert("tmpfs_size".into(), size(l.tmpfs_size));
    lt.insert("refuse_unenforced".into(), l.refuse_unenforced.into());
    t.insert("limits".into(), Value::Table(lt));
    let d = &r.deny;
    let mut dt = Table::new();
    for &(key, rule, _) in DENY_SWITCHES {
        dt.insert(key.into(), d.on(rule).into());
    }
    for which in DenyList::ALL {
        let defaults = which.defaults();
        let now = d.list(which);
        let added: Vec<String> = now
            .iter()
            .filter(|p| !defaults.contains(&p.as_str()))
            .cloned()
            .collect();
        let removed: Vec<String> = defaults
            .iter()
            .filter(|p| !now.iter().any(|q| q == *p))
            .map(|p| p.to_string())
            .collect();
        dt.insert(format!("add_{}", which.key()), strings(&added));
        dt.insert(format!("remove_{}", which.key()), strings(&removed));
    }
    t.insert("deny".into(), Value::Table(dt));
    let pm = &r.podman;
    let mut pt = Table::new();
    pt.insert("keep_id".into(), pm.keep_id.into());
    pt.insert(
        "keep_id_user".into(),
        format!("{}:{}", pm.keep_id_user.0, pm.keep_id_user.1).into(),
    );
    pt.insert("host_gateway".into(), pm.host_gateway.into());
    pt.insert("host_loopback".into(), pm.host_loopback.into());
    pt.insert(
        "host_loopback_ports".into(),
        Value::Array(
            pm.host_loopback_ports
                .iter()
                .map(|p| Value::Integer(i64::from(*p)))
                .collect(),
        ),
    );
    pt.insert("rootful_gateway".into(), pm.rootful_gateway.clone().into());
    t.insert("podman".into(), Value::Table(pt));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errs(text: &str) -> Vec<Diagnostic> {
        parse(text, "p.toml").unwrap_err().diagnostics
    }

    #[test]
    fn sizes_no_runtime_accepts_are_errors_and_unitless_sizes_warn() {
        for text in [
            "[limits]\nmemory = 4\n",
            "[limits]\nmemory = \"4\"\n",
            "[limits]\nmemory = \"4k\"\n",
        ] {
            let e = parse(text, "p").unwrap_err();
            assert!(
                e.diagnostics.iter().any(|d| d.code == "size-too-small"),
                "{text}: {e:?}"
            );
        }
        assert!(
            errs("[limits]\nmemory = 4096\n")
                .iter()
                .any(|d| d.code == "size-too-small")
        );
        let (_, warnings) = parse("[limits]\nmemory = 8388608\n", "p").unwrap_or_else(|e| panic!("{e:?}"));
        assert!(
            warnings
                .iter()
                .any(|d| d.code == "unitless-size" && d.hint.is_some()),
            "{warnings:?}"
        );
        let (p, w) = parse("[limits]\nmemory = \"4g\"\n", "p").unwrap();
        assert_eq!(p.rules.limits.memory, Some(4 << 30));
        assert!(w.is_empty());
    }

    #[test]
    fn wrong_types_and_bad_globs_carry_hints_and_no_false_warning() {
        let e = parse("[hardening]\nread_only = \"yes\"\n", "p").unwrap_err();
        assert!(
            e.diagnostics
                .iter()
                .all(|d| d.code != "wrong-type" || d.hint.is_some()),
            "{e:?}"
        );
        let e = parse("[[profile]]\nname = \"b\"\nmatch.image = \"[oops\"\n", "p").unwrap_err();
        assert!(
            e.diagnostics
                .iter()
                .any(|d| d.code == "bad-glob" && d.hint.is_some()),
            "{e:?}"
        );
        assert!(!e.diagnostics.iter().any(|d| d.code == "match-all"), "{e:?}");
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
        assert!(
            p.rules
                .deny
                .list(DenyList::SensitivePaths)
                .contains(&"/srv/secrets".to_string())
        );
        assert!(
            !p.rules
                .deny
                .list(DenyList::SensitivePaths)
                .contains(&"/boot".to_string())
        );
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
