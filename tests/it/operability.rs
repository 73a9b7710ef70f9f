//! Operability: what a person can find out about the shim after the fact.
//!
//! - Every container the shim hardened or audited carries the `io.github.nanoclaw-shim.applied`
//!   annotation: one, before the image, naming the shim's version, the mode and the rules in
//!   force; the same when the shim's own output goes through it again; a caller's annotation in
//!   the shim's namespace is removed, never kept beside it. Checked on the plan, through the
//!   binary as `docker` against a recording runtime, in `explain`, and on real podman with
//!   `podman inspect` (skipped loudly without podman; a failure with
//!   `NANOCLAW_SHIM_REQUIRE_PODMAN=1`).
//! - The profile examples of docs/POLICY.md load through the real policy reader and match the
//!   real nanoclaw argv they say they match, and not the others.
//! - Messages never show Rust debug text, and every `policy` subcommand's `--help` names its
//!   exit status.

use nanoclaw_shim::mountcheck::command_args;
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use nanoclaw_shim::deny::HostCtx;
use nanoclaw_shim::parse::{self, Invocation, RunArgs};
use nanoclaw_shim::policy::{self, Mode, Policy};
use nanoclaw_shim::rewrite::{self, Action, Decision, Flavor, Plan, Target, annotate};
use nanoclaw_shim::rules::Rule;

use crate::support::BIN;
const VERSION: &str = env!("CARGO_PKG_VERSION");
const REQUIRE: &str = "NANOCLAW_SHIM_REQUIRE_PODMAN";
const SYSTEM_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn os(words: &[&str]) -> Vec<OsString> {
    words.iter().map(OsString::from).collect()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs a command of a [`Sandbox`], again (up to 20 times, 50 ms apart) while its fake runtime,
/// written a moment ago, is "Text file busy": a child another test thread forked still holds
/// the file's write descriptor until it execs.
fn output(c: &mut Command) -> Output {
    for _ in 0..20 {
        match c.output() {
            Ok(o) if !text(&o.stderr).contains("Text file busy") => return o,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(26) => {}
            Err(e) => panic!("cannot run {c:?}: {e}"),
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    c.output().unwrap()
}

/// Every `run` / `create` argv nanoclaw has issued: `fixtures/nanoclaw/real/*.json` (captured
/// from its own code) and `fixtures/nanoclaw/*.json`, by file name.
fn nanoclaw_spawns() -> Vec<(String, Vec<OsString>)> {
    let mut out = Vec::new();
    for dir in ["fixtures/nanoclaw/real", "fixtures/nanoclaw"] {
        for entry in std::fs::read_dir(repo().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let argv: Vec<OsString> = v["argv"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().into())
                .collect();
            if matches!(argv.first().and_then(|a| a.to_str()), Some("run" | "create")) {
                let rel = path.strip_prefix(repo().join("fixtures/nanoclaw")).unwrap();
                out.push((rel.to_string_lossy().into_owned(), argv));
            }
        }
    }
    out.sort();
    assert!(out.len() >= 15, "nanoclaw fixtures missing: {}", out.len());
    out
}

/// nanoclaw's world in the fixtures: alice runs it from her checkout.
fn alice(mut t: Target) -> Target {
    t.host = HostCtx {
        cwd: Some("/home/alice/nanoclaw".into()),
        home: Some("/home/alice".into()),
        exe: None,
        own_files: Vec::new(),
        ..HostCtx::default()
    };
    t
}

/// The runtimes nanoclaw users have: rootless and rootful podman 4.3 and 5, and docker.
fn targets() -> Vec<(&'static str, Target)> {
    vec![
        (
            "rootless podman 4.3",
            alice(Target::fixed(Flavor::Podman, true, Some((4, 3, 1)))),
        ),
        (
            "rootful podman 4.3",
            alice(Target::fixed(Flavor::Podman, false, Some((4, 3, 1)))),
        ),
        (
            "rootless podman 5",
            alice(Target::fixed(Flavor::Podman, true, Some((5, 4, 2)))),
        ),
        (
            "rootful podman 5",
            alice(Target::fixed(Flavor::Podman, false, Some((5, 4, 2)))),
        ),
        ("docker", alice(Target::fixed(Flavor::Docker, false, None))),
    ]
}

fn parse_run(args: &[OsString]) -> RunArgs {
    match parse::parse(command_args(args)) {
        Ok(Invocation::Run(r)) => r,
        other => panic!("not a run/create: {other:?}"),
    }
}

/// The `--annotation` values (`KEY=VALUE`) of an argv's options, as the runtime reads them.
fn annotations(args: &[OsString]) -> Vec<String> {
    parse_run(args)
        .opts
        .iter()
        .filter(|o| o.flag.long == "annotation")
        .map(|o| text(o.bytes()))
        .collect()
}

/// The annotations in the shim's namespace, as podman would key them (case matters to podman,
/// not to the shim: any spelling counts here).
fn shim_annotations(args: &[OsString]) -> Vec<String> {
    annotations(args)
        .into_iter()
        .filter(|a| annotate::in_namespace(a.as_bytes()))
        .collect()
}

/// The rule ids of an annotation value `nanoclaw-shim/V mode=M rules=A;B`, checking its shape.
fn rules_of(value: &str, mode: &str) -> Vec<Rule> {
    let head = format!("nanoclaw-shim/{VERSION} mode={mode} rules=");
    let list = value
        .strip_prefix(&head)
        .unwrap_or_else(|| panic!("{value:?} does not start with {head:?}"));
    assert!(
        value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b" ./;=-".contains(&b)),
        "unexpected characters (podman splits on commas; nothing but ids belongs here): {value:?}"
    );
    let rules: Vec<Rule> = list
        .split(';')
        .filter(|s| !s.is_empty())
        .map(|id| Rule::from_id(id).unwrap_or_else(|| panic!("{id} is not a rule id")))
        .collect();
    // each once, in the documented order
    let order = |r: &Rule| Rule::ALL.iter().position(|x| x == r).unwrap();
    assert!(
        rules.windows(2).all(|w| order(&w[0]) < order(&w[1])),
        "not once each in Rule::ALL order: {value}"
    );
    rules
}

/// Checks the one shim annotation of a rewritten plan and returns its rules. (Besides it, the
/// mount check's expectations: one annotation, when the call has bind mounts.)
fn check_annotation(what: &str, argv: &[OsString], plan: &Plan) -> Vec<Rule> {
    let mut found = shim_annotations(&plan.args);
    for key in [
        nanoclaw_shim::mountcheck::KEY,
        nanoclaw_shim::mountcheck::REFUSED_KEY,
        nanoclaw_shim::mountcheck::IDS_KEY,
    ] {
        let checks = found.iter().filter(|a| a.starts_with(&format!("{key}="))).count();
        assert_eq!(checks, usize::from(plan.hooks), "{what}: {key}: {found:?}");
        found.retain(|a| !a.starts_with(&format!("{key}=")));
    }
    assert_eq!(
        found.len(),
        1,
        "{what}: not exactly one shim annotation: {found:?}"
    );
    let (key, value) = found[0].split_once('=').unwrap();
    assert_eq!(key, annotate::KEY, "{what}");
    assert_eq!(annotate::find(&plan.args).as_deref(), Some(value), "{what}");
    // before the image; the image and what follows it are the caller's bytes
    let original = parse_run(argv);
    let tail = 1 + original.args.len();
    let at = plan
        .args
        .iter()
        .position(|a| a.as_bytes().ends_with(value.as_bytes()))
        .unwrap();
    assert!(at < plan.args.len() - tail, "{what}: annotation after the image");
    assert_eq!(
        plan.args[plan.args.len() - tail..],
        argv[argv.len() - tail..],
        "{what}: the image's tail changed"
    );
    // explain shows it as one added option
    let added: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.rule == Rule::HardenAnnotation && c.action == Action::Add)
        .collect();
    assert_eq!(added.len(), 1, "{what}: {:?}", plan.changes);
    assert_eq!(added[0].token, format!("--annotation={}", found[0]), "{what}");
    // No secret can be in it: `rules_of` accepts only the fixed head and rule ids.
    rules_of(value, plan.mode.as_str())
}

// ---------------------------------------------------------------- the annotation ---

#[test]
fn every_hardened_nanoclaw_container_carries_one_annotation() {
    let policy = Policy::default();
    let mut rewritten = 0;
    for (name, argv) in nanoclaw_spawns() {
        for (rt, target) in targets() {
            let what = format!("{name} on {rt}");
            let plan = rewrite::plan(&argv, &policy, &target);
            if plan.decision != Decision::Rewrite {
                assert!(plan.args.is_empty(), "{what}: {plan:?}");
                continue;
            }
            rewritten += 1;
            let rules = check_annotation(&what, &argv, &plan);
            // the default policy's hardening and ceilings are in force on every container
            for r in [
                Rule::HardenReadOnly,
                Rule::HardenTmpfs,
                Rule::HardenCapDrop,
                Rule::HardenNoNewPrivileges,
                Rule::HardenKeepCapabilities,
                Rule::LimitCpus,
                Rule::LimitMemory,
                Rule::LimitPids,
            ] {
                assert!(rules.contains(&r), "{what}: {r} missing from {rules:?}");
            }
            // --init is in force exactly where the entrypoint is overridden
            let entrypoint = argv.iter().any(|a| a == "--entrypoint");
            assert_eq!(rules.contains(&Rule::HardenInit), entrypoint, "{what}: {rules:?}");
            // only rules the shim enforces: no deny, parse, compat or removal ids
            for r in &rules {
                let id = r.as_str();
                assert!(
                    id.starts_with("harden.") || id.starts_with("limit."),
                    "{what}: {id}"
                );
                assert!(
                    ![Rule::HardenCapAdd, Rule::HardenPrivileged, Rule::HardenAnnotation].contains(r),
                    "{what}: {id}"
                );
            }
        }
    }
    assert!(
        rewritten >= 40,
        "only {rewritten} rewritten plans: the test proves little"
    );
}

#[test]
fn the_annotation_lists_the_rules_of_the_policy_in_force() {
    let argv = os(&["run", "--rm", "img"]);
    let target = Target::fixed(Flavor::Podman, false, Some((4, 3, 1)));
    // a profile that switches pieces off and adds /dev/shm: the annotation follows it
    let (p, diags) = policy::parse(
        "[hardening]\nread_only = false\nshm_size = \"1g\"\n[limits]\npids = \"off\"\n",
        "test.toml",
    )
    .unwrap();
    assert!(diags.is_empty(), "{diags:?}");
    let rules = check_annotation("custom", &argv, &rewrite::plan(&argv, &p, &target));
    assert!(!rules.contains(&Rule::HardenReadOnly), "{rules:?}");
    assert!(!rules.contains(&Rule::LimitPids), "{rules:?}");
    assert!(rules.contains(&Rule::HardenShmSize), "{rules:?}");
    // the caller drops SYS_CHROOT by name: it is not kept, and the annotation does not claim it
    let argv = os(&["run", "--cap-drop", "SYS_CHROOT", "img"]);
    let plan = rewrite::plan(&argv, &Policy::default(), &target);
    let rules = check_annotation("no chroot", &argv, &plan);
    assert!(!rules.contains(&Rule::HardenKeepCapabilities), "{rules:?}");
    // --init=false with an overridden entrypoint is the caller's choice: no harden.init claim
    let argv = os(&["run", "--init=false", "--entrypoint", "sh", "img"]);
    let plan = rewrite::plan(&argv, &Policy::default(), &target);
    assert!(!check_annotation("init off", &argv, &plan).contains(&Rule::HardenInit));
    // rootless podman on cgroup v1: the annotation says the ceilings are not in effect
    let mut v1 = Target::fixed(Flavor::Podman, true, Some((4, 3, 1)));
    v1.cgroup_v1 = true;
    let argv = os(&["run", "img"]);
    let plan = rewrite::plan(&argv, &Policy::default(), &v1);
    assert!(check_annotation("cgroup v1", &argv, &plan).contains(&Rule::LimitUnenforced));
}

#[test]
fn reapplying_the_shim_keeps_one_identical_annotation() {
    let policy = Policy::default();
    let mut checked = 0;
    for (name, argv) in nanoclaw_spawns() {
        // rootful and docker: rootless podman's host loopback option is refused when a caller
        // passes it, which is the point of deny.network-option, so a second pass is refused.
        for (rt, target) in targets()
            .into_iter()
            .filter(|(rt, _)| !rt.starts_with("rootless"))
        {
            let what = format!("{name} on {rt}");
            let first = rewrite::plan(&argv, &policy, &target);
            if first.decision != Decision::Rewrite {
                continue;
            }
            // The hook folder's option is podman's: the docker face never sees it.
            let second = rewrite::plan(command_args(&first.args), &policy, &target);
            assert_eq!(second.decision, Decision::Rewrite, "{what}: {:?}", second.refusal);
            assert_eq!(second.args, first.args, "{what}");
            check_annotation(&what, &first.args, &second);
            // the earlier annotation was replaced, not kept beside the new one
            assert!(
                second
                    .changes
                    .iter()
                    .any(|c| c.rule == Rule::HardenAnnotation && c.action == Action::Remove),
                "{what}: {:?}",
                second.changes
            );
            let third = rewrite::plan(command_args(&second.args), &policy, &target);
            assert_eq!(third.args, first.args, "{what}");
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} re-applications checked");
}

/// A caller's annotations in the shim's namespace, in every spelling podman or a person might
/// confuse with the shim's, plus an unrelated one and one after the image.
fn forging_argv() -> Vec<OsString> {
    os(&[
        "run",
        "--annotation",
        "io.github.nanoclaw-shim.applied=nanoclaw-shim/0.1.0 mode=enforce rules=harden.read-only",
        "--annotation= IO.GitHub.Nanoclaw-Shim.Applied=forged",
        "--annotation=io.github.nanoclaw-shim.other=forged",
        "--annotation",
        "org.example.team=blue",
        "--read-only=false",
        "img",
        "--annotation",
        "io.github.nanoclaw-shim.applied=after-the-image",
    ])
}

#[test]
fn a_forged_annotation_is_removed_and_cannot_mask_the_shims() {
    let argv = forging_argv();
    let target = Target::fixed(Flavor::Podman, false, Some((4, 3, 1)));
    let plan = rewrite::plan(&argv, &Policy::default(), &target);
    assert_eq!(plan.decision, Decision::Rewrite, "{:?}", plan.refusal);
    check_annotation("forged", &argv, &plan);
    let removed: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| c.rule == Rule::HardenAnnotation && c.action == Action::Remove)
        .map(|c| c.token.as_str())
        .collect();
    assert_eq!(removed.len(), 3, "{removed:?}");
    assert!(!annotations(&plan.args).iter().any(|a| a.contains("forged")));
    // an unrelated annotation is the caller's business
    assert!(annotations(&plan.args).contains(&"org.example.team=blue".to_string()));
    // the image's arguments are never touched, even when they look like an annotation
    assert_eq!(plan.args[plan.args.len() - 3..], argv[argv.len() - 3..]);
}

#[test]
fn audit_mode_marks_the_container_unhardened_and_removes_forgeries() {
    let argv = forging_argv();
    let p = Policy {
        mode: Mode::Audit,
        ..Default::default()
    };
    let target = Target::fixed(Flavor::Podman, false, Some((4, 3, 1)));
    let plan = rewrite::plan(&argv, &p, &target);
    assert_eq!(plan.decision, Decision::Audit);
    let found = shim_annotations(&plan.args);
    assert_eq!(found.len(), 1, "{found:?}");
    let value = found[0].strip_prefix(&format!("{}=", annotate::KEY)).unwrap();
    assert!(rules_of(value, "audit").is_empty(), "{value}");
    // the caller's settings run as written: only the forged annotations go
    let kept: Vec<OsString> = argv
        .iter()
        .enumerate()
        .filter(|(i, _)| ![1, 2, 3, 4].contains(i))
        .map(|(_, a)| a.clone())
        .collect();
    let mut without_mark = plan.args.clone();
    // (and the compatibility fix audit mode still applies)
    without_mark.retain(|a| {
        !a.as_bytes()
            .starts_with(b"--annotation=io.github.nanoclaw-shim.applied=")
            && a != "--http-proxy=false"
    });
    assert_eq!(without_mark, kept);
}

#[test]
fn exempt_and_off_pass_the_argv_through_unmarked() {
    let argv = os(&["run", "--name", "trusted-1", "img"]);
    let target = Target::fixed(Flavor::Podman, false, Some((4, 3, 1)));
    let (p, _) = policy::parse(
        "[[profile]]\nname = \"trusted\"\nmatch.container = \"trusted-*\"\nexempt = true\n",
        "t.toml",
    )
    .unwrap();
    let plan = rewrite::plan(&argv, &p, &target);
    assert_eq!(plan.decision, Decision::Exempt);
    assert_eq!(plan.args, argv);
    let off = Policy {
        mode: Mode::Off,
        ..Default::default()
    };
    assert_eq!(rewrite::plan(&argv, &off, &target).args, argv);
}

/// A folder with a fake `podman` that writes its argv (one per line) to `argv.txt`, the shim as
/// `docker`, and an empty policy (every default).
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let s = Sandbox { dir };
        for d in ["rt", "shim", "home"] {
            std::fs::create_dir(s.p(d)).unwrap();
        }
        let rt = s.p("rt/podman");
        std::fs::write(
            &rt,
            format!(
                "#!/bin/sh\n[ \"$1\" = --version ] && {{ echo podman version 4.3.1; exit 0; }}\nprintf '%s\\n' \"$@\" > '{}'\n",
                s.p("argv.txt").display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&rt, std::fs::Permissions::from_mode(0o755)).unwrap();
        symlink(*BIN, s.p("shim/docker")).unwrap();
        std::fs::write(s.p("policy.toml"), "").unwrap();
        s
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env(
                "PATH",
                format!("{}:{}", self.p("shim").display(), self.p("rt").display()),
            )
            .env("HOME", self.p("home"))
            .env("NANOCLAW_SHIM_POLICY", self.p("policy.toml"))
            .current_dir(self.dir.path());
        c
    }
}

#[test]
fn the_docker_face_hands_the_runtime_only_its_own_annotations() {
    let s = Sandbox::new();
    let argv = forging_argv();
    let o = output(s.command(&s.p("shim/docker")).args(&argv));
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        o.stdout.is_empty(),
        "the shim wrote to stdout: {}",
        text(&o.stdout)
    );
    let got: Vec<OsString> = std::fs::read_to_string(s.p("argv.txt"))
        .unwrap()
        .lines()
        .map(OsString::from)
        .collect();
    // The shim's own four: what it applied, the mount check's record (no bind here: empty), the
    // annotation prefixes its hook refuses and the lowest ids it lets the process run with;
    // every forged one is gone.
    let found = shim_annotations(&got);
    assert_eq!(found.len(), 4, "{found:?}");
    assert!(
        found
            .iter()
            .any(|a| a.starts_with(&format!("{}=", nanoclaw_shim::mountcheck::IDS_KEY))),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|a| a.starts_with(&format!("{}=run.oci.;", nanoclaw_shim::mountcheck::REFUSED_KEY))),
        "{found:?}"
    );
    assert!(
        found.contains(&format!("{}=", nanoclaw_shim::mountcheck::KEY)),
        "{found:?}"
    );
    let value = annotate::find(&got).unwrap();
    let rules = rules_of(&value, "enforce");
    assert!(rules.contains(&Rule::HardenReadOnly), "{value}");
    assert_eq!(got[got.len() - 3..], argv[argv.len() - 3..]);
}

#[test]
fn explain_shows_the_annotation_and_the_removed_forgery() {
    let s = Sandbox::new();
    let o = output(
        s.command(Path::new(*BIN))
            .args(["explain", "--", "docker", "run", "--rm"])
            .args([
                "--annotation=io.github.nanoclaw-shim.applied=forged",
                "--entrypoint",
                "bash",
            ])
            .args(["img", "-c", "true"]),
    );
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    let added: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start().starts_with("+ harden.annotation"))
        .collect();
    assert_eq!(added.len(), 1, "{out}");
    assert!(
        added[0].contains(&format!(
            "--annotation={}=nanoclaw-shim/{VERSION} mode=enforce rules=",
            annotate::KEY
        )),
        "{out}"
    );
    assert!(added[0].contains("harden.init"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.trim_start().starts_with("- harden.annotation") && l.contains("forged")),
        "{out}"
    );
    // the command line carries it quoted, before the image
    let command = out.lines().find(|l| l.starts_with("command:")).unwrap();
    let at = command
        .find("'--annotation=io.github.nanoclaw-shim.applied=nanoclaw-shim/")
        .unwrap();
    assert!(at < command.find(" img ").unwrap(), "{command}");
    assert!(!command.contains("forged"), "{command}");
}

// ------------------------------------------------------------------- real podman ---

/// The machine facts written by the CI set-up (`NANOCLAW_SHIM_E2E_ENV` names podman 5's).
fn ci_env() -> Vec<(String, String)> {
    let file = std::env::var("NANOCLAW_SHIM_E2E_ENV")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "/etc/nanoclaw-shim-ci/env".into());
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn loud(msg: &str) {
    let bar = "=".repeat(78);
    let _ = writeln!(std::io::stderr().lock(), "\n{bar}\n{msg}\n{bar}");
}

const FIXTURE_IMAGE: &str = "localhost/nanoclaw-shim-fixture:latest";

/// Rootful podman as the CI set-up prepared it (`CONTAINERS_CONF` from its facts file).
struct RealPodman {
    podman: PathBuf,
    conf: Option<String>,
}

impl RealPodman {
    /// Podman and the fixture image, or `None` after a loud skip message (a failure with
    /// `NANOCLAW_SHIM_REQUIRE_PODMAN=1`).
    fn get(test: &str) -> Option<RealPodman> {
        let conf = ci_env()
            .into_iter()
            .find(|(k, _)| k == "CONTAINERS_CONF")
            .map(|(_, v)| v);
        let podman = SYSTEM_PATH
            .split(':')
            .map(|d| Path::new(d).join("podman"))
            .find(|p| p.is_file());
        let euid = std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m));
        let why = match podman {
            _ if euid.ok() != Some(0) => "the real-podman tests run as root".to_string(),
            None => "podman is not installed".to_string(),
            Some(podman) => {
                let rp = RealPodman { podman, conf };
                let o = rp
                    .podman()
                    .args(["image", "exists", FIXTURE_IMAGE])
                    .output()
                    .unwrap();
                if o.status.success() {
                    return Some(rp);
                }
                format!("the fixture image {FIXTURE_IMAGE} is missing; build it with fixtures/image/build.sh")
            }
        };
        if std::env::var(REQUIRE).is_ok_and(|v| v == "1") {
            panic!("{REQUIRE}=1 but podman cannot be used: {why}");
        }
        loud(&format!(
            "SKIPPED: real-podman test `{test}` did NOT run:\n  {why}\n\
             Prepare the machine with `sudo .ci/podman-setup.sh`; set {REQUIRE}=1 to make this a failure."
        ));
        None
    }

    /// `program` with root's clean environment and the CI's containers.conf.
    fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", SYSTEM_PATH)
            .env("HOME", "/root")
            .current_dir("/");
        if let Some(cc) = &self.conf {
            c.env("CONTAINERS_CONF", cc);
        }
        c
    }

    fn podman(&self) -> Command {
        self.command(&self.podman)
    }
}

/// Removes the test's container, pass or fail.
struct Cleanup<'a>(&'a RealPodman, String);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = self
            .0
            .podman()
            .args(["rm", "--force", &self.1])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

#[test]
fn podman_inspect_shows_the_shims_annotation() {
    const IMAGE: &str = FIXTURE_IMAGE;
    let Some(rp) = RealPodman::get("podman_inspect_shows_the_shims_annotation") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("bin")).unwrap();
    symlink(*BIN, dir.path().join("bin/docker")).unwrap();
    let policy_file = dir.path().join("policy.toml");
    std::fs::copy(repo().join("policy/default.toml"), &policy_file).unwrap();
    let name = format!("nanoclaw-shim-annotation-{}", std::process::id());
    let _cleanup = Cleanup(&rp, name.clone());
    let argv = os(&[
        "create",
        "--name",
        &name,
        "--annotation",
        "io.github.nanoclaw-shim.applied=nanoclaw-shim/0.0.0 mode=enforce rules=",
        "--annotation=io.github.nanoclaw-shim.verified=yes",
        "--annotation",
        "org.example.team=blue",
        "--entrypoint",
        "sh",
        IMAGE,
        "-c",
        "true",
    ]);
    let mut docker = rp.command(&dir.path().join("bin/docker"));
    docker
        .env(
            "PATH",
            format!("{}:{SYSTEM_PATH}", dir.path().join("bin").display()),
        )
        .env("NANOCLAW_SHIM_POLICY", &policy_file)
        .args(&argv);
    let o = docker.output().unwrap();
    assert!(
        o.status.success(),
        "docker create through the shim: {}",
        text(&o.stderr)
    );
    let o = rp
        .podman()
        .args(["inspect", "--format", "{{json .Config.Annotations}}", &name])
        .output()
        .unwrap();
    assert!(o.status.success(), "podman inspect: {}", text(&o.stderr));
    let got: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&o.stdout)));
    let value = got[annotate::KEY]
        .as_str()
        .unwrap_or_else(|| panic!("no {} in {got}", annotate::KEY));
    let rules = rules_of(value, "enforce");
    for r in [
        Rule::HardenReadOnly,
        Rule::HardenCapDrop,
        Rule::HardenNoNewPrivileges,
        Rule::HardenInit,
        Rule::LimitPids,
    ] {
        assert!(rules.contains(&r), "{r} missing from {value}");
    }
    // what explain predicts is what podman stored
    let plan = rewrite::plan(
        &argv,
        &Policy::default(),
        &Target::fixed(Flavor::Podman, false, Some((4, 3, 1))),
    );
    assert_eq!(annotate::find(&plan.args).as_deref(), Some(value));
    assert_eq!(got["org.example.team"], "blue", "{got}");
    let ours: Vec<&String> = got
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| annotate::in_namespace(k.as_bytes()))
        .collect();
    assert_eq!(
        ours,
        [
            annotate::KEY,
            nanoclaw_shim::mountcheck::IDS_KEY,
            nanoclaw_shim::mountcheck::KEY,
            nanoclaw_shim::mountcheck::REFUSED_KEY
        ],
        "{got}"
    );
    assert_eq!(
        got[nanoclaw_shim::mountcheck::KEY],
        "",
        "no bind to record: {got}"
    );
}

/// verify's failure messages are the ones that showed Rust's `Some(..)`: a policy with the
/// hardening switched off makes them fail on real podman, and none may show debug text.
#[test]
fn verify_failure_messages_show_no_rust_debug_text() {
    let Some(rp) = RealPodman::get("verify_failure_messages_show_no_rust_debug_text") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let policy_file = dir.path().join("weak.toml");
    std::fs::write(
        &policy_file,
        "[hardening]\nread_only = false\ndrop_capabilities = []\nkeep_capabilities = []\nno_new_privileges = false\n",
    )
    .unwrap();
    let o = rp
        .command(Path::new(*BIN))
        .args(["verify", "--image", FIXTURE_IMAGE])
        .env("NANOCLAW_SHIM_POLICY", &policy_file)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}{}", text(&o.stderr));
    // the three probes whose readings are reported
    for (check, reading) in [
        ("[FAIL] root filesystem is read-only", "/ is mounted "),
        ("[FAIL] no capabilities beyond", "CapEff "),
        ("[FAIL] no-new-privileges", "NoNewPrivs "),
    ] {
        let at = out
            .lines()
            .position(|l| l.contains(check))
            .unwrap_or_else(|| panic!("no `{check}`:\n{out}"));
        let detail = out.lines().nth(at + 1).unwrap_or_default();
        assert!(detail.trim_start().starts_with(reading), "{check}: {detail}");
    }
    assert_no_debug_text("verify", &o);
}

// ------------------------------------------------------ docs/POLICY.md's examples ---

/// The fenced ```toml blocks of a markdown text.
fn toml_blocks(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in md.lines() {
        match &mut cur {
            None if line.trim() == "```toml" => cur = Some(String::new()),
            Some(_) if line.trim() == "```" => out.extend(cur.take()),
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
            None => {}
        }
    }
    out
}

/// Which nanoclaw spawns each profile example of docs/POLICY.md says it matches (the text
/// around each example says the same in words).
const CLAIMS: &[(&str, &[&str])] = &[
    (
        "main-group",
        &[
            "real/v2-may.json",
            "real/v2-may-user-extra.json",
            "real/v2-may-agent-image.json",
            "real/v2-june.json",
            "v2.json",
            "v2-june.json",
            "v2-user-extra.json",
        ],
    ),
    (
        "main-group-newest",
        &[
            "real/newest-create.json",
            "real/newest-create-lockdown.json",
            "real/newest-aux-agent-create.json",
            "real/newest-create-blocked-host.json",
        ],
    ),
    ("own-image", &["real/v2-may-agent-image.json"]),
];

#[test]
fn policy_md_profile_examples_match_the_nanoclaw_argv_they_claim() {
    let md = std::fs::read_to_string(repo().join("docs/POLICY.md")).unwrap();
    let blocks = toml_blocks(&md);
    assert!(blocks.len() >= 8, "{} toml blocks", blocks.len());
    let target = || alice(Target::fixed(Flavor::Podman, true, Some((4, 3, 1))));
    let spawns = nanoclaw_spawns();
    let mut seen = Vec::new();
    for block in &blocks {
        // every example is a policy file the shim accepts
        let (policy, diags) = policy::parse(block, "docs/POLICY.md")
            .unwrap_or_else(|e| panic!("a docs/POLICY.md example does not load: {e}\n{block}"));
        if !block.contains("[[profile]]") {
            continue;
        }
        assert!(diags.is_empty(), "{diags:?}\n{block}");
        assert_eq!(policy.profiles.len(), 1, "one profile per example:\n{block}");
        let name = policy.profiles[0].name.clone();
        let claimed = CLAIMS
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("example profile {name} claims nothing here; add it to CLAIMS"))
            .1;
        for (fixture, argv) in &spawns {
            let plan = rewrite::plan(argv, &policy, &target());
            let matched = plan.profile.as_deref() == Some(name.as_str());
            assert_eq!(
                matched,
                claimed.contains(&fixture.as_str()),
                "profile {name} vs {fixture}"
            );
            // where it matches, it changes what runs
            if matched && plan.decision == Decision::Rewrite {
                let plain = rewrite::plan(argv, &Policy::default(), &target());
                assert_ne!(plan.args, plain.args, "profile {name} has no effect on {fixture}");
            }
        }
        seen.push(name);
    }
    seen.sort();
    let mut want: Vec<String> = CLAIMS.iter().map(|(n, _)| n.to_string()).collect();
    want.sort();
    assert_eq!(seen, want, "docs/POLICY.md's profile examples and CLAIMS differ");

    // The explain command the browser example gives shows what the text says it shows.
    let line = md
        .lines()
        .find(|l| l.contains("`nanoclaw-shim explain -- run"))
        .expect("the browser example's explain command");
    let cmd = line.split('`').nth(1).unwrap();
    let argv: Vec<OsString> = cmd.split_whitespace().skip(3).map(OsString::from).collect();
    let example = blocks.iter().find(|b| b.contains("\"main-group\"")).unwrap();
    let (policy, _) = policy::parse(example, "docs/POLICY.md").unwrap();
    let plan = rewrite::plan(&argv, &policy, &target());
    assert_eq!(plan.profile.as_deref(), Some("main-group"), "{cmd}");
    for want in ["--shm-size=1g", "--memory=8g"] {
        assert!(
            plan.args.iter().any(|a| a == want),
            "{want} missing: {:?}",
            plan.args
        );
    }
}

// --------------------------------------------------------------------- messages ---

fn assert_no_debug_text(what: &str, o: &Output) {
    for l in text(&o.stdout).lines().chain(text(&o.stderr).lines()) {
        for bad in ["Some(", "None", "Ok(", "Err(", "Os {", "kind: "] {
            assert!(!l.contains(bad), "{what}: Rust debug text {bad:?} in: {l}");
        }
    }
}

#[test]
fn messages_never_show_rust_debug_text() {
    let s = Sandbox::new();
    // a runtime that fails every probe, and one that is missing
    std::fs::create_dir(s.p("broken")).unwrap();
    let broken = s.p("broken/podman");
    std::fs::write(&broken, "#!/bin/sh\necho boom >&2\nexit 1\n").unwrap();
    std::fs::set_permissions(&broken, std::fs::Permissions::from_mode(0o755)).unwrap();
    let shim_and = |rt: &str| format!("{}:{}", s.p("shim").display(), s.p(rt).display());
    for (what, args) in [
        (
            "doctor, failing runtime",
            vec!["doctor".to_string(), "--path".into(), shim_and("broken")],
        ),
        (
            "doctor, no runtime",
            vec!["doctor".into(), "--path".into(), shim_and("home")],
        ),
        (
            "doctor json",
            vec![
                "doctor".into(),
                "--format".into(),
                "json".into(),
                "--path".into(),
                shim_and("broken"),
            ],
        ),
        ("log without a log", vec!["log".into()]),
        (
            "policy check of a missing file",
            vec!["policy".into(), "check".into(), "/nonexistent/p.toml".into()],
        ),
        (
            "explain, unknown flag",
            vec![
                "explain".into(),
                "--".into(),
                "run".into(),
                "--bogus".into(),
                "img".into(),
            ],
        ),
    ] {
        let o = output(s.command(Path::new(*BIN)).args(&args));
        assert!(o.status.code().is_some(), "{what}");
        assert_no_debug_text(what, &o);
    }
    // the docker face: a policy that does not load, a runtime that is not there, a refusal
    std::fs::write(s.p("bad.toml"), "mode = \"loud\"\n").unwrap();
    let o = s
        .command(&s.p("shim/docker"))
        .env("NANOCLAW_SHIM_POLICY", s.p("bad.toml"))
        .args(["run", "img"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(125));
    assert_no_debug_text("docker, bad policy", &o);
    let o = s
        .command(&s.p("shim/docker"))
        .env("PATH", s.p("shim"))
        .args(["run", "img"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(125));
    assert_no_debug_text("docker, no runtime", &o);
    let o = s
        .command(&s.p("shim/docker"))
        .args(["run", "--privileged", "img"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(125));
    assert_eq!(text(&o.stderr).lines().count(), 1, "{}", text(&o.stderr));
    assert_no_debug_text("docker, refused", &o);
}

#[test]
fn every_policy_subcommands_help_names_its_exit_status() {
    for sub in ["check", "show", "diff", "init"] {
        let o = Command::new(*BIN)
            .args(["policy", sub, "--help"])
            .output()
            .unwrap();
        let help = text(&o.stdout);
        assert!(o.status.success(), "{sub}: {}", text(&o.stderr));
        assert!(
            help.to_ascii_lowercase().contains("exit 0"),
            "policy {sub} --help names no exit status:\n{help}"
        );
    }
}
