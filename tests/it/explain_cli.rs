//! `nanoclaw-shim explain` as a user types it: its own options are checked (a typo is a usage
//! error, not a docker flag), a refusal lists every violation and applies nothing, and
//! `--format json` is a versioned, structured document, also when the policy does not load.

use std::process::Output;

use crate::support::{PODMAN_VERSION, World};

struct Env {
    w: World,
}

impl Env {
    fn new(policy: &str) -> Env {
        Env {
            w: World::new().policy(policy).fake_runtime(PODMAN_VERSION),
        }
    }

    fn p(&self, rel: &str) -> std::path::PathBuf {
        self.w.p(rel)
    }

    fn explain(&self, args: &[&str]) -> Output {
        self.w.cli().args(["explain"]).args(args).run()
    }

    /// [`Env::explain`] with one more variable in its environment.
    fn explain_with(&self, (key, value): (&str, &str), args: &[&str]) -> Output {
        self.w.cli().args(["explain"]).args(args).env(key, value).run()
    }
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

use crate::support::text;

/// The JSON `argv` is redacted as the text's `command:` line is: the container's command is
/// found past the runtime's name (a shell string's `redis-cli -a PASSWORD` showed in the JSON
/// alone: the thirty-first pass's look).
#[test]
fn json_argv_hides_a_command_s_credentials() {
    let e = Env::new("");
    let secret = "NEUTRALq8Zr3mKx2Vb7Lw9Pt4Yc";
    for cmd in [
        format!("redis-cli -a {secret} ping"),
        format!("curl -su user:{secret} http://h"),
        format!("aws configure set aws_secret_access_key {secret}"),
    ] {
        let o = e.explain(&["--format", "json", "run", "--rm", "img", "sh", "-c", &cmd]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        assert!(!text(&o.stdout).contains(secret), "{cmd}: {}", text(&o.stdout));
        let o = e.explain(&["run", "--rm", "img", "sh", "-c", &cmd]);
        assert!(!text(&o.stdout).contains(secret), "{cmd}: {}", text(&o.stdout));
    }
}

#[test]
fn a_typo_in_explains_own_option_is_a_usage_error() {
    let e = Env::new("");
    let o = e.explain(&["--fromat", "json", "run", "img"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty());
    let err = text(&o.stderr);
    assert!(err.contains("--fromat") && err.contains("--format"), "{err}");
    // docker's own flags after the command are still docker's, and `--` still works
    let o = e.explain(&["run", "--rm", "--bogus", "img"]);
    assert_eq!(o.status.code(), Some(125));
    assert!(text(&o.stdout).contains("parse.unknown-flag"));
    let o = e.explain(&["--format", "json", "--", "run", "--rm", "img"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(json(&o)["decision"], "rewrite");
}

#[test]
fn a_broken_policy_gives_a_json_error_object() {
    let e = Env::new("[limits]\nmemory = \"lots\"\nbogus = 1\n");
    let o = e.explain(&["--format", "json", "run", "img"]);
    assert_eq!(o.status.code(), Some(125));
    let v = json(&o);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["decision"], "refuse");
    assert_eq!(v["error"]["kind"], "policy");
    let file = e.p("policy.toml").display().to_string();
    assert_eq!(v["error"]["file"], file.as_str());
    let diags = v["error"]["diagnostics"].as_array().unwrap();
    assert!(diags.len() >= 2, "{v}");
    assert!(
        diags.iter().all(|d| d["line"].is_u64() && d["code"].is_string()),
        "{v}"
    );
    // text stays on stderr only
    let o = e.explain(&["run", "img"]);
    assert_eq!(o.status.code(), Some(125));
    assert!(o.stdout.is_empty());
}

#[test]
fn a_refusal_lists_every_violation_and_applies_nothing() {
    let e = Env::new("");
    let args = ["run", "--privileged", "--pid=host", "-v", "/:/host", "img"];
    let o = e.explain(&args);
    assert_eq!(o.status.code(), Some(125));
    let out = text(&o.stdout);
    for rule in ["deny.privileged", "deny.host-namespace", "deny.sensitive-mount"] {
        assert!(out.contains(&format!("! {rule}")), "{rule} missing:\n{out}");
    }
    assert!(out.contains("violations (3):"), "{out}");
    assert!(
        !out.lines().any(|l| l == "changes:"),
        "hardening shown as applied:\n{out}"
    );
    assert!(out.contains("would apply if it were allowed"), "{out}");

    let mut a = vec!["--format", "json"];
    a.extend(args);
    let v = json(&e.explain(&a));
    assert_eq!(v["decision"], "refuse");
    assert!(v["argv"].is_null());
    let rules: Vec<&str> = v["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["deny.privileged", "deny.host-namespace", "deny.sensitive-mount"]
    );
    let changes = v["changes"].as_array().unwrap();
    assert!(!changes.is_empty());
    assert!(changes.iter().all(|c| c["applied"] == false), "{v}");
    assert!(changes.iter().all(|c| c["action"] != "deny"), "{v}");
}

/// A usage error quotes the argument it could not place: a token pasted there is redacted, an
/// ordinary word still shown (the seventy-seventh look's `explain --<token> ps`).
#[test]
fn a_usage_error_shows_no_token() {
    let e = Env::new("");
    let token = "sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let o = e.explain(&[&format!("--{token}"), "ps"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("unexpected argument") && !err.contains("AAAAAAAA"),
        "{err}"
    );
    let o = e.explain(&["--bogus", "ps"]);
    assert!(text(&o.stderr).contains("'--bogus'"), "{}", text(&o.stderr));
}

/// A socket as a bind source is a host service, refused whatever its name and the mount's
/// mode (the forty-ninth look's Rancher Desktop `~/.rd/docker.sock`), with the mount check on
/// and off; a plain file beside it passes.
/// A change's reason quotes the caller's token (`--cap-add`'s names): a line break in it cannot
/// print a line of the report's own (`decision: rewrite` under a refusal; the fifty-second
/// look's), in the text or the JSON.
#[test]
fn a_change_s_reason_cannot_forge_a_line() {
    let e = Env::new("[deny]\ncapabilities = false\n");
    let forged = "x\n\ndecision: rewrite\nchanges:  none\u{1b}[8m";
    let o = e.explain(&["run", "--cap-add", forged, "img"]);
    let out = text(&o.stdout);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("decision:")).count(),
        1,
        "{out}"
    );
    // Not a capability: named by its length, never as written.
    assert!(
        !out.contains("DECISION") && out.contains("not a capability") && !out.contains('\u{1b}'),
        "{out}"
    );
    let v = json(&e.explain(&["--format", "json", "run", "--cap-add", forged, "img"]));
    let reasons: Vec<&str> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["reason"].as_str())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("not a capability"))
            && reasons
                .iter()
                .all(|r| !r.contains(['\n', '\u{1b}']) && !r.contains("DECISION")),
        "{reasons:?}"
    );
}

#[test]
fn a_socket_is_never_a_bind_source() {
    for policy in ["", "[podman]\nverify_mounts = false\n"] {
        let e = Env::new(policy);
        // (Not in `~/.rd`, which the lists name now: a socket no list names.)
        std::fs::create_dir_all(e.p("home/engine")).unwrap();
        let sock = e.p("home/engine/docker.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let file = e.p("home/engine/plain");
        std::fs::write(&file, "").unwrap();
        for spec in [
            format!("{}:/var/run/docker.sock:ro", sock.display()),
            format!("{}:/s", sock.display()),
        ] {
            let o = e.explain(&["run", "-v", &spec, "img"]);
            let out = text(&o.stdout);
            assert_eq!(o.status.code(), Some(125), "{policy:?} {spec}: {out}");
            assert!(
                out.contains("deny.sensitive-mount") && out.contains("mounts a socket or FIFO"),
                "{out}"
            );
        }
        let mount = format!("type=bind,src={},dst=/s,ro", sock.display());
        assert_eq!(
            e.explain(&["run", "--mount", &mount, "img"]).status.code(),
            Some(125)
        );
        let plain = format!("{}:/p:ro", file.display());
        let o = e.explain(&["run", "-v", &plain, "img"]);
        assert_eq!(o.status.code(), Some(0), "{policy:?}: {}", text(&o.stdout));
    }
}

/// The forty-ninth look's credential stores, each proved readable through the old lists: now
/// refused read-only, in the caller's home.
#[test]
fn the_surveyed_credential_stores_are_refused() {
    let e = Env::new("");
    for (store, bait) in [
        (
            "snap/firefox/common/.mozilla",
            "firefox/abc.default/cookies.sqlite",
        ),
        (".gemini", "oauth_creds.json"),
        (".config/github-copilot", "hosts.json"),
        (".config/sops/age", "keys.txt"),
        (".var/app/com.bitwarden.desktop", "data.json"),
        ("projects/app", "fish_history"),
    ] {
        let dir = e.p("home").join(store);
        let file = dir.join(bait);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, "secret").unwrap();
        let spec = format!("{}:/x:ro", dir.display());
        let o = e.explain(&["run", "-v", &spec, "img"]);
        let out = text(&o.stdout);
        assert_eq!(o.status.code(), Some(125), "{store}: {out}");
        assert!(out.contains("deny.credentials"), "{store}: {out}");
    }
    std::fs::write(e.p("home/.my.cnf"), "[client]\npassword=x\n").unwrap();
    let spec = format!("{}:/x:ro", e.p("home/.my.cnf").display());
    assert_eq!(e.explain(&["run", "-v", &spec, "img"]).status.code(), Some(125));
}

#[test]
fn json_is_structured_and_versioned() {
    let e = Env::new("");
    let o = e.explain(&[
        "--format",
        "json",
        "run",
        "--memory=8g",
        "-e",
        "API_TOKEN=s3cr3t",
        "img",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(!text(&o.stdout).contains("s3cr3t"));
    let v = json(&o);
    assert_eq!(v["schema_version"], 1);
    let rt = &v["runtime"];
    assert_eq!(rt["flavor"], "podman");
    assert!(rt["rootless"].is_boolean(), "{rt}");
    assert!(rt.get("facts").is_none(), "{rt}");
    assert!(rt["version"].is_null() || rt["version"].is_string(), "{rt}");
    let memory = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule"] == "limit.memory")
        .unwrap_or_else(|| panic!("no limit.memory change: {v}"));
    assert_eq!(memory["action"], "replace");
    assert_eq!(memory["from"], "--memory=8g");
    assert_eq!(memory["to"], "--memory=4g");
    assert_eq!(memory["applied"], true);
    fn no_arrow(v: &serde_json::Value) {
        match v {
            serde_json::Value::String(s) => assert!(!s.contains(" -> "), "prose in {s}"),
            serde_json::Value::Array(a) => a.iter().for_each(no_arrow),
            serde_json::Value::Object(o) => o.values().for_each(no_arrow),
            _ => {}
        }
    }
    no_arrow(&v["changes"]);
}

/// `explain` judges the environment as the call itself would: a build whose
/// `BUILDAH_ISOLATION` asks for chroot is refused (`deny.environment`), and a variable that
/// sends podman to another engine is shown removed.
#[test]
fn the_environment_is_judged_as_the_call_would_judge_it() {
    let e = Env::new("");
    e.w.write("ctx/Containerfile", "FROM scratch\n");
    let ctx = e.p("ctx").display().to_string();
    let build = ["build", "-t", "nanoclaw-x", ctx.as_str()];
    let control = e.explain(&build);
    assert_eq!(control.status.code(), Some(0), "{}", text(&control.stdout));
    assert!(
        !text(&control.stdout).contains("environment:"),
        "{}",
        text(&control.stdout)
    );
    let chroot = ("BUILDAH_ISOLATION", "chroot");
    let o = e.explain_with(chroot, &build);
    assert_eq!(o.status.code(), Some(125), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.starts_with("decision: refuse"), "{out}");
    assert!(out.contains("environment: refused: BUILDAH_ISOLATION"), "{out}");
    assert!(out.contains("[deny.environment]"), "{out}");
    let mut as_json = vec!["--format", "json"];
    as_json.extend(build);
    let v = json(&e.explain_with(chroot, &as_json));
    assert_eq!(v["decision"], "refuse");
    assert!(
        v["environment"]["refused"]
            .as_str()
            .unwrap()
            .contains("BUILDAH_ISOLATION")
    );
    assert!(
        v["violations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["rule"] == "deny.environment"),
        "{v}"
    );
    // Not a build: nothing reads it.
    let o = e.explain_with(chroot, &["run", "img"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    // Under audit the build runs as the caller wrote it, and enforce's refusal is reported.
    let audit = Env::new("mode = \"audit\"\n");
    audit.w.write("ctx/Containerfile", "FROM scratch\n");
    let ctx = audit.p("ctx").display().to_string();
    let o = audit.explain_with(chroot, &["build", "-t", "nanoclaw-x", ctx.as_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let out = text(&o.stdout);
    assert!(out.starts_with("decision: audit"), "{out}");
    assert!(!out.contains("environment: refused"), "{out}");
    assert!(
        out.contains("BUILDAH_ISOLATION") && out.contains("[deny.environment]"),
        "{out}"
    );
    let o = e.explain_with(("CONTAINER_HOST", "ssh://elsewhere"), &["run", "img"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let out = text(&o.stdout);
    assert!(
        out.contains("environment: CONTAINER_HOST removed before exec [deny.engine-redirect]"),
        "{out}"
    );
    // Variables not on the runtime's list: counted, named in order, never valued.
    let o =
        e.w.cli()
            .args(["explain", "run", "img"])
            .env("ZZ_UNLISTED", "SECRETVAL")
            .env("AA_UNLISTED", "SECRETVAL")
            .run();
    let out = text(&o.stdout);
    let line = out
        .lines()
        .find(|l| l.contains("not on the runtime's list"))
        .unwrap_or_else(|| panic!("no unlisted line: {out}"));
    let names: Vec<&str> = line.rsplit_once("]: ").unwrap().1.split(", ").collect();
    let count = format!("environment: {} not on the runtime's list", names.len());
    assert!(line.starts_with(&count), "{line}");
    assert!(line.contains("[deny.environment]"), "{line}");
    let (aa, zz) = (
        names.iter().position(|n| *n == "AA_UNLISTED"),
        names.iter().position(|n| *n == "ZZ_UNLISTED"),
    );
    assert!(aa.is_some() && aa < zz, "not sorted: {line}");
    assert!(!out.contains("SECRETVAL"), "{out}");
}

/// The environment adds to the lists: the folders on `PATH` and the one
/// `CONTAINERS_HELPER_BINARY_DIR` names are host-exec (podman finds its helpers there), what
/// `REGISTRY_AUTH_FILE` names is a credential, and the working directory's code (nanoclaw's
/// checkout: `package.json`, `dist`, ...) is host-exec while its `data` and `groups`, where
/// nanoclaw's read-write mounts lie, are not.
#[test]
fn the_environment_adds_to_the_lists() {
    let e = Env::new("");
    for d in [
        "proj/dist",
        "proj/data/s",
        "proj/groups/g",
        "pbin",
        "helpers",
        "creds",
    ] {
        std::fs::create_dir_all(e.p(d)).unwrap();
    }
    std::fs::write(e.p("proj/package.json"), "{}").unwrap();
    let p = |rel: &str| e.p(rel).display().to_string();
    let verdict = |vars: &[(&str, String)], args: &[&str]| {
        let mut run = e.w.cli().args(["explain", "--format", "json", "--"]).args(args);
        for (k, v) in vars {
            run = run.env(k, v);
        }
        let mut c = run.command();
        c.current_dir(e.p("proj"));
        let v = json(&c.output().unwrap());
        let rules: Vec<String> = v["violations"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x["rule"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        (v["decision"].as_str().unwrap().to_string(), rules)
    };
    let host_exec = ("refuse".to_string(), vec!["deny.host-exec".to_string()]);
    let dist = format!("{}:/d", p("proj/dist"));
    assert_eq!(
        verdict(&[], &["run", "-v", &dist, "img"]),
        host_exec,
        "the checkout's code"
    );
    let whole = format!("{}:/p", p("proj"));
    assert_eq!(
        verdict(&[], &["run", "-v", &whole, "img"]),
        host_exec,
        "a parent of it"
    );
    let (data, groups) = (
        format!("{}:/w", p("proj/data/s")),
        format!("{}:/g", p("proj/groups/g")),
    );
    let ro = format!("{}:/p:ro", p("proj"));
    assert_eq!(
        verdict(&[], &["run", "-v", &data, "-v", &groups, "-v", &ro, "img"]).0,
        "rewrite",
        "nanoclaw's own mounts"
    );
    let path = ("PATH".to_string(), format!("{}:/usr/bin:/bin", p("pbin")));
    let pbin = format!("{}:/b", p("pbin"));
    assert_eq!(
        verdict(&[(&path.0, path.1.clone())], &["run", "-v", &pbin, "img"]),
        host_exec
    );
    assert_eq!(
        verdict(&[], &["run", "-v", &pbin, "img"]).0,
        "rewrite",
        "not on PATH"
    );
    let helpers = format!("{}:/h", p("helpers"));
    assert_eq!(
        verdict(
            &[("CONTAINERS_HELPER_BINARY_DIR", p("helpers"))],
            &["run", "-v", &helpers, "img"]
        ),
        host_exec
    );
    let creds = format!("{}:/c:ro", p("creds"));
    assert_eq!(
        verdict(
            &[("REGISTRY_AUTH_FILE", p("creds/auth.json"))],
            &["run", "-v", &creds, "img"]
        ),
        ("refuse".to_string(), vec!["deny.credentials".to_string()])
    );
    // The folders podman's configuration names for the programs it runs (the look `gp`: an
    // agent wrote the `conmon` a `conmon_path` named, and the next `run` ran it on the host).
    for d in ["progs/libexec", "nets/plugins", "runtimes/bin"] {
        std::fs::create_dir_all(e.p(d)).unwrap();
    }
    let conf = e.p("containers.conf");
    std::fs::write(
        &conf,
        format!(
            "[engine]\nconmon_path = [\"{}/conmon\", \"/usr/bin/conmon\"]\n[engine.runtimes]\nrunc = [\"{}/runc\"]\n[network]\ncni_plugin_dirs = [\"{}\"]\n",
            p("progs/libexec"),
            p("runtimes/bin"),
            p("nets/plugins")
        ),
    )
    .unwrap();
    let configured = [("CONTAINERS_CONF", conf.display().to_string())];
    for (folder, why) in [
        ("progs/libexec", "conmon_path's folder"),
        ("progs", "a parent of it"),
        ("runtimes/bin", "a runtime's folder"),
        ("nets/plugins", "cni_plugin_dirs"),
    ] {
        let mount = format!("{}:/x", p(folder));
        assert_eq!(
            verdict(&configured, &["run", "-v", &mount, "img"]),
            host_exec,
            "{why}"
        );
        assert_eq!(
            verdict(&[], &["run", "-v", &mount, "img"]).0,
            "rewrite",
            "{why}: unconfigured"
        );
    }
    // The look `gq`: a runtime named by its path, the events log podman appends to as root,
    // storage.conf's mount program, a program reached through a link; conmon's environment; a
    // program named relatively.
    for d in ["rtp", "ev", "fo", "real"] {
        std::fs::create_dir_all(e.p(d)).unwrap();
    }
    std::fs::write(e.p("real/runc"), "").unwrap();
    std::os::unix::fs::symlink(e.p("real/runc"), e.p("rtp/link")).unwrap();
    std::fs::write(
        &conf,
        format!(
            "[engine]\nruntime = \"{}\"\nevents_logfile_path = \"{}/events.log\"\n[engine.runtimes]\nx = [\"{}\"]\n",
            p("rtp/runc"),
            p("ev"),
            p("rtp/link")
        ),
    )
    .unwrap();
    let storage = e.p("storage.conf");
    std::fs::write(
        &storage,
        format!(
            "[storage]\ndriver = \"overlay\"\n[storage.options.overlay]\nmount_program = \"{}/fuse-overlayfs\"\n",
            p("fo")
        ),
    )
    .unwrap();
    let both = [
        ("CONTAINERS_CONF", conf.display().to_string()),
        ("CONTAINERS_STORAGE_CONF", storage.display().to_string()),
    ];
    for (folder, why) in [
        ("rtp", "a runtime's path"),
        ("ev", "the events log's folder"),
        ("fo", "storage.conf's mount_program"),
        ("real", "where a linked program lies"),
    ] {
        let mount = format!("{}:/x", p(folder));
        assert_eq!(verdict(&both, &["run", "-v", &mount, "img"]), host_exec, "{why}");
        assert_eq!(
            verdict(&[], &["run", "-v", &mount, "img"]),
            ("rewrite".to_string(), vec![]),
            "{why}: unconfigured"
        );
    }
    // The look `gs`: a volume plugin's socket (podman mounts what the program there answers:
    // a container that replaced it had the next one mount the host's `/etc`), never mounted,
    // read-only neither, also where a link leads; podman 5's runtime by platform, by its path.
    for d in ["plug/run", "plugreal", "pfr"] {
        std::fs::create_dir_all(e.p(d)).unwrap();
    }
    std::os::unix::fs::symlink(e.p("plugreal"), e.p("plug/linked")).unwrap();
    std::fs::write(
        &conf,
        format!(
            "[engine]\nplatform_to_oci_runtime = {{ \"linux/amd64\" = \"{}/crun\" }}\n[engine.volume_plugins]\ntest = \"{}/x.sock\"\nother = \"{}/y.sock\"\n",
            p("pfr"),
            p("plug/run"),
            p("plug/linked"),
        ),
    )
    .unwrap();
    let sensitive = ("refuse".to_string(), vec!["deny.sensitive-mount".to_string()]);
    for (folder, expected, why) in [
        ("plug/run", &sensitive, "a plugin socket's folder"),
        ("plug", &sensitive, "a parent of it"),
        ("plugreal", &sensitive, "where a socket's folder leads"),
        ("pfr", &host_exec, "a runtime by platform"),
    ] {
        let mount = format!("{}:/x:ro", p(folder));
        let writable = format!("{}:/x", p(folder));
        let args = |m: &str| vec!["run".to_string(), "-v".into(), m.to_string(), "img".into()];
        let first = if expected == &sensitive { &mount } else { &writable };
        let a = args(first);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        assert_eq!(&verdict(&configured, &a), expected, "{why}");
        assert_eq!(
            verdict(&[], &a),
            ("rewrite".to_string(), vec![]),
            "{why}: unconfigured"
        );
    }
    for (text, rule) in [
        (
            "[engine]\nconmon_env_vars = [\"LD_PRELOAD=/tmp/x.so\"]\n",
            "deny.environment",
        ),
        ("[engine]\nconmon_path = [\"w3/conmon\"]\n", "deny.host-exec"),
        // The looks `gs` and `gt`: a volume plugin by a relative path, a runtime annotation
        // every container gets, the firewall off.
        ("[engine.volume_plugins]\nx = \"p/x.sock\"\n", "deny.host-exec"),
        (
            "[containers]\nannotations = [\"run.oci.keep_original_groups=1\"]\n",
            "deny.annotation",
        ),
        ("[network]\nfirewall_driver = \"none\"\n", "deny.network-option"),
    ] {
        std::fs::write(&conf, text).unwrap();
        let mut c =
            e.w.cli()
                .args(["explain", "--", "run", "img"])
                .env("CONTAINERS_CONF", &conf)
                .command();
        c.current_dir(e.p("proj"));
        let out = String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned();
        assert!(
            out.contains("decision: refuse") && out.contains(rule),
            "{text}: {out}"
        );
    }
}

/// The policy's path in `explain`'s report (from `NANOCLAW_SHIM_POLICY`) forges no line of it
/// and passes no escape to the terminal (the eighty-fourth look's).
#[test]
fn a_policy_path_forges_no_line_of_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("x\ndecision: rewrite\u{1b}[8m");
    std::fs::create_dir(&folder).unwrap();
    let policy = folder.join("policy.toml");
    std::fs::write(&policy, "").unwrap();
    let o = crate::support::bare()
        .env("NANOCLAW_SHIM_POLICY", &policy)
        .args(["explain", "run", "--privileged", "img"])
        .output()
        .unwrap();
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(125), "{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("decision:")).count(),
        1,
        "{out}"
    );
    assert!(!out.contains('\u{1b}'), "{out}");
    // Nor `policy check`, `policy show` or explain's JSON of a policy that does not load, and a
    // token in the path is not printed there (the eighty-ninth look's).
    let folder = dir
        .path()
        .join("ghp_abcdefghijklmnopqrstuvwxyz0123456789\ndecision: x\u{1b}[8m");
    std::fs::create_dir(&folder).unwrap();
    let bad = folder.join("policy.toml");
    std::fs::write(&bad, "mode = \"nope\"\n").unwrap();
    let outputs = [
        crate::support::bare()
            .args(["policy", "check"])
            .arg(&bad)
            .output()
            .unwrap(),
        crate::support::bare()
            .env("NANOCLAW_SHIM_POLICY", &bad)
            .args(["policy", "show"])
            .output()
            .unwrap(),
        crate::support::bare()
            .env("NANOCLAW_SHIM_POLICY", &bad)
            .args(["explain", "--format", "json", "run", "img"])
            .output()
            .unwrap(),
    ];
    for o in outputs {
        let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
        assert!(
            !all.contains("ghp_abc")
                && !all.contains('\u{1b}')
                && !all.lines().any(|l| l.starts_with("decision: x")),
            "{all}"
        );
    }
}

/// A line copied from the decision log holds its redactions; the report says what is judged
/// without them (the eighty-third look's OneCLI port on podman 5), and only then.
#[test]
fn a_replayed_log_line_says_its_redacted_values_are_not_judged() {
    let e = Env::new("");
    let o = e.explain(&["run", "-e", "HTTPS_PROXY=<redacted>", "img"]);
    assert!(
        text(&o.stdout).contains("note:     the command holds <redacted> values"),
        "{}",
        text(&o.stdout)
    );
    let o = e.explain(&["run", "-e", "HTTPS_PROXY=http://x:1", "img"]);
    assert!(!text(&o.stdout).contains("note:"), "{}", text(&o.stdout));
}

/// podman's state where its configuration moves it is no mount source, as the default stores
/// are not: its database holds every container's environment (the hundred-and-ninth look's:
/// `-v <moved store>/libpod:/s:ro` read another agent's API key, rootless podman 4.3.1 and
/// 5.4.2). Every way the look after it found past the first fix: `CONTAINERS_STORAGE_CONF`,
/// `[Storage]`/`GraphRoot` and `${USER}`, containers.conf's `static_dir` and `volume_path`, a
/// store found by its shape, and `~/.cache` entries under `XDG_CACHE_HOME` (the
/// hundred-and-fourteenth and hundred-and-fifteenth looks'). Each folder without its setting
/// is an ordinary one.
#[test]
fn podman_s_state_where_its_configuration_moves_it_is_no_mount_source() {
    let e = Env::new("");
    let home = e.p("home");
    let user_conf = "home/.config/containers/storage.conf";
    // (file, its text, the folder mounted below the home, a variable)
    type Case<'a> = (&'a str, &'a str, &'a str, Option<(&'a str, &'a str)>);
    let cases: &[Case] = &[
        // (file, its text, the folder mounted below the home, a variable)
        (
            user_conf,
            "[storage]\nrootless_storage_path = \"$HOME/moved-a\"\n",
            "moved-a/libpod",
            None,
        ),
        (
            user_conf,
            "[Storage]\nGraphRoot = \"${HOME}/moved-b\"\n",
            "moved-b",
            None,
        ),
        (
            "elsewhere/s.conf",
            "[storage]\ngraphroot = \"$HOME/moved-c\"\n",
            "moved-c/libpod",
            Some(("CONTAINERS_STORAGE_CONF", "elsewhere/s.conf")),
        ),
        (
            "home/.config/containers/containers.conf",
            "[engine]\nstatic_dir = \"$HOME/moved-d\"\n",
            "moved-d",
            None,
        ),
        (
            "home/.config/containers/containers.conf.d/50-vol.conf",
            "[engine]\nvolume_path = \"$HOME/moved-e\"\n",
            "moved-e/op/_data",
            None,
        ),
        (
            "home/.config/containers/containers.conf.d/.conf",
            "[engine]\nstatic_dir = \"$HOME/moved-g\"\n",
            "moved-g",
            None,
        ),
        (
            "elsewhere/override.conf",
            "[engine]\nstatic_dir = \"$HOME/moved-h\"\n",
            "moved-h",
            Some(("CONTAINERS_CONF_OVERRIDE", "elsewhere/override.conf")),
        ),
        (
            "home/unused",
            "",
            "cache-f/huggingface",
            Some(("XDG_CACHE_HOME", "home/cache-f")),
        ),
    ];
    for (file, conf, folder, var) in cases {
        let dir = home.join(folder);
        std::fs::create_dir_all(&dir).unwrap();
        if folder.starts_with("cache-f") {
            std::fs::write(dir.join("token"), "hf_token").unwrap();
        }
        let mount = format!("{}:/s:ro", dir.display());
        let argv = ["run", "--rm", "-v", &mount, "img"];
        let var = var.map(|(k, v)| (k, e.p(v).display().to_string()));
        let run = || match &var {
            Some((k, v)) => e.explain_with((k, v), &argv),
            None => e.explain(&argv),
        };
        // (A variable naming a file that is not there refuses the call itself.)
        if var.is_none() {
            let o = run();
            assert_eq!(o.status.code(), Some(0), "{folder}: {}", text(&o.stdout));
        }
        let written = e.w.write(file, conf);
        let o = run();
        std::fs::remove_file(written).unwrap();
        assert_eq!(o.status.code(), Some(125), "{folder}: {}", text(&o.stdout));
        assert!(
            text(&o.stdout).contains("deny.credentials"),
            "{folder}: {}",
            text(&o.stdout)
        );
    }
    // A store by its shape, wherever it lies: its lock at the top, a container's settings.
    let store = home.join("plain-store");
    std::fs::create_dir_all(store.join("overlay-containers/c1/userdata")).unwrap();
    std::fs::write(store.join("storage.lock"), "").unwrap();
    // podman 5's database in a transient store's running state, beside the store's folders; a
    // project's own `db.sql` is no store's.
    std::fs::write(store.join("db.sql"), "SQLite format 3").unwrap();
    std::fs::create_dir_all(home.join("project")).unwrap();
    std::fs::write(home.join("project/db.sql"), "create table t (x);").unwrap();
    // A btrfs store's running state holds `btrfs-containers` beside it (the
    // hundred-and-twenty-first look's).
    std::fs::create_dir_all(home.join("btrfs-run/btrfs-containers")).unwrap();
    std::fs::write(home.join("btrfs-run/db.sql"), "SQLite format 3").unwrap();
    let project = format!("{}:/s:ro", home.join("project/db.sql").display());
    let o = e.explain(&["run", "--rm", "-v", &project, "img"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    for folder in [
        "plain-store",
        "plain-store/overlay-containers/c1/userdata",
        "plain-store/db.sql",
        "btrfs-run/db.sql",
    ] {
        let mount = format!("{}:/s:ro", home.join(folder).display());
        let o = e.explain(&["run", "--rm", "-v", &mount, "img"]);
        assert_eq!(o.status.code(), Some(125), "{folder}: {}", text(&o.stdout));
        assert!(
            text(&o.stdout).contains("deny.credentials"),
            "{folder}: {}",
            text(&o.stdout)
        );
    }
}
