//! The default-deny corpus: an attacker's-eye list of invocations, each across one of the
//! security classes, asserting the rule that refuses it (or the setting that neutralises it),
//! and close-but-legitimate look-alikes that must run with nothing changed but the hardening.
//!
//! The host is a fake but real one: a home directory for a non-root user (`alice`) with real
//! credential files, shell start-up files and a nanoclaw checkout holding a project `.env`, so
//! the path checks resolve real files. The caller's working directory is the checkout, as for
//! nanoclaw.

use std::ffi::OsString;
use std::path::PathBuf;

use nanoclaw_shim::deny::HostCtx;
use nanoclaw_shim::policy::{self, Policy};
use nanoclaw_shim::rewrite::{self, Decision, Flavor, Plan, Target};

struct Host {
    _dir: tempfile::TempDir,
    home: PathBuf,
}

fn host() -> Host {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home/alice");
    for sub in [
        ".ssh",
        ".aws",
        ".kube",
        ".docker",
        ".config/systemd/user",
        ".config/gh",
        ".local/bin",
        ".local/share/containers",
        "nanoclaw/groups/main",
        "nanoclaw/groups/global",
        "nanoclaw/data/v2-sessions/ag1/sess1",
        "nanoclaw/container/agent-runner/src",
        "nanoclaw/bin",
        "nanoclaw/store",
        "projects/site",
        "projects/site/.git/hooks",
        "projects/bare.git/objects",
        "projects/bare.git/refs",
        "projects/hgrepo/.hg",
        "tools",
        "pol",
        "logs",
        ".claude",
        "nanoclaw/store/auth",
        ".nvm/versions/node/v22/bin",
        ".cargo/bin",
        ".local/share/fonts",
        ".config/some-tool",
        "projects/site/.github",
        "projects/crashed",
        "projects/lib/core",
    ] {
        std::fs::create_dir_all(home.join(sub)).unwrap();
    }
    std::fs::create_dir_all(home.join("nanoclaw/groups/main")).unwrap();
    std::fs::write(
        home.join("nanoclaw/groups/main/agent.env"),
        "# the agent's\nTZ=UTC\n",
    )
    .unwrap();
    std::fs::write(home.join("tools/agent.env"), "LANG=C.UTF-8\n").unwrap();
    std::fs::write(home.join("tools/labels"), "team=agents\n").unwrap();
    std::fs::write(home.join("nanoclaw/wild.env"), "TZ=UTC\nANTH*\n").unwrap();
    std::fs::write(home.join("nanoclaw/bare.env"), "TZ=UTC\n  HOME\n").unwrap();
    for file in [
        ".bashrc",
        ".profile",
        ".netrc",
        ".npmrc",
        ".gitconfig",
        ".ssh/id_ed25519",
        ".aws/credentials",
        "nanoclaw/.env",
        "nanoclaw/package.json",
        "nanoclaw/bin/ncl",
        "nanoclaw/pnpm-lock.yaml",
        "nanoclaw/AGENTS.md",
        "nanoclaw/.env.example",
        "nanoclaw/groups/main/CLAUDE.md",
        "projects/site/index.html",
        "projects/site/.eslintrc.json",
        ".unknown-tool-login",
        "claude-notes",
        "projects/bare.git/HEAD",
        "projects/bare.git/config",
        "projects/hgrepo/.hg/hgrc",
        "tools/nanoclaw-shim",
        "pol/policy.toml",
        ".claude/.credentials.json",
        ".bash_aliases",
        "nanoclaw/store/auth/creds.json",
        "projects/crashed/core",
        "projects/crashed/core.4242",
    ] {
        std::fs::write(home.join(file), "x").unwrap();
    }
    Host { _dir: dir, home }
}

fn target(h: &Host) -> Target {
    let mut t = Target::fixed(Flavor::Podman, false, Some((4, 3, 1)));
    t.host = HostCtx {
        cwd: Some(h.home.join("nanoclaw")),
        home: Some(h.home.clone()),
        own_files: vec![
            h.home.join(".local/bin/nanoclaw-shim"),
            h.home.join("tools/nanoclaw-shim"),
            h.home.join("pol/policy.toml"),
            h.home.join("logs/decisions.jsonl"),
        ],
        ..Default::default()
    };
    t
}

fn expand(h: &Host, words: &[&str]) -> Vec<OsString> {
    let home = h.home.display().to_string();
    let proj = h.home.join("nanoclaw").display().to_string();
    words
        .iter()
        .map(|w| w.replace("{proj}", &proj).replace("~", &home).into())
        .collect()
}

fn plan(h: &Host, words: &[&str]) -> Plan {
    rewrite::plan(&expand(h, words), &Policy::default(), &target(h))
}

/// Invocations the default policy refuses, with the rule that must be named first.
fn refused() -> Vec<(Vec<&'static str>, &'static str)> {
    let mut v: Vec<(Vec<&str>, &str)> = Vec::new();
    let mut add = |words: &[&'static str], rule: &'static str| v.push((words.to_vec(), rule));
    // Credentials, even read-only, in every mount spelling.
    for src in [
        "~/.ssh",
        "~/.ssh/id_ed25519",
        "~/.aws",
        "~/.aws/credentials",
        "~/.kube",
        "~/.docker",
        "~/.netrc",
        "~/.npmrc",
        "~/.config/gh",
        "~/.config/gcloud",
        "~/.azure",
        "~/.git-credentials",
        "~/.password-store",
        "~/.local/share/keyrings",
        "~/.pgpass",
        "~/.vault-token",
        "~/.pypirc",
        "~/.gnupg",
        "{proj}/.env",
        "/srv/app/.env.production",
        "/srv/app/config/credentials",
        "/srv/keys/id_rsa",
        "/srv/keys/private_key.pem",
        "/srv/app/.secret",
        // AI tools' token stores, and the others the first corpus missed.
        "~/.claude",
        "~/.claude/.credentials.json",
        "~/.claude.json",
        "~/.codex",
        "~/.config/rclone",
        "~/.mozilla",
        "~/.m2/settings.xml",
        "{proj}/store/auth",
        "{proj}/store/auth/creds.json",
        // Other users' homes and what holds them (the red team's: `-v /home:/h:ro --user 1001`
        // read another user's 0600 key on rootful podman).
        "/home/bob",
        "/home/bob/.ssh/id_ed25519",
        "/home",
        "~/.bash_history",
        "{proj}/.zsh_history",
        "/srv/app/.credentials.json",
        // Review 3: container storage (other agents' environment, podman's secrets) and the
        // system's copies of password files, mail and crontabs; `/var/lib` with them.
        "/var/lib/containers",
        "/var/lib/containers/storage",
        "/var/lib/containers/storage/libpod/bolt_state.db",
        "~/.local/share/containers",
        "~/.local/share/containers/storage/secrets",
        "/var/lib",
        "/var/lib/docker",
        "/var/backups",
        "/var/mail",
        "/var/spool/cron",
        // The thirty-second pass's look: crashed processes' memory and the volatile journal,
        // readable to the crashing user's uid.
        "/var/lib/systemd/coredump",
        "/var/lib/systemd/coredump/core.node.1000.zst",
        "/run/log/journal",
        "/var/crash",
        "/var/lib/apport/coredump",
        "/var/lib/sss/db",
        "/var/kerberos/krb5kdc",
        "/var/lib/ldap",
        // The forty-ninth look's: folders that were host-exec only now hold credentials too
        // (pip's index logins, VS Code's secret storage), refused even read-only; and the
        // system's secret stores.
        "~/.config/pip",
        "~/.config/Code",
        "/var/lib/incus",
        "/var/lib/tailscale",
        "/var/lib/kubelet/pki",
        "/var/lib/postgresql/15/main",
        "/run/secrets",
        "/var/log",
        "/swapfile",
        // The hundred-and-twenty-eighth look's: model tools' keys, Jupyter's kernels, MCP
        // clients, curl's start-up file, direnv's.
        "~/.config/io.datasette.llm/keys.json",
        "~/.config/aichat/config.yaml",
        "~/.aider.oauth-keys.env",
        "~/.local/share/jupyter/runtime",
        "~/.cursor/mcp.json",
        // The hundred-and-twenty-ninth look's.
        "~/.cache/huggingface/stored_tokens",
        "~/.Xauthority",
        "~/.google_authenticator",
        "~/.erlang.cookie",
        "~/.smbcredentials",
        "~/.config/JetBrains",
        "/tmp/krb5cc_1000",
        // The hundred-and-thirty-third look's: snap apps' dotfiles, LXD's client key.
        "~/snap/telegram-desktop/current/.local/share/TelegramDesktop",
        "~/.config/lxc/client.key",
        "~/.curlrc",
        "~/.dockercfg",
        "{proj}/.envrc",
    ] {
        let ro = Box::leak(format!("{src}:/x:ro").into_boxed_str());
        let mount = Box::leak(format!("type=bind,src={src},dst=/x,readonly").into_boxed_str());
        let rw = Box::leak(format!("{src}:/x").into_boxed_str());
        add(&["run", "-v", ro, "img"], "deny.credentials");
        add(&["run", "--mount", mount, "img"], "deny.credentials");
        add(&["create", "--volume", rw, "img"], "deny.credentials");
    }
    // A directory holding a credential at its top, not shadowed.
    add(
        &["run", "-v", "{proj}:/workspace/project:ro", "img"],
        "deny.credentials",
    );
    add(&["run", "-v", "~:/h:ro", "img"], "deny.sensitive-mount");
    // Review 3: host services' sockets (a read-only mount does not stop connect(2)), and the
    // directories holding them.
    for src in [
        "/tmp",
        "/tmp/tmux-1002",
        "/tmp/tmux-1002/default",
        "/tmp/ssh-XYZ123/agent.4242",
        "/tmp/.X11-unix",
        "/tmp/dbus-abc",
        "/tmp/emacs1000",
        "/tmp/vscode-ipc-1.sock",
        "/tmp/podman-run-1002",
        "/tmp/systemd-private-abc-nginx.service-x",
        "/tmp/.s.PGSQL.5432",
        "/run/user/1000",
        "/run/user/1000/bus",
        "/run/user/1000/gnupg/S.gpg-agent",
        "/run/dbus/system_bus_socket",
        "/run/systemd/private",
    ] {
        let ro = Box::leak(format!("{src}:/x:ro").into_boxed_str());
        add(&["run", "-v", ro, "img"], "deny.sensitive-mount");
    }
    // Parents of credential stores expose them.
    add(&["run", "-v", "~/.local:/x", "img"], "deny.credentials");
    add(
        &["run", "-v", "~/.config/containers:/x:ro", "img"],
        "deny.credentials",
    );
    // Host code execution when writable.
    for src in [
        "~/.bashrc",
        "~/.profile",
        "~/.gitconfig",
        "~/.config/systemd/user",
        "~/.config/systemd",
        "~/.local/lib",
        "~/.local/bin",
        "~/.config/autostart",
        "~/.config/environment.d",
        "~/.zshrc",
        "~/.config/fish",
        "~/.config/nanoclaw",
        "~/.config/containers/storage.conf",
        "/usr/local/bin",
        "/usr",
        "/opt",
        "/lib64",
        "/bin",
        // What the shells' start-up files source, editors run, and the tool chains on PATH.
        "~/.bash_aliases",
        "~/.bashrc.d",
        "~/.oh-my-zsh",
        "~/.vimrc",
        "~/.config/nvim",
        "~/.emacs.d",
        "~/.tmux.conf",
        "~/.nvm",
        "~/.nvm/versions/node/v22/bin",
        "~/.cargo/bin",
        "~/.bun",
        "~/.node_modules",
        "~/go/bin",
        // Review 3: package caches and tool homes, editors' servers, shells and desktops.
        "~/.npm",
        "~/.npm/_npx",
        "~/.m2/repository",
        "~/.gradle/init.d",
        "~/go/pkg",
        "~/.cache/ms-playwright",
        "~/.yarnrc",
        "~/.bunfig.toml",
        "~/.Rprofile",
        "~/.jupyter",
        "~/.config/direnv",
        "~/.gem",
        "~/.conda",
        "~/.vscode-server",
        "~/.cursor-server",
        "~/.config/nushell",
        "~/.config/sway",
        "~/.zsh",
        "~/.xonshrc",
        "~/.wezterm.lua",
        "~/.forward",
        // The hundred-and-eleventh look's: rootless podman's short-name aliases and 4.3's CNI
        // networks; the hundred-and-ninth's: tools' start-up files and caches whose contents run.
        "~/.cache/containers",
        "~/.cache/containers/short-name-aliases.conf",
        "~/.config/cni",
        "~/.config/cni/net.d",
        "~/.rvm",
        "~/.cache/node/corepack",
        "~/.cache/puppeteer",
        "~/.cache/go-build",
        "~/.cache/pre-commit",
        "~/.screenrc",
        "~/.gdbinit",
        "~/.psqlrc",
        "~/.sqliterc",
        "~/.irbrc",
        "~/.hgrc",
        "~/.lesskey",
        "~/.config/less",
        "~/.rpmmacros",
        // The whole of ~/.config (the hundred-and-twenty-eighth look's: user-dirs.dirs, sourced
        // The hundred-and-twenty-ninth look's: every hidden entry of the home, and tool homes
        // without a dot (git's hooksPath, npm's prefix, NSS's modules, local::lib).
        "~/.githooks",
        "~/node_modules",
        // The thirty-second pass's look: a `node_modules` above nanoclaw's checkout is one
        // nanoclaw's own `require` reads; any other is its project's code.
        "~/src/node_modules",
        "~/src/node_modules/bufferutil",
        "/srv/node_modules",
        "/tmp/node_modules/x/index.js",
        "~/.npm-packages/bin",
        "~/.pki/nssdb",
        "~/perl5",
        // by xdg-user-dir, ran a line as the host user; pipewire, mpv, window managers). (`~/.config`
        // itself holds the shim's policy folder: sensitive, refused even read-only.)
        "~/.config/user-dirs.dirs",
        "~/.config/pipewire",
        "~/.config/mpv",
        "/var/tmp/buildah-cache-1000",
        "/var/tmp/buildah-cache",
        "/var/tmp/buildah12345/config.json",
        // A repository's `.git`, and anything in it; and a working tree whose `.git` is at its
        // top (the red team's: the container set `core.fsmonitor`, and a host `git status` ran
        // it). `shadow_repositories` mounts such a `.git` read-only instead:
        // `a_repository_at_a_mount_s_top_is_read_only_when_the_policy_says`.
        "~/projects/site",
        "~/projects/site/.git",
        "~/projects/site/.git/hooks",
        // A git directory on its own (a bare repository, a `--separate-git-dir`), and a
        // Mercurial working tree (`.hg/hgrc` names hooks): the red team's second look.
        "~/projects/bare.git",
        "~/projects/hgrepo",
        "/srv/repo/.git",
        // The shim's own files where they lie in the home, outside the `~/` entries.
        "~/tools/nanoclaw-shim",
        "~/tools",
        "~/pol/policy.toml",
        "~/pol",
        "~/logs/decisions.jsonl",
        // The working directory's project (nanoclaw's checkout: it holds package.json) outside
        // its data folders: its CLI in bin/ (linked onto PATH), the package manager's files, the
        // tools' configurations, the operator's coding agent's instructions (the thirty-first
        // pass's look rewrote bin/ncl, which the host ran); installers' tool homes.
        "{proj}/bin",
        "{proj}/bin/ncl",
        "{proj}/pnpm-lock.yaml",
        "{proj}/patches",
        "{proj}/AGENTS.md",
        "{proj}/launchd",
        "{proj}/eslint.config.js",
        "~/miniforge3",
        "~/google-cloud-sdk/path.bash.inc",
    ] {
        let rw = Box::leak(format!("{src}:/x").into_boxed_str());
        let mount = Box::leak(format!("type=bind,source={src},target=/x").into_boxed_str());
        add(&["run", "-v", rw, "img"], "deny.host-exec");
        add(&["run", "--mount", mount, "img"], "deny.host-exec");
    }
    // Read-only in name, but changing the host: chown, relabel, overlay directories.
    // `U` / `chown` are refused as options (rootful podman re-owns the whole source).
    add(&["run", "-v", "/usr/bin:/x:ro,U", "img"], "deny.mount-option");
    add(&["run", "-v", "~/.bashrc:/x:ro,Z", "img"], "deny.host-exec");
    // Read-only, every hidden entry of the home is a credential store: start-up files export
    // tokens, tools keep logins there under names no list keeps up with.
    for src in [
        "~/.bashrc",
        "~/.nvm-notes",
        "~/.claude-notes",
        "~/.ssh-backup-notes",
        "~/.local/share/fonts",
        "~/.config/some-tool/settings.json",
        "~/.unknown-tool-login",
    ] {
        let ro = Box::leak(format!("{src}:/x:ro").into_boxed_str());
        let mount = Box::leak(format!("type=bind,src={src},dst=/x,readonly").into_boxed_str());
        add(&["run", "-v", ro, "img"], "deny.credentials");
        add(&["run", "--mount", mount, "img"], "deny.credentials");
    }
    add(
        &["run", "--env-file", "~/.unknown-tool-login", "img"],
        "deny.host-file",
    );
    add(
        &[
            "run",
            "--mount",
            "type=bind,src=/usr/lib,dst=/x,readonly,chown=true",
            "img",
        ],
        "deny.mount-option",
    );
    add(
        &[
            "run",
            "-v",
            "/srv/data:/x:O,upperdir=~/.local/share/u,workdir=/tmp/w",
            "img",
        ],
        "deny.host-exec",
    );
    // The shim's own binary.
    add(
        &["run", "-v", "~/.local/bin/nanoclaw-shim:/x", "img"],
        "deny.host-exec",
    );
    // Read-write outside the writable roots.
    add(&["run", "-v", "/opt2/app:/x", "img"], "deny.writable-root");
    // Not writable roots (the hundred-and-twenty-ninth look's: a WSL host's Windows start-up
    // folder under /mnt/c, sudoedit's copies in /var/tmp).
    for src in [
        "/mnt/c/Users/u/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup",
        "/media/usb/x",
        "/data/x",
        "/var/tmp/sudoersAbC12d",
    ] {
        let rw = Box::leak(format!("{src}:/x").into_boxed_str());
        add(&["run", "-v", rw, "img"], "deny.writable-root");
    }
    add(
        &["run", "-v", "/nonexistent/data:/x", "img"],
        "deny.writable-root",
    );
    add(
        &["run", "--mount", "type=bind,src=/var/www,dst=/x", "img"],
        "deny.writable-root",
    );
    // Inline volumes that bind a host path, globs, rootfs.
    add(
        &[
            "run",
            "--mount",
            "type=volume,dst=/x,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/etc",
            "img",
        ],
        "deny.sensitive-mount",
    );
    // Review 3: inline volumes whose driver options name a host directory by a relative
    // device, or overlay layers in `o=`; a named volume made so outlives the run.
    for spec in [
        "type=volume,src=v3,dst=/h,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=ctx/../../../../etc",
        "type=volume,src=v5,dst=/x,volume-opt=type=overlay,volume-opt=device=overlay,\"volume-opt=o=lowerdir=/root/.cargo:/etc,upperdir=/tmp/u,workdir=/tmp/w\"",
        "type=volume,src=n,dst=/n,volume-opt=type=nfs,volume-opt=o=addr=10.0.0.1,volume-opt=device=:/export",
        "type=volume,dst=/x,volume-opt=device=/etc",
    ] {
        add(&["run", "--mount", spec, "img"], "deny.sensitive-mount");
    }
    // A key in capitals, whatever it names: docker's CLI reads keys in any case, podman's parsers
    // not alike (the hundred-and-twenty-sixth look's `TMPFS-SIZE=100g`, which the size ceiling
    // did not see).
    for spec in [
        "type=volume,dst=/x,VOLUME-OPT=device=/etc",
        "type=image,Source=oci-archive:/x.tar,dst=/x",
        "type=image,src=img,dst=/x,RW=true",
        "type=tmpfs,dst=/x,TMPFS-SIZE=100g",
        "type=tmpfs,dst=/x,Size=100g",
        "TYPE=bind,src=~/.bashrc,dst=/x,RO",
    ] {
        add(&["run", "--mount", spec, "img"], "deny.mount-option");
    }
    // Review 3: podman takes the propagation as a bare word in --mount too.
    for spec in [
        "type=bind,src={proj},dst=/workspace/project,readonly,rshared",
        "type=bind,src={proj},dst=/workspace/project,shared",
    ] {
        add(&["run", "--mount", spec, "img"], "deny.mount-propagation");
    }
    // The red team's: podman takes an option by its prefix (`upperdirX=` is an overlay's upper
    // directory: the container wrote ~/.local/bin), resolves a relative overlay directory from
    // the runtime's own directory, and passes `bind-propagation`'s value on as a mount option
    // (`bind-propagation=U` chowned ~/.local/bin); only the options the checks know pass.
    for spec in [
        "{proj}/groups/main:/x:O,upperdirX=~/.local/bin,workdirX=~/w",
        "{proj}/groups/main:/x:O,upperdir=./up,workdir=./wk",
        "{proj}/groups/main:/x:O,upperdir=up,workdir=/tmp/w",
        "vol:/x:O,upperdirX=~/.ssh,workdirX=~/w",
        "{proj}/groups/main:/x:idmap",
        "{proj}/groups/main:/x:ro,dev",
        "{proj}/groups/main:/x:ro,suid",
        // A target podman collapses (the hundred-and-twenty-third look's).
        "{proj}/groups/main:/x/../etc",
        "{proj}/groups/main:/x/..:ro",
    ] {
        add(&["run", "-v", spec, "img"], "deny.mount-option");
    }
    // A word given a value podman reads otherwise than docker's CLI (the same look's: `ro=1`
    // read-write on podman 5, `shared=false` shared, `Z=false` relabelled).
    for spec in [
        "type=bind,src=~/.bashrc,dst=/x,ro=1",
        "type=bind,src=~/.bashrc,dst=/x,readonly=t",
        "type=bind,src=~/.bashrc,dst=/x,ro=",
        "type=bind,src={proj}/groups/main,dst=/x,ro,shared=false",
        "type=bind,src={proj}/groups/main,dst=/x,ro,rshared=0",
        "type=bind,src=~/.bashrc,dst=/x,ro,Z=false",
        "type=tmpfs,dst=/x/../dev",
        // A memory file system that replaces the policy's /tmp with a weaker one (the
        // hundred-and-seventeenth look's).
        "type=ramfs,dst=/tmp",
        "type=devpts,dst=/tmp",
        "type=tmpfs,dst=/tmp,exec",
    ] {
        add(&["run", "--mount", spec, "img"], "deny.mount-option");
    }
    for spec in ["/tmp:exec", "/tmp:rw,size=64m,EXEC", "/tmp/:nosuid,suid"] {
        add(&["run", "--tmpfs", spec, "img"], "deny.mount-option");
    }
    for spec in [
        "type=bind,src=~/.local/bin,dst=/x,ro,bind-propagation=U",
        "type=bind,src={proj}/groups/main,dst=/x,ro,bind-propagation=z",
        "type=bind,src={proj}/groups/main,dst=/x,ro,bind-propagation=chown",
        "type=bind,src={proj}/groups/main,dst=/x,ro,idmap",
        "type=volume,src=v,dst=/x,subpath=a",
        "type=bind,src={proj}/groups/main,dst=/x,upperdir=rel",
    ] {
        add(&["run", "--mount", spec, "img"], "deny.mount-option");
    }
    // A line break ends the runtime's CSV record: `src=~/.ssh\n` mounted `~/.ssh` (the red
    // team's second look); a spec holding one is not read as a mount.
    for spec in [
        "type=bind,dst=/y,readonly,src=~/.ssh\n",
        "type=bind,dst=/y,readonly,src=/\r\n",
        "type=bind,src={proj}/groups/main\n,dst=/y",
    ] {
        add(&["run", "--mount", spec, "img"], "parse.bad-value");
    }
    add(&["run", "-v", "~/.ssh\n:/y:ro", "img"], "parse.bad-value");
    // Every tmpfs size is judged, and `nr_blocks` (0 is unlimited) is refused.
    add(&["run", "--tmpfs", "/x:size=1m,size=100g", "img"], "deny.ceiling");
    add(&["run", "--tmpfs", "/x:nr_blocks=0", "img"], "deny.ceiling");
    // A process's memory dump, where the kernel writes one without a handler (the
    // thirty-second pass's look read nanoclaw's tokens from a `core` in its checkout).
    add(
        &["run", "-v", "~/projects/crashed:/x:ro", "img"],
        "deny.credentials",
    );
    add(
        &["run", "-v", "~/projects/crashed/core.4242:/x:ro", "img"],
        "deny.credentials",
    );
    // A list value podman's CSV reader refuses, printing it whole (the thirty-second pass's
    // look, podman 4.3).
    add(
        &[
            "run",
            "--annotation",
            "api_token={\"t\":\"aoc_0f3c9e2b7a41d8c6\"}",
            "img",
        ],
        "parse.bad-value",
    );
    // A label without a name: podman prints its value in its error.
    add(
        &["run", "--label", "=aoc_0f3c9e2b7a41d8c6", "img"],
        "parse.bad-value",
    );
    add(&["run", "-l", "=aoc_0f3c9e2b7a41d8c6", "img"], "parse.bad-value");
    add(
        &["run", "--label==aoc_0f3c9e2b7a41d8c6", "img"],
        "parse.bad-value",
    );
    // Relative weights above the default every other agent has (the thirty-first pass's look:
    // a neighbour got 0 % of a CPU).
    add(&["run", "--cpu-shares", "262144", "img"], "deny.ceiling");
    add(&["run", "-c", "1025", "img"], "deny.ceiling");
    add(&["run", "--cpu-shares=0x10000", "img"], "deny.ceiling");
    add(&["run", "--blkio-weight", "1000", "img"], "deny.ceiling");
    add(
        &["run", "--blkio-weight-device", "/dev/sda:900", "img"],
        "deny.ceiling",
    );
    add(&["update", "--cpu-shares", "262144", "c"], "deny.update-limits");
    add(&["update", "--blkio-weight", "1000", "c"], "deny.update-limits");
    add(
        &[
            "run",
            "--mount",
            "type=tmpfs,dst=/x,tmpfs-size=1m,tmpfs-size=50g",
            "img",
        ],
        "deny.ceiling",
    );
    // A `--mount` value is a CSV record: a quoted field is read as podman reads it (the
    // fifty-eighth look's: podman mounted 100 GB where a plain split saw no size).
    for m in [
        r#"type=tmpfs,dst=/x,"tmpfs-size=100g""#,
        r#"type=tmpfs,"dst=/x","size=100g""#,
        r#""type=tmpfs",dst=/x,"tmpfs-size=1m","tmpfs-size=50g""#,
    ] {
        add(&["run", "--mount", m, "img"], "deny.ceiling");
    }
    // Root, on by default since the red team's third look: rootful, the container's uid 0 left a
    // setuid-root binary in a read-write mount.
    for user in ["0", "root", "0:0", "00", "+0", ":0", "toor"] {
        let user: &'static str = Box::leak(user.to_string().into_boxed_str());
        add(&["run", "--user", user, "img"], "deny.root-user");
    }
    // An id with a blank, or past 64 bits, is a name to the runtime, which an agent-built image's
    // /etc/passwd may map to uid 0 (the look `gz`: `'1000 :1000'` ran as the host's root);
    // a group so, to gid 0.
    for user in [
        "1000 :1000",
        " 1000:1000",
        "99999999999999999999:1000",
        "4294968296:1000",
        "-1000:1000",
    ] {
        let user: &'static str = Box::leak(user.to_string().into_boxed_str());
        add(&["run", "--user", user, "img"], "deny.root-user");
    }
    for user in ["1000:1000 ", "1000: 1000", "1000:99999999999999999999"] {
        let user: &'static str = Box::leak(user.to_string().into_boxed_str());
        add(&["run", "--user", user, "img"], "deny.root-user");
    }
    // A log file the runtime writes, wherever it is: its text is the container's (a project's
    // `.husky/pre-commit` ran it).
    add(
        &[
            "run",
            "--log-driver",
            "k8s-file",
            "--log-opt",
            "path={proj}/.husky/pre-commit",
            "img",
        ],
        "deny.host-file",
    );
    add(
        &["run", "--log-opt", "path=/srv/app/Makefile", "img"],
        "deny.host-file",
    );
    // podman copies the caller's limits for `--ulimit host`, realtime scheduling's included.
    add(&["run", "--ulimit", "host", "img"], "deny.ceiling");
    // `ro,rw` is read as read-write, whichever the runtime takes.
    add(&["run", "-v", "~/.local/bin:/x:ro,rw", "img"], "deny.host-exec");
    add(
        &["run", "--mount", "type=bind,src=~/.local/bin,dst=/x,ro,rw", "img"],
        "deny.host-exec",
    );
    // Glob mounts (podman's; docker has none): Go's glob escapes with `\` and expands
    // wildcards in any component, so no check of the pattern sees every file it matches.
    for src in [
        "~/*",
        "~/.ssh/*",
        "~/\\.bashrc",
        "~/.bash\\rc",
        "~/\\.claude/\\.credentials.json",
        "{proj}/*/.git",
        "/srv/*/*",
    ] {
        let m: &'static str = Box::leak(format!("type=glob,src={src},dst=/x").into_boxed_str());
        add(&["run", "--mount", m, "img"], "deny.podman-only");
    }
    // (Written too, by the overlay: every hidden entry of the home is host-exec, the
    // hundred-and-twenty-ninth look's, and that is judged first.)
    add(&["run", "--rootfs", "~/.ssh:O"], "deny.host-exec");
    // The mount check: podman restarts a container without it; an overlay is rebuilt by path.
    add(
        &[
            "run",
            "--restart",
            "always",
            "-v",
            "{proj}/groups/main:/w:ro",
            "img",
        ],
        "harden.mount-check",
    );
    add(
        &[
            "create",
            "--restart=on-failure:3",
            "--mount",
            "type=bind,src={proj}/groups/main,dst=/w",
            "img",
        ],
        "harden.mount-check",
    );
    add(
        &["update", "--restart", "unless-stopped", "c"],
        "harden.mount-check",
    );
    // Without a mount too: the hook judges the image's annotations as well.
    add(&["run", "--restart", "always", "img"], "harden.mount-check");
    add(
        &["run", "-v", "{proj}/groups/main:/w:O", "img"],
        "harden.mount-check",
    );
    add(
        &["run", "-v", "{proj}/groups/main:/run", "img"],
        "harden.mount-check",
    );
    // Health checks: each a process the host starts, outside the container's ceilings.
    for interval in ["1ms", "10s", "29.999s", "1us", "1", "disable", "-1s", "1e3s"] {
        let a: &'static [&'static str] = Box::leak(
            vec!["run", "--health-cmd=true", "--health-interval", interval, "img"].into_boxed_slice(),
        );
        add(a, "harden.healthcheck");
    }
    add(
        &[
            "create",
            "--health-cmd",
            "true",
            "--health-interval=1m",
            "--health-interval=1s",
            "img",
        ],
        "harden.healthcheck",
    );
    // Tuning the image's check, which the policy turns off.
    add(&["run", "--health-interval=1m", "img"], "harden.healthcheck");
    add(&["run", "--health-retries=1", "img"], "harden.healthcheck");
    add(&["run", "--health-timeout", "1s", "img"], "harden.healthcheck");
    add(
        &["run", "--health-cmd=", "--health-start-period=1s", "img"],
        "harden.healthcheck",
    );
    add(&["run", "--rootfs", "/usr"], "deny.host-exec");
    add(&["run", "-v", "/dev:/dev", "img"], "deny.sensitive-mount");
    add(&["run", "-v", "/dev/sda:/d", "img"], "deny.sensitive-mount");
    // Unreadable mount values are refused, not waved through.
    add(&["run", "-v", "/etc:/x:ro:extra", "img"], "parse.bad-value");
    add(&["run", "-v", "/etc:relative", "img"], "parse.bad-value");
    add(
        &["run", "--mount", "type=npipe,src=/x,dst=/y", "img"],
        "parse.bad-value",
    );
    // Files the runtime reads or writes for the caller.
    for (flag, path) in [
        ("--env-file", "~/.aws/credentials"),
        ("--env-file", "{proj}/.env"),
        ("--env-file", "~/.netrc"),
        ("--label-file", "~/.ssh/id_ed25519"),
        ("--cidfile", "~/.bashrc"),
        ("--cidfile", "/usr/local/bin/cid"),
        ("--cidfile", "/etc/cron.d/x"),
        ("--cidfile", "/var/log/cid"),
        ("--conmon-pidfile", "~/.profile"),
        ("--pidfile", "~/.config/systemd/user/x.service"),
        ("--init-path", "/etc/shadow"),
        ("--authfile", "~/.docker/config.json"),
        ("--cert-dir", "~/.ssh"),
        ("--decryption-key", "~/.ssh/id_ed25519:pass"),
        ("--pod-id-file", "~/.aws/credentials"),
        ("--hosts-file", "/etc/shadow"),
        ("--signature-policy", "~/.gnupg/policy.json"),
        ("--health-log-destination", "~/.local/share/x"),
    ] {
        add(&["run", flag, path, "img"], "deny.host-file");
    }
    add(&["run", "--log-opt", "path=~/.bashrc", "img"], "deny.host-file");
    // An image read from a host path: a containers-image transport.
    for image in [
        "docker-archive:/etc/shadow",
        "oci:/srv/layout:latest",
        "dir:/tmp/img",
        "oci-archive:~/x.tar",
        "containers-storage:[/tmp/store]img",
        "DOCKER-ARCHIVE:/x.tar",
        "docker-daemon:img:latest",
    ] {
        add(&["run", "--rm", image], "deny.host-file");
        add(&["create", image, "sh"], "deny.host-file");
    }
    // An image mount's source is an image reference too (the fiftieth look's: podman made a store
    // at the path a `containers-storage:[...]` source named, through links a container planted).
    for spec in [
        "type=image,src=containers-storage:[vfs@/home/u/ws/s+/home/u/ws/r]img,dst=/x",
        "type=image,source=containers-storage:[overlay@/h/s+/h/r:overlay.mount_program=/bin/false]img,dst=/x",
        "type=image,dst=/x,src=DOCKER-ARCHIVE:/etc/shadow",
        "type=image,src=dir:/tmp/img,target=/x",
    ] {
        add(&["run", "--mount", spec, "img"], "deny.host-file");
    }
    // podman reads the key without regard to case: each of these sets the log file.
    for opt in [
        "PATH=~/.bashrc",
        "Path=~/.bash_aliases",
        " path=~/.profile",
        "path =~/.zshrc",
    ] {
        add(&["run", "--log-opt", opt, "img"], "deny.host-file");
    }
    add(
        &["exec", "--env-file", "~/.aws/credentials", "c", "sh"],
        "deny.host-file",
    );
    // Ceilings.
    for words in [
        &["run", "--cgroup-conf", "memory.max=max", "img"][..],
        &["run", "--cgroup-parent", "/", "img"],
        &["run", "--cgroup-parent=machine.slice", "img"],
        &["run", "--cgroups", "disabled", "img"],
        &["run", "--cgroups=no-conmon", "img"],
        &["run", "--systemd", "always", "img"],
        &["run", "--oom-kill-disable", "img"],
        &["run", "--oom-score-adj", "-1000", "img"],
        &["run", "--oom-score-adj=-1", "img"],
        &["run", "--cpu-rt-runtime", "950000", "img"],
        &["run", "--cpu-rt-period", "1000000", "img"],
        &["run", "--ulimit", "rtprio=99", "img"],
        &["run", "--ulimit", "rttime=-1:-1", "img"],
        &["run", "--shm-size", "64g", "img"],
        &["run", "--shm-size=3g", "img"],
        &["run", "--tmpfs", "/x:size=64g", "img"],
        &["run", "--mount", "type=tmpfs,dst=/x,tmpfs-size=64g", "img"],
    ] {
        add(words, "deny.ceiling");
    }
    for words in [
        &["update", "--cpu-period", "1000", "c"][..],
        &["update", "--cpu-quota", "-1", "c"],
        &["update", "--cpu-quota", "900000", "c"],
        &["update", "--memory-swap", "-1", "c"],
        &["update", "--memory-swap", "64g", "c"],
        &["update", "--cpu-rt-runtime", "950000", "c"],
        &["update", "--pids-limit", "-1", "c"],
        &["update", "--pids-limit=0", "c"],
        &["update", "--memory", "0", "c"],
        &["update", "c", "--cpus", "64"],
        // podman reads a leading 0 as octal: 262 144 µs, 7.6 CPUs (the twenty-fifth look's).
        &[
            "update",
            "--cpu-period",
            "01000000",
            "--cpu-quota",
            "2000000",
            "c",
        ],
        // A quota alone, held to a period the shim cannot know (`run --cpu-period 1000` made it
        // 200 CPUs: the twenty-seventh look's).
        &["update", "--cpu-quota", "200000", "c"],
        // Swap above twice the memory given with it, as `run` clamps it (the same look's).
        &["update", "--memory", "100m", "--memory-swap", "8g", "c"],
        // Swap alone: held to twice the ceiling, it gave a container run with `--memory 100m`
        // 7.9g of swap (the fifty-first look's); the memory in force is named in the same call.
        &["update", "--memory-swap", "8g", "c"],
    ] {
        add(words, "deny.update-limits");
    }
    // podman's passthrough log drivers hand the container the caller's own output files (the
    // twenty-seventh look's: a root-owned 0600 file became the container user's); an allow-list.
    for words in [
        &["run", "--log-driver", "passthrough", "img"][..],
        &["run", "--log-driver=passthrough-tty", "img"],
        &["create", "--log-driver", "syslog", "img"],
    ] {
        add(words, "deny.host-handoff");
    }
    // Security options: only allow-listed values.
    for opt in [
        "seccomp=/tmp/permissive.json",
        "seccomp:/tmp/p.json",
        "apparmor=my-profile",
        "label=user:system_u",
        "label=level:s0:c1",
        "label=type:spc_t",
        "systempaths=unconfined",
        "unmask=ALL",
        "unmask=/proc/kcore",
        "proc-opts=hidepid=0",
        "no-new-privileges=false",
    ] {
        add(&["run", "--security-opt", opt, "img"], "deny.security-option");
    }
    add(
        &["run", "--seccomp-policy", "image", "img"],
        "deny.security-option",
    );
    // Groups and annotations.
    add(&["run", "--group-add", "keep-groups", "img"], "deny.group-add");
    // Groups: on rootful podman a container's gid is the host's (the red team's setgid-`shadow`
    // copy read /etc/shadow); 0, system groups and names (which may map to either) are refused.
    // A blank or a number past 64 bits makes a name of an id, which an agent-built image's
    // /etc/group may map to gid 0 (the look `gz`).
    for g in [
        "0",
        "00",
        "+0",
        "root",
        "audio",
        "42",
        "4,2000",
        "1000 ",
        " 1000",
        "2000,1000 ",
        "99999999999999999999",
        // A number is a group's name first: an image's `1000:x:0:` is gid 0 (the look `hc`).
        "1000",
        "2000",
    ] {
        add(&["run", "--group-add", g, "img"], "deny.group-add");
    }
    for u in [
        "1000:0",
        "1000:00",
        "1000:root",
        "1000:node",
        "1000:42",
        "1000:4",
        "42:42",
        "+42:42",
        "998:998",
        // A system user with an ordinary group (rootful: the host's `polkitd`, `postgres`).
        "996:1000",
        "101:1000",
        // A uid with no group (rootful): a uid the image does not list runs with gid 0.
        "12345",
        "1000",
        "1000:",
    ] {
        add(&["run", "--user", u, "img"], "deny.root-user");
        add(&["exec", "-u", u, "c", "sh"], "deny.exec-root");
    }
    // User namespaces that place container ids on host ids of the caller's choosing.
    for ns in [
        "auto:uidmapping=1000:0:1",
        "auto:gidmapping=0:0:1",
        "auto:size=1,uidmapping=1000:0:1",
        "keep-id:uid=0",
        "keep-id:gid=0",
        "keep-id:uid=x",
        "keep-id:uid=1000,gid=42",
        // Rootful, keep-id maps the caller, root (its group 0 joined the container's).
        "keep-id",
        "keep-id:uid=1000",
        "keep-id:uid=1000,gid=1000",
        "bogus",
    ] {
        add(&["run", "--userns", ns, "img"], "deny.host-namespace");
    }
    add(
        &["run", "--label-file", "~/tools/missing", "img"],
        "deny.host-file",
    );
    add(&["run", "--group-add=keep-groups,audio", "img"], "deny.group-add");
    add(
        &["run", "--group-add", "1000,keep-groups", "img"],
        "deny.group-add",
    );
    // Values podman reads as comma-separated lists (docker takes them whole): every element.
    for opt in [
        "max-size=10m,path=~/.bashrc",
        "tag=a,Path=~/.bashrc",
        "\"tag=a,b\",path=~/.bashrc",
        "path=/tmp/ok.log,path=~/.bashrc",
        "tag=a\npath=~/.bashrc",
    ] {
        add(&["run", "--log-opt", opt, "img"], "deny.host-file");
        add(&["create", "--log-opt", opt, "img"], "deny.host-file");
    }
    add(
        &["run", "--env-file", "/tmp/ok.env,~/.aws/credentials", "img"],
        "deny.host-file",
    );
    add(
        &["run", "--label-file", "/srv/labels,~/.claude.json", "img"],
        "deny.host-file",
    );
    add(
        &["exec", "--env-file", "/tmp/ok.env,~/.aws/credentials", "c", "sh"],
        "deny.host-file",
    );
    add(&["run", "-p", "127.0.0.1:8090:80,8091:80", "img"], "deny.publish");
    add(
        &["run", "--annotation", "a=1,run.oci.keep_original_groups=1", "img"],
        "deny.annotation",
    );
    add(
        &["run", "--ulimit", "nofile=1024:1024,rtprio=99", "img"],
        "deny.ceiling",
    );
    // The host's environment copied in: a name without a value, podman's `*` wildcard, and
    // env files whose lines do either.
    for e in ["*", "ANTH*", "ANTHROPIC_API_KEY", "HOME", "A*=x"] {
        add(&["run", "-e", e, "img"], "deny.env-host");
        add(&["exec", "-e", e, "c", "sh"], "deny.env-host");
    }
    add(&["run", "--env=PATH", "img"], "deny.env-host");
    add(&["run", "--env-file", "{proj}/wild.env", "img"], "deny.env-host");
    add(&["run", "--env-file", "{proj}/bare.env", "img"], "deny.env-host");
    for a in [
        "run.oci.keep_original_groups=1",
        "io.containers.trace-syscall=of:/tmp/x",
        "org.systemd.property.Delegate=yes",
        "io.kubernetes.cri-o.Devices=/dev/fuse",
        "io.podman.annotations.privileged=true",
        "RUN.OCI.seccomp_fail_unknown_syscall=0",
        // crun runs the container's program under a WebAssembly engine (`compat`).
        "module.wasm.image/variant=compat",
        "org.criu.config=/home/alice/.criu.conf",
    ] {
        add(&["run", "--annotation", a, "img"], "deny.annotation");
    }
    // Networking.
    for n in [
        "slirp4netns:allow_host_loopback=true",
        "slirp4netns:port_handler=slirp4netns",
        "pasta:--map-host-loopback,169.254.1.2",
        "pasta:-T,5432",
        "PASTA:-t,22",
        // podman 5 names the container's interface on the host as asked (the fifty-fourth
        // look's `wg0`, where a firewall trusts that name); options the shim does not know.
        "bridge:host_interface_name=wg0",
        "ncl-mynet:ip=10.89.0.5,host_interface_name=tailscale0",
        "bridge:HOST_INTERFACE_NAME=wg0",
        "bridge:isolate=true",
        // A container's own choice of address, which may be one another holds on the network:
        // its gateway's (the fifty-fourth look's `--ip 10.88.0.1` on podman 5), where the
        // host's side of a rootful bridge answers its neighbours.
        "bridge:ip=10.88.0.1",
        "nanoclaw-egress:IP=10.89.0.1",
        "ncl-mynet:alias=a,ip6=fd00::1",
        "ncl-mynet:mac=44:33:22:11:00:99",
        // A name of its own on the network, which podman 5's DNS answers for: another's (the
        // egress gateway's `gateway`, the sixtieth look's) or an outside domain's.
        "nanoclaw-egress:alias=gateway",
        "ncl-mynet:interface_name=eth1,ALIAS=api.anthropic.com",
    ] {
        add(&["run", "--network", n, "img"], "deny.network-option");
    }
    // A name that reads as another container's ID (podman 5 looks names up first).
    for name in [
        "abababababababababababababababababababababababababababababababab",
        "0123456789abcdef",
        "/0123456789abcdef",
    ] {
        add(&["run", "--name", name, "img"], "deny.foreign-container");
        add(&["create", "--name", name, "img"], "deny.foreign-container");
    }
    for words in [
        &["run", "--network-alias", "gateway", "img"][..],
        // podman 5 registers a container's host name on its network's DNS too.
        &["run", "--hostname", "api.anthropic.com", "img"],
        &["create", "-h", "gateway", "--network", "nanoclaw-egress", "img"],
        &[
            "create",
            "--net-alias=pypi.org",
            "--network",
            "nanoclaw-egress",
            "img",
        ],
    ] {
        add(words, "deny.network-option");
    }
    for words in [
        &["run", "--ip", "10.88.0.1", "img"][..],
        &["create", "--ip=10.89.0.1", "--network", "nanoclaw-egress", "img"],
        &["run", "--ip6", "fd00::1", "img"],
        &["run", "--mac-address=44:33:22:11:00:99", "img"],
    ] {
        add(words, "deny.network-option");
    }
    add(
        &["run", "--mount", "type=artifact,src=quay.io/x/y,dst=/x", "img"],
        "deny.podman-only",
    );
    // A read-write image mount: a writable layer on the host's disk beneath the read-only root,
    // outside every ceiling (the sixty-third look's).
    for m in [
        "type=image,src=img,dst=/x,rw=true",
        "type=image,src=img,dst=/x,readwrite",
    ] {
        add(&["run", "--mount", m, "img"], "deny.ceiling");
    }
    for p in [
        "8080:80",
        "0.0.0.0:8080:80",
        "80",
        "10.0.0.5:80:80",
        "[::]:80:80",
        ":80:80",
        // A port the policy lets agents reach on the host (OneCLI's, 10255): a container there
        // received the other agents' tokens (the hundred-and-thirty-first look's).
        "127.0.0.1:10255:80",
        "127.0.0.1:10250-10260:80/tcp",
        "[::1]:10255:10255",
    ] {
        add(&["run", "-p", p, "img"], "deny.publish");
    }
    add(&["run", "-P", "img"], "deny.publish");
    add(&["run", "--publish-all=true", "img"], "deny.publish");
    // Engines elsewhere.
    for words in [
        &["-H", "tcp://evil:2375", "run", "img"][..],
        &["--host=unix:///tmp/d.sock", "ps"],
        &["--context", "remote", "run", "img"],
        &["-c", "remote", "ps"],
        &["--config", "/tmp/cfg", "run", "img"],
        &["--tlsverify", "ps"],
        &["-DH", "tcp://x", "ps"],
    ] {
        add(words, "deny.engine-redirect");
    }
    // Log levels that print the runtime's whole argv, `-e` values included.
    for words in [
        &["-D", "run", "img"][..],
        &["--debug", "ps"],
        &["--log-level", "debug", "run", "img"],
        &["--log-level=trace", "ps"],
        &["-lDEBUG", "run", "img"],
        &["--log-level", "verbose", "ps"],
        &["-D", "container", "run", "img"],
    ] {
        add(words, "deny.debug-log");
    }
    // Users: root by number, however spelled.
    // `-0` and `:0` are root too: the runtimes read the uid with Go's `Atoi` (a sign is taken),
    // and no user before the `:` is the default user, root (both checked on podman 4.3).
    for u in [
        "root",
        "0",
        "00",
        "+0",
        "0:0",
        "0:1000",
        " 0",
        "-0",
        "-00",
        "-0:-0",
        ":0",
        ":",
        "",
        "4294967296",
    ] {
        let u: &'static str = Box::leak(u.to_string().into_boxed_str());
        add(&["exec", "-u", u, "c", "sh"], "deny.exec-root");
    }
    // A name the image's /etc/passwd may map to uid 0 (an agent's build can add `toor:x:0:0`).
    for u in [
        "node",
        "toor",
        "nobody:nogroup",
        "1000x",
        "+",
        "r\u{f6}\u{f6}t",
        "1000 :1000",
        "1000 ",
        "99999999999999999999",
        // And any other: an exec's groups come from the image's files, and no hook judges an
        // exec (the look `he`'s `1000:x:0:`); without -u it runs as the container's own user.
        "1000:1000",
        "2000:2000",
        "10000:10000",
    ] {
        add(&["exec", "-u", u, "c", "sh"], "deny.exec-root");
    }
    // Flags denied by default, and podman's own.
    for words in [
        &["run", "--preserve-fds", "3", "img"][..],
        &["run", "--preserve-fd", "5", "img"],
        &["run", "--sdnotify", "container", "img"],
        &["run", "--pod", "p1", "img"],
        &["run", "--creds", "u:p", "img"],
        &["run", "--runtime", "runc", "img"],
        &["run", "--volume-driver", "local", "img"],
    ] {
        add(words, "deny.flag");
    }
    for words in [
        &["run", "--uidmap", "0:0:1", "img"][..],
        &["run", "--gidmap", "0:0:1", "img"],
        &["run", "--hostuser", "alice", "img"],
        &["run", "--secret", "s", "img"],
        &["run", "--replace", "img"],
        &["run", "--env-merge", "A=1", "img"],
        &["run", "--tz", "UTC", "img"],
        &["run", "--umask", "0000", "img"],
        &["run", "--unsetenv-all", "img"],
        &["run", "--subuidname", "alice", "img"],
        &["run", "--personality", "LINUX32", "img"],
    ] {
        add(words, "deny.podman-only");
    }
    // podman's `--latest` names no container: the newest on the engine, perhaps the operator's
    // (the look `gz`); podman-only too.
    add(&["exec", "--latest", "sh"], "deny.foreign-container");
    for words in [
        &["run", "--device", "/dev/kvm", "img"][..],
        &["run", "--gpus", "all", "img"],
        &["run", "--device-cgroup-rule", "a *:* rwm", "img"],
    ] {
        add(words, "deny.device");
    }
    add(&["run", "--volumes-from", "other", "img"], "deny.volumes-from");
    // An operator's named volume (the hundred and second look's); an agent's own too, host disk
    // outside every ceiling (the hundred-and-eighteenth look's): the default names none.
    for words in [
        &["run", "-v", "operator-data:/x", "img"][..],
        &["run", "-v", "nanoclaw-data:/data", "img"],
        &[
            "run",
            "--mount",
            "type=volume,src=nanoclaw-cache,dst=/home/node/.cache",
            "img",
        ],
        &[
            "create",
            "--mount",
            "type=volume,src=operator-data,dst=/x,ro",
            "img",
        ],
        &["run", "--volume=pgdata:/var/lib/postgresql", "img"],
    ] {
        add(words, "deny.volume-name");
    }
    add(&["run", "--use-api-socket", "img"], "deny.api-socket");
    add(&["run", "--privileged=1", "img"], "deny.privileged");
    add(&["run", "--cap-add", "SYS_ADMIN", "img"], "deny.cap-add");
    add(&["run", "--pid=host", "img"], "deny.host-namespace");
    add(&["run", "--userns", "host", "img"], "deny.host-namespace");
    add(&["run", "--uts=host", "img"], "deny.host-namespace");
    // Another container's namespaces (another agent's processes, environment and loopback).
    for ns in [
        "--pid",
        "--ipc",
        "--network",
        "--net",
        "--uts",
        "--userns",
        "--cgroupns",
    ] {
        let ns: &'static str = Box::leak(format!("{ns}=container:nanoclaw-other-1").into_boxed_str());
        add(&["run", ns, "img"], "deny.container-namespace");
    }
    add(
        &["create", "--pid", "CONTAINER:abc", "img"],
        "deny.container-namespace",
    );
    add(&["run", "--cgroupns", "host", "img"], "deny.host-namespace");
    v
}

/// Look-alikes that run, with nothing changed but the policy's own hardening.
fn legitimate() -> Vec<Vec<&'static str>> {
    let mut v: Vec<&[&str]> = vec![
        // Global log levels that keep the argv out of the log.
        &["--log-level", "info", "run", "img"],
        &["-l", "error", "run", "img"],
        &["--debug=false", "run", "img"],
        // A folder named `core` is a project's, not a memory dump.
        &["run", "-v", "~/projects/lib:/x:ro", "img"],
        // nanoclaw v2's real mounts (rw beneath its checkout; files nested in rw dirs).
        &["run", "-v", "{proj}/data/v2-sessions/ag1/sess1:/workspace", "img"],
        &["run", "-v", "{proj}/groups/main:/workspace/agent", "img"],
        &[
            "run",
            "-v",
            "{proj}/groups/main/CLAUDE.md:/workspace/agent/CLAUDE.md:ro",
            "img",
        ],
        &["run", "-v", "{proj}/groups/global:/workspace/global:ro", "img"],
        &[
            "run",
            "-v",
            "{proj}/container/agent-runner/src:/app/src:ro",
            "img",
        ],
        &[
            "run",
            "-v",
            "/tmp/onecli-proxy-ca.pem:/tmp/onecli-gateway-ca.pem:ro",
            "img",
        ],
        // Mount options whose meaning the checks know.
        &[
            "run",
            "-v",
            "{proj}/groups/global:/workspace/global:ro,z,nosuid,nodev,rprivate",
            "img",
        ],
        &[
            "run",
            "--mount",
            "type=bind,src={proj}/groups/global,dst=/g,ro,bind-propagation=rslave,relabel=private",
            "img",
        ],
        // v1's main group: the project read-only, its .env shadowed by /dev/null.
        &[
            "run",
            "-v",
            "{proj}:/workspace/project:ro",
            "-v",
            "/dev/null:/workspace/project/.env:ro",
            "img",
        ],
        &["run", "-v", "/dev/null:/x", "img"],
        &["run", "-v", "{proj}/.env.example:/x:ro", "img"],
        // A working tree read-write, its `.git` shadowed read-only.
        &[
            "run",
            "-v",
            "~/projects/site:/workspace/extra/site",
            "-v",
            "~/projects/site/.git:/workspace/extra/site/.git:ro",
            "img",
        ],
        &["run", "-v", "~/projects/site:/workspace/extra/site:ro", "img"],
        &["run", "-v", "~/projects/site/.git:/repo-git:ro", "img"],
        &["run", "-v", "~/projects/site/.gitignore:/x", "img"],
        &["run", "-v", "~/projects/site/.github:/x", "img"],
        &["run", "-v", "~/tools/notes:/x", "img"],
        &["run", "-v", "~/nvm-notes:/x:ro", "img"],
        &["run", "-v", "~/nvm-notes:/x", "img"],
        &["run", "-v", "~/claude-notes:/x:ro", "img"],
        &["run", "-v", "~/ssh-backup-notes:/x:ro", "img"],
        &["run", "-v", "~/projects/site/.eslintrc.json:/x:ro", "img"],
        &["run", "-v", "~/projects/site/.github:/x:ro", "img"],
        &["run", "-v", "/usr/share/fonts:/fonts:ro", "img"],
        &["run", "-v", "/opt/models:/models:ro", "img"],
        &["run", "-v", "/srv/data:/data", "img"],
        &["run", "-v", "/tmp/scratch:/scratch", "img"],
        &["run", "-v", "/mnt/disk/agent:/a:ro", "img"],
        &["run", "--mount", "type=bind,src={proj}/groups/main,dst=/w", "img"],
        &["run", "-v", "{proj}/store:/workspace/project/store", "img"],
        &["run", "--cpu-shares", "512", "--blkio-weight", "300", "img"],
        &["run", "--cpu-shares", "1024", "img"],
        &["run", "-v", "{proj}/bin:/x:ro", "img"],
        &[
            "run",
            "--mount",
            "type=bind,src={proj}/groups/main,dst=/w,ro=true",
            "img",
        ],
        &["run", "--tmpfs", "/scratch:size=64m,mode=1777", "img"],
        &[
            "run",
            "--mount",
            "type=bind,src=/usr/share/zoneinfo,dst=/z,readonly",
            "img",
        ],
        &["run", "--mount", "type=tmpfs,dst=/scratch,tmpfs-size=64m", "img"],
        &["run", "--mount", "type=image,src=alpine,dst=/alpine", "img"],
        &["run", "--tmpfs", "/scratch:size=64m", "img"],
        &["run", "--tmpfs", "/run", "img"],
        // Harmless files the runtime reads or writes.
        &["run", "--env-file", "{proj}/groups/main/agent.env", "img"],
        &["run", "--env-file", "~/tools/agent.env", "img"],
        &["run", "--cidfile", "/tmp/agent.cid", "img"],
        &["run", "--cidfile", "{proj}/data/agent.cid", "img"],
        &["run", "--label-file", "~/tools/labels", "img"],
        &["run", "--log-opt", "max-size=10m", "img"],
        &["run", "--log-opt", "MAX-SIZE=10m", "img"],
        &["run", "--log-opt", "max-size=10m,tag=agent", "img"],
        &["run", "-p", "127.0.0.1:8090:80,127.0.0.1:8091:80", "img"],
        &["run", "--dns", "1.1.1.1,8.8.8.8", "img"],
        &["run", "--cap-drop", "NET_RAW,MKNOD", "img"],
        &["run", "-e", "EMPTY=", "img"],
        &["run", "-e", "GREETING=a*b", "img"],
        &["run", "-e", "LIST=a,b,c", "img"],
        &["exec", "-e", "TZ=UTC", "c", "sh"],
        &["run", "--log-opt", "tag=agent-path", "img"],
        &["run", "--log-driver", "k8s-file", "img"],
        &["run", "--log-driver=none", "img"],
        // Ceilings within the policy.
        &["run", "--memory", "4g", "--memory-swap", "4g", "img"],
        &["run", "--memory", "2g", "--memory-swap", "4g", "img"],
        &["run", "--shm-size", "1g", "img"],
        &["run", "--shm-size=1024m", "img"],
        &["run", "--ulimit", "nofile=512:1024", "img"],
        &["run", "--ulimit", "rtprio=0", "img"],
        &["run", "--oom-score-adj", "500", "img"],
        &["run", "--cpu-shares", "512", "img"],
        &["run", "--cpuset-cpus", "0", "img"],
        &["run", "--blkio-weight", "300", "img"],
        &["update", "--memory", "1g", "c"],
        &["update", "--cpus", "1.5", "c"],
        &["update", "--cpu-quota", "50000", "--cpu-period", "100000", "c"],
        &["update", "--pids-limit", "100", "c"],
        &["update", "--memory", "4g", "--memory-swap", "8g", "c"],
        &["update", "--restart", "no", "c"],
        // Security options, groups, annotations, networks, ports, users.
        &["run", "--security-opt", "no-new-privileges=true", "img"],
        &["run", "--security-opt", "no-new-privileges:true", "img"],
        &["run", "--security-opt", "mask=/proc/acpi", "img"],
        &[
            "run",
            "--annotation",
            "org.opencontainers.image.title=agent",
            "img",
        ],
        &["run", "--annotation", "nanoclaw.group=main", "img"],
        &["run", "--network", "nanoclaw-egress", "img"],
        &["run", "--network", "none", "img"],
        &["run", "--network=bridge", "img"],
        &["run", "--network", "ncl-mynet:interface_name=eth1", "img"],
        &["run", "--network", "slirp4netns", "img"],
        &["run", "--network", "pasta", "img"],
        &["run", "-p", "127.0.0.1:8080:80", "img"],
        &["run", "-p", "127.0.0.1::10255", "img"],
        &["run", "-p", "[::1]:8080:80", "img"],
        &["run", "--publish=localhost:9000:9000/udp", "img"],
        &["run", "--expose", "80", "img"],
        &[
            "run",
            "--mount",
            "type=bind,src={proj}/groups/main,dst=/w,readonly,rslave",
            "img",
        ],
        &["run", "--user", "1000:1000", "img"],
        &["run", "--user", "1000:1000", "img"],
        &["run", "--user", "1001:1002", "img"],
        &["run", "--userns", "auto:size=65536", "img"],
        &["run", "--userns=private", "img"],
        &["exec", "-i", "c", "sh"],
        &["run", "--userns", "nomap", "img"],
        &["run", "--add-host=host.docker.internal:10.0.2.2", "img"],
        &["run", "--dns", "1.1.1.1", "img"],
        &[
            "run",
            "--init",
            "--entrypoint",
            "bash",
            "img",
            "-c",
            "exec bun run /app/src/index.ts",
        ],
        &[
            "run",
            "-e",
            "ANTHROPIC_API_KEY=placeholder",
            "--name",
            "nanoclaw-main-1",
            "img",
        ],
        &["run", "--name", "agent", "--restart", "no", "--rm", "img"],
        &["run", "--cap-drop", "NET_RAW", "img"],
        &["--log-level", "warn", "run", "img"],
        &["--debug=0", "ps"],
        // A health check of the caller's, at the floor or slower, or none at all.
        &["run", "--health-cmd=true", "img"],
        &[
            "run",
            "--health-cmd",
            "curl -f http://localhost/",
            "--health-interval",
            "1m",
            "--health-retries",
            "3",
            "img",
        ],
        &["run", "--health-cmd=true", "--health-interval=0", "img"],
        &[
            "run",
            "--health-cmd=true",
            "--health-interval=30s",
            "--health-timeout=1ms",
            "img",
        ],
        &["run", "--no-healthcheck", "img"],
        // Registry references with ports and digests: no transport.
        &["run", "localhost:5000/agent:1.2", "sh"],
        &["run", "registry.example:443/team/agent", "sh"],
        &["create", "ghcr.io/acme/oci:latest"],
    ];
    v.dedup();
    v.into_iter().map(<[&str]>::to_vec).collect()
}

#[test]
fn every_class_has_refusals_and_each_names_its_rule() {
    let h = host();
    let cases = refused();
    assert!(cases.len() >= 200, "only {} refused cases", cases.len());
    let mut wrong = Vec::new();
    for (words, rule) in &cases {
        let p = plan(&h, words);
        let Some(r) = p.refusal.as_ref() else {
            wrong.push(format!("{words:?} was not refused: {:?}", p.args));
            continue;
        };
        if r.rule != *rule || p.decision != Decision::Refuse || !p.args.is_empty() {
            wrong.push(format!("{words:?}: want {rule}, got {r}"));
        }
        assert!(r.to_string().contains(r.rule.as_str()), "{r}");
    }
    assert!(wrong.is_empty(), "{} wrong:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn look_alikes_run_with_only_the_hardening_added() {
    let h = host();
    let cases = legitimate();
    assert!(cases.len() >= 60, "only {} look-alikes", cases.len());
    let refused: Vec<String> = cases
        .iter()
        .filter_map(|w| plan(&h, w).refusal.map(|r| format!("{w:?}: {r}")))
        .collect();
    assert!(refused.is_empty(), "refused:\n{}", refused.join("\n"));
    for words in &cases {
        let p = plan(&h, words);
        assert!(
            !p.changes.iter().any(|c| c.rule.as_str().starts_with("deny.")),
            "{words:?}: {:?}",
            p.changes
        );
        // Every token the caller wrote is still there (the hardening only adds), except limits
        // the policy caps and nothing else.
        let args: Vec<String> = p.args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        for w in expand(&h, words) {
            let w = w.to_string_lossy().into_owned();
            assert!(args.contains(&w), "{words:?}: {w} missing from {args:?}");
        }
    }
}

#[test]
fn audit_mode_reports_what_enforce_would_refuse() {
    let h = host();
    let policy = Policy {
        mode: policy::Mode::Audit,
        ..Default::default()
    };
    for (words, rule) in refused().iter().step_by(7) {
        let p = rewrite::plan(&expand(&h, words), &policy, &target(&h));
        assert_eq!(p.decision, Decision::Audit, "{words:?}");
        assert_eq!(
            p.refusal.as_ref().map(|r| r.rule.as_str()),
            Some(*rule),
            "{words:?}"
        );
        assert!(!p.args.is_empty(), "{words:?}");
    }
}

#[test]
fn each_refusal_is_switchable_in_the_policy() {
    let h = host();
    for (words, rule) in refused() {
        if rule.starts_with("parse.") {
            continue;
        }
        // The health check's switches are [hardening]'s and [limits]'s.
        if rule == "harden.healthcheck" {
            let mut p = Policy::default();
            p.rules.hardening.no_healthcheck = false;
            p.rules.limits.health_interval = None;
            let plan = rewrite::plan(&expand(&h, &words), &p, &target(&h));
            // What no Go reader reads stays refused: the shim cannot judge it.
            let unreadable = words.iter().any(|w| ["1", "disable", "-1s", "1e3s"].contains(w));
            assert_eq!(
                plan.refusal.as_ref().is_some_and(|r| r.rule.as_str() == rule),
                unreadable,
                "{words:?}: no_healthcheck = false, health_interval = \"off\""
            );
            continue;
        }
        // The mount check's switch is [podman]'s.
        if rule == "harden.mount-check" {
            let mut p = Policy::default();
            p.rules.podman.verify_mounts = false;
            let plan = rewrite::plan(&expand(&h, &words), &p, &target(&h));
            assert!(
                plan.refusal.as_ref().is_none_or(|r| r.rule != rule),
                "{words:?}: verify_mounts = false still refuses with {rule}"
            );
            continue;
        }
        let (key, id, _) = policy::DENY_SWITCHES
            .iter()
            .find(|(_, r, _)| *r == rule)
            .unwrap_or_else(|| panic!("{rule} has no [deny] switch"));
        let mut p = Policy::default();
        p.rules.deny.set(*id, false);
        let plan = rewrite::plan(&expand(&h, &words), &p, &target(&h));
        assert!(
            plan.refusal.as_ref().is_none_or(|r| r.rule != rule),
            "{words:?}: {key} = false still refuses with {rule}"
        );
    }
}

#[test]
fn secrets_never_reach_a_refusal() {
    let h = host();
    for words in [
        &["run", "--creds", "alice:hunter2secret", "img"][..],
        &["run", "--privileged=hunter2secret", "img"],
        &[
            "run",
            "--decryption-key",
            "~/.ssh/id_ed25519:hunter2secret",
            "img",
        ],
        &["run", "-e", "API_TOKEN=hunter2secret", "--privileged", "img"],
        &[
            "run",
            "--annotation",
            "run.oci.auth_token=hunter2secret",
            "-e",
            "PASSWORD=hunter2secret",
            "--cap-add",
            "ALL",
            "img",
        ],
    ] {
        let p = plan(&h, words);
        let r = p.refusal.expect("refused");
        let shown = format!(
            "{r} {:?}",
            p.changes
                .iter()
                .map(|c| nanoclaw_shim::redact::display(c.token.as_ref()))
                .collect::<Vec<_>>()
        );
        assert!(!r.to_string().contains("hunter2secret"), "{words:?}: {r}");
        let _ = shown;
    }
}

mod generated {
    //! A property test over every security class: argv built from flags of each class with
    //! values that matter to that class (credential, host-exec and system paths, weakening
    //! security options, ceiling escapes, public ports, runtime annotations), in every spelling.
    //! Whatever comes out is either refused, or satisfies the policy by an oracle written here,
    //! independently of the shim's checks.

    use super::*;
    use nanoclaw_shim::flags::{Arity, Class, FLAGS, Flag, GLOBAL_FLAGS};
    use nanoclaw_shim::parse::{self, Invocation};
    use proptest::prelude::*;

    fn class_values(f: &Flag) -> Vec<&'static str> {
        match f.class {
            Class::Mount => vec![
                "~/.ssh:/k:ro",
                "~/.bashrc:/b",
                "~/.local/bin:/x",
                "{proj}/.env:/e:ro",
                "{proj}:/p:ro",
                "/etc:/e:ro",
                "/run:/r",
                "/usr:/u:ro,U",
                "/:/host",
                "/var/log:/l",
                "{proj}/groups/main:/w",
                "/tmp/x:/t",
                "type=bind,src=~/.aws,dst=/a,readonly",
                "type=volume,dst=/v,volume-opt=device=/etc,volume-opt=o=bind",
                "type=glob,src=~/*,dst=/g",
                "/x:size=64g",
            ],
            Class::HostRead | Class::HostWrite => vec![
                "~/.aws/credentials",
                "~/.bashrc",
                "{proj}/.env",
                "/etc/shadow",
                "/tmp/ok",
                "path=~/.profile",
                "/usr/local/bin/x",
                "tag=a,path=~/.bashrc",
                "/tmp/ok,~/.aws/credentials",
            ],
            Class::SecurityOpt => vec![
                "no-new-privileges",
                "seccomp=unconfined",
                "seccomp=/tmp/p.json",
                "apparmor=unconfined",
                "label=type:spc_t",
                "unmask=ALL",
                "image",
                "mask=/proc/x",
            ],
            Class::Ceiling => vec![
                "-1",
                "0",
                "64g",
                "-1000",
                "rtprio=99",
                "nofile=10:10",
                "1000",
                "8g",
                "nofile=10:10,rtprio=99",
            ],
            Class::Namespace => vec![
                "host",
                "ns:/proc/1/ns/net",
                "slirp4netns:allow_host_loopback=true",
                "pasta:-T,22",
                "private",
                "bridge",
            ],
            Class::Capability => vec!["ALL", "SYS_ADMIN", "SYS_CHROOT", "NET_RAW"],
            Class::User => vec!["0", "00", "+0", "root", "1000:1000", "keep-groups", "0:0:1"],
            Class::Network => vec![
                "8080:80",
                "0.0.0.0:1:1",
                "127.0.0.1:8080:80",
                "80",
                "127.0.0.1:1:1,8091:80",
            ],
            Class::Annotation => vec![
                "run.oci.keep_original_groups=1",
                "a=1,run.oci.keep_original_groups=1",
                "io.containers.trace-syscall=of:/tmp/x",
                "org.opencontainers.image.title=x",
            ],
            Class::Environment => vec!["TZ=UTC", "*", "ANTH*", "HOME", "A=b,c"],
            Class::Logging => vec!["debug", "trace", "info", "error", "DEBUG", "verbose"],
            Class::LogDriver => vec!["passthrough", "passthrough-tty", "k8s-file", "none", "syslog"],
            Class::Restart => vec!["always", "no", "on-failure:3", "unless-stopped"],
            Class::Label => vec![
                "team=blue",
                "io.containers.autoupdate=local",
                "io.containers.autoupdate=disabled",
                "PODMAN_SYSTEMD_UNIT=reboot.target",
                "IO.Containers.AutoUpdate.authfile=/root/.docker/config.json",
            ],
            Class::Health => vec![
                "1ms", "30s", "0", "1m", "29s", "true", "0.5m", "-1s", "disable", "",
            ],
            Class::ContainerName => vec![
                "agent-1",
                "0123456789abcdef",
                "abababababababababababababababababababababababababababababababab",
            ],
            Class::Inert | Class::Hardening | Class::Denied(_) => vec!["x", "1", "/tmp/y"],
        }
    }

    /// docker's global flags before `run`, in every spelling: none, or one of them.
    fn global() -> impl Strategy<Value = Vec<String>> {
        let mut spellings: Vec<Vec<String>> = vec![vec![]];
        for f in GLOBAL_FLAGS
            .iter()
            .filter(|f| !matches!(f.long.as_str(), "help" | "version"))
        {
            let names = std::iter::once(format!("--{}", f.long)).chain(f.short.map(|c| format!("-{c}")));
            for name in names {
                match f.arity {
                    Arity::Bool => {
                        spellings.push(vec![name.clone()]);
                        if name.starts_with("--") {
                            spellings.push(vec![format!("{name}=false")]);
                            spellings.push(vec![format!("{name}=1")]);
                        }
                    }
                    Arity::Value => {
                        let values = match f.class {
                            Class::Logging => class_values(f),
                            _ => vec!["tcp://10.0.0.1:2375", "/tmp/cfg"],
                        };
                        for v in values {
                            spellings.push(vec![name.clone(), v.to_string()]);
                        }
                    }
                }
            }
        }
        proptest::sample::select(spellings)
    }

    fn option() -> impl Strategy<Value = Vec<String>> {
        let flags: Vec<&'static Flag> = FLAGS.iter().filter(|f| f.long != "help").collect();
        proptest::sample::select(flags).prop_flat_map(|f| {
            let long = format!("--{}", f.long);
            match f.arity {
                Arity::Bool => proptest::sample::select(vec!["", "=true", "=false", "=1"])
                    .prop_map(move |b| vec![format!("{long}{b}")])
                    .boxed(),
                Arity::Value => (proptest::sample::select(class_values(f)), any::<bool>())
                    .prop_map(move |(v, joined)| {
                        if joined {
                            vec![format!("{long}={v}")]
                        } else {
                            vec![long.clone(), v.to_string()]
                        }
                    })
                    .boxed(),
            }
        })
    }

    /// The oracle: what must hold of anything the shim lets run under the default policy.
    fn satisfies(h: &Host, out: &[OsString]) -> Result<(), String> {
        // The mount check's hook folder, podman's global option, comes first when binds are
        // checked; podman restarts a container without it.
        let checked = nanoclaw_shim::mountcheck::command_args(out).len() < out.len();
        let Ok(Invocation::Run(r)) = parse::parse(nanoclaw_shim::mountcheck::command_args(out)) else {
            return Err("output does not parse".into());
        };
        if let Some((_, o)) = r.last(nanoclaw_shim::setting!("restart")) {
            if checked && !matches!(o.bytes(), b"" | b"no") {
                return Err("a restart policy on a container whose binds are checked".into());
            }
        }
        // docker's global flags: no other engine, no log level that prints the argv.
        let globals = &r.prefix[..r.prefix.len() - 1];
        for (i, g) in globals.iter().enumerate() {
            let g = g.to_string_lossy();
            let next = globals.get(i + 1).map(|v| v.to_string_lossy().to_lowercase());
            let quiet = |v: &str| ["info", "warn", "warning", "error", "fatal", "panic"].contains(&v);
            match g.as_ref() {
                "-H" | "--host" | "-c" | "--context" | "--config" | "--tls" | "--tlsverify" | "--tls=1" => {
                    return Err(format!("{g} sends the command elsewhere"));
                }
                "-D" | "--debug" | "--debug=1" => return Err(format!("{g} logs the argv")),
                "-l" | "--log-level" if !next.as_deref().is_some_and(quiet) => {
                    return Err(format!("{g} {next:?} logs the argv"));
                }
                _ => {}
            }
        }
        let home = h.home.display().to_string();
        let secret = [
            format!("{home}/.ssh"),
            format!("{home}/.aws"),
            format!("{home}/nanoclaw/.env"),
        ];
        let exec = [
            format!("{home}/.bashrc"),
            format!("{home}/.local"),
            "/usr".to_string(),
        ];
        let norm = |s: &str| {
            let s = s.trim_end_matches('/');
            if s.is_empty() {
                "/".to_string()
            } else {
                s.to_string()
            }
        };
        for o in &r.opts {
            let whole = String::from_utf8_lossy(o.bytes()).to_string();
            if let Class::Denied(_) = o.flag.class {
                if o.flag.arity == Arity::Value || o.is_true() {
                    return Err(format!("denied flag --{} ran", o.flag.long));
                }
            }
            // podman reads some values as comma-separated lists: every element must hold.
            let parts: Vec<String> = if o.flag.podman_list {
                whole.split(',').map(str::to_string).collect()
            } else {
                vec![whole.clone()]
            };
            for v in parts {
                match o.flag.canonical() {
                    "env" if !v.contains('=') || v.split('=').next().unwrap_or("").contains('*') => {
                        return Err(format!("-e {v} copies the host's environment"));
                    }
                    "volume" | "mount" => {
                        for part in v.split([':', ',', '=']) {
                            let p = norm(part);
                            if secret.iter().any(|s| p.starts_with(s.as_str()))
                                || ["/", "/etc", "/run", "/proc"].contains(&p.as_str())
                                || p == home
                                || p.starts_with("/etc/")
                            {
                                return Err(format!("mount of {p} ran: {v}"));
                            }
                            let ro = v.contains(":ro") || v.contains("readonly");
                            if !ro && exec.iter().any(|e| p.starts_with(e.as_str())) {
                                return Err(format!("writable {p} ran: {v}"));
                            }
                        }
                    }
                    // The shim's own narrowed profile (`harden.seccomp`), filled in at the exec.
                    "security-opt"
                        if !(v.starts_with("no-new-privileges")
                            || v.starts_with("mask=")
                            || v.strip_prefix("seccomp=") == Some(nanoclaw_shim::seccomp::PLACEHOLDER))
                            || v.contains("false") =>
                    {
                        return Err(format!("security option {v} ran"));
                    }
                    "label" => {
                        let key = v.split('=').next().unwrap_or("").trim().to_ascii_lowercase();
                        let policy =
                            key == "io.containers.autoupdate" || key.starts_with("io.containers.autoupdate.");
                        if (policy && v != "io.containers.autoupdate=disabled")
                            || key == "podman_systemd_unit"
                        {
                            return Err(format!("label {v} drives podman's auto-update"));
                        }
                    }
                    "publish" if !v.starts_with("127.0.0.1:") => return Err(format!("public port {v}")),
                    "publish-all" if o.is_true() => return Err("publish-all ran".into()),
                    "annotation" if v.starts_with("run.oci") || v.starts_with("io.containers") => {
                        return Err(format!("annotation {v} ran"));
                    }
                    "group-add" if v.contains("keep-groups") => return Err("keep-groups ran".into()),
                    "user" if ["0", "00", "+0", "root"].contains(&v.split(':').next().unwrap_or("")) => {}
                    "privileged" if o.is_true() => return Err("privileged ran".into()),
                    "cap-add" if v != "SYS_CHROOT" => return Err(format!("cap-add {v} ran")),
                    "network" if v.contains("allow_host_loopback") || v.starts_with("pasta:") => {
                        return Err(format!("--network {v} ran"));
                    }
                    "network" | "pid" | "ipc" | "uts" | "userns" | "cgroupns"
                        if v == "host" || v.starts_with("ns:") =>
                    {
                        return Err(format!("--{} {v} ran", o.flag.canonical()));
                    }
                    "env-file" | "label-file" => {
                        let p = norm(&v);
                        if secret.iter().any(|s| p.starts_with(s.as_str())) || p.starts_with("/etc") {
                            return Err(format!("host file {p} was read"));
                        }
                    }
                    "cidfile" | "conmon-pidfile" | "pidfile" | "log-opt" => {
                        let p = norm(v.trim_start_matches("path="));
                        if secret.iter().chain(&exec).any(|s| p.starts_with(s.as_str()))
                            || p.starts_with("/etc")
                        {
                            return Err(format!("host file {p} was written"));
                        }
                    }
                    "log-driver" if v.starts_with("passthrough") => {
                        return Err(format!("--log-driver {v} ran"));
                    }
                    // `--systemd=false` is the shim's own (`harden.systemd`), and only restricts.
                    "systemd" if v != "false" => return Err("--systemd ran".into()),
                    "cgroup-conf" | "cgroup-parent" | "cgroups" | "cpu-rt-runtime" | "cpu-rt-period" => {
                        return Err(format!("--{} ran", o.flag.long));
                    }
                    "oom-kill-disable" if o.is_true() => return Err("oom-kill-disable ran".into()),
                    "ulimit" if v.starts_with("rtprio=99") => return Err("rtprio ran".into()),
                    "memory-swap" if v == "-1" => return Err("unlimited swap ran".into()),
                    _ => {}
                }
            }
            // `--http-proxy=false` is the shim's own, and only restricts.
            if o.flag.docker == nanoclaw_shim::flags::Docker::No
                && (o.flag.long != "http-proxy" || o.is_true())
            {
                return Err(format!("podman-only --{} ran", o.flag.long));
            }
        }
        if !r.bool_on(nanoclaw_shim::setting!("read-only")) {
            return Err("not read-only".into());
        }
        // Health checks: the image's off unless the caller names one, and every interval the
        // caller gives at least the default policy's 30 s (the generated values, read by hand).
        let cmd = r
            .last(nanoclaw_shim::setting!("health-cmd"))
            .is_some_and(|(_, o)| !o.bytes().is_empty());
        if !cmd && !r.bool_on(nanoclaw_shim::setting!("no-healthcheck")) {
            return Err("the image's health check left on".into());
        }
        for o in r.opts.iter().filter(|o| o.flag.class == Class::Health) {
            let v = String::from_utf8_lossy(o.bytes()).to_string();
            let interval = o.flag.canonical().ends_with("interval");
            if interval && !["30s", "0", "1m", "0.5m"].contains(&v.as_str()) {
                return Err(format!("health-check interval {v} ran"));
            }
            if !cmd && !matches!(o.flag.canonical(), "health-cmd" | "no-healthcheck") {
                return Err(format!("--{} tunes the image's health check", o.flag.long));
            }
        }
        Ok(())
    }

    #[test]
    fn every_class_is_refused_or_satisfies_the_policy() {
        let h = host(); // one host for every case: the check is what varies
        // A fixed seed: the same 400 cases every run (CI is deterministic); NANOCLAW_SHIM_PROPTEST_CASES
        // explores more when asked.
        let cases = std::env::var("NANOCLAW_SHIM_PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(400);
        let config = ProptestConfig {
            cases,
            ..ProptestConfig::default()
        };
        let rng =
            proptest::test_runner::TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha);
        let mut runner = proptest::test_runner::TestRunner::new_with_rng(config, rng);
        runner
            .run(
                &(global(), proptest::collection::vec(option(), 1..6)),
                |(globals, opts)| {
                    let mut words: Vec<String> = globals;
                    words.push("run".into());
                    words.extend(opts.into_iter().flatten());
                    words.push("img".into());
                    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
                    let p = plan(&h, &refs);
                    if p.decision != Decision::Refuse {
                        if let Err(why) = satisfies(&h, &p.args) {
                            prop_assert!(false, "{words:?} ran although {why}: {:?}", p.args);
                        }
                    }
                    Ok(())
                },
            )
            .unwrap();
    }

    #[test]
    fn the_generator_covers_every_class() {
        use std::collections::BTreeSet;
        let classes: BTreeSet<&str> = FLAGS.iter().map(|f| f.class.as_str()).collect();
        for c in [
            "inert",
            "ceiling",
            "namespace",
            "mount",
            "host file read",
            "host file write",
            "security option",
            "capabilities",
            "user",
            "network",
            "annotation",
            "hardening",
            "denied by default",
        ] {
            assert!(classes.contains(c), "no flag of class {c}");
        }
        // The global table's classes are generated by `global()`.
        let global: BTreeSet<&str> = GLOBAL_FLAGS.iter().map(|f| f.class.as_str()).collect();
        for c in ["inert", "logging", "denied by default"] {
            assert!(global.contains(c), "no global flag of class {c}");
        }
    }
}

/// A `[deny]` switch turned off relaxes the commands it covers too: `build_options = false`
/// lets a build with the host network through (it refused before the switch was read there).
#[test]
fn a_switched_off_build_rule_relaxes_build() {
    let h = host();
    let words = expand(&h, &["build", "--network", "host", "{proj}/groups/main"]);
    let p = rewrite::plan(&words, &Policy::default(), &target(&h));
    assert_eq!(p.decision, Decision::Refuse, "{:?}", p.refusal);
    let mut relaxed = Policy::default();
    relaxed
        .rules
        .deny
        .set(nanoclaw_shim::rules::Rule::DenyBuild, false);
    let p = rewrite::plan(&words, &relaxed, &target(&h));
    assert!(p.decision.runs(), "{:?}", p.refusal);
}

/// An env file or a Containerfile that is there but cannot be read whole (a FIFO, which podman
/// reads from whatever writes it; a file past the 1 MiB the shim reads, ending in a bare `NAME`
/// line) is refused, not passed by as "nothing to check"; and the check never blocks on a
/// FIFO waiting for a writer.
#[test]
fn an_env_file_or_containerfile_that_cannot_be_read_whole_is_refused() {
    // The FIFOs, each checked on a thread of its own that must answer in time.
    for (argv, rule) in [
        (
            &["run", "--env-file", "{proj}/groups/main/agent.fifo", "img"][..],
            "deny.env-host",
        ),
        (
            &[
                "build",
                "-f",
                "{proj}/groups/main/agent.fifo",
                "{proj}/groups/main",
            ],
            "deny.build",
        ),
    ] {
        let h = host();
        let made = std::process::Command::new("mkfifo")
            .arg(h.home.join("nanoclaw/groups/main/agent.fifo"))
            .status()
            .unwrap();
        assert!(made.success());
        let words = expand(&h, argv);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let p = rewrite::plan(&words, &Policy::default(), &target(&h));
            let _ = tx.send(p.refusal.map(|r| r.rule.as_str()));
        });
        let refused = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the check hung on a FIFO");
        assert_eq!(refused, Some(rule), "{argv:?}");
    }
    // Past the limit, with what the check must not miss at the end.
    let h = host();
    let dir = h.home.join("nanoclaw/groups/main");
    let mut big = "PAD=x\n".repeat(200_000);
    big.push_str("HOST_SECRET\n");
    std::fs::write(dir.join("big.env"), &big).unwrap();
    std::fs::create_dir(dir.join("ctx")).unwrap();
    let mut file = "# padding\n".repeat(120_000);
    file.push_str("FROM img\nRUN --mount=type=bind,from=s,source=/l,target=/h,rw true\n");
    std::fs::write(dir.join("ctx/Containerfile"), &file).unwrap();
    for (argv, rule) in [
        (
            &["run", "--env-file", "{proj}/groups/main/big.env", "img"][..],
            "deny.env-host",
        ),
        (
            &["exec", "--env-file", "{proj}/groups/main/big.env", "c", "sh"],
            "deny.env-host",
        ),
        (&["build", "{proj}/groups/main/ctx"], "deny.build"),
    ] {
        let p = rewrite::plan(&expand(&h, argv), &Policy::default(), &target(&h));
        assert_eq!(p.refusal.map(|r| r.rule.as_str()), Some(rule), "{argv:?}");
    }
}

/// With `shadow_repositories` (the escape hatch for a group whose agent ran `git init` in its
/// own folder: every later start was refused, the seventieth look's), a working tree whose
/// `.git` (or `.hg`) is at the top of a read-write mount runs, with that metadata mounted over
/// itself read-only (`harden.repository`), in every mount spelling.
#[test]
fn a_repository_at_a_mount_s_top_is_read_only_when_the_policy_says() {
    let h = host();
    let mut policy = Policy::default();
    policy.rules.hardening.shadow_repositories = true;
    let plan = |h: &Host, words: &[&str]| rewrite::plan(&expand(h, words), &policy, &target(h));
    let home = h.home.display().to_string();
    for (src, meta) in [("~/projects/site", ".git"), ("~/projects/hgrepo", ".hg")] {
        let real = src.replacen('~', &home, 1);
        let rw = format!("{src}:/x");
        let mount = format!("type=bind,source={src},target=/x");
        for words in [
            ["run", "-v", rw.as_str(), "img"],
            ["run", "--mount", mount.as_str(), "img"],
        ] {
            let p = plan(&h, &words);
            assert!(p.refusal.is_none(), "{words:?}: {:?}", p.refusal);
            let shadow = format!("--mount=type=bind,src={real}/{meta},dst=/x/{meta},ro=true");
            assert!(p.args.iter().any(|a| *a == *shadow), "{words:?}: {:?}", p.args);
            assert!(p.changes.iter().any(|c| c.rule.as_str() == "harden.repository"));
        }
    }
    // A `.git` that is a link (an agent's `ln -s ../../store .git`): podman would follow it,
    // and the read-only mount would give the container wherever it points (the eighty-fifth
    // look's: other groups' folders, nanoclaw's credentials). Refused, with how to recover.
    let linked = h.home.join("projects/linked");
    std::fs::create_dir_all(&linked).unwrap();
    std::fs::create_dir_all(h.home.join("projects/store")).unwrap();
    std::os::unix::fs::symlink("../store", linked.join(".git")).unwrap();
    let p = plan(&h, &["run", "-v", "~/projects/linked:/x", "img"]);
    let r = p.refusal.expect("a .git link is never shadowed");
    assert_eq!(r.rule.as_str(), "deny.host-exec", "{}", r.message);
    assert!(r.message.contains("remove it on the host"), "{}", r.message);
    // Read-only, or shadowed by the caller, nothing is added.
    for words in [
        &["run", "-v", "~/projects/site:/x:ro", "img"][..],
        &[
            "run",
            "-v",
            "~/projects/site:/x",
            "-v",
            "~/projects/site/.git:/x/.git:ro",
            "img",
        ],
    ] {
        let p = plan(&h, words);
        assert!(p.refusal.is_none(), "{words:?}: {:?}", p.refusal);
        assert!(
            !p.changes.iter().any(|c| c.rule.as_str() == "harden.repository"),
            "{words:?}"
        );
    }
}
