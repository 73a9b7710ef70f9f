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
}

/// How podman's `run` / `create` treats a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Podman {
    Yes,
    /// Accepted but absent from `--help`.
    Hidden,
    /// Rejected under this name; podman accepts the same setting under another name.
    Rename(&'static str),
    /// Rejected (or parsed as a podman *global* flag with another meaning).
    No,
}

/// What a setting means for security. Every row of every table carries one, so a flag cannot be
/// added without deciding what it is; [`crate::deny`] handles each class in one exhaustive match.
/// The shim is default-deny: a setting is let through because its class says why it is safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// No effect outside the container (names, labels, entrypoint, environment, DNS, restart).
    Inert,
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
    /// A setting the policy's hardening owns (`--read-only`).
    Hardening,
    /// Refused unless the policy allows the flag by name; the rule says why.
    Denied(Rule),
}

impl Class {
    /// Short name for docs and `explain`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Inert => "inert",
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
            Class::Hardening => "hardening",
            Class::Denied(_) => "denied by default",
        }
    }

    /// The rules the checks of this class can report (for docs/FLAGS.md).
    pub fn rules(self) -> &'static [Rule] {
        match self {
            Class::Inert => &[],
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
            ],
            Class::Mount => &[
                Rule::DenySensitiveMount,
                Rule::DenyCredentials,
                Rule::DenyHostExec,
                Rule::DenyWritableRoot,
                Rule::DenyMountPropagation,
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
            Class::Hardening => &[Rule::HardenReadOnly],
            Class::Denied(Rule::DenyDevice) => &[Rule::DenyDevice],
            Class::Denied(Rule::DenyVolumesFrom) => &[Rule::DenyVolumesFrom],
            Class::Denied(Rule::DenyApiSocket) => &[Rule::DenyApiSocket],
            Class::Denied(Rule::DenyEnvHost) => &[Rule::DenyEnvHost],
            Class::Denied(Rule::DenyCeiling) => &[Rule::DenyCeiling],
            Class::Denied(Rule::DenyEngineRedirect) => &[Rule::DenyEngineRedirect],
            Class::Denied(_) => &[Rule::DenyFlag],
        }
    }
}

/// docs/FLAGS.md: every flag of every table with its class and rules (a test holds the file
/// equal to this).
pub fn docs_table() -> String {
    let mut s = String::from(
        "# Flags and their security classes\n\nGenerated from the flag table (`src/flags.rs`); `tests/it/docs_rules.rs` fails when it drifts \\\n(`NANOCLAW_SHIM_BLESS=1 cargo test --test it docs_rules` rewrites it). Every flag docker's grammar\nknows has a class; a flag that is not here is refused as unknown. docs/RULES.md describes each\nrule; \"podman-only\" flags are refused by `deny.podman-only` unless allowed by name.\n",
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
                Docker::No => "podman-only",
                _ => "yes",
            };
            let podman = match f.podman {
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

/// One `run` / `create` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag {
    /// Long name without the leading `--`.
    pub long: &'static str,
    pub short: Option<char>,
    pub arity: Arity,
    pub docker: Docker,
    pub podman: Podman,
    /// For aliases: the long name of the flag whose setting this one writes (`net` → `network`).
    pub alias_of: Option<&'static str>,
    /// The security meaning of the setting.
    pub class: Class,
}

impl Flag {
    /// The long name of the setting this flag writes, aliases resolved.
    pub fn canonical(&self) -> &'static str {
        self.alias_of.unwrap_or(self.long)
    }
}

use crate::rules::Rule;
use Arity::{Bool, Value};
use Class::{
    Annotation, Capability, Ceiling, Denied, Hardening, HostRead, HostWrite, Inert, Mount, Namespace,
    Network, SecurityOpt, User,
};

/// Every `run` / `create` flag of docker 28 and podman 4.3 – 5.x, sorted by long name.
pub static FLAGS: &[Flag] = RUN_TABLE;

#[rustfmt::skip]
const RUN_TABLE: &[Flag] = &[
    Flag { long: "add-host", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "annotation", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Annotation },
    Flag { long: "arch", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "attach", short: Some('a'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "authfile", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostRead },
    Flag { long: "blkio-weight", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "blkio-weight-device", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "cap-add", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Capability },
    Flag { long: "cap-drop", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Capability },
    Flag { long: "cert-dir", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostRead },
    Flag { long: "cgroup-conf", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyCeiling) },
    Flag { long: "cgroup-parent", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyCeiling) },
    Flag { long: "cgroupns", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Namespace },
    Flag { long: "cgroups", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyCeiling) },
    Flag { long: "chrootdirs", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "cidfile", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: HostWrite },
    Flag { long: "conmon-pidfile", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostWrite },
    Flag { long: "cpu-count", short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Ceiling },
    Flag { long: "cpu-percent", short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Ceiling },
    Flag { long: "cpu-period", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "cpu-quota", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "cpu-rt-period", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "cpu-rt-runtime", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "cpu-shares", short: Some('c'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "cpus", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "cpuset-cpus", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "cpuset-mems", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "creds", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyFlag) },
    Flag { long: "decryption-key", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostRead },
    Flag { long: "detach", short: Some('d'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "detach-keys", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "device", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyDevice) },
    Flag { long: "device-cgroup-rule", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyDevice) },
    Flag { long: "device-read-bps", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "device-read-iops", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "device-write-bps", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "device-write-iops", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "disable-content-trust", short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "dns", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "dns-opt", short: None, arity: Value, docker: Docker::Hidden, podman: Podman::Hidden, alias_of: Some("dns-option"), class: Inert },
    Flag { long: "dns-option", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "dns-search", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "domainname", short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Inert },
    Flag { long: "entrypoint", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "env", short: Some('e'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "env-file", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: HostRead },
    Flag { long: "env-host", short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyEnvHost) },
    Flag { long: "env-merge", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "expose", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "gidmap", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: User },
    Flag { long: "gpus", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyDevice) },
    Flag { long: "group-add", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: User },
    Flag { long: "group-entry", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "health-cmd", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "health-interval", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "health-log-destination", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostWrite },
    Flag { long: "health-max-log-count", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "health-max-log-size", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "health-on-failure", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "health-retries", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "health-start-interval", short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Inert },
    Flag { long: "health-start-period", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "health-startup-cmd", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "health-startup-interval", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "health-startup-retries", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "health-startup-success", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "health-startup-timeout", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "health-timeout", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "healthcheck-command", short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: Some("health-cmd"), class: Inert },
    Flag { long: "healthcheck-interval", short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: Some("health-interval"), class: Inert },
    Flag { long: "healthcheck-retries", short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: Some("health-retries"), class: Inert },
    Flag { long: "healthcheck-start-period", short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: Some("health-start-period"), class: Inert },
    Flag { long: "healthcheck-timeout", short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: Some("health-timeout"), class: Inert },
    Flag { long: "help", short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "hostname", short: Some('h'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "hosts-file", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostRead },
    Flag { long: "hostuser", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: User },
    Flag { long: "http-proxy", short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "image-volume", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "init", short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "init-ctr", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "init-path", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostRead },
    Flag { long: "interactive", short: Some('i'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "io-maxbandwidth", short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Ceiling },
    Flag { long: "io-maxiops", short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Ceiling },
    Flag { long: "ip", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "ip6", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "ipc", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Namespace },
    Flag { long: "isolation", short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Inert },
    Flag { long: "kernel-memory", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Hidden, alias_of: None, class: Ceiling },
    Flag { long: "label", short: Some('l'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "label-file", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: HostRead },
    Flag { long: "link", short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Inert },
    Flag { long: "link-local-ip", short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Inert },
    Flag { long: "log-driver", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "log-opt", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: HostWrite },
    Flag { long: "mac-address", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "memory", short: Some('m'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "memory-reservation", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "memory-swap", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "memory-swappiness", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "mount", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Mount },
    Flag { long: "name", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "net", short: None, arity: Value, docker: Docker::Hidden, podman: Podman::Hidden, alias_of: Some("network"), class: Namespace },
    Flag { long: "net-alias", short: None, arity: Value, docker: Docker::Hidden, podman: Podman::Rename("network-alias"), alias_of: Some("network-alias"), class: Inert },
    Flag { long: "network", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Namespace },
    Flag { long: "network-alias", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "no-healthcheck", short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "no-hostname", short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "no-hosts", short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "oom-kill-disable", short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "oom-score-adj", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "os", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "override-arch", short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: Some("arch"), class: Inert },
    Flag { long: "override-os", short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: Some("os"), class: Inert },
    Flag { long: "override-variant", short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: Some("variant"), class: Inert },
    Flag { long: "passwd", short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "passwd-entry", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "personality", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "pid", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Namespace },
    Flag { long: "pidfile", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostWrite },
    Flag { long: "pids-limit", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "platform", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "pod", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyFlag) },
    Flag { long: "pod-id-file", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostRead },
    Flag { long: "preserve-fd", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyFlag) },
    Flag { long: "preserve-fds", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyFlag) },
    Flag { long: "privileged", short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Capability },
    Flag { long: "publish", short: Some('p'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Network },
    Flag { long: "publish-all", short: Some('P'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Network },
    Flag { long: "pull", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "quiet", short: Some('q'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "rdt-class", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "read-only", short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Hardening },
    Flag { long: "read-only-tmpfs", short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "replace", short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "requires", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "restart", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "retry", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "retry-delay", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "rm", short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "rmi", short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "rootfs", short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Mount },
    Flag { long: "runtime", short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyFlag) },
    Flag { long: "sdnotify", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyFlag) },
    Flag { long: "seccomp-policy", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: HostRead },
    Flag { long: "secret", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "security-opt", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: SecurityOpt },
    Flag { long: "shm-size", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "shm-size-systemd", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "sig-proxy", short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "signature-policy", short: None, arity: Value, docker: Docker::No, podman: Podman::Hidden, alias_of: None, class: HostRead },
    Flag { long: "stop-signal", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "stop-timeout", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "storage-opt", short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Ceiling },
    Flag { long: "subgidname", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: User },
    Flag { long: "subuidname", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: User },
    Flag { long: "sysctl", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "systemd", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyCeiling) },
    Flag { long: "timeout", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "tls-verify", short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "tmpfs", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Mount },
    Flag { long: "tty", short: Some('t'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "tz", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "uidmap", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: User },
    Flag { long: "ulimit", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "umask", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "unsetenv", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "unsetenv-all", short: None, arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "use-api-socket", short: None, arity: Bool, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyApiSocket) },
    Flag { long: "user", short: Some('u'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: User },
    Flag { long: "userns", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Namespace },
    Flag { long: "uts", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Namespace },
    Flag { long: "variant", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "volume", short: Some('v'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Mount },
    Flag { long: "volume-driver", short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyFlag) },
    Flag { long: "volumes-from", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyVolumesFrom) },
    Flag { long: "workdir", short: Some('w'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
];

/// `exec` flags of docker 28 and podman 4.3 – 5.x, sorted by long name.
pub static EXEC_FLAGS: &[Flag] = EXEC_TABLE;

#[rustfmt::skip]
const EXEC_TABLE: &[Flag] = &[
    Flag { long: "detach", short: Some('d'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "detach-keys", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "env", short: Some('e'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "env-file", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: HostRead },
    Flag { long: "help", short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "interactive", short: Some('i'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "latest", short: Some('l'), arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "preserve-fd", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyFlag) },
    Flag { long: "preserve-fds", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Denied(Rule::DenyFlag) },
    Flag { long: "privileged", short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Capability },
    Flag { long: "tty", short: Some('t'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "user", short: Some('u'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: User },
    Flag { long: "workdir", short: Some('w'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
];

/// `update` flags of docker 28 and podman 4.3 – 5.x, sorted by long name.
pub static UPDATE_FLAGS: &[Flag] = UPDATE_TABLE;

#[rustfmt::skip]
const UPDATE_TABLE: &[Flag] = &[
    Flag { long: "blkio-weight", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "blkio-weight-device", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "cpu-period", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "cpu-quota", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "cpu-rt-period", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "cpu-rt-runtime", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "cpu-shares", short: Some('c'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "cpus", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "cpuset-cpus", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "cpuset-mems", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "device-read-bps", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "device-read-iops", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "device-write-bps", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "device-write-iops", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "env", short: Some('e'), arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "help", short: None, arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "kernel-memory", short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Ceiling },
    Flag { long: "latest", short: Some('l'), arity: Bool, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "memory", short: Some('m'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "memory-reservation", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "memory-swap", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "memory-swappiness", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "pids-limit", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Ceiling },
    Flag { long: "restart", short: None, arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "unsetenv", short: None, arity: Value, docker: Docker::No, podman: Podman::Yes, alias_of: None, class: Inert },
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
                if table[i].alias_of.is_none() && const_eq(table[i].long, name) {
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

const fn const_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
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
    Flag { long: "config", short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyEngineRedirect) },
    Flag { long: "context", short: Some('c'), arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyEngineRedirect) },
    Flag { long: "debug", short: Some('D'), arity: Bool, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Inert },
    Flag { long: "help", short: Some('h'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "host", short: Some('H'), arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyEngineRedirect) },
    Flag { long: "log-level", short: Some('l'), arity: Value, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
    Flag { long: "tls", short: None, arity: Bool, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyEngineRedirect) },
    Flag { long: "tlscacert", short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyEngineRedirect) },
    Flag { long: "tlscert", short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyEngineRedirect) },
    Flag { long: "tlskey", short: None, arity: Value, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyEngineRedirect) },
    Flag { long: "tlsverify", short: None, arity: Bool, docker: Docker::Yes, podman: Podman::No, alias_of: None, class: Denied(Rule::DenyEngineRedirect) },
    Flag { long: "version", short: Some('v'), arity: Bool, docker: Docker::Yes, podman: Podman::Yes, alias_of: None, class: Inert },
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
            .binary_search_by(|f| f.long.cmp(name))
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
                pair[0].long < pair[1].long,
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
                assert!(by_long(target).is_some(), "{} aliases unknown {target}", f.long);
            }
        }
    }
}
