//! The integration tests, one crate (one binary to link): each module is one area, driving the
//! library or the built binary; `support` holds the fixtures they share.

mod bypass;
mod cli_conventions;
mod cli_extras;
mod colour;
mod commands;
mod decision_log;
mod default_deny;
mod diagnostics;
mod docs;
mod docs_rules;
mod doctor;
mod e2e_host_files;
mod e2e_podman;
mod explain_cli;
mod explain_snapshots;
mod install;
mod log_cli;
mod operability;
mod policy_check;
mod properties;
mod quickstart;
mod real_argv;
mod shim;
mod support;
mod verify_cleanup;
