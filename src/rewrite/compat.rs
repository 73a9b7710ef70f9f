//! What makes nanoclaw's docker argv work on the target runtime: flag renames and refusals from
//! the flag table, rootless podman's user namespace, host-gateway / host loopback, and a `ps`'s
//! filters for states podman has not.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use super::{Action, Change, Flavor, Refusal, Rewritten, Target};
use crate::flags::{self, Podman};
use crate::parse::OptValue;
use crate::policy;
use crate::rules::Rule;

use super::rewriter::{Edit, Rewriter, flag, value};

use crate::render::raw;

impl Rewriter<'_> {
    /// Flags the target runtime rejects are renamed where it has an equivalent, else refused.
    /// Makes the argv work on the target runtime: renames and refusals from the flag table,
    /// then podman's rootless user namespace and host-gateway.
    pub(super) fn compat(&mut self, target: &Target, pm: &policy::PodmanCompat) -> Result<(), Refusal> {
        for (i, o) in self.run.opts.iter().enumerate() {
            let rt = target.flavor.as_str();
            match target.flavor {
                Flavor::Podman => match o.flag.podman {
                    Podman::Yes | Podman::Hidden => {}
                    Podman::Rename(to) => {
                        let f = flag(to.as_str());
                        self.changes.push(Change {
                            rule: Rule::CompatRename,
                            action: Action::Replace,
                            token: format!("{} -> {}", raw(o.flag, &o.value), raw(f, &o.value)),
                            reason: format!("{rt} spells --{} as --{to}", o.flag.long),
                        });
                        self.edits[i] = Edit::Set(f, o.value.clone());
                    }
                    Podman::No => {
                        return Err(Refusal {
                            rule: Rule::CompatUnsupportedFlag,
                            message: format!("{rt} does not support --{} (a docker-only flag)", o.flag.long),
                        });
                    }
                },
                Flavor::Docker => {
                    if matches!(o.flag.docker, flags::Docker::No | flags::Docker::Added(_)) {
                        return Err(Refusal {
                            rule: Rule::CompatUnsupportedFlag,
                            message: format!("{rt} does not support --{} (a podman-only flag)", o.flag.long),
                        });
                    }
                }
            }
        }
        if target.flavor == Flavor::Podman {
            if pm.keep_id && target.rootless {
                self.keep_id(pm.keep_id_user);
            }
            // podman copies its own HTTP(S)_PROXY / NO_PROXY into every container unless told
            // not to; docker does not. The operator's proxy, credentials and all, is not the
            // agent's: nanoclaw passes the proxy an agent should use with -e.
            if self.run.last(crate::setting!("http-proxy")).is_none() {
                self.add(
                    Rule::CompatHttpProxy,
                    crate::setting!("http-proxy"),
                    OptValue::Bool(false),
                    "podman copies the host's proxy variables into the container by default; docker does not",
                );
            }
            if pm.host_gateway {
                self.host_gateway(target, pm)?;
            }
        }
        Ok(())
    }

    /// Rootless podman maps the container's uid to a sub-uid, so the agent cannot write its
    /// bind-mounted workspace; keep-id maps the host user to the container user instead.
    pub(super) fn keep_id(&mut self, default: (u32, u32)) {
        let conflicting = [
            crate::setting!("userns"),
            crate::setting!("uidmap"),
            crate::setting!("gidmap"),
            crate::setting!("subuidname"),
            crate::setting!("subgidname"),
            crate::setting!("pod"),
        ];
        if conflicting.iter().any(|f| self.run.last(*f).is_some()) {
            return;
        }
        let user = self
            .run
            .last(crate::setting!("user"))
            .map(|(_, o)| crate::text::owned(o.bytes()));
        let numeric = |s: &str| s.parse::<u32>().ok();
        let (uid, gid) = match user.as_deref().map(|u| u.split_once(':').unwrap_or((u, u))) {
            Some((u, g)) => match (numeric(u), numeric(g)) {
                (Some(u), Some(g)) => (u, g),
                _ => default,
            },
            None => default,
        };
        self.add(
            Rule::CompatKeepId,
            crate::setting!("userns"),
            value(format!("keep-id:uid={uid},gid={gid}")),
            format!("rootless podman: the host user is uid {uid} inside, so bind mounts stay writable"),
        );
    }

    /// `--add-host NAME:host-gateway` is how nanoclaw points the agent at host services (OneCLI,
    /// its credential proxy) that listen on the host's 127.0.0.1. What that needs depends on the
    /// runtime:
    /// - rootless podman 5 (pasta): host-gateway reaches the host's own address, not its
    ///   loopback; pasta forwards the ports nanoclaw's URLs name that the policy's
    ///   `host_loopback_ports` lists (OneCLI's 10255, the credential proxy's 3001) from the
    ///   container's loopback to the host's, and NAME becomes 127.0.0.1: nothing else on the
    ///   host's loopback is reachable. The argv names a port, the policy decides whether it
    ///   opens (a thirty-eighth look's: any `-e` URL opened any port, a database's or an admin
    ///   console's);
    /// - rootless podman 4 (slirp4netns): nothing narrower exists; `allow_host_loopback` exposes
    ///   every loopback service, through 10.0.2.2 (the change says so);
    /// - podman < 4.7 rejects `host-gateway`: it becomes the address (rootful: the bridge's
    ///   gateway, which reaches services bound to it, not to 127.0.0.1).
    pub(super) fn host_gateway(&mut self, target: &Target, pm: &policy::PodmanCompat) -> Result<(), Refusal> {
        let hosts: Vec<(usize, Vec<u8>)> = self
            .run
            .find(crate::setting!("add-host"))
            .filter(|(_, o)| o.bytes().ends_with(b":host-gateway"))
            .map(|(i, o)| (i, o.bytes().to_vec()))
            .collect();
        if hosts.is_empty() {
            return Ok(());
        }
        let network = self
            .run
            .last(crate::setting!("network"))
            .map(|(_, o)| crate::text::owned(o.bytes()));
        let version = target.version();
        let pasta = version.is_some_and(|v| v >= (5, 0, 0));
        if target.rootless && pm.host_loopback && network.is_none() && pasta {
            let names: Vec<&[u8]> = hosts
                .iter()
                .map(|(_, v)| &v[..v.len() - b":host-gateway".len()])
                .collect();
            let mut named = self.proxy_ports(&names);
            named.sort_unstable();
            named.dedup();
            let (ports, closed): (Vec<u16>, Vec<u16>) = named
                .into_iter()
                .partition(|p| pm.host_loopback_ports.contains(p));
            if !closed.is_empty() {
                let list = closed.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
                self.note(
                    Rule::CompatHostLoopback,
                    Action::Keep,
                    format!("port {list}"),
                    format!(
                        "rootless podman 5: a -e URL names the host's loopback port(s) {list}, which [podman] host_loopback_ports does not list: not forwarded"
                    ),
                );
            }
            if ports.is_empty() {
                return Ok(()); // nothing to forward; host-gateway reaches the host's address
            }
            let spec: Vec<String> = ports.iter().map(|p| format!("-T,{p}")).collect();
            self.add(
                Rule::CompatHostLoopback,
                crate::setting!("network"),
                value(format!("pasta:{}", spec.join(","))),
                format!(
                    "rootless podman 5: only the host's loopback port(s) {} are forwarded into the container",
                    ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
                ),
            );
            self.set_host_addr(
                &hosts,
                "127.0.0.1",
                Rule::CompatHostLoopback,
                "pasta forwards the container's loopback port to the host's",
            );
            return Ok(());
        }
        if version.is_some_and(|v| v >= (4, 7, 0))
            && !(target.rootless && pm.host_loopback && network.is_none())
        {
            return Ok(());
        }
        let addr = if target.rootless {
            match network.as_deref() {
                None if pm.host_loopback => {
                    self.add(
                        Rule::CompatHostLoopback,
                        crate::setting!("network"),
                        value("slirp4netns:allow_host_loopback=true"),
                        "rootless podman 4 (slirp4netns): nothing narrower exists, so EVERY service on the host's 127.0.0.1 and ::1 is reachable (through 10.0.2.2 and fd00::2)",
                    );
                    "10.0.2.2".to_string()
                }
                None => "10.0.2.2".to_string(),
                Some(n) if n.starts_with("slirp4netns") => "10.0.2.2".to_string(),
                Some(n) => {
                    if version.is_some_and(|v| v >= (4, 7, 0)) {
                        return Ok(());
                    }
                    return Err(Refusal {
                        rule: Rule::CompatHostGateway,
                        message: format!(
                            "podman < 4.7 cannot resolve host-gateway on network {n:?}; give --add-host an IP address"
                        ),
                    });
                }
            }
        } else {
            pm.rootful_gateway.clone()
        };
        let reason = if version.is_some_and(|v| v >= (4, 7, 0)) {
            "slirp4netns reaches the host's loopback at 10.0.2.2"
        } else {
            "podman < 4.7 does not know host-gateway"
        };
        self.set_host_addr(&hosts, &addr, Rule::CompatHostGateway, reason);
        Ok(())
    }

    /// Rewrites each `NAME:host-gateway` to `NAME:addr`.
    pub(super) fn set_host_addr(&mut self, hosts: &[(usize, Vec<u8>)], addr: &str, rule: Rule, reason: &str) {
        for (i, v) in hosts {
            let name = &v[..v.len() - b":host-gateway".len()];
            let mut nv = name.to_vec();
            nv.push(b':');
            nv.extend_from_slice(addr.as_bytes());
            let new = OptValue::Value(OsString::from_vec(nv));
            let f = self.run.opts[*i].flag;
            self.changes.push(Change {
                rule,
                action: Action::Replace,
                token: format!("{} -> {}", raw(f, &self.run.opts[*i].value), raw(f, &new)),
                reason: reason.into(),
            });
            self.edits[*i] = Edit::Set(f, new);
        }
    }

    /// The ports of `-e` URLs that point at one of `names` (`HTTPS_PROXY=http://x:t@NAME:10255`,
    /// `ANTHROPIC_BASE_URL=http://NAME:3001`).
    pub(super) fn proxy_ports(&self, names: &[&[u8]]) -> Vec<u16> {
        let mut ports = Vec::new();
        for (_, o) in self.run.find(crate::setting!("env")) {
            let v = crate::text::lossy(o.bytes());
            let Some((_, url)) = v.split_once('=') else {
                continue;
            };
            let Some((_, rest)) = url.split_once("://") else {
                continue;
            };
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            let Some((host, port)) = hostport.rsplit_once(':') else {
                continue;
            };
            if names.iter().any(|n| n.eq_ignore_ascii_case(host.as_bytes())) {
                if let Ok(p) = port.parse::<u16>() {
                    ports.push(p);
                }
            }
        }
        ports
    }
}

/// Docker's action for podman's status word: `died` is docker's `die`, `remove` its `destroy`.
const DOCKER_ACTION: &str =
    r#"{{if eq .Status "died"}}die{{else if eq .Status "remove"}}destroy{{else}}{{.Status}}{{end}}"#;

/// `events --format '{{json .}}'` in docker's shape, as podman can print it
/// ([`crate::commands::events_json_format`]): `status` and `Action` in docker's words, `Actor`'s
/// `ID` and `Attributes` (the container's labels, its name, image and, on `die`, its exit code),
/// `time` and `timeNano`. podman 4's `Time` is a time, 5's seconds beside `TimeNano`.
fn docker_events_format(major: u64) -> String {
    let time = match major {
        0..=4 => "{{.Time.Unix}},\"timeNano\":{{.Time.UnixNano}}",
        _ => "{{.Time}},\"timeNano\":{{.TimeNano}}",
    };
    format!(
        r#"{{"status":"{DOCKER_ACTION}","id":"{{{{.ID}}}}","from":{{{{json .Image}}}},"Type":"{{{{.Type}}}}","Action":"{DOCKER_ACTION}","Actor":{{"ID":"{{{{.ID}}}}","Attributes":{{"name":{{{{json .Name}}}},"image":{{{{json .Image}}}}{{{{if eq .Status "died"}}}},"exitCode":"{{{{.ContainerExitCode}}}}"{{{{end}}}}{{{{range $k, $v := .Attributes}}}},{{{{json $k}}}}:{{{{json $v}}}}{{{{end}}}}}}}},"scope":"local","time":{time}}}"#
    )
}

/// nanoclaw's event watch on podman ([`docker_events_format`]): without it every event was
/// dropped, and an adopted session whose agent died was never seen to end (the look `gr`).
pub(super) fn events(argv: &[OsString], at: usize, target: &Target) -> Option<Result<Rewritten, Refusal>> {
    if target.flavor != Flavor::Podman {
        return None;
    }
    let (word, from) = crate::commands::events_json_format(&argv[at..])?;
    let major = u64::from(target.version()?.0);
    let format = docker_events_format(major);
    let mut args = argv.to_vec();
    let t = argv[at + word].as_bytes();
    args[at + word] = OsString::from_vec([&t[..from], format.as_bytes()].concat());
    Some(Ok(Rewritten {
        args,
        changes: vec![Change {
            rule: Rule::CompatEvents,
            action: Action::Replace,
            token: "--format=<docker's event shape>".into(),
            reason: "podman prints its own event shape for {{json .}} (Status, Attributes); this template prints docker's (Action, Actor.Attributes), which nanoclaw reads".into(),
        }],
        ..Default::default()
    }))
}

/// `rm --force` as docker means it: a running container killed at once. podman's stops it
/// first and waits its stop timeout, 10 s, or whatever `--stop-timeout` or containers.conf's
/// `stop_timeout` gave it (the look `gm`: nanoclaw's teardown, `rm --force`, still waited after a
/// minute for an agent that ignores SIGTERM). `--time=0` is podman's word for docker's meaning.
pub(super) fn rm(argv: &[OsString], at: usize, target: &Target) -> Option<Result<Rewritten, Refusal>> {
    if target.flavor != Flavor::Podman {
        return None;
    }
    let used = crate::commands::rm_forced(&argv[at..])?;
    let mut args = argv.to_vec();
    args.insert(at + used, OsString::from("--time=0"));
    Some(Ok(Rewritten {
        args,
        changes: vec![Change {
            rule: Rule::CompatRm,
            action: Action::Add,
            token: "--time=0".into(),
            reason:
                "docker's rm --force kills a running container at once; podman's waits its stop timeout first"
                    .into(),
        }],
        ..Default::default()
    }))
}

/// A `ps` as podman reads docker's ([`crate::commands::ps_on_podman`]): a filter for a state
/// podman has not (`status=dead`) beside one for a state it has is dropped (podman refuses the
/// whole command, where docker lists the others; nanoclaw's newest reaping asks for `exited`,
/// `created` and `dead`), and a format's `{{.Label "k"}}` and `.State` are podman's spellings
/// ([`crate::commands::ps_format_on_podman`]; nanoclaw's session adoption reads both).
pub(super) fn ps(argv: &[OsString], at: usize, target: &Target) -> Option<Result<Rewritten, Refusal>> {
    if target.flavor != Flavor::Podman {
        return None;
    }
    let ps = crate::commands::ps_on_podman(&argv[at..])?;
    let mut changes = Vec::new();
    let mut args = Vec::with_capacity(argv.len());
    // A bundle of short flags that ends in the filter's `f` (`-qaf status=dead`, `-afstatus=dead`)
    // keeps its other flags: a sixty-sixth look's `-qaf` lost `-q` and `-a` with the filter, and
    // a reaper reading IDs read the table's words instead.
    let others = |bundle: &[u8]| {
        (bundle.len() > 2 && bundle[0] == b'-' && bundle[1] != b'-')
            .then(|| bundle[..bundle.len() - 1].to_vec())
    };
    for (i, a) in argv.iter().enumerate() {
        let word = i.checked_sub(at);
        if word.is_some_and(|w| ps.drop.iter().any(|(_, flag)| *flag == Some(w))) {
            args.extend(others(a.as_bytes()).map(OsString::from_vec));
            continue;
        }
        if word.is_some_and(|w| ps.drop.iter().any(|(value, _)| *value == w)) {
            let t = a.as_bytes();
            let state = crate::commands::STATES_PODMAN_HAS_NOT
                .iter()
                .find(|s| t.ends_with(s));
            let value = state.map_or(t, |s| &t[t.len() - s.len()..]);
            changes.push(Change {
                rule: Rule::CompatPs,
                action: Action::Remove,
                token: crate::text::owned(value),
                reason:
                    "podman has no such container state and refuses the whole ps; no container is ever in it"
                        .into(),
            });
            args.extend(others(&t[..t.len() - value.len()]).map(OsString::from_vec));
            continue;
        }
        let t = a.as_bytes();
        let name = word.and_then(|w| ps.names.iter().find(|(n, _)| *n == w)).map(|(_, slash)| {
            let new = [&t[..*slash], &t[*slash + 1..]].concat();
            (new, "docker's names start with /, podman's do not: the filter anchored there matches the same containers without it")
        });
        let format = word.and_then(|w| ps.formats.iter().find(|(f, _)| *f == w));
        let read = name.or_else(|| {
            let (_, from) = format?;
            let f = crate::commands::ps_format_on_podman(&t[*from..])?;
            Some(([&t[..*from], &f].concat(), "docker's {{.Label \"k\"}} and .State, as podman reads them (index .Labels, .ListContainer.State)"))
        });
        match read {
            Some((new, reason)) => {
                changes.push(Change {
                    rule: Rule::CompatPs,
                    action: Action::Replace,
                    token: crate::text::owned(&new),
                    reason: reason.into(),
                });
                args.push(OsString::from_vec(new));
            }
            None => args.push(a.clone()),
        }
    }
    if changes.is_empty() {
        return None;
    }
    Some(Ok(Rewritten {
        args,
        changes,
        pinned: Vec::new(),
        hooks: false,
        seccomp: None,
    }))
}
