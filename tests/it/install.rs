//! install.sh, end to end: runs the script against the built binary with HOME and
//! XDG_CONFIG_HOME inside a temporary directory, then checks what landed on disk, that the
//! installed `docker` symlink really is the shim, that a second run changes nothing, and that
//! `--uninstall` removes exactly what was installed.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{BIN, ok, text};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn have_sh() -> bool {
    if Path::new("/bin/sh").exists() {
        return true;
    }
    eprintln!("skipped: /bin/sh is missing, install.sh cannot run here");
    false
}

/// A throwaway HOME with its own XDG_CONFIG_HOME.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let s = Sandbox {
            dir: tempfile::tempdir().unwrap(),
        };
        fs::create_dir_all(s.home()).unwrap();
        fs::create_dir_all(s.path("tmp")).unwrap();
        s
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn home(&self) -> PathBuf {
        self.path("home")
    }
    fn xdg(&self) -> PathBuf {
        self.path("xdg")
    }
    fn bin(&self) -> PathBuf {
        self.home().join(".local/bin/nanoclaw-shim")
    }
    fn shim_dir(&self) -> PathBuf {
        self.home().join(".local/lib/nanoclaw-shim/bin")
    }
    fn manifest(&self) -> PathBuf {
        self.home().join(".local/lib/nanoclaw-shim/installed.txt")
    }
    fn policy(&self) -> PathBuf {
        self.xdg().join("nanoclaw-shim/policy.toml")
    }
    fn dropin(&self) -> PathBuf {
        self.home()
            .join(".config/systemd/user/nanoclaw.service.d/nanoclaw-shim.conf")
    }

    /// Runs `sh SCRIPT ARGS` in a clean environment that points only into the sandbox.
    fn run_script(&self, script: &Path, args: &[&str], extra_env: &[(&str, &Path)]) -> Output {
        let mut cmd = Command::new("/bin/sh");
        cmd.arg(script)
            .args(args)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.xdg())
            .env("TMPDIR", self.path("tmp"))
            .current_dir(self.dir.path());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    fn install(&self, args: &[&str]) -> Output {
        let mut all = vec!["--binary", *BIN];
        all.extend_from_slice(args);
        self.run_script(&repo().join("install.sh"), &all, &[])
    }
}

/// Fails with exactly one line on stderr; returns it.
#[track_caller]
fn fails(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "expected failure, got success:\n{}",
        text(&out.stdout)
    );
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "expected one line on stderr, got:\n{err}");
    err
}

/// Every entry under `root`: kind, mode, contents or link target, and a file's mtime (so a
/// rewrite with the same bytes still counts as a change). Directory mtimes are left out.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            let meta = fs::symlink_metadata(&path).unwrap();
            let mode = meta.permissions().mode() & 0o7777;
            let desc = if meta.file_type().is_symlink() {
                format!("link -> {}", fs::read_link(&path).unwrap().display())
            } else if meta.is_dir() {
                walk(root, &path, out);
                format!("dir {mode:o}")
            } else {
                let bytes = fs::read(&path).unwrap();
                format!(
                    "file {mode:o} {} bytes, mtime {}.{}, hash {:x}",
                    bytes.len(),
                    meta.mtime(),
                    meta.mtime_nsec(),
                    fnv(&bytes)
                )
            };
            out.insert(rel, desc);
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

/// A runtime stand-in: prints each argument on its own line.
fn fake_runtime(sandbox: &Sandbox) -> PathBuf {
    let path = sandbox.path("fake-podman");
    fs::write(
        &path,
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n",
    )
    .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Runs the installed `docker` (through the shim folder on PATH) with `args`.
fn docker(sandbox: &Sandbox, args: &[&str]) -> Output {
    let path = format!("{}:/usr/bin:/bin", sandbox.shim_dir().display());
    Command::new("docker")
        .args(args)
        .env_clear()
        .env("PATH", path)
        .env("HOME", sandbox.home())
        .env("XDG_CONFIG_HOME", sandbox.xdg())
        .env("NANOCLAW_SHIM_RUNTIME", fake_runtime(sandbox))
        .output()
        .unwrap()
}

#[test]
fn user_install_is_idempotent_and_uninstall_removes_exactly_it() {
    if !have_sh() {
        return;
    }
    let s = Sandbox::new();
    // unrelated files in the same folders, before and after the install
    let unrelated_before = [
        s.home().join(".local/bin/other-tool"),
        s.home().join(".local/lib/other/lib.so"),
        s.xdg().join("other-app/config"),
    ];
    for f in &unrelated_before {
        fs::create_dir_all(f.parent().unwrap()).unwrap();
        fs::write(f, "not nanoclaw-shim's").unwrap();
    }

    let out = ok(&s.install(&[]));
    assert!(
        out.lines()
            .any(|l| l == r#"export PATH="$HOME/.local/lib/nanoclaw-shim/bin:$PATH""#),
        "the PATH line is missing:\n{out}"
    );

    // the files, and the docker symlink resolving to the installed binary
    assert_eq!(fs::read(s.bin()).unwrap(), fs::read(*BIN).unwrap());
    assert_eq!(fs::metadata(s.bin()).unwrap().permissions().mode() & 0o777, 0o755);
    let link = s.shim_dir().join("docker");
    assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(
        fs::canonicalize(&link).unwrap(),
        fs::canonicalize(s.bin()).unwrap()
    );
    let in_shim_dir: Vec<_> = fs::read_dir(s.shim_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(in_shim_dir, ["docker"], "the shim folder must hold only docker");
    assert_eq!(
        fs::read_to_string(s.policy()).unwrap(),
        fs::read_to_string(repo().join("policy/default.toml")).unwrap()
    );
    assert!(s.manifest().is_file());

    // the installed docker is the shim: passes --version through, hardens run
    let v = docker(&s, &["--version"]);
    assert!(v.status.success(), "docker --version: {}", text(&v.stderr));
    assert_eq!(text(&v.stdout), "--version\n");
    let r = docker(&s, &["run", "--rm", "alpine", "true"]);
    assert!(r.status.success(), "docker run: {}", text(&r.stderr));
    let argv = text(&r.stdout);
    for expected in ["run", "--read-only", "--cap-drop=ALL", "alpine", "true"] {
        assert!(
            argv.lines().any(|l| l == expected),
            "{expected} missing from:\n{argv}"
        );
    }
    // and it reads the installed policy
    let show = Command::new(s.bin())
        .args(["policy", "show"])
        .env_clear()
        .env("HOME", s.home())
        .env("XDG_CONFIG_HOME", s.xdg())
        .output()
        .unwrap();
    assert!(
        text(&show.stdout).starts_with(&format!("# policy in force: {}", s.policy().display())),
        "{}",
        text(&show.stdout)
    );

    // a second run succeeds and changes nothing
    let before = snapshot(s.dir.path());
    let again = ok(&s.install(&[]));
    assert!(again.contains("unchanged"), "{again}");
    assert_eq!(before, snapshot(s.dir.path()), "a second install changed files");

    // an edited policy survives a re-install
    let edited = fs::read_to_string(s.policy())
        .unwrap()
        .replace("pids = 256", "pids = 128");
    assert!(edited.contains("pids = 128"));
    fs::write(s.policy(), &edited).unwrap();
    ok(&s.install(&[]));
    assert_eq!(fs::read_to_string(s.policy()).unwrap(), edited);

    // a file someone puts into the shim folder afterwards is not ours either
    let unrelated_after = s.shim_dir().join("notes.txt");
    fs::write(&unrelated_after, "mine").unwrap();

    let out = ok(&s.run_script(&repo().join("install.sh"), &["--uninstall"], &[]));
    assert!(!s.bin().exists());
    assert!(fs::symlink_metadata(&link).is_err(), "docker symlink left behind");
    assert!(!s.manifest().exists());
    assert_eq!(
        fs::read_to_string(s.policy()).unwrap(),
        edited,
        "edited policy removed"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("kept") && l.contains(&*s.policy().to_string_lossy())),
        "uninstall should say it kept the edited policy:\n{out}"
    );
    for f in &unrelated_before {
        assert_eq!(fs::read_to_string(f).unwrap(), "not nanoclaw-shim's", "{f:?}");
    }
    assert_eq!(fs::read_to_string(&unrelated_after).unwrap(), "mine");

    // uninstalling twice is fine
    let twice = ok(&s.run_script(&repo().join("install.sh"), &["--uninstall"], &[]));
    assert!(twice.contains("nothing to uninstall"), "{twice}");
}

#[test]
fn install_then_uninstall_leaves_the_tree_as_it_was() {
    if !have_sh() {
        return;
    }
    let s = Sandbox::new();
    for f in [".local/bin/tool", ".config/systemd/user/other.service"] {
        let p = s.home().join(f);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, "x").unwrap();
    }
    let before = snapshot(s.dir.path());
    ok(&s.install(&["--systemd-unit", "nanoclaw"]));
    assert!(s.dropin().is_file() && s.policy().is_file());
    ok(&s.run_script(
        &repo().join("install.sh"),
        &["--uninstall", "--systemd-unit", "nanoclaw"],
        &[],
    ));
    let after = snapshot(s.dir.path());
    // shared folders the install had to create (~/.local/lib, XDG_CONFIG_HOME) may stay, empty
    let extra: Vec<_> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert!(
        extra
            .iter()
            .all(|k| [Path::new("home/.local/lib"), Path::new("xdg")].contains(&k.as_path())),
        "left behind: {extra:?}"
    );
    for (k, v) in &before {
        let now = after.get(k);
        if v.starts_with("dir") {
            assert!(now.is_some_and(|n| n.starts_with("dir")), "{k:?} gone");
        } else {
            assert_eq!(now, Some(v), "{k:?} changed");
        }
    }
}

#[test]
fn systemd_dropin_puts_the_shim_folder_first() {
    if !have_sh() {
        return;
    }
    let s = Sandbox::new();
    // without a unit file: nanoclaw's default PATH
    ok(&s.install(&["--systemd-unit", "nanoclaw"]));
    let dropin = fs::read_to_string(s.dropin()).unwrap();
    let expected = format!(
        "Environment=PATH={}:/usr/local/bin:/usr/bin:/bin:{}/.local/bin",
        s.shim_dir().display(),
        s.home().display()
    );
    assert!(dropin.contains("[Service]\n"), "{dropin}");
    assert!(
        dropin.lines().any(|l| l == expected),
        "{dropin}\nexpected {expected}"
    );

    // with nanoclaw's unit present: its own PATH, shim folder in front
    let unit = s.home().join(".config/systemd/user/nanoclaw.service");
    fs::write(
        &unit,
        "[Service]\nExecStart=/usr/bin/node dist/index.js\nEnvironment=HOME=/h\n\
         Environment=PATH=/usr/local/bin:/usr/bin:/bin:/opt/node/bin\n",
    )
    .unwrap();
    let out = ok(&s.install(&["--systemd-unit", "nanoclaw.service"]));
    assert!(out.contains("systemctl --user daemon-reload"), "{out}");
    let dropin = fs::read_to_string(s.dropin()).unwrap();
    let expected = format!(
        "Environment=PATH={}:/usr/local/bin:/usr/bin:/bin:/opt/node/bin",
        s.shim_dir().display()
    );
    assert!(
        dropin.lines().any(|l| l == expected),
        "{dropin}\nexpected {expected}"
    );

    ok(&s.run_script(
        &repo().join("install.sh"),
        &["--uninstall", "--systemd-unit", "nanoclaw"],
        &[],
    ));
    assert!(!s.dropin().exists());
    assert!(!s.dropin().parent().unwrap().exists());
    assert!(unit.is_file(), "nanoclaw's own unit must stay");
}

#[test]
fn system_install_into_destdir() {
    if !have_sh() {
        return;
    }
    let s = Sandbox::new();
    let root = s.path("root");
    let script = repo().join("install.sh");
    let sys = |args: &[&str]| s.run_script(&script, args, &[("DESTDIR", &root)]);
    ok(&sys(&["--system", "--binary", *BIN]));
    let bin = root.join("usr/local/bin/nanoclaw-shim");
    let link = root.join("usr/local/bin/docker");
    assert_eq!(fs::read(&bin).unwrap(), fs::read(*BIN).unwrap());
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("nanoclaw-shim"));
    assert!(root.join("etc/nanoclaw-shim/policy.toml").is_file());
    assert!(root.join("usr/local/lib/nanoclaw-shim/installed.txt").is_file());
    let before = snapshot(&root);
    ok(&sys(&["--system", "--binary", *BIN]));
    assert_eq!(before, snapshot(&root));

    ok(&sys(&["--system", "--uninstall"]));
    assert!(fs::symlink_metadata(&link).is_err() && !bin.exists());
    assert!(!root.join("etc/nanoclaw-shim").exists());
    ok(&sys(&["--system", "--uninstall"]));

    // a docker that is not ours is never replaced
    fs::write(&link, "#!/bin/sh\n").unwrap();
    let err = fails(&sys(&["--system", "--binary", *BIN]));
    assert!(err.contains("not nanoclaw-shim's symlink"), "{err}");
    assert_eq!(fs::read_to_string(&link).unwrap(), "#!/bin/sh\n");
}

#[test]
fn errors_are_one_line_and_dry_run_changes_nothing() {
    if !have_sh() {
        return;
    }
    let s = Sandbox::new();
    let script = repo().join("install.sh");
    let err = fails(&s.run_script(&script, &["--bogus"], &[]));
    assert!(err.contains("--bogus"), "{err}");
    fails(&s.run_script(&script, &["--binary"], &[]));
    fails(&s.run_script(&script, &["--binary", "/nonexistent/nanoclaw-shim"], &[]));
    let err = fails(&s.install(&["--system", "--prefix", "/opt"]));
    assert!(err.contains("--system"), "{err}");
    // a binary that is not nanoclaw-shim
    let err = fails(&s.run_script(&script, &["--binary", "/bin/sh"], &[]));
    assert!(err.contains("not a nanoclaw-shim binary"), "{err}");
    if nanoclaw_shim::process::euid() != 0 {
        let err = fails(&s.install(&["--system", "--dry-run"]));
        assert!(err.contains("root"), "{err}");
    }
    let help = ok(&s.run_script(&script, &["--help"], &[]));
    assert!(help.contains("--uninstall"));

    let before = snapshot(s.dir.path());
    let out = ok(&s.install(&["--dry-run", "--systemd-unit", "nanoclaw"]));
    assert_eq!(before, snapshot(s.dir.path()), "--dry-run changed files");
    // it says what it would do, never that it did it
    assert!(
        out.lines()
            .any(|l| l.starts_with("would install") && l.contains(&*s.bin().to_string_lossy())),
        "{out}"
    );
    for done in ["installed", "linked", "created", "updated"] {
        assert!(
            !out.lines()
                .any(|l| l.starts_with(done) || l.contains(&format!(" {done}."))),
            "--dry-run says `{done}`:\n{out}"
        );
    }
    assert!(out.contains("Dry run: nothing was changed"), "{out}");
}

#[test]
fn warns_when_the_bin_folder_is_not_on_path() {
    if !have_sh() {
        return;
    }
    let s = Sandbox::new();
    let o = s.install(&[]);
    ok(&o);
    let err = text(&o.stderr);
    let bin_dir = s.home().join(".local/bin");
    assert!(
        err.contains(&format!("{} is not on your PATH", bin_dir.display())),
        "{err}"
    );
    let path = format!("{}:/usr/bin:/bin", bin_dir.display());
    let o = s.run_script(
        &repo().join("install.sh"),
        &["--binary", *BIN],
        &[("PATH", Path::new(&path))],
    );
    ok(&o);
    assert!(
        !text(&o.stderr).contains("not on your PATH"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn with_a_systemd_unit_there_is_no_run_script_to_edit() {
    if !have_sh() {
        return;
    }
    let s = Sandbox::new();
    let out = ok(&s.install(&["--systemd-unit", "nanoclaw"]));
    assert!(s.dropin().is_file());
    assert!(out.contains("systemctl --user daemon-reload"), "{out}");
    assert!(!out.contains("run script"), "{out}");
    assert!(!out.contains("export PATH="), "{out}");
}

#[test]
fn uninstall_says_what_it_leaves_and_where() {
    if !have_sh() {
        return;
    }
    let s = Sandbox::new();
    ok(&s.install(&[]));
    let log = s.home().join(".local/state/nanoclaw-shim/decisions.jsonl");
    let policy = fs::read_to_string(s.policy()).unwrap()
        + &format!("\n[log]\npath = {:?}\n", log.display().to_string());
    fs::write(s.policy(), policy).unwrap();
    let out = ok(&s.run_script(&repo().join("install.sh"), &["--uninstall"], &[]));
    assert!(out.contains("Left in place"), "{out}");
    assert!(
        out.contains(&*log.to_string_lossy()),
        "the log path is not named:\n{out}"
    );
    assert!(
        out.contains(&format!("{}/.cache/nanoclaw-shim/", s.home().display())),
        "the cache is not named:\n{out}"
    );
}

#[test]
fn outside_the_repo_the_policy_comes_from_the_binary() {
    if !have_sh() {
        return;
    }
    if Path::new("/etc/nanoclaw-shim/policy.toml").exists() {
        eprintln!("skipped: /etc/nanoclaw-shim/policy.toml shadows the built-in policy here");
        return;
    }
    let s = Sandbox::new();
    let lone = s.path("download/install.sh");
    fs::create_dir_all(lone.parent().unwrap()).unwrap();
    fs::copy(repo().join("install.sh"), &lone).unwrap();
    ok(&s.run_script(&lone, &["--binary", *BIN], &[]));
    let policy = fs::read_to_string(s.policy()).unwrap();
    assert!(
        policy.contains("[limits]") && policy.contains("read_only = true"),
        "{policy}"
    );
    let check = Command::new(*BIN)
        .args(["policy", "check"])
        .arg(s.policy())
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", text(&check.stdout));
    ok(&s.run_script(&lone, &["--uninstall"], &[]));
    assert!(!s.policy().exists());
}

#[test]
fn completions_and_man_pages_are_installed_and_uninstalled() {
    if !have_sh() {
        return;
    }
    let s = Sandbox::new();
    let out = ok(&s.install(&[]));
    let share = s.home().join(".local/share");
    let files = [
        "bash-completion/completions/nanoclaw-shim",
        "zsh/site-functions/_nanoclaw-shim",
        "fish/vendor_completions.d/nanoclaw-shim.fish",
        "man/man1/nanoclaw-shim.1",
        "man/man1/nanoclaw-shim-explain.1",
        "man/man1/nanoclaw-shim-log.1",
    ];
    for f in files {
        let p = share.join(f);
        let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}\n{out}", p.display()));
        assert!(text.contains("nanoclaw"), "{}", p.display());
    }
    let bash = fs::read_to_string(share.join(files[0])).unwrap();
    let generated = Command::new(*BIN).args(["completions", "bash"]).output().unwrap();
    assert_eq!(bash.as_bytes(), &generated.stdout[..]);
    // a dry run over an existing install reports every folder at most once
    let dry = ok(&s.install(&["--dry-run"]));
    assert!(!dry.contains("would create"), "{dry}");
    ok(&s.run_script(&repo().join("install.sh"), &["--uninstall"], &[]));
    for f in files {
        assert!(!share.join(f).exists(), "{f} left behind");
    }
    assert!(
        !share.exists(),
        "the share folders the install created are left behind"
    );
}
