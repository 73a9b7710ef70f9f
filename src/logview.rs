//! `nanoclaw-shim log`: read the decision log the shim writes (see [`crate::log`]).
//!
//! When an agent breaks, the first question is whether the shim was involved: this shows what
//! it decided for each invocation (the last N records, or as they come with `--follow`),
//! filtered to refusals or rewrites, as text for people or JSON Lines for programs. The log
//! already holds redacted argv; every token shown is passed through the redaction again, so a
//! record written by an older shim (or edited by hand) cannot leak a secret either.

use std::collections::VecDeque;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::explain::quote;
use crate::redact;
use crate::style::{Paint, Tone};

/// The version of `log --format json`'s records (docs/JSON.md).
pub const SCHEMA_VERSION: u32 = 1;

/// How often `--follow` looks for new records.
const POLL: Duration = Duration::from_millis(200);

/// Which records to show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filter {
    /// Refused invocations, and audited ones enforce would have refused.
    pub refused: bool,
    /// Invocations the policy rewrote.
    pub rewritten: bool,
}

impl Filter {
    /// Whether a record passes (no filter: every record does; both: either kind).
    pub fn keeps(&self, v: &Value) -> bool {
        if !self.refused && !self.rewritten {
            return true;
        }
        let decision = v["decision"].as_str().unwrap_or("");
        let refused = decision == "refuse" || (decision == "audit" && !v["reason"].is_null());
        (self.refused && refused) || (self.rewritten && decision == "rewrite")
    }
}

/// How records are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// What `nanoclaw-shim log` was asked for.
#[derive(Debug, Clone)]
pub struct LogArgs {
    /// Show the last `lines` matching records (`None`: all of them).
    pub lines: Option<usize>,
    pub follow: bool,
    pub filter: Filter,
    pub format: LogFormat,
    /// How text records colour their decision (JSON is never coloured).
    pub paint: Paint,
}

fn redacted(s: &str) -> String {
    redact::display(OsStr::new(s))
}

/// [`redacted`], control characters escaped: a record's text fields quote the caller's tokens
/// (a refusal's reason), and one holding `\r\e[2A\e[2K` would erase its own record on the
/// terminal and print a forged one in its place (the fifty-second look's).
fn shown(s: &str) -> String {
    crate::text::printable(&redacted(s)).into_owned()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|t| redacted(t.as_str().unwrap_or(""))).collect())
        .unwrap_or_default()
}

/// One record as text: `TIME  DECISION  PROFILE  docker ARGV`, then the reason, the rule ids
/// and (for a rewrite) what ran, each on an indented line; `paint` colours the decision.
pub fn render_text(v: &Value, paint: Paint) -> String {
    let mut out = String::new();
    let words = |a: &Value| {
        strings(a)
            .iter()
            .map(|t| quote(OsStr::new(t)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let decision = match v["decision"].as_str().unwrap_or("?") {
        "audit" if !v["reason"].is_null() => "audit (would refuse)",
        d => d,
    };
    let tone = match v["decision"].as_str() {
        Some("refuse") => Tone::Bad,
        Some("audit") => Tone::Warn,
        _ => Tone::Good,
    };
    let _ = write!(
        out,
        "{}  {}  pid {}",
        shown(v["time"].as_str().unwrap_or("?")),
        paint.tone(tone, &format!("{decision:<8}")),
        v["pid"]
    );
    if let Some(p) = v["profile"].as_str() {
        let _ = write!(out, "  profile {}", shown(p));
    }
    let _ = writeln!(out, "\n  docker {}", words(&v["argv"]));
    if let Some(r) = v["reason"].as_str() {
        let _ = writeln!(out, "  reason: {}", shown(r));
    }
    let rules: Vec<String> = strings(&v["rules"]).iter().map(|r| shown(r)).collect();
    if !rules.is_empty() {
        let _ = writeln!(out, "  rules:  {}", rules.join(", "));
    }
    if v["decision"] == "rewrite" && v["final"].is_array() {
        let _ = writeln!(out, "  ran:    {}", words(&v["final"]));
    }
    out
}

/// One record as a JSON line: the record as written, redacted again, with `schema_version`.
pub fn render_json(v: &Value) -> String {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        for key in ["argv", "final"] {
            if o.get(key).is_some_and(Value::is_array) {
                let again = strings(&o[key]);
                o.insert(key.into(), again.into());
            }
        }
        if let Some(r) = o.get("reason").and_then(Value::as_str) {
            let again = redacted(r);
            o.insert("reason".into(), again.into());
        }
        o.insert("schema_version".into(), SCHEMA_VERSION.into());
    }
    let mut s = v.to_string();
    s.push('\n');
    s
}

/// Parses and filters complete lines; counts the lines that are not records.
struct Reader {
    args: LogArgs,
    bad: usize,
}

impl Reader {
    fn record(&mut self, line: &str) -> Option<Value> {
        let line = line.trim();
        if line.is_empty() {
            return None;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(v) if v.is_object() => self.args.filter.keeps(&v).then_some(v),
            _ => {
                self.bad += 1;
                None
            }
        }
    }

    fn render(&self, v: &Value) -> String {
        match self.args.format {
            LogFormat::Text => render_text(v, self.args.paint),
            LogFormat::Json => render_json(v),
        }
    }
}

/// The longest line read as a record: the shim writes none near it (a token past 1 KiB is
/// logged redacted whole). A longer one is skipped as it is read, never held whole (the look
/// `gn`: 8 GB of zeros at the log's path took as much memory).
const MAX_RECORD: usize = 4 << 20;

/// The lines of `text`, each at most [`MAX_RECORD`] bytes; a longer one is given as `None`.
fn lines(mut text: impl BufRead) -> impl Iterator<Item = Option<Vec<u8>>> {
    std::iter::from_fn(move || {
        let mut line = Vec::new();
        let mut long = false;
        loop {
            let buf = match text.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => &[][..],
            };
            if buf.is_empty() {
                return (long || !line.is_empty()).then(|| (!long).then_some(line));
            }
            let (part, used, ends) = match buf.iter().position(|&b| b == b'\n') {
                Some(nl) => (&buf[..nl], nl + 1, true),
                None => (buf, buf.len(), false),
            };
            long = long || line.len() + part.len() > MAX_RECORD;
            if !long {
                line.extend_from_slice(part);
            }
            text.consume(used);
            if ends {
                return Some((!long).then_some(line));
            }
        }
    })
}

/// The last `n` matching records of `text` (all when `n` is `None`), rendered.
pub fn tail(text: impl BufRead, args: &LogArgs) -> (Vec<String>, usize) {
    let mut r = Reader {
        args: args.clone(),
        bad: 0,
    };
    let mut kept: VecDeque<Value> = VecDeque::new();
    for line in lines(text) {
        let Some(line) = line else {
            r.bad += 1;
            continue;
        };
        let line = crate::text::lossy(&line);
        if let Some(v) = r.record(&line) {
            if args.lines == Some(0) {
                continue;
            }
            kept.push_back(v);
            if args.lines.is_some_and(|n| kept.len() > n) {
                kept.pop_front();
            }
        }
    }
    (kept.iter().map(|v| r.render(v)).collect(), r.bad)
}

/// The log, opened without waiting for a writer: a FIFO at its path held `log` until its writer
/// closed it (the look `gn`); only a regular file is read.
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    let f = crate::hostfs::open_read(path, crate::hostfs::O_NONBLOCK)?;
    match f.metadata()?.is_file() {
        true => Ok(f),
        false => Err(std::io::Error::other("not a regular file")),
    }
}

/// Runs `nanoclaw-shim log` on `path` (the policy's `[log] path`); returns the exit status.
pub fn run(path: &Path, args: &LogArgs) -> i32 {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut pos, mut id) = (0u64, None);
    match open(path) {
        Ok(f) => {
            id = f.metadata().ok().map(|m| (m.dev(), m.ino()));
            let mut reader = BufReader::new(f);
            let (shown, bad) = tail(&mut reader, args);
            pos = reader.stream_position().unwrap_or(0);
            for s in shown {
                if out.write_all(s.as_bytes()).is_err() {
                    return 0; // the reader went away (`| head`)
                }
            }
            let _ = out.flush();
            if bad > 0 {
                eprintln!(
                    "nanoclaw-shim log: {bad} line(s) of {} are not decision records; skipped",
                    path.display()
                );
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !args.follow {
                eprintln!(
                    "nanoclaw-shim log: {} does not exist yet: the shim has logged nothing (it \
                     logs rewritten, refused, audited and exempted run/create commands)",
                    path.display()
                );
                return 0;
            }
        }
        Err(e) => {
            eprintln!("nanoclaw-shim log: cannot read {}: {e}", path.display());
            return 1;
        }
    }
    if !args.follow {
        return 0;
    }
    follow(path, args, pos, id, &mut out)
}

/// Prints records as they are appended, from byte `pos` of the file `id`; starts over when the
/// file is replaced (rotation) or truncated. Runs until interrupted or stdout closes.
fn follow(
    path: &Path,
    args: &LogArgs,
    mut pos: u64,
    mut id: Option<(u64, u64)>,
    out: &mut impl Write,
) -> i32 {
    let mut r = Reader {
        args: args.clone(),
        bad: 0,
    };
    let mut partial: Vec<u8> = Vec::new();
    // Past a record's length without a line's end: dropped up to the next one.
    let mut skipping = false;
    loop {
        if let Ok(meta) = std::fs::metadata(path) {
            let now = Some((meta.dev(), meta.ino()));
            if now != id || meta.len() < pos {
                // a new file (rotated) or a truncated one: read it from the start
                id = now;
                pos = 0;
                partial.clear();
                skipping = false;
            }
            if meta.len() > pos {
                if let Ok(mut f) = open(path) {
                    if f.seek(SeekFrom::Start(pos)).is_ok() {
                        let mut buf = Vec::new();
                        // (At most a record's worth past a partial line at a time.)
                        if let Ok(n) = f.take(MAX_RECORD as u64).read_to_end(&mut buf) {
                            pos += n as u64;
                            partial.extend_from_slice(&buf);
                        }
                    }
                }
                while let Some(nl) = partial.iter().position(|&b| b == b'\n') {
                    let line: Vec<u8> = partial.drain(..=nl).collect();
                    if std::mem::take(&mut skipping) {
                        continue;
                    }
                    if let Some(v) = r.record(&crate::text::lossy(&line)) {
                        if out.write_all(r.render(&v).as_bytes()).is_err() || out.flush().is_err() {
                            return 0;
                        }
                    }
                }
                if partial.len() > MAX_RECORD {
                    partial.clear();
                    skipping = true;
                }
            }
        }
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORDS: &str = r#"{"time":"2026-11-20T21:59:54.123Z","pid":7,"mode":"enforce","profile":null,"decision":"rewrite","rules":["harden.read-only"],"reason":null,"argv":["run","-e","API_TOKEN=<redacted>","img"],"final":["run","--read-only","-e","API_TOKEN=<redacted>","img"]}
not json
{"time":"2026-11-20T22:00:00.000Z","pid":8,"mode":"enforce","profile":"b","decision":"refuse","rules":["deny.privileged"],"reason":"--privileged (deny.privileged): no","argv":["run","--privileged","img"],"final":null}
{"time":"2026-11-20T22:00:01.000Z","pid":9,"mode":"audit","profile":null,"decision":"audit","rules":["deny.privileged"],"reason":"would refuse","argv":["run","--privileged","-e","GH_TOKEN=ghp_leaked","img"],"final":["run","--privileged","img"]}
{"time":"2026-11-20T22:00:02.000Z","pid":10,"mode":"enforce","profile":"dev","decision":"exempt","rules":[],"reason":null,"argv":["run","img"],"final":["run","img"]}
"#;

    fn args(lines: Option<usize>, filter: Filter, format: LogFormat) -> LogArgs {
        LogArgs {
            lines,
            follow: false,
            filter,
            format,
            paint: Paint::PLAIN,
        }
    }

    #[test]
    fn tail_filters_and_counts_bad_lines() {
        let all = args(None, Filter::default(), LogFormat::Json);
        let (shown, bad) = tail(RECORDS.as_bytes(), &all);
        assert_eq!((shown.len(), bad), (4, 1));
        let (shown, _) = tail(
            RECORDS.as_bytes(),
            &args(Some(2), Filter::default(), LogFormat::Json),
        );
        assert_eq!(shown.len(), 2);
        assert!(shown[1].contains("\"pid\":10"), "{shown:?}");
        let refused = Filter {
            refused: true,
            rewritten: false,
        };
        let (shown, _) = tail(RECORDS.as_bytes(), &args(None, refused, LogFormat::Json));
        let pids: Vec<bool> = shown
            .iter()
            .map(|s| s.contains("\"pid\":8") || s.contains("\"pid\":9"))
            .collect();
        assert_eq!(pids, [true, true]);
        let rewritten = Filter {
            refused: false,
            rewritten: true,
        };
        let (shown, _) = tail(RECORDS.as_bytes(), &args(None, rewritten, LogFormat::Json));
        assert_eq!(shown.len(), 1);
        assert!(shown[0].contains("\"pid\":7"));
        let both = Filter {
            refused: true,
            rewritten: true,
        };
        assert_eq!(
            tail(RECORDS.as_bytes(), &args(None, both, LogFormat::Json))
                .0
                .len(),
            3
        );
        assert!(
            tail(RECORDS.as_bytes(), &args(Some(0), both, LogFormat::Json))
                .0
                .is_empty()
        );
    }

    /// A line past a record's length is skipped as it is read and counted as not a record; the
    /// records around it are read (the look `gn`: 8 GB of zeros were held whole). A FIFO at the
    /// log's path is refused at once, not waited on.
    #[test]
    fn a_line_past_a_record_is_skipped_and_a_fifo_is_not_waited_on() {
        let mut text = RECORDS.lines().next().unwrap().to_string();
        text.push('\n');
        text.push_str(&"0".repeat(MAX_RECORD + 10));
        text.push('\n');
        text.push_str(RECORDS.lines().next().unwrap());
        let reader = BufReader::with_capacity(64 << 10, text.as_bytes());
        let (shown, bad) = tail(reader, &args(None, Filter::default(), LogFormat::Json));
        assert_eq!((shown.len(), bad), (2, 1));
        assert_eq!(
            lines(&b"a\nb"[..]).collect::<Vec<_>>(),
            [Some(b"a".to_vec()), Some(b"b".to_vec())]
        );
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("decisions.jsonl");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()));
        let e = open(&fifo).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    #[test]
    fn json_records_are_versioned_and_redacted_again() {
        let (shown, _) = tail(
            RECORDS.as_bytes(),
            &args(None, Filter::default(), LogFormat::Json),
        );
        for s in &shown {
            let v: Value = serde_json::from_str(s).unwrap();
            assert_eq!(v["schema_version"], 1);
        }
        assert!(!shown.concat().contains("ghp_leaked"));
    }

    #[test]
    fn text_records() {
        let (shown, _) = tail(
            RECORDS.as_bytes(),
            &args(None, Filter::default(), LogFormat::Text),
        );
        assert_eq!(
            shown[0],
            "2026-11-20T21:59:54.123Z  rewrite   pid 7\n  docker run -e 'API_TOKEN=<redacted>' img\n  rules:  harden.read-only\n  ran:    run --read-only -e 'API_TOKEN=<redacted>' img\n"
        );
        assert!(shown[1].contains("refuse    pid 8  profile b"), "{}", shown[1]);
        assert!(
            shown[1].contains("  reason: --privileged (deny.privileged): no\n"),
            "{}",
            shown[1]
        );
        assert!(shown[2].contains("audit (would refuse)"), "{}", shown[2]);
        assert!(!shown.concat().contains("ghp_leaked"));
    }

    /// A record's text fields quote the caller's tokens: a control character in one cannot
    /// erase the record on the terminal and print a forged one (the fifty-second look's).
    #[test]
    fn text_records_cannot_move_the_cursor() {
        let forged = r"--volume=/a:/b:\r\u001b[2A\u001b[2K2026-12-05T21:22:00.000Z  rewrite   pid 4242\n\u001b[2K  docker run --rm img";
        let record = format!(
            r#"{{"time":"t\u001b[2K","decision":"refuse","pid":9,"profile":"p\n","argv":["run","-v","x\ry","img"],"reason":"{forged}","rules":["deny.x\u001b[8m"]}}"#
        );
        let (shown, bad) = tail(record.as_bytes(), &args(None, Filter::default(), LogFormat::Text));
        assert_eq!((shown.len(), bad), (1, 0), "{shown:?}");
        let text = &shown[0];
        assert!(
            !text.contains(['\r', '\u{1b}']) && text.matches('\n').count() == 4,
            "{text:?}"
        );
        assert!(text.contains(r"\x0d\x1b[2A"), "{text}");
    }
}
