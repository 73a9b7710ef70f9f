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

/// The annotation that names the prefixes no annotation of the container may start with (the
/// policy's `runtime_annotations`). The shim refuses them in the caller's `--annotation`; but
/// podman 4 also copies an **image's** annotations into its containers (checked on 4.3.1: an
/// image built with `run.oci.keep_original_groups=1` gives it to every container made from it;
/// 5.4.2 does not),
/// where the runtime acts on them (crun keeps the caller's groups, applies `org.systemd.property.`
/// settings, loads a CRIU configuration file). Only the container's final configuration shows
/// them, so the hook judges it.
pub const REFUSED_KEY: &str = "io.github.nanoclaw-shim.refused-annotations";

/// The annotation that names the lowest uid and gid the container's process may run with
/// (`UID:GID`), judged by the hook in the container's final configuration: the runtime looks a
/// group up in the image's `/etc/group` by name as well as by number, and an agent-built image's
/// line `1000:x:0:` gave nanoclaw's own `--user 1000:1000` the root group as a supplementary
/// group (the look `he`, rootful 4.3.1 and 5.4.2: a root-group host file read, a setgid-root
/// program left); the image's own `USER`, and its `/etc/group` membership, reach the container
/// so too. The argv alone cannot show it.
pub const IDS_KEY: &str = "io.github.nanoclaw-shim.ids";

/// [`IDS_KEY`]'s value.
pub fn encode_ids(min_uid: u32, min_gid: u32) -> String {
    format!("{min_uid}:{min_gid}")
}

/// The groups the runtime gives for the configuration's `additional` gids, as runc's and moby's
/// `GetAdditionalGroups` read the group file `group` (`None`: there is none): each gid is read
/// as text, matched against each line's name or gid in file order, the first line not taken
/// already wins, and a number no line matches is taken as written. A line is trimmed (an empty
/// one, or a comment, `#`, skipped), its fields split at `:`, a gid that is no number is 0, and the kernel takes the low 32 bits (the
/// look `hg`: a line `1000:x:4294967296:` was group 0; a line that names no group first, as
/// `node:x:1000:` before `1000:x:0:`, gives its own).
fn runtime_groups(group: Option<&[u8]>, additional: &[u64]) -> Vec<u64> {
    let lines: Vec<(String, i64)> = group
        .map(|g| {
            crate::text::split(g, b'\n')
                .map(String::from_utf8_lossy)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .iter()
        .filter_map(|line| {
            let line = line.trim();
            let mut fields = line.split(':');
            // runc's reader skips a comment (the look `hh`: `#c:x:1000:` before `1000:x:0:` was
            // gid 1000 to the hook and group 0 to runc).
            let name = fields
                .next()
                .filter(|_| !line.is_empty() && !line.starts_with('#'))?;
            Some((
                name.to_string(),
                fields.nth(1).and_then(|g| g.parse().ok()).unwrap_or(0),
            ))
        })
        .collect();
    let mut given: Vec<i64> = Vec::new();
    for &gid in additional {
        let asked = gid.to_string();
        let line = lines
            .iter()
            .find(|(name, g)| (*name == asked || g.to_string() == asked) && !given.contains(g));
        given.push(line.map_or(gid as i64, |&(_, g)| g));
    }
    // Truncated as the kernel's `gid_t` takes it.
    given.into_iter().map(|g| u64::from(g as u32)).collect()
}

/// The container's `/etc/group` (`None`: there is none), read as the runtime will read it
/// after the hook: a regular file of the image's own root file system, reached through no link
/// and no mount, or the one podman writes in the container's own folder (`bundle`) and mounts
/// there (a `--read-only` container whose group the image lacks). One that is a link, or lies
/// on another mount (a caller's bind mount, a folder of the agents'), may be swapped between
/// the hook's reading and the runtime's (the look `hg`: an image's `/etc/group` linked into
/// the group's read-write folder, flipped by a running session, gave 5 of 30 starts group 0);
/// refused, as is one past 4 MiB.
fn group_file(root: &Path, bundle: &Path, config: &serde_json::Value) -> Result<Option<Vec<u8>>, String> {
    use crate::hostfs::open_how::*;
    use std::io::Read;
    use std::os::fd::AsRawFd;
    const O_DIRECTORY: u64 = 0o200000;
    const RESOLVE_NO_XDEV: u64 = 0x01;
    const ENOENT: i32 = 2;
    let refused =
        |why: &str| format!("the container's /etc/group {why}: the runtime reads it again after this check");
    let mounted = config["mounts"]
        .as_array()
        .into_iter()
        .flatten()
        .rfind(|m| m["destination"].as_str().map(|d| d.trim_end_matches('/')) == Some("/etc/group"))
        .map(|m| m["source"].as_str().unwrap_or_default());
    let flags = crate::hostfs::O_NONBLOCK as u64 | O_CLOEXEC;
    let opened = match mounted {
        // podman's own copy, in the container's folder, which no container writes: the path may
        // lie under the host's links (a linked storage folder), the file itself is no link.
        Some(source) if Path::new(source) == bundle.join("group") => crate::hostfs::open_read(
            Path::new(source),
            crate::hostfs::O_NOFOLLOW | crate::hostfs::O_NONBLOCK,
        ),
        Some(_) => return Err(refused("is mounted from elsewhere than podman's own copy")),
        None => {
            let dir = crate::hostfs::openat2(
                AT_FDCWD,
                root.as_os_str().as_bytes(),
                O_PATH | O_DIRECTORY | O_CLOEXEC,
                0,
            )
            .map_err(|e| format!("cannot open the container's root: {e}"))?;
            crate::hostfs::openat2(
                dir.as_raw_fd(),
                b"etc/group",
                flags,
                RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV,
            )
            .map(std::fs::File::from)
        }
    };
    let file = match opened {
        Ok(file) => file,
        Err(e) if e.raw_os_error() == Some(ENOENT) => return Ok(None),
        Err(e) => return Err(refused(&format!("is a link or lies on another mount ({e})"))),
    };
    let meta = file
        .metadata()
        .map_err(|e| refused(&format!("cannot be read ({e})")))?;
    if !meta.is_file() {
        return Err(refused("is not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(4 << 20 | 1)
        .read_to_end(&mut bytes)
        .map_err(|e| refused(&format!("cannot be read ({e})")))?;
    if bytes.len() > 4 << 20 {
        return Err(refused("is past 4 MiB"));
    }
    Ok(Some(bytes))
}

/// Why the process `user` of a container's configuration (`uid`, `gid`, `additionalGids`) runs
/// below the lowest ids `value` ([`IDS_KEY`]) allows, if it does. The runtime gives each
/// additional gid as the group file `group` (the container's `/etc/group`; `None`: there is
/// none) names it: runc reads the number as a group's *name* first, so the configuration's
/// `1000` was gid 0 where the image's `/etc/group` has a line `1000:x:0:` (the look `he`).
fn ids_problem(
    value: &str,
    user: &serde_json::Value,
    group: Option<&[u8]>,
) -> Result<Option<String>, String> {
    let unreadable = "the lowest ids allowed do not read";
    let (uid, gid) = value.split_once(':').ok_or(unreadable)?;
    let (min_uid, min_gid): (u64, u64) = (
        uid.parse().map_err(|_| unreadable)?,
        gid.parse().map_err(|_| unreadable)?,
    );
    let id = |v: &serde_json::Value| v.as_u64().ok_or("the container's configuration names no user");
    let below = |n: u64| match n {
        0 => "root's",
        _ => "a system id (below 1000), the host's on rootful podman",
    };
    let runs = id(&user["uid"])?;
    if runs < min_uid {
        return Ok(Some(format!(
            "its process would run as uid {runs}, {} (from the image: its USER, or its /etc/passwd)",
            below(runs)
        )));
    }
    let additional = user["additionalGids"]
        .as_array()
        .into_iter()
        .flatten()
        .map(id)
        .collect::<Result<Vec<u64>, _>>()?;
    let given = std::iter::once(id(&user["gid"])?).chain(runtime_groups(group, &additional));
    if let Some(low) = given.into_iter().find(|&n| n < min_gid) {
        return Ok(Some(format!(
            "its process would run with group {low}, {} (the image's /etc/group: a group named by the number asked for, or one that lists the user)",
            below(low)
        )));
    }
    Ok(None)
}

/// Namespaces podman writes annotations of its own in (`io.podman.annotations.privileged`,
/// `io.kubernetes.cri-o.TTY`), after the image's, and the shim's: not judged by the hook.
const OWN_NAMESPACES: &[&str] = &[
    "io.podman.annotations.",
    "io.kubernetes.cri-o.",
    "io.github.nanoclaw-shim.",
];

/// Annotations podman 5 writes itself under a refused prefix, from the container's stop signal
/// and timeout (seen on 5.4.2): not judged by the hook, by exact name.
const OWN_KEYS: &[&str] = &[
    "org.systemd.property.KillSignal",
    "org.systemd.property.TimeoutStopUSec",
];

/// [`REFUSED_KEY`]'s value: the prefixes, `;` between (podman splits an annotation at commas),
/// each byte outside `[A-Za-z0-9._/-]` as `%XX`.
pub fn encode_prefixes<S: AsRef<str>>(prefixes: &[S]) -> String {
    let mut out = String::new();
    for (i, p) in prefixes.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        for &b in p.as_ref().as_bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/' | b'-') {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// [`encode_prefixes`]' inverse; `None` for anything else.
fn decode_prefixes(value: &str) -> Option<Vec<String>> {
    value
        .split(';')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut out = Vec::new();
            let mut bytes = p.bytes();
            while let Some(b) = bytes.next() {
                if b == b'%' {
                    let hex = [bytes.next()?, bytes.next()?];
                    out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
                } else {
                    out.push(b);
                }
            }
            String::from_utf8(out).ok()
        })
        .collect()
}

/// The first annotation key that starts with one of `prefixes` (any case, as the shim judges
/// `--annotation`), podman's and the shim's own namespaces left out.
fn refused_annotation<'k>(keys: impl IntoIterator<Item = &'k str>, prefixes: &[String]) -> Option<&'k str> {
    keys.into_iter().find(|k| {
        let lower = k.to_ascii_lowercase();
        !OWN_KEYS.contains(k)
            && !OWN_NAMESPACES.iter().any(|n| lower.starts_with(n))
            && prefixes
                .iter()
                .any(|p| lower.starts_with(&p.to_ascii_lowercase()))
    })
}

/// podman's default hook folders (containers.conf's `hooks_dir`, and the folder that overrides
/// it): a `--hooks-dir` replaces them, so those that exist are named too.
pub const SYSTEM_FOLDERS: &[&str] = &["/usr/share/containers/oci/hooks.d", "/etc/containers/oci/hooks.d"];

/// The hook folders a site's containers.conf names (`[engine] hooks_dir`) that the shim does not
/// name after its `--hooks-dir`, which replaces them: their hooks do not run for the shim's
/// containers. `configs` are the files' texts in podman's order (a later file's setting wins);
/// a file that does not read is passed over (podman refuses to start with it anyway).
pub fn unnamed_hook_folders(configs: &[String]) -> Vec<String> {
    let set = configs.iter().rev().find_map(|text| {
        let table: toml::Table = text.parse().ok()?;
        let dirs = table.get("engine")?.get("hooks_dir")?.as_array()?;
        Some(
            dirs.iter()
                .filter_map(|d| d.as_str().map(String::from))
                .collect::<Vec<_>>(),
        )
    });
    set.unwrap_or_default()
        .into_iter()
        .filter(|d| {
            let d = d.trim_end_matches('/');
            !d.is_empty() && !SYSTEM_FOLDERS.contains(&d)
        })
        .collect()
}

/// Where podman and its runtime mount things of their own in every container (the init binary,
/// the host's name files, the container's marker, secrets; the kernel's file systems; devices,
/// which rootless runc binds from the host).
pub const PODMAN_S_MOUNTS: &[&str] = &[
    "/etc/hosts",
    "/etc/hostname",
    "/etc/resolv.conf",
    "/run/.containerenv",
    "/run/podman-init",
    "/run/secrets",
    "/dev",
    "/proc",
    "/sys",
];

/// Whether a mount at `target` (normalised) would hold one of podman's own mounts beneath it,
/// or replace one of its kernel file systems: the root, `/etc`, `/run`, `/dev`, `/proc`, `/sys`.
pub fn holds_podman_s_mounts(target: &[u8]) -> bool {
    target == b"/"
        || PODMAN_S_MOUNTS.iter().any(|p| {
            let p = p.as_bytes();
            (p.len() > target.len() && p.starts_with(target) && p[target.len()] == b'/')
                || (p == target && matches!(p, b"/dev" | b"/proc" | b"/sys"))
        })
}

/// The name the hook runs this binary under (argv\[0\] picks the personality).
pub const PROGRAM: &str = "nanoclaw-shim-mount-check";

/// What podman is told on the shim's argv before the hook folder is known ([`crate::shim`]
/// puts the folder in at the exec).
pub const FOLDER_PLACEHOLDER: &str = "<mount-check>";

/// The global option given beside the hook folder: podman mounts what its `mounts.conf` lists
/// (`/usr/share/containers`'s, `/etc/containers`'s, the user's) into every container, past the
/// checks a `-v` gets and the hook's list; RHEL's ships the host's subscription keys at
/// `/run/secrets` (the thirty-seventh pass's look read a key mounted so). `/dev/null` lists
/// none. A hidden option of podman 4.3 and 5, and one the shim refuses from a caller.
pub const NO_DEFAULT_MOUNTS: &str = "--default-mounts-file=/dev/null";

/// One bind mount as the shim judged it: the runtime must mount exactly this file or folder at
/// `target`. A source that could not be opened is expected as `0:0`, which nothing is: the
/// runtime fails on a missing source anyway, and one created in between is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub dev: u64,
    pub ino: u64,
    /// When the file was created (`statx`'s birth time, in nanoseconds since the epoch), or 0
    /// where the file system does not say.
    pub birth: u64,
    /// The normalised container path.
    pub target: Vec<u8>,
}

/// The annotation's value: `DEV:INO:BIRTH:HEX(TARGET)` per mount, `;` between (podman splits an
/// annotation at commas; a target may hold any byte but NUL).
pub fn encode(mounts: &[Expected]) -> String {
    use std::fmt::Write;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(mounts.iter().map(|m| 42 + 2 * m.target.len()).sum());
    for (i, m) in mounts.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        let _ = write!(out, "{}:{}:{}:", m.dev, m.ino, m.birth);
        for b in &m.target {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// [`encode`]'s inverse; `None` for anything else.
pub fn decode(value: &str) -> Option<Vec<Expected>> {
    if value.is_empty() {
        return Some(Vec::new()); // a named volume and no bind: the hook's other checks
    }
    value
        .split(';')
        .map(|one| {
            let mut parts = one.splitn(4, ':');
            let dev = parts.next()?.parse().ok()?;
            let ino = parts.next()?.parse().ok()?;
            let birth = parts.next()?.parse().ok()?;
            let hex = parts.next()?.as_bytes();
            if hex.is_empty() || hex.len() % 2 != 0 {
                return None;
            }
            let target = hex
                .chunks(2)
                .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
                .collect::<Option<Vec<u8>>>()?;
            (target.first() == Some(&b'/')).then_some(Expected {
                dev,
                ino,
                birth,
                target,
            })
        })
        .collect()
}

/// The hook file: run [`PROGRAM`] (this binary) at `createContainer` for every container podman
/// starts with the shim's hook folder, whatever it carries: one made without the shim (by
/// podman itself, with `--cap-add ALL` and a runtime annotation, the thirty-fourth look's) carries
/// no [`KEY`], and a hook that ran only for containers carrying it let `docker start` bring that
/// one up unchecked. The hook refuses a container without the shim's expectations.
pub fn hook_file(binary: &Path) -> String {
    let path = serde_json::to_string(&binary.to_string_lossy()).unwrap_or_default();
    format!(
        r#"{{"version":"1.0.0","hook":{{"path":{path},"args":["{PROGRAM}"]}},"when":{{"always":true}},"stages":["createContainer"]}}"#
    )
}

/// The folder podman is given with `--hooks-dir`: beneath `base` ([`base`]), named by a hash of
/// the hook file, so that a build at another path, or another version's file, is another folder.
pub fn folder(base: &Path, file: &str) -> PathBuf {
    base.join(format!("hooks.{:016x}", crate::fnv::wide(file.as_bytes())))
}

/// Where the hook folder lies for the caller `uid`: beneath the caller's runtime folder, which
/// only the caller writes, no mount reaches (`/run/user` is a sensitive path) and no variable
/// moves: `/run/nanoclaw-shim` for root, `/run/user/UID/nanoclaw-shim` for another user whose
/// runtime folder is there (logind's). Else the shim's cache folder, `cache`. In a cache folder
/// that a variable moved into a folder a running container can write, the container planted a
/// hook between the shim's check of the folder and podman's reading of it, and podman ran it as
/// root (the fifty-third look's race).
pub fn base(uid: u32, cache: Option<&Path>) -> Option<PathBuf> {
    if uid == 0 {
        return Some(PathBuf::from("/run/nanoclaw-shim"));
    }
    use std::os::unix::fs::MetadataExt;
    let run = PathBuf::from(format!("/run/user/{uid}"));
    match std::fs::symlink_metadata(&run) {
        Ok(m) if m.is_dir() && m.uid() == uid && m.mode() & 0o077 == 0 => Some(run.join("nanoclaw-shim")),
        _ => cache.map(Path::to_path_buf),
    }
}

/// Puts the hook file in `dir` unless it is there as written (the caller's alone, the same
/// length: the name holds a hash of the contents). `cache` is the folder it lies beneath
/// ([`base`]), which must be one only the caller and root can fill
/// ([`crate::trust::cache_folder`]): podman runs whatever program a hook file there names.
/// `trusted`: that folder was found the caller's alone earlier in this call.
/// `listed`: the folder is listed for other hook files first (beneath a cache folder, which a
/// variable can move where a container writes; beneath the runtime folder no container reaches,
/// the listing's seven system calls on every `docker run` are spared).
pub fn install(
    cache: &Path,
    dir: &Path,
    file: &str,
    owner: u32,
    trusted: bool,
    listed: bool,
) -> Result<(), String> {
    if !trusted {
        crate::trust::cache_folder(cache, owner)
            .map_err(|why| format!("the cache folder cannot hold the mount check's hook file: {why}"))?;
    }
    let name = dir.join(HOOK_NAME);
    // podman runs every `*.json` in the folder, not only the shim's: one more there (the
    // fifty-second look's `0.json`, which a container wrote while it had the folder) would run
    // its program on the host at every `docker run`. Refused, not removed: a file there that the
    // shim did not write means a container could write the cache folder.
    if let Some(other) = listed.then(|| other_hook(dir)).flatten() {
        return Err(format!(
            "the mount check's hook folder {} holds {}, which the shim did not write, and podman would run the program it names; remove it, and keep the cache folder (XDG_CACHE_HOME) out of every folder a container can write",
            dir.display(),
            crate::text::printable(&other)
        ));
    }
    // The file is read and compared whole: its length alone kept a hook a container wrote while
    // it had the folder (the forty-sixth look's `XDG_CACHE_HOME` in a workspace an earlier
    // call mounted read-write: podman ran the container's program as the hook). One that differs
    // is written afresh.
    use crate::hostfs::HostFs;
    if crate::hostfs::RealFs
        .read_private(&name, owner)
        .is_some_and(|text| text == file.as_bytes())
    {
        return Ok(());
    }
    use std::os::unix::fs::DirBuilderExt;
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
    // Written as the shim's other private files are: a fresh name, then renamed into place.
    crate::hostfs::RealFs
        .write_private(&name, file.as_bytes())
        .map_err(made)
}

/// The name of the shim's hook file in its folder.
const HOOK_NAME: &str = "nanoclaw-shim.json";

/// A name in the hook folder `dir` that podman would read as a hook besides the shim's own: it
/// reads every entry whose name ends in `.json` (containers/common `pkg/hooks`), and skips the
/// rest (the shim's own `.nanoclaw-shim.json.PID` while it writes). An entry that cannot be
/// read as a name, or a folder that cannot be listed but exists, counts as one.
fn other_hook(dir: &Path) -> Option<String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => return Some(format!("an entry it cannot list ({e})")),
    };
    for entry in entries {
        let name = match entry {
            Ok(entry) => entry.file_name(),
            Err(e) => return Some(format!("an entry it cannot list ({e})")),
        };
        let name = name.as_encoded_bytes();
        if name.ends_with(b".json") && name != HOOK_NAME.as_bytes() {
            return Some(String::from_utf8_lossy(name).into_owned());
        }
    }
    None
}

/// The hook: reads the container's state (OCI runtime spec) on stdin, the expectations from
/// its annotation, and the root from the bundle's `config.json`; exit 0 only when every
/// expected mount is in place. Its error line reaches the caller in podman's.
pub fn hook_main() -> i32 {
    use crate::rules::Rule;
    let (rule, why) = match hook() {
        Ok(Ok(())) => return 0,
        Ok(Err(refused)) => refused,
        Err(why) => (Rule::HardenMountCheck, why),
    };
    eprintln!(
        "nanoclaw-shim: refused: {}; the container does not start [{rule}]",
        crate::text::printable(&why),
    );
    1
}

/// The hook's work: `Err` when it cannot check or a mount is not what was judged, `Ok(Err(..))`
/// when the container carries a refused annotation or runs with ids below those allowed, with
/// the rule that refuses it.
fn hook() -> Result<Result<(), (crate::rules::Rule, String)>, String> {
    use std::io::Read;
    let mut state = Vec::new();
    std::io::stdin()
        .take(1 << 20)
        .read_to_end(&mut state)
        .map_err(|e| format!("cannot read the container's state: {e}"))?;
    let state: serde_json::Value =
        serde_json::from_slice(&state).map_err(|e| format!("cannot read the container's state: {e}"))?;
    let value = state["annotations"][KEY].as_str().ok_or(
        "the container was not made through the shim (it carries none of the shim's checks: made by podman itself, or through the shim in audit mode or with verify_mounts off); make it again with docker run or docker create",
    )?;
    let expected = decode(value).ok_or("the mount expectations do not read")?;
    let bundle = PathBuf::from(state["bundle"].as_str().ok_or("the state names no bundle")?);
    let config = std::fs::read(bundle.join("config.json"))
        .map_err(|e| format!("cannot read the container's config.json: {e}"))?;
    let config: serde_json::Value = serde_json::from_slice(&config)
        .map_err(|e| format!("cannot read the container's config.json: {e}"))?;
    if let Some(value) = state["annotations"][REFUSED_KEY].as_str() {
        let prefixes = decode_prefixes(value).ok_or("the refused annotation prefixes do not read")?;
        let keys = config["annotations"]
            .as_object()
            .into_iter()
            .flat_map(|a| a.keys());
        if let Some(key) = refused_annotation(keys.map(String::as_str), &prefixes) {
            return Ok(Err((
                crate::rules::Rule::DenyAnnotation,
                format!(
                    "the container carries the annotation {} (from its image, whose annotations podman copies into its containers, or from podman's configuration: containers.conf's [containers] annotations), under a prefix that reconfigures the runtime",
                    crate::text::printable(key)
                ),
            )));
        }
    }
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
    if let Some(value) = state["annotations"][IDS_KEY].as_str() {
        let group = group_file(&root, &bundle, &config)?;
        if let Some(why) = ids_problem(value, &config["process"]["user"], group.as_deref())? {
            return Ok(Err((crate::rules::Rule::DenyRootUser, why)));
        }
    }
    // The memory file systems the runtime fills from what is at their place (podman's
    // `tmpcopyup`, the default): their place must not lie in a mounted folder either, or a
    // container could swap what is copied in, by path, for a link to `~/.ssh`.
    // Only those it fills: `tmpcopyup` among the options (podman's default; `notmpcopyup`
    // leaves it out, and nothing is read from the place then).
    let tmpfs: Vec<Vec<u8>> = config["mounts"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .filter(|m| m["type"].as_str() == Some("tmpfs"))
                .filter(|m| {
                    m["options"]
                        .as_array()
                        .is_some_and(|o| o.iter().any(|x| x.as_str() == Some("tmpcopyup")))
                })
                .filter_map(|m| m["destination"].as_str().map(|d| d.as_bytes().to_vec()))
                .collect()
        })
        .unwrap_or_default();
    verify(&root, &expected, &tmpfs)?;
    tcp_ceiling(&config, Path::new(CGROUP_V1_MEMORY)).map(Ok)
}

/// Where cgroup v1's memory controller is mounted on the host (and, before `pivot_root`, in the
/// container's mount namespace the hook runs in).
const CGROUP_V1_MEMORY: &str = "/sys/fs/cgroup/memory";

/// cgroup v1 charges no TCP socket memory to a memory cgroup until a `kmem.tcp` limit is set,
/// which podman never sets (runc would from the spec's `kernelTCP`, for which podman has no
/// flag): an agent queued 685 MB of TCP buffers on its own loopback under a 128 MB ceiling (the
/// hundred-and-twenty-fourth look's). A quarter of the container's memory ceiling is set as its TCP ceiling
/// too, in its cgroup (`config.json`'s `cgroupsPath`, podman's cgroupfs or systemd form), before
/// anything in it runs; with it set, the same agent queued 132 MB. Nothing to do on cgroup v2
/// (which charges socket memory), without a memory ceiling, or where the file is not there
/// (rootless podman on v1 has no cgroup of its own). A limit that cannot be written refuses the
/// container.
pub fn tcp_ceiling(config: &serde_json::Value, memory_root: &Path) -> Result<(), String> {
    let Some(limit) = config["linux"]["resources"]["memory"]["limit"]
        .as_i64()
        .filter(|&l| l > 0)
    else {
        return Ok(());
    };
    let Some(cgroup) = config["linux"]["cgroupsPath"].as_str().and_then(cgroup_dir) else {
        return Ok(());
    };
    let file = memory_root.join(cgroup).join("memory.kmem.tcp.limit_in_bytes");
    if !file.is_file() {
        return Ok(());
    }
    // A quarter of the memory ceiling, at least 16 MiB: v1 charges TCP memory to this limit, not
    // to the memory one, so the two add up (the hundred-and-thirty-third look's: 103 MB of
    // memory and 152 MB of TCP buffers under 128 MB); an agent's HTTP needs far less.
    let tcp = (limit / 4).max(16 << 20).min(limit);
    std::fs::write(&file, tcp.to_string()).map_err(|e| {
        format!(
            "cannot hold the container's TCP socket memory to its memory ceiling ({}: {e}); cgroup v1 would not charge it otherwise",
            file.display()
        )
    })
}

/// The folder beneath a cgroup v1 controller's mount that `cgroups_path` names: podman's
/// cgroupfs form (`/libpod_parent/libpod-ID`) as it is, its systemd form
/// (`machine.slice:libpod:ID`) as systemd lays it out (`machine.slice/libpod-ID.scope`, a slice
/// `a-b.slice` beneath `a.slice`). `None` for a path that climbs or is empty.
fn cgroup_dir(cgroups_path: &str) -> Option<PathBuf> {
    let dir = match cgroups_path.split(':').collect::<Vec<_>>()[..] {
        [path] => PathBuf::from(path.trim_start_matches('/')),
        [slice, prefix, name] if ![slice, prefix, name].iter().any(|w| w.contains('/')) => {
            let mut dir = PathBuf::new();
            let stem = slice.strip_suffix(".slice")?;
            let parts: Vec<&str> = stem.split('-').collect();
            for n in 1..=parts.len() {
                dir.push(format!("{}.slice", parts[..n].join("-")));
            }
            dir.push(format!("{prefix}-{name}.scope"));
            dir
        }
        _ => return None,
    };
    let fine = dir
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    (fine && dir.components().next().is_some()).then_some(dir)
}

/// Whether the mount at each expected target, resolved inside `root`, is a mount whose root is
/// the expected file or folder, each a mount of its own, and podman's own mounts lie where no
/// other container can move them.
pub fn verify(root: &Path, expected: &[Expected], tmpfs: &[Vec<u8>]) -> Result<(), String> {
    let root_file =
        std::fs::File::open(root).map_err(|e| format!("cannot open the container's root: {e}"))?;
    verify_targets(root, expected)?;
    let mountinfo =
        std::fs::read("/proc/self/mountinfo").map_err(|e| format!("cannot read the mount table: {e}"))?;
    let real_root =
        std::fs::canonicalize(root).map_err(|e| format!("cannot resolve the container's root: {e}"))?;
    let table = Table::read(&mountinfo);
    let real_root = real_root.as_os_str().as_bytes();
    let outside = table.devices_outside(real_root);
    let root_mount = crate::hostfs::statx(std::os::fd::AsRawFd::as_raw_fd(&root_file))
        .map_err(|e| format!("cannot look at the container's root: {e}"))?
        .mount_id;
    podman_s_mounts_are_its_own(&root_file, &outside)?;
    for place in tmpfs {
        let shown = crate::text::lossy(place);
        let w = sys::walk(&root_file, place).map_err(|e| format!("cannot look at {shown}: {e}"))?;
        // The runtime has just mounted it: gone, it was moved, and what it holds with it.
        if !w.complete || !on_a_private_way(&w, &outside) {
            return Err(format!(
                "the memory file system at {shown} lies in a mounted folder another container can change, or is gone from where the runtime mounted it (what is copied into it is read by path)"
            ));
        }
        // What the runtime copied into it is what was at its place: the mount it was stacked
        // on must be the image's root or a memory file system of this container's own, not a
        // volume or a bind another container can write (a twentieth look's: an image's link
        // led a tmpfs onto a volume's own mount point, and the copy came from the volume).
        if !w.found.mount_root || !table.made_on_the_container_s_own(w.found.mount_id, root_mount, &outside) {
            return Err(format!(
                "the memory file system at {shown} is not a mount of its own on the image or on a memory file system of the container's (what is copied into it comes from what it covers)"
            ));
        }
    }
    // Then every memory file system the runtime made for this container, found in the mount table
    // wherever it sits, not by the path it was asked at: later mounts can cover the links a
    // path went through, and another memory file system put where the path now leads (a
    // twenty-second look's, with three volumes and two tmpfs given `notmpcopyup`).
    for m in table.fresh_memory(real_root, &outside) {
        if !table.made_on_the_container_s_own(m.id, root_mount, &outside) {
            return Err(format!(
                "a memory file system at {} is made on a mount another container can change (what is copied into it comes from what it covers)",
                crate::text::lossy(&m.point[real_root.len()..])
            ));
        }
    }
    Ok(())
}

/// One line of `/proc/self/mountinfo`, as much as the hook asks of a mount.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mount {
    id: u64,
    /// The mount it was made on.
    parent: u64,
    /// `st_dev` of what is in it.
    dev: u64,
    /// Where it is, its escapes undone.
    point: Vec<u8>,
    fs: Fs,
}

/// The mount table (the hook runs before `pivot_root`, in a copy of the host's): read once,
/// asked three questions. A line that does not read is passed over.
struct Table(Vec<Mount>);

impl Table {
    fn read(mountinfo: &[u8]) -> Table {
        let num = |b: &[u8]| std::str::from_utf8(b).ok()?.parse::<u64>().ok();
        let line = |l: &[u8]| -> Option<Mount> {
            let mut f = l.split(|&b| b == b' ');
            let (id, parent) = (num(f.next()?)?, num(f.next()?)?);
            let mut mm = f.next()?.split(|&b| b == b':');
            let dev = crate::hostfs::makedev(num(mm.next()?)?, num(mm.next()?)?);
            let point = crate::aliases::unescape(f.nth(1)?);
            // The file system's type follows the optional fields' `-`.
            let fs = f.skip_while(|&x| x != b"-").nth(1).map_or(Fs::Files, Fs::of);
            Some(Mount {
                id,
                parent,
                dev,
                point,
                fs,
            })
        };
        Table(mountinfo.split(|&b| b == b'\n').filter_map(line).collect())
    }

    /// The devices (`st_dev`) of every mount outside the container's root `root`: a memory file
    /// system among them is one the host, or another container, shares; one that is not is a
    /// fresh one the runtime made for this container.
    fn devices_outside(&self, root: &[u8]) -> Vec<u64> {
        self.0
            .iter()
            .filter(|m| inside(&m.point, root).is_none())
            .map(|m| m.dev)
            .collect()
    }

    /// The memory file systems mounted inside `root` whose device no mount outside it has
    /// (`outside`): the ones the runtime made for this container.
    fn fresh_memory<'t>(&'t self, root: &'t [u8], outside: &'t [u64]) -> impl Iterator<Item = &'t Mount> {
        self.0.iter().filter(move |m| {
            m.fs == Fs::Memory
                && !outside.contains(&m.dev)
                && inside(&m.point, root).is_some_and(|r| !r.is_empty())
        })
    }

    /// Whether mount `id` was made on the container's root mount `root`, directly or through
    /// memory file systems of the container's own only (a device no mount outside the root
    /// has: `/dev/shm` on `/dev`) or the kernel's own. A tmpfs stacked on another tmpfs that
    /// covers a volume is filled from the lower one, which was filled from the volume (a
    /// twenty-first look's, through two spellings of one place).
    fn made_on_the_container_s_own(&self, mut id: u64, root: u64, outside: &[u64]) -> bool {
        let by_id = |id: u64| self.0.iter().find(|m| m.id == id);
        for _ in 0..64 {
            let Some(parent) = by_id(id).and_then(|m| by_id(m.parent)) else {
                return false;
            };
            match parent.fs {
                _ if parent.id == root => return true,
                Fs::Memory if !outside.contains(&parent.dev) => id = parent.id,
                // The kernel's own (`/sys`, under which runc puts a tmpfs at `/sys/fs/cgroup` on
                // cgroup v1): nothing in them is a file another container wrote.
                Fs::Kernel => id = parent.id,
                _ => return false,
            }
        }
        false
    }
}

/// `point` relative to `root` (empty for `root` itself) when it lies at or beneath it.
fn inside<'p>(point: &'p [u8], root: &[u8]) -> Option<&'p [u8]> {
    point
        .strip_prefix(root)
        .filter(|rest| rest.is_empty() || rest.first() == Some(&b'/'))
}

/// What kind of file system a mount is, for [`Table::made_on_the_container_s_own`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fs {
    /// `tmpfs`.
    Memory,
    /// One the kernel fills itself: `sysfs`, `proc`, `cgroup`, `cgroup2`, `devpts`, `mqueue`.
    Kernel,
    /// Any other: a disk's, an overlay's, a network's (a volume or a bind lies on one).
    Files,
}

impl Fs {
    fn of(fstype: &[u8]) -> Fs {
        match fstype {
            b"tmpfs" => Fs::Memory,
            b"sysfs" | b"proc" | b"cgroup" | b"cgroup2" | b"devpts" | b"mqueue" => Fs::Kernel,
            _ => Fs::Files,
        }
    }
}

/// Whether a walk's place (or, with nothing there, the last folder it reached) and every folder
/// on the way are the image's or a memory file system no mount outside the root shares. With
/// nothing at the place, the folders on the way decide: a place renamed away inside a mounted
/// folder before the hook leaves that folder on the way (a nineteenth look's).
fn on_a_private_way(w: &sys::Walked, outside: &[u64]) -> bool {
    let private = |st: &crate::hostfs::Stat, in_memory: bool| {
        st.mount_id == w.root_mount || (in_memory && !outside.contains(&st.dev))
    };
    w.folders.iter().all(|(st, m)| private(st, *m)) && private(&w.found, w.found_in_memory)
}

/// The first half of [`verify`]: the expected mounts alone.
fn verify_targets(root: &Path, expected: &[Expected]) -> Result<(), String> {
    let root = std::fs::File::open(root).map_err(|e| format!("cannot open the container's root: {e}"))?;
    let mut seen: Vec<u64> = Vec::with_capacity(expected.len());
    for e in expected {
        let shown = crate::text::lossy(&e.target);
        let walked = sys::walk(&root, &e.target)
            .map_err(|err| format!("cannot look at the mount at {shown}: {err}"))?;
        let found = walked.found;
        if !walked.complete || !found.mount_root || seen.contains(&found.mount_id) {
            return Err(format!(
                "nothing was mounted at {shown} as the shim expected: a host path changed between the shim's check and the mount"
            ));
        }
        // The birth time tells a file from a later one given the same inode number (the
        // red team's: a source deleted, its number reused by a credential written next).
        let born = |a: u64, b: u64| a == 0 || b == 0 || a == b;
        if (found.dev, found.ino) != (e.dev, e.ino) || !born(found.birth, e.birth) {
            return Err(format!(
                "the runtime mounted another file or folder at {shown} than the one the shim judged: a host path changed between the shim's check and the mount"
            ));
        }
        seen.push(found.mount_id);
    }
    Ok(())
}

/// Where podman mounts host files of its own (the init binary, the name files, the time zone,
/// secrets; the devices rootless runc binds): each must lie in a folder of the image's or of a
/// memory file system the runtime made, never in a mounted folder another container can write.
/// There a rename could move podman's mount onto a checked target's place, and the check would
/// find a file it had judged (catatonit) where the swapped source was mounted (the red team's,
/// through an image's `/var/run -> /run` link, which the shim's own refusal of a mount at `/run`
/// does not see).
const PODMAN_S_FILES: &[&str] = &[
    "/run/podman-init",
    "/run/.containerenv",
    "/run/secrets",
    "/etc/hosts",
    "/etc/hostname",
    "/etc/resolv.conf",
    "/etc/localtime",
    "/etc/timezone",
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/tty",
    "/dev/random",
    "/dev/urandom",
];

/// Each folder podman mounts a host file of its own in (the folder itself and every folder on
/// the way to it: whether the file is still there or was moved away), walked as the runtime
/// walks, must be the image's or a memory file system no mount outside the root shares.
fn podman_s_mounts_are_its_own(root: &std::fs::File, outside: &[u64]) -> Result<(), String> {
    for p in PODMAN_S_FILES {
        let folder = match p.rfind('/') {
            Some(0) | None => "/",
            Some(at) => &p[..at],
        };
        let w = sys::walk(root, folder.as_bytes()).map_err(|e| format!("cannot look at {folder}: {e}"))?;
        if !on_a_private_way(&w, outside) {
            return Err(format!(
                "{p}, where podman mounts a file of its own, lies in a mounted folder another container can change"
            ));
        }
    }
    Ok(())
}

/// Whether this kernel says where mounts are, as the hook asks (`/` checked against itself).
pub fn kernel_support() -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata("/").map_err(|e| e.to_string())?;
    verify_targets(
        Path::new("/"),
        &[Expected {
            dev: m.dev(),
            ino: m.ino(),
            birth: 0,
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

/// Whether a word is one of the global options the shim puts first on its argv (the hook
/// folder's, [`NO_DEFAULT_MOUNTS`]): podman's, not docker's.
pub fn is_own_global(word: &[u8]) -> bool {
    word.starts_with(b"--hooks-dir=") || word == NO_DEFAULT_MOUNTS.as_bytes()
}

/// `args` (a final argv, without the runtime's name) without the shim's own global options,
/// which are podman's, not docker's: what a reader of the shim's own output parses with
/// docker's grammar.
pub fn command_args(args: &[OsString]) -> &[OsString] {
    let n = args.iter().take_while(|t| is_own_global(t.as_bytes())).count();
    &args[n..]
}

mod sys {
    //! Walking a target inside the container's root one component at a time (`openat2`), and
    //! what each step finds ([`crate::hostfs::statx`]).
    use crate::hostfs::{Stat, statx};
    use std::os::fd::{AsRawFd, OwnedFd};

    // SAFETY: the C library's `readlinkat(2)`, in glibc and musl.
    #[allow(unsafe_code)]
    unsafe extern "C" {
        fn readlinkat(dirfd: i32, path: *const std::ffi::c_char, buf: *mut u8, size: usize) -> isize;
    }

    /// `name` (one component) in the folder `dir`, not following it if it is a link.
    fn open_in(dir: &OwnedFd, name: &[u8]) -> std::io::Result<OwnedFd> {
        use crate::hostfs::open_how::*;
        crate::hostfs::openat2(
            dir.as_raw_fd(),
            name,
            O_PATH | O_NOFOLLOW | O_CLOEXEC,
            RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH,
        )
    }

    /// What the link `fd` (opened `O_PATH | O_NOFOLLOW`) points to.
    fn link_text(fd: &OwnedFd) -> std::io::Result<Vec<u8>> {
        let mut buf = vec![0u8; 4096];
        // SAFETY: readlinkat(fd, "", buf, len): the empty path is a NUL-terminated literal (the
        // link the descriptor holds); `buf` is live and `len` bytes long.
        #[allow(unsafe_code)]
        let n = unsafe { readlinkat(fd.as_raw_fd(), c"".as_ptr(), buf.as_mut_ptr(), buf.len()) };
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        buf.truncate(n as usize);
        Ok(buf)
    }

    /// What a walk found: the root's mount, and each folder on the way with its mount and
    /// whether that mount is a memory file system (tmpfs), then what is at the end.
    pub(super) struct Walked {
        pub root_mount: u64,
        pub folders: Vec<(Stat, bool)>,
        pub found: Stat,
        /// Whether what was found lies on a memory file system.
        pub found_in_memory: bool,
        /// Whether the walk reached the target; when not, `found` is the last folder there was
        /// on the way (the root, if none), and `folders` those before it.
        pub complete: bool,
    }

    /// Whether the file system `fd` lies on keeps its files in memory (tmpfs, devtmpfs share a
    /// magic): one the runtime made for this container, which no other container shares.
    fn in_memory(fd: &OwnedFd) -> bool {
        const TMPFS_MAGIC: i64 = 0x0102_1994;
        // SAFETY: the C library's `fstatfs(2)`.
        #[allow(unsafe_code)]
        unsafe extern "C" {
            fn fstatfs(fd: i32, buf: *mut u64) -> i32;
        }
        // `struct statfs` (120 bytes on 64-bit Linux, `f_type` first): room to spare.
        let mut buf = [0u64; 32];
        // SAFETY: `buf` is live and larger than `struct statfs`.
        #[allow(unsafe_code)]
        let rc = unsafe { fstatfs(fd.as_raw_fd(), buf.as_mut_ptr()) };
        rc == 0 && buf[0] as i64 == TMPFS_MAGIC
    }

    /// The file or folder at `target` inside `root`, walked as the runtime resolves a mount's
    /// destination (links followed as if `root` were `/`), with one difference: a link is
    /// followed only when it lies on the root's own file system (the image's). A link inside a
    /// mounted host folder is one a running container can change between the runtime's walk and
    /// this one (the red team pointed the target at podman's own `/run/podman-init` bind
    /// after the mount, a file the shim had judged): refused. Nothing there: the folders the
    /// walk went through, [`Walked::complete`] false.
    pub(super) fn walk(root: &std::fs::File, target: &[u8]) -> Result<Walked, String> {
        let root_fd = open_in(&root.try_clone().map_err(|e| e.to_string())?.into(), b".")
            .map_err(|e| format!("cannot open the container's root: {e}"))?;
        let root_mount = statx(root_fd.as_raw_fd()).map_err(|e| e.to_string())?.mount_id;
        let split = crate::text::components_last_first;
        let mut todo = split(target);
        let mut walked: Vec<OwnedFd> = Vec::new();
        let mut hops = 0;
        let mut complete = true;
        while let Some(c) = todo.pop() {
            let here = walked.last().unwrap_or(&root_fd);
            if c == b".." {
                walked.pop();
                continue;
            }
            let next = match open_in(here, &c) {
                Ok(fd) => fd,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    complete = false;
                    break;
                }
                Err(e) => return Err(e.to_string()),
            };
            let st = statx(next.as_raw_fd()).map_err(|e| e.to_string())?;
            if !st.is_link {
                walked.push(next);
                continue;
            }
            if st.mount_id != root_mount {
                return Err(
                    "a link on the way lies in a mounted folder, which a running container can change".into(),
                );
            }
            hops += 1;
            if hops > 40 {
                return Err("too many links".into());
            }
            let text = link_text(&next).map_err(|e| e.to_string())?;
            if text.first() == Some(&b'/') {
                walked.clear();
            }
            todo.extend(split(&text));
        }
        let mut folders = Vec::with_capacity(walked.len() + 1);
        let root_stat = statx(root_fd.as_raw_fd()).map_err(|e| e.to_string())?;
        folders.push((root_stat, in_memory(&root_fd)));
        let last = walked.pop();
        for fd in &walked {
            let st = statx(fd.as_raw_fd()).map_err(|e| e.to_string())?;
            folders.push((st, in_memory(fd)));
        }
        let (found, found_in_memory) = match &last {
            Some(fd) => (statx(fd.as_raw_fd()).map_err(|e| e.to_string())?, in_memory(fd)),
            None => folders.pop().unwrap_or((root_stat, false)),
        };
        Ok(Walked {
            root_mount,
            folders,
            found,
            found_in_memory,
            complete,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The container's memory ceiling is written as its TCP ceiling in its cgroup v1 folder,
    /// found from either form of `cgroupsPath`; nothing without a ceiling, a folder or the file
    /// (cgroup v2); a path that climbs is never followed (the hundred-and-twenty-fourth look's).
    #[test]
    fn the_memory_ceiling_holds_tcp_socket_memory_too() {
        assert_eq!(
            cgroup_dir("/libpod_parent/libpod-abc"),
            Some(PathBuf::from("libpod_parent/libpod-abc"))
        );
        assert_eq!(
            cgroup_dir("machine.slice:libpod:abc"),
            Some(PathBuf::from("machine.slice/libpod-abc.scope"))
        );
        assert_eq!(
            cgroup_dir("user-1000.slice:libpod:abc"),
            Some(PathBuf::from("user.slice/user-1000.slice/libpod-abc.scope"))
        );
        for bad in [
            "/a/../b",
            "",
            "/",
            "x.slice:a",
            "../x.slice:libpod:abc",
            "machine.slice:libpod:../x",
        ] {
            assert_eq!(cgroup_dir(bad), None, "{bad}");
        }
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("libpod_parent/libpod-abc");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("memory.kmem.tcp.limit_in_bytes");
        std::fs::write(&file, "9223372036854771712\n").unwrap();
        let config = |limit: serde_json::Value| serde_json::json!({"linux": {"cgroupsPath": "/libpod_parent/libpod-abc", "resources": {"memory": {"limit": limit}}}});
        tcp_ceiling(&config(serde_json::json!(134217728)), root.path()).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "33554432");
        tcp_ceiling(&config(serde_json::json!(4294967296_i64)), root.path()).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "1073741824");
        tcp_ceiling(&config(serde_json::json!(8388608)), root.path()).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "8388608");
        // No ceiling: untouched.
        std::fs::write(&file, "x").unwrap();
        tcp_ceiling(
            &serde_json::json!({"linux": {"cgroupsPath": "/libpod_parent/libpod-abc"}}),
            root.path(),
        )
        .unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
        // No file there (cgroup v2, rootless): nothing to do.
        std::fs::remove_file(&file).unwrap();
        tcp_ceiling(&config(serde_json::json!(134217728)), root.path()).unwrap();
        assert!(!file.exists());
        // A file that cannot be written refuses the container.
        std::fs::create_dir(&file).unwrap();
        assert!(
            tcp_ceiling(&config(serde_json::json!(134217728)), root.path()).is_ok(),
            "a folder is no limit file"
        );
        std::fs::remove_dir(&file).unwrap();
        std::fs::write(&file, "").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
        if crate::process::euid() != 0 {
            assert!(tcp_ceiling(&config(serde_json::json!(134217728)), root.path()).is_err());
        }
    }

    /// A private folder with the hook file of a shim at `/usr/local/bin` installed in it: the
    /// folder, the owner, the file's text and the hook folder.
    fn installed() -> (tempfile::TempDir, u32, String, PathBuf) {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let owner = crate::process::euid();
        let file = hook_file(Path::new("/usr/local/bin/nanoclaw-shim"));
        let dir = folder(d.path(), &file);
        install(d.path(), &dir, &file, owner, true, true).unwrap();
        (d, owner, file, dir)
    }

    /// A hook file of the right length but another text (a container's, written while it had
    /// the folder) is written afresh: podman would run the program it names.
    #[test]
    fn a_hook_file_another_wrote_is_replaced() {
        let (d, owner, file, dir) = installed();
        let name = dir.join("nanoclaw-shim.json");
        assert_eq!(std::fs::read_to_string(&name).unwrap(), file);
        let forged = file.replace("/usr/local/bin/nanoclaw-shim", "/home/al/grp/main/evil/hook1");
        assert_eq!(forged.len(), file.len());
        std::fs::write(&name, &forged).unwrap();
        install(d.path(), &dir, &file, owner, true, true).unwrap();
        assert_eq!(std::fs::read_to_string(&name).unwrap(), file);
    }

    /// The hook folder lies where no variable moves it when it can: root's in `/run`, another
    /// user's in their runtime folder when logind made one (theirs, private), else the cache.
    #[test]
    fn the_hook_folder_lies_where_no_variable_moves_it() {
        let cache = Path::new("/home/al/grp/main/cache/nanoclaw-shim");
        assert_eq!(base(0, Some(cache)), Some(PathBuf::from("/run/nanoclaw-shim")));
        // A uid with no runtime folder here: the cache folder, or nothing to put it in.
        let nobody = 4_000_000_000;
        assert_eq!(base(nobody, Some(cache)), Some(cache.to_path_buf()));
        assert_eq!(base(nobody, None), None);
        // A runtime folder of another owner's is not the caller's.
        use std::os::unix::fs::MetadataExt;
        if let Some(e) = std::fs::read_dir("/run/user")
            .into_iter()
            .flatten()
            .flatten()
            .next()
        {
            let owner = std::fs::metadata(e.path()).unwrap().uid();
            if owner != 0 && e.file_name().to_string_lossy() == owner.to_string() {
                assert_eq!(base(owner, Some(cache)), Some(e.path().join("nanoclaw-shim")));
            }
        }
    }

    /// The process's ids as the runtime gives them: the configuration's, and each additional
    /// gid as the container's `/etc/group` names it (the look `he`: a line `1000:x:0:` made the
    /// configuration's 1000 the root group); rootful, no system id either.
    #[test]
    fn a_process_below_the_lowest_ids_is_refused() {
        let user = |uid: u64, gid: u64, more: &[u64]| serde_json::json!({"uid": uid, "gid": gid, "additionalGids": more});
        let group =
            b"root:x:0:\n 1000:x:0:\nnode:x:1000:\n2000:x:abc:\nstaff:x:50:node\n3000:x:4294967296:\n";
        let problem =
            |value: &str, u: &serde_json::Value, g: Option<&[u8]>| ids_problem(value, u, g).unwrap();
        assert_eq!(problem("1000:1000", &user(1000, 1000, &[]), Some(group)), None);
        assert_eq!(problem("1:1", &user(1000, 1000, &[]), Some(group)), None);
        for (value, u) in [
            ("1000:1000", user(1000, 1000, &[1000])),
            ("1:1", user(1000, 1000, &[1000])),
            ("1000:1000", user(1000, 1000, &[2000])),
            ("1000:1000", user(1000, 1000, &[50])),
            ("1:1", user(0, 1000, &[])),
            ("1000:1000", user(33, 1000, &[])),
            ("1:1", user(1000, 0, &[])),
            // Past 32 bits, the kernel's gid 0 (the look `hg`).
            ("1:1", user(1000, 1000, &[3000])),
        ] {
            assert!(problem(value, &u, Some(group)).is_some(), "{value} {u}");
        }
        // The first line that names or numbers the gid is the runtime's: `node:x:1000:` before
        // `1000:x:0:` gives 1000 (the look `hg`'s false refusal).
        // A comment is no line (the look `hh`).
        let commented = b"#c:x:1000:\n  # node:x:1000:\n1000:x:0:\n";
        assert_eq!(runtime_groups(Some(commented), &[1000]), [0]);
        let first = b"node:x:1000:\n1000:x:0:\n";
        assert_eq!(
            problem("1000:1000", &user(1000, 1000, &[1000]), Some(first)),
            None
        );
        assert_eq!(runtime_groups(Some(first), &[1000, 1000]), [1000, 0]);
        // Rootless, a system id is one of the caller's sub-ids.
        assert_eq!(problem("1:1", &user(33, 50, &[50]), None), None);
        assert_eq!(problem("1000:1000", &user(1000, 1000, &[1000]), None), None);
        assert!(ids_problem("x", &user(1000, 1000, &[]), None).is_err());
        assert!(ids_problem("1:1", &serde_json::json!({}), None).is_err());
    }

    /// podman runs every `*.json` in the folder: one more there is refused, whatever the shim's
    /// own file holds; a name podman skips is not.
    #[test]
    fn another_hook_beside_the_shim_s_is_refused() {
        let (d, owner, file, dir) = installed();
        std::fs::write(dir.join(".nanoclaw-shim.json.4242"), "partial").unwrap();
        std::fs::write(dir.join("notes.txt"), "{}").unwrap();
        install(d.path(), &dir, &file, owner, true, true).unwrap();
        let planted = file.replace("/usr/local/bin/nanoclaw-shim", "/home/al/grp/evil.sh");
        std::fs::write(dir.join("0.json"), &planted).unwrap();
        let err = install(d.path(), &dir, &file, owner, true, true).unwrap_err();
        assert!(err.contains("0.json") && err.contains("did not write"), "{err}");
        // Also when the shim's own file is missing, and so would be written.
        std::fs::remove_file(dir.join(HOOK_NAME)).unwrap();
        assert!(install(d.path(), &dir, &file, owner, true, true).is_err());
        assert!(!dir.join(HOOK_NAME).exists());
        std::fs::remove_file(dir.join("0.json")).unwrap();
        install(d.path(), &dir, &file, owner, true, true).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join(HOOK_NAME)).unwrap(), file);
    }

    #[test]
    fn expectations_read_back_whatever_the_target_holds() {
        let m = vec![
            Expected {
                dev: 65024,
                ino: 2170946,
                birth: 1_764_870_000_123_456_789,
                target: b"/workspace/agent".to_vec(),
            },
            Expected {
                dev: 0,
                ino: 0,
                birth: 0,
                target: b"/a b,c;d:e".to_vec(),
            },
        ];
        let v = encode(&m);
        assert!(!v.contains(','), "{v}");
        assert_eq!(decode(&v), Some(m));
        assert_eq!(decode(""), Some(Vec::new()), "no bind: nothing to compare");
        for bad in [
            ";",
            "1:2",
            "1:2:0",
            "1:2:0:",
            "1:2:0:2",
            "x:2:0:2f",
            "1:2:0:6162",
            "1:2:0:2f;",
            "1:2:2f",
        ] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_mounts_outside_the_root_are_the_shared_ones() {
        let table = b"22 1 0:21 / /tmp rw - tmpfs tmpfs rw\n\
30 22 0:45 / /r/merged/dev rw - tmpfs tmpfs rw\n\
31 30 0:46 / /r/merged/run rw - tmpfs tmpfs rw\n\
32 22 0:21 /g /r/merged/var\\040run rw - tmpfs tmpfs rw\n\
33 1 0:47 / /r/merged2 rw - tmpfs tmpfs rw\n";
        let out = Table::read(table).devices_outside(b"/r/merged");
        // The host's /tmp (shared, also bound into the root) and a sibling of the root; not the
        // runtime's fresh /dev and /run.
        assert_eq!(
            out,
            [crate::hostfs::makedev(0, 21), crate::hostfs::makedev(0, 47)]
        );
        assert_eq!(crate::aliases::unescape(br"/a\040b\134c\011"), b"/a b\\c\t");
        assert_eq!(crate::aliases::unescape(br"/x\9"), br"/x\9");
    }

    #[test]
    fn a_mount_s_parent_is_read_from_the_mount_table() {
        let table = b"22 1 0:21 / /tmp rw - tmpfs tmpfs rw\n\
40 22 0:50 / /r/merged rw shared:7 - overlay overlay rw\n\
41 40 0:51 / /r/merged/dev rw - tmpfs tmpfs rw\n\
42 41 0:52 / /r/merged/dev/shm rw master:3 - tmpfs shm rw\n\
43 40 8:1 /vol/_data /r/merged/srv rw - ext4 /dev/sda1 rw\n\
44 43 0:53 / /r/merged/srv rw - tmpfs tmpfs rw\n";
        let dev = crate::hostfs::makedev;
        let t = Table::read(table);
        assert_eq!(
            t.0[5],
            Mount {
                id: 44,
                parent: 43,
                dev: dev(0, 53),
                point: b"/r/merged/srv".to_vec(),
                fs: Fs::Memory
            }
        );
        assert_eq!((t.0[4].dev, t.0[4].fs), (dev(8, 1), Fs::Files));
        // Made on the root through the container's own tmpfs: yes; on a volume, directly or
        // through a tmpfs stacked on it: no; a tmpfs another mount outside the root has: no.
        let stacked = [&table[..], b"45 44 0:54 / /r/merged/srv rw - tmpfs tmpfs rw\n"].concat();
        let t = Table::read(&stacked);
        assert!(t.made_on_the_container_s_own(41, 40, &[]));
        assert!(t.made_on_the_container_s_own(42, 40, &[]));
        assert!(!t.made_on_the_container_s_own(44, 40, &[]));
        assert!(!t.made_on_the_container_s_own(45, 40, &[]));
        assert!(!t.made_on_the_container_s_own(42, 40, &[dev(0, 51)]));
        assert!(!t.made_on_the_container_s_own(99, 40, &[]));
        // runc's tmpfs at /sys/fs/cgroup (cgroup v1) is made on the kernel's /sys: its own.
        let sys = [
            &table[..],
            b"46 40 0:22 / /r/merged/sys ro - sysfs sysfs ro\n47 46 0:55 / /r/merged/sys/fs/cgroup rw - tmpfs tmpfs rw\n",
        ]
        .concat();
        assert!(Table::read(&sys).made_on_the_container_s_own(47, 40, &[]));
        // The container's own memory file systems, by the table, wherever they sit: not the
        // host's `/tmp`, not one another mount outside has.
        let ids =
            |outside: &[u64]| -> Vec<u64> { t.fresh_memory(b"/r/merged", outside).map(|m| m.id).collect() };
        assert_eq!(ids(&[dev(0, 51)]), [42, 44, 45]);
        assert_eq!(ids(&[]), [41, 42, 44, 45]);
    }

    #[test]
    fn a_site_s_own_hook_folders_are_found_in_containers_conf() {
        let conf = |t: &str| t.to_string();
        let base =
            conf("[engine]\nhooks_dir = [\"/usr/share/containers/oci/hooks.d\", \"/opt/site/hooks\"]\n");
        assert_eq!(
            unnamed_hook_folders(std::slice::from_ref(&base)),
            ["/opt/site/hooks"]
        );
        // A later file's setting wins; one that does not set it, or does not read, does not.
        let later = conf("[engine]\nhooks_dir = [\"/etc/containers/oci/hooks.d/\"]\n");
        assert!(unnamed_hook_folders(&[base.clone(), later]).is_empty());
        let silent = conf("[engine]\ncgroup_manager = \"cgroupfs\"\n");
        assert_eq!(
            unnamed_hook_folders(&[base.clone(), silent, conf("not toml [")]),
            ["/opt/site/hooks"]
        );
        assert!(unnamed_hook_folders(&[]).is_empty());
    }

    /// The refused prefixes travel to the hook whole, whatever bytes a policy gives them; the
    /// hook finds an image's annotation under one in any case, and leaves podman's own alone.
    #[test]
    fn refused_annotations_are_found_and_podman_s_own_pass() {
        let prefixes = ["run.oci.", "org.systemd.", "a,b;c%d", "module.wasm.image/"];
        let value = encode_prefixes(&prefixes);
        assert!(!value.contains(','), "{value}");
        assert_eq!(decode_prefixes(&value), Some(prefixes.map(String::from).to_vec()));
        assert_eq!(decode_prefixes("run.oci.;%4"), None);
        let prefixes = decode_prefixes(&value).unwrap();
        let find = |keys: &[&'static str]| refused_annotation(keys.iter().copied(), &prefixes);
        assert_eq!(
            find(&["a=1", "RUN.OCI.keep_original_groups"]),
            Some("RUN.OCI.keep_original_groups")
        );
        assert_eq!(
            find(&["org.systemd.property.CPUQuota"]),
            Some("org.systemd.property.CPUQuota")
        );
        assert_eq!(
            find(&[
                "org.systemd.property.KillSignal",
                "org.systemd.property.TimeoutStopUSec",
                "io.podman.annotations.privileged",
                "io.github.nanoclaw-shim.mounts",
                "org.opencontainers.image.title",
            ]),
            None
        );
    }

    #[test]
    fn the_hook_file_names_the_binary_and_runs_for_every_container() {
        let f = hook_file(Path::new("/home/a \"b\"/nanoclaw-shim"));
        let v: serde_json::Value = serde_json::from_str(&f).unwrap();
        assert_eq!(v["hook"]["path"], "/home/a \"b\"/nanoclaw-shim");
        assert_eq!(v["hook"]["args"][0], PROGRAM);
        assert_eq!(v["stages"][0], "createContainer");
        // Every container, not only those carrying the shim's annotation: one made without the
        // shim is refused by the hook, not passed over by podman.
        assert_eq!(v["when"], serde_json::json!({"always": true}));
        assert_eq!(decode(&encode(&[])), Some(Vec::new()));
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
            birth: 0,
            target: target.to_vec(),
        };
        // The right inode, but no mount of its own: what a link swapped in and out leaves.
        let e = verify(dir.path(), &[want(b"/w")], &[]).unwrap_err();
        assert!(e.contains("nothing was mounted at /w"), "{e}");
        // Resolved inside the root: a link out of it does not reach the host's folder.
        std::os::unix::fs::symlink(dir.path().join("w"), dir.path().join("l")).unwrap();
        assert!(verify(dir.path(), &[want(b"/l")], &[]).is_err());
        assert!(verify(dir.path(), &[want(b"/missing")], &[]).is_err());
    }

    #[test]
    fn the_root_of_a_mount_passes_once() {
        use std::os::unix::fs::MetadataExt;
        // `/` is a mount root on every machine the tests run on.
        let m = std::fs::metadata("/").unwrap();
        let root = Expected {
            dev: m.dev(),
            ino: m.ino(),
            birth: 0,
            target: b"/".to_vec(),
        };
        verify_targets(Path::new("/"), std::slice::from_ref(&root)).unwrap();
        // Two expectations cannot both be met by one mount.
        assert!(verify_targets(Path::new("/"), &[root.clone(), root.clone()]).is_err());
        let other = Expected {
            ino: m.ino() + 1,
            ..root
        };
        assert!(verify_targets(Path::new("/"), &[other]).is_err());
    }
}
