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
    "~/.config/nanoclaw-shim",
];

/// Credential stores of the caller's home: refused even read-only, and so are their parents.
pub const DEFAULT_CREDENTIAL_PATHS: &[&str] = &[
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
    "/run/user/*/containers/auth.json",
    "/run/containers/*/auth.json",
];

/// Names that hold credentials wherever they appear (nanoclaw's own blocked patterns and the
/// common others). A component matches when it equals the name or starts with it and a `.`
/// (`.env.local`, `id_rsa.pub`). A mounted directory that holds one at its top is refused unless
/// another mount shadows it (nanoclaw's `-v /dev/null:/workspace/project/.env:ro`).
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
    ".git-credentials",
    ".credentials",
    "creds.json",
    ".password-store",
    ".pgpass",
    ".vault-token",
    "keyrings",
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
    "~/.config/fish",
    "~/.config/environment.d",
    "~/.config/autostart",
    "~/.config/systemd",
    "~/.config/containers",
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
    // Tool chains on the user's PATH or module path (Node's `require` searches ~/.node_modules).
    "~/.node_modules",
    "~/.node_libraries",
    "~/.nvm",
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
    "~/go/bin",
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
];

/// Where read-write bind sources may come from, besides the caller's working directory.
pub const DEFAULT_WRITABLE_ROOTS: &[&str] = &["~", "/tmp", "/var/tmp", "/srv", "/mnt", "/media", "/data"];

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
];

/// The smallest memory limit podman and docker accept (6 MiB).
pub const MIN_MEMORY: u64 = 6 << 20;
