//! What podman's own configuration gives every container unless the argv says otherwise.
//!
//! The shim's hardening is the argv it hands podman, and podman fills in the rest from its
//! containers.conf chain. A mount (`volumes`), a device (`devices`) or a host namespace
//! (`netns`, `pidns`, `ipcns`, `utsns` = `host`) named there reached every container the shim
//! started, past the rules that refuse the same in an argv, and a `shm_size` there set
//! `/dev/shm` above the policy's ceiling; `explain` and `doctor` said nothing (the
//! thirty-seventh pass's looks). What the argv can override is overridden; what it cannot is
//! refused, naming the key to remove; a `[containers]` key the shim does not know is refused,
//! as a flag it does not know is. podman 4.3 and 5 read the keys alike.

use super::rewriter::{Rewriter, value};
use super::{Action, Refusal};
use crate::policy::Rules;
use crate::rules::Rule;
use crate::trust::ConfDefaults;
use crate::units;

/// Whether a namespace setting joins another namespace than a private one of the container's
/// own: the host's, a path's, another container's. `slirp4netns` and `pasta` with options are
/// the policy's decision about the host's loopback, made on the argv.
fn joins(key: &str, value: &str) -> bool {
    let kind = value.split(':').next().unwrap_or(value);
    let private = match key {
        "netns" => {
            ["", "bridge", "private", "none", "slirp4netns", "pasta"].contains(&kind) && !value.contains(':')
        }
        _ => ["", "private", "shareable", "none"].contains(&value),
    };
    !private
}

/// The argv's setting that overrides a namespace key.
fn setting(key: &str) -> crate::flags::Setting {
    match key {
        "netns" => crate::setting!("network"),
        "pidns" => crate::setting!("pid"),
        "ipcns" => crate::setting!("ipc"),
        _ => crate::setting!("uts"),
    }
}

/// Where podman's init program is installed (Debian's, Fedora's): a configured `init_path`
/// elsewhere is a host file bind-mounted into every container started with `--init`.
const INIT_PATHS: [&str; 3] = [
    "/usr/libexec/podman/catatonit",
    "/usr/bin/catatonit",
    "/usr/libexec/catatonit/catatonit",
];

/// Why a key judged by its value ([`crate::trust::CHECKED_KEYS`], `[engine]`'s as `engine.KEY`)
/// is refused, with the rule; `None` when its value is harmless.
fn checked(key: &str, value: &str, rootless: bool) -> Option<(Rule, &'static str)> {
    let v = value.trim_matches('"');
    let bare = key
        .strip_prefix("engine.")
        .or_else(|| key.strip_prefix("network."));
    match bare.unwrap_or(key) {
        "no_pivot_root" if v != "false" => Some((
            Rule::DenySecurityOption,
            "has the runtime chroot into every container in place of pivot_root, which leaves the host's root mounted beneath it",
        )),
        "base_hosts_file" if !["", "none", "image", "/etc/hosts"].contains(&v) => Some((
            Rule::DenyHostFile,
            "copies a host file into every container's /etc/hosts",
        )),
        "env_host" if v != "false" => {
            Some((Rule::DenyEnvHost, "gives every container the host's environment"))
        }
        "oom_score_adj" if v.parse::<i64>().is_ok_and(|n| n < 0) || v.parse::<i64>().is_err() => Some((
            Rule::DenyCeiling,
            "a negative OOM score makes the kernel kill host processes first",
        )),
        "cgroups" if !["enabled", "no-conmon"].contains(&v) => Some((
            Rule::DenyCeiling,
            "a container without a cgroup of its own has no ceiling",
        )),
        "cgroup_conf" if v != "[]" => Some((
            Rule::DenyCeiling,
            "sets a container's cgroup files, its limits among them",
        )),
        "relative_program" => Some((
            Rule::DenyHostExec,
            "names a program or a folder of them by a relative path, which podman finds from the caller's working folder, where agents write; name it by its absolute path",
        )),
        // netavark's firewall rules keep networks apart and forward published ports; `none`
        // leaves a container's traffic to whatever the host's own rules allow (the look `gt`).
        // Only podman's own drivers pass.
        "firewall_driver" if !["", "iptables", "nftables", "firewalld"].contains(&v) => Some((
            Rule::DenyNetworkOption,
            "turns off (or names a driver unknown to the shim for) the firewall rules that keep podman's networks apart",
        )),
        // podman 5's: every container `--privileged`.
        "privileged" if v != "false" => Some((Rule::DenyPrivileged, "makes every container privileged")),
        // As `--security-opt label=disable` is refused in an argv (the look `gm`).
        "label" if v != "true" => Some((
            Rule::DenySecurityOption,
            "switches SELinux separation off for every container",
        )),
        "apparmor_profile" if v.eq_ignore_ascii_case("unconfined") => Some((
            Rule::DenySecurityOption,
            "switches AppArmor off for every container",
        )),
        "init_path" if !INIT_PATHS.contains(&v) => Some((
            Rule::DenyHostFile,
            "bind-mounts a host file into every container started with --init",
        )),
        // (`host` is a rootful podman's default: no user namespace.)
        // Rootful, `keep-id` is the caller's ids, root's (the look `gk`; refused in an argv).
        "userns"
            if v.starts_with("ns:")
                || v.starts_with("container:")
                || crate::deny::userns_problem(v, rootless).is_some() =>
        {
            Some((
                Rule::DenyHostNamespace,
                "gives every container a user namespace the policy refuses in an argv (a path's, ids of its choosing, or rootful keep-id: root's)",
            ))
        }
        _ => None,
    }
}

/// Why every call is refused where podman's configuration sends it to a podman service
/// (`[engine] remote = true`): there it escapes every check the shim makes of this host (its
/// files, its mounts, the hook), as a call under `CONTAINER_HOST` would, which the shim removes.
/// podman 4.3 answered the shim's own `--hooks-dir` with "unknown flag", naming nothing.
pub(super) fn redirect(target: &super::Target, rules: &Rules) -> Option<Refusal> {
    let on = target.flavor == crate::policy::Flavor::Podman && rules.deny.on(Rule::DenyEngineRedirect);
    let (_, value) = target
        .configured
        .checked
        .iter()
        .filter(|_| on)
        .find(|(k, v)| k == "engine.remote" && v != "false")?;
    Some(Refusal {
        rule: Rule::DenyEngineRedirect,
        message: format!(
            "podman's configuration (containers.conf, [engine] remote = {value}) sends every command to a podman service, past the checks the shim makes here; remove the key (or set [deny] engine_redirect = false)"
        ),
    })
}

/// A build's RUN steps get what the configuration gives containers too (the look `gk`: a
/// credential mounted, `/dev/kmsg`, a 100 GiB `/dev/shm`): judged as a `run` that names no
/// namespace of its own, and a `/dev/shm` above the ceiling refused.
pub(super) fn build_refusal(
    conf: &ConfDefaults,
    ulimits: &[String],
    rootless: bool,
    rules: &Rules,
) -> Option<Refusal> {
    // A build's RUN steps get podman's configured ulimits (the shim gives them again beside its
    // `nofile`, [`super::build`]): a configured realtime one reaches them.
    if let Err(r) = refusal(conf, ulimits, rootless, rules, &|_| false, false) {
        return Some(r);
    }
    let max = rules.limits.shm_size?;
    let size = conf
        .shm_sizes
        .iter()
        .find(|s| units::parse_bytes(s.trim_matches('"')).is_none_or(|n| n == 0 || n > max))?;
    rules.deny.on(Rule::DenyCeiling).then(|| Refusal {
        rule: Rule::DenyCeiling,
        message: format!(
            "podman's configuration (containers.conf, [containers] shm_size = {size}) gives a build's RUN steps a /dev/shm above the policy's ceiling of {}; remove the key",
            units::format_bytes(max)
        ),
    })
}

/// What of the configuration refuses a call; `names` says whether the argv names a setting
/// itself (its own namespace overrides the configured one), `ulimits_given` whether the call
/// gets a `--ulimit` (which replaces the configured ones).
fn refusal(
    conf: &ConfDefaults,
    ulimits: &[String],
    rootless: bool,
    rules: &Rules,
    names: &dyn Fn(crate::flags::Setting) -> bool,
    ulimits_given: bool,
) -> Result<(), Refusal> {
    let refuse = |rule: Rule, message: String| Err(Refusal { rule, message });
    let on = |rule: Rule| rules.deny.on(rule);
    if let Some(file) = conf.unreadable.first() {
        if on(Rule::DenyEnvironment) {
            return refuse(
                Rule::DenyEnvironment,
                format!(
                    "podman's configuration file {file} cannot be judged here (not plain TOML, or past 64 MiB), so nothing it gives every container can be; write it as plain TOML"
                ),
            );
        }
    }
    if let Some(key) = conf.unknown.first() {
        if on(Rule::DenyEnvironment) {
            return refuse(
                Rule::DenyEnvironment,
                format!(
                    "podman's configuration (containers.conf, {key}) sets what the shim does not judge; remove the key"
                ),
            );
        }
    }
    if let Some((key, value)) = conf
        .checked
        .iter()
        .find(|(k, v)| checked(k, v, rootless).is_some_and(|(r, _)| on(r)))
    {
        let (rule, why) = checked(key, value, rootless).unwrap_or((Rule::DenyEnvironment, ""));
        let (table, key) = match key.split_once('.') {
            Some((table @ ("engine" | "network"), k)) => (table, k),
            _ => ("containers", key.as_str()),
        };
        // (A relative program's value is its own `key = "path"`.)
        let setting = match key {
            "relative_program" => value.clone(),
            _ => format!("{key} = {value}"),
        };
        return refuse(
            rule,
            format!("podman's configuration (containers.conf, [{table}] {setting}) {why}; remove the key"),
        );
    }
    if let Some(e) = conf.engine_env.iter().find(|e| {
        let name = e.split('=').next().unwrap_or(e);
        // What the shim hands podman of its own caller's environment (proxies, a CA bundle,
        // TMPDIR, which the folder checks judge): an operator's `SSL_CERT_FILE` there is no
        // more than in the unit's environment (the look `gl`).
        !(crate::trust::KEPT_VARS.contains(&name)
            || crate::trust::STORED_VARS.contains(&name)
            || ["TMPDIR", "ALL_PROXY", "all_proxy"].contains(&name))
    }) {
        if on(Rule::DenyEnvironment) {
            let name = e.split('=').next().unwrap_or(e);
            return refuse(
                Rule::DenyEnvironment,
                format!(
                    "podman's configuration (containers.conf, [engine] env or conmon_env_vars) sets {name} in podman's or conmon's environment, where the shim hands it only what it judged; remove it"
                ),
            );
        }
    }
    if let Some(v) = conf.volumes.first() {
        if on(Rule::DenySensitiveMount) {
            return refuse(
                Rule::DenySensitiveMount,
                format!(
                    "podman's configuration (containers.conf, [containers] volumes) mounts {v:?} into every container, past the checks a -v gets; remove the key, and give such a mount with -v"
                ),
            );
        }
    }
    let runtime_annotations = rules.deny.list(crate::policy::DenyList::RuntimeAnnotations);
    if let Some(a) = conf.annotations.iter().find(|a| {
        let key = a.split('=').next().unwrap_or("").trim().to_ascii_lowercase();
        runtime_annotations
            .iter()
            .any(|p| key.starts_with(&p.to_ascii_lowercase()))
    }) {
        if on(Rule::DenyAnnotation) {
            let key = a.split('=').next().unwrap_or("");
            return refuse(
                Rule::DenyAnnotation,
                format!(
                    "podman's configuration (containers.conf, [containers] annotations) gives every container {key:?}, an annotation that reconfigures the runtime (groups, seccomp, devices, hooks), as an --annotation may not; remove it"
                ),
            );
        }
    }
    if let Some(v) = conf.devices.first() {
        if on(Rule::DenyDevice) {
            return refuse(
                Rule::DenyDevice,
                format!(
                    "podman's configuration (containers.conf, [containers] devices) gives every container {v:?}; remove the key"
                ),
            );
        }
    }
    for (key, v) in &conf.namespaces {
        if !joins(key, v) || names(setting(key)) {
            continue;
        }
        let rule = match key.as_str() {
            "netns" if v.contains(':') && !v.starts_with("ns:") && !v.starts_with("container:") => {
                Rule::DenyNetworkOption
            }
            _ => Rule::DenyHostNamespace,
        };
        if on(rule) {
            return refuse(
                rule,
                format!(
                    "podman's configuration (containers.conf, [containers] {key} = {v:?}) gives every container a namespace the policy refuses in an argv; remove the key"
                ),
            );
        }
    }
    let mut profiles: Vec<&String> = conf
        .seccomp_profiles
        .iter()
        .filter(|p| p.starts_with('/'))
        .collect();
    profiles.sort();
    profiles.dedup();
    if profiles.len() > 1 && on(Rule::DenySecurityOption) {
        return refuse(
            Rule::DenySecurityOption,
            format!(
                "podman's configuration names more than one seccomp_profile ({}): which podman reads depends on its version and user; name one",
                profiles.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
            ),
        );
    }
    // Configured limits reach the container only where no --ulimit is given (the shim
    // gives its own `nofile` while the open-files ceiling is on, and copies the rest but
    // realtime's: [`super::limits`]).
    if let Some(u) = ulimits.iter().find(|u| super::limits::realtime(u)) {
        if !ulimits_given && on(Rule::DenyCeiling) {
            return refuse(
                Rule::DenyCeiling,
                format!(
                    "podman's configuration (containers.conf, [containers] default_ulimits) gives every container --ulimit {u}: realtime scheduling escapes the CPU ceiling; remove it"
                ),
            );
        }
    }
    // slirp4netns's and pasta's options: the host's loopback is the policy's decision, made on
    // the argv. podman puts the configured ones before the argv's own, whatever it names.
    if let Some(o) = conf.network_options.first() {
        if rootless && on(Rule::DenyNetworkOption) {
            return refuse(
                Rule::DenyNetworkOption,
                format!(
                    "podman's configuration (containers.conf, network_cmd_options or pasta_options) gives every rootless container's network the option {o:?}, which can open the host's loopback; remove the key"
                ),
            );
        }
    }
    Ok(())
}

impl Rewriter<'_> {
    pub(super) fn configured(
        &mut self,
        conf: &ConfDefaults,
        ulimits: &[String],
        rootless: bool,
        rules: &Rules,
    ) -> Result<(), Refusal> {
        let ulimits_given =
            self.run.last(crate::setting!("ulimit")).is_some() || rules.limits.open_files.is_some();
        refusal(
            conf,
            ulimits,
            rootless,
            rules,
            &|s| self.run.last(s).is_some(),
            ulimits_given,
        )?;
        // `/dev/shm`: podman's own default (64m) is within any ceiling; a configured size above
        // the policy's is given as the ceiling when the argv names none.
        let named =
            self.run.last(crate::setting!("shm-size")).is_some() || rules.hardening.shm_size.is_some();
        if let (Some(max), false) = (rules.limits.shm_size, named) {
            let above = conf
                .shm_sizes
                .iter()
                .find(|s| units::parse_bytes(s.trim_matches('"')).is_none_or(|n| n == 0 || n > max));
            if let Some(size) = above {
                let v = units::format_bytes(max);
                self.add(
                    Rule::HardenShmSize,
                    crate::setting!("shm-size"),
                    value(v.clone()),
                    format!(
                        "podman's configuration gives /dev/shm {size}, above the policy's ceiling of {v}"
                    ),
                );
            } else if let Some(size) = conf.shm_sizes.last() {
                self.note(
                    Rule::HardenShmSize,
                    Action::Keep,
                    String::new(),
                    format!("podman's configuration gives /dev/shm {size}, within the policy's ceiling"),
                );
            }
        }
        Ok(())
    }
}
