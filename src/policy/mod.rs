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

use std::path::PathBuf;

use crate::glob::Glob;
use crate::rules::Rule;
use crate::units::{self, NanoCpus};

pub mod compiled;
mod defaults;
mod diagnostics;
mod lookup;
mod reader;
mod show;
#[cfg(test)]
mod tests;

pub use defaults::*;
pub use diagnostics::{Code, Diagnostic, PolicyError, Severity, format_diagnostic};
pub use lookup::{LookupEnv, Origin, Text, load, load_remembered, locate};
pub use reader::{CAPABILITIES, did_you_mean, line_col, normalize_cap, parse, schema, shown_cap};

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

impl Rules {
    /// Each setting these rules hold weaker than the shipped default's, as the policy names it
    /// (`read_only = false`, `[limits] memory = off`, `[deny] privileged = false`): what an
    /// operator wrote setting by setting, as `exempt = true` does at once, and what `doctor`
    /// must not call hardened (the hundred-and-thirteenth look's).
    pub fn weakened(&self) -> Vec<String> {
        let shipped = Rules::default();
        let (h, d) = (&self.hardening, &shipped.hardening);
        let mut out = Vec::new();
        for (key, now, default) in [
            ("read_only", h.read_only, d.read_only),
            ("no_new_privileges", h.no_new_privileges, d.no_new_privileges),
            (
                "[podman] verify_mounts",
                self.podman.verify_mounts,
                shipped.podman.verify_mounts,
            ),
        ] {
            if default && !now {
                out.push(format!("{key} = false"));
            }
        }
        let all = |caps: &[String]| caps.iter().any(|c| c.eq_ignore_ascii_case("ALL"));
        if all(&d.drop_capabilities) && !all(&h.drop_capabilities) {
            out.push("drop_capabilities without ALL".into());
        }
        let added: Vec<&str> = h
            .allowed_capabilities
            .iter()
            .chain(
                h.keep_capabilities
                    .iter()
                    .filter(|c| !d.keep_capabilities.contains(c)),
            )
            .map(String::as_str)
            .collect();
        if !added.is_empty() {
            out.push(format!("capabilities allowed or kept: {}", added.join(", ")));
        }
        let (l, ld) = (&self.limits, &shipped.limits);
        // A ceiling off, or above the shipped one (the hundred-and-twenty-first look's `cpus =
        // 4096`, `shm_size = "off"`).
        let above = |now: Option<u64>, was: Option<u64>| match (now, was) {
            (None, Some(_)) => Some("off".to_string()),
            (Some(n), Some(w)) if n > w => Some(format!("above the shipped {w}")),
            _ => None,
        };
        for (key, weaker) in [
            ("cpus", above(l.cpus.map(|c| c.0), ld.cpus.map(|c| c.0))),
            ("memory", above(l.memory, ld.memory)),
            ("pids", above(l.pids, ld.pids)),
            ("shm_size", above(l.shm_size, ld.shm_size)),
            ("tmpfs_size", above(l.tmpfs_size, ld.tmpfs_size)),
            ("log_size", above(l.log_size, ld.log_size)),
            ("open_files", above(l.open_files, ld.open_files)),
        ] {
            if let Some(how) = weaker {
                out.push(format!(
                    "[limits] {key} {}",
                    if how == "off" { "= off".into() } else { how }
                ));
            }
        }
        // The health check's floor is a ceiling turned over: lower (or off) lets a check start a
        // process on the host more often (the thirty-second pass's look: `"1ns"` went unnamed).
        match (l.health_interval, ld.health_interval) {
            (None, Some(_)) => out.push("[limits] health_interval = off".into()),
            (Some(n), Some(w)) if n < w => out.push(format!(
                "[limits] health_interval below the shipped {}s",
                w / 1_000_000_000
            )),
            _ => {}
        }
        let opened: Vec<String> = (self.podman.host_loopback_ports.iter())
            .filter(|p| !shipped.podman.host_loopback_ports.contains(p))
            .map(u16::to_string)
            .collect();
        if !opened.is_empty() {
            out.push(format!("[podman] host_loopback_ports adds {}", opened.join(", ")));
        }
        let exec: Vec<&str> = (h.tmpfs.iter())
            .filter(|t| t.exec && d.tmpfs.iter().any(|s| s.path == t.path && !s.exec))
            .map(|t| t.path.as_str())
            .collect();
        if !exec.is_empty() {
            out.push(format!("[[hardening.tmpfs]] exec = true at {}", exec.join(", ")));
        }
        for &(key, rule, on) in DENY_SWITCHES {
            if on && !self.deny.on(rule) {
                out.push(format!("[deny] {key} = false"));
            }
        }
        for (key, now, default) in [
            ("init", h.init, d.init),
            ("no_healthcheck", h.no_healthcheck, d.no_healthcheck),
        ] {
            if default && !now {
                out.push(format!("[hardening] {key} = false"));
            }
        }
        if h.shadow_repositories && !d.shadow_repositories {
            out.push("[hardening] shadow_repositories = true".into());
        }
        // The lists: an entry taken from one that refuses, or added to one that allows (the
        // hundred-and-nineteenth look's `add_allow_flags = ["--device"]`, `add_writable_images
        // = ["*"]`, `remove_runtime_annotations`).
        for which in DenyList::ALL {
            let now = self.deny.list(which);
            let shipped: &[&str] = which.defaults();
            let allows = matches!(
                which,
                DenyList::WritableRoots
                    | DenyList::AllowFlags
                    | DenyList::AllowedSecurityOptions
                    | DenyList::WritableImages
                    | DenyList::WritableVolumes
                    | DenyList::WritableNetworks
                    | DenyList::ConnectableContainers
                    | DenyList::WritableProjectDirs
                    | DenyList::FuseFileSystems
            );
            let changed: Vec<&str> = match allows {
                true => now
                    .iter()
                    .map(|e| e.as_ref())
                    .filter(|e| !shipped.contains(e))
                    .collect(),
                false => shipped
                    .iter()
                    .copied()
                    .filter(|e| !now.iter().any(|n| n == e))
                    .collect(),
            };
            if !changed.is_empty() {
                let verb = if allows { "add" } else { "remove" };
                out.push(format!("[deny] {verb}_{} {}", which.key(), changed.join(", ")));
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Runtime {
    /// A name looked up on PATH, or an absolute path.
    pub binary: String,
    /// `None` = guess from the binary's name.
    pub flavor: Option<Flavor>,
    /// Variables the runtime is given besides its own list ([`crate::trust::listed`]): names,
    /// or prefixes ending in `*`. Every other variable is removed before exec.
    pub keep_environment: Vec<String>,
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime {
            binary: "podman".into(),
            flavor: None,
            keep_environment: Vec::new(),
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
    /// Add `--no-healthcheck` when the caller gives no `--health-cmd`: an image's health check
    /// runs at the interval the image chose, each run a process on the host (root's `podman
    /// healthcheck run`, from a systemd timer), outside every ceiling of the container's; and
    /// the shim cannot see the image's interval before the container exists.
    pub no_healthcheck: bool,
    /// A repository's `.git` / `.hg` at the top of a read-write bind mount is mounted over
    /// itself read-only instead of refusing the mount (`harden.repository`): an escape hatch
    /// for a group whose agent ran `git init` in its own folder. Off by default: a repository
    /// that takes hooks from its working tree (`core.hooksPath`, `include.path`, a submodule's
    /// `.git` file) still hands them to the container.
    pub shadow_repositories: bool,
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
            no_healthcheck: true,
            shadow_repositories: false,
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

/// podman's `/dev/shm` where nothing names a size (a `run`'s and a build's RUN step's).
pub const PODMAN_SHM: u64 = 64 << 20;

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
    /// The shortest health-check interval a caller may ask for, in nanoseconds: each check is
    /// a process the host starts, outside the container's ceilings.
    pub health_interval: Option<u64>,
    /// The largest container log a caller may ask for, and what a container gets when it names
    /// none (`--log-opt max-size`): podman's default keeps every line an agent prints, on the
    /// host's disk (`limit.log-size`).
    pub log_size: Option<u64>,
    /// The most files a container's process may hold open (`--ulimit nofile`), and what a
    /// container gets when it names none: podman 5's default is the host's maximum, and an
    /// agent's processes, each under it, filled a fifth of the host's file table
    /// (`limit.open-files`).
    pub open_files: Option<u64>,
}

/// Why a caller's own limit escapes a ceiling, if it does: unreadable, unlimited (`0`, `-1`)
/// or above it. One definition for every command that takes limits (`update`, `build`, `run`'s
/// `--shm-size`); `None` where the policy sets no such ceiling.
impl Limits {
    pub fn memory_above(&self, value: &str) -> Option<String> {
        let max = self.memory?;
        units::parse_bytes(value)
            .is_none_or(|m| m == 0 || m > max)
            .then(|| format!("memory above the ceiling of {}", units::format_bytes(max)))
    }

    /// `--memory-swap` is memory plus swap: held at twice the memory ceiling.
    pub fn swap_above(&self, value: &str) -> Option<String> {
        self.swap_above_for(value, None)
    }

    /// [`swap_above`](Self::swap_above), and above twice `memory` when the same call names the
    /// memory in force (what a `run` is clamped to: `update --memory 100m --memory-swap 8g` gave
    /// a 100m container 7.9g of swap, the twenty-fifth look's).
    pub fn swap_above_for(&self, value: &str, memory: Option<&str>) -> Option<String> {
        let max = self.memory?;
        let memory = memory.and_then(units::parse_bytes).filter(|&m| m > 0 && m <= max);
        let bound = memory.unwrap_or(max).saturating_mul(2);
        units::parse_bytes(value)
            .is_none_or(|m| m == 0 || m > bound)
            .then(|| match memory {
                Some(m) => format!(
                    "memory plus swap above twice the memory of {} given with it",
                    units::format_bytes(m)
                ),
                None => format!(
                    "memory plus swap above twice the ceiling of {}",
                    units::format_bytes(max)
                ),
            })
    }

    pub fn shm_above(&self, value: &str) -> Option<String> {
        let max = self.shm_size?;
        units::parse_bytes(value)
            .is_none_or(|m| m == 0 || m > max)
            .then(|| {
                format!(
                    "a /dev/shm size that is not a size within the policy's ceiling of {}",
                    units::format_bytes(max)
                )
            })
    }

    /// The CPU time a quota gives per period (`None`: unreadable); the period defaults to
    /// 100 ms and must lie within the kernel's 1 ms to 1 s.
    pub fn cpu_time_above(&self, quota: Option<i64>, period: Option<i64>) -> Option<String> {
        let max = self.cpus?;
        let ok = match (quota, period) {
            (Some(q), Some(p)) if q > 0 && units::CFS_PERIODS.contains(&p) => {
                q as i128 * 1_000_000_000 <= max.0 as i128 * p as i128
            }
            _ => false,
        };
        (!ok).then(|| format!("CPU quota and period above the ceiling of {max} CPUs"))
    }
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
            health_interval: Some(30_000_000_000),
            log_size: Some(50 << 20),
            open_files: Some(1024),
        }
    }
}

/// Each `[deny]` switch: its key, the rule it turns on or off, and whether it is on by default.
/// This table is the only place a switch is named: the reader, `policy show` and the docs check
/// all walk it.
pub const DENY_SWITCHES: &[(&str, Rule, bool)] = &[
    ("privileged", Rule::DenyPrivileged, true),
    ("host_namespaces", Rule::DenyHostNamespace, true),
    ("container_namespaces", Rule::DenyContainerNamespace, true),
    ("weak_security_options", Rule::DenySecurityOption, true),
    ("capabilities", Rule::DenyCapAdd, true),
    ("devices", Rule::DenyDevice, true),
    ("volumes_from", Rule::DenyVolumesFrom, true),
    ("api_socket", Rule::DenyApiSocket, true),
    ("env_host", Rule::DenyEnvHost, true),
    ("shared_propagation", Rule::DenyMountPropagation, true),
    ("unknown_mount_options", Rule::DenyMountOption, true),
    ("sensitive_mounts", Rule::DenySensitiveMount, true),
    ("root_user", Rule::DenyRootUser, true),
    ("exec_privileged", Rule::DenyExecPrivileged, true),
    ("exec_root", Rule::DenyExecRoot, true),
    ("update_above_limits", Rule::DenyUpdateLimits, true),
    ("foreign_containers", Rule::DenyForeignContainer, true),
    ("image_names", Rule::DenyImageName, true),
    ("volume_names", Rule::DenyVolumeName, true),
    ("network_names", Rule::DenyNetworkName, true),
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
    ("debug_logging", Rule::DenyDebugLog, true),
    ("host_handoff", Rule::DenyHostHandoff, true),
    ("untrusted_runtime_config", Rule::DenyEnvironment, true),
    ("build_options", Rule::DenyBuild, true),
    ("build_base_images", Rule::DenyBuildBase, true),
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
    /// The image names a build's `-t` and a `tag` may write (globs; a name without a registry
    /// or with `localhost/` is matched without it).
    WritableImages,
    /// The named volumes a `run`/`create` may mount and `volume create`/`rm` may name (globs).
    WritableVolumes,
    /// The networks a `run`/`create` may join and `network create`/`rm`/`connect`/`disconnect`
    /// may name (globs).
    WritableNetworks,
    /// Containers made outside the shim that `network connect`/`disconnect` may name (globs).
    ConnectableContainers,
    /// The folders at the top of the working directory's project that read-write mounts may
    /// lie in (one name each); the rest of a project is code the host runs.
    WritableProjectDirs,
    /// FUSE programs whose mounts are judged as any folder: a source on or holding any other
    /// FUSE file system is refused.
    FuseFileSystems,
}

impl DenyList {
    pub const ALL: [DenyList; 14] = [
        DenyList::SensitivePaths,
        DenyList::CredentialPaths,
        DenyList::CredentialNames,
        DenyList::HostExecPaths,
        DenyList::WritableRoots,
        DenyList::AllowFlags,
        DenyList::AllowedSecurityOptions,
        DenyList::RuntimeAnnotations,
        DenyList::WritableImages,
        DenyList::WritableVolumes,
        DenyList::WritableNetworks,
        DenyList::ConnectableContainers,
        DenyList::WritableProjectDirs,
        DenyList::FuseFileSystems,
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
            DenyList::WritableImages => "writable_images",
            DenyList::WritableVolumes => "writable_volumes",
            DenyList::WritableNetworks => "writable_networks",
            DenyList::ConnectableContainers => "connectable_containers",
            DenyList::WritableProjectDirs => "writable_project_dirs",
            DenyList::FuseFileSystems => "fuse_file_systems",
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
            DenyList::WritableImages => DEFAULT_WRITABLE_IMAGES,
            DenyList::WritableVolumes => DEFAULT_WRITABLE_VOLUMES,
            DenyList::WritableNetworks => DEFAULT_WRITABLE_NETWORKS,
            DenyList::ConnectableContainers => DEFAULT_CONNECTABLE_CONTAINERS,
            DenyList::WritableProjectDirs => DEFAULT_WRITABLE_PROJECT_DIRS,
            DenyList::FuseFileSystems => DEFAULT_FUSE_FILE_SYSTEMS,
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
    on: crate::rules::RuleSet,
    lists: [Vec<ListEntry>; DenyList::ALL.len()],
}

/// One entry of a `[deny]` list: the built-in ones are borrowed (every `docker run` starts from
/// the defaults, and copying ~200 strings would be most of its allocations), added ones owned.
pub type ListEntry = std::borrow::Cow<'static, str>;

impl Deny {
    /// Whether a deny rule is in force.
    pub fn on(&self, rule: Rule) -> bool {
        self.on.contains(rule)
    }

    /// Switches a deny rule on or off.
    pub fn set(&mut self, rule: Rule, on: bool) {
        if on {
            self.on.insert(rule);
        } else {
            self.on.remove(rule);
        }
    }

    /// A list's effective entries.
    pub fn list(&self, which: DenyList) -> &[ListEntry] {
        &self.lists[which as usize]
    }

    pub fn list_mut(&mut self, which: DenyList) -> &mut Vec<ListEntry> {
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
            lists: DenyList::ALL.map(|l| l.defaults().iter().map(|&s| ListEntry::Borrowed(s)).collect()),
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
    /// Have podman run the shim's mount check in each new container: it starts only if every
    /// bind mount is the file or folder the shim judged ([`crate::mountcheck`]).
    pub verify_mounts: bool,
    /// The ranges a rootful `network create` is given a /24 from (`harden.subnet`), in order:
    /// podman's own default pools unless the site names its own.
    pub network_pools: Vec<crate::subnet::Net>,
}

impl Default for PodmanCompat {
    fn default() -> Self {
        PodmanCompat {
            keep_id: true,
            keep_id_user: (1000, 1000),
            host_gateway: true,
            host_loopback: true,
            host_loopback_ports: vec![10255, 3001],
            rootful_gateway: "10.88.0.1".into(),
            verify_mounts: true,
            network_pools: crate::subnet::POOLS
                .iter()
                .filter_map(|p| crate::subnet::Net::parse(p))
                .collect(),
        }
    }
}

/// The decision log.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Log {
    /// JSON Lines file, as written (absolute, or under `~/`); `None` = no log.
    pub path: Option<PathBuf>,
}

impl Log {
    /// The log file, `~/` expanded with `home`; `None` without a log, or for a `~/` path
    /// without a home.
    pub fn resolved(&self, home: Option<&std::path::Path>) -> Option<PathBuf> {
        let path = self.path.as_ref()?;
        match path.strip_prefix("~") {
            Ok(rest) => home.map(|h| h.join(rest)),
            Err(_) => Some(path.clone()),
        }
    }
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
