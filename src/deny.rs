//! Deny rules: settings that refuse an invocation outright instead of being rewritten.
//!
//! Some settings cannot be neutralised by adding flags: a host namespace, a device, the runtime's
//! socket mounted into the container. These are refused with a rule id and the offending token.
//! Every check reads the parsed options, never raw strings, so spelling, bundling, `=` forms and
//! repeats cannot hide a setting (docker-bench-security's substring match let
//! `no-new-privileges=false` through; this module parses the value instead).

use crate::rules::Rule;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::hostpath;
use crate::mounts;
use crate::parse::{Opt, RunArgs, Verb};
use crate::policy::{Deny, Limits, normalize_cap};
use crate::rewrite::nnp_setting;
use crate::units::{self, NanoCpus};

/// One violated deny rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: Rule,
    /// The offending token, as display text (secrets redacted).
    pub token: String,
    pub reason: String,
}

/// Where the host is, for resolving bind sources.
#[derive(Debug, Clone, Default)]
pub struct HostCtx {
    pub cwd: Option<std::path::PathBuf>,
    pub home: Option<std::path::PathBuf>,
}

fn shown(o: &Opt) -> String {
    crate::rewrite::shown(o.flag, &o.value)
}

fn text(o: &Opt) -> String {
    String::from_utf8_lossy(o.bytes()).into_owned()
}

/// Checks a parsed invocation against the deny rules; returns every violation, in argv order.
pub fn check(run: &RunArgs, deny: &Deny, limits: &Limits, host: &HostCtx) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut sensitive_set: Option<hostpath::Sensitive> = None;
    let mut sensitive = |path: &[u8]| -> Option<&str> {
        let set = sensitive_set
            .get_or_insert_with(|| hostpath::Sensitive::new(&deny.sensitive_paths, host.home.as_deref()));
        set.find(Path::new(std::ffi::OsStr::from_bytes(path)), host.cwd.as_deref())
    };
    let mut v = |rule: Rule, o: &Opt, reason: String| {
        out.push(Violation {
            rule,
            token: shown(o),
            reason,
        });
    };
    match run.verb {
        Verb::Run | Verb::Create => {}
        Verb::Exec => {
            for o in &run.opts {
                match o.flag.long {
                    "privileged" if deny.exec_privileged && o.is_true() => {
                        v(Rule::DenyExecPrivileged, o, "exec with every capability".into())
                    }
                    "user" if deny.exec_root && is_root_user(o.bytes()) => {
                        v(Rule::DenyExecRoot, o, "exec as root".into())
                    }
                    _ => {}
                }
            }
            return out;
        }
        Verb::Update => {
            if deny.update_above_limits {
                for (o, why) in update_above(run, limits) {
                    v(Rule::DenyUpdateLimits, o, why);
                }
            }
            return out;
        }
    }
    for o in &run.opts {
        let val = o.bytes();
        match o.flag.canonical() {
            "privileged" if deny.privileged && o.is_true() => v(
                Rule::DenyPrivileged,
                o,
                "a privileged container has every capability and device".into(),
            ),
            ns @ ("network" | "pid" | "ipc" | "uts" | "userns" | "cgroupns") => {
                for part in split_list(val, ns == "network") {
                    let lower = part.to_ascii_lowercase();
                    if deny.host_namespaces && (lower == "host" || lower.starts_with("ns:")) {
                        v(
                            Rule::DenyHostNamespace,
                            o,
                            format!("shares a host {ns} namespace"),
                        );
                    } else if deny.container_namespaces
                        && matches!(ns, "network" | "pid" | "ipc")
                        && lower.starts_with("container:")
                    {
                        v(
                            Rule::DenyContainerNamespace,
                            o,
                            format!("joins another container's {ns} namespace"),
                        );
                    }
                }
            }
            "security-opt" if deny.weak_security_options => {
                if let Some(why) = weak_security_option(val) {
                    v(Rule::DenySecurityOption, o, why);
                }
            }
            "device" | "device-cgroup-rule" | "gpus" if deny.devices => {
                v(Rule::DenyDevice, o, "exposes host devices".into())
            }
            "volumes-from" if deny.volumes_from => v(
                Rule::DenyVolumesFrom,
                o,
                "copies another container's mounts without checking them".into(),
            ),
            "env-host" if deny.env_host && o.is_true() => v(
                Rule::DenyEnvHost,
                o,
                "copies the host's whole environment, credentials included, into the container".into(),
            ),
            "use-api-socket" if deny.api_socket && o.is_true() => v(
                Rule::DenyApiSocket,
                o,
                "puts the engine's API socket in the container".into(),
            ),
            "user" if deny.root_user && is_root_user(val) => v(Rule::DenyRootUser, o, "runs as root".into()),
            "volume" | "mount" => {
                let m = if o.flag.canonical() == "volume" {
                    mounts::from_volume(val)
                } else {
                    mounts::from_mount(val)
                };
                let Some(m) = m else { continue };
                if deny.shared_propagation && shares_propagation(o.flag.canonical(), val) {
                    v(
                        Rule::DenyMountPropagation,
                        o,
                        "propagates mounts back to the host".into(),
                    );
                }
                // podman's `type=glob` binds every host path its source matches.
                let is_host_path = matches!(&m.kind, mounts::Kind::Bind)
                    || matches!(&m.kind, mounts::Kind::Other(t) if t == "glob")
                    || (o.flag.canonical() == "volume" && m.source.first() == Some(&b'/'));
                if deny.sensitive_mounts && is_host_path && !m.source.is_empty() {
                    if let Some(entry) = sensitive(&m.source) {
                        v(
                            Rule::DenySensitiveMount,
                            o,
                            format!("mounts the sensitive host path {entry}"),
                        );
                    }
                }
            }
            "rootfs" if deny.sensitive_mounts && o.is_true() => {
                // podman's --rootfs makes the "image" a host directory used as the root.
                if let Some(image) = &run.image {
                    let path = image.as_bytes();
                    let path = path.strip_suffix(b":O").unwrap_or(path);
                    if let Some(entry) = sensitive(path) {
                        v(
                            Rule::DenySensitiveMount,
                            o,
                            format!("uses the sensitive host path {entry} as the root"),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Capability additions outside the allow-list, for the deny rule.
pub fn denied_caps(run: &RunArgs, allowed: &[String]) -> Vec<Violation> {
    let mut out = Vec::new();
    for (_, o) in run.find("cap-add") {
        let bad: Vec<String> = text(o)
            .split(',')
            .map(normalize_cap)
            .filter(|c| !allowed.iter().any(|a| a == c))
            .collect();
        if !bad.is_empty() {
            out.push(Violation {
                rule: Rule::DenyCapAdd,
                token: shown(o),
                reason: format!("{} not in allowed_capabilities", bad.join(", ")),
            });
        }
    }
    out
}

/// `network` values are a list (podman splits commas); the others are single values.
fn split_list(val: &[u8], commas: bool) -> Vec<String> {
    let s = String::from_utf8_lossy(val).into_owned();
    if commas {
        s.split(',').map(str::to_string).collect()
    } else {
        vec![s]
    }
}

/// Whether a `--security-opt` value switches confinement off; the reason if so.
pub fn weak_security_option(val: &[u8]) -> Option<String> {
    if nnp_setting(val) == Some(Some(false)) {
        return Some("no-new-privileges=false allows privilege escalation".into());
    }
    let s = String::from_utf8_lossy(val);
    // docker accepts `key=value` and `key:value`.
    let (key, value) = s.split_once('=').or_else(|| s.split_once(':'))?;
    let value = value.trim();
    match (key.trim(), value) {
        ("seccomp", "unconfined") => Some("seccomp=unconfined turns the syscall filter off".into()),
        ("apparmor", "unconfined") => Some("apparmor=unconfined turns AppArmor off".into()),
        ("label", "disable") => Some("label=disable turns SELinux separation off".into()),
        ("label", v) if v.contains("spc_t") => {
            Some("label=type:spc_t is SELinux's super-privileged type".into())
        }
        ("systempaths", "unconfined") => Some("systempaths=unconfined unmasks /proc and /sys paths".into()),
        ("unmask", _) => Some(format!("unmask={value} exposes masked /proc and /sys paths")),
        _ => None,
    }
}

/// `0`, `root`, `0:x`, `root:x`.
pub fn is_root_user(val: &[u8]) -> bool {
    let s = String::from_utf8_lossy(val);
    let user = s.split(':').next().unwrap_or("").trim();
    user == "0" || user == "root"
}

/// `-v src:dst:shared` / `rshared`, `--mount ...,bind-propagation=shared`.
fn shares_propagation(kind: &str, val: &[u8]) -> bool {
    let s = String::from_utf8_lossy(val);
    if kind == "volume" {
        let parts: Vec<&str> = s.split(':').collect();
        return parts.len() == 3 && parts[2].split(',').any(|o| o == "shared" || o == "rshared");
    }
    mounts::csv_fields(val).unwrap_or_default().iter().any(|f| {
        let f = String::from_utf8_lossy(f);
        matches!(f.split_once('='), Some((k, v)) if k.eq_ignore_ascii_case("bind-propagation") && (v == "shared" || v == "rshared"))
    })
}

/// `update` options that would lift a container above the ceilings (0 / -1 mean unlimited).
fn update_above<'a>(run: &'a RunArgs, limits: &Limits) -> Vec<(&'a Opt, String)> {
    let mut out = Vec::new();
    for o in &run.opts {
        let t = text(o);
        match o.flag.long {
            "memory" => {
                if let Some(max) = limits.memory {
                    if units::parse_bytes(&t).is_none_or(|m| m == 0 || m > max) {
                        out.push((
                            o,
                            format!("memory above the ceiling of {}", units::format_bytes(max)),
                        ));
                    }
                }
            }
            "cpus" => {
                if let Some(max) = limits.cpus {
                    if NanoCpus::parse(&t).is_none_or(|c| c.0 == 0 || c > max) {
                        out.push((o, format!("cpus above the ceiling of {max}")));
                    }
                }
            }
            "cpu-quota" => {
                if let Some(max) = limits.cpus {
                    let period = run
                        .last("cpu-period")
                        .and_then(|(_, p)| text(p).parse::<u64>().ok())
                        .filter(|&p| p > 0)
                        .unwrap_or(100_000);
                    let ceiling = (max.0 as u128 * period as u128 / 1_000_000_000) as i64;
                    if t.parse::<i64>().is_ok_and(|q| q <= 0 || q > ceiling) || t.parse::<i64>().is_err() {
                        out.push((o, format!("CPU quota above the ceiling of {max} CPUs")));
                    }
                }
            }
            "pids-limit" => {
                if let Some(max) = limits.pids {
                    if t.parse::<i64>().is_ok_and(|n| n <= 0 || n as u64 > max) || t.parse::<i64>().is_err() {
                        out.push((o, format!("pids above the ceiling of {max}")));
                    }
                }
            }
            _ => {}
        }
    }
    out
}
