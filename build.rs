//! Two things the compiler cannot know on its own:
//!
//! - The commit the binary is built from, for `nanoclaw-shim --version`: the
//!   `NANOCLAW_SHIM_COMMIT` environment variable if set (a packager's choice), else
//!   `git rev-parse --short=12 HEAD` when building from a git checkout, else nothing ("unknown").
//! - Where the linker puts the code a `docker` call runs: `link/hot-text.ld` names those
//!   functions (benches/layout.sh writes it from a profile) and the linker places them side by
//!   side, so that the kernel maps them with a handful of page faults instead of dozens. The
//!   order changes nothing but addresses; `NANOCLAW_SHIM_LAYOUT=0` links without it.
//! - How a static binary's start-up relocations are stored: packed (`-z pack-relative-relocs`,
//!   RELR) when the C library applies them itself. A static-PIE binary relocates itself at every
//!   start; RELR describes the ~4 000 pointers in 1.3 KiB instead of 98 KiB of `Elf64_Rela`, so
//!   a `docker` call no longer reads a hundred KiB of the binary before `main` (about 35 µs here,
//!   docs/PERFORMANCE.md). Only glibc 2.36 and later apply RELR in a static binary, and an older
//!   one would silently skip them, so the flag is passed only when the C library the binary is
//!   linked with says it is new enough; `NANOCLAW_SHIM_RELR=0` links without it.

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
    relr();
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

/// Passes `-z pack-relative-relocs` for a static glibc binary built on the machine it targets,
/// when that glibc (2.36 or later) applies packed relocations at start-up. A dynamic binary is
/// left as it is: the loader of whatever machine it is copied to would have to know RELR.
fn relr() {
    println!("cargo:rerun-if-env-changed=NANOCLAW_SHIM_RELR");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let linux_gnu = var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu";
    let static_crt = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|f| f == "crt-static");
    let native = var("HOST") == var("TARGET");
    // gold does not know the option (mold and lld do); GNU ld before 2.38 ignores it.
    let gold = var("CARGO_ENCODED_RUSTFLAGS").contains("gold");
    let off = var("NANOCLAW_SHIM_RELR") == "0";
    if !(linux_gnu && static_crt && native) || gold || off {
        return;
    }
    match glibc_version() {
        Some(v) if v >= (2, 36) => println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs"),
        found => println!(
            "cargo:warning=static build without packed relocations: glibc {} (2.36 or later applies them)",
            found.map_or("of unknown version".into(), |(a, b)| format!("{a}.{b}"))
        ),
    }
}

/// The version of the glibc this machine links against (`getconf GNU_LIBC_VERSION`).
fn glibc_version() -> Option<(u32, u32)> {
    let out = Command::new("getconf").arg("GNU_LIBC_VERSION").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let (major, minor) = text.trim().strip_prefix("glibc ")?.split_once('.')?;
    let minor = minor.split(|c: char| !c.is_ascii_digit()).next()?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}
