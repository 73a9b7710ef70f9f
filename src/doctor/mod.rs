//! `nanoclaw-shim doctor`: is this machine set up so that nanoclaw's `docker` is the shim?
//!
//! The shim only protects the `docker` command lines of processes that find it first on their
//! `PATH`, and it only works when the runtime behind it accepts the flags it adds. Both are easy
//! to get wrong silently (podman-docker's `/usr/bin/docker` first on a systemd unit's `PATH`, a
//! policy with a typo, an old podman), so `doctor` checks each link of the chain and prints one
//! `OK` / `WARN` / `FAIL` line per check, with a fix for everything that is not OK.
//!
//! Each link has its module, split into a pure part (deciding from what was read; unit-tested
//! in `tests.rs`) and a thin part that reads files and runs `systemctl`, the runtime and the
//! package managers: `path` (which `docker` wins), `unit` (a systemd unit's environment),
//! `policy_checks`, `runtime_checks`; `check` is the report's line and `report` renders it.
//! This file only orders the checks.

mod check;
mod path;
mod policy_checks;
mod report;
mod runtime_checks;
mod unit;

#[cfg(test)]
mod tests;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::env::Env;
use crate::policy::{self, LookupEnv};
use crate::process::{self, Ending, path_dirs};
use crate::runtime;

pub use check::CheckId;
use check::*;
use path::*;
use policy_checks::*;
use report::*;
use runtime_checks::*;
use unit::*;

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

/// How long one probe of an external program may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(20);
/// Runs a program with stdin closed, capturing its output, killing it after `timeout`. `Err`
/// when it could not be run or did not finish: the check's detail says so.
fn capture(
    program: &OsStr,
    args: &[&str],
    path_env: Option<&OsStr>,
    timeout: Duration,
) -> Result<process::Output, String> {
    capture_given(program, args, path_env, timeout, None)
}

/// [`capture`], the program given only the variables the shim would give the runtime when
/// `keep` is `Some` (the policy's `keep_environment`, under `deny.environment`).
fn capture_given(
    program: &OsStr,
    args: &[&str],
    path_env: Option<&OsStr>,
    timeout: Duration,
    keep: Option<&[String]>,
) -> Result<process::Output, String> {
    let mut cmd = Command::new(program);
    cmd.args(args);
    if keep.is_some() {
        // What the shim removes by name whatever the list: the loader's, the redirects, the
        // hand-offs (the forty-seventh look's `LD_PRELOAD` reached doctor's podman).
        let removed: Vec<&str> = crate::trust::LOADER_VARS
            .iter()
            .chain(crate::trust::REDIRECT_VARS)
            .chain(crate::trust::HANDOFF_VARS)
            .copied()
            .collect();
        runtime::give_env(&mut cmd, &removed, keep);
    }
    if let Some(p) = path_env {
        cmd.env("PATH", p);
    }
    let out = process::run(&mut cmd, None, timeout, &process::never);
    match &out.ending {
        Ending::Failed(why) => Err(why.clone()),
        Ending::TimedOut(_) | Ending::Cancelled => Err(format!(
            "{} {}: {}",
            Path::new(program).display(),
            args.join(" "),
            out.ending
        )),
        Ending::Exited(_) | Ending::Signalled(_) => Ok(out),
    }
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// The PATH being checked: its value, how to name it, how to put the shim first on it, and the
/// environment of the systemd unit it comes from (when checking one).
struct Scope {
    /// The environment the shim would see: this process's, or a unit's where it sets one.
    env: Env,
    /// `env`'s PATH.
    path: OsString,
    source: String,
    fix_order: String,
}

/// Chooses the PATH (and environment) `args` asks for; checking a unit adds the `unit` check.
fn scope(args: &DoctorArgs, env: &Env, checks: &mut Vec<Check>) -> Scope {
    let current = || env.path.clone().unwrap_or_default();
    let with_path = |path: &OsString| Env {
        path: Some(path.clone()),
        ..env.clone()
    };
    match (&args.path, &args.unit) {
        (Some(p), _) => Scope {
            env: with_path(p),
            path: p.clone(),
            source: "the given --path".into(),
            fix_order: "put the shim's folder (e.g. ~/.local/lib/nanoclaw-shim/bin, see install.sh) first on that PATH".into(),
        },
        (None, Some(unit)) => {
            let u = unit_path(unit);
            let unit = unit.strip_suffix(".service").unwrap_or(unit);
            checks.push(u.check.clone());
            let fix_order = format!(
                "./install.sh --systemd-unit {unit} (a drop-in that puts the shim's folder first), then {}",
                reload_fix(unit)
            );
            match u.path {
                Some(p) => {
                    // The unit's own environment decides, not this shell's: every variable the
                    // unit sets (`XDG_RUNTIME_DIR`, `CONTAINERS_CONF`, `TMPDIR`, ...) is judged
                    // as the unit gives it, over this shell's (the eighty-third look's unit,
                    // whose every call was refused, passed when only its PATH and the shim's
                    // own two were read). The rest is the user manager's (`systemctl --user
                    // show-environment`), which the unit starts from, or this shell's where it
                    // cannot be asked (the ninetieth look's).
                    let unit_var = |k: &str| env_get(&u.environment, k).filter(|v| !v.is_empty());
                    let path: OsString = p.into();
                    use std::os::unix::ffi::OsStrExt;
                    let shell: Vec<(OsString, OsString)> = match &u.manager {
                        Some(m) => m.iter().map(|(k, v)| (k.into(), v.into())).collect(),
                        None => std::env::vars_os().collect(),
                    };
                    let mut vars: Vec<(&[u8], &[u8])> = vec![(b"PATH", path.as_bytes())];
                    for (k, v) in u
                        .environment
                        .iter()
                        .map(|(k, v)| (k.as_bytes(), v.as_bytes()))
                        .chain(shell.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())))
                    {
                        if !vars.iter().any(|(seen, _)| *seen == k) {
                            vars.push((k, v));
                        }
                    }
                    let unit_env = Env::of_vars(vars);
                    Scope {
                        env: Env {
                            policy: unit_var(crate::env::POLICY_ENV).map(PathBuf::from),
                            runtime: unit_var(runtime::RUNTIME_ENV).map(OsString::from),
                            ..unit_env
                        },
                        path,
                        source: u.source,
                        fix_order,
                    }
                }
                None => Scope {
                    env: env.clone(),
                    path: current(),
                    source: u.source,
                    fix_order,
                },
            }
        }
        (None, None) => Scope {
            env: env.clone(),
            path: current(),
            source: "the current PATH".into(),
            fix_order: "put the shim's folder first on nanoclaw's PATH: export PATH=\"$HOME/.local/lib/nanoclaw-shim/bin:$PATH\" in its run script, or ./install.sh --systemd-unit NAME".into(),
        },
    }
}

/// The `policy` check, the policy's label and the policy when it loads.
fn policy_check(scope: &Scope) -> (Check, String, Option<policy::Policy>) {
    let lookup = LookupEnv::from(&scope.env, None);
    let (origin, text) = match policy::locate(&lookup) {
        Err(e) => {
            let check = Check::fail(
                CheckId::Policy,
                format!("{e}: the shim refuses every docker command"),
                "fix or remove the file; `nanoclaw-shim policy check` shows every problem",
            );
            return (check, "the policy".into(), None);
        }
        Ok(found) => found,
    };
    let label = origin.label();
    let parsed = policy::parse(&text, &label).and_then(|(p, warnings)| {
        let (errors, more): (Vec<_>, Vec<_>) = crate::commands::policy_diagnostics(&p.commands)
            .into_iter()
            .partition(|d| d.severity == policy::Severity::Error);
        match errors.is_empty() {
            true => Ok((p, [more, warnings].concat())),
            false => Err(policy::PolicyError {
                file: label.clone(),
                diagnostics: errors,
            }),
        }
    });
    match parsed {
        Err(e) => {
            let check = Check::fail(
                CheckId::Policy,
                format!("{e}: the shim refuses every docker command"),
                format!("`nanoclaw-shim policy check {label}` lists every problem"),
            );
            (check, label, None)
        }
        Ok((p, warnings)) if !warnings.is_empty() => {
            let list: Vec<String> = warnings
                .iter()
                .map(|d| match d.position {
                    Some((l, c)) => format!("{l}:{c}: {}", d.message),
                    None => d.message.clone(),
                })
                .collect();
            let check = Check::warn(
                CheckId::Policy,
                format!("{label} is in force, with warnings: {}", list.join("; ")),
                format!("`nanoclaw-shim policy check {label}` explains each warning"),
            );
            (check, label, Some(p))
        }
        Ok((p, _)) => (
            Check::ok(CheckId::Policy, format!("{label} is in force and valid")),
            label,
            Some(p),
        ),
    }
}

/// The `runtime` check, and the runtime's path when it resolves on the scope's PATH.
fn runtime_check(
    scope: &Scope,
    rt_name: &str,
    binary: &OsStr,
    me: Option<&Path>,
) -> (Check, Option<PathBuf>) {
    match runtime::resolve(binary, Some(&scope.path), me) {
        Ok(p) => (
            Check::ok(
                CheckId::Runtime,
                format!("{rt_name} → {} on {}", p.display(), scope.source),
            ),
            Some(p),
        ),
        Err(e) => (
            Check::fail(
                CheckId::Runtime,
                format!("{e} (searched {})", scope.source),
                format!(
                    "install podman, put it on that PATH, or set {} to its absolute path",
                    runtime::RUNTIME_ENV
                ),
            ),
            None,
        ),
    }
}

/// What the runtime said of itself that later checks use: its version and its agent images.
#[derive(Default)]
struct RuntimeFacts {
    version: Option<crate::rewrite::Version>,
    agent_images: Vec<String>,
}

/// The checks that ask the runtime itself: `runtime-version`, `run-flags`, `agent-image`
/// (each a warning that says why when the runtime was not found).
fn runtime_probes(
    scope: &Scope,
    rt: Option<&Path>,
    rt_name: &str,
    in_force: &policy::Policy,
    flavor: crate::rewrite::Flavor,
) -> ([Check; 3], RuntimeFacts) {
    let mut facts = RuntimeFacts::default();
    let Some(rt) = rt else {
        let no_runtime = "the runtime was not found";
        let checks = [
            not_checked(CheckId::RuntimeVersion, no_runtime),
            not_checked(CheckId::RunFlags, no_runtime),
            not_checked(CheckId::AgentImage, no_runtime),
        ];
        return (checks, facts);
    };
    // The runtime is asked with what the shim would give it of this environment.
    let keep = crate::shim::env_gate(in_force, in_force.mode);
    let run_rt = |a: &[&str]| capture_given(rt.as_os_str(), a, Some(&scope.path), PROBE_TIMEOUT, keep);
    let version = match run_rt(&["--version"]) {
        Ok(c) if c.success() => {
            facts.version = c.stdout.lines().find_map(runtime::parse_version);
            version_check(rt_name, &c.stdout)
        }
        r => Check::fail(
            CheckId::RuntimeVersion,
            failure(r, &format!("{rt_name} --version")),
            format!("run `{rt_name} --version` by hand and repair the runtime"),
        ),
    };
    let flags = match run_rt(&["run", "--help"]) {
        // A runtime that cannot start at all (podman with an unusable XDG_RUNTIME_DIR) lists
        // no flag: that is no version to upgrade (the ninety-third look's).
        Ok(c) if !c.success() => Check::fail(
            CheckId::RunFlags,
            failure(Ok(c), &format!("{rt_name} run --help")),
            format!(
                "the runtime does not start: run `{rt_name} run --help` by hand and repair it (see runtime-version)"
            ),
        ),
        Ok(c) => flags_check(
            rt_name,
            &format!("{}\n{}", c.stdout, c.stderr),
            &policy_flags(in_force, flavor),
        ),
        Err(e) => Check::fail(
            CheckId::RunFlags,
            e,
            format!("run `{rt_name} run --help` by hand"),
        ),
    };
    let image = match run_rt(&["images", "--format", "{{.Repository}}:{{.Tag}}"]) {
        Ok(c) if c.success() => {
            facts.agent_images = agent_images(&c.stdout);
            image_check(rt_name, &c.stdout)
        }
        Ok(c) => Check::warn(
            CheckId::AgentImage,
            failure(Ok(c), &format!("{rt_name} images")),
            format!("run `{rt_name} images` as the user nanoclaw runs as"),
        ),
        Err(e) => Check::warn(CheckId::AgentImage, e, format!("run `{rt_name} images` by hand")),
    };
    ([version, flags, image], facts)
}

/// What the policy makes of the environment every `docker` call would have (the unit's, or
/// this one): what the shim and `explain` judge, so that doctor cannot say OK to an environment
/// the shim refuses.
fn environment_check(in_force: &policy::Policy, env: &Env) -> Check {
    let rules = crate::shim::env_rules(in_force, &[]);
    let unlisted = crate::shim::unlisted(env, crate::shim::env_gate(in_force, in_force.mode));
    match crate::shim::runtime_environment(rules, &env.engine, env.path.as_deref(), &env.homes()) {
        Ok(removed) if removed.is_empty() && unlisted.is_empty() => {
            Check::ok(CheckId::Environment, "nothing to remove or refuse")
        }
        Ok(removed) => {
            let mut said = Vec::new();
            if !removed.is_empty() {
                said.push(format!("{} removed before every exec", removed.join(", ")));
            }
            if !unlisted.is_empty() {
                let mut names: Vec<String> = unlisted
                    .iter()
                    .map(|n| n.to_string_lossy().into_owned())
                    .collect();
                names.sort_unstable();
                said.push(format!(
                    "{} not on the runtime's list, removed before every exec (keep one with [runtime] keep_environment): {}",
                    names.len(),
                    names.join(", ")
                ));
            }
            Check::ok(CheckId::Environment, said.join("; "))
        }
        Err(why) => Check::fail(
            CheckId::Environment,
            format!("every `docker` call is refused: {why}"),
            "fix or unset the variable in nanoclaw's environment (its unit's Environment= lines)",
        ),
    }
}

/// Why a probe of the runtime did not answer: its error, or `` `COMMAND` failed: `` and the
/// first line of its stderr.
fn failure(ran: Result<process::Output, String>, command: &str) -> String {
    match ran {
        Ok(c) => format!(
            "`{command}` failed: {}",
            c.stderr.lines().next().unwrap_or("").trim()
        ),
        Err(e) => e,
    }
}

/// Runs every check against the PATH (and environment) chosen by `args`, in the report's order.
fn gather(args: &DoctorArgs) -> Vec<Check> {
    let mut checks = Vec::new();
    let env = Env::capture();
    let me = env.exe.clone();
    let me_shown = me.clone().unwrap_or_else(|| PathBuf::from("nanoclaw-shim"));
    let scope = scope(args, &env, &mut checks);

    let my_id = me.as_deref().and_then(identity);
    let candidates = docker_candidates(&path_dirs(&scope.path), |p| probe_docker(p, my_id));
    checks.push(docker_check(
        &candidates,
        &me_shown,
        &scope.source,
        &scope.fix_order,
    ));
    checks.push(build_check(Linkage::of_this_build()));

    let (check, label, loaded) = policy_check(&scope);
    checks.push(check);
    let loaded_ok = loaded.is_some();
    let in_force = loaded.unwrap_or_default();
    if loaded_ok {
        checks.push(mode_check(&in_force, &label));
        checks.push(limits_check(&in_force, &label));
        // Without a home a `~/` path stays as written, and the check says it cannot be used.
        let log = in_force.log.resolved(scope.env.home.as_deref());
        let audits = in_force.mode == policy::Mode::Audit
            || in_force
                .profiles
                .iter()
                .any(|p| p.mode == Some(policy::Mode::Audit));
        checks.push(match (log.as_deref().or(in_force.log.path.as_deref()), audits) {
            // Audit records what enforce would do only in the log: without one, its containers
            // run unhardened and nothing says what enforce would have changed (the
            // eighty-third look's: doctor said OK).
            (None, true) => Check::warn(
                CheckId::DecisionLog,
                format!("off ([log] path is not set), while {label} audits: containers run unhardened and nothing records what enforce would change"),
                "set [log] path = \"~/.local/state/nanoclaw-shim/decisions.jsonl\", then `nanoclaw-shim log --refused`",
            ),
            (path, _) => log_check(path, &label),
        });
        checks.push(environment_check(&in_force, &scope.env));
        checks.push(match crate::shim::configured_refusal(&scope.env, &in_force) {
            None => Check::ok(
                CheckId::PodmanConfig,
                "nothing in podman's configuration widens a container",
            ),
            Some(why) => Check::fail(
                CheckId::PodmanConfig,
                why,
                "edit the containers.conf file that sets it (podman's own chain: /usr/share/containers, /etc/containers, the drop-in folders, the user's)",
            ),
        });
    }

    // By name, as the unit or this environment configures it.
    let binary = runtime::configured(&scope.env, &in_force.runtime.binary);
    let rt_name = binary.to_string_lossy().into_owned();
    let (check, rt) = runtime_check(&scope, &rt_name, &binary, me.as_deref());
    checks.push(check);
    // As a call decides it: docker only when the policy says so and the runtime answers so.
    let (flavor, _) = runtime::flavor(in_force.runtime.flavor, || {
        runtime::identify(rt.as_deref()?, None, crate::process::euid())
    });
    let ([version, flags, image], facts) = runtime_probes(&scope, rt.as_deref(), &rt_name, &in_force, flavor);
    checks.push(version);

    checks.push(rootless_check(env.euid, flavor));
    checks.push(cgroup_check(
        &in_force,
        flavor,
        env.euid,
        Path::new("/sys/fs/cgroup/cgroup.controllers").exists(),
    ));
    let configured = crate::shim::configured_seccomp_profiles(&scope.env);
    checks.push(seccomp_check(
        crate::seccomp::derivable(&crate::seccomp::profile_paths(&configured)),
        flavor,
    ));
    checks.push(mount_check(&in_force, flavor, &scope.env, me.as_deref()));
    checks.push(podman_docker_check());
    checks.push(flags);
    checks.push(image);
    if loaded_ok {
        // podman is rootless for any caller but root (docker's daemon never is).
        let rootless = env.euid.is_some_and(|u| u != 0);
        checks.push(agent_build_check(
            &in_force,
            flavor,
            rootless,
            facts.version,
            &facts.agent_images,
        ));
    }
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
            DoctorFormat::Text => render_text(&checks, crate::style::Paint::stdout()),
            DoctorFormat::Json => render_json(&checks),
        }
    );
    exit_code(&checks)
}
