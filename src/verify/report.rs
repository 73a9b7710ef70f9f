//! How verify reports: one `[PASS]` / `[FAIL]` / `[WARN]` / `[SKIP]` line per check under its
//! group's header, the summary and the exit status. Pure, so the wording is unit-tested.

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Pass,
    Fail,
    /// Requested, but the platform cannot enforce it; not a failure, never a silent pass.
    Warn,
    /// Does not apply here.
    Skip,
}

impl Status {
    pub(crate) fn tag(self) -> &'static str {
        match self {
            Status::Pass => "[PASS]",
            Status::Fail => "[FAIL]",
            Status::Warn => "[WARN]",
            Status::Skip => "[SKIP]",
        }
    }
}

/// A check's status and what to tell the user about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) status: Status,
    pub(crate) detail: Option<String>,
}

impl Outcome {
    pub(crate) fn pass() -> Outcome {
        Outcome {
            status: Status::Pass,
            detail: None,
        }
    }
    fn with(status: Status, detail: impl Into<String>) -> Outcome {
        Outcome {
            status,
            detail: Some(detail.into()),
        }
    }
    pub(crate) fn pass_with(detail: impl Into<String>) -> Outcome {
        Outcome::with(Status::Pass, detail)
    }
    pub(crate) fn fail(detail: impl Into<String>) -> Outcome {
        Outcome::with(Status::Fail, detail)
    }
    pub(crate) fn warn(detail: impl Into<String>) -> Outcome {
        Outcome::with(Status::Warn, detail)
    }
    pub(crate) fn skip(detail: impl Into<String>) -> Outcome {
        Outcome::with(Status::Skip, detail)
    }

    pub(crate) fn from_result(r: Result<String, String>) -> Outcome {
        match r {
            Ok(d) if d.is_empty() => Outcome::pass(),
            Ok(d) => Outcome::pass_with(d),
            Err(e) => Outcome::fail(e),
        }
    }
}

/// The results so far, grouped as they were recorded.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    group: Option<&'static str>,
    statuses: Vec<Status>,
}

impl Tally {
    /// Records one check; returns the text to print (a group header when the group changes).
    pub(crate) fn record(&mut self, group: &'static str, name: &str, outcome: &Outcome) -> String {
        let mut out = String::new();
        if self.group != Some(group) {
            if self.group.is_some() {
                out.push('\n');
            }
            out.push_str(group);
            out.push_str(":\n");
            self.group = Some(group);
        }
        out.push_str(&format_line(name, outcome));
        self.statuses.push(outcome.status);
        out
    }

    pub(crate) fn count(&self, s: Status) -> usize {
        self.statuses.iter().filter(|&&x| x == s).count()
    }

    pub(crate) fn passed(&self) -> usize {
        self.count(Status::Pass)
    }

    pub(crate) fn failed(&self) -> usize {
        self.count(Status::Fail)
    }

    /// `Results: N/M passed`, M being the checks that passed or failed, then warnings and skips.
    pub(crate) fn summary(&self) -> String {
        let (p, f) = (self.passed(), self.failed());
        let mut s = format!("Results: {p}/{} passed", p + f);
        let mut extra = Vec::new();
        let w = self.count(Status::Warn);
        if w > 0 {
            extra.push(format!("{w} warning{}", if w == 1 { "" } else { "s" }));
        }
        let k = self.count(Status::Skip);
        if k > 0 {
            extra.push(format!("{k} skipped"));
        }
        if !extra.is_empty() {
            s.push_str(&format!(" ({})", extra.join(", ")));
        }
        s
    }

    /// 0 when nothing failed and something passed.
    pub(crate) fn exit_code(&self) -> i32 {
        if self.failed() == 0 && self.passed() > 0 {
            0
        } else {
            1
        }
    }
}

/// `  [PASS] name`, then each detail line indented under the name.
pub(crate) fn format_line(name: &str, outcome: &Outcome) -> String {
    let mut s = format!("  {} {name}\n", outcome.status.tag());
    if let Some(d) = &outcome.detail {
        for line in d.lines().filter(|l| !l.trim().is_empty()) {
            s.push_str("         ");
            s.push_str(line);
            s.push('\n');
        }
    }
    s
}
