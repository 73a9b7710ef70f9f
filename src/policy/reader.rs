//! Reading a policy file: a spanned TOML tree validated key by key, so every problem is reported
//! with its position, and a key left out keeps its default.
//!
//! Each key is named once, where it is read: a table's known keys are the keys the reader asked
//! of it ([`Keys`]), and every other key of the table is reported as unknown.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::*;
use crate::glob::Glob;
use crate::units::{self, NanoCpus};

/// Parses and validates a policy; `file` names it in diagnostics. Warnings are returned with a
/// loaded policy; any error means no policy.
pub fn parse(text: &str, file: &str) -> Result<(Policy, Vec<Diagnostic>), PolicyError> {
    let stripped = strip_comment_lines(text);
    let text = stripped.as_deref().unwrap_or(text);
    let mut r = Reader {
        text,
        diags: Vec::new(),
        schema: None,
        own_spans: OwnSpans::default(),
    };
    let policy = match DeTable::parse(text) {
        Ok(root) => r.policy(root.get_ref()),
        Err(e) => {
            r.push(
                Code::Syntax,
                e.span().map_or(0..0, |s| s.start..s.end),
                // ("basic string" is TOML's name for a "..." string, which the redactor would
                // read as HTTP's `Basic` and its credential: the look `gn`.)
                e.message()
                    .lines()
                    .next()
                    .unwrap_or("invalid TOML")
                    .trim()
                    .replace("basic string", "quoted string"),
                None,
            );
            Policy::default()
        }
    };
    r.diags.sort_by_key(|d| d.position);
    if r.diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(PolicyError {
            file: file.to_string(),
            diagnostics: r.diags,
        });
    }
    Ok((policy, r.diags))
}

/// Empties lines that hold only a comment (keeping the newline), so the TOML parser skips them
/// cheaply; every other line keeps its bytes, so line and column numbers do not move. `None` when
/// there is nothing to strip, or when the file has multi-line strings (where a line starting with
/// `#` is content, not a comment).
fn strip_comment_lines(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut stripped = false;
    let mut start = 0;
    while start < bytes.len() {
        let end = memchr_newline(&bytes[start..]).map_or(bytes.len(), |p| start + p + 1);
        let line = &bytes[start..end];
        let first = line.iter().position(|b| !matches!(b, b' ' | b'\t'));
        if first.is_some_and(|i| line[i] == b'#') {
            stripped = true;
            let eol = line
                .iter()
                .rposition(|b| !matches!(b, b'\r' | b'\n'))
                .map_or(0, |i| i + 1);
            out.extend_from_slice(&line[eol..]);
        } else {
            // A multi-line string can only open on a line that is not a comment.
            if line.windows(3).any(|w| w == b"\"\"\"" || w == b"'''") {
                return None;
            }
            out.extend_from_slice(line);
        }
        start = end;
    }
    // Only whole lines of ASCII whitespace and comments were dropped: still valid UTF-8.
    stripped.then(|| String::from_utf8(out).expect("UTF-8 in, whole lines out"))
}

/// The offset of the first `\n`, a word at a time.
pub(super) fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const NL: u64 = LO * b'\n' as u64;
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let word = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        let x = word ^ NL;
        if (x.wrapping_sub(LO) & !x & HI) != 0 {
            break;
        }
        i += 8;
    }
    bytes[i..].iter().position(|&b| b == b'\n').map(|p| i + p)
}

type Value<'i> = Spanned<DeValue<'i>>;

/// Walks the spanned TOML tree, collecting diagnostics.
struct Reader<'t> {
    text: &'t str,
    diags: Vec<Diagnostic>,
    /// When set, every table read is recorded here with the keys asked of it ([`schema`]).
    schema: Option<Vec<(String, Vec<String>)>>,
    /// Where the table being read writes `[hardening] shm_size`, a tmpfs's size (by its path),
    /// `[limits] shm_size` and `tmpfs_size`: the policy's own sizes are held to its ceilings
    /// once both tables are read, inherited ones too ([`Code::AboveOwnCeiling`]).
    own_spans: OwnSpans,
}

#[derive(Debug, Default)]
struct OwnSpans {
    shm: Option<Range<usize>>,
    tmpfs: Vec<(String, Range<usize>)>,
    shm_ceiling: Option<Range<usize>>,
    tmpfs_ceiling: Option<Range<usize>>,
}

/// A key as the reader asks for it: a word, or `add_` / `remove_` and the name of a `[deny]`
/// list, compared without building the string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    prefix: &'static str,
    name: &'static str,
}

impl Key {
    fn is(self, s: &str) -> bool {
        s.strip_prefix(self.prefix) == Some(self.name)
    }
}

impl From<&'static str> for Key {
    fn from(name: &'static str) -> Key {
        Key { prefix: "", name }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.prefix, self.name)
    }
}

/// A key asked of a table, and its value if the table has it.
#[derive(Clone, Copy)]
struct Field<'a, 'i> {
    key: Key,
    value: Option<&'a Value<'i>>,
}

/// One table as it is read. Asking for a key is what makes it known: once the table has been
/// read ([`Reader::read`]), every key of it that was not asked for is an unknown key, and the
/// keys that were asked for, in the order they were asked, are its suggestions.
struct Keys<'a, 'i> {
    table: &'a DeTable<'i>,
    /// The dotted path of the table (`hardening.tmpfs`, `profile.match`); empty at the top level.
    section: String,
    /// The table is an entry of an array of tables (`[[profile]]`).
    entry: bool,
    /// The table is, or lies within, such an entry.
    in_entry: bool,
    asked: Vec<Key>,
}

impl<'a, 'i> Keys<'a, 'i> {
    fn root(table: &'a DeTable<'i>) -> Self {
        Keys {
            table,
            section: String::new(),
            entry: false,
            in_entry: false,
            asked: Vec::new(),
        }
    }

    /// The table `table` at `key` of this one (`entry`: one entry of an array of tables there).
    fn child(&self, table: &'a DeTable<'i>, key: &str, entry: bool) -> Keys<'a, 'i> {
        Keys {
            table,
            section: if self.section.is_empty() {
                key.to_string()
            } else {
                format!("{}.{key}", self.section)
            },
            entry,
            in_entry: entry || self.in_entry,
            asked: Vec::new(),
        }
    }

    /// Asks for `key`: it is known from now on, whether the table has it or not.
    fn take(&mut self, key: impl Into<Key>) -> Field<'a, 'i> {
        let key = key.into();
        if !self.asked.contains(&key) {
            self.asked.push(key);
        }
        let value = self
            .table
            .iter()
            .find(|(k, _)| key.is(k.get_ref()))
            .map(|(_, v)| v);
        Field { key, value }
    }

    /// How docs/POLICY.md heads the table: `[limits]`, `[[hardening.tmpfs]]`, and `match.` for a
    /// table within a `[[profile]]`, whose keys are written dotted (`match.image`).
    fn heading(&self) -> String {
        if self.section.is_empty() {
            String::new()
        } else if self.entry {
            format!("[[{}]]", self.section)
        } else if self.in_entry {
            let last = self.section.rsplit('.').next().unwrap_or_default();
            format!("{last}.")
        } else {
            format!("[{}]", self.section)
        }
    }
}

/// The tables [`schema`] reads: each once, in the order the reader reaches them.
const SCHEMA_PROBE: &str = "[runtime]\n[commands]\n[hardening]\n[[hardening.tmpfs]]\n[limits]\n[deny]\n\
                            [podman]\n[log]\n[[profile]]\n[profile.match]\n";

/// Every table of a policy, headed as docs/POLICY.md heads it, with its keys in the order the
/// reader asks for them (the order of `policy check`'s "known keys here"). Taken from the reader
/// itself, reading a policy that holds one of each table (`[profile.hardening]` and the other
/// tables of a profile are the global ones again).
pub fn schema() -> Vec<(String, Vec<String>)> {
    let root = DeTable::parse(SCHEMA_PROBE).expect("the probe is valid TOML");
    let mut r = Reader {
        text: SCHEMA_PROBE,
        diags: Vec::new(),
        schema: Some(Vec::new()),
        own_spans: OwnSpans::default(),
    };
    r.policy(root.get_ref());
    r.schema.unwrap_or_default()
}

impl<'t> Reader<'t> {
    /// A diagnostic at `span`; its severity is the code's.
    fn diagnostic(
        &self,
        code: Code,
        span: Range<usize>,
        message: String,
        hint: Option<String>,
    ) -> Diagnostic {
        // A policy file may hold a secret where a name belongs (a token pasted into a list),
        // and its diagnostics are printed at every call: shown as everything the shim prints is.
        let shown = |t: String| crate::redact::display(std::ffi::OsStr::new(&t));
        Diagnostic {
            severity: code.severity(),
            code,
            message: shown(message),
            hint: hint.map(shown),
            position: Some(line_col(self.text, span.start)),
        }
    }

    /// Records a diagnostic; its severity is the code's.
    /// Says that the list entry `s` is no `kind` name pattern, and why (`bad-glob`): `false`,
    /// the entry dropped.
    fn bad_name_pattern(&mut self, span: Range<usize>, s: &str, kind: &str, why: &str) -> bool {
        self.push(
            Code::BadGlob,
            span,
            format!("{s:?} is no {kind} name pattern: {why}"),
            Some("write a name or a glob, e.g. \"nanoclaw-*\"".into()),
        );
        false
    }

    fn push(&mut self, code: Code, span: Range<usize>, message: String, hint: Option<String>) {
        let d = self.diagnostic(code, span, message, hint);
        self.diags.push(d);
    }

    /// Reads a table with `read`, then reports every key of it that `read` did not ask for. Those
    /// come first among the table's diagnostics, as if checked before its values were read.
    fn read<'a, 'i, R>(
        &mut self,
        mut keys: Keys<'a, 'i>,
        read: impl FnOnce(&mut Self, &mut Keys<'a, 'i>) -> R,
    ) -> R {
        let start = self.diags.len();
        let recorded = self.schema.as_mut().and_then(|s| {
            let heading = keys.heading();
            (!s.iter().any(|(h, _)| *h == heading)).then(|| {
                s.push((heading, Vec::new()));
                s.len() - 1
            })
        });
        let out = read(self, &mut keys);
        let unknown = self.unknown_keys(&keys);
        if !unknown.is_empty() {
            self.diags.splice(start..start, unknown);
        }
        if let (Some(schema), Some(i)) = (self.schema.as_mut(), recorded) {
            schema[i].1 = keys.asked.iter().map(Key::to_string).collect();
        }
        out
    }

    /// An `unknown key` for every key of the table that was not asked for, with the closest
    /// known key as a suggestion, or else every known key.
    fn unknown_keys(&self, keys: &Keys) -> Vec<Diagnostic> {
        let mut unknown = keys
            .table
            .iter()
            .filter(|(k, _)| !keys.asked.iter().any(|a| a.is(k.get_ref())))
            .peekable();
        if unknown.peek().is_none() {
            return Vec::new();
        }
        let known: Vec<String> = keys.asked.iter().map(Key::to_string).collect();
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        let place = if keys.section.is_empty() {
            "at the top level".to_string()
        } else {
            format!("in [{}]", keys.section)
        };
        unknown
            .map(|(k, _)| {
                let key: &str = k.get_ref();
                let hint = did_you_mean(key, &known)
                    .map(|s| format!("did you mean `{s}`?"))
                    .or_else(|| Some(format!("known keys here: {}", known.join(", "))));
                self.diagnostic(
                    Code::UnknownKey,
                    k.span(),
                    format!("unknown key `{key}` {place}"),
                    hint,
                )
            })
            .collect()
    }

    fn wrong_type(&mut self, v: &Value, key: impl fmt::Display, want: &str) {
        let hint = match want {
            "true or false" => format!("write `{key} = true` or `{key} = false`"),
            "a string" => format!("quote it: `{key} = \"...\"`"),
            w if w.starts_with("an array") => format!("use brackets: `{key} = [...]` ({w})"),
            w if w.starts_with("a table") => format!("write it as a section: `[{key}]` ({w})"),
            w => format!("`{key}` takes {w}; docs/POLICY.md lists every key"),
        };
        self.push(
            Code::WrongType,
            v.span(),
            format!("`{key}` must be {want}, not {}", v.get_ref().type_str()),
            Some(hint),
        );
    }

    /// Reads the table at `key` of `parent` with `read`; another type there is reported.
    fn table<'a, 'i, R>(
        &mut self,
        parent: &mut Keys<'a, 'i>,
        key: &'static str,
        read: impl FnOnce(&mut Self, &mut Keys<'a, 'i>) -> R,
    ) -> Option<R> {
        let v = parent.take(key).value?;
        match v.get_ref() {
            DeValue::Table(inner) => Some(self.read(parent.child(inner, key, false), read)),
            _ => {
                self.wrong_type(v, key, "a table");
                None
            }
        }
    }

    fn bool(&mut self, f: Field, slot: &mut bool) {
        if let Some(v) = f.value {
            match v.get_ref().as_bool() {
                Some(b) => *slot = b,
                None => self.wrong_type(v, f.key, "true or false"),
            }
        }
    }

    fn string<'a>(&mut self, f: Field<'a, '_>) -> Option<(&'a str, Range<usize>)> {
        let v = f.value?;
        match v.get_ref().as_str() {
            Some(s) => Some((s, v.span())),
            None => {
                self.wrong_type(v, f.key, "a string");
                None
            }
        }
    }

    fn strings<'a>(&mut self, f: Field<'a, '_>) -> Option<Vec<(&'a str, Range<usize>)>> {
        let v = f.value?;
        let Some(arr) = v.get_ref().as_array() else {
            self.wrong_type(v, f.key, "an array of strings");
            return None;
        };
        let mut out = Vec::new();
        for item in arr.iter() {
            match item.get_ref().as_str() {
                Some(s) => out.push((s, item.span())),
                None => self.wrong_type(item, f.key, "an array of strings"),
            }
        }
        Some(out)
    }

    /// A number or string, as text (limits accept both), or `None` for `false` / `"off"`.
    fn scalar(&mut self, f: Field) -> Option<(Option<String>, Range<usize>)> {
        let v = f.value?;
        let text = match v.get_ref() {
            DeValue::Integer(i) if i.radix() == 10 => Some(i.as_str().replace('_', "")),
            DeValue::Float(f) => Some(f.as_str().replace('_', "")),
            DeValue::String(s) if s == "off" => None,
            DeValue::String(s) => Some(s.to_string()),
            DeValue::Boolean(false) => None,
            _ => {
                self.wrong_type(v, f.key, "a number, a string, or \"off\"");
                return None;
            }
        };
        Some((text, v.span()))
    }

    fn policy(&mut self, root: &DeTable) -> Policy {
        self.read(Keys::root(root), |r, k| r.top(k))
    }

    /// The top level. Its keys are asked for in the order `policy check` lists them.
    fn top(&mut self, k: &mut Keys) -> Policy {
        let mut p = Policy::default();
        if let Some((s, span)) = self.string(k.take("mode")) {
            p.mode = self.mode(s, span).unwrap_or(Mode::Enforce);
        }
        self.table(k, "runtime", |r, t| {
            if let Some((s, span)) = r.string(t.take("binary")) {
                if s.trim().is_empty() {
                    r.push(Code::BadRuntime, span, "`binary` must not be empty".into(), None);
                } else if s.contains('/') && !s.starts_with('/') {
                    let why = "`binary` is a relative path, looked up from the working directory: name a program on PATH or give an absolute path";
                    r.push(Code::BadRuntime, span, why.into(), None);
                } else {
                    p.runtime.binary = s.to_string();
                }
            }
            if let Some((s, span)) = r.string(t.take("flavor")) {
                p.runtime.flavor = match s {
                    "auto" => None,
                    "podman" => Some(Flavor::Podman),
                    "docker" => Some(Flavor::Docker),
                    _ => {
                        r.push(
                            Code::BadFlavor,
                            span,
                            format!("unknown flavor {s:?}"),
                            Some("use \"auto\", \"podman\" or \"docker\"".into()),
                        );
                        None
                    }
                };
            }
            if let Some(list) = r.strings(t.take("keep_environment")) {
                for (name, span) in list {
                    let plain = name.strip_suffix('*').unwrap_or(name);
                    // Never the entry as written: an assignment there (`NAME=value`) may hold the
                    // value's secret, printed at every call (the seventy-sixth look's).
                    // An entry that is not a name is named by its length and place: `NAME value`,
                    // `NAME: value`, a token pasted alone (a JWT's `.`s) hold a secret (the
                    // seventy-seventh and eighty-fourth looks').
                    let why = if plain.bytes().any(|b| !(b.is_ascii_alphanumeric() || b == b'_')) {
                        Some(format!("an entry of {} bytes is not a variable's name (letters, digits, `_`, and a `*` at the end for a prefix)", name.len()))
                    } else if name.is_empty() {
                        Some("an empty name".into())
                    } else if name == crate::env::REENTRY_ENV {
                        Some(format!("{name} cannot be kept: the shim sets it for the runtime itself"))
                    } else {
                        crate::trust::not_keepable(name).map(|why| format!("{name} cannot be kept: {why}"))
                    };
                    if why.is_none() && name == "*" {
                        let why = "keeps every variable: nanoclaw's whole environment reaches podman (its tokens, NETAVARK_*, GIT_*, ...), all but what the environment's rules remove or refuse; name the variables podman needs";
                        r.push(Code::KeepAllEnvironment, span.clone(), why.into(), None);
                    }
                    match why {
                        Some(why) => r.push(Code::BadKeepEnvironment, span, why, None),
                        None => p.runtime.keep_environment.push(name.to_string()),
                    }
                }
            }
        });
        self.table(k, "commands", |r, t| {
            for (key, slot) in [("allow", &mut p.commands.allow), ("deny", &mut p.commands.deny)] {
                if let Some(list) = r.strings(t.take(key)) {
                    *slot = list.into_iter().map(|(s, _)| s.trim().to_string()).collect();
                }
            }
        });
        let mut rules = Rules::default();
        self.rules(k, &mut rules);
        self.table(k, "log", |r, t| {
            if let Some((s, span)) = r.string(t.take("path")) {
                // Kept as written: `~/` is the home of whoever runs the shim, expanded where
                // the file is used (`Log::resolved`), so reading a policy reads no environment.
                let path = PathBuf::from(s);
                if !path.is_absolute() && !s.starts_with("~/") {
                    r.push(
                        Code::BadPath,
                        span,
                        format!("log path {s:?} is not absolute"),
                        Some("use an absolute path or one starting with `~/`".into()),
                    );
                }
                p.log.path = Some(path);
            }
        });
        let profiles = k.take("profile");
        if let Some(v) = profiles.value {
            match v.get_ref().as_array() {
                Some(arr) => {
                    for (i, item) in arr.iter().enumerate() {
                        match item.get_ref().as_table() {
                            Some(t) => {
                                let prof = self.read(k.child(t, profiles.key.name, true), |r, pk| {
                                    r.profile(pk, item.span(), i, &rules)
                                });
                                if p.profiles.iter().any(|q| q.name == prof.name) {
                                    self.push(
                                        Code::DuplicateProfile,
                                        item.span(),
                                        format!("profile name {:?} is used twice", prof.name),
                                        Some("only the first match applies; rename one".into()),
                                    );
                                }
                                // `docker start` matches no profile: under the top level's mount
                                // check its hook refuses a container that carries none of the
                                // shim's checks, as one this profile makes does (a
                                // thirty-seventh look's: nanoclaw's create then start failed).
                                let starts_checked = p.mode == Mode::Enforce && rules.podman.verify_mounts;
                                let unchecked = prof.exempt
                                    || matches!(prof.mode, Some(Mode::Audit | Mode::Off))
                                    || !prof.rules.podman.verify_mounts;
                                if starts_checked && unchecked {
                                    self.push(
                                        Code::UnstartableProfile,
                                        item.span(),
                                        format!(
                                            "containers profile {:?} makes carry none of the shim's checks, and docker start refuses them (it matches no profile, and the mount check's hook refuses a container without the shim's checks)",
                                            prof.name
                                        ),
                                        Some("nanoclaw's newest generation creates, then starts: let this profile match only what runs with docker run, or set [podman] verify_mounts = false at the top level".into()),
                                    );
                                }
                                p.profiles.push(prof);
                            }
                            None => self.wrong_type(item, profiles.key, "a table ([[profile]])"),
                        }
                    }
                }
                None => self.wrong_type(v, profiles.key, "an array of tables ([[profile]])"),
            }
        }
        p.rules = rules;
        p
    }

    fn mode(&mut self, s: &str, span: Range<usize>) -> Option<Mode> {
        match s {
            "enforce" => Some(Mode::Enforce),
            "audit" => Some(Mode::Audit),
            "off" => Some(Mode::Off),
            _ => {
                self.push(
                    Code::BadMode,
                    span,
                    format!("unknown mode {s:?}"),
                    Some("use \"enforce\", \"audit\" or \"off\"".into()),
                );
                None
            }
        }
    }

    /// [`Code::AboveOwnCeiling`] where `size`, the policy's own, is above `max`, its ceiling.
    fn above_own(&mut self, what: &str, size: u64, max: u64, span: Option<Range<usize>>) {
        if size <= max {
            return;
        }
        self.push(
            Code::AboveOwnCeiling,
            span.unwrap_or(0..0),
            format!(
                "{what}: {}, above the policy's own ceiling of {}: every container would get what a caller is refused",
                crate::units::format_bytes(size),
                crate::units::format_bytes(max)
            ),
            Some("give the size at or below the ceiling, or raise [limits] shm_size / tmpfs_size".into()),
        );
    }

    /// Reads `[hardening]`, `[limits]`, `[deny]`, `[podman]` of `k` over `rules`.
    fn rules(&mut self, k: &mut Keys, rules: &mut Rules) {
        self.own_spans = OwnSpans::default();
        self.table(k, "hardening", |r, t| r.hardening(t, &mut rules.hardening));
        self.table(k, "limits", |r, t| r.limits(t, &mut rules.limits));
        // The policy's own sizes above its own ceilings: the shim would give every container
        // what it refuses a caller (the look `gv`: `shm_size = "4g"` under a 2g ceiling passed;
        // the look `gw`: a profile's lower ceiling under the sizes it inherits, and a ceiling
        // below podman's own 64m /dev/shm, which every container then got).
        let spans = std::mem::take(&mut self.own_spans);
        let (h, l) = (&rules.hardening, &rules.limits);
        if let Some(max) = l.shm_size {
            let (size, what, span) = match h.shm_size {
                Some(size) => (size, "[hardening] shm_size", spans.shm),
                None => (
                    crate::policy::PODMAN_SHM,
                    "podman's own /dev/shm (no [hardening] shm_size)",
                    None,
                ),
            };
            self.above_own(what, size, max, span.or(spans.shm_ceiling));
        }
        if let Some(max) = l.tmpfs_size {
            // (A tmpfs without a size is charged to the memory ceiling.)
            for (t, size) in h.tmpfs.iter().filter_map(|t| Some((t, t.size?))) {
                let span = spans
                    .tmpfs
                    .iter()
                    .find(|(p, _)| *p == t.path)
                    .map(|(_, s)| s.clone());
                let what = format!("the [[hardening.tmpfs]] at {}", t.path);
                self.above_own(&what, size, max, span.or_else(|| spans.tmpfs_ceiling.clone()));
            }
        }
        self.table(k, "deny", |r, t| r.deny(t, &mut rules.deny));
        self.table(k, "podman", |r, t| r.podman(t, &mut rules.podman));
    }

    fn limits(&mut self, l: &mut Keys, limits: &mut Limits) {
        /// The kernel's largest pid (`PID_MAX_LIMIT` on 64-bit).
        const PID_MAX_LIMIT: u64 = 4_194_304;
        if let Some((v, span)) = self.scalar(l.take("cpus")) {
            // Below a hundredth of a CPU every container fails to start ("CPU cfs quota cannot
            // be less than 1ms"), with an error that never names the shim.
            limits.cpus = v.and_then(|s| match NanoCpus::parse(&s) {
                Some(c) if c.0 >= 10_000_000 => Some(c),
                _ => {
                    self.push(
                        Code::BadCpus,
                        span.clone(),
                        format!("invalid cpus {s:?}"),
                        Some("a number from 0.01, such as 2 or 1.5, or \"off\"".into()),
                    );
                    None
                }
            });
        }
        if let Some((v, span)) = self.scalar(l.take("memory")) {
            limits.memory = v.and_then(|s| {
                let b = self.size(&s, span.clone())?;
                // Below podman's and docker's minimum every container fails to start, with a
                // runtime error that never names the shim.
                if b < MIN_MEMORY {
                    self.push(
                        Code::SizeTooSmall,
                        span.clone(),
                        format!("memory {s:?} is {b} bytes, below the runtime's minimum of 6m"),
                        Some(format!("write a unit: \"{s}m\" or \"{s}g\"")),
                    );
                    return None;
                }
                Some(b)
            });
        }
        if let Some((v, span)) = self.scalar(l.take("pids")) {
            // Above the kernel's largest pid no ceiling is meant, and podman fails every
            // container on what it cannot parse (the thirty-second pass's look).
            limits.pids = v.and_then(|s| match s.parse::<u64>() {
                Ok(n) if (1..=PID_MAX_LIMIT).contains(&n) => Some(n),
                _ => {
                    self.push(
                        Code::BadPids,
                        span.clone(),
                        format!("invalid pids {s:?}"),
                        Some(format!("an integer from 1 to {PID_MAX_LIMIT}, or \"off\"")),
                    );
                    None
                }
            });
        }
        if let Some((v, span)) = self.scalar(l.take("shm_size")) {
            self.own_spans.shm_ceiling = Some(span.clone());
            limits.shm_size = v.and_then(|s| self.size(&s, span.clone()));
        }
        if let Some((v, span)) = self.scalar(l.take("tmpfs_size")) {
            self.own_spans.tmpfs_ceiling = Some(span.clone());
            limits.tmpfs_size = v.and_then(|s| self.size(&s, span.clone()));
        }
        self.bool(l.take("refuse_unenforced"), &mut limits.refuse_unenforced);
        if let Some((v, span)) = self.scalar(l.take("health_interval")) {
            limits.health_interval = v.and_then(|s| match crate::govalue::duration(&s) {
                Some(n) if n > 0 => Some(n as u64),
                _ => {
                    self.push(
                        Code::BadDuration,
                        span.clone(),
                        format!("invalid health_interval {s:?}"),
                        Some(
                            "a positive duration with its unit, such as \"30s\" or \"5m\", or \"off\"".into(),
                        ),
                    );
                    None
                }
            });
        }
        if let Some((v, span)) = self.scalar(l.take("log_size")) {
            limits.log_size = v.and_then(|s| self.size(&s, span.clone()));
        }
        if let Some((v, span)) = self.scalar(l.take("open_files")) {
            // Above the kernel's default `fs.nr_open` the runtime's `setrlimit` fails every
            // container (EPERM).
            limits.open_files = v.and_then(|s| match s.parse::<u64>() {
                Ok(n) if (16..=1 << 20).contains(&n) => Some(n),
                _ => {
                    self.push(
                        Code::BadPids,
                        span.clone(),
                        format!("invalid open_files {s:?}"),
                        Some("an integer from 16 to 1048576, or \"off\"".into()),
                    );
                    None
                }
            });
        }
    }

    fn podman(&mut self, pm: &mut Keys, c: &mut PodmanCompat) {
        self.bool(pm.take("keep_id"), &mut c.keep_id);
        if let Some((s, span)) = self.string(pm.take("keep_id_user")) {
            // uid 0: keep-id would map the caller onto the container's root, which podman
            // refuses at every start ("can't get final child's PID").
            match parse_uid_gid(s).filter(|(uid, _)| *uid != 0) {
                Some(ug) => c.keep_id_user = ug,
                None => self.push(
                    Code::BadUser,
                    span,
                    format!("invalid keep_id_user {s:?}"),
                    Some("numeric \"uid:gid\" with a uid other than 0, e.g. \"1000:1000\"".into()),
                ),
            }
        }
        self.bool(pm.take("host_gateway"), &mut c.host_gateway);
        self.bool(pm.take("host_loopback"), &mut c.host_loopback);
        let ports = pm.take("host_loopback_ports");
        if let Some(v) = ports.value {
            match v.get_ref().as_array() {
                Some(arr) => {
                    let mut list = Vec::new();
                    for item in arr.iter() {
                        match item.get_ref() {
                            DeValue::Integer(i) => match i.as_str().parse::<u16>() {
                                Ok(p) if p > 0 => list.push(p),
                                _ => self.push(
                                    Code::BadPort,
                                    item.span(),
                                    format!("{} is not a TCP port", i.as_str()),
                                    Some("a number from 1 to 65535".into()),
                                ),
                            },
                            _ => self.wrong_type(item, ports.key, "an array of port numbers"),
                        }
                    }
                    c.host_loopback_ports = list;
                }
                None => self.wrong_type(v, ports.key, "an array of port numbers"),
            }
        }
        if let Some((s, span)) = self.string(pm.take("rootful_gateway")) {
            if s.parse::<std::net::IpAddr>().is_ok() {
                c.rootful_gateway = s.to_string();
            } else {
                self.push(Code::BadIp, span, format!("{s:?} is not an IP address"), None);
            }
        }
        self.bool(pm.take("verify_mounts"), &mut c.verify_mounts);
        if let Some(items) = self.strings(pm.take("network_pools")) {
            let mut list = Vec::new();
            for (s, span) in items {
                match crate::subnet::Net::parse(s).filter(|n| s.contains('/') && n.len <= 24) {
                    Some(n) => list.push(n),
                    None => self.push(
                        Code::BadNetworkPool,
                        span,
                        format!("{s:?} is not an IPv4 range of /24 or wider"),
                        Some("a range such as \"10.89.0.0/16\"; each network gets a /24 of it".into()),
                    ),
                }
            }
            c.network_pools = list;
        }
    }

    fn size(&mut self, s: &str, span: Range<usize>) -> Option<u64> {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            self.push(
                Code::UnitlessSize,
                span.clone(),
                format!("size {s:?} has no unit and means {s} bytes"),
                Some(format!(
                    "write the unit: \"{s}m\", \"{s}g\" (or \"{s}b\" for bytes)"
                )),
            );
        }
        match units::parse_bytes(s) {
            Some(b) if b > 0 => Some(b),
            _ => {
                self.push(
                    Code::BadSize,
                    span,
                    format!("invalid size {s:?}"),
                    Some("a size such as \"512m\" or \"4g\" (units b, k, m, g, t)".into()),
                );
                None
            }
        }
    }

    fn caps(&mut self, f: Field, allow_all: bool) -> Option<Vec<(String, Range<usize>)>> {
        let list = self.strings(f)?;
        let mut out = Vec::new();
        for (s, span) in list {
            let cap = normalize_cap(s);
            if cap == "ALL" && !allow_all {
                self.push(
                    Code::BadCapability,
                    span,
                    "\"ALL\" cannot be allowed".into(),
                    Some("list the capabilities the agent needs".into()),
                );
            } else if cap != "ALL" && !CAPABILITIES.contains(&cap.as_str()) {
                let hint = did_you_mean(&cap, CAPABILITIES).map(|c| format!("did you mean \"{c}\"?"));
                self.push(
                    Code::BadCapability,
                    span,
                    format!("unknown capability {s:?}"),
                    hint,
                );
            } else {
                out.push((cap, span));
            }
        }
        Some(out)
    }

    fn hardening(&mut self, t: &mut Keys, h: &mut Hardening) {
        self.bool(t.take("read_only"), &mut h.read_only);
        self.bool(t.take("no_new_privileges"), &mut h.no_new_privileges);
        if let Some(d) = self.caps(t.take("drop_capabilities"), true) {
            h.drop_capabilities = d.into_iter().map(|(c, _)| c).collect();
        }
        if let Some(a) = self.caps(t.take("allowed_capabilities"), false) {
            for (cap, span) in &a {
                if h.drop_capabilities.iter().any(|d| d == cap) {
                    self.push(
                        Code::CapDropAndAllow,
                        span.clone(),
                        format!("{cap} is both dropped and allowed"),
                        Some("remove it from drop_capabilities or from allowed_capabilities".into()),
                    );
                }
            }
            h.allowed_capabilities = a.into_iter().map(|(c, _)| c).collect();
        }
        let tmpfs = t.take("tmpfs");
        if let Some(v) = tmpfs.value {
            match v.get_ref().as_array() {
                Some(arr) => {
                    let mut list: Vec<Tmpfs> = Vec::new();
                    for item in arr.iter() {
                        let Some(it) = item.get_ref().as_table() else {
                            self.wrong_type(item, tmpfs.key, "a table ([[hardening.tmpfs]])");
                            continue;
                        };
                        let entry = t.child(it, tmpfs.key.name, true);
                        if let Some(tm) = self.read(entry, |r, e| r.tmpfs(e, item.span())) {
                            self.own_spans.tmpfs.push((tm.path.clone(), item.span()));
                            if list.iter().any(|o| o.path == tm.path) {
                                self.push(
                                    Code::DuplicateTmpfs,
                                    item.span(),
                                    format!("tmpfs path {:?} is listed twice", tm.path),
                                    None,
                                );
                            }
                            list.push(tm);
                        }
                    }
                    h.tmpfs = list;
                }
                None => self.wrong_type(v, tmpfs.key, "an array of tables ([[hardening.tmpfs]])"),
            }
            if h.read_only && v.get_ref().as_array().is_some_and(|a| a.is_empty()) {
                self.push(
                    Code::ReadOnlyNoTmpfs,
                    v.span(),
                    "read_only is on but no tmpfs is writable".into(),
                    Some("the agent writes /tmp and /home/node; add [[hardening.tmpfs]] entries".into()),
                );
            }
        }
        if let Some((s, span)) = self.scalar(t.take("shm_size")) {
            h.shm_size = s.and_then(|s| self.size(&s, span.clone()));
            self.own_spans.shm = Some(span);
        }
        if let Some(k) = self.caps(t.take("keep_capabilities"), false) {
            h.keep_capabilities = k.into_iter().map(|(c, _)| c).collect();
        }
        self.bool(t.take("init"), &mut h.init);
        self.bool(t.take("no_healthcheck"), &mut h.no_healthcheck);
        self.bool(t.take("shadow_repositories"), &mut h.shadow_repositories);
    }

    /// One `[[hardening.tmpfs]]` entry. Every key is asked for before any is judged, so an entry
    /// without a usable `path` still knows its other keys (and is not judged further).
    fn tmpfs(&mut self, t: &mut Keys, span: Range<usize>) -> Option<Tmpfs> {
        let path = t.take("path");
        let size = t.take("size");
        let mode = t.take("mode");
        let exec = t.take("exec");
        let Some((path, pspan)) = self.string(path) else {
            if path.value.is_none() {
                self.push(Code::MissingKey, span, "a tmpfs entry needs `path`".into(), None);
            }
            return None;
        };
        let norm = String::from_utf8_lossy(&crate::mounts::normalize(path.as_bytes())).into_owned();
        let path_ok = path.starts_with('/')
            && !path.split('/').any(|c| c == "..")
            && !path.contains([':', ','])
            && norm != "/";
        if !path_ok {
            self.push(
                Code::BadPath,
                pspan,
                format!("{path:?} is not a usable tmpfs path"),
                Some("an absolute container path other than /, without `..`, `:` or `,`".into()),
            );
        }
        let mut tm = Tmpfs {
            path: norm,
            size: None,
            mode: None,
            exec: false,
        };
        if let Some((s, vspan)) = self.scalar(size) {
            tm.size = s.and_then(|s| self.size(&s, vspan));
        }
        if let Some((s, mspan)) = self.string(mode) {
            match u32::from_str_radix(s, 8) {
                Ok(m) if m <= 0o7777 && !s.is_empty() => tm.mode = Some(m),
                _ => self.push(
                    Code::BadFileMode,
                    mspan,
                    format!("invalid mode {s:?}"),
                    Some("an octal string such as \"1777\"".into()),
                ),
            }
        }
        self.bool(exec, &mut tm.exec);
        path_ok.then_some(tm)
    }

    /// `[deny]`: a switch per [`DENY_SWITCHES`] row, then `add_` and `remove_` of each
    /// [`DenyList`], in that order.
    fn deny(&mut self, t: &mut Keys, d: &mut Deny) {
        for &(key, rule, _) in DENY_SWITCHES {
            let mut on = d.on(rule);
            self.bool(t.take(key), &mut on);
            d.set(rule, on);
        }
        let check = |r: &mut Self, which: DenyList, s: &str, span: Range<usize>| {
            if which == DenyList::CredentialNames {
                // A name is matched whole, or written `*SUFFIX` or `*INFIX*SUFFIX`
                // ([`crate::hostpath`]); any other star or glob was taken literally and matched
                // nothing, with `policy check` content (the thirty-seventh pass's look).
                let stars = s.matches('*').count();
                let why = if s.is_empty() || s.contains('/') {
                    Some("a name is one path component, not empty and without `/`")
                } else if s.contains(['?', '[', ']']) || (stars > 0 && !s.starts_with('*')) || stars > 2 {
                    Some("only `*SUFFIX` and `*INFIX*SUFFIX` are patterns")
                } else if s.ends_with('*') || s.starts_with("**") {
                    Some("a pattern needs a suffix after its last `*`, and an infix between two")
                } else {
                    None
                };
                if let Some(why) = why {
                    r.push(
                        Code::BadGlob,
                        span,
                        format!("{s:?} is no credential name: {why}"),
                        Some("write a name (`.env`), `*SUFFIX` (`*.key`) or `*INFIX*SUFFIX` (`*-adminsdk-*.json`)".into()),
                    );
                    return false;
                }
                return true;
            }
            if which == DenyList::WritableImages {
                // Matched as names are, without `localhost/`, tag and digest, and one component
                // at a time: a pattern no name can match is a mistake to say, not to keep.
                let bare = s.strip_prefix("localhost/").unwrap_or(s);
                let last = bare.rsplit('/').next().unwrap_or(bare);
                let why = match crate::glob::Glob::new(s) {
                    Err(why) => why,
                    Ok(_) if bare.is_empty() || bare.split('/').any(str::is_empty) => {
                        "an empty name or component".into()
                    }
                    Ok(_) if last.contains([':', '@']) => {
                        "a tag or digest (names are matched without them)".into()
                    }
                    Ok(_)
                        if s.chars()
                            .any(|c| c.is_ascii_uppercase() || c.is_whitespace() || c.is_control()) =>
                    {
                        "upper case or a blank, which no image name has".into()
                    }
                    Ok(_) => return true,
                };
                return r.bad_name_pattern(span, s, "image", &why);
            }
            if let Some(kind) = match which {
                DenyList::WritableVolumes => Some("volume"),
                DenyList::WritableNetworks => Some("network"),
                DenyList::ConnectableContainers => Some("container"),
                DenyList::WritableProjectDirs => Some("project folder"),
                DenyList::FuseFileSystems => Some("FUSE program"),
                _ => None,
            } {
                let why = match crate::glob::Glob::new(s) {
                    Err(why) => why,
                    Ok(_) if s.is_empty() || s.contains('/') || s.contains(':') || s.contains(',') => {
                        format!("a {kind} name is one word, without `/`, `:` or `,`")
                    }
                    Ok(_) => return true,
                };
                return r.bad_name_pattern(span, s, kind, &why);
            }
            let ok = !which.holds_paths() || s.starts_with('/') || s.starts_with("~/") || s == "~";
            if !ok {
                r.push(
                    Code::BadPath,
                    span,
                    format!("{s:?} is not an absolute host path"),
                    Some("start it with `/` or `~/`".into()),
                );
            }
            ok
        };
        for which in DenyList::ALL {
            let key = which.key();
            let add = Key {
                prefix: "add_",
                name: key,
            };
            if let Some(list) = self.strings(t.take(add)) {
                for (s, span) in list {
                    if check(self, which, s, span) && !d.list(which).iter().any(|p| p == s) {
                        d.list_mut(which).push(s.to_string().into());
                    }
                }
            }
            let remove = Key {
                prefix: "remove_",
                name: key,
            };
            if let Some(list) = self.strings(t.take(remove)) {
                for (s, span) in list {
                    if !check(self, which, s, span.clone()) {
                        continue;
                    }
                    let before = d.list(which).len();
                    d.list_mut(which).retain(|p| p != s);
                    if before == d.list(which).len() {
                        let code = if which == DenyList::SensitivePaths {
                            Code::UnknownSensitivePath
                        } else {
                            Code::UnknownEntry
                        };
                        self.push(
                            code,
                            span,
                            format!("{s:?} is not in the {key} list"),
                            Some(format!("the list is: {}", d.list(which).join(", "))),
                        );
                    }
                }
            }
        }
    }

    fn profile(&mut self, t: &mut Keys, span: Range<usize>, index: usize, global: &Rules) -> Profile {
        let name = match self.string(t.take("name")) {
            Some((s, _)) => s.to_string(),
            None => format!("profile-{}", index + 1),
        };
        let mut prof = Profile {
            name,
            image: None,
            container: None,
            labels: Vec::new(),
            mode: None,
            exempt: false,
            rules: global.clone(),
        };
        let matched = self.table(t, "match", |r, m| {
            let image = m.take("image");
            let container = m.take("container");
            let labels = m.take("labels");
            // A matcher that can never match, or an empty list that matches every container,
            // is a profile the operator misreads (the hundred-and-thirteenth look's: `labels = []`
            // lifted every container's ceilings, `"nanoclaw-role = agent"` tightened nothing).
            let bad = |r: &mut Self, span: Range<usize>, what: String| {
                r.push(
                    Code::BadMatch,
                    span,
                    format!("profile {:?}: {what}", prof.name),
                    Some("name an image or container glob, or each label by its key, or its key and value joined by `=`, without blanks".into()),
                );
            };
            prof.image = r.glob(image);
            prof.container = r.glob(container);
            if let Some(list) = r.strings(labels) {
                if list.is_empty() {
                    bad(r, span.clone(), "an empty labels list, which matches every container".into());
                }
                for (s, span) in &list {
                    let (k, v) = match s.split_once('=') {
                        Some((k, v)) => (k, Some(v)),
                        None => (&s[..], None),
                    };
                    let blank = |t: &str| t.is_empty() || t.trim() != t;
                    if blank(k) || v.is_some_and(|v| v.trim() != v) {
                        bad(r, span.clone(), format!("label {s:?} has an empty key or blanks around a key or value, which no label podman sets has"));
                    }
                }
                prof.labels = list
                    .into_iter()
                    .map(|(s, _)| match s.split_once('=') {
                        Some((k, v)) => (k.to_string(), Some(v.to_string())),
                        None => (s.to_string(), None),
                    })
                    .collect();
            }
            // A matcher that failed to parse is an error already, not "matches everything".
            if [image, container, labels].iter().all(|f| f.value.is_none()) {
                r.push(
                    Code::MatchAll,
                    span.clone(),
                    format!("profile {:?} matches every invocation", prof.name),
                    Some("give [profile.match] an image, container or labels".into()),
                );
            }
        });
        if matched.is_none() {
            self.push(
                Code::MatchAll,
                span,
                format!(
                    "profile {:?} has no [profile.match] and matches every invocation",
                    prof.name
                ),
                None,
            );
        }
        if let Some((s, mspan)) = self.string(t.take("mode")) {
            prof.mode = self.mode(s, mspan);
        }
        self.bool(t.take("exempt"), &mut prof.exempt);
        self.rules(t, &mut prof.rules);
        prof
    }

    fn glob(&mut self, f: Field) -> Option<Glob> {
        let (s, span) = self.string(f)?;
        if s.is_empty() {
            self.push(
                Code::BadMatch,
                span,
                "an empty glob, which matches nothing".into(),
                Some("name an image or container glob (`*` matches every one)".into()),
            );
            return None;
        }
        match Glob::new(s) {
            Ok(g) => Some(g),
            Err(e) => {
                self.push(
                    Code::BadGlob,
                    span,
                    format!("invalid glob {s:?}: {e}"),
                    Some("globs use `*`, `?` and `[...]`; match a literal `[` with `[[]`".into()),
                );
                None
            }
        }
    }
}

/// The closest known word within edit distance 2, for "did you mean".
pub fn did_you_mean<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| {
            (
                levenshtein(&word.to_ascii_lowercase(), &k.to_ascii_lowercase()),
                *k,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// `"1000:1000"` → (1000, 1000).
fn parse_uid_gid(s: &str) -> Option<(u32, u32)> {
    let (u, g) = s.split_once(':')?;
    Some((u.parse().ok()?, g.parse().ok()?))
}

/// Every capability name the kernel knows (without `CAP_`).
pub const CAPABILITIES: &[&str] = &[
    "AUDIT_CONTROL",
    "AUDIT_READ",
    "AUDIT_WRITE",
    "BLOCK_SUSPEND",
    "BPF",
    "CHECKPOINT_RESTORE",
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "IPC_LOCK",
    "IPC_OWNER",
    "KILL",
    "LEASE",
    "LINUX_IMMUTABLE",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "MKNOD",
    "NET_ADMIN",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_RAW",
    "PERFMON",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYSLOG",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_CHROOT",
    "SYS_MODULE",
    "SYS_NICE",
    "SYS_PACCT",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "WAKE_ALARM",
];

/// A normalised capability as a message may name it: one the kernel has by its name, anything
/// else by its length (a token pasted there, upper-cased, escaped the redaction of the caller's
/// spelling: the fifty-second and seventy-seventh looks').
pub fn shown_cap(normal: &str) -> String {
    if CAPABILITIES.contains(&normal) || normal == "ALL" {
        normal.to_string()
    } else {
        format!("<{} bytes, not a capability>", normal.len())
    }
}

/// Normalises a capability as docker does: case-insensitive, optional `CAP_` prefix.
pub fn normalize_cap(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    upper.strip_prefix("CAP_").map(str::to_string).unwrap_or(upper)
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}
