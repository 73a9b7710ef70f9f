//! Properties of the parse → rewrite → render pipeline over generated docker argv.
//!
//! - parse → render is the identity;
//! - the image and every token after it reach the runtime byte-identical;
//! - rewriting is idempotent;
//! - every rewritten argv satisfies the policy when parsed again.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use nanoclaw_shim::flags::{Arity, FLAGS, Flag, Podman};
use nanoclaw_shim::parse::{self, Invocation, RunArgs};
use nanoclaw_shim::policy::Policy;
use nanoclaw_shim::rewrite::{self, Decision, Flavor, Target, nnp_setting};
use nanoclaw_shim::units::{NanoCpus, parse_bytes};
use proptest::prelude::*;

fn target() -> Target {
    Target::fixed(Flavor::Podman, false, Some((4, 3, 1)))
}

/// The default policy, and the same with the deny rules off (so contrary settings are
/// neutralised by the rewrite instead of refused).
fn policies() -> [Policy; 2] {
    let mut lenient = Policy::default();
    lenient
        .rules
        .deny
        .set(nanoclaw_shim::rules::Rule::DenyPrivileged, false);
    lenient
        .rules
        .deny
        .set(nanoclaw_shim::rules::Rule::DenySecurityOption, false);
    lenient
        .rules
        .deny
        .set(nanoclaw_shim::rules::Rule::DenyCapAdd, false);
    lenient
        .rules
        .deny
        .set(nanoclaw_shim::rules::Rule::DenySensitiveMount, false);
    [Policy::default(), lenient]
}

fn usable(f: &Flag) -> bool {
    !matches!(f.podman, Podman::No) && f.long != "help"
}

/// Values that matter to the policy, plus arbitrary bytes.
fn value_for(f: &'static Flag) -> BoxedStrategy<Vec<u8>> {
    let specific: Vec<&str> = match f.canonical() {
        "memory" | "memory-reservation" | "memory-swap" => {
            vec!["0", "512m", "4g", "4096m", "8g", "1.5g", "-1", "100"]
        }
        "cpus" => vec!["0", "0.5", "1.5", "2", "2.000000001", "8"],
        "cpu-quota" => vec!["-1", "0", "50000", "200000", "900000"],
        "cpu-period" => vec!["0", "50000", "100000", "1000000"],
        "pids-limit" => vec!["-1", "0", "100", "256", "2048"],
        "security-opt" => vec![
            "no-new-privileges",
            "no-new-privileges:true",
            "no-new-privileges=false",
            "no-new-privileges:0",
            "label=disable",
        ],
        "cap-add" | "cap-drop" => vec!["ALL", "all", "SYS_ADMIN", "cap_net_raw", "CHOWN,KILL"],
        "volume" => vec!["/h:/tmp", "/h:/home/node/", "/h:/w:ro", "vol:/tmp/x", "/anon"],
        "tmpfs" => vec!["/tmp", "/home/node:size=1g", "/run"],
        "mount" => vec!["type=bind,src=/h,dst=/tmp", "type=tmpfs,\"target=/home/node\""],
        _ => vec![],
    };
    let arbitrary = proptest::collection::vec(any::<u8>(), 0..12);
    if specific.is_empty() {
        arbitrary.boxed()
    } else {
        let picks: Vec<Vec<u8>> = specific.into_iter().map(|s| s.as_bytes().to_vec()).collect();
        prop_oneof![3 => proptest::sample::select(picks), 1 => arbitrary].boxed()
    }
}

/// One option in one of its legal spellings, as tokens.
fn option() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let flags: Vec<&'static Flag> = FLAGS.iter().filter(|f| usable(f)).collect();
    proptest::sample::select(flags).prop_flat_map(|f| {
        let long = format!("--{}", f.long).into_bytes();
        match f.arity {
            Arity::Bool => {
                let bools = proptest::sample::select(vec!["", "=true", "=false", "=1", "=0", "=True", "=F"]);
                (bools, any::<bool>())
                    .prop_map(move |(b, short)| match (f.short, short && b.is_empty()) {
                        (Some(c), true) => vec![format!("-{c}").into_bytes()],
                        _ => vec![[long.clone(), b.as_bytes().to_vec()].concat()],
                    })
                    .boxed()
            }
            Arity::Value => (value_for(f), 0..4u8)
                .prop_map(move |(v, style)| match (style, f.short) {
                    (0, _) => vec![long.clone(), v],
                    (1, Some(c)) if !v.is_empty() => vec![[format!("-{c}").into_bytes(), v].concat()],
                    (2, Some(c)) => vec![format!("-{c}").into_bytes(), v],
                    _ => vec![[long.clone(), b"=".to_vec(), v].concat()],
                })
                .boxed(),
        }
    })
}

fn token() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..10)
}

/// A `run` / `create` argv: options, optional `--`, image, command.
fn run_argv() -> impl Strategy<Value = Vec<OsString>> {
    (
        proptest::sample::select(vec![vec!["run"], vec!["create"], vec!["container", "run"]]),
        proptest::collection::vec(option(), 0..14),
        any::<bool>(),
        "[a-z][a-z0-9./:-]{0,20}",
        proptest::collection::vec(token(), 0..4),
    )
        .prop_map(|(cmd, opts, dashdash, image, args)| {
            let mut out: Vec<OsString> = cmd.into_iter().map(OsString::from).collect();
            out.extend(opts.into_iter().flatten().map(OsString::from_vec));
            if dashdash {
                out.push("--".into());
            }
            out.push(image.into());
            out.extend(args.into_iter().map(OsString::from_vec));
            out
        })
}

fn parse_run(argv: &[OsString]) -> RunArgs {
    match parse::parse(nanoclaw_shim::mountcheck::command_args(argv)).expect("the shim's own output parses") {
        Invocation::Run(r) => r,
        Invocation::Other { .. } => panic!("not a run"),
    }
}

/// The policy's guarantees, checked on a parsed output.
fn assert_satisfies_default_policy(r: &RunArgs) {
    assert!(r.bool_on(nanoclaw_shim::setting!("read-only")), "read-only");
    assert!(!r.bool_on(nanoclaw_shim::setting!("privileged")), "privileged");
    let caps = |name| {
        r.find(name)
            .flat_map(|(_, o)| {
                String::from_utf8_lossy(o.bytes())
                    .split(',')
                    .map(|c| c.to_uppercase())
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    assert!(
        caps(nanoclaw_shim::setting!("cap-drop"))
            .iter()
            .any(|c| c == "ALL" || c == "CAP_ALL"),
        "cap-drop ALL"
    );
    // Only the policy's kept capability (SYS_CHROOT, for Chromium's sandbox) comes back.
    let added = caps(nanoclaw_shim::setting!("cap-add"));
    assert!(
        added.iter().all(|c| c == "SYS_CHROOT" || c == "CAP_SYS_CHROOT"),
        "cap-add {added:?}"
    );
    let nnp: Vec<bool> = r
        .find(nanoclaw_shim::setting!("security-opt"))
        .filter_map(|(_, o)| nnp_setting(o.bytes()).flatten())
        .collect();
    assert!(
        nnp.contains(&true) && !nnp.contains(&false),
        "no-new-privileges {nnp:?}"
    );
    let last = |name| {
        r.last(name)
            .map(|(_, o)| String::from_utf8_lossy(o.bytes()).into_owned())
    };
    let mem = parse_bytes(&last(nanoclaw_shim::setting!("memory")).expect("memory limit")).unwrap();
    assert!(mem > 0 && mem <= 4 << 30, "memory {mem}");
    let pids: i64 = last(nanoclaw_shim::setting!("pids-limit"))
        .expect("pids limit")
        .parse()
        .unwrap();
    assert!(pids > 0 && pids <= 256, "pids {pids}");
    match last(nanoclaw_shim::setting!("cpu-quota")).map(|q| q.parse::<i64>().unwrap()) {
        Some(q) if q > 0 => {
            let period: i64 =
                last(nanoclaw_shim::setting!("cpu-period")).map_or(100_000, |p| p.parse().unwrap());
            let period = if period > 0 { period } else { 100_000 };
            assert!(
                q as u128 * 1_000_000_000 / period as u128 <= 2_000_000_000,
                "quota {q}/{period}"
            );
            let cpus = last(nanoclaw_shim::setting!("cpus")).map(|c| NanoCpus::parse(&c).unwrap().0);
            assert!(cpus.unwrap_or(0) == 0, "cpus next to cpu-quota");
        }
        _ => {
            let cpus = NanoCpus::parse(&last(nanoclaw_shim::setting!("cpus")).expect("cpus limit")).unwrap();
            assert!(cpus.0 > 0 && cpus.0 <= 2_000_000_000, "cpus {cpus}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parse_render_is_identity(argv in run_argv()) {
        if let Ok(Invocation::Run(r)) = parse::parse(&argv) {
            prop_assert_eq!(r.render(), argv);
        }
    }

    #[test]
    fn rewrite_properties(argv in run_argv()) {
        let Ok(Invocation::Run(original)) = parse::parse(&argv) else { return Ok(()) };
        for policy in policies() {
            let plan = rewrite::plan(&argv, &policy, &target());
            if plan.decision == Decision::Refuse {
                prop_assert!(plan.args.is_empty());
                prop_assert!(plan.refusal.is_some());
                continue;
            }
            prop_assert_eq!(plan.decision, Decision::Rewrite);
            // Image and command survive byte-identical, at the end.
            let tail_len = original.image.iter().count() + original.args.len();
            let tail = |v: &[OsString]| v[v.len() - tail_len..].iter().map(|t| t.as_bytes().to_vec()).collect::<Vec<_>>();
            prop_assert_eq!(tail(&plan.args), tail(&argv));
            // Idempotent.
            // (The hook folder's option is podman's: the docker face never sees it.)
            let again = rewrite::plan(
                nanoclaw_shim::mountcheck::command_args(&plan.args),
                &policy,
                &target(),
            );
            prop_assert_eq!(&again.args, &plan.args);
            // Satisfies the policy.
            let out = parse_run(&plan.args);
            prop_assert_eq!(&out.image, &original.image);
            prop_assert_eq!(&out.args, &original.args);
            assert_satisfies_default_policy(&out);
        }
    }
}

const DANGEROUS: &[&[&str]] = &[
    &["--privileged"],
    &["--privileged=true"],
    &["--network=host"],
    &["--net", "host"],
    &["--pid", "host"],
    &["--userns=host"],
    &["--security-opt", "seccomp=unconfined"],
    &["--security-opt=no-new-privileges=false"],
    &["--security-opt=label:disable"],
    &["--cap-add=SYS_ADMIN"],
    &["--cap-add", "all"],
    &["--device=/dev/kvm"],
    &["-v", "/etc:/etc"],
    &["-v/run:/run"],
    &["--mount", "type=bind,src=/,dst=/h"],
    &["--volumes-from=x"],
    &["-v", "/d:/d:shared"],
    &["--read-only=false"],
    &["--pids-limit=0"],
    &["--memory=0"],
    &["--cpus=99"],
];

const BENIGN: &[&[&str]] = &[
    &["--rm"],
    &["-i"],
    &["-e", "A=b"],
    &["--name", "n"],
    &["-v", "/srv/x:/x"],
    &["--label", "k=v"],
    &["--network", "none"],
    &["-dit"],
    &["--user", "1000:1000"],
    &["--init"],
    &["--shm-size=1g"],
    &["--read-only"],
    &["--cap-drop=ALL"],
];

fn mixed_argv() -> impl Strategy<Value = Vec<OsString>> {
    let pool: Vec<&'static [&'static str]> = DANGEROUS.iter().chain(BENIGN).copied().collect();
    proptest::collection::vec(proptest::sample::select(pool), 0..10).prop_map(|groups| {
        let mut out: Vec<OsString> = vec!["run".into()];
        out.extend(groups.into_iter().flatten().map(OsString::from));
        out.push("img".into());
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Whatever the mix, the runtime never receives a denied setting: the shim refuses, or its
    /// output passes every deny rule and the hardening.
    #[test]
    fn denied_settings_never_reach_the_runtime(argv in mixed_argv()) {
        let strict = nanoclaw_shim::policy::Deny::default();
        for policy in policies() {
            let plan = rewrite::plan(&argv, &policy, &target());
            if plan.decision == Decision::Refuse {
                prop_assert!(plan.args.is_empty());
                continue;
            }
            let out = parse_run(&plan.args);
            if policy.rules.deny == strict {
                // Default policy: nothing any deny rule would catch is left in what runs.
                let host = nanoclaw_shim::deny::HostCtx::default();
                let left = nanoclaw_shim::deny::check(&out, &policy.rules, &host);
                prop_assert!(left.is_empty(), "{:?} left {:?}", argv, left);
            }
            // Either way (deny rules off: neutralised), the hardening holds.
            assert_satisfies_default_policy(&out);
        }
    }
}
