//! The runtime behind the shim and the host around it: version, the flags the policy adds,
//! agent images, rootless or rootful, podman-docker. Judging output is pure; the caller runs
//! the programs.

use std::ffi::{OsStr, OsString};
use std::io::Read;

use super::check::{Check, CheckId};
use super::{PROBE_TIMEOUT, capture};
use crate::policy;
use crate::rewrite::Flavor;
use crate::runtime;

/// The flags the policy adds to `run` / `create`, found by planning a probe invocation with
/// the same code the shim runs (as rootless podman, so `--userns=keep-id` shows too).
pub(crate) fn policy_flags(policy: &policy::Policy, flavor: Flavor) -> Vec<String> {
    use crate::rewrite::{self, Action, Target};
    let probe: Vec<OsString> = ["run", "img"].iter().map(OsString::from).collect();
    let plan = rewrite::plan(
        &probe,
        policy,
        // (The flavour's own: docker's engine is given none of podman's flags.)
        &Target::fixed(flavor, true, Some((4, 3, 1))),
    );
    let mut flags: Vec<String> = Vec::new();
    for c in plan.changes.iter().filter(|c| c.action == Action::Add) {
        let flag = c.token.split('=').next().unwrap_or(&c.token).to_string();
        if !flags.contains(&flag) {
            flags.push(flag);
        }
    }
    flags
}

/// The `runtime-version` check from the first line of `<runtime> --version`.
pub(crate) fn version_check(runtime: &str, output: &str) -> Check {
    const NAME: CheckId = CheckId::RuntimeVersion;
    let line = output.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    if line.starts_with("nanoclaw-shim") {
        return Check::fail(
            NAME,
            format!("{runtime} --version says `{line}`: the runtime is another nanoclaw-shim"),
            format!(
                "set {} (or [runtime] binary) to the real podman",
                runtime::RUNTIME_ENV
            ),
        );
    }
    match crate::runtime::parse_version(line) {
        Some(_) => Check::ok(NAME, line.to_string()),
        None => Check::warn(
            NAME,
            format!("{runtime} --version printed no version: `{line}`"),
            "check that the runtime is podman (or docker)",
        ),
    }
}

/// Whether `flag` appears in help text as a whole flag (`--memory` is not `--memory-swap`).
pub(crate) fn help_has_flag(help: &str, flag: &str) -> bool {
    help.match_indices(flag).any(|(i, _)| {
        let before = help[..i].chars().next_back();
        let after = help[i + flag.len()..].chars().next();
        before.is_none_or(|c| !(c.is_alphanumeric() || c == '-'))
            && after.is_none_or(|c| !(c.is_alphanumeric() || c == '-'))
    })
}

/// The `run-flags` check from `<runtime> run --help`.
pub(crate) fn flags_check(runtime: &str, help: &str, flags: &[String]) -> Check {
    const NAME: CheckId = CheckId::RunFlags;
    let missing: Vec<&str> = flags
        .iter()
        .map(String::as_str)
        .filter(|f| !help_has_flag(help, f))
        .collect();
    if missing.is_empty() {
        Check::ok(
            NAME,
            format!(
                "{runtime} run accepts every flag the policy adds ({})",
                flags.join(" ")
            ),
        )
    } else {
        Check::fail(
            NAME,
            format!("`{runtime} run --help` does not list {}", missing.join(" ")),
            format!("upgrade {runtime} (podman 4.3 or later), or switch the matching policy settings off"),
        )
    }
}

/// The images of `<runtime> images --format '{{.Repository}}:{{.Tag}}'` that are nanoclaw
/// agent images (the last path component of the repository starts with `nanoclaw-agent`).
pub(crate) fn agent_images(listing: &str) -> Vec<String> {
    listing
        .lines()
        .map(str::trim)
        .filter(|l| {
            let repo = match l.rfind(':') {
                Some(i) if !l[i..].contains('/') => &l[..i],
                _ => l,
            };
            repo.rsplit('/')
                .next()
                .is_some_and(|n| n.starts_with("nanoclaw-agent"))
        })
        .map(str::to_string)
        .collect()
}

/// The `agent-image` check.
pub(crate) fn image_check(runtime: &str, listing: &str) -> Check {
    const NAME: CheckId = CheckId::AgentImage;
    let found = agent_images(listing);
    if found.is_empty() {
        Check::warn(
            NAME,
            format!("no nanoclaw-agent* image in `{runtime} images`"),
            "build it with nanoclaw's setup (it runs `docker build -t nanoclaw-agent...`) as the user nanoclaw runs as",
        )
    } else {
        Check::ok(NAME, format!("found {}", found.join(", ")))
    }
}

/// Whether `/usr/bin/docker`'s content is podman-docker's wrapper script.
pub(crate) fn is_podman_docker_script(head: &[u8]) -> bool {
    head.starts_with(b"#!") && head.windows(6).any(|w| w == b"podman")
}

/// The `rootless` check from the effective uid and the runtime's flavour.
pub(crate) fn rootless_check(euid: Option<u32>, flavor: Flavor) -> Check {
    const NAME: CheckId = CheckId::Rootless;
    if flavor == Flavor::Docker {
        return Check::ok(
            NAME,
            "the runtime is docker: its daemon, not this user, decides whether containers run rootless",
        );
    }
    match euid {
        Some(0) => Check::warn(
            NAME,
            "running as root: podman is rootful, container root is host root",
            "run nanoclaw (and this check) as an unprivileged user, so podman runs rootless",
        ),
        Some(uid) => Check::ok(NAME, format!("podman runs rootless (uid {uid})")),
        None => Check::warn(NAME, "cannot tell the effective uid", "run the check again"),
    }
}

/// Whether the mount check ([`crate::mountcheck`]) can run: on, the kernel able to say where
/// mounts are, and the hook's file in place (written now if it is not).
pub(crate) fn mount_check(
    policy: &policy::Policy,
    flavor: Flavor,
    env: &crate::env::Env,
    exe: Option<&std::path::Path>,
) -> Check {
    const NAME: CheckId = CheckId::MountCheck;
    if flavor == Flavor::Docker {
        return Check::warn(
            NAME,
            "flavor = \"docker\": no mount check runs (podman only): a bind source swapped between the shim's check and the mount is mounted, and on cgroup v1 a container's TCP buffers are not held to its memory ceiling",
            "run podman, with flavor = \"auto\"",
        );
    }
    if !policy.rules.podman.verify_mounts {
        return Check::warn(
            NAME,
            "off ([podman] verify_mounts = false): a bind source swapped between the shim's check and the mount is mounted",
            "set [podman] verify_mounts = true",
        );
    }
    if let Err(e) = crate::mountcheck::kernel_support() {
        return Check::fail(
            NAME,
            format!(
                "the kernel cannot say where mounts are ({e}): every container would be refused at its start"
            ),
            "Linux 5.8 or later; or set [podman] verify_mounts = false",
        );
    }
    let (Some(cache), Some(exe), Some(owner)) = (env.cache_dir(), exe, env.euid) else {
        return Check::fail(
            NAME,
            "no cache folder for the hook's file (neither XDG_CACHE_HOME nor HOME is set): every run and create would be refused",
            "set HOME (or XDG_CACHE_HOME) for nanoclaw",
        );
    };
    let file = crate::mountcheck::hook_file(exe);
    let base = crate::mountcheck::base(owner, Some(&cache)).unwrap_or_else(|| cache.clone());
    let folder = crate::mountcheck::folder(&base, &file);
    let site = crate::mountcheck::unnamed_hook_folders(&containers_confs(env, owner));
    match crate::mountcheck::install(&base, &folder, &file, owner, false, true) {
        Ok(()) if !site.is_empty() => Check::warn(
            NAME,
            format!(
                "bind mounts are checked in each new container (hook file in {}), but containers.conf names hook folders the shim's --hooks-dir replaces: {} (their hooks do not run for the shim's containers)",
                folder.display(),
                site.join(", ")
            ),
            "move those hooks into /etc/containers/oci/hooks.d, which the shim names too",
        ),
        Ok(()) => Check::ok(
            NAME,
            format!(
                "bind mounts are checked in each new container (hook file in {})",
                folder.display()
            ),
        ),
        Err(e) => Check::fail(
            NAME,
            format!("{e}: every run and create would be refused"),
            "make the cache folder (XDG_CACHE_HOME or ~/.cache) writable by you alone",
        ),
    }
}

/// The texts of the containers.conf files podman reads, in its order (a later file's settings
/// win): the system's, its drop-in folder, and for an ordinary user their own. The variable
/// that names another file is removed by the shim, so it is not read here either.
pub(crate) fn containers_confs(env: &crate::env::Env, owner: u32) -> Vec<String> {
    use std::path::PathBuf;
    let mut files: Vec<PathBuf> = Vec::new();
    let with_drop_ins = |files: &mut Vec<PathBuf>, dir: PathBuf| {
        files.push(dir.join("containers.conf"));
        let mut d: Vec<PathBuf> = std::fs::read_dir(dir.join("containers.conf.d"))
            .map(|r| {
                r.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "conf"))
                    .collect()
            })
            .unwrap_or_default();
        d.sort();
        files.extend(d);
    };
    with_drop_ins(&mut files, PathBuf::from("/usr/share/containers"));
    with_drop_ins(&mut files, PathBuf::from("/etc/containers"));
    if owner != 0 {
        let config = env
            .xdg_config_home
            .clone()
            .or_else(|| env.home.as_ref().map(|h| h.join(".config")));
        if let Some(c) = config {
            with_drop_ins(&mut files, c.join("containers"));
        }
    }
    files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect()
}

pub(crate) fn podman_docker_check() -> Check {
    const NAME: CheckId = CheckId::PodmanDocker;
    let mut head = Vec::new();
    let exists = std::fs::symlink_metadata("/usr/bin/docker").is_ok();
    if let Ok(f) = std::fs::File::open("/usr/bin/docker") {
        let _ = f.take(4096).read_to_end(&mut head);
    }
    let script = is_podman_docker_script(&head);
    let dpkg = capture(
        OsStr::new("dpkg-query"),
        &["-W", "-f=${Status}", "podman-docker"],
        None,
        PROBE_TIMEOUT,
    )
    .is_ok_and(|c| c.success() && c.stdout.contains("install ok installed"));
    let rpm = !dpkg
        && capture(OsStr::new("rpm"), &["-q", "podman-docker"], None, PROBE_TIMEOUT)
            .is_ok_and(|c| c.success());
    if script || dpkg || rpm {
        let how = match (script, dpkg, rpm) {
            (true, _, _) => "/usr/bin/docker is a script that execs podman",
            (_, true, _) => "dpkg lists podman-docker",
            _ => "rpm lists podman-docker",
        };
        Check::ok(
            NAME,
            format!(
                "installed ({how}); harmless while the shim's folder comes before /usr/bin on nanoclaw's PATH (see `docker`)"
            ),
        )
    } else if exists {
        Check::ok(
            NAME,
            "not installed (/usr/bin/docker exists, but is not podman's wrapper script)",
        )
    } else {
        Check::ok(NAME, "not installed (there is no /usr/bin/docker)")
    }
}

/// How this binary was linked: chosen when it was compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Linkage {
    StaticMusl,
    StaticGlibc,
    Dynamic,
}

impl Linkage {
    pub(crate) const fn of_this_build() -> Linkage {
        if cfg!(target_env = "musl") {
            Linkage::StaticMusl
        } else if cfg!(target_feature = "crt-static") {
            Linkage::StaticGlibc
        } else {
            Linkage::Dynamic
        }
    }
}

/// Whether every `docker` call starts as fast as this build can: a dynamically linked shim
/// pays the dynamic loader on each of them (~0.2 ms more than a static build: a `run` then
/// costs 1.3x podman-docker's own wrapper; docs/PERFORMANCE.md), which nothing else would show.
pub(crate) fn build_check(linkage: Linkage) -> Check {
    const NAME: CheckId = CheckId::Build;
    match linkage {
        Linkage::StaticMusl => Check::ok(NAME, "linked statically with musl, as install.sh builds it"),
        Linkage::StaticGlibc => Check::ok(
            NAME,
            "linked statically with glibc (a static musl build starts ~10 % faster: install.sh makes one once `rustup target add x86_64-unknown-linux-musl` is done)",
        ),
        Linkage::Dynamic => Check::warn(
            NAME,
            "linked dynamically: every `docker` call pays the dynamic loader (~0.2 ms)",
            "install with ./install.sh, which builds a static binary (with musl once `rustup target add x86_64-unknown-linux-musl` is done)",
        ),
    }
}

/// The `seccomp` check: whether podman's default profile can be read and narrowed (`derivable`,
/// [`crate::seccomp::derivable`]'s answer). Without it every build is refused
/// (`harden.build-cgroup`), and every `run` and `create` (`harden.seccomp`): nothing else says
/// so before nanoclaw's first agent fails (the hundred-and-fifth look's).
pub(crate) fn seccomp_check(derivable: Result<(), String>, flavor: Flavor) -> Check {
    const NAME: CheckId = CheckId::Seccomp;
    if flavor == Flavor::Docker {
        return Check::warn(
            NAME,
            "flavor = \"docker\": the narrowed profile is not given (podman only): the engine's default profile allows new cgroup namespaces and the kernel's keyrings",
            "run podman, with flavor = \"auto\"",
        );
    }
    match derivable {
        Ok(()) => Check::ok(
            NAME,
            "podman's profile narrows: builds and containers get it without new cgroup namespaces or keyrings",
        ),
        Err(why) => Check::fail(
            NAME,
            format!(
                "{why}: every build is refused [harden.build-cgroup], and every run and create [harden.seccomp]"
            ),
            "reinstall podman's profile (Debian: apt-get install --reinstall golang-github-containers-common), remove a broken /etc/containers/seccomp.json, or point containers.conf's seccomp_profile at an allow-list no wider than podman's",
        ),
    }
}
