//! Which `docker` wins on a PATH, and whether it is this binary. The decision is pure (the
//! candidates and the check); only `probe_docker` looks at the filesystem.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::check::{Check, CheckId};

/// What a `docker` found on PATH is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DockerKind {
    /// The very binary running `doctor` (same device and inode).
    ThisShim,
    /// Another nanoclaw-shim binary (its real file is called `nanoclaw-shim`).
    OtherShim(PathBuf),
    /// Anything else: docker, podman-docker's script, another wrapper.
    Other,
}

/// An executable `docker` on PATH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) path: PathBuf,
    pub(crate) kind: DockerKind,
}

/// Every executable `docker` in `dirs`, in PATH order; `probe` says whether a path is an
/// executable file and what it is. The first one is the one a PATH search runs.
pub(crate) fn docker_candidates(
    dirs: &[PathBuf],
    probe: impl Fn(&Path) -> Option<DockerKind>,
) -> Vec<Candidate> {
    dirs.iter()
        .map(|d| d.join("docker"))
        .filter_map(|path| probe(&path).map(|kind| Candidate { path, kind }))
        .collect()
}

/// The `docker` check from the candidates found on the PATH described by `source`.
/// `fix_order` says how to put the shim first on that PATH.
pub(crate) fn docker_check(candidates: &[Candidate], me: &Path, source: &str, fix_order: &str) -> Check {
    const NAME: CheckId = CheckId::Docker;
    let Some(first) = candidates.first() else {
        return Check::fail(
            NAME,
            format!("no `docker` on {source}: nanoclaw cannot start agents"),
            fix_order.to_string(),
        );
    };
    let shown = first.path.display();
    match &first.kind {
        DockerKind::ThisShim => Check::ok(
            NAME,
            format!(
                "{shown} wins on {source} and is this nanoclaw-shim ({})",
                me.display()
            ),
        ),
        DockerKind::OtherShim(real) => Check::warn(
            NAME,
            format!(
                "{shown} wins on {source}; it is nanoclaw-shim, but another binary ({}) than this one ({})",
                real.display(),
                me.display()
            ),
            "make sure that copy is the version you want (re-run install.sh), or run its own `doctor`",
        ),
        DockerKind::Other => {
            let later = candidates
                .iter()
                .find(|c| c.kind == DockerKind::ThisShim)
                .map(|c| format!("; the shim's {} comes later and is never run", c.path.display()))
                .unwrap_or_default();
            Check::fail(
                NAME,
                format!("{shown} wins on {source} and is not nanoclaw-shim{later}"),
                fix_order.to_string(),
            )
        }
    }
}

pub(crate) fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Classifies an executable `docker` (following symlinks); `None` if it is not one.
pub(crate) fn probe_docker(path: &Path, me: Option<(u64, u64)>) -> Option<DockerKind> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
        return None;
    }
    if me == Some((meta.dev(), meta.ino())) {
        return Some(DockerKind::ThisShim);
    }
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if real.file_name().is_some_and(|n| n == "nanoclaw-shim") {
        return Some(DockerKind::OtherShim(real));
    }
    Some(DockerKind::Other)
}
