//! The exec floor plus a replay of another program's system calls: before exec'ing the runtime it
//! makes the calls `$REPLAY` lists (as `benches/replay.sh` writes them from an `strace` of the
//! shim), through the same std functions the shim uses. The gap between this and the plain floor
//! is what those calls cost in a fresh process, with no other work around them: a lower bound on
//! the time of any wrapper that has to make them.
//!
//! `$REPLAY` is whitespace-separated: `l:PATH` an `lstat`, `s:PATH` a `stat`, `r:PATH` a whole
//! file read (open, `fstat`, read, close), `c` the working directory, `e` `/proc/self/exe`, `p` the
//! process id, `a:N` N fresh pages written (an allocator's arena).

use std::os::unix::process::CommandExt;

fn main() {
    let ops = std::env::var_os("REPLAY").unwrap_or_default();
    let mut sink = 0usize;
    for op in ops.to_str().unwrap_or("").split_ascii_whitespace() {
        let (kind, arg) = op.split_once(':').unwrap_or((op, ""));
        match kind {
            "l" => sink += std::fs::symlink_metadata(arg).map_or(0, |m| m.len() as usize),
            "s" => sink += std::fs::metadata(arg).map_or(0, |m| m.len() as usize),
            "r" => sink += std::fs::read(arg).map_or(0, |d| d.len()),
            "c" => sink += std::env::current_dir().map_or(0, |d| d.as_os_str().len()),
            "e" => sink += std::env::current_exe().map_or(0, |d| d.as_os_str().len()),
            "p" => sink += std::process::id() as usize,
            "a" => {
                let pages: usize = arg.parse().unwrap_or(0);
                let mut v = vec![0u8; pages * 4096];
                for i in (0..v.len()).step_by(4096) {
                    v[i] = 1;
                }
                sink += std::hint::black_box(&v).len();
                std::mem::forget(v);
            }
            _ => {
                eprintln!("replay-floor: unknown op {op}");
                std::process::exit(125);
            }
        }
    }
    std::hint::black_box(sink);
    let runtime = std::env::var_os("NANOCLAW_SHIM_RUNTIME").unwrap_or_else(|| "podman".into());
    let err = std::process::Command::new(&runtime)
        .args(std::env::args_os().skip(1))
        .exec();
    eprintln!("replay-floor: cannot exec {}: {err}", runtime.to_string_lossy());
    std::process::exit(125);
}
