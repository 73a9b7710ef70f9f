//! Colour for people only: on with `CLICOLOR_FORCE`, off with `NO_COLOR` (which wins) and on a
//! pipe, never in JSON nor in the `docker` face's refusal line.

use crate::support::{PODMAN_VERSION, World, text};

const ESC: &str = "\x1b[";
const FORCE: &[(&str, &str)] = &[("CLICOLOR_FORCE", "1")];
const FORCE_BUT_NO_COLOR: &[(&str, &str)] = &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")];

fn world(policy: &str) -> World {
    World::new().policy(policy).fake_runtime(PODMAN_VERSION)
}

/// `nanoclaw-shim ARGS`'s stdout with the colour variables `colour`.
fn shim(w: &World, args: &[&str], colour: &[(&str, &str)]) -> String {
    let mut run = w.cli().args(args);
    for (k, v) in colour {
        run = run.env(k, v);
    }
    text(&run.run().stdout)
}

#[test]
fn human_outputs_are_coloured_only_when_asked_and_not_vetoed() {
    let w = world("");
    for args in [
        &["doctor"][..],
        &["explain", "--", "run", "--privileged", "img"],
        &["explain", "--", "run", "img"],
    ] {
        let forced = shim(&w, args, FORCE);
        assert!(forced.contains(ESC), "{args:?} with CLICOLOR_FORCE=1:\n{forced}");
        let vetoed = shim(&w, args, FORCE_BUT_NO_COLOR);
        assert!(!vetoed.contains(ESC), "{args:?} with NO_COLOR=1:\n{vetoed}");
        let piped = shim(&w, args, &[]);
        assert!(!piped.contains(ESC), "{args:?} on a pipe:\n{piped}");
        // (The environment's line names the variables the runtime would not be given, among
        // them this test's own `NO_COLOR` and `CLICOLOR_FORCE`.)
        let words = |s: &str| -> String {
            s.lines()
                .filter(|l| !l.contains("environment"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(words(&piped), words(&vetoed), "{args:?}: colour changes no word");
    }
}

#[test]
fn policy_check_labels_are_coloured() {
    let w = world("mode = \"enforce\"\nbogus = 1\n");
    let forced = shim(&w, &["policy", "check"], FORCE);
    assert!(forced.contains(&format!("{ESC}1m{ESC}31merror")), "{forced}");
    let piped = shim(&w, &["policy", "check"], &[]);
    assert!(piped.contains(": error[") && !piped.contains(ESC), "{piped}");
}

#[test]
fn json_and_the_docker_refusal_are_never_coloured() {
    let w = world("");
    for args in [
        &["doctor", "--format", "json"][..],
        &["explain", "--format", "json", "--", "run", "--privileged", "img"],
    ] {
        let out = shim(&w, args, FORCE);
        assert!(out.starts_with('{') && !out.contains(ESC), "{args:?}:\n{out}");
    }
    let o = w
        .docker()
        .args(["run", "--privileged", "img"])
        .env("CLICOLOR_FORCE", "1")
        .run();
    let stderr = text(&o.stderr);
    assert_eq!(o.status.code(), Some(125), "{stderr}");
    assert!(
        stderr.starts_with("nanoclaw-shim: refused:") && !stderr.contains(ESC),
        "{stderr}"
    );
}

#[test]
fn log_decisions_are_coloured_in_text_only() {
    let w = World::new().fake_runtime(PODMAN_VERSION);
    let log = w.p("decisions.jsonl");
    let w = w.policy(&format!("[log]\npath = {:?}\n", log.display().to_string()));
    let o = w.docker().args(["run", "--privileged", "img"]).run();
    assert_eq!(o.status.code(), Some(125));
    let forced = shim(&w, &["log"], FORCE);
    assert!(forced.contains(&format!("{ESC}1m{ESC}31mrefuse")), "{forced}");
    let piped = shim(&w, &["log"], &[]);
    assert!(
        piped.contains("  refuse    pid ") && !piped.contains(ESC),
        "{piped}"
    );
    let json = shim(&w, &["log", "--format", "json"], FORCE);
    assert!(json.starts_with('{') && !json.contains(ESC), "{json}");
}
