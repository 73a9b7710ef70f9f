//! One option as a token (`--long=value`): how the rewrite spells what it adds or re-spells,
//! and how a setting is shown (secrets redacted) in refusals, `explain` and the log.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::flags::Flag;
use crate::parse::OptValue;
use crate::redact;

/// `--long=value` (or `--long`, `--long=false`): one token that no parser can misread.
pub fn token(flag: &Flag, value: &OptValue) -> OsString {
    let long = flag.long.as_bytes();
    let more = match value {
        OptValue::Bool(_) => 6,
        OptValue::Value(v) => 1 + v.len(),
    };
    // Built by hand, not with `format!`: every added or re-spelled option is rendered twice
    // per call (the argv, and the change it records).
    let mut t = Vec::with_capacity(2 + long.len() + more);
    t.extend_from_slice(b"--");
    t.extend_from_slice(long);
    match value {
        OptValue::Bool(true) => {}
        OptValue::Bool(false) => t.extend_from_slice(b"=false"),
        OptValue::Value(v) => {
            t.push(b'=');
            t.extend_from_slice(v.as_bytes());
        }
    }
    OsString::from_vec(t)
}

/// An option as text (`--long=value`), unredacted: for [`Change::token`](crate::rewrite::Change::token).
pub fn raw(flag: &Flag, value: &OptValue) -> String {
    token(flag, value)
        .into_string()
        .unwrap_or_else(|t| crate::text::owned(t.as_bytes()))
}

/// An option as display text (`--long=value`), secrets redacted.
pub fn shown(flag: &Flag, value: &OptValue) -> String {
    redact::display(&token(flag, value))
}
