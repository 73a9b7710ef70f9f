//! The hardening every run / create receives: a read-only root, writable tmpfs scratch space,
//! dropped capabilities (and the kept ones), no-new-privileges, an init where the entrypoint is
//! overridden, /dev/shm. A caller's contrary setting is removed, not outvoted.

use super::{Action, Refusal};
use crate::parse::{self, OptValue, nnp_setting};
use crate::policy;
use crate::rules::Rule;
use crate::units;

use super::rewriter::{Rewriter, bad_value, value};

impl Rewriter<'_> {
    pub(super) fn read_only(&mut self) {
        let mut on = false;
        let found: Vec<(usize, bool)> = self
            .run
            .find(crate::setting!("read-only"))
            .map(|(i, o)| (i, o.is_true()))
            .collect();
        for (i, is_true) in found {
            if is_true {
                on = true;
            } else {
                self.drop_opt(
                    i,
                    Rule::HardenReadOnly,
                    "a writable root filesystem is against the policy",
                );
            }
        }
        if !on {
            self.add(
                Rule::HardenReadOnly,
                crate::setting!("read-only"),
                OptValue::Bool(true),
                "the root filesystem is read-only",
            );
        }
        self.enforce(Rule::HardenReadOnly);
    }

    /// The policy's tmpfs mounts, each unless the caller mounts something at its path itself
    /// (`mounted`: the container path of every mount the caller asked for). A caller's own
    /// memory file system there is replaced by the policy's: podman gives a caller's tmpfs
    /// neither `noexec` nor a size (docker gives both), so a plain `--tmpfs /tmp` put an exec
    /// `/tmp` of any size where the policy's is `noexec,size=512m` (the hundred-and-thirtieth
    /// look's). A bind or a volume there is kept (its source is judged as any other).
    pub(super) fn tmpfs(&mut self, wanted: &[policy::Tmpfs], mounted: &[Vec<u8>]) {
        if !wanted.is_empty() {
            self.enforce(Rule::HardenTmpfs);
        }
        // Only `--tmpfs` and `--mount` make one (every call reads the `-v` mounts enough).
        let memory: Vec<(usize, Vec<u8>)> = (self.run.find(crate::setting!("tmpfs")))
            .chain(self.run.find(crate::setting!("mount")))
            .filter_map(|(i, o)| crate::mounts::of_opt(o).map(|m| (i, m)))
            .filter(|(_, m)| m.kind == crate::mounts::Kind::Tmpfs)
            .map(|(i, m)| (i, m.target))
            .collect();
        for t in wanted {
            let spec = t.spec();
            // The policy's own option (the shim's output given again) stays as it is.
            let own = |i: usize| self.run.opts[i].bytes() == spec.as_bytes();
            let theirs: Vec<usize> = memory
                .iter()
                .filter(|(i, target)| target == t.path.as_bytes() && !own(*i))
                .map(|&(i, _)| i)
                .collect();
            for &i in &theirs {
                self.drop_opt(
                    i,
                    Rule::HardenTmpfs,
                    format!(
                        "the caller's memory file system at {}, replaced by the policy's (podman would give it neither noexec nor a size)",
                        t.path
                    ),
                );
            }
            let others = mounted.iter().filter(|d| *d == t.path.as_bytes()).count() > theirs.len();
            if others {
                self.note(
                    Rule::HardenTmpfs,
                    Action::Keep,
                    format!("--tmpfs={spec}"),
                    format!("the caller mounts {} itself; its mount is kept", t.path),
                );
            } else {
                self.add(
                    Rule::HardenTmpfs,
                    crate::setting!("tmpfs"),
                    value(spec),
                    format!("{} stays writable under --read-only", t.path),
                );
            }
        }
    }

    pub(super) fn capabilities(&mut self, drop: &[String], allowed: &[String], keep: &[String]) {
        let caps = |o: &parse::Opt| -> Vec<String> {
            crate::text::lossy(o.bytes())
                .split(',')
                .map(policy::normalize_cap)
                .collect()
        };
        let dropped: Vec<String> = self
            .run
            .find(crate::setting!("cap-drop"))
            .flat_map(|(_, o)| caps(o))
            .collect();
        if drop.iter().any(|c| c == "ALL") {
            let privileged: Vec<usize> = self
                .run
                .find(crate::setting!("privileged"))
                .filter(|(_, o)| o.is_true())
                .map(|(i, _)| i)
                .collect();
            for i in privileged {
                self.drop_opt(
                    i,
                    Rule::HardenPrivileged,
                    "--privileged grants every capability and device and lifts confinement",
                );
            }
        }
        if !drop.is_empty() {
            self.enforce(Rule::HardenCapDrop);
        }
        for cap in drop {
            if !dropped.iter().any(|c| c == cap || c == "ALL") {
                let why = if cap == "ALL" {
                    "the container starts with no capabilities".to_string()
                } else {
                    format!("{cap} is dropped by the policy")
                };
                self.add(
                    Rule::HardenCapDrop,
                    crate::setting!("cap-drop"),
                    value(cap.as_str()),
                    why,
                );
            }
        }
        let adds: Vec<(usize, Vec<String>)> = self
            .run
            .find(crate::setting!("cap-add"))
            .map(|(i, o)| (i, caps(o)))
            .collect();
        // Kept capabilities come back after ALL is dropped, unless the caller adds them already
        // or drops them by name (stricter than the policy).
        if drop.iter().any(|c| c == "ALL") {
            for cap in keep {
                let added = adds.iter().any(|(_, names)| names.iter().any(|c| c == cap));
                let dropped_by_name = dropped.iter().any(|c| c == cap);
                if !dropped_by_name {
                    self.enforce(Rule::HardenKeepCapabilities);
                }
                if !added && !dropped_by_name {
                    self.add(
                        Rule::HardenKeepCapabilities,
                        crate::setting!("cap-add"),
                        value(cap.as_str()),
                        // The reason is the shipped entry's; another is the policy's own
                        // choice, said as such (the thirty-second pass's look: SYS_ADMIN was
                        // explained as Chromium's need).
                        match cap.as_str() {
                            "SYS_CHROOT" => format!("{cap} is kept: Chromium's sandbox needs chroot(2), which podman's seccomp profile allows only with it"),
                            _ => format!("{cap} is kept: the policy's [hardening] keep_capabilities names it (the shipped policy keeps SYS_CHROOT alone)"),
                        },
                    );
                }
            }
        }
        let allowed: Vec<String> = allowed.iter().chain(keep).cloned().collect();
        let allowed = allowed.as_slice();
        for (i, names) in adds {
            let (ok, denied): (Vec<String>, Vec<String>) =
                names.into_iter().partition(|c| allowed.iter().any(|a| a == c));
            if denied.is_empty() {
                continue;
            }
            self.drop_opt(
                i,
                Rule::HardenCapAdd,
                format!(
                    "{} not in the policy's allowed_capabilities",
                    denied
                        .iter()
                        .map(|c| crate::policy::shown_cap(c))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            for c in ok {
                self.add(
                    Rule::HardenCapAdd,
                    crate::setting!("cap-add"),
                    value(c),
                    "allowed by the policy",
                );
            }
        }
    }

    /// An overridden entrypoint bypasses the image's init (tini): the agent becomes PID 1, gets
    /// no default SIGTERM handler, and `docker stop` ends in SIGKILL. `--init` puts one back.
    /// The mount check ([`crate::mountcheck`]): what each bind mount must be, in the shim's
    /// annotation, and the hook folder that has podman check it.
    /// Every container podman makes carries the check: its binds to compare, and, bind or not,
    /// its memory file systems and podman's own mounts to hold to the hook's rules (a volume,
    /// named, anonymous or the image's own, is one another container can change).
    /// `ids`: the lowest uid and gid the container's process may run with, judged in its final
    /// configuration ([`crate::mountcheck::IDS_KEY`]).
    pub(super) fn mount_check<S: AsRef<str>>(
        &mut self,
        binds: &[crate::mountcheck::Expected],
        refused: &[S],
        ids: Option<(u32, u32)>,
    ) {
        self.enforce(Rule::HardenMountCheck);
        if let Some((uid, gid)) = ids {
            self.add(
                Rule::HardenMountCheck,
                crate::setting!("annotation"),
                value(format!(
                    "{}={}",
                    crate::mountcheck::IDS_KEY,
                    crate::mountcheck::encode_ids(uid, gid)
                )),
                "the container starts only if its process runs with no uid or group below these (root's, or the host's system ids on rootful podman): the image's /etc/passwd and /etc/group, which the shim cannot see, decide its groups; the shim's hook checks",
            );
        }
        if !refused.is_empty() {
            self.add(
                Rule::HardenMountCheck,
                crate::setting!("annotation"),
                value(format!(
                    "{}={}",
                    crate::mountcheck::REFUSED_KEY,
                    crate::mountcheck::encode_prefixes(refused)
                )),
                "the container starts only if no annotation under these prefixes (runtime_annotations) reached it from its image: podman copies an image's annotations into its containers; the shim's hook checks (deny.annotation)",
            );
        }
        self.hooks = true;
        self.add(
            Rule::HardenMountCheck,
            crate::setting!("annotation"),
            value(format!(
                "{}={}",
                crate::mountcheck::KEY,
                crate::mountcheck::encode(binds)
            )),
            "the container starts only if each bind mount is the file or folder the shim opened and judged (device:inode:birth:target) and no memory file system or mount of podman's own lies in a folder another container can change; podman runs the shim's hook (--hooks-dir) to check, and reads no mounts.conf (--default-mounts-file=/dev/null: its mounts would get no check)",
        );
    }

    pub(super) fn init(&mut self) {
        if self.run.last(crate::setting!("entrypoint")).is_none() {
            return;
        }
        if let Some((_, o)) = self.run.last(crate::setting!("init")) {
            if o.is_true() {
                self.enforce(Rule::HardenInit);
            }
            return;
        }
        self.enforce(Rule::HardenInit);
        self.add(
            Rule::HardenInit,
            crate::setting!("init"),
            OptValue::Bool(true),
            "the entrypoint is overridden, so the image's init does not run; --init delivers docker stop's SIGTERM to the agent",
        );
    }

    /// podman's auto-update: off for every container the shim makes, whatever its image's labels
    /// say (a label of the caller's wins over the image's and over a `--label-file`, checked on
    /// 4.3.1; the caller's own are refused, [`crate::deny`]).
    pub(super) fn no_auto_update(&mut self) {
        self.enforce(Rule::HardenAutoUpdate);
        let given = self
            .run
            .opts
            .iter()
            .any(|o| o.flag.long == "label" && o.bytes() == crate::deny::AUTO_UPDATE_OFF.as_bytes());
        if given {
            return;
        }
        self.add(
            Rule::HardenAutoUpdate,
            crate::setting!("label"),
            value(crate::deny::AUTO_UPDATE_OFF),
            "an image's io.containers.autoupdate and PODMAN_SYSTEMD_UNIT labels would have podman's auto-update timer restart any host systemd unit they name",
        );
    }

    /// podman's systemd mode is on by default for a command named `systemd` or `init` (an
    /// entrypoint the caller or the image names): it mounts the host's whole `name=systemd`
    /// cgroup tree read-write and adds memory file systems without a size (the twenty-fifth
    /// look's: a container as root made a cgroup in the host's tree that outlived it, and moved
    /// itself to the host's root cgroup). The caller's `--systemd` is refused
    /// (`deny.ceiling`); the default is turned off here, whatever the command.
    pub(super) fn no_systemd(&mut self) {
        // The caller's value, if any: whether it is `false` (another is refused, `deny.ceiling`,
        // unless that rule is off, when the mode is the caller's).
        let off = self
            .run
            .last(crate::setting!("systemd"))
            .map(|(_, o)| o.bytes() == b"false");
        if off != Some(false) {
            self.enforce(Rule::HardenSystemd);
        }
        if off.is_none() {
            self.add(
                Rule::HardenSystemd,
                crate::setting!("systemd"),
                value("false"),
                "podman turns systemd mode on for a command named systemd or init, and mounts the host's cgroup tree read-write; docker has no such mode",
            );
        }
    }

    /// The runtime's default cgroup namespace on a cgroup v1 host is the host's (podman 4.3 and
    /// 5, rootful and rootless; docker's too): the container sees the host's whole cgroup tree
    /// by its host names (`/proc/self/cgroup`, the fiftieth look's). A private one is asked for
    /// unless the caller names one (`host` and `ns:` are refused, `deny.host-namespace`).
    pub(super) fn private_cgroupns(&mut self) {
        self.unless_chosen(
            Rule::HardenCgroupns,
            crate::setting!("cgroupns"),
            "private",
            "on a cgroup v1 host the runtime's default is the host's cgroup namespace, where the container sees the host's cgroup tree",
        );
    }

    /// Adds `name=v` for `rule` unless the caller chose a value of its own. An empty value is
    /// podman's "not given" (its default: the host's cgroup namespace on cgroup v1, the
    /// fifty-eighth look's `--cgroupns=`), not a choice.
    fn unless_chosen(&mut self, rule: Rule, name: crate::flags::Setting, v: &str, reason: &str) {
        self.enforce(rule);
        let chosen = self.run.last(name);
        if chosen.is_some_and(|(_, o)| !o.bytes().is_empty()) {
            return;
        }
        self.add(rule, name, value(v), reason);
    }

    /// An image's `VOLUME` is, by podman's default (`bind`), an anonymous volume on the host's
    /// disk mounted read-write beneath the read-only root: an agent-built image (`VOLUME
    /// /usr/local/bin`, the fifty-seventh look's) writes there without a ceiling, and `docker rm`
    /// without `-v` leaves it behind. As `tmpfs` the folder is still there and writable (images
    /// work as before), held to the memory ceiling and gone with the container. A caller's own
    /// value (podman's flag, allowed by name) is kept; an empty one is podman's default.
    pub(super) fn image_volumes_in_memory(&mut self) {
        self.unless_chosen(
            Rule::HardenImageVolume,
            crate::setting!("image-volume"),
            "tmpfs",
            "an image's VOLUME would be a writable volume on the host's disk beneath the read-only root, outside every ceiling; in memory it is held to the memory ceiling and gone with the container",
        );
    }

    /// An image's health check runs at the interval the image chose, each run a process the
    /// host starts outside the container's ceilings (the thirty-fifth look's: `HEALTHCHECK
    /// --interval=1ms`), and the shim cannot see it before the container exists: turned off
    /// unless the caller names a check of its own, whose interval [`crate::deny`] holds to the
    /// policy's floor. A caller's `--no-healthcheck` (its last value true) needs nothing added.
    pub(super) fn no_healthcheck(&mut self) {
        self.enforce(Rule::HardenHealthcheck);
        let off = self.run.bool_on(crate::setting!("no-healthcheck"));
        if off || crate::deny::health_cmd_given(self.run) {
            return;
        }
        self.add(
            Rule::HardenHealthcheck,
            crate::setting!("no-healthcheck"),
            OptValue::Bool(true),
            "an image's health check would run at the interval the image chose, each check a process on the host outside the container's ceilings",
        );
    }

    pub(super) fn shm_size(&mut self, size: u64) {
        self.enforce(Rule::HardenShmSize);
        if self.run.last(crate::setting!("shm-size")).is_none() {
            let v = units::format_bytes(size);
            self.add(
                Rule::HardenShmSize,
                crate::setting!("shm-size"),
                value(v.clone()),
                format!("/dev/shm gets {v}"),
            );
        }
    }

    /// podman: a rootful container whose process is the host's root (an image whose `USER` is
    /// root, or whose `node` is uid 0) owns its cgroup's files, and in a user and cgroup
    /// namespace of its own a raw `mount(2)` of its cgroup let it lift its memory and CPU limits
    /// (the ninety-seventh look's; every capability dropped); and an agent that is the caller's
    /// kernel uid (rootful `--user UID:GID`, rootless `keep-id`) owns the caller's keyrings (the
    /// hundred-and-twentieth and hundred-and-twenty-second looks'). It is given podman's own
    /// default seccomp profile without new cgroup namespaces or keyrings ([`crate::seccomp`]),
    /// rootful and rootless, filled in at the exec;
    /// a caller's own profile (one the policy allows) is kept. The shim's own placeholder in the
    /// caller's argv (its output given again) is taken out, in any spelling, and given anew when
    /// `give`: podman would read it as a file in the working directory.
    pub(super) fn narrowed_seccomp(&mut self, give: bool) {
        let own = format!("seccomp={}", crate::seccomp::PLACEHOLDER);
        let found: Vec<(usize, bool)> = self
            .run
            .find(crate::setting!("security-opt"))
            .filter(|(_, o)| o.bytes().starts_with(b"seccomp"))
            .map(|(i, o)| (i, o.bytes() == own.as_bytes()))
            .collect();
        for &(i, _) in found.iter().filter(|(_, own)| *own) {
            self.drop_opt(
                i,
                Rule::HardenSeccomp,
                "the shim's own placeholder, taken out (a rootful container is given the narrowed profile's file anew)",
            );
        }
        if !give {
            return;
        }
        if found.iter().any(|(_, own)| !own) {
            // Said, so that a policy that allows a profile sees what it gives up (the hundred
            // and first look's: podman's own profile allowed by name let the lift back in).
            self.note(
                Rule::HardenSeccomp,
                Action::Keep,
                String::new(),
                "the caller's own seccomp profile (allowed by allowed_security_options) is kept, NOT narrowed: unless it refuses new cgroup namespaces, a container whose process is root can lift its limits",
            );
            return;
        }
        self.add(
            Rule::HardenSeccomp,
            crate::setting!("security-opt"),
            value(format!("seccomp={}", crate::seccomp::PLACEHOLDER)),
            "podman's seccomp profile without new cgroup namespaces (unshare and clone refuse them, clone3 answers ENOSYS) or the kernel's keyrings (keyctl, add_key, request_key): a rootful container's root mounted its cgroup again in one and lifted its limits, and an agent running as the caller's host uid (rootful --user, rootless keep-id) read and rewrote that user's keyrings",
        );
        self.seccomp = true;
        self.enforce(Rule::HardenSeccomp);
    }

    pub(super) fn no_new_privileges(&mut self) -> Result<(), Refusal> {
        let mut on = false;
        let found: Vec<(usize, Vec<u8>)> = self
            .run
            .find(crate::setting!("security-opt"))
            .map(|(i, o)| (i, o.bytes().to_vec()))
            .collect();
        for (i, v) in found {
            match nnp_setting(&v) {
                None => {}
                Some(None) => return Err(bad_value("security-opt", &v)),
                Some(Some(true)) => on = true,
                Some(Some(false)) => self.drop_opt(
                    i,
                    Rule::HardenNoNewPrivileges,
                    "privilege escalation through setuid is against the policy",
                ),
            }
        }
        if !on {
            self.add(
                Rule::HardenNoNewPrivileges,
                crate::setting!("security-opt"),
                value("no-new-privileges"),
                "setuid binaries cannot raise privileges",
            );
        }
        self.enforce(Rule::HardenNoNewPrivileges);
        Ok(())
    }
}
