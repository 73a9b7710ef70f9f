//! Records the commit the binary is built from, for `nanoclaw-shim --version`: the
//! `NANOCLAW_SHIM_COMMIT` environment variable if set (a packager's choice), else
//! `git rev-parse --short=12 HEAD` when building from a git checkout, else nothing ("unknown").

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-env-changed=NANOCLAW_SHIM_COMMIT");
    let commit = std::env::var("NANOCLAW_SHIM_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| {
            // Rebuild when HEAD moves: HEAD itself, the branch it names, and packed refs.
            for path in ["HEAD", "packed-refs"] {
                if let Some(p) = git(&["rev-parse", "--git-path", path]) {
                    println!("cargo:rerun-if-changed={p}");
                }
            }
            if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
                if let Some(p) = git(&["rev-parse", "--git-path", &branch]) {
                    println!("cargo:rerun-if-changed={p}");
                }
            }
            git(&["rev-parse", "--short=12", "HEAD"])
        });
    if let Some(c) = commit {
        println!("cargo:rustc-env=NANOCLAW_SHIM_COMMIT={c}");
    }
}
