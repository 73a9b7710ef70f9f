//! SIGINT, SIGTERM and SIGHUP while verify runs: recorded, so that the command in flight is
//! killed, no further command starts, and what this run created is removed before it exits.
//!
//! The handler only stores the signal number in an atomic (async-signal-safe); everything else
//! happens in ordinary code that polls [`pending`]. Once cleanup starts the default actions are
//! restored, so a second Ctrl-C ends verify at once (the next run removes what is left).

use std::ffi::c_int;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

pub(crate) const SIGHUP: c_int = 1;
pub(crate) const SIGINT: c_int = 2;
pub(crate) const SIGTERM: c_int = 15;
const SIGPIPE: c_int = 13;
const SIG_DFL: usize = 0;
const SIG_IGN: usize = 1;

static CAUGHT: AtomicI32 = AtomicI32::new(0);
static CLEANING: AtomicBool = AtomicBool::new(false);

// SAFETY: `signal(2)` from the C library std already links; a handler is passed as the
// address of an `extern "C" fn(c_int)`, or SIG_DFL (0), as the C prototype expects.
#[allow(unsafe_code)]
unsafe extern "C" {
    fn signal(signum: c_int, handler: usize) -> usize;
}

extern "C" fn record(sig: c_int) {
    CAUGHT.store(sig, Ordering::SeqCst);
}

fn set(handler: usize) {
    for sig in [SIGHUP, SIGINT, SIGTERM] {
        // SAFETY: installs a handler that only stores to an atomic (async-signal-safe), or
        // restores the default action; no other code in the process manages these signals.
        #[allow(unsafe_code)]
        unsafe {
            signal(sig, handler);
        }
    }
}

/// Starts recording the three signals, and ignores SIGPIPE: the binary's `main` leaves it
/// at its default (see main.rs), and a command killed before it read its stdin would
/// otherwise kill verify through the thread still writing to it.
pub(crate) fn install() {
    set(record as extern "C" fn(c_int) as usize);
    // SAFETY: as in `set`; ignoring SIGPIPE turns a write to a closed pipe into EPIPE.
    #[allow(unsafe_code)]
    unsafe {
        signal(SIGPIPE, SIG_IGN);
    }
}

/// The signal that interrupted verify, while its checks (not its cleanup) run.
pub(crate) fn pending() -> Option<c_int> {
    if CLEANING.load(Ordering::SeqCst) {
        return None;
    }
    caught()
}

/// The signal that interrupted verify, if one did.
pub(crate) fn caught() -> Option<c_int> {
    match CAUGHT.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// Cleanup starts: commands run again, and a second signal has its default effect.
pub(crate) fn cleaning() {
    CLEANING.store(true, Ordering::SeqCst);
    set(SIG_DFL);
}

pub(crate) fn name(sig: c_int) -> &'static str {
    match sig {
        SIGHUP => "SIGHUP",
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}
