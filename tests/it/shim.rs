//! The built binary, run as `docker` through a symlink, against a fake runtime that records its
//! exact argv (NUL-separated), its stdin and its pid.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{World, bare as cli};

/// The runtime is given no variable of the test's own (`deny.environment`): its folder is written
/// into the script, and what it is to do is read from files there (`mode`, `exit`).
const FAKE: &str = r#"#!/bin/sh
out="$FAKE_DIR"
printf '%s\0' "$@" > "$out/argv.tmp" && mv "$out/argv.tmp" "$out/argv"
echo $$ > "$out/pid"
env > "$out/env"
case "$(cat "$out/mode" 2>/dev/null)" in
  stdin) cat > "$out/stdin" ;;
  wait) trap 'echo TERM > "$out/signal"; exit 143' TERM; echo ready > "$out/ready"; while :; do sleep 0.05; done ;;
esac
echo "fake runtime stdout"
exit "$(cat "$out/exit" 2>/dev/null || echo 0)"
"#;

struct Env {
    w: World,
}

impl Env {
    fn new() -> Env {
        let w = World::new();
        let script = FAKE.replace("$FAKE_DIR", &w.p("out").display().to_string());
        let w = w.fake_runtime(&script);
        std::fs::create_dir(w.p("out")).unwrap();
        Env { w }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.w.p(rel)
    }

    /// `docker` with PATH = shim folder, then the fake runtime's folder, then the system.
    fn docker(&self) -> Command {
        self.w.docker().command()
    }

    fn recorded_argv(&self) -> Vec<OsString> {
        let raw = std::fs::read(self.p("out/argv")).expect("the runtime ran");
        raw.split(|&b| b == 0)
            .map(|s| OsString::from_vec(s.to_vec()))
            .collect::<Vec<_>>()
            .split_last()
            .map(|(_, rest)| rest.to_vec())
            .unwrap_or_default()
    }

    fn ran(&self) -> bool {
        self.p("out/argv").exists()
    }
}

fn os(words: &[&str]) -> Vec<OsString> {
    words.iter().map(OsString::from).collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn passthrough_argv_is_identical() {
    let e = Env::new();
    let args = os(&[
        "ps",
        "--filter",
        "label=nanoclaw-install=ab12",
        "--format",
        "{{.Names}}",
    ]);
    let o = e.docker().args(&args).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(e.recorded_argv(), args);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "fake runtime stdout\n");
}

#[test]
fn run_is_hardened_and_image_tail_is_byte_identical() {
    let e = Env::new();
    let mut args = os(&["run", "--rm", "-v"]);
    args.push(OsString::from_vec(b"/srv/h/\xff dir:/workspace".to_vec()));
    args.push(OsString::from_vec(b"img\xfe:latest".to_vec()));
    args.push(OsString::from_vec(b"--privileged \x01".to_vec()));
    let o = e.docker().args(&args).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let got = e.recorded_argv();
    // First the hook folders: podman's own on a machine that has them, then, last (the one
    // whose files win), the mount check's, written in the caller's runtime folder (root's
    // `/run/nanoclaw-shim`, a user's `/run/user/UID/nanoclaw-shim`), else the cache folder.
    let system = got
        .iter()
        .take_while(|t| t.to_string_lossy().starts_with("--hooks-dir="))
        .count()
        - 1;
    let hooks = got[system]
        .to_str()
        .unwrap()
        .strip_prefix("--hooks-dir=")
        .unwrap();
    assert!(
        hooks.contains("/.cache/nanoclaw-shim/hooks.")
            || hooks.starts_with("/run/nanoclaw-shim/hooks.")
            || hooks.starts_with("/run/user/") && hooks.contains("/nanoclaw-shim/hooks."),
        "{hooks}"
    );
    let hook = std::fs::read_to_string(format!("{hooks}/nanoclaw-shim.json")).unwrap();
    assert!(hook.contains("nanoclaw-shim-mount-check"), "{hook}");
    // Then no mounts.conf: what it lists would be mounted past every check.
    assert_eq!(got[system + 1], "--default-mounts-file=/dev/null");
    let got = &got[system + 2..];
    assert_eq!(got[..4], args[..4]);
    assert_eq!(got[got.len() - 2..], args[4..]);
    for want in [
        "--read-only",
        "--cap-drop=ALL",
        "--security-opt=no-new-privileges",
        "--pids-limit=256",
    ] {
        assert!(got.iter().any(|t| t == want), "{want} missing from {got:?}");
    }
}

#[test]
fn stdin_passes_through() {
    let e = Env::new();
    std::fs::write(e.p("out/mode"), "stdin").unwrap();
    let mut child = e
        .docker()
        .args(["run", "-i", "--rm", "img"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"prompt\":\"hi\"}\n")
        .unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
    assert_eq!(std::fs::read(e.p("out/stdin")).unwrap(), b"{\"prompt\":\"hi\"}\n");
}

#[test]
fn exit_codes_pass_through() {
    let e = Env::new();
    for code in [0, 1, 3, 125, 126, 127] {
        std::fs::write(e.p("out/exit"), code.to_string()).unwrap();
        let o = e.docker().args(["run", "img"]).output().unwrap();
        assert_eq!(o.status.code(), Some(code));
        let o = e.docker().args(["info"]).output().unwrap();
        assert_eq!(o.status.code(), Some(code));
    }
}

fn wait_for(path: &Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn signals_reach_the_runtime_in_the_same_process() {
    let e = Env::new();
    std::fs::write(e.p("out/mode"), "wait").unwrap();
    let mut child = e.docker().args(["run", "--rm", "img"]).spawn().unwrap();
    wait_for(&e.p("out/ready"));
    let pid: u32 = std::fs::read_to_string(e.p("out/pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(pid, child.id(), "the runtime replaced the shim (exec, not spawn)");
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143));
    assert_eq!(std::fs::read_to_string(e.p("out/signal")).unwrap().trim(), "TERM");
}

#[test]
fn missing_runtime_is_refused() {
    let e = Env::new();
    let o = e.docker().env("PATH", e.p("shim")).args(["ps"]).output().unwrap();
    assert_eq!(o.status.code(), Some(125));
    assert!(o.stdout.is_empty());
    let err = stderr(&o);
    assert!(err.contains("not found") && err.lines().count() == 1, "{err}");
    let o = e
        .docker()
        .env("NANOCLAW_SHIM_RUNTIME", e.p("rt/nope"))
        .args(["ps"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(125));
    // A runtime others could have replaced is refused, named or found on PATH, as a policy file
    // is (the red team's: one in a folder anybody can write ran).
    let open = e.p("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::copy(e.p("rt/podman"), open.join("podman")).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    for (key, value) in [
        ("NANOCLAW_SHIM_RUNTIME", open.join("podman").into_os_string()),
        (
            "PATH",
            std::env::join_paths([e.p("shim"), open.clone(), e.p("rt")]).unwrap(),
        ),
    ] {
        let o = e.docker().env(key, &value).args(["ps"]).output().unwrap();
        assert_eq!(o.status.code(), Some(125), "{key}: {}", stderr(&o));
        assert!(o.stdout.is_empty() && !e.ran(), "{key}");
        let err = stderr(&o);
        assert!(
            err.contains("is not trusted") && err.lines().count() == 1,
            "{err}"
        );
    }
}

#[test]
fn a_loop_of_shims_ends_with_125() {
    let e = Env::new();
    // The runtime is named docker; the only docker besides the shim itself is a copy of it.
    std::fs::create_dir(e.p("copy")).unwrap();
    std::fs::copy(*crate::support::BIN, e.p("copy/docker")).unwrap();
    let path = std::env::join_paths([e.p("shim"), e.p("copy")]).unwrap();
    // A file just written may be "busy" for exec while another test thread's fork still holds
    // the writer's descriptor (until that child execs): retry that, and only that.
    let mut attempts = 0;
    let o = loop {
        let o = e
            .docker()
            .env("PATH", &path)
            .env("NANOCLAW_SHIM_RUNTIME", "docker")
            .args(["run", "img"])
            .output()
            .unwrap();
        attempts += 1;
        if !stderr(&o).contains("Text file busy") || attempts >= 50 {
            break o;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(o.status.code(), Some(125), "{}", stderr(&o));
    assert!(stderr(&o).contains("started by nanoclaw-shim"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    // PATH holding only the shim itself.
    let o = e
        .docker()
        .env("PATH", e.p("shim"))
        .env("NANOCLAW_SHIM_RUNTIME", "docker")
        .args(["ps"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(125));
    assert!(stderr(&o).contains("only nanoclaw-shim itself"), "{}", stderr(&o));
}

#[test]
fn bad_policy_is_refused_with_nothing_on_stdout() {
    let e = Env::new();
    let policy = e.p("policy.toml");
    std::fs::write(&policy, "[limits]\nmemory = \"lots\"\n").unwrap();
    for args in [&["run", "img"][..], &["ps"]] {
        let o = e
            .docker()
            .env("NANOCLAW_SHIM_POLICY", &policy)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(125));
        assert!(o.stdout.is_empty());
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(&format!("{}:2:10:", policy.display())), "{err}");
        assert!(!e.ran());
    }
    // A user policy that exists but is unreadable is an error, not a fallback.
    let o = e
        .docker()
        .env("NANOCLAW_SHIM_POLICY", e.p("missing.toml"))
        .args(["run", "img"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(125));
    assert!(!e.ran());
}

#[test]
fn user_policy_is_picked_up() {
    let e = Env::new();
    let dir = e.p("home/.config/nanoclaw-shim");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("policy.toml"), "[limits]\npids = 64\n").unwrap();
    let o = e.docker().args(["run", "img"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(e.recorded_argv().iter().any(|t| t == "--pids-limit=64"));
}

#[test]
fn unknown_flags_are_refused_naming_the_flag() {
    let e = Env::new();
    let o = e
        .docker()
        .args(["run", "--made-up", "x", "--privileged", "img"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(125));
    assert!(stderr(&o).contains("--made-up"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert!(!e.ran());
    let o = e.docker().args(["run", "--rm=maybe", "img"]).output().unwrap();
    assert_eq!(o.status.code(), Some(125));
    assert!(stderr(&o).contains("--rm"), "{}", stderr(&o));
}

#[test]
fn secrets_never_reach_stderr() {
    let e = Env::new();
    let o = e
        .docker()
        .args(["run", "-e", "GITHUB_TOKEN=ghp_secret", "--bogus", "img"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(125));
    assert!(!stderr(&o).contains("ghp_secret"));
    let o = e
        .docker()
        .args(["run", "--memory", "4g;TOKEN=ghp_secret", "img"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(125));
    assert!(
        stderr(&o).contains("--memory") && !stderr(&o).contains("ghp_secret"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn explain_exit_codes_and_redaction() {
    let e = Env::new();
    let o =
        e.w.cli()
            .args([
                "explain",
                "--",
                "docker",
                "run",
                "-e",
                "CLAUDE_CODE_OAUTH_TOKEN=sk-live",
                "img",
            ])
            .run();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("CLAUDE_CODE_OAUTH_TOKEN=<redacted>") && !out.contains("sk-live"),
        "{out}"
    );
    assert!(out.contains("harden.read-only"), "{out}");
    // A label's or annotation's value is hidden, in every spelling, unless it is nanoclaw's own
    // (an id) or the shim's (the thirty-sixth pass's looks saw `session=`, `sig=`, `sid=` and
    // `tok=` printed).
    let o =
        e.w.cli()
            .args([
                "explain",
                "run",
                "--label",
                "session=SECRET-sess1",
                "--label=sig=SECRET-sig1",
                "-lwebhook=SECRET-hook1",
                "--annotation",
                "com.acme.hmac=SECRET-hmac1",
                "--label",
                "sid=SECRET-sid1",
                "--label=tok=SECRET-tok1",
                "--label",
                "nanoclaw-session=sess-1786000000000-w2c7zk",
                "img",
            ])
            .run();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.contains("SECRET-"), "{out}");
    assert!(
        out.contains("session=<redacted>") && out.contains("sig=<redacted>"),
        "{out}"
    );
    // ... and as a filter's value (`ps --filter label=KEY=VALUE`).
    let o =
        e.w.cli()
            .args(["explain", "ps", "-a", "--filter", "label=tok=SECRET-tok2"])
            .run();
    let shown = String::from_utf8_lossy(&o.stdout);
    assert!(!shown.contains("SECRET-"), "{shown}");
    for filter in [
        &["-af", "label=tok=SECRET-tok3"][..],
        &["-a", "-f=label=tok=SECRET-tok4"],
    ] {
        let o = e.w.cli().args(["explain", "ps"]).args(filter).run();
        let shown = String::from_utf8_lossy(&o.stdout);
        assert!(!shown.contains("SECRET-"), "{shown}");
    }
    assert!(
        out.contains("nanoclaw-session=sess-1786000000000-w2c7zk"),
        "{out}"
    );
    let o =
        e.w.cli()
            .args([
                "explain",
                "--show-secrets",
                "--format",
                "json",
                "run",
                "-e",
                "X_TOKEN=sk-live",
                "img",
            ])
            .run();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["decision"], "rewrite");
    assert!(
        v["argv"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "X_TOKEN=sk-live")
    );
    let o = e.w.cli().args(["explain", "run", "--bogus", "img"]).run();
    assert_eq!(o.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&o.stdout).contains("parse.unknown-flag"));
    // No runtime: the shim would refuse, so explain says so.
    let o = e.w.cli().env("PATH", e.p("out")).args(["explain", "ps"]).run();
    assert_eq!(o.status.code(), Some(125));
}

#[test]
fn explain_shell_line_reproduces_the_argv() {
    let e = Env::new();
    let o =
        e.w.cli()
            .args([
                "explain",
                "--format",
                "json",
                "--",
                "run",
                "-v",
                "/srv/a b:/w",
                "img",
                "it's",
                "",
            ])
            .run();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let shell = v["shell"].as_str().unwrap().to_string();
    // Let the shell split it and compare with the JSON argv.
    let o = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("printf '%s\\0' {}", shell))
        .output()
        .unwrap();
    let split: Vec<String> = o
        .stdout
        .split(|&b| b == 0)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    let argv: Vec<String> = v["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    assert_eq!(split[..split.len() - 1], argv[..]);
}

#[test]
fn policy_check_and_show() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[hardening]\nread_only = \"yes\"\n").unwrap();
    let o = cli().args(["policy", "check"]).arg(&bad).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with(&format!("{}:2:13:", bad.display())));
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("policy/default.toml");
    let o = cli().args(["policy", "check"]).arg(&good).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let o = cli().args(["policy", "show"]).output().unwrap();
    assert!(o.status.success());
    let shown = String::from_utf8_lossy(&o.stdout);
    assert!(
        shown.contains("<embedded default>") && shown.contains("pids = 256"),
        "{shown}"
    );
    // What `show` prints is itself a valid policy equal to the one in force.
    let again = dir.path().join("shown.toml");
    std::fs::write(&again, shown.as_bytes()).unwrap();
    let o = cli().args(["policy", "check"]).arg(&again).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let o = cli().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("nanoclaw-shim "));
}

/// The environment reaches the runtime only as trusted: variables that send the command to
/// another engine are removed before exec, a runtime configuration file others can write is
/// refused, and so is a policy file others can write (exit 125, nothing run, one line).
#[test]
fn untrusted_environment_and_policy_fail_closed() {
    let e = Env::new();
    let o = e
        .docker()
        .env("DOCKER_HOST", "tcp://evil:2375")
        .env("CONTAINER_HOST", "ssh://evil/run/podman.sock")
        .args(["ps"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let env = std::fs::read_to_string(e.p("out/env")).unwrap();
    assert!(
        !env.contains("DOCKER_HOST") && !env.contains("CONTAINER_HOST"),
        "{env}"
    );
    // The loop marker, once, with the shim's pid (the runtime replaced the shim: its own pid).
    let markers: Vec<&str> = env
        .lines()
        .filter(|l| l.starts_with("NANOCLAW_SHIM_ACTIVE="))
        .collect();
    assert_eq!(markers.len(), 1, "{env}");
    assert!(
        markers[0]["NANOCLAW_SHIM_ACTIVE=".len()..].parse::<u32>().is_ok(),
        "{env}"
    );

    // A root-owned configuration file others cannot write is kept.
    let o = e
        .docker()
        .env("CONTAINERS_CONF", "/etc/hostname")
        .args(["ps"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::read_to_string(e.p("out/env"))
            .unwrap()
            .contains("CONTAINERS_CONF=/etc/hostname")
    );

    // One anybody can write is refused, before anything runs.
    std::fs::remove_file(e.p("out/argv")).unwrap();
    let conf = e.p("home/containers.conf");
    std::fs::write(&conf, "[containers]\nvolumes = [\"/:/host\"]\n").unwrap();
    std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o666)).unwrap();
    let o = e
        .docker()
        .env("CONTAINERS_CONF", &conf)
        .args(["ps"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(125), "{}", stderr(&o));
    assert!(o.stdout.is_empty() && !e.ran());
    assert!(
        stderr(&o).contains("deny.environment") && stderr(&o).lines().count() == 1,
        "{}",
        stderr(&o)
    );

    // So are podman's flags by another name (the red team's: a storage option's mount_program
    // ran on the host as root; the twenty-third look's `PODMAN_USERNS`, `--userns`'s default,
    // mapped a rootful container's uid 1000 onto the host's root).
    for (name, value, args) in [
        ("STORAGE_OPTS", "overlay.mount_program=/tmp/evil", &["ps"][..]),
        ("STORAGE_DRIVER", "vfs", &["ps"][..]),
        (
            "PODMAN_USERNS",
            "auto:uidmapping=1000:0:1,gidmapping=1000:0:1",
            &["run", "--rm", "img", "true"][..],
        ),
        ("PODMAN_USERNS", "host", &["create", "img"][..]),
    ] {
        let o = e.docker().env(name, value).args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(125), "{name}: {}", stderr(&o));
        assert!(o.stdout.is_empty() && !e.ran());
        assert!(
            stderr(&o).contains(name) && stderr(&o).contains("deny.environment"),
            "{}",
            stderr(&o)
        );
    }
    // Set but empty, it asks nothing.
    let o = e.docker().env("STORAGE_OPTS", "").args(["ps"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::remove_file(e.p("out/argv")).unwrap();

    // So is a policy file anybody can write.
    let policy = e.p("home/policy.toml");
    std::fs::write(&policy, "mode = \"off\"\n").unwrap();
    std::fs::set_permissions(&policy, std::fs::Permissions::from_mode(0o666)).unwrap();
    let o = e
        .docker()
        .env("NANOCLAW_SHIM_POLICY", &policy)
        .args(["run", "--privileged", "img"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(125), "{}", stderr(&o));
    assert!(o.stdout.is_empty() && !e.ran());
    assert!(
        stderr(&o).contains("someone other than its owner and root can change")
            && stderr(&o).contains("chmod go-w")
            && stderr(&o).lines().count() == 1,
        "{}",
        stderr(&o)
    );
    // And one in container storage, the caller's alone but a container's to write: a named
    // volume's folder, which an agent mounting the volume by name rewrote to `mode = "off"`
    // (the look `hd`), directly or as `XDG_CONFIG_HOME`.
    let volume = e.p("home/.local/share/containers/storage/volumes/agents/_data");
    std::fs::create_dir_all(volume.join("nanoclaw-shim")).unwrap();
    for d in volume.ancestors().take_while(|d| d.starts_with(e.p("home"))) {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    for file in [
        volume.join("policy.toml"),
        volume.join("nanoclaw-shim/policy.toml"),
    ] {
        std::fs::write(&file, "mode = \"off\"\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    for (name, value) in [
        ("NANOCLAW_SHIM_POLICY", volume.join("policy.toml")),
        ("XDG_CONFIG_HOME", volume.clone()),
    ] {
        let o = e
            .docker()
            .env(name, &value)
            .args(["run", "--privileged", "img"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(125), "{name}: {}", stderr(&o));
        assert!(o.stdout.is_empty() && !e.ran(), "{name}");
        assert!(
            stderr(&o).contains("container storage") && stderr(&o).lines().count() == 1,
            "{name}: {}",
            stderr(&o)
        );
    }
}

/// A value that does not read as what its flag takes is named by its length, never shown, on
/// every command (the red team's: `update --memory SECRET` printed it), and a credential given
/// as a flag's separate value stays out of the diagnostics.
#[test]
fn values_that_do_not_parse_are_not_echoed() {
    let e = Env::new();
    for words in [
        &["update", "--memory", "SECRETVAL123", "c"][..],
        &["update", "--pids-limit", "SECRETVAL123", "c"],
        &["update", "--cpus", "SECRETVAL123", "c"],
        &["update", "--memory-swap=SECRETVAL123", "c"],
        &["build", "--ulimit", "SECRETVAL123", "/tmp"],
        &["network", "create", "--subnet", "SECRETVAL123", "n"],
        &["run", "--memory", "SECRETVAL123", "img"],
        &["run", "--rm=SECRETVAL123", "img"],
    ] {
        let o = e.docker().args(words).output().unwrap();
        assert_eq!(o.status.code(), Some(125), "{words:?}: {}", stderr(&o));
        assert!(
            !stderr(&o).contains("SECRETVAL123") && stderr(&o).contains("12 bytes"),
            "{words:?}: {}",
            stderr(&o)
        );
    }
    let o = e
        .docker()
        .env("NANOCLAW_SHIM_LOG", "debug")
        .args(["pull", "--creds", "u:SECRETVAL123", "img"])
        .output()
        .unwrap();
    assert!(!stderr(&o).contains("SECRETVAL123"), "{}", stderr(&o));
    assert!(stderr(&o).contains("argv: docker pull --creds"), "{}", stderr(&o));
}

/// A relative `CONTAINERS_CONF` is read from the working folder, as podman reads it; where that
/// folder is gone, the environment's trust check refuses it, before anything runs (the look
/// `gk` found a relative one never judged at all).
#[test]
fn a_relative_configuration_without_a_working_folder_is_refused() {
    let e = Env::new();
    let gone = e.p("gone");
    std::fs::create_dir_all(&gone).unwrap();
    let d = e.docker();
    let mut c = Command::new("sh");
    c.env_clear();
    for (k, v) in d.get_envs() {
        if let Some(v) = v {
            c.env(k, v);
        }
    }
    c.env("CONTAINERS_CONF", "containers.conf")
        .args([
            "-c",
            "cd \"$1\" && rmdir \"$1\" && exec \"$2\" run --rm img",
            "sh",
        ])
        .arg(&gone)
        .arg(d.get_program());
    let o = c.output().unwrap();
    assert_eq!(o.status.code(), Some(125), "{}", stderr(&o));
    assert!(o.stdout.is_empty() && !e.ran());
    assert!(
        stderr(&o).contains("CONTAINERS_CONF")
            && stderr(&o).contains("[deny.environment]")
            && stderr(&o).lines().count() == 1,
        "{}",
        stderr(&o)
    );
}

/// The environment's rules follow the mode, as every rule does: enforce refuses a runtime
/// configuration others can write and removes a redirect; audit runs the call with the caller's
/// environment and says what enforce would have refused; off is a plain passthrough.
#[test]
fn the_environment_rules_follow_the_mode() {
    let e = Env::new();
    let conf = e.p("home/containers.conf");
    std::fs::write(&conf, "[containers]\nseccomp_profile = \"unconfined\"\n").unwrap();
    std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o666)).unwrap();
    let call = |mode: &str| {
        e.w.write("policy.toml", &format!("mode = \"{mode}\"\n"));
        let _ = std::fs::remove_file(e.p("out/env"));
        e.docker()
            .env("CONTAINERS_CONF", &conf)
            .env("CONTAINER_HOST", "ssh://elsewhere/run/podman.sock")
            .env("NANOCLAW_SHIM_LOG", "warn")
            .args(["run", "--rm", "img"])
            .output()
            .unwrap()
    };
    let o = call("enforce");
    assert_eq!(o.status.code(), Some(125), "{}", stderr(&o));
    assert!(stderr(&o).contains("[deny.environment]"), "{}", stderr(&o));
    assert!(!e.p("out/env").exists(), "enforce ran the runtime");
    for mode in ["audit", "off"] {
        let o = call(mode);
        assert!(o.status.success(), "{mode}: {}", stderr(&o));
        let env = std::fs::read_to_string(e.p("out/env")).unwrap();
        assert!(
            env.contains(&format!("CONTAINERS_CONF={}", conf.display()))
                && env.contains("CONTAINER_HOST=ssh://elsewhere"),
            "{mode}: the caller's environment did not reach the runtime:\n{env}"
        );
        let said = stderr(&o).contains("enforce would refuse") && stderr(&o).contains("[deny.environment]");
        assert_eq!(said, mode == "audit", "{mode}: {}", stderr(&o));
    }
}

/// A policy that is not a regular file is refused at once: a FIFO's open waited for a writer,
/// and every docker call hung (the red team's).
#[test]
fn a_policy_that_is_a_fifo_is_refused_without_waiting() {
    let e = Env::new();
    let fifo = e.p("home/policy.fifo");
    let made = Command::new("mkfifo")
        .args(["-m", "600"])
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let mut child = e
        .docker()
        .env("NANOCLAW_SHIM_POLICY", &fifo)
        .args(["ps"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > std::time::Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("the shim waited on a FIFO named as its policy");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(125), "{err}");
    assert!(err.contains("not a regular file") && !e.ran(), "{err}");
}

/// An edited policy is parsed once, then recalled from the cache folder while its text is the
/// same; an edit takes effect on the very next call.
#[test]
fn an_edited_policy_is_parsed_once_and_an_edit_is_seen_at_once() {
    let e = Env::new();
    let call = |want_pids: &str, want_log: &str| {
        let o = e
            .docker()
            .env("NANOCLAW_SHIM_LOG", "debug")
            .args(["run", "--rm", "img"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let argv = e.recorded_argv();
        assert!(
            argv.iter().any(|t| t == want_pids),
            "{want_pids} missing from {argv:?}"
        );
        assert!(
            stderr(&o).contains(want_log),
            "{want_log:?} not in:\n{}",
            stderr(&o)
        );
    };
    e.w.write("policy.toml", "[limits]\npids = 111\n");
    call("--pids-limit=111", "policy: parsed");
    call(
        "--pids-limit=111",
        "policy: compiled before from this very text: not parsed",
    );
    let memory: Vec<_> = std::fs::read_dir(e.p("home/.cache/nanoclaw-shim"))
        .unwrap()
        .flatten()
        .filter(|f| f.file_name().to_string_lossy().starts_with("policy."))
        .collect();
    assert_eq!(memory.len(), 1);
    assert_eq!(memory[0].metadata().unwrap().permissions().mode() & 0o777, 0o600);
    // The same length and the same mtime second would not fool it: the text is compared whole.
    e.w.write("policy.toml", "[limits]\npids = 222\n");
    call("--pids-limit=222", "policy: parsed");
    call(
        "--pids-limit=222",
        "policy: compiled before from this very text: not parsed",
    );
}

/// A refusal quotes the caller's token; its control characters are written out, so that a
/// terminal or a log viewer cannot be made to erase the line and show something else.
#[test]
fn a_refusal_line_prints_no_control_characters() {
    let e = Env::new();
    for args in [
        &["run", "-v", "/root/.ssh\u{1b}[2K\r:/k", "img"][..],
        &["--bogus\u{1b}[2K\rnanoclaw-shim: ok", "ps"],
        &["frobnicate\u{7}\u{1b}]0;x\u{7}"],
    ] {
        let o = e.docker().args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(125), "{args:?}");
        assert!(o.stdout.is_empty());
        let err = stderr(&o);
        assert!(
            !err.trim_end_matches('\n').chars().any(char::is_control) && err.contains(r"\x1b"),
            "{args:?}: {err:?}"
        );
        assert_eq!(err.lines().count(), 1, "{err:?}");
    }
}

/// `NANOCLAW_SHIM_POLICY` names the policy by its absolute path or not at all: a relative name is
/// read from whatever folder nanoclaw was started in, and an empty one names nothing (the
/// thirty-second pass's look: both were silent, one reading a different policy per folder).
/// Refused with one line, nothing run; a policy in a folder someone else can write is refused
/// whether or not the file is there when checked (the same look raced a file in so).
#[test]
fn a_policy_named_relatively_emptily_or_in_another_s_folder_is_refused() {
    let e = Env::new();
    std::fs::write(e.p("home/policy.toml"), "mode = \"off\"\n").unwrap();
    for value in ["policy.toml", "./policy.toml", ""] {
        let o = e
            .docker()
            .current_dir(e.p("home"))
            .env("NANOCLAW_SHIM_POLICY", value)
            .args(["run", "img"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(125), "{value:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty() && !e.ran(), "{value:?}");
        assert!(
            stderr(&o).lines().count() == 1 && stderr(&o).contains("NANOCLAW_SHIM_POLICY"),
            "{value:?}: {}",
            stderr(&o)
        );
    }
    // A missing file in a folder others can write: refused as unreadable, never opened later.
    let shared = e.p("home/shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let o = e
        .docker()
        .env("NANOCLAW_SHIM_POLICY", shared.join("policy.toml"))
        .args(["run", "img"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(125), "{}", stderr(&o));
    assert!(o.stdout.is_empty() && !e.ran());
}

/// A runtime named like docker is podman's unless the policy says `flavor = "docker"` and it
/// answers `--version` as docker's engine does:
/// podman-docker's `/usr/bin/docker` (a script that execs podman) lost every podman-only
/// hardening, the proxy's credentials reaching the container without `--http-proxy=false` (the
/// thirty-second pass's look).
#[test]
fn a_runtime_named_docker_is_hardened_as_podman_unless_it_answers_as_docker() {
    let e = Env::new();
    let rt = e.p("rt/podman");
    assert!(rt.exists(), "the fake runtime lies at {}", rt.display());
    let dir = e.p("named");
    std::fs::create_dir(&dir).unwrap();
    let script = |name: &str, body: String| {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    };
    let wrapper = script("docker", format!("#!/bin/sh\nexec {} \"$@\"\n", rt.display()));
    let engine = script(
        "docker-engine",
        format!(
            "#!/bin/sh\n[ \"$1\" = --version ] && {{ echo 'Docker version 27.1.1, build 6312585'; exit 0; }}\nexec {} \"$@\"\n",
            rt.display()
        ),
    );
    let run = |runtime: &Path| {
        let o = e
            .docker()
            .env("NANOCLAW_SHIM_RUNTIME", runtime)
            .args(["run", "--rm", "img", "true"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}: {}", runtime.display(), stderr(&o));
        e.recorded_argv()
    };
    let argv = run(&wrapper);
    assert!(argv.iter().any(|t| t == "--http-proxy=false"), "{argv:?}");
    assert!(
        argv.iter()
            .any(|t| t.to_string_lossy().starts_with("--security-opt=seccomp=")),
        "{argv:?}"
    );
    // Answering as docker is not enough: docker's grammar is the policy's explicit choice (a
    // docker client in front of podman's socket answers as docker too).
    let argv = run(&engine);
    assert!(argv.iter().any(|t| t == "--http-proxy=false"), "{argv:?}");
    std::fs::write(e.p("policy.toml"), "[runtime]\nflavor = \"docker\"\n").unwrap();
    std::fs::set_permissions(e.p("policy.toml"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let argv = run(&engine);
    assert!(
        !argv.iter().any(|t| t == "--http-proxy=false"),
        "docker's engine has no such flag: {argv:?}"
    );
    let argv = run(&wrapper);
    assert!(
        argv.iter().any(|t| t == "--http-proxy=false"),
        "podman told docker: {argv:?}"
    );
}
