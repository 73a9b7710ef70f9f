//! End-to-end against REAL podman, rootful and rootless: the built binary installed as `docker`
//! first on `PATH`, driven with the exact argv of every nanoclaw generation
//! (`fixtures/nanoclaw/*.json`), the fixture image `localhost/nanoclaw-shim-fixture:latest` in
//! place of nanoclaw's agent image and temporary folders in place of the host paths. What the
//! container allowed is read from the fixture's JSON report (`fixtures/image/README.md`).
//!
//! The machine is prepared by `sudo .ci/podman-setup.sh`, which records what the tests need in
//! `/etc/nanoclaw-shim-ci/env`: the `CONTAINERS_CONF` rootful podman needs here, the rootless
//! user (run as `runuser -u USER -- env -i ... docker ...` from `/`), the cgroup version and
//! whether rootless podman can apply resource limits. The tests run as root.
//!
//! When podman or the fixture image is missing every test says so loudly on stderr and skips;
//! with `NANOCLAW_SHIM_REQUIRE_PODMAN=1` (CI) it fails instead. Every container a test creates
//! carries the test's own tag in its name and is removed when the test ends, pass or fail.
//!
//! Expectations that depend on the shim's podman compatibility work (rootless
//! `--userns=keep-id:uid=U,gid=G`; `host-gateway` translated on podman < 4.7) are written as
//! the behaviour nanoclaw needs, not as what a given build happens to do.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, TcpListener};
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

use nanoclaw_shim::process::{self, Ending};
use nanoclaw_shim::units::NanoCpus;
use nanoclaw_shim::verify::checks;
use serde_json::Value;

const IMAGE: &str = "localhost/nanoclaw-shim-fixture:latest";
/// The machine facts written by `.ci/podman-setup.sh` (podman 4.3 on the host).
const DEFAULT_ENV_FILE: &str = "/etc/nanoclaw-shim-ci/env";
/// Points the suite at another environment's facts: `.ci/podman5-exec` sets it to
/// `/etc/nanoclaw-shim-ci/env5` (podman 5, inside its own namespaces; `.ci/podman5-setup.sh`).
const ENV_FILE_VAR: &str = "NANOCLAW_SHIM_E2E_ENV";
const REQUIRE: &str = "NANOCLAW_SHIM_REQUIRE_PODMAN";
const TIMEOUT: Duration = Duration::from_secs(120);
/// Written into a project's `.env` that nanoclaw shadows with `/dev/null`.
const SHADOWED: &str = "ANTHROPIC_API_KEY=sk-shadowed-by-dev-null";
/// The default policy drops every capability but SYS_CHROOT (Chromium's sandbox needs it).
const KEPT_CAPS: &str = SYS_CHROOT_ONLY;
const SYSTEM_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const USER_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// The policy's limits as the fixture reads them back.
const PIDS: &str = "256";
const MEMORY: &str = "4294967296";
const CPU_QUOTA: &str = "200000";
const CPU_PERIOD: &str = "100000";

/// Written to the real stderr: the test harness captures `eprintln!` of passing tests, and a
/// skip or a limitation must never be silent.
fn loud(msg: &str) {
    let bar = "=".repeat(78);
    let _ = writeln!(std::io::stderr().lock(), "\n{bar}\n{msg}\n{bar}");
}

// ------------------------------------------------------------------ machine facts ---

fn ci_env() -> &'static HashMap<String, String> {
    static ENV: OnceLock<HashMap<String, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let path = env_file();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            // An environment chosen by name must exist: silently testing the host's podman
            // instead would be a lie.
            Err(e) if std::env::var_os(ENV_FILE_VAR).is_some() => {
                panic!("{ENV_FILE_VAR}={path} cannot be read: {e}")
            }
            Err(_) => String::new(),
        };
        text.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect()
    })
}

fn env_file() -> String {
    std::env::var(ENV_FILE_VAR)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_ENV_FILE.to_string())
}

fn euid() -> u32 {
    process::euid()
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    process::path_dirs(SYSTEM_PATH.as_ref())
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Rootful,
    Rootless,
}

impl Mode {
    fn label(self) -> &'static str {
        match self {
            Mode::Rootful => "rootful",
            Mode::Rootless => "rootless",
        }
    }
}

/// The rootless user from the env file.
#[derive(Debug, Clone)]
struct User {
    name: String,
    uid: u32,
    gid: u32,
    home: String,
    xdg: String,
}

fn rootless_user() -> Result<User, String> {
    let e = ci_env();
    let get = |k: &str| {
        e.get(k)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| format!("{} has no {k} (run `sudo .ci/podman-setup.sh`)", env_file()))
    };
    let num = |k: &str| get(k)?.parse::<u32>().map_err(|e| format!("{k}: {e}"));
    Ok(User {
        name: get("ROOTLESS_USER")?,
        uid: num("ROOTLESS_UID")?,
        gid: num("ROOTLESS_GID")?,
        home: get("ROOTLESS_HOME")?,
        xdg: get("ROOTLESS_XDG_RUNTIME_DIR")?,
    })
}

/// The shim binary where the rootless user can reach it (the build folder may not be
/// traversable): hard-linked (or copied) into `dir`, with `docker` pointing at it and the
/// repository's default policy next to it.
fn install_shim(dir: &Path) {
    std::fs::create_dir(dir).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let exe = dir.join("nanoclaw-shim");
    let built = *crate::support::BIN;
    if std::fs::hard_link(built, &exe).is_err() {
        std::fs::copy(built, &exe).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    symlink("nanoclaw-shim", dir.join("docker")).unwrap();
    let policy = dir.join("policy.toml");
    // The shipped policy, with the names the tests' builds write (`Rig::image_tag`) writable.
    let shipped =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("policy/default.toml")).unwrap();
    let rig_names = shipped.replace(
        "\nadd_writable_images = []\n",
        "\nadd_writable_images = [\"localhost/e2e*\"]\n",
    );
    assert_ne!(
        rig_names, shipped,
        "policy/default.toml has no `add_writable_images = []` line"
    );
    std::fs::write(&policy, rig_names).unwrap();
    std::fs::set_permissions(&policy, std::fs::Permissions::from_mode(0o644)).unwrap();
}

/// Whether `mode` can run here; checked once per process.
fn availability(mode: Mode) -> &'static Result<(), String> {
    static ROOTFUL: OnceLock<Result<(), String>> = OnceLock::new();
    static ROOTLESS: OnceLock<Result<(), String>> = OnceLock::new();
    let cell = match mode {
        Mode::Rootful => &ROOTFUL,
        Mode::Rootless => &ROOTLESS,
    };
    cell.get_or_init(|| check_available(mode))
}

fn check_available(mode: Mode) -> Result<(), String> {
    if euid() != 0 {
        return Err(format!(
            "the real-podman tests run as root (rootful podman, and runuser for rootless); euid is {}",
            euid()
        ));
    }
    if find_on_path("podman").is_none() {
        return Err("podman is not installed".into());
    }
    if mode == Mode::Rootless {
        rootless_user()?;
        if find_on_path("runuser").is_none() {
            return Err("runuser is not installed".into());
        }
    }
    let probe = Rig::bare(mode);
    let out = probe.run("podman", &strs(&["image", "exists", IMAGE]), None);
    if out.code != Some(0) {
        return Err(format!(
            "the fixture image {IMAGE} is not in the {} store ({}); build it with fixtures/image/build.sh",
            mode.label(),
            out.describe()
        ));
    }
    Ok(())
}

// ------------------------------------------------------------------ running things ---

#[derive(Debug)]
struct Out {
    code: Option<i32>,
    ending: Ending,
    stdout: String,
    stderr: String,
}

impl Out {
    fn ok(&self) -> bool {
        self.code == Some(0)
    }

    fn describe(&self) -> String {
        format!(
            "{}\n--- stdout\n{}\n--- stderr\n{}",
            self.ending,
            self.stdout.chars().take(4000).collect::<String>(),
            self.stderr.chars().take(4000).collect::<String>()
        )
    }
}

/// Feeds stdin, collects the output, kills the child (ours) when it outlives `timeout`: the
/// library's runner, with a timeout failing the test.
fn finish(child: Child, stdin: Option<Vec<u8>>, timeout: Duration, what: &str) -> Out {
    let o = process::wait(child, stdin, timeout, &process::never);
    match o.ending {
        Ending::TimedOut(_) => panic!("timed out after {}s: {what}", timeout.as_secs()),
        Ending::Failed(why) => panic!("{what}: {why}"),
        _ => {}
    }
    Out {
        code: o.code(),
        ending: o.ending,
        stdout: o.stdout,
        stderr: o.stderr,
    }
}

/// `Command::spawn`, again (up to 20 times, 50 ms apart) while the kernel says ETXTBSY. Where
/// `install_shim` must COPY the shim (no hard link across mounts, e.g. inside the podman 5
/// namespace, where the target dir is a bind mount), a child another test thread forked while
/// the copy was open for writing holds that write descriptor until its exec, and exec'ing the
/// fresh copy meanwhile fails with "Text file busy" (seen once in ~10 podman 5 runs).
fn spawn(c: &mut Command) -> std::io::Result<Child> {
    let mut tries = 0;
    loop {
        match c.spawn() {
            Err(e) if e.raw_os_error() == Some(26) && tries < 20 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            r => return r,
        }
    }
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The JSON report between the sentinels, found as `verify` finds it.
fn report(out: &Out) -> Value {
    let json =
        checks::framed_json(&out.stdout).unwrap_or_else(|| panic!("no report on stdout: {}", out.describe()));
    serde_json::from_str(json).unwrap_or_else(|e| panic!("bad report JSON ({e}): {}", out.describe()))
}

fn fixture_argv(name: &str) -> Vec<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/nanoclaw/{name}.json"));
    let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    v["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// The last value of `flag` in an argv, spelled `--flag=v` or `--flag v`.
fn last_value(argv: &[String], flag: &str) -> Option<String> {
    let mut found = None;
    for (i, t) in argv.iter().enumerate() {
        if t == flag {
            found = argv.get(i + 1).cloned();
        } else if let Some(v) = t.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
            found = Some(v.to_string());
        }
    }
    found
}

/// A bind mount of an adapted argv.
#[derive(Debug, Clone)]
struct Mount {
    host: PathBuf,
    target: String,
    ro: bool,
}

/// A nanoclaw argv made runnable here.
#[derive(Debug, Clone)]
struct Agent {
    fixture: String,
    argv: Vec<String>,
    name: String,
    user: Option<(u32, u32)>,
    mounts: Vec<Mount>,
}

impl Agent {
    fn image_index(&self) -> usize {
        self.argv
            .iter()
            .position(|t| t == IMAGE)
            .expect("the image is in the argv")
    }

    /// Inserts options just before the image.
    fn with_opts(mut self, opts: &[&str]) -> Agent {
        let i = self.image_index();
        for (k, o) in opts.iter().enumerate() {
            self.argv.insert(i + k, o.to_string());
        }
        self
    }

    /// Appends arguments after the image's own.
    fn with_args(mut self, args: &[&str]) -> Agent {
        self.argv.extend(args.iter().map(|s| s.to_string()));
        self
    }

    fn interactive(&self) -> bool {
        self.argv[..self.image_index()].iter().any(|t| t == "-i")
    }

    fn verb(&self) -> &str {
        &self.argv[0]
    }
}

/// What the fixture probes for each read-write bind-mount target.
const PROBED: &[&str] = &[
    "/workspace",
    "/workspace/group",
    "/workspace/agent",
    "/home/node/.claude",
];

static COUNTER: AtomicUsize = AtomicUsize::new(0);
/// How many times `Rig::docker` retries one command that met podman's stdout loss.
const STDOUT_LOSS_RETRIES: u32 = 2;

/// How many times `Rig::docker` retried podman's stdout loss in this process.
static RETRIES: AtomicUsize = AtomicUsize::new(0);
/// Held while a network is made: podman gives each new network the next free range (and bridge
/// name), and [`a_rootful_network_never_covers_what_the_host_talks_to`] predicts which that is.
static NETWORK_CREATE: Mutex<()> = Mutex::new(());

/// `run` with `-i` and `--rm` before the image: the invocations whose stdout podman can lose.
fn interactive_rm_run(args: &[String]) -> bool {
    let Some(verb) = args.first() else {
        return false;
    };
    if verb != "run" {
        return false;
    }
    let has = |f: &[&str]| args[1..].iter().any(|t| f.contains(&t.as_str()));
    has(&["-i", "--interactive", "--interactive=true"]) && has(&["--rm", "--rm=true"])
}

/// A test that cannot run here: a failure under `NANOCLAW_SHIM_REQUIRE_PODMAN=1`, else a loud skip.
fn unavailable(mode: Mode, test: &str, why: &str) -> Option<Rig> {
    if std::env::var(REQUIRE).is_ok_and(|v| v == "1") {
        panic!("{REQUIRE}=1 but {} podman cannot be used: {why}", mode.label());
    }
    loud(&format!(
        "SKIPPED: real-podman e2e test `{test}` ({}) did NOT run:\n  {why}\n\
         Prepare the machine with `sudo .ci/podman-setup.sh` (podman 5: `.ci/podman5-setup.sh`); \
         set {REQUIRE}=1 to make this a failure.",
        mode.label()
    ));
    None
}

/// One test's private world: host folders, names, networks, images, and the cleanup of all.
struct Rig {
    mode: Mode,
    dir: tempfile::TempDir,
    /// The shim as `docker`, and the policy.
    bin: PathBuf,
    tag: String,
    user: Option<User>,
    networks: Mutex<Vec<String>>,
    images: Mutex<Vec<String>>,
}

impl Rig {
    /// A rig without the availability check (used by the check itself).
    fn bare(mode: Mode) -> Rig {
        let dir = tempfile::Builder::new()
            .prefix("nanoclaw-shim-e2e-")
            .tempdir_in("/tmp")
            .unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        Rig {
            mode,
            bin: dir.path().join("bin"),
            dir,
            tag: format!("e2e{}-probe", std::process::id()),
            user: (mode == Mode::Rootless).then(|| rootless_user().ok()).flatten(),
            networks: Mutex::new(Vec::new()),
            images: Mutex::new(Vec::new()),
        }
    }

    /// The rig for `test`, or `None` after a loud skip message (a failure when required).
    fn new(mode: Mode, test: &str) -> Option<Rig> {
        if let Err(why) = availability(mode) {
            return unavailable(mode, test, why);
        }
        let mut rig = Rig::bare(mode);
        let short = match mode {
            Mode::Rootful => "f",
            Mode::Rootless => "l",
        };
        rig.tag = format!("e2e{}-{}-{short}", std::process::id(), test.replace('_', "-"));
        // Rootless networking (slirp4netns on 4.x, pasta on 5.x) opens /dev/net/tun as the
        // user. Other tests on a shared machine may change it after setup, so it is checked
        // now, by this test, not taken from the env file.
        if mode == Mode::Rootless {
            let o = rig.run("sh", &strs(&["-c", ": <> /dev/net/tun"]), None);
            if !o.ok() {
                let u = rig.user.as_ref().map_or("?", |u| u.name.as_str());
                return unavailable(
                    mode,
                    test,
                    &format!(
                        "/dev/net/tun is not usable by {u} NOW (setup recorded TUN_USABLE={}); \
                         rootless podman's network needs it. `ls -l /dev/net/tun` (expect crw-rw-rw-), \
                         rerun the setup script. {}",
                        ci_env().get("TUN_USABLE").map_or("?", String::as_str),
                        o.stderr.trim()
                    ),
                );
            }
        }
        install_shim(&rig.bin);
        Some(rig)
    }

    /// `prog` ("docker" = the shim, or "podman" directly) as this rig's identity, from `cwd`.
    fn command_in(&self, prog: &str, cwd: &Path) -> Command {
        let bin = &self.bin;
        let policy = bin.join("policy.toml");
        match (&self.user, self.mode) {
            (Some(u), Mode::Rootless) => {
                let mut c = Command::new(find_on_path("runuser").expect("runuser"));
                c.args(["-u", &u.name, "--", "env", "-i"])
                    .arg(format!("HOME={}", u.home))
                    .arg(format!("USER={}", u.name))
                    .arg(format!("LOGNAME={}", u.name))
                    .arg(format!("PATH={}:{USER_PATH}", bin.display()))
                    .arg(format!("XDG_RUNTIME_DIR={}", u.xdg))
                    .arg(format!("NANOCLAW_SHIM_POLICY={}", policy.display()))
                    .arg(prog)
                    .current_dir(cwd);
                c
            }
            _ => {
                let program = if prog == "docker" {
                    bin.join("docker")
                } else {
                    find_on_path(prog).unwrap_or_else(|| PathBuf::from(prog))
                };
                let mut c = Command::new(program);
                c.env_clear()
                    .env("PATH", format!("{}:{SYSTEM_PATH}", bin.display()))
                    .env("HOME", "/root")
                    .env("NANOCLAW_SHIM_POLICY", &policy)
                    .current_dir(cwd);
                if let Some(cc) = ci_env().get("CONTAINERS_CONF") {
                    c.env("CONTAINERS_CONF", cc);
                }
                c
            }
        }
    }

    fn run_in(&self, prog: &str, args: &[String], stdin: Option<&[u8]>, cwd: &Path) -> Out {
        let mut c = self.command_in(prog, cwd);
        c.args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = spawn(&mut c).unwrap_or_else(|e| panic!("cannot start {prog}: {e}"));
        finish(
            child,
            stdin.map(<[u8]>::to_vec),
            TIMEOUT,
            &format!("{prog} {}", args.join(" ")),
        )
    }

    fn run(&self, prog: &str, args: &[String], stdin: Option<&[u8]>) -> Out {
        self.run_in(prog, args, stdin, Path::new("/"))
    }

    /// The shim as `docker`. Podman (4.3 and 5.x alike, without the shim too) now and then
    /// loses the whole stdout of a short-lived `run -i --rm` container (~1 in 40,
    /// shared/reference/podman5-on-ci-machines.md): exit 0, nothing printed. That exact
    /// symptom, and only it, is retried, at most [`STDOUT_LOSS_RETRIES`] times, each announced
    /// loudly on stderr and counted; every assertion then applies to the last attempt unchanged.
    /// (Two losses in a row were seen once on a loaded CI machine; three in a row at 1 in 40
    /// each would be 1 in 64 000.)
    fn docker(&self, args: &[String], stdin: Option<&[u8]>) -> Out {
        let mut out = self.run("docker", args, stdin);
        for attempt in 1..=STDOUT_LOSS_RETRIES {
            if !(out.ok() && out.stdout.is_empty() && interactive_rm_run(args)) {
                break;
            }
            let n = RETRIES.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(name) = last_value(args, "--name") {
                // --rm removes it before the same name can be used again
                let _ = self.gone(&name);
            }
            loud(&format!(
                "RETRIED (e2e stdout-loss retry #{n} in this process, attempt {} of {}, {} {}): \
                 podman returned exit 0 with an EMPTY stdout for a short-lived `run -i --rm` \
                 container, podman's known stdout loss. Running it again; a loss on the last \
                 attempt fails the test.\n  docker {}\n  previous attempt's stderr: {}",
                attempt + 1,
                STDOUT_LOSS_RETRIES + 1,
                self.mode.label(),
                self.tag,
                args.join(" "),
                out.stderr.trim()
            ));
            out = self.run("docker", args, stdin);
        }
        out
    }

    fn podman(&self, args: &[&str]) -> Out {
        self.run("podman", &strs(args), None)
    }

    /// `dir` (created, this rig's identity's) holding a `Containerfile` with `text`: a build
    /// context, as a path argument.
    fn containerfile(&self, dir: &Path, text: &str) -> String {
        self.mkdirs(dir);
        let f = dir.join("Containerfile");
        std::fs::write(&f, text).unwrap();
        self.own(&f, false);
        dir.display().to_string()
    }

    /// This rig's policy lets agents use named volumes named `nanoclaw-*` (`rig.unique`'s
    /// names), which the default does not: the tests that ask what the hook does with a volume.
    fn allow_named_volumes(&self) {
        let policy = self.bin.join("policy.toml");
        let text = std::fs::read_to_string(&policy).unwrap();
        let open = text.replacen(
            "add_writable_volumes = []",
            "add_writable_volumes = [\"nanoclaw-*\"]",
            1,
        );
        assert_ne!(
            text, open,
            "the default policy no longer names add_writable_volumes"
        );
        std::fs::write(&policy, open).unwrap();
    }

    /// An image tag of this rig's, removed when the rig is dropped.
    fn image_tag(&self, what: &str) -> String {
        let t = format!("localhost/{}-{what}:latest", self.tag);
        self.images.lock().unwrap().push(t.clone());
        t
    }

    /// A host file this rig's identity can read (holding its tag) and where a build that reaches
    /// the host would copy it: (the file, the copy), in `dir`.
    fn bait(&self, dir: &Path) -> (PathBuf, PathBuf) {
        self.mkdirs(dir);
        let secret = dir.join("secret");
        std::fs::write(&secret, format!("bait-{}\n", self.tag)).unwrap();
        self.own(&secret, false);
        let out = dir.join("out");
        self.mkdirs(&out);
        (secret, out.join("copied"))
    }

    fn spawn_docker(&self, args: &[String]) -> Child {
        let mut c = self.command_in("docker", Path::new("/"));
        c.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        spawn(&mut c).unwrap()
    }

    fn unique(&self, what: &str) -> String {
        format!(
            "nanoclaw-{}-{what}-{}",
            self.tag,
            COUNTER.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// Owner and mode for what the agent must write: world-writable rootful (the agent is not
    /// root), the rootless user's own 0755 rootless (the shim maps that user into the container).
    fn own(&self, p: &Path, dir: bool) {
        match (&self.user, self.mode) {
            (Some(u), Mode::Rootless) => {
                std::os::unix::fs::chown(p, Some(u.uid), Some(u.gid)).unwrap();
                let mode = if dir { 0o755 } else { 0o644 };
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
            }
            _ => {
                let mode = if dir { 0o777 } else { 0o644 };
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
            }
        }
    }

    /// A folder inside the rig, every component created with `own`.
    fn mkdirs(&self, p: &Path) {
        let mut cur = self.dir.path().to_path_buf();
        for c in p.strip_prefix(self.dir.path()).unwrap().components() {
            cur.push(c);
            match std::fs::create_dir(&cur) {
                Ok(()) => self.own(&cur, true),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => panic!("mkdir {}: {e}", cur.display()),
            }
        }
    }

    /// The stand-in for a host path of a fixture (files by their extension), under `root`.
    fn host_path(&self, root: &str, original: &str) -> PathBuf {
        let p = self.dir.path().join(root).join(original.trim_start_matches('/'));
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if matches!(ext, "json" | "md" | "pem") {
            self.mkdirs(p.parent().unwrap());
            if !p.exists() {
                let content = match ext {
                    "json" => "{\"e2e\":true}\n",
                    "md" => "# agent memory\n",
                    _ => "-----BEGIN CERTIFICATE-----\nnanoclaw-shim e2e\n-----END CERTIFICATE-----\n",
                };
                std::fs::write(&p, content).unwrap();
                self.own(&p, false);
            }
        } else {
            self.mkdirs(&p);
        }
        p
    }

    /// A network for this rig (nanoclaw's `--network nanoclaw-egress`).
    fn network(&self, name: &str) -> String {
        let n = format!("{name}-{}", self.tag);
        let mut nets = self.networks.lock().unwrap();
        if !nets.contains(&n) {
            let _one = NETWORK_CREATE.lock().unwrap_or_else(|e| e.into_inner());
            let o = self.podman(&["network", "create", "--internal", &n]);
            assert!(o.ok(), "podman network create {n}: {}", o.describe());
            nets.push(n.clone());
        }
        n
    }

    /// The fixture `fixture`'s argv made runnable here: the fixture image, host paths under the
    /// rig's folder `root`, a unique name, this rig's install label, the rootless user's own
    /// uid:gid for `--user` (nanoclaw passes the host user's), a rig network, and
    /// `--add-host` dropped unless `add_host`.
    fn agent(&self, fixture: &str, root: &str, add_host: bool) -> Agent {
        let src = fixture_argv(fixture);
        let name = self.unique(&fixture.replace('/', "-"));
        let mut argv = Vec::new();
        let mut mounts = Vec::new();
        let mut user = None;
        let mut it = src.into_iter();
        let mut after_image = false;
        while let Some(t) = it.next() {
            if after_image {
                argv.push(t);
                continue;
            }
            match t.as_str() {
                "--name" => {
                    it.next();
                    argv.extend([t, name.clone()]);
                }
                "--label" => {
                    let v = it.next().unwrap();
                    let v = if v.starts_with("nanoclaw-install=") {
                        format!("nanoclaw-install={}", self.tag)
                    } else {
                        v
                    };
                    argv.extend([t, v]);
                }
                "-v" => {
                    let spec = it.next().unwrap();
                    let (host, rest) = spec.split_once(':').unwrap();
                    if host == "/dev/null" {
                        // nanoclaw #646: a file of an earlier mount shadowed by /dev/null. Give
                        // that mount a secret to shadow; the agent must not read it.
                        let target = rest.split(':').next().unwrap().to_string();
                        if let Some(parent) = mounts
                            .iter()
                            .find(|m: &&Mount| target.starts_with(&format!("{}/", m.target)))
                        {
                            let rel = &target[parent.target.len() + 1..];
                            let secret = parent.host.join(rel);
                            std::fs::write(&secret, format!("{SHADOWED}\n")).unwrap();
                            self.own(&secret, false);
                        }
                        argv.extend([t, spec.clone()]);
                        continue;
                    }
                    let hp = self.host_path(root, host);
                    let mut parts = rest.split(':');
                    let target = parts.next().unwrap().to_string();
                    let ro = parts.any(|o| o.split(',').any(|x| x == "ro"));
                    argv.extend([t, format!("{}:{rest}", hp.display())]);
                    mounts.push(Mount { host: hp, target, ro });
                }
                "--user" => {
                    let v = it.next().unwrap();
                    let u = match (&self.user, self.mode) {
                        (Some(u), Mode::Rootless) => (u.uid, u.gid),
                        _ => {
                            let (a, b) = v.split_once(':').unwrap();
                            (a.parse().unwrap(), b.parse().unwrap())
                        }
                    };
                    argv.extend([t, format!("{}:{}", u.0, u.1)]);
                    user = Some(u);
                }
                "--network" => {
                    let v = it.next().unwrap();
                    argv.extend([t, self.network(&v)]);
                }
                "-e" | "--entrypoint" | "--cpus" | "--memory" | "--pids-limit" | "--security-opt" => {
                    let v = it.next().unwrap();
                    argv.extend([t, v]);
                }
                s if s.starts_with("--add-host=") => {
                    if add_host {
                        argv.push(t);
                    }
                }
                s if s.starts_with("nanoclaw-agent") => {
                    argv.push(IMAGE.to_string());
                    after_image = true;
                }
                _ => argv.push(t),
            }
        }
        assert!(after_image, "{fixture}: no nanoclaw-agent image in the argv");
        Agent {
            fixture: fixture.to_string(),
            argv,
            name,
            user,
            mounts,
        }
    }

    /// Whether resource limits apply in this mode on this machine.
    fn limits_apply(&self) -> bool {
        match self.mode {
            Mode::Rootful => true,
            Mode::Rootless => match ci_env().get("ROOTLESS_LIMITS") {
                Some(v) => v == "yes",
                None => Path::new("/sys/fs/cgroup/cgroup.controllers").exists(),
            },
        }
    }

    /// `podman inspect NAME --format '{{json .Config.CreateCommand}}'`: the argv the shim
    /// handed podman.
    fn create_command(&self, name: &str) -> Vec<String> {
        let o = self.podman(&["inspect", name, "--format", "{{json .Config.CreateCommand}}"]);
        assert!(o.ok(), "podman inspect {name}: {}", o.describe());
        serde_json::from_str(o.stdout.trim()).unwrap()
    }

    /// The argv the shim hands podman for `a` (created as a twin, inspected, removed).
    fn requested(&self, a: &Agent) -> Vec<String> {
        let twin = format!("{}-req", a.name);
        let mut argv = a.argv.clone();
        argv[0] = "create".into();
        let i = argv.iter().position(|t| t == "--name").unwrap();
        argv[i + 1] = twin.clone();
        let o = self.docker(&argv, None);
        assert!(o.ok(), "{}: docker create (twin): {}", a.fixture, o.describe());
        let cmd = self.create_command(&twin);
        let _ = self.podman(&["rm", "-f", "-t", "0", &twin]);
        cmd
    }

    fn exists(&self, name: &str) -> bool {
        let o = self.podman(&["ps", "-a", "--format", "{{.Names}}"]);
        assert!(o.ok(), "podman ps -a: {}", o.describe());
        o.stdout.lines().any(|l| l.trim() == name)
    }

    /// Waits (briefly) for `--rm` to remove a container that has exited.
    fn gone(&self, name: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if !self.exists(name) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        if self.tag.ends_with("-probe") {
            return;
        }
        let o = self.podman(&[
            "ps",
            "-a",
            "--filter",
            &format!("name={}", self.tag),
            "--format",
            "{{.Names}}",
        ]);
        let names: Vec<&str> = o
            .stdout
            .lines()
            .map(str::trim)
            .filter(|l| l.contains(&self.tag))
            .collect();
        if !names.is_empty() {
            let mut args = vec!["rm", "-f", "-t", "0"];
            args.extend(names);
            let _ = self.podman(&args);
        }
        for img in self.images.lock().map(|v| v.clone()).unwrap_or_default() {
            let _ = self.podman(&["rmi", "-f", &img]);
        }
        for net in self.networks.lock().map(|v| v.clone()).unwrap_or_default() {
            let _ = self.podman(&["network", "rm", "-f", &net]);
        }
    }
}

// ------------------------------------------------------------------ assertions ---

/// Everything a hardened agent run must show, as a list of problems (empty = fine).
fn agent_problems(rig: &Rig, a: &Agent, r: &Value, prompt: Option<&str>) -> Vec<String> {
    let mut p = Vec::new();
    let mut want = |ok: bool, what: String| {
        if !ok {
            p.push(what);
        }
    };
    want(
        r["fixture"] == "nanoclaw-shim-fixture",
        "not a fixture report".into(),
    );
    want(
        r["root_readonly"] == true && r["root_writable"] == false,
        format!(
            "root filesystem writable (root_readonly {}, root_writable {})",
            r["root_readonly"], r["root_writable"]
        ),
    );
    want(
        r["write_errors"]["/probe-root"]
            .as_str()
            .is_some_and(|e| e.contains("Read-only")),
        format!(
            "writing / did not fail read-only: {}",
            r["write_errors"]["/probe-root"]
        ),
    );
    for k in ["cap_eff", "cap_prm", "cap_bnd"] {
        want(r[k] == KEPT_CAPS, format!("{k} is {}", r[k]));
    }
    want(
        r["no_new_privs"] == 1,
        format!("NoNewPrivs is {}", r["no_new_privs"]),
    );
    let tmp = &r["mounts"]["/tmp"];
    let tmp_opts = tmp["options"].as_str().unwrap_or("");
    want(
        tmp["fstype"] == "tmpfs" && tmp_opts.contains("noexec") && tmp_opts.contains("size=524288k"),
        format!("/tmp is not the policy's 512m noexec tmpfs: {tmp}"),
    );
    want(
        r["exec"]["/tmp"] == false,
        "a script in /tmp could be executed (noexec)".into(),
    );
    let home = &r["mounts"]["/home/node"];
    want(
        home["fstype"] == "tmpfs" && home["options"].as_str().unwrap_or("").contains("size=1048576k"),
        format!("/home/node is not the policy's 1g tmpfs: {home}"),
    );
    match r["writes"].as_object() {
        Some(w) => {
            // The bind-mount probes are checked per mount below.
            for (path, ok) in w.iter().filter(|(p, _)| !p.ends_with("/.nanoclaw-fixture-probe")) {
                let expected = path != "/probe-root";
                want(
                    ok.as_bool() == Some(expected),
                    format!(
                        "write {path}: expected {expected}, got {ok} ({})",
                        r["write_errors"][path].as_str().unwrap_or("")
                    ),
                );
            }
            for must in [
                "/tmp/input.json",
                "/tmp/dist/index.js",
                "/home/node/.claude.json",
                "/dev/shm/x",
            ] {
                want(
                    w.contains_key(must),
                    format!("the agent did not try to write {must}"),
                );
            }
        }
        None => want(false, "no writes in the report".into()),
    }
    let (uid, gid) = a.user.unwrap_or((1000, 1000));
    want(
        r["uid"] == uid && r["gid"] == gid,
        format!("runs as {}:{}, expected {uid}:{gid}", r["uid"], r["gid"]),
    );
    // Every read-write bind mount the fixture probes was written, and the file is on the host.
    for m in a
        .mounts
        .iter()
        .filter(|m| !m.ro && PROBED.contains(&m.target.as_str()))
    {
        let probe = format!("{}/.nanoclaw-fixture-probe", m.target);
        want(
            r["writes"][&probe] == true,
            format!(
                "the agent cannot write its bind mount {} ({})",
                m.target, r["write_errors"][&probe]
            ),
        );
        let host = m.host.join(".nanoclaw-fixture-probe");
        match std::fs::metadata(&host) {
            Ok(md) => {
                let owner = match (&rig.user, rig.mode) {
                    (Some(u), Mode::Rootless) => u.uid,
                    _ => uid,
                };
                want(
                    md.uid() == owner,
                    format!(
                        "{} on the host belongs to uid {}, expected {owner}",
                        host.display(),
                        md.uid()
                    ),
                );
            }
            Err(_) => want(
                r["writes"][&probe] != true,
                format!("{} is missing on the host", host.display()),
            ),
        }
    }
    for m in a.mounts.iter().filter(|m| m.ro) {
        let f = &r["files"][&m.target];
        if !f.is_null() {
            want(
                f["readable"] == true,
                format!("{} (a :ro file bind) is not readable", m.target),
            );
        }
    }
    if let Some(pr) = prompt {
        want(
            r["stdin"]["prompt"] == pr,
            format!("stdin prompt {} != {pr:?}", r["stdin"]["prompt"]),
        );
    }
    if rig.limits_apply() {
        let cg = &r["cgroup"];
        want(
            cg["pids_max"] == PIDS,
            format!("pids limit {} != {PIDS}", cg["pids_max"]),
        );
        want(
            cg["memory_limit"] == MEMORY,
            format!("memory limit {} != {MEMORY}", cg["memory_limit"]),
        );
        want(
            cg["cpu_quota"] == CPU_QUOTA && cg["cpu_period"] == CPU_PERIOD,
            format!(
                "cpu quota/period {}/{} != {CPU_QUOTA}/{CPU_PERIOD}",
                cg["cpu_quota"], cg["cpu_period"]
            ),
        );
    }
    p
}

/// The limits the shim asked podman for, from its create command, read as `verify` reads them.
fn requested_limit_problems(cmd: &[String]) -> Vec<String> {
    let mut p = Vec::new();
    let l = checks::requested_limits(cmd);
    if l.cpus != Some(NanoCpus(2_000_000_000)) {
        p.push(format!(
            "requested cpus {:?}, expected 2",
            l.cpus.map(|c| c.to_string())
        ));
    }
    if l.memory != Some(4 << 30) {
        p.push(format!("requested memory {:?}, expected 4g", l.memory));
    }
    if l.pids.map(|n| n.to_string()).as_deref() != Some(PIDS) {
        p.push(format!("requested pids {:?}, expected {PIDS}", l.pids));
    }
    p
}

fn limits_note(rig: &Rig, test: &str) {
    if !rig.limits_apply() {
        loud(&format!(
            "NOTE ({test}, {}): CGROUP_VERSION={} ROOTLESS_LIMITS={} in {}: rootless podman on\n\
             cgroup v1 cannot apply resource limits. Checked only that the shim REQUESTED\n\
             --cpus=2 --memory=4g --pids-limit=256 (podman inspect .Config.CreateCommand);\n\
             inside the containers these limits are NOT in effect.",
            rig.mode.label(),
            ci_env().get("CGROUP_VERSION").map_or("?", String::as_str),
            ci_env().get("ROOTLESS_LIMITS").map_or("?", String::as_str),
            env_file(),
        ));
    }
}

/// Runs one run/create generation through the shim and returns its problems.
fn run_generation(rig: &Rig, a: &Agent) -> Vec<String> {
    let mut problems = Vec::new();
    if a.fixture == "setup-smoke" {
        let o = rig.docker(&a.argv, Some(b"{}"));
        if !(o.ok() && o.stdout == "Container OK\n") {
            problems.push(format!("setup smoke test: {}", o.describe()));
        }
        return problems;
    }
    let prompt = format!("hello from {} {}", a.fixture, rig.tag);
    let stdin = format!("{{\"prompt\":\"{prompt}\",\"secrets\":{{\"ANTHROPIC_API_KEY\":\"placeholder\"}}}}");
    let out = if a.verb() == "create" {
        let o = rig.docker(&a.argv, None);
        if !o.ok() {
            return vec![format!("docker create: {}", o.describe())];
        }
        if !rig.limits_apply() {
            problems.extend(requested_limit_problems(&rig.create_command(&a.name)));
        }
        let o = rig.docker(&strs(&["start", "--attach", &a.name]), None);
        if o.ok() && !rig.gone(&a.name) {
            problems.push("create --rm: the container is still there after start --attach".into());
        }
        o
    } else {
        if !rig.limits_apply() {
            problems.extend(requested_limit_problems(&rig.requested(a)));
        }
        rig.docker(&a.argv, a.interactive().then_some(stdin.as_bytes()))
    };
    if !out.ok() {
        problems.push(format!("the agent run failed: {}", out.describe()));
        return problems;
    }
    let r = report(&out);
    problems.extend(agent_problems(
        rig,
        a,
        &r,
        a.interactive().then_some(prompt.as_str()),
    ));
    problems
}

const GENERATIONS: &[&str] = &[
    "setup-smoke",
    "v1-basic",
    "v1-proxy",
    "v1-user",
    "v2",
    "v2-june",
    "v2-user-extra",
    "v3-create",
    "v3-create-network",
    // nanoclaw's own argv, captured from its host code (fixtures/nanoclaw/real/README.md)
    "real/v1-main",
    "real/v1-proxy-main",
    "real/v1-proxy-user-extra",
    "real/v1-onecli-main",
    "real/v2-may",
    "real/v2-may-user-extra",
    "real/v2-june",
    "real/newest-create",
    "real/newest-create-lockdown",
];

fn generations(mode: Mode) {
    let Some(rig) = Rig::new(mode, "generations") else {
        return;
    };
    limits_note(&rig, "generations");
    let mut failures = Vec::new();
    for g in GENERATIONS {
        let a = rig.agent(g, g, false);
        let problems = run_generation(&rig, &a);
        if problems.is_empty() {
            eprintln!("{g} ({}): ok", mode.label());
        }
        failures.extend(problems.into_iter().map(|p| format!("{g}: {p}")));
    }
    assert!(
        failures.is_empty(),
        "{} problems in nanoclaw generations ({}):\n{}",
        failures.len(),
        mode.label(),
        failures.join("\n")
    );
}

#[test]
fn every_generation_is_hardened_and_works_rootful() {
    generations(Mode::Rootful);
}

#[test]
fn every_generation_is_hardened_and_works_rootless() {
    generations(Mode::Rootless);
}

// ------------------------------------------------------------------ stdin, exit codes ---

fn stdin_and_exit_codes(mode: Mode) {
    let Some(rig) = Rig::new(mode, "stdin_exit") else {
        return;
    };
    // v1: a large JSON document on stdin (well past a pipe buffer), the report on stdout.
    let a = rig.agent("v1-basic", "big", false);
    let prompt = format!("round trip {}", rig.tag);
    let input = format!(
        "{{\"prompt\":\"{prompt}\",\"context\":\"{}\",\"secrets\":{{\"CLAUDE_CODE_OAUTH_TOKEN\":\"placeholder\"}}}}\n",
        "x".repeat(300_000)
    );
    let o = rig.docker(&a.argv, Some(input.as_bytes()));
    assert!(o.ok(), "{}", o.describe());
    let r = report(&o);
    assert_eq!(r["stdin"]["bytes"], input.len(), "stdin bytes");
    assert!(
        r["stdin"]["prompt"] == prompt.as_str(),
        "prompt: {}",
        r["stdin"]["prompt"]
    );
    assert_eq!(r["writes"]["/tmp/input.json"], true);
    // The container's exit code is docker's exit code.
    for code in [0, 3, 42] {
        let a = rig
            .agent("v1-basic", "exit", false)
            .with_args(&["exit", &code.to_string()]);
        let o = rig.docker(&a.argv, Some(b"{}"));
        assert_eq!(o.code, Some(code), "exit {code}: {}", o.describe());
        assert_eq!(report(&o)["exit_code"], code);
    }
    // The runtime's own statuses pass through too (127: command not found) when no init runs;
    // with the init the shim adds for an overridden entrypoint, the init reports the failure.
    let name = rig.unique("noentry");
    let o = rig.docker(
        &strs(&[
            "run",
            "--rm",
            "--name",
            &name,
            "--init=false",
            "--entrypoint",
            "/nonexistent",
            IMAGE,
        ]),
        None,
    );
    assert_eq!(o.code, Some(127), "{}", o.describe());
    let name = rig.unique("noentry-init");
    let o = rig.docker(
        &strs(&[
            "run",
            "--rm",
            "--name",
            &name,
            "--entrypoint",
            "/nonexistent",
            IMAGE,
        ]),
        None,
    );
    assert!(
        o.code.is_some_and(|c| c != 0) && o.stderr.contains("No such file"),
        "{}",
        o.describe()
    );
}

#[test]
fn stdin_round_trip_and_exit_codes_rootful() {
    stdin_and_exit_codes(Mode::Rootful);
}

#[test]
fn stdin_round_trip_and_exit_codes_rootless() {
    stdin_and_exit_codes(Mode::Rootless);
}

// ------------------------------------------------------------------ refusals ---

/// The shim refuses `args` as it must: exit 125, nothing on stdout, stderr naming `mention`, and
/// (for a `--name`d container) no container made.
fn assert_refused(rig: &Rig, args: &[String], mention: &str) {
    let o = rig.docker(args, None);
    assert_refusal(&o, mention);
    if let Some(name) = last_value(args, "--name") {
        assert!(
            !rig.exists(&name),
            "a refused invocation created container {name}"
        );
    }
}

/// `o` is a refusal: exit 125, nothing on stdout, `mention` on stderr.
fn assert_refusal(o: &Out, mention: &str) {
    assert_eq!(o.code, Some(125), "expected a refusal: {}", o.describe());
    assert!(o.stdout.is_empty(), "a refusal wrote to stdout: {}", o.describe());
    assert!(
        o.stderr.contains(mention),
        "stderr should name {mention}: {}",
        o.describe()
    );
}

fn refusals(mode: Mode) {
    let Some(rig) = Rig::new(mode, "refusals") else {
        return;
    };
    for verb in ["run", "create"] {
        let name = rig.unique("unknown");
        assert_refused(
            &rig,
            &strs(&[verb, "--rm", "--name", &name, "--made-up-flag", "x", IMAGE]),
            "--made-up-flag",
        );
    }
    let name = rig.unique("conflict");
    assert_refused(
        &rig,
        &strs(&[
            "run",
            "--rm",
            "--name",
            &name,
            "--cpus",
            "1",
            "--cpu-quota",
            "50000",
            IMAGE,
        ]),
        "--cpu",
    );
}

#[test]
fn refused_invocations_create_no_container_rootful() {
    refusals(Mode::Rootful);
}

#[test]
fn refused_invocations_create_no_container_rootless() {
    refusals(Mode::Rootless);
}

fn privileged(mode: Mode) {
    let Some(rig) = Rig::new(mode, "privileged") else {
        return;
    };
    let name = rig.unique("privileged");
    assert_refused(
        &rig,
        &strs(&["run", "--rm", "--name", &name, "--privileged", IMAGE]),
        "privileged",
    );
}

#[test]
fn privileged_is_refused_and_creates_no_container_rootful() {
    privileged(Mode::Rootful);
}

#[test]
fn privileged_is_refused_and_creates_no_container_rootless() {
    privileged(Mode::Rootless);
}

// ------------------------------------------------------------------ ps, exec, stop ---

fn stop_running_agent(mode: Mode) {
    let Some(rig) = Rig::new(mode, "stop") else { return };
    // nanoclaw v2's exact argv; the fixture sleeps instead of reporting.
    let a = rig
        .agent("v2", "stop", false)
        .with_opts(&["-e", "FIXTURE_MODE=sleep 60"]);
    let child = start_until(&rig, &a, "---FIXTURE_SLEEPING---", "sleeping agent");
    // Orphan cleanup's listing (pass-ps), with this rig's install label.
    let mut ps = fixture_argv("pass-ps");
    ps[2] = format!("label=nanoclaw-install={}", rig.tag);
    let o = rig.docker(&ps, None);
    assert!(o.ok(), "{}", o.describe());
    assert_eq!(
        o.stdout.lines().collect::<Vec<_>>(),
        vec![a.name.as_str()],
        "docker ps --filter label"
    );
    let o = rig.docker(
        &strs(&[
            "ps",
            "--filter",
            &format!("name={}", rig.tag),
            "--format",
            "{{.Names}}",
        ]),
        None,
    );
    assert!(
        o.stdout.lines().any(|l| l == a.name),
        "docker ps --filter name: {}",
        o.describe()
    );
    // exec -i (pass-exec) into the running agent.
    let mut exec = fixture_argv("pass-exec");
    let n = exec.len();
    exec[n - 2] = a.name.clone();
    let o = rig.docker(&exec, Some(b"ping through exec\n"));
    assert!(
        o.ok() && o.stdout == "ping through exec\n",
        "docker exec -i: {}",
        o.describe()
    );
    // stop -t 1 (pass-stop): the agent handles SIGTERM, so it ends promptly with 143.
    let (ended, took) = stop_agent(&rig, &a, child, Duration::from_secs(30));
    assert_eq!(
        ended.code,
        Some(143),
        "the agent's docker run: {}",
        ended.describe()
    );
    assert!(took < Duration::from_secs(10), "stop -t 1 took {took:?}");
    assert!(rig.gone(&a.name), "--rm: {} is still there after stop", a.name);
}

#[test]
fn ps_exec_and_stop_of_a_running_agent_rootful() {
    stop_running_agent(Mode::Rootful);
}

#[test]
fn ps_exec_and_stop_of_a_running_agent_rootless() {
    stop_running_agent(Mode::Rootless);
}

/// `exec -u NAME` runs as whatever uid the image's `/etc/passwd` gives the name, and an agent's
/// build can add `toor:x:0:0`: the control (plain podman) execs as uid 0 under that name; through
/// the shim the name is refused (`deny.exec-root`) and nothing runs, while the numeric uid still
/// execs. So is an id the runtime reads as a name (`'1000 '`, with a blank: the look `gz`'s
/// `1000 :x:0:0` line ran `run -u '1000 :1000'` as the host's root), for `exec -u`, `run --user`
/// and `--group-add`; and a `--group-add` number, which the runtime looks up as a name first (the
/// look `hc`'s `2000:x:0:`). Rootful and rootless.
fn exec_as_a_user_name(mode: Mode) {
    let Some(rig) = Rig::new(mode, "execname") else {
        return;
    };
    let label = mode.label();
    let ctx = rig.containerfile(
        &rig.dir.path().join("execname"),
        &format!(
            "FROM {IMAGE}\nUSER root\nRUN echo 'toor:x:0:0::/root:/bin/sh' >> /etc/passwd && \
             echo '1000 :x:0:0::/root:/bin/sh' >> /etc/passwd && echo '1000 :x:0:' >> /etc/group && \
             echo '2000:x:0:' >> /etc/group\nUSER 1000\n"
        ),
    );
    let tag = rig.image_tag("execname");
    let o = rig.run("docker", &build_argv(&["--no-cache", "-t", &tag, &ctx]), None);
    assert!(o.ok(), "{label}: the build: {}", o.describe());
    let name = format!("{}-execname", rig.tag);
    let o = rig.docker(
        &strs(&["run", "-d", "--rm", "--name", &name, &tag, "sleep", "120"]),
        None,
    );
    assert!(o.ok(), "{label}: run -d: {}", o.describe());
    let exec = |user: &str| strs(&["exec", "-u", user, &name, "id", "-u"]);
    let control = rig.run("podman", &exec("toor"), None);
    assert_eq!(
        control.stdout.trim(),
        "0",
        "{label}: the control's named user is not root: {}",
        control.describe()
    );
    let o = rig.docker(&exec("toor"), None);
    assert_eq!(o.code, Some(125), "{label}: {}", o.describe());
    assert!(o.stderr.contains("deny.exec-root"), "{label}: {}", o.describe());
    assert!(o.stdout.is_empty(), "{label}: something ran: {}", o.describe());
    // Without -u, the container's own user (judged at its start) runs the exec; with any -u,
    // refused: its groups would come from the image's files, which no hook judges for an exec.
    let o = rig.docker(&strs(&["exec", &name, "id", "-u"]), None);
    assert_eq!(o.stdout.trim(), "1000", "{label}: {}", o.describe());
    let o = rig.docker(&exec("1000:1000"), None);
    assert_eq!(o.code, Some(125), "{label}: {}", o.describe());
    assert!(o.stderr.contains("deny.exec-root"), "{label}: {}", o.describe());
    // An id with a blank is a name to the runtime: root by the image's /etc/passwd and
    // /etc/group in the control; refused through the shim, as a name.
    let padded = "1000 :1000";
    let control = rig.run("podman", &exec(padded), None);
    assert_eq!(
        control.stdout.trim(),
        "0",
        "{label}: control: {}",
        control.describe()
    );
    let o = rig.docker(&exec(padded), None);
    assert_eq!(o.code, Some(125), "{label}: {}", o.describe());
    assert!(o.stderr.contains("deny.exec-root"), "{label}: {}", o.describe());
    assert!(o.stdout.is_empty(), "{label}: something ran: {}", o.describe());
    for (flags, rule, shows) in [
        (&["--user", padded][..], "deny.root-user", "uid=0("),
        (
            &["--user", "1000:1000", "--group-add", "1000 "],
            "deny.group-add",
            " groups=0(",
        ),
        // A number is a group's name first: the image's `2000:x:0:` (the look `hc`).
        (
            &["--user", "1000:1000", "--group-add", "2000"],
            "deny.group-add",
            " groups=0(",
        ),
    ] {
        let mut a = vec!["run", "--rm"];
        a.extend_from_slice(flags);
        a.extend_from_slice(&["--entrypoint", "id", &tag]);
        let control = rig.run("podman", &strs(&a), None);
        assert!(
            control.stdout.contains(shows) || control.stdout.contains(",0("),
            "{label}: control {flags:?}: {}",
            control.describe()
        );
        let o = rig.docker(&strs(&a), None);
        assert_eq!(o.code, Some(125), "{label}: {flags:?}: {}", o.describe());
        assert!(o.stderr.contains(rule), "{label}: {flags:?}: {}", o.describe());
        assert!(
            o.stdout.is_empty(),
            "{label}: {flags:?}: something ran: {}",
            o.describe()
        );
    }
    // What the argv cannot show: the image's /etc/group names a group `1000` with gid 0 before
    // node's (after a comment runc skips: the look `hh`), so nanoclaw's own `--user 1000:1000`
    // ran with the root group (the look `he`), and
    // the image's own user is root. The control runs so; through the shim, the hook refuses
    // the container before anything in it runs (`deny.root-user`), and the plain image runs.
    let groups = rig.containerfile(
        &rig.dir.path().join("groups"),
        &format!(
            "FROM {IMAGE}\nUSER root\nRUN printf '#c:x:1000:\\nroot:x:0:\\n1000:x:0:\\nnode:x:1000:\\nnogroup:x:65534:\\n' > /etc/group\n"
        ),
    );
    let grouped = rig.image_tag("groups");
    let o = rig.run(
        "docker",
        &build_argv(&["--no-cache", "-t", &grouped, &groups]),
        None,
    );
    assert!(o.ok(), "{label}: the build: {}", o.describe());
    for (flags, shows) in [(&["--user", "1000:1000"][..], "groups=0("), (&[][..], "uid=0(")] {
        let mut a = vec!["run", "--rm"];
        a.extend_from_slice(flags);
        a.extend_from_slice(&["--entrypoint", "id", &grouped]);
        let control = rig.run("podman", &strs(&a), None);
        assert!(
            control.stdout.contains(shows),
            "{label}: control {flags:?}: {}",
            control.describe()
        );
        let o = rig.docker(&strs(&a), None);
        assert!(!o.ok(), "{label}: {flags:?} ran: {}", o.describe());
        assert!(
            o.stderr.contains("[deny.root-user]") && o.stdout.is_empty(),
            "{label}: {flags:?}: {}",
            o.describe()
        );
    }
    // A group the image lacks: podman writes its own copy of /etc/group beside the container
    // and mounts it there (a `--read-only` root), which the hook reads; the plain image runs.
    for user in ["1000:1000", "1234:1234"] {
        let o = rig.docker(
            &strs(&["run", "--rm", "--user", user, "--entrypoint", "id", IMAGE]),
            None,
        );
        let uid = format!("uid={}", &user[..4]);
        assert!(
            o.ok() && o.stdout.contains(&uid),
            "{label}: {user}: {}",
            o.describe()
        );
    }
    // An /etc/group that is a link may be swapped after the hook read it (the look `hg`: linked
    // into the group's read-write folder, flipped by a running session): refused; the control
    // runs.
    let linked_ctx = rig.containerfile(
        &rig.dir.path().join("linked"),
        &format!("FROM {IMAGE}\nUSER root\nRUN cp /etc/group /etc/group.real && ln -sf group.real /etc/group\nUSER 1000\n"),
    );
    let linked = rig.image_tag("linked");
    let o = rig.run(
        "docker",
        &build_argv(&["--no-cache", "-t", &linked, &linked_ctx]),
        None,
    );
    assert!(o.ok(), "{label}: the build: {}", o.describe());
    let a = strs(&[
        "run",
        "--rm",
        "--user",
        "1000:1000",
        "--entrypoint",
        "id",
        &linked,
    ]);
    let control = rig.run("podman", &a, None);
    assert!(
        control.ok() && control.stdout.contains("uid=1000"),
        "{label}: control: {}",
        control.describe()
    );
    let o = rig.docker(&a, None);
    assert!(
        !o.ok() && o.stderr.contains("/etc/group is a link") && o.stdout.is_empty(),
        "{label}: a linked /etc/group: {}",
        o.describe()
    );
    let _ = rig.podman(&["rmi", "-f", &grouped, &linked]);
}

/// Podman takes an overlay's upper directory from any `-v` option that starts with `upperdir`
/// (the red team's `upperdirX=`): the control (plain podman) writes a file into the named host
/// directory; through the shim the option is refused (`deny.mount-option`) and nothing is
/// written. Rootful and rootless.
fn overlay_option_by_prefix(mode: Mode) {
    let Some(rig) = Rig::new(mode, "ovlprefix") else {
        return;
    };
    let label = mode.label();
    let dir = rig.dir.path().join("ovlprefix");
    let [lower, up, wk] = ["lower", "up", "wk"].map(|d| dir.join(d));
    for d in [&lower, &up, &wk] {
        rig.mkdirs(d);
    }

    let spec = format!(
        "{}:/x:O,upperdirX={},workdirX={}",
        lower.display(),
        up.display(),
        wk.display()
    );
    let argv = strs(&[
        "run",
        "--rm",
        "-v",
        &spec,
        // Root in the container is the directories' owner rootless, root rootful.
        "--user",
        "0",
        "--entrypoint",
        "sh",
        IMAGE,
        "-c",
        "echo reached > /x/f",
    ]);
    let control = rig.run("podman", &argv, None);
    let written = up.join("f");
    assert!(
        written.exists(),
        "{label}: the control did not write the upper directory: {}",
        control.describe()
    );
    std::fs::remove_file(&written).unwrap();
    assert_refused(&rig, &argv, "deny.mount-option");
    assert!(
        !written.exists(),
        "{label}: the container wrote the host directory"
    );
}

/// A `--mount` word given a value podman reads otherwise than docker's CLI (the
/// hundred-and-twenty-third look's): podman 5 ignores `ro=1` (docker: read-only) and mounts the
/// bind read-write, and podman 4.3 and 5 make a bind `shared=false` shared. Through plain podman
/// (the control) the container writes the file on podman 5 (podman 4.3 refuses the value) and
/// the bind is a propagation peer; through the shim both are refused (`deny.mount-option`) and
/// the file is unchanged. `ro=true` runs read-only. And a caller's `/tmp` that is weaker than
/// the policy's (`exec`) is refused.
fn mount_word_with_a_value(mode: Mode) {
    let Some(rig) = Rig::new(mode, "mountword") else {
        return;
    };
    let label = mode.label();
    let dir = rig.dir.path().join("mountword");
    rig.mkdirs(&dir);
    let file = dir.join("f");
    std::fs::write(&file, "host\n").unwrap();
    rig.own(&file, false);
    // Writable to the container's user whoever it maps to: only the mount may refuse a write.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    let argv = |opt: &str, script: &str| {
        strs(&[
            "run",
            "--rm",
            "--mount",
            &format!("type=bind,src={},dst=/x/f,{opt}", file.display()),
            "--entrypoint",
            "sh",
            IMAGE,
            "-c",
            script,
        ])
    };
    let write = "echo agent >> /x/f && echo wrote";
    let control = rig.run("podman", &argv("ro=1", write), None);
    let four = ci_env()
        .get("PODMAN_VERSION")
        .is_some_and(|v| v.starts_with("4."));
    if four {
        assert!(
            !control.ok(),
            "{label}: podman 4.3 took ro=1: {}",
            control.describe()
        );
    } else {
        assert!(
            control.stdout.contains("wrote"),
            "{label}: the control did not write through ro=1: {}",
            control.describe()
        );
    }
    std::fs::write(&file, "host\n").unwrap();
    let o = rig.docker(&argv("ro=1", write), None);
    assert_refusal(&o, "deny.mount-option");
    let propagation = "grep ' /x/f ' /proc/self/mountinfo";
    let control = rig.run("podman", &argv("ro,shared=false", propagation), None);
    assert!(
        control.stdout.contains(" shared:"),
        "{label}: the control's bind is no propagation peer: {}",
        control.describe()
    );
    let o = rig.docker(&argv("ro,shared=false", propagation), None);
    assert_refusal(&o, "deny.mount-option");
    let o = rig.docker(&argv("ro=true", write), None);
    assert!(
        o.code != Some(125) && o.stderr.contains("Read-only file system"),
        "{label}: {}",
        o.describe()
    );
    // A caller's /tmp that would replace the policy's noexec one with an exec one (the
    // hundred-and-seventeenth look's): plain podman mounts it exec; the shim refuses it.
    let tmp = strs(&[
        "run",
        "--rm",
        "--tmpfs",
        "/tmp:exec",
        "--entrypoint",
        "sh",
        IMAGE,
        "-c",
        "grep ' /tmp ' /proc/self/mountinfo",
    ]);
    let control = rig.run("podman", &tmp, None);
    assert!(
        control.ok() && control.stdout.contains(" /tmp ") && !control.stdout.contains("noexec"),
        "{label}: control: {}",
        control.describe()
    );
    assert_refusal(&rig.docker(&tmp, None), "deny.mount-option");
    // A plain `--tmpfs /tmp`: podman gives it neither noexec nor a size (the
    // hundred-and-thirtieth look's); through the shim the policy's replaces it.
    let plain = strs(&[
        "run",
        "--rm",
        "--tmpfs",
        "/tmp",
        "--entrypoint",
        "sh",
        IMAGE,
        "-c",
        "grep ' /tmp ' /proc/self/mountinfo",
    ]);
    let control = rig.run("podman", &plain, None);
    assert!(
        control.ok() && !control.stdout.contains("noexec"),
        "{label}: control: {}",
        control.describe()
    );
    let o = rig.docker(&plain, None);
    assert!(
        o.ok() && o.stdout.contains("noexec") && o.stdout.contains("size=524288k"),
        "{label}: {}",
        o.describe()
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "host\n", "{label}");
}

#[test]
fn a_mount_word_given_a_value_is_refused_rootful() {
    mount_word_with_a_value(Mode::Rootful);
}

#[test]
fn a_mount_word_given_a_value_is_refused_rootless() {
    mount_word_with_a_value(Mode::Rootless);
}

#[test]
fn an_overlay_option_named_by_its_prefix_is_refused_rootful() {
    overlay_option_by_prefix(Mode::Rootful);
}

#[test]
fn an_overlay_option_named_by_its_prefix_is_refused_rootless() {
    overlay_option_by_prefix(Mode::Rootless);
}

/// A repository mounted read-write hands over its `.git`: the control (plain podman) adds a
/// line to `.git/config`, where `core.fsmonitor` would run on the host's next `git status` (the
/// red team's). Through the shim that mount is refused (`deny.host-exec`); with the `.git`
/// shadowed read-only (by the caller, or by the shim where `shadow_repositories` says) it runs,
/// and the container's write to `.git/config` fails. Rootful and rootless.
fn git_at_the_top(mode: Mode) {
    let Some(rig) = Rig::new(mode, "gittop") else {
        return;
    };
    let label = mode.label();
    let repo = rig.dir.path().join("gittop/repo");
    rig.mkdirs(&repo.join(".git"));
    let config = repo.join(".git/config");
    let original = "[core]\n\trepositoryformatversion = 0\n";
    std::fs::write(&config, original).unwrap();
    // Writable by whichever uid the container's user maps to: only a read-only mount stops it.
    std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o666)).unwrap();
    let work = format!("{}:/w", repo.display());
    let shadow = format!("{}/.git:/w/.git:ro", repo.display());
    let argv = |mounts: &[&str]| {
        let mut a = strs(&["run", "--rm"]);
        for m in mounts {
            a.extend(strs(&["-v", m]));
        }
        a.extend(strs(&[
            "--entrypoint",
            "sh",
            IMAGE,
            "-c",
            "echo '[core] fsmonitor = touch /tmp/ran' >> /w/.git/config; echo done",
        ]));
        a
    };
    let control = rig.run("podman", &argv(&[&work]), None);
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(
        written.contains("fsmonitor"),
        "{label}: the control did not write .git/config: {}",
        control.describe()
    );
    std::fs::write(&config, original).unwrap();
    let o = rig.docker(&argv(&[&work]), None);
    assert_eq!(o.code, Some(125), "{label}: {}", o.describe());
    assert!(
        o.stderr.contains("deny.host-exec") && o.stderr.contains(".git"),
        "{label}: {}",
        o.describe()
    );
    // Shadowed by the caller, or by the shim itself where the policy says (`harden.repository`:
    // the seventieth look's agent ran `git init` in its own folder, and every later start of
    // its group was refused): the folder stays writable, the repository cannot be changed.
    let policy = rig.bin.join("policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let hatch = text.replacen("shadow_repositories = false", "shadow_repositories = true", 1);
    assert_ne!(
        text, hatch,
        "the default policy no longer names shadow_repositories"
    );
    let o = rig.docker(&argv(&[&work, &shadow]), None);
    assert!(o.ok() && o.stdout.contains("done"), "{label}: {}", o.describe());
    std::fs::write(&policy, hatch).unwrap();
    for mounts in [&[work.as_str(), shadow.as_str()][..], &[work.as_str()]] {
        let o = rig.docker(&argv(mounts), None);
        assert!(
            o.ok() && o.stdout.contains("done"),
            "{label}: {mounts:?} did not run: {}",
            o.describe()
        );
        assert_eq!(
            std::fs::read_to_string(&config).unwrap(),
            original,
            "{label}: the container wrote a shadowed .git: {}",
            o.describe()
        );
    }
}

#[test]
fn a_repository_s_git_at_the_top_of_a_writable_mount_is_refused_or_read_only_rootful() {
    git_at_the_top(Mode::Rootful);
}

#[test]
fn a_repository_s_git_at_the_top_of_a_writable_mount_is_refused_or_read_only_rootless() {
    git_at_the_top(Mode::Rootless);
}

/// A line break ends the runtime's CSV record, and what came before it is mounted: the control
/// (plain podman) reads a file through `--mount type=bind,...,src=DIR\n`; through the shim the
/// spec is not read as a mount and the call is refused (the red team's: `src=~/.ssh\n` printed
/// a private key). Rootful and rootless.
fn mount_spec_with_a_line_break(mode: Mode) {
    let Some(rig) = Rig::new(mode, "mountnl") else {
        return;
    };
    let label = mode.label();
    let dir = rig.dir.path().join("mountnl");
    let (secret, _) = rig.bait(&dir);
    let spec = format!("type=bind,dst=/y,readonly,src={}\n", dir.display());
    let name = secret.file_name().unwrap().to_string_lossy().into_owned();
    let argv = strs(&[
        "run",
        "--rm",
        "--mount",
        &spec,
        "--entrypoint",
        "cat",
        IMAGE,
        &format!("/y/{name}"),
    ]);
    let control = rig.run("podman", &argv, None);
    assert!(
        control.stdout.contains(&rig.tag),
        "{label}: the control did not read through the mount: {}",
        control.describe()
    );
    // Nothing on stdout (assert_refused): the container never ran, so it read nothing.
    assert_refused(&rig, &argv, "parse.bad-value");
}

#[test]
fn a_mount_spec_with_a_line_break_is_refused_rootful() {
    mount_spec_with_a_line_break(Mode::Rootful);
}

#[test]
fn a_mount_spec_with_a_line_break_is_refused_rootless() {
    mount_spec_with_a_line_break(Mode::Rootless);
}

/// A log file the runtime writes holds what the container prints: the control (plain podman)
/// writes the container's line into a project's git hook (the red team's: `sh .husky/pre-commit`
/// then ran it on the host); through the shim `--log-opt path=` is refused (`deny.host-file`)
/// and no file appears. Rootful and rootless.
fn log_file_in_a_project(mode: Mode) {
    let Some(rig) = Rig::new(mode, "logopt") else {
        return;
    };
    let label = mode.label();
    let hooks = rig.dir.path().join("logopt/proj/.husky");
    rig.mkdirs(&hooks);
    let hook = hooks.join("pre-commit");
    let path = format!("path={}", hook.display());
    let argv = strs(&[
        "run",
        "--rm",
        "--log-driver",
        "k8s-file",
        "--log-opt",
        &path,
        "--entrypoint",
        "sh",
        IMAGE,
        "-c",
        "echo '; echo ran-on-the-host'",
    ]);
    let control = rig.run("podman", &argv, None);
    let written = std::fs::read_to_string(&hook).unwrap_or_default();
    assert!(
        written.contains("ran-on-the-host"),
        "{label}: the control did not write the log file: {}",
        control.describe()
    );
    std::fs::remove_file(&hook).unwrap();
    assert_refused(&rig, &argv, "deny.host-file");
    assert!(!hook.exists(), "{label}: the runtime wrote the log file");
}

#[test]
fn a_log_file_in_a_project_is_refused_rootful() {
    log_file_in_a_project(Mode::Rootful);
}

#[test]
fn a_log_file_in_a_project_is_refused_rootless() {
    log_file_in_a_project(Mode::Rootless);
}

/// With `LISTEN_FDS` set, podman hands the caller's open descriptors from 3 up to the container
/// (socket activation; the control reads a host file the caller had open through
/// `/proc/self/fd/3`). The shim removes the variables (`deny.host-handoff`): the same call runs,
/// and the container has no descriptor 3.
fn open_files_handed_over(mode: Mode) {
    let Some(rig) = Rig::new(mode, "listenfds") else {
        return;
    };
    let label = mode.label();
    let (secret, _) = rig.bait(&rig.dir.path().join("listenfds"));
    let bait = std::fs::read_to_string(&secret).unwrap();
    let secret = secret.display().to_string();
    let call = |prog: &str| {
        rig.run(
            "sh",
            &strs(&[
                "-c",
                "exec 3<\"$0\"; LISTEN_FDS=1 LISTEN_PID=$$ LISTEN_FDNAMES=x exec \"$@\"",
                &secret,
                prog,
                "run",
                "--rm",
                "--entrypoint",
                "sh",
                IMAGE,
                "-c",
                "cat /proc/self/fd/3; true",
            ]),
            None,
        )
    };
    let control = call("podman");
    assert!(
        control.stdout.contains(bait.trim()),
        "{label}: the control's container did not read the open file: {}",
        control.describe()
    );
    let o = call("docker");
    assert_eq!(o.code, Some(0), "{label}: {}", o.describe());
    assert!(
        !o.stdout.contains(bait.trim()) && !o.stderr.contains(bait.trim()),
        "{label}: the container read the caller's open file through the shim: {}",
        o.describe()
    );
}

#[test]
fn a_caller_s_open_files_are_not_handed_over_rootful() {
    open_files_handed_over(Mode::Rootful);
}

#[test]
fn a_caller_s_open_files_are_not_handed_over_rootless() {
    open_files_handed_over(Mode::Rootless);
}

/// An executable file at `path` holding `text` (a runtime wrapper, a hook), in a folder the
/// rootless user can reach.
fn executable(path: &Path, text: &str) {
    let dir = path.parent().expect("a folder");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The window between the shim's check of a file and podman's read of it, made deterministic: a
/// runtime wrapper (what the shim execs) rewrites a build's Containerfile and a `run`'s env file
/// before it execs podman, as a container with their folder mounted read-write could. Called
/// directly (the control), podman reads the rewritten files; through the shim it reads the
/// sealed copies of what the shim checked (`harden.pinned-files`), and the container holds no
/// descriptor of them.
fn files_changed_after_the_check(mode: Mode) {
    let Some(rig) = Rig::new(mode, "pinned") else {
        return;
    };
    let label = mode.label();
    let work = rig.dir.path().join("pinned");
    let checked = format!("FROM {IMAGE}\nCOPY . /c\nRUN echo checked-$((6*7)); ls /c\n");
    let ctx = rig.containerfile(&work.join("ctx"), &checked);
    let containerfile = work.join("ctx/Containerfile");
    let marker = work.join("ctx/marker-real");
    std::fs::write(&marker, "real\n").unwrap();
    rig.own(&marker, false);
    let env_file = work.join("agent.env");
    std::fs::write(&env_file, "A=checked\n").unwrap();
    rig.own(&env_file, false);
    let podman = find_on_path("podman").expect("podman on PATH");
    let wrapper = rig.bin.join("swap/podman");
    executable(
        &wrapper,
        &format!(
            "#!/bin/sh\nset -e\ncommand=$1; [ \"$1\" = --default-mounts-file=/dev/null ] && command=$2\ncase \"$command\" in\nbuild)\n  mv '{c}' '{c}.old'; mkdir '{c}.new'\n  printf 'FROM %s\\nCOPY . /c\\nRUN echo swapped-$((6*7)); ls /c\\n' '{IMAGE}' > '{c}.new/Containerfile'\n  echo x > '{c}.new/marker-swapped'; ln -s '{c}.new' '{c}';;\nrun|exec) printf 'A=swapped\\n' > '{env}';;\nesac\nexec '{podman}' \"$@\"\n",
            c = ctx,
            env = env_file.display(),
            podman = podman.display()
        ),
    );
    let (old, new) = (work.join("ctx.old"), work.join("ctx.new"));
    let reset = || {
        let dir = work.join("ctx");
        if dir.is_symlink() {
            std::fs::remove_file(&dir).unwrap();
        }
        if new.exists() {
            std::fs::remove_dir_all(&new).unwrap();
        }
        if old.exists() {
            std::fs::rename(&old, &dir).unwrap();
        }
        std::fs::write(&containerfile, &checked).unwrap();
        std::fs::write(&env_file, "A=checked\n").unwrap();
    };
    let tag = rig.image_tag("pinned");
    let build = build_argv(&["--no-cache", "-t", &tag, &ctx]);
    let env = env_file.display().to_string();
    let run = strs(&[
        "run",
        "--rm",
        "--env-file",
        &env,
        "--entrypoint",
        "sh",
        IMAGE,
        "-c",
        "echo A=$A; for f in /proc/$$/fd/*; do readlink $f; done; true",
    ]);
    let through = |prog: &str, args: &[String]| {
        reset();
        let mut argv = Vec::new();
        if prog == "docker" {
            argv.push(format!("NANOCLAW_SHIM_RUNTIME={}", wrapper.display()));
        }
        argv.push(if prog == "docker" {
            "docker".to_string()
        } else {
            wrapper.display().to_string()
        });
        argv.extend(args.iter().cloned());
        rig.run("env", &argv, None)
    };
    let all = |o: &Out| format!("{}{}", o.stdout, o.stderr);
    // The control: podman reads the files as the wrapper left them.
    let control = through("podman", &build);
    assert!(
        all(&control).contains("swapped-42")
            && all(&control).contains("marker-swapped")
            && !all(&control).contains("checked-42"),
        "{label}: the control's build did not read the swapped context: {}",
        control.describe()
    );
    let control = through("podman", &run);
    assert!(
        control.stdout.contains("A=swapped"),
        "{label}: the control's container did not get the rewritten env file: {}",
        control.describe()
    );
    // Through the shim: what the shim checked, though the files were rewritten again.
    let o = through("docker", &build);
    assert_eq!(o.code, Some(0), "{label}: {}", o.describe());
    assert!(
        all(&o).contains("checked-42") && all(&o).contains("marker-real") && !all(&o).contains("swapped"),
        "{label}: the build did not read the Containerfile and the context the shim checked: {}",
        o.describe()
    );
    assert!(
        work.join("ctx").is_symlink(),
        "{label}: the wrapper did not swap the context"
    );
    let o = through("docker", &run);
    assert_eq!(o.code, Some(0), "{label}: {}", o.describe());
    assert!(
        o.stdout.contains("A=checked") && !o.stdout.contains("A=swapped"),
        "{label}: the container did not get the env file the shim checked: {}",
        o.describe()
    );
    assert!(
        !o.stdout.contains("nanoclaw-shim-pinned") && !o.stdout.contains("memfd"),
        "{label}: the container holds a descriptor of the shim's copy: {}",
        o.describe()
    );
    // `exec --env-file` into a running container (one the shim made: `deny.foreign-container`):
    // the same.
    let name = rig.unique("pinned");
    let started = rig.run(
        "docker",
        &strs(&["run", "-d", "--rm", "--name", &name, IMAGE, "sleep", "120"]),
        None,
    );
    assert!(started.ok(), "{label}: {}", started.describe());
    let exec = strs(&["exec", "--env-file", &env, &name, "sh", "-c", "echo A=$A"]);
    let control = through("podman", &exec);
    let o = through("docker", &exec);
    let _ = rig.podman(&["rm", "-f", "-t", "0", &name]);
    assert!(
        control.stdout.contains("A=swapped"),
        "{label}: the control's exec did not get the rewritten env file: {}",
        control.describe()
    );
    assert!(
        o.ok() && o.stdout.contains("A=checked"),
        "{label}: the exec did not get the env file the shim checked: {}",
        o.describe()
    );
}

#[test]
fn a_file_changed_after_the_check_is_never_read_rootful() {
    files_changed_after_the_check(Mode::Rootful);
}

#[test]
fn a_file_changed_after_the_check_is_never_read_rootless() {
    files_changed_after_the_check(Mode::Rootless);
}

/// The window between the shim's check of a bind source and the runtime's mount of it, made
/// deterministic: a runtime wrapper (what the shim execs) swaps a folder and a file the call
/// mounts for links to a stand-in secret just before it execs podman, as an agent container
/// with their parent mounted read-write could. Called directly (the control), podman mounts the
/// secret; through the shim the mount check's hook refuses the container before it runs
/// (`harden.mount-check`), and without the swap the same call runs and reads what was checked.
fn mount_source_swapped(mode: Mode) {
    let Some(rig) = Rig::new(mode, "mountswap") else {
        return;
    };
    let label = mode.label();
    let work = rig.dir.path().join("mountswap");
    let (ws, secret) = (work.join("ws"), work.join("secret"));
    rig.mkdirs(&ws.join("notes"));
    rig.mkdirs(&secret);
    for (file, text) in [
        (ws.join("notes/note"), "checked-folder\n"),
        (ws.join("CLAUDE.md"), "checked-file\n"),
        (secret.join("key"), "SECRET-KEY-42\n"),
    ] {
        std::fs::write(&file, text).unwrap();
        rig.own(&file, false);
    }
    let podman = find_on_path("podman").expect("podman on PATH");
    let wrapper = rig.bin.join("mountswap/podman");
    let (w, k) = (ws.display().to_string(), secret.display().to_string());
    executable(
        &wrapper,
        &format!(
            "#!/bin/sh\nset -e\nfor a in \"$@\"; do if [ \"$a\" = run ]; then\n  mv '{w}/notes' '{w}/notes.old'; ln -s '{k}' '{w}/notes'\n  mv '{w}/CLAUDE.md' '{w}/CLAUDE.md.old'; ln -s '{k}/key' '{w}/CLAUDE.md'\n  break\nfi; done\nexec '{podman}' \"$@\"\n",
            podman = podman.display()
        ),
    );
    let reset = || {
        for name in ["notes", "CLAUDE.md"] {
            let (p, old) = (ws.join(name), ws.join(format!("{name}.old")));
            if old.exists() {
                std::fs::remove_file(&p).unwrap();
                std::fs::rename(&old, &p).unwrap();
            }
        }
    };
    let run = strs(&[
        "run",
        "--rm",
        "-v",
        &format!("{w}/notes:/notes:ro"),
        "-v",
        &format!("{w}/CLAUDE.md:/workspace/CLAUDE.md:ro"),
        "--entrypoint",
        "sh",
        IMAGE,
        "-c",
        "cat /notes/* /workspace/CLAUDE.md",
    ]);
    let through = |prog: &str, runtime: &Path| {
        reset();
        let mut argv = Vec::new();
        if prog == "docker" {
            argv.push(format!("NANOCLAW_SHIM_RUNTIME={}", runtime.display()));
            argv.push("docker".to_string());
        } else {
            argv.push(runtime.display().to_string());
        }
        argv.extend(run.iter().cloned());
        let o = rig.run("env", &argv, None);
        reset();
        o
    };
    let all = |o: &Out| format!("{}{}", o.stdout, o.stderr);
    // The control: podman mounts what the wrapper swapped in.
    let control = through("podman", &wrapper);
    assert!(
        control.stdout.matches("SECRET-KEY-42").count() == 2,
        "{label}: the control's container did not get the swapped-in secret twice: {}",
        control.describe()
    );
    // Through the shim, unswapped: the hook lets the container run.
    let o = through("docker", &podman);
    assert!(
        o.ok() && o.stdout.contains("checked-folder") && o.stdout.contains("checked-file"),
        "{label}: the unswapped call did not run: {}",
        o.describe()
    );
    // Through the shim, swapped after the check: the hook refuses the container.
    let o = through("docker", &wrapper);
    assert!(
        !o.ok() && all(&o).contains("[harden.mount-check]") && !all(&o).contains("SECRET-KEY-42"),
        "{label}: a bind source swapped after the check was mounted: {}",
        o.describe()
    );
    // A memory file system inside a mounted folder: the runtime copies into it what is at its
    // place, by path, where a running container could swap in a link (the red team's); refused
    // by the hook whatever is there.
    let o = rig.docker(
        &strs(&[
            "run",
            "--rm",
            "-v",
            &format!("{w}:/ws"),
            "--tmpfs",
            "/ws/notes",
            "--entrypoint",
            "sh",
            IMAGE,
            "-c",
            "true",
        ]),
        None,
    );
    assert!(
        !o.ok() && all(&o).contains("the memory file system at /ws/notes lies in a mounted folder"),
        "{label}: a tmpfs inside a bind was not refused: {}",
        o.describe()
    );
    // The same inside a named volume, which another container can change as this one starts:
    // the hook runs with no bind to compare. The volume alone runs (a policy that allows
    // named volumes: the default allows none).
    rig.allow_named_volumes();
    let volume = rig.unique("mountswap-vol");
    let in_volume = |tmpfs: bool| {
        let mut a = strs(&["run", "--rm", "-v", &format!("{volume}:/vol")]);
        if tmpfs {
            a.extend(strs(&["--tmpfs", "/vol/notes"]));
        }
        a.extend(strs(&["--entrypoint", "sh", IMAGE, "-c", "echo volume-ran"]));
        rig.docker(&a, None)
    };
    let alone = in_volume(false);
    let inside = in_volume(true);
    rig.docker(&strs(&["volume", "rm", "-f", &volume]), None);
    assert!(
        alone.ok() && alone.stdout.contains("volume-ran"),
        "{label}: a named volume alone did not run: {}",
        alone.describe()
    );
    assert!(
        !inside.ok()
            && all(&inside).contains("the memory file system at /vol/notes lies in a mounted folder"),
        "{label}: a tmpfs inside a named volume was not refused: {}",
        inside.describe()
    );
    // nanoclaw's newest `create`, then `start --attach`: swapped between the two, refused at
    // the start; podman starting the same container itself (the control) mounts the secret.
    let name = rig.unique("mountswap");
    let mut create = run.clone();
    create[0] = "create".into();
    create.splice(1..2, ["--name".to_string(), name.clone()]);
    let o = rig.docker(&create, None);
    assert!(o.ok(), "{label}: docker create: {}", o.describe());
    for (name, target) in [("notes", k.clone()), ("CLAUDE.md", format!("{k}/key"))] {
        std::fs::rename(ws.join(name), ws.join(format!("{name}.old"))).unwrap();
        std::os::unix::fs::symlink(&target, ws.join(name)).unwrap();
        if mode == Mode::Rootless {
            std::os::unix::fs::lchown(ws.join(name), rig.user.as_ref().map(|u| u.uid), None).unwrap();
        }
    }
    let o = rig.docker(&strs(&["start", "--attach", &name]), None);
    let control = rig.podman(&["start", "--attach", &name]);
    let _ = rig.podman(&["rm", "-f", "-t", "0", &name]);
    reset();
    assert!(
        !o.ok() && all(&o).contains("[harden.mount-check]") && !all(&o).contains("SECRET-KEY-42"),
        "{label}: a bind source swapped between create and start was mounted: {}",
        o.describe()
    );
    assert!(
        control.stdout.contains("SECRET-KEY-42"),
        "{label}: podman's own start did not mount the swapped-in secret: {}",
        control.describe()
    );
}

/// A `--cidfile`'s folder swapped for a link between the shim's check and podman's write (a
/// runtime wrapper does it, as a container with the folder's parent read-write could): podman
/// called directly writes where the link points (the control); through the shim it writes into
/// the folder the shim opened and judged (`harden.pinned-files`).
fn cidfile_folder_swapped(mode: Mode) {
    let Some(rig) = Rig::new(mode, "cidswap") else {
        return;
    };
    let label = mode.label();
    let work = rig.dir.path().join("cidswap");
    let (dir, moved, elsewhere) = (work.join("cid"), work.join("cid.old"), work.join("elsewhere"));
    rig.mkdirs(&dir);
    rig.mkdirs(&elsewhere);
    let podman = find_on_path("podman").expect("podman on PATH");
    let wrapper = rig.bin.join("cidswap/podman");
    executable(
        &wrapper,
        &format!(
            "#!/bin/sh\nset -e\nfor a in \"$@\"; do if [ \"$a\" = create ]; then mv '{d}' '{m}'; ln -s '{e}' '{d}'; break; fi; done\nexec '{podman}' \"$@\"\n",
            d = dir.display(),
            m = moved.display(),
            e = elsewhere.display(),
            podman = podman.display()
        ),
    );
    let reset = || {
        if dir.is_symlink() {
            std::fs::remove_file(&dir).unwrap();
        }
        if moved.exists() {
            std::fs::rename(&moved, &dir).unwrap();
        }
        for f in [dir.join("id"), elsewhere.join("id")] {
            let _ = std::fs::remove_file(f);
        }
    };
    let cid = dir.join("id").display().to_string();
    let run = strs(&[
        // `create`: podman 5 removes a `run --rm`'s cidfile with the container.
        "create",
        "--cidfile",
        &cid,
        "--entrypoint",
        "sh",
        IMAGE,
        "-c",
        "true",
    ]);
    let through = |prog: &str| {
        reset();
        let mut argv = vec![format!("NANOCLAW_SHIM_RUNTIME={}", wrapper.display())];
        argv.push(if prog == "docker" {
            "docker".to_string()
        } else {
            wrapper.display().to_string()
        });
        argv.extend(run.iter().cloned());
        let o = rig.run("env", &argv, None);
        let wrote = (moved.join("id").exists(), elsewhere.join("id").exists());
        let id = o.stdout.trim().to_string();
        if !id.is_empty() {
            let _ = rig.podman(&["rm", "-f", "-t", "0", &id]);
        }
        reset();
        (o, wrote)
    };
    let (control, wrote) = through("podman");
    assert!(
        control.ok() && wrote == (false, true),
        "{label}: the control did not write through the link: {wrote:?} {}",
        control.describe()
    );
    let (o, wrote) = through("docker");
    assert!(
        o.ok() && wrote == (true, false),
        "{label}: the cidfile was not written into the folder the shim checked: {wrote:?} {}",
        o.describe()
    );
}

#[test]
fn a_cidfile_s_folder_swapped_after_the_check_is_not_written_rootful() {
    cidfile_folder_swapped(Mode::Rootful);
}

#[test]
fn a_cidfile_s_folder_swapped_after_the_check_is_not_written_rootless() {
    cidfile_folder_swapped(Mode::Rootless);
}

/// The double race (the red team's): a bind source judged as a harmless file podman also mounts
/// itself (catatonit, at `/run/podman-init` under `--init`), swapped for a secret before the
/// mount, and its target, beneath another read-write bind, pointed elsewhere for the mount and
/// at `/run/podman-init` for the check. A wrapper does the first two steps and names a hook of its
/// own that runs before the shim's and does the third. The mount check walks the target without
/// following a link inside a mounted folder, so the container is refused; the secret is never
/// read.
fn target_retargeted_for_the_check(mode: Mode) {
    let Some(rig) = Rig::new(mode, "retarget") else {
        return;
    };
    let label = mode.label();
    let catatonit = Path::new("/usr/libexec/podman/catatonit");
    assert!(
        catatonit.exists(),
        "{label}: podman's catatonit is not at {}",
        catatonit.display()
    );
    let work = rig.dir.path().join("retarget");
    let (grp, secret) = (work.join("grp"), work.join("secret"));
    rig.mkdirs(&grp);
    rig.mkdirs(&secret);
    std::fs::write(secret.join("key"), "SECRET-KEY-42\n").unwrap();
    rig.own(&secret.join("key"), false);
    let (g, k) = (grp.display().to_string(), secret.display().to_string());
    let podman = find_on_path("podman").expect("podman on PATH");
    let race = rig.bin.join("retarget");
    let script = race.join("retarget.sh");
    executable(
        &script,
        &format!("#!/bin/sh\nln -s /run/podman-init '{g}/x.new' && mv -T '{g}/x.new' '{g}/x'\nexit 0\n"),
    );
    std::fs::create_dir(race.join("hooks")).unwrap();
    std::fs::set_permissions(race.join("hooks"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        race.join("hooks/00-race.json"),
        format!(
            r#"{{"version":"1.0.0","hook":{{"path":"{}"}},"when":{{"always":true}},"stages":["createContainer"]}}"#,
            script.display()
        ),
    )
    .unwrap();
    let wrapper = race.join("podman");
    executable(
        &wrapper,
        &format!(
            "#!/bin/sh\nfor a in \"$@\"; do if [ \"$a\" = run ]; then\n  ln -sfn '{k}/key' '{g}/link'; : > '{g}/y'; ln -sfn /g/y '{g}/x'\n  exec '{podman}' --hooks-dir='{h}' \"$@\"\nfi; done\nexec '{podman}' \"$@\"\n",
            podman = podman.display(),
            h = race.join("hooks").display()
        ),
    );
    // Judged: the link leads to catatonit, a file the shim lets any call mount.
    std::os::unix::fs::symlink(catatonit, grp.join("link")).unwrap();
    if let (Mode::Rootless, Some(u)) = (mode, rig.user.as_ref()) {
        std::os::unix::fs::lchown(grp.join("link"), Some(u.uid), Some(u.gid)).unwrap();
    }
    let argv = strs(&[
        &format!("NANOCLAW_SHIM_RUNTIME={}", wrapper.display()),
        "docker",
        "run",
        "--rm",
        "-v",
        &format!("{g}:/g"),
        "-v",
        &format!("{g}/link:/g/x:ro"),
        "--entrypoint",
        "sh",
        IMAGE,
        "-c",
        "cat /g/y",
    ]);
    let o = rig.run("env", &argv, None);
    let all = format!("{}{}", o.stdout, o.stderr);
    assert!(
        !o.ok() && all.contains("[harden.mount-check]") && !all.contains("SECRET-KEY-42"),
        "{label}: the retargeted mount was not refused: {}",
        o.describe()
    );
    assert!(
        all.contains("a link on the way lies in a mounted folder"),
        "{label}: refused, but not for the retargeted link: {}",
        o.describe()
    );
}

/// A memory file system placed in a mounted folder, moved away (its folder renamed) by a hook
/// of the race's own that runs before the shim's: with nothing at its place, the folders on the
/// way decide, and a memory file system must be where the runtime mounted it (a nineteenth
/// look's: the check passed a place it could not find). The control, unmoved, is refused too.
fn a_place_moved_before_the_check(mode: Mode) {
    let Some(rig) = Rig::new(mode, "moved") else {
        return;
    };
    let label = mode.label();
    let grp = rig.dir.path().join("moved/grp");
    rig.mkdirs(&grp.join("a/notes"));
    let g = grp.display().to_string();
    let podman = find_on_path("podman").expect("podman on PATH");
    let race = rig.bin.join("moved");
    let script = race.join("move.sh");
    executable(
        &script,
        &format!(
            "#!/bin/sh
mv '{g}/a' '{g}/z'
exit 0
"
        ),
    );
    std::fs::create_dir(race.join("hooks")).unwrap();
    std::fs::set_permissions(race.join("hooks"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        race.join("hooks/00-move.json"),
        format!(
            r#"{{"version":"1.0.0","hook":{{"path":"{}"}},"when":{{"always":true}},"stages":["createContainer"]}}"#,
            script.display()
        ),
    )
    .unwrap();
    let wrapper = race.join("podman");
    executable(
        &wrapper,
        &format!(
            "#!/bin/sh
for a in \"$@\"; do if [ \"$a\" = run ]; then exec '{podman}' --hooks-dir='{h}' \"$@\"; fi; done\nexec '{podman}' \"$@\"\n",
            podman = podman.display(),
            h = race.join("hooks").display()
        ),
    );
    let run = |runtime: &Path| {
        if grp.join("z").exists() {
            std::fs::rename(grp.join("z"), grp.join("a")).unwrap();
        }
        let argv = strs(&[
            &format!("NANOCLAW_SHIM_RUNTIME={}", runtime.display()),
            "docker",
            "run",
            "--rm",
            "-v",
            &format!("{g}:/g"),
            "--tmpfs",
            "/g/a/notes",
            "--entrypoint",
            "sh",
            IMAGE,
            "-c",
            "echo moved-ran",
        ]);
        let o = rig.run("env", &argv, None);
        (format!("{}{}", o.stdout, o.stderr), o)
    };
    let (all, o) = run(&podman);
    assert!(
        !o.ok() && all.contains("the memory file system at /g/a/notes lies in a mounted folder"),
        "{label}: the unmoved control was not refused: {}",
        o.describe()
    );
    let (all, o) = run(&wrapper);
    assert!(
        grp.join("z").exists(),
        "{label}: the race's hook did not run: {}",
        o.describe()
    );
    assert!(
        !o.ok() && !all.contains("moved-ran") && all.contains("is gone from where the runtime mounted it"),
        "{label}: a memory file system moved before the check was let through: {}",
        o.describe()
    );
}

#[test]
fn a_place_moved_before_the_check_is_refused_rootful() {
    a_place_moved_before_the_check(Mode::Rootful);
}

#[test]
fn a_place_moved_before_the_check_is_refused_rootless() {
    a_place_moved_before_the_check(Mode::Rootless);
}

/// A memory file system led by an image's link onto a volume's own mount point covers the
/// volume, and the runtime fills it with what the volume holds, which another container can
/// write (a twentieth look's, with a link in a Debian image); so does one stacked on such a
/// memory file system through a second spelling of the place (a twenty-first look's, with the
/// browser image's `/bin -> usr/bin` and `/usr/bin/X11 -> .`). The hook refuses a memory file
/// system made on anything but the image or the container's own memory file systems. The links
/// here are of different depths, so podman mounts the volume first and the memory file systems
/// on it in order, every run. The control (plain podman) shows the volume's file copied in. A
/// memory file system in an anonymous volume (which any container can mount by the name podman
/// gives it) is refused too. And the twenty-second look's: three volumes an agent prepared with
/// links, a tmpfs filled through one of them, then two given `notmpcopyup` that cover the link
/// and put an empty tmpfs where the first one's path now leads: the hook finds every memory file
/// system by the mount table, not by its path, and refuses.
/// Where podman puts the volume's files, an image's root writes (`deny.root-user` relaxed: the
/// hook refuses a root process since the fortieth pass).
fn a_tmpfs_on_a_volume(mode: Mode) {
    let Some(rig) = Rig::new(mode, "tmpvol") else {
        return;
    };
    allow_root(&rig);
    let label = mode.label();
    let ctx = rig.containerfile(
        &rig.dir.path().join("tmpvol"),
        &format!("FROM {IMAGE}\nUSER root\nRUN mkdir -p /srv /x/y /var/mail /opt && ln -s /srv /x/s && ln -s /srv /x/y/s\n"),
    );
    let tag = rig.image_tag("tmpvol");
    let b = rig.run("podman", &build_argv(&["--no-cache", "-t", &tag, &ctx]), None);
    assert!(b.ok(), "{label}: building the image: {}", b.describe());
    // A policy that allows named volumes (the default allows none).
    rig.allow_named_volumes();
    let volume = rig.unique("tmpvol");
    let on_volume = format!("{volume}:/srv");
    let run = |prog: &str, extra: &[&str], script: &str| {
        let mut a = strs(&["run", "--rm", "-v", &on_volume]);
        a.extend(strs(extra));
        a.extend(strs(&["--entrypoint", "sh", &tag, "-c", script]));
        if prog == "docker" {
            rig.docker(&a, None)
        } else {
            rig.run(prog, &a, None)
        }
    };
    let fill = run("docker", &[], "echo VOLUME-MARK > /srv/m");
    let single = ["--tmpfs", "/x/s"];
    let stacked = ["--tmpfs", "/x/s", "--tmpfs", "/x/y/s"];
    let controls = [
        run("podman", &single, "cat /x/s/m"),
        run("podman", &stacked, "cat /x/y/s/m"),
    ];
    let tries = [
        run("docker", &single, "cat /x/s/m"),
        run("docker", &single, "cat /x/s/m"),
        run("docker", &stacked, "cat /x/y/s/m"),
        run("docker", &stacked, "cat /x/y/s/m"),
    ];
    let (a, b, c) = (
        rig.unique("tmpvol-a"),
        rig.unique("tmpvol-b"),
        rig.unique("tmpvol-c"),
    );
    let three = |rest: &[&str]| {
        let mut v = strs(&[
            "run",
            "--rm",
            "-v",
            &format!("{a}:/var/mail"),
            "-v",
            &format!("{b}:/opt/v2"),
            "-v",
            &format!("{c}:/srv/v3"),
        ]);
        v.extend(strs(rest));
        rig.docker(&v, None)
    };
    let prepared = three(&[
        "--entrypoint",
        "sh",
        &tag,
        "-c",
        "mkdir -p /var/mail/x /srv/v3/a/b/c/d/e && echo VOLUME-MARK > /var/mail/x/m && ln -s /var/mail /opt/v2/t && ln -s /opt /srv/v3/a/b/c/up && ln -s /opt/v2/t/x /srv/v3/a/b/c/d/e/g",
    ]);
    let covered = three(&[
        "--tmpfs",
        "/opt/v2/t/x",
        "--tmpfs",
        "/srv/v3/a/b/c/up:notmpcopyup",
        "--tmpfs",
        "/srv/v3/a/b/c/d/e/g:notmpcopyup",
        "--entrypoint",
        "sh",
        &tag,
        "-c",
        "cat /var/mail/x/m",
    ]);
    let anonymous = rig.docker(
        &strs(&[
            "run",
            "--rm",
            "-v",
            "/home/node/w",
            "--tmpfs",
            "/home/node/w/x",
            "--entrypoint",
            "sh",
            &tag,
            "-c",
            "echo anonymous-ran",
        ]),
        None,
    );
    let _ = rig.podman(&["volume", "rm", "-f", &volume, &a, &b, &c]);
    let _ = rig.podman(&["rmi", "-f", &tag]);
    assert!(fill.ok(), "{label}: filling the volume: {}", fill.describe());
    for c in &controls {
        assert!(
            c.ok() && c.stdout.contains("VOLUME-MARK"),
            "{label}: the control did not copy the volume into the tmpfs: {}",
            c.describe()
        );
    }
    for o in &tries {
        let all = format!("{}{}", o.stdout, o.stderr);
        assert!(
            !o.ok() && !all.contains("VOLUME-MARK") && all.contains("is not a mount of its own on the image"),
            "{label}: a tmpfs on a volume was let through: {}",
            o.describe()
        );
    }
    assert!(
        prepared.ok(),
        "{label}: preparing the volumes: {}",
        prepared.describe()
    );
    let all = format!("{}{}", covered.stdout, covered.stderr);
    assert!(
        !covered.ok()
            && !all.contains("VOLUME-MARK")
            && all.contains("is made on a mount another container can change"),
        "{label}: a tmpfs filled from a volume, its path covered after, was let through: {}",
        covered.describe()
    );
    // An anonymous volume is refused before podman is asked (`deny.ceiling`), a tmpfs in it
    // with it.
    assert_refusal(&anonymous, "[deny.ceiling]");
}

/// podman 4 copies an image's annotations into every container made from it, where the runtime
/// acts on them (crun: `run.oci.keep_original_groups=1` keeps the caller's groups,
/// `org.systemd.property.*`, `org.criu.config`): an image pulled or built elsewhere carries the
/// `--annotation` the shim refuses on the command line. The control (plain podman) creates a
/// container from an image built with `run.oci.keep_original_groups=1` and the container's
/// configuration holds it; through the shim the hook finds it in the final configuration and the
/// container never starts (`deny.annotation`), nor can a restart policy start it without the
/// hook; the same image without it runs. podman 5 leaves
/// an image's annotations out (5.4.2), and sets some of its own under a refused prefix: there
/// both images run. Rootful and rootless.
fn an_image_s_runtime_annotation(mode: Mode) {
    let Some(rig) = Rig::new(mode, "imgannot") else {
        return;
    };
    let label = mode.label();
    let ctx = rig.containerfile(
        &rig.dir.path().join("imgannot"),
        &format!("FROM {IMAGE}\nLABEL probe=1\n"),
    );
    let (bad, good) = (rig.image_tag("imgannot-bad"), rig.image_tag("imgannot-good"));
    for (tag, annotation) in [
        (&bad, "run.oci.keep_original_groups=1"),
        (&good, "org.example.team=blue"),
    ] {
        let built = rig.podman(&[
            "build",
            "-q",
            "--no-cache",
            "--annotation",
            annotation,
            "-t",
            tag,
            &ctx,
        ]);
        assert!(built.ok(), "{label}: building {tag}: {}", built.describe());
    }
    let name = format!("{}-control", rig.tag);
    let created = rig.podman(&["create", "--name", &name, &bad, "exit", "0"]);
    let inspected = rig.podman(&[
        "container",
        "inspect",
        "--format",
        "{{json .Config.Annotations}}",
        &name,
    ]);
    let _ = rig.podman(&["rm", "-f", &name]);
    assert!(
        created.ok(),
        "{label}: the control's create: {}",
        created.describe()
    );
    let copied = inspected
        .stdout
        .contains("\"run.oci.keep_original_groups\":\"1\"");
    let run = |tag: &str| rig.docker(&strs(&["run", "--rm", tag, "report"]), None);
    let four = ci_env()
        .get("PODMAN_VERSION")
        .is_some_and(|v| v.starts_with("4."));
    if four || copied {
        // podman 4 copies it: the hook finds it and the container never starts.
        assert!(
            copied,
            "{label}: podman 4 did not copy the image's annotation into the control: {}",
            inspected.describe()
        );
        let refused = run(&bad);
        let all = format!("{}{}", refused.stdout, refused.stderr);
        assert!(
            !refused.ok()
                && all.contains("deny.annotation")
                && all.contains("run.oci.keep_original_groups")
                && !all.contains("---NANOCLAW_OUTPUT_START---"),
            "{label}: a container with its image's runtime annotation started: {}",
            refused.describe()
        );
    } else {
        // podman 5 leaves an image's annotations out of its containers: nothing to refuse, and
        // its own under a refused prefix (`org.systemd.property.KillSignal`) pass.
        let ran = run(&bad);
        assert!(ran.ok(), "{label}: {}", ran.describe());
    }
    let ran = run(&good);
    assert!(
        ran.ok() && ran.stdout.contains("---NANOCLAW_OUTPUT_START---"),
        "{label}: an image with a harmless annotation did not run: {}",
        ran.describe()
    );
    // A start podman makes by itself runs no hook (the thirty-fourth look's: a restart policy
    // brought up the container the hook had refused): no restart policy is let through.
    let name = format!("{}-restart", rig.tag);
    let restarting = rig.docker(
        &strs(&[
            "run",
            "-d",
            "--name",
            &name,
            "--restart=always",
            &bad,
            "sleep",
            "30",
        ]),
        None,
    );
    let _ = rig.podman(&["rm", "-f", &name]);
    assert_refusal(&restarting, "harden.mount-check");
}

/// podman copies an image's labels into its containers, and its auto-update timer (root's,
/// daily) restarts whatever systemd unit a container's `PODMAN_SYSTEMD_UNIT` names when its
/// `io.containers.autoupdate` policy finds a newer image (the thirty-fifth look's: `podman-kube@`
/// of a YAML the agent wrote, or `reboot.target`). The control (plain podman) creates a container
/// from an image carrying both labels and keeps the policy `local`; through the shim the
/// container's policy is `disabled` (`harden.auto-update`), which auto-update passes over; and a
/// caller's label naming a policy or a unit is refused. Rootful and rootless.
fn an_image_s_auto_update_labels(mode: Mode) {
    let Some(rig) = Rig::new(mode, "autoupd") else {
        return;
    };
    let label = mode.label();
    let ctx = rig.containerfile(
        &rig.dir.path().join("autoupd"),
        &format!("FROM {IMAGE}\nLABEL io.containers.autoupdate=local PODMAN_SYSTEMD_UNIT=reboot.target\n"),
    );
    let tag = rig.image_tag("autoupd");
    let built = rig.podman(&["build", "-q", "--no-cache", "-t", &tag, &ctx]);
    assert!(built.ok(), "{label}: {}", built.describe());
    let policy_of = |name: &str| {
        let o = rig.podman(&[
            "container",
            "inspect",
            "--format",
            "{{index .Config.Labels \"io.containers.autoupdate\"}}",
            name,
        ]);
        let _ = rig.podman(&["rm", "-f", name]);
        o.stdout.trim().to_string()
    };
    let control = format!("{}-control", rig.tag);
    let o = rig.podman(&["create", "--name", &control, &tag, "exit", "0"]);
    assert!(o.ok(), "{label}: {}", o.describe());
    assert_eq!(
        policy_of(&control),
        "local",
        "{label}: the control kept no policy from the image"
    );
    let shimmed = format!("{}-shim", rig.tag);
    let o = rig.docker(&strs(&["create", "--name", &shimmed, &tag, "exit", "0"]), None);
    assert!(o.ok(), "{label}: {}", o.describe());
    assert_eq!(
        policy_of(&shimmed),
        "disabled",
        "{label}: a container made through the shim kept its image's auto-update policy"
    );
    for l in [
        "io.containers.autoupdate=registry",
        "PODMAN_SYSTEMD_UNIT=ssh.service",
    ] {
        let o = rig.docker(&strs(&["create", "--label", l, &tag, "exit", "0"]), None);
        assert_refusal(&o, "harden.auto-update");
    }
}

/// An image's `HEALTHCHECK --interval=1ms` (the thirty-fifth look's): each check is a process
/// the host starts (a systemd timer's `podman healthcheck run`, outside the container's
/// ceilings), at the interval the container's configuration holds. Through the shim that
/// configuration holds no check; a caller's own check keeps its command at an interval the
/// policy allows, and a faster one is refused.
fn an_image_s_health_check(mode: Mode) {
    let Some(rig) = Rig::new(mode, "health") else {
        return;
    };
    let label = mode.label();
    let ctx = rig.containerfile(
        &rig.dir.path().join("health"),
        &format!("FROM {IMAGE}\nHEALTHCHECK --interval=1ms --timeout=1ms --retries=1 CMD true\n"),
    );
    let tag = rig.image_tag("health");
    // Only docker's image format carries a health check.
    let built = rig.podman(&[
        "build",
        "-q",
        "--no-cache",
        "--format",
        "docker",
        "-t",
        &tag,
        &ctx,
    ]);
    assert!(built.ok(), "{label}: {}", built.describe());
    let check_of = |name: &str| {
        let o = rig.podman(&[
            "container",
            "inspect",
            "--format",
            "{{json .Config.Healthcheck}}",
            name,
        ]);
        let _ = rig.podman(&["rm", "-f", name]);
        assert!(o.ok(), "{label}: {}", o.describe());
        serde_json::from_str::<serde_json::Value>(o.stdout.trim()).unwrap_or_default()
    };
    let control = format!("{}-control", rig.tag);
    let o = rig.podman(&["create", "--name", &control, &tag, "exit", "0"]);
    assert!(o.ok(), "{label}: {}", o.describe());
    let c = check_of(&control);
    assert_eq!(
        c["Interval"], 1_000_000,
        "{label}: the control kept no 1ms check: {c}"
    );
    let shimmed = format!("{}-shim", rig.tag);
    let o = rig.docker(&strs(&["create", "--name", &shimmed, &tag, "exit", "0"]), None);
    assert!(o.ok(), "{label}: {}", o.describe());
    let c = check_of(&shimmed);
    assert_eq!(
        c["Test"],
        serde_json::json!(["NONE"]),
        "{label}: a container made through the shim kept its image's health check: {c}"
    );
    let own = format!("{}-own", rig.tag);
    let o = rig.docker(
        &strs(&[
            "create",
            "--name",
            &own,
            "--health-cmd",
            "true",
            "--health-interval=1m",
            &tag,
            "exit",
            "0",
        ]),
        None,
    );
    assert!(o.ok(), "{label}: {}", o.describe());
    let c = check_of(&own);
    assert_eq!(
        c["Test"],
        serde_json::json!(["CMD-SHELL", "true"]),
        "{label}: {c}"
    );
    assert_eq!(c["Interval"], 60_000_000_000u64, "{label}: {c}");
    for a in [
        &["create", "--health-cmd=true", "--health-interval=1ms"][..],
        &["create", "--health-interval=1m"],
    ] {
        let mut a = a.to_vec();
        a.extend([tag.as_str(), "exit", "0"]);
        assert_refusal(&rig.docker(&strs(&a), None), "harden.healthcheck");
    }
}

/// A container made by podman itself (all capabilities, here) carries none of the shim's
/// expectations: `docker start` through the shim names the hook folder, and the hook, which runs
/// for every container podman starts with it, refuses it before anything in it runs (the
/// thirty-fourth look's: it started). One made through the shim starts.
fn a_container_made_without_the_shim(mode: Mode) {
    let Some(rig) = Rig::new(mode, "foreign") else {
        return;
    };
    let label = mode.label();
    let foreign = format!("{}-foreign", rig.tag);
    let o = rig.podman(&[
        "create",
        "--name",
        &foreign,
        "--cap-add",
        "ALL",
        "--entrypoint",
        "sh",
        IMAGE,
        "-c",
        "echo foreign-ran",
    ]);
    assert!(o.ok(), "{label}: {}", o.describe());
    // The control: podman starts it.
    let ran = rig.podman(&["start", "-a", &foreign]);
    assert!(ran.stdout.contains("foreign-ran"), "{label}: {}", ran.describe());
    // Refused before podman is asked to start it (`deny.foreign-container`) ...
    let refused = rig.docker(&strs(&["start", "-a", &foreign]), None);
    assert_refusal(&refused, "[deny.foreign-container]");
    // ... and, with that rule off, by the mount check's hook, inside podman's start.
    let policy = rig.bin.join("policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let off = text.replacen("foreign_containers = true", "foreign_containers = false", 1);
    assert_ne!(text, off, "the default policy no longer names foreign_containers");
    std::fs::write(&policy, off).unwrap();
    let refused = rig.docker(&strs(&["start", "-a", &foreign]), None);
    std::fs::write(&policy, text).unwrap();
    let all = format!("{}{}", refused.stdout, refused.stderr);
    let _ = rig.podman(&["rm", "-f", &foreign]);
    assert!(
        !refused.ok()
            && all.contains("harden.mount-check")
            && all.contains("not made through the shim")
            && !all.contains("foreign-ran"),
        "{label}: a container made without the shim started through it: {}",
        refused.describe()
    );
    let made = format!("{}-made", rig.tag);
    let o = rig.docker(
        &strs(&[
            "create",
            "--name",
            &made,
            "--entrypoint",
            "sh",
            IMAGE,
            "-c",
            "echo made-ran",
        ]),
        None,
    );
    assert!(o.ok(), "{label}: {}", o.describe());
    let ran = rig.docker(&strs(&["start", "-a", &made]), None);
    let _ = rig.podman(&["rm", "-f", &made]);
    assert!(
        ran.ok() && ran.stdout.contains("made-ran"),
        "{label}: a container made through the shim did not start through it: {}",
        ran.describe()
    );
}

#[test]
fn a_container_made_without_the_shim_never_starts_through_it_rootful() {
    a_container_made_without_the_shim(Mode::Rootful);
}

#[test]
fn a_container_made_without_the_shim_never_starts_through_it_rootless() {
    a_container_made_without_the_shim(Mode::Rootless);
}

/// The shim's cache folder (`XDG_CACHE_HOME`, where its hook file lies) or podman's
/// configuration (`XDG_CONFIG_HOME`) in a named volume's folder: a rootless volume's folder is
/// the caller's own, so an owner check passes it, and a container with the volume forged the
/// hook file and `containers.conf`, which podman then ran on the host (the thirty-ninth look's).
/// Refused before podman runs, for both, and for a link that leads there. Rootless: `env -i`
/// takes the variable as its first assignment after the rig's.
#[test]
fn a_folder_of_the_caller_s_own_in_a_volume_is_refused_rootless() {
    let Some(rig) = Rig::new(Mode::Rootless, "volfolder") else {
        return;
    };
    let vol = rig.unique("vol");
    let made = rig.podman(&["volume", "create", &vol]);
    assert!(made.ok(), "{}", made.describe());
    let mp = rig.podman(&["volume", "inspect", "--format", "{{.Mountpoint}}", &vol]);
    let mountpoint = mp.stdout.trim().to_string();
    assert!(mp.ok() && mountpoint.ends_with("/_data"), "{}", mp.describe());
    // A link in the caller's home that leads there (a container can make one in a read-write
    // workspace): judged where it leads.
    let home = rig
        .user
        .as_ref()
        .map(|u| u.home.clone())
        .expect("a rootless rig has a user");
    let link = PathBuf::from(home).join(format!("{vol}-link"));
    symlink(&mountpoint, &link).unwrap();
    let bin = rig.bin.display().to_string();
    let mut outs = Vec::new();
    for (var, at) in [
        // podman runs its helpers (`newuidmap`, `conmon`, `pasta`) from PATH, the shim the
        // runtime: a folder there that a container writes (the fortieth look's).
        ("PATH", format!("{mountpoint}:{bin}:/usr/bin:/bin")),
        ("XDG_CACHE_HOME", mountpoint.clone()),
        ("XDG_CONFIG_HOME", mountpoint.clone()),
        ("XDG_CONFIG_HOME", link.display().to_string()),
        ("XDG_CACHE_HOME", link.display().to_string()),
        // Where a build writes each RUN step's spec (the forty-third look's container rewrote
        // one through such a link), and where podman reads registry logins.
        ("TMPDIR", link.display().to_string()),
        ("REGISTRY_AUTH_FILE", format!("{}/auth.json", link.display())),
    ] {
        let o = rig.run(
            &format!("{var}={at}"),
            &strs(&["docker", "run", "--rm", IMAGE, "true"]),
            None,
        );
        outs.push((var, o));
    }
    let _ = std::fs::remove_file(&link);
    let _ = rig.podman(&["volume", "rm", "-f", &vol]);
    for (var, o) in outs {
        assert!(
            o.code == Some(125) && o.stdout.is_empty() && o.stderr.contains("container storage"),
            "{var} in a volume's folder: {}",
            o.describe()
        );
    }
}

/// Another hook beside the shim's in its hook folder: podman runs every `*.json` there, so a file
/// a container wrote while it had the cache folder (the fifty-second look's `0.json`, with
/// `XDG_CACHE_HOME` moved into a workspace an earlier call mounted read-write) ran its program on
/// the host at the next `docker run`, though the shim's own file was rewritten. The control:
/// podman given that folder runs the planted program. Through the shim the call is refused and
/// nothing ran.
fn another_hook_beside_the_shim_s(mode: Mode) {
    let Some(rig) = Rig::new(mode, "otherhook") else {
        return;
    };
    let label = mode.label();
    // A copy of the shim of this test's own: its hook file names the copy, so its hook folder
    // (named by the file's hash) is this test's alone, and the file planted there refuses no
    // other test's calls.
    let bin = rig.dir.path().join("otherhook-bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let docker = bin.join("docker");
    std::fs::copy(rig.bin.join("docker"), &docker).unwrap();
    std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o755)).unwrap();
    let docker = docker.display().to_string();
    let cache = rig.dir.path().join("otherhook-cache");
    std::fs::create_dir(&cache).unwrap();
    rig.own(&cache, true);
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
    let in_cache = format!("XDG_CACHE_HOME={}", cache.display());
    let run = |prog: &str, args: &[&str]| {
        let mut argv = strs(&[&in_cache, prog]);
        argv.extend(strs(args));
        rig.run("env", &argv, None)
    };
    let o = run(&docker, &["run", "--rm", IMAGE, "exit", "0"]);
    assert!(o.ok(), "{label}: {}", o.describe());
    // The hook folder: beneath the caller's runtime folder (`/run/nanoclaw-shim` for root,
    // `/run/user/UID/nanoclaw-shim`), which no variable moves, else the cache folder; the one
    // whose file names the copy.
    let uid = rig
        .user
        .as_ref()
        .filter(|_| mode == Mode::Rootless)
        .map_or(0, |u| u.uid);
    let bases = [
        if uid == 0 {
            PathBuf::from("/run/nanoclaw-shim")
        } else {
            PathBuf::from(format!("/run/user/{uid}/nanoclaw-shim"))
        },
        cache.join("nanoclaw-shim"),
    ];
    let hooks = bases
        .iter()
        .filter_map(|b| std::fs::read_dir(b).ok())
        .flatten()
        .map(|e| e.unwrap().path())
        .find(|p| std::fs::read_to_string(p.join("nanoclaw-shim.json")).is_ok_and(|t| t.contains(&docker)))
        .unwrap_or_else(|| panic!("{label}: no hook folder naming {docker} in {bases:?}"));
    /// The test's hook folder, removed when dropped.
    struct Gone(PathBuf);
    impl Drop for Gone {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _gone = Gone(hooks.clone());
    let fallback = hooks.starts_with(&cache);
    loud(&format!(
        "NOTE (otherhook, {label}): the hook folder is {}{}",
        hooks.display(),
        if fallback {
            " (no runtime folder: the cache folder, listed for other hooks on every call)"
        } else {
            ", where no variable moves it and no mount reaches it"
        }
    ));
    // Where a container could have put a hook: the hook folder itself when it lies in the cache
    // folder; else the same name in the cache folder, which podman is then never given.
    let planted_in = if fallback {
        hooks.clone()
    } else {
        let d = cache.join("nanoclaw-shim").join(hooks.file_name().unwrap());
        std::fs::create_dir_all(&d).unwrap();
        d
    };
    // The planted program marks that it ran; its file and the marker's folder are the caller's.
    let work = rig.dir.path().join("otherhook/w");
    rig.mkdirs(&work);
    let marker = work.join("RAN_ON_HOST");
    let program = work.join("planted.sh");
    std::fs::write(&program, format!("#!/bin/sh\nid > {}\n", marker.display())).unwrap();
    rig.own(&program, false);
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let planted = planted_in.join("0.json");
    std::fs::write(
        &planted,
        format!(
            r#"{{"version":"1.0.0","hook":{{"path":"{}"}},"when":{{"always":true}},"stages":["createContainer"]}}"#,
            program.display()
        ),
    )
    .unwrap();
    rig.own(&planted, false);
    // The control: podman given that folder runs the planted program.
    let hooks_dir = format!("--hooks-dir={}", planted_in.display());
    let control = run("podman", &[&hooks_dir, "run", "--rm", IMAGE, "exit", "0"]);
    assert!(
        marker.exists(),
        "{label}: podman did not run the planted hook (the control): {}",
        control.describe()
    );
    std::fs::remove_file(&marker).unwrap();
    let o = run(&docker, &["run", "--rm", IMAGE, "exit", "0"]);
    if fallback {
        assert!(
            o.code == Some(125)
                && o.stdout.is_empty()
                && o.stderr.contains("0.json")
                && o.stderr.contains("did not write"),
            "{label}: {}",
            o.describe()
        );
    } else {
        assert!(o.ok(), "{label}: {}", o.describe());
        // And no container mounts the hook folder, to plant one there.
        let base = hooks.parent().unwrap().display().to_string();
        for spec in [format!("{base}:/h"), format!("{base}:/h:ro")] {
            let m = run(&docker, &["run", "--rm", "-v", &spec, IMAGE, "exit", "0"]);
            assert!(
                m.code == Some(125) && m.stdout.is_empty(),
                "{label}: -v {spec}: {}",
                m.describe()
            );
        }
    }
    assert!(!marker.exists(), "{label}: the planted hook ran through the shim");
}

#[test]
fn another_hook_beside_the_shim_s_is_refused_rootful() {
    another_hook_beside_the_shim_s(Mode::Rootful);
}

#[test]
fn another_hook_beside_the_shim_s_is_refused_rootless() {
    another_hook_beside_the_shim_s(Mode::Rootless);
}

/// The dynamic loader's variables never reach podman: `LD_PRELOAD` naming a library a
/// container can write (a workspace, a volume's folder) would be code the host runs at the next
/// call (the fortieth look's). Seen with `LD_DEBUG=files`, which has the loader of every program
/// it starts name the libraries that program needs: the control's podman is named; through the
/// shim neither podman nor anything it starts is (a shim built dynamically names itself, which
/// is not what is asked).
fn the_loader_s_variables_never_reach_podman(mode: Mode) {
    let Some(rig) = Rig::new(mode, "loader") else {
        return;
    };
    let label = mode.label();
    let debug = "LD_DEBUG=files";
    let control = rig.run("env", &strs(&[debug, "podman", "--version"]), None);
    assert!(
        control
            .stderr
            .lines()
            .any(|l| l.contains("needed by") && l.contains("podman")),
        "{label}: podman's loader did not read LD_DEBUG: {}",
        control.describe()
    );
    let o = rig.run(
        "env",
        &strs(&[debug, "docker", "run", "--rm", IMAGE, "exit", "0"]),
        None,
    );
    let reached: Vec<&str> = o
        .stderr
        .lines()
        .filter(|l| l.contains("needed by") && !l.contains("needed by docker"))
        .collect();
    assert!(
        o.ok() && reached.is_empty(),
        "{label}: the loader's variables reached podman through the shim: {reached:?}\n{}",
        o.describe()
    );
}

#[test]
fn the_loader_s_variables_never_reach_podman_rootful() {
    the_loader_s_variables_never_reach_podman(Mode::Rootful);
}

#[test]
fn the_loader_s_variables_never_reach_podman_rootless() {
    the_loader_s_variables_never_reach_podman(Mode::Rootless);
}

/// A `PATH` folder someone else could write is refused before podman runs (the forty-sixth
/// look's root caller with `/tmp` on `PATH`: rootful podman's network ran another user's
/// `iptables` from it as root). The folder holds a program of every helper's name that marks
/// that it ran: through the shim the call is refused and nothing ran.
fn path_folder_others_write(mode: Mode) {
    let Some(rig) = Rig::new(mode, "pathfolder") else {
        return;
    };
    let label = mode.label();
    let folder = rig.dir.path().join("pathfolder/bin");
    rig.mkdirs(&folder);
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o777)).unwrap();
    let marker = rig.dir.path().join("pathfolder/ran");
    for helper in [
        "iptables",
        "ip6tables",
        "slirp4netns",
        "pasta",
        "conmon",
        "newuidmap",
        "newgidmap",
        "catatonit",
    ] {
        let f = folder.join(helper);
        std::fs::write(
            &f,
            format!("#!/bin/sh\necho {helper} >> {}\nexit 1\n", marker.display()),
        )
        .unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("PATH={}:{}:{SYSTEM_PATH}", folder.display(), rig.bin.display());
    let o = rig.run(
        "env",
        &strs(&[&path, "docker", "run", "--rm", IMAGE, "exit", "0"]),
        None,
    );
    assert!(
        o.code == Some(125)
            && o.stderr.contains("someone else could write")
            && o.stderr.contains("deny.environment"),
        "{label}: {}",
        o.describe()
    );
    assert!(!marker.exists(), "{label}: a program in the folder ran");
}

#[test]
fn a_path_folder_others_can_write_is_refused_rootful() {
    path_folder_others_write(Mode::Rootful);
}

#[test]
fn a_path_folder_others_can_write_is_refused_rootless() {
    path_folder_others_write(Mode::Rootless);
}

/// A variable not on the runtime's list never reaches podman (default-deny: podman 5 hands its
/// whole environment to conmon, the OCI runtime, netavark and a build's helpers, and
/// `NETAVARK_FW=none`, `GIT_SSH_COMMAND`, `CONMON_SECCOMP_NOTIFY_PLUGINS` are each a hole no
/// deny-list named). Seen through one podman reads that shows in its result: `BUILDAH_FORMAT=docker`
/// has a build write a docker manifest. The control (plain podman) writes one; through the shim
/// the build writes podman's own (OCI), and writes a docker one again when the policy keeps the
/// variable (`[runtime] keep_environment`), which `explain` names. And the runtime's version,
/// asked before any rule looks at the environment, is asked with none of it: `LD_DEBUG` with
/// `LD_DEBUG_OUTPUT` would have that podman's loader write a file, and none is written.
fn unlisted_variables(mode: Mode) {
    let Some(rig) = Rig::new(mode, "unlisted") else {
        return;
    };
    let label = mode.label();
    let ctx = rig.containerfile(
        &rig.dir.path().join("unlisted"),
        &format!("FROM {IMAGE}\nLABEL unlisted=1\n"),
    );
    let tag = rig.image_tag("unlisted");
    let manifest = || {
        let o = rig.podman(&["image", "inspect", "--format", "{{.ManifestType}}", &tag]);
        let _ = rig.podman(&["rmi", "-f", &tag]);
        o.stdout.trim().to_string()
    };
    let build = |prog: &str| {
        let mut a = strs(&["BUILDAH_FORMAT=docker", prog]);
        // (No cache: a layer another test removes meanwhile fails the cache's lookup.)
        a.extend(build_argv(&["--no-cache", "-t", &tag, &ctx]));
        rig.run("env", &a, None)
    };
    const DOCKER: &str = "application/vnd.docker.distribution.manifest.v2+json";
    let control = build("podman");
    assert_eq!(
        manifest(),
        DOCKER,
        "{label}: the control did not read BUILDAH_FORMAT: {}",
        control.describe()
    );
    let o = build("docker");
    assert_eq!(o.code, Some(0), "{label}: {}", o.describe());
    let got = manifest();
    assert!(
        !got.is_empty() && got != DOCKER,
        "{label}: BUILDAH_FORMAT reached podman through the shim ({got}): {}",
        o.describe()
    );
    let mut shown = strs(&["BUILDAH_FORMAT=docker", "docker", "explain", "--"]);
    shown.extend(build_argv(&["--no-cache", "-t", &tag, &ctx]));
    // (`docker explain` is the shim's own face only as `nanoclaw-shim`.)
    shown[1] = rig.bin.join("nanoclaw-shim").display().to_string();
    let e = rig.run("env", &shown, None);
    assert!(
        e.stdout.lines().any(|l| l.starts_with("environment:")
            && l.contains("BUILDAH_FORMAT")
            && l.contains("deny.environment")),
        "{label}: explain does not name the removed variable: {}",
        e.describe()
    );
    // Kept by the policy: podman reads it again.
    let policy = rig.bin.join("policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let kept = text.replace("keep_environment = []", "keep_environment = [\"BUILDAH_FORMAT\"]");
    assert_ne!(text, kept, "the default policy no longer names keep_environment");
    std::fs::write(&policy, &kept).unwrap();
    let o = build("docker");
    std::fs::write(&policy, &text).unwrap();
    assert_eq!(o.code, Some(0), "{label}: {}", o.describe());
    assert_eq!(
        manifest(),
        DOCKER,
        "{label}: the policy kept BUILDAH_FORMAT, and podman did not read it: {}",
        o.describe()
    );

    // The version, asked with a cache of its own (so asked at all), with the loader's debug
    // output sent to files: the shim (static, or dynamic in a debug build) may write its own,
    // never one of a podman.
    // (The cache folder must be the caller's alone, beneath folders others cannot write.)
    let cache = rig.dir.path().join("unlisted-cache");
    std::fs::create_dir(&cache).unwrap();
    rig.own(&cache, true);
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = rig.dir.path().join("unlisted/ld");
    rig.mkdirs(&out);
    let o = rig.run(
        "env",
        &strs(&[
            &format!("XDG_CACHE_HOME={}", cache.display()),
            "LD_DEBUG=files",
            &format!("LD_DEBUG_OUTPUT={}/ld", out.display()),
            "docker",
            "run",
            "--rm",
            // (host-gateway's rewrite depends on podman's version: it is asked.)
            "--add-host=host.docker.internal:host-gateway",
            IMAGE,
            "exit",
            "0",
        ]),
        None,
    );
    assert!(o.ok(), "{label}: {}", o.describe());
    assert!(
        std::fs::read_dir(&cache).unwrap().next().is_some(),
        "{label}: the shim did not use the cache folder given, so the version was not asked"
    );
    for f in std::fs::read_dir(&out).unwrap() {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap_or_default();
        assert!(
            !text
                .lines()
                .any(|l| l.contains("needed by") && l.contains("bin/podman")),
            "{label}: a podman's loader read the caller's LD_DEBUG:\n{text}"
        );
    }
}

#[test]
fn a_variable_not_on_the_runtime_s_list_never_reaches_podman_rootful() {
    unlisted_variables(Mode::Rootful);
}

#[test]
fn a_variable_not_on_the_runtime_s_list_never_reaches_podman_rootless() {
    unlisted_variables(Mode::Rootless);
}

/// podman's build copies its proxy variables into every RUN step; through the shim a build is
/// given `--http-proxy=false` (`compat.http-proxy`), so the operator's proxy credentials never
/// reach an agent-requested package's install script. The control's RUN step prints them.
fn proxy_in_a_build(mode: Mode) {
    let Some(rig) = Rig::new(mode, "buildproxy") else {
        return;
    };
    let label = mode.label();
    let marker = format!("proxy-secret-{}", rig.tag);
    let ctx = rig.containerfile(
        &rig.dir.path().join("buildproxy"),
        &format!("FROM {IMAGE}\nRUN env | grep -i proxy || true\n"),
    );
    let tag = rig.image_tag("buildproxy");
    let build = |prog: &str| {
        let mut a = strs(&[
            &format!("HTTPS_PROXY=http://operator:{marker}@proxy.invalid:3128"),
            prog,
        ]);
        a.extend(build_argv(&["--no-cache", "-t", &tag, &ctx]));
        rig.run("env", &a, None)
    };
    let control = build("podman");
    assert!(
        format!("{}{}", control.stdout, control.stderr).contains(&marker),
        "{label}: the control's RUN step did not see the proxy: {}",
        control.describe()
    );
    let _ = rig.podman(&["rmi", "-f", &tag]);
    let o = build("docker");
    assert_eq!(o.code, Some(0), "{label}: {}", o.describe());
    assert!(
        !format!("{}{}", o.stdout, o.stderr).contains(&marker),
        "{label}: the host's proxy reached a RUN step through the shim: {}",
        o.describe()
    );
}

#[test]
fn the_host_s_proxy_stays_out_of_a_build_rootful() {
    proxy_in_a_build(Mode::Rootful);
}

#[test]
fn the_host_s_proxy_stays_out_of_a_build_rootless() {
    proxy_in_a_build(Mode::Rootless);
}

/// nanoclaw's newest reaping (`ps -a --filter label=... --filter status=exited --filter
/// status=created --filter status=dead`): podman refuses the whole command (no container is ever
/// `dead` in podman: the control), so nanoclaw reaped nothing; through the shim
/// (`compat.ps`) it lists its exited container and not a running one.
fn reap_listing(mode: Mode) {
    let Some(rig) = Rig::new(mode, "reap") else {
        return;
    };
    let label = mode.label();
    let install = format!("nanoclaw-install={}", rig.tag);
    let exited = rig.unique("reap-exited");
    let running = rig.unique("reap-running");
    for (name, cmd) in [(&exited, "exit 0"), (&running, "sleep 30")] {
        let mut a = strs(&[
            "run",
            "-d",
            "--name",
            name,
            "--label",
            &install,
            "--user",
            "1000:1000",
            IMAGE,
        ]);
        a.extend(cmd.split(' ').map(String::from));
        let o = rig.docker(&a, None);
        assert!(o.ok(), "{label}: {}", o.describe());
    }
    let _ = rig.podman(&["wait", &exited]);
    let reap = strs(&[
        "ps",
        "-a",
        "--filter",
        &format!("label={install}"),
        "--filter",
        "status=exited",
        "--filter",
        "status=created",
        "--filter",
        "status=dead",
        "--format",
        "{{.Names}}",
    ]);
    let control = rig.run("podman", &reap, None);
    assert!(
        !control.ok(),
        "{label}: podman now knows a dead state: {}",
        control.describe()
    );
    let o = rig.docker(&reap, None);
    assert!(o.ok(), "{label}: {}", o.describe());
    let names: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(names, [exited.as_str()], "{label}: {}", o.describe());
    // The session adoption's format: docker's `.State` and `{{.Label "k"}}` (podman 4.3 has no
    // `Label`, and its `.State` is the status text).
    let adopt = strs(&[
        "ps",
        "--filter",
        &format!("label={install}"),
        "--format",
        "{{.Names}}|{{.State}}|{{.Label \"nanoclaw-install\"}}|{{.Label \"absent\"}}",
    ]);
    let o = rig.docker(&adopt, None);
    assert!(o.ok(), "{label}: {}", o.describe());
    assert_eq!(
        o.stdout.trim(),
        format!("{running}|running|{}|", rig.tag),
        "{label}: {}",
        o.describe()
    );
    // Its check that a container is gone: a name anchored at docker's leading `/`, which
    // podman 4.3's names lack (there the control lists nothing).
    let gone = strs(&[
        "ps",
        "-a",
        "--filter",
        &format!("name=^/{exited}$"),
        "--format",
        "{{.Names}}",
    ]);
    let control = rig.run("podman", &gone, None);
    if control.stdout.trim().is_empty() {
        eprintln!("{label}: control: podman's name filter does not match docker's /NAME");
    }
    let o = rig.docker(&gone, None);
    assert_eq!(o.stdout.trim(), exited, "{label}: {}", o.describe());
    let _ = rig.podman(&["rm", "-f", &exited, &running]);
}

#[test]
fn nanoclaw_s_reaping_lists_its_exited_containers_rootful() {
    reap_listing(Mode::Rootful);
}

#[test]
fn nanoclaw_s_reaping_lists_its_exited_containers_rootless() {
    reap_listing(Mode::Rootless);
}

/// nanoclaw's own `container/Dockerfile` keeps apt's, bun's and pnpm's caches in `RUN
/// --mount=type=cache`: refused by default (a folder every build shares, where an agent's build
/// could leave what the next installs), with what to do; allowed by the policy, podman builds it
/// and the cache is kept between builds.
fn cache_mount(mode: Mode) {
    let Some(rig) = Rig::new(mode, "cachemount") else {
        return;
    };
    let label = mode.label();
    let id = format!("nanoclaw-shim-e2e-{}", rig.tag);
    let ctx = rig.containerfile(
        &rig.dir.path().join("cachemount"),
        &format!(
            "FROM {IMAGE}\nRUN --mount=type=cache,id={id},target=/cache,sharing=locked,uid=0,gid=0 \\\n  sh -c 'cat /cache/seen 2>/dev/null; echo kept-{} > /cache/seen; echo ran-$((40+2))'\n",
            rig.tag
        ),
    );
    let tag = rig.image_tag("cachemount");
    // podman 4.3 keeps caches in `$TMPDIR/buildah-cache`, else `/var/tmp/buildah-cache`, one
    // folder for every user (a rootless build was refused a root-made one): this rig's own.
    let tmp = rig.dir.path().join("cachemount-tmp");
    std::fs::create_dir(&tmp).unwrap();
    if let Some(u) = &rig.user {
        std::os::unix::fs::chown(&tmp, Some(u.uid), Some(u.gid)).unwrap();
    }
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o700)).unwrap();
    let mut argv = strs(&[&format!("TMPDIR={}", tmp.display()), "docker"]);
    argv.extend(build_argv(&["--no-cache", "-t", &tag, &ctx]));
    let o = rig.run("env", &argv, None);
    assert_refusal(&o, "build --cache-mount");
    let policy = rig.bin.join("policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let open = text.replacen("allow = []", "allow = [\"build --cache-mount\"]", 1);
    assert_ne!(text, open, "the default policy no longer names [commands] allow");
    std::fs::write(&policy, open).unwrap();
    let first = rig.run("env", &argv, None);
    assert!(
        first.ok() && first.stdout.contains("ran-42"),
        "{label}: {}",
        first.describe()
    );
    let again = rig.run("env", &argv, None);
    assert!(
        again.ok() && again.stdout.contains(&format!("kept-{}", rig.tag)),
        "{label}: the cache was not kept between builds: {}",
        again.describe()
    );
    // A step leaves a link in its cache; the next step's cache at a path through it was the
    // folder the link names on podman 4.3, read-write (the sixty-fifth look's). Through the shim
    // every cache is a folder of one name: the link leads nowhere.
    let victim = rig.dir.path().join("cachemount-victim");
    std::fs::create_dir(&victim).unwrap();
    let marker = format!("secret-{}", rig.tag);
    std::fs::write(victim.join("secret"), &marker).unwrap();
    rig.own(&victim.join("secret"), true);
    rig.own(&victim, true);
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o700)).unwrap();
    let through = rig.containerfile(
        &rig.dir.path().join("cachemount-link"),
        &format!(
            "FROM {IMAGE}\nUSER root\nRUN --mount=type=cache,target=/a{t} ln -sfn {v} /a/b\nRUN --mount=type=cache,target=/a/b{t} sh -c 'cat /a/b/secret; echo planted > /a/b/written; echo step-$((40+2))'\n",
            t = ",uid=0,gid=0",
            v = victim.display()
        ),
    );
    let linked = |prog: &str, tmp: &std::path::Path| {
        let mut argv = strs(&[&format!("TMPDIR={}", tmp.display()), prog]);
        argv.extend(build_argv(&["--no-cache", "-t", &tag, &through]));
        rig.run("env", &argv, None)
    };
    let control_tmp = rig.dir.path().join("cachemount-control");
    std::fs::create_dir(&control_tmp).unwrap();
    if let Some(u) = &rig.user {
        std::os::unix::fs::chown(&control_tmp, Some(u.uid), Some(u.gid)).unwrap();
    }
    let control = linked("podman", &control_tmp);
    if victim.join("written").exists() {
        eprintln!("{label}: control: podman's cache followed the link and wrote the host's folder");
        std::fs::remove_file(victim.join("written")).unwrap();
    }
    drop(control);
    let o = linked("docker", &tmp);
    assert!(
        o.ok() && o.stdout.contains("step-42"),
        "{label}: {}",
        o.describe()
    );
    assert!(
        !o.stdout.contains(&marker) && !victim.join("written").exists(),
        "{label}: a cache reached the host's folder through a link: {}",
        o.describe()
    );
    // podman's cache folder made first by someone else (in a shared /var/tmp, any local user):
    // refused, as its links would lead the caller's caches.
    // (Its name holds a token: the refusal names the folder, redacted, the seventy-sixth look's.)
    let foreign = rig.dir.path().join("cachemount-sk-ant-LEAKLEAKLEAK");
    std::fs::create_dir_all(foreign.join("buildah-cache")).unwrap();
    std::fs::create_dir_all(foreign.join("buildah-cache-0")).unwrap();
    if let Some(u) = &rig.user {
        std::os::unix::fs::chown(&foreign, Some(u.uid), Some(u.gid)).unwrap();
        std::fs::create_dir_all(foreign.join(format!("buildah-cache-{}", u.uid))).unwrap();
    }
    for entry in std::fs::read_dir(&foreign).unwrap() {
        std::os::unix::fs::chown(entry.unwrap().path(), Some(4242), Some(4242)).unwrap();
    }
    let o = linked("docker", &foreign);
    assert_eq!(o.code, Some(125), "{label}: {}", o.describe());
    assert!(
        o.stderr.contains("[harden.build-cache]"),
        "{label}: {}",
        o.describe()
    );
    assert!(!o.stderr.contains("LEAKLEAK"), "{label}: {}", o.describe());
    let _ = rig.podman(&["rmi", "-f", &tag]);
}

#[test]
fn a_build_s_cache_mount_is_the_policy_s_to_allow_rootful() {
    cache_mount(Mode::Rootful);
}

#[test]
fn a_build_s_cache_mount_is_the_policy_s_to_allow_rootless() {
    cache_mount(Mode::Rootless);
}

/// A device node in an image: a rootful podman reads the image's `/etc/passwd` on the host, as
/// root, at every `run` that names a `--user`, so a node there hands the agent a root-only host
/// device's content (the sixty-first look's). Through the shim a build cannot make one: its RUN
/// steps lose `MKNOD` (podman 4.3 keeps it; the control makes the node), and a local `ADD`, which
/// unpacks an archive's device entries, is refused (`deny.build`).
#[test]
fn a_build_makes_no_device_node_rootful() {
    let Some(rig) = Rig::new(Mode::Rootful, "mknod") else {
        return;
    };
    let dir = rig.dir.path().join("mknod");
    let ctx = rig.containerfile(
        &dir,
        &format!("FROM {IMAGE}\nUSER root\nRUN mknod /etc/node-probe c 1 3 && echo made-node-$((40+2))\n"),
    );
    let tag = rig.image_tag("mknod");
    let build = |prog: &str| rig.run(prog, &build_argv(&["--no-cache", "-t", &tag, &ctx]), None);
    let control = build("podman");
    if control.ok() && control.stdout.contains("made-node-42") {
        eprintln!("control: podman's build made a device node");
    } else {
        eprintln!(
            "control: this podman's build keeps no MKNOD ({})",
            control.code.unwrap_or(-1)
        );
    }
    let _ = rig.podman(&["rmi", "-f", &tag]);
    let o = build("docker");
    assert!(
        !o.ok() && !o.stdout.contains("made-node-42"),
        "a RUN step made a device node through the shim: {}",
        o.describe()
    );
    assert!(
        format!("{}{}", o.stdout, o.stderr).contains("Operation not permitted"),
        "{}",
        o.describe()
    );
    // A local ADD (of an archive, which buildah would unpack) is refused before the build.
    std::fs::write(
        dir.join("Containerfile"),
        format!("FROM {IMAGE}\nADD ./dev.tar /\n"),
    )
    .unwrap();
    std::fs::write(dir.join("dev.tar"), "").unwrap();
    let o = rig.docker(&build_argv(&["--no-cache", "-t", &tag, &ctx]), None);
    assert_refusal(&o, "unpacks it when it is an archive");
}

/// A build's RUN step keeps neither `NET_RAW` nor `AUDIT_WRITE`: podman 4.3 rootful keeps both
/// there (the control), and a step on the agents' bridge answered their ARP for the gateway and
/// read their proxy's `Proxy-Authorization` on its way (the eighty-second look's). Read from the
/// step's own bounding set; `MKNOD` is gone too.
#[test]
fn a_build_step_sends_no_raw_packets_rootful() {
    let Some(rig) = Rig::new(Mode::Rootful, "netraw") else {
        return;
    };
    let ctx = rig.containerfile(
        &rig.dir.path().join("netraw"),
        &format!("FROM {IMAGE}\nUSER root\nRUN echo caps-$(grep CapBnd /proc/self/status | cut -f2)-end\n"),
    );
    let tag = rig.image_tag("netraw");
    let bounding = |prog: &str| {
        let o = rig.run(prog, &build_argv(&["--no-cache", "-t", &tag, &ctx]), None);
        let _ = rig.podman(&["rmi", "-f", &tag]);
        assert!(o.ok(), "{prog}: {}", o.describe());
        // The step's output, not podman's echo of the step (`caps-$(grep ...)-end`).
        o.stdout
            .split("caps-")
            .skip(1)
            .find_map(|r| u64::from_str_radix(r.split("-end").next()?, 16).ok())
            .unwrap_or_else(|| panic!("{prog}: no bounding set printed: {}", o.describe()))
    };
    const NET_RAW: u64 = 1 << 13;
    const MKNOD: u64 = 1 << 27;
    const AUDIT_WRITE: u64 = 1 << 29;
    let control = bounding("podman");
    eprintln!(
        "control: podman's build step keeps NET_RAW {} AUDIT_WRITE {}",
        control & NET_RAW != 0,
        control & AUDIT_WRITE != 0
    );
    let shim = bounding("docker");
    assert_eq!(shim & (NET_RAW | MKNOD | AUDIT_WRITE), 0, "{shim:x}");
    // The rest of what a package manager needs is kept: CHOWN, DAC_OVERRIDE, SETUID, SETGID.
    assert_eq!(shim & 0b1100_0011, 0b1100_0011, "{shim:x}");
}

/// An image's `VOLUME`: by podman's default a writable anonymous volume on the host's disk
/// beneath the read-only root (the control); through the shim (`harden.image-volume`) the folder
/// is still writable, in memory (`tmpfs`), held to the memory ceiling and gone with the container.
fn image_volume(mode: Mode) {
    let Some(rig) = Rig::new(mode, "imgvol") else {
        return;
    };
    let label = mode.label();
    let ctx = rig.containerfile(
        &rig.dir.path().join("imgvol"),
        &format!("FROM {IMAGE}\nVOLUME /data\n"),
    );
    let tag = rig.image_tag("imgvol");
    let b = rig.run("podman", &build_argv(&["--no-cache", "-t", &tag, &ctx]), None);
    assert!(b.ok(), "{label}: build: {}", b.describe());
    let argv = strs(&[
        "run",
        "--rm",
        "--user",
        "1000:1000",
        "--read-only",
        "--entrypoint",
        "sh",
        &tag,
        "-c",
        r"sed -n 's/^[^ ]* [^ ]* [^ ]* [^ ]* \/data .* - \([^ ]*\) .*/fs=\1/p' /proc/self/mountinfo",
    ]);
    let control = rig.run("podman", &argv, None);
    assert!(
        control.ok() && control.stdout.contains("fs=") && !control.stdout.contains("fs=tmpfs"),
        "{label}: the control's volume is not on disk: {}",
        control.describe()
    );
    let o = rig.docker(&argv, None);
    assert!(o.ok(), "{label}: {}", o.describe());
    assert_eq!(o.stdout.trim(), "fs=tmpfs", "{label}: {}", o.describe());
}

/// A container's log: podman keeps every line a container prints in a file on the host's disk
/// (the control: 8 MB printed, 8 MB kept; the sixty-ninth look's agent wrote 1.7 GB in ten
/// seconds). Through the shim it is capped at the policy's `log_size` (`limit.log-size`).
fn container_log(mode: Mode) {
    let Some(rig) = Rig::new(mode, "logsize") else {
        return;
    };
    let label = mode.label();
    let policy = rig.bin.join("policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let small = text.replacen("log_size = \"50m\"", "log_size = \"1m\"", 1);
    assert_ne!(text, small, "the default policy no longer names log_size");
    std::fs::write(&policy, small).unwrap();
    let logged = |prog: &str, extra: &[&str]| -> Option<u64> {
        let name = rig.unique("log");
        let mut argv = strs(&["run", "-d", "--name", &name]);
        argv.extend(strs(extra));
        argv.extend(strs(&["--entrypoint", "sh", IMAGE, "-c"]));
        argv.push("yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 8000000; echo end".into());
        let o = rig.run(prog, &argv, None);
        assert!(o.ok(), "{label}: {prog}: {}", o.describe());
        let _ = rig.podman(&["wait", &name]);
        let path = rig.podman(&["inspect", "--format", "{{.HostConfig.LogConfig.Path}}", &name]);
        let size = std::fs::metadata(path.stdout.trim()).ok().map(|m| m.len());
        let _ = rig.podman(&["rm", "-f", &name]);
        size
    };
    let Some(control) = logged("podman", &[]) else {
        eprintln!("{label}: podman keeps no log file here (its log driver): nothing to cap");
        return;
    };
    assert!(control >= 8_000_000, "{label}: the control kept {control} bytes");
    let capped = logged("docker", &[]).expect("the shim's container has a log file");
    assert!(
        capped <= (1 << 20) + 4096,
        "{label}: the log grew to {capped} bytes past its 1m cap"
    );
    // podman reads the key in any case and the last size wins: a lower size, then an unlimited
    // one (the seventy-fourth look's). The control keeps all; through the shim, the lower.
    let twice = ["--log-opt", "max-size=512k", "--log-opt", "MAX-SIZE=0"];
    let control = logged("podman", &twice).unwrap_or_default();
    assert!(control >= 8_000_000, "{label}: the control kept {control} bytes");
    let capped = logged("docker", &twice).expect("the shim's container has a log file");
    assert!(
        capped <= (512 << 10) + 4096,
        "{label}: the log grew to {capped} bytes past 512k"
    );
    // A blank before the key: no size to podman, which keeps all (the eighty-first look's; the
    // shim read it as the caller's own and added none).
    let blank = ["--log-opt", " max-size=512k"];
    let control = logged("podman", &blank).unwrap_or_default();
    assert!(control >= 8_000_000, "{label}: the control kept {control} bytes");
    let capped = logged("docker", &blank).expect("the shim's container has a log file");
    assert!(
        capped <= (1 << 20) + 4096,
        "{label}: the log grew to {capped} bytes past its 1m cap"
    );
}

/// `dir/NAME.conf`: this machine's podman configuration (the CI's `CONTAINERS_CONF`, else
/// none) with `line` set in its `[containers]` table, as a host's own would set it.
fn machine_conf_with(dir: &Path, name: &str, line: &str) -> PathBuf {
    let base = ci_env()
        .get("CONTAINERS_CONF")
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    let text = match base.contains("[containers]") {
        true => base.replacen("[containers]", &format!("[containers]\n{line}"), 1),
        false => format!("[containers]\n{line}\n{base}"),
    };
    let path = dir.join(format!("{name}.conf"));
    std::fs::write(&path, text).unwrap();
    path
}

/// podman's default log driver on a host with systemd is journald, which ignores `max-size`:
/// there the shim's size capped nothing, and the test above found no log file to measure (the
/// thirty-seventh pass's). Here podman's configuration names journald, as such a host's does.
/// The control: plain podman logs to the journal (on this machine, with no journal, it cannot
/// start at all). Through the shim the container keeps its log in podman's own file, capped; a
/// caller's own `--log-driver journald` is refused. Rootful: rootless podman reads the same
/// setting from the same file chain, and the shim names the driver alike for both.
fn journald_default(mode: Mode) {
    let Some(rig) = Rig::new(mode, "journald") else {
        return;
    };
    let label = mode.label();
    let policy = rig.bin.join("policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let small = text.replacen("log_size = \"50m\"", "log_size = \"1m\"", 1);
    assert_ne!(text, small, "the default policy no longer names log_size");
    std::fs::write(&policy, small).unwrap();
    // The machine's own configuration, with journald as its default log driver.
    let conf = machine_conf_with(rig.dir.path(), "journald", "log_driver = \"journald\"");
    let with_conf = |prog: &str, args: &[String]| -> Out {
        let mut c = rig.command_in(prog, Path::new("/"));
        c.env("CONTAINERS_CONF", &conf)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = spawn(&mut c).unwrap_or_else(|e| panic!("cannot start {prog}: {e}"));
        finish(child, None, TIMEOUT, &format!("{prog} {}", args.join(" ")))
    };
    let run = |prog: &str, extra: &[&str]| -> (String, Out) {
        let name = rig.unique("jlog");
        let mut argv = strs(&["run", "-d", "--name", &name]);
        argv.extend(strs(extra));
        argv.extend(strs(&["--entrypoint", "sh", IMAGE, "-c"]));
        argv.push("yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 8000000; echo end".into());
        (name.clone(), with_conf(prog, &argv))
    };
    let inspect = |name: &str, what: &str| -> String {
        let o = with_conf("podman", &strs(&["inspect", "--format", what, name]));
        o.stdout.trim().to_string()
    };
    let (name, control) = run("podman", &[]);
    if control.ok() {
        let _ = with_conf("podman", &strs(&["wait", &name]));
        let driver = inspect(&name, "{{.HostConfig.LogConfig.Type}}");
        let _ = rig.podman(&["rm", "-f", &name]);
        assert_eq!(
            driver, "journald",
            "{label}: the control's podman did not take the configured driver"
        );
        eprintln!("{label}: control: podman logged to the journal");
    } else {
        let _ = rig.podman(&["rm", "-f", &name]);
        assert!(
            control.stderr.contains("journal"),
            "{label}: the control failed otherwise: {}",
            control.describe()
        );
        eprintln!("{label}: control: podman could not start it without a journal here");
    }
    let (name, o) = run("docker", &[]);
    assert!(
        o.ok(),
        "{label}: the shim's container did not start: {}",
        o.describe()
    );
    let _ = with_conf("podman", &strs(&["wait", &name]));
    let driver = inspect(&name, "{{.HostConfig.LogConfig.Type}}");
    let path = inspect(&name, "{{.HostConfig.LogConfig.Path}}");
    let size = std::fs::metadata(&path).ok().map(|m| m.len());
    let _ = rig.podman(&["rm", "-f", &name]);
    assert_eq!(
        driver, "k8s-file",
        "{label}: the shim's container logged elsewhere"
    );
    let size = size.unwrap_or_else(|| panic!("{label}: no log file at {path:?}"));
    assert!(
        size <= (1 << 20) + 4096,
        "{label}: the log grew to {size} bytes past its 1m cap"
    );
    let (name, o) = run("docker", &["--log-driver", "journald"]);
    let _ = rig.podman(&["rm", "-f", &name]);
    assert_eq!(o.code, Some(125), "{label}: {}", o.describe());
    assert!(o.stderr.contains("deny.ceiling"), "{label}: {}", o.describe());
}

#[test]
fn a_journald_host_s_container_log_is_capped_rootful() {
    journald_default(Mode::Rootful);
}

/// podman's own configuration gives every container what its `[containers]` table and its
/// `mounts.conf` name, past every rule an argv meets (the thirty-seventh pass's looks). Each
/// step beside its control, plain podman under the same configuration: a host folder mounted
/// (refused, for a `run` and a build, and from a file the shim's TOML reader cannot read), the
/// host's PID namespace (refused), a `/dev/shm` above the ceiling (the ceiling), a mounts.conf
/// in the operator's `/etc/containers` (replaced in a mount namespace of the test's own:
/// nothing mounted at a `run`, a `create` then `start`, or in a build), and an operator's
/// stricter seccomp profile (narrowed, not replaced nor widened). Rootful: podman reads the
/// same keys rootless, and the shim judges them alike.
/// The shell commands `cmds` as the rig's caller under podman's configuration `conf`
/// (`CONTAINERS_CONF`), `docker` the shim (first on `PATH`), `$D` the program `prog` names
/// (`docker` or one on `PATH`). Where `etc` is given (root only), in a mount namespace of its own
/// where it is podman's `/etc/containers` (its containers then need `--network=none`: a network
/// namespace's file made there is not mounted where the other tests' podman looks for it, and
/// their `ps` fails on it).
fn conf_shell(rig: &Rig, prog: Option<&str>, conf: &Path, etc: Option<&Path>, cmds: &str) -> Out {
    let program = prog.map(|p| match p {
        "docker" => rig.bin.join("docker"),
        p => find_on_path(p).unwrap_or_else(|| PathBuf::from(p)),
    });
    let policy = rig.bin.join("policy.toml");
    let mut c = match (&rig.user, rig.mode, etc) {
        (Some(u), Mode::Rootless, None) => {
            let mut c = Command::new(find_on_path("runuser").expect("runuser"));
            c.args(["-u", &u.name, "--", "env", "-i"])
                .arg(format!("HOME={}", u.home))
                .arg(format!("USER={}", u.name))
                .arg(format!("LOGNAME={}", u.name))
                .arg(format!("PATH={}:{USER_PATH}", rig.bin.display()))
                .arg(format!("XDG_RUNTIME_DIR={}", u.xdg))
                .arg(format!("NANOCLAW_SHIM_POLICY={}", policy.display()))
                .arg(format!("CONTAINERS_CONF={}", conf.display()));
            if let Some(p) = &program {
                c.arg(format!("D={}", p.display()));
            }
            c.args(["sh", "-c", cmds]);
            c
        }
        (_, Mode::Rootless, Some(_)) => panic!("a mount namespace of its own is root's"),
        _ => {
            let mut c = match etc {
                Some(e) => {
                    let mut c = Command::new("unshare");
                    c.args(["-m", "--propagation", "private", "sh", "-c"])
                        .arg(format!(
                            "mount --bind '{}' /etc/containers && {cmds}",
                            e.display()
                        ));
                    c
                }
                None => {
                    let mut c = Command::new("sh");
                    c.arg("-c").arg(cmds);
                    c
                }
            };
            c.env_clear()
                .env("PATH", format!("{}:{SYSTEM_PATH}", rig.bin.display()))
                .env("HOME", "/root")
                .env("NANOCLAW_SHIM_POLICY", &policy)
                .env("CONTAINERS_CONF", conf);
            if let Some(p) = &program {
                c.env("D", p);
            }
            c
        }
    };
    c.current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = spawn(&mut c).unwrap_or_else(|e| panic!("cannot start sh: {e}"));
    finish(child, None, TIMEOUT, cmds)
}

fn configured_defaults(mode: Mode) {
    let Some(rig) = Rig::new(mode, "confdefaults") else {
        return;
    };
    let label = mode.label();
    let secret_dir = rig.dir.path().join("confdefaults-secret");
    rig.mkdirs(&secret_dir);
    let marker = format!("sk-ant-{}", rig.tag);
    std::fs::write(secret_dir.join("token"), &marker).unwrap();
    let conf_with = |name: &str, line: &str| machine_conf_with(rig.dir.path(), name, line);
    // `prog` (as `$D`) under the configuration `conf` running the shell commands `cmds`; where
    // `etc` is given, in a mount namespace of its own where it is podman's `/etc/containers`
    // (its containers then have no network: a network namespace's file made there is not
    // mounted where the other tests' podman looks for it, and their `ps` fails on it).
    let shell = |prog: &str, conf: &Path, etc: Option<&Path>, cmds: &str| -> Out {
        conf_shell(&rig, Some(prog), conf, etc, cmds)
    };
    let run = |prog: &str, conf: &Path, etc: Option<&Path>, script: &str| -> Out {
        let net = if etc.is_some() { " --network=none" } else { "" };
        let quoted = script.replace('\'', "'\\''");
        shell(
            prog,
            conf,
            etc,
            &format!("exec \"$D\" run --rm{net} --entrypoint sh {IMAGE} -c '{quoted}'"),
        )
    };
    let said = |o: &Out| format!("{}{}", o.stdout, o.stderr);
    // A host folder for every container.
    let vol = conf_with(
        "volumes",
        &format!("volumes = [\"{}:/c:ro\"]", secret_dir.display()),
    );
    let control = run("podman", &vol, None, "cat /c/token");
    assert!(
        control.stdout.contains(&marker),
        "{label}: control: {}",
        control.describe()
    );
    let o = run("docker", &vol, None, "cat /c/token");
    assert_eq!(o.code, Some(125), "{label}: volumes: {}", o.describe());
    assert!(
        o.stderr.contains("deny.sensitive-mount") && !said(&o).contains(&marker),
        "{label}: {}",
        o.describe()
    );
    // ... and to a build's RUN steps (the look `gk` read the credential so).
    let ctx = rig.containerfile(
        &rig.dir.path().join("confvol-ctx"),
        &format!("FROM {IMAGE}\nRUN cat /c/token || echo nothing-mounted\n"),
    );
    let tag = rig.image_tag("confvol");
    let cmds = format!(
        "exec \"$D\" {} --no-cache -t {tag} {ctx}",
        build_argv(&[]).join(" ")
    );
    let control = shell("podman", &vol, None, &cmds);
    let _ = rig.podman(&["rmi", "-f", &tag]);
    assert!(
        said(&control).contains(&marker),
        "{label}: control: {}",
        control.describe()
    );
    let o = shell("docker", &vol, None, &cmds);
    let _ = rig.podman(&["rmi", "-f", &tag]);
    assert_eq!(
        o.code,
        Some(125),
        "{label}: a build under volumes: {}",
        o.describe()
    );
    assert!(!said(&o).contains(&marker), "{label}: {}", o.describe());
    // ... and from a file podman reads and the shim's TOML reader does not (a dotted key, then a
    // table header for the same table: the look `gi`'s), which is refused whole.
    let odd = conf_with("odd", &format!("volumes = [\"{}:/c:ro\"]", secret_dir.display()));
    let text = std::fs::read_to_string(&odd).unwrap();
    let text = match text.contains("[engine]") {
        true => text.replacen("[engine]", "x.y = 1\n[containers.x]\nz = 1\n\n[engine]", 1),
        false => format!("{text}\nx.y = 1\n[containers.x]\nz = 1\n"),
    };
    std::fs::write(&odd, text).unwrap();
    let control = run("podman", &odd, None, "cat /c/token");
    if control.stdout.contains(&marker) {
        let o = run("docker", &odd, None, "cat /c/token");
        assert_eq!(o.code, Some(125), "{label}: unreadable: {}", o.describe());
        assert!(
            o.stderr.contains("deny.environment") && !said(&o).contains(&marker),
            "{label}: {}",
            o.describe()
        );
    } else {
        eprintln!(
            "{label}: this podman refuses the file too: {}",
            control.describe()
        );
    }
    // The host's PID namespace.
    let host_pid = std::fs::read_link("/proc/self/ns/pid")
        .unwrap()
        .display()
        .to_string();
    let pid = conf_with("pidns", "pidns = \"host\"");
    let control = run("podman", &pid, None, "readlink /proc/self/ns/pid");
    assert_eq!(
        control.stdout.trim(),
        host_pid,
        "{label}: control: {}",
        control.describe()
    );
    let o = run("docker", &pid, None, "readlink /proc/self/ns/pid");
    assert_eq!(o.code, Some(125), "{label}: pidns: {}", o.describe());
    assert!(
        o.stderr.contains("deny.host-namespace"),
        "{label}: {}",
        o.describe()
    );
    // A /dev/shm above the ceiling (2g): its size in KiB.
    let shm_kib = |o: &Out| -> u64 {
        let line = o.stdout.lines().last().unwrap_or_default();
        line.split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{label}: df: {}", o.describe()))
    };
    let shm = conf_with("shm", "shm_size = \"100g\"");
    let df = "df -k /dev/shm";
    let control = run("podman", &shm, None, df);
    assert!(
        shm_kib(&control) > 4 << 20,
        "{label}: control: {}",
        control.describe()
    );
    let o = run("docker", &shm, None, df);
    assert!(o.ok(), "{label}: shm: {}", o.describe());
    assert!(shm_kib(&o) <= 2 << 20, "{label}: /dev/shm: {}", o.describe());
    // A mounts.conf in the operator's /etc/containers (a copy with one line more).
    let etc = rig.dir.path().join("etc-containers");
    let copied = Command::new("cp")
        .arg("-a")
        .arg("/etc/containers")
        .arg(&etc)
        .status()
        .unwrap();
    assert!(copied.success());
    std::fs::write(
        etc.join("mounts.conf"),
        format!("{}:/run/secrets/c\n", secret_dir.display()),
    )
    .unwrap();
    let plain = ci_env().get("CONTAINERS_CONF").map_or_else(
        || PathBuf::from("/usr/share/containers/containers.conf"),
        PathBuf::from,
    );
    let control = run("podman", &plain, Some(&etc), "cat /run/secrets/c/token");
    assert!(
        control.stdout.contains(&marker),
        "{label}: control: {}",
        control.describe()
    );
    let o = run("docker", &plain, Some(&etc), "cat /run/secrets/c/token");
    assert!(
        !said(&o).contains(&marker),
        "{label}: mounts.conf: {}",
        o.describe()
    );
    assert!(o.stderr.contains("No such file"), "{label}: {}", o.describe());
    // ... and as nanoclaw's newest starts an agent, `create` then `start --attach`: podman reads
    // mounts.conf at the start (the look `gj` read the key so after the first fix).
    let name = rig.unique("mountsconf");
    let cmds = format!(
        "\"$D\" create --name {name} --network=none --entrypoint sh {IMAGE} -c 'cat /run/secrets/c/token' >/dev/null && \"$D\" start --attach {name}; \"$D\" rm -f {name} >/dev/null 2>&1"
    );
    let control = shell("podman", &plain, Some(&etc), &cmds);
    assert!(
        control.stdout.contains(&marker),
        "{label}: control: {}",
        control.describe()
    );
    let o = shell("docker", &plain, Some(&etc), &cmds);
    assert!(
        !said(&o).contains(&marker),
        "{label}: mounts.conf at start: {}",
        o.describe()
    );
    assert!(o.stderr.contains("No such file"), "{label}: {}", o.describe());
    // ... and a build's RUN steps (the same look saved the key into an image).
    let ctx = rig.containerfile(
        &rig.dir.path().join("mountsconf-ctx"),
        &format!("FROM {IMAGE}\nRUN cat /run/secrets/c/token || echo nothing-mounted\n"),
    );
    let tag = rig.image_tag("mountsconf");
    let cmds = format!(
        "\"$D\" {} --network=none --no-cache -t {tag} {ctx}",
        build_argv(&[]).join(" ")
    );
    let control = shell("podman", &plain, Some(&etc), &cmds);
    let _ = rig.podman(&["rmi", "-f", &tag]);
    assert!(
        said(&control).contains(&marker),
        "{label}: control: {}",
        control.describe()
    );
    let o = shell("docker", &plain, Some(&etc), &cmds);
    let _ = rig.podman(&["rmi", "-f", &tag]);
    assert!(
        o.ok() && said(&o).contains("nothing-mounted"),
        "{label}: build: {}",
        o.describe()
    );
    assert!(
        !said(&o).contains(&marker),
        "{label}: mounts.conf in a build: {}",
        o.describe()
    );
    // An operator's stricter seccomp profile (podman's without `unshare`) is the one narrowed,
    // not replaced by podman's default.
    let default = [
        "/etc/containers/seccomp.json",
        "/usr/share/containers/seccomp.json",
    ]
    .iter()
    .find_map(|p| std::fs::read_to_string(p).ok())
    .expect("podman's seccomp profile");
    let mut profile: serde_json::Value = serde_json::from_str(&default).unwrap();
    for rule in profile["syscalls"].as_array_mut().unwrap() {
        if let Some(names) = rule["names"].as_array_mut() {
            names.retain(|n| n != "unshare");
        }
    }
    let strict = rig.dir.path().join("strict-seccomp.json");
    std::fs::write(&strict, profile.to_string()).unwrap();
    let sec = conf_with("seccomp", &format!("seccomp_profile = \"{}\"", strict.display()));
    let script = "unshare -U true && echo unshared";
    let control = run("podman", &sec, None, script);
    assert!(
        !control.stdout.contains("unshared"),
        "{label}: control: {}",
        control.describe()
    );
    let o = run("docker", &sec, None, script);
    assert!(
        !o.stdout.contains("unshared"),
        "{label}: the operator's profile was replaced: {}",
        o.describe()
    );
    // A docker-style profile: `unshare` and `clone` only with CAP_SYS_ADMIN, `clone` without
    // namespace flags otherwise. Narrowed, it is not widened (the look `gl`: it was), and a
    // container still starts and forks under it.
    let mut docker_like: serde_json::Value = serde_json::from_str(&default).unwrap();
    let rules = docker_like["syscalls"].as_array_mut().unwrap();
    for rule in rules.iter_mut() {
        if let Some(names) = rule["names"].as_array_mut() {
            names.retain(|n| n != "unshare" && n != "clone");
        }
    }
    rules.retain(|r| r["names"].as_array().is_some_and(|n| !n.is_empty()));
    rules.push(serde_json::json!({"names": ["clone", "unshare"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}));
    rules.push(serde_json::json!({"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2114060288u64, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}], "excludes": {"caps": ["CAP_SYS_ADMIN"]}}));
    let docker_file = rig.dir.path().join("docker-like-seccomp.json");
    std::fs::write(&docker_file, docker_like.to_string()).unwrap();
    let sec = conf_with(
        "dockerlike",
        &format!("seccomp_profile = \"{}\"", docker_file.display()),
    );
    let script = "(echo forked) && (unshare -U true && echo unshared)";
    let control = run("podman", &sec, None, script);
    assert!(
        control.stdout.contains("forked") && !control.stdout.contains("unshared"),
        "{label}: control: {}",
        control.describe()
    );
    let o = run("docker", &sec, None, script);
    assert!(
        o.stdout.contains("forked"),
        "{label}: no fork under the narrowed docker-style profile: {}",
        o.describe()
    );
    assert!(
        !o.stdout.contains("unshared"),
        "{label}: the docker-style profile was widened: {}",
        o.describe()
    );
    // (And podman's default, narrowed, still lets it: the check can fail.)
    let o = run("docker", &plain, None, script);
    assert!(o.stdout.contains("unshared"), "{label}: {}", o.describe());
    // A profile that allows what it does not name is no allow-list: refused, where it was
    // narrowed and reported as fine (the look `gv`); plain podman runs the container under it.
    let allow_all = rig.dir.path().join("allow-all-seccomp.json");
    std::fs::write(
        &allow_all,
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []}"#,
    )
    .unwrap();
    let sec = conf_with(
        "allowall",
        &format!("seccomp_profile = \"{}\"", allow_all.display()),
    );
    let script = "grep Seccomp: /proc/self/status; echo ran";
    let control = run("podman", &sec, None, script);
    assert!(
        control.stdout.contains("ran"),
        "{label}: control: {}",
        control.describe()
    );
    let o = run("docker", &sec, None, script);
    assert_eq!(
        o.code,
        Some(125),
        "{label}: an allow-all profile: {}",
        o.describe()
    );
    assert!(
        o.stderr.contains("[harden.seccomp]") && o.stderr.contains("defaultAction"),
        "{label}: {}",
        o.describe()
    );
    // podman's default with a second list under `"ſyscalls"` (a long s), which podman's Go
    // reader folds onto `syscalls` and reads last: the shim refuses the profile (the look `gw`:
    // it narrowed the first list, and podman read the second, `keyctl` and a cgroup namespace
    // allowed again).
    let mut folded: serde_json::Value = serde_json::from_str(&default).unwrap();
    folded["ſyscalls"] = serde_json::json!([{"names": ["unshare", "clone", "clone3", "keyctl"], "action": "SCMP_ACT_ALLOW"}, {"names": ["read", "write", "exit_group", "execve", "brk", "mmap", "openat", "close"], "action": "SCMP_ACT_ALLOW"}]);
    folded["defaultAction"] = serde_json::json!("SCMP_ACT_ERRNO");
    let folded_file = rig.dir.path().join("folded-seccomp.json");
    std::fs::write(&folded_file, folded.to_string()).unwrap();
    let sec = conf_with(
        "folded",
        &format!("seccomp_profile = \"{}\"", folded_file.display()),
    );
    // podman's configured pids_limit below the policy's ceiling is what a container that names
    // none gets, as plain podman gives it (the look `gv`: 64 became the policy's 256).
    if rig.limits_apply() {
        let low = conf_with("pids", "pids_limit = 64");
        let script = "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max";
        let control = run("podman", &low, None, script);
        assert_eq!(
            control.stdout.trim(),
            "64",
            "{label}: control: {}",
            control.describe()
        );
        let o = run("docker", &low, None, script);
        assert_eq!(
            o.stdout.trim(),
            "64",
            "{label}: a configured pids_limit: {}",
            o.describe()
        );
    }
    let o = run("docker", &sec, None, "echo ran");
    assert_eq!(o.code, Some(125), "{label}: a folded key: {}", o.describe());
    assert!(
        o.stderr.contains("[harden.seccomp]") && o.stderr.contains("a key the shim does not know"),
        "{label}: {}",
        o.describe()
    );
    // `[engine]`: the runtime told to chroot in place of pivot_root. The control hands the
    // runtime `--no-pivot`; the shim refuses.
    let engine_with = |name: &str, line: &str| -> PathBuf {
        let base = std::fs::read_to_string(&plain).unwrap_or_default();
        let text = match base.contains("[engine]") {
            true => base.replacen("[engine]", &format!("[engine]\n{line}"), 1),
            false => format!("{base}\n[engine]\n{line}\n"),
        };
        let path = rig.dir.path().join(format!("{name}.conf"));
        std::fs::write(&path, text).unwrap();
        path
    };
    let no_pivot = engine_with("nopivot", "no_pivot_root = true");
    let control = shell(
        "podman",
        &no_pivot,
        None,
        &format!("exec \"$D\" --log-level=debug run --rm --network=none --entrypoint true {IMAGE}"),
    );
    assert!(
        control.ok() && control.stderr.contains("--no-pivot"),
        "{label}: control: {}",
        control.describe()
    );
    let o = run("docker", &no_pivot, None, "true");
    assert_eq!(o.code, Some(125), "{label}: no_pivot_root: {}", o.describe());
    assert!(
        o.stderr.contains("deny.security-option"),
        "{label}: {}",
        o.describe()
    );
    // `remote = true`: every command goes to a podman service (here this host's own, on a
    // socket of the test's). The control's container is made there; through the shim every
    // call is refused, naming the key (podman 4.3 had said "unknown flag: --hooks-dir").
    let socket = rig.dir.path().join("service.sock");
    let mut service = Command::new("podman");
    service
        .args(["system", "service", "--time=0"])
        .arg(format!("unix://{}", socket.display()))
        .env("CONTAINERS_CONF", &plain)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut service = spawn(&mut service).expect("podman system service");
    let started = std::time::Instant::now();
    while !socket.exists() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let remote = engine_with("remote", "remote = true\nactive_service = \"t\"");
    let mut text = std::fs::read_to_string(&remote).unwrap();
    text.push_str(&format!(
        "\n[engine.service_destinations.t]\nuri = \"unix://{}\"\n",
        socket.display()
    ));
    std::fs::write(&remote, &text).unwrap();
    let control = run("podman", &remote, None, "echo made-by-the-service");
    let remote_says = |prog: &str| {
        shell(
            prog,
            &remote,
            None,
            "exec \"$D\" info --format '{{.Host.ServiceIsRemote}}'",
        )
    };
    let info = remote_says("podman");
    let _ = service.kill();
    let _ = service.wait();
    assert!(
        control.stdout.contains("made-by-the-service") && info.stdout.trim() == "true",
        "{label}: control: {} / {}",
        control.describe(),
        info.describe()
    );
    let o = run("docker", &remote, None, "echo made-by-the-service");
    assert_eq!(o.code, Some(125), "{label}: remote: {}", o.describe());
    assert!(
        o.stderr.contains("deny.engine-redirect") && o.stderr.contains("remote"),
        "{label}: {}",
        o.describe()
    );
    let o = shell("docker", &remote, None, "exec \"$D\" ps -a");
    assert_eq!(o.code, Some(125), "{label}: remote ps: {}", o.describe());
    assert!(
        o.stderr.contains("deny.engine-redirect"),
        "{label}: {}",
        o.describe()
    );
}

#[test]
fn podman_s_configuration_cannot_widen_a_container_rootful() {
    configured_defaults(Mode::Rootful);
}

/// podman's configuration judged for a rootless caller as for root (the rootful test above has
/// the steps that need root: a mount namespace, a service): a host folder for every container,
/// the host's PID namespace, slirp4netns's options, the runtime told not to pivot, a key the
/// shim does not know. Each with plain podman's control, under the same `CONTAINERS_CONF`.
fn configured_defaults_as_caller(mode: Mode) {
    let Some(rig) = Rig::new(mode, "confcaller") else {
        return;
    };
    let label = mode.label();
    let secret_dir = rig.dir.path().join("confcaller-secret");
    rig.mkdirs(&secret_dir);
    let marker = format!("sk-ant-{}", rig.tag);
    std::fs::write(secret_dir.join("token"), &marker).unwrap();
    let shell = |conf: &Path, cmds: &str| conf_shell(&rig, None, conf, None, cmds);
    let run = |prog: &str, conf: &Path, script: &str| -> Out {
        let quoted = script.replace('\'', "'\\''");
        shell(
            conf,
            &format!("exec {prog} run --rm --entrypoint sh {IMAGE} -c '{quoted}'"),
        )
    };
    let said = |o: &Out| format!("{}{}", o.stdout, o.stderr);
    let containers = |name: &str, line: &str| machine_conf_with(rig.dir.path(), name, line);
    let engine = |name: &str, line: &str| -> PathBuf {
        let path = containers(name, "");
        let base = std::fs::read_to_string(&path).unwrap();
        let text = match base.contains("[engine]") {
            true => base.replacen("[engine]", &format!("[engine]\n{line}"), 1),
            false => format!("{base}\n[engine]\n{line}\n"),
        };
        std::fs::write(&path, text).unwrap();
        path
    };
    // A host folder.
    let vol = containers(
        "volumes",
        &format!("volumes = [\"{}:/c:ro\"]", secret_dir.display()),
    );
    let control = run("podman", &vol, "cat /c/token");
    assert!(
        control.stdout.contains(&marker),
        "{label}: control: {}",
        control.describe()
    );
    let o = run("docker", &vol, "cat /c/token");
    assert_eq!(o.code, Some(125), "{label}: volumes: {}", o.describe());
    assert!(
        o.stderr.contains("deny.sensitive-mount") && !said(&o).contains(&marker),
        "{label}: {}",
        o.describe()
    );
    // The host's PID namespace.
    let host_pid = std::fs::read_link("/proc/self/ns/pid")
        .unwrap()
        .display()
        .to_string();
    let pid = containers("pidns", "pidns = \"host\"");
    let control = run("podman", &pid, "readlink /proc/self/ns/pid");
    assert_eq!(
        control.stdout.trim(),
        host_pid,
        "{label}: control: {}",
        control.describe()
    );
    let o = run("docker", &pid, "readlink /proc/self/ns/pid");
    assert_eq!(o.code, Some(125), "{label}: pidns: {}", o.describe());
    assert!(
        o.stderr.contains("deny.host-namespace"),
        "{label}: {}",
        o.describe()
    );
    // The runtime told to chroot in place of pivot_root.
    let no_pivot = engine("nopivot", "no_pivot_root = true");
    let control = shell(
        &no_pivot,
        &format!("exec podman --log-level=debug run --rm --network=none --entrypoint true {IMAGE}"),
    );
    assert!(
        control.ok() && control.stderr.contains("--no-pivot"),
        "{label}: control: {}",
        control.describe()
    );
    let o = run("docker", &no_pivot, "true");
    assert_eq!(o.code, Some(125), "{label}: no_pivot_root: {}", o.describe());
    assert!(
        o.stderr.contains("deny.security-option"),
        "{label}: {}",
        o.describe()
    );
    // A key the shim does not know: podman runs, the shim refuses, naming it.
    let unknown = engine("unknown", "some_future_key = true");
    let control = run("podman", &unknown, "echo ran");
    assert!(
        control.stdout.contains("ran"),
        "{label}: control: {}",
        control.describe()
    );
    let o = run("docker", &unknown, "echo ran");
    assert_eq!(o.code, Some(125), "{label}: unknown key: {}", o.describe());
    assert!(
        o.stderr.contains("deny.environment") && o.stderr.contains("[engine] some_future_key"),
        "{label}: {}",
        o.describe()
    );
    // slirp4netns's options (a rootless container's network): the host's loopback.
    if mode == Mode::Rootless {
        let net = engine("netopts", "network_cmd_options = [\"allow_host_loopback=true\"]");
        let control = run("podman", &net, "echo ran");
        assert!(
            control.stdout.contains("ran"),
            "{label}: control: {}",
            control.describe()
        );
        let o = run("docker", &net, "echo ran");
        assert_eq!(
            o.code,
            Some(125),
            "{label}: network_cmd_options: {}",
            o.describe()
        );
        assert!(
            o.stderr.contains("deny.network-option"),
            "{label}: {}",
            o.describe()
        );
    }
}

#[test]
fn podman_s_configuration_is_judged_for_the_caller_rootless() {
    configured_defaults_as_caller(Mode::Rootless);
}

/// nanoclaw's newest watch of its containers (`events --filter label=... --format '{{json
/// .}}'`) reads docker's event shape, `Action` and `Actor.Attributes`. The control: plain
/// podman's lines have neither (its own `Status` and `Attributes`), so nanoclaw dropped every
/// one (the look `gr`); through the shim the container's `die` arrives with its label and exit
/// code.
fn event_watch(mode: Mode) {
    let Some(rig) = Rig::new(mode, "events") else {
        return;
    };
    let label = mode.label();
    let key = format!("nanoclaw-install={}", rig.tag);
    // The watch ends by itself: its reader ends the whole process group `timeout` made (a
    // SIGTERM, which podman and the shim's exec'd podman take as the end of the stream) once
    // the container is gone, or `timeout` does; a rootless podman under `runuser` outlives a
    // kill of `runuser` and holds the pipe.
    const WATCH: &str = r#"$1 events --filter type=container --filter "label=$2" --format '{{json .}}' |
        while IFS= read -r l; do
            printf '%s\n' "$l"
            case $l in *'"remove"'* | *'"destroy"'*) kill 0 ;; esac
        done"#;
    let watch = |prog: &str| -> Vec<serde_json::Value> {
        let mut c = rig.command_in("timeout", Path::new("/"));
        c.args(["30", "sh", "-c", WATCH, "sh", prog, &key])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = spawn(&mut c).expect("events");
        std::thread::sleep(Duration::from_secs(3));
        let name = rig.unique("ev");
        let o = rig.run(
            "docker",
            &strs(&[
                "run",
                "--rm",
                "--name",
                &name,
                "--label",
                &key,
                "--entrypoint",
                "sh",
                IMAGE,
                "-c",
                "exit 3",
            ]),
            None,
        );
        assert_eq!(o.code, Some(3), "{label}: {}", o.describe());
        let out = finish(child, None, TIMEOUT, &format!("{prog} events"));
        out.stdout
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    };
    let control = watch("podman");
    assert!(!control.is_empty(), "{label}: control: no events");
    assert!(
        control.iter().all(|e| e.get("Action").is_none()),
        "{label}: control: podman printed docker's shape itself: {control:?}"
    );
    let events = watch("docker");
    let value = key.split_once('=').unwrap();
    let die = events
        .iter()
        .find(|e| e["Action"] == "die")
        .unwrap_or_else(|| panic!("{label}: no die event in docker's shape: {events:?}"));
    assert_eq!(die["Actor"]["Attributes"][value.0], value.1, "{label}: {die}");
    assert_eq!(die["Actor"]["Attributes"]["exitCode"], "3", "{label}: {die}");
    assert!(
        events.iter().any(|e| e["Action"] == "destroy"),
        "{label}: {events:?}"
    );
}

#[test]
fn nanoclaw_s_event_watch_reads_docker_s_shape_rootful() {
    event_watch(Mode::Rootful);
}

#[test]
fn nanoclaw_s_event_watch_reads_docker_s_shape_rootless() {
    event_watch(Mode::Rootless);
}

/// `rm --force` kills a running container at once through the shim, as docker's does (the look
/// `gm`: podman's stops it first and waits its stop timeout, which an argv sets; nanoclaw's
/// newest teardown waited past a minute for an agent that ignores SIGTERM). Each container
/// notes a SIGTERM in a file of the host's. The control: plain podman's `rm --force` sends it
/// (and waits); the shim's sends none, only the kill.
fn forced_rm(mode: Mode) {
    let Some(rig) = Rig::new(mode, "forcedrm") else {
        return;
    };
    let label = mode.label();
    let dir = rig.dir.path().join("forcedrm");
    rig.mkdirs(&dir);
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let start = |prog: &str, name: &str| {
        let script = format!(
            "trap 'echo term >> /w/{name}.log' TERM; echo up > /w/{name}.up; while :; do sleep 1; done"
        );
        let o = rig.run(
            prog,
            &strs(&[
                "run",
                "-d",
                "--name",
                name,
                "--stop-timeout=3",
                "-v",
                &format!("{}:/w", dir.display()),
                "--entrypoint",
                "sh",
                IMAGE,
                "-c",
                &script,
            ]),
            None,
        );
        assert!(o.ok(), "{label}: {prog}: {}", o.describe());
        let up = dir.join(format!("{name}.up"));
        let started = std::time::Instant::now();
        while !up.exists() && started.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(
            up.exists(),
            "{label}: {prog}: the container never started its loop"
        );
    };
    let plain = rig.unique("plain");
    let ours = rig.unique("ours");
    start("podman", &plain);
    start("docker", &ours);
    let termed = |name: &str| std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default();
    let o = rig.run("podman", &strs(&["rm", "--force", &plain]), None);
    assert!(o.ok(), "{label}: control: {}", o.describe());
    assert!(
        termed(&plain).contains("term"),
        "{label}: control: plain podman's rm --force sent no SIGTERM first"
    );
    let o = rig.run("docker", &strs(&["rm", "--force", &ours]), None);
    assert!(o.ok(), "{label}: {}", o.describe());
    assert_eq!(
        termed(&ours),
        "",
        "{label}: the shim's rm --force stopped the container first"
    );
    let _ = rig.podman(&["rm", "-f", "-t", "0", &plain, &ours]);
}

#[test]
fn a_forced_rm_does_not_wait_rootful() {
    forced_rm(Mode::Rootful);
}

#[test]
fn a_forced_rm_does_not_wait_rootless() {
    forced_rm(Mode::Rootless);
}

/// `exec`, `attach` and `update` name a container; through the shim only one it created under
/// enforce is reached (`deny.foreign-container`). The control: plain podman's container (here as the
/// operator's, made outside the shim) runs the caller's `exec` as podman made it.
fn foreign_container(mode: Mode) {
    let Some(rig) = Rig::new(mode, "foreign") else {
        return;
    };
    let label = mode.label();
    let plain = rig.unique("plain");
    let ours = rig.unique("ours");
    let sleeper = |prog: &str, name: &str| {
        let o = rig.run(
            prog,
            &strs(&["run", "-d", "--name", name, IMAGE, "sleep", "60"]),
            None,
        );
        assert!(o.ok(), "{label}: {prog}: {}", o.describe());
    };
    sleeper("podman", &plain);
    sleeper("docker", &ours);
    let exec = |prog: &str, name: &str| rig.run(prog, &strs(&["exec", name, "echo", "reached"]), None);
    let control = exec("podman", &plain);
    assert!(
        control.ok() && control.stdout.contains("reached"),
        "{label}: control: {}",
        control.describe()
    );
    let o = exec("docker", &ours);
    assert!(
        o.ok() && o.stdout.contains("reached"),
        "{label}: the shim's own: {}",
        o.describe()
    );
    let o = exec("docker", &plain);
    assert_refusal(&o, "[deny.foreign-container]");
    let o = rig.run("docker", &strs(&["attach", "--no-stdin", &plain]), None);
    assert_refusal(&o, "[deny.foreign-container]");
    let o = exec("docker", &rig.unique("absent"));
    assert_refusal(&o, "[deny.foreign-container]");
    // Nor is it signalled or read (the hundred-and-third look's: `kill -s USR1` opened an
    // operator's Node service's inspector, whose URL `logs` printed); the control reads its log
    // and its processes, and the shim's own container is reached.
    for words in [&["logs"][..], &["top"]] {
        let control = rig.run("podman", &strs(&[words, &[plain.as_str()]].concat()), None);
        assert!(control.ok(), "{label}: control {words:?}: {}", control.describe());
        let o = rig.run("docker", &strs(&[words, &[ours.as_str()]].concat()), None);
        assert!(o.ok(), "{label}: the shim's own {words:?}: {}", o.describe());
    }
    for words in [
        &["kill", "-s", "USR1"][..],
        &["logs"],
        &["top"],
        &["pause"],
        &["diff"],
    ] {
        let o = rig.run("docker", &strs(&[words, &[plain.as_str()]].concat()), None);
        assert_refusal(&o, "[deny.foreign-container]");
    }
    let state = rig.podman(&["container", "inspect", "--format", "{{.State.Status}}", &plain]);
    assert_eq!(state.stdout.trim(), "running", "{label}: {}", state.describe());
    // Nor updated (the fortieth pass: an operator's container's memory to 64m, or its CPU weight
    // to 2, passed every check); the control's `update` takes, where limits apply.
    // (Read in its cgroup: podman 4.3's `update` leaves its inspect's `HostConfig.Memory`.)
    let memory = || {
        let o = rig.podman(&[
            "exec",
            &plain,
            "sh",
            "-c",
            "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max",
        ]);
        o.stdout.trim().to_string()
    };
    let before = memory();
    for words in [
        &["update", "--memory", "64m", plain.as_str()][..],
        &["update", ours.as_str(), "--memory=64m", plain.as_str()],
    ] {
        let o = rig.run("docker", &strs(words), None);
        assert_refusal(&o, "[deny.foreign-container]");
    }
    assert_eq!(memory(), before, "{label}: the operator's container was updated");
    if rig.limits_apply() {
        let control = rig.run("podman", &strs(&["update", "--memory", "64m", &plain]), None);
        assert!(control.ok(), "{label}: control update: {}", control.describe());
        assert_eq!(memory(), "67108864", "{label}: the control's update did not take");
        // The shim's own is passed to podman; podman 5.4 refuses to update any container made
        // with `--no-healthcheck` (harden.healthcheck), the control's too: noted, not failed.
        let o = rig.run("docker", &strs(&["update", "--memory", "64m", &ours]), None);
        let podman_s_own = "healthcheck-timeout must be at least 1 second";
        assert!(
            o.ok() || (o.stderr.contains(podman_s_own) && !o.stderr.contains("nanoclaw-shim")),
            "{label}: the shim's own update: {}",
            o.describe()
        );
        if !o.ok() {
            loud(&format!(
                "NOTE (foreign_container, {label}): podman refuses to update a container made with\n\
                 --no-healthcheck (\"{podman_s_own}\"); the shim passed the update"
            ));
        }
    }
    // `start -ai` of a running container attaches to it (podman 4.3): refused alike, with the
    // mount check's hook or without it (the eighty-eighth look's).
    let o = rig.run("docker", &strs(&["start", "-a", "-i", &plain]), None);
    assert_refusal(&o, "[deny.foreign-container]");
    // What passes is named by the full ID the shim looked at, so that a rename between the
    // question and podman's lookup cannot put the operator's container in its place.
    let id = rig.podman(&["container", "inspect", "--format", "{{.Id}}", &ours]);
    // Nor can the operator's container be renamed to that ID (podman 5 looks names up before
    // IDs: the ninety-third look's), nor any be given a name that reads as one.
    let o = rig.run("docker", &strs(&["rename", &plain, id.stdout.trim()]), None);
    assert_refusal(&o, "[deny.foreign-container]");
    let o = rig.run("docker", &strs(&["rename", &ours, id.stdout.trim()]), None);
    assert_refusal(&o, "[deny.foreign-container]");
    let slashed = format!("/{}", id.stdout.trim());
    let o = rig.run("docker", &strs(&["rename", &ours, &slashed]), None);
    assert_refusal(&o, "[deny.foreign-container]");

    let plan = rig.run(
        "nanoclaw-shim",
        &strs(&["explain", "--", "docker", "exec", &ours, "true"]),
        None,
    );
    assert!(
        plan.stdout.contains(&format!("exec {}", id.stdout.trim())),
        "{label}: the exec does not name the container's ID: {}",
        plan.describe()
    );
    let _ = rig.podman(&["rm", "-f", "-t", "0", &plain, &ours]);
}

#[test]
fn exec_reaches_only_the_shim_s_containers_rootful() {
    foreign_container(Mode::Rootful);
}

#[test]
fn exec_reaches_only_the_shim_s_containers_rootless() {
    foreign_container(Mode::Rootless);
}

/// Open files per process: podman 5 gives a container the host's maximum, and a caller's
/// `--ulimit nofile` raises it as far as the host's hard limit (the thirty-first pass's look: an
/// agent's processes held half a million of the host's files). The control, plain podman with
/// the caller's `nofile=4096:4096`, reads 4096 inside; through the shim the same argv reads the
/// policy's 1024, a caller's lower 512 is kept, and the configured `nproc` still applies (any
/// `--ulimit` replaces podman's configured defaults: the shim gives them again).
fn open_files(mode: Mode) {
    let Some(rig) = Rig::new(mode, "nofile") else {
        return;
    };
    let label = mode.label();
    let limit = |prog: &str, extra: &[&str]| -> String {
        let mut argv = strs(&["run", "--rm"]);
        argv.extend(strs(extra));
        argv.extend(strs(&[
            "--entrypoint",
            "sh",
            IMAGE,
            "-c",
            "echo nofile=$(ulimit -n)",
        ]));
        let o = rig.run(prog, &argv, None);
        assert!(o.ok(), "{label}: {prog}: {}", o.describe());
        o.stdout.trim().to_string()
    };
    // (With an nproc of the caller's: any --ulimit replaces podman's configured defaults, and
    // its built-in nproc is more than this machine lets a container have.)
    let raised = ["--ulimit", "nofile=4096:4096", "--ulimit", "nproc=1024:1024"];
    let control = limit("podman", &raised);
    if control == "nofile=4096" {
        eprintln!("{label}: control: plain podman gives the caller's 4096 open files");
    } else {
        eprintln!("{label}: control: this podman cannot raise open files to 4096 here ({control})");
    }
    assert_eq!(limit("docker", &raised), "nofile=1024", "{label}");
    assert_eq!(limit("docker", &[]), "nofile=1024", "{label}");
    let lower = ["--ulimit", "nofile=512:512", "--ulimit", "nproc=1024:1024"];
    assert_eq!(limit("docker", &lower), "nofile=512", "{label}");
}

#[test]
fn open_files_are_held_to_the_ceiling_rootful() {
    open_files(Mode::Rootful);
}

#[test]
fn open_files_are_held_to_the_ceiling_rootless() {
    open_files(Mode::Rootless);
}

#[test]
fn a_container_s_log_is_capped_rootful() {
    container_log(Mode::Rootful);
}

#[test]
fn a_container_s_log_is_capped_rootless() {
    container_log(Mode::Rootless);
}

#[test]
fn an_image_s_volume_is_memory_rootful() {
    image_volume(Mode::Rootful);
}

#[test]
fn an_image_s_volume_is_memory_rootless() {
    image_volume(Mode::Rootless);
}

/// A build's context's own ignore file: through the shim podman reads the sealed copy of what
/// the shim judged (`--ignorefile=/proc/self/fd/N`), so a regular one still keeps its files out
/// of `COPY`; one linked out of the context is resolved inside it, where it names nothing: the
/// build is refused, and the linked file's lines are never printed. The control: podman 4.3 itself follows the link
/// and prints every line of the file in its error (the fifty-ninth look's); so did the shim's
/// own read, of any file but a credential, before it read inside the context (the sixty-sixth's).
fn context_ignore_file(mode: Mode) {
    let Some(rig) = Rig::new(mode, "ctxignore") else {
        return;
    };
    let label = mode.label();
    let dir = rig.dir.path().join("ctxignore");
    let ctx = rig.containerfile(&dir, &format!("FROM {IMAGE}\nCOPY . /c\nRUN ls -a /c\n"));
    for (name, text) in [
        ("kept.txt", "k\n"),
        ("dropped.txt", "d\n"),
        (".dockerignore", "dropped.txt\n"),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
        rig.own(&dir.join(name), false);
    }
    let tag = rig.image_tag("ctxignore");
    let build = |prog: &str| rig.run(prog, &build_argv(&["--no-cache", "-t", &tag, &ctx]), None);
    let o = build("docker");
    assert_eq!(o.code, Some(0), "{label}: {}", o.describe());
    assert!(
        o.stdout.contains("kept.txt") && !o.stdout.contains("dropped.txt"),
        "{label}: the context's ignore file was not honoured through the shim: {}",
        o.describe()
    );
    // The ignore file linked out of the context, to a credential or to any other host file
    // (nanoclaw's `data/env/env` holds its key), a line podman cannot read as a pattern in it.
    let marker = format!("sk-ant-{}", rig.tag);
    let secret_dir = rig.dir.path().join("ctxignore-home");
    rig.mkdirs(&secret_dir);
    for name in [".env", "env"] {
        let secret = secret_dir.join(name);
        std::fs::write(&secret, format!("ANTHROPIC_API_KEY={marker}\n[\n")).unwrap();
        rig.own(&secret, false);
        let _ = std::fs::remove_file(dir.join(".dockerignore"));
        symlink(&secret, dir.join(".dockerignore")).unwrap();
        let control = build("podman");
        let _ = rig.podman(&["rmi", "-f", &tag]);
        if format!("{}{}", control.stdout, control.stderr).contains(&marker) {
            eprintln!("{label}: control: podman printed the linked {name}'s lines");
        }
        // Through the shim the link is resolved inside the context, as podman 5 resolves it: it
        // names nothing there, and the build is refused (what it kept out is not let into the
        // image in silence, the seventy-eighth look's); nothing of the file is printed.
        let o = build("docker");
        let _ = rig.podman(&["rmi", "-f", &tag]);
        assert_eq!(o.code, Some(125), "{label}: {name}: {}", o.describe());
        assert!(
            o.stderr.contains("names nothing inside"),
            "{label}: {name}: {}",
            o.describe()
        );
        assert!(
            !format!("{}{}", o.stdout, o.stderr).contains(&marker),
            "{label}: the linked {name}'s lines were printed through the shim: {}",
            o.describe()
        );
    }
}

#[test]
fn a_build_s_context_ignore_file_is_read_as_judged_rootful() {
    context_ignore_file(Mode::Rootful);
}

#[test]
fn a_build_s_context_ignore_file_is_read_as_judged_rootless() {
    context_ignore_file(Mode::Rootless);
}

/// A relative name in the shim's environment is a folder beneath the working directory, which a
/// container may write through a mount of a folder below it, and which the host-path lists
/// cannot name as written (the forty-first look's: a relative `PATH` entry had the shim run a
/// `podman` the container wrote, a relative `CONTAINERS_HELPER_BINARY_DIR` had podman 5 run its
/// `pasta`, and a relative `NANOCLAW_SHIM_POLICY` was a policy the container rewrote). The first
/// two are refused; the policy is judged where it lies, so a writable mount of its folder is.
#[test]
fn a_relative_name_in_the_environment_is_refused_or_protected_rootless() {
    let Some(rig) = Rig::new(Mode::Rootless, "relative") else {
        return;
    };
    let ws = rig.dir.path().join("relws");
    rig.mkdirs(&ws.join("bin"));
    let policy = ws.join("policy.toml");
    std::fs::copy(rig.bin.join("policy.toml"), &policy).unwrap();
    rig.own(&policy, false);
    let bin = rig.bin.display().to_string();
    let run = |assign: &str, args: &[&str]| {
        let mut a = vec!["docker"];
        a.extend(args);
        rig.run_in(assign, &strs(&a), None, &ws)
    };
    let plain = ["run", "--rm", IMAGE, "exit", "0"];
    for assign in [
        format!("PATH=bin:{bin}:/usr/bin:/bin"),
        format!("PATH={bin}:/usr/bin:/bin:"),
        "CONTAINERS_HELPER_BINARY_DIR=bin".to_string(),
    ] {
        let o = run(&assign, &plain);
        assert!(
            o.code == Some(125) && o.stdout.is_empty() && o.stderr.contains("relative"),
            "{assign}: {}",
            o.describe()
        );
    }
    // `TMPDIR` through a link into the workspace (the forty-fourth look's: a build writes each
    // RUN step's spec there, and the agent rewrote one): the workspace cannot be mounted
    // writable while it holds podman's temporary folder.
    rig.mkdirs(&ws.join("tmp"));
    let tmp_link = rig.dir.path().join("tmp-link");
    symlink(ws.join("tmp"), &tmp_link).unwrap();
    let workspace = format!("{}:/w", ws.display());
    let o = run(
        &format!("TMPDIR={}", tmp_link.display()),
        &["run", "--rm", "-v", &workspace, IMAGE, "exit", "0"],
    );
    assert!(
        o.code == Some(125) && o.stderr.contains("deny.host-exec"),
        "TMPDIR through a link into a writable workspace: {}",
        o.describe()
    );
    // A build's RUN steps jailed by chroot, not pivot_root: refused before podman runs.
    let ctx = rig.containerfile(&ws.join("ctx"), &format!("FROM {IMAGE}\nRUN true\n"));
    let o = run(
        "BUILDAH_NOPIVOT=1",
        &["build", "-t", "nanoclaw-e2e-nopivot", &ctx],
    );
    assert!(
        o.code == Some(125) && o.stderr.contains("BUILDAH_NOPIVOT"),
        "BUILDAH_NOPIVOT: {}",
        o.describe()
    );
    // A policy named relatively is refused (the thirty-second pass's look: which policy is in
    // force depended on the folder nanoclaw was started in; the forty-first look's container
    // could rewrite one beneath a mount), as is one named by an empty value; the same file
    // named absolutely loads, and its folder cannot be mounted writable.
    for assign in [
        "NANOCLAW_SHIM_POLICY=policy.toml",
        "NANOCLAW_SHIM_POLICY=./policy.toml",
        "NANOCLAW_SHIM_POLICY=",
    ] {
        let o = run(assign, &plain);
        assert!(
            o.code == Some(125)
                && o.stdout.is_empty()
                && o.stderr.lines().count() == 1
                && o.stderr.contains("NANOCLAW_SHIM_POLICY"),
            "{assign}: {}",
            o.describe()
        );
    }
    let absolute = format!("NANOCLAW_SHIM_POLICY={}", policy.display());
    let o = run(&absolute, &plain);
    assert!(o.ok(), "the policy named absolutely: {}", o.describe());
    let mount = format!("{}:/w", ws.display());
    let o = run(&absolute, &["run", "--rm", "-v", &mount, IMAGE, "exit", "0"]);
    assert!(
        o.code == Some(125) && o.stderr.contains("deny.host-exec"),
        "the policy's folder mounted writable: {}",
        o.describe()
    );
}

/// `/proc/PID/root/...` leads into a running container's own files (its `/home/node`, a tmpfs
/// the shim mounts with `exec`), and reads `/` as a link: the forty-second look's `PATH` entry
/// there had podman run the container's `pasta` as the host user, and a runtime named there was
/// judged as the host's `/usr/bin/podman`. A running container of the rig's, so the way exists.
#[test]
fn a_way_through_proc_in_the_environment_is_refused_rootless() {
    let Some(rig) = Rig::new(Mode::Rootless, "procway") else {
        return;
    };
    let name = rig.unique("sleeper");
    let started = rig.docker(&strs(&["run", "-d", "--name", &name, IMAGE, "sleep", "60"]), None);
    assert!(started.ok(), "{}", started.describe());
    let pid = rig.podman(&["inspect", "--format", "{{.State.Pid}}", &name]);
    let pid = pid.stdout.trim().to_string();
    let bin = rig.bin.display().to_string();
    let root = format!("/proc/{pid}/root");
    let mut outs = Vec::new();
    for assign in [
        format!("PATH={root}/home/node:{bin}:/usr/bin:/bin"),
        format!("NANOCLAW_SHIM_RUNTIME={root}/usr/bin/podman"),
        format!("NANOCLAW_SHIM_POLICY={root}/etc/passwd"),
        format!("XDG_CONFIG_HOME={root}/home/node"),
    ] {
        let o = rig.run(
            &assign,
            &strs(&["docker", "run", "--rm", IMAGE, "exit", "0"]),
            None,
        );
        outs.push((assign, o));
    }
    let _ = rig.podman(&["rm", "-f", &name]);
    assert!(
        pid.parse::<u32>().is_ok_and(|p| p > 0),
        "no pid for the sleeper: {pid:?}"
    );
    for (assign, o) in outs {
        assert!(
            o.code == Some(125) && o.stdout.is_empty() && o.stderr.contains("/proc"),
            "{assign}: {}",
            o.describe()
        );
    }
}

#[test]
fn an_image_s_health_check_never_runs_rootful() {
    an_image_s_health_check(Mode::Rootful);
}

#[test]
fn an_image_s_health_check_never_runs_rootless() {
    an_image_s_health_check(Mode::Rootless);
}

#[test]
fn an_image_s_auto_update_labels_are_overridden_rootful() {
    an_image_s_auto_update_labels(Mode::Rootful);
}

#[test]
fn an_image_s_auto_update_labels_are_overridden_rootless() {
    an_image_s_auto_update_labels(Mode::Rootless);
}

#[test]
fn an_image_s_runtime_annotation_never_reaches_the_runtime_rootful() {
    an_image_s_runtime_annotation(Mode::Rootful);
}

#[test]
fn an_image_s_runtime_annotation_never_reaches_the_runtime_rootless() {
    an_image_s_runtime_annotation(Mode::Rootless);
}

#[test]
fn a_tmpfs_stacked_on_a_volume_never_starts_rootful() {
    a_tmpfs_on_a_volume(Mode::Rootful);
}

#[test]
fn a_tmpfs_stacked_on_a_volume_never_starts_rootless() {
    a_tmpfs_on_a_volume(Mode::Rootless);
}

/// A hook file named as the shim's in one of podman's own hook folders: podman runs, of two
/// files of one name, the one in the folder named last, and the shim names its own last, so the
/// mount check still runs (a nineteenth look's: named first, the system file replaced it and
/// the check never ran). The planted hook does nothing and matches only the shim's containers;
/// the folder is removed afterwards if the test made it.
#[test]
fn a_system_hook_named_as_the_shim_s_does_not_replace_it_rootful() {
    let Some(rig) = Rig::new(Mode::Rootful, "sysclash") else {
        return;
    };
    /// The planted file, and the folders made for it (deepest first), removed when dropped.
    struct Planted(PathBuf, Vec<PathBuf>);
    impl Drop for Planted {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
            for d in &self.1 {
                let _ = std::fs::remove_dir(d);
            }
        }
    }
    let folder = PathBuf::from("/etc/containers/oci/hooks.d");
    let made: Vec<PathBuf> = folder
        .ancestors()
        .take_while(|d| !d.exists())
        .map(Path::to_path_buf)
        .collect();
    std::fs::create_dir_all(&folder).unwrap();
    let _planted = Planted(folder.join("nanoclaw-shim.json"), made);
    std::fs::write(
        folder.join("nanoclaw-shim.json"),
        r#"{"version":"1.0.0","hook":{"path":"/bin/true"},"when":{"annotations":{"^io\\.github\\.nanoclaw-shim\\.mounts$":".*"}},"stages":["createContainer"]}"#,
    )
    .unwrap();
    let grp = rig.dir.path().join("sysclash/grp");
    rig.mkdirs(&grp.join("notes"));
    // Refused by the mount check alone: a memory file system inside a bind.
    let o = rig.docker(
        &strs(&[
            "run",
            "--rm",
            "-v",
            &format!("{}:/g", grp.display()),
            "--tmpfs",
            "/g/notes",
            "--entrypoint",
            "sh",
            IMAGE,
            "-c",
            "echo clash-ran",
        ]),
        None,
    );
    let all = format!("{}{}", o.stdout, o.stderr);
    assert!(
        !o.ok() && !all.contains("clash-ran") && all.contains("[harden.mount-check]"),
        "the system folder's file replaced the mount check: {}",
        o.describe()
    );
}

#[test]
fn a_target_retargeted_for_the_check_never_starts_rootful() {
    target_retargeted_for_the_check(Mode::Rootful);
}

#[test]
fn a_target_retargeted_for_the_check_never_starts_rootless() {
    target_retargeted_for_the_check(Mode::Rootless);
}

#[test]
fn a_mount_source_swapped_after_the_check_never_starts_rootful() {
    mount_source_swapped(Mode::Rootful);
}

#[test]
fn a_mount_source_swapped_after_the_check_never_starts_rootless() {
    mount_source_swapped(Mode::Rootless);
}

/// On rootful podman a container's gid is the host's: with `--user 1000:42` the container leaves a
/// program setgid `shadow` (42 on Debian) in its read-write mount, no capability needed (the
/// control), which any host user could then run to read `/etc/shadow`. Through the shim the
/// A folder holding a FIFO (or socket) at its top: a read-only mount does not stop a container
/// writing into a host program's command pipe, or connecting to its socket (the fifty-seventh
/// look's: a project folder nanoclaw's `additionalMounts` named held a control socket, and the
/// container ran commands on the host). The control's container writes into the host's FIFO
/// through `:ro`; through the shim the mount is refused (`deny.sensitive-mount`) and nothing
/// arrives; shadowed by another mount at its place, the folder passes.
fn listening_at_a_folder_s_top(mode: Mode) {
    let Some(rig) = Rig::new(mode, "fifotop") else {
        return;
    };
    let label = mode.label();
    let dir = rig.dir.path().join("fifotop/proj");
    rig.mkdirs(&dir);
    let fifo = dir.join("cmd");
    let made = std::process::Command::new("mkfifo")
        .arg("-m")
        .arg("666")
        .arg(&fifo)
        .status();
    assert!(made.is_ok_and(|s| s.success()), "{label}: mkfifo");
    if let Some(u) = &rig.user {
        std::os::unix::fs::chown(&fifo, Some(u.uid), Some(u.gid)).unwrap();
    }
    // Held open for reading and writing, so that neither side waits, and read without waiting.
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut host = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(0o4000) // O_NONBLOCK
        .open(&fifo)
        .unwrap();
    let mut arrived = || {
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        while let Ok(n) = host.read(&mut buf) {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&got).into_owned()
    };
    let argv = |extra: &[&str], word: &str| {
        let mut a = strs(&["run", "--rm", "--user", "1000:1000"]);
        a.extend(strs(&["-v", &format!("{}:/w:ro", dir.display())]));
        a.extend(strs(extra));
        a.extend(strs(&["--entrypoint", "sh", IMAGE, "-c"]));
        a.push(format!("echo {word} > /w/cmd; echo done"));
        a
    };
    let word = format!("control-{}", rig.tag);
    let control = rig.run("podman", &argv(&[], &word), None);
    assert!(
        arrived().contains(&word),
        "{label}: the control's container did not write into the host's FIFO: {}",
        control.describe()
    );
    let word = format!("shim-{}", rig.tag);
    assert_refused(&rig, &argv(&[], &word), "a socket or FIFO at its top");
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(
        arrived(),
        "",
        "{label}: something reached the FIFO through the shim"
    );
    // Shadowed at its place, the folder passes and the pipe is out of reach.
    let o = rig.docker(&argv(&["-v", "/dev/null:/w/cmd"], &word), None);
    assert!(o.ok() && o.stdout.contains("done"), "{label}: {}", o.describe());
    assert_eq!(arrived(), "", "{label}: the shadowed FIFO was written");
    // A folder the caller may search but not list (root's, mode 0311) hides what is in it from
    // the check: refused (the sixtieth look's, rootless), never mounted unseen.
    if mode == Mode::Rootless {
        let hidden = rig.dir.path().join("fifotop/hidden");
        std::fs::create_dir(&hidden).unwrap();
        std::fs::set_permissions(&hidden, std::fs::Permissions::from_mode(0o311)).unwrap();
        let a = strs(&[
            "run",
            "--rm",
            "--user",
            "1000:1000",
            "-v",
            &format!("{}:/w:ro", hidden.display()),
            IMAGE,
        ]);
        assert_refused(&rig, &a, "cannot be listed");
    }
}

#[test]
fn a_folder_holding_a_fifo_at_its_top_is_refused_rootful() {
    listening_at_a_folder_s_top(Mode::Rootful);
}

#[test]
fn a_folder_holding_a_fifo_at_its_top_is_refused_rootless() {
    listening_at_a_folder_s_top(Mode::Rootless);
}

/// group is refused (`deny.root-user`) and nothing is written.
#[test]
fn a_system_group_for_the_container_is_refused_rootful() {
    let Some(rig) = Rig::new(Mode::Rootful, "sgid") else {
        return;
    };
    let dir = rig.dir.path().join("sgid/w");
    rig.mkdirs(&dir);
    let program = dir.join("sg");
    let spec = format!("{}:/w", dir.display());
    // `1000:42`: the group is `shadow`; `12345`, a uid the image does not list with no group:
    // podman gives it gid 0, the host's root group.
    for (user, gid) in [("1000:42", 42), ("12345", 0)] {
        let argv = strs(&[
            "run",
            "--rm",
            "--user",
            user,
            "-v",
            &spec,
            "--entrypoint",
            "sh",
            IMAGE,
            "-c",
            "cp /bin/sh /w/sg && chmod 2755 /w/sg",
        ]);
        let control = rig.run("podman", &argv, None);
        let meta = std::fs::metadata(&program);
        assert!(
            meta.as_ref()
                .is_ok_and(|m| m.gid() == gid && m.mode() & 0o2000 != 0),
            "--user {user}: the control did not leave a setgid-{gid} program: {meta:?} {}",
            control.describe()
        );
        std::fs::remove_file(&program).unwrap();
        assert_refused(&rig, &argv, "deny.root-user");
        assert!(
            !program.exists(),
            "--user {user}: the container wrote the program through the shim"
        );
    }
}

/// Rootless podman reads its configuration from `$XDG_CONFIG_HOME/containers` (the control: a
/// container given that folder read-write writes a `containers.conf`, and the next container
/// has the variable it sets; a hook there would run on the host). Through the shim the moved
/// folder is protected as `~/.config` is, so the first call is refused and nothing is written;
/// a relative `XDG_CONFIG_HOME`, which podman reads from the working directory, is refused.
#[test]
fn a_moved_configuration_folder_is_protected_rootless() {
    let Some(rig) = Rig::new(Mode::Rootless, "xdgcfg") else {
        return;
    };
    let cfg = rig.dir.path().join("xdgcfg/cfg");
    rig.mkdirs(&cfg);
    let conf = cfg.join("containers/containers.conf");
    let var = format!("XDG_CONFIG_HOME={}", cfg.display());
    let spec = format!("{}:/c", cfg.display());
    // The control's container is root, which rootless podman maps to the caller; through the
    // shim the caller's uid (which the shim maps with keep-id), as nanoclaw passes it.
    let uid = rig.user.as_ref().map(|u| format!("{}:{}", u.uid, u.gid)).unwrap();
    let write = |prog: &str, user: &str| {
        rig.run(
            "env",
            &strs(&[
                &var,
                prog,
                "run",
                "--rm",
                "--user",
                user,
                "-v",
                &spec,
                "--entrypoint",
                "sh",
                IMAGE,
                "-c",
                "mkdir -p /c/containers && printf '[containers]\\nenv = [\"MOVED=yes\"]\\n' > /c/containers/containers.conf",
            ]),
            None,
        )
    };
    let control = write("podman", "0");
    assert!(
        conf.exists(),
        "the control wrote no configuration: {}",
        control.describe()
    );
    let read = rig.run(
        "env",
        &strs(&[
            &var,
            "podman",
            "run",
            "--rm",
            "--entrypoint",
            "sh",
            IMAGE,
            "-c",
            "echo got-$MOVED",
        ]),
        None,
    );
    assert!(
        read.stdout.contains("got-yes"),
        "the control's podman did not read the moved configuration: {}",
        read.describe()
    );
    std::fs::remove_file(&conf).unwrap();
    let o = write("docker", &uid);
    assert_refusal(&o, "[deny.sensitive-mount]");
    assert_refusal(&o, &cfg.join("nanoclaw-shim").display().to_string());
    assert!(
        !conf.exists(),
        "the container wrote podman's configuration through the shim"
    );
    let o = rig.run("env", &strs(&["XDG_CONFIG_HOME=relcfg", "docker", "ps"]), None);
    assert_refusal(&o, "[deny.environment]");
}

/// Rootless podman looks its network helper (`slirp4netns` on 4.x, `pasta` on 5.x) up on `PATH`
/// when its helper folders have none: a folder first on `PATH` that a container can write (a
/// project's `node_modules/.bin`, first on the PATH `npm start` gives) is a program the host
/// runs. The control's container plants one, and the next plain `run` runs it on the host;
/// through the shim that folder is host-exec (`deny.host-exec`) and nothing is planted.
#[test]
fn a_folder_on_path_is_not_writable_rootless() {
    let Some(rig) = Rig::new(Mode::Rootless, "pathdir") else {
        return;
    };
    let root = rig.dir.path().join("pathdir");
    let pbin = root.join("pbin");
    rig.mkdirs(&pbin);
    let ran = root.join("ran");
    let script = root.join("helper.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho ran > {}\nn=$(basename \"$0\")\nfor d in /usr/local/bin /usr/bin /bin /usr/libexec/podman /usr/lib/podman; do\n  [ -x \"$d/$n\" ] && exec \"$d/$n\" \"$@\"\ndone\nexit 1\n",
            ran.display()
        ),
    )
    .unwrap();
    rig.own(&script, false);
    let path = format!("PATH={}:{}:{USER_PATH}", pbin.display(), rig.bin.display());
    let plant = |prog: &str, user: &str| {
        rig.run(
            "env",
            &strs(&[
                &path,
                prog,
                "run",
                "--rm",
                "--user",
                user,
                "-v",
                &format!("{}:/p", pbin.display()),
                "-v",
                &format!("{}:/s:ro", script.display()),
                "--entrypoint",
                "sh",
                IMAGE,
                "-c",
                "cp /s /p/slirp4netns && cp /s /p/pasta && chmod 755 /p/slirp4netns /p/pasta",
            ]),
            None,
        )
    };
    let control = plant("podman", "0");
    assert!(
        pbin.join("slirp4netns").exists(),
        "the control planted nothing: {}",
        control.describe()
    );
    let next = rig.run(
        "env",
        &strs(&[&path, "podman", "run", "--rm", IMAGE, "exit", "0"]),
        None,
    );
    assert!(
        ran.exists(),
        "the next plain run did not run the planted helper (podman found its own first?): {}",
        next.describe()
    );
    for f in [pbin.join("slirp4netns"), pbin.join("pasta"), ran.clone()] {
        std::fs::remove_file(f).unwrap();
    }
    let uid = rig.user.as_ref().map(|u| format!("{}:{}", u.uid, u.gid)).unwrap();
    let o = plant("docker", &uid);
    assert_refusal(&o, "[deny.host-exec]");
    assert!(
        !pbin.join("slirp4netns").exists(),
        "the container planted a helper through the shim"
    );
}

/// Podman's debug log level prints its whole command line on stderr, `-e` values included
/// (the control); through the shim `-D` and `--log-level debug` are refused (`deny.debug-log`)
/// without the value on stderr, and `--log-level info` runs without printing it.
fn debug_log_level(mode: Mode) {
    let Some(rig) = Rig::new(mode, "debuglog") else {
        return;
    };
    let label = mode.label();
    let secret = format!("TOKEN=debug-log-secret-{}", std::process::id());
    let with = |globals: &[&str]| {
        let mut argv = strs(globals);
        argv.extend(strs(&["run", "--rm", "-e", &secret, IMAGE, "exit", "0"]));
        argv
    };
    // The control creates the container without starting it: podman prints its command line at
    // the debug level for every command, and a debug `run` takes twenty seconds here to end.
    let name = rig.unique("debuglog");
    let control = rig.run(
        "podman",
        &strs(&["-D", "create", "--name", &name, "-e", &secret, IMAGE, "exit", "0"]),
        None,
    );
    let _ = rig.podman(&["rm", "-f", &name]);
    assert!(
        control.stderr.contains(&secret),
        "{label}: the control did not print the value: {}",
        control.describe()
    );
    for globals in [&["-D"][..], &["--log-level", "debug"], &["--log-level=trace"]] {
        let argv = with(globals);
        assert_refused(&rig, &argv, "deny.debug-log");
        let o = rig.docker(&argv, None);
        assert!(
            !o.stderr.contains(&secret),
            "{label}: {globals:?} printed the value: {}",
            o.describe()
        );
    }
    let o = rig.docker(&with(&["--log-level", "info"]), None);
    assert_eq!(o.code, Some(0), "{label}: --log-level info: {}", o.describe());
    assert!(
        !o.stderr.contains(&secret),
        "{label}: info printed the value: {}",
        o.describe()
    );
}

#[test]
fn a_debug_log_level_is_refused_rootful() {
    debug_log_level(Mode::Rootful);
}

#[test]
fn a_debug_log_level_is_refused_rootless() {
    debug_log_level(Mode::Rootless);
}

/// An agent that is the caller's kernel uid shares that user's kernel keyrings: rootful through
/// nanoclaw's `--user UID:GID`, rootless through the shim's own `keep-id` (the key permission
/// check compares kernel uids, whatever the user namespace). Through `keyctl` it read and
/// overwrote the user's keys (the hundred-and-twentieth look's, rootful; the
/// hundred-and-twenty-second's, rootless, 4.3.1 and 5.4.2). Through plain podman (the control,
/// rootless with the shim's `keep-id`) `keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING)`
/// answers; through the shim (`harden.seccomp`) it is refused with EPERM, as docker's default
/// profile refuses it.
fn no_keyring(mode: Mode) {
    let Some(rig) = Rig::new(mode, "keys") else {
        return;
    };
    let label = mode.label();
    // x86_64's keyctl is system call 250; KEYCTL_GET_KEYRING_ID is 0, the user's keyring -4.
    let probe =
        "my $r = syscall(250, 0, -4, 0); print $r < 0 ? \"keyctl-refused-$!\\n\" : \"keyctl-answered\\n\";";
    let argv = |extra: &[&str]| {
        let mut a = vec!["run", "--rm", "--user", "1000:1000"];
        a.extend_from_slice(extra);
        a.extend_from_slice(&["--entrypoint", "perl", BROWSER_IMAGE, "-e", probe]);
        strs(&a)
    };
    let keep_id: &[&str] = match mode {
        Mode::Rootless => &["--userns=keep-id:uid=1000,gid=1000"],
        Mode::Rootful => &[],
    };
    let control = rig.run("podman", &argv(keep_id), None);
    assert!(
        control.stdout.contains("keyctl-answered"),
        "{label}: control: {}",
        control.describe()
    );
    let o = rig.docker(&argv(&[]), None);
    assert!(
        o.ok() && o.stdout.contains("keyctl-refused-Operation not permitted"),
        "{label}: {}",
        o.describe()
    );
}

/// cgroup v1 charges no TCP socket memory to a container's memory cgroup until a `kmem.tcp`
/// limit is set, which podman never sets: through plain podman (the control) a container
/// queues far more TCP buffers on its own loopback than its 128 MB ceiling (the
/// hundred-and-twenty-fourth look's: 685 MB), and its cgroup's TCP limit is unlimited; through
/// the shim the hook sets a quarter of the memory ceiling as the TCP ceiling before anything
/// runs, and the queue stops near it. Rootful (rootless podman on v1 has no ceilings); cgroup v2 charges
/// socket memory itself, and the test says so and checks nothing.
#[test]
fn tcp_buffers_are_held_to_the_memory_ceiling_rootful() {
    let Some(rig) = Rig::new(Mode::Rootful, "tcpmem") else {
        return;
    };
    if !Path::new("/sys/fs/cgroup/memory").is_dir() {
        loud(
            "NOTE (tcp buffers): no cgroup v1 memory controller here: v2 charges socket memory; nothing to check",
        );
        return;
    }
    let script = r#"
use IO::Socket::INET;
my $l = IO::Socket::INET->new(Listen => 200, LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp') or die "listen: $!";
my $port = $l->sockport;
my (@keep, $total);
my $buf = 'x' x 65536;
for (1 .. 100) {
    my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp') or last;
    my $s = $l->accept or last;
    push @keep, $c, $s;
    $c->blocking(0);
    while (1) { my $n = syswrite($c, $buf); last unless defined $n && $n > 0; $total += $n; }
}
printf "queued-%d-MB\n", $total / 1048576;
"#;
    let argv = strs(&[
        "run",
        "--rm",
        "--memory",
        "128m",
        "--entrypoint",
        "perl",
        BROWSER_IMAGE,
        "-e",
        script,
    ]);
    let queued = |o: &Out| -> Option<u64> {
        o.stdout
            .split_whitespace()
            .find_map(|w| w.strip_prefix("queued-")?.strip_suffix("-MB")?.parse().ok())
    };
    let control = rig.run("podman", &argv, None);
    let o = rig.docker(&argv, None);
    let (Some(plain), Some(shim)) = (queued(&control), queued(&o)) else {
        panic!("no count: control {}; shim {}", control.describe(), o.describe());
    };
    assert!(
        plain > 200,
        "the control queued only {plain} MB: {}",
        control.describe()
    );
    // The hook's TCP ceiling is a quarter of the memory ceiling: 32 MB (v1 counts the two
    // apart, so they add up).
    assert!(
        shim <= 64,
        "{shim} MB of TCP buffers under a 128 MB ceiling (control {plain} MB): {}",
        o.describe()
    );
}

#[test]
fn a_container_reaches_no_keyring_rootful() {
    no_keyring(Mode::Rootful);
}

#[test]
fn a_container_reaches_no_keyring_rootless() {
    no_keyring(Mode::Rootless);
}

/// Rootful, a container whose process is root is the host's root, owner of its cgroup's files:
/// in a user and cgroup namespace of its own a raw `mount(2)` of its cgroup let it lift its
/// limits, every capability dropped (the ninety-seventh look's). Through the shim
/// (`harden.seccomp`) no container makes a cgroup namespace, from an image whose `USER` is root
/// or with nanoclaw's `--user`, while a user namespace alone (Chromium's sandbox) is still made;
/// the control (plain podman with the shim's capabilities and no-new-privileges) makes one.
#[test]
fn a_rootful_container_makes_no_cgroup_namespace_rootful() {
    let Some(rig) = Rig::new(Mode::Rootful, "cgns") else {
        return;
    };
    // The image's root runs only with `deny.root-user` relaxed (the hook refuses a root
    // process since the fortieth pass); the seccomp profile is what is judged here.
    allow_root(&rig);
    let ctx = rig.containerfile(
        &rig.dir.path().join("cgns"),
        &format!("FROM {BROWSER_IMAGE}\nUSER root\n"),
    );
    let root_image = rig.image_tag("cgns");
    let b = rig.run(
        "podman",
        &build_argv(&["-q", "--no-cache", "-t", &root_image, &ctx]),
        None,
    );
    assert!(b.ok(), "{}", b.describe());
    let probe =
        "echo uid-$(id -u); unshare -U -C true && echo made-cgroupns; unshare -U true && echo made-userns";
    let run = |prog: &str, extra: &[&str], image: &str| {
        let mut a = vec!["run", "--rm"];
        a.extend_from_slice(extra);
        a.extend_from_slice(&["--entrypoint", "sh", image, "-c", probe]);
        rig.run(prog, &strs(&a), None)
    };
    let control = run(
        "podman",
        &["--cap-drop=ALL", "--security-opt=no-new-privileges"],
        &root_image,
    );
    assert!(
        control.stdout.contains("made-cgroupns"),
        "the control made no cgroup namespace: {}",
        control.describe()
    );
    // A label whose value repeats the shim's own placeholder option changes nothing: the exec
    // fills in the shim's option by its place.
    let repeated = nanoclaw_shim::seccomp::PLACEHOLDER_TOKEN;
    for (extra, image, uid) in [
        (&[][..], root_image.as_str(), "uid-0"),
        (&["--user", "1000:1000"][..], BROWSER_IMAGE, "uid-1000"),
        (&["--label", repeated][..], root_image.as_str(), "uid-0"),
    ] {
        let o = run("docker", extra, image);
        assert!(o.ok() && o.stdout.contains(uid), "{uid}: {}", o.describe());
        assert!(
            !o.stdout.contains("made-cgroupns"),
            "{uid}: a container made a cgroup namespace: {}",
            o.describe()
        );
        assert!(
            o.stdout.contains("made-userns"),
            "{uid}: no user namespace either: {}",
            o.describe()
        );
    }
    // `verify`'s probe reads the same: made through plain podman, refused through the shim with
    // a user namespace alone still made (its check passes only so).
    use nanoclaw_shim::verify::checks::{Namespaces, cgroup_namespace, parse_kv};
    let probe = |prog: &str, extra: &[&str]| {
        let mut a = vec!["run", "--rm"];
        a.extend_from_slice(extra);
        a.extend_from_slice(&[
            "--entrypoint",
            "/bin/sh",
            BROWSER_IMAGE,
            "-c",
            nanoclaw_shim::verify::PROBE,
        ]);
        let o = rig.run(prog, &strs(&a), None);
        assert!(o.ok(), "{prog}: {}", o.describe());
        cgroup_namespace(&parse_kv(&o.stdout))
    };
    assert_eq!(
        probe("podman", &["--cap-drop=ALL", "--security-opt=no-new-privileges"]),
        Namespaces::Made
    );
    assert_eq!(probe("docker", &[]), Namespaces::Refused { user_namespace: true });
}

/// Rootful, the container's root is the host's: the control (plain podman, `--user 0`) leaves a
/// setuid-root copy of a shell in a read-write mount, no capability needed (the red team's);
/// through the shim `--user 0` is refused (`deny.root-user`, on by default) and nothing is
/// written.
#[test]
fn root_in_a_rootful_container_is_refused_rootful() {
    let Some(rig) = Rig::new(Mode::Rootful, "rootsuid") else {
        return;
    };
    let work = rig.dir.path().join("rootsuid/w");
    rig.mkdirs(&work);
    let planted = work.join("bb");
    let spec = format!("{}:/w", work.display());
    let argv = strs(&[
        "run",
        "--rm",
        "-v",
        &spec,
        "--user",
        "0",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--entrypoint",
        "sh",
        IMAGE,
        "-c",
        "cp /bin/sh /w/bb && chmod 4755 /w/bb",
    ]);
    let control = rig.run("podman", &argv, None);
    let meta = std::fs::metadata(&planted)
        .unwrap_or_else(|e| panic!("the control planted nothing ({e}): {}", control.describe()));
    assert_eq!(
        (
            std::os::unix::fs::MetadataExt::uid(&meta),
            std::os::unix::fs::MetadataExt::mode(&meta) & 0o4000
        ),
        (0, 0o4000),
        "the control's copy is not setuid root: {}",
        control.describe()
    );
    std::fs::remove_file(&planted).unwrap();
    assert_refused(&rig, &argv, "deny.root-user");
    assert!(!planted.exists(), "the container planted a file through the shim");
}

/// A `ramfs` mount has no size to hold to `[limits] tmpfs_size`; what it holds is charged to the
/// container's memory limit, as a tmpfs without a size is (docs/RULES.md, `deny.ceiling`):
/// writing 200 MiB into one under a 64 MiB limit ends with the writer killed. Podman 4.3 knows no
/// `ramfs` mounts at all, and says so.
fn ramfs_is_held_to_the_memory_limit(mode: Mode) {
    let Some(rig) = Rig::new(mode, "ramfs") else {
        return;
    };
    let label = mode.label();
    if !rig.limits_apply() {
        loud(&format!(
            "NOTE (ramfs, {label}): resource limits do not apply here; nothing to check"
        ));
        return;
    }
    // A ramfs is root's: this rig's policy lets the writer be root (`deny.root-user` is on by
    // default), which the memory limit does not care about.
    allow_root(&rig);
    let o = rig.docker(
        &strs(&[
            "run",
            "--rm",
            "--memory",
            "64m",
            "--memory-swap",
            "64m",
            "--user",
            "0",
            "--mount",
            "type=ramfs,dst=/x",
            "--entrypoint",
            "sh",
            IMAGE,
            "-c",
            "dd if=/dev/zero of=/x/f bs=1M count=200 2>/dev/null; echo held $(du -sm /x | cut -f1)",
        ]),
        None,
    );
    if o.stderr.contains("invalid filesystem type \"ramfs\"") {
        loud(&format!("NOTE (ramfs, {label}): this podman has no ramfs mounts"));
        return;
    }
    let held: u64 = o
        .stdout
        .trim()
        .strip_prefix("held ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{label}: {}", o.describe()));
    assert!(
        held < 64,
        "{label}: {held} MiB in a ramfs under a 64 MiB limit: {}",
        o.describe()
    );
}

#[test]
fn a_ramfs_mount_is_held_to_the_memory_limit_rootful() {
    ramfs_is_held_to_the_memory_limit(Mode::Rootful);
}

#[test]
fn a_ramfs_mount_is_held_to_the_memory_limit_rootless() {
    ramfs_is_held_to_the_memory_limit(Mode::Rootless);
}

/// Go's flag library, which podman's flags use, reads an integer with a leading `0` as octal:
/// the control shows podman giving the kernel a CFS period of 262 144 µs for
/// `--cpu-period 01000000`. Read as a decimal million, a quota of 2 000 000 µs passed as two
/// CPUs and ran 7.6 (the twenty-fifth look's); through the shim the container's quota is at
/// most the policy's two CPUs of the period the kernel has.
fn an_octal_cpu_period_is_held_to_the_ceiling(mode: Mode) {
    let Some(rig) = Rig::new(mode, "octalperiod") else {
        return;
    };
    let label = mode.label();
    if !rig.limits_apply() {
        loud(&format!(
            "NOTE (octal cpu period, {label}): resource limits do not apply here; nothing to check"
        ));
        return;
    }
    let script = "if [ -f /sys/fs/cgroup/cpu.max ]; then cat /sys/fs/cgroup/cpu.max; \
                  else echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us); fi";
    let argv = strs(&[
        "run",
        "--rm",
        "--cpu-period",
        "01000000",
        "--cpu-quota",
        "2000000",
        "--entrypoint",
        "sh",
        IMAGE,
        "-c",
        script,
    ]);
    let cfs = |o: &Out| -> (u64, u64) {
        let mut words = o.stdout.split_whitespace().map(|w| w.parse::<u64>());
        match (words.next(), words.next()) {
            (Some(Ok(q)), Some(Ok(p))) => (q, p),
            _ => panic!("{label}: no quota and period: {}", o.describe()),
        }
    };
    let control = rig.run("podman", &argv, None);
    assert!(control.ok(), "{label}: control: {}", control.describe());
    assert_eq!(
        cfs(&control),
        (2_000_000, 262_144),
        "{label}: podman no longer reads the period as octal: {}",
        control.describe()
    );
    let o = rig.docker(&argv, None);
    assert!(o.ok(), "{label}: {}", o.describe());
    let (quota, period) = cfs(&o);
    assert_eq!(period, 262_144, "{label}: {}", o.describe());
    assert!(
        quota <= 2 * period,
        "{label}: {quota} µs over {period} µs is more than the policy's 2 CPUs: {}",
        o.describe()
    );
}

#[test]
fn an_octal_cpu_period_is_held_to_the_ceiling_rootful() {
    an_octal_cpu_period_is_held_to_the_ceiling(Mode::Rootful);
}

#[test]
fn an_octal_cpu_period_is_held_to_the_ceiling_rootless() {
    an_octal_cpu_period_is_held_to_the_ceiling(Mode::Rootless);
}

/// podman turns systemd mode on by default for a command named `systemd` or `/sbin/init`: the
/// control, created by podman itself with `--init=false` and such an entrypoint, is in systemd
/// mode (which mounts the host's cgroup tree read-write: the twenty-fifth look's). Through the
/// shim (`harden.systemd`) the same argv is not, and a caller's `--systemd=always` is refused.
fn systemd_mode_stays_off(mode: Mode) {
    let Some(rig) = Rig::new(mode, "systemd") else {
        return;
    };
    let label = mode.label();
    for entrypoint in ["/sbin/init", "/usr/local/bin/systemd"] {
        let control = rig.unique("systemd-control");
        let shimmed = rig.unique("systemd");
        let argv = |name: &str| {
            strs(&[
                "create",
                "--name",
                name,
                "--init=false",
                "--entrypoint",
                entrypoint,
                IMAGE,
            ])
        };
        let c = rig.podman(&argv(&control).iter().map(String::as_str).collect::<Vec<_>>());
        let o = rig.docker(&argv(&shimmed), None);
        let mode_of = |name: &str| rig.podman(&["inspect", "--format", "{{.Config.SystemdMode}}", name]);
        let (c_mode, o_mode) = (mode_of(&control), mode_of(&shimmed));
        let _ = rig.podman(&["rm", "-f", "-t", "0", &control, &shimmed]);
        assert!(c.ok(), "{label}: control: {}", c.describe());
        assert_eq!(
            c_mode.stdout.trim(),
            "true",
            "{label}: podman no longer turns systemd mode on for {entrypoint}: {}",
            c_mode.describe()
        );
        assert!(o.ok(), "{label}: {}", o.describe());
        assert_eq!(
            o_mode.stdout.trim(),
            "false",
            "{label}: systemd mode through the shim for {entrypoint}: {}",
            o_mode.describe()
        );
    }
    let argv = strs(&["run", "--rm", "--systemd=always", IMAGE, "true"]);
    assert_refused(&rig, &argv, "deny.ceiling");
}

#[test]
fn systemd_mode_stays_off_rootful() {
    systemd_mode_stays_off(Mode::Rootful);
}

#[test]
fn systemd_mode_stays_off_rootless() {
    systemd_mode_stays_off(Mode::Rootless);
}

#[test]
fn exec_as_a_user_name_the_image_maps_to_root_is_refused_rootful() {
    exec_as_a_user_name(Mode::Rootful);
}

#[test]
fn exec_as_a_user_name_the_image_maps_to_root_is_refused_rootless() {
    exec_as_a_user_name(Mode::Rootless);
}

// ------------------------------------------------------------------ parallel agents ---

fn parallel(mode: Mode) {
    let Some(rig) = Rig::new(mode, "parallel") else {
        return;
    };
    let results: Vec<(String, Out)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..5)
            .map(|k| {
                let rig = &rig;
                s.spawn(move || {
                    let a = rig.agent("v1-basic", &format!("p{k}"), false);
                    let prompt = format!("agent {k} of {}", rig.tag);
                    let o = rig.docker(&a.argv, Some(format!("{{\"prompt\":\"{prompt}\"}}").as_bytes()));
                    (prompt, o)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (prompt, o) in results {
        assert!(o.ok(), "{prompt}: {}", o.describe());
        let r = report(&o);
        assert!(
            r["stdin"]["prompt"] == prompt.as_str(),
            "{prompt}: got {}",
            r["stdin"]["prompt"]
        );
        assert_eq!(r["cap_eff"], KEPT_CAPS);
        assert_eq!(r["no_new_privs"], 1);
        assert_eq!(r["root_readonly"], true);
        assert_eq!(r["writes"]["/tmp/input.json"], true);
        assert_eq!(r["writes"]["/home/node/.claude.json"], true);
    }
}

#[test]
fn five_agents_in_parallel_rootful() {
    parallel(Mode::Rootful);
}

#[test]
fn five_agents_in_parallel_rootless() {
    parallel(Mode::Rootless);
}

// ------------------------------------------------------------------ rootless keep-id ---

#[test]
fn rootless_agent_writes_its_workspace_with_keep_id() {
    let Some(rig) = Rig::new(Mode::Rootless, "keep_id") else {
        return;
    };
    let u = rig.user.clone().unwrap();
    let mut failures = Vec::new();
    // No --user: the agent is the image's node (1000), mapped onto the rootless user.
    // --user U:G (nanoclaw's own user): the same user, mapped onto itself.
    for (fixture, expect) in [
        ("v1-basic", "--userns=keep-id:uid=1000,gid=1000".to_string()),
        ("v1-user", format!("--userns=keep-id:uid={},gid={}", u.uid, u.gid)),
    ] {
        let a = rig.agent(fixture, fixture, false);
        let cmd = rig.requested(&a);
        let userns: Vec<&String> = cmd.iter().filter(|t| t.starts_with("--userns")).collect();
        if userns != [&expect] {
            failures.push(format!("{fixture}: podman got {userns:?}, expected [{expect:?}]"));
        }
        let o = rig.docker(&a.argv, Some(b"{\"prompt\":\"keep-id\"}"));
        if !o.ok() {
            failures.push(format!("{fixture}: {}", o.describe()));
            continue;
        }
        let r = report(&o);
        for m in a
            .mounts
            .iter()
            .filter(|m| !m.ro && PROBED.contains(&m.target.as_str()))
        {
            let probe = format!("{}/.nanoclaw-fixture-probe", m.target);
            if r["writes"][&probe] != true {
                failures.push(format!(
                    "{fixture}: cannot write {} ({})",
                    m.target, r["write_errors"][&probe]
                ));
                continue;
            }
            let owner = std::fs::metadata(m.host.join(".nanoclaw-fixture-probe"))
                .map(|m| m.uid())
                .ok();
            if owner != Some(u.uid) {
                failures.push(format!(
                    "{fixture}: {}'s file belongs to {owner:?}, not {}",
                    m.target, u.uid
                ));
            }
        }
    }
    // A caller's own --userns is left alone.
    let a = rig
        .agent("v1-basic", "own", false)
        .with_opts(&["--userns=keep-id"]);
    let cmd = rig.requested(&a);
    let userns: Vec<&String> = cmd.iter().filter(|t| t.starts_with("--userns")).collect();
    if userns != ["--userns=keep-id"] {
        failures.push(format!("caller's --userns=keep-id: podman got {userns:?}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ------------------------------------------------------------------ host.docker.internal ---

/// A TCP service on the host that greets every connection and records where it came from.
struct Service {
    port: u16,
    greeting: String,
    peers: std::sync::Arc<Mutex<Vec<IpAddr>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Service {
    fn start(addr: IpAddr, greeting: &str) -> Service {
        let l = TcpListener::bind((addr, 0)).unwrap();
        l.set_nonblocking(true).unwrap();
        let port = l.local_addr().unwrap().port();
        let peers = std::sync::Arc::new(Mutex::new(Vec::new()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (p, s, g) = (peers.clone(), stop.clone(), format!("{greeting}\n"));
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match l.accept() {
                    Ok((mut c, peer)) => {
                        let _ = c.write_all(g.as_bytes());
                        p.lock().unwrap().push(peer.ip());
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Service {
            port,
            greeting: greeting.to_string(),
            peers,
            stop,
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The network rootless podman gives containers by default: `pasta` (5.x) or `slirp4netns`
/// (4.x, whose `podman info` has no such field).
fn rootless_network(rig: &Rig) -> String {
    let o = rig.podman(&["info", "--format", "{{.Host.RootlessNetworkCmd}}"]);
    match o.stdout.trim() {
        s if o.ok() && !s.is_empty() => s.to_string(),
        _ => "slirp4netns".to_string(),
    }
}

/// OneCLI, and only OneCLI: nanoclaw points the agent at a host service through a proxy URL on
/// `host.docker.internal` (`--add-host ...:host-gateway`). Rootless, that service listens on the
/// host's 127.0.0.1 and must be reached: on podman 5 (pasta) the shim forwards exactly the port
/// in the URL, so another service on the host's loopback stays unreachable; on podman 4
/// (slirp4netns) nothing narrower exists and the whole loopback is reachable (documented,
/// asserted as such). Rootful: the bridge gateway reaches services bound to it or to 0.0.0.0.
fn host_gateway(mode: Mode) {
    let Some(rig) = Rig::new(mode, "host_gateway") else {
        return;
    };
    let listen: IpAddr = match mode {
        Mode::Rootless => [127, 0, 0, 1].into(),
        Mode::Rootful => [0, 0, 0, 0].into(),
    };
    let pasta = mode == Mode::Rootless && rootless_network(&rig) == "pasta";
    let svc = Service::start(listen, &format!("hello from the host {}", rig.tag));
    let other = Service::start(listen, &format!("another host service {}", rig.tag));
    let port = svc.port.to_string();
    let proxy = format!("HTTPS_PROXY=http://x:tok@host.docker.internal:{port}");
    // The other service's port is named by a URL too, but the policy lists only the proxy's:
    // on pasta it stays closed (a thirty-eighth look's: any -e URL opened any port).
    let named = format!("NOT_A_PROXY=tcp://host.docker.internal:{}", other.port);
    let policy = rig.bin.join("policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let listed = text.replace(
        "host_loopback_ports = [10255, 3001]",
        &format!("host_loopback_ports = [{port}]"),
    );
    assert_ne!(
        text, listed,
        "the default policy no longer lists host_loopback_ports"
    );
    std::fs::write(&policy, listed).unwrap();
    let mut failures = Vec::new();
    for (target, want) in [(&svc, true), (&other, mode == Mode::Rootful || !pasta)] {
        let tport = target.port.to_string();
        // v1 with the credential proxy and v2, exact argv plus the proxy URL nanoclaw passes.
        let agents = [
            rig.agent("v1-proxy", "v1", true)
                .with_opts(&["-e", &proxy, "-e", &named])
                .with_args(&["connect", "host.docker.internal", &tport]),
            rig.agent("v2", "v2", true).with_opts(&[
                "-e",
                &proxy,
                "-e",
                &named,
                "-e",
                &format!("FIXTURE_MODE=connect host.docker.internal {tport}"),
            ]),
        ];
        for a in &agents {
            let o = rig.docker(&a.argv, None);
            if !o.ok() {
                failures.push(format!("{}: {}", a.fixture, o.describe()));
                continue;
            }
            let r = report(&o);
            let c = &r["connect"];
            let reached = c["ok"] == true && c["response"] == target.greeting.as_str();
            if reached != want {
                failures.push(format!(
                    "{} ({}, port {tport}): reached={reached}, expected {want}: {c}",
                    a.fixture,
                    if std::ptr::eq(target, &svc) {
                        "the proxy's port"
                    } else {
                        "another loopback service"
                    },
                ));
            }
        }
    }
    if mode == Mode::Rootless {
        let peers = svc.peers.lock().unwrap().clone();
        if !peers.iter().all(|p| p.is_loopback()) {
            failures.push(format!(
                "connections should arrive on the host's loopback: {peers:?}"
            ));
        }
        if !pasta {
            loud(
                "NOTE (host_gateway, rootless, slirp4netns): podman 4 has nothing narrower than \
                 allow_host_loopback: every host loopback service is reachable (documented; \
                 podman 5's pasta forwards only the proxy's port)",
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn host_gateway_reaches_a_host_service_rootful() {
    host_gateway(Mode::Rootful);
}

/// Rootful, what `host-gateway` reaches (documented in docs/SECURITY.md): the address the
/// container's `host.docker.internal` names (the bridge gateway on 4.3, netavark's pick on 5.x)
/// is one of the host's own, so a service on 0.0.0.0 is reached
/// (host_gateway_reaches_a_host_service_rootful) and one bound to the host's 127.0.0.1 is NOT:
/// a rootful OneCLI must listen beyond loopback, as it must with docker.
#[test]
fn host_gateway_rootful_does_not_reach_the_host_loopback() {
    let Some(rig) = Rig::new(Mode::Rootful, "gateway_loopback") else {
        return;
    };
    let svc = Service::start([127, 0, 0, 1].into(), &format!("loopback only {}", rig.tag));
    let port = svc.port.to_string();
    let a = rig
        .agent("v2", "v2", true)
        .with_opts(&["-e", &format!("FIXTURE_MODE=connect host.docker.internal {port}")]);
    let o = rig.docker(&a.argv, None);
    assert!(o.ok(), "{}", o.describe());
    let r = report(&o);
    let c = &r["connect"];
    assert!(
        c["ok"] == false && svc.peers.lock().unwrap().is_empty(),
        "rootful host.docker.internal ({}) reached a service bound to the host's 127.0.0.1: {c}",
        c["address"]
    );
    loud(&format!(
        "NOTE (rootful host-gateway): host.docker.internal resolves to {} and does not reach the \
         host's loopback ({}); a rootful credential gateway must listen on that address or 0.0.0.0.",
        c["address"], c["error"]
    ));
}

#[test]
fn host_gateway_reaches_only_the_proxy_port_rootless() {
    host_gateway(Mode::Rootless);
}

/// A caller's bare `--network=pasta` (no options, so `deny.network-option` has nothing to judge)
/// passes the shim: pasta's defaults must keep the host's loopback closed. The container's names
/// for the host (`host.containers.internal`, podman 5.3+'s `169.254.1.2`) do not reach a service
/// bound to the host's 127.0.0.1. Rootless, where pasta is installed (podman 5; Debian 12's
/// podman 4.3 has none, and says so).
#[test]
fn bare_pasta_does_not_reach_the_host_loopback_rootless() {
    let Some(rig) = Rig::new(Mode::Rootless, "bare_pasta") else {
        return;
    };
    if rootless_network(&rig) != "pasta" {
        loud("NOTE (bare_pasta): this podman's rootless network is not pasta; nothing to check");
        return;
    }
    let svc = Service::start([127, 0, 0, 1].into(), &format!("loopback only {}", rig.tag));
    let port = svc.port.to_string();
    // The control: plain podman told to forward the port reaches the service, so a refusal
    // below is the network's, not the fixture's or the service's.
    let control = rig.run(
        "podman",
        &strs(&[
            "run",
            "--rm",
            &format!("--network=pasta:-T,{port}"),
            "-e",
            &format!("FIXTURE_MODE=connect 127.0.0.1 {port}"),
            IMAGE,
        ]),
        None,
    );
    assert!(
        report(&control)["connect"]["ok"] == true,
        "the control did not reach the host's loopback: {}",
        control.describe()
    );
    svc.peers.lock().unwrap().clear();
    for host in ["host.containers.internal", "169.254.1.2"] {
        let a = rig.agent("v2", "v2", false).with_opts(&[
            "--network=pasta",
            "-e",
            &format!("FIXTURE_MODE=connect {host} {port}"),
        ]);
        let o = rig.docker(&a.argv, None);
        assert!(o.ok(), "{host}: {}", o.describe());
        let c = &report(&o)["connect"];
        assert!(
            c["ok"] == false && svc.peers.lock().unwrap().is_empty(),
            "bare --network=pasta: {host} reached a service bound to the host's 127.0.0.1: {c}"
        );
    }
}

// ------------------------------------------------------------------ egress lockdown ---

/// The newest nanoclaw's egress lockdown through the shim (`fixtures/nanoclaw/real/newest-egress-*`):
/// its internal network made (`network create --internal`, given its range by the shim when
/// rootful), the OneCLI gateway attached under `host.docker.internal` and `gateway`
/// (`network connect --alias`), and an agent on the network reaches the gateway by its alias.
/// Where the network has no DNS (podman 4.3's CNI networks without the dnsname plugin) an alias
/// cannot resolve, through the shim or not: said loudly, nothing to check. podman also writes
/// `host.docker.internal` into the container's `/etc/hosts` as the network's own gateway (the
/// host), which the agent's resolver reads before DNS: recorded, as podman's and not the shim's.
fn egress_lockdown(mode: Mode) {
    let Some(rig) = Rig::new(mode, "lockdown") else {
        return;
    };
    let label = mode.label();
    let net = rig.unique("egress");
    rig.networks.lock().unwrap().push(net.clone());
    let o = {
        let _one = NETWORK_CREATE.lock().unwrap_or_else(|e| e.into_inner());
        rig.docker(&strs(&["network", "create", "--internal", &net]), None)
    };
    assert!(o.ok(), "{label}: network create: {}", o.describe());
    let dns = rig.podman(&["network", "inspect", "--format", "{{.DNSEnabled}}", &net]);
    if dns.stdout.trim() != "true" {
        loud(&format!(
            "NOTE (lockdown, {label}): the network has no DNS ({}): an alias cannot resolve on this podman; nothing to check",
            dns.stdout.trim()
        ));
        return;
    }
    // The gateway on a bridge network of its own, as OneCLI's is (rootless podman's default,
    // pasta, cannot be joined to another network).
    let own = rig.unique("sandbox");
    rig.networks.lock().unwrap().push(own.clone());
    let o = {
        let _one = NETWORK_CREATE.lock().unwrap_or_else(|e| e.into_inner());
        rig.docker(&strs(&["network", "create", &own]), None)
    };
    assert!(o.ok(), "{label}: network create: {}", o.describe());
    let gw = rig.unique("onecli");
    let o = rig.docker(
        &strs(&[
            "run",
            "-d",
            "--name",
            &gw,
            "--network",
            &own,
            "--entrypoint",
            "sh",
            IMAGE,
            "-c",
            "while true; do echo gateway-ok | nc -l -p 10255; done",
        ]),
        None,
    );
    assert!(o.ok(), "{label}: the gateway: {}", o.describe());
    let connect = rig.docker(
        &strs(&[
            "network",
            "connect",
            "--alias",
            "host.docker.internal",
            "--alias",
            "gateway",
            &net,
            &gw,
        ]),
        None,
    );
    let agent = rig.docker(
        &strs(&[
            "run",
            "--rm",
            "--network",
            &net,
            IMAGE,
            "connect",
            "gateway",
            "10255",
        ]),
        None,
    );
    let hosts = rig.docker(
        &strs(&[
            "run",
            "--rm",
            "--network",
            &net,
            "--entrypoint",
            "cat",
            IMAGE,
            "/etc/hosts",
        ]),
        None,
    );
    let _ = rig.podman(&["rm", "-f", "-t", "0", &gw]);
    assert!(connect.ok(), "{label}: network connect: {}", connect.describe());
    let r = report(&agent);
    assert!(
        r["connect"]["ok"] == true && r["connect"]["response"] == "gateway-ok",
        "{label}: the agent did not reach the gateway by its alias: {}",
        agent.describe()
    );
    if let Some(line) = hosts.stdout.lines().find(|l| l.contains("host.docker.internal")) {
        loud(&format!(
            "NOTE (lockdown, {label}): podman's /etc/hosts names host.docker.internal itself ({line}), before the gateway's alias"
        ));
    }
}

#[test]
fn the_egress_lockdown_reaches_its_gateway_rootful() {
    egress_lockdown(Mode::Rootful);
}

#[test]
fn the_egress_lockdown_reaches_its_gateway_rootless() {
    egress_lockdown(Mode::Rootless);
}

// ------------------------------------------------------------------ cgroup namespace ---

/// A container's cgroup namespace is its own (`harden.cgroupns`): on a cgroup v1 host podman's
/// default is the host's (4.3 and 5, rootful and rootless), where the container reads the host's
/// cgroup tree by its host names (the fiftieth look's). The control, on cgroup v1: plain podman
/// shares the host's namespace. Through the shim the namespace is another.
fn cgroup_namespace(mode: Mode) {
    let Some(rig) = Rig::new(mode, "cgroupns") else {
        return;
    };
    let label = mode.label();
    let host = std::fs::read_link("/proc/self/ns/cgroup").unwrap();
    let host = host.to_string_lossy();
    let argv = strs(&[
        "run",
        "--rm",
        "--entrypoint",
        "readlink",
        IMAGE,
        "/proc/self/ns/cgroup",
    ]);
    let control = rig.run("podman", &argv, None);
    assert!(control.ok(), "{label}: {}", control.describe());
    let v1 = ci_env().get("CGROUP_VERSION").is_some_and(|v| v == "1");
    if v1 {
        assert_eq!(
            control.stdout.trim(),
            host,
            "{label}: the control did not share the host's cgroup namespace on cgroup v1"
        );
    } else {
        loud(&format!(
            "NOTE (cgroupns, {label}): not a cgroup v1 host: podman's default is already private"
        ));
    }
    let o = rig.docker(&argv, None);
    assert!(o.ok(), "{label}: {}", o.describe());
    let inside = o.stdout.trim();
    assert!(
        inside.starts_with("cgroup:[") && inside != host,
        "{label}: the container shares the host's cgroup namespace ({inside}): {}",
        o.describe()
    );
}

#[test]
fn a_container_s_cgroup_namespace_is_its_own_rootful() {
    cgroup_namespace(Mode::Rootful);
}

#[test]
fn a_container_s_cgroup_namespace_is_its_own_rootless() {
    cgroup_namespace(Mode::Rootless);
}

// ------------------------------------------------------------------ a network's range ---

/// Rootful `network create`s made at once through the shim each get a range of their own: the
/// shim picks it from those podman lists (`harden.subnet`), and two at once picked the same, so
/// podman refused all but one (the hundred-and-eighth look's: 1 of 4 made, on 4.3.1 and 5.4.2;
/// nanoclaw makes a network per session as sessions wake). The pick and podman's making of the
/// network now hold one lock, which podman inherits.
#[test]
fn networks_made_at_once_each_get_a_range_rootful() {
    let Some(rig) = Rig::new(Mode::Rootful, "netrace") else {
        return;
    };
    let _one = NETWORK_CREATE.lock().unwrap_or_else(|e| e.into_inner());
    let names: Vec<String> = (0..4).map(|_| rig.unique("net")).collect();
    rig.networks.lock().unwrap().extend(names.iter().cloned());
    let made: Vec<Out> = std::thread::scope(|s| {
        let started: Vec<_> = names
            .iter()
            .map(|n| {
                let rig = &rig;
                s.spawn(move || rig.docker(&strs(&["network", "create", "--internal", n]), None))
            })
            .collect();
        started.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (name, o) in names.iter().zip(&made) {
        assert!(o.ok(), "{name}: {}", o.describe());
    }
    let mut ranges: Vec<String> = names
        .iter()
        .map(|n| {
            let o = rig.podman(&[
                "network",
                "inspect",
                "--format",
                "{{range .Subnets}}{{.Subnet}} {{end}}",
                n,
            ]);
            o.stdout.trim().to_string()
        })
        .collect();
    ranges.sort();
    ranges.dedup();
    assert_eq!(ranges.len(), names.len(), "ranges shared: {ranges:?}");
    for n in &names {
        let _ = rig.podman(&["network", "rm", n]);
    }
}

/// A rootful network's range never covers an address the host talks to (the fifty-first
/// look's: podman picks the next free /24 of its pools, clear of its networks and the host's
/// interfaces but not of what the host reaches through its default route, so enough `network
/// create` calls put a bridge on the range of the host's DNS server or proxy, and the host's
/// traffic to it went to a container). The control: with the proxy in the range podman picks
/// next, podman picks it all the same. Through the shim the network lies elsewhere. The
/// prediction holds because every rootful network of this suite is made under
/// [`NETWORK_CREATE`].
#[test]
fn a_rootful_network_never_covers_what_the_host_talks_to() {
    let Some(rig) = Rig::new(Mode::Rootful, "subnet") else {
        return;
    };
    let _one = NETWORK_CREATE.lock().unwrap_or_else(|e| e.into_inner());
    let range = |name: &str| {
        let o = rig.podman(&[
            "network",
            "inspect",
            "--format",
            "{{range .Subnets}}{{.Subnet}} {{end}}",
            name,
        ]);
        assert!(o.ok(), "{}", o.describe());
        o.stdout.trim().to_string()
    };
    let create = |prog: &str, env: &str| {
        let name = rig.unique("net");
        rig.networks.lock().unwrap().push(name.clone());
        let o = rig.run("env", &strs(&[env, prog, "network", "create", &name]), None);
        assert!(o.ok(), "{prog} network create: {}", o.describe());
        (name, o)
    };
    // The range podman picks next, made and removed.
    let (probe, _) = create("podman", "NANOCLAW_SHIM_E2E=1");
    let next = range(&probe);
    assert!(next.ends_with(".0/24"), "podman's range: {next}");
    let _ = rig.podman(&["network", "rm", &probe]);
    let proxy = format!(
        "HTTPS_PROXY=http://agent:pw@{}53:3128",
        next.trim_end_matches("0/24")
    );
    let (control, _) = create("podman", &proxy);
    assert_eq!(
        range(&control),
        next,
        "the control: podman did not take the proxy's range again"
    );
    let _ = rig.podman(&["network", "rm", &control]);
    let (net, o) = create("docker", &proxy);
    let got = range(&net);
    assert!(
        got.ends_with(".0/24") && got != next,
        "through the shim the network took the proxy's range {next}: {got}\n{}",
        o.describe()
    );
}

// ------------------------------------------------------------------ --net-alias ---

fn net_alias(mode: Mode) {
    let Some(rig) = Rig::new(mode, "net_alias") else {
        return;
    };
    let net = rig.network("nanoclaw-egress");
    let name = rig.unique("alias");
    let argv = strs(&[
        "create",
        "--rm",
        "--name",
        &name,
        "--network",
        &net,
        "--net-alias",
        "agent-alias",
        IMAGE,
    ]);
    // A name of its own on the network is refused by default (podman 5's DNS answers for it to
    // the neighbours: `deny.network-option`); allowed by name, docker's spelling is podman's.
    assert_refused(&rig, &argv, "deny.network-option");
    let policy = rig.bin.join("policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let allowed = text.replace("add_allow_flags = []", "add_allow_flags = [\"net-alias\"]");
    assert_ne!(
        text, allowed,
        "the default policy no longer names add_allow_flags"
    );
    std::fs::write(&policy, allowed).unwrap();
    let o = rig.docker(&argv, None);
    assert!(o.ok(), "docker create --net-alias: {}", o.describe());
    let cmd = rig.create_command(&name);
    assert!(
        cmd.iter().any(|t| t == "--network-alias=agent-alias")
            || cmd
                .windows(2)
                .any(|w| w[0] == "--network-alias" && w[1] == "agent-alias"),
        "podman should get --network-alias: {cmd:?}"
    );
    assert!(!cmd.iter().any(|t| t.starts_with("--net-alias")), "{cmd:?}");
    let o = rig.podman(&["inspect", &name, "--format", "{{json .NetworkSettings.Networks}}"]);
    assert!(
        o.stdout.contains("\"agent-alias\""),
        "alias not on the network: {}",
        o.describe()
    );
    let o = rig.docker(&strs(&["start", "--attach", &name]), None);
    assert!(o.ok(), "{}", o.describe());
    assert_eq!(report(&o)["cap_eff"], KEPT_CAPS);
}

#[test]
fn net_alias_becomes_network_alias_rootful() {
    net_alias(Mode::Rootful);
}

#[test]
fn net_alias_becomes_network_alias_rootless() {
    net_alias(Mode::Rootless);
}

// ------------------------------------------------------------------ image commands ---

fn image_commands(mode: Mode) {
    let Some(rig) = Rig::new(mode, "images") else {
        return;
    };
    // nanoclaw's build (pass-build): `docker build -t TAG -f FILE .` from the checkout.
    let ctx = rig.dir.path().join("checkout");
    rig.mkdirs(&ctx);
    let dockerfile = ctx.join("Dockerfile.ag1");
    std::fs::write(
        &dockerfile,
        format!("FROM {IMAGE}\nLABEL nanoclaw-shim.e2e={}\n", rig.tag),
    )
    .unwrap();
    rig.own(&dockerfile, false);
    let mut build = fixture_argv("pass-build");
    let tag = format!("nanoclaw-agent-v2-{}:latest", rig.tag);
    build[2] = tag.clone();
    build[4] = dockerfile.display().to_string();
    rig.images.lock().unwrap().push(tag.clone());
    let o = rig.run_in("docker", &build, None, &ctx);
    assert!(o.ok(), "docker build: {}", o.describe());
    let o = rig.docker(
        &strs(&[
            "image",
            "inspect",
            &tag,
            "--format",
            "{{index .Labels \"nanoclaw-shim.e2e\"}}",
        ]),
        None,
    );
    assert!(
        o.ok() && o.stdout.trim() == rig.tag,
        "docker image inspect: {}",
        o.describe()
    );
    let o = rig.docker(&strs(&["image", "inspect", IMAGE, "--format", "{{.Size}}"]), None);
    assert!(
        o.ok() && o.stdout.trim().parse::<u64>().is_ok_and(|n| n > 0),
        "{}",
        o.describe()
    );
    let o = rig.docker(&strs(&["info"]), None);
    assert!(o.ok(), "docker info: {}", o.describe());
    let o = rig.docker(&strs(&["--version"]), None);
    assert!(
        o.ok() && o.stdout.starts_with("podman version"),
        "{}",
        o.describe()
    );
}

#[test]
fn build_inspect_and_info_pass_through_rootful() {
    image_commands(Mode::Rootful);
}

#[test]
fn build_inspect_and_info_pass_through_rootless() {
    image_commands(Mode::Rootless);
}

// ------------------------------------------------------------- build limits ---

/// A build's RUN steps are containers: plain podman runs them with no memory or CPU limit (the
/// control reads the cgroup's own files in a RUN step), the shim gives them the policy's
/// ceilings, read back the same way. Where rootless podman cannot limit anything (cgroup v1),
/// podman's build fails on any limit, so the shim adds none and the build must still run: the
/// control shows that a build with `--memory` fails there.
/// The memory, swap and CPU limits of a build's RUN step, read on the host from the cgroup of
/// the step's process while it runs (found by the `NANOCLAW_SHIM_E2E_STEP=marker` its
/// environment holds): the step itself sees an empty `/sys/fs/cgroup` through the shim
/// (`harden.build-cgroup`). cgroup v1's files (`memory.limit_in_bytes`, `memsw` memory plus swap,
/// `cpu.cfs_quota_us`), else v2's (`memory.max`, `memory.swap.max`, `cpu.max`); `swap=none`
/// where the kernel does not account swap.
fn step_limits(rig: &Rig, prog: &str, args: &[String], marker: &str) -> (Out, HashMap<String, String>) {
    let needle = format!("NANOCLAW_SHIM_E2E_STEP={marker}");
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = done.clone();
    let scanner = std::thread::spawn(move || {
        let read = |p: PathBuf| std::fs::read_to_string(p).ok().map(|v| v.trim().to_string());
        while !stop.load(Ordering::Relaxed) {
            let pids = std::fs::read_dir("/proc").into_iter().flatten().flatten();
            for pid in pids.filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .bytes()
                    .all(|b| b.is_ascii_digit())
            }) {
                let env = std::fs::read(pid.path().join("environ")).unwrap_or_default();
                if !env.split(|&b| b == 0).any(|v| v == needle.as_bytes()) {
                    continue;
                }
                let Ok(cgroups) = std::fs::read_to_string(pid.path().join("cgroup")) else {
                    continue;
                };
                let of = |controller: &str| {
                    cgroups.lines().find_map(|l| {
                        let mut f = l.splitn(3, ':');
                        let (_, names, path) = (f.next()?, f.next()?, f.next()?);
                        names
                            .split(',')
                            .any(|n| n == controller)
                            .then(|| PathBuf::from(format!("/sys/fs/cgroup/{names}{path}")))
                    })
                };
                let mut found = HashMap::new();
                if let (Some(m), Some(c)) = (of("memory"), of("cpu")) {
                    found.insert("memory".to_string(), read(m.join("memory.limit_in_bytes")));
                    found.insert(
                        "swap".to_string(),
                        read(m.join("memory.memsw.limit_in_bytes")).or(Some("none".into())),
                    );
                    found.insert("quota".to_string(), read(c.join("cpu.cfs_quota_us")));
                    found.insert("weight".to_string(), read(c.join("cpu.shares")));
                } else if let Some(path) = cgroups.lines().find_map(|l| l.strip_prefix("0::")) {
                    let dir = PathBuf::from(format!("/sys/fs/cgroup{path}"));
                    found.insert("memory".to_string(), read(dir.join("memory.max")));
                    found.insert(
                        "swap".to_string(),
                        read(dir.join("memory.swap.max")).or(Some("none".into())),
                    );
                    found.insert("quota".to_string(), read(dir.join("cpu.max")));
                    found.insert("weight".to_string(), read(dir.join("cpu.weight")));
                }
                if !found.is_empty() && found.values().all(Option::is_some) {
                    return found.into_iter().map(|(k, v)| (k, v.unwrap())).collect();
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        HashMap::new()
    });
    let o = rig.run(prog, args, None);
    done.store(true, Ordering::Relaxed);
    (o, scanner.join().unwrap())
}

fn build_limits(mode: Mode) {
    let Some(rig) = Rig::new(mode, "buildlimits") else {
        return;
    };
    let ctx = rig.containerfile(
        &rig.dir.path().join("limits"),
        &format!(
            "FROM {IMAGE}\nLABEL nanoclaw-shim.e2e={tag}\nENV NANOCLAW_SHIM_E2E_STEP={tag}\n\
             RUN echo cgroup-$(ls -A /sys/fs/cgroup)-end; sleep 3\n",
            tag = rig.tag
        ),
    );
    let tag = rig.image_tag("limits");
    let build = |extra: &[&str]| {
        let mut a = vec!["--no-cache"];
        a.extend_from_slice(extra);
        a.extend_from_slice(&["-t", &tag, &ctx]);
        build_argv(&a)
    };
    let limits = |prog: &str, extra: &[&str]| {
        let (o, found) = step_limits(&rig, prog, &build(extra), &rig.tag);
        assert!(o.ok(), "{}: {prog}: {}", mode.label(), o.describe());
        assert!(
            !found.is_empty(),
            "{}: {prog}: the step's cgroup was not found: {}",
            mode.label(),
            o.describe()
        );
        (o, found)
    };
    let read = |found: &HashMap<String, String>, what: &str| found[what].clone();
    let label = mode.label();
    if rig.limits_apply() {
        let (_, control) = limits("podman", &[]);
        assert_ne!(
            read(&control, "memory"),
            MEMORY,
            "{label}: the control is limited already"
        );
        assert!(
            !read(&control, "quota").starts_with(CPU_QUOTA),
            "{label}: the control is limited already: {control:?}"
        );
        let (o, shim) = limits("docker", &[]);
        // The step sees none of it (`harden.build-cgroup`).
        assert!(o.stdout.contains("cgroup--end"), "{label}: {}", o.describe());
        assert_eq!(read(&shim, "memory"), MEMORY, "{label}: {shim:?}");
        // Swap held with the memory, as a `run`'s is (the twenty-fifth look's: podman's build
        // sets none): cgroup v2's swap.max is swap alone, v1's memsw memory plus swap.
        match read(&control, "swap").as_str() {
            "none" => loud(&format!(
                "NOTE (build_limits, {label}): this kernel does not account swap; the swap limit is not checked"
            )),
            unlimited => {
                let swap = read(&shim, "swap");
                let twice: u64 = 2 * MEMORY.parse::<u64>().unwrap();
                assert!(
                    swap == MEMORY || swap == twice.to_string(),
                    "{label}: swap {swap} (the control's: {unlimited}): {shim:?}"
                );
                assert!(
                    unlimited != MEMORY && unlimited != twice.to_string(),
                    "{label}: the control's swap is limited already: {control:?}"
                );
            }
        }
        // cgroup v2's cpu.max is "QUOTA PERIOD", v1's cfs_quota_us the quota alone.
        let quota = read(&shim, "quota");
        assert!(
            quota == CPU_QUOTA || quota == format!("{CPU_QUOTA} {CPU_PERIOD}"),
            "{label}: quota {quota}: {shim:?}"
        );
        // A build's own lower limit is kept.
        let (_, own) = limits("docker", &["--memory", "1g"]);
        assert_eq!(read(&own, "memory"), "1073741824", "{label}: {own:?}");
        // A step weighted above every agent's default takes their CPU (the thirty-fifth pass's
        // look: a neighbour at 0 %): the control's step has the weight (cgroup v1's shares, v2's
        // weight, 10 000 of 262 144 shares); through the shim, refused.
        let (_, heavy) = limits("podman", &["--cpu-shares=262144"]);
        assert!(
            ["262144", "10000"].contains(&read(&heavy, "weight").as_str()),
            "{label}: the control's step is not weighted: {heavy:?}"
        );
        let o = rig.run("docker", &build(&["--cpu-shares=262144"]), None);
        assert_eq!(o.code, Some(125), "{label}: {}", o.describe());
        assert!(o.stderr.contains("deny.ceiling"), "{label}: {}", o.describe());
    } else {
        loud(&format!(
            "NOTE (build_limits, {label}): rootless podman on cgroup v1 cannot limit a build's\n\
             RUN steps (a build naming a limit fails). Checked only that the shim adds none and\n\
             the build runs: its RUN steps are NOT limited here."
        ));
        let control = rig.run("podman", &build(&["--memory", "4g"]), None);
        assert!(
            !control.ok(),
            "{label}: a limited build ran where limits cannot apply: {}",
            control.describe()
        );
        let o = rig.run("docker", &build(&[]), None);
        assert!(o.ok(), "{label}: {}", o.describe());
        // Nor does the step see the host's cgroup trees (the eighty-seventh look's F3).
        assert!(o.stdout.contains("cgroup--end"), "{label}: {}", o.describe());
    }
    // Above the ceiling: refused, and nothing is built.
    let o = rig.run("docker", &build(&["--memory", "64g"]), None);
    assert_eq!(o.code, Some(125), "{label}: {}", o.describe());
    assert!(o.stderr.contains("deny.ceiling"), "{label}: {}", o.describe());
    // A /dev/shm ceiling below podman's own 64m reaches a build's RUN steps too (the look `gx`:
    // a `run` got the policy's 32m, a RUN step podman's 64m).
    let shm_ctx = rig.containerfile(
        &rig.dir.path().join("shm"),
        &format!(
            "FROM {IMAGE}\nRUN echo shm-$(grep ' /dev/shm ' /proc/mounts | grep -o 'size=[0-9a-z]*')-end \
             nofile-$(ulimit -n)-$(ulimit -Hn)-end\n"
        ),
    );
    let shm_tag = rig.image_tag("shm");
    let shm_build = build_argv(&["--no-cache", "-t", &shm_tag, &shm_ctx]);
    let control = rig.run("podman", &shm_build, None);
    assert!(
        control.ok() && control.stdout.contains("shm-size=65536k-end"),
        "{label}: control: {}",
        control.describe()
    );
    // And open files held to the ceiling where the build names none: podman 5 gives a RUN step
    // the host's maximum, a million per process, past what its CI namespace allows (so the
    // control may fail there); podman 4.3 its configuration's default.
    let open_build = strs(&[
        "build",
        "--ulimit",
        "nproc=1024:1024",
        "--no-cache",
        "-t",
        &shm_tag,
        &shm_ctx,
    ]);
    let control = rig.run("podman", &open_build, None);
    assert!(
        !control.stdout.contains("nofile-512-512-end")
            && (control.ok() || control.stderr.contains("error setting rlimit type 7")),
        "{label}: open files, control: {}",
        control.describe()
    );
    if !control.ok() {
        loud(&format!(
            "NOTE (build_limits, {label}): podman's own open-file limit for a RUN step is past what\n\
             this host allows (RLIMIT_NOFILE is type 7); the control failed setting it"
        ));
    }
    let policy = rig.bin.join("policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let small = text
        .replacen("shm_size = \"2g\"", "shm_size = \"32m\"", 1)
        .replacen("[hardening]\n", "[hardening]\nshm_size = \"32m\"\n", 1)
        .replacen("open_files = 1024", "open_files = 512", 1);
    assert_ne!(
        text, small,
        "the default policy no longer names shm_size = \"2g\""
    );
    assert!(
        small.contains("open_files = 512"),
        "the default policy no longer names open_files = 1024"
    );
    std::fs::write(&policy, small).unwrap();
    let o = rig.run("docker", &open_build, None);
    std::fs::write(&policy, text).unwrap();
    let _ = rig.podman(&["rmi", "-f", &shm_tag]);
    assert!(
        o.ok() && o.stdout.contains("shm-size=32768k-end"),
        "{label}: a build's /dev/shm under a 32m ceiling: {}",
        o.describe()
    );
    assert!(
        o.stdout.contains("nofile-512-512-end"),
        "{label}: a build's open files under a ceiling of 512: {}",
        o.describe()
    );
}

#[test]
fn a_build_s_run_steps_are_held_to_the_ceilings_rootful() {
    build_limits(Mode::Rootful);
}

#[test]
fn a_build_s_run_steps_are_held_to_the_ceilings_rootless() {
    build_limits(Mode::Rootless);
}

/// An image name the operator runs outside the shim (a quadlet's, a privileged `podman run` of
/// their own) is not the agents' to write: through plain podman (the control) a build's `-t`
/// moves the operator's name to the agent's image, and so does a `tag`. Through the shim both are
/// refused (`deny.image-name`) and the name keeps its image; a name `writable_images` matches
/// (here the rig's `localhost/e2e*`, by default `nanoclaw-*`) is built and tagged as before.
fn operator_image_name(mode: Mode) {
    let Some(rig) = Rig::new(mode, "imgname") else {
        return;
    };
    let label = mode.label();
    let operator = format!("localhost/operator-{}:latest", rig.tag);
    rig.images.lock().unwrap().push(operator.clone());
    let ctx = rig.containerfile(
        &rig.dir.path().join("imgname"),
        &format!("FROM {IMAGE}\nLABEL nanoclaw-shim.e2e.agent-build={}\n", rig.tag),
    );
    let id_of = |name: &str| {
        let o = rig.podman(&["image", "inspect", "--format", "{{.Id}}", name]);
        assert!(o.ok(), "{label}: {}", o.describe());
        o.stdout.trim().to_string()
    };
    // The operator's image is one of its own, never a tag on the shared fixture image, whose
    // record other tests read while this one would change its names (a concurrent inspect of
    // the fixture once found its ID "not known" on podman 4.3). Every build here is
    // `--no-cache`: the cache's lookup walks every image's layers, which another test removing
    // its own image at that moment fails ("layer not known", podman 4.3; this test failed once
    // in CI so); what is asked here is whose a name is, not the cache.
    let theirs = rig.containerfile(
        &rig.dir.path().join("operator"),
        &format!("FROM {IMAGE}\nLABEL nanoclaw-shim.e2e.operator={}\n", rig.tag),
    );
    let made = rig.run(
        "podman",
        &build_argv(&["-q", "--no-cache", "-t", &operator, &theirs]),
        None,
    );
    assert!(made.ok(), "{label}: {}", made.describe());
    let fixture = id_of(&operator);
    let reset = || assert!(rig.podman(&["tag", &fixture, &operator]).ok(), "{label}: tag");
    reset();
    let control = rig.run(
        "podman",
        &build_argv(&["-q", "--no-cache", "-t", &operator, &ctx]),
        None,
    );
    assert!(control.ok(), "{label}: control: {}", control.describe());
    assert_ne!(
        id_of(&operator),
        fixture,
        "{label}: the control did not move the name"
    );
    reset();
    let o = rig.docker(&build_argv(&["-t", &operator, &ctx]), None);
    assert_refusal(&o, "deny.image-name");
    assert_eq!(
        id_of(&operator),
        fixture,
        "{label}: a refused build moved the name"
    );
    // The agent's own name builds; a tag of it onto the operator's name is refused.
    let mine = rig.image_tag("imgname");
    let o = rig.docker(&build_argv(&["-q", "--no-cache", "-t", &mine, &ctx]), None);
    assert!(o.ok(), "{label}: {}", o.describe());
    let o = rig.docker(&strs(&["tag", &mine, &operator]), None);
    assert_refusal(&o, "deny.image-name");
    assert_eq!(id_of(&operator), fixture, "{label}: a refused tag moved the name");
    // Nor under a name podman's short-name lookup gives the operator's short name (a `*`
    // within one component: the ninety-eighth look's `nanoclaw-x/operator-app`).
    let short = operator
        .trim_start_matches("localhost/")
        .trim_end_matches(":latest");
    let o = rig.docker(&strs(&["tag", &mine, &format!("e2e-x/{short}")]), None);
    assert_refusal(&o, "deny.image-name");
    // Nor is the operator's name taken away, by name or by ID, one by one or as unused: its
    // short name would then find an image an agent pulled as `REGISTRY/x/NAME` (the hundredth
    // look's).
    for argv in [
        strs(&["rmi", &operator]),
        strs(&["image", "rm", "-f", &fixture[..12]]),
        strs(&["image", "prune", "-a", "-f"]),
    ] {
        let o = rig.docker(&argv, None);
        assert_eq!(o.code, Some(125), "{label}: {argv:?}: {}", o.describe());
    }
    assert_eq!(
        id_of(&operator),
        fixture,
        "{label}: a refused rmi removed the name"
    );
    let mine2 = rig.image_tag("imgname2");
    let o = rig.docker(&strs(&["tag", &mine, &mine2]), None);
    assert!(o.ok(), "{label}: {}", o.describe());
    assert_eq!(id_of(&mine2), id_of(&mine), "{label}");
    // The agent's own names it removes as before.
    let o = rig.docker(&strs(&["rmi", &mine2]), None);
    assert!(o.ok(), "{label}: {}", o.describe());
}

/// An operator's named volume on the same engine (what their own container runs, a token) is not
/// an agent's: through plain podman (the control) a container mounts it and reads it; through the
/// shim (`deny.volume-name`) a `run` that mounts it, a `volume rm` of it and a `volume prune` are
/// refused, and it keeps its content (the hundred and second look's). Nor is a volume's
/// definition: a CIFS share's password in its driver options, which plain podman prints to
/// `volume inspect`, `inspect --type volume` and `volume ls --format` (the hundred-and-third
/// look's), is refused through the shim and printed nowhere.
fn operator_volume(mode: Mode) {
    let Some(rig) = Rig::new(mode, "opvol") else {
        return;
    };
    let label = mode.label();
    // An agent's own named volume is host disk outside every ceiling (the
    // hundred-and-eighteenth look's: 300 MB under a 64 MB memory limit, left behind): the
    // default names none, so neither made nor mounted through the shim.
    let ours = rig.unique("vol");
    for argv in [
        strs(&["volume", "create", &ours]),
        strs(&["run", "--rm", "-v", &format!("{ours}:/v"), IMAGE, "true"]),
    ] {
        let o = rig.docker(&argv, None);
        assert_refusal(&o, "deny.volume-name");
    }
    assert!(
        !rig.podman(&["volume", "exists", &ours]).ok(),
        "{label}: a refused call made the volume"
    );
    let vol = format!("operator-{}", rig.tag);
    let made = rig.podman(&["volume", "create", &vol]);
    assert!(made.ok(), "{label}: {}", made.describe());
    let seed = rig.podman(&[
        "run",
        "--rm",
        "-v",
        &format!("{vol}:/v"),
        "--entrypoint",
        "sh",
        IMAGE,
        "-c",
        "echo operator-$((40+2)) > /v/secret",
    ]);
    assert!(seed.ok(), "{label}: {}", seed.describe());
    let read = strs(&[
        "run",
        "--rm",
        "-v",
        &format!("{vol}:/v:ro"),
        "--entrypoint",
        "cat",
        IMAGE,
        "/v/secret",
    ]);
    let control = rig.run("podman", &read, None);
    assert!(
        control.stdout.contains("operator-42"),
        "{label}: control: {}",
        control.describe()
    );
    let o = rig.docker(&read, None);
    assert_refusal(&o, "deny.volume-name");
    for argv in [strs(&["volume", "rm", &vol]), strs(&["volume", "prune", "-f"])] {
        let o = rig.docker(&argv, None);
        assert_eq!(o.code, Some(125), "{label}: {argv:?}: {}", o.describe());
    }
    let still = rig.podman(&["volume", "exists", &vol]);
    let _ = rig.podman(&["volume", "rm", "-f", &vol]);
    assert!(still.ok(), "{label}: the operator's volume is gone");

    // A share's volume, as podman's documentation makes one; never mounted.
    let share = format!("operator-{}-cifs", rig.tag);
    let password = format!("share-password-{}", rig.tag);
    let made = rig.podman(&[
        "volume",
        "create",
        "--opt",
        "type=cifs",
        "--opt",
        "device=//192.0.2.1/share",
        "--opt",
        &format!("o=username=svc,password={password}"),
        &share,
    ]);
    assert!(made.ok(), "{label}: {}", made.describe());
    let reads = [
        strs(&["volume", "inspect", &share]),
        strs(&["inspect", "--type", "volume", &share]),
        strs(&["inspect", &share]),
        strs(&[
            "inspect",
            "--type",
            "all",
            "--format",
            "{{json .Options}}",
            &share,
        ]),
        strs(&["volume", "ls", "--format", "{{.Name}} {{.Options}}"]),
        strs(&["volume", "ls", "--format", "json"]),
        // A unique start of its name finds it too, and a field that holds the options (the
        // hundred-and-nineteenth look's).
        strs(&["inspect", "--format", "{{.Options}}", &share[..share.len() - 2]]),
        strs(&["volume", "ls", "--format", "{{.InspectVolumeData}}"]),
    ];
    for argv in &reads {
        let control = rig.run("podman", argv, None);
        assert!(
            control.stdout.contains(&password),
            "{label}: control {argv:?}: {}",
            control.describe()
        );
        let o = rig.docker(argv, None);
        assert_eq!(o.code, Some(125), "{label}: {argv:?}: {}", o.describe());
        assert!(
            !o.stdout.contains(&password) && !o.stderr.contains(&password),
            "{label}: {argv:?}: {}",
            o.describe()
        );
    }
    let listed = rig.docker(
        &strs(&["volume", "ls", "--format", "{{.Name}} {{.Driver}}"]),
        None,
    );
    let _ = rig.podman(&["volume", "rm", "-f", &share]);
    assert!(
        listed.ok() && listed.stdout.contains(&share) && !listed.stdout.contains(&password),
        "{label}: {}",
        listed.describe()
    );
}

/// An operator's network on the same engine (its services answer there, unpublished) is not an
/// agent's to join, remove or take the name of: through plain podman (the control) a container
/// joins it; through the shim (`deny.network-name`) a `run` on it, its `network rm` and a
/// `network prune` are refused, and it stays (the hundred-and-third look's: removed, then made
/// again `--internal` by the agent). nanoclaw's own kind of network is made, joined and removed.
fn operator_network(mode: Mode) {
    let Some(rig) = Rig::new(mode, "opnet") else {
        return;
    };
    let label = mode.label();
    // Not `rig.unique`'s `nanoclaw-…`, which the default writable_networks matches.
    let net = format!("operator-{}", rig.tag);
    // Made one at a time with the suite's other networks: podman picks a new network's range
    // from those it sees, and `a_rootful_network_never_covers_what_the_host_talks_to` predicts it.
    let made = {
        let _one = NETWORK_CREATE.lock().unwrap_or_else(|e| e.into_inner());
        rig.podman(&["network", "create", &net])
    };
    assert!(made.ok(), "{label}: {}", made.describe());
    // A container made on the network, not started: what the rule judges is the network a
    // container is given. (A started one sets the network up, and rootless podman 4.3's CNI
    // failed that now and then while other networks came and went in the same user's network
    // namespace, `could not set bridge's mac`: twice in full-suite runs beside other podman
    // work, never alone; podman's, with or without the shim.)
    let containers: std::cell::RefCell<Vec<String>> = Default::default();
    let join = |net: &str| {
        let name = rig.unique("joins");
        containers.borrow_mut().push(name.clone());
        strs(&["create", "--name", &name, "--network", net, IMAGE, "true"])
    };
    let control = rig.run("podman", &join(&net), None);
    assert!(control.ok(), "{label}: control: {}", control.describe());
    let o = rig.docker(&join(&net), None);
    assert_refusal(&o, "deny.network-name");
    for argv in [
        strs(&["network", "rm", &net]),
        strs(&["network", "prune", "-f"]),
        strs(&["network", "create", "--internal", &net]),
    ] {
        let o = rig.docker(&argv, None);
        assert_eq!(o.code, Some(125), "{label}: {argv:?}: {}", o.describe());
    }
    let still = rig.podman(&["network", "exists", &net]);
    let _ = rig.podman(&["network", "rm", "-f", &net]);
    assert!(still.ok(), "{label}: the operator's network is gone");
    // podman's default network is no operator's: nanoclaw's OneCLI gateway joins it by
    // `bridge`, rootless too (the hundred-and-seventh look's).
    for default in ["podman", "bridge"] {
        let o = rig.docker(&join(default), None);
        assert!(o.ok(), "{label}: {default}: {}", o.describe());
    }
    // nanoclaw's own: made, joined and removed through the shim.
    let ours = rig.unique("net");
    let o = {
        let _one = NETWORK_CREATE.lock().unwrap_or_else(|e| e.into_inner());
        rig.docker(&strs(&["network", "create", "--internal", &ours]), None)
    };
    assert!(o.ok(), "{label}: {}", o.describe());
    let joined = rig.docker(&join(&ours), None);
    for name in containers.borrow().iter() {
        let _ = rig.podman(&["rm", "-f", name]);
    }
    let o = rig.docker(&strs(&["network", "rm", &ours]), None);
    assert!(joined.ok(), "{label}: {}", joined.describe());
    assert!(o.ok(), "{label}: {}", o.describe());
}

#[test]
fn the_operator_s_network_is_never_joined_rootful() {
    operator_network(Mode::Rootful);
}

#[test]
fn the_operator_s_network_is_never_joined_rootless() {
    operator_network(Mode::Rootless);
}

/// podman 5 reads `--module` (a containers.conf of the caller's) in a pre-scan that takes the
/// word after a flag it does not know, written without `=`, as its value: after a bare `--debug`
/// it took `run` and read `--label --module=FILE` as a module (the hundred-and-tenth look's: a
/// conmon of the caller's ran as root, the host's /etc was mounted). Through plain podman 5
/// (the control) the module's variable reaches the container; through the shim, with
/// `debug_logging = false` (which lets `--debug` through), the bare form is refused and
/// `--debug=true` runs without the module. podman 4.3 has no `--module`: the control shows
/// nothing there, and the shim's answers are the same.
fn no_module_through_a_global_flag(mode: Mode) {
    let Some(rig) = Rig::new(mode, "module") else {
        return;
    };
    let label = mode.label();
    let module = rig.dir.path().join("module.conf");
    std::fs::write(&module, "[containers]\nenv = [\"MODULE_LOADED=module-42\"]\n").unwrap();
    std::fs::set_permissions(&module, std::fs::Permissions::from_mode(0o644)).unwrap();
    // Detached, its output read from its log: at podman's debug level, a run waits 20 s for
    // conmon after its container ended (podman 4.3, on every machine this suite has run on).
    let argv = |debug: &str, name: &str| {
        strs(&[
            debug,
            "run",
            "-d",
            "--name",
            name,
            "--label",
            &format!("--module={}", module.display()),
            "--entrypoint",
            "sh",
            IMAGE,
            "-c",
            "echo env-$MODULE_LOADED-end",
        ])
    };
    let output = |started: Out, name: &str| -> Out {
        let mut stdout = String::new();
        for _ in 0..if started.ok() { 100 } else { 0 } {
            stdout = rig.podman(&["logs", name]).stdout;
            if stdout.contains("-end") {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = rig.podman(&["rm", "-f", "--time=0", name]);
        Out { stdout, ..started }
    };
    let name = rig.unique("module");
    let control = output(rig.run("podman", &argv("--debug", &name), None), &name);
    eprintln!(
        "{label}: control: plain podman {} the caller's module: {}",
        if control.stdout.contains("env-module-42-end") {
            "loaded"
        } else {
            "did not load"
        },
        control.stdout.trim()
    );
    let policy = rig.bin.join("policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let open = text.replacen("debug_logging = true", "debug_logging = false", 1);
    assert_ne!(text, open, "the default policy no longer names debug_logging");
    std::fs::write(&policy, open).unwrap();
    let (first, second) = (rig.unique("module"), rig.unique("module"));
    let bare = output(rig.docker(&argv("--debug", &first), None), &first);
    let spelled = output(rig.docker(&argv("--debug=true", &second), None), &second);
    std::fs::write(&policy, text).unwrap();
    assert_refusal(&bare, "[parse.bad-syntax]");
    assert!(
        spelled.ok() && spelled.stdout.contains("env--end"),
        "{label}: {}",
        spelled.describe()
    );
}

#[test]
fn no_module_through_a_global_flag_rootful() {
    no_module_through_a_global_flag(Mode::Rootful);
}

#[test]
fn no_module_through_a_global_flag_rootless() {
    no_module_through_a_global_flag(Mode::Rootless);
}

#[test]
fn the_operator_s_named_volume_is_never_mounted_rootful() {
    operator_volume(Mode::Rootful);
}

#[test]
fn the_operator_s_named_volume_is_never_mounted_rootless() {
    operator_volume(Mode::Rootless);
}

#[test]
fn a_build_never_takes_the_operator_s_image_name_rootful() {
    operator_image_name(Mode::Rootful);
}

#[test]
fn a_build_never_takes_the_operator_s_image_name_rootless() {
    operator_image_name(Mode::Rootless);
}

/// podman reads a build's `--output` without a comma as a folder, `type=local` too (docker's
/// CLI reads a type): plain podman writes the build's files into `./type=local` in the working
/// directory (the thirty-first pass's look: a setuid-root binary among them, and through a link
/// at that name into the home). Through the shim the build is refused (`deny.build`, the
/// `build --output` gate) and no such folder appears.
fn build_output_without_a_comma(mode: Mode) {
    let Some(rig) = Rig::new(mode, "bout") else {
        return;
    };
    let ctx = rig.containerfile(
        &rig.dir.path().join("ctx"),
        &format!("FROM {IMAGE}\nUSER root\nRUN echo built > /marker\n"),
    );
    let work = rig.dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::set_permissions(&work, std::fs::Permissions::from_mode(0o777)).unwrap();
    let folder = work.join("type=local");
    let tag = rig.image_tag("bout");
    let argv = build_argv(&["--no-cache", "-t", &tag, "--output", "type=local", &ctx]);
    let control = rig.run_in("podman", &argv, None, &work);
    let _ = rig.podman(&["rmi", "-f", &tag]);
    assert!(
        folder.join("marker").exists(),
        "control: plain podman did not write ./type=local: {}",
        control.describe()
    );
    std::fs::remove_dir_all(&folder).unwrap();
    let o = rig.run_in("docker", &argv, None, &work);
    let _ = rig.podman(&["rmi", "-f", &tag]);
    assert_eq!(o.code, Some(125), "{}", o.describe());
    assert!(o.stderr.contains("deny.build"), "{}", o.describe());
    assert!(
        !folder.exists(),
        "the shim's build wrote ./type=local: {}",
        o.describe()
    );
}

#[test]
fn a_build_s_output_without_a_comma_is_a_host_folder_rootful() {
    build_output_without_a_comma(Mode::Rootful);
}

#[test]
fn a_build_s_output_without_a_comma_is_a_host_folder_rootless() {
    build_output_without_a_comma(Mode::Rootless);
}

/// A rootful build's RUN step runs as the host's root with its own cgroup mounted read-write:
/// through plain podman (the control, cgroup v1 or v2) it lifts its memory and swap limits and
/// allocates past them (the eighty-seventh look's, 4.3.1 and 5.4.2). Through the shim
/// (`harden.build-cgroup`) the step sees an empty, read-only `/sys/fs/cgroup`: nothing is lifted
/// and the allocation is killed at the limit. The build names its own 96 MiB (kept, below the
/// ceiling) so that the step passes it with 200 MB.
#[test]
fn a_build_step_cannot_lift_its_ceilings_rootful() {
    let Some(rig) = Rig::new(Mode::Rootful, "cglift") else {
        return;
    };
    // Each way a step lifted its limits: the cgroup buildah mounts (the eighty-seventh look's),
    // and the cgroup mounted again in a user and cgroup namespace of the step's own, with
    // util-linux as the browser image (and nanoclaw's Debian-based one) has it (the
    // ninety-seventh look's).
    let direct = "(cd /sys/fs/cgroup/memory && echo -1 > memory.memsw.limit_in_bytes && echo -1 > memory.limit_in_bytes \
                  || { echo max > /sys/fs/cgroup/memory.swap.max && echo max > /sys/fs/cgroup/memory.max; }) 2>/dev/null";
    let remounted = "unshare -Urm -C sh -c '(mount -t cgroup -o memory none /mnt && echo -1 > /mnt/memory.memsw.limit_in_bytes \
                     && echo -1 > /mnt/memory.limit_in_bytes) || (mount -t cgroup2 none /mnt && echo max > /mnt/memory.swap.max \
                     && echo max > /mnt/memory.max)' 2>/dev/null";
    for (n, (image, lift)) in [(IMAGE, direct), (BROWSER_IMAGE, remounted)]
        .into_iter()
        .enumerate()
    {
        let ctx = rig.containerfile(
            &rig.dir.path().join(format!("lift{n}")),
            &format!(
                "FROM {image}\nUSER root\n\
                 RUN echo cgroup-$(ls -A /sys/fs/cgroup)-end; {lift} && echo lifted-$((40+2)); \
                 bash -c 's=$(printf \"%0200000000d\" 0); echo allocated-$((${{#s}}/1000000))-mb'\n"
            ),
        );
        let tag = rig.image_tag(&format!("lift{n}"));
        let build = |prog: &str, extra: &[&str]| {
            let mut a = vec!["--no-cache", "--memory", "96m"];
            a.extend_from_slice(extra);
            a.extend_from_slice(&["-t", &tag, &ctx]);
            let o = rig.run(prog, &build_argv(&a), None);
            let _ = rig.podman(&["rmi", "-f", &tag]);
            o
        };
        let control = build("podman", &["--memory-swap", "192m"]);
        if control.stdout.contains("lifted-42") && control.stdout.contains("allocated-200-mb") {
            eprintln!(
                "control {n}: plain podman's RUN step lifted its own limits and allocated 200 MB past 96 MiB"
            );
        } else {
            eprintln!(
                "control {n}: this podman's RUN step could not lift its limits: {}",
                control.describe()
            );
        }
        let o = build("docker", &[]);
        assert!(o.stdout.contains("cgroup--end"), "{n}: {}", o.describe());
        assert!(!o.stdout.contains("lifted-42"), "{n}: {}", o.describe());
        assert!(
            !o.ok() && !o.stdout.contains("allocated-200-mb"),
            "{n}: a RUN step went past its memory limit through the shim: {}",
            o.describe()
        );
    }
}

// ------------------------------------------------------- Containerfile tricks ---

/// Whether this rig's podman has the fix for CVE-2024-1753 (4.9.4 / 5.0.1 on): a build mount
/// from another image's symlink to `/` stays inside that image.
fn podman_has_the_cve_fix() -> bool {
    ci_env()
        .get("PODMAN_VERSION")
        .and_then(|v| nanoclaw_shim::runtime::parse_version(v))
        .is_some_and(|v| !nanoclaw_shim::onbuild::affected(Some(v)))
}

/// `build` with `rest`, holding the two limits buildah raises past what podman 5's CI namespace
/// allows.
/// Relaxes `deny.root-user` in the rig's policy: a test whose container must run as root.
fn allow_root(rig: &Rig) {
    let policy = rig.bin.join("policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let relaxed = text.replace("root_user = true", "root_user = false");
    assert_ne!(text, relaxed, "the default policy no longer names root_user");
    std::fs::write(&policy, relaxed).unwrap();
}

fn build_argv(rest: &[&str]) -> Vec<String> {
    let mut a = vec![
        "build",
        "--ulimit",
        "nofile=1024:1024",
        "--ulimit",
        "nproc=1024:1024",
    ];
    a.extend_from_slice(rest);
    strs(&a)
}

/// The Containerfile parser takes a word after `RUN` that starts with `--` as a flag and only
/// then unquotes it (review 4): `--m"ou"nt` is `--mount`; and it skips every blank Go's
/// `unicode.IsSpace` knows before the keyword and after it (the red team's: a vertical tab, a
/// no-break space). On podman before 4.9.4 the control (plain podman) copies a host file through a
/// bind mount of another stage's symlink to `/` (CVE-2024-1753); through the shim every RUN flag
/// is refused, whatever its spelling, and nothing is written. On a podman with the fix the control
/// copies nothing; the shim still refuses. Rootful and rootless.
fn run_flags_in_any_spelling(mode: Mode) {
    let Some(rig) = Rig::new(mode, "runflags") else {
        return;
    };
    for (n, run_mount) in [
        "RUN --m\"ou\"nt=",
        "\x0bRUN --mount=",
        "RUN\x0b--mount=",
        "\u{a0}RUN --mount=",
    ]
    .into_iter()
    .enumerate()
    {
        let dir = rig.dir.path().join(format!("runflags{n}"));
        let (secret, copied) = rig.bait(&dir);
        let ctx = rig.containerfile(
            &dir.join("ctx"),
            &format!(
                "FROM {IMAGE} AS base\nUSER root\nRUN mkdir -p /s && ln -s / /s/root\n\
                 FROM {IMAGE}\nUSER root\n\
                 {run_mount}type=bind,from=base,source=/s/root,target=/h,rw sh -c 'cat /h{} > /h{}; true'\n",
                secret.display(),
                copied.display()
            ),
        );
        let tag = rig.image_tag(&format!("runflags{n}"));
        let build = build_argv(&["--no-cache", "-t", &tag, &ctx]);
        let label = format!("{} {run_mount:?}", mode.label());
        let control = rig.run("podman", &build, None);
        let reached = std::fs::read_to_string(&copied).unwrap_or_default();
        if podman_has_the_cve_fix() {
            assert!(
                reached.is_empty(),
                "{label}: the mount reached the host: {}",
                control.describe()
            );
        } else {
            assert!(
                reached.contains(&rig.tag),
                "{label}: the control's --mount did not reach the host: {}",
                control.describe()
            );
            std::fs::remove_file(&copied).unwrap();
        }
        assert_refused(&rig, &build, "deny.build");
        assert!(!copied.exists(), "{label}: the mount ran through the shim");
    }
}

/// The shim reads a Containerfile one way, exactly, or refuses it (`containerfile.rs`): within
/// the part of the language it accepts, podman's own parser must read the same instructions.
/// Each file here is accepted and made of `LABEL`s only (no step runs a container), shaped at
/// the edges where parsers differ: continuations with and without a blank at the join, comment
/// and blank lines inside one, Windows line ends, a keyword split across lines, tabs, a last
/// line without a line end, blanks after an escape, comments ending in one, text beyond ASCII.
/// Built through the shim, the image's labels must be exactly those the shim's reading holds: a
/// line joined or split otherwise than the shim reads it moves a label. On podman 4.3 (docker's
/// older parser) and, in the podman 5 leg, buildkit's.
#[test]
fn podman_reads_an_accepted_containerfile_as_the_shim_does() {
    let Some(rig) = Rig::new(Mode::Rootful, "cfread") else {
        return;
    };
    let files: &[&str] = &[
        "FROM scratch\nLABEL a=1 \\\n  b=2\nLABEL c=3\n",
        "FROM scratch\r\nLABEL a=1 \\\r\n  b=2\r\nLABEL c=3\r\n",
        "FROM scratch\nLABEL a=1 \\\n# note\n\n   \n  # indented note\n  b=2\nLABEL c=3\n",
        "FROM scratch\nLABEL a=1 b=x\\\ny c=3\nLABEL d=4\n",
        "FROM scratch\nLAB\\\nEL a=1\nlabel b=2\n",
        "# syntax=docker/dockerfile:1\n# a comment\n\nFROM scratch\n\tLABEL\ta=1\n   label b=2 \t\n",
        "FROM scratch\nLABEL a=1 \\\n\tb=2 \\\n\tc=3\nLABEL d=#4",
        "FROM scratch\nLABEL a=x\\y b=2\nLABEL c=3 \\\n  d=4\n",
        // A continued line's blanks kept after a word; blanks after the escape; a comment ending
        // in an escape, which never continues, in a continuation and out of one; text beyond
        // ASCII.
        "FROM scratch\nLABEL a=1&&\\\n  b=2\nLABEL c=3 \\  \t\nd=4\n",
        "FROM scratch\n# note \\\nLABEL a=1 \\\n  # b=2 \\\n  c=3\n# d=4 \\\nLABEL e=5\n",
        "FROM scratch\nLABEL who=José emoji=🙂\n",
    ];
    for (n, text) in files.iter().enumerate() {
        let instructions = nanoclaw_shim::containerfile::read(text.as_bytes())
            .unwrap_or_else(|e| panic!("file {n} {text:?} is refused: {e}"));
        let mut want: std::collections::BTreeMap<String, String> = Default::default();
        for i in instructions
            .iter()
            .filter(|i| i.keyword == nanoclaw_shim::containerfile::Keyword::Label)
        {
            for w in nanoclaw_shim::containerfile::words(&i.args) {
                let w = String::from_utf8(w.to_vec()).unwrap();
                let (k, v) = w.split_once('=').unwrap();
                // The parser removes an escape from a label's value (`x\y` is `xy`).
                want.insert(k.to_string(), v.replace('\\', ""));
            }
        }
        let ctx = rig.containerfile(&rig.dir.path().join(format!("cfread{n}")), text);
        let tag = rig.image_tag(&format!("cfread{n}"));
        // `--no-cache`: the build cache's lookup walks every image's layers, and another test
        // removing its image meanwhile failed it ("layer not known", once, podman 4.3); what is
        // asked here is how podman reads the file, not its cache.
        let o = rig.run("docker", &build_argv(&["--no-cache", "-t", &tag, &ctx]), None);
        assert_eq!(o.code, Some(0), "file {n} {text:?}: {}", o.describe());
        let labels = rig.podman(&["image", "inspect", "--format", "{{json .Config.Labels}}", &tag]);
        let got: std::collections::BTreeMap<String, String> =
            serde_json::from_str::<Option<_>>(labels.stdout.trim())
                .unwrap_or_else(|e| panic!("labels of file {n} ({e}): {}", labels.describe()))
                .unwrap_or_default();
        let got: std::collections::BTreeMap<String, String> = got
            .into_iter()
            .filter(|(k, _)| !k.starts_with("io.buildah."))
            .collect();
        assert_eq!(
            got, want,
            "file {n} {text:?}: podman read other labels than the shim's reading holds"
        );
    }
}

/// `BUILDAH_ISOLATION=chroot` in the environment is `--isolation chroot` by another name: the
/// control (plain podman) runs the build's RUN step in the host's PID namespace; through the
/// shim the build is refused (`deny.environment`) and its RUN step never runs. Rootful and
/// rootless.
fn build_isolation_from_the_environment(mode: Mode) {
    let Some(rig) = Rig::new(mode, "isoenv") else {
        return;
    };
    let label = mode.label();
    let host_pid_ns = std::fs::read_link("/proc/self/ns/pid").unwrap();
    let host_pid_ns = host_pid_ns.to_string_lossy();
    let ctx = rig.containerfile(
        &rig.dir.path().join("isoenv"),
        &format!("FROM {IMAGE}\nUSER root\nRUN echo \"ran in $(readlink /proc/self/ns/pid)\"\n"),
    );
    let tag = rig.image_tag("isoenv");
    let build = |prog: &str| {
        let mut a = strs(&["BUILDAH_ISOLATION=chroot", prog]);
        a.extend(build_argv(&["--no-cache", "-t", &tag, &ctx]));
        rig.run("env", &a, None)
    };
    let control = build("podman");
    let said = format!("{}{}", control.stdout, control.stderr);
    assert!(
        said.contains(&format!("ran in {host_pid_ns}")),
        "{label}: the control's RUN step is not in the host's PID namespace ({host_pid_ns}): {}",
        control.describe()
    );
    let _ = rig.podman(&["rmi", "-f", &tag]);
    let o = build("docker");
    assert_eq!(o.code, Some(125), "{label}: {}", o.describe());
    assert!(o.stderr.contains("deny.environment"), "{label}: {}", o.describe());
    assert!(
        !format!("{}{}", o.stdout, o.stderr).contains("ran in"),
        "{label}: the RUN step ran: {}",
        o.describe()
    );
}

#[test]
fn build_isolation_from_the_environment_is_refused_rootful() {
    build_isolation_from_the_environment(Mode::Rootful);
}

#[test]
fn build_isolation_from_the_environment_is_refused_rootless() {
    build_isolation_from_the_environment(Mode::Rootless);
}

#[test]
fn a_run_flag_in_any_spelling_never_reaches_the_host_rootful() {
    run_flags_in_any_spelling(Mode::Rootful);
}

#[test]
fn a_run_flag_in_any_spelling_never_reaches_the_host_rootless() {
    run_flags_in_any_spelling(Mode::Rootless);
}

/// A TCP server on the host's loopback (`port`) that counts the connections it is given and
/// answers each with `reply` (after reading what the client sent first, up to 2 KiB or 2 s).
struct LoopbackServer {
    port: u16,
    hits: std::sync::Arc<AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl LoopbackServer {
    fn start(reply: &'static [u8]) -> LoopbackServer {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let hits = std::sync::Arc::new(AtomicUsize::new(0));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (counted, stopped) = (hits.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut c, _)) => {
                        counted.fetch_add(1, Ordering::Relaxed);
                        c.set_nonblocking(false).ok();
                        c.set_read_timeout(Some(Duration::from_secs(2))).ok();
                        let mut buf = [0u8; 2048];
                        let _ = std::io::Read::read(&mut c, &mut buf);
                        let _ = c.write_all(reply);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        LoopbackServer {
            port,
            hits,
            stop,
            thread,
        }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::Relaxed)
    }

    fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap();
    }
}

/// `ADD <url>` is downloaded by podman itself, in the host's network namespace, whatever the
/// build's `--network` (review 4 read a loopback-only service so): the control (plain podman,
/// `--network=none`) fetches from a server on the host's loopback; through the shim the build is
/// refused and the server is never asked. Rootful and rootless.
fn add_of_a_url(mode: Mode) {
    let Some(rig) = Rig::new(mode, "addurl") else {
        return;
    };
    let server = LoopbackServer::start(b"HTTP/1.0 200 OK\r\nContent-Length: 14\r\n\r\nloopback-only\n");
    let port = server.port;
    let ctx = rig.containerfile(
        &rig.dir.path().join("addurl"),
        &format!("FROM {IMAGE}\nADD http://127.0.0.1:{port}/secret.txt /tmp/s.txt\n"),
    );
    let tag = rig.image_tag("addurl");
    let build = build_argv(&["--no-cache", "--network=none", "-t", &tag, &ctx]);
    let label = mode.label();
    let control = rig.run("podman", &build, None);
    let asked = server.hits();
    let o = rig.run("docker", &build, None);
    let asked_again = server.hits();
    server.stop();
    assert!(
        asked > 0,
        "{label}: the control never asked the host's loopback: {}",
        control.describe()
    );
    assert_eq!(o.code, Some(125), "{label}: {}", o.describe());
    assert!(o.stderr.contains("deny.build"), "{label}: {}", o.describe());
    assert_eq!(
        asked_again, asked,
        "{label}: the build through the shim asked the server"
    );
}

/// `[podman] host_loopback = false` closes the host's loopback to builds too. On rootless
/// podman before 5 a RUN step reaches every service on it through slirp4netns's `10.0.2.2` (the
/// control; the eighty-seventh look's), and nothing a build or `containers.conf` names closes it:
/// through the shim a networked build is refused (`deny.build`, with how to build), and one with
/// `--network=none` builds without reaching it. On podman 5 (pasta) the build runs and its step
/// does not reach it.
#[test]
fn a_build_keeps_the_host_loopback_closed_when_the_policy_does_rootless() {
    let Some(rig) = Rig::new(Mode::Rootless, "buildlo") else {
        return;
    };
    let policy = rig.bin.join("policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let closed = text.replacen("host_loopback = true", "host_loopback = false", 1);
    assert_ne!(
        closed, text,
        "policy/default.toml has no `host_loopback = true` line"
    );
    std::fs::write(&policy, closed).unwrap();
    let server = LoopbackServer::start(b"loopback-only\n");
    let port = server.port;
    let ctx = rig.containerfile(
        &rig.dir.path().join("buildlo"),
        &format!("FROM {IMAGE}\nRUN echo x | timeout 3 nc 10.0.2.2 {port} || true\n"),
    );
    let tag = rig.image_tag("buildlo");
    let build = |prog: &str, extra: &[&str]| {
        let mut a = vec!["--no-cache"];
        a.extend_from_slice(extra);
        a.extend_from_slice(&["-t", &tag, &ctx]);
        let before = server.hits();
        let o = rig.run(prog, &build_argv(&a), None);
        (o, server.hits() - before)
    };
    let podman_5 = ci_env()
        .get("PODMAN_VERSION")
        .and_then(|v| nanoclaw_shim::runtime::parse_version(v))
        .is_some_and(|v| v.0 >= 5);
    let (control, reached) = build("podman", &[]);
    let (o, through) = build("docker", &[]);
    let (offline, offline_reached) = build("docker", &["--network=none"]);
    server.stop();
    assert_eq!(
        through,
        0,
        "a build through the shim reached the host's loopback: {}",
        o.describe()
    );
    assert_eq!(offline_reached, 0, "{}", offline.describe());
    assert!(offline.ok(), "{}", offline.describe());
    if podman_5 {
        eprintln!("control: podman 5's build reached the loopback {reached} time(s)");
        assert!(
            o.ok(),
            "podman 5 (pasta) keeps the loopback closed: no refusal needed: {}",
            o.describe()
        );
    } else {
        assert!(
            reached > 0,
            "the control never reached the host's loopback: {}",
            control.describe()
        );
        assert_refusal(&o, "deny.build");
        assert!(o.stderr.contains("--network=none"), "{}", o.describe());
    }
}

#[test]
fn add_of_a_url_never_reaches_the_host_s_loopback_rootful() {
    add_of_a_url(Mode::Rootful);
}

#[test]
fn add_of_a_url_never_reaches_the_host_s_loopback_rootless() {
    add_of_a_url(Mode::Rootless);
}

// ------------------------------------------------------------------ ONBUILD ---

/// A base image's `ONBUILD` trigger runs in every build `FROM` it, unseen in the Containerfile.
/// On podman before 4.9.4 / 5.0.1 (CVE-2024-1753) a trigger's `RUN --mount` of a symlink to `/`
/// in another image is the host's root file system: the control (plain podman, as this rig's
/// identity) copies a host file the identity can read to a host folder it can write; through
/// the shim the build is refused (`deny.build-base`) and nothing is written. On a podman with
/// the fix the control writes nothing, and the shim refuses the build all the same: a trigger's
/// other RUN flags leave the build's isolation on every podman (the twenty-sixth look's
/// `--network=host`), so base images with triggers are refused everywhere. Rootful and rootless.
fn onbuild_triggers(mode: Mode) {
    let Some(rig) = Rig::new(mode, "onbuild") else {
        return;
    };
    let dir = rig.dir.path().join("onbuild");
    let (secret, copied) = rig.bait(&dir);
    let context = |name: &str, text: String| rig.containerfile(&dir.join(name), &text);
    let (link, base, child) = (
        rig.image_tag("link"),
        rig.image_tag("base"),
        rig.image_tag("child"),
    );
    let build = build_argv;
    let l = context("link", format!("FROM {IMAGE}\nUSER root\nRUN ln -s / /link\n"));
    let o = rig.run("podman", &build(&["-q", "-t", &link, &l]), None);
    assert!(o.ok(), "{}", o.describe());
    let trigger = format!(
        "ONBUILD RUN --mount=type=bind,from={link},source=/link,target=/h,rw sh -c 'cat /h{} > /h{}; true'",
        secret.display(),
        copied.display()
    );
    let b = context("base", format!("FROM {IMAGE}\nUSER root\n{trigger}\n"));
    let o = rig.run(
        "podman",
        &build(&["-q", "--format", "docker", "-t", &base, &b]),
        None,
    );
    assert!(o.ok(), "{}", o.describe());
    let c = context("child", format!("FROM {base}\nRUN true\n"));
    let build_child = build(&["--no-cache", "-t", &child, &c]);

    let control = rig.run("podman", &build_child, None);
    let reached = std::fs::read_to_string(&copied).unwrap_or_default();
    let label = mode.label();
    if podman_has_the_cve_fix() {
        assert!(
            reached.is_empty(),
            "{label}: the trigger reached the host: {}",
            control.describe()
        );
        let o = rig.run("docker", &build_child, None);
        assert_eq!(o.code, Some(125), "{label}: {}", o.describe());
        assert!(o.stderr.contains("deny.build-base"), "{label}: {}", o.describe());
    } else {
        assert!(
            reached.contains(&rig.tag),
            "{label}: the control's trigger did not reach the host: {}",
            control.describe()
        );
        std::fs::remove_file(&copied).unwrap();
        let o = rig.run("docker", &build_child, None);
        assert_eq!(o.code, Some(125), "{label}: {}", o.describe());
        assert!(o.stderr.contains("deny.build-base"), "{label}: {}", o.describe());
        assert!(!copied.exists(), "{label}: the trigger ran through the shim");
    }
    // podman matches a stage's name case for case: `FROM name` after `AS Name` is the image
    // `name`, whose triggers run (the thirty-third look's: read as the stage, it went unchecked).
    let short = rig.image_tag("short");
    let o = rig.podman(&["tag", &base, &short]);
    assert!(o.ok(), "{label}: {}", o.describe());
    let name = short.trim_start_matches("localhost/").trim_end_matches(":latest");
    let staged = context(
        "staged",
        format!(
            "FROM {IMAGE} AS E{}\nRUN true\nFROM e{}\nRUN true\n",
            &name[1..],
            &name[1..]
        ),
    );
    let o = rig.run(
        "docker",
        &build(&["--no-cache", "-t", &rig.image_tag("staged"), &staged]),
        None,
    );
    assert_eq!(o.code, Some(125), "{label}: {}", o.describe());
    assert!(o.stderr.contains("deny.build-base"), "{label}: {}", o.describe());
    assert!(!copied.exists(), "{label}: the trigger ran through the shim");
}

#[test]
fn a_base_image_s_onbuild_triggers_never_reach_the_host_rootful() {
    onbuild_triggers(Mode::Rootful);
}

#[test]
fn a_base_image_s_onbuild_triggers_never_reach_the_host_rootless() {
    onbuild_triggers(Mode::Rootless);
}

// ------------------------------------------------------------------ verify ---

fn run_verify(rig: &Rig, image: &str) -> Out {
    run_verify_in(rig, image, None)
}

/// `nanoclaw-shim verify --image IMAGE` as root against the rig's policy, with `TMPDIR` when
/// given.
fn run_verify_in(rig: &Rig, image: &str, tmpdir: Option<&Path>) -> Out {
    let mut c = Command::new(*crate::support::BIN);
    c.args(["verify", "--image", image])
        .env_clear()
        .env("PATH", SYSTEM_PATH)
        .env("HOME", "/root")
        .env("NANOCLAW_SHIM_POLICY", rig.bin.join("policy.toml"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(t) = tmpdir {
        c.env("TMPDIR", t);
    }
    if let Some(cc) = ci_env().get("CONTAINERS_CONF") {
        c.env("CONTAINERS_CONF", cc);
    }
    let run = |c: &mut Command| {
        finish(
            c.spawn().unwrap(),
            None,
            Duration::from_secs(300),
            "nanoclaw-shim verify",
        )
    };
    let o = run(&mut c);
    // verify's own short-lived `run -i --rm` checks meet podman's stdout loss too (seen once in
    // ~10 runs): when EVERY failed check failed with exactly that symptom (exit 0, empty
    // stdout), verify runs once more, loudly and counted; anything else stands as it is.
    let lines: Vec<&str> = o.stdout.lines().collect();
    let lost: Vec<&str> = lines
        .windows(2)
        .filter(|w| w[0].contains("[FAIL]"))
        .map(|w| w[1].trim())
        .collect();
    if o.code == Some(1) && !lost.is_empty() && lost.iter().all(|d| *d == "stdout \"\": exit 0") {
        let n = RETRIES.fetch_add(1, Ordering::Relaxed) + 1;
        loud(&format!(
            "RETRIED (e2e stdout-loss retry #{n} in this process, verify): every failed verify check \
             had exit 0 and an EMPTY stdout, podman's known stdout loss on a short-lived \
             `run -i --rm`; running verify once more. Failed checks:\n{}",
            lines
                .iter()
                .filter(|l| l.contains("[FAIL]"))
                .copied()
                .collect::<Vec<_>>()
                .join("\n")
        ));
        return run(&mut c);
    }
    o
}

/// verify can never report green while the browser is broken: in the browser image it passes
/// under the default policy and fails when the policy drops the capability Chromium needs.
#[test]
fn verify_fails_when_the_browser_is_broken_rootful() {
    let Some(rig) = browser_rig(Mode::Rootful, "verify_browser") else {
        return;
    };
    let check = "the browser starts with its own sandbox under the hardening";
    let o = run_verify(&rig, BROWSER_IMAGE);
    assert!(o.stdout.contains(&format!("[PASS] {check}")), "{}", o.describe());
    let policy = rig.bin.join("policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let broken = text.replace("keep_capabilities = [\"SYS_CHROOT\"]", "keep_capabilities = []");
    assert_ne!(
        text, broken,
        "the default policy no longer names keep_capabilities"
    );
    std::fs::write(&policy, broken).unwrap();
    let o = run_verify(&rig, BROWSER_IMAGE);
    assert_ne!(o.code, Some(0), "{}", o.describe());
    assert!(o.stdout.contains(&format!("[FAIL] {check}")), "{}", o.describe());
}

#[test]
fn verify_passes_against_the_fixture_rootful() {
    let Some(rig) = Rig::new(Mode::Rootful, "verify") else {
        return;
    };
    // With a TMPDIR of the caller's own (TROUBLESHOOTING's advice for podman 4.3 builds), which
    // the shim refuses to mount beneath: verify's folder is not there (the eighty-third look's
    // five failed checks).
    let tmpdir = rig.dir.path().join("own-tmp");
    std::fs::create_dir(&tmpdir).unwrap();
    let o = run_verify_in(&rig, IMAGE, Some(&tmpdir));
    let results = o
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Results: "))
        .and_then(|r| r.split_once(" passed"))
        .and_then(|(n, _)| n.split_once('/'))
        .map(|(a, b)| (a.to_string(), b.to_string()));
    assert_eq!(o.code, Some(0), "nanoclaw-shim verify: {}", o.describe());
    match results {
        Some((n, m)) => assert!(n == m && n != "0", "not all checks passed: {}", o.describe()),
        None => panic!("no `Results: N/M passed` line: {}", o.describe()),
    }
    assert!(!o.stdout.contains("[FAIL]"), "{}", o.describe());
    // The container verify created through the shim shows the shim's annotation to inspect.
    assert!(
        o.stdout
            .lines()
            .any(|l| l.contains("[PASS]") && l.contains("the shim's annotation")),
        "{}",
        o.describe()
    );
}

// ------------------------------------------------------------------ the browser image ---
//
// `localhost/nanoclaw-shim-browser:latest` (fixtures/browser-image) is real where a hardening
// policy can break nanoclaw's agent: Debian's Chromium with its own namespace sandbox, SQLite,
// and tini as the image's init. It runs nanoclaw v2's exact argv (`--entrypoint bash ... -c
// 'exec bun run /app/src/index.ts'`, whose `bun` stand-in runs the browser fixture in the mode
// given by BROWSER_MODE).

const BROWSER_IMAGE: &str = "localhost/nanoclaw-shim-browser:latest";
/// CapEff/CapBnd holding CAP_SYS_CHROOT (bit 18) alone.
const SYS_CHROOT_ONLY: &str = "0000000000040000";

/// A rig whose stores hold the browser image too.
fn browser_rig(mode: Mode, test: &str) -> Option<Rig> {
    let rig = Rig::new(mode, test)?;
    let o = rig.podman(&["image", "exists", BROWSER_IMAGE]);
    if o.code != Some(0) {
        return unavailable(
            mode,
            test,
            &format!(
                "the browser image {BROWSER_IMAGE} is not in the {} store ({}); the setup scripts \
                 build it with fixtures/browser-image/build.sh",
                mode.label(),
                o.describe()
            ),
        );
    }
    Some(rig)
}

/// nanoclaw v2's argv running the browser fixture in `mode`, with `opts` before the image.
fn browser_agent(rig: &Rig, root: &str, mode: &str, opts: &[&str]) -> Agent {
    let mut a = rig
        .agent("v2", root, false)
        .with_opts(&["-e", &format!("BROWSER_MODE={mode}")])
        .with_opts(opts);
    let i = a.image_index();
    a.argv[i] = BROWSER_IMAGE.to_string();
    a
}

/// The fixture's `key=value` report, and its `sqlite DIR ...` lines, and the sections.
#[derive(Debug, Default)]
struct BrowserReport {
    kv: HashMap<String, String>,
    sqlite: Vec<String>,
    stderr: String,
}

impl BrowserReport {
    fn get(&self, k: &str) -> &str {
        self.kv.get(k).map_or("", String::as_str)
    }
}

fn browser_report(out: &Out) -> BrowserReport {
    let s = &out.stdout;
    let start = s
        .find("---BROWSER_REPORT---")
        .unwrap_or_else(|| panic!("no browser report on stdout: {}", out.describe()));
    let mut r = BrowserReport::default();
    let mut section = "report";
    for line in s[start..].lines().skip(1) {
        match line {
            "---DOM---" => section = "dom",
            "---CHROMIUM_STDERR---" => section = "stderr",
            "---END---" => break,
            _ => match section {
                "report" => {
                    if line.starts_with("sqlite ") {
                        r.sqlite.push(line.to_string());
                    } else if let Some((k, v)) = line.split_once('=') {
                        r.kv.insert(k.to_string(), v.to_string());
                    }
                }
                "stderr" => {
                    r.stderr.push_str(line);
                    r.stderr.push('\n');
                }
                _ => {}
            },
        }
    }
    r
}

/// A policy for this rig: the repository's default with `allowed_capabilities` replaced.
fn allow_capabilities(rig: &Rig, caps: &str) {
    let p = rig.bin.join("policy.toml");
    let text = std::fs::read_to_string(&p).unwrap();
    let mut replaced = 0;
    let new: String = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("allowed_capabilities") && l.contains('=') {
                replaced += 1;
                format!("allowed_capabilities = {caps}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert_eq!(
        replaced, 1,
        "policy/default.toml should have one `allowed_capabilities = ...` line: update this test"
    );
    std::fs::write(&p, new).unwrap();
}

/// What a working browser run must show (empty = fine). `caps`: the CapEff/CapBnd expected.
fn browser_problems(o: &Out, r: &BrowserReport, caps: &[&str]) -> Vec<String> {
    let mut p = Vec::new();
    if !o.ok() {
        p.push(format!("the agent run failed: {}", o.ending));
    }
    if r.get("chromium_rc") != "0" {
        p.push(format!(
            "Chromium exited {} (sandbox on, no --no-sandbox):\n{}",
            r.get("chromium_rc"),
            r.stderr
        ));
    }
    if r.get("rendered") != "yes" {
        p.push("the page's script did not run: the DOM lacks rendered-by-chromium-42".into());
    }
    // the namespace sandbox puts every renderer in its own PID namespace
    if r.get("sandboxed_renderers").parse::<u32>().unwrap_or(0) == 0 {
        p.push(format!(
            "no renderer in its own PID namespace (sandboxed_renderers={}): the sandbox did not run",
            r.get("sandboxed_renderers")
        ));
    }
    for k in ["cap_eff", "cap_bnd"] {
        if !caps.contains(&r.get(k)) {
            p.push(format!("{k} is {}, expected one of {caps:?}", r.get(k)));
        }
    }
    if r.get("no_new_privs") != "1" {
        p.push(format!("NoNewPrivs is {}", r.get("no_new_privs")));
    }
    if r.get("root_writable") != "no" {
        p.push("the root filesystem is writable".into());
    }
    if r.get("uid") != "1000" {
        p.push(format!(
            "the agent runs as uid {}, expected 1000 (node)",
            r.get("uid")
        ));
    }
    p
}

/// What nanoclaw needs: the browser works under the DEFAULT policy, its sandbox on.
fn browser_default_policy(mode: Mode) {
    let Some(rig) = browser_rig(mode, "browser_default") else {
        return;
    };
    let a = browser_agent(&rig, "default", "render", &[]);
    let o = rig.docker(&a.argv, None);
    let r = browser_report(&o);
    // keeping CAP_SYS_CHROOT (and nothing else) is what the default policy does for Chromium
    let p = browser_problems(&o, &r, &[SYS_CHROOT_ONLY]);
    assert!(p.is_empty(), "{}\n{}", p.join("\n"), o.describe());
}

#[test]
fn browser_renders_with_its_sandbox_under_the_default_policy_rootful() {
    browser_default_policy(Mode::Rootful);
}

#[test]
fn browser_renders_with_its_sandbox_under_the_default_policy_rootless() {
    browser_default_policy(Mode::Rootless);
}

/// The cause, proven: under a policy that allows it, `--cap-add SYS_CHROOT` alone (every other
/// capability still dropped, no-new-privileges, read-only root, limits) makes Chromium's
/// sandbox work; the same argv without it fails in `sys_chroot` as long as the shim drops
/// every capability.
fn browser_sys_chroot(mode: Mode) {
    let Some(rig) = browser_rig(mode, "browser_chroot") else {
        return;
    };
    allow_capabilities(&rig, "[\"SYS_CHROOT\"]");
    let mut failures = Vec::new();
    let a = browser_agent(&rig, "with", "render", &["--cap-add", "SYS_CHROOT"]);
    let o = rig.docker(&a.argv, None);
    let r = browser_report(&o);
    failures.extend(
        browser_problems(&o, &r, &[SYS_CHROOT_ONLY])
            .into_iter()
            .map(|p| format!("with --cap-add SYS_CHROOT: {p}")),
    );
    let a = browser_agent(&rig, "without", "render", &[]);
    let o = rig.docker(&a.argv, None);
    let r = browser_report(&o);
    if checks::caps_empty(r.kv.get("cap_eff")) {
        // today: cap-drop ALL, nothing kept; seccomp then refuses chroot(2)
        if r.get("chromium_rc") == "0" || !r.stderr.contains("sys_chroot") {
            failures.push(format!(
                "without SYS_CHROOT Chromium should fail in sys_chroot (why the policy keeps it); \
                 chromium_rc={} rendered={}:\n{}",
                r.get("chromium_rc"),
                r.get("rendered"),
                r.stderr
            ));
        }
    } else {
        loud(&format!(
            "NOTE (browser_chroot, {}): the shim now keeps {} without --cap-add; the browser \
             must work then: un-ignore browser_renders_with_its_sandbox_under_the_default_policy_*.",
            mode.label(),
            r.get("cap_eff")
        ));
        failures.extend(
            browser_problems(&o, &r, &[SYS_CHROOT_ONLY])
                .into_iter()
                .map(|p| format!("kept by the shim: {p}")),
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn browser_sandbox_needs_only_sys_chroot_rootful() {
    browser_sys_chroot(Mode::Rootful);
}

#[test]
fn browser_sandbox_needs_only_sys_chroot_rootless() {
    browser_sys_chroot(Mode::Rootless);
}

// ------------------------------------------------------------------ graceful stop ---

/// Starts `a` (BROWSER_MODE=idle: PID 1 has no SIGTERM handler, like bun), waits until it is
/// ready, `docker stop -t 1`s it (nanoclaw's pass-stop argv) and returns the exit status of
/// the agent's `docker run` and how long the stop took.
fn stop_idle_agent(rig: &Rig, a: &Agent) -> (Option<i32>, Duration) {
    let child = start_until(rig, a, "---AGENT_READY---", "idle agent");
    let (ended, took) = stop_agent(rig, a, child, Duration::from_secs(60));
    (ended.code, took)
}

/// Starts `a` through the shim and returns its `docker run`, still running, once its stdout
/// has said `ready` (a line); fails the test when it ends first or within [`TIMEOUT`] never
/// says it.
fn start_until(rig: &Rig, a: &Agent, ready: &str, what: &str) -> Child {
    let mut child = rig.spawn_docker(&a.argv);
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(l) if l == ready => return child,
            Ok(_) => {}
            Err(_) => {
                let _ = child.kill();
                let o = finish(child, None, Duration::from_secs(10), what);
                panic!("the {what} never said {ready}: {}", o.describe());
            }
        }
    }
}

/// `docker stop -t 1` of `a` (nanoclaw's pass-stop argv); waits up to `wait` for the agent's
/// `docker run` to end and returns it with how long the stop took.
fn stop_agent(rig: &Rig, a: &Agent, child: Child, wait: Duration) -> (Out, Duration) {
    let mut stop = fixture_argv("pass-stop");
    let n = stop.len();
    stop[n - 1] = a.name.clone();
    let t0 = Instant::now();
    let o = rig.docker(&stop, None);
    assert!(o.ok(), "docker stop: {}", o.describe());
    let ended = finish(child, None, wait, "the stopped agent's docker run");
    (ended, t0.elapsed())
}

/// With an init as PID 1 (the caller's `--init`, or the image's own tini entrypoint) SIGTERM
/// reaches the agent, which ends with its own status (143: SIGTERM), not the runtime's
/// SIGKILL (137).
fn stop_with_init(mode: Mode) {
    let Some(rig) = browser_rig(mode, "stop_init") else {
        return;
    };
    let mut failures = Vec::new();
    let a = browser_agent(&rig, "init", "idle", &["--init"]);
    let (code, took) = stop_idle_agent(&rig, &a);
    if code != Some(143) {
        failures.push(format!(
            "nanoclaw v2 argv + --init: exit {code:?} after {took:?}, expected 143 promptly"
        ));
    }
    // the image's entrypoint (tini), as a plain `docker run` would use it
    let name = rig.unique("tini");
    let plain = Agent {
        fixture: "plain".into(),
        argv: strs(&[
            "run",
            "--rm",
            "--name",
            &name,
            "-e",
            "BROWSER_MODE=idle",
            BROWSER_IMAGE,
        ]),
        name,
        user: None,
        mounts: Vec::new(),
    };
    let (code, took) = stop_idle_agent(&rig, &plain);
    if code != Some(143) {
        failures.push(format!(
            "the image's tini entrypoint: exit {code:?} after {took:?}, expected 143 promptly"
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn stop_is_graceful_with_an_init_rootful() {
    stop_with_init(Mode::Rootful);
}

#[test]
fn stop_is_graceful_with_an_init_rootless() {
    stop_with_init(Mode::Rootless);
}

/// nanoclaw's own argv overrides the entrypoint (bypassing the image's tini) and, before Aug
/// 2026, passes no `--init`: the agent is PID 1, the kernel drops SIGTERM, and `stop -t 1`
/// SIGKILLs it (137). `strict` asserts what nanoclaw needs (143); otherwise this asserts
/// today's behaviour while the shim adds no `--init`, and the needed one once it does.
fn stop_entrypoint_overridden(mode: Mode, strict: bool) {
    let Some(rig) = browser_rig(mode, "stop_override") else {
        return;
    };
    let a = browser_agent(&rig, "override", "idle", &[]);
    let shim_adds_init = rig
        .requested(&a)
        .iter()
        .any(|t| t == "--init" || t == "--init=true");
    let (code, took) = stop_idle_agent(&rig, &a);
    if strict || shim_adds_init {
        // 143: SIGTERM reached the agent. (137 would be SIGKILL after the grace period.) How
        // long podman takes to stop is not asserted: it is minutes on a loaded machine.
        assert!(
            code == Some(143),
            "nanoclaw v2 argv (entrypoint overridden, no --init): exit {code:?} after {took:?}, \
             expected the agent's own 143 (shim adds --init: {shim_adds_init})"
        );
    } else {
        assert_eq!(
            code,
            Some(137),
            "today the shim adds no --init, so the agent as PID 1 ignores SIGTERM and is killed \
             (137); got {code:?} after {took:?}"
        );
        loud(&format!(
            "KNOWN SHIM LIMITATION (stop_override, {}): nanoclaw's entrypoint-overriding argv \
             without --init is SIGKILLed by `docker stop -t 1` (exit 137 after {took:?}); \
             needs shim change: add --init when the caller overrides the entrypoint and sets no \
             --init. Strict test: stop_is_graceful_when_nanoclaw_overrides_the_entrypoint_*.",
            mode.label()
        ));
    }
}

#[test]
fn stop_is_graceful_when_nanoclaw_overrides_the_entrypoint_rootful() {
    stop_entrypoint_overridden(Mode::Rootful, true);
}

#[test]
fn stop_is_graceful_when_nanoclaw_overrides_the_entrypoint_rootless() {
    stop_entrypoint_overridden(Mode::Rootless, true);
}

// ------------------------------------------------------------------ SQLite on the mounts ---

/// The agent's SQLite databases (WAL mode, like the runner's) on every read-write bind mount of
/// nanoclaw v2's argv: written, readable again by the next run, and on the host with the owner
/// the host user can use.
fn sqlite_on_mounts(mode: Mode) {
    let Some(rig) = browser_rig(mode, "sqlite") else {
        return;
    };
    let mut failures = Vec::new();
    let mut mounts = Vec::new();
    for round in 1..=2 {
        let a = browser_agent(&rig, "db", "sqlite", &[]);
        let o = rig.docker(&a.argv, None);
        let r = browser_report(&o);
        if !o.ok() {
            failures.push(format!("round {round}: {}", o.describe()));
            break;
        }
        let rw: Vec<&Mount> = a
            .mounts
            .iter()
            .filter(|m| !m.ro && PROBED.contains(&m.target.as_str()))
            .collect();
        for m in &rw {
            let want = format!("sqlite {} rc=0 wal|{round}|ok", m.target);
            if !r.sqlite.contains(&want) {
                failures.push(format!(
                    "round {round}: {}: expected `{want}`, got {:?}",
                    m.target, r.sqlite
                ));
            }
        }
        mounts = rw.into_iter().cloned().collect();
    }
    let owner = match (&rig.user, rig.mode) {
        (Some(u), Mode::Rootless) => u.uid,
        _ => 1000,
    };
    for m in &mounts {
        let db = m.host.join("agent.db");
        match std::fs::read(&db) {
            Ok(b) if b.starts_with(b"SQLite format 3\0") => {
                let uid = std::fs::metadata(&db).map(|md| md.uid()).unwrap_or(u32::MAX);
                if uid != owner {
                    failures.push(format!("{} belongs to uid {uid}, expected {owner}", db.display()));
                }
            }
            Ok(_) => failures.push(format!("{} is not an SQLite database", db.display())),
            Err(e) => failures.push(format!("{}: {e}", db.display())),
        }
    }
    if mounts.is_empty() {
        failures.push("no read-write bind mount was probed".into());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sqlite_writes_on_the_bind_mounts_rootful() {
    sqlite_on_mounts(Mode::Rootful);
}

#[test]
fn sqlite_writes_on_the_bind_mounts_rootless() {
    sqlite_on_mounts(Mode::Rootless);
}
