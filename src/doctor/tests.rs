//! Unit tests of the pure parts: PATH winner, unit files, output parsing, checks, rendering.

use super::*;
use crate::rewrite::Flavor;
use crate::style::Paint;

fn cand(path: &str, kind: DockerKind) -> Candidate {
    Candidate {
        path: PathBuf::from(path),
        kind,
    }
}

#[test]
fn the_first_executable_docker_wins() {
    let dirs = path_dirs(OsStr::new("/none:/usr/bin:/shim"));
    let found = docker_candidates(&dirs, |p| match p.to_str().unwrap() {
        "/usr/bin/docker" => Some(DockerKind::Other),
        "/shim/docker" => Some(DockerKind::ThisShim),
        _ => None,
    });
    assert_eq!(
        found,
        [
            cand("/usr/bin/docker", DockerKind::Other),
            cand("/shim/docker", DockerKind::ThisShim)
        ]
    );
    let c = docker_check(&found, Path::new("/bin/nanoclaw-shim"), "the current PATH", "FIX");
    assert_eq!(c.status, Status::Fail);
    assert!(c.detail.contains("/usr/bin/docker wins"), "{}", c.detail);
    assert!(c.detail.contains("/shim/docker comes later"), "{}", c.detail);
    assert_eq!(c.fix.as_deref(), Some("FIX"));
}

#[test]
fn docker_check_statuses() {
    let me = Path::new("/x/nanoclaw-shim");
    let ok = docker_check(&[cand("/s/docker", DockerKind::ThisShim)], me, "P", "F");
    assert_eq!((ok.status, ok.fix), (Status::Ok, None));
    assert!(ok.detail.contains("is this nanoclaw-shim"));
    let other = docker_check(
        &[cand(
            "/s/docker",
            DockerKind::OtherShim("/o/nanoclaw-shim".into()),
        )],
        me,
        "P",
        "F",
    );
    assert_eq!(other.status, Status::Warn);
    let none = docker_check(&[], me, "P", "F");
    assert_eq!(none.status, Status::Fail);
    assert!(none.detail.contains("no `docker` on P"));
}

#[test]
fn systemd_word_splitting() {
    assert_eq!(systemd_words("A=1 B=2"), ["A=1", "B=2"]);
    assert_eq!(systemd_words("\"PATH=/a b:/c\" X=y"), ["PATH=/a b:/c", "X=y"]);
    assert_eq!(systemd_words("PATH=\"/a:/b\""), ["PATH=/a:/b"]);
    assert_eq!(systemd_words("'Q=it\\'s' R=a\\ b"), ["Q=it's", "R=a b"]);
    assert_eq!(systemd_words("  "), Vec::<String>::new());
    assert_eq!(systemd_words("E=\"\""), ["E="]);
}

#[test]
fn specifiers_expand() {
    let s = Specifiers {
        home: "/home/u".into(),
        user: "u".into(),
        uid: "1000".into(),
        runtime_dir: "/run/user/1000".into(),
    };
    assert_eq!(
        expand_specifiers("%h/.local/bin:%%h:%U:%u:%t:%Z", &s),
        "/home/u/.local/bin:%h:1000:u:/run/user/1000:%Z"
    );
}

#[test]
fn unit_environment_last_assignment_wins() {
    let spec = Specifiers {
        home: "/home/u".into(),
        ..Specifiers::default()
    };
    let mut env = Vec::new();
    apply_unit_environment(
        &mut env,
        "[Unit]\nDescription=nanoclaw\nEnvironment=PATH=/not/service\n\n[Service]\n# Environment=PATH=/comment\nEnvironment=NODE_ENV=production PATH=/usr/local/bin:/usr/bin:/bin:%h/.local/bin\nExecStart=/usr/bin/node dist/index.js\n",
        &spec,
    );
    assert_eq!(
        env_get(&env, "PATH"),
        Some("/usr/local/bin:/usr/bin:/bin:/home/u/.local/bin")
    );
    assert_eq!(env_get(&env, "NODE_ENV"), Some("production"));
    // a drop-in as install.sh writes it
    apply_unit_environment(
        &mut env,
        "# Written by nanoclaw-shim's install.sh\n[Service]\nEnvironment=\"PATH=/home/u/.local/lib/nanoclaw-shim/bin:/usr/local/bin:/usr/bin\"\n",
        &spec,
    );
    assert_eq!(
        env_get(&env, "PATH"),
        Some("/home/u/.local/lib/nanoclaw-shim/bin:/usr/local/bin:/usr/bin")
    );
    assert_eq!(env_get(&env, "NODE_ENV"), Some("production"));
    // continuation lines, then an empty Environment= resets everything
    apply_unit_environment(&mut env, "[Service]\nEnvironment=A=1 \\\n  PATH=/cont\n", &spec);
    assert_eq!(env_get(&env, "PATH"), Some("/cont"));
    apply_unit_environment(&mut env, "[Service]\nEnvironment=\nEnvironment=B=2\n", &spec);
    assert_eq!(env, [("B".to_string(), "2".to_string())]);
}

#[test]
fn systemctl_output_parses() {
    let s = parse_systemctl_show("LoadState=loaded\nEnvironment=PATH=/a:/b \"X=y z\"\n");
    assert_eq!(s.load_state.as_deref(), Some("loaded"));
    assert_eq!(env_get(&s.environment, "PATH"), Some("/a:/b"));
    assert_eq!(env_get(&s.environment, "X"), Some("y z"));
    let m = parse_environment("HOME=/h\nPATH=/usr/local/bin:/usr/bin\nX=$'a b\\nc'\n");
    assert_eq!(env_get(&m, "PATH"), Some("/usr/local/bin:/usr/bin"));
    assert_eq!(env_get(&m, "HOME"), Some("/h"));
    assert_eq!(env_get(&m, "X"), Some("a b\nc"));
}

fn files(path: Option<&str>) -> UnitFiles {
    UnitFiles {
        read: vec![PathBuf::from("/h/.config/systemd/user/nanoclaw.service")],
        environment: path
            .map(|p| vec![("PATH".to_string(), p.to_string())])
            .unwrap_or_default(),
    }
}

fn show(state: &str, path: Option<&str>) -> ShowOutput {
    ShowOutput {
        load_state: Some(state.into()),
        environment: path
            .map(|p| vec![("PATH".to_string(), p.to_string())])
            .unwrap_or_default(),
    }
}

#[test]
fn unit_path_prefers_systemctl_and_warns_on_pending_reload() {
    let u = decide_unit_path(
        "nanoclaw",
        Some(&show("loaded", Some("/a"))),
        &files(Some("/a")),
        || None,
    );
    assert_eq!((u.path.as_deref(), u.check.status), (Some("/a"), Status::Ok));
    assert!(u.source.contains("systemctl"), "{}", u.source);
    let u = decide_unit_path(
        "nanoclaw",
        Some(&show("loaded", Some("/old"))),
        &files(Some("/new")),
        || None,
    );
    assert_eq!((u.path.as_deref(), u.check.status), (Some("/old"), Status::Warn));
    assert!(u.check.fix.unwrap().contains("daemon-reload"));
}

#[test]
fn unit_path_falls_back_to_files_then_manager() {
    let u = decide_unit_path("nanoclaw", None, &files(Some("/f")), || panic!("not asked"));
    assert_eq!((u.path.as_deref(), u.check.status), (Some("/f"), Status::Ok));
    assert!(u.source.contains("unit files"), "{}", u.source);
    let u = decide_unit_path("nanoclaw", None, &files(None), || Some("/m".into()));
    assert_eq!(u.path.as_deref(), Some("/m"));
    assert!(u.source.contains("user manager"), "{}", u.source);
    let u = decide_unit_path("nanoclaw", None, &files(None), || None);
    assert_eq!(u.path.as_deref(), Some(SYSTEMD_DEFAULT_PATH));
    let u = decide_unit_path(
        "nanoclaw",
        Some(&show("not-found", None)),
        &files(Some("/f")),
        || None,
    );
    assert_eq!((u.path.as_deref(), u.check.status), (Some("/f"), Status::Warn));
    let u = decide_unit_path(
        "nope",
        Some(&show("not-found", None)),
        &UnitFiles::default(),
        || None,
    );
    assert_eq!((u.path, u.check.status), (None, Status::Fail));
    let u = decide_unit_path("nope", None, &UnitFiles::default(), || None);
    assert_eq!(u.check.status, Status::Fail);
}

#[test]
fn versions() {
    assert_eq!(
        crate::runtime::parse_version("podman version 4.3.1"),
        Some((4, 3, 1))
    );
    assert_eq!(
        crate::runtime::parse_version("Docker version 28.2.2, build e6534b4"),
        Some((28, 2, 2))
    );
    assert_eq!(
        crate::runtime::parse_version("podman version 5.0.0-dev"),
        Some((5, 0, 0))
    );
    assert_eq!(crate::runtime::parse_version("nope"), None);
    assert_eq!(
        version_check("podman", "podman version 4.3.1\n").status,
        Status::Ok
    );
    assert_eq!(
        version_check("podman", "nanoclaw-shim 0.1.0\n").status,
        Status::Fail
    );
    assert_eq!(version_check("podman", "").status, Status::Warn);
}

#[test]
fn run_flags_need_whole_words() {
    let flags = policy_flags(&policy::Policy::default(), Flavor::Podman);
    for f in [
        "--read-only",
        "--tmpfs",
        "--cap-drop",
        "--security-opt",
        "--cpus",
        "--memory",
        "--pids-limit",
        "--userns",
    ] {
        assert!(flags.iter().any(|g| g == f), "{f} missing from {flags:?}");
    }
    let all = flags.join("\n  ");
    assert_eq!(flags_check("podman", &all, &flags).status, Status::Ok);
    let help = "  --read-only  --tmpfs x --cap-drop --cap-add --init --security-opt --cpus --memory-swap --pids-limit --userns --annotation --http-proxy --systemd --label --no-healthcheck --cgroupns --image-volume --log-driver --log-opt --ulimit";
    let c = flags_check("podman", help, &flags);
    assert_eq!(c.status, Status::Fail);
    assert!(c.detail.ends_with("does not list --memory"), "{}", c.detail);
    assert!(help_has_flag("-m, --memory=<x>", "--memory"));
    assert!(!help_has_flag("--memory-reservation", "--memory"));
    // docker's engine is asked only for the flags its grammar is given (the thirty-second
    // pass's look: doctor failed a docker engine for lacking --http-proxy).
    let docker = policy_flags(&policy::Policy::default(), Flavor::Docker);
    for podman_only in ["--http-proxy", "--systemd", "--image-volume"] {
        assert!(
            !docker.iter().any(|g| g == podman_only),
            "{podman_only}: {docker:?}"
        );
    }
}

#[test]
fn agent_images_match_by_name() {
    let listing = "localhost/nanoclaw-agent:latest\ndocker.io/library/node:22\n<none>:<none>\nnanoclaw-agent-v2-ab12cd34:latest\nregistry:5000/x/nanoclaw-agentish:1\nlocalhost/not-nanoclaw-agent:1\n";
    assert_eq!(
        agent_images(listing),
        [
            "localhost/nanoclaw-agent:latest",
            "nanoclaw-agent-v2-ab12cd34:latest",
            "registry:5000/x/nanoclaw-agentish:1"
        ]
    );
    assert_eq!(image_check("podman", "node:22\n").status, Status::Warn);
    assert_eq!(image_check("podman", listing).status, Status::Ok);
}

#[test]
fn a_dynamically_linked_binary_warns() {
    assert_eq!(build_check(Linkage::StaticMusl).status, Status::Ok);
    assert_eq!(build_check(Linkage::StaticGlibc).status, Status::Ok);
    let dynamic = build_check(Linkage::Dynamic);
    assert_eq!(dynamic.status, Status::Warn);
    assert!(
        dynamic.fix.as_deref().is_some_and(|f| f.contains("install.sh")),
        "{dynamic:?}"
    );
    // Cargo builds the tests as it builds `cargo build`'s binary: dynamically, on glibc.
    if cfg!(all(target_env = "gnu", not(target_feature = "crt-static"))) {
        assert_eq!(Linkage::of_this_build(), Linkage::Dynamic);
    }
}

#[test]
fn podman_docker_script_detection() {
    assert!(is_podman_docker_script(
        b"#!/bin/sh\n[ -e /etc/containers/nodocker ] || echo Emulate Docker CLI using podman.\nexec /usr/bin/podman \"$@\"\n"
    ));
    assert!(!is_podman_docker_script(b"\x7fELF\x02\x01\x01"));
    assert!(!is_podman_docker_script(b"#!/bin/sh\nexec docker-real \"$@\"\n"));
}

#[test]
fn rootless_from_uid() {
    assert_eq!(rootless_check(Some(1000), Flavor::Podman).status, Status::Ok);
    assert_eq!(rootless_check(Some(0), Flavor::Podman).status, Status::Warn);
    assert_eq!(rootless_check(None, Flavor::Podman).status, Status::Warn);
    let docker = rootless_check(Some(0), Flavor::Docker);
    assert_eq!(docker.status, Status::Ok);
    assert!(!docker.detail.contains("podman"), "{}", docker.detail);
}

fn parsed(text: &str) -> policy::Policy {
    policy::parse(text, "p.toml").expect("a valid policy").0
}

#[test]
fn mode_and_exempt_profiles_are_loud() {
    let c = mode_check(&parsed("mode = \"off\"\n"), "p.toml");
    assert_eq!(c.status, Status::Fail);
    assert!(c.detail.contains("NOT hardened") && c.fix.unwrap().contains("enforce"));
    let c = mode_check(&parsed("mode = \"audit\"\n"), "p.toml");
    assert_eq!(c.status, Status::Warn);
    let c = mode_check(
        &parsed("[[profile]]\nname = \"dev\"\nexempt = true\n[profile.match]\nimage = \"dev-*\"\n"),
        "p.toml",
    );
    assert_eq!(c.status, Status::Warn);
    assert!(c.detail.contains("profile \"dev\" is exempt"), "{}", c.detail);
    assert_eq!(mode_check(&parsed(""), "p.toml").status, Status::Ok);
}

/// Hardening turned off one setting at a time is no "every agent container is hardened": a
/// profile matched on nanoclaw's own label ran agents privileged, writable and without ceilings
/// while `doctor` said OK (the hundred-and-thirteenth look's). A profile names only what it
/// sets beyond the top level; stronger settings are no warning.
#[test]
fn hardening_turned_off_setting_by_setting_is_said() {
    let profile = "[[profile]]\nname = \"browser\"\nmatch.labels = [\"nanoclaw-role=agent\"]\n\
                   [profile.hardening]\nread_only = false\ndrop_capabilities = []\n\
                   [profile.limits]\nmemory = \"off\"\n[profile.deny]\nprivileged = false\n";
    let c = mode_check(&parsed(profile), "p.toml");
    assert_eq!(c.status, Status::Warn, "{}", c.detail);
    for said in [
        "profile \"browser\" sets read_only = false",
        "drop_capabilities without ALL",
        "[limits] memory = off",
        "[deny] privileged = false",
    ] {
        assert!(c.detail.contains(said), "{said}: {}", c.detail);
    }
    let c = mode_check(
        &parsed(&format!(
            "[hardening]\nno_new_privileges = false\n[limits]\npids = \"off\"\n{profile}"
        )),
        "p.toml",
    );
    assert!(
        c.detail
            .contains("the top level sets no_new_privileges = false, [limits] pids = off"),
        "{}",
        c.detail
    );
    assert_eq!(c.detail.matches("pids = off").count(), 1, "{}", c.detail);
    let stronger = "[limits]\nmemory = \"1g\"\npids = 64\n[hardening]\nallowed_capabilities = []\n\
                    [deny]\nadd_credential_names = [\"x.key\"]\nremove_writable_images = [\"nanoclaw-*\"]\n";
    assert_eq!(mode_check(&parsed(stronger), "p.toml").status, Status::Ok);
    // Lists and settings it does not switch (the hundred-and-nineteenth look's).
    let listed = "[commands]\nallow = [\"kube play\"]\n[hardening]\nno_healthcheck = false\n\
                  [deny]\nadd_allow_flags = [\"--device\"]\nadd_writable_images = [\"*\"]\n\
                  remove_runtime_annotations = [\"run.oci.\"]\n";
    let c = mode_check(&parsed(listed), "p.toml");
    let c2 = mode_check(
        &parsed("[limits]\ncpus = 4096\nshm_size = \"off\"\n[podman]\nhost_loopback_ports = [22]\n"),
        "p.toml",
    );
    for said in [
        "[limits] cpus above the shipped",
        "[limits] shm_size = off",
        "host_loopback_ports adds 22",
    ] {
        assert!(c2.detail.contains(said), "{said}: {}", c2.detail);
    }
    // The health check's floor lowered or off (the thirty-second pass's look).
    for (set, said) in [
        ("\"1ns\"", "[limits] health_interval below the shipped 30s"),
        ("\"off\"", "[limits] health_interval = off"),
    ] {
        let h = mode_check(&parsed(&format!("[limits]\nhealth_interval = {set}\n")), "p.toml");
        assert_eq!(h.status, Status::Warn, "{set}: {}", h.detail);
        assert!(h.detail.contains(said), "{said}: {}", h.detail);
    }
    let h = mode_check(&parsed("[limits]\nhealth_interval = \"1m\"\n"), "p.toml");
    assert_eq!(h.status, Status::Ok, "{}", h.detail);
    for said in [
        "[commands] allow opens kube play",
        "no_healthcheck = false",
        "add_allow_flags --device",
        "add_writable_images *",
        "remove_runtime_annotations run.oci.",
    ] {
        assert!(c.detail.contains(said), "{said}: {}", c.detail);
    }
}

/// A policy whose memory ceiling is `bytes`, set directly: `policy check` may already refuse
/// such a file, but doctor must not depend on that.
fn with_memory(bytes: u64) -> policy::Policy {
    let mut p = policy::Policy::default();
    p.rules.limits.memory = Some(bytes);
    p
}

#[test]
fn tiny_memory_ceilings() {
    let c = limits_check(&with_memory(4), "p.toml");
    assert_eq!(c.status, Status::Fail);
    assert!(c.detail.contains("(4 bytes)"), "{}", c.detail);
    assert!(c.fix.unwrap().contains("\"4g\""));
    assert_eq!(limits_check(&with_memory(4096), "p.toml").status, Status::Fail);
    assert_eq!(
        limits_check(&with_memory(64 << 20), "p.toml").status,
        Status::Warn
    );
    let mut p = parsed("[[profile]]\nname = \"b\"\n[profile.match]\nimage = \"x*\"\n");
    p.profiles[0].rules.limits.memory = Some(1024);
    let c = limits_check(&p, "p.toml");
    assert_eq!(c.status, Status::Fail);
    assert!(c.detail.contains("profile \"b\""), "{}", c.detail);
    assert_eq!(limits_check(&parsed(""), "p.toml").status, Status::Ok);
}

#[test]
fn rootless_cgroup_v1_ignores_ceilings() {
    let p = parsed("");
    let c = cgroup_check(&p, Flavor::Podman, Some(1000), false);
    assert_eq!(c.status, Status::Warn);
    assert!(c.detail.contains("NOT enforced"), "{}", c.detail);
    assert_eq!(
        cgroup_check(&p, Flavor::Podman, Some(1000), true).status,
        Status::Ok
    );
    // Rootful on v1: enforced, but socket buffers are outside the memory ceiling (the
    // hundred-and-twenty-fourth look's).
    let c = cgroup_check(&p, Flavor::Podman, Some(0), false);
    assert_eq!(c.status, Status::Warn);
    assert!(c.detail.contains("socket buffers"), "{}", c.detail);
    assert_eq!(cgroup_check(&p, Flavor::Podman, Some(0), true).status, Status::Ok);
    let none = parsed("[limits]\ncpus = \"off\"\nmemory = \"off\"\npids = \"off\"\n");
    assert_eq!(
        cgroup_check(&none, Flavor::Podman, Some(1000), false).status,
        Status::Ok
    );
}

#[test]
fn decision_log_path() {
    let d = tempfile::tempdir().unwrap();
    // A missing folder is created by the shim on the first logged call.
    let missing = d.path().join("no/such/dir/decisions.jsonl");
    let c = log_check(Some(&missing), "p.toml");
    assert_eq!(c.status, Status::Ok, "{}", c.detail);
    assert!(c.detail.contains("folder (0700) will be created"), "{}", c.detail);
    assert!(!d.path().join("no").exists(), "doctor must not create the folder");
    // A file where a folder must be cannot become one.
    let blocker = tempfile::NamedTempFile::new_in(d.path()).unwrap();
    let c = log_check(Some(&blocker.path().join("sub/decisions.jsonl")), "p.toml");
    assert_eq!(c.status, Status::Fail, "{}", c.detail);
    drop(blocker);
    let fine = d.path().join("decisions.jsonl");
    assert_eq!(log_check(Some(&fine), "p.toml").status, Status::Ok);
    assert!(!fine.exists(), "doctor must not create the log");
    assert_eq!(
        std::fs::read_dir(d.path()).unwrap().count(),
        0,
        "probe left behind"
    );
    assert_eq!(log_check(Some(d.path()), "p.toml").status, Status::Fail);
    assert_eq!(log_check(None, "p.toml").status, Status::Ok);
    // One others may read is said (the hundred-and-twenty-seventh look's).
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(&fine, "{}\n").unwrap();
    std::fs::set_permissions(&fine, std::fs::Permissions::from_mode(0o644)).unwrap();
    let c = log_check(Some(&fine), "p.toml");
    assert_eq!(c.status, Status::Warn, "{}", c.detail);
    assert!(c.detail.contains("readable by others"), "{}", c.detail);
    std::fs::set_permissions(&fine, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(log_check(Some(&fine), "p.toml").status, Status::Ok);
}

#[test]
fn aggregation_and_rendering() {
    let checks = vec![
        Check::ok(CheckId::Docker, "fine"),
        Check::warn(CheckId::Rootless, "root", "be a user"),
    ];
    assert!(all_ok(&checks));
    assert_eq!(exit_code(&checks), 0);
    let text = render_text(&checks, Paint::PLAIN);
    assert_eq!(
        text,
        "OK    docker    fine\nWARN  rootless  root\n                fix: be a user\n1 OK, 1 WARN, 0 FAIL\n"
    );
    let mut failing = checks.clone();
    failing.push(Check::fail(CheckId::Runtime, "missing", "install podman"));
    assert_eq!(exit_code(&failing), 1);
    let v: serde_json::Value = serde_json::from_str(&render_json(&failing)).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["summary"]["fail"], 1);
    assert_eq!(v["summary"]["warn"], 1);
    assert_eq!(v["ok"], false);
    assert_eq!(v["checks"][0]["status"], "OK");
    assert_eq!(v["checks"][0]["fix"], serde_json::Value::Null);
    assert_eq!(v["checks"][2]["name"], "runtime");
    assert_eq!(v["checks"][2]["status"], "FAIL");
    assert_eq!(v["checks"][2]["fix"], "install podman");
    assert_eq!(v["checks"][2]["detail"], "missing");
}

#[test]
fn the_mount_check_s_state_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let me = crate::process::euid();
    let env = crate::env::Env {
        xdg_cache_home: Some(dir.path().to_path_buf()),
        euid: Some(me),
        ..crate::env::Env::default()
    };
    let exe = std::path::Path::new("/usr/local/bin/nanoclaw-shim");
    let on = policy::Policy::default();
    let c = mount_check(&on, Flavor::Podman, &env, Some(exe));
    assert_eq!(c.status, Status::Ok, "{c:?}");
    assert!(c.detail.contains("hooks."), "{c:?}");
    // The hook's file is in place, naming this binary: beneath the caller's runtime folder
    // where there is one, else the cache folder.
    let cache = dir.path().join("nanoclaw-shim");
    let folder = crate::mountcheck::folder(
        &crate::mountcheck::base(me, Some(&cache)).unwrap(),
        &crate::mountcheck::hook_file(exe),
    );
    let written = std::fs::read_to_string(folder.join("nanoclaw-shim.json")).unwrap();
    assert!(written.contains("/usr/local/bin/nanoclaw-shim"), "{written}");
    let mut off = policy::Policy::default();
    off.rules.podman.verify_mounts = false;
    assert_eq!(
        mount_check(&off, Flavor::Podman, &env, Some(exe)).status,
        Status::Warn
    );
    // Under docker's flavour no hook runs: said.
    assert_eq!(
        mount_check(&on, Flavor::Docker, &env, Some(exe)).status,
        Status::Warn
    );
    let homeless = crate::env::Env {
        euid: Some(me),
        ..crate::env::Env::default()
    };
    assert_eq!(
        mount_check(&on, Flavor::Podman, &homeless, Some(exe)).status,
        Status::Fail
    );
}

/// An ordinary user's own containers.conf and its drop-ins are read after the system's, in
/// name order; root's are not (podman reads none for root).
#[test]
fn a_user_s_containers_conf_is_read_after_the_system_s() {
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("containers");
    std::fs::create_dir_all(own.join("containers.conf.d")).unwrap();
    std::fs::write(own.join("containers.conf"), "# mine\n").unwrap();
    std::fs::write(own.join("containers.conf.d/20-b.conf"), "# b\n").unwrap();
    std::fs::write(own.join("containers.conf.d/10-a.conf"), "# a\n").unwrap();
    std::fs::write(own.join("containers.conf.d/notes.txt"), "# not read\n").unwrap();
    let env = crate::env::Env {
        xdg_config_home: Some(dir.path().to_path_buf()),
        ..crate::env::Env::default()
    };
    let read = super::runtime_checks::containers_confs(&env, 1000);
    let tail: Vec<&str> = read.iter().rev().take(3).rev().map(String::as_str).collect();
    assert_eq!(tail, ["# mine\n", "# a\n", "# b\n"]);
    assert!(
        !super::runtime_checks::containers_confs(&env, 0)
            .iter()
            .any(|t| t == "# mine\n")
    );
}

/// nanoclaw's own builds come long after the install, when an agent asks for a package, and a
/// refusal shows only in nanoclaw's log: every policy that would refuse them is said here.
#[test]
fn a_policy_that_refuses_nanoclaw_s_builds_is_said() {
    let v4 = Some((4, 3, 1));
    let v5 = Some((5, 4, 2));
    let default = parsed("");
    for (rootless, version) in [(true, v4), (true, v5), (false, v4), (true, None)] {
        let c = agent_build_check(&default, Flavor::Podman, rootless, version, &[]);
        assert_eq!(c.status, Status::Ok, "{rootless} {version:?}: {c:?}");
    }
    // The loopback closed: refused on rootless podman before 5 (or of no known version) only.
    let closed = parsed("[podman]\nhost_loopback = false\n");
    for version in [v4, None] {
        let c = agent_build_check(&closed, Flavor::Podman, true, version, &[]);
        assert_eq!(c.status, Status::Warn, "{c:?}");
        assert!(
            c.detail.contains("host_loopback = false") && c.detail.contains("[deny.build]"),
            "{c:?}"
        );
        assert!(
            c.fix.as_deref().unwrap().contains("build --host-loopback"),
            "{c:?}"
        );
    }
    assert_eq!(
        agent_build_check(&closed, Flavor::Podman, true, v5, &[]).status,
        Status::Ok
    );
    assert_eq!(
        agent_build_check(&closed, Flavor::Podman, false, v4, &[]).status,
        Status::Ok
    );
    assert_eq!(
        agent_build_check(&closed, Flavor::Docker, true, v4, &[]).status,
        Status::Ok
    );
    let gated = parsed("[podman]\nhost_loopback = false\n[commands]\nallow = [\"build --host-loopback\"]\n");
    assert_eq!(
        agent_build_check(&gated, Flavor::Podman, true, v4, &[]).status,
        Status::Ok
    );
    // Names nanoclaw builds, and agent images found, outside writable_images.
    let narrowed =
        parsed("[deny]\nremove_writable_images = [\"nanoclaw-*\"]\nadd_writable_images = [\"my-agent*\"]\n");
    let c = agent_build_check(&narrowed, Flavor::Podman, true, v5, &[]);
    assert_eq!(c.status, Status::Warn, "{c:?}");
    assert!(
        c.detail.contains("nanoclaw-agent:latest") && c.detail.contains("[deny.image-name]"),
        "{c:?}"
    );
    let pulled = ["evil.example/x/nanoclaw-agent:latest".to_string()];
    assert_eq!(
        agent_build_check(&default, Flavor::Podman, true, v5, &pulled).status,
        Status::Ok
    );
    let found = ["localhost/other-agent:latest".to_string()];
    let c = agent_build_check(&default, Flavor::Podman, true, v5, &found);
    assert_eq!(c.status, Status::Warn, "{c:?}");
    assert!(
        c.detail.contains("other-agent") && !c.detail.contains("nanoclaw-agent:latest"),
        "{c:?}"
    );
    let off = parsed("[deny]\nimage_names = false\n");
    assert_eq!(
        agent_build_check(&off, Flavor::Podman, true, v5, &found).status,
        Status::Ok
    );
    // build refused outright; audit refuses nothing.
    let denied = parsed("[commands]\ndeny = [\"build\"]\n");
    let c = agent_build_check(&denied, Flavor::Podman, true, v5, &[]);
    assert_eq!(c.status, Status::Warn, "{c:?}");
    assert!(c.detail.contains("[commands] deny names build"), "{c:?}");
    let audit = parsed("mode = \"audit\"\n[commands]\ndeny = [\"build\"]\n");
    assert_eq!(
        agent_build_check(&audit, Flavor::Podman, true, v4, &[]).status,
        Status::Ok
    );
}

/// A profile the shim cannot narrow refuses every build, and every run and create: doctor
/// fails, naming what is refused where (the hundred-and-fifth look's: 0 FAIL).
#[test]
fn a_seccomp_profile_that_cannot_be_narrowed_fails() {
    let why = || Err("podman's seccomp profile is at neither /a nor /b".to_string());
    let c = seccomp_check(why(), Flavor::Podman);
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.detail.contains("[harden.build-cgroup]") && c.detail.contains("[harden.seccomp]"),
        "{c:?}"
    );
    assert_eq!(seccomp_check(Ok(()), Flavor::Podman).status, Status::Ok);
    // docker's flavour gets no narrowed profile: said, not passed over as fine.
    assert_eq!(seccomp_check(why(), Flavor::Docker).status, Status::Warn);
}
