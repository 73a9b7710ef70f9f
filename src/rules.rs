//! Every rule id the shim can report, in one list.
//!
//! Rule ids are a stable interface: they appear in `explain`, in refusals on stderr and in the
//! decision log, and users grep for them. This list is what docs/RULES.md must document; a test
//! checks that every id used anywhere in the source is listed here and documented there.

/// A rule id and what it is about (one line).
pub struct Rule {
    pub id: &'static str,
    pub summary: &'static str,
}

const fn r(id: &'static str, summary: &'static str) -> Rule {
    Rule { id, summary }
}

pub const RULES: &[Rule] = &[
    r("harden.read-only", "adds --read-only; removes --read-only=false"),
    r(
        "harden.tmpfs",
        "adds the policy's tmpfs mounts unless the caller mounts the path itself",
    ),
    r(
        "harden.cap-drop",
        "adds --cap-drop for the policy's dropped capabilities",
    ),
    r(
        "harden.cap-add",
        "removes --cap-add outside allowed_capabilities (when deny.cap-add is off)",
    ),
    r(
        "harden.privileged",
        "removes --privileged (when deny.privileged is off)",
    ),
    r(
        "harden.no-new-privileges",
        "adds no-new-privileges; removes no-new-privileges=false",
    ),
    r(
        "harden.shm-size",
        "adds the policy's --shm-size when the caller sets none",
    ),
    r(
        "limit.cpus",
        "caps --cpus (or --cpu-quota with --cpu-period) at the ceiling",
    ),
    r(
        "limit.memory",
        "caps --memory at the ceiling; reconciles reservation and swap",
    ),
    r("limit.pids", "caps --pids-limit at the ceiling"),
    r("deny.privileged", "refuses --privileged"),
    r(
        "deny.host-namespace",
        "refuses host network, pid, ipc, uts, user or cgroup namespaces",
    ),
    r(
        "deny.container-namespace",
        "refuses joining another container's namespaces (opt-in)",
    ),
    r(
        "deny.security-option",
        "refuses security options that switch confinement off",
    ),
    r("deny.cap-add", "refuses --cap-add outside allowed_capabilities"),
    r("deny.device", "refuses --device, --device-cgroup-rule and --gpus"),
    r("deny.volumes-from", "refuses --volumes-from"),
    r("deny.api-socket", "refuses --use-api-socket"),
    r(
        "deny.env-host",
        "refuses podman's --env-host (the host's environment in the container)",
    ),
    r(
        "deny.mount-propagation",
        "refuses shared/rshared bind propagation",
    ),
    r(
        "deny.sensitive-mount",
        "refuses bind mounts of sensitive host paths",
    ),
    r("deny.root-user", "refuses running as root (opt-in)"),
    r("deny.exec-privileged", "refuses docker exec --privileged"),
    r("deny.exec-root", "refuses docker exec --user root/0"),
    r("deny.update-limits", "refuses docker update above the ceilings"),
    r(
        "compat.rename",
        "renames a docker flag podman spells differently (--net-alias)",
    ),
    r(
        "compat.unsupported-flag",
        "refuses a flag the runtime does not support",
    ),
    r(
        "compat.keep-id",
        "rootless podman: adds --userns=keep-id so bind mounts stay writable",
    ),
    r(
        "compat.host-gateway",
        "podman < 4.7: replaces host-gateway with the host's address",
    ),
    r(
        "parse.unknown-flag",
        "refuses a flag docker's grammar does not know",
    ),
    r("parse.missing-value", "refuses a value flag with no value"),
    r(
        "parse.bad-bool",
        "refuses a boolean flag with a value that is not a boolean",
    ),
    r("parse.bad-syntax", "refuses malformed flag syntax (---x, --=x)"),
    r(
        "parse.missing-image",
        "refuses run/create without an image, exec/update without a container",
    ),
    r(
        "parse.bad-value",
        "refuses a value the policy must compare but cannot read",
    ),
    r(
        "parse.conflict",
        "refuses options the runtime would refuse together (--cpus with --cpu-quota)",
    ),
];
