//! Snapshots of `nanoclaw-shim policy check` diagnostics for the policies in
//! `fixtures/policies/`: every problem at once, each with `file:line:col`, a code and a hint.

use crate::support::bare;

fn check(file: &str) -> (i32, String) {
    let o = bare()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["policy", "check", file])
        .output()
        .unwrap();
    (o.status.code().unwrap(), String::from_utf8(o.stdout).unwrap())
}

#[test]
fn policy_check_diagnostics() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for name in ["typos", "bad-values", "contradictions", "syntax"] {
            let (code, out) = check(&format!("fixtures/policies/{name}.toml"));
            assert_eq!(code, 1, "{name}: {out}");
            insta::assert_snapshot!(format!("policy-check-{name}"), out);
        }
        // Its exempt profile's containers carry none of the shim's checks, which `docker start`
        // (no profile) refuses under the mount check: a warning, and nothing else.
        let (code, out) = check("fixtures/policies/profiles.toml");
        assert_eq!(code, 1, "{out}");
        assert!(
            out.starts_with("fixtures/policies/profiles.toml:17:1: warning[unstartable-profile]: ")
                && out.ends_with("fixtures/policies/profiles.toml: 0 error(s), 1 warning(s)\n"),
            "{out}"
        );
        let (code, _) = check("policy/default.toml");
        assert_eq!(code, 0);
    });
}

/// A file the shim refuses is not `ok` to `policy check` (the fifty-sixth look's: `doctor`'s hint
/// sends the operator here, and a world-writable policy checked clean while every docker call
/// refused it).
#[test]
fn a_policy_the_shim_refuses_is_not_ok() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("policy.toml");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/policy/default.toml"), &f).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
    let (code, out) = check(f.to_str().unwrap());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("refuses this policy file") && out.contains("writable"),
        "{out}"
    );
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, out) = check(f.to_str().unwrap());
    assert_eq!(code, 0, "{out}");
}
