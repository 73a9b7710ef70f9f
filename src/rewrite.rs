//! The pure core: from a docker argv and a policy to the argv the runtime receives.
//!
//! [`plan`] parses; for `run` / `create` it picks the profile, collects deny-rule violations
//! ([`crate::deny`]), applies the podman compatibility fixes, the hardening and the ceilings, and
//! settles the outcome by mode (enforce refuses or rewrites; audit runs the caller's argv and
//! records). `exec` / `update` are only checked; everything else passes through. Every change
//! carries a stable rule id and a reason. The shim execs exactly `Plan::args`; `explain` prints
//! the same `Plan`, so a preview can never disagree with what runs.
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

use crate::rules::Rule;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::commands;
use crate::deny::{self, HostCtx};
use crate::flags::{self, Flag, Podman, Setting};
use crate::hostpath::HostPaths;
use crate::mounts;
use crate::parse::{self, Invocation, OptValue, ParseError, RunArgs};
use crate::policy::{self, Mode, Policy, Rules};
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

/// A runtime version (major, minor, patch).
pub type Version = (u32, u32, u32);

/// What the rewrite knows about the runtime and the host. The version is learned only when a
/// rule needs it (through `probe`, which the edge caches), so most invocations never ask.
pub struct Target {
    pub flavor: Flavor,
    /// Rootless podman (the shim runs as a non-root user).
    pub rootless: bool,
    pub host: HostCtx,
    /// The host runs cgroup v1, where rootless podman cannot apply resource limits.
    pub cgroup_v1: bool,
    version: std::cell::OnceCell<Option<Version>>,
    probe: Option<Box<dyn Fn() -> Option<Version>>>,
}

impl Target {
    /// A target whose facts are all known (tests, explain snapshots).
    pub fn fixed(flavor: Flavor, rootless: bool, version: Option<Version>) -> Target {
        let cell = std::cell::OnceCell::new();
        let _ = cell.set(version);
        Target {
            flavor,
            rootless,
            host: HostCtx::default(),
            cgroup_v1: false,
            version: cell,
            probe: None,
        }
    }

    /// A target that asks `probe` for the version the first time a rule needs it.
    pub fn probing(
        flavor: Flavor,
        rootless: bool,
        host: HostCtx,
        probe: Box<dyn Fn() -> Option<Version>>,
    ) -> Target {
        Target {
            flavor,
            rootless,
            host,
            cgroup_v1: false,
            version: std::cell::OnceCell::new(),
            probe: Some(probe),
        }
    }

    /// The runtime's version, if it could be learned.
    pub fn version(&self) -> Option<Version> {
        *self.version.get_or_init(|| self.probe.as_ref().and_then(|p| p()))
    }

    /// The version if it is already known, without probing.
    pub fn known_version(&self) -> Option<Version> {
        self.version.get().copied().flatten()
    }
}

/// What a change did to the argv.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Add,
    Remove,
    Replace,
    /// Nothing changed, on purpose (a caller's own mount kept, a lower limit kept).
    Keep,
    /// A deny rule matched.
    Deny,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Remove => "remove",
            Action::Replace => "replace",
            Action::Keep => "keep",
            Action::Deny => "deny",
        }
    }
}

/// One change with its rule id and reason. `token` is the option as text, *not* redacted (the
/// shim builds these on every call and rarely shows them): display it through
/// [`crate::redact::display`], as `explain` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub rule: Rule,
    pub action: Action,
    pub token: String,
    pub reason: String,
}

/// Why the shim will not run an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub rule: Rule,
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

/// What the shim does with an invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A command the policy does not concern: exec'd unchanged.
    Passthrough,
    /// `run` / `create` under enforce: exec'd with the policy applied.
    Rewrite,
    /// Not exec'd; exit 125.
    Refuse,
    /// Exec'd unchanged (compatibility fixes aside); `changes` says what enforce would do.
    Audit,
    /// A profile exempts it: exec'd unchanged.
    Exempt,
    /// Mode "off": exec'd unchanged.
    Off,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Passthrough => "passthrough",
            Decision::Rewrite => "rewrite",
            Decision::Refuse => "refuse",
            Decision::Audit => "audit",
            Decision::Exempt => "exempt",
            Decision::Off => "off",
        }
    }

    /// Whether the runtime is exec'd.
    pub fn runs(self) -> bool {
        self != Decision::Refuse
    }
}

/// The outcome for one invocation: what runs, why, and under which mode and profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The command path (`run`, `container create`, `ps`, ...).
    pub command: Vec<String>,
    pub decision: Decision,
    pub mode: Mode,
    pub profile: Option<String>,
    /// The argv to exec, without the runtime's own name (empty when refused).
    pub args: Vec<OsString>,
    /// What the policy changed (enforce) or would change (audit).
    pub changes: Vec<Change>,
    /// Why it is refused (refuse), or what enforce would have refused (audit).
    pub refusal: Option<Refusal>,
}

impl Plan {
    /// The rule ids involved, for the decision log.
    pub fn rules(&self) -> Vec<Rule> {
        let mut ids: Vec<Rule> = self.changes.iter().map(|c| c.rule).collect();
        ids.extend(self.refusal.iter().map(|r| r.rule));
        ids.dedup();
        ids
    }

    fn unchanged(command: Vec<String>, decision: Decision, mode: Mode, argv: &[OsString]) -> Plan {
        Plan {
            command,
            decision,
            mode,
            profile: None,
            args: argv.to_vec(),
            changes: Vec::new(),
            refusal: None,
        }
    }
}

/// Decides what happens to a docker argv under a policy: the one function the shim and
/// `explain` both run.
pub fn plan(argv: &[OsString], policy: &Policy, target: &Target) -> Plan {
    if policy.mode == Mode::Off {
        return Plan::unchanged(Vec::new(), Decision::Off, Mode::Off, argv);
    }
    if policy.rules.deny.on(Rule::DenyEngineRedirect) {
        if let Some(flag) = parse::engine_redirect(argv) {
            let mut p = Plan::unchanged(Vec::new(), Decision::Refuse, policy.mode, argv);
            p.refusal = Some(Refusal {
                rule: Rule::DenyEngineRedirect,
                message: format!(
                    "{flag} sends the command to another engine, outside the policy; set [deny] engine_redirect = false to allow it"
                ),
            });
            if policy.mode == Mode::Audit {
                p.decision = Decision::Audit;
            } else {
                p.args.clear();
            }
            return p;
        }
    }
    let parsed = match parse::parse(argv) {
        Ok(p) => p,
        Err(e) => {
            let mut p = Plan::unchanged(Vec::new(), Decision::Refuse, policy.mode, argv);
            p.refusal = Some(e.into());
            if policy.mode == Mode::Audit {
                p.decision = Decision::Audit;
            } else {
                p.args.clear();
            }
            return p;
        }
    };
    let run = match parsed {
        Invocation::Other { command, at } => {
            // Every other command is allow-listed and parsed (`crate::commands`); the host paths
            // a build reads or writes go through the same model as mounts.
            let mut paths = HostPaths::new(&policy.rules.deny, &target.host);
            let mut host_path = |p: &[u8], access, token: &str| {
                paths.check(p, access, &|_| false).map(|f| deny::Violation {
                    rule: f.rule,
                    token: redact::display(OsStr::new(token)),
                    reason: format!("the engine would use the host path {}", f.entry),
                })
            };
            let found = commands::check(&argv[at..], &policy.commands, &mut host_path);
            let mut plan = Plan::unchanged(command, Decision::Passthrough, policy.mode, &[]);
            if found.is_empty() {
                plan.args = argv.to_vec();
                return plan;
            }
            return settle(plan, argv, found, None, None);
        }
        Invocation::Run(run) => run,
    };
    let n = run.prefix.len();
    let path_len = if n >= 2 && run.prefix[n - 2] == "container" {
        2
    } else {
        1
    };
    let command = run.prefix[n - path_len..]
        .iter()
        .map(|t| t.to_string_lossy().into_owned())
        .collect();
    // The argv is copied into the plan only where it runs unchanged (a rewrite renders its own).
    let mut plan = Plan::unchanged(command, Decision::Rewrite, policy.mode, &[]);
    if !run.verb.starts_container() {
        // exec / update: checked against the deny rules, never rewritten.
        plan.decision = Decision::Passthrough;
        let found = deny::check(&run, &policy.rules, &target.host);
        return settle(plan, argv, found, None, None);
    }
    if run.image.is_none() {
        // `run --help`: docker prints help and starts nothing.
        plan.decision = Decision::Passthrough;
        plan.args = argv.to_vec();
        return plan;
    }
    let labels = labels(&run);
    let name = run
        .last(crate::setting!("name"))
        .map(|(_, o)| String::from_utf8_lossy(o.bytes()).into_owned());
    let image = run
        .image
        .as_ref()
        .map(|i| i.to_string_lossy().into_owned())
        .unwrap_or_default();
    let profile = policy.profile_for(&image, name.as_deref(), &labels);
    plan.profile = profile.map(|p| p.name.clone());
    plan.mode = profile.and_then(|p| p.mode).unwrap_or(policy.mode);
    if profile.is_some_and(|p| p.exempt) {
        plan.decision = Decision::Exempt;
        plan.args = argv.to_vec();
        return plan;
    }
    if plan.mode == Mode::Off {
        plan.decision = Decision::Off;
        plan.args = argv.to_vec();
        return plan;
    }
    let rules = profile.map_or(&policy.rules, |p| &p.rules);
    let found = deny::check(&run, rules, &target.host);
    let rewritten = rewrite(&run, rules, target);
    let audit_args = if plan.mode == Mode::Audit {
        compat_only(&run, rules, target)
    } else {
        None
    };
    settle(plan, argv, found, Some(rewritten), audit_args)
}

/// Combines deny violations and the rewrite into the final plan for the mode in force.
fn settle(
    mut plan: Plan,
    argv: &[OsString],
    found: Vec<deny::Violation>,
    rewritten: Option<Result<Rewritten, Refusal>>,
    audit_args: Option<Vec<OsString>>,
) -> Plan {
    let mut changes = Vec::new();
    let first_denial = found.first().map(|v| Refusal {
        rule: v.rule,
        message: format!("{}: {}", v.token, v.reason),
    });
    changes.extend(found.into_iter().map(|v| Change {
        rule: v.rule,
        action: Action::Deny,
        token: v.token,
        reason: v.reason,
    }));
    let (args, refusal) = match rewritten {
        None => (None, first_denial),
        Some(Ok((args, more))) => {
            changes.extend(more);
            (Some(args), first_denial)
        }
        Some(Err(r)) => (None, first_denial.or(Some(r))),
    };
    plan.changes = changes;
    match plan.mode {
        Mode::Audit => {
            // The caller's argv runs; only compatibility fixes are applied.
            plan.args = audit_args.unwrap_or_else(|| argv.to_vec());
            plan.decision = Decision::Audit;
            plan.refusal = refusal;
        }
        _ => match refusal {
            Some(r) => {
                plan.decision = Decision::Refuse;
                plan.args.clear();
                plan.refusal = Some(r);
            }
            None => plan.args = args.unwrap_or_else(|| argv.to_vec()),
        },
    }
    plan
}

/// Applies only the compatibility fixes (audit mode: the caller's settings run, but on podman).
fn compat_only(run: &RunArgs, rules: &Rules, target: &Target) -> Option<Vec<OsString>> {
    let mut rw = Rewriter::new(run);
    rw.compat(target, &rules.podman).ok()?;
    Some(rw.render())
}

/// `--label k=v` / `-l k=v` pairs of an invocation (`--label-file` is not read).
fn labels(run: &RunArgs) -> Vec<(String, String)> {
    run.find(crate::setting!("label"))
        .map(|(_, o)| {
            let s = String::from_utf8_lossy(o.bytes()).into_owned();
            match s.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (s, String::new()),
            }
        })
        .collect()
}

/// The final argv of a rewrite and every change it made.
pub type Rewritten = (Vec<OsString>, Vec<Change>);

/// Applies the rules to a parsed `run` / `create`: the final argv and every change.
pub fn rewrite(
    run: &RunArgs,
    rules: &Rules,
    target: &Target,
) -> Result<(Vec<OsString>, Vec<Change>), Refusal> {
    let mut rw = Rewriter::new(run);
    rw.compat(target, &rules.podman)?;
    let h = &rules.hardening;
    if h.read_only {
        rw.read_only();
    }
    rw.tmpfs(&h.tmpfs);
    rw.capabilities(
        &h.drop_capabilities,
        &h.allowed_capabilities,
        &h.keep_capabilities,
    );
    if h.init {
        rw.init();
    }
    if h.no_new_privileges {
        rw.no_new_privileges()?;
    }
    if let Some(size) = h.shm_size {
        rw.shm_size(size);
    }
    if let Some(max) = rules.limits.cpus {
        rw.cpus(max)?;
    }
    if let Some(max) = rules.limits.memory {
        rw.memory(max)?;
    }
    if let Some(max) = rules.limits.pids {
        rw.pids(max)?;
    }
    let l = &rules.limits;
    if target.rootless && target.cgroup_v1 && (l.cpus.is_some() || l.memory.is_some() || l.pids.is_some()) {
        let why = "rootless podman on cgroup v1 ignores --cpus, --memory and --pids-limit: these ceilings are NOT in effect";
        if l.refuse_unenforced {
            return Err(Refusal {
                rule: Rule::LimitUnenforced,
                message: format!("{why}; refusing ([limits] refuse_unenforced = true)"),
            });
        }
        rw.note(Rule::LimitUnenforced, Action::Keep, String::new(), why);
    }
    Ok((rw.render(), rw.changes))
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

/// An option as text (`--long=value`), unredacted: for [`Change::token`].
fn raw(flag: &Flag, value: &OptValue) -> String {
    String::from_utf8_lossy(token(flag, value).as_bytes()).into_owned()
}

/// An option as display text (`--long=value`), secrets redacted.
pub(crate) fn shown(flag: &Flag, value: &OptValue) -> String {
    redact::display(&token(flag, value))
}

fn value(s: impl Into<OsString>) -> OptValue {
    OptValue::Value(s.into())
}

fn bad_value(flag: &str, v: &[u8]) -> Refusal {
    Refusal {
        rule: Rule::ParseBadValue,
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

    fn note(&mut self, rule: Rule, action: Action, token: String, reason: impl Into<String>) {
        self.changes.push(Change {
            rule,
            action,
            token,
            reason: reason.into(),
        });
    }

    fn drop_opt(&mut self, i: usize, rule: Rule, reason: impl Into<String>) {
        let o = &self.run.opts[i];
        let t = raw(o.flag, &o.value);
        self.edits[i] = Edit::Drop;
        self.note(rule, Action::Remove, t, reason);
    }

    fn add(&mut self, rule: Rule, name: Setting, v: OptValue, reason: impl Into<String>) {
        let f = flag(name.name());
        let t = raw(f, &v);
        self.added.push((f, v));
        self.note(rule, Action::Add, t, reason);
    }

    /// Drops every occurrence of a scalar option and adds one with the new value.
    fn replace_all(&mut self, rule: Rule, name: Setting, v: OptValue, reason: impl Into<String>) {
        let idx: Vec<usize> = self.run.find(name).map(|(i, _)| i).collect();
        let old: Vec<String> = idx
            .iter()
            .map(|&i| raw(self.run.opts[i].flag, &self.run.opts[i].value))
            .collect();
        for &i in &idx {
            self.edits[i] = Edit::Drop;
        }
        let f = flag(name.name());
        let t = raw(f, &v);
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
    /// Makes the argv work on the target runtime: renames and refusals from the flag table,
    /// then podman's rootless user namespace and host-gateway.
    fn compat(&mut self, target: &Target, pm: &policy::PodmanCompat) -> Result<(), Refusal> {
        for (i, o) in self.run.opts.iter().enumerate() {
            let rt = target.flavor.as_str();
            match target.flavor {
                Flavor::Podman => match o.flag.podman {
                    Podman::Yes | Podman::Hidden => {}
                    Podman::Rename(to) => {
                        let f = flag(to);
                        self.changes.push(Change {
                            rule: Rule::CompatRename,
                            action: Action::Replace,
                            token: format!("{} -> {}", raw(o.flag, &o.value), raw(f, &o.value)),
                            reason: format!("{rt} spells --{} as --{to}", o.flag.long),
                        });
                        self.edits[i] = Edit::Set(f, o.value.clone());
                    }
                    Podman::No => {
                        return Err(Refusal {
                            rule: Rule::CompatUnsupportedFlag,
                            message: format!("{rt} does not support --{} (a docker-only flag)", o.flag.long),
                        });
                    }
                },
                Flavor::Docker => {
                    if o.flag.docker == flags::Docker::No {
                        return Err(Refusal {
                            rule: Rule::CompatUnsupportedFlag,
                            message: format!("{rt} does not support --{} (a podman-only flag)", o.flag.long),
                        });
                    }
                }
            }
        }
        if target.flavor == Flavor::Podman {
            if pm.keep_id && target.rootless {
                self.keep_id(pm.keep_id_user);
            }
            if pm.host_gateway {
                self.host_gateway(target, pm)?;
            }
        }
        Ok(())
    }

    /// Rootless podman maps the container's uid to a sub-uid, so the agent cannot write its
    /// bind-mounted workspace; keep-id maps the host user to the container user instead.
    fn keep_id(&mut self, default: (u32, u32)) {
        let conflicting = [
            crate::setting!("userns"),
            crate::setting!("uidmap"),
            crate::setting!("gidmap"),
            crate::setting!("subuidname"),
            crate::setting!("subgidname"),
            crate::setting!("pod"),
        ];
        if conflicting.iter().any(|f| self.run.last(*f).is_some()) {
            return;
        }
        let user = self
            .run
            .last(crate::setting!("user"))
            .map(|(_, o)| String::from_utf8_lossy(o.bytes()).into_owned());
        let numeric = |s: &str| s.parse::<u32>().ok();
        let (uid, gid) = match user.as_deref().map(|u| u.split_once(':').unwrap_or((u, u))) {
            Some((u, g)) => match (numeric(u), numeric(g)) {
                (Some(u), Some(g)) => (u, g),
                _ => default,
            },
            None => default,
        };
        self.add(
            Rule::CompatKeepId,
            crate::setting!("userns"),
            value(format!("keep-id:uid={uid},gid={gid}")),
            format!("rootless podman: the host user is uid {uid} inside, so bind mounts stay writable"),
        );
    }

    /// `--add-host NAME:host-gateway` is how nanoclaw points the agent at host services (OneCLI,
    /// its credential proxy) that listen on the host's 127.0.0.1. What that needs depends on the
    /// runtime:
    /// - rootless podman 5 (pasta): host-gateway reaches the host's own address, not its
    ///   loopback; pasta forwards exactly the ports nanoclaw's proxy URLs name (and the policy's
    ///   `host_loopback_ports`) from the container's loopback to the host's, and NAME becomes
    ///   127.0.0.1: nothing else on the host's loopback is reachable;
    /// - rootless podman 4 (slirp4netns): nothing narrower exists; `allow_host_loopback` exposes
    ///   every loopback service, through 10.0.2.2 (the change says so);
    /// - podman < 4.7 rejects `host-gateway`: it becomes the address (rootful: the bridge's
    ///   gateway, which reaches services bound to it, not to 127.0.0.1).
    fn host_gateway(&mut self, target: &Target, pm: &policy::PodmanCompat) -> Result<(), Refusal> {
        let hosts: Vec<(usize, Vec<u8>)> = self
            .run
            .find(crate::setting!("add-host"))
            .filter(|(_, o)| o.bytes().ends_with(b":host-gateway"))
            .map(|(i, o)| (i, o.bytes().to_vec()))
            .collect();
        if hosts.is_empty() {
            return Ok(());
        }
        let network = self
            .run
            .last(crate::setting!("network"))
            .map(|(_, o)| String::from_utf8_lossy(o.bytes()).into_owned());
        let version = target.version();
        let pasta = version.is_some_and(|v| v >= (5, 0, 0));
        if target.rootless && pm.host_loopback && network.is_none() && pasta {
            let names: Vec<&[u8]> = hosts
                .iter()
                .map(|(_, v)| &v[..v.len() - b":host-gateway".len()])
                .collect();
            let mut ports = self.proxy_ports(&names);
            ports.extend(&pm.host_loopback_ports);
            ports.sort_unstable();
            ports.dedup();
            if ports.is_empty() {
                return Ok(()); // nothing to forward; host-gateway reaches the host's address
            }
            let spec: Vec<String> = ports.iter().map(|p| format!("-T,{p}")).collect();
            self.add(
                Rule::CompatHostLoopback,
                crate::setting!("network"),
                value(format!("pasta:{}", spec.join(","))),
                format!(
                    "rootless podman 5: only the host's loopback port(s) {} are forwarded into the container",
                    ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
                ),
            );
            self.set_host_addr(
                &hosts,
                "127.0.0.1",
                Rule::CompatHostLoopback,
                "pasta forwards the container's loopback port to the host's",
            );
            return Ok(());
        }
        if version.is_some_and(|v| v >= (4, 7, 0))
            && !(target.rootless && pm.host_loopback && network.is_none())
        {
            return Ok(());
        }
        let addr = if target.rootless {
            match network.as_deref() {
                None if pm.host_loopback => {
                    self.add(
                        Rule::CompatHostLoopback,
                        crate::setting!("network"),
                        value("slirp4netns:allow_host_loopback=true"),
                        "rootless podman 4 (slirp4netns): nothing narrower exists, so EVERY service on the host's 127.0.0.1 is reachable through 10.0.2.2",
                    );
                    "10.0.2.2".to_string()
                }
                None => "10.0.2.2".to_string(),
                Some(n) if n.starts_with("slirp4netns") => "10.0.2.2".to_string(),
                Some(n) => {
                    if version.is_some_and(|v| v >= (4, 7, 0)) {
                        return Ok(());
                    }
                    return Err(Refusal {
                        rule: Rule::CompatHostGateway,
                        message: format!(
                            "podman < 4.7 cannot resolve host-gateway on network {n:?}; give --add-host an IP address"
                        ),
                    });
                }
            }
        } else {
            pm.rootful_gateway.clone()
        };
        let reason = if version.is_some_and(|v| v >= (4, 7, 0)) {
            "slirp4netns reaches the host's loopback at 10.0.2.2"
        } else {
            "podman < 4.7 does not know host-gateway"
        };
        self.set_host_addr(&hosts, &addr, Rule::CompatHostGateway, reason);
        Ok(())
    }

    /// Rewrites each `NAME:host-gateway` to `NAME:addr`.
    fn set_host_addr(&mut self, hosts: &[(usize, Vec<u8>)], addr: &str, rule: Rule, reason: &str) {
        for (i, v) in hosts {
            let name = &v[..v.len() - b":host-gateway".len()];
            let mut nv = name.to_vec();
            nv.push(b':');
            nv.extend_from_slice(addr.as_bytes());
            let new = OptValue::Value(OsString::from_vec(nv));
            let f = self.run.opts[*i].flag;
            self.changes.push(Change {
                rule,
                action: Action::Replace,
                token: format!("{} -> {}", raw(f, &self.run.opts[*i].value), raw(f, &new)),
                reason: reason.into(),
            });
            self.edits[*i] = Edit::Set(f, new);
        }
    }

    /// The ports of `-e` URLs that point at one of `names` (`HTTPS_PROXY=http://x:t@NAME:10255`,
    /// `ANTHROPIC_BASE_URL=http://NAME:3001`).
    fn proxy_ports(&self, names: &[&[u8]]) -> Vec<u16> {
        let mut ports = Vec::new();
        for (_, o) in self.run.find(crate::setting!("env")) {
            let v = String::from_utf8_lossy(o.bytes());
            let Some((_, url)) = v.split_once('=') else {
                continue;
            };
            let Some((_, rest)) = url.split_once("://") else {
                continue;
            };
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            let Some((host, port)) = hostport.rsplit_once(':') else {
                continue;
            };
            if names.iter().any(|n| n.eq_ignore_ascii_case(host.as_bytes())) {
                if let Ok(p) = port.parse::<u16>() {
                    ports.push(p);
                }
            }
        }
        ports
    }

    fn read_only(&mut self) {
        let mut on = false;
        let found: Vec<(usize, bool)> = self
            .run
            .find(crate::setting!("read-only"))
            .map(|(i, o)| (i, o.is_true()))
            .collect();
        for (i, is_true) in found {
            if is_true {
                on = true;
            } else {
                self.drop_opt(
                    i,
                    Rule::HardenReadOnly,
                    "a writable root filesystem is against the policy",
                );
            }
        }
        if !on {
            self.add(
                Rule::HardenReadOnly,
                crate::setting!("read-only"),
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
            if targets.iter().any(|d| d == t.path.as_bytes()) {
                self.note(
                    Rule::HardenTmpfs,
                    Action::Keep,
                    format!("--tmpfs={spec}"),
                    format!("the caller mounts {} itself; its mount is kept", t.path),
                );
            } else {
                self.add(
                    Rule::HardenTmpfs,
                    crate::setting!("tmpfs"),
                    value(spec),
                    format!("{} stays writable under --read-only", t.path),
                );
            }
        }
    }

    fn capabilities(&mut self, drop: &[String], allowed: &[String], keep: &[String]) {
        let caps = |o: &parse::Opt| -> Vec<String> {
            String::from_utf8_lossy(o.bytes())
                .split(',')
                .map(policy::normalize_cap)
                .collect()
        };
        let dropped: Vec<String> = self
            .run
            .find(crate::setting!("cap-drop"))
            .flat_map(|(_, o)| caps(o))
            .collect();
        if drop.iter().any(|c| c == "ALL") {
            let privileged: Vec<usize> = self
                .run
                .find(crate::setting!("privileged"))
                .filter(|(_, o)| o.is_true())
                .map(|(i, _)| i)
                .collect();
            for i in privileged {
                self.drop_opt(
                    i,
                    Rule::HardenPrivileged,
                    "--privileged grants every capability and device and lifts confinement",
                );
            }
        }
        for cap in drop {
            if !dropped.iter().any(|c| c == cap || c == "ALL") {
                let why = if cap == "ALL" {
                    "the container starts with no capabilities".to_string()
                } else {
                    format!("{cap} is dropped by the policy")
                };
                self.add(
                    Rule::HardenCapDrop,
                    crate::setting!("cap-drop"),
                    value(cap.as_str()),
                    why,
                );
            }
        }
        let adds: Vec<(usize, Vec<String>)> = self
            .run
            .find(crate::setting!("cap-add"))
            .map(|(i, o)| (i, caps(o)))
            .collect();
        // Kept capabilities come back after ALL is dropped, unless the caller adds them already
        // or drops them by name (stricter than the policy).
        if drop.iter().any(|c| c == "ALL") {
            for cap in keep {
                let added = adds.iter().any(|(_, names)| names.iter().any(|c| c == cap));
                let dropped_by_name = dropped.iter().any(|c| c == cap);
                if !added && !dropped_by_name {
                    self.add(
                        Rule::HardenKeepCapabilities,
                        crate::setting!("cap-add"),
                        value(cap.as_str()),
                        format!("{cap} is kept: Chromium's sandbox needs chroot(2), which podman's seccomp profile allows only with it"),
                    );
                }
            }
        }
        let allowed: Vec<String> = allowed.iter().chain(keep).cloned().collect();
        let allowed = allowed.as_slice();
        for (i, names) in adds {
            let (ok, denied): (Vec<String>, Vec<String>) =
                names.into_iter().partition(|c| allowed.iter().any(|a| a == c));
            if denied.is_empty() {
                continue;
            }
            self.drop_opt(
                i,
                Rule::HardenCapAdd,
                format!("{} not in the policy's allowed_capabilities", denied.join(", ")),
            );
            for c in ok {
                self.add(
                    Rule::HardenCapAdd,
                    crate::setting!("cap-add"),
                    value(c),
                    "allowed by the policy",
                );
            }
        }
    }

    /// An overridden entrypoint bypasses the image's init (tini): the agent becomes PID 1, gets
    /// no default SIGTERM handler, and `docker stop` ends in SIGKILL. `--init` puts one back.
    fn init(&mut self) {
        if self.run.last(crate::setting!("entrypoint")).is_none()
            || self.run.last(crate::setting!("init")).is_some()
        {
            return;
        }
        self.add(
            Rule::HardenInit,
            crate::setting!("init"),
            OptValue::Bool(true),
            "the entrypoint is overridden, so the image's init does not run; --init delivers docker stop's SIGTERM to the agent",
        );
    }

    fn shm_size(&mut self, size: u64) {
        if self.run.last(crate::setting!("shm-size")).is_none() {
            let v = units::format_bytes(size);
            self.add(
                Rule::HardenShmSize,
                crate::setting!("shm-size"),
                value(v.clone()),
                format!("/dev/shm gets {v}"),
            );
        }
    }

    fn no_new_privileges(&mut self) -> Result<(), Refusal> {
        let mut on = false;
        let found: Vec<(usize, Vec<u8>)> = self
            .run
            .find(crate::setting!("security-opt"))
            .map(|(i, o)| (i, o.bytes().to_vec()))
            .collect();
        for (i, v) in found {
            match nnp_setting(&v) {
                None => {}
                Some(None) => return Err(bad_value("security-opt", &v)),
                Some(Some(true)) => on = true,
                Some(Some(false)) => self.drop_opt(
                    i,
                    Rule::HardenNoNewPrivileges,
                    "privilege escalation through setuid is against the policy",
                ),
            }
        }
        if !on {
            self.add(
                Rule::HardenNoNewPrivileges,
                crate::setting!("security-opt"),
                value("no-new-privileges"),
                "setuid binaries cannot raise privileges",
            );
        }
        Ok(())
    }

    fn cpus(&mut self, max: NanoCpus) -> Result<(), Refusal> {
        let rule = Rule::LimitCpus;
        let quota = self.scalar_i64(crate::setting!("cpu-quota"))?;
        let period = self.scalar_i64(crate::setting!("cpu-period"))?;
        if quota.is_some_and(|q| q > 0) || period.is_some_and(|p| p > 0) {
            // The caller limits CPU with the CFS pair; --cpus cannot be combined with it, and
            // both runtimes refuse the pair, so the shim does too.
            if let Some((_, o)) = self.run.last(crate::setting!("cpus")) {
                if NanoCpus::parse(&String::from_utf8_lossy(o.bytes())).is_none_or(|c| c.0 > 0) {
                    return Err(Refusal {
                        rule: Rule::ParseConflict,
                        message: "--cpus cannot be combined with --cpu-quota or --cpu-period".into(),
                    });
                }
            }
            let period = period.filter(|&p| p > 0).unwrap_or(100_000);
            // The kernel takes periods of 1ms to 1s and quotas of at least 1ms; outside that the
            // runtime refuses, and a ceiling could not be expressed.
            if !(1000..=1_000_000).contains(&period) {
                return Err(bad_value("cpu-period", period.to_string().as_bytes()));
            }
            let ceiling = (max.0 as u128 * period as u128 / 1_000_000_000) as i64;
            if ceiling < 1000 {
                return Err(Refusal {
                    rule: Rule::ParseBadValue,
                    message: format!(
                        "a ceiling of {max} CPUs cannot be expressed with --cpu-period={period}"
                    ),
                });
            }
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
                    crate::setting!("cpu-quota"),
                    value(ceiling.to_string()),
                    format!("CPU time is capped at {max} CPUs (with the caller's --cpu-period)"),
                ),
            }
            return Ok(());
        }
        let current = match self.run.last(crate::setting!("cpus")) {
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
                crate::setting!("cpus"),
                value(max.to_string()),
                format!("CPU is capped at {max}"),
            ),
        }
        Ok(())
    }

    fn memory(&mut self, max: u64) -> Result<(), Refusal> {
        let rule = Rule::LimitMemory;
        let shown_max = units::format_bytes(max);
        let current = self.scalar_bytes(crate::setting!("memory"))?;
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
                    crate::setting!("memory"),
                    value(shown_max.clone()),
                    format!("memory is capped at {shown_max}"),
                );
                max
            }
        };
        // A reservation above the limit, or a swap total below it, is rejected by the runtime.
        if self
            .scalar_bytes(crate::setting!("memory-reservation"))?
            .is_some_and(|r| r > fin)
        {
            self.replace_all(
                rule,
                crate::setting!("memory-reservation"),
                value(units::format_bytes(fin)),
                "a reservation cannot exceed the memory limit",
            );
        }
        // Swap is held with memory: memory plus swap at most twice the memory in force (the
        // runtime's own default); `-1` (unlimited swap) is clamped like any value above that.
        if let Some((_, o)) = self.run.last(crate::setting!("memory-swap")) {
            let cap = fin.saturating_mul(2);
            let swap = if o.bytes() == b"-1" {
                None
            } else {
                Some(
                    units::parse_bytes(&String::from_utf8_lossy(o.bytes()))
                        .ok_or_else(|| bad_value("memory-swap", o.bytes()))?,
                )
            };
            match swap {
                Some(0) => {}
                Some(s) if s < fin => self.replace_all(
                    rule,
                    crate::setting!("memory-swap"),
                    value(units::format_bytes(fin)),
                    "memory plus swap cannot be below the memory limit",
                ),
                Some(s) if s <= cap => {}
                _ => self.replace_all(
                    rule,
                    crate::setting!("memory-swap"),
                    value(units::format_bytes(cap)),
                    format!(
                        "memory plus swap is capped at {} (twice the memory limit)",
                        units::format_bytes(cap)
                    ),
                ),
            }
        }
        Ok(())
    }

    fn pids(&mut self, max: u64) -> Result<(), Refusal> {
        let rule = Rule::LimitPids;
        match self.scalar_i64(crate::setting!("pids-limit"))? {
            Some(n) if n > 0 && n as u64 <= max => self.note(
                rule,
                Action::Keep,
                format!("--pids-limit={n}"),
                "at or below the policy's ceiling",
            ),
            _ => self.replace_all(
                rule,
                crate::setting!("pids-limit"),
                value(max.to_string()),
                format!("processes are capped at {max}"),
            ),
        }
        Ok(())
    }

    fn scalar_i64(&self, name: Setting) -> Result<Option<i64>, Refusal> {
        match self.run.last(name) {
            None => Ok(None),
            Some((_, o)) => std::str::from_utf8(o.bytes())
                .ok()
                .and_then(|s| s.parse().ok())
                .map(Some)
                .ok_or_else(|| bad_value(name.name(), o.bytes())),
        }
    }

    fn scalar_bytes(&self, name: Setting) -> Result<Option<u64>, Refusal> {
        match self.run.last(name) {
            None => Ok(None),
            Some((_, o)) => std::str::from_utf8(o.bytes())
                .ok()
                .and_then(units::parse_bytes)
                .map(Some)
                .ok_or_else(|| bad_value(name.name(), o.bytes())),
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

    fn podman() -> Target {
        Target::fixed(Flavor::Podman, false, Some((4, 3, 1)))
    }

    /// The default policy with the deny rules off: contrary settings are neutralised instead.
    fn lenient() -> Policy {
        let mut p = Policy::default();
        let d = &mut p.rules.deny;
        d.set(Rule::DenyPrivileged, false);
        d.set(Rule::DenySecurityOption, false);
        d.set(Rule::DenyCapAdd, false);
        p
    }

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    fn out(words: &[&str]) -> Vec<String> {
        out_with(words, &lenient())
    }

    fn out_with(words: &[&str], p: &Policy) -> Vec<String> {
        let plan = plan(&argv(words), p, &podman());
        assert!(plan.decision.runs(), "refused: {:?}", plan.refusal);
        plan.args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    fn refused(words: &[&str]) -> Refusal {
        let plan = plan(&argv(words), &Policy::default(), &podman());
        assert_eq!(plan.decision, Decision::Refuse, "{plan:?}");
        assert!(plan.args.is_empty());
        plan.refusal.unwrap()
    }

    const HARDENING: &[&str] = &[
        "--read-only",
        "--tmpfs=/tmp:rw,nosuid,nodev,noexec,size=512m,mode=1777",
        "--tmpfs=/home/node:rw,nosuid,nodev,exec,size=1g,mode=1777",
        "--cap-drop=ALL",
        "--cap-add=SYS_CHROOT",
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
        // Unlimited swap would take the memory ceiling away: clamped to twice the memory.
        let o = out(&["run", "--memory-swap=-1", "img"]);
        assert!(o.contains(&"--memory-swap=8g".to_string()), "{o:?}");
        let o = out(&["run", "--memory=2g", "--memory-swap=64g", "img"]);
        assert!(o.contains(&"--memory-swap=4g".to_string()), "{o:?}");
        let o = out(&["run", "--memory=2g", "--memory-swap=2g", "img"]);
        assert!(o.contains(&"--memory-swap=2g".to_string()), "{o:?}");
    }

    #[test]
    fn callers_own_mounts_win_over_policy_tmpfs() {
        let o = out(&[
            "run",
            "-v",
            "/srv/tmp:/tmp/",
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
            !o.iter()
                .any(|t| t.contains("SYS_ADMIN") || t.contains("cap-add=ALL")),
            "{o:?}"
        );
        // Only the policy's kept capability comes back, once.
        assert_eq!(o.iter().filter(|t| t.contains("cap-add")).count(), 1, "{o:?}");
        assert!(o.contains(&"--cap-add=SYS_CHROOT".to_string()), "{o:?}");
        let mut p = lenient();
        p.rules.hardening.allowed_capabilities = vec!["NET_BIND_SERVICE".into()];
        let o = out_with(&["run", "--cap-add", "cap_net_bind_service", "img"], &p);
        assert!(o.contains(&"cap_net_bind_service".to_string()), "{o:?}");
        let o = out_with(&["run", "--cap-add=NET_BIND_SERVICE,SYS_ADMIN", "img"], &p);
        assert!(o.contains(&"--cap-add=NET_BIND_SERVICE".to_string()), "{o:?}");
        assert!(!o.iter().any(|t| t.contains("SYS_ADMIN")), "{o:?}");
    }

    #[test]
    fn policy_switches_off_each_piece() {
        let mut p = Policy::default();
        p.rules.hardening.read_only = false;
        p.rules.hardening.no_new_privileges = false;
        p.rules.hardening.drop_capabilities.clear();
        p.rules.hardening.tmpfs.clear();
        p.rules.limits = policy::Limits {
            cpus: None,
            memory: None,
            pids: None,
            shm_size: None,
            tmpfs_size: None,
            refuse_unenforced: false,
        };
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
            Rule::ParseBadValue
        );
        assert_eq!(
            refused(&["run", "--cpus", "3/2", "img"]).rule,
            Rule::ParseBadValue
        );
        assert_eq!(
            refused(&["run", "--pids-limit", "many", "img"]).rule,
            Rule::ParseBadValue
        );
        assert_eq!(
            refused(&["run", "--security-opt", "no-new-privileges=yes", "img"]).rule,
            Rule::ParseBadValue
        );
    }

    #[test]
    fn cpu_periods_outside_the_kernels_range_are_refused() {
        // A tiny period would turn a minimum quota into many CPUs (found by proptest).
        for words in [
            &["run", "--cpu-period", "6", "--cpu-quota", "1000", "img"][..],
            &["run", "--cpu-period=2000000", "img"],
        ] {
            assert_eq!(refused(words).rule, Rule::ParseBadValue, "{words:?}");
        }
        let o = out(&["run", "--cpu-period=1000", "img"]);
        assert!(o.contains(&"--cpu-quota=2000".to_string()), "{o:?}");
    }

    #[test]
    fn podman_compat() {
        let o = out(&["run", "--net-alias", "a", "img"]);
        assert!(o.contains(&"--network-alias=a".to_string()), "{o:?}");
        assert_eq!(
            refused(&["run", "--link", "db", "img"]).rule,
            Rule::CompatUnsupportedFlag
        );
        let docker = Target::fixed(Flavor::Docker, false, None);
        let mut lenient = Policy::default();
        lenient.rules.deny.set(Rule::DenyPodmanOnly, false);
        let p = plan(&argv(&["run", "--replace", "img"]), &lenient, &docker);
        assert_eq!(p.refusal.unwrap().rule, Rule::CompatUnsupportedFlag);
    }

    #[test]
    fn image_and_args_survive_byte_identical() {
        use std::os::unix::ffi::OsStringExt;
        let mut a = argv(&["run", "-v"]);
        a.push(OsString::from_vec(b"/srv/h/\xff:/w".to_vec()));
        a.push(OsString::from_vec(b"img\xfe".to_vec()));
        a.push(OsString::from_vec(b"arg \x01".to_vec()));
        let p = plan(&a, &Policy::default(), &podman());
        assert_eq!(p.args[1..3], a[1..3]);
        assert_eq!(p.args[p.args.len() - 2..], a[3..]);
    }

    #[test]
    fn deny_rules_refuse_by_default() {
        for (words, rule) in [
            (&["run", "--privileged", "img"][..], Rule::DenyPrivileged),
            (&["run", "--cap-add", "SYS_ADMIN", "img"], Rule::DenyCapAdd),
            (
                &["run", "--security-opt", "no-new-privileges=false", "img"],
                Rule::DenySecurityOption,
            ),
            (&["run", "--network=host", "img"], Rule::DenyHostNamespace),
            (&["run", "-v", "/:/host", "img"], Rule::DenySensitiveMount),
            (&["exec", "--privileged", "c", "sh"], Rule::DenyExecPrivileged),
            (&["update", "--memory", "16g", "c"], Rule::DenyUpdateLimits),
        ] {
            let r = refused(words);
            assert_eq!(r.rule, rule, "{words:?}");
            assert!(r.to_string().contains(rule.as_str()), "{r:?}");
        }
    }

    #[test]
    fn audit_runs_the_callers_argv_and_records() {
        let p = Policy {
            mode: Mode::Audit,
            ..Default::default()
        };
        let a = argv(&["run", "--privileged", "img"]);
        let audited = plan(&a, &p, &podman());
        assert_eq!(audited.decision, Decision::Audit);
        assert_eq!(audited.args, a);
        assert_eq!(audited.refusal.unwrap().rule, Rule::DenyPrivileged);
        assert!(audited.changes.iter().any(|c| c.rule == Rule::HardenReadOnly));
        // Compatibility fixes still apply, so the container starts on podman.
        let a = argv(&["run", "--add-host=h:host-gateway", "img"]);
        let audited = plan(&a, &p, &podman());
        assert_eq!(audited.args, argv(&["run", "--add-host=h:10.88.0.1", "img"]));
    }

    #[test]
    fn profiles_select_rules_and_exempt() {
        let (p, _) = crate::policy::parse(
            "[[profile]]\nname = \"browser\"\nmatch.image = \"*browser*\"\n[profile.limits]\nmemory = \"8g\"\n[profile.hardening]\nshm_size = \"1g\"\n[[profile]]\nname = \"trusted\"\nmatch.container = \"trusted-*\"\nexempt = true\n",
            "p",
        )
        .unwrap();
        let plan1 = plan(
            &argv(&["run", "--memory=6g", "localhost/browser-agent:1"]),
            &p,
            &podman(),
        );
        assert_eq!(plan1.profile.as_deref(), Some("browser"));
        assert!(plan1.args.contains(&"--memory=6g".into()), "{:?}", plan1.args);
        assert!(plan1.args.contains(&"--shm-size=1g".into()), "{:?}", plan1.args);
        let a = argv(&["run", "--name", "trusted-1", "--privileged", "img"]);
        let plan2 = plan(&a, &p, &podman());
        assert_eq!((plan2.decision, plan2.args.clone()), (Decision::Exempt, a));
    }

    #[test]
    fn rootless_podman_keeps_the_host_user() {
        let rootless = Target::fixed(Flavor::Podman, true, Some((4, 3, 1)));
        let o = plan(
            &argv(&["run", "--user", "1001:1002", "img"]),
            &Policy::default(),
            &rootless,
        )
        .args;
        assert!(o.contains(&"--userns=keep-id:uid=1001,gid=1002".into()), "{o:?}");
        let o = plan(&argv(&["run", "img"]), &Policy::default(), &rootless).args;
        assert!(o.contains(&"--userns=keep-id:uid=1000,gid=1000".into()), "{o:?}");
        let o = plan(
            &argv(&["run", "--userns=auto", "img"]),
            &Policy::default(),
            &rootless,
        )
        .args;
        assert!(
            !o.iter().any(|t| t.to_string_lossy().contains("keep-id")),
            "{o:?}"
        );
        let o = plan(&argv(&["run", "img"]), &Policy::default(), &podman()).args;
        assert!(
            !o.iter().any(|t| t.to_string_lossy().contains("keep-id")),
            "rootful: {o:?}"
        );
    }

    #[test]
    fn host_gateway_on_old_podman() {
        let rootless = Target::fixed(Flavor::Podman, true, Some((4, 3, 1)));
        let o = plan(
            &argv(&["run", "--add-host=host.docker.internal:host-gateway", "img"]),
            &Policy::default(),
            &rootless,
        )
        .args;
        assert!(
            o.contains(&"--add-host=host.docker.internal:10.0.2.2".into()),
            "{o:?}"
        );
        assert!(
            o.contains(&"--network=slirp4netns:allow_host_loopback=true".into()),
            "{o:?}"
        );
        // podman 4.7-4.9 knows host-gateway, but rootless slirp4netns still needs the loopback.
        let new = Target::fixed(Flavor::Podman, true, Some((4, 9, 3)));
        let o = plan(
            &argv(&["run", "--add-host=h:host-gateway", "img"]),
            &Policy::default(),
            &new,
        )
        .args;
        assert!(o.contains(&"--add-host=h:10.0.2.2".into()), "{o:?}");
        assert!(
            o.contains(&"--network=slirp4netns:allow_host_loopback=true".into()),
            "{o:?}"
        );
        // Rootful 4.9 leaves host-gateway to podman.
        let rootful = Target::fixed(Flavor::Podman, false, Some((4, 9, 3)));
        let o = plan(
            &argv(&["run", "--add-host=h:host-gateway", "img"]),
            &Policy::default(),
            &rootful,
        )
        .args;
        assert!(o.contains(&"--add-host=h:host-gateway".into()), "{o:?}");
        let r = plan(
            &argv(&["run", "--network", "egress", "--add-host=h:host-gateway", "img"]),
            &Policy::default(),
            &rootless,
        );
        assert_eq!(r.refusal.unwrap().rule, Rule::CompatHostGateway);
    }

    #[test]
    fn pasta_forwards_only_the_proxy_ports() {
        let five = Target::fixed(Flavor::Podman, true, Some((5, 4, 2)));
        let a = argv(&[
            "run",
            "-e",
            "HTTPS_PROXY=http://x:tok@host.docker.internal:10255",
            "-e",
            "http_proxy=http://x:tok@host.docker.internal:10255",
            "-e",
            "ANTHROPIC_BASE_URL=http://host.docker.internal:3001/v1",
            "-e",
            "OTHER=http://example.com:8080",
            "--add-host=host.docker.internal:host-gateway",
            "img",
        ]);
        let p = plan(&a, &Policy::default(), &five);
        assert!(
            p.args.contains(&"--network=pasta:-T,3001,-T,10255".into()),
            "{:?}",
            p.args
        );
        assert!(
            p.args
                .contains(&"--add-host=host.docker.internal:127.0.0.1".into()),
            "{:?}",
            p.args
        );
        assert!(
            !p.args.iter().any(|t| t.to_string_lossy().starts_with("--network") && t.to_string_lossy().contains("8080")),
            "{:?}",
            p.args
        );
        assert!(
            !p.args
                .iter()
                .any(|t| t.to_string_lossy().contains("allow_host_loopback"))
        );
        // The policy may name more ports; none at all leaves host-gateway alone.
        let mut pol = Policy::default();
        pol.rules.podman.host_loopback_ports = vec![5432];
        let p = plan(&argv(&["run", "--add-host=h:host-gateway", "img"]), &pol, &five);
        assert!(p.args.contains(&"--network=pasta:-T,5432".into()), "{:?}", p.args);
        let p = plan(
            &argv(&["run", "--add-host=h:host-gateway", "img"]),
            &Policy::default(),
            &five,
        );
        assert!(
            p.args.contains(&"--add-host=h:host-gateway".into()),
            "{:?}",
            p.args
        );
        // A caller who passes pasta options itself is refused: loopback is the policy's decision.
        let again: Vec<OsString> = plan(&a, &Policy::default(), &five).args;
        let r = plan(&again, &Policy::default(), &five).refusal.unwrap();
        assert_eq!(r.rule, Rule::DenyNetworkOption);
    }

    #[test]
    fn init_is_added_when_the_entrypoint_is_overridden() {
        let o = out(&[
            "run",
            "--entrypoint",
            "bash",
            "img",
            "-c",
            "exec bun run /app/src/index.ts",
        ]);
        assert!(o.contains(&"--init".to_string()), "{o:?}");
        for words in [
            &["run", "img"][..],
            &["run", "--init", "--entrypoint", "bash", "img"],
            &["run", "--init=false", "--entrypoint", "bash", "img"],
        ] {
            let o = out(words);
            assert_eq!(
                o.iter().filter(|t| t.starts_with("--init")).count(),
                words.iter().filter(|t| t.starts_with("--init")).count(),
                "{o:?}"
            );
        }
        let mut p = Policy::default();
        p.rules.hardening.init = false;
        let o = out_with(&["run", "--entrypoint", "bash", "img"], &p);
        assert!(!o.contains(&"--init".to_string()), "{o:?}");
    }

    #[test]
    fn ceilings_that_cannot_apply_are_said_or_refused() {
        let mut v1 = Target::fixed(Flavor::Podman, true, Some((4, 3, 1)));
        v1.cgroup_v1 = true;
        let p = plan(&argv(&["run", "img"]), &Policy::default(), &v1);
        assert_eq!(p.decision, Decision::Rewrite);
        assert!(
            p.changes.iter().any(|c| c.rule == Rule::LimitUnenforced),
            "{:?}",
            p.changes
        );
        let mut strict = Policy::default();
        strict.rules.limits.refuse_unenforced = true;
        let p = plan(&argv(&["run", "img"]), &strict, &v1);
        assert_eq!(p.refusal.unwrap().rule, Rule::LimitUnenforced);
        // Rootful on cgroup v1 applies them.
        let mut rootful = Target::fixed(Flavor::Podman, false, Some((4, 3, 1)));
        rootful.cgroup_v1 = true;
        let p = plan(&argv(&["run", "img"]), &strict, &rootful);
        assert_eq!(p.decision, Decision::Rewrite);
    }
}
