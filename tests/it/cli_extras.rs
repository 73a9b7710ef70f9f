//! `explain --line` (a pasted shell command line) and `policy diff`.

use crate::support::{PODMAN_VERSION, World, bare as cli};

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn a_pasted_command_line_is_the_same_invocation_as_its_words() {
    let line = r#"docker run --rm -e 'NOTE=two words' -v "/srv/a b:/w" img sh -c 'echo "hi"'"#;
    // A runtime to find: explain exits 0 only for an invocation that would run.
    let w = World::new().fake_runtime(PODMAN_VERSION);
    let by_line = w
        .cli()
        .args(["explain", "--format", "json", "--line", line])
        .run();
    let by_words = w
        .cli()
        .args([
            "explain",
            "--format",
            "json",
            "--",
            "docker",
            "run",
            "--rm",
            "-e",
            "NOTE=two words",
        ])
        .args(["-v", "/srv/a b:/w", "img", "sh", "-c", "echo \"hi\""])
        .run();
    assert_eq!(
        by_line.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&by_line.stderr)
    );
    assert_eq!(json(&by_line)["argv"], json(&by_words)["argv"]);
    // A line a shell could not split is a usage error, not a guess.
    let o = cli()
        .args(["explain", "--line", "docker run 'img"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    // Either the line or the words.
    let o = cli()
        .args(["explain", "--line", "docker ps", "--", "ps"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn policy_diff_names_what_differs_from_the_default() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("policy.toml");
    std::fs::write(&p, "[limits]\nmemory = \"2g\"\n[deny]\npublic_ports = false\n").unwrap();
    let o = cli()
        .args(["policy", "diff", "--policy"])
        .arg(&p)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("limits.memory: \"4g\" -> \"2g\""), "{out}");
    assert!(out.contains("deny.public_ports: true -> false"), "{out}");
    assert_eq!(out.lines().filter(|l| !l.starts_with('#')).count(), 2, "{out}");
    let default = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policy/default.toml");
    let o = cli()
        .args(["policy", "diff", "--policy"])
        .arg(&default)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    std::fs::write(&p, "[limits]\nmemory = 4\n").unwrap();
    let o = cli()
        .args(["policy", "diff", "--policy"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

/// A profile is diffed key by key against the policy's own sections, which it starts from:
/// POLICY.md's browser-heavy example is its match and two settings, not one line of every
/// default (the eighty-third look's).
#[test]
fn policy_diff_names_a_profile_s_own_settings() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("policy.toml");
    std::fs::write(
        &p,
        "[limits]\nmemory = \"6g\"\n[[profile]]\nname = \"browser\"\nmatch.container = \"nanoclaw-v2-main-*\"\n[profile.hardening]\nshm_size = \"1g\"\n[profile.limits]\nmemory = \"8g\"\n",
    )
    .unwrap();
    let o = cli()
        .args(["policy", "diff", "--policy"])
        .arg(&p)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let lines: Vec<&str> = out.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        lines,
        [
            "limits.memory: \"4g\" -> \"6g\"",
            "profile[browser].hardening.shm_size: \"off\" -> \"1g\"",
            "profile[browser].limits.memory: \"6g\" -> \"8g\"",
            "profile[browser].match.container: (none) -> \"nanoclaw-v2-main-*\"",
        ],
        "{out}"
    );
}

/// A profile's name is the policy writer's text: `policy diff` and `explain` escape it, so that
/// a line break or an escape sequence in it forges no line of theirs (the hundredth look's).
#[test]
fn a_profile_s_name_forges_no_line() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("policy.toml");
    std::fs::write(
        &p,
        "[[profile]]\nname = \"x\\n# no differences\\u001b[2J\"\nmatch.image = \"img\"\n[profile.limits]\nmemory = \"1g\"\n",
    )
    .unwrap();
    let o = cli()
        .args(["policy", "diff", "--policy"])
        .arg(&p)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.lines().any(|l| l == "# no differences"), "{out}");
    assert!(!out.contains('\u{1b}'), "{out}");
    let o = cli()
        .args(["explain", "--policy"])
        .arg(&p)
        .args(["run", "img"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("profile:  x"), "{out}");
    assert!(!out.lines().any(|l| l == "# no differences"), "{out}");
    assert!(!out.contains('\u{1b}'), "{out}");
}
