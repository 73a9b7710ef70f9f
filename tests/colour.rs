//! Colour for people only: on with `CLICOLOR_FORCE`, off with `NO_COLOR` (which wins) and on a
//! pipe, never in JSON nor in the `docker` face's refusal line.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_nanoclaw-shim");
const ESC: &str = "\x1b[";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new(policy: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("rt")).unwrap();
        std::fs::create_dir_all(d.join("shim")).unwrap();
        symlink(BIN, d.join("shim/docker")).unwrap();
        let rt = d.join("rt/podman");
        std::fs::write(&rt, "#!/bin/sh\necho podman version 4.3.1\n").unwrap();
        std::fs::set_permissions(&rt, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(d.join("policy.toml"), policy).unwrap();
        Env { dir }
    }

    fn run(&self, prog: &str, args: &[&str], colour: &[(&str, &str)]) -> Output {
        let d = self.dir.path();
        Command::new(prog)
            .args(args)
            .env_clear()
            .env("PATH", d.join("rt"))
            .env("HOME", d.join("home"))
            .env("NANOCLAW_SHIM_POLICY", d.join("policy.toml"))
            .envs(colour.iter().copied())
            .output()
            .unwrap()
    }

    fn shim(&self, args: &[&str], colour: &[(&str, &str)]) -> String {
        String::from_utf8_lossy(&self.run(BIN, args, colour).stdout).into_owned()
    }
}

const FORCE: &[(&str, &str)] = &[("CLICOLOR_FORCE", "1")];
const FORCE_BUT_NO_COLOR: &[(&str, &str)] = &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")];

#[test]
fn human_outputs_are_coloured_only_when_asked_and_not_vetoed() {
    let e = Env::new("");
    for args in [
        &["doctor"][..],
        &["explain", "--", "run", "--privileged", "img"],
        &["explain", "--", "run", "img"],
    ] {
        let forced = e.shim(args, FORCE);
        assert!(forced.contains(ESC), "{args:?} with CLICOLOR_FORCE=1:\n{forced}");
        let vetoed = e.shim(args, FORCE_BUT_NO_COLOR);
        assert!(!vetoed.contains(ESC), "{args:?} with NO_COLOR=1:\n{vetoed}");
        let piped = e.shim(args, &[]);
        assert!(!piped.contains(ESC), "{args:?} on a pipe:\n{piped}");
        assert_eq!(piped, vetoed, "{args:?}: colour changes no word");
    }
}

#[test]
fn policy_check_labels_are_coloured() {
    let e = Env::new("mode = \"enforce\"\nbogus = 1\n");
    let forced = e.shim(&["policy", "check"], FORCE);
    assert!(forced.contains(&format!("{ESC}1m{ESC}31merror")), "{forced}");
    let piped = e.shim(&["policy", "check"], &[]);
    assert!(piped.contains(": error[") && !piped.contains(ESC), "{piped}");
}

#[test]
fn json_and_the_docker_refusal_are_never_coloured() {
    let e = Env::new("");
    for args in [
        &["doctor", "--format", "json"][..],
        &["explain", "--format", "json", "--", "run", "--privileged", "img"],
    ] {
        let out = e.shim(args, FORCE);
        assert!(out.starts_with('{') && !out.contains(ESC), "{args:?}:\n{out}");
    }
    let docker = e.dir.path().join("shim/docker");
    let o = e.run(docker.to_str().unwrap(), &["run", "--privileged", "img"], FORCE);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(125), "{stderr}");
    assert!(
        stderr.starts_with("nanoclaw-shim: refused:") && !stderr.contains(ESC),
        "{stderr}"
    );
}

#[test]
fn log_decisions_are_coloured_in_text_only() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("decisions.jsonl");
    let e = Env::new(&format!("[log]\npath = {:?}\n", log.display().to_string()));
    let docker = e.dir.path().join("shim/docker");
    let o = e.run(docker.to_str().unwrap(), &["run", "--privileged", "img"], &[]);
    assert_eq!(o.status.code(), Some(125));
    let forced = e.shim(&["log"], FORCE);
    assert!(forced.contains(&format!("{ESC}1m{ESC}31mrefuse")), "{forced}");
    let piped = e.shim(&["log"], &[]);
    assert!(
        piped.contains("  refuse    pid ") && !piped.contains(ESC),
        "{piped}"
    );
    let json = e.shim(&["log", "--format", "json"], FORCE);
    assert!(json.starts_with('{') && !json.contains(ESC), "{json}");
}
