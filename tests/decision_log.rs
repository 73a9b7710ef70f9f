//! The decision log under concurrency and failure: 10 processes × 200 invocations at once give
//! 2000 complete JSON lines; a log that cannot be written never breaks the docker call.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::{Command, Stdio};

fn setup(dir: &Path, log: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    std::fs::create_dir_all(dir.join("shim")).unwrap();
    std::fs::create_dir_all(dir.join("rt")).unwrap();
    symlink(env!("CARGO_BIN_EXE_nanoclaw-shim"), dir.join("shim/docker")).unwrap();
    let rt = dir.join("rt/podman");
    std::fs::write(&rt, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&rt, std::fs::Permissions::from_mode(0o755)).unwrap();
    let policy = dir.join("policy.toml");
    std::fs::write(
        &policy,
        format!("[log]\npath = {:?}\n", log.display().to_string()),
    )
    .unwrap();
    (
        policy,
        std::env::join_paths([dir.join("shim"), dir.join("rt"), "/usr/bin".into(), "/bin".into()])
            .unwrap()
            .into(),
    )
}

fn docker(dir: &Path, policy: &Path, path: &Path) -> Command {
    let mut c = Command::new(dir.join("shim/docker"));
    c.env_clear()
        .env("PATH", path)
        .env("NANOCLAW_SHIM_POLICY", policy)
        .stdin(Stdio::null());
    c
}

#[test]
fn concurrent_writers_yield_complete_lines() {
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("decisions.jsonl");
    let (policy, path) = setup(d.path(), &log);
    let workers: Vec<_> = (0..10)
        .map(|w| {
            let (dir, policy, path) = (d.path().to_path_buf(), policy.clone(), path.clone());
            std::thread::spawn(move || {
                for i in 0..200 {
                    let privileged = i % 10 == 0;
                    let mut c = docker(&dir, &policy, &path);
                    c.args([
                        "run",
                        "--rm",
                        "--name",
                        &format!("w{w}-{i}"),
                        "-e",
                        "API_TOKEN=sekrit",
                    ]);
                    if privileged {
                        c.arg("--privileged");
                    }
                    let status = c.arg("img").status().unwrap();
                    assert_eq!(status.code(), Some(if privileged { 125 } else { 0 }));
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("sekrit"), "a secret reached the log");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2000);
    let mut refused = 0;
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(line).expect("a complete JSON line");
        for key in [
            "time", "pid", "mode", "profile", "decision", "rules", "argv", "final",
        ] {
            assert!(v.get(key).is_some(), "{key} missing in {line}");
        }
        if v["decision"] == "refuse" {
            refused += 1;
            // the rule that refused, once; not the hardening that never ran
            assert_eq!(v["rules"], serde_json::json!(["deny.privileged"]), "{line}");
            assert!(v["final"].is_null());
        } else {
            assert_eq!(v["decision"], "rewrite");
            assert!(v["final"].as_array().unwrap().iter().any(|t| t == "--read-only"));
        }
    }
    assert_eq!(refused, 200);
}

#[test]
fn an_unwritable_log_warns_once_and_the_call_goes_on() {
    let d = tempfile::tempdir().unwrap();
    // A directory where the log file should be: it can never be opened for appending.
    let log = d.path().join("is-a-dir");
    std::fs::create_dir(&log).unwrap();
    let (policy, path) = setup(d.path(), &log);
    let o = docker(d.path(), &policy, &path)
        .args(["run", "img"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "the docker call must still run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("decision log") && err.contains("warning"), "{err}");
    assert!(o.stdout.is_empty());
    // A refusal is still a refusal, with its own line after the warning.
    let o = docker(d.path(), &policy, &path)
        .args(["run", "--privileged", "img"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(125));
}

#[test]
fn passthrough_commands_are_not_logged() {
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("decisions.jsonl");
    let (policy, path) = setup(d.path(), &log);
    let o = docker(d.path(), &policy, &path)
        .args(["ps", "-a"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(!log.exists());
}
