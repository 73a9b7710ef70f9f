//! Byte copies, which the musl build links as the C library's `memcpy` and `memmove` (see
//! `main.rs`).
//!
//! Every copy of a slice, string or vector of bytes compiles to a call of `memcpy` (`memmove`
//! where the two may overlap), and a `docker` call makes about 1 200, nearly all of a few dozen
//! bytes: paths, tokens, mount specs. musl's x86-64 `memcpy` copies everything of 8 bytes and
//! more with `rep movsq`, whose start-up costs tens of cycles before the first word moves, and
//! the last 0-7 bytes one at a time. Sampled over 400 nanoclaw `run`s, it was a third of the
//! shim's own user time, and a fifth of a 10 000-token `run`'s.
//!
//! Here a copy of up to 32 bytes is two loads and two stores of the widest word that fits
//! (a head and a tail that may overlap each other); up to 128 bytes, two or four 16-byte words
//! from each end; anything longer is one `rep movsb`, which copies long runs at the memory's
//! speed. `rep movsb` costs some twenty cycles to start even on processors with fast short
//! strings (`fsrm`), more than the copy of a path takes, and paths of 33-128 bytes are a third
//! of a `docker` call's copies. Everything is loaded before anything is stored up to 128 bytes,
//! and `rep movsb` copies byte by byte as far as the program can tell, so a forward copy is
//! also right when the destination starts before the source.
//!
//! There is no loop here on purpose: LLVM recognises a copying loop and replaces it with a call
//! of `memcpy`, which inside `memcpy` would call itself for ever. Unsafe code, kept in one
//! place: raw pointers are what C's contract gives, and `rep movsb` is an instruction no
//! safe API issues.

#![allow(unsafe_code)]

/// Copies `n` bytes from `src` to `dst`, front to back: C's `memcpy`, and `memmove` when
/// `dst` is not inside `src + 1 .. src + n`.
///
/// # Safety
///
/// `src` is readable and `dst` writable for `n` bytes; if the two ranges overlap, `dst` is at
/// or before `src`, or `n` is at most [`LOADED_FIRST`].
#[inline(always)]
pub unsafe fn forward(dst: *mut u8, src: *const u8, n: usize) {
    if n <= LOADED_FIRST {
        // SAFETY: passed on from this function's contract.
        unsafe { short(dst, src, n) };
        return;
    }
    // SAFETY: `rep movsb` reads `rcx` bytes at `rsi` and writes them at `rdi`, ascending (the
    // direction flag is clear on entry, as the C ABI requires); the contract makes both ranges
    // valid, and an overlap with `dst` first is copied as a byte loop would.
    unsafe {
        std::arch::asm!(
            "rep movsb",
            inout("rcx") n => _,
            inout("rdi") dst => _,
            inout("rsi") src => _,
            options(nostack, preserves_flags),
        );
    }
}

/// Copies `n` bytes from `src` to `dst` whether or not they overlap: C's `memmove`.
///
/// # Safety
///
/// `src` is readable and `dst` writable for `n` bytes.
#[inline(always)]
pub unsafe fn overlapping(dst: *mut u8, src: *const u8, n: usize) {
    // `dst` inside `src + 1 .. src + n` is the one case a forward copy would read bytes it had
    // already overwritten (with the unsigned difference, `dst` before `src` counts as far).
    if n <= LOADED_FIRST || (dst as usize).wrapping_sub(src as usize) >= n {
        // SAFETY: the overlap, if any, is one `forward` copies right.
        unsafe { forward(dst, src, n) };
        return;
    }
    // SAFETY: with the direction flag set, `rep movsb` copies from the last byte down, so each
    // source byte is read before the copy reaches it; both pointers start at the last byte of
    // their range (`n` > 0 here), and the flag is cleared again, as the C ABI requires.
    unsafe {
        std::arch::asm!(
            "std",
            "rep movsb",
            "cld",
            inout("rcx") n => _,
            inout("rdi") dst.add(n - 1) => _,
            inout("rsi") src.add(n - 1) => _,
            options(nostack),
        );
    }
}

/// The longest copy made of loads and stores, every load before the first store.
pub const LOADED_FIRST: usize = 128;

/// A copy of at most [`LOADED_FIRST`] bytes: up to 32, the first and the last word of the
/// widest size that fits; beyond, the first and the last two or four 16-byte words. Every word
/// is loaded before any is stored (so any overlap is copied right).
///
/// # Safety
///
/// As [`overlapping`], with `n` at most [`LOADED_FIRST`].
#[inline(always)]
unsafe fn short(dst: *mut u8, src: *const u8, n: usize) {
    // SAFETY: each access is `size` bytes at offset `k * size` or `n - (k + 1) * size` for
    // `k < words`, with `words * size <= n`, so inside both ranges; unaligned reads and writes
    // need no alignment.
    unsafe {
        // Written out, not looped: LLVM may see a loop of loads and stores as a copy, and a
        // call of `memcpy` here would be this function calling itself.
        macro_rules! words {
            ($($k:literal)*) => {{
                let head = [$(src.cast::<u128>().add($k).read_unaligned()),*];
                let tail = [$(src.add(n - ($k + 1) * 16).cast::<u128>().read_unaligned()),*];
                $(
                    dst.cast::<u128>().add($k).write_unaligned(head[$k]);
                    dst.add(n - ($k + 1) * 16).cast::<u128>().write_unaligned(tail[$k]);
                )*
            }};
        }
        if n > 64 {
            words!(0 1 2 3);
            return;
        }
        if n > 32 {
            words!(0 1);
            return;
        }
        macro_rules! ends {
            ($t:ty) => {{
                let size = std::mem::size_of::<$t>();
                let head = src.cast::<$t>().read_unaligned();
                let tail = src.add(n - size).cast::<$t>().read_unaligned();
                dst.cast::<$t>().write_unaligned(head);
                dst.add(n - size).cast::<$t>().write_unaligned(tail);
            }};
        }
        if n >= 16 {
            ends!(u128)
        } else if n >= 8 {
            ends!(u64)
        } else if n >= 4 {
            ends!(u32)
        } else if n >= 2 {
            ends!(u16)
        } else if n == 1 {
            *dst = *src;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    const ROOM: usize = 300;

    /// A buffer of distinct bytes, with `n` of them copied from `from` to `to` by `copy`.
    fn after(copy: unsafe fn(*mut u8, *const u8, usize), from: usize, to: usize, n: usize) -> Vec<u8> {
        let mut buf: Vec<u8> = (0..ROOM).map(|i| (i * 7 + 3) as u8).collect();
        let p = buf.as_mut_ptr();
        // SAFETY: both ranges lie inside `buf` (the callers keep `from + n` and `to + n` within
        // ROOM), and `p` is the buffer's own pointer, valid for all of it.
        unsafe { copy(p.add(to), p.add(from), n) };
        buf
    }

    /// What C's `memmove` does, by its definition: the source as it was, written at `to`.
    fn reference(from: usize, to: usize, n: usize) -> Vec<u8> {
        let mut buf: Vec<u8> = (0..ROOM).map(|i| (i * 7 + 3) as u8).collect();
        let source = buf[from..from + n].to_vec();
        buf[to..to + n].copy_from_slice(&source);
        buf
    }

    #[test]
    fn every_length_to_past_the_long_case_in_both_directions() {
        for n in 0..=140 {
            for (from, to) in [
                (0, 150),
                (150, 0),
                (10, 11),
                (11, 10),
                (3, 3),
                (5, 40),
                (40, 5),
                (0, 64),
                (64, 0),
            ] {
                let want = reference(from, to, n);
                assert_eq!(
                    after(super::overlapping, from, to, n),
                    want,
                    "memmove {n} bytes {from} -> {to}"
                );
                if to <= from || to >= from + n || n <= super::LOADED_FIRST {
                    assert_eq!(
                        after(super::forward, from, to, n),
                        want,
                        "memcpy {n} bytes {from} -> {to}"
                    );
                }
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_memmove_by_definition(
            n in 0usize..=ROOM / 2,
            from in 0usize..ROOM / 2,
            to in 0usize..ROOM / 2,
        ) {
            let want = reference(from, to, n);
            prop_assert_eq!(after(super::overlapping, from, to, n), want.clone());
            // `forward` is promised only where memcpy's callers may overlap it.
            if to <= from || to >= from + n || n <= super::LOADED_FIRST {
                prop_assert_eq!(after(super::forward, from, to, n), want);
            }
        }
    }
}
