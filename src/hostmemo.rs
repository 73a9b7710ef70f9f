//! The host-path model's memory between invocations: the policy's list entries, resolved once,
//! reused while every directory that resolution looked in is unchanged.
//!
//! Resolving the ~130 entries of the default lists (symlinks followed, so that `~/.ssh` linked
//! to `/data/keys` protects `/data/keys`) was the largest part of a `docker run`'s cost: about
//! fifty system calls, three directory listings among them, and a quarter of the instructions.
//! The answer only changes when a directory on an entry's way changes, and a directory's
//! [`Stamp`] (device, inode, change time) says whether it did: creating, removing or renaming an
//! entry updates the directory's `ctime`, which nobody but the clock can set, and a symlink's
//! target cannot be rewritten in place. So each resolution records the directories it looked in
//! (the *witnesses*), and the next invocation checks one stamp per witness instead of resolving.
//!
//! What makes reuse safe:
//! - the key is every input in full (the expanded entries, in order, the caller's uid and the
//!   mount tree paths are resolved in: the mount `/` is, which differs between mount
//!   namespaces), compared byte for byte, not a hash;
//! - every witness must be the same directory, unchanged: one differing stamp and everything is
//!   resolved again;
//! - nothing is remembered from a directory that changed less than [`SETTLE_SECS`] before the
//!   resolution began: a change in the same clock tick as the stamp was taken could otherwise
//!   leave the stamp equal (the racy-clean problem git's index has), and a change during the
//!   resolution would be stamped after it;
//! - the file is only read when the caller owns it and nobody else may write it, and it lives
//!   in the shim's cache folder, which the host-exec list refuses to any writable mount;
//! - it holds paths from the policy's lists and where they resolve, nothing from the argv.
//!
//! Sources are resolved afresh by every invocation. What is remembered of a mounted directory
//! is only which credential names lie at its top: listing a directory is the
//! costliest question a check asks, and nanoclaw mounts the same group and skill folders into
//! every container. That fact too is tied to the directory's stamp, which the check reads anew
//! each time, and is never taken from a directory that changed within [`SETTLE_SECS`].

use std::path::PathBuf;

use crate::hostfs::{HostFs, Stamp};

/// Where the resolved lists are remembered, and whose files they must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memory {
    /// The shim's cache folder.
    pub dir: PathBuf,
    /// The caller's uid: a file is trusted only when this user owns it.
    pub owner: u32,
    /// Which build of the shim this is (version, commit, and the binary's identity and
    /// modification time): a memory is only ever read by the build that wrote it, so a change
    /// to how paths are resolved cannot meet an answer the old code gave. Asked of the binary
    /// only when a check needs the memory: a `ps` does not pay for the `stat`.
    build: std::sync::OnceLock<Option<Vec<u8>>>,
    /// The binary the build is read from.
    exe: Option<PathBuf>,
}

impl Memory {
    /// The memory of the build at `exe`, in folder `dir`, for user `owner`.
    pub fn new(dir: PathBuf, owner: u32, exe: PathBuf) -> Memory {
        Memory {
            dir,
            owner,
            build: std::sync::OnceLock::new(),
            exe: Some(exe),
        }
    }

    /// A memory whose build is named outright (tests).
    pub fn of_build(dir: PathBuf, owner: u32, build: &[u8]) -> Memory {
        Memory {
            dir,
            owner,
            build: std::sync::OnceLock::from(Some(build.to_vec())),
            exe: None,
        }
    }

    /// This build's identity; `None` when the binary cannot be looked at, or when the folder
    /// is not one only the caller and root could have filled ([`crate::trust::cache_folder`]):
    /// then nothing is remembered or recalled. Asked once, and only by a call that needs the
    /// memory.
    pub fn build(&self) -> Option<&[u8]> {
        self.build
            .get_or_init(|| {
                use std::os::unix::fs::MetadataExt;
                let exe = crate::hostfs::metadata_once(self.exe.as_ref()?)?;
                if let Err(why) = crate::trust::cache_folder(&self.dir, self.owner) {
                    tracing::warn!("cache folder not used: {why}");
                    return None;
                }
                let id = format!(
                    "{} {} {}:{}:{}:{}.{}",
                    env!("CARGO_PKG_VERSION"),
                    option_env!("NANOCLAW_SHIM_COMMIT").unwrap_or("unknown"),
                    exe.dev(),
                    exe.ino(),
                    exe.size(),
                    exe.mtime(),
                    exe.mtime_nsec()
                );
                Some(id.into_bytes())
            })
            .as_deref()
    }

    /// The file for one set of inputs: named by their hash, so that callers with other
    /// policies or homes do not overwrite each other's memory on every call (the inputs are
    /// still compared in full inside, so a collision only costs a miss).
    pub fn file(&self, kind: &str, inputs: &[u8]) -> PathBuf {
        self.named(kind, crate::fnv::wide(inputs))
    }

    fn named(&self, kind: &str, hash: u64) -> PathBuf {
        self.dir.join(format!("{kind}.{hash:016x}"))
    }
}

/// What compiled lists depend on besides the file system: this build, the caller's home and
/// every entry of every list, in order. As bytes: the parts NUL-terminated, each list closed
/// by `\x01`. A recall never puts them together: they are hashed for the file's name and
/// compared with the file's copy part by part (putting them together was a fresh page of
/// copies on every call).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Inputs<'a> {
    pub build: &'a [u8],
    pub home: Option<&'a [u8]>,
    pub lists: &'a [Vec<&'a [u8]>],
}

impl Inputs<'_> {
    /// Hands each part to `f` with the byte that ends it, in order, while `f` answers `true`;
    /// whether every part was handed. A list's closing `\x01` is an empty part ended by it.
    fn each(&self, mut f: impl FnMut(&[u8], u8) -> bool) -> bool {
        if !(f(self.build, 0) && f(self.home.unwrap_or(b"\x01"), 0)) {
            return false;
        }
        for list in self.lists {
            for entry in list {
                if !f(entry, 0) {
                    return false;
                }
            }
            if !f(b"", 1) {
                return false;
            }
        }
        true
    }

    /// Whether `stored` is these inputs, byte for byte.
    fn equal(&self, stored: &[u8]) -> bool {
        let mut rest = stored;
        self.each(|part, end| {
            let n = part.len();
            let same = rest.len() > n && rest[n] == end && rest[..n] == *part;
            if same {
                rest = &rest[n + 1..];
            }
            same
        }) && rest.is_empty()
    }

    fn to_vec(self) -> Vec<u8> {
        let mut out = Vec::new();
        self.each(|part, end| {
            out.extend_from_slice(part);
            out.push(end);
            true
        });
        out
    }

    fn hash(&self) -> u64 {
        let mut h = crate::fnv::Wide::default();
        self.each(|part, end| {
            h.part(part);
            h.byte(end);
            true
        });
        h.finish()
    }
}

/// The name the compiled lists are remembered under (with a hash of their inputs).
pub const LISTS: &str = "host-paths";

/// The name facts about mounted directories are remembered under.
pub const DIRS: &str = "host-dirs";

/// How many memories of each kind are kept (one per build, policy and home in use): the most
/// recently written.
pub const KEPT_FILES: usize = 8;

/// A directory that changed this recently (seconds, before the resolution began) is not relied
/// on: its stamp may not yet tell a later change from this one.
pub const SETTLE_SECS: i64 = 2;

const MAGIC: &[u8] = b"nanoclaw-shim compiled host-path lists 3\n";

/// How one entry was compiled, with spans into the remembered arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stored {
    /// `~` without a home: matches nothing.
    None,
    /// A literal path, and the path it resolves to when that differs: (start, length) each.
    Lit {
        lit: (u32, u32),
        real: Option<(u32, u32)>,
    },
    /// A path with glob components, joined: (start, length). Its shape (where the first glob
    /// character is) is read off it again, a scan of a few bytes; the `~` expansion and the
    /// joining are not redone.
    Glob { pattern: (u32, u32) },
}

/// What the memory holds: the inputs it was compiled from (the caller's home and every entry,
/// NUL-terminated), the compiled entries (their joined and resolved paths in one arena), and
/// the witnesses with their stamps.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Remembered<'b> {
    pub namespace: u64,
    pub owner: u32,
    pub inputs: &'b [u8],
    pub arena: &'b [u8],
    pub forms: Vec<Stored>,
    pub witnesses: Vec<(&'b [u8], Stamp)>,
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

pub(crate) fn encode(r: &Remembered<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(MAGIC.len() + r.inputs.len() * 2 + 64 * r.witnesses.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&r.namespace.to_le_bytes());
    out.extend_from_slice(&r.owner.to_le_bytes());
    put_bytes(&mut out, r.inputs);
    put_bytes(&mut out, r.arena);
    out.extend_from_slice(&(r.forms.len() as u32).to_le_bytes());
    let span = |out: &mut Vec<u8>, (at, len): (u32, u32)| {
        out.extend_from_slice(&at.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
    };
    for f in &r.forms {
        match *f {
            Stored::None => out.push(0),
            Stored::Glob { pattern } => {
                out.push(1);
                span(&mut out, pattern);
            }
            Stored::Lit { lit, real: None } => {
                out.push(2);
                span(&mut out, lit);
            }
            Stored::Lit {
                lit,
                real: Some(real),
            } => {
                out.push(3);
                span(&mut out, lit);
                span(&mut out, real);
            }
        }
    }
    out.extend_from_slice(&(r.witnesses.len() as u32).to_le_bytes());
    for (dir, s) in &r.witnesses {
        put_bytes(&mut out, dir);
        for v in [s.dev, s.ino, s.ctime as u64, s.ctime_nsec as u64] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

/// Reads fields off the front of a byte string; every read is bounds-checked.
struct Reader<'b>(&'b [u8]);

impl<'b> Reader<'b> {
    fn take(&mut self, n: usize) -> Option<&'b [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
    }

    fn u64(&mut self) -> Option<u64> {
        self.take(8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }

    fn bytes(&mut self) -> Option<&'b [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

/// The memory's contents, or `None` when the bytes are not a whole, well-formed memory.
pub(crate) fn decode(bytes: &[u8]) -> Option<Remembered<'_>> {
    let mut r = Reader(bytes.strip_prefix(MAGIC)?);
    let namespace = r.u64()?;
    let owner = r.u32()?;
    let inputs = r.bytes()?;
    let arena = r.bytes()?;
    let n = r.u32()? as usize;
    // Each form takes at least a byte: a count larger than what is left is corrupt.
    if n > r.0.len() {
        return None;
    }
    let mut forms = Vec::with_capacity(n);
    // A span must lie within the arena.
    let span = |r: &mut Reader<'_>| {
        let (at, len) = (r.u32()?, r.u32()?);
        (at as usize + len as usize <= arena.len()).then_some((at, len))
    };
    for _ in 0..n {
        forms.push(match r.u8()? {
            0 => Stored::None,
            1 => Stored::Glob {
                pattern: span(&mut r)?,
            },
            2 => Stored::Lit {
                lit: span(&mut r)?,
                real: None,
            },
            3 => Stored::Lit {
                lit: span(&mut r)?,
                real: Some(span(&mut r)?),
            },
            _ => return None,
        });
    }
    let w = r.u32()? as usize;
    if w > r.0.len() / 36 {
        return None;
    }
    let mut witnesses = Vec::with_capacity(w);
    for _ in 0..w {
        let dir = r.bytes()?;
        let stamp = Stamp {
            dev: r.u64()?,
            ino: r.u64()?,
            ctime: r.u64()? as i64,
            ctime_nsec: r.u64()? as i64,
        };
        witnesses.push((dir, stamp));
    }
    r.0.is_empty().then_some(Remembered {
        namespace,
        owner,
        inputs,
        arena,
        forms,
        witnesses,
    })
}

/// Why the lists were resolved rather than recalled, or why they were not remembered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Miss {
    /// No memory yet, or not the caller's own, or not private.
    Unreadable,
    /// Not a memory this version wrote, or cut short.
    Malformed,
    /// Remembered for other lists, another user or another mount namespace.
    OtherInputs,
    /// A directory a resolution looked in has changed (or is gone).
    Changed,
}

impl std::fmt::Display for Miss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Miss::Unreadable => "nothing remembered that the caller owns and only the caller may write",
            Miss::Malformed => "not a memory this version wrote",
            Miss::OtherInputs => "remembered for other lists, user or mount namespace",
            Miss::Changed => "a directory on the entries' way changed",
        })
    }
}

/// The lists compiled from `inputs` (`entries` of them), as remembered: their arena and each
/// entry's form, if every witness is unchanged. The arena is returned in the buffer the file
/// was read into, moved to its front: no second copy, and room to grow.
pub(crate) fn recall(
    fs: &dyn HostFs,
    memory: &Memory,
    inputs: &Inputs<'_>,
    entries: usize,
) -> Result<(Vec<u8>, Vec<Stored>), Miss> {
    let mut bytes = fs
        .read_private(&memory.named(LISTS, inputs.hash()), memory.owner)
        .ok_or(Miss::Unreadable)?;
    let r = decode(&bytes).ok_or(Miss::Malformed)?;
    if !inputs.equal(r.inputs)
        || r.owner != memory.owner
        || Some(r.namespace) != fs.namespace()
        || r.forms.len() != entries
    {
        return Err(Miss::OtherInputs);
    }
    for (dir, stamp) in &r.witnesses {
        if fs.stamp(dir) != Some(*stamp) {
            return Err(Miss::Changed);
        }
    }
    let at = r.arena.as_ptr() as usize - bytes.as_ptr() as usize;
    let len = r.arena.len();
    let forms = r.forms;
    bytes.copy_within(at..at + len, 0);
    bytes.truncate(len);
    Ok((bytes, forms))
}

/// Why a resolution was not remembered.
#[derive(Debug)]
pub(crate) enum NotKept {
    /// This witness changed within [`SETTLE_SECS`] of `started`, or is gone (empty: the mount
    /// namespace is unknown).
    Unsettled(Vec<u8>),
    /// This witness lies on a file system whose `ctime` is not relied on (network, FUSE).
    Remote(Vec<u8>),
    /// Writing the file failed.
    Io(std::io::Error),
}

impl std::fmt::Display for NotKept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotKept::Unsettled(dir) => write!(
                f,
                "{} changed less than {SETTLE_SECS} s ago",
                crate::text::lossy(dir)
            ),
            NotKept::Remote(dir) => write!(
                f,
                "{} is on a file system whose change times are not relied on",
                crate::text::lossy(dir)
            ),
            NotKept::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Remembers the lists compiled from `inputs` (`arena`, `forms`) by a resolution that began at
/// `started` (the file system's clock) and looked in `witnesses`, unless one of them changed
/// too recently to be relied on.
pub(crate) fn remember(
    fs: &dyn HostFs,
    memory: &Memory,
    started: i64,
    inputs: &Inputs<'_>,
    arena: &[u8],
    forms: Vec<Stored>,
    mut witnesses: Vec<Vec<u8>>,
) -> Result<(), NotKept> {
    witnesses.sort_unstable();
    witnesses.dedup();
    let namespace = fs.namespace().ok_or(NotKept::Unsettled(Vec::new()))?;
    let mut stamped = Vec::with_capacity(witnesses.len());
    for dir in &witnesses {
        match fs.stamp(dir) {
            Some(s) if s.ctime <= started - SETTLE_SECS => stamped.push((dir.as_slice(), s)),
            _ => return Err(NotKept::Unsettled(dir.clone())),
        }
        if !fs.keeps_ctime(dir) {
            return Err(NotKept::Remote(dir.clone()));
        }
    }
    let bytes = encode(&Remembered {
        namespace,
        owner: memory.owner,
        inputs: &inputs.to_vec(),
        arena,
        forms,
        witnesses: stamped,
    });
    fs.write_private(&memory.named(LISTS, inputs.hash()), &bytes)
        .map_err(NotKept::Io)?;
    fs.prune(&memory.dir, &format!("{LISTS}."), KEPT_FILES);
    Ok(())
}

const DIRS_MAGIC: &[u8] = b"nanoclaw-shim mounted-directory facts 1\n";

/// How many directories' facts are kept: nanoclaw mounts a handful per container.
pub const DIRS_KEPT: usize = 64;

/// What is known of one directory: its stamp when listed, and the credential names at its
/// top, in listing order.
type DirFact = (Vec<u8>, Stamp, Vec<Vec<u8>>);

/// Facts about mounted directories: which credential names lie at their top, remembered
/// beside the lists and trusted as they are.
#[derive(Debug, Default)]
pub(crate) struct Dirs {
    /// The credential names these facts were found with, NUL-terminated.
    key: Vec<u8>,
    /// The remembered facts as read: checked whole when loaded, then read in place when a
    /// directory is asked about. nanoclaw mounts a new session folder into every container, so
    /// the file is usually full ([`DIRS_KEPT`] facts), and decoding every fact on every call
    /// cost a `run` more than a hundred allocations to answer a handful of questions.
    known: Vec<u8>,
    learned: Vec<DirFact>,
}

impl Dirs {
    /// The facts remembered for these credential names (none when nothing usable is).
    pub(crate) fn load(fs: &dyn HostFs, memory: &Memory, key: Vec<u8>) -> Dirs {
        let known = fs
            .read_private(&memory.file(DIRS, &key), memory.owner)
            .and_then(|b| {
                let at = facts_start(&b, &key, memory.owner, fs.namespace()?)?;
                Some(b[at..].to_vec())
            })
            .unwrap_or_default();
        Dirs {
            key,
            known,
            learned: Vec::new(),
        }
    }

    /// The credential names at the top of `dir`, if known for this very `stamp`.
    pub(crate) fn recall(&self, dir: &[u8], stamp: Stamp) -> Option<Vec<Vec<u8>>> {
        if let Some((_, _, names)) = self.learned.iter().find(|(d, s, _)| d == dir && *s == stamp) {
            return Some(names.clone());
        }
        facts(&self.known)
            .find(|f| f.dir == dir && f.stamp == stamp)
            .map(|f| f.names().map(<[u8]>::to_vec).collect())
    }

    /// Records what a listing of `dir`, stamped `stamp` before it began at `started`, found;
    /// nothing when the directory changed too recently to be relied on, or lies on a file
    /// system whose change times are not.
    pub(crate) fn learn(
        &mut self,
        fs: &dyn HostFs,
        dir: &[u8],
        stamp: Stamp,
        started: i64,
        names: Vec<Vec<u8>>,
    ) {
        if stamp.ctime <= started - SETTLE_SECS && fs.keeps_ctime(dir) {
            self.learned.push((dir.to_vec(), stamp, names));
        }
    }

    /// Writes the facts back when something was learned: the newest first, at most
    /// [`DIRS_KEPT`].
    pub(crate) fn save(self, fs: &dyn HostFs, memory: &Memory) -> Option<std::io::Result<()>> {
        if self.learned.is_empty() {
            return None;
        }
        let namespace = fs.namespace()?;
        let mut all = self.learned;
        for k in facts(&self.known) {
            if !all.iter().any(|(d, _, _)| d == k.dir) {
                all.push((k.dir.to_vec(), k.stamp, k.names().map(<[u8]>::to_vec).collect()));
            }
        }
        all.truncate(DIRS_KEPT);
        let mut out = Vec::with_capacity(1024);
        out.extend_from_slice(DIRS_MAGIC);
        out.extend_from_slice(&namespace.to_le_bytes());
        out.extend_from_slice(&memory.owner.to_le_bytes());
        put_bytes(&mut out, &self.key);
        out.extend_from_slice(&(all.len() as u32).to_le_bytes());
        for (dir, s, names) in &all {
            put_bytes(&mut out, dir);
            for v in [s.dev, s.ino, s.ctime as u64, s.ctime_nsec as u64] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.extend_from_slice(&(names.len() as u32).to_le_bytes());
            for n in names {
                put_bytes(&mut out, n);
            }
        }
        let written = fs.write_private(&memory.file(DIRS, &self.key), &out);
        if written.is_ok() {
            fs.prune(&memory.dir, &format!("{DIRS}."), KEPT_FILES);
        }
        Some(written)
    }
}

/// Where the facts in `bytes` begin, if they are whole and were found for `key` by `owner` in
/// `namespace`: the count, then each fact, and nothing after the last.
fn facts_start(bytes: &[u8], key: &[u8], owner: u32, namespace: u64) -> Option<usize> {
    let mut r = Reader(bytes.strip_prefix(DIRS_MAGIC)?);
    if r.u64()? != namespace || r.u32()? != owner || r.bytes()? != key {
        return None;
    }
    let at = bytes.len() - r.0.len();
    let n = r.u32()? as usize;
    if n > DIRS_KEPT {
        return None;
    }
    for _ in 0..n {
        Fact::read(&mut r)?;
    }
    r.0.is_empty().then_some(at)
}

/// One fact, read in place.
struct Fact<'b> {
    dir: &'b [u8],
    stamp: Stamp,
    count: usize,
    /// The names, each as [`put_bytes`] wrote it, and whatever follows them.
    names: &'b [u8],
}

impl<'b> Fact<'b> {
    /// Reads one fact from `r`, leaving it after the fact.
    fn read(r: &mut Reader<'b>) -> Option<Fact<'b>> {
        let dir = r.bytes()?;
        let stamp = Stamp {
            dev: r.u64()?,
            ino: r.u64()?,
            ctime: r.u64()? as i64,
            ctime_nsec: r.u64()? as i64,
        };
        let count = r.u32()? as usize;
        if count > r.0.len() / 4 {
            return None;
        }
        let names = r.0;
        for _ in 0..count {
            r.bytes()?;
        }
        Some(Fact {
            dir,
            stamp,
            count,
            names,
        })
    }

    fn names(&self) -> impl Iterator<Item = &'b [u8]> {
        let mut r = Reader(self.names);
        (0..self.count).map_while(move |_| r.bytes())
    }
}

/// The facts of a [`Dirs::known`] area, checked whole by [`facts_start`] when it was loaded.
fn facts(area: &[u8]) -> impl Iterator<Item = Fact<'_>> {
    let mut r = Reader(area);
    let n = r.u32().unwrap_or(0) as usize;
    (0..n).map_while(move |_| Fact::read(&mut r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn stamp(n: u64) -> Stamp {
        Stamp {
            dev: n,
            ino: n * 7,
            ctime: n as i64 * 3,
            ctime_nsec: 5,
        }
    }

    use crate::hostfs::MemFs;
    use crate::hostpath::{Access, HostCtx, HostPaths};
    use crate::policy::Deny;
    use crate::rules::Rule;

    const DIR: &str = "/home/alice/.cache/nanoclaw-shim";

    /// The one private file of this kind the shim wrote.
    fn written(fs: &MemFs, kind: &str) -> Option<(String, Vec<u8>)> {
        let mut found = fs
            .private_paths()
            .into_iter()
            .filter(|p| p.strip_prefix(&format!("{DIR}/{kind}.")).is_some());
        let path = found.next()?;
        assert!(found.next().is_none(), "one {kind} file");
        let bytes = fs.private_contents(&path)?;
        Some((path, bytes))
    }

    /// Alice's home: `~/.ssh` is a symlink to `/data/keys`; long unchanged, read at time 1000.
    fn home() -> MemFs {
        MemFs::new()
            .file("/home/alice/.bashrc")
            .link("/home/alice/.ssh", "/data/keys")
            .dir("/data/keys")
            .dir("/srv/aws")
            .dir("/home/alice/proj")
            .at(1000)
    }

    fn ctx(fs: MemFs) -> (HostCtx, &'static MemFs) {
        let fs: &'static MemFs = Box::leak(Box::new(fs));
        let host = HostCtx {
            cwd: Some("/home/alice/proj".into()),
            home: Some("/home/alice".into()),
            exe: None,
            own_files: Vec::new(),
            own_records: Vec::new(),
            from_environment: Vec::new(),
            fs,
            memory: Some(Memory::of_build(DIR.into(), 1000, b"test build")),
            rootless: false,
            stores: Vec::new(),
        };
        (host, fs)
    }

    /// The rule that refuses a read-only mount of `source`, if any.
    fn refused(host: &HostCtx, source: &str) -> Option<Rule> {
        let deny = Deny::default();
        let mut paths = HostPaths::new(&deny, host);
        paths
            .check(source.as_bytes(), Access::Read, &|_| false)
            .map(|f| f.rule)
    }

    #[test]
    fn a_recalled_resolution_judges_as_a_fresh_one_without_resolving() {
        let (host, fs) = ctx(home());
        assert_eq!(refused(&host, "/data/keys"), Some(Rule::DenyCredentials));
        let (file, remembered) = written(fs, LISTS).expect("remembered");
        let judge = |host: &HostCtx| {
            [
                refused(host, "/data/keys"),
                refused(host, "/data"),
                refused(host, "/home/alice/proj"),
            ]
        };
        let (mut host, fs) = ctx(home());
        host.memory = None;
        let fresh = judge(&host);
        let fresh_questions = fs.asked();
        let (host, fs) = ctx(home().private_file(&file, 1000, 0o600, &remembered));
        // The symlinked `~/.ssh` is still known for what it is ...
        assert_eq!(judge(&host), fresh);
        assert_eq!(fresh[..2], [Some(Rule::DenyCredentials); 2]);
        // ... with fewer questions: the lists were not resolved again, only the sources.
        assert!(
            fs.asked() < fresh_questions,
            "{} of {fresh_questions}",
            fs.asked()
        );
    }

    #[test]
    fn the_binary_is_judged_by_its_kernel_name_without_resolving_the_folders_above_it() {
        const EXE: &str = "/opt/shim/bin/nanoclaw-shim";
        let fs = || home().file(EXE).at(1000);
        let writable = |host: &HostCtx, source: &str| {
            let deny = Deny::default();
            let mut paths = HostPaths::new(&deny, host);
            paths
                .check(source.as_bytes(), Access::Write, &|_| false)
                .map(|f| f.rule)
        };
        // The same binary named as one of the other own files (resolved, watched) ...
        let (mut named, named_fs) = ctx(fs());
        named.memory = None;
        named.own_files = vec![EXE.into()];
        let (mut exe, exe_fs) = ctx(fs());
        exe.memory = None;
        exe.exe = Some(EXE.into());
        // ... is judged alike: a writable mount of it, or of a folder above it, is refused.
        for source in [EXE, "/opt/shim/bin", "/opt"] {
            assert_eq!(writable(&named, source), Some(Rule::DenyHostExec), "{source}");
            assert_eq!(writable(&exe, source), Some(Rule::DenyHostExec), "{source}");
        }
        // The kernel's name is already resolved: fewer questions of the file system.
        assert!(
            exe_fs.asked() < named_fs.asked(),
            "{} vs {}",
            exe_fs.asked(),
            named_fs.asked()
        );
    }

    #[test]
    fn a_changed_directory_is_resolved_again() {
        let (host, fs) = ctx(home());
        assert_eq!(refused(&host, "/srv/aws"), None);
        let (file, remembered) = written(fs, LISTS).expect("remembered");
        // Later, `~/.aws` becomes a symlink to `/srv/aws`: the home changed.
        let later = home()
            .link("/home/alice/.aws", "/srv/aws")
            .changed("/home/alice", 1500)
            .at(1501)
            .private_file(&file, 1000, 0o600, &remembered);
        let (host, fs) = ctx(later);
        assert_eq!(refused(&host, "/srv/aws"), Some(Rule::DenyCredentials));
        // Changed a second ago: not remembered, so the old memory stays and stays unused.
        assert_eq!(fs.private_contents(&file), Some(remembered));
    }

    #[test]
    fn a_directory_changed_moments_ago_is_not_relied_on() {
        let (host, fs) = ctx(home().changed("/home/alice", 1000 - SETTLE_SECS + 1));
        assert_eq!(refused(&host, "/data/keys"), Some(Rule::DenyCredentials));
        assert_eq!(written(fs, LISTS), None);
        let (host, fs) = ctx(home().changed("/home/alice", 1000 - SETTLE_SECS));
        assert_eq!(refused(&host, "/data/keys"), Some(Rule::DenyCredentials));
        assert!(written(fs, LISTS).is_some());
    }

    /// `honest` forged to say that no entry resolves anywhere else (`~/.ssh` a plain
    /// directory), every stamp left right.
    fn without_symlinks(honest: &[u8]) -> Vec<u8> {
        let r = decode(honest).expect("well-formed");
        let forms = r
            .forms
            .iter()
            .map(|f| match *f {
                Stored::Lit { lit, .. } => Stored::Lit { lit, real: None },
                other => other,
            })
            .collect();
        encode(&Remembered { forms, ..r })
    }

    #[test]
    fn a_memory_someone_else_could_write_is_not_read() {
        // A forged memory that says `~/.ssh` is a plain directory, with every stamp right.
        let (host, fs) = ctx(home());
        assert_eq!(refused(&host, "/data/keys"), Some(Rule::DenyCredentials));
        let (file, honest) = written(fs, LISTS).expect("remembered");
        let forged = without_symlinks(&honest);
        for (owner, mode, judged) in [
            (1001, 0o600, "someone else's"),
            (1000, 0o620, "writable by its group"),
            (1000, 0o602, "writable by everyone"),
        ] {
            let (host, _) = ctx(home().private_file(&file, owner, mode, &forged));
            assert_eq!(
                refused(&host, "/data/keys"),
                Some(Rule::DenyCredentials),
                "{judged}"
            );
        }
        // The caller's own, private file is the caller's word (they could edit their policy).
        let (host, _) = ctx(home().private_file(&file, 1000, 0o600, &forged));
        assert_eq!(refused(&host, "/data/keys"), None);
    }

    #[test]
    fn nothing_is_remembered_from_a_file_system_that_does_not_keep_change_times() {
        // A home on NFS or FUSE: its server's `ctime` may not move when an entry does.
        let (host, fs) = ctx(home().remote("/home"));
        assert_eq!(refused(&host, "/data/keys"), Some(Rule::DenyCredentials));
        assert_eq!(written(fs, LISTS), None);
        let (host, fs) = ctx(home().file("/srv/nfs/project/a.txt").remote("/srv/nfs"));
        assert_eq!(judged(&host, "/srv/nfs/project", &|_| false), None);
        assert!(
            written(fs, LISTS).is_some(),
            "the lists do not depend on /srv/nfs"
        );
        assert_eq!(
            written(fs, DIRS),
            None,
            "a mounted directory there is listed every time"
        );
    }

    #[test]
    fn another_build_does_not_read_this_ones_memory() {
        // A forged answer, written as this build's: the next build does not take it.
        let (host, fs) = ctx(home());
        assert_eq!(refused(&host, "/data/keys"), Some(Rule::DenyCredentials));
        let (file, honest) = written(fs, LISTS).expect("remembered");
        let forged = without_symlinks(&honest);
        let (mut host, fs) = ctx(home().private_file(&file, 1000, 0o600, &forged));
        host.memory = Some(Memory::of_build(DIR.into(), 1000, b"the next build"));
        assert_eq!(refused(&host, "/data/keys"), Some(Rule::DenyCredentials));
        assert_eq!(fs.private_paths().len(), 2, "its own memory beside the old one");
    }

    #[test]
    fn memory_is_for_the_lists_it_was_made_for() {
        let (host, fs) = ctx(home());
        assert_eq!(refused(&host, "/data/keys"), Some(Rule::DenyCredentials));
        let (file, remembered) = written(fs, LISTS).expect("remembered");
        // Another home: other inputs, resolved afresh (and remembered anew).
        let (mut host, fs) = ctx(home().private_file(&file, 1000, 0o600, &remembered));
        host.home = Some("/data".into());
        assert_eq!(refused(&host, "/data/keys"), None);
        assert!(fs.private_paths().len() == 2, "a second memory, the first kept");
    }

    /// Checks `source` read-only with the given shadowing, then ends the checks (which writes
    /// what was learned).
    fn judged(host: &HostCtx, source: &str, shadowed: &dyn Fn(&[u8]) -> bool) -> Option<Rule> {
        let deny = Deny::default();
        let mut paths = HostPaths::new(&deny, host);
        let f = paths.check(source.as_bytes(), Access::Read, shadowed);
        paths.finish();
        f.map(|f| f.rule)
    }

    #[test]
    fn a_mounted_directory_is_listed_once_while_unchanged() {
        let project = || {
            home()
                .file("/home/alice/proj/.env")
                .file("/home/alice/proj/main.rs")
        };
        let (host, fs) = ctx(project());
        assert_eq!(
            judged(&host, "/home/alice/proj", &|_| false),
            Some(Rule::DenyCredentials)
        );
        let (lists_file, lists) = written(fs, LISTS).expect("lists remembered");
        let (dirs_file, dirs) = written(fs, DIRS).expect("facts remembered");
        let remembered = |fs: MemFs| {
            fs.private_file(&lists_file, 1000, 0o600, &lists)
                .private_file(&dirs_file, 1000, 0o600, &dirs)
        };
        // Recalled: no listing, and shadowing is still judged per call.
        let (host, fs) = ctx(remembered(project()));
        assert_eq!(
            judged(&host, "/home/alice/proj", &|_| false),
            Some(Rule::DenyCredentials)
        );
        let asked = fs.asked();
        let (host, _) = ctx(remembered(project()));
        assert_eq!(judged(&host, "/home/alice/proj", &|n| n == b".env"), None);
        let (mut host, fresh) = ctx(project());
        host.memory = None;
        judged(&host, "/home/alice/proj", &|_| false);
        assert!(
            asked < fresh.asked(),
            "recalled {asked}, listed {}",
            fresh.asked()
        );
        // A `.netrc` added since (the directory changed) is found.
        let changed = project()
            .file("/home/alice/proj/.netrc")
            .changed("/home/alice/proj", 900);
        let (host, _) = ctx(remembered(changed));
        assert_eq!(
            judged(&host, "/home/alice/proj", &|n| n == b".env"),
            Some(Rule::DenyCredentials)
        );
        // A clean directory is remembered as clean, and stays so only while unchanged.
        let (host, fs) = ctx(home().file("/srv/site/index.html"));
        assert_eq!(judged(&host, "/srv/site", &|_| false), None);
        let (dirs_file, dirs) = written(fs, DIRS).expect("facts remembered");
        let dirty = home()
            .file("/srv/site/index.html")
            .file("/srv/site/id_ed25519")
            .changed("/srv/site", 950)
            .private_file(&dirs_file, 1000, 0o600, &dirs);
        let (host, _) = ctx(dirty);
        assert_eq!(
            judged(&host, "/srv/site", &|_| false),
            Some(Rule::DenyCredentials)
        );
    }

    /// A folder whose top holds more names worth keeping than a memory keeps is not remembered
    /// (the look `hf`: 63 000 FIFOs made the memory every call reads 15 MB), and is still judged.
    #[test]
    fn a_folder_of_many_kept_names_is_not_remembered() {
        let mut many = home();
        for i in 0..=crate::hostpath::MAX_REMEMBERED_NAMES {
            many = many.file(&format!("/home/alice/proj/core.{i}"));
        }
        let (host, fs) = ctx(many);
        assert_eq!(
            judged(&host, "/home/alice/proj", &|_| false),
            Some(Rule::DenyCredentials)
        );
        let proj = b"/home/alice/proj";
        assert!(
            written(fs, DIRS).is_none_or(|(_, d)| !d.windows(proj.len()).any(|w| w == proj)),
            "the folder was remembered"
        );
    }

    /// Where the generated trees put things, what their symlinks point at, and what is mounted.
    const PARENTS: &[&str] = &[
        "/home/alice",
        "/home/alice/.config",
        "/home/alice/proj",
        "/data",
        "/data/keys",
        "/srv",
    ];
    const NAMES: &[&str] = &[
        ".ssh", ".aws", "proj", ".bashrc", "keys", "x", ".env", "gh", "aws",
    ];
    const TARGETS: &[&str] = &[
        "/data/keys",
        "/data",
        "/srv/aws",
        "/home/alice/proj",
        "keys",
        "/gone",
    ];
    const SOURCES: &[&str] = &[
        "/data/keys",
        "/data",
        "/srv",
        "/srv/aws",
        "/home/alice/proj",
        "/home/alice/proj/x",
        "/home/alice/.ssh",
        "/home/alice/x",
        "/data/keys/x",
        "/home/alice/.config/gh",
    ];

    /// One node of a generated tree: parent, name, and 0 directory, 1 file, 2+ symlink.
    type Node = (usize, usize, usize);

    fn node() -> impl Strategy<Value = Node> {
        (0..PARENTS.len(), 0..NAMES.len(), 0..2 + TARGETS.len())
    }

    /// Adds a node to `fs` and marks as changed (at `when`) the directories whose entries that
    /// changes: its own, and those of any directory it implies. That is the law the memory
    /// relies on (a directory's `ctime` moves when its entries do), and nothing more.
    fn add(mut fs: MemFs, (p, n, k): Node, when: Option<i64>) -> MemFs {
        let path = format!("{}/{}", PARENTS[p], NAMES[n]);
        if let Some(t) = when {
            let mut at = 1;
            while let Some(cut) = path[at..].find('/') {
                let (dir, parent) = (&path[..at + cut], &path[..at.max(2) - 1]);
                if fs.lstat(dir.as_bytes()) != Some(crate::hostfs::FileKind::Dir) {
                    fs = fs.changed(if parent.is_empty() { "/" } else { parent }, t);
                }
                at += cut + 1;
            }
            fs = fs.changed(&path[..path.rfind('/').unwrap()], t);
        }
        match k {
            0 => fs.dir(&path),
            1 => fs.file(&path),
            t => fs.link(&path, TARGETS[t - 2]),
        }
    }

    /// Every source judged read-only and read-write, each with a fresh model.
    fn judge_all(host: &HostCtx) -> Vec<Option<(Rule, String)>> {
        let deny = Deny::default();
        let mut out = Vec::new();
        for src in SOURCES {
            for access in [Access::Read, Access::Write] {
                let mut paths = HostPaths::new(&deny, host);
                out.push(
                    paths
                        .check(src.as_bytes(), access, &|_| false)
                        .map(|f| (f.rule, f.entry)),
                );
                paths.finish();
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        /// Whatever the tree, and whatever changes in it after the memory was written (new
        /// symlinks, files, directories, replacements), a judgement made with the memory is the
        /// judgement made without it.
        #[test]
        fn the_memory_never_changes_a_judgement(
            tree in prop::collection::vec(node(), 0..12),
            changes in prop::collection::vec(node(), 0..4),
        ) {
            let build = |changed: bool| {
                let mut fs = home();
                for n in &tree {
                    fs = add(fs, *n, None);
                }
                if changed {
                    for n in &changes {
                        fs = add(fs, *n, Some(1500));
                    }
                    fs = fs.at(1501);
                }
                fs
            };
            // Remember, from the tree as it was (long settled).
            let (host, first) = ctx(build(false));
            let before = judge_all(&host);
            let files: Vec<(String, Vec<u8>)> = first
                .private_paths()
                .into_iter()
                .map(|p| {
                    let bytes = first.private_contents(&p).unwrap();
                    (p, bytes)
                })
                .collect();
            prop_assert!(!files.is_empty(), "something was remembered");
            let with_memory = |fs: MemFs| {
                files.iter().fold(fs, |fs, (p, b)| fs.private_file(p, 1000, 0o600, b))
            };
            // Unchanged: recalled judgements are the fresh ones.
            let (recalled, _) = ctx(with_memory(build(false)));
            prop_assert_eq!(judge_all(&recalled), before);
            // Changed: still the fresh ones, on the changed tree.
            let (recalled, _) = ctx(with_memory(build(true)));
            let (mut fresh, _) = ctx(build(true));
            fresh.memory = None;
            prop_assert_eq!(judge_all(&recalled), judge_all(&fresh));
        }
    }

    #[test]
    fn mounted_directory_facts_are_read_in_place_and_a_damaged_file_is_not_read() {
        let (host, fs) = ctx(home());
        let memory = host.memory.as_ref().unwrap();
        let key = b"test build\0.env\0".to_vec();
        let names = |i: usize| -> Vec<Vec<u8>> {
            match i % 3 {
                0 => vec![b".env".to_vec(), b"id_rsa".to_vec()],
                1 => vec![b".netrc".to_vec()],
                _ => Vec::new(),
            }
        };
        let dir = |i: usize| format!("/srv/d{i}").into_bytes();
        let mut dirs = Dirs {
            key: key.clone(),
            ..Dirs::default()
        };
        for i in 0..DIRS_KEPT + 3 {
            dirs.learned.push((dir(i), stamp(i as u64 + 1), names(i)));
        }
        dirs.save(fs, memory).expect("learned").expect("written");
        let (_, bytes) = written(fs, DIRS).expect("facts remembered");
        let loaded = Dirs::load(fs, memory, key.clone());
        assert_eq!(facts(&loaded.known).count(), DIRS_KEPT);
        for i in 0..DIRS_KEPT {
            assert_eq!(
                loaded.recall(&dir(i), stamp(i as u64 + 1)),
                Some(names(i)),
                "fact {i}"
            );
            assert_eq!(loaded.recall(&dir(i), stamp(999)), None, "another stamp");
        }
        assert_eq!(
            loaded.recall(&dir(DIRS_KEPT), stamp(DIRS_KEPT as u64 + 1)),
            None,
            "not kept"
        );
        // Only a whole file, for this key, owner and mount tree, is read.
        let ns = fs.namespace().unwrap();
        assert!(facts_start(&bytes, &key, 1000, ns).is_some());
        assert_eq!(facts_start(&bytes, b"other\0", 1000, ns), None);
        assert_eq!(facts_start(&bytes, &key, 1001, ns), None);
        assert_eq!(facts_start(&bytes, &key, 1000, ns + 1), None);
        for cut in 0..bytes.len() {
            assert_eq!(facts_start(&bytes[..cut], &key, 1000, ns), None, "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(facts_start(&longer, &key, 1000, ns), None);
    }

    #[test]
    fn encodes_and_decodes_back() {
        let r = Remembered {
            namespace: 4026531841,
            owner: 1000,
            inputs: b"/home/a\0~/.ssh\0/bin\0/run/*/x\0~\0",
            arena: b"/home/a/.ssh/bin/usr/bin",
            forms: vec![
                Stored::Lit {
                    lit: (0, 12),
                    real: None,
                },
                Stored::Lit {
                    lit: (12, 4),
                    real: Some((16, 8)),
                },
                Stored::Glob { pattern: (12, 4) },
                Stored::None,
            ],
            witnesses: vec![(b"/".as_slice(), stamp(1)), (b"/home/a", stamp(2))],
        };
        assert_eq!(decode(&encode(&r)), Some(r));
    }

    proptest! {
        /// Whatever bytes are found where the memory should be, reading them never panics, and
        /// a cut or changed file is never taken for the whole one.
        #[test]
        fn damaged_bytes_are_refused_not_misread(
            cut in 0usize..400,
            flip in 0usize..400,
            junk in prop::collection::vec(any::<u8>(), 0..300),
        ) {
            let r = Remembered {
                namespace: 9,
                owner: 1000,
                inputs: b"/home/a\0~/.ssh\0/bin\0/etc\0",
                arena: b"/home/a/.ssh/bin/usr/bin/etc",
                forms: vec![
                    Stored::Lit { lit: (0, 12), real: None },
                    Stored::Lit { lit: (12, 4), real: Some((16, 8)) },
                    Stored::Lit { lit: (24, 4), real: None },
                ],
                witnesses: vec![(b"/".as_slice(), stamp(1)), (b"/home/a", stamp(2))],
            };
            let whole = encode(&r);
            if cut < whole.len() {
                prop_assert_eq!(decode(&whole[..cut]), None);
            }
            let mut flipped = whole.clone();
            if flip < flipped.len() {
                flipped[flip] ^= 0x40;
                let read = decode(&flipped);
                prop_assert_ne!(read.as_ref(), Some(&r));
            }
            let _ = decode(&junk);
            let mut tail = whole.clone();
            tail.extend_from_slice(&junk);
            if !junk.is_empty() {
                prop_assert_eq!(decode(&tail), None);
            }
        }
    }
}
