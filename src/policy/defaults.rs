//! The built-in values: the shipped policy file and the default lists of every class of host
//! path and annotation. `policy/default.toml` states the same defaults; a test holds them equal.

/// The shipped default policy, also compiled in so the shim works with no file installed.
pub const DEFAULT_TOML: &str = include_str!("../../policy/default.toml");

/// Host paths that must never be bind-mounted, their parents included: the system's own trees
/// and the runtimes' sockets. `/dev/null` is the one exception under `/dev` (nanoclaw shadows a
/// project's `.env` with it).
pub const DEFAULT_SENSITIVE_PATHS: &[&str] = &[
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/podman/podman.sock",
    "/run/user/*/podman/podman.sock",
    "/run/user/*/docker.sock",
    "/run/containerd",
    "/var/run/containerd",
    // Other engines' and managers' sockets (the forty-ninth look's): Rancher Desktop, Colima and
    // Lima's docker sockets in the home, CRI-O, k3s, BuildKit, libvirt, LXD, Incus, snapd,
    // Tailscale. A socket elsewhere is refused as a bind source by its type.
    "~/.rd",
    "~/.colima",
    "~/.lima",
    "/run/crio",
    "/var/run/crio",
    "/run/k3s",
    "/run/buildkit",
    "/run/libvirt",
    "/var/run/libvirt",
    "/var/snap/lxd",
    "/run/incus",
    "/run/snapd.socket",
    "/run/snapd-snap.socket",
    "/run/tailscale",
    "/var/run/tailscale",
    "~/.config/nanoclaw-shim",
    // Host services' sockets: a read-only mount does not stop `connect(2)`, and each of these
    // runs commands for whoever connects (the session and system buses start units, a tmux or
    // editor server runs keystrokes, an ssh agent signs, X11 takes input, podman's runroot
    // holds other containers' configuration).
    "/run/user",
    // Rootless podman's last place for its running state, when neither XDG_RUNTIME_DIR nor
    // /run/user/UID nor a podman-run-UID of its own in TMPDIR is there (another user can squat
    // the last): a container that writes runc's state there adds a hook the host runs.
    "~/rundir",
    "/run/dbus",
    "/var/run/dbus",
    "/run/systemd",
    // In `/tmp` every entry is a pattern: a path there is never resolved, so `/tmp`, whose
    // entries change all the time, never invalidates what the shim remembers of the lists.
    "/tmp/.X11-unix*",
    "/tmp/.ICE-unix*",
    "/tmp/.XIM-unix*",
    "/tmp/.font-unix*",
    "/tmp/tmux-*",
    "/tmp/ssh-*",
    "/tmp/dbus-*",
    "/tmp/emacs*",
    "/tmp/nvim*",
    "/tmp/screens*",
    "/tmp/vscode-*",
    "/tmp/podman-run-*",
    "/tmp/containers-user-*",
    "/tmp/systemd-private-*",
    "/tmp/.s.PGSQL.*",
    "/tmp/mysql*.sock",
    // The host's root under another name: an ostree host's physical root and its deployments,
    // and the real root as toolbox and distrobox show it inside their namespace (the
    // thirty-second pass's look listed `/run/host/home` there).
    "/sysroot",
    "/ostree",
    "/run/host",
];

/// Credential stores of the caller's home: refused even read-only, and so are their parents.
/// `/home/*` and `/root` mean other users' homes, whose keys a container given their uid reads
/// (the red team's `-v /home:/h:ro --user 1001`); the caller's own home is judged by the `~/`
/// entries.
pub const DEFAULT_CREDENTIAL_PATHS: &[&str] = &[
    "/home/*",
    "/root",
    "~/.ssh",
    "~/.gnupg",
    "~/.aws",
    "~/.azure",
    "~/.kube",
    "~/.docker",
    "~/.netrc",
    "~/.npmrc",
    "~/.pypirc",
    "~/.git-credentials",
    "~/.config/gcloud",
    "~/.config/gh",
    "~/.config/hub",
    "~/.config/containers/auth.json",
    "~/.password-store",
    "~/.local/share/keyrings",
    "~/.pgpass",
    "~/.vault-token",
    "~/.terraform.d",
    "~/.cargo/credentials",
    "~/.cargo/credentials.toml",
    "~/.claude",
    "~/.claude.json",
    // The hundred-and-twenty-ninth look's: stores it read through a read-only mount (X's and
    // ICE's cookies, the TOTP seed of PAM's second factor, Erlang's cluster cookie, SMB, s3fs,
    // Subversion, Pidgin, Sentry, JetBrains' and Telegram's stores, huggingface's newer token
    // file), and more it found allowed; Kerberos ticket caches in /tmp.
    "~/.cache/huggingface",
    "~/.Xauthority",
    "~/.ICEauthority",
    "~/.google_authenticator",
    "~/.erlang.cookie",
    "~/.smbcredentials",
    "~/.passwd-s3fs",
    "~/.subversion/auth",
    "~/.purple",
    "~/.sentryclirc",
    "~/.config/JetBrains",
    "~/.local/share/TelegramDesktop",
    "~/.p4tickets",
    "~/.cvspass",
    "~/.modal.toml",
    "~/.circleci",
    "~/.kubeconfig",
    "~/kubeconfig",
    "~/.keychain",
    "~/.wireguard",
    "~/.config/goose",
    "~/.config/opencode",
    "~/.continue",
    "~/.mcp.json",
    "~/.local/share/python_keyring",
    "~/.local/share/keyrings",
    "~/.local/share/keepassxc",
    "~/.config/keepassxc",
    "~/.lastpass",
    "~/.config/lpass",
    "~/.local/share/lpass",
    "~/.local/share/DBeaverData",
    "~/.config/Postman",
    "~/.config/keybase",
    "~/.local/share/gh",
    "~/.Azure",
    "~/.aliyun",
    "~/.bluemix",
    "~/.IdentityService",
    "~/.config/evolution",
    "~/.local/share/evolution",
    "/tmp/krb5cc*",
    // Snap's apps keep their dotfiles beneath ~/snap/<app> (Telegram's store, the LXD client's
    // key were read there); LXD's and Incus's client keys are admin on every remote that
    // trusts them (the hundred-and-thirty-third look's).
    "~/snap",
    "~/.config/lxc",
    "~/.config/incus",
    // Model tools' keys and the stores tools read credentials from (the
    // hundred-and-twenty-eighth look's: `llm`'s keys.json, aichat's and aider's keys were
    // read): Jupyter's running kernels' tokens and keys, MCP clients' configurations (servers'
    // API keys in their environment), curl's and wget's start-up files (`user = u:p`), docker's
    // old login file.
    "~/.config/io.datasette.llm",
    "~/.config/aichat",
    "~/.aider.oauth-keys.env",
    "~/.local/share/jupyter/runtime",
    "~/.cursor/mcp.json",
    "~/.config/Claude",
    "~/.config/claude",
    "~/.curlrc",
    "~/.wgetrc",
    "~/.dockercfg",
    "~/.codex",
    "~/.config/rclone",
    "~/.config/op",
    "~/.config/doctl",
    "~/.config/configstore",
    "~/.config/composer/auth.json",
    "~/.s3cfg",
    "~/.boto",
    "~/.oci",
    "~/.pulumi",
    "~/.m2/settings.xml",
    "~/.gradle/gradle.properties",
    "~/.yarnrc.yml",
    "~/.mozilla",
    "~/.config/google-chrome",
    "~/.config/chromium",
    "~/.config/BraveSoftware",
    // The forty-ninth look's: browsers, mail and chat clients' profiles (sessions, cookies,
    // saved passwords) where distributions and other browsers keep them, Flatpak's apps
    // (every app's profile), password managers and key files, AI tools' and developer tools'
    // tokens, cloud and platform CLIs' logins, and client configurations holding passwords.
    "~/snap/firefox/common/.mozilla",
    "~/snap/chromium/common/chromium",
    "~/snap/thunderbird",
    "~/.var/app",
    "~/.config/microsoft-edge",
    "~/.config/vivaldi",
    "~/.config/opera",
    "~/.config/google-chrome-beta",
    "~/.config/google-chrome-unstable",
    "~/.librewolf",
    "~/.thunderbird",
    "~/.config/Slack",
    "~/.config/discord",
    "~/.config/Signal",
    "~/.config/Element",
    "~/.config/Bitwarden",
    "~/.config/Bitwarden CLI",
    "~/.config/1Password",
    "~/.op",
    "~/.config/gopass",
    "~/.local/share/gopass",
    "~/.local/share/kwalletd",
    "~/.config/sops",
    "~/.config/age",
    "~/.gemini",
    "~/.config/github-copilot",
    "~/.local/share/opencode",
    "~/.cursor",
    "~/.config/Code/User/globalStorage",
    "~/.config/Cursor/User/globalStorage",
    "~/.huggingface",
    "~/.cache/huggingface/token",
    "~/.kaggle",
    "~/.config/glab-cli",
    "~/.config/hcloud",
    "~/.config/linode-cli",
    "~/.fly",
    "~/.local/share/com.vercel.cli",
    "~/.config/netlify",
    "~/.netlify",
    "~/.config/heroku",
    "~/.railway",
    "~/.supabase",
    "~/.config/stripe",
    "~/.wrangler",
    "~/.config/.wrangler",
    "~/.cloudflared",
    "~/.config/ngrok",
    "~/.ngrok2",
    "~/.doppler",
    "~/.jfrog",
    "~/.terraformrc",
    "~/.minikube",
    "~/.tsh",
    "~/.config/helm/registry",
    "~/.databrickscfg",
    "~/.snowflake",
    "~/.dbt",
    "~/.my.cnf",
    "~/.mylogin.cnf",
    "~/.config/pip/pip.conf",
    "~/.pip/pip.conf",
    "~/.nuget/NuGet",
    "~/.composer/auth.json",
    "~/.config/pypoetry/auth.toml",
    "~/.m2/settings-security.xml",
    "~/.msmtprc",
    "~/.mbsyncrc",
    "~/.fetchmailrc",
    "~/.authinfo",
    "~/.config/filezilla",
    "~/.config/remmina",
    "~/.local/share/remmina",
    "~/.local/share/fish",
    "~/.local/share/atuin",
    "/run/user/*/containers/auth.json",
    "/run/containers/*/auth.json",
    // Container storage holds every container's configuration, the environment (tokens) of
    // other agents included, and podman's secrets: refused even read-only, and `/var/lib` with it.
    "/var/lib/containers",
    "~/.local/share/containers",
    "/var/lib/docker",
    "/var/lib/containerd",
    // Incus keeps its socket beside its storage (a socket is refused as a source by its type).
    "/var/lib/incus",
    // The system's secret stores (the forty-ninth look's): network keys, cloud instance data,
    // cluster and secret services, certificates, whole machines' roots, databases, secrets
    // mounted into the host, logs and swap. A container's uid is 1000 or above, so root's 0600
    // files stay closed; files readable by others or by the first human user do not.
    "/var/lib/iwd",
    "/var/lib/NetworkManager",
    "/var/lib/bluetooth",
    "/var/lib/tailscale",
    "/var/lib/zerotier-one",
    "/var/lib/systemd/credential.secret",
    "/var/lib/cloud",
    "/var/lib/snapd",
    "/var/lib/kubelet",
    "/var/lib/rancher",
    "/var/lib/etcd",
    "/var/lib/vault",
    "/var/lib/acme",
    "/var/lib/lxd",
    "/var/lib/libvirt",
    "/var/lib/machines",
    "/var/lib/lxc",
    "/var/lib/private",
    "/var/lib/postgresql",
    "/var/lib/mysql",
    "/run/secrets",
    "/var/run/secrets",
    "/run/keys",
    "/run/NetworkManager",
    "/var/log",
    // Memory dumps of crashed host processes (their environment and heap, tokens included) and
    // the journal kept in memory: systemd-coredump gives the crashing user a read ACL on its
    // cores, so an agent running as that uid read them (the thirty-second pass's look).
    "/run/log",
    "/var/lib/systemd/coredump",
    "/var/lib/systemd/pstore",
    "/var/crash",
    "/var/lib/apport",
    "/var/spool/abrt",
    "/var/tmp/abrt",
    // Directory clients' caches and domain secrets: cached logins' hashes, a machine account's
    // key.
    "/var/lib/sss",
    "/var/cache/sssd",
    "/var/lib/samba",
    "/var/lib/krb5kdc",
    "/var/kerberos",
    "/var/lib/heimdal-kdc",
    "/var/lib/ldap",
    "/var/lib/openldap",
    "/var/lib/dirsrv",
    "/var/lib/ipa",
    "/var/lib/gssproxy",
    "/swapfile",
    "/swap.img",
    "/swap",
    "/var/swap",
    // Copies of the host's trees that backup tools keep in plain files: rsnapshot's default
    // root (its other, `/.snapshots`, and snapper's, ZFS's and Timeshift's folders are
    // refused by name wherever they are), and the usual roots of hand-made backups. A mount of
    // one read `~/.ssh`, `~/.config/gh` and `/etc/shadow` from a copy of the whole disk (the
    // thirty-fourth pass's look, High).
    "/var/cache/rsnapshot",
    "/backup",
    "/backups",
    // debconf's answers: packages' passwords, in plain text (the same look's).
    "/var/cache/debconf",
    "/var/lib/connman",
    "/var/lib/k0s",
    "/var/lib/cloudflare-warp",
    // Where the system keeps copies of its password files, mail and users' crontabs.
    "/var/backups",
    "/var/mail",
    "/var/spool/mail",
    "/var/spool/cron",
    // Every hidden entry of the home, last (the named entries above say what a refusal is
    // about): shells' start-up files export tokens (`export GITHUB_TOKEN=...` in `~/.bashrc`),
    // and tools keep their logins under names no list keeps up with (the hundred-and-twenty-ninth
    // look named over a hundred stores beyond those above, each read through a read-only mount).
    // A write there is `deny.host-exec`'s (the same entry is on that list).
    HIDDEN_HOME,
];

/// Every hidden entry of the caller's home: on the credentials list (never read) and the
/// host-exec list (never written).
pub const HIDDEN_HOME: &str = "~/.*";

/// Names that hold credentials wherever they appear (nanoclaw's own blocked patterns and the
/// common others). A component matches when it equals the name, goes on after it with one of
/// `.~-_ #(` (`.env.local`, `.env~`, `id_rsa_github`; not a shared `.env.example` or
/// `id_rsa.pub`), or is an editor's copy of such a component (`#.env#`, `.id_rsa.swp`); a name
/// written `*SUFFIX` matches every component that ends so, and one written `*INFIX*SUFFIX` every
/// component that ends so and holds the infix before the suffix. A mounted directory that holds one at
/// its top is refused unless another mount shadows it (nanoclaw's
/// `-v /dev/null:/workspace/project/.env:ro`).
pub const DEFAULT_CREDENTIAL_NAMES: &[&str] = &[
    ".ssh",
    ".gnupg",
    ".gpg",
    ".aws",
    ".azure",
    ".gcloud",
    ".kube",
    ".docker",
    "credentials",
    ".env",
    ".netrc",
    ".npmrc",
    ".pypirc",
    "id_rsa",
    "id_ecdsa",
    "id_ed25519",
    "id_dsa",
    "private_key",
    ".secret",
    ".secrets",
    // direnv's per-folder environment, sourced by the shell (the hundred-and-twenty-eighth look's).
    ".envrc",
    ".git-credentials",
    ".credentials",
    "creds.json",
    ".password-store",
    ".pgpass",
    ".vault-token",
    "keyrings",
    // Shells' and REPLs' histories: tokens typed on a command line stay there (the red team's
    // `~/.bash_history` passed read-only).
    ".bash_history",
    ".zsh_history",
    ".sh_history",
    ".python_history",
    ".node_repl_history",
    ".psql_history",
    ".mysql_history",
    ".zhistory",
    ".histfile",
    "fish_history",
    ".sqlite_history",
    ".rediscli_history",
    ".dbshell",
    ".irb_history",
    ".lesshst",
    // vim's registers and command history, IPython's history database (the hundred-and-ninth look's).
    ".viminfo",
    "history.sqlite",
    // podman's stores wherever a variable or a configuration moved them: the database of 4.x
    // (5's `db.sql` is found where the configuration puts it), each container's settings with
    // its environment, the file driver's secrets, and a store's lock at its top (the
    // hundred-and-fourteenth look's read another agent's key from a store moved so).
    "bolt_state.db",
    "storage.lock",
    "overlay-containers",
    "vfs-containers",
    "btrfs-containers",
    "zfs-containers",
    "secretsdata.json",
    // Browsers' stores of saved logins wherever a profile lies (Firefox's).
    "logins.json",
    "key4.db",
    // Snapshots of whole file systems, each a copy of every home and of `/root` and `/etc`:
    // snapper's and rsnapshot's `.snapshots`, ZFS's `.zfs` (hidden from listings, reached by
    // name), Timeshift's and Back In Time's folders (the thirty-fourth pass's look read keys
    // and tokens from each, High).
    ".snapshots",
    ".zfs",
    "timeshift",
    "backintime",
    // Keys and key stores by their usual names and endings, and password managers' exports
    // (the same look's, Medium): `kubeconfig`, the host's SSH keys, a GnuPG 1 secret ring,
    // Bitcoin's wallet, TLS and Java key stores, PuTTY's keys, KeePass and 1Password files,
    // VPN profiles with their keys, Terraform's state (every secret it made), browsers'
    // password exports. (`*.pem` is not one: nanoclaw mounts its proxy's CA certificates so.)
    "kubeconfig",
    "ssh_host",
    "secring",
    "wallet.dat",
    "bitwarden_export",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.ppk",
    "*.kdbx",
    "*.1pux",
    "*.ovpn",
    "terraform.tfstate",
    "*.tfstate",
    "*.tfstate.backup",
    // Private keys written as PEM (`privkey.pem`, certbot's, `server-key.pem`), browsers'
    // password exports (Chrome's `Passwords.csv`, Firefox's `logins.csv`); endings are matched
    // in any case (the second look's). (Not `*.env`: an `--env-file` of any name is how a
    // caller means to pass variables.)
    "*key.pem",
    "*passwords.csv",
    "*logins.csv",
    // SSH keys named for where they are used (`deploy_key`, `github_ed25519`, `gitlab_rsa`),
    // tools' files of secrets in a project (Cloudflare Wrangler's `.dev.vars`, Azure
    // Functions' `local.settings.json`, Google's quickstarts' `token.json` and service
    // accounts' keys, Composer's `auth.json`, Terraform's variables, Ansible's vault password,
    // Android's signing passwords, Apple's `AuthKey_*.p8`, cookiecutter-django's `.envs`),
    // clients' logins (`.s3cfg`, `.boto`, rclone's, MySQL's, Samba's, `.htpasswd`, Windows'
    // `_netrc`, `pgpass.conf`), password stores (KeePass 1, KWallet, the macOS keychain,
    // 1Password's vaults, GnuPG's private keys folder) and Chromium's stores of logins and
    // cookies (the thirty-sixth pass's look read each through a project mount).
    // (Not `*_dsa` or `*_key`, which name code folders, `Java_DSA`, `sort_key`; nor `auth.json`,
    // `token.json` or `private.pem`, which nanoclaw's agents write in their own folders, whose
    // next start would be refused: the second and third looks'.)
    "*_rsa",
    "*_ed25519",
    "*_ecdsa",
    "*deploy_key",
    "ssh_key",
    "rsa_key",
    ".dev.vars",
    "local.settings.json",
    "*serviceaccountkey.json",
    // Firebase's download of a project's admin key: `PROJECT-firebase-adminsdk-ID-HASH.json`.
    "*firebase-adminsdk-*.json",
    "*_credentials.json",
    "msal_token_cache.json",
    "*.tfvars",
    "*.tfvars.json",
    ".vault_pass",
    "vault_pass",
    ".vault-password",
    ".vault_password",
    // Files as vendors name them on download or tools write them (the same look's): AWS's
    // access keys, Google's OAuth clients and service accounts, kubeconfigs, recovery codes,
    // Kleopatra's secret keys, and clients' tokens.
    "*accesskeys.csv",
    "rootkey.csv",
    "*.apps.googleusercontent.com.json",
    "client_secret.json",
    "client_secrets.json",
    "service-account.json",
    "service_account.json",
    "*kubeconfig.yaml",
    "*kubeconfig.yml",
    "k3s.yaml",
    "admin.conf",
    "*recovery-codes.txt",
    "*recovery_codes.txt",
    "*backup-codes.txt",
    "*backup_codes.txt",
    "*_secret.asc",
    "*secret-key.asc",
    "*secret_key.asc",
    "*private-key.asc",
    "*.kubeconfig",
    "*_credentials.csv",
    "*token.txt",
    "*api_key.txt",
    "*api-key.txt",
    ".api_key",
    "access_tokens.db",
    "accessTokens.json",
    ".mylogin.cnf",
    "cookies.sqlite",
    "token.pickle",
    "kaggle.json",
    ".terraformrc",
    ".databrickscfg",
    "ngrok.yml",
    "oauth_creds.json",
    "secret.json",
    "wpa_supplicant.conf",
    "key.properties",
    "lastpass_export",
    "keystore.properties",
    "*.p8",
    ".envs",
    "secrets",
    ".s3cfg",
    ".boto",
    "rclone.conf",
    ".my.cnf",
    ".smbcredentials",
    ".htpasswd",
    "_netrc",
    "pgpass.conf",
    "*password.txt",
    "*passwords.txt",
    "*.kdb",
    "*.kwl",
    "*.keychain-db",
    "*.keychain",
    "*.opvault",
    "*.agilekeychain",
    "private-keys-v1.d",
    "Login Data",
    "Login Data For Account",
    "Web Data",
    "Cookies",
];

/// Paths that run code on the host when written (the next login, service start or `podman run`):
/// refused read-write, parents included. `/home/*` and `/root` mean other users' homes: the
/// caller's own home is judged by the `~/` entries.
pub const DEFAULT_HOST_EXEC_PATHS: &[&str] = &[
    "~/.bashrc",
    "~/.bash_profile",
    "~/.bash_login",
    "~/.bash_logout",
    "~/.profile",
    "~/.zshrc",
    "~/.zshenv",
    "~/.zprofile",
    "~/.zlogin",
    // The whole of it: programs keep there what they run when they start (user-dirs.dirs is
    // sourced by xdg-user-dir, pipewire, pulse, mpv, window managers and editors run their
    // configuration: the hundred-and-twenty-eighth look's ran a line from user-dirs.dirs as the
    // host user), and a list of them is never complete. The entries below it stay, named, for
    // what a `XDG_CONFIG_HOME` elsewhere moves and for the refusal's wording.
    "~/.config",
    "~/.config/fish",
    "~/.config/environment.d",
    "~/.config/autostart",
    "~/.config/systemd",
    "~/.config/containers",
    // Rootless podman's short-name aliases, tried before `localhost/NAME`: an alias written
    // there ran an agent's image for the operator's `podman run operator-app` (the
    // hundred-and-eleventh look's); and podman 4.3's CNI network definitions, where an agent
    // turned nanoclaw's `--internal` network into a routed one (the same look's).
    "~/.cache/containers",
    "~/.config/cni",
    "~/.config/nanoclaw",
    "~/.config/git",
    "~/.gitconfig",
    "~/.pam_environment",
    "~/.xprofile",
    "~/.xinitrc",
    "~/.xsession",
    "~/.local",
    "~/bin",
    "~/.cache/nanoclaw-shim",
    // Sourced by the shells' start-up files on common distributions.
    "~/.bash_aliases",
    "~/.bashrc.d",
    "~/.bash_completion",
    "~/.bash_completion.d",
    "~/.zlogout",
    "~/.config/zsh",
    "~/.oh-my-zsh",
    "~/.kshrc",
    "~/.mkshrc",
    "~/.cshrc",
    "~/.tcshrc",
    "~/.login",
    "~/.logout",
    "~/.xsessionrc",
    // Run when the user opens them (editors and terminal multiplexers run their configuration).
    "~/.vimrc",
    "~/.vim",
    "~/.config/nvim",
    "~/.emacs",
    "~/.emacs.d",
    "~/.config/emacs",
    "~/.tmux.conf",
    "~/.config/tmux",
    "~/.ipython",
    // Read by tools when they start (the hundred-and-ninth look's): GNU screen, gdb, psql,
    // sqlite3, irb, Mercurial, and less, whose LESSOPEN git's pager runs.
    "~/.screenrc",
    "~/.gdbinit",
    "~/.config/gdb",
    "~/.psqlrc",
    "~/.sqliterc",
    "~/.irbrc",
    "~/.hgrc",
    "~/.config/hg",
    "~/.lesskey",
    "~/.config/lesskey",
    "~/.config/less",
    // Read by the package tools podman and builds run (dpkg's; rpm's macros run shell commands).
    "~/.dpkg.cfg",
    "~/.rpmmacros",
    "~/.config/rpm",
    // Tool chains on the user's PATH or module path (Node's `require` searches ~/.node_modules).
    "~/.node_modules",
    "~/.node_libraries",
    "~/.nvm",
    "~/.rvm",
    "~/.volta",
    "~/.bun",
    "~/.deno",
    "~/.cargo",
    "~/.rustup",
    "~/.pyenv",
    "~/.rbenv",
    "~/.asdf",
    "~/.sdkman",
    "~/.nix-profile",
    "~/.npm-global",
    "~/go",
    // Package caches and tool homes whose contents run on the next install, build or `npx`.
    "~/.npm",
    "~/.yarn",
    "~/.yarnrc",
    "~/.bunfig.toml",
    "~/.m2",
    "~/.gradle",
    "~/.ivy2",
    "~/.sbt",
    "~/.gem",
    "~/.conda",
    "~/.condarc",
    "~/miniconda3",
    "~/anaconda3",
    // Installers' default homes whose `bin/` and shell hooks every interactive shell runs (the
    // thirty-first pass's look: conda's and gcloud's ran the agent's code).
    "~/miniforge3",
    "~/mambaforge",
    "~/micromamba",
    "~/google-cloud-sdk",
    "~/flutter",
    "~/emsdk",
    "~/spack",
    "~/.config/pip",
    "~/.pip",
    "~/.opam",
    "~/.ghcup",
    "~/.cabal",
    "~/.stack",
    "~/.dotnet",
    "~/.nuget",
    "~/.krew",
    "~/.julia",
    "~/.Rprofile",
    "~/.jupyter",
    "~/.cache/ms-playwright",
    // Caches whose contents run: corepack's package managers (the next pnpm or yarn), the
    // browsers puppeteer launches, Go's build cache, pre-commit's hook environments.
    "~/.cache/node",
    "~/.cache/puppeteer",
    "~/.cache/go-build",
    "~/.cache/pre-commit",
    // Editors' servers and their configuration, shells and desktops that run what they read.
    "~/.vscode",
    "~/.vscode-server",
    "~/.cursor-server",
    "~/.config/Code",
    "~/.config/Cursor",
    "~/.config/direnv",
    "~/.config/starship.toml",
    "~/.config/nushell",
    "~/.config/powershell",
    "~/.config/xonsh",
    "~/.xonshrc",
    "~/.zsh",
    "~/.config/i3",
    "~/.config/sway",
    "~/.config/hypr",
    "~/.config/kitty",
    "~/.config/wezterm",
    "~/.wezterm.lua",
    "~/.config/alacritty",
    "~/.config/mimeapps.list",
    "~/.selected_editor",
    "~/.forward",
    "~/.mailcap",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/opt",
    "/var/lib",
    "/var/spool",
    "/var/cache",
    "/etc",
    "/home/*",
    "/root",
    "/run/containers",
    "/run/user/*/containers",
    "/run/user/*/systemd",
    "/var/tmp/containers-user-*",
    // buildah's cache mounts (`buildah-cache`, 5's `buildah-cache-UID`) and each build's own
    // folder (`buildahN`: the step's spec, read moments later): a link planted at a cache's
    // name had the next cache build mount a host folder read-write (the hundred-and-sixteenth
    // look's, rootless 4.3.1).
    "/var/tmp/buildah*",
    // Every hidden entry of the home, last (the named entries above say what a refusal is
    // about): programs keep there what they run, under names no list keeps up with (git's
    // `core.hooksPath`, npm's prefix, NSS's module database, which Chromium loads: the
    // hundred-and-twenty-ninth look's git, prettier, perl and Chromium ran the agent's code as
    // the host user; over a hundred more were allowed); and the tool homes without a dot.
    HIDDEN_HOME,
    // Node's module lookup climbs from nanoclaw's checkout into ~/node_modules: a module it
    // loads if present ran from there as nanoclaw's user (the hundred-and-thirty-third look's).
    "~/node_modules",
    "~/perl5",
    "~/n",
    "~/Desktop",
];

/// Where read-write bind sources may come from, besides the caller's working directory.
///
/// Not `/mnt`, `/media` or `/data`, which hold other systems' files (a WSL host's Windows
/// start-up folder under `/mnt/c`), nor `/var/tmp`, where sudoedit keeps its copies of the files
/// it edits as root: the hundred-and-twenty-ninth look wrote each. nanoclaw writes only beneath
/// its own folder.
pub const DEFAULT_WRITABLE_ROOTS: &[&str] = &["~", "/tmp", "/srv"];

/// Annotation key prefixes that the OCI runtime or podman act on (keep host groups, change the
/// seccomp or cgroup set-up, run hooks): refused.
pub const DEFAULT_RUNTIME_ANNOTATIONS: &[&str] = &[
    "run.oci.",
    "io.kubernetes.cri-o.",
    "io.containers.",
    "io.podman.",
    "org.systemd.",
    "org.criu.",
    "com.nvidia.",
    "io.katacontainers.",
    "module.wasm.image/",
];

/// The image names a build's `-t` and a `tag` may write: nanoclaw's own (`nanoclaw-agent`, v2's
/// `nanoclaw-agent-v2-<slug>`, per-agent `nanoclaw-agent:<group>`), and `verify`'s.
pub const DEFAULT_WRITABLE_IMAGES: &[&str] = &["nanoclaw-*"];

/// The named volumes a `run`/`create` may mount and `volume create`/`rm` may name: none.
/// nanoclaw uses none, and a named volume is a folder on the host's disk outside every ceiling
/// that outlives the container (300 MB written under a 64 MB memory limit and left behind: the
/// hundred-and-eighteenth look's), as an anonymous one is. An operator who wants them names
/// them, and `doctor` says so.
pub const DEFAULT_WRITABLE_VOLUMES: &[&str] = &[];

/// The networks a `run`/`create` may join and `network create`/`rm`/`connect`/`disconnect` may
/// name: nanoclaw's own (`nanoclaw-egress`, and `ncl-<install>-...` per session).
pub const DEFAULT_WRITABLE_NETWORKS: &[&str] = &["nanoclaw-*", "ncl-*"];

/// The containers made outside the shim that `network connect`/`disconnect` may name: OneCLI's
/// gateway, which nanoclaw's egress lockdown joins to the agents' network.
pub const DEFAULT_CONNECTABLE_CONTAINERS: &[&str] = &["onecli"];

/// Where in its project (a working directory holding `package.json`: nanoclaw's checkout in
/// every generation) a read-write mount may lie: nanoclaw's groups' folders, its sessions and
/// IPC under `data`, v1's `store`. The rest of the checkout is code the host runs: its CLI in
/// `bin/` (linked onto `PATH`), the package manager's workspace, lock and patches, the tools'
/// configurations, the operator's coding agent's instructions (the thirty-first pass's look
/// rewrote `bin/ncl`, which the host then ran).
pub const DEFAULT_WRITABLE_PROJECT_DIRS: &[&str] = &["data", "groups", "store"];

/// The smallest memory limit podman and docker accept (6 MiB).
pub const MIN_MEMORY: u64 = 6 << 20;

/// FUSE programs (the mount table's `fuse.NAME`, globs) known to show files of their own, not
/// folders of this host: a source on or holding any other FUSE file system is refused
/// (`deny.sensitive-mount`). A FUSE program can show any folder under any name (fuse-overlayfs's
/// layers, bindfs's and mergerfs's folders, sshfs and rclone reaching this host's own), and the
/// table names only the program, as its mounter called it: a list of views was a deny-list a
/// renamed binary passed (the thirty-fourth pass's fifth look read `~/.docker` through
/// fuse-overlayfs; the thirty-fifth's through the same program named `fuse-overlayfs-x86_64`).
/// These are LXC's `/proc` files; GNOME's remote shares and the document portal (files handed to
/// sandboxed apps); package and archive images (snaps, squashfs, AppImages, zip and tar
/// archives); a disk image's own file system (`fuse2fs`, which names its type `ext4`; the image
/// itself is judged as a disk image); and VMware's shared folders, which are the hypervisor's
/// host's. A disk read through FUSE (`fuseblk`: NTFS, exFAT) is a disk, not a view, and is not
/// asked about.
pub const DEFAULT_FUSE_FILE_SYSTEMS: &[&str] = &[
    "lxcfs",
    "gvfsd-fuse",
    "portal",
    "snapfuse",
    "squashfuse",
    "squashfuse_ll",
    "*.AppImage",
    "*.appimage",
    "fuse2fs",
    "ext2",
    "ext3",
    "ext4",
    "archivemount",
    "fuse-zip",
    "vmhgfs-fuse",
];
