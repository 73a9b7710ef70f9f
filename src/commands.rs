//! Every docker command other than `run` / `create` / `exec` / `update`: allow-listed, parsed,
//! and (for `build`, `network create`, `volume create`) hardened.
//!
//! Why this module exists: the shim used to pass any other command to podman untouched, so
//! `docker cp`, `docker pod create`, `docker system service` or `docker build -v /:/host` reached
//! the engine unexamined. Now a command runs only if it is on the allow-list (read-only
//! inspection and the lifecycle of existing containers, i.e. what nanoclaw runs) or the policy's
//! `[commands] allow` names it; anything else, known or not, is refused.
//!
//! Allowed commands are still parsed, with docker's own flag table for that command: podman's
//! *global* flags are persistent in its cobra tree, so `docker stop --runtime=/tmp/x n` or
//! `docker ps --hooks-dir=~/h` would reconfigure podman with host paths, and (checked with
//! podman 4.3.1) `docker ps --cpu-profile <file>` writes a host file and `docker rm --cidfile
//! <file>` echoes the file's content in its error, although docker itself rejects all of these. A flag docker's CLI
//! does not define for that command is refused, never guessed. Each flag row carries a
//! `Class` and the checks are one exhaustive match over it, so a row cannot be added without a
//! decision.
//!
//! `network create` allows only the bridge driver, `mtu`/`isolate` options, the default IPAM
//! driver and subnets in the private ranges (macvlan/ipvlan, `com.docker.network.bridge.name`,
//! `parent`, dhcp attach containers to a host interface or the host's LAN; a bridge on a routed
//! range takes the host's route to it); `volume create` allows only the local driver with no
//! options (`-o type=none,o=bind,device=<path>` is a host bind mount). Both are switchable with
//! the gates `[commands] allow = ["network create --opt"]` / `["volume create --opt"]`;
//! `build --push` (the host's registry credentials) likewise. A refused command the policy
//! allows by name is passed through unparsed: its author chose to trust it.
//!
//! Flag tables: docker/cli v28.5.2 `docs/reference/commandline/*.md` (generated from the cobra
//! definitions); `build` is the union of docker/cli v28.5.2 `cli/command/image/build.go` (the
//! legacy builder) and docker/buildx v0.29.1 `commands/build.go` + `commands/root.go` (what
//! `docker build` runs in docker 28), experimental-only flags left out.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use crate::deny::Named;
use crate::flags::{Inline, Name};
use crate::hostfs::SmallFile;
use crate::rules::Rule;
use crate::rules::Violation;

use crate::policy::Code;
pub use crate::policy::CommandsPolicy;

/// How a host path is used, for the path check callback (the host-path model's own type).
pub use crate::hostpath::Access;

/// The host-path check the caller supplies: (path bytes, access, token for display) → the
/// violation when that path is refused.
pub type HostPath<'a> = dyn FnMut(&[u8], Access, &str) -> Option<Violation> + 'a;

/// Policy switches for options of allowed commands, named like command paths.
const GATE_VOLUME_OPT: &str = "volume create --opt";
const GATE_NETWORK_OPT: &str = "network create --opt";
/// A network's own address range: where a rootful bridge sits is where the host's traffic to
/// those addresses goes (a thirty-eighth look's: a bridge on the range of the host's DNS server,
/// reached through its default route, and a container at that address answered the host's
/// queries and read a proxy's credentials). Without it podman picks a free range itself.
const GATE_NETWORK_SUBNET: &str = "network create --subnet";
/// A container's own address on a network it joins (`network connect --ip`): see
/// [`OWN_ADDRESS`].
const GATE_NETWORK_ADDRESS: &str = "network connect --ip";
const GATE_BUILD_PUSH: &str = "build --push";
/// A build that writes its result into a host folder or file (`-o DIR`, `--output
/// type=local|tar,dest=PATH`). podman writes it after the whole build, long after the shim
/// judged the path: a container that can replace the folder or one above it in the meantime
/// points the write at the host's home (the red team's: the build's `.bashrc` landed in `~`).
const GATE_BUILD_OUTPUT: &str = "build --output";
/// A build that downloads on the host: a URL context or named context, `ADD <url>`. podman
/// fetches these itself, in the host's network namespace (`--network` does not apply), where
/// services bound to the host's loopback answer.
const GATE_BUILD_REMOTE: &str = "build --remote";
/// A build's `ADD` of a local source: buildah unpacks one that is an archive, as root on a
/// rootful host and with its device entries (the sixty-first look's tar made the image's
/// `/etc/passwd` a node of a root-only host device, which podman reads on the host at every
/// `run`). `COPY` copies the same file as it is.
const GATE_BUILD_ADD: &str = "build --add";
/// A build's `RUN --mount=type=cache`: a folder on the host that every build shares, where an
/// agent-requested build can leave what the next build (the operator's own image's) installs.
/// nanoclaw's own `container/Dockerfile` has five.
const GATE_BUILD_CACHE: &str = "build --cache-mount";
/// A networked build on rootless podman before 5 under `[podman] host_loopback = false`:
/// buildah 1.28 runs RUN steps behind a slirp4netns that lets them reach every service on the
/// host's loopback (`10.0.2.2`), and no option of the build or of `containers.conf` closes it
/// (the eighty-seventh look's): the policy that closes the loopback to agents refuses such a
/// build ([`crate::rewrite`]) unless this gate opens it to builds.
pub const GATE_BUILD_LOOPBACK: &str = "build --host-loopback";

/// Every gate a policy's `[commands] allow` may name.
const GATES: &[&str] = &[
    GATE_VOLUME_OPT,
    GATE_NETWORK_OPT,
    GATE_NETWORK_SUBNET,
    GATE_NETWORK_ADDRESS,
    GATE_BUILD_PUSH,
    GATE_BUILD_OUTPUT,
    GATE_BUILD_REMOTE,
    GATE_BUILD_ADD,
    GATE_BUILD_CACHE,
    GATE_BUILD_LOOPBACK,
];

/// Every way docker spells `build` (the table's row, and [`build_limits`]' quick test).
const BUILD_SPELLINGS: &[&str] = &[
    "build",
    "image build",
    "builder build",
    "buildx build",
    "buildx b",
];

/// Whether `command` (a plan's command words) is a build, in any of its spellings: the
/// command table's answer, as for every other question about a command. Asked on every call
/// (the environment's rules), so other commands are told apart by their first word first.
pub fn is_build(command: &[String]) -> bool {
    command.first().is_some_and(|w| may_be_build(w.as_bytes()))
        && lookup(command).is_some_and(|(c, used)| used == command.len() && matches!(c.kind, Kind::Build))
}

/// Whether a command starting with `first` could be a build: a look at [`BUILD_SPELLINGS`]'
/// first words, not through the whole table (`ps`, on every call nanoclaw makes, is not).
fn may_be_build(first: &[u8]) -> bool {
    BUILD_SPELLINGS
        .iter()
        .any(|s| s.split(' ').next().is_some_and(|w| w.as_bytes() == first))
}

/// Whether a flag consumes a value (pflag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arity {
    /// `--x` or `--x=<bool>`; never takes the next token. Also flags with a `NoOptDefVal`
    /// whose value is a boolean (buildx `--check`).
    Bool,
    /// `--x=v`, `--x v`, `-xv`, `-x v`, `-x=v`.
    Value,
}

/// What a flag's value does, security-wise. Checked by one exhaustive match in [`check_opt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Output formatting, filters, names, timeouts: no effect on the host.
    Inert,
    /// `--label` / `--annotation` of a build, a network or a volume: metadata, but one without a
    /// name (`=VALUE`) is refused, since podman refuses it by printing the value.
    Label,
    /// `--format`: a Go template podman runs in its own process on the host ([`crate::template`]).
    Template,
    /// Refused outright, with why.
    Refused(&'static str),
    /// Refused unless the policy's `[commands] allow` names the gate.
    Gated(&'static str, &'static str),
    /// build `-f`: a Dockerfile the engine reads from the host (`-` = stdin, a URL is
    /// downloaded); podman runs the host's cpp over a `*.in` file, which can `#include` any file.
    Dockerfile,
    /// A host file the engine writes.
    HostWrite,
    /// build `--network`: only the isolated modes.
    BuildNetwork,
    /// build `--security-opt`: only `no-new-privileges`.
    SecurityOpt,
    /// build `--secret`: a host file (checked) or a host variable (refused).
    Secret,
    /// build `--build-context name=<path|url>`.
    BuildContext,
    /// build `--output` / `-o`.
    Output,
    /// build `--cache-from`.
    Cache,
    /// build `--cache-to`: also a push when it exports to a registry (gated like `--push`).
    CacheTo,
    /// build `--ulimit`: no realtime limits.
    Ulimit,
    /// build `--isolation`: only `default`.
    Isolation,
    /// build `--build-arg NAME` (no `=`) copies the host's variable into the build.
    BuildArg,
    /// build `--push` (boolean).
    Push,
    /// network create `--driver`: only `bridge`.
    NetDriver,
    /// network create `--opt`: only mtu / isolate.
    NetOpt,
    /// network create `--ipam-driver`: only `default` / `host-local`.
    IpamDriver,
    /// network create `--subnet` / `--ip-range` / `--gateway`: refused unless the policy opens
    /// [`GATE_NETWORK_SUBNET`], and then only private ranges (a rootful bridge on a range takes
    /// the host's route to it).
    NetRange,
    /// volume create `--driver`: only `local`.
    VolDriver,
    /// image prune `--filter`: any but `dangling` (podman adds `dangling=true` beside it, and
    /// podman 5 ORs the two: `dangling=false` pruned every unused image, the operator's too).
    PruneFilter,
    /// build `--tag`: an image name, not a containers-image transport (`oci-archive:<file>`,
    /// `dir:<dir>` write host paths; `docker://` pushes).
    ImageTag,
    /// build `-m`, `--memory-swap`, `--shm-size`, `--cpu-quota`, `--cpu-period`: the limits of
    /// the build's RUN steps, held to the policy's ceilings and added at them when missing
    /// (judged together: a quota means nothing without its period); `--cpu-shares`, held to
    /// the default weight every agent has, as on `run`.
    Ceiling(BuildLimit),
}

/// Which of a build's own limits a flag sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildLimit {
    Memory,
    MemorySwap,
    ShmSize,
    CpuQuota,
    CpuPeriod,
    CpuShares,
}

/// One flag of one command. Its name is held in the row ([`Name`]), so the tables hold no
/// pointers and need no relocating at start-up.
#[derive(Debug, Clone, Copy)]
struct Row {
    long: Name,
    short: Option<char>,
    arity: Arity,
    class: Class,
    /// Whether podman reads the value as a comma-separated list (buildah's `StringSlice`,
    /// podman 4.3 to 5.x): `-f a,b` is two Containerfiles. Each element is judged.
    podman_list: bool,
}

const fn b(long: &'static str, short: Option<char>) -> Row {
    Row {
        long: Name::new(long),
        short,
        arity: Arity::Bool,
        class: Class::Inert,
        podman_list: false,
    }
}
const fn v(long: &'static str, short: Option<char>) -> Row {
    Row {
        long: Name::new(long),
        short,
        arity: Arity::Value,
        class: Class::Inert,
        podman_list: false,
    }
}
/// `--format`, a template ([`Class::Template`]).
const fn template(short: Option<char>) -> Row {
    vc("format", short, Class::Template)
}
const fn vc(long: &'static str, short: Option<char>, class: Class) -> Row {
    Row {
        long: Name::new(long),
        short,
        arity: Arity::Value,
        class,
        podman_list: false,
    }
}
const fn bc(long: &'static str, short: Option<char>, class: Class) -> Row {
    Row {
        long: Name::new(long),
        short,
        arity: Arity::Bool,
        class,
        podman_list: false,
    }
}

/// `r`, whose value podman reads as a comma-separated list.
const fn list(r: Row) -> Row {
    Row {
        podman_list: true,
        ..r
    }
}

/// cobra adds `-h/--help` to every command.
const HELP: Row = b("help", Some('h'));

const F_NONE: &[Row] = &[HELP];
const F_FORMAT: &[Row] = &[HELP, template(Some('f'))];
const F_PS: &[Row] = &[
    HELP,
    b("all", Some('a')),
    v("filter", Some('f')),
    template(None),
    v("last", Some('n')),
    b("latest", Some('l')),
    b("no-trunc", None),
    b("quiet", Some('q')),
    b("size", Some('s')),
];
/// `--time` is docker's deprecated (still accepted) spelling of `--timeout`.
/// docker's `cp`: `-a`, `-L`, `-q`; podman's own (`--overwrite`, `--pause`) are refused.
const F_CP: &[Row] = &[
    HELP,
    b("archive", Some('a')),
    b("follow-link", Some('L')),
    b("quiet", Some('q')),
];
const F_STOP: &[Row] = &[
    HELP,
    // docker's: `stop -s USR1 -t 3600` of a container `stop` does not ask about is `kill -s
    // USR1` (the hundred-and-sixth look's; podman has no such flag). nanoclaw never sends one.
    vc(
        "signal",
        Some('s'),
        Class::Refused(
            "sends the container a signal of the caller's choosing (USR1 opens a Node service's inspector): use kill",
        ),
    ),
    v("time", None),
    v("timeout", Some('t')),
];
const F_START: &[Row] = &[
    HELP,
    b("attach", Some('a')),
    vc(
        "checkpoint",
        None,
        Class::Refused("restores a checkpoint: checkpoint/restore is refused"),
    ),
    vc(
        "checkpoint-dir",
        None,
        Class::Refused("reads a checkpoint from a host directory: checkpoint/restore is refused"),
    ),
    v("detach-keys", None),
    b("interactive", Some('i')),
];
const F_RM: &[Row] = &[
    HELP,
    b("force", Some('f')),
    // Not docker's `-l`: podman reads `rm -l` as `--latest` and removes the newest container,
    // one the argv never names (the red team's). Refused as an unknown flag; `--link` passes.
    b("link", None),
    b("volumes", Some('v')),
];
const F_KILL: &[Row] = &[HELP, v("signal", Some('s'))];
const F_LOGS: &[Row] = &[
    HELP,
    b("details", None),
    b("follow", Some('f')),
    v("since", None),
    // Not docker's `-n`: podman reads `logs -n` as `--names` and the value as a container.
    v("tail", None),
    b("timestamps", Some('t')),
    v("until", None),
];
const F_INSPECT: &[Row] = &[HELP, template(Some('f')), b("size", Some('s')), v("type", None)];
const F_IMAGE_INSPECT: &[Row] = &[HELP, template(Some('f')), v("platform", None)];
const F_CONTAINER_INSPECT: &[Row] = &[HELP, template(Some('f')), b("size", Some('s'))];
const F_EVENTS: &[Row] = &[
    HELP,
    v("filter", Some('f')),
    template(None),
    v("since", None),
    v("until", None),
];
const F_IMAGES: &[Row] = &[
    HELP,
    b("all", Some('a')),
    b("digests", None),
    v("filter", Some('f')),
    template(None),
    b("no-trunc", None),
    b("quiet", Some('q')),
    b("tree", None),
];
const F_PULL: &[Row] = &[
    HELP,
    b("all-tags", Some('a')),
    b("disable-content-trust", None),
    v("platform", None),
    b("quiet", Some('q')),
];
const F_RMI: &[Row] = &[
    HELP,
    b("force", Some('f')),
    b("no-prune", None),
    v("platform", None),
];
const F_HISTORY: &[Row] = &[
    HELP,
    template(None),
    b("human", Some('H')),
    b("no-trunc", None),
    v("platform", None),
    b("quiet", Some('q')),
];
const F_NET_CREATE: &[Row] = &[
    HELP,
    b("attachable", None),
    v("aux-address", None),
    v("config-from", None),
    b("config-only", None),
    vc("driver", Some('d'), Class::NetDriver),
    vc("gateway", None, Class::NetRange),
    b("ingress", None),
    b("internal", None),
    vc("ip-range", None, Class::NetRange),
    vc("ipam-driver", None, Class::IpamDriver),
    vc(
        "ipam-opt",
        None,
        Class::Gated(GATE_NETWORK_OPT, "passes options to the IPAM driver"),
    ),
    b("ipv4", None),
    b("ipv6", None),
    vc("label", None, Class::Label),
    vc("opt", Some('o'), Class::NetOpt),
    v("scope", None),
    vc("subnet", None, Class::NetRange),
];
const F_NET_CONNECT: &[Row] = &[
    HELP,
    v("alias", None),
    v("driver-opt", None),
    v("gw-priority", None),
    vc("ip", None, OWN_ADDRESS),
    vc("ip6", None, OWN_ADDRESS),
    v("link", None),
    vc("link-local-ip", None, OWN_ADDRESS),
];
/// `network connect --ip`: the address a container takes on the network, of the caller's
/// choosing (as `run --ip`, refused there by `deny.network-option`).
const OWN_ADDRESS: Class = Class::Gated(
    GATE_NETWORK_ADDRESS,
    "gives the container an address of the caller's choosing, which may be one another holds on the network (its gateway: its neighbours' traffic to the host)",
);
const F_FORCE: &[Row] = &[HELP, b("force", Some('f'))];
/// `network rm` / `volume rm`: `--force` removes every container that uses the network or volume,
/// whoever's (the ninety-fourth look's: the operator's container with it).
const F_REMOVE: &[Row] = &[
    HELP,
    bc(
        "force",
        Some('f'),
        Class::Refused(
            "removes every container that uses it, another's (the operator's) too; remove the containers first",
        ),
    ),
];
const F_NET_LS: &[Row] = &[
    HELP,
    v("filter", Some('f')),
    template(None),
    b("no-trunc", None),
    b("quiet", Some('q')),
];
const F_NET_INSPECT: &[Row] = &[HELP, template(Some('f')), b("verbose", Some('v'))];
const F_PRUNE: &[Row] = &[HELP, v("filter", None), b("force", Some('f'))];
const F_PRUNE_ALL: &[Row] = &[
    HELP,
    bc(
        "all",
        Some('a'),
        Class::Refused(
            "removes every image no container uses, the operator's too, which podman's short-name lookup then finds elsewhere; remove them by name",
        ),
    ),
    vc("filter", None, Class::PruneFilter),
    b("force", Some('f')),
];
const F_STATS: &[Row] = &[
    HELP,
    b("all", Some('a')),
    template(None),
    b("no-stream", None),
    b("no-trunc", None),
];
const F_ATTACH: &[Row] = &[
    HELP,
    v("detach-keys", None),
    b("no-stdin", None),
    b("sig-proxy", None),
];
const F_SYSTEM_DF: &[Row] = &[HELP, template(None), b("verbose", Some('v'))];
const F_VOLUME_LS: &[Row] = &[
    HELP,
    b("cluster", None),
    v("filter", Some('f')),
    template(None),
    b("quiet", Some('q')),
];
const CLUSTER_VOLUME: Class = Class::Gated(GATE_VOLUME_OPT, "is a cluster (CSI) volume option");
const F_VOLUME_CREATE: &[Row] = &[
    HELP,
    vc("availability", None, CLUSTER_VOLUME),
    vc("driver", Some('d'), Class::VolDriver),
    vc("group", None, CLUSTER_VOLUME),
    vc("label", None, Class::Label),
    vc("limit-bytes", None, CLUSTER_VOLUME),
    vc(
        "opt",
        Some('o'),
        Class::Gated(
            GATE_VOLUME_OPT,
            "sets driver options: with the local driver `type=none,o=bind,device=<path>` is a host bind mount",
        ),
    ),
    vc("required-bytes", None, CLUSTER_VOLUME),
    vc("scope", None, CLUSTER_VOLUME),
    vc("secret", None, CLUSTER_VOLUME),
    vc("sharing", None, CLUSTER_VOLUME),
    vc("topology-preferred", None, CLUSTER_VOLUME),
    vc("topology-required", None, CLUSTER_VOLUME),
    vc("type", None, CLUSTER_VOLUME),
];
/// podman's `container exists` (no docker equivalent).
const F_EXISTS: &[Row] = &[HELP, b("external", None)];

/// `docker build` in docker 28: buildx v0.29.1 build flags, buildx's persistent root flags,
/// and the legacy builder's flags (docker/cli v28.5.2), sorted by long name.
const F_BUILD: &[Row] = &[
    list(v("add-host", None)),
    vc(
        "allow",
        None,
        Class::Refused("grants a privileged build entitlement (network.host, security.insecure, device)"),
    ),
    vc("annotation", None, Class::Label),
    v("attest", None),
    vc("build-arg", None, Class::BuildArg),
    vc("build-context", None, Class::BuildContext),
    vc(
        "builder",
        None,
        Class::Refused("selects another (possibly remote) builder instead of the local engine"),
    ),
    vc("cache-from", None, Class::Cache),
    vc("cache-to", None, Class::CacheTo),
    v("call", None),
    vc(
        "cgroup-parent",
        None,
        Class::Refused("places build containers outside the engine's cgroup and its limits"),
    ),
    b("check", None),
    b("compress", None),
    vc("cpu-period", None, Class::Ceiling(BuildLimit::CpuPeriod)),
    vc("cpu-quota", None, Class::Ceiling(BuildLimit::CpuQuota)),
    vc("cpu-shares", Some('c'), Class::Ceiling(BuildLimit::CpuShares)),
    v("cpuset-cpus", None),
    v("cpuset-mems", None),
    b("debug", Some('D')),
    b("disable-content-trust", None),
    list(vc("file", Some('f'), Class::Dockerfile)),
    b("force-rm", None),
    HELP,
    vc("iidfile", None, Class::HostWrite),
    vc("isolation", None, Class::Isolation),
    vc("label", None, Class::Label),
    b("load", None),
    vc("memory", Some('m'), Class::Ceiling(BuildLimit::Memory)),
    vc("memory-swap", None, Class::Ceiling(BuildLimit::MemorySwap)),
    vc("metadata-file", None, Class::HostWrite),
    vc("network", None, Class::BuildNetwork),
    b("no-cache", None),
    v("no-cache-filter", None),
    vc("output", Some('o'), Class::Output),
    list(v("platform", None)),
    v("print", None),
    v("progress", None),
    v("provenance", None),
    b("pull", None),
    bc("push", None, Class::Push),
    b("quiet", Some('q')),
    b("rm", None),
    v("sbom", None),
    vc("secret", None, Class::Secret),
    vc("security-opt", None, Class::SecurityOpt),
    vc("shm-size", None, Class::Ceiling(BuildLimit::ShmSize)),
    b("squash", None),
    vc(
        "ssh",
        None,
        Class::Refused("forwards the host's ssh agent or private keys into the build"),
    ),
    vc("tag", Some('t'), Class::ImageTag),
    v("target", None),
    list(vc("ulimit", None, Class::Ulimit)),
];

/// What the shim does with a recognised command. Like the flag tables' rows, it holds no
/// pointers (a flag table by its [`Flags`] id, the reason as [`Why`] text), so the table of
/// commands stays in read-only data instead of being relocated at every start.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Allowed: parsed with this table, then passed through (flags-first unless interspersed).
    Allowed {
        flags: Flags,
        interspersed: bool,
        why: Why,
    },
    /// `build` and its aliases: parsed and hardened.
    Build,
    /// `network create` / `volume create`: parsed and hardened (gated options).
    Create { flags: Flags, why: Why },
    /// Refused unless the policy allows it (then passed through unparsed, but for podman's
    /// global flags, which are refused: [`PODMAN_GLOBAL_FLAGS`]).
    Refused(Why),
    /// Refused unless the policy allows it; then parsed with this table and every host path it
    /// reads or writes judged as a mount's would be (`cp`).
    Gated { flags: Flags, why: Why },
    /// `run` / `create` / `exec` / `update`: checked elsewhere.
    NotMine,
}

/// Why a command is allowed or refused, held in its row.
type Why = Inline<WHY_MAX>;
const WHY_MAX: usize = 96;

/// The most spellings one command has (`build`: five).
const SPELLINGS_MAX: usize = 5;

/// One command: its canonical path, every spelling of it, and what to do.
#[derive(Debug)]
struct Command {
    path: Name,
    spellings: [Name; SPELLINGS_MAX],
    /// How many of `spellings` are used.
    spelled: u8,
    kind: Kind,
}

impl Command {
    fn spellings(&self) -> impl Iterator<Item = &str> {
        self.spellings[..usize::from(self.spelled)]
            .iter()
            .map(Name::as_str)
    }
}

/// A row of [`COMMANDS`]; the spellings are copied into it, so the literals are not kept.
const fn cmd(path: &str, spellings: &[&str], kind: Kind) -> Command {
    assert!(!spellings.is_empty() && spellings.len() <= SPELLINGS_MAX);
    let mut names = [Name::new(spellings[0]); SPELLINGS_MAX];
    let mut i = 1;
    while i < spellings.len() {
        names[i] = Name::new(spellings[i]);
        i += 1;
    }
    Command {
        path: Name::new(path),
        spellings: names,
        spelled: spellings.len() as u8,
        kind,
    }
}

const fn ok(flags: Flags, why: &str) -> Kind {
    Kind::Allowed {
        flags,
        interspersed: true,
        why: Why::new(why),
    }
}

const fn refused(why: &str) -> Kind {
    Kind::Refused(Why::new(why))
}

/// Declares [`Flags`]: one id per flag table a command row names.
macro_rules! flag_tables {
    ($($id:ident => $table:ident),* $(,)?) => {
        /// A flag table, named in a command's row by id rather than by pointer.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Flags {
            $($id),*
        }

        impl Flags {
            fn rows(self) -> &'static [Row] {
                match self {
                    $(Flags::$id => $table),*
                }
            }
        }
    };
}

flag_tables! {
    Attach => F_ATTACH,
    ContainerInspect => F_CONTAINER_INSPECT,
    Cp => F_CP,
    Events => F_EVENTS,
    Exists => F_EXISTS,
    Force => F_FORCE,
    Remove => F_REMOVE,
    Format => F_FORMAT,
    History => F_HISTORY,
    Images => F_IMAGES,
    ImageInspect => F_IMAGE_INSPECT,
    Inspect => F_INSPECT,
    Kill => F_KILL,
    Logs => F_LOGS,
    NetConnect => F_NET_CONNECT,
    NetCreate => F_NET_CREATE,
    NetInspect => F_NET_INSPECT,
    NetLs => F_NET_LS,
    HelpOnly => F_NONE,
    Prune => F_PRUNE,
    PruneAll => F_PRUNE_ALL,
    Ps => F_PS,
    Pull => F_PULL,
    Rm => F_RM,
    Rmi => F_RMI,
    Start => F_START,
    Stats => F_STATS,
    Stop => F_STOP,
    SystemDf => F_SYSTEM_DF,
    VolumeCreate => F_VOLUME_CREATE,
    VolumeLs => F_VOLUME_LS,
}

const WHY_READ: &str = "read-only inspection";
const WHY_LIFE: &str = "lifecycle of an existing container";

/// Every command the shim knows, allowed or refused. Unknown commands are refused too.
#[rustfmt::skip]
static COMMANDS: &[Command] = &[
    // Read-only inspection.
    cmd("info", &["info", "system info"], ok(Flags::Format, "engine information; nanoclaw's startup check")),
    cmd("version", &["version"], ok(Flags::Format, "client and engine versions")),
    cmd("container ls", &["ps", "container ls", "container ps", "container list"], ok(Flags::Ps, "lists containers; nanoclaw finds its own by label")),
    cmd("inspect", &["inspect"], ok(Flags::Inspect, WHY_READ)),
    cmd("container inspect", &["container inspect"], ok(Flags::ContainerInspect, WHY_READ)),
    cmd("image inspect", &["image inspect"], ok(Flags::ImageInspect, "nanoclaw checks its agent image exists")),
    cmd("events", &["events", "system events"], ok(Flags::Events, "nanoclaw watches its containers' events")),
    cmd("container logs", &["logs", "container logs"], ok(Flags::Logs, WHY_READ)),
    cmd("container top", &["top", "container top"], Kind::Allowed { flags: Flags::HelpOnly, interspersed: false, why: Why::new(WHY_READ) }),
    cmd("container stats", &["stats", "container stats"], ok(Flags::Stats, WHY_READ)),
    cmd("container port", &["port", "container port"], ok(Flags::HelpOnly, WHY_READ)),
    cmd("container diff", &["diff", "container diff"], ok(Flags::HelpOnly, WHY_READ)),
    cmd("container exists", &["container exists"], ok(Flags::Exists, "podman's existence check")),
    cmd("image ls", &["images", "image ls", "image list"], ok(Flags::Images, WHY_READ)),
    cmd("image history", &["history", "image history"], ok(Flags::History, WHY_READ)),
    cmd("network ls", &["network ls", "network list"], ok(Flags::NetLs, WHY_READ)),
    cmd("network inspect", &["network inspect"], ok(Flags::NetInspect, WHY_READ)),
    cmd("volume ls", &["volume ls", "volume list"], ok(Flags::VolumeLs, WHY_READ)),
    cmd("volume inspect", &["volume inspect"], ok(Flags::Format, WHY_READ)),
    cmd("system df", &["system df"], ok(Flags::SystemDf, WHY_READ)),
    cmd("help", &["help"], ok(Flags::HelpOnly, "prints usage")),
    // Lifecycle of existing containers.
    cmd("container start", &["start", "container start"], ok(Flags::Start, "starts a container the policy already hardened at create; nanoclaw's `start --attach`")),
    cmd("container stop", &["stop", "container stop"], ok(Flags::Stop, WHY_LIFE)),
    cmd("container restart", &["restart", "container restart"], ok(Flags::Stop, WHY_LIFE)),
    cmd("container kill", &["kill", "container kill"], ok(Flags::Kill, WHY_LIFE)),
    cmd("container rm", &["rm", "container rm", "container remove"], ok(Flags::Rm, WHY_LIFE)),
    cmd("container wait", &["wait", "container wait"], ok(Flags::HelpOnly, WHY_LIFE)),
    cmd("container attach", &["attach", "container attach"], ok(Flags::Attach, WHY_LIFE)),
    cmd("container pause", &["pause", "container pause"], ok(Flags::HelpOnly, WHY_LIFE)),
    cmd("container unpause", &["unpause", "container unpause"], ok(Flags::HelpOnly, WHY_LIFE)),
    cmd("container rename", &["rename", "container rename"], ok(Flags::HelpOnly, WHY_LIFE)),
    cmd("container prune", &["container prune"], Kind::Gated { flags: Flags::Prune, why: Why::new("removes every stopped container on the engine, the operator's own too") }),
    cmd("healthcheck run", &["healthcheck run"], ok(Flags::HelpOnly, "runs a container's own health check (podman)")),
    // Images.
    cmd("build", BUILD_SPELLINGS, Kind::Build),
    cmd("image pull", &["pull", "image pull"], ok(Flags::Pull, "fetches an image; runs nothing")),
    cmd("image tag", &["tag", "image tag"], Kind::Allowed { flags: Flags::HelpOnly, interspersed: false, why: Why::new("names an image") }),
    cmd("image rm", &["rmi", "image rm", "image remove"], ok(Flags::Rmi, "removes an image")),
    cmd("image prune", &["image prune"], ok(Flags::PruneAll, "removes unused images")),
    // Networks and volumes.
    cmd("network create", &["network create"], Kind::Create { flags: Flags::NetCreate, why: Why::new("nanoclaw's per-session internal network; bridge driver only") }),
    cmd("network connect", &["network connect"], ok(Flags::NetConnect, "joins an existing container to an engine network")),
    cmd("network disconnect", &["network disconnect"], ok(Flags::Force, "leaves an engine network")),
    cmd("network rm", &["network rm", "network remove"], ok(Flags::Remove, "removes an engine network")),
    cmd("network prune", &["network prune"], Kind::Gated { flags: Flags::Prune, why: Why::new("removes every unused network, the operator's too, whose name an agent could then take") }),
    cmd("volume create", &["volume create"], Kind::Create { flags: Flags::VolumeCreate, why: Why::new("an engine-managed volume; no driver options") }),
    cmd("volume rm", &["volume rm", "volume remove"], ok(Flags::Remove, "removes an engine-managed volume")),
    cmd("volume prune", &["volume prune"], Kind::Gated { flags: Flags::Prune, why: Why::new("removes every unused named volume on podman, the operator's too (docker: anonymous)") }),
    // Checked elsewhere.
    cmd("run", &["run", "container run"], Kind::NotMine),
    cmd("create", &["create", "container create"], Kind::NotMine),
    cmd("exec", &["exec", "container exec"], Kind::NotMine),
    cmd("update", &["update", "container update"], Kind::NotMine),
    // Refused by default, worth naming.
    cmd("container cp", &["cp", "container cp"], Kind::Gated { flags: Flags::Cp, why: Why::new("copies files between a container and the host (reads and writes host paths)") }),
    cmd("container clone", &["container clone"], refused("creates a container from another one, bypassing run/create hardening")),
    cmd("container commit", &["commit", "container commit"], refused("turns a container's state into an image, with --change instructions of its own")),
    cmd("container export", &["export", "container export"], refused("writes a container's filesystem to a host file (-o)")),
    cmd("image save", &["save", "image save"], refused("writes images to a host file (-o)")),
    cmd("image load", &["load", "image load"], refused("reads images from a host file (-i)")),
    cmd("image import", &["import", "image import"], refused("reads a filesystem from a host file or URL into an image")),
    cmd("image push", &["push", "image push"], refused("uploads an image with the host's registry credentials")),
    cmd("login", &["login"], refused("writes registry credentials on the host")),
    cmd("logout", &["logout"], refused("changes the host's registry credentials")),
    cmd("container runlabel", &["container runlabel"], refused("runs a command taken from an image label on the host")),
    cmd("container checkpoint", &["container checkpoint"], refused("writes container memory to host files")),
    cmd("container restore", &["container restore"], refused("recreates a container from host files, bypassing run/create hardening")),
    cmd("container mount", &["mount", "container mount"], refused("mounts a container's filesystem on the host")),
    cmd("container unmount", &["unmount", "umount", "container unmount", "container umount"], refused("unmounts container filesystems on the host")),
    cmd("image mount", &["image mount"], refused("mounts an image's filesystem on the host")),
    cmd("unshare", &["unshare"], refused("runs a host command inside podman's user namespace")),
    cmd("pod", &["pod"], refused("pods create and configure containers outside run/create hardening")),
    cmd("kube", &["kube"], refused("creates pods and containers from YAML, bypassing run/create hardening")),
    cmd("play", &["play"], refused("creates pods and containers from YAML, bypassing run/create hardening")),
    cmd("generate", &["generate"], refused("writes systemd units or YAML that later run containers unhardened")),
    cmd("system service", &["system service"], refused("starts an API service that creates containers without the shim")),
    cmd("system reset", &["system reset"], refused("deletes all of the engine's containers, images and volumes")),
    cmd("system migrate", &["system migrate"], refused("rewrites the engine's container configuration")),
    cmd("system renumber", &["system renumber"], refused("rewrites the engine's lock numbers")),
    cmd("system prune", &["system prune"], refused("deletes containers, images, networks and volumes at once")),
    cmd("system connection", &["system connection"], refused("lists or changes the engines the CLI talks to; the shim runs the local engine only")),
    cmd("compose", &["compose"], refused("runs containers from a compose file, bypassing run/create hardening")),
    cmd("buildx", &["buildx"], refused("manages builders (remote or privileged); only `buildx build` is allowed, hardened")),
    cmd("builder", &["builder"], refused("manages builders; only `builder build` is allowed, hardened")),
    cmd("bake", &["bake"], refused("builds from a bake file that can name host paths, entitlements and outputs")),
    cmd("context", &["context"], refused("lists or changes the engines the CLI talks to; the shim runs the local engine only")),
    cmd("secret", &["secret"], refused("reads secrets from host files into the engine")),
    cmd("machine", &["machine"], refused("creates and manages virtual machines on the host")),
    cmd("manifest", &["manifest"], refused("pushes manifests with the host's registry credentials")),
    cmd("farm", &["farm"], refused("builds on remote machines over ssh")),
    cmd("plugin", &["plugin"], refused("installs privileged engine plugins")),
    cmd("swarm", &["swarm"], refused("swarm orchestration runs services outside run/create hardening")),
    cmd("service", &["service"], refused("swarm services run containers outside run/create hardening")),
    cmd("stack", &["stack"], refused("swarm stacks run containers outside run/create hardening")),
    cmd("node", &["node"], refused("swarm node management")),
    cmd("config", &["config"], refused("swarm configs read host files")),
    cmd("trust", &["trust"], refused("reads and writes signing keys on the host")),
    cmd("checkpoint", &["checkpoint"], refused("writes container memory to host files")),
    cmd("auto-update", &["auto-update"], refused("replaces running containers from new images via systemd")),
    cmd("search", &["search"], refused("not needed by nanoclaw (registry queries with the host's credentials)")),
];

/// Command groups: their second word is part of the command path.
const GROUPS: &[&str] = &[
    "builder",
    "buildx",
    "checkpoint",
    "config",
    "container",
    "context",
    "farm",
    "generate",
    "healthcheck",
    "image",
    "kube",
    "machine",
    "manifest",
    "network",
    "node",
    "play",
    "plugin",
    "pod",
    "secret",
    "service",
    "stack",
    "swarm",
    "system",
    "trust",
    "volume",
];

/// The default allow-list, for docs generation: (command path, why it is safe).
pub fn default_allowed() -> &'static [(&'static str, &'static str)] {
    static LIST: std::sync::OnceLock<Vec<(&'static str, &'static str)>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        let mut out = vec![("", "no command, --version, --help: prints usage or the version")];
        for c in COMMANDS {
            match &c.kind {
                Kind::Allowed { why, .. } | Kind::Create { why, .. } => {
                    out.push((c.path.as_str(), why.as_str()))
                }
                Kind::Build => out.push((
                    c.path.as_str(),
                    "nanoclaw's per-agent images; hardened: no host network, entitlements, ssh, \
                     host env, weakened security options; every host path checked",
                )),
                Kind::Refused(_) | Kind::Gated { .. } | Kind::NotMine => {}
            }
        }
        out
    })
}

/// Refused-by-default commands worth naming, with why: (command path, reason).
pub fn known_refused() -> &'static [(&'static str, &'static str)] {
    static LIST: std::sync::OnceLock<Vec<(&'static str, &'static str)>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        let mut out: Vec<_> = COMMANDS
            .iter()
            .filter_map(|c| match &c.kind {
                Kind::Refused(why) | Kind::Gated { why, .. } => Some((c.path.as_str(), why.as_str())),
                _ => None,
            })
            .collect();
        out.push((
            GATE_VOLUME_OPT,
            "volume create with driver options or a non-local driver: a host-backed volume",
        ));
        out.push((
            GATE_NETWORK_OPT,
            "network create with a non-bridge driver (macvlan/ipvlan attach to a host interface), \
             driver options or IPAM options",
        ));
        out.push((
            GATE_NETWORK_ADDRESS,
            "network connect --ip / --ip6 / --link-local-ip: an address of the caller's choosing, \
             which may be one another holds on the network (its gateway)",
        ));
        out.push((
            GATE_BUILD_PUSH,
            "build --push / an output that pushes: uploads with the host's registry credentials",
        ));
        out.push((
            GATE_BUILD_OUTPUT,
            "a build that writes into a host folder or file (-o DIR, --output dest=, --iidfile, \
             --metadata-file, --cache-to dest=): written when the build ends, after the path was \
             checked",
        ));
        out.push((
            GATE_BUILD_CACHE,
            "RUN --mount=type=cache: a folder on the host every build shares, where one build can \
             leave what the next installs",
        ));
        out.push((
            GATE_BUILD_ADD,
            "ADD of a local file: buildah unpacks an archive, device entries included, as root on \
             a rootful host (COPY copies it as it is)",
        ));
        out.push((
            GATE_BUILD_REMOTE,
            "a build that downloads on the host (ADD <url>, a URL context or --build-context): \
             podman fetches it outside the build's network, where the host's loopback answers",
        ));
        out.push((
            GATE_BUILD_LOOPBACK,
            "under [podman] host_loopback = false, a networked build on rootless podman before 5, \
             whose RUN steps reach every service on the host's loopback (10.0.2.2)",
        ));
        out
    })
}

/// What is wrong with the policy's `[commands]` lists: entries that would not do what they say
/// (an error: the shim refuses every call until the entry is mended), and a group opened whole
/// (a warning). `deny = ["exce"]` was read and refused nothing, and `allow = ["kube"]` opened
/// every `kube` subcommand without a word (the hundred-and-thirteenth look's): (code, entry,
/// why, hint).
pub fn policy_problems(policy: &CommandsPolicy) -> Vec<(Code, String, String, String)> {
    let known = |path: &str| COMMANDS.iter().any(|c| c.path.as_str() == path);
    let gate_shaped = |path: &str| path.split(' ').any(|w| w.starts_with('-'));
    let gates = || GATES.join(", ");
    let mut out = Vec::new();
    for entry in &policy.deny {
        let path = normalise(entry);
        let fine = known(&path)
            || GROUPS.contains(&path.as_str())
            || GATES.contains(&path.as_str())
            || Pol::listed(&policy.allow, &path);
        if !fine {
            out.push((
                Code::UnknownCommand,
                format!("{entry:?} in [commands] deny"),
                "names no command, group or gate the shim knows, and nothing [commands] allow opens: it refuses nothing".into(),
                format!(
                    "name a command path (`exec`, `container cp`), a group (`pod`) or a gate ({}); a command the shim does not know is refused already",
                    gates()
                ),
            ));
        }
    }
    for entry in &policy.allow {
        let path = normalise(entry);
        let problem = if lookup(&[path.as_str()]).is_some_and(|(c, _)| matches!(c.kind, Kind::NotMine)) {
            Some((
                Code::UnknownCommand,
                "names a command [commands] does not judge: run, create, exec and update are hardened and refused by their own rules, which allow opens nothing of".to_string(),
                "remove it; the policy's [hardening], [limits] and [deny] say what they may do".to_string(),
            ))
        } else if gate_shaped(&path) && !GATES.contains(&path.as_str()) {
            Some((
                Code::UnknownCommand,
                "names no gate the shim knows: it opens nothing".into(),
                format!("the gates are {}", gates()),
            ))
        } else if GROUPS.contains(&path.as_str()) && known(&path) {
            Some((
                Code::GroupAllowed,
                format!(
                    "opens every `{path}` subcommand, passed to the runtime as written: none of their flags, paths or files judged"
                ),
                format!("name only the subcommands to open (`{path} <subcommand>`)"),
            ))
        } else if GROUPS.contains(&path.as_str()) {
            Some((
                Code::UnknownCommand,
                "names a group, which opens none of its subcommands".into(),
                format!("name each subcommand to open (`{path} <subcommand>`)"),
            ))
        } else {
            None
        };
        if let Some((code, why, hint)) = problem {
            out.push((code, format!("{entry:?} in [commands] allow"), why, hint));
        }
    }
    out
}

/// The refusal of a `run`, `create`, `exec` or `update` (`words`, as written) that the policy's
/// `[commands] deny` names: their own rules judge them, and `deny` still refuses them whole.
pub fn denied_whole(policy: &CommandsPolicy, words: &str) -> Option<Violation> {
    if policy.deny.is_empty() {
        return None;
    }
    let path = normalise(words);
    // All four are `container` commands: that group word denies them too.
    let pol = Pol { policy };
    (pol.denies(&path) || pol.denies("container")).then(|| Violation {
        rule: Rule::DenyCommand,
        token: words.to_string(),
        reason: format!("`{path}` is refused by the policy's [commands] deny"),
    })
}

/// [`policy_problems`] as the policy's diagnostics.
pub fn policy_diagnostics(policy: &CommandsPolicy) -> Vec<crate::policy::Diagnostic> {
    policy_problems(policy)
        .into_iter()
        .map(|(code, entry, why, hint)| crate::policy::Diagnostic {
            severity: code.severity(),
            code,
            message: format!("{entry} {why}"),
            hint: Some(hint),
            position: None,
        })
        .collect()
}

/// The command a policy entry or an argv names: its canonical path (spellings resolved).
fn canonical(words: &[&str]) -> String {
    match lookup(words) {
        Some((c, n)) if n == words.len() => c.path.as_str().to_string(),
        _ => words.join(" "),
    }
}

/// [`lookup`] of an argv's first words.
fn lookup_words(words: &[OsString]) -> Option<(&'static Command, usize)> {
    let lead: Vec<String> = words
        .iter()
        .take(2)
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    lookup(&lead)
}

/// Finds the command `words` start with; returns it and how many words its path spans.
fn lookup<S: AsRef<str>>(words: &[S]) -> Option<(&'static Command, usize)> {
    let first = words.first()?.as_ref();
    if let Some(second) = words.get(1) {
        let second = second.as_ref();
        for c in COMMANDS {
            for s in c.spellings() {
                if let Some((g, sub)) = s.split_once(' ') {
                    if g == first && sub == second {
                        return Some((c, 2));
                    }
                }
            }
        }
    }
    COMMANDS
        .iter()
        .find(|c| c.spellings().any(|s| s == first))
        .map(|c| (c, 1))
}

/// A policy list entry, normalised: whitespace collapsed, spellings resolved.
fn normalise(entry: &str) -> String {
    let words: Vec<&str> = entry.split_whitespace().collect();
    match words.iter().position(|w| w.starts_with('-')) {
        // A gate: "<command> --opt".
        Some(p) if p > 0 => format!("{} {}", canonical(&words[..p]), words[p..].join(" ")),
        _ => canonical(&words),
    }
}

struct Pol<'a> {
    policy: &'a CommandsPolicy,
}

impl Pol<'_> {
    fn listed(list: &[String], path: &str) -> bool {
        list.iter().any(|e| normalise(e) == path)
    }
    fn allows(&self, path: &str) -> bool {
        Self::listed(&self.policy.allow, path) && !Self::listed(&self.policy.deny, path)
    }
    fn denies(&self, path: &str) -> bool {
        Self::listed(&self.policy.deny, path)
    }
    /// Whether a gated option is allowed; gates follow their command: denying the gate denies.
    fn gate(&self, gate: &str) -> bool {
        self.allows(gate)
    }
}

/// Whether the policy opens `gate` (one of this module's `GATE_*`), for a check made outside
/// this module's ([`GATE_BUILD_LOOPBACK`]).
pub fn gate_open(policy: &CommandsPolicy, gate: &str) -> bool {
    Pol { policy }.gate(gate)
}

/// Whether the policy's `[commands] deny` names `path` (`doctor` asks it of `build`).
pub fn denied(policy: &CommandsPolicy, path: &str) -> bool {
    Pol { policy }.denies(path)
}

impl BuildFiles<'_> {
    /// The policy's list of the volumes or networks an agent may name, when its rule is on.
    fn writable(&self, kind: Named) -> Option<&[crate::policy::ListEntry]> {
        match kind {
            Named::Volume => self.volumes,
            Named::Network => self.networks,
        }
    }
}

/// Checks a docker invocation that is NOT run/create/exec/update.
///
/// `words`: argv from the first command word on (docker's global flags already stripped).
/// `host_path` is called for every host path the command makes the engine read or write; it
/// returns a violation when that path is refused. Returns every violation (empty = allowed).
pub fn check(words: &[OsString], policy: &CommandsPolicy, host_path: &mut HostPath) -> Vec<Violation> {
    let files = BuildFiles {
        read: &|_| SmallFile::Missing,
        read_in: None,
        bases: None,
        limits: None,
        images: None,
        volumes: None,
        networks: None,
        connectable: None,
        volume_on_host: None,
    };
    check_with(words, policy, host_path, &files, &[])
}

/// The local volumes the engine holds that a bare `inspect` of a name may read
/// ([`BuildFiles::volume_on_host`]): podman finds a volume by its name, by a unique start of it,
/// and (5) in any case and with `%` and `_` as wildcards (the hundred-and-nineteenth look's
/// `inspect redteam-do-opc`).
pub type VolumeOnHost<'a> = dyn Fn(&[u8]) -> Vec<Vec<u8>> + 'a;

/// Reads a small file named inside a folder ([`BuildFiles::read_in`]): (folder, name).
pub type ReadIn<'a> = dyn Fn(&[u8], &[u8]) -> SmallFile + 'a;

/// What a build's checks learn on the host beyond its paths.
pub struct BuildFiles<'a> {
    /// A small file's contents (a Containerfile).
    pub read: &'a dyn Fn(&[u8]) -> SmallFile,
    /// A small file's contents, named inside a folder and resolved as if that folder were `/`
    /// ([`crate::hostfs::HostFs::read_small_in`]): the context's own files (its Containerfile
    /// and ignore file) are read as podman 5 reads them, so that a link there to a host file
    /// (the sixty-sixth look's `.dockerignore` -> `data/env/env`, printed by podman's error) is
    /// never what the build is given. `None`: read as `folder/name` (a test's files).
    pub read_in: Option<&'a ReadIn<'a>>,
    /// Asks about the images a build starts from (`None`: nothing to ask).
    pub bases: Option<&'a dyn BaseImages>,
    /// The policy's ceilings, which a build's own limits may not exceed (`None`: not held).
    pub limits: Option<&'a crate::policy::Limits>,
    /// The image names a build's `-t` and a `tag` may write (`deny.image-name`; `None`: any).
    pub images: Option<&'a [crate::policy::ListEntry]>,
    /// The volume names a `volume create` / `rm` may name (`deny.volume-name`; `None`: any).
    pub volumes: Option<&'a [crate::policy::ListEntry]>,
    /// The networks a `network create` / `rm` / `connect` / `disconnect` may name
    /// (`deny.network-name`; `None`: any).
    pub networks: Option<&'a [crate::policy::ListEntry]>,
    /// The containers made outside the shim a `network connect` / `disconnect` may name
    /// without being asked about (`deny.foreign-container`; `None`: none).
    pub connectable: Option<&'a [crate::policy::ListEntry]>,
    /// The local volumes a name may lead a bare `inspect` to (their folders in the store): one
    /// prints its driver options (`None`: not asked).
    pub volume_on_host: Option<&'a VolumeOnHost<'a>>,
}

impl BuildFiles<'_> {
    /// `name` read inside folder `root` ([`BuildFiles::read_in`]).
    fn read_inside(&self, root: &[u8], name: &[u8]) -> SmallFile {
        match self.read_in {
            Some(read) => read(root, name),
            None => (self.read)(&[root, b"/", name].concat()),
        }
    }
}

/// What the runtime says about a build's base images ([`crate::onbuild`]).
pub trait BaseImages {
    /// Whether base images must be checked: on a runtime where their `ONBUILD` triggers reach
    /// the host. Asked only for a build (it may ask the runtime for its version).
    fn needed(&self) -> bool;
    /// `Ok` for an image in local storage that carries no trigger; otherwise why not.
    fn check(&self, image: &str) -> Result<(), String>;
}

/// [`check`], with what a build's checks read on the host (`files`), and `annotations` the
/// annotation prefixes the policy refuses (empty when that rule is off).
pub fn check_with(
    words: &[OsString],
    policy: &CommandsPolicy,
    host_path: &mut HostPath,
    files: &BuildFiles,
    annotations: &[crate::policy::ListEntry],
) -> Vec<Violation> {
    check_read(words, policy, host_path, files, annotations).0
}

/// Where podman reads each Containerfile of a build the checks let through, and the text the
/// checks read there: the runtime is given that text, not the path again ([`crate::pin`]).
#[derive(Debug, Default)]
pub struct Containerfiles {
    /// How many words the command path takes (`build`: 1, `image build`: 2).
    pub used: usize,
    /// Per `-f`: the index in `words` of the token that holds its value, how many bytes of that
    /// token come before the value, the text read, and the option as shown (`-f PATH`).
    pub named: Vec<(usize, usize, Vec<u8>, String)>,
    /// No `-f`: the context's file podman reads (its path as given) and its text.
    pub default: Option<(Vec<u8>, Vec<u8>)>,
    /// The local folders the build reads (the context, `--build-context name=DIR`): the index in
    /// `words` of the token, how many bytes of it come before the path, and the option as shown.
    /// Opened at the exec and given as descriptors ([`crate::pin::Pin::Folder`]).
    pub folders: Vec<(usize, usize, String)>,
    /// The ignore file podman would have read (beside a Containerfile, `<file>.dockerignore`,
    /// which a copy has no folder to hold; or the context's `.containerignore` /
    /// `.dockerignore`), and its text: given as a sealed copy with `--ignorefile`.
    pub ignore: Option<(Vec<u8>, Vec<u8>)>,
}

impl Containerfiles {
    /// The text of every Containerfile the build reads (the context's own, then each `-f`).
    pub fn texts(&self) -> impl Iterator<Item = &Vec<u8>> {
        let named = self.named.iter().map(|(_, _, t, _)| t);
        self.default.iter().map(|(_, t)| t).chain(named)
    }

    /// [`Containerfiles::texts`], to replace each with the copy podman is given.
    pub fn texts_mut(&mut self) -> impl Iterator<Item = &mut Vec<u8>> {
        let named = self.named.iter_mut().map(|(_, _, t, _)| t);
        self.default.iter_mut().map(|(_, t)| t).chain(named)
    }
}

/// What the checks of a command learn beyond their violations.
#[derive(Debug, Default)]
pub struct Learned {
    /// For a build, the Containerfiles it read ([`Containerfiles`]).
    pub containerfiles: Option<Containerfiles>,
    /// A command refused by default that the policy allows by name and that runs unparsed: its
    /// path as the policy names it (shown by `explain` and the log: nothing of it but podman's
    /// global flags is judged).
    pub unparsed: Option<String>,
    /// For an `attach`, `start`, `restart` or `rename`, the containers it names and where each stands in
    /// the words checked: asked about before it runs, and given to the runtime by the ID the
    /// answer named (`deny.foreign-container`).
    pub containers: Vec<(usize, Vec<u8>)>,
}

/// [`check_with`], and what the checks learned ([`Learned`]).
pub fn check_read(
    words: &[OsString],
    policy: &CommandsPolicy,
    host_path: &mut HostPath,
    files: &BuildFiles,
    annotations: &[crate::policy::ListEntry],
) -> (Vec<Violation>, Learned) {
    let mut learned = Learned::default();
    let out = check_inner(words, policy, host_path, files, annotations, &mut learned);
    (out, learned)
}

fn check_inner(
    words: &[OsString],
    policy: &CommandsPolicy,
    host_path: &mut HostPath,
    files: &BuildFiles,
    annotations: &[crate::policy::ListEntry],
    learned: &mut Learned,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let pol = Pol { policy };
    // The command path: leading words up to the first flag.
    let Some(first) = words.first() else {
        return out; // no command: docker prints usage
    };
    if first.as_bytes().first() == Some(&b'-') {
        let usage = |w: &OsString| matches!(w.as_bytes(), b"--version" | b"-v" | b"--help" | b"-h");
        if !words.iter().all(usage) {
            push(
                &mut out,
                Rule::DenyCommand,
                first,
                "a global flag where the command should be; only --version and --help are \
                 allowed without a command"
                    .into(),
            );
        }
        return out;
    }
    let lead: Vec<String> = words
        .iter()
        .take(2)
        .take_while(|w| w.as_bytes().first() != Some(&b'-'))
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    let found = lookup(&lead);
    let (path, used, kind) = match found {
        Some((c, n)) => (c.path.as_str().to_string(), n, Some(c.kind)),
        None => {
            let n = if GROUPS.contains(&lead[0].as_str()) && lead.len() > 1 {
                2
            } else {
                1
            };
            (lead[..n].join(" "), n, None)
        }
    };
    let shown_path = lead[..used].join(" ");
    let rest = &words[used..];
    // `run`, `create`, `exec` and `update` are judged by their own rules ([`denied_whole`]).
    if matches!(kind, Some(Kind::NotMine)) {
        out.extend(denied_whole(policy, &shown_path));
        return out;
    }
    // A group refused as a whole (`pod`, `buildx`, ...) is also named per subcommand, so the
    // policy can allow `pod create` without allowing `pod rm`.
    let group = GROUPS.contains(&lead[0].as_str());
    let (full, shown_path) = if used == 1 && group && lead.len() > 1 {
        let full = format!("{} {}", lead[0], lead[1]);
        (full.clone(), full)
    } else {
        (path.clone(), shown_path)
    };
    // A group word denies its commands in every spelling: `deny = ["image"]` left `pull` and
    // `rmi` open, `["container"]` left `ps` (the hundred-and-nineteenth look's).
    // (Its group as any of its spellings names it: `info` is `system info`: the
    // hundred-and-twenty-first look's.)
    let in_group = found.is_some_and(|(c, _)| {
        std::iter::once(c.path.as_str()).chain(c.spellings()).any(|s| {
            s.split_once(' ')
                .is_some_and(|(g, _)| GROUPS.contains(&g) && pol.denies(g))
        })
    });
    let denied = pol.denies(&path) || pol.denies(&full) || (group && pol.denies(&lead[0])) || in_group;
    if denied {
        out.push(Violation {
            rule: Rule::DenyCommand,
            token: shown_path,
            reason: format!("`{full}` is refused by the policy's [commands] deny"),
        });
        return out;
    }
    let allowed = pol.allows(&path) || pol.allows(&full);
    match kind {
        Some(Kind::NotMine) => {}
        Some(Kind::Allowed {
            flags, interspersed, ..
        }) => {
            let parsed = parse(rest, flags.rows(), interspersed, &mut out);
            if let Some(p) = parsed {
                for o in &p.opts {
                    check_opt(o, &pol, Rule::DenyCommand, host_path, &mut out);
                }
                check_transports(&p.positionals, &mut out);
                if path == "container top" {
                    check_top(&p.positionals, &mut out);
                }
                // The names a tag writes (not its source), and those an `rmi` takes away: a name
                // removed is one podman's short-name lookup then finds elsewhere, an image an
                // agent pulled under `*/NAME` (the hundredth look's), as the operator's own.
                let names = match path.as_str() {
                    "image tag" => 1,
                    "image rm" => 0,
                    _ => p.positionals.len(),
                };
                if let Some(writable) = files.images {
                    for name in p.positionals.iter().skip(names) {
                        image_name(name, writable, &mut out);
                    }
                }
                // The volumes a `volume rm` names; the network a `rm`, `connect` or `disconnect`
                // names (its first word; then the container).
                // A volume's definition is its driver's options, a CIFS or NFS share's password
                // among them (the hundred-and-third look's): `volume inspect` and `inspect
                // --type volume` name only the policy's volumes too, and a bare `inspect` (or
                // `--type all`) names none the engine holds outside them: podman reads a volume
                // of the name where no container or image has it.
                let inspect_type = p
                    .opts
                    .iter()
                    .rev()
                    .find(|o| o.row.long == "type")
                    .and_then(|o| match &o.value {
                        Val::Bytes(t) => Some(t.to_ascii_lowercase()),
                        Val::Bool(_) => None,
                    });
                let typed_volume = path == "inspect" && inspect_type.as_deref() == Some(&b"volume"[..]);
                if path == "inspect" && matches!(inspect_type.as_deref(), None | Some(b"all")) {
                    if let (Some(on_host), Some(writable)) = (files.volume_on_host, files.volumes) {
                        let held: Vec<Vec<u8>> = p
                            .positionals
                            .iter()
                            .filter(|n| on_host(n).iter().any(|v| !Named::allowed(v, writable)))
                            .cloned()
                            .collect();
                        named_objects(Named::Volume, &held, files, &mut out);
                    }
                }
                let named = match path.as_str() {
                    "volume rm" | "volume inspect" => Some((Named::Volume, p.positionals.len())),
                    "inspect" if typed_volume => Some((Named::Volume, p.positionals.len())),
                    "network rm" => Some((Named::Network, p.positionals.len())),
                    "network connect" | "network disconnect" => Some((Named::Network, 1)),
                    _ => None,
                };
                if let Some((kind, n)) = named {
                    let names = &p.positionals[..n.min(p.positionals.len())];
                    named_objects(kind, names, files, &mut out);
                }
                // `volume ls` lists every volume: its format may not print their options.
                if path == "volume ls" && files.writable(Named::Volume).is_some() {
                    volume_list_format(&p.opts, &mut out);
                }
                // (skip, take): the containers each names, asked about (`deny.foreign-container`).
                // Also every command that signals a container or reads what runs in it: `kill
                // -s USR1` opened the Node inspector of an operator's service, whose URL `logs`
                // printed, and an agent reached it and ran code there (the hundred-and-third
                // look's); `top` prints its processes' arguments, `diff` and `port` what it
                // changed and listens on, `pause` and `healthcheck run` act on it. nanoclaw runs
                // none of them. `stop`, `rm` and `inspect` stay open: nanoclaw runs them, before
                // a container exists too (SECURITY.md's known limitations).
                let (skip, named) = match path.as_str() {
                    "container attach" | "container rename" | "container top" | "container port"
                    | "healthcheck run" => (0, 1),
                    // `diff A B` compares two (the hundred-and-sixth look's: the second was not
                    // asked about and printed an operator's changed paths).
                    "container start" | "container restart" | "container kill" | "container logs"
                    | "container pause" | "container unpause" | "container diff" => (0, p.positionals.len()),
                    // The container a `network connect`/`disconnect` joins or takes off (its
                    // second word): the operator's, joined to an agent's network, answered the
                    // agents there. But for those `connectable_containers` names: nanoclaw's
                    // egress lockdown joins OneCLI's gateway container (`onecli`), made outside
                    // the shim, to the agents' network (the ninety-fifth look's).
                    "network connect" | "network disconnect" => {
                        let connectable =
                            |c: &Vec<u8>| files.connectable.is_some_and(|list| Named::allowed(c, list));
                        (1, usize::from(!p.positionals.get(1).is_some_and(connectable)))
                    }
                    _ => (0, 0),
                };
                // A rename's new name may not read as an ID (`deny.foreign-container`).
                if let (true, Some(new)) = (path == "container rename", p.positionals.get(1)) {
                    if crate::deny::reads_as_an_id(&lossy(new)) {
                        violation(
                            &mut out,
                            Rule::DenyForeignContainer,
                            crate::redact::display(std::ffi::OsStr::from_bytes(new)),
                            crate::deny::ID_LIKE_NAME.into(),
                        );
                    }
                }
                learned.containers = p
                    .positionals
                    .iter()
                    .zip(&p.positional_at)
                    .skip(skip)
                    .take(named)
                    .map(|(name, at)| (used + at, name.clone()))
                    .collect();
            }
        }
        Some(Kind::Create { flags, .. }) => {
            if let Some(p) = parse(rest, flags.rows(), true, &mut out) {
                for o in &p.opts {
                    check_opt(o, &pol, Rule::DenyCommand, host_path, &mut out);
                }
                check_transports(&p.positionals, &mut out);
                // A volume or network without a name gets one podman makes up (`podman1`),
                // which no pattern names.
                let kind = match path.as_str() {
                    "volume create" => Some(Named::Volume),
                    "network create" => Some(Named::Network),
                    _ => None,
                };
                if let (Some(kind), Some(writable)) = (kind, kind.and_then(|k| files.writable(k))) {
                    if p.positionals.is_empty() {
                        violation(&mut out, kind.rule(), path.clone(), kind.refusal(writable));
                    }
                    named_objects(kind, &p.positionals, files, &mut out);
                }
            }
        }
        Some(Kind::Build) => {
            if let Some(p) = parse(rest, F_BUILD, true, &mut out) {
                for o in &p.opts {
                    // What podman reads as a list (`-f a,b`, `--ulimit x,rtprio=99`), each element.
                    for one in build_elements(o) {
                        check_opt(&one, &pol, Rule::DenyBuild, host_path, &mut out);
                    }
                    if o.row.long == "annotation" {
                        build_annotation(o, annotations, &mut out);
                    }
                    if let (Class::ImageTag, Some(writable)) = (o.row.class, files.images) {
                        for one in build_elements(o) {
                            if let Val::Bytes(name) = &one.value {
                                image_name(name, writable, &mut out);
                            }
                        }
                    }
                }
                check_context(&p.positionals, &pol, &mut out, host_path);
                relative_files(&p, &mut out, host_path);
                let texts = containerfiles(&p, files, &pol, &mut out);
                if let Some(texts) = &texts {
                    // Without `-f`, the files podman would pick in the context are host paths as
                    // a `-f` one is (the red team's `Containerfile` linked to
                    // `~/.aws/credentials`); a call already refused (its context, say) is not
                    // told again of each file in it.
                    let named = p.opts.iter().any(|o| o.row.class == Class::Dockerfile);
                    let judged = !named && out.is_empty();
                    for path in texts.iter().filter(|_| judged).map(|f| &f.path) {
                        if let Some(v) = host_path(path, Access::Read, &lossy(path)) {
                            out.push(v);
                        }
                    }
                    learned.containerfiles = pinned_containerfiles(&p, rest, used, texts, &mut out);
                    if let Some(cf) = learned.containerfiles.as_mut() {
                        // Named to podman by the shim, so a host path like any other it reads.
                        let found = ignore_file(&p, files, &mut out);
                        let there = found.as_ref().filter(|(_, text)| text.is_some());
                        if let Some((ignore, _)) = there.filter(|_| out.is_empty()) {
                            if let Some(v) = host_path(ignore, Access::Read, &lossy(ignore)) {
                                out.push(v);
                            }
                        }
                        cf.ignore = found.map(|(path, text)| (path, ignore_text(text)));
                    }
                }
                if let (Some(texts), Some(bases)) = (texts, files.bases.filter(|b| b.needed())) {
                    base_images(&p, &texts, bases, &mut out);
                }
                if let Some(limits) = files.limits {
                    build_ceilings(&BuildLimits::of(&p, used), limits, &mut out);
                }
            }
        }
        Some(Kind::Refused(why) | Kind::Gated { why, .. }) if !allowed => {
            out.push(Violation {
                rule: Rule::DenyCommand,
                token: shown_path,
                reason: format!(
                    "`{full}` {why}; refused by default (allow with [commands] allow = [\"{full}\"])"
                ),
            });
        }
        // Allowed by the policy: parsed, and its host paths judged as a mount's.
        Some(Kind::Gated { flags, .. }) => {
            if let Some(p) = parse(rest, flags.rows(), true, &mut out) {
                for o in &p.opts {
                    check_opt(o, &pol, Rule::DenyCommand, host_path, &mut out);
                }
                if path == "container cp" {
                    check_copy(&p.positionals, host_path, &mut out);
                }
            }
        }
        // Allowed by the policy: passed through unparsed (the policy's author chose to trust
        // it), but for podman's own global flags, which reconfigure podman itself.
        Some(Kind::Refused(_)) => {
            podman_globals(rest, &mut out);
            learned.unparsed = Some(full);
        }
        None => {
            if !allowed {
                out.push(Violation {
                    rule: Rule::DenyCommand,
                    token: shown_path,
                    reason: format!(
                        "`{path}` is not on the shim's allow-list of commands; refused by default \
                         (allow with [commands] allow = [\"{path}\"])"
                    ),
                });
            } else {
                podman_globals(rest, &mut out);
                learned.unparsed = Some(path);
            }
        }
    }
    out
}

/// podman's persistent (global) flags, which it reads after any command too (`podman cp
/// --storage-opt overlay.mount_program=PROGRAM` ran `PROGRAM` as root on the host, a sixty-eighth
/// look's). docker's CLI takes its own global flags only before the command. Long names; the
/// short ones that send the call to another engine (`-c` connection, `-r` remote, `-H` URL) are
/// refused as whole words.
const PODMAN_GLOBAL_FLAGS: &[&str] = &[
    "cgroup-manager",
    "cni-config-dir",
    "config",
    "conmon",
    "connection",
    "context",
    "cpu-profile",
    "db-backend",
    "debug",
    "default-mounts-file",
    "events-backend",
    "help-all",
    "hooks-dir",
    "identity",
    "imagestore",
    "log-level",
    "max-workers",
    "memory-profile",
    "module",
    "namespace",
    "network-backend",
    "network-cmd-path",
    "network-config-dir",
    "noout",
    "out",
    "pull-option",
    "registries-conf",
    "remote",
    "root",
    "runroot",
    "runtime",
    "runtime-flag",
    "ssh",
    "storage-driver",
    "storage-opt",
    "syslog",
    "tmpdir",
    "trace",
    "transient-store",
    "url",
    "volumepath",
];

/// Refuses podman's global flags in the words of a command passed through unparsed
/// ([`PODMAN_GLOBAL_FLAGS`]): any word that spells one, value or not (nothing there is parsed, so
/// a value that looks like one is refused too).
fn podman_globals(rest: &[OsString], out: &mut Vec<Violation>) {
    for w in rest.iter().map(|w| w.as_bytes()) {
        if w == b"--" {
            break;
        }
        let name = w
            .strip_prefix(b"--")
            .map(|n| n.split(|&b| b == b'=').next().unwrap_or(n));
        let global = match name {
            Some(n) => PODMAN_GLOBAL_FLAGS.iter().any(|g| g.as_bytes() == n),
            None => matches!(w, b"-c" | b"-r" | b"-H"),
        };
        if global {
            violation(
                out,
                Rule::DenyCommand,
                crate::text::owned(w.split(|&b| b == b'=').next().unwrap_or(w)),
                "one of podman's global flags, which reconfigures podman itself (its storage, runtime, engine); refused after a command the policy allows by name".into(),
            );
        }
    }
}

/// `cp SRC DST`: the host side (absolute, without a `:`, or `./` as docker reads it) is a host
/// path podman reads (the source) or writes (the destination), judged as a mount of it would
/// be: a credential is never copied into a container, and nothing is copied out onto a file
/// that runs code (a sixty-eighth look's `docker cp` read `~/.ssh/id_ed25519` and wrote
/// `~/.bashrc`). `-` is a tar stream on standard input or output. podman resolves the path
/// again when it copies: a link made in between is not seen (SECURITY.md).
fn check_copy(positionals: &[Vec<u8>], host_path: &mut HostPath, out: &mut Vec<Violation>) {
    let [src, dst] = positionals else {
        violation(
            out,
            Rule::DenyCommand,
            "cp".into(),
            "takes a source and a destination".into(),
        );
        return;
    };
    for (w, access) in [(src, Access::Read), (dst, Access::Write)] {
        let host = w.first() == Some(&b'/') || w.first() == Some(&b'.') || !w.contains(&b':');
        if !host || w.as_slice() == b"-" {
            continue;
        }
        if let Some(v) = host_path(w, access, &lossy(w)) {
            out.push(v);
        }
    }
}

fn push(out: &mut Vec<Violation>, rule: Rule, token: &OsString, reason: String) {
    out.push(Violation {
        rule,
        token: crate::redact::display(token),
        reason,
    });
}

/// One parsed option.
struct Opt {
    row: &'static Row,
    /// The flag as written (`--file`, `-f`), never its value.
    name: String,
    /// The value bytes (for booleans: the boolean).
    value: Val,
    /// The index of the token that holds the value (for booleans: the flag), in the words
    /// after the command path: the value is that token's last bytes.
    at: usize,
}

enum Val {
    Bool(bool),
    Bytes(Vec<u8>),
}

struct Parsed {
    opts: Vec<Opt>,
    positionals: Vec<Vec<u8>>,
    /// Where each positional stands in the words after the command path.
    positional_at: Vec<usize>,
}

fn violation(out: &mut Vec<Violation>, rule: Rule, token: String, reason: String) {
    out.push(Violation { rule, token, reason });
}

/// Parses `rest` with pflag's grammar over `table`. On an error it records a violation and
/// returns `None`: after an unknown flag the arity of everything that follows is unknown.
fn parse(
    rest: &[OsString],
    table: &'static [Row],
    interspersed: bool,
    out: &mut Vec<Violation>,
) -> Option<Parsed> {
    let mut opts = Vec::new();
    let mut positionals: Vec<Vec<u8>> = Vec::new();
    let mut positional_at: Vec<usize> = Vec::new();
    let mut i = 0;
    // A value read from the next token that starts with `-`: podman's grammar may disagree with
    // docker's on the flag's arity and read it as a flag, so it must be attached with `=`.
    let detached = |name: &str, next: &OsString, out: &mut Vec<Violation>| -> Option<Vec<u8>> {
        let bytes = next.as_bytes();
        if bytes.len() > 1 && bytes[0] == b'-' {
            violation(
                out,
                Rule::ParseMissingValue,
                name.to_string(),
                format!(
                    "{name} takes a value, but the next token looks like a flag and podman may read \
                     it as one; write {name}=<value>"
                ),
            );
            return None;
        }
        Some(bytes.to_vec())
    };
    while i < rest.len() {
        let tok = rest[i].as_bytes();
        if tok == b"--" {
            positionals.extend(rest[i + 1..].iter().map(|t| t.as_bytes().to_vec()));
            positional_at.extend(i + 1..rest.len());
            break;
        }
        if tok.len() < 2 || tok[0] != b'-' {
            if !interspersed {
                // docker stops at the first positional; podman might not, so nothing after it
                // may look like a flag.
                for (k, t) in rest[i..].iter().enumerate() {
                    let t = t.as_bytes();
                    if t.len() > 1 && t[0] == b'-' {
                        violation(
                            out,
                            Rule::ParseUnknownFlag,
                            flag_only(t),
                            "a flag-like argument after the first argument: docker reads it as an \
                             argument, podman may read it as a flag"
                                .into(),
                        );
                        return None;
                    }
                    positionals.push(t.to_vec());
                    positional_at.push(i + k);
                }
                break;
            }
            positionals.push(tok.to_vec());
            positional_at.push(i);
            i += 1;
            continue;
        }
        if let Some(body) = tok.strip_prefix(b"--") {
            if body.first().is_none_or(|&c| c == b'-' || c == b'=') {
                violation(
                    out,
                    Rule::ParseBadSyntax,
                    flag_only(tok),
                    "bad flag syntax".into(),
                );
                return None;
            }
            let (name, eq) = match body.iter().position(|&c| c == b'=') {
                Some(p) => (&body[..p], Some(&body[p + 1..])),
                None => (body, None),
            };
            let shown = format!("--{}", crate::text::lossy(name));
            let Some(row) = table.iter().find(|r| r.long.as_bytes() == name) else {
                violation(out, Rule::ParseUnknownFlag, shown, unknown_reason());
                return None;
            };
            let value = match (row.arity, eq) {
                (Arity::Bool, None) => Val::Bool(true),
                (Arity::Bool, Some(v)) => match crate::govalue::bool_value(v) {
                    Some(b) => Val::Bool(b),
                    None => {
                        violation(
                            out,
                            Rule::ParseBadBool,
                            shown.clone(),
                            format!("{shown} takes true or false"),
                        );
                        return None;
                    }
                },
                (Arity::Value, Some(v)) => Val::Bytes(v.to_vec()),
                (Arity::Value, None) => {
                    let Some(next) = rest.get(i + 1) else {
                        violation(
                            out,
                            Rule::ParseMissingValue,
                            shown.clone(),
                            format!("flag needs an argument: {shown}"),
                        );
                        return None;
                    };
                    i += 1;
                    Val::Bytes(detached(&shown, next, out)?)
                }
            };
            opts.push(Opt {
                row,
                name: shown,
                value,
                at: i,
            });
            i += 1;
            continue;
        }
        // A bundle of shorthands.
        let body = &tok[1..];
        let mut j = 0;
        let mut used_next = false;
        while j < body.len() {
            let c = body[j];
            let shown = format!("-{}", if c.is_ascii() { c as char } else { '?' });
            let row = if c.is_ascii() {
                table.iter().find(|r| r.short == Some(c as char))
            } else {
                None
            };
            let Some(row) = row else {
                violation(out, Rule::ParseUnknownFlag, shown, unknown_reason());
                return None;
            };
            let after = &body[j + 1..];
            match row.arity {
                Arity::Bool => {
                    if after.len() > 1 && after[0] == b'=' {
                        match crate::govalue::bool_value(&after[1..]) {
                            Some(v) => opts.push(Opt {
                                row,
                                name: shown,
                                value: Val::Bool(v),
                                at: i,
                            }),
                            None => {
                                violation(
                                    out,
                                    Rule::ParseBadBool,
                                    shown.clone(),
                                    format!("{shown} takes true or false"),
                                );
                                return None;
                            }
                        }
                        break;
                    }
                    opts.push(Opt {
                        row,
                        name: shown,
                        value: Val::Bool(true),
                        at: i,
                    });
                    j += 1;
                }
                Arity::Value => {
                    let value = if after.is_empty() {
                        let Some(next) = rest.get(i + 1) else {
                            violation(
                                out,
                                Rule::ParseMissingValue,
                                shown.clone(),
                                format!("flag needs an argument: {shown}"),
                            );
                            return None;
                        };
                        used_next = true;
                        detached(&shown, next, out)?
                    } else if after.len() > 1 {
                        after.strip_prefix(b"=").unwrap_or(after).to_vec()
                    } else {
                        after.to_vec()
                    };
                    opts.push(Opt {
                        row,
                        name: shown,
                        value: Val::Bytes(value),
                        at: if used_next { i + 1 } else { i },
                    });
                    break;
                }
            }
        }
        i += if used_next { 2 } else { 1 };
    }
    Some(Parsed {
        opts,
        positionals,
        positional_at,
    })
}

fn unknown_reason() -> String {
    "not a flag of this docker command; refusing rather than guessing its arity (podman-only \
     flags such as -v, --device, --runtime or --hooks-dir are refused here)"
        .into()
}

/// The flag part of a token, without any value.
fn flag_only(tok: &[u8]) -> String {
    let name = tok.split(|&c| c == b'=').next().unwrap_or(tok);
    crate::text::owned(name)
}

fn lossy(b: &[u8]) -> String {
    crate::text::owned(b)
}

/// `--flag=value` for display, redacted like every other token.
fn shown(name: &str, value: &[u8]) -> String {
    let mut t = name.as_bytes().to_vec();
    t.push(b'=');
    t.extend_from_slice(value);
    crate::redact::display(std::ffi::OsStr::from_bytes(&t))
}

/// Splits a CSV value the way buildx's `csvvalue.Fields` does (one record, `"` quoting with
/// `""` escapes). `None` when the value is not well-formed: it is then refused, not guessed.
fn csv_fields(s: &[u8]) -> Option<Vec<Vec<u8>>> {
    if s.contains(&b'\n') || s.contains(&b'\r') {
        return None;
    }
    let mut out = Vec::new();
    if s.is_empty() {
        return Some(out);
    }
    let mut i = 0;
    loop {
        let mut field = Vec::new();
        if s.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match s.get(i) {
                    None => return None,
                    Some(b'"') if s.get(i + 1) == Some(&b'"') => {
                        field.push(b'"');
                        i += 2;
                    }
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        field.push(c);
                        i += 1;
                    }
                }
            }
            match s.get(i) {
                None => {
                    out.push(field);
                    return Some(out);
                }
                Some(b',') => {
                    out.push(field);
                    i += 1;
                }
                Some(_) => return None,
            }
        } else {
            while let Some(&c) = s.get(i) {
                if c == b',' {
                    break;
                }
                if c == b'"' {
                    return None;
                }
                field.push(c);
                i += 1;
            }
            let end = i >= s.len();
            out.push(field);
            if end {
                return Some(out);
            }
            i += 1;
        }
    }
}

/// `key=value` fields of a CSV value, keys lowercased (and trimmed, as buildx does).
fn kv_fields(s: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    csv_fields(s)?
        .into_iter()
        .map(|f| {
            let p = f.iter().position(|&c| c == b'=')?;
            Some((lossy(&f[..p]).trim().to_ascii_lowercase(), f[p + 1..].to_vec()))
        })
        .collect()
}

/// Checks one parsed option by its class. `rule` is what a refusal of this command is called.
fn check_opt(o: &Opt, pol: &Pol, rule: Rule, host_path: &mut HostPath, out: &mut Vec<Violation>) {
    let (value, on) = match &o.value {
        Val::Bytes(v) => (v.as_slice(), true),
        Val::Bool(b) => (&b""[..], *b),
    };
    let token = || shown(&o.name, value);
    // A value that does not read as what the flag takes is named by its length, as a parse
    // error is: it may be anything, a secret pasted in the wrong place included.
    let unread = || format!("{}=<{} bytes, not shown>", o.name, value.len());
    let mut refuse =
        |out: &mut Vec<Violation>, token: String, reason: String| violation(out, rule, token, reason);
    let mut path = |out: &mut Vec<Violation>, p: &[u8], access: Access| {
        if let Some(v) = host_path(p, access, &shown(&o.name, value)) {
            out.push(v);
        }
    };
    match o.row.class {
        Class::Inert => {}
        // podman refuses a nameless label by printing its value (`invalid label format:
        // "=VALUE"`), as `run --label =VALUE` (the thirty-first pass's look; the thirty-second's
        // for the other commands).
        Class::Label if value.trim_ascii_start().starts_with(b"=") => violation(
            out,
            Rule::ParseBadValue,
            o.name.clone(),
            format!(
                "{}: a label without a name, which the runtime refuses by printing its value",
                o.name
            ),
        ),
        Class::Label => {}
        Class::Template => {
            if let Some(why) = crate::template::problem(value) {
                refuse(out, o.name.clone(), format!("{} {why}", o.name));
            }
        }
        // Judged together, once every option is read ([`build_ceilings`]).
        Class::Ceiling(_) => {}
        Class::Refused(why) => refuse(out, o.name.clone(), format!("{} {why}", o.name)),
        Class::Gated(gate, why) => {
            if !pol.gate(gate) {
                refuse(out, o.name.clone(), gated(&o.name, why, gate));
            }
        }
        Class::Dockerfile => {
            if value.ends_with(b".in") {
                refuse(
                    out,
                    token(),
                    "podman preprocesses a *.in Containerfile with the host's cpp, whose #include \
                     reads any host file"
                        .into(),
                );
            } else if !(value == b"-" || is_url(value)) {
                path(out, value, Access::Read);
            }
        }
        // A build's `--iidfile` / `--metadata-file`: written by path when the build ends (buildah
        // follows a link there), long after the check; gated with the build's other outputs.
        Class::HostWrite if pol.gate(GATE_BUILD_OUTPUT) => path(out, value, Access::Write),
        Class::HostWrite => refuse(
            out,
            token(),
            gated(
                &o.name,
                "writes to that host path when the build ends, long after the path was checked (a folder swapped for a link in between, or a link put in its place, points the write elsewhere)",
                GATE_BUILD_OUTPUT,
            ),
        ),
        Class::BuildNetwork => {
            if !matches!(value, b"default" | b"none" | b"bridge") {
                refuse(
                    out,
                    token(),
                    format!(
                        "the build network {:?} is refused: only default, bridge and none keep RUN \
                         steps off the host's network",
                        lossy(value)
                    ),
                );
            }
        }
        Class::SecurityOpt => {
            let nnp = |f: &Vec<u8>| {
                matches!(
                    f.as_slice(),
                    b"no-new-privileges" | b"no-new-privileges=true" | b"no-new-privileges:true"
                )
            };
            if !csv_fields(value).is_some_and(|fs| fs.iter().all(nnp)) {
                refuse(
                    out,
                    token(),
                    "build --security-opt: only no-new-privileges is allowed (no unconfined, \
                     custom profiles or label changes)"
                        .into(),
                );
            }
        }
        Class::Secret => check_secret(value, &token(), out, &mut refuse, &mut path),
        Class::BuildContext => {
            let Some(p) = value.iter().position(|&c| c == b'=') else {
                refuse(out, token(), "--build-context needs name=<source>".into());
                return;
            };
            let remote_ok = pol.gate(GATE_BUILD_REMOTE);
            check_source(&value[p + 1..], &token(), remote_ok, out, &mut refuse, &mut path);
        }
        Class::Output => check_output(value, &token(), pol, out, &mut refuse, &mut path),
        Class::Cache => check_cache(value, &token(), pol, out, &mut refuse, &mut path),
        Class::CacheTo => {
            // Exported to a registry, a cache is pushed with the host's credentials, as an image
            // is by --push.
            if pushes_cache(value) && !pol.gate(GATE_BUILD_PUSH) {
                refuse(
                    out,
                    token(),
                    gated(
                        &o.name,
                        "to a registry uploads the build cache with the host's registry credentials",
                        GATE_BUILD_PUSH,
                    ),
                );
            }
            check_cache(value, &token(), pol, out, &mut refuse, &mut path)
        }
        Class::PruneFilter => {
            let key = value.split(|&c| c == b'=').next().unwrap_or(value);
            if key.trim_ascii().eq_ignore_ascii_case(b"dangling") {
                refuse(
                    out,
                    token(),
                    "a dangling filter: podman 5 reads it beside its own dangling=true, and dangling=false pruned every unused image, the operator's too; prune without it".into(),
                );
            }
        }
        Class::ImageTag => {
            if crate::containerfile::transport(value).is_some() {
                refuse(
                    out,
                    token(),
                    "--tag with a transport prefix: podman writes the image to that destination \
                     (a host file or directory, or a registry with the host's credentials)"
                        .into(),
                );
            }
        }
        Class::Ulimit => {
            let name = value.split(|&c| c == b'=').next().unwrap_or(value);
            if !value.contains(&b'=') {
                refuse(out, unread(), "--ulimit needs name=soft[:hard]".into());
            } else if name.eq_ignore_ascii_case(b"rtprio") || name.eq_ignore_ascii_case(b"rttime") {
                refuse(
                    out,
                    token(),
                    "realtime scheduling limits let RUN steps starve the host".into(),
                );
            }
        }
        Class::Isolation => {
            if value != b"default" {
                refuse(
                    out,
                    token(),
                    "--isolation other than default (podman's chroot isolation is weaker)".into(),
                );
            }
        }
        Class::BuildArg => {
            if !value.contains(&b'=') {
                refuse(
                    out,
                    o.name.clone(),
                    format!(
                        "--build-arg {} without =value copies the host's environment variable into \
                         the build; write NAME=value",
                        lossy(value)
                    ),
                );
            }
        }
        Class::Push => {
            if on && !pol.gate(GATE_BUILD_PUSH) {
                refuse(
                    out,
                    o.name.clone(),
                    gated(
                        &o.name,
                        "uploads the image with the host's registry credentials",
                        GATE_BUILD_PUSH,
                    ),
                );
            }
        }
        Class::NetDriver => {
            if value != b"bridge" && !pol.gate(GATE_NETWORK_OPT) {
                refuse(
                    out,
                    token(),
                    gated(
                        &o.name,
                        "other than bridge: macvlan and ipvlan attach containers directly to a host interface",
                        GATE_NETWORK_OPT,
                    ),
                );
            }
        }
        Class::NetOpt => {
            let key = value.split(|&c| c == b'=').next().unwrap_or(value);
            let safe = matches!(key, b"mtu" | b"com.docker.network.driver.mtu" | b"isolate");
            if !safe && !pol.gate(GATE_NETWORK_OPT) {
                refuse(
                    out,
                    token(),
                    gated(
                        &o.name,
                        "other than mtu/isolate: options such as com.docker.network.bridge.name or parent attach the network to a host interface",
                        GATE_NETWORK_OPT,
                    ),
                );
            }
        }
        Class::NetRange => {
            // A range that does not parse is not shown; one that does, is.
            let text = lossy(value);
            let address = |a: &str| a.parse::<std::net::IpAddr>().is_ok();
            let readable = address(&text)
                || text
                    .split_once('/')
                    .is_some_and(|(a, n)| address(a) && n.parse::<u8>().is_ok());
            let shown_as = if readable { token() } else { unread() };
            if !pol.gate(GATE_NETWORK_SUBNET) {
                refuse(
                    out,
                    shown_as,
                    gated(
                        &o.name,
                        "chooses where the bridge sits: a rootful bridge takes the host's route to every address in its range, its DNS server, proxy or registry among them when reached through the default route (podman picks a free range when none is given)",
                        GATE_NETWORK_SUBNET,
                    ),
                );
            } else if !private_range(&text) && !pol.gate(GATE_NETWORK_OPT) {
                refuse(
                    out,
                    shown_as,
                    gated(
                        &o.name,
                        "outside the private ranges (10/8, 172.16/12, 192.168/16, fc00::/7): a bridge there takes the host's route to those addresses",
                        GATE_NETWORK_OPT,
                    ),
                );
            }
        }
        Class::IpamDriver => {
            if !matches!(value, b"default" | b"host-local") && !pol.gate(GATE_NETWORK_OPT) {
                refuse(
                    out,
                    token(),
                    gated(
                        &o.name,
                        "other than default: dhcp leases addresses from the host's LAN",
                        GATE_NETWORK_OPT,
                    ),
                );
            }
        }
        Class::VolDriver => {
            if value != b"local" && !pol.gate(GATE_VOLUME_OPT) {
                refuse(
                    out,
                    token(),
                    gated(
                        &o.name,
                        "other than local: a plugin or image-backed volume",
                        GATE_VOLUME_OPT,
                    ),
                );
            }
        }
    }
}

fn gated(name: &str, why: &str, gate: &str) -> String {
    format!("{name} {why}; refused by default (allow with [commands] allow = [\"{gate}\"])")
}

type Refuse<'a> = dyn FnMut(&mut Vec<Violation>, String, String) + 'a;
type PathCheck<'a> = dyn FnMut(&mut Vec<Violation>, &[u8], Access) + 'a;

/// `--secret id=x,src=<file>`: the file is a host read; environment secrets are refused.
fn check_secret(
    value: &[u8],
    token: &str,
    out: &mut Vec<Violation>,
    refuse: &mut Refuse,
    path: &mut PathCheck,
) {
    let Some(fields) = kv_fields(value) else {
        refuse(
            out,
            token.into(),
            "--secret is not well-formed id=..,src=.. CSV; refusing rather than guessing".into(),
        );
        return;
    };
    // Every source is checked: the builders disagree on which of several wins.
    let mut srcs = Vec::new();
    for (k, v) in &fields {
        match k.as_str() {
            "id" => {}
            "src" | "source" => srcs.push(v.as_slice()),
            "type" if v == b"file" => {}
            "type" | "env" => {
                refuse(
                    out,
                    token.into(),
                    "--secret from an environment variable reads the host's environment".into(),
                );
                return;
            }
            _ => {
                refuse(
                    out,
                    token.into(),
                    format!("--secret key {k:?} is not id, src, source or type=file"),
                );
                return;
            }
        }
    }
    for s in &srcs {
        path(out, s, Access::Read);
    }
    if srcs.is_empty() {
        refuse(
            out,
            token.into(),
            "--secret without src= makes the builder read the host variable or file named by id; \
             name the file with src="
                .into(),
        );
    }
}

/// Whether a build source is a git repository (cloned on the host with its git credentials).
fn is_git(s: &[u8]) -> bool {
    let base = s.split(|&c| c == b'#').next().unwrap_or(s);
    s.starts_with(b"git://")
        || s.starts_with(b"git@")
        || s.starts_with(b"ssh://")
        || s.starts_with(b"github.com/")
        || base.ends_with(b".git")
        || base.ends_with(b".git/")
}

/// A build context or `--build-context` source: a URL, an image, or a host directory.
fn check_source(
    s: &[u8],
    token: &str,
    remote_ok: bool,
    out: &mut Vec<Violation>,
    refuse: &mut Refuse,
    path: &mut PathCheck,
) {
    if local_source(s) {
        path(out, s, Access::Read);
    } else if is_git(s) {
        refuse(
            out,
            token.into(),
            "a git source is cloned on the host, with the host's git credentials and ssh keys".into(),
        );
    } else if s.starts_with(b"docker-image://")
        || s.starts_with(b"container-image://")
        || s.starts_with(b"docker://")
    {
        // An image reference: no host path.
    } else if is_url(s) {
        if !remote_ok {
            refuse(out, token.into(), gated(token, REMOTE_WHY, GATE_BUILD_REMOTE));
        }
    } else if let Some(rest) = s.strip_prefix(b"oci-layout://") {
        // oci-layout://<dir>[:tag][@digest]
        let dir = rest.split(|&c| c == b'@').next().unwrap_or(rest);
        let slash = dir.iter().rposition(|&c| c == b'/').map_or(0, |p| p + 1);
        let dir = match dir[slash..].iter().position(|&c| c == b':') {
            Some(p) => &dir[..slash + p],
            None => dir,
        };
        path(out, dir, Access::Read);
    } else {
        refuse(
            out,
            token.into(),
            "an unknown source scheme; refusing rather than guessing".into(),
        );
    }
}

/// Whether a build source is a host path: not git, an image, a URL, an OCI layout or another
/// scheme. [`check_source`] judges it as a path; the build reads it through a descriptor.
fn local_source(s: &[u8]) -> bool {
    !(is_git(s)
        || is_url(s)
        || s.starts_with(b"docker-image://")
        || s.starts_with(b"container-image://")
        || s.starts_with(b"docker://")
        || s.starts_with(b"oci-layout://")
        || s.windows(3).any(|w| w == b"://"))
}

/// Why a download by the engine is refused by default.
const REMOTE_WHY: &str = "is downloaded by podman itself on the host, outside the build's network \
     namespace, where services bound to the host's loopback answer";

/// The build context positional: exactly one, `-` (stdin), a URL or a host directory.
fn check_context(pos: &[Vec<u8>], pol: &Pol, out: &mut Vec<Violation>, host_path: &mut HostPath) {
    let [ctx] = pos else {
        violation(
            out,
            Rule::DenyBuild,
            format!("{} arguments", pos.len()),
            "docker build takes exactly one context argument (podman would default to the working directory)"
                .into(),
        );
        return;
    };
    if ctx == b"-" {
        return;
    }
    let token = lossy(ctx);
    let mut refuse = |out: &mut Vec<Violation>, t: String, r: String| violation(out, Rule::DenyBuild, t, r);
    let mut path = |out: &mut Vec<Violation>, p: &[u8], a: Access| {
        if let Some(v) = host_path(p, a, &token) {
            out.push(v);
        }
    };
    check_source(
        ctx,
        &lossy(ctx),
        pol.gate(GATE_BUILD_REMOTE),
        out,
        &mut refuse,
        &mut path,
    );
}

/// `o`, or each element podman reads from it when it is a list.
fn build_elements(o: &Opt) -> Vec<Opt> {
    let one = |value: Val| Opt {
        row: o.row,
        name: o.name.clone(),
        value,
        at: o.at,
    };
    match &o.value {
        Val::Bytes(v) if o.row.podman_list => match crate::flags::podman_list_elements(v) {
            Some(parts) => parts.into_iter().map(|p| one(Val::Bytes(p))).collect(),
            None => vec![one(Val::Bytes(v.clone()))],
        },
        Val::Bytes(v) => vec![one(Val::Bytes(v.clone()))],
        Val::Bool(b) => vec![one(Val::Bool(*b))],
    }
}

/// An image name a build's `-t` or a `tag` writes, refused outside `writable` (`deny.image-name`):
/// podman moves the name to the new image, and the operator's own `podman run NAME` (a
/// quadlet's, a privileged one) then runs what an agent's build made (the ninety-fourth look's).
/// Matched on the repository, without its tag or digest, and without `localhost/` (podman's
/// registry for a name that names none); a name of another registry is matched whole, so
/// `nanoclaw-*` never covers `docker.io/library/nanoclaw-agent`. A `*` matches within one
/// component: podman's short-name lookup gives `podman run operator-app` any image whose name
/// ends in `/operator-app`, so `nanoclaw-x/operator-app` is not nanoclaw's to write (the
/// ninety-eighth look's).
fn image_name(name: &[u8], writable: &[crate::policy::ListEntry], out: &mut Vec<Violation>) {
    if !image_name_writable(name, writable) {
        violation(
            out,
            Rule::DenyImageName,
            crate::redact::display(std::ffi::OsStr::from_bytes(name)),
            format!(
                "an image name outside the policy's writable_images ({}): the operator's images are not an agent's to name or remove (under that name, or where podman's short-name lookup finds another in the place of one removed, the operator's own podman run would run the agent's); [deny] add_writable_images names more",
                writable.join(", ")
            ),
        );
    }
}

/// Whether `writable` lets a build, a tag or an rmi write the image name `name` (matched as
/// [`image_name`] says); `doctor` asks it of the names nanoclaw builds.
pub fn image_name_writable(name: &[u8], writable: &[crate::policy::ListEntry]) -> bool {
    let repo = repository(name);
    writable.iter().any(|p| {
        let p = p.as_bytes();
        crate::glob::matches_components(p.strip_prefix(b"localhost/").unwrap_or(p), repo) == Some(true)
    })
}

/// Each of `names`, volumes or networks (`kind`), outside the policy's list of them: refused by
/// the kind's rule (none when the rule is off: `files` holds no list).
/// The fields a `volume ls --format` may print: none holds a volume's driver options.
const VOLUME_LS_FIELDS: &[&[u8]] = &[
    b"Name",
    b"Driver",
    b"Mountpoint",
    b"CreatedAt",
    b"Labels",
    b"Scope",
    b"Anonymous",
    b"MountCount",
];

/// A `volume ls --format` that prints more than [`VOLUME_LS_FIELDS`] ([`crate::template::names_only`]):
/// the volumes' driver options, a CIFS or NFS share's password among them, of the operator's
/// volumes too (`deny.volume-name`).
fn volume_list_format(opts: &[Opt], out: &mut Vec<Violation>) {
    for o in opts.iter().filter(|o| matches!(o.row.class, Class::Template)) {
        if let Val::Bytes(t) = &o.value {
            if !crate::template::names_only(t, VOLUME_LS_FIELDS) {
                violation(
                    out,
                    Rule::DenyVolumeName,
                    o.name.clone(),
                    format!(
                        "{} can print every volume's driver options (a share's password among them): it may name only {}",
                        o.name,
                        VOLUME_LS_FIELDS
                            .iter()
                            .map(|f| format!(".{}", lossy(f)))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                );
            }
        }
    }
}

fn named_objects(kind: Named, names: &[Vec<u8>], files: &BuildFiles, out: &mut Vec<Violation>) {
    let Some(writable) = files.writable(kind) else {
        return;
    };
    for name in names.iter().filter(|n| !Named::allowed(n, writable)) {
        violation(
            out,
            kind.rule(),
            crate::redact::display(std::ffi::OsStr::from_bytes(name)),
            kind.refusal(writable),
        );
    }
}

/// An image name's repository as [`image_name`] matches it: `localhost/a/b:1@sha256:..` is
/// `a/b`, `quay.io/a:1` is `quay.io/a`, `localhost:5000/a` (a registry with a port) is kept.
fn repository(name: &[u8]) -> &[u8] {
    let name = name.split(|&b| b == b'@').next().unwrap_or(name);
    let slash = name.iter().rposition(|&b| b == b'/').map_or(0, |s| s + 1);
    let name = match name[slash..].iter().position(|&b| b == b':') {
        Some(colon) => &name[..slash + colon],
        None => name,
    };
    name.strip_prefix(b"localhost/").unwrap_or(name)
}

/// A build's `--annotation` lands in the image, and podman copies an image's annotations into
/// every container made from it: one the runtime obeys (`run.oci.keep_original_groups`) is
/// refused here as `run --annotation` is.
fn build_annotation(o: &Opt, refused: &[crate::policy::ListEntry], out: &mut Vec<Violation>) {
    let Val::Bytes(v) = &o.value else { return };
    let parts = crate::flags::podman_list_elements(v).unwrap_or_else(|| vec![v.clone()]);
    for part in parts {
        // podman 4 copies an image's annotations into its containers: one in the shim's
        // namespace would pass for the shim's own in a container made from the image without
        // the shim (its hook takes the mounts annotation for the mark of a container the shim
        // made; a thirty-seventh look's). A container the shim makes gets its own, which win.
        if crate::rewrite::annotate::in_namespace(&part) {
            violation(
                out,
                Rule::HardenAnnotation,
                shown(&o.name, v),
                format!(
                    "only the shim writes annotations under {}; podman copies an image's annotations into its containers",
                    crate::rewrite::annotate::NAMESPACE
                ),
            );
            return;
        }
        let key = lossy(part.split(|&b| b == b'=').next().unwrap_or(b""))
            .trim()
            .to_ascii_lowercase();
        if let Some(prefix) = refused.iter().find(|p| key.starts_with(&p.to_ascii_lowercase())) {
            violation(
                out,
                Rule::DenyAnnotation,
                shown(&o.name, v),
                format!(
                    "annotations under {prefix} reconfigure the runtime, and podman copies an image's annotations into its containers"
                ),
            );
            return;
        }
    }
}

/// The Containerfiles a build reads (path, text), each checked for `RUN --mount`: a bind or
/// cache mount `from` a stage holding a symlink reaches the host's root file system read-write
/// on podman before 4.9.4 / 5.0.1 (CVE-2024-1753, unfixed in Debian 12's 4.3.1), and no mount
/// of a build is one the shim can judge. A Containerfile the shim cannot see (standard input, a
/// URL, a remote context) or cannot read whole cannot be checked, so it is refused too (`None`).
/// Continuation lines are joined first, as the parser joins them (`--mo\` + `unt`).
/// A Containerfile the checks read: where, its text (podman is given a sealed copy of it), and
/// the images its stages start from, or why they cannot be known before the build (from the one
/// reading the checks made, [`crate::containerfile::base_images`]).
struct ReadFile {
    path: Vec<u8>,
    text: Vec<u8>,
    bases: Result<Vec<String>, String>,
}

fn containerfiles(
    p: &Parsed,
    files_in: &BuildFiles,
    pol: &Pol,
    out: &mut Vec<Violation>,
) -> Option<Vec<ReadFile>> {
    let remote_ok = pol.gate(GATE_BUILD_REMOTE);
    let refuse = |out: &mut Vec<Violation>, token: String, why: &str| {
        violation(out, Rule::DenyBuild, token, why.to_string());
        None
    };
    let ctx = match p.positionals.as_slice() {
        [c] => Some(c.as_slice()),
        _ => None,
    };
    let remote = |s: &[u8]| is_url(s) || is_git(s) || s.windows(3).any(|w| w == b"://");
    let mut files: Vec<Vec<u8>> = Vec::new();
    for o in &p.opts {
        if let (Class::Dockerfile, Val::Bytes(f)) = (o.row.class, &o.value) {
            files.extend(crate::flags::podman_list_elements(f).unwrap_or_else(|| vec![f.clone()]));
        }
    }
    if ctx == Some(b"-") || files.iter().any(|f| f == b"-") {
        return refuse(
            out,
            "-".into(),
            "a Containerfile or context on standard input cannot be checked for RUN --mount",
        );
    }
    if let Some(f) = files.iter().find(|f| remote(f)) {
        return refuse(
            out,
            lossy(f),
            "a Containerfile fetched from elsewhere cannot be checked for RUN --mount",
        );
    }
    let local_ctx = ctx.filter(|c| !remote(c));
    if files.is_empty() && ctx.is_some() && local_ctx.is_none() {
        return refuse(
            out,
            lossy(ctx.unwrap_or_default()),
            "a remote context's Containerfile cannot be checked for RUN --mount",
        );
    }
    // podman reads a relative -f it does not find in the working directory from the context,
    // which for a remote one is the download the shim never sees.
    if let (Some(c), None) = (ctx, local_ctx) {
        if let Some(f) = files.iter().find(|f| f.first() != Some(&b'/')) {
            return refuse(
                out,
                format!("-f {}", lossy(f)),
                &format!(
                    "a relative Containerfile with the remote context {} may be read from the download, which the shim cannot check",
                    lossy(c)
                ),
            );
        }
    }
    let join = |dir: &[u8], name: &[u8]| {
        let mut p = dir.to_vec();
        p.push(b'/');
        p.extend_from_slice(name);
        p
    };
    // Each file with the context it lies in, when it does: read inside it.
    type Inside<'a> = Option<(&'a [u8], &'a [u8])>;
    let mut candidates: Vec<(Vec<u8>, Inside)> = Vec::new();
    if files.is_empty() {
        if let Some(c) = local_ctx {
            for name in [&b"Containerfile"[..], b"Dockerfile"] {
                candidates.push((join(c, name), Some((c, name))));
            }
        }
    }
    for f in &files {
        candidates.push((f.clone(), None));
        // podman may read a relative -f against the context (see `relative_files`).
        if let (Some(c), false) = (local_ctx, f.first() == Some(&b'/')) {
            candidates.push((join(c, f), Some((c, f.as_slice()))));
        }
    }
    let remote = format!(
        "of a URL (or of a source named by a variable, which may be one) {REMOTE_WHY}; refused by default (allow with [commands] allow = [\"{GATE_BUILD_REMOTE}\"])"
    );
    let unpack = format!(
        "of a local file unpacks it when it is an archive, device entries included, as root on a rootful host (a device node at the image's /etc/passwd is read by podman on the host at every run); use COPY, or allow with [commands] allow = [\"{GATE_BUILD_ADD}\"]"
    );
    let cache = format!(
        "a cache mount is a folder on the host every build shares, where one build (an agent's, with the packages it asked for) can leave what the next installs; allowed with [commands] allow = [\"{GATE_BUILD_CACHE}\"] (for an image the operator builds, such as nanoclaw's own container/Dockerfile), else remove the --mount flags (the build only runs slower)"
    );
    let mut texts = Vec::new();
    for (c, inside) in candidates {
        let found = match inside {
            Some((root, name)) => files_in.read_inside(root, name),
            None => (files_in.read)(&c),
        };
        let text = match found {
            SmallFile::Read(text) => text,
            SmallFile::Missing => continue,
            // podman may still read it (a FIFO, a long file): what it asks for is unknown.
            SmallFile::Unread(why) => {
                return refuse(
                    out,
                    lossy(&c),
                    &format!("the Containerfile cannot be checked for RUN --mount: {why}"),
                );
            }
        };
        let instructions = match crate::containerfile::read(&text) {
            Ok(i) => i,
            Err(why) => {
                return refuse(
                    out,
                    lossy(&c),
                    &format!(
                        "{why} (the shim reads only the part of the Containerfile language every parser reads the same)"
                    ),
                );
            }
        };
        let unpack = (!pol.gate(GATE_BUILD_ADD)).then_some(unpack.as_str());
        let cache = (!pol.gate(GATE_BUILD_CACHE)).then_some(cache.as_str());
        if let Some(why) = crate::containerfile::problem(
            &instructions,
            (!remote_ok).then_some(remote.as_str()),
            unpack,
            cache,
        ) {
            return refuse(out, lossy(&c), &why);
        }
        let bases = crate::containerfile::base_images(&instructions);
        texts.push(ReadFile { path: c, text, bases });
    }
    // Nothing found where the shim looked: podman would look elsewhere or fail, and what it
    // found there would be unchecked.
    if texts.is_empty() {
        let token = ctx.map_or_else(|| "build".to_string(), lossy);
        return refuse(
            out,
            token,
            "no Containerfile found where the shim looks for it (the -f files, else Containerfile or Dockerfile in the context), so none can be checked",
        );
    }
    Some(texts)
}

/// Which of the Containerfiles read ([`containerfiles`]) podman reads, as buildah picks them: a
/// `-f` path as given (relative to the working directory) if it exists, else beneath the
/// context; without `-f`, the context's `Containerfile` if it exists, else its `Dockerfile`.
/// A `-f` value podman could split into several files cannot be pointed at one copy, and one
/// that does not exist could be created after the check: both are refused.
fn pinned_containerfiles(
    p: &Parsed,
    rest: &[OsString],
    used: usize,
    texts: &[ReadFile],
    out: &mut Vec<Violation>,
) -> Option<Containerfiles> {
    let found = |path: &[u8]| texts.iter().find(|f| f.path == path).map(|f| f.text.clone());
    let ctx = match p.positionals.as_slice() {
        [c] => Some(c.as_slice()),
        _ => None,
    };
    let join = |dir: &[u8], name: &[u8]| [dir, b"/", name].concat();
    let mut cf = Containerfiles {
        used,
        ..Containerfiles::default()
    };
    let mut named = false;
    for o in &p.opts {
        let (Class::Dockerfile, Val::Bytes(f)) = (o.row.class, &o.value) else {
            continue;
        };
        named = true;
        let shown = format!("{} {}", o.name, lossy(f));
        let refuse = |out: &mut Vec<Violation>, why: &str| {
            violation(out, Rule::DenyBuild, shown.clone(), why.into());
            None
        };
        if crate::flags::podman_list_elements(f).is_some() {
            return refuse(
                out,
                "podman may read this value as several Containerfiles (a comma, quote or line break), which cannot be given to it as the copy the shim checked; name each with its own -f",
            );
        }
        let beneath = ctx.filter(|_| f.first() != Some(&b'/')).map(|c| join(c, f));
        let Some(text) = found(f).or_else(|| beneath.as_deref().and_then(found)) else {
            return refuse(
                out,
                "the Containerfile does not exist: podman would fail, and one created after the check would be read unchecked",
            );
        };
        let token = rest.get(o.at).map_or(0, |t| t.len());
        cf.named
            .push((used + o.at, token.saturating_sub(f.len()), text, shown));
    }
    if !named {
        let c = ctx?;
        cf.default = [join(c, b"Containerfile"), join(c, b"Dockerfile")]
            .into_iter()
            .find_map(|path| found(&path).map(|text| (path, text)));
    }
    // A local context (the checks refused every other kind before a Containerfile was read).
    if let (Some(c), [at]) = (ctx, p.positional_at.as_slice()) {
        if c != b"-" && local_source(c) {
            cf.folders.push((used + at, 0, lossy(c)));
        }
    }
    // Named contexts that are local folders, read at `COPY --from=NAME` as the context is.
    for o in &p.opts {
        let (Class::BuildContext, Val::Bytes(v)) = (o.row.class, &o.value) else {
            continue;
        };
        let Some(eq) = v.iter().position(|&c| c == b'=') else {
            continue;
        };
        if local_source(&v[eq + 1..]) {
            let token = rest.get(o.at).map_or(0, |t| t.len());
            let prefix = token.saturating_sub(v.len()) + eq + 1;
            cf.folders
                .push((used + o.at, prefix, format!("{} {}", o.name, lossy(v))));
        }
    }
    Some(cf)
}

/// The ignore file podman reads when none is named, and its text: for each Containerfile in
/// order (a relative one joined to the context), `<file>.dockerignore`, else
/// `<file>.containerignore` (docker's builder reads `<Dockerfile>.dockerignore` the same way);
/// else the context's own `.containerignore`, else its `.dockerignore`. The first found wins.
/// podman 4.3 opened the context's file by path, through a link to any host file (the fifty-ninth
/// look's `.dockerignore` linked to `~/.env`, whose every line podman then printed in an error),
/// and read a FIFO or `/dev/zero` there without end: the file is a host path the shim judges
/// (by the caller) and reads, and podman is given the sealed copy of what was read (`None`:
/// there was none, and the copy is empty). One that cannot be read whole refuses the build.
fn ignore_file(
    p: &Parsed,
    files_in: &BuildFiles,
    out: &mut Vec<Violation>,
) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    if p.opts.iter().any(|o| o.row.long == "ignorefile") {
        return None;
    }
    let ctx = match p.positionals.as_slice() {
        [c] => c.as_slice(),
        _ => return None,
    };
    let local = ctx != b"-" && local_source(ctx);
    let join = |dir: &[u8], name: &[u8]| [dir, b"/", name].concat();
    // Each place podman looks, as the folder the file is read inside and its name there: the
    // context for its own files (and a -f file named relative to it), else the -f file's folder.
    let mut files: Vec<(Vec<u8>, Vec<u8>)> = p
        .opts
        .iter()
        .filter_map(|o| match (o.row.class, &o.value) {
            (Class::Dockerfile, Val::Bytes(f)) if f.first() == Some(&b'/') => {
                let at = f.iter().rposition(|&b| b == b'/').unwrap_or(0);
                Some((f[..at.max(1)].to_vec(), f[at + 1..].to_vec()))
            }
            (Class::Dockerfile, Val::Bytes(f)) => Some((ctx.to_vec(), f.clone())),
            _ => None,
        })
        .collect();
    if files.is_empty() {
        let exists = |f: &[u8]| !matches!(files_in.read_inside(ctx, f), SmallFile::Missing);
        let name = if exists(b"Containerfile") {
            "Containerfile"
        } else {
            "Dockerfile"
        };
        files.push((ctx.to_vec(), name.as_bytes().to_vec()));
    }
    let beside = files.iter().flat_map(|(dir, f)| {
        [&b".dockerignore"[..], b".containerignore"]
            .into_iter()
            .map(move |suffix| (dir.as_slice(), [f.as_slice(), suffix].concat()))
    });
    let context = [&b".containerignore"[..], b".dockerignore"]
        .into_iter()
        .filter(|_| local)
        .map(|name| (ctx, name.to_vec()));
    for (dir, name) in beside.chain(context) {
        let path = join(dir, &name);
        match files_in.read_inside(dir, &name) {
            SmallFile::Missing => continue,
            SmallFile::Read(text) => return Some((path, Some(text))),
            SmallFile::Unread(why) => {
                violation(
                    out,
                    Rule::DenyBuild,
                    lossy(&path),
                    format!("podman reads it as the build's ignore file, and {why}"),
                );
                return None;
            }
        }
    }
    // None there now: an empty copy, so that one made in the context after the check (a link
    // to `~/.env`, the sixtieth look's race) is not read either.
    local.then(|| (join(ctx, b".dockerignore"), None))
}

/// The ignore file's copy podman is given: what was read, or nothing. podman reads one without a
/// pattern (empty, or comments alone) as none given, and then reads the context's own
/// `.dockerignore` itself (checked with podman 4.3.1: one linked to a host file was followed and
/// its lines printed in the error, past an empty `--ignorefile`), so such a copy ends with `!*`,
/// a pattern that keeps every file.
fn ignore_text(text: Option<Vec<u8>>) -> Vec<u8> {
    let mut t = text.unwrap_or_default();
    let pattern = |l: &[u8]| {
        let l = l.trim_ascii();
        !l.is_empty() && l[0] != b'#'
    };
    if !t.split(|&b| b == b'\n').any(pattern) {
        if !t.is_empty() && !t.ends_with(b"\n") {
            t.push(b'\n');
        }
        t.extend_from_slice(b"!*\n");
    }
    t
}

/// On a runtime where a base image's `ONBUILD` triggers reach the host, every image a stage
/// starts from is asked about (`bases`) before the build; a build that could start from another
/// image than the one asked about (a newer one pulled, another platform's, one named by a build
/// argument) is refused. A Containerfile the shim cannot read, the engine cannot read either.
fn base_images(p: &Parsed, texts: &[ReadFile], bases: &dyn BaseImages, out: &mut Vec<Violation>) {
    let mut refuse = |token: String, why: String| violation(out, Rule::DenyBuildBase, token, why);
    for o in &p.opts {
        let pulls = o.row.long == "pull" && matches!(&o.value, Val::Bool(true));
        if pulls || o.row.long == "platform" {
            refuse(
                format!("--{}", o.row.long),
                "the build could pull another base image than the local one the shim checks for ONBUILD triggers".into(),
            );
        }
        if o.row.long == "build-context" {
            refuse(
                "--build-context".into(),
                "a named context can stand in for a FROM image (docker-image://, oci-layout://), which the shim cannot check for ONBUILD triggers".into(),
            );
        }
    }
    let mut seen: Vec<String> = Vec::new();
    for file in texts {
        let images = match &file.bases {
            Ok(images) => images.clone(),
            Err(why) => return refuse(lossy(&file.path), why.clone()),
        };
        for image in images {
            if seen.contains(&image) {
                continue;
            }
            if let Err(why) = bases.check(&image) {
                refuse(image.clone(), why);
            }
            seen.push(image);
        }
    }
}

/// Arguments of a passthrough command are names and image references: none may name a
/// transport (`docker pull docker-archive:/home/u/x.tar` reads a host file under podman).
fn check_transports(pos: &[Vec<u8>], out: &mut Vec<Violation>) {
    for p in pos {
        match crate::containerfile::host_transport(p) {
            None => {}
            Some(t) => violation(
                out,
                Rule::DenyCommand,
                lossy(p),
                format!(
                    "the {t}: image transport reads or writes a host path under podman; docker \
                     accepts only registry references"
                ),
            ),
        }
    }
}

/// podman's own `top` descriptors (`pid,user,args`). Anything else after the container is a
/// `ps(1)` option, and podman runs `ps` with it in the container's namespaces: podman 5 the
/// host's `ps`, as root for root's containers (a thirty-sixth look's), and `ps e` prints every
/// process's environment, the `-e` secrets among them. Descriptors only, comma-separated or not.
const TOP_DESCRIPTORS: &[&str] = &[
    "args", "capamb", "capbnd", "capeff", "capinh", "capprm", "comm", "etime", "group", "hgroup", "hpid",
    "huser", "label", "nice", "pcpu", "pgid", "pid", "ppid", "rgroup", "ruser", "seccomp", "state", "stime",
    "time", "tty", "user", "vsz",
];

fn check_top(pos: &[Vec<u8>], out: &mut Vec<Violation>) {
    let ps = pos.iter().skip(1).find(|arg| {
        arg.split(|&b| b == b',')
            .filter(|d| !d.is_empty())
            .any(|d| !TOP_DESCRIPTORS.iter().any(|k| k.as_bytes() == d))
    });
    if let Some(arg) = ps {
        violation(
            out,
            Rule::DenyCommand,
            lossy(arg),
            "a ps(1) option: podman runs ps with it in the container's namespaces (podman 5 the host's ps), and some print every process's environment; name podman's descriptors instead (pid,user,args,comm,etime,...)".into(),
        );
    }
}

/// A relative `-f` is relative to the working directory for docker but may be resolved against
/// the context directory by podman: check it there too.
fn relative_files(p: &Parsed, out: &mut Vec<Violation>, host_path: &mut HostPath) {
    let [ctx] = p.positionals.as_slice() else {
        return;
    };
    if ctx.as_slice() == b"-"
        || ctx.as_slice() == b"."
        || is_url(ctx)
        || is_git(ctx)
        || ctx.windows(3).any(|w| w == b"://")
    {
        return;
    }
    for o in &p.opts {
        let (Class::Dockerfile, Val::Bytes(f)) = (o.row.class, &o.value) else {
            continue;
        };
        if f.as_slice() == b"-" || f.first() == Some(&b'/') || is_url(f) {
            continue;
        }
        let mut joined = ctx.clone();
        if joined.last() != Some(&b'/') {
            joined.push(b'/');
        }
        joined.extend_from_slice(f);
        if let Some(v) = host_path(&joined, Access::Read, &shown(&o.name, f)) {
            out.push(v);
        }
    }
}

fn is_url(s: &[u8]) -> bool {
    s.starts_with(b"http://") || s.starts_with(b"https://")
}

/// `--output`: a local or tar destination is a host write; pushing is gated.
fn check_output(
    value: &[u8],
    token: &str,
    pol: &Pol,
    out: &mut Vec<Violation>,
    refuse: &mut Refuse,
    path: &mut PathCheck,
) {
    if csv_fields(value).is_none() {
        refuse(
            out,
            token.into(),
            "--output is not well-formed CSV; refusing rather than guessing".into(),
        );
        return;
    }
    // A single plain field: a local directory, or `-` for a tar on stdout.
    let host = |out: &mut Vec<Violation>, dest: &[u8], refuse: &mut Refuse, path: &mut PathCheck| {
        if pol.gate(GATE_BUILD_OUTPUT) {
            path(out, dest, Access::Write);
        } else {
            refuse(
                out,
                token.into(),
                gated(
                    "--output to a host path",
                    "writes the build's files there when the build ends, long after the path was checked (a folder swapped for a link in between puts them in ~)",
                    GATE_BUILD_OUTPUT,
                ),
            );
        }
    };
    // As podman reads it: any value without a comma is a folder, `type=local` too (docker's
    // CLI reads that as a type): the thirty-first pass's look had podman write a build's files,
    // a setuid-root binary among them, into `./type=local` and through a link there.
    if !value.contains(&b',') {
        if value != b"-" {
            host(out, value, refuse, path);
        }
        return;
    }
    let Some(kv) = kv_fields(value) else {
        refuse(out, token.into(), "--output fields must be name=value".into());
        return;
    };
    let mut typ: &[u8] = b"";
    for (k, v) in &kv {
        match k.as_str() {
            "type" => typ = v,
            "dest" if v.as_slice() != b"-" => host(out, v, refuse, path),
            "name"
                if v.split(|&c| c == b',')
                    .any(|n| crate::containerfile::transport(n).is_some()) =>
            {
                refuse(
                    out,
                    token.into(),
                    "--output name= with a transport prefix writes to that destination".into(),
                )
            }
            "push" if crate::govalue::bool_value(v) != Some(false) && !pol.gate(GATE_BUILD_PUSH) => refuse(
                out,
                token.into(),
                gated(
                    "--output push=",
                    "uploads the image with the host's registry credentials",
                    GATE_BUILD_PUSH,
                ),
            ),
            _ => {}
        }
    }
    match typ {
        b"local" | b"tar" | b"oci" | b"docker" | b"image" | b"cacheonly" => {}
        b"registry" => {
            if !pol.gate(GATE_BUILD_PUSH) {
                refuse(
                    out,
                    token.into(),
                    gated(
                        "--output type=registry",
                        "uploads the image with the host's registry credentials",
                        GATE_BUILD_PUSH,
                    ),
                );
            }
        }
        _ => refuse(
            out,
            token.into(),
            format!("--output type {:?} is not one the shim knows", lossy(typ)),
        ),
    }
}

/// A build's own limits as written: the last of each, as pflag reads them (`None`: not named).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildLimits {
    /// How many words the command path takes (`build`: 1, `image build`: 2): where options
    /// may be added.
    pub at: usize,
    pub memory: Option<String>,
    pub memory_swap: Option<String>,
    pub shm_size: Option<String>,
    pub cpu_quota: Option<String>,
    pub cpu_period: Option<String>,
    pub cpu_shares: Option<String>,
    /// Its `--network` (the last): `none` keeps RUN steps off every network, the host's
    /// loopback included.
    pub network: Option<String>,
    /// Every `--ulimit` element it names, in order (podman reads each as a list).
    pub ulimits: Vec<String>,
}

impl BuildLimits {
    fn of(p: &Parsed, at: usize) -> BuildLimits {
        let mut seen = BuildLimits {
            at,
            ..BuildLimits::default()
        };
        for o in &p.opts {
            if let (Class::BuildNetwork, Val::Bytes(v)) = (o.row.class, &o.value) {
                seen.network = Some(lossy(v));
            }
            if o.row.class == Class::Ulimit {
                for one in build_elements(o) {
                    if let Val::Bytes(v) = one.value {
                        seen.ulimits.push(lossy(&v));
                    }
                }
            }
            let (Class::Ceiling(which), Val::Bytes(v)) = (o.row.class, &o.value) else {
                continue;
            };
            let slot = match which {
                BuildLimit::Memory => &mut seen.memory,
                BuildLimit::MemorySwap => &mut seen.memory_swap,
                BuildLimit::ShmSize => &mut seen.shm_size,
                BuildLimit::CpuQuota => &mut seen.cpu_quota,
                BuildLimit::CpuPeriod => &mut seen.cpu_period,
                BuildLimit::CpuShares => &mut seen.cpu_shares,
            };
            *slot = Some(lossy(v).trim().to_string());
        }
        seen
    }
}

/// The limits a build names, when `words` (from the first command word on) is a build that
/// parses; `None` for every other command.
pub fn build_limits(words: &[OsString]) -> Option<BuildLimits> {
    if !may_be_build(words.first()?.as_bytes()) {
        return None;
    }
    let (c, used) = lookup_words(words)?;
    if !matches!(c.kind, Kind::Build) {
        return None;
    }
    let mut scratch = Vec::new();
    parse(&words[used..], F_BUILD, true, &mut scratch).map(|p| BuildLimits::of(&p, used))
}

/// A `network create` that parses: how many words its command path takes (where options may be
/// added), and whether it names its own range (`--subnet`, `--ip-range`, `--gateway`: gated,
/// and the policy's decision when opened). `None` for every other command.
pub fn network_create(words: &[OsString]) -> Option<(usize, bool)> {
    // (Asked of every other command too: one comparison before any lookup.)
    if words.first()? != "network" {
        return None;
    }
    let (c, used) = lookup_words(words)?;
    if !matches!(
        c.kind,
        Kind::Create {
            flags: Flags::NetCreate,
            ..
        }
    ) {
        return None;
    }
    let mut scratch = Vec::new();
    let p = parse(&words[used..], F_NET_CREATE, true, &mut scratch)?;
    let ranged = p.opts.iter().any(|o| matches!(o.row.class, Class::NetRange));
    Some((used, ranged))
}

/// docker's container states podman has not: a `ps` filter for one makes podman refuse the whole
/// command (`unknown container state: dead`), and no podman container is ever in one (the shim
/// refuses restart policies, so none restarts either).
pub const STATES_PODMAN_HAS_NOT: &[&[u8]] = &[b"status=dead", b"status=restarting"];

/// A name filter anchored at the `/` docker's names start with ([`PsOnPodman::names`]).
const NAME_AT_DOCKER_S_ROOT: &[u8] = b"name=^/";

/// What a `ps` (any spelling) needs to read on podman as docker's does ([`ps_on_podman`]).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PsOnPodman {
    /// Each filter for a state podman has not, as the word of its value (in `words`, from the
    /// command word on) and the word of its flag where the value stands apart: dropped, when a
    /// filter for another state remains (filters of one key are alternatives, so the others
    /// select exactly what they did; no podman container is ever `dead`, nor `restarting`:
    /// restart policies are refused).
    pub drop: Vec<(usize, Option<usize>)>,
    /// Each `--format` value: its word, and where in it the value starts.
    pub formats: Vec<(usize, usize)>,
    /// Each name filter anchored at docker's leading `/` (`name=^/NAME$`, nanoclaw's check that
    /// a container is gone): its word, and where in it the `/` stands. podman's names have no
    /// `/`, so on podman 4.3 such a filter matched nothing (the seventy-third look's: a
    /// container still being removed was taken for gone); without it, it matches the same
    /// containers docker's does, on every podman.
    pub names: Vec<(usize, usize)>,
}

/// For a `ps`, the states to drop and the formats to read again ([`PsOnPodman`]); `None` when
/// there is neither (nearly every `ps`: no lookup, no parse). nanoclaw's newest reaping (`ps -a
/// --filter status=exited --filter status=created --filter status=dead`) failed on podman as a
/// whole, and its session adoption's `{{.Label "k"}}` on podman 4.3.
pub fn ps_on_podman(words: &[OsString]) -> Option<PsOnPodman> {
    let first = words.first()?.as_bytes();
    if first != b"ps" && first != b"container" {
        return None;
    }
    let named = |w: &OsString| {
        let w = w.as_bytes();
        let has = |needle: &[u8]| w.windows(needle.len()).any(|p| p == needle);
        STATES_PODMAN_HAS_NOT.iter().any(|s| w.ends_with(s))
            || has(b".Label")
            || has(b".State")
            || has(NAME_AT_DOCKER_S_ROOT)
    };
    if !words.iter().any(named) {
        return None;
    }
    let (p, used) = options_of(words, &[b"ps", b"container"], Flags::Ps, F_PS)?;
    let value_of = |o: &Opt| match &o.value {
        Val::Bytes(v) => Some(v.clone()),
        Val::Bool(_) => None,
    };
    let mut out = PsOnPodman::default();
    for o in p.opts.iter().filter(|o| o.row.long == "format") {
        if let Some(v) = value_of(o) {
            let token = used + o.at;
            out.formats.push((token, words[token].len() - v.len()));
        }
    }
    for o in p.opts.iter().filter(|o| o.row.long == "filter") {
        if let Some(v) = value_of(o).filter(|v| v.starts_with(NAME_AT_DOCKER_S_ROOT)) {
            let token = used + o.at;
            out.names.push((
                token,
                words[token].len() - v.len() + NAME_AT_DOCKER_S_ROOT.len() - 1,
            ));
        }
    }
    let states: Vec<&Opt> = p
        .opts
        .iter()
        .filter(|o| o.row.long == "filter")
        .filter(|o| value_of(o).is_some_and(|v| v.starts_with(b"status=")))
        .collect();
    let unknown = |o: &&Opt| value_of(o).is_some_and(|v| STATES_PODMAN_HAS_NOT.contains(&v.as_slice()));
    let (drop, keep): (Vec<&Opt>, Vec<&Opt>) = states.into_iter().partition(unknown);
    if !keep.is_empty() {
        for o in drop {
            let Some(v) = value_of(o) else { continue };
            let token = used + o.at;
            // The value alone in its word: the flag stands in the word before.
            let flag = (words[token].as_bytes() == v.as_slice()).then(|| token - 1);
            out.drop.push((token, flag));
        }
    }
    (!out.drop.is_empty() || !out.formats.is_empty() || !out.names.is_empty()).then_some(out)
}

/// The options of a call to the command whose flag table is `flags` (`table`), and how many
/// words its command path takes; `None` for any other command or an argv that does not parse.
/// `firsts`: the words such a call can begin with, compared before any lookup (nearly every
/// call is none of them).
fn options_of(
    words: &[OsString],
    firsts: &[&[u8]],
    flags: Flags,
    table: &'static [Row],
) -> Option<(Parsed, usize)> {
    let first = words.first()?.as_bytes();
    if !firsts.contains(&first) {
        return None;
    }
    let (c, used) = lookup_words(words)?;
    let Kind::Allowed {
        flags: found,
        interspersed,
        ..
    } = c.kind
    else {
        return None;
    };
    if found != flags {
        return None;
    }
    let mut scratch = Vec::new();
    parse(&words[used..], table, interspersed, &mut scratch).map(|p| (p, used))
}

/// For an `events` (`system events`) whose format is `{{json .}}` (nanoclaw's newest watch),
/// the index of the word holding it and where the value starts in that word: podman prints its
/// own shape there (`Status` in its words, `Attributes` at the top), which nanoclaw's parser,
/// reading docker's `Action` and `Actor.Attributes`, drops whole (the look `gr`). `None` for
/// every other call (no parse).
pub fn events_json_format(words: &[OsString]) -> Option<(usize, usize)> {
    let (p, used) = options_of(words, &[b"events", b"system"], Flags::Events, F_EVENTS)?;
    let last = p.opts.iter().rev().find(|o| o.row.long == "format")?;
    let Val::Bytes(v) = &last.value else {
        return None;
    };
    let token = used + last.at;
    (v.trim_ascii() == b"{{json .}}").then(|| (token, words[token].len() - v.len()))
}

/// For an `rm` (`container rm`, `container remove`) that forces, how many words its command
/// path takes: podman's `--force` stops a running container first and waits its stop timeout,
/// where docker's kills it at once ([`crate::rewrite`]'s `compat`). `None` for every other call
/// (no parse).
pub fn rm_forced(words: &[OsString]) -> Option<usize> {
    let (p, used) = options_of(words, &[b"rm", b"container"], Flags::Rm, F_RM)?;
    let last = p.opts.iter().rev().find(|o| o.row.long == "force");
    last.is_some_and(|o| matches!(o.value, Val::Bool(true)))
        .then_some(used)
}

/// A docker `ps` format as podman reads it, if it differs: docker's `{{.Label "k"}}` is
/// `{{index .Labels "k"}}` (podman 4.3 has no `Label`), and docker's `.State` (`running`,
/// `exited`) is podman's `.ListContainer.State` (podman 4.3's `.State` is the status text, `Up 2
/// minutes`; 5's agrees with docker's, and reads `.ListContainer.State` alike). Only inside an
/// action (`{{ }}`), and only a field of the row itself (not `.X.State`).
pub fn ps_format_on_podman(format: &[u8]) -> Option<Vec<u8>> {
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut out = Vec::with_capacity(format.len() + 16);
    let mut changed = false;
    let mut i = 0;
    let mut depth = false;
    while i < format.len() {
        if format[i..].starts_with(b"{{") {
            depth = true;
            out.extend_from_slice(b"{{");
            i += 2;
            continue;
        }
        if format[i..].starts_with(b"}}") {
            depth = false;
            out.extend_from_slice(b"}}");
            i += 2;
            continue;
        }
        let before_ok = i == 0 || !(ident(format[i - 1]) || format[i - 1] == b'.' || format[i - 1] == b')');
        let field = |name: &[u8]| {
            format[i..].starts_with(name) && format.get(i + name.len()).is_none_or(|&b| !ident(b))
        };
        if depth && before_ok && field(b".Label") && format.get(i + 6) == Some(&b' ') {
            out.extend_from_slice(b"index .Labels");
            i += 6;
            changed = true;
            continue;
        }
        if depth && before_ok && field(b".State") {
            out.extend_from_slice(b".ListContainer.State");
            i += 6;
            changed = true;
            continue;
        }
        out.push(format[i]);
        i += 1;
    }
    changed.then_some(out)
}

/// A build's own limits held to the policy's ceilings, as on `run`. A build that names none
/// is given them by the rewrite ([`crate::rewrite`]).
fn build_ceilings(seen: &BuildLimits, limits: &crate::policy::Limits, out: &mut Vec<Violation>) {
    // As podman's flag library reads an integer (a leading `0` is octal).
    let int = crate::units::go_int;
    let above = |v: &Option<String>, f: &dyn Fn(&str) -> Option<String>| {
        v.as_ref().and_then(|v| f(v).map(|w| (v.clone(), w)))
    };
    let checks = [
        ("memory", above(&seen.memory, &|v| limits.memory_above(v))),
        (
            "memory-swap",
            above(&seen.memory_swap, &|v| {
                limits.swap_above_for(v, seen.memory.as_deref())
            }),
        ),
        ("shm-size", above(&seen.shm_size, &|v| limits.shm_above(v))),
        (
            "cpu-quota",
            above(&seen.cpu_quota, &|q| {
                let period = seen
                    .cpu_period
                    .as_deref()
                    .map_or(Some(crate::units::CFS_PERIOD), int);
                limits.cpu_time_above(int(q), period)
            }),
        ),
        // A RUN step weighted above every agent's default took a CPU from its neighbour (the
        // thirty-fifth pass's look: 0 % of a CPU on podman 4.3 and 5.4, as on `run` before).
        (
            "cpu-shares",
            above(&seen.cpu_shares, &|v| crate::deny::weight_above("cpu-shares", v)),
        ),
    ];
    for (name, found) in checks {
        if let Some((value, why)) = found {
            violation(out, Rule::DenyCeiling, format!("--{name}={value}"), why);
        }
    }
    // Open files per process, as on `run`: a RUN step got the host's maximum on podman 5.
    if let Some(max) = limits.open_files {
        for u in seen.ulimits.iter().filter(|u| crate::units::names_nofile(u)) {
            if crate::units::nofile(u).is_none_or(|(_, hard)| hard > max) {
                violation(
                    out,
                    Rule::DenyCeiling,
                    format!("--ulimit={u}"),
                    format!("open files above the ceiling of {max}, or not a limit podman reads as one"),
                );
            }
        }
    }
}

/// Whether a CIDR (`10.89.0.0/24`, `fd00:1::/64`) or an address (a `--gateway`) lies within the
/// private ranges: RFC 1918's for IPv4, unique local addresses (`fc00::/7`) for IPv6. Anything
/// unparsable is not.
fn private_range(cidr: &str) -> bool {
    let (addr, len) = match cidr.trim().split_once('/') {
        Some((addr, len)) => match len.parse::<u32>() {
            Ok(len) => (addr, len),
            Err(_) => return false,
        },
        None if cidr.trim().contains(':') => (cidr.trim(), 128),
        None => (cidr.trim(), 32),
    };
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) if len <= 32 => {
            let a = u32::from(a);
            let within = |net: u32, bits: u32| len >= bits && (a >> (32 - bits)) == (net >> (32 - bits));
            within(0x0a00_0000, 8) || within(0xac10_0000, 12) || within(0xc0a8_0000, 16)
        }
        Ok(std::net::IpAddr::V6(a)) if len <= 128 => len >= 7 && a.octets()[0] & 0xfe == 0xfc,
        _ => false,
    }
}

/// Whether a `--cache-to` value exports to a registry: a bare reference, or `type=registry`.
fn pushes_cache(value: &[u8]) -> bool {
    match csv_fields(value) {
        Some(fields) if fields.len() == 1 && !fields[0].contains(&b'=') => true,
        Some(_) => kv_fields(value)
            .is_none_or(|kv| kv.iter().any(|(k, v)| k == "type" && v.as_slice() == b"registry")),
        None => true,
    }
}

/// `--cache-from` / `--cache-to`: registry refs and local directories (a host read/write).
fn check_cache(
    value: &[u8],
    token: &str,
    pol: &Pol,
    out: &mut Vec<Violation>,
    refuse: &mut Refuse,
    path: &mut PathCheck,
) {
    let Some(fields) = csv_fields(value) else {
        refuse(
            out,
            token.into(),
            "cache option is not well-formed CSV; refusing rather than guessing".into(),
        );
        return;
    };
    if fields.len() == 1 && !fields[0].contains(&b'=') {
        // A registry reference; podman would honour a transport prefix.
        if crate::containerfile::transport(&fields[0]).is_some() {
            refuse(
                out,
                token.into(),
                "a cache reference with a transport prefix names a host path under podman".into(),
            );
        }
        return;
    }
    let Some(kv) = kv_fields(value) else {
        refuse(out, token.into(), "cache option fields must be name=value".into());
        return;
    };
    let typ = kv.iter().find(|(k, _)| k == "type").map(|(_, v)| v.as_slice());
    match typ {
        Some(b"registry" | b"inline" | b"local") => {}
        Some(b"gha" | b"s3" | b"azblob") => {
            refuse(
                out,
                token.into(),
                "this cache backend reads cloud credentials from the host's environment".into(),
            );
            return;
        }
        _ => {
            refuse(
                out,
                token.into(),
                "cache type missing or not registry, inline or local".into(),
            );
            return;
        }
    }
    for (k, v) in &kv {
        match k.as_str() {
            "src" => path(out, v, Access::Read),
            // A local cache is written when the build ends: gated as the build's outputs are.
            "dest" if pol.gate(GATE_BUILD_OUTPUT) => path(out, v, Access::Write),
            "dest" => refuse(
                out,
                token.into(),
                gated(
                    "--cache-to dest=",
                    "writes the build cache to that host folder when the build ends, long after the path was checked",
                    GATE_BUILD_OUTPUT,
                ),
            ),
            _ => {}
        }
    }
}
