//! Deny rules: settings that refuse an invocation outright instead of being rewritten.
//!
//! The shim is default-deny. Every flag carries a security [`Class`] in the flag table, and
//! [`check`] is one exhaustive match over those classes: a new flag cannot be added without
//! deciding which checks it gets, and a class that lets a setting through says why it is safe.
//! Every check reads the parsed options, never raw strings, so spelling, bundling, `=` forms and
//! repeats cannot hide a setting (docker-bench-security's substring match let
//! `no-new-privileges=false` through; this module parses the value instead).

use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::flags::{Arity, Class, Docker};
use crate::hostfs::SmallFile;
use crate::hostpath::{self, Access, HostPaths};
use crate::mounts;
use crate::parse::nnp_setting;
use crate::parse::{Opt, RunArgs, Verb};
use crate::policy::{DenyList, Limits, Rules, normalize_cap};
use crate::rules::Rule;
use crate::units::{self, NanoCpus};

pub use crate::hostpath::HostCtx;

pub use crate::rules::Violation;

fn shown(o: &Opt) -> String {
    crate::render::shown(o.flag, &o.value)
}

fn text(o: &Opt) -> String {
    crate::text::owned(o.bytes())
}

/// Collects violations for one invocation.
struct Checker<'a> {
    run: &'a RunArgs,
    rules: &'a Rules,
    paths: HostPaths<'a>,
    /// Container paths of every mount, for shadowing (`-v /dev/null:/w/.env`).
    targets: Vec<Vec<u8>>,
    out: Vec<Violation>,
    /// The index of the option being judged.
    current: usize,
    /// The files the checks read and let through, by option ([`Judged::read`]).
    read: Vec<(usize, Vec<u8>)>,
    /// What each bind mount let through must be ([`Judged::binds`]).
    binds: Vec<crate::mountcheck::Expected>,
    /// The files podman writes that the checks let through, by option ([`Judged::written`]).
    written: Vec<usize>,
    /// Repositories at a read-write mount's top, shadowed read-only ([`Judged::shadows`]).
    shadows: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The label `harden.auto-update` gives every container podman makes: podman's auto-update
/// passes it over, whatever its image's labels say.
pub const AUTO_UPDATE_OFF: &str = "io.containers.autoupdate=disabled";

const RESTART_UNCHECKED: &str = "podman would restart the container by itself without the shim's hook, mounting its bind sources and volumes again unchecked and with annotations from its image unchecked; restart it with docker restart (or set [podman] verify_mounts = false)";

impl Checker<'_> {
    fn on(&self, rule: Rule) -> bool {
        self.rules.deny.on(rule)
    }

    /// The image of a `run` / `create`: a reference naming a containers-image transport
    /// (`docker-archive:/x.tar`, `oci:`, `dir:`) makes podman read a host path; docker's CLI
    /// takes registry references only.
    fn image(&mut self) {
        let (Verb::Run | Verb::Create, Some(image)) = (self.run.verb, &self.run.image) else {
            return;
        };
        if !self.on(Rule::DenyHostFile) {
            return;
        }
        if let Some(t) = crate::containerfile::host_transport(image.as_bytes()) {
            self.out.push(Violation {
                rule: Rule::DenyHostFile,
                token: crate::redact::display(image),
                reason: format!(
                    "the {t}: image transport reads a host path under podman; docker accepts only registry references"
                ),
            });
        }
    }

    fn v(&mut self, rule: Rule, o: &Opt, reason: impl Into<String>) {
        self.out.push(Violation {
            rule,
            token: shown(o),
            reason: reason.into(),
        });
    }

    /// Judges one host path; `target` is the container path it is mounted at (for shadowing).
    fn path(&mut self, o: &Opt, raw: &[u8], access: Access, target: Option<&[u8]>, host_file: bool) {
        let targets = &self.targets;
        let shadowed = |name: &[u8]| {
            target.is_some_and(|t| {
                let mut p = t.to_vec();
                p.push(b'/');
                p.extend_from_slice(name);
                targets.contains(&p)
            })
        };
        let found = if host_file {
            self.paths.check(raw, access, &shadowed)
        } else {
            self.paths.check_mount(raw, access, &shadowed)
        };
        let Some(f) = found else {
            return;
        };
        if let (false, Some(t), Some(hostpath::Repository::Metadata)) = (host_file, target, f.repository) {
            if self.rules.hardening.shadow_repositories && self.shadow(o, &f.entry, t) {
                return;
            }
        }
        let what = match f.rule {
            // A folder that cannot be listed is made listable again (an agent's `chmod 000` of
            // its own folder: the look `hf` found the advice to remove it unfitting).
            Rule::DenySensitiveMount if f.listening && f.entry.ends_with(hostpath::UNLISTED) => {
                format!(
                    "a folder whose top cannot be listed to see whether it holds a socket or FIFO ({}): a host service the container could connect to, or a host program's command pipe; make it readable again (chmod u+rx), or mount another folder",
                    f.entry
                )
            }
            Rule::DenySensitiveMount if f.listening => format!(
                "a folder holding a socket or FIFO at its top ({}): a host service the container could connect to, or a host program's command pipe, read-only or not; remove it, mount a folder without it, or shadow it with another mount at its place",
                f.entry
            ),
            Rule::DenyCredentials if f.entry == crate::policy::HIDDEN_HOME => format!(
                "a hidden entry of the home ({}), where shells and tools keep tokens and keys: the host's credentials; mount a copy kept outside it, or drop the entry with [deny] remove_credential_paths = [\"{}\"] and list what must stay closed with add_credential_paths",
                f.entry, f.entry
            ),
            Rule::DenyCredentials => format!("the host's credentials ({})", f.entry),
            Rule::DenyHostExec if f.repository == Some(hostpath::Repository::GitDir) => format!(
                "a git directory ({}: a bare repository, or a repository's separate .git), whose hooks and core.fsmonitor run on the host's next git command; mount it read-only; made by an agent (its git init --bare), remove its HEAD, config, objects and refs on the host (after a look at its hooks and config) to start the group again",
                f.entry
            ),
            Rule::DenyHostExec if f.repository == Some(hostpath::Repository::Metadata) => format!(
                "a repository's {}, whose hooks (and git's core.fsmonitor) run on the host's next git or hg command; mount the repository read-only, or shadow it with a read-only mount of it at the same place inside, or have the shim do so ([hardening] shadow_repositories = true); made by an agent (its git init), remove it on the host (after a look at its hooks and config) to start the group again",
                f.entry
            ),
            Rule::DenyHostExec => format!("a host path that runs code when written ({})", f.entry),
            Rule::DenyWritableRoot => {
                format!("{} read-write, outside the policy's writable_roots", f.entry)
            }
            _ if f.entry == hostpath::UNRESOLVABLE => f.entry.clone(),
            _ => format!("the sensitive host path {}", f.entry),
        };
        if host_file {
            if self.on(Rule::DenyHostFile) {
                let verb = if access == Access::Write {
                    "writes"
                } else {
                    "reads"
                };
                self.v(Rule::DenyHostFile, o, format!("the runtime {verb} {what}"));
            }
        } else {
            self.v(f.rule, o, format!("mounts {what}"));
        }
    }

    /// A repository's `.git` (or `.hg`) at the top of a folder mounted read-write at `target`: its
    /// hooks and git's `core.fsmonitor` run on the host's next git command there. Refusing the
    /// mount locked a group out for good after its agent ran `git init` in its own folder (the
    /// seventieth look's: every later start refused); mounted over itself read-only instead, the
    /// folder stays writable and the repository cannot be changed. `false` when it cannot be
    /// named in a `--mount` (a comma, a quote or a line break in a path): refused as before.
    fn shadow(&mut self, o: &Opt, entry: &str, target: &[u8]) -> bool {
        let name = entry.rsplit('/').next().unwrap_or(entry);
        let dst = [target, b"/", name.as_bytes()].concat();
        if self.shadows.iter().any(|(_, d)| *d == dst) {
            return true;
        }
        let plain = |p: &[u8]| !p.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
        if !plain(entry.as_bytes()) || !plain(&dst) || entry.contains('\u{fffd}') {
            return false;
        }
        // Only a folder or a file (a worktree's `gitdir:` file) of its own: a `.git` that is a
        // link would be followed by podman, and the shim's read-only mount of it would give the
        // container wherever the agent pointed it (the eighty-fifth look's `.git ->
        // ../../store`: other groups' folders, nanoclaw's credentials), with the mount check
        // off nothing seen. Refused, with how to start the group again.
        let own =
            std::fs::symlink_metadata(entry).is_ok_and(|m| m.file_type().is_dir() || m.file_type().is_file());
        if !own {
            return false;
        }
        self.targets.push(dst.clone());
        self.shadows.push((entry.as_bytes().to_vec(), dst.clone()));
        self.bound(o, entry.as_bytes(), Access::Read, dst);
        true
    }

    /// Records what the bind mount of `raw` at `target` must be for the mount check
    /// ([`crate::mountcheck`]): the file or folder as opened now, judged again where the kernel
    /// says it is. A path judged by name can change before it is opened (a link swapped in);
    /// what was opened cannot, and it is what the container must get. One that cannot be
    /// opened is expected as nothing at all.
    fn bound(&mut self, o: &Opt, raw: &[u8], access: Access, target: Vec<u8>) {
        let Some(id) = self.paths.identity(raw) else {
            self.binds.push(crate::mountcheck::Expected {
                dev: 0,
                ino: 0,
                birth: 0,
                target,
            });
            return;
        };
        let before = self.out.len();
        if id.real != raw {
            self.path(o, &id.real, access, Some(&target), false);
        }
        if self.out.len() == before {
            self.socket(o, &id);
        }
        if self.out.len() == before {
            self.binds.push(crate::mountcheck::Expected {
                dev: id.dev,
                ino: id.ino,
                birth: id.birth,
                target,
            });
        }
    }

    /// A socket is a host service: a read-only mount does not stop `connect(2)` (an engine's
    /// socket where the lists do not name it, Rancher Desktop's `~/.rd/docker.sock`: the
    /// forty-ninth look's container reached it); nor does it stop a write into a FIFO, a host
    /// program's command pipe (the sixty-third look's). No nanoclaw generation mounts one.
    fn socket(&mut self, o: &Opt, id: &crate::hostfs::Identity) {
        if id.is_socket {
            self.v(
                Rule::DenySensitiveMount,
                o,
                format!(
                    "mounts a socket or FIFO ({}): a host service the container could connect to, or a host program's command pipe it could write into, read-only or not",
                    crate::text::lossy(&id.real)
                ),
            );
        }
    }

    /// A restart policy: podman restarts the container by itself (and `podman-restart.service`
    /// at boot), without the shim's hook: its bind sources and volumes mounted again unchecked,
    /// and an image's runtime annotations, which the hook refuses, applied (the thirty-fourth
    /// look's, on 4.3.1: a container the hook had refused came up at the next start). Refused
    /// with the hook on, on `run`, `create` and `update` alike.
    fn restart(&mut self, o: &Opt) {
        if !self.rules.podman.verify_mounts || matches!(o.bytes(), b"" | b"no") {
            return;
        }
        self.v(Rule::HardenMountCheck, o, RESTART_UNCHECKED);
    }

    fn check(&mut self, o: &Opt) {
        // What podman reads as a list is judged element by element: docker's one value
        // `tag=a,path=~/.bashrc` is two log options to podman.
        if o.flag.podman_list {
            if let Some(parts) = crate::flags::podman_list_elements(o.bytes()) {
                if pinned_file(o.flag.canonical()) && self.on(Rule::DenyHostFile) {
                    self.v(
                        Rule::DenyHostFile,
                        o,
                        "podman may read this value as several files (a comma, quote or line break), which cannot be given to it as the copy the shim checked; name one file per option",
                    );
                }
                let before = self.out.len();
                for part in parts {
                    let one = Opt {
                        flag: o.flag,
                        value: crate::parse::OptValue::Value(std::ffi::OsString::from_vec(part)),
                        group: o.group,
                    };
                    self.check_one(&one);
                }
                // A value with quotes the CSV reader refuses (a bare `"`), nothing else refused
                // in it: podman 4 prints it whole in its error (the thirty-second pass's look:
                // `--annotation 'api_token={"t":"T"}'`).
                let quoted = o.bytes().contains(&b'"');
                if self.out.len() == before && quoted && crate::govalue::csv_fields(o.bytes()).is_none() {
                    self.v(
                        Rule::ParseBadValue,
                        o,
                        "podman reads this value as comma-separated fields, refuses its quotes and prints the value whole; quote the whole field (\"...\") with inner quotes doubled",
                    );
                }
                return;
            }
        }
        self.check_one(o);
    }

    fn check_one(&mut self, o: &Opt) {
        match o.flag.class {
            Class::Inert | Class::Hardening => {}
            Class::Restart => self.restart(o),
            Class::Ceiling => self.ceiling(o),
            Class::Namespace => self.namespace(o),
            Class::Mount => self.mount(o),
            Class::HostRead => self.host_file(o, Access::Read),
            Class::HostWrite => self.host_file(o, Access::Write),
            Class::SecurityOpt => self.security_opt(o),
            Class::Capability => self.capability(o),
            Class::User => self.user(o),
            Class::Network => self.publish(o),
            Class::Annotation => self.annotation(o),
            Class::Environment => self.environment(o),
            Class::LogDriver => self.log_driver(o),
            Class::Label => self.label(o),
            Class::ContainerName => match &o.value {
                // `exec --latest`, `update --latest` (podman's, allowed only by name): podman
                // acts on the newest container on the engine, perhaps the operator's, and reads
                // every word after the flags as the command; the shim judged the first as the
                // container (the look `gz`). Refused whatever the policy allows.
                crate::parse::OptValue::Bool(latest) => {
                    if *latest && self.on(Rule::DenyForeignContainer) {
                        self.v(Rule::DenyForeignContainer, o, NEWEST_CONTAINER);
                    }
                }
                crate::parse::OptValue::Value(_) => {
                    if self.on(Rule::DenyForeignContainer) && reads_as_an_id(&text(o)) {
                        self.v(Rule::DenyForeignContainer, o, ID_LIKE_NAME);
                    }
                }
            },
            Class::Health => self.health(o),
            Class::Logging => {
                let value = match &o.value {
                    crate::parse::OptValue::Bool(b) => Some(if *b { &b"true"[..] } else { b"false" }),
                    crate::parse::OptValue::Value(v) => Some(v.as_bytes()),
                };
                if self.on(Rule::DenyDebugLog) && crate::flags::logs_arguments(o.flag, value) {
                    self.v(
                        Rule::DenyDebugLog,
                        o,
                        "makes the runtime log every argument, secret values included",
                    );
                }
            }
            Class::Denied(rule) => {
                let set = match o.flag.arity {
                    Arity::Bool => o.is_true(),
                    Arity::Value => true,
                };
                if set && self.on(rule) && !self.rules.deny.allows_flag(o.flag.long.as_str()) {
                    let why = match rule {
                        Rule::DenyDevice => "exposes host devices",
                        Rule::DenyVolumesFrom => "copies another container's mounts without checking them",
                        Rule::DenyApiSocket => "puts the engine's API socket in the container",
                        Rule::DenyEnvHost => {
                            "copies the host's whole environment, credentials included, into the container"
                        }
                        Rule::DenyCeiling => "takes the container out of the policy's cgroup ceilings",
                        Rule::DenyNetworkOption
                            if matches!(o.flag.canonical(), "network-alias" | "hostname") =>
                        {
                            NAME_OF_ITS_OWN
                        }
                        Rule::DenyNetworkOption => ADDRESS_OF_ITS_OWN,
                        _ => "hands the container a host resource the policy does not allow",
                    };
                    self.v(
                        rule,
                        o,
                        format!(
                            "{why} (allow it by name with [deny] add_allow_flags = [{:?}])",
                            o.flag.long.as_str()
                        ),
                    );
                }
            }
        }
        let podman_only = match o.flag.docker {
            Docker::No => true,
            Docker::Added(v) => match o.flag.arity {
                Arity::Value => o.bytes() != v.as_bytes(),
                _ => o.is_true(),
            },
            Docker::Yes | Docker::Hidden => false,
        };
        if podman_only && self.on(Rule::DenyPodmanOnly) && !self.rules.deny.allows_flag(o.flag.long.as_str())
        {
            self.v(
                Rule::DenyPodmanOnly,
                o,
                format!(
                    "docker's CLI has no --{}; allow it by name with [deny] add_allow_flags",
                    o.flag.long
                ),
            );
        }
    }

    fn ceiling(&mut self, o: &Opt) {
        if self.run.verb == Verb::Update {
            if self.on(Rule::DenyUpdateLimits) {
                if let Some(why) = update_above(self.run, o, &self.rules.limits) {
                    if readable_limit(o) {
                        self.v(Rule::DenyUpdateLimits, o, why);
                    } else {
                        // A value that is no number is named by its length, as a parse error
                        // is: it may be anything, a secret pasted in the wrong place included.
                        self.out.push(Violation {
                            rule: Rule::DenyUpdateLimits,
                            token: format!("--{}=<{} bytes, not shown>", o.flag.long, o.bytes().len()),
                            reason: format!("cannot understand the value; {why}"),
                        });
                    }
                }
            }
            return;
        }
        if !self.on(Rule::DenyCeiling) {
            return;
        }
        let t = text(o);
        match o.flag.long.as_str() {
            "oom-kill-disable" if o.is_true() => self.v(
                Rule::DenyCeiling,
                o,
                "a container that cannot be OOM-killed holds its memory at the ceiling",
            ),
            "oom-score-adj" if crate::units::go_int(&t).is_none_or(|n| n < 0) => self.v(
                Rule::DenyCeiling,
                o,
                "not a whole number of zero or more: a negative OOM score makes the kernel kill host processes first",
            ),
            // `false` is what the shim itself adds (`harden.systemd`); `true` (podman's default,
            // for a command named systemd or init) and `always` mount the host's cgroup tree.
            "systemd" if t != "false" => self.v(
                Rule::DenyCeiling,
                o,
                "systemd mode mounts the host's cgroup tree read-write and memory file systems without a size",
            ),
            "cpu-rt-period" | "cpu-rt-runtime" => self.v(
                Rule::DenyCeiling,
                o,
                "realtime CPU time is not held by the CPU ceiling",
            ),
            "ulimit" => {
                let name = t.split('=').next().unwrap_or("").trim().to_ascii_lowercase();
                let value = t.split_once('=').map_or("", |(_, v)| v);
                let zero = value.split(':').all(|v| v.trim() == "0");
                if (name == "rtprio" || name == "rttime") && !zero {
                    self.v(
                        Rule::DenyCeiling,
                        o,
                        "realtime scheduling escapes the CPU ceiling",
                    );
                } else if name == "host" {
                    // podman copies the caller's limits, `rtprio` and `rttime` included.
                    self.v(
                        Rule::DenyCeiling,
                        o,
                        "copies the caller's limits, realtime scheduling's included, which escapes the CPU ceiling",
                    );
                }
            }
            "shm-size" | "shm-size-systemd" => {
                if let Some(why) = self.rules.limits.shm_above(&t) {
                    self.v(Rule::DenyCeiling, o, why);
                }
            }
            "cpu-shares" | "blkio-weight" | "blkio-weight-device" => {
                if let Some(why) = weight_above(o.flag.long.as_str(), &t) {
                    self.v(Rule::DenyCeiling, o, why);
                }
            }
            _ => {}
        }
    }

    /// `--log-driver`: an allow-list. podman's `passthrough` and `passthrough-tty` give the
    /// container the caller's own standard streams, and runc hands their files to the
    /// container's user: a root-owned `0600` file the caller's output went to became uid 1000's,
    /// and the container read and wrote it through `/proc/self/fd/1` (the twenty-seventh look's).
    fn log_driver(&mut self, o: &Opt) {
        const KEPT: &[&[u8]] = &[b"json-file", b"k8s-file", b"journald", b"none"];
        if self.on(Rule::DenyHostHandoff) && !KEPT.contains(&o.bytes()) {
            self.v(
                Rule::DenyHostHandoff,
                o,
                "a log driver other than json-file, k8s-file, journald and none (passthrough hands the container the caller's own output files)",
            );
        }
    }

    fn namespace(&mut self, o: &Opt) {
        let ns = o.flag.canonical();
        let value = text(o);
        let network = ns == "network";
        let parts: Vec<&str> = if network {
            value.split(',').collect()
        } else {
            vec![value.as_str()]
        };
        for part in parts {
            let lower = part.to_ascii_lowercase();
            if self.on(Rule::DenyHostNamespace) && (lower == "host" || lower.starts_with("ns:")) {
                self.v(
                    Rule::DenyHostNamespace,
                    o,
                    format!("shares a host {ns} namespace, where the container sees and reaches the host's; relax with [deny] host_namespaces = false"),
                );
            } else if self.on(Rule::DenyContainerNamespace) && lower.starts_with("container:") {
                self.v(
                    Rule::DenyContainerNamespace,
                    o,
                    format!("joins another container's {ns} namespace"),
                );
            }
        }
        if ns == "userns" && self.on(Rule::DenyHostNamespace) {
            if let Some(why) = userns_problem(&value, self.paths.host().rootless) {
                self.v(Rule::DenyHostNamespace, o, why);
            }
        }
        // Rootless, `nomap` and `auto` leave the caller outside the container's user namespace:
        // the mount check's hook, run as the caller, cannot read the container's spec, and every
        // start was refused as if a mount had been swapped (the seventy-fifth look's, podman 5).
        let mode = || {
            value
                .trim()
                .split(':')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        if ns == "userns"
            && self.paths.host().rootless
            && self.rules.podman.verify_mounts
            && matches!(mode().as_str(), "nomap" | "auto")
        {
            let mode = mode();
            self.v(
                Rule::HardenMountCheck,
                o,
                format!("under rootless podman, --userns={mode} keeps the mount check's hook (run as the caller) from reading the container's spec, so it could never start; use podman's default user namespace (or set [podman] verify_mounts = false)"),
            );
        }
        if network && self.on(Rule::DenyNetworkOption) {
            let lower = value.to_ascii_lowercase();
            if lower.starts_with("slirp4netns:")
                || lower.starts_with("pasta:")
                || lower.contains(",pasta:")
                || lower.contains(",slirp4netns:")
            {
                self.v(
                    Rule::DenyNetworkOption,
                    o,
                    "network options can expose the host's loopback and ports; host loopback is the policy's [podman] decision",
                );
            } else if let Some(opt) = odd_network_option(&lower) {
                self.v(
                    Rule::DenyNetworkOption,
                    o,
                    format!(
                        "the network option {opt} is not one whose meaning the shim knows (podman 5 takes host_interface_name= as the name of the container's interface on the host, where a firewall may trust it)"
                    ),
                );
            } else if let Some((flag, why)) =
                own_address_option(&lower, &|flag| self.rules.deny.allows_flag(flag))
            {
                self.v(
                    Rule::DenyNetworkOption,
                    o,
                    format!("{why} (allow it by name with [deny] add_allow_flags = [{flag:?}])"),
                );
            }
        }
        // A network joined by name: an operator's on the same engine is not an agent's to join
        // (its services, unpublished, answer there), nor to remove or make again (commands.rs;
        // the hundred-and-third look's). After the options' rules, which say more of a value
        // both refuse (`PASTA:-t,22`, a name to podman, is an option's refusal first).
        if network && self.on(Rule::DenyNetworkName) {
            let list = self.rules.deny.list(DenyList::WritableNetworks);
            if network_names(&value).any(|name| !Named::allowed(name.as_bytes(), list)) {
                self.v(Rule::DenyNetworkName, o, Named::Network.refusal(list));
            }
        }
    }

    fn mount(&mut self, o: &Opt) {
        let kind = o.flag.canonical();
        if kind == "rootfs" {
            if !o.is_true() {
                return;
            }
            // podman's --rootfs makes the "image" a host directory used as the root, with an
            // optional `:O` / `:idmap...` suffix.
            if let Some(image) = &self.run.image {
                let path = image.as_bytes().to_vec();
                let mut cands = vec![path.clone()];
                if let Some(p) = path.iter().position(|&b| b == b':') {
                    cands.push(path[..p].to_vec());
                }
                if let Some(p) = path.iter().rposition(|&b| b == b':') {
                    cands.push(path[..p].to_vec());
                }
                cands.dedup();
                let before = self.out.len();
                for c in cands {
                    if self.out.len() == before {
                        self.path(o, &c, Access::Write, None, false);
                    }
                }
                if self.out.len() == before && self.rules.podman.verify_mounts {
                    self.v(
                        Rule::HardenMountCheck,
                        o,
                        "the root is a host folder podman mounts by its path at every start, which the mount check cannot verify (set [podman] verify_mounts = false to allow it)",
                    );
                }
            }
            return;
        }
        let first = self.out.len();
        let val = o.bytes();
        let Some(m) = mounts::of_opt(o) else {
            self.v(
                Rule::ParseBadValue,
                o,
                format!("cannot understand this --{kind} value; refusing rather than guessing"),
            );
            return;
        };
        if let (Some((option, why)), true) = (&m.odd_option, self.on(Rule::DenyMountOption)) {
            self.v(
                Rule::DenyMountOption,
                o,
                format!("{}: {why}", String::from_utf8_lossy(option)),
            );
        } else if let (Some(why), true) = (
            self.replaces_policy_tmpfs(&m, val),
            self.on(Rule::DenyMountOption),
        ) {
            self.v(Rule::DenyMountOption, o, why);
        }
        // Asked now: a bind's target moves into the record of what it must be.
        let holds_podman_s = crate::mountcheck::holds_podman_s_mounts(&m.target);
        let target = if holds_podman_s {
            m.target.clone()
        } else {
            Vec::new()
        };
        if kind == "tmpfs" || m.kind == mounts::Kind::Tmpfs {
            self.tmpfs_size(o, kind, val);
            return;
        }
        if self.on(Rule::DenyMountPropagation) && m.shares_propagation {
            self.v(
                Rule::DenyMountPropagation,
                o,
                "propagates mounts back to the host",
            );
        }
        if m.driver_options && self.on(Rule::DenySensitiveMount) {
            return self.v(
                Rule::DenySensitiveMount,
                o,
                "an inline volume with driver options (volume-opt) mounts whatever they name: a host directory by a relative device, overlay layers, a network share; use a volume without them",
            );
        }
        let access = if m.writes_host {
            Access::Write
        } else {
            Access::Read
        };
        match &m.kind {
            mounts::Kind::Bind => {
                if m.source.is_empty() {
                    self.v(Rule::ParseBadValue, o, "a bind mount needs a source");
                } else {
                    let before = self.out.len();
                    self.path(o, &m.source, access, Some(&m.target), false);
                    // An overlay (`:O`) and an inline volume are mounted as what they are, not
                    // as the source: the mount check knows binds only.
                    if self.out.len() == before
                        && !m.overlay
                        && !m.driver_options
                        && self.rules.podman.verify_mounts
                    {
                        self.bound(o, &m.source, access, m.target);
                    } else if self.out.len() == before && !self.rules.podman.verify_mounts {
                        // (Without the mount check the source is opened for this alone.)
                        if let Some(id) = self.paths.identity(&m.source) {
                            self.socket(o, &id);
                        }
                    }
                }
            }
            mounts::Kind::Volume => {
                // Named or anonymous volumes (which any container can mount by the name podman
                // gives it) are the hook's to judge.
                if kind == "volume" && m.source.first() == Some(&b'/') {
                    self.path(o, &m.source, access, Some(&m.target), false);
                } else if !m.source.is_empty() && self.on(Rule::DenyVolumeName) {
                    // A named volume: an operator's on the same engine held credentials or what
                    // their own container runs, and an agent read and wrote it (the hundred and
                    // second look's).
                    let list = self.rules.deny.list(DenyList::WritableVolumes);
                    if !Named::allowed(&m.source, list) {
                        self.v(Rule::DenyVolumeName, o, Named::Volume.refusal(list));
                    }
                } else if m.source.is_empty() && self.on(Rule::DenyCeiling) {
                    // An anonymous volume, as an image's own `VOLUME` is before `harden.image-volume`:
                    // a container wrote 600 MB there under a 64 MB memory limit, and nanoclaw's
                    // `create --rm`, `start`, `rm --force` left it on the host, where no `volume
                    // rm` through the shim reaches it (the hundred-and-seventeenth look's).
                    self.v(
                        Rule::DenyCeiling,
                        o,
                        "an anonymous volume is a writable folder on the host's disk beneath the read-only root, outside every ceiling, and outlives the container; mount a tmpfs there (--tmpfs DST), held to the memory ceiling",
                    );
                }
            }
            mounts::Kind::Tmpfs => {}
            mounts::Kind::Other(t) => match t.as_str() {
                // podman's `type=glob` binds every host path its source matches, as Go's
                // `filepath.Glob` expands it: wildcards in any component, `\` escaping any
                // character (`\.bashrc` is `.bashrc`). docker has no such mount, and no check
                // on the pattern can see every file it will match: refused as podman-only. With
                // that rule off, the directory it expands in is judged, which holds every match.
                "glob" => {
                    if self.on(Rule::DenyPodmanOnly) {
                        self.v(
                            Rule::DenyPodmanOnly,
                            o,
                            "a glob mount binds whatever host paths its pattern matches; docker has no glob mounts",
                        );
                        return;
                    }
                    let prefix: Vec<u8> = m
                        .source
                        .split(|&b| b == b'/')
                        .take_while(|c| !c.iter().any(|b| matches!(b, b'*' | b'?' | b'[' | b'\\')))
                        .collect::<Vec<_>>()
                        .join(&b'/');
                    let prefix = if prefix.is_empty() { b"/".to_vec() } else { prefix };
                    self.path(o, &prefix, access, None, false);
                }
                // An image's source is an image reference, judged as a `run`'s image is: with a
                // transport, podman opens what it names before the lookup, and
                // `containers-storage:[DRIVER@GRAPHROOT+RUNROOT:OPTIONS]` makes a store there as
                // the caller, through links a container planted (the fiftieth look's: root chowned
                // a folder, created a file, truncated another to `true`).
                "image" => {
                    // Read-write (podman's `rw=true`), an image mount is a writable layer on the
                    // host's disk beneath the read-only root, outside every ceiling (the
                    // sixty-third look's 300 MB under a 64 MB memory limit); docker's is
                    // read-only.
                    if m.read_write && self.on(Rule::DenyCeiling) {
                        self.v(
                            Rule::DenyCeiling,
                            o,
                            "a read-write image mount is a writable layer on the host's disk beneath the read-only root, outside every ceiling; mount the image read-only",
                        );
                    }
                    if let Some(t) = crate::containerfile::host_transport(&m.source) {
                        if self.on(Rule::DenyHostFile) {
                            self.v(
                                Rule::DenyHostFile,
                                o,
                                format!(
                                    "an image mount's source with the {t}: image transport makes podman open or write a host path; docker accepts only image names"
                                ),
                            );
                        }
                    }
                }
                // podman 5.5's artifacts (`type=artifact`): a mount docker has not, of whatever
                // the store holds under the name (the fifty-fourth look's): podman-only.
                "artifact" => {
                    if self.on(Rule::DenyPodmanOnly) {
                        self.v(
                            Rule::DenyPodmanOnly,
                            o,
                            "an artifact mount is podman's alone; docker has no artifact mounts",
                        );
                    }
                }
                "devpts" | "ramfs" => {}
                _ => self.v(
                    Rule::ParseBadValue,
                    o,
                    format!("mount type {t:?} is not one the policy knows; refusing"),
                ),
            },
        }
        for w in &m.host_writes {
            self.path(o, w, Access::Write, None, false);
        }
        // What the mount check cannot check, after the path checks, which say more when they
        // refuse. Beneath a folder another container can change, podman's own mounts are ones
        // it can move: a rename carries a mount along, and the hook would find podman's
        // catatonit (a file any call may bind) where the judged file should be (the red team's:
        // the agent's folder at /run, `podman-init` renamed onto a bind whose source was
        // swapped).
        if !self.rules.podman.verify_mounts || self.out.len() != first {
            return;
        }
        if holds_podman_s {
            return self.v(
                Rule::HardenMountCheck,
                o,
                format!(
                    "a mount at {} would hold mounts podman makes itself ({}), which a container with the folder read-write can move onto a checked mount's place; mount it elsewhere (or set [podman] verify_mounts = false)",
                    crate::text::lossy(&target),
                    crate::mountcheck::PODMAN_S_MOUNTS.join(", ")
                ),
            );
        }
        // An overlay is built from its source path (and its upperdir's) at every start: nothing
        // is mounted that the hook could compare with what was judged (the red team swapped
        // the source, and the upperdir, for links to `~/.ssh` between create and start).
        if m.overlay {
            self.v(
                Rule::HardenMountCheck,
                o,
                "an overlay (:O) is built from its source path at every start, which the mount check cannot verify; use a read-only bind (or set [podman] verify_mounts = false)",
            );
        }
    }

    /// A caller's tmpfs must carry a size within the policy's ceiling, where it names one.
    fn tmpfs_size(&mut self, o: &Opt, kind: &str, val: &[u8]) {
        let Some(max) = self.rules.limits.tmpfs_size else {
            return;
        };
        if !self.on(Rule::DenyCeiling) {
            return;
        }
        let s = crate::text::lossy(val);
        // `--tmpfs DST:OPTIONS` is split at every comma; a `--mount` value is a CSV record, its
        // quotes taken off (the fifty-eighth look's `"tmpfs-size=100g"`, which a plain split
        // read as no size at all, while podman mounted 100 GB).
        let opts: Vec<String> = if kind == "tmpfs" {
            let o = s.split_once(':').map_or("", |(_, o)| o);
            o.split(',').map(str::to_string).collect()
        } else {
            // The mount reader read the same record (a value it cannot read is refused).
            crate::govalue::csv_fields(val)
                .unwrap_or_default()
                .iter()
                .map(|f| crate::text::lossy(f).into_owned())
                .collect()
        };
        // Every size is judged, the last as much as the first (which one a runtime keeps is its
        // own affair), and `nr_blocks` (a size in pages; 0 is unlimited) is refused: `size`
        // says the same, and is judged. No size: the runtime's default, charged to the
        // container's memory ceiling.
        let fields = || opts.iter().map(|f| f.trim());
        let sizes_held = fields()
            .filter_map(|f| f.strip_prefix("size=").or_else(|| f.strip_prefix("tmpfs-size=")))
            .all(|v| units::parse_bytes(v.trim()).is_some_and(|n| (1..=max).contains(&n)));
        let blocks = fields().any(|f| f.to_ascii_lowercase().starts_with("nr_blocks"));
        match sizes_held && !blocks {
            true => {}
            false => self.v(
                Rule::DenyCeiling,
                o,
                format!(
                    "a tmpfs size that is not a size within the policy's ceiling of {}",
                    units::format_bytes(max)
                ),
            ),
        }
    }

    fn host_file(&mut self, o: &Opt, access: Access) {
        let t = o.bytes().to_vec();
        let path: Option<Vec<u8>> = match o.flag.long.as_str() {
            "log-opt" => {
                if !t.contains(&b'=') {
                    self.v(Rule::ParseBadValue, o, "a log option is name=value");
                }
                // Whatever the path: the file holds what the container prints, and a file
                // beneath a writable root may run as code (the red team's: a log written to a
                // project's `.husky/pre-commit` ran on the host). nanoclaw reads the output
                // through its pipe and names no log file.
                let path = log_path(&t).map(<[u8]>::to_vec);
                if path.is_some() && self.on(Rule::DenyHostFile) {
                    return self.v(
                        Rule::DenyHostFile,
                        o,
                        "the runtime writes the container's output to a host file of the caller's choosing: text the container controls, in a file that may run as code (a git hook, .envrc, a Makefile)",
                    );
                }
                path
            }
            "health-log-destination" => (t.first() == Some(&b'/')).then(|| t.clone()),
            "decryption-key" => Some(t.split(|&b| b == b':').next().unwrap_or(b"").to_vec()),
            "seccomp-policy" => {
                if t != b"default" && self.on(Rule::DenySecurityOption) {
                    self.v(
                        Rule::DenySecurityOption,
                        o,
                        "a seccomp profile supplied by the image replaces the runtime's",
                    );
                }
                None
            }
            _ => Some(t),
        };
        if let Some(p) = path {
            if p.is_empty() {
                self.v(Rule::ParseBadValue, o, "a host file flag needs a path");
            } else {
                let before = self.out.len();
                self.path(o, &p, access, None, true);
                if pinned_file(o.flag.canonical()) && self.out.len() == before {
                    self.read_pinned(o, &p);
                }
                // podman writes the container's id in its own process: into the folder the
                // shim opens, not by the path again ([`crate::pin::Pin::Into`]).
                if o.flag.canonical() == "cidfile" && self.out.len() == before {
                    self.written.push(self.current);
                }
            }
        }
    }

    /// A caller's memory file system where the policy puts a tmpfs of its own (`/tmp`): the
    /// caller's is kept in its place, so it may not be weaker: no `exec` where the policy's is
    /// `noexec`, no `suid` or `dev`, and no ramfs, which has no size and mounts without
    /// `nosuid`, `nodev` or `noexec` (the hundred-and-seventeenth look's).
    fn replaces_policy_tmpfs(&self, m: &mounts::Mount, spec: &[u8]) -> Option<String> {
        let t = self
            .rules
            .hardening
            .tmpfs
            .iter()
            .find(|t| t.path.as_bytes() == m.target.as_slice())?;
        match &m.kind {
            mounts::Kind::Tmpfs => {}
            // A ramfs (no size, no nosuid, nodev or noexec), a devpts, an image: another kind
            // of file system in the policy's place (the hundred-and-thirty-third look's devpts).
            mounts::Kind::Other(k) => {
                return Some(format!(
                    "a {k} mount at {}, where the policy puts its own tmpfs: it would take the policy's place (a ramfs has no size and mounts without nosuid, nodev or noexec); mount a tmpfs there, or none",
                    t.path
                ));
            }
            _ => return None,
        }
        let word = spec
            .split(|&b| b == b',' || b == b':')
            .map(<[u8]>::to_ascii_lowercase)
            .find(|w| w == b"suid" || w == b"dev" || (w == b"exec" && !t.exec))?;
        Some(format!(
            "{} on the tmpfs at {}, where the policy's own is nosuid,nodev,{}: the caller's is kept in its place, and may not be weaker; leave the option out",
            String::from_utf8_lossy(&word),
            t.path,
            if t.exec { "exec" } else { "noexec" }
        ))
    }

    /// `-e NAME` (no value) copies the host's NAME into the container, and podman expands
    /// `-e 'PREFIX*'` to every host variable that matches: nanoclaw's own environment, the
    /// operator's keys among it, handed over by whoever shapes the argv. `deny.env-host`, as
    /// `--env-host` is.
    fn environment(&mut self, o: &Opt) {
        if !self.on(Rule::DenyEnvHost) {
            return;
        }
        if let Some(why) = copies_host_env(o.bytes()) {
            self.v(Rule::DenyEnvHost, o, why);
        }
    }

    /// An `--env-file` or `--label-file` that the path checks let through: read once, an env
    /// file's lines judged as `-e` values are (podman reads `NAME` and `PREFIX*` lines as copies
    /// of the host's variables), and what was read is what the runtime is given
    /// ([`Judged::read`]): a file changed or replaced by a link after this read (the red team's
    /// label file swapped for `~/.aws/credentials`) is never the one podman reads.
    fn read_pinned(&mut self, o: &Opt, path: &[u8]) {
        let judge = o.flag.canonical() == "env-file" && self.on(Rule::DenyEnvHost);
        let text = match self.paths.read_file(path) {
            SmallFile::Read(text) => text,
            SmallFile::Missing => {
                // podman fails on it too; one created after this check would be read unchecked.
                if self.on(Rule::DenyHostFile) {
                    self.v(
                        Rule::DenyHostFile,
                        o,
                        "the file does not exist: podman would fail, and one created after the check would be read unchecked",
                    );
                }
                return;
            }
            SmallFile::Unread(why) => {
                // podman may still read it (a FIFO, a long file): what it holds is unknown.
                if judge {
                    let why =
                        format!("the env file cannot be checked for copies of the host's variables: {why}");
                    self.v(Rule::DenyEnvHost, o, why);
                } else if self.on(Rule::DenyHostFile) {
                    let why = format!("the file cannot be given to podman as the copy the shim read: {why}");
                    self.v(Rule::DenyHostFile, o, why);
                }
                return;
            }
        };
        // A label without a name, which podman refuses by printing the line whole (the
        // hundred-and-thirtieth look's).
        if o.flag.canonical() == "label-file"
            && text
                .split(|&b| b == b'\n')
                .any(|l| crate::text::lossy(l).trim_start().starts_with('='))
        {
            self.v(
                Rule::ParseBadValue,
                o,
                "a line of the label file has no name, which the runtime refuses by printing its value",
            );
            return;
        }
        for line in text.split(|&b| b == b'\n').filter(|_| judge) {
            let line = crate::text::lossy(line);
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // The runtime refuses a NUL in a variable and prints the variable whole, its value
            // included, where nanoclaw keeps a container's stderr (the hundred-and-twenty-fifth
            // look's).
            if line.contains('\0') {
                self.v(
                    Rule::DenyEnvHost,
                    o,
                    "a line of the env file holds a NUL byte, which the runtime refuses by printing the whole variable, its value included",
                );
                return;
            }
            if let Some(why) = copies_host_env(line.as_bytes()) {
                self.v(Rule::DenyEnvHost, o, format!("a line of the env file: {why}"));
                return;
            }
        }
        // An element of a value podman reads as a list is judged, never pinned: [`Self::check`]
        // refuses such a value when the runtime is to read what was judged.
        if self.run.opts.get(self.current).map(Opt::bytes) == Some(path) {
            self.read.push((self.current, text));
        }
    }

    fn security_opt(&mut self, o: &Opt) {
        if !self.on(Rule::DenySecurityOption) {
            return;
        }
        let val = o.bytes();
        if let Some(why) = weak_security_option(val) {
            self.v(Rule::DenySecurityOption, o, why);
            return;
        }
        if nnp_setting(val).is_some() {
            return; // no-new-privileges: on is the hardening, unreadable is the rewrite's refusal
        }
        let s = crate::text::lossy(val);
        if s.starts_with("mask=") || s.starts_with("mask:") {
            return; // hides more paths: only stricter
        }
        let allowed = self.rules.deny.list(DenyList::AllowedSecurityOptions);
        // The shim's own placeholder (its output given again): the rewrite replaces it with the
        // file of podman's profile it narrowed (`harden.seccomp`).
        if allowed.contains(&s) || s.strip_prefix("seccomp=") == Some(crate::seccomp::PLACEHOLDER) {
            return;
        }
        self.v(
            Rule::DenySecurityOption,
            o,
            format!(
                "security option {s:?} is not on the allow-list (profiles, labels and seccomp files replace the runtime's confinement); allow it with [deny] add_allowed_security_options"
            ),
        );
    }

    fn capability(&mut self, o: &Opt) {
        match (self.run.verb, o.flag.long.as_str()) {
            (Verb::Exec, "privileged") if self.on(Rule::DenyExecPrivileged) && o.is_true() => {
                self.v(Rule::DenyExecPrivileged, o, "exec with every capability");
            }
            (Verb::Exec, "privileged") => {}
            (_, "privileged") if self.on(Rule::DenyPrivileged) && o.is_true() => {
                self.v(
                    Rule::DenyPrivileged,
                    o,
                    "a privileged container has every capability and device; give the one capability it needs with --cap-add and [hardening] allowed_capabilities",
                );
            }
            (_, "cap-add") => {
                if !self.on(Rule::DenyCapAdd) {
                    return;
                }
                let h = &self.rules.hardening;
                let bad: Vec<String> = text(o)
                    .split(',')
                    .map(normalize_cap)
                    .filter(|c| {
                        !h.allowed_capabilities
                            .iter()
                            .chain(&h.keep_capabilities)
                            .any(|a| a == c)
                    })
                    .collect();
                if !bad.is_empty() {
                    self.v(
                        Rule::DenyCapAdd,
                        o,
                        format!(
                            "{} not in allowed_capabilities (add it to [hardening] allowed_capabilities to let it through)",
                            bad.iter()
                                .map(|c| crate::policy::shown_cap(c))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
            }
            _ => {} // cap-drop only removes
        }
    }

    fn user(&mut self, o: &Opt) {
        match (self.run.verb, o.flag.long.as_str()) {
            (Verb::Exec, "user") if self.on(Rule::DenyExecRoot) => match user_is(o.bytes()) {
                UserIs::Root => self.v(Rule::DenyExecRoot, o, "exec as root"),
                UserIs::Named => self.v(Rule::DenyExecRoot, o, NAMED_USER),
                UserIs::NotRoot => {
                    let why = group_problem(o.bytes(), self.paths.host().rootless).unwrap_or(EXEC_USER);
                    self.v(Rule::DenyExecRoot, o, why);
                }
            },
            (Verb::Exec, "user") => {}
            (_, "user") if self.on(Rule::DenyRootUser) => match user_is(o.bytes()) {
                UserIs::Root => self.v(Rule::DenyRootUser, o, "runs as root"),
                UserIs::Named => self.v(Rule::DenyRootUser, o, NAMED_USER),
                UserIs::NotRoot => {
                    if let Some(why) = group_problem(o.bytes(), self.paths.host().rootless) {
                        self.v(Rule::DenyRootUser, o, why);
                    }
                }
            },
            (_, "group-add") if self.on(Rule::DenyGroupAdd) => {
                let t = text(o);
                if t.split(',').any(|g| g.trim() == "keep-groups") {
                    self.v(
                        Rule::DenyGroupAdd,
                        o,
                        "keeps the host user's groups (and their file access) in the container",
                    );
                } else {
                    // Untrimmed, as podman's list reads it: `'1000 '` is a name (the look `gz`).
                    // And a number too is looked up as a name first: every value is refused.
                    let why = t
                        .split(',')
                        .find_map(|g| added_group_problem(g, self.paths.host().rootless))
                        .unwrap_or(GROUP_BY_NAME_FIRST);
                    self.v(Rule::DenyGroupAdd, o, why);
                }
            }
            _ => {} // id mappings and host users are podman-only: refused above unless allowed
        }
    }

    fn publish(&mut self, o: &Opt) {
        if !self.on(Rule::DenyPublish) {
            return;
        }
        if o.flag.long == "publish-all" {
            if o.is_true() {
                self.v(
                    Rule::DenyPublish,
                    o,
                    "publishes every exposed port on every host address",
                );
            }
            return;
        }
        let spec = text(o);
        if !publishes_on_loopback(&spec) {
            self.v(
                Rule::DenyPublish,
                o,
                "publishes a port on addresses other than the host's loopback; use 127.0.0.1:PORT:PORT",
            );
        } else if let Some(port) = host_ports(&spec).and_then(|(lo, hi)| {
            (self.rules.podman.host_loopback_ports.iter()).find(|&&p| (lo..=hi).contains(&p))
        }) {
            // The ports agents are let reach on the host are its services' (OneCLI's credential
            // proxy): a container that took one while it was free received the other agents'
            // requests, their tokens with them (the hundred-and-thirty-first look's).
            self.v(
                Rule::DenyPublish,
                o,
                format!(
                    "publishes host port {port}, one the policy lets agents reach on the host ([podman] host_loopback_ports): a container there would receive the other agents' requests"
                ),
            );
        }
    }

    /// A label podman's auto-update acts on: a policy (`io.containers.autoupdate`, and its
    /// `.authfile`, a host file the pull reads) or the systemd unit to restart
    /// (`PODMAN_SYSTEMD_UNIT`). Root's daily timer restarts that unit, whatever it is and whether
    /// or not the container runs in it (the thirty-fifth look's: `podman-kube@` of a YAML the
    /// agent wrote ran `play kube` as root; `reboot.target` rebooted). Always on podman's side:
    /// the shim's own `io.containers.autoupdate=disabled` follows ([`crate::rewrite`]).
    fn label(&mut self, o: &Opt) {
        let t = text(o);
        // podman refuses a label without a name by printing its value (`invalid label format:
        // "=VALUE"`), as it does an `-e =VALUE` (the thirty-first pass's look).
        if t.trim_start().starts_with('=') {
            self.v(
                Rule::ParseBadValue,
                o,
                "a label without a name, which the runtime refuses by printing its value",
            );
        }
        let key = t.split('=').next().unwrap_or("").trim().as_bytes();
        let policy = key
            .get(..24)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"io.containers.autoupdate"))
            && matches!(key.get(24), None | Some(b'.'));
        // `disabled` is what the shim itself adds (`harden.auto-update`), and only restricts.
        let own = t.trim() == AUTO_UPDATE_OFF;
        if (policy && !own) || key.eq_ignore_ascii_case(b"podman_systemd_unit") {
            self.v(
                Rule::HardenAutoUpdate,
                o,
                "podman's auto-update timer (root's, daily) restarts the systemd unit a container names, or pulls with a host file: a host unit restarted for the container",
            );
        }
    }

    /// A health-check setting. Each check is a process the host starts (root's `podman
    /// healthcheck run`, from a systemd timer), outside the container's ceilings: an interval of
    /// `1ms` (the thirty-fifth look's, `systemd-run --on-unit-inactive=1ms` captured) is a host
    /// process started as fast as systemd allows, for as long as the container runs. The interval
    /// is read as docker's CLI and podman read it (Go's `time.ParseDuration`); `0` sets no timer
    /// (podman) or docker's default of 30 s. With `no_healthcheck` on, the image's own check is
    /// turned off ([`crate::rewrite`]), so a setting that would tune it is refused: podman 4.3
    /// ignores it (checked: `--health-interval=30s` alone left an image's `1ms` in force).
    fn health(&mut self, o: &Opt) {
        let name = o.flag.canonical();
        if matches!(
            name,
            "health-interval" | "health-start-interval" | "health-startup-interval"
        ) {
            let t = text(o);
            let floor = self.rules.limits.health_interval;
            let why = match crate::govalue::duration(&t) {
                None => Some(
                    "not an interval docker's CLI reads: a number with its unit, such as 30s (0 for the default)".to_string(),
                ),
                Some(n) if n < 0 => Some("a negative interval".to_string()),
                Some(n) => floor.filter(|&min| n > 0 && n.unsigned_abs() < min).map(|min| {
                    format!(
                        "a health check this often has the host start a process (outside the container's ceilings) more often than the policy's health_interval of {} allows",
                        units::format_duration(min)
                    )
                }),
            };
            if let Some(why) = why {
                self.v(Rule::HardenHealthcheck, o, why);
            }
        }
        let tunes = !matches!(name, "health-cmd" | "no-healthcheck");
        if tunes && self.rules.hardening.no_healthcheck && !health_cmd_given(self.run) {
            self.v(
                Rule::HardenHealthcheck,
                o,
                "tunes the image's health check, which the policy turns off (hardening.no_healthcheck): give --health-cmd too, or leave it out",
            );
        }
    }

    fn annotation(&mut self, o: &Opt) {
        if !self.on(Rule::DenyAnnotation) {
            return;
        }
        let t = text(o);
        let key = t.split('=').next().unwrap_or("").trim().to_ascii_lowercase();
        let list = self.rules.deny.list(DenyList::RuntimeAnnotations);
        if let Some(prefix) = list.iter().find(|p| key.starts_with(&p.to_ascii_lowercase())) {
            let why = format!(
                "annotations under {prefix} reconfigure the runtime (groups, seccomp, devices, hooks)"
            );
            self.v(Rule::DenyAnnotation, o, why);
        }
    }
}

/// Checks a parsed invocation against the deny rules; returns every violation, in argv order.
/// Whether the caller names a health check of its own: a `--health-cmd` whose last value is not
/// empty (docker's CLI and podman both read an empty one as none given, and the image's check
/// stays).
pub fn health_cmd_given(run: &RunArgs) -> bool {
    run.last(crate::setting!("health-cmd"))
        .is_some_and(|(_, o)| !o.bytes().is_empty())
}

pub fn check(run: &RunArgs, rules: &Rules, host: &HostCtx) -> Vec<Violation> {
    judge(run, rules, host).violations
}

/// What [`judge`] found.
pub struct Judged {
    /// Every violation, in argv order.
    pub violations: Vec<Violation>,
    /// The normalised container path of every mount the caller asked for (`-v`, `--mount`,
    /// `--tmpfs`), in argv order: read here for shadowing, and handed on so that the rewrite,
    /// which must not add a second mount at any of them, does not parse them again.
    pub targets: Vec<Vec<u8>>,
    /// The host files the checks read and let through (env and label files), by option index: the runtime
    /// is given what was read here, not the path again ([`crate::pin`]).
    pub read: Vec<(usize, Vec<u8>)>,
    /// What each bind mount let through must be when the runtime has mounted it, in argv order
    /// ([`crate::mountcheck`]).
    pub binds: Vec<crate::mountcheck::Expected>,
    /// The options whose file podman writes in its own process (`--cidfile`), by index: written
    /// into the folder the shim opened and judged ([`crate::pin`]).
    pub written: Vec<usize>,
    /// A repository's `.git` / `.hg` at the top of a read-write bind mount, and where it lies in
    /// the container: mounted there read-only by the rewrite (`harden.repository`), its bind
    /// recorded in [`Judged::binds`] like the caller's own.
    pub shadows: Vec<(Vec<u8>, Vec<u8>)>,
}

/// [`check`], with the caller's mount targets.
pub fn judge(run: &RunArgs, rules: &Rules, host: &HostCtx) -> Judged {
    // Mounts are parsed here for their targets (shadowing) and sources (many mounts from one
    // directory read it once), then again one at a time when judged: keeping every parsed mount
    // would cost more memory than parsing twice costs time.
    let mut targets = Vec::new();
    let mut paths = HostPaths::new(&rules.deny, host);
    for m in run.opts.iter().filter_map(mounts::of_opt) {
        // The sources `mount` judges as host paths: binds, and volumes named by a path.
        if (m.kind == mounts::Kind::Bind && !m.source.is_empty()) || m.source.first() == Some(&b'/') {
            paths.announce(&m.source);
        }
        targets.push(m.target);
    }
    paths.prefetch();
    let mut c = Checker {
        run,
        rules,
        paths,
        targets,
        out: Vec::new(),
        current: 0,
        read: Vec::new(),
        binds: Vec::new(),
        written: Vec::new(),
        shadows: Vec::new(),
    };
    for (i, o) in run.opts.iter().enumerate() {
        c.current = i;
        c.check(o);
    }
    c.image();
    c.paths.finish();
    Judged {
        violations: c.out,
        targets: c.targets,
        read: c.read,
        binds: c.binds,
        written: c.written,
        shadows: c.shadows,
    }
}

/// The host ports a `-p ADDR:HOST:CONTAINER[/proto]` value binds (a range `A-B`), when it
/// names them; `None` for a port the engine picks (`127.0.0.1::80`) or a value that does not
/// read, which the caller then asked for on an address of the engine's choosing.
fn host_ports(spec: &str) -> Option<(u16, u16)> {
    let rest = match spec.strip_prefix('[') {
        Some(r) => r.split_once(']')?.1.trim_start_matches(':'),
        None => spec.split_once(':')?.1,
    };
    let host = rest.split(':').next().filter(|h| !h.is_empty())?;
    match host.split_once('-') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => host.trim().parse().ok().map(|p| (p, p)),
    }
}

/// Whether a `-p` value binds only the host's loopback: `127.0.0.1:8080:80`, `[::1]:8080:80`.
fn publishes_on_loopback(spec: &str) -> bool {
    let (addr, rest) = if let Some(r) = spec.strip_prefix('[') {
        match r.split_once(']') {
            Some((a, rest)) => (Some(a.to_string()), rest.trim_start_matches(':').to_string()),
            None => return false,
        }
    } else {
        let parts: Vec<&str> = spec.split(':').collect();
        if parts.len() >= 3 {
            (Some(parts[0].to_string()), parts[1..].join(":"))
        } else {
            (None, spec.to_string())
        }
    };
    let _ = rest;
    match addr {
        None => false,
        Some(a) => a == "localhost" || a.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()),
    }
}

/// Whether a `--security-opt` value switches confinement off; the reason if so.
pub fn weak_security_option(val: &[u8]) -> Option<String> {
    if nnp_setting(val) == Some(Some(false)) {
        return Some("no-new-privileges=false allows privilege escalation".into());
    }
    let s = crate::text::lossy(val);
    // docker accepts `key=value` and `key:value`.
    let (key, value) = s.split_once('=').or_else(|| s.split_once(':'))?;
    let value = value.trim();
    match (key.trim(), value) {
        ("seccomp", "unconfined") => Some("seccomp=unconfined turns the syscall filter off".into()),
        ("apparmor", "unconfined") => Some("apparmor=unconfined turns AppArmor off".into()),
        ("label", "disable") => Some("label=disable turns SELinux separation off".into()),
        ("label", v) if v.contains("spc_t") => {
            Some("label=type:spc_t is SELinux's super-privileged type".into())
        }
        ("systempaths", "unconfined") => Some("systempaths=unconfined unmasks /proc and /sys paths".into()),
        ("unmask", _) => Some(format!("unmask={value} exposes masked /proc and /sys paths")),
        _ => None,
    }
}

/// Why an `-e` value (or an env file's line) copies the host's environment: a name with no
/// `=value`, or a name with podman's `*` wildcard; `None` for `NAME=value`.
fn copies_host_env(v: &[u8]) -> Option<String> {
    let name = match v.iter().position(|&b| b == b'=') {
        Some(at) => &v[..at],
        None => {
            return Some(
                "a variable without a value is copied from the host's environment (give it its value in the argv)".into(),
            );
        }
    };
    if name.is_empty() {
        // podman refuses it by printing the whole value (`invalid environment variable:
        // "=VALUE"`), where nanoclaw keeps a container's stderr (the hundred-and-thirtieth
        // look's).
        return Some("a variable without a name, which the runtime refuses by printing its value".into());
    }
    name.contains(&b'*')
        .then(|| "a `*` in a variable's name copies every host variable it matches (podman)".into())
}

/// The path a `--log-opt` value gives the log file, if it gives one. podman compares the key
/// without regard to case (`PATH=`, `Path=`); surrounding spaces are dropped too, so that no
/// spelling a runtime might accept reaches it unchecked.
fn log_path(opt: &[u8]) -> Option<&[u8]> {
    let at = opt.iter().position(|&b| b == b'=')?;
    let key = crate::text::lossy(&opt[..at]);
    key.trim().eq_ignore_ascii_case("path").then(|| &opt[at + 1..])
}

/// Why a user name other than `root` is refused where root is: the image's `/etc/passwd` says
/// which uid it is, and an image built by an agent may map any name to 0.
const NAMED_USER: &str = "a user name, which the image's /etc/passwd may map to uid 0 (give the numeric uid)";

/// Who a `--user` value runs as, as far as the argv can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserIs {
    /// Root: the name `root`; no user before the `:` (`:0`: the runtime's default user, root);
    /// or a uid whose number is 0 however it is spelled (`0`, `00`, `+0`, `-0`, ` 0`: the
    /// runtimes read it with Go's `Atoi`, which takes a sign), or wraps to 0 as a 32-bit uid
    /// (`4294967296`).
    Root,
    /// Another name: only the image can say its uid, so it cannot be shown not to be root
    /// (Kubernetes' `runAsNonRoot` refuses a non-numeric user for the same reason).
    Named,
    /// A uid other than 0.
    NotRoot,
}

/// The files a `run`, `create` or `exec` names that podman reads whole, given to it as the copy
/// the checks read ([`crate::pin`]).
fn pinned_file(setting: &str) -> bool {
    matches!(setting, "env-file" | "label-file")
}

/// Why a `--userns` mode is refused, if it is (`host`, `ns:` and `container:` are judged as
/// every namespace is). Allowed: podman's default, `private`, `nomap`, `auto` with a `size`,
/// and `keep-id` with a non-root `uid`/`gid` and a `size`. `auto:uidmapping=` / `gidmapping=`
/// place container ids on host ids of the caller's choosing: with `1000:0:1` the image's own
/// user is the host's root on rootful podman (the red team's: a host root file read through a
/// read-only mount, a setuid-root program left in a writable one), which `--user 0` is refused
/// for. Anything else is a mode the shim does not know.
pub(crate) fn userns_problem(value: &str, rootless: bool) -> Option<String> {
    let lower = value.trim().to_ascii_lowercase();
    if lower == "host" || lower.starts_with("ns:") || lower.starts_with("container:") {
        return None;
    }
    let (mode, options) = lower.split_once(':').unwrap_or((lower.as_str(), ""));
    let allowed: &[&str] = match mode {
        "" | "private" | "nomap" if options.is_empty() => return None,
        "auto" => &["size"],
        // keep-id maps the caller's own ids into the container: on rootful podman the caller is
        // root (the red team's `keep-id` added the host's root group, gid 0).
        "keep-id" if !rootless => {
            return Some("keep-id maps the caller's ids into the container, and on rootful podman the caller is root (its group 0 joins the container's)".into());
        }
        "keep-id" => &["uid", "gid", "size"],
        _ => {
            return Some(format!(
                "user namespace mode {value:?} is not one the shim knows (private, nomap, auto, keep-id)"
            ));
        }
    };
    for option in options.split(',').filter(|o| !o.is_empty()) {
        let (key, v) = option.split_once('=').unwrap_or((option, ""));
        if !allowed.contains(&key) {
            return Some(format!(
                "{mode}:{key} places the container's ids on host ids of the caller's choosing (the host's root included); only {} may be given",
                allowed.join(", ")
            ));
        }
        match numeric_id(v) {
            None => return Some(format!("{mode}:{key} takes a number")),
            Some(0) if key != "size" => {
                return Some(format!(
                    "{mode}:{key}=0 maps the host user to root in the container"
                ));
            }
            // Rootful, the ids are the host's: a system group or user (the red team's
            // `keep-id:gid=42`, the host's `shadow`), as for `--user`.
            Some(n) if key != "size" && !rootless && n < FIRST_ORDINARY_ID => {
                return Some(format!(
                    "{mode}:{key}={n} is a system id, the host's on rootful podman"
                ));
            }
            Some(_) => {}
        }
    }
    None
}

/// An id as the runtime's user lookup reads one (Go's `strconv.Atoi`: a sign, then decimal
/// digits, within 64 bits; `0`, `00`, `+0`, `-0`), or `None` for what it reads as a name, to be
/// looked up in the image's `/etc/passwd` or `/etc/group`. Nothing is trimmed and nothing wraps:
/// read so, `'1000 :1000'` and `99999999999999999999` were uid 1000 to the shim and names to
/// podman, which an agent-built image mapped to uid 0 (the look `gz`: a setuid-root program left
/// on a rootful host). A negative id or one past 32 bits, which the runtime refuses, is no id.
fn numeric_id(s: &str) -> Option<u32> {
    u32::try_from(s.parse::<i64>().ok()?).ok()
}

/// The lowest id Debian and most distributions give an ordinary account (`FIRST_UID` /
/// `FIRST_GID`); below it are the system's (`shadow` 42, `adm` 4, `disk` 6, `sudo` 27, ...).
pub const FIRST_ORDINARY_ID: u32 = 1000;

/// Why the group part of a `--user` value (after `:`) is refused, if it is. On rootful podman a
/// container's gid is the host's: a process in group 0 or a system group reads what that
/// group may read in every mount and, owning a file in a read-write mount, may set its setgid
/// bit (no capability needed), leaving a program that runs with that group for whoever runs
/// it on the host (the red team's setgid-`shadow` copy read `/etc/shadow`, with `1000:42` and
/// with `42:42`). Rootless, a system group is one of the caller's sub-ids: only gid 0 and names
/// are refused there, as root and user names are.
fn group_problem(val: &[u8], rootless: bool) -> Option<&'static str> {
    let s = crate::text::lossy(val);
    // The user part (not root: `user_is` judged that): a system account on rootful podman is the
    // host's (the red team's `996:1000` left a setuid-`polkitd` program, a way to a polkit rule).
    let user = s.split(':').next().unwrap_or("");
    if !rootless && numeric_id(user).is_some_and(|u| u < FIRST_ORDINARY_ID) {
        return Some(SYSTEM_USER);
    }
    match s.split_once(':') {
        Some((_, group)) if !group.trim().is_empty() => added_group_problem(group, rootless),
        _ if rootless => None,
        _ => Some(NO_GROUP),
    }
}

/// A `--user` value without a group on rootful podman: a uid the image's `/etc/passwd` does not
/// list runs with gid 0, the host's root group (the red team's `--user 12345`).
const NO_GROUP: &str = "a uid without a group: podman gives a uid the image's /etc/passwd does not list gid 0, the host's root group on rootful podman (give uid:gid)";

/// Why one group (a `--group-add` element, a `--user` value's group) is refused, if it is.
fn added_group_problem(group: &str, rootless: bool) -> Option<&'static str> {
    match numeric_id(group) {
        None => Some(NAMED_GROUP),
        Some(0) => Some("the root group (gid 0), the host's on rootful podman"),
        Some(g) if g < FIRST_ORDINARY_ID && !rootless => Some(SYSTEM_GROUP),
        Some(_) => None,
    }
}

/// Why an `exec -u` of an ordinary uid is refused: the runtime gives the exec's groups from the
/// image's `/etc/passwd` and `/etc/group` (a gid read as a group's name first: the look `he`'s
/// `1000:x:0:`), which the shim cannot see, and an exec runs no hook to judge them, as a
/// container's start does. Without `-u` an exec runs as the container's own user, judged then.
const EXEC_USER: &str = "the runtime takes an exec's groups from the image's /etc/passwd and /etc/group (a number is a group's name first), which no check sees for an exec; without -u it runs as the container's own user, judged at its start";

/// Why a `--group-add` of an ordinary gid is refused: the runtime reads each value as a group's
/// name in the image's `/etc/group` before it reads it as a number (runc's and moby's
/// `GetAdditionalGroups`), and an agent-built image's line `1000:x:0:` made `--group-add 1000`
/// the root group (the look `hc`: a rootful container read a root-group host file and left a
/// setgid-root program; docker's engine reads it so too). The groups `--user UID:GID` gives are
/// judged by the mount check's hook, at the container's start ([`crate::mountcheck::IDS_KEY`]).
const GROUP_BY_NAME_FIRST: &str = "the runtime looks a --group-add value up as a group name in the image's /etc/group before reading it as a number, and an image may name a group 1000 with gid 0 (give the group as the group part of --user)";

const NAMED_GROUP: &str =
    "a group name, which the image's /etc/group may map to gid 0 or a system group (give the numeric gid)";
const SYSTEM_USER: &str = "a system user (uid below 1000), the host's on rootful podman: its files, and setuid programs left in a read-write mount";
const SYSTEM_GROUP: &str = "a system group (gid below 1000), the host's on rootful podman: its file access, and setgid programs left in a read-write mount";

/// Who the user part of a `--user` value (before any `:`) runs as.
pub fn user_is(val: &[u8]) -> UserIs {
    let s = crate::text::lossy(val);
    let user = s.split(':').next().unwrap_or("");
    if user.is_empty() || user == "root" {
        return UserIs::Root;
    }
    match numeric_id(user) {
        None => UserIs::Named,
        Some(0) => UserIs::Root,
        Some(_) => UserIs::NotRoot,
    }
}

/// The network options a `--network NAME:OPTIONS` value may carry (podman's, for a bridge
/// network): the container's own address, hardware address, interface name and aliases; the
/// first other option, if any. podman 5 added `host_interface_name=`, which names the
/// container's interface on the host (the fifty-fourth look's `wg0`: a firewall that trusts an
/// interface by its name trusts the container).
fn odd_network_option(value: &str) -> Option<String> {
    const KNOWN: &[&str] = &["ip", "ip6", "mac", "interface_name", "alias"];
    let (name, options) = value.split_once(':')?;
    // Another container's or a path's namespace: judged as a namespace (`deny.*-namespace`).
    if matches!(name, "container" | "ns") {
        return None;
    }
    options
        .split(',')
        .map(|o| o.split_once('=').map_or(o, |(k, _)| k).trim())
        .find(|k| !KNOWN.contains(k))
        // What is not an option's name is named by its length: the text after a `:` may be a
        // URL's password (`user:pass@host`, the seventy-seventh look's), lower-cased and cut
        // where redaction cannot see it.
        .map(|k| {
            match k
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                true => format!("{k:?}"),
                false => format!("of {} bytes", k.len()),
            }
        })
}

/// Why a container may not choose its own address (`--ip`, `--ip6`, `--mac-address`, and the
/// same as `--network NAME:ip=...`): the address may be one another holds on its network. podman
/// 5 gave a container its network's gateway address (the fifty-fourth look's `--ip 10.88.0.1`),
/// the host's side of a rootful bridge, which podman writes into every container's `/etc/hosts`
/// as `host.docker.internal`: its neighbours' traffic to the host, proxy credentials included,
/// could reach it. nanoclaw never chooses one; podman's own choice is free of every holder.
const ADDRESS_OF_ITS_OWN: &str = "chooses the container's own address, which may be one another holds on its network (the network's gateway: its neighbours' traffic to the host)";

/// Why a container may not give itself a name on its network (`--network-alias`, and `alias=`
/// as a network option): on podman 5 the network's DNS answers for every name a container holds,
/// another's as well (the sixtieth look's `gateway`, the name nanoclaw's egress lockdown reaches
/// its credential proxy by: the squatter got the agents' connections) or an outside domain's (the
/// sixty-second look's `api.anthropic.com`). podman 5 registers a container's `--hostname` too
/// (the sixty-third look's). nanoclaw never aliases an agent nor names its host.
const NAME_OF_ITS_OWN: &str = "gives the container a name on its network, which may be one another holds (the egress gateway's) or an outside domain's, and podman 5's DNS answers for it to the container's neighbours";

/// The first address or name option of a `--network NAME:OPTIONS` value whose flag (`ip=` is
/// `--ip`) the policy has not `allowed` by name, and why it is refused.
fn own_address_option(value: &str, allowed: &dyn Fn(&str) -> bool) -> Option<(&'static str, &'static str)> {
    let (_, options) = value.split_once(':')?;
    options
        .split(',')
        .filter_map(|o| match o.split_once('=').map_or(o, |(k, _)| k).trim() {
            "ip" => Some(("ip", ADDRESS_OF_ITS_OWN)),
            "ip6" => Some(("ip6", ADDRESS_OF_ITS_OWN)),
            "mac" => Some(("mac-address", ADDRESS_OF_ITS_OWN)),
            "alias" => Some(("network-alias", NAME_OF_ITS_OWN)),
            _ => None,
        })
        .find(|(flag, _)| !allowed(flag))
}

/// `-v src:dst:shared` / `rshared`, `--mount ...,bind-propagation=shared`.
/// Whether an `update` limit's value reads as the number or size it should be.
fn readable_limit(o: &Opt) -> bool {
    let t = text(o);
    match o.flag.long.as_str() {
        "memory" | "memory-swap" | "memory-reservation" | "kernel-memory" => {
            t.trim() == "-1" || crate::units::parse_bytes(&t).is_some()
        }
        "cpus" => NanoCpus::parse(&t).is_some(),
        _ => crate::units::go_int(&t).is_some(),
    }
}

/// Why an `update` option would lift a container above the ceilings (0 / -1 mean unlimited).
fn update_above(run: &RunArgs, o: &Opt, limits: &Limits) -> Option<String> {
    let t = text(o);
    // As podman's flag library reads an integer (a leading `0` is octal).
    let int = |s: &str| crate::units::go_int(s);
    match o.flag.long.as_str() {
        "memory" => limits.memory_above(&t),
        "memory-swap" => {
            limits.memory?;
            let Some(memory) = run.last(crate::setting!("memory")).map(|(_, m)| text(m)) else {
                // Held to twice the ceiling alone, it gave a container run with `--memory 100m`
                // (memory plus swap 200m) 7.9g of swap (the fifty-first look's).
                return Some(
                    "memory plus swap without --memory in the same call: swap is held to twice the memory in force, which only the call that sets it names".into(),
                );
            };
            limits.swap_above_for(&t, Some(&memory))
        }
        // A reservation is memory kept from reclaim (cgroup v2's `memory.low`): one above the
        // ceiling shields an agent's memory beyond what any agent may hold, at the host's
        // expense (`run` clamps it to the limit; this pass's look found `update` passed 8g).
        "memory-reservation" => {
            let max = limits.memory?;
            crate::units::parse_bytes(&t).is_none_or(|m| m > max).then(|| {
                format!(
                    "a memory reservation above the ceiling of {}",
                    crate::units::format_bytes(max)
                )
            })
        }
        "kernel-memory" | "cpu-rt-period" | "cpu-rt-runtime" => {
            Some("not held by the policy's ceilings".into())
        }
        "cpus" => {
            let max = limits.cpus?;
            NanoCpus::parse(&t)
                .is_none_or(|c| c.0 == 0 || c > max)
                .then(|| format!("cpus above the ceiling of {max}"))
        }
        "cpu-quota" | "cpu-period" => {
            // The pair decides the CPU time: a period alone stretches the quota in force.
            let quota = run
                .last(crate::setting!("cpu-quota"))
                .and_then(|(_, q)| int(&text(q)));
            // A quota alone is held to the period in force, which is not the default's when the
            // container was made with its own (`run --cpu-period 1000`, then `update --cpu-quota
            // 200000`: 200 CPUs, the twenty-seventh look's); the shim cannot ask which it is.
            let Some((_, period)) = run.last(crate::setting!("cpu-period")) else {
                return Some(
                    "a quota alone is held to the period in force, which the shim cannot know; give --cpu-period with it"
                        .into(),
                );
            };
            limits.cpu_time_above(quota, int(&text(period)))
        }
        "cpu-shares" | "blkio-weight" | "blkio-weight-device" => weight_above(o.flag.long.as_str(), &t),
        "pids-limit" => {
            let max = limits.pids?;
            int(&t)
                .is_none_or(|n| n <= 0 || n as u64 > max)
                .then(|| format!("pids above the ceiling of {max}"))
        }
        _ => None,
    }
}

/// Why a relative weight (`--cpu-shares`, `--blkio-weight`, a device's weight) is refused: one
/// above the default every other agent has takes CPU or disk time from them (a container given
/// `--cpu-shares=262144` left its neighbour 0 % of a CPU under load: the thirty-first pass's
/// look). The default (1024, 500) and below pass, as does a weight that is no number, which
/// podman refuses itself.
pub(crate) fn weight_above(flag: &str, value: &str) -> Option<String> {
    let (default, what) = match flag {
        "cpu-shares" => (1024, "CPU"),
        _ => (500, "block I/O"),
    };
    // A device's weight is `DEVICE:WEIGHT`.
    let weight = match flag {
        "blkio-weight-device" => value.rsplit_once(':').map_or(value, |(_, w)| w),
        _ => value,
    };
    let n = crate::units::go_int(weight.trim())?;
    (n > default).then(|| {
        format!(
            "a {what} weight above the default ({default}) every other agent has takes {what} time from them"
        )
    })
}

/// Why `--latest` is refused ([`crate::flags::Class::ContainerName`] given as a switch).
const NEWEST_CONTAINER: &str = "acts on the newest container on the engine, which may be one the shim did not make (an operator's), and reads every word after the flags as the command; name the container";

/// Why a container name that reads as an ID is refused (`deny.foreign-container`): podman 5 looks
/// a name up before an ID, so a container named with another's full ID takes its place wherever
/// that ID is given, and the shim names every container it has checked by its ID (the
/// ninety-third look's: the operator's container renamed to an agent's ID got the agent's `exec`).
pub const ID_LIKE_NAME: &str = "a name of 12 or more hexadecimal digits, which reads as a container's ID: podman 5 looks names up before IDs, so it would take the place of the container whose ID it spells";

/// Whether a container name reads as a container ID, or the start of one (docker's short IDs
/// are 12 digits).
/// A leading `/` does not count: podman 5 removes one from a name (`--name /ID` named a
/// container with another's full ID, the ninety-fourth look's).
pub fn reads_as_an_id(name: &str) -> bool {
    let name = name.trim_start_matches('/');
    name.len() >= 12 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The networks a `--network` value names, as podman reads it: the text before its first `:`
/// (after it, comma-separated options: `NAME:ip=...,alias=...`, `pasta:-T,10255`). Left out: a
/// mode podman gives the word (`none`, `host`, `private`, `slirp4netns`, `pasta`, `container`,
/// `ns`), `bridge` and `podman`, its default network, which a rootful container joins without the
/// flag and nanoclaw's OneCLI gateway names (`--network bridge`, rootless too: the
/// hundred-and-seventh look's; rootless, it is a network shared with whoever names it, an
/// operator's container too, SECURITY.md's known limitations). Several words, comma-separated,
/// are several networks to podman 4.3, each read as a name (a network may be named `pasta`):
/// each is judged, mode words included (the hundred-and-sixth look's). The words are podman's,
/// case for case: `Bridge` is a network's name to podman, so it is judged as one.
pub fn network_names(value: &str) -> impl Iterator<Item = &str> {
    const MODES: [&str; 9] = [
        "none",
        "host",
        "private",
        "slirp4netns",
        "pasta",
        "container",
        "ns",
        "bridge",
        "podman",
    ];
    let head = value.split_once(':').map_or(value, |(name, _)| name);
    let list = head.contains(',');
    head.split(',').filter(move |name| list || !MODES.contains(name))
}

/// An engine object an agent names whose names the policy lists, one rule each: the operator's
/// on the same engine are not an agent's to use, remove or take the name of. A name is one word,
/// matched by a glob per entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Named {
    /// A named volume a `run`/`create` mounts, a `volume create`/`rm` names (`deny.volume-name`:
    /// an agent read and wrote an operator's, the hundred and second look's).
    Volume,
    /// A network a `run`/`create` joins, a `network create`/`rm`/`connect`/`disconnect` names
    /// (`deny.network-name`: an operator's removed and made again `--internal`, the
    /// hundred-and-third look's).
    Network,
}

impl Named {
    pub fn rule(self) -> Rule {
        match self {
            Named::Volume => Rule::DenyVolumeName,
            Named::Network => Rule::DenyNetworkName,
        }
    }

    /// The policy's list of the names agents may use.
    pub fn list(self) -> DenyList {
        match self {
            Named::Volume => DenyList::WritableVolumes,
            Named::Network => DenyList::WritableNetworks,
        }
    }

    /// Whether `writable` (the policy's [`Named::list`], or another list of one-word names:
    /// `connectable_containers`) names `name`.
    pub fn allowed(name: &[u8], writable: &[crate::policy::ListEntry]) -> bool {
        writable
            .iter()
            .any(|p| crate::glob::matches_components(p.as_bytes(), name) == Some(true))
    }

    /// Why a name outside `writable` is refused.
    pub fn refusal(self, writable: &[crate::policy::ListEntry]) -> String {
        let (what, uses) = match self {
            Named::Volume => ("a named volume", "read, write or remove"),
            Named::Network => ("a network", "join, remove or take the name of"),
        };
        let key = self.list().key();
        match (self, writable.is_empty()) {
            // (The default: no named volume at all.)
            (Named::Volume, true) => format!(
                "a named volume, and the policy's {key} names none: the operator's on this engine are not an agent's to {uses}, and an agent's own would be a folder on the host's disk outside every ceiling (mount a tmpfs: --tmpfs DST); [deny] add_{key} names the ones agents may use"
            ),
            _ => format!(
                "{what} outside the policy's {key} ({}): the operator's on this engine are not an agent's to {uses}; [deny] add_{key} names more",
                writable.join(", ")
            ),
        }
    }
}
