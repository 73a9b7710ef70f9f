//! The argv nanoclaw's own host code produces, one generation at a time (`fixtures/nanoclaw/real/`,
//! provenance in each file's `source` and in that folder's README), through the built binary's
//! `explain --format json`, with the default policy and a fake podman 4.3.1.
//!
//! Every fixture must parse (no `parse.*` refusal). A `run`/`create` the shim rewrites must keep
//! every original `-e`/`-v` pair, in order, and end with the original image and command, byte for
//! byte; a pass-through must reach the runtime unchanged. None is refused: the v1 main group's
//! `-v /dev/null:/workspace/project/.env:ro` shadow (nanoclaw #646) included.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::support::World;

struct Fixture {
    name: String,
    argv: Vec<String>,
}

fn fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/nanoclaw/real");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{name}: not JSON: {e}"));
        // Same field set as fixtures/nanoclaw/*.json, plus where it came from.
        let keys: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            BTreeSet::from(["argv", "description", "source"]),
            "{name}: fields"
        );
        let source = v["source"].as_object().unwrap();
        for key in ["repo", "commit", "date", "how"] {
            assert!(
                source
                    .get(key)
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty()),
                "{name}: source.{key} missing"
            );
        }
        let argv = v["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        out.push(Fixture { name, argv });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    let names: BTreeSet<&str> = out.iter().map(|f| f.name.as_str()).collect();
    for required in [
        "v1-main",
        "v1-proxy-main",
        "v1-onecli-main",
        "v2-may",
        "v2-june",
        "v2-may-build",
        "newest-create",
        "newest-start-attach",
    ] {
        assert!(names.contains(required), "fixture {required} missing");
    }
    out
}

/// A podman that answers the shim's probes like Debian 12's 4.3.1.
/// podman 4.3.1, whose containers all carry the shim's mark: nanoclaw's `exec` names a session
/// container it created through the shim (`deny.foreign-container` asks; the e2e tests ask real
/// podman about real containers).
/// The full ID the fake runtime gives every container.
const PINNED_ID: &str = "abababababababababababababababababababababababababababababababab";

const RUNTIME: &str = "#!/bin/sh\ncase \"$1 $2\" in \"network ls\") echo '10.88.0.0/16 '; exit 0 ;; \"container inspect\") echo 'abababababababababababababababababababababababababababababababab nanoclaw-shim/0.1.0 mode=enforce rules=harden.read-only'; exit 0 ;; esac\necho podman version 4.3.1\n";

fn fake_runtime() -> World {
    World::new().fake_runtime(RUNTIME)
}

fn explain(w: &World, argv: &[String]) -> (Option<i32>, Value) {
    // nanoclaw runs as alice, from her checkout's world: her home is the fixtures' home.
    let o = w
        .cli()
        .env("HOME", "/home/alice")
        .args(["explain", "--show-secrets", "--format", "json", "--", "docker"])
        .args(argv)
        .run();
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "explain printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code(), v)
}

/// docker run/create options that take a separate value, as these fixtures spell them.
const VALUED: &[&str] = &[
    "--name",
    "--label",
    "-e",
    "--env",
    "-v",
    "--volume",
    "--user",
    "-u",
    "--entrypoint",
    "--security-opt",
    "--pids-limit",
    "--network",
    "--cpus",
    "--memory",
    "--add-host",
    "--shm-size",
    "--cap-drop",
    "--cap-add",
    "--tmpfs",
];

/// The image and everything after it.
fn image_and_command(args: &[String]) -> &[String] {
    let mut i = 0;
    while i < args.len() {
        let t = args[i].as_str();
        if t == "--" {
            return &args[i + 1..];
        }
        if !t.starts_with('-') {
            return &args[i..];
        }
        i += if VALUED.contains(&t) { 2 } else { 1 };
    }
    panic!("no image in {args:?}")
}

/// The `-e`/`-v` pairs, in order.
fn env_and_volume_pairs(args: &[String]) -> Vec<(String, String)> {
    let opts = &args[..args.len() - image_and_command(args).len()];
    opts.windows(2)
        .filter(|w| w[0] == "-e" || w[0] == "-v")
        .map(|w| (w[0].clone(), w[1].clone()))
        .collect()
}

fn is_subsequence(needle: &[(String, String)], hay: &[(String, String)]) -> bool {
    let mut it = hay.iter();
    needle.iter().all(|n| it.any(|h| h == n))
}

#[test]
fn every_real_nanoclaw_argv_parses_and_keeps_its_shape() {
    let rt = fake_runtime();
    let mut refused = Vec::new();
    for mut f in fixtures() {
        // A build's Containerfile must be there to be checked: nanoclaw's per-agent shape, from
        // `scratch` (the fake runtime has no image store to ask about a base image; the e2e
        // tests build nanoclaw's real shape on real podman).
        if f.argv.first().is_some_and(|c| c == "build") {
            if let Some(i) = f.argv.iter().position(|a| a == "-f") {
                let file = rt.write(
                    "checkout/data/Dockerfile",
                    "FROM scratch\nUSER root\nRUN apt-get install -y jq\nUSER node\n",
                );
                f.argv[i + 1] = file.display().to_string();
            }
        }
        let (code, v) = explain(&rt, &f.argv);
        let name = &f.name;
        let decision = v["decision"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no decision: {v}"));
        let rule = v["refusal"]["rule"].as_str().unwrap_or("");
        assert!(
            !rule.starts_with("parse."),
            "{name}: the shim cannot parse nanoclaw's argv: {v}"
        );
        if decision == "refuse" {
            refused.push(format!("{name}: {rule}: {}", v["refusal"]));
            continue;
        }
        assert_eq!(code, Some(0), "{name}: {v}");
        let mut out: Vec<String> = v["argv"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no argv: {v}"))
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        // The containers a start, an exec, an attach or a network connect names reach podman by
        // the ID the shim asked about (`deny.foreign-container`): put back, every other token is
        // compared. OneCLI's gateway (`onecli`, made outside the shim) is connectable by name.
        let connects = f.argv[0] == "network"
            && matches!(f.argv[1].as_str(), "connect" | "disconnect")
            && f.argv.last().is_some_and(|c| c != "onecli");
        let pins = connects || matches!(f.argv[0].as_str(), "start" | "restart" | "exec" | "attach");
        if pins {
            let from = out.len() - f.argv.len();
            assert!(
                out.iter().any(|t| t == PINNED_ID),
                "{name}: no container pinned: {v}"
            );
            for (o, w) in out[from..].iter_mut().zip(&f.argv) {
                if o == PINNED_ID {
                    *o = w.clone();
                }
            }
        }
        // The mount check's hook folder, podman's global option, comes before the command.
        if out.get(1).is_some_and(|t| t == "--hooks-dir=<mount-check>") {
            out.remove(1);
            // A start gains the option, and no mounts.conf (podman reads it at the start), and
            // nothing else.
            if matches!(f.argv[0].as_str(), "start" | "restart") {
                assert_eq!(out[1], "--default-mounts-file=/dev/null", "{name}");
                assert_eq!(out[2..], f.argv[..], "{name}: a start was changed");
                continue;
            }
            assert!(matches!(f.argv[0].as_str(), "run" | "create"), "{name}: {v}");
            // A container made reads no mounts.conf.
            assert_eq!(out[1], "--default-mounts-file=/dev/null", "{name}");
            out.remove(1);
        }
        let command = f.argv[0].as_str();
        match decision {
            "passthrough" => assert_eq!(out[1..], f.argv[..], "{name}: a pass-through was changed"),
            "rewrite" if pins => assert_eq!(out[1..], f.argv[..], "{name}: more than its container changed"),
            "rewrite" if command == "build" => {
                // podman reads no mounts.conf for its RUN steps, first of all.
                assert_eq!(out[1], "--default-mounts-file=/dev/null", "{name}");
                out.remove(1);
                // The ceilings the build does not name come right after `build`; every token of
                // nanoclaw's own follows unchanged.
                let added = &out[2..out.len() - (f.argv.len() - 1)];
                assert_eq!(out[out.len() - (f.argv.len() - 1)..], f.argv[1..], "{name}: {v}");
                // podman's own seccomp profile, narrowed, from wherever this host keeps it.
                let (seccomp, added): (Vec<&String>, Vec<&String>) = added
                    .iter()
                    .partition(|t| t.starts_with("--security-opt=seccomp="));
                assert!(
                    matches!(&seccomp[..], [s] if **s == format!("--security-opt=seccomp={}", nanoclaw_shim::seccomp::SEALED_PLACEHOLDER)),
                    "{name}: {v}"
                );
                assert_eq!(
                    added,
                    [
                        "--ulimit=nofile=1024:1024",
                        "--memory=4g",
                        "--memory-swap=8g",
                        "--cpu-period=100000",
                        "--cpu-quota=200000",
                        "--http-proxy=false",
                        "--cap-drop=MKNOD,NET_RAW,AUDIT_WRITE",
                        "--ignorefile=./.dockerignore"
                    ],
                    "{name}: {v}"
                );
            }
            "rewrite" if command == "ps" => {
                // A state podman has not (`dead`) dropped, with the filter naming it, and a
                // format in podman's spelling; every other token of nanoclaw's own kept, in order.
                let mut want = f.argv.clone();
                if let Some(at) = want.iter().position(|t| t == "status=dead") {
                    want.drain(at - 1..=at);
                }
                for t in &mut want {
                    if let Some(read) = nanoclaw_shim::commands::ps_format_on_podman(t.as_bytes()) {
                        *t = String::from_utf8(read).unwrap();
                    }
                    // A name anchored at docker's leading `/`, which podman's names lack.
                    if let Some(rest) = t.strip_prefix("name=^/") {
                        *t = format!("name=^{rest}");
                    }
                }
                assert_ne!(want, f.argv, "{name}: nothing to rewrite: {v}");
                assert_eq!(out[1..], want[..], "{name}: {v}");
            }
            "rewrite" if command == "events" => {
                // nanoclaw's `{{json .}}` in docker's event shape (Action, Actor.Attributes);
                // every other token of nanoclaw's own kept, in order.
                let at = f.argv.iter().position(|t| t == "{{json .}}").unwrap();
                assert!(
                    out[1 + at].contains("\"Action\":") && out[1 + at].contains("\"Actor\":"),
                    "{name}: {v}"
                );
                let mut rest = out[1..].to_vec();
                rest[at] = "{{json .}}".into();
                assert_eq!(rest, f.argv, "{name}: {v}");
            }
            "rewrite" if command == "rm" => {
                // Killed at once, as docker's `--force` does (podman's waits the stop timeout);
                // every token of nanoclaw's own follows unchanged.
                assert_eq!(out[2], "--time=0", "{name}: {v}");
                let mut rest = out[1..].to_vec();
                rest.remove(1);
                assert_eq!(rest, f.argv, "{name}: {v}");
            }
            "rewrite" if command == "network" => {
                // A rootful network's range, chosen by the shim, right after `network create`;
                // every token of nanoclaw's own follows unchanged.
                assert!(out[3].starts_with("--subnet=10."), "{name}: {v}");
                let mut rest = out[1..].to_vec();
                rest.remove(2);
                assert_eq!(rest, f.argv, "{name}: {v}");
            }
            "rewrite" => {
                assert!(
                    matches!(command, "run" | "create"),
                    "{name}: {command} rewritten: {v}"
                );
                assert_eq!(out[1], command, "{name}");
                let tail = image_and_command(&f.argv[1..]);
                assert!(
                    out.ends_with(tail),
                    "{name}: image and command changed\n want ...{tail:?}\n got {out:?}"
                );
                let want = env_and_volume_pairs(&f.argv[1..]);
                let got = env_and_volume_pairs(&out[2..]);
                assert!(
                    is_subsequence(&want, &got),
                    "{name}: an original -e/-v pair was lost or reordered\n want {want:?}\n got {got:?}"
                );
            }
            other => panic!("{name}: unexpected decision {other}: {v}"),
        }
    }
    assert!(
        refused.is_empty(),
        "the default policy refuses nanoclaw's own argv:\n{}",
        refused.join("\n")
    );
}

#[test]
fn image_and_command_finds_the_image() {
    let a = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    assert_eq!(
        image_and_command(&a("-i --rm --name n -e A=1 -v /a:/b img")),
        a("img")
    );
    assert_eq!(
        image_and_command(&a("--rm --add-host=h:g --entrypoint bash img -c x")),
        a("img -c x")
    );
    assert_eq!(
        env_and_volume_pairs(&a("-e A=1 --label l -v /a:/b img -e notmine")),
        vec![("-e".into(), "A=1".into()), ("-v".into(), "/a:/b".into())]
    );
}
