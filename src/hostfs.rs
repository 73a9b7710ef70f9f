//! What the host-path model asks of the file system, behind a trait: the `docker` face answers
//! from the real one ([`RealFs`]), tests from memory ([`MemFs`]).
//!
//! This keeps `rewrite::plan` a function of its inputs: every file-system question the deny
//! rules ask (is this a symlink, where does it point, what is in this directory) goes through
//! [`HostFs`], so a test can build a home with a symlinked `~/.ssh` or a project `.env` without
//! touching the disk, and the same plan code runs on both. Paths are bytes, as the kernel takes
//! them; every path asked about is absolute, its directory already resolved by the caller.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::ops::ControlFlow;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::Mutex;

/// What is at a path, not following a final symlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    Dir,
    File,
    Symlink,
    /// A socket or a FIFO: a place a host process may listen or read, which a read-only mount
    /// does not stop anyone reaching.
    Listening,
}

/// How a directory listing ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    /// Every entry was seen.
    Done,
    /// The callback stopped it.
    Stopped,
    /// More entries than the limit: the caller falls back to looking names up.
    TooLong,
    /// Not a directory, not readable, or an entry could not be read.
    Unreadable,
}

/// A directory's identity and last change. While a directory's stamp is unchanged, so are its
/// entries: creating, removing or renaming one updates the directory's change time (`ctime`,
/// which, unlike `mtime`, nobody but the clock can set), and a symlink's target cannot be
/// changed in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub dev: u64,
    pub ino: u64,
    pub ctime: i64,
    pub ctime_nsec: i64,
}

/// The file-system questions the host-path model asks.
pub trait HostFs: Sync {
    /// What is at `path` (not following a final symlink); `None` when nothing is, or it cannot
    /// be looked at (the runtime could not mount it either).
    fn lstat(&self, path: &[u8]) -> Option<FileKind>;

    /// Where the symlink at `path` points, as written in it.
    fn read_link(&self, path: &[u8]) -> Option<Vec<u8>>;

    /// Calls `each` with every entry of directory `dir` (name, kind) until it breaks, at most
    /// `limit` entries.
    fn list(
        &self,
        dir: &[u8],
        limit: usize,
        each: &mut dyn FnMut(&[u8], FileKind) -> ControlFlow<()>,
    ) -> Listed;

    /// [`HostFs::list`], of directory `dir` only while it is the directory `stamp` names (its
    /// device and inode): what is listed is what the stamp remembers it by. A listing by the
    /// path alone, after someone exchanged a folder above it, listed another folder and was
    /// remembered for this one (the forty-eighth look's). `Listed::Unreadable` when `dir` is no
    /// longer that directory. A file system that does not change beneath a call (a test's)
    /// lists by the path.
    fn list_stamped(
        &self,
        dir: &[u8],
        _stamp: Stamp,
        limit: usize,
        each: &mut dyn FnMut(&[u8], FileKind) -> ControlFlow<()>,
    ) -> Listed {
        self.list(dir, limit, each)
    }

    /// The [`Stamp`] of directory `dir` (not following a final symlink); `None` when it is not
    /// a directory.
    fn stamp(&self, dir: &[u8]) -> Option<Stamp>;

    /// Whether `dir` lies on a file system known to keep `ctime` as the stamp needs it (the
    /// kernel's local file systems); network and FUSE file systems are not relied on.
    fn keeps_ctime(&self, dir: &[u8]) -> bool;

    /// The clock `ctime` is kept by, in seconds since the epoch.
    fn now(&self) -> i64;

    /// The identity of the mount tree paths are resolved in (the mount `/` is: each mount
    /// namespace has its own).
    fn namespace(&self) -> Option<u64>;

    /// The contents of `file` if it is a regular file that `owner` owns and nobody else may
    /// write; `None` otherwise (missing, someone else's, or writable by its group or others).
    fn read_private(&self, file: &Path, owner: u32) -> Option<Vec<u8>>;

    /// The file or folder `path` names (symlinks followed, as the runtime follows them when it
    /// mounts it), opened, and asked where it is: the real path the kernel gives for the
    /// descriptor and its identity. `None` when it cannot be opened.
    fn identity(&self, path: &[u8]) -> Option<Identity>;

    /// The process's mount table (`/proc/self/mountinfo`'s text); `None` where it cannot be
    /// read, or says nothing (no `/proc`; a table of no mount at all): a source's other names
    /// are then unknown, and the source is refused ([`crate::hostpath`]'s `judge`).
    fn mount_table(&self) -> Option<Vec<u8>>;

    /// The disk images a mount ([`Backing`]) reads its blocks from: a loop device's file (or
    /// a partition's of one), each loop device's of a btrfs spread over several, or the file
    /// itself where a FUSE file system reads one (`fuse2fs img dir`). Empty: none.
    fn disk_images(&self, _mount: &Backing<'_>) -> Vec<DiskImage> {
        Vec::new()
    }

    /// The contents of the regular file at `path` (symlinks followed, as the runtime follows
    /// them), at most `limit` bytes. A file system that cannot say (a test's) answers
    /// [`SmallFile::Missing`].
    fn read_small(&self, _path: &[u8], _limit: usize) -> SmallFile {
        SmallFile::Missing
    }

    /// The contents of the regular file `name` names inside folder `root`, resolved as if `root`
    /// were `/`: neither a link nor `..` on the way leaves it (`RESOLVE_IN_ROOT`, how podman 5
    /// reads a build context's own files), at most `limit` bytes. A file system that cannot say
    /// (a test's without links) answers [`SmallFile::Missing`].
    fn read_small_in(&self, _root: &[u8], _name: &[u8], _limit: usize) -> SmallFile {
        SmallFile::Missing
    }

    /// Replaces `file` with `bytes`, readable and writable by its owner only, atomically (a
    /// reader sees the old file or the new one); creates its directory (mode 0700).
    fn write_private(&self, file: &Path, bytes: &[u8]) -> std::io::Result<()>;

    /// Removes all but the `keep` most recently written files in `dir` whose names start with
    /// `prefix` (a memory per build and policy would otherwise pile up).
    fn prune(&self, _dir: &Path, _prefix: &str, _keep: usize) {}
}

impl std::fmt::Debug for dyn HostFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostFs")
    }
}

/// What the mount table says of a mount whose disk images are asked ([`HostFs::disk_images`]).
#[derive(Clone, Copy)]
pub struct Backing<'a> {
    /// The mount's `major:minor` as the table prints it (made up, `0:N`, for a btrfs, a FUSE
    /// file system or a file-backed erofs).
    pub dev: &'a [u8],
    /// `btrfs`, `file` (a file system that may read a file as a disk), or empty.
    pub kind: &'a [u8],
    /// What it was mounted from, where the table names an absolute path; else empty.
    pub source: &'a [u8],
    /// Where a btrfs may be asked its id: a folder or file it is mounted at that nothing
    /// covers, with that mount's id.
    pub points: &'a [(&'a [u8], u64)],
    /// Whether a path lies at or beneath a FUSE or network mount: nothing there is looked up,
    /// since its program or server may never answer.
    pub waits: &'a dyn Fn(&[u8]) -> bool,
    /// Whether any such mount is in the table: then a name is followed one part at a time, as
    /// a link may lead onto one.
    pub any_share: bool,
}

/// A file a mounted file system reads its blocks from ([`HostFs::disk_images`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiskImage {
    /// At this absolute path.
    File(Vec<u8>),
    /// Read through this device, said with why its file is unknown (a path longer than a page,
    /// a file deleted while attached, a btrfs's node gone): any source may hold it.
    Unnamed(String),
}

/// A file or folder as opened: where the kernel says it is, and which it is (device and inode,
/// as `stat(2)` gives them). No two files that exist at one time share an identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub real: Vec<u8>,
    pub dev: u64,
    pub ino: u64,
    /// Birth time in nanoseconds since the epoch; 0 where the file system does not say.
    pub birth: u64,
    /// Whether it is a folder.
    pub is_dir: bool,
    /// Whether it is a socket or a FIFO: a host service, which a read-only mount does not stop
    /// anyone connecting to, or a host program's command pipe, which it does not stop anyone
    /// writing into (the kernel's read-only check covers files, folders and links only).
    pub is_socket: bool,
    /// The mount it lies on (`/proc/self/mountinfo`'s id); 0 where unknown.
    pub mount_id: u64,
}

/// What `statx(2)` says of an open descriptor, the link itself for a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// `st_dev` as `stat(2)` gives it.
    pub dev: u64,
    pub ino: u64,
    /// The mount it lies on (the id `/proc/self/mountinfo` lists).
    pub mount_id: u64,
    /// Whether it is the root of that mount.
    pub mount_root: bool,
    pub is_link: bool,
    pub is_socket: bool,
    /// Birth time in nanoseconds since the epoch; 0 where the file system does not say.
    pub birth: u64,
    /// For a folder, its [`Stamp`] (what `lstat` would say of it).
    pub dir: Option<Stamp>,
}

/// The `st_dev` `stat(2)` reports for a device's major and minor numbers (glibc's and musl's
/// `makedev`).
pub fn makedev(major: u64, minor: u64) -> u64 {
    ((major & 0xffff_f000) << 32) | ((major & 0xfff) << 8) | ((minor & 0xffff_ff00) << 12) | (minor & 0xff)
}

/// `statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)`. Fails on a kernel that cannot say
/// where mounts are (before Linux 5.8).
pub fn statx(fd: i32) -> std::io::Result<Stat> {
    #[cfg(target_arch = "x86_64")]
    const SYS_STATX: i64 = 332;
    #[cfg(target_arch = "aarch64")]
    const SYS_STATX: i64 = 291;
    const AT_EMPTY_PATH: i64 = 0x1000;
    const AT_SYMLINK_NOFOLLOW: i64 = 0x100;
    const STATX_TYPE: u32 = 0x1;
    const STATX_CTIME: u32 = 0x80;
    const STATX_INO: u32 = 0x100;
    const STATX_BTIME: u32 = 0x800;
    const STATX_MNT_ID: u32 = 0x1000;
    const STATX_ATTR_MOUNT_ROOT: u64 = 0x2000;
    const S_IFMT: u16 = 0o170000;
    const S_IFLNK: u16 = 0o120000;
    const S_IFDIR: u16 = 0o040000;
    const S_IFSOCK: u16 = 0o140000;
    const S_IFIFO: u16 = 0o010000;
    #[repr(C)]
    #[derive(Default)]
    struct Timestamp {
        tv_sec: i64,
        tv_nsec: u32,
        _reserved: i32,
    }
    #[repr(C)]
    #[derive(Default)]
    struct Statx {
        stx_mask: u32,
        stx_blksize: u32,
        stx_attributes: u64,
        stx_nlink: u32,
        stx_uid: u32,
        stx_gid: u32,
        stx_mode: u16,
        _spare0: u16,
        stx_ino: u64,
        stx_size: u64,
        stx_blocks: u64,
        stx_attributes_mask: u64,
        stx_atime: Timestamp,
        stx_btime: Timestamp,
        stx_ctime: Timestamp,
        stx_mtime: Timestamp,
        stx_rdev_major: u32,
        stx_rdev_minor: u32,
        stx_dev_major: u32,
        stx_dev_minor: u32,
        stx_mnt_id: u64,
        _spare: [u64; 13],
    }
    // SAFETY: the C library's `syscall(2)` (variadic, long arguments), in glibc and musl.
    #[allow(unsafe_code)]
    unsafe extern "C" {
        fn syscall(number: i64, ...) -> i64;
    }
    let mut st = Statx::default();
    // SAFETY: statx(fd, "", flags, mask, &st): the empty path is a NUL-terminated literal; `st`
    // is a live `struct statx` the kernel fills.
    #[allow(unsafe_code)]
    let rc = unsafe {
        syscall(
            SYS_STATX,
            i64::from(fd),
            c"".as_ptr(),
            AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
            i64::from(STATX_TYPE | STATX_CTIME | STATX_INO | STATX_BTIME | STATX_MNT_ID),
            &mut st as *mut Statx,
        )
    };
    if rc < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if st.stx_mask & STATX_MNT_ID == 0 || st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT == 0 {
        return Err(std::io::Error::other(
            "the kernel does not say where mounts are (Linux 5.8 or later)",
        ));
    }
    let dev = makedev(u64::from(st.stx_dev_major), u64::from(st.stx_dev_minor));
    let birth = if st.stx_mask & STATX_BTIME != 0 {
        u64::try_from(st.stx_btime.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::from(st.stx_btime.tv_nsec)
    } else {
        0
    };
    Ok(Stat {
        dev,
        ino: st.stx_ino,
        mount_id: st.stx_mnt_id,
        mount_root: st.stx_attributes & STATX_ATTR_MOUNT_ROOT != 0,
        is_link: st.stx_mode & S_IFMT == S_IFLNK,
        is_socket: matches!(st.stx_mode & S_IFMT, S_IFSOCK | S_IFIFO),
        birth,
        dir: (st.stx_mode & S_IFMT == S_IFDIR).then_some(Stamp {
            dev,
            ino: st.stx_ino,
            ctime: st.stx_ctime.tv_sec,
            ctime_nsec: i64::from(st.stx_ctime.tv_nsec),
        }),
    })
}

/// What reading a small host file (an env file, a Containerfile) found. A file that is there
/// but cannot be read whole is not "nothing to check": podman may still read it (a FIFO, a file
/// past the limit), so the content checks refuse it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmallFile {
    /// Nothing at the path: the runtime finds nothing either.
    Missing,
    /// The whole file.
    Read(Vec<u8>),
    /// There, but not read whole: why.
    Unread(&'static str),
}

/// The host's own file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFs;

fn os(path: &[u8]) -> &std::path::Path {
    std::path::Path::new(OsStr::from_bytes(path))
}

fn kind(t: std::fs::FileType) -> FileKind {
    use std::os::unix::fs::FileTypeExt;
    if t.is_symlink() {
        FileKind::Symlink
    } else if t.is_dir() {
        FileKind::Dir
    } else if t.is_socket() || t.is_fifo() {
        FileKind::Listening
    } else {
        FileKind::File
    }
}

/// File systems whose directories' `ctime` the kernel itself keeps on every change of their
/// entries (`f_type` magic numbers from `linux/magic.h`): ext2/3/4, XFS, Btrfs, tmpfs, ramfs,
/// overlayfs, ZFS, F2FS. Elsewhere (NFS, SMB, FUSE, 9p, ...) a server or a daemon reports it, and
/// a client may cache it: nothing found there is remembered.
const LOCAL_FILE_SYSTEMS: &[i64] = &[
    0xEF53,
    0x5846_5342,
    0x9123_683E,
    0x0102_1994,
    0x8584_58f6,
    0x794c_7630,
    0x2fc1_2fc1,
    0xF2F5_2010,
];

/// The identity of the mount the process's `/` is: the mount tree its paths are resolved in.
///
/// A new mount namespace copies every mount, and each copy gets a new id, so this tells
/// namespaces apart as `/proc/self/ns/mnt` does; it also tells apart a process whose root is
/// another namespace's mount (entered with `chroot` after `setns`), whose paths are resolved in
/// that other tree. It costs one `statx` of `/` instead of a lookup in `/proc` (about 7 µs in a
/// process that has not touched `/proc` yet, a tenth of a `docker run`'s own work). The id is
/// the kernel's never-reused one where it has it (`STATX_MNT_ID_UNIQUE`, Linux 6.8), else the
/// older one, which may be reused after its mount is gone; the two are kept apart. `None` where
/// the kernel gives neither (before Linux 5.8): the caller asks `/proc`.
fn root_mount() -> Option<u64> {
    /// `struct statx` (linux/stat.h): 256 bytes, `stx_mask` first and `stx_mnt_id` at byte 144.
    #[repr(C)]
    struct Statx {
        mask: u32,
        before_mnt_id: [u32; 35],
        mnt_id: u64,
        rest: [u64; 13],
    }
    const STATX_MNT_ID: u32 = 0x1000;
    const STATX_MNT_ID_UNIQUE: u32 = 0x4000;
    /// `statx`'s system call number: asked through `syscall(2)`, which every C library has,
    /// rather than a `statx` wrapper, which musl gained only in 1.2.5 (where it is missing, the
    /// musl build would not link). Elsewhere `/proc` is asked instead.
    #[cfg(target_arch = "x86_64")]
    const SYS_STATX: Option<std::ffi::c_long> = Some(332);
    #[cfg(any(target_arch = "aarch64", target_arch = "riscv64"))]
    const SYS_STATX: Option<std::ffi::c_long> = Some(291);
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64", target_arch = "riscv64")))]
    const SYS_STATX: Option<std::ffi::c_long> = None;
    let number = SYS_STATX?;
    // SAFETY: the C library's `syscall(2)`, declared with its C signature (variadic).
    #[allow(unsafe_code)]
    unsafe extern "C" {
        fn syscall(number: std::ffi::c_long, ...) -> std::ffi::c_long;
    }
    const AT_FDCWD: std::ffi::c_int = -100;
    let mut buf = Statx {
        mask: 0,
        before_mnt_id: [0; 35],
        mnt_id: 0,
        rest: [0; 13],
    };
    // SAFETY: `statx(AT_FDCWD, "/", 0, mask, &buf)` as the kernel declares it: the path is a
    // NUL-terminated literal and `buf` a writable `struct statx` of the kernel's size and
    // layout; each argument is passed at the width the kernel reads it.
    #[allow(unsafe_code)]
    let rc = unsafe {
        syscall(
            number,
            AT_FDCWD,
            c"/".as_ptr(),
            0 as std::ffi::c_int,
            STATX_MNT_ID | STATX_MNT_ID_UNIQUE,
            &mut buf as *mut Statx,
        )
    };
    if rc != 0 {
        return None;
    }
    // The two kinds of id are counted apart: set the top bit on the older kind.
    if buf.mask & STATX_MNT_ID_UNIQUE != 0 {
        Some(buf.mnt_id & !(1 << 63))
    } else if buf.mask & STATX_MNT_ID != 0 {
        Some(buf.mnt_id | 1 << 63)
    } else {
        None
    }
}

/// The `f_type` of the file system `path` lies on (`statfs(2)`).
fn statfs_type(path: &[u8]) -> Option<i64> {
    /// `struct statfs` begins with `f_type` (a `long`) on every Linux architecture; the rest is
    /// room (the struct is 120 bytes on 64-bit architectures).
    #[repr(C)]
    struct Statfs {
        f_type: std::ffi::c_long,
        rest: [u64; 31],
    }
    // SAFETY: glibc's `statfs(3)`, declared with its C signature (a path, a buffer).
    #[allow(unsafe_code)]
    unsafe extern "C" {
        fn statfs(path: *const std::ffi::c_char, buf: *mut Statfs) -> std::ffi::c_int;
    }
    let path = std::ffi::CString::new(path).ok()?;
    let mut buf = Statfs {
        f_type: 0,
        rest: [0; 31],
    };
    // SAFETY: `path` is a NUL-terminated string that outlives the call, and `buf` is a writable
    // buffer larger than the kernel's `struct statfs` on any Linux architecture, whose first
    // field is `f_type` as declared.
    #[allow(unsafe_code)]
    let rc = unsafe { statfs(path.as_ptr(), &mut buf) };
    // The magic numbers are 32-bit; a 32-bit `long` would hold the larger ones as negative.
    (rc == 0).then_some(i64::from(buf.f_type as u32))
}

fn stamp_of(m: &std::fs::Metadata) -> Stamp {
    Stamp {
        dev: m.dev(),
        ino: m.ino(),
        ctime: m.ctime(),
        ctime_nsec: m.ctime_nsec(),
    }
}

/// How long an answer this process remembers about the file system stands. One `docker` call
/// lasts about a millisecond, and a `doctor` or `explain` report not much longer; a caller that
/// lives on (a test thread, anything long-running) asks the kernel again after this.
const FRESH: std::time::Duration = std::time::Duration::from_secs(1);

/// Whether an answer kept since `at` still stands at `now`. The clock is read once per question,
/// not once per answer kept: the trust walks note some twenty folders a call, and reading the
/// clock for each kept one at each note cost a hundred clock reads.
fn fresh(now: std::time::Instant, at: &std::time::Instant) -> bool {
    now.saturating_duration_since(*at) < FRESH
}

/// A thread's memory of the file system, never dropped. A thread-local whose type needs `Drop`
/// makes std register a destructor on the thread's first use, and std allocates that registry
/// with the C library's `malloc`, not this program's allocator: under musl that is a heap of its
/// own, two `mmap`s, a `brk` and four fresh pages on every `docker` call, ~10 µs. What a thread
/// leaks at its exit instead is a few hundred bytes (test threads; the shim's one thread ends
/// with the process).
type Kept<T> = std::mem::ManuallyDrop<std::cell::RefCell<T>>;

const fn kept<T>(value: T) -> Kept<T> {
    std::mem::ManuallyDrop::new(std::cell::RefCell::new(value))
}

/// `f` on the value of `key`, borrowed mutably.
fn with_kept<T: 'static, R>(key: &'static std::thread::LocalKey<Kept<T>>, f: impl FnOnce(&mut T) -> R) -> R {
    key.with(|cell| f(&mut cell.borrow_mut()))
}

std::thread_local! {
    /// Every file [`metadata_once`] was asked about, with what `stat` said and when.
    static STATTED: Kept<Vec<(std::path::PathBuf, Option<std::fs::Metadata>, std::time::Instant)>> =
        const { kept(Vec::new()) };
}

/// `std::fs::metadata(path)`, asked of the kernel once per path, thread and [`FRESH`] period:
/// the shim's binary and the runtime are each the subject of two questions in one call (is the
/// runtime the shim itself? is it executable? which build is this? which runtime version is
/// cached?), so one answer serves both.
pub fn metadata_once(path: &Path) -> Option<std::fs::Metadata> {
    let now = std::time::Instant::now();
    let known = with_kept(&STATTED, |s| {
        s.retain(|(_, _, at)| fresh(now, at));
        s.iter().find(|(p, _, _)| p == path).map(|(_, m, _)| m.clone())
    });
    if let Some(known) = known {
        return known;
    }
    let m = std::fs::metadata(path).ok();
    with_kept(&STATTED, |s| s.push((path.to_path_buf(), m.clone(), now)));
    m
}

std::thread_local! {
    /// Folders [`passed_once`] found safe, for whom, and when.
    static PASSED: Kept<Vec<(std::path::PathBuf, u32, std::time::Instant)>> = const { kept(Vec::new()) };
}

/// `check` of folder `dir` for `owner`, whose success stands for [`FRESH`] in this thread: the
/// cache folder's walk up to `/` is asked for by each of the shim's files in it (the memory, the
/// runtime's version, the mount check's hook), one walk serves them all. A failure is asked
/// again.
pub fn passed_once(dir: &Path, owner: u32, check: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    let now = std::time::Instant::now();
    let known = with_kept(&PASSED, |p| {
        p.retain(|(_, _, at)| fresh(now, at));
        p.iter().any(|(d, o, _)| d == dir && *o == owner)
    });
    if known {
        return Ok(());
    }
    check()?;
    with_kept(&PASSED, |p| p.push((dir.to_path_buf(), owner, now)));
    Ok(())
}

/// Whether `m` (an open file's or a name's metadata) is `owner`'s alone: a regular file that
/// `owner` owns, that neither its group nor others may write, with one name. The shim's own
/// files (its memory, its version cache, the decision log) are written only so; a link or a
/// second name at one is someone's planting.
pub(crate) fn callers_alone(m: &std::fs::Metadata, owner: u32) -> bool {
    m.is_file() && m.uid() == owner && m.mode() & 0o022 == 0 && m.nlink() == 1
}

/// `open(2)`'s flag for "do not wait": a FIFO's open would wait for a writer.
pub(crate) const O_NONBLOCK: i32 = 0o4000;

/// `open(2)`'s flag for "fail on a symlink as the last component" (Linux's value per
/// architecture, from its `fcntl.h`s; the arm, arm64 and powerpc families have their own).
#[cfg(any(
    target_arch = "arm",
    target_arch = "aarch64",
    target_arch = "powerpc",
    target_arch = "powerpc64",
    target_arch = "m68k"
))]
pub(crate) const O_NOFOLLOW: i32 = 0o100000;
#[cfg(any(
    target_arch = "x86",
    target_arch = "x86_64",
    target_arch = "riscv32",
    target_arch = "riscv64",
    target_arch = "loongarch64",
    target_arch = "s390x",
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "sparc64"
))]
pub(crate) const O_NOFOLLOW: i32 = 0o400000;

/// `path` opened for reading with `flags` added (`O_NOFOLLOW`, `O_NONBLOCK`), close-on-exec, by
/// `openat(2)`. Why not std's `File::open`: it calls the C library's `open`, and musl's follows
/// every `O_CLOEXEC` open with an `fcntl` that sets the flag again (for kernels older than
/// 2.6.23); a `run` opens six files, and on a virtual machine a system call is about a
/// microsecond.
pub(crate) fn open_read(path: &Path, flags: i32) -> std::io::Result<std::fs::File> {
    use std::os::fd::FromRawFd;
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: the C library's `openat(2)` wrapper, in glibc and musl (variadic: the mode).
    #[allow(unsafe_code)]
    unsafe extern "C" {
        fn openat(dir: i32, path: *const std::ffi::c_char, flags: i32, ...) -> i32;
    }
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "a NUL in the path"))?;
    const O_CLOEXEC: i32 = open_how::O_CLOEXEC as i32;
    // SAFETY: `c` is NUL-terminated and outlives the call; the mode is not read without
    // `O_CREAT`.
    #[allow(unsafe_code)]
    let fd = unsafe { openat(open_how::AT_FDCWD, c.as_ptr(), flags | O_CLOEXEC, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened and is owned by nothing else.
    #[allow(unsafe_code)]
    Ok(unsafe { std::fs::File::from_raw_fd(fd) })
}

/// Why a file named inside a folder is not read when a link there leads out of it
/// ([`HostFs::read_small_in`]).
pub const OUTSIDE: &str = "it is a link that names nothing inside its folder (a link out of the build's context, or an absolute one: write it relative)";

/// What [`HostFs::read_small`] answers for a file opened: its contents if it is a regular file
/// of at most `limit` bytes.
fn small_file(mut f: std::fs::File, limit: usize) -> SmallFile {
    use std::io::Read;
    let size = match f.metadata() {
        Ok(m) if m.is_file() => usize::try_from(m.len()).unwrap_or(usize::MAX),
        _ => return SmallFile::Unread("it is not a regular file"),
    };
    // The size the open file reports, asked for at once: one `read` (std's `read_to_end` into an
    // empty buffer asks 32 bytes, then twice as many each time: a 24 KB containers.conf, which
    // every `run` reads, took eleven). One more than the limit tells a file past it; a file
    // reporting 0 (a `/proc` file) is read to its end.
    let out = match size {
        0 => {
            let mut out = Vec::new();
            if f.take(limit as u64 + 1).read_to_end(&mut out).is_err() {
                return SmallFile::Unread("it cannot be read");
            }
            out
        }
        n => match read_len(&mut f, n.min(limit.saturating_add(1))) {
            Ok(out) => out,
            Err(_) => return SmallFile::Unread("it cannot be read"),
        },
    };
    if out.len() > limit {
        return SmallFile::Unread("it is larger than the shim reads (1 MiB)");
    }
    SmallFile::Read(out)
}

/// Takes the exclusive lock (`flock(2)`) of `file`, made if missing (the caller's alone, `0600`,
/// never through a link, in a folder made `0700` if missing that only the caller or root can
/// change), and keeps it open across the exec: the runtime inherits the open file and holds the
/// lock until it exits. Waits for another holder up to `wait`. Why not, as an error.
///
/// Why: a rootful `network create` is given a range the shim picks from those podman lists
/// (`harden.subnet`); two at once picked the same, and podman refused the second (the
/// hundred-and-eighth look's: nanoclaw makes a network per session as sessions wake). The lock
/// spans the pick and podman's making of the network.
pub fn lock_across_exec(file: &Path, owner: u32, wait: std::time::Duration) -> Result<(), String> {
    use std::os::fd::IntoRawFd;
    const O_NOFOLLOW: i32 = 0o400_000;
    const LOCK_EX: i32 = 2;
    const LOCK_NB: i32 = 4;
    const F_SETFD: i32 = 2;
    // SAFETY: the C library's flock(2) and fcntl(2) (variadic, one int argument here), in glibc
    // and musl.
    #[allow(unsafe_code)]
    unsafe extern "C" {
        fn flock(fd: i32, operation: i32) -> i32;
        fn fcntl(fd: i32, cmd: i32, ...) -> i32;
    }
    let at = |e: std::io::Error| format!("{}: {e}", file.display());
    let dir = file
        .parent()
        .ok_or_else(|| format!("{}: no folder", file.display()))?;
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    }
    let d = std::fs::symlink_metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if !d.is_dir() || (d.uid() != owner && d.uid() != 0) || d.mode() & 0o022 != 0 {
        return Err(format!(
            "{} is not a folder only its owner can change",
            dir.display()
        ));
    }
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o600)
        .custom_flags(O_NOFOLLOW)
        .open(file)
        .map_err(at)?;
    let m = f.metadata().map_err(at)?;
    if !m.is_file() || m.uid() != owner {
        return Err(format!("{} is not the caller's file", file.display()));
    }
    let fd = std::os::fd::AsRawFd::as_raw_fd(&f);
    let deadline = std::time::Instant::now() + wait;
    loop {
        // SAFETY: flock on a descriptor this function holds open.
        #[allow(unsafe_code)]
        let rc = unsafe { flock(fd, LOCK_EX | LOCK_NB) };
        if rc == 0 {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::WouldBlock {
            return Err(at(e));
        }
        if std::time::Instant::now() >= deadline {
            return Err(format!(
                "{}: still held by another call after {} s",
                file.display(),
                wait.as_secs()
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: fcntl(fd, F_SETFD, 0) clears close-on-exec on a descriptor this function holds.
    #[allow(unsafe_code)]
    let rc = unsafe { fcntl(fd, F_SETFD, 0) };
    if rc != 0 {
        return Err(at(std::io::Error::last_os_error()));
    }
    // Left open for the runtime; closed when it exits (or when this process does, refused).
    let _ = f.into_raw_fd();
    Ok(())
}

/// A file read whole past this size is an error (the look `gn`: a policy of 1 GB took 20 s and
/// 2 GB of memory before it was refused); the largest the shim reads so is an image's
/// configuration.
pub const MAX_WHOLE: usize = 16 << 20;

/// The whole of a file, read with one `read` of the size the open file reports: std's
/// `read_to_end` asks once more to see the end, a system call every `docker` call would pay for
/// the policy and again for the runtime's version. A regular file that grows while it is read is
/// read to the size it had when opened, as a read racing the writer would be anyway. Anything
/// whose size says nothing (a `/proc` file reporting 0) is read to its end, never taken as
/// empty. Only a regular file is read: the open does not wait for a writer (a FIFO named as
/// the policy hung every call), and a pipe, a device or a socket is an error; so is a file past
/// [`MAX_WHOLE`].
pub fn read_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    read_bytes_with_meta(path).map(|(bytes, _)| bytes)
}

/// [`read_bytes`], and what `fstat` said of the file read (its owner and mode, for a file whose
/// trust is judged on what was opened, not on its name).
pub fn read_bytes_with_meta(path: &Path) -> std::io::Result<(Vec<u8>, std::fs::Metadata)> {
    use std::io::Read;
    let mut f = open_read(path, O_NONBLOCK)?;
    let m = f.metadata()?;
    if !m.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let past = || std::io::Error::other(format!("past {} MiB", MAX_WHOLE >> 20));
    let bytes = match usize::try_from(m.len()) {
        Ok(len) if len > MAX_WHOLE => return Err(past()),
        Ok(len) if len > 0 => read_len(&mut f, len)?,
        _ => {
            let mut bytes = Vec::new();
            (&mut f).take(MAX_WHOLE as u64 + 1).read_to_end(&mut bytes)?;
            if bytes.len() > MAX_WHOLE {
                return Err(past());
            }
            bytes
        }
    };
    Ok((bytes, m))
}

/// At most `limit` bytes of the regular file `path` and its metadata, when it is one: a link is
/// not followed and a FIFO or device is not opened for reading (`O_NONBLOCK`), so a file a
/// container wrote cannot make the reader hang or read without end (the fifty-sixth look's
/// `verify` reading a link to `/dev/zero`, or a FIFO).
pub fn read_plain(path: &Path, limit: usize) -> Option<(Vec<u8>, std::fs::Metadata)> {
    let mut f = open_read(path, O_NOFOLLOW | O_NONBLOCK).ok()?;
    let m = f.metadata().ok()?;
    if !m.is_file() {
        return None;
    }
    let len = usize::try_from(m.len()).ok()?.min(limit);
    Some((read_len(&mut f, len).ok()?, m))
}

/// At most `len` bytes of `f`, asked for all at once: one `read` for a regular file. std's
/// `read_to_end` asks 8 KiB at a time at first, a second system call for every file past that
/// (the remembered lists are).
fn read_len(f: &mut std::fs::File, len: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = vec![0; len];
    let mut got = 0;
    while got < len {
        match f.read(&mut bytes[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(got);
    Ok(bytes)
}

/// [`read_bytes`], as text: a file that is not UTF-8 is an error, as with `read_to_string`.
pub fn read_whole(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read_bytes(path)?).map_err(|_| not_utf8())
}

/// `read_to_string`'s error for a file that is not UTF-8.
pub fn not_utf8() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        "stream did not contain valid UTF-8",
    )
}

std::thread_local! {
    /// The directory the last `lstat` found, with its stamp: a check that resolves a mounted
    /// directory and then asks for its stamp costs one system call, not two.
    static LAST_DIR: Kept<Option<(Vec<u8>, Stamp)>> = const { kept(None) };
    /// Directories checked before any resolution (those above the policy file, see [`saw`]),
    /// with their stamps and when they were taken.
    static SEEN_DIRS: Kept<Vec<(Vec<u8>, Stamp, std::time::Instant)>> = const { kept(Vec::new()) };
}

/// How many directories [`SEEN_DIRS`] keeps.
const SEEN_MAX: usize = 24;

/// Notes what an `lstat` of `path` found, when it is a directory, for [`RealFs::stamp`]: the
/// directories above the policy file, checked for trust first thing, are often among the
/// memory's witnesses (the home, `~/.config`). A stamp taken earlier in this call is never
/// newer than what a resolution after it saw: a memory written with it is checked against a
/// directory's state at least as old, and one read with it compares a state of this same call
/// (a stamp older than [`FRESH`] is not used).
pub fn saw(path: &[u8], m: &std::fs::Metadata) {
    if m.is_dir() {
        let now = std::time::Instant::now();
        with_kept(&SEEN_DIRS, |seen| {
            seen.retain(|(_, _, at)| fresh(now, at));
            if seen.len() < SEEN_MAX {
                seen.push((path.to_vec(), stamp_of(m), now));
            }
        });
    }
}

/// Whether `path` is absolute with no empty, `.` or `..` component and no trailing `/`.
fn plain(path: &[u8]) -> bool {
    path.len() > 1
        && path[0] == b'/'
        && crate::text::split(&path[1..], b'/').all(|c| !c.is_empty() && c != b"." && c != b"..")
}

const ELOOP: i32 = 40;
const ENOSYS: i32 = 38;
const EPERM: i32 = 1;

/// `openat2(2)` flags and `resolve` bits the shim uses.
pub mod open_how {
    pub const O_PATH: u64 = 0o10000000;
    pub const O_NOFOLLOW: u64 = 0o400000;
    pub const O_CLOEXEC: u64 = 0o2000000;
    pub const RESOLVE_NO_SYMLINKS: u64 = 0x04;
    pub const RESOLVE_BENEATH: u64 = 0x08;
    pub const RESOLVE_IN_ROOT: u64 = 0x10;
    /// The working directory, as a folder descriptor.
    pub const AT_FDCWD: i32 = -100;
}

/// `openat2(dir, path, flags, resolve)`, which neither C library wraps everywhere: the system
/// call. Opened close-on-exec when `flags` says so.
pub fn openat2(dir: i32, path: &[u8], flags: u64, resolve: u64) -> std::io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    #[repr(C)]
    struct OpenHow {
        flags: u64,
        mode: u64,
        resolve: u64,
    }
    const SYS_OPENAT2: i64 = 437;
    // SAFETY: the C library's `syscall(2)` (variadic, long arguments), in glibc and musl.
    #[allow(unsafe_code)]
    unsafe extern "C" {
        fn syscall(number: i64, ...) -> i64;
    }
    let c = std::ffi::CString::new(path).map_err(|_| std::io::Error::other("a NUL in the path"))?;
    let how = OpenHow {
        flags,
        mode: 0,
        resolve,
    };
    // SAFETY: openat2(dirfd, path, &how, sizeof how): `c` is NUL-terminated and `how` a live
    // `struct open_how`, both outliving the call.
    #[allow(unsafe_code)]
    let fd = unsafe {
        syscall(
            SYS_OPENAT2,
            i64::from(dir),
            c.as_ptr(),
            &how as *const OpenHow,
            std::mem::size_of::<OpenHow>(),
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a descriptor the kernel just returned, owned here alone.
    #[allow(unsafe_code)]
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as i32) })
}

/// The major number of a device number, as glibc's and musl's `major()` compute it.
fn libc_major(dev: u64) -> u64 {
    ((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0x0000_0fff)
}

/// The minor number of a device number, as `minor()` computes it.
fn libc_minor(dev: u64) -> u64 {
    ((dev >> 12) & 0xffff_ff00) | (dev & 0x0000_00ff)
}

/// The id of the btrfs mounted at `point` by mount `mount_id` (`BTRFS_IOC_FS_INFO` on the
/// folder: any user who may open it may ask), as `/sys/fs/btrfs/` names it; `None` where it
/// cannot be opened or asked, or where what opens is another mount's.
fn btrfs_fsid(point: &[u8], mount_id: u64) -> Option<String> {
    use std::os::fd::AsRawFd;
    /// `struct btrfs_ioctl_fs_info_args`'s size: the file system's id is its bytes 16-31.
    const FS_INFO_BYTES: usize = 1024;
    /// `_IOR(0x94, 31, struct btrfs_ioctl_fs_info_args)`.
    const BTRFS_IOC_FS_INFO: std::ffi::c_ulong = 0x8400_941f;
    // SAFETY: the C library's `ioctl(2)`, declared with its C signature (variadic).
    #[allow(unsafe_code)]
    unsafe extern "C" {
        fn ioctl(fd: std::ffi::c_int, request: std::ffi::c_ulong, ...) -> std::ffi::c_int;
    }
    // A folder or a file (a container's `/etc/hosts` is a bind of one: the sixth look's), never
    // followed through a link: opening anything else (a device, a pipe bound there) could do
    // more than answer.
    let at = Path::new(std::ffi::OsStr::from_bytes(point));
    std::fs::symlink_metadata(at)
        .ok()
        .filter(|m| m.is_dir() || m.is_file())?;
    let dir = open_read(at, O_NOFOLLOW | O_NONBLOCK).ok()?;
    statx(dir.as_raw_fd()).ok().filter(|st| st.mount_id == mount_id)?;
    let mut info = [0u8; FS_INFO_BYTES];
    // SAFETY: `dir` is an open descriptor for the call's length, and `info` a writable buffer
    // of the kernel's `struct btrfs_ioctl_fs_info_args` size, as the request's number says.
    #[allow(unsafe_code)]
    let rc = unsafe { ioctl(dir.as_raw_fd(), BTRFS_IOC_FS_INFO, info.as_mut_ptr()) };
    (rc == 0).then(|| {
        let h: String = info[16..32].iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )
    })
}

/// The devices of the btrfs file system `fsid` (`/sys/fs/btrfs/FSID/devices/`, a partition by
/// its own name: `loop0p1`); `None` where the kernel does not say.
fn btrfs_devices(fsid: &str) -> Option<Vec<String>> {
    let members = std::fs::read_dir(format!("/sys/fs/btrfs/{fsid}/devices")).ok()?;
    Some(
        members
            .flatten()
            .filter_map(|m| m.file_name().into_string().ok())
            .collect(),
    )
}

/// Every device any btrfs on the host reads (`/sys/fs/btrfs/*/devices/`): a superset of one
/// btrfs's, for a btrfs that cannot be asked its id. `None` where the kernel does not say.
fn every_btrfs_device() -> Option<Vec<String>> {
    let filesystems = std::fs::read_dir("/sys/fs/btrfs").ok()?;
    let ids = filesystems
        .flatten()
        .filter_map(|f| f.file_name().into_string().ok());
    Some(
        ids.filter(|id| id != "features")
            .filter_map(|id| btrfs_devices(&id))
            .flatten()
            .collect(),
    )
}

/// The kernel's name of block device `major:minor` (`loop0p1`, `nvme0n1p3`): the last part of
/// where `/sys/dev/block/MAJOR:MINOR` points.
fn block_device_name(major: &str, minor: &str) -> Option<String> {
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(major) || !digits(minor) {
        return None;
    }
    let target = std::fs::read_link(format!("/sys/dev/block/{major}:{minor}")).ok()?;
    target.file_name()?.to_str().map(str::to_string)
}

/// The device and inode of the file loop device `base` (`loop0`) reads, as `stat(2)` gives
/// them (`LOOP_GET_STATUS64` on `/dev/BASE`); `None` where its node cannot be opened (a
/// caller other than root) or does not answer.
fn loop_file_identity(base: &str) -> Option<(u64, u64)> {
    use std::os::fd::AsRawFd;
    /// `struct loop_info64`'s size: `lo_device` is its bytes 0-7, `lo_inode` 8-15.
    const LOOP_INFO64_BYTES: usize = 232;
    const LOOP_GET_STATUS64: std::ffi::c_ulong = 0x4C05;
    // SAFETY: the C library's `ioctl(2)`, declared with its C signature (variadic).
    #[allow(unsafe_code)]
    unsafe extern "C" {
        fn ioctl(fd: std::ffi::c_int, request: std::ffi::c_ulong, ...) -> std::ffi::c_int;
    }
    let node = format!("/dev/{base}");
    // Only the loop device the kernel names: a node of that name that is something else (a
    // container's `/dev`) is not asked.
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(&node)
        .ok()
        .filter(|m| m.file_type().is_block_device())?;
    let device = open_read(Path::new(&node), O_NOFOLLOW | O_NONBLOCK).ok()?;
    let mut info = [0u8; LOOP_INFO64_BYTES];
    // SAFETY: `device` is an open descriptor for the call's length, and `info` a writable
    // buffer of the kernel's `struct loop_info64` size, as the request expects.
    #[allow(unsafe_code)]
    let rc = unsafe { ioctl(device.as_raw_fd(), LOOP_GET_STATUS64, info.as_mut_ptr()) };
    let word = |at: usize| u64::from_ne_bytes(info[at..at + 8].try_into().unwrap_or_default());
    (rc == 0).then(|| (word(0), word(8)))
}

/// The files loop device `base` (`loop0`) reads: its backing file, or, where that is itself a
/// loop device (a loop over a loop), that one's, to a depth of four; unnamed where the kernel
/// cannot say (a path longer than a page). A file at or beneath a FUSE or network mount
/// (`waits`) is named, never looked up. Where the caller may ask the loop device which file
/// it reads (device and inode: root may), a name that names another file here (the loop set up
/// in another mount namespace, or through a mount since detached) is no name.
fn loop_images(base: &str, depth: usize, waits: &dyn Fn(&[u8]) -> bool, any_share: bool) -> Vec<DiskImage> {
    use std::os::unix::fs::FileTypeExt;
    let Some(file) = read_sys_line(Path::new(&format!("/sys/block/{base}/loop/backing_file"))) else {
        return vec![DiskImage::Unnamed(format!(
            "{base}, whose file the kernel cannot name"
        ))];
    };
    // A file deleted while attached: the kernel names it `PATH (deleted)`, and a second hard
    // link, anywhere on its file system, still reads it. Which folder holds one is unknown.
    if file.ends_with(DELETED) {
        return vec![DiskImage::Unnamed(format!(
            "{base}, whose file was deleted while attached"
        ))];
    }
    // A file on a share (an ISO loop-mounted from a NAS, a disk image opened from an SMB
    // folder) is judged by the name the kernel gives it: looking it up waits on the share's
    // program or server, which may never answer (the thirty-fifth pass's last look stopped a
    // FUSE share and every call hung). So would asking the loop device which file it reads
    // (the kernel asks the share), so a name set up in another mount namespace is taken as
    // it reads here (docs/SECURITY.md).
    if waits(&file) {
        return vec![DiskImage::File(file)];
    }
    // A file that is itself a loop device, wherever its node lies (`/dev/loop0`, a node made
    // elsewhere: the fifth look's): that one's file, to a depth of four.
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    // Where any share is mounted, the name is followed one part at a time, and a link onto a
    // share is judged by the name (a folder covered since by one holding a link there: the
    // thirty-sixth pass's last look hung every call, root and rootless).
    let meta = match any_share {
        false => std::fs::metadata(std::ffi::OsStr::from_bytes(&file)),
        true => match walk_short_of(&file, waits) {
            Walked::Real(real) => std::fs::metadata(os(&real)),
            Walked::Waits => return vec![DiskImage::File(file)],
            Walked::Failed { denied: true } => Err(std::io::ErrorKind::PermissionDenied.into()),
            Walked::Failed { denied: false } => Err(std::io::ErrorKind::NotFound.into()),
        },
    };
    // One the caller may not look at (below a folder only root may search) is one no source
    // of this caller reads: named, not a reason to refuse every source (the thirty-fifth
    // pass's second look: every rootless session refused while root had such an image mounted).
    if meta
        .as_ref()
        .is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
    {
        return vec![DiskImage::File(file)];
    }
    // What the kernel names is no longer a file or a device (a node removed, or a folder in
    // its place: the thirty-fifth pass's look): what the loop device reads is unknown.
    let Some(meta) = meta
        .ok()
        .filter(|m| m.is_file() || m.file_type().is_block_device())
    else {
        return vec![DiskImage::Unnamed(format!(
            "{base}, whose file's name now names no file"
        ))];
    };
    // The file the kernel gave the loop device, asked of the device itself (root may): the
    // name is where it was opened, in the mount namespace that opened it or through a mount
    // since detached, and may name another file here (the thirty-sixth pass's look bound a
    // local folder over a decoy's in another namespace). Asked only once the name names a
    // file here: the kernel asks the file's own file system, and one gone from this table (a
    // share unmounted lazily, its server gone) would hold the call (the same pass's look).
    if loop_file_identity(base).is_some_and(|(dev, ino)| (dev, ino) != (meta.dev(), meta.ino())) {
        return vec![DiskImage::Unnamed(format!(
            "{base}, whose file's name names another file here"
        ))];
    }
    let inner = Some(meta)
        .filter(|m| m.file_type().is_block_device())
        .and_then(|m| {
            block_device_name(
                &libc_major(m.rdev()).to_string(),
                &libc_minor(m.rdev()).to_string(),
            )
        })
        .and_then(|name| loop_device(format!("/dev/{name}").as_bytes()).map(str::to_string));
    match inner {
        Some(inner) if depth < 4 => loop_images(&inner, depth + 1, waits, any_share),
        Some(inner) => vec![DiskImage::Unnamed(format!("{inner}, a loop over four others"))],
        None => vec![DiskImage::File(file)],
    }
}

/// How the kernel ends the name of a file deleted while a loop device reads it.
const DELETED: &[u8] = b" (deleted)";

/// The loop device a device path names (`loop2` of `/dev/loop2` and of its partition
/// `/dev/loop2p1`), if it names one.
fn loop_device(path: &[u8]) -> Option<&str> {
    let name = std::str::from_utf8(path.strip_prefix(b"/dev/")?).ok()?;
    let digits = name.strip_prefix("loop")?;
    let n = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
    let partition = &digits[n..];
    let well_formed = n > 0
        && (partition.is_empty()
            || partition
                .strip_prefix('p')
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())));
    well_formed.then(|| &name[..4 + n])
}

/// A sysfs file's one line, without its line break (at most a page: what sysfs shows).
fn read_sys_line(file: &Path) -> Option<Vec<u8>> {
    let line = read_kernel_file(file, 4096 + 1, Some(4096 + 1))?;
    line.strip_suffix(b"\n").map(<[u8]>::to_vec)
}

/// A file the kernel writes as it is read (`/proc`, `/sys`: no size to ask), read to its end
/// into a buffer of `first` bytes, doubled as it fills, or to `most` bytes. Read by hand:
/// std's `read_to_end` asks the file's size and position first, two system calls for a file
/// that has neither, then starts at 32 bytes.
fn read_kernel_file(file: &Path, first: usize, most: Option<usize>) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut f = open_read(file, 0).ok()?;
    let mut out = vec![0; first];
    let mut got = 0;
    loop {
        if got == out.len() {
            if most.is_some_and(|m| got >= m) {
                break;
            }
            out.resize(got * 2, 0);
        }
        match f.read(&mut out[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    out.truncate(got);
    Some(out)
}

/// How long a share is given to say where a file on it leads ([`found_within`]).
const SHARE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(2);

/// What a path a file system reads as a disk leads to.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    /// A file, at this path (links followed).
    File(Vec<u8>),
    /// A block device, this one (`st_rdev`).
    Block(u64),
    /// Something else (a folder, a pipe).
    Other,
    /// Nothing the caller may look at: a folder on the way it may not search.
    Denied,
    /// Nothing, or too many links.
    Missing,
}

impl Found {
    /// What `meta`, asked of `real`, says.
    fn of(real: Vec<u8>, meta: std::io::Result<std::fs::Metadata>) -> Found {
        use std::os::unix::fs::FileTypeExt;
        match meta {
            Ok(m) if m.file_type().is_block_device() => Found::Block(m.rdev()),
            Ok(m) if m.is_file() => Found::File(real),
            Ok(_) => Found::Other,
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Found::Denied,
            Err(_) => Found::Missing,
        }
    }

    /// As bytes, for a pipe: a tag, then the device or the path.
    fn encode(&self) -> Vec<u8> {
        match self {
            Found::File(path) => [&[0u8][..], path].concat(),
            Found::Block(rdev) => [&[1u8][..], &rdev.to_ne_bytes()].concat(),
            Found::Other => vec![2],
            Found::Denied => vec![3],
            Found::Missing => vec![4],
        }
    }

    /// [`Self::encode`]'s bytes read back; `None` for any other.
    fn decode(bytes: &[u8]) -> Option<Found> {
        let (&tag, rest) = bytes.split_first()?;
        match tag {
            0 if rest.starts_with(b"/") => Some(Found::File(rest.to_vec())),
            1 => Some(Found::Block(u64::from_ne_bytes(rest.try_into().ok()?))),
            2 if rest.is_empty() => Some(Found::Other),
            3 if rest.is_empty() => Some(Found::Denied),
            4 if rest.is_empty() => Some(Found::Missing),
            _ => None,
        }
    }
}
/// [`Found`] of `path`, links followed, asked by a process of its own given `deadline`; `None`
/// where no answer came in time. A share whose program has read the request and never answers
/// holds the asker in a wait no signal ends (FUSE's, once a request is its program's): a thread
/// so held kept the whole call from exiting or `exec`ing (the thirty-sixth pass's look), a
/// process is left behind. That process is the child of a child that exits at once, so nothing
/// of it is left as the runtime's child; it is killed once the deadline passes, which ends it
/// where its wait yields to that (a stopped program's request, NFS's).
fn found_within(path: &[u8], deadline: std::time::Duration) -> Option<Found> {
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
    #[repr(C)]
    struct PollFd {
        fd: i32,
        events: i16,
        revents: i16,
    }
    const POLLIN: i16 = 1;
    const SIGKILL: i32 = 9;
    // SAFETY: the C library's functions, declared with their C signatures.
    #[allow(unsafe_code)]
    unsafe extern "C" {
        fn fork() -> i32;
        fn _exit(status: i32) -> !;
        fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
        fn kill(pid: i32, signal: i32) -> i32;
        fn poll(fds: *mut PollFd, count: u64, timeout: i32) -> i32;
        fn pipe2(fds: *mut i32, flags: i32) -> i32;
        fn dup2(from: i32, to: i32) -> i32;
        fn close(fd: i32) -> i32;
        fn chdir(path: *const std::ffi::c_char) -> i32;
    }
    let mut ends = [0i32; 2];
    // SAFETY: `ends` holds the two descriptors the call writes.
    #[allow(unsafe_code)]
    if unsafe { pipe2(ends.as_mut_ptr(), open_how::O_CLOEXEC as i32) } != 0 {
        return None;
    }
    // SAFETY: two descriptors just made, each owned once here.
    #[allow(unsafe_code)]
    let (mut reader, mut writer) = unsafe {
        use std::os::fd::FromRawFd;
        (
            std::fs::File::from_raw_fd(ends[0]),
            std::fs::File::from_raw_fd(ends[1]),
        )
    };
    // SAFETY: the shim has one thread here, so the child's copy of the process (its allocator
    // among it) is whole; the child asks, writes and ends with `_exit`, running nothing of the
    // parent's at exit.
    #[allow(unsafe_code)]
    let child = unsafe { fork() };
    if child < 0 {
        return None;
    }
    if child == 0 {
        // SAFETY: as above, in the child.
        #[allow(unsafe_code)]
        let grandchild = unsafe { fork() };
        if grandchild != 0 {
            let _ = writer.write_all(&grandchild.to_ne_bytes());
            // SAFETY: ends this process at once.
            #[allow(unsafe_code)]
            unsafe {
                _exit(0)
            };
        }
        drop(reader);
        // Nothing of the caller's is kept by a process that may outlive it: its output (a
        // caller reading `docker`'s output to its end would wait for this process too), files
        // it holds open for the runtime, its working folder.
        let keep = writer.as_raw_fd();
        let null = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null")
            .map(std::os::fd::IntoRawFd::into_raw_fd);
        let limit = std::fs::read_dir("/proc/self/fd")
            .map(|fds| {
                fds.flatten()
                    .filter_map(|f| f.file_name().to_str()?.parse::<i32>().ok())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_else(|_| (0..1024).collect());
        // SAFETY: descriptors of this process alone (a copy of the caller's), replaced or
        // closed before anything else runs in it; `/` is a valid NUL-terminated path.
        #[allow(unsafe_code)]
        unsafe {
            for fd in 0..3 {
                match null {
                    Ok(n) => dup2(n, fd),
                    Err(_) => close(fd),
                };
            }
            for fd in limit.into_iter().filter(|&fd| fd > 2 && fd != keep) {
                close(fd);
            }
            chdir(c"/".as_ptr());
        }
        let found = match std::fs::canonicalize(os(path)) {
            Ok(real) => {
                let meta = std::fs::metadata(&real);
                Found::of(real.into_os_string().into_encoded_bytes(), meta)
            }
            Err(e) => Found::of(Vec::new(), Err(e)),
        };
        let _ = writer.write_all(&found.encode());
        // SAFETY: ends this process at once.
        #[allow(unsafe_code)]
        unsafe {
            _exit(0)
        };
    }
    drop(writer);
    let mut status = 0;
    // SAFETY: waits for the child made above, which exits at once.
    #[allow(unsafe_code)]
    unsafe {
        waitpid(child, &mut status, 0)
    };
    let mut pid = [0u8; 4];
    reader.read_exact(&mut pid).ok()?;
    let asker = i32::from_ne_bytes(pid);
    let until = std::time::Instant::now() + deadline;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = until.saturating_duration_since(std::time::Instant::now());
        let mut fd = PollFd {
            fd: reader.as_raw_fd(),
            events: POLLIN,
            revents: 0,
        };
        // SAFETY: one valid `pollfd` for the call's length.
        #[allow(unsafe_code)]
        let ready = unsafe { poll(&mut fd, 1, left.as_millis().min(i32::MAX as u128) as i32) };
        if ready < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        if ready <= 0 {
            if asker > 0 {
                // SAFETY: signals the process made above, which has not answered.
                #[allow(unsafe_code)]
                unsafe {
                    kill(asker, SIGKILL)
                };
            }
            return None;
        }
        match reader.read(&mut buf) {
            Ok(0) => return Found::decode(&answer),
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// Where an absolute path leads ([`walk_short_of`]).
enum Walked {
    /// This path, every link in it followed.
    Real(Vec<u8>),
    /// A name at or beneath a FUSE or network mount, not looked up.
    Waits,
    /// A part of it that is not there, or too many links; `denied`: a folder the caller may not
    /// search.
    Failed { denied: bool },
}

/// Where absolute `path` leads, its links followed as the kernel follows them, one name at a
/// time, so that nothing at or beneath a FUSE or network mount (`waits`) is looked up: a file
/// system mounted from a file there (an image on a share) would make every call wait on a
/// program or server that may never answer (the thirty-fifth pass's last look).
fn walk_short_of(path: &[u8], waits: &dyn Fn(&[u8]) -> bool) -> Walked {
    use std::os::unix::ffi::OsStringExt;
    /// Links followed before giving up, as the kernel's `ELOOP`.
    const MOST_LINKS: usize = 40;
    let mut real: Vec<u8> = Vec::new();
    // The names still to follow, the next last.
    let mut rest: Vec<Vec<u8>> = path.split(|&b| b == b'/').rev().map(<[u8]>::to_vec).collect();
    let mut links = 0;
    while let Some(name) = rest.pop() {
        match name.as_slice() {
            b"" | b"." => continue,
            b".." => {
                let up = real.iter().rposition(|&b| b == b'/').unwrap_or(0);
                real.truncate(up);
                continue;
            }
            _ => {}
        }
        let next = [real.as_slice(), b"/", &name].concat();
        if waits(&next) {
            return Walked::Waits;
        }
        match std::fs::symlink_metadata(os(&next)) {
            Ok(m) if m.file_type().is_symlink() => {
                links += 1;
                let Some(target) = std::fs::read_link(os(&next)).ok().filter(|_| links <= MOST_LINKS) else {
                    return Walked::Failed { denied: false };
                };
                let target = target.into_os_string().into_vec();
                if target.starts_with(b"/") {
                    real.clear();
                }
                rest.extend(target.split(|&b| b == b'/').rev().map(<[u8]>::to_vec));
            }
            Ok(_) => real = next,
            Err(e) => {
                return Walked::Failed {
                    denied: e.kind() == std::io::ErrorKind::PermissionDenied,
                };
            }
        }
    }
    match real.is_empty() {
        true => Walked::Real(b"/".to_vec()),
        false => Walked::Real(real),
    }
}

impl HostFs for RealFs {
    fn mount_table(&self) -> Option<Vec<u8>> {
        // `/proc` reports a size of 0, so std's `read` would start at 32 bytes and double: eight
        // `read`s for a host's 3 KB table. 16 KiB up front: two (the table, then its end).
        let table = read_kernel_file(Path::new("/proc/self/mountinfo"), 16 << 10, None)?;
        (!table.is_empty()).then_some(table)
    }

    fn disk_images(&self, mount: &Backing<'_>) -> Vec<DiskImage> {
        let Backing {
            dev,
            kind,
            source,
            points,
            waits,
            any_share,
        } = *mount;
        let shown = || String::from_utf8_lossy(source).into_owned();
        let Some((major, minor)) = std::str::from_utf8(dev).ok().and_then(|d| d.split_once(':')) else {
            return Vec::new();
        };
        let (mut major, mut minor) = (major.to_string(), minor.to_string());
        // A btrfs's devices as the kernel knows them, by its id (asked of where it is mounted):
        // no name in the table is needed, which may name no device here (`/dev/root` on a host
        // booted without an initramfs, a container's view of the host's disk: the thirty-fifth
        // pass's fifth look had every source refused so) or another one since (a node swapped,
        // removed, or named relatively). Where no folder of it can be asked (every one covered,
        // beneath a share, or one the caller may not open: the last look's), it reads some of
        // the devices every btrfs reads.
        if kind == b"btrfs" {
            let asked = (points.iter()).find_map(|(point, id)| btrfs_fsid(point, *id));
            let Some(devices) = asked
                .and_then(|id| btrfs_devices(&id))
                .or_else(every_btrfs_device)
            else {
                return vec![DiskImage::Unnamed(format!(
                    "{} (a btrfs whose devices the kernel does not list)",
                    shown()
                ))];
            };
            return (devices.iter())
                .filter_map(|d| loop_device(format!("/dev/{d}").as_bytes()).map(str::to_string))
                .flat_map(|base| loop_images(&base, 0, waits, any_share))
                .collect();
        }
        // A number the kernel made up (a FUSE or file-backed file system's) says nothing of a
        // device, and only the source can; any other is the device the file system reads, and
        // the source, a name that may since name something else, is not asked (the
        // thirty-fifth pass's looks swapped an ext4's node outside `/dev` for another loop
        // device's and for a file, hid it in a folder the caller cannot search, and removed an
        // NTFS stick's node while ntfs-3g had it mounted). A source named from its mounter's
        // folder, which the table does not say, is not followed (docs/SECURITY.md).
        if major == "0" {
            if !source.starts_with(b"/") {
                return Vec::new();
            }
            // What the source is, links followed: a device node (under `/dev` or made
            // elsewhere) says the device; a file is what a FUSE file system or an erofs reads
            // as a disk.
            let gone = || {
                vec![DiskImage::Unnamed(format!(
                    "{} (the file a file system reads, no longer there)",
                    shown()
                ))]
            };
            let found = match walk_short_of(source, waits) {
                Walked::Real(real) => {
                    let meta = std::fs::metadata(os(&real));
                    Found::of(real, meta)
                }
                // A name on a share may be a link to any folder (the thirty-sixth pass's look
                // read a key so when it was judged by its name): asked all the same, by a
                // process given a deadline, so that a share that does not answer makes a call
                // wait that long and no longer; then where the file lies is unknown.
                Walked::Waits => match found_within(source, SHARE_DEADLINE) {
                    Some(found) => found,
                    None => {
                        return vec![DiskImage::Unnamed(format!(
                            "{} (the file a file system reads, on a share that did not answer)",
                            shown()
                        ))];
                    }
                },
                Walked::Failed { denied: true } => Found::Denied,
                Walked::Failed { denied: false } => Found::Missing,
            };
            match found {
                Found::Block(rdev) => {
                    (major, minor) = (libc_major(rdev).to_string(), libc_minor(rdev).to_string());
                }
                Found::File(real) => return vec![DiskImage::File(real)],
                // A file below a folder the caller may not search (a rootless caller under
                // root's mounts) is one no source of this caller reads: judged by its name, not
                // a reason to refuse every source.
                Found::Denied => return vec![DiskImage::File(source.to_vec())],
                // The file a file system reads, gone from its name (renamed or removed after the
                // mount: the thirty-fifth pass's look moved a `fuse2fs` image and an erofs one):
                // which folder holds it is unknown.
                Found::Missing if kind == b"file" => return gone(),
                Found::Missing | Found::Other => return Vec::new(),
            }
        }
        // The kernel's name of the device (`loop0`, its partition `loop0p1`, `nvme0n1p3`).
        let Some(name) = block_device_name(&major, &minor) else {
            return Vec::new();
        };
        loop_device(format!("/dev/{name}").as_bytes())
            .map(|base| loop_images(base, 0, waits, any_share))
            .unwrap_or_default()
    }

    fn identity(&self, path: &[u8]) -> Option<Identity> {
        // A plain absolute path (no `.`, `..` or empty component) walked without following a
        // single link is where the file is: two system calls, and no `readlink` of the
        // descriptor to learn it. A link on the way (`ELOOP`), or a kernel older than 5.6,
        // takes the general way below.
        if plain(path) {
            use open_how::*;
            match openat2(AT_FDCWD, path, O_PATH | O_CLOEXEC, RESOLVE_NO_SYMLINKS) {
                Ok(f) => {
                    use std::os::fd::AsRawFd;
                    let st = statx(f.as_raw_fd()).ok()?;
                    // Left open until the `exec` closes it: one system call fewer.
                    std::mem::forget(f);
                    if let Some(stamp) = st.dir {
                        with_kept(&LAST_DIR, |last| *last = Some((path.to_vec(), stamp)));
                    }
                    return Some(Identity {
                        real: path.to_vec(),
                        dev: st.dev,
                        ino: st.ino,
                        birth: st.birth,
                        is_dir: st.dir.is_some(),
                        is_socket: st.is_socket,
                        mount_id: st.mount_id,
                    });
                }
                Err(e) if matches!(e.raw_os_error(), Some(ELOOP | ENOSYS | EPERM)) => {}
                Err(_) => return None,
            }
        }
        use std::os::fd::AsRawFd;
        /// `open(2)`'s "a reference, not for reading": a folder or a file of any mode opens.
        const O_PATH: i32 = 0o10000000;
        let f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(O_PATH)
            .open(os(path))
            .ok()?;
        let st = statx(f.as_raw_fd()).ok()?;
        let real = std::fs::read_link(format!("/proc/self/fd/{}", f.as_raw_fd())).ok()?;
        Some(Identity {
            real: real.into_os_string().into_vec(),
            dev: st.dev,
            ino: st.ino,
            birth: st.birth,
            is_dir: st.dir.is_some(),
            is_socket: st.is_socket,
            mount_id: st.mount_id,
        })
    }

    fn lstat(&self, path: &[u8]) -> Option<FileKind> {
        let m = std::fs::symlink_metadata(os(path)).ok()?;
        if m.is_dir() {
            with_kept(&LAST_DIR, |last| *last = Some((path.to_vec(), stamp_of(&m))));
        }
        Some(kind(m.file_type()))
    }

    fn read_link(&self, path: &[u8]) -> Option<Vec<u8>> {
        std::fs::read_link(os(path))
            .ok()
            .map(|t| t.into_os_string().into_vec())
    }

    fn list(
        &self,
        dir: &[u8],
        limit: usize,
        each: &mut dyn FnMut(&[u8], FileKind) -> ControlFlow<()>,
    ) -> Listed {
        let Ok(listing) = std::fs::read_dir(os(dir)) else {
            return Listed::Unreadable;
        };
        for (i, entry) in listing.enumerate() {
            if i >= limit {
                return Listed::TooLong;
            }
            // The type comes from the listing itself (`d_type`); std falls back to `lstat` on
            // file systems that do not fill it in.
            let Ok((name, t)) = entry.and_then(|e| Ok((e.file_name(), e.file_type()?))) else {
                return Listed::Unreadable;
            };
            if each(name.as_bytes(), kind(t)).is_break() {
                return Listed::Stopped;
            }
        }
        Listed::Done
    }

    fn list_stamped(
        &self,
        dir: &[u8],
        stamp: Stamp,
        limit: usize,
        each: &mut dyn FnMut(&[u8], FileKind) -> ControlFlow<()>,
    ) -> Listed {
        use std::os::unix::fs::OpenOptionsExt;
        use std::os::unix::io::AsRawFd;
        // Opened without following a last link, asked who it is, and listed through the
        // descriptor (`/proc/self/fd/N` opens the very directory held open).
        let Ok(held) = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(O_NOFOLLOW | O_NONBLOCK)
            .open(os(dir))
        else {
            return Listed::Unreadable;
        };
        match held.metadata() {
            Ok(m) if m.is_dir() && m.dev() == stamp.dev && m.ino() == stamp.ino => {}
            _ => return Listed::Unreadable,
        }
        self.list(
            format!("/proc/self/fd/{}", held.as_raw_fd()).as_bytes(),
            limit,
            each,
        )
    }

    fn stamp(&self, dir: &[u8]) -> Option<Stamp> {
        // Taken from the `lstat` just made of the same directory, if that was the last one (the
        // stamp is then as old as what the resolution saw, which is what it must match), or
        // from one made earlier in this call (older still, see `saw`).
        let last = with_kept(&LAST_DIR, |last| match last.take() {
            Some((p, s)) if p == dir => Some(s),
            _ => None,
        });
        let known = last.or_else(|| {
            with_kept(&SEEN_DIRS, |seen| {
                seen.iter()
                    .find(|(p, _, at)| p == dir && at.elapsed() < FRESH)
                    .map(|(_, s, _)| *s)
            })
        });
        if known.is_some() {
            return known;
        }
        let m = std::fs::symlink_metadata(os(dir)).ok()?;
        m.is_dir().then(|| stamp_of(&m))
    }

    fn keeps_ctime(&self, dir: &[u8]) -> bool {
        statfs_type(dir).is_some_and(|t| LOCAL_FILE_SYSTEMS.contains(&t))
    }

    fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }

    fn namespace(&self) -> Option<u64> {
        // Asked by the lists and by the mounted directories: once per process.
        static NAMESPACE: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
        *NAMESPACE.get_or_init(|| {
            root_mount().or_else(|| std::fs::metadata("/proc/self/ns/mnt").ok().map(|m| m.ino()))
        })
    }

    fn read_small(&self, path: &[u8], limit: usize) -> SmallFile {
        use std::io::ErrorKind;
        // Non-blocking: a FIFO named as an env file must not hang the docker call (it is not a
        // regular file, so it is not read).
        let f = match open_read(Path::new(OsStr::from_bytes(path)), O_NONBLOCK) {
            Ok(f) => f,
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                return SmallFile::Missing;
            }
            Err(_) => return SmallFile::Unread("it cannot be read"),
        };
        small_file(f, limit)
    }

    fn read_small_in(&self, root: &[u8], name: &[u8], limit: usize) -> SmallFile {
        use open_how::*;
        use std::os::fd::AsRawFd;
        const O_DIRECTORY: u64 = 0o200000;
        const ENOENT: i32 = 2;
        const ENOTDIR: i32 = 20;
        let missing = |e: &std::io::Error| matches!(e.raw_os_error(), Some(ENOENT | ENOTDIR));
        let dir = match openat2(AT_FDCWD, root, O_PATH | O_DIRECTORY | O_CLOEXEC, 0) {
            Ok(d) => d,
            Err(e) if missing(&e) => return SmallFile::Missing,
            Err(_) => return SmallFile::Unread("its folder cannot be opened"),
        };
        let flags = O_NONBLOCK as u64 | O_CLOEXEC;
        let opened = match openat2(dir.as_raw_fd(), name, flags, RESOLVE_IN_ROOT) {
            // Before Linux 5.6: a name of one component, opened without following a link there.
            Err(e) if e.raw_os_error() == Some(ENOSYS) && !name.contains(&b'/') => {
                std::fs::OpenOptions::new()
                    .read(true)
                    .custom_flags(O_NONBLOCK | crate::hostfs::O_NOFOLLOW)
                    .open(OsStr::from_bytes(
                        &[format!("/proc/self/fd/{}/", dir.as_raw_fd()).as_bytes(), name].concat(),
                    ))
                    .map(std::os::fd::OwnedFd::from)
            }
            other => other,
        };
        // A link there that names nothing inside the folder is no missing file: an ignore file
        // dropped in silence let what it kept out into the image (the seventy-eighth look's).
        let linked = || {
            // A link at one of the name's own components (a missing file beneath a real folder
            // is only missing).
            let ends = name
                .iter()
                .enumerate()
                .filter(|&(_, &b)| b == b'/')
                .map(|(i, _)| i);
            ends.chain([name.len()]).any(|end| {
                std::fs::symlink_metadata(OsStr::from_bytes(&[root, b"/", &name[..end]].concat()))
                    .is_ok_and(|m| m.file_type().is_symlink())
            })
        };
        match opened {
            Ok(fd) => small_file(std::fs::File::from(fd), limit),
            Err(e) if missing(&e) && linked() => SmallFile::Unread(OUTSIDE),
            Err(e) if missing(&e) => SmallFile::Missing,
            Err(e) if e.raw_os_error() == Some(ELOOP) => SmallFile::Unread("it is a link"),
            Err(_) => SmallFile::Unread("it cannot be read"),
        }
    }

    fn read_private(&self, file: &Path, owner: u32) -> Option<Vec<u8>> {
        // Judged on the file opened, so that what is read is what was judged. A link is not
        // followed and a file with a second name is not read: the shim writes these files
        // afresh and renames them, so a link or a second name at one is someone's planting.
        let mut f = open_read(file, O_NOFOLLOW | O_NONBLOCK).ok()?;
        let m = f.metadata().ok()?;
        if !callers_alone(&m, owner) {
            return None;
        }
        // Files are replaced by renaming, never written in place: the size read is the size,
        // and nothing is read past it. One past [`MAX_WHOLE`] is no memory the shim wrote (the
        // look `gn`: a 4 GB sparse file there cost a call seconds and its size in memory).
        let len = usize::try_from(m.len()).ok().filter(|&l| l <= MAX_WHOLE)?;
        read_len(&mut f, len).ok().filter(|b| b.len() == len)
    }

    fn write_private(&self, file: &Path, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        let dir = file.parent().unwrap_or(Path::new("/"));
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        let tmp = dir.join(format!(".{name}.{}", std::process::id()));
        // Created afresh, never opened through what is there: in a folder someone else can
        // write (root with a user's `XDG_CACHE_HOME`), a planted symlink at this name would
        // otherwise have the write truncate its target. A leftover is removed (the name, not
        // what it points to); if one reappears, nothing is written.
        let _ = std::fs::remove_file(&tmp);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        f.write_all(bytes)?;
        drop(f);
        std::fs::rename(&tmp, file).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }

    fn prune(&self, dir: &Path, prefix: &str, keep: usize) {
        let Ok(listing) = std::fs::read_dir(dir) else {
            return;
        };
        let mut files: Vec<(std::time::SystemTime, std::path::PathBuf)> = listing
            .filter_map(Result::ok)
            .filter(|e| e.file_name().as_bytes().starts_with(prefix.as_bytes()))
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        if files.len() <= keep {
            return;
        }
        files.sort_unstable_by_key(|f| std::cmp::Reverse(f.0));
        for (_, path) in &files[keep..] {
            let _ = std::fs::remove_file(path);
        }
    }
}

use std::os::unix::ffi::OsStringExt;

/// An in-memory file system for tests: absolute paths (without a trailing `/`) to what is
/// there. Parent directories are implied by their children.
#[derive(Debug, Default)]
pub struct MemFs {
    nodes: BTreeMap<Vec<u8>, Node>,
    /// Directories' change times (seconds; 0, long ago, when not set).
    changed: BTreeMap<Vec<u8>, i64>,
    /// The clock.
    clock: i64,
    /// Private files written, by path.
    private: Mutex<BTreeMap<std::path::PathBuf, PrivateFile>>,
    /// Questions asked of the tree (`lstat`, `read_link`, `list`), for tests that count them.
    asked: std::sync::atomic::AtomicUsize,
    /// Directories on a file system that does not keep `ctime` (and everything beneath them).
    remote: Vec<Vec<u8>>,
    /// What files added with [`MemFs::file_with`] hold (for [`HostFs::read_small`]; a file
    /// added without contents reads as missing there).
    contents: BTreeMap<Vec<u8>, Vec<u8>>,
    /// The mount table cannot be read ([`MemFs::without_mount_table`]); otherwise it is empty:
    /// one file system, mounted once.
    no_mount_table: bool,
}

/// A file in [`MemFs`]'s private store: owner, mode, contents.
type PrivateFile = (u32, u32, Vec<u8>);

impl Clone for MemFs {
    fn clone(&self) -> Self {
        MemFs {
            nodes: self.nodes.clone(),
            changed: self.changed.clone(),
            clock: self.clock,
            private: Mutex::new(self.private.lock().map(|p| p.clone()).unwrap_or_default()),
            asked: std::sync::atomic::AtomicUsize::new(0),
            remote: self.remote.clone(),
            contents: self.contents.clone(),
            no_mount_table: self.no_mount_table,
        }
    }
}

#[derive(Debug, Clone)]
enum Node {
    Dir,
    File,
    Link(Vec<u8>),
}

impl MemFs {
    pub fn new() -> Self {
        MemFs::default()
    }

    fn add(mut self, path: &str, node: Node) -> Self {
        let path = path.trim_end_matches('/').as_bytes().to_vec();
        let mut at = 1;
        while let Some(cut) = path[at..].iter().position(|&b| b == b'/') {
            self.nodes.entry(path[..at + cut].to_vec()).or_insert(Node::Dir);
            at += cut + 1;
        }
        self.nodes.insert(path, node);
        self
    }

    /// A host whose mount table cannot be read (no `/proc`).
    pub fn without_mount_table(mut self) -> Self {
        self.no_mount_table = true;
        self
    }

    /// Adds a directory (and its parents).
    pub fn dir(self, path: &str) -> Self {
        self.add(path, Node::Dir)
    }

    /// Adds a file (and its parents).
    pub fn file(self, path: &str) -> Self {
        self.add(path, Node::File)
    }

    /// Adds a regular file at `path` holding `bytes` (and its parents).
    pub fn file_with(mut self, path: &str, bytes: &[u8]) -> Self {
        self.contents
            .insert(path.trim_end_matches('/').as_bytes().to_vec(), bytes.to_vec());
        self.add(path, Node::File)
    }

    /// Adds a symlink at `path` pointing to `target` (and the link's parents).
    pub fn link(self, path: &str, target: &str) -> Self {
        self.add(path, Node::Link(target.as_bytes().to_vec()))
    }

    /// Sets the clock (seconds since the epoch).
    pub fn at(mut self, now: i64) -> Self {
        self.clock = now;
        self
    }

    /// Puts `dir` and everything beneath it on a file system that does not keep `ctime`.
    pub fn remote(mut self, dir: &str) -> Self {
        self.remote.push(dir.as_bytes().to_vec());
        self
    }

    /// Records that directory `dir`'s entries changed at `time` (its `ctime`).
    pub fn changed(mut self, dir: &str, time: i64) -> Self {
        self.changed.insert(dir.as_bytes().to_vec(), time);
        self
    }

    /// Puts a private file in place as if someone wrote it: `owner`, `mode`, `bytes`.
    pub fn private_file(self, path: &str, owner: u32, mode: u32, bytes: &[u8]) -> Self {
        self.private
            .lock()
            .expect("not poisoned")
            .insert(path.into(), (owner, mode, bytes.to_vec()));
        self
    }

    /// A private file's contents, if written.
    pub fn private_contents(&self, path: &str) -> Option<Vec<u8>> {
        let files = self.private.lock().expect("not poisoned");
        files.get(Path::new(path)).map(|f| f.2.clone())
    }

    /// The paths of the private files written, in order.
    pub fn private_paths(&self) -> Vec<String> {
        let files = self.private.lock().expect("not poisoned");
        files.keys().map(|p| p.display().to_string()).collect()
    }

    /// How many questions about the tree (`lstat`, `read_link`, `list`) were asked so far.
    pub fn asked(&self) -> usize {
        self.asked.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn ask(&self) {
        self.asked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

impl MemFs {
    fn kind(&self, path: &[u8]) -> Option<FileKind> {
        if path == b"/" {
            return Some(FileKind::Dir);
        }
        self.nodes.get(path).map(|n| match n {
            Node::Dir => FileKind::Dir,
            Node::File => FileKind::File,
            Node::Link(_) => FileKind::Symlink,
        })
    }
}

impl HostFs for MemFs {
    fn mount_table(&self) -> Option<Vec<u8>> {
        (!self.no_mount_table).then(Vec::new)
    }

    fn identity(&self, path: &[u8]) -> Option<Identity> {
        // Links followed component by component, as the kernel does; the inode is the real
        // path's hash (one file system, device 1). One question, as the host's opening of a
        // path with no link on it is one (and its `statx`).
        self.ask();
        let mut real = Vec::new();
        let parts = crate::text::components_last_first;
        let mut rest = parts(path);
        let mut hops = 0;
        while let Some(c) = rest.pop() {
            if c == b".." {
                let cut = real.iter().rposition(|&b| b == b'/').unwrap_or(0);
                real.truncate(cut);
                continue;
            }
            let mut next = real.clone();
            next.push(b'/');
            next.extend_from_slice(&c);
            match self.nodes.get(&next)? {
                Node::Link(t) => {
                    hops += 1;
                    if hops > 40 {
                        return None;
                    }
                    if t.first() == Some(&b'/') {
                        real.clear();
                    }
                    rest.extend(parts(t));
                }
                _ => real = next,
            }
        }
        if real.is_empty() {
            real.push(b'/');
        }
        Some(Identity {
            dev: 1,
            ino: crate::fnv::hash(&real),
            birth: 0,
            is_dir: self.kind(&real) == Some(FileKind::Dir),
            is_socket: false,
            mount_id: 0,
            real,
        })
    }

    fn lstat(&self, path: &[u8]) -> Option<FileKind> {
        self.ask();
        self.kind(path)
    }

    fn read_small(&self, path: &[u8], limit: usize) -> SmallFile {
        match self.contents.get(path) {
            Some(b) if b.len() <= limit => SmallFile::Read(b.clone()),
            Some(_) => SmallFile::Unread("it is larger than the shim reads"),
            None => SmallFile::Missing,
        }
    }

    fn read_small_in(&self, root: &[u8], name: &[u8], limit: usize) -> SmallFile {
        // The kernel's RESOLVE_IN_ROOT: `..` stops at the root, a link's absolute target starts
        // there, a relative one from the link's folder.
        let mut todo: Vec<Vec<u8>> = name.rsplit(|&b| b == b'/').map(<[u8]>::to_vec).collect();
        let mut at: Vec<Vec<u8>> = Vec::new();
        let mut links = 0;
        while let Some(c) = todo.pop() {
            match c.as_slice() {
                b"" | b"." => continue,
                b".." => {
                    at.pop();
                    continue;
                }
                _ => at.push(c),
            }
            let path = [root, b"/", &at.join(&b'/')].concat();
            if let Some(Node::Link(t)) = self.nodes.get(&path) {
                links += 1;
                if links > 40 {
                    return SmallFile::Unread("it cannot be read");
                }
                at.pop();
                if t.first() == Some(&b'/') {
                    at.clear();
                }
                todo.extend(t.rsplit(|&b| b == b'/').map(<[u8]>::to_vec));
            }
        }
        match self.read_small(&[root, b"/", &at.join(&b'/')].concat(), limit) {
            SmallFile::Missing if links > 0 => SmallFile::Unread(OUTSIDE),
            other => other,
        }
    }

    fn read_link(&self, path: &[u8]) -> Option<Vec<u8>> {
        self.ask();
        match self.nodes.get(path)? {
            Node::Link(t) => Some(t.clone()),
            _ => None,
        }
    }

    fn list(
        &self,
        dir: &[u8],
        limit: usize,
        each: &mut dyn FnMut(&[u8], FileKind) -> ControlFlow<()>,
    ) -> Listed {
        self.ask();
        if self.kind(dir) != Some(FileKind::Dir) {
            return Listed::Unreadable;
        }
        let mut prefix = if dir == b"/" { Vec::new() } else { dir.to_vec() };
        prefix.push(b'/');
        let children = self
            .nodes
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .filter(|(p, _)| !p[prefix.len()..].contains(&b'/'));
        for (i, (path, _)) in children.enumerate() {
            if i >= limit {
                return Listed::TooLong;
            }
            let Some(k) = self.kind(path) else { continue };
            if each(&path[prefix.len()..], k).is_break() {
                return Listed::Stopped;
            }
        }
        Listed::Done
    }

    fn stamp(&self, dir: &[u8]) -> Option<Stamp> {
        (self.kind(dir) == Some(FileKind::Dir)).then(|| Stamp {
            dev: 1,
            ino: crate::fnv::hash(dir),
            ctime: self.changed.get(dir).copied().unwrap_or(0),
            ctime_nsec: 0,
        })
    }

    fn keeps_ctime(&self, dir: &[u8]) -> bool {
        !self
            .remote
            .iter()
            .any(|r| dir == r.as_slice() || (dir.starts_with(r) && dir.get(r.len()) == Some(&b'/')))
    }

    fn now(&self) -> i64 {
        self.clock
    }

    fn namespace(&self) -> Option<u64> {
        Some(1)
    }

    fn read_private(&self, file: &Path, owner: u32) -> Option<Vec<u8>> {
        let files = self.private.lock().ok()?;
        let (o, mode, bytes) = files.get(file)?;
        (*o == owner && mode & 0o022 == 0).then(|| bytes.clone())
    }

    fn write_private(&self, file: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let mut files = self
            .private
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        // Written by the caller, whose uid the tests name 1000.
        files.insert(file.to_path_buf(), (1000, 0o600, bytes.to_vec()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the asking process finds is read back as it was written, and nothing else reads.
    #[test]
    fn what_the_asker_finds_reads_back() {
        for found in [
            Found::File(b"/srv/img/vault.img".to_vec()),
            Found::Block(makedev(7, 3)),
            Found::Other,
            Found::Denied,
            Found::Missing,
        ] {
            assert_eq!(Found::decode(&found.encode()), Some(found));
        }
        for other in [&b""[..], b"\x00", b"\x00img", b"\x01\x07", b"\x02x", b"\x09"] {
            assert_eq!(Found::decode(other), None, "{other:?}");
        }
    }

    /// A source's links are followed one name at a time, and nothing at or beneath a share is
    /// looked up: the walk stops there.
    #[test]
    fn a_path_is_followed_short_of_a_share() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().canonicalize().unwrap();
        let t = d.as_os_str().as_bytes();
        std::fs::create_dir_all(d.join("real/sub")).unwrap();
        std::fs::write(d.join("real/sub/disk.img"), b"x").unwrap();
        std::os::unix::fs::symlink("real/sub", d.join("rel")).unwrap();
        std::os::unix::fs::symlink(d.join("real"), d.join("abs")).unwrap();
        std::os::unix::fs::symlink(d.join("share/x"), d.join("toshare")).unwrap();
        std::os::unix::fs::symlink("loop", d.join("loop")).unwrap();
        let at = |rest: &str| [t, rest.as_bytes()].concat();
        let share = at("/share");
        let waits = |p: &[u8]| p.starts_with(&share) && matches!(p.get(share.len()), None | Some(b'/'));
        let walked = |rest: &str| match walk_short_of(&at(rest), &waits) {
            Walked::Real(p) => format!("real {}", String::from_utf8_lossy(&p[t.len()..])),
            Walked::Waits => "waits".to_string(),
            Walked::Failed { denied } => format!("failed {denied}"),
        };
        assert_eq!(walked("/rel/disk.img"), "real /real/sub/disk.img");
        assert_eq!(walked("/abs/sub/../sub/./disk.img"), "real /real/sub/disk.img");
        assert_eq!(walked("/rel/../sub/disk.img"), "real /real/sub/disk.img");
        assert_eq!(walked("/toshare/y/disk.img"), "waits");
        assert_eq!(walked("/share/disk.img"), "waits");
        assert_eq!(walked("/real/none/disk.img"), "failed false");
        assert_eq!(walked("/loop/disk.img"), "failed false");
        assert!(matches!(walk_short_of(b"/", &waits), Walked::Real(p) if p == b"/"));
    }

    /// A loop device is known by its name, a partition of one too; nothing else is one.
    #[test]
    fn loop_devices_are_told_by_name() {
        assert_eq!(loop_device(b"/dev/loop0"), Some("loop0"));
        assert_eq!(loop_device(b"/dev/loop12p3"), Some("loop12"));
        for other in [
            &b"/dev/loop"[..],
            b"/dev/loop-control",
            b"/dev/loop1p",
            b"/dev/loop1x",
            b"/dev/nvme0n1p1",
            b"/dev/sda1",
            b"loop0",
            b"/dev/mapper/loop0",
        ] {
            assert_eq!(loop_device(other), None, "{}", String::from_utf8_lossy(other));
        }
    }

    /// The lock is the caller's file, kept open across the exec (close-on-exec cleared), and a
    /// second taker waits for it, then gives up; a link at its name is never followed.
    #[test]
    fn a_lock_is_held_across_the_exec_and_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let me = crate::process::euid();
        let file = dir.path().join("d").join("network-create.lock");
        lock_across_exec(&file, me, std::time::Duration::from_secs(1)).unwrap();
        let m = std::fs::metadata(&file).unwrap();
        assert_eq!(m.mode() & 0o777, 0o600);
        assert_eq!(
            std::fs::metadata(file.parent().unwrap()).unwrap().mode() & 0o777,
            0o700
        );
        // The open file this process keeps: not closed at an exec.
        let kept = std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| std::fs::read_link(e.path()).is_ok_and(|t| t == file))
            .map(|e| e.file_name().into_string().unwrap())
            .collect::<Vec<_>>();
        assert_eq!(kept.len(), 1, "{kept:?}");
        let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", kept[0])).unwrap();
        let flags = info
            .lines()
            .find_map(|l| l.strip_prefix("flags:"))
            .map(|f| u32::from_str_radix(f.trim(), 8).unwrap())
            .unwrap();
        assert_eq!(flags & 0o2_000_000, 0, "close-on-exec is set: {info}");
        // Another open file of the same lock waits, then says so.
        let e = lock_across_exec(&file, me, std::time::Duration::from_millis(100)).unwrap_err();
        assert!(e.contains("still held"), "{e}");
        let link = dir.path().join("d").join("link.lock");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(lock_across_exec(&link, me, std::time::Duration::from_millis(100)).is_err());
    }

    /// A file a container wrote is read plainly or not at all: not through a link (to
    /// `/dev/zero`: a read without end), not a FIFO (an open that never returns), at most the
    /// bytes asked for.
    #[test]
    fn a_plain_read_follows_no_link_and_opens_no_fifo() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        std::fs::write(&f, "from-the-container\n").unwrap();
        assert_eq!(read_plain(&f, 64).unwrap().0, b"from-the-container\n");
        assert_eq!(read_plain(&f, 4).unwrap().0, b"from");
        let link = d.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(read_plain(&link, 64).is_none());
        assert!(read_plain(Path::new("/dev/zero"), 64).is_none());
        let fifo = d.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(read_plain(&fifo, 64).is_none());
        }
        assert!(read_plain(&d.path().join("missing"), 64).is_none());
    }

    /// One walk serves every file in the cache folder within a call: a success is asked once
    /// per folder and owner, a failure every time.
    #[test]
    fn a_folder_found_safe_is_not_walked_again_at_once() {
        let asked = &std::cell::Cell::new(0);
        let check = |ok: bool| {
            move || {
                asked.set(asked.get() + 1);
                if ok { Ok(()) } else { Err("no".to_string()) }
            }
        };
        let (a, b) = (Path::new("/nowhere/a-once"), Path::new("/nowhere/b-once"));
        assert!(passed_once(b, 7, check(false)).is_err());
        assert!(passed_once(b, 7, check(false)).is_err());
        assert_eq!(asked.get(), 2, "a failure is asked again");
        assert!(passed_once(a, 7, check(true)).is_ok());
        assert!(passed_once(a, 7, check(false)).is_ok());
        assert_eq!(asked.get(), 3, "a success stands");
        assert!(passed_once(a, 8, check(false)).is_err(), "for its owner only");
        assert!(passed_once(b, 7, check(true)).is_ok());
        assert_eq!(asked.get(), 5);
    }

    #[test]
    fn an_opened_path_says_where_and_which_file_it_is() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().canonicalize().unwrap();
        std::fs::create_dir(real.join("d")).unwrap();
        std::fs::write(real.join("d/f"), "x").unwrap();
        std::os::unix::fs::symlink(real.join("d"), real.join("l")).unwrap();
        let m = std::fs::metadata(real.join("d/f")).unwrap();
        // The birth time, where the file system keeps one (std asks statx on glibc).
        let birth = m.created().ok().map_or(0, |t| {
            let d = t.duration_since(std::time::UNIX_EPOCH).unwrap();
            d.as_secs() * 1_000_000_000 + u64::from(d.subsec_nanos())
        });
        let want = |p: &std::path::Path| Identity {
            real: p.as_os_str().as_bytes().to_vec(),
            dev: m.dev(),
            ino: m.ino(),
            birth,
            is_dir: false,
            is_socket: false,
            // The mount it lies on: the folder's own.
            mount_id: {
                use std::os::fd::AsRawFd;
                let d = std::fs::File::open(&real).unwrap();
                statx(d.as_raw_fd()).unwrap().mount_id
            },
        };
        // A plain path, and one through a link or with `..`: the same file, where it really is,
        // on the same mount.
        for asked in [real.join("d/f"), real.join("l/f"), real.join("d/../l/f")] {
            let id = RealFs.identity(asked.as_os_str().as_bytes()).unwrap();
            assert_ne!(id.mount_id, 0);
            assert_eq!(id, want(&real.join("d/f")), "{}", asked.display());
        }
        assert_eq!(RealFs.identity(real.join("missing").as_os_str().as_bytes()), None);
        assert!(
            plain(b"/a/b")
                && !plain(b"/a/./b")
                && !plain(b"/a/../b")
                && !plain(b"/a//b")
                && !plain(b"a/b")
                && !plain(b"/a/")
        );
    }

    #[test]
    fn a_whole_file_is_read_whatever_size_it_reports() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("policy.toml");
        std::fs::write(&f, "mode = \"audit\"\n").unwrap();
        assert_eq!(read_whole(&f).unwrap(), "mode = \"audit\"\n");
        std::fs::write(&f, "").unwrap();
        assert_eq!(read_whole(&f).unwrap(), "");
        // A file whose reported size is 0 but which has text is read to its end, not as empty.
        let status = read_whole(Path::new("/proc/self/status")).unwrap();
        assert!(status.starts_with("Name:"), "{status:?}");
        // Past the cap, an error at once, whatever the file holds (the look `gn`: a sparse
        // policy of 1 GB took 20 s and its size in memory).
        std::fs::File::create(&f)
            .unwrap()
            .set_len(MAX_WHOLE as u64 + 1)
            .unwrap();
        let e = read_whole(&f).unwrap_err();
        assert!(e.to_string().contains("past 16 MiB"), "{e}");
    }

    #[test]
    fn a_remembered_stat_stands_for_one_call_only() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("runtime");
        std::fs::write(&f, b"").unwrap();
        assert_eq!(metadata_once(&f).map(|m| m.len()), Some(0));
        std::fs::write(&f, b"changed").unwrap();
        // Within one call the first answer serves every question ...
        assert_eq!(metadata_once(&f).map(|m| m.len()), Some(0));
        // ... and a caller that lives longer asks the kernel again.
        std::thread::sleep(FRESH + std::time::Duration::from_millis(50));
        assert_eq!(metadata_once(&f).map(|m| m.len()), Some(7));
    }

    #[test]
    fn private_files_are_the_owners_alone() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("cache/nanoclaw-shim/memory");
        RealFs.write_private(&file, b"first").unwrap();
        RealFs.write_private(&file, b"second").unwrap();
        let m = std::fs::metadata(&file).unwrap();
        assert_eq!(m.mode() & 0o777, 0o600);
        let dir = std::fs::metadata(file.parent().unwrap()).unwrap();
        assert_eq!(dir.mode() & 0o777, 0o700);
        let me = m.uid();
        assert_eq!(RealFs.read_private(&file, me).as_deref(), Some(&b"second"[..]));
        assert_eq!(RealFs.read_private(&file, me + 1), None, "someone else's");
        for (mode, judged) in [(0o620, "group-writable"), (0o606, "writable by all")] {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
            assert_eq!(RealFs.read_private(&file, me), None, "{judged}");
        }
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(
            RealFs.read_private(&file, me).is_some(),
            "readable by others is fine"
        );
        assert_eq!(RealFs.read_private(&d.path().join("none"), me), None);
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(file.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1);
        // A link to a private file, or a second name for one, is someone's planting: not read.
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(RealFs.read_private(&link, me), None, "a link");
        let second = d.path().join("second");
        std::fs::hard_link(&file, &second).unwrap();
        assert_eq!(RealFs.read_private(&second, me), None, "a second name");
        assert_eq!(RealFs.read_private(&file, me), None, "either name");
    }

    #[test]
    fn old_memories_are_pruned_newest_kept() {
        let d = tempfile::tempdir().unwrap();
        let start = std::time::SystemTime::now() - std::time::Duration::from_secs(1000);
        for i in 0..12u64 {
            let f = d.path().join(format!("host-paths.{i:02}"));
            std::fs::write(&f, "x").unwrap();
            let f = std::fs::File::options().write(true).open(&f).unwrap();
            f.set_modified(start + std::time::Duration::from_secs(i * 10))
                .unwrap();
        }
        std::fs::write(d.path().join("runtime-versions"), "x").unwrap();
        RealFs.prune(d.path(), "host-paths.", 8);
        let mut left: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut expected: Vec<String> = (4..12).map(|i| format!("host-paths.{i:02}")).collect();
        expected.push("runtime-versions".into());
        assert_eq!(left, expected);
    }

    #[test]
    fn a_planted_symlink_is_not_written_through() {
        let d = tempfile::tempdir().unwrap();
        let victim = d.path().join("victim");
        std::fs::write(&victim, "keep me").unwrap();
        let file = d.path().join("cache/memory");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        let tmp = d.path().join(format!("cache/.memory.{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &tmp).unwrap();
        RealFs.write_private(&file, b"memory").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
        assert_eq!(std::fs::read(&file).unwrap(), b"memory");
        assert!(!std::fs::symlink_metadata(&file).unwrap().file_type().is_symlink());
    }

    #[test]
    fn a_directory_stamp_changes_with_its_entries() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().as_os_str().as_bytes();
        let before = RealFs.stamp(dir).expect("a directory");
        assert_eq!(RealFs.stamp(dir), Some(before));
        // The clock ticks coarsely: wait until a change must show in `ctime`.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::os::unix::fs::symlink("/data/keys", d.path().join(".ssh")).unwrap();
        assert_ne!(RealFs.stamp(dir), Some(before));
        assert_eq!(RealFs.stamp(d.path().join(".ssh").as_os_str().as_bytes()), None);
        assert!(RealFs.namespace().is_some());
        // `/proc` keeps no change times worth the name; a missing path has no file system.
        assert!(!RealFs.keeps_ctime(b"/proc"));
        assert!(!RealFs.keeps_ctime(b"/nonexistent/nanoclaw-shim"));
        assert_eq!(statfs_type(b"/proc"), Some(0x9fa0), "procfs's magic number");
        assert!(RealFs.now() >= before.ctime);
    }

    #[test]
    fn the_root_mount_tells_mount_namespaces_apart() {
        const PRINT: &str = "NANOCLAW_SHIM_TEST_PRINT_ROOT_MOUNT";
        if std::env::var_os(PRINT).is_some() {
            println!("root-mount={}", root_mount().map_or(0, |id| id));
            return;
        }
        let here = root_mount().expect("Linux 5.8 or later gives the root's mount id");
        assert_eq!(root_mount(), Some(here));
        assert_eq!(RealFs.namespace(), Some(here));
        if crate::process::euid() != 0 {
            eprintln!("not root: a new mount namespace cannot be made here, part skipped");
            return;
        }
        // The same `/`, seen from a new mount namespace, is another mount.
        let out = std::process::Command::new("unshare")
            .args(["--mount", "--propagation", "unchanged", "--"])
            .arg(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "hostfs::tests::the_root_mount_tells_mount_namespaces_apart",
            ])
            .args(["--nocapture", "--test-threads", "1"])
            .env(PRINT, "1")
            .output()
            .expect("unshare (util-linux) runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let there: u64 = text
            .split_once("root-mount=")
            .map(|(_, id)| id.split(|c: char| !c.is_ascii_digit()).next().unwrap_or(""))
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("no id from the new namespace: {text}"));
        assert_ne!(there, 0, "the kernel gives the id in the new namespace too");
        assert_ne!(there, here, "a new mount namespace's root is another mount");
    }

    /// A listing remembered for a directory's stamp is a listing of that directory: one whose
    /// path now names another folder (a parent exchanged, the forty-eighth look's) is not
    /// listed, and the stamped one is, through the descriptor.
    #[test]
    fn a_stamped_listing_lists_the_stamped_directory() {
        let d = tempfile::tempdir().unwrap();
        let (judged, clean) = (d.path().join("a"), d.path().join("b"));
        std::fs::create_dir_all(judged.join("sub")).unwrap();
        std::fs::create_dir_all(clean.join("sub")).unwrap();
        std::fs::write(judged.join("sub/.env"), "").unwrap();
        let sub = judged.join("sub");
        let stamp = stamp_of(&std::fs::symlink_metadata(&sub).unwrap());
        let names = |dir: &std::path::Path| {
            let mut seen = Vec::new();
            let end = RealFs.list_stamped(dir.as_os_str().as_bytes(), stamp, 100, &mut |n, _| {
                seen.push(n.to_vec());
                ControlFlow::Continue(())
            });
            (end, seen)
        };
        assert_eq!(names(&sub), (Listed::Done, vec![b".env".to_vec()]));
        // The parents exchanged: the path names the clean folder now.
        std::fs::rename(&judged, d.path().join("x")).unwrap();
        std::fs::rename(&clean, &judged).unwrap();
        assert_eq!(names(&sub), (Listed::Unreadable, Vec::new()));
    }

    #[test]
    fn memory_answers_as_the_disk_does() {
        let d = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(d.path()).unwrap();
        let r = root.to_str().unwrap();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/f"), "").unwrap();
        std::os::unix::fs::symlink("b", root.join("a/l")).unwrap();
        let mem = MemFs::new()
            .dir(&format!("{r}/a/b"))
            .file(&format!("{r}/a/f"))
            .link(&format!("{r}/a/l"), "b");
        for p in ["a", "a/b", "a/f", "a/l", "a/missing", "a/f/under"] {
            let path = format!("{r}/{p}");
            assert_eq!(mem.lstat(path.as_bytes()), RealFs.lstat(path.as_bytes()), "{p}");
            assert_eq!(
                mem.read_link(path.as_bytes()),
                RealFs.read_link(path.as_bytes()),
                "{p}"
            );
        }
        let listing = |fs: &dyn HostFs, dir: &str| {
            let mut seen = Vec::new();
            let end = fs.list(dir.as_bytes(), 100, &mut |n, k| {
                seen.push((n.to_vec(), k));
                ControlFlow::Continue(())
            });
            seen.sort();
            (end, seen)
        };
        for dir in ["a", "a/b", "a/f", "nothing"] {
            let dir = format!("{r}/{dir}");
            assert_eq!(listing(&mem, &dir), listing(&RealFs, &dir), "{dir}");
        }
        assert_eq!(
            RealFs.list(format!("{r}/a").as_bytes(), 1, &mut |_, _| ControlFlow::Continue(
                ()
            )),
            Listed::TooLong
        );
        assert_eq!(
            mem.list(format!("{r}/a").as_bytes(), 1, &mut |_, _| ControlFlow::Continue(
                ()
            )),
            Listed::TooLong
        );
    }
}
