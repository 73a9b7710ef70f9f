//! What the runtime bind-mounted is checked against what the shim judged, inside the new
//! container, before anything in it runs: an OCI hook.
//!
//! A bind source is a path, resolved once when the shim judges it and again when the runtime
//! mounts it, from a mount namespace of its own (a descriptor cannot be handed over: the kernel
//! refuses to bind-mount `/proc/PID/fd/N` from another namespace). A running agent container
//! with a folder on that path mounted read-write can swap a component for a link to `~/.ssh`
//! in between, and the next container gets the host's keys (the red team's, in some tries). So
//! the shim records what it judged, as the identity (device and inode) of the file or folder it
//! opened and judged where the kernel says it is, in an annotation ([`KEY`]), and has the runtime
//! run this program as a `createContainer` hook: after the mounts, before `pivot_root`, in the
//! container's mount namespace. It finds the mount at each destination (resolved inside the
//! root, as the runtime resolves it) and refuses the container unless each is a distinct mount
//! whose root is the judged identity. Only the mounts the runtime made can be mount roots
//! there, and a swapped source is another inode: it never starts.
//!
//! The hook is named to podman with `--hooks-dir`, a folder in the shim's cache folder that holds
//! one hook file naming this binary ([`hook_file`]): written by the shim, the caller's alone,
//! named by a hash of its contents. The caller cannot name one of its own (`--hooks-dir` is
//! refused), nor forge or drop the annotation (the shim's namespace is its own).

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The annotation the expectations travel in.
pub const KEY: &str = "io.github.nanoclaw-shim.mounts";

/// podman's default hook folders (containers.conf's `hooks_dir`, and the folder that overrides
/// it): a `--hooks-dir` replaces them, so those that exist are named too.
pub const SYSTEM_FOLDERS: &[&str] = &["/usr/share/containers/oci/hooks.d", "/etc/containers/oci/hooks.d"];

/// The name the hook runs this binary under (argv\[0\] picks the personality).
pub const PROGRAM: &str = "nanoclaw-shim-mount-check";

/// What podman is told on the shim's argv before the hook folder is known ([`crate::shim`]
/// puts the folder in at the exec).
pub const FOLDER_PLACEHOLDER: &str = "<mount-check>";

/// One bind mount as the shim judged it: the runtime must mount exactly this file or folder at
/// `target`. A source that could not be opened is expected as `0:0`, which nothing is: the
/// runtime fails on a missing source anyway, and one created in between is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub dev: u64,
    pub ino: u64,
    /// The normalised container path.
    pub target: Vec<u8>,
}

/// The annotation's value: `DEV:INO:HEX(TARGET)` per mount, `;` between (podman splits an
/// annotation at commas; a target may hold any byte but NUL).
pub fn encode(mounts: &[Expected]) -> String {
    use std::fmt::Write;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(mounts.iter().map(|m| 42 + 2 * m.target.len()).sum());
    for (i, m) in mounts.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        let _ = write!(out, "{}:{}:", m.dev, m.ino);
        for b in &m.target {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// [`encode`]'s inverse; `None` for anything else.
pub fn decode(value: &str) -> Option<Vec<Expected>> {
    value
        .split(';')
        .map(|one| {
            let mut parts = one.splitn(3, ':');
            let dev = parts.next()?.parse().ok()?;
            let ino = parts.next()?.parse().ok()?;
            let hex = parts.next()?.as_bytes();
            if hex.is_empty() || hex.len() % 2 != 0 {
                return None;
            }
            let target = hex
                .chunks(2)
                .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
                .collect::<Option<Vec<u8>>>()?;
            (target.first() == Some(&b'/')).then_some(Expected { dev, ino, target })
        })
        .collect()
}

/// The hook file: run [`PROGRAM`] (this binary) at `createContainer` for every container that
/// carries [`KEY`].
pub fn hook_file(binary: &Path) -> String {
    let path = serde_json::to_string(&binary.to_string_lossy()).unwrap_or_default();
    format!(
        r#"{{"version":"1.0.0","hook":{{"path":{path},"args":["{PROGRAM}"]}},"when":{{"annotations":{{"^{}$":".+"}}}},"stages":["createContainer"]}}"#,
        KEY.replace('.', "\\\\.")
    )
}

/// The folder podman is given with `--hooks-dir`: in the shim's cache folder, named by a hash of
/// the hook file, so that a build at another path, or another version's file, is another folder.
pub fn folder(cache: &Path, file: &str) -> PathBuf {
    cache.join(format!("hooks.{:016x}", crate::fnv::wide(file.as_bytes())))
}

/// Puts the hook file in `dir` unless it is there as written (the caller's alone, the same
/// length: the name holds a hash of the contents). `cache` is the shim's cache folder, which
/// must be one only the caller and root can fill ([`crate::trust::cache_folder`]): podman runs
/// whatever program a hook file there names.
/// `trusted`: the cache folder was found the caller's alone earlier in this call.
pub fn install(cache: &Path, dir: &Path, file: &str, owner: u32, trusted: bool) -> Result<(), String> {
    if !trusted {
        crate::trust::cache_folder(cache, owner)
            .map_err(|why| format!("the cache folder cannot hold the mount check's hook file: {why}"))?;
    }
    let name = dir.join("nanoclaw-shim.json");
    if let Ok(m) = std::fs::symlink_metadata(&name) {
        if crate::hostfs::callers_alone(&m, owner) && m.len() == file.len() as u64 {
            return Ok(());
        }
    }
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let made = |e: std::io::Error| {
        format!(
            "cannot write the mount check's hook file in {}: {e}",
            dir.display()
        )
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(made)?;
    let m = std::fs::symlink_metadata(dir).map_err(made)?;
    use std::os::unix::fs::MetadataExt;
    if !m.is_dir() || m.uid() != owner || m.mode() & 0o022 != 0 {
        return Err(format!("{} is not the caller's own folder", dir.display()));
    }
    let temp = dir.join(format!(".nanoclaw-shim.json.{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(crate::hostfs::O_NOFOLLOW)
        .open(&temp)
        .map_err(made)?;
    use std::io::Write;
    f.write_all(file.as_bytes()).map_err(made)?;
    drop(f);
    std::fs::rename(&temp, &name).map_err(made)
}

/// The hook: reads the container's state (OCI runtime spec) on stdin, the expectations from
/// its annotation, and the root from the bundle's `config.json`; exit 0 only when every
/// expected mount is in place. Its error line reaches the caller in podman's.
pub fn hook_main() -> i32 {
    match hook() {
        Ok(()) => 0,
        Err(why) => {
            eprintln!(
                "nanoclaw-shim: refused: {}; a host path changed between the shim's check and the mount [{}]",
                crate::text::printable(&why),
                crate::rules::Rule::HardenMountCheck
            );
            1
        }
    }
}

fn hook() -> Result<(), String> {
    use std::io::Read;
    let mut state = Vec::new();
    std::io::stdin()
        .take(1 << 20)
        .read_to_end(&mut state)
        .map_err(|e| format!("cannot read the container's state: {e}"))?;
    let state: serde_json::Value =
        serde_json::from_slice(&state).map_err(|e| format!("cannot read the container's state: {e}"))?;
    let value = state["annotations"][KEY]
        .as_str()
        .ok_or("the container carries no mount expectations")?;
    let expected = decode(value).ok_or("the mount expectations do not read")?;
    let bundle = PathBuf::from(state["bundle"].as_str().ok_or("the state names no bundle")?);
    let config = std::fs::read(bundle.join("config.json"))
        .map_err(|e| format!("cannot read the container's config.json: {e}"))?;
    let config: serde_json::Value = serde_json::from_slice(&config)
        .map_err(|e| format!("cannot read the container's config.json: {e}"))?;
    let root = Path::new(
        config["root"]["path"]
            .as_str()
            .ok_or("config.json names no root")?,
    );
    let root = if root.is_absolute() {
        root.to_path_buf()
    } else {
        bundle.join(root)
    };
    verify(&root, &expected)
}

/// Whether the mount at each expected target, resolved inside `root`, is a mount whose root is
/// the expected file or folder, each a mount of its own.
pub fn verify(root: &Path, expected: &[Expected]) -> Result<(), String> {
    let root = std::fs::File::open(root).map_err(|e| format!("cannot open the container's root: {e}"))?;
    let mut seen: Vec<u64> = Vec::with_capacity(expected.len());
    for e in expected {
        let shown = crate::text::lossy(&e.target);
        let found = sys::look(&root, &e.target)
            .map_err(|err| format!("cannot look at the mount at {shown}: {err}"))?;
        if !found.mount_root || seen.contains(&found.mount_id) {
            return Err(format!("nothing was mounted at {shown} as the shim expected"));
        }
        if (found.dev, found.ino) != (e.dev, e.ino) {
            return Err(format!(
                "the runtime mounted another file or folder at {shown} than the one the shim judged"
            ));
        }
        seen.push(found.mount_id);
    }
    Ok(())
}

/// Whether this kernel says where mounts are, as the hook asks (`/` checked against itself).
pub fn kernel_support() -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata("/").map_err(|e| e.to_string())?;
    verify(
        Path::new("/"),
        &[Expected {
            dev: m.dev(),
            ino: m.ino(),
            target: b"/".to_vec(),
        }],
    )
}

/// The token that names the hook folder to podman, before and after the edge fills it in.
pub fn folder_token(folder: &str) -> OsString {
    let mut t = OsString::from("--hooks-dir=");
    t.push(folder);
    t
}

/// `args` (a final argv, without the runtime's name) without the hook folder's option, which is
/// podman's, not docker's: what a reader of the shim's own output parses with docker's grammar.
pub fn command_args(args: &[OsString]) -> &[OsString] {
    let n = args
        .iter()
        .take_while(|t| t.as_bytes().starts_with(b"--hooks-dir="))
        .count();
    &args[n..]
}

/// Whether `token` is the shim's own hook folder token, not yet filled in.
pub fn is_placeholder(token: &OsString) -> bool {
    token.as_bytes() == folder_token(FOLDER_PLACEHOLDER).as_bytes()
}

mod sys {
    //! `openat2(2)` and `statx(2)`, which neither C library wraps everywhere: the system calls.
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    pub(super) struct Found {
        pub dev: u64,
        pub ino: u64,
        pub mount_id: u64,
        pub mount_root: bool,
    }

    #[cfg(target_arch = "x86_64")]
    const SYS_STATX: i64 = 332;
    #[cfg(target_arch = "aarch64")]
    const SYS_STATX: i64 = 291;
    const SYS_OPENAT2: i64 = 437;
    const O_PATH: u64 = 0o10000000;
    const O_CLOEXEC: u64 = 0o2000000;
    const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
    const RESOLVE_IN_ROOT: u64 = 0x10;
    const AT_EMPTY_PATH: i32 = 0x1000;
    const AT_SYMLINK_NOFOLLOW: i32 = 0x100;
    const STATX_INO: u32 = 0x100;
    const STATX_MNT_ID: u32 = 0x1000;
    const STATX_ATTR_MOUNT_ROOT: u64 = 0x2000;

    #[repr(C)]
    struct OpenHow {
        flags: u64,
        mode: u64,
        resolve: u64,
    }

    #[repr(C)]
    #[derive(Default)]
    struct StatxTimestamp {
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
        stx_atime: StatxTimestamp,
        stx_btime: StatxTimestamp,
        stx_ctime: StatxTimestamp,
        stx_mtime: StatxTimestamp,
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

    /// What is at `target` resolved inside `root` (symlinks followed as if `root` were `/`, as
    /// the runtime resolves a mount's destination), not following a final link.
    pub(super) fn look(root: &std::fs::File, target: &[u8]) -> std::io::Result<Found> {
        let mut rel: Vec<u8> = target.iter().copied().skip_while(|&b| b == b'/').collect();
        if rel.is_empty() {
            rel.push(b'.');
        }
        let path = std::ffi::CString::new(rel).map_err(|_| std::io::Error::other("a NUL in the path"))?;
        let how = OpenHow {
            flags: O_PATH | O_CLOEXEC,
            mode: 0,
            resolve: RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        // SAFETY: openat2(dirfd, path, &how, sizeof how): `path` is NUL-terminated and `how`
        // a live `struct open_how`, both outliving the call.
        #[allow(unsafe_code)]
        let fd = unsafe {
            syscall(
                SYS_OPENAT2,
                root.as_raw_fd() as i64,
                path.as_ptr(),
                &how as *const OpenHow,
                std::mem::size_of::<OpenHow>(),
            )
        };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: a descriptor the kernel just returned, owned here alone.
        #[allow(unsafe_code)]
        let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
        let mut st = Statx::default();
        // SAFETY: statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, mask, &st): the empty path
        // is a NUL-terminated literal; `st` is a live `struct statx`.
        #[allow(unsafe_code)]
        let rc = unsafe {
            syscall(
                SYS_STATX,
                fd.as_raw_fd() as i64,
                c"".as_ptr(),
                (AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) as i64,
                (STATX_INO | STATX_MNT_ID) as i64,
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
        // The st_dev `stat(2)` reports (glibc's and musl's makedev).
        let (ma, mi) = (u64::from(st.stx_dev_major), u64::from(st.stx_dev_minor));
        let dev = ((ma & 0xffff_f000) << 32) | ((ma & 0xfff) << 8) | ((mi & 0xffff_ff00) << 12) | (mi & 0xff);
        Ok(Found {
            dev,
            ino: st.stx_ino,
            mount_id: st.stx_mnt_id,
            mount_root: st.stx_attributes & STATX_ATTR_MOUNT_ROOT != 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_read_back_whatever_the_target_holds() {
        let m = vec![
            Expected {
                dev: 65024,
                ino: 2170946,
                target: b"/workspace/agent".to_vec(),
            },
            Expected {
                dev: 0,
                ino: 0,
                target: b"/a b,c;d:e".to_vec(),
            },
        ];
        let v = encode(&m);
        assert!(!v.contains(','), "{v}");
        assert_eq!(decode(&v), Some(m));
        for bad in ["", "1:2", "1:2:", "1:2:2", "x:2:2f", "1:2:6162", "1:2:2f;"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_hook_file_names_the_binary_and_the_annotation() {
        let f = hook_file(Path::new("/home/a \"b\"/nanoclaw-shim"));
        let v: serde_json::Value = serde_json::from_str(&f).unwrap();
        assert_eq!(v["hook"]["path"], "/home/a \"b\"/nanoclaw-shim");
        assert_eq!(v["hook"]["args"][0], PROGRAM);
        assert_eq!(v["stages"][0], "createContainer");
        let key = v["when"]["annotations"]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .clone();
        assert_eq!(key, r"^io\.github\.nanoclaw-shim\.mounts$");
        assert_ne!(
            folder(Path::new("/c"), &f),
            folder(Path::new("/c"), &hook_file(Path::new("/x")))
        );
    }

    #[test]
    fn a_path_that_is_no_mount_or_another_inode_is_refused() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("w")).unwrap();
        let m = std::fs::metadata(dir.path().join("w")).unwrap();
        let want = |target: &[u8]| Expected {
            dev: m.dev(),
            ino: m.ino(),
            target: target.to_vec(),
        };
        // The right inode, but no mount of its own: what a link swapped in and out leaves.
        let e = verify(dir.path(), &[want(b"/w")]).unwrap_err();
        assert!(e.contains("nothing was mounted at /w"), "{e}");
        // Resolved inside the root: a link out of it does not reach the host's folder.
        std::os::unix::fs::symlink(dir.path().join("w"), dir.path().join("l")).unwrap();
        assert!(verify(dir.path(), &[want(b"/l")]).is_err());
        assert!(verify(dir.path(), &[want(b"/missing")]).is_err());
    }

    #[test]
    fn the_root_of_a_mount_passes_once() {
        use std::os::unix::fs::MetadataExt;
        // `/` is a mount root on every machine the tests run on.
        let m = std::fs::metadata("/").unwrap();
        let root = Expected {
            dev: m.dev(),
            ino: m.ino(),
            target: b"/".to_vec(),
        };
        verify(Path::new("/"), std::slice::from_ref(&root)).unwrap();
        // Two expectations cannot both be met by one mount.
        assert!(verify(Path::new("/"), &[root.clone(), root.clone()]).is_err());
        let other = Expected {
            ino: m.ino() + 1,
            ..root
        };
        assert!(verify(Path::new("/"), &[other]).is_err());
    }
}
