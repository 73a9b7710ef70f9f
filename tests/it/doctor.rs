//! `nanoclaw-shim doctor`, end to end: the built binary checks PATHs made of temporary folders
//! holding a `docker` symlink to itself, a fake podman, or a `docker` that is something else.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::PathBuf;
use std::process::Output;

use crate::support::{BIN, World};

/// Answers the three questions doctor asks a runtime, like podman 4.3.1 does.
const FAKE_PODMAN: &str = r#"#!/bin/sh
case "$1" in
  --version) echo "podman version 4.3.1" ;;
  run)
    for f in --read-only --read-only-tmpfs --tmpfs --cap-add --cap-drop --security-opt --cpus \
             --memory --memory-swap --pids-limit --userns --annotation --http-proxy --systemd --label --no-healthcheck --cgroupns --image-volume --log-driver --log-opt --ulimit; do
      printf '      %s string   help text\n' "$f"
    done ;;
  images) printf '%s\n' docker.io/library/node:22 localhost/nanoclaw-agent:latest ;;
  *) echo "unexpected: $*" >&2; exit 125 ;;
esac
"#;

struct Sandbox {
    w: World,
}

impl Sandbox {
    fn new() -> Sandbox {
        let s = Sandbox {
            w: World::new().policy("").fake_runtime(FAKE_PODMAN),
        };
        for sub in ["other", "bin"] {
            fs::create_dir_all(s.p(sub)).unwrap();
        }
        s.script("other/docker", "#!/bin/sh\nexec podman \"$@\"\n");
        s
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.w.p(rel)
    }

    fn script(&self, rel: &str, text: &str) {
        self.w.script(rel, text);
    }

    fn path_of(&self, dirs: &[&str]) -> String {
        dirs.iter()
            .map(|d| self.p(d).display().to_string())
            .collect::<Vec<_>>()
            .join(":")
    }

    /// `nanoclaw-shim doctor ARGS` with a clean environment: HOME and the policy inside the
    /// sandbox, and a process PATH whose first folder (`bin`) can hold a fake systemctl.
    fn doctor(&self, args: &[&str]) -> Output {
        let process_path = format!("{}:/usr/bin:/bin", self.p("bin").display());
        self.w
            .cli()
            .args(["doctor"])
            .args(args)
            .env("PATH", process_path)
            .run()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The report line of check `name`.
fn line<'a>(out: &'a str, name: &str) -> &'a str {
    out.lines()
        .find(|l| l.split_whitespace().nth(1) == Some(name))
        .unwrap_or_else(|| panic!("no `{name}` line in:\n{out}"))
}

fn assert_status(out: &str, name: &str, status: &str) {
    let l = line(out, name);
    assert!(l.starts_with(status), "`{name}` should be {status}: {l}\n{out}");
}

#[test]
fn shim_first_on_path_is_all_ok() {
    let s = Sandbox::new();
    let path = s.path_of(&["shim", "rt"]);
    let o = s.doctor(&["--path", &path]);
    let out = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for name in [
        "docker",
        "policy",
        "mode",
        "limits",
        "decision-log",
        "runtime",
        "runtime-version",
        "run-flags",
        "agent-image",
        "agent-build",
        "seccomp",
    ] {
        assert_status(&out, name, "OK");
    }
    assert!(
        line(&out, "docker").contains(&format!("{} wins", s.p("shim/docker").display())),
        "{out}"
    );
    assert!(line(&out, "docker").contains("is this nanoclaw-shim"), "{out}");
    assert!(
        line(&out, "runtime").contains(&s.p("rt/podman").display().to_string()),
        "{out}"
    );
    assert!(
        line(&out, "runtime-version").contains("podman version 4.3.1"),
        "{out}"
    );
    assert!(
        line(&out, "agent-image").contains("localhost/nanoclaw-agent:latest"),
        "{out}"
    );
    assert!(line(&out, "policy").contains("policy.toml"), "{out}");
    assert!(!out.lines().any(|l| l.starts_with("FAIL")), "{out}");
    assert!(out.trim_end().ends_with("0 FAIL"), "{out}");
}

#[test]
fn another_docker_first_on_path_fails() {
    let s = Sandbox::new();
    let path = s.path_of(&["other", "shim", "rt"]);
    let o = s.doctor(&["--path", &path]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert_status(&out, "docker", "FAIL");
    let l = line(&out, "docker");
    assert!(
        l.contains(&format!("{} wins", s.p("other/docker").display())),
        "{l}"
    );
    assert!(l.contains("comes later"), "{l}");
    // the fix is printed under the failing line
    let next = out.lines().skip_while(|x| *x != l).nth(1).unwrap();
    assert!(next.trim_start().starts_with("fix:"), "{out}");
    // the rest of the chain is still checked
    assert_status(&out, "runtime", "OK");
}

#[test]
fn json_report() {
    let s = Sandbox::new();
    let path = s.path_of(&["other", "rt"]);
    let o = s.doctor(&["--path", &path, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("doctor --format json is JSON");
    assert_eq!(v["ok"], false);
    let checks = v["checks"].as_array().unwrap();
    let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "docker",
            "build",
            "policy",
            "mode",
            "limits",
            "decision-log",
            "environment",
            "podman-config",
            "runtime",
            "runtime-version",
            "rootless",
            "cgroup",
            "seccomp",
            "mount-check",
            "podman-docker",
            "run-flags",
            "agent-image",
            "agent-build"
        ]
    );
    assert_eq!(v["schema_version"], 1);
    assert_eq!(
        v["summary"]["fail"].as_u64().unwrap() as usize,
        checks.iter().filter(|c| c["status"] == "FAIL").count()
    );
    for c in checks {
        assert!(c["detail"].is_string(), "{c}");
        let status = c["status"].as_str().unwrap();
        assert!(["OK", "WARN", "FAIL"].contains(&status), "{c}");
        assert_eq!(c["fix"].is_string(), status != "OK", "{c}");
    }
    assert_eq!(checks[0]["status"], "FAIL");
}

/// A policy under which nanoclaw's own image builds would be refused (long after the install,
/// when an agent asks for a package) is said by doctor, naming the agent image it found.
#[test]
fn a_policy_that_refuses_nanoclaw_s_builds_is_a_warning() {
    let s = Sandbox::new();
    fs::write(
        s.p("policy.toml"),
        "[deny]\nremove_writable_images = [\"nanoclaw-*\"]\nadd_writable_images = [\"my-agent*\"]\n",
    )
    .unwrap();
    let path = s.path_of(&["shim", "rt"]);
    let out = stdout(&s.doctor(&["--path", &path]));
    assert_status(&out, "agent-build", "WARN");
    let l = line(&out, "agent-build");
    assert!(
        l.contains("localhost/nanoclaw-agent:latest") && l.contains("[deny.image-name]"),
        "{out}"
    );
    let next = out.lines().skip_while(|x| *x != l).nth(1).unwrap();
    assert!(next.contains("add_writable_images"), "{out}");
}

#[test]
fn missing_runtime_and_bad_policy_fail() {
    let s = Sandbox::new();
    fs::write(s.p("policy.toml"), "[limits]\nmemory = \"lots\"\n").unwrap();
    let path = s.path_of(&["shim"]);
    let o = s.doctor(&["--path", &path]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert_status(&out, "docker", "OK");
    assert_status(&out, "policy", "FAIL");
    assert_status(&out, "runtime", "FAIL");
    assert!(line(&out, "runtime").contains("not found"), "{out}");
    for name in ["runtime-version", "run-flags", "agent-image"] {
        assert_status(&out, name, "WARN");
    }
}

#[test]
fn unit_path_from_unit_files_when_systemctl_fails() {
    let s = Sandbox::new();
    s.script(
        "bin/systemctl",
        "#!/bin/sh\necho 'Failed to connect to bus' >&2\nexit 1\n",
    );
    // the shim folder under HOME, named with systemd's %h in the drop-in
    let shim_in_home = s.p("home/.local/lib/nanoclaw-shim/bin");
    fs::create_dir_all(&shim_in_home).unwrap();
    symlink(*BIN, shim_in_home.join("docker")).unwrap();
    let units = s.p("home/.config/systemd/user");
    fs::create_dir_all(units.join("nanoclaw.service.d")).unwrap();
    fs::write(
        units.join("nanoclaw.service"),
        format!(
            "[Unit]\nDescription=NanoClaw\n\n[Service]\nEnvironment=NODE_ENV=production\nEnvironment=PATH={}\nExecStart=/usr/bin/node index.js\n",
            s.path_of(&["other", "rt"])
        ),
    )
    .unwrap();
    let o = s.doctor(&["--unit", "nanoclaw"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert_status(&out, "unit", "OK");
    assert_status(&out, "docker", "FAIL");
    assert!(out.contains("install.sh --systemd-unit nanoclaw"), "{out}");

    // install.sh's drop-in puts the shim folder first
    fs::write(
        units.join("nanoclaw.service.d/nanoclaw-shim.conf"),
        format!(
            "[Service]\nEnvironment=\"PATH=%h/.local/lib/nanoclaw-shim/bin:{}\"\n",
            s.path_of(&["other", "rt"])
        ),
    )
    .unwrap();
    let o = s.doctor(&["--unit", "nanoclaw.service"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_status(&out, "unit", "OK");
    assert_status(&out, "docker", "OK");
    let l = line(&out, "docker");
    assert!(
        l.contains(&shim_in_home.join("docker").display().to_string()),
        "{l}"
    );
    assert!(l.contains("nanoclaw.service"), "{l}");
    assert_status(&out, "runtime", "OK");
    assert_status(&out, "environment", "OK");

    // A variable the unit sets is judged as the unit gives it, not as this shell has it: a
    // world-writable XDG_RUNTIME_DIR makes the shim refuse every call of the unit's (the
    // eighty-third look's unit passed doctor and failed every `docker`).
    fs::write(
        units.join("nanoclaw.service.d/runtime-dir.conf"),
        "[Service]\nEnvironment=XDG_RUNTIME_DIR=/tmp\n",
    )
    .unwrap();
    let o = s.doctor(&["--unit", "nanoclaw"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert_status(&out, "environment", "FAIL");
    assert!(line(&out, "environment").contains("XDG_RUNTIME_DIR"), "{out}");
}

#[test]
fn unit_path_from_systemctl() {
    let s = Sandbox::new();
    s.script(
        "bin/systemctl",
        &format!(
            "#!/bin/sh\ncase \"$*\" in\n  *show-environment*) echo PATH=/usr/bin ;;\n  *) printf 'LoadState=loaded\\nEnvironment=HOME=/x PATH={}\\n' ;;\nesac\n",
            s.path_of(&["shim", "rt"])
        ),
    );
    let o = s.doctor(&["--unit", "nanoclaw"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_status(&out, "unit", "OK");
    assert_status(&out, "docker", "OK");
    assert!(line(&out, "docker").contains("systemctl --user show"), "{out}");

    // The variables the unit does not set are the user manager's, not this shell's (the
    // ninetieth look's): one there that makes the shim refuse every call is a FAIL of the unit's.
    s.script(
        "bin/systemctl",
        &format!(
            "#!/bin/sh\ncase \"$*\" in\n  *show-environment*) printf 'PATH=/usr/bin\\nXDG_RUNTIME_DIR=/tmp\\n' ;;\n  *) printf 'LoadState=loaded\\nEnvironment=HOME=/x PATH={}\\n' ;;\nesac\n",
            s.path_of(&["shim", "rt"])
        ),
    );
    let o = s.doctor(&["--unit", "nanoclaw"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert_status(&out, "environment", "FAIL");
    assert!(line(&out, "environment").contains("XDG_RUNTIME_DIR"), "{out}");

    // systemd knows no such unit, and there are no files (the sandbox's own folder alone on
    // PATH: the checks that follow would otherwise ask the machine's podman, which may be slow)
    s.script(
        "bin/systemctl",
        "#!/bin/sh\necho LoadState=not-found\necho Environment=\n",
    );
    let o =
        s.w.cli()
            .args(["doctor", "--unit", "nope"])
            .env("PATH", s.p("bin"))
            .run();
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert_status(&out, "unit", "FAIL");
}

#[test]
fn path_and_unit_together_are_refused() {
    let s = Sandbox::new();
    let o = s.doctor(&["--path", "/usr/bin", "--unit", "nanoclaw"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
}

/// doctor judges the environment as the shim does: what the shim would refuse FAILs, what it
/// would remove is named.
#[test]
fn the_environment_is_judged_as_the_shim_judges_it() {
    let s = Sandbox::new();
    let path = s.path_of(&["shim", "rt"]);
    let run = |k: &str, v: &str| {
        let o =
            s.w.cli()
                .args(["doctor", "--path", &path])
                .env("PATH", format!("{}:/usr/bin:/bin", s.p("bin").display()))
                .env(k, v)
                .run();
        (o.status.code(), stdout(&o))
    };
    let (code, out) = run("XDG_CONFIG_HOME", "relative/cfg");
    assert_eq!(code, Some(1), "{out}");
    assert_status(&out, "environment", "FAIL");
    assert!(
        line(&out, "environment").contains("XDG_CONFIG_HOME is relative"),
        "{out}"
    );
    let (code, out) = run("LISTEN_FDS", "1");
    assert_eq!(code, Some(0), "{out}");
    assert_status(&out, "environment", "OK");
    assert!(line(&out, "environment").contains("LISTEN_FDS removed"), "{out}");
}

/// What podman's own configuration gives every container is judged as a `run` judges it: a
/// mount there fails the check, with the key to remove (the thirty-seventh pass's looks found
/// such keys reaching every container, `doctor` saying all was OK).
#[test]
fn podman_s_configuration_is_judged_as_a_run_judges_it() {
    let s = Sandbox::new();
    let path = s.path_of(&["shim", "rt"]);
    let conf = s.p("containers.conf");
    let run = |text: &str| {
        std::fs::write(&conf, text).unwrap();
        let o =
            s.w.cli()
                .args(["doctor", "--path", &path])
                .env("PATH", format!("{}:/usr/bin:/bin", s.p("bin").display()))
                .env("CONTAINERS_CONF", &conf)
                .run();
        stdout(&o)
    };
    let out = run("[containers]\nvolumes = [\"/etc:/host:ro\"]\n");
    assert_status(&out, "podman-config", "FAIL");
    assert!(
        line(&out, "podman-config").contains("[containers] volumes"),
        "{out}"
    );
    // A build's RUN steps too: a /dev/shm above the ceiling refuses every build (the look
    // `gl`: doctor said OK).
    let out = run("[containers]\nshm_size = \"100g\"\n");
    assert_status(&out, "podman-config", "FAIL");
    assert!(line(&out, "podman-config").contains("docker build"), "{out}");
    let out = run("[containers]\ndefault_sysctls = []\n");
    assert_status(&out, "podman-config", "OK");
}

/// doctor asks the runtime with what the shim would give it: no loader variable, no variable
/// off the runtime's list (the forty-seventh look's `LD_PRELOAD` reached doctor's podman).
#[test]
fn the_runtime_is_asked_with_what_the_shim_would_give_it() {
    let s = Sandbox::new();
    let seen = s.p("env-seen");
    let fake = FAKE_PODMAN.replacen(
        "case \"$1\" in",
        &format!("/usr/bin/env >> {}\ncase \"$1\" in", seen.display()),
        1,
    );
    s.script("rt/podman", &fake);
    let path = s.path_of(&["shim", "rt"]);
    let o =
        s.w.cli()
            .args(["doctor", "--path", &path])
            .env("PATH", format!("{}:/usr/bin:/bin", s.p("bin").display()))
            .env("LD_DEBUG_OUTPUT", s.p("ld").display().to_string())
            .env("NETAVARK_FW", "none")
            .run();
    let env = fs::read_to_string(&seen)
        .unwrap_or_else(|e| panic!("the runtime was not asked ({e}): {}", stdout(&o)));
    assert!(env.contains("HOME="), "{env}");
    for name in ["LD_DEBUG_OUTPUT=", "NETAVARK_FW="] {
        assert!(!env.contains(name), "{name} reached the runtime:\n{env}");
    }
}

/// Runs doctor with the shim first on PATH and `policy` in force; returns (exit code, report).
fn doctor_with_policy(policy: &str) -> (Option<i32>, String) {
    let s = Sandbox::new();
    fs::write(s.p("policy.toml"), policy).unwrap();
    let path = s.path_of(&["shim", "rt"]);
    let o = s.doctor(&["--path", &path]);
    (o.status.code(), stdout(&o))
}

#[test]
fn mode_off_fails_and_audit_warns() {
    let (code, out) = doctor_with_policy("mode = \"off\"\n");
    assert_eq!(code, Some(1), "{out}");
    assert_status(&out, "mode", "FAIL");
    assert!(line(&out, "mode").contains("NOT hardened"), "{out}");
    let (code, out) = doctor_with_policy("mode = \"audit\"\n");
    assert_eq!(code, Some(0), "{out}");
    assert_status(&out, "mode", "WARN");
    // Audit without a log records nothing (the eighty-third look's): said.
    assert_status(&out, "decision-log", "WARN");
    assert!(line(&out, "decision-log").contains("audits"), "{out}");
    let (_, out) = doctor_with_policy("mode = \"enforce\"\n");
    assert_status(&out, "decision-log", "OK");
}

#[test]
fn an_exempt_profile_warns() {
    let (code, out) = doctor_with_policy(
        "[[profile]]\nname = \"dev\"\nexempt = true\n[profile.match]\nimage = \"dev-*\"\n",
    );
    assert_eq!(code, Some(0), "{out}");
    assert_status(&out, "mode", "WARN");
    assert!(line(&out, "mode").contains("\"dev\" is exempt"), "{out}");
}

#[test]
fn a_tiny_memory_ceiling_fails() {
    // `memory = 4` is 4 bytes: whether the policy check refuses the file or it loads and the
    // limits check catches it, doctor FAILs and says so
    let (code, out) = doctor_with_policy("[limits]\nmemory = 4\n");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("FAIL") && l.contains("4 bytes")),
        "{out}"
    );
}

#[test]
fn an_unusable_decision_log_fails() {
    let s = Sandbox::new();
    // A log whose folder cannot be made: a file stands where a folder must be.
    let blocked = s.p("home/not-a-folder/nanoclaw-shim/decisions.jsonl");
    fs::create_dir_all(s.p("home")).unwrap();
    fs::write(s.p("home/not-a-folder"), "").unwrap();
    fs::write(
        s.p("policy.toml"),
        format!("[log]\npath = {:?}\n", blocked.display().to_string()),
    )
    .unwrap();
    let path = s.path_of(&["shim", "rt"]);
    let o = s.doctor(&["--path", &path]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert_status(&out, "decision-log", "FAIL");
    // A folder that does not exist yet is fine: the shim creates it (0700) on the first call.
    let log = s.p("home/.local/state/nanoclaw-shim/decisions.jsonl");
    fs::write(
        s.p("policy.toml"),
        format!("[log]\npath = {:?}\n", log.display().to_string()),
    )
    .unwrap();
    let o = s.doctor(&["--path", &path]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_status(&out, "decision-log", "OK");
    assert!(!log.parent().unwrap().exists(), "doctor created the folder");
}

#[test]
fn messages_name_what_is_really_there() {
    let s = Sandbox::new();
    let path = s.path_of(&["shim", "rt"]);
    let out = stdout(&s.doctor(&["--path", &path]));
    let l = line(&out, "podman-docker");
    if !std::path::Path::new("/usr/bin/docker").exists() {
        assert!(l.contains("there is no /usr/bin/docker"), "{l}");
        assert!(!l.contains("wrapper script"), "{l}");
    }
    // docker as the runtime (the policy's explicit choice): nothing about podman being rootful
    fs::write(
        s.p("policy.toml"),
        "[runtime]\nbinary = \"docker\"\nflavor = \"docker\"\n",
    )
    .unwrap();
    s.script(
        "rt2/docker",
        "#!/bin/sh\necho 'Docker version 28.2.2, build e6534b4'\n",
    );
    let path = s.path_of(&["shim", "rt2"]);
    let out = stdout(&s.doctor(&["--path", &path]));
    let l = line(&out, "rootless");
    assert!(!l.contains("podman"), "{l}");
    for l in out.lines() {
        assert!(
            !l.contains("Some(") && !l.contains("None"),
            "Rust debug text: {l}"
        );
    }
}

/// A runtime that cannot start at all (podman under an unusable `XDG_RUNTIME_DIR` exits 125
/// before any help) fails `run-flags` with its own words, never with "upgrade podman" (the
/// ninety-third look's).
#[test]
fn a_runtime_that_cannot_start_is_not_told_to_upgrade() {
    let s = Sandbox::new();
    s.script(
        "rt/podman",
        "#!/bin/sh\necho 'Error: lstat /nonexist: no such file or directory' >&2\nexit 125\n",
    );
    let path = s.path_of(&["shim", "rt"]);
    let o = s.doctor(&["--path", &path]);
    let out = stdout(&o);
    assert_status(&out, "run-flags", "FAIL");
    let flags = line(&out, "run-flags");
    assert!(flags.contains("lstat /nonexist"), "{out}");
    assert!(!out.contains("upgrade"), "{out}");
    assert!(out.contains("does not start"), "{out}");
}
