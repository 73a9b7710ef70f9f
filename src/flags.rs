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

/// How repeats combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// The last occurrence wins.
    Scalar,
    /// Every occurrence accumulates (`-e`, `-v`, `--cap-add`, ...).
    List,
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

/// One `run` / `create` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag {
    /// Long name without the leading `--`.
    pub long: &'static str,
    pub short: Option<char>,
    pub arity: Arity,
    pub repeat: Repeat,
    pub docker: Docker,
    pub podman: Podman,
    /// For aliases: the long name of the flag whose setting this one writes (`net` → `network`).
    pub alias_of: Option<&'static str>,
}

impl Flag {
    /// The long name of the setting this flag writes, aliases resolved.
    pub fn canonical(&self) -> &'static str {
        self.alias_of.unwrap_or(self.long)
    }
}

use Arity::{Bool, Value};
use Repeat::{List, Scalar};

/// Every `run` / `create` flag of docker 28 and podman 4.3 – 5.x, sorted by long name.
#[rustfmt::skip]
pub static FLAGS: &[Flag] = &[
    Flag { long: "add-host", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "annotation", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "arch", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "attach", short: Some('a'), arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "authfile", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "blkio-weight", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "blkio-weight-device", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cap-add", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cap-drop", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cert-dir", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "cgroup-conf", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "cgroup-parent", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cgroupns", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cgroups", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "chrootdirs", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "cidfile", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "conmon-pidfile", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "cpu-count", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::No, alias_of: None },
    Flag { long: "cpu-percent", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::No, alias_of: None },
    Flag { long: "cpu-period", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cpu-quota", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cpu-rt-period", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cpu-rt-runtime", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cpu-shares", short: Some('c'), arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cpus", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cpuset-cpus", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cpuset-mems", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "creds", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "decryption-key", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "detach", short: Some('d'), arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "detach-keys", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "device", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "device-cgroup-rule", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "device-read-bps", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "device-read-iops", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "device-write-bps", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "device-write-iops", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "disable-content-trust", short: None, arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "dns", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "dns-opt", short: None, arity: Value, repeat: List, docker: Docker::Hidden, podman: Podman::Hidden, alias_of: Some("dns-option") },
    Flag { long: "dns-option", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "dns-search", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "domainname", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::No, alias_of: None },
    Flag { long: "entrypoint", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "env", short: Some('e'), arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "env-file", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "env-host", short: None, arity: Bool, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "env-merge", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "expose", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "gidmap", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "gpus", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "group-add", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "group-entry", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "health-cmd", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "health-interval", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "health-log-destination", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "health-max-log-count", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "health-max-log-size", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "health-on-failure", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "health-retries", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "health-start-interval", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::No, alias_of: None },
    Flag { long: "health-start-period", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "health-startup-cmd", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "health-startup-interval", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "health-startup-retries", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "health-startup-success", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "health-startup-timeout", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "health-timeout", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "healthcheck-command", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Hidden, alias_of: Some("health-cmd") },
    Flag { long: "healthcheck-interval", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Hidden, alias_of: Some("health-interval") },
    Flag { long: "healthcheck-retries", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Hidden, alias_of: Some("health-retries") },
    Flag { long: "healthcheck-start-period", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Hidden, alias_of: Some("health-start-period") },
    Flag { long: "healthcheck-timeout", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Hidden, alias_of: Some("health-timeout") },
    Flag { long: "help", short: None, arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "hostname", short: Some('h'), arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "hosts-file", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "hostuser", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "http-proxy", short: None, arity: Bool, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "image-volume", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "init", short: None, arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "init-ctr", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "init-path", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "interactive", short: Some('i'), arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "io-maxbandwidth", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::No, alias_of: None },
    Flag { long: "io-maxiops", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::No, alias_of: None },
    Flag { long: "ip", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "ip6", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "ipc", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "isolation", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::No, alias_of: None },
    Flag { long: "kernel-memory", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Hidden, alias_of: None },
    Flag { long: "label", short: Some('l'), arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "label-file", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "link", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::No, alias_of: None },
    Flag { long: "link-local-ip", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::No, alias_of: None },
    Flag { long: "log-driver", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "log-opt", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "mac-address", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "memory", short: Some('m'), arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "memory-reservation", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "memory-swap", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "memory-swappiness", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "mount", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "name", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "net", short: None, arity: Value, repeat: List, docker: Docker::Hidden, podman: Podman::Hidden, alias_of: Some("network") },
    Flag { long: "net-alias", short: None, arity: Value, repeat: List, docker: Docker::Hidden, podman: Podman::Rename("network-alias"), alias_of: Some("network-alias") },
    Flag { long: "network", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "network-alias", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "no-healthcheck", short: None, arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "no-hostname", short: None, arity: Bool, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "no-hosts", short: None, arity: Bool, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "oom-kill-disable", short: None, arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "oom-score-adj", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "os", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "override-arch", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Hidden, alias_of: Some("arch") },
    Flag { long: "override-os", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Hidden, alias_of: Some("os") },
    Flag { long: "override-variant", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Hidden, alias_of: Some("variant") },
    Flag { long: "passwd", short: None, arity: Bool, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "passwd-entry", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "personality", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "pid", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "pidfile", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "pids-limit", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "platform", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "pod", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "pod-id-file", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "preserve-fd", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "preserve-fds", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "privileged", short: None, arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "publish", short: Some('p'), arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "publish-all", short: Some('P'), arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "pull", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "quiet", short: Some('q'), arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "rdt-class", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "read-only", short: None, arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "read-only-tmpfs", short: None, arity: Bool, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "replace", short: None, arity: Bool, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "requires", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "restart", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "retry", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "retry-delay", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "rm", short: None, arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "rmi", short: None, arity: Bool, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "rootfs", short: None, arity: Bool, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "runtime", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::No, alias_of: None },
    Flag { long: "sdnotify", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "seccomp-policy", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "secret", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "security-opt", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "shm-size", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "shm-size-systemd", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "sig-proxy", short: None, arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "signature-policy", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Hidden, alias_of: None },
    Flag { long: "stop-signal", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "stop-timeout", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "storage-opt", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::No, alias_of: None },
    Flag { long: "subgidname", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "subuidname", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "sysctl", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "systemd", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "timeout", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "tls-verify", short: None, arity: Bool, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "tmpfs", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "tty", short: Some('t'), arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "tz", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "uidmap", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "ulimit", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "umask", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "unsetenv", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "unsetenv-all", short: None, arity: Bool, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "use-api-socket", short: None, arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::No, alias_of: None },
    Flag { long: "user", short: Some('u'), arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "userns", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "uts", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "variant", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "volume", short: Some('v'), arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "volume-driver", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::No, alias_of: None },
    Flag { long: "volumes-from", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "workdir", short: Some('w'), arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
];

/// `exec` flags of docker 28 and podman 4.3 – 5.x, sorted by long name.
#[rustfmt::skip]
pub static EXEC_FLAGS: &[Flag] = &[
    Flag { long: "detach", short: Some('d'), arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "detach-keys", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "env", short: Some('e'), arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "env-file", short: None, arity: Value, repeat: List, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "help", short: None, arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "interactive", short: Some('i'), arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "latest", short: Some('l'), arity: Bool, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "preserve-fd", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "preserve-fds", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "privileged", short: None, arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "tty", short: Some('t'), arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "user", short: Some('u'), arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "workdir", short: Some('w'), arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
];

/// `update` flags of docker 28 and podman 4.3 – 5.x, sorted by long name.
#[rustfmt::skip]
pub static UPDATE_FLAGS: &[Flag] = &[
    Flag { long: "blkio-weight", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "blkio-weight-device", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "cpu-period", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cpu-quota", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cpu-rt-period", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cpu-rt-runtime", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cpu-shares", short: Some('c'), arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cpus", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cpuset-cpus", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "cpuset-mems", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "device-read-bps", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "device-read-iops", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "device-write-bps", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "device-write-iops", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "env", short: Some('e'), arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "help", short: None, arity: Bool, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "kernel-memory", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::No, alias_of: None },
    Flag { long: "latest", short: Some('l'), arity: Bool, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "memory", short: Some('m'), arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "memory-reservation", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "memory-swap", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "memory-swappiness", short: None, arity: Value, repeat: Scalar, docker: Docker::No, podman: Podman::Yes, alias_of: None },
    Flag { long: "pids-limit", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "restart", short: None, arity: Value, repeat: Scalar, docker: Docker::Yes, podman: Podman::Yes, alias_of: None },
    Flag { long: "unsetenv", short: None, arity: Value, repeat: List, docker: Docker::No, podman: Podman::Yes, alias_of: None },
];

/// Which command a flag table belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// `run` and `create`.
    Run,
    Exec,
    Update,
}

impl Table {
    pub fn flags(self) -> &'static [Flag] {
        match self {
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

    /// Looks up a flag by its short letter.
    pub fn by_short(self, letter: char) -> Option<&'static Flag> {
        self.flags().iter().find(|f| f.short == Some(letter))
    }
}

/// Looks up a `run` / `create` flag by its long name (without `--`).
pub fn by_long(name: &str) -> Option<&'static Flag> {
    Table::Run.by_long(name)
}

/// Looks up a `run` / `create` flag by its short letter.
pub fn by_short(letter: char) -> Option<&'static Flag> {
    Table::Run.by_short(letter)
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
    fn aliases_point_at_real_flags() {
        for f in FLAGS {
            if let Some(target) = f.alias_of {
                assert!(by_long(target).is_some(), "{} aliases unknown {target}", f.long);
            }
        }
    }
}
