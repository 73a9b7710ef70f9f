//! The `docker` face's allocator: a bump arena in front of the system allocator.
//!
//! The shim lives for well under a millisecond and then execs the runtime, which discards the
//! whole address space. In that life it makes several hundred small allocations (tokens, paths,
//! rendered arguments). glibc's `malloc`/`free` bookkeeping for them cost more instructions than
//! parsing the argv did, and every page the process touches for the first time costs a page
//! fault (about a microsecond, more than a thousand instructions). So the allocator is built for
//! both: a block is a bounds check and a bump in a fixed arena, the newest block grows in place
//! and gives its bytes back when freed, and any other freed block is kept on a short list by
//! size and handed out again, so that temporary buffers do not spread over fresh pages.
//!
//! The arena is bounded, so the memory a long argv can take from it is bounded too: once it is
//! full, and for every block larger than [`SMALL_MAX`], the system allocator is used as before,
//! and a block is always freed by the allocator that made it (told apart by its address). The
//! arena lives in `.bss`: pages the process never touches cost nothing.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, Ordering};

/// Blocks larger than this go to the system allocator: very large buffers grow by doubling, and
/// a bounded arena would soon be full of their old copies.
pub const SMALL_MAX: usize = 32 * 1024;

/// The smallest block kept for reuse: it must hold the link to the next free block.
const REUSE_MIN_LOG2: u32 = 4;
/// Freed blocks are kept in one list per power of two, from 16 bytes to [`SMALL_MAX`].
const CLASSES: usize = (SMALL_MAX.ilog2() - REUSE_MIN_LOG2 + 1) as usize;
/// Blocks that may be reused are placed at this alignment, so a reused block serves any
/// request aligned at most this much (nearly every one: bytes, pointers, `usize`s).
const REUSE_ALIGN: usize = 8;

/// The arena's bookkeeping, reached only under [`Bump::lock`].
struct State {
    /// Bytes of the arena handed out (the newest block ends here).
    top: usize,
    /// Per size class `c`, the offset + 1 of the most recently freed block of at least
    /// `16 << c` bytes (0: none); each free block's first word holds the next one's.
    free: [usize; CLASSES],
}

/// A bump arena of `N` bytes in front of [`System`].
pub struct Bump<const N: usize> {
    arena: UnsafeCell<[u8; N]>,
    state: UnsafeCell<State>,
    /// A spin lock: the shim has one thread, so it is never contended there; it keeps the
    /// allocator sound for any caller all the same.
    lock: AtomicBool,
}

// SAFETY: the arena's bytes are only reached through blocks handed out by `alloc`, and `state`
// only under `lock`, so no two blocks alive at once overlap, whichever thread asks.
unsafe impl<const N: usize> Sync for Bump<N> {}

impl<const N: usize> Default for Bump<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Holds [`Bump::lock`]; releases it when dropped.
struct Locked<'a, const N: usize>(&'a Bump<N>);

impl<const N: usize> Drop for Locked<'_, N> {
    fn drop(&mut self) {
        self.0.lock.store(false, Ordering::Release);
    }
}

impl<const N: usize> Locked<'_, N> {
    fn state(&mut self) -> &mut State {
        // SAFETY: `state` is only reached while `lock` is held, and `self` holds it.
        unsafe { &mut *self.0.state.get() }
    }
}

impl<const N: usize> Bump<N> {
    pub const fn new() -> Self {
        Bump {
            arena: UnsafeCell::new([0; N]),
            state: UnsafeCell::new(State {
                top: 0,
                free: [0; CLASSES],
            }),
            lock: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> Locked<'_, N> {
        while self
            .lock
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            std::hint::spin_loop();
        }
        Locked(self)
    }

    fn base(&self) -> usize {
        self.arena.get() as usize
    }

    fn at(&self, offset: usize) -> *mut u8 {
        // SAFETY: callers pass offsets within the arena.
        unsafe { (self.arena.get() as *mut u8).add(offset) }
    }

    /// Whether `ptr` was handed out by the arena.
    fn owns(&self, ptr: *mut u8) -> bool {
        let p = ptr as usize;
        p >= self.base() && p < self.base() + N
    }

    /// Bytes of the arena in use (for tests and measurements).
    pub fn used(&self) -> usize {
        self.lock().state().top
    }

    /// The size class a request of `size` bytes aligned to `align` is served from, if any.
    fn wanted_class(size: usize, align: usize) -> Option<usize> {
        ((1 << REUSE_MIN_LOG2..=SMALL_MAX).contains(&size) && align <= REUSE_ALIGN)
            .then(|| (size.next_power_of_two().ilog2() - REUSE_MIN_LOG2) as usize)
    }

    /// A block from the arena (a freed one of its class, else a new one), or `None` when it
    /// does not fit.
    fn take(&self, s: &mut State, layout: Layout) -> Option<*mut u8> {
        if layout.size() > SMALL_MAX {
            return None;
        }
        let class = Self::wanted_class(layout.size(), layout.align());
        if let Some(c) = class {
            if s.free[c] != 0 {
                let offset = s.free[c] - 1;
                let block = self.at(offset);
                // SAFETY: a free block of at least 16 bytes, 8-aligned, whose first word was
                // written by `give_back`.
                s.free[c] = unsafe { (block as *const usize).read() };
                return Some(block);
            }
        }
        let align = if class.is_some() {
            REUSE_ALIGN.max(layout.align())
        } else {
            layout.align()
        };
        let start = (self.base() + s.top).next_multiple_of(align) - self.base();
        let end = start.checked_add(layout.size().max(1))?;
        if end > N {
            return None;
        }
        s.top = end;
        Some(self.at(start))
    }

    /// Takes back an arena block of `size` bytes at `ptr`.
    fn give_back(&self, s: &mut State, ptr: *mut u8, size: usize) {
        let start = ptr as usize - self.base();
        let end = start + size.max(1);
        if end == s.top {
            s.top = start; // the newest block: its bytes are simply bumped again
        } else if size >= 1 << REUSE_MIN_LOG2 && (ptr as usize) % REUSE_ALIGN == 0 {
            // At least 2^c bytes for c = floor(log2(size)): the class whose requests it can hold.
            let c = ((size.min(SMALL_MAX).ilog2() - REUSE_MIN_LOG2) as usize).min(CLASSES - 1);
            // SAFETY: the block is the caller's no longer, 8-aligned and at least 16 bytes.
            unsafe { (ptr as *mut usize).write(s.free[c]) };
            s.free[c] = start + 1;
        }
    }
}

// SAFETY: every block handed out is within the arena (checked against `N`), aligned as asked (a
// new block by `next_multiple_of(align)` on the address; a reused one was placed 8-aligned and
// serves only requests aligned at most 8), at least `size` bytes (a reused block of class `c`
// held at least `16 << c`, and serves only requests of at most that), and disjoint from every
// other live block (a block is on a free list only between its `dealloc` and its next hand-out,
// and `top` only retreats over the newest block); blocks the arena did not make are passed to
// `System`, which made them. `realloc` copies `min(old, new)` bytes whenever a block moves.
unsafe impl<const N: usize> GlobalAlloc for Bump<N> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let taken = self.take(self.lock().state(), layout);
        match taken {
            Some(p) => p,
            // SAFETY: the caller's `layout` contract is passed on unchanged.
            None => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if self.owns(ptr) {
            self.give_back(self.lock().state(), ptr, layout.size());
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
        {
            let mut held = self.lock();
            let s = held.state();
            // The newest block grows (or shrinks) in place while it stays small and fits.
            if end == s.top && new_size <= SMALL_MAX && start + new_size.max(1) <= N {
                s.top = start + new_size.max(1);
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

/// The arena behind [`Global`]: 2 MiB, enough for nanoclaw's `run` argv many times over (a v2
/// `run` uses about 40 KiB of it, a 1 000-token one about 210 KiB, a 10 000-token one 1.4 MiB).
/// Only the pages used are ever touched. It was 256 KiB: past that, every block of a long argv
/// went to the C library's allocator, and musl's spent 15 M instructions and 242 `mmap`s and
/// `munmap`s on a 10 000-token `run` (20 % of its time); at 2 MiB that call is 21 % faster and
/// its peak memory lower (3.1 MiB against 3.4 under musl, 4.3-4.6 against 4.8-4.9 with glibc).
pub const ARENA_BYTES: usize = 2048 * 1024;

static ARENA: Bump<ARENA_BYTES> = Bump::new();

/// Makes the first `bytes` of the arena present in one system call (`madvise`,
/// `MADV_POPULATE_WRITE`, Linux 5.14) instead of one page fault per page at its first touch:
/// a v2 `run` touches some twenty pages of it, and twenty faults cost more than one call that
/// fills them (docs/PERFORMANCE.md, eighteenth pass). On an older kernel nothing happens, and
/// the pages fault in as before. Whether the kernel filled them.
pub fn prefault(bytes: usize) -> bool {
    const MADV_POPULATE_WRITE: i32 = 23;
    const PAGE: usize = 4096;
    // SAFETY: the C library's `madvise(2)`, declared with its C signature.
    unsafe extern "C" {
        fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: i32) -> i32;
    }
    let base = ARENA.base();
    let start = base.next_multiple_of(PAGE);
    let end = (base + bytes.min(ARENA_BYTES)) & !(PAGE - 1);
    // SAFETY: [start, end) lies within the arena, a writable static of this process;
    // populating its pages changes none of their bytes (zero, as untouched pages read).
    end > start && unsafe { madvise(start as *mut std::ffi::c_void, end - start, MADV_POPULATE_WRITE) } == 0
}

/// The program's allocator (`#[global_allocator]` in `main.rs`): a 2 MiB arena in front of
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

    /// The pages asked for are in memory after one call (`mincore`), ready without a fault.
    #[test]
    fn the_arena_s_first_pages_are_filled_in_one_call() {
        unsafe extern "C" {
            fn mincore(addr: *mut std::ffi::c_void, len: usize, vec: *mut u8) -> i32;
        }
        const PAGE: usize = 4096;
        let start = ARENA.base().next_multiple_of(PAGE);
        let pages = 12;
        assert!(
            prefault(start - ARENA.base() + pages * PAGE),
            "Linux 5.14 or later fills them"
        );
        let mut resident = [0u8; 12];
        // SAFETY: a page-aligned range of the arena, and one byte of answer per page.
        let rc = unsafe {
            mincore(
                start as *mut std::ffi::c_void,
                pages * PAGE,
                resident.as_mut_ptr(),
            )
        };
        assert_eq!(rc, 0);
        assert!(resident.iter().all(|r| r & 1 == 1), "{resident:?}");
    }
    use proptest::prelude::*;

    /// One step of a random workload.
    #[derive(Debug, Clone)]
    enum Op {
        Alloc { size: usize, align_log2: u32 },
        Free(usize),
        Realloc(usize, usize),
    }

    /// Sizes around every boundary: tiny (not reused), small, and past [`SMALL_MAX`].
    fn size() -> impl Strategy<Value = usize> {
        prop_oneof![0usize..64, 0usize..3000, 0usize..(SMALL_MAX + 4000)]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (size(), 0u32..7).prop_map(|(size, align_log2)| Op::Alloc { size, align_log2 }),
            any::<usize>().prop_map(Op::Free),
            (any::<usize>(), size()).prop_map(|(i, n)| Op::Realloc(i, n)),
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
        /// (across `realloc` too) and overlaps no other, freed blocks handed out again
        /// included; the arena never hands out more than it has, and blocks it cannot hold
        /// come from the system allocator.
        #[test]
        fn blocks_are_aligned_disjoint_and_keep_their_bytes(ops in prop::collection::vec(op(), 1..160)) {
            let bump: Box<Bump<65536>> = Box::default();
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
                prop_assert!(bump.used() <= 65536);
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
    fn a_freed_block_is_handed_out_again_to_a_request_it_can_hold() {
        let bump: Box<Bump<4096>> = Box::default();
        let bytes = |n| Layout::from_size_align(n, 1).unwrap();
        let old = unsafe { bump.alloc(bytes(40)) };
        let newer = unsafe { bump.alloc(bytes(8)) };
        unsafe { bump.dealloc(old, bytes(40)) }; // not the newest: kept for reuse
        let used = bump.used();
        let words = Layout::from_size_align(32, 8).unwrap();
        assert_eq!(unsafe { bump.alloc(words) }, old, "32 bytes fit in the freed 40");
        assert_eq!(bump.used(), used, "no new bytes taken");
        let again = unsafe { bump.alloc(words) };
        assert_ne!(again, old, "a block is handed out once");
        let wide = Layout::from_size_align(32, 64).unwrap();
        unsafe { bump.dealloc(again, words) };
        let aligned = unsafe { bump.alloc(wide) };
        assert_eq!(
            aligned as usize % 64,
            0,
            "a request aligned beyond 8 gets a new block"
        );
        let _ = newer;
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
