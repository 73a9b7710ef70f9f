//! A policy file's parse, remembered: a `docker` call under an edited policy reads the compiled
//! [`Policy`] instead of parsing TOML again.
//!
//! The shipped default is never parsed (a verbatim copy is recognised byte for byte), but any
//! edit, even a comment, made every call parse and validate the file: about 330 k instructions,
//! 0.11 ms, a seventh of a call. The parse is a pure function of the file's text, so its result
//! can be kept beside the text it came from and reused while the text is the same.
//!
//! What makes reuse safe:
//! - the memory holds the policy's full text and is used only when that text equals, byte for
//!   byte, the text just read from the policy file (which passed the trust check first); the
//!   file name's hash only spreads policies over files;
//! - it is used only by the build that wrote it (the binary's identity, as for the host-path
//!   memory), so a change to the format or to what parsing means cannot meet an old answer;
//! - it is read only when the caller owns it and nobody else may write it, in the shim's cache
//!   folder, which the host-exec list refuses to any writable mount: whoever can forge it can
//!   already write the caller's own policy, which takes precedence over the system's;
//! - anything unexpected in it (a short read, a tag out of range, bytes left over) is a miss,
//!   and the file is parsed as if nothing were remembered.
//!
//! The encoding is positional and private to one build: every field in declaration order,
//! integers little-endian, strings and lists length-prefixed.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use super::{
    CommandsPolicy, Deny, DenyList, Flavor, Hardening, Limits, Log, Mode, PodmanCompat, Policy, Profile,
    Rules, Runtime, Tmpfs,
};
use crate::glob::Glob;
use crate::hostfs::HostFs;
use crate::hostmemo::Memory;
use crate::rules::Rule;
use crate::units::NanoCpus;

/// The name compiled policies are remembered under (with a hash of the build and the policy
/// file's path).
pub const POLICIES: &str = "policy";

const MAGIC: &[u8] = b"nanoclaw-shim compiled policy 2\n";

/// The policy compiled from `text`, when `memory` holds it for this build and this exact text.
pub fn recall(fs: &dyn HostFs, memory: &Memory, file: &Path, text: &str) -> Option<Policy> {
    let build = memory.build()?;
    let bytes = fs.read_private(&memory_file(memory, build, file), memory.owner)?;
    let mut r = Reader(bytes.strip_prefix(MAGIC)?);
    if r.bytes()? != build || r.bytes()? != text.as_bytes() {
        return None;
    }
    decode(r.0)
}

/// Remembers that `text` compiles to `policy`; returns the file written, or why not.
pub fn remember(
    fs: &dyn HostFs,
    memory: &Memory,
    file: &Path,
    text: &str,
    policy: &Policy,
) -> Result<PathBuf, String> {
    let build = memory.build().ok_or("the shim's binary cannot be looked at")?;
    let mut w = Writer(MAGIC.to_vec());
    w.bytes(build);
    w.bytes(text.as_bytes());
    w.0.extend_from_slice(&encode(policy));
    let path = memory_file(memory, build, file);
    fs.write_private(&path, &w.0).map_err(|e| e.to_string())?;
    fs.prune(&memory.dir, &format!("{POLICIES}."), crate::hostmemo::KEPT_FILES);
    Ok(path)
}

/// Where the compiled form of the policy at `file` is kept for `build`: named by both, so that
/// two builds in use at once (an upgrade under way) do not overwrite each other's on every call.
fn memory_file(memory: &Memory, build: &[u8], file: &Path) -> PathBuf {
    let mut key = build.to_vec();
    key.push(0);
    key.extend_from_slice(file.as_os_str().as_encoded_bytes());
    memory.file(POLICIES, &key)
}

/// The encoding of `policy`, as [`remember`] stores it after the build and the text.
pub fn encode(policy: &Policy) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.policy(policy);
    w.0
}

/// The policy `bytes` encode, or `None` when they are not exactly one encoded policy (what
/// [`recall`] reads after the build and the text).
pub fn decode(bytes: &[u8]) -> Option<Policy> {
    let mut r = Reader(bytes);
    let policy = r.policy()?;
    r.0.is_empty().then_some(policy)
}

struct Writer(Vec<u8>);

impl Writer {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn flag(&mut self, v: bool) {
        self.u8(v.into());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    fn opt_u64(&mut self, v: Option<u64>) {
        self.flag(v.is_some());
        self.u64(v.unwrap_or(0));
    }
    fn opt_bytes(&mut self, v: Option<&[u8]>) {
        self.flag(v.is_some());
        self.bytes(v.unwrap_or_default());
    }
    fn strs<S: AsRef<str>>(&mut self, list: &[S]) {
        self.u64(list.len() as u64);
        for s in list {
            self.bytes(s.as_ref().as_bytes());
        }
    }
    fn mode(&mut self, m: Option<Mode>) {
        self.u8(match m {
            None => 0,
            Some(Mode::Enforce) => 1,
            Some(Mode::Audit) => 2,
            Some(Mode::Off) => 3,
        });
    }

    fn policy(&mut self, p: &Policy) {
        let Policy {
            mode,
            runtime:
                Runtime {
                    binary,
                    flavor,
                    keep_environment,
                },
            commands: CommandsPolicy { allow, deny },
            rules,
            profiles,
            log: Log { path },
        } = p;
        self.mode(Some(*mode));
        self.bytes(binary.as_bytes());
        self.u8(match flavor {
            None => 0,
            Some(Flavor::Podman) => 1,
            Some(Flavor::Docker) => 2,
        });
        self.strs(keep_environment);
        self.strs(allow);
        self.strs(deny);
        self.rules(rules, &Rules::default());
        self.u64(profiles.len() as u64);
        for profile in profiles {
            let Profile {
                name,
                image,
                container,
                labels,
                mode,
                exempt,
                rules,
            } = profile;
            self.bytes(name.as_bytes());
            self.opt_bytes(image.as_ref().map(|g| g.as_str().as_bytes()));
            self.opt_bytes(container.as_ref().map(|g| g.as_str().as_bytes()));
            self.u64(labels.len() as u64);
            for (k, v) in labels {
                self.bytes(k.as_bytes());
                self.opt_bytes(v.as_deref().map(str::as_bytes));
            }
            self.mode(*mode);
            self.flag(*exempt);
            self.rules(rules, &p.rules);
        }
        self.opt_bytes(path.as_ref().map(|p| p.as_os_str().as_encoded_bytes()));
    }

    /// `r`, its deny lists written only where they differ from `base`'s (a profile starts from
    /// the global rules, the global rules from the defaults: most lists are the same).
    fn rules(&mut self, r: &Rules, base: &Rules) {
        let Rules {
            hardening,
            limits,
            deny,
            podman,
        } = r;
        let Hardening {
            read_only,
            no_new_privileges,
            drop_capabilities,
            allowed_capabilities,
            tmpfs,
            shm_size,
            keep_capabilities,
            init,
            no_healthcheck,
            shadow_repositories,
        } = hardening;
        self.flag(*read_only);
        self.flag(*no_new_privileges);
        self.strs(drop_capabilities);
        self.strs(allowed_capabilities);
        self.u64(tmpfs.len() as u64);
        for Tmpfs {
            path,
            size,
            mode,
            exec,
        } in tmpfs
        {
            self.bytes(path.as_bytes());
            self.opt_u64(*size);
            self.opt_u64(mode.map(u64::from));
            self.flag(*exec);
        }
        self.opt_u64(*shm_size);
        self.strs(keep_capabilities);
        self.flag(*init);
        self.flag(*no_healthcheck);
        self.flag(*shadow_repositories);
        let Limits {
            cpus,
            memory,
            pids,
            shm_size,
            tmpfs_size,
            refuse_unenforced,
            health_interval,
            log_size,
            open_files,
        } = limits;
        self.opt_u64(cpus.map(|c| c.0));
        self.opt_u64(*memory);
        self.opt_u64(*pids);
        self.opt_u64(*shm_size);
        self.opt_u64(*tmpfs_size);
        self.flag(*refuse_unenforced);
        self.opt_u64(*health_interval);
        self.opt_u64(*log_size);
        self.opt_u64(*open_files);
        let Deny { on, lists } = deny;
        self.u64(on.len() as u64);
        for rule in on.iter() {
            let at = Rule::ALL
                .iter()
                .position(|r| *r == rule)
                .expect("every rule is in Rule::ALL");
            self.u64(at as u64);
        }
        for (list, base) in lists.iter().zip(&base.deny.lists) {
            self.flag(list != base);
            if list != base {
                self.strs(list);
            }
        }
        let PodmanCompat {
            keep_id,
            keep_id_user,
            host_gateway,
            host_loopback,
            host_loopback_ports,
            rootful_gateway,
            verify_mounts,
            network_pools,
        } = podman;
        self.flag(*keep_id);
        self.u64(keep_id_user.0.into());
        self.u64(keep_id_user.1.into());
        self.flag(*host_gateway);
        self.flag(*host_loopback);
        self.u64(host_loopback_ports.len() as u64);
        for p in host_loopback_ports {
            self.u64((*p).into());
        }
        self.bytes(rootful_gateway.as_bytes());
        self.flag(*verify_mounts);
        self.u64(network_pools.len() as u64);
        for n in network_pools {
            self.u64(n.addr.into());
            self.u64(n.len.into());
        }
    }
}

struct Reader<'b>(&'b [u8]);

impl<'b> Reader<'b> {
    fn take(&mut self, n: usize) -> Option<&'b [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn flag(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
    fn len(&mut self) -> Option<usize> {
        // No count can exceed the bytes left: a forged length fails here, not in an allocation.
        usize::try_from(self.u64()?).ok().filter(|&n| n <= self.0.len())
    }
    fn bytes(&mut self) -> Option<&'b [u8]> {
        let n = self.len()?;
        self.take(n)
    }
    fn string(&mut self) -> Option<String> {
        std::str::from_utf8(self.bytes()?).ok().map(str::to_owned)
    }
    // Only the one encoding the writer makes is read (an absent value's bytes are zero, rules
    // come in ascending order): a decoded policy encodes back to exactly the bytes it came from.
    fn opt_u64(&mut self) -> Option<Option<u64>> {
        let some = self.flag()?;
        let v = self.u64()?;
        (some || v == 0).then_some(some.then_some(v))
    }
    fn opt_string(&mut self) -> Option<Option<String>> {
        let some = self.flag()?;
        let s = self.string()?;
        (some || s.is_empty()).then_some(some.then_some(s))
    }
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let n = self.len()?;
        (0..n).map(|_| item(self)).collect()
    }
    fn strs(&mut self) -> Option<Vec<String>> {
        self.list(Self::string)
    }
    fn mode(&mut self) -> Option<Option<Mode>> {
        Some(match self.u8()? {
            0 => None,
            1 => Some(Mode::Enforce),
            2 => Some(Mode::Audit),
            3 => Some(Mode::Off),
            _ => return None,
        })
    }
    fn glob(&mut self) -> Option<Option<Glob>> {
        match self.opt_string()? {
            None => Some(None),
            Some(pattern) => Glob::new(&pattern).ok().map(Some),
        }
    }

    fn policy(&mut self) -> Option<Policy> {
        let mode = self.mode()??;
        let binary = self.string()?;
        let flavor = match self.u8()? {
            0 => None,
            1 => Some(Flavor::Podman),
            2 => Some(Flavor::Docker),
            _ => return None,
        };
        let keep_environment = self.strs()?;
        let commands = CommandsPolicy {
            allow: self.strs()?,
            deny: self.strs()?,
        };
        let rules = self.rules(Rules::default())?;
        let profiles = self.list(|r| {
            Some(Profile {
                name: r.string()?,
                image: r.glob()?,
                container: r.glob()?,
                labels: r.list(|r| Some((r.string()?, r.opt_string()?)))?,
                mode: r.mode()?,
                exempt: r.flag()?,
                rules: r.rules(rules.clone())?,
            })
        })?;
        let path = self.opt_string()?.map(PathBuf::from);
        Some(Policy {
            mode,
            runtime: Runtime {
                binary,
                flavor,
                keep_environment,
            },
            commands,
            rules,
            profiles,
            log: Log { path },
        })
    }

    /// The rules as written, each deny list not written taken from `base` (moved: the top
    /// level's base is the defaults, built once, where a clone of them cost more than the rest of
    /// the lists' decoding).
    fn rules(&mut self, mut base: Rules) -> Option<Rules> {
        let hardening = Hardening {
            read_only: self.flag()?,
            no_new_privileges: self.flag()?,
            drop_capabilities: self.strs()?,
            allowed_capabilities: self.strs()?,
            tmpfs: self.list(|r| {
                Some(Tmpfs {
                    path: r.string()?,
                    size: r.opt_u64()?,
                    mode: match r.opt_u64()? {
                        Some(m) => Some(u32::try_from(m).ok()?),
                        None => None,
                    },
                    exec: r.flag()?,
                })
            })?,
            shm_size: self.opt_u64()?,
            keep_capabilities: self.strs()?,
            init: self.flag()?,
            no_healthcheck: self.flag()?,
            shadow_repositories: self.flag()?,
        };
        let limits = Limits {
            cpus: self.opt_u64()?.map(NanoCpus),
            memory: self.opt_u64()?,
            pids: self.opt_u64()?,
            shm_size: self.opt_u64()?,
            tmpfs_size: self.opt_u64()?,
            refuse_unenforced: self.flag()?,
            health_interval: self.opt_u64()?,
            log_size: self.opt_u64()?,
            open_files: self.opt_u64()?,
        };
        let on = self.list(|r| usize::try_from(r.u64()?).ok())?;
        if on.windows(2).any(|w| w[0] >= w[1]) {
            return None;
        }
        let on = on
            .into_iter()
            .map(|i| Rule::ALL.get(i).copied())
            .collect::<Option<Vec<_>>>()?;
        let mut lists: [Vec<Cow<'static, str>>; DenyList::ALL.len()] = Default::default();
        for (list, base) in lists.iter_mut().zip(&mut base.deny.lists) {
            *list = if self.flag()? {
                let own = self.list(|r| r.string().map(Cow::Owned))?;
                // Written only when it differs: the same list here is not this encoding.
                if own == *base {
                    return None;
                }
                own
            } else {
                std::mem::take(base)
            };
        }
        let deny = Deny {
            on: on.into_iter().collect(),
            lists,
        };
        let podman = PodmanCompat {
            keep_id: self.flag()?,
            keep_id_user: (u32::try_from(self.u64()?).ok()?, u32::try_from(self.u64()?).ok()?),
            host_gateway: self.flag()?,
            host_loopback: self.flag()?,
            host_loopback_ports: self.list(|r| u16::try_from(r.u64()?).ok())?,
            rootful_gateway: self.string()?,
            verify_mounts: self.flag()?,
            network_pools: self.list(|r| {
                Some(crate::subnet::Net {
                    addr: u32::try_from(r.u64()?).ok()?,
                    len: u8::try_from(r.u64()?).ok().filter(|&l| l <= 32)?,
                })
            })?,
        };
        Some(Rules {
            hardening,
            limits,
            deny,
            podman,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hostfs::RealFs;
    use proptest::prelude::*;

    /// Every policy the repository holds (shipped, examples, fixtures, bench templates),
    /// parsed; the default among them.
    fn known_policies() -> Vec<(String, Policy)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut found = vec![("default".to_string(), Policy::default())];
        let mut dirs = vec![
            root.join("policy"),
            root.join("fixtures"),
            root.join("docs"),
            root.join("benches"),
        ];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "toml") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    if let Ok((policy, _)) = super::super::parse(&text, &p.display().to_string()) {
                        found.push((p.display().to_string(), policy));
                    }
                }
            }
        }
        found
    }

    #[test]
    fn every_known_policy_survives_the_round_trip() {
        let policies = known_policies();
        assert!(policies.len() >= 3, "found only {} policies", policies.len());
        for (name, policy) in &policies {
            assert_eq!(decode(&encode(policy)).as_ref(), Some(policy), "{name}");
        }
    }

    #[test]
    fn a_policy_with_every_part_set_survives_the_round_trip() {
        let text = r#"
mode = "audit"
[runtime]
binary = "/usr/bin/podman"
flavor = "podman"
[commands]
allow = ["cp", "volume create --opt"]
deny = ["events"]
[hardening]
read_only = false
drop_capabilities = ["ALL"]
keep_capabilities = ["CHOWN"]
shm_size = "64m"
[[hardening.tmpfs]]
path = "/run"
size = "16m"
mode = "0755"
[limits]
cpus = 1.5
memory = "off"
pids = 99
[deny]
privileged = false
add_credential_names = ["token.txt"]
add_writable_roots = ["/srv/agents"]
[podman]
host_loopback_ports = [8080, 10255]
[log]
path = "~/decisions.log"
[[profile]]
name = "browser"
match.image = "agent-*"
match.container = "nc-*"
match.labels = ["tier=web", "any"]
mode = "enforce"
[profile.limits]
memory = "8g"
[profile.deny]
add_sensitive_paths = ["/srv/secret"]
[[profile]]
name = "trusted"
match.image = "tools:*"
exempt = true
"#;
        let policy = match super::super::parse(text, "t.toml") {
            Ok((p, _)) => p,
            Err(e) => panic!("{e}"),
        };
        assert_ne!(policy, Policy::default());
        let p = &policy.profiles[0].rules.deny;
        assert!(
            p.list(DenyList::SensitivePaths)
                .iter()
                .any(|e| e == "/srv/secret")
        );
        assert_eq!(decode(&encode(&policy)), Some(policy));
    }

    #[test]
    fn damaged_encodings_are_misses_not_policies() {
        let bytes = encode(&known_policies().pop().unwrap().1);
        assert_eq!(decode(&bytes[..bytes.len() - 1]), None, "short");
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer), None, "bytes left over");
        let mut bad_mode = bytes.clone();
        bad_mode[0] = 9;
        assert_eq!(decode(&bad_mode), None, "tag out of range");
    }

    proptest! {
        /// No byte string, however forged, decodes into anything but a policy or nothing (and
        /// never panics or allocates beyond its length).
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode(&bytes);
        }

        /// Any single byte changed in an encoding gives a miss or a policy that encodes back to
        /// exactly those bytes: nothing is silently read differently from what was written.
        #[test]
        fn a_changed_byte_is_a_miss_or_what_it_says(at in any::<prop::sample::Index>(), to in any::<u8>()) {
            let mut bytes = encode(&Policy::default());
            let i = at.index(bytes.len());
            bytes[i] = to;
            if let Some(p) = decode(&bytes) {
                prop_assert_eq!(encode(&p), bytes);
            }
        }
    }

    #[test]
    fn recalled_only_for_the_same_build_and_the_same_text() {
        let dir = tempfile::tempdir().unwrap();
        let owner = crate::process::euid();
        let memory = Memory::of_build(dir.path().join("cache"), owner, b"build-1");
        let file = Path::new("/etc/nanoclaw-shim/policy.toml");
        let text = "mode = \"audit\"\n";
        let (policy, _) = super::super::parse(text, "p").unwrap();
        assert_eq!(
            recall(&RealFs, &memory, file, text),
            None,
            "nothing remembered yet"
        );
        remember(&RealFs, &memory, file, text, &policy).unwrap();
        assert_eq!(recall(&RealFs, &memory, file, text), Some(policy.clone()));
        assert_eq!(
            recall(&RealFs, &memory, file, "mode = \"off\"\n"),
            None,
            "other text"
        );
        assert_eq!(
            recall(&RealFs, &memory, file, "mode = \"audit\"\n#\n"),
            None,
            "longer text"
        );
        let other = Memory::of_build(dir.path().join("cache"), owner, b"build-2");
        assert_eq!(recall(&RealFs, &other, file, text), None, "other build");
        // Each build keeps its own file: the other's writing does not displace this one's.
        remember(&RealFs, &other, file, text, &policy).unwrap();
        assert_eq!(recall(&RealFs, &memory, file, text), Some(policy.clone()));
        assert_eq!(recall(&RealFs, &other, file, text), Some(policy.clone()));
        assert_eq!(
            recall(&RealFs, &memory, Path::new("/elsewhere.toml"), text),
            None,
            "other file"
        );
    }

    #[test]
    fn a_memory_others_may_write_is_not_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let owner = crate::process::euid();
        let memory = Memory::of_build(dir.path().to_path_buf(), owner, b"b");
        let file = Path::new("/p.toml");
        let text = "mode = \"audit\"\n";
        let (policy, _) = super::super::parse(text, "p").unwrap();
        let written = remember(&RealFs, &memory, file, text, &policy).unwrap();
        std::fs::set_permissions(&written, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(recall(&RealFs, &memory, file, text), None);
        let someone_else = Memory::of_build(dir.path().to_path_buf(), owner + 1, b"b");
        std::fs::set_permissions(&written, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            recall(&RealFs, &someone_else, file, text),
            None,
            "not the caller's file"
        );
    }
}
