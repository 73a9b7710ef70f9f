//! `nanoclaw-shim log` over a decision log the shim itself wrote: tail, filters, text and JSON,
//! `--follow`, and no secret in any output.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::{RUNTIME_OK, World};

struct Env {
    w: World,
}

impl Env {
    fn new() -> Env {
        let w = World::new().fake_runtime(RUNTIME_OK);
        std::fs::create_dir_all(w.p("state")).unwrap();
        let log = w.p("state/decisions.jsonl").display().to_string();
        Env {
            w: w.policy(&format!("[log]\npath = {log:?}\n")),
        }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.w.p(rel)
    }

    fn docker(&self, args: &[&str]) -> Output {
        self.w.docker().args(args).run()
    }

    fn log_cmd(&self, args: &[&str]) -> Command {
        self.w.cli().args(["log"]).args(args).command()
    }

    fn log(&self, args: &[&str]) -> (Option<i32>, String) {
        let o = self.log_cmd(args).output().unwrap();
        (o.status.code(), String::from_utf8_lossy(&o.stdout).into_owned())
    }

    /// Three decisions: a rewrite carrying a secret, a refusal, another rewrite; and a `ps`
    /// that is not logged.
    fn populate(&self) {
        assert!(
            self.docker(&["run", "--rm", "-e", "API_TOKEN=sekrit-1", "--name", "a1", "img"])
                .status
                .success()
        );
        assert_eq!(
            self.docker(&["run", "--privileged", "--name", "a2", "img"])
                .status
                .code(),
            Some(125)
        );
        assert!(self.docker(&["ps", "-a"]).status.success());
        assert!(
            self.docker(&[
                "create",
                "--name",
                "a3",
                "-e",
                "HTTPS_PROXY=http://x:sekrit-2@h:1",
                "img"
            ])
            .status
            .success()
        );
    }
}

fn json_lines(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn tail_filter_and_formats() {
    let e = Env::new();
    e.populate();
    let (code, out) = e.log(&["--format", "json"]);
    assert_eq!(code, Some(0));
    let all = json_lines(&out);
    let names: Vec<&str> = all
        .iter()
        .map(|v| v["argv"].as_array().unwrap().last().unwrap().as_str().unwrap())
        .collect();
    assert_eq!(names, ["img", "img", "img"]);
    let decisions: Vec<&str> = all.iter().map(|v| v["decision"].as_str().unwrap()).collect();
    assert_eq!(decisions, ["rewrite", "refuse", "rewrite"]);
    assert!(all.iter().all(|v| v["schema_version"] == 1));

    let (_, out) = e.log(&["-n", "1", "--format", "json"]);
    let last = json_lines(&out);
    assert_eq!(last.len(), 1);
    assert!(last[0]["argv"].as_array().unwrap().iter().any(|t| t == "a3"));

    let (_, out) = e.log(&["--refused", "--format", "json"]);
    let refused = json_lines(&out);
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["rules"], serde_json::json!(["deny.privileged"]));
    let (_, out) = e.log(&["--rewritten", "--format", "json"]);
    assert_eq!(json_lines(&out).len(), 2);

    let (code, text) = e.log(&["-n", "all"]);
    assert_eq!(code, Some(0));
    assert!(text.contains("refuse    pid "), "{text}");
    assert!(text.contains("  reason: --privileged"), "{text}");
    assert!(text.contains("  rules:  deny.privileged\n"), "{text}");
    assert!(
        text.contains("docker run --rm -e 'API_TOKEN=<redacted>' --name a1 img"),
        "{text}"
    );
    for out in [&out, &text] {
        assert!(!out.contains("sekrit"), "a secret was printed:\n{out}");
    }
}

#[test]
fn no_log_configured_or_not_yet_written() {
    let e = Env::new();
    let (code, out) = e.log(&[]);
    assert_eq!(code, Some(0));
    assert!(out.is_empty());
    std::fs::write(e.p("policy.toml"), "").unwrap();
    let o = e.log_cmd(&[]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("[log]"));
}

#[test]
fn follow_prints_new_records_as_they_come() {
    let e = Env::new();
    e.populate();
    let mut child = e
        .log_cmd(&["-f", "-n", "0", "--refused"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    // nothing old, and a rewrite is filtered out
    assert!(e.docker(&["run", "--name", "b1", "img"]).status.success());
    assert!(
        rx.recv_timeout(Duration::from_millis(800)).is_err(),
        "printed an old or filtered record"
    );
    assert_eq!(
        e.docker(&[
            "run",
            "--pid=host",
            "--name",
            "b2",
            "-e",
            "GH_TOKEN=sekrit-3",
            "img"
        ])
        .status
        .code(),
        Some(125)
    );
    let first = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the new refusal within 10s");
    assert!(first.contains("refuse"), "{first}");
    let mut rest = vec![first];
    while let Ok(l) = rx.recv_timeout(Duration::from_millis(500)) {
        rest.push(l);
    }
    let shown = rest.join("\n");
    assert!(shown.contains("--name b2"), "{shown}");
    assert!(!shown.contains("sekrit"), "{shown}");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(Path::new(&e.p("state/decisions.jsonl")).exists());
}

/// A `~/` log path is the home of whoever runs the shim: the docker face writes it there and
/// `log` reads it there; without `HOME`, both take the password file's home, as podman does.
#[test]
fn a_home_log_path_is_the_callers_home() {
    let w = World::new()
        .fake_runtime(RUNTIME_OK)
        .policy("[log]\npath = \"~/state/decisions.jsonl\"\n");
    std::fs::create_dir_all(w.p("home/state")).unwrap();
    let o = w.docker().args(["run", "--rm", "img"]).run();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(w.p("home/state/decisions.jsonl").is_file());
    let o = w
        .cli()
        .args(["log", "--format", "json"])
        .command()
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(json_lines(&String::from_utf8_lossy(&o.stdout)).len(), 1);
    let o = w
        .cli()
        .args(["log"])
        .command()
        .env_remove("HOME")
        .output()
        .unwrap();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let uid = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").unwrap()).to_string();
    let home = passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 5 && f[2] == uid)
        .map(|f| f[5].to_string());
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    match home {
        Some(home) => assert!(said.contains(&format!("{home}/state/decisions.jsonl")), "{said}"),
        None => assert!(said.contains("HOME is not set"), "{said}"),
    }
    assert!(!said.contains(&w.p("home").display().to_string()), "{said}");
}
