//! Judging what a container reported: listings, `key=value` probe output, the fixture's JSON
//! report, requested and effective limits, capability masks. Pure functions of text and JSON,
//! public so the real-podman tests judge containers with the same code as `verify`.

use std::collections::BTreeMap;
use std::ffi::OsString;

use crate::parse::{self, Invocation};
use crate::units::{self, NanoCpus};

use super::report::Outcome;

/// The label the fixture image carries (`org.opencontainers.image.title`).
pub const FIXTURE_TITLE: &str = "nanoclaw-shim-fixture";
pub(crate) const START: &str = "---NANOCLAW_OUTPUT_START---";
pub(crate) const END: &str = "---NANOCLAW_OUTPUT_END---";

/// The newest `nanoclaw-agent*` image in a `docker images --format '{{.Repository}}:{{.Tag}}'`
/// listing (newest first, as docker and podman list them). A registry prefix such as podman's
/// `localhost/` is allowed; untagged images are ignored.
pub fn pick_image(listing: &str) -> Option<String> {
    listing
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.ends_with(":<none>") && !l.starts_with("<none>"))
        .find(|l| {
            let repo = l.rsplit_once(':').map_or(*l, |(r, _)| r);
            repo.rsplit('/')
                .next()
                .is_some_and(|last| last.starts_with("nanoclaw-agent"))
        })
        .map(str::to_string)
}

/// `key=value` lines (split at the first `=`); other lines are ignored, a later key wins.
pub fn parse_kv(out: &str) -> BTreeMap<String, String> {
    out.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// The JSON between the last pair of nanoclaw's output sentinels.
pub fn framed_json(stdout: &str) -> Option<&str> {
    let start = stdout.rfind(START)?;
    let rest = &stdout[start + START.len()..];
    let end = rest.find(END)?;
    Some(rest[..end].trim())
}

/// The resource limits of a container: requested (what the runtime was told) or in effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    pub cpus: Option<NanoCpus>,
    pub memory: Option<u64>,
    pub pids: Option<u64>,
}

/// The limits a create/run argv asks for, as podman records it (`.Config.CreateCommand`, the
/// runtime's name first): read with the shim's own parser, so `--cpus=2`, `--cpus 2`, `-m 4g`
/// and repeated flags (the last wins) mean what they mean to docker. Unlimited values (`0`,
/// `-1`) count as none, and so does everything of an argv the parser refuses.
pub fn requested_limits(argv: &[String]) -> Limits {
    // The shim's own global options (the mount check's) are podman's, not docker's.
    let args: Vec<OsString> = argv
        .iter()
        .skip(1)
        .skip_while(|t| crate::mountcheck::is_own_global(t.as_bytes()))
        .map(OsString::from)
        .collect();
    let Ok(Invocation::Run(run)) = parse::parse(&args) else {
        return Limits::default();
    };
    let value = |setting| run.last(setting).map(|(_, o)| crate::text::owned(o.bytes()));
    Limits {
        cpus: value(crate::setting!("cpus"))
            .as_deref()
            .and_then(NanoCpus::parse)
            .filter(|c| c.0 > 0),
        memory: value(crate::setting!("memory"))
            .as_deref()
            .and_then(units::parse_bytes)
            .filter(|&b| b > 0),
        pids: value(crate::setting!("pids-limit"))
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(|v| u64::try_from(v).ok())
            .filter(|&v| v > 0),
    }
}

/// The limits in effect, from the probe's `cgroup`, `pids`, `memory`, `cpu` readings (cgroup
/// v1 or v2 files as read). `None` when unlimited or unreadable.
pub fn effective_limits(kv: &BTreeMap<String, String>) -> Limits {
    let num = |k: &str| kv.get(k).and_then(|v| v.parse::<u64>().ok());
    // v1 reports "no limit" as the largest page-aligned i64.
    let memory = num("memory").filter(|&m| m < (1u64 << 62));
    let pids = num("pids");
    let cpus = kv.get("cpu").and_then(|c| {
        let mut it = c.split_whitespace();
        let quota: i64 = it.next()?.parse().ok()?;
        let period: u64 = it.next()?.parse().ok()?;
        let quota = u64::try_from(quota).ok().filter(|&q| q > 0)?;
        (period > 0).then(|| NanoCpus(quota * 1_000_000_000 / period))
    });
    Limits { cpus, memory, pids }
}

/// From a probe's readings (`parse_kv` of its output): `/` is mounted read-only and a write
/// to it was refused.
pub fn root_read_only(kv: &BTreeMap<String, String>) -> Result<(), String> {
    let rootopts = kv.get("rootopts").cloned().unwrap_or_default();
    let ro = rootopts.split(',').next() == Some("ro");
    if ro && kv.get("root_write").map(String::as_str) == Some("refused") {
        Ok(())
    } else {
        Err(format!(
            "/ is mounted {rootopts:?}, write {}",
            reading(kv.get("root_write").map(String::as_str))
        ))
    }
}

/// From a probe's readings: `dir` is a tmpfs the container could write.
pub fn writable_tmpfs(kv: &BTreeMap<String, String>, dir: &str) -> Result<(), String> {
    let fstype = kv.get(&format!("fstype:{dir}")).cloned().unwrap_or_default();
    let write = kv.get(&format!("write:{dir}")).cloned().unwrap_or_default();
    if fstype == "tmpfs" && write == "ok" {
        Ok(())
    } else {
        Err(format!("{dir}: filesystem {fstype:?}, write {write:?}"))
    }
}

/// From a probe's readings: the effective and bounding capability sets hold nothing beyond
/// `kept` ([`caps_mask`]).
pub fn caps_kept(kv: &BTreeMap<String, String>, kept: u64) -> Result<(), String> {
    if caps_within(kv.get("CapEff"), kept) && caps_within(kv.get("CapBnd"), kept) {
        Ok(())
    } else {
        Err(format!(
            "CapEff {}, CapBnd {}",
            reading(kv.get("CapEff").map(String::as_str)),
            reading(kv.get("CapBnd").map(String::as_str))
        ))
    }
}

/// From a probe's readings: `NoNewPrivs: 1`.
pub fn no_new_privs(kv: &BTreeMap<String, String>) -> Result<(), String> {
    match kv.get("NoNewPrivs").map(String::as_str) {
        Some("1") => Ok(()),
        _ => Err(format!(
            "NoNewPrivs {}",
            reading(kv.get("NoNewPrivs").map(String::as_str))
        )),
    }
}

/// Whether a container could make a cgroup namespace, in which a root process mounts its
/// cgroup again and lifts its limits (what the shim's narrowed seccomp profile refuses,
/// `harden.seccomp`), as the probe ([`crate::verify::PROBE`]) read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespaces {
    Made,
    /// Refused; `user_namespace`: whether a user namespace alone could be made.
    Refused {
        user_namespace: bool,
    },
    /// The image has no `unshare` that can ask (busybox's has no `-C`).
    Untested,
}

/// From a probe's readings: [`Namespaces`].
pub fn cgroup_namespace(kv: &BTreeMap<String, String>) -> Namespaces {
    match kv.get("cgroupns").map(String::as_str) {
        Some("made") => Namespaces::Made,
        Some("refused") => Namespaces::Refused {
            user_namespace: kv.get("userns").map(String::as_str) == Some("made"),
        },
        _ => Namespaces::Untested,
    }
}

/// From `inspect --format '{{json .Config.Annotations}}'`: the container carries the shim's
/// annotation, naming this version and enforce mode, with the read-only root among its rules.
pub fn shim_annotation(annotations_json: &str) -> Result<(), String> {
    use crate::rewrite::annotate::KEY;
    let map: BTreeMap<String, String> = serde_json::from_str(annotations_json.trim())
        .map_err(|_| format!("annotations not readable: {:?}", annotations_json.trim()))?;
    let Some(value) = map.get(KEY) else {
        return Err(format!("no {KEY} annotation: the shim did not rewrite it"));
    };
    let head = format!("nanoclaw-shim/{} mode=enforce rules=", env!("CARGO_PKG_VERSION"));
    let rules = value
        .strip_prefix(&head)
        .ok_or_else(|| format!("{KEY}={value:?}"))?;
    if rules
        .split(';')
        .any(|r| r == crate::rules::Rule::HardenReadOnly.as_str())
    {
        Ok(())
    } else {
        Err(format!("{KEY}={value:?} lacks harden.read-only"))
    }
}

/// A value the probe read, for a message: quoted, or "not reported" (never Rust's `Some(..)`).
pub(crate) fn reading(v: Option<&str>) -> String {
    match v {
        Some(v) => format!("{v:?}"),
        None => "not reported".into(),
    }
}

/// Whether a `/proc/self/status` capability mask is empty.
pub fn caps_empty(mask: Option<&String>) -> bool {
    mask.is_some_and(|m| !m.is_empty() && m.bytes().all(|b| b == b'0'))
}

/// Whether a `/proc/self/status` capability mask holds nothing beyond `allowed`.
pub fn caps_within(mask: Option<&String>, allowed: u64) -> bool {
    mask.and_then(|m| u64::from_str_radix(m, 16).ok())
        .is_some_and(|m| m & !allowed == 0)
}

/// Linux capability numbers (`include/uapi/linux/capability.h`), by name without `CAP_`.
#[rustfmt::skip]
const CAP_BITS: &[(&str, u32)] = &[
    ("CHOWN", 0), ("DAC_OVERRIDE", 1), ("DAC_READ_SEARCH", 2), ("FOWNER", 3), ("FSETID", 4),
    ("KILL", 5), ("SETGID", 6), ("SETUID", 7), ("SETPCAP", 8), ("LINUX_IMMUTABLE", 9),
    ("NET_BIND_SERVICE", 10), ("NET_BROADCAST", 11), ("NET_ADMIN", 12), ("NET_RAW", 13),
    ("IPC_LOCK", 14), ("IPC_OWNER", 15), ("SYS_MODULE", 16), ("SYS_RAWIO", 17),
    ("SYS_CHROOT", 18), ("SYS_PTRACE", 19), ("SYS_PACCT", 20), ("SYS_ADMIN", 21),
    ("SYS_BOOT", 22), ("SYS_NICE", 23), ("SYS_RESOURCE", 24), ("SYS_TIME", 25),
    ("SYS_TTY_CONFIG", 26), ("MKNOD", 27), ("LEASE", 28), ("AUDIT_WRITE", 29),
    ("AUDIT_CONTROL", 30), ("SETFCAP", 31), ("MAC_OVERRIDE", 32), ("MAC_ADMIN", 33),
    ("SYSLOG", 34), ("WAKE_ALARM", 35), ("BLOCK_SUSPEND", 36), ("AUDIT_READ", 37),
    ("PERFMON", 38), ("BPF", 39), ("CHECKPOINT_RESTORE", 40),
];

/// The mask of the capabilities named (without `CAP_`, as the policy's `keep_capabilities`
/// lists them); an unknown name adds nothing.
pub fn caps_mask<S: AsRef<str>>(names: &[S]) -> u64 {
    names
        .iter()
        .filter_map(|c| CAP_BITS.iter().find(|(n, _)| *n == c.as_ref()))
        .fold(0, |m, (_, bit)| m | 1u64 << bit)
}

/// Checks a fixture report (the JSON of an agent run): hardening seen from inside, every write
/// the agent makes, and the prompt that went in on stdin. `rw_mounts` are the container paths
/// mounted read-write that the agent must be able to write; `kept` is the mask of the
/// capabilities the policy keeps ([`caps_mask`]).
pub fn check_fixture_report(
    v: &serde_json::Value,
    prompt: Option<&str>,
    rw_mounts: &[&str],
    kept: u64,
) -> Result<String, String> {
    let mut problems = Vec::new();
    if v["fixture"] != FIXTURE_TITLE {
        return Err("stdout is not a nanoclaw-shim fixture report".into());
    }
    if v["status"] != "success" {
        problems.push(format!("status {}", v["status"]));
    }
    if v["root_readonly"] != true || v["root_writable"] != false {
        problems.push("the root filesystem is writable".into());
    }
    for k in ["cap_eff", "cap_bnd"] {
        if !caps_within(v[k].as_str().map(str::to_string).as_ref(), kept) {
            problems.push(format!("{k} is {} (more than the policy keeps)", v[k]));
        }
    }
    if v["no_new_privs"] != 1 {
        problems.push(format!("NoNewPrivs is {}", v["no_new_privs"]));
    }
    if let Some(writes) = v["writes"].as_object() {
        for (path, ok) in writes {
            let want = path != "/probe-root";
            if ok.as_bool() != Some(want) {
                let why = v["write_errors"][path].as_str().unwrap_or("");
                problems.push(if want {
                    format!("the agent cannot write {path} ({why})")
                } else {
                    format!("the agent could write {path}")
                });
            }
        }
    } else {
        problems.push("no writes in the report".into());
    }
    for m in rw_mounts {
        let probe = format!("{m}/.nanoclaw-fixture-probe");
        if v["writes"][&probe].is_null() {
            problems.push(format!("{m} is not a mount point inside the container"));
        }
    }
    if let Some(p) = prompt {
        if v["stdin"]["prompt"].as_str() != Some(p) {
            problems.push(format!(
                "the prompt did not arrive on stdin (got {})",
                v["stdin"]["prompt"]
            ));
        }
    }
    if problems.is_empty() {
        Ok(format!(
            "uid {} gid {}, every agent write succeeded",
            v["uid"], v["gid"]
        ))
    } else {
        Err(problems.join("\n"))
    }
}

/// Compares one limit: requested vs in effect, with the reason a gap is tolerated (a warning).
pub(crate) fn limit_outcome<T: PartialEq + Copy>(
    what: &str,
    requested: Option<T>,
    effective: Option<T>,
    show: impl Fn(T) -> String,
    unenforceable: Option<&str>,
) -> Outcome {
    match (requested, effective) {
        (None, _) => Outcome::fail(format!("no {what} was requested: the policy in force sets none")),
        (Some(r), Some(e)) if r == e => Outcome::pass_with(format!("{} in effect", show(e))),
        (Some(r), None) => match unenforceable {
            Some(why) => Outcome::warn(format!("{} requested but NOT enforced: {why}", show(r))),
            None => Outcome::fail(format!("{} requested, but the container has no {what}", show(r))),
        },
        (Some(r), Some(e)) => Outcome::fail(format!("{} requested, {} in effect", show(r), show(e))),
    }
}

/// The cpu, memory and pids limits compared, in that order.
pub(crate) fn limit_outcomes(r: Limits, eff: Limits, why: Option<&str>) -> [Outcome; 3] {
    [
        limit_outcome("cpu limit", r.cpus, eff.cpus, show_cpus, why),
        limit_outcome("memory limit", r.memory, eff.memory, show_memory, why),
        limit_outcome("pids limit", r.pids, eff.pids, show_pids, why),
    ]
}

pub(crate) fn show_cpus(c: NanoCpus) -> String {
    format!("cpus {c}")
}

pub(crate) fn show_memory(b: u64) -> String {
    format!("memory {}", units::format_bytes(b))
}

pub(crate) fn show_pids(p: u64) -> String {
    format!("pids {p}")
}
