//! The edit list over a parsed invocation: which of the caller's options are kept, dropped or
//! replaced, what is added, every change with its rule id; and the rendering back to argv, where
//! an untouched token run keeps its original bytes.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use super::{Action, Change, Refusal};
use crate::flags::{self, Flag, Setting};
use crate::parse::{OptValue, RunArgs};
use crate::rules::Rule;
use crate::units;

use crate::render::{raw, token};

/// What happens to one of the caller's options.
#[derive(Debug, Clone)]
pub(super) enum Edit {
    Keep,
    Drop,
    Set(&'static Flag, OptValue),
}

pub(super) struct Rewriter<'a> {
    pub(super) run: &'a RunArgs,
    pub(super) edits: Vec<Edit>,
    pub(super) added: Vec<(&'static Flag, OptValue)>,
    pub(super) changes: Vec<Change>,
    /// The rules the final argv satisfies, for the shim's annotation.
    pub(super) enforced: Vec<Rule>,
    /// The caller's options whose file the runtime reads as the shim's sealed copy: the option's
    /// index and the text the checks read ([`crate::pin`]).
    pub(super) pins: Vec<(usize, crate::pin::Pin)>,
    /// Whether podman is given the shim's hook folder ([`crate::mountcheck`]): a global option
    /// before the command, filled in at the exec.
    pub(super) hooks: bool,
    /// podman is told to read no mounts.conf ([`crate::mountcheck::NO_DEFAULT_MOUNTS`]), right
    /// after the hook folder where there is one.
    pub(super) no_mounts: bool,
    /// Whether the shim's narrowed seccomp option was added ([`crate::seccomp::PLACEHOLDER`]).
    pub(super) seccomp: bool,
}

pub(super) fn flag(name: &str) -> &'static Flag {
    flags::by_long(name).unwrap_or_else(|| panic!("--{name} is missing from the flag table"))
}

pub(super) fn value(s: impl Into<OsString>) -> OptValue {
    OptValue::Value(s.into())
}

/// A value the shim cannot read. It is named by its length only: a value is anything the caller
/// put there (a token pasted into the wrong flag), and the message reaches stderr and the log.
pub(super) fn bad_value(flag: &str, v: &[u8]) -> Refusal {
    Refusal {
        rule: Rule::ParseBadValue,
        message: format!(
            "cannot understand the --{flag} value ({} bytes); refusing rather than guessing",
            v.len()
        ),
    }
}

impl<'a> Rewriter<'a> {
    pub(super) fn new(run: &'a RunArgs) -> Self {
        Rewriter {
            run,
            edits: vec![Edit::Keep; run.opts.len()],
            added: Vec::new(),
            changes: Vec::new(),
            enforced: Vec::new(),
            pins: Vec::new(),
            hooks: false,
            no_mounts: false,
            seccomp: false,
        }
    }

    /// The files the checks read ([`crate::deny::Judged::read`]) reach the runtime as sealed
    /// copies of what was read: each option is rendered on its own (`--env-file=PATH`), and the
    /// path is replaced at the exec.
    pub(super) fn pin(&mut self, read: Vec<(usize, Vec<u8>)>, written: Vec<usize>) {
        for (i, text) in read {
            let o = &self.run.opts[i];
            let t = raw(o.flag, &o.value);
            self.note(
                Rule::HardenPinnedFiles,
                Action::Replace,
                t,
                "the runtime reads the shim's sealed copy of what was checked (/proc/self/fd/N), not the path again",
            );
            self.pins.push((i, crate::pin::Pin::Copy(text)));
        }
        for i in written {
            let o = &self.run.opts[i];
            let t = raw(o.flag, &o.value);
            self.note(
                Rule::HardenPinnedFiles,
                Action::Replace,
                t,
                "the runtime writes the file into the folder the shim opened and judged (/proc/PID/fd/N/NAME), not by the path again",
            );
            self.pins.push((i, crate::pin::Pin::Into));
        }
    }

    /// The pins are descriptors the shim leaves open for podman, from 3 up; `--preserve-fds` /
    /// `--preserve-fd`, allowed by name, hand podman's open descriptors from 3 up to the
    /// container. A folder's descriptor (`--cidfile`'s) is the host's whole file system through
    /// `/proc/self/fd/N/..` (a sixty-eighth look's container read `/etc/passwd` and wrote
    /// `~/.bashrc`), a sealed copy what was judged: never both in one call.
    pub(super) fn no_pins_handed_over(&self) -> Result<(), Refusal> {
        if self.pins.is_empty() {
            return Ok(());
        }
        let handed = [crate::setting!("preserve-fds"), crate::setting!("preserve-fd")]
            .into_iter()
            .find_map(|s| self.run.find(s).next());
        match handed {
            None => Ok(()),
            Some((_, o)) => Err(Refusal {
                rule: Rule::HardenPinnedFiles,
                message: format!(
                    "{}: would hand the container the descriptors the shim opens for the runtime \
                     (the folder of --cidfile, the sealed copies of the files it read), a way to the \
                     host's whole file system; refused beside a file the shim pins",
                    raw(o.flag, &o.value)
                ),
            }),
        }
    }

    /// The repositories the checks found at a read-write mount's top ([`crate::deny::Judged::shadows`]),
    /// each mounted over itself read-only.
    pub(super) fn shadow_repositories(&mut self, shadows: &[(Vec<u8>, Vec<u8>)]) {
        if !shadows.is_empty() {
            self.enforce(Rule::HardenRepository);
        }
        for (src, dst) in shadows {
            let mut v = b"type=bind,src=".to_vec();
            v.extend_from_slice(src);
            v.extend_from_slice(b",dst=");
            v.extend_from_slice(dst);
            v.extend_from_slice(b",ro=true");
            self.add(
                Rule::HardenRepository,
                crate::setting!("mount"),
                value(std::ffi::OsString::from_vec(v)),
                "a repository at the top of a read-write mount is mounted read-only over itself: its hooks and core.fsmonitor run on the host's next git command there",
            );
        }
    }

    pub(super) fn note(&mut self, rule: Rule, action: Action, token: String, reason: impl Into<String>) {
        self.changes.push(Change {
            rule,
            action,
            token,
            reason: reason.into(),
        });
    }

    pub(super) fn drop_opt(&mut self, i: usize, rule: Rule, reason: impl Into<String>) {
        let o = &self.run.opts[i];
        let t = raw(o.flag, &o.value);
        self.edits[i] = Edit::Drop;
        self.note(rule, Action::Remove, t, reason);
    }

    pub(super) fn add(&mut self, rule: Rule, name: Setting, v: OptValue, reason: impl Into<String>) {
        let f = flag(name.name());
        let t = raw(f, &v);
        self.added.push((f, v));
        self.note(rule, Action::Add, t, reason);
    }

    /// Drops every occurrence of a scalar option and adds one with the new value.
    pub(super) fn replace_all(&mut self, rule: Rule, name: Setting, v: OptValue, reason: impl Into<String>) {
        let idx: Vec<usize> = self.run.find(name).map(|(i, _)| i).collect();
        let old: Vec<String> = idx
            .iter()
            .map(|&i| raw(self.run.opts[i].flag, &self.run.opts[i].value))
            .collect();
        for &i in &idx {
            self.edits[i] = Edit::Drop;
        }
        let f = flag(name.name());
        let t = raw(f, &v);
        self.added.push((f, v));
        let token = if old.is_empty() {
            t
        } else {
            format!("{} -> {t}", old.join(" "))
        };
        let action = if idx.is_empty() {
            Action::Add
        } else {
            Action::Replace
        };
        self.note(rule, action, token, reason);
    }

    pub(super) fn scalar_i64(&self, name: Setting) -> Result<Option<i64>, Refusal> {
        match self.run.last(name) {
            None => Ok(None),
            // As podman's flag library reads it (a leading `0` is octal): what is judged is
            // what the runtime gets.
            Some((_, o)) => std::str::from_utf8(o.bytes())
                .ok()
                .and_then(units::go_int)
                .map(Some)
                .ok_or_else(|| bad_value(name.name(), o.bytes())),
        }
    }

    pub(super) fn scalar_bytes(&self, name: Setting) -> Result<Option<u64>, Refusal> {
        match self.run.last(name) {
            None => Ok(None),
            Some((_, o)) => std::str::from_utf8(o.bytes())
                .ok()
                .and_then(units::parse_bytes)
                .map(Some)
                .ok_or_else(|| bad_value(name.name(), o.bytes())),
        }
    }

    pub(super) fn render(&self) -> Vec<OsString> {
        self.render_pinned().0
    }

    /// [`render`](Self::render), and where each pinned option's path landed in the argv.
    pub(super) fn render_pinned(&self) -> (Vec<OsString>, Vec<crate::pin::Pinned>) {
        let run = self.run;
        let mut pinned = Vec::with_capacity(self.pins.len());
        // Sized once: grown by doubling, the vector left each outgrown copy behind in the bump
        // arena (3 KiB of dead blocks, a page to fault in on every call).
        let groups: usize = run.groups.iter().map(Vec::len).sum();
        let tail = 1 + run.image.iter().count() + run.args.len();
        let mut out = Vec::with_capacity(
            usize::from(self.hooks)
                + usize::from(self.no_mounts)
                + run.prefix.len()
                + groups
                + run.opts.len()
                + self.added.len()
                + tail,
        );
        if self.hooks {
            out.push(crate::mountcheck::folder_token(
                crate::mountcheck::FOLDER_PLACEHOLDER,
            ));
        }
        if self.no_mounts {
            out.push(crate::mountcheck::NO_DEFAULT_MOUNTS.into());
        }
        out.extend(run.prefix.iter().cloned());
        let mut i = 0;
        for (g, tokens) in run.groups.iter().enumerate() {
            let start = i;
            while i < run.opts.len() && run.opts[i].group == g {
                i += 1;
            }
            let members = start..i;
            let pin = |m: usize| self.pins.iter().find(|(i, _)| *i == m);
            let copy = |m: usize| pin(m).map_or(crate::pin::Pin::Copy(Vec::new()), |(_, p)| p.clone());
            if members.clone().all(|m| matches!(self.edits[m], Edit::Keep)) {
                if self.pins.is_empty() {
                    out.extend(tokens.iter().cloned());
                    continue;
                }
                // The caller's spelling is kept: a pinned option's value is the end of the
                // group's last token (`--env-file PATH`, `--env-file=PATH`).
                let last = tokens.last().map(|t| t.as_bytes()).unwrap_or_default();
                let pinned_here: Vec<usize> = members.clone().filter(|&m| pin(m).is_some()).collect();
                let in_place = match pinned_here.as_slice() {
                    [] => true,
                    [m] => *m + 1 == i && last.ends_with(run.opts[*m].bytes()),
                    _ => false,
                };
                if in_place {
                    out.extend(tokens.iter().cloned());
                    for m in pinned_here {
                        pinned.push(crate::pin::Pinned {
                            arg: out.len() - 1,
                            prefix: last.len() - run.opts[m].bytes().len(),
                            what: copy(m),
                        });
                    }
                    continue;
                }
            }
            for m in members {
                match &self.edits[m] {
                    Edit::Keep if pin(m).is_some() => {
                        let o = &run.opts[m];
                        let t = token(o.flag, &o.value);
                        pinned.push(crate::pin::Pinned {
                            arg: out.len(),
                            prefix: t.len() - o.bytes().len(),
                            what: copy(m),
                        });
                        out.push(t);
                    }
                    Edit::Keep => out.push(token(run.opts[m].flag, &run.opts[m].value)),
                    Edit::Drop => {}
                    Edit::Set(f, v) => out.push(token(f, v)),
                }
            }
        }
        out.extend(self.added.iter().map(|(f, v)| token(f, v)));
        run.render_tail(&mut out);
        (out, pinned)
    }
}
