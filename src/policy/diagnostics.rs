//! What `policy check` reports: every problem at once, each with `file:line:col`, a stable code
//! and a hint (cargo-deny's model); and the one line the shim prints when a policy does not load.

use std::fmt;

use crate::style::{Paint, Tone};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The policy does not load.
    Error,
    /// The policy loads, but `policy check` reports it.
    Warning,
}

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable kebab-case code, documented in docs/POLICY.md.
    pub code: &'static str,
    pub message: String,
    pub hint: Option<String>,
    /// 1-based line and column.
    pub position: Option<(usize, usize)>,
}

/// A policy that did not load: the file and every diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl PolicyError {
    pub(super) fn single(file: &str, code: &'static str, message: String) -> PolicyError {
        PolicyError {
            file: file.to_string(),
            diagnostics: vec![Diagnostic {
                severity: Severity::Error,
                code,
                message,
                hint: None,
                position: None,
            }],
        }
    }

    /// Every diagnostic, one per line (with hints), labels coloured by `paint`.
    pub fn report(&self, paint: Paint) -> String {
        self.diagnostics
            .iter()
            .map(|d| format_diagnostic(&self.file, d, paint))
            .collect()
    }
}

/// `file:line:col: error[code]: message` plus an indented hint line, the `error` / `warning`
/// label coloured by `paint`.
pub fn format_diagnostic(file: &str, d: &Diagnostic, paint: Paint) -> String {
    let sev = match d.severity {
        Severity::Error => paint.tone(Tone::Bad, "error"),
        Severity::Warning => paint.tone(Tone::Warn, "warning"),
    };
    let mut s = match d.position {
        Some((l, c)) => format!("{file}:{l}:{c}: {sev}[{}]: {}\n", d.code, d.message),
        None => format!("{file}: {sev}[{}]: {}\n", d.code, d.message),
    };
    if let Some(h) = &d.hint {
        s.push_str(&format!("  hint: {h}\n"));
    }
    s
}

/// One line: the first error (what the shim prints before refusing).
impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self
            .diagnostics
            .iter()
            .find(|d| d.severity == Severity::Error)
            .or(self.diagnostics.first());
        match d {
            Some(d) => {
                let more = self
                    .diagnostics
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .count()
                    - 1;
                let more = if more > 0 {
                    format!(" (and {more} more)")
                } else {
                    String::new()
                };
                match d.position {
                    Some((l, c)) => write!(f, "{}:{l}:{c}: {}{more}", self.file, d.message),
                    None => write!(f, "{}: {}{more}", self.file, d.message),
                }
            }
            None => write!(f, "{}: invalid policy", self.file),
        }
    }
}

impl std::error::Error for PolicyError {}
