//! Snapshots of `explain` (text and JSON) for every nanoclaw generation in `fixtures/nanoclaw/`.
//!
//! Each fixture is one argv nanoclaw has issued; the snapshots under `fixtures/snapshots/` are
//! the reviewed output. A change to the rewrite shows up here as a diff to review.

use std::ffi::{OsStr, OsString};
use std::path::Path;

use nanoclaw_shim::explain::{Facts, Report};
use nanoclaw_shim::policy::Policy;
use nanoclaw_shim::rewrite::{self, Flavor, Target};

fn fixtures() -> Vec<(String, Vec<OsString>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/nanoclaw");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_file() || path.extension().is_none_or(|e| e != "json") {
            continue; // real/: nanoclaw's own argv, checked by tests/it/real_argv.rs
        }
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let argv = v["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().into())
            .collect();
        out.push((path.file_stem().unwrap().to_string_lossy().into_owned(), argv));
    }
    out.sort();
    assert!(out.len() >= 9, "fixtures missing");
    out
}

fn report(plan: &rewrite::Plan) -> Report<'_> {
    Report {
        plan,
        runtime: OsStr::new("podman"),
        runtime_path: Ok("/usr/bin/podman".into()),
        facts: Facts {
            flavor: "podman",
            rootless: true,
            version: Some((4, 3, 1)),
        },
        policy: "<embedded default>",
        environment: Ok(Vec::new()),
        unlisted: Vec::new(),
        keeps_all: false,
        show_secrets: false,
    }
}

#[test]
fn explain_every_nanoclaw_generation() {
    let policy = Policy::default();
    // A rootless podman 4.3.1 host (Debian 12's podman): what nanoclaw users run.
    let mut target = Target::fixed(Flavor::Podman, true, Some((4, 3, 1)));
    // The fixtures' world: nanoclaw runs as alice from her checkout.
    // Her per-agent Containerfile (nanoclaw's own shape) is the one file the fixtures read; its
    // base image is in local storage, without ONBUILD triggers.
    let fs = nanoclaw_shim::hostfs::MemFs::new().file_with(
        "/home/alice/nanoclaw/data/Dockerfile.ag1",
        b"FROM nanoclaw-agent-v2-3f9a1c0e:latest\nUSER root\nRUN apt-get install -y jq\nUSER node\n",
    );
    target.host = nanoclaw_shim::deny::HostCtx {
        cwd: Some("/home/alice/nanoclaw".into()),
        home: Some("/home/alice".into()),
        own_files: Vec::new(),
        fs: Box::leak(Box::new(fs)),
        ..Default::default()
    };
    target.base_probe = Some(Box::new(|_| Ok(())));
    // podman's default seccomp profile, in the shape containers-common writes it.
    target.seccomp_probe = Some(Box::new(|| {
        Ok((
            "/usr/share/containers/seccomp.json".into(),
            br#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "unshare", "clone", "clone3"], "action": "SCMP_ACT_ALLOW"}]}"#.to_vec(),
        ))
    }));
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (name, argv) in fixtures() {
            let plan = rewrite::plan(&argv, &policy, &target);
            let r = report(&plan);
            assert!(r.runs(), "{name} is refused: {plan:?}");
            insta::assert_snapshot!(format!("{name}.text"), r.text());
            insta::assert_snapshot!(format!("{name}.json"), r.json());
            let text = r.text() + &r.json();
            for secret in ["ocl_tok_5e1f", "ghp_x", "=placeholder"] {
                assert!(!text.contains(secret), "{name} leaks {secret}");
            }
        }
    });
}
