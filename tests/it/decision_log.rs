//! The decision log under concurrency and failure: 10 processes × 200 invocations at once give
//! 2000 complete JSON lines; a log that cannot be written never breaks the docker call.

use std::path::PathBuf;
use std::sync::Arc;

use crate::support::{RUNTIME_OK, World};

/// A world whose policy logs to `log` (a path inside it); `prepare` runs first (to make the
/// log unwritable, say).
fn world(log: &str, prepare: impl FnOnce(&PathBuf)) -> (World, PathBuf) {
    let w = World::new().fake_runtime(RUNTIME_OK);
    let log = w.p(log);
    prepare(&log);
    let policy = format!("[log]\npath = {:?}\n", log.display().to_string());
    (w.policy(&policy), log)
}

#[test]
fn concurrent_writers_yield_complete_lines() {
    let (world, log) = world("decisions.jsonl", |_| {});
    let world = Arc::new(world);
    let workers: Vec<_> = (0..10)
        .map(|w| {
            let world = Arc::clone(&world);
            std::thread::spawn(move || {
                for i in 0..200 {
                    let privileged = i % 10 == 0;
                    let mut c = world.docker().command();
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
    // A directory where the log file should be: it can never be opened for appending.
    let (w, _) = world("is-a-dir", |log| std::fs::create_dir(log).unwrap());
    let o = w.docker().args(["run", "img"]).run();
    assert_eq!(o.status.code(), Some(0), "the docker call must still run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("decision log") && err.contains("warning"), "{err}");
    assert!(o.stdout.is_empty());
    // A refusal is still a refusal, with its own line after the warning.
    let o = w.docker().args(["run", "--privileged", "img"]).run();
    assert_eq!(o.status.code(), Some(125));
}

/// A log in container storage (a named volume's folder, the caller's own, which an agent that
/// mounts the volume by name read and forged lines in: the look `hd`) is not written: the
/// call warns and goes on, and nothing is created there.
#[test]
fn a_log_in_container_storage_is_not_written() {
    let (w, log) = world(
        ".local/share/containers/storage/volumes/logs/_data/decisions.jsonl",
        |log| {
            std::fs::create_dir_all(log.parent().unwrap()).unwrap();
        },
    );
    let o = w.docker().args(["run", "img"]).run();
    assert_eq!(o.status.code(), Some(0), "the docker call must still run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("decision log") && err.contains("container storage"),
        "{err}"
    );
    assert!(!log.exists(), "the log was written in container storage");
}

#[test]
fn passthrough_commands_are_not_logged() {
    let (w, log) = world("decisions.jsonl", |_| {});
    let o = w.docker().args(["ps", "-a"]).run();
    crate::support::ok(&o);
    assert!(!log.exists());
}

#[test]
fn credential_values_reach_neither_the_log_nor_stderr() {
    // Each carries a secret where the shim's redaction must find it: a credential flag's value
    // on its own (not `--flag=value`), a login password, a value the shim cannot parse, and a
    // password inside a health check's command.
    let (w, log) = world("decisions.jsonl", |_| {});
    let calls: &[&[&str]] = &[
        &["pull", "--creds", "user:SEKRIT1", "img"],
        &["run", "--decryption-key", "/tmp/k:SEKRIT2", "img"],
        &["login", "--password", "SEKRIT3", "reg.example"],
        &["login", "-u", "u", "-p", "SEKRIT4", "reg.example"],
        &[
            "run",
            "--health-cmd",
            "curl -fsS -u admin:SEKRIT7 http://localhost/",
            "img",
        ],
        &[
            "run",
            "--health-cmd",
            "curl -H 'X-Api-Key: SEKRIT8' http://localhost/",
            "img",
        ],
        &["login", "-pSEKRIT9", "reg.example"],
    ];
    for words in calls {
        let o = w.docker().args(*words).run();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("SEKRIT"), "{words:?}: stderr shows a secret: {err}");
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.lines().count() >= 6, "{text}");
    assert!(!text.contains("SEKRIT"), "a secret reached the log:\n{text}");
    // A value the shim cannot read is named by its length: not on stderr, not in the log's
    // reason (the log's argv keeps it, as it keeps every value that does not look secret).
    for words in [
        &["run", "--memory", "SEKRIT5", "img"][..],
        &["run", "--cpus", "SEKRIT6", "img"],
    ] {
        let o = w.docker().args(words).run();
        assert_eq!(o.status.code(), Some(125));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !err.contains("SEKRIT") && err.contains("bytes"),
            "{words:?}: {err}"
        );
    }
    let text = std::fs::read_to_string(&log).unwrap();
    for line in text.lines().filter(|l| l.contains("parse.bad-value")) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(!v["reason"].as_str().unwrap().contains("SEKRIT"), "{line}");
    }
}

/// A call its environment refuses (`deny.environment`) is logged as refused, with that rule,
/// not as the rewrite its argv alone would have been.
/// A refusal's reason quotes the caller's tokens: a password in a build context's URL reached
/// stderr and the log's `reason` (the red team's), though the log's `argv` hid it.
#[test]
fn a_refusal_s_reason_is_redacted_on_stderr_and_in_the_log() {
    let (world, log) = world("decisions.jsonl", |_| {});
    for url in [
        "https://user:SECRETVAL123@github.com/o/r",
        "http://user:SECRETVAL123@127.0.0.1:8080/ctx.tar",
    ] {
        let o = world.docker().args(["build", "-t", "nanoclaw-x", url]).run();
        assert_eq!(o.status.code(), Some(125));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(stderr.contains("deny.build"), "{stderr}");
        assert!(
            !stderr.contains("SECRETVAL123"),
            "a password reached stderr: {stderr}"
        );
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("<redacted>@github.com"), "{text}");
    assert!(
        !text.contains("SECRETVAL123"),
        "a password reached the log: {text}"
    );
}

#[test]
fn an_environment_refusal_is_logged_as_one() {
    let (world, log) = world("decisions.jsonl", |_| {});
    let conf = world.write("writable.conf", "");
    let mut perms = std::fs::metadata(&conf).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o666);
    std::fs::set_permissions(&conf, perms).unwrap();
    let o = world
        .docker()
        .args(["run", "--rm", "img"])
        .env("CONTAINERS_CONF", &conf)
        .run();
    assert_eq!(o.status.code(), Some(125));
    let text = std::fs::read_to_string(&log).unwrap();
    let v: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(v["decision"], "refuse", "{v}");
    assert!(v["rules"].to_string().contains("deny.environment"), "{v}");
}

/// A call refused where the runtime is handed what rides beside the argv (the mount check's
/// hook folder, here in a cache folder anyone may write) is logged as refused, not as
/// rewritten (the seventy-sixth look's).
#[test]
fn a_refusal_at_the_hand_over_is_logged_as_one() {
    let (world, log) = world("decisions.jsonl", |_| {});
    let cache = world.p("cache");
    std::fs::create_dir(&cache).unwrap();
    std::fs::set_permissions(&cache, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let o = world
        .docker()
        .args(["run", "--rm", "img"])
        .env("XDG_CACHE_HOME", &cache)
        .run();
    let err = crate::support::text(&o.stderr);
    assert_eq!(o.status.code(), Some(125), "{err}");
    assert!(err.contains("[harden.mount-check]"), "{err}");
    let text = std::fs::read_to_string(&log).unwrap();
    let v: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(v["decision"], "refuse", "{v}");
    assert_eq!(v["rules"], serde_json::json!(["harden.mount-check"]), "{v}");
    assert!(v["final"].is_null(), "{v}");
}

/// The log holds every call's argv, other agents' among them, redacted by shape only: no
/// container mounts it, nor its folder, even read-only (the fifty-second look's).
#[test]
fn the_log_is_never_mounted_into_a_container() {
    let (w, log) = world("logs/decisions.jsonl", |log| {
        std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    });
    let o = w.docker().args(["run", "--rm", "img"]).run();
    assert_eq!(o.status.code(), Some(0));
    assert!(log.exists(), "the call was not logged");
    for source in [log.clone(), log.parent().unwrap().to_path_buf()] {
        let spec = format!("{}:/m:ro", source.display());
        let o = w.docker().args(["run", "--rm", "-v", &spec, "img"]).run();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(125), "{spec}: {err}");
        assert!(err.contains("deny.credentials"), "{spec}: {err}");
    }
}
