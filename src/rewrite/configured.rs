//! What podman's own configuration gives every container unless the argv says otherwise.
//!
//! The shim's hardening is the argv it hands podman, and podman fills in the rest from its
//! containers.conf chain. A mount (`volumes`), a device (`devices`) or a host namespace
//! (`netns`, `pidns`, `ipcns`, `utsns` = `host`) named there reached every container the shim
//! started, past the rules that refuse the same in an argv, and a `shm_size` there set
//! `/dev/shm` above the policy's ceiling; `explain` and `doctor` said nothing (the
//! thirty-seventh pass's look). What the argv can override is overridden; what it cannot is
//! refused, naming the key to remove. podman 4.3 and 5 read the keys alike.

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

impl Rewriter<'_> {
    pub(super) fn configured(
        &mut self,
        conf: &ConfDefaults,
        ulimits: &[String],
        rootless: bool,
        rules: &Rules,
    ) -> Result<(), Refusal> {
        let refuse = |rule: Rule, message: String| Err(Refusal { rule, message });
        // Configured limits reach the container only where no --ulimit is given (the shim
        // gives its own `nofile` while the open-files ceiling is on, and copies the rest but
        // realtime's: [`super::limits`]).
        let given = self.run.last(crate::setting!("ulimit")).is_some() || rules.limits.open_files.is_some();
        if let Some(u) = ulimits.iter().find(|u| super::limits::realtime(u)) {
            if !given && rules.deny.on(Rule::DenyCeiling) {
                return refuse(
                    Rule::DenyCeiling,
                    format!(
                        "podman's configuration (containers.conf, [containers] default_ulimits) gives every container --ulimit {u}: realtime scheduling escapes the CPU ceiling; remove it"
                    ),
                );
            }
        }
        if let Some(v) = conf.volumes.first() {
            if rules.deny.on(Rule::DenySensitiveMount) {
                return refuse(
                    Rule::DenySensitiveMount,
                    format!(
                        "podman's configuration (containers.conf, [containers] volumes) mounts {v:?} into every container, past the checks a -v gets; remove the key, and give such a mount with -v"
                    ),
                );
            }
        }
        if let Some(v) = conf.devices.first() {
            if rules.deny.on(Rule::DenyDevice) {
                return refuse(
                    Rule::DenyDevice,
                    format!(
                        "podman's configuration (containers.conf, [containers] devices) gives every container {v:?}; remove the key"
                    ),
                );
            }
        }
        for (key, v) in &conf.namespaces {
            if !joins(key, v) || self.run.last(setting(key)).is_some() {
                continue;
            }
            let rule = match key.as_str() {
                "netns" if v.contains(':') && !v.starts_with("ns:") && !v.starts_with("container:") => {
                    Rule::DenyNetworkOption
                }
                _ => Rule::DenyHostNamespace,
            };
            if rules.deny.on(rule) {
                return refuse(
                    rule,
                    format!(
                        "podman's configuration (containers.conf, [containers] {key} = {v:?}) gives every container a namespace the policy refuses in an argv; remove the key"
                    ),
                );
            }
        }
        // slirp4netns's and pasta's options: the host's loopback is the policy's decision, made on
        // the argv. podman puts the configured ones before the argv's own, whatever it names.
        if let Some(o) = conf.network_options.first() {
            if rootless && rules.deny.on(Rule::DenyNetworkOption) {
                return refuse(
                    Rule::DenyNetworkOption,
                    format!(
                        "podman's configuration (containers.conf, network_cmd_options or pasta_options) gives every rootless container's network the option {o:?}, which can open the host's loopback; remove the key"
                    ),
                );
            }
        }
        // `/dev/shm`: podman's own default (64m) is within any ceiling; a configured size above
        // the policy's is given as the ceiling when the argv names none.
        let named =
            self.run.last(crate::setting!("shm-size")).is_some() || rules.hardening.shm_size.is_some();
        if let (Some(size), Some(max), false) = (&conf.shm_size, rules.limits.shm_size, named) {
            if units::parse_bytes(size).is_none_or(|n| n == 0 || n > max) {
                let v = units::format_bytes(max);
                self.add(
                    Rule::HardenShmSize,
                    crate::setting!("shm-size"),
                    value(v.clone()),
                    format!(
                        "podman's configuration gives /dev/shm {size:?}, above the policy's ceiling of {v}"
                    ),
                );
            } else {
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
