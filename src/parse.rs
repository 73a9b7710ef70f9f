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

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::flags::{self, Arity, Flag};

/// Docker's global flags (before the subcommand): long name, short letter, takes a value.
const GLOBAL_FLAGS: &[(&str, Option<char>, bool)] = &[
    ("config", None, true),
    ("context", Some('c'), true),
    ("debug", Some('D'), false),
    ("help", Some('h'), false),
    ("host", Some('H'), true),
    ("log-level", Some('l'), true),
    ("tls", None, false),
    ("tlscacert", None, true),
    ("tlscert", None, true),
    ("tlskey", None, true),
    ("tlsverify", None, false),
    ("version", Some('v'), false),
];

/// `run` or `create`: the two commands that start a container from flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Run,
    Create,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Run => "run",
            Verb::Create => "create",
        }
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

/// A parsed `run` / `create` invocation.
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
    pub fn find<'a>(&'a self, canonical: &'a str) -> impl Iterator<Item = (usize, &'a Opt)> + 'a {
        self.opts
            .iter()
            .enumerate()
            .filter(move |(_, o)| o.flag.canonical() == canonical)
    }

    /// The value of a scalar option: the last occurrence wins.
    pub fn last<'a>(&'a self, canonical: &'a str) -> Option<(usize, &'a Opt)> {
        self.find(canonical).last()
    }

    /// The effective value of a boolean flag, false when absent.
    pub fn bool_on(&self, canonical: &str) -> bool {
        self.last(canonical).is_some_and(|(_, o)| o.is_true())
    }

    /// Renders back to argv (without argv\[0\]).
    pub fn render(&self) -> Vec<OsString> {
        let mut out = self.prefix.clone();
        out.extend(self.groups.iter().flatten().cloned());
        self.render_tail(&mut out);
        out
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
    /// `run` / `create` (or their `container` forms): subject to policy.
    Run(RunArgs),
    /// Any other command (or none): passes through untouched. `command` is the subcommand path.
    Other { command: Vec<String> },
}

/// Why an argv was not understood. Each names the token at fault; none carries a flag's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    UnknownFlag(String),
    UnknownGlobalFlag(String),
    MissingValue(String),
    BadBool { flag: String, value: String },
    BadSyntax(String),
    MissingImage(Verb),
}

impl ParseError {
    /// Stable rule id, shown by `explain` and in refusals.
    pub fn rule(&self) -> &'static str {
        match self {
            ParseError::UnknownFlag(_) | ParseError::UnknownGlobalFlag(_) => "parse.unknown-flag",
            ParseError::MissingValue(_) => "parse.missing-value",
            ParseError::BadBool { .. } => "parse.bad-bool",
            ParseError::BadSyntax(_) => "parse.bad-syntax",
            ParseError::MissingImage(_) => "parse.missing-image",
        }
    }
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::UnknownFlag(name) => write!(
                f,
                "unknown flag {name} for run/create; refusing rather than guessing its arity"
            ),
            ParseError::UnknownGlobalFlag(name) => write!(
                f,
                "unknown global flag {name}; refusing rather than guessing which command follows"
            ),
            ParseError::MissingValue(name) => write!(f, "flag needs an argument: {name}"),
            ParseError::BadBool { flag, value } => write!(
                f,
                "invalid boolean {value:?} for {flag} (use true/false, 1/0, t/f)"
            ),
            ParseError::BadSyntax(tok) => write!(f, "bad flag syntax: {tok}"),
            ParseError::MissingImage(verb) => {
                write!(f, "\"{}\" requires an image", verb.as_str())
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// Parses a docker argv (without argv\[0\]).
pub fn parse(argv: &[OsString]) -> Result<Invocation, ParseError> {
    let mut i = 0;
    // Global flags.
    while i < argv.len() {
        let tok = argv[i].as_bytes();
        if tok == b"--" || tok.first() != Some(&b'-') || tok.len() == 1 {
            break;
        }
        i += global_flag_width(argv, i)?;
    }
    let mut command = Vec::new();
    let mut verb = None;
    if let Some(first) = argv.get(i) {
        command.push(lossy(first));
        match first.as_bytes() {
            b"run" => verb = Some(Verb::Run),
            b"create" => verb = Some(Verb::Create),
            b"container" => {
                if let Some(second) = argv.get(i + 1) {
                    command.push(lossy(second));
                    match second.as_bytes() {
                        b"run" => verb = Some(Verb::Run),
                        b"create" => verb = Some(Verb::Create),
                        _ => {}
                    }
                    if verb.is_some() {
                        i += 1;
                    }
                }
            }
            _ => {}
        }
    }
    let Some(verb) = verb else {
        return Ok(Invocation::Other { command });
    };
    let prefix = argv[..=i].to_vec();
    parse_run(prefix, verb, &argv[i + 1..]).map(Invocation::Run)
}

/// How many tokens the global flag at `argv[i]` spans.
fn global_flag_width(argv: &[OsString], i: usize) -> Result<usize, ParseError> {
    let tok = argv[i].as_bytes();
    let text = lossy(&argv[i]);
    if let Some(body) = tok.strip_prefix(b"--") {
        let (name, has_eq) = match body.iter().position(|&b| b == b'=') {
            Some(p) => (&body[..p], true),
            None => (body, false),
        };
        let Some(&(_, _, takes)) = GLOBAL_FLAGS.iter().find(|g| g.0.as_bytes() == name) else {
            return Err(ParseError::UnknownGlobalFlag(flag_name(&text)));
        };
        return Ok(if takes && !has_eq { 2 } else { 1 }).and_then(|w| need(argv, i, w, &text));
    }
    // A bundle of short global flags: the first value-taking letter takes the rest.
    let body = &tok[1..];
    for (j, &b) in body.iter().enumerate() {
        let Some(&(_, _, takes)) = GLOBAL_FLAGS.iter().find(|g| g.1 == Some(b as char)) else {
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

/// Parses the arguments after `run` / `create` with pflag's rules.
pub fn parse_run(prefix: Vec<OsString>, verb: Verb, rest: &[OsString]) -> Result<RunArgs, ParseError> {
    let mut groups: Vec<Vec<OsString>> = Vec::new();
    let mut opts = Vec::new();
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
            break; // the image
        }
        let group = groups.len();
        let mut used = 1;
        if let Some(body) = tok.strip_prefix(b"--") {
            if body.first().is_none_or(|&b| b == b'-' || b == b'=') {
                return Err(ParseError::BadSyntax(lossy(&rest[i])));
            }
            let (name, eq) = match body.iter().position(|&b| b == b'=') {
                Some(p) => (&body[..p], Some(&body[p + 1..])),
                None => (body, None),
            };
            let shown = format!("--{}", String::from_utf8_lossy(name));
            let flag = std::str::from_utf8(name)
                .ok()
                .and_then(flags::by_long)
                .ok_or_else(|| ParseError::UnknownFlag(shown.clone()))?;
            let value = match (flag.arity, eq) {
                (Arity::Bool, None) => OptValue::Bool(true),
                (Arity::Bool, Some(v)) => OptValue::Bool(parse_bool(v, &shown)?),
                (Arity::Value, Some(v)) => OptValue::Value(OsString::from_vec(v.to_vec())),
                (Arity::Value, None) => {
                    let next = rest.get(i + 1).ok_or(ParseError::MissingValue(shown))?;
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
                let shown = format!("-{letter}");
                let flag = if body[j].is_ascii() {
                    flags::by_short(letter)
                } else {
                    None
                }
                .ok_or_else(|| ParseError::UnknownFlag(shown.clone()))?;
                let after = &body[j + 1..];
                match flag.arity {
                    Arity::Bool => {
                        // pflag: `-t=v` sets the value only when something follows the `=`;
                        // a bare trailing `=` is then read as an (unknown) flag letter.
                        if after.len() > 1 && after[0] == b'=' {
                            let b = parse_bool(&after[1..], &shown)?;
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
                            let next = rest.get(i + 1).ok_or(ParseError::MissingValue(shown))?;
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
    let image = rest.get(i).cloned();
    let args = rest.get(i + 1..).map(<[OsString]>::to_vec).unwrap_or_default();
    let wants_help = opts.iter().any(|o| o.flag.long == "help" && o.is_true());
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

/// pflag's `strconv.ParseBool`.
pub fn bool_value(v: &[u8]) -> Option<bool> {
    match v {
        b"1" | b"t" | b"T" | b"TRUE" | b"true" | b"True" => Some(true),
        b"0" | b"f" | b"F" | b"FALSE" | b"false" | b"False" => Some(false),
        _ => None,
    }
}

fn parse_bool(v: &[u8], flag: &str) -> Result<bool, ParseError> {
    bool_value(v).ok_or_else(|| ParseError::BadBool {
        flag: flag.to_string(),
        value: String::from_utf8_lossy(v).into_owned(),
    })
}

/// The flag part of a token, without any `=value` (values may be secrets).
fn flag_name(tok: &str) -> String {
    tok.split('=').next().unwrap_or(tok).to_string()
}

fn lossy(s: &OsStr) -> String {
    s.to_string_lossy().into_owned()
}
