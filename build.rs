//! Two things the compiler cannot know on its own:
//!
//! - The commit the binary is built from, for `nanoclaw-shim --version`: the
//!   `NANOCLAW_SHIM_COMMIT` environment variable if set (a packager's choice), else
//!   `git rev-parse --short=12 HEAD` when building from a git checkout, else nothing ("unknown").
//! - Where the linker puts the code a `docker` call runs: `link/hot-text.ld` names those
//!   functions (benches/layout.sh writes it from a profile) and the linker places them side by
//!   side, so that the kernel maps them with a handful of page faults instead of dozens. The
//!   order changes nothing but addresses; `NANOCLAW_SHIM_LAYOUT=0` links without it.

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
    layout();
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

/// Passes `link/hot-text.ld` to the linker for the binary, on Linux (an ELF linker script, which
/// lld and GNU ld read; gold and mold do not take its `INSERT`, so a build that asks for either
/// links without it).
fn layout() {
    println!("cargo:rerun-if-env-changed=NANOCLAW_SHIM_LAYOUT");
    println!("cargo:rerun-if-changed=link/hot-text.ld");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let other_linker = ["gold", "mold"].iter().any(|l| flags.contains(l));
    let off = other_linker || std::env::var("NANOCLAW_SHIM_LAYOUT").is_ok_and(|v| v == "0");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("link/hot-text.ld");
    if linux && !off && script.is_file() {
        println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
    }
}
