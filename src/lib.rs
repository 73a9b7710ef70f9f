//! nanoclaw-shim: a `docker` front for podman that hardens every container nanoclaw starts.
//!
//! Data flow: argv → [`parse`] (docker's grammar, driven by [`flags`]) → [`rewrite`] (the
//! [`policy`] applied, pure) → [`runtime`] (resolve and exec). [`explain`] renders the same plan
//! for people; [`shim`] and [`cli`] are the two personalities chosen by argv\[0\].

pub mod aliases;
pub mod bump;
pub mod cli;
pub mod commands;
pub mod containerfile;
pub mod deny;
pub mod diag;
pub mod doctor;
pub mod env;
pub mod explain;
pub mod flags;
pub mod fnv;
pub mod glob;
pub mod govalue;
pub mod hostfs;
pub mod hostmemo;
pub mod hostpath;
pub mod log;
pub mod logview;
pub mod memcmp;
#[cfg(target_arch = "x86_64")]
pub mod memcpy;
pub mod mountcheck;
pub mod mounts;
pub mod onbuild;
pub mod parse;
pub mod pin;
pub mod policy;
pub mod process;
pub mod redact;
pub mod render;
pub mod rewrite;
pub mod rules;
pub mod runtime;
pub mod seccomp;
pub mod sha256;
pub mod shim;
pub mod style;
pub mod subnet;
pub mod template;
pub mod text;
pub mod trust;
pub mod units;
pub mod verify;
