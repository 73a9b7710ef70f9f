//! Ceilings: a caller's lower value stays, a higher, unlimited or missing one is replaced, and
//! related options (CFS quota and period, reservation, swap) are reconciled so the runtime never
//! sees a conflicting pair.

use super::{Action, Refusal};
use crate::rules::Rule;
use crate::units::{self, NanoCpus};

use super::rewriter::{Rewriter, bad_value, value};

/// The CFS quota that is `max` CPUs over `period` (µs). The kernel takes periods of 1 ms to 1 s
/// and quotas of at least 1 ms; outside that the runtime refuses, and a ceiling could not be
/// expressed. Shared by `run` / `create` and a build's RUN steps ([`super::build`]).
pub(super) fn cfs_quota(max: NanoCpus, period: i64) -> Result<i64, Refusal> {
    if !units::CFS_PERIODS.contains(&period) {
        return Err(bad_value("cpu-period", period.to_string().as_bytes()));
    }
    let ceiling = (max.0 as u128 * period as u128 / 1_000_000_000) as i64;
    if ceiling < 1000 {
        return Err(Refusal {
            rule: Rule::ParseBadValue,
            message: format!("a ceiling of {max} CPUs cannot be expressed with --cpu-period={period}"),
        });
    }
    Ok(ceiling)
}

/// Whether a `--ulimit` (or a configured default one) lifts realtime scheduling's limits, which
/// escapes the CPU ceiling: `rtprio` or `rttime` above 0, or `host` (the caller's own).
pub(super) fn realtime(u: &str) -> bool {
    let name = u.split('=').next().unwrap_or("").trim().to_ascii_lowercase();
    let value = u.split_once('=').map_or("", |(_, v)| v);
    let zero = value.split(':').all(|v| v.trim() == "0");
    ((name == "rtprio" || name == "rttime") && !zero) || name == "host"
}

/// podman's last configured `nofile` (`default_ulimits`) where it lies below the ceiling `max`:
/// what a `run` or a build that names none gets instead of the ceiling (the look `gv`: an
/// operator's 256 became the policy's 1024).
pub(super) fn configured_nofile(configured: &[String], max: u64) -> Option<(u64, u64)> {
    configured
        .iter()
        .filter_map(|u| u.trim().strip_prefix("nofile="))
        .filter_map(|v| {
            let (soft, hard) = v.split_once(':').unwrap_or((v, v));
            Some((soft.trim().parse::<u64>().ok()?, hard.trim().parse::<u64>().ok()?))
        })
        .next_back()
        .filter(|&(soft, hard)| soft <= hard && hard < max)
}

/// Where the runtime would ignore the ceilings (rootless podman on cgroup v1, [`Target`]'s
/// `limits_ignored`): refused with `[limits] refuse_unenforced`, else `Ok`, and the caller says
/// `why` as a change. Shared by `run` / `create` and a build.
///
/// [`Target`]: super::Target
pub(super) fn unenforced(limits: &crate::policy::Limits, why: &str) -> Result<(), Refusal> {
    if limits.refuse_unenforced {
        return Err(Refusal {
            rule: Rule::LimitUnenforced,
            message: format!("{why}; refusing ([limits] refuse_unenforced = true)"),
        });
    }
    Ok(())
}

impl Rewriter<'_> {
    pub(super) fn cpus(&mut self, max: NanoCpus) -> Result<(), Refusal> {
        let rule = Rule::LimitCpus;
        let quota = self.scalar_i64(crate::setting!("cpu-quota"))?;
        let period = self.scalar_i64(crate::setting!("cpu-period"))?;
        if quota.is_some() || period.is_some() {
            // The caller speaks of CPU with the CFS pair (an unlimited quota, `-1` or `0`,
            // included); --cpus cannot be combined with it, and both runtimes refuse the pair, so
            // the shim does too, and caps the quota instead of adding --cpus.
            if let Some((_, o)) = self.run.last(crate::setting!("cpus")) {
                if NanoCpus::parse(&crate::text::lossy(o.bytes())).is_none_or(|c| c.0 > 0) {
                    return Err(Refusal {
                        rule: Rule::ParseConflict,
                        message: "--cpus cannot be combined with --cpu-quota or --cpu-period".into(),
                    });
                }
            }
            let period = period.filter(|&p| p > 0).unwrap_or(units::CFS_PERIOD);
            let ceiling = cfs_quota(max, period)?;
            match quota {
                Some(q) if q > 0 && q <= ceiling => {
                    self.note(
                        rule,
                        Action::Keep,
                        format!("--cpu-quota={q}"),
                        "at or below the policy's ceiling",
                    );
                }
                _ => self.replace_all(
                    rule,
                    crate::setting!("cpu-quota"),
                    value(ceiling.to_string()),
                    format!("CPU time is capped at {max} CPUs (with the caller's --cpu-period)"),
                ),
            }
            return Ok(());
        }
        let current = match self.run.last(crate::setting!("cpus")) {
            None => None,
            Some((_, o)) => Some(
                NanoCpus::parse(&crate::text::lossy(o.bytes()))
                    .ok_or_else(|| bad_value("cpus", o.bytes()))?,
            ),
        };
        match current {
            Some(c) if c.0 > 0 && c <= max => self.note(
                rule,
                Action::Keep,
                format!("--cpus={c}"),
                "at or below the policy's ceiling",
            ),
            _ => self.replace_all(
                rule,
                crate::setting!("cpus"),
                value(max.to_string()),
                format!("CPU is capped at {max}"),
            ),
        }
        Ok(())
    }

    pub(super) fn memory(&mut self, max: u64) -> Result<(), Refusal> {
        let rule = Rule::LimitMemory;
        let shown_max = units::format_bytes(max);
        let current = self.scalar_bytes(crate::setting!("memory"))?;
        let fin = match current {
            Some(m) if m > 0 && m <= max => {
                self.note(
                    rule,
                    Action::Keep,
                    format!("--memory={}", units::format_bytes(m)),
                    "at or below the policy's ceiling",
                );
                m
            }
            _ => {
                self.replace_all(
                    rule,
                    crate::setting!("memory"),
                    value(shown_max.clone()),
                    format!("memory is capped at {shown_max}"),
                );
                max
            }
        };
        // A reservation above the limit, or a swap total below it, is rejected by the runtime.
        if self
            .scalar_bytes(crate::setting!("memory-reservation"))?
            .is_some_and(|r| r > fin)
        {
            self.replace_all(
                rule,
                crate::setting!("memory-reservation"),
                value(units::format_bytes(fin)),
                "a reservation cannot exceed the memory limit",
            );
        }
        // Swap is held with memory: memory plus swap at most twice the memory in force (the
        // runtime's own default); `-1` (unlimited swap) is clamped like any value above that.
        if let Some((_, o)) = self.run.last(crate::setting!("memory-swap")) {
            let cap = fin.saturating_mul(2);
            let swap = if o.bytes() == b"-1" {
                None
            } else {
                Some(
                    units::parse_bytes(&crate::text::lossy(o.bytes()))
                        .ok_or_else(|| bad_value("memory-swap", o.bytes()))?,
                )
            };
            match swap {
                Some(0) => {}
                Some(s) if s < fin => self.replace_all(
                    rule,
                    crate::setting!("memory-swap"),
                    value(units::format_bytes(fin)),
                    "memory plus swap cannot be below the memory limit",
                ),
                Some(s) if s <= cap => {}
                _ => self.replace_all(
                    rule,
                    crate::setting!("memory-swap"),
                    value(units::format_bytes(cap)),
                    format!(
                        "memory plus swap is capped at {} (twice the memory limit)",
                        units::format_bytes(cap)
                    ),
                ),
            }
        }
        Ok(())
    }

    /// The container's log: podman keeps every line a container prints in a file on the host's
    /// disk unless `--log-opt max-size` says otherwise (the sixty-ninth look's agent wrote 1.7 GB
    /// in ten seconds by printing). podman reads the key in any case, each element of a list on
    /// 4.3 (quoted fields too), and the last size it reads wins (`max-size=10m --log-opt
    /// MAX-SIZE=0` was unlimited, the seventy-fourth look's): so the shim always adds the size
    /// last, in bytes, the smallest positive size the caller named at or below the ceiling, else
    /// the ceiling. A caller's option that is only a size above the ceiling, or unlimited, is
    /// removed (it would not count); a size the shim cannot read is refused. A `driver=` inside
    /// `--log-opt`, which podman reads as `--log-driver` (`passthrough` hands the container the
    /// caller's output files), is refused: give `--log-driver`, which the shim judges.
    /// `default`: the size a container that names none gets (the ceiling, or podman's configured
    /// `log_size_max` below it).
    pub(super) fn log_size(&mut self, max: u64, default: u64) -> Result<(), Refusal> {
        let rule = Rule::LimitLogSize;
        let found: Vec<(usize, Vec<u8>)> = self
            .run
            .find(crate::setting!("log-opt"))
            .map(|(i, o)| (i, o.bytes().to_vec()))
            .collect();
        let mut lowest: Option<u64> = None;
        // The last `--log-opt` as written: when it is already the shim's own, byte for byte, it
        // is what podman reads last (the shim's output given to it again is left as it is).
        let final_value = found.last().map(|(_, v)| v.clone());
        for (i, v) in found {
            // Every element podman 4.3 or 5 may read: the list's fields (and the pieces between
            // commas, quotes removed), and the value whole.
            let mut elements = crate::flags::podman_list_elements(&v).unwrap_or_default();
            elements.push(v.clone());
            let mut sizes = Vec::new();
            for e in &elements {
                let (key, value) = match e.iter().position(|&b| b == b'=') {
                    Some(at) => (&e[..at], &e[at + 1..]),
                    None => (&e[..], &b""[..]),
                };
                // podman lowercases the key by Unicode (`MAX-SİZE` is `max-size` to it, the
                // seventy-seventh look's), where the shim reads ASCII: a key that is not ASCII
                // is refused, as no key podman knows is.
                if !key.is_ascii() {
                    return Err(bad_value("log-opt", &v));
                }
                // As podman reads it: not trimmed (` max-size=10m` is no size to podman, where the
                // shim read one and added none: an unlimited log, the eighty-first look's).
                let key = key.to_ascii_lowercase();
                // A tag is a Go template podman runs in its own process at every start, outside
                // every ceiling (`define`/`template` recursion doubled its memory per level: 2.2
                // GB from 2 KB, the eighty-first look's): read as a `--format` is.
                if key == b"tag" {
                    if let Some(why) = crate::template::problem(value) {
                        return Err(Refusal {
                            rule: Rule::DenyCeiling,
                            message: format!("a --log-opt tag= {why}"),
                        });
                    }
                }
                if key == b"driver" {
                    return Err(Refusal {
                        rule: Rule::DenyHostHandoff,
                        message: "a driver= inside --log-opt sets podman's log driver past --log-driver (passthrough hands the container the caller's own output files); give --log-driver".into(),
                    });
                }
                if key != b"max-size" {
                    continue;
                }
                // `-1`: unlimited, as docker's json-file reads it. A fraction is not read: podman
                // reads `0.00099k` in decimal units as 0.99 bytes, 0, unlimited, where the shim
                // read 1 byte (the seventy-seventh look's).
                let n = match value {
                    b"-1" => Some(0),
                    s if s.contains(&b'.') => None,
                    s => std::str::from_utf8(s).ok().and_then(units::parse_bytes),
                };
                // One the shim cannot read counts for nothing (the shim's own size comes last);
                // alone in its option it is refused, as the caller meant something by it.
                match n {
                    Some(n) => sizes.push(n),
                    None if elements.len() == 1 => return Err(bad_value("log-opt", &v)),
                    None => {}
                }
            }
            let within: Vec<u64> = sizes.iter().copied().filter(|&n| n > 0 && n <= max).collect();
            if let Some(&n) = within.iter().min() {
                lowest = Some(lowest.map_or(n, |l| l.min(n)));
            }
            if !sizes.is_empty() && within.is_empty() && elements.len() == 1 {
                self.drop_opt(
                    i,
                    rule,
                    "a container log above the policy's ceiling, or unlimited",
                );
            }
        }
        // The shim's size is always the last podman reads, the caller's own already last too:
        // whatever the shim reads differently from podman (a blank in a key, a Unicode letter)
        // is then never what counts.
        let size = lowest.unwrap_or(default);
        if final_value.is_some_and(|v| v == format!("max-size={size}").as_bytes()) {
            self.note(
                rule,
                Action::Keep,
                format!("--log-opt=max-size={size}"),
                "the last log option is already this size, at or below the policy's ceiling",
            );
            return Ok(());
        }
        let why = if lowest.is_some() {
            "the caller's own size, given last (podman reads the last it is given)".to_string()
        } else if default < max {
            format!(
                "podman's configured log_size_max ({}), below the policy's ceiling of {}",
                units::format_bytes(default),
                units::format_bytes(max)
            )
        } else {
            format!(
                "the container's log is capped at {} (podman keeps every line on the host's disk otherwise)",
                units::format_bytes(max)
            )
        };
        self.add(
            rule,
            crate::setting!("log-opt"),
            value(format!("max-size={size}")),
            why,
        );
        Ok(())
    }

    /// The log driver the size is for. podman's own default, where the host runs systemd, is
    /// `journald`, which ignores `max-size`: on such a host every container's log went to the
    /// host's journal under the journal's limits, not the policy's, with nothing said (the
    /// thirty-seventh pass's). So the shim names the driver that keeps the size whenever the
    /// caller names none (`k8s-file`; docker's `json-file`), and refuses a caller's `journald`
    /// while the ceiling is on: `log_size = "off"` leaves the driver to the caller and the host.
    /// `none` keeps no log, and [`crate::deny`] refuses every driver but these four.
    pub(super) fn log_driver(&mut self, flavor: crate::policy::Flavor) -> Result<(), Refusal> {
        let rule = Rule::LimitLogSize;
        let mut given = self.run.find(crate::setting!("log-driver")).peekable();
        if given.peek().is_none() {
            let driver = match flavor {
                crate::policy::Flavor::Podman => "k8s-file",
                crate::policy::Flavor::Docker => "json-file",
            };
            self.add(
                rule,
                crate::setting!("log-driver"),
                value(driver),
                "the log's size holds only in the runtime's own log file: podman's default driver on a host with systemd is journald, which ignores it",
            );
            return Ok(());
        }
        if given.any(|(_, o)| o.bytes() == b"journald") {
            return Err(Refusal {
                rule: Rule::DenyCeiling,
                message: "--log-driver journald ignores the policy's log ceiling ([limits] log_size): the host's journal keeps what the container prints under its own limits; drop it, or set log_size = \"off\" to let it pass".into(),
            });
        }
        Ok(())
    }

    /// Open files per process (`--ulimit nofile=SOFT[:HARD]`): podman 5 gives a container the
    /// host's maximum, and an agent's processes, each under it and the pids ceiling, held half a
    /// million of the host's files (a fifth of its table: the thirty-first pass's look, nanoclaw's
    /// own argv). A caller's last `nofile` at or below the ceiling is kept; otherwise each is
    /// dropped and the ceiling added, soft and hard. Read as podman reads it (go-units: the name
    /// exact, decimal numbers, the hard limit the soft one when not given); a value it would read
    /// otherwise is refused. podman replaces its configuration's `default_ulimits` with the
    /// `--ulimit`s it is given: where the caller gave none, the shim gives `configured` (but
    /// their `nofile`) with its own, so that the operator's other limits stay.
    pub(super) fn open_files(&mut self, max: u64, configured: &[String]) -> Result<(), Refusal> {
        let rule = Rule::LimitOpenFiles;
        let mut found = Vec::new();
        let callers = self.run.find(crate::setting!("ulimit")).count();
        for (i, o) in self.run.find(crate::setting!("ulimit")) {
            let v = o.bytes();
            let Some(at) = v.iter().position(|&b| b == b'=') else {
                continue; // `host` (refused by deny.ceiling) or no ulimit podman reads
            };
            if !units::names_nofile(&crate::text::lossy(&v[..=at])) {
                continue;
            }
            let Some((soft, hard)) = units::nofile(&crate::text::lossy(v)) else {
                return Err(bad_value("ulimit", v));
            };
            found.push((i, soft, hard));
        }
        match found.last() {
            Some(&(_, soft, hard)) if soft <= hard && hard <= max => self.note(
                rule,
                Action::Keep,
                format!("--ulimit=nofile={soft}:{hard}"),
                "at or below the policy's ceiling",
            ),
            _ => {
                for &(i, _, _) in &found {
                    self.drop_opt(i, rule, "open files above the policy's ceiling");
                }
                if callers == 0 {
                    let name = |u: &String| u.split('=').next().unwrap_or("").trim().to_ascii_lowercase();
                    for u in configured.iter().filter(|u| name(u) != "nofile") {
                        // Not what a caller may ask for either (`deny.ceiling`): the shim's own
                        // argv would give it (the thirty-seventh pass's look).
                        if realtime(u) {
                            self.note(
                                Rule::DenyCeiling,
                                Action::Keep,
                                String::new(),
                                format!("podman's configured --ulimit {u} is not given: realtime scheduling escapes the CPU ceiling"),
                            );
                            continue;
                        }
                        self.add(
                            rule,
                            crate::setting!("ulimit"),
                            value(u.clone()),
                            "podman's configured default, which any --ulimit replaces",
                        );
                    }
                }
                // podman's configured `nofile` where it is at or below the ceiling and the caller
                // names none (the look `gv`: an operator's 256 became the policy's 1024).
                let kept = configured_nofile(configured, max).filter(|_| callers == 0);
                match kept {
                    Some((soft, hard)) => self.add(
                        rule,
                        crate::setting!("ulimit"),
                        value(format!("nofile={soft}:{hard}")),
                        format!("podman's configured default, below the policy's ceiling of {max}"),
                    ),
                    None => self.add(
                        rule,
                        crate::setting!("ulimit"),
                        value(format!("nofile={max}:{max}")),
                        format!("open files per process are capped at {max}"),
                    ),
                }
            }
        }
        Ok(())
    }

    /// `default`: the limit a container that names none gets (the ceiling, or podman's
    /// configured `pids_limit` below it).
    pub(super) fn pids(&mut self, max: u64, default: u64) -> Result<(), Refusal> {
        let rule = Rule::LimitPids;
        match self.scalar_i64(crate::setting!("pids-limit"))? {
            Some(n) if n > 0 && n as u64 <= max => self.note(
                rule,
                Action::Keep,
                format!("--pids-limit={n}"),
                "at or below the policy's ceiling",
            ),
            None if default < max => self.replace_all(
                rule,
                crate::setting!("pids-limit"),
                value(default.to_string()),
                format!("podman's configured pids_limit ({default}), below the policy's ceiling of {max}"),
            ),
            _ => self.replace_all(
                rule,
                crate::setting!("pids-limit"),
                value(max.to_string()),
                format!("processes are capped at {max}"),
            ),
        }
        Ok(())
    }
}
