//! Unit tests of the pure parts: leftovers, the tally, listings, limits, fixture reports.

use super::checks::*;
use super::cleanup::{id_label_pairs, stale, sweep_work_dirs};
use super::report::*;
use super::strs;
use crate::units::NanoCpus;

#[test]
fn leftovers_of_dead_runs_only() {
    let found = vec![
        ("c-dead".to_string(), "4194304-17".to_string()),
        ("c-live".to_string(), "42-17".to_string()),
        ("c-other".to_string(), "somebody else's".to_string()),
        ("c-empty".to_string(), String::new()),
        ("c-nopid".to_string(), "-17".to_string()),
    ];
    assert_eq!(stale(&found, |pid| pid == 42), ["c-dead"]);
    assert_eq!(
        id_label_pairs("abc\t1-2\n\ndef\t\nnoise\n"),
        [
            ("abc".to_string(), "1-2".to_string()),
            ("def".to_string(), String::new())
        ]
    );
}

#[test]
fn work_dirs_of_dead_runs_are_swept() {
    let d = tempfile::tempdir().unwrap();
    for n in [
        "nanoclaw-shim-verify-4194304-99-0",
        "nanoclaw-shim-verify-42-99-0",
        "nanoclaw-shim-other",
    ] {
        std::fs::create_dir_all(d.path().join(n).join("bin")).unwrap();
    }
    assert_eq!(sweep_work_dirs(d.path(), |pid| pid == 42), 1);
    assert!(!d.path().join("nanoclaw-shim-verify-4194304-99-0").exists());
    assert!(d.path().join("nanoclaw-shim-verify-42-99-0").exists());
    assert!(d.path().join("nanoclaw-shim-other").exists());
}

#[test]
fn tally_counts_and_formats() {
    let mut t = Tally::default();
    let a = t.record("Image operations", "docker info", &Outcome::pass());
    assert_eq!(a, "Image operations:\n  [PASS] docker info\n");
    let b = t.record(
        "Image operations",
        "docker build",
        &Outcome::fail("exit 1: boom\nsecond"),
    );
    assert_eq!(
        b,
        "  [FAIL] docker build\n         exit 1: boom\n         second\n"
    );
    let c = t.record("Resource limits", "--cpus=2", &Outcome::warn("not enforced"));
    assert!(c.starts_with("\nResource limits:\n  [WARN] --cpus=2\n"), "{c}");
    t.record("nanoclaw invocation", "v1", &Outcome::skip("not the fixture"));
    assert_eq!(t.passed(), 1);
    assert_eq!(t.failed(), 1);
    assert_eq!(t.summary(), "Results: 1/2 passed (1 warning, 1 skipped)");
    assert_eq!(t.exit_code(), 1);
}

#[test]
fn all_passing_exits_zero_and_nothing_run_does_not() {
    let mut t = Tally::default();
    assert_eq!(t.exit_code(), 1, "no checks is not a success");
    for n in 0..14 {
        t.record("G", &n.to_string(), &Outcome::pass());
    }
    assert_eq!(t.summary(), "Results: 14/14 passed");
    assert_eq!(t.exit_code(), 0);
    t.record("G", "w", &Outcome::warn("x"));
    assert_eq!(t.exit_code(), 0, "a warning is not a failure");
    assert_eq!(t.summary(), "Results: 14/14 passed (1 warning)");
    t.record("G", "w2", &Outcome::warn("x"));
    assert!(t.summary().ends_with("(2 warnings)"));
}

#[test]
fn picks_the_newest_nanoclaw_agent_image() {
    let listing = "localhost/other:latest\n<none>:<none>\nlocalhost/nanoclaw-agent-v2-3f9a1c0e:latest\nlocalhost/nanoclaw-agent:latest\n";
    assert_eq!(
        pick_image(listing).as_deref(),
        Some("localhost/nanoclaw-agent-v2-3f9a1c0e:latest")
    );
    assert_eq!(
        pick_image("nanoclaw-agent:dev\n").as_deref(),
        Some("nanoclaw-agent:dev")
    );
    assert_eq!(pick_image("localhost/nanoclaw-agent:<none>\n"), None);
    assert_eq!(
        pick_image("localhost/my-nanoclaw-agent:latest\nregistry:5000/x:1\n"),
        None
    );
    assert_eq!(
        pick_image("registry.example:5000/team/nanoclaw-agent:1\n").as_deref(),
        Some("registry.example:5000/team/nanoclaw-agent:1")
    );
    assert_eq!(pick_image(""), None);
}

#[test]
fn key_values_and_frames() {
    let kv = parse_kv("rootopts=ro,relatime\nnoise\nfstype:/tmp=tmpfs\nCapEff=0000000000000000\n");
    assert_eq!(kv["rootopts"], "ro,relatime");
    assert_eq!(kv["fstype:/tmp"], "tmpfs");
    assert!(caps_empty(kv.get("CapEff")));
    assert!(caps_within(Some(&"0000000000040000".to_string()), 1 << 18));
    assert!(!caps_within(Some(&"0000000000240000".to_string()), 1 << 18));
    assert!(!caps_within(None, 1 << 18));
    assert!(!caps_empty(Some(&"00000000a80425fb".to_string())));
    assert!(!caps_empty(None));
    let out = format!("log\n{START}\n{{\"a\":1}}\n{END}\n{START}\n{{\"b\":2}}\n{END}\n");
    assert_eq!(framed_json(&out), Some("{\"b\":2}"));
    assert_eq!(framed_json("nothing"), None);
    assert_eq!(framed_json(&format!("{START}\n{{}}")), None);
}

#[test]
fn requested_limits_from_a_create_command() {
    let argv = strs(&[
        "podman",
        "create",
        "--cpus",
        "4",
        "--memory",
        "4096m",
        "--pids-limit",
        "2048",
        "--cpus=2",
        "--pids-limit=256",
        "--name",
        "x",
        "img",
    ]);
    let l = requested_limits(&argv);
    assert_eq!(l.cpus, Some(NanoCpus(2_000_000_000)));
    assert_eq!(l.memory, Some(4 << 30));
    assert_eq!(l.pids, Some(256));
    assert_eq!(
        requested_limits(&strs(&["podman", "run", "-m", "1g", "img"])).memory,
        Some(1 << 30)
    );
    let none = requested_limits(&strs(&["podman", "run", "--pids-limit=-1", "--memory=0", "img"]));
    assert_eq!(none, Limits::default());
}

#[test]
fn requested_limits_read_back_what_the_shim_execs() {
    use crate::rewrite::{Flavor, Target, plan};
    let argv: Vec<std::ffi::OsString> = ["run", "-i", "--rm", "--name", "x", "img", "--cpus=9"]
        .iter()
        .map(Into::into)
        .collect();
    let policy = crate::policy::Policy::default();
    let planned = plan(
        &argv,
        &policy,
        &Target::fixed(Flavor::Podman, true, Some((4, 3, 1))),
    );
    let mut recorded = vec!["podman".to_string()];
    recorded.extend(planned.args.iter().map(|a| a.to_string_lossy().into_owned()));
    let l = requested_limits(&recorded);
    assert_eq!(l.cpus, Some(NanoCpus(2_000_000_000)), "{recorded:?}");
    assert_eq!(l.memory, Some(4 << 30), "{recorded:?}");
    assert_eq!(l.pids, Some(256), "{recorded:?}");
}

#[test]
fn effective_limits_v1_and_v2() {
    let v1 = parse_kv("cgroup=1\npids=256\nmemory=4294967296\ncpu=200000 100000\n");
    let l = effective_limits(&v1);
    assert_eq!(
        l,
        Limits {
            cpus: Some(NanoCpus(2_000_000_000)),
            memory: Some(4 << 30),
            pids: Some(256)
        }
    );
    let unlimited = parse_kv("cgroup=1\npids=\nmemory=9223372036854771712\ncpu=-1 100000\n");
    assert_eq!(effective_limits(&unlimited), Limits::default());
    let v2 = parse_kv("cgroup=2\npids=max\nmemory=max\ncpu=max 100000\n");
    assert_eq!(effective_limits(&v2), Limits::default());
    let half = parse_kv("cpu=50000 100000\nmemory=536870912\npids=64\n");
    assert_eq!(effective_limits(&half).cpus, Some(NanoCpus(500_000_000)));
}

#[test]
fn limit_outcomes() {
    let why = Some("rootless cgroup v1");
    assert_eq!(
        limit_outcome("pids limit", Some(256u64), Some(256), show_pids, None).status,
        Status::Pass
    );
    assert_eq!(
        limit_outcome("pids limit", Some(256u64), None, show_pids, None).status,
        Status::Fail
    );
    let w = limit_outcome("pids limit", Some(256u64), None, show_pids, why);
    assert_eq!(w.status, Status::Warn);
    assert!(w.detail.unwrap().contains("NOT enforced"));
    assert_eq!(
        limit_outcome("pids limit", None, None, show_pids, why).status,
        Status::Fail
    );
    assert_eq!(
        limit_outcome("pids limit", Some(256u64), Some(2048), show_pids, why).status,
        Status::Fail
    );
    assert_eq!(show_memory(4 << 30), "memory 4g");
}

/// SYS_CHROOT, the capability the default policy keeps.
const KEPT: u64 = 1 << 18;

#[test]
fn capability_masks_by_name() {
    assert_eq!(caps_mask(&["SYS_CHROOT"]), KEPT);
    assert_eq!(caps_mask(&["CHOWN", "KILL", "NO_SUCH"]), 0b10_0001);
}

fn report(writes: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "fixture": FIXTURE_TITLE, "status": "success", "uid": 1000, "gid": 1000,
        "root_readonly": true, "root_writable": false,
        "cap_eff": "0000000000000000", "cap_bnd": "0000000000000000", "no_new_privs": 1,
        "writes": writes, "write_errors": {"/probe-root": "Read-only file system"},
        "stdin": {"bytes": 14, "prompt": "hi"}
    })
}

#[test]
fn fixture_reports() {
    let good = report(serde_json::json!({
        "/tmp/input.json": true, "/workspace/group/.nanoclaw-fixture-probe": true, "/probe-root": false
    }));
    assert!(check_fixture_report(&good, Some("hi"), &["/workspace/group"], KEPT).is_ok());
    let e = check_fixture_report(&good, Some("bye"), &["/workspace/agent"], KEPT).unwrap_err();
    assert!(
        e.contains("prompt") && e.contains("/workspace/agent is not a mount point"),
        "{e}"
    );
    let mut bad = report(serde_json::json!({
        "/workspace/group/.nanoclaw-fixture-probe": false, "/probe-root": true
    }));
    bad["write_errors"]["/workspace/group/.nanoclaw-fixture-probe"] = "Permission denied".into();
    bad["cap_bnd"] = "00000000a80425fb".into();
    let e = check_fixture_report(&bad, None, &[], KEPT).unwrap_err();
    assert!(
        e.contains("cannot write /workspace/group/.nanoclaw-fixture-probe (Permission denied)"),
        "{e}"
    );
    assert!(
        e.contains("could write /probe-root") && e.contains("cap_bnd"),
        "{e}"
    );
    assert!(check_fixture_report(&serde_json::json!({}), None, &[], KEPT).is_err());
}

#[test]
fn probe_readings_judged() {
    let kv = parse_kv(
        "rootopts=ro,relatime\nroot_write=refused\nfstype:/tmp=tmpfs\nwrite:/tmp=ok\n\
         fstype:/home/node=overlay\nwrite:/home/node=ok\nCapEff=0000000000000000\n\
         CapBnd=0000000000040000\nNoNewPrivs=1\n",
    );
    assert_eq!(root_read_only(&kv), Ok(()));
    assert_eq!(writable_tmpfs(&kv, "/tmp"), Ok(()));
    assert_eq!(
        writable_tmpfs(&kv, "/home/node"),
        Err("/home/node: filesystem \"overlay\", write \"ok\"".into())
    );
    assert_eq!(caps_kept(&kv, KEPT), Ok(()));
    assert_eq!(
        caps_kept(&kv, 0),
        Err("CapEff \"0000000000000000\", CapBnd \"0000000000040000\"".into())
    );
    assert_eq!(no_new_privs(&kv), Ok(()));
    let bare = parse_kv("rootopts=rw\n");
    assert_eq!(
        root_read_only(&bare),
        Err("/ is mounted \"rw\", write not reported".into())
    );
    assert_eq!(no_new_privs(&bare), Err("NoNewPrivs not reported".into()));
}

/// A cgroup namespace made fails; refused passes (said when no user namespace could be made
/// either); an image without util-linux's `unshare` is skipped, never passed.
#[test]
fn a_cgroup_namespace_is_judged_from_the_probe() {
    use super::hardening::cgroup_namespace_outcome;
    let status = |text: &str| cgroup_namespace_outcome(&parse_kv(text)).status;
    assert_eq!(status("userns=made\ncgroupns=made\n"), Status::Fail);
    assert_eq!(status("userns=made\ncgroupns=refused\n"), Status::Pass);
    let alone = cgroup_namespace_outcome(&parse_kv("userns=refused\ncgroupns=refused\n"));
    assert_eq!(alone.status, Status::Pass);
    assert!(alone.detail.is_some_and(|d| d.contains("not told apart")));
    assert_eq!(status("userns=made\ncgroupns=untested\n"), Status::Skip);
    assert_eq!(status("cgroupns=untested\n"), Status::Skip);
    assert_eq!(status(""), Status::Skip);
}

#[test]
fn the_shims_annotation_is_judged_from_inspect() {
    let key = crate::rewrite::annotate::KEY;
    let v = env!("CARGO_PKG_VERSION");
    let json = |value: &str| format!("{{\"other\":\"x\",\"{key}\":\"{value}\"}}\n");
    let good = json(&format!(
        "nanoclaw-shim/{v} mode=enforce rules=harden.read-only;harden.cap-drop"
    ));
    assert_eq!(shim_annotation(&good), Ok(()));
    for bad in [
        json(&format!("nanoclaw-shim/{v} mode=audit rules=")),
        json(&format!("nanoclaw-shim/{v} mode=enforce rules=harden.cap-drop")),
        json("nanoclaw-shim/0.0.0 mode=enforce rules=harden.read-only"),
        "{\"other\":\"x\"}".to_string(),
        "null".to_string(),
        "<no value>".to_string(),
    ] {
        let e = shim_annotation(&bad).unwrap_err();
        assert!(!e.contains("Some("), "{e}");
    }
}
