//! A Containerfile read one way, exactly, or not at all.
//!
//! Why this module exists: podman reads a build's Containerfile with whichever parser its build
//! library vendors (a copy of docker's older parser on podman 4.3, buildkit's on podman 5), and
//! those parsers disagree at the edges: a blank other than a space, a carriage return, a comment
//! ending in an escape, an escaped escape at a line's end, a blank kept or dropped where a line is
//! continued, here-documents, the escape directive. Ten attacker's-eye looks in a row found a hole
//! in such an edge (a `RUN --mount` the shim read as text, a `COPY --from=oci-archive:` it did not
//! see), each closed by reading the file one more way. This module turns that around, as the
//! shim does for flags and commands: it accepts only the part of the language every parser reads
//! the same (instructions, their flags and the words the checks judge), and refuses the rest with
//! the line and what to write instead. Nothing nanoclaw writes, nor its own agent image's
//! Containerfile, leaves that part.
//!
//! The subset, each rule there because a parser's reading differs outside it:
//!
//! - text: UTF-8 without a blank other than a space or a tab (no vertical tab, next line,
//!   no-break space or Unicode space: one parser skips them where another keeps them in a word),
//!   without another control character or a byte-order mark; lines end in `\n` or `\r\n`;
//! - no escape directive (`# escape=`), in any case or place: the escape is `\`;
//! - a line continues when `\` is its last character but spaces and tabs, unless it is `\\`
//!   (an escaped escape: the newer parser continues nothing then) or the line holds nothing
//!   else (the newer parser's expression wants a character before it); a comment line never
//!   continues and is dropped, inside a continuation too; the file never ends in a continuation;
//! - an instruction is one the parsers know, optionally after `ONBUILD`;
//! - no here-document (`<<` in an instruction): the older parser reads its body as instructions.
//!
//! Inside that subset an instruction's flags are exactly its leading words that start with `--`,
//! as written, split at spaces and tabs, which is what [`Instruction::flags`] returns; the checks
//! of a flag's value then hold it to plain characters where the parser would unquote, unescape or
//! expand it ([`plain_word`]).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

/// An instruction keyword the parsers know (docker's reference, buildah's and buildkit's lists).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
}

impl Keyword {
    const ALL: [(&'static str, Keyword); 18] = [
        ("add", Keyword::Add),
        ("arg", Keyword::Arg),
        ("cmd", Keyword::Cmd),
        ("copy", Keyword::Copy),
        ("entrypoint", Keyword::Entrypoint),
        ("env", Keyword::Env),
        ("expose", Keyword::Expose),
        ("from", Keyword::From),
        ("healthcheck", Keyword::Healthcheck),
        ("label", Keyword::Label),
        ("maintainer", Keyword::Maintainer),
        ("onbuild", Keyword::Onbuild),
        ("run", Keyword::Run),
        ("shell", Keyword::Shell),
        ("stopsignal", Keyword::Stopsignal),
        ("user", Keyword::User),
        ("volume", Keyword::Volume),
        ("workdir", Keyword::Workdir),
    ];

    /// The keyword `word` spells, in any case.
    fn of(word: &[u8]) -> Option<Keyword> {
        Self::ALL
            .iter()
            .find(|(name, _)| name.as_bytes().eq_ignore_ascii_case(word))
            .map(|&(_, k)| k)
    }

    /// Whether `word` (letters only) is at most two letters' edits from a keyword, in any case:
    /// what a message may quote of a file that is not a Containerfile.
    fn misspelt(word: &[u8]) -> bool {
        if word.is_empty() || word.len() > 12 || !word.iter().all(u8::is_ascii_alphabetic) {
            return false;
        }
        Self::ALL
            .iter()
            .any(|(name, _)| edits(word, name.as_bytes()) <= 2)
    }

    /// How messages name it.
    pub fn name(self) -> &'static str {
        match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
        }
    }
}

/// One instruction as every parser reads it: its keyword (the one after `ONBUILD` for a
/// trigger), and its arguments with continuation lines joined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// The line it starts on, from 1.
    pub line: usize,
    /// Whether it is an `ONBUILD` trigger (then `keyword` is the trigger's).
    pub onbuild: bool,
    pub keyword: Keyword,
    /// The text after the keyword, leading blanks removed.
    pub args: Vec<u8>,
}

fn blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t')
}

/// `s` split at runs of spaces and tabs.
pub fn words(s: &[u8]) -> impl Iterator<Item = &[u8]> {
    s.split(|&b| blank(b)).filter(|w| !w.is_empty())
}

fn trim_start(s: &[u8]) -> &[u8] {
    let at = s.iter().position(|&b| !blank(b)).unwrap_or(s.len());
    &s[at..]
}

impl Instruction {
    /// Its flags (the leading words that start with `--`, as the parsers take them) and the text
    /// after them.
    pub fn flags(&self) -> (Vec<&[u8]>, &[u8]) {
        let mut rest = trim_start(&self.args);
        let mut flags = Vec::new();
        while rest.starts_with(b"--") {
            let end = rest.iter().position(|&b| blank(b)).unwrap_or(rest.len());
            flags.push(&rest[..end]);
            rest = trim_start(&rest[end..]);
        }
        (flags, rest)
    }

    /// How messages name it: `RUN`, or `ONBUILD RUN`.
    pub fn shown(&self) -> String {
        if self.onbuild {
            format!("ONBUILD {}", self.keyword.name())
        } else {
            self.keyword.name().to_string()
        }
    }
}

/// A word's bytes for a message, redacted as the shim redacts argv.
fn display(word: &[u8]) -> String {
    crate::redact::display(OsStr::from_bytes(word))
}

/// Whether the parser takes `word` as written: printable ASCII without a quote, an escape or a
/// backtick, which it would remove or read before it used the word.
fn plain_word(word: &[u8]) -> bool {
    word.iter()
        .all(|&b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'\\' | b'`'))
}

/// Why a comment line is outside the subset, if it is: an escape directive (`# escape=`, any
/// case, any blanks, anywhere in the file).
fn comment_problem(comment: &[u8]) -> Option<&'static str> {
    let after = trim_start(&comment[1..]);
    let named = after.get(..6).is_some_and(|w| w.eq_ignore_ascii_case(b"escape"));
    if named && trim_start(&after[6..]).first() == Some(&b'=') {
        return Some("an escape directive: the shim reads Containerfiles with the default escape (\\) only");
    }
    None
}

/// Why a line's text is outside the subset, if it is: not UTF-8, or holding a character some
/// parser reads as a blank where another does not (every blank but a space and a tab: a vertical
/// tab, a next line, a no-break space, the Unicode spaces; the parsers also take a lone byte
/// 0x85 or 0xA0 for one, which is no UTF-8), another control character, or a byte-order mark.
fn text_problem(line: &[u8]) -> Option<String> {
    let Ok(text) = std::str::from_utf8(line) else {
        return Some("text that is not UTF-8: parsers read its bytes as blanks or not".into());
    };
    let odd = text
        .chars()
        .find(|&c| !matches!(c, ' ' | '\t') && (c.is_whitespace() || c.is_control() || c == '\u{feff}'))?;
    Some(format!(
        "the character U+{:04X}: a blank other than a space or a tab, a control character or a byte-order mark, which parsers read differently",
        u32::from(odd)
    ))
}

/// The Containerfile `text`, read as every parser reads it, or why it is outside the subset
/// (module documentation): `line N: ...`.
pub fn read(text: &[u8]) -> Result<Vec<Instruction>, String> {
    let fail = |line: usize, why: &str| Err(format!("line {line}: {why}"));
    let mut out = Vec::new();
    // The instruction being joined: its first line and text so far.
    let mut open: Option<(usize, Vec<u8>)> = None;
    let mut lines = text.split(|&b| b == b'\n').enumerate().peekable();
    while let Some((n, raw)) = lines.next() {
        let n = n + 1;
        // The split's last piece is what follows the final line end: empty, or a last line
        // without one.
        if raw.is_empty() && lines.peek().is_none() {
            break;
        }
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if let Some(why) = text_problem(line) {
            return fail(n, &why);
        }
        let content = trim_start(line);
        // A comment line is dropped by every parser before it looks for an escape, inside a
        // continuation or not: it never continues (the thirty-second look's `# note \`).
        if content.first() == Some(&b'#') {
            if let Some(why) = comment_problem(content) {
                return fail(n, why);
            }
            continue;
        }
        if content.is_empty() {
            continue;
        }
        // Spaces and tabs after a line's final escape: both parsers' expressions allow them.
        let end = line.iter().rposition(|&b| !blank(b)).map_or(0, |e| e + 1);
        let (piece, continues) = match line[..end].strip_suffix(b"\\") {
            Some(_) if line[..end].ends_with(b"\\\\") => {
                return fail(
                    n,
                    "a line ends in an escaped escape (\\\\): parsers differ on whether it continues",
                );
            }
            Some(p) => (p, true),
            None => (line, false),
        };
        // The newer parser continues a line only when a character stands before its escape
        // (`([^\\])\\[ \t]*$`): a line of nothing but `\` ends an instruction to it and continues
        // one to the older parser (its expression, from the thirty-second look's report).
        if continues && trim_start(piece).is_empty() {
            return fail(
                n,
                "a line of nothing but an escape (\\): parsers differ on whether it continues",
            );
        }
        // A continued line's leading blanks are kept by both parsers (the thirty-third look
        // checked podman 4.3.1 and 5.4.2), and so here.
        let (start, mut joined) = match open.take() {
            None => (n, trim_start(piece).to_vec()),
            Some((start, mut joined)) => {
                joined.extend_from_slice(piece);
                (start, joined)
            }
        };
        if continues {
            open = Some((start, joined));
            continue;
        }
        // Trailing blanks are no part of any word.
        while joined.last().is_some_and(|&b| blank(b)) {
            joined.pop();
        }
        out.push(instruction(start, &joined)?);
    }
    if let Some((start, _)) = open {
        return fail(start, "the file ends in a continued line");
    }
    Ok(out)
}

/// The edit distance between two short words, in any case (Levenshtein's, one row).
fn edits(a: &[u8], b: &[u8]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &x) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &y) in b.iter().enumerate() {
            let substituted = diagonal + usize::from(!x.eq_ignore_ascii_case(&y));
            diagonal = row[j + 1];
            row[j + 1] = substituted.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// One joined instruction's keyword and arguments.
fn instruction(line: usize, text: &[u8]) -> Result<Instruction, String> {
    let fail = |why: String| Err(format!("line {line}: {why}"));
    let split = |s: &[u8]| -> (Vec<u8>, Vec<u8>) {
        let s = trim_start(s);
        let end = s.iter().position(|&b| blank(b)).unwrap_or(s.len());
        (s[..end].to_vec(), trim_start(&s[end..]).to_vec())
    };
    let (word, mut args) = split(text);
    let Some(mut keyword) = Keyword::of(&word) else {
        // A word shown only when it is a misspelt keyword (at most two letters off one): the
        // file may be any file `-f` names, and its first word a token (the thirty-second pass's
        // look printed one) or a short password (`Sunshine`: the thirty-seventh pass's).
        let shown = match Keyword::misspelt(&word) {
            true => display(&word),
            false => format!("a word of {} bytes, not shown,", word.len()),
        };
        return fail(format!("{shown}: not an instruction the shim knows"));
    };
    let onbuild = keyword == Keyword::Onbuild;
    if onbuild {
        let (inner, rest) = split(&args);
        keyword = match Keyword::of(&inner) {
            Some(Keyword::Onbuild | Keyword::From | Keyword::Maintainer) | None => {
                return fail(format!(
                    "ONBUILD {}: not a trigger the parsers take",
                    display(&inner)
                ));
            }
            Some(k) => k,
        };
        args = rest;
    }
    if args.windows(2).any(|w| w == b"<<") {
        return fail(format!(
            "{}{}: a here-document (<<): podman's older parser reads its lines as instructions, the newer as text; write the file with COPY, or the text with printf",
            if onbuild { "ONBUILD " } else { "" },
            keyword.name()
        ));
    }
    Ok(Instruction {
        line,
        onbuild,
        keyword,
        args,
    })
}

/// The flags of `COPY` and `ADD`, as the parsers know them.
const COPY_FLAGS: &[&[u8]] = &[
    b"--from",
    b"--chown",
    b"--chmod",
    b"--link",
    b"--parents",
    b"--exclude",
    b"--checksum",
    b"--keep-git-dir",
    b"--unpack",
];

/// The containers-image transport an image reference names (`docker-archive:/x.tar`), if any.
/// docker's CLI rejects these; podman reads or writes the host path they name.
pub fn transport(s: &[u8]) -> Option<&'static str> {
    const TRANSPORTS: &[&str] = &[
        "containers-storage",
        "dir",
        "docker",
        "docker-archive",
        "docker-daemon",
        "oci",
        "oci-archive",
        "ostree",
        "sif",
        "tarball",
    ];
    let colon = s.iter().position(|&c| c == b':')?;
    let prefix = &s[..colon];
    TRANSPORTS
        .iter()
        .find(|t| t.as_bytes().eq_ignore_ascii_case(prefix))
        .copied()
}

/// The transport an image reference names, unless it is none or `docker` (the registry, as
/// docker itself means it): every other one reads or writes a host path under podman. `docker:`
/// without `//` is no transport to podman but a short name (`docker:27-dind` is
/// `docker.io/library/docker:27-dind`).
pub fn host_transport(p: &[u8]) -> Option<&'static str> {
    transport(p).filter(|&t| t != "docker")
}

/// The first transport written in `text` (`name:` at the start of a word or after `=`, `,`,
/// `[`, a quote: not inside another name such as `mydir:`), but `docker:`, the registry, and
/// where it starts.
fn transport_in(text: &[u8]) -> Option<(&'static str, usize)> {
    let lower = text.to_ascii_lowercase();
    (0..lower.len())
        .filter(|&at| at == 0 || !(lower[at - 1].is_ascii_alphanumeric() || b"-_./".contains(&lower[at - 1])))
        .find_map(|at| host_transport(&lower[at..]).map(|t| (t, at)))
}

/// What the parser makes of a word's characters at most: quotes and escapes removed (a quoted or
/// escaped blank becomes a blank, which can only split a word more), and a JSON array's `\uXXXX`
/// read as the character it names: buildah decodes it (the look `go`: `"http\u003a//..."` was a
/// download the check did not see, `\u002fsys` a volume over `/sys`).
fn unquoted(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        let hex = (b == b'\\' && s.get(i + 1) == Some(&b'u'))
            .then(|| s.get(i + 2..i + 6))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok());
        if let Some(code) = hex {
            let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            i += 6;
            continue;
        }
        if !matches!(b, b'\\' | b'"' | b'\'') {
            out.push(b);
        }
        i += 1;
    }
    out
}

/// What in the instructions no check of the shim can judge, if anything:
///
/// - any flag on a `RUN` (`--mount`, `--network`, `--security`): a bind mount from another image
///   is the host's root file system on podman before 4.9.4 (CVE-2024-1753), and the others leave
///   the build's isolation;
/// - a transport in a `FROM`, `COPY` or `ADD` (`oci-archive:/host/x.tar`,
///   `containers-storage:[vfs@/root/.ssh+...]`): a host path podman reads or writes for the
///   build, outside the host-path model;
/// - a `COPY`/`ADD` flag that is not one it has, or not as written: buildah fetches the image of
///   any flag word holding `--from` before it reads the flags, expanding build arguments in it;
///   so a `--from` value must be plain and name no build argument;
/// - an `ADD` that downloads (a URL, or a source named by a variable, which may be one), when
///   `remote` is the refusal to give (`None`: the policy allows builds to download on the host);
/// - an `ADD` of a local source, when `unpack` is the refusal to give: buildah unpacks an
///   archive, device entries and all.
pub fn problem(
    instructions: &[Instruction],
    remote: Option<&str>,
    unpack: Option<&str>,
    cache: Option<&str>,
) -> Option<String> {
    for i in instructions {
        let at = |why: String| Some(format!("line {}: {} {why}", i.line, i.shown()));
        let (flags, rest) = i.flags();
        match i.keyword {
            Keyword::Run if i.args.first() == Some(&b'-') => {
                // Only a plain cache mount is judged (not in a trigger, which runs in another
                // build): every flag one, and the policy's to allow.
                let judged = (!i.onbuild && !flags.is_empty() && rest.first() != Some(&b'-')).then(|| {
                    flags
                        .iter()
                        .find_map(|f| cache_mount(f).err().map(|why| (*f, why)))
                });
                match (judged, cache) {
                    (Some(None), None) => continue,
                    (Some(None), Some(why)) => {
                        return at(format!("{}: {why}", display(flags[0])));
                    }
                    (Some(Some((flag, why))), _) => {
                        return at(format!("{}: {why}; {RUN_FLAGS}", display(flag)));
                    }
                    (None, _) => {
                        let flag = words(&i.args).next().unwrap_or_default();
                        return at(format!("{}: {RUN_FLAGS}", display(flag)));
                    }
                }
            }
            Keyword::From | Keyword::Copy | Keyword::Add => {
                let text = unquoted(&i.args);
                if let Some((t, at_)) = transport_in(&text) {
                    let end = text[at_..]
                        .iter()
                        .position(|&b| blank(b))
                        .map_or(text.len(), |e| at_ + e);
                    return at(format!(
                        "{}: the {t}: transport makes podman read or write a host path for the build, outside the checks of host paths",
                        display(&text[at_..end])
                    ));
                }
                if i.keyword == Keyword::From {
                    continue;
                }
                for f in &flags {
                    let cut = f.iter().position(|&b| b == b'=').unwrap_or(f.len());
                    let (name, value) = (&f[..cut], f.get(cut + 1..).unwrap_or_default());
                    let nested = value.to_ascii_lowercase().windows(6).any(|x| x == b"--from");
                    if !plain_word(f) || !COPY_FLAGS.contains(&name) || nested {
                        return at(format!(
                            "{}: not a flag of {} as written (buildah fetches the image of any flag that holds --from, before it reads the flags)",
                            display(f),
                            i.keyword.name()
                        ));
                    }
                    if name == b"--from" && (value.is_empty() || value.contains(&b'$')) {
                        return at(format!(
                            "{}: an image named by a build argument may name a host path by a transport (oci-archive:/..., containers-storage:[...]), which the shim cannot judge before the build",
                            display(f)
                        ));
                    }
                }
                let plain = unquoted(rest);
                let downloads = plain.windows(3).any(|w| w == b"://")
                    || plain.windows(4).any(|w| w == b"git@")
                    || plain.contains(&b'$');
                if let (Keyword::Add, Some(why), true) = (i.keyword, remote, downloads) {
                    return at(why.to_string());
                }
                if let (Keyword::Add, Some(why), false) = (i.keyword, unpack, downloads) {
                    return at(why.to_string());
                }
            }
            Keyword::Volume => {
                // buildah 1.28 gives an image's volume priority over the empty read-only tmpfs
                // the shim puts at a RUN step's /sys/fs/cgroup (`harden.build-cgroup`): `VOLUME
                // /sys/fs/cgroup` took it away (the hundred-and-thirty-second look's, podman
                // 4.3.1). None beneath the kernel's file systems, nor one named by a variable.
                let text = unquoted(&i.args);
                let paths = text
                    .split(|&b| blank(b) || matches!(b, b'[' | b']' | b',' | b'"' | b'\''))
                    .filter(|w| !w.is_empty());
                for w in paths {
                    let p = crate::mounts::normalize(w);
                    let kernel = [&b"/sys"[..], b"/proc", b"/dev"]
                        .iter()
                        .any(|k| p == *k || p.starts_with(&[*k, &b"/"[..]].concat()));
                    if kernel || w.contains(&b'$') || w.windows(2).any(|x| x == b"..") {
                        return at(format!(
                            "{}: a volume beneath /sys, /proc or /dev, or one named by a variable or with .., would replace what the shim mounts there for the build's steps",
                            display(w)
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Why a RUN flag other than a plain cache mount is refused.
const RUN_FLAGS: &str = "a RUN flag other than a plain cache mount (--mount=type=bind or from another image, --network, --security) is refused: a mount from another image is the host's root file system on podman before 4.9.4 (CVE-2024-1753), and the others leave the build's isolation";

/// Whether `flag` is a cache mount the shim can judge, and why not: `--mount=` with
/// `type=cache`, an absolute `target` without `..`, and only `id`, `sharing`, `mode`, `uid`,
/// `gid`, `ro` / `readonly` besides. buildah keeps a cache in a folder of the host's, named (on
/// podman 4.3) by joining the `id` or the target to the cache folder: an `id` of `../../..`
/// names any host folder, mounted read-write in the RUN step; so an `id` is a plain name. A
/// cache `from=` an image or stage, or with a `source`, reads where a bind mount does. Written
/// plainly: the parser expands build arguments in a flag only after taking it as one.
fn cache_mount(flag: &[u8]) -> Result<(), String> {
    let Some(value) = flag.strip_prefix(b"--mount=") else {
        return Err("not a mount".into());
    };
    let safe = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'=' | b',' | b'/' | b'.' | b'_' | b'-');
    if !value.iter().all(|&b| safe(b)) {
        return Err("a cache mount is judged written plainly only (letters, digits, = , / . _ -)".into());
    }
    let mut seen: Vec<&[u8]> = Vec::new();
    let (mut cache, mut target) = (false, false);
    for field in value.split(|&b| b == b',') {
        let (key, val) = match field.iter().position(|&b| b == b'=') {
            Some(eq) => (&field[..eq], Some(&field[eq + 1..])),
            None => (field, None),
        };
        if seen.contains(&key) {
            return Err(format!("{} given twice", display(key)));
        }
        seen.push(key);
        let plain_name = |v: &[u8]| !v.is_empty() && !v.windows(2).any(|w| w == b"..") && !v.contains(&b'/');
        let ok = match (key, val) {
            (b"type", Some(v)) => {
                cache = v == b"cache";
                cache
            }
            (b"target" | b"dst" | b"destination", Some(v)) => {
                target =
                    v.len() > 1 && v.first() == Some(&b'/') && !v.split(|&b| b == b'/').any(|c| c == b"..");
                target
            }
            (b"id", Some(v)) => plain_name(v),
            (b"sharing", Some(v)) => matches!(v, b"shared" | b"private" | b"locked"),
            (b"mode", Some(v)) => !v.is_empty() && v.iter().all(|b| (b'0'..=b'7').contains(b)),
            (b"uid" | b"gid", Some(v)) => !v.is_empty() && v.iter().all(u8::is_ascii_digit),
            (b"ro" | b"readonly", None) => true,
            (b"ro" | b"readonly", Some(v)) => matches!(v, b"true" | b"false"),
            _ => false,
        };
        if !ok {
            return Err(format!(
                "{} is not an option of a cache mount the shim judges (type=cache, target=/absolute, id=<name>, sharing, mode, uid, gid, ro)",
                display(field)
            ));
        }
    }
    match (cache, target) {
        (true, true) => Ok(()),
        _ => Err("a mount other than type=cache with a target".into()),
    }
}

/// podman before 5 keeps a cache mount's folder at `$TMPDIR/buildah-cache/<id, else target>`,
/// joined as written, following any link on the way: a RUN step with a cache at `/a` leaves a
/// link `b` there, and the next with a cache at `/a/b` is given the folder the link names,
/// read-write (the sixty-fifth look's rootful build read and wrote root's folders; the link
/// stays for every later build). The copy podman is given names each cache by one word, `id=`
/// the digest of what named it (as podman 5 names its folders): no cache's folder lies in
/// another's, and a cache keeps one folder from build to build. The flag is rewritten where it
/// is written (one written across lines is refused), and the copy is read again to prove every
/// cache mount in it has a name of one word. `Ok(None)`: no cache mount to rename.
pub fn one_word_caches(text: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let caches = |instructions: &[Instruction]| -> Vec<(usize, Vec<u8>)> {
        let mut out = Vec::new();
        for i in instructions
            .iter()
            .filter(|i| i.keyword == Keyword::Run && !i.onbuild)
        {
            let (flags, _) = i.flags();
            out.extend(
                flags
                    .into_iter()
                    .filter(|f| cache_mount(f).is_ok())
                    .map(|f| (i.line, f.to_vec())),
            );
        }
        out
    };
    let found = caches(&read(text)?);
    if found.is_empty() {
        return Ok(None);
    }
    let mut lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    // Where the search goes on from: a flag is found after the one before it.
    let mut at = (0, 0);
    for (line, flag) in &found {
        if at.0 < line - 1 {
            at = (line - 1, 0);
        }
        let place = (at.0..lines.len()).find_map(|n| {
            let from = if n == at.0 { at.1 } else { 0 };
            let l = &lines[n];
            // A comment line is no part of any instruction, continued or not.
            if trim_start(l).first() == Some(&b'#') {
                return None;
            }
            (from..l.len().saturating_sub(flag.len() - 1))
                .find(|&p| {
                    let end = p + flag.len();
                    l[p..end] == flag[..]
                        && (p == 0 || blank(l[p - 1]))
                        && (end == l.len() || blank(l[end]) || l[end] == b'\r' || l[end] == b'\\')
                })
                .map(|p| (n, p))
        });
        let Some((n, p)) = place else {
            return Err(format!(
                "line {line}: {}: a cache mount written across lines; write it on one line (podman before 5 is given it renamed)",
                display(flag)
            ));
        };
        let renamed = renamed_cache(flag);
        lines[n].splice(p..p + flag.len(), renamed.iter().copied());
        at = (n, p + renamed.len());
    }
    let out = lines.join(&b'\n');
    // Proved on the copy itself: every cache mount named by one word.
    let again = caches(&read(&out)?);
    let one_word = |f: &[u8]| {
        let locked = f
            .split(|&b| b == b',')
            .any(|field| field.starts_with(b"sharing="));
        !locked
            && f.split(|&b| b == b',')
                .find_map(|field| field.strip_prefix(b"id="))
                .is_some_and(|id| !id.is_empty() && !id.contains(&b'/') && id != b"." && id != b"..")
    };
    if again.len() != found.len() || !again.iter().all(|(_, f)| one_word(f)) {
        return Err("a cache mount the shim could not rename to a folder of one name".into());
    }
    Ok(Some(out))
}

/// The mount every RUN step of a build is given first: an empty, read-only, 4 KiB `tmpfs` over
/// `/sys/fs/cgroup`. buildah mounts a step's own cgroup there read-write, and on a rootful
/// podman the step's root is the host's, owner of those files: a step wrote `-1` to its
/// `memory.limit_in_bytes` and `cpu.cfs_quota_us` and ran past the ceilings the shim gave the
/// build (the eighty-seventh look's, podman 4.3.1 and 5.4.2 on cgroup v1; `--cgroupns=private`
/// alike). A mount of the RUN's own at that destination takes the place of buildah's, and the
/// step cannot take it away (it holds no `CAP_SYS_ADMIN`). The limits stay on the step's cgroup,
/// set from outside; the step no longer sees them, nor (rootless) the host's cgroup trees.
pub const HIDDEN_CGROUPS: &[u8] = b"--mount=type=tmpfs,target=/sys/fs/cgroup,tmpfs-size=4k,ro";

/// `text` with [`HIDDEN_CGROUPS`] as the first flag of every RUN the build runs (a trigger
/// `ONBUILD RUN` runs in another build, whose base the shim refuses: [`crate::onbuild`]). The
/// flag goes right after the keyword, on the instruction's first line; a keyword written across
/// lines is refused. The copy is read again to prove every RUN starts with it. `Ok(None)`: no
/// RUN to give it.
pub fn hidden_cgroups(text: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let runs = |instructions: &[Instruction]| -> Vec<usize> {
        instructions
            .iter()
            .filter(|i| i.keyword == Keyword::Run && !i.onbuild)
            .map(|i| i.line)
            .collect()
    };
    let found = runs(&read(text)?);
    if found.is_empty() {
        return Ok(None);
    }
    let mut lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    for &line in &found {
        let l = &mut lines[line - 1];
        let at = l.len() - trim_start(l).len();
        let end = at + b"run".len();
        let whole = l.get(at..end).is_some_and(|w| w.eq_ignore_ascii_case(b"run"))
            && l.get(end).is_none_or(|&b| blank(b) || b == b'\\' || b == b'\r');
        if !whole {
            return Err(format!(
                "line {line}: a RUN keyword written across lines; write it on one line"
            ));
        }
        let mut flag = vec![b' '];
        flag.extend_from_slice(HIDDEN_CGROUPS);
        l.splice(end..end, flag);
    }
    let out = lines.join(&b'\n');
    let again = read(&out)?;
    let first_flags: Vec<bool> = again
        .iter()
        .filter(|i| i.keyword == Keyword::Run && !i.onbuild)
        .map(|i| i.flags().0.first() == Some(&HIDDEN_CGROUPS))
        .collect();
    if first_flags.len() != found.len() || first_flags.contains(&false) {
        return Err("a RUN the shim could not give its cgroup mount".into());
    }
    Ok(Some(out))
}

/// A cache mount flag (one [`cache_mount`] passed) with `id=` the first 16 hex digits of the
/// SHA-256 of its `id`, else of its target without empty or `.` components (buildah's own key).
fn renamed_cache(flag: &[u8]) -> Vec<u8> {
    let value = flag.strip_prefix(b"--mount=").unwrap_or(flag);
    let fields: Vec<&[u8]> = value.split(|&b| b == b',').collect();
    let get = |keys: &[&[u8]]| {
        fields.iter().find_map(|f| {
            let eq = f.iter().position(|&b| b == b'=')?;
            keys.contains(&&f[..eq]).then(|| &f[eq + 1..])
        })
    };
    let key: Vec<u8> = match get(&[b"id"]) {
        Some(id) => id.to_vec(),
        None => {
            let target = get(&[b"target", b"dst", b"destination"]).unwrap_or_default();
            let parts: Vec<&[u8]> = target
                .split(|&b| b == b'/')
                .filter(|c| !c.is_empty() && *c != b".")
                .collect();
            [&b"/"[..], &parts.join(&b'/')].concat()
        }
    };
    let id = &crate::sha256::hex(&key)[..16];
    let mut out = b"--mount=".to_vec();
    // `sharing=locked` has podman before 5 lock a file inside the cache, which a step can make
    // a link: the next locked use opened the host path it names as root (the seventy-first
    // look's; a link into a missing folder crashed podman 4.3 on every later build). Shared
    // (the default) takes no lock: concurrent builds share the cache as docker's `shared` does.
    for f in fields
        .iter()
        .filter(|f| !f.starts_with(b"id=") && !f.starts_with(b"sharing="))
    {
        out.extend_from_slice(f);
        out.push(b',');
    }
    out.extend_from_slice(b"id=");
    out.extend_from_slice(id.as_bytes());
    out
}

/// The images the stages start from (`FROM`; `scratch` and earlier stages' names left out). An
/// image named by a build argument, a `FROM` flag (`--platform`), or a word the parser would
/// unquote cannot be known before the build: why, as an error.
pub fn base_images(instructions: &[Instruction]) -> Result<Vec<String>, String> {
    let mut images: Vec<String> = Vec::new();
    let mut stages: Vec<String> = Vec::new();
    for i in instructions.iter().filter(|i| i.keyword == Keyword::From) {
        let fail = |why: String| Err(format!("line {}: FROM {why}", i.line));
        let ws: Vec<&[u8]> = words(&i.args).collect();
        if let Some(w) = ws.iter().find(|w| !plain_word(w)) {
            return fail(format!(
                "{}: a quote or an escape in a FROM, which the shim does not read",
                display(w)
            ));
        }
        let image = match ws.as_slice() {
            [flag, ..] if flag.starts_with(b"-") => {
                return fail(format!(
                    "{}: a FROM flag (--platform) may pull an image other than the local one the shim checks for ONBUILD triggers",
                    display(flag)
                ));
            }
            [image] => image,
            [image, as_, name] if as_.eq_ignore_ascii_case(b"as") => {
                stages.push(crate::text::owned(name));
                image
            }
            _ => return fail(format!("{}: not FROM IMAGE [AS NAME]", display(&i.args))),
        };
        let image = crate::text::owned(image);
        if image.contains('$') {
            return fail(format!(
                "{image}: an image named by a build argument cannot be checked for ONBUILD triggers before the build"
            ));
        }
        // A stage named earlier, exactly as written: podman's build library matches a stage's
        // name case for case, and takes `FROM build` after `AS Build` for an image named `build`
        // (the thirty-third look's: its triggers ran unchecked; buildkit would read the stage,
        // so an image that is not there is refused, which is stricter). The name just pushed is
        // this stage's own, not an earlier one.
        let earlier = stages.len().saturating_sub(usize::from(ws.len() == 3));
        let is_stage = stages[..earlier].contains(&image);
        if !is_stage && !image.eq_ignore_ascii_case("scratch") && !images.contains(&image) {
            images.push(image);
        }
    }
    Ok(images)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Vec<Instruction> {
        read(text.as_bytes()).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn refused(text: &[u8]) -> String {
        match read(text) {
            Ok(i) => panic!("{:?} read as {i:?}", String::from_utf8_lossy(text)),
            Err(e) => e,
        }
    }

    /// nanoclaw's own agent image's Containerfile (qwibitai/nanoclaw `container/Dockerfile`, its
    /// shape: continued lines, comments, escapes inside a RUN's quoted text) and its per-agent
    /// one are read whole.
    #[test]
    fn nanoclaw_s_containerfiles_are_read() {
        let agent = "# NanoClaw Agent Container\n\nFROM node:22-slim\n\n# deps\nRUN apt-get update && apt-get install -y \\\n    chromium \\\n    curl \\\n    && rm -rf /var/lib/apt/lists/*\n\nENV A=/usr/bin/chromium\nWORKDIR /app\nCOPY agent-runner/package*.json ./\nRUN printf '#!/bin/bash\\nset -e\\ncat > /tmp/input.json\\nnode /tmp/dist/index.js < /tmp/input.json\\n' > /app/entrypoint.sh && chmod +x /app/entrypoint.sh\nRUN chown -R node:node /workspace && chmod 777 /home/node\nUSER node\nENTRYPOINT [\"/app/entrypoint.sh\"]\n";
        let i = ok(agent);
        assert_eq!(i.len(), 9);
        assert_eq!(i[1].keyword, Keyword::Run);
        assert_eq!(i[1].line, 6);
        assert_eq!(
            i[1].args,
            b"apt-get update && apt-get install -y     chromium     curl     && rm -rf /var/lib/apt/lists/*"
                .to_vec()
        );
        let per_agent = "FROM nanoclaw-agent-v2-9ce3f7df:latest\nUSER root\nRUN apt-get update && apt-get install -y ffmpeg\nRUN echo 'only-built-dependencies[]=pdf-lib' >> /root/.npmrc && pnpm install -g pdf-lib\nUSER node\nLABEL dev.nanoclaw.image-source=\"derived\"\n";
        assert_eq!(ok(per_agent).len(), 6);
        assert_eq!(
            base_images(&ok(per_agent)).unwrap(),
            vec!["nanoclaw-agent-v2-9ce3f7df:latest".to_string()]
        );
        // Windows line ends, comments and blank lines inside a continuation (every parser drops
        // them), a trailing space after the last word.
        let i = ok("FROM a\r\nRUN a \\\r\n  # note\r\n\r\n  b \r\n");
        assert_eq!(i[1].args, b"a   b".to_vec());
        // Text beyond ASCII; blanks after an escape; a comment ending in an escape, which never
        // continues; a continued line's blanks kept.
        let i = ok("FROM a\nLABEL who=\"José 🙂\"\n# note \\\nRUN a&&\\  \n  b \\\n  # c \\\n  d\n");
        assert_eq!(i.len(), 3);
        assert_eq!(i[2].args, b"a&&  b   d".to_vec());
    }

    /// A volume beneath the kernel's file systems replaced the empty tmpfs the shim puts at a
    /// step's /sys/fs/cgroup on podman 4.3.1 (the hundred-and-thirty-second look's): refused in
    /// each form; an ordinary volume is not.
    #[test]
    fn a_volume_over_the_kernel_s_file_systems_is_refused() {
        for text in [
            "FROM a\nVOLUME /sys/fs/cgroup\nRUN true\n",
            "FROM a\nVOLUME [\"/data\", \"/sys/fs/cgroup\"]\n",
            "FROM a\nVOLUME /x //proc/\n",
            "FROM a\nVOLUME /dev\n",
            "FROM a\nARG V=/sys\nVOLUME $V\n",
            "FROM a\nVOLUME /x/../sys\n",
            "FROM a\nVOLUME [\"\\u002fsys/fs/cgroup\"]\n",
        ] {
            let i = ok(text);
            assert!(problem(&i, None, None, None).is_some(), "{text:?}");
        }
        for text in [
            "FROM a\nVOLUME /data /var/lib/db\n",
            "FROM a\nVOLUME [\"/system\", \"/devices\"]\n",
        ] {
            assert_eq!(problem(&ok(text), None, None, None), None, "{text:?}");
        }
    }

    #[test]
    fn flags_are_the_leading_double_dash_words_as_written() {
        let i = ok("FROM a\ncopy\t--chown=1:1  --from=b /x /y\nonbuild Run --mount=x true\n");
        assert_eq!(
            i[1].flags(),
            (vec![&b"--chown=1:1"[..], b"--from=b"], &b"/x /y"[..])
        );
        assert!(i[2].onbuild);
        assert_eq!(i[2].keyword, Keyword::Run);
        assert_eq!(i[2].flags().0, vec![&b"--mount=x"[..]]);
        // Joined without a blank where none was written.
        let i = ok("FROM a\nRUN --mo\\\nunt=x true\nR\\\nUN --network=host true\n");
        assert_eq!(i[1].flags().0, vec![&b"--mount=x"[..]]);
        assert_eq!(i[2].keyword, Keyword::Run);
    }

    /// Each edge where the parsers' readings differ is refused, with its line.
    #[test]
    fn what_parsers_read_differently_is_refused() {
        for (text, line) in [
            (&b"FROM a\n\x0bRUN --mount=x true\n"[..], 2),
            (b"FROM a\nRUN\xa0--mount=x true\n", 2),
            ("FROM a\n\u{a0}RUN x\n".as_bytes(), 2),
            ("\u{feff}FROM a\n".as_bytes(), 1),
            (b"FROM a\nRUN\r\\\n--mount=x true\n", 2),
            (b"# escape=`\nFROM a\n", 1),
            (b"  #ESCAPE  = \\\nFROM a\n", 1),
            ("FROM a\nRUN x\u{2003}--mount=x\n".as_bytes(), 2),
            ("FROM a\nLABEL a=\u{85}\n".as_bytes(), 2),
            (b"FROM a\nRUN x\x0c\n", 2),
            (b"FROM a\nLABEL x=a\\\\\nRUN \\\n--mount=x true\n", 2),
            (b"FROM a\nRUN a \\\n", 2),
            (b"FROM a\n\\\nRUN x\n", 2),
            (b"FROM a\nLABEL a=b \\\n\\\nRUN --network=host true\n", 3),
            (b"FROM a\nLABEL a=b \\\n  \\\nRUN --network=host true\n", 3),
            (b"FROM a\nRUN <<EOF\nRUN --mount=x true\nEOF\n", 2),
            (b"FROM a\nCOPY <<EOF /x\nhi\nEOF\n", 2),
            (b"FROM a\nBOGUS x\n", 2),
            (b"FROM a\nONBUILD ONBUILD RUN x\n", 2),
            (b"FROM a\nONBUILD\n", 2),
        ] {
            let e = refused(text);
            assert!(
                e.starts_with(&format!("line {line}: ")),
                "{:?}: {e}",
                String::from_utf8_lossy(text)
            );
        }
    }

    /// A file that is no Containerfile: its first word is shown only when it could be a
    /// misspelt keyword (the thirty-second pass's look read a token through `-f` so).
    #[test]
    fn an_unknown_first_word_is_shown_only_when_it_could_be_a_keyword() {
        let e = refused(b"a3f9c2e1b7d84f6a9e0c5b2d1f8a7e6c\n");
        assert!(!e.contains("a3f9c2e1"), "{e}");
        assert!(e.contains("32 bytes"), "{e}");
        let e = refused(b"FROM a\nRUNN x\n");
        assert!(e.contains("RUNN"), "{e}");
        // A short word that no keyword is near: a password file's (the thirty-seventh pass's
        // look printed `Sunshine`).
        for word in ["Sunshine", "letmein", "CorrectHorse", "hunter"] {
            let e = refused(format!("{word}\n").as_bytes());
            assert!(!e.contains(word), "{e}");
        }
        for word in ["FORM", "Entrypiont", "wrkdir", "COPPY"] {
            let e = refused(format!("{word} x\n").as_bytes());
            assert!(e.contains(word), "{e}");
        }
    }

    #[test]
    fn run_flags_transports_and_from_values_are_problems() {
        let problem_of = |t: &str| problem(&ok(t), Some("downloads"), None, Some("cache"));
        for t in [
            // Joined as every parser joins them: a comment never continues, blanks after an
            // escape are no matter, a continued line keeps its blanks.
            "FROM a\n# note \\\nRUN \\\n--mount=x true\n",
            "FROM a\nRUN \\  \n  --network=host true\n",
            "FROM a\nCOPY \\\n  # c \\\n  --from=oci-archive:/x.tar /s /s\n",
            "FROM a\nRUN --mount=type=cache,target=/x true\n",
            "FROM a\nRUN -x\n",
            "FROM a\nONBUILD RUN --network=host true\n",
            "FROM a\nRUN --m\"ou\"nt=type=bind,source=.,target=/x ls\n",
            "FROM oci-archive:/tmp/x.tar\n",
            "FROM a\nCOPY --from=oci-archive:/tmp/x.tar /s /s\n",
            "FROM a\nCOPY --from=\"x\" /s /s\n",
            "FROM a\nCOPY --from=$X /s /s\n",
            "FROM a\nCOPY --from= /s /s\n",
            "FROM a\nCOPY --FROM=x /s /s\n",
            "FROM a\nCOPY --fromX=x /s /s\n",
            "FROM a\nCOPY --chown=--from=x /s /s\n",
            "FROM a\nCOPY --exclude=\"a b\" --from=x /s /s\n",
            "FROM a\nADD http://127.0.0.1/x /x\n",
            "FROM a\nADD \"http\":\"//127.0.0.1/x\" /x\n",
            "FROM a\nADD $U /x\n",
            // JSON's escapes, as buildah decodes them (the look `go`).
            "FROM a\nADD [\"http\\u003a//127.0.0.1/x\", \"/x\"]\n",
            "FROM a\nADD [\"\\u0024{U}\", \"/x\"]\n",
            "FROM a\nCOPY [\"src\", \"oci-archive\\u003a/tmp/x.tar\"]\n",
            "FROM a\nONBUILD ADD git@github.com:o/r /r\n",
            "FROM a\nCOPY src oci-archive:/tmp/x.tar\n",
        ] {
            assert!(problem_of(t).is_some(), "{t:?} passed");
        }
        for t in [
            "FROM a AS b\nRUN echo --mount && grep -- --network f\nCOPY --from=b /x /y\nRUN [\"--mount\"]\n",
            "FROM a\nCOPY --chown=${UID}:${UID} --chmod=0644 src/ /app/\n",
            "FROM a\nCOPY --link --parents src/mydir:x/ /app/\n",
            "FROM a\nCOPY --from=docker.io/library/alpine:3 /x /x\n",
            "FROM docker:27-dind\nCOPY --from=docker://docker.io/library/alpine:3 /x /x\n",
            "FROM a\nADD ./src /src\n",
        ] {
            assert_eq!(problem_of(t), None, "{t:?}");
        }
        // Downloads allowed by the policy.
        assert_eq!(
            problem(&ok("FROM a\nADD http://h/x /x\n"), None, None, None),
            None
        );
        // A local ADD, where the policy does not allow buildah to unpack: refused, a URL not
        // (that is the downloads' question), COPY not.
        let unpack = |t: &str| problem(&ok(t), None, Some("unpacks"), None);
        assert!(unpack("FROM a\nADD ./dev.tar /\n").is_some_and(|w| w.contains("unpacks")));
        assert!(unpack("FROM a\nADD --chown=1:1 x.tgz y /z/\n").is_some());
        assert!(unpack("FROM a AS b\nFROM c\nONBUILD ADD d.tar /\n").is_some());
        assert_eq!(unpack("FROM a\nADD http://h/x.tar /x\n"), None);
        assert_eq!(unpack("FROM a\nCOPY dev.tar /\n"), None);
    }

    /// A plain cache mount is the policy's to allow (nanoclaw's own Dockerfile has five); one the
    /// shim cannot judge, or any other RUN flag, is refused either way: an `id` or target that
    /// climbs out of buildah's cache folder (podman 4.3 joins it to the folder), a cache `from`
    /// an image or with a `source`, a flag written with quotes or a variable, a trigger's.
    #[test]
    fn a_plain_cache_mount_is_the_policy_s_to_allow() {
        let judged = |t: &str, allowed: bool| problem(&ok(t), None, None, (!allowed).then_some("cache gate"));
        for t in [
            "FROM a\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\\n  --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update\n",
            "FROM a\nRUN --mount=type=cache,target=/root/.bun/install/cache bun install\n",
            "FROM a\nRUN --mount=type=cache,id=pnpm,dst=/root/.cache/pnpm,mode=0755,uid=0,gid=0,ro=false true\n",
        ] {
            assert_eq!(judged(t, true), None, "{t:?}");
            let refused = judged(t, false).expect("refused by default");
            assert!(refused.contains("cache gate"), "{refused}");
        }
        for t in [
            "FROM a\nRUN --mount=type=cache,target=/x,id=../../../root/.ssh true\n",
            "FROM a\nRUN --mount=type=cache,target=/x,id=a/../../b true\n",
            "FROM a\nRUN --mount=type=cache,target=../../root true\n",
            "FROM a\nRUN --mount=type=cache,target=/x/../../y true\n",
            "FROM a\nRUN --mount=type=cache,target=/ true\n",
            "FROM a AS s\nFROM b\nRUN --mount=type=cache,target=/x,from=s,source=/ true\n",
            "FROM a\nRUN --mount=type=cache,target=/x,src=/etc true\n",
            "FROM a\nRUN --mount=type=bind,target=/x true\n",
            "FROM a\nRUN --mount=target=/x true\n",
            "FROM a\nRUN --mount=type=cache,target=/x,type=bind true\n",
            "FROM a\nRUN --mount=type=cache,target=$T true\n",
            "FROM a\nRUN --mount=\"type=cache,target=/x\" true\n",
            "FROM a\nRUN --mount=type=cache,target=/x --network=host true\n",
            "FROM a\nRUN --network=none true\n",
            "FROM a\nONBUILD RUN --mount=type=cache,target=/x true\n",
            "FROM a\nRUN -x\n",
        ] {
            let why = judged(t, true).unwrap_or_else(|| panic!("{t:?} passed"));
            assert!(!why.contains("cache gate"), "{t:?}: {why}");
        }
    }

    #[test]
    fn base_images_leave_out_stages_and_scratch() {
        let i = ok(
            "FROM node:22 AS build\nFROM build\nFROM scratch\nFROM b AS b2\nFROM alpine\nFROM node:22\nFROM b2\n",
        );
        assert_eq!(
            base_images(&i).unwrap(),
            vec!["node:22".to_string(), "b".to_string(), "alpine".to_string()]
        );
        // A stage is named case for case, as podman matches it (the thirty-third look's).
        let i = ok("FROM a AS Trig\nFROM trig\nFROM Trig\n");
        assert_eq!(
            base_images(&i).unwrap(),
            vec!["a".to_string(), "trig".to_string()]
        );
        // A stage is not its own base.
        let i = ok("FROM x AS x\n");
        assert_eq!(base_images(&i).unwrap(), vec!["x".to_string()]);
        for t in [
            "FROM --platform=linux/amd64 a\n",
            "FROM $BASE\n",
            "FROM \"a\"\n",
            "FROM a b\n",
        ] {
            assert!(base_images(&ok(t)).is_err(), "{t:?}");
        }
    }

    #[test]
    fn caches_are_renamed_to_one_word_each_where_they_are_written() {
        let id = |key: &str| crate::sha256::hex(key.as_bytes())[..16].to_string();
        let text = "FROM a\nRUN --mount=type=cache,target=/var/cache/apt/,sharing=locked \\\n  --mount=type=cache,id=foo,target=/x true\nRUN --mount=type=cache,target=/a ln -s / /a/b\nRUN --mount=type=cache,target=/a/b echo --mount=type=cache,target=/a/b\n";
        let out = String::from_utf8(one_word_caches(text.as_bytes()).unwrap().unwrap()).unwrap();
        let want = format!(
            "FROM a\nRUN --mount=type=cache,target=/var/cache/apt/,id={} \\\n  --mount=type=cache,target=/x,id={} true\nRUN --mount=type=cache,target=/a,id={} ln -s / /a/b\nRUN --mount=type=cache,target=/a/b,id={} echo --mount=type=cache,target=/a/b\n",
            id("/var/cache/apt"),
            id("foo"),
            id("/a"),
            id("/a/b")
        );
        assert_eq!(out, want);
        // The same cache keeps its folder; nothing to rename, nothing changed.
        assert!(out.contains(&id("/a/b")) && id("/a") != id("/a/b"));
        assert_eq!(one_word_caches(b"FROM a\nRUN true\n"), Ok(None));
        // A flag split across lines cannot be rewritten where it is written: refused.
        let split = "FROM a\nRUN --mount=type=cache,tar\\\nget=/x true\n";
        assert!(
            one_word_caches(split.as_bytes())
                .unwrap_err()
                .contains("across lines")
        );
        // A comment holding the same flag, between continued lines, is no place to rewrite:
        // the copy is read again, and every cache there must have one word.
        let comment =
            "FROM a\nRUN \\\n# --mount=type=cache,target=/a/b\n --mount=type=cache,target=/a/b true\n";
        let out = String::from_utf8(one_word_caches(comment.as_bytes()).unwrap().unwrap()).unwrap();
        let again = read(out.as_bytes()).unwrap();
        let (flags, _) = again[1].flags();
        assert_eq!(
            flags,
            [format!("--mount=type=cache,target=/a/b,id={}", id("/a/b")).as_bytes()]
        );
    }

    /// Every RUN a build runs starts with the empty read-only cgroup mount, however it is
    /// written (any case, continued, exec form, CRLF, between comments, after a cache mount's
    /// rename); a trigger is left as written, and a file without RUN is given as it is. A
    /// keyword written across lines cannot be given it and refuses.
    #[test]
    fn every_run_is_given_an_empty_read_only_cgroup_folder() {
        let hidden = |t: &str| String::from_utf8(hidden_cgroups(t.as_bytes()).unwrap().unwrap()).unwrap();
        let m = std::str::from_utf8(HIDDEN_CGROUPS).unwrap();
        let cases = [
            ("FROM a\nRUN true\n", format!("FROM a\nRUN {m} true\n")),
            (
                "FROM a\n  run echo 1\nRUN\t[\"sh\", \"-c\", \"x\"]\n",
                format!("FROM a\n  run {m} echo 1\nRUN {m}\t[\"sh\", \"-c\", \"x\"]\n"),
            ),
            (
                "FROM a\r\nRUN \\\r\n  --mount=type=cache,target=/c \\\r\n  # note\r\n  true\r\n",
                format!(
                    "FROM a\r\nRUN {m} \\\r\n  --mount=type=cache,target=/c \\\r\n  # note\r\n  true\r\n"
                ),
            ),
            ("FROM a\nRUN\\\n true\n", format!("FROM a\nRUN {m}\\\n true\n")),
            (
                "FROM a\nONBUILD RUN x\nRUN y\n",
                format!("FROM a\nONBUILD RUN x\nRUN {m} y\n"),
            ),
        ];
        for (text, want) in cases {
            let got = hidden(text);
            assert_eq!(got, want, "{text:?}");
            // Read as every parser reads it: the mount is each RUN's first flag, the rest kept.
            let before = read(text.as_bytes()).unwrap();
            let after = read(got.as_bytes()).unwrap();
            assert_eq!(before.len(), after.len());
            for (b, a) in before.iter().zip(&after) {
                let (bf, bargs) = b.flags();
                let (af, aargs) = a.flags();
                assert_eq!(bargs, aargs, "{text:?}");
                if b.keyword == Keyword::Run && !b.onbuild {
                    assert_eq!(af[0], HIDDEN_CGROUPS, "{text:?}");
                    assert_eq!(af[1..], bf[..], "{text:?}");
                } else {
                    assert_eq!(a, b, "{text:?}");
                }
            }
        }
        // After the caches' rename (podman before 5 is given both).
        let cached = one_word_caches(b"FROM a\nRUN --mount=type=cache,target=/c true\n")
            .unwrap()
            .unwrap();
        let both = String::from_utf8(hidden_cgroups(&cached).unwrap().unwrap()).unwrap();
        assert!(
            both.starts_with(&format!("FROM a\nRUN {m} --mount=type=cache,target=/c,id=")),
            "{both}"
        );
        assert_eq!(hidden_cgroups(b"FROM a\nCOPY x /x\n").unwrap(), None);
        let across = hidden_cgroups(b"FROM a\nRU\\\nN true\n").unwrap_err();
        assert!(
            across.contains("line 2: a RUN keyword written across lines"),
            "{across}"
        );
        assert!(hidden_cgroups(b"FROM a\nRUN <<EOF\nx\nEOF\n").is_err());
    }
}
