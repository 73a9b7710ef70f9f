//! One line of the doctor report: a status, what was found and what to do about it. Every
//! other doctor module builds these; only `report` renders them.
//!
//! Check names are a stable interface (the text report and `doctor --format json`'s `name`), so
//! they are one enum ([`CheckId`]): a misspelt name does not compile, and
//! `tests/it/docs_rules.rs` checks docs/JSON.md's list against [`CheckId::ALL`].

use serde::Serialize;

macro_rules! checks {
    ($($var:ident = $id:literal: $summary:literal,)*) => {
        /// A stable doctor check name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum CheckId {
            $($var,)*
        }

        impl CheckId {
            /// Every check, in the report's order.
            pub const ALL: &'static [CheckId] = &[$(CheckId::$var,)*];

            /// The name as the report shows it (`runtime-version`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(CheckId::$var => $id,)*
                }
            }

            /// What the check looks at, in one line (docs/JSON.md's list).
            pub fn summary(self) -> &'static str {
                match self {
                    $(CheckId::$var => $summary,)*
                }
            }
        }
    };
}

checks! {
    Unit = "unit": "the systemd user unit named by `--unit` is known, and its files match what systemd loaded",
    Docker = "docker": "the first `docker` on the PATH is this nanoclaw-shim",
    Build = "build": "this binary is linked statically, as install.sh builds it (a dynamic one pays the loader on every `docker` call)",
    Policy = "policy": "the policy in force loads, without warnings",
    Mode = "mode": "the policy enforces, no profile exempts or audits containers, and no setting is weaker than the shipped policy's (`read_only = false`, a ceiling `off`, a `[deny]` switch off, ...: each named, the top level's and each profile's own)",
    Limits = "limits": "the memory ceilings are large enough for an agent to start and run",
    DecisionLog = "decision-log": "the `[log] path`, when set, can be written",
    PodmanConfig = "podman-config": "what podman's own configuration (the containers.conf chain) gives every container passes the policy: no mount, device, host namespace or other setting the shim would refuse every `run` for",
    Environment = "environment": "the environment passes the policy: the variables removed before exec, or why every `docker` call would be refused (a runtime configuration or a moved podman folder others could write)",
    Runtime = "runtime": "the runtime the shim would exec is found on the PATH",
    RuntimeVersion = "runtime-version": "`<runtime> --version` answers, and it is not the shim",
    Rootless = "rootless": "podman runs rootless, so root in a container is not root on the host",
    Cgroup = "cgroup": "the ceilings take effect (rootless podman on cgroup v1 ignores them)",
    Seccomp = "seccomp": "podman's default seccomp profile can be read and narrowed: the shim gives it, without new cgroup namespaces, to every build and every container, and refuses them without it",
    MountCheck = "mount-check": "each new container's bind mounts are checked after the mount: the kernel can say where mounts are, and the hook's file can be written",
    PodmanDocker = "podman-docker": "whether podman-docker's `/usr/bin/docker` is installed",
    RunFlags = "run-flags": "the runtime's `run` accepts every flag the policy adds",
    AgentImage = "agent-image": "a `nanoclaw-agent*` image exists",
    AgentBuild = "agent-build": "nanoclaw's image builds (its setup's, and one per agent group when an agent asks for a package) pass the policy: `build` is allowed, the names it builds are writable, and the host-loopback setting leaves them a network",
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub(crate) enum Status {
    #[serde(rename = "OK")]
    Ok,
    #[serde(rename = "WARN")]
    Warn,
    #[serde(rename = "FAIL")]
    Fail,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Check {
    /// Stable kebab-case id.
    pub(crate) name: CheckId,
    pub(crate) status: Status,
    pub(crate) detail: String,
    /// What to do about it; `None` when the check is OK.
    pub(crate) fix: Option<String>,
}

impl Check {
    pub(crate) fn ok(name: CheckId, detail: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Ok,
            detail: shown(detail.into()),
            fix: None,
        }
    }

    pub(crate) fn warn(name: CheckId, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Warn,
            detail: shown(detail.into()),
            fix: Some(shown(fix.into())),
        }
    }

    pub(crate) fn fail(name: CheckId, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Fail,
            detail: shown(detail.into()),
            fix: Some(shown(fix.into())),
        }
    }
}

/// A check's text as every line the shim prints: its paths come from the environment (`HOME`,
/// `XDG_*`, `NANOCLAW_SHIM_POLICY`), where a line break forged a line and a token was printed
/// (the eighty-fourth look's).
fn shown(text: String) -> String {
    crate::diag::shown(&text)
}

/// A check that could not run because an earlier one failed.
pub(crate) fn not_checked(name: CheckId, why: &str) -> Check {
    Check::warn(
        name,
        format!("not checked: {why}"),
        "fix the failing checks above first",
    )
}
