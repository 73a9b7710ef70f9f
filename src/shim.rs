//! The `docker` personality: load the policy, plan, exec. Nothing here writes to stdout.
//!
//! Every failure of the shim itself (policy, argv, runtime) exits 125, docker's code for "the
//! CLI failed", with one line on stderr; statuses 126/127 and everything else belong to the
//! runtime and the container, which replace this process on success.

use std::ffi::OsString;

use crate::deny::HostCtx;
use crate::diag;
use crate::env::Env;
use crate::log;
use crate::policy::{self, LookupEnv};
use crate::rewrite::{self, Decision, Target};
use crate::rules::Rule;
use crate::runtime;
use crate::trust;

/// The exit status for every failure of the shim itself.
pub const EXIT_REFUSED: i32 = 125;

/// Runs the shim for `args` (argv without argv\[0\]); returns only on failure.
pub fn main(args: Vec<OsString>, env: Env) -> i32 {
    match run(args, env) {
        Ok(never) => match never {},
        Err(message) => {
            // The reason may quote the caller's tokens, control characters and all, or a path
            // its environment names (`TMPDIR`, the cache folder): shown as the log shows them,
            // secrets redacted (the seventy-sixth look's `TMPDIR` holding a token).
            eprintln!("nanoclaw-shim: {}", diag::shown(&message));
            EXIT_REFUSED
        }
    }
}

fn run(args: Vec<OsString>, env: Env) -> Result<std::convert::Infallible, String> {
    runtime::check_reentry(&env).map_err(|e| e.to_string())?;
    tracing::debug!("argv: docker {}", diag::Argv(&args));
    let Prepared {
        policy,
        binary,
        runtime,
        target,
        ..
    } = prepare(&env, None).map_err(|e| format!("policy not loaded, refusing: {e}"))?;
    let path = runtime.map_err(|e| e.to_string())?;
    let mut plan = rewrite::plan(&args, &policy, &target);
    // The environment is judged before the plan is traced and logged, so that both say what
    // happens: a call its environment refuses is a refusal there too.
    let environment = judge_environment(&mut plan, &policy, &env);
    if let (Err(why), true) = (&environment, plan.decision.runs()) {
        plan.decision = Decision::Refuse;
        plan.refusal = Some(rewrite::Refusal {
            rule: Rule::DenyEnvironment,
            message: why.clone(),
        });
    }
    // podman's folder for a build's caches, judged before the plan is logged, so that the log
    // says a refused build was refused (the seventy-sixth look's was logged as rewritten).
    if let (Some(per_user), policy::Mode::Enforce, Ok(removed), true) =
        (plan.build_cache, plan.mode, &environment, plan.decision.runs())
    {
        if let Err(why) = build_cache_folder(&env, removed, per_user) {
            plan.decision = Decision::Refuse;
            plan.refusal = Some(rewrite::Refusal {
                rule: Rule::HardenBuildCache,
                message: why,
            });
        }
    }
    // The mount check's hook folder and the sealed copies of what the checks read are made
    // only for a call that runs, and before the plan is logged: each can still refuse it, and
    // the log says it was refused (the seventy-sixth look's was logged as rewritten).
    if plan.decision.runs() && environment.is_ok() {
        if let Err((rule, why)) = hand_over(&mut plan, &env, &policy, &target) {
            plan.decision = Decision::Refuse;
            plan.refusal = Some(rewrite::Refusal { rule, message: why });
        }
    }
    if tracing::enabled!(tracing::Level::WARN) {
        trace_plan(&plan, &target);
    }
    if let Some(written) = &policy.log.path {
        match policy.log.resolved(env.home.as_deref()) {
            Some(log) => write_log(&log, &plan, &args, env.euid.unwrap_or_else(crate::process::euid)),
            None => eprintln!(
                "nanoclaw-shim: warning: decision log {} not written: HOME is not set",
                written.display()
            ),
        }
    }
    if plan.decision == Decision::Refuse {
        let r = plan.refusal.expect("a refusal has a reason");
        // The reason quotes the caller's tokens: `main` shows the line as every line is shown.
        return Err(format!("refused: {} [{}]", r.message, r.rule));
    }
    let remove = environment.map_err(|why| format!("refused: {why} [{}]", Rule::DenyEnvironment))?;
    let gate = env_gate(&policy, plan.mode);
    if tracing::enabled!(tracing::Level::DEBUG) {
        for name in &remove {
            tracing::debug!(
                "environment: {name} removed for the runtime [{}]",
                trust::removed_by(name)
            );
        }
        for name in unlisted(&env, gate) {
            tracing::debug!(
                "environment: {} removed for the runtime: not on its list [{}]",
                name.to_string_lossy(),
                Rule::DenyEnvironment
            );
        }
    }
    drop(args); // the exec copies plan.args once more; the caller's copy is no longer needed
    let mut argv = plan.args;
    // (Under enforce only: audit and exempt calls run as given.)
    if plan.no_default_mounts && plan.decision == Decision::Rewrite {
        argv.insert(0, crate::mountcheck::NO_DEFAULT_MOUNTS.into());
    }
    if plan.hooks {
        // `--hooks-dir` replaces podman's own hook folders: those of its default that exist are
        // named too, so that their hooks still run, and before the shim's: of two hook files
        // of one name, podman runs the one in the folder named last, so a file named as the
        // shim's in a system folder cannot replace the mount check (a nineteenth look's).
        let system = crate::mountcheck::SYSTEM_FOLDERS
            .iter()
            .filter(|d| std::fs::metadata(d).is_ok_and(|m| m.is_dir()))
            .map(|d| crate::mountcheck::folder_token(d));
        argv.splice(0..0, system);
    }
    tracing::debug!("allocator: {} bytes of the arena used", crate::bump::used());
    Err(runtime::exec(&path, &binary, &argv, &remove, gate).to_string())
}

/// Puts in place what the runtime is handed beside the argv: the mount check's hook folder
/// (named in the first word), and the files the checks read as sealed copies (a copy that
/// cannot be made would leave the runtime reading the path again, after the check).
fn hand_over(
    plan: &mut rewrite::Plan,
    env: &Env,
    policy: &policy::Policy,
    target: &Target,
) -> Result<(), (Rule, String)> {
    // Asked once: the seccomp profile below is kept in the same folder.
    let mut hooks = None;
    if plan.hooks {
        let folder = hook_folder(env, target).map_err(|e| {
            (
                Rule::HardenMountCheck,
                format!("{e}; or set [podman] verify_mounts = false"),
            )
        })?;
        plan.args[0] = crate::mountcheck::folder_token(&folder.to_string_lossy());
        hooks = Some(folder);
    }
    // A run/create's seccomp profile: podman's own, narrowed, kept in the hook folder.
    if let Some(at) = plan.seccomp {
        let owner = env.euid.unwrap_or_else(crate::process::euid);
        let folder = match hooks {
            Some(folder) => Ok(folder),
            None => hook_folder(env, target),
        };
        let paths = crate::seccomp::profile_paths(&target.configured.seccomp_profiles);
        let narrowed = folder.and_then(|folder| crate::seccomp::narrowed_file(&folder, owner, &paths));
        let file = narrowed.map_err(|e| (Rule::HardenSeccomp, seccomp_refusal(&e)))?;
        let mut token = std::ffi::OsString::from("--security-opt=seccomp=");
        token.push(file);
        plan.args[at] = token;
    }
    if !plan.pinned.is_empty() {
        // A folder opened is judged again where the kernel says it is: one swapped for a link
        // since the check is refused.
        let mut paths = crate::hostpath::HostPaths::new(&policy.rules.deny, &target.host);
        let mut judge = |real: &[u8], access| match paths.check(real, access, &|_| false) {
            Some(f) => Err(format!(
                "the engine would use the host path {} [{}]",
                f.entry, f.rule
            )),
            None => Ok(()),
        };
        let args = std::mem::take(&mut plan.args);
        plan.args = crate::pin::apply(args, &plan.pinned, &mut judge).map_err(|e| {
            (
                Rule::HardenPinnedFiles,
                format!("what the shim checked cannot be given to the runtime: {e}"),
            )
        })?;
    }
    Ok(())
}

/// Why a rootful `run`/`create` is refused when its narrowed seccomp profile cannot be made.
fn seccomp_refusal(why: &str) -> String {
    format!(
        "{why}: a container is given podman's seccomp profile, narrowed to refuse new cgroup namespaces and the kernel's keyrings"
    )
}

/// What [`hand_over`] would refuse that is known without making anything, for `explain` (which
/// makes no hook folder and no sealed copy): a rootful `run`/`create` whose seccomp profile
/// cannot be narrowed from the first of `paths` ([`crate::seccomp::PROFILE_PATHS`] but in
/// tests), which `explain` showed as a rewrite that would run.
pub(crate) fn judge_hand_over(plan: &mut rewrite::Plan, paths: &[&str]) {
    if plan.seccomp.is_none() || !plan.decision.runs() {
        return;
    }
    if let Err(why) = crate::seccomp::derivable(paths) {
        plan.decision = Decision::Refuse;
        plan.refusal = Some(rewrite::Refusal {
            rule: Rule::HardenSeccomp,
            message: seccomp_refusal(&why),
        });
    }
}

/// podman's folder for a build's cache mounts, `$TMPDIR/buildah-cache` (podman 5:
/// `buildah-cache-UID`), made if it is not there, and refused unless only the caller or root can
/// change what is in it: in the shared `/var/tmp`, whoever makes it first (a local user, a
/// rootless build) could leave a link there that a rootful build's cache follows (the
/// sixty-fifth look's: root's build wrote into a root-only folder of the planter's choosing).
fn build_cache_folder(env: &Env, remove: &[&str], per_user: bool) -> Result<(), String> {
    let owner = env.euid.unwrap_or_else(crate::process::euid);
    let kept = !remove.contains(&"TMPDIR");
    let set = env
        .engine
        .iter()
        .find(|(k, _)| k == "TMPDIR" && kept)
        .map(|(_, v)| v);
    // podman takes a set TMPDIR as it is: empty, it keeps caches in the working directory.
    if set.is_some_and(|v| v.is_empty()) {
        return Err(
            "TMPDIR is set but empty, where podman would keep the build's caches in the working directory; unset it or name a folder".into(),
        );
    }
    let tmp = set.map_or_else(|| std::path::PathBuf::from("/var/tmp"), std::path::PathBuf::from);
    let name = if per_user {
        format!("buildah-cache-{owner}")
    } else {
        "buildah-cache".to_string()
    };
    let dir = tmp.join(name);
    if std::fs::symlink_metadata(&dir).is_err() {
        use std::os::unix::fs::DirBuilderExt;
        let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
    }
    trust::own_folder(&dir, owner).map_err(|why| {
        format!(
            "podman's folder for the build's cache mounts, {}, cannot be used: {why}",
            dir.display()
        )
    })
}

/// The folder holding the mount check's hook file ([`crate::mountcheck`]), written if it is
/// not there as it should be: in the shim's cache folder, which must be the caller's alone.
fn hook_folder(env: &Env, target: &Target) -> Result<std::path::PathBuf, String> {
    let (Some(cache), Some(exe)) = (env.cache_dir(), env.exe.as_deref()) else {
        return Err("the mount check needs the shim's cache folder for its hook file, and neither XDG_CACHE_HOME nor HOME is set".into());
    };
    let owner = env.euid.unwrap_or_else(crate::process::euid);
    let file = crate::mountcheck::hook_file(exe);
    let base = crate::mountcheck::base(owner, Some(&cache)).unwrap_or_else(|| cache.clone());
    let folder = crate::mountcheck::folder(&base, &file);
    // The memory checked the same folder in this call when it was used.
    let checked = |dir: &std::path::Path| {
        target
            .host
            .memory
            .as_ref()
            .is_some_and(|m| m.dir == dir && m.build().is_some())
    };
    // The cache folder holds the shim's other remembered files (the policy's parse, the lists,
    // the runtime's version): one in container storage, where a container writes as the caller,
    // is refused wherever the hook folder lies (the thirty-ninth look's).
    if base != cache && !checked(&cache) {
        crate::trust::cache_folder(&cache, owner).map_err(|why| {
            format!(
                "the shim's cache folder {} cannot be used: {why}",
                cache.display()
            )
        })?;
    }
    // The runtime folder needs no walk: `mountcheck::base` found it the caller's alone (root's
    // `/run` only root writes).
    let trusted = base != cache || checked(&cache);
    crate::mountcheck::install(&base, &folder, &file, owner, trusted, base == cache)?;
    Ok(folder)
}

/// How the runtime is asked a question before the exec: with the environment the exec gives it
/// (a name set twice given its first value, the variables off the runtime's list removed), or
/// why that environment is refused.
fn asker(
    env: &Env,
    policy: &crate::policy::Policy,
    runtime: std::path::PathBuf,
) -> impl Fn() -> Result<crate::onbuild::Probe, String> + use<> {
    let (rules, engine, path) = (env_rules(policy, &[]), env.engine.clone(), env.path.clone());
    let (home, uid) = (env.home.clone(), env.euid);
    let keep_env = env_gate(policy, policy.mode).map(<[String]>::to_vec);
    move || {
        Ok(crate::onbuild::Probe {
            runtime: runtime.clone(),
            remove_env: runtime_environment(
                rules,
                &engine,
                path.as_deref(),
                &trust::Homes {
                    home: home.as_deref(),
                    uid,
                },
            )
            .map_err(|why| format!("{why} [{}]", Rule::DenyEnvironment))?,
            keep_env: keep_env.clone(),
        })
    }
}

/// What a rootful network's range must stay clear of ([`crate::subnet`]): the ranges podman's
/// networks use, the host's routes and gateways, the nameservers it asks, and the proxies its
/// environment names by address.
fn network_facts(probe: &crate::onbuild::Probe) -> Result<crate::subnet::Facts, String> {
    let listing = probe.output(&[
        "network",
        "ls",
        "--format",
        "{{range .Subnets}}{{.Subnet}} {{end}}",
    ])?;
    let used = crate::subnet::used(&listing)
        .ok_or("the runtime listed its networks' ranges in a form the shim does not read")?;
    let routes = std::fs::read_to_string("/proc/net/route")
        .map_err(|e| format!("the host's routes cannot be read (/proc/net/route: {e})"))?;
    let mut host = crate::subnet::routes(&routes);
    // No file: no nameserver of its own (the resolver then asks the host's loopback). Behind a
    // local resolver (systemd-resolved's `127.0.0.53`) the servers it asks are in its own file
    // (the fifty-third look's: a network took their range).
    for file in ["/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"] {
        if let Ok(text) = std::fs::read_to_string(file) {
            host.extend(crate::subnet::nameservers(&text));
        }
    }
    // A proxy named by address, or by a name the host resolves (best effort: a name that does
    // not resolve now is one the host cannot reach now either).
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        let Ok(url) = std::env::var(name) else {
            continue;
        };
        match crate::subnet::proxy_host(&url) {
            Some(net) => host.push(net),
            None => host.extend(resolved(&url)),
        }
    }
    Ok(crate::subnet::Facts { used, host })
}

/// The IPv4 addresses a proxy URL's host name resolves to (none when it does not resolve).
fn resolved(url: &str) -> Vec<crate::subnet::Net> {
    use std::net::ToSocketAddrs;
    let Some(host) = crate::subnet::proxy_name(url) else {
        return Vec::new();
    };
    (host.as_str(), 0)
        .to_socket_addrs()
        .map(|addrs| {
            addrs
                .filter_map(|a| match a.ip() {
                    std::net::IpAddr::V4(v4) => Some(crate::subnet::Net {
                        addr: u32::from(v4),
                        len: 32,
                    }),
                    std::net::IpAddr::V6(_) => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The environment's verdict for `plan`, by the plan's mode, as every rule is: under enforce, the
/// variables removed before exec, or why the call is refused; under audit nothing is removed or
/// refused, and a refusal enforce would make is recorded in the plan (what the log and `explain`
/// show); under off the caller's environment is the runtime's.
pub(crate) fn judge_environment(
    plan: &mut rewrite::Plan,
    policy: &policy::Policy,
    env: &Env,
) -> Result<Vec<&'static str>, String> {
    let (engine, homes) = (&env.engine, env.homes());
    match plan.mode {
        policy::Mode::Off => Ok(Vec::new()),
        policy::Mode::Audit => {
            if let Err(why) = runtime_environment(
                env_rules(policy, &plan.command),
                engine,
                env.path.as_deref(),
                &homes,
            ) {
                plan.refusal.get_or_insert(rewrite::Refusal {
                    rule: Rule::DenyEnvironment,
                    message: why,
                });
            }
            Ok(Vec::new())
        }
        policy::Mode::Enforce => runtime_environment(
            env_rules(policy, &plan.command),
            engine,
            env.path.as_deref(),
            &homes,
        ),
    }
}

/// Under enforce with `deny.environment` on, what the policy keeps of the variables not on the
/// runtime's list ([`trust::listed`], `[runtime] keep_environment`): the runtime is given no
/// other. `None`: the runtime is given every variable the environment's rules do not remove.
pub(crate) fn env_gate(policy: &policy::Policy, mode: policy::Mode) -> Option<&[String]> {
    (mode == policy::Mode::Enforce && policy.rules.deny.on(Rule::DenyEnvironment))
        .then_some(&policy.runtime.keep_environment[..])
}

/// The variables of `env` not on the runtime's list that `gate` removes ([`env_gate`]).
pub(crate) fn unlisted<'e>(env: &'e Env, gate: Option<&[String]>) -> Vec<&'e std::ffi::OsStr> {
    let Some(keep) = gate else {
        return Vec::new();
    };
    let mut names: Vec<&std::ffi::OsStr> = Vec::new();
    for name in &env.unlisted {
        let name = name.as_os_str();
        if !trust::kept_by(keep, name.as_encoded_bytes()) && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Which of the environment's rules the policy has on, for `command` (its words).
pub(crate) fn env_rules(policy: &policy::Policy, command: &[String]) -> trust::EnvRules {
    let deny = &policy.rules.deny;
    trust::EnvRules {
        remove_redirects: deny.on(Rule::DenyEngineRedirect),
        remove_handoffs: deny.on(Rule::DenyHostHandoff),
        refuse_untrusted_config: deny.on(Rule::DenyEnvironment),
        refuse_build_isolation: deny.on(Rule::DenyEnvironment) && crate::commands::is_build(command),
    }
}

/// The variables removed from the runtime's environment (`engine`: those set that redirect or
/// reconfigure it), or why that environment is refused (`deny.environment`).
pub(crate) fn runtime_environment(
    rules: trust::EnvRules,
    engine: &[(std::ffi::OsString, std::ffi::OsString)],
    path: Option<&std::ffi::OsStr>,
    homes: &trust::Homes,
) -> Result<Vec<&'static str>, String> {
    if rules.refuse_untrusted_config {
        trust::path_var(path)?;
        let owner = homes.uid.unwrap_or_else(crate::process::euid);
        trust::path_folders("PATH", path, owner)?;
        for (name, value) in engine
            .iter()
            .filter(|(n, _)| trust::HELPER_VARS.iter().any(|h| n == h))
        {
            trust::path_folders(&name.to_string_lossy(), Some(value), owner)?;
        }
    }
    let owner_root = |p: &std::path::Path| trust::check_file(p, None);
    let owner_caller =
        |p: &std::path::Path| trust::own_folder(p, homes.uid.unwrap_or_else(crate::process::euid));
    trust::environment(rules, engine.iter().cloned(), homes, &owner_root, &owner_caller)
}

/// Diagnostics for a plan: the decision, every change and violation with its rule id, the
/// refusal. Tokens and reasons are redacted ([`diag::shown`]).
fn trace_plan(plan: &rewrite::Plan, target: &Target) {
    tracing::debug!(
        "runtime version: {}",
        match target.known_version() {
            Some((a, b, c)) => format!("{a}.{b}.{c}"),
            None => "not known (asked only when a rule needs it)".into(),
        }
    );
    let refused = plan.decision == Decision::Refuse;
    // A refused plan's hardening never runs: only what refused it is shown.
    for c in plan
        .changes
        .iter()
        .filter(|c| !refused || c.action == rewrite::Action::Deny)
    {
        let (token, reason) = (diag::shown(&c.token), diag::shown(&c.reason));
        let sep = if token.is_empty() { "" } else { " " };
        if c.action == rewrite::Action::Deny {
            tracing::warn!("deny {token} [{}]: {reason}", c.rule);
        } else {
            tracing::debug!("{}{sep}{token} [{}]: {reason}", c.action.as_str(), c.rule);
        }
    }
    // The command's words are the caller's (an unknown command is any word, a token
    // included): shown as every other token is (the seventy-seventh look's).
    let command = diag::shown(&plan.command.join(" "));
    match &plan.refusal {
        Some(r) if refused => tracing::warn!(
            "decision: refuse {command} (mode {}): {} [{}]",
            plan.mode.as_str(),
            diag::shown(&r.message),
            r.rule
        ),
        Some(r) => tracing::warn!(
            "decision: {} {command}: enforce would refuse: {} [{}]",
            plan.decision.as_str(),
            diag::shown(&r.message),
            r.rule
        ),
        None => tracing::info!(
            "decision: {} {command} (mode {}, {} change(s))",
            plan.decision.as_str(),
            plan.mode.as_str(),
            plan.changes.len()
        ),
    }
}

/// Appends the plan to the decision log when the log wants it; a log that cannot be written
/// costs a warning line, never the call.
fn write_log(log: &std::path::Path, plan: &rewrite::Plan, args: &[OsString], owner: u32) {
    if !log::wanted(plan) {
        return;
    }
    let line = log::record(plan, args, std::time::SystemTime::now(), std::process::id());
    match log::append(log, &line, owner) {
        Ok(()) => tracing::debug!("decision log: one record appended to {}", log.display()),
        // The path is the caller's `HOME` joined: shown as the refusal line is.
        Err(e) => eprintln!(
            "nanoclaw-shim: {}",
            diag::shown(&format!(
                "warning: decision log {} not written: {e}",
                log.display()
            ))
        ),
    }
}

/// Everything a plan needs, found the one way the shim, `explain` and `doctor` share: the policy
/// in force and where it came from, the runtime and where it is, and what the rewrite may ask
/// about them.
pub struct Prepared {
    pub origin: policy::Origin,
    pub policy: policy::Policy,
    /// The runtime's configured name (`podman`, or `NANOCLAW_SHIM_RUNTIME`).
    pub binary: std::ffi::OsString,
    /// Where it resolves on `PATH` (skipping the shim itself), or why it does not.
    pub runtime: Result<std::path::PathBuf, runtime::RuntimeError>,
    pub target: Target,
}

/// Loads the policy (`policy_file`, else the lookup order) and resolves the runtime, from one
/// reading of the environment.
pub fn prepare(env: &Env, policy_file: Option<std::path::PathBuf>) -> Result<Prepared, policy::PolicyError> {
    let memory = env.host_memory();
    let (origin, policy) = policy::load_remembered(&LookupEnv::from(env, policy_file), memory.as_ref())?;
    let mut problems = crate::commands::policy_diagnostics(&policy.commands);
    problems.retain(|d| d.severity == policy::Severity::Error);
    if !problems.is_empty() {
        return Err(policy::PolicyError {
            file: origin.label(),
            diagnostics: problems,
        });
    }
    let binary = runtime::configured(env, &policy.runtime.binary);
    let runtime = runtime::resolve(&binary, env.path.as_deref(), env.exe.as_deref());
    let probe = runtime
        .clone()
        .unwrap_or_else(|_| std::path::PathBuf::from("/nonexistent"));
    let target = target(env, &policy, &probe, origin.path(), memory);
    match &runtime {
        Ok(path) => tracing::info!(
            "runtime: {} (flavour {}, {})",
            path.display(),
            target.flavor.as_str(),
            if policy.runtime.flavor.is_some() {
                "from the policy's [runtime] flavor"
            } else {
                "guessed from the name"
            }
        ),
        Err(e) => tracing::error!("runtime: {e}"),
    }
    Ok(Prepared {
        origin,
        policy,
        binary,
        runtime,
        target,
    })
}

/// The list entries the environment adds ([`HostCtx::from_environment`]).
fn from_environment(
    env: &Env,
    policy: &policy::Policy,
    ConfFacts {
        stores,
        running,
        defaults,
    }: &ConfFacts,
) -> Vec<(crate::policy::DenyList, std::path::PathBuf)> {
    use crate::policy::DenyList;
    let mut out = crate::hostpath::relocated(&policy.rules.deny, &env.relocations());
    // The folders podman's configuration names for programs it runs on the host, as PATH's;
    // a program's or a written file's folder, and the folder it leads to through a link (the
    // look `gq`); the folders of a `PATH` its environment settings give podman or conmon.
    out.extend(
        defaults
            .programs
            .iter()
            .map(|d| (DenyList::HostExecPaths, d.clone())),
    );
    for file in &defaults.program_files {
        let real = std::fs::canonicalize(file).ok();
        for f in std::iter::once(file).chain(real.as_ref()) {
            if let Some(folder) = f.parent() {
                out.push((DenyList::HostExecPaths, folder.to_path_buf()));
            }
        }
    }
    // A volume plugin's socket, as written and in the folder it lies in through links (it
    // may not exist yet: a container that could make it would answer in its place).
    for socket in &defaults.sockets {
        out.push((DenyList::SensitivePaths, socket.clone()));
        let real = socket.parent().and_then(|p| std::fs::canonicalize(p).ok());
        if let (Some(folder), Some(name)) = (real, socket.file_name()) {
            out.push((DenyList::SensitivePaths, folder.join(name)));
        }
    }
    for e in &defaults.engine_env {
        if let Some(path) = e.strip_prefix("PATH=") {
            out.extend(
                std::env::split_paths(path)
                    .filter(|d| d.is_absolute())
                    .map(|d| (DenyList::HostExecPaths, d)),
            );
        }
    }
    // podman looks its helpers up on PATH (slirp4netns, pasta, conmon, the OCI runtime) where
    // its configuration names none that exists: a folder there that a container could write is
    // a program the host runs (the red team's `node_modules/.bin/slirp4netns`, first on the
    // PATH `npm start` gives). Relative entries podman refuses itself (Go's LookPath).
    if let Some(path) = &env.path {
        out.extend(
            std::env::split_paths(path)
                .filter(|d| d.is_absolute())
                .map(|d| (DenyList::HostExecPaths, d)),
        );
    }
    // Helper folders named outright, searched first (host-exec as PATH's), and registry
    // logins moved out of their listed places (credentials).
    for (k, v) in &env.engine {
        // A build writes each RUN step's spec into `$TMPDIR` (`buildahN/config.json`) and runs
        // it moments later; podman trusts the CA `SSL_CERT_*` name for its pulls: the folder
        // itself, as named and where it leads (the lists resolve their entries), must not be
        // writable by a container (the forty-fourth look's `TMPDIR` through a link into the
        // workspace: an agent rewrote a step to mount the home as root).
        // (`TMPDIR=/tmp` is the default: judged as when unset, where writable roots keep `/tmp`.)
        let written = (k == "TMPDIR" && v != "/tmp") || crate::trust::STORED_VARS.iter().any(|n| k == n);
        if crate::trust::HELPER_VARS.iter().any(|n| k == n) || written {
            out.extend(
                std::env::split_paths(v)
                    .filter(|d| d.is_absolute() && !(written && crate::trust::in_system_tree(d)))
                    .map(|d| (DenyList::HostExecPaths, d)),
            );
        } else if crate::trust::LOGIN_VARS.iter().any(|n| k == n) && !v.is_empty() {
            let p = std::path::PathBuf::from(v);
            let p = match (&env.cwd, p.is_absolute()) {
                (_, true) => p,
                (Some(cwd), false) => cwd.join(p),
                (None, false) => continue,
            };
            out.push((DenyList::CredentialPaths, p));
        }
    }
    out.extend(stores.iter().map(|p| (DenyList::CredentialPaths, p.clone())));
    out.extend(running.iter().map(|p| (DenyList::HostExecPaths, p.clone())));
    // The lists' `~/.cache/...` entries where `XDG_CACHE_HOME` puts the caller's cache: a token
    // at `$XDG_CACHE_HOME/huggingface/token` was read, and with the variable kept for podman
    // its short-name aliases there written (the hundred-and-fourteenth look's).
    let default_cache = env.home.as_ref().map(|h| h.join(".cache"));
    if let Some(cache) = env
        .xdg_cache_home
        .as_ref()
        .filter(|c| c.is_absolute() && Some(*c) != default_cache.as_ref())
    {
        for which in [
            DenyList::SensitivePaths,
            DenyList::CredentialPaths,
            DenyList::HostExecPaths,
        ] {
            // (Not the shim's own cache folder: it is protected wherever it lies already, and the
            // lists' memory, written there, would never hold if the lists depended on it.)
            let lists = policy.rules.deny.list(which).iter();
            for entry in lists.filter(|e| !e.starts_with("~/.cache/nanoclaw-shim")) {
                let twin = match entry.strip_prefix("~/.cache") {
                    Some("") => Some(cache.clone()),
                    Some(rest) => rest.strip_prefix('/').map(|r| cache.join(r)),
                    None => None,
                };
                out.extend(twin.map(|t| (which, t)));
            }
        }
    }
    // The working directory's code, when it is a checkout (never `/`: its names are the
    // system's, judged by the lists).
    if let Some(cwd) = env.cwd.as_ref().filter(|c| c.parent().is_some()) {
        out.extend(
            crate::trust::PROJECT_CODE
                .iter()
                .map(|name| (DenyList::HostExecPaths, cwd.join(name))),
        );
    }
    out
}

/// Where podman keeps its named volumes' folders: `volumes` in the default store (rootless:
/// beneath `XDG_DATA_HOME` or `~/.local/share`; rootful: `/var/lib/containers/storage`) and in
/// each store the configuration names, and a `volume_path` itself (one of those stores).
fn stores(env: &Env, moved: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    let data = env
        .engine
        .iter()
        .find(|(k, _)| k == "XDG_DATA_HOME")
        .map(|(_, v)| std::path::PathBuf::from(v))
        .filter(|p| p.is_absolute())
        .or_else(|| env.home.as_ref().map(|h| h.join(".local/share")));
    let default = match env.rootless() {
        true => data.map(|d| d.join("containers/storage")),
        false => Some("/var/lib/containers/storage".into()),
    };
    let at = |s: std::path::PathBuf| [s.join("volumes"), s];
    default
        .map(|d| d.join("volumes"))
        .into_iter()
        .chain(moved.iter().cloned().flat_map(at))
        .collect()
}

/// Where podman's configuration moves its state ([`crate::trust::CONF_FILES`]): the stores
/// (credentials: refused even read-only, as the default stores are) and the running state and
/// temporary folders (host-exec). Every file podman may read is read, the one a variable names
/// too; a missing one costs a failed open. Also what podman's configuration gives every
/// container ([`crate::trust::ConfDefaults`]: its `default_ulimits`, which a caller's
/// `--ulimit`, the shim's own included, replaces whole; mounts, devices, namespaces and
/// `/dev/shm`'s size, which the rewrite judges).
struct ConfFacts {
    stores: Vec<std::path::PathBuf>,
    running: Vec<std::path::PathBuf>,
    defaults: crate::trust::ConfDefaults,
}

fn storage_conf_folders(env: &Env) -> ConfFacts {
    // The variables podman expands in them, as the shim hands them over.
    let home = env.home.as_deref().map(|h| h.to_string_lossy().into_owned());
    let uid = env.euid.unwrap_or_else(crate::process::euid).to_string();
    let rootful = uid == "0";
    let named: Vec<(&str, String)> = [
        "USER",
        "LOGNAME",
        "XDG_RUNTIME_DIR",
        "XDG_DATA_HOME",
        "XDG_CONFIG_HOME",
        "TMPDIR",
    ]
    .iter()
    .filter_map(|&n| std::env::var(n).ok().map(|v| (n, v)))
    .collect();
    let mut vars: Vec<(&str, &str)> = named.iter().map(|(n, v)| (*n, v.as_str())).collect();
    vars.push(("UID", &uid));
    if let Some(h) = &home {
        vars.push(("HOME", h));
    }
    let config = env
        .xdg_config_home
        .clone()
        .or_else(|| env.home.as_ref().map(|h| h.join(".config")));
    // A file podman reads, small: never a FIFO or a device, which would hang or grow the read.
    let read = |path: &std::path::Path| {
        use crate::hostfs::HostFs;
        let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str());
        match crate::hostfs::RealFs.read_small(bytes, 64 << 20) {
            crate::hostfs::SmallFile::Read(text) => Some(Ok(text)),
            crate::hostfs::SmallFile::Missing => None,
            // There and not read (past 64 MiB, a FIFO): nothing in it is judged (the look `gk`).
            crate::hostfs::SmallFile::Unread(_) => Some(Err(())),
        }
    };
    let (mut stores, mut running) = (Vec::new(), Vec::new());
    // The defaults in force: podman reads `/usr/share`'s, `/etc`'s, then the user's file, each
    // before its drop-ins (in name order), a later one's key over an earlier one's;
    // `CONTAINERS_CONF` instead of all three, `CONTAINERS_CONF_OVERRIDE` over everything.
    let mut defaults: Vec<((u32, usize), crate::trust::ConfDefaults)> = Vec::new();
    for conf in crate::trust::CONF_FILES {
        let engine = conf.vars.contains(&"CONTAINERS_CONF");
        let replaced = engine && env.engine.iter().any(|(k, _)| k == "CONTAINERS_CONF");
        let named = env
            .engine
            .iter()
            .filter(|(k, _)| conf.vars.iter().any(|v| k == v))
            .map(|(k, v)| {
                // A relative one is opened from the working folder, as podman opens it (the
                // look `gk`: one was never read).
                let v = std::path::Path::new(v);
                let v = match (v.is_relative(), &env.cwd) {
                    (true, Some(cwd)) => cwd.join(v),
                    _ => v.to_path_buf(),
                };
                (v, Some(if k == "CONTAINERS_CONF" { 100 } else { 200 }))
            });
        let listed = conf.paths.iter().enumerate().filter_map(|(i, file)| {
            let path = match file.strip_prefix("~/.config/") {
                Some(rest) => config.as_ref().map(|c| c.join(rest))?,
                None => std::path::PathBuf::from(file),
            };
            // (The list runs user, /etc, /usr/share, each file then its folder.) A rootful
            // podman reads no user's file (the look `gi`: one there hid `/etc`'s key).
            let rank = ((2 - (i / 2) as u32) * 2 + (i % 2) as u32) * 10;
            let read = !(replaced || rootful && file.starts_with("~/"));
            Some((path, read.then_some(rank)))
        });
        // podman 5's files for one kind of user, after each folder's own (read by 5 only; a
        // 4.3 reads none of them, where one more file judged refuses at most).
        let kind = if rootful { "rootful" } else { "rootless" };
        let by_kind: Vec<(std::path::PathBuf, Option<u32>)> = match engine && !replaced {
            true => [("/usr/share/containers", 15), ("/etc/containers", 35)]
                .iter()
                .flat_map(|(dir, rank)| {
                    let mut v = vec![
                        (format!("{dir}/containers.{kind}.conf"), *rank),
                        (format!("{dir}/containers.{kind}.conf.d/"), rank + 1),
                    ];
                    if !rootful {
                        v.push((format!("{dir}/containers.rootless.conf.d/{uid}/"), rank + 2));
                    }
                    v
                })
                .map(|(p, r)| (std::path::PathBuf::from(p), Some(r)))
                .collect(),
            false => Vec::new(),
        };
        // (A relative `CONTAINERS_CONF` where the working folder is gone is left: the
        // environment's trust check refuses it, as a file it cannot find.)
        for (path, rank) in named
            .chain(listed)
            .chain(by_kind)
            .filter(|(p, _)| p.is_absolute())
        {
            // A drop-in folder: each `*.conf` in it.
            let files: Vec<std::path::PathBuf> =
                match std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).ends_with(b".d/") {
                    true => {
                        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&path)
                            .map(|d| {
                                d.filter_map(|e| e.ok().map(|e| e.path()))
                                    .filter(|p| {
                                        std::os::unix::ffi::OsStrExt::as_bytes(p.as_os_str())
                                            .ends_with(b".conf")
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        files.sort();
                        files
                    }
                    false => vec![path],
                };
            for (n, file) in files.iter().enumerate() {
                let text = match read(file) {
                    None => continue,
                    Some(Ok(text)) => text,
                    Some(Err(())) => {
                        if let (true, Some(rank)) = (engine, rank) {
                            let mut d = crate::trust::ConfDefaults::default();
                            d.unreadable.push(file.display().to_string());
                            defaults.push(((rank, n), d));
                        }
                        continue;
                    }
                };
                let wanted = engine && rank.is_some();
                let (s, r, limits) = crate::trust::conf_facts(&text, conf.keys, &vars, wanted);
                if !engine {
                    let files = crate::trust::storage_programs(&text);
                    if !files.is_empty() {
                        let d = crate::trust::ConfDefaults {
                            program_files: files,
                            ..Default::default()
                        };
                        defaults.push(((0, n), d));
                    }
                }
                stores.extend(s);
                running.extend(r);
                if let (Some(rank), Some(mut found)) = (rank, limits) {
                    for u in &mut found.unreadable {
                        *u = file.display().to_string();
                    }
                    // podman 5's per-user files (the ranks not a multiple of ten) are judged, but
                    // their limits are not the ones handed on: a 4.3 never reads them (the look
                    // `gk`: `nproc` lost).
                    if rank % 10 != 0 {
                        found.ulimits = None;
                    }
                    defaults.push(((rank, n), found));
                }
            }
        }
    }
    // (Stable: of two at one rank, the one read later is the later.)
    defaults.sort_by_key(|(at, _)| *at);
    let mut merged = crate::trust::ConfDefaults::default();
    for (_, d) in defaults {
        merged.absorb(d);
    }
    ConfFacts {
        stores,
        running,
        defaults: merged,
    }
}

/// The seccomp profiles podman's configuration names in place of its default (`doctor` judges
/// the one a `run` narrows).
pub(crate) fn configured_seccomp_profiles(env: &Env) -> Vec<String> {
    storage_conf_folders(env).defaults.seccomp_profiles
}

/// Why every `run` of this environment would be refused for what podman's own configuration
/// gives every container ([`crate::rewrite`]'s `configured`), for `doctor`; `None` when
/// nothing there is refused. Asked as a rootful or rootless podman `run` of the caller's.
pub(crate) fn configured_refusal(env: &Env, policy: &policy::Policy) -> Option<String> {
    let mut facts = storage_conf_folders(env).defaults;
    let mut target = Target::fixed(crate::policy::Flavor::Podman, env.rootless(), None);
    target.default_ulimits = facts.ulimits.take().unwrap_or_default();
    target.configured = facts;
    let probe: Vec<std::ffi::OsString> = ["run", "img"].iter().map(Into::into).collect();
    let plan = rewrite::plan(&probe, policy, &target);
    let run = plan
        .refusal
        .map(|r| {
            format!(
                "a `docker run` naming no namespace of its own is refused: {} [{}]",
                r.message, r.rule
            )
        })
        .filter(|m| m.contains("podman's configuration"));
    // A build's RUN steps too (the look `gl`: a /dev/shm above the ceiling refused every build
    // while this said OK).
    run.or_else(|| {
        rewrite::configured_build_refusal(&target, &policy.rules)
            .map(|r| format!("every `docker build` is refused: {} [{}]", r.message, r.rule))
    })
}

/// What the rewrite may ask about the runtime; the version only when a rule needs it.
fn target(
    env: &Env,
    policy: &policy::Policy,
    path: &std::path::Path,
    policy_file: Option<&std::path::Path>,
    memory: Option<crate::hostmemo::Memory>,
) -> Target {
    let cache = env.version_cache();
    let owner = env.euid.unwrap_or_else(crate::process::euid);
    let (flavor, known) = runtime::flavor(policy.runtime.flavor, || {
        runtime::identify(path, cache.as_deref(), owner)
    });
    // A relative name is taken from the working directory, as the file is read.
    let absolute = |p: std::path::PathBuf| match (p.is_absolute(), &env.cwd) {
        (true, _) => Some(p),
        (false, Some(cwd)) => Some(cwd.join(p)),
        (false, None) => None,
    };
    let storage = storage_conf_folders(env);
    let host = HostCtx {
        cwd: env.cwd.clone(),
        home: env.home.clone(),
        // The shim's own files: a container that could write them would replace the binary,
        // rewrite the policy, or (the cache folder, wherever XDG_CACHE_HOME puts it) forge the
        // host-path model's memory.
        exe: env.exe.clone(),
        // The runtime too, where it resolved (`NANOCLAW_SHIM_RUNTIME` may name a wrapper in a
        // folder of the caller's: the forty-first look's). A relative name is taken from the
        // working directory, as the file is read (a relative `NANOCLAW_SHIM_POLICY` was a policy
        // a container could rewrite: the same look's).
        own_files: policy_file
            .map(std::path::Path::to_path_buf)
            .into_iter()
            // (Where a PATH folder or a system tree holds it, it is protected already.)
            .chain(Some(path.to_path_buf()).filter(|p| {
                let on_path = env
                    .path
                    .as_ref()
                    .is_some_and(|v| std::env::split_paths(v).any(|d| p.parent() == Some(d.as_path())));
                p != std::path::Path::new("/nonexistent") && !on_path && !crate::trust::in_system_tree(p)
            }))
            .filter_map(absolute)
            .collect(),
        // The decision log holds every call's argv (redacted by shape, other agents' among them),
        // the cache folder the policy's text and the paths the lists resolved: no container
        // reads them either (the fifty-second look's mounted them read-only).
        own_records: policy
            .log
            .resolved(env.home.as_deref())
            .into_iter()
            .chain(env.cache_dir())
            // (The hook folder's, where it is not the cache folder.)
            .chain(crate::mountcheck::base(
                env.euid.unwrap_or_else(crate::process::euid),
                None,
            ))
            .filter_map(absolute)
            .collect(),
        from_environment: from_environment(env, policy, &storage),
        fs: &crate::hostfs::RealFs,
        // The same memory the policy was loaded with: the build is looked up once.
        memory,
        // docker's daemon is rootful whoever calls it.
        rootless: env.rootless() && flavor == crate::policy::Flavor::Podman,
        stores: stores(env, &storage.stores),
    };
    let mut configured = storage.defaults;
    let default_ulimits = configured.ulimits.take().unwrap_or_default();
    let path = path.to_path_buf();
    let rootless = env.rootless();
    let runtime = path.clone();
    let probe = move || known.or_else(|| runtime::version(&path, cache.as_deref(), owner));
    let mut target = Target::probing(flavor, rootless, host, Box::new(probe));
    target.default_ulimits = default_ulimits;
    target.configured = configured;
    // A build's base images are asked about with the environment the build's exec will have
    // (an inspection, not a build: no isolation is asked of it).
    // One asker for both (built on every call, asked on few): an `exec`, `attach`, `start`,
    // `restart` or `rename` asks whether its container is one the shim made.
    let ask = std::rc::Rc::new(asker(env, policy, runtime.clone()));
    let for_bases = std::rc::Rc::clone(&ask);
    target.base_probe = Some(Box::new(move |image| for_bases()?.check(image)));
    target.container_probe = Some(Box::new(move |name| ask()?.hardened(name)));
    // A build's RUN steps are given podman's own default profile, narrowed ([`crate::seccomp`]).
    let configured_profiles = target.configured.seccomp_profiles.clone();
    target.seccomp_probe = Some(Box::new(move || {
        let paths = crate::seccomp::profile_paths(&configured_profiles);
        crate::seccomp::read_installed(&paths)
    }));
    // A rootful network's range is chosen clear of what the host routes and talks to
    // ([`crate::subnet`]): asked of the runtime with the exec's environment, and of the host.
    if !rootless {
        let ask = asker(env, policy, runtime);
        let locked = std::cell::Cell::new(false);
        target.network_probe = Some(Box::new(move || {
            // Two `network create`s at once picked the same range (the hundred-and-eighth
            // look's): the pick and podman's making of the network hold one lock, which podman
            // inherits and keeps until it exits, beside root's hook folders (rootful podman is
            // root's; nothing is asked on any other call). Taken once per call; a lock that
            // cannot be taken leaves the call as it was (podman refuses a range taken meanwhile).
            let lock = crate::mountcheck::base(owner, None).map(|b| b.join("network-create.lock"));
            if let (Some(lock), false) = (lock, locked.replace(true)) {
                let wait = std::time::Duration::from_secs(60);
                if let Err(why) = crate::hostfs::lock_across_exec(&lock, owner, wait) {
                    tracing::warn!(
                        "network create: not serialised with others: {}",
                        diag::shown(&why)
                    );
                }
            }
            network_facts(&ask()?)
        }));
    }
    // Only rootless podman loses its limits on cgroup v1; rootful callers skip the stat.
    target.cgroup_v1 = rootless && !std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists();
    tracing::debug!(
        "host: {} (the owner of /proc/self){}",
        if rootless { "rootless" } else { "rootful" },
        if target.cgroup_v1 { ", cgroup v1" } else { "" }
    );
    target
}
