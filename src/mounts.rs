//! Where a caller's `-v`, `--mount` and `--tmpfs` put things inside the container.
//!
//! The policy adds tmpfs mounts; the runtime refuses two mounts at one destination, so the
//! rewrite has to know the caller's destinations exactly. Specs are read as bytes: a host path
//! that is not UTF-8 is still a valid mount and must not break the comparison. `--mount` values
//! are CSV (docker reads them with `encoding/csv`), so quoted fields are honoured.

/// The kind of mount an option creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Bind,
    Volume,
    Tmpfs,
    Other(String),
}

/// One mount as the caller wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub kind: Kind,
    /// Host path or volume name (empty for tmpfs and anonymous volumes).
    pub source: Vec<u8>,
    /// Normalised container path.
    pub target: Vec<u8>,
    /// Whether the runtime may change the source on the host: a read-write mount, or options
    /// that chown (`U`, `chown`) or relabel (`z`, `Z`, `relabel`) it, even read-only.
    pub writes_host: bool,
    /// `rw` / `readwrite` named (not podman's default): an image mount (`type=image`) is then a
    /// writable layer on the host's disk.
    pub read_write: bool,
    /// Other host paths the mount writes: overlay `upperdir` / `workdir`, and the `device` of an
    /// inline volume that binds a host path (`volume-opt=device=/x,volume-opt=o=bind`).
    pub host_writes: Vec<Vec<u8>>,
    /// An overlay (`-v src:dst:O`): the source is the lower layer of a new file system.
    pub overlay: bool,
    /// Whether mounts made beneath the target propagate back to the host: `-v` option
    /// `shared` / `rshared`, `--mount` field `bind-propagation=shared` / `rshared` or the bare
    /// word (podman takes `--mount type=bind,...,rshared`).
    pub shares_propagation: bool,
    /// An inline volume with driver options (`--mount type=volume,volume-opt=...`): mounted as
    /// its options say, a host directory by a relative `device`, overlay layers in `o=`, a
    /// network share.
    pub driver_options: bool,
    /// The first option that is not one whose meaning the checks know, with why it is refused
    /// (`deny.mount-option`): podman gives some options a meaning by prefix (`upperdirX=` is an
    /// overlay's upper directory) or passes a value on as a raw mount option
    /// (`bind-propagation=U` chowns the source), so only the options listed here pass.
    pub odd_option: Option<(Vec<u8>, &'static str)>,
}

/// `-v` options whose meaning the checks know (the rest of the spec: the overlay directories,
/// judged as host paths the mount writes). Not `U` (`chown` in `--mount`): rootful podman
/// re-owns everything beneath the source to the container's user before it starts, so a root
/// file under a writable root became the caller's chosen uid's, and readable (the red team's);
/// nanoclaw's rootless calls get `--userns=keep-id` instead.
const VOLUME_OPTIONS: &[&[u8]] = &[
    b"ro",
    b"rw",
    b"readonly",
    b"z",
    b"Z",
    b"O",
    b"copy",
    b"nocopy",
    b"exec",
    b"noexec",
    b"nosuid",
    b"nodev",
    b"bind",
    b"rbind",
    b"private",
    b"rprivate",
    b"slave",
    b"rslave",
    b"unbindable",
    b"runbindable",
    b"shared",
    b"rshared",
];

/// What a `--mount` key takes after `=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Takes {
    /// A value (`size=64m`, `src=/a`).
    Value,
    /// A word read with a value only as `true` or `false`: podman 5 ignores any other value, so
    /// `ro=1`, which docker reads as read-only, mounted `~/.bashrc` read-write (the
    /// hundred-and-twenty-third look's).
    Bool,
    /// A word with no value: podman reads it as the word whatever follows `=` (`shared=false`
    /// made the bind shared, `Z=false` relabels).
    Nothing,
}

/// `--mount` keys whose meaning the checks know (compared in lower case, as they are read), and
/// what each takes: the one table the key checks read.
const MOUNT_KEYS: &[(&[u8], Takes)] = &[
    (b"type", Takes::Value),
    (b"source", Takes::Value),
    (b"src", Takes::Value),
    (b"target", Takes::Value),
    (b"destination", Takes::Value),
    (b"dst", Takes::Value),
    (b"readonly", Takes::Bool),
    (b"ro", Takes::Bool),
    (b"rw", Takes::Bool),
    (b"readwrite", Takes::Bool),
    (b"relabel", Takes::Value),
    (b"z", Takes::Nothing),
    (b"bind-propagation", Takes::Value),
    (b"bind-nonrecursive", Takes::Nothing),
    (b"consistency", Takes::Value),
    (b"tmpfs-size", Takes::Value),
    (b"tmpfs-mode", Takes::Value),
    (b"tmpcopyup", Takes::Nothing),
    (b"notmpcopyup", Takes::Nothing),
    (b"noswap", Takes::Nothing),
    (b"size", Takes::Value),
    (b"mode", Takes::Value),
    (b"uid", Takes::Value),
    (b"gid", Takes::Value),
    (b"max", Takes::Value),
    (b"volume-nocopy", Takes::Nothing),
    (b"nocopy", Takes::Nothing),
    (b"volume-label", Takes::Value),
    (b"volume-opt", Takes::Value),
    (b"volume_opt", Takes::Value),
    (b"upperdir", Takes::Value),
    (b"workdir", Takes::Value),
    (b"exec", Takes::Nothing),
    (b"noexec", Takes::Nothing),
    (b"nosuid", Takes::Nothing),
    (b"nodev", Takes::Nothing),
    (b"shared", Takes::Nothing),
    (b"rshared", Takes::Nothing),
    (b"private", Takes::Nothing),
    (b"rprivate", Takes::Nothing),
    (b"slave", Takes::Nothing),
    (b"rslave", Takes::Nothing),
];

/// What a known `--mount` key (in lower case) takes; `None` for a key the checks do not know.
fn takes(lower: &[u8]) -> Option<Takes> {
    MOUNT_KEYS.iter().find(|(k, _)| *k == lower).map(|&(_, t)| t)
}

/// The values docker's CLI and podman read alike on a [`Takes::Bool`] key: what
/// Go's `strconv.ParseBool` reads and `strings.ToLower` makes `true` or `false`.
const MOUNT_BOOLS: &[&[u8]] = &[b"true", b"false", b"TRUE", b"FALSE", b"True", b"False"];

const KEY_CASE: &str = "names a mount option in capitals: docker's CLI reads a key in any case, podman's parsers not alike; write it in lower case";

const WORD_VALUE: &str = "gives a value to a mount option podman reads as a word (a propagation, a relabel, no value at all) or as true or false only: podman and docker's CLI read the value differently (podman 5 mounts ro=1 read-write); write the word alone, or ro=true";

/// Propagation modes: podman passes `bind-propagation`'s value on as a mount option, whatever it
/// is.
const PROPAGATIONS: &[&[u8]] = &[
    b"private",
    b"rprivate",
    b"slave",
    b"rslave",
    b"shared",
    b"rshared",
    b"unbindable",
    b"runbindable",
];

const UNKNOWN_OPTION: &str = "is not a mount option whose meaning the shim knows: podman gives some a meaning by their prefix (upperdirX= is an overlay's upper directory on the host) or passes them on to the kernel";
const RAW_PROPAGATION: &str = "is not a propagation mode: podman passes the value on as a mount option (bind-propagation=U chowns the source on the host)";
const TYPE_TWICE: &str = "names the mount's type a second time: docker's CLI reads the last, podman the first, so the shim cannot judge the mount podman makes";
const VOLUME_PATH: &str =
    "names a volume by a path: the shim judges a host path only as a bind mount's source; write type=bind";
const RELATIVE_OVERLAY: &str = "an overlay's upperdir and workdir must be absolute: the runtime resolves a relative one from its own directory, not the caller's";

/// The mount an option writes (`-v`, `--mount`, `--tmpfs`), when it is one and reads as one.
pub fn of_opt(o: &crate::parse::Opt) -> Option<Mount> {
    // A line break ends a CSV record for the runtime's reader, which then mounts what came
    // before it (`src=~/.ssh\n` mounted `~/.ssh`, the red team's), and no path a caller means
    // holds one: such a spec does not read as a mount, and is refused.
    // The name first, as bytes: it is compared for every option of every call, and most are not
    // mounts (an `-e` value is not scanned for line breaks here).
    let read: fn(&[u8]) -> Option<Mount> = match o.flag.canonical_name().as_bytes() {
        b"volume" => from_volume,
        b"mount" => from_mount,
        b"tmpfs" => from_tmpfs,
        _ => return None,
    };
    let spec = o.bytes();
    if spec.iter().any(|&b| matches!(b, b'\n' | b'\r')) {
        return None;
    }
    read(spec)
}

const TARGET_UP: &str = "names a target with `..`: podman collapses it (/x/../etc is /etc), so the shim's checks of where a mount lands would read another place; write the target without it";

const WEAKER_TMPFS: &str =
    "undoes the nosuid or nodev every tmpfs gets (set-user-id programs, device files); leave the option out";

/// A target with a `..` component, as an odd option ([`TARGET_UP`]).
fn target_up(target: &[u8]) -> Option<(Vec<u8>, &'static str)> {
    crate::text::split(target, b'/')
        .any(|c| c == b"..")
        .then(|| (target.to_vec(), TARGET_UP))
}

/// Collapses `//`, `/./` and a trailing `/` of an absolute container path.
pub fn normalize(path: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(path.len() + 1);
    for part in crate::text::split(path, b'/') {
        if part.is_empty() || part == b"." {
            continue;
        }
        out.push(b'/');
        out.extend_from_slice(part);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

/// Reads `-v` / `--volume`: `dst`, `src:dst` or `src:dst:options`.
pub fn from_volume(spec: &[u8]) -> Option<Mount> {
    // Split by hand rather than into vectors: every mount is read two or three times per call.
    let mut parts = crate::text::split(spec, b':');
    let first = parts.next()?;
    let (source, target, options) = match (parts.next(), parts.next(), parts.next()) {
        (None, _, _) => (&b""[..], first, None),
        (Some(dst), None, _) => (first, dst, None),
        (Some(dst), Some(o), None) => (first, dst, Some(o)),
        (Some(_), Some(_), Some(_)) => return None,
    };
    if target.first() != Some(&b'/') {
        return None;
    }
    let kind = if source.is_empty() || !source.starts_with(b"/") && !source.starts_with(b".") {
        Kind::Volume
    } else {
        Kind::Bind
    };
    let mut read_only = false;
    let mut overlay = false;
    let mut changes_owner = false;
    let mut read_write = false;
    let mut shares_propagation = false;
    let mut host_writes = Vec::new();
    let mut odd_option = target_up(target);
    for o in options.into_iter().flat_map(|o| crate::text::split(o, b',')) {
        match o {
            b"ro" | b"readonly" => read_only = true,
            b"rw" => read_write = true,
            b"O" => overlay = true,
            b"z" | b"Z" => changes_owner = true,
            b"shared" | b"rshared" => shares_propagation = true,
            _ if VOLUME_OPTIONS.contains(&o) => {}
            _ => match o
                .strip_prefix(b"upperdir=")
                .or_else(|| o.strip_prefix(b"workdir="))
            {
                Some(p) if p.first() == Some(&b'/') => host_writes.push(p.to_vec()),
                Some(_) => {
                    odd_option.get_or_insert((o.to_vec(), RELATIVE_OVERLAY));
                }
                None => {
                    odd_option.get_or_insert((o.to_vec(), UNKNOWN_OPTION));
                }
            },
        }
    }
    Some(Mount {
        kind,
        source: source.to_vec(),
        target: normalize(target),
        // An overlay (`:O`) writes to its upper directory, not to the source; `ro,rw` is read as
        // read-write, whichever the runtime takes.
        writes_host: changes_owner || read_write || !(read_only || overlay),
        read_write,
        overlay,
        host_writes,
        shares_propagation,
        driver_options: false,
        odd_option,
    })
}

/// Reads `--tmpfs dst[:options]`.
pub fn from_tmpfs(spec: &[u8]) -> Option<Mount> {
    let mut parts = crate::text::split(spec, b':');
    let target = parts.next()?;
    // podman mounts a `--tmpfs` with the options as written: `suid` and `dev` undo the
    // `nosuid,nodev` podman gives one by default, which `--mount type=tmpfs` cannot ask for (the
    // look `gt`: the two spellings were judged apart).
    let weaker = parts
        .flat_map(|options| crate::text::split(options, b','))
        .find(|w| w.eq_ignore_ascii_case(b"suid") || w.eq_ignore_ascii_case(b"dev"))
        .map(|w| (w.to_vec(), WEAKER_TMPFS));
    (target.first() == Some(&b'/')).then(|| Mount {
        kind: Kind::Tmpfs,
        source: Vec::new(),
        target: normalize(target),
        writes_host: false,
        read_write: false,
        overlay: false,
        host_writes: Vec::new(),
        shares_propagation: false,
        driver_options: false,
        odd_option: target_up(target).or(weaker),
    })
}

/// Reads `--mount type=..,source=..,target=..` (CSV).
pub fn from_mount(spec: &[u8]) -> Option<Mount> {
    let mut kind = Kind::Volume; // docker's default type
    let mut source = Vec::new();
    let mut target = None;
    let mut read_only = false;
    let mut changes_owner = false;
    let mut host_writes = Vec::new();
    let mut shares_propagation = false;
    let mut driver_options = false;
    let mut device = None;
    let mut read_write = false;
    let mut odd_option = None;
    let mut typed = false;
    for field in crate::govalue::csv_fields(spec)? {
        let (key, value) = match crate::text::find(&field, b'=') {
            Some(p) => (&field[..p], &field[p + 1..]),
            None => (&field[..], &b""[..]),
        };
        let lower = key.to_ascii_lowercase();
        let known = takes(&lower);
        if known.is_none() {
            odd_option.get_or_insert((field.clone(), UNKNOWN_OPTION));
        } else if lower != key && key != b"Z" {
            // docker's CLI reads a key in any case, podman's parsers not alike (`Z` is a word of
            // its own): the checks that ask for `size=` would not see `TMPFS-SIZE=100g` (the
            // hundred-and-twenty-sixth look's; podman refuses that one today).
            odd_option.get_or_insert((field.clone(), KEY_CASE));
        }
        // A word with `=` (even `ro=`, which podman 5 ignores): only `true`/`false` on the three
        // that take them.
        let valued = key.len() < field.len();
        let read_otherwise = match known {
            Some(Takes::Bool) => valued && !MOUNT_BOOLS.contains(&value),
            Some(Takes::Nothing) => valued,
            Some(Takes::Value) | None => false,
        };
        if read_otherwise {
            odd_option.get_or_insert((field.clone(), WORD_VALUE));
        }
        match lower.as_slice() {
            b"type" => {
                if typed {
                    odd_option.get_or_insert((field.clone(), TYPE_TWICE));
                }
                typed = true;
                kind = match value {
                    b"bind" => Kind::Bind,
                    b"volume" => Kind::Volume,
                    b"tmpfs" => Kind::Tmpfs,
                    other => Kind::Other(crate::text::owned(other)),
                }
            }
            b"source" | b"src" => source = value.to_vec(),
            b"target" | b"destination" | b"dst" => {
                if let Some(up) = target_up(value) {
                    odd_option.get_or_insert(up);
                }
                target = Some(normalize(value))
            }
            b"readonly" | b"ro" => read_only = crate::govalue::bool_value(value).unwrap_or(value.is_empty()),
            b"chown" | b"u" | b"relabel" | b"z" => {
                changes_owner = value.is_empty() || crate::govalue::bool_value(value) != Some(false)
            }
            b"rw" | b"readwrite" => read_write = crate::govalue::bool_value(value) != Some(false),
            b"upperdir" | b"workdir" if value.first() == Some(&b'/') => host_writes.push(value.to_vec()),
            b"upperdir" | b"workdir" => {
                odd_option.get_or_insert((field.clone(), RELATIVE_OVERLAY));
            }
            b"bind-propagation" => {
                shares_propagation = matches!(value, b"shared" | b"rshared");
                if !PROPAGATIONS.contains(&value) {
                    odd_option.get_or_insert((field.clone(), RAW_PROPAGATION));
                }
            }
            b"shared" | b"rshared" => shares_propagation = true,
            b"volume-opt" | b"volume_opt" => {
                driver_options = true;
                if let Some(d) = value.strip_prefix(b"device=") {
                    device = Some(d.to_vec());
                }
            }
            _ => {}
        }
    }
    if kind == Kind::Volume && matches!(source.first(), Some(b'/' | b'.')) {
        odd_option.get_or_insert((source.clone(), VOLUME_PATH));
    }
    // An inline volume whose device is a host path binds that path.
    if let (Kind::Volume, Some(d)) = (&kind, &device) {
        if d.first() == Some(&b'/') || d.first() == Some(&b'.') {
            kind = Kind::Bind;
            source = d.clone();
        }
    }
    Some(Mount {
        kind,
        source,
        target: target?,
        writes_host: changes_owner || read_write || !read_only,
        read_write,
        overlay: false,
        host_writes,
        shares_propagation,
        driver_options,
        odd_option,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_targets() {
        let m = from_volume(b"/host/dir:/workspace/").unwrap();
        assert_eq!((m.kind, m.target), (Kind::Bind, b"/workspace".to_vec()));
        let m = from_volume(b"cache:/home/node//.cache:ro").unwrap();
        assert_eq!((m.kind, m.target), (Kind::Volume, b"/home/node/.cache".to_vec()));
        assert_eq!(from_volume(b"/anon").unwrap().target, b"/anon".to_vec());
        assert!(from_volume(b"a:b:c:d").is_none());
    }

    #[test]
    fn mount_csv_with_quotes() {
        let m = from_mount(br#"type=bind,"source=/a,b",target=/tmp"#).unwrap();
        assert_eq!(m.kind, Kind::Bind);
        assert_eq!(m.source, b"/a,b".to_vec());
        assert_eq!(m.target, b"/tmp".to_vec());
        let m = from_mount(b"type=tmpfs,dst=/home/node/,tmpfs-size=1g").unwrap();
        assert_eq!((m.kind, m.target), (Kind::Tmpfs, b"/home/node".to_vec()));
        assert!(from_mount(b"type=bind,source=/a").is_none());
        assert!(from_mount(br#"type=bind,"src=/a"#).is_none());
    }

    /// A `--tmpfs` that undoes `nosuid` or `nodev` is odd, wherever it is mounted, as the same
    /// words in a `--mount type=tmpfs` are (the look `gt`: `--tmpfs=/x:size=1g,suid,dev` passed).
    #[test]
    fn a_tmpfs_keeps_nosuid_and_nodev() {
        for spec in [&b"/x:size=1g,suid,exec"[..], b"/x:DEV", b"/x:rw:suid"] {
            let m = from_tmpfs(spec).unwrap();
            assert_eq!(m.odd_option.map(|(_, why)| why), Some(WEAKER_TMPFS), "{spec:?}");
        }
        for spec in [
            &b"/x:size=1g,exec,nosuid,nodev,mode=1777"[..],
            b"/x",
            b"/dev-x:rw",
        ] {
            assert!(from_tmpfs(spec).unwrap().odd_option.is_none(), "{spec:?}");
        }
    }

    /// A type given twice, and a volume named by a path (the forty-eighth look's
    /// `type=bind,type=volume,src=~/.ssh`: the shim read a volume, podman the first type):
    /// odd options, refused with `deny.mount-option`.
    #[test]
    fn a_second_type_and_a_volume_named_by_a_path_are_odd() {
        for spec in [
            &b"type=bind,type=volume,src=/home/a/.ssh,dst=/x,ro"[..],
            b"type=volume,type=volume,src=v,dst=/x",
            b"type=volume,src=/home/a/.ssh,dst=/x",
            b"src=./secrets,dst=/x",
        ] {
            let m = from_mount(spec).unwrap();
            assert!(m.odd_option.is_some(), "{}", String::from_utf8_lossy(spec));
        }
        assert!(
            from_mount(b"type=volume,src=cache,dst=/x")
                .unwrap()
                .odd_option
                .is_none()
        );
        assert!(
            from_mount(b"type=bind,src=/a,dst=/x")
                .unwrap()
                .odd_option
                .is_none()
        );
    }

    /// A word given a value podman reads otherwise than docker's CLI (the hundred-and-twenty-third
    /// look's: `ro=1` read-write on podman 5, `shared=false` shared, `Z=false` relabelled, `ro=`
    /// ignored) is odd; `ro=true`/`ro=false` and the bare words are read alike.
    #[test]
    fn a_word_with_a_value_podman_reads_otherwise_is_odd() {
        for spec in [
            &b"type=bind,src=/a,dst=/x,ro=1"[..],
            b"type=bind,src=/a,dst=/x,ro=t",
            b"type=bind,src=/a,dst=/x,readonly=T",
            b"type=bind,src=/a,dst=/x,ro=",
            b"type=bind,src=/a,dst=/x,ro=tRuE",
            b"type=bind,src=/a,dst=/x,rw=0",
            b"type=bind,src=/a,dst=/x,ro,shared=false",
            b"type=bind,src=/a,dst=/x,ro,rshared=0",
            b"type=bind,src=/a,dst=/x,ro,Z=false",
            b"type=bind,src=/a,dst=/x,ro,z=0",
            b"type=bind,src=/a,dst=/x,ro,private=x",
            b"type=volume,src=v,dst=/x,volume-nocopy=true",
        ] {
            let m = from_mount(spec).unwrap();
            assert_eq!(
                m.odd_option.map(|(_, why)| why),
                Some(WORD_VALUE),
                "{}",
                String::from_utf8_lossy(spec)
            );
        }
        for (spec, read_only) in [
            (&b"type=bind,src=/a,dst=/x,ro=true"[..], true),
            (b"type=bind,src=/a,dst=/x,readonly=TRUE", true),
            (b"type=bind,src=/a,dst=/x,ro=False", false),
            (b"type=bind,src=/a,dst=/x,ro", true),
            (b"type=bind,src=/a,dst=/x,readonly,rprivate", true),
        ] {
            let m = from_mount(spec).unwrap();
            assert!(m.odd_option.is_none(), "{}", String::from_utf8_lossy(spec));
            assert_eq!(!m.writes_host, read_only, "{}", String::from_utf8_lossy(spec));
        }
        assert!(
            from_mount(b"type=bind,src=/a,dst=/x,ro,shared")
                .unwrap()
                .shares_propagation
        );
        // A key in capitals (the hundred-and-twenty-sixth look's `TMPFS-SIZE=100g`); `Z` is
        // podman's own word.
        for spec in [
            &b"type=tmpfs,dst=/x,TMPFS-SIZE=100g"[..],
            b"type=bind,src=/a,dst=/x,RO",
            b"TYPE=bind,src=/a,dst=/x",
        ] {
            let m = from_mount(spec).unwrap();
            assert_eq!(
                m.odd_option.map(|(_, why)| why),
                Some(KEY_CASE),
                "{}",
                String::from_utf8_lossy(spec)
            );
        }
        assert!(
            from_mount(b"type=bind,src=/a,dst=/x,ro,Z")
                .unwrap()
                .odd_option
                .is_none()
        );
    }

    /// A target with `..`, which podman collapses and the shim's checks would read as written
    /// (the hundred-and-twenty-third look's `-v DIR:/x/../etc`): odd, in every spelling.
    #[test]
    fn a_target_that_climbs_is_odd() {
        for m in [
            from_volume(b"/a:/x/../etc"),
            from_volume(b"v:/x/..:ro"),
            from_mount(b"type=bind,src=/a,dst=/x/../run"),
            from_tmpfs(b"/x/../dev:size=1m"),
        ] {
            assert_eq!(m.unwrap().odd_option.map(|(_, why)| why), Some(TARGET_UP));
        }
        assert!(from_volume(b"/a:/x/..y/.z").unwrap().odd_option.is_none());
    }

    #[test]
    fn tmpfs_targets() {
        assert_eq!(from_tmpfs(b"/tmp:size=1g").unwrap().target, b"/tmp".to_vec());
        assert!(from_tmpfs(b"tmp").is_none());
    }

    proptest::proptest! {
        /// What collapsing component by component gives.
        #[test]
        fn normalize_agrees_with_collapsing_each_component(
            path in proptest::collection::vec(proptest::sample::select(vec![b'/', b'.', b'a']), 0..12)
        ) {
            let mut collapsed = Vec::new();
            for part in path.split(|&b| b == b'/').filter(|p| !p.is_empty() && *p != b".") {
                collapsed.push(b'/');
                collapsed.extend_from_slice(part);
            }
            if collapsed.is_empty() {
                collapsed.push(b'/');
            }
            proptest::prop_assert_eq!(normalize(&path), collapsed);
        }
    }

    #[test]
    fn shared_propagation_is_read_with_the_mount() {
        let shares = |m: Option<Mount>| m.map(|m| m.shares_propagation);
        assert_eq!(shares(from_volume(b"/d:/d:shared")), Some(true));
        assert_eq!(shares(from_volume(b"/d:/d:ro,rshared")), Some(true));
        assert_eq!(shares(from_volume(b"/d:/d:rslave")), Some(false));
        assert_eq!(
            shares(from_volume(b"/d:/shared")),
            Some(false),
            "a target named so is not an option"
        );
        assert_eq!(
            shares(from_mount(b"type=bind,src=/d,dst=/d,BIND-PROPAGATION=rshared")),
            Some(true)
        );
        assert_eq!(
            shares(from_mount(b"type=bind,src=/d,dst=/d,bind-propagation=private")),
            Some(false)
        );
        assert_eq!(shares(from_tmpfs(b"/t:rw")), Some(false));
    }

    #[test]
    fn normalize_paths() {
        assert_eq!(normalize(b"/a//b/./c/"), b"/a/b/c".to_vec());
        assert_eq!(normalize(b"/"), b"/".to_vec());
    }
}
