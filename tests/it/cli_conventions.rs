//! What users expect of a command-line tool: `--version` that says what the binary is made of,
//! shell completions and man pages generated from the same clap definitions, and help text for
//! every option.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::bare;

fn run(args: &[&str]) -> Output {
    bare().args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn field<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .unwrap_or_else(|| panic!("no `{key}` in:\n{text}"))
        .trim()
}

#[test]
fn version_names_the_commit_the_build_and_the_default_policy() {
    for flag in ["--version", "-V"] {
        let out = stdout(&run(&[flag]));
        assert_eq!(
            out.lines().next(),
            Some(concat!("nanoclaw-shim ", env!("CARGO_PKG_VERSION")))
        );
        let commit = field(&out, "commit:");
        assert!(
            commit == "unknown" || (commit.len() >= 7 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
            "{commit}"
        );
        assert!(["static", "dynamic"].contains(&field(&out, "build:")), "{out}");
        let hash = field(&out, "default policy:");
        let default =
            std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("policy/default.toml")).unwrap();
        assert_eq!(hash, format!("sha256 {}", nanoclaw_shim::sha256::hex(&default)));
        // and it is the digest sha256sum prints
        if let Ok(o) = Command::new("sha256sum")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("policy/default.toml"))
            .output()
        {
            let sum = String::from_utf8_lossy(&o.stdout);
            assert_eq!(hash, format!("sha256 {}", sum.split_whitespace().next().unwrap()));
        }
    }
}

#[test]
fn completions_for_each_shell() {
    for (shell, checker) in [
        ("bash", Some("bash")),
        ("zsh", Some("zsh")),
        ("fish", Some("fish")),
    ] {
        let script = stdout(&run(&["completions", shell]));
        for word in [
            "nanoclaw-shim",
            "explain",
            "doctor",
            "verify",
            "log",
            "refused",
            "format",
        ] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
        // the shell itself accepts the script, where the shell is installed
        if let Some(sh) = checker {
            let dir = tempfile::tempdir().unwrap();
            let f = dir.path().join("script");
            std::fs::write(&f, &script).unwrap();
            if let Ok(o) = Command::new(sh).arg("-n").arg(&f).output() {
                assert!(
                    o.status.success(),
                    "{sh} -n: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
            }
        }
    }
    assert_eq!(run(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn man_pages() {
    let page = stdout(&run(&["man"]));
    assert!(page.contains(".TH nanoclaw-shim 1"), "{page}");
    assert!(
        page.contains("nanoclaw\\-shim\\-explain") || page.contains("nanoclaw-shim-explain"),
        "{page}"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    stdout(&run(&["man", "--dir", out.to_str().unwrap()]));
    for page in [
        "nanoclaw-shim.1",
        "nanoclaw-shim-explain.1",
        "nanoclaw-shim-log.1",
        "nanoclaw-shim-policy-check.1",
    ] {
        let text = std::fs::read_to_string(out.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.starts_with(".ie"), "{page} is not roff");
    }
}

#[test]
fn every_option_has_help_and_exit_codes_are_documented() {
    let cmd = nanoclaw_shim::cli::command();
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for a in cmd.get_arguments() {
            let id = a.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            if a.get_help().is_none_or(|h| h.to_string().trim().is_empty()) {
                missing.push(format!("{path} {id}"));
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }
    let mut missing = Vec::new();
    walk(&cmd, "nanoclaw-shim", &mut missing);
    assert!(missing.is_empty(), "options without help text: {missing:?}");
    for sub in ["explain", "doctor", "verify", "log"] {
        let help = stdout(&run(&[sub, "--help"]));
        assert!(help.contains("Exit status:"), "{sub} --help names no exit codes");
    }
}

#[test]
fn policy_show_and_check_agree_on_an_invalid_policy() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[hardening]\nread_only = \"yes\"\nbogus = 1\n").unwrap();
    let check = run(&["policy", "check", bad.to_str().unwrap()]);
    let show = run(&["policy", "show", "--policy", bad.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(
        show.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&show.stderr)
    );
    assert!(show.stdout.is_empty());
    // every problem, with its position, not only the first
    let err = String::from_utf8_lossy(&show.stderr);
    assert!(err.contains(":2:") && err.contains(":3:"), "{err}");
}
