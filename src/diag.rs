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

/// The level a value of [`ENV`] asks for: `None` for `off` (or empty), `Err` for anything
/// that is not one of [`LEVELS`] (ASCII case ignored).
pub fn level(value: &OsStr) -> Result<Option<Level>, ()> {
    let v = value.to_str().ok_or(())?.trim().to_ascii_lowercase();
    Ok(Some(match v.as_str() {
        "" | "off" => return Ok(None),
        "error" => Level::ERROR,
        "warn" => Level::WARN,
        "info" => Level::INFO,
        "debug" => Level::DEBUG,
        "trace" => Level::TRACE,
        _ => return Err(()),
    }))
}

/// Switches diagnostics on when [`ENV`] asks for them; otherwise builds nothing.
pub fn init() {
    let Some(value) = std::env::var_os(ENV) else {
        return;
    };
    match level(&value) {
        Ok(None) => {}
        Ok(Some(max)) => {
            // `try_init` fails only when a subscriber is already set (a second call): keep it.
            let _ = tracing_subscriber::fmt()
                .with_max_level(max)
                .with_writer(std::io::stderr)
                .event_format(Line)
                .try_init();
            tracing::debug!("diagnostics: {ENV}={} (pid {})", name(max), std::process::id());
        }
        Err(()) => eprintln!(
            "nanoclaw-shim: warning: {ENV}={} is not one of {}; diagnostics stay off",
            value.to_string_lossy(),
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
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut w: Writer<'_>, event: &tracing::Event<'_>) -> fmt::Result {
        write!(w, "nanoclaw-shim: {}: ", name(*event.metadata().level()))?;
        ctx.field_format().format_fields(w.by_ref(), event)?;
        writeln!(w)
    }
}

/// An argv as one shell-quoted line, every token redacted first: what an event may show.
pub struct Argv<'a>(pub &'a [OsString]);

impl fmt::Display for Argv<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.0.iter().enumerate() {
            let shown = redact::display(t);
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(&crate::explain::quote(OsStr::new(&shown)))?;
        }
        Ok(())
    }
}

/// Text as an event may show it (a change's token or reason, a refusal): secrets redacted.
pub fn shown(text: &str) -> String {
    redact::display(OsStr::new(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        for (v, want) in [
            ("", None),
            ("off", None),
            ("OFF", None),
            ("error", Some(Level::ERROR)),
            ("warn", Some(Level::WARN)),
            ("info", Some(Level::INFO)),
            (" Debug ", Some(Level::DEBUG)),
            ("trace", Some(Level::TRACE)),
        ] {
            assert_eq!(level(OsStr::new(v)), Ok(want), "{v:?}");
        }
        for bad in ["1", "verbose", "debug,foo=trace", "warning"] {
            assert_eq!(level(OsStr::new(bad)), Err(()), "{bad:?}");
        }
    }

    #[test]
    fn argv_is_redacted_and_quoted() {
        let argv: Vec<OsString> = [
            "run",
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
        assert!(line.contains("CLAUDE_CODE_OAUTH_TOKEN=<redacted>"), "{line}");
        assert!(line.contains("https://<redacted>@proxy:3128"), "{line}");
        assert!(line.ends_with("'a b'"), "{line}");
    }
}
