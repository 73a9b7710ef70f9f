//! The pure core: from a docker argv and a policy to the argv the runtime receives.
//!
//! [`plan`] parses, then, for `run` / `create`, applies each hardening rule and records every
//! change with a stable rule id and a reason. The shim execs exactly `Plan::args`; `explain`
//! prints the same `Plan`, so a preview can never disagree with what runs.
//!
//! The semantics, rule by rule:
//! - hardening that is absent is added after the caller's options, before the image;
//! - a caller's contrary setting is removed, not outvoted (`--read-only=false`,
//!   `no-new-privileges=false`, a capability the policy does not allow, `--privileged`);
//! - limits are ceilings: a lower value stays, a higher or unlimited one is replaced, a missing
//!   one is added, and related options (`--cpu-quota`, `--memory-reservation`, ...) are
//!   reconciled so the runtime never sees a conflicting pair;
//! - everything else, and every token from the image on, is left exactly as it was.
//!
//! Options the rewrite does not touch keep their original tokens; a token run that held a
//! changed option (a short bundle such as `-dm8g`) is re-spelled as `--long=value` tokens.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::flags::{self, Flag, Podman};
use crate::mounts;
use crate::parse::{self, Invocation, OptValue, ParseError, RunArgs};
use crate::policy::{self, Limit, Policy};
use crate::redact;
use crate::units::{self, NanoCpus};

/// Which CLI grammar the runtime binary speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Podman,
    Docker,
}

impl Flavor {
    pub fn as_str(self) -> &'static str {
        match self {
            Flavor::Podman => "podman",
            Flavor::Docker => "docker",
        }
    }
}

/// What the rewrite knows about the runtime it targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub flavor: Flavor,
}

/// What a change did to the argv.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Add,
    Remove,
    Replace,
    /// Nothing changed, on purpose (a caller's own mount kept, a lower limit kept).
    Keep,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Remove => "remove",
            Action::Replace => "replace",
            Action::Keep => "keep",
        }
    }
}

/// One change with its rule id and reason. `token` is display text, secrets redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub rule: &'static str,
    pub action: Action,
    pub token: String,
    pub reason: String,
}

/// Why the shim will not run an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub rule: &'static str,
    pub message: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}]", self.message, self.rule)
    }
}

impl From<ParseError> for Refusal {
    fn from(e: ParseError) -> Self {
        Refusal {
            rule: e.rule(),
            message: e.to_string(),
        }
    }
}

/// The argv to exec (without the runtime's own name) and why it differs from the caller's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `run`, `create`, or the passed-through command path.
    pub command: Vec<String>,
    pub args: Vec<OsString>,
    pub changes: Vec<Change>,
}

/// Parses a docker argv and applies the policy. Commands other than `run` / `create` pass
/// through unchanged.
pub fn plan(argv: &[OsString], policy: &Policy, target: &Target) -> Result<Plan, Refusal> {
    match parse::parse(argv)? {
        Invocation::Other { command } => Ok(Plan {
            command,
            args: argv.to_vec(),
            changes: Vec::new(),
        }),
        Invocation::Run(run) => rewrite(&run, policy, target),
    }
}

/// Applies the policy to a parsed `run` / `create`.
pub fn rewrite(run: &RunArgs, policy: &Policy, target: &Target) -> Result<Plan, Refusal> {
    let command = vec![run.verb.as_str().to_string()];
    if run.image.is_none() {
        // `run --help`: docker prints help and starts nothing.
        return Ok(Plan {
            command,
            args: run.render(),
            changes: Vec::new(),
        });
    }
    let mut rw = Rewriter::new(run);
    rw.compat(target)?;
    let h = &policy.hardening;
    if h.read_only {
        rw.read_only();
    }
    rw.tmpfs(&h.tmpfs);
    rw.capabilities(h.drop_all_capabilities, &h.allowed_capabilities);
    if h.no_new_privileges {
        rw.no_new_privileges()?;
    }
    if let Some(max) = policy.limits.cpus.max() {
        rw.cpus(max)?;
    }
    if let Limit::Max(max) = policy.limits.memory {
        rw.memory(max.0)?;
    }
    if let Some(max) = policy.limits.pids.max() {
        rw.pids(max.0)?;
    }
    Ok(Plan {
        command,
        args: rw.render(),
        changes: rw.changes,
    })
}

/// What happens to one of the caller's options.
#[derive(Debug, Clone)]
enum Edit {
    Keep,
    Drop,
    Set(&'static Flag, OptValue),
}

struct Rewriter<'a> {
    run: &'a RunArgs,
    edits: Vec<Edit>,
    added: Vec<(&'static Flag, OptValue)>,
    changes: Vec<Change>,
}

fn flag(name: &str) -> &'static Flag {
    flags::by_long(name).unwrap_or_else(|| panic!("--{name} is missing from the flag table"))
}

/// `--long=value` (or `--long`, `--long=false`): one token that no parser can misread.
fn token(flag: &Flag, value: &OptValue) -> OsString {
    let mut t = format!("--{}", flag.long).into_bytes();
    match value {
        OptValue::Bool(true) => {}
        OptValue::Bool(false) => t.extend_from_slice(b"=false"),
        OptValue::Value(v) => {
            t.push(b'=');
            t.extend_from_slice(v.as_bytes());
        }
    }
    OsString::from_vec(t)
}

fn shown(flag: &Flag, value: &OptValue) -> String {
    redact::display(&token(flag, value))
}

fn value(s: impl Into<OsString>) -> OptValue {
    OptValue::Value(s.into())
}

fn bad_value(flag: &str, v: &[u8]) -> Refusal {
    Refusal {
        rule: "parse.bad-value",
        message: format!(
            "cannot understand --{flag} value {:?}",
            redact::display(OsStr::from_bytes(v))
        ),
    }
}

impl<'a> Rewriter<'a> {
    fn new(run: &'a RunArgs) -> Self {
        Rewriter {
            run,
            edits: vec![Edit::Keep; run.opts.len()],
            added: Vec::new(),
            changes: Vec::new(),
        }
    }

    fn note(&mut self, rule: &'static str, action: Action, token: String, reason: impl Into<String>) {
        self.changes.push(Change {
            rule,
            action,
            token,
            reason: reason.into(),
        });
    }

    fn drop_opt(&mut self, i: usize, rule: &'static str, reason: impl Into<String>) {
        let o = &self.run.opts[i];
        let t = shown(o.flag, &o.value);
        self.edits[i] = Edit::Drop;
        self.note(rule, Action::Remove, t, reason);
    }

    fn add(&mut self, rule: &'static str, name: &str, v: OptValue, reason: impl Into<String>) {
        let f = flag(name);
        let t = shown(f, &v);
        self.added.push((f, v));
        self.note(rule, Action::Add, t, reason);
    }

    /// Drops every occurrence of a scalar option and adds one with the new value.
    fn replace_all(&mut self, rule: &'static str, name: &str, v: OptValue, reason: impl Into<String>) {
        let idx: Vec<usize> = self.run.find(name).map(|(i, _)| i).collect();
        let old: Vec<String> = idx
            .iter()
            .map(|&i| shown(self.run.opts[i].flag, &self.run.opts[i].value))
            .collect();
        for &i in &idx {
            self.edits[i] = Edit::Drop;
        }
        let f = flag(name);
        let t = shown(f, &v);
        self.added.push((f, v));
        let token = if old.is_empty() {
            t
        } else {
            format!("{} -> {t}", old.join(" "))
        };
        let action = if idx.is_empty() {
            Action::Add
        } else {
            Action::Replace
        };
        self.note(rule, action, token, reason);
    }

    /// Flags the target runtime rejects are renamed where it has an equivalent, else refused.
    fn compat(&mut self, target: &Target) -> Result<(), Refusal> {
        for (i, o) in self.run.opts.iter().enumerate() {
            let rt = target.flavor.as_str();
            match target.flavor {
                Flavor::Podman => match o.flag.podman {
                    Podman::Yes | Podman::Hidden => {}
                    Podman::Rename(to) => {
                        let f = flag(to);
                        self.changes.push(Change {
                            rule: "compat.rename",
                            action: Action::Replace,
                            token: format!("{} -> {}", shown(o.flag, &o.value), shown(f, &o.value)),
                            reason: format!("{rt} spells --{} as --{to}", o.flag.long),
                        });
                        self.edits[i] = Edit::Set(f, o.value.clone());
                    }
                    Podman::No => {
                        return Err(Refusal {
                            rule: "compat.unsupported-flag",
                            message: format!("{rt} does not support --{} (a docker-only flag)", o.flag.long),
                        });
                    }
                },
                Flavor::Docker => {
                    if o.flag.docker == flags::Docker::No {
                        return Err(Refusal {
                            rule: "compat.unsupported-flag",
                            message: format!("{rt} does not support --{} (a podman-only flag)", o.flag.long),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    fn read_only(&mut self) {
        let mut on = false;
        let found: Vec<(usize, bool)> = self
            .run
            .find("read-only")
            .map(|(i, o)| (i, o.is_true()))
            .collect();
        for (i, is_true) in found {
            if is_true {
                on = true;
            } else {
                self.drop_opt(
                    i,
                    "harden.read-only",
                    "a writable root filesystem is against the policy",
                );
            }
        }
        if !on {
            self.add(
                "harden.read-only",
                "read-only",
                OptValue::Bool(true),
                "the root filesystem is read-only",
            );
        }
    }

    fn tmpfs(&mut self, wanted: &[policy::Tmpfs]) {
        let mut targets: Vec<Vec<u8>> = Vec::new();
        for o in &self.run.opts {
            let m = match o.flag.canonical() {
                "volume" => mounts::from_volume(o.bytes()),
                "mount" => mounts::from_mount(o.bytes()),
                "tmpfs" => mounts::from_tmpfs(o.bytes()),
                _ => None,
            };
            targets.extend(m.map(|m| m.target));
        }
        for t in wanted {
            let spec = t.spec();
            if targets.iter().any(|d| d == t.path.0.as_bytes()) {
                self.note(
                    "harden.tmpfs",
                    Action::Keep,
                    format!("--tmpfs={spec}"),
                    format!("the caller mounts {} itself; its mount is kept", t.path.0),
                );
            } else {
                self.add(
                    "harden.tmpfs",
                    "tmpfs",
                    value(spec),
                    format!("{} stays writable under --read-only", t.path.0),
                );
            }
        }
    }

    fn capabilities(&mut self, drop_all: bool, allowed: &[policy::Capability]) {
        let caps = |o: &parse::Opt| -> Vec<String> {
            String::from_utf8_lossy(o.bytes())
                .split(',')
                .map(policy::normalize_cap)
                .collect()
        };
        if drop_all {
            let privileged: Vec<usize> = self
                .run
                .find("privileged")
                .filter(|(_, o)| o.is_true())
                .map(|(i, _)| i)
                .collect();
            for i in privileged {
                self.drop_opt(
                    i,
                    "harden.privileged",
                    "--privileged grants every capability and device and lifts confinement",
                );
            }
            if !self
                .run
                .find("cap-drop")
                .any(|(_, o)| caps(o).iter().any(|c| c == "ALL"))
            {
                self.add(
                    "harden.cap-drop",
                    "cap-drop",
                    value("ALL"),
                    "the container starts with no capabilities",
                );
            }
        }
        let adds: Vec<(usize, Vec<String>)> = self.run.find("cap-add").map(|(i, o)| (i, caps(o))).collect();
        for (i, names) in adds {
            let (ok, denied): (Vec<String>, Vec<String>) =
                names.into_iter().partition(|c| allowed.iter().any(|a| &a.0 == c));
            if denied.is_empty() {
                continue;
            }
            self.drop_opt(
                i,
                "harden.cap-add",
                format!("{} not in the policy's allowed_capabilities", denied.join(", ")),
            );
            for c in ok {
                self.add("harden.cap-add", "cap-add", value(c), "allowed by the policy");
            }
        }
    }

    fn no_new_privileges(&mut self) -> Result<(), Refusal> {
        let mut on = false;
        let found: Vec<(usize, Vec<u8>)> = self
            .run
            .find("security-opt")
            .map(|(i, o)| (i, o.bytes().to_vec()))
            .collect();
        for (i, v) in found {
            match nnp_setting(&v) {
                None => {}
                Some(None) => return Err(bad_value("security-opt", &v)),
                Some(Some(true)) => on = true,
                Some(Some(false)) => self.drop_opt(
                    i,
                    "harden.no-new-privileges",
                    "privilege escalation through setuid is against the policy",
                ),
            }
        }
        if !on {
            self.add(
                "harden.no-new-privileges",
                "security-opt",
                value("no-new-privileges"),
                "setuid binaries cannot raise privileges",
            );
        }
        Ok(())
    }

    fn cpus(&mut self, max: NanoCpus) -> Result<(), Refusal> {
        let rule = "limit.cpus";
        let quota = self.scalar_i64("cpu-quota")?;
        let period = self.scalar_i64("cpu-period")?;
        if quota.is_some_and(|q| q > 0) || period.is_some_and(|p| p > 0) {
            // The caller limits CPU with the CFS pair; --cpus cannot be combined with it, and
            // both runtimes refuse the pair, so the shim does too.
            if let Some((_, o)) = self.run.last("cpus") {
                if NanoCpus::parse(&String::from_utf8_lossy(o.bytes())).is_none_or(|c| c.0 > 0) {
                    return Err(Refusal {
                        rule: "parse.conflict",
                        message: "--cpus cannot be combined with --cpu-quota or --cpu-period".into(),
                    });
                }
            }
            let period = period.filter(|&p| p > 0).unwrap_or(100_000) as u128;
            let ceiling = (max.0 as u128 * period / 1_000_000_000).max(1000) as i64;
            match quota {
                Some(q) if q > 0 && q <= ceiling => {
                    self.note(
                        rule,
                        Action::Keep,
                        format!("--cpu-quota={q}"),
                        "at or below the policy's ceiling",
                    );
                }
                _ => self.replace_all(
                    rule,
                    "cpu-quota",
                    value(ceiling.to_string()),
                    format!("CPU time is capped at {max} CPUs (with the caller's --cpu-period)"),
                ),
            }
            return Ok(());
        }
        let current = match self.run.last("cpus") {
            None => None,
            Some((_, o)) => Some(
                NanoCpus::parse(&String::from_utf8_lossy(o.bytes()))
                    .ok_or_else(|| bad_value("cpus", o.bytes()))?,
            ),
        };
        match current {
            Some(c) if c.0 > 0 && c <= max => self.note(
                rule,
                Action::Keep,
                format!("--cpus={c}"),
                "at or below the policy's ceiling",
            ),
            _ => self.replace_all(
                rule,
                "cpus",
                value(max.to_string()),
                format!("CPU is capped at {max}"),
            ),
        }
        Ok(())
    }

    fn memory(&mut self, max: u64) -> Result<(), Refusal> {
        let rule = "limit.memory";
        let shown_max = units::format_bytes(max);
        let current = self.scalar_bytes("memory")?;
        let fin = match current {
            Some(m) if m > 0 && m <= max => {
                self.note(
                    rule,
                    Action::Keep,
                    format!("--memory={}", units::format_bytes(m)),
                    "at or below the policy's ceiling",
                );
                m
            }
            _ => {
                self.replace_all(
                    rule,
                    "memory",
                    value(shown_max.clone()),
                    format!("memory is capped at {shown_max}"),
                );
                max
            }
        };
        // A reservation above the limit, or a swap total below it, is rejected by the runtime.
        if self.scalar_bytes("memory-reservation")?.is_some_and(|r| r > fin) {
            self.replace_all(
                rule,
                "memory-reservation",
                value(units::format_bytes(fin)),
                "a reservation cannot exceed the memory limit",
            );
        }
        if let Some((_, o)) = self.run.last("memory-swap") {
            if o.bytes() != b"-1" {
                let swap = units::parse_bytes(&String::from_utf8_lossy(o.bytes()))
                    .ok_or_else(|| bad_value("memory-swap", o.bytes()))?;
                if swap > 0 && swap < fin {
                    self.replace_all(
                        rule,
                        "memory-swap",
                        value(units::format_bytes(fin)),
                        "memory plus swap cannot be below the memory limit",
                    );
                }
            }
        }
        Ok(())
    }

    fn pids(&mut self, max: u64) -> Result<(), Refusal> {
        let rule = "limit.pids";
        match self.scalar_i64("pids-limit")? {
            Some(n) if n > 0 && n as u64 <= max => self.note(
                rule,
                Action::Keep,
                format!("--pids-limit={n}"),
                "at or below the policy's ceiling",
            ),
            _ => self.replace_all(
                rule,
                "pids-limit",
                value(max.to_string()),
                format!("processes are capped at {max}"),
            ),
        }
        Ok(())
    }

    fn scalar_i64(&self, name: &str) -> Result<Option<i64>, Refusal> {
        match self.run.last(name) {
            None => Ok(None),
            Some((_, o)) => std::str::from_utf8(o.bytes())
                .ok()
                .and_then(|s| s.parse().ok())
                .map(Some)
                .ok_or_else(|| bad_value(name, o.bytes())),
        }
    }

    fn scalar_bytes(&self, name: &str) -> Result<Option<u64>, Refusal> {
        match self.run.last(name) {
            None => Ok(None),
            Some((_, o)) => std::str::from_utf8(o.bytes())
                .ok()
                .and_then(units::parse_bytes)
                .map(Some)
                .ok_or_else(|| bad_value(name, o.bytes())),
        }
    }

    fn render(&self) -> Vec<OsString> {
        let run = self.run;
        let mut out = run.prefix.clone();
        let mut i = 0;
        for (g, tokens) in run.groups.iter().enumerate() {
            let start = i;
            while i < run.opts.len() && run.opts[i].group == g {
                i += 1;
            }
            let members = start..i;
            if members.clone().all(|m| matches!(self.edits[m], Edit::Keep)) {
                out.extend(tokens.iter().cloned());
                continue;
            }
            for m in members {
                match &self.edits[m] {
                    Edit::Keep => out.push(token(run.opts[m].flag, &run.opts[m].value)),
                    Edit::Drop => {}
                    Edit::Set(f, v) => out.push(token(f, v)),
                }
            }
        }
        out.extend(self.added.iter().map(|(f, v)| token(f, v)));
        run.render_tail(&mut out);
        out
    }
}

/// Reads a `--security-opt` value as docker does: `None` when it is not about
/// no-new-privileges, `Some(None)` when it is but the value is not a boolean.
pub fn nnp_setting(v: &[u8]) -> Option<Option<bool>> {
    let rest = v.strip_prefix(b"no-new-privileges")?;
    match rest {
        [] => Some(Some(true)),
        [b':' | b'=', value @ ..] => Some(parse::bool_value(value)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PODMAN: Target = Target {
        flavor: Flavor::Podman,
    };

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    fn out(words: &[&str]) -> Vec<String> {
        out_with(words, &Policy::default())
    }

    fn out_with(words: &[&str], p: &Policy) -> Vec<String> {
        let plan = plan(&argv(words), p, &PODMAN).unwrap();
        plan.args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    fn refused(words: &[&str]) -> Refusal {
        plan(&argv(words), &Policy::default(), &PODMAN).unwrap_err()
    }

    const HARDENING: &[&str] = &[
        "--read-only",
        "--tmpfs=/tmp:rw,nosuid,nodev,noexec,size=512m,mode=1777",
        "--tmpfs=/home/node:rw,nosuid,nodev,exec,size=1g,mode=1777",
        "--cap-drop=ALL",
        "--security-opt=no-new-privileges",
        "--cpus=2",
        "--memory=4g",
        "--pids-limit=256",
    ];

    fn with_hardening(before: &[&str], after: &[&str]) -> Vec<String> {
        before
            .iter()
            .chain(HARDENING)
            .chain(after)
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn adds_everything_before_the_image() {
        assert_eq!(
            out(&["run", "--rm", "img", "cmd", "--privileged"]),
            with_hardening(&["run", "--rm"], &["img", "cmd", "--privileged"])
        );
        assert_eq!(
            out(&["container", "create", "img"]),
            with_hardening(&["container", "create"], &["img"])
        );
    }

    #[test]
    fn passthrough_is_untouched() {
        let a = [
            "ps",
            "--filter",
            "label=nanoclaw-install=ab",
            "--format",
            "{{.Names}}",
        ];
        assert_eq!(out(&a), a);
        assert_eq!(out(&["stop", "-t", "1", "x"]), ["stop", "-t", "1", "x"]);
        assert_eq!(out(&["run", "--help"]), ["run", "--help"]);
    }

    #[test]
    fn contrary_settings_are_removed() {
        let o = out(&[
            "run",
            "--read-only=false",
            "--security-opt",
            "no-new-privileges=false",
            "img",
        ]);
        assert_eq!(o, with_hardening(&["run"], &["img"]));
        let o = out(&[
            "run",
            "--security-opt=no-new-privileges:false",
            "--read-only",
            "--read-only=0",
            "img",
        ]);
        assert_eq!(
            o.iter()
                .filter(|t| t.contains("false") || t.ends_with("=0"))
                .count(),
            0,
            "{o:?}"
        );
        let o = out(&["run", "--privileged", "img"]);
        assert!(
            !o.iter().any(|t| t.contains("privileged=") || t == "--privileged"),
            "{o:?}"
        );
    }

    #[test]
    fn equivalent_spellings_are_not_duplicated() {
        let o = out(&[
            "run",
            "--cap-drop",
            "all",
            "--security-opt",
            "no-new-privileges:true",
            "--read-only",
            "--pids-limit",
            "2048",
            "img",
        ]);
        assert_eq!(
            o.iter()
                .filter(|t| t.to_ascii_lowercase().contains("all"))
                .count(),
            1,
            "{o:?}"
        );
        assert_eq!(
            o.iter().filter(|t| t.contains("no-new-privileges")).count(),
            1,
            "{o:?}"
        );
        assert_eq!(o.iter().filter(|t| t.contains("read-only")).count(), 1, "{o:?}");
        assert!(o.contains(&"--pids-limit=256".to_string()), "{o:?}");
        assert!(!o.contains(&"2048".to_string()), "{o:?}");
        let o = out(&[
            "run",
            "--cap-drop=CAP_ALL",
            "--security-opt=no-new-privileges",
            "img",
        ]);
        assert!(!o.contains(&"--cap-drop=ALL".to_string()), "{o:?}");
    }

    #[test]
    fn limits_are_ceilings_with_units() {
        let o = out(&[
            "run",
            "--memory",
            "4096m",
            "--cpus",
            "1.5",
            "--pids-limit=100",
            "img",
        ]);
        assert!(
            o.contains(&"4096m".to_string()) && o.contains(&"1.5".to_string()),
            "{o:?}"
        );
        assert!(
            !o.iter()
                .any(|t| t.starts_with("--memory=") || t.starts_with("--cpus=")),
            "{o:?}"
        );
        assert!(o.contains(&"--pids-limit=100".to_string()), "{o:?}");
        let o = out(&["run", "-m", "8g", "--cpus=4", "--pids-limit", "0", "img"]);
        assert!(
            o.contains(&"--memory=4g".to_string()) && !o.contains(&"8g".to_string()),
            "{o:?}"
        );
        assert!(
            o.contains(&"--cpus=2".to_string()) && !o.contains(&"--cpus=4".to_string()),
            "{o:?}"
        );
        assert!(o.contains(&"--pids-limit=256".to_string()), "{o:?}");
        let o = out(&["run", "--memory=0", "--cpus=0", "--pids-limit=-1", "img"]);
        assert!(
            o.contains(&"--memory=4g".to_string()) && o.contains(&"--pids-limit=256".to_string()),
            "{o:?}"
        );
    }

    #[test]
    fn bundles_with_a_changed_option_are_respelled() {
        let o = out(&["run", "-dm8g", "img"]);
        assert_eq!(o[..2], ["run", "--detach"]);
        assert!(o.contains(&"--memory=4g".to_string()));
        let o = out(&["run", "-dit", "img"]);
        assert_eq!(o[1], "-dit");
    }

    #[test]
    fn cpu_quota_is_reconciled_not_doubled() {
        let o = out(&["run", "--cpu-quota", "50000", "img"]);
        assert!(!o.iter().any(|t| t.starts_with("--cpus")), "{o:?}");
        assert!(o.contains(&"50000".to_string()), "{o:?}");
        let o = out(&["run", "--cpu-period=100000", "--cpu-quota=800000", "img"]);
        assert!(o.contains(&"--cpu-quota=200000".to_string()), "{o:?}");
        assert!(!o.iter().any(|t| t.starts_with("--cpus")), "{o:?}");
        let o = out(&["run", "--cpu-period=50000", "img"]);
        assert!(o.contains(&"--cpu-quota=100000".to_string()), "{o:?}");
    }

    #[test]
    fn memory_relatives_are_reconciled() {
        let o = out(&[
            "run",
            "--memory=8g",
            "--memory-reservation=6g",
            "--memory-swap=5g",
            "img",
        ]);
        assert!(o.contains(&"--memory-reservation=4g".to_string()), "{o:?}");
        let o = out(&["run", "--memory-swap=1g", "img"]);
        assert!(o.contains(&"--memory-swap=4g".to_string()), "{o:?}");
        let o = out(&["run", "--memory-swap=-1", "img"]);
        assert!(o.contains(&"--memory-swap=-1".to_string()), "{o:?}");
    }

    #[test]
    fn callers_own_mounts_win_over_policy_tmpfs() {
        let o = out(&[
            "run",
            "-v",
            "/host/tmp:/tmp/",
            "--mount",
            "type=tmpfs,dst=/home/node",
            "img",
        ]);
        assert!(!o.iter().any(|t| t.starts_with("--tmpfs")), "{o:?}");
        // A single-file bind inside /tmp is not a mount at /tmp.
        let o = out(&["run", "-v", "/x/ca.pem:/tmp/ca.pem:ro", "img"]);
        assert_eq!(o.iter().filter(|t| t.starts_with("--tmpfs")).count(), 2, "{o:?}");
    }

    #[test]
    fn cap_add_outside_the_allow_list_is_removed() {
        let o = out(&["run", "--cap-add", "SYS_ADMIN", "--cap-add=ALL", "img"]);
        assert!(
            !o.iter().any(|t| t.contains("SYS_ADMIN") || t.contains("cap-add")),
            "{o:?}"
        );
        let mut p = Policy::default();
        p.hardening.allowed_capabilities = vec![policy::Capability("NET_BIND_SERVICE".into())];
        let o = out_with(&["run", "--cap-add", "cap_net_bind_service", "img"], &p);
        assert!(o.contains(&"cap_net_bind_service".to_string()), "{o:?}");
        let o = out_with(&["run", "--cap-add=NET_BIND_SERVICE,SYS_ADMIN", "img"], &p);
        assert!(o.contains(&"--cap-add=NET_BIND_SERVICE".to_string()), "{o:?}");
        assert!(!o.iter().any(|t| t.contains("SYS_ADMIN")), "{o:?}");
    }

    #[test]
    fn policy_switches_off_each_piece() {
        let mut p = Policy::default();
        p.hardening.read_only = false;
        p.hardening.no_new_privileges = false;
        p.hardening.drop_all_capabilities = false;
        p.hardening.tmpfs.clear();
        p.limits.cpus = Limit::Off;
        p.limits.memory = Limit::Off;
        p.limits.pids = Limit::Off;
        assert_eq!(
            out_with(&["run", "--read-only=false", "img"], &p),
            ["run", "--read-only=false", "img"]
        );
    }

    #[test]
    fn idempotent_on_its_own_output() {
        let first = out(&[
            "run",
            "-dm8g",
            "--cap-add",
            "SYS_ADMIN",
            "--read-only=false",
            "--cpu-quota=900000",
            "img",
        ]);
        let second = out(&first.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(first, second);
    }

    #[test]
    fn unreadable_limits_are_refused() {
        assert_eq!(
            refused(&["run", "--memory", "lots", "img"]).rule,
            "parse.bad-value"
        );
        assert_eq!(refused(&["run", "--cpus", "3/2", "img"]).rule, "parse.bad-value");
        assert_eq!(
            refused(&["run", "--pids-limit", "many", "img"]).rule,
            "parse.bad-value"
        );
        assert_eq!(
            refused(&["run", "--security-opt", "no-new-privileges=yes", "img"]).rule,
            "parse.bad-value"
        );
    }

    #[test]
    fn podman_compat() {
        let o = out(&["run", "--net-alias", "a", "img"]);
        assert!(o.contains(&"--network-alias=a".to_string()), "{o:?}");
        assert_eq!(
            refused(&["run", "--link", "db", "img"]).rule,
            "compat.unsupported-flag"
        );
        let docker = Target {
            flavor: Flavor::Docker,
        };
        let r = plan(&argv(&["run", "--replace", "img"]), &Policy::default(), &docker).unwrap_err();
        assert_eq!(r.rule, "compat.unsupported-flag");
    }

    #[test]
    fn image_and_args_survive_byte_identical() {
        use std::os::unix::ffi::OsStringExt;
        let mut a = argv(&["run", "-v"]);
        a.push(OsString::from_vec(b"/h/\xff:/w".to_vec()));
        a.push(OsString::from_vec(b"img\xfe".to_vec()));
        a.push(OsString::from_vec(b"arg \x01".to_vec()));
        let p = plan(&a, &Policy::default(), &PODMAN).unwrap();
        assert_eq!(p.args[1..3], a[1..3]);
        assert_eq!(p.args[p.args.len() - 2..], a[3..]);
    }
}
