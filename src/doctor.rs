//! `nanoclaw-shim doctor`: is this machine set up so that nanoclaw's `docker` is the shim?
//!
//! The shim only protects the `docker` command lines of processes that find it first on their
//! `PATH`, and it only works when the runtime behind it accepts the flags it adds. Both are easy
//! to get wrong silently (podman-docker's `/usr/bin/docker` first on a systemd unit's `PATH`, a
//! policy with a typo, an old podman), so `doctor` checks each link of the chain and prints one
//! `OK` / `WARN` / `FAIL` line per check, with a fix for everything that is not OK.
//!
//! The module is split into a pure part (PATH winner, unit-file `Environment=` parsing, output
//! parsing, status aggregation, rendering; unit-tested below) and a thin impure part that reads
//! files and runs `systemctl`, the runtime and the package managers.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::policy::{self, LookupEnv};
use crate::rewrite::Flavor;
use crate::runtime;

/// Output format of `doctor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoctorFormat {
    Text,
    Json,
}

/// The arguments of `nanoclaw-shim doctor`.
#[derive(Debug, Clone)]
pub struct DoctorArgs {
    /// Check this PATH instead of the current one.
    pub path: Option<OsString>,
    /// Check the PATH of this systemd user unit.
    pub unit: Option<String>,
    pub format: DoctorFormat,
}

/// The flags the policy adds to `run` / `create`, found by planning a probe invocation with
/// the same code the shim runs (as rootless podman, so `--userns=keep-id` shows too).
pub fn policy_flags(policy: &policy::Policy) -> Vec<String> {
    use crate::rewrite::{self, Action, Flavor, Target};
    let probe: Vec<OsString> = ["run", "img"].iter().map(OsString::from).collect();
    let plan = rewrite::plan(
        &probe,
        policy,
        &Target::fixed(Flavor::Podman, true, Some((4, 3, 1))),
    );
    let mut flags: Vec<String> = Vec::new();
    for c in plan.changes.iter().filter(|c| c.action == Action::Add) {
        let flag = c.token.split('=').next().unwrap_or(&c.token).to_string();
        if !flags.contains(&flag) {
            flags.push(flag);
        }
    }
    flags
}

/// Where a systemd user manager's PATH comes from when neither the unit nor the manager's
/// environment can be read (systemd's compiled-in default).
pub const SYSTEMD_DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// How long one probe of an external program may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(20);

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Status {
    #[serde(rename = "OK")]
    Ok,
    #[serde(rename = "WARN")]
    Warn,
    #[serde(rename = "FAIL")]
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable kebab-case id.
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
    /// What to do about it; `None` when the check is OK.
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    fn warn(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Warn,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

// ------------------------------------------------------------------------------ pure part ---

/// The directories of a PATH value in order; an empty entry means the current directory, as
/// for `execvp` and the shim's own runtime lookup.
pub fn path_dirs(path: &OsStr) -> Vec<PathBuf> {
    std::env::split_paths(path)
        .map(|d| {
            if d.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                d
            }
        })
        .collect()
}

/// What a `docker` found on PATH is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerKind {
    /// The very binary running `doctor` (same device and inode).
    ThisShim,
    /// Another nanoclaw-shim binary (its real file is called `nanoclaw-shim`).
    OtherShim(PathBuf),
    /// Anything else: docker, podman-docker's script, another wrapper.
    Other,
}

/// An executable `docker` on PATH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    pub kind: DockerKind,
}

/// Every executable `docker` in `dirs`, in PATH order; `probe` says whether a path is an
/// executable file and what it is. The first one is the one a PATH search runs.
pub fn docker_candidates(dirs: &[PathBuf], probe: impl Fn(&Path) -> Option<DockerKind>) -> Vec<Candidate> {
    dirs.iter()
        .map(|d| d.join("docker"))
        .filter_map(|path| probe(&path).map(|kind| Candidate { path, kind }))
        .collect()
}

/// The `docker` check from the candidates found on the PATH described by `source`.
/// `fix_order` says how to put the shim first on that PATH.
pub fn docker_check(candidates: &[Candidate], me: &Path, source: &str, fix_order: &str) -> Check {
    const NAME: &str = "docker";
    let Some(first) = candidates.first() else {
        return Check::fail(
            NAME,
            format!("no `docker` on {source}: nanoclaw cannot start agents"),
            fix_order.to_string(),
        );
    };
    let shown = first.path.display();
    match &first.kind {
        DockerKind::ThisShim => Check::ok(
            NAME,
            format!(
                "{shown} wins on {source} and is this nanoclaw-shim ({})",
                me.display()
            ),
        ),
        DockerKind::OtherShim(real) => Check::warn(
            NAME,
            format!(
                "{shown} wins on {source}; it is nanoclaw-shim, but another binary ({}) than this one ({})",
                real.display(),
                me.display()
            ),
            "make sure that copy is the version you want (re-run install.sh), or run its own `doctor`",
        ),
        DockerKind::Other => {
            let later = candidates
                .iter()
                .find(|c| c.kind == DockerKind::ThisShim)
                .map(|c| format!("; the shim's {} comes later and is never run", c.path.display()))
                .unwrap_or_default();
            Check::fail(
                NAME,
                format!("{shown} wins on {source} and is not nanoclaw-shim{later}"),
                fix_order.to_string(),
            )
        }
    }
}

/// Values systemd substitutes for `%` specifiers in `Environment=`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Specifiers {
    /// `%h`
    pub home: String,
    /// `%u`
    pub user: String,
    /// `%U`
    pub uid: String,
    /// `%t`
    pub runtime_dir: String,
}

/// Expands `%h %u %U %t %%` in one word; other specifiers are kept as written.
pub fn expand_specifiers(word: &str, spec: &Specifiers) -> String {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('h') => out.push_str(&spec.home),
            Some('u') => out.push_str(&spec.user),
            Some('U') => out.push_str(&spec.uid),
            Some('t') => out.push_str(&spec.runtime_dir),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// Splits a systemd value into words as `Environment=` does: whitespace separates words, double
/// and single quotes group (anywhere in a word), a backslash escapes the next character.
pub fn systemd_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (_, '\\') => {
                in_word = true;
                match chars.next() {
                    Some('n') => cur.push('\n'),
                    Some('t') => cur.push('\t'),
                    Some('s') => cur.push(' '),
                    Some(e) => cur.push(e),
                    None => {}
                }
            }
            (_, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// Sets `key` in an ordered environment (a later assignment replaces an earlier one).
fn set_env(env: &mut Vec<(String, String)>, key: &str, value: &str) {
    match env.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = value.to_string(),
        None => env.push((key.to_string(), value.to_string())),
    }
}

/// Looks a variable up in an environment list.
pub fn env_get<'a>(env: &'a [(String, String)], key: &str) -> Option<&'a str> {
    env.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Applies the `Environment=` lines of the `[Service]` section of one unit file (or drop-in) to
/// `env`: each `KEY=value` word sets a variable, the last assignment wins, and an empty
/// `Environment=` clears what came before. Handles comments, line continuations, quoting and
/// specifiers.
pub fn apply_unit_environment(env: &mut Vec<(String, String)>, text: &str, spec: &Specifiers) {
    let mut section = String::new();
    let mut logical = String::new();
    for raw in text.lines() {
        let line = raw.trim();
        if logical.is_empty() && (line.starts_with('#') || line.starts_with(';')) {
            continue;
        }
        if let Some(head) = line.strip_suffix('\\') {
            logical.push_str(head);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        let full = std::mem::take(&mut logical);
        let full = full.trim();
        if full.starts_with('[') && full.ends_with(']') {
            section = full[1..full.len() - 1].to_string();
            continue;
        }
        if section != "Service" {
            continue;
        }
        let Some((key, value)) = full.split_once('=') else {
            continue;
        };
        if key.trim() != "Environment" {
            continue;
        }
        let value = value.trim();
        if value.is_empty() {
            env.clear();
            continue;
        }
        for word in systemd_words(value) {
            let word = expand_specifiers(&word, spec);
            if let Some((k, v)) = word.split_once('=') {
                if !k.is_empty() {
                    set_env(env, k, v);
                }
            }
        }
    }
}

/// What `systemctl --user show NAME -p Environment -p LoadState` reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShowOutput {
    pub load_state: Option<String>,
    pub environment: Vec<(String, String)>,
}

/// Parses `systemctl show` output (`Key=value` lines).
pub fn parse_systemctl_show(out: &str) -> ShowOutput {
    let mut show = ShowOutput::default();
    for line in out.lines() {
        if let Some(v) = line.strip_prefix("LoadState=") {
            show.load_state = Some(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("Environment=") {
            for word in systemd_words(v) {
                if let Some((k, val)) = word.split_once('=') {
                    set_env(&mut show.environment, k, val);
                }
            }
        }
    }
    show
}

/// The `PATH=` line of `systemctl --user show-environment`.
pub fn parse_show_environment(out: &str) -> Option<String> {
    out.lines().find_map(|l| {
        let v = l.strip_prefix("PATH=")?;
        // systemd prints values with special characters as $'...'.
        let v = v
            .strip_prefix("$'")
            .and_then(|v| v.strip_suffix('\''))
            .unwrap_or(v);
        Some(v.to_string())
    })
}

/// The unit files read from disk, merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitFiles {
    /// The files that exist, in the order they were applied.
    pub read: Vec<PathBuf>,
    pub environment: Vec<(String, String)>,
}

/// Which PATH a unit runs with, where that came from, and the `unit` check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitPath {
    /// `None`: the unit was not found (the current PATH is checked instead).
    pub path: Option<String>,
    /// The unit's environment (for `NANOCLAW_SHIM_RUNTIME` / `NANOCLAW_SHIM_POLICY`).
    pub environment: Vec<(String, String)>,
    /// How the report names this PATH.
    pub source: String,
    pub check: Check,
}

fn reload_fix(unit: &str) -> String {
    format!("systemctl --user daemon-reload && systemctl --user restart {unit}")
}

/// Decides the PATH of a user unit from what systemctl reported (`None`: systemctl did not
/// work) and what its files say; `manager_path` is asked only when the unit sets no PATH.
pub fn decide_unit_path(
    unit: &str,
    show: Option<&ShowOutput>,
    files: &UnitFiles,
    manager_path: impl FnOnce() -> Option<String>,
) -> UnitPath {
    const NAME: &str = "unit";
    let not_found = show.is_some_and(|s| s.load_state.as_deref() == Some("not-found"));
    let files_found = !files.read.is_empty();
    let file_list = || {
        files
            .read
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (environment, via, mut check) = match show {
        Some(s) if !not_found => {
            let file_path = env_get(&files.environment, "PATH");
            let loaded_path = env_get(&s.environment, "PATH");
            let check = if files_found && file_path != loaded_path {
                Check::warn(
                    NAME,
                    format!(
                        "{unit}.service: its files set PATH={} but systemd has PATH={} loaded",
                        file_path.unwrap_or("(unset)"),
                        loaded_path.unwrap_or("(unset)")
                    ),
                    format!("the files changed since the last reload: {}", reload_fix(unit)),
                )
            } else {
                Check::ok(NAME, format!("{unit}.service is loaded (systemctl --user show)"))
            };
            (s.environment.clone(), "systemctl --user show", check)
        }
        _ if files_found => {
            let check = if not_found {
                Check::warn(
                    NAME,
                    format!(
                        "systemd does not know {unit}.service yet, but {} exist",
                        file_list()
                    ),
                    reload_fix(unit),
                )
            } else {
                Check::ok(
                    NAME,
                    format!(
                        "{unit}.service read from {} (systemctl --user is not available)",
                        file_list()
                    ),
                )
            };
            (files.environment.clone(), "its unit files", check)
        }
        _ => {
            return UnitPath {
                path: None,
                environment: Vec::new(),
                source: "the current PATH".into(),
                check: Check::fail(
                    NAME,
                    format!(
                        "no systemd user unit {unit}.service (not in ~/.config/systemd/user{})",
                        if show.is_some() {
                            ", unknown to systemctl --user"
                        } else {
                            ""
                        }
                    ),
                    "name the unit nanoclaw runs as (`systemctl --user list-units`), or check a PATH with --path",
                ),
            };
        }
    };
    let (path, source) = match env_get(&environment, "PATH") {
        Some(p) => (p.to_string(), format!("the PATH of {unit}.service (from {via})")),
        None => {
            let (p, whose) = match manager_path() {
                Some(p) => (p, "the systemd user manager's PATH"),
                None => (SYSTEMD_DEFAULT_PATH.to_string(), "systemd's default PATH"),
            };
            check
                .detail
                .push_str(&format!("; it sets no PATH, so {whose} applies"));
            (p, format!("{whose} ({unit}.service sets none)"))
        }
    };
    UnitPath {
        path: Some(path),
        environment,
        source,
        check,
    }
}

/// The `runtime-version` check from the first line of `<runtime> --version`.
pub fn version_check(runtime: &str, output: &str) -> Check {
    const NAME: &str = "runtime-version";
    let line = output.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    if line.starts_with("nanoclaw-shim") {
        return Check::fail(
            NAME,
            format!("{runtime} --version says `{line}`: the runtime is another nanoclaw-shim"),
            format!(
                "set {} (or [runtime] binary) to the real podman",
                runtime::RUNTIME_ENV
            ),
        );
    }
    match crate::runtime::parse_version(line) {
        Some(_) => Check::ok(NAME, line.to_string()),
        None => Check::warn(
            NAME,
            format!("{runtime} --version printed no version: `{line}`"),
            "check that the runtime is podman (or docker)",
        ),
    }
}

/// Whether `flag` appears in help text as a whole flag (`--memory` is not `--memory-swap`).
pub fn help_has_flag(help: &str, flag: &str) -> bool {
    help.match_indices(flag).any(|(i, _)| {
        let before = help[..i].chars().next_back();
        let after = help[i + flag.len()..].chars().next();
        before.is_none_or(|c| !(c.is_alphanumeric() || c == '-'))
            && after.is_none_or(|c| !(c.is_alphanumeric() || c == '-'))
    })
}

/// The `run-flags` check from `<runtime> run --help`.
pub fn flags_check(runtime: &str, help: &str, flags: &[String]) -> Check {
    const NAME: &str = "run-flags";
    let missing: Vec<&str> = flags
        .iter()
        .map(String::as_str)
        .filter(|f| !help_has_flag(help, f))
        .collect();
    if missing.is_empty() {
        Check::ok(
            NAME,
            format!(
                "{runtime} run accepts every flag the policy adds ({})",
                flags.join(" ")
            ),
        )
    } else {
        Check::fail(
            NAME,
            format!("`{runtime} run --help` does not list {}", missing.join(" ")),
            format!("upgrade {runtime} (podman 4.3 or later), or switch the matching policy settings off"),
        )
    }
}

/// The images of `<runtime> images --format '{{.Repository}}:{{.Tag}}'` that are nanoclaw
/// agent images (the last path component of the repository starts with `nanoclaw-agent`).
pub fn agent_images(listing: &str) -> Vec<String> {
    listing
        .lines()
        .map(str::trim)
        .filter(|l| {
            let repo = match l.rfind(':') {
                Some(i) if !l[i..].contains('/') => &l[..i],
                _ => l,
            };
            repo.rsplit('/')
                .next()
                .is_some_and(|n| n.starts_with("nanoclaw-agent"))
        })
        .map(str::to_string)
        .collect()
}

/// The `agent-image` check.
pub fn image_check(runtime: &str, listing: &str) -> Check {
    const NAME: &str = "agent-image";
    let found = agent_images(listing);
    if found.is_empty() {
        Check::warn(
            NAME,
            format!("no nanoclaw-agent* image in `{runtime} images`"),
            "build it with nanoclaw's setup (it runs `docker build -t nanoclaw-agent...`) as the user nanoclaw runs as",
        )
    } else {
        Check::ok(NAME, format!("found {}", found.join(", ")))
    }
}

/// Whether `/usr/bin/docker`'s content is podman-docker's wrapper script.
pub fn is_podman_docker_script(head: &[u8]) -> bool {
    head.starts_with(b"#!") && head.windows(6).any(|w| w == b"podman")
}

/// The `rootless` check from the effective uid and the runtime's flavour.
pub fn rootless_check(euid: Option<u32>, flavor: Flavor) -> Check {
    const NAME: &str = "rootless";
    if flavor == Flavor::Docker {
        return Check::ok(
            NAME,
            "the runtime is docker: its daemon, not this user, decides whether containers run rootless",
        );
    }
    match euid {
        Some(0) => Check::warn(
            NAME,
            "running as root: podman is rootful, container root is host root",
            "run nanoclaw (and this check) as an unprivileged user, so podman runs rootless",
        ),
        Some(uid) => Check::ok(NAME, format!("podman runs rootless (uid {uid})")),
        None => Check::warn(
            NAME,
            "cannot tell the effective uid (/proc/self is unreadable)",
            "mount /proc",
        ),
    }
}

/// Below this the runtime refuses to create a container (runc and crun: 6 MiB).
pub const MEMORY_FLOOR: u64 = 6 << 20;
/// Below this an agent (node and a model client) cannot start; the shim still runs it.
pub const MEMORY_USEFUL: u64 = 256 << 20;

/// The `mode` check: whether the policy hardens containers at all, and which profiles opt out.
pub fn mode_check(policy: &policy::Policy, label: &str) -> Check {
    const NAME: &str = "mode";
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
    if loose.is_empty() {
        Check::ok(NAME, "enforce: every agent container is hardened")
    } else {
        Check::warn(
            NAME,
            format!(
                "enforce, but {}: the containers they match are NOT hardened",
                loose.join(", ")
            ),
            format!(
                "remove `exempt = true` / the profile's mode in {label} unless those containers must run unhardened; `nanoclaw-shim explain` shows which profile a command matches"
            ),
        )
    }
}

/// The `limits` check: memory ceilings the runtime refuses, or an agent cannot live with.
pub fn limits_check(policy: &policy::Policy, label: &str) -> Check {
    const NAME: &str = "limits";
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
pub fn cgroup_check(policy: &policy::Policy, flavor: Flavor, euid: Option<u32>, cgroup_v2: bool) -> Check {
    const NAME: &str = "cgroup";
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
    } else {
        Check::ok(
            NAME,
            format!("cgroup v{v}: the runtime can enforce the policy's ceilings"),
        )
    }
}

/// A check that could not run because an earlier one failed.
fn not_checked(name: &'static str, why: &str) -> Check {
    Check::warn(
        name,
        format!("not checked: {why}"),
        "fix the failing checks above first",
    )
}

/// Whether the report has no failure.
pub fn all_ok(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.status != Status::Fail)
}

/// The exit status: 0 when nothing failed, 1 otherwise.
pub fn exit_code(checks: &[Check]) -> i32 {
    if all_ok(checks) { 0 } else { 1 }
}

/// One line per check (`STATUS  name  detail`), an indented `fix:` line under each that is not
/// OK, and a summary line.
pub fn render_text(checks: &[Check]) -> String {
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in checks {
        out.push_str(&format!(
            "{:<4}  {:<width$}  {}\n",
            c.status.as_str(),
            c.name,
            c.detail
        ));
        if let Some(fix) = &c.fix {
            out.push_str(&format!("{:<4}  {:<width$}  fix: {fix}\n", "", ""));
        }
    }
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    out.push_str(&format!(
        "{} OK, {} WARN, {} FAIL\n",
        count(Status::Ok),
        count(Status::Warn),
        count(Status::Fail)
    ));
    out
}

/// The version of `doctor --format json`'s document (docs/JSON.md).
pub const SCHEMA_VERSION: u32 = 1;

/// `{"schema_version", "ok", "summary": {"ok", "warn", "fail"}, "checks": [{"name", "status",
/// "detail", "fix"}]}`.
pub fn render_json(checks: &[Check]) -> String {
    #[derive(Serialize)]
    struct Summary {
        ok: usize,
        warn: usize,
        fail: usize,
    }
    #[derive(Serialize)]
    struct Report<'a> {
        schema_version: u32,
        ok: bool,
        summary: Summary,
        checks: &'a [Check],
    }
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    let mut s = serde_json::to_string_pretty(&Report {
        schema_version: SCHEMA_VERSION,
        ok: all_ok(checks),
        summary: Summary {
            ok: count(Status::Ok),
            warn: count(Status::Warn),
            fail: count(Status::Fail),
        },
        checks,
    })
    .expect("JSON of plain values");
    s.push('\n');
    s
}

// ---------------------------------------------------------------------------- impure part ---

/// What an external program printed.
struct Captured {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs a program with stdin closed, capturing its output, killing it after `timeout`.
fn capture(
    program: &OsStr,
    args: &[&str],
    path_env: Option<&OsStr>,
    timeout: Duration,
) -> Result<Captured, String> {
    let shown = Path::new(program).display().to_string();
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = path_env {
        cmd.env("PATH", p);
    }
    let mut child = cmd.spawn().map_err(|e| format!("cannot run {shown}: {e}"))?;
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = reader(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = reader(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{shown} {} did not finish within {}s",
                    args.join(" "),
                    timeout.as_secs()
                ));
            }
            Err(e) => return Err(format!("waiting for {shown}: {e}")),
        }
    };
    Ok(Captured {
        success: status.success(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Classifies an executable `docker` (following symlinks); `None` if it is not one.
fn probe_docker(path: &Path, me: Option<(u64, u64)>) -> Option<DockerKind> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
        return None;
    }
    if me == Some((meta.dev(), meta.ino())) {
        return Some(DockerKind::ThisShim);
    }
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if real.file_name().is_some_and(|n| n == "nanoclaw-shim") {
        return Some(DockerKind::OtherShim(real));
    }
    Some(DockerKind::Other)
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

fn euid() -> Option<u32> {
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

/// Reads `~/.config/systemd/user/NAME.service` and its `NAME.service.d/*.conf` drop-ins.
fn read_unit_files(unit: &str, spec: &Specifiers) -> UnitFiles {
    let mut files = UnitFiles::default();
    let Some(home) = home_dir() else {
        return files;
    };
    let dir = home.join(".config/systemd/user");
    let main = dir.join(format!("{unit}.service"));
    let mut paths = Vec::new();
    if main.is_file() {
        paths.push(main);
    }
    if let Ok(entries) = std::fs::read_dir(dir.join(format!("{unit}.service.d"))) {
        let mut dropins: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "conf") && p.is_file())
            .collect();
        dropins.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        paths.extend(dropins);
    }
    for p in paths {
        if let Ok(text) = std::fs::read_to_string(&p) {
            apply_unit_environment(&mut files.environment, &text, spec);
            files.read.push(p);
        }
    }
    files
}

fn unit_path(unit: &str) -> UnitPath {
    let unit = unit.strip_suffix(".service").unwrap_or(unit);
    let uid = euid();
    let spec = Specifiers {
        home: home_dir().map(|h| h.display().to_string()).unwrap_or_default(),
        user: std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_default(),
        uid: uid.map(|u| u.to_string()).unwrap_or_default(),
        runtime_dir: std::env::var("XDG_RUNTIME_DIR")
            .unwrap_or_else(|_| uid.map(|u| format!("/run/user/{u}")).unwrap_or_default()),
    };
    let systemctl = |args: &[&str]| {
        capture(OsStr::new("systemctl"), args, None, PROBE_TIMEOUT)
            .ok()
            .filter(|c| c.success)
            .map(|c| c.stdout)
    };
    let service = format!("{unit}.service");
    let show = systemctl(&["--user", "show", &service, "-p", "Environment", "-p", "LoadState"])
        .map(|out| parse_systemctl_show(&out));
    let files = read_unit_files(unit, &spec);
    decide_unit_path(unit, show.as_ref(), &files, || {
        systemctl(&["--user", "show-environment"]).and_then(|out| parse_show_environment(&out))
    })
}

/// The `decision-log` check: can the shim append to the policy's `[log] path`? Creates
/// nothing but a probe file it removes at once (and only when the log does not exist yet).
fn log_check(path: Option<&Path>, label: &str) -> Check {
    const NAME: &str = "decision-log";
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
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            return unusable(
                "is not a regular file".into(),
                format!("point [log] path in {label} at a file"),
            );
        }
        Ok(m) => {
            return match std::fs::OpenOptions::new().append(true).open(path) {
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

fn podman_docker_check() -> Check {
    const NAME: &str = "podman-docker";
    let mut head = Vec::new();
    let exists = std::fs::symlink_metadata("/usr/bin/docker").is_ok();
    if let Ok(f) = std::fs::File::open("/usr/bin/docker") {
        let _ = f.take(4096).read_to_end(&mut head);
    }
    let script = is_podman_docker_script(&head);
    let dpkg = capture(
        OsStr::new("dpkg-query"),
        &["-W", "-f=${Status}", "podman-docker"],
        None,
        PROBE_TIMEOUT,
    )
    .is_ok_and(|c| c.success && c.stdout.contains("install ok installed"));
    let rpm = !dpkg
        && capture(OsStr::new("rpm"), &["-q", "podman-docker"], None, PROBE_TIMEOUT).is_ok_and(|c| c.success);
    if script || dpkg || rpm {
        let how = match (script, dpkg, rpm) {
            (true, _, _) => "/usr/bin/docker is a script that execs podman",
            (_, true, _) => "dpkg lists podman-docker",
            _ => "rpm lists podman-docker",
        };
        Check::ok(
            NAME,
            format!(
                "installed ({how}); harmless while the shim's folder comes before /usr/bin on nanoclaw's PATH (see `docker`)"
            ),
        )
    } else if exists {
        Check::ok(
            NAME,
            "not installed (/usr/bin/docker exists, but is not podman's wrapper script)",
        )
    } else {
        Check::ok(NAME, "not installed (there is no /usr/bin/docker)")
    }
}

/// Runs every check against the PATH (and environment) chosen by `args`.
pub fn gather(args: &DoctorArgs) -> Vec<Check> {
    let mut checks = Vec::new();
    let me = std::env::current_exe().ok();
    let me_shown = me.clone().unwrap_or_else(|| PathBuf::from("nanoclaw-shim"));

    // Which PATH, and the unit's environment when checking a unit.
    let mut unit_env: Option<Vec<(String, String)>> = None;
    let (path, source, fix_order): (OsString, String, String) = match (&args.path, &args.unit) {
        (Some(p), _) => (
            p.clone(),
            "the given --path".into(),
            "put the shim's folder (e.g. ~/.local/lib/nanoclaw-shim/bin, see install.sh) first on that PATH".into(),
        ),
        (None, Some(unit)) => {
            let u = unit_path(unit);
            let unit = unit.strip_suffix(".service").unwrap_or(unit);
            checks.push(u.check.clone());
            let fix = format!(
                "./install.sh --systemd-unit {unit} (a drop-in that puts the shim's folder first), then {}",
                reload_fix(unit)
            );
            match u.path {
                Some(p) => {
                    unit_env = Some(u.environment);
                    (p.into(), u.source, fix)
                }
                None => (std::env::var_os("PATH").unwrap_or_default(), u.source, fix),
            }
        }
        (None, None) => (
            std::env::var_os("PATH").unwrap_or_default(),
            "the current PATH".into(),
            "put the shim's folder first on nanoclaw's PATH: export PATH=\"$HOME/.local/lib/nanoclaw-shim/bin:$PATH\" in its run script, or ./install.sh --systemd-unit NAME".into(),
        ),
    };

    // docker on PATH
    let my_id = me.as_deref().and_then(identity);
    let candidates = docker_candidates(&path_dirs(&path), |p| probe_docker(p, my_id));
    checks.push(docker_check(&candidates, &me_shown, &source, &fix_order));

    // policy
    let mut lookup = LookupEnv::from_env(None);
    if let Some(env) = &unit_env {
        lookup.explicit = env_get(env, "NANOCLAW_SHIM_POLICY")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
    }
    let mut label = String::from("the policy");
    let loaded = match policy::locate(&lookup) {
        Err(e) => {
            checks.push(Check::fail(
                "policy",
                format!("{e}: the shim refuses every docker command"),
                "fix or remove the file; `nanoclaw-shim policy check` shows every problem",
            ));
            None
        }
        Ok((origin, text)) => {
            label = origin.label();
            match policy::parse(&text, &label) {
                Err(e) => {
                    checks.push(Check::fail(
                        "policy",
                        format!("{e}: the shim refuses every docker command"),
                        format!("`nanoclaw-shim policy check {label}` lists every problem"),
                    ));
                    None
                }
                Ok((p, warnings)) if !warnings.is_empty() => {
                    let list: Vec<String> = warnings
                        .iter()
                        .map(|d| match d.position {
                            Some((l, c)) => format!("{l}:{c}: {}", d.message),
                            None => d.message.clone(),
                        })
                        .collect();
                    checks.push(Check::warn(
                        "policy",
                        format!("{label} is in force, with warnings: {}", list.join("; ")),
                        format!("`nanoclaw-shim policy check {label}` explains each warning"),
                    ));
                    Some(p)
                }
                Ok((p, _)) => {
                    checks.push(Check::ok("policy", format!("{label} is in force and valid")));
                    Some(p)
                }
            }
        }
    };

    // what the policy does
    let loaded_ok = loaded.is_some();
    let in_force = loaded.unwrap_or_default();
    if loaded_ok {
        checks.push(mode_check(&in_force, &label));
        checks.push(limits_check(&in_force, &label));
        checks.push(log_check(in_force.log.path.as_deref(), &label));
    }

    // runtime
    let policy_binary = in_force.runtime.binary.clone();
    let binary: OsString = match &unit_env {
        Some(env) => env_get(env, runtime::RUNTIME_ENV)
            .filter(|v| !v.is_empty())
            .map(OsString::from)
            .unwrap_or_else(|| policy_binary.clone().into()),
        None => runtime::configured(&policy_binary),
    };
    let rt_name = binary.to_string_lossy().into_owned();
    let resolved = runtime::resolve(&binary, Some(&path), me.as_deref());
    let rt = match resolved {
        Ok(p) => {
            checks.push(Check::ok(
                "runtime",
                format!("{rt_name} → {} on {source}", p.display()),
            ));
            Some(p)
        }
        Err(e) => {
            checks.push(Check::fail(
                "runtime",
                format!("{e} (searched {source})"),
                format!(
                    "install podman, put it on that PATH, or set {} to its absolute path",
                    runtime::RUNTIME_ENV
                ),
            ));
            None
        }
    };
    let run_rt = |a: &[&str]| -> Result<Captured, String> {
        let p = rt.as_ref().ok_or("no runtime")?;
        capture(p.as_os_str(), a, Some(&path), PROBE_TIMEOUT)
    };
    let no_runtime = "the runtime was not found";
    checks.push(match &rt {
        None => not_checked("runtime-version", no_runtime),
        Some(_) => match run_rt(&["--version"]) {
            Ok(c) if c.success => version_check(&rt_name, &c.stdout),
            Ok(c) => Check::fail(
                "runtime-version",
                format!(
                    "`{rt_name} --version` failed: {}",
                    c.stderr.lines().next().unwrap_or("").trim()
                ),
                format!("run `{rt_name} --version` by hand and repair the runtime"),
            ),
            Err(e) => Check::fail(
                "runtime-version",
                e,
                format!("run `{rt_name} --version` by hand and repair the runtime"),
            ),
        },
    });

    let flavor = in_force
        .runtime
        .flavor
        .unwrap_or_else(|| runtime::flavor_of(&binary));
    checks.push(rootless_check(euid(), flavor));
    checks.push(cgroup_check(
        &in_force,
        flavor,
        euid(),
        Path::new("/sys/fs/cgroup/cgroup.controllers").exists(),
    ));
    checks.push(podman_docker_check());

    checks.push(match &rt {
        None => not_checked("run-flags", no_runtime),
        Some(_) => match run_rt(&["run", "--help"]) {
            Ok(c) => flags_check(
                &rt_name,
                &format!("{}\n{}", c.stdout, c.stderr),
                &policy_flags(&in_force),
            ),
            Err(e) => Check::fail("run-flags", e, format!("run `{rt_name} run --help` by hand")),
        },
    });
    checks.push(match &rt {
        None => not_checked("agent-image", no_runtime),
        Some(_) => match run_rt(&["images", "--format", "{{.Repository}}:{{.Tag}}"]) {
            Ok(c) if c.success => image_check(&rt_name, &c.stdout),
            Ok(c) => Check::warn(
                "agent-image",
                format!(
                    "`{rt_name} images` failed: {}",
                    c.stderr.lines().next().unwrap_or("").trim()
                ),
                format!("run `{rt_name} images` as the user nanoclaw runs as"),
            ),
            Err(e) => Check::warn("agent-image", e, format!("run `{rt_name} images` by hand")),
        },
    });
    checks
}

/// Runs `nanoclaw-shim doctor`; returns the exit status (0: nothing failed, 1: something did,
/// 2: bad arguments).
pub fn run(args: &DoctorArgs) -> i32 {
    if args.path.is_some() && args.unit.is_some() {
        eprintln!("nanoclaw-shim doctor: give either --path or --unit, not both");
        return 2;
    }
    let checks = gather(args);
    print!(
        "{}",
        match args.format {
            DoctorFormat::Text => render_text(&checks),
            DoctorFormat::Json => render_json(&checks),
        }
    );
    exit_code(&checks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(path: &str, kind: DockerKind) -> Candidate {
        Candidate {
            path: PathBuf::from(path),
            kind,
        }
    }

    #[test]
    fn path_dirs_keep_order_and_empty_means_cwd() {
        let dirs = path_dirs(OsStr::new("/a::/b/"));
        assert_eq!(
            dirs,
            [PathBuf::from("/a"), PathBuf::from("."), PathBuf::from("/b/")]
        );
    }

    #[test]
    fn the_first_executable_docker_wins() {
        let dirs = path_dirs(OsStr::new("/none:/usr/bin:/shim"));
        let found = docker_candidates(&dirs, |p| match p.to_str().unwrap() {
            "/usr/bin/docker" => Some(DockerKind::Other),
            "/shim/docker" => Some(DockerKind::ThisShim),
            _ => None,
        });
        assert_eq!(
            found,
            [
                cand("/usr/bin/docker", DockerKind::Other),
                cand("/shim/docker", DockerKind::ThisShim)
            ]
        );
        let c = docker_check(&found, Path::new("/bin/nanoclaw-shim"), "the current PATH", "FIX");
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.contains("/usr/bin/docker wins"), "{}", c.detail);
        assert!(c.detail.contains("/shim/docker comes later"), "{}", c.detail);
        assert_eq!(c.fix.as_deref(), Some("FIX"));
    }

    #[test]
    fn docker_check_statuses() {
        let me = Path::new("/x/nanoclaw-shim");
        let ok = docker_check(&[cand("/s/docker", DockerKind::ThisShim)], me, "P", "F");
        assert_eq!((ok.status, ok.fix), (Status::Ok, None));
        assert!(ok.detail.contains("is this nanoclaw-shim"));
        let other = docker_check(
            &[cand(
                "/s/docker",
                DockerKind::OtherShim("/o/nanoclaw-shim".into()),
            )],
            me,
            "P",
            "F",
        );
        assert_eq!(other.status, Status::Warn);
        let none = docker_check(&[], me, "P", "F");
        assert_eq!(none.status, Status::Fail);
        assert!(none.detail.contains("no `docker` on P"));
    }

    #[test]
    fn systemd_word_splitting() {
        assert_eq!(systemd_words("A=1 B=2"), ["A=1", "B=2"]);
        assert_eq!(systemd_words("\"PATH=/a b:/c\" X=y"), ["PATH=/a b:/c", "X=y"]);
        assert_eq!(systemd_words("PATH=\"/a:/b\""), ["PATH=/a:/b"]);
        assert_eq!(systemd_words("'Q=it\\'s' R=a\\ b"), ["Q=it's", "R=a b"]);
        assert_eq!(systemd_words("  "), Vec::<String>::new());
        assert_eq!(systemd_words("E=\"\""), ["E="]);
    }

    #[test]
    fn specifiers_expand() {
        let s = Specifiers {
            home: "/home/u".into(),
            user: "u".into(),
            uid: "1000".into(),
            runtime_dir: "/run/user/1000".into(),
        };
        assert_eq!(
            expand_specifiers("%h/.local/bin:%%h:%U:%u:%t:%Z", &s),
            "/home/u/.local/bin:%h:1000:u:/run/user/1000:%Z"
        );
    }

    #[test]
    fn unit_environment_last_assignment_wins() {
        let spec = Specifiers {
            home: "/home/u".into(),
            ..Specifiers::default()
        };
        let mut env = Vec::new();
        apply_unit_environment(
            &mut env,
            "[Unit]\nDescription=nanoclaw\nEnvironment=PATH=/not/service\n\n[Service]\n# Environment=PATH=/comment\nEnvironment=NODE_ENV=production PATH=/usr/local/bin:/usr/bin:/bin:%h/.local/bin\nExecStart=/usr/bin/node dist/index.js\n",
            &spec,
        );
        assert_eq!(
            env_get(&env, "PATH"),
            Some("/usr/local/bin:/usr/bin:/bin:/home/u/.local/bin")
        );
        assert_eq!(env_get(&env, "NODE_ENV"), Some("production"));
        // a drop-in as install.sh writes it
        apply_unit_environment(
            &mut env,
            "# Written by nanoclaw-shim's install.sh\n[Service]\nEnvironment=\"PATH=/home/u/.local/lib/nanoclaw-shim/bin:/usr/local/bin:/usr/bin\"\n",
            &spec,
        );
        assert_eq!(
            env_get(&env, "PATH"),
            Some("/home/u/.local/lib/nanoclaw-shim/bin:/usr/local/bin:/usr/bin")
        );
        assert_eq!(env_get(&env, "NODE_ENV"), Some("production"));
        // continuation lines, then an empty Environment= resets everything
        apply_unit_environment(&mut env, "[Service]\nEnvironment=A=1 \\\n  PATH=/cont\n", &spec);
        assert_eq!(env_get(&env, "PATH"), Some("/cont"));
        apply_unit_environment(&mut env, "[Service]\nEnvironment=\nEnvironment=B=2\n", &spec);
        assert_eq!(env, [("B".to_string(), "2".to_string())]);
    }

    #[test]
    fn systemctl_output_parses() {
        let s = parse_systemctl_show("LoadState=loaded\nEnvironment=PATH=/a:/b \"X=y z\"\n");
        assert_eq!(s.load_state.as_deref(), Some("loaded"));
        assert_eq!(env_get(&s.environment, "PATH"), Some("/a:/b"));
        assert_eq!(env_get(&s.environment, "X"), Some("y z"));
        assert_eq!(
            parse_show_environment("HOME=/h\nPATH=/usr/local/bin:/usr/bin\n").as_deref(),
            Some("/usr/local/bin:/usr/bin")
        );
    }

    fn files(path: Option<&str>) -> UnitFiles {
        UnitFiles {
            read: vec![PathBuf::from("/h/.config/systemd/user/nanoclaw.service")],
            environment: path
                .map(|p| vec![("PATH".to_string(), p.to_string())])
                .unwrap_or_default(),
        }
    }

    fn show(state: &str, path: Option<&str>) -> ShowOutput {
        ShowOutput {
            load_state: Some(state.into()),
            environment: path
                .map(|p| vec![("PATH".to_string(), p.to_string())])
                .unwrap_or_default(),
        }
    }

    #[test]
    fn unit_path_prefers_systemctl_and_warns_on_pending_reload() {
        let u = decide_unit_path(
            "nanoclaw",
            Some(&show("loaded", Some("/a"))),
            &files(Some("/a")),
            || None,
        );
        assert_eq!((u.path.as_deref(), u.check.status), (Some("/a"), Status::Ok));
        assert!(u.source.contains("systemctl"), "{}", u.source);
        let u = decide_unit_path(
            "nanoclaw",
            Some(&show("loaded", Some("/old"))),
            &files(Some("/new")),
            || None,
        );
        assert_eq!((u.path.as_deref(), u.check.status), (Some("/old"), Status::Warn));
        assert!(u.check.fix.unwrap().contains("daemon-reload"));
    }

    #[test]
    fn unit_path_falls_back_to_files_then_manager() {
        let u = decide_unit_path("nanoclaw", None, &files(Some("/f")), || panic!("not asked"));
        assert_eq!((u.path.as_deref(), u.check.status), (Some("/f"), Status::Ok));
        assert!(u.source.contains("unit files"), "{}", u.source);
        let u = decide_unit_path("nanoclaw", None, &files(None), || Some("/m".into()));
        assert_eq!(u.path.as_deref(), Some("/m"));
        assert!(u.source.contains("user manager"), "{}", u.source);
        let u = decide_unit_path("nanoclaw", None, &files(None), || None);
        assert_eq!(u.path.as_deref(), Some(SYSTEMD_DEFAULT_PATH));
        let u = decide_unit_path(
            "nanoclaw",
            Some(&show("not-found", None)),
            &files(Some("/f")),
            || None,
        );
        assert_eq!((u.path.as_deref(), u.check.status), (Some("/f"), Status::Warn));
        let u = decide_unit_path(
            "nope",
            Some(&show("not-found", None)),
            &UnitFiles::default(),
            || None,
        );
        assert_eq!((u.path, u.check.status), (None, Status::Fail));
        let u = decide_unit_path("nope", None, &UnitFiles::default(), || None);
        assert_eq!(u.check.status, Status::Fail);
    }

    #[test]
    fn versions() {
        assert_eq!(
            crate::runtime::parse_version("podman version 4.3.1"),
            Some((4, 3, 1))
        );
        assert_eq!(
            crate::runtime::parse_version("Docker version 28.2.2, build e6534b4"),
            Some((28, 2, 2))
        );
        assert_eq!(
            crate::runtime::parse_version("podman version 5.0.0-dev"),
            Some((5, 0, 0))
        );
        assert_eq!(crate::runtime::parse_version("nope"), None);
        assert_eq!(
            version_check("podman", "podman version 4.3.1\n").status,
            Status::Ok
        );
        assert_eq!(
            version_check("podman", "nanoclaw-shim 0.1.0\n").status,
            Status::Fail
        );
        assert_eq!(version_check("podman", "").status, Status::Warn);
    }

    #[test]
    fn run_flags_need_whole_words() {
        let flags = policy_flags(&policy::Policy::default());
        for f in [
            "--read-only",
            "--tmpfs",
            "--cap-drop",
            "--security-opt",
            "--cpus",
            "--memory",
            "--pids-limit",
            "--userns",
        ] {
            assert!(flags.iter().any(|g| g == f), "{f} missing from {flags:?}");
        }
        let all = flags.join("\n  ");
        assert_eq!(flags_check("podman", &all, &flags).status, Status::Ok);
        let help = "  --read-only  --tmpfs x --cap-drop --cap-add --init --security-opt --cpus --memory-swap --pids-limit --userns --annotation";
        let c = flags_check("podman", help, &flags);
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.ends_with("does not list --memory"), "{}", c.detail);
        assert!(help_has_flag("-m, --memory=<x>", "--memory"));
        assert!(!help_has_flag("--memory-reservation", "--memory"));
    }

    #[test]
    fn agent_images_match_by_name() {
        let listing = "localhost/nanoclaw-agent:latest\ndocker.io/library/node:22\n<none>:<none>\nnanoclaw-agent-v2-ab12cd34:latest\nregistry:5000/x/nanoclaw-agentish:1\nlocalhost/not-nanoclaw-agent:1\n";
        assert_eq!(
            agent_images(listing),
            [
                "localhost/nanoclaw-agent:latest",
                "nanoclaw-agent-v2-ab12cd34:latest",
                "registry:5000/x/nanoclaw-agentish:1"
            ]
        );
        assert_eq!(image_check("podman", "node:22\n").status, Status::Warn);
        assert_eq!(image_check("podman", listing).status, Status::Ok);
    }

    #[test]
    fn podman_docker_script_detection() {
        assert!(is_podman_docker_script(
            b"#!/bin/sh\n[ -e /etc/containers/nodocker ] || echo Emulate Docker CLI using podman.\nexec /usr/bin/podman \"$@\"\n"
        ));
        assert!(!is_podman_docker_script(b"\x7fELF\x02\x01\x01"));
        assert!(!is_podman_docker_script(b"#!/bin/sh\nexec docker-real \"$@\"\n"));
    }

    #[test]
    fn rootless_from_uid() {
        assert_eq!(rootless_check(Some(1000), Flavor::Podman).status, Status::Ok);
        assert_eq!(rootless_check(Some(0), Flavor::Podman).status, Status::Warn);
        assert_eq!(rootless_check(None, Flavor::Podman).status, Status::Warn);
        let docker = rootless_check(Some(0), Flavor::Docker);
        assert_eq!(docker.status, Status::Ok);
        assert!(!docker.detail.contains("podman"), "{}", docker.detail);
    }

    fn parsed(text: &str) -> policy::Policy {
        policy::parse(text, "p.toml").expect("a valid policy").0
    }

    #[test]
    fn mode_and_exempt_profiles_are_loud() {
        let c = mode_check(&parsed("mode = \"off\"\n"), "p.toml");
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.contains("NOT hardened") && c.fix.unwrap().contains("enforce"));
        let c = mode_check(&parsed("mode = \"audit\"\n"), "p.toml");
        assert_eq!(c.status, Status::Warn);
        let c = mode_check(
            &parsed("[[profile]]\nname = \"dev\"\nexempt = true\n[profile.match]\nimage = \"dev-*\"\n"),
            "p.toml",
        );
        assert_eq!(c.status, Status::Warn);
        assert!(c.detail.contains("profile \"dev\" is exempt"), "{}", c.detail);
        assert_eq!(mode_check(&parsed(""), "p.toml").status, Status::Ok);
    }

    /// A policy whose memory ceiling is `bytes`, set directly: `policy check` may already refuse
    /// such a file, but doctor must not depend on that.
    fn with_memory(bytes: u64) -> policy::Policy {
        let mut p = policy::Policy::default();
        p.rules.limits.memory = Some(bytes);
        p
    }

    #[test]
    fn tiny_memory_ceilings() {
        let c = limits_check(&with_memory(4), "p.toml");
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.contains("(4 bytes)"), "{}", c.detail);
        assert!(c.fix.unwrap().contains("\"4g\""));
        assert_eq!(limits_check(&with_memory(4096), "p.toml").status, Status::Fail);
        assert_eq!(
            limits_check(&with_memory(64 << 20), "p.toml").status,
            Status::Warn
        );
        let mut p = parsed("[[profile]]\nname = \"b\"\n[profile.match]\nimage = \"x*\"\n");
        p.profiles[0].rules.limits.memory = Some(1024);
        let c = limits_check(&p, "p.toml");
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.contains("profile \"b\""), "{}", c.detail);
        assert_eq!(limits_check(&parsed(""), "p.toml").status, Status::Ok);
    }

    #[test]
    fn rootless_cgroup_v1_ignores_ceilings() {
        let p = parsed("");
        let c = cgroup_check(&p, Flavor::Podman, Some(1000), false);
        assert_eq!(c.status, Status::Warn);
        assert!(c.detail.contains("NOT enforced"), "{}", c.detail);
        assert_eq!(
            cgroup_check(&p, Flavor::Podman, Some(1000), true).status,
            Status::Ok
        );
        assert_eq!(
            cgroup_check(&p, Flavor::Podman, Some(0), false).status,
            Status::Ok
        );
        let none = parsed("[limits]\ncpus = \"off\"\nmemory = \"off\"\npids = \"off\"\n");
        assert_eq!(
            cgroup_check(&none, Flavor::Podman, Some(1000), false).status,
            Status::Ok
        );
    }

    #[test]
    fn decision_log_path() {
        let d = tempfile::tempdir().unwrap();
        // A missing folder is created by the shim on the first logged call.
        let missing = d.path().join("no/such/dir/decisions.jsonl");
        let c = log_check(Some(&missing), "p.toml");
        assert_eq!(c.status, Status::Ok, "{}", c.detail);
        assert!(c.detail.contains("folder (0700) will be created"), "{}", c.detail);
        assert!(!d.path().join("no").exists(), "doctor must not create the folder");
        // A file where a folder must be cannot become one.
        let blocker = tempfile::NamedTempFile::new_in(d.path()).unwrap();
        let c = log_check(Some(&blocker.path().join("sub/decisions.jsonl")), "p.toml");
        assert_eq!(c.status, Status::Fail, "{}", c.detail);
        drop(blocker);
        let fine = d.path().join("decisions.jsonl");
        assert_eq!(log_check(Some(&fine), "p.toml").status, Status::Ok);
        assert!(!fine.exists(), "doctor must not create the log");
        assert_eq!(
            std::fs::read_dir(d.path()).unwrap().count(),
            0,
            "probe left behind"
        );
        assert_eq!(log_check(Some(d.path()), "p.toml").status, Status::Fail);
        assert_eq!(log_check(None, "p.toml").status, Status::Ok);
    }

    #[test]
    fn aggregation_and_rendering() {
        let checks = vec![
            Check::ok("docker", "fine"),
            Check::warn("rootless", "root", "be a user"),
        ];
        assert!(all_ok(&checks));
        assert_eq!(exit_code(&checks), 0);
        let text = render_text(&checks);
        assert_eq!(
            text,
            "OK    docker    fine\nWARN  rootless  root\n                fix: be a user\n1 OK, 1 WARN, 0 FAIL\n"
        );
        let mut failing = checks.clone();
        failing.push(Check::fail("runtime", "missing", "install podman"));
        assert_eq!(exit_code(&failing), 1);
        let v: serde_json::Value = serde_json::from_str(&render_json(&failing)).unwrap();
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["summary"]["fail"], 1);
        assert_eq!(v["summary"]["warn"], 1);
        assert_eq!(v["ok"], false);
        assert_eq!(v["checks"][0]["status"], "OK");
        assert_eq!(v["checks"][0]["fix"], serde_json::Value::Null);
        assert_eq!(v["checks"][2]["name"], "runtime");
        assert_eq!(v["checks"][2]["status"], "FAIL");
        assert_eq!(v["checks"][2]["fix"], "install podman");
        assert_eq!(v["checks"][2]["detail"], "missing");
    }
}
