//! `nanoclaw-shim verify`: compatibility and hardening checks against the real runtime.
//!
//! Every check runs `docker ...` through the shim, exactly as nanoclaw does: a private folder
//! holds a `docker` symlink to this very binary and comes first on `PATH`, so each command is
//! parsed, hardened by the policy in force and exec'd into the real runtime. The checks follow
//! the order of the compatibility plan (image operations, container lifecycle, bind mounts,
//! environment and user, resource limits), then prove from *inside* containers that the
//! hardening is in effect, then run nanoclaw's own invocations.
//!
//! The probes use `--entrypoint /bin/sh IMAGE -c '...'`, which nanoclaw's real agent image
//! (Debian's dash) and the test fixture (busybox sh) both have; only the agent-level runs need
//! the fixture image (`localhost/nanoclaw-shim-fixture`), whose JSON report says what the
//! container allowed, and are skipped with a note for any other image.
//!
//! Each check prints one `[PASS]` / `[FAIL]` line (`[WARN]` when something is requested but the
//! platform cannot enforce it, such as resource limits under rootless podman on cgroup v1;
//! `[SKIP]` when a check does not apply), then `Results: N/M passed`, where M counts the passes
//! and failures. The exit status is 0 only when nothing failed.
//!
//! Everything verify creates (containers, the image it builds) carries the label
//! `nanoclaw-shim.verify=PID-NANOS` and is removed before it exits, also when SIGINT, SIGTERM
//! or SIGHUP interrupts it (exit 128 + the signal); a run killed outright leaves them behind,
//! and the next run removes them once their PID is gone.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, TcpListener};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::runtime::{REENTRY_ENV, RUNTIME_ENV};
use crate::units::{self, NanoCpus};

/// What `nanoclaw-shim verify` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct VerifyArgs {
    /// The image to test; default: the newest local `nanoclaw-agent*` image.
    pub image: Option<String>,
    /// The runtime binary, passed to the shim as `NANOCLAW_SHIM_RUNTIME`.
    pub runtime: Option<OsString>,
    /// Print every command and its output.
    pub verbose: bool,
}

/// The label the fixture image carries (`org.opencontainers.image.title`).
pub const FIXTURE_TITLE: &str = "nanoclaw-shim-fixture";
const START: &str = "---NANOCLAW_OUTPUT_START---";
const END: &str = "---NANOCLAW_OUTPUT_END---";
/// One docker command may take this long (a first run can unpack a large image).
const TIMEOUT: Duration = Duration::from_secs(180);
/// The exit status of a refused invocation.
const EXIT_REFUSED: i32 = crate::shim::EXIT_REFUSED;

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    /// Requested, but the platform cannot enforce it; not a failure, never a silent pass.
    Warn,
    /// Does not apply here.
    Skip,
}

impl Status {
    pub fn tag(self) -> &'static str {
        match self {
            Status::Pass => "[PASS]",
            Status::Fail => "[FAIL]",
            Status::Warn => "[WARN]",
            Status::Skip => "[SKIP]",
        }
    }
}

/// A check's status and what to tell the user about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub detail: Option<String>,
}

impl Outcome {
    pub fn pass() -> Outcome {
        Outcome {
            status: Status::Pass,
            detail: None,
        }
    }
    pub fn pass_with(detail: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Pass,
            detail: Some(detail.into()),
        }
    }
    pub fn fail(detail: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Fail,
            detail: Some(detail.into()),
        }
    }
    pub fn warn(detail: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Warn,
            detail: Some(detail.into()),
        }
    }
    pub fn skip(detail: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Skip,
            detail: Some(detail.into()),
        }
    }

    fn from_result(r: Result<String, String>) -> Outcome {
        match r {
            Ok(d) if d.is_empty() => Outcome::pass(),
            Ok(d) => Outcome::pass_with(d),
            Err(e) => Outcome::fail(e),
        }
    }
}

/// The results so far, grouped as they were recorded.
#[derive(Debug, Default)]
pub struct Tally {
    group: Option<&'static str>,
    statuses: Vec<Status>,
}

impl Tally {
    /// Records one check; returns the text to print (a group header when the group changes).
    pub fn record(&mut self, group: &'static str, name: &str, outcome: &Outcome) -> String {
        let mut out = String::new();
        if self.group != Some(group) {
            if self.group.is_some() {
                out.push('\n');
            }
            out.push_str(group);
            out.push_str(":\n");
            self.group = Some(group);
        }
        out.push_str(&format_line(name, outcome));
        self.statuses.push(outcome.status);
        out
    }

    fn count(&self, s: Status) -> usize {
        self.statuses.iter().filter(|&&x| x == s).count()
    }

    pub fn passed(&self) -> usize {
        self.count(Status::Pass)
    }

    pub fn failed(&self) -> usize {
        self.count(Status::Fail)
    }

    /// `Results: N/M passed`, M being the checks that passed or failed, then warnings and skips.
    pub fn summary(&self) -> String {
        let (p, f) = (self.passed(), self.failed());
        let mut s = format!("Results: {p}/{} passed", p + f);
        let mut extra = Vec::new();
        let w = self.count(Status::Warn);
        if w > 0 {
            extra.push(format!("{w} warning{}", if w == 1 { "" } else { "s" }));
        }
        let k = self.count(Status::Skip);
        if k > 0 {
            extra.push(format!("{k} skipped"));
        }
        if !extra.is_empty() {
            s.push_str(&format!(" ({})", extra.join(", ")));
        }
        s
    }

    /// 0 when nothing failed and something passed.
    pub fn exit_code(&self) -> i32 {
        if self.failed() == 0 && self.passed() > 0 {
            0
        } else {
            1
        }
    }
}

/// `  [PASS] name`, then each detail line indented under the name.
pub fn format_line(name: &str, outcome: &Outcome) -> String {
    let mut s = format!("  {} {name}\n", outcome.status.tag());
    if let Some(d) = &outcome.detail {
        for line in d.lines().filter(|l| !l.trim().is_empty()) {
            s.push_str("         ");
            s.push_str(line);
            s.push('\n');
        }
    }
    s
}

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

/// The limits a create/run argv asks for: the last `--cpus`, `--memory`/`-m` and
/// `--pids-limit`, in either `--flag=value` or `--flag value` spelling (the probes' own
/// arguments after the image never use these words). Unlimited values (`0`, `-1`) count as none.
pub fn requested_limits(argv: &[String]) -> Limits {
    let mut l = Limits::default();
    let mut i = 0;
    while i < argv.len() {
        let t = argv[i].as_str();
        let (name, value) = match t.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (t, argv.get(i + 1).cloned()),
        };
        let inline = t.contains('=');
        let mut used = false;
        match name {
            "--cpus" => {
                l.cpus = value.as_deref().and_then(NanoCpus::parse).filter(|c| c.0 > 0);
                used = true;
            }
            "--memory" | "-m" => {
                l.memory = value.as_deref().and_then(units::parse_bytes).filter(|&b| b > 0);
                used = true;
            }
            "--pids-limit" => {
                l.pids = value
                    .as_deref()
                    .and_then(|v| v.parse::<i64>().ok())
                    .and_then(|v| u64::try_from(v).ok())
                    .filter(|&v| v > 0);
                used = true;
            }
            _ => {}
        }
        i += if used && !inline { 2 } else { 1 };
    }
    l
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

/// The mask of the capabilities the policy in force keeps after dropping ALL (the default's
/// `SYS_CHROOT`); the default policy's when the policy does not load.
fn kept_caps_mask() -> u64 {
    let policy = crate::policy::load(&crate::policy::LookupEnv::from_env(None))
        .map(|(_, p)| p)
        .unwrap_or_default();
    policy
        .rules
        .hardening
        .keep_capabilities
        .iter()
        .filter_map(|c| CAP_BITS.iter().find(|(n, _)| n == c))
        .fold(0, |m, (_, bit)| m | 1u64 << bit)
}

/// Checks a fixture report (the JSON of an agent run): hardening seen from inside, every write
/// the agent makes, and the prompt that went in on stdin. `rw_mounts` are the container paths
/// mounted read-write that the agent must be able to write.
pub fn check_fixture_report(
    v: &serde_json::Value,
    prompt: Option<&str>,
    rw_mounts: &[&str],
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
    let kept = kept_caps_mask();
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
fn limit_outcome<T: PartialEq + Copy>(
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

fn show_cpus(c: NanoCpus) -> String {
    format!("cpus {c}")
}

fn show_memory(b: u64) -> String {
    format!("memory {}", units::format_bytes(b))
}

fn show_pids(p: u64) -> String {
    format!("pids {p}")
}

// ------------------------------------------------------------------ running commands ---

/// What a finished (or abandoned) command did.
#[derive(Debug, Clone, Default)]
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    timed_out: bool,
    error: Option<String>,
}

impl Ran {
    fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// Exit status and the end of stderr, for a failure message.
    fn describe(&self) -> String {
        if let Some(e) = &self.error {
            return e.clone();
        }
        let status = if self.timed_out {
            format!("timed out after {}s", TIMEOUT.as_secs())
        } else {
            match self.code {
                Some(c) => format!("exit {c}"),
                None => "killed by a signal".into(),
            }
        };
        let tail: Vec<&str> = self.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = tail[tail.len().saturating_sub(3)..].join("\n");
        if tail.is_empty() {
            status
        } else {
            format!("{status}: {tail}")
        }
    }
}

/// Waits for a spawned child, feeding `stdin` and collecting its output, killing it (it is our
/// own child) when it outlives `timeout` or when verify is interrupted.
fn finish(mut child: Child, stdin: Option<Vec<u8>>, timeout: Duration) -> Ran {
    let writer = child.stdin.take().map(|mut w| {
        let data = stdin.unwrap_or_default();
        std::thread::spawn(move || {
            let _ = w.write_all(&data);
        })
    });
    // Each pipe is read on its own thread, which hands the bytes over a channel: a killed child
    // may leave a grandchild holding the pipe open, and then the bytes are not waited for.
    let reader = |r: Option<Box<dyn Read + Send>>| {
        let (tx, rx) = mpsc::channel();
        if let Some(mut r) = r {
            std::thread::spawn(move || {
                let mut b = Vec::new();
                let _ = r.read_to_end(&mut b);
                let _ = tx.send(b);
            });
        }
        rx
    };
    let out = reader(child.stdout.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let err = reader(child.stderr.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let deadline = Instant::now() + timeout;
    let mut ran = Ran::default();
    let mut killed = false;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                ran.code = status.code();
                break;
            }
            Ok(None) if interrupt::pending().is_some() => {
                let _ = child.kill();
                let _ = child.wait();
                ran.error = Some("interrupted".into());
                killed = true;
                break;
            }
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                ran.timed_out = true;
                killed = true;
                break;
            }
            Err(e) => {
                ran.error = Some(format!("cannot wait for docker: {e}"));
                break;
            }
        }
    }
    if let Some(w) = writer {
        if !killed {
            let _ = w.join();
        }
    }
    let grace = if killed {
        Duration::from_secs(2)
    } else {
        Duration::from_secs(3600)
    };
    let text = |rx: mpsc::Receiver<Vec<u8>>| {
        rx.recv_timeout(grace)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    ran.stdout = text(out);
    ran.stderr = text(err);
    ran
}

/// SIGINT, SIGTERM and SIGHUP while verify runs: recorded, so that the command in flight is
/// killed, no further command starts, and what this run created is removed before it exits.
///
/// The handler only stores the signal number in an atomic (async-signal-safe); everything else
/// happens in ordinary code that polls [`pending`]. Once cleanup starts the default actions are
/// restored, so a second Ctrl-C ends verify at once (the next run removes what is left).
mod interrupt {
    use std::ffi::c_int;
    use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

    pub const SIGHUP: c_int = 1;
    pub const SIGINT: c_int = 2;
    pub const SIGTERM: c_int = 15;
    const SIGPIPE: c_int = 13;
    const SIG_DFL: usize = 0;
    const SIG_IGN: usize = 1;

    static CAUGHT: AtomicI32 = AtomicI32::new(0);
    static CLEANING: AtomicBool = AtomicBool::new(false);

    // SAFETY: `signal(2)` from the C library std already links; a handler is passed as the
    // address of an `extern "C" fn(c_int)`, or SIG_DFL (0), as the C prototype expects.
    #[allow(unsafe_code)]
    unsafe extern "C" {
        fn signal(signum: c_int, handler: usize) -> usize;
    }

    extern "C" fn record(sig: c_int) {
        CAUGHT.store(sig, Ordering::SeqCst);
    }

    fn set(handler: usize) {
        for sig in [SIGHUP, SIGINT, SIGTERM] {
            // SAFETY: installs a handler that only stores to an atomic (async-signal-safe), or
            // restores the default action; no other code in the process manages these signals.
            #[allow(unsafe_code)]
            unsafe {
                signal(sig, handler);
            }
        }
    }

    /// Starts recording the three signals, and ignores SIGPIPE: the binary's `main` leaves it
    /// at its default (see main.rs), and a command killed before it read its stdin would
    /// otherwise kill verify through the thread still writing to it.
    pub fn install() {
        set(record as extern "C" fn(c_int) as usize);
        // SAFETY: as in `set`; ignoring SIGPIPE turns a write to a closed pipe into EPIPE.
        #[allow(unsafe_code)]
        unsafe {
            signal(SIGPIPE, SIG_IGN);
        }
    }

    /// The signal that interrupted verify, while its checks (not its cleanup) run.
    pub fn pending() -> Option<c_int> {
        if CLEANING.load(Ordering::SeqCst) {
            return None;
        }
        caught()
    }

    /// The signal that interrupted verify, if one did.
    pub fn caught() -> Option<c_int> {
        match CAUGHT.load(Ordering::SeqCst) {
            0 => None,
            s => Some(s),
        }
    }

    /// Cleanup starts: commands run again, and a second signal has its default effect.
    pub fn cleaning() {
        CLEANING.store(true, Ordering::SeqCst);
        set(SIG_DFL);
    }

    pub fn name(sig: c_int) -> &'static str {
        match sig {
            SIGHUP => "SIGHUP",
            SIGINT => "SIGINT",
            SIGTERM => "SIGTERM",
            _ => "a signal",
        }
    }
}

/// The label every container and image verify creates carries; its value is the run's id,
/// `PID-NANOS`, so a later run can tell the leftovers of a dead run from a live one's.
pub const LABEL: &str = "nanoclaw-shim.verify";

/// The ids among `(id, label value)` pairs that a run which is no longer alive left behind;
/// `alive` says whether a process id still runs. A value that is not `PID-NANOS` is not ours.
pub fn stale(found: &[(String, String)], alive: impl Fn(u32) -> bool) -> Vec<String> {
    found
        .iter()
        .filter(|(_, label)| {
            label
                .split_once('-')
                .and_then(|(pid, rest)| {
                    (!rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
                        .then(|| pid.parse::<u32>().ok())
                        .flatten()
                })
                .is_some_and(|pid| !alive(pid))
        })
        .map(|(id, _)| id.clone())
        .collect()
}

/// `ID<TAB>LABEL` lines of an `inspect --format`.
fn id_label_pairs(out: &str) -> Vec<(String, String)> {
    out.lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(i, l)| (i.trim().to_string(), l.trim().to_string()))
        .filter(|(i, _)| !i.is_empty())
        .collect()
}

fn pid_alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
}

/// A value the probe read, for a message: quoted, or "not reported" (never Rust's `Some(..)`).
fn reading(v: Option<&str>) -> String {
    match v {
        Some(v) => format!("{v:?}"),
        None => "not reported".into(),
    }
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn unique_suffix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{}-{}", std::process::id(), nanos % 1_000_000_000_000)
}

fn millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// The shell probe run inside a container: mounts, writes, capabilities, cgroup limits.
const PROBE: &str = r#"r=; while read -r _ m _ o _; do [ "$m" = / ] && r=$o; done < /proc/mounts; echo "rootopts=$r"
if ( : > /.nanoclaw-verify-probe ) 2>/dev/null; then echo root_write=ok; rm -f /.nanoclaw-verify-probe; else echo root_write=refused; fi
for p in /tmp /home/node; do t=; while read -r _ m fs _; do [ "$m" = "$p" ] && t=$fs; done < /proc/mounts; echo "fstype:$p=$t"
if ( : > "$p/.nanoclaw-verify-probe" ) 2>/dev/null; then echo "write:$p=ok"; rm -f "$p/.nanoclaw-verify-probe"; else echo "write:$p=refused"; fi; done
while read -r k v _; do case "$k" in CapEff:|CapPrm:|CapBnd:|NoNewPrivs:) echo "${k%:}=$v";; esac; done < /proc/self/status
echo "uid=$(id -u)"; echo "gid=$(id -g)"
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo cgroup=2
echo "pids=$(cat /sys/fs/cgroup/pids.max 2>/dev/null)"; echo "memory=$(cat /sys/fs/cgroup/memory.max 2>/dev/null)"; echo "cpu=$(cat /sys/fs/cgroup/cpu.max 2>/dev/null)"
else echo cgroup=1
echo "pids=$(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null)"; echo "memory=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null)"
q=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cat /sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us 2>/dev/null)
p=$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us 2>/dev/null || cat /sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us 2>/dev/null)
echo "cpu=$q $p"; fi
"#;

/// A probe container: what it was asked for and what it saw.
struct Probe {
    requested: Limits,
    kv: BTreeMap<String, String>,
}

struct Ctx {
    work: PathBuf,
    shim: PathBuf,
    path: OsString,
    runtime: Option<OsString>,
    image: String,
    id: String,
    verbose: bool,
    rootless: bool,
    cgroup_v2: bool,
    /// The capability mask the policy in force leaves a container (its kept capabilities).
    kept_caps: u64,
    uid: u32,
    gid: u32,
    containers: Vec<String>,
    images: Vec<String>,
}

impl Ctx {
    /// `docker ARGS` through the shim; a `run` or `create` gets this run's [`LABEL`], so that
    /// whatever it leaves behind can be found again.
    fn command(&self, args: &[String]) -> Command {
        let mut c = Command::new(&self.shim);
        c.arg0("docker");
        match args.split_first() {
            Some((sub, rest)) if sub == "run" || sub == "create" => {
                c.arg(sub)
                    .args(["--label", &format!("{LABEL}={}", self.id)])
                    .args(rest);
            }
            _ => {
                c.args(args);
            }
        }
        c.env("PATH", &self.path).env_remove(REENTRY_ENV);
        if let Some(rt) = &self.runtime {
            c.env(RUNTIME_ENV, rt);
        }
        c
    }

    fn show(&self, args: &[String]) {
        if self.verbose {
            let words: Vec<String> = args
                .iter()
                .map(|a| crate::explain::quote(std::ffi::OsStr::new(a)))
                .collect();
            println!("    $ docker {}", words.join(" "));
        }
    }

    fn show_output(&self, ran: &Ran) {
        if self.verbose {
            for (what, text) in [("stdout", &ran.stdout), ("stderr", &ran.stderr)] {
                let text = text.trim_end();
                if text.is_empty() {
                    continue;
                }
                let cut: String = text.chars().take(2000).collect();
                println!("      {what}:");
                for l in cut.lines() {
                    println!("        {l}");
                }
            }
            println!("      -> {}", ran.describe());
        }
    }

    /// Runs `docker ARGS` through the shim, `stdin` piped in (or /dev/null).
    fn docker(&self, args: &[String], stdin: Option<&[u8]>) -> Ran {
        if interrupt::pending().is_some() {
            return Ran {
                error: Some("interrupted".into()),
                ..Ran::default()
            };
        }
        self.show(args);
        let mut c = self.command(args);
        c.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let ran = match c.spawn() {
            Ok(child) => finish(child, stdin.map(<[u8]>::to_vec), TIMEOUT),
            Err(e) => Ran {
                error: Some(format!("cannot start docker: {e}")),
                ..Ran::default()
            },
        };
        self.show_output(&ran);
        ran
    }

    fn name(&mut self, what: &str) -> String {
        let n = format!("nanoclaw-verify-{}-{what}-{}", self.id, millis());
        self.containers.push(n.clone());
        n
    }

    /// `run --rm [extra] --entrypoint /bin/sh IMAGE -c SCRIPT`.
    fn sh(&mut self, what: &str, extra: &[String], script: &str, stdin: Option<&[u8]>) -> Ran {
        let name = self.name(what);
        let mut args = strs(&["run", "--rm", "--name", &name]);
        if stdin.is_some() {
            args.insert(1, "-i".into());
        }
        args.extend(extra.iter().cloned());
        args.extend(strs(&["--entrypoint", "/bin/sh", &self.image, "-c", script]));
        self.docker(&args, stdin)
    }

    /// A folder the agent bind-mounts: world-writable under rootful podman (the agent is uid
    /// 1000, not you), yours and 0755 under rootless (the shim maps you onto the agent's uid).
    fn agent_dir(&self, rel: &str) -> std::io::Result<PathBuf> {
        let p = self.work.join(rel);
        std::fs::create_dir_all(&p)?;
        let mode = if self.rootless { 0o755 } else { 0o777 };
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode))?;
        Ok(p)
    }

    fn file(&self, rel: &str, content: &str) -> std::io::Result<PathBuf> {
        let p = self.work.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&p, content)?;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644))?;
        Ok(p)
    }

    fn unenforceable(&self) -> Option<&'static str> {
        (self.rootless && !self.cgroup_v2).then_some(
            "rootless podman on cgroup v1 cannot apply resource limits (see docs/TROUBLESHOOTING.md); \
             use a cgroup v2 host or rootful podman",
        )
    }

    /// `create` (so the request can be inspected), `start --attach`, `rm`.
    fn probe(&mut self, what: &str, extra: &[String]) -> Result<Probe, String> {
        let name = self.name(what);
        let mut args = strs(&["create", "--name", &name]);
        args.extend(extra.iter().cloned());
        args.extend(strs(&["--entrypoint", "/bin/sh", &self.image, "-c", PROBE]));
        let created = self.docker(&args, None);
        if !created.ok() {
            return Err(format!("docker create failed: {}", created.describe()));
        }
        let cmd = self.docker(
            &strs(&["inspect", "--format", "{{json .Config.CreateCommand}}", &name]),
            None,
        );
        let mut requested = serde_json::from_str::<Vec<String>>(cmd.stdout.trim())
            .map(|argv| requested_limits(&argv))
            .unwrap_or_default();
        if requested == Limits::default() {
            // Not podman (no CreateCommand): what the runtime kept.
            let hc = self.docker(
                &strs(&[
                    "inspect",
                    "--format",
                    "{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}",
                    &name,
                ]),
                None,
            );
            let n: Vec<u64> = hc
                .stdout
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            if let [c, m, p] = n[..] {
                requested = Limits {
                    cpus: (c > 0).then_some(NanoCpus(c)),
                    memory: (m > 0).then_some(m),
                    pids: (p > 0).then_some(p),
                };
            }
        }
        let started = self.docker(&strs(&["start", "--attach", &name]), None);
        let _ = self.docker(&strs(&["rm", "-f", &name]), None);
        if !started.ok() {
            return Err(format!("docker start --attach failed: {}", started.describe()));
        }
        Ok(Probe {
            requested,
            kv: parse_kv(&started.stdout),
        })
    }
}

/// Prints as it records.
struct Out {
    tally: Tally,
}

impl Out {
    fn check(&mut self, group: &'static str, name: &str, outcome: Outcome) {
        if interrupt::pending().is_some() {
            return; // a check cut short says nothing about the runtime
        }
        print!("{}", self.tally.record(group, name, &outcome));
        let _ = std::io::stdout().flush();
    }
}

fn make_work_dir() -> std::io::Result<PathBuf> {
    let base = std::env::temp_dir();
    for n in 0..100 {
        let p = base.join(format!("nanoclaw-shim-verify-{}-{n}", unique_suffix()));
        match std::fs::DirBuilder::new().mode(0o700).create(&p) {
            Ok(()) => return Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("cannot create a unique temporary folder"))
}

/// Runs every check; returns the exit status.
pub fn run(args: &VerifyArgs) -> i32 {
    interrupt::install();
    let exe = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("nanoclaw-shim verify: cannot find this program's own path: {e}");
            return 2;
        }
    };
    let work = match make_work_dir() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("nanoclaw-shim verify: cannot create a temporary folder: {e}");
            return 2;
        }
    };
    let shim_dir = work.join("bin");
    let prepared = std::fs::DirBuilder::new()
        .mode(0o755)
        .create(&shim_dir)
        .and_then(|()| std::os::unix::fs::symlink(&exe, shim_dir.join("docker")));
    if let Err(e) = prepared {
        eprintln!("nanoclaw-shim verify: cannot prepare {}: {e}", shim_dir.display());
        let _ = std::fs::remove_dir_all(&work);
        return 2;
    }
    let mut path = vec![shim_dir.clone()];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let euid = std::fs::metadata("/proc/self").map_or(0, |m| m.uid());
    let egid = std::fs::metadata("/proc/self").map_or(0, |m| m.gid());
    let mut ctx = Ctx {
        shim: shim_dir.join("docker"),
        path: std::env::join_paths(path).unwrap_or_default(),
        work: work.clone(),
        runtime: args.runtime.clone(),
        image: String::new(),
        id: unique_suffix(),
        verbose: args.verbose,
        rootless: euid != 0,
        cgroup_v2: Path::new("/sys/fs/cgroup/cgroup.controllers").exists(),
        kept_caps: kept_caps_mask(),
        uid: euid,
        gid: egid,
        containers: Vec::new(),
        images: Vec::new(),
    };
    let code = run_checks(&mut ctx, args, &exe);
    let signal = interrupt::caught();
    if let Some(sig) = signal {
        eprintln!(
            "\nnanoclaw-shim verify: interrupted by {}; removing the containers and image this run \
             created (interrupt again to stop at once: the next verify removes what is left)",
            interrupt::name(sig)
        );
    }
    interrupt::cleaning();
    cleanup(&mut ctx);
    if let Err(e) = std::fs::remove_dir_all(&work) {
        eprintln!(
            "nanoclaw-shim verify: note: could not remove {} completely ({e}); files created by \
             containers may need `podman unshare rm -rf` (rootless) or root",
            work.display()
        );
    }
    match signal {
        Some(sig) => 128 + sig,
        None => code,
    }
}

/// Removes what this run created: its containers (by name, then any other carrying its
/// label, such as the unnamed smoke test) and its built image.
fn cleanup(ctx: &mut Ctx) {
    let verbose = ctx.verbose;
    ctx.verbose = false;
    let names: Vec<String> = std::mem::take(&mut ctx.containers);
    if !names.is_empty() {
        let mut kill = strs(&["kill"]);
        kill.extend(names.iter().cloned());
        let mut rm = strs(&["rm", "-f"]);
        rm.extend(names);
        let _ = ctx.docker(&kill, None);
        let _ = ctx.docker(&rm, None);
    }
    let mine = format!("label={LABEL}={}", ctx.id);
    let listed = ctx.docker(&strs(&["ps", "-a", "-q", "--filter", &mine]), None);
    let ids: Vec<String> = listed.stdout.split_whitespace().map(str::to_string).collect();
    if listed.ok() && !ids.is_empty() {
        let mut rm = strs(&["rm", "-f"]);
        rm.extend(ids);
        let _ = ctx.docker(&rm, None);
    }
    for img in std::mem::take(&mut ctx.images) {
        let _ = ctx.docker(&strs(&["rmi", "-f", &img]), None);
    }
    ctx.verbose = verbose;
}

/// Removes the containers, images and temporary folders that earlier verify runs left behind
/// when they were killed before their cleanup (their process is gone); a run still going on is
/// left alone. Returns one line per kind of thing removed.
fn sweep_leftovers(ctx: &mut Ctx) -> Vec<String> {
    let verbose = ctx.verbose;
    ctx.verbose = false;
    let mut said = Vec::new();
    let filter = format!("label={LABEL}");
    let format = format!("{{{{.Id}}}}\t{{{{index .Config.Labels \"{LABEL}\"}}}}");
    for (what, list, inspect, remove) in [
        (
            "container",
            strs(&["ps", "-a", "-q", "--filter", &filter]),
            strs(&["inspect", "--format", &format]),
            strs(&["rm", "-f"]),
        ),
        (
            "image",
            strs(&["images", "-q", "--filter", &filter]),
            strs(&["image", "inspect", "--format", &format]),
            strs(&["rmi", "-f"]),
        ),
    ] {
        let listed = ctx.docker(&list, None);
        let mut ids: Vec<String> = listed.stdout.split_whitespace().map(str::to_string).collect();
        ids.dedup();
        if !listed.ok() || ids.is_empty() {
            continue;
        }
        let mut args = inspect;
        args.extend(ids);
        let found = ctx.docker(&args, None);
        let old = stale(&id_label_pairs(&found.stdout), pid_alive);
        if old.is_empty() {
            continue;
        }
        let mut args = remove;
        args.extend(old.iter().cloned());
        let removed = ctx.docker(&args, None);
        said.push(if removed.ok() {
            format!(
                "removed {} {what}(s) an interrupted verify left behind",
                old.len()
            )
        } else {
            format!(
                "could not remove {} {what}(s) an interrupted verify left behind: {}",
                old.len(),
                removed.describe()
            )
        });
    }
    let dirs = sweep_work_dirs(&std::env::temp_dir(), pid_alive);
    if dirs > 0 {
        said.push(format!(
            "removed {dirs} temporary folder(s) an interrupted verify left behind"
        ));
    }
    ctx.verbose = verbose;
    said
}

/// Removes `nanoclaw-shim-verify-PID-...` folders of dead runs owned by this user from `base`.
fn sweep_work_dirs(base: &Path, alive: impl Fn(u32) -> bool) -> usize {
    let me = std::fs::metadata("/proc/self").map_or(u32::MAX, |m| m.uid());
    let Ok(entries) = std::fs::read_dir(base) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name
            .to_str()
            .and_then(|n| n.strip_prefix("nanoclaw-shim-verify-"))
        else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let ours = std::fs::symlink_metadata(e.path()).is_ok_and(|m| m.is_dir() && m.uid() == me);
        if ours && !alive(pid) && std::fs::remove_dir_all(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

fn run_checks(ctx: &mut Ctx, args: &VerifyArgs, exe: &Path) -> i32 {
    let mut out = Out {
        tally: Tally::default(),
    };
    println!("nanoclaw-shim verify");
    println!("====================");

    // The runtime, through the shim.
    let version = ctx.docker(&strs(&["--version"]), None);
    if !version.ok() {
        out.check(
            "Setup",
            "docker (the shim) reaches the runtime",
            Outcome::fail(format!(
                "`docker --version` through the shim failed: {}\n\
                 is podman installed (or NANOCLAW_SHIM_RUNTIME / --runtime set)?",
                version.describe()
            )),
        );
        println!("\n{}", out.tally.summary());
        return 1;
    }
    for line in sweep_leftovers(ctx) {
        println!("note:     {line}");
    }
    let rootless = ctx.docker(&strs(&["info", "--format", "{{.Host.Security.Rootless}}"]), None);
    match rootless.stdout.trim() {
        "true" => ctx.rootless = true,
        "false" => ctx.rootless = false,
        _ => {}
    }

    // The image.
    let image = match &args.image {
        Some(i) => i.clone(),
        None => {
            let listing = ctx.docker(&strs(&["images", "--format", "{{.Repository}}:{{.Tag}}"]), None);
            if interrupt::pending().is_some() {
                return 1;
            }
            match pick_image(&listing.stdout) {
                Some(i) => i,
                None => {
                    eprintln!(
                        "nanoclaw-shim verify: no local image named nanoclaw-agent* was found{}.\n\
                         Build nanoclaw's agent image first (./container/build.sh in nanoclaw), or \
                         name one with --image IMAGE.",
                        if listing.ok() {
                            String::new()
                        } else {
                            format!(" ({})", listing.describe())
                        }
                    );
                    return 2;
                }
            }
        }
    };
    ctx.image = image.clone();
    let title = ctx.docker(
        &strs(&[
            "image",
            "inspect",
            "--format",
            "{{index .Labels \"org.opencontainers.image.title\"}}",
            &image,
        ]),
        None,
    );
    let is_fixture = title.ok() && title.stdout.trim() == FIXTURE_TITLE;
    let policy = Command::new(exe)
        .arg0("nanoclaw-shim")
        .args(["policy", "show"])
        .env_remove(REENTRY_ENV)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .find_map(|l| l.strip_prefix("# policy in force:").map(|s| s.trim().to_string()))
        });
    println!(
        "image:    {image}{}",
        if is_fixture {
            " (the nanoclaw-shim test fixture)"
        } else {
            ""
        }
    );
    println!(
        "runtime:  {} ({}, cgroup v{}) through {}",
        version.stdout.trim(),
        if ctx.rootless { "rootless" } else { "rootful" },
        if ctx.cgroup_v2 { 2 } else { 1 },
        ctx.shim.display()
    );
    if let Some(p) = policy {
        println!("policy:   {p}");
    }
    println!();

    image_operations(ctx, &mut out);
    lifecycle(ctx, &mut out);
    bind_mounts(ctx, &mut out);
    environment(ctx, &mut out);
    resource_limits(ctx, &mut out);
    hardening(ctx, &mut out);
    real_agent(ctx, &mut out);
    nanoclaw(ctx, &mut out, is_fixture);

    if interrupt::pending().is_some() {
        return 1;
    }
    println!("\n{}", out.tally.summary());
    out.tally.exit_code()
}

fn image_operations(ctx: &mut Ctx, out: &mut Out) {
    const G: &str = "Image operations";
    let info = ctx.docker(&strs(&["info"]), None);
    out.check(
        G,
        "docker info",
        if info.ok() {
            Outcome::pass()
        } else {
            Outcome::fail(info.describe())
        },
    );

    let image = ctx.image.clone();
    let size = ctx.docker(
        &strs(&["image", "inspect", &image, "--format", "{{.Size}}"]),
        None,
    );
    out.check(
        G,
        "docker image inspect --format '{{.Size}}'",
        match size.stdout.trim().parse::<u64>() {
            Ok(n) if size.ok() && n > 0 => Outcome::pass_with(format!("{image}: {n} bytes")),
            _ if !size.ok() => Outcome::fail(format!("{image}: {}", size.describe())),
            _ => Outcome::fail(format!("unexpected output {:?}", size.stdout.trim())),
        },
    );

    let outcome = build_image(ctx, &image);
    out.check(
        G,
        "docker build -t TAG -f Dockerfile DIR",
        Outcome::from_result(outcome),
    );
}

fn build_image(ctx: &mut Ctx, image: &str) -> Result<String, String> {
    let tag = format!("nanoclaw-shim-verify-build-{}:latest", ctx.id);
    let dockerfile = ctx
        .file(
            "build/Dockerfile",
            &format!("FROM {image}\nLABEL nanoclaw-shim.verify=\"{}\"\n", ctx.id),
        )
        .map_err(|e| format!("cannot write the Dockerfile: {e}"))?;
    let context = dockerfile
        .parent()
        .unwrap_or(&ctx.work)
        .to_string_lossy()
        .into_owned();
    ctx.images.push(tag.clone());
    let built = ctx.docker(
        &strs(&["build", "-t", &tag, "-f", &dockerfile.to_string_lossy(), &context]),
        None,
    );
    if !built.ok() {
        return Err(built.describe());
    }
    let label = ctx.docker(
        &strs(&[
            "image",
            "inspect",
            "--format",
            "{{index .Labels \"nanoclaw-shim.verify\"}}",
            &tag,
        ]),
        None,
    );
    if label.stdout.trim() == ctx.id {
        Ok(format!("built {tag} FROM {image}"))
    } else {
        Err(format!("the built image lacks its label: {}", label.describe()))
    }
}

fn lifecycle(ctx: &mut Ctx, out: &mut Out) {
    const G: &str = "Container lifecycle";
    let input = format!("{{\"prompt\":\"nanoclaw-shim verify {}\"}}\n", ctx.id);
    let ran = ctx.sh("stdin", &[], "cat", Some(input.as_bytes()));
    out.check(
        G,
        "docker run -i --rm --name nanoclaw-<group>-<ts> with stdin piped in",
        if ran.ok() && ran.stdout == input {
            Outcome::pass()
        } else if ran.ok() {
            Outcome::fail(format!("stdin did not come back: {:?}", ran.stdout))
        } else {
            Outcome::fail(ran.describe())
        },
    );

    let ran = ctx.sh("exit", &[], "exit 3", None);
    out.check(
        G,
        "the container's exit code passes through",
        if ran.code == Some(3) {
            Outcome::pass()
        } else {
            Outcome::fail(format!("expected exit 3, got {}", ran.describe()))
        },
    );

    // A running agent: ps --filter, then stop -t 1.
    let (ps, stop) = running_agent(ctx);
    out.check(
        G,
        "docker ps --filter label=... / name=... --format '{{.Names}}'",
        ps,
    );
    out.check(G, "docker stop -t 1 of a running agent", stop);

    let name = ctx.name("create");
    let mut create = strs(&["create", "--rm", "--name", &name]);
    create.extend(strs(&[
        "--entrypoint",
        "/bin/sh",
        &ctx.image,
        "-c",
        "echo created-then-started",
    ]));
    let created = ctx.docker(&create, None);
    let outcome = if !created.ok() {
        Outcome::fail(format!("docker create: {}", created.describe()))
    } else {
        let started = ctx.docker(&strs(&["start", "--attach", &name]), None);
        if started.ok() && started.stdout.contains("created-then-started") {
            Outcome::pass()
        } else {
            Outcome::fail(format!("docker start --attach: {}", started.describe()))
        }
    };
    out.check(G, "docker create, then docker start --attach", outcome);

    // Several agents at once.
    let mut children = Vec::new();
    for k in 0..3 {
        if interrupt::pending().is_some() {
            return;
        }
        let name = ctx.name(&format!("parallel{k}"));
        let mut args = strs(&["run", "-i", "--rm", "--name", &name]);
        args.extend(strs(&["--entrypoint", "/bin/sh", &ctx.image, "-c", "cat"]));
        ctx.show(&args);
        let child = ctx
            .command(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        children.push((format!("agent {k} of {}\n", ctx.id), child));
    }
    let handles: Vec<_> = children
        .into_iter()
        .map(|(input, child)| {
            std::thread::spawn(move || match child {
                Ok(c) => {
                    let r = finish(c, Some(input.clone().into_bytes()), TIMEOUT);
                    if r.ok() && r.stdout == input {
                        Ok(())
                    } else {
                        Err(r.describe())
                    }
                }
                Err(e) => Err(format!("cannot start docker: {e}")),
            })
        })
        .collect();
    let errors: Vec<String> = handles
        .into_iter()
        .enumerate()
        .filter_map(|(k, h)| match h.join() {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(format!("agent {k}: {e}")),
            Err(_) => Some(format!("agent {k}: panicked")),
        })
        .collect();
    out.check(
        G,
        "three agents in parallel",
        if errors.is_empty() {
            Outcome::pass()
        } else {
            Outcome::fail(errors.join("\n"))
        },
    );
}

/// Starts a long-running agent, lists it with `ps --filter`, stops it with `stop -t 1`.
fn running_agent(ctx: &mut Ctx) -> (Outcome, Outcome) {
    if interrupt::pending().is_some() {
        let f = Outcome::fail("interrupted");
        return (f.clone(), f);
    }
    let name = ctx.name("stop");
    let label = format!("nanoclaw-shim-verify={}", ctx.id);
    let mut args = strs(&["run", "--rm", "--name", &name, "--label", &label]);
    let script = r#"trap 'exit 143' TERM; echo ready; sleep 60 & wait"#;
    args.extend(strs(&["--entrypoint", "/bin/sh", &ctx.image, "-c", script]));
    ctx.show(&args);
    let mut child = match ctx
        .command(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            let f = Outcome::fail(format!("cannot start docker: {e}"));
            return (f.clone(), f);
        }
    };
    let (tx, rx) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    let deadline = Instant::now() + TIMEOUT;
    let mut ready = false;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        if interrupt::pending().is_some() {
            break;
        }
        match rx.recv_timeout(left.min(Duration::from_millis(100))) {
            Ok(l) if l.trim() == "ready" => {
                ready = true;
                break;
            }
            Ok(_) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    if !ready {
        let _ = child.kill();
        let r = finish(child, None, Duration::from_secs(5));
        let f = Outcome::fail(format!("the agent never started: {}", r.describe()));
        return (f.clone(), f);
    }
    let by_label = ctx.docker(
        &strs(&[
            "ps",
            "--filter",
            &format!("label={label}"),
            "--format",
            "{{.Names}}",
        ]),
        None,
    );
    let by_name = ctx.docker(
        &strs(&[
            "ps",
            "--filter",
            &format!("name=nanoclaw-verify-{}", ctx.id),
            "--format",
            "{{.Names}}",
        ]),
        None,
    );
    let listed = |r: &Ran| r.ok() && r.stdout.lines().any(|l| l.trim() == name);
    let ps = if listed(&by_label) && listed(&by_name) {
        Outcome::pass()
    } else {
        Outcome::fail(format!(
            "{name} not listed: by label {:?} ({}), by name {:?} ({})",
            by_label.stdout.trim(),
            by_label.describe(),
            by_name.stdout.trim(),
            by_name.describe()
        ))
    };
    let t0 = Instant::now();
    let stopped = ctx.docker(&strs(&["stop", "-t", "1", &name]), None);
    let ended = finish(child, None, Duration::from_secs(30));
    let took = t0.elapsed().as_secs_f32();
    let stop = if !stopped.ok() {
        Outcome::fail(stopped.describe())
    } else if ended.timed_out {
        Outcome::fail("the agent's docker run did not end after docker stop")
    } else {
        let how = match ended.code {
            Some(143) => "ended by SIGTERM (exit 143)".to_string(),
            Some(137) => "killed after the timeout (exit 137)".to_string(),
            Some(c) => format!("exit {c}"),
            None => "ended by a signal".to_string(),
        };
        Outcome::pass_with(format!("{how} in {took:.1}s"))
    };
    (ps, stop)
}

fn bind_mounts(ctx: &mut Ctx, out: &mut Out) {
    const G: &str = "Bind mounts";
    let rw = bind_rw(ctx);
    out.check(
        G,
        "read-write bind mount (host path with a space)",
        Outcome::from_result(rw),
    );
    let ro = bind_ro(ctx);
    out.check(G, "read-only bind mount rejects writes", Outcome::from_result(ro));
    let files = bind_files(ctx);
    out.check(
        G,
        "single-file :ro binds (inside a bind mount, inside the /tmp tmpfs)",
        Outcome::from_result(files),
    );
}

fn bind_rw(ctx: &mut Ctx) -> Result<String, String> {
    let dir = ctx.agent_dir("mounts/group dir").map_err(|e| e.to_string())?;
    let hello = dir.join("hello.txt");
    std::fs::write(&hello, "hello from the host\n").map_err(|e| e.to_string())?;
    let _ = std::fs::set_permissions(&hello, std::fs::Permissions::from_mode(0o644));
    let vol = format!("{}:/workspace/group", dir.display());
    let ran = ctx.sh(
        "rw",
        &strs(&["-v", &vol]),
        "cat /workspace/group/hello.txt && echo from-the-container > /workspace/group/written.txt",
        None,
    );
    if !ran.stdout.contains("hello from the host") {
        return Err(format!("the host file is not visible: {}", ran.describe()));
    }
    if !ran.ok() {
        return Err(format!(
            "the container cannot write the mount: {}",
            ran.describe()
        ));
    }
    let written = dir.join("written.txt");
    match std::fs::read_to_string(&written) {
        Ok(s) if s.trim() == "from-the-container" => {
            let owner = std::fs::metadata(&written).map(|m| m.uid()).unwrap_or(u32::MAX);
            Ok(format!(
                "the container's file is on the host, owned by uid {owner}"
            ))
        }
        _ => Err("the container's write did not reach the host".into()),
    }
}

fn bind_ro(ctx: &mut Ctx) -> Result<String, String> {
    let dir = ctx.agent_dir("mounts/global").map_err(|e| e.to_string())?;
    std::fs::write(dir.join("hello.txt"), "read-only hello\n").map_err(|e| e.to_string())?;
    let vol = format!("{}:/workspace/global:ro", dir.display());
    let ran = ctx.sh(
        "ro",
        &strs(&["-v", &vol]),
        "cat /workspace/global/hello.txt; if ( : > /workspace/global/x ) 2>/dev/null; then echo WRITABLE; else echo REFUSED; fi",
        None,
    );
    if !ran.ok() || !ran.stdout.contains("read-only hello") {
        return Err(format!("the host file is not visible: {}", ran.describe()));
    }
    if ran.stdout.contains("REFUSED") && !dir.join("x").exists() {
        Ok(String::new())
    } else {
        Err("a write to the :ro mount succeeded".into())
    }
}

fn bind_files(ctx: &mut Ctx) -> Result<String, String> {
    let dir = ctx.agent_dir("mounts/agent").map_err(|e| e.to_string())?;
    let cfg = ctx
        .file("mounts/agent/container.json", "{\"verify\":true}\n")
        .map_err(|e| e.to_string())?;
    let ca = ctx
        .file("mounts/onecli-ca.pem", "-----BEGIN CERTIFICATE-----\n")
        .map_err(|e| e.to_string())?;
    let extra = strs(&[
        "-v",
        &format!("{}:/workspace/agent", dir.display()),
        "-v",
        &format!("{}:/workspace/agent/container.json:ro", cfg.display()),
        "-v",
        &format!("{}:/tmp/onecli-gateway-ca.pem:ro", ca.display()),
    ]);
    let ran = ctx.sh(
        "files",
        &extra,
        "cat /workspace/agent/container.json /tmp/onecli-gateway-ca.pem",
        None,
    );
    if ran.ok() && ran.stdout.contains("\"verify\":true") && ran.stdout.contains("BEGIN CERTIFICATE") {
        Ok(String::new())
    } else {
        Err(ran.describe())
    }
}

fn environment(ctx: &mut Ctx, out: &mut Out) {
    const G: &str = "Environment and user";
    let value = format!("value-{}", ctx.id);
    let ran = ctx.sh(
        "env",
        &strs(&["-e", &format!("NANOCLAW_VERIFY_VALUE={value}")]),
        "printf '%s' \"$NANOCLAW_VERIFY_VALUE\"",
        None,
    );
    out.check(
        G,
        "-e KEY=VALUE",
        if ran.ok() && ran.stdout == value {
            Outcome::pass()
        } else {
            Outcome::fail(ran.describe())
        },
    );

    let ran = ctx.sh(
        "tz",
        &strs(&["-e", "TZ=America/New_York"]),
        "printf '%s' \"$TZ\"",
        None,
    );
    out.check(
        G,
        "-e TZ=America/New_York",
        if ran.ok() && ran.stdout == "America/New_York" {
            Outcome::pass()
        } else {
            Outcome::fail(format!("TZ={:?}: {}", ran.stdout, ran.describe()))
        },
    );

    let ran = ctx.sh(
        "user",
        &strs(&["--user", "1000:1000"]),
        "echo \"$(id -u):$(id -g)\"",
        None,
    );
    out.check(
        G,
        "--user 1000:1000",
        if ran.ok() && ran.stdout.trim() == "1000:1000" {
            Outcome::pass()
        } else {
            Outcome::fail(format!("id: {:?}: {}", ran.stdout.trim(), ran.describe()))
        },
    );

    // nanoclaw passes --user <your uid>:<gid> -e HOME=/home/node when you are neither 0 nor 1000.
    let (uid, gid) = (ctx.uid, ctx.gid);
    let name = "--user <your uid>:<gid> -e HOME=/home/node (as nanoclaw passes it) writes its workspace";
    if uid == 0 || uid == 1000 {
        out.check(
            G,
            name,
            Outcome::skip(format!("you are uid {uid}: nanoclaw passes no --user")),
        );
        return;
    }
    let result = own_user(ctx, uid, gid).map(|d| format!("--user {uid}:{gid}: {d}"));
    out.check(G, name, Outcome::from_result(result));
}

fn own_user(ctx: &mut Ctx, uid: u32, gid: u32) -> Result<String, String> {
    let dir = ctx.agent_dir("mounts/user-group").map_err(|e| e.to_string())?;
    let ran = ctx.sh(
        "ownuser",
        &strs(&[
            "--user",
            &format!("{uid}:{gid}"),
            "-e",
            "HOME=/home/node",
            "-v",
            &format!("{}:/workspace/group", dir.display()),
        ]),
        "id -u && echo mine > /workspace/group/mine.txt && echo ok > \"$HOME/.probe\"",
        None,
    );
    if !ran.ok() {
        return Err(ran.describe());
    }
    if ran.stdout.lines().next().map(str::trim) != Some(uid.to_string().as_str()) {
        return Err(format!(
            "runs as uid {}",
            reading(ran.stdout.lines().next().map(str::trim))
        ));
    }
    let owner = std::fs::metadata(dir.join("mine.txt"))
        .map(|m| m.uid())
        .map_err(|e| e.to_string())?;
    if owner == uid {
        Ok("the file it wrote is yours".into())
    } else {
        Err(format!("the file it wrote belongs to uid {owner}, not you"))
    }
}

fn resource_limits(ctx: &mut Ctx, out: &mut Out) {
    const G: &str = "Resource limits";
    let flags = strs(&["--cpus=2", "--memory=4g", "--pids-limit=256"]);
    let probe = ctx.probe("limits", &flags);
    let why = ctx.unenforceable();
    match probe {
        Err(e) => {
            for n in ["--cpus=2", "--memory=4g", "--pids-limit=256"] {
                out.check(G, n, Outcome::fail(e.clone()));
            }
        }
        Ok(p) => {
            let eff = effective_limits(&p.kv);
            let r = p.requested;
            out.check(
                G,
                "--cpus=2",
                limit_outcome("cpu limit", r.cpus, eff.cpus, show_cpus, why),
            );
            out.check(
                G,
                "--memory=4g",
                limit_outcome("memory limit", r.memory, eff.memory, show_memory, why),
            );
            out.check(
                G,
                "--pids-limit=256",
                limit_outcome("pids limit", r.pids, eff.pids, show_pids, why),
            );
        }
    }
}

fn hardening(ctx: &mut Ctx, out: &mut Out) {
    const G: &str = "Hardening in effect";
    let why = ctx.unenforceable();
    match ctx.probe("hardening", &[]) {
        Err(e) => out.check(G, "a container with no flags of its own", Outcome::fail(e)),
        Ok(p) => {
            let kv = &p.kv;
            let rootopts = kv.get("rootopts").cloned().unwrap_or_default();
            let ro = rootopts.split(',').next() == Some("ro");
            out.check(
                G,
                "root filesystem is read-only",
                if ro && kv.get("root_write").map(String::as_str) == Some("refused") {
                    Outcome::pass()
                } else {
                    Outcome::fail(format!(
                        "/ is mounted {rootopts:?}, write {}",
                        reading(kv.get("root_write").map(String::as_str))
                    ))
                },
            );
            for dir in ["/tmp", "/home/node"] {
                let fstype = kv.get(&format!("fstype:{dir}")).cloned().unwrap_or_default();
                let write = kv.get(&format!("write:{dir}")).cloned().unwrap_or_default();
                out.check(
                    G,
                    &format!("{dir} is a writable tmpfs"),
                    if fstype == "tmpfs" && write == "ok" {
                        Outcome::pass()
                    } else {
                        Outcome::fail(format!("{dir}: filesystem {fstype:?}, write {write:?}"))
                    },
                );
            }
            out.check(
                G,
                "no capabilities beyond the policy's kept ones (CapEff and CapBnd)",
                if caps_within(kv.get("CapEff"), ctx.kept_caps)
                    && caps_within(kv.get("CapBnd"), ctx.kept_caps)
                {
                    Outcome::pass()
                } else {
                    Outcome::fail(format!(
                        "CapEff {}, CapBnd {}",
                        reading(kv.get("CapEff").map(String::as_str)),
                        reading(kv.get("CapBnd").map(String::as_str))
                    ))
                },
            );
            out.check(
                G,
                "no-new-privileges (NoNewPrivs: 1)",
                if kv.get("NoNewPrivs").map(String::as_str) == Some("1") {
                    Outcome::pass()
                } else {
                    Outcome::fail(format!(
                        "NoNewPrivs {}",
                        reading(kv.get("NoNewPrivs").map(String::as_str))
                    ))
                },
            );
            let eff = effective_limits(kv);
            let r = p.requested;
            let parts = [
                limit_outcome("cpu limit", r.cpus, eff.cpus, show_cpus, why),
                limit_outcome("memory limit", r.memory, eff.memory, show_memory, why),
                limit_outcome("pids limit", r.pids, eff.pids, show_pids, why),
            ];
            let worst = parts
                .iter()
                .map(|o| o.status)
                .max_by_key(|s| match s {
                    Status::Pass | Status::Skip => 0,
                    Status::Warn => 1,
                    Status::Fail => 2,
                })
                .unwrap_or(Status::Pass);
            let detail: Vec<String> = parts.iter().filter_map(|o| o.detail.clone()).collect();
            out.check(
                G,
                "cpu, memory and pids ceilings without any limit flags",
                Outcome {
                    status: worst,
                    detail: Some(detail.join("\n")),
                },
            );
        }
    }

    // --privileged: refused, or at least without effect.
    let name = ctx.name("privileged");
    let mut args = strs(&["run", "--rm", "--name", &name, "--privileged"]);
    args.extend(strs(&[
        "--entrypoint",
        "/bin/sh",
        &ctx.image,
        "-c",
        "while read -r k v _; do case \"$k\" in CapBnd:) echo \"CapBnd=$v\";; esac; done < /proc/self/status",
    ]));
    let ran = ctx.docker(&args, None);
    let outcome = if ran.code == Some(EXIT_REFUSED) {
        match no_container(ctx, &name) {
            Ok(()) => Outcome::pass_with("refused (exit 125), no container created"),
            Err(e) => Outcome::fail(e),
        }
    } else if ran.ok() && caps_within(parse_kv(&ran.stdout).get("CapBnd"), ctx.kept_caps) {
        Outcome::pass_with("ran without its privileges (CapBnd holds only the kept capabilities)")
    } else {
        Outcome::fail(format!(
            "--privileged took effect: {:?} {}",
            ran.stdout.trim(),
            ran.describe()
        ))
    };
    out.check(G, "a caller's --privileged is refused or without effect", outcome);

    let name = ctx.name("refused");
    let args = strs(&[
        "run",
        "--rm",
        "--name",
        &name,
        "--nanoclaw-verify-no-such-flag",
        &ctx.image,
    ]);
    let ran = ctx.docker(&args, None);
    let outcome = if ran.code != Some(EXIT_REFUSED) {
        Outcome::fail(format!("expected exit 125, got {}", ran.describe()))
    } else if !ran.stdout.is_empty() {
        Outcome::fail("the refusal wrote to stdout")
    } else {
        match no_container(ctx, &name) {
            Ok(()) => Outcome::pass_with(ran.stderr.lines().next().unwrap_or("").to_string()),
            Err(e) => Outcome::fail(e),
        }
    };
    out.check(
        G,
        "an unknown flag is refused (exit 125) and creates no container",
        outcome,
    );
}

/// What nanoclaw's real agent needs beyond the hardening: `docker stop` reaching the agent when
/// nanoclaw overrides the entrypoint (the shim's `--init`), and the browser's own sandbox working
/// under the hardening (the kept `SYS_CHROOT`), checked in the user's image when it has Chromium.
fn real_agent(ctx: &mut Ctx, out: &mut Out) {
    const G: &str = "Real agent";
    if interrupt::pending().is_some() {
        return;
    }
    out.check(
        G,
        "docker stop -t 2 stops an agent whose entrypoint is overridden (SIGTERM, not SIGKILL)",
        graceful_stop(ctx),
    );
    out.check(
        G,
        "the browser starts with its own sandbox under the hardening",
        browser(ctx),
    );
}

/// A PID 1 with no SIGTERM handler (`sleep`, like nanoclaw's `bun` behind `--entrypoint bash
/// -c 'exec ...'`) ignores `docker stop`'s SIGTERM and is killed (137) unless an init forwards it.
fn graceful_stop(ctx: &mut Ctx) -> Outcome {
    let name = ctx.name("graceful");
    let args = strs(&[
        "run",
        "-d",
        "--name",
        &name,
        "--entrypoint",
        "sleep",
        &ctx.image.clone(),
        "600",
    ]);
    let started = ctx.docker(&args, None);
    if !started.ok() {
        return Outcome::fail(format!("cannot start it: {}", started.describe()));
    }
    let stopped = ctx.docker(&strs(&["stop", "-t", "2", &name]), None);
    let code = ctx.docker(
        &strs(&["inspect", "--format", "{{.State.ExitCode}}", &name]),
        None,
    );
    let _ = ctx.docker(&strs(&["rm", "--force", &name]), None);
    match code.stdout.trim() {
        "143" if stopped.ok() => Outcome::pass_with("exit 143: the agent received SIGTERM"),
        "137" => Outcome::fail(
            "exit 137: SIGKILLed after the grace period; the agent never saw SIGTERM \
             (is [hardening] init off?)",
        ),
        other => Outcome::fail(format!("exit {other:?}: {}", stopped.describe())),
    }
}

/// Chromium in the image, started headless WITH its sandbox, renders a page.
fn browser(ctx: &mut Ctx) -> Outcome {
    let image = ctx.image.clone();
    let find = "for b in chromium chromium-browser google-chrome; do command -v $b && exit 0; done; exit 1";
    let found = ctx.docker(
        &strs(&["run", "--rm", "--entrypoint", "/bin/sh", &image, "-c", find]),
        None,
    );
    let Some(bin) = found
        .ok()
        .then(|| found.stdout.trim().to_string())
        .filter(|b| !b.is_empty())
    else {
        return Outcome::skip("the image has no Chromium");
    };
    let page = "data:text/html,<p>nanoclaw-shim-browser-ok</p>";
    let ran = ctx.docker(
        &strs(&[
            "run",
            "--rm",
            "--entrypoint",
            &bin,
            &image,
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--dump-dom",
            page,
        ]),
        None,
    );
    if ran.stdout.contains("nanoclaw-shim-browser-ok") {
        Outcome::pass_with(format!("{bin} rendered a page, sandbox on"))
    } else if ran.stderr.contains("sys_chroot") || ran.stderr.contains("zygote") {
        Outcome::fail(format!(
            "Chromium's sandbox cannot start (chroot refused): keep SYS_CHROOT \
             ([hardening] keep_capabilities); {}",
            ran.describe()
        ))
    } else {
        Outcome::fail(format!("{bin} did not render: {}", ran.describe()))
    }
}

fn no_container(ctx: &Ctx, name: &str) -> Result<(), String> {
    let ps = ctx.docker(
        &strs(&[
            "ps",
            "-a",
            "--filter",
            &format!("name={name}"),
            "--format",
            "{{.Names}}",
        ]),
        None,
    );
    if !ps.ok() {
        return Err(format!("docker ps -a: {}", ps.describe()));
    }
    if ps.stdout.lines().any(|l| l.trim() == name) {
        Err(format!(
            "a container {name} exists although the invocation was refused"
        ))
    } else {
        Ok(())
    }
}

fn nanoclaw(ctx: &mut Ctx, out: &mut Out, is_fixture: bool) {
    const G: &str = "nanoclaw invocation";
    let image = ctx.image.clone();
    let ran = ctx.docker(
        &strs(&[
            "run",
            "-i",
            "--rm",
            "--entrypoint",
            "/bin/echo",
            &image,
            "Container OK",
        ]),
        Some(b"{}"),
    );
    out.check(
        G,
        "setup's smoke test: echo '{}' | docker run -i --rm --entrypoint /bin/echo IMAGE \"Container OK\"",
        if ran.ok() && ran.stdout.trim() == "Container OK" {
            Outcome::pass()
        } else {
            Outcome::fail(format!("stdout {:?}: {}", ran.stdout.trim(), ran.describe()))
        },
    );

    let ran = ctx.sh(
        "addhost",
        &strs(&["--add-host=host.docker.internal:host-gateway"]),
        "cat /etc/hosts",
        None,
    );
    let gateway: Option<IpAddr> = ran
        .stdout
        .lines()
        .filter(|l| l.split_whitespace().skip(1).any(|w| w == "host.docker.internal"))
        .find_map(|l| l.split_whitespace().next().and_then(|a| a.parse().ok()));
    out.check(
        G,
        "--add-host=host.docker.internal:host-gateway",
        match (ran.ok(), gateway) {
            (true, Some(ip)) => Outcome::pass_with(format!("host.docker.internal is {ip}")),
            (true, None) => Outcome::fail("no host.docker.internal line in /etc/hosts"),
            (false, _) => Outcome::fail(ran.describe()),
        },
    );

    let names = [
        "v1 agent: JSON on stdin, sentinel-framed JSON out, every agent write succeeds",
        "v2 agent: --entrypoint bash ... -c 'exec bun run ...' with OneCLI mounts and --add-host",
        "host.docker.internal reaches a service on the host",
    ];
    if !is_fixture {
        for n in names {
            out.check(
                G,
                n,
                Outcome::skip(
                    "needs the fixture image (localhost/nanoclaw-shim-fixture); nanoclaw's real agent \
                     needs credentials, the smoke test above is what nanoclaw itself runs",
                ),
            );
        }
        return;
    }

    let v1 = agent_v1(ctx, &image);
    out.check(G, names[0], Outcome::from_result(v1));
    let v2 = agent_v2(ctx, &image);
    out.check(G, names[1], Outcome::from_result(v2));
    let reach = match gateway {
        None => Outcome::fail("host-gateway did not give host.docker.internal an address (see above)"),
        Some(ip) => reach_host(ctx, ip),
    };
    out.check(G, names[2], reach);
}

/// nanoclaw v1: `-i --rm`, JSON on stdin, sentinel-framed JSON on stdout.
fn agent_v1(ctx: &mut Ctx, image: &str) -> Result<String, String> {
    let group = ctx.agent_dir("v1/groups/main").map_err(|e| e.to_string())?;
    let global = ctx.agent_dir("v1/groups/global").map_err(|e| e.to_string())?;
    let claude = ctx
        .agent_dir("v1/sessions/main/.claude")
        .map_err(|e| e.to_string())?;
    let ipc = ctx.agent_dir("v1/ipc/main").map_err(|e| e.to_string())?;
    let name = ctx.name("v1");
    let args = strs(&[
        "run",
        "-i",
        "--rm",
        "--name",
        &name,
        "-e",
        "TZ=UTC",
        "-v",
        &format!("{}:/workspace/group", group.display()),
        "-v",
        &format!("{}:/workspace/global:ro", global.display()),
        "-v",
        &format!("{}:/home/node/.claude", claude.display()),
        "-v",
        &format!("{}:/workspace/ipc", ipc.display()),
        image,
    ]);
    let prompt = format!("nanoclaw-shim verify {}", ctx.id);
    let input = format!("{{\"prompt\":\"{prompt}\",\"secrets\":{{\"ANTHROPIC_API_KEY\":\"placeholder\"}}}}");
    let ran = ctx.docker(&args, Some(input.as_bytes()));
    if !ran.ok() {
        return Err(ran.describe());
    }
    let json = framed_json(&ran.stdout).ok_or("no sentinel-framed output on stdout")?;
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("bad JSON: {e}"))?;
    check_fixture_report(&v, Some(&prompt), &["/workspace/group", "/home/node/.claude"])
}

/// nanoclaw v2: no stdin, bun through bash, OneCLI's single-file binds in /tmp, --add-host.
fn agent_v2(ctx: &mut Ctx, image: &str) -> Result<String, String> {
    let sess = ctx
        .agent_dir("v2/data/v2-sessions/ag1/sess1")
        .map_err(|e| e.to_string())?;
    let group = ctx.agent_dir("v2/groups/main").map_err(|e| e.to_string())?;
    let cfg = ctx
        .file("v2/groups/main/container.json", "{}\n")
        .map_err(|e| e.to_string())?;
    let md = ctx
        .file("v2/groups/main/CLAUDE.md", "# agent\n")
        .map_err(|e| e.to_string())?;
    let global = ctx.agent_dir("v2/groups/global").map_err(|e| e.to_string())?;
    let shared = ctx
        .agent_dir("v2/data/v2-sessions/ag1/.claude-shared")
        .map_err(|e| e.to_string())?;
    let src = ctx
        .agent_dir("v2/container/agent-runner/src")
        .map_err(|e| e.to_string())?;
    let skills = ctx.agent_dir("v2/container/skills").map_err(|e| e.to_string())?;
    let ca = ctx
        .file("v2/onecli-proxy-ca.pem", "-----BEGIN CERTIFICATE-----\n")
        .map_err(|e| e.to_string())?;
    let name = ctx.name("v2");
    let v = |h: &Path, c: &str| format!("{}:{c}", h.display());
    let args = strs(&[
        "run",
        "--rm",
        "--name",
        &name,
        "--label",
        &format!("nanoclaw-install={}", ctx.id),
        "-e",
        "TZ=Europe/Berlin",
        "-e",
        "HTTPS_PROXY=http://x:placeholder@host.docker.internal:10255",
        "-e",
        "NODE_EXTRA_CA_CERTS=/tmp/onecli-gateway-ca.pem",
        "-v",
        &v(&ca, "/tmp/onecli-gateway-ca.pem:ro"),
        "--add-host=host.docker.internal:host-gateway",
        "-v",
        &v(&sess, "/workspace"),
        "-v",
        &v(&group, "/workspace/agent"),
        "-v",
        &v(&cfg, "/workspace/agent/container.json:ro"),
        "-v",
        &v(&md, "/workspace/agent/CLAUDE.md:ro"),
        "-v",
        &v(&global, "/workspace/global:ro"),
        "-v",
        &v(&shared, "/home/node/.claude"),
        "-v",
        &v(&src, "/app/src:ro"),
        "-v",
        &v(&skills, "/app/skills:ro"),
        "--entrypoint",
        "bash",
        image,
        "-c",
        "exec bun run /app/src/index.ts",
    ]);
    let ran = ctx.docker(&args, None);
    if !ran.ok() {
        return Err(ran.describe());
    }
    let json = framed_json(&ran.stdout).ok_or("no sentinel-framed output on stdout")?;
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("bad JSON: {e}"))?;
    if v["files"]["/tmp/onecli-gateway-ca.pem"]["readable"] != true {
        return Err("the OneCLI CA bind inside /tmp is not readable".into());
    }
    check_fixture_report(
        &v,
        None,
        &["/workspace", "/workspace/agent", "/home/node/.claude"],
    )
}

/// A listener on the host address host.docker.internal leads to (the host's 127.0.0.1 when it
/// is slirp4netns' 10.0.2.2), and the fixture's `connect` mode inside.
fn reach_host(ctx: &mut Ctx, gateway: IpAddr) -> Outcome {
    let slirp: IpAddr = [10, 0, 2, 2].into();
    let listen: IpAddr = if gateway == slirp {
        [127, 0, 0, 1].into()
    } else {
        gateway
    };
    let listener = match TcpListener::bind((listen, 0)) {
        Ok(l) => l,
        Err(e) => {
            return Outcome::skip(format!(
                "host.docker.internal is {gateway}, which is not an address of this host ({e}); a \
                 host service must listen where the container can reach it"
            ));
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let greeting = format!("nanoclaw-shim-verify-{}", ctx.id);
    let _ = listener.set_nonblocking(true);
    let g = greeting.clone();
    let server = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            match listener.accept() {
                Ok((mut s, peer)) => {
                    let _ = s.write_all(format!("{g}\n").as_bytes());
                    return Some(peer);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        None
    });
    let name = ctx.name("connect");
    let args = strs(&[
        "run",
        "--rm",
        "--name",
        &name,
        "--add-host=host.docker.internal:host-gateway",
        &ctx.image,
        "connect",
        "host.docker.internal",
        &port.to_string(),
    ]);
    let ran = ctx.docker(&args, None);
    // Unblock the server if nothing connected.
    let _ = std::net::TcpStream::connect((listen, port));
    let peer = server.join().ok().flatten();
    let v: Option<serde_json::Value> = framed_json(&ran.stdout).and_then(|j| serde_json::from_str(j).ok());
    match v {
        Some(v) if v["connect"]["ok"] == true && v["connect"]["response"] == greeting.as_str() => {
            Outcome::pass_with(format!(
                "{listen}:{port} answered{}",
                peer.map(|p| format!(" (connection from {})", p.ip()))
                    .unwrap_or_default()
            ))
        }
        Some(v) => Outcome::fail(format!("{listen}:{port} not reached: {}", v["connect"])),
        None => Outcome::fail(ran.describe()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_of_dead_runs_only() {
        let found = vec![
            ("c-dead".to_string(), "4194304-17".to_string()),
            ("c-live".to_string(), "42-17".to_string()),
            ("c-other".to_string(), "somebody else's".to_string()),
            ("c-empty".to_string(), String::new()),
            ("c-nopid".to_string(), "-17".to_string()),
        ];
        assert_eq!(stale(&found, |pid| pid == 42), ["c-dead"]);
        assert_eq!(
            id_label_pairs("abc\t1-2\n\ndef\t\nnoise\n"),
            [
                ("abc".to_string(), "1-2".to_string()),
                ("def".to_string(), String::new())
            ]
        );
    }

    #[test]
    fn work_dirs_of_dead_runs_are_swept() {
        let d = tempfile::tempdir().unwrap();
        for n in [
            "nanoclaw-shim-verify-4194304-99-0",
            "nanoclaw-shim-verify-42-99-0",
            "nanoclaw-shim-other",
        ] {
            std::fs::create_dir_all(d.path().join(n).join("bin")).unwrap();
        }
        assert_eq!(sweep_work_dirs(d.path(), |pid| pid == 42), 1);
        assert!(!d.path().join("nanoclaw-shim-verify-4194304-99-0").exists());
        assert!(d.path().join("nanoclaw-shim-verify-42-99-0").exists());
        assert!(d.path().join("nanoclaw-shim-other").exists());
    }

    #[test]
    fn tally_counts_and_formats() {
        let mut t = Tally::default();
        let a = t.record("Image operations", "docker info", &Outcome::pass());
        assert_eq!(a, "Image operations:\n  [PASS] docker info\n");
        let b = t.record(
            "Image operations",
            "docker build",
            &Outcome::fail("exit 1: boom\nsecond"),
        );
        assert_eq!(
            b,
            "  [FAIL] docker build\n         exit 1: boom\n         second\n"
        );
        let c = t.record("Resource limits", "--cpus=2", &Outcome::warn("not enforced"));
        assert!(c.starts_with("\nResource limits:\n  [WARN] --cpus=2\n"), "{c}");
        t.record("nanoclaw invocation", "v1", &Outcome::skip("not the fixture"));
        assert_eq!(t.passed(), 1);
        assert_eq!(t.failed(), 1);
        assert_eq!(t.summary(), "Results: 1/2 passed (1 warning, 1 skipped)");
        assert_eq!(t.exit_code(), 1);
    }

    #[test]
    fn all_passing_exits_zero_and_nothing_run_does_not() {
        let mut t = Tally::default();
        assert_eq!(t.exit_code(), 1, "no checks is not a success");
        for n in 0..14 {
            t.record("G", &n.to_string(), &Outcome::pass());
        }
        assert_eq!(t.summary(), "Results: 14/14 passed");
        assert_eq!(t.exit_code(), 0);
        t.record("G", "w", &Outcome::warn("x"));
        assert_eq!(t.exit_code(), 0, "a warning is not a failure");
        assert_eq!(t.summary(), "Results: 14/14 passed (1 warning)");
        t.record("G", "w2", &Outcome::warn("x"));
        assert!(t.summary().ends_with("(2 warnings)"));
    }

    #[test]
    fn picks_the_newest_nanoclaw_agent_image() {
        let listing = "localhost/other:latest\n<none>:<none>\nlocalhost/nanoclaw-agent-v2-3f9a1c0e:latest\nlocalhost/nanoclaw-agent:latest\n";
        assert_eq!(
            pick_image(listing).as_deref(),
            Some("localhost/nanoclaw-agent-v2-3f9a1c0e:latest")
        );
        assert_eq!(
            pick_image("nanoclaw-agent:dev\n").as_deref(),
            Some("nanoclaw-agent:dev")
        );
        assert_eq!(pick_image("localhost/nanoclaw-agent:<none>\n"), None);
        assert_eq!(
            pick_image("localhost/my-nanoclaw-agent:latest\nregistry:5000/x:1\n"),
            None
        );
        assert_eq!(
            pick_image("registry.example:5000/team/nanoclaw-agent:1\n").as_deref(),
            Some("registry.example:5000/team/nanoclaw-agent:1")
        );
        assert_eq!(pick_image(""), None);
    }

    #[test]
    fn key_values_and_frames() {
        let kv = parse_kv("rootopts=ro,relatime\nnoise\nfstype:/tmp=tmpfs\nCapEff=0000000000000000\n");
        assert_eq!(kv["rootopts"], "ro,relatime");
        assert_eq!(kv["fstype:/tmp"], "tmpfs");
        assert!(caps_empty(kv.get("CapEff")));
        assert!(caps_within(Some(&"0000000000040000".to_string()), 1 << 18));
        assert!(!caps_within(Some(&"0000000000240000".to_string()), 1 << 18));
        assert!(!caps_within(None, 1 << 18));
        assert!(!caps_empty(Some(&"00000000a80425fb".to_string())));
        assert!(!caps_empty(None));
        let out = format!("log\n{START}\n{{\"a\":1}}\n{END}\n{START}\n{{\"b\":2}}\n{END}\n");
        assert_eq!(framed_json(&out), Some("{\"b\":2}"));
        assert_eq!(framed_json("nothing"), None);
        assert_eq!(framed_json(&format!("{START}\n{{}}")), None);
    }

    #[test]
    fn requested_limits_from_a_create_command() {
        let argv = strs(&[
            "podman",
            "create",
            "--cpus",
            "4",
            "--memory",
            "4096m",
            "--pids-limit",
            "2048",
            "--cpus=2",
            "--pids-limit=256",
            "--name",
            "x",
            "img",
        ]);
        let l = requested_limits(&argv);
        assert_eq!(l.cpus, Some(NanoCpus(2_000_000_000)));
        assert_eq!(l.memory, Some(4 << 30));
        assert_eq!(l.pids, Some(256));
        assert_eq!(
            requested_limits(&strs(&["podman", "run", "-m", "1g", "img"])).memory,
            Some(1 << 30)
        );
        let none = requested_limits(&strs(&["podman", "run", "--pids-limit=-1", "--memory=0", "img"]));
        assert_eq!(none, Limits::default());
    }

    #[test]
    fn effective_limits_v1_and_v2() {
        let v1 = parse_kv("cgroup=1\npids=256\nmemory=4294967296\ncpu=200000 100000\n");
        let l = effective_limits(&v1);
        assert_eq!(
            l,
            Limits {
                cpus: Some(NanoCpus(2_000_000_000)),
                memory: Some(4 << 30),
                pids: Some(256)
            }
        );
        let unlimited = parse_kv("cgroup=1\npids=\nmemory=9223372036854771712\ncpu=-1 100000\n");
        assert_eq!(effective_limits(&unlimited), Limits::default());
        let v2 = parse_kv("cgroup=2\npids=max\nmemory=max\ncpu=max 100000\n");
        assert_eq!(effective_limits(&v2), Limits::default());
        let half = parse_kv("cpu=50000 100000\nmemory=536870912\npids=64\n");
        assert_eq!(effective_limits(&half).cpus, Some(NanoCpus(500_000_000)));
    }

    #[test]
    fn limit_outcomes() {
        let why = Some("rootless cgroup v1");
        assert_eq!(
            limit_outcome("pids limit", Some(256u64), Some(256), show_pids, None).status,
            Status::Pass
        );
        assert_eq!(
            limit_outcome("pids limit", Some(256u64), None, show_pids, None).status,
            Status::Fail
        );
        let w = limit_outcome("pids limit", Some(256u64), None, show_pids, why);
        assert_eq!(w.status, Status::Warn);
        assert!(w.detail.unwrap().contains("NOT enforced"));
        assert_eq!(
            limit_outcome("pids limit", None, None, show_pids, why).status,
            Status::Fail
        );
        assert_eq!(
            limit_outcome("pids limit", Some(256u64), Some(2048), show_pids, why).status,
            Status::Fail
        );
        assert_eq!(show_memory(4 << 30), "memory 4g");
    }

    fn report(writes: serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            "fixture": FIXTURE_TITLE, "status": "success", "uid": 1000, "gid": 1000,
            "root_readonly": true, "root_writable": false,
            "cap_eff": "0000000000000000", "cap_bnd": "0000000000000000", "no_new_privs": 1,
            "writes": writes, "write_errors": {"/probe-root": "Read-only file system"},
            "stdin": {"bytes": 14, "prompt": "hi"}
        })
    }

    #[test]
    fn fixture_reports() {
        let good = report(serde_json::json!({
            "/tmp/input.json": true, "/workspace/group/.nanoclaw-fixture-probe": true, "/probe-root": false
        }));
        assert!(check_fixture_report(&good, Some("hi"), &["/workspace/group"]).is_ok());
        let e = check_fixture_report(&good, Some("bye"), &["/workspace/agent"]).unwrap_err();
        assert!(
            e.contains("prompt") && e.contains("/workspace/agent is not a mount point"),
            "{e}"
        );
        let mut bad = report(serde_json::json!({
            "/workspace/group/.nanoclaw-fixture-probe": false, "/probe-root": true
        }));
        bad["write_errors"]["/workspace/group/.nanoclaw-fixture-probe"] = "Permission denied".into();
        bad["cap_bnd"] = "00000000a80425fb".into();
        let e = check_fixture_report(&bad, None, &[]).unwrap_err();
        assert!(
            e.contains("cannot write /workspace/group/.nanoclaw-fixture-probe (Permission denied)"),
            "{e}"
        );
        assert!(
            e.contains("could write /probe-root") && e.contains("cap_bnd"),
            "{e}"
        );
        assert!(check_fixture_report(&serde_json::json!({}), None, &[]).is_err());
    }
}
