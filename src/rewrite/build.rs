//! A build's RUN steps are containers the engine starts for the build, and on podman they get
//! no memory or CPU limit unless the build names one (`podman build` reads no `pids_limit`, no
//! ceiling of `containers.conf`): an agent-requested package's install script could take the
//! host's memory and CPUs. So a build is held to the policy's ceilings as a `run` is: a value
//! the build names above a ceiling is refused (`deny.ceiling`, [`crate::commands`]), a missing
//! one is added here. Only what podman's build takes can be added: it has no pids limit, and
//! the plan says so rather than pretend.
//!
//! The options go right after the command words (`build`, `image build`), before the caller's
//! own: build options may come anywhere before the context, and the caller names none of them.

use std::ffi::OsString;

use super::limits::{cfs_quota, unenforced};
use super::rewriter::bad_value;
use super::{Action, Change, Refusal, Target};
use crate::commands::BuildLimits;
use crate::policy::{Flavor, Limits};
use crate::rules::Rule;
use crate::units;

/// The options a build is given, and what the plan says of each ceiling.
pub(super) struct Added {
    pub options: Vec<OsString>,
    pub changes: Vec<Change>,
}

impl Added {
    /// Adds the option `token` for `rule`, and says why.
    fn add(&mut self, rule: Rule, token: &str, reason: &str) {
        self.options.push(OsString::from(token));
        self.changes.push(Change {
            rule,
            action: Action::Add,
            token: token.into(),
            reason: reason.into(),
        });
    }
}

/// podman's build copies its proxy variables (the operator's proxy, credentials and all) into
/// every RUN step unless told not to, where an agent-requested package's install script reads
/// them; docker's build does not (`compat.http-proxy`, as for a `run`). The caller cannot name
/// `--http-proxy` (podman's alone: `deny.podman-only`).
pub(super) fn no_http_proxy(added: &mut Added) {
    added.add(
        Rule::CompatHttpProxy,
        "--http-proxy=false",
        "podman's build copies the host's proxy variables into its RUN steps by default; docker's does not",
    );
}

/// A build's RUN steps keep podman's default capabilities, `MKNOD` among them on podman 4.3: a
/// step made a device node (`mknod /etc/passwd b 7 0`), which a rootful podman reads on the
/// host, as root, at every `run` of the image that names a `--user` (the sixty-first look's: a
/// root-only loop device's lines in the agent's `/etc/passwd`). No package a build installs
/// needs to make one. Nor `NET_RAW` or `AUDIT_WRITE`, which podman 4.3 rootful keeps there too:
/// a step on the agents' bridge answered their ARP for the gateway with its own address and read
/// their proxy's `Proxy-Authorization` on the way (the eighty-second look's; a `run` keeps
/// neither). The caller cannot name `--cap-add` or `--cap-drop` (docker's build has neither:
/// `parse.unknown-flag`).
pub(super) fn no_device_nodes(added: &mut Added) {
    added.add(
        Rule::HardenCapDrop,
        "--cap-drop=MKNOD,NET_RAW,AUDIT_WRITE",
        "a build's RUN steps cannot make device nodes (which a rootful podman reads on the host when an image's /etc/passwd is one) nor raw packets (another container's traffic on the bridge)",
    );
}

/// A networked build on rootless podman before 5 reaches every service on the host's loopback
/// through slirp4netns (`10.0.2.2`; buildah 1.28 allows it, and neither a build option nor
/// `containers.conf` closes it: the eighty-seventh look's). Under `[podman] host_loopback =
/// false`, which SECURITY.md gives as the way to keep the loopback closed, such a build is
/// refused unless it names `--network=none` or the policy opens the `build --host-loopback` gate.
/// podman 5's pasta and a rootful bridge do not reach it. An unknown version counts as before 5.
pub(super) fn host_loopback(
    seen: &BuildLimits,
    policy: &crate::policy::Policy,
    target: &Target,
) -> Result<(), Refusal> {
    let offline = seen.network.as_deref() == Some("none");
    let gate = crate::commands::GATE_BUILD_LOOPBACK;
    let slirp = target.flavor == Flavor::Podman && target.rootless;
    if !offline && slirp && networked_builds_refused(policy, || target.version()) {
        return Err(Refusal {
            rule: Rule::DenyBuild,
            message: format!(
                "rootless podman before 5 lets a build's RUN steps reach every service on the host's loopback (10.0.2.2), which [podman] host_loopback = false closes: build with --network=none, or allow it with [commands] allow = [\"{gate}\"]"
            ),
        });
    }
    Ok(())
}

/// Whether [`host_loopback`] refuses a networked build on rootless podman of `version` (asked
/// only when the policy closes the loopback): `doctor` asks it too, since nanoclaw's per-agent
/// builds are networked and the refusal would otherwise show only when an agent asks for a package.
pub fn networked_builds_refused(
    policy: &crate::policy::Policy,
    version: impl FnOnce() -> Option<crate::rewrite::Version>,
) -> bool {
    // A rule the policy switched off (`build_options = false`) refuses nothing, as elsewhere.
    let closed = !policy.rules.podman.host_loopback && policy.rules.deny.on(Rule::DenyBuild);
    closed
        && !crate::commands::gate_open(&policy.commands, crate::commands::GATE_BUILD_LOOPBACK)
        && version().is_none_or(|v| v.0 < 5)
}

/// What a build that names `seen` is given under `limits`.
pub(super) fn ceilings(seen: &BuildLimits, limits: &Limits, target: &Target) -> Result<Added, Refusal> {
    let mut added = Added {
        options: Vec::new(),
        changes: Vec::new(),
    };
    let note = |changes: &mut Vec<Change>, rule, action, token: String, reason: &str| {
        changes.push(Change {
            rule,
            action,
            token,
            reason: reason.to_string(),
        })
    };
    // A ceiling below podman's own 64m `/dev/shm`, which a RUN step gets where the build names
    // none (the look `gx`: a run got the policy's 32m, a build's step 64m, a caller's 64m refused).
    if let Some(max) = limits.shm_size.filter(|&m| m < crate::policy::PODMAN_SHM) {
        if seen.shm_size.is_none() && target.flavor == Flavor::Podman {
            let token = format!("--shm-size={}", units::format_bytes(max));
            added.options.push(OsString::from(&token));
            note(
                &mut added.changes,
                Rule::HardenShmSize,
                Action::Add,
                token,
                "a build's RUN steps get podman's own 64m /dev/shm otherwise, above the policy's ceiling",
            );
        }
    }
    if target.flavor == Flavor::Podman {
        open_files(seen, limits, &target.default_ulimits, &mut added);
    }
    if limits.cpus.is_none() && limits.memory.is_none() && limits.pids.is_none() {
        return Ok(added);
    }
    if target.flavor == Flavor::Docker {
        // docker's builder (BuildKit) runs RUN steps in its own daemon, whose limits are its
        // configuration's; the legacy options are not its.
        note(
            &mut added.changes,
            Rule::LimitUnenforced,
            Action::Keep,
            String::new(),
            "the docker engine's builder is not given the ceilings: its RUN steps run under the daemon's limits",
        );
        return Ok(added);
    }
    if target.limits_ignored() {
        // Here podman's build fails on any limit ("cannot set memory limit"), where `run`
        // ignores them with a warning: the build runs without them, or not at all.
        let why =
            "rootless podman on cgroup v1 cannot limit a build's RUN steps: the ceilings are NOT in effect";
        unenforced(limits, why)?;
        note(
            &mut added.changes,
            Rule::LimitUnenforced,
            Action::Keep,
            String::new(),
            why,
        );
        return Ok(added);
    }
    let add = |added: &mut Added, rule, name: &str, value: String, reason: &str| {
        let token = format!("--{name}={value}");
        added.options.push(OsString::from(&token));
        note(&mut added.changes, rule, Action::Add, token, reason);
    };
    if let Some(max) = limits.memory {
        if seen.memory.is_none() {
            // A memory-plus-swap total the build names below the ceiling bounds memory too
            // (the runtime refuses a limit above it).
            let swap = seen
                .memory_swap
                .as_deref()
                .and_then(units::parse_bytes)
                .filter(|&s| s > 0);
            let m = swap.map_or(max, |s| s.min(max));
            add(
                &mut added,
                Rule::LimitMemory,
                "memory",
                units::format_bytes(m),
                "a build's RUN steps are held to the memory ceiling",
            );
        }
        // podman's build sets no swap limit of its own (a `run` gets twice its memory): a RUN
        // step with memory held had memory plus swap unlimited (the twenty-fifth look's).
        if seen.memory_swap.is_none() {
            let memory = seen
                .memory
                .as_deref()
                .and_then(units::parse_bytes)
                .filter(|&m| m > 0)
                .map_or(max, |m| m.min(max));
            add(
                &mut added,
                Rule::LimitMemory,
                "memory-swap",
                units::format_bytes(memory.saturating_mul(2)),
                "a build's RUN steps are held to memory plus swap of twice their memory, as a run is",
            );
        }
    }
    if let Some(max) = limits.cpus {
        if seen.cpu_quota.is_none() {
            let period = match seen.cpu_period.as_deref() {
                None => None,
                Some(p) => Some(units::go_int(p).ok_or_else(|| bad_value("cpu-period", p.as_bytes()))?),
            };
            let quota = cfs_quota(max, period.unwrap_or(units::CFS_PERIOD))?;
            let reason = "a build's RUN steps are held to the CPU ceiling";
            if period.is_none() {
                add(
                    &mut added,
                    Rule::LimitCpus,
                    "cpu-period",
                    units::CFS_PERIOD.to_string(),
                    reason,
                );
            }
            add(
                &mut added,
                Rule::LimitCpus,
                "cpu-quota",
                quota.to_string(),
                reason,
            );
        }
    }
    if limits.pids.is_some() {
        note(
            &mut added.changes,
            Rule::LimitPids,
            Action::Keep,
            String::new(),
            "podman's build takes no pids limit: a build's RUN steps are NOT held to the pids ceiling",
        );
    }
    Ok(added)
}

/// A build's RUN steps held to the open-file ceiling, as a `run` is: podman gives them its
/// configuration's `default_ulimits`, else the host's maximum per process (podman 5: a million
/// files per process, for the length of the build). Where the build names no `nofile` (one
/// above the ceiling is refused, `deny.ceiling`), it gets podman's configured one when that is
/// lower, else the ceiling; with podman's other configured limits given again, since a
/// `--ulimit` may replace them (a realtime one refuses the build before this).
fn open_files(seen: &BuildLimits, limits: &Limits, configured: &[String], added: &mut Added) {
    let Some(max) = limits.open_files else {
        return;
    };
    if seen.ulimits.iter().any(|u| units::names_nofile(u)) {
        return;
    }
    for u in configured.iter().filter(|u| !units::names_nofile(u)) {
        added.add(
            Rule::LimitOpenFiles,
            &format!("--ulimit={}", u.trim()),
            "podman's configured default, which a --ulimit may replace",
        );
    }
    match super::limits::configured_nofile(configured, max) {
        Some((soft, hard)) => added.add(
            Rule::LimitOpenFiles,
            &format!("--ulimit=nofile={soft}:{hard}"),
            &format!("podman's configured default, below the policy's ceiling of {max}"),
        ),
        None => added.add(
            Rule::LimitOpenFiles,
            &format!("--ulimit=nofile={max}:{max}"),
            &format!("a build's RUN steps are held to {max} open files per process, as a run is"),
        ),
    }
}

/// A build's cache mounts (allowed by the `build --cache-mount` gate) on podman before 5, whose
/// cache folders are joined as written: each Containerfile's copy names every cache by one word
/// ([`crate::containerfile::one_word_caches`]). A copy that cannot be made so refuses the build.
/// Asks the runtime's version only when a Containerfile holds a cache mount.
pub(super) fn one_word_caches(
    cf: &mut crate::commands::Containerfiles,
    target: &Target,
    added: &mut Added,
) -> Result<(), Refusal> {
    let texts = cf.texts_mut();
    let mut renamed = false;
    for text in texts {
        if !text.windows(10).any(|w| w == b"type=cache") || target.version().is_some_and(|v| v.0 >= 5) {
            continue;
        }
        match crate::containerfile::one_word_caches(text) {
            Ok(Some(copy)) => {
                *text = copy;
                renamed = true;
            }
            Ok(None) => {}
            Err(why) => {
                return Err(Refusal {
                    rule: Rule::HardenBuildCache,
                    message: why,
                });
            }
        }
    }
    if renamed {
        added.changes.push(Change {
            rule: Rule::HardenBuildCache,
            action: Action::Replace,
            token: "RUN --mount=type=cache".into(),
            reason: "podman before 5 joins a cache's id or target to its cache folder as written, and follows a link a step left there: each cache is given a folder of one name, id= a digest of what named it".into(),
        });
    }
    Ok(())
}

/// The option that gives a podman build's RUN steps podman's default seccomp profile less new
/// cgroup namespaces ([`crate::seccomp`]), and its text: pinned as a sealed copy. A profile that
/// cannot be read or narrowed refuses the build (`harden.build-cgroup`).
pub(super) fn seccomp(target: &Target, added: &mut Added) -> Result<Option<Vec<u8>>, Refusal> {
    if target.flavor != Flavor::Podman {
        return Ok(None);
    }
    let refuse = |why: String| Refusal {
        rule: Rule::HardenBuildCgroup,
        message: format!(
            "{why}: a build's RUN steps are given podman's seccomp profile, narrowed to refuse new cgroup namespaces"
        ),
    };
    let probe = target
        .seccomp_probe
        .as_ref()
        .ok_or_else(|| refuse("podman's seccomp profile cannot be read here".into()))?;
    let (path, text) = probe().map_err(refuse)?;
    let narrowed = crate::seccomp::without_new_cgroup_namespaces(&text)
        .map_err(|why| refuse(format!("{path}: {why}")))?;
    added.add(
        Rule::HardenBuildCgroup,
        &format!("--security-opt=seccomp={}", crate::seccomp::SEALED_PLACEHOLDER),
        &format!("a build's RUN steps get podman's seccomp profile ({path}) without new cgroup namespaces (unshare and clone refuse them, clone3 answers ENOSYS), as a sealed copy (/proc/self/fd/N): a rootful step mounted its own cgroup again in one and lifted the ceilings it is given"),
    );
    Ok(Some(narrowed))
}

/// Every RUN step of a podman build is given an empty read-only `/sys/fs/cgroup` first
/// ([`crate::containerfile::hidden_cgroups`]): a rootful step lifted its own memory and CPU
/// limits through the read-write cgroup buildah mounts there (the eighty-seventh look's). docker's
/// builder is given the file as written (its legacy builder takes no RUN flag).
pub(super) fn hidden_cgroups(
    cf: &mut crate::commands::Containerfiles,
    target: &Target,
    added: &mut Added,
) -> Result<(), Refusal> {
    if target.flavor != Flavor::Podman {
        return Ok(());
    }
    let texts = cf.texts_mut();
    let mut given = false;
    for text in texts {
        let copy = crate::containerfile::hidden_cgroups(text).map_err(|message| Refusal {
            rule: Rule::HardenBuildCgroup,
            message,
        })?;
        if let Some(copy) = copy {
            *text = copy;
            given = true;
        }
    }
    if !given {
        return Ok(());
    }
    added.changes.push(Change {
        rule: Rule::HardenBuildCgroup,
        action: Action::Add,
        token: format!("RUN {}", String::from_utf8_lossy(crate::containerfile::HIDDEN_CGROUPS)),
        reason: "a build's RUN steps see an empty, read-only /sys/fs/cgroup: a rootful step's own cgroup is mounted read-write there, where it could lift the ceilings it is given".into(),
    });
    Ok(())
}
