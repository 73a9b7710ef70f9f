//! `nanoclaw-shim verify` cleans up after itself when it is interrupted, and removes what an
//! earlier, killed run left behind. The runtime is a fake `podman` that records every argv it
//! gets (one line each) and answers just enough for verify to go on.

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::World;

/// A pid that cannot run: Linux pids stay below pid_max, which is at most 2^22.
const DEAD_PID: u32 = 4_194_304;

fn fake_podman(w: &World) -> PathBuf {
    let script = format!(
        r#"#!/bin/sh
# podman's global options of the mount check (its hook folder, no mounts.conf) come first on a run.
while [ "${{1#--hooks-dir=}}" != "$1" ] || [ "$1" = --default-mounts-file=/dev/null ]; do shift; done
printf '%s\n' "$*" >> "{log}"
case "$1" in
  --version) echo "podman version 4.3.1" ;;
  info) echo false ;;
  images)
    case "$*" in
      *"label=nanoclaw-shim.verify"*) [ -e "{leftover}" ] && echo img-left ;;
      *) echo localhost/nanoclaw-agent:latest ;;
    esac ;;
  ps)
    case "$*" in
      *"label=nanoclaw-shim.verify="*) ;;
      *"label=nanoclaw-shim.verify"*) [ -e "{leftover}" ] && printf 'ctr-left\nctr-live\n' ;;
    esac ;;
  inspect)
    case "$*" in
      *ctr-left*) printf 'ctr-left\t{dead}-123\nctr-live\t%s-456\n' "{live}" ;;
    esac ;;
  image)
    case "$*" in
      *RepoTags*) echo localhost/nanoclaw-shim-verify-build-img-left:latest ;;
      *img-left*) printf 'img-left\t{dead}-789\n' ;;
      *Size*) echo 1000 ;;
    esac ;;
  container)
    # The shim asks who made a container it is to signal (`deny.foreign-container`): verify's
    # own, made through it under enforce.
    case "$*" in
      *inspect*) echo "{id} nanoclaw-shim/test mode=enforce" ;;
    esac ;;
  run|create) [ -e "{leftover}" ] && exit 1; exec sleep 30 ;;
esac
exit 0
"#,
        log = w.p("argv.log").display(),
        dead = DEAD_PID,
        // What the test tells the runtime is written into the script, or a file beside it: the
        // runtime is given no variable of the test's own (`deny.environment`).
        leftover = w.p("leftover").display(),
        live = std::process::id(),
        id = "c".repeat(64),
    );
    w.script("rt/podman", &script)
}

fn verify(w: &World, leftover: bool) -> Child {
    let rt = fake_podman(w);
    fs::create_dir_all(w.p("tmp")).unwrap();
    let mut c = w
        .cli()
        .args(["verify", "--runtime"])
        .args([&rt])
        .args([std::ffi::OsStr::new("--work-dir"), w.p("tmp").as_os_str()])
        .env("PATH", "/usr/bin:/bin")
        .command();
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    if leftover {
        fs::write(w.p("leftover"), "").unwrap();
    } else {
        let _ = fs::remove_file(w.p("leftover"));
    }
    c.spawn().unwrap()
}

fn calls(w: &World) -> Vec<String> {
    fs::read_to_string(w.p("argv.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn wait_for(what: &str, deadline: Duration, mut done: impl FnMut() -> bool) {
    let end = Instant::now() + deadline;
    while !done() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn interrupted_run_cleans_up(signal: &str, code: i32) {
    let w = World::new().policy("");
    let child = verify(&w, false);
    // Wait until a container is being run (the build came first), then interrupt.
    wait_for("the first `run`", Duration::from_secs(60), || {
        calls(&w).iter().any(|l| l.starts_with("run "))
    });
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap()
            .success()
    );
    let t0 = Instant::now();
    let out = child.wait_with_output().unwrap();
    let took = t0.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(took < Duration::from_secs(20), "cleanup took {took:?}");
    assert!(stderr.contains("interrupted"), "{stderr}");

    let log = calls(&w);
    let run = log.iter().find(|l| l.starts_with("run ")).unwrap();
    // Every container verify starts carries its label...
    assert!(run.contains("--label nanoclaw-shim.verify="), "{run}");
    // ...and the one in flight is named, and removed by name.
    let name = run
        .split_whitespace()
        .skip_while(|w| *w != "--name")
        .nth(1)
        .unwrap_or_else(|| panic!("no --name in {run}"));
    assert!(
        log.iter()
            .any(|l| (l.starts_with("rm -f") || l.starts_with("rm --time=0 -f"))
                && l.split_whitespace().any(|w| w == name)),
        "{name} not removed:\n{}",
        log.join("\n")
    );
    assert!(
        log.iter()
            .any(|l| l.starts_with("rmi -f nanoclaw-shim-verify-build-")),
        "the built image was not removed:\n{}",
        log.join("\n")
    );
    // Nothing ran after the interruption but the cleanup.
    let started = log
        .iter()
        .filter(|l| l.starts_with("run ") || l.starts_with("create "))
        .count();
    assert_eq!(
        started,
        1,
        "containers started after the interruption:\n{}",
        log.join("\n")
    );
    let after = log.iter().position(|l| l.starts_with("kill ")).unwrap();
    for l in &log[after..] {
        assert!(
            ["kill ", "rm ", "rmi ", "ps "].iter().any(|p| l.starts_with(p)),
            "`{l}` ran after the interruption"
        );
    }
    // The temporary folder is gone.
    let left: Vec<_> = fs::read_dir(w.p("tmp")).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn sigterm_cleans_up() {
    interrupted_run_cleans_up("-TERM", 143);
}

#[test]
fn sigint_cleans_up() {
    interrupted_run_cleans_up("-INT", 130);
}

#[test]
fn a_later_run_removes_what_a_killed_run_left() {
    let w = World::new().policy("");
    // A killed run's temporary folder, and a live run's.
    let tmp = w.p("tmp");
    fs::create_dir_all(tmp.join(format!("nanoclaw-shim-verify-{DEAD_PID}-1-0/bin"))).unwrap();
    let live = tmp.join(format!("nanoclaw-shim-verify-{}-1-0", std::process::id()));
    fs::create_dir_all(&live).unwrap();
    let out = verify(&w, true).wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let log = calls(&w);
    let all = log.join("\n");
    assert!(
        log.iter()
            .any(|l| (l.starts_with("rm -f") || l.starts_with("rm --time=0 -f")) && l.contains("ctr-left")),
        "{all}"
    );
    assert!(
        !log.iter().any(|l| l.starts_with("rm") && l.contains("ctr-live")),
        "a live run's container was removed:\n{all}"
    );
    assert!(
        log.iter()
            .any(|l| l.starts_with("rmi -f") && l.contains("img-left")),
        "{all}"
    );
    assert!(stdout.contains("removed 1 container(s)"), "{stdout}");
    assert!(stdout.contains("removed 1 image(s)"), "{stdout}");
    assert!(stdout.contains("removed 1 temporary folder(s)"), "{stdout}");
    assert!(live.exists());
}
