//! Rendering a [`Plan`] (or a refusal) for people and for programs.
//!
//! `explain` exists so a user can see, before nanoclaw runs anything, exactly what the shim will
//! exec and why each token changed. It renders the very `Plan` the shim executes; it only adds
//! shell quoting (so the command line can be pasted) and secret redaction (so it can be shared).

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt;

use serde_json::json;

use crate::redact;
use crate::rewrite::{Action, Change, Decision, Plan};
use crate::rules::Rule;
use crate::style::{Paint, Tone};

/// The version of `explain --format json`'s document (and of its error object); documented in
/// docs/JSON.md. Bumped when a field changes meaning or goes away, not when one is added.
pub const SCHEMA_VERSION: u32 = 1;

/// What the shim knows about the runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// `podman` or `docker`: which grammar the rewrite targets.
    pub flavor: &'static str,
    pub rootless: bool,
    /// Known only when a rule needed it (the probe runs `--version` once per binary).
    pub version: Option<(u32, u32, u32)>,
}

impl Facts {
    fn version_string(&self) -> Option<String> {
        self.version.map(|v| format!("{}.{}.{}", v.0, v.1, v.2))
    }
}

impl std::fmt::Display for Facts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} flavour, {}, version {}",
            self.flavor,
            if self.rootless { "rootless" } else { "rootful" },
            self.version_string().as_deref().unwrap_or("not needed")
        )
    }
}

/// Everything `explain` reports about one invocation.
pub struct Report<'a> {
    pub plan: &'a Plan,
    /// The runtime as configured (`podman`) and where it resolved, or why it did not.
    pub runtime: &'a OsStr,
    pub runtime_path: Result<String, String>,
    /// What the shim knows about the runtime (flavour, rootless, version).
    pub facts: Facts,
    /// Where the policy came from.
    pub policy: &'a str,
    /// The runtime's environment as the policy judges it: the variables removed before exec
    /// (`deny.engine-redirect`, `deny.host-handoff`), or why it is refused (`deny.environment`).
    pub environment: Result<Vec<&'static str>, String>,
    /// The variables not on the runtime's list that are removed before exec (names only).
    pub unlisted: Vec<String>,
    /// Whether the policy keeps every variable (`keep_environment = ["*"]`): said, as nothing
    /// is then listed as removed.
    pub keeps_all: bool,
    pub show_secrets: bool,
}

/// One rule that refuses the invocation (or would, in audit mode).
struct Violation<'p> {
    rule: String,
    /// The offending option, when the rule points at one.
    token: Option<&'p str>,
    reason: &'p str,
}

impl Report<'_> {
    /// Whether the shim would exec the runtime.
    pub fn runs(&self) -> bool {
        self.plan.decision.runs() && self.runtime_path.is_ok() && self.environment.is_ok()
    }

    fn decision(&self) -> &'static str {
        if self.runs() {
            self.plan.decision.as_str()
        } else {
            "refuse"
        }
    }

    /// Every violation: each deny rule that matched, then a refusal no deny rule stands for (an
    /// argv that does not parse, a flag the runtime lacks).
    fn violations(&self) -> Vec<Violation<'_>> {
        let plan = self.plan;
        let mut v: Vec<Violation<'_>> = plan
            .changes
            .iter()
            .filter(|c| c.action == Action::Deny)
            .map(|c| Violation {
                rule: c.rule.to_string(),
                token: Some(&c.token),
                reason: &c.reason,
            })
            .collect();
        if let Some(r) = &plan.refusal {
            let rule = r.rule.to_string();
            if !v.iter().any(|x| x.rule == rule) {
                v.insert(
                    0,
                    Violation {
                        rule,
                        token: None,
                        reason: &r.message,
                    },
                );
            }
        }
        if let Err(why) = &self.environment {
            v.push(Violation {
                rule: Rule::DenyEnvironment.to_string(),
                token: None,
                reason: why,
            });
        }
        v
    }

    /// Whether a (non-deny) change is in the argv that is exec'd: under enforce all are; in
    /// audit mode only the compatibility fixes; a refused invocation execs nothing.
    fn applied(&self, c: &Change) -> bool {
        match self.plan.decision {
            Decision::Rewrite => true,
            Decision::Audit => c.rule.to_string().starts_with("compat."),
            _ => false,
        }
    }

    fn token(&self, t: &OsStr) -> String {
        if self.show_secrets {
            return quote(t);
        }
        let shown = redact::display(t);
        if shown == redact::display_raw(t) {
            quote(t)
        } else {
            quote(OsStr::new(&shown))
        }
    }

    fn words(&self, args: &[OsString]) -> Vec<String> {
        let mut words = vec![self.token(self.runtime)];
        if self.show_secrets {
            words.extend(args.iter().map(|t| quote(t)));
        } else {
            // Redacted as an argv (a flag's separate value too); a token shown as it is keeps its
            // bytes.
            let shown = redact::argv(args);
            words.extend(args.iter().zip(&shown).map(|(t, s)| {
                if *s == redact::display_raw(t) {
                    quote(t)
                } else {
                    quote(OsStr::new(s))
                }
            }));
        }
        words
    }

    /// A message for people: secrets hidden (unless asked for), control characters escaped
    /// ([`crate::text::printable`]).
    fn redact_text(&self, s: &str) -> String {
        if self.show_secrets {
            crate::text::printable(s).into_owned()
        } else {
            crate::text::printable(&redact::display(OsStr::new(s))).into_owned()
        }
    }

    /// Human-readable report.
    pub fn text(&self) -> String {
        self.text_painted(Paint::PLAIN)
    }

    /// Human-readable report, the verdict (the decision and a refusal) coloured by `paint`.
    pub fn text_painted(&self, paint: Paint) -> String {
        let plan = self.plan;
        let mut out = String::new();
        let decision = self.decision();
        let tone = match decision {
            "refuse" => Tone::Bad,
            "audit" => Tone::Warn,
            _ => Tone::Good,
        };
        let _ = writeln!(out, "decision: {}", paint.tone(tone, decision));
        let _ = writeln!(out, "mode:     {}", plan.mode.as_str());
        // A profile's name is the policy writer's text: escaped, so that it forges no line.
        let profile = plan.profile.as_deref().map(crate::text::printable);
        let _ = writeln!(out, "profile:  {}", profile.as_deref().unwrap_or("none"));
        match &self.runtime_path {
            Ok(p) => {
                let _ = writeln!(
                    out,
                    "runtime:  {} ({p}; {})",
                    self.runtime.to_string_lossy(),
                    self.facts
                );
            }
            Err(e) => {
                let _ = writeln!(
                    out,
                    "runtime:  {} (not usable: {e})",
                    self.runtime.to_string_lossy()
                );
            }
        }
        let _ = writeln!(out, "policy:   {}", self.policy);
        match &self.environment {
            Ok(removed) if removed.is_empty() => {}
            Ok(removed) => {
                // Grouped by the rule that removes them, in the order they were met.
                let mut rules: Vec<Rule> = Vec::new();
                for r in removed.iter().map(|n| crate::trust::removed_by(n)) {
                    if !rules.contains(&r) {
                        rules.push(r);
                    }
                }
                for rule in rules {
                    let names: Vec<&str> = removed
                        .iter()
                        .copied()
                        .filter(|n| crate::trust::removed_by(n) == rule)
                        .collect();
                    let _ = writeln!(
                        out,
                        "environment: {} removed before exec [{rule}]",
                        crate::text::printable(&names.join(", "))
                    );
                }
            }
            Err(_) => {}
        }
        if self.environment.is_ok() && !self.unlisted.is_empty() {
            // A login shell has dozens: the count and the rule first, the names sorted to scan.
            let mut names = self.unlisted.clone();
            names.sort_unstable();
            let _ = writeln!(
                out,
                "environment: {} not on the runtime's list, removed before exec (keep one with [runtime] keep_environment) [{}]: {}",
                names.len(),
                Rule::DenyEnvironment,
                // A name is the environment's, any bytes but `=` (the hundred-and-twenty-seventh
                // look's: one holding a line break forged a `decision:` line).
                crate::text::printable(&names.join(", "))
            );
        }
        if self.environment.is_ok() && self.keeps_all {
            let _ = writeln!(
                out,
                "environment: every variable kept for the runtime ([runtime] keep_environment = [\"*\"]), but those the environment's rules remove or refuse [{}]",
                Rule::DenyEnvironment
            );
        }
        match &self.environment {
            Ok(_) => {}
            Err(why) => {
                let _ = writeln!(
                    out,
                    "environment: {} {} [{}]",
                    paint.tone(Tone::Bad, "refused:"),
                    self.redact_text(why),
                    Rule::DenyEnvironment
                );
            }
        }
        if plan.decision.runs() {
            let _ = writeln!(out, "command:  {}", self.words(&plan.args).join(" "));
        }
        // A line copied from the decision log holds its redactions: what depends on a redacted
        // value is judged without it (podman 5's host-loopback port from a proxy URL; the
        // eighty-third look's replay showed a plan that would not reach OneCLI).
        if plan.args.iter().any(|a| {
            a.as_encoded_bytes()
                .windows(crate::redact::REDACTED.len())
                .any(|w| w == crate::redact::REDACTED.as_bytes())
        }) {
            let _ = writeln!(
                out,
                "note:     the command holds {} values (copied from a log): what depends on them, such as the host's loopback ports a proxy URL names, is judged without them",
                crate::redact::REDACTED
            );
        }
        let audit = plan.decision == Decision::Audit;
        let violations = self.violations();
        if let Some(r) = &plan.refusal {
            let label = if audit {
                paint.tone(Tone::Warn, "would refuse:")
            } else {
                paint.tone(Tone::Bad, "refused:")
            };
            let _ = writeln!(out, "{label}  {} [{}]", self.redact_text(&r.message), r.rule);
        }
        if violations.len() > 1 || violations.iter().any(|v| v.token.is_some()) {
            let _ = writeln!(out, "violations ({}):", violations.len());
            for v in &violations {
                let _ = writeln!(
                    out,
                    "  ! {:<26} {}  ({})",
                    v.rule,
                    self.redact_text(v.token.unwrap_or("-")),
                    self.redact_text(v.reason)
                );
            }
        }
        let changes: Vec<&Change> = plan.changes.iter().filter(|c| c.action != Action::Deny).collect();
        if changes.is_empty() {
            let _ = writeln!(out, "changes:  none");
        } else {
            let label = match plan.decision {
                Decision::Refuse => "would apply if it were allowed (nothing runs):",
                Decision::Audit => "would change:",
                _ => "changes:",
            };
            let _ = writeln!(out, "{label}");
            for c in changes {
                let mark = match c.action {
                    Action::Add => '+',
                    Action::Remove => '-',
                    Action::Replace => '~',
                    Action::Keep => '=',
                    Action::Deny => '!',
                };
                let _ = writeln!(
                    out,
                    "  {mark} {:<26} {}  ({})",
                    c.rule,
                    self.redact_text(&c.token),
                    self.redact_text(&c.reason)
                );
            }
        }
        out
    }

    /// Machine-readable report: one JSON object, schema [`SCHEMA_VERSION`] (docs/JSON.md).
    pub fn json(&self) -> String {
        let plan = self.plan;
        // Redacted as an argv, as the text is: a flag's separate value too (`-e db=secret`).
        let argv: Vec<String> = if self.show_secrets {
            std::iter::once(self.runtime)
                .chain(plan.args.iter().map(OsString::as_os_str))
                .map(redact::display_raw)
                .collect()
        } else {
            // The arguments redacted as an argv on their own (a leading runtime name would hide
            // where the container's command starts: the thirty-first pass's look), then named.
            std::iter::once(redact::display(self.runtime))
                .chain(redact::argv(&plan.args))
                .collect()
        };
        let change = |c: &Change| {
            let tok = self.redact_text(&c.token);
            let (from, to) = match c.action {
                Action::Add => (None, Some(tok)),
                Action::Remove => (Some(tok), None),
                Action::Keep | Action::Deny => (Some(tok.clone()), Some(tok)),
                Action::Replace => match tok.split_once(" -> ") {
                    Some((a, b)) => (Some(a.to_string()), Some(b.to_string())),
                    None => (None, Some(tok)),
                },
            };
            json!({
                "rule": c.rule,
                "action": c.action.as_str(),
                "from": from,
                "to": to,
                "reason": self.redact_text(&c.reason),
                "applied": self.applied(c),
            })
        };
        let value = json!({
            "schema_version": SCHEMA_VERSION,
            "decision": self.decision(),
            "mode": plan.mode.as_str(),
            "profile": plan.profile,
            "runtime": {
                "binary": self.runtime.to_string_lossy(),
                "path": self.runtime_path.as_ref().ok(),
                "error": self.runtime_path.as_ref().err(),
                "flavor": self.facts.flavor,
                "rootless": self.facts.rootless,
                "version": self.facts.version_string(),
            },
            "policy": self.policy,
            "environment": {
                "removed": self.environment.as_ref().ok().map(|named| {
                    named.iter().map(|n| n.to_string()).chain(self.unlisted.iter().cloned()).collect::<Vec<_>>()
                }),
                "refused": self.environment.as_ref().err().map(|why| self.redact_text(why)),
            },
            "command": plan.command.iter().map(|w| self.redact_text(w)).collect::<Vec<_>>(),
            "argv": if plan.decision.runs() { Some(argv) } else { None },
            "shell": if plan.decision.runs() { Some(self.words(&plan.args).join(" ")) } else { None },
            "refusal": plan.refusal.as_ref().map(|r| json!({"rule": r.rule, "reason": self.redact_text(&r.message)})),
            "violations": self.violations().iter().map(|v| json!({
                "rule": v.rule,
                "token": v.token.map(|t| self.redact_text(t)),
                "reason": self.redact_text(v.reason),
            })).collect::<Vec<_>>(),
            "changes": plan.changes.iter().filter(|c| c.action != Action::Deny).map(change).collect::<Vec<_>>(),
        });
        let mut s = serde_json::to_string_pretty(&value).expect("JSON of plain values");
        s.push('\n');
        s
    }
}

/// The JSON document `explain --format json` prints when it cannot plan at all (the policy
/// does not load): the same `schema_version`, `decision: "refuse"` (what the shim would do) and
/// an `error` with every diagnostic.
pub fn json_error(
    kind: &str,
    message: &str,
    file: Option<&str>,
    diagnostics: &[crate::policy::Diagnostic],
) -> String {
    let value = json!({
        "schema_version": SCHEMA_VERSION,
        "decision": "refuse",
        "error": {
            "kind": kind,
            "message": crate::text::printable(&crate::redact::message(message)),
            "file": file.map(|f| crate::text::printable(&crate::redact::message(f)).into_owned()),
            "diagnostics": diagnostics.iter().map(|d| json!({
                "severity": match d.severity {
                    crate::policy::Severity::Error => "error",
                    crate::policy::Severity::Warning => "warning",
                },
                "code": d.code.as_str(),
                "message": d.message,
                "hint": d.hint,
                "line": d.position.map(|p| p.0),
                "column": d.position.map(|p| p.1),
            })).collect::<Vec<_>>(),
        },
    });
    let mut s = serde_json::to_string_pretty(&value).expect("JSON of plain values");
    s.push('\n');
    s
}

/// Quotes one argv token for a POSIX shell (bash's `$'..'` for bytes that are not printable
/// UTF-8), so the printed command line reproduces the exact bytes.
pub fn quote(t: &OsStr) -> String {
    let b = t.as_bytes();
    let safe = |c: u8| c.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&c);
    if !b.is_empty() && b.iter().all(|&c| safe(c)) {
        return crate::text::owned(b);
    }
    match std::str::from_utf8(b) {
        // (U+2028 and the bidirectional controls too: they broke or reordered `explain`'s
        // `command:` line and the log's text view, the hundred-and-twenty-fifth look's.)
        Ok(s) if !s.chars().any(crate::text::hidden) => format!("'{}'", s.replace('\'', r"'\''")),
        _ => {
            let mut out = String::from("$'");
            for chunk in b.utf8_chunks() {
                for ch in chunk.valid().chars() {
                    match ch {
                        '\\' => out.push_str(r"\\"),
                        '\'' => out.push_str(r"\'"),
                        c if crate::text::hidden(c) => {
                            let mut buf = [0; 4];
                            for byte in c.encode_utf8(&mut buf).bytes() {
                                let _ = write!(out, "\\x{byte:02x}");
                            }
                        }
                        c => out.push(c),
                    }
                }
                for byte in chunk.invalid() {
                    let _ = write!(out, "\\x{byte:02x}");
                }
            }
            out.push('\'');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStringExt;

    #[test]
    fn quoting() {
        assert_eq!(quote(OsStr::new("run")), "run");
        assert_eq!(quote(OsStr::new("")), "''");
        assert_eq!(quote(OsStr::new("a b")), "'a b'");
        assert_eq!(quote(OsStr::new("it's")), r"'it'\''s'");
        assert_eq!(quote(OsStr::new("{{.Names}}")), "'{{.Names}}'");
        let raw = OsString::from_vec(b"/tmp/\xff x".to_vec());
        assert_eq!(quote(&raw), r"$'/tmp/\xff x'");
        assert_eq!(quote(OsStr::new("a\nb")), r"$'a\x0ab'");
        // A line separator and a right-to-left override (the hundred-and-twenty-fifth look's).
        assert_eq!(
            quote(OsStr::new("x\u{2028}y\u{202e}")),
            r"$'x\xe2\x80\xa8y\xe2\x80\xae'"
        );
        assert_eq!(quote(OsStr::new("José")), "'José'");
    }
}
