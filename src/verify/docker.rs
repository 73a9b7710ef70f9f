//! `docker` through the shim: the context every check runs in (the shim's folder first on
//! PATH, this run's label on every container), the command runner with its timeout, and the
//! probe container that reads mounts, capabilities and cgroup limits from inside.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::Duration;

use crate::env::{REENTRY_ENV, RUNTIME_ENV};
use crate::units::NanoCpus;

use super::checks::{Limits, parse_kv, requested_limits};
use super::{TIMEOUT, interrupted, millis, strs};
use crate::process::{self, Ending};

/// The label every container and image verify creates carries; its value is the run's id,
/// `PID-NANOS`, so a later run can tell the leftovers of a dead run from a live one's.
pub(crate) const LABEL: &str = "nanoclaw-shim.verify";

/// What a `docker` command did: the shared runner's output.
pub(crate) type Ran = process::Output;

/// Waits for a spawned child as [`process::wait`] does, killing it when verify is interrupted.
pub(crate) fn finish(child: Child, stdin: Option<Vec<u8>>, timeout: Duration) -> Ran {
    process::wait(child, stdin, timeout, &interrupted)
}

/// The shell probe run inside a container: mounts, writes, capabilities, cgroup limits, and
/// whether a user and a cgroup namespace can be made (util-linux's `unshare`; busybox's has no
/// `-C`, which is told apart by its message).
pub const PROBE: &str = r#"r=; while read -r _ m _ o _; do [ "$m" = / ] && r=$o; done < /proc/mounts; echo "rootopts=$r"
if ( : > /.nanoclaw-verify-probe ) 2>/dev/null; then echo root_write=ok; rm -f /.nanoclaw-verify-probe; else echo root_write=refused; fi
for p in /tmp /home/node; do t=; while read -r _ m fs _; do [ "$m" = "$p" ] && t=$fs; done < /proc/mounts; echo "fstype:$p=$t"
if ( : > "$p/.nanoclaw-verify-probe" ) 2>/dev/null; then echo "write:$p=ok"; rm -f "$p/.nanoclaw-verify-probe"; else echo "write:$p=refused"; fi; done
while read -r k v _; do case "$k" in CapEff:|CapPrm:|CapBnd:|NoNewPrivs:) echo "${k%:}=$v";; esac; done < /proc/self/status
echo "uid=$(id -u)"; echo "gid=$(id -g)"
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo cgroup=2
echo "pids=$(cat /sys/fs/cgroup/pids.max 2>/dev/null)"; echo "memory=$(cat /sys/fs/cgroup/memory.max 2>/dev/null)"; echo "cpu=$(cat /sys/fs/cgroup/cpu.max 2>/dev/null)"
else echo cgroup=1
echo "pids=$(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null)"; echo "memory=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null)"
q=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cat /sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us 2>/dev/null)
p=$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us 2>/dev/null || cat /sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us 2>/dev/null)
echo "cpu=$q $p"; fi
if command -v unshare >/dev/null 2>&1; then if unshare -U true 2>/dev/null; then echo userns=made; else echo userns=refused; fi
if e=$(unshare -U -C true 2>&1); then echo cgroupns=made; else case "$e" in *"not permitted"*) echo cgroupns=refused;; *) echo cgroupns=untested;; esac; fi
else echo cgroupns=untested; fi
"#;

/// A probe container: what it was asked for and what it saw.
pub(crate) struct Probe {
    pub(crate) requested: Limits,
    pub(crate) kv: BTreeMap<String, String>,
    /// `inspect --format '{{json .Config.Annotations}}'` of the created container.
    pub(crate) annotations: String,
}

pub(crate) struct Ctx {
    pub(crate) work: PathBuf,
    pub(crate) shim: PathBuf,
    pub(crate) path: OsString,
    pub(crate) runtime: Option<OsString>,
    pub(crate) image: String,
    pub(crate) id: String,
    pub(crate) verbose: bool,
    pub(crate) rootless: bool,
    pub(crate) cgroup_v2: bool,
    /// The capability mask the policy in force leaves a container (its kept capabilities).
    pub(crate) kept_caps: u64,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) containers: Vec<String>,
    pub(crate) images: Vec<String>,
}

impl Ctx {
    /// `docker ARGS` through the shim; a `run` or `create` gets this run's [`LABEL`], so that
    /// whatever it leaves behind can be found again.
    pub(crate) fn command(&self, args: &[String]) -> Command {
        let mut c = Command::new(&self.shim);
        c.arg0("docker");
        match args.split_first() {
            Some((sub, rest)) if sub == "run" || sub == "create" => {
                c.arg(sub)
                    .args(["--label", &format!("{LABEL}={}", self.id)])
                    .args(rest);
            }
            _ => {
                c.args(args);
            }
        }
        c.env("PATH", &self.path).env_remove(REENTRY_ENV);
        if let Some(rt) = &self.runtime {
            c.env(RUNTIME_ENV, rt);
        }
        c
    }

    pub(crate) fn show(&self, args: &[String]) {
        if self.verbose {
            let words: Vec<String> = args
                .iter()
                .map(|a| crate::explain::quote(std::ffi::OsStr::new(a)))
                .collect();
            println!("    $ docker {}", words.join(" "));
        }
    }

    pub(crate) fn show_output(&self, ran: &Ran) {
        if self.verbose {
            for (what, text) in [("stdout", &ran.stdout), ("stderr", &ran.stderr)] {
                let text = text.trim_end();
                if text.is_empty() {
                    continue;
                }
                let cut: String = text.chars().take(2000).collect();
                println!("      {what}:");
                for l in cut.lines() {
                    println!("        {l}");
                }
            }
            println!("      -> {}", ran.describe());
        }
    }

    /// Runs `docker ARGS` through the shim, `stdin` piped in (or /dev/null).
    pub(crate) fn docker(&self, args: &[String], stdin: Option<&[u8]>) -> Ran {
        if interrupted() {
            return Ran {
                ending: Ending::Cancelled,
                stdout: String::new(),
                stderr: String::new(),
            };
        }
        self.show(args);
        let mut ran = process::run(&mut self.command(args), stdin, TIMEOUT, &interrupted);
        self.show_output(&ran);
        // podman (4.3 and 5.x, without the shim too) now and then loses the whole stdout of a
        // short-lived `run -i --rm` container: exit 0, nothing printed (about 1 run in 40 on a
        // loaded machine). That symptom alone is run again, twice at most, and said each time;
        // every check then judges the last run as it is.
        let interactive_rm = args.first().is_some_and(|a| a == "run")
            && args.iter().any(|a| a == "-i")
            && args.iter().any(|a| a == "--rm");
        for _ in 0..2 {
            if !(interactive_rm && ran.success() && ran.stdout.is_empty()) {
                break;
            }
            println!(
                "  [NOTE] podman returned exit 0 and an empty stdout for a short-lived `run -i --rm` (its known stdout loss); running it again"
            );
            if let Some(name) = args
                .iter()
                .position(|a| a == "--name")
                .and_then(|i| args.get(i + 1))
            {
                let rm = strs(&["rm", "-f", name]);
                let _ = process::run(&mut self.command(&rm), None, TIMEOUT, &interrupted);
            }
            ran = process::run(&mut self.command(args), stdin, TIMEOUT, &interrupted);
            self.show_output(&ran);
        }
        ran
    }

    pub(crate) fn name(&mut self, what: &str) -> String {
        let n = format!("nanoclaw-verify-{}-{what}-{}", self.id, millis());
        self.containers.push(n.clone());
        n
    }

    /// `run --rm [extra] --entrypoint /bin/sh IMAGE -c SCRIPT`.
    pub(crate) fn sh(&mut self, what: &str, extra: &[String], script: &str, stdin: Option<&[u8]>) -> Ran {
        let name = self.name(what);
        let mut args = strs(&["run", "--rm", "--name", &name]);
        if stdin.is_some() {
            args.insert(1, "-i".into());
        }
        args.extend(extra.iter().cloned());
        args.extend(strs(&["--entrypoint", "/bin/sh", &self.image, "-c", script]));
        self.docker(&args, stdin)
    }

    /// A folder the agent bind-mounts: world-writable under rootful podman (the agent is uid
    /// 1000, not you), yours and 0755 under rootless (the shim maps you onto the agent's uid).
    pub(crate) fn agent_dir(&self, rel: &str) -> std::io::Result<PathBuf> {
        let p = self.work.join(rel);
        std::fs::create_dir_all(&p)?;
        let mode = if self.rootless { 0o755 } else { 0o777 };
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode))?;
        Ok(p)
    }

    pub(crate) fn file(&self, rel: &str, content: &str) -> std::io::Result<PathBuf> {
        let p = self.work.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&p, content)?;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644))?;
        Ok(p)
    }

    pub(crate) fn unenforceable(&self) -> Option<&'static str> {
        (self.rootless && !self.cgroup_v2).then_some(
            "rootless podman on cgroup v1 cannot apply resource limits (see docs/TROUBLESHOOTING.md); \
             use a cgroup v2 host or rootful podman",
        )
    }

    /// `create` (so the request can be inspected), `start --attach`, `rm`.
    pub(crate) fn probe(&mut self, what: &str, extra: &[String]) -> Result<Probe, String> {
        let name = self.name(what);
        let mut args = strs(&["create", "--name", &name]);
        args.extend(extra.iter().cloned());
        args.extend(strs(&["--entrypoint", "/bin/sh", &self.image, "-c", PROBE]));
        let created = self.docker(&args, None);
        if !created.success() {
            return Err(format!("docker create failed: {}", created.describe()));
        }
        let cmd = self.docker(
            &strs(&["inspect", "--format", "{{json .Config.CreateCommand}}", &name]),
            None,
        );
        let mut requested = serde_json::from_str::<Vec<String>>(cmd.stdout.trim())
            .map(|argv| requested_limits(&argv))
            .unwrap_or_default();
        if requested == Limits::default() {
            // Not podman (no CreateCommand): what the runtime kept.
            let hc = self.docker(
                &strs(&[
                    "inspect",
                    "--format",
                    "{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}",
                    &name,
                ]),
                None,
            );
            let n: Vec<u64> = hc
                .stdout
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            if let [c, m, p] = n[..] {
                requested = Limits {
                    cpus: (c > 0).then_some(NanoCpus(c)),
                    memory: (m > 0).then_some(m),
                    pids: (p > 0).then_some(p),
                };
            }
        }
        let annotations = self
            .docker(
                &strs(&["inspect", "--format", "{{json .Config.Annotations}}", &name]),
                None,
            )
            .stdout;
        let started = self.docker(&strs(&["start", "--attach", &name]), None);
        let _ = self.docker(&strs(&["rm", "-f", &name]), None);
        if !started.success() {
            return Err(format!("docker start --attach failed: {}", started.describe()));
        }
        Ok(Probe {
            requested,
            kv: parse_kv(&started.stdout),
            annotations,
        })
    }
}
