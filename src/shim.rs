//! The `docker` personality: load the policy, plan, exec. Nothing here writes to stdout.
//!
//! Every failure of the shim itself (policy, argv, runtime) exits 125, docker's code for "the
//! CLI failed", with one line on stderr; statuses 126/127 and everything else belong to the
//! runtime and the container, which replace this process on success.

use std::ffi::OsString;

use crate::policy::{self, LookupEnv};
use crate::rewrite::{self, Target};
use crate::runtime;

/// The exit status for every failure of the shim itself.
pub const EXIT_REFUSED: i32 = 125;

/// Runs the shim for `args` (argv without argv\[0\]); returns only on failure.
pub fn main(args: Vec<OsString>) -> i32 {
    match run(args) {
        Ok(never) => match never {},
        Err(message) => {
            eprintln!("nanoclaw-shim: {message}");
            EXIT_REFUSED
        }
    }
}

fn run(args: Vec<OsString>) -> Result<std::convert::Infallible, String> {
    runtime::check_reentry().map_err(|e| e.to_string())?;
    let (_, policy) =
        policy::load(&LookupEnv::from_env(None)).map_err(|e| format!("policy not loaded, refusing: {e}"))?;
    let binary = runtime::configured(&policy.runtime.binary);
    let target = Target {
        flavor: runtime::flavor_of(&binary),
    };
    let plan = rewrite::plan(&args, &policy, &target).map_err(|r| format!("refused: {r}"))?;
    let myself = std::env::current_exe().ok();
    let path = runtime::resolve(&binary, std::env::var_os("PATH").as_deref(), myself.as_deref())
        .map_err(|e| e.to_string())?;
    Err(runtime::exec(&path, &binary, &plan.args).to_string())
}
