//! nanoclaw's own invocations: setup's smoke test, host-gateway, and (with the fixture image)
//! the v1 and v2 agent runs and a host service reached through host.docker.internal.

use std::io::Write;
use std::net::{IpAddr, TcpListener};
use std::path::Path;
use std::time::{Duration, Instant};

use super::checks::{check_fixture_report, framed_json};
use super::docker::Ctx;
use super::report::Outcome;
use super::{Out, strs};

pub(crate) fn nanoclaw(ctx: &mut Ctx, out: &mut Out, is_fixture: bool) {
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
        if ran.success() && ran.stdout.trim() == "Container OK" {
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
        match (ran.success(), gateway) {
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
pub(crate) fn agent_v1(ctx: &mut Ctx, image: &str) -> Result<String, String> {
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
    if !ran.success() {
        return Err(ran.describe());
    }
    let json = framed_json(&ran.stdout).ok_or("no sentinel-framed output on stdout")?;
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("bad JSON: {e}"))?;
    check_fixture_report(
        &v,
        Some(&prompt),
        &["/workspace/group", "/home/node/.claude"],
        ctx.kept_caps,
    )
}

/// nanoclaw v2: no stdin, bun through bash, OneCLI's single-file binds in /tmp, --add-host.
pub(crate) fn agent_v2(ctx: &mut Ctx, image: &str) -> Result<String, String> {
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
    if !ran.success() {
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
        ctx.kept_caps,
    )
}

/// A listener on the host address host.docker.internal leads to (the host's 127.0.0.1 when it
/// is slirp4netns' 10.0.2.2), and the fixture's `connect` mode inside.
pub(crate) fn reach_host(ctx: &mut Ctx, gateway: IpAddr) -> Outcome {
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
                "host.docker.internal is {gateway}, which this host has no address for now ({e}: a \
                 rootful bridge's gateway exists only while a container is on it, and rootless \
                 pasta's 169.254.1.2 is an address it maps to the host, not one the host has); \
                 this check does not reach it, a host service must listen where the container \
                 can reach it"
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
