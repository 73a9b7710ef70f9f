//! The other names a host path has through the mount table.
//!
//! The host-path lists name paths, but a file system can be mounted at more than one place: an
//! ostree host's `/sysroot` is its root file system again, a bind mount shows a folder under a
//! second name, and `mount --bind / /srv/x` makes every file of the host reachable beneath a
//! writable root (the thirty-second pass's look read another user's `~/.ssh` key through such a
//! mount, where the shim refused that key by its own name). So a source is judged under every
//! name the mount table gives what it lies on: where it lies in its file system (the mount's
//! root, then the rest of the path), then that place under each other mount of the same file
//! system whose root holds it.
//!
//! Pure: the table is `/proc/self/mountinfo`'s text, read by the edge.

use crate::text::split;

/// At most this many other names per source: a table that mounts one file system at hundreds
/// of places is judged by the first of them (each name costs a pass over the lists).
const MAX_ALIASES: usize = 16;

/// One line of the table, as much as naming asks: the file system (`major:minor`), the folder
/// of it that is mounted (`root`), and where (`point`), both with their escapes undone.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    dev: Vec<u8>,
    root: Vec<u8>,
    point: Vec<u8>,
}

/// The mount table, read once per call.
#[derive(Debug, Default)]
pub struct Table(Vec<Line>);

impl Table {
    /// Reads `/proc/self/mountinfo`'s text; a line that does not read is passed over.
    pub fn read(mountinfo: &[u8]) -> Table {
        let line = |l: &[u8]| -> Option<Line> {
            let mut f = l.split(|&b| b == b' ');
            let (_id, _parent) = (f.next()?, f.next()?);
            let dev = f.next()?.to_vec();
            let root = unescape(f.next()?);
            let point = unescape(f.next()?);
            (root.starts_with(b"/") && point.starts_with(b"/")).then_some(Line { dev, root, point })
        };
        Table(mountinfo.split(|&b| b == b'\n').filter_map(line).collect())
    }

    /// Every other absolute name of `real` (a resolved absolute path, `/` for the root): the
    /// mount it lies on is the one whose point holds it most closely (of those at one point, the
    /// last listed, which lies on top); its place in that file system is then named under each
    /// other mount of the same file system whose root holds it. `real` itself is left out.
    pub fn aliases(&self, real: &[u8]) -> Vec<Vec<u8>> {
        let Some(on) = self
            .0
            .iter()
            .enumerate()
            .filter(|(_, m)| beneath(real, &m.point).is_some())
            .max_by_key(|(i, m)| (m.point.len(), *i))
            .map(|(_, m)| m)
        else {
            return Vec::new();
        };
        let rest = beneath(real, &on.point).unwrap_or_default();
        let in_fs = join(&on.root, rest);
        let mut out: Vec<Vec<u8>> = Vec::new();
        for m in self.0.iter().filter(|m| m.dev == on.dev) {
            let Some(tail) = beneath(&in_fs, &m.root) else {
                continue;
            };
            let name = join(&m.point, tail);
            if name != real && !out.contains(&name) {
                out.push(name);
                if out.len() == MAX_ALIASES {
                    break;
                }
            }
        }
        out
    }
}

/// What follows `dir` in `path` (without the `/`), when `path` is `dir` or lies beneath it,
/// component-wise.
fn beneath<'a>(path: &'a [u8], dir: &[u8]) -> Option<&'a [u8]> {
    if dir == b"/" {
        return Some(path.strip_prefix(b"/").unwrap_or(path));
    }
    let rest = path.strip_prefix(dir)?;
    match rest.first() {
        None => Some(b""),
        Some(b'/') => Some(&rest[1..]),
        Some(_) => None,
    }
}

/// `dir` and `rest` as one absolute path (`/` alone when both say nothing more).
fn join(dir: &[u8], rest: &[u8]) -> Vec<u8> {
    let mut out = dir.to_vec();
    for c in split(rest, b'/').filter(|c| !c.is_empty()) {
        if !out.ends_with(b"/") {
            out.push(b'/');
        }
        out.extend_from_slice(c);
    }
    out
}

/// A field as `mountinfo` writes it, its `\ooo` escapes (space, tab, line break, backslash)
/// undone.
pub fn unescape(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        if field[i] == b'\\'
            && i + 3 < field.len()
            && field[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = field[i + 1..i + 4]
                .iter()
                .fold(0u32, |v, d| v * 8 + u32::from(d - b'0'));
            out.push(v as u8);
            i += 4;
        } else {
            out.push(field[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
23 22 0:21 / /proc rw - proc proc rw
30 22 8:1 / /sysroot rw shared:1 - ext4 /dev/sda1 rw
31 22 8:1 /home/alice/shared /srv/alice rw - ext4 /dev/sda1 rw
32 22 8:2 / /home/bob rw - ext4 /dev/sdb1 rw
33 22 8:2 /keys /mnt/bob\\040keys rw - ext4 /dev/sdb1 rw
";

    fn names(real: &str) -> Vec<String> {
        Table::read(TABLE.as_bytes())
            .aliases(real.as_bytes())
            .into_iter()
            .map(|a| String::from_utf8(a).unwrap())
            .collect()
    }

    /// A second mount of the root file system names every host file again; a folder bound
    /// elsewhere is named at its home too, and the other way round.
    #[test]
    fn a_path_is_named_under_every_mount_of_its_file_system() {
        assert_eq!(
            names("/sysroot/home/alice/.ssh/id_rsa"),
            ["/home/alice/.ssh/id_rsa"]
        );
        assert_eq!(names("/sysroot"), ["/"]);
        assert_eq!(
            names("/srv/alice/x"),
            ["/home/alice/shared/x", "/sysroot/home/alice/shared/x"]
        );
        assert_eq!(
            names("/home/alice/shared"),
            ["/sysroot/home/alice/shared", "/srv/alice"]
        );
        // Another file system's mounts, an escaped point among them.
        assert_eq!(names("/mnt/bob keys/id"), ["/home/bob/keys/id"]);
        assert_eq!(names("/home/bob/keys"), ["/mnt/bob keys"]);
        // A file system mounted once has no other name.
        assert!(names("/proc/self").is_empty());
        assert!(names("/home/bob/notes").is_empty());
    }

    #[test]
    fn escapes_are_undone() {
        assert_eq!(unescape(br"/a\040b\011c\134d"), b"/a b\tc\\d");
        assert_eq!(unescape(br"/trailing\04"), br"/trailing\04");
    }
}
