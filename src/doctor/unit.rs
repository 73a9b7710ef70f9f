//! The PATH and environment a systemd user unit runs with: its `Environment=` lines (quoting,
//! specifiers, drop-ins) and what `systemctl --user show` reports, merged the way systemd
//! merges them. Parsing and the decision are pure; `unit_path` reads the files and asks
//! systemctl.

use std::ffi::OsStr;
use std::path::PathBuf;

use super::check::{Check, CheckId};
use super::{PROBE_TIMEOUT, capture, home_dir};
use crate::process::euid;

/// Where a systemd user manager's PATH comes from when neither the unit nor the manager's
/// environment can be read (systemd's compiled-in default).
pub(crate) const SYSTEMD_DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Values systemd substitutes for `%` specifiers in `Environment=`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Specifiers {
    /// `%h`
    pub(crate) home: String,
    /// `%u`
    pub(crate) user: String,
    /// `%U`
    pub(crate) uid: String,
    /// `%t`
    pub(crate) runtime_dir: String,
}

/// Expands `%h %u %U %t %%` in one word; other specifiers are kept as written.
pub(crate) fn expand_specifiers(word: &str, spec: &Specifiers) -> String {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('h') => out.push_str(&spec.home),
            Some('u') => out.push_str(&spec.user),
            Some('U') => out.push_str(&spec.uid),
            Some('t') => out.push_str(&spec.runtime_dir),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// Splits a systemd value into words as `Environment=` does: whitespace separates words, double
/// and single quotes group (anywhere in a word), a backslash escapes the next character.
pub(crate) fn systemd_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (_, '\\') => {
                in_word = true;
                match chars.next() {
                    Some('n') => cur.push('\n'),
                    Some('t') => cur.push('\t'),
                    Some('s') => cur.push(' '),
                    Some(e) => cur.push(e),
                    None => {}
                }
            }
            (_, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// Sets `key` in an ordered environment (a later assignment replaces an earlier one).
pub(crate) fn set_env(env: &mut Vec<(String, String)>, key: &str, value: &str) {
    match env.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = value.to_string(),
        None => env.push((key.to_string(), value.to_string())),
    }
}

/// Looks a variable up in an environment list.
pub(crate) fn env_get<'a>(env: &'a [(String, String)], key: &str) -> Option<&'a str> {
    env.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Applies the `Environment=` lines of the `[Service]` section of one unit file (or drop-in) to
/// `env`: each `KEY=value` word sets a variable, the last assignment wins, and an empty
/// `Environment=` clears what came before. Handles comments, line continuations, quoting and
/// specifiers.
pub(crate) fn apply_unit_environment(env: &mut Vec<(String, String)>, text: &str, spec: &Specifiers) {
    let mut section = String::new();
    let mut logical = String::new();
    for raw in text.lines() {
        let line = raw.trim();
        if logical.is_empty() && (line.starts_with('#') || line.starts_with(';')) {
            continue;
        }
        if let Some(head) = line.strip_suffix('\\') {
            logical.push_str(head);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        let full = std::mem::take(&mut logical);
        let full = full.trim();
        if full.starts_with('[') && full.ends_with(']') {
            section = full[1..full.len() - 1].to_string();
            continue;
        }
        if section != "Service" {
            continue;
        }
        let Some((key, value)) = full.split_once('=') else {
            continue;
        };
        if key.trim() != "Environment" {
            continue;
        }
        let value = value.trim();
        if value.is_empty() {
            env.clear();
            continue;
        }
        for word in systemd_words(value) {
            let word = expand_specifiers(&word, spec);
            if let Some((k, v)) = word.split_once('=') {
                if !k.is_empty() {
                    set_env(env, k, v);
                }
            }
        }
    }
}

/// What `systemctl --user show NAME -p Environment -p LoadState` reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ShowOutput {
    pub(crate) load_state: Option<String>,
    pub(crate) environment: Vec<(String, String)>,
}

/// Parses `systemctl show` output (`Key=value` lines).
pub(crate) fn parse_systemctl_show(out: &str) -> ShowOutput {
    let mut show = ShowOutput::default();
    for line in out.lines() {
        if let Some(v) = line.strip_prefix("LoadState=") {
            show.load_state = Some(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("Environment=") {
            for word in systemd_words(v) {
                if let Some((k, val)) = word.split_once('=') {
                    set_env(&mut show.environment, k, val);
                }
            }
        }
    }
    show
}

/// The unit files read from disk, merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct UnitFiles {
    /// The files that exist, in the order they were applied.
    pub(crate) read: Vec<PathBuf>,
    pub(crate) environment: Vec<(String, String)>,
}

/// Which PATH a unit runs with, where that came from, and the `unit` check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnitPath {
    /// `None`: the unit was not found (the current PATH is checked instead).
    pub(crate) path: Option<String>,
    /// The unit's environment (for `NANOCLAW_SHIM_RUNTIME` / `NANOCLAW_SHIM_POLICY`).
    pub(crate) environment: Vec<(String, String)>,
    /// How the report names this PATH.
    pub(crate) source: String,
    pub(crate) check: Check,
    /// The user manager's environment (`systemctl --user show-environment`), which a unit starts
    /// from; `None` where it cannot be asked.
    pub(crate) manager: Option<Vec<(String, String)>>,
}

pub(crate) fn reload_fix(unit: &str) -> String {
    format!("systemctl --user daemon-reload && systemctl --user restart {unit}")
}

/// Decides the PATH of a user unit from what systemctl reported (`None`: systemctl did not
/// work) and what its files say; `manager_path` is asked only when the unit sets no PATH.
pub(crate) fn decide_unit_path(
    unit: &str,
    show: Option<&ShowOutput>,
    files: &UnitFiles,
    manager_path: impl FnOnce() -> Option<String>,
) -> UnitPath {
    const NAME: CheckId = CheckId::Unit;
    let not_found = show.is_some_and(|s| s.load_state.as_deref() == Some("not-found"));
    let files_found = !files.read.is_empty();
    let file_list = || {
        files
            .read
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (environment, via, mut check) = match show {
        Some(s) if !not_found => {
            let file_path = env_get(&files.environment, "PATH");
            let loaded_path = env_get(&s.environment, "PATH");
            let check = if files_found && file_path != loaded_path {
                Check::warn(
                    NAME,
                    format!(
                        "{unit}.service: its files set PATH={} but systemd has PATH={} loaded",
                        file_path.unwrap_or("(unset)"),
                        loaded_path.unwrap_or("(unset)")
                    ),
                    format!("the files changed since the last reload: {}", reload_fix(unit)),
                )
            } else {
                Check::ok(NAME, format!("{unit}.service is loaded (systemctl --user show)"))
            };
            (s.environment.clone(), "systemctl --user show", check)
        }
        _ if files_found => {
            let check = if not_found {
                Check::warn(
                    NAME,
                    format!(
                        "systemd does not know {unit}.service yet, but {} exist",
                        file_list()
                    ),
                    reload_fix(unit),
                )
            } else {
                Check::ok(
                    NAME,
                    format!(
                        "{unit}.service read from {} (systemctl --user is not available)",
                        file_list()
                    ),
                )
            };
            (files.environment.clone(), "its unit files", check)
        }
        _ => {
            return UnitPath {
                manager: None,
                path: None,
                environment: Vec::new(),
                source: "the current PATH".into(),
                check: Check::fail(
                    NAME,
                    format!(
                        "no systemd user unit {unit}.service (not in ~/.config/systemd/user{})",
                        if show.is_some() {
                            ", unknown to systemctl --user"
                        } else {
                            ""
                        }
                    ),
                    "name the unit nanoclaw runs as (`systemctl --user list-units`), or check a PATH with --path",
                ),
            };
        }
    };
    let (path, source) = match env_get(&environment, "PATH") {
        Some(p) => (p.to_string(), format!("the PATH of {unit}.service (from {via})")),
        None => {
            let (p, whose) = match manager_path() {
                Some(p) => (p, "the systemd user manager's PATH"),
                None => (SYSTEMD_DEFAULT_PATH.to_string(), "systemd's default PATH"),
            };
            check
                .detail
                .push_str(&format!("; it sets no PATH, so {whose} applies"));
            (p, format!("{whose} ({unit}.service sets none)"))
        }
    };
    UnitPath {
        manager: None,
        path: Some(path),
        environment,
        source,
        check,
    }
}

/// Reads `~/.config/systemd/user/NAME.service` and its `NAME.service.d/*.conf` drop-ins.
pub(crate) fn read_unit_files(unit: &str, spec: &Specifiers) -> UnitFiles {
    let mut files = UnitFiles::default();
    let Some(home) = home_dir() else {
        return files;
    };
    let dir = home.join(".config/systemd/user");
    let main = dir.join(format!("{unit}.service"));
    let mut paths = Vec::new();
    if main.is_file() {
        paths.push(main);
    }
    if let Ok(entries) = std::fs::read_dir(dir.join(format!("{unit}.service.d"))) {
        let mut dropins: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "conf") && p.is_file())
            .collect();
        dropins.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        paths.extend(dropins);
    }
    for p in paths {
        if let Ok(text) = std::fs::read_to_string(&p) {
            apply_unit_environment(&mut files.environment, &text, spec);
            files.read.push(p);
        }
    }
    files
}

pub(crate) fn unit_path(unit: &str) -> UnitPath {
    let unit = unit.strip_suffix(".service").unwrap_or(unit);
    let uid = euid();
    let spec = Specifiers {
        home: home_dir().map(|h| h.display().to_string()).unwrap_or_default(),
        user: std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_default(),
        uid: uid.to_string(),
        runtime_dir: std::env::var("XDG_RUNTIME_DIR").unwrap_or_else(|_| format!("/run/user/{uid}")),
    };
    let systemctl = |args: &[&str]| {
        capture(OsStr::new("systemctl"), args, None, PROBE_TIMEOUT)
            .ok()
            .filter(|c| c.success())
            .map(|c| c.stdout)
    };
    let service = format!("{unit}.service");
    let show = systemctl(&["--user", "show", &service, "-p", "Environment", "-p", "LoadState"])
        .map(|out| parse_systemctl_show(&out));
    let files = read_unit_files(unit, &spec);
    let manager = systemctl(&["--user", "show-environment"]).map(|out| parse_environment(&out));
    let mut decided = decide_unit_path(unit, show.as_ref(), &files, || {
        manager
            .as_ref()
            .and_then(|m| env_get(m, "PATH").map(str::to_string))
    });
    decided.manager = manager;
    decided
}

/// `KEY=value` lines of `systemctl --user show-environment` (a value with special characters
/// as `$'...'`, its escapes read).
pub(crate) fn parse_environment(out: &str) -> Vec<(String, String)> {
    let mut env = Vec::new();
    for line in out.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = match v.strip_prefix("$'").and_then(|v| v.strip_suffix('\'')) {
            Some(quoted) => unescape(quoted),
            None => v.to_string(),
        };
        set_env(&mut env, k, &v);
    }
    env
}

/// A `$'...'` value's backslash escapes, as systemd writes them.
fn unescape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}
