//! Whether a build's base image carries `ONBUILD` triggers, read from the image's stored
//! configuration.
//!
//! Why: a base image's triggers run as the first steps of every build `FROM` it, unseen in the
//! Containerfile the shim reads, where every RUN flag is refused (`deny.build`). A trigger's
//! `RUN --network=host` runs in the host's network namespace on every podman (the twenty-sixth
//! look's, on 5.4.2: a base made by hand as a `docker-archive`); and on podman before 4.9.4 /
//! 5.0.1 (CVE-2024-1753) a trigger's `RUN --mount=type=bind,from=IMAGE,source=LINK,rw` with
//! `LINK` a symlink to `/` mounts the host's root file system read-write into the build (seen on
//! Debian 12's 4.3.1, rootful and rootless). No build option turns triggers off, and `podman
//! image inspect` cannot show them: its `.Config` is OCI's, which has no `OnBuild`, yet buildah
//! reads `OnBuild` from any image's configuration blob, an OCI image's included. So the blob
//! itself is read, from the storage folder `podman info` names, and any key `OnBuild` (in any
//! case, as Go's JSON decoder matches keys) with a value refuses the build, on every podman.
//!
//! The pure parts (which versions are affected, the blob's file name, the search of its JSON)
//! are here beside the probe that runs podman, so that the whole of the check reads in one place.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Whether a podman of this version runs a build's bind mounts through symlinks out of the
/// image (CVE-2024-1753: fixed in 4.9.4 and 5.0.1). An unknown version is taken as affected.
/// Base images are checked on every podman (a trigger's other RUN flags leave the build's
/// isolation on any version); this says which of the two a refusal guards against.
pub fn affected(version: Option<crate::rewrite::Version>) -> bool {
    match version {
        None => true,
        Some(v) => v < (4, 9, 4) || ((5, 0, 0)..(5, 0, 1)).contains(&v),
    }
}

/// How many `ONBUILD` triggers an image configuration (JSON) carries: the values of every key
/// named `OnBuild` in any case, at any depth (a key Go's decoder could read as the field, and a
/// copy elsewhere counts too: stricter, never looser). Not JSON: an error.
pub fn triggers(config: &[u8]) -> Result<usize, String> {
    let value: serde_json::Value =
        serde_json::from_slice(config).map_err(|e| format!("its configuration is not JSON ({e})"))?;
    Ok(count(&value))
}

fn count(v: &serde_json::Value) -> usize {
    use serde_json::Value;
    match v {
        Value::Object(map) => map
            .iter()
            .map(|(k, x)| {
                let own = if k.eq_ignore_ascii_case("onbuild") {
                    match x {
                        Value::Null => 0,
                        Value::Array(a) => a.len(),
                        _ => 1,
                    }
                } else {
                    0
                };
                own + count(x)
            })
            .sum(),
        Value::Array(items) => items.iter().map(count).sum(),
        _ => 0,
    }
}

/// The file containers/storage keeps an image's configuration in: beneath the storage root,
/// `<driver>-images/<id>/=` and the key (`sha256:<id>`) in base64, as it names a big-data item
/// whose key holds a `:`. `None` for a driver or id that is not plainly a name (never a path).
pub fn config_file(root: &Path, driver: &str, id: &str) -> Option<PathBuf> {
    let plain = |s: &str, ok: fn(u8) -> bool| !s.is_empty() && s.bytes().all(ok);
    if !plain(driver, |b| b.is_ascii_alphanumeric() || b == b'_')
        || id.len() != 64
        || !plain(id, |b| b.is_ascii_hexdigit())
    {
        return None;
    }
    let key = base64(format!("sha256:{id}").as_bytes());
    Some(
        root.join(format!("{driver}-images"))
            .join(id)
            .join(format!("={key}")),
    )
}

/// Standard base64 with padding (RFC 4648), as Go's `base64.StdEncoding` writes it.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Asks the runtime about the images a build starts from, with the environment the build will
/// have (the variables the shim removes before its exec removed here too), so that both see the
/// same storage.
pub struct Probe {
    pub runtime: PathBuf,
    pub remove_env: Vec<&'static str>,
    /// What the policy keeps of the variables not on the runtime's list, when only those and
    /// the listed ones are given ([`crate::runtime::given`]).
    pub keep_env: Option<Vec<String>>,
}

impl Probe {
    /// `Ok` when `container` carries the shim's mark of one it created under enforce
    /// (`io.github.nanoclaw-shim.applied`, `mode=enforce`): a caller's annotations in that
    /// namespace are removed at create, and an image's refused at start. Asked twice before a
    /// container counts as not there, as an image is ([`Probe::check`]). Its full ID on
    /// success: the container is then named by it, so that a rename between this question and
    /// the runtime's lookup cannot put another there (the eighty-eighth look's: the operator's
    /// container renamed to a checked one's name).
    pub fn hardened(&self, container: &str) -> Result<String, String> {
        let format = format!(
            "{{{{.Id}}}} {{{{index .Config.Annotations {:?}}}}}",
            crate::rewrite::annotate::KEY
        );
        let inspect = || self.output(&["container", "inspect", "--format", &format, "--", container]);
        let mark = inspect()
            .or_else(|_| {
                std::thread::sleep(std::time::Duration::from_millis(200));
                inspect()
            })
            .map_err(|_| crate::rewrite::NO_SUCH_CONTAINER.to_string())?;
        let (id, mark) = mark.trim().split_once(' ').unwrap_or((mark.trim(), ""));
        let id_like = id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit());
        if id_like && mark.starts_with("nanoclaw-shim/") && mark.split(' ').any(|w| w == "mode=enforce") {
            return Ok(id.to_string());
        }
        Err(format!(
            "the container was not created through the shim under enforce (it carries no {} mark of one): one made outside it runs the command as privileged as it was made",
            crate::rewrite::annotate::KEY
        ))
    }

    /// `Ok` when `image` is in local storage and carries no trigger; otherwise why not.
    pub fn check(&self, image: &str) -> Result<(), String> {
        // Asked three times, over a second and a fifth, before it counts as missing: podman's
        // storage can fail an inspect while another podman changes it (seen in the test suite's
        // parallel runs, an image removed beside it; twice 200 ms apart once in CI). An image
        // that is not there fails every time, and the build is refused either way; only a
        // refusal waits.
        let inspect = || self.output(&["image", "inspect", "--format", "{{.Id}}", "--", image]);
        let again = |wait: u64| {
            move |_| {
                std::thread::sleep(std::time::Duration::from_millis(wait));
                inspect()
            }
        };
        let id = inspect()
            .or_else(again(200))
            .or_else(again(1000))
            .map_err(|_| {
                format!(
                    "the base image {image} is not in local storage, so its ONBUILD triggers cannot be checked before the build; pull it first (docker pull {image})"
                )
            })?;
        let store = self.output(&[
            "info",
            "--format",
            "{{.Store.GraphRoot}}\n{{.Store.GraphDriverName}}",
        ])?;
        let mut lines = store.lines();
        let (root, driver) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
        let file = config_file(Path::new(root), driver, id.trim())
            .ok_or_else(|| format!("the runtime did not name the storage of {image} plainly"))?;
        let config = crate::hostfs::read_whole(&file).map_err(|e| {
            format!(
                "the configuration of {image} cannot be read ({}: {e})",
                file.display()
            )
        })?;
        match triggers(config.as_bytes())? {
            0 => Ok(()),
            _ => Err(format!(
                "the base image {image} carries ONBUILD triggers, which would run in this build unseen: a trigger's RUN flags leave the build's isolation (--network=host), and on podman before 4.9.4 / 5.0.1 its RUN --mount reaches the host's root file system (CVE-2024-1753)"
            )),
        }
    }

    /// What the runtime prints for `args`, or why it failed.
    /// What the runtime prints for `args`, asked with the exec's environment.
    pub fn output(&self, args: &[&str]) -> Result<String, String> {
        let mut cmd = Command::new(&self.runtime);
        cmd.args(args);
        // As the exec gives it: a name set twice is given its first value, the one the shim
        // judged (`Command::env` keeps the last: the forty-fifth look's second `HOME` named a
        // `containers.conf` whose conmon ran on the host, from this very probe).
        crate::runtime::give_env(&mut cmd, &self.remove_env, self.keep_env.as_deref());
        cmd.env(crate::runtime::REENTRY_ENV, std::process::id().to_string())
            .stdin(Stdio::null())
            .stderr(Stdio::null());
        let out = cmd
            .output()
            .map_err(|e| format!("{} {} failed: {e}", self.runtime.display(), args[0]))?;
        if !out.status.success() {
            return Err(format!(
                "{} {} failed ({})",
                self.runtime.display(),
                args[0],
                out.status
            ));
        }
        String::from_utf8(out.stdout)
            .map_err(|_| format!("{} {} printed other than UTF-8", self.runtime.display(), args[0]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affected_versions_are_those_before_the_fix() {
        assert!(affected(Some((4, 3, 1))));
        assert!(affected(Some((4, 9, 3))));
        assert!(!affected(Some((4, 9, 4))));
        assert!(affected(Some((5, 0, 0))));
        assert!(!affected(Some((5, 0, 1))));
        assert!(!affected(Some((5, 4, 2))));
        assert!(affected(None), "an unknown version is taken as affected");
    }

    #[test]
    fn triggers_are_counted_in_any_case_at_any_depth() {
        let none = br#"{"config":{"OnBuild":null,"Env":["A=1"]},"history":[]}"#;
        assert_eq!(triggers(none), Ok(0));
        assert_eq!(triggers(br#"{"config":{"OnBuild":[]}}"#), Ok(0));
        let docker =
            br#"{"config":{"OnBuild":["RUN --mount=type=bind,from=l,source=/link,target=/h,rw true"]}}"#;
        assert_eq!(triggers(docker), Ok(1));
        // Go's decoder matches keys without regard to case; a copy anywhere counts.
        assert_eq!(triggers(br#"{"config":{"onbuild":["RUN a","RUN b"]}}"#), Ok(2));
        assert_eq!(triggers(br#"{"Config":{"ONBUILD":["RUN a"]}}"#), Ok(1));
        assert_eq!(triggers(br#"{"container_config":{"OnBuild":["RUN a"]}}"#), Ok(1));
        // A key spelt with an escape is the same key once decoded.
        assert_eq!(triggers(br#"{"config":{"On\u0042uild":["RUN a"]}}"#), Ok(1));
        // A value that is not a list is still a value.
        assert_eq!(triggers(br#"{"config":{"OnBuild":"RUN a"}}"#), Ok(1));
        // Mentioned in a string is not a trigger.
        assert_eq!(triggers(br#"{"history":[{"created_by":"OnBuild"}]}"#), Ok(0));
        assert!(triggers(b"not json").is_err());
    }

    #[test]
    fn the_config_file_is_named_as_containers_storage_names_it() {
        let id = "73b39fa93ef8f0a0c1f1e4d1b5d0f4a5b0c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0";
        let f = config_file(Path::new("/var/lib/containers/storage"), "overlay", id).unwrap();
        let key = base64(format!("sha256:{id}").as_bytes());
        assert_eq!(
            f,
            Path::new("/var/lib/containers/storage/overlay-images")
                .join(id)
                .join(format!("={key}"))
        );
        // Never a path out of the storage folder.
        assert_eq!(config_file(Path::new("/s"), "../x", id), None);
        assert_eq!(config_file(Path::new("/s"), "overlay", "../../etc"), None);
        assert_eq!(config_file(Path::new("/s"), "", id), None);
    }

    #[test]
    fn base64_is_the_standard_alphabet_with_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"sha256:"), "c2hhMjU2Og==");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }
}
