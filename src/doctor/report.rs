//! The report as people and programs read it: aligned text with `fix:` lines, or versioned JSON
//! (docs/JSON.md), and the exit status.

use serde::Serialize;

use super::check::{Check, Status};
use crate::style::{Paint, Tone};

/// Whether the report has no failure.
pub(crate) fn all_ok(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.status != Status::Fail)
}

/// The exit status: 0 when nothing failed, 1 otherwise.
pub(crate) fn exit_code(checks: &[Check]) -> i32 {
    if all_ok(checks) { 0 } else { 1 }
}

/// One line per check (`STATUS  name  detail`), an indented `fix:` line under each that is not
/// OK, and a summary line; `paint` colours the statuses.
pub(crate) fn render_text(checks: &[Check], paint: Paint) -> String {
    let width = checks.iter().map(|c| c.name.as_str().len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in checks {
        let tone = match c.status {
            Status::Ok => Tone::Good,
            Status::Warn => Tone::Warn,
            Status::Fail => Tone::Bad,
        };
        out.push_str(&format!(
            "{}  {:<width$}  {}\n",
            paint.tone(tone, &format!("{:<4}", c.status.as_str())),
            c.name,
            c.detail
        ));
        if let Some(fix) = &c.fix {
            out.push_str(&format!("{:<4}  {:<width$}  fix: {fix}\n", "", ""));
        }
    }
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    out.push_str(&format!(
        "{} OK, {} WARN, {} FAIL\n",
        count(Status::Ok),
        count(Status::Warn),
        count(Status::Fail)
    ));
    out
}

/// The version of `doctor --format json`'s document (docs/JSON.md).
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// `{"schema_version", "ok", "summary": {"ok", "warn", "fail"}, "checks": [{"name", "status",
/// "detail", "fix"}]}`.
pub(crate) fn render_json(checks: &[Check]) -> String {
    #[derive(Serialize)]
    struct Summary {
        ok: usize,
        warn: usize,
        fail: usize,
    }
    #[derive(Serialize)]
    struct Report<'a> {
        schema_version: u32,
        ok: bool,
        summary: Summary,
        checks: &'a [Check],
    }
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    let mut s = serde_json::to_string_pretty(&Report {
        schema_version: SCHEMA_VERSION,
        ok: all_ok(checks),
        summary: Summary {
            ok: count(Status::Ok),
            warn: count(Status::Warn),
            fail: count(Status::Fail),
        },
        checks,
    })
    .expect("JSON of plain values");
    s.push('\n');
    s
}
