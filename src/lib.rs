//! nanoclaw-shim: a `docker` front for podman that hardens every container nanoclaw starts.

pub mod flags;
