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
//!
//! The groups of checks live in `compat`, `hardening` and `nanoclaw`; they run commands through
//! `docker` (the context and the probe container), judge what came back with the pure functions
//! of [`checks`] (public, so the real-podman tests judge containers the same way) and print
//! through `report`. `cleanup` and `interrupt` make sure nothing is left behind. This file sets
//! the run up and orders the groups.

pub mod checks;
mod cleanup;
mod compat;
mod docker;
mod hardening;
mod interrupt;
mod nanoclaw;
mod report;

#[cfg(test)]
mod tests;

pub use docker::PROBE;

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::policy::{self, LookupEnv};
use crate::process;

use checks::{FIXTURE_TITLE, caps_mask, pick_image};
use docker::Ctx;
use report::{Outcome, Tally};

/// What `nanoclaw-shim verify` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct VerifyArgs {
    /// The image to test; default: the newest local `nanoclaw-agent*` image.
    pub image: Option<String>,
    /// The runtime binary, passed to the shim as `NANOCLAW_SHIM_RUNTIME`.
    pub runtime: Option<OsString>,
    /// Print every command and its output.
    pub verbose: bool,
    /// Where the run's private folder is made ([`WORK_BASE`] when `None`).
    pub work_dir: Option<PathBuf>,
}

/// One docker command may take this long (a first run can unpack a large image).
pub(crate) const TIMEOUT: Duration = Duration::from_secs(180);
/// The exit status of a refused invocation.
pub(crate) const EXIT_REFUSED: i32 = crate::shim::EXIT_REFUSED;

pub(crate) fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn unique_suffix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{}-{}", std::process::id(), nanos % 1_000_000_000_000)
}

pub(crate) fn millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// Prints as it records.
pub(crate) struct Out {
    tally: Tally,
}

impl Out {
    pub(crate) fn check(&mut self, group: &'static str, name: &str, outcome: Outcome) {
        if interrupted() {
            return; // a check cut short says nothing about the runtime
        }
        print!("{}", self.tally.record(group, name, &outcome));
        let _ = std::io::stdout().flush();
    }
}

/// Where `verify` makes its work folder: `/tmp`, never `$TMPDIR`. A `TMPDIR` of the caller's
/// own is where podman writes a build's steps, so the shim refuses to mount anything beneath it
/// read-write (`deny.host-exec`), and every check that mounts its work folder failed there (the
/// eighty-third look's; TROUBLESHOOTING asks podman 4.3 users for such a `TMPDIR`).
pub(crate) const WORK_BASE: &str = "/tmp";

fn make_work_dir(base: &std::path::Path) -> std::io::Result<PathBuf> {
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
    let (mut ctx, label) = match setup(args) {
        Ok(set) => set,
        Err(e) => {
            // It may name a folder the caller or the environment chose (`--work-dir`).
            eprintln!("nanoclaw-shim verify: {}", crate::diag::shown(&e));
            return 2;
        }
    };
    let work = ctx.work.clone();
    let code = run_checks(&mut ctx, args, label.as_deref());
    let signal = interrupt::caught();
    if let Some(sig) = signal {
        eprintln!(
            "\nnanoclaw-shim verify: interrupted by {}; removing the containers and image this run \
             created (interrupt again to stop at once: the next verify removes what is left)",
            interrupt::name(sig)
        );
    }
    interrupt::cleaning();
    cleanup::cleanup(&mut ctx);
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

/// The run's context: a private folder (0700) whose `bin/docker` is this very binary, first on
/// the PATH every command gets; who runs it; the policy in force and its label.
fn setup(args: &VerifyArgs) -> Result<(Ctx, Option<String>), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program's own path: {e}"))?;
    let base = args.work_dir.clone().unwrap_or_else(|| PathBuf::from(WORK_BASE));
    let work = make_work_dir(&base)
        .map_err(|e| format!("cannot create a temporary folder in {}: {e}", base.display()))?;
    let shim_dir = work.join("bin");
    let prepared = std::fs::DirBuilder::new()
        .mode(0o755)
        .create(&shim_dir)
        .and_then(|()| std::os::unix::fs::symlink(&exe, shim_dir.join("docker")));
    if let Err(e) = prepared {
        let _ = std::fs::remove_dir_all(&work);
        return Err(format!("cannot prepare {}: {e}", shim_dir.display()));
    }
    let mut path = vec![shim_dir.clone()];
    path.extend(process::path_dirs(&std::env::var_os("PATH").unwrap_or_default()));
    let euid = process::euid();
    let egid = process::egid();
    // The policy the shim will load for each command (same environment): its label for the
    // header, and the capabilities it keeps (the default policy's when it does not load, in
    // which case every run through the shim is refused and the checks say so).
    let (label, in_force) = match policy::load(&LookupEnv::from_env(None)) {
        Ok((origin, p)) => (Some(origin.label()), p),
        Err(_) => (None, policy::Policy::default()),
    };
    let ctx = Ctx {
        shim: shim_dir.join("docker"),
        path: std::env::join_paths(path).unwrap_or_default(),
        work,
        runtime: args.runtime.clone(),
        image: String::new(),
        id: unique_suffix(),
        verbose: args.verbose,
        rootless: euid != 0,
        cgroup_v2: Path::new("/sys/fs/cgroup/cgroup.controllers").exists(),
        kept_caps: caps_mask(&in_force.rules.hardening.keep_capabilities),
        uid: euid,
        gid: egid,
        containers: Vec::new(),
        images: Vec::new(),
    };
    Ok((ctx, label))
}

/// The image to test: `--image`, else the newest local `nanoclaw-agent*`; `Err` is the exit
/// status when there is none (said on stderr) or verify was interrupted.
fn choose_image(ctx: &Ctx, args: &VerifyArgs) -> Result<String, i32> {
    if let Some(i) = &args.image {
        return Ok(i.clone());
    }
    let listing = ctx.docker(&strs(&["images", "--format", "{{.Repository}}:{{.Tag}}"]), None);
    if interrupted() {
        return Err(1);
    }
    pick_image(&listing.stdout).ok_or_else(|| {
        eprintln!(
            "nanoclaw-shim verify: no local image named nanoclaw-agent* was found{}.\n\
             Build nanoclaw's agent image first (./container/build.sh in nanoclaw), or \
             name one with --image IMAGE.",
            if listing.success() {
                String::new()
            } else {
                format!(" ({})", listing.describe())
            }
        );
        2
    })
}

/// Runs the groups in order; `policy` is the label of the policy in force, when it loads.
fn run_checks(ctx: &mut Ctx, args: &VerifyArgs, policy: Option<&str>) -> i32 {
    let mut out = Out {
        tally: Tally::default(),
    };
    println!("nanoclaw-shim verify");
    println!("====================");

    // The runtime, through the shim.
    let version = ctx.docker(&strs(&["--version"]), None);
    if !version.success() {
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
    for line in cleanup::sweep_leftovers(ctx) {
        println!("note:     {line}");
    }
    let rootless = ctx.docker(&strs(&["info", "--format", "{{.Host.Security.Rootless}}"]), None);
    match rootless.stdout.trim() {
        "true" => ctx.rootless = true,
        "false" => ctx.rootless = false,
        _ => {}
    }

    let image = match choose_image(ctx, args) {
        Ok(i) => i,
        Err(code) => return code,
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
    let is_fixture = title.success() && title.stdout.trim() == FIXTURE_TITLE;
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

    compat::image_operations(ctx, &mut out);
    compat::lifecycle(ctx, &mut out);
    compat::bind_mounts(ctx, &mut out);
    compat::environment(ctx, &mut out);
    hardening::resource_limits(ctx, &mut out);
    hardening::hardening(ctx, &mut out);
    hardening::real_agent(ctx, &mut out);
    nanoclaw::nanoclaw(ctx, &mut out, is_fixture);

    if interrupted() {
        return 1;
    }
    println!("\n{}", out.tally.summary());
    out.tally.exit_code()
}

/// Whether verify was interrupted while its checks run: no further command starts, and the
/// one in flight is killed.
pub(crate) fn interrupted() -> bool {
    interrupt::pending().is_some()
}
