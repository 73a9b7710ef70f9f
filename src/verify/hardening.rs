//! The hardening groups: resource limits in effect, the hardening seen from inside a container,
//! refusals that create nothing, and what nanoclaw's real agent needs under it (graceful stop,
//! the browser's sandbox).

use super::checks::{
    Limits, Namespaces, caps_kept, caps_within, cgroup_namespace, effective_limits, limit_outcomes,
    no_new_privs, parse_kv, root_read_only, shim_annotation, writable_tmpfs,
};
use super::docker::Ctx;
use super::report::{Outcome, Status};
use super::{EXIT_REFUSED, Out, interrupted, strs};

pub(crate) fn resource_limits(ctx: &mut Ctx, out: &mut Out) {
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
            let outcomes = limit_outcomes(p.requested, effective_limits(&p.kv), why);
            for (flag, outcome) in ["--cpus=2", "--memory=4g", "--pids-limit=256"]
                .into_iter()
                .zip(outcomes)
            {
                out.check(G, flag, outcome);
            }
        }
    }
}

pub(crate) fn hardening(ctx: &mut Ctx, out: &mut Out) {
    const G: &str = "Hardening in effect";
    match ctx.probe("hardening", &[]) {
        Err(e) => out.check(G, "a container with no flags of its own", Outcome::fail(e)),
        Ok(p) => {
            let kv = &p.kv;
            let judged = |r: Result<(), String>| match r {
                Ok(()) => Outcome::pass(),
                Err(e) => Outcome::fail(e),
            };
            out.check(G, "root filesystem is read-only", judged(root_read_only(kv)));
            for dir in ["/tmp", "/home/node"] {
                let name = format!("{dir} is a writable tmpfs");
                out.check(G, &name, judged(writable_tmpfs(kv, dir)));
            }
            out.check(
                G,
                "no capabilities beyond the policy's kept ones (CapEff and CapBnd)",
                judged(caps_kept(kv, ctx.kept_caps)),
            );
            out.check(G, "no-new-privileges (NoNewPrivs: 1)", judged(no_new_privs(kv)));
            out.check(
                G,
                "podman inspect shows the shim's annotation (version, enforce, rules)",
                judged(shim_annotation(&p.annotations)),
            );
            out.check(
                G,
                "cpu, memory and pids ceilings without any limit flags",
                limits_outcome(p.requested, effective_limits(kv), ctx.unenforceable()),
            );
            out.check(
                G,
                "no new cgroup namespace (the narrowed seccomp profile)",
                cgroup_namespace_outcome(kv),
            );
        }
    }
    out.check(
        G,
        "a caller's --privileged is refused or without effect",
        privileged(ctx),
    );
    out.check(
        G,
        "an unknown flag is refused (exit 125) and creates no container",
        unknown_flag(ctx),
    );
}

/// The outcome of [`cgroup_namespace`]'s reading: a namespace made fails; refused passes, said
/// so where no user namespace could be made either (nothing then tells the shim's profile
/// apart from the runtime's own refusal); an image without an `unshare` that can ask is
/// skipped, never passed.
pub(crate) fn cgroup_namespace_outcome(kv: &std::collections::BTreeMap<String, String>) -> Outcome {
    match cgroup_namespace(kv) {
        Namespaces::Made => Outcome::fail(
            "a container made a cgroup namespace: its seccomp profile is not the shim's narrowed one",
        ),
        Namespaces::Refused { user_namespace: true } => Outcome::pass(),
        Namespaces::Refused {
            user_namespace: false,
        } => Outcome::pass_with(
            "no user namespace can be made in this container either, so the profile's own refusal is not told apart",
        ),
        Namespaces::Untested => Outcome::skip(
            "the image has no unshare that makes a cgroup namespace (util-linux's): not checked",
        ),
    }
}

/// All three ceilings in one outcome: the worst of them, every detail.
fn limits_outcome(r: Limits, eff: Limits, why: Option<&str>) -> Outcome {
    let parts = limit_outcomes(r, eff, why);
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
    Outcome {
        status: worst,
        detail: Some(detail.join("\n")),
    }
}

/// A caller's `--privileged`: refused, or at least without effect.
fn privileged(ctx: &mut Ctx) -> Outcome {
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
    if ran.code() == Some(EXIT_REFUSED) {
        match no_container(ctx, &name) {
            Ok(()) => Outcome::pass_with("refused (exit 125), no container created"),
            Err(e) => Outcome::fail(e),
        }
    } else if ran.success() && caps_within(parse_kv(&ran.stdout).get("CapBnd"), ctx.kept_caps) {
        Outcome::pass_with("ran without its privileges (CapBnd holds only the kept capabilities)")
    } else {
        Outcome::fail(format!(
            "--privileged took effect: {:?} {}",
            ran.stdout.trim(),
            ran.describe()
        ))
    }
}

/// A flag the shim does not know: exit 125, nothing on stdout, no container.
fn unknown_flag(ctx: &mut Ctx) -> Outcome {
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
    if ran.code() != Some(EXIT_REFUSED) {
        Outcome::fail(format!("expected exit 125, got {}", ran.describe()))
    } else if !ran.stdout.is_empty() {
        Outcome::fail("the refusal wrote to stdout")
    } else {
        match no_container(ctx, &name) {
            Ok(()) => Outcome::pass_with(ran.stderr.lines().next().unwrap_or("").to_string()),
            Err(e) => Outcome::fail(e),
        }
    }
}

/// What nanoclaw's real agent needs beyond the hardening: `docker stop` reaching the agent when
/// nanoclaw overrides the entrypoint (the shim's `--init`), and the browser's own sandbox working
/// under the hardening (the kept `SYS_CHROOT`), checked in the user's image when it has Chromium.
pub(crate) fn real_agent(ctx: &mut Ctx, out: &mut Out) {
    const G: &str = "Real agent";
    if interrupted() {
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
pub(crate) fn graceful_stop(ctx: &mut Ctx) -> Outcome {
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
    if !started.success() {
        return Outcome::fail(format!("cannot start it: {}", started.describe()));
    }
    let stopped = ctx.docker(&strs(&["stop", "-t", "2", &name]), None);
    let code = ctx.docker(
        &strs(&["inspect", "--format", "{{.State.ExitCode}}", &name]),
        None,
    );
    let _ = ctx.docker(&strs(&["rm", "--force", &name]), None);
    match code.stdout.trim() {
        "143" if stopped.success() => Outcome::pass_with("exit 143: the agent received SIGTERM"),
        "137" => Outcome::fail(
            "exit 137: SIGKILLed after the grace period; the agent never saw SIGTERM \
             (is [hardening] init off?)",
        ),
        other => Outcome::fail(format!("exit {other:?}: {}", stopped.describe())),
    }
}

/// Chromium in the image, started headless WITH its sandbox, renders a page.
pub(crate) fn browser(ctx: &mut Ctx) -> Outcome {
    let image = ctx.image.clone();
    let find = "for b in chromium chromium-browser google-chrome; do command -v $b && exit 0; done; exit 1";
    let found = ctx.docker(
        &strs(&["run", "--rm", "--entrypoint", "/bin/sh", &image, "-c", find]),
        None,
    );
    let Some(bin) = found
        .success()
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

pub(crate) fn no_container(ctx: &Ctx, name: &str) -> Result<(), String> {
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
    if !ps.success() {
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
