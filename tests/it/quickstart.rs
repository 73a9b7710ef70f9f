//! README's quickstart, walked from a fresh HOME: install.sh, then `doctor`, `explain`, an
//! agent start through the installed `docker`, and `log` showing what the shim did.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::{BIN, World, ok};

/// Answers what doctor asks a runtime, like podman 4.3.1; records every other call.
const FAKE_PODMAN: &str = r#"#!/bin/sh
case "$1 $2" in
  "--version "*) echo "podman version 4.3.1" ;;
  "run --help")
    for f in --read-only --tmpfs --cap-add --cap-drop --security-opt --cpus --memory \
             --memory-swap --pids-limit --userns --annotation --http-proxy --systemd --label --no-healthcheck --cgroupns --image-volume --log-driver --log-opt --ulimit; do
      printf '      %s string   help text\n' "$f"
    done ;;
  "images "*) echo localhost/nanoclaw-agent:latest ;;
  *) printf '%s\n' "$*" >> "$HOME/podman-calls" ;;
esac
"#;

struct Home {
    w: World,
}

impl Home {
    fn home(&self) -> PathBuf {
        self.w.p("home")
    }
    fn rt(&self) -> PathBuf {
        self.w.p("rt")
    }
    fn shim_dir(&self) -> PathBuf {
        self.home().join(".local/lib/nanoclaw-shim/bin")
    }
    fn installed(&self) -> PathBuf {
        self.home().join(".local/bin/nanoclaw-shim")
    }
    /// nanoclaw's PATH once the run script puts the shim folder first.
    fn path(&self) -> String {
        format!(
            "{}:{}:/usr/bin:/bin",
            self.shim_dir().display(),
            self.rt().display()
        )
    }
    fn cmd(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("HOME", self.home())
            .env("PATH", self.path())
            .env("TMPDIR", self.w.p("tmp"))
            .stdin(Stdio::null());
        c
    }
    fn shim(&self, args: &[&str]) -> Output {
        self.cmd(&self.installed()).args(args).output().unwrap()
    }
}

#[test]
fn install_doctor_explain_run_log() {
    if !Path::new("/bin/sh").exists() {
        return;
    }
    let h = Home {
        w: World::new().fake_runtime(FAKE_PODMAN),
    };
    fs::create_dir_all(h.w.p("tmp")).unwrap();

    // 1. install
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("install.sh");
    let out = ok(&h
        .cmd(Path::new("/bin/sh"))
        .arg(&script)
        .args(["--binary", *BIN])
        .output()
        .unwrap());
    assert!(out.contains("export PATH="), "{out}");
    let policy = h.home().join(".config/nanoclaw-shim/policy.toml");
    assert!(policy.is_file());

    // the decision log, as the default policy suggests it
    let with_log = fs::read_to_string(&policy)
        .unwrap()
        .replace("# [log]\n# path = ", "[log]\npath = ");
    assert!(
        with_log.contains("\n[log]\npath = \"~/.local/state/nanoclaw-shim/decisions.jsonl\""),
        "the default policy's [log] suggestion changed"
    );
    fs::write(&policy, with_log).unwrap();

    // 2. check: the log's folder does not exist yet; the shim creates it on the first logged
    // call, so doctor says so and finds nothing failing
    let report = ok(&h.shim(&["doctor"]));
    assert!(!report.lines().any(|l| l.starts_with("FAIL")), "{report}");
    assert!(
        report
            .lines()
            .any(|l| l.contains("decision-log") && l.contains("will be created")),
        "{report}"
    );
    let state = h.home().join(".local/state/nanoclaw-shim");
    assert!(!state.exists());

    // 3. preview
    let preview = ok(&h.shim(&[
        "explain",
        "--",
        "docker",
        "run",
        "--rm",
        "--name",
        "nanoclaw-v2-main-1",
        "nanoclaw-agent:latest",
    ]));
    assert!(
        preview.contains("decision: rewrite") && preview.contains("harden.read-only"),
        "{preview}"
    );

    // 4. nanoclaw starts an agent through its `docker`
    let o = h
        .cmd(Path::new("docker"))
        .args([
            "run",
            "--rm",
            "-e",
            "ANTHROPIC_API_KEY=sk-quickstart",
            "--name",
            "nanoclaw-v2-main-2",
            "nanoclaw-agent:latest",
        ])
        .output()
        .unwrap();
    ok(&o);
    // the first logged call made the log's folder, private
    let mode = fs::metadata(&state).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "{mode:o}");
    let calls = fs::read_to_string(h.home().join("podman-calls")).unwrap();
    assert!(
        calls.contains("--read-only") && calls.contains("nanoclaw-v2-main-2"),
        "{calls}"
    );

    // 5. what did the shim do?
    let shown = ok(&h.shim(&["log"]));
    assert!(
        shown.contains("rewrite") && shown.contains("nanoclaw-v2-main-2"),
        "{shown}"
    );
    assert!(!shown.contains("sk-quickstart"), "{shown}");
}
