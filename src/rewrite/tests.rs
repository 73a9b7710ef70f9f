use super::*;
use crate::policy;

fn podman() -> Target {
    Target::fixed(Flavor::Podman, false, Some((4, 3, 1)))
}

/// The default policy with the deny rules off: contrary settings are neutralised instead. The
/// mount check is off too: it adds to every `run` and `create`, and has tests of its own.
fn lenient() -> Policy {
    let mut p = Policy::default();
    p.rules.podman.verify_mounts = false;
    let d = &mut p.rules.deny;
    d.set(Rule::DenyPrivileged, false);
    d.set(Rule::DenySecurityOption, false);
    d.set(Rule::DenyCapAdd, false);
    p
}

fn argv(words: &[&str]) -> Vec<OsString> {
    words.iter().map(OsString::from).collect()
}

fn out(words: &[&str]) -> Vec<String> {
    out_with(words, &lenient())
}

fn out_with(words: &[&str], p: &Policy) -> Vec<String> {
    let plan = plan(&argv(words), p, &podman());
    assert!(plan.decision.runs(), "refused: {:?}", plan.refusal);
    let mut args: Vec<String> = plan
        .args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // podman reads no mounts.conf, the mount check off too: the shim's global option, first on
    // every `run` and `create` (the tests here speak of the rest).
    if args
        .first()
        .is_some_and(|a| a == crate::mountcheck::NO_DEFAULT_MOUNTS)
    {
        args.remove(0);
    }
    args
}

fn refused(words: &[&str]) -> Refusal {
    let plan = plan(&argv(words), &Policy::default(), &podman());
    assert_eq!(plan.decision, Decision::Refuse, "{plan:?}");
    assert!(plan.args.is_empty());
    plan.refusal.unwrap()
}

const HARDENING: &[&str] = &[
    "--http-proxy=false",
    "--read-only",
    "--tmpfs=/tmp:rw,nosuid,nodev,noexec,size=512m,mode=1777",
    "--tmpfs=/home/node:rw,nosuid,nodev,exec,size=1g,mode=1777",
    "--cap-drop=ALL",
    "--cap-add=SYS_CHROOT",
    "--security-opt=no-new-privileges",
    "--no-healthcheck",
    "--cgroupns=private",
    "--cpus=2",
    "--memory=4g",
    "--pids-limit=256",
    "--log-driver=k8s-file",
    "--log-opt=max-size=52428800",
    "--ulimit=nofile=1024:1024",
    "--systemd=false",
    "--label=io.containers.autoupdate=disabled",
    "--image-volume=tmpfs",
    "--security-opt=seccomp=<podman's default, narrowed>",
    ANNOTATION,
];

/// The shim's annotation under the default policy, for an invocation without `--entrypoint`.
const ANNOTATION: &str = concat!(
    "--annotation=io.github.nanoclaw-shim.applied=nanoclaw-shim/",
    env!("CARGO_PKG_VERSION"),
    " mode=enforce rules=harden.read-only;harden.tmpfs;harden.cap-drop;harden.no-new-privileges;",
    "harden.keep-capabilities;harden.healthcheck;harden.auto-update;harden.systemd;harden.cgroupns;",
    "harden.image-volume;harden.seccomp;limit.cpus;",
    "limit.memory;limit.pids;limit.open-files;limit.log-size"
);

/// The options of a rewritten argv other than the shim's annotation (which names rule ids).
fn without_annotation(o: &[String]) -> impl Iterator<Item = &String> {
    o.iter().filter(|t| !t.starts_with("--annotation="))
}

fn with_hardening(before: &[&str], after: &[&str]) -> Vec<String> {
    before
        .iter()
        .chain(HARDENING)
        .chain(after)
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn adds_everything_before_the_image() {
    assert_eq!(
        out(&["run", "--rm", "img", "cmd", "--privileged"]),
        with_hardening(&["run", "--rm"], &["img", "cmd", "--privileged"])
    );
    assert_eq!(
        out(&["container", "create", "img"]),
        with_hardening(&["container", "create"], &["img"])
    );
}

#[test]
fn passthrough_is_untouched() {
    let a = [
        "ps",
        "--filter",
        "label=nanoclaw-install=ab",
        "--format",
        "{{.Names}}",
    ];
    assert_eq!(out(&a), a);
    assert_eq!(out(&["stop", "-t", "1", "x"]), ["stop", "-t", "1", "x"]);
    assert_eq!(out(&["run", "--help"]), ["run", "--help"]);
}

#[test]
fn contrary_settings_are_removed() {
    let o = out(&[
        "run",
        "--read-only=false",
        "--security-opt",
        "no-new-privileges=false",
        "img",
    ]);
    assert_eq!(o, with_hardening(&["run"], &["img"]));
    let o = out(&[
        "run",
        "--security-opt=no-new-privileges:false",
        "--read-only",
        "--read-only=0",
        "img",
    ]);
    assert_eq!(
        o.iter()
            .filter(|t| {
                (t.contains("false") && *t != "--http-proxy=false" && *t != "--systemd=false")
                    || t.ends_with("=0")
            })
            .count(),
        0,
        "{o:?}"
    );
    let o = out(&["run", "--privileged", "img"]);
    assert!(
        !o.iter().any(|t| t.contains("privileged=") || t == "--privileged"),
        "{o:?}"
    );
}

#[test]
fn equivalent_spellings_are_not_duplicated() {
    let o = out(&[
        "run",
        "--cap-drop",
        "all",
        "--security-opt",
        "no-new-privileges:true",
        "--read-only",
        "--pids-limit",
        "2048",
        "img",
    ]);
    assert_eq!(
        without_annotation(&o)
            .filter(|t| t.to_ascii_lowercase().contains("all"))
            .count(),
        1,
        "{o:?}"
    );
    assert_eq!(
        without_annotation(&o)
            .filter(|t| t.contains("no-new-privileges"))
            .count(),
        1,
        "{o:?}"
    );
    assert_eq!(
        without_annotation(&o).filter(|t| t.contains("read-only")).count(),
        1,
        "{o:?}"
    );
    assert!(o.contains(&"--pids-limit=256".to_string()), "{o:?}");
    assert!(!o.contains(&"2048".to_string()), "{o:?}");
    let o = out(&[
        "run",
        "--cap-drop=CAP_ALL",
        "--security-opt=no-new-privileges",
        "img",
    ]);
    assert!(!o.contains(&"--cap-drop=ALL".to_string()), "{o:?}");
}

#[test]
fn limits_are_ceilings_with_units() {
    let o = out(&[
        "run",
        "--memory",
        "4096m",
        "--cpus",
        "1.5",
        "--pids-limit=100",
        "img",
    ]);
    assert!(
        o.contains(&"4096m".to_string()) && o.contains(&"1.5".to_string()),
        "{o:?}"
    );
    assert!(
        !o.iter()
            .any(|t| t.starts_with("--memory=") || t.starts_with("--cpus=")),
        "{o:?}"
    );
    assert!(o.contains(&"--pids-limit=100".to_string()), "{o:?}");
    let o = out(&["run", "-m", "8g", "--cpus=4", "--pids-limit", "0", "img"]);
    assert!(
        o.contains(&"--memory=4g".to_string()) && !o.contains(&"8g".to_string()),
        "{o:?}"
    );
    assert!(
        o.contains(&"--cpus=2".to_string()) && !o.contains(&"--cpus=4".to_string()),
        "{o:?}"
    );
    assert!(o.contains(&"--pids-limit=256".to_string()), "{o:?}");
    let o = out(&["run", "--memory=0", "--cpus=0", "--pids-limit=-1", "img"]);
    assert!(
        o.contains(&"--memory=4g".to_string()) && o.contains(&"--pids-limit=256".to_string()),
        "{o:?}"
    );
}

#[test]
fn bundles_with_a_changed_option_are_respelled() {
    let o = out(&["run", "-dm8g", "img"]);
    assert_eq!(o[..2], ["run", "--detach"]);
    assert!(o.contains(&"--memory=4g".to_string()));
    let o = out(&["run", "-dit", "img"]);
    assert_eq!(o[1], "-dit");
}

/// The twenty-fifth look's: podman reads `--cpu-period 01000000` as octal (262 144 µs), as Go's
/// flag library reads every integer; judged as a decimal million, a quota of two CPUs' worth ran
/// 7.6 CPUs. The period is read as podman reads it, and the quota judged against that.
#[test]
fn an_octal_cpu_period_is_read_as_the_runtime_reads_it() {
    // 2 000 000 µs over 262 144 µs: above 2 CPUs, capped at 2 × 262 144.
    let o = out(&["run", "--cpu-period", "01000000", "--cpu-quota", "2000000", "img"]);
    assert!(o.contains(&"--cpu-quota=524288".to_string()), "{o:?}");
    assert!(!o.contains(&"2000000".to_string()), "{o:?}");
    // A period alone: the quota added is for the period podman gets (0100000 is 32 768 µs).
    let o = out(&["run", "--cpu-period", "0100000", "img"]);
    assert!(o.contains(&"--cpu-quota=65536".to_string()), "{o:?}");
    let o = out(&["run", "--cpu-period=0x186a0", "img"]);
    assert!(o.contains(&"--cpu-quota=200000".to_string()), "{o:?}");
    // And `--pids-limit 0777` is 511 to podman, above the default ceiling of 256.
    let o = out(&["run", "--pids-limit", "0777", "img"]);
    assert!(
        o.contains(&"--pids-limit=256".to_string()) && !o.contains(&"0777".to_string()),
        "{o:?}"
    );
}

#[test]
fn cpu_quota_is_reconciled_not_doubled() {
    let o = out(&["run", "--cpu-quota", "50000", "img"]);
    assert!(!o.iter().any(|t| t.starts_with("--cpus")), "{o:?}");
    assert!(o.contains(&"50000".to_string()), "{o:?}");
    let o = out(&["run", "--cpu-period=100000", "--cpu-quota=800000", "img"]);
    assert!(o.contains(&"--cpu-quota=200000".to_string()), "{o:?}");
    assert!(!o.iter().any(|t| t.starts_with("--cpus")), "{o:?}");
    let o = out(&["run", "--cpu-period=50000", "img"]);
    assert!(o.contains(&"--cpu-quota=100000".to_string()), "{o:?}");
    // An unlimited quota is capped in place: adding --cpus beside it would make the runtime
    // refuse the pair.
    for q in ["-1", "0"] {
        let o = out(&["run", "--cpu-quota", q, "img"]);
        assert!(!o.iter().any(|t| t.starts_with("--cpus")), "{o:?}");
        assert!(!o.contains(&q.to_string()), "{o:?}");
        assert!(o.contains(&"--cpu-quota=200000".to_string()), "{o:?}");
    }
}

#[test]
fn memory_relatives_are_reconciled() {
    let o = out(&[
        "run",
        "--memory=8g",
        "--memory-reservation=6g",
        "--memory-swap=5g",
        "img",
    ]);
    assert!(o.contains(&"--memory-reservation=4g".to_string()), "{o:?}");
    let o = out(&["run", "--memory-swap=1g", "img"]);
    assert!(o.contains(&"--memory-swap=4g".to_string()), "{o:?}");
    // Unlimited swap would take the memory ceiling away: clamped to twice the memory.
    let o = out(&["run", "--memory-swap=-1", "img"]);
    assert!(o.contains(&"--memory-swap=8g".to_string()), "{o:?}");
    let o = out(&["run", "--memory=2g", "--memory-swap=64g", "img"]);
    assert!(o.contains(&"--memory-swap=4g".to_string()), "{o:?}");
    let o = out(&["run", "--memory=2g", "--memory-swap=2g", "img"]);
    assert!(o.contains(&"--memory-swap=2g".to_string()), "{o:?}");
}

#[test]
fn callers_own_mounts_win_over_policy_tmpfs() {
    let o = out(&[
        "run",
        "-v",
        "/srv/tmp:/tmp/",
        "--mount",
        "type=tmpfs,dst=/home/node",
        "img",
    ]);
    // The bind is kept; a caller's memory file system is replaced by the policy's (podman gives
    // it neither noexec nor a size: the hundred-and-thirtieth look's).
    let tmpfs: Vec<&String> = o.iter().filter(|t| t.starts_with("--tmpfs")).collect();
    assert_eq!(tmpfs.len(), 1, "{o:?}");
    assert!(
        tmpfs[0].starts_with("--tmpfs=/home/node:rw,nosuid,nodev,exec,size="),
        "{o:?}"
    );
    assert!(!o.iter().any(|t| t == "type=tmpfs,dst=/home/node"), "{o:?}");
    let o = out(&["run", "--tmpfs", "/tmp", "img"]);
    assert!(
        o.iter()
            .any(|t| t.starts_with("--tmpfs=/tmp:rw,nosuid,nodev,noexec,size=")),
        "{o:?}"
    );
    assert!(!o.iter().any(|t| t == "/tmp"), "{o:?}");
    // A single-file bind inside /tmp is not a mount at /tmp.
    let o = out(&["run", "-v", "/x/ca.pem:/tmp/ca.pem:ro", "img"]);
    assert_eq!(o.iter().filter(|t| t.starts_with("--tmpfs")).count(), 2, "{o:?}");
}

/// A kept capability is explained by its own reason: the shipped SYS_CHROOT by Chromium's
/// sandbox, any other as the policy's choice (the thirty-second pass's look: SYS_ADMIN was
/// said to be Chromium's need).
#[test]
fn a_kept_capability_is_explained_as_what_it_is() {
    let mut p = lenient();
    p.rules.hardening.keep_capabilities = vec!["SYS_CHROOT".into(), "SYS_ADMIN".into()];
    let plan = plan(&argv(&["run", "img"]), &p, &podman());
    let said = |cap: &str| {
        plan.changes
            .iter()
            .find(|c| c.rule == Rule::HardenKeepCapabilities && c.reason.starts_with(cap))
            .map(|c| c.reason.clone())
            .unwrap_or_else(|| panic!("{cap}: {:?}", plan.changes))
    };
    assert!(said("SYS_CHROOT").contains("Chromium"));
    let admin = said("SYS_ADMIN");
    assert!(
        !admin.contains("Chromium") && admin.contains("keep_capabilities"),
        "{admin}"
    );
}

#[test]
fn cap_add_outside_the_allow_list_is_removed() {
    let o = out(&["run", "--cap-add", "SYS_ADMIN", "--cap-add=ALL", "img"]);
    assert!(
        !o.iter()
            .any(|t| t.contains("SYS_ADMIN") || t.contains("cap-add=ALL")),
        "{o:?}"
    );
    // Only the policy's kept capability comes back, once.
    assert_eq!(o.iter().filter(|t| t.contains("cap-add")).count(), 1, "{o:?}");
    assert!(o.contains(&"--cap-add=SYS_CHROOT".to_string()), "{o:?}");
    let mut p = lenient();
    p.rules.hardening.allowed_capabilities = vec!["NET_BIND_SERVICE".into()];
    let o = out_with(&["run", "--cap-add", "cap_net_bind_service", "img"], &p);
    assert!(o.contains(&"cap_net_bind_service".to_string()), "{o:?}");
    let o = out_with(&["run", "--cap-add=NET_BIND_SERVICE,SYS_ADMIN", "img"], &p);
    assert!(o.contains(&"--cap-add=NET_BIND_SERVICE".to_string()), "{o:?}");
    assert!(!o.iter().any(|t| t.contains("SYS_ADMIN")), "{o:?}");
}

#[test]
fn policy_switches_off_each_piece() {
    let mut p = Policy::default();
    p.rules.hardening.read_only = false;
    p.rules.hardening.no_new_privileges = false;
    p.rules.hardening.drop_capabilities.clear();
    p.rules.hardening.tmpfs.clear();
    p.rules.hardening.no_healthcheck = false;
    p.rules.podman.verify_mounts = false;
    p.rules.limits = policy::Limits {
        cpus: None,
        memory: None,
        pids: None,
        shm_size: None,
        tmpfs_size: None,
        refuse_unenforced: false,
        health_interval: None,
        log_size: None,
        open_files: None,
    };
    // Nothing is enforced but podman's systemd mode and auto-update kept off and a private
    // cgroup namespace (which no switch turns off); the annotation says so.
    let v = concat!(
        "nanoclaw-shim/",
        env!("CARGO_PKG_VERSION"),
        " mode=enforce rules=harden.auto-update;harden.systemd;harden.cgroupns;harden.image-volume;harden.seccomp"
    );
    // An empty value is podman's default (the host's namespace on cgroup v1), not a choice.
    let o = out_with(&["run", "--cgroupns=", "img"], &p);
    assert_eq!(
        o.iter().rposition(|a| a.starts_with("--cgroupns")),
        o.iter().position(|a| a == "--cgroupns=private"),
        "{o:?}"
    );
    let chosen = out_with(&["run", "--cgroupns", "private", "img"], &p);
    assert!(!chosen.iter().any(|a| a == "--cgroupns=private"), "{chosen:?}");
    assert_eq!(
        out_with(&["run", "--read-only=false", "img"], &p),
        [
            "run",
            "--read-only=false",
            "--http-proxy=false",
            "--cgroupns=private",
            "--systemd=false",
            "--label=io.containers.autoupdate=disabled",
            "--image-volume=tmpfs",
            "--security-opt=seccomp=<podman's default, narrowed>",
            &format!("--annotation=io.github.nanoclaw-shim.applied={v}"),
            "img"
        ]
    );
}

#[test]
fn idempotent_on_its_own_output() {
    let first = out(&[
        "run",
        "-dm8g",
        "--cap-add",
        "SYS_ADMIN",
        "--read-only=false",
        "--cpu-quota=900000",
        "img",
    ]);
    let second = out(&first.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(first, second);
}

#[test]
fn unreadable_limits_are_refused() {
    assert_eq!(
        refused(&["run", "--memory", "lots", "img"]).rule,
        Rule::ParseBadValue
    );
    assert_eq!(
        refused(&["run", "--cpus", "3/2", "img"]).rule,
        Rule::ParseBadValue
    );
    assert_eq!(
        refused(&["run", "--pids-limit", "many", "img"]).rule,
        Rule::ParseBadValue
    );
    assert_eq!(
        refused(&["run", "--security-opt", "no-new-privileges=yes", "img"]).rule,
        Rule::ParseBadValue
    );
}

#[test]
fn cpu_periods_outside_the_kernels_range_are_refused() {
    // A tiny period would turn a minimum quota into many CPUs (found by proptest).
    for words in [
        &["run", "--cpu-period", "6", "--cpu-quota", "1000", "img"][..],
        &["run", "--cpu-period=2000000", "img"],
    ] {
        assert_eq!(refused(words).rule, Rule::ParseBadValue, "{words:?}");
    }
    let o = out(&["run", "--cpu-period=1000", "img"]);
    assert!(o.contains(&"--cpu-quota=2000".to_string()), "{o:?}");
}

#[test]
fn podman_compat() {
    // docker's hidden alias, spelled as podman has it (allowed by name: a container's own name
    // on its network is refused by default, `deny.network-option`).
    let mut aliases = Policy::default();
    aliases
        .rules
        .deny
        .list_mut(policy::DenyList::AllowFlags)
        .push("net-alias".into());
    let o = out_with(&["run", "--net-alias", "a", "img"], &aliases);
    assert!(o.contains(&"--network-alias=a".to_string()), "{o:?}");
    assert_eq!(
        refused(&["run", "--link", "db", "img"]).rule,
        Rule::CompatUnsupportedFlag
    );
    let docker = Target::fixed(Flavor::Docker, false, None);
    let mut lenient = Policy::default();
    lenient.rules.deny.set(Rule::DenyPodmanOnly, false);
    let p = plan(&argv(&["run", "--replace", "img"]), &lenient, &docker);
    assert_eq!(p.refusal.unwrap().rule, Rule::CompatUnsupportedFlag);
}

#[test]
fn image_and_args_survive_byte_identical() {
    use std::os::unix::ffi::OsStringExt;
    let mut a = argv(&["run", "-v"]);
    a.push(OsString::from_vec(b"/srv/h/\xff:/w".to_vec()));
    a.push(OsString::from_vec(b"img\xfe".to_vec()));
    a.push(OsString::from_vec(b"arg \x01".to_vec()));
    let p = plan(&a, &Policy::default(), &podman());
    // After the mount check's two global options (its hook folder, no mounts.conf).
    assert!(p.hooks);
    assert_eq!(p.args[1], crate::mountcheck::NO_DEFAULT_MOUNTS);
    assert_eq!(p.args[3..5], a[1..3]);
    assert_eq!(p.args[p.args.len() - 2..], a[3..]);
}

#[test]
fn deny_rules_refuse_by_default() {
    for (words, rule) in [
        (&["run", "--privileged", "img"][..], Rule::DenyPrivileged),
        (&["run", "--cap-add", "SYS_ADMIN", "img"], Rule::DenyCapAdd),
        (
            &["run", "--security-opt", "no-new-privileges=false", "img"],
            Rule::DenySecurityOption,
        ),
        (&["run", "--network=host", "img"], Rule::DenyHostNamespace),
        (&["run", "-v", "/:/host", "img"], Rule::DenySensitiveMount),
        (&["exec", "--privileged", "c", "sh"], Rule::DenyExecPrivileged),
        (&["update", "--memory", "16g", "c"], Rule::DenyUpdateLimits),
    ] {
        let r = refused(words);
        assert_eq!(r.rule, rule, "{words:?}");
        assert!(r.to_string().contains(rule.as_str()), "{r:?}");
    }
}

#[test]
fn audit_runs_the_callers_argv_and_records() {
    let p = Policy {
        mode: Mode::Audit,
        ..Default::default()
    };
    let a = argv(&["run", "--privileged", "img"]);
    let audited = plan(&a, &p, &podman());
    assert_eq!(audited.decision, Decision::Audit);
    // The caller's argv runs, marked as audited (no rules in force).
    let audit_mark = concat!(
        "--annotation=io.github.nanoclaw-shim.applied=nanoclaw-shim/",
        env!("CARGO_PKG_VERSION"),
        " mode=audit rules="
    );
    assert_eq!(
        audited.args,
        argv(&["run", "--privileged", "--http-proxy=false", audit_mark, "img"])
    );
    assert_eq!(audited.refusal.unwrap().rule, Rule::DenyPrivileged);
    assert!(audited.changes.iter().any(|c| c.rule == Rule::HardenReadOnly));
    // Compatibility fixes still apply, so the container starts on podman.
    let a = argv(&["run", "--add-host=h:host-gateway", "img"]);
    let audited = plan(&a, &p, &podman());
    assert_eq!(
        audited.args,
        argv(&[
            "run",
            "--add-host=h:10.88.0.1",
            "--http-proxy=false",
            audit_mark,
            "img"
        ])
    );
}

#[test]
fn profiles_select_rules_and_exempt() {
    let (p, _) = crate::policy::parse(
        "[[profile]]\nname = \"browser\"\nmatch.image = \"*browser*\"\n[profile.limits]\nmemory = \"8g\"\n[profile.hardening]\nshm_size = \"1g\"\n[[profile]]\nname = \"trusted\"\nmatch.container = \"trusted-*\"\nexempt = true\n",
        "p",
    )
    .unwrap();
    let plan1 = plan(
        &argv(&["run", "--memory=6g", "localhost/browser-agent:1"]),
        &p,
        &podman(),
    );
    assert_eq!(plan1.profile.as_deref(), Some("browser"));
    assert!(plan1.args.contains(&"--memory=6g".into()), "{:?}", plan1.args);
    assert!(plan1.args.contains(&"--shm-size=1g".into()), "{:?}", plan1.args);
    let a = argv(&["run", "--name", "trusted-1", "--privileged", "img"]);
    let plan2 = plan(&a, &p, &podman());
    assert_eq!((plan2.decision, plan2.args.clone()), (Decision::Exempt, a));
}

#[test]
fn rootless_podman_keeps_the_host_user() {
    let rootless = Target::fixed(Flavor::Podman, true, Some((4, 3, 1)));
    let o = plan(
        &argv(&["run", "--user", "1001:1002", "img"]),
        &Policy::default(),
        &rootless,
    )
    .args;
    assert!(o.contains(&"--userns=keep-id:uid=1001,gid=1002".into()), "{o:?}");
    let o = plan(&argv(&["run", "img"]), &Policy::default(), &rootless).args;
    assert!(o.contains(&"--userns=keep-id:uid=1000,gid=1000".into()), "{o:?}");
    let o = plan(
        &argv(&["run", "--userns=auto", "img"]),
        &Policy::default(),
        &rootless,
    )
    .args;
    assert!(
        !o.iter().any(|t| t.to_string_lossy().contains("keep-id")),
        "{o:?}"
    );
    let o = plan(&argv(&["run", "img"]), &Policy::default(), &podman()).args;
    assert!(
        !o.iter().any(|t| t.to_string_lossy().contains("keep-id")),
        "rootful: {o:?}"
    );
}

#[test]
fn host_gateway_on_old_podman() {
    let rootless = Target::fixed(Flavor::Podman, true, Some((4, 3, 1)));
    let o = plan(
        &argv(&["run", "--add-host=host.docker.internal:host-gateway", "img"]),
        &Policy::default(),
        &rootless,
    )
    .args;
    assert!(
        o.contains(&"--add-host=host.docker.internal:10.0.2.2".into()),
        "{o:?}"
    );
    assert!(
        o.contains(&"--network=slirp4netns:allow_host_loopback=true".into()),
        "{o:?}"
    );
    // podman 4.7-4.9 knows host-gateway, but rootless slirp4netns still needs the loopback.
    let new = Target::fixed(Flavor::Podman, true, Some((4, 9, 3)));
    let o = plan(
        &argv(&["run", "--add-host=h:host-gateway", "img"]),
        &Policy::default(),
        &new,
    )
    .args;
    assert!(o.contains(&"--add-host=h:10.0.2.2".into()), "{o:?}");
    assert!(
        o.contains(&"--network=slirp4netns:allow_host_loopback=true".into()),
        "{o:?}"
    );
    // Rootful 4.9 leaves host-gateway to podman.
    let rootful = Target::fixed(Flavor::Podman, false, Some((4, 9, 3)));
    let o = plan(
        &argv(&["run", "--add-host=h:host-gateway", "img"]),
        &Policy::default(),
        &rootful,
    )
    .args;
    assert!(o.contains(&"--add-host=h:host-gateway".into()), "{o:?}");
    let r = plan(
        &argv(&[
            "run",
            "--network",
            "nanoclaw-egress",
            "--add-host=h:host-gateway",
            "img",
        ]),
        &Policy::default(),
        &rootless,
    );
    assert_eq!(r.refusal.unwrap().rule, Rule::CompatHostGateway);
}

#[test]
fn pasta_forwards_only_the_proxy_ports() {
    let five = Target::fixed(Flavor::Podman, true, Some((5, 4, 2)));
    let a = argv(&[
        "run",
        "-e",
        "HTTPS_PROXY=http://x:tok@host.docker.internal:10255",
        "-e",
        "http_proxy=http://x:tok@host.docker.internal:10255",
        "-e",
        "ANTHROPIC_BASE_URL=http://host.docker.internal:3001/v1",
        "-e",
        "OTHER=http://example.com:8080",
        // A port the policy does not list: named, not opened (a thirty-eighth look's).
        "-e",
        "NOT_A_PROXY=tcp://host.docker.internal:47101",
        "--add-host=host.docker.internal:host-gateway",
        "img",
    ]);
    let p = plan(&a, &Policy::default(), &five);
    assert!(
        p.changes.iter().any(|c| c.rule == Rule::CompatHostLoopback
            && c.action == Action::Keep
            && c.reason.contains("47101")),
        "{:?}",
        p.changes
    );
    assert!(
        p.args.contains(&"--network=pasta:-T,3001,-T,10255".into()),
        "{:?}",
        p.args
    );
    assert!(
        p.args
            .contains(&"--add-host=host.docker.internal:127.0.0.1".into()),
        "{:?}",
        p.args
    );
    assert!(
        !p.args
            .iter()
            .any(|t| t.to_string_lossy().starts_with("--network") && t.to_string_lossy().contains("8080")),
        "{:?}",
        p.args
    );
    assert!(
        !p.args
            .iter()
            .any(|t| t.to_string_lossy().contains("allow_host_loopback"))
    );
    assert!(
        !p.args
            .iter()
            .any(|t| t.to_string_lossy().contains("47101") && t.to_string_lossy().starts_with("--network")),
        "{:?}",
        p.args
    );
    // The policy lists the ports that may open; a URL still has to name one.
    let mut pol = Policy::default();
    pol.rules.podman.host_loopback_ports = vec![5432];
    let db = argv(&[
        "run",
        "--add-host=h:host-gateway",
        "-e",
        "DB=postgres://u@h:5432/x",
        "img",
    ]);
    let p = plan(&db, &pol, &five);
    assert!(p.args.contains(&"--network=pasta:-T,5432".into()), "{:?}", p.args);
    let p = plan(&argv(&["run", "--add-host=h:host-gateway", "img"]), &pol, &five);
    assert!(
        p.args.contains(&"--add-host=h:host-gateway".into()),
        "{:?}",
        p.args
    );
    let p = plan(
        &argv(&["run", "--add-host=h:host-gateway", "img"]),
        &Policy::default(),
        &five,
    );
    assert!(
        p.args.contains(&"--add-host=h:host-gateway".into()),
        "{:?}",
        p.args
    );
    // A caller who passes pasta options itself is refused: loopback is the policy's decision.
    let again: Vec<OsString> =
        crate::mountcheck::command_args(&plan(&a, &Policy::default(), &five).args).to_vec();
    let r = plan(&again, &Policy::default(), &five).refusal.unwrap();
    assert_eq!(r.rule, Rule::DenyNetworkOption);
}

/// A container's own address (`--ip`, `--ip6`, `--mac-address`, and the same as network
/// options) is refused by default, and each passes, in both spellings, once the policy allows
/// its flag by name; another flag's allowance does not open it.
#[test]
fn an_address_of_the_container_s_choosing_is_the_policy_s_to_allow() {
    let cases: &[(&str, &[&str])] = &[
        ("ip", &["run", "--ip", "10.89.0.7", "img"]),
        (
            "ip",
            &["run", "--network", "ncl-n:interface_name=e,ip=10.89.0.7", "img"],
        ),
        ("ip6", &["run", "--ip6=fd00::7", "img"]),
        ("ip6", &["run", "--network", "ncl-n:ip6=fd00::7", "img"]),
        (
            "mac-address",
            &["run", "--mac-address", "44:33:22:11:00:99", "img"],
        ),
        (
            "mac-address",
            &["run", "--network", "ncl-n:mac=44:33:22:11:00:99", "img"],
        ),
        ("network-alias", &["run", "--network-alias", "gateway", "img"]),
        (
            "network-alias",
            &["run", "--network", "ncl-n:interface_name=e,alias=gateway", "img"],
        ),
    ];
    for (flag, a) in cases {
        let refused = plan(&argv(a), &Policy::default(), &podman()).refusal;
        assert_eq!(refused.map(|r| r.rule), Some(Rule::DenyNetworkOption), "{a:?}");
        for (allowed, passes) in [(*flag, true), ("pod", false)] {
            let mut p = Policy::default();
            p.rules
                .deny
                .list_mut(policy::DenyList::AllowFlags)
                .push(allowed.into());
            let r = plan(&argv(a), &p, &podman()).refusal;
            assert_eq!(r.is_none(), passes, "{a:?} with {allowed:?} allowed: {r:?}");
        }
    }
    // Each option of a network value is judged: one allowed does not open another.
    let mut p = Policy::default();
    p.rules
        .deny
        .list_mut(policy::DenyList::AllowFlags)
        .push("ip".into());
    let a = ["run", "--network", "ncl-n:ip=10.89.0.7,alias=gateway", "img"];
    let r = plan(&argv(&a), &p, &podman()).refusal;
    assert_eq!(r.map(|r| r.rule), Some(Rule::DenyNetworkOption));
}

/// podman's `--latest` acts on the newest container on the engine, and reads every word after
/// the flags as the command: the shim judged the first as the container (the look `gz`, with
/// `latest` allowed by name). Refused whatever the policy allows; without it, as before.
#[test]
fn latest_is_refused_even_when_allowed_by_name() {
    let mut p = Policy::default();
    p.rules
        .deny
        .list_mut(policy::DenyList::AllowFlags)
        .push("latest".into());
    for a in [
        &["exec", "--latest", "mine", "sh"][..],
        &["exec", "-l", "mine", "sh"],
        &["exec", "-il", "mine", "sh"],
        &["update", "--latest", "--memory", "1g", "c"],
    ] {
        let r = plan(&argv(a), &p, &podman()).refusal;
        assert_eq!(r.map(|r| r.rule), Some(Rule::DenyForeignContainer), "{a:?}");
        let r = plan(&argv(a), &Policy::default(), &podman()).refusal;
        assert!(r.is_some(), "{a:?}");
    }
    let r = plan(&argv(&["exec", "--latest=false", "mine", "sh"]), &p, &podman()).refusal;
    assert_ne!(r.map(|r| r.rule), Some(Rule::DenyForeignContainer));
}

/// A folder holding a socket or FIFO at its top is a host service a container reaches through a
/// read-only mount too (the fifty-seventh look's control socket in a project folder): refused
/// for every spelling of a bind mount, read-only or not, unless another mount shadows it. One
/// deeper down is not seen (a known limitation); a build's context holding one is read, not
/// mounted, and passes.
#[test]
fn a_folder_with_a_socket_or_fifo_at_its_top_is_not_mounted() {
    let top = tempfile::tempdir().unwrap();
    let dir = top.path().join("proj");
    std::fs::create_dir_all(dir.join("deep/er")).unwrap();
    let d = dir.display().to_string();
    let listener = std::os::unix::net::UnixListener::bind(dir.join("ctl.sock")).unwrap();
    let refused_with = |words: &[&str]| plan(&argv(words), &Policy::default(), &podman()).refusal;
    for words in [
        &["run", "-v", &format!("{d}:/w:ro"), "img"][..],
        &["run", "-v", &format!("{d}:/w"), "img"],
        &[
            "create",
            "--mount",
            &format!("type=bind,src={d},dst=/w,readonly"),
            "img",
        ],
        &["run", "-v", &format!("{d}/:/w:ro"), "img"],
    ] {
        let r = refused_with(words).expect("refused");
        assert_eq!(r.rule, Rule::DenySensitiveMount, "{words:?}");
        assert!(r.message.contains("ctl.sock"), "{}", r.message);
    }
    // Shadowed by a mount at its place: passes.
    let shadowed = [
        "run",
        "-v",
        &format!("{d}:/w:ro"),
        "-v",
        "/dev/null:/w/ctl.sock",
        "img",
    ];
    assert_eq!(refused_with(&shadowed), None);
    drop(listener);
    std::fs::remove_file(dir.join("ctl.sock")).unwrap();
    assert_eq!(refused_with(&["run", "-v", &format!("{d}:/w:ro"), "img"]), None);
    // A FIFO: a host program's command pipe.
    let made = std::process::Command::new("mkfifo").arg(dir.join("cmd")).status();
    assert!(made.is_ok_and(|s| s.success()));
    let r = refused_with(&["run", "-v", &format!("{d}:/w:ro"), "img"]).expect("refused");
    assert_eq!(r.rule, Rule::DenySensitiveMount);
    // ... and mounted itself, as a socket is (the sixty-third look's).
    let r = refused_with(&["run", "-v", &format!("{d}/cmd:/x:ro"), "img"]).expect("refused");
    assert!(r.message.contains("socket or FIFO"), "{}", r.message);
    std::fs::remove_file(dir.join("cmd")).unwrap();
    // Deeper down: not seen.
    let _deep = std::os::unix::net::UnixListener::bind(dir.join("deep/er/s.sock")).unwrap();
    assert_eq!(refused_with(&["run", "-v", &format!("{d}:/w:ro"), "img"]), None);
    // Past the listing's usual length (the sixtieth look's 5 000 files): listed whole for a mount.
    for i in 0..5000 {
        std::fs::write(dir.join(format!("f{i:04}")), "").unwrap();
    }
    let _late = std::os::unix::net::UnixListener::bind(dir.join("zz.sock")).unwrap();
    let r = refused_with(&["run", "-v", &format!("{d}:/w:ro"), "img"]).expect("refused");
    assert!(r.message.contains("zz.sock"), "{}", r.message);
}

/// A `ps` filter for a state podman has not is dropped when another state's filter remains (the
/// filters of one key are alternatives): nanoclaw's reaping failed on podman as a whole. Alone,
/// it is passed on; docker is given it as it is.
/// nanoclaw's event watch (`--format '{{json .}}'`) prints docker's shape on podman (the look
/// `gr`: podman's own was dropped whole), by podman's version; other formats, docker, and an
/// unknown version pass as written.
#[test]
fn nanoclaw_s_event_watch_reads_docker_s_shape() {
    let words = ["events", "--filter", "type=container", "--format", "{{json .}}"];
    let run = |words: &[&str], t: &Target| plan(&argv(words), &Policy::default(), t);
    for (version, time) in [((4, 3, 1), "{{.Time.Unix}}"), ((5, 4, 2), "{{.TimeNano}}")] {
        let t = Target::fixed(Flavor::Podman, true, Some(version));
        let p = run(&words, &t);
        assert_eq!(p.decision, Decision::Rewrite, "{p:?}");
        assert_eq!(p.changes[0].rule, Rule::CompatEvents);
        let format = p.args[4].to_string_lossy().into_owned();
        assert!(
            format.contains("\"Action\":") && format.contains("\"Actor\":{\"ID\""),
            "{format}"
        );
        assert!(format.contains(time), "{version:?}: {format}");
        assert_eq!(p.args[..4], argv(&words[..4]));
        let glued = run(&["system", "events", "--format={{json .}}"], &t);
        assert!(
            glued.args[2]
                .to_string_lossy()
                .starts_with("--format={\"status\"")
        );
    }
    let t = Target::fixed(Flavor::Podman, true, Some((4, 3, 1)));
    let other = ["events", "--format", "{{.Status}}"];
    assert_eq!(run(&other, &t).args, argv(&other));
    let docker = Target::fixed(Flavor::Docker, false, None);
    assert_eq!(run(&words, &docker).args, argv(&words));
    let unknown = Target::fixed(Flavor::Podman, true, None);
    assert_eq!(run(&words, &unknown).args, argv(&words));
}

/// `rm --force` kills at once, as docker's does (the look `gm`: podman's waited the container's
/// stop timeout, which an argv could set to days); other spellings alike, nothing else touched.
#[test]
fn a_forced_rm_kills_at_once() {
    let run = |words: &[&str], t: &Target| plan(&argv(words), &Policy::default(), t);
    for (words, want) in [
        (
            &["rm", "--force", "c"][..],
            &["rm", "--time=0", "--force", "c"][..],
        ),
        (&["rm", "-fv", "c"], &["rm", "--time=0", "-fv", "c"]),
        (
            &["container", "rm", "c", "-f"],
            &["container", "rm", "--time=0", "c", "-f"],
        ),
        (
            &["container", "remove", "--force=true", "c"],
            &["container", "remove", "--time=0", "--force=true", "c"],
        ),
    ] {
        let p = run(words, &podman());
        assert_eq!(p.decision, Decision::Rewrite, "{words:?}: {p:?}");
        assert_eq!(p.args, argv(want), "{words:?}");
        assert_eq!(p.changes[0].rule, Rule::CompatRm);
    }
    for words in [
        &["rm", "c"][..],
        &["rm", "--force=false", "c"],
        &["rm", "-f", "--force=false", "c"],
    ] {
        let p = run(words, &podman());
        assert_eq!(p.args, argv(words), "{words:?}");
    }
    let docker = Target::fixed(Flavor::Docker, false, None);
    assert_eq!(run(&["rm", "-f", "c"], &docker).args, argv(&["rm", "-f", "c"]));
}

#[test]
fn a_state_podman_has_not_is_dropped_from_a_ps() {
    let run = |words: &[&str], t: &Target| plan(&argv(words), &Policy::default(), t);
    let reap = [
        "ps",
        "-a",
        "--filter",
        "label=i=1",
        "--filter",
        "status=exited",
        "--filter",
        "status=dead",
        "--format",
        "{{.Names}}",
    ];
    let p = run(&reap, &podman());
    assert_eq!(p.decision, Decision::Rewrite, "{p:?}");
    assert_eq!(
        p.args,
        argv(&[
            "ps",
            "-a",
            "--filter",
            "label=i=1",
            "--filter",
            "status=exited",
            "--format",
            "{{.Names}}"
        ])
    );
    assert_eq!(p.changes[0].rule, Rule::CompatPs);
    for (words, want) in [
        (
            &[
                "container",
                "ls",
                "--filter=status=dead",
                "-fstatus=running",
                "-f",
                "status=restarting",
            ][..],
            &["container", "ls", "-fstatus=running"][..],
        ),
        (
            &["ps", "-af", "status=exited", "--filter=status=dead"],
            &["ps", "-af", "status=exited"],
        ),
        // A name anchored at docker's leading `/`, which podman's names lack.
        (
            &["ps", "-a", "--filter", "name=^/ncl-1$", "--filter=name=^/b"],
            &["ps", "-a", "--filter", "name=^ncl-1$", "--filter=name=^b"],
        ),
        // A bundle keeps its other flags (the sixty-sixth look's `-qaf` lost `-q` and `-a`).
        (
            &["ps", "-qaf", "status=dead", "-f", "status=created"],
            &["ps", "-qa", "-f", "status=created"],
        ),
        (
            &["ps", "-qafstatus=restarting", "-f", "status=created"],
            &["ps", "-qa", "-f", "status=created"],
        ),
    ] {
        assert_eq!(run(words, &podman()).args, argv(want), "{words:?}");
    }
    for words in [
        &["ps", "-a", "--filter", "status=dead"][..],
        &["ps", "--filter", "status=exited", "--filter", "label=x=dead"],
    ] {
        let p = run(words, &podman());
        assert_eq!(
            (p.decision, p.args),
            (Decision::Passthrough, argv(words)),
            "{words:?}"
        );
    }
    let docker = Target::fixed(Flavor::Docker, false, None);
    assert_eq!(run(&reap, &docker).args, argv(&reap));
    // A format's docker spellings, as podman reads them; nothing else touched.
    let read =
        |f: &str| crate::commands::ps_format_on_podman(f.as_bytes()).map(|v| String::from_utf8(v).unwrap());
    for (f, want) in [
        ("{{.Label \"k\"}}", Some("{{index .Labels \"k\"}}")),
        (
            "{{.Names}}|{{ .State }}|{{.Label \"a-b\"}}",
            Some("{{.Names}}|{{ .ListContainer.State }}|{{index .Labels \"a-b\"}}"),
        ),
        ("{{.ListContainer.State}}", None),
        ("{{.Status}} {{.StateX}} {{.Labels}}", None),
        ("State: .State .Label x {{.Names}}", None),
        ("{{json .}}", None),
    ] {
        assert_eq!(read(f).as_deref(), want, "{f}");
    }
    let adopt = ["ps", "-a", "--format", "{{.Names}}|{{.State}}|{{.Label \"g\"}}"];
    assert_eq!(
        run(&adopt, &podman()).args,
        argv(&[
            "ps",
            "-a",
            "--format",
            "{{.Names}}|{{.ListContainer.State}}|{{index .Labels \"g\"}}"
        ])
    );
}

#[test]
fn init_is_added_when_the_entrypoint_is_overridden() {
    let o = out(&[
        "run",
        "--entrypoint",
        "bash",
        "img",
        "-c",
        "exec bun run /app/src/index.ts",
    ]);
    assert!(o.contains(&"--init".to_string()), "{o:?}");
    for words in [
        &["run", "img"][..],
        &["run", "--init", "--entrypoint", "bash", "img"],
        &["run", "--init=false", "--entrypoint", "bash", "img"],
    ] {
        let o = out(words);
        assert_eq!(
            o.iter().filter(|t| t.starts_with("--init")).count(),
            words.iter().filter(|t| t.starts_with("--init")).count(),
            "{o:?}"
        );
    }
    let mut p = Policy::default();
    p.rules.hardening.init = false;
    let o = out_with(&["run", "--entrypoint", "bash", "img"], &p);
    assert!(!o.contains(&"--init".to_string()), "{o:?}");
}

#[test]
fn ceilings_that_cannot_apply_are_said_or_refused() {
    let mut v1 = Target::fixed(Flavor::Podman, true, Some((4, 3, 1)));
    v1.cgroup_v1 = true;
    let p = plan(&argv(&["run", "img"]), &Policy::default(), &v1);
    assert_eq!(p.decision, Decision::Rewrite);
    assert!(
        p.changes.iter().any(|c| c.rule == Rule::LimitUnenforced),
        "{:?}",
        p.changes
    );
    let mut strict = Policy::default();
    strict.rules.limits.refuse_unenforced = true;
    let p = plan(&argv(&["run", "img"]), &strict, &v1);
    assert_eq!(p.refusal.unwrap().rule, Rule::LimitUnenforced);
    // Rootful on cgroup v1 applies them.
    let mut rootful = Target::fixed(Flavor::Podman, false, Some((4, 3, 1)));
    rootful.cgroup_v1 = true;
    let p = plan(&argv(&["run", "img"]), &strict, &rootful);
    assert_eq!(p.decision, Decision::Rewrite);
}

#[test]
fn a_refusal_names_each_rule_once() {
    let p = plan(
        &argv(&["run", "--privileged", "--privileged=true", "img"]),
        &Policy::default(),
        &podman(),
    );
    assert_eq!(p.rules(), vec![Rule::DenyPrivileged]);
    let r = p.refusal.unwrap().to_string();
    assert_eq!(r.matches("deny.privileged").count(), 1, "{r}");
}

/// The plan asks the file system only through the target's host: a home built in memory (no
/// file of it exists on disk) decides every host-path rule, symlinks and directory contents
/// included.
/// A source judged by its own name only would pass when its other names are unknown: without
/// the mount table, a bind of `/` or of a home beneath it names credentials the lists never see.
/// Refused then (the thirty-second pass left this open), unless the operator turned the rule off.
#[test]
fn a_source_is_refused_when_the_mount_table_cannot_be_read() {
    use crate::hostfs::MemFs;
    let fs = MemFs::new().dir("/home/alice/proj/src").dir("/srv/data");
    let words = argv(&[
        "run",
        "-v",
        "/home/alice/proj/src:/s:ro",
        "-v",
        "/srv/data:/d",
        "img",
    ]);
    let t = on_host(&fs, "/home/alice/proj", "/home/alice");
    assert!(plan(&words, &Policy::default(), &t).refusal.is_none());
    let t = on_host(&fs.without_mount_table(), "/home/alice/proj", "/home/alice");
    let refused = plan(&words, &Policy::default(), &t).refusal.expect("refused");
    assert_eq!(refused.rule, Rule::DenySensitiveMount);
    assert!(
        refused.message.contains("/proc/self/mountinfo"),
        "{}",
        refused.message
    );
    // A call with no host path never asks for the table.
    assert!(
        plan(&argv(&["run", "img"]), &Policy::default(), &t)
            .refusal
            .is_none()
    );
    let mut off = Policy::default();
    off.rules.deny.set(Rule::DenySensitiveMount, false);
    assert!(plan(&words, &off, &t).refusal.is_none());
}

#[test]
fn host_paths_are_judged_in_the_hosts_file_system_only() {
    use crate::hostfs::MemFs;
    let fs = MemFs::new()
        .dir("/home/alice/.config/gh")
        .file("/home/alice/.bashrc")
        .file("/home/alice/.profile")
        .file("/home/alice/.netrc")
        .dir("/home/alice/.local/bin")
        .link("/home/alice/.ssh", "/data/keys")
        .dir("/data/keys")
        .link("/home/alice/work", "proj")
        .file("/home/alice/proj/.env")
        .file("/home/alice/proj/src/main.rs")
        .link("/home/alice/loop", "/home/alice/loop");
    let mut t = podman();
    t.host = crate::hostpath::HostCtx {
        cwd: Some("/home/alice/proj".into()),
        home: Some("/home/alice".into()),
        exe: None,
        own_files: Vec::new(),
        own_records: Vec::new(),
        from_environment: Vec::new(),
        fs: Box::leak(Box::new(fs)),
        memory: None,
        rootless: false,
        stores: Vec::new(),
    };
    let run = |mount: &str| plan(&argv(&["run", "-v", mount, "img"]), &Policy::default(), &t);
    let refused_by = |mount: &str| run(mount).refusal.map(|r| r.rule);
    // `~/.ssh` is a symlink: its target is the credential store, under any name.
    assert_eq!(refused_by("/data/keys:/k:ro"), Some(Rule::DenyCredentials));
    // A project with a `.env` at its top, through a symlinked path, unless `/dev/null` shadows it.
    assert_eq!(refused_by("/home/alice/work:/w:ro"), Some(Rule::DenyCredentials));
    let shadowed = plan(
        &argv(&[
            "run",
            "-v",
            "/home/alice/work:/w:ro",
            "-v",
            "/dev/null:/w/.env:ro",
            "img",
        ]),
        &Policy::default(),
        &t,
    );
    assert!(shadowed.decision.runs(), "{:?}", shadowed.refusal);
    // Written start-up files and `~/.local` run code on the host.
    assert_eq!(refused_by("/home/alice/.bashrc:/b"), Some(Rule::DenyHostExec));
    assert_eq!(refused_by("/home/alice/.local/bin:/b"), Some(Rule::DenyHostExec));
    // Read, a hidden entry of the home is a credential store (tokens exported in start-up files):
    // refused with how to relax it, and run once the policy drops the entry.
    let read = run("/home/alice/.bashrc:/b:ro").refusal.expect("refused");
    assert_eq!(read.rule, Rule::DenyCredentials);
    assert!(read.to_string().contains("remove_credential_paths"), "{read}");
    let mut relaxed = Policy::default();
    (relaxed
        .rules
        .deny
        .list_mut(crate::policy::DenyList::CredentialPaths))
    .retain(|e| e != crate::policy::HIDDEN_HOME);
    let p = plan(
        &argv(&["run", "-v", "/home/alice/.bashrc:/b:ro", "img"]),
        &relaxed,
        &t,
    );
    assert!(p.decision.runs(), "{:?}", p.refusal);
    assert!(run("/home/alice/proj/src:/src").decision.runs());
    // A symlink loop resolves to nothing: the runtime cannot mount it either.
    assert!(refused_by("/home/alice/loop/x:/x").is_none());
    // The disk was never asked: none of these paths exist here.
    assert!(!std::path::Path::new("/data/keys").exists());
}

/// A podman target whose host is `fs` in memory, with the working directory and home given.
fn on_host(fs: &crate::hostfs::MemFs, cwd: &str, home: &str) -> Target {
    let mut t = podman();
    t.host = crate::hostpath::HostCtx {
        cwd: Some(cwd.into()),
        home: Some(home.into()),
        fs: Box::leak(Box::new(fs.clone())),
        ..crate::hostpath::HostCtx::default()
    };
    t
}

/// The rule that refuses `run -v MOUNT img` under the default policy, if one does.
fn refused_mount(t: &Target, mount: &str) -> Option<Rule> {
    plan(&argv(&["run", "-v", mount, "img"]), &Policy::default(), t)
        .refusal
        .map(|r| r.rule)
}

/// A home reached through a link (`HOME=/u/alice`, `/u` a link to `/srv/users`): the `~`
/// entries, globs among them, name the folder sources resolve into (the thirty-first pass's
/// look read and wrote unlisted hidden entries through the real path).
#[test]
fn a_home_reached_through_a_link_is_judged_where_it_resolves() {
    use crate::hostfs::MemFs;
    let fs = MemFs::new()
        .link("/u", "/srv/users")
        .file("/srv/users/alice/.tool-login")
        .file("/srv/users/alice/.direnvrc")
        .dir("/srv/users/alice/proj");
    let t = on_host(&fs, "/srv/users/alice/proj", "/u/alice");
    let refused_by = |mount: &str| refused_mount(&t, mount);
    for written in ["/srv/users/alice", "/u/alice"] {
        let ro = format!("{written}/.tool-login:/t:ro");
        assert_eq!(refused_by(&ro), Some(Rule::DenyCredentials), "{ro}");
        let rw = format!("{written}/.direnvrc:/t");
        assert_eq!(refused_by(&rw), Some(Rule::DenyHostExec), "{rw}");
    }
    assert_eq!(refused_by("/srv/users/alice/proj/out:/o"), None);
}

/// The working directory's project (it holds `package.json`) is written only in its data
/// folders, whether the sources name it as the working directory is written (`PWD`, a link's
/// name) or as it resolves (the thirty-first pass's look entered the checkout by a link and
/// rewrote `bin/ncl` by its real path).
#[test]
fn a_project_is_written_only_in_its_data_folders() {
    use crate::hostfs::MemFs;
    let fs = MemFs::new()
        .file("/srv/nanoclaw/package.json")
        .file("/srv/nanoclaw/bin/ncl")
        .dir("/srv/nanoclaw/groups/main")
        .dir("/srv/nanoclaw/data/ipc")
        .link("/srv/ncl", "/srv/nanoclaw")
        .dir("/srv/elsewhere/bin");
    for cwd in ["/srv/nanoclaw", "/srv/ncl"] {
        let t = on_host(&fs, cwd, "/home/alice");
        let refused_by = |mount: &str| refused_mount(&t, mount);
        for code in [
            "/srv/nanoclaw/bin:/x",
            "/srv/ncl/bin:/x",
            "./bin:/x",
            "/srv/nanoclaw/AGENTS.md:/x",
        ] {
            assert_eq!(refused_by(code), Some(Rule::DenyHostExec), "{cwd}: {code}");
        }
        for data in [
            "/srv/nanoclaw/groups/main:/w",
            "/srv/ncl/data/ipc:/i",
            "/srv/nanoclaw/bin:/x:ro",
            "/srv/elsewhere/bin:/x",
        ] {
            assert_eq!(refused_by(data), None, "{cwd}: {data}");
        }
    }
}

/// Open files per process are held to the policy's ceiling: added when the caller names none,
/// a caller's lower one kept, a higher one (or an earlier one overridden by a higher) replaced,
/// one podman would read otherwise refused (the thirty-first pass's look: podman 5's default is
/// the host's maximum).
#[test]
fn open_files_are_held_to_the_ceiling() {
    let nofile = |words: &[&str]| -> Result<Vec<String>, Rule> {
        let p = plan(&argv(words), &Policy::default(), &podman());
        match p.refusal {
            Some(r) => Err(r.rule),
            None => Ok(p
                .args
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .filter(|a| a.contains("nofile"))
                .map(|a| match a.strip_prefix("--ulimit=") {
                    Some(v) => format!("--ulimit={v}"),
                    None => format!("--ulimit={a}"),
                })
                .collect()),
        }
    };
    assert_eq!(
        nofile(&["run", "img"]),
        Ok(vec!["--ulimit=nofile=1024:1024".into()])
    );
    assert_eq!(
        nofile(&["run", "--ulimit", "nofile=512:1024", "img"]),
        Ok(vec!["--ulimit=nofile=512:1024".into()])
    );
    for above in ["nofile=1048576", "nofile=100:20000", "nofile=2000:1000"] {
        assert_eq!(
            nofile(&["run", "--ulimit", above, "img"]),
            Ok(vec!["--ulimit=nofile=1024:1024".into()]),
            "{above}"
        );
    }
    assert_eq!(
        nofile(&["run", "--ulimit", "nofile=64", "--ulimit=nofile=65536", "img"]),
        Ok(vec!["--ulimit=nofile=1024:1024".into()])
    );
    // (A blank before the name too, as a build's is: one predicate, `units::names_nofile`.)
    for odd in [
        "NOFILE=100",
        "nofile=-1",
        "nofile=+5",
        "nofile=0x10",
        "nofile=",
        " nofile=64",
    ] {
        assert!(nofile(&["run", "--ulimit", odd, "img"]).is_err(), "{odd}");
    }
    // podman's configured defaults, which any --ulimit replaces, are given again beside the
    // shim's own (but their nofile), and not where the caller gave --ulimits of their own.
    let mut t = podman();
    t.default_ulimits = vec!["nofile=1048576:1048576".into(), "nproc=1024:1024".into()];
    let p = plan(&argv(&["run", "img"]), &Policy::default(), &t);
    let mut limits: Vec<_> = p
        .args
        .iter()
        .filter(|a| a.to_string_lossy().starts_with("--ulimit"))
        .collect();
    limits.sort();
    assert_eq!(limits, ["--ulimit=nofile=1024:1024", "--ulimit=nproc=1024:1024"]);
    let p = plan(
        &argv(&["run", "--ulimit", "core=0", "img"]),
        &Policy::default(),
        &t,
    );
    assert!(
        !p.args.iter().any(|a| a.to_string_lossy().contains("nproc")),
        "{:?}",
        p.args
    );
    // Other limits are the caller's.
    let p = plan(
        &argv(&["run", "--ulimit", "nproc=64", "img"]),
        &Policy::default(),
        &podman(),
    );
    assert!(
        p.args.iter().any(|a| a == "--ulimit=nproc=64" || a == "nproc=64"),
        "{:?}",
        p.args
    );
}

/// A home whose name holds glob characters is matched literally by the `~` patterns (`~/.*`):
/// `[u]` was read as a class matching `u` (the thirty-first pass's look).
#[test]
fn a_home_named_like_a_pattern_is_matched_literally() {
    use crate::hostfs::MemFs;
    let fs = MemFs::new()
        .file("/srv/[u]/.tool-login")
        .file("/srv/u/.tool-login")
        .file("/srv/a*b/.tool-login")
        .dir("/srv/[u]/proj");
    for (home, other) in [("/srv/[u]", "/srv/u"), ("/srv/a*b", "/srv/u")] {
        let t = on_host(&fs, "/", home);
        let refused_by = |mount: &str| refused_mount(&t, mount);
        let own = format!("{home}/.tool-login:/t:ro");
        assert_eq!(refused_by(&own), Some(Rule::DenyCredentials), "{own}");
        let theirs = format!("{other}/.tool-login:/t:ro");
        assert_eq!(refused_by(&theirs), None, "{theirs}");
    }
}

/// A source with no link on its way is opened and judged where it is: the same questions
/// however deep it lies, where resolving it asks once per component; one with a link on its
/// way is still resolved component by component and judged where it leads.
#[test]
fn a_source_with_no_link_is_opened_not_walked() {
    use crate::hostfs::MemFs;
    let fs: &'static MemFs = Box::leak(Box::new(
        MemFs::new()
            .dir("/home/alice/proj/a/b/c/d/e/f")
            .dir("/home/alice/proj/g")
            .dir("/home/alice/.ssh")
            .link("/home/alice/proj/keys", "/home/alice/.ssh")
            .link("/home/alice/proj/a/b/c/d/e/k", "/home/alice/.ssh"),
    ));
    let mut t = podman();
    t.host = crate::hostpath::HostCtx {
        cwd: Some("/home/alice/proj".into()),
        home: Some("/home/alice".into()),
        fs,
        ..Default::default()
    };
    let asked = |mount: &str| {
        let before = fs.asked();
        let p = plan(&argv(&["run", "-v", mount, "img"]), &Policy::default(), &t);
        (fs.asked() - before, p.refusal.map(|r| r.rule))
    };
    let (shallow, ok) = asked("/home/alice/proj/g:/w");
    assert_eq!(ok, None);
    let (deep, ok) = asked("/home/alice/proj/a/b/c/d/e/f:/w");
    assert_eq!(ok, None);
    assert_eq!(deep, shallow, "a deeper plain source costs no more questions");
    // Through a link: resolved, and refused for where it leads, however deep.
    let (walked, refused) = asked("/home/alice/proj/a/b/c/d/e/k/x:/w");
    assert_eq!(refused, Some(Rule::DenyCredentials));
    assert!(
        walked > deep,
        "{walked} questions for a linked path, {deep} for a plain one"
    );
    assert_eq!(asked("/home/alice/proj/keys:/w").1, Some(Rule::DenyCredentials));
    // Opened as written, judged as written: the folder itself is refused too.
    assert_eq!(asked("/home/alice/.ssh:/w").1, Some(Rule::DenyCredentials));
}

/// A target on which a build's base images need no check, and a build context to point at.
/// The Containerfile of [`build_target`] as podman is given it: every RUN with an empty,
/// read-only `/sys/fs/cgroup` first (`harden.build-cgroup`).
const SEALED: &str = "FROM img\nRUN --mount=type=tmpfs,target=/sys/fs/cgroup,tmpfs-size=4k,ro true\n";

/// A default seccomp profile as podman's is written, read at [`SECCOMP_PATH`].
const SECCOMP: &str = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "unshare", "clone", "clone3"], "action": "SCMP_ACT_ALLOW"}]}"#;
const SECCOMP_PATH: &str = "/usr/share/containers/seccomp.json";

/// `t` reading [`SECCOMP`] as podman's default seccomp profile.
fn with_seccomp(mut t: Target) -> Target {
    t.seccomp_probe = Some(Box::new(|| Ok((SECCOMP_PATH.into(), SECCOMP.into()))));
    t
}

fn build_target(rootless: bool) -> (Target, tempfile::TempDir) {
    let ctx = tempfile::tempdir().unwrap();
    std::fs::write(ctx.path().join("Containerfile"), "FROM img\nRUN true\n").unwrap();
    let mut t = with_seccomp(Target::fixed(Flavor::Podman, rootless, Some((5, 4, 2))));
    // Every podman's build asks whether its base images carry ONBUILD triggers: `img` does not.
    t.base_probe = Some(Box::new(|image: &str| match image {
        "img" => Ok(()),
        other => Err(format!("{other} is not in local storage")),
    }));
    (t, ctx)
}

/// A `/dev/shm` ceiling below podman's own 64m is given to a build's RUN steps, which get 64m
/// otherwise (the look `gx`); a build's own size within it is its own.
#[test]
fn a_build_is_given_a_shm_ceiling_below_podman_s_own() {
    let (t, ctx) = build_target(false);
    let mut p = Policy::default();
    p.rules.limits.shm_size = Some(32 << 20);
    p.rules.hardening.shm_size = Some(32 << 20);
    let args = shown(&build_plan(&["build", "-t", "nanoclaw-x"], &p, &t, &ctx));
    assert!(args.iter().any(|a| a == "--shm-size=32m"), "{args:?}");
    let args = shown(&build_plan(
        &["build", "--shm-size=16m", "-t", "nanoclaw-x"],
        &p,
        &t,
        &ctx,
    ));
    assert_eq!(
        args.iter().filter(|a| a.starts_with("--shm-size")).count(),
        1,
        "{args:?}"
    );
    let args = shown(&build_plan(
        &["build", "-t", "nanoclaw-x"],
        &Policy::default(),
        &t,
        &ctx,
    ));
    assert!(!args.iter().any(|a| a.starts_with("--shm-size")), "{args:?}");
}

/// A build's RUN steps are held to the open-file ceiling as a `run` is (they got the host's
/// maximum per process on podman 5); podman's stricter configured limit is kept, its other
/// configured limits given again; a build's own `nofile` within the ceiling is its own, one
/// above it refused.
#[test]
fn a_build_is_held_to_the_open_file_ceiling() {
    let (mut t, ctx) = build_target(false);
    let p = Policy::default();
    let ulimits = |words: &[&str], t: &Target| -> Vec<String> {
        let plan = build_plan(words, &p, t, &ctx);
        assert!(plan.refusal.is_none(), "{words:?}: {:?}", plan.refusal);
        shown(&plan)
            .into_iter()
            .filter(|a| a.starts_with("--ulimit"))
            .collect()
    };
    assert_eq!(
        ulimits(&["build", "-t", "nanoclaw-x"], &t),
        ["--ulimit=nofile=1024:1024"]
    );
    assert_eq!(
        ulimits(&["build", "--ulimit=nofile=64:128", "-t", "nanoclaw-x"], &t),
        ["--ulimit=nofile=64:128"]
    );
    t.default_ulimits = vec!["nproc=500:500".into(), "nofile=256:512".into()];
    assert_eq!(
        ulimits(&["build", "-t", "nanoclaw-x"], &t),
        ["--ulimit=nproc=500:500", "--ulimit=nofile=256:512"]
    );
    for above in [
        "nofile=2048",
        "nofile=64:4096",
        "nofile=-1",
        "NOFILE=64",
        "nofile=0x10",
        "nproc=5,nofile=9999",
        " nofile=64",
    ] {
        let plan = build_plan(&["build", "--ulimit", above, "-t", "nanoclaw-x"], &p, &t, &ctx);
        let r = plan
            .refusal
            .as_ref()
            .unwrap_or_else(|| panic!("{above}: not refused"));
        assert_eq!(r.rule, Rule::DenyCeiling, "{above}: {r:?}");
    }
}

fn build_plan(words: &[&str], p: &Policy, t: &Target, ctx: &tempfile::TempDir) -> Plan {
    let mut a = argv(words);
    a.push(ctx.path().into());
    plan(&a, p, t)
}

/// The argv without the context and without the `--file` and `--ignorefile` the pinned copies
/// add (what the tests of the ceilings look at; the pins have tests of their own).
fn shown(p: &Plan) -> Vec<String> {
    let mut v: Vec<String> = p
        .args
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            let added = [&b"--file="[..], b"--ignorefile=", b"--security-opt=seccomp="]
                .iter()
                .any(|p| a.as_bytes().starts_with(p));
            !(p.pinned.iter().any(|x| x.arg == *i) && added)
        })
        .map(|(_, a)| a.to_string_lossy().into_owned())
        .collect();
    v.pop(); // the context
    v
}

/// The path each pinned copy's token names, and the text the copy will hold (the context
/// folder of a build: [`folders`]; its seccomp profile: [`SECCOMP`]).
fn pins(p: &Plan) -> Vec<(String, String)> {
    p.pinned
        .iter()
        .filter(|x| x.what != crate::pin::Pin::Folder)
        .filter(|x| !p.args[x.arg].as_bytes().starts_with(b"--security-opt=seccomp="))
        .map(|x| {
            let t = p.args[x.arg].as_bytes();
            (
                String::from_utf8_lossy(&t[x.prefix..]).into_owned(),
                match &x.what {
                    crate::pin::Pin::Copy(text) => String::from_utf8_lossy(text).into_owned(),
                    crate::pin::Pin::Folder => "<folder>".to_string(),
                    crate::pin::Pin::Into => "<into>".to_string(),
                },
            )
        })
        .collect()
}

#[test]
fn a_cidfile_is_written_into_the_folder_the_shim_opens() {
    let p = plan(
        &argv(&["run", "--cidfile", "/srv/w/cid", "--rm", "img"]),
        &Policy::default(),
        &podman(),
    );
    assert_eq!(p.decision, Decision::Rewrite, "{:?}", p.refusal);
    assert_eq!(pins(&p), [("/srv/w/cid".to_string(), "<into>".to_string())]);
    assert!(p.changes.iter().any(|c| c.rule == Rule::HardenPinnedFiles));
    // docker reads no path of the shim's; nothing pinned there.
    let d = plan(
        &argv(&["run", "--cidfile", "/srv/w/cid", "img"]),
        &Policy::default(),
        &Target::fixed(Flavor::Docker, false, None),
    );
    assert!(d.pinned.is_empty());
}

/// The container's log is capped: the size podman reads last is the shim's, the smallest of the
/// caller's at or below the ceiling, else the ceiling; a size above it or unlimited, in any case
/// of its key and in a list, never counts (the seventy-fourth look's `MAX-SIZE=0` after a
/// `max-size=10m`); an unreadable size and a `driver=` inside `--log-opt` are refused.
#[test]
fn a_container_log_is_capped() {
    let p = Policy::default();
    let opts = |words: &[&str]| -> Vec<String> {
        let plan = plan(&argv(words), &p, &podman());
        assert!(plan.decision.runs(), "{words:?}: {:?}", plan.refusal);
        plan.args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .filter(|a| a.to_ascii_lowercase().contains("max-size"))
            .collect()
    };
    let cap = "--log-opt=max-size=52428800";
    assert_eq!(opts(&["run", "img"]), [cap]);
    // A size at or below it is kept, and given again last in the shim's own spelling: only that
    // spelling, already last, is left as it is (the shim's output given to it again).
    assert_eq!(
        opts(&["run", "--log-opt", "max-size=10m", "img"]),
        ["max-size=10m", "--log-opt=max-size=10485760"]
    );
    assert_eq!(
        opts(&["run", "--log-opt", "max-size=10485760", "img"]),
        ["max-size=10485760"]
    );
    // A blank in the key or value is no size to podman (the eighty-first look's): the cap is
    // added, or the option refused when it is one unreadable size.
    for blank in [
        " max-size=10m",
        "max-size =10m",
        "\tmax-size=10m",
        "tag=x,max-size= 10m",
    ] {
        let got = opts(&["run", "--log-opt", blank, "img"]);
        assert_eq!(got.last().map(String::as_str), Some(cap), "{blank:?}: {got:?}");
    }
    assert_eq!(
        opts(&["run", "--log-opt=tag=x,max-size=1m", "img"]),
        ["--log-opt=tag=x,max-size=1m", "--log-opt=max-size=1048576"]
    );
    for above in [
        "max-size=1g",
        "max-size=-1",
        "max-size=0",
        "MAX-SIZE=0",
        "Max-Size=1g",
    ] {
        assert_eq!(opts(&["run", "--log-opt", above, "img"]), [cap], "{above}");
    }
    // The last size podman reads is at or below the ceiling, whatever came before.
    let after = |second: &str| opts(&["run", "--log-opt", "max-size=10m", "--log-opt", second, "img"]);
    assert_eq!(
        after("MAX-SIZE=0"),
        ["max-size=10m", "--log-opt=max-size=10485760"]
    );
    assert_eq!(
        after("tag=x,max-size=1g"),
        ["max-size=10m", "tag=x,max-size=1g", "--log-opt=max-size=10485760"]
    );
    for list in [
        "max-size=10m,MAX-SIZE=0",
        "max-size=10m,\"max-size=0\"",
        "max-size=1g,tag=x",
    ] {
        let got = opts(&["run", "--log-opt", list, "img"]);
        assert_eq!(got[0], list);
        assert!(
            got[1] == cap || got[1] == "--log-opt=max-size=10485760",
            "{list}: {got:?}"
        );
    }
    for (refused, rule) in [
        ("max-size=lots", Rule::ParseBadValue),
        ("driver=passthrough", Rule::DenyHostHandoff),
        // podman lowercases keys by Unicode: `İ` is `i` to it.
        ("MAX-S\u{130}ZE=0", Rule::ParseBadValue),
        ("DR\u{130}VER=passthrough", Rule::ParseBadValue),
        // A fraction podman reads as 0 bytes, unlimited.
        ("max-size=0.00099k", Rule::ParseBadValue),
        ("tag=x,Driver=passthrough", Rule::DenyHostHandoff),
        // A tag is a template podman runs on the host (the eighty-first look's recursion).
        ("tag={{define `a`}}x{{end}}{{template `a`}}", Rule::DenyCeiling),
        // (Quoted, podman 4's CSV reader refuses it first, printing it whole.)
        (
            "tag={{define \"a\"}}x{{end}}{{template \"a\"}}",
            Rule::ParseBadValue,
        ),
    ] {
        let plan = plan(&argv(&["run", "--log-opt", refused, "img"]), &p, &podman());
        assert_eq!(plan.refusal.map(|r| r.rule), Some(rule), "{refused}");
    }
    let mut off = Policy::default();
    off.rules.limits.log_size = None;
    let plan = plan(&argv(&["run", "img"]), &off, &podman());
    assert!(!plan.args.iter().any(|a| a.to_string_lossy().contains("max-size")));
}

/// The size holds only in the runtime's own log file: podman's default driver on a host with
/// systemd is journald, which ignores it. The driver is named when the caller names none, and a
/// caller's journald is refused while the ceiling is on.
#[test]
fn the_log_s_driver_keeps_its_size() {
    let p = Policy::default();
    let drivers = |words: &[&str], target: &Target| -> Vec<String> {
        let plan = plan(&argv(words), &p, target);
        assert!(plan.decision.runs(), "{words:?}: {:?}", plan.refusal);
        let args: Vec<String> = plan
            .args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        args.iter()
            .enumerate()
            .filter(|(_, a)| a.starts_with("--log-driver"))
            .map(|(i, a)| match a.as_str() {
                "--log-driver" => args[i + 1].clone(),
                a => a.to_string(),
            })
            .collect()
    };
    let docker = Target::fixed(Flavor::Docker, false, None);
    assert_eq!(drivers(&["run", "img"], &podman()), ["--log-driver=k8s-file"]);
    assert_eq!(drivers(&["create", "img"], &docker), ["--log-driver=json-file"]);
    // The caller's own driver that keeps the size (or keeps nothing) is left as it is.
    for kept in ["k8s-file", "json-file", "none"] {
        assert_eq!(drivers(&["run", "--log-driver", kept, "img"], &podman()), [kept]);
        assert_eq!(
            drivers(&["run", &format!("--log-driver={kept}"), "img"], &docker),
            [format!("--log-driver={kept}")]
        );
    }
    // The shim's output given again comes out the same.
    let once = out(&["run", "img"]);
    let words: Vec<&str> = once.iter().map(String::as_str).collect();
    assert_eq!(out(&words), once);
    // journald, even before or after another driver, while the ceiling is on.
    for words in [
        &["run", "--log-driver", "journald", "img"][..],
        &["run", "--log-driver=journald", "--log-driver=k8s-file", "img"],
        &[
            "create",
            "--log-driver=k8s-file",
            "--log-driver",
            "journald",
            "img",
        ],
    ] {
        assert_eq!(refused(words).rule, Rule::DenyCeiling, "{words:?}");
    }
    // With the ceiling off, the driver is the caller's and the host's.
    let mut off = Policy::default();
    off.rules.limits.log_size = None;
    for words in [&["run", "img"][..], &["run", "--log-driver", "journald", "img"]] {
        let plan = plan(&argv(words), &off, &podman());
        assert!(plan.decision.runs(), "{words:?}: {:?}", plan.refusal);
        let added = plan
            .args
            .iter()
            .filter(|a| a.to_string_lossy().starts_with("--log-driver"))
            .count();
        assert_eq!(added, usize::from(words.len() > 2), "{words:?}");
    }
}

/// What podman's configuration gives every container: a mount, a device or a host namespace
/// is refused (the argv's own namespace overrides), a `/dev/shm` above the ceiling is given as
/// the ceiling, and no mounts.conf is read (the thirty-seventh pass's look).
/// podman's configured limits below the policy's ceilings are what a container that names
/// none gets (the look `gv`: an operator's `pids_limit = 64`, 1 MiB `log_size_max` and
/// `nofile=256:256` became the policy's 256, 50 MiB and 1024); above them, the ceilings; a
/// caller's own value within the ceiling is the caller's.
#[test]
fn podman_s_stricter_configured_limits_are_kept() {
    let p = Policy::default();
    let mut t = podman();
    t.configured.pids_limit = Some("64".into());
    t.configured.log_size_max = Some("1048576".into());
    t.default_ulimits = vec!["nofile=256:256".into(), "nproc=4096:4096".into()];
    let args = |words: &[&str], t: &Target| -> Vec<String> {
        plan(&argv(words), &p, t)
            .args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    };
    let a = args(&["run", "img"], &t);
    for want in [
        "--pids-limit=64",
        "--log-opt=max-size=1048576",
        "--ulimit=nofile=256:256",
        "--ulimit=nproc=4096:4096",
    ] {
        assert!(a.iter().any(|x| x == want), "{want}: {a:?}");
    }
    let a = args(&["run", "--pids-limit=200", "img"], &t);
    assert!(a.iter().any(|x| x == "--pids-limit=200"), "{a:?}");
    t.configured.pids_limit = Some("100000".into());
    t.configured.log_size_max = Some("-1".into());
    t.default_ulimits = vec!["nofile=1048576:1048576".into()];
    let a = args(&["run", "img"], &t);
    let ceiling = |flag: &str| {
        a.iter()
            .any(|x| x.starts_with(flag) && !x.contains("100000") && !x.contains("1048576"))
    };
    assert!(
        ceiling("--pids-limit=") && ceiling("--log-opt=max-size=") && ceiling("--ulimit=nofile="),
        "{a:?}"
    );
}

#[test]
fn podman_s_configured_defaults_are_held_to_the_policy() {
    let p = Policy::default();
    let with = |c: crate::trust::ConfDefaults| {
        let mut t = podman();
        t.configured = c;
        t
    };
    let conf = |f: fn(&mut crate::trust::ConfDefaults)| {
        let mut c = crate::trust::ConfDefaults::default();
        f(&mut c);
        with(c)
    };
    let rule = |words: &[&str], t: &Target| plan(&argv(words), &p, t).refusal.map(|r| r.rule);
    let run = ["run", "img"];
    assert_eq!(
        rule(&run, &conf(|c| c.volumes = vec!["/etc:/h:ro".into()])),
        Some(Rule::DenySensitiveMount)
    );
    assert_eq!(
        rule(&run, &conf(|c| c.devices = vec!["/dev/kmsg".into()])),
        Some(Rule::DenyDevice)
    );
    for (key, value) in [
        ("pidns", "host"),
        ("ipcns", "host"),
        ("utsns", "host"),
        ("netns", "host"),
        ("netns", "ns:/run/netns/x"),
        ("pidns", "container:x"),
    ] {
        let t = with(crate::trust::ConfDefaults {
            namespaces: vec![(key.into(), value.into())],
            ..Default::default()
        });
        assert_eq!(rule(&run, &t), Some(Rule::DenyHostNamespace), "{key} {value}");
    }
    let loopback =
        conf(|c| c.namespaces = vec![("netns".into(), "slirp4netns:allow_host_loopback=true".into())]);
    assert_eq!(rule(&run, &loopback), Some(Rule::DenyNetworkOption));
    // The argv's own namespace is podman's, and the shim's rules judge it.
    let host_pid = conf(|c| c.namespaces = vec![("pidns".into(), "host".into())]);
    assert_eq!(rule(&["run", "--pid=private", "img"], &host_pid), None);
    for fine in ["private", "shareable", "bridge", "slirp4netns", "pasta", ""] {
        let key = if ["bridge", "slirp4netns", "pasta"].contains(&fine) {
            "netns"
        } else {
            "ipcns"
        };
        let t = with(crate::trust::ConfDefaults {
            namespaces: vec![(key.into(), fine.into())],
            ..Default::default()
        });
        assert_eq!(rule(&run, &t), None, "{key} {fine}");
    }
    let shm = |size: &str, words: &[&str]| -> Vec<String> {
        let t = with(crate::trust::ConfDefaults {
            shm_sizes: vec![size.into()],
            ..Default::default()
        });
        let plan = plan(&argv(words), &p, &t);
        assert!(plan.decision.runs(), "{size}: {:?}", plan.refusal);
        plan.args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .filter(|a| a.starts_with("--shm-size"))
            .collect()
    };
    assert_eq!(shm("100g", &run), ["--shm-size=2g"]);
    assert_eq!(shm("lots", &run), ["--shm-size=2g"]);
    assert!(shm("1g", &run).is_empty());
    assert_eq!(shm("100g", &["run", "--shm-size=64m", "img"]), ["--shm-size=64m"]);
    // slirp4netns's or pasta's options where a rootless argv names no network.
    let mut rootless = Target::fixed(Flavor::Podman, true, Some((4, 3, 1)));
    rootless.configured.network_options = vec!["allow_host_loopback=true".into()];
    assert_eq!(rule(&run, &rootless), Some(Rule::DenyNetworkOption));
    assert_eq!(
        rule(&["run", "--network=slirp4netns", "img"], &rootless),
        Some(Rule::DenyNetworkOption)
    );
    assert_eq!(
        rule(&run, &conf(|c| c.network_options = vec!["-T".into()])),
        None,
        "rootful: no slirp4netns"
    );
    // Keys judged by value, keys unknown, podman's own environment, a file not read, two
    // profiles (the look `gi`).
    for (c, want) in [
        (
            conf(|c| c.checked = vec![("env_host".into(), "true".into())]),
            Rule::DenyEnvHost,
        ),
        (
            conf(|c| c.checked = vec![("base_hosts_file".into(), "/root/.aws/credentials".into())]),
            Rule::DenyHostFile,
        ),
        (
            conf(|c| c.checked = vec![("oom_score_adj".into(), "-1000".into())]),
            Rule::DenyCeiling,
        ),
        (
            conf(|c| c.checked = vec![("cgroups".into(), "disabled".into())]),
            Rule::DenyCeiling,
        ),
        (
            conf(|c| c.checked = vec![("init_path".into(), "/home/u/.ssh/id_rsa".into())]),
            Rule::DenyHostFile,
        ),
        (
            conf(|c| c.unknown = vec!["future_key".into()]),
            Rule::DenyEnvironment,
        ),
        (
            conf(|c| c.engine_env = vec!["_CONTAINERS_USERNS_CONFIGURED=1".into()]),
            Rule::DenyEnvironment,
        ),
        (
            conf(|c| c.unreadable = vec!["/etc/containers/containers.conf".into()]),
            Rule::DenyEnvironment,
        ),
        (
            conf(|c| c.seccomp_profiles = vec!["/a.json".into(), "/b.json".into()]),
            Rule::DenySecurityOption,
        ),
        (
            conf(|c| c.namespaces = vec![("netns".into(), "".into()), ("netns".into(), "host".into())]),
            Rule::DenyHostNamespace,
        ),
    ] {
        assert_eq!(rule(&run, &c), Some(want), "{:?}", c.configured);
    }
    for c in [
        conf(|c| {
            c.checked = vec![
                ("env_host".into(), "false".into()),
                ("base_hosts_file".into(), "image".into()),
            ]
        }),
        conf(|c| {
            c.checked = vec![
                ("oom_score_adj".into(), "0".into()),
                ("cgroups".into(), "enabled".into()),
            ]
        }),
        conf(|c| {
            c.checked = vec![
                ("init_path".into(), "/usr/libexec/podman/catatonit".into()),
                ("userns".into(), "host".into()),
            ]
        }),
        conf(|c| c.engine_env = vec!["HTTP_PROXY=http://p:3128".into(), "TMPDIR=/var/tmp".into()]),
        conf(|c| {
            c.engine_env = vec![
                "SSL_CERT_FILE=/etc/ssl/corp.pem".into(),
                "ALL_PROXY=socks5://p:1080".into(),
            ]
        }),
        conf(|c| c.seccomp_profiles = vec!["/a.json".into(), "/a.json".into(), "unconfined".into()]),
    ] {
        assert_eq!(rule(&run, &c), None, "{:?}", c.configured);
    }
    // No mounts.conf, beside the mount check's hook folder, and with the mount check off (the
    // look `gk`), at a start too.
    let plain = plan(&argv(&run), &p, &podman());
    assert_eq!(plain.args[1], crate::mountcheck::NO_DEFAULT_MOUNTS);
    let mut unchecked = Policy::default();
    unchecked.rules.podman.verify_mounts = false;
    for words in [&run[..], &["start", "--attach", "c"]] {
        let off = plan(&argv(words), &unchecked, &podman());
        assert_eq!(off.args[0], crate::mountcheck::NO_DEFAULT_MOUNTS, "{words:?}");
        assert!(!off.hooks, "{words:?}");
    }
    // A build's RUN steps get what containers get (the look `gk`).
    let rules = &p.rules;
    let c = |f: fn(&mut crate::trust::ConfDefaults)| {
        let mut c = crate::trust::ConfDefaults::default();
        f(&mut c);
        c
    };
    let build = |c: &crate::trust::ConfDefaults| {
        super::configured::build_refusal(c, &[], false, rules).map(|r| r.rule)
    };
    assert_eq!(
        build(&c(|c| c.volumes = vec!["/etc:/h".into()])),
        Some(Rule::DenySensitiveMount)
    );
    assert_eq!(
        build(&c(|c| c.shm_sizes = vec!["100g".into()])),
        Some(Rule::DenyCeiling)
    );
    assert_eq!(
        build(&c(|c| c.namespaces = vec![("pidns".into(), "host".into())])),
        Some(Rule::DenyHostNamespace)
    );
    assert_eq!(build(&c(|c| c.shm_sizes = vec!["1g".into()])), None);
    // A build gets podman's configured ulimits again beside its `nofile`: a configured realtime
    // one is refused there too.
    let realtime = |u: &str| {
        super::configured::build_refusal(&c(|_| {}), &[u.to_string()], false, rules).map(|r| r.rule)
    };
    assert_eq!(realtime("rtprio=99:99"), Some(Rule::DenyCeiling));
    assert_eq!(realtime("nproc=1024:1024"), None);
    // `[engine]`: a podman service, chroot in place of pivot_root, a key the shim does not
    // know; rootful `keep-id` (the look `gk`'s remainder), where rootless it is the shim's own.
    let mut rootless = Target::fixed(Flavor::Podman, true, Some((4, 3, 1)));
    for (checked, rootful, rootless_rule) in [
        (
            ("engine.remote", "true"),
            Some(Rule::DenyEngineRedirect),
            Some(Rule::DenyEngineRedirect),
        ),
        (("engine.remote", "false"), None, None),
        (
            ("engine.no_pivot_root", "true"),
            Some(Rule::DenySecurityOption),
            Some(Rule::DenySecurityOption),
        ),
        (("engine.no_pivot_root", "false"), None, None),
        (("userns", "keep-id"), Some(Rule::DenyHostNamespace), None),
        (
            ("userns", "\"keep-id:uid=0\""),
            Some(Rule::DenyHostNamespace),
            Some(Rule::DenyHostNamespace),
        ),
        (("userns", "auto"), None, None),
        (
            ("label", "false"),
            Some(Rule::DenySecurityOption),
            Some(Rule::DenySecurityOption),
        ),
        (("label", "true"), None, None),
        (
            ("privileged", "true"),
            Some(Rule::DenyPrivileged),
            Some(Rule::DenyPrivileged),
        ),
        (("privileged", "false"), None, None),
    ] {
        let pair = vec![(checked.0.to_string(), checked.1.to_string())];
        let t = with(crate::trust::ConfDefaults {
            checked: pair.clone(),
            ..Default::default()
        });
        assert_eq!(rule(&run, &t), rootful, "{checked:?}");
        rootless.configured.checked = pair;
        rootless.configured.network_options.clear();
        assert_eq!(rule(&run, &rootless), rootless_rule, "{checked:?} rootless");
    }
    let engine = conf(|c| c.unknown = vec!["[engine] future_key".into()]);
    let refused = plan(&argv(&run), &p, &engine).refusal.unwrap();
    assert_eq!(refused.rule, Rule::DenyEnvironment);
    assert!(
        refused.message.contains("[engine] future_key"),
        "{}",
        refused.message
    );
    let remote = conf(|c| c.checked = vec![("engine.remote".into(), "true".into())]);
    let refused = plan(&argv(&run), &p, &remote).refusal.unwrap();
    assert!(
        refused.message.contains("[engine] remote = true"),
        "{}",
        refused.message
    );
    // Every call goes there, not only a `run`.
    assert_eq!(rule(&["ps", "-a"], &remote), Some(Rule::DenyEngineRedirect));
    assert_eq!(
        rule(&["exec", "c", "true"], &remote),
        Some(Rule::DenyEngineRedirect)
    );
    assert_eq!(
        rule(
            &run,
            &conf(|c| c.checked = vec![("userns".into(), "container:x".into())])
        ),
        Some(Rule::DenyHostNamespace)
    );
    // Configured limits are copied beside the shim's `nofile`, but realtime's; with no
    // `--ulimit` of the shim's, they would reach the container, and are refused.
    let mut t = podman();
    t.default_ulimits = vec!["nproc=1024:1024".into(), "rtprio=99:99".into(), "RTTIME=1".into()];
    let ulimits: Vec<String> = plan(&argv(&run), &p, &t)
        .args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .filter(|a| a.starts_with("--ulimit"))
        .collect();
    assert_eq!(ulimits, ["--ulimit=nproc=1024:1024", "--ulimit=nofile=1024:1024"]);
    let mut no_files = Policy::default();
    no_files.rules.limits.open_files = None;
    let refused = plan(&argv(&run), &no_files, &t).refusal.map(|r| r.rule);
    assert_eq!(refused, Some(Rule::DenyCeiling));
    assert!(
        plan(&argv(&["run", "--ulimit=nproc=10", "img"]), &no_files, &t)
            .decision
            .runs()
    );
}

#[test]
fn descriptors_handed_to_the_container_never_include_the_shim_s() {
    let mut p = Policy::default();
    for f in ["preserve-fds", "preserve-fd"] {
        p.rules.deny.list_mut(policy::DenyList::AllowFlags).push(f.into());
    }
    for handed in ["--preserve-fds=1", "--preserve-fd=3"] {
        // Allowed by name, the flag runs where the shim opens nothing for the runtime...
        let alone = plan(&argv(&["run", handed, "img"]), &p, &podman());
        assert_eq!(alone.decision, Decision::Rewrite, "{:?}", alone.refusal);
        // ...and is refused beside a folder (--cidfile's) or a sealed copy it would pass on.
        let beside = plan(
            &argv(&["run", "--cidfile", "/srv/w/cid", handed, "img"]),
            &p,
            &podman(),
        );
        assert_eq!(beside.decision, Decision::Refuse, "{handed}");
        let r = beside.refusal.unwrap();
        assert_eq!(r.rule, Rule::HardenPinnedFiles);
        assert!(r.message.starts_with(handed), "{}", r.message);
    }
}

/// The paths of the folders a plan pins (a build's context).
fn folders(p: &Plan) -> Vec<String> {
    p.pinned
        .iter()
        .filter(|x| x.what == crate::pin::Pin::Folder)
        .map(|x| String::from_utf8_lossy(&p.args[x.arg].as_bytes()[x.prefix..]).into_owned())
        .collect()
}

#[test]
fn a_build_reads_the_containerfile_the_shim_checked() {
    let (t, ctx) = build_target(false);
    let dir = ctx.path().display().to_string();
    let file = format!("{dir}/Containerfile");
    let text = SEALED.to_string();
    // No -f: podman's own choice (the context's Containerfile) named, and pinned.
    let p = build_plan(&["build", "-t", "nanoclaw-x"], &Policy::default(), &t, &ctx);
    // ... and, there being no ignore file, an empty one: none made after the check is read.
    assert_eq!(
        pins(&p),
        [
            (file.clone(), text.clone()),
            (format!("{dir}/.dockerignore"), "!*\n".to_string())
        ],
        "{p:?}"
    );
    assert!(p.args.contains(&OsString::from(format!("--file={file}"))));
    // The context, the last token, is the folder opened at the exec.
    assert_eq!(folders(&p), vec![dir.clone()], "{p:?}");
    assert_eq!(p.pinned.last().map(|x| x.arg), Some(p.args.len() - 1));
    let c = p
        .changes
        .iter()
        .find(|c| c.rule == Rule::HardenPinnedFiles)
        .unwrap();
    assert_eq!(
        (c.action, c.token.as_str()),
        (Action::Add, format!("--file={file}").as_str())
    );
    // Every spelling of -f: the value is replaced where it stands, the flag kept.
    for words in [
        vec!["build", "-f", file.as_str(), "-t", "nanoclaw-x"],
        vec!["build", &format!("--file={file}"), "-t", "nanoclaw-x"],
        vec!["image", "build", &format!("-qf{file}"), "-t", "nanoclaw-x"],
        vec!["build", "-qf", file.as_str()],
    ] {
        let p = build_plan(&words, &Policy::default(), &t, &ctx);
        assert_eq!(p.decision, Decision::Rewrite, "{words:?}: {p:?}");
        let copies = pins(&p);
        assert_eq!(
            copies
                .iter()
                .filter(|(path, _)| !path.ends_with(".dockerignore"))
                .collect::<Vec<_>>(),
            [&(file.clone(), text.clone())],
            "{words:?}: {p:?}"
        );
        let named = p.pinned.iter().find(|x| {
            let a = p.args[x.arg].as_bytes();
            !a.starts_with(b"--ignorefile=") && !a.starts_with(b"--security-opt=seccomp=")
        });
        let named = named.unwrap();
        let flag = &p.args[named.arg].as_bytes()[..named.prefix];
        assert!(
            [&b""[..], b"--file=", b"-qf"].contains(&flag),
            "{words:?}: the flag became {:?}",
            String::from_utf8_lossy(flag)
        );
    }
    // Under audit the caller's argv runs, with nothing pinned.
    let audit = Policy {
        mode: Mode::Audit,
        ..Policy::default()
    };
    let p = build_plan(&["build", "-t", "nanoclaw-x"], &audit, &t, &ctx);
    assert!(p.pinned.is_empty(), "{p:?}");
}

#[test]
fn a_containerfile_that_cannot_be_pinned_is_refused() {
    let (t, ctx) = build_target(false);
    let dir = ctx.path().display().to_string();
    let file = format!("{dir}/Containerfile");
    // podman may split the value into two files; one that does not exist may appear later.
    for f in [format!("{file},{file}"), format!("{dir}/Missing")] {
        let p = build_plan(
            &["build", "-f", &f, "-t", "nanoclaw-x"],
            &Policy::default(),
            &t,
            &ctx,
        );
        assert_eq!(p.decision, Decision::Refuse, "{f}: {p:?}");
        assert_eq!(
            p.refusal.as_ref().map(|r| r.rule),
            Some(Rule::DenyBuild),
            "{f}: {p:?}"
        );
        assert!(p.pinned.is_empty());
    }
}

#[test]
fn a_run_reads_the_env_file_the_shim_checked() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("agent.env");
    std::fs::write(&env, "A=1\n# a comment\nB=two\n").unwrap();
    let path = env.display().to_string();
    let t = Target::fixed(Flavor::Podman, false, Some((5, 4, 2)));
    for spelling in [
        vec!["--env-file", path.as_str()],
        vec![&*format!("--env-file={path}")],
    ] {
        let mut words = vec!["run", "--rm"];
        words.extend(spelling.iter().copied());
        words.extend(["img", "--env-file", "/not/read"]);
        let p = plan(&argv(&words), &Policy::default(), &t);
        assert_eq!(p.decision, Decision::Rewrite, "{p:?}");
        assert_eq!(
            pins(&p),
            [(path.clone(), "A=1\n# a comment\nB=two\n".to_string())],
            "{p:?}"
        );
        // The caller's spelling kept: the path is replaced where it stands.
        let (at, prefix) = (p.pinned[0].arg, p.pinned[0].prefix);
        let flag = &p.args[at].as_bytes()[..prefix];
        assert!(
            flag == b"--env-file=" || (flag.is_empty() && p.args[at - 1] == *"--env-file"),
            "{p:?}"
        );
        // Nothing after the image is touched.
        assert_eq!(p.args[p.args.len() - 2..], argv(&["--env-file", "/not/read"])[..]);
    }
    // A line holding a NUL, which the runtime refuses by printing it whole (the
    // hundred-and-twenty-fifth look's).
    let nul = dir.path().join("nul.env");
    std::fs::write(&nul, "A=1\nTOKEN=secret\0x\n").unwrap();
    let p = plan(
        &argv(&["run", "--env-file", &nul.display().to_string(), "img"]),
        &Policy::default(),
        &t,
    );
    assert_eq!(p.refusal.map(|r| r.rule), Some(Rule::DenyEnvHost));
    // A variable or label without a name, which the runtime refuses by printing its value (the
    // hundred-and-thirtieth look's).
    std::fs::write(&nul, "A=1\n=secret\n").unwrap();
    for words in [
        vec!["run", "--env-file", nul.to_str().unwrap(), "img"],
        vec!["run", "-e", "=secret", "img"],
        vec!["run", "--label-file", nul.to_str().unwrap(), "img"],
    ] {
        let p = plan(&argv(&words), &Policy::default(), &t);
        assert_eq!(p.decision, Decision::Refuse, "{words:?}");
    }
    // A missing file, and a value podman may read as two files, are refused.
    for value in [
        format!("{}/missing.env", dir.path().display()),
        format!("{path},{path}"),
    ] {
        let p = plan(
            &argv(&["run", "--env-file", &value, "img"]),
            &Policy::default(),
            &t,
        );
        assert_eq!(p.decision, Decision::Refuse, "{value}: {p:?}");
        assert_eq!(
            p.refusal.as_ref().map(|r| r.rule),
            Some(Rule::DenyHostFile),
            "{value}: {p:?}"
        );
    }
}

#[test]
fn a_build_is_given_the_ceilings_it_does_not_name() {
    let (t, ctx) = build_target(false);
    let p = build_plan(&["build", "-t", "nanoclaw-x"], &Policy::default(), &t, &ctx);
    assert_eq!(p.decision, Decision::Rewrite, "{p:?}");
    assert_eq!(
        shown(&p),
        [
            "build",
            "--ulimit=nofile=1024:1024",
            "--memory=4g",
            "--memory-swap=8g",
            "--cpu-period=100000",
            "--cpu-quota=200000",
            "--http-proxy=false",
            "--cap-drop=MKNOD,NET_RAW,AUDIT_WRITE",
            "-t",
            "nanoclaw-x"
        ]
    );
    // podman's build takes no pids limit: said, not pretended.
    assert!(
        p.changes
            .iter()
            .any(|c| c.rule == Rule::LimitPids && c.action == Action::Keep),
        "{:?}",
        p.changes
    );
    // After every command word (and docker's global flags), the caller's own values kept.
    let p = build_plan(
        &[
            "--log-level",
            "warn",
            "image",
            "build",
            "-m",
            "1g",
            "--cpu-period",
            "50000",
        ],
        &Policy::default(),
        &t,
        &ctx,
    );
    assert_eq!(
        shown(&p),
        [
            "--log-level",
            "warn",
            "image",
            "build",
            "--ulimit=nofile=1024:1024",
            "--memory-swap=2g",
            "--cpu-quota=100000",
            "--http-proxy=false",
            "--cap-drop=MKNOD,NET_RAW,AUDIT_WRITE",
            "-m",
            "1g",
            "--cpu-period",
            "50000"
        ]
    );
    // A memory-plus-swap total below the ceiling bounds the memory added.
    let p = build_plan(
        &["build", "--memory-swap=2g", "--cpu-quota=50000"],
        &Policy::default(),
        &t,
        &ctx,
    );
    assert_eq!(
        shown(&p),
        [
            "build",
            "--ulimit=nofile=1024:1024",
            "--memory=2g",
            "--http-proxy=false",
            "--cap-drop=MKNOD,NET_RAW,AUDIT_WRITE",
            "--memory-swap=2g",
            "--cpu-quota=50000"
        ]
    );
    // A build that names them all is given none (its Containerfile is still pinned, and the
    // proxy variables kept out).
    let p = build_plan(
        &[
            "build",
            "-m",
            "4g",
            "--memory-swap",
            "8g",
            "--cpu-quota",
            "200000",
            "--ulimit",
            "nofile=1024",
        ],
        &Policy::default(),
        &t,
        &ctx,
    );
    assert_eq!(p.decision, Decision::Rewrite, "{p:?}");
    assert!(
        p.changes.iter().all(|c| [
            Rule::LimitPids,
            Rule::HardenPinnedFiles,
            Rule::CompatHttpProxy,
            Rule::HardenCapDrop,
            Rule::HardenBuildCgroup,
            Rule::HardenMountCheck
        ]
        .contains(&c.rule)),
        "{p:?}"
    );
    assert_eq!(
        shown(&p),
        [
            "build",
            "--http-proxy=false",
            "--cap-drop=MKNOD,NET_RAW,AUDIT_WRITE",
            "-m",
            "4g",
            "--memory-swap",
            "8g",
            "--cpu-quota",
            "200000",
            "--ulimit",
            "nofile=1024"
        ]
    );
    // Memory without swap: swap of twice the memory named (podman's build sets none, the
    // twenty-fifth look's), and a swap above twice the memory named is refused, as on `run`.
    let p = build_plan(&["build", "-m", "1g"], &Policy::default(), &t, &ctx);
    assert!(shown(&p).contains(&"--memory-swap=2g".to_string()), "{p:?}");
    let p = build_plan(
        &["build", "-m", "1g", "--memory-swap", "8g"],
        &Policy::default(),
        &t,
        &ctx,
    );
    assert_eq!(p.refusal.unwrap().rule, Rule::DenyCeiling);
    // Above a ceiling: refused, as before.
    let p = build_plan(&["build", "-m", "64g"], &Policy::default(), &t, &ctx);
    assert_eq!(p.refusal.unwrap().rule, Rule::DenyCeiling);
    // A period the kernel would not take cannot carry a ceiling.
    let p = build_plan(&["build", "--cpu-period", "500"], &Policy::default(), &t, &ctx);
    assert_eq!(p.refusal.unwrap().rule, Rule::ParseBadValue);
}

#[test]
fn a_build_s_ceilings_follow_the_mode_and_the_host() {
    let (t, ctx) = build_target(false);
    // audit: the caller's argv runs; the plan says what enforce would add.
    let audit = Policy {
        mode: Mode::Audit,
        ..Policy::default()
    };
    let p = build_plan(&["build", "-t", "nanoclaw-x"], &audit, &t, &ctx);
    assert_eq!(p.decision, Decision::Audit);
    assert_eq!(shown(&p), ["build", "-t", "nanoclaw-x"]);
    assert!(
        p.changes
            .iter()
            .any(|c| c.action == Action::Add && c.token == "--memory=4g")
    );
    // No ceilings in the policy: nothing to add, nothing said but the pinned Containerfile.
    let mut none = Policy::default();
    let l = &mut none.rules.limits;
    (l.cpus, l.memory, l.pids, l.open_files) = (None, None, None, None);
    let p = build_plan(&["build", "-t", "nanoclaw-x"], &none, &t, &ctx);
    assert_eq!(p.decision, Decision::Rewrite);
    assert_eq!(
        shown(&p),
        [
            "build",
            "--http-proxy=false",
            "--cap-drop=MKNOD,NET_RAW,AUDIT_WRITE",
            "-t",
            "nanoclaw-x"
        ]
    );
    assert!(
        p.changes.iter().all(|c| matches!(
            c.rule,
            Rule::HardenPinnedFiles
                | Rule::CompatHttpProxy
                | Rule::HardenCapDrop
                | Rule::HardenBuildCgroup
                | Rule::HardenMountCheck
        )),
        "{:?}",
        p.changes
    );
    // Rootless on cgroup v1, podman's build fails on any limit: none is added, and it is said
    // (or refused with refuse_unenforced).
    let (mut v1, ctx) = build_target(true);
    v1.cgroup_v1 = true;
    let p = build_plan(&["build", "-t", "nanoclaw-x"], &Policy::default(), &v1, &ctx);
    assert_eq!(p.decision, Decision::Rewrite);
    assert_eq!(
        shown(&p),
        [
            "build",
            "--ulimit=nofile=1024:1024",
            "--http-proxy=false",
            "--cap-drop=MKNOD,NET_RAW,AUDIT_WRITE",
            "-t",
            "nanoclaw-x"
        ]
    );
    assert!(
        p.changes.iter().any(|c| c.rule == Rule::LimitUnenforced),
        "{:?}",
        p.changes
    );
    let mut strict = Policy::default();
    strict.rules.limits.refuse_unenforced = true;
    let p = build_plan(&["build", "-t", "nanoclaw-x"], &strict, &v1, &ctx);
    assert_eq!(p.refusal.unwrap().rule, Rule::LimitUnenforced);
    // docker's builder: not given podman's options.
    let docker = Target::fixed(Flavor::Docker, false, None);
    let p = build_plan(&["build", "-t", "nanoclaw-x"], &Policy::default(), &docker, &ctx);
    assert_eq!(shown(&p), ["build", "-t", "nanoclaw-x"]);
    // ... nor a RUN flag (its legacy builder takes none): it reads the Containerfile itself.
    assert!(pins(&p).is_empty(), "{p:?}");
    assert!(p.changes.iter().all(|c| c.rule != Rule::HardenBuildCgroup));
    // Other commands are never touched.
    let p = plan(&argv(&["images", "--format", "{{.ID}}"]), &Policy::default(), &t);
    assert_eq!(p.decision, Decision::Passthrough);
    assert!(p.changes.is_empty());
}

#[test]
fn an_exec_reads_the_env_file_the_shim_checked() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("exec.env");
    std::fs::write(&env, "A=1\n").unwrap();
    let path = env.display().to_string();
    let t = Target::fixed(Flavor::Podman, false, Some((5, 4, 2)));
    let words = [
        "exec",
        "-i",
        "--env-file",
        path.as_str(),
        "agent-1",
        "sh",
        "-c",
        "echo $A",
    ];
    let p = plan(&argv(&words), &Policy::default(), &t);
    assert_eq!(p.decision, Decision::Rewrite, "{p:?}");
    // Nothing but the pin: the caller's argv, token for token.
    assert_eq!(p.args, argv(&words));
    assert_eq!(pins(&p), [(path.clone(), "A=1\n".to_string())], "{p:?}");
    // `--preserve-fds`, allowed by name, would hand over the sealed copy's descriptor.
    let mut open = Policy::default();
    open.rules
        .deny
        .list_mut(policy::DenyList::AllowFlags)
        .push("preserve-fds".into());
    let handed = [
        "exec",
        "--preserve-fds=1",
        "--env-file",
        path.as_str(),
        "agent-1",
        "true",
    ];
    let p = plan(&argv(&handed), &open, &t);
    assert_eq!(
        p.refusal.map(|r| r.rule),
        Some(Rule::HardenPinnedFiles),
        "{:?}",
        p.args
    );
    // Without an env file, an exec passes through as before.
    let p = plan(&argv(&["exec", "-i", "agent-1", "true"]), &Policy::default(), &t);
    assert_eq!(p.decision, Decision::Passthrough, "{p:?}");
    assert!(p.pinned.is_empty());
}

#[test]
fn an_ignore_file_beside_a_pinned_containerfile_is_named() {
    let (t, ctx) = build_target(false);
    let dir = ctx.path().display().to_string();
    let has = |p: &Plan, token: &str| p.args.iter().any(|a| *a == *token);
    // None there: an empty copy in the place of the context's own (the sixtieth look's race: one
    // made after the check, a link to `~/.env`, was read).
    let p = build_plan(&["build", "-t", "nanoclaw-x"], &Policy::default(), &t, &ctx);
    assert!(has(&p, &format!("--ignorefile={dir}/.dockerignore")), "{p:?}");
    assert_eq!(pins(&p)[1], (format!("{dir}/.dockerignore"), "!*\n".to_string()));
    std::fs::write(ctx.path().join("Containerfile.containerignore"), "secret\n").unwrap();
    let p = build_plan(&["build", "-t", "nanoclaw-x"], &Policy::default(), &t, &ctx);
    assert!(
        has(&p, &format!("--ignorefile={dir}/Containerfile.containerignore")),
        "{p:?}"
    );
    // `.dockerignore` wins over `.containerignore`, as buildah picks it.
    std::fs::write(ctx.path().join("Containerfile.dockerignore"), "secret\n").unwrap();
    let file = format!("{dir}/Containerfile");
    let p = build_plan(
        &["build", "-f", &file, "-t", "nanoclaw-x"],
        &Policy::default(),
        &t,
        &ctx,
    );
    assert!(has(&p, &format!("--ignorefile={file}.dockerignore")), "{p:?}");
    // podman reads the sealed copy of what the shim read, as it reads the Containerfile's.
    assert_eq!(
        pins(&p),
        [
            (format!("{file}.dockerignore"), "secret\n".to_string()),
            (file.clone(), SEALED.to_string())
        ],
        "{p:?}"
    );
}

/// The context's own ignore file (`.containerignore`, else `.dockerignore`), which podman 4.3
/// opened by path through a link to any host file and printed line by line in an error (the
/// fifty-ninth look's, with `~/.env`), is judged, read, and given to podman as a sealed copy; one
/// that is no regular file (a FIFO podman would wait on for good) refuses the build.
#[test]
fn the_context_s_ignore_file_is_judged_and_sealed() {
    let (t, ctx) = build_target(false);
    let dir = ctx.path().display().to_string();
    let build = || build_plan(&["build", "-t", "nanoclaw-x"], &Policy::default(), &t, &ctx);
    std::fs::write(ctx.path().join(".dockerignore"), "node_modules\n").unwrap();
    assert_eq!(
        pins(&build()),
        [
            (format!("{dir}/Containerfile"), SEALED.to_string()),
            (format!("{dir}/.dockerignore"), "node_modules\n".to_string())
        ]
    );
    // `.containerignore` first, as podman looks.
    std::fs::write(ctx.path().join(".containerignore"), "*.log\n").unwrap();
    assert_eq!(
        pins(&build())[1],
        (format!("{dir}/.containerignore"), "*.log\n".to_string())
    );
    std::fs::remove_file(ctx.path().join(".containerignore")).unwrap();
    // A link out of the context (to a credential, or to any host file: nanoclaw's
    // `data/env/env`, whose bad pattern podman's error prints) is resolved inside the context,
    // as podman 5 resolves it: it names nothing there.
    let home = tempfile::tempdir().unwrap();
    for secret in [".env", "env"] {
        std::fs::write(home.path().join(secret), "ANTHROPIC_API_KEY=sk-ant-x\n[\n").unwrap();
        let _ = std::fs::remove_file(ctx.path().join(".dockerignore"));
        std::os::unix::fs::symlink(home.path().join(secret), ctx.path().join(".dockerignore")).unwrap();
        // Refused, never dropped in silence: what the file kept out would go into the image
        // (the seventy-eighth look's), and nothing of the linked file is read.
        let refused = |p: Plan| {
            let r = p.refusal.expect("refused");
            assert_eq!(r.rule, Rule::DenyBuild);
            assert!(
                r.message.contains("names nothing inside") && !r.message.contains("sk-ant"),
                "{}",
                r.message
            );
        };
        refused(build());
        std::fs::remove_file(ctx.path().join(".dockerignore")).unwrap();
        std::os::unix::fs::symlink(
            format!("../{}/{secret}", home.path().display()),
            ctx.path().join(".dockerignore"),
        )
        .unwrap();
        refused(build());
    }
    // A link inside the context is followed there, an absolute one from the context's top.
    std::fs::create_dir(ctx.path().join("conf")).unwrap();
    std::fs::write(ctx.path().join("conf/ignore"), "dist\n").unwrap();
    let within = (format!("{dir}/.dockerignore"), "dist\n".to_string());
    for to in ["conf/ignore", "/conf/ignore", "../../conf/ignore"] {
        std::fs::remove_file(ctx.path().join(".dockerignore")).unwrap();
        std::os::unix::fs::symlink(to, ctx.path().join(".dockerignore")).unwrap();
        assert_eq!(pins(&build())[1], within, "{to}");
    }
    // The Containerfile podman would pick likewise: one linked out of the context is not read.
    std::fs::rename(
        ctx.path().join("Containerfile"),
        ctx.path().join("conf/Containerfile"),
    )
    .unwrap();
    std::fs::write(home.path().join("Containerfile"), "FROM img\nRUN echo outside\n").unwrap();
    std::os::unix::fs::symlink(
        home.path().join("Containerfile"),
        ctx.path().join("Containerfile"),
    )
    .unwrap();
    assert_eq!(build().refusal.map(|r| r.rule), Some(Rule::DenyBuild));
    std::fs::remove_file(ctx.path().join("Containerfile")).unwrap();
    std::os::unix::fs::symlink("/conf/Containerfile", ctx.path().join("Containerfile")).unwrap();
    assert_eq!(pins(&build())[0].1, SEALED);
    std::fs::remove_file(ctx.path().join(".dockerignore")).unwrap();
    std::os::unix::fs::symlink(home.path().join(".env"), ctx.path().join(".dockerignore")).unwrap();
    // A socket in the context: read, not mounted, so nothing to connect to.
    let _sock = std::os::unix::net::UnixListener::bind(ctx.path().join("s.sock")).unwrap();
    std::fs::remove_file(ctx.path().join(".dockerignore")).unwrap();
    assert_eq!(build().refusal.map(|r| r.rule), None);
    std::fs::remove_file(ctx.path().join("s.sock")).unwrap();
    std::os::unix::fs::symlink(home.path().join(".env"), ctx.path().join(".dockerignore")).unwrap();
    // A FIFO: refused, never opened for reading.
    std::fs::remove_file(ctx.path().join(".dockerignore")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(ctx.path().join(".dockerignore"))
        .status();
    assert!(made.is_ok_and(|s| s.success()));
    let p = build();
    assert_eq!(p.refusal.as_ref().map(|r| r.rule), Some(Rule::DenyBuild), "{p:?}");
    assert!(
        p.refusal.unwrap().message.contains("ignore file"),
        "the refusal names the file's part"
    );
}

#[test]
fn a_forged_annotation_inside_a_list_is_removed() {
    let t = Target::fixed(Flavor::Podman, false, Some((5, 4, 2)));
    let words = [
        "run",
        "--annotation",
        "foo=a,io.github.nanoclaw-shim.applied=x",
        "img",
    ];
    let p = plan(&argv(&words), &Policy::default(), &t);
    assert_eq!(p.decision, Decision::Rewrite, "{p:?}");
    let forged = |a: &OsString| a.to_string_lossy().contains("applied=x");
    assert!(!p.args.iter().any(forged), "{:?}", p.args);
    assert!(
        p.changes
            .iter()
            .any(|c| c.rule == Rule::HardenAnnotation && c.action == Action::Remove),
        "{:?}",
        p.changes
    );
}

#[test]
fn a_named_context_folder_is_pinned_as_the_context_is() {
    let (t, ctx) = build_target(false);
    let dir = ctx.path().display().to_string();
    let lib = tempfile::tempdir().unwrap();
    let libdir = lib.path().display().to_string();
    let named = format!("lib={libdir}");
    // A named context can stand in for a base image, which the base images' check cannot see:
    // refused while that check is on (on every podman), pinned where the policy turns it off.
    let p = build_plan(
        &["build", "--build-context", &named],
        &Policy::default(),
        &t,
        &ctx,
    );
    assert_eq!(p.refusal.map(|r| r.rule), Some(Rule::DenyBuildBase));
    let mut policy = Policy::default();
    policy.rules.deny.set(Rule::DenyBuildBase, false);
    let p = build_plan(
        &[
            "build",
            "--build-context",
            &named,
            "--build-context",
            "img=docker-image://alpine",
            "-t",
            "nanoclaw-x",
        ],
        &policy,
        &t,
        &ctx,
    );
    assert_eq!(p.decision, Decision::Rewrite, "{p:?}");
    // The named folder's path is replaced after `lib=`; an image reference is not a folder.
    assert_eq!(folders(&p), [dir, libdir], "{p:?}");
    let x = p
        .pinned
        .iter()
        .find(|x| x.prefix > 0 && x.what == crate::pin::Pin::Folder)
        .unwrap();
    assert_eq!(&p.args[x.arg].as_bytes()[..x.prefix], b"lib=");
}

/// Rootless, the container's ids are the caller's sub-ids: keep-id, a system uid or gid and a
/// uid alone pass; rootful, the same ids are the host's and are refused.
#[test]
fn ids_are_judged_as_the_host_s_only_on_rootful_podman() {
    for (words, rule) in [
        (
            &["run", "--userns", "keep-id:uid=1000,gid=1000", "img"][..],
            Rule::DenyHostNamespace,
        ),
        (&["run", "--user", "996:1000", "img"], Rule::DenyRootUser),
        (&["run", "--user", "1000:42", "img"], Rule::DenyRootUser),
        (&["run", "--user", "12345", "img"], Rule::DenyRootUser),
    ] {
        let mut rootful = Target::fixed(Flavor::Podman, false, Some((5, 4, 2)));
        rootful.host.rootless = false;
        let p = plan(&argv(words), &Policy::default(), &rootful);
        assert_eq!(p.refusal.map(|r| r.rule), Some(rule), "rootful {words:?}");
        let mut rootless = Target::fixed(Flavor::Podman, true, Some((5, 4, 2)));
        rootless.host.rootless = true;
        let p = plan(&argv(words), &Policy::default(), &rootless);
        assert!(p.decision.runs(), "rootless {words:?}: {:?}", p.refusal);
    }
    // Root and names stay refused rootless, and every `--group-add` (a number is looked up as
    // a group's name first: the look `hc`).
    let mut rootless = Target::fixed(Flavor::Podman, true, Some((5, 4, 2)));
    rootless.host.rootless = true;
    for g in ["42", "1000", "2000"] {
        let p = plan(
            &argv(&["run", "--group-add", g, "img"]),
            &Policy::default(),
            &rootless,
        );
        assert_eq!(
            p.refusal.map(|r| r.rule),
            Some(Rule::DenyGroupAdd),
            "rootless {g}"
        );
    }
    for u in ["1000:0", "1000:node", "0:1000"] {
        let p = plan(&argv(&["run", "--user", u, "img"]), &Policy::default(), &rootless);
        assert_eq!(
            p.refusal.map(|r| r.rule),
            Some(Rule::DenyRootUser),
            "rootless {u}"
        );
    }
}

/// The ignore file beside a Containerfile is read inside its folder: one linked out of it (to the
/// shim's own environment, say) names nothing there, and is refused, never dropped in silence;
/// none there, the build is given a copy that keeps every file. An empty one, or one of comments alone, gets `!*` too: podman reads such a file
/// as none given, and then reads the context's own `.dockerignore` itself (podman 4.3.1).
#[test]
fn an_ignore_file_is_read_inside_its_folder_and_never_empty() {
    let (t, ctx) = build_target(false);
    let dir = ctx.path().display().to_string();
    std::os::unix::fs::symlink(
        "/proc/self/environ",
        ctx.path().join("Containerfile.dockerignore"),
    )
    .unwrap();
    let p = build_plan(&["build", "-t", "nanoclaw-x"], &Policy::default(), &t, &ctx);
    assert_eq!(p.decision, Decision::Refuse, "{p:?}");
    assert!(p.refusal.unwrap().message.contains("names nothing inside"));
    std::fs::remove_file(ctx.path().join("Containerfile.dockerignore")).unwrap();
    let p = build_plan(&["build", "-t", "nanoclaw-x"], &Policy::default(), &t, &ctx);
    assert_eq!(pins(&p)[1], (format!("{dir}/.dockerignore"), "!*\n".to_string()));
    for (text, sealed) in [
        ("", "!*\n"),
        ("# none\n\n", "# none\n\n!*\n"),
        ("  # none", "  # none\n!*\n"),
        ("dist\n", "dist\n"),
        ("# a\ndist", "# a\ndist"),
    ] {
        std::fs::write(ctx.path().join(".dockerignore"), text).unwrap();
        let p = build_plan(&["build", "-t", "nanoclaw-x"], &Policy::default(), &t, &ctx);
        assert_eq!(pins(&p)[1].1, sealed, "{text:?}");
    }
}

#[test]
fn bind_mounts_are_checked_after_the_mount_and_only_then() {
    use crate::mountcheck::{FOLDER_PLACEHOLDER, KEY, decode, folder_token};
    let find = |p: &Plan| {
        p.args.iter().find_map(|a| {
            a.to_str()?
                .strip_prefix(&format!("--annotation={KEY}="))
                .map(String::from)
        })
    };
    // Two binds (a missing source is expected as nothing at all), a volume and a tmpfs: two
    // expectations, in argv order, and the hook folder first. (Named volumes are the policy's
    // to allow: none by default.)
    let volumes = named_volumes_allowed();
    let p = plan(
        &argv(&[
            "run",
            "-v",
            "/srv/a:/a:ro",
            "-v",
            "nanoclaw-vol:/v",
            "--tmpfs",
            "/t",
            "--mount",
            "type=bind,src=/srv/b,dst=/b",
            "img",
        ]),
        &volumes,
        &podman(),
    );
    assert_eq!(p.decision, Decision::Rewrite, "{:?}", p.refusal);
    assert!(p.hooks);
    assert_eq!(p.args[0], folder_token(FOLDER_PLACEHOLDER));
    let want = decode(&find(&p).unwrap()).unwrap();
    let targets: Vec<&[u8]> = want.iter().map(|e| e.target.as_slice()).collect();
    assert_eq!(targets, [&b"/a"[..], b"/b"]);
    assert!(want.iter().all(|e| (e.dev, e.ino) == (0, 0)), "{want:?}");
    assert!(p.changes.iter().any(|c| c.rule == Rule::HardenMountCheck));
    // No bind: the hook runs with nothing to compare, for what another container can change
    // in a volume (named, anonymous, or the image's own) where a memory file system is placed
    // or stacked, and for podman's own mounts; a restart policy would start a container with a
    // volume in its argv without the hook.
    for a in [
        &["run", "-v", "nanoclaw-vol:/v", "img"][..],
        &["run", "-v", "nanoclaw-v2:/v", "--tmpfs", "/t", "img"],
        &["create", "img"],
    ] {
        let p = plan(&argv(a), &volumes, &podman());
        assert!(p.hooks && find(&p).as_deref() == Some(""), "{a:?}: {:?}", p.args);
    }
    for a in [
        &[
            "run",
            "--restart=always",
            "--mount",
            "type=volume,src=vol,dst=/v",
            "img",
        ][..],
        &["run", "--restart=always", "-v", "nanoclaw-vol:/v", "img"],
    ] {
        let p = plan(&argv(a), &volumes, &podman());
        assert_eq!(p.refusal.map(|r| r.rule), Some(Rule::HardenMountCheck), "{a:?}");
    }
    // Docker, audit, or the policy's switch: nothing.
    let mut off = Policy::default();
    off.rules.podman.verify_mounts = false;
    let audit = Policy {
        mode: crate::policy::Mode::Audit,
        ..Policy::default()
    };
    let docker = Target::fixed(Flavor::Docker, false, None);
    for (what, a, policy, target) in [
        (
            "docker",
            argv(&["run", "-v", "/srv/a:/a:ro", "img"]),
            &Policy::default(),
            &docker,
        ),
        (
            "audit",
            argv(&["run", "-v", "/srv/a:/a:ro", "img"]),
            &audit,
            &podman(),
        ),
        (
            "off",
            argv(&["run", "-v", "/srv/a:/a:ro", "img"]),
            &off,
            &podman(),
        ),
    ] {
        let p = plan(&a, policy, target);
        assert!(!p.hooks && find(&p).is_none(), "{what}: {:?}", p.args);
    }
    // A mount that would hold podman's own (its catatonit at /run/podman-init, /etc/hosts, the
    // devices rootless runc binds): another container could move them onto a checked target.
    for spec in [
        "/srv/a:/run",
        "/srv/a:/etc:ro",
        "/srv/a:/dev",
        "nanoclaw-vol:/run",
        "/srv/a:/",
    ] {
        let p = plan(&argv(&["run", "-v", spec, "img"]), &volumes, &podman());
        assert_eq!(p.refusal.map(|r| r.rule), Some(Rule::HardenMountCheck), "{spec}");
    }
    for spec in [
        "/srv/a:/run/x",
        "/srv/a:/etc/hosts:ro",
        "/srv/a:/dev/x",
        "/srv/a:/workspace",
    ] {
        let p = plan(&argv(&["run", "-v", spec, "img"]), &Policy::default(), &podman());
        assert_eq!(p.decision, Decision::Rewrite, "{spec}: {:?}", p.refusal);
    }
    let p = plan(&argv(&["run", "-v", "/srv/a:/run", "img"]), &off, &podman());
    assert_eq!(p.decision, Decision::Rewrite, "{:?}", p.refusal);
    // An overlay is rebuilt from its source path at every start: refused while the check is on.
    let p = plan(
        &argv(&["run", "-v", "/srv/a:/a:O", "img"]),
        &Policy::default(),
        &podman(),
    );
    assert_eq!(p.refusal.map(|r| r.rule), Some(Rule::HardenMountCheck));
    let p = plan(&argv(&["run", "-v", "/srv/a:/a:O", "img"]), &off, &podman());
    assert!(p.decision == Decision::Rewrite && !p.hooks, "{:?}", p.refusal);
    // A restart policy would mount the sources again without the hook.
    for r in ["always", "unless-stopped", "on-failure:3"] {
        let p = plan(
            &argv(&["run", &format!("--restart={r}"), "-v", "/srv/a:/a:ro", "img"]),
            &Policy::default(),
            &podman(),
        );
        assert_eq!(p.refusal.map(|r| r.rule), Some(Rule::HardenMountCheck), "{r}");
    }
    let p = plan(
        &argv(&["run", "--restart=no", "-v", "/srv/a:/a:ro", "img"]),
        &Policy::default(),
        &podman(),
    );
    assert_eq!(p.decision, Decision::Rewrite, "{:?}", p.refusal);
    // Without a bind too: the hook also judges the image's annotations (the thirty-fourth
    // look's: `podman-restart.service` started a container the hook had refused).
    let p = plan(
        &argv(&["run", "--restart=always", "img"]),
        &Policy::default(),
        &podman(),
    );
    assert_eq!(p.refusal.map(|r| r.rule), Some(Rule::HardenMountCheck));
    // ... and so would one set on a running container.
    let p = plan(
        &argv(&["update", "--restart", "always", "c"]),
        &Policy::default(),
        &podman(),
    );
    assert_eq!(p.refusal.map(|r| r.rule), Some(Rule::HardenMountCheck));
    let p = plan(
        &argv(&["update", "--restart=no", "c"]),
        &Policy::default(),
        &podman(),
    );
    assert_eq!(p.decision, Decision::Passthrough, "{:?}", p.refusal);
    // Starting a created container names the hook folder too, and no mounts.conf (podman reads
    // it at the start); other commands do not.
    for a in [&["start", "--attach", "c"][..], &["container", "restart", "c"]] {
        let p = plan(&argv(a), &Policy::default(), &podman());
        assert!(
            p.hooks && p.args[0] == folder_token(FOLDER_PLACEHOLDER),
            "{a:?}: {:?}",
            p.args
        );
        assert_eq!(p.args[1], crate::mountcheck::NO_DEFAULT_MOUNTS);
        assert_eq!(p.args[2..], argv(a)[..]);
    }
    for a in [&["stop", "c"][..], &["ps", "-a"]] {
        assert!(!plan(&argv(a), &Policy::default(), &podman()).hooks, "{a:?}");
    }
}

#[test]
fn an_image_s_health_check_is_turned_off_and_a_caller_s_held_to_the_floor() {
    let has = |o: &[String], t: &str| o.iter().any(|x| x == t);
    // No check of the caller's: the image's is turned off, once.
    for a in [
        &["run", "img"][..],
        &["run", "--health-cmd=", "img"],
        &["create", "--no-healthcheck=false", "img"],
    ] {
        let o = out(a);
        assert_eq!(
            o.iter().filter(|t| *t == "--no-healthcheck").count(),
            1,
            "{a:?}: {o:?}"
        );
    }
    let o = out(&["run", "--no-healthcheck", "img"]);
    assert_eq!(
        o.iter().filter(|t| t.starts_with("--no-healthcheck")).count(),
        1,
        "{o:?}"
    );
    // A check of the caller's at the floor or slower, or without a timer, runs as given.
    for a in [
        &["run", "--health-cmd", "curl -f localhost", "img"][..],
        &["run", "--health-cmd=true", "--health-interval=30s", "img"],
        &[
            "run",
            "--health-cmd=true",
            "--health-interval=1m",
            "--health-retries=3",
            "img",
        ],
        &[
            "run",
            "--health-cmd=true",
            "--health-interval=0",
            "--health-timeout=1ms",
            "img",
        ],
    ] {
        let o = out(a);
        assert!(!has(&o, "--no-healthcheck"), "{a:?}: {o:?}");
        assert!(
            o.iter()
                .any(|t| t.starts_with("--health-cmd") || t == "curl -f localhost")
        );
    }
    // Faster than the floor, unreadable, negative; or tuning the image's check, which is off.
    for a in [
        &["run", "--health-cmd=true", "--health-interval=1ms", "img"][..],
        &["run", "--health-cmd=true", "--health-interval", "29.999s", "img"],
        &["run", "--health-cmd=true", "--health-interval=1", "img"],
        &["run", "--health-cmd=true", "--health-interval=disable", "img"],
        &["run", "--health-cmd=true", "--health-interval=-1s", "img"],
        &["run", "--health-interval=1m", "img"],
        &["run", "--health-retries=1", "img"],
        &["run", "--health-cmd=", "--health-timeout=1s", "img"],
        &["create", "--health-start-period=1s", "img"],
    ] {
        assert_eq!(refused(a).rule, Rule::HardenHealthcheck, "{a:?}");
    }
    // podman's start-up check, allowed by name: held to the same floor.
    let mut p = Policy::default();
    for f in ["health-startup-cmd", "health-startup-interval"] {
        p.rules.deny.list_mut(policy::DenyList::AllowFlags).push(f.into());
    }
    let startup = |v: &str| {
        let a = ["run", "--health-cmd=true", "--health-startup-cmd=true", v, "img"];
        plan(&argv(&a), &p, &podman()).refusal.map(|r| r.rule)
    };
    assert_eq!(
        startup("--health-startup-interval=1s"),
        Some(Rule::HardenHealthcheck)
    );
    assert_eq!(startup("--health-startup-interval=30s"), None);
    // The image's check kept (the escape hatch): nothing added, and the floor still holds.
    let mut p = Policy::default();
    p.rules.hardening.no_healthcheck = false;
    let o = out_with(&["run", "--health-interval=1m", "img"], &p);
    assert!(
        !has(&o, "--no-healthcheck") && has(&o, "--health-interval=1m"),
        "{o:?}"
    );
    let fast = plan(&argv(&["run", "--health-interval=10s", "img"]), &p, &podman());
    assert_eq!(fast.refusal.map(|r| r.rule), Some(Rule::HardenHealthcheck));
    // No floor: any interval of the caller's.
    p.rules.limits.health_interval = None;
    let o = out_with(&["run", "--health-cmd=true", "--health-interval=1ms", "img"], &p);
    assert!(has(&o, "--health-interval=1ms"), "{o:?}");
}

/// A rootful `network create` is given the first /24 of podman's pools clear of what podman
/// uses and the host routes and talks to (the fifty-first look's: podman's own choice walked to
/// the host's nameserver); rootless, with the caller's own range (gated), or on docker, nothing
/// is added; with nothing clear, or nothing to ask, it is refused.
#[test]
fn a_rootful_network_s_range_is_chosen_clear_of_the_host_s() {
    use crate::subnet::{Facts, Net};
    let p = Policy::default();
    let n = |s: &str| Net::parse(s).unwrap();
    let with = |rootless: bool, facts: Option<Facts>| {
        let mut t = Target::fixed(Flavor::Podman, rootless, Some((4, 3, 1)));
        t.network_probe = facts.map(|f| -> crate::rewrite::NetworkProbe { Box::new(move || Ok(f.clone())) });
        t
    };
    let facts = Facts {
        used: vec![n("10.88.0.0/16"), n("10.89.0.0/24")],
        host: vec![n("10.89.1.53"), n("192.0.2.0/24")],
    };
    let words = |w: &[&str]| plan(&argv(w), &p, &with(false, Some(facts.clone())));
    let got = words(&["network", "create", "--internal", "nanoclaw-egress"]);
    assert_eq!(got.decision, Decision::Rewrite);
    assert_eq!(
        got.args,
        argv(&[
            "network",
            "create",
            "--subnet=10.89.2.0/24",
            "--internal",
            "nanoclaw-egress"
        ])
    );
    assert!(got.changes.iter().any(|c| c.rule == Rule::HardenSubnet));
    // Every spelling of the command.
    let got = words(&["network", "create", "ncl-n"]);
    assert_eq!(got.args[2], OsString::from("--subnet=10.89.2.0/24"));
    // Rootless: its bridges live in its own network namespace.
    let got = plan(
        &argv(&["network", "create", "ncl-n"]),
        &p,
        &with(true, Some(facts.clone())),
    );
    assert_eq!(got.decision, Decision::Passthrough);
    assert_eq!(got.args, argv(&["network", "create", "ncl-n"]));
    // Nothing clear, or nothing to ask: refused, never podman's own choice.
    let full = Facts {
        used: facts.used.clone(),
        host: vec![n("10.0.0.0/8")],
    };
    for t in [with(false, Some(full)), with(false, None)] {
        let got = plan(&argv(&["network", "create", "ncl-n"]), &p, &t);
        assert_eq!(got.decision, Decision::Refuse, "{got:?}");
        assert_eq!(got.refusal.as_ref().map(|r| r.rule), Some(Rule::HardenSubnet));
        assert!(got.args.is_empty());
    }
    // The caller's own range (its gate opened): the policy's decision, judged as before.
    let mut open = Policy::default();
    open.commands.allow.push("network create --subnet".into());
    let t = with(false, None);
    let got = plan(
        &argv(&["network", "create", "--subnet", "10.89.7.0/24", "ncl-n"]),
        &open,
        &t,
    );
    assert_eq!(got.decision, Decision::Passthrough, "{got:?}");
    // A site's own pools (`[podman] network_pools`), in their order.
    let mut site = Policy::default();
    site.rules.podman.network_pools = vec![n("172.31.0.0/23"), n("10.89.0.0/16")];
    let busy = Facts {
        used: vec![n("172.31.0.0/24")],
        host: vec![],
    };
    let got = plan(
        &argv(&["network", "create", "ncl-n"]),
        &site,
        &with(false, Some(busy)),
    );
    assert_eq!(got.args[2], OsString::from("--subnet=172.31.1.0/24"));
    // Other commands are not asked about.
    let got = plan(&argv(&["network", "ls"]), &p, &with(false, None));
    assert_eq!(got.decision, Decision::Passthrough);
}

/// Rootless, `--userns=nomap` / `auto` keep the mount check's hook from reading the container's
/// spec: refused with why (every start failed as if a mount had been swapped), rootful not, and
/// not without the check.
#[test]
fn a_user_namespace_the_mount_check_cannot_read_is_refused_rootless() {
    let rootless = Target::fixed(Flavor::Podman, true, Some((5, 4, 2)));
    for mode in ["--userns=nomap", "--userns=auto", "--userns=auto:size=65536"] {
        let p = plan(&argv(&["run", mode, "img"]), &Policy::default(), &rootless);
        assert_eq!(p.refusal.map(|r| r.rule), Some(Rule::HardenMountCheck), "{mode}");
        let p = plan(&argv(&["run", mode, "img"]), &Policy::default(), &podman());
        assert!(p.decision.runs(), "{mode} rootful: {:?}", p.refusal);
        let mut off = Policy::default();
        off.rules.podman.verify_mounts = false;
        let p = plan(&argv(&["run", mode, "img"]), &off, &rootless);
        assert!(p.decision.runs(), "{mode} unchecked: {:?}", p.refusal);
    }
}

/// A Containerfile named in a folder of the context (`-f sub/Containerfile`) with no ignore file
/// beside it builds: a missing file under a real folder is no link that leads out.
#[test]
fn a_containerfile_in_a_folder_of_the_context_builds() {
    let (mut t, ctx) = build_target(false);
    t.host.cwd = Some(ctx.path().to_path_buf());
    std::fs::create_dir(ctx.path().join("sub")).unwrap();
    std::fs::write(ctx.path().join("sub/Containerfile"), "FROM img\nRUN true\n").unwrap();
    let p = build_plan(
        &["build", "-f", "sub/Containerfile", "-t", "nanoclaw-x"],
        &Policy::default(),
        &t,
        &ctx,
    );
    assert!(p.decision.runs(), "{:?}", p.refusal);
    // A link there that leads out still refuses.
    std::os::unix::fs::symlink("/etc/hostname", ctx.path().join("sub/Containerfile.dockerignore")).unwrap();
    let p = build_plan(
        &["build", "-f", "sub/Containerfile", "-t", "nanoclaw-x"],
        &Policy::default(),
        &t,
        &ctx,
    );
    assert_eq!(p.refusal.map(|r| r.rule), Some(Rule::DenyBuild));
}

/// Under `[podman] host_loopback = false`, a networked build on rootless podman before 5 (whose
/// slirp4netns gives RUN steps the host's loopback, the eighty-seventh look's) is refused with
/// how to build; `--network=none`, the `build --host-loopback` gate, podman 5 (pasta), a rootful
/// podman and the default `host_loopback = true` each let it through.
#[test]
fn a_rootless_podman_4_build_keeps_the_loopback_closed_when_the_policy_does() {
    let (_, ctx) = build_target(true);
    let mut closed = Policy::default();
    closed.rules.podman.host_loopback = false;
    let target = |rootless, version| {
        let mut t = with_seccomp(Target::fixed(Flavor::Podman, rootless, Some(version)));
        t.base_probe = Some(Box::new(|_: &str| Ok(())));
        t
    };
    let v4 = target(true, (4, 3, 1));
    let p = build_plan(&["build", "-t", "nanoclaw-x"], &closed, &v4, &ctx);
    let r = p.refusal.expect("refused");
    assert_eq!(r.rule, Rule::DenyBuild);
    assert!(r.message.contains("--network=none"), "{}", r.message);
    assert!(r.message.contains("build --host-loopback"), "{}", r.message);
    let ran = |words: &[&str], p: &Policy, t: &Target| {
        let plan = build_plan(words, p, t, &ctx);
        assert!(plan.refusal.is_none(), "{words:?}: {plan:?}");
    };
    ran(&["build", "--network=none", "-t", "nanoclaw-x"], &closed, &v4);
    ran(&["build", "--network", "none", "-t", "nanoclaw-x"], &closed, &v4);
    let mut gate = closed.clone();
    gate.commands.allow.push("build --host-loopback".into());
    ran(&["build", "-t", "nanoclaw-x"], &gate, &v4);
    ran(&["build", "-t", "nanoclaw-x"], &closed, &target(true, (5, 4, 2)));
    ran(&["build", "-t", "nanoclaw-x"], &closed, &target(false, (4, 3, 1)));
    ran(&["build", "-t", "nanoclaw-x"], &Policy::default(), &v4);
    // A policy that switches deny.build off is refused nothing by it.
    let mut off = closed.clone();
    off.rules.deny.set(Rule::DenyBuild, false);
    ran(&["build", "-t", "nanoclaw-x"], &off, &v4);
    // A later --network wins, as pflag reads it.
    let p = build_plan(
        &["build", "--network=none", "--network=bridge", "-t", "nanoclaw-x"],
        &closed,
        &v4,
        &ctx,
    );
    assert_eq!(p.refusal.map(|r| r.rule), Some(Rule::DenyBuild));
}

/// A podman build's RUN steps are given podman's default seccomp profile, read where podman
/// reads it and narrowed (no new cgroup namespace: the ninety-seventh look's step mounted its
/// own cgroup again in one), as a sealed copy; a profile that cannot be read or narrowed refuses
/// the build; docker's builder is given none.
#[test]
fn a_build_is_given_podman_s_profile_without_new_cgroup_namespaces() {
    let (t, ctx) = build_target(false);
    let p = build_plan(&["build", "-t", "nanoclaw-x"], &Policy::default(), &t, &ctx);
    let pin = p
        .pinned
        .iter()
        .find(|x| p.args[x.arg].as_bytes().starts_with(b"--security-opt=seccomp="))
        .expect("a seccomp profile");
    assert_eq!(
        p.args[pin.arg],
        std::ffi::OsString::from(format!(
            "--security-opt=seccomp={}",
            crate::seccomp::SEALED_PLACEHOLDER
        ))
    );
    // Never the path of podman's own profile, which a command copied from explain would run
    // unnarrowed (the ninety-ninth look's); the reason names it.
    assert!(p.changes.iter().any(|c| c.reason.contains(SECCOMP_PATH)), "{p:?}");
    let crate::pin::Pin::Copy(text) = &pin.what else {
        panic!("{pin:?}")
    };
    assert_eq!(
        *text,
        crate::seccomp::without_new_cgroup_namespaces(SECCOMP.as_bytes()).unwrap()
    );
    assert!(
        p.changes
            .iter()
            .any(|c| c.rule == Rule::HardenBuildCgroup && c.token.starts_with("--security-opt=seccomp="))
    );
    // It comes before the caller's own options (a build names no seccomp profile of its own).
    let at = p.args.iter().position(|a| a == "-t").unwrap();
    assert!(pin.arg < at, "{p:?}");
    for (probe, why) in [
        (None, "cannot be read here"),
        (
            Some(Ok((SECCOMP_PATH.to_string(), b"{}".to_vec()))),
            "defaultAction",
        ),
        (
            Some(Ok((
                SECCOMP_PATH.to_string(),
                br#"{"defaultAction": "SCMP_ACT_ERRNO"}"#.to_vec(),
            ))),
            "no `syscalls` list",
        ),
        (
            Some(Err("podman's seccomp profile is at neither".to_string())),
            "at neither",
        ),
    ] {
        let mut t = Target::fixed(Flavor::Podman, false, Some((5, 4, 2)));
        t.base_probe = Some(Box::new(|_: &str| Ok(())));
        if let Some(answer) = probe {
            t.seccomp_probe = Some(Box::new(move || answer.clone()));
        }
        let p = build_plan(&["build", "-t", "nanoclaw-x"], &Policy::default(), &t, &ctx);
        let r = p.refusal.expect("refused");
        assert_eq!(r.rule, Rule::HardenBuildCgroup);
        assert!(r.message.contains(why), "{}", r.message);
    }
    let docker = Target::fixed(Flavor::Docker, false, None);
    let p = build_plan(&["build", "-t", "nanoclaw-x"], &Policy::default(), &docker, &ctx);
    assert!(
        p.args.iter().all(|a| !a.to_string_lossy().contains("seccomp")),
        "{p:?}"
    );
}

/// `explain` shows the refusal a run meets when podman's profile cannot be narrowed (it said
/// the call would run, rewritten), rootful and rootless.
#[test]
fn explain_says_a_rootful_run_without_a_profile_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("seccomp.json").to_string_lossy().into_owned();
    let rootful = Target::fixed(Flavor::Podman, false, Some((4, 3, 1)));
    let mut p = plan(&argv(&["run", "img"]), &Policy::default(), &rootful);
    assert_eq!(p.decision, Decision::Rewrite);
    crate::shim::judge_hand_over(&mut p, &[&missing]);
    assert_eq!(p.decision, Decision::Refuse, "{p:?}");
    let r = p.refusal.as_ref().unwrap();
    assert_eq!(r.rule, Rule::HardenSeccomp);
    assert!(
        r.message.contains("neither") && r.message.contains("refuse new cgroup namespaces"),
        "{r:?}"
    );
    std::fs::write(
        &missing,
        br#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": []}"#,
    )
    .unwrap();
    let mut p = plan(&argv(&["run", "img"]), &Policy::default(), &rootful);
    crate::shim::judge_hand_over(&mut p, &[&missing]);
    assert_eq!(p.decision, Decision::Rewrite, "{p:?}");
    let rootless = Target::fixed(Flavor::Podman, true, Some((4, 3, 1)));
    let mut p = plan(&argv(&["run", "img"]), &Policy::default(), &rootless);
    crate::shim::judge_hand_over(&mut p, &["/nonexistent/seccomp.json"]);
    assert_eq!(p.decision, Decision::Refuse, "{p:?}");
}

/// A podman `run`/`create` is given podman's seccomp profile without new cgroup namespaces or
/// keyrings (`harden.seccomp`: a container whose process is the host's root mounted its cgroup
/// again in one, the ninety-seventh look's; an agent that is the caller's kernel uid read its
/// keyrings, rootful and through rootless `keep-id`, the hundred-and-twentieth and
/// hundred-and-twenty-second looks'), filled in at the exec; docker and a caller's own allowed
/// profile are left alone.
#[test]
fn a_podman_container_is_given_the_narrowed_seccomp_profile() {
    let token = crate::seccomp::PLACEHOLDER_TOKEN;
    let has = |p: &Plan| {
        let at = p.seccomp.map(|i| &p.args[i]);
        assert_eq!(at.is_some(), p.args.iter().any(|a| a == token), "{p:?}");
        at.is_some_and(|a| a == token)
    };
    let rootful = Target::fixed(Flavor::Podman, false, Some((4, 3, 1)));
    for words in [
        &["run", "--rm", "img", "true"][..],
        &["create", "--user", "1000:1000", "img"],
    ] {
        let p = plan(&argv(words), &Policy::default(), &rootful);
        assert!(has(&p), "{words:?}: {p:?}");
        assert!(p.changes.iter().any(|c| c.rule == Rule::HardenSeccomp), "{p:?}");
    }
    // The exec fills in the shim's own option, by its place: never a caller's token that repeats
    // its text (a label's value, an argument after the image), which podman would otherwise
    // have read as a profile file of the caller's choosing in the working directory.
    let p = plan(
        &argv(&["run", "--label", token, "img", token]),
        &Policy::default(),
        &rootful,
    );
    let at = p.seccomp.expect("the shim's option");
    let image = p.args.iter().position(|a| a == "img").unwrap();
    assert!(at < image && p.args[at] == token, "{p:?}");
    let label = p.args.iter().position(|a| a == "--label").unwrap();
    assert!(label + 1 < at && p.args[label + 1] == token, "{p:?}");
    let rootless = Target::fixed(Flavor::Podman, true, Some((4, 3, 1)));
    assert!(has(&plan(&argv(&["run", "img"]), &Policy::default(), &rootless)));
    let docker = Target::fixed(Flavor::Docker, false, None);
    assert!(!has(&plan(&argv(&["run", "img"]), &Policy::default(), &docker)));
    // A caller's copy of the placeholder, which the deny rules let through as the shim's own, is
    // taken out wherever the shim gives none: docker would read it as a file in the working
    // directory.
    let own = format!("seccomp={}", crate::seccomp::PLACEHOLDER);
    let p = plan(
        &argv(&["run", "--security-opt", &own, "img"]),
        &Policy::default(),
        &docker,
    );
    assert!(p.refusal.is_none(), "{p:?}");
    assert!(
        !p.args
            .iter()
            .any(|a| a.to_string_lossy().contains(crate::seccomp::PLACEHOLDER)),
        "{p:?}"
    );
    let mut allowed = Policy::default();
    allowed
        .rules
        .deny
        .list_mut(crate::policy::DenyList::AllowedSecurityOptions)
        .push("seccomp=/etc/agents.json".into());
    let p = plan(
        &argv(&["run", "--security-opt", "seccomp=/etc/agents.json", "img"]),
        &allowed,
        &rootful,
    );
    assert!(p.refusal.is_none() && !has(&p), "{p:?}");
    // ... and said: that profile is not narrowed (the hundred and first look's).
    assert!(
        p.changes.iter().any(|c| c.rule == Rule::HardenSeccomp
            && c.action == Action::Keep
            && c.reason.contains("NOT narrowed")),
        "{p:?}"
    );
    // Audit runs the caller's argv.
    let audit = Policy {
        mode: Mode::Audit,
        ..Policy::default()
    };
    assert!(!has(&plan(&argv(&["run", "img"]), &audit, &rootful)));
}

/// Every command that signals a container or reads what runs in it reaches only the shim's own
/// (`deny.foreign-container`): `kill -s USR1` opened an operator's Node service's inspector,
/// whose URL `logs` printed (the hundred-and-third look's). Each is named by the full ID, and
/// a `top`'s descriptors after the container are left alone; `stop`, `rm` and `inspect`, which
/// nanoclaw runs, are not asked about.
#[test]
fn a_container_the_shim_did_not_make_is_neither_signalled_nor_read() {
    let id = "c".repeat(64);
    let target = || {
        let mut t = Target::fixed(Flavor::Podman, true, Some((4, 3, 1)));
        let id = id.clone();
        t.container_probe = Some(Box::new(move |name: &str| match name {
            "mine" => Ok(id.clone()),
            _ => Err("the container was not created through the shim under enforce".to_string()),
        }));
        t
    };
    for words in [
        &["kill", "-s", "USR1", "op"][..],
        &["kill", "mine", "op"],
        &["container", "kill", "op"],
        &["logs", "op"],
        &["logs", "--tail", "5", "op"],
        &["container", "logs", "mine", "op"],
        &["top", "op"],
        &["port", "op"],
        &["diff", "op"],
        &["diff", "mine", "op"],
        &["pause", "op"],
        &["unpause", "mine", "op"],
        &["healthcheck", "run", "op"],
        &["update", "--memory", "6m", "op"],
        &["update", "mine", "--cpu-shares", "2", "op"],
        &["container", "update", "--pids-limit=5", "--", "op"],
    ] {
        let p = plan(&argv(words), &Policy::default(), &target());
        assert_eq!(p.decision, Decision::Refuse, "{words:?}: {p:?}");
        assert_eq!(
            p.refusal.as_ref().unwrap().rule,
            Rule::DenyForeignContainer,
            "{words:?}"
        );
    }
    for (words, pinned) in [
        (
            &["kill", "-s", "USR1", "mine"][..],
            &["kill", "-s", "USR1", id.as_str()][..],
        ),
        (&["logs", "-f", "mine"], &["logs", "-f", id.as_str()]),
        (
            &["top", "mine", "pid", "args"],
            &["top", id.as_str(), "pid", "args"],
        ),
        (&["pause", "mine"], &["pause", id.as_str()]),
        (
            &["update", "mine", "--memory", "1g"],
            &["update", id.as_str(), "--memory", "1g"],
        ),
        (
            &["update", "--memory", "1g", "--", "mine"],
            &["update", "--memory", "1g", "--", id.as_str()],
        ),
    ] {
        let p = plan(&argv(words), &Policy::default(), &target());
        assert_eq!(p.decision, Decision::Rewrite, "{words:?}: {p:?}");
        assert_eq!(p.args, argv(pinned), "{words:?}");
    }
    for words in [
        &["stop", "-t", "1", "op"][..],
        &["rm", "op"],
        &["inspect", "--format", "{{.State.Status}}", "op"],
    ] {
        let p = plan(&argv(words), &Policy::default(), &target());
        assert!(p.decision.runs(), "{words:?}: {p:?}");
        assert_eq!(p.args, argv(words), "{words:?}");
    }
    // (A forced one kills at once, as docker's: `a_forced_rm_kills_at_once`.)
    let p = plan(&argv(&["rm", "--force", "op"]), &Policy::default(), &target());
    assert_eq!(p.args, argv(&["rm", "--time=0", "--force", "op"]));
}

/// A `run`/`create` joins only networks `writable_networks` matches (`deny.network-name`), and
/// podman's modes; an operator's network's services answer there, unpublished (the
/// hundred-and-third look's networks).
#[test]
fn a_container_joins_only_the_networks_the_policy_names() {
    let t = Target::fixed(Flavor::Podman, false, Some((5, 4, 2)));
    let rule = |words: &[&str]| {
        plan(&argv(words), &Policy::default(), &t)
            .changes
            .iter()
            .any(|c| c.rule == Rule::DenyNetworkName)
    };
    for fine in [
        &["run", "--network", "nanoclaw-egress", "img"][..],
        &["create", "--network=ncl-1-sess-private", "img"],
        &["run", "--network", "none", "img"],
        &["run", "--network", "bridge", "img"],
        &["run", "--network", "podman", "img"],
        &["run", "--net", "nanoclaw-egress", "img"],
        &["run", "--network", "ncl-n:alias=a,interface_name=eth1", "img"],
        &["run", "img"],
    ] {
        assert!(!rule(fine), "{fine:?}");
    }
    for refused in [
        &["run", "--network", "operator-net", "img"][..],
        &["create", "--net=operator-net", "img"],
        &["run", "--network", "nanoclaw-egress,operator-net", "img"],
        &["run", "--network", "operator-net:ip=10.89.0.5", "img"],
        &["run", "--network", "Bridge", "img"],
    ] {
        let p = plan(&argv(refused), &Policy::default(), &t);
        assert_eq!(p.decision, Decision::Refuse, "{refused:?}");
        assert!(rule(refused), "{refused:?}: {p:?}");
    }
    // Several words are several networks to podman 4.3, each a name (the hundred-and-sixth
    // look's: `nanoclaw-x,pasta` joined an operator's network named `pasta`).
    let rootless = Target::fixed(Flavor::Podman, true, Some((4, 3, 1)));
    for (words, target) in [
        (&["run", "--network", "nanoclaw-x,pasta", "img"][..], &t),
        (&["run", "--network", "nanoclaw-x,podman", "img"], &rootless),
    ] {
        let p = plan(&argv(words), &Policy::default(), target);
        assert!(
            p.changes.iter().any(|c| c.rule == Rule::DenyNetworkName),
            "{words:?}: {p:?}"
        );
    }
    // nanoclaw's OneCLI gateway joins `bridge`, rootless too (the hundred-and-seventh look's:
    // refused, the gateway was never made); `podman` is the same network.
    for words in [
        &["run", "--network", "none", "img"][..],
        &["run", "--network", "nanoclaw-egress", "img"],
        &["create", "--network", "bridge", "img"],
        &["run", "--network", "podman", "img"],
    ] {
        let p = plan(&argv(words), &Policy::default(), &rootless);
        assert!(
            !p.changes.iter().any(|c| c.rule == Rule::DenyNetworkName),
            "{words:?}: {p:?}"
        );
    }
    let mut off = Policy::default();
    off.rules.deny.set(Rule::DenyNetworkName, false);
    let p = plan(&argv(&["run", "--network", "operator-net", "img"]), &off, &t);
    assert!(p.decision.runs(), "{p:?}");
}

/// `[commands] deny` refuses `run`, `create`, `exec` and `update` whole, in any spelling: it was
/// read and refused nothing (the hundred-and-thirteenth look's `deny = ["exec"]`).
#[test]
fn the_policy_s_command_deny_list_refuses_run_and_exec_too() {
    let mut p = Policy::default();
    p.commands.deny = vec!["exec".into(), "container create".into()];
    for words in [
        &["exec", "c", "id"][..],
        &["container", "exec", "-i", "c", "sh"],
        &["create", "img"],
        &["container", "create", "--name", "x", "img"],
    ] {
        let plan = plan(&argv(words), &p, &podman());
        assert_eq!(plan.decision, Decision::Refuse, "{words:?}: {plan:?}");
        assert_eq!(plan.refusal.unwrap().rule, Rule::DenyCommand, "{words:?}");
    }
    assert!(
        plan(&argv(&["run", "--rm", "img"]), &p, &podman())
            .decision
            .runs()
    );
    // The group word denies all four (the hundred-and-nineteenth look's `deny = ["container"]`).
    p.commands.deny = vec!["container".into()];
    for words in [&["run", "img"][..], &["container", "update", "--cpus", "1", "c"]] {
        let plan = plan(&argv(words), &p, &podman());
        assert_eq!(plan.decision, Decision::Refuse, "{words:?}");
    }
}

/// A policy that lets agents use named volumes named `nanoclaw-*` (the default names none).
fn named_volumes_allowed() -> Policy {
    crate::policy::parse("[deny]\nadd_writable_volumes = [\"nanoclaw-*\"]\n", "p")
        .unwrap()
        .0
}

/// An anonymous volume is a writable folder on the host's disk beneath the read-only root,
/// outside every ceiling, left behind by nanoclaw's `create --rm`, `start`, `rm --force` (the
/// hundred-and-seventeenth look's: 600 MB under a 64 MB memory limit): refused, in either
/// spelling; a named one is too unless the policy names it (the hundred-and-eighteenth look's:
/// the same host disk); a tmpfs passes.
#[test]
fn an_anonymous_volume_is_refused() {
    for a in [
        &["run", "-v", "/v", "img"][..],
        &["create", "--volume=/data", "img"],
        &["run", "--mount", "type=volume,dst=/v", "img"],
        &["run", "--mount", "type=volume,target=/v,volume-nocopy", "img"],
    ] {
        let p = plan(&argv(a), &Policy::default(), &podman());
        assert_eq!(p.refusal.map(|r| r.rule), Some(Rule::DenyCeiling), "{a:?}");
    }
    let named = argv(&["run", "-v", "nanoclaw-cache:/v", "img"]);
    let p = plan(&named, &Policy::default(), &podman());
    assert_eq!(p.refusal.map(|r| r.rule), Some(Rule::DenyVolumeName));
    assert!(plan(&named, &named_volumes_allowed(), &podman()).decision.runs());
    for a in [
        &["run", "--tmpfs", "/v", "img"][..],
        &["run", "--mount", "type=tmpfs,dst=/v", "img"],
    ] {
        assert!(
            plan(&argv(a), &Policy::default(), &podman()).decision.runs(),
            "{a:?}"
        );
    }
}

/// A build context's top is listed whole, however long: past 4 096 entries it was looked up by
/// exact names only, and a key by its ending (`server.key`) and a copy (`.env.local`) reached
/// an image (the thirty-fourth pass's second look, High).
#[test]
fn a_long_build_context_is_listed_whole() {
    let (t, ctx) = build_target(false);
    for i in 0..4200 {
        std::fs::write(ctx.path().join(format!("f{i:04}")), "").unwrap();
    }
    assert_eq!(
        build_plan(&["build", "-t", "nanoclaw-x"], &Policy::default(), &t, &ctx).decision,
        Decision::Rewrite
    );
    for copy in ["server.key", ".env.local"] {
        std::fs::write(ctx.path().join(copy), "k").unwrap();
        let p = build_plan(&["build", "-t", "nanoclaw-x"], &Policy::default(), &t, &ctx);
        let r = p.refusal.unwrap_or_else(|| panic!("{copy}: not refused"));
        assert_eq!(r.rule, Rule::DenyCredentials, "{}", r.message);
        assert!(r.message.contains(copy), "{}", r.message);
        std::fs::remove_file(ctx.path().join(copy)).unwrap();
    }
}
