//! The command allow-list and the hardened `build` / `network create` / `volume create`, driven
//! through `nanoclaw_shim::commands::check` as a library, with an in-memory host-path model that
//! records every (path, access) it is asked about.

use std::ffi::OsString;

use nanoclaw_shim::hostfs::SmallFile;

use nanoclaw_shim::commands::{self, Access, CommandsPolicy};
use nanoclaw_shim::deny::{Named, Violation};
use proptest::prelude::*;

/// The rule the test host-path model reports for a refused path.
const PATH_RULE: nanoclaw_shim::rules::Rule = nanoclaw_shim::rules::Rule::DenyHostFile;

struct Outcome {
    violations: Vec<Violation>,
    /// Every host-path question: (path, access, display token).
    asked: Vec<(String, Access, String)>,
}

impl Outcome {
    fn rules(&self) -> Vec<&'static str> {
        self.violations.iter().map(|v| v.rule.as_str()).collect()
    }
    fn paths(&self) -> Vec<(String, Access)> {
        self.asked.iter().map(|(p, a, _)| (p.clone(), *a)).collect()
    }
}

/// Every Containerfile on the test host: nothing in it for a check to refuse.
const PLAIN_CONTAINERFILE: &[u8] = b"FROM img\nRUN true\n";

/// The test host's files: every path a Containerfile, but for ignore files, of which it has none.
fn plain_files(p: &[u8]) -> SmallFile {
    if p.ends_with(b"ignore") {
        SmallFile::Missing
    } else {
        SmallFile::Read(PLAIN_CONTAINERFILE.to_vec())
    }
}

/// Runs the checks; the host model refuses any path containing `.ssh`, and every file a build
/// reads is [`PLAIN_CONTAINERFILE`] (no ignore file lies beside one).
fn check_with(words: &[&str], policy: &CommandsPolicy) -> Outcome {
    let argv: Vec<OsString> = words.iter().map(OsString::from).collect();
    let mut asked = Vec::new();
    let mut host = |p: &[u8], a: Access, token: &str| -> Option<Violation> {
        let p = String::from_utf8_lossy(p).into_owned();
        asked.push((p.clone(), a, token.to_string()));
        p.contains(".ssh").then(|| Violation {
            rule: PATH_RULE,
            token: token.to_string(),
            reason: "credentials".into(),
        })
    };
    let files = commands::BuildFiles {
        read: &plain_files,
        read_in: None,
        bases: None,
        limits: None,
        images: None,
        volumes: None,
        networks: None,
        connectable: None,
        volume_on_host: None,
    };
    let violations = commands::check_with(&argv, policy, &mut host, &files, &[]);
    Outcome { violations, asked }
}

fn check(words: &[&str]) -> Outcome {
    check_with(words, &CommandsPolicy::default())
}

fn policy(allow: &[&str], deny: &[&str]) -> CommandsPolicy {
    CommandsPolicy {
        allow: allow.iter().map(|s| s.to_string()).collect(),
        deny: deny.iter().map(|s| s.to_string()).collect(),
    }
}

#[track_caller]
fn assert_allowed(words: &[&str]) {
    let o = check(words);
    assert!(o.violations.is_empty(), "{words:?} refused: {:?}", o.violations);
}

/// Refused, and every violation carries `rule`.
#[track_caller]
fn assert_refused(words: &[&str], rule: &str) {
    let o = check(words);
    assert!(!o.violations.is_empty(), "{words:?} was allowed, expected {rule}");
    assert!(
        o.rules().iter().all(|r| *r == rule),
        "{words:?}: expected only {rule}, got {:?}",
        o.violations
    );
}

// ---------------------------------------------------------------------------------------------
// What nanoclaw runs: every generation's non-run calls pass.

const NANOCLAW_CALLS: &[&[&str]] = &[
    &[],
    &["--version"],
    &["--help"],
    &["info"],
    &["version"],
    &[
        "ps",
        "--filter",
        "label=nanoclaw-install=ab",
        "--format",
        "{{.Names}}",
    ],
    &["ps", "--filter", "name=nanoclaw-", "--format", "{{.Names}}"],
    &[
        "ps",
        "-a",
        "--filter",
        "label=nanoclaw-install=ab",
        "--format",
        "{{.Names}}|{{.State}}|{{.Label \"nanoclaw-group\"}}",
    ],
    &["stop", "-t", "1", "nanoclaw-main-1"],
    &["stop", "-t", "10", "ncl-ab-s1"],
    &["start", "--attach", "ncl-ab-s1"],
    &["inspect", "--format", "{{.State.Status}}", "ncl-ab-s1"],
    &["rm", "--force", "ncl-ab-s1"],
    &["network", "create", "--internal", "ncl-ab-s1"],
    &[
        "network",
        "connect",
        "--alias",
        "egress",
        "ncl-ab-s1",
        "ncl-ab-gw",
    ],
    &["network", "ls", "--filter", "name=ncl-", "--format", "{{.Name}}"],
    &["network", "rm", "ncl-ab-s1"],
    &[
        "events",
        "--filter",
        "type=container",
        "--filter",
        "label=nanoclaw-install=ab",
        "--format",
        "{{json .}}",
    ],
    &["image", "inspect", "nanoclaw-agent:latest"],
    &["image", "inspect", "--format", "{{.Id}}", "nanoclaw-agent:latest"],
    &[
        "ps",
        "-a",
        "--filter",
        "name=^/ncl-ab-s1$",
        "--format",
        "{{.Names}}",
    ],
    &[
        "ps",
        "-a",
        "--filter",
        "label=nanoclaw-install=ab",
        "--filter",
        "status=exited",
        "--filter",
        "status=created",
        "--format",
        "{{.Names}}|{{.Label \"nanoclaw-session\"}}|{{.Label \"nanoclaw-role\"}}",
    ],
    &[
        "network",
        "create",
        "--internal",
        "--label",
        "nanoclaw-install=ab",
        "--label",
        "nanoclaw-role=session-network",
        "ncl-ab-s1-private",
    ],
    &["start", "ncl-ab-s1-egress"],
    &[
        "build",
        "-t",
        "nanoclaw-agent:g1",
        "-f",
        "/home/alice/nanoclaw/data/Dockerfile.g1",
        ".",
    ],
    &[
        "build",
        "-t",
        "nanoclaw-agent-v2-0a1b2c3d:latest",
        "-f",
        "/srv/nanoclaw/data/Dockerfile.ag1",
        ".",
    ],
];

#[test]
fn nanoclaw_calls_pass() {
    for words in NANOCLAW_CALLS {
        assert_allowed(words);
    }
}

#[test]
fn nanoclaw_build_checks_its_dockerfile_and_context() {
    let o = check(&[
        "build",
        "-t",
        "nanoclaw-agent:g1",
        "-f",
        "/home/alice/nanoclaw/data/Dockerfile.g1",
        ".",
    ]);
    assert!(o.violations.is_empty(), "{:?}", o.violations);
    assert_eq!(
        o.paths(),
        vec![
            (
                "/home/alice/nanoclaw/data/Dockerfile.g1".to_string(),
                Access::Read
            ),
            (".".to_string(), Access::Read),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Allowed: inspection and lifecycle, every spelling, flags in docker's grammar.

#[test]
fn inspection_and_lifecycle_pass() {
    let cases: &[&[&str]] = &[
        &["info", "--format", "{{.ServerVersion}}"],
        &["system", "info"],
        &["version", "-f", "{{.Server.Version}}"],
        &["container", "ls", "-aq"],
        &["container", "ps", "--no-trunc"],
        &["container", "list", "-n", "3"],
        &["container", "inspect", "-s", "n"],
        &["container", "stop", "n"],
        &["container", "start", "-a", "n"],
        &["container", "rm", "-fv", "n"],
        &["container", "remove", "n"],
        &["container", "kill", "--signal=KILL", "n"],
        &["container", "wait", "n"],
        &["container", "logs", "--tail", "50", "n"],
        &["container", "top", "n", "pid,user", "args"],
        &["top", "n", "pid,,comm", "etime"],
        &["container", "stats", "--no-stream", "n"],
        &["container", "port", "n"],
        &["container", "attach", "--no-stdin", "n"],
        &["container", "exists", "n"],
        &["kill", "-s", "TERM", "a", "b"],
        &["wait", "n"],
        &["logs", "-f", "--since=5m", "n"],
        &["logs", "n", "--timestamps"],
        &["top", "n"],
        &["stats", "--all"],
        &["port", "n", "80/tcp"],
        &["attach", "n"],
        &["pause", "n"],
        &["unpause", "n"],
        &["rename", "a", "b"],
        &["restart", "-t", "2", "n"],
        &["stop", "--time", "3", "n"],
        &["stop", "--timeout=3", "n"],
        &["diff", "n"],
        &["history", "img"],
        &["images", "-q"],
        &["image", "ls", "--format", "{{.Repository}}"],
        &["image", "list"],
        &["image", "rm", "img"],
        &["image", "remove", "img"],
        &["rmi", "-f", "img"],
        &["pull", "node:22-slim"],
        &["pull", "docker://docker.io/library/node:22-slim"],
        // A short name, not a transport (podman: docker.io/library/docker:alpine).
        &["pull", "docker:alpine"],
        &["pull", "localhost:5000/agent:1"],
        &["image", "inspect", "registry.example:443/x/y:z"],
        &["image", "pull", "--platform", "linux/amd64", "node:22-slim"],
        &["tag", "a:1", "b:2"],
        &["image", "tag", "a:1", "b:2"],
        &["image", "prune", "-f"],
        &["network", "inspect", "n"],
        &["network", "list"],
        &["network", "remove", "n"],
        &["network", "disconnect", "-f", "n", "c"],
        &["volume", "ls"],
        &["volume", "list", "-q"],
        &["volume", "inspect", "v"],
        &["volume", "rm", "v"],
        &["volume", "remove", "v"],
        &["volume", "create", "v"],
        &["volume", "create", "--driver", "local", "--label", "a=b", "v"],
        &["system", "df", "-v"],
        &["system", "events", "--since", "1h"],
        &["healthcheck", "run", "n"],
        &["help"],
        &["help", "ps"],
        &["stop", "--help"],
        &["ps", "-h"],
        // `--` ends flags; nothing after it is parsed.
        &["rm", "--", "n"],
        // Values that look like flags pass when attached.
        &["logs", "--since=-5m", "n"],
        &["ps", "--format=--runtime"],
    ];
    for words in cases {
        assert_allowed(words);
    }
}

#[test]
fn run_create_exec_update_are_not_checked_here() {
    for words in [
        &["run", "--privileged", "-v", "/:/host", "img"][..],
        &["container", "run", "--privileged", "img"],
        &["create", "--cap-add", "ALL", "img"],
        &["container", "create", "img"],
        &["exec", "-u", "0", "c", "sh"],
        &["container", "exec", "c", "sh"],
        &["update", "--memory", "1g", "c"],
        &["container", "update", "c"],
    ] {
        let o = check(words);
        assert!(o.violations.is_empty(), "{words:?}: {:?}", o.violations);
        assert!(o.asked.is_empty(), "{words:?} asked about host paths");
    }
}

#[test]
fn passthrough_commands_never_ask_about_host_paths() {
    for words in NANOCLAW_CALLS.iter().filter(|w| w.first() != Some(&"build")) {
        assert!(check(words).asked.is_empty(), "{words:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Refused commands: each class, default-deny for everything unknown.

#[test]
fn refused_commands() {
    let cases: &[&[&str]] = &[
        &["cp", "c:/etc/passwd", "/tmp/x"],
        &["container", "cp", "/home/alice/.bashrc", "c:/x"],
        &["container", "clone", "c", "c2"],
        &["commit", "c", "img"],
        &["container", "commit", "c"],
        &["export", "-o", "/tmp/fs.tar", "c"],
        &["container", "export", "c"],
        &["save", "-o", "/home/alice/.bashrc", "img"],
        &["image", "save", "img"],
        &["load", "-i", "/tmp/i.tar"],
        &["image", "load"],
        &["import", "/tmp/fs.tar"],
        &["image", "import", "/tmp/fs.tar"],
        &["push", "img"],
        &["image", "push", "img"],
        &["pod", "create", "p"],
        &["pod", "ps"],
        &["kube", "play", "/tmp/pod.yaml"],
        &["play", "kube", "/tmp/pod.yaml"],
        &["generate", "systemd", "c"],
        &["system", "service", "--time=0"],
        &["system", "reset", "-f"],
        &["system", "migrate"],
        &["system", "renumber"],
        &["system", "prune", "-af"],
        &["system", "connection", "add", "x", "ssh://h"],
        &["compose", "up"],
        &["buildx", "ls"],
        &["buildx", "create", "--driver", "docker-container"],
        &["buildx", "--builder", "x", "build", "."],
        &["builder", "prune"],
        &["bake"],
        &["context", "use", "remote"],
        &["login", "-u", "u", "registry"],
        &["logout"],
        &["secret", "create", "s", "/home/alice/.ssh/id_rsa"],
        &["mount", "c"],
        &["container", "mount", "c"],
        &["unmount", "c"],
        &["umount", "c"],
        &["image", "mount", "img"],
        &["unshare", "cat", "/etc/shadow"],
        &["container", "runlabel", "install", "img"],
        &["container", "checkpoint", "c"],
        &["container", "restore", "c"],
        &["checkpoint", "create", "c", "cp1"],
        &["machine", "init"],
        &["manifest", "push", "m"],
        &["farm", "build", "."],
        &["plugin", "install", "vieux/sshfs"],
        &["swarm", "init"],
        &["service", "create", "img"],
        &["stack", "deploy", "s"],
        &["node", "ls"],
        &["config", "create", "c", "/etc/passwd"],
        &["trust", "sign", "img"],
        &["auto-update"],
        &["search", "alpine"],
        // Unknown: default-deny.
        &["frobnicate"],
        &["container", "frobnicate"],
        &["image", "frobnicate"],
        &["network"],
        &["network", "reload", "--all"],
        &["volume", "export", "v"],
        &["volume", "import", "v", "/tmp/v.tar"],
        // Case-sensitive, like docker's CLI.
        &["PS"],
        &["Container", "ls"],
        // A flag where the command should be.
        &["--log-level", "debug", "ps"],
        // Image transports: podman reads or writes the host path they name.
        &["pull", "docker-archive:/home/alice/x.tar"],
        &["pull", "oci-archive:/tmp/x.tar"],
        &["image", "pull", "dir:/home/alice/.ssh"],
        &["pull", "OCI:/tmp/layout"],
        &["image", "inspect", "oci:/tmp/layout"],
        &["tag", "docker-archive:/tmp/x.tar", "b"],
        &["rmi", "containers-storage:x"],
    ];
    for words in cases {
        assert_refused(words, "deny.command");
    }
}

#[test]
fn refusal_names_the_command_and_the_switch() {
    let o = check(&["cp", "c:/x", "/y"]);
    assert_eq!(o.violations.len(), 1);
    let v = &o.violations[0];
    assert_eq!(v.token, "cp");
    assert!(v.reason.contains("host"), "{}", v.reason);
    assert!(
        v.reason.contains("[commands] allow = [\"container cp\"]"),
        "{}",
        v.reason
    );
    let o = check(&["frobnicate", "--x"]);
    assert!(
        o.violations[0]
            .reason
            .contains("[commands] allow = [\"frobnicate\"]"),
        "{:?}",
        o.violations
    );
}

// ---------------------------------------------------------------------------------------------
// Allowed commands are parsed with docker's table: podman's persistent global flags (which
// would run host binaries or write host files) and podman-only flags are refused.

#[test]
fn flags_docker_does_not_define_are_refused() {
    let cases: &[&[&str]] = &[
        &["ps", "--runtime", "/tmp/evil"],
        &["stop", "--runtime=/home/alice/evil", "n"],
        &["stop", "--hooks-dir=/home/alice/hooks", "n"],
        &["start", "--conmon", "/tmp/x", "n"],
        &["ps", "--cpu-profile", "/home/alice/.bashrc"],
        &["ps", "--out", "/home/alice/.bashrc"],
        &["info", "--module", "/tmp/evil.conf"],
        &["images", "--root", "/tmp/r"],
        &["inspect", "--storage-opt", "x", "n"],
        &["rm", "--cidfile", "/home/alice/.ssh/id_rsa"],
        &["kill", "--cidfile=/etc/shadow"],
        &["pull", "--authfile", "/home/alice/.docker/config.json", "img"],
        &["pull", "--cert-dir", "/etc/pki", "img"],
        &["network", "create", "--interface-name", "eth0", "n"],
        &["volume", "create", "--ignore", "v"],
        &["logs", "--color", "n"],
        &["ps", "-x"],
        // docker stops at the first argument of `top` / `tag`; podman may not.
        &["top", "n", "--runtime=/tmp/x"],
        &["tag", "a", "--root=/tmp", "b"],
        &["top", "n", "-ef"],
        // Short flags podman reads otherwise: `rm -l` is its `--latest` (the newest container,
        // not one named), `logs -n X` its `--names` with X a container.
        &["rm", "-l"],
        &["rm", "-fl", "n"],
        &["logs", "-n", "5", "n"],
        &["container", "logs", "-n5", "n"],
    ];
    for words in cases {
        assert_refused(words, "parse.unknown-flag");
    }
}

/// After the container, `top` takes podman's descriptors only: anything else is a `ps(1)` option,
/// which podman runs `ps` with (podman 5 the host's), and `ps e` prints every process's
/// environment (a thirty-sixth look's).
#[test]
fn top_takes_podman_s_descriptors_not_ps_options() {
    let cases: &[&[&str]] = &[
        &["top", "n", "aux"],
        &["container", "top", "n", "e"],
        &["top", "n", "pid", "eww"],
        &["top", "n", "pid,e"],
        &["top", "n", "PID"],
    ];
    for words in cases {
        assert_refused(words, "deny.command");
    }
}

#[test]
fn missing_and_ambiguous_values_are_refused() {
    let cases: &[&[&str]] = &[
        &["stop", "-t"],
        &["ps", "--format"],
        &["logs", "--since", "-5m", "n"],
        &["ps", "--format", "--runtime=/tmp/x"],
        &["stop", "-t", "-1", "n"],
        &["build", "-f"],
        &["build", "--tag"],
        &["build", "--memory-swap", "-1", "."],
        &["build", "-t", "--network=host", "."],
    ];
    for words in cases {
        assert_refused(words, "parse.missing-value");
    }
}

#[test]
fn bad_booleans_are_refused() {
    assert_refused(&["ps", "--all=maybe"], "parse.bad-bool");
    assert_refused(&["ps", "-a=maybe"], "parse.bad-bool");
    assert_refused(&["build", "--check=maybe", "."], "parse.bad-bool");
    assert_allowed(&["ps", "--all=false"]);
    assert_allowed(&["ps", "-a=T"]);
    assert_allowed(&["build", "--check", "."]);
}

#[test]
fn bad_flag_syntax_is_refused() {
    assert_refused(&["ps", "---all"], "parse.bad-syntax");
    assert_refused(&["ps", "--=x"], "parse.bad-syntax");
    assert_refused(&["build", "--=x", "."], "parse.bad-syntax");
}

#[test]
fn start_checkpoints_are_refused() {
    assert_refused(&["start", "--checkpoint", "c1", "n"], "deny.command");
    assert_refused(&["start", "--checkpoint-dir=/home/alice/ck", "n"], "deny.command");
}

// ---------------------------------------------------------------------------------------------
// volume create / network create.

#[test]
fn host_backed_volumes_are_refused() {
    let cases: &[&[&str]] = &[
        &[
            "volume",
            "create",
            "-o",
            "type=none,o=bind,device=/home/alice",
            "v",
        ],
        &["volume", "create", "--opt=device=/", "v"],
        &["volume", "create", "-d", "local", "-o", "type=tmpfs", "v"],
        &["volume", "create", "--driver", "nfs", "v"],
        &["volume", "create", "-d", "image", "v"],
        &["volume", "create", "--type", "mount", "v"],
        &["volume", "create", "--secret", "s=x", "v"],
    ];
    for words in cases {
        assert_refused(words, "deny.command");
    }
    let o = check(&["volume", "create", "-o", "device=/", "v"]);
    assert!(
        o.violations[0]
            .reason
            .contains("[commands] allow = [\"volume create --opt\"]"),
        "{:?}",
        o.violations
    );
}

#[test]
fn host_attached_networks_are_refused() {
    let cases: &[&[&str]] = &[
        &["network", "create", "-d", "macvlan", "n"],
        &["network", "create", "--driver=ipvlan", "n"],
        &["network", "create", "-o", "parent=eth0", "n"],
        &[
            "network",
            "create",
            "-o",
            "com.docker.network.bridge.name=br0",
            "n",
        ],
        &["network", "create", "--ipam-driver", "dhcp", "n"],
        &["network", "create", "--ipam-opt", "x=y", "n"],
        // Review 3: a bridge on a routed range takes the host's route to it (rootful).
        &["network", "create", "--subnet", "198.51.100.0/24", "n"],
        &["network", "create", "--subnet=8.8.8.0/24", "n"],
        &["network", "create", "--subnet", "100.64.0.0/10", "n"],
        &["network", "create", "--subnet", "172.32.0.0/16", "n"],
        &["network", "create", "--subnet", "10.0.0.0/7", "n"],
        &["network", "create", "--subnet", "2001:db8::/64", "n"],
        &[
            "network",
            "create",
            "--subnet",
            "10.89.0.0/24",
            "--ip-range",
            "11.0.0.0/25",
            "n",
        ],
        &["network", "create", "--subnet", "junk", "n"],
        // A thirty-eighth look's: a private range holding an address the host reaches through
        // its default route (its DNS server here) takes the host's route there, rootful.
        &["network", "create", "--subnet", "10.255.255.0/24", "n"],
        &["network", "create", "--ipv6", "--subnet", "fd00::/64", "n"],
        &["network", "create", "--gateway", "10.89.0.1", "n"],
    ];
    for words in cases {
        assert_refused(words, "deny.command");
    }
    for words in [
        &["network", "create", "-d", "bridge", "n"][..],
        &["network", "create", "-o", "mtu=1400", "n"],
        &["network", "create", "--opt", "isolate=true", "n"],
        &["network", "create", "--ipam-driver=host-local", "n"],
        &["network", "create", "--ipv6", "n"],
        &[
            "network",
            "create",
            "--label",
            "nanoclaw-install=ab",
            "--internal",
            "n",
        ],
    ] {
        assert_allowed(words);
    }
    // Where the policy lets the caller choose the range: private ranges only, as before.
    let subnets = policy(&["network create --subnet"], &[]);
    for words in [
        &["network", "create", "--subnet", "198.51.100.0/24", "n"][..],
        &[
            "network",
            "create",
            "--subnet",
            "10.89.0.0/24",
            "--ip-range",
            "11.0.0.0/25",
            "n",
        ],
        &[
            "network",
            "create",
            "--subnet",
            "10.89.0.0/24",
            "--gateway",
            "8.8.8.8",
            "n",
        ],
        &["network", "create", "--subnet", "junk", "n"],
    ] {
        let o = check_with(words, &subnets);
        assert!(!o.violations.is_empty(), "{words:?} was allowed");
    }
    for words in [
        &["network", "create", "-d", "bridge", "n"][..],
        &["network", "create", "-o", "mtu=1400", "n"],
        &["network", "create", "--opt", "isolate=true", "n"],
        &[
            "network",
            "create",
            "--subnet",
            "10.89.0.0/24",
            "--gateway",
            "10.89.0.1",
            "n",
        ],
        &["network", "create", "--ipam-driver=host-local", "n"],
        &["network", "create", "--subnet", "172.20.0.0/16", "n"],
        &[
            "network",
            "create",
            "--subnet",
            "192.168.77.0/24",
            "--ip-range",
            "192.168.77.128/25",
            "n",
        ],
        &[
            "network",
            "create",
            "--ipv6",
            "--subnet",
            "fd00:dead:beef::/64",
            "n",
        ],
        &[
            "network",
            "create",
            "--label",
            "nanoclaw-install=ab",
            "--internal",
            "n",
        ],
    ] {
        let o = check_with(words, &subnets);
        assert!(o.violations.is_empty(), "{words:?} refused: {:?}", o.violations);
    }
}

// ---------------------------------------------------------------------------------------------
// build: hardened.

#[test]
fn build_refusals() {
    let cases: &[&[&str]] = &[
        &["build", "--network", "host", "."],
        &["build", "--network=host", "."],
        &["build", "--network=container:x", "."],
        &["build", "--network=ns:/proc/1/ns/net", "."],
        &["build", "--network=slirp4netns:allow_host_loopback=true", "."],
        &["build", "--allow", "network.host", "."],
        &["build", "--allow=security.insecure", "."],
        &["build", "--allow", "device", "."],
        &["build", "--security-opt", "seccomp=unconfined", "."],
        &["build", "--security-opt=apparmor=unconfined", "."],
        &["build", "--security-opt", "label=disable", "."],
        &[
            "build",
            "--security-opt",
            "no-new-privileges,seccomp=unconfined",
            ".",
        ],
        &["build", "--security-opt", "seccomp=/home/alice/p.json", "."],
        &["build", "--cgroup-parent", "/", "."],
        &["build", "--ssh", "default", "."],
        &["build", "--ssh=id=/home/alice/key", "."],
        &["build", "--secret", "id=tok,env=GITHUB_TOKEN", "."],
        &["build", "--secret", "id=tok,type=env", "."],
        &["build", "--secret", "id=AWS_SECRET_ACCESS_KEY", "."],
        &["build", "--secret", "id=x,frob=1", "."],
        &["build", "--ulimit", "rtprio=99", "."],
        &["build", "--ulimit=rttime=1:2", "."],
        &["build", "--ulimit", "RTPRIO=1", "."],
        &["build", "--ulimit", "host", "."],
        &["build", "--isolation", "chroot", "."],
        &["build", "--isolation=", "."],
        &["build", "--builder", "remote", "."],
        &["build", "--build-arg", "ANTHROPIC_API_KEY", "."],
        &["build", "--push", "-t", "r/x", "."],
        &["build", "-o", "type=registry", "."],
        &["build", "-o", "type=image,name=r/x,push=true", "."],
        &["build", "-o", "type=frob", "."],
        &["build", "-o", "type=local,dest=\"/tmp/x", "."],
        &["build", "--cache-to", "type=gha", "."],
        // Review 3: a cache exported to a registry is pushed with the host's credentials.
        &[
            "build",
            "--cache-to",
            "127.0.0.1:5999/victim/repo",
            "-t",
            "x",
            ".",
        ],
        &["build", "--cache-to", "type=registry,ref=r/x", "."],
        &["build", "--cache-from", "type=s3,region=x,bucket=b", "."],
        &["build", "--cache-from", "type=frob,src=/x", "."],
        &["build", "--build-context", "src=git@github.com:x/y.git", "."],
        &["build", "--build-context", "src=weird://x", "."],
        &["build", "--build-context", "nonamed", "."],
        &["build", "git@github.com:x/private.git"],
        &["build", "https://github.com/x/private.git#main"],
        &["build", "git://example.com/x"],
        &["build", "ssh://git@example.com/x"],
        &["build", "-t", "x"],
        &["build", "a", "b"],
        &["build", "-t", "oci-archive:/home/alice/.bashrc", "."],
        &["build", "--tag=dir:/home/alice/.config/autostart", "."],
        &["build", "-t", "docker://registry.example/x", "."],
        &["build", "--cache-from", "oci-archive:/home/alice/c.tar", "."],
        &["build", "--cache-to", "dir:/home/alice/.config", "."],
        &["build", "-o", "type=image,name=oci-archive:/tmp/x.tar", "."],
        &["build", "-f", "Containerfile.in", "."],
        &["build", "--file=/srv/x/Dockerfile.in", "."],
    ];
    for words in cases {
        assert_refused(words, "deny.build");
    }
}

#[test]
fn build_flags_docker_lacks_are_refused() {
    // podman build accepts these; docker's build does not: refused, never guessed.
    let cases: &[&[&str]] = &[
        &["build", "-v", "/:/host", "."],
        &["build", "--volume=/home/alice:/h", "."],
        &["build", "--device", "/dev/kvm", "."],
        &["build", "--cap-add", "SYS_ADMIN", "."],
        &["build", "--net", "host", "."],
        &["build", "--runtime", "/tmp/evil", "."],
        &["build", "--authfile", "/home/alice/.docker/config.json", "."],
        &["build", "--policy", "filename=/tmp/p", "."],
        &["build", "--root", "/tmp/r", "."],
        &["build", "-qv", "/:/h", "."],
        &["image", "build", "--volume", "/:/h", "."],
    ];
    for words in cases {
        assert_refused(words, "parse.unknown-flag");
    }
}

#[test]
fn build_look_alikes_pass() {
    let cases: &[&[&str]] = &[
        &["build", "-qt", "x", "."],
        &["build", "-tfoo", "."],
        &["build", "-t=foo", "."],
        &["build", ".", "-t", "x"],
        &["build", "--no-cache=true", "--pull", "-t", "x", "."],
        &["build", "--network=none", "."],
        &["build", "--network", "default", "."],
        &["build", "--security-opt", "no-new-privileges", "."],
        &["build", "--security-opt=no-new-privileges:true", "."],
        &["build", "--ulimit", "nofile=1024:2048", "."],
        &["build", "--isolation", "default", "."],
        &["build", "-o", "type=docker,name=nanoclaw-x", "."],
        &["build", "--output=-", "."],
        &["build", "--load", "."],
        &["build", "--cache-from", "user/app:cache", "."],
        &["build", "--cache-to", "type=inline", "."],
        &["build", "--cache-from", "type=registry,ref=user/app:cache", "."],
        &[
            "build",
            "--build-context",
            "base=docker-image://node:22-slim",
            ".",
        ],
        &["build", "--build-arg", "BASE=node:22-slim", "."],
        &["build", "--build-arg=NPM_CONFIG_REGISTRY=https://r", "."],
        &["build", "--label", "nanoclaw-install=ab", "."],
        &["build", "--platform", "linux/amd64", "--target", "final", "."],
        &["build", "--progress=plain", "--add-host", "h:1.2.3.4", "."],
        &["build", "--secret", "id=npm,src=/run/secrets/npmrc", "."],
        &["build", "--memory", "2g", "--memory-swap=-1", "-c", "512", "."],
        &["build", "--squash", "--rm=false", "--force-rm", "--compress", "."],
        &["build", "--disable-content-trust", "-D", "."],
        &["build", "--call", "check", "."],
        &["build", "--shm-size", "256m", "--no-cache-filter", "s", "."],
        &[
            "build",
            "--attest",
            "type=sbom",
            "--provenance=false",
            "--sbom=true",
            ".",
        ],
        &["build", "--", "."],
        &["image", "build", "-t", "x", "."],
        &["builder", "build", "-t", "x", "."],
        &["buildx", "build", "-t", "x", "."],
        &["build", "--push=false", "."],
    ];
    for words in cases {
        assert_allowed(words);
    }
}

/// (argv after `build`, the host-path questions it must ask, in order).
type PathCase = (&'static [&'static str], &'static [(&'static str, Access)]);

const BUILD_PATHS: &[PathCase] = &[
    (
        &["-f", "/d/Dockerfile", "."],
        &[("/d/Dockerfile", Access::Read), (".", Access::Read)],
    ),
    (
        &["--file=/d/F", "ctx"],
        &[("/d/F", Access::Read), ("ctx", Access::Read)],
    ),
    (
        &["-qf/d/F", "ctx"],
        &[("/d/F", Access::Read), ("ctx", Access::Read)],
    ),
    (&["-f=/d/F", "-"], &[("/d/F", Access::Read)]),
    (&["-f", "-", "/ctx"], &[("/ctx", Access::Read)]),
    // Without -f, the files podman would pick in the context are host paths too.
    (
        &["--iidfile", "/tmp/iid", "."],
        &[
            ("/tmp/iid", Access::Write),
            (".", Access::Read),
            ("./Containerfile", Access::Read),
            ("./Dockerfile", Access::Read),
        ],
    ),
    (
        &["--metadata-file=/tmp/m.json", "-"],
        &[("/tmp/m.json", Access::Write)],
    ),
    (&["-o", "/out", "-"], &[("/out", Access::Write)]),
    (&["-o", "type=local", "-"], &[("type=local", Access::Write)]),
    (
        &["--output", "type=local,dest=/out", "-"],
        &[("/out", Access::Write)],
    ),
    (&["-o", "type=tar,dest=/o.tar", "-"], &[("/o.tar", Access::Write)]),
    (&["-o", "type=oci,dest=/o", "-"], &[("/o", Access::Write)]),
    (
        &["-o", "\"type=local\",\"dest=/a,b\"", "-"],
        &[("/a,b", Access::Write)],
    ),
    (&["-o", "type=tar,dest=-", "-"], &[]),
    (
        &["--cache-from", "type=local,src=/c", "-"],
        &[("/c", Access::Read)],
    ),
    (
        &["--cache-to=type=local,dest=/c2,mode=max", "-"],
        &[("/c2", Access::Write)],
    ),
    (&["--secret", "id=a,src=/s/a", "-"], &[("/s/a", Access::Read)]),
    (
        &["--secret", "id=a,source=/s/b,type=file", "-"],
        &[("/s/b", Access::Read)],
    ),
    (
        &["--build-context", "lib=/home/alice/lib", "-"],
        &[("/home/alice/lib", Access::Read)],
    ),
    (
        &["--build-context", "lib=../lib", "-"],
        &[("../lib", Access::Read)],
    ),
    (
        &[
            "--build-context",
            "img=oci-layout:///srv/layout:v1@sha256:ab",
            "-",
        ],
        &[("/srv/layout", Access::Read)],
    ),
    (&["--build-context", "img=docker-image://alpine", "-"], &[]),
    (&["https://example.com/c.tar"], &[]),
    (
        &["-f", "https://example.com/Dockerfile", "."],
        &[(".", Access::Read)],
    ),
    // A relative -f is checked where docker and where podman may resolve it.
    (
        &["-f", "sub/F", "/ctx"],
        &[
            ("sub/F", Access::Read),
            ("/ctx", Access::Read),
            ("/ctx/sub/F", Access::Read),
        ],
    ),
    (
        &["-f", "F", "ctx/"],
        &[
            ("F", Access::Read),
            ("ctx/", Access::Read),
            ("ctx/F", Access::Read),
        ],
    ),
    (&["-f", "F", "."], &[("F", Access::Read), (".", Access::Read)]),
    (&["--build-context", "a=container-image://alpine", "-"], &[]),
    (&["--build-context", "a=docker://alpine", "-"], &[]),
];

#[test]
fn build_asks_about_every_host_path() {
    // Outputs to a host path are refused unless allowed (`build_outputs_to_the_host_are_gated`):
    // allowed here, so that their paths are asked.
    let outputs = policy(&["build --output"], &[]);
    for (args, want) in BUILD_PATHS {
        let mut words = vec!["build"];
        words.extend_from_slice(args);
        let o = check_with(&words, &outputs);
        // A Containerfile the shim cannot see (standard input, a URL) is refused on its own
        // account (`containerfiles_are_checked_for_run_mounts`); here, the paths asked.
        let other: Vec<_> = o
            .violations
            .iter()
            .filter(|v| !v.reason.contains("RUN --mount") && !v.reason.contains("downloaded by podman"))
            .collect();
        assert!(other.is_empty(), "{words:?}: {other:?}");
        let want: Vec<(String, Access)> = want.iter().map(|(p, a)| (p.to_string(), *a)).collect();
        assert_eq!(o.paths(), want, "{words:?}");
    }
}

/// `-o DIR` / `--output dest=PATH` write the build's files after the whole build, long after the
/// path was judged (the red team swapped the folder for a link to `~` mid-build): refused
/// unless the policy allows `build --output`; an output to stdout or local storage passes.
#[test]
fn build_outputs_to_the_host_are_gated() {
    for out in [
        "/out",
        "type=local,dest=/out",
        "type=tar,dest=/o.tar",
        "type=oci,dest=/o",
        // Without a comma, podman reads any value as a folder (`./type=local`: the thirty-first
        // pass's look had a build's files, a setuid-root binary among them, written there and
        // through a link at that name).
        "type=local",
        "type=tar",
        "type=image",
        "\"type=oci\"",
    ] {
        let o = check(&["build", "-o", out, "/ctx"]);
        assert_eq!(o.rules(), vec!["deny.build"], "{out}: {:?}", o.violations);
        assert!(
            o.violations[0].reason.contains("build --output"),
            "{:?}",
            o.violations
        );
        let allowed = check_with(&["build", "-o", out, "/ctx"], &policy(&["build --output"], &[]));
        assert!(allowed.violations.is_empty(), "{out}: {:?}", allowed.violations);
    }
    for out in ["-", "type=tar,dest=-", "type=image,name=x"] {
        let o = check(&["build", "-o", out, "/ctx"]);
        assert!(o.violations.is_empty(), "{out}: {:?}", o.violations);
    }
}

#[test]
fn build_path_refusals_come_from_the_host_model() {
    for args in [
        &["-f", "/home/alice/.ssh/Dockerfile", "."][..],
        &["/home/alice/.ssh"],
        &["--secret", "id=k,src=/home/alice/.ssh/id_rsa", "."],
        &["--secret", "id=k,src=/ok,src=/home/alice/.ssh/id_rsa", "."],
        &["--build-context", "k=/home/alice/.ssh", "."],
        &["-o", "type=local,dest=/home/alice/.ssh", "."],
        &["--iidfile", "/home/alice/.ssh/authorized_keys", "."],
        &["--cache-to", "type=local,dest=/home/alice/.ssh", "."],
    ] {
        let mut words = vec!["build"];
        words.extend_from_slice(args);
        let o = check_with(&words, &policy(&["build --output"], &[]));
        assert_eq!(
            o.rules(),
            vec![PATH_RULE.as_str()],
            "{words:?}: {:?}",
            o.violations
        );
    }
    let o = check_with(
        &["build", "--iidfile", "/home/alice/.ssh/k", "."],
        &policy(&["build --output"], &[]),
    );
    assert_eq!(o.asked[0].2, "--iidfile=/home/alice/.ssh/k");
}

/// A build's other late writes (`--iidfile`, `--metadata-file`, a local `--cache-to`) are
/// written by path when the build ends, as `-o` is: gated with it, whatever the path.
#[test]
fn a_build_s_late_writes_are_gated_with_its_outputs() {
    for args in [
        &["--iidfile", "/srv/w/id", "."][..],
        &["--metadata-file=/srv/w/m.json", "."],
        &["--cache-to", "type=local,dest=/srv/w/cache", "."],
    ] {
        let mut words = vec!["build"];
        words.extend_from_slice(args);
        let o = check(&words);
        assert!(
            o.violations.len() == 1 && o.violations[0].reason.contains("build --output"),
            "{words:?}: {:?}",
            o.violations
        );
        let allowed = check_with(&words, &policy(&["build --output"], &[]));
        assert!(
            allowed.violations.is_empty(),
            "{words:?}: {:?}",
            allowed.violations
        );
    }
    // A cache read from a host folder, or exported to a registry, is not a late write.
    let o = check(&["build", "--cache-from", "type=local,src=/srv/w/cache", "."]);
    assert!(o.violations.is_empty(), "{:?}", o.violations);
}

#[test]
fn build_reports_every_violation() {
    let o = check(&[
        "build",
        "--network=host",
        "--ssh",
        "default",
        "-f",
        "/home/alice/.ssh/F",
        ".",
    ]);
    assert_eq!(o.rules(), vec!["deny.build", "deny.build", PATH_RULE.as_str()]);
}

// ---------------------------------------------------------------------------------------------
// The policy switches each way.

/// Every `[commands]` entry does what it says, or the policy does not load: `deny = ["exce"]`
/// (a typo) and `deny = ["exec"]` were read and refused nothing, and `allow = ["kube"]` opened
/// every `kube` subcommand without a word (the hundred-and-thirteenth look's).
#[test]
fn a_commands_entry_that_would_do_nothing_is_an_error() {
    use nanoclaw_shim::policy::Code;
    let codes = |allow: &[&str], deny: &[&str]| -> Vec<Code> {
        commands::policy_problems(&policy(allow, deny))
            .into_iter()
            .map(|(code, ..)| code)
            .collect()
    };
    for deny in [
        "exec",
        "run",
        "container create",
        "update",
        "cp",
        "pod",
        "network",
        "build --push",
        "image  inspect",
    ] {
        assert!(codes(&[], &[deny]).is_empty(), "deny {deny}");
    }
    for deny in ["exce", "Pull", "volume export", "build --pushh", ""] {
        assert_eq!(codes(&[], &[deny]), [Code::UnknownCommand], "deny {deny:?}");
    }
    // A command only the allow list opens may be denied again.
    assert!(codes(&["volume export"], &["volume export"]).is_empty());
    for allow in [
        "cp",
        "container clone",
        "volume create --opt",
        "pod create",
        "frobnicate",
        "build --host-loopback",
    ] {
        assert!(codes(&[allow], &[]).is_empty(), "allow {allow}");
    }
    for allow in [
        "run",
        "exec",
        "container update",
        "cp --xyz",
        "build --cache-mounts",
        "volume",
        "image",
    ] {
        assert_eq!(codes(&[allow], &[]), [Code::UnknownCommand], "allow {allow}");
    }
    for allow in ["pod", "kube"] {
        assert_eq!(codes(&[allow], &[]), [Code::GroupAllowed], "allow {allow}");
    }
}

#[test]
fn policy_allow_and_deny() {
    let allowed: &[(&[&str], &[&str])] = &[
        (&["cp"], &["cp", "c:/x", "/tmp/y"]),
        (&["container cp"], &["cp", "c:/x", "/tmp/y"]),
        (&["cp"], &["container", "cp", "c:/x", "/tmp/y"]),
        (&["container clone"], &["container", "clone", "c"]),
        (&["system service"], &["system", "service"]),
        (&["pod"], &["pod", "create"]),
        (&["frobnicate"], &["frobnicate", "--x"]),
        (
            &["volume create --opt"],
            &["volume", "create", "-o", "device=/srv/v", "v"],
        ),
        (
            &["network create --opt"],
            &["network", "create", "-d", "macvlan", "n"],
        ),
        // A container's own address on the network it joins: another's (its gateway's) too.
        (
            &["network connect --ip"],
            &["network", "connect", "--ip", "10.89.0.1", "n", "c"],
        ),
        (
            &["network connect --ip"],
            &["network", "connect", "--ip6=fd00::1", "n", "c"],
        ),
        (
            &["network connect --ip"],
            &["network", "connect", "--link-local-ip", "169.254.1.2", "n", "c"],
        ),
        (&["build --push"], &["build", "--push", "-t", "r/x", "."]),
        (&["build --push"], &["build", "-o", "type=registry,name=r/x", "."]),
        (&["build --push"], &["build", "--cache-to", "r/cache", "."]),
        (&["image  save"], &["save", "-o", "/tmp/x.tar", "img"]),
    ];
    for (allow, words) in allowed {
        let o = check_with(words, &policy(allow, &[]));
        assert!(
            o.violations.is_empty(),
            "allow {allow:?} {words:?}: {:?}",
            o.violations
        );
        // ... and refused without the switch.
        assert!(
            !check(words).violations.is_empty(),
            "{words:?} allowed by default"
        );
    }
    let denied: &[(&[&str], &[&str])] = &[
        (&["ps"], &["ps"]),
        (&["ps"], &["container", "ls"]),
        (&["container list"], &["ps", "-a"]),
        (&["build"], &["build", "-t", "x", "."]),
        (&["build"], &["image", "build", "."]),
        (&["image inspect"], &["image", "inspect", "img"]),
        (&["network create"], &["network", "create", "--internal", "n"]),
        (&["info"], &["system", "info"]),
    ];
    for (deny, words) in denied {
        let o = check_with(words, &policy(&[], deny));
        assert_eq!(o.rules(), vec!["deny.command"], "deny {deny:?} {words:?}");
        assert!(o.violations[0].reason.contains("[commands] deny"));
        assert!(check(words).violations.is_empty(), "{words:?} refused by default");
    }
    // deny wins over allow; denying one command leaves the others alone.
    let both = policy(&["cp"], &["cp"]);
    assert_eq!(check_with(&["cp", "a", "b"], &both).rules(), vec!["deny.command"]);
    let p = policy(&[], &["image inspect"]);
    assert!(check_with(&["inspect", "img"], &p).violations.is_empty());
    // Groups refused as a whole can be allowed per subcommand or as a whole; a group in the
    // deny list denies every command of it.
    let p = policy(&["pod create"], &[]);
    assert!(check_with(&["pod", "create", "p"], &p).violations.is_empty());
    assert_eq!(check_with(&["pod", "rm", "p"], &p).rules(), vec!["deny.command"]);
    let p = policy(&["pod"], &["pod create"]);
    assert!(check_with(&["pod", "rm", "p"], &p).violations.is_empty());
    assert_eq!(
        check_with(&["pod", "create", "p"], &p).rules(),
        vec!["deny.command"]
    );
    let p = policy(&[], &["network"]);
    assert_eq!(
        check_with(&["network", "create", "--internal", "n"], &p).rules(),
        vec!["deny.command"]
    );
    // ... in every spelling (the hundred-and-nineteenth look's: `pull`, `rmi`, `ps` stayed open).
    let groups = policy(&[], &["image", "container", "system"]);
    for words in [
        &["pull", "x"][..],
        &["rmi", "x"],
        &["images"],
        &["ps"],
        &["tag", "a", "b"],
        &["logs", "c"],
        &["info"],
        &["events"],
    ] {
        assert_eq!(
            check_with(words, &groups).rules(),
            vec!["deny.command"],
            "{words:?}"
        );
    }
    assert!(check_with(&["ps"], &p).violations.is_empty());
    let o = check(&["pod", "create", "p"]);
    assert!(
        o.violations[0]
            .reason
            .contains("[commands] allow = [\"pod create\"]"),
        "{:?}",
        o.violations
    );
    // Allowing a gate does not allow the other options of the command.
    let p = policy(&["volume create --opt"], &[]);
    assert!(check_with(&["volume", "create", "--runtime=/x", "v"], &p).rules() == vec!["parse.unknown-flag"]);
}

// ---------------------------------------------------------------------------------------------
// The docs lists agree with the checker.

#[test]
fn default_allowed_paths_are_allowed() {
    let list = commands::default_allowed();
    for needed in [
        "info",
        "container ls",
        "container stop",
        "container start",
        "build",
        "image inspect",
        "events",
        "network create",
        "network connect",
    ] {
        assert!(list.iter().any(|(p, _)| *p == needed), "{needed} missing");
    }
    for (path, why) in list {
        assert!(!why.is_empty());
        let words: Vec<&str> = path.split_whitespace().collect();
        if words == ["build"] {
            continue; // needs a context
        }
        assert_allowed(&words);
    }
}

#[test]
fn known_refused_paths_are_refused_and_switchable() {
    let list = commands::known_refused();
    for needed in [
        "container cp",
        "container clone",
        "system service",
        "pod",
        "kube",
        "compose",
        "container runlabel",
        "volume create --opt",
    ] {
        assert!(list.iter().any(|(p, _)| *p == needed), "{needed} missing");
    }
    for (path, why) in list {
        assert!(!why.is_empty());
        if path.contains("--") {
            continue; // gates: covered by policy_allow_and_deny
        }
        let mut words: Vec<&str> = path.split_whitespace().collect();
        if *path == "container cp" {
            words.extend(["c:/x", "-"]); // parsed when allowed: a source and a destination
        }
        assert_refused(&words, "deny.command");
        let o = check_with(&words, &policy(&[path], &[]));
        assert!(o.violations.is_empty(), "{path}: {:?}", o.violations);
    }
}

// ---------------------------------------------------------------------------------------------
// Never panics.

proptest! {
    #[test]
    fn never_panics(argv in proptest::collection::vec(
        prop_oneof![
            Just("build".to_string()), Just("ps".to_string()), Just("network".to_string()),
            Just("create".to_string()), Just("volume".to_string()), Just("-".to_string()),
            Just("--".to_string()), Just("-o".to_string()), Just("--output=type=local,dest=\"".to_string()),
            Just("--secret".to_string()), Just("=".to_string()), Just("-f=".to_string()),
            Just("--build-context".to_string()), Just("oci-layout://:@".to_string()),
            "[-=a-z\",:/@.]{0,12}",
        ],
        0..8,
    )) {
        let words: Vec<&str> = argv.iter().map(String::as_str).collect();
        let _ = check(&words);
    }

    #[test]
    fn never_panics_on_bytes(argv in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..10), 0..6)) {
        use std::os::unix::ffi::OsStringExt;
        let mut words: Vec<OsString> = vec![OsString::from("build")];
        words.extend(argv.into_iter().map(OsString::from_vec));
        let mut host = |_: &[u8], _: Access, _: &str| None;
        let _ = commands::check(&words, &CommandsPolicy::default(), &mut host);
    }
}

/// A build's Containerfiles are read and refused when they `RUN --mount` (CVE-2024-1753 reaches
/// the host's root file system through one on podman before 4.9.4); one the shim cannot see
/// (standard input, a URL, a remote context) is refused for that; annotations the runtime obeys
/// are refused on `build` as on `run`.
#[test]
fn containerfiles_are_checked_for_run_mounts() {
    let files: std::collections::HashMap<&str, &str> = [
        (
            "/ctx/Containerfile",
            "FROM a\nRUN --mount=type=bind,from=s,source=/l,target=/h,rw sh\n",
        ),
        (
            "/ok/Dockerfile",
            "FROM node:22-slim\nUSER root\nRUN apt-get install -y jq\nUSER node\n",
        ),
        (
            "/d/Dockerfile.split",
            "FROM a\nRUN --mo\\\nunt=type=cache,target=/x true\n",
        ),
        (
            "/d/Dockerfile.tick",
            "# escape=`\nFROM a\nRUN --MOUNT=type=cache,target=/x `\n  true\n",
        ),
        (
            "/d/Dockerfile.ag1",
            "FROM base\nUSER root\nRUN apt-get install -y curl\nUSER node\n",
        ),
        // Review 4: the parser takes a word starting with `--` as a flag, then unquotes,
        // unescapes and expands it; each of these is `--mount` to podman 4.3.1 (confirmed).
        ("/d/quoted", "FROM a\nRUN --m\"ou\"nt=type=bind,from=s,source=/l,target=/h,rw sh\n"),
        ("/d/single", "FROM a\nRUN --'mount'=type=bind,source=.,target=/x ls\n"),
        ("/d/escaped", "FROM a\nRUN --mo\\unt=type=bind,source=.,target=/x ls\n"),
        ("/d/arg", "FROM a\nARG M=mount\nRUN --${M}=type=bind,source=.,target=/x ls\n"),
        ("/d/network", "FROM a\nrun   --network=host curl http://127.0.0.1/\n"),
        ("/d/onbuild", "FROM a\nONBUILD RUN --security=insecure true\n"),
        ("/d/tab", "FROM a\n\tRUN\t--mount=type=cache,target=/x true\n"),
        // The red team's: a blank the parser skips (Go's `unicode.IsSpace`) and an ASCII-only
        // split did not hid the keyword; each ran the RUN --mount on podman 4.3.1.
        ("/d/vtab", "FROM a\n\x0bRUN --mount=type=bind,from=s,source=/l,target=/h,rw sh\n"),
        ("/d/vtab-after", "FROM a\nRUN\x0b--mount=type=bind,from=s,source=/l,target=/h,rw sh\n"),
        ("/d/nbsp", "FROM a\n\u{a0}RUN --mount=type=cache,target=/x true\n"),
        ("/d/nel", "FROM a\n\u{85}run --network=host true\n"),
        ("/d/ideographic", "FROM a\nONBUILD\u{3000}RUN --mount=type=cache,target=/x true\n"),
        ("/d/add-url-vtab", "FROM a\n\x0bADD http://127.0.0.1:8080/secret /x\n"),
        // The parser unescapes the source before it downloads it.
        ("/d/add-url-escaped", "FROM a\nADD http:\\/\\/127.0.0.1:18777/secret.txt /s.txt\n"),
        ("/d/add-url-quoted", "FROM a\nADD \"http\":\"//127.0.0.1/x\" /s\n"),
        // ADD downloads on the host (review 4: a loopback-only service was read).
        ("/d/add-url", "FROM a\nADD http://127.0.0.1:18777/secret.txt /tmp/s\n"),
        ("/d/add-json", "FROM a\nADD [\"https://h/x\", \"/x\"]\n"),
        ("/d/add-var", "FROM a\nARG U\nADD $U /x\n"),
        ("/d/add-git", "FROM a\nonbuild add git@github.com:o/r /r\n"),
        // Look-alikes: a command that mentions a flag, a COPY.
        (
            "/d/alike",
            "FROM a\nRUN echo --mount && grep -- --network f\nCOPY ./src /src\nCOPY --from=a /x /y\nRUN [\"--mount\"]\n",
        ),
        // A local ADD: buildah unpacks an archive, device entries and all.
        ("/d/add-local", "FROM a\nADD ./dev.tar /\n"),
    ]
    .into_iter()
    .collect();
    // Not UTF-8: NEL's and the no-break space's Latin-1 bytes on their own, which the parser
    // reads as blanks before a RUN's flags (the red team's second look: this ran CVE-2024-1753).
    let bytes: std::collections::HashMap<&str, &[u8]> = [
        (
            "/d/lone-a0",
            &b"FROM a\nRUN \xa0--mount=type=bind,from=s,source=/x,target=/h,rw true\n"[..],
        ),
        ("/d/lone-85", b"FROM a\nRUN \x85--network=host true\n"),
        (
            "/d/onbuild-a0",
            b"FROM a\nonbuild run \xa0--mount=type=cache,target=/x true\n",
        ),
    ]
    .into_iter()
    .collect();
    let read = |p: &[u8]| match files.get(String::from_utf8_lossy(p).as_ref()) {
        Some(t) => SmallFile::Read(t.as_bytes().to_vec()),
        None => match bytes.get(String::from_utf8_lossy(p).as_ref()) {
            Some(b) => SmallFile::Read(b.to_vec()),
            None => SmallFile::Missing,
        },
    };
    let annotations: Vec<nanoclaw_shim::policy::ListEntry> = vec!["run.oci.".into()];
    let run_with = |words: &[&str], policy: &CommandsPolicy| {
        let argv: Vec<OsString> = words.iter().map(OsString::from).collect();
        let mut host = |_: &[u8], _: Access, _: &str| None;
        let files = commands::BuildFiles {
            read: &read,
            read_in: None,
            bases: None,
            limits: None,
            images: None,
            volumes: None,
            networks: None,
            connectable: None,
            volume_on_host: None,
        };
        commands::check_with(&argv, policy, &mut host, &files, &annotations)
    };
    let run = |words: &[&str]| run_with(words, &CommandsPolicy::default());
    for (words, rule) in [
        (&["build", "-f", "/d/quoted", "/ok"][..], "deny.build"),
        (&["build", "-f", "/d/single", "/ok"], "deny.build"),
        (&["build", "-f", "/d/escaped", "/ok"], "deny.build"),
        (&["build", "-f", "/d/arg", "/ok"], "deny.build"),
        (&["build", "-f", "/d/network", "/ok"], "deny.build"),
        (&["build", "-f", "/d/onbuild", "/ok"], "deny.build"),
        (&["build", "-f", "/d/tab", "/ok"], "deny.build"),
        (&["build", "-f", "/d/vtab", "/ok"], "deny.build"),
        (&["build", "-f", "/d/vtab-after", "/ok"], "deny.build"),
        (&["build", "-f", "/d/nbsp", "/ok"], "deny.build"),
        (&["build", "-f", "/d/nel", "/ok"], "deny.build"),
        (&["build", "-f", "/d/ideographic", "/ok"], "deny.build"),
        (&["build", "-f", "/d/add-url-vtab", "/ok"], "deny.build"),
        (&["build", "-f", "/d/add-url-escaped", "/ok"], "deny.build"),
        (&["build", "-f", "/d/add-url-quoted", "/ok"], "deny.build"),
        (&["build", "-f", "/d/lone-a0", "/ok"], "deny.build"),
        (&["build", "-f", "/d/lone-85", "/ok"], "deny.build"),
        (&["build", "-f", "/d/onbuild-a0", "/ok"], "deny.build"),
        (&["build", "-f", "/d/add-url", "/ok"], "deny.build"),
        (&["build", "-f", "/d/add-json", "/ok"], "deny.build"),
        (&["build", "-f", "/d/add-var", "/ok"], "deny.build"),
        (&["build", "-f", "/d/add-git", "/ok"], "deny.build"),
        // A relative -f with a remote context: podman may read it from the download (review 4).
        (
            &[
                "build",
                "-f",
                "Containerfile",
                "http://127.0.0.1:18778/ctx.tar.gz",
            ],
            "deny.build",
        ),
        // No Containerfile where the shim looks: nothing checked, so nothing built.
        (&["build", "/empty"], "deny.build"),
        (&["build", "-f", "/d/missing", "/ok"], "deny.build"),
        // A download by the engine on the host, in a context or a named context.
        (
            &["build", "--build-context", "s=https://h/s.tar.gz", "/ok"],
            "deny.build",
        ),
        (&["build", "/ctx"], "deny.build"),
        (
            &["build", "-t", "x", "-f", "/d/Dockerfile.split", "/ok"],
            "deny.build",
        ),
        (&["build", "-f", "/d/Dockerfile.tick", "/ok"], "deny.build"),
        (
            &["build", "-f", "/d/Dockerfile.ag1,/ctx/Containerfile", "/ok"],
            "deny.build",
        ),
        (&["build", "-"], "deny.build"),
        (&["build", "-f", "-", "/ok"], "deny.build"),
        (
            &["build", "-f", "https://example.com/Dockerfile", "/ok"],
            "deny.build",
        ),
        (&["build", "https://example.com/ctx.tar.gz"], "deny.build"),
        (
            &["build", "--annotation", "run.oci.keep_original_groups=1", "/ok"],
            "deny.annotation",
        ),
        (
            &[
                "build",
                "--annotation",
                "a=1,RUN.OCI.keep_original_groups=1",
                "/ok",
            ],
            "deny.annotation",
        ),
        // The shim's own namespace: a plain podman container made from the image would carry
        // the mark of one the shim made.
        (
            &["build", "--annotation", "io.github.nanoclaw-shim.mounts=", "/ok"],
            "harden.annotation",
        ),
        (
            &[
                "build",
                "--annotation",
                "a=1, IO.GitHub.Nanoclaw-Shim.applied=x",
                "/ok",
            ],
            "harden.annotation",
        ),
        (
            &["build", "--ulimit", "nofile=1:1,rtprio=99", "/ok"],
            "deny.build",
        ),
        (&["build", "-f", "/d/add-local", "/ok"], "deny.build"),
    ] {
        let v = run(words);
        assert!(
            v.iter().any(|v| v.rule.as_str() == rule),
            "{words:?}: want {rule}, got {v:?}"
        );
    }
    // nanoclaw's per-agent build, and a context's own Dockerfile without mounts.
    for words in [
        &[
            "build",
            "-t",
            "nanoclaw-agent:ag1",
            "-f",
            "/d/Dockerfile.ag1",
            "/ok",
        ][..],
        &["build", "/ok"],
        &[
            "build",
            "--annotation",
            "org.opencontainers.image.title=agent",
            "/ok",
        ],
        &["build", "-f", "/d/alike", "/ok"],
    ] {
        let v = run(words);
        assert!(v.is_empty(), "{words:?} refused: {v:?}");
    }
    // Downloads on the host, allowed by the policy: ADD of a URL and a named context pass; a
    // RUN flag never does.
    let remote = policy(&["build --remote"], &[]);
    for words in [
        &["build", "-f", "/d/add-url", "/ok"][..],
        &["build", "-f", "/d/add-var", "/ok"],
        &["build", "--build-context", "s=https://h/s.tar.gz", "/ok"],
    ] {
        let v = run_with(words, &remote);
        assert!(v.is_empty(), "{words:?} refused: {v:?}");
    }
    let v = run_with(&["build", "-f", "/d/quoted", "/ok"], &remote);
    assert!(v.iter().any(|v| v.rule.as_str() == "deny.build"), "{v:?}");
    // A local ADD, allowed by the policy; a download is still the other gate's.
    let add = policy(&["build --add"], &[]);
    let v = run_with(&["build", "-f", "/d/add-local", "/ok"], &add);
    assert!(v.is_empty(), "{v:?}");
    let v = run_with(&["build", "-f", "/d/add-url", "/ok"], &add);
    assert!(v.iter().any(|v| v.rule.as_str() == "deny.build"), "{v:?}");
    // A remote context's own Containerfile stays unseen, allowed or not.
    let v = run_with(&["build", "https://h/ctx.tar.gz"], &remote);
    assert!(v.iter().any(|v| v.reason.contains("cannot be checked")), "{v:?}");
}

/// What a test's runtime says about base images: which it has, and which carry triggers.
struct FakeBases {
    needed: bool,
    local: &'static [&'static str],
    triggers: &'static [&'static str],
    asked: std::cell::RefCell<Vec<String>>,
}

impl commands::BaseImages for FakeBases {
    fn needed(&self) -> bool {
        self.needed
    }
    fn check(&self, image: &str) -> Result<(), String> {
        self.asked.borrow_mut().push(image.to_string());
        if !self.local.contains(&image) {
            return Err(format!("{image} is not in local storage"));
        }
        if self.triggers.contains(&image) {
            return Err(format!("{image} carries ONBUILD triggers"));
        }
        Ok(())
    }
}

/// An image named by a transport in a Containerfile is a host path podman reads and writes for the
/// build (the twenty-sixth look's: `COPY --from=oci-archive:/host/x.tar` read a host file into the
/// image, `containers-storage:[vfs@~/.ssh+...]` made a store inside `~/.ssh`): refused in a
/// `FROM`, a `COPY --from=` and an `ADD --from=`, in any spelling the parser reads as one, and a
/// `--from=` named by a build argument; a stage, an index or an image reference passes.
#[test]
fn a_transport_in_the_containerfile_is_refused() {
    let refused = [
        "FROM node:22-slim\nCOPY --from=oci-archive:/home/u/x.tar /s /s\n",
        "FROM node:22-slim\nCOPY --from=docker-archive:/tmp/x.tar /s /s\n",
        "FROM node:22-slim\ncopy --FROM=\"oci:/tmp/l\" /s /s\n",
        "FROM node:22-slim\nADD --chown=1 --from=dir:/tmp/d /s /s\n",
        "FROM node:22-slim\nCOPY --from=containers-storage:[vfs@/root/.ssh+/run/x]img /x /x\n",
        "ARG X=oci-archive:/tmp/x.tar\nFROM node:22-slim\nARG X\nCOPY --from=$X /x /x\n",
        "FROM node:22-slim\nONBUILD COPY --from=oci-archive:/tmp/x.tar /s /s\n",
        "FROM oci-archive:/tmp/x.tar\n",
        "FROM --platform=linux/amd64 docker-archive:/tmp/x.tar AS a\n",
        "FROM node:22-slim\nCOPY \\\n --from=oci-archive:/tmp/x.tar /s /s\n",
        // A quoted or escaped blank in a flag before it is one word to the parser (the
        // twenty-eighth look's).
        "FROM node:22-slim\nCOPY --exclude=\"a b\" --from=oci-archive:/tmp/x.tar /s /s\n",
        "FROM node:22-slim\nCOPY --chown=\"0:0 \" --from=$X /s /s\n",
        "FROM node:22-slim\nCOPY --exclude=a\\ b --from=docker-archive:/tmp/x.tar /s /s\n",
        "FROM node:22-slim\nONBUILD ADD --chmod='0644 ' --from=oci:/tmp/l /s /s\n",
        // buildah fetches the image of any flag word holding `--from` (the twenty-ninth look's).
        "ARG E=\nFROM node:22-slim\nARG E\nCOPY --from${E}=oci-archive:/tmp/x.tar /s /s\n",
        "FROM node:22-slim\nCOPY --fromX=oci-archive:/tmp/x.tar /s /s\n",
        "FROM node:22-slim\nCOPY --fr${E}om=x /s /s\n",
        "FROM node:22-slim\nCOPY --$F=x /s /s\n",
        "# escape=`\nFROM node:22-slim\nCOPY --from`=x /s /s\n",
        "FROM node:22-slim\nCOPY --exclude=--from=x /s /s\n",
        // A blank the parser keeps inside the word hides a `--from` from a split at blanks (the
        // thirtieth look's: the archive imported before the build failed).
        "ARG T=oci-archive:/tmp/x.tar\nFROM node:22-slim\nARG T\nCOPY --from\" \"--chown=$T /s /s\n",
        "FROM node:22-slim\nCOPY --from\\ --chmod=$T /s /s\n",
        "FROM node:22-slim\nCOPY --from\u{2000}--chown=$T /s /s\n",
        "FROM node:22-slim\nCOPY --chown=$T\" \"--from /s /s\n",
        // The thirty-first look's: `--from` spelled with quotes or escapes, and a carriage return
        // before a continuation, which the parser reads as a blank.
        "FROM node:22-slim\nCOPY --fr\"o\"m\" \"--chown=$T /s /s\n",
        "FROM node:22-slim\nCOPY --fr\\om\\ --chown=$T /s /s\n",
        "FROM node:22-slim\nCOPY --f\"\"rom\u{2000}--chown=$T /s /s\n",
        "FROM node:22-slim\nCOPY\r\\\n--from=oci-archive:/tmp/x.tar /s /s\n",
        "FROM node:22-slim\nRUN\r\\\n--mount=type=tmpfs,target=/x true\n",
        // A comment ending in an escape does not continue (the thirty-second look's).
        "FROM node:22-slim\n# note \\\nRUN \\\n--mount=type=bind,from=x,source=/,target=/h true\n",
        "FROM node:22-slim\n# note \\\nCOPY \\\n--from=oci-archive:/tmp/x.tar /s /s\n",
        "FROM node:22-slim\n# note \\\nADD \\\nhttp://127.0.0.1:9/x /x\n",
        "# escape=`\nFROM node:22-slim\n# note `\nRUN `\n--network=host true\n",
        // Where the newer parser does not continue a line: an escaped escape at its end, and a
        // carriage return between the escape and the line's end (the same look's).
        "FROM node:22-slim\nLABEL x=a\\\\\nRUN \\\n--mount=type=tmpfs,target=/t true\n",
        "FROM node:22-slim\nLABEL a=b \\ \r \nRUN \\\n--mount=type=tmpfs,target=/t true\n",
        // A transport anywhere in the instruction.
        "FROM node:22-slim\nCOPY --chown=1 src oci-archive:/tmp/x.tar\n",
    ];
    let passed = [
        "FROM node:22-slim AS build\nRUN true\nFROM node:22-slim\nCOPY --from=build /x /x\n",
        "FROM node:22-slim\nCOPY --from=0 /x /x\n",
        "FROM node:22-slim\nCOPY --from=docker.io/library/alpine:3 /x /x\n",
        "FROM node:22-slim\nCOPY --chown=node:node src/ /app/\n",
        "ARG UID=1000\nFROM node:22-slim\nARG UID\nCOPY --chown=${UID}:${UID} --chmod=0644 src/ /app/\n",
        "FROM node:22-slim\nCOPY --link --parents src/mydir:x/ /app/\n",
        // Line ends of another system.
        "FROM node:22-slim AS build\r\nRUN true\r\nFROM node:22-slim\r\nCOPY --from=build /x /x\r\n",
    ];
    let judge = |text: &str| {
        let text = text.to_string();
        let read = move |p: &[u8]| match String::from_utf8_lossy(p).as_ref() {
            "/ok/Dockerfile" => SmallFile::Read(text.as_bytes().to_vec()),
            _ => SmallFile::Missing,
        };
        let argv: Vec<OsString> = ["build", "/ok"].iter().map(OsString::from).collect();
        let mut host = |_: &[u8], _: Access, _: &str| None;
        let files = commands::BuildFiles {
            read: &read,
            read_in: None,
            bases: None,
            limits: None,
            images: None,
            volumes: None,
            networks: None,
            connectable: None,
            volume_on_host: None,
        };
        commands::check_with(&argv, &CommandsPolicy::default(), &mut host, &files, &[])
    };
    for text in refused {
        let v = judge(text);
        assert!(
            v.iter().any(|v| v.rule.as_str() == "deny.build"),
            "{text:?} passed: {v:?}"
        );
    }
    for text in passed {
        let v = judge(text);
        assert!(v.is_empty(), "{text:?} refused: {v:?}");
    }
}

/// On a podman where a base image's ONBUILD triggers reach the host (CVE-2024-1753), every image
/// a Containerfile's stages start from is asked about, however the file hides it; a build that
/// could start from an image other than the one asked about is refused. Elsewhere nothing is
/// asked.
#[test]
fn build_base_images_are_checked_for_onbuild_triggers() {
    let files: std::collections::HashMap<&str, &str> = [
        ("/ok/Dockerfile", "FROM node:22-slim\nUSER root\nRUN apt-get install -y jq\n"),
        ("/d/ag1", "FROM nanoclaw-agent:latest\nUSER root\nRUN apt-get install -y curl\nUSER node\n"),
        ("/d/evil", "FROM evil:1\n"),
        ("/d/stages", "FROM node:22-slim AS build\nRUN true\nFROM build\nFROM build AS two\nFROM scratch\nCOPY --from=two /x /x\n"),
        // podman matches a stage's name case for case: `FROM evil` after `AS Evil` is the image
        // `evil` (the thirty-third look's: its triggers ran unchecked).
        ("/d/stage-case", "FROM node:22-slim AS Evil\nRUN true\nFROM evil\n"),
        ("/d/arg", "ARG BASE=node:22-slim\nFROM ${BASE}\n"),
        ("/d/platform", "FROM --platform=linux/arm64 node:22-slim\n"),
        // The real escape character is `\`: the backtick joins nothing, and `FROM evil:1` is an
        // instruction of its own.
        ("/d/tick", "FROM node:22-slim\nRUN echo `\nFROM evil:1\n"),
        // A stage name defined inside a here-document is text, not a stage.
        ("/d/heredoc", "FROM node:22-slim\nRUN <<EOF\nFROM scratch AS evil:1\nEOF\nFROM evil:1\n"),
        ("/d/continued", "FROM \\\n  evil:1\n"),
        ("/d/bom", "\u{feff}from evil:1\n"),
        ("/d/vtab-from", "FROM node:22-slim\n\x0bFROM evil:1\n"),
        ("/d/nbsp-from", "FROM node:22-slim\nFROM\u{a0}evil:1\n"),
        // Comment lines inside a continuation are dropped by the parser: this is `--mount`.
        ("/d/comment-mount", "FROM node:22-slim\nRUN --mo\\\n# note\n\nunt=type=bind,from=l,source=/link,target=/h,rw true\n"),
    ]
    .into_iter()
    .collect();
    let read = |p: &[u8]| match String::from_utf8_lossy(p).as_ref() {
        // There, but not readable whole (a FIFO, a file past the limit): podman may still read it.
        "/d/fifo" => SmallFile::Unread("it is not a regular file"),
        p => files
            .get(p)
            .map_or(SmallFile::Missing, |t| SmallFile::Read(t.as_bytes().to_vec())),
    };
    let run = |words: &[&str], bases: &FakeBases| {
        let argv: Vec<OsString> = words.iter().map(OsString::from).collect();
        let mut host = |_: &[u8], _: Access, _: &str| None;
        let files = commands::BuildFiles {
            read: &read,
            read_in: None,
            bases: Some(bases),
            limits: None,
            images: None,
            volumes: None,
            networks: None,
            connectable: None,
            volume_on_host: None,
        };
        commands::check_with(&argv, &CommandsPolicy::default(), &mut host, &files, &[])
    };
    let affected = || FakeBases {
        needed: true,
        local: &["node:22-slim", "nanoclaw-agent:latest", "evil:1", "evil"],
        triggers: &["evil:1", "evil"],
        asked: Default::default(),
    };
    let rules = |v: &[nanoclaw_shim::rules::Violation]| v.iter().map(|v| v.rule.as_str()).collect::<Vec<_>>();

    // nanoclaw's builds pass, each base image asked about once.
    for (words, asked) in [
        (
            &["build", "-t", "nanoclaw-agent:latest", "/ok"][..],
            &["node:22-slim"][..],
        ),
        (
            &["build", "-t", "nanoclaw-agent:ag1", "-f", "/d/ag1", "/ok"],
            &["nanoclaw-agent:latest"],
        ),
        (&["build", "-f", "/d/stages", "/ok"], &["node:22-slim"]),
    ] {
        let b = affected();
        let v = run(words, &b);
        assert!(v.is_empty(), "{words:?} refused: {v:?}");
        assert_eq!(*b.asked.borrow(), asked, "{words:?}");
    }
    // Refused: a base with triggers, however the file names it; one not in local storage.
    for words in [
        &["build", "-f", "/d/evil", "/ok"][..],
        &["build", "-f", "/d/stage-case", "/ok"],
        &["build", "-f", "/d/tick", "/ok"],
        &["build", "-f", "/d/continued", "/ok"],
    ] {
        let v = run(words, &affected());
        assert_eq!(rules(&v), ["deny.build-base"], "{words:?}: {v:?}");
        assert!(v[0].reason.contains("ONBUILD"), "{v:?}");
    }
    // A file that could hide a FROM from one parser or another (a here-document, a byte-order
    // mark, a blank other than a space or a tab) is outside what the shim reads: refused whole.
    for words in [
        &["build", "-f", "/d/heredoc", "/ok"][..],
        &["build", "-f", "/d/bom", "/ok"],
        &["build", "-f", "/d/vtab-from", "/ok"],
        &["build", "-f", "/d/nbsp-from", "/ok"],
    ] {
        let v = run(words, &affected());
        assert_eq!(rules(&v), ["deny.build"], "{words:?}: {v:?}");
        assert!(v[0].reason.contains("every parser reads the same"), "{v:?}");
    }
    // Two files in one -f: judged one by one, and refused whole, as no one copy can stand for
    // them (`harden.pinned-files`).
    let v = run(&["build", "-f", "/d/ag1,/d/evil", "/ok"], &affected());
    assert_eq!(rules(&v), ["deny.build", "deny.build-base"], "{v:?}");
    assert!(v[1].reason.contains("ONBUILD"), "{v:?}");
    let missing = FakeBases {
        local: &[],
        ..affected()
    };
    let v = run(&["build", "/ok"], &missing);
    assert_eq!(rules(&v), ["deny.build-base"]);
    assert!(v[0].reason.contains("local storage"), "{v:?}");
    // Refused: a build that could start from another image than the one asked about.
    for words in [
        &["build", "-f", "/d/arg", "/ok"][..],
        &["build", "-f", "/d/platform", "/ok"],
        &["build", "--pull", "/ok"],
        &["build", "--platform", "linux/arm64", "/ok"],
        &[
            "build",
            "--build-context",
            "node:22-slim=docker-image://evil:1",
            "/ok",
        ],
    ] {
        let v = run(words, &affected());
        assert_eq!(rules(&v), ["deny.build-base"], "{words:?}: {v:?}");
    }
    // A Containerfile that is there but cannot be read whole is refused, not passed by.
    let v = run(&["build", "-f", "/d/fifo", "/ok"], &affected());
    assert_eq!(rules(&v), ["deny.build"], "{v:?}");
    // The comment inside a continuation does not hide a RUN --mount.
    let v = run(&["build", "-f", "/d/comment-mount", "/ok"], &affected());
    assert_eq!(rules(&v), ["deny.build"], "{v:?}");
    // A runtime where triggers cannot reach the host is not asked at all.
    let fixed = FakeBases {
        needed: false,
        ..affected()
    };
    for words in [
        &["build", "-f", "/d/evil", "/ok"][..],
        &["build", "-f", "/d/arg", "/ok"],
        &["build", "--pull", "/ok"],
    ] {
        let v = run(words, &fixed);
        assert!(v.is_empty(), "{words:?} refused: {v:?}");
    }
    assert!(fixed.asked.borrow().is_empty());
}

/// A build's own limits are held to the policy's ceilings, as on `run` (review 3:
/// `build -m 100g --memory-swap=-1 --shm-size 100g` ran its RUN steps unlimited).
#[test]
fn build_limits_are_held_to_the_ceilings() {
    let limits = nanoclaw_shim::policy::Limits::default();
    let run = |words: &[&str]| {
        let argv: Vec<OsString> = words.iter().map(OsString::from).collect();
        let mut host = |_: &[u8], _: Access, _: &str| None;
        let files = commands::BuildFiles {
            read: &plain_files,
            read_in: None,
            bases: None,
            limits: Some(&limits),
            images: None,
            volumes: None,
            networks: None,
            connectable: None,
            volume_on_host: None,
        };
        commands::check_with(&argv, &CommandsPolicy::default(), &mut host, &files, &[])
    };
    for words in [
        &["build", "-m", "100g", "."][..],
        &["build", "--memory=4097m", "."],
        &["build", "-m", "0", "."],
        &["build", "--memory-swap=-1", "."],
        &["build", "--memory-swap", "9g", "."],
        &["build", "--shm-size", "100g", "."],
        &["build", "--cpu-quota=-1", "."],
        &["build", "--cpu-quota", "400000", "."],
        &["build", "--cpu-period", "10000", "--cpu-quota", "30000", "."],
        // A period outside the kernel's 1 ms to 1 s, as `update` reads it.
        &["build", "--cpu-period", "100", "--cpu-quota", "100", "."],
        &["build", "-m", "1g", "-m", "8g", "."],
        // podman reads a leading 0 as octal: 262 144 µs, 7.6 CPUs (the twenty-fifth look's).
        &["build", "--cpu-period", "01000000", "--cpu-quota", "2000000", "."],
        // A weight above every agent's default (the thirty-fifth pass's look).
        &["build", "--cpu-shares=262144", "."],
        &["build", "-c", "262144", "."],
        &["build", "--cpu-shares", "1024", "--cpu-shares=262144", "."],
        &["build", "--cpu-shares=0x10000", "."],
    ] {
        let v = run(words);
        assert!(
            v.iter().any(|v| v.rule.as_str() == "deny.ceiling"),
            "{words:?}: {v:?}"
        );
    }
    for words in [
        &["build", "-m", "4g", "--memory-swap", "8g", "."][..],
        &["build", "--shm-size", "1g", "."],
        &["build", "--cpu-quota", "200000", "."],
        &["build", "--cpu-period", "50000", "--cpu-quota", "100000", "."],
        &["build", "-m", "8g", "-m", "1g", "."],
        &["build", "--cpu-shares", "1024", "."],
        &["build", "-c", "512", "."],
        &["build", "--cpu-shares=262144", "--cpu-shares=1024", "."],
        &["build", "."],
    ] {
        let v = run(words);
        assert!(v.is_empty(), "{words:?}: {v:?}");
    }
}

/// The environment's build-only rule (`BUILDAH_ISOLATION`) asks the command table whether a
/// plan's command is a build: every spelling of it is, nothing else is.
#[test]
fn every_spelling_of_build_is_a_build() {
    use nanoclaw_shim::commands::is_build;
    let words = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    for s in [
        "build",
        "image build",
        "builder build",
        "buildx build",
        "buildx b",
    ] {
        assert!(is_build(&words(s)), "{s}");
    }
    for s in [
        "run",
        "image",
        "image ls",
        "buildx",
        "image build x",
        "create",
        "ps",
    ] {
        assert!(!is_build(&words(s)), "{s}");
    }
}

/// A container name that reads as an ID is refused at a rename, as at `--name`: podman 5 looks
/// names up before IDs, and the shim names each container it checked by its full ID (the
/// ninety-third look's: the operator's container renamed to an agent's ID got the agent's exec).
#[test]
fn a_new_name_never_reads_as_an_id() {
    let id = "ab".repeat(32);
    for new in [id.as_str(), "0123456789ab", "DEADBEEFCAFE"] {
        assert_eq!(
            check(&["rename", "c", new]).rules(),
            vec!["deny.foreign-container"],
            "{new}"
        );
    }
    // podman 5 removes a leading `/` from a name (the ninety-fourth look's).
    let slashed = format!("/{id}");
    assert_eq!(
        check(&["rename", "c", &slashed]).rules(),
        vec!["deny.foreign-container"]
    );
    for fine in ["ncl-session-1", "0123456789a", "abcdefabcdefg"] {
        assert!(check(&["rename", "c", fine]).violations.is_empty(), "{fine}");
    }
}

/// What reaches containers other than those it names is refused by default: `container prune`
/// removes every stopped container on the engine, `network rm -f` and `volume rm -f` every
/// container that uses the network or volume, the operator's too (the ninety-fourth look's).
#[test]
fn nothing_removes_containers_it_does_not_name() {
    for words in [
        &["container", "prune", "-f"][..],
        &["network", "rm", "-f", "n"],
        &["network", "rm", "--force", "n"],
        &["volume", "rm", "-f", "v"],
        &["volume", "remove", "-f", "v"],
        // Nor images or volumes it does not name: `image prune -a` removed the operator's
        // `localhost/operator-app`, whose short name podman then found under `*/operator-app`
        // (the hundredth look's).
        &["image", "prune", "-a"],
        &["image", "prune", "--all", "-f"],
        &["image", "prune", "-af"],
        // podman adds dangling=true beside a dangling filter of the caller's, and podman 5 ORs
        // them: `dangling=false` pruned every unused image (the hundred and second look's).
        &["image", "prune", "--filter", "dangling=false"],
        &["image", "prune", "-f", "--filter=Dangling =0"],
        // podman's volume prune removes every unused named volume (docker's: anonymous ones).
        &["volume", "prune", "-f"],
        &["volume", "prune", "--filter", "label=x"],
    ] {
        assert_eq!(check(words).rules(), vec!["deny.command"], "{words:?}");
    }
    for words in [
        &["network", "rm", "n"][..],
        &["volume", "rm", "v"],
        &["image", "prune", "-f"],
        &["image", "prune", "--filter", "until=24h", "--filter", "label=x=y"],
    ] {
        assert!(check(words).violations.is_empty(), "{words:?}");
    }
}

/// `cp`, allowed by name, is parsed with docker's table and its host side judged as a mount's:
/// the source as a read, the destination as a write (a sixty-eighth look's allowed `cp` read
/// `~/.ssh/id_ed25519` into a container and wrote `~/.bashrc` out of one). Any other command
/// the policy allows by name runs unparsed, but never with podman's own global flags (`cp
/// --storage-opt overlay.mount_program=PROGRAM` ran `PROGRAM` as root).
#[test]
fn an_allowed_cp_judges_its_host_paths_and_no_allowed_command_takes_podman_s_global_flags() {
    let p = policy(&["cp", "pod create"], &[]);
    let o = check_with(&["cp", "/home/a/.ssh/id_ed25519", "c:/x"], &p);
    assert_eq!(o.rules(), vec![PATH_RULE.as_str()]);
    assert_eq!(
        o.paths(),
        vec![("/home/a/.ssh/id_ed25519".to_string(), Access::Read)]
    );
    let o = check_with(&["container", "cp", "-a", "c:/x", "/home/a/.ssh/"], &p);
    assert_eq!(o.rules(), vec![PATH_RULE.as_str()]);
    assert_eq!(o.paths(), vec![("/home/a/.ssh/".to_string(), Access::Write)]);
    // The host side as either CLI reads it: absolute, `./`, or without a `:`; a container's
    // side and `-` (a tar stream) are no host path.
    for (words, asked) in [
        (&["cp", "c:/x", "out"][..], vec![("out", Access::Write)]),
        (&["cp", "./a:b", "c:/x"], vec![("./a:b", Access::Read)]),
        (&["cp", "/a:b", "c:/x"], vec![("/a:b", Access::Read)]),
        (&["cp", "c:/x", "-"], vec![]),
        (&["cp", "-", "c:/x"], vec![]),
        (&["cp", "c1:/x", "c2:/y"], vec![]),
    ] {
        let o = check_with(words, &p);
        assert!(o.violations.is_empty(), "{words:?}: {:?}", o.violations);
        let want: Vec<(String, Access)> = asked.into_iter().map(|(s, a)| (s.to_string(), a)).collect();
        assert_eq!(o.paths(), want, "{words:?}");
    }
    for words in [
        &["cp", "--storage-opt", "overlay.mount_program=/x", "c:/x", "-"][..],
        &["cp", "--overwrite", "c:/x", "-"],
        &["cp", "c:/x"],
        &["cp", "a", "c:/x", "b"],
    ] {
        assert!(!check_with(words, &p).violations.is_empty(), "{words:?}");
    }
    // Unparsed, but not with podman's global flags, in any spelling.
    assert!(
        check_with(&["pod", "create", "--name", "p"], &p)
            .violations
            .is_empty()
    );
    for words in [
        &["pod", "create", "--storage-opt=overlay.mount_program=/x", "p"][..],
        &["pod", "create", "--root", "/srv/s", "p"],
        &["pod", "create", "--log-level=debug", "p"],
        &["pod", "create", "--runtime", "/x", "p"],
        &["pod", "create", "-r", "p"],
        &["pod", "create", "--namespace=other", "p"],
        &["pod", "create", "--pull-option=x", "p"],
    ] {
        assert_eq!(check_with(words, &p).rules(), vec!["deny.command"], "{words:?}");
    }
}

/// A `--format` template runs in podman's own process on the host, outside every ceiling: only
/// field paths, variables, literals, a few functions and a `range` over a field pass (the
/// seventy-ninth look's `range` over a number, and nested ranges over a `split` literal, grew
/// podman to gigabytes in seconds). Every format nanoclaw and docker's documentation use passes.
#[test]
fn a_format_template_cannot_make_podman_s_memory_grow() {
    for format in [
        "{{.Names}}",
        "table {{.Names}}\t{{.Status}}",
        "{{.State.Status}}|{{.State.ExitCode}}",
        "{{.Names}}|{{.State}}|{{.Label \"nanoclaw-group\"}}|{{index .Labels \"k\"}}",
        "{{json .}}",
        "{{range .Containers}}{{.Name}} {{end}}",
        "{{range $k, $v := .Labels}}{{$k}}={{$v}}{{end}}",
        "{{- if eq .State \"running\" }}up{{ else }}down{{ end -}}",
        "{{join .Names \",\"}} {{lower .Image}} {{len .Mounts}}",
        "{{/* a comment */}}{{.ID}}",
        "{{.Endpoints.docker.Host}}",
    ] {
        let o = check(&["ps", "--format", format]);
        assert!(o.violations.is_empty(), "{format}: {:?}", o.violations);
    }
    for format in [
        "table {{range 100000000}}{{printf \"%999999d\" 1}}{{end}}",
        "{{range $i := split \"a,b,c\" \",\"}}{{range split \"a,b\" \",\"}}x{{end}}{{end}}",
        "{{printf \"%9999999s\" \"x\"}}",
        "{{range (len .Names)}}x{{end}}",
        "{{define \"t\"}}{{template \"t\"}}{{end}}{{template \"t\"}}",
        "{{range 10}}x{{end}}",
        // The eightieth look's: ranges nested over a field, over a variable holding a number or
        // a number's field, a function hidden after a quoted `}}` or a character constant.
        "{{range .Plugins.Log}}{{range .Plugins.Log}}{{range .Plugins.Log}}x{{end}}{{end}}{{end}}",
        "{{$n := 100000000}}{{range $n}}x{{end}}",
        "{{range .HostConfig.Memory}}x{{end}}",
        "table {{range $}}{{json $}}{{end}}",
        "{{ eq \"}}\" (pad \"x\" 0 1000000000) }}",
        "{{ eq '\"' (split \"aaaa\" \"\") }}",
    ] {
        for words in [
            &["ps", "--format", format][..],
            &["inspect", "-f", format, "c"],
            &["info", "--format", format],
        ] {
            assert_eq!(check(words).rules(), vec!["deny.command"], "{words:?}");
        }
    }
}

/// `build -t` and `tag` write an image name only where `writable_images` matches its repository
/// (`deny.image-name`): the operator's `podman run NAME` outside the shim would otherwise run an
/// agent's build (the ninety-fourth look's). The tag, the digest and `localhost/` are left out of
/// the match; another registry's name is matched whole; every `-t`, and every name a `tag`
/// writes (podman takes several), is judged, the source never.
#[test]
fn an_image_name_is_written_only_where_the_policy_says() {
    let writable: Vec<nanoclaw_shim::policy::ListEntry> = nanoclaw_shim::policy::DEFAULT_WRITABLE_IMAGES
        .iter()
        .map(|&s| s.into())
        .collect();
    let judged = |words: &[&str], images: &[nanoclaw_shim::policy::ListEntry]| {
        let argv: Vec<OsString> = words.iter().map(OsString::from).collect();
        let files = commands::BuildFiles {
            read: &plain_files,
            read_in: None,
            bases: None,
            limits: None,
            images: Some(images),
            volumes: None,
            networks: None,
            connectable: None,
            volume_on_host: None,
        };
        let mut host = |_: &[u8], _: Access, _: &str| None;
        let v = commands::check_with(&argv, &CommandsPolicy::default(), &mut host, &files, &[]);
        v.into_iter()
            .filter(|v| v.rule == nanoclaw_shim::rules::Rule::DenyImageName)
            .map(|v| v.token)
            .collect::<Vec<_>>()
    };
    for ok in [
        &[
            "build",
            "-t",
            "nanoclaw-agent-v2-9ce3f7df:ag-1786000000000-p4m8rt",
            "-f",
            "Dockerfile",
            ".",
        ][..],
        &["build", "-t", "nanoclaw-agent:latest", "."],
        &["build", "--tag=localhost/nanoclaw-agent:g1", "."],
        &["build", "-t", "nanoclaw-agent@sha256:0123", "."],
        &["build", "."],
        &["tag", "anything:1", "nanoclaw-agent:2"],
        &[
            "image",
            "tag",
            "localhost/x",
            "localhost/nanoclaw-x:1",
            "nanoclaw-y",
        ],
    ] {
        assert_eq!(judged(ok, &writable), Vec::<String>::new(), "{ok:?}");
    }
    for (words, refused) in [
        (&["build", "-t", "nginx:latest", "."][..], &["nginx:latest"][..]),
        (
            &["build", "-t", "nanoclaw-agent", "-t", "operator-app", "."],
            &["operator-app"],
        ),
        (
            &["build", "-t", "docker.io/library/nanoclaw-agent", "."],
            &["docker.io/library/nanoclaw-agent"],
        ),
        (
            &["build", "-t", "localhost:5000/nanoclaw-agent", "."],
            &["localhost:5000/nanoclaw-agent"],
        ),
        (
            &["build", "-t", "quay.io/x/nanoclaw-agent:1", "."],
            &["quay.io/x/nanoclaw-agent:1"],
        ),
        (&["build", "-t", "my-nanoclaw-agent", "."], &["my-nanoclaw-agent"]),
        (&["build", "-t", "", "."], &[""]),
        // A `*` matches within one component: podman's short-name lookup gives `podman run
        // operator-app` an image named `*/operator-app` (the ninety-eighth look's).
        (
            &["tag", "nanoclaw-a", "nanoclaw-x/operator-app"],
            &["nanoclaw-x/operator-app"],
        ),
        (
            &["tag", "nanoclaw-a", "nanoclaw-x.io/operator-app"],
            &["nanoclaw-x.io/operator-app"],
        ),
        (
            &["build", "-t", "nanoclaw-x:5000/operator-app:1", "."],
            &["nanoclaw-x:5000/operator-app:1"],
        ),
        (
            &["build", "-t", "localhost/nanoclaw-x/y", "."],
            &["localhost/nanoclaw-x/y"],
        ),
        (
            &["tag", "nanoclaw-agent:1", "localhost/quadlet-app:latest"],
            &["localhost/quadlet-app:latest"],
        ),
        (
            &[
                "image",
                "tag",
                "nanoclaw-agent:1",
                "nanoclaw-ok",
                "registry.example/app",
            ],
            &["registry.example/app"],
        ),
    ] {
        assert_eq!(judged(words, &writable), refused, "{words:?}");
    }
    // A pattern the policy adds, written with or without `localhost/`; an empty list refuses
    // every name.
    let mine: Vec<nanoclaw_shim::policy::ListEntry> =
        vec!["localhost/my-agent*".into(), "registry.example/team/*".into()];
    assert!(judged(&["build", "-t", "my-agent:3", "."], &mine).is_empty());
    assert!(judged(&["tag", "a", "registry.example/team/app:1"], &mine).is_empty());
    assert_eq!(
        judged(&["tag", "a", "registry.example/team/x/app"], &mine),
        ["registry.example/team/x/app"]
    );
    // `localhost/*` is every name without a registry, not every registry's.
    let local: Vec<nanoclaw_shim::policy::ListEntry> = vec!["localhost/*".into()];
    assert!(judged(&["build", "-t", "anything:1", "."], &local).is_empty());
    assert_eq!(
        judged(&["build", "-t", "quay.io/org/app", "."], &local),
        ["quay.io/org/app"]
    );
    assert_eq!(
        judged(&["build", "-t", "nanoclaw-agent", "."], &[]),
        ["nanoclaw-agent"]
    );
    // `rmi` takes away only such names: the operator's `localhost/operator-app` removed, its
    // short name finds an image an agent pulled as `*/operator-app` (the hundredth look's). An
    // image ID names no pattern's image either.
    assert!(judged(&["rmi", "nanoclaw-agent:g1", "localhost/nanoclaw-x"], &writable).is_empty());
    assert_eq!(
        judged(
            &[
                "image",
                "rm",
                "-f",
                "nanoclaw-agent:g1",
                "operator-app",
                "0123456789ab"
            ],
            &writable
        ),
        ["operator-app", "0123456789ab"]
    );
    assert_eq!(
        judged(&["image", "remove", "quay.io/x/app"], &writable),
        ["quay.io/x/app"]
    );
}

/// The tokens `words` has refused by `kind`'s rule under its default list (the other lists
/// left out, so that only that rule speaks).
fn named_refusals(words: &[&str], kind: Named) -> Vec<String> {
    named_refusals_held(words, kind, None)
}

/// [`named_refusals`], where the engine holds the local volumes `held` says. Volumes are judged
/// against a policy that names `nanoclaw-*` (the default names none); networks against the
/// default.
fn named_refusals_held(words: &[&str], kind: Named, held: Option<&commands::VolumeOnHost>) -> Vec<String> {
    let list = match kind {
        Named::Volume => &["nanoclaw-*"][..],
        Named::Network => kind.list().defaults(),
    };
    named_refusals_in(words, kind, held, list)
}

/// [`named_refusals_held`] against the list `list`.
fn named_refusals_in(
    words: &[&str],
    kind: Named,
    held: Option<&commands::VolumeOnHost>,
    list: &[&'static str],
) -> Vec<String> {
    let writable: Vec<nanoclaw_shim::policy::ListEntry> = list.iter().map(|&s| s.into()).collect();
    let argv: Vec<OsString> = words.iter().map(OsString::from).collect();
    let files = commands::BuildFiles {
        read: &plain_files,
        read_in: None,
        bases: None,
        limits: None,
        images: None,
        volumes: (kind == Named::Volume).then_some(&writable[..]),
        networks: (kind == Named::Network).then_some(&writable[..]),
        connectable: None,
        volume_on_host: held,
    };
    let mut host = |_: &[u8], _: Access, _: &str| None;
    commands::check_with(&argv, &CommandsPolicy::default(), &mut host, &files, &[])
        .into_iter()
        .filter(|v| v.rule == kind.rule())
        .map(|v| v.token)
        .collect()
}

/// `volume create` and `volume rm` name only volumes `writable_volumes` matches
/// (`deny.volume-name`): the operator's named volumes are not an agent's to remove, nor to take
/// the name of. A `volume create` without a name gets one podman makes up: refused.
#[test]
fn a_volume_name_is_used_only_where_the_policy_says() {
    let judged = |words: &[&str]| named_refusals(words, Named::Volume);
    assert!(judged(&["volume", "create", "nanoclaw-cache"]).is_empty());
    assert!(judged(&["volume", "rm", "nanoclaw-cache", "nanoclaw-x"]).is_empty());
    assert_eq!(judged(&["volume", "create", "operator-data"]), ["operator-data"]);
    assert_eq!(judged(&["volume", "create"]), ["volume create"]);
    assert_eq!(
        judged(&["volume", "remove", "nanoclaw-a", "operator-data"]),
        ["operator-data"]
    );
    assert_eq!(judged(&["volume", "rm", "operator-data"]), ["operator-data"]);
    // The default names none: an agent's own volume is host disk outside every ceiling.
    let default = Named::Volume.list().defaults();
    assert!(default.is_empty(), "{default:?}");
    assert_eq!(
        named_refusals_in(
            &["volume", "create", "nanoclaw-cache"],
            Named::Volume,
            None,
            default
        ),
        ["nanoclaw-cache"]
    );
}

/// A volume's definition holds its driver's options, a CIFS or NFS share's password among them
/// (the hundred-and-third look's): `volume inspect` and `inspect --type volume` name only the
/// policy's volumes, and `volume ls --format` may not print options, entries whole or json.
/// nanoclaw runs none of them; a bare `inspect` (containers, images, networks) is untouched.
#[test]
fn an_operator_s_volume_s_options_are_not_read() {
    let judged = |words: &[&str]| named_refusals(words, Named::Volume);
    for fine in [
        &["volume", "inspect", "nanoclaw-cache"][..],
        &[
            "volume",
            "inspect",
            "--format",
            "{{.Mountpoint}}",
            "nanoclaw-a",
            "nanoclaw-b",
        ],
        &["inspect", "--type", "volume", "nanoclaw-cache"],
        &["inspect", "--type", "container", "operator-data"],
        &["inspect", "operator-data"],
        &["volume", "ls"],
        &["volume", "ls", "--format", "{{.Name}}\t{{.Driver}}"],
        &["volume", "ls", "--format", "table {{.Name}} {{json .Labels}}"],
        &["volume", "list", "-q", "--filter", "name=operator"],
    ] {
        assert!(judged(fine).is_empty(), "{fine:?}");
    }
    assert_eq!(judged(&["volume", "inspect", "operator-cifs"]), ["operator-cifs"]);
    assert_eq!(
        judged(&[
            "volume",
            "inspect",
            "nanoclaw-a",
            "-f",
            "{{.Name}}",
            "operator-cifs"
        ]),
        ["operator-cifs"]
    );
    assert_eq!(
        judged(&["inspect", "--type", "volume", "operator-cifs"]),
        ["operator-cifs"]
    );
    assert_eq!(judged(&["inspect", "--type=VOLUME", "x"]), ["x"]);
    for format in [
        "{{.Name}} {{.Options}}",
        "{{json .}}",
        "json",
        "{{range $k, $v := .Options}}{{$v}}{{end}}",
        "{{index . \"Options\"}}",
    ] {
        assert_eq!(
            judged(&["volume", "ls", "--format", format]),
            ["--format"],
            "{format}"
        );
    }
    // A bare `inspect` (or `--type all`) of a volume the engine holds outside the list: podman
    // reads the volume where no container or image has the name.
    // The volumes podman's lookup would give for a name: a start of one, in any case.
    let held = |n: &[u8]| -> Vec<Vec<u8>> {
        let n = n.to_ascii_lowercase();
        [&b"operator-cifs"[..], b"nanoclaw-cache"]
            .iter()
            .filter(|v| v.starts_with(&n))
            .map(|v| v.to_vec())
            .collect()
    };
    let bare = |words: &[&str]| named_refusals_held(words, Named::Volume, Some(&held));
    assert_eq!(bare(&["inspect", "operator-cifs"]), ["operator-cifs"]);
    // A start of its name, in any case (podman 5), as podman's lookup finds it.
    assert_eq!(bare(&["inspect", "OPERATOR-C"]), ["OPERATOR-C"]);
    assert_eq!(bare(&["inspect", "op"]), ["op"]);
    assert_eq!(
        bare(&[
            "inspect",
            "--type",
            "all",
            "-f",
            "{{.Name}}",
            "ncl-1",
            "operator-cifs"
        ]),
        ["operator-cifs"]
    );
    for fine in [
        &["inspect", "nanoclaw-cache"][..],
        &["inspect", "ncl-1-sess", "onecli"],
        &["inspect", "--type", "container", "operator-cifs"],
        &["inspect", "--type", "volume", "--type", "image", "operator-cifs"],
    ] {
        assert!(bare(fine).is_empty(), "{fine:?}: {:?}", bare(fine));
    }
    // `--all` prints every volume: not an option the shim knows.
    assert_eq!(
        check(&["volume", "inspect", "--all"]).rules(),
        vec!["parse.unknown-flag"]
    );
}

/// `network create`, `rm`, `connect` and `disconnect` name only networks `writable_networks`
/// matches (`deny.network-name`): an operator's network removed was made again `--internal` by
/// an agent (the hundred-and-third look's). nanoclaw's own (`nanoclaw-egress`, `ncl-*`) pass;
/// a `network create` without a name gets one podman makes up: refused; `network prune` is
/// refused by default.
#[test]
fn a_network_name_is_used_only_where_the_policy_says() {
    let judged = |words: &[&str]| named_refusals(words, Named::Network);
    for fine in [
        &["network", "create", "--internal", "nanoclaw-egress"][..],
        &[
            "network",
            "create",
            "--internal",
            "--label",
            "nanoclaw-install=1",
            "ncl-1-sess-private",
        ],
        &["network", "rm", "ncl-1-net"],
        &[
            "network",
            "connect",
            "--alias",
            "gateway",
            "nanoclaw-egress",
            "onecli",
        ],
        &["network", "disconnect", "nanoclaw-egress", "onecli"],
        &["network", "inspect", "operator-net"],
    ] {
        assert!(judged(fine).is_empty(), "{fine:?}");
    }
    assert_eq!(judged(&["network", "create", "operator-net"]), ["operator-net"]);
    assert_eq!(judged(&["network", "create", "--internal"]), ["network create"]);
    assert_eq!(
        judged(&["network", "rm", "ncl-1-net", "operator-net"]),
        ["operator-net"]
    );
    assert_eq!(judged(&["network", "remove", "podman"]), ["podman"]);
    assert_eq!(
        judged(&["network", "connect", "operator-net", "ncl-agent"]),
        ["operator-net"]
    );
    assert_eq!(
        judged(&["network", "disconnect", "operator-net", "operator-app"]),
        ["operator-net"]
    );
    assert_eq!(check(&["network", "prune", "-f"]).rules(), vec!["deny.command"]);
    assert!(
        check_with(&["network", "prune", "-f"], &policy(&["network prune"], &[]))
            .violations
            .is_empty()
    );
}

/// `stop`, which nanoclaw runs and which is not asked about its container, sends no signal of
/// the caller's choosing: docker's `stop -s USR1 -t 3600` is `kill -s USR1`, which opened an
/// operator's Node service's inspector (the hundred-and-third and -sixth looks').
#[test]
fn stop_sends_no_signal_of_the_caller_s_choosing() {
    for words in [
        &["stop", "-s", "USR1", "c"][..],
        &["stop", "--signal=USR1", "-t", "3600", "c"],
        &["container", "stop", "--signal", "SIGUSR1", "c"],
        &["restart", "-s", "USR1", "c"],
        &["stop", "--timeout=3", "--signal", "SIGTERM", "n"],
    ] {
        assert!(!check(words).violations.is_empty(), "{words:?}");
    }
    assert!(check(&["stop", "-t", "1", "c"]).violations.is_empty());
}

/// A label or annotation without a name (`=VALUE`): podman refuses it by printing the value (the
/// thirty-first pass's look found it for `run`), so a build, a network or a volume refuses it
/// first, naming the flag only; a named one passes.
#[test]
fn a_nameless_label_is_refused_without_its_value() {
    for words in [
        &["build", "--label", "=aoc_0f3c9e2b7a41d8c6", "/ctx"][..],
        &["build", "--label= =aoc_0f3c9e2b7a41d8c6", "/ctx"],
        &["build", "--annotation", "=aoc_0f3c9e2b7a41d8c6", "/ctx"],
        &["network", "create", "--label", "=aoc_0f3c9e2b7a41d8c6", "n"],
        &["volume", "create", "--label==aoc_0f3c9e2b7a41d8c6", "v"],
    ] {
        let o = check(words);
        assert_eq!(
            o.rules(),
            vec!["parse.bad-value"],
            "{words:?}: {:?}",
            o.violations
        );
        let shown = format!("{:?}", o.violations);
        assert!(!shown.contains("aoc_"), "{shown}");
    }
    for words in [
        &["build", "--label", "a=aoc_0f3c9e2b7a41d8c6", "/ctx"][..],
        &["network", "create", "--label", "team=x", "n"],
        &["volume", "create", "--label", "team", "v"],
    ] {
        assert!(check(words).violations.is_empty(), "{words:?}");
    }
}
