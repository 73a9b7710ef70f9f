//! What the policy in force does on this machine: its mode and exempting profiles, ceilings the
//! runtime refuses or an agent cannot live with, whether cgroups can enforce them, and whether
//! the decision log can be written.

use std::path::Path;

use super::check::{Check, CheckId};
use crate::policy;
use crate::rewrite::Flavor;

/// Below this the runtime refuses to create a container (runc and crun: 6 MiB).
pub(crate) const MEMORY_FLOOR: u64 = 6 << 20;
/// Below this an agent (node and a model client) cannot start; the shim still runs it.
pub(crate) const MEMORY_USEFUL: u64 = 256 << 20;

/// The `mode` check: whether the policy hardens containers at all, and which profiles opt out.
pub(crate) fn mode_check(policy: &policy::Policy, label: &str) -> Check {
    const NAME: CheckId = CheckId::Mode;
    match policy.mode {
        policy::Mode::Off => {
            return Check::fail(
                NAME,
                format!(
                    "{label} sets mode = \"off\": every docker command runs unchanged, containers are NOT hardened"
                ),
                format!("set mode = \"enforce\" in {label} (or \"audit\" to only log what would change)"),
            );
        }
        policy::Mode::Audit => {
            return Check::warn(
                NAME,
                format!(
                    "{label} sets mode = \"audit\": containers run unhardened; the decision log records what enforce would change"
                ),
                format!(
                    "set mode = \"enforce\" in {label} once `nanoclaw-shim log --rewritten` shows nothing unexpected"
                ),
            );
        }
        policy::Mode::Enforce => {}
    }
    let loose: Vec<String> = policy
        .profiles
        .iter()
        .filter_map(|p| {
            if p.exempt {
                Some(format!("profile \"{}\" is exempt", p.name))
            } else {
                match p.mode {
                    Some(policy::Mode::Off) => Some(format!("profile \"{}\" sets mode = \"off\"", p.name)),
                    Some(policy::Mode::Audit) => {
                        Some(format!("profile \"{}\" sets mode = \"audit\"", p.name))
                    }
                    _ => None,
                }
            }
        })
        .collect();
    // Settings turned off one at a time, at the top level or in a profile that is otherwise in
    // force (a profile repeats what it inherits: only its own are named): `doctor` said "every
    // agent container is hardened" while a profile matched on nanoclaw's own label ran them
    // privileged, writable and without ceilings (the hundred-and-thirteenth look's).
    let top = policy.rules.weakened();
    let mut weak: Vec<String> = Vec::new();
    if !top.is_empty() {
        weak.push(format!("the top level sets {}", top.join(", ")));
    }
    if !policy.commands.allow.is_empty() {
        weak.push(format!(
            "[commands] allow opens {}",
            policy.commands.allow.join(", ")
        ));
    }
    for p in policy
        .profiles
        .iter()
        .filter(|p| !p.exempt && p.mode.is_none_or(|m| m == policy::Mode::Enforce))
    {
        let own: Vec<String> = p
            .rules
            .weakened()
            .into_iter()
            .filter(|w| !top.contains(w))
            .collect();
        if !own.is_empty() {
            weak.push(format!("profile \"{}\" sets {}", p.name, own.join(", ")));
        }
    }
    match (loose.is_empty(), weak.is_empty()) {
        (true, true) => Check::ok(NAME, "enforce: every agent container is hardened"),
        (true, false) => Check::warn(
            NAME,
            format!("enforce, but weaker than the shipped policy: {}", weak.join("; ")),
            format!(
                "each is {label}'s own setting: keep it only if those containers must run so; `nanoclaw-shim policy diff` shows them against the shipped policy, `nanoclaw-shim explain` which profile a command matches"
            ),
        ),
        (false, _) => Check::warn(
            NAME,
            format!(
                "enforce, but {}: the containers they match are NOT hardened{}",
                loose.join(", "),
                match weak.is_empty() {
                    true => String::new(),
                    false => format!("; and weaker than the shipped policy: {}", weak.join("; ")),
                }
            ),
            format!(
                "remove `exempt = true` / the profile's mode in {label} unless those containers must run unhardened; `nanoclaw-shim explain` shows which profile a command matches"
            ),
        ),
    }
}

/// The `limits` check: memory ceilings the runtime refuses, or an agent cannot live with.
pub(crate) fn limits_check(policy: &policy::Policy, label: &str) -> Check {
    const NAME: CheckId = CheckId::Limits;
    let mut sets: Vec<(String, &policy::Limits)> = vec![("[limits]".to_string(), &policy.rules.limits)];
    for p in &policy.profiles {
        sets.push((format!("profile \"{}\"", p.name), &p.rules.limits));
    }
    let shown = |b: u64| format!("{} ({b} bytes)", crate::units::format_bytes(b));
    let fix =
        format!("set memory to a size with a unit in {label}, e.g. memory = \"4g\" (a bare number is bytes)");
    let too_small: Vec<String> = sets
        .iter()
        .filter_map(|(w, l)| {
            l.memory
                .filter(|&m| m < MEMORY_FLOOR)
                .map(|m| format!("{w} memory = {}", shown(m)))
        })
        .collect();
    if !too_small.is_empty() {
        return Check::fail(
            NAME,
            format!(
                "{}: below the runtime's 6m minimum, every agent container fails to start",
                too_small.join(", ")
            ),
            fix,
        );
    }
    let small: Vec<String> = sets
        .iter()
        .filter_map(|(w, l)| {
            l.memory
                .filter(|&m| m < MEMORY_USEFUL)
                .map(|m| format!("{w} memory = {}", shown(m)))
        })
        .collect();
    if !small.is_empty() {
        return Check::warn(
            NAME,
            format!(
                "{}: too little for an agent, which will be killed for lack of memory",
                small.join(", ")
            ),
            fix,
        );
    }
    let l = &policy.rules.limits;
    Check::ok(
        NAME,
        format!(
            "cpus {}, memory {}, pids {}",
            l.cpus.map_or("unlimited".to_string(), |c| c.to_string()),
            l.memory
                .map_or("unlimited".to_string(), crate::units::format_bytes),
            l.pids.map_or("unlimited".to_string(), |p| p.to_string()),
        ),
    )
}

/// The `cgroup` check: whether the runtime can enforce the policy's ceilings at all.
pub(crate) fn cgroup_check(
    policy: &policy::Policy,
    flavor: Flavor,
    euid: Option<u32>,
    cgroup_v2: bool,
) -> Check {
    const NAME: CheckId = CheckId::Cgroup;
    let l = &policy.rules.limits;
    let wanted = l.cpus.is_some() || l.memory.is_some() || l.pids.is_some();
    let rootless_podman = flavor == Flavor::Podman && euid.is_some_and(|u| u != 0);
    let v = if cgroup_v2 { 2 } else { 1 };
    if rootless_podman && !cgroup_v2 && wanted {
        Check::warn(
            NAME,
            "rootless podman on cgroup v1: podman ignores --cpus, --memory and --pids-limit, so the policy's ceilings are NOT enforced",
            "boot the host with cgroup v2 (systemd.unified_cgroup_hierarchy=1) or run podman rootful; `nanoclaw-shim verify` shows what is in effect",
        )
    } else if !wanted {
        Check::ok(NAME, format!("cgroup v{v}; the policy sets no resource ceilings"))
    } else if !cgroup_v2 && l.memory.is_some() {
        // The kernel charges TCP socket memory to a v1 memory cgroup only once a `kmem.tcp` limit
        // is set, which the shim's hook sets (`mountcheck::tcp_ceiling`) and podman never does,
        // and UDP's not at all: an agent queued 685 MB of buffers on its own loopback under a
        // 128 MB ceiling (the hundred-and-twenty-fourth look's). v2 charges both.
        Check::warn(
            NAME,
            "cgroup v1: the ceilings are enforced, but UDP socket buffers are not charged to a container's memory ceiling, nor a build step's TCP buffers (a container's TCP ones are, by the shim's mount-check hook, unless [podman] verify_mounts is off); an agent can hold memory up to the host-wide net.ipv4.udp_mem and tcp_mem",
            "boot the host with cgroup v2 (systemd.unified_cgroup_hierarchy=1), which charges them, or lower net.ipv4.udp_mem and net.ipv4.tcp_mem",
        )
    } else {
        Check::ok(
            NAME,
            format!("cgroup v{v}: the runtime can enforce the policy's ceilings"),
        )
    }
}

/// nothing but a probe file it removes at once (and only when the log does not exist yet).
pub(crate) fn log_check(path: Option<&Path>, label: &str) -> Check {
    const NAME: CheckId = CheckId::DecisionLog;
    let Some(path) = path else {
        return Check::ok(NAME, "off ([log] path is not set); `nanoclaw-shim log` needs one");
    };
    let shown = path.display();
    let dir = path.parent().unwrap_or(Path::new("/"));
    let unusable = |why: String, fix: String| {
        Check::fail(
            NAME,
            format!("{shown}: {why}; every agent start prints a warning and nothing is logged"),
            fix,
        )
    };
    // The shim writes only where nobody but the caller and root could have put what is there
    // (`log::append`): the nearest folder that exists, and every folder above it.
    let me = crate::process::euid();
    let existing = dir.ancestors().find(|d| d.exists()).unwrap_or(Path::new("/"));
    if let Err(why) = crate::trust::own_file(existing, Some(me)) {
        return unusable(
            format!("its folder is not trusted: {why}"),
            format!("point [log] path in {label} at a folder only you and root can write"),
        );
    }
    if let Ok(m) = std::fs::symlink_metadata(path) {
        if m.file_type().is_symlink() || (m.is_file() && !crate::hostfs::callers_alone(&m, me)) {
            return unusable(
                "is not your file alone (a link, another owner, writable by others or with a second name)"
                    .to_string(),
                format!(
                    "remove {shown} (the shim creates it afresh), or point [log] path in {label} elsewhere"
                ),
            );
        }
    }
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            return unusable(
                "is not a regular file".into(),
                format!("point [log] path in {label} at a file"),
            );
        }
        Ok(m) => {
            use std::os::unix::fs::MetadataExt;
            return match std::fs::OpenOptions::new().append(true).open(path) {
                // The shim makes it the caller's alone at its next line, but a reader that
                // opened it meanwhile keeps reading (the hundred-and-twenty-seventh look's
                // `tail -f`).
                Ok(_) if m.mode() & 0o077 != 0 => Check::warn(
                    NAME,
                    format!(
                        "{shown} is readable by others (mode {:o}): the next logged call makes it 0600, but whoever has it open keeps reading what is added",
                        m.mode() & 0o7777
                    ),
                    format!("chmod 600 {shown}, and make sure no other user holds it open (fuser {shown})"),
                ),
                Ok(_) => Check::ok(NAME, format!("{shown} ({} bytes) is writable", m.len())),
                Err(e) => unusable(
                    format!("cannot be opened for appending ({e})"),
                    format!("chmod u+w {shown}, or point [log] path in {label} elsewhere"),
                ),
            };
        }
        Err(_) => {}
    }
    // The shim creates a missing folder (0700) on the first logged call: what must be writable
    // is the nearest folder that exists.
    let existing = dir.ancestors().find(|d| d.exists()).unwrap_or(Path::new("/"));
    if !existing.is_dir() {
        return unusable(
            format!(
                "{} is not a folder, so the log's folder cannot be created",
                existing.display()
            ),
            format!("point [log] path in {label} elsewhere"),
        );
    }
    let probe = existing.join(format!(".nanoclaw-shim-doctor-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            let what = if existing == dir {
                format!("{shown} will be created on the first logged call")
            } else {
                format!("{shown} and its folder (0700) will be created on the first logged call")
            };
            Check::ok(NAME, what)
        }
        Err(e) => unusable(
            format!("cannot create files in {} ({e})", existing.display()),
            format!(
                "chmod u+w {}, or point [log] path in {label} elsewhere",
                existing.display()
            ),
        ),
    }
}

/// The image names nanoclaw builds (`../shared`'s invocations): its setup's agent image, and
/// since v2 one per agent group, `nanoclaw-agent-v2-<slug>:<tag>` (a slug stands for any).
pub(crate) const NANOCLAW_BUILDS: [&str; 2] = ["nanoclaw-agent:latest", "nanoclaw-agent-v2-slug:tag"];

/// The `agent-build` check: whether nanoclaw's own builds pass the policy. nanoclaw builds an
/// agent group's image when an agent asks for a package, long after the install, and reports a
/// refusal only in its own log; so a policy that refuses them is said here: `build` in
/// `[commands] deny`, an image name nanoclaw builds (or one of `found`, the agent images there
/// are) outside `writable_images`, or `[podman] host_loopback = false` on rootless podman before
/// 5, where a networked build is refused unless its gate is open (the same function decides
/// both). `version` is the runtime's, when it answered.
pub(crate) fn agent_build_check(
    policy: &policy::Policy,
    flavor: Flavor,
    rootless: bool,
    version: Option<crate::rewrite::Version>,
    found: &[String],
) -> Check {
    const NAME: CheckId = CheckId::AgentBuild;
    if policy.mode != policy::Mode::Enforce {
        return Check::ok(
            NAME,
            "the policy does not enforce: no build is refused (see mode)",
        );
    }
    if crate::commands::denied(&policy.commands, "build") {
        return Check::warn(
            NAME,
            "[commands] deny names build: nanoclaw's per-agent image builds (after an agent asks for a package) are refused",
            "remove \"build\" from [commands] deny",
        );
    }
    let deny = &policy.rules.deny;
    let mut problems = Vec::new();
    let mut fixes = Vec::new();
    if deny.on(crate::rules::Rule::DenyImageName) {
        let writable = deny.list(policy::DenyList::WritableImages);
        let refused: Vec<&str> = NANOCLAW_BUILDS
            .iter()
            .copied()
            // Only images built here: one pulled from a registry is not a name nanoclaw builds
            // (the hundred-and-sixth look's `evil.example/x/nanoclaw-agent`).
            .chain(
                found
                    .iter()
                    .map(String::as_str)
                    .filter(|n| !n.contains('/') || n.starts_with("localhost/")),
            )
            .filter(|name| !crate::commands::image_name_writable(name.as_bytes(), writable))
            .collect();
        if !refused.is_empty() {
            problems.push(format!(
                "writable_images ({}) does not match {}, so building it is refused [deny.image-name]",
                writable.join(", "),
                refused.join(", ")
            ));
            fixes.push("add the names nanoclaw builds to [deny] add_writable_images (e.g. \"nanoclaw-*\")");
        }
    }
    if flavor == Flavor::Podman && rootless && crate::rewrite::networked_builds_refused(policy, || version) {
        problems.push(format!(
            "[podman] host_loopback = false on rootless podman {}: nanoclaw's networked builds are refused [deny.build] (their RUN steps would reach the host's loopback through slirp4netns)",
            version.map_or("of an unknown version".to_string(), |(a, b, c)| format!("{a}.{b}.{c}"))
        ));
        fixes.push(
            "upgrade to podman 5 (pasta), or allow them with [commands] allow = [\"build --host-loopback\"], or set [podman] host_loopback = true",
        );
    }
    if problems.is_empty() {
        Check::ok(NAME, "nanoclaw's image builds pass the policy")
    } else {
        Check::warn(NAME, problems.join("; "), fixes.join("; "))
    }
}
