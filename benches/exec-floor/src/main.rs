//! The minimal compiled wrapper: exec `$NANOCLAW_SHIM_RUNTIME` (else `podman` on PATH) with this
//! process's arguments, and nothing else. It goes through the same std path nanoclaw-shim uses
//! (`Command::exec`), so the gap between the two is the shim's own work.

use std::os::unix::process::CommandExt;

fn main() {
    let runtime = std::env::var_os("NANOCLAW_SHIM_RUNTIME").unwrap_or_else(|| "podman".into());
    let err = std::process::Command::new(&runtime)
        .args(std::env::args_os().skip(1))
        .exec();
    eprintln!("exec-floor: cannot exec {}: {err}", runtime.to_string_lossy());
    std::process::exit(125);
}
