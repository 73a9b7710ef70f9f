//! Reading a policy file: a spanned TOML tree validated key by key, so every problem is reported
//! with its position, and a key left out keeps its default.

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
    };
    let policy = match DeTable::parse(text) {
        Ok(root) => r.policy(root.get_ref()),
        Err(e) => {
            r.push(
                Code::Syntax,
                e.span().map_or(0..0, |s| s.start..s.end),
                e.message()
                    .lines()
                    .next()
                    .unwrap_or("invalid TOML")
                    .trim()
                    .to_string(),
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
}

pub(super) const TOP_KEYS: &[&str] = &[
    "mode",
    "runtime",
    "commands",
    "hardening",
    "limits",
    "deny",
    "podman",
    "log",
    "profile",
];
const RUNTIME_KEYS: &[&str] = &["binary", "flavor"];
const COMMANDS_KEYS: &[&str] = &["allow", "deny"];
const HARDENING_KEYS: &[&str] = &[
    "read_only",
    "no_new_privileges",
    "drop_capabilities",
    "allowed_capabilities",
    "tmpfs",
    "shm_size",
    "keep_capabilities",
    "init",
];
const TMPFS_KEYS: &[&str] = &["path", "size", "mode", "exec"];
const LIMITS_KEYS: &[&str] = &[
    "cpus",
    "memory",
    "pids",
    "shm_size",
    "tmpfs_size",
    "refuse_unenforced",
];
/// Every `[deny]` key: [`DENY_SWITCHES`] and `add_` / `remove_` of each [`DenyList`] (a test
/// checks the two agree).
pub(super) const DENY_KEYS: &[&str] = &[
    "privileged",
    "host_namespaces",
    "container_namespaces",
    "weak_security_options",
    "capabilities",
    "devices",
    "volumes_from",
    "api_socket",
    "env_host",
    "shared_propagation",
    "sensitive_mounts",
    "root_user",
    "exec_privileged",
    "exec_root",
    "update_above_limits",
    "denied_flags",
    "podman_only_flags",
    "ceiling_escapes",
    "host_files",
    "credentials",
    "host_exec",
    "outside_writable_roots",
    "runtime_annotations",
    "keep_groups",
    "network_options",
    "public_ports",
    "engine_redirect",
    "untrusted_runtime_config",
    "build_options",
    "add_sensitive_paths",
    "remove_sensitive_paths",
    "add_credential_paths",
    "remove_credential_paths",
    "add_credential_names",
    "remove_credential_names",
    "add_host_exec_paths",
    "remove_host_exec_paths",
    "add_writable_roots",
    "remove_writable_roots",
    "add_allow_flags",
    "remove_allow_flags",
    "add_allowed_security_options",
    "remove_allowed_security_options",
    "add_runtime_annotations",
    "remove_runtime_annotations",
];
const PODMAN_KEYS: &[&str] = &[
    "keep_id",
    "keep_id_user",
    "host_gateway",
    "host_loopback",
    "host_loopback_ports",
    "rootful_gateway",
];
const LOG_KEYS: &[&str] = &["path"];
const PROFILE_KEYS: &[&str] = &[
    "name",
    "match",
    "mode",
    "exempt",
    "hardening",
    "limits",
    "deny",
    "podman",
];
const MATCH_KEYS: &[&str] = &["image", "container", "labels"];

/// Every section and its keys (for documentation checks).
pub const SCHEMA: &[(&str, &[&str])] = &[
    ("", TOP_KEYS),
    ("[runtime]", RUNTIME_KEYS),
    ("[commands]", COMMANDS_KEYS),
    ("[hardening]", HARDENING_KEYS),
    ("[[hardening.tmpfs]]", TMPFS_KEYS),
    ("[limits]", LIMITS_KEYS),
    ("[deny]", DENY_KEYS),
    ("[podman]", PODMAN_KEYS),
    ("[log]", LOG_KEYS),
    ("[[profile]]", PROFILE_KEYS),
    ("match.", MATCH_KEYS),
];

fn get<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<&'a Value<'i>> {
    t.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v)
}

impl<'t> Reader<'t> {
    /// Records a diagnostic; its severity is the code's.
    fn push(&mut self, code: Code, span: Range<usize>, message: String, hint: Option<String>) {
        let position = Some(line_col(self.text, span.start));
        self.diags.push(Diagnostic {
            severity: code.severity(),
            code,
            message,
            hint,
            position,
        });
    }

    fn keys(&mut self, t: &DeTable, allowed: &[&str], section: &str) {
        for (k, _) in t.iter() {
            let key: &str = k.get_ref();
            if !allowed.contains(&key) {
                let hint = did_you_mean(key, allowed)
                    .map(|s| format!("did you mean `{s}`?"))
                    .or_else(|| Some(format!("known keys here: {}", allowed.join(", "))));
                let place = if section.is_empty() {
                    "at the top level".to_string()
                } else {
                    format!("in [{section}]")
                };
                self.push(
                    Code::UnknownKey,
                    k.span(),
                    format!("unknown key `{key}` {place}"),
                    hint,
                );
            }
        }
    }

    fn wrong_type(&mut self, v: &Value, key: &str, want: &str) {
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

    fn table<'a, 'i>(&mut self, t: &'a DeTable<'i>, key: &str) -> Option<&'a DeTable<'i>> {
        let v = get(t, key)?;
        match v.get_ref() {
            DeValue::Table(inner) => Some(inner),
            _ => {
                self.wrong_type(v, key, "a table");
                None
            }
        }
    }

    fn bool(&mut self, t: &DeTable, key: &str, slot: &mut bool) {
        if let Some(v) = get(t, key) {
            match v.get_ref().as_bool() {
                Some(b) => *slot = b,
                None => self.wrong_type(v, key, "true or false"),
            }
        }
    }

    fn string<'a>(&mut self, t: &'a DeTable, key: &str) -> Option<(&'a str, Range<usize>)> {
        let v = get(t, key)?;
        match v.get_ref().as_str() {
            Some(s) => Some((s, v.span())),
            None => {
                self.wrong_type(v, key, "a string");
                None
            }
        }
    }

    fn strings<'a>(&mut self, t: &'a DeTable, key: &str) -> Option<Vec<(&'a str, Range<usize>)>> {
        let v = get(t, key)?;
        let Some(arr) = v.get_ref().as_array() else {
            self.wrong_type(v, key, "an array of strings");
            return None;
        };
        let mut out = Vec::new();
        for item in arr.iter() {
            match item.get_ref().as_str() {
                Some(s) => out.push((s, item.span())),
                None => self.wrong_type(item, key, "an array of strings"),
            }
        }
        Some(out)
    }

    /// A number or string, as text (limits accept both), or `None` for `false` / `"off"`.
    fn scalar(&mut self, t: &DeTable, key: &str) -> Option<(Option<String>, Range<usize>)> {
        let v = get(t, key)?;
        let text = match v.get_ref() {
            DeValue::Integer(i) if i.radix() == 10 => Some(i.as_str().replace('_', "")),
            DeValue::Float(f) => Some(f.as_str().replace('_', "")),
            DeValue::String(s) if s == "off" => None,
            DeValue::String(s) => Some(s.to_string()),
            DeValue::Boolean(false) => None,
            _ => {
                self.wrong_type(v, key, "a number, a string, or \"off\"");
                return None;
            }
        };
        Some((text, v.span()))
    }

    fn policy(&mut self, root: &DeTable) -> Policy {
        self.keys(root, TOP_KEYS, "");
        let mut p = Policy::default();
        if let Some((s, span)) = self.string(root, "mode") {
            p.mode = self.mode(s, span).unwrap_or(Mode::Enforce);
        }
        if let Some(t) = self.table(root, "runtime") {
            self.keys(t, RUNTIME_KEYS, "runtime");
            if let Some((s, span)) = self.string(t, "binary") {
                if s.trim().is_empty() {
                    self.push(Code::BadRuntime, span, "`binary` must not be empty".into(), None);
                } else {
                    p.runtime.binary = s.to_string();
                }
            }
            if let Some((s, span)) = self.string(t, "flavor") {
                use Flavor;
                p.runtime.flavor = match s {
                    "auto" => None,
                    "podman" => Some(Flavor::Podman),
                    "docker" => Some(Flavor::Docker),
                    _ => {
                        self.push(
                            Code::BadFlavor,
                            span,
                            format!("unknown flavor {s:?}"),
                            Some("use \"auto\", \"podman\" or \"docker\"".into()),
                        );
                        None
                    }
                };
            }
        }
        if let Some(t) = self.table(root, "commands") {
            self.keys(t, COMMANDS_KEYS, "commands");
            for (key, slot) in [("allow", &mut p.commands.allow), ("deny", &mut p.commands.deny)] {
                if let Some(list) = self.strings(t, key) {
                    *slot = list.into_iter().map(|(s, _)| s.trim().to_string()).collect();
                }
            }
        }
        let mut rules = Rules::default();
        self.rules(root, &mut rules, "");
        if let Some(t) = self.table(root, "log") {
            self.keys(t, LOG_KEYS, "log");
            if let Some((s, span)) = self.string(t, "path") {
                let path = expand_home(s);
                if !path.is_absolute() {
                    self.push(
                        Code::BadPath,
                        span,
                        format!("log path {s:?} is not absolute"),
                        Some("use an absolute path or one starting with `~/`".into()),
                    );
                }
                p.log.path = Some(path);
            }
        }
        if let Some(v) = get(root, "profile") {
            match v.get_ref().as_array() {
                Some(arr) => {
                    for (i, item) in arr.iter().enumerate() {
                        match item.get_ref().as_table() {
                            Some(t) => {
                                if let Some(prof) = self.profile(t, item.span(), i, &rules) {
                                    if p.profiles.iter().any(|q| q.name == prof.name) {
                                        self.push(
                                            Code::DuplicateProfile,
                                            item.span(),
                                            format!("profile name {:?} is used twice", prof.name),
                                            Some("only the first match applies; rename one".into()),
                                        );
                                    }
                                    p.profiles.push(prof);
                                }
                            }
                            None => self.wrong_type(item, "profile", "a table ([[profile]])"),
                        }
                    }
                }
                None => self.wrong_type(v, "profile", "an array of tables ([[profile]])"),
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

    /// Reads `[hardening]`, `[limits]`, `[deny]`, `[podman]` of `t` over `rules`.
    fn rules(&mut self, t: &DeTable, rules: &mut Rules, prefix: &str) {
        let sect = |s: &str| {
            if prefix.is_empty() {
                s.to_string()
            } else {
                format!("{prefix}.{s}")
            }
        };
        if let Some(h) = self.table(t, "hardening") {
            self.hardening(h, &mut rules.hardening, &sect("hardening"));
        }
        if let Some(l) = self.table(t, "limits") {
            self.keys(l, LIMITS_KEYS, &sect("limits"));
            if let Some((v, span)) = self.scalar(l, "cpus") {
                rules.limits.cpus = v.and_then(|s| match NanoCpus::parse(&s) {
                    Some(c) if c.0 > 0 => Some(c),
                    _ => {
                        self.push(
                            Code::BadCpus,
                            span.clone(),
                            format!("invalid cpus {s:?}"),
                            Some("a positive number such as 2 or 1.5, or \"off\"".into()),
                        );
                        None
                    }
                });
            }
            if let Some((v, span)) = self.scalar(l, "memory") {
                rules.limits.memory = v.and_then(|s| {
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
            if let Some((v, span)) = self.scalar(l, "shm_size") {
                rules.limits.shm_size = v.and_then(|s| self.size(&s, span.clone()));
            }
            self.bool(l, "refuse_unenforced", &mut rules.limits.refuse_unenforced);
            if let Some((v, span)) = self.scalar(l, "tmpfs_size") {
                rules.limits.tmpfs_size = v.and_then(|s| self.size(&s, span.clone()));
            }
            if let Some((v, span)) = self.scalar(l, "pids") {
                rules.limits.pids = v.and_then(|s| match s.parse::<u64>() {
                    Ok(n) if n > 0 => Some(n),
                    _ => {
                        self.push(
                            Code::BadPids,
                            span.clone(),
                            format!("invalid pids {s:?}"),
                            Some("a positive integer, or \"off\"".into()),
                        );
                        None
                    }
                });
            }
        }
        if let Some(d) = self.table(t, "deny") {
            self.deny(d, &mut rules.deny, &sect("deny"));
        }
        if let Some(pm) = self.table(t, "podman") {
            self.keys(pm, PODMAN_KEYS, &sect("podman"));
            let c = &mut rules.podman;
            self.bool(pm, "keep_id", &mut c.keep_id);
            self.bool(pm, "host_gateway", &mut c.host_gateway);
            self.bool(pm, "host_loopback", &mut c.host_loopback);
            if let Some(v) = get(pm, "host_loopback_ports") {
                match v.get_ref().as_array() {
                    Some(arr) => {
                        let mut ports = Vec::new();
                        for item in arr.iter() {
                            match item.get_ref() {
                                DeValue::Integer(i) => match i.as_str().parse::<u16>() {
                                    Ok(p) if p > 0 => ports.push(p),
                                    _ => self.push(
                                        Code::BadPort,
                                        item.span(),
                                        format!("{} is not a TCP port", i.as_str()),
                                        Some("a number from 1 to 65535".into()),
                                    ),
                                },
                                _ => self.wrong_type(item, "host_loopback_ports", "an array of port numbers"),
                            }
                        }
                        c.host_loopback_ports = ports;
                    }
                    None => self.wrong_type(v, "host_loopback_ports", "an array of port numbers"),
                }
            }
            if let Some((s, span)) = self.string(pm, "keep_id_user") {
                match parse_uid_gid(s) {
                    Some(ug) => c.keep_id_user = ug,
                    None => self.push(
                        Code::BadUser,
                        span,
                        format!("invalid keep_id_user {s:?}"),
                        Some("numeric \"uid:gid\", e.g. \"1000:1000\"".into()),
                    ),
                }
            }
            if let Some((s, span)) = self.string(pm, "rootful_gateway") {
                if s.parse::<std::net::IpAddr>().is_ok() {
                    c.rootful_gateway = s.to_string();
                } else {
                    self.push(Code::BadIp, span, format!("{s:?} is not an IP address"), None);
                }
            }
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

    fn caps(&mut self, t: &DeTable, key: &str, allow_all: bool) -> Option<Vec<(String, Range<usize>)>> {
        let list = self.strings(t, key)?;
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

    fn hardening(&mut self, t: &DeTable, h: &mut Hardening, section: &str) {
        self.keys(t, HARDENING_KEYS, section);
        self.bool(t, "read_only", &mut h.read_only);
        self.bool(t, "no_new_privileges", &mut h.no_new_privileges);
        let drop = self.caps(t, "drop_capabilities", true);
        let allow = self.caps(t, "allowed_capabilities", false);
        if let Some(k) = self.caps(t, "keep_capabilities", false) {
            h.keep_capabilities = k.into_iter().map(|(c, _)| c).collect();
        }
        self.bool(t, "init", &mut h.init);
        if let Some(d) = &drop {
            h.drop_capabilities = d.iter().map(|(c, _)| c.clone()).collect();
        }
        if let Some(a) = &allow {
            h.allowed_capabilities = a.iter().map(|(c, _)| c.clone()).collect();
            for (cap, span) in a {
                if h.drop_capabilities.iter().any(|d| d == cap) {
                    self.push(
                        Code::CapDropAndAllow,
                        span.clone(),
                        format!("{cap} is both dropped and allowed"),
                        Some("remove it from drop_capabilities or from allowed_capabilities".into()),
                    );
                }
            }
        }
        if let Some(v) = get(t, "shm_size") {
            let span = v.span();
            if let Some((s, _)) = self.scalar(t, "shm_size") {
                h.shm_size = s.and_then(|s| self.size(&s, span));
            }
        }
        if let Some(v) = get(t, "tmpfs") {
            match v.get_ref().as_array() {
                Some(arr) => {
                    let mut list: Vec<Tmpfs> = Vec::new();
                    for item in arr.iter() {
                        let Some(it) = item.get_ref().as_table() else {
                            self.wrong_type(item, "tmpfs", "a table ([[hardening.tmpfs]])");
                            continue;
                        };
                        if let Some(tm) = self.tmpfs(it, item.span(), section) {
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
                None => self.wrong_type(v, "tmpfs", "an array of tables ([[hardening.tmpfs]])"),
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
    }

    fn tmpfs(&mut self, t: &DeTable, span: Range<usize>, section: &str) -> Option<Tmpfs> {
        self.keys(t, TMPFS_KEYS, &format!("{section}.tmpfs"));
        let Some((path, pspan)) = self.string(t, "path") else {
            if get(t, "path").is_none() {
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
        if let Some(v) = get(t, "size") {
            let vspan = v.span();
            if let Some((s, _)) = self.scalar(t, "size") {
                tm.size = s.and_then(|s| self.size(&s, vspan));
            }
        }
        if let Some((s, mspan)) = self.string(t, "mode") {
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
        self.bool(t, "exec", &mut tm.exec);
        path_ok.then_some(tm)
    }

    fn deny(&mut self, t: &DeTable, d: &mut Deny, section: &str) {
        self.keys(t, DENY_KEYS, section);
        for &(key, rule, _) in DENY_SWITCHES {
            let mut on = d.on(rule);
            self.bool(t, key, &mut on);
            d.set(rule, on);
        }
        let check = |r: &mut Self, which: DenyList, s: &str, span: Range<usize>| {
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
            if let Some(list) = self.strings(t, &format!("add_{key}")) {
                for (s, span) in list {
                    if check(self, which, s, span) && !d.list(which).iter().any(|p| p == s) {
                        d.list_mut(which).push(s.to_string().into());
                    }
                }
            }
            if let Some(list) = self.strings(t, &format!("remove_{key}")) {
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

    fn profile(&mut self, t: &DeTable, span: Range<usize>, index: usize, global: &Rules) -> Option<Profile> {
        self.keys(t, PROFILE_KEYS, "profile");
        let name = match self.string(t, "name") {
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
        match self.table(t, "match") {
            Some(m) => {
                self.keys(m, MATCH_KEYS, "profile.match");
                prof.image = self.glob(m, "image");
                prof.container = self.glob(m, "container");
                if let Some(list) = self.strings(m, "labels") {
                    prof.labels = list
                        .into_iter()
                        .map(|(s, _)| match s.split_once('=') {
                            Some((k, v)) => (k.to_string(), Some(v.to_string())),
                            None => (s.to_string(), None),
                        })
                        .collect();
                }
                // A matcher that failed to parse is an error already, not "matches everything".
                let named = ["image", "container", "labels"]
                    .iter()
                    .any(|k| get(m, k).is_some());
                if !named {
                    self.push(
                        Code::MatchAll,
                        span.clone(),
                        format!("profile {:?} matches every invocation", prof.name),
                        Some("give [profile.match] an image, container or labels".into()),
                    );
                }
            }
            None => self.push(
                Code::MatchAll,
                span,
                format!(
                    "profile {:?} has no [profile.match] and matches every invocation",
                    prof.name
                ),
                None,
            ),
        }
        if let Some((s, mspan)) = self.string(t, "mode") {
            prof.mode = self.mode(s, mspan);
        }
        self.bool(t, "exempt", &mut prof.exempt);
        self.rules(t, &mut prof.rules, "profile");
        Some(prof)
    }

    fn glob(&mut self, t: &DeTable, key: &str) -> Option<Glob> {
        let (s, span) = self.string(t, key)?;
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

/// Expands a leading `~/` with `$HOME`.
pub fn expand_home(s: &str) -> PathBuf {
    match (s.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(s),
    }
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
