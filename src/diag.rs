//! Diagnostics on demand: `NANOCLAW_SHIM_LOG=debug` traces every step of a call to stderr.
//!
//! The shim lives for a millisecond on every `docker` call, so diagnostics must cost nothing
//! when nobody asked for them. [`init`] reads one environment variable; only when it names a
//! level other than `off` is a `tracing` subscriber built. Without one, every `tracing` macro
//! in the code is a relaxed atomic load of the maximum level (`OFF`) and a branch, and its
//! arguments are never evaluated.
//!
//! Diagnostics never change what the shim decides: a value that is not a level costs one
//! warning line on stderr and leaves them off, because a mistyped diagnostics knob must not
//! stop agents from starting. Nothing is ever written to stdout, and every argv token and
//! reason shown goes through [`crate::redact`] first ([`Argv`], [`shown`]).

use std::ffi::{OsStr, OsString};
use std::fmt;

use tracing::Level;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::redact;

/// The variable that switches diagnostics on.
pub const ENV: &str = "NANOCLAW_SHIM_LOG";

/// The values [`ENV`] accepts, least to most verbose.
pub const LEVELS: &[&str] = &["off", "error", "warn", "info", "debug", "trace"];

/// What a value of [`ENV`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// `off`, or empty.
    Off,
    /// Events up to this level.
    Up(Level),
    /// Not one of [`LEVELS`].
    Invalid,
}

/// Reads a value of [`ENV`]: one of [`LEVELS`], ASCII case and surrounding blanks ignored.
pub fn setting(value: &OsStr) -> Setting {
    let Some(v) = value.to_str() else {
        return Setting::Invalid;
    };
    match v.trim().to_ascii_lowercase().as_str() {
        "" | "off" => Setting::Off,
        "error" => Setting::Up(Level::ERROR),
        "warn" => Setting::Up(Level::WARN),
        "info" => Setting::Up(Level::INFO),
        "debug" => Setting::Up(Level::DEBUG),
        "trace" => Setting::Up(Level::TRACE),
        _ => Setting::Invalid,
    }
}

/// Switches diagnostics on when [`ENV`] asks for them; otherwise builds nothing.
pub fn init() {
    let Some(value) = std::env::var_os(ENV) else {
        return;
    };
    match setting(&value) {
        Setting::Off => {}
        Setting::Up(max) => {
            // `try_init` fails only when a subscriber is already set (a second call): keep it.
            let _ = tracing_subscriber::fmt()
                .with_max_level(max)
                .with_writer(std::io::stderr)
                // A line that cannot be written is dropped: diagnostics never stop the call.
                .log_internal_errors(false)
                .event_format(Line)
                .try_init();
            tracing::debug!(
                "diagnostics: level {} ({ENV}, pid {})",
                name(max),
                std::process::id()
            );
        }
        // Named by its length only: whatever was put there (a token pasted into the wrong
        // variable) reaches nanoclaw's stderr at every call.
        Setting::Invalid => eprintln!(
            "nanoclaw-shim: warning: {ENV} ({} bytes) is not one of {}; diagnostics stay off",
            value.len(),
            LEVELS.join(", ")
        ),
    }
}

/// A level as [`ENV`] spells it.
fn name(level: Level) -> &'static str {
    match level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
    }
}

/// One line per event: `nanoclaw-shim: debug: <message>`, like the shim's other stderr lines.
struct Line;

impl<S, N> FormatEvent<S, N> for Line
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> fmt::Result {
        // The message may hold a path its environment named (`HOME`, `NANOCLAW_SHIM_POLICY`,
        // `XDG_*`): a line break there forged a line of the shim's own, and a token in it was
        // printed (the eighty-fourth look's). Shown as every other line the shim prints.
        let mut message = String::new();
        ctx.field_format()
            .format_fields(Writer::new(&mut message), event)?;
        writeln!(
            w,
            "nanoclaw-shim: {}: {}",
            name(*event.metadata().level()),
            shown(&message)
        )
    }
}

/// An argv as one shell-quoted line, redacted first as the log redacts it ([`redact::argv`]: a
/// credential that is a flag's separate value too, `--creds user:pass`): what an event may show.
pub struct Argv<'a>(pub &'a [OsString]);

impl fmt::Display for Argv<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, shown) in redact::argv(self.0).iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(&crate::explain::quote(OsStr::new(&shown)))?;
        }
        Ok(())
    }
}

/// Text as an event may show it (a change's token or reason, a refusal): secrets redacted. A
/// rule id at its end (` [deny.x]`) is kept out of the redaction, so that a line cut at a
/// secret still names the rule that refused it.
pub fn shown(text: &str) -> String {
    let (body, rule) = match text.rsplit_once(" [") {
        Some((body, id))
            if id.ends_with(']')
                && id.len() > 1
                && id[..id.len() - 1]
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'-') =>
        {
            (body, &text[body.len()..])
        }
        _ => (text, ""),
    };
    let mut out = crate::text::printable(&redact::message(body)).into_owned();
    out.push_str(rule);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        for (v, want) in [
            ("", Setting::Off),
            ("off", Setting::Off),
            ("OFF", Setting::Off),
            ("error", Setting::Up(Level::ERROR)),
            ("warn", Setting::Up(Level::WARN)),
            ("info", Setting::Up(Level::INFO)),
            (" Debug ", Setting::Up(Level::DEBUG)),
            ("trace", Setting::Up(Level::TRACE)),
        ] {
            assert_eq!(setting(OsStr::new(v)), want, "{v:?}");
        }
        for bad in ["1", "verbose", "debug,foo=trace", "warning"] {
            assert_eq!(setting(OsStr::new(bad)), Setting::Invalid, "{bad:?}");
        }
    }

    #[test]
    fn argv_is_redacted_and_quoted() {
        let argv: Vec<OsString> = [
            "run",
            "--creds",
            "u:creds-secret",
            "-e",
            "CLAUDE_CODE_OAUTH_TOKEN=sk-secret",
            "--env=HTTPS_PROXY=https://u:pw@proxy:3128",
            "a b",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        let line = Argv(&argv).to_string();
        assert!(!line.contains("sk-secret") && !line.contains("pw@"), "{line}");
        assert!(
            !line.contains("creds-secret"),
            "a separate credential value: {line}"
        );
        assert!(line.contains("CLAUDE_CODE_OAUTH_TOKEN=<redacted>"), "{line}");
        assert!(line.contains("--env=HTTPS_PROXY=<redacted>"), "{line}");
        assert!(line.ends_with("'a b'"), "{line}");
    }
}
