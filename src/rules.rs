//! Every rule id the shim can report, as one enum.
//!
//! Rule ids are a stable interface: they appear in `explain`, in refusals on stderr and in the
//! decision log, and users grep for them. An enum (rather than string literals at each use) makes
//! a misspelt id a compile error; `tests/it/docs_rules.rs` checks over [`Rule::ALL`] that every id is
//! unique and documented in docs/RULES.md.

macro_rules! rules {
    ($($var:ident = $id:literal: $summary:literal,)*) => {
        /// A stable rule id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $($var,)*
        }

        impl Rule {
            /// Every rule, in documentation order.
            pub const ALL: &'static [Rule] = &[$(Rule::$var,)*];

            /// The id as users see it (`deny.privileged`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Rule::$var => $id,)*
                }
            }

            /// What the rule does, in one line.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Rule::$var => $summary,)*
                }
            }
        }
    };
}

rules! {
    HardenReadOnly = "harden.read-only": "adds --read-only; removes --read-only=false",
    HardenTmpfs = "harden.tmpfs": "adds the policy's tmpfs mounts unless the caller mounts the path itself",
    HardenCapDrop = "harden.cap-drop": "adds --cap-drop for the policy's dropped capabilities",
    HardenCapAdd = "harden.cap-add": "removes --cap-add outside allowed_capabilities (when deny.cap-add is off)",
    HardenPrivileged = "harden.privileged": "removes --privileged (when deny.privileged is off)",
    HardenNoNewPrivileges = "harden.no-new-privileges": "adds no-new-privileges; removes no-new-privileges=false",
    HardenKeepCapabilities = "harden.keep-capabilities": "adds back keep_capabilities (SYS_CHROOT for Chromium's sandbox) after dropping ALL",
    HardenInit = "harden.init": "adds --init when the caller overrides the entrypoint, so docker stop delivers SIGTERM",
    HardenShmSize = "harden.shm-size": "adds the policy's --shm-size when the caller sets none",
    HardenHealthcheck = "harden.healthcheck": "adds --no-healthcheck when the caller gives no --health-cmd (no_healthcheck), so that an image's health check, whose interval the shim cannot see, never has the host start a process at the rate the image chose; refuses a caller's health-check interval below the policy's health_interval, and health-check settings without --health-cmd while the image's check is off",
    HardenAutoUpdate = "harden.auto-update": "podman: adds --label io.containers.autoupdate=disabled, so that podman's auto-update timer never restarts a host systemd unit an image or the caller names for the container; a caller's label naming an auto-update policy or a systemd unit is refused",
    HardenSystemd = "harden.systemd": "podman: adds --systemd=false, so that no command (an entrypoint named systemd or init) turns on systemd mode, which mounts the host's cgroup tree read-write",
    HardenCgroupns = "harden.cgroupns": "adds --cgroupns=private when the caller names none: on a cgroup v1 host the runtime's default is the host's cgroup namespace, where the container sees the host's whole cgroup tree",
    HardenImageVolume = "harden.image-volume": "podman: adds --image-volume=tmpfs, so that an image's VOLUME is memory held to the memory ceiling and gone with the container, not a writable volume on the host's disk beneath the read-only root, outside every ceiling and left behind by rm without -v",
    HardenBuildCache = "harden.build-cache": "podman before 5: gives each cache mount of a build (allowed with the build --cache-mount gate) a folder of one name, id= a digest of what named it, so that no cache's folder lies in another's where a link left there would lead it out; refuses a build whose podman cache folder ($TMPDIR/buildah-cache) someone other than the caller or root can write",
    HardenBuildCgroup = "harden.build-cgroup": "podman: gives every RUN step of a build an empty, read-only /sys/fs/cgroup (a 4 KiB tmpfs) in the Containerfile copy podman reads, and podman's default seccomp profile without new cgroup namespaces, so that a step reaches neither the read-write cgroup buildah mounts there nor its cgroup mounted again (on a rootful host, its own memory and CPU limits, which it could lift); refuses a RUN keyword written across lines, and a build whose seccomp profile cannot be read",
    HardenSeccomp = "harden.seccomp": "rootful podman: gives run/create podman's own default seccomp profile without new cgroup namespaces (unshare and clone refuse CLONE_NEWCGROUP, clone3 answers ENOSYS), kept narrowed in the shim's hook folder, so that a container whose process is the host's root cannot mount its cgroup again and lift its limits; a caller's own profile (allowed_security_options) is kept",
    HardenRepository = "harden.repository": "mounts a repository's .git (or .hg) found at the top of a read-write bind mount over itself read-only, so that its hooks and core.fsmonitor, which run on the host's next git command there, cannot be changed from the container (an agent's git init in its own group folder makes one)",
    HardenSubnet = "harden.subnet": "rootful podman: gives a network create that names no range the first /24 of podman's pools clear of its networks and of the host's routes, gateways, nameservers and proxies, so that no bridge takes the host's traffic to them",
    HardenAnnotation = "harden.annotation": "marks the container with the io.github.nanoclaw-shim.applied annotation (the shim, its version, the mode, the rules in force); removes a caller's annotations in that namespace",
    HardenPinnedFiles = "harden.pinned-files": "gives the runtime a sealed copy of each file the shim read and judged (a build's Containerfile, an env file) in place of its path, so that nothing can change what the runtime reads after the check",
    HardenMountCheck = "harden.mount-check": "has podman run the shim's hook in each new container, after the mounts and before anything runs: it starts only if every bind mount is the file or folder the shim opened and judged, so a source swapped for a link after the check is refused",
    CompatPs = "compat.ps": "podman: a ps as podman reads docker's: a filter for a state podman has not (status=dead, status=restarting) dropped when a filter for another state remains (podman refuses the whole command), a name filter anchored at docker's leading / without it, and a format's {{.Label \"k\"}} and .State in podman's spelling",
    LimitCpus = "limit.cpus": "caps --cpus (or --cpu-quota with --cpu-period) at the ceiling",
    LimitMemory = "limit.memory": "caps --memory at the ceiling; reconciles reservation and swap",
    LimitPids = "limit.pids": "caps --pids-limit at the ceiling",
    LimitOpenFiles = "limit.open-files": "caps the files each of the container's processes may hold open (--ulimit nofile) at the policy's open_files, which podman 5 otherwise sets to the host's maximum",
    LimitLogSize = "limit.log-size": "caps the container's log (--log-opt max-size) at the policy's log_size, which podman otherwise keeps whole on the host's disk",
    LimitUnenforced = "limit.unenforced": "says when the runtime would ignore the ceilings (rootless podman on cgroup v1); refuses with refuse_unenforced",
    DenyPrivileged = "deny.privileged": "refuses --privileged",
    DenyHostNamespace = "deny.host-namespace": "refuses host network, pid, ipc, uts, user or cgroup namespaces",
    DenyContainerNamespace = "deny.container-namespace": "refuses joining another container's namespaces",
    DenySecurityOption = "deny.security-option": "refuses security options that switch confinement off",
    DenyCapAdd = "deny.cap-add": "refuses --cap-add outside allowed_capabilities",
    DenyDevice = "deny.device": "refuses --device, --device-cgroup-rule and --gpus",
    DenyVolumesFrom = "deny.volumes-from": "refuses --volumes-from",
    DenyApiSocket = "deny.api-socket": "refuses --use-api-socket",
    DenyEnvHost = "deny.env-host": "refuses podman's --env-host (the host's environment in the container)",
    DenyMountPropagation = "deny.mount-propagation": "refuses shared/rshared bind propagation",
    DenyMountOption = "deny.mount-option": "refuses mount options whose meaning the shim does not know, and relative overlay directories",
    DenySensitiveMount = "deny.sensitive-mount": "refuses bind mounts of sensitive host paths",
    DenyRootUser = "deny.root-user": "refuses running as root, or as a user name",
    DenyExecPrivileged = "deny.exec-privileged": "refuses docker exec --privileged",
    DenyExecRoot = "deny.exec-root": "refuses docker exec --user root/0",
    DenyUpdateLimits = "deny.update-limits": "refuses docker update above the ceilings",
    DenyImageName = "deny.image-name": "refuses a build's -t / --tag, a tag's new name and an rmi's image outside writable_images (nanoclaw-* by default): an image named as one the operator runs outside the shim (a quadlet's, a privileged podman run's) would run the agent's build there",
    DenyNetworkName = "deny.network-name": "refuses a network a run or create joins, and a network create's, rm's, connect's or disconnect's network, outside writable_networks (nanoclaw-* and ncl-* by default): the operator's networks on the same engine are not an agent's to join, remove or take the name of; network prune is refused",
    DenyVolumeName = "deny.volume-name": "refuses a named volume a run or create mounts, and a volume create's or rm's name, outside writable_volumes (none by default): the operator's named volumes on the same engine are not an agent's to read, write or remove, and an agent's own would be host disk outside every ceiling",
    DenyForeignContainer = "deny.foreign-container": "podman: refuses exec, attach, start, restart, rename, kill, logs, top, port, diff, pause, unpause, update and healthcheck run of a container the shim did not create under enforce (one without its io.github.nanoclaw-shim.applied mark): an operator's privileged or root container on the same engine; names each that passes by the full ID podman gave for it",
    CompatEvents = "compat.events": "podman: an events format of {{json .}} prints docker's event shape (Action, Actor.Attributes), which nanoclaw reads",
    CompatRm = "compat.rm": "podman: adds --time=0 to rm --force, docker's meaning (a running container killed at once, not after its stop timeout)",
    CompatRename = "compat.rename": "renames a docker flag podman spells differently (--net-alias)",
    CompatUnsupportedFlag = "compat.unsupported-flag": "refuses a flag the runtime does not support",
    CompatKeepId = "compat.keep-id": "rootless podman: adds --userns=keep-id so bind mounts stay writable",
    CompatHostLoopback = "compat.host-loopback": "rootless podman: lets the agent reach the host loopback ports nanoclaw points it at (pasta), or all of them (slirp4netns, podman < 5)",
    CompatHostGateway = "compat.host-gateway": "podman < 4.7: replaces host-gateway with the host's address",
    CompatHttpProxy = "compat.http-proxy": "podman: adds --http-proxy=false to run, create and build, so the host's proxy variables stay out of the container and a build's RUN steps (as with docker)",
    ParseUnknownFlag = "parse.unknown-flag": "refuses a flag docker's grammar does not know",
    ParseMissingValue = "parse.missing-value": "refuses a value flag with no value",
    ParseBadBool = "parse.bad-bool": "refuses a boolean flag with a value that is not a boolean",
    ParseBadSyntax = "parse.bad-syntax": "refuses malformed flag syntax (---x, --=x)",
    ParseMissingImage = "parse.missing-image": "refuses run/create without an image, exec/update without a container",
    ParseBadValue = "parse.bad-value": "refuses a value the policy must compare but cannot read",
    ParseConflict = "parse.conflict": "refuses options the runtime would refuse together (--cpus with --cpu-quota)",
    DenyFlag = "deny.flag": "refuses a flag that is denied by default (allow it by name in [deny] allow_flags)",
    DenyPodmanOnly = "deny.podman-only": "refuses a flag docker's CLI does not have (allow it by name in [deny] allow_flags)",
    DenyCeiling = "deny.ceiling": "refuses settings that escape the ceilings (cgroup placement, systemd mode, OOM and realtime knobs, unbounded tmpfs or /dev/shm)",
    DenyHostFile = "deny.host-file": "refuses a flag that makes the runtime read or write a sensitive host file",
    DenyCredentials = "deny.credentials": "refuses mounts and files of host credentials, even read-only",
    DenyHostExec = "deny.host-exec": "refuses writable mounts of paths that run code on the host (shell start-up files, systemd units, ~/.local, system directories, container storage)",
    DenyWritableRoot = "deny.writable-root": "refuses read-write bind mounts outside writable_roots",
    DenyAnnotation = "deny.annotation": "refuses OCI runtime annotations that change isolation",
    DenyGroupAdd = "deny.group-add": "refuses --group-add keep-groups (the host user's groups in the container)",
    DenyNetworkOption = "deny.network-option": "refuses caller options for slirp4netns and pasta (host loopback is the policy's decision), network options whose meaning the shim does not know, and a container's own choice of its address (--ip, --ip6, --mac-address)",
    DenyPublish = "deny.publish": "refuses ports published on addresses other than loopback",
    DenyEngineRedirect = "deny.engine-redirect": "refuses global flags and variables that send the command to another engine",
    DenyHostHandoff = "deny.host-handoff": "removes variables by which podman hands the container the caller's open files (LISTEN_FDS) or its service manager's socket (NOTIFY_SOCKET); refuses log drivers other than json-file, k8s-file, journald and none (passthrough hands it the caller's output files)",
    DenyDebugLog = "deny.debug-log": "refuses global flags that make the runtime log every argument, secret values included (-D, --log-level debug or trace)",
    DenyEnvironment = "deny.environment": "refuses variables that reconfigure the runtime from an untrusted file",
    DenyCommand = "deny.command": "refuses a subcommand that is not on the allow-list",
    DenyBuild = "deny.build": "refuses a build option that weakens the build's isolation",
    DenyBuildBase = "deny.build-base": "refuses a build whose base image could carry ONBUILD triggers, on a podman where they reach the host (CVE-2024-1753)",
}

impl Rule {
    /// The rule's section in docs/RULES.md (GitHub's anchor for the heading ``### `id` ``).
    pub fn anchor(self) -> String {
        self.as_str().chars().filter(|c| *c != '.').collect()
    }

    /// Looks an id up (for policy keys that name rules).
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.as_str() == id)
    }
}

/// A set of rules, one bit each: the deny rules in force are asked about for every setting of
/// every call, and built on every call from the defaults (a `BTreeSet` cost a sort with a 4 KiB
/// scratch buffer on the stack, one fresh page of it per call, and a tree walk per question).
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleSet(u128);

const _: () = assert!(Rule::ALL.len() <= 128, "RuleSet holds a bit per rule");

impl RuleSet {
    pub fn contains(&self, rule: Rule) -> bool {
        self.0 & (1 << rule as u32) != 0
    }

    pub fn insert(&mut self, rule: Rule) {
        self.0 |= 1 << rule as u32;
    }

    pub fn remove(&mut self, rule: Rule) {
        self.0 &= !(1 << rule as u32);
    }

    pub fn len(&self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The rules in the set, in [`Rule::ALL`]'s order.
    pub fn iter(&self) -> impl Iterator<Item = Rule> + '_ {
        Rule::ALL.iter().copied().filter(|r| self.contains(*r))
    }
}

impl FromIterator<Rule> for RuleSet {
    fn from_iter<I: IntoIterator<Item = Rule>>(rules: I) -> Self {
        let mut set = RuleSet::default();
        rules.into_iter().for_each(|r| set.insert(r));
        set
    }
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// Tests and callers may compare a rule with its id text.
impl PartialEq<&str> for Rule {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for Rule {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One violated deny rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: Rule,
    /// The offending token, as display text (secrets redacted).
    pub token: String,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_set_holds_each_rule_apart() {
        let mut set = RuleSet::default();
        assert!(set.is_empty());
        for (i, r) in Rule::ALL.iter().enumerate() {
            assert!(!set.contains(*r));
            set.insert(*r);
            assert!(set.contains(*r) && set.len() == i + 1);
        }
        assert!(set.iter().eq(Rule::ALL.iter().copied()), "in documentation order");
        let (first, last) = (Rule::ALL[0], Rule::ALL[Rule::ALL.len() - 1]);
        set.remove(first);
        set.remove(last);
        assert!(!set.contains(first) && !set.contains(last) && set.contains(Rule::ALL[1]));
        assert_eq!(set.len(), Rule::ALL.len() - 2);
        let again: RuleSet = set.iter().collect();
        assert_eq!(again, set);
        assert_eq!(
            format!("{:?}", RuleSet::from_iter([last])),
            format!("{{{last:?}}}")
        );
    }
}
