//! Diagnostics on demand: the built binary as `docker`, with and without `NANOCLAW_SHIM_LOG`,
//! against a fake runtime that records its argv and prints nothing.
//!
//! - With `NANOCLAW_SHIM_LOG=debug`, stderr names the policy file and why it was chosen, the
//!   profile, the runtime, the version cache's miss and hit, every change with its rule id and
//!   the exec; stdout stays empty.
//! - Without it (or with `off`) stderr is empty on success; a value that is not a level costs
//!   one warning line and never the call.
//! - A secret `-e` value and a proxy URL's credentials reach the runtime but never stderr, at
//!   any level, allowed or refused.
//! - A refusal still ends with its one `refused:` line and exit 125, after the trace.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// Answers `--version` like podman 4.3.1 (so the shim's version cache fills), records the argv
/// of every other call, prints nothing.
const FAKE: &str = r#"#!/bin/sh
case "$1" in --version) echo "podman version 4.3.1"; exit 0 ;; esac
printf '%s\0' "$@" > "$FAKE_DIR/argv"
exit 0
"#;

/// A policy that is not the shipped default (so it is parsed), with one profile.
const POLICY: &str = r#"
[[profile]]
name = "agents"
match.image = "nanoclaw-agent:*"

[profile.limits]
pids = 128
"#;

const SECRET: &str = "sk-ant-oat01-DO-NOT-PRINT";
const PROXY_PASSWORD: &str = "hunter2proxy";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env::in_dir(tempfile::tempdir().unwrap())
    }

    fn in_dir(dir: tempfile::TempDir) -> Env {
        for sub in ["shim", "rt", "out", "home"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        symlink(*crate::support::BIN, dir.path().join("shim/docker")).unwrap();
        let rt = dir.path().join("rt/podman");
        // The folder is written into the script: the runtime is given no variable of the test's
        // own (`deny.environment`).
        let out = dir.path().join("out");
        std::fs::write(&rt, FAKE.replace("$FAKE_DIR", &out.display().to_string())).unwrap();
        std::fs::set_permissions(&rt, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(dir.path().join("policy.toml"), POLICY).unwrap();
        Env { dir }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `docker ARGS` with `NANOCLAW_SHIM_LOG` set to `log` (unset for `None`), PATH = the shim's
    /// folder, then the fake runtime's.
    fn docker(&self, log: Option<&str>, args: &[&str]) -> Output {
        let path =
            std::env::join_paths([self.p("shim"), self.p("rt"), "/usr/bin".into(), "/bin".into()]).unwrap();
        let mut c = Command::new(self.p("shim/docker"));
        c.env_clear()
            .env("PATH", path)
            .env("HOME", self.p("home"))
            .env("NANOCLAW_SHIM_POLICY", self.p("policy.toml"))
            .args(args)
            .stdin(Stdio::null());
        if let Some(level) = log {
            c.env("NANOCLAW_SHIM_LOG", level);
        }
        // A fake runtime written a moment ago may be "Text file busy" while another test
        // thread's fork still holds its write descriptor: retry that, and only that.
        for _ in 0..50 {
            let o = c.output().unwrap();
            if !text(&o.stderr).contains("Text file busy") {
                return o;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        c.output().unwrap()
    }

    fn recorded_argv(&self) -> Vec<String> {
        let raw = std::fs::read(self.p("out/argv")).expect("the runtime ran");
        raw.split(|&b| b == 0)
            .filter(|s| !s.is_empty())
            .map(text)
            .collect()
    }

    fn ran(&self) -> bool {
        self.p("out/argv").exists()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// nanoclaw's shape of an agent start: a token in `-e`, a proxy with credentials, and the
/// host-gateway mapping whose rewrite needs the runtime's version.
fn agent_run(extra: &[&'static str]) -> Vec<String> {
    let mut argv: Vec<String> = vec![
        "run".into(),
        "--rm".into(),
        "--name".into(),
        "nanoclaw-main-1".into(),
        "-e".into(),
        format!("CLAUDE_CODE_OAUTH_TOKEN={SECRET}"),
        "--env".into(),
        format!("HTTPS_PROXY=https://agent:{PROXY_PASSWORD}@host.docker.internal:10255"),
        "--add-host=host.docker.internal:host-gateway".into(),
    ];
    argv.extend(extra.iter().map(|s| s.to_string()));
    argv.push("nanoclaw-agent:latest".into());
    argv
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn assert_no_secret(what: &str, out: &str) {
    assert!(!out.contains(SECRET), "{what} shows the -e token:\n{out}");
    assert!(
        !out.contains(PROXY_PASSWORD),
        "{what} shows the proxy password:\n{out}"
    );
}

#[test]
fn debug_traces_every_step_to_stderr_only() {
    let e = Env::new();
    let argv = agent_run(&[]);
    let o = e.docker(Some("debug"), &strs(&argv));
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        o.stdout.is_empty(),
        "stdout before the exec: {:?}",
        text(&o.stdout)
    );
    let policy = e.p("policy.toml");
    let runtime = e.p("rt/podman");
    for want in [
        format!(
            "nanoclaw-shim: info: policy: {} (NANOCLAW_SHIM_POLICY is set)",
            policy.display()
        ),
        "policy: parsed: mode enforce, 1 profile(s)".to_string(),
        "profile: agents matches image nanoclaw-agent:latest, name nanoclaw-main-1".to_string(),
        format!("runtime: {} (flavour podman, guessed from the name)", runtime.display()),
        format!("runtime version: cache miss ({})", e.p("home/.cache/nanoclaw-shim/runtime-versions").display()),
        "runtime version: 4.3.1 (cached in".to_string(),
        "host: rootful".to_string(),
        "add --read-only [harden.read-only]".to_string(),
        "add --pids-limit=128 [limit.pids]".to_string(),
        "replace --add-host=host.docker.internal:host-gateway -> --add-host=host.docker.internal:10.88.0.1 [compat.host-gateway]".to_string(),
        "decision: rewrite run (mode enforce,".to_string(),
        // The mount check's hook folder first (podman's global option), then the command.
        format!("nanoclaw-shim: info: exec: {} as podman: --hooks-dir=", runtime.display()),
        " run --rm --name nanoclaw-main-1".to_string(),
    ] {
        let want = want.replace("rootful", if is_root() { "rootful" } else { "rootless" });
        assert!(err.contains(&want), "stderr lacks {want:?}:\n{err}");
    }
    assert!(
        err.lines().all(|l| l.starts_with("nanoclaw-shim: ")),
        "every diagnostics line names the shim:\n{err}"
    );
    // The exec line is the last word before the runtime, and shows what it received.
    let last = err.lines().last().unwrap();
    assert!(
        last.contains(" --read-only ") && last.ends_with(" nanoclaw-agent:latest"),
        "{last}"
    );
    assert!(e.recorded_argv().iter().any(|t| t == "--read-only"));

    // The second call finds the version in the cache.
    let o = e.docker(Some("debug"), &strs(&argv));
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("runtime version: podman 4.3.1 (cache hit in"),
        "{err}"
    );
    assert!(!err.contains("cache miss"), "{err}");
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").unwrap().uid() == 0
}

#[test]
fn levels_choose_how_much_and_off_or_unset_print_nothing() {
    let e = Env::new();
    let argv = agent_run(&[]);
    for log in [None, Some("off"), Some(""), Some("OFF")] {
        let o = e.docker(log, &strs(&argv));
        assert!(o.status.success(), "{log:?}: {}", text(&o.stderr));
        assert!(o.stderr.is_empty(), "{log:?}: {}", text(&o.stderr));
        assert!(o.stdout.is_empty(), "{log:?}");
    }
    let o = e.docker(Some("info"), &strs(&argv));
    let err = text(&o.stderr);
    assert!(
        err.contains("info: exec: ") && err.contains("info: policy: "),
        "{err}"
    );
    assert!(!err.contains(": debug: "), "info shows no debug lines:\n{err}");
    let o = e.docker(Some("error"), &strs(&argv));
    assert!(o.status.success() && o.stderr.is_empty(), "{}", text(&o.stderr));
    let o = e.docker(Some("trace"), &strs(&argv));
    assert!(
        text(&o.stderr).contains("debug: argv: docker run --rm"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn a_value_that_is_not_a_level_warns_once_and_never_blocks() {
    let e = Env::new();
    let o = e.docker(Some("verbose"), &["run", "--rm", "nanoclaw-agent:latest"]);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(e.ran(), "the runtime ran");
    assert_eq!(
        err,
        "nanoclaw-shim: warning: NANOCLAW_SHIM_LOG (7 bytes) is not one of off, error, warn, info, debug, trace; diagnostics stay off\n"
    );
    // Never the value itself: a token pasted there would reach nanoclaw's stderr at every call.
    let o = e.docker(Some("sk-ant-LEAKLEAK\nforged"), &["ps"]);
    let err = text(&o.stderr);
    assert!(!err.contains("LEAK") && !err.contains("forged"), "{err}");
    assert!(o.stdout.is_empty());
}

#[test]
fn secrets_never_appear_at_any_level() {
    for level in ["trace", "debug", "info", "warn"] {
        // Allowed: the runtime receives the secrets; the trace shows them redacted.
        let e = Env::new();
        let o = e.docker(Some(level), &strs(&agent_run(&[])));
        let err = text(&o.stderr);
        assert!(o.status.success(), "{level}: {err}");
        let got = e.recorded_argv().join(" ");
        assert!(
            got.contains(SECRET) && got.contains(PROXY_PASSWORD),
            "the control: the runtime gets both secrets: {got}"
        );
        assert_no_secret(level, &err);
        assert_no_secret(level, &text(&o.stdout));
        if level == "trace" || level == "debug" {
            assert!(err.contains("CLAUDE_CODE_OAUTH_TOKEN=<redacted>"), "{err}");
            assert!(err.contains("HTTPS_PROXY=<redacted>"), "{err}");
        }
        // Refused: the trace and the refusal line hide them too.
        let o = e.docker(Some(level), &strs(&agent_run(&["--privileged"])));
        assert_eq!(o.status.code(), Some(125), "{level}: {}", text(&o.stderr));
        assert_no_secret(level, &text(&o.stderr));
        assert!(o.stdout.is_empty());
        // A token where a capability or a command word belongs: upper-cased in a reason, or
        // the command's own words in the decision line (the seventy-seventh look's).
        let cap: &'static str = Box::leak(format!("--cap-add={SECRET}").into_boxed_str());
        // A URL's password as a network option: lower-cased and cut at the `:` before it
        // reached the reason.
        for (argv, secret) in [
            (agent_run(&[cap]), SECRET),
            (
                agent_run(&["--network=user:Hunter2Pass@host.example"]),
                "Hunter2Pass",
            ),
            (vec!["container".to_string(), SECRET.to_string()], SECRET),
            // A reason that quotes the caller's value raw: the line is redacted as a whole too
            // (the ninety-second look's: a shapes-only line pass printed it).
            (agent_run(&["-v", "/tmp:/m:DB_PASS=Hunter2Pass"]), "Hunter2Pass"),
        ] {
            let o = e.docker(Some(level), &strs(&argv));
            let err = text(&o.stderr);
            assert_eq!(o.status.code(), Some(125), "{level}: {err}");
            assert!(
                !err.to_ascii_uppercase().contains(&secret.to_ascii_uppercase()),
                "{level}: {err}"
            );
        }
    }
}

#[test]
fn a_refusal_ends_with_its_line_after_the_trace() {
    let e = Env::new();
    let refused = "nanoclaw-shim: refused: --privileged: a privileged container has every capability and device; give the one capability it needs with --cap-add and [hardening] allowed_capabilities [deny.privileged]";
    let o = e.docker(None, &["run", "--privileged", "nanoclaw-agent:latest"]);
    assert_eq!(o.status.code(), Some(125));
    assert_eq!(
        text(&o.stderr),
        format!("{refused}\n"),
        "without diagnostics: one line"
    );
    assert!(o.stdout.is_empty());

    let o = e.docker(Some("debug"), &["run", "--privileged", "nanoclaw-agent:latest"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(125), "{err}");
    assert!(o.stdout.is_empty());
    assert!(!e.ran(), "nothing ran");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.last(), Some(&refused), "{err}");
    assert!(lines.len() > 3, "the trace comes first:\n{err}");
    let deny = lines
        .iter()
        .position(|l| l.starts_with("nanoclaw-shim: warn: deny --privileged [deny.privileged]"))
        .unwrap_or_else(|| panic!("no deny line:\n{err}"));
    let decision = lines
        .iter()
        .position(|l| l.starts_with("nanoclaw-shim: warn: decision: refuse run (mode enforce)"))
        .unwrap_or_else(|| panic!("no decision line:\n{err}"));
    assert!(deny < decision && decision < lines.len() - 1, "{err}");
    assert!(!err.contains("exec: "), "a refusal execs nothing:\n{err}");
    assert!(
        !err.contains("add --read-only"),
        "a refused plan's hardening never ran:\n{err}"
    );
    // The trace quotes the caller's token: a line break in it cannot print a line of its own
    // (the fifty-second look's `FAKELINE`), nor an escape sequence move the cursor.
    let o = e.docker(
        Some("debug"),
        &["run", "-v", "/x:/y:\nFAKELINE\u{1b}[2A", "nanoclaw-agent:latest"],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(125), "{err}");
    assert!(
        err.contains("FAKELINE")
            && err.lines().all(|l| l.starts_with("nanoclaw-shim: "))
            && !err.contains('\u{1b}'),
        "{err}"
    );
}

#[test]
fn explain_honours_it_on_stderr() {
    let e = Env::new();
    let path = std::env::join_paths([e.p("rt"), "/usr/bin".into(), "/bin".into()]).unwrap();
    let o = Command::new(*crate::support::BIN)
        .env_clear()
        .env("PATH", path)
        .env("HOME", e.p("home"))
        .env("NANOCLAW_SHIM_POLICY", e.p("policy.toml"))
        .env("NANOCLAW_SHIM_LOG", "debug")
        .args(["explain", "--", "docker"])
        .args(agent_run(&[]))
        .output()
        .unwrap();
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert!(o.status.success(), "{err}");
    assert!(err.contains("profile: agents matches image"), "{err}");
    assert!(
        !out.contains("nanoclaw-shim: debug:"),
        "diagnostics stay off stdout:\n{out}"
    );
    assert_no_secret("explain's diagnostics", &err);
}

/// The policy's lists are resolved once and recalled while nothing they depend on changed; a
/// home that gains a symlinked credential store afterwards is seen at once.
#[test]
fn resolved_lists_are_recalled_until_the_home_changes() {
    // A quiet parent: the memory is only written once every directory it depends on has been
    // unchanged for a while, and `/tmp` is rarely that quiet while tests run.
    let parent = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("host-memory");
    std::fs::create_dir_all(&parent).unwrap();
    let env = Env::in_dir(tempfile::tempdir_in(&parent).unwrap());
    let aws = env.p("elsewhere/aws");
    std::fs::create_dir_all(&aws).unwrap();
    let mount = format!("{}:/aws:ro", aws.display());
    let with_mount = agent_run(&["-v"]);
    let mut with_mount: Vec<&str> = strs(&with_mount);
    with_mount.insert(with_mount.len() - 1, &mount);
    // Until the new folders have settled, each call resolves and says why it kept nothing. On a
    // checkout whose file system the memory does not trust (NFS, FUSE, 9p), nothing is ever
    // remembered: then only the judgement below is checked, and the test says so.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let remembered = loop {
        let o = env.docker(Some("debug"), &with_mount);
        let err = text(&o.stderr);
        assert!(o.status.success(), "{err}");
        if err.contains("host-path lists: remembered") {
            break true;
        }
        assert!(
            err.contains("host-path lists: not remembered"),
            "no word on the memory:\n{err}"
        );
        if err.contains("on a file system whose change times are not relied on") {
            eprintln!("note: this checkout's file system keeps no trusted change times:\n{err}");
            break false;
        }
        // A system folder on the lists' way (`/var/tmp`, `/run`) that other work on the host
        // keeps changing (podman's own files, a suite running beside) is the memory refusing
        // rightly: said loudly, and then only the judgement below is checked. One of the
        // test's own folders never settling is a failure.
        let own = env.p("").display().to_string();
        let unsettled = err
            .lines()
            .find_map(|l| l.split("not remembered: ").nth(1))
            .and_then(|r| r.strip_suffix(" changed less than 2 s ago"))
            .map(str::to_string);
        if std::time::Instant::now() >= deadline {
            match unsettled.filter(|d| !d.starts_with(own.trim_end_matches('/'))) {
                Some(dir) => {
                    eprintln!(
                        "NOTE (memory not checked): {dir}, a folder of the host's, changed at least every 2 s for 15 s while this ran; the memory rightly kept nothing"
                    );
                    break false;
                }
                None => panic!("never remembered:\n{err}"),
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    };
    if remembered {
        let o = env.docker(Some("debug"), &with_mount);
        let err = text(&o.stderr);
        assert!(o.status.success(), "{err}");
        assert!(err.contains("host-path lists: recalled"), "{err}");
        // A glob entry recalled (`/tmp/tmux-*`) matches as the freshly compiled one does.
        let tmux = "/tmp/tmux-nanoclaw-shim-recall/default:/t";
        let mut with_glob = with_mount.clone();
        with_glob.insert(with_glob.len() - 1, "-v");
        with_glob.insert(with_glob.len() - 1, tmux);
        let o = env.docker(Some("debug"), &with_glob);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(125), "{err}");
        assert!(err.contains("host-path lists: recalled"), "{err}");
        assert!(err.contains("deny.sensitive-mount"), "{err}");
    }
    // Now `~/.aws` is a symlink to that folder: mounting the folder exposes the credentials.
    symlink(&aws, env.p("home/.aws")).unwrap();
    let o = env.docker(Some("debug"), &with_mount);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(125), "{err}");
    if remembered {
        assert!(
            err.contains("resolved afresh: a directory on the entries' way changed"),
            "{err}"
        );
    }
    assert!(err.contains("deny.credentials"), "{err}");
}

/// The memory lives in the cache folder, wherever `XDG_CACHE_HOME` puts it: a container that
/// could write there could forge it, so no writable mount may reach it (nor the runtime-version
/// cache beside it); reading it is harmless.
#[test]
fn the_cache_folder_is_never_mounted_into_a_container() {
    let env = Env::new();
    let xdg = env.p("xdg");
    std::fs::create_dir_all(xdg.join("nanoclaw-shim")).unwrap();
    let path = std::env::join_paths([env.p("shim"), env.p("rt"), "/usr/bin".into(), "/bin".into()]).unwrap();
    let run = |mount: String| {
        Command::new(env.p("shim/docker"))
            .env_clear()
            .env("PATH", &path)
            .env("HOME", env.p("home"))
            .env("XDG_CACHE_HOME", &xdg)
            .env("NANOCLAW_SHIM_POLICY", env.p("policy.toml"))
            .args(["run", "--rm", "-v", &mount, "nanoclaw-agent:latest"])
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    // Nor read: it holds the policy's text and the paths the lists resolved (the fifty-second
    // look's mounted it read-only), and so does the decision log every call's argv.
    for target in [xdg.clone(), xdg.join("nanoclaw-shim")] {
        for spec in ["/c", "/c:ro"] {
            let o = run(format!("{}:{spec}", target.display()));
            let err = text(&o.stderr);
            assert_eq!(o.status.code(), Some(125), "{}: {err}", target.display());
            assert!(err.contains("deny.credentials"), "{}: {err}", target.display());
        }
    }
    std::fs::create_dir_all(xdg.join("ms-playwright")).unwrap();
    let o = run(format!("{}:/c:ro", xdg.join("ms-playwright").display()));
    assert!(o.status.success(), "{}", text(&o.stderr));
}

/// A path the environment names (`HOME`, `NANOCLAW_SHIM_POLICY`) is shown as every line the
/// shim prints: a line break there forged a line of its own, a token in it was printed (the
/// eighty-fourth look's), in the decision log's warning with diagnostics off, and in the trace.
#[test]
fn a_path_from_the_environment_forges_no_line_and_shows_no_token() {
    let e = Env::new();
    let forged = format!("x\nnanoclaw-shim: info: forged {SECRET}");
    // HOME is a file: the log beneath it cannot be written, and the warning names its path.
    let home = e.p("home").join(&forged);
    std::fs::write(&home, "").unwrap();
    let policy_dir = e.p(&forged);
    std::fs::create_dir(&policy_dir).unwrap();
    let policy = policy_dir.join("policy.toml");
    std::fs::write(&policy, "[log]\npath = \"~/decisions.jsonl\"\n").unwrap();
    for level in [None, Some("debug")] {
        let path = std::env::join_paths([e.p("shim"), e.p("rt"), "/usr/bin".into(), "/bin".into()]).unwrap();
        let mut c = Command::new(e.p("shim/docker"));
        c.env_clear()
            .env("PATH", path)
            .env("HOME", &home)
            .env("NANOCLAW_SHIM_POLICY", &policy)
            .args(["run", "--rm", "img"])
            .stdin(Stdio::null());
        if let Some(level) = level {
            c.env("NANOCLAW_SHIM_LOG", level);
        }
        let o = c.output().unwrap();
        let err = text(&o.stderr);
        assert!(o.status.success(), "{level:?}: {err}");
        assert!(err.contains("decision log"), "{level:?}: {err}");
        assert!(!err.contains("DO-NOT-PRINT"), "{level:?}: {err}");
        assert!(
            err.lines()
                .all(|l| l.starts_with("nanoclaw-shim: ") && !l.starts_with("nanoclaw-shim: info: forged")),
            "{level:?}: {err}"
        );
    }
}

/// The refusal line is redacted as a line, not as a command: the shim's own words after a
/// `--user` token are no `user:password` (the seventy-eighth and eighty-third looks' `--user=root:
/// <redacted>`), while a credential in the caller's command still is.
#[test]
fn a_refusal_line_keeps_the_shim_s_own_words() {
    let e = Env::new();
    let o = e.docker(None, &["run", "--user", "root", "img"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(125), "{err}");
    assert!(
        err.contains("--user=root: runs as root [deny.root-user]"),
        "{err}"
    );
    let o = e.docker(
        Some("debug"),
        &[
            "run",
            "--privileged",
            "img",
            "sh",
            "-c",
            "curl -u bob:Hunter2Pass http://x",
        ],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(125), "{err}");
    assert!(!err.contains("Hunter2Pass"), "{err}");
}
