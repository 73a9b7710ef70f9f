//! The host-path model: is a path the runtime mounts, reads or writes for the caller one the
//! policy refuses (sensitive, credentials, host-exec when written, outside the writable roots)?
//!
//! Compared as written (with `..` removed lexically) and as the kernel resolves it (symlinks
//! followed, then `..`), so `/tmp/link-to-etc` and `/srv/../etc` are seen for what they are. A
//! source is sensitive when it equals a listed path, lies beneath one (except beneath `/`, which
//! holds everything), or is a parent of one: binding `/run` exposes `/run/podman/podman.sock`
//! just as surely as binding the socket. Entries may use `~/` (the caller's home) and `*` within
//! one path component.
//!
//! Every `docker run` pays for this check, so it is built to cost little more than the `lstat`s
//! the kernel would make: the work is done on bytes in two arenas (listed paths, memoised
//! resolutions) instead of an allocation per entry; every list is expanded once per invocation
//! ([`HostPaths`]); symlink resolution is memoised per path prefix (nanoclaw's mounts share a
//! handful of parents, so each distinct prefix costs one `lstat`); and a directory that many
//! listed entries share (`~`, `~/.config`, `/`) is read once with one directory listing, whose
//! entry types say which names exist and which are symlinks, instead of an `lstat` per entry.
//! Between calls, the compiled lists and what a mounted directory holds at its top are
//! remembered while the directories they came from are unchanged ([`hostmemo`]), so a `run`
//! usually checks a few directory stamps instead of resolving every entry.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::ControlFlow;
use std::os::unix::ffi::OsStrExt;

use crate::fnv::{START as FNV_START, hash as fnv, step as fnv_step};
use crate::hostfs::{FileKind, HostFs, Listed, RealFs, SmallFile};
use crate::hostmemo::{self, Dirs, Memory, Stored};
use crate::policy::{Deny, DenyList, HIDDEN_HOME};
use crate::rules::Rule;

/// The memo is keyed by [`fnv`] already: hashing the hash again would be wasted work.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, _: &[u8]) {
        unreachable!("the memo is keyed by u64 only")
    }

    fn write_u64(&mut self, h: u64) {
        self.0 = h;
    }
}

/// A range of an arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    at: u32,
    len: u32,
}

impl Span {
    /// Appends `bytes` to `arena`, returning where they are.
    fn push(arena: &mut Vec<u8>, bytes: &[u8]) -> Span {
        let at = arena.len() as u32;
        arena.extend_from_slice(bytes);
        Span {
            at,
            len: bytes.len() as u32,
        }
    }

    fn of(self, arena: &[u8]) -> &[u8] {
        &arena[self.at as usize..(self.at + self.len) as usize]
    }
}

/// What is at a path that is not a symlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dir,
    Other,
    Missing,
}

/// What one path resolves to, in the memo.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Not a symlink: resolves to itself.
    Is(Kind),
    /// A symlink, resolved to this path (in the resolver's arena), which is a `Kind`.
    Link(Span, Kind),
}

/// `realpath(3)` with a memo shared by every path of one invocation: one `lstat` per distinct
/// path prefix, a `readlink` only for symlinks. A path that does not exist (docker creates
/// missing bind sources) is resolved up to its last existing component, the rest appended.
struct Resolver {
    fs: &'static dyn HostFs,
    /// Every memo key and resolved symlink target, back to back.
    arena: Vec<u8>,
    /// A resolved directory joined with a name, by [`fnv`] → (that path, what it resolves to).
    memo: HashMap<u64, (Span, Step), BuildHasherDefault<Prehashed>>,
    /// While recording: every directory whose entries an answer came from (see
    /// [`hostmemo`](crate::hostmemo)).
    witnesses: Option<Vec<Vec<u8>>>,
}

impl Resolver {
    fn new(fs: &'static dyn HostFs) -> Self {
        Resolver {
            fs,
            arena: Vec::with_capacity(1024),
            memo: HashMap::with_capacity_and_hasher(64, BuildHasherDefault::default()),
            witnesses: None,
        }
    }
}

/// More entries than this and a directory is not listed: its names are looked up one by one,
/// so a huge directory costs a bounded number of lookups instead of a long listing.
const LISTING_LIMIT: usize = 4096;

/// With this many paths to check, the lists are indexed (see [`List::find`]).
const INDEX_MIN: usize = 32;

/// A directory is listed once (instead of an `lstat` per name) when this many listed entries
/// lie directly in it: a listing costs about five system calls.
const SEED_MIN: usize = 5;

impl Resolver {
    /// Writes the resolved form of absolute path `raw` into `out` (`/` for the root) and says
    /// what is there; `None` on a symlink loop.
    fn realpath(&mut self, raw: &[u8], depth: u32, out: &mut Vec<u8>) -> Option<Kind> {
        if depth > 40 {
            return None; // a symlink loop: the kernel gives ELOOP and the mount fails
        }
        out.clear();
        let mut kind = Kind::Dir; // `/`
        // The memo's hash of `out`, kept as it grows: each component costs its own length.
        let mut h = FNV_START;
        for part in crate::text::split(raw, b'/') {
            match part {
                b"" | b"." => {}
                b".." => {
                    let cut = out.iter().rposition(|&b| b == b'/').unwrap_or(0);
                    out.truncate(cut);
                    h = fnv(out);
                    if kind != Kind::Missing {
                        kind = Kind::Dir;
                    }
                }
                name => {
                    let at = out.len();
                    out.push(b'/');
                    out.extend_from_slice(name);
                    if kind == Kind::Missing {
                        continue;
                    }
                    if kind == Kind::Other {
                        kind = Kind::Missing; // a file has no children
                        continue;
                    }
                    h = out[at..].iter().fold(h, |h, &b| fnv_step(h, b));
                    match self.step(out, h, at, depth)? {
                        Step::Is(k) => kind = k,
                        Step::Link(target, k) => {
                            out.clear();
                            out.extend_from_slice(target.of(&self.arena));
                            h = fnv(out);
                            kind = k;
                        }
                    }
                }
            }
        }
        if out.is_empty() {
            out.push(b'/');
        }
        Some(kind)
    }

    /// What `path` (whose [`fnv`] is `h`) resolves to, if known.
    fn memo_get(&self, path: &[u8], h: u64) -> Option<Step> {
        let (key, step) = self.memo.get(&h)?;
        (key.of(&self.arena) == path).then_some(*step)
    }

    /// Memoises `step` for `path`, unless another path holds the slot (then it is looked up
    /// again next time: a collision costs a system call, never a wrong answer).
    fn memo_put(&mut self, path: &[u8], h: u64, step: Step) {
        if !self.memo.contains_key(&h) {
            let key = Span::push(&mut self.arena, path);
            self.memo.insert(h, (key, step));
        }
    }

    /// Resolves the last component of `candidate` (hashed `h`; its directory,
    /// `candidate[..dir_len]`, is resolved already); `None` on a loop.
    fn step(&mut self, candidate: &[u8], h: u64, dir_len: usize, depth: u32) -> Option<Step> {
        if let Some(known) = self.memo_get(candidate, h) {
            return Some(known);
        }
        if let Some(w) = &mut self.witnesses {
            w.push(if dir_len == 0 {
                b"/".to_vec()
            } else {
                candidate[..dir_len].to_vec()
            });
        }
        let resolved = match self.fs.lstat(candidate) {
            Some(FileKind::Symlink) => self.follow(candidate, dir_len, depth)?,
            Some(FileKind::Dir) => Step::Is(Kind::Dir),
            Some(FileKind::File | FileKind::Listening) => Step::Is(Kind::Other),
            None => Step::Is(Kind::Missing),
        };
        self.memo_put(candidate, h, resolved);
        Some(resolved)
    }

    /// Resolves the symlink at `candidate`.
    fn follow(&mut self, candidate: &[u8], dir_len: usize, depth: u32) -> Option<Step> {
        let target = self.fs.read_link(candidate)?;
        let target = target.as_slice();
        let start = if target.first() == Some(&b'/') {
            target.to_vec()
        } else {
            let mut s = candidate[..dir_len].to_vec();
            s.push(b'/');
            s.extend_from_slice(target);
            s
        };
        let mut resolved = Vec::with_capacity(start.len() + 16);
        let kind = self.realpath(&start, depth + 1, &mut resolved)?;
        Some(Step::Link(Span::push(&mut self.arena, &resolved), kind))
    }

    /// Reads directory `dir` (resolved, joined: `` for the root) once and memoises what it says
    /// about each of `names` (each with its [`fnv`] hash; sorted by hash, then name; distinct):
    /// present and of which kind, or missing. Symlinks
    /// are left to [`step`](Self::step), which reads them. Nothing is memoised when the listing
    /// fails or is too long: the names are then looked up one by one, as without it.
    fn seed(&mut self, dir: &[u8], names: &[(u64, &[u8])]) {
        let shown: &[u8] = if dir.is_empty() { b"/" } else { dir };
        /// What the listing says of one name.
        #[derive(Clone, Copy)]
        enum Seen {
            Absent,
            Is(Kind),
            Link,
        }
        let mut found = vec![Seen::Absent; names.len()];
        let listed = self.fs.list(shown, LISTING_LIMIT, &mut |name, kind| {
            let h = fnv(name);
            let first = names.partition_point(|n| n.0 < h);
            let mut same_hash = names[first..].iter().take_while(|n| n.0 == h);
            if let Some(at) = same_hash.position(|n| n.1 == name) {
                found[first + at] = match kind {
                    FileKind::Symlink => Seen::Link,
                    FileKind::Dir => Seen::Is(Kind::Dir),
                    FileKind::File | FileKind::Listening => Seen::Is(Kind::Other),
                };
            }
            ControlFlow::Continue(())
        });
        if listed != Listed::Done {
            return;
        }
        if let Some(w) = &mut self.witnesses {
            w.push(shown.to_vec());
        }
        // One growth for all of them: growing step by step would hold two tables at once.
        self.memo.reserve(names.len());
        let mut path = Vec::with_capacity(dir.len() + 64);
        for (&(_, name), seen) in names.iter().zip(found) {
            path.clear();
            path.extend_from_slice(dir);
            path.push(b'/');
            path.extend_from_slice(name);
            let h = fnv(&path);
            if self.memo_get(&path, h).is_some() {
                continue;
            }
            let step = match seen {
                Seen::Absent => Step::Is(Kind::Missing),
                Seen::Is(kind) => Step::Is(kind),
                // Known to be a symlink: read it, no `lstat` needed. A loop is left to `step`.
                Seen::Link => match self.follow(&path, dir.len(), 0) {
                    Some(step) => step,
                    None => continue,
                },
            };
            self.memo_put(&path, h, step);
        }
    }
}

/// Appends the components of absolute path `path`, with `.`, `..` and repeated `/` resolved
/// lexically, to `out` as `/a/b` (nothing for `/` itself): comparing two such byte strings on a
/// `/` boundary is "equal, beneath or a parent" without splitting or allocating per component.
fn push_joined(out: &mut Vec<u8>, path: &[u8]) {
    let start = out.len();
    for part in crate::text::split(path, b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                let cut = out[start..].iter().rposition(|&b| b == b'/').unwrap_or(0);
                out.truncate(start + cut);
            }
            name => {
                out.push(b'/');
                out.extend_from_slice(name);
            }
        }
    }
}

fn joined(path: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(path.len());
    push_joined(&mut out, path);
    out
}

/// The components of a joined path (`/a/b` → `a`, `b`; `` → none).
fn components(joined: &[u8]) -> impl Iterator<Item = &[u8]> {
    crate::text::split(joined, b'/').skip(1)
}

/// Whether component `c` of a source matches component `p` of a glob entry: as a pattern when
/// `p` has glob characters and is a valid pattern, else literally (so `[abc`, which no pattern
/// can be, names itself).
fn component_matches(p: &[u8], c: &[u8]) -> bool {
    let pattern = p.iter().any(|&b| is_glob_char(b));
    pattern
        .then(|| crate::glob::matches_bytes(p, c))
        .flatten()
        .unwrap_or(p == c)
}

/// What a check names for a relative source when the working directory is unknown.
pub const UNRESOLVABLE: &str = "(a relative path, and the working directory is unknown)";

/// A source refused because its mount, not its name, may show what the lists guard.
fn mount_refusal(entry: String) -> Finding {
    Finding {
        rule: Rule::DenySensitiveMount,
        entry,
        repository: None,
        listening: false,
    }
}

/// Why a source is refused when the mount table cannot be read.
pub const NO_MOUNT_TABLE: &str =
    "(the mount table, /proc/self/mountinfo, cannot be read: the source's other names cannot be judged)";

/// How a listed entry is compared.
enum Form {
    /// `~` without a home: matches nothing.
    None,
    /// A literal path (in the lists' arena), and, when a symlink makes it differ, the path it
    /// resolves to (`/var/run/docker.sock` is `/run/docker.sock` on most hosts); both joined.
    Lit { lit: Span, real: Option<Span> },
    /// A path with glob components (`/run/user/*/...`), joined, in the lists' arena: matched
    /// in place, component by component. `fixed` is the length of its leading components that
    /// hold no glob character (`/run/user`): a source that neither lies beneath them nor above
    /// them cannot match, and is told so by one comparison instead of a component walk; nor can
    /// one whose next component does not start with `pattern[fixed + 1..literal]`.
    Glob { pattern: Span, fixed: u32, literal: u32 },
}

impl Form {
    /// The form as the memory keeps it.
    fn stored(&self) -> Stored {
        let span = |s: Span| (s.at, s.len);
        match self {
            Form::None => Stored::None,
            Form::Lit { lit, real } => Stored::Lit {
                lit: span(*lit),
                real: real.map(span),
            },
            Form::Glob { pattern, .. } => Stored::Glob {
                pattern: span(*pattern),
            },
        }
    }
}

/// One listed entry, expanded (`~`, `~/`).
struct Entry<'p> {
    text: &'p [u8],
    form: Form,
}

/// A compiled list of host paths.
#[derive(Default)]
struct List<'p> {
    entries: Vec<Entry<'p>>,
    /// Every literal entry's forms, and every directory above them, by hash: a source is then
    /// judged with one lookup per component instead of a comparison per entry, so a thousand
    /// mounts cost a thousand times a few lookups, not a thousand times the list. The keys are
    /// grouped by bucket (see [`bucket`]); bucket `b`'s are `index[starts[b]..starts[b + 1]]`,
    /// so a lookup is one step to its bucket, not a binary search of them all.
    index: Vec<Key>,
    starts: Vec<u32>,
    /// How many bits of a hash pick its bucket.
    bucket_bits: u32,
    /// The entries with glob components, in list order (those are compared one by one).
    globs: Vec<u32>,
    /// Whether the index is built: only for invocations with many paths, as building it costs
    /// more than comparing a handful of sources with every entry.
    indexed: bool,
    /// Per entry (see [`List::seal`]), the [`Head`] of the path it is compared by (its literal
    /// form, a glob's leading components), so that [`find_linear`](Self::find_linear) passes
    /// over an entry no form of the source can relate to without reading the entry's paths
    /// (the second byte alone let most of a home's entries through: the sources lie in the home
    /// too). An entry without a head (a list never sealed) is always compared.
    heads: Vec<Head>,
}

/// What [`find_linear`](List::find_linear) knows of an entry's path without reading it: its
/// length, its last byte and its second. A source relates to a path no longer than itself only
/// if the path ends where one of the source's components does (the source's byte there is `/`,
/// or it ends) and their last bytes agree; to a longer one only if their second bytes agree.
/// A length of 0 is an entry compared always (`/`, two forms, a list never sealed).
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
struct Head {
    len: u16,
    last: u8,
    second: u8,
}

impl Head {
    fn of(path: &[u8]) -> Head {
        match (u16::try_from(path.len()), path) {
            (Ok(len), [_, second, .., last]) => Head {
                len,
                last: *last,
                second: *second,
            },
            _ => Head::default(),
        }
    }

    /// Whether a source form `s` may relate to the path: never `false` for one that does.
    #[inline(always)]
    fn admits(self, s: &[u8]) -> bool {
        let len = usize::from(self.len);
        if len == 0 || s.len() < 2 {
            return true;
        }
        match s.get(len) {
            _ if len > s.len() => s[1] == self.second,
            None => s[len - 1] == self.last,
            Some(&b) => b == b'/' && s[len - 1] == self.last,
        }
    }
}

/// One key of a list's index.
#[derive(Clone, Copy)]
struct Key {
    hash: u64,
    entry: u32,
    /// The entry's form (in the lists' arena).
    form: Span,
    /// The key is a directory above `form`, not `form` itself.
    above: bool,
}

/// The bucket of a list's index that keys with `hash` are in: its top `bits` bits once mixed
/// (an FNV hash's low bits alone follow the last bytes too closely).
fn bucket(hash: u64, bits: u32) -> usize {
    if bits == 0 {
        return 0;
    }
    (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
}

/// Whether joined path `s` matches glob entry `pattern` (joined): every component of the
/// shorter matches, and `s` is at least as deep unless `parents` (then a directory above matches
/// too).
fn glob_matches(pattern: &[u8], s: &[u8], parents: bool) -> bool {
    if pattern.is_empty() {
        return s.is_empty();
    }
    let mut comps = components(s);
    let (mut depth, mut parts) = (0, 0);
    for p in components(pattern) {
        parts += 1;
        match comps.next() {
            Some(c) if component_matches(p, c) => depth += 1,
            Some(_) => return false,
            None => return parents,
        }
    }
    parents || depth == parts
}

/// [`glob_matches`], told early when `s` is neither beneath nor above the pattern's first
/// `fixed` bytes, its leading components without glob characters (so compared literally), or
/// when its next component does not start with the literal part of the pattern's there
/// (`pattern[fixed + 1..literal]`: `tmux-` of `/tmp/tmux-*`). Most sources are settled so, without
/// the matcher: `/tmp` holds a dozen such entries, and every source in it meets them.
#[inline(always)]
fn glob_hits(pattern: &[u8], fixed: u32, literal: u32, s: &[u8], parents: bool) -> bool {
    let lead = &pattern[..fixed as usize];
    if !(lead.is_empty() || related(s, lead, true)) {
        return false;
    }
    let from = fixed as usize + 1;
    if let (Some(lit), Some(c)) = (pattern.get(from..literal as usize), s.get(from..)) {
        if !c.starts_with(lit) {
            return false;
        }
    }
    glob_matches(pattern, s, parents)
}

/// How long a joined glob pattern's leading components without a glob character are (up to
/// the `/` before the first component with one, wherever it came from: a home may hold one),
/// and where the literal start of that component ends.
fn glob_shape(joined: &[u8]) -> (u32, u32) {
    let first = joined.iter().position(|&b| is_glob_char(b)).unwrap_or(0);
    let fixed = joined[..first].iter().rposition(|&b| b == b'/').unwrap_or(0);
    let from = (fixed + 1).min(joined.len());
    let literal = joined[from..]
        .iter()
        .position(|&b| is_glob_char(b) || b == b'\\' || b == b'/')
        .unwrap_or(joined.len() - from);
    (fixed as u32, (from + literal) as u32)
}

/// Whether `b` makes a component a glob pattern.
fn is_glob_char(b: u8) -> bool {
    matches!(b, b'*' | b'?' | b'[')
}

/// Whether `s` equals `e`, lies beneath it, or (with `parents`) contains it; both joined forms.
#[inline(always)]
fn related(s: &[u8], e: &[u8], parents: bool) -> bool {
    if e.is_empty() {
        return s.is_empty(); // `/` itself, not everything beneath it
    }
    // Both start with `/`: a second byte that differs settles most pairs without a `memcmp`.
    if s.len() > 1 && s[1] != e[1] {
        return false;
    }
    match s.len().cmp(&e.len()) {
        std::cmp::Ordering::Equal => s == e,
        std::cmp::Ordering::Greater => s[e.len()] == b'/' && s.starts_with(e),
        std::cmp::Ordering::Less => parents && e[s.len()] == b'/' && e.starts_with(s),
    }
}

/// Writes entry `text` as the kernel would read it into `out`: `~` and `~/` expanded; `false`
/// for a home entry without a home.
fn expand_home(home: Option<&[u8]>, text: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    let rest = if text == b"~" {
        Some(&b""[..])
    } else {
        text.strip_prefix(b"~/")
    };
    match (rest, home) {
        (None, _) => out.extend_from_slice(text),
        (Some(_), None) => return false,
        (Some(rest), Some(home)) => {
            out.extend_from_slice(home);
            out.push(b'/');
            out.extend_from_slice(rest);
        }
    }
    true
}

/// `path` with each component that holds a glob character written so that the matcher reads
/// it literally (`*`, `?`, `[` and `\\` escaped); other components, compared literally
/// already, as they are.
fn escaped_components(path: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(path.len() + 8);
    for (i, c) in crate::text::split(path, b'/').enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        if c.iter().any(|&b| is_glob_char(b)) {
            for &b in c {
                if is_glob_char(b) || b == b'\\' {
                    out.push(b'\\');
                }
                out.push(b);
            }
        } else {
            out.extend_from_slice(c);
        }
    }
    out
}

/// Compiles lists of host paths: every entry expanded into one arena, every directory that many
/// entries share listed once, every literal entry resolved through one memo.
struct Compiler<'h> {
    /// The caller's home as the kernel resolves it ([`HostPaths::new`]).
    home: Option<Vec<u8>>,
    /// The home as a glob entry holds it, where its name has glob characters
    /// ([`escaped_components`]).
    home_in_pattern: Option<Vec<u8>>,
    /// An entry already in resolved form (the shim's binary): not resolved, not watched.
    canonical: Option<&'h [u8]>,
    /// Every entry's joined form, back to back.
    arena: Vec<u8>,
    resolver: Resolver,
    scratch: Vec<u8>,
}

impl<'h> Compiler<'h> {
    fn new(home: Option<&[u8]>, fs: &'static dyn HostFs) -> Self {
        Compiler {
            home: home.map(<[u8]>::to_vec),
            home_in_pattern: home
                .filter(|h| h.iter().any(|&b| is_glob_char(b)))
                .map(escaped_components),
            canonical: None,
            // Replaced by the remembered arena on most calls; grown as entries are expanded.
            arena: Vec::new(),
            resolver: Resolver::new(fs),
            scratch: Vec::with_capacity(256),
        }
    }

    /// Expands one entry (`~`, `~/x`, `/x`; globs compiled) without resolving it.
    fn expand<'p>(&mut self, text: &'p [u8]) -> Entry<'p> {
        let glob = text.iter().any(|&b| is_glob_char(b));
        // In a pattern, the home is a literal: a home whose name holds `*`, `?` or `[` had
        // `~/.*` match other folders and not its own (the thirty-first pass's look).
        let home = match glob {
            true => self.home_in_pattern.as_deref().or(self.home.as_deref()),
            false => self.home.as_deref(),
        };
        if !expand_home(home, text, &mut self.scratch) {
            return Entry {
                text,
                form: Form::None,
            };
        }
        let at = self.arena.len();
        push_joined(&mut self.arena, &self.scratch);
        let lit = Span {
            at: at as u32,
            len: (self.arena.len() - at) as u32,
        };
        if glob {
            let (fixed, literal) = glob_shape(lit.of(&self.arena));
            return Entry {
                text,
                form: Form::Glob {
                    pattern: lit,
                    fixed,
                    literal,
                },
            };
        }
        Entry {
            text,
            form: Form::Lit { lit, real: None },
        }
    }

    /// An entry as the memory kept it (its spans in the recalled arena).
    fn recalled<'p>(&mut self, text: &'p [u8], form: Stored) -> Entry<'p> {
        let span = |(at, len)| Span { at, len };
        match form {
            Stored::None => Entry {
                text,
                form: Form::None,
            },
            Stored::Lit { lit, real } => Entry {
                text,
                form: Form::Lit {
                    lit: span(lit),
                    real: real.map(span),
                },
            },
            Stored::Glob { pattern } => {
                let pattern = span(pattern);
                let (fixed, literal) = glob_shape(pattern.of(&self.arena));
                Entry {
                    text,
                    form: Form::Glob {
                        pattern,
                        fixed,
                        literal,
                    },
                }
            }
        }
    }

    /// A joined path's parent (with its hash) and name.
    fn child(&self, path: Span) -> Option<(u64, Span, Span)> {
        let cut = path.of(&self.arena).iter().rposition(|&b| b == b'/')? as u32;
        let parent = Span {
            at: path.at,
            len: cut,
        };
        let name = Span {
            at: path.at + cut + 1,
            len: path.len - cut - 1,
        };
        Some((fnv(parent.of(&self.arena)), parent, name))
    }

    /// Lists once each directory that at least [`SEED_MIN`] of `children` (parent, name) lie
    /// in. Grouped by the parent's hash, as sorting integers is cheap; a collision only merges
    /// two groups, and each group keeps only the names whose parent is its own.
    fn seed(&mut self, mut children: Vec<(u64, Span, Span)>) {
        children.sort_unstable_by_key(|c| c.0);
        let arena = &self.arena;
        let mut scratch = Vec::with_capacity(256);
        // By hash, not by bytes: sorting thousands of names by their bytes was a fifth of a
        // 10 000-token `run`; the listing looks each entry up by its hash the same way.
        let mut names: Vec<(u64, &[u8])> = Vec::new();
        for group in children.chunk_by(|a, b| a.0 == b.0) {
            if group.len() < SEED_MIN {
                continue;
            }
            let dir = group[0].1.of(arena);
            names.clear();
            names.extend(group.iter().filter(|c| c.1.of(arena) == dir).map(|c| {
                let name = c.2.of(arena);
                (fnv(name), name)
            }));
            names.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
            names.dedup();
            if names.len() < SEED_MIN {
                continue;
            }
            // Only a directory that is its own resolved form: the memo's keys are resolved.
            let real = self.resolver.realpath(dir, 0, &mut scratch);
            let same = scratch.as_slice() == dir || (dir.is_empty() && scratch == b"/");
            if real == Some(Kind::Dir) && same {
                self.resolver.seed(dir, &names);
            }
        }
    }

    /// Resolves every literal entry of `lists`, listing the directories many of them share.
    fn resolve(&mut self, lists: &mut [&mut List<'_>]) {
        let mut children: Vec<(u64, Span, Span)> = Vec::new();
        for list in lists.iter() {
            for e in &list.entries {
                if let Form::Lit { lit, .. } = e.form {
                    children.extend(self.child(lit));
                }
            }
        }
        self.seed(children);
        let mut scratch = Vec::with_capacity(256);
        let mut raw = Vec::with_capacity(256);
        for list in lists.iter_mut() {
            for e in &mut list.entries {
                let Form::Lit { lit, real } = &mut e.form else {
                    continue;
                };
                if self.canonical == Some(e.text) {
                    continue; // its resolved form is its joined form
                }
                let path = lit.of(&self.arena);
                // `..` after a symlink climbs from its target: resolve such an entry as written.
                if crate::text::split(e.text, b'/').any(|p| p == b"..") {
                    expand_home(self.home.as_deref(), e.text, &mut raw);
                } else if path.is_empty() {
                    raw.clear();
                    raw.push(b'/'); // the joined form of `/` is empty
                } else {
                    raw.clear();
                    raw.extend_from_slice(path);
                }
                if self.resolver.realpath(&raw, 0, &mut scratch).is_some() {
                    let resolved: &[u8] = if scratch == b"/" { b"" } else { &scratch };
                    if resolved != lit.of(&self.arena) {
                        *real = Some(Span::push(&mut self.arena, resolved));
                    }
                }
            }
        }
    }

    fn list<'p>(&mut self, entries: impl IntoIterator<Item = &'p [u8]>) -> List<'p> {
        List {
            entries: entries.into_iter().map(|e| self.expand(e)).collect(),
            ..List::default()
        }
    }
}

impl<'p> List<'p> {
    /// Records each entry's [`heads`](Self::heads), once the entries' forms are final.
    fn seal(&mut self, arena: &[u8]) {
        // A span's head; an empty one (compared always) for a span out of the arena.
        let head = |s: Span| {
            arena
                .get(s.at as usize..(s.at + s.len) as usize)
                .map_or(Head::default(), Head::of)
        };
        let same = |a: Span, b: Span| a.of(arena) == b.of(arena);
        self.heads.clear();
        self.heads.reserve_exact(self.entries.len());
        for e in &self.entries {
            self.heads.push(match e.form {
                Form::Lit { lit, real } => match real {
                    Some(r) if !same(lit, r) => Head::default(),
                    _ => head(lit),
                },
                Form::Glob { pattern, fixed, .. } => head(Span {
                    at: pattern.at,
                    len: fixed.min(pattern.len),
                }),
                Form::None => Head::default(),
            });
        }
    }

    /// Whether entry `i` may relate to a source with these joined forms (always, when the list
    /// is not sealed).
    #[inline(always)]
    fn may_relate(&self, i: usize, forms: &[&[u8]]) -> bool {
        self.heads
            .get(i)
            .is_none_or(|h| forms.iter().any(|s| h.admits(s)))
    }

    /// Builds the index once the entries' forms are final.
    fn build_index(&mut self, arena: &[u8]) {
        let mut keys = Vec::with_capacity(self.entries.len() * 6);
        for (i, e) in self.entries.iter().enumerate() {
            let (lit, real) = match e.form {
                Form::Lit { lit, real } => (lit, real),
                Form::Glob { .. } => {
                    self.globs.push(i as u32);
                    continue;
                }
                Form::None => continue,
            };
            for form in std::iter::once(lit).chain(real) {
                let key = |hash, above| Key {
                    hash,
                    entry: i as u32,
                    form,
                    above,
                };
                let bytes = form.of(arena);
                if !bytes.is_empty() {
                    keys.push(key(FNV_START, true)); // `/` holds every path
                }
                let mut h = FNV_START;
                for (at, &b) in bytes.iter().enumerate() {
                    if b == b'/' && at > 0 {
                        keys.push(key(h, true));
                    }
                    h = fnv_step(h, b);
                }
                keys.push(key(h, false));
            }
        }
        // A counting sort by bucket: about one key per bucket, and `starts` is the prefix sum.
        let bits = keys.len().max(1).next_power_of_two().ilog2();
        let mut starts = vec![0u32; (1 << bits) + 1];
        for k in &keys {
            starts[bucket(k.hash, bits) + 1] += 1;
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        let mut next = starts.clone();
        let mut index = keys.clone();
        for &k in &keys {
            let slot = &mut next[bucket(k.hash, bits)];
            index[*slot as usize] = k;
            *slot += 1;
        }
        self.index = index;
        self.starts = starts;
        self.bucket_bits = bits;
        self.indexed = true;
    }

    /// The keys with this hash.
    fn keys(&self, hash: u64) -> impl Iterator<Item = &Key> {
        let b = bucket(hash, self.bucket_bits);
        let (from, to) = (self.starts[b] as usize, self.starts[b + 1] as usize);
        self.index[from..to].iter().filter(move |k| k.hash == hash)
    }

    /// The first entry (in list order) that a source equals, lies beneath, or contains (when
    /// `parents`); entries for which `skip` holds are passed over.
    fn find(
        &self,
        arena: &[u8],
        src: &Resolved,
        parents: bool,
        skip: impl Fn(&[u8]) -> bool,
    ) -> Option<&'p [u8]> {
        if !self.indexed {
            return self.find_linear(arena, src, parents, skip);
        }
        let mut best: Option<u32> = None;
        let consider = |best: &mut Option<u32>, i: u32| {
            if best.is_none_or(|b| i < b) && !skip(self.entries[i as usize].text) {
                *best = Some(i);
            }
        };
        for s in src.forms() {
            // Equal to an entry, or beneath one: some directory above `s`, or `s`, is an entry.
            // (Beneath `/` does not count: `/` holds everything.)
            let mut h = FNV_START;
            for (at, &b) in s.iter().enumerate() {
                if b == b'/' && at > 0 {
                    for k in self.keys(h) {
                        if !k.above && k.form.of(arena) == &s[..at] {
                            consider(&mut best, k.entry);
                        }
                    }
                }
                h = fnv_step(h, b);
            }
            for k in self.keys(h) {
                let f = k.form.of(arena);
                let hit = if k.above {
                    parents && f.len() > s.len() && f.starts_with(s) && f[s.len()] == b'/'
                } else {
                    f == s
                };
                if hit {
                    consider(&mut best, k.entry);
                }
            }
        }
        let (all, n) = src.form_array();
        for &i in &self.globs {
            if best.is_some_and(|b| b <= i) {
                break;
            }
            if !self.may_relate(i as usize, &all[..n]) {
                continue;
            }
            let Form::Glob {
                pattern,
                fixed,
                literal,
            } = self.entries[i as usize].form
            else {
                continue;
            };
            let hit = src
                .forms()
                .any(|s| glob_hits(pattern.of(arena), fixed, literal, s, parents));
            if hit {
                consider(&mut best, i);
            }
        }
        best.map(|i| self.entries[i as usize].text)
    }

    /// [`find`](Self::find) by comparing every entry: the definition the index must agree with.
    fn find_linear(
        &self,
        arena: &[u8],
        src: &Resolved,
        parents: bool,
        skip: impl Fn(&[u8]) -> bool,
    ) -> Option<&'p [u8]> {
        // Whether an entry applies (`skip`) is asked only of entries that match: most do not,
        // and `skip` compares texts. Every source meets every entry here (a run's ten sources,
        // some three hundred entries), so the loop is kept plain: the forms in an array, not an
        // iterator built per entry.
        let (all, n) = src.form_array();
        let forms = &all[..n];
        let any_related = |e: &[u8]| forms.iter().any(|s| related(s, e, parents));
        for (i, e) in self.entries.iter().enumerate() {
            if !self.may_relate(i, forms) {
                continue;
            }
            let hit = match e.form {
                Form::None => false,
                Form::Lit { lit, real } => {
                    any_related(lit.of(arena)) || real.is_some_and(|r| any_related(r.of(arena)))
                }
                Form::Glob {
                    pattern,
                    fixed,
                    literal,
                } => {
                    let pattern = pattern.of(arena);
                    forms
                        .iter()
                        .any(|s| glob_hits(pattern, fixed, literal, s, parents))
                }
            };
            if hit && !skip(e.text) {
                return Some(e.text);
            }
        }
        None
    }
}

/// A source path as written (`..` removed lexically) and as the kernel resolves it, both joined.
struct Resolved {
    lexical: Vec<u8>,
    /// The resolved form, joined, when it differs from the lexical one.
    other: Option<Vec<u8>>,
    /// With `..` in the path: the lexical form resolved, joined, when it differs from both.
    /// podman cleans a source lexically before the kernel resolves it (`/a/link/../b` is
    /// `/a/b`, wherever `link` points), while `realpath(3)` climbs from a symlink's target.
    cleaned: Option<Vec<u8>>,
    /// The form the kernel resolves the runtime's path to, as `realpath(3)` writes it (`/` for
    /// the root), and what is there.
    real: Option<(Vec<u8>, Kind)>,
}

impl Resolved {
    fn new(abs: &[u8], resolver: &mut Resolver) -> Resolved {
        // `realpath(3)`'s `/` is the joined form's empty path.
        let as_joined = |out: &[u8]| -> Vec<u8> { if out == b"/" { Vec::new() } else { out.to_vec() } };
        let mut out = Vec::with_capacity(abs.len() + 16);
        let kind = resolver.realpath(abs, 0, &mut out);
        let lexical = joined(abs);
        let other = kind.and_then(|_| {
            let r: &[u8] = if out == b"/" { b"" } else { &out };
            (r != lexical.as_slice()).then(|| r.to_vec())
        });
        let mut real = kind.map(|k| (out, k));
        let mut cleaned = None;
        if crate::text::split(abs, b'/').any(|c| c == b"..") {
            let path: &[u8] = if lexical.is_empty() { b"/" } else { &lexical };
            let mut out = Vec::with_capacity(path.len() + 16);
            if let Some(k) = resolver.realpath(path, 0, &mut out) {
                let r = as_joined(&out);
                if r != lexical && Some(&r) != other.as_ref() {
                    cleaned = Some(r);
                }
                real = Some((out, k));
            }
        }
        Resolved {
            lexical,
            other,
            cleaned,
            real,
        }
    }

    /// A path opened where it is written (no link, `.` or `..` on its way): its own real form.
    fn opened(abs: &[u8], kind: Kind) -> Resolved {
        Resolved {
            lexical: joined(abs),
            other: None,
            cleaned: None,
            real: Some((abs.to_vec(), kind)),
        }
    }

    /// Its forms as an array, the first `n` of it used: for loops over every listed entry.
    fn form_array(&self) -> ([&[u8]; 3], usize) {
        let mut all: [&[u8]; 3] = [&self.lexical, &[], &[]];
        let mut n = 1;
        for f in [self.other.as_deref(), self.cleaned.as_deref()]
            .into_iter()
            .flatten()
        {
            all[n] = f;
            n += 1;
        }
        (all, n)
    }

    fn forms(&self) -> impl Iterator<Item = &[u8]> {
        std::iter::once(self.lexical.as_slice())
            .chain(self.other.as_deref())
            .chain(self.cleaned.as_deref())
    }

    /// Whether one of its forms is exactly `path` (joined).
    fn is(&self, path: &[u8]) -> bool {
        self.forms().any(|f| f == path)
    }

    /// Whether one of its forms lies at or beneath `dir` (joined).
    fn within(&self, dir: &[u8]) -> bool {
        self.forms().any(|f| related(f, dir, false))
    }
}

/// How the runtime uses a host path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// Why a host path is refused: the rule, and the listed entry (or file) it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub entry: String,
    /// When the finding is a repository's metadata at a mounted directory's top: which kind,
    /// for the message's advice.
    pub repository: Option<Repository>,
    /// The finding is a socket or FIFO at a mounted directory's top ([`HostPaths::check_mount`]).
    pub listening: bool,
}

/// A repository's metadata found at the top of a directory mounted read-write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repository {
    /// A working tree's `.git` or `.hg`: shadowing it read-only keeps the tree writable.
    Metadata,
    /// The directory is a git directory itself (bare, or a `--separate-git-dir`).
    GitDir,
}

/// Where the host is, for resolving host paths.
#[derive(Debug, Clone)]
pub struct HostCtx {
    pub cwd: Option<std::path::PathBuf>,
    pub home: Option<std::path::PathBuf>,
    /// The shim's own binary as the kernel names it (`/proc/self/exe`): never writable by a
    /// container. That name is already resolved, so it is neither resolved again nor watched
    /// by the memory (if a directory above it changes, so does the name, and so the memory's key).
    pub exe: Option<std::path::PathBuf>,
    /// The shim's other files (policy, decision log, cache folder): never writable by a
    /// container either; their names are as the caller gave them, so they are resolved.
    pub own_files: Vec<std::path::PathBuf>,
    /// The shim's records (the decision log, the cache folder): read by no container, as
    /// credentials are not.
    pub own_records: Vec<std::path::PathBuf>,
    /// List entries the environment adds, with the list each belongs to: those beneath a folder
    /// it moved (`~/.config/containers` as `$XDG_CONFIG_HOME/containers`, [`relocated`]), the
    /// folders on `PATH` (host-exec: podman finds `slirp4netns`, `conmon` and the OCI runtime
    /// there), the registry logins `REGISTRY_AUTH_FILE` and `DOCKER_CONFIG` name (credentials).
    pub from_environment: Vec<(DenyList, std::path::PathBuf)>,
    /// The file system paths are resolved in: the host's own, or one in memory for tests.
    pub fs: &'static dyn HostFs,
    /// Where resolved lists are remembered between invocations; `None`: resolved every time.
    pub memory: Option<Memory>,
    /// Whether the runtime runs rootless: its containers' ids are then the caller's sub-ids,
    /// not the host's (a system group in the container is no host group). `false` (rootful) is
    /// the stricter reading.
    pub rootless: bool,
    /// Where podman keeps its local volumes' folders (`<folder>/NAME`): its default store's
    /// `volumes`, and those its configuration names.
    pub stores: Vec<std::path::PathBuf>,
}

impl Default for HostCtx {
    fn default() -> Self {
        HostCtx {
            cwd: None,
            home: None,
            exe: None,
            own_files: Vec::new(),
            own_records: Vec::new(),
            from_environment: Vec::new(),
            fs: &RealFs,
            memory: None,
            rootless: false,
            stores: Vec::new(),
        }
    }
}

/// The entries of the lists that protect a folder the environment moved, beneath where it
/// moved ([`crate::trust::Relocations`]): podman reads its configuration and keeps its storage
/// and running state there, so they are what `~/.config/containers`,
/// `~/.local/share/containers` and `/run/user` are by default (the red team's `-v
/// $XDG_CONFIG_HOME:/c` wrote a hook the next `run` ran on the host).
pub fn relocated(deny: &Deny, moved: &crate::trust::Relocations) -> Vec<(DenyList, std::path::PathBuf)> {
    let mut out = Vec::new();
    if moved.is_empty() {
        return out;
    }
    for which in [
        DenyList::SensitivePaths,
        DenyList::CredentialPaths,
        DenyList::HostExecPaths,
    ] {
        for entry in deny.list(which) {
            out.extend(moved.twins(entry).into_iter().map(|p| (which, p)));
        }
    }
    out
}

/// The host-path model: every path that reaches the runtime (mount sources, overlay
/// directories, files the runtime reads or writes for the caller) is judged here, by class.
///
/// - sensitive paths (system trees, runtime sockets) and credentials: refused, even read-only,
///   and so is any directory that contains one (binding `/run` exposes the socket);
/// - credential names (`.env`, `id_rsa`, ...) anywhere in the path, and at the top of a mounted
///   directory unless another mount shadows them;
/// - host-exec paths: refused when written (shell start-up files, systemd units, `~/.local`,
///   system directories, other users' homes, container storage, the shim's own files);
/// - a written path must lie beneath a writable root or the working directory.
///
/// `/dev/null` is always allowed: nanoclaw shadows files with it.
pub struct HostPaths<'p> {
    deny: &'p Deny,
    host: &'p HostCtx,
    /// `home` and `cwd` as joined components, for comparisons.
    home_joined: Option<Vec<u8>>,
    cwd_joined: Option<Vec<u8>>,
    /// The working directory as it resolves, joined: asked once, by the first write judged
    /// ([`project_code`]).
    cwd_real: std::cell::OnceCell<Vec<u8>>,
    /// Compiled on the first check: the lists of every rule in force, in one arena.
    lists: Option<Lists<'p>>,
    /// What is remembered of mounted directories, once a check needs it.
    dirs: Option<Dirs>,
    /// Parent and name of every announced path (in the lists' arena), until [`prefetch`].
    ///
    /// [`prefetch`]: Self::prefetch
    announced: Vec<(u64, Span, Span)>,
    /// The last path opened ([`HostFs::identity`]), absolute, and what opening it found: a
    /// check opens what it judges, and the mount check's record of it reuses that opening.
    opened: Option<(Vec<u8>, Option<crate::hostfs::Identity>)>,
    /// Where the last path judged resolved to (for its other names: [`Self::judge`]).
    judged_real: Option<Vec<u8>>,
    /// The mount table, once a source's other names are asked for (inside: `None` when it
    /// cannot be read).
    mounts: Option<Option<crate::aliases::Table>>,
    /// A source's other name is being judged: by what it must not be (sensitive, a credential,
    /// code the host runs), not by where writes may go (a writable root is the source's own
    /// name's question: `/mnt/wslg/distro/tmp/x`, WSL's second mount of the root, is no
    /// writable root, and `/tmp/x` is).
    as_alias: bool,
    /// That other name lies beneath a sensitive point only because a whole file system is
    /// mounted there: the sensitive list is not asked of it ([`Self::judge`]).
    alias_in_sensitive: bool,
}

/// The compiled lists of the rules in force (empty when a rule is off).
struct Lists<'p> {
    compiler: Compiler<'p>,
    names: Names<'p>,
    sensitive: List<'p>,
    credentials: List<'p>,
    host_exec: List<'p>,
    roots: List<'p>,
}

/// Where a write to `src` changes the working directory's project outside its data folders
/// ([`DenyList::WritableProjectDirs`]): the entry at the project's top it lies in, or the
/// project itself. A project is a working directory (`cwd`, joined) holding `package.json`
/// (nanoclaw's checkout in every generation), other than the home and `/`: asked only of a
/// source inside it. `cwd` as written (`PWD`, a link's name when the shell came through one)
/// and `real`, where it resolves: nanoclaw names its sources by the real path (the thirty-first
/// pass's look wrote `bin/ncl` through a checkout entered by a link, which the name as written
/// did not hold).
fn project_code(
    deny: &Deny,
    host: &HostCtx,
    [written, real]: [&[u8]; 2],
    home: Option<&[u8]>,
    src: &Resolved,
) -> Option<Vec<u8>> {
    let data = deny.list(DenyList::WritableProjectDirs);
    [written, real].into_iter().find_map(|cwd| {
        if cwd.is_empty() || Some(cwd) == home {
            return None;
        }
        let code = src.forms().find_map(|f| {
            if !related(f, cwd, false) {
                return None;
            }
            match components(&f[cwd.len()..]).next() {
                None => Some(cwd.to_vec()),
                Some(name) if data.iter().any(|d| d.as_bytes() == name) => None,
                Some(name) => Some([cwd, b"/", name].concat()),
            }
        })?;
        let manifest = [cwd, b"/package.json"].concat();
        host.fs.lstat(&manifest).map(|_| code)
    })
}

/// A path, joined, as the kernel resolves it; as written when it does not resolve. The home is
/// taken so: the lists' `~` entries are expanded with it, and glob entries (`~/.*`) get no
/// resolved second form as literal entries do, so expanded with a linked home's name
/// (`HOME=/homes/u`, `/homes` a link to `/home`) they matched no source (the thirty-first pass's
/// look read and wrote unlisted hidden entries so). So is the working directory, for the
/// project check.
fn resolved_joined(fs: &'static dyn HostFs, path: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(path.len());
    match Resolver::new(fs).realpath(path, 0, &mut out) {
        Some(_) if out.as_slice() == b"/" => Vec::new(),
        Some(_) => joined(&out),
        None => joined(path),
    }
}

/// `raw` made absolute against the working directory `cwd`; `None` for a relative path when the
/// working directory is unknown.
fn absolute<'a>(cwd: Option<&[u8]>, raw: &'a [u8]) -> Option<std::borrow::Cow<'a, [u8]>> {
    if raw.first() == Some(&b'/') {
        return Some(raw.into());
    }
    let cwd = cwd?;
    let mut abs = Vec::with_capacity(cwd.len() + 1 + raw.len());
    abs.extend_from_slice(cwd);
    abs.push(b'/');
    abs.extend_from_slice(raw);
    Some(abs.into())
}

fn os_bytes(p: &std::path::Path) -> &[u8] {
    p.as_os_str().as_bytes()
}

impl<'p> HostPaths<'p> {
    pub fn new(deny: &'p Deny, host: &'p HostCtx) -> HostPaths<'p> {
        HostPaths {
            deny,
            host,
            home_joined: host
                .home
                .as_deref()
                .map(|h| resolved_joined(host.fs, os_bytes(h))),
            cwd_joined: host.cwd.as_deref().map(|c| joined(os_bytes(c))),
            cwd_real: std::cell::OnceCell::new(),
            lists: None,
            dirs: None,
            announced: Vec::new(),
            opened: None,
            judged_real: None,
            mounts: None,
            as_alias: false,
            alias_in_sensitive: false,
        }
    }

    /// `abs` opened ([`HostFs::identity`]), once for a check and the record that follows it.
    fn open(&mut self, abs: &[u8]) -> Option<&crate::hostfs::Identity> {
        if self.opened.as_ref().is_none_or(|(p, _)| p != abs) {
            self.opened = Some((abs.to_vec(), self.host.fs.identity(abs)));
        }
        self.opened.as_ref().and_then(|(_, id)| id.as_ref())
    }

    /// The host these paths are judged on.
    pub fn host(&self) -> &'p HostCtx {
        self.host
    }

    /// The contents of a small host file the runtime will read for the caller (an env file,
    /// relative to the working directory), for the checks of what is in it.
    pub fn read_file(&self, raw: &[u8]) -> SmallFile {
        read_host_file(self.host, raw)
    }

    /// What `raw` names as the runtime will open it (relative to the working directory), opened
    /// and asked where it is ([`HostFs::identity`]); `None` when it cannot be opened.
    pub fn identity(&mut self, raw: &[u8]) -> Option<crate::hostfs::Identity> {
        let abs = absolute(self.host.cwd.as_deref().map(os_bytes), raw)?;
        self.open(&abs).cloned()
    }

    /// Ends the checks: what was learned of mounted directories is remembered.
    pub fn finish(&mut self) {
        let (Some(dirs), Some(memory)) = (self.dirs.take(), self.host.memory.as_ref()) else {
            return;
        };
        match dirs.save(self.host.fs, memory) {
            None => {}
            Some(Ok(())) => tracing::debug!("mounted directories: facts remembered"),
            Some(Err(e)) => tracing::debug!("mounted directories: facts not remembered: {e}"),
        }
    }

    /// Announces a path about to be checked, so that a directory many of them lie in is read
    /// with one listing rather than an `lstat` per path (see [`prefetch`](Self::prefetch)).
    pub fn announce(&mut self, raw: &[u8]) {
        let cwd = self.host.cwd.as_deref().map(os_bytes);
        let lists = self
            .lists
            .get_or_insert_with(|| compile_lists(self.deny, self.host, self.home_joined.as_deref()));
        let c = &mut lists.compiler;
        let Some(abs) = absolute(cwd, raw) else {
            return;
        };
        let at = c.arena.len();
        push_joined(&mut c.arena, &abs);
        let path = Span {
            at: at as u32,
            len: (c.arena.len() - at) as u32,
        };
        self.announced.extend(c.child(path));
    }

    /// Reads once each directory many announced paths lie in, and indexes the lists when there
    /// are many paths to check.
    pub fn prefetch(&mut self) {
        let announced = std::mem::take(&mut self.announced);
        let Some(lists) = self.lists.as_mut() else {
            return;
        };
        let c = &mut lists.compiler;
        let many = announced.len();
        if many >= SEED_MIN {
            c.seed(announced);
        }
        if many >= INDEX_MIN {
            for list in [
                &mut lists.sensitive,
                &mut lists.credentials,
                &mut lists.host_exec,
                &mut lists.roots,
            ] {
                list.build_index(&c.arena);
            }
        }
    }

    /// Checks one host path; `shadowed(name)` says whether a file of that name at the top of a
    /// mounted directory is covered by another mount (only asked for directories).
    pub fn check(&mut self, raw: &[u8], access: Access, shadowed: &dyn Fn(&[u8]) -> bool) -> Option<Finding> {
        self.judge(raw, access, shadowed, false)
    }

    /// [`Self::check`] for a bind mount's source, which also refuses a directory holding a
    /// socket or FIFO at its top, unshadowed (`deny.sensitive-mount`): a host service (a tmux or
    /// editor's control socket, an ssh agent's, a database's) that `connect(2)` reaches through
    /// a read-only mount as well, a FIFO a host program reads its commands from (the fifty-seventh
    /// look's: a project folder nanoclaw's `additionalMounts` named held a control socket, and
    /// the container ran commands on the host as the caller, or root). A build context or a file
    /// the runtime reads is not mounted: nothing in it can be connected to.
    pub fn check_mount(
        &mut self,
        raw: &[u8],
        access: Access,
        shadowed: &dyn Fn(&[u8]) -> bool,
    ) -> Option<Finding> {
        self.judge(raw, access, shadowed, true)
    }

    /// [`Self::judge_named`] of `raw`, then of every other name the mount table gives what it
    /// resolves to ([`crate::aliases`]): a second mount of a file system (an ostree host's
    /// `/sysroot`, a bind of `/` beneath a writable root) named a credential store under a path
    /// no list holds (the thirty-second pass's look). The mount table is read once per call,
    /// and only for a source that resolved and passed.
    fn judge(
        &mut self,
        raw: &[u8],
        access: Access,
        shadowed: &dyn Fn(&[u8]) -> bool,
        mounted: bool,
    ) -> Option<Finding> {
        self.judged_real = None;
        if let Some(found) = self.judge_named(raw, access, shadowed, mounted) {
            return Some(found);
        }
        let real = self.judged_real.take()?;
        let fs = self.host.fs;
        let fuse_own = self.deny.list(DenyList::FuseFileSystems);
        let table = self.mounts.get_or_insert_with(|| {
            fs.mount_table().map(|t| {
                let mut table = crate::aliases::Table::read(&t, fuse_own);
                table.back(|mount| fs.disk_images(mount));
                table
            })
        });
        // Each of these refuses the source whatever its names say, so each is asked only while
        // the rule is on.
        let on = self.deny.on(Rule::DenySensitiveMount);
        // Without the table a source's other names are unknown: a bind of `/` or of a home
        // beneath this source would name a credential store the lists never see. Refused,
        // not passed: no `/proc` is a broken host, not a reason to judge less.
        let Some(table) = table.as_ref() else {
            return on.then(|| mount_refusal(format!("{} {NO_MOUNT_TABLE}", crate::text::lossy(&real))));
        };
        let mount_id = (self.opened.as_ref())
            .and_then(|(_, id)| id.as_ref())
            .filter(|id| id.real == real)
            .map_or(0, |id| id.mount_id);
        // A kernel file system the source lies on, or that is mounted beneath it (podman binds
        // what is mounted below a source too): `/proc`, `/sys` or `/dev` under another name (a
        // chroot's `proc` under `/srv`: the thirty-second pass's last look read a host process's
        // environment so).
        let kernel = |at: &[u8], id: u64| {
            let (kind, at) = table.kernel_fs(at, id)?;
            Some(format!(
                "{} (the kernel's {kind} file system, mounted there)",
                crate::text::lossy(&at)
            ))
        };
        // A FUSE file system that may show other folders, which the table does not name.
        let view = |at: &[u8], id: u64| {
            let (program, at) = table.fuse_view(at, id)?;
            Some(format!(
                "{} ({}, a FUSE file system not known to show only files of its own: nothing through the mount table says which folders it shows)",
                crate::text::lossy(&at),
                crate::text::lossy(program)
            ))
        };
        // A disk image mounted whose file the kernel cannot name (a path longer than a page):
        // which folder holds it is unknown, so no source is judged safe (the thirty-fourth
        // pass's third look read one through a mount of its folder).
        let unnamed = || {
            let (device, point) = table.unnamed_image()?;
            Some(format!(
                "{} (a disk image is mounted at {} through {device}: any folder may hold its file)",
                crate::text::lossy(&real),
                crate::text::lossy(point)
            ))
        };
        let shown = |at: &[u8], id: u64| kernel(at, id).or_else(|| view(at, id));
        if let Some(entry) = on.then(|| shown(&real, mount_id).or_else(unnamed)).flatten() {
            return Some(mount_refusal(entry));
        }
        let aliases = table.aliases(&real, mount_id);
        if aliases.is_empty() {
            return None;
        }
        // What another name shows, too: an overlay whose layer is a FUSE view (the thirty-fifth
        // pass's look read `~/.docker` so), a second mount holding `proc`.
        let other = (aliases.iter().filter(|_| on)).find_map(|(alias, _)| {
            let entry = shown(alias, 0)?;
            Some(format!(
                "{entry}; at {}, another name of {} through the mount table",
                crate::text::lossy(alias),
                crate::text::lossy(&real)
            ))
        });
        if let Some(entry) = other {
            return Some(mount_refusal(entry));
        }
        // The record of what was opened is the source's, not its other names'.
        let opened = self.opened.take();
        self.as_alias = true;
        let found = aliases.iter().find_map(|(alias, whole)| {
            // A name beneath a sensitive point only because a whole file system is mounted there
            // (`/sysroot/tmp/x` of `/tmp/x`; `/run/host/...` in a toolbox) is not sensitive for
            // that: judged by the other lists only. (A name below `/` is judged whole: a bind of
            // `/` is `/`; so is one under a mount of a folder: `/root` bound from
            // `/persist/root`. And the credentials and host-exec lists judge every name: `/root`
            // a file system of its own, bound elsewhere, named root's `.config/gh` (the
            // thirty-second pass's last look, after a first version passed such names over).)
            self.alias_in_sensitive = false;
            if let Some(base) = whole.as_ref().filter(|b| b.as_slice() != b"/") {
                let lists = self.lists.as_ref()?;
                let at = Resolved::opened(base, Kind::Dir);
                self.alias_in_sensitive = lists
                    .sensitive
                    .find(lists.compiler.arena.as_slice(), &at, false, |_| false)
                    .is_some();
            }
            let mut f = self.judge_named(alias, access, shadowed, mounted)?;
            f.entry = format!(
                "{} ({} through the mount table: the same file system mounted elsewhere)",
                f.entry,
                crate::text::lossy(alias)
            );
            Some(f)
        });
        self.as_alias = false;
        self.alias_in_sensitive = false;
        self.opened = opened;
        found
    }

    fn judge_named(
        &mut self,
        raw: &[u8],
        access: Access,
        shadowed: &dyn Fn(&[u8]) -> bool,
        mounted: bool,
    ) -> Option<Finding> {
        let hit = |rule, entry: &[u8]| {
            Some(Finding {
                rule,
                entry: crate::text::owned(entry),
                repository: None,
                listening: false,
            })
        };
        let deny = self.deny;
        let cwd = self.host.cwd.as_deref().map(os_bytes);
        let Some(abs) = absolute(cwd, raw) else {
            return hit(Rule::DenySensitiveMount, UNRESOLVABLE.as_bytes());
        };
        // Opened first: a path the kernel opens as written, without following a link, is
        // where it says (two system calls for the whole path, where resolving it takes one per
        // component), and what is judged is then what was opened.
        let as_written = self
            .open(&abs)
            .filter(|id| id.real == *abs)
            .map(|id| if id.is_dir { Kind::Dir } else { Kind::Other });
        let lists = self
            .lists
            .get_or_insert_with(|| compile_lists(self.deny, self.host, self.home_joined.as_deref()));
        let src = match as_written {
            Some(kind) => Resolved::opened(&abs, kind),
            None => Resolved::new(&abs, &mut lists.compiler.resolver),
        };
        if src.is(b"/dev/null") {
            return None;
        }
        self.judged_real = src.real.as_ref().map(|(r, _)| r.clone());
        let arena = lists.compiler.arena.as_slice();
        let within_home = self.home_joined.as_ref().is_some_and(|h| src.within(h));
        if deny.on(Rule::DenySensitiveMount) && !self.alias_in_sensitive {
            // `/root` is another user's home, unless it is the caller's own.
            let skip = |e: &[u8]| within_home && e == b"/root";
            if let Some(e) = lists.sensitive.find(arena, &src, true, skip) {
                return hit(Rule::DenySensitiveMount, e);
            }
        }
        // Other users' homes (`/home/*`, `/root`) do not include the caller's own: there the
        // `~/` entries decide. Only an entry that holds the home is passed over: one inside it
        // (the shim's own files, a policy's `/home/me/.nvm`) still applies.
        let home = self.home_joined.as_deref();
        let others_home = |e: &[u8]| {
            within_home
                && !e.starts_with(b"~")
                && (e.starts_with(b"/home/") || e == b"/root" || is_system(e))
                && home.is_some_and(|h| glob_matches(&joined(e), h, false))
        };
        if deny.on(Rule::DenyCredentials) {
            if let Some(e) = lists.credentials.find(arena, &src, true, others_home) {
                // A write beneath a hidden entry of the home is said as what it is, a path
                // that runs code, where the host-exec list holds that entry too.
                let hidden = HIDDEN_HOME.as_bytes();
                let said_as_exec = access == Access::Write
                    && e == hidden
                    && deny.on(Rule::DenyHostExec)
                    && deny
                        .list(DenyList::HostExecPaths)
                        .iter()
                        .any(|x| x.as_bytes() == hidden);
                if !said_as_exec {
                    return hit(Rule::DenyCredentials, e);
                }
            }
            for form in src.forms() {
                for c in crate::text::split(form, b'/') {
                    if let Some(n) = lists.names.find(c) {
                        return hit(Rule::DenyCredentials, n);
                    }
                }
            }
            if let Some((real, Kind::Other)) = &src.real {
                let name = real.rsplit(|&b| b == b'/').next().unwrap_or_default();
                if is_core_dump(name) {
                    return hit(Rule::DenyCredentials, real);
                }
            }
            // podman 5's database wherever a store lies, a transient store's in the running
            // state among them: a `db.sql` beside a store's own folders (a project's `db.sql`
            // is not refused: the hundred-and-eighteenth look's `-v <runroot>/db.sql:/s.db:ro`).
            if let Some((real, _)) = &src.real {
                if let Some(folder) = real.strip_suffix(b"/db.sql") {
                    let beside = [
                        &b"overlay-containers"[..],
                        b"vfs-containers",
                        b"btrfs-containers",
                        b"zfs-containers",
                        b"storage.lock",
                        b"libpod",
                    ];
                    let store = beside
                        .iter()
                        .any(|n| self.host.fs.lstat(&[folder, b"/", n].concat()).is_some());
                    if store {
                        return hit(Rule::DenyCredentials, real);
                    }
                }
            }
        }
        // A directory that holds a credential at its top exposes it, and one that holds a
        // repository's `.git` there hands it over when mounted read-write, unless another mount
        // shadows it. One directory listing (not a lookup per name) finds both, and variants
        // (`.env.local`).
        let sockets = mounted && deny.on(Rule::DenySensitiveMount);
        let needs_top = sockets
            || deny.on(Rule::DenyCredentials)
            || (access == Access::Write && deny.on(Rule::DenyHostExec));
        let top = match &src.real {
            Some((real, Kind::Dir)) if needs_top => {
                let memory = (self.host.memory.as_ref())
                    .filter(|m| m.build().is_some())
                    .map(|m| (m, &mut self.dirs));
                top_level(self.host.fs, real, &lists.names, shadowed, memory, sockets)
            }
            _ => Top::default(),
        };
        if deny.on(Rule::DenyCredentials) {
            if let Some(found) = top.credential {
                return hit(Rule::DenyCredentials, &found);
            }
        }
        let unlisted = top.unlisted.then(|| match &src.real {
            Some((real, _)) => format!("{}{UNLISTED}", crate::text::lossy(real)),
            None => String::new(),
        });
        let listening = top.listening.map(|found| crate::text::owned(&found));
        if let Some(entry) = listening.or(unlisted).filter(|_| sockets) {
            return Some(Finding {
                rule: Rule::DenySensitiveMount,
                entry,
                repository: None,
                listening: true,
            });
        }
        if access == Access::Read {
            return None;
        }
        if deny.on(Rule::DenyHostExec) {
            if let Some(e) = lists.host_exec.find(arena, &src, true, others_home) {
                return hit(Rule::DenyHostExec, e);
            }
            let home = self.home_joined.as_deref();
            let cwd = self.cwd_joined.as_deref().filter(|c| !c.is_empty());
            let fs = self.host.fs;
            let code = cwd.and_then(|c| {
                let real = self.cwd_real.get_or_init(|| resolved_joined(fs, c));
                project_code(deny, self.host, [c, real], home, &src)
            });
            if let Some(code) = code {
                let data = deny.list(DenyList::WritableProjectDirs).join(", ");
                let entry = format!(
                    "{}: in the working directory's project, whose folders but {data} are code the host runs (its CLI, scripts, package manager and tools' files); add a data folder with [deny] add_writable_project_dirs",
                    crate::text::lossy(&code)
                );
                return Some(Finding {
                    rule: Rule::DenyHostExec,
                    entry,
                    repository: None,
                    listening: false,
                });
            }
            if let Some((git, kind)) = top.git {
                return Some(Finding {
                    rule: Rule::DenyHostExec,
                    entry: crate::text::owned(&git),
                    repository: Some(kind),
                    listening: false,
                });
            }
            // A repository's `.git` (or anything in it): its hooks and `core.fsmonitor` run on
            // the next `git` command there. By name, as it lies in any repository.
            if src
                .forms()
                .any(|f| crate::text::split(f, b'/').any(|c| c == b".git"))
            {
                return hit(Rule::DenyHostExec, b".git");
            }
            // So is a `node_modules` folder (or anything in one): Node's `require` looks for a
            // package in the `node_modules` of every folder above the code asking, so one above
            // nanoclaw's checkout (`~/src/node_modules`, `/srv/node_modules`) is code nanoclaw
            // itself loads (the thirty-second pass's look had `ws`'s optional `bufferutil` run
            // the agent's code as the host user), and one inside a project is that project's.
            if src
                .forms()
                .any(|f| crate::text::split(f, b'/').any(|c| c == b"node_modules"))
            {
                return hit(Rule::DenyHostExec, b"node_modules");
            }
        }
        if deny.on(Rule::DenyWritableRoot) && !self.as_alias {
            let in_root = lists.roots.find(arena, &src, false, |_| false).is_some();
            let in_cwd = self
                .cwd_joined
                .as_ref()
                .is_some_and(|c| !c.is_empty() && related(&src.lexical, c, false));
            if !in_root && !in_cwd {
                return hit(Rule::DenyWritableRoot, raw);
            }
        }
        None
    }
}

/// The contents of a small host file (at most 1 MiB), `raw` relative to the working directory:
/// what an env file or a Containerfile says, for the checks of its content.
pub fn read_host_file(host: &HostCtx, raw: &[u8]) -> SmallFile {
    let cwd = host.cwd.as_deref().map(os_bytes);
    match absolute(cwd, raw) {
        Some(abs) => host.fs.read_small(&abs, 1 << 20),
        None => SmallFile::Unread("it is relative and the working directory is unknown"),
    }
}

/// [`read_host_file`] of `name` inside folder `root`, resolved as if `root` were `/`
/// ([`HostFs::read_small_in`]).
pub fn read_host_file_in(host: &HostCtx, root: &[u8], name: &[u8]) -> SmallFile {
    let cwd = host.cwd.as_deref().map(os_bytes);
    match absolute(cwd, root) {
        Some(abs) => host.fs.read_small_in(&abs, name, 1 << 20),
        None => SmallFile::Unread("it is relative and the working directory is unknown"),
    }
}

/// Every list a rule in force reads, compiled together so that the directories their entries
/// share are listed once; with a memory, recalled instead when nothing the compilation
/// depended on has changed, and remembered for next time (see [`hostmemo`]).
fn compile_lists<'p>(deny: &'p Deny, host: &'p HostCtx, home: Option<&[u8]>) -> Lists<'p> {
    let mut compiler = Compiler::new(home, host.fs);
    compiler.canonical = host.exe.as_deref().map(os_bytes);
    let texts = |rule: Rule, which: DenyList, extra: &[&'p std::path::Path]| -> Vec<&'p [u8]> {
        if !deny.on(rule) {
            return Vec::new();
        }
        let listed = deny.list(which).iter().map(|s| s.as_bytes());
        listed.chain(extra.iter().map(|p| os_bytes(p))).collect()
    };
    let moved = |which: DenyList| {
        host.from_environment
            .iter()
            .filter(move |(l, _)| *l == which)
            .map(|(_, p)| p.as_path())
    };
    let own: Vec<&std::path::Path> = host
        .exe
        .iter()
        .chain(&host.own_files)
        .map(|p| p.as_path())
        .chain(moved(DenyList::HostExecPaths))
        .collect();
    let sensitive: Vec<&std::path::Path> = moved(DenyList::SensitivePaths).collect();
    let credentials: Vec<&std::path::Path> = moved(DenyList::CredentialPaths)
        .chain(host.own_records.iter().map(|p| p.as_path()))
        .collect();
    let texts = [
        texts(Rule::DenySensitiveMount, DenyList::SensitivePaths, &sensitive),
        texts(Rule::DenyCredentials, DenyList::CredentialPaths, &credentials),
        texts(Rule::DenyHostExec, DenyList::HostExecPaths, &own),
        texts(Rule::DenyWritableRoot, DenyList::WritableRoots, &[]),
    ];
    let names = Names::new(
        deny.list(DenyList::CredentialNames)
            .iter()
            .map(|n| n.as_bytes())
            .collect(),
    );
    let memory = host.memory.as_ref().filter(|m| m.build().is_some());
    let inputs = hostmemo::Inputs {
        build: memory.and_then(|m| m.build()).unwrap_or_default(),
        home,
        lists: &texts,
    };
    let count = texts.iter().map(Vec::len).sum();
    let recalled = memory.and_then(|m| match hostmemo::recall(host.fs, m, &inputs, count) {
        Ok(found) => {
            tracing::debug!("host-path lists: recalled from {}", m.dir.display());
            Some(found)
        }
        Err(why) => {
            tracing::debug!("host-path lists: resolved afresh: {why} ({})", m.dir.display());
            None
        }
    });
    let [mut sensitive, mut credentials, mut host_exec, mut roots] = match recalled {
        Some((arena, stored)) => {
            compiler.arena = arena;
            let mut stored = stored.into_iter();
            texts.each_ref().map(|list| List {
                entries: list
                    .iter()
                    .copied()
                    .zip(stored.by_ref())
                    .map(|(text, form)| compiler.recalled(text, form))
                    .collect(),
                ..List::default()
            })
        }
        None => {
            if memory.is_some() {
                compiler.resolver.witnesses = Some(Vec::new());
            }
            let started = host.fs.now();
            let mut lists = texts.each_ref().map(|list| compiler.list(list.iter().copied()));
            let [a, b, c, d] = &mut lists;
            compiler.resolve(&mut [a, b, c, d]);
            if let (Some(m), Some(witnesses)) = (memory, compiler.resolver.witnesses.take()) {
                let forms = lists
                    .iter()
                    .flat_map(|l| &l.entries)
                    .map(|e| e.form.stored())
                    .collect();
                match hostmemo::remember(host.fs, m, started, &inputs, &compiler.arena, forms, witnesses) {
                    Ok(()) => tracing::debug!("host-path lists: remembered in {}", m.dir.display()),
                    Err(why) => tracing::debug!("host-path lists: not remembered: {why}"),
                }
            }
            lists
        }
    };
    for list in [&mut sensitive, &mut credentials, &mut host_exec, &mut roots] {
        list.seal(&compiler.arena);
    }
    Lists {
        compiler,
        names,
        sensitive,
        credentials,
        host_exec,
        roots,
    }
}

/// A repository's metadata: at the top of a directory mounted read-write, the container could
/// add hooks or `core.fsmonitor` to it, which run on the host's next `git` command there (the red
/// team's: a host `git status` ran the container's command). A file too (a worktree's or a
/// submodule's `gitdir:` pointer).
const GIT: &[u8] = b".git";

/// Mercurial's: `.hg/hgrc` names hooks that run on the host's next `hg` command.
const HG: &[u8] = b".hg";

/// What a git directory holds at its top (a bare repository, a `--separate-git-dir`): a
/// directory with all of [`GIT_DIR_CORE`] and one of [`GIT_DIR_STORE`] is one, and mounted
/// read-write it is the `.git` of [`GIT`] by another name.
const GIT_DIR_CORE: [&[u8]; 2] = [b"HEAD", b"config"];
const GIT_DIR_STORE: [&[u8]; 2] = [b"objects", b"refs"];

/// The names at a directory's top that [`top_level`] keeps besides the credential names.
fn is_vcs_name(name: &[u8]) -> bool {
    name == GIT || name == HG || GIT_DIR_CORE.contains(&name) || GIT_DIR_STORE.contains(&name)
}

/// What lies at the top of a mounted directory, unshadowed by another mount.
#[derive(Default)]
struct Top {
    /// The first credential there.
    credential: Option<Vec<u8>>,
    /// Its `.git` or `.hg` (or the directory itself, when it is a git directory), if any.
    git: Option<(Vec<u8>, Repository)>,
    /// The first socket or FIFO there.
    listening: Option<Vec<u8>>,
    /// It was to be listed whole and could not be (a folder the caller may search, not read).
    unlisted: bool,
}

/// How a listing keeps a socket or FIFO among the names it found (and a memory remembers it):
/// behind a `/`, which no name in a directory holds.
const LISTENING: u8 = b'/';

/// [`Top`] for directory `dir`. With a memory, what a listing found is remembered for the
/// directory's stamp (see [`Dirs`]) and recalled while the stamp holds; which of it is shadowed
/// is judged anew each time.
fn top_level(
    fs: &dyn HostFs,
    dir: &[u8],
    names: &Names<'_>,
    shadowed: &dyn Fn(&[u8]) -> bool,
    memory: Option<(&Memory, &mut Option<Dirs>)>,
    whole: bool,
) -> Top {
    // Listed whole, however long: the sockets and FIFOs at a mount's top have no names to look
    // up (the sixtieth look's folder of 5 000 files hid one past a limit), and neither do a
    // name's variants and endings (`.env~`, `server.key`): a build context of 4 100 entries
    // had them copied into an image when a long listing gave way to looking names up (the
    // thirty-fourth pass's look, High). The runtime reads such a folder whole anyway.
    let limit = usize::MAX;
    let path = |name: &[u8]| {
        let mut p = dir.to_vec();
        p.push(b'/');
        p.extend_from_slice(name);
        p
    };
    let wanted = |name: &[u8]| is_vcs_name(name) || names.find(name).is_some();
    let first = |found: &[Vec<u8>]| {
        let has = |n: &[u8]| found.iter().any(|f| f.as_slice() == n);
        let git_dir = GIT_DIR_CORE.iter().all(|n| has(n)) && GIT_DIR_STORE.iter().any(|n| has(n));
        Top {
            credential: found
                .iter()
                .find(|n| n.first() != Some(&LISTENING) && !is_vcs_name(n) && !shadowed(n))
                .map(|n| path(n)),
            listening: found
                .iter()
                .filter_map(|n| n.strip_prefix(&[LISTENING]))
                .find(|n| !shadowed(n))
                .map(&path),
            git: if git_dir {
                Some((dir.to_vec(), Repository::GitDir))
            } else {
                found
                    .iter()
                    .find(|n| (n.as_slice() == GIT || n.as_slice() == HG) && !shadowed(n))
                    .map(|n| (path(n), Repository::Metadata))
            },
            unlisted: false,
        }
    };
    let listed = match memory {
        Some((memory, dirs)) => {
            let started = fs.now();
            let stamp = fs.stamp(dir);
            let dirs = dirs.get_or_insert_with(|| {
                let mut key = memory.build().unwrap_or_default().to_vec();
                key.push(0);
                key.extend_from_slice(&names.key());
                // What a listing keeps: the names and `.git` (a memory from before kept no
                // `.git`, and is not this one).
                key.extend_from_slice(b"\0+vcs+listening+core");
                Dirs::load(fs, memory, key)
            });
            if let Some(found) = stamp.and_then(|s| dirs.recall(dir, s)) {
                return first(&found);
            }
            let mut found = Vec::new();
            let mut keep = |name: &[u8], kind| {
                keep_found(&mut found, name, kind, &wanted);
                ControlFlow::Continue(())
            };
            // What is remembered for the stamp is a listing of the directory it stamps.
            let listed = match stamp {
                Some(s) => fs.list_stamped(dir, s, limit, &mut keep),
                None => fs.list(dir, limit, &mut keep),
            };
            if listed == Listed::Done {
                let hit = first(&found);
                // A listing of more is not remembered: it is listed again at each call of its
                // own, and the memory every other folder's call reads stays small.
                let small = found.len() <= MAX_REMEMBERED_NAMES
                    && found.iter().map(Vec::len).sum::<usize>() <= MAX_REMEMBERED_BYTES;
                if let Some(s) = stamp.filter(|_| small) {
                    dirs.learn(fs, dir, s, started, found);
                }
                return hit;
            }
            listed
        }
        None => {
            let mut found = Vec::new();
            let listed = fs.list(dir, limit, &mut |name, kind| {
                keep_found(&mut found, name, kind, &wanted);
                ControlFlow::Continue(())
            });
            match listed {
                Listed::Done => return first(&found),
                other => other,
            }
        }
    };
    // Not listable (a directory may be searchable but not readable): look each listed name up
    // instead (a name's variants and endings cannot be looked up).
    debug_assert!(matches!(listed, Listed::TooLong | Listed::Unreadable));
    // A mount's top that cannot be listed (a folder the caller may search but not read) may
    // hold a socket no name finds: the whole listing was asked for, so this is the other case.
    let unlisted = whole;
    let there = |n: &[u8]| fs.lstat(&path(n)).is_some();
    let found: Vec<Vec<u8>> = names
        .listed
        .iter()
        .copied()
        .filter(|n| !n.contains(&b'/') && !n.contains(&b'*'))
        .chain([GIT, HG])
        .chain(GIT_DIR_CORE)
        .chain(GIT_DIR_STORE)
        .filter(|n| there(n))
        .map(<[u8]>::to_vec)
        .collect();
    Top {
        unlisted,
        ..first(&found)
    }
}

/// What follows a folder's name where its top cannot be listed (the refusal says how to fix it).
pub(crate) const UNLISTED: &str = ", which cannot be listed";

/// The most names, and bytes of names, a remembered listing of a folder's top keeps: an agent
/// that left 63 000 FIFOs with long names in its own folder made the memory 15 MB, which every
/// other group's call read and often wrote again (412 to 518 ms a `run`, `explain` 7 to 89 ms:
/// the look `hf`). A folder has a handful of such names; one with more is listed at each call.
pub(crate) const MAX_REMEMBERED_NAMES: usize = 64;
const MAX_REMEMBERED_BYTES: usize = 16 << 10;

/// What a listing of a mounted directory's top keeps of one entry: a wanted name, and a socket
/// or FIFO behind [`LISTENING`].
fn keep_found(found: &mut Vec<Vec<u8>>, name: &[u8], kind: FileKind, wanted: &dyn Fn(&[u8]) -> bool) {
    if wanted(name) || (kind == FileKind::File && is_core_dump(name)) {
        found.push(name.to_vec());
    }
    if kind == FileKind::Listening {
        found.push([&[LISTENING][..], name].concat());
    }
}

/// Whether a file's name is the one the kernel gives a process's memory dump where no handler
/// takes it (`core_pattern` `core`, with `core_uses_pid` `core.PID`): written in the crashing
/// process's working directory, readable by its user, holding its environment and heap. A
/// nanoclaw process that crashed in its checkout left its tokens in `core` there, which v1's
/// main group mounts read-only (the thirty-second pass's look). Files only: a folder named
/// `core` is a project's.
fn is_core_dump(name: &[u8]) -> bool {
    name == b"core"
        || name
            .strip_prefix(b"core.")
            .is_some_and(|pid| !pid.is_empty() && pid.iter().all(u8::is_ascii_digit))
}

/// System trees in the host-exec list that a home directory may lie beneath (`/var/lib/x`).
fn is_system(entry: &[u8]) -> bool {
    entry.starts_with(b"/var/") || entry == b"/opt" || entry == b"/srv"
}

/// A credential name written `*SUFFIX` or `*INFIX*SUFFIX`: its place in the list, and what a
/// component must hold before its end and end with.
struct Ending<'p> {
    at: usize,
    infix: &'p [u8],
    suffix: &'p [u8],
}

/// The credential names, for finding the one a path component is (or is a variant of).
struct Names<'p> {
    /// As listed: the first listed match is the one named.
    listed: Vec<&'p [u8]>,
    /// The first bytes names start with: most components start otherwise.
    firsts: [bool; 256],
    /// The names written `*SUFFIX` with a dot (`*.key`), each with its suffix's last
    /// `.`-extension (`.key`): a component ending so (and holding the infix before) is one.
    /// Asked of every component, so only those of the component's own extension are compared
    /// (a folder's name, with no dot, meets none): a component that ends with a suffix holding
    /// a dot has the suffix's last dot as its own.
    suffixes: Vec<(Ending<'p>, &'p [u8])>,
    /// The bytes (lower case) the suffixes' extensions start with after their dot: most
    /// components' extensions start otherwise, or they have none.
    extension_firsts: [bool; 256],
    /// The names written `*SUFFIX` without a dot (`*_rsa`), and the bytes (lower case) they end
    /// with: compared only with a component ending so (comparing each with every component was
    /// three per cent of a `run`).
    dotless: Vec<Ending<'p>>,
    dotless_lasts: [bool; 256],
    /// A hash table of the names, by open addressing: each slot holds a position in `listed`
    /// plus one (0: empty). Built in listed order, so of equal names the first listed is met
    /// first. Hashing the ~40 names costs a third of what sorting them did, on every call.
    slots: Vec<u32>,
    /// `64 - log2(slots.len())`: a hash's top bits pick its first slot.
    shift: u32,
}

impl<'p> Names<'p> {
    fn new(listed: Vec<&'p [u8]>) -> Self {
        let mut firsts = [false; 256];
        let (mut suffixes, mut dotless) = (Vec::new(), Vec::new());
        let (mut extension_firsts, mut dotless_lasts) = ([false; 256], [false; 256]);
        for (i, n) in listed.iter().enumerate() {
            match n.strip_prefix(b"*") {
                Some(pattern) => {
                    let (infix, suffix) = infix_and_suffix(pattern);
                    let ending = Ending { at: i, infix, suffix };
                    let ext = extension(suffix);
                    match (ext.get(1), suffix.last()) {
                        (Some(&b), _) => {
                            extension_firsts[usize::from(b.to_ascii_lowercase())] = true;
                            suffixes.push((ending, ext));
                        }
                        (None, Some(&b)) => {
                            dotless_lasts[usize::from(b.to_ascii_lowercase())] = true;
                            dotless.push(ending);
                        }
                        (None, None) => {}
                    }
                }
                None => {
                    if let Some(&b) = n.first() {
                        firsts[usize::from(b)] = true;
                    }
                }
            }
        }
        // At most half full, so that a miss ends at an empty slot after a probe or two.
        let bits = (2 * listed.len()).next_power_of_two().max(8).ilog2();
        let mut names = Names {
            listed,
            firsts,
            suffixes,
            extension_firsts,
            dotless,
            dotless_lasts,
            slots: vec![0; 1 << bits],
            shift: 64 - bits,
        };
        for i in 0..names.listed.len() {
            let mut at = names.slot(crate::fnv::hash(names.listed[i]));
            while names.slots[at] != 0 {
                at = (at + 1) & (names.slots.len() - 1);
            }
            names.slots[at] = i as u32 + 1;
        }
        names
    }

    /// The first slot for a hash: its bits mixed, then the top ones taken.
    fn slot(&self, hash: u64) -> usize {
        (hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    /// The position of the first listed name equal to `candidate`, whose hash is `hash`.
    fn position(&self, candidate: &[u8], hash: u64) -> Option<usize> {
        let mut at = self.slot(hash);
        loop {
            let i = self.slots[at].checked_sub(1)? as usize;
            if self.listed[i] == candidate {
                return Some(i);
            }
            at = (at + 1) & (self.slots.len() - 1);
        }
    }

    /// The names, NUL-terminated: what facts found with them are keyed by.
    fn key(&self) -> Vec<u8> {
        let mut key = Vec::with_capacity(self.listed.iter().map(|n| n.len() + 1).sum());
        for n in &self.listed {
            key.extend_from_slice(n);
            key.push(0);
        }
        key
    }

    /// The first listed name that `component` is or is a variant of ([`credential_name`]).
    /// Such a name is the whole component or the part before one of its dots, so each of those
    /// is looked up, instead of comparing every name with every component; the hash of each
    /// is the running hash of the component where it ends.
    fn find(&self, component: &[u8]) -> Option<&'p [u8]> {
        // A copy of a copy (`logins - Copy (2).json`, vim's swap of `tls.key.bak`) is unwrapped
        // mark by mark.
        let mut name = std::borrow::Cow::Borrowed(component);
        for _ in 0..COPY_MARKS {
            if let Some(found) = self.find_as_written(&name) {
                return Some(found);
            }
            name = std::borrow::Cow::Owned(copy_of(&name)?.into_owned());
        }
        None
    }

    /// [`Self::find`] of the component as it is.
    fn find_as_written(&self, component: &[u8]) -> Option<&'p [u8]> {
        let mut best: Option<usize> = None;
        let ext = extension(component);
        let maybe = |b: &u8| self.extension_firsts[usize::from(b.to_ascii_lowercase())];
        if ext.get(1).is_some_and(maybe) {
            best = (self.suffixes.iter())
                .find(|(end, e)| e.eq_ignore_ascii_case(ext) && ends_so(component, end.infix, end.suffix))
                .map(|(end, _)| end.at);
        }
        if (component.last()).is_some_and(|&b| self.dotless_lasts[usize::from(b.to_ascii_lowercase())]) {
            let dotless = (self.dotless.iter())
                .find(|end| ends_so(component, end.infix, end.suffix))
                .map(|end| end.at);
            best = match (best, dotless) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        if component.first().is_some_and(|&b| !self.firsts[usize::from(b)]) {
            return best.map(|i| self.listed[i]);
        }
        let mut consider = |cut: usize, hash: u64| {
            if let Some(i) = self.position(&component[..cut], hash) {
                if best.is_none_or(|b| i < b) && credential_name(component, self.listed[i]) {
                    best = Some(i);
                }
            }
        };
        let mut hash = crate::fnv::START;
        for (cut, &b) in component.iter().enumerate() {
            if is_variant_mark(b) {
                consider(cut, hash);
            }
            hash = crate::fnv::step(hash, b);
        }
        consider(component.len(), hash);
        best.map(|i| self.listed[i])
    }
}

/// Whether a path component is (or is a variant of) a credential name: `.env`, `.env.local`,
/// `id_rsa`, and the copies people and editors make (`.env~`, `.env (copy)`, `.env-backup`,
/// `id_rsa_github`, `.ssh_old`: the thirty-fourth pass's look read each); not `.env.example`
/// or `id_rsa.pub`, which are meant to be shared. A name written `*SUFFIX` is every component
/// that ends so (`*.key`), and `*INFIX*SUFFIX` every one that ends so and holds the infix before
/// (`*firebase-adminsdk-*.json`).
fn credential_name(component: &[u8], name: &[u8]) -> bool {
    if let Some(pattern) = name.strip_prefix(b"*") {
        let (infix, suffix) = infix_and_suffix(pattern);
        return ends_so(component, infix, suffix);
    }
    if component.first() != name.first() {
        return false; // most pairs, at the cost of one comparison
    }
    if component == name {
        return true;
    }
    let Some(rest) = component.strip_prefix(name) else {
        return false;
    };
    rest.split_first().is_some_and(|(&mark, tail)| match mark {
        // A word of its own after the name: a copy (`.env.local`, `.env~`, `.env (copy)`,
        // `.env,v`).
        b'.' | b'~' | b' ' | b'#' | b'(' | b',' => !shared(name, tail),
        // Joined on: another tool's name (`.aws-sam`, `.kube-linter`, `credentials_test.go`),
        // but a copy's (`.ssh_old`, `.env-backup`, `.netrc-2024`) or an SSH key's label
        // (`id_ed25519_github`, `ssh_host_rsa_key`: keys are named `id_TYPE_LABEL` and
        // `ssh_host_TYPE_key`).
        b'-' | b'_' => {
            !shared(name, tail) && (name.starts_with(b"id_") || name == b"ssh_host" || is_copy_word(tail))
        }
        _ => false,
    })
}

/// Whether what follows a credential name and its mark says a file meant to be shared: an
/// example (`.env.example`), a public key (`id_rsa.pub`, `id_rsa-cert.pub`), detect-secrets'
/// list of hashes (`.secrets.baseline`), or code and documents named for what they handle
/// (`credentials.go`, `keyrings.py`, `credentials.md`: the thirty-fourth pass's third look).
fn shared(name: &[u8], tail: &[u8]) -> bool {
    const SHARED: [&[u8]; 7] = [
        b"example",
        b"sample",
        b"template",
        b"dist",
        b"pub",
        b"cert.pub",
        b"baseline",
    ];
    const CODE: [&[u8]; 24] = [
        b"go", b"py", b"ts", b"tsx", b"js", b"jsx", b"mjs", b"cjs", b"rs", b"rb", b"java", b"kt", b"swift",
        b"c", b"h", b"cc", b"cpp", b"cs", b"php", b"md", b"rst", b"html", b"css", b"proto",
    ];
    /// Last parts that make any name a template (`.env.local.example`, `.env.schema`: the
    /// thirty-sixth pass's look had projects shipped so refused).
    const TEMPLATE: [&[u8]; 8] = [
        b"example",
        b"sample",
        b"template",
        b"dist",
        b"tpl",
        b"schema",
        b"defaults",
        b"skel",
    ];
    let last = tail.rsplit(|&b| b == b'.').next().unwrap_or(tail);
    // (Code is named so, not configuration: `.env.local.php` is Symfony's secrets, `.env.js`
    // a front end's; a name with a leading dot is a file's, never a module's. A TypeScript
    // declaration, `.env.d.ts`, holds types only.)
    SHARED.contains(&tail)
        || TEMPLATE.contains(&last)
        || tail.ends_with(b"d.ts")
        || (!name.starts_with(b".") && CODE.contains(&last))
}

/// Whether an ending's match is a public key's name (`pubkey.pem`, `public_key.pem`,
/// `public.key`), which is meant to be shared.
fn public_before(component: &[u8], suffix: &[u8]) -> bool {
    let before = &component[..component.len() - suffix.len()];
    let before = before.strip_suffix(b"key").unwrap_or(before);
    let before = before
        .strip_suffix(b"_")
        .or_else(|| before.strip_suffix(b"-"))
        .unwrap_or(before);
    let ends = |w: &[u8]| before.len() >= w.len() && before[before.len() - w.len()..].eq_ignore_ascii_case(w);
    ends(b"pub") || ends(b"public")
}

/// A name's pattern after its leading `*`, split at its last `*`: the infix a component must
/// hold (empty for none) and the suffix it must end with. Firebase names a project's admin key
/// `PROJECT-firebase-adminsdk-ID-HASH.json`, which no suffix alone names.
fn infix_and_suffix(pattern: &[u8]) -> (&[u8], &[u8]) {
    match pattern.iter().rposition(|&b| b == b'*') {
        Some(at) => (&pattern[..at], &pattern[at + 1..]),
        None => (&[], pattern),
    }
}

/// Whether `component` ends with `suffix` (any case), is not a public key's name, and holds
/// `infix` (any case) before the suffix.
fn ends_so(component: &[u8], infix: &[u8], suffix: &[u8]) -> bool {
    ends_with_ignoring_case(component, suffix)
        && !public_before(component, suffix)
        && (infix.is_empty()
            || component[..component.len() - suffix.len()]
                .windows(infix.len())
                .any(|w| w.eq_ignore_ascii_case(infix)))
}

/// The bytes after which a name's variant may go on: `.env.local`, `.env~`, `.env-old`,
/// `id_rsa_work`, `.env (copy)`, `.env#1`, `.env,v`.
fn is_variant_mark(b: u8) -> bool {
    matches!(b, b'.' | b'~' | b'-' | b'_' | b' ' | b'#' | b'(' | b',')
}

/// Whether what follows a name and a `-` or `_` says a copy: `old`, `bak`, `backup`, `orig`,
/// `copy`, `save`, `prev`, `new`, `tmp`, or a number or date (`-2024`, `_1`), whatever follows.
fn is_copy_word(tail: &[u8]) -> bool {
    let lower = |w: &[u8]| tail.len() >= w.len() && tail[..w.len()].eq_ignore_ascii_case(w);
    tail.first().is_some_and(u8::is_ascii_digit) || COPY_WORDS.iter().any(|w| lower(w))
}

/// The words a copy's name says it is one with.
const COPY_WORDS: [&[u8]; 9] = [
    b"old", b"bak", b"backup", b"orig", b"copy", b"save", b"prev", b"new", b"tmp",
];

/// Whether `component` ends with `suffix`, in any case (`SERVER.KEY`: endings are written in
/// either): an ending that starts with a dot only after a name (`.key` alone is no key's name).
fn ends_with_ignoring_case(component: &[u8], suffix: &[u8]) -> bool {
    let longer =
        component.len() > suffix.len() || (component.len() == suffix.len() && !suffix.starts_with(b"."));
    !suffix.is_empty() && longer && component[component.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// What follows the last `.` of a name, the dot included (`.key` of `server.key`); empty
/// when there is no dot.
fn extension(name: &[u8]) -> &[u8] {
    name.iter()
        .rposition(|&b| b == b'.')
        .map_or(&[], |at| &name[at..])
}

/// The name a copy is of, inside the marks the tool that made it adds (the thirty-fourth pass's
/// looks read each): editors' (emacs's auto-save `#.env#`, vim's swap `.id_rsa.swp` and undo
/// `..env.un~`, Kate's `..env.kate-swp`, JetBrains' `.env___jb_old___`), sync clients' and file
/// managers' (Syncthing's `.sync-conflict-20241207-051234-ABCDEF1.env` and `logins~20241207-051234.json`,
/// GNOME's `logins (copy).json`, Dropbox's `creds (conflicted copy 2024-12-07).json`, Finder's
/// `logins copy 2.json`, Explorer's `logins - Copy.json`), and chezmoi's source names
/// (`private_dot_netrc`, `dot_env`). Asked of every component that is no name as written, so
/// each form is told by a byte or two first.
fn copy_of(c: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
    use std::borrow::Cow::{Borrowed, Owned};
    if let Some(inner) = c.strip_prefix(b"#").and_then(|x| x.strip_suffix(b"#")) {
        return Some(Borrowed(inner));
    }
    if let Some(rest) = c.strip_prefix(b".") {
        if is_vim_swap(c) {
            return Some(Borrowed(&rest[..rest.len() - 4]));
        }
        if let Some(x) = rest
            .strip_suffix(b".un~")
            .or_else(|| rest.strip_suffix(b".kate-swp"))
        {
            return Some(Borrowed(x));
        }
        // rsync's file being received, left where a transfer stopped: `.id_rsa.Xa81Kz` (six
        // letters and digits, not all of one case: `.env.sample` is no copy).
        if let Some(x) = without_rsync_mark(rest) {
            return Some(Borrowed(x));
        }
        // Syncthing's and Unison's files being received (`.syncthing.id_ed25519.tmp`, kept a
        // day; `.unison.NAME.HASH.unison.tmp`) and Unison's backups (`.bak.1.NAME`): the
        // thirty-sixth pass's look.
        if let Some(x) = (rest.strip_prefix(b"syncthing.")).and_then(|x| x.strip_suffix(b".tmp")) {
            return Some(Borrowed(x)).filter(|x| !x.is_empty());
        }
        if let Some(x) = (rest.strip_prefix(b"unison.")).and_then(|x| x.strip_suffix(b".unison.tmp")) {
            if let Some(cut) = x.iter().rposition(|&b| b == b'.').filter(|&at| at > 0) {
                return Some(Borrowed(&x[..cut]));
            }
        }
        if let Some(x) = rest.strip_prefix(b"bak.") {
            let n = x.iter().take_while(|b| b.is_ascii_digit()).count();
            if n > 0 && x.get(n) == Some(&b'.') && x.len() > n + 1 {
                return Some(Borrowed(&x[n + 1..]));
            }
        }
    }
    if c.len() > 12 && c[c.len() - 12..].starts_with(b"___jb_") {
        return Some(Borrowed(&c[..c.len() - 12]));
    }
    if let Some(x) = without_copy_mark(c) {
        return Some(Owned(x));
    }
    // A backup's mark at the end: `server.key~`, `tls.key.bak`, `privkey.pem.old`, GNU's
    // numbered `server.key.~1~`, a date, a package manager's `.dpkg-old` or `.rpmsave`, `,v`
    // (what a name matched from the front already takes as a variant; one matched by its
    // ending needs it gone: the thirty-fourth pass's fourth and fifth looks).
    if let Some(x) = without_backup_mark(c) {
        return Some(Borrowed(x));
    }
    // A numbered file: certbot keeps `privkey1.pem`, `privkey2.pem` (the fifth look's), and
    // `privkey-1.pem`, `logins.1.json` are the same with a joint (the thirty-fifth pass's).
    if let Some(dot) = c.iter().rposition(|&b| b == b'.').filter(|&d| d > 0) {
        let stem = &c[..dot];
        let digits = stem.iter().rev().take_while(|b| b.is_ascii_digit()).count();
        if digits > 0 && digits < stem.len() {
            let mut end = stem.len() - digits;
            if end > 1 && matches!(stem[end - 1], b'-' | b'_' | b'.') {
                end -= 1;
            }
            return Some(Owned([&stem[..end], &c[dot..]].concat()));
        }
    }
    chezmoi_target(c).map(Owned)
}

/// `name` (a dot taken off its front already) without rsync's temporary mark, `.XXXXXX` made of
/// six ASCII letters and digits, some a digit or of each case (`mkstemp`'s).
fn without_rsync_mark(name: &[u8]) -> Option<&[u8]> {
    let (inner, mark) = name.split_at_checked(name.len().checked_sub(7)?)?;
    let random = &mark[1..];
    let mixed = random.iter().any(u8::is_ascii_digit)
        || (random.iter().any(u8::is_ascii_uppercase) && random.iter().any(u8::is_ascii_lowercase));
    (mark[0] == b'.' && !inner.is_empty() && random.iter().all(u8::is_ascii_alphanumeric) && mixed)
        .then_some(inner)
}

/// How many marks a copy's name is unwrapped through (`tls.key.bak.bak`, `logins - Copy
/// (2).json`, vim's swap of a backup): each mark is one step.
const COPY_MARKS: usize = 8;

/// `c` without the backup's mark at its end, if it has one.
fn without_backup_mark(c: &[u8]) -> Option<&[u8]> {
    let nonempty = |x: &[u8]| !x.is_empty();
    // GNU's numbered backup `.~N~`, then a plain `~`; RCS's `,v`.
    if let Some(x) = c.strip_suffix(b"~") {
        let numbered = x.iter().rposition(|&b| b == b'~').filter(|&at| {
            at > 0 && c[at - 1] == b'.' && at + 1 < x.len() && x[at + 1..].iter().all(u8::is_ascii_digit)
        });
        return match numbered {
            Some(at) => Some(&c[..at - 1]).filter(|x| nonempty(x)),
            None => Some(x).filter(|x| nonempty(x)),
        };
    }
    if let Some(x) = c.strip_suffix(b",v").filter(|x| nonempty(x)) {
        return Some(x);
    }
    // The last `.` extension, when it is a backup's (`bak`, `bak2`, `2024-12-07`,
    // `dpkg-old`), else the last `-` or `_` word (`server.key-old`, `server.key_bak`).
    let dot = c.iter().rposition(|&b| b == b'.').filter(|&d| d > 0);
    if let Some(d) = dot.filter(|&d| is_backup_extension(&c[d + 1..])) {
        return Some(&c[..d]);
    }
    let joint = c.iter().rposition(|&b| b == b'-' || b == b'_').filter(|&j| j > 0);
    joint
        .filter(|&j| dot.is_none_or(|d| j > d) && is_copy_word_whole(&c[j + 1..]))
        .map(|j| &c[..j])
}

/// Whether an extension is a backup's: a copy's word with a number or not (`bak`, `bak2`,
/// `old`), a number or date (`1`, `2024-12-07`), or a package manager's or patch tool's
/// (`dpkg-old`, `rpmsave`, `pacnew`, `rej`, `bkp`).
fn is_backup_extension(ext: &[u8]) -> bool {
    const TOOLS: [&[u8]; 40] = [
        b"dpkg-old",
        b"dpkg-dist",
        b"dpkg-new",
        b"dpkg-bak",
        b"ucf-old",
        b"ucf-dist",
        b"rpmsave",
        b"rpmnew",
        b"rpmorig",
        b"pacsave",
        b"pacnew",
        b"rej",
        b"bkp",
        b"bk",
        // Compressed: `server.key.gz` (the thirty-fifth pass's look).
        b"gz",
        b"bz2",
        b"xz",
        b"zst",
        b"zip",
        b"7z",
        // ... and archived (the thirty-fifth pass's second look: `server.key.tar.gz`).
        b"tar",
        b"tgz",
        b"tbz2",
        b"txz",
        b"lz4",
        b"lzma",
        b"lz",
        b"z",
        b"rar",
        b"br",
        b"tbz",
        b"zstd",
        b"bz",
        b"lzo",
        b"cpio",
        // ... and downloads not finished, and saves (the fourth look's).
        b"crdownload",
        b"part",
        b"partial",
        b"download",
        b"sav",
    ];
    let word = &ext[..ext.len() - ext.iter().rev().take_while(|b| b.is_ascii_digit()).count()];
    let dated =
        ext.first().is_some_and(u8::is_ascii_digit) && ext.iter().all(|b| b.is_ascii_digit() || *b == b'-');
    !ext.is_empty()
        && (dated || is_copy_word_whole(word) || TOOLS.iter().any(|t| ext.eq_ignore_ascii_case(t)))
}

/// Whether `word` is a copy's word and nothing more (`bak`, `old`, `1`), as an extension.
fn is_copy_word_whole(word: &[u8]) -> bool {
    word.iter().all(u8::is_ascii_digit) || COPY_WORDS.iter().any(|w| word.eq_ignore_ascii_case(w))
}

/// `name` without the part a sync client or a file manager put in it to make a copy's name.
fn without_copy_mark(c: &[u8]) -> Option<Vec<u8>> {
    let find = |w: &[u8]| {
        let first = w[0];
        (0..c.len()).find(|&at| c[at] == first && c[at..].starts_with(w))
    };
    let cut = |from: usize, to: usize| Some([&c[..from], &c[to..]].concat());
    let digits = |from: usize, n: usize| {
        c.get(from..from + n)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    // Syncthing: `.sync-conflict-DATE-TIME-ID` up to the extension.
    if c.len() > 15 {
        if let Some(at) = find(b".sync-conflict-") {
            let end = c[at + 1..]
                .iter()
                .position(|&b| b == b'.')
                .map_or(c.len(), |e| at + 1 + e);
            return cut(at, end);
        }
    }
    // Syncthing's versions: `~YYYYMMDD-HHMMSS` before the extension.
    if let Some(at) = c.iter().position(|&b| b == b'~') {
        if digits(at + 1, 8) && c.get(at + 9) == Some(&b'-') && digits(at + 10, 6) {
            return cut(at, at + 16);
        }
    }
    // A browser's download of a name it has already: `privkey(1).pem` (the thirty-fifth pass's
    // look), ` (1)` with a space went above.
    if let Some(open) = c
        .iter()
        .rposition(|&b| b == b'(')
        .filter(|&o| o > 0 && c[o - 1] != b' ')
    {
        let n = c[open + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        let close = open + 1 + n;
        if n > 0 && c.get(close) == Some(&b')') && c.get(close + 1).is_none_or(|&b| b == b'.') {
            return cut(open, close + 1);
        }
    }
    // git mergetool's leftovers: `NAME_BACKUP_PID.EXT`, `_BASE_`, `_LOCAL_`, `_REMOTE_` (the
    // thirty-fifth pass's fifth look); OneDrive's conflict, the computer's name before the
    // extension as Windows names one (`logins-DESKTOP-AB12CD3.json`, `-LAPTOP-`; maybe
    // numbered, `-2`: the thirty-fifth pass's looks).
    // (One pass, asking only at a `_` an upper-case B, L or R follows, or a `-` a D or an L
    // does: every component not listed comes here.)
    let joints = (0..c.len()).filter(|&at| {
        matches!(
            (c[at], c.get(at + 1)),
            (b'_', Some(b'B' | b'L' | b'R' | b'c')) | (b'-', Some(b'D' | b'L'))
        )
    });
    for at in joints {
        if c[at] == b'-' {
            for machine in [&b"-DESKTOP-"[..], b"-LAPTOP-"] {
                if at > 0 && c[at..].starts_with(machine) {
                    let from = at + machine.len();
                    let n = c[from..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
                    let mut end = from + n;
                    let counter =
                        (c.get(end + 1..)).map_or(0, |r| r.iter().take_while(|b| b.is_ascii_digit()).count());
                    if c.get(end) == Some(&b'-') && counter > 0 {
                        end += 1 + counter;
                    }
                    if n > 0 && c.get(end).is_none_or(|&b| b == b'.') {
                        return cut(at, end);
                    }
                }
            }
            continue;
        }
        // The ownCloud client's and older Nextcloud clients' conflict:
        // `NAME_conflict-20241207-123456.EXT` (the thirty-sixth pass's look).
        if c[at..].starts_with(b"_conflict-") && at > 0 {
            let from = at + b"_conflict-".len();
            if digits(from, 8) && c.get(from + 8) == Some(&b'-') && digits(from + 9, 6) {
                let end = from + 15;
                if c.get(end).is_none_or(|&b| b == b'.') {
                    return cut(at, end);
                }
            }
            continue;
        }
        for side in [&b"_BACKUP_"[..], b"_BASE_", b"_LOCAL_", b"_REMOTE_"] {
            if c[at..].starts_with(side) {
                let n = c[at + side.len()..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                let end = at + side.len() + n;
                if n > 0 && c.get(end).is_none_or(|&b| b == b'.') {
                    return cut(at, end);
                }
            }
        }
    }
    // Google Drive's and older Explorers' `Copy of NAME`, `Copy (2) of NAME`, in German,
    // Dutch, French, Spanish, Italian, Portuguese and Swedish, and a script's `copy_of_NAME`
    // (the thirty-fifth pass's second and third looks).
    let starts_as_a_copy = c
        .first()
        .is_some_and(|b| matches!(b.to_ascii_lowercase(), b'c' | b'k'));
    for prefix in [
        &b"copy_of_"[..],
        b"copy-of-",
        b"copy of ",
        b"kopie von ",
        b"kopie van ",
        b"copie de ",
        b"copia de ",
        b"copia di ",
        "c\u{f3}pia de ".as_bytes(),
        "C\u{f3}pia de ".as_bytes(),
        b"kopia av ",
        b"kopia ",
        b"kopie - ",
        "kopie \u{2013} ".as_bytes(),
    ] {
        if starts_as_a_copy && c.len() > prefix.len() && c[..prefix.len()].eq_ignore_ascii_case(prefix) {
            let rest = &c[prefix.len()..];
            let blanks = rest.iter().take_while(|&&b| b == b' ').count();
            return Some(rest[blanks..].to_vec()).filter(|r| !r.is_empty());
        }
    }
    if !c.contains(&b' ') {
        return None;
    }
    if starts_as_a_copy && c.len() > 6 && c[..6].eq_ignore_ascii_case(b"copy (") {
        let n = c[6..].iter().take_while(|b| b.is_ascii_digit()).count();
        let rest = &c[6 + n..];
        if n > 0 && rest.len() > 5 && rest[..5].eq_ignore_ascii_case(b") of ") {
            return Some(rest[5..].to_vec());
        }
    }
    // GNOME, Dropbox, Nextcloud: ` (...)` before the extension.
    if let Some(at) = find(b" (") {
        if let Some(close) = c[at..].iter().position(|&b| b == b')') {
            return cut(at, at + close + 1);
        }
    }
    // Explorer's ` - Copy`, Finder's ` copy`, each maybe numbered (` 2`, ` (2)` went above).
    // (The last one: `logins - Copy - Copy.json` loses its marks one by one.)
    // In any case: Explorer writes `- kopie` in Dutch (the thirty-fifth pass's look).
    let rfind = |w: &[u8]| {
        (0..c.len())
            .rev()
            .find(|&at| c.get(at..at + w.len()).is_some_and(|x| x.eq_ignore_ascii_case(w)))
    };
    // (And Explorer's in German and Dutch, French, Spanish and Italian, Polish, Portuguese,
    // Finnish, Turkish, Hungarian, Russian, Japanese, Chinese and Korean.)
    for mark in [
        &b" - Copy"[..],
        b" copy",
        b" - Kopie",
        b" - Copie",
        b" - Copia",
        b" - Kopia",
        " - C\u{f3}pia".as_bytes(),
        b" - Kopio",
        b" - Kopya",
        b" - Kopi",
        b" Kopie",
        " - M\u{e1}solat".as_bytes(),
        " - \u{41a}\u{43e}\u{43f}\u{438}\u{44f}".as_bytes(),
        " \u{2014} \u{43a}\u{43e}\u{43f}\u{438}\u{44f}".as_bytes(),
        " - \u{43a}\u{43e}\u{43f}\u{438}\u{44f}".as_bytes(),
        " - \u{30b3}\u{30d4}\u{30fc}".as_bytes(),
        " - \u{526f}\u{672c}".as_bytes(),
        " - \u{bcf5}\u{c0ac}\u{bcf8}".as_bytes(),
    ] {
        if let Some(at) = rfind(mark) {
            let mut end = at + mark.len();
            if c.get(end) == Some(&b' ') && c.get(end + 1).is_some_and(u8::is_ascii_digit) {
                end += 1;
                while c.get(end).is_some_and(u8::is_ascii_digit) {
                    end += 1;
                }
            }
            if c.get(end).is_none_or(|&b| b == b'.') {
                return cut(at, end);
            }
        }
    }
    // iCloud's and Finder's duplicate: ` 2` before the extension or at the end (`key4 2.db`,
    // `github_ed25519 2`: the thirty-sixth pass's looks; a listed name's is a variant already,
    // a name matched by its ending is not).
    let dot = c
        .iter()
        .rposition(|&b| b == b'.')
        .filter(|&d| d > 0)
        .unwrap_or(c.len());
    let n = c[..dot].iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if n > 0 && dot > n + 1 && c[dot - n - 1] == b' ' {
        return cut(dot - n - 1, dot);
    }
    None
}

/// The name chezmoi writes a source-state file to (`private_dot_ssh` is `.ssh`, `dot_env` is
/// `.env`): its attribute prefixes dropped, a leading `dot_` a dot; `None` when the name has none.
fn chezmoi_target(c: &[u8]) -> Option<Vec<u8>> {
    if !c.first().is_some_and(|b| b"precmld".contains(b)) {
        return None;
    }
    const ATTRIBUTES: [&[u8]; 9] = [
        b"private_",
        b"readonly_",
        b"executable_",
        b"encrypted_",
        b"empty_",
        b"exact_",
        b"create_",
        b"modify_",
        b"literal_",
    ];
    let mut rest = c;
    while let Some(r) = ATTRIBUTES.iter().find_map(|a| rest.strip_prefix(*a)) {
        rest = r;
    }
    // Only a dotted target: `create_credentials.sh` is a script's name, not chezmoi's.
    rest.strip_prefix(b"dot_").map(|r| [&b"."[..], r].concat())
}

/// vim's swap file of a file: `.NAME.swp` (then `.swo`, `.swn`, ... as more are open).
fn is_vim_swap(component: &[u8]) -> bool {
    component.len() > 5
        && component[0] == b'.'
        && component[..component.len() - 1].ends_with(b".sw")
        && component.last().is_some_and(u8::is_ascii_lowercase)
}

/// One list alone (for the unit tests): equal, beneath or parent.
#[cfg(test)]
use std::{ffi::OsStr, path::Path};

#[cfg(test)]
struct Sensitive<'p> {
    list: List<'p>,
    compiler: Compiler<'p>,
}

#[cfg(test)]
impl<'p> Sensitive<'p> {
    fn new(entries: &'p [String], home: Option<&'p Path>) -> Sensitive<'p> {
        let mut compiler = Compiler::new(home.map(os_bytes), &RealFs);
        let mut list = compiler.list(entries.iter().map(|e| e.as_bytes()));
        compiler.resolve(&mut [&mut list]);
        list.seal(&compiler.arena);
        Sensitive { list, compiler }
    }

    /// The first listed entry that `source` equals, lies beneath, or contains.
    fn find(&mut self, source: &Path, cwd: Option<&Path>) -> Option<String> {
        let Some(abs) = absolute(cwd.map(os_bytes), os_bytes(source)) else {
            return Some(UNRESOLVABLE.into());
        };
        let src = Resolved::new(&abs, &mut self.compiler.resolver);
        self.list
            .find(&self.compiler.arena, &src, true, |_| false)
            .map(crate::text::owned)
    }
}

#[cfg(test)]
fn sensitive(source: &Path, cwd: Option<&Path>, home: Option<&Path>, entries: &[String]) -> Option<String> {
    Sensitive::new(entries, home).find(source, cwd)
}

#[cfg(test)]
fn realpath(path: &Path) -> Option<std::path::PathBuf> {
    let mut out = Vec::new();
    Resolver::new(&RealFs).realpath(os_bytes(path), 0, &mut out)?;
    Some(std::path::PathBuf::from(OsStr::from_bytes(&out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Vec<String> {
        let system = crate::policy::DEFAULT_SENSITIVE_PATHS
            .iter()
            .filter(|p| !p.starts_with('~'));
        let home = crate::policy::DEFAULT_SENSITIVE_PATHS
            .iter()
            .filter(|p| p.starts_with('~'));
        // Other users' homes need the caller's home passed over, which only `HostPaths` does
        // (the corpus in tests/it/default_deny.rs holds it).
        let credentials = crate::policy::DEFAULT_CREDENTIAL_PATHS
            .iter()
            .filter(|p| !matches!(**p, "/home/*" | "/root"));
        system
            .chain(credentials)
            .chain(home)
            .map(|s| s.to_string())
            .collect()
    }

    fn hit(src: &str) -> Option<String> {
        let l = list();
        sensitive(
            Path::new(src),
            Some(Path::new("/work")),
            Some(Path::new("/home/alice")),
            &l,
        )
    }

    #[test]
    fn sensitive_sources() {
        assert_eq!(hit("/").as_deref(), Some("/"));
        assert_eq!(hit("/etc").as_deref(), Some("/etc"));
        assert_eq!(hit("/etc/ssl/certs").as_deref(), Some("/etc"));
        // /var/run is a symlink to /run on most hosts: either socket entry may be named.
        assert!(hit("/run").is_some_and(|e| e.ends_with("docker.sock")));
        assert!(hit("/var/run").is_some_and(|e| e.ends_with("docker.sock")));
        assert!(hit("/run/podman").is_some());
        assert_eq!(
            hit("/run/user/1000").as_deref(),
            Some("/run/user/*/podman/podman.sock")
        );
        assert_eq!(hit("/home/alice/.ssh/id_ed25519").as_deref(), Some("~/.ssh"));
        assert_eq!(hit("/home/alice").as_deref(), Some("~/.ssh"));
        assert_eq!(hit("/srv/../etc").as_deref(), Some("/etc"));
        assert_eq!(hit("//etc/").as_deref(), Some("/etc"));
        assert_eq!(hit("../../../../etc"), Some("/etc".into()));
        let l = list();
        assert_eq!(
            sensitive(Path::new("data"), None, None, &l).as_deref(),
            Some(UNRESOLVABLE)
        );
    }

    #[test]
    fn ordinary_sources_pass() {
        assert_eq!(hit("/home/alice/nanoclaw/groups/main"), None);
        assert_eq!(hit("/tmp/onecli-proxy-ca.pem"), None);
        assert_eq!(hit("/srv/data"), None);
        assert_eq!(hit("/home/bob/.ssh"), None);
        assert_eq!(hit("/etc-backup"), None);
    }

    #[test]
    fn glob_entries_match_component_by_component() {
        let e = b"/run/user/*/podman/podman.sock";
        assert!(glob_matches(e, b"/run/user/1000/podman/podman.sock", false));
        assert!(
            glob_matches(e, b"/run/user/1000/podman/podman.sock/x", false),
            "beneath"
        );
        assert!(!glob_matches(e, b"/run/user/1000/podman", false));
        assert!(
            glob_matches(e, b"/run/user/1000/podman", true),
            "a parent, when parents count"
        );
        assert!(glob_matches(e, b"/run", true));
        assert!(!glob_matches(e, b"/run/usr", true));
        assert!(!glob_matches(e, b"/run/user/1000/docker/podman.sock", true));
        // `*` stays within one component; a component that is no valid pattern names itself.
        assert!(!glob_matches(b"/a/*", b"/b/x", false));
        assert!(glob_matches(b"/a/[bc", b"/a/[bc", false));
        assert!(!glob_matches(b"/a/[bc", b"/a/b", false));
        assert!(glob_matches(b"/a/[bc]", b"/a/b", false));
        assert!(glob_matches(b"", b"", false) && !glob_matches(b"", b"/a", true));
    }

    #[test]
    fn realpath_matches_the_kernel() {
        let d = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/usr/share", d.path().join("up")).unwrap();
        std::fs::create_dir(d.path().join("real")).unwrap();
        std::os::unix::fs::symlink("real", d.path().join("rel")).unwrap();
        for p in ["up", "up/..", "up/../..", "rel", "rel/.."] {
            let path = d.path().join(p);
            assert_eq!(realpath(&path), std::fs::canonicalize(&path).ok(), "{p}");
        }
        let missing = d.path().join("rel/a/b");
        assert_eq!(
            realpath(&missing),
            Some(std::fs::canonicalize(d.path()).unwrap().join("real/a/b"))
        );
    }

    #[test]
    fn symlinks_are_resolved() {
        let d = tempfile::tempdir().unwrap();
        let link = d.path().join("innocent");
        std::os::unix::fs::symlink("/etc", &link).unwrap();
        let l = list();
        assert_eq!(sensitive(&link, None, None, &l).as_deref(), Some("/etc"));
        assert_eq!(
            sensitive(&link.join("passwd"), None, None, &l).as_deref(),
            Some("/etc")
        );
        assert_eq!(
            sensitive(&link.join("not-yet"), None, None, &l).as_deref(),
            Some("/etc")
        );
        assert_eq!(
            sensitive(&link.join("new/dir/file"), None, None, &l).as_deref(),
            Some("/etc")
        );
        // `..` after a symlink climbs from the link's target, as the kernel does it.
        let deep = d.path().join("deep");
        std::os::unix::fs::symlink("/etc/ssl/certs", &deep).unwrap();
        assert_eq!(
            sensitive(&deep.join("../.."), None, None, &l).as_deref(),
            Some("/etc")
        );
        let up = d.path().join("up");
        std::os::unix::fs::symlink("/usr/share", &up).unwrap();
        assert_eq!(
            sensitive(&up.join("../../etc"), None, None, &l).as_deref(),
            Some("/etc")
        );
        // A loop resolves to nothing rather than hanging.
        std::os::unix::fs::symlink(d.path().join("loop"), d.path().join("loop")).unwrap();
        assert_eq!(
            sensitive(&d.path().join("loop/x"), None, None, &l).as_deref(),
            None
        );
        // A set reused across mounts gives the same answers (the memo is per set).
        let mut set = Sensitive::new(&l, None);
        assert_eq!(set.find(&link.join("passwd"), None).as_deref(), Some("/etc"));
        assert_eq!(set.find(&link.join("hosts"), None).as_deref(), Some("/etc"));
        assert_eq!(set.find(&d.path().join("plain"), None).as_deref(), None);
    }
    /// A home whose listed entries are files, directories, symlinks (to a directory, a file,
    /// nowhere, themselves) and absent names: with the home read by one listing, every answer
    /// must be what resolving entry by entry gives.
    #[test]
    fn a_listed_directory_resolves_as_lstat_does() {
        let d = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(d.path()).unwrap();
        let home = root.join("home");
        std::fs::create_dir_all(home.join(".config")).unwrap();
        std::fs::create_dir_all(root.join("keys/deep")).unwrap();
        std::fs::write(home.join(".netrc"), "x").unwrap();
        std::fs::write(root.join("token"), "x").unwrap();
        std::os::unix::fs::symlink(root.join("keys"), home.join(".ssh")).unwrap();
        std::os::unix::fs::symlink("../token", home.join(".npmrc")).unwrap();
        std::os::unix::fs::symlink(root.join("nowhere"), home.join(".aws")).unwrap();
        std::os::unix::fs::symlink(home.join(".kube"), home.join(".kube")).unwrap();
        let entries: Vec<String> = [
            "~/.ssh",
            "~/.netrc",
            "~/.npmrc",
            "~/.aws",
            "~/.kube",
            "~/.gnupg",
            "~/.config",
            "~/.docker",
        ]
        .map(String::from)
        .to_vec();
        assert!(entries.len() >= SEED_MIN);
        let mut seeded = Sensitive::new(&entries, Some(&home));
        // The same list, resolved entry by entry (no listing: one entry per list).
        let mut single: Vec<Sensitive> = entries
            .chunks(1)
            .map(|one| Sensitive::new(one, Some(&home)))
            .collect();
        for src in [
            root.join("keys"),
            root.join("keys/deep"),
            root.join("token"),
            root.join("nowhere"),
            root.join("nowhere/x"),
            home.join(".kube"),
            home.join(".config/gh"),
            home.clone(),
            root.join("elsewhere"),
        ] {
            let alone = single.iter_mut().find_map(|s| s.find(&src, None));
            assert_eq!(seeded.find(&src, None), alone, "{}", src.display());
        }
        assert_eq!(
            seeded.find(&root.join("keys/deep"), None).as_deref(),
            Some("~/.ssh")
        );
        assert_eq!(
            seeded.find(&root.join("token"), None).as_deref(),
            Some("~/.npmrc")
        );
        assert_eq!(
            seeded.find(&root.join("nowhere/x"), None).as_deref(),
            Some("~/.aws")
        );
    }

    /// A credential's copies are credentials: an editor's backup, swap and auto-save files, a
    /// name gone on with a mark, a key by its ending, a snapshot folder (the thirty-fourth
    /// pass's look read each); what is meant to be shared is not.
    #[test]
    fn a_credential_s_copies_and_keys_by_ending_are_credential_names() {
        let names = Names::new(
            crate::policy::DEFAULT_CREDENTIAL_NAMES
                .iter()
                .map(|n| n.as_bytes())
                .collect(),
        );
        let named = |c: &str| names.find(c.as_bytes()).map(crate::text::owned);
        for (component, name) in [
            (".env~", ".env"),
            (".env (copy)", ".env"),
            (".env-backup", ".env"),
            ("#.env#", ".env"),
            (".env.swp", ".env"),
            (".id_rsa.swp", "id_rsa"),
            ("id_rsa~", "id_rsa"),
            ("id_ed25519_github", "id_ed25519"),
            (".ssh_old", ".ssh"),
            (".ssh~", ".ssh"),
            (".netrc~", ".netrc"),
            ("server.key", "*.key"),
            ("cert.p12", "*.p12"),
            ("terraform.tfstate", "terraform.tfstate"),
            ("Chrome Passwords.csv", "*passwords.csv"),
            ("kubeconfig", "kubeconfig"),
            ("ssh_host_ed25519_key", "ssh_host"),
            (".snapshots", ".snapshots"),
            (".zfs", ".zfs"),
            ("timeshift", "timeshift"),
        ] {
            assert_eq!(named(component).as_deref(), Some(name), "{component}");
        }
        for (component, name) in [
            (".env,v", ".env"),
            ("..env.kate-swp", ".env"),
            (".ssh-2024-01", ".ssh"),
            ("SERVER.KEY", "*.key"),
            ("privkey.pem", "*key.pem"),
            ("server-key.pem", "*key.pem"),
            ("logins.csv", "*logins.csv"),
            ("terraform.tfstate.1733550000.backup", "terraform.tfstate"),
            // The third look's: sync clients', file managers', editors' and chezmoi's copies.
            (".sync-conflict-20241207-051234-ABCDEF1.env", ".env"),
            // rsync's temporaries, OneDrive's conflicts, Polish and Czech `Copy of` (the
            // thirty-fifth pass's looks).
            (".id_rsa.Xa81Kz", "id_rsa"),
            ("..env.a81kzq", ".env"),
            ("..netrc.QW3RTY.bak", ".netrc"),
            ("logins-DESKTOP-AB12CD3.json", "logins.json"),
            ("logins-LAPTOP-9F3K2Q1-2.json", "logins.json"),
            ("id_ed25519-DESKTOP-AB12CD3", "id_ed25519"),
            ("Kopia .netrc", ".netrc"),
            ("Kopie - .netrc", ".netrc"),
            ("Kopie \u{2013} .netrc", ".netrc"),
            // The thirty-sixth pass's look: SSH keys named for their use, tools' files of
            // secrets, sync clients' conflicts and temporaries, iCloud's duplicates.
            ("deploy_key", "*deploy_key"),
            ("prod_deploy_key", "*deploy_key"),
            ("admin.kubeconfig", "*.kubeconfig"),
            ("openai_api_key.txt", "*api_key.txt"),
            ("github_token.txt", "*token.txt"),
            ("new_user_credentials.csv", "*_credentials.csv"),
            ("secret-key.asc", "*secret-key.asc"),
            ("github_ed25519 2", "*_ed25519"),
            ("alice_accessKeys.csv", "*accesskeys.csv"),
            ("prod.auto.tfvars.json", "*.tfvars.json"),
            ("mycluster-kubeconfig.yaml", "*kubeconfig.yaml"),
            (
                "client_secret_1234-abc.apps.googleusercontent.com.json",
                "*.apps.googleusercontent.com.json",
            ),
            ("github_ed25519", "*_ed25519"),
            ("gitlab_rsa", "*_rsa"),
            // The thirty-seventh pass's: a name with an infix (Firebase's admin key), and its
            // copies.
            (
                "myapp-5f2e1-firebase-adminsdk-fbsvc-0a1b2c3d4e.json",
                "*firebase-adminsdk-*.json",
            ),
            (
                "MyApp-Firebase-AdminSDK-x1y2z-0a1b2c3d4e (1).json",
                "*firebase-adminsdk-*.json",
            ),
            (
                "myapp-firebase-adminsdk-x1y2z-0a1b2c3d4e.json~",
                "*firebase-adminsdk-*.json",
            ),
            (".dev.vars", ".dev.vars"),
            ("local.settings.json", "local.settings.json"),
            ("prod.tfvars", "*.tfvars"),
            ("AuthKey_ABC123XYZ.p8", "*.p8"),
            ("Login Data", "Login Data"),
            (".env_conflict-20241207-123456", ".env"),
            ("logins_conflict-20241207-123456.json", "logins.json"),
            (".syncthing.id_ed25519.tmp", "id_ed25519"),
            (".syncthing..env.tmp", ".env"),
            (".unison..env.4f2a.unison.tmp", ".env"),
            (".bak.1..netrc", ".netrc"),
            ("key4 2.db", "key4.db"),
            (
                ".sync-conflict-20241207-051234-ABCDEF1.git-credentials",
                ".git-credentials",
            ),
            ("logins.sync-conflict-20241207-051234-ABCDEF1.json", "logins.json"),
            ("~20241207-051234.netrc", ".netrc"),
            ("logins (copy).json", "logins.json"),
            ("creds (conflicted copy 2024-12-07).json", "creds.json"),
            ("logins copy.json", "logins.json"),
            ("logins copy 2.json", "logins.json"),
            ("logins - Copy.json", "logins.json"),
            ("key4 (copy).db", "key4.db"),
            ("..env.un~", ".env"),
            (".id_rsa.un~", "id_rsa"),
            (".env___jb_old___", ".env"),
            ("private_dot_netrc", ".netrc"),
            ("dot_env", ".env"),
            ("private_dot_ssh", ".ssh"),
            // The fourth look's: copies of keys known by their endings, of copies, and
            // Symfony's and Laravel's compiled environments.
            ("server.key~", "*.key"),
            ("tls.key.bak", "*.key"),
            ("privkey.pem.old", "*key.pem"),
            (".server.key.swp", "*.key"),
            ("logins - Copy (2).json", "logins.json"),
            ("logins - Copy - Copy.json", "logins.json"),
            (".env.local.php", ".env"),
            (".env.php", ".env"),
            // The fifth look's: more backup marks, numbered files, copies of copies.
            ("server.key.~1~", "*.key"),
            ("vault.kdbx.~2~", "*.kdbx"),
            ("tls.key.2024-12-07", "*.key"),
            ("privkey.pem.bak2", "*key.pem"),
            ("ssl.key.dpkg-old", "*.key"),
            ("server.key.rpmsave", "*.key"),
            ("server.key-old", "*.key"),
            ("server.key_bak", "*.key"),
            ("server.key,v", "*.key"),
            ("privkey1.pem", "*key.pem"),
            ("logins - Kopie.json", "logins.json"),
            ("logins - Copie.json", "logins.json"),
            ("tls.key.bak.bak.bak.bak", "*.key"),
            // The thirty-fifth pass's: browsers' downloads, more languages, compressed and
            // numbered with a joint.
            ("privkey(1).pem", "*key.pem"),
            ("logins(1).json", "logins.json"),
            ("passwords(12).csv", "*passwords.csv"),
            ("key4(1).db", "key4.db"),
            ("logins - kopie.json", "logins.json"),
            ("logins - C\u{f3}pia.json", "logins.json"),
            ("logins - \u{30b3}\u{30d4}\u{30fc}.json", "logins.json"),
            ("logins - KOPIO (2).json", "logins.json"),
            ("server.key.gz", "*.key"),
            ("id_rsa.zip", "id_rsa"),
            (".env.bak.xz", ".env"),
            ("privkey-1.pem", "*key.pem"),
            ("logins.1.json", "logins.json"),
            // ... and its second look's.
            ("Copy of .env", ".env"),
            ("Copy of id_ed25519", "*_ed25519"),
            ("copy (2) of logins.json", "logins.json"),
            ("Kopie von .netrc", ".netrc"),
            ("server.key.tar.gz", "*.key"),
            ("server.key.tgz", "*.key"),
            ("id_rsa.Z", "id_rsa"),
            ("logins - Kopi.json", "logins.json"),
            ("logins Kopie.json", "logins.json"),
            ("logins Kopie 2.json", "logins.json"),
            (
                "logins \u{2014} \u{43a}\u{43e}\u{43f}\u{438}\u{44f}.json",
                "logins.json",
            ),
            // ... and its fourth look's.
            ("Copia di .env", ".env"),
            ("Kopie van id_rsa", "*_rsa"),
            ("Kopia av id_ed25519", "*_ed25519"),
            ("C\u{f3}pia de .env", ".env"),
            ("Copy of  .env", ".env"),
            ("copy_of_.env", ".env"),
            ("privkey.pem.crdownload", "*key.pem"),
            ("server.key.tbz", "*.key"),
            ("server.key.zstd", "*.key"),
            ("id_rsa.part", "id_rsa"),
            (".env.sav", ".env"),
            // ... and its fifth's.
            ("_BACKUP_4242.env", ".env"),
            ("privkey_REMOTE_4242.pem", "*key.pem"),
            ("logins_BASE_4242.json", "logins.json"),
        ] {
            assert_eq!(named(component).as_deref(), Some(name), "{component}");
        }
        for shared in [
            // Other tools' names joined on with `-` or `_` (the thirty-fourth pass's second
            // look found each refused).
            ".aws-sam",
            ".azure-pipelines",
            ".kube-linter",
            ".docker-compose.yml",
            "credentials-service",
            "credentials_test.go",
            "private_key_test.go",
            ".env-cmdrc",
            // ... and code, documents and lists of hashes named for what they handle, and
            // public keys by their endings (the third look's).
            ".secrets.baseline",
            "credentials.go",
            "credentials.test.ts",
            "keyrings.py",
            "credentials.md",
            "public_key.pem",
            "pubkey.pem",
            "public.key",
            "logins.json.md",
            "copy of nothing",
            "dot_profile",
            "create_credentials.sh",
            "modify_credentials.yaml",
            "notes.key.md",
            "cert1.pem",
            "server.key.md",
            "release-2024.tar",
            ".env.example",
            ".env-sample",
            "id_rsa.pub",
            "id_rsa-cert.pub",
            "ca.pem",
            ".key",
            ".environment",
            "envoy",
            "#notes#",
            ".swp",
            "notes(1).txt",
            "Copy of notes.txt",
            "site.tar.gz",
            "(1).pem",
            "release-1.tar.gz",
            "photo - kopie.jpg",
            ".env.sample",
            ".netrc.sample",
            "..env.Xa81K",
            ".env.local.example",
            ".env.schema",
            ".env.tpl",
            ".env.defaults",
            ".env.d.ts",
            "notes 2.txt",
            "package.json",
            "tsconfig.json",
            "README.md",
            "notes_conflict-2024.txt",
            "Java_DSA",
            "sort_key",
            "foreign_key",
            "auth.json",
            "token.json",
            "private.pem",
            "notes-DESKTOP-AB12CD3.json",
            "logins-DESKTOP-.json",
            "logins-DESKTOP-AB12CD3.json.md",
            "Kopia notes",
            // The infix before the suffix, not after it or alone.
            "firebase-adminsdk-setup.md",
            "firebase.json",
            "firebase-adminsdk.json",
            "adminsdk-firebase-x.json",
        ] {
            assert_eq!(named(shared), None, "{shared}");
        }
    }

    proptest::proptest! {
        /// Looking a component's dotted prefixes up finds what comparing it with every name
        /// does: the first listed name it is, or is a variant of.
        #[test]
        fn credential_names_are_found_as_by_comparing_every_name(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    ".env", ".local", ".example", ".pub", "id_rsa", "id", "_rsa", "credentials",
                    ".netrc", ".", "x", ".secret", "s", "private_key", ".json", "~", "-", "_",
                    "#", " (copy)", ".swp", "example", ".key", "server",
                ]),
                0..4,
            ),
        ) {
            let mut listed: Vec<&[u8]> = crate::policy::DEFAULT_CREDENTIAL_NAMES
                .iter()
                .map(|n| n.as_bytes())
                .collect();
            listed.extend([&b".env.local"[..], b".env", b"id", b"*.json", b"*_rsa", b"*.env.local"]); // repeats and overlaps
            let names = Names::new(listed.clone());
            let component = parts.concat();
            let linear = |c: &[u8]| listed.iter().copied().find(|n| credential_name(c, n));
            let c = component.as_bytes();
            let mut name = c.to_vec();
            let mut want = None;
            for _ in 0..COPY_MARKS {
                want = linear(&name);
                match (want, copy_of(&name)) {
                    (None, Some(next)) => name = next.into_owned(),
                    _ => break,
                }
            }
            proptest::prop_assert_eq!(names.find(c), want, "{}", component);
        }
    }

    proptest::proptest! {
        /// Telling a source early that it lies apart from a glob's leading components never
        /// changes the answer of matching it component by component.
        #[test]
        fn the_glob_shortcut_agrees_with_the_component_walk(
            pattern in proptest::collection::vec(
                proptest::sample::select(vec!["run", "user", "*", "1000", "x?", "[ab]", "[a", "a", "b", "podman"]),
                0..5,
            ),
            source in proptest::collection::vec(
                proptest::sample::select(vec!["run", "user", "1000", "xy", "a", "b", "[a", "podman", "srv"]),
                0..6,
            ),
            parents in proptest::bool::ANY,
        ) {
            let joined = |parts: &[&str]| parts.iter().map(|p| format!("/{p}")).collect::<String>();
            let (p, s) = (joined(&pattern), joined(&source));
            let (fixed, literal) = glob_shape(p.as_bytes());
            proptest::prop_assert_eq!(
                glob_hits(p.as_bytes(), fixed, literal, s.as_bytes(), parents),
                glob_matches(p.as_bytes(), s.as_bytes(), parents),
                "{} against {} (fixed {}, literal {})", s, p, fixed, literal
            );
        }
    }

    proptest::proptest! {
        /// The index answers exactly as comparing the source with every entry does, first
        /// entry in list order included, with entries skipped and for "contains" or not.
        #[test]
        fn the_index_agrees_with_comparing_every_entry(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "", ".", "..", "etc", "run", "var", "home", "alice", "root", "user", "1000",
                    "podman", "podman.sock", ".ssh", ".config", "gh", "systemd", ".local", "bin",
                    "usr", "lib", "docker.sock", "tmp", "srv", "x",
                ]),
                0..7,
            ),
            parents in proptest::bool::ANY,
            skip_root in proptest::bool::ANY,
        ) {
            let all: Vec<String> = list()
                .into_iter()
                .chain(crate::policy::DEFAULT_HOST_EXEC_PATHS.iter().map(|s| s.to_string()))
                .chain(crate::policy::DEFAULT_WRITABLE_ROOTS.iter().map(|s| s.to_string()))
                .collect();
            let mut set = Sensitive::new(&all, Some(Path::new("/home/alice")));
            set.list.build_index(&set.compiler.arena);
            let raw = format!("/{}", parts.join("/"));
            let src = Resolved::new(raw.as_bytes(), &mut set.compiler.resolver);
            let skip = |e: &[u8]| skip_root && (e == b"/root" || e.starts_with(b"/home/"));
            let arena = &set.compiler.arena;
            let linear = set.list.find_linear(arena, &src, parents, skip);
            proptest::prop_assert_eq!(set.list.find(arena, &src, parents, skip), linear, "{}", raw);
            // And the heads' filter passes over no entry that matches.
            let sealed = std::mem::take(&mut set.list.heads);
            proptest::prop_assert!(!sealed.is_empty());
            proptest::prop_assert_eq!(set.list.find_linear(arena, &src, parents, skip), linear, "{}", raw);
        }
    }
}
