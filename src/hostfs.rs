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

/// What is at a path, not following a final symlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    Dir,
    File,
    Symlink,
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
}

impl std::fmt::Debug for dyn HostFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostFs")
    }
}

/// The host's own file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFs;

fn os(path: &[u8]) -> &std::path::Path {
    std::path::Path::new(OsStr::from_bytes(path))
}

fn kind(t: std::fs::FileType) -> FileKind {
    if t.is_symlink() {
        FileKind::Symlink
    } else if t.is_dir() {
        FileKind::Dir
    } else {
        FileKind::File
    }
}

impl HostFs for RealFs {
    fn lstat(&self, path: &[u8]) -> Option<FileKind> {
        std::fs::symlink_metadata(os(path))
            .ok()
            .map(|m| kind(m.file_type()))
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
}

use std::os::unix::ffi::OsStringExt;

/// An in-memory file system for tests: absolute paths (without a trailing `/`) to what is
/// there. Parent directories are implied by their children.
#[derive(Debug, Clone, Default)]
pub struct MemFs {
    nodes: BTreeMap<Vec<u8>, Node>,
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

    /// Adds a directory (and its parents).
    pub fn dir(self, path: &str) -> Self {
        self.add(path, Node::Dir)
    }

    /// Adds a file (and its parents).
    pub fn file(self, path: &str) -> Self {
        self.add(path, Node::File)
    }

    /// Adds a symlink at `path` pointing to `target` (and the link's parents).
    pub fn link(self, path: &str, target: &str) -> Self {
        self.add(path, Node::Link(target.as_bytes().to_vec()))
    }
}

impl HostFs for MemFs {
    fn lstat(&self, path: &[u8]) -> Option<FileKind> {
        if path == b"/" {
            return Some(FileKind::Dir);
        }
        self.nodes.get(path).map(|n| match n {
            Node::Dir => FileKind::Dir,
            Node::File => FileKind::File,
            Node::Link(_) => FileKind::Symlink,
        })
    }

    fn read_link(&self, path: &[u8]) -> Option<Vec<u8>> {
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
        if self.lstat(dir) != Some(FileKind::Dir) {
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
            let Some(k) = self.lstat(path) else { continue };
            if each(&path[prefix.len()..], k).is_break() {
                return Listed::Stopped;
            }
        }
        Listed::Done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
