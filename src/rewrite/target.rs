//! What the rewrite knows about the runtime and the host: its flavour, rootless or not, the
//! host paths' context and the cgroup version, and its version, learned only when a rule needs it.

use crate::deny::HostCtx;
use crate::policy::Flavor;

/// A runtime version (major, minor, patch).
pub type Version = (u32, u32, u32);

/// Asks the runtime about a build's base image: `Ok` when it is in local storage and carries
/// no `ONBUILD` trigger, else why not.
pub type BaseProbe = Box<dyn Fn(&str) -> Result<(), String>>;

/// Gathers what a rootful `network create`'s range must stay clear of (the runtime's networks,
/// the host's routes and upstreams), or why it cannot.
pub type NetworkProbe = Box<dyn Fn() -> Result<crate::subnet::Facts, String>>;

/// Why a container the runtime could not look at is refused ([`ContainerProbe`]): podman's own
/// words for the usual cause (a session's container already removed), with the rarer one.
pub const NO_SUCH_CONTAINER: &str = "no such container (or the runtime could not look at it)";

/// Asks the runtime whether a container carries the shim's mark of one it created under
/// enforce: its full ID, or why not ([`crate::onbuild::Probe::hardened`]).
pub type ContainerProbe = Box<dyn Fn(&str) -> Result<String, String>>;

/// Reads the seccomp profile the runtime gives containers by default: where it was found and
/// its text ([`crate::seccomp::PROFILE_PATHS`]), or why it cannot be read.
pub type SeccompProbe = Box<dyn Fn() -> Result<(String, Vec<u8>), String>>;

/// What the rewrite knows about the runtime and the host. The version is learned only when a
/// rule needs it (through `probe`, which the edge caches), so most invocations never ask.
pub struct Target {
    pub flavor: Flavor,
    /// Rootless podman (the shim runs as a non-root user).
    pub rootless: bool,
    pub host: HostCtx,
    /// The host runs cgroup v1, where rootless podman cannot apply resource limits.
    pub cgroup_v1: bool,
    version: std::cell::OnceCell<Option<Version>>,
    probe: Option<Box<dyn Fn() -> Option<Version>>>,
    /// Asks the runtime whether a build's base image is in local storage and carries no
    /// `ONBUILD` trigger ([`crate::onbuild::Probe`]); `None` where nothing can be asked (tests,
    /// explain snapshots), and every base image is then refused where they must be checked.
    pub base_probe: Option<BaseProbe>,
    /// Asks the runtime which ranges its networks use, and the host which it routes and talks
    /// to, for a rootful `network create` ([`super::network`]); `None` where nothing can be
    /// asked, and such a call is then refused.
    pub network_probe: Option<NetworkProbe>,
    /// Asks the runtime whether a container an `exec` or `attach` names is one the shim made
    /// under enforce; `None` where nothing can be asked (tests, explain snapshots), and no
    /// container is then looked at.
    pub container_probe: Option<ContainerProbe>,
    /// Reads podman's default seccomp profile, from which a build's is made
    /// ([`crate::seccomp`]); `None` where nothing can be read, and a podman build is then
    /// refused.
    pub seccomp_probe: Option<SeccompProbe>,
    /// The `default_ulimits` podman's configuration gives a container (`nproc=1024:1024`), which
    /// any `--ulimit` replaces whole: given again beside the shim's own `nofile`.
    pub default_ulimits: Vec<String>,
    /// What else podman's configuration gives every container: mounts, devices, namespaces,
    /// `/dev/shm`'s size ([`super::configured`]).
    pub configured: crate::trust::ConfDefaults,
}

impl crate::commands::BaseImages for Target {
    fn needed(&self) -> bool {
        self.flavor == crate::policy::Flavor::Podman
    }

    fn check(&self, image: &str) -> Result<(), String> {
        match &self.base_probe {
            Some(probe) => probe(image),
            None => Err(format!(
                "the base image {image} cannot be checked for ONBUILD triggers here (no runtime to ask)"
            )),
        }
    }
}

impl Target {
    /// A target whose facts are all known (tests, explain snapshots).
    pub fn fixed(flavor: Flavor, rootless: bool, version: Option<Version>) -> Target {
        let cell = std::cell::OnceCell::new();
        let _ = cell.set(version);
        Target {
            flavor,
            rootless,
            // As the shim sets it: docker's daemon is rootful whoever calls it.
            host: HostCtx {
                rootless: rootless && flavor == Flavor::Podman,
                ..HostCtx::default()
            },
            cgroup_v1: false,
            version: cell,
            probe: None,
            base_probe: None,
            network_probe: None,
            container_probe: None,
            seccomp_probe: None,
            default_ulimits: Vec::new(),
            configured: Default::default(),
        }
    }

    /// A target that asks `probe` for the version the first time a rule needs it.
    pub fn probing(
        flavor: Flavor,
        rootless: bool,
        host: HostCtx,
        probe: Box<dyn Fn() -> Option<Version>>,
    ) -> Target {
        Target {
            flavor,
            rootless,
            host,
            cgroup_v1: false,
            version: std::cell::OnceCell::new(),
            probe: Some(probe),
            base_probe: None,
            network_probe: None,
            container_probe: None,
            seccomp_probe: None,
            default_ulimits: Vec::new(),
            configured: Default::default(),
        }
    }

    /// Whether the runtime ignores resource limits here: rootless podman on cgroup v1.
    pub fn limits_ignored(&self) -> bool {
        self.rootless && self.cgroup_v1
    }

    /// The runtime's version, if it could be learned.
    pub fn version(&self) -> Option<Version> {
        *self.version.get_or_init(|| self.probe.as_ref().and_then(|p| p()))
    }

    /// The version if it is already known, without probing.
    pub fn known_version(&self) -> Option<Version> {
        self.version.get().copied().flatten()
    }
}
