//! Entry point: the file name of argv[0] picks the personality.
//!
//! The shim lives for about a millisecond before it execs the runtime, on every `docker` call
//! nanoclaw makes, so it names the C `main` itself (`no_main`) and skips the Rust runtime's
//! start-up work that such a process never uses: recording the main thread's stack guard (which
//! parses `/proc/self/maps`) and ignoring SIGPIPE (which the runtime would then have to undo).
//! The arguments are read from `main`'s own `argc`/`argv`: std's `args_os()` is filled before
//! `main` by glibc, but not by musl, which the installed binary is built with where it can be
//! (see `install.sh`). The `docker` face reads its environment from `main`'s `envp` too, in one
//! pass (`Env::of_process`).

#![no_main]

use std::ffi::{OsStr, c_char, c_int};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Small allocations come from a bump arena: see `bump`'s module comment for why.
#[global_allocator]
static ALLOC: nanoclaw_shim::bump::Global = nanoclaw_shim::bump::Global;

// SAFETY: `no_mangle` makes this the program's `main`, with the C signature the C runtime (glibc
// or musl) calls once at start-up, with the environment as the common third argument (both
// pass it); nothing else in the program is named `main`. The body reads `argv` and `envp` as
// C lays them out (below) and never returns: it exits through
// `std::process::exit`, which flushes std's buffers.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
extern "C" fn main(argc: c_int, argv: *const *const c_char, envp: *const *const c_char) -> c_int {
    let count = usize::try_from(argc).unwrap_or(0);
    // SAFETY: the C runtime passes `argc` pointers to NUL-terminated strings in `argv`, which
    // stay valid and unchanged for the life of the process; each is copied before use.
    let mut args = (0..count).map(|i| {
        let arg = unsafe { std::ffi::CStr::from_ptr(*argv.add(i)) };
        OsStr::from_bytes(arg.to_bytes()).to_os_string()
    });
    let argv0 = args.next().unwrap_or_default();
    // Builds nothing unless NANOCLAW_SHIM_LOG asks for diagnostics (one variable read).
    nanoclaw_shim::diag::init();
    let name = Path::new(&argv0).file_name();
    let code = if name.is_some_and(|n| n == nanoclaw_shim::mountcheck::PROGRAM) {
        nanoclaw_shim::mountcheck::hook_main()
    } else if name.is_some_and(|n| n == "docker") {
        // SAFETY: `envp` is the NULL-terminated array of NUL-terminated `NAME=value` strings the
        // C runtime passes `main`, the one `environ` points at (never null on Linux; read as
        // empty if it were); nothing in this program sets variables, so the strings stay as
        // they are for the life of the process.
        let entries = (0..)
            .map(|i| {
                if envp.is_null() {
                    std::ptr::null()
                } else {
                    unsafe { *envp.add(i) }
                }
            })
            .take_while(|e| !e.is_null())
            .map(|e| unsafe { std::ffi::CStr::from_ptr(e) }.to_bytes());
        // What a call allocates grows with its argv: about 16 KiB, and 1 KiB a token.
        let _ = nanoclaw_shim::bump::prefault(16 * 1024 + count * 1024);
        let env = nanoclaw_shim::env::Env::of_process(entries);
        nanoclaw_shim::shim::main(args.collect(), env)
    } else {
        nanoclaw_shim::cli::main(std::iter::once(argv0).chain(args).collect())
    };
    std::process::exit(code);
}

/// The program's first instructions in the musl build (`build.rs` names this its entry point):
/// one `madvise(MADV_POPULATE_WRITE)` over the pages the C library is about to relocate, then
/// musl's own `_start`. A static-PIE binary rewrites some 2 700 pointers at every start (the
/// address of each string, vtable and panic location in its read-only data), spread over 15
/// pages that each took a copy-on-write page fault of their own; one call copies them all
/// (`docker` calls: 64 page faults -> 49, a `run` about 3 % faster, docs/PERFORMANCE.md,
/// nineteenth pass). The range is linker-defined: from the page of `.init_array`, the first
/// relocated section, to the end of `.data` (`_edata`), all inside the writable segment. The
/// kernel's answer is ignored: before Linux 5.14, or if it refuses, the pages fault in one by
/// one as before. Nothing else changes: `_start` finds the stack as the kernel left it (only
/// `rax`, `rcx`, `rdx`, `rsi`, `rdi` and `r11` are touched, and `rdx` is zeroed as the kernel
/// passes it).
#[cfg(all(target_env = "musl", target_arch = "x86_64"))]
#[allow(unsafe_code)]
mod entry {
    // SAFETY: runs before anything else in the process, on the kernel's initial stack, which it
    // does not touch; the `syscall` instruction clobbers only `rax`, `rcx` and `r11`. The range
    // lies in this binary's own writable segment, so the call can only fill pages the program
    // would write anyway. It jumps to musl's `_start` with the registers `_start` reads (`rsp`)
    // as the kernel set them.
    std::arch::global_asm!(
        ".pushsection .text.nanoclaw_shim_start,\"ax\",@progbits",
        ".globl nanoclaw_shim_start",
        ".type nanoclaw_shim_start,@function",
        "nanoclaw_shim_start:",
        "lea __init_array_start(%rip), %rdi",
        "and $-4096, %rdi",
        "lea _edata(%rip), %rsi",
        "sub %rdi, %rsi",
        "mov $23, %edx", // MADV_POPULATE_WRITE
        "mov $28, %eax", // SYS_madvise
        "syscall",
        "xor %edx, %edx",
        "jmp _start",
        ".size nanoclaw_shim_start, . - nanoclaw_shim_start",
        ".popsection",
        options(att_syntax)
    );
}

/// musl's x86-64 `memcpy` starts `rep movsq` for every copy of 8 bytes or more, and a `docker`
/// call makes ~1 200 copies of a few dozen bytes: these replace it and `memmove` in the musl
/// build (see `nanoclaw_shim::memcpy` for why and what it costs). Both are replaced together:
/// musl's `memmove` jumps into its `memcpy`'s code, so linking it would bring that back and
/// define `memcpy` twice. glibc's are faster than these and stay.
#[cfg(all(target_env = "musl", target_arch = "x86_64"))]
mod c_memcpy {
    use std::ffi::c_void;

    // SAFETY: the C signature, with C's contract: `src` readable and `dst` writable for `n`
    // bytes, the two not overlapping (a caller that lets them overlap is already wrong, and
    // still gets a copy as a forward loop would make). Nothing else in the program is named so.
    #[allow(unsafe_code)]
    #[unsafe(no_mangle)]
    #[inline(never)]
    unsafe extern "C" fn memcpy(dst: *mut c_void, src: *const c_void, n: usize) -> *mut c_void {
        // SAFETY: C's contract above is `forward`'s.
        unsafe { nanoclaw_shim::memcpy::forward(dst.cast(), src.cast(), n) };
        dst
    }

    // SAFETY: as `memcpy`, but the ranges may overlap, which `overlapping` allows.
    #[allow(unsafe_code)]
    #[unsafe(no_mangle)]
    #[inline(never)]
    unsafe extern "C" fn memmove(dst: *mut c_void, src: *const c_void, n: usize) -> *mut c_void {
        // SAFETY: C's contract above is `overlapping`'s.
        unsafe { nanoclaw_shim::memcpy::overlapping(dst.cast(), src.cast(), n) };
        dst
    }
}

/// musl's `memcmp` and `bcmp` compare a byte at a time; these replace them in the musl build,
/// which links its C library statically, so the linker takes these and never pulls musl's (see
/// `nanoclaw_shim::memcmp` for why and what it costs). glibc's are faster than these and stay.
/// Were LLVM ever to compile `compare` into a call of `memcmp`, every comparison would recurse
/// until the stack ran out: CI runs the whole integration suite against the musl binary.
#[cfg(target_env = "musl")]
mod c_memcmp {
    use std::ffi::{c_int, c_void};

    /// The two ranges C's contract names, as slices; `None` when `n` is 0 (when C allows null
    /// pointers, which a slice does not).
    ///
    /// # Safety
    ///
    /// `a` and `b` each point at `n` readable bytes that live through the caller's call.
    #[allow(unsafe_code)]
    #[inline(always)]
    unsafe fn ranges<'a>(a: *const c_void, b: *const c_void, n: usize) -> Option<(&'a [u8], &'a [u8])> {
        // SAFETY: passed on from this function's contract, for `n` > 0.
        (n > 0).then(|| unsafe {
            (
                std::slice::from_raw_parts(a.cast::<u8>(), n),
                std::slice::from_raw_parts(b.cast::<u8>(), n),
            )
        })
    }

    // SAFETY: the C signatures, with C's contract: `a` and `b` each point at `n` readable bytes
    // (none when `n` is 0, when neither is read). Nothing else in the program is named so.
    // Never inlined: with its body in view, LLVM copied it into each of the thousands of slice
    // comparisons (+200 KiB of code, more pages to fault in on every call).
    #[allow(unsafe_code)]
    #[unsafe(no_mangle)]
    #[inline(never)]
    unsafe extern "C" fn memcmp(a: *const c_void, b: *const c_void, n: usize) -> c_int {
        // SAFETY: the contract above is `ranges`'s.
        unsafe { ranges(a, b, n) }.map_or(0, |(a, b)| nanoclaw_shim::memcmp::compare(a, b))
    }

    // SAFETY: as `memcmp`; any nonzero answer means "differ", and zero "equal".
    #[allow(unsafe_code)]
    #[unsafe(no_mangle)]
    #[inline(never)]
    unsafe extern "C" fn bcmp(a: *const c_void, b: *const c_void, n: usize) -> c_int {
        // SAFETY: the contract above is `ranges`'s.
        unsafe { ranges(a, b, n) }.map_or(0, |(a, b)| c_int::from(!nanoclaw_shim::memcmp::equal(a, b)))
    }
}
