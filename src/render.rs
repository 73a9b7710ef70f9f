//! One option as a token (`--long=value`): how the rewrite spells what it adds or re-spells,
//! and how a setting is shown (secrets redacted) in refusals, `explain` and the log.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::flags::Flag;
use crate::parse::OptValue;
use crate::redact;

/// `--long=value` (or `--long`, `--long=false`): one token that no parser can misread.
pub fn token(flag: &Flag, value: &OptValue) -> OsString {
    let mut t = format!("--{}", flag.long).into_bytes();
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
    String::from_utf8_lossy(token(flag, value).as_bytes()).into_owned()
}

/// An option as display text (`--long=value`), secrets redacted.
pub fn shown(flag: &Flag, value: &OptValue) -> String {
    redact::display(&token(flag, value))
}
