//! The seccomp profile a build's RUN steps are given: podman's own default, less new cgroup
//! namespaces.
//!
//! Why: a rootful build's RUN step is the host's root, and the limits the shim gives a build sit
//! on the step's own cgroup, whose files that root owns. Hiding buildah's read-write cgroup mount
//! (`harden.build-cgroup`, [`crate::containerfile::hidden_cgroups`]) stopped the plain `echo -1 >
//! /sys/fs/cgroup/memory/memory.limit_in_bytes`; but podman's default profile allows `unshare`
//! and `mount`, and a step in a user and cgroup namespace of its own (`unshare -Urm -C`, stock
//! util-linux) mounted its cgroup again elsewhere and lifted the limits there (the ninety-seventh
//! look's, podman 4.3.1 and 5.4.2). Without a new cgroup namespace the kernel refuses that mount.
//! So the build is given podman's profile with `unshare` and `clone` refused (`EPERM`) when they
//! ask for one, and `clone3`, whose flags seccomp cannot read, answering `ENOSYS` (the C
//! libraries then use `clone`, as they do under docker's default profile). Nothing else of the
//! profile changes: it is read from where podman reads it, never written by the shim.
//!
//! The profile is JSON as podman and runc read it (`defaultAction`, `syscalls` with `names`,
//! `action`, `args`, `includes`/`excludes`); `serde_json` keeps every other field as it was.

use serde_json::{Value, json};

/// Where podman reads its default seccomp profile: the override first, then the packaged one
/// (containers-common's paths; `containers.conf`'s `seccomp_profile` may name another:
/// [`profile_paths`]).
pub const PROFILE_PATHS: [&str; 2] = [
    "/etc/containers/seccomp.json",
    "/usr/share/containers/seccomp.json",
];

/// The profile the shim narrows: the one podman's configuration names (`seccomp_profile`, an
/// operator's stricter profile: the thirty-seventh pass's look had it replaced by podman's
/// default, narrowed, with `unshare` allowed again), else podman's default. `unconfined` is no
/// profile to narrow: the default is, which is stricter.
/// (Of several, the first: a call whose configuration names two is refused before this is
/// asked, [`crate::rewrite`]'s `configured`.)
pub fn profile_paths(configured: &[String]) -> Vec<&str> {
    match configured.iter().find(|p| p.starts_with('/')) {
        Some(p) => vec![p.as_str()],
        None => PROFILE_PATHS.to_vec(),
    }
}

/// What a rootful `run`/`create` is told before the exec, where the shim puts the path of its
/// narrowed copy of podman's profile ([`narrowed_file`]; explain shows this).
pub const PLACEHOLDER: &str = "<podman's default, narrowed>";

/// What a build's option shows before the exec, where its sealed copy of the narrowed profile
/// (`/proc/self/fd/N`) goes: never the path of podman's own, which a command copied from
/// `explain` would then run unnarrowed (the ninety-ninth look's).
pub const SEALED_PLACEHOLDER: &str = "<podman's default, narrowed: a sealed copy>";

/// The whole option podman is given with [`PLACEHOLDER`], found and filled in at the exec.
pub const PLACEHOLDER_TOKEN: &str = "--security-opt=seccomp=<podman's default, narrowed>";

/// `CLONE_NEWCGROUP`, the flag of `unshare(2)` and `clone(2)` that makes a cgroup namespace.
const CLONE_NEWCGROUP: u64 = 0x0200_0000;

/// Every namespace flag of `clone(2)`: mount, cgroup, UTS, IPC, user, PID, network (docker's
/// default profile allows `clone` only without them, to a container without CAP_SYS_ADMIN).
const NAMESPACE_FLAGS: [u64; 7] = [
    0x0002_0000,
    CLONE_NEWCGROUP,
    0x0400_0000,
    0x0800_0000,
    0x1000_0000,
    0x2000_0000,
    0x4000_0000,
];

/// The kernel's key management, refused (`EPERM`) as docker's default profile refuses it: a
/// rootful agent runs as the caller's host uid (nanoclaw's `--user UID:GID`) and so shares that
/// user's keyrings; through `keyctl` it linked the user's keyring into its own, read a key and
/// overwrote one in the persistent keyring where Kerberos keeps its tickets (the
/// hundred-and-twentieth look's, rootful 4.3.1 and 5.4.2; Chromium needs none of them).
const KEYS: [&str; 3] = ["keyctl", "add_key", "request_key"];

/// The keys a profile's objects may have, each spelt exactly as podman's and runc's readers
/// document them. Go's JSON reader takes a key in any case, Unicode's folding too, and the last
/// of several that fold alike: a second list under `"ſyscalls"` (a long s) was neither judged
/// nor narrowed, and was what podman read (the look `gw`). So every key is one of these.
const PROFILE_KEYS: [&str; 9] = [
    "defaultAction",
    "defaultErrno",
    "defaultErrnoRet",
    "architectures",
    "archMap",
    "syscalls",
    "flags",
    "listenerPath",
    "listenerMetadata",
];
const ARCH_KEYS: [&str; 2] = ["architecture", "subArchitectures"];
const RULE_KEYS: [&str; 9] = [
    "names", "name", "action", "args", "comment", "includes", "excludes", "errno", "errnoRet",
];
const ARG_KEYS: [&str; 4] = ["index", "value", "valueTwo", "op"];
const FILTER_KEYS: [&str; 3] = ["caps", "arches", "minKernel"];

/// The first key of `profile`'s objects that is not listed ([`PROFILE_KEYS`] and the others).
fn unknown_key(profile: &Value) -> Option<&str> {
    fn first<'v>(v: &'v Value, keys: &[&str]) -> Option<&'v str> {
        v.as_object()?
            .keys()
            .map(String::as_str)
            .find(|k| !keys.contains(k))
    }
    let items = |v: &'static str| profile[v].as_array().into_iter().flatten();
    first(profile, &PROFILE_KEYS)
        .or_else(|| items("archMap").find_map(|a| first(a, &ARCH_KEYS)))
        .or_else(|| {
            items("syscalls").find_map(|r| {
                first(r, &RULE_KEYS)
                    .or_else(|| {
                        r["args"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .find_map(|a| first(a, &ARG_KEYS))
                    })
                    .or_else(|| first(&r["includes"], &FILTER_KEYS))
                    .or_else(|| first(&r["excludes"], &FILTER_KEYS))
            })
        })
}

/// The default actions of a profile that is an allow-list: a syscall it does not name is refused.
const REFUSING: [&str; 5] = [
    "SCMP_ACT_ERRNO",
    "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP",
];

/// The profile at `path`, read. One that podman's configuration names in place of podman's
/// default may allow no syscall the default does not allow, under any condition: an operator's
/// stricter profile passes, a wider one is refused (the look `gv`: an allow-everything profile
/// was narrowed and reported as fine). Where podman's default is not installed, there is
/// nothing to hold it to but [`without_new_cgroup_namespaces`]'s own check.
pub fn read_profile(path: &str) -> Result<Vec<u8>, String> {
    let text = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    if PROFILE_PATHS.contains(&path) {
        return Ok(text);
    }
    if let Ok((default, _)) = installed(&PROFILE_PATHS) {
        let base = std::fs::read(default).map_err(|e| format!("{default}: {e}"))?;
        if let Some(wider) = allowed_beyond(&text, &base) {
            return Err(format!(
                "{path}: allows {wider}, which podman's default profile ({default}) does not; podman's configuration (containers.conf, [containers] seccomp_profile) may name a profile stricter than the default, not a wider one"
            ));
        }
    }
    Ok(text)
}

/// The syscalls `profile` allows that `base` does not allow as freely, as a list to show (at
/// most five), or `None`. One allowed outright must be allowed outright by `base`; one allowed
/// under a condition (its arguments, a capability, an architecture, a kernel) must be allowed
/// by `base` outright or under the very same condition: a condition is not judged for what it
/// restricts (the look `gx`: `minKernel: "1.0"`, a capability the shim keeps, `arg0 >= 0`
/// always hold, and `perf_event_open`, `bpf`, `personality` passed so; the look `gw`: allowed
/// outright, they passed on their names).
fn allowed_beyond(profile: &[u8], base: &[u8]) -> Option<String> {
    // (name, condition), the condition `None` where there is none.
    type Allowed = std::collections::BTreeSet<(String, Option<String>)>;
    let allowed = |text: &[u8]| -> Option<Allowed> {
        let p: Value = serde_json::from_slice(text).ok()?;
        let rules = p["syscalls"].as_array()?;
        // (An object of empty parts is none either: `{"caps": []}`.)
        let empty = |v: &Value| {
            empty(v)
                || v.as_object()
                    .is_some_and(|o| o.values().all(|x| empty(x) || x == ""))
        };
        let mut out = Allowed::new();
        for r in rules
            .iter()
            .filter(|r| !r["action"].as_str().is_some_and(|a| REFUSING.contains(&a)))
        {
            let parts = [&r["args"], &r["includes"], &r["excludes"]];
            // (Each part as written, an empty one as none: `[]`, `{}` and `null` alike.)
            let condition = (!parts.iter().all(|v| empty(v))).then(|| {
                let shown = |v: &&Value| if empty(v) { String::new() } else { v.to_string() };
                parts.iter().map(shown).collect::<Vec<_>>().join(" ")
            });
            let names = r["names"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(std::iter::once(&r["name"]))
                .filter_map(|n| n.as_str().map(str::to_string));
            for n in names {
                out.insert((n, condition.clone()));
            }
        }
        Some(out)
    };
    // (A profile that does not read is refused by the narrowing itself.)
    let (mine, theirs) = (allowed(profile)?, allowed(base)?);
    let wider: std::collections::BTreeSet<&str> = mine
        .iter()
        .filter(|(n, c)| !theirs.contains(&(n.clone(), None)) && !theirs.contains(&(n.clone(), c.clone())))
        .map(|(n, _)| n.as_str())
        .collect();
    let wider: Vec<&str> = wider.into_iter().collect();
    match wider.len() {
        0 => None,
        n if n > 5 => Some(format!("{} and {} more", wider[..5].join(", "), n - 5)),
        _ => Some(wider.join(", ")),
    }
}

/// Whether a rule's part (`args`, `includes`, `excludes`) says nothing: absent, `[]` or `{}`.
fn empty(v: &Value) -> bool {
    v.is_null() || v.as_array().is_some_and(Vec::is_empty) || v.as_object().is_some_and(|o| o.is_empty())
}

/// The first of `paths` that is a file, as podman reads them, and its text ([`read_profile`]):
/// what a build's RUN steps are given, narrowed.
pub fn read_installed(paths: &[&str]) -> Result<(String, Vec<u8>), String> {
    let (path, _) = installed(paths)?;
    read_profile(path).map(|text| (path.to_string(), text))
}

/// The syscalls whose rules this module writes itself.
const OWN: [&str; 6] = ["unshare", "clone", "clone3", "keyctl", "add_key", "request_key"];

/// `profile` (podman's default seccomp profile) with `unshare` and `clone` refused when they
/// ask for a new cgroup namespace and `clone3` answering `ENOSYS`; everything else as it was.
/// Why the text is no profile to change, as an error. The copy is read again to prove that no
/// rule allows one of the three otherwise.
pub fn without_new_cgroup_namespaces(profile: &[u8]) -> Result<Vec<u8>, String> {
    let mut p: Value =
        serde_json::from_slice(profile).map_err(|e| format!("the seccomp profile is not JSON: {e}"))?;
    if let Some(key) = unknown_key(&p) {
        return Err(format!(
            "the seccomp profile has a key the shim does not know ({:?}): podman's reader takes keys in any case, Unicode's too, and a second list under such a key is the one it would read",
            crate::text::lossy(key.as_bytes())
        ));
    }
    // A profile that allows what it does not name is no allow-list to narrow: an operator's
    // allow-everything profile narrowed was every syscall but the shim's few, and `explain` and
    // `doctor` said OK (the look `gv`).
    let default = p["defaultAction"].as_str().unwrap_or("");
    if !REFUSING.contains(&default) {
        return Err(format!(
            "the seccomp profile's defaultAction is {:?}, not a refusal: it allows every syscall it does not name",
            crate::text::lossy(default.as_bytes())
        ));
    }
    let syscalls = p
        .get_mut("syscalls")
        .and_then(Value::as_array_mut)
        .ok_or("the seccomp profile has no `syscalls` list")?;
    // Whether the profile allows `unshare` and `clone` whatever their flags and the container's
    // capabilities, as podman's does. An operator's profile that does not (none, or only with
    // CAP_SYS_ADMIN, or only without namespace flags, as docker's; or allowing by default and
    // refusing them by name) is not widened: `unshare` is refused, and `clone` allowed only
    // without a namespace flag (the thirty-seventh pass's looks: the first narrowing gave both
    // back whole).
    let free = |name: &str| {
        syscalls.iter().any(|r| {
            r["action"] == "SCMP_ACT_ALLOW"
                && r["names"].as_array().is_some_and(|n| n.iter().any(|n| n == name))
                && empty(&r["args"])
                && empty(&r["includes"])
                && empty(&r["excludes"])
        })
    };
    let (unshare, clone) = (free("unshare"), free("clone"));
    for rule in syscalls.iter_mut() {
        let names = rule
            .get_mut("names")
            .and_then(Value::as_array_mut)
            .ok_or("a seccomp rule without a `names` list")?;
        names.retain(|n| !n.as_str().is_some_and(|n| OWN.contains(&n)));
    }
    // An emptied rule would name no syscall: runc refuses such a rule.
    syscalls.retain(|r| r["names"].as_array().is_some_and(|n| !n.is_empty()));
    // `clone`'s flags are its first argument but on s390 and s390x, where they are its second.
    let masked = |index: u32, mask: u64, value: u64| json!({"index": index, "value": mask, "valueTwo": value, "op": "SCMP_CMP_MASKED_EQ"});
    let s390 = json!({"arches": ["s390", "s390x"]});
    if !unshare {
        syscalls.push(json!({"names": ["unshare"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}));
    }
    for (names, index, arches, allowed) in [
        (json!(["unshare"]), 0, None, unshare),
        (json!(["clone"]), 0, Some(("excludes", &s390)), clone),
        (json!(["clone"]), 1, Some(("includes", &s390)), clone),
    ] {
        if names == json!(["unshare"]) && !allowed {
            continue;
        }
        // Allowed: without a new cgroup namespace; in a profile that does not allow them
        // freely, without any new namespace, and each namespace flag refused.
        let refused: Vec<u64> = match allowed {
            true => vec![CLONE_NEWCGROUP],
            false => NAMESPACE_FLAGS.to_vec(),
        };
        let mask = refused.iter().fold(0, |m, f| m | f);
        let mut rules =
            vec![json!({"names": names, "action": "SCMP_ACT_ALLOW", "args": [masked(index, mask, 0)]})];
        for flag in refused {
            rules.push(json!({"names": names, "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [masked(index, flag, flag)]}));
        }
        for mut rule in rules {
            if let Some((key, arches)) = arches {
                rule[key] = arches.clone();
            }
            syscalls.push(rule);
        }
    }
    syscalls.push(json!({"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}));
    syscalls.push(json!({"names": KEYS, "action": "SCMP_ACT_ERRNO", "errnoRet": 1}));
    let out = serde_json::to_vec(&p).map_err(|e| e.to_string())?;
    proved(&out)?;
    Ok(out)
}

/// That every rule of `profile` naming `unshare`, `clone` or `clone3` is one of this module's:
/// refusing, or allowing only without `CLONE_NEWCGROUP`.
fn proved(profile: &[u8]) -> Result<(), String> {
    let p: Value = serde_json::from_slice(profile).map_err(|e| e.to_string())?;
    let fail = || Err("a seccomp rule the shim could not narrow".to_string());
    for rule in p["syscalls"].as_array().into_iter().flatten() {
        let names = rule["names"].as_array().into_iter().flatten();
        if !names.filter_map(Value::as_str).any(|n| OWN.contains(&n)) {
            continue;
        }
        let args = rule["args"].as_array().map_or(&[][..], Vec::as_slice);
        let keys = rule["names"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .any(|n| KEYS.contains(&n));
        // Allowing only where the flags keep CLONE_NEWCGROUP clear (a mask holding it, equal to 0).
        let narrowed = !keys
            && matches!(args, [a] if a["op"] == "SCMP_CMP_MASKED_EQ"
            && a["value"].as_u64().is_some_and(|m| m & CLONE_NEWCGROUP != 0)
            && (a["valueTwo"] == 0 || rule["action"] == "SCMP_ACT_ERRNO"));
        if !(rule["action"] == "SCMP_ACT_ERRNO" || narrowed) {
            return fail();
        }
    }
    Ok(())
}

/// The narrowed copy of podman's profile for a rootful `run`/`create`, kept in `folder` (the
/// shim's hook folder, which only the caller and root can change: podman runs the hook file
/// there as root already). Deriving it costs half a millisecond, every `docker run` would pay
/// it, so the copy is made once per profile, named by the profile's identity (device, inode,
/// size, change time) and this module's format, written as the shim's other private files are
/// (the caller's alone, whole), and found again with two `stat`s: a file there that is not the
/// caller's alone is written afresh. Why not, as an error (the call is refused: fail closed).
pub fn narrowed_file(
    folder: &std::path::Path,
    owner: u32,
    paths: &[&str],
) -> Result<std::path::PathBuf, String> {
    use std::os::unix::fs::MetadataExt;
    let (path, meta) = installed(paths)?;
    let identity = format!(
        "{FORMAT} {path} {} {} {} {}.{}",
        meta.dev(),
        meta.ino(),
        meta.size(),
        meta.ctime(),
        meta.ctime_nsec()
    );
    // Not `.json`: podman reads every such file in a hook folder as a hook.
    let file = folder.join(format!(
        "seccomp-{:016x}.profile",
        crate::fnv::wide(identity.as_bytes())
    ));
    let private = |m: std::fs::Metadata| m.is_file() && m.uid() == owner && m.mode() & 0o022 == 0;
    if std::fs::symlink_metadata(&file).is_ok_and(private) {
        return Ok(file);
    }
    let text = read_profile(path)?;
    let narrowed = without_new_cgroup_namespaces(&text).map_err(|why| format!("{path}: {why}"))?;
    use crate::hostfs::HostFs;
    crate::hostfs::RealFs
        .write_private(&file, &narrowed)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(file)
}

/// The first of `paths` that is a file, as podman reads them, or why there is none.
fn installed<'p>(paths: &[&'p str]) -> Result<(&'p str, std::fs::Metadata), String> {
    paths
        .iter()
        .find_map(|p| std::fs::metadata(p).ok().filter(|m| m.is_file()).map(|m| (*p, m)))
        .ok_or_else(|| format!("podman's seccomp profile is at neither {}", paths.join(" nor ")))
}

/// Why [`narrowed_file`] would refuse, found without writing anything (the first of `paths`,
/// [`PROFILE_PATHS`] but in tests, missing, unreadable or not a profile it can narrow):
/// `explain` asks it, so that it shows the refusal a rootful `run` meets.
pub fn derivable(paths: &[&str]) -> Result<(), String> {
    let (path, text) = read_installed(paths)?;
    without_new_cgroup_namespaces(&text)
        .map(drop)
        .map_err(|why| format!("{path}: {why}"))
}

/// The version of what [`without_new_cgroup_namespaces`] writes: a change to it names new files.
const FORMAT: &str = "narrowed-5";

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of containers-common's profile: one rule allowing most syscalls at once,
    /// `unshare`, `clone` and `clone3` among them, and rules that depend on capabilities.
    const PODMAN_LIKE: &str = r#"{
      "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
      "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
      "syscalls": [
        {"names": ["read", "clone", "clone3", "keyctl", "mount", "unshare", "write"], "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {}, "excludes": {}},
        {"names": ["unshare"], "action": "SCMP_ACT_ALLOW", "args": [], "includes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["clone3"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["setns"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "excludes": {"caps": ["CAP_SYS_ADMIN"]}}
      ]
    }"#;

    fn rules(profile: &[u8]) -> Vec<Value> {
        let p: Value = serde_json::from_slice(profile).unwrap();
        p["syscalls"].as_array().unwrap().clone()
    }

    #[test]
    fn new_cgroup_namespaces_are_refused_and_nothing_else_changes() {
        let out = without_new_cgroup_namespaces(PODMAN_LIKE.as_bytes()).unwrap();
        let p: Value = serde_json::from_slice(&out).unwrap();
        let before: Value = serde_json::from_str(PODMAN_LIKE).unwrap();
        for key in ["defaultAction", "defaultErrnoRet", "archMap"] {
            assert_eq!(p[key], before[key], "{key}");
        }
        let r = rules(&out);
        // The big rule keeps every other name; the rule of `clone3` alone is gone.
        assert_eq!(r[0]["names"], json!(["read", "mount", "write"]));
        assert_eq!(r[0]["comment"], "");
        assert_eq!(r[1]["names"], json!(["setns"]));
        let own: Vec<&Value> = r.iter().skip(2).collect();
        assert_eq!(own.len(), 8, "{own:?}");
        for rule in &own[..6] {
            let a = &rule["args"][0];
            assert_eq!(a["op"], "SCMP_CMP_MASKED_EQ");
            assert_eq!(a["value"], 0x0200_0000);
            match rule["action"].as_str().unwrap() {
                "SCMP_ACT_ALLOW" => assert_eq!(a["valueTwo"], 0),
                "SCMP_ACT_ERRNO" => {
                    assert_eq!(a["valueTwo"], 0x0200_0000);
                    assert_eq!(rule["errnoRet"], 1);
                }
                other => panic!("{other}"),
            }
        }
        // s390's clone takes its flags second.
        assert!(own.iter().any(|r| r["names"] == json!(["clone"])
            && r["args"][0]["index"] == 1
            && r["includes"]["arches"] == json!(["s390", "s390x"])));
        assert_eq!(
            *own[6],
            json!({"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38})
        );
        // The kernel's keyrings, refused (the hundred-and-twentieth look's).
        assert_eq!(
            *own[7],
            json!({"names": ["keyctl", "add_key", "request_key"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1})
        );
    }

    /// An operator's profile that allows no `unshare` (or no `clone`) is not given it back by
    /// the narrowing (the thirty-seventh pass's look).
    #[test]
    fn what_a_profile_refuses_stays_refused() {
        let mut strict: Value = serde_json::from_str(PODMAN_LIKE).unwrap();
        for r in strict["syscalls"].as_array_mut().unwrap() {
            r["names"].as_array_mut().unwrap().retain(|n| n != "unshare");
        }
        strict["syscalls"]
            .as_array_mut()
            .unwrap()
            .retain(|r| !r["names"].as_array().unwrap().is_empty());
        let strict = strict.to_string();
        assert!(!strict.contains("unshare"), "{strict}");
        let out = without_new_cgroup_namespaces(strict.as_bytes()).unwrap();
        let allowed = |name: &str| {
            rules(&out).iter().any(|r| {
                r["action"] == "SCMP_ACT_ALLOW" && r["names"].as_array().unwrap().iter().any(|n| n == name)
            })
        };
        assert!(!allowed("unshare"));
        assert!(allowed("clone"));
        let full = without_new_cgroup_namespaces(PODMAN_LIKE.as_bytes()).unwrap();
        assert!(
            rules(&full)
                .iter()
                .any(|r| r["action"] == "SCMP_ACT_ALLOW" && r["names"] == json!(["unshare"]))
        );
    }

    /// Profiles that allow `unshare` and `clone` only under conditions (docker's: with
    /// CAP_SYS_ADMIN, `clone` without namespace flags) are not widened: `unshare` refused,
    /// `clone` allowed only without a namespace flag (the look `gl`). One that allows by
    /// default and refuses them by name is no allow-list, and refused (the look `gv`).
    #[test]
    fn a_profile_that_conditions_them_is_not_widened() {
        let docker_like = json!({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["clone", "unshare"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
            {"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2114060288u64, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}], "excludes": {"caps": ["CAP_SYS_ADMIN"]}}
        ]});
        let deny_by_name = json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["unshare", "setns"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
            {"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 0, "value": 268435456u64, "valueTwo": 268435456u64, "op": "SCMP_CMP_MASKED_EQ"}]}
        ]});
        assert!(without_new_cgroup_namespaces(deny_by_name.to_string().as_bytes()).is_err());
        for profile in [docker_like] {
            let out = without_new_cgroup_namespaces(profile.to_string().as_bytes()).unwrap();
            let r = rules(&out);
            let named = |name: &str| -> Vec<&Value> {
                r.iter()
                    .filter(|r| r["names"].as_array().unwrap().iter().any(|n| n == name))
                    .collect()
            };
            // `unshare`: refused whole, allowed by no rule.
            assert!(
                named("unshare").iter().all(|r| r["action"] == "SCMP_ACT_ERRNO"),
                "{profile}"
            );
            assert!(named("unshare").iter().any(|r| r["args"].is_null()), "{profile}");
            // `clone`: allowed only with every namespace flag clear; each one refused.
            for rule in named("clone") {
                let a = &rule["args"][0];
                match rule["action"].as_str().unwrap() {
                    "SCMP_ACT_ALLOW" => {
                        assert_eq!(a["value"], 0x7E02_0000u64, "{profile}");
                        assert_eq!(a["valueTwo"], 0);
                    }
                    _ => assert_eq!(a["value"], a["valueTwo"], "{profile}"),
                }
            }
            assert_eq!(named("clone").len(), 2 * 8, "{profile}");
            // (setns, beside unshare in a rule, keeps its rule.)
        }
    }

    #[test]
    fn what_is_no_profile_is_refused() {
        for bad in [
            &b"not json"[..],
            b"{}",
            br#"{"syscalls": [{"action": "SCMP_ACT_ALLOW"}]}"#,
        ] {
            assert!(
                without_new_cgroup_namespaces(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        // The proof refuses a rule that would still allow one of the three.
        assert!(proved(br#"{"syscalls": [{"names": ["unshare"], "action": "SCMP_ACT_ALLOW"}]}"#).is_err());
        assert!(proved(br#"{"syscalls": [{"names": ["clone"], "action": "SCMP_ACT_LOG"}]}"#).is_err());
        assert!(proved(br#"{"syscalls": [{"names": ["clone3"], "action": "SCMP_ACT_ERRNO"}]}"#).is_ok());
        let masked_keyctl = br#"{"syscalls": [{"names": ["keyctl"], "action": "SCMP_ACT_ALLOW", "args": [{"op": "SCMP_CMP_MASKED_EQ", "value": 33554432, "valueTwo": 0}]}]}"#;
        assert!(proved(masked_keyctl).is_err());
        assert!(proved(br#"{"syscalls": [{"names": ["keyctl"], "action": "SCMP_ACT_ALLOW"}]}"#).is_err());
    }

    /// The profile this machine's podman reads, where there is one: it narrows, and stays
    /// podman's otherwise (every syscall it allowed, but the three, still allowed).
    #[test]
    fn the_installed_profile_narrows() {
        let Some(text) = PROFILE_PATHS.iter().find_map(|p| std::fs::read(p).ok()) else {
            return;
        };
        let out = without_new_cgroup_namespaces(&text).unwrap();
        let names = |profile: &[u8]| -> std::collections::BTreeSet<String> {
            rules(profile)
                .iter()
                .filter(|r| r["action"] == "SCMP_ACT_ALLOW" && r["args"].as_array().is_none_or(Vec::is_empty))
                .flat_map(|r| r["names"].as_array().unwrap().clone())
                .map(|n| n.as_str().unwrap().to_string())
                .collect()
        };
        let mut was = names(&text);
        for n in OWN {
            was.remove(n);
        }
        let now = names(&out);
        assert!(
            was.is_subset(&now),
            "{:?}",
            was.difference(&now).collect::<Vec<_>>()
        );
    }

    /// What `explain` is told of a profile a rootful run could not narrow: a missing one, one
    /// that is no JSON profile, and the first file of the list decides (as podman reads them).
    #[test]
    fn a_profile_that_cannot_be_narrowed_is_said() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
        let (missing, bad, good) = (at("missing.json"), at("bad.json"), at("good.json"));
        std::fs::write(&bad, b"not json").unwrap();
        std::fs::write(&good, PODMAN_LIKE).unwrap();
        let e = derivable(&[&missing]).unwrap_err();
        assert!(e.contains("neither") && e.contains("missing.json"), "{e}");
        let e = derivable(&[&missing, &bad, &good]).unwrap_err();
        assert!(e.starts_with(&bad), "{e}");
        derivable(&[&missing, &good, &bad]).unwrap();
    }

    /// A profile that allows by default is refused whatever it names, and one podman's
    /// configuration names may allow nothing podman's default does not (the look `gv`).
    #[test]
    fn a_profile_wider_than_podman_s_is_refused() {
        for default in ["SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", ""] {
            let p = format!(r#"{{"defaultAction": "{default}", "syscalls": []}}"#);
            let e = without_new_cgroup_namespaces(p.as_bytes()).unwrap_err();
            assert!(e.contains("defaultAction"), "{e}");
        }
        let narrower = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}"#;
        assert_eq!(allowed_beyond(narrower.as_bytes(), PODMAN_LIKE.as_bytes()), None);
        let wider = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["read", "ptrace", "kexec_load"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["mount"], "action": "SCMP_ACT_ERRNO"}]}"#;
        assert_eq!(
            allowed_beyond(wider.as_bytes(), PODMAN_LIKE.as_bytes()).as_deref(),
            Some("kexec_load, ptrace")
        );
        // Allowed outright where podman's default allows only under a condition (the look `gw`).
        let conditioned = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["unshare"], "action": "SCMP_ACT_ALLOW", "args": []}]}"#;
        assert_eq!(
            allowed_beyond(
                conditioned.as_bytes(),
                &PODMAN_LIKE
                    .replace(r#""mount", "unshare", "#, r#""mount", "#)
                    .into_bytes()
            )
            .as_deref(),
            Some("unshare")
        );
        let same_condition = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["unshare"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}]}"#;
        assert_eq!(
            allowed_beyond(same_condition.as_bytes(), PODMAN_LIKE.as_bytes()),
            None
        );
        // Under a condition of its own, where the default conditions it otherwise: a condition
        // that always holds widens as much as none (the look `gx`).
        let base = PODMAN_LIKE.replace(r#""mount", "unshare", "#, r#""mount", "#);
        assert_eq!(allowed_beyond(same_condition.as_bytes(), base.as_bytes()), None);
        for condition in [
            r#""includes": {"minKernel": "1.0"}"#,
            r#""includes": {"caps": ["CAP_SYS_CHROOT"]}"#,
            r#""excludes": {"caps": ["CAP_SYS_ADMIN"]}"#,
            r#""args": [{"index": 0, "value": 0, "op": "SCMP_CMP_GE"}]"#,
        ] {
            let p = format!(
                r#"{{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{{"names": ["unshare"], "action": "SCMP_ACT_ALLOW", {condition}}}]}}"#
            );
            assert_eq!(
                allowed_beyond(p.as_bytes(), base.as_bytes()).as_deref(),
                Some("unshare"),
                "{condition}"
            );
        }
        // A key podman's reader folds onto a known one (`ſ`, a long s), or any key not known, is
        // refused: a second list there was what podman read (the look `gw`).
        for odd in [
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [], "ſyscalls": [{"names": ["keyctl"], "action": "SCMP_ACT_ALLOW"}]}"#,
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [], "Syscalls": []}"#,
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "Action": "SCMP_ACT_ALLOW"}]}"#,
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "Op": "x"}]}]}"#,
        ] {
            let e = without_new_cgroup_namespaces(odd.as_bytes()).unwrap_err();
            assert!(e.contains("a key the shim does not know"), "{odd}: {e}");
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("wide.json");
        std::fs::write(&file, wider).unwrap();
        // Judged against podman's default where it is installed (CI installs podman).
        if installed(&PROFILE_PATHS).is_ok() {
            let e = read_profile(file.to_str().unwrap()).unwrap_err();
            assert!(e.contains("ptrace") || e.contains("kexec_load"), "{e}");
        }
    }

    /// The narrowed copy is made once per profile and found again: the same file, unchanged, and
    /// not named `.json` (podman reads every such file in the hook folder as a hook).
    #[test]
    fn the_narrowed_copy_is_made_once() {
        if !PROFILE_PATHS.iter().any(|p| std::path::Path::new(p).is_file()) {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let me = crate::process::euid();
        let first = narrowed_file(dir.path(), me, &PROFILE_PATHS).unwrap();
        assert_eq!(first.extension().unwrap(), "profile");
        let text = std::fs::read(&first).unwrap();
        proved(&text).unwrap();
        let again = narrowed_file(dir.path(), me, &PROFILE_PATHS).unwrap();
        assert_eq!(first, again);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "a temporary file was left"
        );
    }
}
