//! The compatibility groups: what nanoclaw asks of `docker` works through the shim (image
//! operations, the container lifecycle, bind mounts, environment and user).

use std::io::{BufRead, BufReader};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::checks::reading;
use super::docker::{Ctx, Ran, finish};
use super::report::Outcome;
use super::{Out, TIMEOUT, interrupted, strs};

pub(crate) fn image_operations(ctx: &mut Ctx, out: &mut Out) {
    const G: &str = "Image operations";
    let info = ctx.docker(&strs(&["info"]), None);
    out.check(
        G,
        "docker info",
        if info.success() {
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
            Ok(n) if size.success() && n > 0 => Outcome::pass_with(format!("{image}: {n} bytes")),
            _ if !size.success() => Outcome::fail(format!("{image}: {}", size.describe())),
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

pub(crate) fn build_image(ctx: &mut Ctx, image: &str) -> Result<String, String> {
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
    if !built.success() {
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

pub(crate) fn lifecycle(ctx: &mut Ctx, out: &mut Out) {
    const G: &str = "Container lifecycle";
    let input = format!("{{\"prompt\":\"nanoclaw-shim verify {}\"}}\n", ctx.id);
    let ran = ctx.sh("stdin", &[], "cat", Some(input.as_bytes()));
    out.check(
        G,
        "docker run -i --rm --name nanoclaw-<group>-<ts> with stdin piped in",
        if ran.success() && ran.stdout == input {
            Outcome::pass()
        } else if ran.success() {
            Outcome::fail(format!("stdin did not come back: {:?}", ran.stdout))
        } else {
            Outcome::fail(ran.describe())
        },
    );

    let ran = ctx.sh("exit", &[], "exit 3", None);
    out.check(
        G,
        "the container's exit code passes through",
        if ran.code() == Some(3) {
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

    out.check(
        G,
        "docker create, then docker start --attach",
        create_then_start(ctx),
    );
    if let Some(outcome) = parallel_agents(ctx) {
        out.check(G, "three agents in parallel", outcome);
    }
}

/// `docker create`, then `docker start --attach` shows the container's output.
fn create_then_start(ctx: &mut Ctx) -> Outcome {
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
    if !created.success() {
        return Outcome::fail(format!("docker create: {}", created.describe()));
    }
    let started = ctx.docker(&strs(&["start", "--attach", &name]), None);
    if started.success() && started.stdout.contains("created-then-started") {
        Outcome::pass()
    } else {
        Outcome::fail(format!("docker start --attach: {}", started.describe()))
    }
}

/// Three agents at once, each echoing its own stdin; `None` when verify was interrupted
/// before all of them started.
fn parallel_agents(ctx: &mut Ctx) -> Option<Outcome> {
    let mut children = Vec::new();
    for k in 0..3 {
        if interrupted() {
            return None;
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
                    if r.success() && r.stdout == input {
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
    Some(if errors.is_empty() {
        Outcome::pass()
    } else {
        Outcome::fail(errors.join("\n"))
    })
}

/// Starts a long-running agent, lists it with `ps --filter`, stops it with `stop -t 1`.
pub(crate) fn running_agent(ctx: &mut Ctx) -> (Outcome, Outcome) {
    if interrupted() {
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
        if interrupted() {
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
    let listed = |r: &Ran| r.success() && r.stdout.lines().any(|l| l.trim() == name);
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
    let stop = if !stopped.success() {
        Outcome::fail(stopped.describe())
    } else if ended.timed_out() {
        Outcome::fail("the agent's docker run did not end after docker stop")
    } else {
        let how = match ended.code() {
            Some(143) => "ended by SIGTERM (exit 143)".to_string(),
            Some(137) => "killed after the timeout (exit 137)".to_string(),
            Some(c) => format!("exit {c}"),
            None => "ended by a signal".to_string(),
        };
        Outcome::pass_with(format!("{how} in {took:.1}s"))
    };
    (ps, stop)
}

pub(crate) fn bind_mounts(ctx: &mut Ctx, out: &mut Out) {
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

pub(crate) fn bind_rw(ctx: &mut Ctx) -> Result<String, String> {
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
    if !ran.success() {
        return Err(format!(
            "the container cannot write the mount: {}",
            ran.describe()
        ));
    }
    // Read as a file the container wrote: a regular file, not through a link, a few bytes (the
    // image under test is the agent's, which may be hostile).
    let written = dir.join("written.txt");
    match crate::hostfs::read_plain(&written, 64) {
        Some((text, m)) if String::from_utf8_lossy(&text).trim() == "from-the-container" => Ok(format!(
            "the container's file is on the host, owned by uid {}",
            m.uid()
        )),
        _ => Err("the container's write did not reach the host as a plain file".into()),
    }
}

pub(crate) fn bind_ro(ctx: &mut Ctx) -> Result<String, String> {
    let dir = ctx.agent_dir("mounts/global").map_err(|e| e.to_string())?;
    std::fs::write(dir.join("hello.txt"), "read-only hello\n").map_err(|e| e.to_string())?;
    let vol = format!("{}:/workspace/global:ro", dir.display());
    let ran = ctx.sh(
        "ro",
        &strs(&["-v", &vol]),
        "cat /workspace/global/hello.txt; if ( : > /workspace/global/x ) 2>/dev/null; then echo WRITABLE; else echo REFUSED; fi",
        None,
    );
    if !ran.success() || !ran.stdout.contains("read-only hello") {
        return Err(format!("the host file is not visible: {}", ran.describe()));
    }
    if ran.stdout.contains("REFUSED") && !dir.join("x").exists() {
        Ok(String::new())
    } else {
        Err("a write to the :ro mount succeeded".into())
    }
}

pub(crate) fn bind_files(ctx: &mut Ctx) -> Result<String, String> {
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
    if ran.success() && ran.stdout.contains("\"verify\":true") && ran.stdout.contains("BEGIN CERTIFICATE") {
        Ok(String::new())
    } else {
        Err(ran.describe())
    }
}

pub(crate) fn environment(ctx: &mut Ctx, out: &mut Out) {
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
        if ran.success() && ran.stdout == value {
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
        if ran.success() && ran.stdout == "America/New_York" {
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
        if ran.success() && ran.stdout.trim() == "1000:1000" {
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

pub(crate) fn own_user(ctx: &mut Ctx, uid: u32, gid: u32) -> Result<String, String> {
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
    if !ran.success() {
        return Err(ran.describe());
    }
    if ran.stdout.lines().next().map(str::trim) != Some(uid.to_string().as_str()) {
        return Err(format!(
            "runs as uid {}",
            reading(ran.stdout.lines().next().map(str::trim))
        ));
    }
    // (Not through a link the container put there.)
    let owner = std::fs::symlink_metadata(dir.join("mine.txt"))
        .map(|m| m.uid())
        .map_err(|e| e.to_string())?;
    if owner == uid {
        Ok("the file it wrote is yours".into())
    } else {
        Err(format!("the file it wrote belongs to uid {owner}, not you"))
    }
}
