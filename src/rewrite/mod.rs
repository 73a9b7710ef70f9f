//! The pure core: from a docker argv and a policy to the argv the runtime receives.
//!
//! [`plan`] parses; for `run` / `create` it picks the profile, collects deny-rule violations
//! ([`crate::deny`]), applies the podman compatibility fixes, the hardening and the ceilings, and
//! settles the outcome by mode (enforce refuses or rewrites; audit runs the caller's argv and
//! records). `exec` / `update` are only checked; a `build` is checked and given the ceilings
//! ([`build`]); everything else passes through. Every change
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
//! - last, the `io.github.nanoclaw-shim.applied` annotation names the shim, the mode and the
//!   rules in force ([`annotate`]); a caller's annotations in that namespace are removed;
//! - everything else, and every token from the image on, is left exactly as it was.
//!
//! Options the rewrite does not touch keep their original tokens; a token run that held a
//! changed option (a short bundle such as `-dm8g`) is re-spelled as `--long=value` tokens.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::commands;
use crate::deny::{self};
use crate::hostpath::HostPaths;
use crate::parse::{self, Invocation, ParseError, RunArgs};
use crate::policy::{Mode, Policy, Rules};
use crate::redact;

pub mod annotate;
mod build;
mod compat;
mod configured;
mod harden;
mod limits;
mod network;
mod rewriter;
mod target;
#[cfg(test)]
mod tests;

pub use crate::parse::nnp_setting;
pub use crate::policy::Flavor;
pub use build::networked_builds_refused;

/// What of podman's configuration refuses every podman build ([`configured`]), for `doctor`.
pub fn configured_build_refusal(target: &Target, rules: &Rules) -> Option<Refusal> {
    configured::build_refusal(
        &target.configured,
        &target.default_ulimits,
        target.rootless,
        rules,
    )
}
pub use target::{BaseProbe, ContainerProbe, NO_SUCH_CONTAINER, NetworkProbe, SeccompProbe, Target, Version};

use crate::rules::Rule;
use rewriter::Rewriter;

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
    /// `run` / `create` (or a `build`, given the ceilings) under enforce: exec'd with the policy
    /// applied.
    Rewrite,
    /// Not exec'd; exit 125.
    Refuse,
    /// Exec'd unchanged (compatibility fixes and the `mode=audit` annotation aside); `changes`
    /// says what enforce would do.
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
    /// Tokens of `args` whose path the runtime reads as the shim's sealed copy of what the
    /// checks read there ([`crate::pin`]): made at the edge, just before the exec.
    pub pinned: Vec<crate::pin::Pinned>,
    /// Whether `args[0]` is the hook folder's option, filled in at the exec
    /// ([`crate::mountcheck`]).
    pub hooks: bool,
    /// Where in `args` the shim's narrowed seccomp option stands, its file filled in at the exec
    /// ([`crate::seccomp::narrowed_file`]): by index, never by its text, which a caller's token
    /// (a label's value, an argument after the image) may repeat.
    pub seccomp: Option<usize>,
    /// A build with cache mounts: podman keeps them in its cache folder beneath `TMPDIR`, which
    /// must be the caller's (or root's) alone, checked at the edge ([`Rule::HardenBuildCache`]).
    /// `Some(true)`: podman 5's folder of one user (`buildah-cache-UID`).
    pub build_cache: Option<bool>,
    /// A podman build: podman is told, before everything, to read no `mounts.conf`
    /// ([`crate::mountcheck::NO_DEFAULT_MOUNTS`]), at the exec (after the pinned copies,
    /// whose places in `args` it would move).
    pub no_default_mounts: bool,
}

impl Plan {
    /// The rule ids involved, for the decision log.
    /// Each once, in the order they first apply. A refused plan names only what refused it: the
    /// hardening it would have had never ran.
    pub fn rules(&self) -> Vec<Rule> {
        let mut ids: Vec<Rule> = Vec::new();
        let refused = self.decision == Decision::Refuse;
        let applied = self
            .changes
            .iter()
            .filter(|c| !refused || c.action == Action::Deny)
            .map(|c| c.rule);
        for id in applied.chain(self.refusal.iter().map(|r| r.rule)) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
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
            pinned: Vec::new(),
            hooks: false,
            seccomp: None,
            build_cache: None,
            no_default_mounts: false,
        }
    }
}

/// Decides what happens to a docker argv under a policy: the one function the shim and
/// `explain` both run.
pub fn plan(argv: &[OsString], policy: &Policy, target: &Target) -> Plan {
    if policy.mode == Mode::Off {
        return Plan::unchanged(Vec::new(), Decision::Off, Mode::Off, argv);
    }
    let refused = parse::refused_global(argv, |r| policy.rules.deny.on(r))
        .map(|(rule, flag)| {
            let message = match rule {
                Rule::DenyEngineRedirect => format!(
                    "{flag} sends the command to another engine, outside the policy; set [deny] engine_redirect = false to allow it"
                ),
                _ => format!(
                    "{flag} asks the runtime for a log level that prints every argument on stderr, secret values included (info, warn, error, fatal and panic pass); set [deny] debug_logging = false to allow it"
                ),
            };
            Refusal { rule, message }
        })
        .or_else(|| configured::redirect(target, &policy.rules));
    if let Some(refusal) = refused {
        let mut p = Plan::unchanged(Vec::new(), Decision::Refuse, policy.mode, argv);
        p.refusal = Some(refusal);
        if policy.mode == Mode::Audit {
            p.decision = Decision::Audit;
        } else {
            p.args.clear();
        }
        return p;
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
            tracing::debug!(
                "command: {}: checked against the allow-list and its flags",
                crate::text::printable(&redact::display(OsStr::new(&command.join(" "))))
            );
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
            let read = |p: &[u8]| crate::hostpath::read_host_file(&target.host, p);
            let read_in =
                |root: &[u8], name: &[u8]| crate::hostpath::read_host_file_in(&target.host, root, name);
            let deny = &policy.rules.deny;
            let annotations = if deny.on(Rule::DenyAnnotation) {
                deny.list(crate::policy::DenyList::RuntimeAnnotations)
            } else {
                &[]
            };
            // The local volumes in podman's stores (their folders) a bare `inspect NAME` may
            // read: its own, one it starts (any case), or any where it holds podman 5's
            // wildcards.
            let volume_on_host = |name: &[u8]| {
                let wild = name.iter().any(|&b| b == b'%' || b == b'_');
                let lower = name.to_ascii_lowercase();
                let mut found = Vec::new();
                for store in &target.host.stores {
                    let folder = store.as_os_str().as_bytes();
                    let listed = target.host.fs.list(folder, 1 << 16, &mut |entry, kind| {
                        if kind == crate::hostfs::FileKind::Dir
                            && (wild || entry.to_ascii_lowercase().starts_with(&lower))
                        {
                            found.push(entry.to_vec());
                        }
                        std::ops::ControlFlow::Continue(())
                    });
                    // A folder too long to list whole may hold one: as if the name were one (the
                    // hundred-and-twenty-first look padded it past the first limit). One this
                    // caller cannot read (another's store) is one its podman cannot either.
                    if matches!(listed, crate::hostfs::Listed::TooLong) {
                        found.push(name.to_vec());
                    }
                }
                found
            };
            let files = commands::BuildFiles {
                read: &read,
                read_in: Some(&read_in),
                bases: deny
                    .on(Rule::DenyBuildBase)
                    .then_some(target as &dyn commands::BaseImages),
                limits: deny.on(Rule::DenyCeiling).then_some(&policy.rules.limits),
                images: deny
                    .on(Rule::DenyImageName)
                    .then(|| deny.list(crate::policy::DenyList::WritableImages)),
                volumes: deny
                    .on(Rule::DenyVolumeName)
                    .then(|| deny.list(crate::policy::DenyList::WritableVolumes)),
                networks: deny
                    .on(Rule::DenyNetworkName)
                    .then(|| deny.list(crate::policy::DenyList::WritableNetworks)),
                connectable: Some(deny.list(crate::policy::DenyList::ConnectableContainers)),
                volume_on_host: Some(&volume_on_host),
            };
            let (mut found, learned) =
                commands::check_read(&argv[at..], &policy.commands, &mut host_path, &files, annotations);
            let containerfiles = learned.containerfiles;
            let named: Vec<(usize, Vec<u8>)> =
                learned.containers.into_iter().map(|(i, n)| (at + i, n)).collect();
            let (strangers, pinned_argv) = pin_containers(policy, target, argv, &named);
            found.extend(strangers);
            // A rule the policy switched off (`build_options = false`) refuses nothing.
            found.retain(|v| {
                deny.on(v.rule) || !crate::policy::DENY_SWITCHES.iter().any(|(_, r, _)| *r == v.rule)
            });
            let mut plan = Plan::unchanged(command, Decision::Passthrough, policy.mode, &[]);
            if let Some(path) = learned.unparsed {
                plan.changes.push(Change {
                    rule: Rule::DenyCommand,
                    action: Action::Keep,
                    token: path.clone(),
                    reason: format!(
                        "refused by default, allowed by the policy's [commands] allow = [\"{path}\"]: passed as written, its own flags and paths not judged (podman's global flags are refused)"
                    ),
                });
            }
            // A build's RUN steps are held to the ceilings too ([`build`]).
            let added = commands::build_limits(&argv[at..]).map(|seen| {
                build::host_loopback(&seen, policy, target)?;
                build::ceilings(&seen, &policy.rules.limits, target).map(|a| (seen.at, a))
            });
            let rewritten = match added {
                None => None,
                Some(Err(r)) => Some(Err(r)),
                Some(Ok((used, mut a))) => 'arm: {
                    let caches = containerfiles
                        .iter()
                        .flat_map(commands::Containerfiles::texts)
                        .any(|t| t.windows(10).any(|w| w == b"type=cache"));
                    if caches && target.flavor == Flavor::Podman {
                        plan.build_cache = Some(target.version().is_some_and(|v| v.0 >= 5));
                    }
                    if target.flavor == Flavor::Podman {
                        let c = &target.configured;
                        if let Some(r) = configured::build_refusal(
                            c,
                            &target.default_ulimits,
                            target.rootless,
                            &policy.rules,
                        ) {
                            break 'arm Some(Err(r));
                        }
                        build::no_http_proxy(&mut a);
                        build::no_device_nodes(&mut a);
                        // buildah gives RUN steps what mounts.conf lists too (RHEL's host
                        // subscription keys: the look `gj` saved one into an image).
                        plan.no_default_mounts = true;
                        a.changes.push(Change {
                            rule: Rule::HardenMountCheck,
                            action: Action::Add,
                            token: crate::mountcheck::NO_DEFAULT_MOUNTS.into(),
                            reason: "podman gives a build's RUN steps what its mounts.conf lists (RHEL's subscription keys at /run/secrets), past every check: it reads none".into(),
                        });
                    }
                    // The Containerfiles podman reads are the copies the checks read ([`crate::pin`]).
                    let pinned = containerfiles
                        .filter(|_| target.flavor == Flavor::Podman)
                        .map(|cf| pin_containerfiles(cf, at, &mut a, target))
                        .transpose();
                    let pinned = match pinned {
                        Ok(p) => p.unwrap_or_default(),
                        Err(r) => break 'arm Some(Err(r)),
                    };
                    if a.options.is_empty() && a.changes.is_empty() {
                        None
                    } else {
                        if !a.options.is_empty() || !pinned.is_empty() {
                            plan.decision = Decision::Rewrite;
                        }
                        let split = at + used;
                        let mut args = Vec::with_capacity(argv.len() + a.options.len());
                        args.extend_from_slice(&argv[..split]);
                        args.extend(a.options);
                        args.extend_from_slice(&argv[split..]);
                        Some(Ok(Rewritten {
                            args,
                            changes: a.changes,
                            pinned,
                            hooks: false,
                            seccomp: None,
                        }))
                    }
                }
            };
            // A rootful network's range, chosen clear of the host's ([`network`]); a `ps`'s
            // filters and formats in podman's spelling ([`compat::ps`]).
            let rewritten = match rewritten {
                None if found.is_empty() => {
                    network::subnet(argv, at, target, &policy.rules.podman.network_pools)
                        .or_else(|| compat::ps(argv, at, target))
                        .or_else(|| compat::events(argv, at, target))
                        // (Never where containers were pinned by ID: their argv is the one run.)
                        .or_else(|| compat::rm(argv, at, target).filter(|_| pinned_argv.is_none()))
                        .inspect(|r| {
                            if r.is_ok() {
                                plan.decision = Decision::Rewrite;
                            }
                        })
                }
                r => r,
            };
            if found.is_empty() && rewritten.is_none() {
                plan.args = match pinned_argv {
                    Some((pinned, changes)) => {
                        plan.decision = Decision::Rewrite;
                        plan.changes.extend(changes);
                        pinned
                    }
                    None => argv.to_vec(),
                };
                // podman runs the OCI hooks its own options name when it starts a container,
                // not those of the call that created it: a `create` then `start` is checked
                // only if `start` names the hook folder too.
                let starts = matches!(plan.command.last().map(String::as_str), Some("start" | "restart"));
                if starts
                    && plan.mode == Mode::Enforce
                    && target.flavor == Flavor::Podman
                    && policy.rules.podman.verify_mounts
                {
                    plan.args.insert(
                        0,
                        crate::mountcheck::folder_token(crate::mountcheck::FOLDER_PLACEHOLDER),
                    );
                    plan.hooks = true;
                    plan.decision = Decision::Rewrite;
                    plan.changes.push(Change {
                        rule: Rule::HardenMountCheck,
                        action: Action::Add,
                        token: crate::text::owned(plan.args[0].as_bytes()),
                        reason: "a container created with bind mounts starts only if they are the files and folders the shim judged at create; podman runs the shim's hook (--hooks-dir) to check, and reads no mounts.conf (--default-mounts-file=/dev/null: its mounts, added at the start, would get no check)".into(),
                    });
                }
                // podman mounts what mounts.conf lists when it starts a container, not when it
                // creates one (the look `gj`: nanoclaw's `create` then `start --attach`), the
                // mount check on or off (the look `gk`).
                if starts && plan.mode == Mode::Enforce && target.flavor == Flavor::Podman {
                    let at = usize::from(plan.hooks);
                    plan.args.insert(at, crate::mountcheck::NO_DEFAULT_MOUNTS.into());
                    plan.decision = Decision::Rewrite;
                }
                return plan;
            }
            return settle(plan, argv, found, rewritten, None);
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
        .map(|t| crate::text::owned(t.as_bytes()))
        .collect();
    // The argv is copied into the plan only where it runs unchanged (a rewrite renders its own).
    let mut plan = Plan::unchanged(command, Decision::Rewrite, policy.mode, &[]);
    // `[commands] deny = ["exec"]` was read and refused nothing (the hundred-and-thirteenth
    // look's): it refuses the command whole, before any profile is asked.
    if let Some(v) = commands::denied_whole(&policy.commands, &plan.command.join(" ")) {
        plan.decision = Decision::Passthrough;
        return settle(plan, argv, vec![v], None, None);
    }
    if !run.verb.starts_container() {
        // exec / update: checked against the deny rules, never rewritten.
        plan.decision = Decision::Passthrough;
        let mut judged = deny::judge(&run, &policy.rules, &target.host);
        // `exec`'s container, and `update`'s, named by the ID the runtime gave for it
        // ([`pin_containers`]).
        let mut run = run;
        let mut pinned_argv = None;
        let named: Vec<(usize, Vec<u8>)> = match (run.verb, &run.image) {
            (parse::Verb::Exec, Some(name)) => {
                let at = run.prefix.len()
                    + run.groups.iter().map(Vec::len).sum::<usize>()
                    + usize::from(run.dashdash);
                vec![(at, name.as_bytes().to_vec())]
            }
            (parse::Verb::Update, _) => update_containers(&run, argv),
            _ => Vec::new(),
        };
        let (strangers, pinned) = pin_containers(policy, target, argv, &named);
        judged.violations.extend(strangers);
        if let Some((args, changes)) = pinned {
            match run.verb {
                parse::Verb::Update => run.args = named.iter().map(|(at, _)| args[*at].clone()).collect(),
                _ => run.image = named.first().map(|(at, _)| args[*at].clone()),
            }
            plan.decision = Decision::Rewrite;
            plan.changes.extend(changes);
            pinned_argv = Some(args);
        }
        let argv = pinned_argv.as_deref().unwrap_or(argv);
        if judged.read.is_empty() || target.flavor != Flavor::Podman {
            return settle(plan, argv, judged.violations, None, None);
        }
        // `exec --env-file`: the argv as the caller wrote it, the file pinned ([`crate::pin`]).
        plan.decision = Decision::Rewrite;
        let mut rw = Rewriter::new(&run);
        rw.pin(judged.read, judged.written);
        let rewritten = rw.no_pins_handed_over().map(|()| {
            let (args, pinned) = rw.render_pinned();
            Rewritten {
                args,
                changes: rw.changes,
                pinned,
                hooks: false,
                seccomp: None,
            }
        });
        return settle(plan, argv, judged.violations, Some(rewritten), None);
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
        .map(|(_, o)| crate::text::owned(o.bytes()));
    let image = run
        .image
        .as_ref()
        .map(|i| crate::text::owned(i.as_bytes()))
        .unwrap_or_default();
    let profile = policy.profile_for(&image, name.as_deref(), &labels);
    match profile {
        Some(p) => tracing::info!(
            "profile: {} matches image {}{}{}",
            crate::text::printable(&p.name),
            crate::text::printable(&redact::display(OsStr::new(&image))),
            name.as_deref().map_or(String::new(), |n| format!(
                ", name {}",
                crate::text::printable(&redact::display(OsStr::new(n)))
            )),
            if p.exempt {
                " (exempt: passed through unchanged)"
            } else {
                ""
            }
        ),
        None => tracing::info!(
            "profile: none matches image {}{}: the policy's own rules apply",
            crate::text::printable(&redact::display(OsStr::new(&image))),
            name.as_deref().map_or(String::new(), |n| format!(
                ", name {}",
                crate::text::printable(&redact::display(OsStr::new(n)))
            ))
        ),
    }
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
    let mut judged = deny::judge(&run, rules, &target.host);
    let found = std::mem::take(&mut judged.violations);
    let rewritten = rewrite(&run, rules, target, judged);
    let audit_args = if plan.mode == Mode::Audit {
        compat_only(&run, rules, target)
    } else {
        None
    };
    settle(plan, argv, found, Some(rewritten), audit_args)
}

/// Where a build's Containerfiles land in its final argv (the options in `added` go right after
/// the command words, at `at + cf.used`): each `-f` value is pinned where it stands; without one,
/// a `--file` naming the context's file is added. Each is a change the plan shows.
fn pin_containerfiles(
    mut cf: commands::Containerfiles,
    at: usize,
    added: &mut build::Added,
    target: &Target,
) -> Result<Vec<crate::pin::Pinned>, Refusal> {
    build::one_word_caches(&mut cf, target, added)?;
    build::hidden_cgroups(&mut cf, target, added)?;
    let mut pinned = Vec::new();
    if let Some(profile) = build::seccomp(target, added)? {
        pinned.push(crate::pin::Pinned {
            arg: at + cf.used + added.options.len() - 1,
            prefix: "--security-opt=seccomp=".len(),
            what: crate::pin::Pin::Copy(profile),
        });
    }
    let why = "podman reads the shim's sealed copy of the Containerfile it checked (/proc/self/fd/N), not the path again";
    let note = |added: &mut build::Added, action, token: String| {
        added.changes.push(Change {
            rule: Rule::HardenPinnedFiles,
            action,
            token,
            reason: why.to_string(),
        })
    };
    if let Some((path, text)) = cf.default {
        let mut token = b"--file=".to_vec();
        token.extend_from_slice(&path);
        note(added, Action::Add, crate::text::owned(&token));
        added.options.push(OsString::from_vec(token));
        pinned.push(crate::pin::Pinned {
            arg: at + cf.used + added.options.len() - 1,
            prefix: "--file=".len(),
            what: crate::pin::Pin::Copy(text),
        });
    }
    if let Some((path, text)) = cf.ignore {
        let mut token = b"--ignorefile=".to_vec();
        token.extend_from_slice(&path);
        added.changes.push(Change {
            rule: Rule::HardenPinnedFiles,
            action: Action::Add,
            token: crate::text::owned(&token),
            reason:
                "podman reads the shim's sealed copy of the ignore file it checked (/proc/self/fd/N; empty where there was none), not the path again"
                    .into(),
        });
        added.options.push(OsString::from_vec(token));
        pinned.push(crate::pin::Pinned {
            arg: at + cf.used + added.options.len() - 1,
            prefix: "--ignorefile=".len(),
            what: crate::pin::Pin::Copy(text),
        });
    }
    let shift = added.options.len();
    for (word, prefix, text, shown) in cf.named {
        note(added, Action::Replace, shown);
        pinned.push(crate::pin::Pinned {
            arg: at + word + shift,
            prefix,
            what: crate::pin::Pin::Copy(text),
        });
    }
    for (word, prefix, shown) in cf.folders {
        added.changes.push(Change {
            rule: Rule::HardenPinnedFiles,
            action: Action::Replace,
            token: shown,
            reason: "podman reads the folder the shim opened and judged again where it was (/proc/PID/fd/N), not the path at every COPY".into(),
        });
        pinned.push(crate::pin::Pinned {
            arg: at + word + shift,
            prefix,
            what: crate::pin::Pin::Folder,
        });
    }
    Ok(pinned)
}

/// An `exec`, `attach`, `start` or `restart` of a container the shim did not create under
/// enforce: one made on the same engine outside it (an operator's, privileged or root) would run
/// the caller's command, or take its input, as it was made (the seventy-ninth look's; `start -ai`
/// of a running one attaches, the eighty-eighth's). Asked of the runtime, one call per container
/// named; a container it cannot look at is refused too. `None`: nothing to ask.
fn foreign(policy: &Policy, target: &Target, name: &[u8]) -> Option<Result<String, deny::Violation>> {
    let probe = target.container_probe.as_ref()?;
    if target.flavor != Flavor::Podman || !policy.rules.deny.on(Rule::DenyForeignContainer) {
        return None;
    }
    let name = crate::text::lossy(name);
    Some(probe(&name).map_err(|why| deny::Violation {
        rule: Rule::DenyForeignContainer,
        token: redact::display(OsStr::new(name.as_ref())),
        // A container that is not there is no check to relax (the ninetieth look's).
        reason: if why == NO_SUCH_CONTAINER {
            why
        } else {
            format!("{why}; [deny] foreign_containers = false lets it through")
        },
    }))
}

/// Where `update`'s containers stand in `argv` (its prefix, then the parsed `run`'s tokens):
/// podman reads its flags anywhere, so the containers are the words no option group took, and
/// every word after a `--`. An operator's container was `update`d past every check, its memory
/// to 6 MB or its CPU weight to 2 (the fortieth pass).
fn update_containers(run: &parse::RunArgs, argv: &[OsString]) -> Vec<(usize, Vec<u8>)> {
    let mut named = Vec::new();
    let (mut i, mut group, mut after_dashdash) = (run.prefix.len(), 0, false);
    while i < argv.len() {
        match run.groups.get(group) {
            Some(g) if !after_dashdash && argv[i..].starts_with(g) => {
                i += g.len();
                group += 1;
                continue;
            }
            _ if !after_dashdash && argv[i] == "--" => after_dashdash = true,
            _ => named.push((i, argv[i].as_bytes().to_vec())),
        }
        i += 1;
    }
    named
}

/// An argv whose containers are named by their IDs, and the changes that say so.
type Pinned = (Vec<OsString>, Vec<Change>);

/// Asks about each container `named` (its index in `argv`, its name): a violation for one the
/// shim did not make, else `argv` with each named by the full ID the answer gave (so that a
/// rename between the question and the runtime's lookup cannot put another container in its
/// place: the eighty-eighth look's), and the changes that say so. `None`: nothing was asked.
fn pin_containers(
    policy: &Policy,
    target: &Target,
    argv: &[OsString],
    named: &[(usize, Vec<u8>)],
) -> (Vec<deny::Violation>, Option<Pinned>) {
    if named.is_empty() {
        return (Vec::new(), None);
    }
    let (mut found, mut pinned, mut changes) = (Vec::new(), argv.to_vec(), Vec::new());
    for (at, name) in named {
        match foreign(policy, target, name) {
            None => return (Vec::new(), None),
            Some(Err(v)) => found.push(v),
            Some(Ok(id)) => {
                changes.push(Change {
                    rule: Rule::DenyForeignContainer,
                    action: Action::Replace,
                    token: format!(
                        "{} -> {id}",
                        redact::display(OsStr::new(crate::text::lossy(name).as_ref()))
                    ),
                    reason: "named by the ID of the container the shim looked at, so that no rename puts another in its place".into(),
                });
                if let Some(slot) = pinned.get_mut(*at) {
                    *slot = OsString::from(id);
                }
            }
        }
    }
    let rewritten = (found.is_empty() && !changes.is_empty()).then_some((pinned, changes));
    (found, rewritten)
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
        Some(Ok(r)) => {
            changes.extend(r.changes);
            (Some((r.args, r.pinned, r.hooks, r.seccomp)), first_denial)
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
            None => match args {
                Some((args, pinned, hooks, seccomp)) => {
                    plan.args = args;
                    plan.pinned = pinned;
                    plan.hooks = hooks;
                    plan.seccomp = seccomp;
                }
                None => plan.args = argv.to_vec(),
            },
        },
    }
    plan
}

/// Applies only the compatibility fixes and the audit annotation (audit mode: the caller's
/// settings run, but on podman, and `podman inspect` shows they ran unhardened).
fn compat_only(run: &RunArgs, rules: &Rules, target: &Target) -> Option<Vec<OsString>> {
    let mut rw = Rewriter::new(run);
    rw.compat(target, &rules.podman).ok()?;
    rw.annotate(Mode::Audit);
    Some(rw.render())
}

/// `--label k=v` / `-l k=v` pairs of an invocation (`--label-file` is not read).
fn labels(run: &RunArgs) -> Vec<(String, String)> {
    run.find(crate::setting!("label"))
        .map(|(_, o)| {
            let s = crate::text::owned(o.bytes());
            match s.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (s, String::new()),
            }
        })
        .collect()
}

/// The final argv of a rewrite, every change it made, and the tokens whose files the runtime
/// reads as the shim's sealed copies.
#[derive(Debug, Default)]
pub struct Rewritten {
    pub args: Vec<OsString>,
    pub changes: Vec<Change>,
    pub pinned: Vec<crate::pin::Pinned>,
    /// Whether the first token is the hook folder's option ([`Plan::hooks`]).
    pub hooks: bool,
    /// Where the shim's narrowed seccomp option stands ([`Plan::seccomp`]).
    pub seccomp: Option<usize>,
}

/// Applies the rules to a parsed `run` / `create`: the final argv and every change, from what
/// the checks learned ([`deny::Judged`]: the container path of every mount the caller asked
/// for, the files read and written, the bind mounts' identities, the repositories to shadow).
pub fn rewrite(
    run: &RunArgs,
    rules: &Rules,
    target: &Target,
    judged: deny::Judged,
) -> Result<Rewritten, Refusal> {
    let deny::Judged {
        targets: mounted,
        read,
        written,
        binds,
        shadows,
        ..
    } = judged;
    let (mounted, binds) = (&mounted[..], &binds[..]);
    let mut rw = Rewriter::new(run);
    rw.compat(target, &rules.podman)?;
    let h = &rules.hardening;
    if h.read_only {
        rw.read_only();
    }
    rw.tmpfs(&h.tmpfs, mounted);
    rw.shadow_repositories(&shadows);
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
    if h.no_healthcheck {
        rw.no_healthcheck();
    }
    rw.private_cgroupns();
    if let Some(max) = rules.limits.cpus {
        rw.cpus(max)?;
        rw.enforce(Rule::LimitCpus);
    }
    if let Some(max) = rules.limits.memory {
        rw.memory(max)?;
        rw.enforce(Rule::LimitMemory);
    }
    // podman's configured default where it is below the ceiling: a container that names none
    // gets what plain podman would give it (the look `gv`).
    let below = |max: u64, configured: Option<&str>| {
        configured
            .and_then(|v| v.trim_matches('"').parse::<i64>().ok())
            .filter(|&n| n > 0 && (n as u64) < max)
            .map_or(max, |n| n as u64)
    };
    if let Some(max) = rules.limits.pids {
        rw.pids(max, below(max, target.configured.pids_limit.as_deref()))?;
        rw.enforce(Rule::LimitPids);
    }
    if let Some(max) = rules.limits.log_size {
        rw.log_driver(target.flavor)?;
        rw.log_size(max, below(max, target.configured.log_size_max.as_deref()))?;
        rw.enforce(Rule::LimitLogSize);
    }
    if let Some(max) = rules.limits.open_files {
        rw.open_files(max, &target.default_ulimits)?;
        rw.enforce(Rule::LimitOpenFiles);
    }
    let l = &rules.limits;
    if target.limits_ignored() && (l.cpus.is_some() || l.memory.is_some() || l.pids.is_some()) {
        let why = "rootless podman on cgroup v1 ignores --cpus, --memory and --pids-limit: these ceilings are NOT in effect";
        limits::unenforced(l, why)?;
        rw.note(Rule::LimitUnenforced, Action::Keep, String::new(), why);
        rw.enforce(Rule::LimitUnenforced);
    }
    // docker's CLI sends a build's Dockerfile folder to its daemon; only podman reads the
    // copies in the process the shim becomes.
    if target.flavor == Flavor::Podman {
        rw.configured(
            &target.configured,
            &target.default_ulimits,
            target.rootless,
            rules,
        )?;
        // podman mounts what its mounts.conf lists into every container, past every check
        // (RHEL's subscription keys): it reads none, the mount check on or off (the look `gk`).
        rw.no_mounts = true;
        rw.no_systemd();
        rw.no_auto_update();
        rw.image_volumes_in_memory();
        rw.pin(read, written);
        rw.no_pins_handed_over()?;
        if rules.podman.verify_mounts {
            let refused = if rules.deny.on(Rule::DenyAnnotation) {
                rules.deny.list(crate::policy::DenyList::RuntimeAnnotations)
            } else {
                &[]
            };
            // The ids the argv's own rules allow (`deny.root-user`): not root's, and rootful,
            // not the host's system ids.
            let ids = rules
                .deny
                .on(Rule::DenyRootUser)
                .then_some(match target.rootless {
                    true => (1, 1),
                    false => (crate::deny::FIRST_ORDINARY_ID, crate::deny::FIRST_ORDINARY_ID),
                });
            rw.mount_check(binds, refused, ids);
        }
    }
    // Last before the mark, as the annotations the shim replaces are: its own output given again
    // comes out the same. A caller's copy of the placeholder, which the deny rules let through as
    // the shim's own, is taken out on every runtime (docker would read it as a file too).
    // Rootless too: `keep-id` makes the agent the caller's own kernel uid, the owner of the
    // caller's keyrings (the hundred-and-twenty-second look's).
    rw.narrowed_seccomp(target.flavor == Flavor::Podman);
    rw.annotate(Mode::Enforce);
    let (args, pinned) = rw.render_pinned();
    // The shim's option is the last of its kind before the image (added after every option of
    // the caller's, whose own placeholder was taken out).
    let seccomp = rw.seccomp.then(|| {
        args[..args.len() - run.tail_len()]
            .iter()
            .rposition(|a| a == crate::seccomp::PLACEHOLDER_TOKEN)
    });
    Ok(Rewritten {
        args,
        changes: rw.changes,
        pinned,
        hooks: rw.hooks,
        seccomp: seccomp.flatten(),
    })
}
