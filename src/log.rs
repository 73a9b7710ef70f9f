//! The decision log: one JSON line per rewritten, refused, audited or exempted invocation.
//!
//! Many shim processes write at once (nanoclaw starts agents in parallel), so each record is one
//! `write(2)` to a file opened with `O_APPEND`: the kernel appends it whole, and readers never see
//! interleaved lines. The log must never block or break a docker call: it is opened non-blocking,
//! only a regular file is written, and any failure is reported as one warning line and dropped.
//! Every argv in it is redacted.

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::redact;
use crate::rewrite::{Action, Decision, Plan};

/// Whether a plan is worth a record.
pub fn wanted(plan: &Plan) -> bool {
    match plan.decision {
        Decision::Rewrite | Decision::Refuse | Decision::Audit | Decision::Exempt => true,
        Decision::Off => plan.profile.is_some(),
        Decision::Passthrough => false,
    }
}

/// The JSON record for a plan (one line, no trailing newline).
pub fn record(plan: &Plan, original: &[OsString], now: SystemTime, pid: u32) -> String {
    let redacted = |v: &[OsString]| redact::argv(v);
    let value = json!({
        "time": rfc3339(now),
        "pid": pid,
        "mode": plan.mode.as_str(),
        "profile": plan.profile,
        "decision": plan.decision.as_str(),
        "rules": rules(plan),
        // A reason quotes the caller's tokens (a build context's URL with its password).
        "reason": plan.refusal.as_ref().map(|r| redact::display(std::ffi::OsStr::new(&r.message))),
        "argv": redacted(original),
        "final": if plan.decision.runs() { Some(redacted(&plan.args)) } else { None },
    });
    value.to_string()
}

/// The rule ids a record names, each once: for a refusal the rules that refused it (the
/// hardening it would have had is not what happened), otherwise every rule that changed it.
pub fn rules(plan: &Plan) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let refused = plan.decision == Decision::Refuse;
    let from_changes = plan
        .changes
        .iter()
        .filter(|c| !refused || c.action == Action::Deny)
        .map(|c| c.rule);
    for id in from_changes.chain(plan.refusal.iter().map(|r| r.rule)) {
        let id = id.to_string();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// Appends one record; errors are returned for the caller to report once.
///
/// Written only where nobody but `owner` (the caller) and root could have put what is there:
/// the log's folder and every folder above it pass the policy file's trust check, and the file
/// opened is a regular file `owner` owns, that nobody else may write, with one name. Otherwise a
/// link planted in a shared folder would have the caller append to a file of the planter's
/// choosing (the red team's `decisions.jsonl -> ~/.bashrc`: a label's `$(...)` ran when the
/// file was sourced).
pub fn append(path: &Path, line: &str, owner: u32) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let open = || {
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            // A FIFO with no reader must not hang the docker call; a link at the name is
            // someone's planting, not followed.
            .custom_flags(crate::hostfs::O_NONBLOCK | crate::hostfs::O_NOFOLLOW)
            .open(path)
    };
    // The folder is judged before anything is opened in it: `open` would follow a planted link
    // and create its target.
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // Nor in container storage: a named volume's folder is the caller's own, and an agent that
    // mounts the volume by name read the log and forged lines in it (the look `hd`).
    if let Err(why) = crate::trust::own_file(dir, Some(owner)) {
        if std::fs::symlink_metadata(dir).is_ok() {
            return Err(std::io::Error::other(why));
        }
        // A fresh HOME has no ~/.local/state yet: create the log's folder, private, once.
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        crate::trust::own_file(dir, Some(owner)).map_err(std::io::Error::other)?;
    }
    let mut file = open()?;
    let m = file.metadata()?;
    if !m.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if !crate::hostfs::callers_alone(&m, owner) {
        return Err(std::io::Error::other(format!(
            "the file is not the caller's alone (owner uid {}, mode {:o}, {} names)",
            m.uid(),
            m.mode() & 0o7777,
            m.nlink()
        )));
    }
    // One others may read (an operator's `touch`, logrotate's `create 0644`) is made the
    // caller's alone before anything is added: the log holds every argv, redacted, and a
    // redaction that misses a shape would otherwise be every local user's to read (the
    // hundred-and-twenty-fifth look's).
    if m.mode() & 0o077 != 0 {
        file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    }
    let mut buf = Vec::with_capacity(line.len() + 1);
    buf.extend_from_slice(line.as_bytes());
    buf.push(b'\n');
    let n = file.write(&buf)?;
    if n != buf.len() {
        return Err(std::io::Error::other("short write"));
    }
    Ok(())
}

/// `2026-11-20T21:59:54.123Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_millis(1_795_039_194_123)),
            "2026-11-18T21:59:54.123Z"
        );
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00.000Z"
        );
    }

    #[test]
    fn only_the_caller_s_own_file_is_written() {
        use std::os::unix::fs::PermissionsExt;
        let me = crate::process::euid();
        let d = tempfile::tempdir().unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let log = d.path().join("decisions.jsonl");
        append(&log, "{}", me).unwrap();
        append(&log, "{}", me).unwrap();
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "{}\n{}\n");
        // One others may read is made the caller's alone.
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
        append(&log, "{}", me).unwrap();
        let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::write(&log, "{}\n{}\n").unwrap();
        // A link at the log's name: its target is not written.
        let target = d.path().join("bashrc");
        std::fs::write(&target, "").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        let link = d.path().join("linked.jsonl");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(append(&link, "{}", me).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
        // A second name for another file.
        let hard = d.path().join("hard.jsonl");
        std::fs::hard_link(&target, &hard).unwrap();
        assert!(append(&hard, "{}", me).is_err());
        // Someone else's file, or one others may write.
        assert!(append(&log, "{}", me + 1).is_err());
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(append(&log, "{}", me).is_err());
        // A folder everyone can write: nothing in it is trusted.
        let open = d.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = append(&open.join("decisions.jsonl"), "{}", me).unwrap_err();
        assert!(e.to_string().contains("everyone"), "{e}");
    }

    #[test]
    fn fifo_without_reader_does_not_block() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("fifo");
        let ok = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            assert!(append(&fifo, "{}", crate::process::euid()).is_err());
        }
    }
}
