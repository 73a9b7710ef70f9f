//! Docker's argv grammar, reproduced exactly, over `OsString`.
//!
//! docker/cli parses global flags, then walks the command path (`run`, `container create`, ...),
//! then parses `run` / `create` with spf13/pflag with interspersed flags disabled: the first
//! positional is the image and nothing after it is a flag. A wrapper that disagrees with that
//! grammar on even one token can be made to see a different container than the one that runs, so
//! this module is strict: every flag must be in [`crate::flags`], booleans accept only `=value`,
//! and anything it does not understand is an error, never a guess.
//!
//! Parsing keeps every original token, grouped by the option it belongs to, so an argv the
//! rewrite leaves alone renders back byte for byte.

use crate::rules::Rule;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::flags::{Arity, Flag, Setting, Table};

/// The commands the shim parses: `run` / `create` (rewritten), `exec` / `update` (checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Run,
    Create,
    Exec,
    Update,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Run => "run",
            Verb::Create => "create",
            Verb::Exec => "exec",
            Verb::Update => "update",
        }
    }

    fn from_bytes(b: &[u8]) -> Option<Verb> {
        match b {
            b"run" => Some(Verb::Run),
            b"create" => Some(Verb::Create),
            b"exec" => Some(Verb::Exec),
            b"update" => Some(Verb::Update),
            _ => None,
        }
    }

    /// The flag table of this command.
    pub fn table(self) -> Table {
        match self {
            Verb::Run | Verb::Create => Table::Run,
            Verb::Exec => Table::Exec,
            Verb::Update => Table::Update,
        }
    }

    /// `run` and `create` start containers; the policy rewrites them.
    pub fn starts_container(self) -> bool {
        matches!(self, Verb::Run | Verb::Create)
    }
}

/// The value an option carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptValue {
    Bool(bool),
    Value(OsString),
}

/// One option as the caller wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    pub flag: &'static Flag,
    pub value: OptValue,
    /// Index into [`RunArgs::groups`]: the tokens this option was read from.
    pub group: usize,
}

impl Opt {
    /// The value bytes of a value flag (empty for booleans).
    pub fn bytes(&self) -> &[u8] {
        match &self.value {
            OptValue::Value(v) => v.as_bytes(),
            OptValue::Bool(_) => b"",
        }
    }

    /// True when a boolean option is on.
    pub fn is_true(&self) -> bool {
        matches!(self.value, OptValue::Bool(true))
    }
}

/// A parsed `run` / `create` / `exec` / `update` invocation. For `exec`, `image` is the
/// container; for `update` (whose flags may follow its arguments), `image` is `None` and `args`
/// holds the containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunArgs {
    /// Global flags and the command path (`--log-level debug container run`), verbatim.
    pub prefix: Vec<OsString>,
    pub verb: Verb,
    /// The caller's option tokens, one group per token run that produced options
    /// (`-dit` is one group of three options; `--name x` one group of one).
    pub groups: Vec<Vec<OsString>>,
    pub opts: Vec<Opt>,
    /// Whether a literal `--` stood before the image.
    pub dashdash: bool,
    /// The image and everything after it (the container's command), never parsed.
    pub image: Option<OsString>,
    pub args: Vec<OsString>,
}

impl RunArgs {
    /// Options whose setting is `canonical` (aliases resolved), in argv order.
    pub fn find(&self, setting: Setting) -> impl Iterator<Item = (usize, &Opt)> + '_ {
        self.opts
            .iter()
            .enumerate()
            .filter(move |(_, o)| *o.flag.canonical_name() == setting.name())
    }

    /// The value of a scalar option: the last occurrence wins.
    pub fn last(&self, setting: Setting) -> Option<(usize, &Opt)> {
        self.find(setting).last()
    }

    /// The effective value of a boolean flag, false when absent.
    pub fn bool_on(&self, setting: Setting) -> bool {
        self.last(setting).is_some_and(|(_, o)| o.is_true())
    }

    /// Renders back to argv (without argv\[0\]).
    pub fn render(&self) -> Vec<OsString> {
        let mut out = self.prefix.clone();
        out.extend(self.groups.iter().flatten().cloned());
        self.render_tail(&mut out);
        out
    }

    /// How many tokens [`RunArgs::render_tail`] appends.
    pub fn tail_len(&self) -> usize {
        usize::from(self.dashdash) + self.image.iter().count() + self.args.len()
    }

    /// Appends `--`, the image and its arguments.
    pub fn render_tail(&self, out: &mut Vec<OsString>) {
        if self.dashdash {
            out.push("--".into());
        }
        out.extend(self.image.iter().cloned());
        out.extend(self.args.iter().cloned());
    }
}

/// What a docker argv asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// `run` / `create` / `exec` / `update` (or their `container` forms): subject to policy.
    Run(RunArgs),
    /// Any other command (or none): passes through untouched. `command` is the subcommand path.
    Other {
        command: Vec<String>,
        /// Where the command's words start in the argv (after docker's global flags).
        at: usize,
    },
}

/// Why an argv was not understood. Each names the token at fault; none carries a flag's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// A flag `verb`'s grammar does not have.
    UnknownFlag(String, Verb),
    UnknownGlobalFlag(String),
    MissingValue(String),
    BadBool {
        flag: String,
        value: String,
    },
    BadSyntax(String),
    MissingImage(Verb),
    /// A global flag before a command in a form podman's pre-scans misread ([`bare_global`]).
    BareGlobal(String),
}

impl ParseError {
    /// Stable rule id, shown by `explain` and in refusals.
    pub fn rule(&self) -> Rule {
        match self {
            ParseError::UnknownFlag(..) | ParseError::UnknownGlobalFlag(_) => Rule::ParseUnknownFlag,
            ParseError::MissingValue(_) => Rule::ParseMissingValue,
            ParseError::BadBool { .. } => Rule::ParseBadBool,
            ParseError::BadSyntax(_) | ParseError::BareGlobal(_) => Rule::ParseBadSyntax,
            ParseError::MissingImage(_) => Rule::ParseMissingImage,
        }
    }
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::UnknownFlag(name, verb) => write!(
                f,
                "unknown flag {name} for {}; refusing rather than guessing its arity",
                match verb {
                    Verb::Run | Verb::Create => "run/create",
                    Verb::Exec => "exec",
                    Verb::Update => "update",
                }
            ),
            ParseError::UnknownGlobalFlag(name) => write!(
                f,
                "unknown global flag {name}; refusing rather than guessing which command follows"
            ),
            ParseError::MissingValue(name) => write!(f, "flag needs an argument: {name}"),
            // The value is never shown: a token pasted in the wrong place may be a secret.
            ParseError::BadBool { flag, value } => write!(
                f,
                "invalid boolean value ({} bytes, not shown) for {flag} (use true/false, 1/0, t/f)",
                value.len()
            ),
            ParseError::BadSyntax(tok) => write!(f, "bad flag syntax: {tok}"),
            ParseError::BareGlobal(name) => write!(
                f,
                "global flag {name} before a command in a form podman's first reading of the argv takes the next word with (and then the command's own options as podman's: a --module among them); write it as --name=value (--debug=true, --log-level=info)"
            ),
            ParseError::MissingImage(verb) => match verb {
                Verb::Exec | Verb::Update => write!(f, "\"{}\" requires a container", verb.as_str()),
                _ => write!(f, "\"{}\" requires an image", verb.as_str()),
            },
        }
    }
}

impl std::error::Error for ParseError {}

/// The first docker global flag (before the subcommand) that a rule in force refuses, with the
/// rule and the flag as spelt: a redirect to another engine (`-H`, `--context`, `--config`,
/// `--tls*`: `deny.engine-redirect`) or a log level that prints every argument (`-D`,
/// `--log-level debug`: `deny.debug-log`); a redirect anywhere is named before a log level.
/// `None` when there is none or the argv does not parse (the parser then refuses it).
pub fn refused_global(argv: &[OsString], on: impl Fn(Rule) -> bool) -> Option<(Rule, String)> {
    let judge = |f: &Flag, value: Option<&[u8]>| match f.class {
        crate::flags::Class::Denied(Rule::DenyEngineRedirect) => {
            on(Rule::DenyEngineRedirect).then_some(Rule::DenyEngineRedirect)
        }
        crate::flags::Class::Logging => {
            (on(Rule::DenyDebugLog) && crate::flags::logs_arguments(f, value)).then_some(Rule::DenyDebugLog)
        }
        _ => None,
    };
    let mut found: Option<(Rule, String)> = None;
    let mut keep = |rule: Rule, name: String| {
        if found
            .as_ref()
            .is_none_or(|(r, _)| *r != Rule::DenyEngineRedirect && rule == Rule::DenyEngineRedirect)
        {
            found = Some((rule, name));
        }
    };
    let mut i = 0;
    while i < argv.len() {
        let tok = argv[i].as_bytes();
        if tok == b"--" || tok.first() != Some(&b'-') || tok.len() == 1 {
            break;
        }
        let width = global_flag_width(argv, i).ok()?;
        let next = || argv.get(i + 1).map(|v| v.as_bytes());
        let name = flag_name(&lossy(&argv[i]));
        if let Some(body) = tok.strip_prefix(b"--") {
            let (long, inline) = match crate::text::find(body, b'=') {
                Some(p) => (&body[..p], Some(&body[p + 1..])),
                None => (body, None),
            };
            let f = Table::Global.flags().iter().find(|g| g.long.as_bytes() == long)?;
            let value = match (f.arity, inline) {
                (_, Some(v)) => Some(v),
                (Arity::Value, None) => next(),
                (Arity::Bool, None) => None,
            };
            if let Some(rule) = judge(f, value) {
                keep(rule, name);
            }
        } else if tok.get(2) == Some(&b'=') {
            // `-X=value`: one flag and its value.
            let f = Table::Global.by_short(tok[1] as char)?;
            if let Some(rule) = judge(f, Some(&tok[3..])) {
                keep(rule, format!("-{}", tok[1] as char));
            }
        } else {
            // A bundle: every letter up to (and including) the first that takes a value, which
            // takes the rest of the token or the next one.
            for (j, &c) in tok[1..].iter().enumerate() {
                let f = Table::Global.by_short(c as char)?;
                let value = match f.arity {
                    Arity::Bool => None,
                    Arity::Value if j + 2 < tok.len() => Some(&tok[j + 2..]),
                    Arity::Value => next(),
                };
                if let Some(rule) = judge(f, value) {
                    keep(rule, format!("-{}", c as char));
                }
                if f.arity == Arity::Value {
                    break;
                }
            }
        }
        i += width;
    }
    found
}

/// Whether the global flag at `i` (`width` words) is one podman's pre-scans misread. Before its
/// real parse, podman reads `--module` (5) and `--remote`/`--url`/`--connection` (4.3 and 5)
/// with a flag set that knows none of docker's flags and stops at the first word that is no
/// flag: an unknown flag written without `=` takes the next word as its value. A bare `--debug`
/// took the command word, the pre-scan went on through the command's options, and `run --label
/// --module=/x` loaded the caller's containers.conf: a conmon of its choosing ran as root (the
/// hundred-and-tenth look's, podman 5). Safe are `--name=value`, `-X=value`, `--help`/`-h` (the
/// pre-scans know them), and a lone flag's separate value that is no flag itself (`--log-level
/// info`, `-l info`); not a bundle (`-Dl info`: each letter takes a word) nor `-linfo`.
fn bare_global(argv: &[OsString], i: usize, width: usize) -> bool {
    let tok = argv[i].as_bytes();
    if matches!(tok, b"--help" | b"-h") {
        return false;
    }
    let lone_value = || width == 2 && argv[i + 1].as_bytes().first() != Some(&b'-');
    match tok.strip_prefix(b"--") {
        Some(body) => !body.contains(&b'=') && !lone_value(),
        None => match tok.get(2) {
            Some(b'=') => false,
            None => !lone_value(),
            Some(_) => true,
        },
    }
}

/// Parses a docker argv (without argv\[0\]).
pub fn parse(argv: &[OsString]) -> Result<Invocation, ParseError> {
    let mut i = 0;
    // Global flags.
    while i < argv.len() {
        let tok = argv[i].as_bytes();
        if tok == b"--" || tok.first() != Some(&b'-') || tok.len() == 1 {
            break;
        }
        let width = global_flag_width(argv, i)?;
        if i + width < argv.len() && bare_global(argv, i, width) {
            // The flag's name only: `-lVALUE` holds a value.
            let name = match tok.starts_with(b"--") {
                true => flag_name(&lossy(&argv[i])),
                false => String::from_utf8_lossy(&tok[..2]).into_owned(),
            };
            return Err(ParseError::BareGlobal(name));
        }
        i += width;
    }
    let mut command = Vec::new();
    let mut verb = None;
    let at = i;
    if let Some(first) = argv.get(i) {
        command.push(lossy(first));
        verb = Verb::from_bytes(first.as_bytes());
        if first == "container" {
            if let Some(second) = argv.get(i + 1) {
                command.push(lossy(second));
                verb = Verb::from_bytes(second.as_bytes());
                if verb.is_some() {
                    i += 1;
                }
            }
        }
    }
    let Some(verb) = verb else {
        return Ok(Invocation::Other { command, at });
    };
    let prefix = argv[..=i].to_vec();
    parse_run(prefix, verb, &argv[i + 1..]).map(Invocation::Run)
}

/// How many tokens the global flag at `argv[i]` spans.
fn global_flag_width(argv: &[OsString], i: usize) -> Result<usize, ParseError> {
    let tok = argv[i].as_bytes();
    let text = lossy(&argv[i]);
    if let Some(body) = tok.strip_prefix(b"--") {
        let (name, has_eq) = match crate::text::find(body, b'=') {
            Some(p) => (&body[..p], true),
            None => (body, false),
        };
        let Some(takes) = Table::Global
            .flags()
            .iter()
            .find(|g| g.long.as_bytes() == name)
            .map(|g| g.arity == Arity::Value)
        else {
            return Err(ParseError::UnknownGlobalFlag(flag_name(&text)));
        };
        return Ok(if takes && !has_eq { 2 } else { 1 }).and_then(|w| need(argv, i, w, &text));
    }
    // A bundle of short global flags: the first value-taking letter takes the rest. `-X=value`
    // is one flag and its value, as pflag reads it (`-D=true`).
    let body = &tok[1..];
    if body.get(1) == Some(&b'=') {
        return match Table::Global.by_short(body[0] as char) {
            Some(_) => Ok(1),
            None => Err(ParseError::UnknownGlobalFlag(format!("-{}", body[0] as char))),
        };
    }
    for (j, &b) in body.iter().enumerate() {
        let Some(takes) = Table::Global.by_short(b as char).map(|g| g.arity == Arity::Value) else {
            return Err(ParseError::UnknownGlobalFlag(format!("-{}", b as char)));
        };
        if takes {
            let w = if j + 1 < body.len() { 1 } else { 2 };
            return need(argv, i, w, &text);
        }
    }
    Ok(1)
}

fn need(argv: &[OsString], i: usize, width: usize, text: &str) -> Result<usize, ParseError> {
    if i + width > argv.len() {
        Err(ParseError::MissingValue(flag_name(text)))
    } else {
        Ok(width)
    }
}

/// Parses the arguments after the command with pflag's rules. `run`, `create` and `exec` stop at
/// their first positional; `update` accepts flags anywhere (cobra's default).
pub fn parse_run(prefix: Vec<OsString>, verb: Verb, rest: &[OsString]) -> Result<RunArgs, ParseError> {
    let table = verb.table();
    let interspersed = verb == Verb::Update;
    let mut groups: Vec<Vec<OsString>> = Vec::new();
    let mut opts = Vec::new();
    let mut positionals = Vec::new();
    let mut dashdash = false;
    let mut i = 0;
    while i < rest.len() {
        let tok = rest[i].as_bytes();
        if tok == b"--" {
            dashdash = true;
            i += 1;
            break;
        }
        if tok.len() < 2 || tok[0] != b'-' {
            if interspersed {
                positionals.push(rest[i].clone());
                i += 1;
                continue;
            }
            break; // the image
        }
        let group = groups.len();
        let mut used = 1;
        if let Some(body) = tok.strip_prefix(b"--") {
            if body.first().is_none_or(|&b| b == b'-' || b == b'=') {
                return Err(ParseError::BadSyntax(lossy(&rest[i])));
            }
            let (name, eq) = match crate::text::find(body, b'=') {
                Some(p) => (&body[..p], Some(&body[p + 1..])),
                None => (body, None),
            };
            // Named only in an error: formatting it for every flag would cost more than the
            // lookup.
            let shown = || format!("--{}", crate::text::lossy(name));
            let flag = std::str::from_utf8(name)
                .ok()
                .and_then(|n| table.by_long(n))
                .ok_or_else(|| ParseError::UnknownFlag(shown(), verb))?;
            let value = match (flag.arity, eq) {
                (Arity::Bool, None) => OptValue::Bool(true),
                (Arity::Bool, Some(v)) => OptValue::Bool(parse_bool(v, shown)?),
                (Arity::Value, Some(v)) => OptValue::Value(OsString::from_vec(v.to_vec())),
                (Arity::Value, None) => {
                    let next = rest.get(i + 1).ok_or_else(|| ParseError::MissingValue(shown()))?;
                    used = 2;
                    OptValue::Value(next.clone())
                }
            };
            opts.push(Opt { flag, value, group });
        } else {
            let body = &tok[1..];
            let mut j = 0;
            while j < body.len() {
                let letter = body[j] as char;
                let shown = || format!("-{letter}");
                let flag = if body[j].is_ascii() {
                    table.by_short(letter)
                } else {
                    None
                }
                .ok_or_else(|| ParseError::UnknownFlag(shown(), verb))?;
                let after = &body[j + 1..];
                match flag.arity {
                    Arity::Bool => {
                        // pflag: `-t=v` sets the value only when something follows the `=`;
                        // a bare trailing `=` is then read as an (unknown) flag letter.
                        if after.len() > 1 && after[0] == b'=' {
                            let b = parse_bool(&after[1..], shown)?;
                            opts.push(Opt {
                                flag,
                                value: OptValue::Bool(b),
                                group,
                            });
                            break;
                        }
                        opts.push(Opt {
                            flag,
                            value: OptValue::Bool(true),
                            group,
                        });
                        j += 1;
                    }
                    Arity::Value => {
                        let value = if after.is_empty() {
                            let next = rest.get(i + 1).ok_or_else(|| ParseError::MissingValue(shown()))?;
                            used = 2;
                            next.clone()
                        } else {
                            let v = if after.len() > 1 {
                                after.strip_prefix(b"=").unwrap_or(after)
                            } else {
                                after
                            };
                            OsString::from_vec(v.to_vec())
                        };
                        opts.push(Opt {
                            flag,
                            value: OptValue::Value(value),
                            group,
                        });
                        break;
                    }
                }
            }
        }
        groups.push(rest[i..i + used].to_vec());
        i += used;
    }
    let wants_help = opts.iter().any(|o| o.flag.long == "help" && o.is_true());
    if interspersed {
        positionals.extend(rest[i..].iter().cloned());
        if positionals.is_empty() && !wants_help {
            return Err(ParseError::MissingImage(verb));
        }
        return Ok(RunArgs {
            prefix,
            verb,
            groups,
            opts,
            dashdash,
            image: None,
            args: positionals,
        });
    }
    let image = rest.get(i).cloned();
    let args = rest.get(i + 1..).map(<[OsString]>::to_vec).unwrap_or_default();
    if image.is_none() && !wants_help {
        return Err(ParseError::MissingImage(verb));
    }
    Ok(RunArgs {
        prefix,
        verb,
        groups,
        opts,
        dashdash,
        image,
        args,
    })
}

/// Reads a `--security-opt` value as docker does: `None` when it is not about
/// no-new-privileges, `Some(None)` when it is but the value is not a boolean.
pub fn nnp_setting(v: &[u8]) -> Option<Option<bool>> {
    let rest = v.strip_prefix(b"no-new-privileges")?;
    match rest {
        [] => Some(Some(true)),
        [b':' | b'=', value @ ..] => Some(crate::govalue::bool_value(value)),
        _ => None,
    }
}

fn parse_bool(v: &[u8], flag: impl Fn() -> String) -> Result<bool, ParseError> {
    crate::govalue::bool_value(v).ok_or_else(|| ParseError::BadBool {
        flag: flag(),
        value: crate::text::owned(v),
    })
}

/// The flag part of a token, without any `=value` (values may be secrets).
fn flag_name(tok: &str) -> String {
    tok.split('=').next().unwrap_or(tok).to_string()
}

fn lossy(s: &OsStr) -> String {
    crate::text::owned(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    fn run(words: &[&str]) -> RunArgs {
        match parse(&argv(words)).unwrap() {
            Invocation::Run(r) => r,
            other => panic!("not a run: {other:?}"),
        }
    }

    fn err(words: &[&str]) -> ParseError {
        parse(&argv(words)).unwrap_err()
    }

    /// (canonical flag, value) pairs, booleans as "true"/"false".
    fn opts(r: &RunArgs) -> Vec<(String, String)> {
        r.opts
            .iter()
            .map(|o| {
                let v = match &o.value {
                    OptValue::Bool(b) => b.to_string(),
                    OptValue::Value(v) => crate::text::owned(v.as_bytes()),
                };
                (o.flag.long.as_str().to_string(), v)
            })
            .collect()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    fn image(r: &RunArgs) -> String {
        r.image.as_ref().unwrap().to_string_lossy().into_owned()
    }

    #[test]
    fn command_paths() {
        assert_eq!(run(&["run", "img"]).verb, Verb::Run);
        assert_eq!(run(&["create", "img"]).verb, Verb::Create);
        assert_eq!(
            run(&["container", "run", "img"]).prefix,
            argv(&["container", "run"])
        );
        assert_eq!(run(&["container", "create", "img"]).verb, Verb::Create);
        for other in [
            &["ps", "-a"][..],
            &["container", "ls"],
            &["start", "--attach", "x"],
            &["info"],
            &[],
        ] {
            assert!(
                matches!(parse(&argv(other)).unwrap(), Invocation::Other { .. }),
                "{other:?}"
            );
        }
    }

    #[test]
    fn global_flags_before_the_subcommand() {
        let r = run(&[
            "--log-level",
            "debug",
            "-H",
            "unix:///x",
            "--tls=true",
            "--debug=true",
            "run",
            "img",
        ]);
        assert_eq!(r.prefix.len(), 7);
        let r = run(&["-l=debug", "--context=ctx", "container", "run", "img"]);
        assert_eq!(r.prefix, argv(&["-l=debug", "--context=ctx", "container", "run"]));
        // -c takes a value before the subcommand: `run` is the context name here.
        assert!(matches!(
            parse(&argv(&["-c", "run", "ps"])).unwrap(),
            Invocation::Other { .. }
        ));
        assert_eq!(
            err(&["--bogus", "run", "img"]),
            ParseError::UnknownGlobalFlag("--bogus".into())
        );
        assert!(matches!(parse(&argv(&["-v"])).unwrap(), Invocation::Other { .. }));
        assert_eq!(err(&["--config"]), ParseError::MissingValue("--config".into()));
    }

    /// podman's pre-scans (`--module`; `--remote`, `--url`) take the word after a flag they do
    /// not know, written without `=`, as its value: a bare `--debug` took `run`, and `run
    /// --label --module=/x` loaded the caller's containers.conf (the hundred-and-tenth look's).
    #[test]
    fn a_global_flag_podman_s_pre_scan_misreads_is_refused() {
        let bare = |flag: &str| ParseError::BareGlobal(flag.into());
        for (words, flag) in [
            (
                &["--debug", "run", "--label", "--module=/x", "img"][..],
                "--debug",
            ),
            (&["-D", "run", "img"], "-D"),
            (&["--version", "run", "img"], "--version"),
            (&["-v", "ps"], "-v"),
            (&["--tls", "ps"], "--tls"),
            (&["--log-level", "--module=/x", "run", "img"], "--log-level"),
            (&["-l", "--module=/x", "ps"], "-l"),
            (&["-linfo", "run", "img"], "-l"),
            (&["-Dl", "info", "run", "img"], "-D"),
            (&["--log-level=info", "-D", "ps"], "-D"),
        ] {
            assert_eq!(err(words), bare(flag), "{words:?}");
        }
        for words in [
            &["--debug=true", "run", "img"][..],
            &["--debug=false", "--log-level=info", "ps"],
            &["--log-level", "info", "run", "img"],
            &["-l", "info", "ps"],
            &["--help", "run", "img"],
            &["-h", "ps"],
            &["-l=info", "ps"],
            &["-D=false", "ps"],
            &["-h=false", "run", "img"],
            &["--debug"],
            &["-v"],
            &["--version"],
        ] {
            assert!(parse(&argv(words)).is_ok(), "{words:?}");
        }
    }

    #[test]
    fn global_flags_a_rule_refuses() {
        let all = |_: Rule| true;
        let found = |words: &[&str]| refused_global(&argv(words), all);
        let debug = |flag: &str| Some((Rule::DenyDebugLog, flag.to_string()));
        assert_eq!(found(&["-D", "run", "img"]), debug("-D"));
        assert_eq!(found(&["--debug", "ps"]), debug("--debug"));
        assert_eq!(found(&["--debug=true", "ps"]), debug("--debug"));
        assert_eq!(found(&["--debug=false", "ps"]), None);
        assert_eq!(found(&["-D=true", "ps"]), debug("-D"));
        assert_eq!(found(&["-D=false", "ps"]), None);
        assert_eq!(found(&["-l=DEBUG", "ps"]), debug("-l"));
        assert_eq!(found(&["--log-level", "debug", "ps"]), debug("--log-level"));
        assert_eq!(found(&["--log-level=Trace", "ps"]), debug("--log-level"));
        assert_eq!(found(&["-lDEBUG", "ps"]), debug("-l"));
        assert_eq!(found(&["-l", "debug", "ps"]), debug("-l"));
        // A level that is not on the allow-list (a later podman's, a typo) is refused too.
        assert_eq!(found(&["--log-level", "verbose", "ps"]), debug("--log-level"));
        for quiet in ["info", "warn", "warning", "error", "fatal", "panic", "INFO"] {
            assert_eq!(found(&["--log-level", quiet, "ps"]), None, "{quiet}");
            assert_eq!(found(&["-l", quiet, "ps"]), None, "{quiet}");
        }
        // After the subcommand a token is the command's, not a global flag.
        assert_eq!(found(&["ps", "-D"]), None);
        assert_eq!(found(&["run", "img", "--log-level", "debug"]), None);
        // A redirect is named before a log level, wherever it stands.
        assert_eq!(
            found(&["-D", "-H", "tcp://x", "ps"]),
            Some((Rule::DenyEngineRedirect, "-H".into()))
        );
        assert_eq!(
            found(&["-DH", "tcp://x", "ps"]),
            Some((Rule::DenyEngineRedirect, "-H".into()))
        );
        // A rule the policy switched off finds nothing.
        let no_debug = |r: Rule| r != Rule::DenyDebugLog;
        assert_eq!(refused_global(&argv(&["-D", "ps"]), no_debug), None);
    }

    #[test]
    fn long_flags_with_and_without_equals() {
        let r = run(&["run", "--name=a", "--network", "none", "img"]);
        assert_eq!(opts(&r), pairs(&[("name", "a"), ("network", "none")]));
        assert_eq!(image(&r), "img");
    }

    #[test]
    fn booleans_only_take_equals_values() {
        // `--read-only false` makes `false` the image (docker's behaviour).
        let r = run(&["run", "--read-only", "false", "img"]);
        assert_eq!(image(&r), "false");
        assert_eq!(r.args, argv(&["img"]));
        let r = run(&[
            "run",
            "--read-only=false",
            "--rm=1",
            "--init=True",
            "--privileged=F",
            "img",
        ]);
        assert_eq!(
            opts(&r),
            pairs(&[
                ("read-only", "false"),
                ("rm", "true"),
                ("init", "true"),
                ("privileged", "false")
            ])
        );
        assert!(matches!(
            err(&["run", "--read-only=off", "img"]),
            ParseError::BadBool { .. }
        ));
        assert!(matches!(
            err(&["run", "--rm=", "img"]),
            ParseError::BadBool { .. }
        ));
        assert!(matches!(
            err(&["run", "--rm=yes", "img"]),
            ParseError::BadBool { .. }
        ));
    }

    #[test]
    fn short_bundles() {
        let r = run(&["run", "-dit", "img"]);
        assert_eq!(
            opts(&r),
            pairs(&[("detach", "true"), ("interactive", "true"), ("tty", "true")])
        );
        assert_eq!(r.groups.len(), 1);
        let r = run(&["run", "-p8080:80", "-eFOO=bar", "-e=A=b", "img"]);
        assert_eq!(
            opts(&r),
            pairs(&[("publish", "8080:80"), ("env", "FOO=bar"), ("env", "A=b")])
        );
        let r = run(&["run", "-ip", "80:80", "img"]);
        assert_eq!(opts(&r), pairs(&[("interactive", "true"), ("publish", "80:80")]));
        let r = run(&["run", "-it=false", "img"]);
        assert_eq!(opts(&r), pairs(&[("interactive", "true"), ("tty", "false")]));
        // `-e=` is the value "=" (pflag needs something after the `=`).
        let r = run(&["run", "-e=", "img"]);
        assert_eq!(opts(&r), pairs(&[("env", "=")]));
        // `-d=` reads `=` as a flag letter.
        assert_eq!(
            err(&["run", "-d=", "img"]),
            ParseError::UnknownFlag("-=".into(), Verb::Run)
        );
        assert!(matches!(
            err(&["run", "-t=maybe", "img"]),
            ParseError::BadBool { .. }
        ));
    }

    #[test]
    fn value_flags_swallow_the_next_token() {
        let r = run(&["run", "--name", "--rm", "img"]);
        assert_eq!(opts(&r), pairs(&[("name", "--rm")]));
        let r = run(&["run", "-h", "--help", "img"]);
        assert_eq!(opts(&r), pairs(&[("hostname", "--help")]));
        let r = run(&["run", "-e", "--privileged", "img"]);
        assert_eq!(opts(&r), pairs(&[("env", "--privileged")]));
        let r = run(&["run", "--entrypoint", "", "img"]);
        assert_eq!(opts(&r), pairs(&[("entrypoint", "")]));
        assert_eq!(err(&["run", "--name"]), ParseError::MissingValue("--name".into()));
        assert_eq!(err(&["run", "-e"]), ParseError::MissingValue("-e".into()));
    }

    #[test]
    fn double_dash_ends_flags() {
        let r = run(&["run", "--rm", "--", "--privileged", "x"]);
        assert!(r.dashdash);
        assert_eq!(image(&r), "--privileged");
        assert_eq!(r.render(), argv(&["run", "--rm", "--", "--privileged", "x"]));
        assert_eq!(err(&["run", "--"]), ParseError::MissingImage(Verb::Run));
    }

    #[test]
    fn nothing_after_the_image_is_parsed() {
        let r = run(&["run", "img", "--privileged", "-v", "/:/host", "--bogus"]);
        assert!(r.opts.is_empty());
        assert_eq!(r.args, argv(&["--privileged", "-v", "/:/host", "--bogus"]));
        // "" and "-" are positionals.
        assert_eq!(image(&run(&["run", "", "x"])), "");
        assert_eq!(image(&run(&["run", "-", "x"])), "-");
    }

    #[test]
    fn unknown_flags_are_refused_not_guessed() {
        assert_eq!(
            err(&["run", "--priv", "img"]),
            ParseError::UnknownFlag("--priv".into(), Verb::Run)
        );
        assert_eq!(
            err(&["run", "--bogus=1", "img"]),
            ParseError::UnknownFlag("--bogus".into(), Verb::Run)
        );
        assert_eq!(
            err(&["run", "-name", "x", "img"]),
            ParseError::UnknownFlag("-n".into(), Verb::Run)
        );
        assert_eq!(
            err(&["run", "-Z", "img"]),
            ParseError::UnknownFlag("-Z".into(), Verb::Run)
        );
        assert!(matches!(err(&["run", "---x", "img"]), ParseError::BadSyntax(_)));
        assert!(matches!(err(&["run", "--=x", "img"]), ParseError::BadSyntax(_)));
    }

    #[test]
    fn exec_and_update_grammars() {
        let r = run(&["exec", "-u", "0", "-it", "c", "sh", "--privileged"]);
        assert_eq!(
            opts(&r),
            pairs(&[("user", "0"), ("interactive", "true"), ("tty", "true")])
        );
        assert_eq!(image(&r), "c");
        assert_eq!(r.args, argv(&["sh", "--privileged"]));
        // update takes flags after its containers.
        let r = run(&["update", "c1", "--memory", "8g", "c2", "--pids-limit=-1"]);
        assert_eq!(opts(&r), pairs(&[("memory", "8g"), ("pids-limit", "-1")]));
        assert_eq!(r.args, argv(&["c1", "c2"]));
        assert_eq!(
            err(&["exec", "--bogus", "c", "sh"]),
            ParseError::UnknownFlag("--bogus".into(), Verb::Exec)
        );
        let e = err(&["update", "--bogus", "c"]).to_string();
        assert!(e.contains("for update") && !e.contains("run/create"), "{e}");
        assert_eq!(
            err(&["update", "--memory", "1g"]),
            ParseError::MissingImage(Verb::Update)
        );
    }

    #[test]
    fn hidden_aliases_are_known() {
        let r = run(&[
            "run",
            "--net",
            "none",
            "--net-alias",
            "a",
            "--dns-opt",
            "ndots:1",
            "img",
        ]);
        let canon: Vec<&str> = r.opts.iter().map(|o| o.flag.canonical()).collect();
        assert_eq!(canon, ["network", "network-alias", "dns-option"]);
    }

    #[test]
    fn help_needs_no_image() {
        let r = run(&["run", "--help"]);
        assert!(r.image.is_none());
        assert_eq!(err(&["run", "--rm"]), ParseError::MissingImage(Verb::Run));
    }

    #[test]
    fn repeats_last_wins_for_scalars() {
        let r = run(&["run", "--read-only", "--read-only=false", "img"]);
        assert!(!r.bool_on(crate::setting!("read-only")));
        let r = run(&["run", "--read-only=false", "--read-only", "img"]);
        assert!(r.bool_on(crate::setting!("read-only")));
    }

    // Regression tests for bugs peers shipped (see the project's reference notes).

    #[test]
    fn composerize_detach_before_image() {
        let r = run(&["run", "-d", "ubuntu"]);
        assert_eq!(image(&r), "ubuntu");
        let r = run(&["run", "-p1234:5678", "ubuntu"]);
        assert_eq!(opts(&r), pairs(&[("publish", "1234:5678")]));
        let r = run(&["run", "ubuntu", "echo", "a b"]);
        assert_eq!(r.args, argv(&["echo", "a b"]));
        let r = run(&["run", "registry.local:5000/team/img:tag@sha256:abc", "x"]);
        assert_eq!(image(&r), "registry.local:5000/team/img:tag@sha256:abc");
    }

    #[test]
    fn podlet_bool_equals_false_and_args_after_image() {
        let r = run(&["run", "--init=false", "img", "--init"]);
        assert_eq!(opts(&r), pairs(&[("init", "false")]));
        assert_eq!(r.args, argv(&["--init"]));
    }

    #[test]
    fn safe_docker_unknown_value_flag_never_hides_later_flags() {
        // A parser that skipped unknown flags would treat `--privileged` as the image here.
        assert!(parse(&argv(&["run", "--made-up", "x", "--privileged", "img"])).is_err());
        let r = run(&["run", "--privileged=true", "img"]);
        assert!(r.bool_on(crate::setting!("privileged")));
        let r = run(&["run", "--ulimit", "nofile=5", "-v", "/etc:/x", "img"]);
        assert_eq!(opts(&r)[1], ("volume".to_string(), "/etc:/x".to_string()));
        // The shim's own words in the container command are the container's.
        let r = run(&["run", "img", "--dry-run"]);
        assert_eq!(r.args, argv(&["--dry-run"]));
    }

    #[test]
    fn non_utf8_survives() {
        use std::os::unix::ffi::OsStringExt;
        let weird = OsString::from_vec(b"/tmp/\xff dir:/w".to_vec());
        let mut a = argv(&["run", "-v"]);
        a.push(weird.clone());
        a.push(OsString::from_vec(b"im\xfeg".to_vec()));
        let Invocation::Run(r) = parse(&a).unwrap() else {
            panic!()
        };
        assert_eq!(r.opts[0].value, OptValue::Value(weird));
        assert_eq!(r.render(), a);
    }

    #[test]
    fn render_is_identity() {
        let a = argv(&[
            "--log-level",
            "info",
            "container",
            "run",
            "-dit",
            "-eK=V",
            "--name",
            "x",
            "--",
            "img",
            "a",
        ]);
        let Invocation::Run(r) = parse(&a).unwrap() else {
            panic!()
        };
        assert_eq!(r.render(), a);
    }
}
