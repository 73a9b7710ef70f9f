//! Four things the compiler cannot know on its own:
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
//!   docs/PERFORMANCE.md). Only glibc 2.36 and musl 1.2.4 and later apply RELR in a static
//!   binary, and an older one would silently skip them, so the flag is passed only when the C
//!   library the binary is linked with is known to apply them: glibc says its version; musl
//!   does not, and a Rust toolchain links its own copy of it, so a small program is linked
//!   with the flag and run. `NANOCLAW_SHIM_RELR=0` links without it.
//! - Where a static musl binary starts: at `nanoclaw_shim_start` (src/main.rs), which fills the
//!   pages those relocations write in one system call before musl's `_start` writes them (one
//!   copy-on-write page fault each otherwise). `NANOCLAW_SHIM_PREFAULT=0` links without it.

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
    entry();
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

/// Names `nanoclaw_shim_start` (src/main.rs) the musl x86-64 binary's entry point: it fills the
/// pages the start-up relocations write in one system call, then runs musl's `_start`.
/// `NANOCLAW_SHIM_PREFAULT=0` links with musl's `_start` as the entry, as before.
fn entry() {
    println!("cargo:rerun-if-env-changed=NANOCLAW_SHIM_PREFAULT");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let musl_x86_64 = var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "musl"
        && var("CARGO_CFG_TARGET_ARCH") == "x86_64";
    // A dynamically linked musl binary is relocated by the loader, before any entry point.
    let dynamic = var("CARGO_ENCODED_RUSTFLAGS").contains("-crt-static");
    if musl_x86_64 && !dynamic && var("NANOCLAW_SHIM_PREFAULT") != "0" {
        println!("cargo:rustc-link-arg-bins=-Wl,--entry=nanoclaw_shim_start");
    }
}

/// Passes `-z pack-relative-relocs` for a static binary built on a machine that can run it,
/// when its C library applies packed relocations at start-up: glibc 2.36 or later (asked for
/// its version), or a musl that a probe linked with them runs correctly on. A dynamic binary
/// is left as it is: the loader of whatever machine it is copied to would have to know RELR.
fn relr() {
    println!("cargo:rerun-if-env-changed=NANOCLAW_SHIM_RELR");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let linux = var("CARGO_CFG_TARGET_OS") == "linux";
    let env = var("CARGO_CFG_TARGET_ENV");
    let flags = var("CARGO_ENCODED_RUSTFLAGS");
    // musl links statically unless told otherwise, and its default does not show as a feature.
    let static_crt = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|f| f == "crt-static")
        || env == "musl" && !flags.contains("-crt-static");
    // gold does not know the option (mold and lld do); GNU ld before 2.38 ignores it.
    let gold = flags.contains("gold");
    let off = var("NANOCLAW_SHIM_RELR") == "0";
    if !(linux && static_crt) || gold || off {
        return;
    }
    const FLAG: &str = "cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs";
    match env.as_str() {
        "gnu" if var("HOST") == var("TARGET") => match glibc_version() {
            Some(v) if v >= (2, 36) => println!("{FLAG}"),
            found => println!(
                "cargo:warning=static build without packed relocations: glibc {} (2.36 or later applies them)",
                found.map_or("of unknown version".into(), |(a, b)| format!("{a}.{b}"))
            ),
        },
        // A musl binary runs on any Linux kernel of its architecture.
        "musl" if var("HOST").split('-').next() == var("TARGET").split('-').next() => match musl_probe() {
            Ok(()) => println!("{FLAG}"),
            Err(why) => println!("cargo:warning=musl build without packed relocations: {why}"),
        },
        _ => {}
    }
}

/// Links a small program for the target with packed relocations, as the binary would be, and
/// runs it. Its table of string slices holds pointers that only a relocation makes right (and
/// the standard library it links holds hundreds more): a musl that skips RELR starts it with
/// them unrelocated, and it crashes or reads the wrong bytes.
fn musl_probe() -> Result<(), String> {
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?);
    let src = out.join("relr-probe.rs");
    let exe = out.join("relr-probe");
    std::fs::write(
        &src,
        "static WORDS: [&str; 3] = [\"packed\", \"relative\", \"relocations\"];\n\
         fn main() {\n\
             let w = std::hint::black_box(&WORDS);\n\
             let ok = w.iter().map(|s| s.len()).sum::<usize>() == 25 && w[2].starts_with(\"reloc\");\n\
             std::process::exit(if ok { 0 } else { 1 });\n\
         }\n",
    )
    .map_err(|e| format!("cannot write the probe: {e}"))?;
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let built = Command::new(rustc)
        .args(flags.split('\x1f').filter(|f| !f.is_empty()))
        .args([
            "--edition=2021",
            "--crate-name=relr_probe",
            "-Cpanic=abort",
            "--target",
        ])
        .arg(std::env::var("TARGET").unwrap_or_default())
        .args(["-C", "link-arg=-Wl,-z,pack-relative-relocs", "-o"])
        .arg(&exe)
        .arg(&src)
        .output()
        .map_err(|e| format!("cannot run rustc for the probe: {e}"))?;
    if !built.status.success() {
        return Err("the probe did not link with -z pack-relative-relocs".into());
    }
    match Command::new(&exe).status() {
        Ok(s) if s.success() => Ok(()),
        Ok(_) => Err("this musl does not apply them (1.2.4 or later does)".into()),
        Err(e) => Err(format!("cannot run the probe: {e}")),
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
