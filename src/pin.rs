//! Host files the runtime reads that the shim read and judged first (a build's Containerfile, a
//! `run`'s env file) reach the runtime as the shim's own sealed copy, not as the path again.
//!
//! A path is resolved twice: once when the shim judges what it names, once when podman reads it.
//! Whoever can write the file or a folder on its path in between (a running agent container
//! with that folder mounted read-write) decides what podman reads: a Containerfile with a `RUN
//! --mount` the check never saw, an env file whose `NAME` lines copy the host's secrets into
//! the container, or a link to `~/.aws/credentials` read as environment. A file descriptor does
//! not move: the text the checks read is written to an anonymous memory file (`memfd_create`),
//! sealed against every change, left open across the `exec`, and podman is told to read
//! `/proc/self/fd/N`. podman is the process that reads it (the same process after `exec`; a
//! rootless podman's re-executed child inherits the descriptor at the same number), so what it
//! reads is byte for byte what was judged.
//!
//! A build's context is a folder podman reads at every `COPY`, long after the check: it is
//! opened instead, and podman is given `/proc/PID/fd/N`, the shim's own process id (which podman
//! keeps after the `exec`, and which a rootless podman's parent keeps while its child builds;
//! buildah's copier, a child process, reaches the folder through it). What was opened is judged
//! again where the kernel says it is (`readlink` of the descriptor), so a folder swapped for a
//! link between the check and the open is refused, and one swapped after the open is not read.
//!
//! The plan only says where each copy or folder goes ([`Pinned`]); the copies are made and the
//! folders opened at the edge, just before the `exec` ([`apply`]), and one that cannot be made
//! refuses the call.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// One token of the final argv whose path is replaced by a descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    /// The token's index in the plan's argv.
    pub arg: usize,
    /// How many bytes of the token come before the path (`--env-file=`: 11; a whole token: 0).
    pub prefix: usize,
    pub what: Pin,
}

/// What a pinned token's descriptor holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    /// A sealed copy of what the shim read there and judged.
    Copy(Vec<u8>),
    /// The folder the path names, opened (a build's context).
    Folder,
    /// The folder the path's file is in, opened: podman writes the file into it (`--cidfile`).
    Into,
}

/// Asked about each real path a pin opens, read or written: `Err` says why it is refused.
pub type Judge<'a> = dyn FnMut(&[u8], crate::hostpath::Access) -> Result<(), String> + 'a;

/// The argv with every pinned token pointing at its descriptor: `/proc/self/fd/N` for a copy,
/// `/proc/PID/fd/N` for a folder; the descriptors stay open across `exec`. `judge` is asked
/// about the real path of each folder opened (`Err`: why it is refused). Fails when a
/// descriptor cannot be made or a folder is refused: the runtime would otherwise read the path
/// again, or read what was refused.
pub fn apply(mut args: Vec<OsString>, pins: &[Pinned], judge: &mut Judge) -> Result<Vec<OsString>, String> {
    for p in pins {
        let Some(token) = args.get(p.arg) else {
            return Err("a pinned file's argument is missing".into());
        };
        let token = token.as_bytes();
        let path = &token[p.prefix.min(token.len())..];
        let (fd, process) = match &p.what {
            Pin::Copy(text) => (
                sealed_copy(text).map_err(|e| format!("cannot make a sealed copy: {e}"))?,
                None,
            ),
            Pin::Folder | Pin::Into => {
                // A folder is judged where the kernel says it is; a file written into one, as
                // that place and its name, a write.
                let (folder, name, access) = match p.what {
                    Pin::Into => {
                        let (folder, name) = match path.iter().rposition(|&b| b == b'/') {
                            Some(0) => (&b"/"[..], &path[1..]),
                            Some(at) => (&path[..at], &path[at + 1..]),
                            None => (&b"."[..], path),
                        };
                        if name.is_empty() || name == b"." || name == b".." {
                            return Err(format!("{} names no file", crate::text::lossy(path)));
                        }
                        (folder, Some(name), crate::hostpath::Access::Write)
                    }
                    _ => (path, None, crate::hostpath::Access::Read),
                };
                let fd = open_folder(folder)
                    .map_err(|e| format!("cannot open the folder {}: {e}", crate::text::lossy(folder)))?;
                let mut real = std::fs::read_link(format!("/proc/self/fd/{fd}"))
                    .map_err(|e| format!("cannot tell where the folder opened is: {e}"))?
                    .into_os_string()
                    .into_vec();
                let mut t = pointed(token, p.prefix, Some(std::process::id()), fd).into_vec();
                if let Some(name) = name {
                    if real != b"/" {
                        real.push(b'/');
                    }
                    real.extend_from_slice(name);
                    t.push(b'/');
                    t.extend_from_slice(name);
                }
                judge(&real, access).map_err(|why| {
                    format!(
                        "{} was {} when opened: {why}",
                        crate::text::lossy(path),
                        crate::text::lossy(&real)
                    )
                })?;
                args[p.arg] = OsString::from_vec(t);
                continue;
            }
        };
        args[p.arg] = pointed(token, p.prefix, process, fd);
    }
    Ok(args)
}

/// `token` with the bytes after `prefix` replaced by `/proc/PID/fd/FD` (`/proc/self/fd/FD`
/// without a process id).
pub fn pointed(token: &[u8], prefix: usize, process: Option<u32>, fd: i32) -> OsString {
    let mut t = token[..prefix.min(token.len())].to_vec();
    match process {
        Some(pid) => t.extend_from_slice(format!("/proc/{pid}/fd/{fd}").as_bytes()),
        None => t.extend_from_slice(format!("/proc/self/fd/{fd}").as_bytes()),
    }
    OsString::from_vec(t)
}

/// A folder opened for reading, open across `exec` (std opens close-on-exec; this does not).
fn open_folder(path: &[u8]) -> std::io::Result<i32> {
    use std::ffi::{c_char, c_int};
    const O_DIRECTORY: c_int = 0o200000;
    // SAFETY: the C library's `open(2)` (variadic: no mode is passed without `O_CREAT`).
    #[allow(unsafe_code)]
    unsafe extern "C" {
        fn open(path: *const c_char, flags: c_int, ...) -> c_int;
    }
    let c = std::ffi::CString::new(path).map_err(|_| std::io::Error::other("a NUL in the path"))?;
    // SAFETY: `c` is a NUL-terminated string that outlives the call; read-only, no creation.
    #[allow(unsafe_code)]
    let fd = unsafe { open(c.as_ptr(), O_DIRECTORY) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(fd)
}

/// An anonymous memory file holding `text`, sealed so that nobody (the shim included) can
/// write, grow or shrink it or change its seals, and open across `exec` (no close-on-exec).
fn sealed_copy(text: &[u8]) -> std::io::Result<i32> {
    use std::ffi::{c_char, c_int, c_uint};
    const MFD_ALLOW_SEALING: c_uint = 2;
    const F_ADD_SEALS: c_int = 1033;
    const F_SEAL_SEAL: c_int = 1;
    const F_SEAL_SHRINK: c_int = 2;
    const F_SEAL_GROW: c_int = 4;
    const F_SEAL_WRITE: c_int = 8;
    // SAFETY: the C library's `memfd_create(2)`, `write(2)`, `fcntl(2)` and `close(2)` (glibc
    // 2.27 and musl 1.1.20 have all four), declared with their C signatures; `fcntl` is
    // variadic and takes an `int` third argument for `F_ADD_SEALS`.
    #[allow(unsafe_code)]
    unsafe extern "C" {
        fn memfd_create(name: *const c_char, flags: c_uint) -> c_int;
        fn write(fd: c_int, buf: *const u8, count: usize) -> isize;
        fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
        fn close(fd: c_int) -> c_int;
    }
    // SAFETY: the name is a NUL-terminated literal; the flags ask for no close-on-exec.
    #[allow(unsafe_code)]
    let fd = unsafe { memfd_create(c"nanoclaw-shim-pinned".as_ptr(), MFD_ALLOW_SEALING) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let fail = |fd: c_int| {
        let e = std::io::Error::last_os_error();
        // SAFETY: `fd` is the descriptor opened above, closed once.
        #[allow(unsafe_code)]
        unsafe {
            close(fd);
        }
        e
    };
    let mut done = 0;
    while done < text.len() {
        let rest = &text[done..];
        // SAFETY: `rest` is a live slice of `rest.len()` readable bytes.
        #[allow(unsafe_code)]
        let n = unsafe { write(fd, rest.as_ptr(), rest.len()) };
        if n <= 0 {
            if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(fail(fd));
        }
        done += n as usize;
    }
    let seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
    // SAFETY: `fd` is an open memory file created with sealing allowed; the third argument is
    // the `int` the command takes.
    #[allow(unsafe_code)]
    let rc = unsafe { fcntl(fd, F_ADD_SEALS, seals) };
    if rc != 0 {
        return Err(fail(fd));
    }
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_reads_back_and_cannot_be_changed() {
        let fd = sealed_copy(b"FROM scratch\n").unwrap();
        let path = format!("/proc/self/fd/{fd}");
        assert_eq!(std::fs::read(&path).unwrap(), b"FROM scratch\n");
        // Opened again for writing, as anyone holding the path would: the seal refuses it.
        if let Ok(mut w) = std::fs::OpenOptions::new().write(true).open(&path) {
            use std::io::Write;
            assert!(w.write_all(b"RUN --mount").is_err(), "a sealed copy written");
        }
        let f = std::fs::File::open(&path).unwrap();
        assert!(f.set_len(0).is_err(), "a sealed copy shrunk");
    }

    #[test]
    fn the_token_keeps_its_flag_and_loses_the_path() {
        assert_eq!(
            pointed(b"--env-file=/w/.env", 11, None, 3),
            OsString::from("--env-file=/proc/self/fd/3")
        );
        assert_eq!(
            pointed(b"/w/Containerfile", 0, None, 7),
            OsString::from("/proc/self/fd/7")
        );
        assert_eq!(
            pointed(b"-qf/w/x", 3, Some(12), 4),
            OsString::from("-qf/proc/12/fd/4")
        );
    }

    #[test]
    fn a_folder_is_opened_and_judged_where_it_is() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), "x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path(), &link).unwrap();
        let args: Vec<OsString> = vec!["build".into(), link.clone().into()];
        let pins = [Pinned {
            arg: 1,
            prefix: 0,
            what: Pin::Folder,
        }];
        let mut seen = Vec::new();
        let out = apply(args.clone(), &pins, &mut |real, _| {
            seen.push(real.to_vec());
            Ok(())
        })
        .unwrap();
        // Judged where the link led, not where it was named.
        assert_eq!(seen, [dir.path().as_os_str().as_bytes().to_vec()]);
        let p = out[1].to_str().unwrap().to_string();
        assert!(p.starts_with(&format!("/proc/{}/fd/", std::process::id())), "{p}");
        assert_eq!(std::fs::read(format!("{p}/f")).unwrap(), b"x");
        // A refused folder refuses the call.
        let e = apply(args, &pins, &mut |_, _| Err("credentials".into())).unwrap_err();
        assert!(e.contains("credentials"), "{e}");
    }

    #[test]
    fn a_written_file_goes_into_the_folder_opened_and_judged() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().canonicalize().unwrap();
        std::fs::create_dir(real.join("w")).unwrap();
        std::os::unix::fs::symlink(real.join("w"), real.join("link")).unwrap();
        let args: Vec<OsString> = vec![
            "run".into(),
            format!("--cidfile={}/link/cid", real.display()).into(),
        ];
        let pins = [Pinned {
            arg: 1,
            prefix: 10,
            what: Pin::Into,
        }];
        let mut seen = Vec::new();
        let out = apply(args.clone(), &pins, &mut |p, access| {
            seen.push((p.to_vec(), access));
            Ok(())
        })
        .unwrap();
        // Judged as a write where the folder really is.
        let want = real.join("w/cid");
        assert_eq!(
            seen,
            [(
                want.as_os_str().as_bytes().to_vec(),
                crate::hostpath::Access::Write
            )]
        );
        let t = out[1].to_str().unwrap().to_string();
        let p = t.strip_prefix("--cidfile=").unwrap();
        assert!(
            p.starts_with(&format!("/proc/{}/fd/", std::process::id())) && p.ends_with("/cid"),
            "{t}"
        );
        let e = apply(args, &pins, &mut |_, _| Err("host-exec".into())).unwrap_err();
        assert!(e.contains("host-exec"), "{e}");
        // Written through the descriptor, it lands in the folder opened, though the link moves.
        std::fs::remove_file(real.join("link")).unwrap();
        std::fs::write(p, "id").unwrap();
        assert_eq!(std::fs::read(&want).unwrap(), b"id");
        let none: Vec<OsString> = vec!["run".into(), "--cidfile=/tmp/".into()];
        assert!(apply(none, &pins, &mut |_, _| Ok(())).is_err());
    }

    #[test]
    fn apply_points_each_pinned_token_at_its_copy() {
        let args: Vec<OsString> = ["build", "-f", "/w/Containerfile", "."]
            .map(OsString::from)
            .to_vec();
        let pins = [Pinned {
            arg: 2,
            prefix: 0,
            what: Pin::Copy(b"FROM a\n".to_vec()),
        }];
        let out = apply(args, &pins, &mut |_, _| Ok(())).unwrap();
        let p = out[2].to_str().unwrap().to_string();
        assert!(p.starts_with("/proc/self/fd/"), "{p}");
        assert_eq!(std::fs::read(&p).unwrap(), b"FROM a\n");
        assert_eq!(out[3], OsString::from("."));
    }
}
