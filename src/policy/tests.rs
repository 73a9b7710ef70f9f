use super::reader::memchr_newline;
use super::*;

fn errs(text: &str) -> Vec<Diagnostic> {
    parse(text, "p.toml").unwrap_err().diagnostics
}

/// The keys the reader knows in a table, as [`schema`] heads it, in the order it asks for them.
fn known(heading: &str) -> Vec<String> {
    schema()
        .into_iter()
        .find(|(h, _)| h == heading)
        .unwrap_or_else(|| panic!("no table {heading:?} in {:?}", schema()))
        .1
}

/// The policy's own sizes above its own ceilings are an error (the look `gv`: the shim gave
/// every container a /dev/shm of 4g under a ceiling of 2g, which it refuses a caller).
#[test]
fn the_policy_s_own_sizes_are_held_to_its_ceilings() {
    for text in [
        "[hardening]\nshm_size = \"4g\"\n[limits]\nshm_size = \"2g\"\n",
        "[limits]\ntmpfs_size = \"1g\"\n[hardening]\n[[hardening.tmpfs]]\npath = \"/tmp\"\nsize = \"8g\"\n",
    ] {
        let e = parse(text, "p").unwrap_err();
        assert!(
            e.diagnostics.iter().any(|d| d.code == Code::AboveOwnCeiling),
            "{text}: {e:?}"
        );
    }
    // A profile's lower ceiling under the sizes it inherits, and a ceiling below podman's own
    // 64m /dev/shm with no size of the policy's (the look `gw`).
    for text in [
        "[[profile]]\nname = \"p\"\nmatch.image = \"x*\"\n[profile.limits]\ntmpfs_size = \"256m\"\n",
        "[limits]\nshm_size = \"32m\"\n",
    ] {
        let e = parse(text, "p").unwrap_err();
        assert!(
            e.diagnostics.iter().any(|d| d.code == Code::AboveOwnCeiling),
            "{text}: {e:?}"
        );
    }
    for text in [
        "[hardening]\nshm_size = \"32m\"\n[limits]\nshm_size = \"32m\"\n",
        "[hardening]\nshm_size = \"2g\"\n[limits]\nshm_size = \"2g\"\n",
        "[hardening]\nshm_size = \"4g\"\n[limits]\nshm_size = \"off\"\n",
    ] {
        parse(text, "p").unwrap_or_else(|e| panic!("{text}: {e:?}"));
    }
}

#[test]
fn sizes_no_runtime_accepts_are_errors_and_unitless_sizes_warn() {
    for text in [
        "[limits]\nmemory = 4\n",
        "[limits]\nmemory = \"4\"\n",
        "[limits]\nmemory = \"4k\"\n",
    ] {
        let e = parse(text, "p").unwrap_err();
        assert!(
            e.diagnostics.iter().any(|d| d.code == Code::SizeTooSmall),
            "{text}: {e:?}"
        );
    }
    assert!(
        errs("[limits]\nmemory = 4096\n")
            .iter()
            .any(|d| d.code == Code::SizeTooSmall)
    );
    let (_, warnings) = parse("[limits]\nmemory = 8388608\n", "p").unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        warnings
            .iter()
            .any(|d| d.code == Code::UnitlessSize && d.hint.is_some()),
        "{warnings:?}"
    );
    let (p, w) = parse("[limits]\nmemory = \"4g\"\n", "p").unwrap();
    assert_eq!(p.rules.limits.memory, Some(4 << 30));
    assert!(w.is_empty());
}

#[test]
fn wrong_types_and_bad_globs_carry_hints_and_no_false_warning() {
    let e = parse("[hardening]\nread_only = \"yes\"\n", "p").unwrap_err();
    assert!(
        e.diagnostics
            .iter()
            .all(|d| d.code != Code::WrongType || d.hint.is_some()),
        "{e:?}"
    );
    let e = parse("[[profile]]\nname = \"b\"\nmatch.image = \"[oops\"\n", "p").unwrap_err();
    assert!(
        e.diagnostics
            .iter()
            .any(|d| d.code == Code::BadGlob && d.hint.is_some()),
        "{e:?}"
    );
    assert!(!e.diagnostics.iter().any(|d| d.code == Code::MatchAll), "{e:?}");
}

#[test]
fn shipped_default_matches_the_built_in_default() {
    let (p, warnings) = parse(DEFAULT_TOML, "default.toml").unwrap();
    assert_eq!(p, Policy::default());
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn newline_search() {
    for text in [
        "",
        "a",
        "\n",
        "abcdefgh\n",
        "abcdefghijklmnop",
        "abcdefghijk\nlm",
        "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\n",
    ] {
        assert_eq!(memchr_newline(text.as_bytes()), text.find('\n'), "{text:?}");
    }
}

#[test]
fn comment_lines_do_not_move_positions() {
    let text = "# a\n  # b\n[limits]\n# c\nmemory = \"x\" # d\n";
    let e = parse(text, "p").unwrap_err();
    assert_eq!(e.diagnostics[0].position, Some((5, 10)));
    let (p, _) = parse("[hardening]\nread_only = false\n# x\n", "p").unwrap();
    assert!(!p.rules.hardening.read_only);
    // In a multi-line string, `#` lines are content.
    let (p, _) = parse("[runtime]\nbinary = \"\"\"\n# not a comment\npodman\"\"\"\n", "p").unwrap();
    assert!(p.runtime.binary.contains("# not a comment"));
}

#[test]
fn empty_file_means_the_default() {
    assert_eq!(parse("", "p.toml").unwrap().0, Policy::default());
}

#[test]
fn unknown_key_is_an_error_with_position_and_suggestion() {
    let e = parse("[hardening]\nread_onyl = true\n", "p.toml").unwrap_err();
    let d = &e.diagnostics[0];
    assert_eq!((d.code, d.position), (Code::UnknownKey, Some((2, 1))));
    assert_eq!(d.hint.as_deref(), Some("did you mean `read_only`?"));
    assert!(
        e.to_string().starts_with("p.toml:2:1: unknown key `read_onyl`"),
        "{e}"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let d = errs(
        "mode = \"strict\"\n[limits]\nmemory = \"4 gigs\"\ncpus = -1\n[hardening]\nallowed_capabilities = [\"ALL\", \"NET_RAWW\"]\n",
    );
    let codes: Vec<Code> = d.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [
            Code::BadMode,
            Code::BadSize,
            Code::BadCpus,
            Code::BadCapability,
            Code::BadCapability
        ],
        "{d:?}"
    );
    assert_eq!(d[1].position, Some((3, 10)));
    assert_eq!(d[4].hint.as_deref(), Some("did you mean \"NET_RAW\"?"));
}

#[test]
fn limits_switch_off() {
    let (p, _) = parse("[limits]\ncpus = \"off\"\nmemory = false\npids = 100\n", "p").unwrap();
    assert_eq!(
        (p.rules.limits.cpus, p.rules.limits.memory, p.rules.limits.pids),
        (None, None, Some(100))
    );
    let (p, _) = parse("[limits]\ncpus = 1.5\nmemory = \"4096m\"\n", "p").unwrap();
    assert_eq!(p.rules.limits.cpus, Some(NanoCpus(1_500_000_000)));
    assert_eq!(p.rules.limits.memory, Some(4 << 30));
}

#[test]
fn tmpfs_spec_renders_all_options() {
    let h = Hardening::default();
    assert_eq!(
        h.tmpfs[0].spec(),
        "/tmp:rw,nosuid,nodev,noexec,size=512m,mode=1777"
    );
    assert_eq!(
        h.tmpfs[1].spec(),
        "/home/node:rw,nosuid,nodev,exec,size=1g,mode=1777"
    );
}

/// Values no runtime starts a container with are refused where they are written, not at every
/// container's start in an error that never names the shim (the thirty-second pass's look).
#[test]
fn values_every_container_would_fail_on_are_refused() {
    for (text, code) in [
        ("[limits]\npids = 4294967296\n", Code::BadPids),
        ("[limits]\npids = \"18446744073709551615\"\n", Code::BadPids),
        ("[limits]\ncpus = 0.001\n", Code::BadCpus),
        ("[limits]\nopen_files = 1073741824\n", Code::BadPids),
        ("[podman]\nkeep_id_user = \"0:0\"\n", Code::BadUser),
    ] {
        let d = errs(text);
        assert_eq!(d[0].code, code, "{text}: {d:?}");
    }
    let (p, _) = parse(
        "[limits]\npids = 4194304\ncpus = 0.01\nopen_files = 1048576\n[podman]\nkeep_id_user = \"1000:0\"\n",
        "p",
    )
    .unwrap();
    assert_eq!(p.rules.limits.pids, Some(4_194_304));
    assert_eq!(p.rules.limits.cpus, Some(NanoCpus(10_000_000)));
}

#[test]
fn contradictions_are_reported() {
    let d = errs("[hardening]\ndrop_capabilities = [\"NET_RAW\"]\nallowed_capabilities = [\"net_raw\"]\n");
    assert_eq!(d[0].code, Code::CapDropAndAllow);
    let d = errs("[[hardening.tmpfs]]\npath = \"/tmp\"\n[[hardening.tmpfs]]\npath = \"/tmp/\"\n");
    assert_eq!(d[0].code, Code::DuplicateTmpfs);
    let (_, w) = parse("[hardening]\ntmpfs = []\n", "p").unwrap();
    assert_eq!(w[0].code, Code::ReadOnlyNoTmpfs);
}

#[test]
fn profiles_override_and_match() {
    let (p, w) = parse(
        "[limits]\npids = 100\n[[profile]]\nname = \"browser\"\nmatch.image = \"nanoclaw-agent*\"\nmatch.labels = [\"role=browser\"]\n[profile.limits]\nmemory = \"8g\"\n[profile.hardening]\nshm_size = \"1g\"\n[[profile]]\nname = \"x\"\nmatch.container = \"[oops\"\n",
        "p",
    )
    .unwrap_err()
    .diagnostics
    .into_iter()
    .partition::<Vec<_>, _>(|d| d.severity == Severity::Error);
    assert_eq!(p[0].code, Code::BadGlob, "{p:?} {w:?}");
    let (p, _) = parse(
        "[limits]\npids = 100\n[[profile]]\nname = \"browser\"\nmatch.image = \"nanoclaw-agent*\"\nmatch.labels = [\"role=browser\"]\n[profile.limits]\nmemory = \"8g\"\n[profile.hardening]\nshm_size = \"1g\"\n",
        "p",
    )
    .unwrap();
    let prof = &p.profiles[0];
    assert_eq!(prof.rules.limits.memory, Some(8 << 30));
    assert_eq!(prof.rules.limits.pids, Some(100), "inherits the global value");
    assert_eq!(prof.rules.hardening.shm_size, Some(1 << 30));
    let labels = vec![("role".to_string(), "browser".to_string())];
    assert!(
        p.profile_for("localhost/nanoclaw-agent:latest", None, &labels)
            .is_some()
    );
    assert!(
        p.profile_for("localhost/nanoclaw-agent:latest", None, &[])
            .is_none()
    );
    assert!(p.profile_for("other:latest", None, &labels).is_none());
}

#[test]
fn image_forms_cover_registry_and_tag() {
    assert_eq!(
        image_forms("localhost/nanoclaw-agent:latest"),
        [
            "localhost/nanoclaw-agent:latest",
            "localhost/nanoclaw-agent",
            "nanoclaw-agent:latest",
            "nanoclaw-agent"
        ]
    );
    assert_eq!(image_forms("registry:5000/a/b@sha256:x")[1], "registry:5000/a/b");
    assert_eq!(image_forms("docker.io/library/node:22")[3], "node");
}

#[test]
fn sensitive_paths_are_editable() {
    let (p, w) = parse(
        "[deny]\nadd_sensitive_paths = [\"/srv/secrets\"]\nremove_sensitive_paths = [\"/boot\", \"/nope\"]\n",
        "p",
    )
    .unwrap();
    assert!(
        p.rules
            .deny
            .list(DenyList::SensitivePaths)
            .contains(&"/srv/secrets".into())
    );
    assert!(
        !p.rules
            .deny
            .list(DenyList::SensitivePaths)
            .contains(&"/boot".into())
    );
    assert_eq!(w[0].code, Code::UnknownSensitivePath);
}

#[test]
fn syntax_errors_have_positions() {
    let d = errs("[limits\n");
    assert_eq!(d[0].code, Code::Syntax);
    assert_eq!(d[0].position.map(|p| p.0), Some(1));
}

#[test]
fn did_you_mean_finds_close_words() {
    let top = known("");
    let top: Vec<&str> = top.iter().map(String::as_str).collect();
    assert_eq!(did_you_mean("hardenin", &top), Some("hardening"));
    assert_eq!(did_you_mean("zzz", &top), None);
}

#[test]
fn lookup_order() {
    let dir = tempfile::tempdir().unwrap();
    let user = dir.path().join("xdg/nanoclaw-shim/policy.toml");
    let system = dir.path().join("etc");
    let mut env = LookupEnv {
        explicit: None,
        xdg_config_home: Some(dir.path().join("xdg")),
        home: Some(dir.path().join("home")),
        system_dir: system.clone(),
        owner: Some(crate::process::euid()),
        ..LookupEnv::default()
    };
    assert_eq!(locate(&env).unwrap().0, Origin::Embedded);
    std::fs::create_dir_all(&system).unwrap();
    std::fs::write(system.join("policy.toml"), "").unwrap();
    assert_eq!(
        locate(&env).unwrap().0,
        Origin::System(system.join("policy.toml"))
    );
    std::fs::create_dir_all(user.parent().unwrap()).unwrap();
    std::fs::write(&user, "").unwrap();
    assert_eq!(locate(&env).unwrap().0, Origin::User(user.clone()));
    env.explicit = Some(dir.path().join("missing.toml"));
    assert!(
        locate(&env).is_err(),
        "an explicit policy that is missing is an error"
    );
    env.xdg_config_home = None;
    env.explicit = None;
    assert_eq!(
        env.user_path().unwrap(),
        dir.path().join("home/.config/nanoclaw-shim/policy.toml")
    );
}

#[test]
fn deny_keys_are_the_switches_and_the_lists() {
    let mut derived: Vec<String> = DENY_SWITCHES.iter().map(|(k, _, _)| k.to_string()).collect();
    for l in DenyList::ALL {
        derived.push(format!("add_{}", l.key()));
        derived.push(format!("remove_{}", l.key()));
    }
    assert_eq!(known("[deny]"), derived);
}

#[test]
fn show_round_trips_through_the_reader() {
    let text = "mode = \"audit\"\n[commands]\nallow = [\"cp\"]\n[hardening]\nkeep_capabilities = []\n[limits]\nmemory = \"2g\"\n[deny]\nadd_credential_names = [\"tok\\u0007en\"]\nremove_sensitive_paths = [\"/boot\"]\n[[profile]]\nname = \"b\\\"q\"\nmatch.image = \"nanoclaw-agent*\"\n[profile.limits]\nmemory = \"3g\"\n";
    let (p, _) = parse(text, "p").unwrap();
    let shown = p.to_toml();
    let (again, _) = parse(&shown, "shown").unwrap_or_else(|e| panic!("{e:?}\n{shown}"));
    assert_eq!(again, p, "{shown}");
}

mod generated {
    use super::super::*;
    use proptest::prelude::*;

    /// Any string, control characters and quotes included.
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![any::<char>(), Just('"'), Just('\\'), Just('\u{7}')],
            0..8,
        )
        .prop_map(|c| c.into_iter().collect())
    }

    fn policy() -> impl Strategy<Value = Policy> {
        (
            proptest::sample::select(vec![Mode::Enforce, Mode::Audit, Mode::Off]),
            text(),
            proptest::collection::vec(text(), 0..3),
            proptest::collection::vec(any::<bool>(), DENY_SWITCHES.len()),
            proptest::option::of(1u64..(64 << 30)),
            proptest::option::of(1u64..100_000),
            proptest::collection::vec(text(), 0..3),
            proptest::collection::vec((text(), any::<bool>(), proptest::option::of(1u64..100)), 0..3),
        )
            .prop_map(|(mode, binary, allow, switches, memory, pids, names, profiles)| {
                let mut p = Policy {
                    mode,
                    ..Default::default()
                };
                // A name on PATH or an absolute path (a relative one is refused).
                if !binary.trim().is_empty() && (!binary.contains('/') || binary.starts_with('/')) {
                    p.runtime.binary = binary;
                }
                p.commands.allow = allow.into_iter().map(|s| s.trim().to_string()).collect();
                for ((_, rule, _), on) in DENY_SWITCHES.iter().zip(switches) {
                    p.rules.deny.set(*rule, on);
                }
                p.rules.limits.memory = memory.map(|m| m.max(MIN_MEMORY) / 1024 * 1024);
                p.rules.limits.pids = pids;
                // (A name, not a pattern: `reader` refuses stars and globs but its two.)
                for n in names
                    .into_iter()
                    .filter(|n| !n.is_empty() && !n.contains(['/', '*', '?', '[', ']']))
                {
                    if !p
                        .rules
                        .deny
                        .list(DenyList::CredentialNames)
                        .iter()
                        .any(|e| *e == n)
                    {
                        p.rules.deny.list_mut(DenyList::CredentialNames).push(n.into());
                    }
                }
                for (i, (name, exempt, pids)) in profiles.into_iter().enumerate() {
                    let mut rules = p.rules.clone();
                    rules.limits.pids = pids;
                    p.profiles.push(Profile {
                        name: format!("{i}{name}"),
                        image: Some(Glob::new("nanoclaw-agent*").unwrap()),
                        container: None,
                        labels: vec![("nanoclaw-role".into(), Some("agent".into()))],
                        mode: None,
                        exempt,
                        rules,
                    });
                }
                p
            })
    }

    proptest! {
        #[test]
        fn show_then_parse_is_the_same_policy(p in policy()) {
            let shown = p.to_toml();
            let (again, _) = parse(&shown, "shown").map_err(|e| TestCaseError::fail(format!("{e:?}\n{shown}")))?;
            prop_assert_eq!(again, p, "{}", shown);
        }
    }
}

/// The tables and keys the reader knows, in the order `policy check` suggests them: the order of
/// "known keys here" is part of its output.
#[test]
fn known_keys_are_the_keys_the_reader_asks_for_in_order() {
    let want: &[(&str, &[&str])] = &[
        (
            "",
            &[
                "mode",
                "runtime",
                "commands",
                "hardening",
                "limits",
                "deny",
                "podman",
                "log",
                "profile",
            ],
        ),
        ("[runtime]", &["binary", "flavor", "keep_environment"]),
        ("[commands]", &["allow", "deny"]),
        (
            "[hardening]",
            &[
                "read_only",
                "no_new_privileges",
                "drop_capabilities",
                "allowed_capabilities",
                "tmpfs",
                "shm_size",
                "keep_capabilities",
                "init",
                "no_healthcheck",
                "shadow_repositories",
            ],
        ),
        ("[[hardening.tmpfs]]", &["path", "size", "mode", "exec"]),
        (
            "[limits]",
            &[
                "cpus",
                "memory",
                "pids",
                "shm_size",
                "tmpfs_size",
                "refuse_unenforced",
                "health_interval",
                "log_size",
                "open_files",
            ],
        ),
        ("[deny]", &[]),
        (
            "[podman]",
            &[
                "keep_id",
                "keep_id_user",
                "host_gateway",
                "host_loopback",
                "host_loopback_ports",
                "rootful_gateway",
                "verify_mounts",
                "network_pools",
            ],
        ),
        ("[log]", &["path"]),
        (
            "[[profile]]",
            &[
                "name",
                "match",
                "mode",
                "exempt",
                "hardening",
                "limits",
                "deny",
                "podman",
            ],
        ),
        ("match.", &["image", "container", "labels"]),
    ];
    let have = schema();
    let headings: Vec<&str> = have.iter().map(|(h, _)| h.as_str()).collect();
    let want_headings: Vec<&str> = want.iter().map(|(h, _)| *h).collect();
    assert_eq!(headings, want_headings);
    for ((heading, keys), (_, want)) in have.iter().zip(want) {
        if *heading == "[deny]" {
            continue; // deny_keys_are_the_switches_and_the_lists
        }
        assert_eq!(keys, want, "{heading}");
        // An unknown key lists them in that order.
        let (text, section) = match heading.as_str() {
            "" => ("zzz = 1\n".to_string(), "at the top level".to_string()),
            "[[hardening.tmpfs]]" => (
                "[[hardening.tmpfs]]\npath = \"/x\"\nzzz = 1\n".into(),
                "in [hardening.tmpfs]".into(),
            ),
            "[[profile]]" => (
                "[[profile]]\nmatch.image = \"x\"\nzzz = 1\n".into(),
                "in [profile]".into(),
            ),
            "match." => (
                "[[profile]]\nmatch.image = \"x\"\nmatch.zzz = 1\n".into(),
                "in [profile.match]".into(),
            ),
            h => (format!("{h}\nzzz = 1\n"), format!("in {h}")),
        };
        let d = errs(&text);
        assert_eq!(d.len(), 1, "{text}: {d:?}");
        assert_eq!(d[0].message, format!("unknown key `zzz` {section}"), "{text}");
        assert_eq!(
            d[0].hint.as_deref(),
            Some(format!("known keys here: {}", want.join(", ")).as_str()),
            "{text}"
        );
    }
}

/// A key the reader asks for only in some cases is still known in the others.
#[test]
fn keys_read_conditionally_are_known() {
    // A tmpfs entry without `path` is not judged further, but its other keys are known.
    let d = errs("[[hardening.tmpfs]]\nsize = \"lots\"\nmode = \"9\"\nexec = 1\n");
    let codes: Vec<Code> = d.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::MissingKey], "{d:?}");
    let d = errs("[[hardening.tmpfs]]\npath = 1\nsize = \"1g\"\nbogus = 1\n");
    let codes: Vec<Code> = d.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::WrongType, Code::UnknownKey], "{d:?}");
    assert_eq!(
        d[1].hint.as_deref(),
        Some("known keys here: path, size, mode, exec")
    );
    // A profile whose `match` is not a table still knows its other keys.
    let d = errs("[[profile]]\nmatch = 1\nname = \"a\"\nmode = \"audit\"\nexempt = true\n");
    let codes: Vec<Code> = d.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [Code::MatchAll, Code::UnstartableProfile, Code::WrongType],
        "{d:?}"
    );
    // Diagnostics, unknown keys among them, stay in the order of the file.
    let d = errs("[limits]\nmemory = \"x\"\nzzz = 1\ncpus = \"y\"\n");
    let codes: Vec<Code> = d.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::BadSize, Code::UnknownKey, Code::BadCpus], "{d:?}");
}

/// Every policy the project ships or documents loads without an unknown key.
#[test]
fn every_shipped_and_documented_policy_has_only_known_keys() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let mut policies = vec![
        ("policy/default.toml".to_string(), read("policy/default.toml")),
        (
            "fixtures/policies/profiles.toml".to_string(),
            read("fixtures/policies/profiles.toml"),
        ),
    ];
    let md = read("docs/POLICY.md");
    let mut block: Option<String> = None;
    for line in md.lines() {
        match &mut block {
            None if line.trim() == "```toml" => block = Some(String::new()),
            Some(_) if line.trim() == "```" => {
                policies.push(("docs/POLICY.md".into(), block.take().unwrap_or_default()))
            }
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
            None => {}
        }
    }
    assert!(policies.len() >= 10, "{} policies", policies.len());
    for (file, text) in &policies {
        if let Err(e) = parse(text, file) {
            panic!("{e:?}\n{text}");
        }
    }
    // The fixtures with problems have no unknown key but their typos.
    for name in ["bad-values", "contradictions"] {
        let file = format!("fixtures/policies/{name}.toml");
        let e = parse(&read(&file), &file).unwrap_err();
        assert!(
            e.diagnostics.iter().all(|d| d.code != Code::UnknownKey),
            "{file}: {e:?}"
        );
    }
}

/// Every key of every table at once, in a profile too, is a policy without unknown keys.
#[test]
fn a_policy_with_every_key_loads() {
    let mut text = String::from("mode = \"enforce\"\n");
    text.push_str("[runtime]\nbinary = \"podman\"\nflavor = \"auto\"\nkeep_environment = [\"LANG\", \"LC_*\"]\n[commands]\nallow = []\ndeny = []\n");
    let hardening = "read_only = true\nno_new_privileges = true\ndrop_capabilities = [\"ALL\"]\nallowed_capabilities = []\nshm_size = \"1g\"\nkeep_capabilities = []\ninit = true\nno_healthcheck = true\nshadow_repositories = false\n";
    let tmpfs = "path = \"/tmp\"\nsize = \"1g\"\nmode = \"1777\"\nexec = false\n";
    let limits = "cpus = 2\nmemory = \"4g\"\npids = 256\nshm_size = \"2g\"\ntmpfs_size = \"2g\"\nrefuse_unenforced = false\nhealth_interval = \"1m\"\n";
    let podman = "keep_id = true\nkeep_id_user = \"1000:1000\"\nhost_gateway = true\nhost_loopback = true\nhost_loopback_ports = [5432]\nrootful_gateway = \"10.88.0.1\"\nverify_mounts = true\nnetwork_pools = [\"172.31.0.0/16\"]\n";
    let mut deny = String::new();
    for (key, _, on) in DENY_SWITCHES {
        deny.push_str(&format!("{key} = {on}\n"));
    }
    for l in DenyList::ALL {
        deny.push_str(&format!("add_{0} = []\nremove_{0} = []\n", l.key()));
    }
    for prefix in ["", "profile."] {
        if !prefix.is_empty() {
            text.push_str("[[profile]]\nname = \"p\"\nmode = \"enforce\"\nexempt = false\n");
            text.push_str("[profile.match]\nimage = \"a*\"\ncontainer = \"b*\"\nlabels = [\"c\"]\n");
        }
        text.push_str(&format!(
            "[{prefix}hardening]\n{hardening}[[{prefix}hardening.tmpfs]]\n{tmpfs}"
        ));
        text.push_str(&format!(
            "[{prefix}limits]\n{limits}[{prefix}deny]\n{deny}[{prefix}podman]\n{podman}"
        ));
    }
    text.push_str("[log]\npath = \"/tmp/log\"\n");
    let (p, w) = parse(&text, "p").unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(p.profiles[0].rules.podman.host_loopback_ports, [5432]);
    assert_eq!(
        p.rules.podman.network_pools,
        [crate::subnet::Net::parse("172.31.0.0/16").unwrap()]
    );
    // A range narrower than a network's /24, or none at all, is an error.
    for bad in ["\"10.1.2.0/25\"", "\"10.1.2.3\"", "\"fd00::/64\"", "\"x\""] {
        let e = parse(&format!("[podman]\nnetwork_pools = [{bad}]\n"), "p").unwrap_err();
        assert!(
            e.diagnostics.iter().any(|d| d.code == Code::BadNetworkPool),
            "{bad}: {:?}",
            e.diagnostics
        );
    }
    assert_eq!(p.runtime.keep_environment, ["LANG", "LC_*"]);
}

/// `keep_environment` names variables (or prefixes): never one the environment's rules remove
/// or refuse whatever the list says, nor something that is not a name.
#[test]
fn keep_environment_takes_names_the_rules_do_not_remove_or_refuse() {
    let (p, warnings) = parse(
        "[runtime]\nkeep_environment = [\"BUILDAH_FORMAT\", \"LC_*\", \"*\"]\n",
        "p",
    )
    .unwrap();
    assert_eq!(p.runtime.keep_environment, ["BUILDAH_FORMAT", "LC_*", "*"]);
    // Kept, but said: `*` is the whole environment.
    let codes: Vec<Code> = warnings.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::KeepAllEnvironment]);
    // A runtime named by a relative path is looked up from the working directory: refused.
    for bad in ["./podman", "bin/podman"] {
        let e = errs(&format!("[runtime]\nbinary = {bad:?}\n"));
        assert!(e.iter().any(|d| d.code == Code::BadRuntime), "{bad}: {e:?}");
    }
    assert!(parse("[runtime]\nbinary = \"/usr/bin/podman\"\n", "p").is_ok());
    for bad in [
        "LD_PRELOAD",
        "STORAGE_OPTS",
        "_CONTAINERS_USERNS_CONFIGURED",
        "BUILDAH_NOPIVOT",
        "NANOCLAW_SHIM_ACTIVE",
        "A=B",
        "",
        "L*C",
        "X Y",
    ] {
        let text = format!("[runtime]\nkeep_environment = [{bad:?}]\n");
        let e = errs(&text);
        assert!(
            e.iter().any(|d| d.code == Code::BadKeepEnvironment),
            "{bad:?}: {e:?}"
        );
    }
}

/// A token pasted where a name belongs is printed by no diagnostic: they reach stderr at every
/// call (the seventy-seventh look's: a capability list, a `keep_environment` entry with a blank).
#[test]
fn a_policy_s_diagnostics_never_show_a_token_where_a_name_belongs() {
    let token = "sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    for text in [
        format!("[hardening]\nallowed_capabilities = [{token:?}]\n"),
        format!(
            "[hardening]\nkeep_capabilities = [\"ghp_abcdefghijklmnopqrstuvwxyz0123456789\", {token:?}]\n"
        ),
        "[runtime]\nkeep_environment = [\"ANTHROPIC_API_KEY aoc_LEAKk2xxxxxxx\"]\n".to_string(),
        "[runtime]\nkeep_environment = [\"TOKEN: aoc_LEAKk2xxxxxxx\"]\n".to_string(),
    ] {
        let e = errs(&text);
        assert!(!e.is_empty(), "{text}");
        let shown = format!("{e:?}");
        for secret in ["AAAAAAAAAAAA", "ghp_abc", "LEAKk2"] {
            assert!(!shown.contains(secret), "{text}: {shown}");
        }
    }
    // Nor one that is not a name at all: by its length (its line and column find it).
    for entry in ["aoc_LEAK.k2x.xxxxxx", "LEAK-k2xxxxxxx", "X\\tLEAKk2xxxx"] {
        let e = errs(&format!("[runtime]\nkeep_environment = [\"{entry}\"]\n"));
        let shown = format!("{e:?}");
        assert!(!shown.contains("LEAK") && shown.contains("bytes"), "{shown}");
    }
}

/// Reading a policy reads no environment: a `~/` log path is kept as written and expanded
/// where the file is used, with the home of whoever runs the shim.
#[test]
fn a_home_log_path_is_expanded_where_it_is_used() {
    let (p, _) = parse("[log]\npath = \"~/.local/state/ncs/decisions.jsonl\"\n", "p").unwrap();
    assert_eq!(
        p.log.path.as_deref(),
        Some(std::path::Path::new("~/.local/state/ncs/decisions.jsonl"))
    );
    assert_eq!(
        p.log.resolved(Some(std::path::Path::new("/home/alice"))),
        Some(PathBuf::from("/home/alice/.local/state/ncs/decisions.jsonl"))
    );
    assert_eq!(p.log.resolved(None), None);
    let (abs, _) = parse("[log]\npath = \"/var/log/ncs.jsonl\"\n", "p").unwrap();
    assert_eq!(abs.log.resolved(None), Some(PathBuf::from("/var/log/ncs.jsonl")));
    let (tilde_user, _) = parse("[log]\npath = \"~bob/x\"\n", "p").map_or((Policy::default(), vec![]), |x| x);
    assert_eq!(tilde_user.log.path, None, "only `~/` is the caller's home");
}

#[test]
fn a_verbatim_default_is_lent_and_anything_else_read_as_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("policy.toml");
    let env = LookupEnv {
        explicit: Some(file.clone()),
        owner: Some(crate::process::euid()),
        ..LookupEnv::default()
    };
    std::fs::write(&file, super::DEFAULT_TOML).unwrap();
    let (_, text) = locate(&env).unwrap();
    assert!(
        matches!(text, Text::Borrowed(_)),
        "the shipped default stands for the copy"
    );
    assert_eq!(load(&env).unwrap().1, Policy::default());
    // One byte more is an edited policy, read and parsed as written.
    std::fs::write(&file, format!("{}\n", super::DEFAULT_TOML)).unwrap();
    assert!(matches!(locate(&env).unwrap().1, Text::Owned(_)));
    assert_eq!(load(&env).unwrap().1, Policy::default());
    // Not UTF-8: unreadable, as before.
    std::fs::write(&file, b"mode = \"audit\"\n# \xff\xfe\n").unwrap();
    let e = load(&env).unwrap_err().to_string();
    assert!(e.contains("cannot read policy") && e.contains("UTF-8"), "{e}");
}

/// A profile whose containers carry none of the shim's checks: `docker start` (no profile)
/// refuses them under the top level's mount check, which nanoclaw's create-then-start meets.
#[test]
fn a_profile_whose_containers_docker_start_refuses_warns() {
    let codes = |text: &str| -> Vec<Code> {
        let (_, d) = parse(text, "p.toml").unwrap_or_else(|e| panic!("{e:?}"));
        d.into_iter().map(|d| d.code).collect()
    };
    for body in [
        "exempt = true\n",
        "mode = \"audit\"\n",
        "mode = \"off\"\n",
        "[profile.podman]\nverify_mounts = false\n",
    ] {
        let text = format!("[[profile]]\nname = \"p\"\nmatch.container = \"x-*\"\n{body}");
        assert_eq!(codes(&text), [Code::UnstartableProfile], "{body}");
        // Not when starts are not checked at the top level.
        let off = format!("[podman]\nverify_mounts = false\n{text}");
        assert!(codes(&off).is_empty(), "{body}");
        let audit = format!("mode = \"audit\"\n{text}");
        assert!(codes(&audit).is_empty(), "{body}");
    }
    let checked = "[[profile]]\nname = \"p\"\nmatch.container = \"x-*\"\n[profile.limits]\nmemory = \"8g\"\n";
    assert!(codes(checked).is_empty());
}

/// `writable_images` takes image name globs: one that is no glob, or empty, stops the policy;
/// an added one is matched from then on, a removed default no more.
#[test]
fn writable_images_are_globs() {
    // ... nor one no name can match (a tag, a digest, upper case, a blank, an empty component:
    // the ninety-eighth look's `my-agent:latest` matched nothing, and said nothing).
    for bad in [
        "[oops",
        "",
        "my-agent:latest",
        "my-agent@sha256:00",
        "Nanoclaw-*",
        "my agent",
        "localhost/",
        "a//b",
    ] {
        let text = format!("[deny]\nadd_writable_images = [{bad:?}]\n");
        let e = parse(&text, "p").unwrap_err().diagnostics;
        assert_eq!(e[0].code, Code::BadGlob, "{bad}: {e:?}");
    }
    for good in [
        "localhost:5000/team/*",
        "registry.example/a/b-*",
        "localhost/my-agent",
    ] {
        let text = format!("[deny]\nadd_writable_images = [{good:?}]\n");
        assert!(parse(&text, "p").is_ok(), "{good}");
    }
    let (p, _) = parse(
        "[deny]\nadd_writable_images = [\"my-agent\"]\nremove_writable_images = [\"nanoclaw-*\"]\n",
        "p",
    )
    .unwrap();
    assert_eq!(p.rules.deny.list(DenyList::WritableImages), ["my-agent"]);
    assert_eq!(
        Policy::default().rules.deny.list(DenyList::WritableImages),
        ["nanoclaw-*"]
    );
}

/// A credential name is a name, `*SUFFIX` or `*INFIX*SUFFIX`: any other star or glob matched
/// nothing while `policy check` said ok (the thirty-seventh pass's look: `*secrets*`).
#[test]
fn credential_names_are_names_or_their_two_patterns() {
    for bad in [
        "*secrets*",
        "secrets*",
        "*.vault*",
        "*",
        "**",
        "*a*b*.json",
        "se*crets",
        "secret?.json",
        "[sS]ecrets",
        "",
        "a/b",
        "**.json",
    ] {
        let text = format!("[deny]\nadd_credential_names = [{bad:?}]\n");
        let e = parse(&text, "p").unwrap_err().diagnostics;
        assert_eq!(e[0].code, Code::BadGlob, "{bad}: {e:?}");
    }
    for good in [
        "prod-secrets.json",
        "*secrets.json",
        "*-adminsdk-*.json",
        "*_rsa",
        ".env",
    ] {
        let text = format!("[deny]\nadd_credential_names = [{good:?}]\n");
        assert!(parse(&text, "p").is_ok(), "{good}");
    }
    // Every default is one too.
    for name in DenyList::CredentialNames.defaults() {
        let text = format!("[deny]\nadd_credential_names = [{name:?}]\n");
        assert!(parse(&text, "p").is_ok(), "{name}");
    }
}

/// `writable_volumes`, `writable_networks` and `connectable_containers` take one-word globs: one
/// with a `/`, `:` or `,` (which `--network` reads as options or a second network), empty or no
/// glob stops the policy; a good one is added to the defaults.
#[test]
fn one_word_name_lists_are_one_word_globs() {
    for (list, defaults) in [
        (DenyList::WritableVolumes, &[][..]),
        (DenyList::WritableNetworks, &["nanoclaw-*", "ncl-*"]),
        (DenyList::ConnectableContainers, &["onecli"]),
        (DenyList::FuseFileSystems, DenyList::FuseFileSystems.defaults()),
    ] {
        let key = list.key();
        for bad in ["a/b", "a:b", "a,b", "", "[x"] {
            let text = format!("[deny]\nadd_{key} = [{bad:?}]\n");
            let e = parse(&text, "p").unwrap_err().diagnostics;
            assert_eq!(e[0].code, Code::BadGlob, "{key} {bad}: {e:?}");
        }
        let (p, _) = parse(&format!("[deny]\nadd_{key} = [\"lab-*\"]\n"), "p").unwrap();
        let want: Vec<&str> = defaults.iter().copied().chain(["lab-*"]).collect();
        assert_eq!(p.rules.deny.list(list), want, "{key}");
    }
}

/// A profile's match that can never match, and an empty `labels` list, which matches every
/// container, are errors (the hundred-and-thirteenth look's: `labels = []` lifted every
/// container's ceilings with `policy check` saying ok; `"nanoclaw-role = agent"` and an empty
/// image glob tightened nothing).
#[test]
fn a_profile_match_that_cannot_mean_what_it_says_is_an_error() {
    let profile = |m: &str| format!("[[profile]]\nname = \"p\"\n{m}\n[profile.limits]\nmemory = \"off\"\n");
    for m in [
        "match.labels = []",
        "match.labels = [\"nanoclaw-role = agent\"]",
        "match.labels = [\" nanoclaw-role\"]",
        "match.labels = [\"=agent\"]",
        "match.labels = [\"nanoclaw-role=agent \"]",
        "match.image = \"\"",
        "match.container = \"\"",
        "match.labels = [\"ok\", \"\"]",
    ] {
        let codes: Vec<Code> = errs(&profile(m)).iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::BadMatch], "{m}");
    }
    for m in [
        "match.labels = [\"nanoclaw-role=agent\"]",
        "match.labels = [\"nanoclaw-role\", \"k=\"]",
        "match.image = \"*browser*\"",
        "match.container = \"nanoclaw-*\"",
    ] {
        assert!(parse(&profile(m), "p.toml").is_ok(), "{m}");
    }
}
