//! The `docker` face's allocator: a bump arena in front of the system allocator.
//!
//! The shim lives for well under a millisecond and then execs the runtime, which discards the
//! whole address space. In that life it makes a few hundred small allocations (tokens, paths,
//! rendered arguments), and glibc's `malloc`/`free` bookkeeping for them cost more instructions
//! than parsing the argv did (about a sixth of a `run`'s user-space work). Here a small
//! allocation is a bounds check and an atomic add in a fixed arena; freeing the newest block
//! gives its bytes back (a growing `Vec` or `String` is extended in place), freeing any other is
//! a no-op. The arena is bounded, so the memory a long argv can leak to it is bounded too: once
//! it is full, and for every large block, the system allocator is used as before, and a block
//! is always freed by the allocator that made it (told apart by its address).
//!
//! The arena lives in `.bss`: pages the process never touches cost nothing.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Blocks larger than this go to the system allocator: large buffers grow by doubling, and
/// glibc reuses what they free, which a bump arena cannot.
pub const SMALL_MAX: usize = 2048;

/// A bump arena of `N` bytes in front of [`System`].
pub struct Bump<const N: usize> {
    arena: UnsafeCell<[u8; N]>,
    /// Bytes of the arena handed out (the newest block ends here).
    top: AtomicUsize,
}

// SAFETY: the arena's bytes are only reached through blocks handed out by `alloc`, and `top` is
// advanced with compare-and-swap, so no two blocks alive at once overlap, whichever thread asks.
unsafe impl<const N: usize> Sync for Bump<N> {}

impl<const N: usize> Default for Bump<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Bump<N> {
    pub const fn new() -> Self {
        Bump {
            arena: UnsafeCell::new([0; N]),
            top: AtomicUsize::new(0),
        }
    }

    fn base(&self) -> usize {
        self.arena.get() as usize
    }

    /// Whether `ptr` was handed out by the arena.
    fn owns(&self, ptr: *mut u8) -> bool {
        let p = ptr as usize;
        p >= self.base() && p < self.base() + N
    }

    /// Bytes of the arena in use (for tests and measurements).
    pub fn used(&self) -> usize {
        self.top.load(Ordering::Relaxed)
    }

    /// A block from the arena, or `None` when it does not fit.
    fn bump(&self, layout: Layout) -> Option<*mut u8> {
        if layout.size() > SMALL_MAX {
            return None;
        }
        let base = self.base();
        let mut top = self.top.load(Ordering::Relaxed);
        loop {
            let start = (base + top).next_multiple_of(layout.align()) - base;
            let end = start.checked_add(layout.size().max(1))?;
            if end > N {
                return None;
            }
            match self
                .top
                .compare_exchange_weak(top, end, Ordering::Relaxed, Ordering::Relaxed)
            {
                // SAFETY: `start < end <= N`, so the pointer lies within the arena.
                Ok(_) => return Some(unsafe { (self.arena.get() as *mut u8).add(start) }),
                Err(now) => top = now,
            }
        }
    }
}

// SAFETY: every block handed out is within the arena (checked against `N`), aligned as asked
// (`next_multiple_of(align)` on the address), at least `size` bytes, and disjoint from every
// other live block (see `Sync`); blocks the arena did not make are passed to `System`, which
// made them. `realloc` copies `min(old, new)` bytes whenever a block moves.
unsafe impl<const N: usize> GlobalAlloc for Bump<N> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.bump(layout) {
            Some(p) => p,
            // SAFETY: the caller's `layout` contract is passed on unchanged.
            None => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if self.owns(ptr) {
            // The newest block gives its bytes back; others stay until the exec.
            let start = ptr as usize - self.base();
            let end = start + layout.size().max(1);
            let _ = self
                .top
                .compare_exchange(end, start, Ordering::Relaxed, Ordering::Relaxed);
        } else {
            // SAFETY: not the arena's, so `System` made it, with this layout.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !self.owns(ptr) {
            // A system block stays with the system allocator, whatever its new size.
            // SAFETY: `System` made it, with this layout.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        let start = ptr as usize - self.base();
        let end = start + layout.size().max(1);
        // The newest block grows (or shrinks) in place while it stays small and fits.
        if new_size <= SMALL_MAX && start + new_size.max(1) <= N {
            let new_end = start + new_size.max(1);
            if self
                .top
                .compare_exchange(end, new_end, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                return ptr;
            }
            if new_size <= layout.size() {
                return ptr; // shrinking an older block: it keeps its bytes
            }
        }
        // SAFETY: `layout.align()` is a valid alignment and `new_size`, per the caller's
        // contract, does not overflow when rounded up to it.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a fresh block of `new_layout`, from the arena or `System`.
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are live, disjoint, and at least this long.
            unsafe { std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size)) };
            // SAFETY: `ptr` is the arena's, with `layout`.
            unsafe { self.dealloc(ptr, layout) };
        }
        new
    }
}

/// The arena behind [`Global`]: 256 KiB, enough for nanoclaw's `run` argv many times over (a
/// v2 `run` uses about 45 KiB of it, a 1 000-token one about 210 KiB).
pub const ARENA_BYTES: usize = 256 * 1024;

static ARENA: Bump<ARENA_BYTES> = Bump::new();

/// The program's allocator (`#[global_allocator]` in `main.rs`): a 256 KiB arena in front of
/// [`System`].
pub struct Global;

/// Bytes of the program's arena handed out so far.
pub fn used() -> usize {
    ARENA.used()
}

// SAFETY: every call is passed on unchanged to `ARENA`, whose contract is the same.
unsafe impl GlobalAlloc for Global {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        unsafe { ARENA.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { ARENA.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        unsafe { ARENA.realloc(ptr, layout, new_size) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One step of a random workload.
    #[derive(Debug, Clone)]
    enum Op {
        Alloc { size: usize, align_log2: u32 },
        Free(usize),
        Realloc(usize, usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0usize..3000, 0u32..7).prop_map(|(size, align_log2)| Op::Alloc { size, align_log2 }),
            any::<usize>().prop_map(Op::Free),
            (any::<usize>(), 0usize..3000).prop_map(|(i, n)| Op::Realloc(i, n)),
        ]
    }

    /// A live block: where, its layout, and the byte it is filled with.
    struct Live {
        ptr: *mut u8,
        layout: Layout,
        fill: u8,
    }

    fn filled(b: &Live) -> bool {
        (0..b.layout.size()).all(|i| unsafe { *b.ptr.add(i) } == b.fill)
    }

    proptest! {
        /// Whatever the sequence of calls, every live block is aligned, keeps its contents
        /// (across `realloc` too) and overlaps no other; the arena never hands out more than it
        /// has, and blocks it cannot hold come from the system allocator.
        #[test]
        fn blocks_are_aligned_disjoint_and_keep_their_bytes(ops in prop::collection::vec(op(), 1..120)) {
            let bump: Box<Bump<8192>> = Box::default();
            let mut live: Vec<Live> = Vec::new();
            for (n, op) in ops.into_iter().enumerate() {
                let fill = n as u8;
                match op {
                    Op::Alloc { size, align_log2 } => {
                        let layout = Layout::from_size_align(size, 1 << align_log2).unwrap();
                        let ptr = unsafe { bump.alloc(layout) };
                        prop_assert!(!ptr.is_null());
                        prop_assert_eq!(ptr as usize % layout.align(), 0);
                        if size > SMALL_MAX {
                            prop_assert!(!bump.owns(ptr));
                        }
                        unsafe { std::ptr::write_bytes(ptr, fill, size) };
                        live.push(Live { ptr, layout, fill });
                    }
                    Op::Free(i) if !live.is_empty() => {
                        let b = live.swap_remove(i % live.len());
                        prop_assert!(filled(&b));
                        unsafe { bump.dealloc(b.ptr, b.layout) };
                    }
                    Op::Realloc(i, new_size) if !live.is_empty() => {
                        let at = i % live.len();
                        let b = &live[at];
                        prop_assert!(filled(b));
                        let kept = b.layout.size().min(new_size);
                        let ptr = unsafe { bump.realloc(b.ptr, b.layout, new_size) };
                        prop_assert!(!ptr.is_null());
                        prop_assert_eq!(ptr as usize % b.layout.align(), 0);
                        let kept_bytes = (0..kept).all(|k| unsafe { *ptr.add(k) } == b.fill);
                        prop_assert!(kept_bytes, "realloc kept the first {} bytes", kept);
                        let layout = Layout::from_size_align(new_size, b.layout.align()).unwrap();
                        unsafe { std::ptr::write_bytes(ptr, fill, new_size) };
                        live[at] = Live { ptr, layout, fill };
                    }
                    _ => {}
                }
                prop_assert!(bump.used() <= 8192);
                for (i, a) in live.iter().enumerate() {
                    prop_assert!(filled(a));
                    for b in &live[i + 1..] {
                        let (a0, a1) = (a.ptr as usize, a.ptr as usize + a.layout.size());
                        let (b0, b1) = (b.ptr as usize, b.ptr as usize + b.layout.size());
                        prop_assert!(a1 <= b0 || b1 <= a0 || a.layout.size() == 0 || b.layout.size() == 0);
                    }
                }
            }
            for b in live {
                unsafe { bump.dealloc(b.ptr, b.layout) };
            }
        }
    }

    #[test]
    fn the_newest_block_grows_in_place_and_gives_its_bytes_back() {
        let bump: Box<Bump<4096>> = Box::default();
        let l = Layout::from_size_align(16, 8).unwrap();
        let a = unsafe { bump.alloc(l) };
        let grown = unsafe { bump.realloc(a, l, 64) };
        assert_eq!(grown, a, "the newest block is extended where it is");
        assert_eq!(bump.used(), 64);
        unsafe { bump.dealloc(grown, Layout::from_size_align(64, 8).unwrap()) };
        assert_eq!(bump.used(), 0, "freeing the newest block returns its bytes");
    }

    #[test]
    fn a_full_arena_falls_back_to_the_system_allocator() {
        let bump: Box<Bump<4096>> = Box::default();
        let l = Layout::from_size_align(1500, 8).unwrap();
        let blocks: Vec<_> = (0..4).map(|_| unsafe { bump.alloc(l) }).collect();
        assert!(bump.owns(blocks[0]) && bump.owns(blocks[1]));
        assert!(
            !bump.owns(blocks[2]) && !bump.owns(blocks[3]),
            "past 4096 bytes: the system's"
        );
        for b in blocks {
            unsafe { bump.dealloc(b, l) };
        }
    }
}
