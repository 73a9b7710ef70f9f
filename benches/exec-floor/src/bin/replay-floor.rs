//! The exec floor plus a replay of another program's system calls: before exec'ing the runtime it
//! makes the calls `$REPLAY` lists (as `benches/replay.sh` writes them from an `strace` of the
//! shim), then execs as the floor does. The gap between this and the plain floor is what those
//! calls cost in a fresh process with no other work around them: a lower bound on the time of any
//! wrapper that has to make them.
//!
//! The calls go straight to the C library, into buffers on the stack, reading the script where
//! the environment holds it: std's wrappers would allocate (a path, a file's contents, the
//! script's copy), and the allocator's own calls and fresh pages would be counted as the replayed
//! calls' cost. The shim makes them into its arena, which the floor's comparison already pays for.
//!
//! `$REPLAY` is whitespace-separated: `l:PATH` an `lstat`, `s:PATH` a `stat`, `r:PATH` a file read
//! as the shim reads one (open, `fstat`, one read of its size, close), `c` the working directory,
//! `e` `/proc/self/exe`, `p` the effective user id, `a:N` N fresh pages written (an allocator's
//! arena).

use std::ffi::{c_char, c_int, c_long, c_void};
use std::os::unix::process::CommandExt;

extern "C" {
    fn getenv(name: *const c_char) -> *const c_char;
    fn lstat(path: *const c_char, buf: *mut c_void) -> c_int;
    fn stat(path: *const c_char, buf: *mut c_void) -> c_int;
    fn open(path: *const c_char, flags: c_int, ...) -> c_int;
    fn fstat(fd: c_int, buf: *mut c_void) -> c_int;
    fn read(fd: c_int, buf: *mut c_void, len: usize) -> isize;
    fn close(fd: c_int) -> c_int;
    fn getcwd(buf: *mut c_char, len: usize) -> *mut c_char;
    fn readlink(path: *const c_char, buf: *mut c_char, len: usize) -> isize;
    fn geteuid() -> u32;
}

const O_CLOEXEC: c_int = 0o2000000;
/// `struct stat`'s `st_size` on x86_64 and aarch64 (Linux): after dev, ino, nlink/mode, mode/nlink,
/// uid, gid, pad, rdev.
const ST_SIZE_AT: usize = 48;

/// `s` NUL-terminated in `buf`.
fn c_path(s: &[u8], buf: &mut [u8; 4096]) -> *const c_char {
    let n = s.len().min(buf.len() - 1);
    buf[..n].copy_from_slice(&s[..n]);
    buf[n] = 0;
    buf.as_ptr().cast()
}

fn main() {
    let script: &[u8] = unsafe {
        let p = getenv(c"REPLAY".as_ptr());
        if p.is_null() {
            b""
        } else {
            std::ffi::CStr::from_ptr(p).to_bytes()
        }
    };
    let mut path = [0u8; 4096];
    let mut st = [0u64; 32];
    let mut data = [0u8; 16384];
    let mut sink: c_long = 0;
    for op in script
        .split(|b| b.is_ascii_whitespace())
        .filter(|op| !op.is_empty())
    {
        let (kind, arg) = match op.iter().position(|&b| b == b':') {
            Some(at) => (&op[..at], &op[at + 1..]),
            None => (op, &b""[..]),
        };
        let st_ptr = st.as_mut_ptr().cast::<c_void>();
        match kind {
            b"l" => sink += unsafe { lstat(c_path(arg, &mut path), st_ptr) } as c_long,
            b"s" => sink += unsafe { stat(c_path(arg, &mut path), st_ptr) } as c_long,
            b"r" => unsafe {
                let fd = open(c_path(arg, &mut path), O_CLOEXEC);
                if fd >= 0 {
                    if fstat(fd, st_ptr) == 0 {
                        let size = (st.as_ptr().cast::<u8>().add(ST_SIZE_AT) as *const i64).read_unaligned();
                        let len = (size.max(0) as usize).min(data.len());
                        sink += read(fd, data.as_mut_ptr().cast(), len) as c_long;
                    }
                    close(fd);
                }
            },
            b"c" => sink += unsafe { getcwd(data.as_mut_ptr().cast(), 512) } as c_long,
            b"e" => {
                sink +=
                    unsafe { readlink(c"/proc/self/exe".as_ptr(), data.as_mut_ptr().cast(), 256) } as c_long
            }
            b"p" => sink += unsafe { geteuid() } as c_long,
            b"a" => {
                let pages: usize = std::str::from_utf8(arg)
                    .ok()
                    .and_then(|a| a.parse().ok())
                    .unwrap_or(0);
                let mut v = vec![0u8; pages * 4096];
                for i in (0..v.len()).step_by(4096) {
                    v[i] = 1;
                }
                sink += std::hint::black_box(&v).len() as c_long;
                std::mem::forget(v);
            }
            _ => {
                eprintln!("replay-floor: unknown op {}", String::from_utf8_lossy(op));
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
