//! The other names a host path has through the mount table.
//!
//! The host-path lists name paths, but a file system can be mounted at more than one place: an
//! ostree host's `/sysroot` is its root file system again, a bind mount shows a folder under a
//! second name, and `mount --bind / /srv/x` makes every file of the host reachable beneath a
//! writable root (the thirty-second pass's look read another user's `~/.ssh` key through such a
//! mount, where the shim refused that key by its own name). So a source is judged under every
//! name the mount table gives what it lies on: where it lies in its file system (the mount's
//! root, then the rest of the path), then that place under each other mount of the same file
//! system whose root holds it; and, where it lies in a folder an overlay mount reads
//! (`lowerdir=`, `upperdir=`: an overlayroot host's `/media/root-ro/home` is `/home`'s lower
//! layer), under that overlay's mount point. The mount is the one the source was opened on
//! (its id), not the longest point that holds its name: a mount covered by a later one at a
//! shorter point (a tmpfs at `/srv/h/u` beneath a bind of a home at `/srv/h`) named nothing.
//! A file system read from a disk image (a loop device) is held by that image file: a mount of
//! the image, or of a folder holding it, reads every file of the file system as raw blocks, so
//! such a source is judged as holding each point that file system is mounted at. The table
//! names the device, not the image: the edge asks the kernel which file backs each loop device
//! mounted ([`Table::back`]); a device the table names as a disk's own (`/dev/sda1`) costs no
//! system call, a partition's number (259, NVMe's too) one.
//! A FUSE file system refuses a source on it or holding it ([`Table::fuse_view`]) unless its
//! program is one known to show files of its own (the policy's `fuse_file_systems`,
//! [`crate::policy::DEFAULT_FUSE_FILE_SYSTEMS`]): the table names the program, as the mounter
//! chose to call it, not the folders it shows, so fuse-overlayfs,
//! bindfs or mergerfs under any name could show a credential store (the thirty-fifth pass's look
//! read `~/.docker` through `fuse-overlayfs-x86_64`, its release's name). What another name of
//! a source shows (an overlay's layer, a second mount) is asked too.
//! Not seen: an image read through a device other than a
//! loop (device-mapper over a loop device: an encrypted image's blocks are ciphertext)
//! (docs/SECURITY.md).
//!
//! Pure: the table is `/proc/self/mountinfo`'s text, read by the edge.

use crate::hostfs::{Backing, DiskImage};
use crate::policy::ListEntry;
use crate::text::split;

/// At most this many other names per source: a table that mounts one file system at hundreds
/// of places is judged by the first of them (each name costs a pass over the lists).
const MAX_ALIASES: usize = 16;

/// One line of the table, as much as naming asks: its id, the file system (`major:minor`), the
/// folder of it that is mounted (`root`), where (`point`), both with their escapes undone, and
/// for an overlay the folders it reads (`lowerdir=`, `upperdir=`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    id: u64,
    dev: Vec<u8>,
    root: Vec<u8>,
    point: Vec<u8>,
    layers: Vec<Vec<u8>>,
    /// A kernel file system's type (`proc`, `sysfs`, ...: [`KERNEL_FS`]), else `None`.
    kernel: Option<&'static str>,
    /// A FUSE file system not known to show only files of its own (the policy's
    /// `fuse_file_systems`): its program, as the table names it; else `None`.
    view: Option<Vec<u8>>,
    /// A btrfs, which may read several devices, or a file system that may read a file (a FUSE
    /// one of its own files, a file-backed erofs): `btrfs`, `file`, or empty.
    kind: &'static [u8],
    /// What the file system was mounted from, when the table names an absolute path that may
    /// lead to a disk image (a loop device `/dev/loop0p1`, a link such as
    /// `/dev/disk/by-label/x`, any device a btrfs names, a path outside `/dev`: a device node
    /// made elsewhere or a file a FUSE file system reads); else empty. A disk's own device
    /// (`/dev/sda1`, `/dev/mapper/root`) is left out: nothing about it is asked.
    source: Vec<u8>,
    /// The disk images the file system is read from ([`Table::back`]).
    images: Vec<DiskImage>,
    /// A FUSE or network file system: a path through it may wait on a program or a server
    /// that no longer answers, so nothing beneath it is opened to ask a question.
    remote: bool,
}

/// File systems whose answers come from a program or a server (besides FUSE, `fuse.*`).
const REMOTE_FS: &[&[u8]] = &[
    b"nfs",
    b"nfs4",
    b"cifs",
    b"smb3",
    b"9p",
    b"ceph",
    b"afs",
    b"glusterfs",
    b"davfs",
    b"virtiofs",
    b"vboxsf",
    b"lustre",
    b"gpfs",
    b"beegfs",
    b"orangefs",
    b"pvfs2",
    b"coda",
    b"ocfs2",
    b"gfs2",
];

/// File systems the kernel makes of itself: its processes (their environments, `root` links),
/// devices, cgroups, tracing and firmware. Mounted anywhere, each is what `/proc`, `/sys` or
/// `/dev` is (the thirty-second pass's last look read a host process's token through a procfs
/// mounted in a chroot's folder under `/srv`).
const KERNEL_FS: &[&str] = &[
    "proc",
    "sysfs",
    "devtmpfs",
    "devpts",
    "cgroup",
    "cgroup2",
    "debugfs",
    "tracefs",
    "securityfs",
    "bpf",
    "efivarfs",
    "pstore",
    "configfs",
    "fusectl",
    "binfmt_misc",
    "mqueue",
    "nsfs",
    "autofs",
    "rpc_pipefs",
    "selinuxfs",
];

/// The program of a FUSE file system not known to show only files of its own (`own`, the
/// policy's `fuse_file_systems`: names or globs): `fuse.NAME`'s name, or `fuse` where the
/// mounter gave none. `fuseblk` (a disk read through FUSE) is none.
fn fuse_view(fs: &[u8], own: &[ListEntry]) -> Option<Vec<u8>> {
    let program = match fs {
        b"fuse" => fs,
        _ => fs.strip_prefix(b"fuse.")?,
    };
    let listed = |entry: &ListEntry| {
        let e = entry.as_bytes();
        crate::glob::matches_bytes(e, program).unwrap_or(e == program)
    };
    (!own.iter().any(listed)).then(|| program.to_vec())
}

/// The mount table, read once per call.
#[derive(Debug, Default)]
pub struct Table(Vec<Line>);

impl Table {
    /// Reads `/proc/self/mountinfo`'s text; a line that does not read is passed over. FUSE
    /// programs in `fuse_own` (the policy's `fuse_file_systems`) show files of their own.
    pub fn read(mountinfo: &[u8], fuse_own: &[ListEntry]) -> Table {
        let line = |l: &[u8]| -> Option<Line> {
            let mut f = l.split(|&b| b == b' ');
            let id = std::str::from_utf8(f.next()?).ok()?.parse().ok()?;
            let _parent = f.next()?;
            let dev = f.next()?.to_vec();
            let root = unescape(f.next()?);
            let point = unescape(f.next()?);
            // After the optional fields' `-`: the type, the source, the super block's options.
            let mut tail = f.skip_while(|&x| x != b"-").skip(1);
            let fs = tail.next().unwrap_or_default();
            let source = tail.next().unwrap_or_default();
            let options = tail.next().unwrap_or_default();
            let anonymous = dev.starts_with(b"0:");
            let view = fuse_view(fs, fuse_own);
            // What may read a file as a disk: a FUSE file system of its own files (`fuse2fs`,
            // squashfs, archives; a view is refused whole), and an erofs mounted from a file
            // (Linux 6.12; its number made up).
            let kind: &'static [u8] = match fs {
                b"btrfs" => b"btrfs",
                f if f.starts_with(b"fuse") && view.is_none() => b"file",
                b"erofs" if anonymous => b"file",
                _ => b"",
            };
            let leads = match source.strip_prefix(b"/dev/") {
                Some(rest) => {
                    rest.starts_with(b"loop")
                        || anonymous
                        || (rest.contains(&b'/') && !rest.starts_with(b"mapper/"))
                }
                None => source.starts_with(b"/"),
            };
            // A btrfs's source is kept whatever it names, to be said: its devices are the
            // kernel's, asked by its id (the edge).
            let source = match leads || kind == b"btrfs" {
                true => unescape(source),
                false => Vec::new(),
            };

            let layers = match fs {
                b"overlay" => overlay_layers(options),
                _ => Vec::new(),
            };
            let kernel = KERNEL_FS.iter().copied().find(|k| k.as_bytes() == fs);
            let remote = fs.starts_with(b"fuse") || REMOTE_FS.contains(&fs);
            (root.starts_with(b"/") && point.starts_with(b"/")).then_some(Line {
                id,
                dev,
                root,
                point,
                layers,
                kernel,
                view,
                kind,
                source,
                images: Vec::new(),
                remote,
            })
        };
        Table(mountinfo.split(|&b| b == b'\n').filter_map(line).collect())
    }

    /// Records the disk images each mount is read from: `images_of` is the edge's answer for
    /// what the table says of a mount ([`crate::hostfs::HostFs::disk_images`]). Asked once per
    /// device, and only of mounts that may lie on a loop device or read a file: a btrfs, a
    /// loop device's number (major 7, or 259 where partitions and other disks' numbers run
    /// out) or an absolute source.
    pub fn back(&mut self, images_of: impl Fn(&Backing<'_>) -> Vec<DiskImage>) {
        // (Each device asked: its number, what the table names, the answer.)
        type Asked = (Vec<u8>, Vec<u8>, Vec<DiskImage>);
        let mut asked: Vec<Asked> = Vec::new();
        let candidate = |m: &Line| {
            !m.source.is_empty()
                || m.kind == b"btrfs"
                || m.dev.starts_with(b"7:")
                || m.dev.starts_with(b"259:")
        };
        // Where each file system may be asked by its folder (a btrfs's id): every point of it
        // that no later mount covers and no FUSE or network mount lies above (the thirty-fifth
        // pass's sixth look: a covered point asked the btrfs on top, and one beneath a stuck
        // FUSE mount hung the call).
        // (Each: its file system's number, where, the mount's id.)
        let lines = &self.0;
        // A path at or beneath a FUSE or network mount, whose program or server may not answer;
        // the root aside (a host whose `/` is a share waits on it for everything).
        let shares: Vec<Vec<u8>> = (lines.iter())
            .filter(|l| l.remote && l.point != b"/")
            .map(|l| l.point.clone())
            .collect();
        let waits = |p: &[u8]| shares.iter().any(|s| beneath(p, s).is_some());
        let visible = |j: usize, p: &[u8]| {
            let covered = lines[j + 1..].iter().any(|l| beneath(p, &l.point).is_some());
            !covered && !waits(p)
        };
        let open: Vec<(Vec<u8>, Vec<u8>, u64)> = (lines.iter().enumerate())
            .filter(|(j, l)| l.kind == b"btrfs" && visible(*j, &l.point))
            .map(|(_, l)| (l.dev.clone(), l.point.clone(), l.id))
            .collect();
        for m in self.0.iter_mut().filter(|m| candidate(m)) {
            let known = (asked.iter())
                .find(|(d, s, _)| *d == m.dev && *s == m.source)
                .map(|(_, _, i)| i.clone());
            m.images = known.unwrap_or_else(|| {
                let points: Vec<(&[u8], u64)> = (open.iter())
                    .filter(|(dev, _, _)| *dev == m.dev && m.kind == b"btrfs")
                    .map(|(_, p, id)| (p.as_slice(), *id))
                    .collect();
                let mount = Backing {
                    dev: &m.dev,
                    kind: m.kind,
                    source: &m.source,
                    points: &points,
                    waits: &waits,
                    any_share: !shares.is_empty(),
                };
                let images: Vec<DiskImage> = images_of(&mount)
                    .into_iter()
                    .filter_map(|i| match i {
                        DiskImage::File(f) => f.starts_with(b"/").then(|| DiskImage::File(cleaned(&f))),
                        unnamed => Some(unnamed),
                    })
                    .collect();
                asked.push((m.dev.clone(), m.source.clone(), images.clone()));
                images
            });
        }
    }

    /// A mounted disk image whose file the kernel cannot name (its loop device, and where the
    /// file system is mounted): any source may hold it, so none is judged safe.
    pub fn unnamed_image(&self) -> Option<(&str, &[u8])> {
        self.0.iter().find_map(|m| {
            m.images.iter().find_map(|i| match i {
                DiskImage::Unnamed(device) => Some((device.as_str(), m.point.as_slice())),
                DiskImage::File(_) => None,
            })
        })
    }

    /// Every other absolute name of `real` (a resolved absolute path, `/` for the root), each
    /// with the point of the mount it was named under when that mount is a whole file system
    /// mounted again (its root `/`): a caller judges a name by the lists, but not for lying
    /// beneath such a point itself (a second mount of the root at `/sysroot` names every file
    /// again, and `/sysroot` is sensitive); a name under a mount of a folder (`/root` a bind of
    /// `/persist/root`) is judged whole (the thirty-second pass's fourth look read root's
    /// credentials when every name under a sensitive point was passed over). The
    /// mount `real` lies on is the one it was opened on (`mount_id`; 0 when unknown: then the
    /// last listed of those whose point holds it most closely); its place in that file system is
    /// named under each other mount of the same file system whose root holds it; what lies in
    /// an overlay's layer is named at the overlay's point, and what lies at the point in each
    /// layer. Other names of other names are followed too, to [`MAX_ALIASES`] in all. `real`
    /// itself is left out.
    pub fn aliases(&self, real: &[u8], mount_id: u64) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        let mut out: Vec<(Vec<u8>, Option<Vec<u8>>)> = Vec::new();
        // And what is mounted beneath it, which a mount of it takes along (podman binds
        // recursively): a bind of `~/.ssh` at `/srv/data/keys` is read through `/srv/data`
        // (the thirty-third pass's look). Each is judged under its other names; by its own,
        // it lies beneath the source, which the lists judged already.
        let mut queue: Vec<(Vec<u8>, u64)> = vec![(real.to_vec(), mount_id)];
        queue.extend(
            self.0
                .iter()
                .filter(|m| m.point.as_slice() != real && beneath(&m.point, real).is_some())
                .map(|m| (m.point.clone(), m.id)),
        );
        let mut next = 0;
        while next < queue.len() && out.len() < MAX_ALIASES {
            let (name, id) = queue[next].clone();
            next += 1;
            for (alias, base) in self.direct(&name, id) {
                let seen = alias == real || out.iter().any(|(a, _)| *a == alias);
                if !seen && out.len() < MAX_ALIASES {
                    queue.push((alias.clone(), 0));
                    out.push((alias, base));
                }
            }
        }
        out
    }

    /// A kernel file system (its type, and where it is mounted) that `real` lies on, or that is
    /// mounted beneath it (podman binds a source with what is mounted below it).
    pub fn kernel_fs(&self, real: &[u8], mount_id: u64) -> Option<(&'static str, Vec<u8>)> {
        self.on_or_beneath(real, mount_id, |m| m.kernel)
    }

    /// A FUSE file system not known to show only files of its own (the policy's
    /// `fuse_file_systems`): its program, and where it is mounted, that `real` lies on, or
    /// that is mounted beneath it.
    pub fn fuse_view(&self, real: &[u8], mount_id: u64) -> Option<(&[u8], Vec<u8>)> {
        self.on_or_beneath(real, mount_id, |m| m.view.as_deref())
    }

    /// What `kind` says of the mount `real` lies on, else of the first mounted beneath it, with
    /// where that mount is.
    fn on_or_beneath<'a, T>(
        &'a self,
        real: &[u8],
        mount_id: u64,
        kind: impl Fn(&'a Line) -> Option<T>,
    ) -> Option<(T, Vec<u8>)> {
        if let Some(on) = self.on(real, mount_id) {
            if let Some(k) = kind(on) {
                return Some((k, on.point.clone()));
            }
        }
        self.0
            .iter()
            .filter(|m| m.point.as_slice() != real && beneath(&m.point, real).is_some())
            .find_map(|m| kind(m).map(|k| (k, m.point.clone())))
    }

    /// The mount `real` lies on: the one it was opened on (`mount_id`), else the last listed of
    /// those whose point holds it most closely.
    fn on(&self, real: &[u8], mount_id: u64) -> Option<&Line> {
        let by_id = self
            .0
            .iter()
            .find(|m| mount_id != 0 && m.id == mount_id && beneath(real, &m.point).is_some());
        by_id.or_else(|| {
            self.0
                .iter()
                .enumerate()
                .filter(|(_, m)| beneath(real, &m.point).is_some())
                .max_by_key(|(i, m)| (m.point.len(), *i))
                .map(|(_, m)| m)
        })
    }

    /// [`Self::aliases`]' one step.
    fn direct(&self, real: &[u8], mount_id: u64) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        // The namespace's root file system: a whole second mount of it names every file again.
        let root_dev = self
            .0
            .iter()
            .rev()
            .find(|m| m.point.as_slice() == b"/")
            .map(|m| &m.dev);
        let mut out = Vec::new();
        if let Some(on) = self.on(real, mount_id) {
            let rest = beneath(real, &on.point).unwrap_or_default();
            // Where it lies in its file system: its own name on a mount of the whole at `/`.
            let in_fs: std::borrow::Cow<[u8]> = match (on.root.as_slice(), on.point.as_slice()) {
                (b"/", b"/") => real.into(),
                _ => join(&on.root, rest).into(),
            };
            // (The mount itself names it as it is: passed over before anything is joined.)
            for m in self.0.iter().filter(|m| m.dev == on.dev && m.id != on.id) {
                if let Some(tail) = beneath(&in_fs, &m.root) {
                    // Only a second mount of the root file system: any other whole file system at
                    // a sensitive point (`/sys`, `/boot`, `/root` of its own) is that point.
                    let again = m.root.as_slice() == b"/" && Some(&m.dev) == root_dev;
                    let whole = again.then(|| m.point.clone());
                    out.push((join(&m.point, tail), whole));
                }
            }
            // What lies at an overlay's point lies in each of its layers.
            for layer in &on.layers {
                out.push((join(layer, rest), None));
            }
            // A mount of a folder the source holds shows part of the source under another
            // name, and a mount of the source takes that folder along: `~/.ssh` bound from
            // `/persist/home/u/.ssh` (an impermanence or dotfiles layout) is read through
            // `/persist`, `~/.config` bound from `~/dotfiles/config` written through
            // `~/dotfiles` (the thirty-third pass's look). The source is judged as holding
            // that mount's point.
            for m in self.0.iter().filter(|m| m.dev == on.dev && m.id != on.id) {
                if beneath(&m.root, &in_fs).is_some_and(|tail| !tail.is_empty()) {
                    out.push((m.point.clone(), None));
                }
            }
        }
        // A disk image the source is or holds: its file system's every mount is read through it.
        for m in &self.0 {
            let read = |i: &DiskImage| matches!(i, DiskImage::File(f) if beneath(f, real).is_some());
            if m.images.iter().any(read) {
                out.push((m.point.clone(), None));
            }
        }
        for m in &self.0 {
            for layer in &m.layers {
                // What lies in an overlay's layer is shown at its point.
                if let Some(tail) = beneath(real, layer) {
                    out.push((join(&m.point, tail), None));
                // A layer the source holds: the overlay's point shows it.
                } else if beneath(layer, real).is_some() {
                    out.push((m.point.clone(), None));
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

/// The folders an overlay's options name (`lowerdir=a:b,upperdir=c,workdir=d`, and the new
/// mount API's `lowerdir+=a,lowerdir+=b,datadir+=c`): each lower layer (`:` apart; a colon of a
/// name is written `\\:`, which the table prints `\\134:`), the data-only ones and the upper one,
/// escapes undone and cleaned lexically (`a//b/../c/` is `/a/c`: the kernel prints a layer as
/// it was written). A relative layer (named from the mounting process's working folder, which
/// the table does not say) is not followed (docs/SECURITY.md).
fn overlay_layers(options: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for opt in options.split(|&b| b == b',') {
        if let Some(lower) = opt.strip_prefix(b"lowerdir=") {
            // The table's escapes first (`\134` a backslash, `\054` a comma), then overlay's
            // own: a backslash takes the next byte as it is (`\:`, `\,`), and a bare `:`
            // parts two layers.
            let lower = unescape(lower);
            let mut one = Vec::new();
            let mut i = 0;
            while i < lower.len() {
                match lower[i] {
                    b'\\' if i + 1 < lower.len() => {
                        one.push(lower[i + 1]);
                        i += 2;
                    }
                    b':' => {
                        out.push(std::mem::take(&mut one));
                        i += 1;
                    }
                    b => {
                        one.push(b);
                        i += 1;
                    }
                }
            }
            out.push(one);
        } else if let Some(one) = [&b"lowerdir+="[..], b"datadir+=", b"upperdir="]
            .iter()
            .find_map(|k| opt.strip_prefix(*k))
        {
            // Written through the old mount call, a backslash escapes the next byte
            // (`upperdir=/a\,b` is the folder `/a,b`); through the new one a name is taken
            // as it is. Both names are judged where they differ.
            let one = unescape(one);
            if one.contains(&b'\\') {
                let mut plain = Vec::with_capacity(one.len());
                let mut bytes = one.iter();
                while let Some(&b) = bytes.next() {
                    plain.push(match b {
                        b'\\' => *bytes.next().unwrap_or(&b),
                        b => b,
                    });
                }
                out.push(plain);
            }
            out.push(one);
        }
    }
    out.retain(|l| l.starts_with(b"/"));
    out.iter().map(|l| cleaned(l)).collect()
}

/// An absolute path cleaned lexically: empty and `.` components dropped, `..` climbing one.
fn cleaned(path: &[u8]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = Vec::new();
    for c in split(path, b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let mut out = Vec::with_capacity(path.len());
    for c in parts {
        out.push(b'/');
        out.extend_from_slice(c);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

/// A field as `mountinfo` writes it, its `\ooo` escapes (space, tab, line break, backslash)
/// undone.
pub fn unescape(field: &[u8]) -> Vec<u8> {
    // (Most fields hold no escape: copied whole.)
    if !field.contains(&b'\\') {
        return field.to_vec();
    }
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

    /// The shipped `fuse_file_systems`.
    fn own() -> Vec<ListEntry> {
        crate::policy::DenyList::FuseFileSystems
            .defaults()
            .iter()
            .map(|e| ListEntry::Borrowed(e))
            .collect()
    }

    const TABLE: &str = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
23 22 0:21 / /proc rw - proc proc rw
30 22 8:1 / /sysroot rw shared:1 - ext4 /dev/sda1 rw
31 22 8:1 /home/alice/shared /srv/alice rw - ext4 /dev/sda1 rw
32 22 8:2 / /home/bob rw - ext4 /dev/sdb1 rw
33 22 8:2 /keys /mnt/bob\\040keys rw - ext4 /dev/sdb1 rw
40 22 0:50 / /home/carol rw - overlay overlay rw,lowerdir=/media/root-ro/home/carol:/base,upperdir=/media/rw/carol,workdir=/media/rw/.work
";

    /// A tmpfs at `/srv/h/u`, then alice's home bound at `/srv/h` over it.
    const COVERED: &str = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
41 22 0:60 / /srv/h/u rw - tmpfs tmpfs rw
42 22 8:1 /home/alice /srv/h rw - ext4 /dev/sda1 rw
";

    fn names(real: &str) -> Vec<String> {
        names_on(TABLE, real, 0)
    }

    fn names_on(table: &str, real: &str, mount_id: u64) -> Vec<String> {
        Table::read(table.as_bytes(), &own())
            .aliases(real.as_bytes(), mount_id)
            .into_iter()
            .map(|(a, _)| String::from_utf8(a).unwrap())
            .collect()
    }

    /// A second mount of the root file system names every host file again; a folder bound
    /// elsewhere is named at its home too, and the other way round.
    #[test]
    fn a_path_is_named_under_every_mount_of_its_file_system() {
        let has = |real: &str, want: &[&str]| {
            let got = names(real);
            for w in want {
                assert!(got.iter().any(|g| g == w), "{real}: {w} not in {got:?}");
            }
            assert!(!got.iter().any(|g| g == real), "{real}: itself in {got:?}");
        };
        assert_eq!(
            names("/sysroot/home/alice/.ssh/id_rsa"),
            ["/home/alice/.ssh/id_rsa"]
        );
        // (A second mount of the root holds every folder bound elsewhere, too.)
        has("/sysroot", &["/", "/srv/alice"]);
        has(
            "/srv/alice/x",
            &["/home/alice/shared/x", "/sysroot/home/alice/shared/x"],
        );
        has(
            "/home/alice/shared",
            &["/sysroot/home/alice/shared", "/srv/alice"],
        );
        // Another file system's mounts, an escaped point among them.
        assert_eq!(names("/mnt/bob keys/id"), ["/home/bob/keys/id"]);
        assert_eq!(names("/home/bob/keys"), ["/mnt/bob keys"]);
        // An overlay's layers are named at its point, and its point in each layer (and, the
        // layers lying on the root file system, under `/sysroot` too).
        has("/media/root-ro/home/carol/.aws", &["/home/carol/.aws"]);
        has("/media/rw/carol/.bashrc", &["/home/carol/.bashrc"]);
        has("/base/x", &["/home/carol/x"]);
        has(
            "/home/carol/.aws",
            &[
                "/media/root-ro/home/carol/.aws",
                "/base/.aws",
                "/media/rw/carol/.aws",
            ],
        );
        // The mount a source was opened on decides, not the longest point: `/srv/h/u` is a
        // tmpfs covered by a later bind of alice's home at `/srv/h`.
        assert!(
            names_on(COVERED, "/srv/h/u/.ssh", 0).is_empty(),
            "by name, the covered tmpfs: nothing"
        );
        assert_eq!(names_on(COVERED, "/srv/h/u/.ssh", 42), ["/home/alice/u/.ssh"]);
        // A file system mounted once has no other name.
        assert!(names("/proc/self").is_empty());
        assert!(names("/home/bob/notes").is_empty());
        // Each name comes with the folder it was named under.
        let t = Table::read(TABLE.as_bytes(), &own());
        let based = t.aliases(b"/tmp/x", 22);
        assert!(
            based.contains(&(b"/sysroot/tmp/x".to_vec(), Some(b"/sysroot".to_vec()))),
            "{based:?}"
        );
        // A folder's mount is no whole file system: its names carry no point.
        let based = t.aliases(b"/srv/alice/x", 31);
        assert!(
            based.contains(&(b"/home/alice/shared/x".to_vec(), Some(b"/".to_vec()))),
            "{based:?}"
        );
        let based = t.aliases(b"/home/alice/shared/x", 22);
        assert!(based.contains(&(b"/srv/alice/x".to_vec(), None)), "{based:?}");
    }

    /// What is mounted beneath a source is named under its other names: a bind of `~/.ssh` at
    /// `/srv/data/keys` is `/home/u/.ssh` through `/srv/data`.
    #[test]
    fn what_is_mounted_beneath_a_source_is_named_too() {
        const BENEATH: &str = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
52 22 8:1 /home/u/.ssh /srv/data/keys rw - ext4 /dev/sda1 rw
53 22 0:80 / /srv/data/t rw - tmpfs tmpfs rw
54 22 0:80 /aws /home/v/.aws rw - tmpfs tmpfs rw
";
        let got = names_on(BENEATH, "/srv/data", 22);
        assert!(got.contains(&"/home/u/.ssh".to_string()), "{got:?}");
        // A tmpfs beneath it that holds what is mounted at `~/.aws`.
        assert!(got.contains(&"/home/v/.aws".to_string()), "{got:?}");
        assert!(names_on(BENEATH, "/srv/other", 22).is_empty());
    }

    /// A source that holds the folder another mount shows is judged as holding that mount's
    /// point: `~/.ssh` bound from `/persist/home/u/.ssh` is read through `/persist`, and an
    /// overlay's lower layer through a folder above it (the thirty-third pass's look).
    #[test]
    fn a_source_holding_a_mounted_folder_is_named_as_its_point() {
        const HELD: &str = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
50 22 8:1 /persist/home/u/.ssh /home/u/.ssh rw - ext4 /dev/sda1 rw
51 22 8:1 /home/u/dotfiles/config /home/u/.config rw - ext4 /dev/sda1 rw
60 22 0:70 / /home/v/.aws rw - overlay overlay rw,lowerdir=/keep/aws,upperdir=/keep/up,workdir=/keep/w
";
        let held = |real: &str| names_on(HELD, real, 22);
        assert!(held("/persist").contains(&"/home/u/.ssh".to_string()));
        assert!(held("/persist/home").contains(&"/home/u/.ssh".to_string()));
        assert!(held("/home/u/dotfiles").contains(&"/home/u/.config".to_string()));
        assert!(held("/keep").contains(&"/home/v/.aws".to_string()));
        // Beneath the folder, the forward name; beside it, nothing.
        assert_eq!(held("/persist/home/u/.ssh/id"), ["/home/u/.ssh/id"]);
        assert!(held("/persist/other").is_empty());
        assert!(held("/home/u/dotfiles/bin").is_empty());
    }

    /// A disk image read through a loop device holds its file system: the image, or a folder
    /// holding it, is named as each point the file system is mounted at. Only loop devices
    /// are asked about, each once.
    #[test]
    fn a_disk_image_is_named_as_where_its_file_system_is_mounted() {
        const IMAGES: &str = "\
22 1 8:1 / / rw - ext4 /dev/sda1 rw
70 22 7:0 / /home/u/.ssh rw - ext4 /dev/loop0 rw
71 22 7:0 /sub /srv/keys rw - ext4 /dev/loop0 rw
72 22 259:3 / /home/v/.aws rw - ext4 /dev/loop1p1 rw
73 22 259:1 / /data rw - ext4 /dev/nvme0n1p1 rw
74 22 7:2 / /snap/x/1 ro - squashfs /dev/loop2 ro
75 22 0:47 / /home/w/.gnupg rw - btrfs /dev/disk/by-label/keys rw
76 22 0:48 / /home/w/.gnupg/sub rw - btrfs /dev/disk/by-label/keys rw
77 22 0:48 / /mnt/x rw - tmpfs tmpfs rw
";
        let asked = std::cell::RefCell::new(Vec::new());
        let mut t = Table::read(IMAGES.as_bytes(), &own());
        t.back(|m| {
            let (dev, source) = (
                std::str::from_utf8(m.dev).unwrap(),
                std::str::from_utf8(m.source).unwrap(),
            );
            asked.borrow_mut().push(format!("{dev} {source}"));
            let file = |f: &str| vec![DiskImage::File(f.as_bytes().to_vec())];
            match (dev, source) {
                ("7:0", _) => file("/srv/img/../img/keys.img"),
                (_, "/dev/loop1p1") => file("/home/u/project/disk.raw"),
                // A btrfs mount's number is made up: its source names the device (and a btrfs
                // over two devices reads two files).
                (_, "/dev/disk/by-label/keys") => [file("/srv/btr.img"), file("/srv/b/btr2.img")].concat(),
                // A relative name is no name.
                ("7:2", _) => file("x.snap"),
                _ => Vec::new(),
            }
        });
        assert_eq!(
            *asked.borrow(),
            [
                "7:0 /dev/loop0",
                "259:3 /dev/loop1p1",
                "259:1 ",
                "7:2 /dev/loop2",
                "0:47 /dev/disk/by-label/keys",
                "0:48 /dev/disk/by-label/keys",
            ],
            "each device that may be a loop device once"
        );
        let named = |real: &str| -> Vec<String> {
            t.aliases(real.as_bytes(), 22)
                .into_iter()
                .map(|(a, _)| String::from_utf8(a).unwrap())
                .collect()
        };
        for real in ["/srv/img/keys.img", "/srv/img", "/srv", "/"] {
            let got = named(real);
            for point in ["/home/u/.ssh", "/srv/keys"] {
                assert!(got.iter().any(|g| g == point), "{real}: {point} not in {got:?}");
            }
        }
        assert!(named("/home/u/project").contains(&"/home/v/.aws".to_string()));
        assert!(named("/srv/btr.img").contains(&"/home/w/.gnupg".to_string()));
        assert!(named("/srv/b").contains(&"/home/w/.gnupg".to_string()));
        assert_eq!(t.unnamed_image(), None);
        // A loop device whose file the kernel cannot name: said, for the judge to refuse.
        let mut t = Table::read(IMAGES.as_bytes(), &own());
        t.back(|m| match m.dev {
            b"7:2" => vec![DiskImage::Unnamed("loop2".into())],
            _ => Vec::new(),
        });
        assert_eq!(t.unnamed_image(), Some(("loop2", &b"/snap/x/1"[..])));
        // Beside the image, nothing; a device no file backs, nothing.
        assert!(named("/srv/img2").is_empty(), "{:?}", named("/srv/img2"));
        assert!(named("/srv/img/keys.img.bak").is_empty());
        assert!(named("/snap").is_empty());
    }

    /// A btrfs is asked by its id only where its folder shows it: not at a point a later mount
    /// covers (the thirty-fifth pass's sixth look asked the btrfs on top), nor beneath a FUSE or
    /// network mount, whose program may not answer (the same look's call hung).
    #[test]
    fn a_btrfs_is_asked_only_where_its_folder_shows_it() {
        const COVERED: &str = "\
22 1 8:1 / / rw - ext4 /dev/sda1 rw
30 22 0:40 / /srv/a rw - btrfs /dev/loop0 rw
31 22 0:40 / /home/u/.aws rw - btrfs /dev/loop0 rw
32 30 0:41 / /srv/a rw - btrfs /dev/loop1 rw
33 22 0:42 / /mnt/remote rw - fuse.sshfs host: rw
34 33 0:40 /sub /mnt/remote/x rw - btrfs /dev/loop0 rw
";
        let mut t = Table::read(COVERED.as_bytes(), &own());
        let asked = std::cell::RefCell::new(Vec::new());
        t.back(|m| {
            let points: Vec<(String, u64)> = (m.points.iter())
                .map(|(p, id)| (String::from_utf8_lossy(p).into_owned(), *id))
                .collect();
            asked
                .borrow_mut()
                .push((String::from_utf8_lossy(m.dev).into_owned(), points));
            Vec::new()
        });
        let asked = asked.into_inner();
        let of = |dev: &str| asked.iter().find(|(d, _)| d == dev).map(|(_, p)| p.clone());
        assert_eq!(of("0:40"), Some(vec![("/home/u/.aws".to_string(), 31)]));
        assert_eq!(of("0:41"), Some(vec![("/srv/a".to_string(), 32)]));
    }

    /// The edge is told which paths lie on a share, whose program or server may not answer: a
    /// loop device's file there is named, not looked up (the thirty-fifth pass's last look
    /// hung every call on a stopped FUSE share). A share mounted at `/` is no such mark: every
    /// path waits on it alike.
    #[test]
    fn the_edge_is_told_which_paths_lie_on_a_share() {
        const SHARES: &str = "\
22 1 8:1 / / rw - ext4 /dev/sda1 rw
33 22 0:42 / /mnt/nas rw - fuse.sshfs host: rw
34 22 0:43 / /srv/nfs rw - nfs4 srv:/x rw
35 22 7:0 / /mnt/iso ro - iso9660 /dev/loop0 ro
";
        let waits_at = |table: &str, paths: &[&str]| -> Vec<bool> {
            let mut t = Table::read(table.as_bytes(), &own());
            let seen = std::cell::RefCell::new(Vec::new());
            t.back(|m| {
                if m.dev == b"7:0" {
                    *seen.borrow_mut() = paths.iter().map(|p| (m.waits)(p.as_bytes())).collect();
                }
                Vec::new()
            });
            seen.into_inner()
        };
        let paths = [
            "/mnt/nas/debian.iso",
            "/mnt/nas",
            "/srv/nfs/a/b.img",
            "/mnt/nasty.iso",
            "/srv/img/disk.iso",
            "/dev/loop1",
        ];
        assert_eq!(waits_at(SHARES, &paths), [true, true, true, false, false, false]);
        let rooted = SHARES.replace("8:1 / / rw - ext4 /dev/sda1", "0:20 / / rw - virtiofs root");
        assert_eq!(waits_at(&rooted, &paths), [true, true, true, false, false, false]);
    }

    /// A FUSE file system that shows other folders refuses a source on it or holding it; one
    /// that shows its own data (a gvfs, the document portal) does not.
    #[test]
    fn a_fuse_view_of_other_folders_is_told_apart() {
        const VIEWS: &str = "\
22 1 8:1 / / rw - ext4 /dev/sda1 rw
80 22 0:90 / /srv/fo/merged rw - fuse.fuse-overlayfs fuse-overlayfs rw,user_id=0
81 22 0:91 / /run/user/1000/doc rw - fuse.portal portal rw
82 22 0:92 / /srv/b rw - fuse.bindfs /home/u/.ssh rw
";
        let t = Table::read(VIEWS.as_bytes(), &own());
        assert_eq!(
            t.fuse_view(b"/srv/fo", 22),
            Some((&b"fuse-overlayfs"[..], b"/srv/fo/merged".to_vec()))
        );
        assert_eq!(
            t.fuse_view(b"/srv/fo/merged/x", 80).map(|v| v.0),
            Some(&b"fuse-overlayfs"[..])
        );
        assert_eq!(t.fuse_view(b"/srv/b/id", 82).map(|v| v.0), Some(&b"bindfs"[..]));
        assert_eq!(t.fuse_view(b"/run/user/1000/doc/x", 81), None);
        assert_eq!(t.fuse_view(b"/srv/other", 22), None);
        // Any program not known to show files of its own, under whatever name its mounter gave
        // it (the thirty-fifth pass's look: fuse-overlayfs's release binary); a disk read
        // through FUSE, an image's file system and an AppImage are not views.
        const MORE: &str = "\
22 1 8:1 / / rw - ext4 /dev/sda1 rw
83 22 0:93 / /srv/x rw - fuse.fuse-overlayfs-x86_64 fuse-overlayfs-x86_64 rw
84 22 0:94 / /srv/y rw - fuse /srv/keys rw
85 22 0:95 / /media/usb rw - fuseblk /dev/sdb1 rw
86 22 0:96 / /tmp/.mount_ObsidXy ro - fuse.Obsidian-1.4.16.AppImage Obsidian-1.4.16.AppImage ro
87 22 0:97 / /srv/img rw - fuse.ext4 vault.img rw
88 22 0:98 / /var/lib/lxcfs rw - fuse.lxcfs lxcfs rw
89 22 0:99 / /srv/v rw - fuse.gocryptfs /srv/cipher rw
";
        let t = Table::read(MORE.as_bytes(), &own());
        let view = |p: &str| t.fuse_view(p.as_bytes(), 0).map(|v| v.0.to_vec());
        assert_eq!(
            view("/srv/x/config.json"),
            Some(b"fuse-overlayfs-x86_64".to_vec())
        );
        assert_eq!(view("/srv"), Some(b"fuse-overlayfs-x86_64".to_vec()));
        assert_eq!(view("/srv/y"), Some(b"fuse".to_vec()));
        assert_eq!(view("/srv/v/a"), Some(b"gocryptfs".to_vec()));
        for own in [
            "/media/usb/p",
            "/tmp/.mount_ObsidXy/x",
            "/srv/img/a",
            "/var/lib/lxcfs",
        ] {
            assert_eq!(view(own), None, "{own}");
        }
        // What may read a file as a disk is asked for it: a FUSE file system of its own files
        // and a file-backed erofs; a view is refused whole, and not asked.
        let kinds = |t: &Table| t.0.iter().map(|m| m.kind).collect::<Vec<_>>();
        assert_eq!(
            kinds(&t),
            [&b""[..], b"", b"", b"file", b"file", b"file", b"file", b""]
        );
        const FILES: &str = "\
90 22 0:100 / /srv/e rw - erofs /srv/i/root.erofs ro
91 22 7:3 / /srv/f rw - erofs /dev/loop3 ro
";
        assert_eq!(kinds(&Table::read(FILES.as_bytes(), &own())), [&b"file"[..], b""]);
        // A program the policy adds to `fuse_file_systems` is judged as any folder.
        let mut more = own();
        more.push(ListEntry::Borrowed("gocrypt*"));
        let t = Table::read(MORE.as_bytes(), &more);
        assert_eq!(t.fuse_view(b"/srv/v/a", 0), None);
        assert!(t.fuse_view(b"/srv/x", 0).is_some());
    }

    /// A kernel file system is known by its type wherever it is mounted, and beneath a source;
    /// and only a second mount of the root file system makes a sensitive point's names noise
    /// (the thirty-second pass's last look: a chroot's `proc` under `/srv`, a bind of `/sys`).
    #[test]
    fn kernel_file_systems_and_second_roots_are_told_apart() {
        const KERNEL: &str = "\
22 1 8:1 / / rw - ext4 /dev/sda1 rw
23 22 0:21 / /proc rw - proc proc rw
50 22 0:48 / /srv/c/proc rw - proc proc rw
51 22 0:22 / /srv/s rw - sysfs sysfs rw
52 22 0:22 / /sys rw - sysfs sysfs rw
53 22 8:1 / /sysroot rw - ext4 /dev/sda1 rw
54 22 8:9 / /boot rw - ext4 /dev/sdb1 rw
55 22 8:9 / /srv/b rw - ext4 /dev/sdb1 rw
";
        let t = Table::read(KERNEL.as_bytes(), &own());
        assert_eq!(
            t.kernel_fs(b"/srv/c/proc/1/environ", 50),
            Some(("proc", b"/srv/c/proc".to_vec()))
        );
        assert_eq!(
            t.kernel_fs(b"/srv/c", 22),
            Some(("proc", b"/srv/c/proc".to_vec()))
        );
        assert_eq!(
            t.kernel_fs(b"/srv/s/kernel", 51),
            Some(("sysfs", b"/srv/s".to_vec()))
        );
        assert_eq!(t.kernel_fs(b"/srv/b", 55), None);
        assert_eq!(t.kernel_fs(b"/home/u", 22), None);
        // `/sysroot` is the root again: its names are noise there; `/boot`'s are `/boot`'s.
        assert!(
            t.aliases(b"/tmp/x", 22)
                .contains(&(b"/sysroot/tmp/x".to_vec(), Some(b"/sysroot".to_vec())))
        );
        assert!(
            t.aliases(b"/srv/b/grub", 55)
                .contains(&(b"/boot/grub".to_vec(), None))
        );
    }

    /// The layers as the kernel prints them, however they were written: the new mount API's
    /// `lowerdir+=` and `datadir+=`, a colon of a name, a trailing `/`, `//`, `..`; a relative
    /// layer is not followed.
    #[test]
    fn overlay_layers_are_read_in_every_spelling() {
        let layers = |o: &str| -> Vec<String> {
            overlay_layers(o.as_bytes())
                .into_iter()
                .map(|l| String::from_utf8(l).unwrap())
                .collect()
        };
        assert_eq!(
            layers("rw,lowerdir+=/l1,lowerdir+=/l2/,datadir+=/d,upperdir=/u//x/../y,workdir=/w"),
            ["/l1", "/l2", "/d", "/u/y"]
        );
        assert_eq!(
            layers(r"lowerdir=/a/lo\134:w:/b,upperdir=/c/"),
            ["/a/lo:w", "/b", "/c"]
        );
        assert_eq!(layers("lowerdir=low:/abs"), ["/abs"]);
        // A comma of a name, written `\,` and printed `\134\054` (the thirty-third pass's look
        // read a bound `~/.ssh` through a layer so named); an upper folder's name is judged both
        // as the old mount call reads it and as written.
        assert_eq!(
            layers(r"lowerdir=/l2:/e/c\134\054o/low,upperdir=/u\134\054p,workdir=/w"),
            ["/l2", "/e/c,o/low", "/u,p", r"/u\,p"]
        );
    }

    #[test]
    fn escapes_are_undone() {
        assert_eq!(unescape(br"/a\040b\011c\134d"), b"/a b\tc\\d");
        assert_eq!(unescape(br"/trailing\04"), br"/trailing\04");
    }
}
