//! The bypass corpus: invocations that must be refused or neutralised (each with the rule id
//! that catches it), and close-but-legitimate ones that must pass unchanged apart from the
//! hardening. Spellings, bundles, `=` forms, repeats, `--mount` CSV quoting, symlinked and `..`
//! paths, and flags placed where a naive parser would stop early.

use std::ffi::OsString;
use std::path::PathBuf;

use nanoclaw_shim::deny::HostCtx;
use nanoclaw_shim::policy::Policy;
use nanoclaw_shim::rewrite::{self, Decision, Flavor, Plan, Target};

struct Host {
    _dir: tempfile::TempDir,
    home: PathBuf,
    link_to_etc: PathBuf,
}

fn host() -> Host {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home/alice");
    for sub in [
        ".ssh",
        ".aws",
        ".gnupg",
        ".config/nanoclaw-shim",
        "nanoclaw/groups/main",
    ] {
        std::fs::create_dir_all(home.join(sub)).unwrap();
    }
    let link_to_etc = dir.path().join("innocent");
    std::os::unix::fs::symlink("/etc", &link_to_etc).unwrap();
    // `{link}/../../etc` climbs from the link's target (/usr/share), not from its directory.
    std::os::unix::fs::symlink("/usr/share", dir.path().join("up")).unwrap();
    Host {
        _dir: dir,
        home,
        link_to_etc,
    }
}

fn target(h: &Host) -> Target {
    let mut t = Target::fixed(Flavor::Podman, false, Some((4, 3, 1)));
    t.host = HostCtx {
        own_files: Vec::new(),
        cwd: Some("/srv".into()),
        home: Some(h.home.clone()),
        ..Default::default()
    };
    t
}

fn plan_with(policy: &Policy, h: &Host, words: &[String]) -> Plan {
    let argv: Vec<OsString> = words.iter().map(OsString::from).collect();
    rewrite::plan(&argv, policy, &target(h))
}

/// `{home}` and `{link}` in a word are replaced by the test host's paths.
fn expand(h: &Host, words: &[&str]) -> Vec<String> {
    words
        .iter()
        .map(|w| {
            w.replace("{home}", &h.home.display().to_string())
                .replace("{link}", &h.link_to_etc.display().to_string())
        })
        .collect()
}

const REFUSED: &[(&[&str], &str)] = &[
    // --privileged in every spelling
    (&["run", "--privileged", "img"], "deny.privileged"),
    (&["run", "--privileged=true", "img"], "deny.privileged"),
    (&["run", "--privileged=1", "img"], "deny.privileged"),
    (&["run", "--privileged=True", "img"], "deny.privileged"),
    (&["run", "--privileged=t", "img"], "deny.privileged"),
    (
        &["run", "--privileged=false", "--privileged", "img"],
        "deny.privileged",
    ),
    (&["container", "run", "--privileged", "img"], "deny.privileged"),
    (&["create", "--privileged", "img"], "deny.privileged"),
    (
        &["--log-level", "info", "run", "--privileged", "img"],
        "deny.privileged",
    ),
    (&["run", "-dit", "--privileged", "img"], "deny.privileged"),
    (
        &[
            "run",
            "--name",
            "x",
            "--ulimit",
            "nofile=5",
            "--privileged",
            "img",
        ],
        "deny.privileged",
    ),
    // host namespaces
    (&["run", "--network", "host", "img"], "deny.host-namespace"),
    (&["run", "--network=host", "img"], "deny.host-namespace"),
    (&["run", "--net", "host", "img"], "deny.host-namespace"),
    (&["run", "--net=HOST", "img"], "deny.host-namespace"),
    (&["run", "--network", "bridge,host", "img"], "deny.host-namespace"),
    (
        &["run", "--network", "ns:/proc/1/ns/net", "img"],
        "deny.host-namespace",
    ),
    (&["run", "--pid", "host", "img"], "deny.host-namespace"),
    (&["run", "--pid=host", "img"], "deny.host-namespace"),
    (&["run", "--ipc", "host", "img"], "deny.host-namespace"),
    (&["run", "--uts=host", "img"], "deny.host-namespace"),
    (&["run", "--userns", "host", "img"], "deny.host-namespace"),
    (&["run", "--cgroupns=host", "img"], "deny.host-namespace"),
    // weakening security options, `=` and `:` alike
    (
        &["run", "--security-opt", "seccomp=unconfined", "img"],
        "deny.security-option",
    ),
    (
        &["run", "--security-opt", "seccomp:unconfined", "img"],
        "deny.security-option",
    ),
    (
        &["run", "--security-opt=apparmor=unconfined", "img"],
        "deny.security-option",
    ),
    (
        &["run", "--security-opt", "apparmor:unconfined", "img"],
        "deny.security-option",
    ),
    (
        &["run", "--security-opt", "label=disable", "img"],
        "deny.security-option",
    ),
    (
        &["run", "--security-opt", "label:disable", "img"],
        "deny.security-option",
    ),
    (
        &["run", "--security-opt", "label=type:spc_t", "img"],
        "deny.security-option",
    ),
    (
        &["run", "--security-opt", "systempaths=unconfined", "img"],
        "deny.security-option",
    ),
    (
        &["run", "--security-opt", "unmask=ALL", "img"],
        "deny.security-option",
    ),
    (
        &["run", "--security-opt", "no-new-privileges=false", "img"],
        "deny.security-option",
    ),
    (
        &["run", "--security-opt", "no-new-privileges:false", "img"],
        "deny.security-option",
    ),
    (
        &["run", "--security-opt=no-new-privileges:0", "img"],
        "deny.security-option",
    ),
    (
        &["run", "--security-opt=no-new-privileges=FALSE", "img"],
        "deny.security-option",
    ),
    // capabilities outside the (empty) allow-list
    (&["run", "--cap-add", "SYS_ADMIN", "img"], "deny.cap-add"),
    (&["run", "--cap-add=ALL", "img"], "deny.cap-add"),
    (&["run", "--cap-add", "cap_sys_admin", "img"], "deny.cap-add"),
    (&["run", "--cap-add=net_admin,chown", "img"], "deny.cap-add"),
    (
        &["run", "--cap-drop", "ALL", "--cap-add", "all", "img"],
        "deny.cap-add",
    ),
    // devices, other containers' mounts, the API socket, propagation
    (&["run", "--device", "/dev/kvm", "img"], "deny.device"),
    (&["run", "--device=/dev/sda:/dev/xvda:rwm", "img"], "deny.device"),
    (&["run", "--device-cgroup-rule", "c 1:3 mr", "img"], "deny.device"),
    (&["run", "--volumes-from", "other", "img"], "deny.volumes-from"),
    (&["run", "--use-api-socket", "img"], "deny.api-socket"),
    (&["run", "--env-host", "img"], "deny.env-host"),
    (&["run", "--env-host=true", "-e", "A=b", "img"], "deny.env-host"),
    (
        &["run", "-v", "/data:/data:shared", "img"],
        "deny.mount-propagation",
    ),
    (
        &["run", "-v", "/data:/data:ro,rshared", "img"],
        "deny.mount-propagation",
    ),
    (
        &[
            "run",
            "--mount",
            "type=bind,src=/data,dst=/data,bind-propagation=rshared",
            "img",
        ],
        "deny.mount-propagation",
    ),
    // sensitive host paths, through -v, --volume and --mount
    (&["run", "-v", "/:/host", "img"], "deny.sensitive-mount"),
    (&["run", "-v", "/etc:/etc", "img"], "deny.sensitive-mount"),
    (&["run", "-v", "/etc/:/x:ro", "img"], "deny.sensitive-mount"),
    (&["run", "-v/etc:/x", "img"], "deny.sensitive-mount"),
    (&["run", "-tiv/etc:/x", "img"], "deny.sensitive-mount"),
    (
        &["run", "--volume=/var/run/docker.sock:/var/run/docker.sock", "img"],
        "deny.sensitive-mount",
    ),
    (
        &["run", "-v", "/run/podman/podman.sock:/s", "img"],
        "deny.sensitive-mount",
    ),
    (
        &["run", "-v", "/run/user/1000/podman/podman.sock:/s", "img"],
        "deny.sensitive-mount",
    ),
    (&["run", "-v", "/run:/run", "img"], "deny.sensitive-mount"),
    (&["run", "-v", "/var/run:/var/run", "img"], "deny.sensitive-mount"),
    (&["run", "-v", "/proc:/p", "img"], "deny.sensitive-mount"),
    (&["run", "-v", "/sys:/s", "img"], "deny.sensitive-mount"),
    (&["run", "-v", "/dev:/dev", "img"], "deny.sensitive-mount"),
    (&["run", "-v", "/boot:/b", "img"], "deny.sensitive-mount"),
    (&["run", "-v", "/root:/r", "img"], "deny.sensitive-mount"),
    (&["run", "-v", "{home}/.ssh:/k:ro", "img"], "deny.credentials"),
    (&["run", "-v", "{home}/.aws:/a", "img"], "deny.credentials"),
    (&["run", "-v", "{home}/.gnupg:/g", "img"], "deny.credentials"),
    (
        &["run", "-v", "{home}/.config/nanoclaw-shim:/c", "img"],
        "deny.sensitive-mount",
    ),
    (&["run", "-v", "{home}:/h", "img"], "deny.sensitive-mount"),
    (
        &["run", "--mount", "type=bind,source=/etc,target=/e", "img"],
        "deny.sensitive-mount",
    ),
    (
        &["run", "--mount", "type=bind,\"source=/etc\",target=/e", "img"],
        "deny.sensitive-mount",
    ),
    (
        &["run", "--mount", "type=bind,src=/srv/../etc,dst=/e", "img"],
        "deny.sensitive-mount",
    ),
    (&["run", "-v", "/srv/../etc:/e", "img"], "deny.sensitive-mount"),
    (&["run", "-v", "{link}:/e", "img"], "deny.sensitive-mount"),
    (
        &["run", "-v", "{link}/passwd:/p:ro", "img"],
        "deny.sensitive-mount",
    ),
    (
        &["run", "--mount", "type=bind,src=../../etc,dst=/e", "img"],
        "deny.sensitive-mount",
    ),
    // Profiles and labels replace the runtime's confinement: only allow-listed values pass.
    (
        &[
            "run",
            "--security-opt",
            "seccomp=/etc/containers/seccomp.json",
            "img",
        ],
        "deny.security-option",
    ),
    (
        &["run", "--security-opt", "label=type:container_t", "img"],
        "deny.security-option",
    ),
    (
        &["run", "--security-opt", "apparmor=docker-default", "img"],
        "deny.security-option",
    ),
    // exec and update
    (&["exec", "--privileged", "c", "sh"], "deny.exec-privileged"),
    (
        &["container", "exec", "--privileged=true", "c", "sh"],
        "deny.exec-privileged",
    ),
    (&["exec", "-u", "root", "c", "sh"], "deny.exec-root"),
    (&["exec", "--user=0", "c", "sh"], "deny.exec-root"),
    (&["exec", "-u", "0:0", "c", "sh"], "deny.exec-root"),
    (&["exec", "-u", "1000:1000", "c", "sh"], "deny.exec-root"),
    (&["exec", "-itu", "root", "c", "sh"], "deny.exec-root"),
    (&["update", "--memory", "16g", "c"], "deny.update-limits"),
    (&["update", "--pids-limit", "-1", "c"], "deny.update-limits"),
    (&["update", "--cpus", "8", "c"], "deny.update-limits"),
    (&["update", "c", "--memory=0"], "deny.update-limits"),
    (&["update", "--cpu-quota", "-1", "c"], "deny.update-limits"),
    (
        &["update", "--memory-reservation", "8g", "c"],
        "deny.update-limits",
    ),
    (&["update", "--memory-reservation=-1", "c"], "deny.update-limits"),
    // what a lenient parser would get wrong
    (
        &["run", "--made-up", "x", "--privileged", "img"],
        "parse.unknown-flag",
    ),
    (&["run", "--priv", "img"], "parse.unknown-flag"),
    (&["run", "--privileged=yes", "img"], "parse.bad-bool"),
    (&["exec", "--bogus", "c", "sh"], "parse.unknown-flag"),
];

/// Settings the rewrite neutralises rather than refuses (the container runs hardened).
const NEUTRALISED: &[(&[&str], &str)] = &[
    (&["run", "--read-only=false", "img"], "harden.read-only"),
    (
        &["run", "--read-only", "--read-only=0", "img"],
        "harden.read-only",
    ),
    (&["run", "--pids-limit", "0", "img"], "limit.pids"),
    (&["run", "--pids-limit=-1", "img"], "limit.pids"),
    (&["run", "--memory", "0", "img"], "limit.memory"),
    (&["run", "-m64g", "img"], "limit.memory"),
    (&["run", "--cpus", "64", "img"], "limit.cpus"),
    (&["run", "--cpu-quota", "9999999", "img"], "limit.cpus"),
];

const LEGITIMATE: &[&[&str]] = &[
    &[
        "run",
        "--rm",
        "-v",
        "{home}/nanoclaw/groups/main:/workspace",
        "img",
    ],
    &["run", "-v", "/etc-backup:/x:ro", "img"],
    &[
        "run",
        "-v",
        "/tmp/onecli-proxy-ca.pem:/tmp/onecli-gateway-ca.pem:ro",
        "img",
    ],
    &["run", "-v", "/srv/data:/data:ro,rslave", "img"],
    &["run", "--network", "none", "img"],
    &["run", "--network=bridge", "img"],
    &["run", "--network", "nanoclaw-egress", "img"],
    &["run", "--security-opt", "no-new-privileges:true", "img"],
    &["run", "--cap-drop", "NET_RAW", "img"],
    &["run", "--user", "1000:1000", "img"],
    &["run", "--pid", "private", "--ipc", "private", "img"],
    &["run", "--uts", "private", "img"],
    &["run", "--userns", "auto", "img"],
    &["run", "--mount", "type=tmpfs,dst=/scratch", "img"],
    &["run", "--device-read-bps", "/dev/sda:1mb", "img"],
    &[
        "run",
        "-e",
        "PRIVILEGED=true",
        "--label",
        "privileged=true",
        "--name",
        "privileged",
        "img",
    ],
    &["run", "--label", "host=host", "img"],
    &["run", "img", "--privileged", "-v", "/:/host", "--network=host"],
    &["run", "--entrypoint", "--privileged", "img"],
    &["run", "--", "img", "--cap-add=ALL"],
    &["exec", "-i", "c", "sh"],
    &["update", "--memory", "1g", "c"],
    &["update", "--pids-limit", "100", "--cpus", "1.5", "c"],
    &["update", "--memory-reservation", "1g", "c"],
];

#[test]
fn bypass_corpus_is_refused_with_the_right_rule() {
    assert!(REFUSED.len() + NEUTRALISED.len() >= 60);
    let h = host();
    let policy = Policy::default();
    for (words, rule) in REFUSED {
        let words = expand(&h, words);
        let p = plan_with(&policy, &h, &words);
        assert_eq!(
            p.decision,
            Decision::Refuse,
            "{words:?} was not refused: {:?}",
            p.args
        );
        let r = p.refusal.expect("a reason");
        assert_eq!(r.rule, *rule, "{words:?}: {r:?}");
        assert!(p.args.is_empty());
    }
}

#[test]
fn neutralised_settings_never_reach_the_runtime() {
    let h = host();
    let policy = Policy::default();
    for (words, rule) in NEUTRALISED {
        let words = expand(&h, words);
        let p = plan_with(&policy, &h, &words);
        assert_eq!(p.decision, Decision::Rewrite, "{words:?}");
        assert!(
            p.changes.iter().any(|c| c.rule == *rule),
            "{words:?}: {:?}",
            p.changes
        );
        let out: Vec<String> = p.args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        for bad in [
            "--read-only=false",
            "--read-only=0",
            "0",
            "-1",
            "64g",
            "64",
            "9999999",
            "-m64g",
        ] {
            assert!(
                !out.contains(&bad.to_string()) && !out.iter().any(|t| t.ends_with(&format!("={bad}"))),
                "{words:?} kept {bad}: {out:?}"
            );
        }
    }
}

#[test]
fn opt_in_rules() {
    let h = host();
    let mut policy = Policy::default();
    policy
        .rules
        .deny
        .set(nanoclaw_shim::rules::Rule::DenyRootUser, true);
    policy
        .rules
        .deny
        .set(nanoclaw_shim::rules::Rule::DenyContainerNamespace, true);
    for (words, rule) in [
        (&["run", "--user", "0", "img"][..], "deny.root-user"),
        (&["run", "-u", "root:root", "img"], "deny.root-user"),
        (&["run", "--user=0:1000", "img"], "deny.root-user"),
        (&["run", "--user", "toor", "img"], "deny.root-user"),
        (&["run", "-u", "node:node", "img"], "deny.root-user"),
        (
            &["run", "--pid", "container:abc", "img"],
            "deny.container-namespace",
        ),
        (
            &["run", "--network=container:abc", "img"],
            "deny.container-namespace",
        ),
        (
            &["run", "--ipc", "container:abc", "img"],
            "deny.container-namespace",
        ),
    ] {
        let p = plan_with(&policy, &h, &expand(&h, words));
        assert_eq!(p.refusal.map(|r| r.rule.as_str()), Some(rule), "{words:?}");
    }
}

#[test]
fn close_but_legitimate_invocations_pass() {
    assert!(LEGITIMATE.len() >= 20);
    let h = host();
    let policy = Policy::default();
    for words in LEGITIMATE {
        let words = expand(&h, words);
        let p = plan_with(&policy, &h, &words);
        assert!(p.decision.runs(), "{words:?} refused: {:?}", p.refusal);
        assert!(
            !p.changes.iter().any(|c| c.rule.as_str().starts_with("deny.")),
            "{words:?}: {:?}",
            p.changes
        );
        // Apart from the added hardening, the caller's tokens are all still there, in order.
        let out: Vec<String> = p.args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        let mut it = out.iter();
        for w in &words {
            assert!(it.any(|o| o == w), "{w} lost or reordered in {out:?}");
        }
    }
}

#[test]
fn every_rule_can_be_switched_off() {
    let h = host();
    let mut policy = Policy::default();
    let d = &mut policy.rules.deny;
    for &(_, rule, _) in nanoclaw_shim::policy::DENY_SWITCHES {
        d.set(rule, false);
    }
    // The mount check's switch is [podman]'s.
    policy.rules.podman.verify_mounts = false;
    for (words, rule) in REFUSED {
        if rule.starts_with("parse.") {
            continue;
        }
        let p = plan_with(&policy, &h, &expand(&h, words));
        // --use-api-socket is docker-only: podman cannot run it either way.
        let compat = p
            .refusal
            .as_ref()
            .is_some_and(|r| r.rule == "compat.unsupported-flag");
        assert!(
            p.decision.runs() || compat,
            "{words:?} still refused: {:?}",
            p.refusal
        );
    }
}
