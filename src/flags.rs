//! The one table of `run` / `create` flags that every other module reads.
//!
//! The docker CLI parses `run` and `create` with spf13/pflag: whether a flag takes a value decides
//! where the image starts, so a wrapper that guesses one arity wrong can be steered past its own
//! checks (a later `--privileged` hidden as "the image"). This table is therefore the single
//! source of truth for parsing, for runtime compatibility (which runtimes accept a flag, and how
//! podman spells a docker-only alias) and for the docs. A flag that is not here is refused, never
//! guessed.

/// Whether a flag consumes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    /// pflag boolean: `--x`, or `--x=<bool>`; never takes the next token.
    Bool,
    /// Takes `--x=v`, `--x v`, `-xv` or `-x v`; swallows the next token even if it starts with `-`.
    Value,
}

/// How docker's CLI treats a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Docker {
    Yes,
    /// Accepted but absent from `--help` (deprecated aliases).
    Hidden,
    No,
    /// Absent from docker's CLI, and added by the shim with this value, the only one that passes
    /// as docker argv (the shim's output must read back): podman's `--http-proxy=false` keeps
    /// the host's proxy variables out, and `--systemd=false` its systemd mode off, as docker
    /// does; `--image-volume=tmpfs` keeps an image's volumes in memory.
    Added(&'static str),
}

/// How podman's `run` / `create` treats a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Podman {
    Yes,
    /// Accepted but absent from `--help`.
    Hidden,
    /// Rejected under this name; podman accepts the same setting under another name.
    Rename(Name),
    /// Rejected (or parsed as a podman *global* flag with another meaning).
    No,
}

/// What a setting means for security. Every row of every table carries one, so a flag cannot be
/// added without deciding what it is; [`crate::deny`] handles each class in one exhaustive match.
/// The shim is default-deny: a setting is let through because its class says why it is safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// No effect outside the container (names, labels, entrypoint, environment, DNS).
    Inert,
    /// A restart policy: podman restarts the container by itself, without the mount check's hook
    /// ([`crate::mountcheck`]), mounting its bind sources again unchecked.
    Restart,
    /// A resource limit: held to the policy's ceilings, and refused where it escapes them.
    Ceiling,
    /// Which namespaces the container shares with the host or other containers.
    Namespace,
    /// A mount: every host path it names goes through the host-path model.
    Mount,
    /// The runtime reads a host file named by the value, for the caller.
    HostRead,
    /// The runtime writes a host file named by the value.
    HostWrite,
    /// `--security-opt`: only allow-listed values pass.
    SecurityOpt,
    /// Capabilities and `--privileged`.
    Capability,
    /// The user, groups and id mappings the container runs with.
    User,
    /// Ports published on the host.
    Network,
    /// OCI annotations, some of which the OCI runtime obeys.
    Annotation,
    /// Environment variables: passed on as given, but a name without a value, or with podman's
    /// `*` wildcard, copies the host's.
    Environment,
    /// A setting the policy's hardening owns (`--read-only`).
    Hardening,
    /// How much the runtime logs: podman's debug and trace levels print the whole argv, `-e`
    /// values included, on its stderr (which nanoclaw keeps in its logs).
    Logging,
    /// Where a container's output goes: podman's `passthrough` drivers hand the container the
    /// caller's own standard streams (and chown an output file to the container's user).
    LogDriver,
    /// Health checks: each check is a process the host starts (root's `podman healthcheck run`,
    /// from a systemd timer), outside the container's ceilings, at the interval asked for.
    Health,
    /// Container labels: podman's auto-update timer (root's, daily) acts on two of them
    /// (`io.containers.autoupdate`, `PODMAN_SYSTEMD_UNIT`).
    Label,
    /// The container's name: one that reads as an ID would take another container's place
    /// where podman 5 looks a name up before an ID (`deny.foreign-container`). Or which
    /// container a command acts on: podman's `--latest` picks the newest on the engine, which the
    /// shim cannot judge.
    ContainerName,
    /// Refused unless the policy allows the flag by name; the rule says why.
    Denied(Rule),
}

impl Class {
    /// Short name for docs and `explain`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Inert => "inert",
            Class::Restart => "restart policy",
            Class::Ceiling => "ceiling",
            Class::Namespace => "namespace",
            Class::Mount => "mount",
            Class::HostRead => "host file read",
            Class::HostWrite => "host file write",
            Class::SecurityOpt => "security option",
            Class::Capability => "capabilities",
            Class::User => "user",
            Class::Network => "network",
            Class::Annotation => "annotation",
            Class::Environment => "environment",
            Class::Hardening => "hardening",
            Class::Logging => "logging",
            Class::LogDriver => "log driver",
            Class::Label => "label",
            Class::ContainerName => "container name",
            Class::Health => "health check",
            Class::Denied(_) => "denied by default",
        }
    }

    /// The rules the checks of this class can report (for docs/FLAGS.md).
    pub fn rules(self) -> &'static [Rule] {
        match self {
            Class::Inert => &[],
            Class::Restart => &[Rule::HardenMountCheck],
            Class::Ceiling => &[
                Rule::DenyCeiling,
                Rule::DenyUpdateLimits,
                Rule::LimitCpus,
                Rule::LimitMemory,
                Rule::LimitPids,
            ],
            Class::Namespace => &[
                Rule::DenyHostNamespace,
                Rule::DenyContainerNamespace,
                Rule::DenyNetworkOption,
                Rule::DenyNetworkName,
            ],
            Class::Mount => &[
                Rule::DenySensitiveMount,
                Rule::DenyCredentials,
                Rule::DenyHostExec,
                Rule::DenyWritableRoot,
                Rule::DenyMountPropagation,
                Rule::DenyMountOption,
                Rule::DenyCeiling,
            ],
            Class::HostRead | Class::HostWrite => &[Rule::DenyHostFile],
            Class::SecurityOpt => &[Rule::DenySecurityOption, Rule::HardenNoNewPrivileges],
            Class::Capability => &[
                Rule::DenyPrivileged,
                Rule::DenyCapAdd,
                Rule::DenyExecPrivileged,
                Rule::HardenCapDrop,
            ],
            Class::User => &[Rule::DenyRootUser, Rule::DenyExecRoot, Rule::DenyGroupAdd],
            Class::Network => &[Rule::DenyPublish],
            Class::Annotation => &[Rule::DenyAnnotation, Rule::HardenAnnotation],
            Class::Environment => &[Rule::DenyEnvHost],
            Class::Hardening => &[Rule::HardenReadOnly],
            Class::Logging => &[Rule::DenyDebugLog],
            Class::LogDriver => &[Rule::DenyHostHandoff],
            Class::Label => &[Rule::HardenAutoUpdate],
            Class::ContainerName => &[Rule::DenyForeignContainer],
            Class::Health => &[Rule::HardenHealthcheck],
            Class::Denied(Rule::DenyDevice) => &[Rule::DenyDevice],
            Class::Denied(Rule::DenyVolumesFrom) => &[Rule::DenyVolumesFrom],
            Class::Denied(Rule::DenyApiSocket) => &[Rule::DenyApiSocket],
            Class::Denied(Rule::DenyEnvHost) => &[Rule::DenyEnvHost],
            Class::Denied(Rule::DenyCeiling) => &[Rule::DenyCeiling],
            Class::Denied(Rule::DenyEngineRedirect) => &[Rule::DenyEngineRedirect],
            Class::Denied(Rule::DenyNetworkOption) => &[Rule::DenyNetworkOption],
            Class::Denied(_) => &[Rule::DenyFlag],
        }
    }
}

/// docs/FLAGS.md: every flag of every table with its class and rules (a test holds the file
/// equal to this).
pub fn docs_table() -> String {
    let mut s = String::from(
        "# Flags and their security classes\n\nGenerated from the flag table (`src/flags.rs`); `tests/it/docs_rules.rs` fails when it drifts \\\n(`NANOCLAW_SHIM_BLESS=1 cargo test --test it docs_rules` rewrites it). Every flag docker's grammar\nknows has a class; a flag that is not here is refused as unknown. docs/RULES.md describes each\nrule; \"podman-only\" flags are refused by `deny.podman-only` unless allowed by name. \"a list\"\nin the podman column: podman reads the value as comma-separated elements, each judged.\n",
    );
    for (title, table) in [
        ("docker's global flags", Table::Global),
        ("run / create", Table::Run),
        ("exec", Table::Exec),
        ("update", Table::Update),
    ] {
        s.push_str(&format!(
            "\n## {title}\n\n| flag | class | rules | docker | podman |\n|---|---|---|---|---|\n"
        ));
        for f in table.flags() {
            let short = f.short.map_or(String::new(), |c| format!(", `-{c}`"));
            let alias = f
                .alias_of
                .map_or(String::new(), |a| format!(" (alias of `--{a}`)"));
            let rules: Vec<String> = f.class.rules().iter().map(|r| format!("`{r}`")).collect();
            let docker = match f.docker {
                Docker::No => "podman-only".to_string(),
                Docker::Added(v) => format!("podman-only (`={v}` passes)"),
                Docker::Yes | Docker::Hidden => "yes".to_string(),
            };
            let podman = match f.podman {
                Podman::Yes | Podman::Hidden if f.podman_list => "yes, a list".to_string(),
                Podman::Yes | Podman::Hidden => "yes".to_string(),
                Podman::Rename(to) => format!("as `--{to}`"),
                Podman::No => "no".to_string(),
            };
            s.push_str(&format!(
                "| `--{}`{short}{alias} | {} | {} | {docker} | {podman} |\n",
                f.long,
                f.class.as_str(),
                rules.join(" ")
            ));
        }
    }
    s
}

/// The longest long name a flag may have.
pub const NAME_MAX: usize = 24;

/// A flag's long name, held in the row itself. A table of `&'static str` is a table of
/// pointers, which a position-independent binary must relocate at every start: the kernel then
/// copies each of its pages for the process (about 2 µs a page, on every `docker` call). A
/// pointer-free table stays in read-only data, shared and never copied.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Name {
    len: u8,
    bytes: [u8; NAME_MAX],
}

impl Name {
    /// `name` as a row holds it; an empty, overlong or non-ASCII name does not build:
    ///
    /// ```compile_fail
    /// const TOO_LONG: nanoclaw_shim::flags::Name =
    ///     nanoclaw_shim::flags::Name::new("a-flag-name-of-thirty-bytes");
    /// ```
    pub const fn new(name: &str) -> Name {
        let b = name.as_bytes();
        assert!(
            !b.is_empty() && b.len() <= NAME_MAX,
            "a flag name is 1 to NAME_MAX bytes"
        );
        let mut bytes = [0; NAME_MAX];
        let mut i = 0;
        while i < b.len() {
            assert!(b[i].is_ascii(), "flag names are ASCII");
            bytes[i] = b[i];
            i += 1;
        }
        Name {
            len: b.len() as u8,
            bytes,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    pub fn as_str(&self) -> &str {
        // ASCII by construction (`new`), so this never takes the fallback.
        std::str::from_utf8(self.as_bytes()).unwrap_or("")
    }

    const fn eq_str(&self, other: &str) -> bool {
        let o = other.as_bytes();
        if o.len() != self.len as usize {
            return false;
        }
        let mut i = 0;
        while i < o.len() {
            if self.bytes[i] != o[i] {
                return false;
            }
            i += 1;
        }
        true
    }
}

/// Text held in a table row rather than pointed to, for the reason [`Name`] is: up to `N`
/// bytes of UTF-8 (`N` below 256).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Inline<const N: usize> {
    len: u8,
    bytes: [u8; N],
}

impl<const N: usize> Inline<N> {
    /// `text` as a row holds it; text longer than `N` bytes does not build.
    pub const fn new(text: &str) -> Self {
        let b = text.as_bytes();
        assert!(N < 256 && b.len() <= N, "the text is longer than its row holds");
        let mut bytes = [0; N];
        let mut i = 0;
        while i < b.len() {
            bytes[i] = b[i];
            i += 1;
        }
        Inline {
            len: b.len() as u8,
            bytes,
        }
    }

    pub fn as_str(&self) -> &str {
        // Whole UTF-8 by construction (`new` copies a `&str` entire), so this never falls back.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

impl<const N: usize> std::fmt::Debug for Inline<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> std::fmt::Display for Inline<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

/// A row's name (the tables' shorthand for [`Name::new`]).
const fn n(name: &str) -> Name {
    Name::new(name)
}

/// One `run` / `create` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag {
    /// Long name without the leading `--`.
    pub long: Name,
    pub short: Option<char>,
    pub arity: Arity,
    pub docker: Docker,
    pub podman: Podman,
    /// For aliases: the long name of the flag whose setting this one writes (`net` → `network`).
    pub alias_of: Option<Name>,
    /// The security meaning of the setting.
    pub class: Class,
    /// Whether podman (4.3 to 5.x) reads the value as a comma-separated list (pflag's
    /// `StringSlice`, quoted fields as in CSV) where docker takes it whole: `--log-opt
    /// tag=a,path=~/.bashrc` is two options to podman 4.3. The deny checks judge each element
    /// ([`podman_list_elements`]). podman 5 reads some of these whole again; the table holds
    /// the union, so a check never misses an element.
    pub podman_list: bool,
}

/// The elements podman could read from a list flag's value ([`Flag::podman_list`]), or `None`
/// when it is one element: the CSV fields as pflag reads them ([`crate::govalue::csv_fields`];
/// none when podman would refuse the value), and also every piece between commas and line
/// breaks regardless of quotes, so that whichever way a version reads it, each element is
/// judged (a quoted element is judged whole and in pieces: stricter, never looser).
pub fn podman_list_elements(v: &[u8]) -> Option<Vec<Vec<u8>>> {
    if !v.iter().any(|&b| matches!(b, b',' | b'\n' | b'\r' | b'"')) {
        return None;
    }
    let mut out = crate::govalue::csv_fields(v).unwrap_or_default();
    // Each piece once, looked up in a set: a scan of `out` per piece took 24 s for fourteen
    // values of 130 KB (the look `gz`).
    let mut seen: std::collections::HashSet<Vec<u8>> = out.iter().cloned().collect();
    for piece in v.split(|&b| matches!(b, b',' | b'\n' | b'\r')) {
        let piece: Vec<u8> = piece.iter().copied().filter(|&b| b != b'"').collect();
        if seen.insert(piece.clone()) {
            out.push(piece);
        }
    }
    Some(out)
}

impl Flag {
    /// The long name of the setting this flag writes, aliases resolved.
    pub fn canonical(&self) -> &str {
        self.canonical_name().as_str()
    }

    /// The same as a [`Name`], compared as bytes (no UTF-8 check: settings are looked up
    /// across every option many times per call).
    pub fn canonical_name(&self) -> &Name {
        self.alias_of.as_ref().unwrap_or(&self.long)
    }
}

use crate::rules::Rule;
use Arity::{Bool, Value};
use Class::{
    Annotation, Capability, Ceiling, ContainerName, Denied, Environment, Hardening, Health, HostRead,
    HostWrite, Inert, Label, LogDriver, Logging, Mount, Namespace, Network, Restart, SecurityOpt, User,
};

/// The log levels of podman's `--log-level` that do not print the argv (compared without regard
/// to case, as logrus parses them). An allow-list: a level podman adds later is refused until
/// someone reads what it prints.
const QUIET_LOG_LEVELS: &[&[u8]] = &[b"info", b"warn", b"warning", b"error", b"fatal", b"panic"];

/// Whether a [`Class::Logging`] flag set to `value` (`None`: a boolean flag given bare) makes
/// the runtime print every argument: podman's debug level logs its whole command line, `-e`
/// values included, on stderr, and `-D` is podman's hidden "debug" alias. A boolean is off only
/// when its value says false; a level passes only when it is on [`QUIET_LOG_LEVELS`].
pub fn logs_arguments(flag: &Flag, value: Option<&[u8]>) -> bool {
    match (flag.arity, value) {
        (Arity::Bool, None) => true,
        (Arity::Bool, Some(v)) => crate::govalue::bool_value(v) != Some(false),
        (Arity::Value, v) => {
            let v = v.unwrap_or_default();
            !QUIET_LOG_LEVELS.iter().any(|q| q.eq_ignore_ascii_case(v))
        }
    }
}

/// Every `run` / `create` flag of docker 28 and podman 4.3 – 5.x, sorted by long name.
pub static FLAGS: &[Flag] = RUN_TABLE;

#[rustfmt::skip]
const RUN_TABLE: &[Flag] = &[
    Flag { long: n("add-host"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: true },
    Flag { long: n("annotation"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Annotation, podman_list: true },
    Flag { long: n("arch"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("attach"), short: Some('a'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: true },
    Flag { long: n("authfile"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostRead, podman_list: false },
    Flag { long: n("blkio-weight"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("blkio-weight-device"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: true },
    Flag { long: n("cap-add"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Capability, podman_list: true },
    Flag { long: n("cap-drop"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Capability, podman_list: true },
    Flag { long: n("cert-dir"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostRead, podman_list: false },
    Flag { long: n("cgroup-conf"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyCeiling), podman_list: true },
    Flag { long: n("cgroup-parent"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyCeiling), podman_list: false },
    Flag { long: n("cgroupns"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Namespace, podman_list: false },
    Flag { long: n("cgroups"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyCeiling), podman_list: false },
    Flag { long: n("chrootdirs"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: true },
    Flag { long: n("cidfile"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: HostWrite, podman_list: false },
    Flag { long: n("conmon-pidfile"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostWrite, podman_list: false },
    Flag { long: n("cpu-count"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("cpu-percent"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("cpu-period"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("cpu-quota"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("cpu-rt-period"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("cpu-rt-runtime"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("cpu-shares"), short: Some('c'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("cpus"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("cpuset-cpus"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("cpuset-mems"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("creds"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyFlag), podman_list: false },
    Flag { long: n("decryption-key"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostRead, podman_list: false },
    Flag { long: n("detach"), short: Some('d'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("detach-keys"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("device"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyDevice), podman_list: true },
    Flag { long: n("device-cgroup-rule"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyDevice), podman_list: true },
    Flag { long: n("device-read-bps"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: true },
    Flag { long: n("device-read-iops"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: true },
    Flag { long: n("device-write-bps"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: true },
    Flag { long: n("device-write-iops"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: true },
    Flag { long: n("disable-content-trust"), short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("dns"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: true },
    Flag { long: n("dns-opt"), short: None, arity: Value, docker: Docker::Hidden, podman: Podman::Hidden, alias_of: Some(n("dns-option")), class: Inert, podman_list: true },
    Flag { long: n("dns-option"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: true },
    Flag { long: n("dns-search"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: true },
    Flag { long: n("domainname"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("entrypoint"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("env"), short: Some('e'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Environment, podman_list: false },
    Flag { long: n("env-file"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: HostRead, podman_list: true },
    Flag { long: n("env-host"), short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyEnvHost), podman_list: false },
    Flag { long: n("env-merge"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("expose"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: true },
    Flag { long: n("gidmap"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: User, podman_list: true },
    Flag { long: n("gpus"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyDevice), podman_list: true },
    Flag { long: n("group-add"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: User, podman_list: true },
    Flag { long: n("group-entry"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("health-cmd"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Health, podman_list: false },
    Flag { long: n("health-interval"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Health, podman_list: false },
    Flag { long: n("health-log-destination"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostWrite, podman_list: false },
    Flag { long: n("health-max-log-count"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("health-max-log-size"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("health-on-failure"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("health-retries"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Health, podman_list: false },
    Flag { long: n("health-start-interval"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Health, podman_list: false },
    Flag { long: n("health-start-period"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Health, podman_list: false },
    Flag { long: n("health-startup-cmd"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Health, podman_list: false },
    Flag { long: n("health-startup-interval"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Health, podman_list: false },
    Flag { long: n("health-startup-retries"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Health, podman_list: false },
    Flag { long: n("health-startup-success"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Health, podman_list: false },
    Flag { long: n("health-startup-timeout"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Health, podman_list: false },
    Flag { long: n("health-timeout"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Health, podman_list: false },
    Flag { long: n("healthcheck-command"), short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: Some(n("health-cmd")), class: Health, podman_list: false },
    Flag { long: n("healthcheck-interval"), short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: Some(n("health-interval")), class: Health, podman_list: false },
    Flag { long: n("healthcheck-retries"), short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: Some(n("health-retries")), class: Health, podman_list: false },
    Flag { long: n("healthcheck-start-period"), short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: Some(n("health-start-period")), class: Health, podman_list: false },
    Flag { long: n("healthcheck-timeout"), short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: Some(n("health-timeout")), class: Health, podman_list: false },
    Flag { long: n("help"), short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("hostname"), short: Some('h'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyNetworkOption), podman_list: false },
    Flag { long: n("hosts-file"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostRead, podman_list: false },
    Flag { long: n("hostuser"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: User, podman_list: true },
    Flag { long: n("http-proxy"), short: None, arity: Bool, docker: Docker::Added("false"), podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("image-volume"), short: None, arity: Value, docker: Docker::Added("tmpfs"), podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("init"), short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("init-ctr"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("init-path"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostRead, podman_list: false },
    Flag { long: n("interactive"), short: Some('i'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("io-maxbandwidth"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("io-maxiops"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("ip"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyNetworkOption), podman_list: false },
    Flag { long: n("ip6"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyNetworkOption), podman_list: false },
    Flag { long: n("ipc"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Namespace, podman_list: false },
    Flag { long: n("isolation"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("kernel-memory"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Hidden, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("label"), short: Some('l'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Label, podman_list: false },
    Flag { long: n("label-file"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: HostRead, podman_list: true },
    Flag { long: n("link"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("link-local-ip"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("log-driver"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: LogDriver, podman_list: false },
    Flag { long: n("log-opt"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: HostWrite, podman_list: true },
    Flag { long: n("mac-address"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyNetworkOption), podman_list: false },
    Flag { long: n("memory"), short: Some('m'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("memory-reservation"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("memory-swap"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("memory-swappiness"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("mount"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Mount, podman_list: false },
    Flag { long: n("name"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: ContainerName, podman_list: false },
    Flag { long: n("net"), short: None, arity: Value, docker: Docker::Hidden, podman: Podman::Hidden, alias_of: Some(n("network")), class: Namespace, podman_list: false },
    Flag { long: n("net-alias"), short: None, arity: Value, docker: Docker::Hidden, podman: Podman::Rename(n("network-alias")), alias_of: Some(n("network-alias")), class: Denied(Rule::DenyNetworkOption), podman_list: true },
    Flag { long: n("network"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Namespace, podman_list: false },
    Flag { long: n("network-alias"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyNetworkOption), podman_list: true },
    Flag { long: n("no-healthcheck"), short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Health, podman_list: false },
    Flag { long: n("no-hostname"), short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("no-hosts"), short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("oom-kill-disable"), short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("oom-score-adj"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("os"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("override-arch"), short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: Some(n("arch")), class: Inert, podman_list: false },
    Flag { long: n("override-os"), short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: Some(n("os")), class: Inert, podman_list: false },
    Flag { long: n("override-variant"), short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: Some(n("variant")), class: Inert, podman_list: false },
    Flag { long: n("passwd"), short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("passwd-entry"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("personality"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("pid"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Namespace, podman_list: false },
    Flag { long: n("pidfile"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostWrite, podman_list: false },
    Flag { long: n("pids-limit"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("platform"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("pod"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyFlag), podman_list: false },
    Flag { long: n("pod-id-file"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostRead, podman_list: false },
    Flag { long: n("preserve-fd"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyFlag), podman_list: false },
    Flag { long: n("preserve-fds"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyFlag), podman_list: false },
    Flag { long: n("privileged"), short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Capability, podman_list: false },
    Flag { long: n("publish"), short: Some('p'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Network, podman_list: true },
    Flag { long: n("publish-all"), short: Some('P'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Network, podman_list: false },
    Flag { long: n("pull"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("quiet"), short: Some('q'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("rdt-class"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("read-only"), short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Hardening, podman_list: false },
    Flag { long: n("read-only-tmpfs"), short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("replace"), short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("requires"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: true },
    Flag { long: n("restart"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Restart, podman_list: false },
    Flag { long: n("retry"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("retry-delay"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("rm"), short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("rmi"), short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("rootfs"), short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Mount, podman_list: false },
    Flag { long: n("runtime"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyFlag), podman_list: false },
    Flag { long: n("sdnotify"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyFlag), podman_list: false },
    Flag { long: n("seccomp-policy"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostRead, podman_list: false },
    Flag { long: n("secret"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("security-opt"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: SecurityOpt, podman_list: false },
    Flag { long: n("shm-size"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("shm-size-systemd"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("sig-proxy"), short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("signature-policy"), short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: None, class: HostRead, podman_list: false },
    Flag { long: n("stop-signal"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("stop-timeout"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("storage-opt"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("subgidname"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: User, podman_list: false },
    Flag { long: n("subuidname"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: User, podman_list: false },
    Flag { long: n("sysctl"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: true },
    Flag { long: n("systemd"), short: None, arity: Value, docker: Docker::Added("false"), podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("timeout"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("tls-verify"), short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("tmpfs"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Mount, podman_list: false },
    Flag { long: n("tty"), short: Some('t'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("tz"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("uidmap"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: User, podman_list: true },
    Flag { long: n("ulimit"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: true },
    Flag { long: n("umask"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("unsetenv"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("unsetenv-all"), short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("use-api-socket"), short: None, arity: Bool, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyApiSocket), podman_list: false },
    Flag { long: n("user"), short: Some('u'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: User, podman_list: false },
    Flag { long: n("userns"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Namespace, podman_list: false },
    Flag { long: n("uts"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Namespace, podman_list: false },
    Flag { long: n("variant"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("volume"), short: Some('v'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Mount, podman_list: false },
    Flag { long: n("volume-driver"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyFlag), podman_list: false },
    Flag { long: n("volumes-from"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyVolumesFrom), podman_list: false },
    Flag { long: n("workdir"), short: Some('w'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
];

/// `exec` flags of docker 28 and podman 4.3 – 5.x, sorted by long name.
pub static EXEC_FLAGS: &[Flag] = EXEC_TABLE;

#[rustfmt::skip]
const EXEC_TABLE: &[Flag] = &[
    Flag { long: n("detach"), short: Some('d'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("detach-keys"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("env"), short: Some('e'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Environment, podman_list: false },
    Flag { long: n("env-file"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: HostRead, podman_list: true },
    Flag { long: n("help"), short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("interactive"), short: Some('i'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("latest"), short: Some('l'), arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: ContainerName, podman_list: false },
    Flag { long: n("preserve-fd"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyFlag), podman_list: false },
    Flag { long: n("preserve-fds"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyFlag), podman_list: false },
    Flag { long: n("privileged"), short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Capability, podman_list: false },
    Flag { long: n("tty"), short: Some('t'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("user"), short: Some('u'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: User, podman_list: false },
    Flag { long: n("workdir"), short: Some('w'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
];

/// `update` flags of docker 28 and podman 4.3 – 5.x, sorted by long name.
pub static UPDATE_FLAGS: &[Flag] = UPDATE_TABLE;

#[rustfmt::skip]
const UPDATE_TABLE: &[Flag] = &[
    Flag { long: n("blkio-weight"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("blkio-weight-device"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: true },
    Flag { long: n("cpu-period"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("cpu-quota"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("cpu-rt-period"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("cpu-rt-runtime"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("cpu-shares"), short: Some('c'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("cpus"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("cpuset-cpus"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("cpuset-mems"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("device-read-bps"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: true },
    Flag { long: n("device-read-iops"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: true },
    Flag { long: n("device-write-bps"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: true },
    Flag { long: n("device-write-iops"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: true },
    Flag { long: n("env"), short: Some('e'), arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Environment, podman_list: false },
    Flag { long: n("help"), short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("kernel-memory"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("latest"), short: Some('l'), arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: ContainerName, podman_list: false },
    Flag { long: n("memory"), short: Some('m'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("memory-reservation"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("memory-swap"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("memory-swappiness"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("pids-limit"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling, podman_list: false },
    Flag { long: n("restart"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Restart, podman_list: false },
    Flag { long: n("unsetenv"), short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
];

/// The id of a setting: a flag's canonical long name, checked against the tables when the
/// program is compiled. Code asks for options by `Setting`, never by free text, so a typo
/// (`setting!("memroy")`) does not build instead of silently matching nothing (failing open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting(&'static str);

impl Setting {
    /// The setting named `name`; a compile-time error (in const context, which `setting!`
    /// forces) when no table has a canonical flag of that name.
    pub const fn of(name: &'static str) -> Setting {
        let tables = [RUN_TABLE, EXEC_TABLE, UPDATE_TABLE, GLOBAL_TABLE];
        let mut t = 0;
        while t < tables.len() {
            let table = tables[t];
            let mut i = 0;
            while i < table.len() {
                if table[i].alias_of.is_none() && table[i].long.eq_str(name) {
                    return Setting(name);
                }
                i += 1;
            }
            t += 1;
        }
        panic!("no canonical flag of that name in the flag table");
    }

    /// The canonical long name (without `--`).
    pub fn name(self) -> &'static str {
        self.0
    }
}

/// A [`Setting`] by name, checked when the program is compiled:
///
/// ```
/// assert_eq!(nanoclaw_shim::setting!("memory").name(), "memory");
/// ```
///
/// ```compile_fail
/// // A typo does not build (it would otherwise match nothing: a check failing open).
/// let _ = nanoclaw_shim::setting!("memroy");
/// ```
///
/// ```compile_fail
/// // Neither does an alias: options are found by their canonical setting.
/// let _ = nanoclaw_shim::setting!("net");
/// ```
#[macro_export]
macro_rules! setting {
    ($name:literal) => {{
        const S: $crate::flags::Setting = $crate::flags::Setting::of($name);
        S
    }};
}

/// docker's global flags (before the subcommand). Those that send the command to another engine
/// or read another client configuration are denied; the rest only change docker's own output.
pub static GLOBAL_FLAGS: &[Flag] = GLOBAL_TABLE;

#[rustfmt::skip]
const GLOBAL_TABLE: &[Flag] = &[
    Flag { long: n("config"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyEngineRedirect), podman_list: false },
    Flag { long: n("context"), short: Some('c'), arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyEngineRedirect), podman_list: false },
    Flag { long: n("debug"), short: Some('D'), arity: Bool, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Logging, podman_list: false },
    Flag { long: n("help"), short: Some('h'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
    Flag { long: n("host"), short: Some('H'), arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyEngineRedirect), podman_list: false },
    Flag { long: n("log-level"), short: Some('l'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Logging, podman_list: false },
    Flag { long: n("tls"), short: None, arity: Bool, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyEngineRedirect), podman_list: false },
    Flag { long: n("tlscacert"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyEngineRedirect), podman_list: false },
    Flag { long: n("tlscert"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyEngineRedirect), podman_list: false },
    Flag { long: n("tlskey"), short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyEngineRedirect), podman_list: false },
    Flag { long: n("tlsverify"), short: None, arity: Bool, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyEngineRedirect), podman_list: false },
    Flag { long: n("version"), short: Some('v'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert, podman_list: false },
];

/// Which command a flag table belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// docker's global flags.
    Global,
    /// `run` and `create`.
    Run,
    Exec,
    Update,
}

impl Table {
    pub fn flags(self) -> &'static [Flag] {
        match self {
            Table::Global => GLOBAL_FLAGS,
            Table::Run => FLAGS,
            Table::Exec => EXEC_FLAGS,
            Table::Update => UPDATE_FLAGS,
        }
    }

    /// Looks up a flag by its long name (without `--`).
    pub fn by_long(self, name: &str) -> Option<&'static Flag> {
        let flags = self.flags();
        flags
            .binary_search_by(|f| f.long.as_bytes().cmp(name.as_bytes()))
            .ok()
            .map(|i| &flags[i])
    }

    /// Looks up a flag by its short letter (one index read: nanoclaw's argv is mostly `-e` and
    /// `-v`, and a scan of the table per letter was a third of parsing it).
    pub fn by_short(self, letter: char) -> Option<&'static Flag> {
        let index = match self {
            Table::Global => &GLOBAL_SHORT,
            Table::Run => &RUN_SHORT,
            Table::Exec => &EXEC_SHORT,
            Table::Update => &UPDATE_SHORT,
        };
        let at = *index.get(usize::try_from(u32::from(letter)).ok()?)?;
        self.flags().get(usize::from(at))
    }
}

/// Per ASCII letter, the row of `table` whose short letter it is, or `u8::MAX`; computed from
/// the table when the program is compiled, so the table stays the one source.
const fn short_index(table: &[Flag]) -> [u8; 128] {
    assert!(table.len() < u8::MAX as usize, "the index holds rows in a u8");
    let mut index = [u8::MAX; 128];
    let mut i = 0;
    while i < table.len() {
        if let Some(c) = table[i].short {
            assert!(c.is_ascii(), "short letters are ASCII");
            assert!(index[c as usize] == u8::MAX, "short letters are unique");
            index[c as usize] = i as u8;
        }
        i += 1;
    }
    index
}

static GLOBAL_SHORT: [u8; 128] = short_index(GLOBAL_TABLE);
static RUN_SHORT: [u8; 128] = short_index(RUN_TABLE);
static EXEC_SHORT: [u8; 128] = short_index(EXEC_TABLE);
static UPDATE_SHORT: [u8; 128] = short_index(UPDATE_TABLE);

/// Looks up a `run` / `create` flag by its long name (without `--`).
pub fn by_long(name: &str) -> Option<&'static Flag> {
    Table::Run.by_long(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for pair in FLAGS
            .windows(2)
            .chain(EXEC_FLAGS.windows(2))
            .chain(UPDATE_FLAGS.windows(2))
            .chain(GLOBAL_FLAGS.windows(2))
        {
            assert!(
                pair[0].long.as_str() < pair[1].long.as_str(),
                "{} before {}",
                pair[0].long,
                pair[1].long
            );
        }
    }

    #[test]
    fn short_letters_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for f in FLAGS {
            if let Some(c) = f.short {
                assert!(seen.insert(c), "-{c} used twice");
            }
        }
    }

    #[test]
    fn the_short_index_agrees_with_the_table() {
        for table in [Table::Global, Table::Run, Table::Exec, Table::Update] {
            for c in (0..=255u8).map(char::from).chain(['é', '\u{2014}']) {
                let scanned = table.flags().iter().find(|f| f.short == Some(c));
                assert_eq!(table.by_short(c), scanned, "{table:?} -{c}");
            }
        }
    }

    #[test]
    fn aliases_point_at_real_flags() {
        for f in FLAGS {
            if let Some(target) = f.alias_of {
                assert!(
                    by_long(target.as_str()).is_some(),
                    "{} aliases unknown {target}",
                    f.long
                );
            }
        }
    }
}
