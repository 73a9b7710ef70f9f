//! Leaving nothing behind: what this run created is removed at its end (also when
//! interrupted), and what killed runs left is found by its label and removed once their
//! process is gone.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::docker::{Ctx, LABEL};
use super::strs;

/// The ids among `(id, label value)` pairs that a run which is no longer alive left behind;
/// `alive` says whether a process id still runs. A value that is not `PID-NANOS` is not ours.
pub(crate) fn stale(found: &[(String, String)], alive: impl Fn(u32) -> bool) -> Vec<String> {
    found
        .iter()
        .filter(|(_, label)| {
            label
                .split_once('-')
                .and_then(|(pid, rest)| {
                    (!rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
                        .then(|| pid.parse::<u32>().ok())
                        .flatten()
                })
                .is_some_and(|pid| !alive(pid))
        })
        .map(|(id, _)| id.clone())
        .collect()
}

/// `ID<TAB>LABEL` lines of an `inspect --format`.
pub(crate) fn id_label_pairs(out: &str) -> Vec<(String, String)> {
    out.lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(i, l)| (i.trim().to_string(), l.trim().to_string()))
        .filter(|(i, _)| !i.is_empty())
        .collect()
}

pub(crate) fn pid_alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
}

/// Removes what this run created: its containers (by name, then any other carrying its
/// label, such as the unnamed smoke test) and its built image.
pub(crate) fn cleanup(ctx: &mut Ctx) {
    let verbose = ctx.verbose;
    ctx.verbose = false;
    let names: Vec<String> = std::mem::take(&mut ctx.containers);
    if !names.is_empty() {
        let mut kill = strs(&["kill"]);
        kill.extend(names.iter().cloned());
        let mut rm = strs(&["rm", "-f"]);
        rm.extend(names);
        let _ = ctx.docker(&kill, None);
        let _ = ctx.docker(&rm, None);
    }
    let mine = format!("label={LABEL}={}", ctx.id);
    let listed = ctx.docker(&strs(&["ps", "-a", "-q", "--filter", &mine]), None);
    let ids: Vec<String> = listed.stdout.split_whitespace().map(str::to_string).collect();
    if listed.success() && !ids.is_empty() {
        let mut rm = strs(&["rm", "-f"]);
        rm.extend(ids);
        let _ = ctx.docker(&rm, None);
    }
    for img in std::mem::take(&mut ctx.images) {
        let _ = ctx.docker(&strs(&["rmi", "-f", &img]), None);
    }
    ctx.verbose = verbose;
}

/// Removes the containers, images and temporary folders that earlier verify runs left behind
/// when they were killed before their cleanup (their process is gone); a run still going on is
/// left alone. Returns one line per kind of thing removed.
pub(crate) fn sweep_leftovers(ctx: &mut Ctx) -> Vec<String> {
    let verbose = ctx.verbose;
    ctx.verbose = false;
    let mut said = Vec::new();
    let filter = format!("label={LABEL}");
    let format = format!("{{{{.Id}}}}\t{{{{index .Config.Labels \"{LABEL}\"}}}}");
    for (what, list, inspect, remove) in [
        (
            "container",
            strs(&["ps", "-a", "-q", "--filter", &filter]),
            strs(&["inspect", "--format", &format]),
            strs(&["rm", "-f"]),
        ),
        (
            "image",
            strs(&["images", "-q", "--filter", &filter]),
            strs(&["image", "inspect", "--format", &format]),
            strs(&["rmi", "-f"]),
        ),
    ] {
        let listed = ctx.docker(&list, None);
        let mut ids: Vec<String> = listed.stdout.split_whitespace().map(str::to_string).collect();
        ids.dedup();
        if !listed.success() || ids.is_empty() {
            continue;
        }
        let mut args = inspect;
        args.extend(ids);
        let found = ctx.docker(&args, None);
        let old = stale(&id_label_pairs(&found.stdout), pid_alive);
        if old.is_empty() {
            continue;
        }
        // An image is removed by its names (`nanoclaw-shim-verify-build-...`): the shim takes
        // away no image by its ID (`deny.image-name`).
        let targets = if what == "image" {
            let mut tags = strs(&["image", "inspect", "--format", "{{range .RepoTags}}{{.}} {{end}}"]);
            tags.extend(old.iter().cloned());
            let named = ctx.docker(&tags, None);
            named.stdout.split_whitespace().map(str::to_string).collect()
        } else {
            old.clone()
        };
        if targets.is_empty() {
            continue;
        }
        let mut args = remove;
        args.extend(targets);
        let removed = ctx.docker(&args, None);
        said.push(if removed.success() {
            format!(
                "removed {} {what}(s) an interrupted verify left behind",
                old.len()
            )
        } else {
            format!(
                "could not remove {} {what}(s) an interrupted verify left behind: {}",
                old.len(),
                removed.describe()
            )
        });
    }
    // Beside this run's own folder, where the earlier runs made theirs.
    let base = ctx.work.parent().map(std::path::Path::to_path_buf);
    let dirs = base.map_or(0, |b| sweep_work_dirs(&b, pid_alive));
    if dirs > 0 {
        said.push(format!(
            "removed {dirs} temporary folder(s) an interrupted verify left behind"
        ));
    }
    ctx.verbose = verbose;
    said
}

/// Removes `nanoclaw-shim-verify-PID-...` folders of dead runs owned by this user from `base`.
pub(crate) fn sweep_work_dirs(base: &Path, alive: impl Fn(u32) -> bool) -> usize {
    let me = crate::process::euid();
    let Ok(entries) = std::fs::read_dir(base) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name
            .to_str()
            .and_then(|n| n.strip_prefix("nanoclaw-shim-verify-"))
        else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let ours = std::fs::symlink_metadata(e.path()).is_ok_and(|m| m.is_dir() && m.uid() == me);
        if ours && !alive(pid) && std::fs::remove_dir_all(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}
