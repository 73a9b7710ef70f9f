//! Which files and variables the shim trusts to configure it and the runtime.
//!
//! A policy file that someone else can edit is no policy: like sudo and ssh, the shim refuses a
//! file (or a directory above it) that is writable by anyone but its owner and root, or that is
//! owned by another non-root user. The same holds for the files podman reads its configuration
//! from through the environment (`CONTAINERS_CONF`, ...): such a file can add mounts, hooks and
//! capabilities to every container, so it is trusted only when root owns it. Variables that
//! send the command to another engine are removed before exec.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path};

/// Variables that point podman (or docker) at another engine: removed before exec.
pub const REDIRECT_VARS: &[&str] = &[
    "CONTAINER_HOST",
    "CONTAINER_CONNECTION",
    "CONTAINER_SSHKEY",
    "DOCKER_HOST",
    "DOCKER_CONTEXT",
];

/// Variables by which podman hands the container something of the caller's: systemd's socket
/// activation (`LISTEN_FDS`: podman passes the caller's open descriptors from 3 up into the
/// container, what `--preserve-fds`, refused, would; the red team's container read an open
/// `~/.ssh/id_ed25519`) and the service manager's notification socket (`NOTIFY_SOCKET`: podman
/// mounts it into the container, what `--sdnotify`, refused, asks). docker reads neither:
/// removed before exec (`deny.host-handoff`).
pub const HANDOFF_VARS: &[&str] = &["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET"];

/// podman's own markers for the child it re-executes in a user namespace: set, a rootful podman
/// 4.3 takes itself for rootless, and drops every resource limit (the twenty-third look's
/// `_CONTAINERS_USERNS_CONFIGURED=1`: memory and pids unlimited, the policy's ceilings gone).
/// Nothing but podman itself sets them, for itself: refused when set (`deny.environment`).
pub const INTERNAL_VARS: &[&str] = &[
    "_CONTAINERS_USERNS_CONFIGURED",
    "_CONTAINERS_ROOTLESS_UID",
    "_CONTAINERS_ROOTLESS_GID",
];

/// The variables the runtime is given as they are, besides those its own rules judge
/// ([`is_engine_var`]): what podman needs of its caller's environment to work for an ordinary
/// user, rootful or rootless (its programs' folders, the home and the user's name its rootless
/// ranges are looked up by, the terminal and time zone it prints for, the proxy it pulls
/// through), and podman 5's switch for its cgroup v1 warning. Every other variable is removed
/// before exec (`deny.environment`) unless the policy keeps it by name
/// (`[runtime] keep_environment`): default-deny, as for flags. podman 5 hands its whole
/// environment to conmon, the OCI runtime, netavark, pasta and a build's `git` and `cpp`, and
/// many of their variables weaken what the shim holds (`NETAVARK_FW=none` turns a container
/// network's firewall off, `BUILDAH_CPPFLAGS` gives the host's `cpp` options, `GIT_SSH_COMMAND`
/// runs a program, `CONMON_SECCOMP_NOTIFY_PLUGINS` loads a library), none of them listed until a
/// look found each; a list of what is needed cannot miss one.
pub const KEPT_VARS: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "TERM",
    "TZ",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "PODMAN_IGNORE_CGROUPSV1_WARNING",
];

/// Whether the runtime is given `name` (a variable's name) without the policy keeping it: one
/// of [`KEPT_VARS`], or a variable the environment's rules judge ([`is_engine_var`]: those they
/// would remove are removed by name, those they refuse refuse the call).
pub fn listed(name: &[u8]) -> bool {
    KEPT_VARS.iter().any(|k| k.as_bytes() == name) || is_engine_var(name)
}

/// Whether `keep` (the policy's `[runtime] keep_environment`: names, or prefixes ending in `*`)
/// keeps `name`.
pub fn kept_by(keep: &[String], name: &[u8]) -> bool {
    keep.iter().any(|k| match k.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix.as_bytes()),
        None => k.as_bytes() == name,
    })
}

/// Why the policy cannot keep `name` (`[runtime] keep_environment`): a variable the
/// environment's rules remove or refuse whatever the list says.
pub fn not_keepable(name: &str) -> Option<&'static str> {
    if LOADER_VARS.contains(&name) {
        Some("the dynamic loader's variables are removed before exec (deny.environment)")
    } else if REFUSED_VARS.iter().any(|(n, _)| *n == name)
        || FLAG_VARS.iter().any(|(n, _, _)| *n == name)
        || INTERNAL_VARS.contains(&name)
    {
        Some("the call is refused while it is set (deny.environment)")
    } else {
        None
    }
}

/// Variables naming where podman keeps registry logins (a file, a folder): protected as
/// credentials wherever they point, as `~/.docker` and `containers/auth.json` are.
pub const LOGIN_VARS: &[&str] = &["REGISTRY_AUTH_FILE", "DOCKER_CONFIG"];

/// Variables naming a file or folder podman reads or runs from, which must not lie in container
/// storage (as named, or where links lead), where a container writes or reads: registry logins
/// ([`LOGIN_VARS`] too), the CA it trusts for pulls, its state folder (the forty-third look's,
/// all accepted into a volume's folder).
pub const STORED_VARS: &[&str] = &["SSL_CERT_FILE", "SSL_CERT_DIR", "XDG_STATE_HOME"];

/// A file of podman's configuration that can move where it keeps state, and what it names.
pub struct ConfFile {
    /// Where it lies (`~/.config/` is the caller's configuration folder); a folder ending in
    /// `.d/` is read file by file (`*.conf`).
    pub paths: &'static [&'static str],
    /// The variables that name one more (the shim passes a root-owned one to podman).
    pub vars: &'static [&'static str],
    /// (table, key, a store): a store holds every container's settings, other agents' tokens
    /// among them (credentials: refused even read-only); otherwise running state or temporary
    /// files podman reads back (host-exec: refused written).
    pub keys: &'static [(&'static str, &'static str, bool)],
}

/// Every file that moves podman's state, and the keys that move it. storage.conf: the stores
/// and the running state (the hundred-and-ninth look's read another agent's key from a store it
/// moved); containers.conf: the database (`static_dir`), the named volumes (`volume_path`),
/// podman's and the image copies' temporary folders (the hundred-and-fifteenth and
/// hundred-and-sixteenth looks'). Each one podman may read is read, the caller's and the
/// system's (a missing one costs a failed open).
pub const CONF_FILES: &[ConfFile] = &[
    ConfFile {
        paths: &[
            "~/.config/containers/storage.conf",
            "/etc/containers/storage.conf",
            "/usr/share/containers/storage.conf",
        ],
        vars: &["CONTAINERS_STORAGE_CONF"],
        keys: &[
            ("storage", "graphroot", true),
            ("storage", "rootless_storage_path", true),
            ("storage", "imagestore", true),
            ("storage.options", "additionalimagestores", true),
            ("storage", "runroot", false),
        ],
    },
    ConfFile {
        paths: &[
            "~/.config/containers/containers.conf",
            "~/.config/containers/containers.conf.d/",
            "/etc/containers/containers.conf",
            "/etc/containers/containers.conf.d/",
            "/usr/share/containers/containers.conf",
            "/usr/share/containers/containers.conf.d/",
        ],
        // (`CONTAINERS_CONF_OVERRIDE` is read last, over every other: the hundred-and-eighteenth
        // look's `static_dir` there.)
        vars: &["CONTAINERS_CONF", "CONTAINERS_CONF_OVERRIDE"],
        keys: &[
            ("engine", "static_dir", true),
            ("engine", "volume_path", true),
            ("engine", "tmp_dir", false),
            ("engine", "image_copy_tmp_dir", false),
            // `env = ["TMPDIR=..."]` moves podman's and buildah's temporary folder (a build's
            // step spec lies there: the same look's).
            ("engine", "env", false),
        ],
    },
];

/// What a containers.conf's `[containers]` table gives every container unless the argv says
/// otherwise, where it bears on the policy ([`conf_facts`] with `defaults`). podman reads the
/// table's keys in any case. The shim's hardening is its argv: a mount, a device or a host
/// namespace named here reached every container with nothing said, and a `/dev/shm` above the
/// ceiling (the thirty-seventh pass's looks). What every file of the chain says is judged, not
/// only what podman would take last: which files a podman reads differs by version and by user
/// (4.3 reads no `CONTAINERS_CONF_OVERRIDE`, and a rootful one no user's file: a later file's
/// `netns = ""` hid `/etc`'s `host` from the first version of this check).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ConfDefaults {
    /// `default_ulimits`, the last file's: podman replaces the whole list with a caller's
    /// `--ulimit`s, so the shim's own `nofile` would otherwise drop the operator's other limits
    /// (and this machine's podman cannot start a container without its configured `nproc`).
    pub ulimits: Option<Vec<String>>,
    /// `volumes` and `devices`: mounts and devices every container gets.
    pub volumes: Vec<String>,
    pub devices: Vec<String>,
    /// `annotations`: OCI annotations every container gets, judged as `--annotation`'s (the
    /// look `gt`: `run.oci.keep_original_groups=1` there kept the caller's groups under crun).
    pub annotations: Vec<String>,
    /// `netns`, `pidns`, `ipcns`, `utsns`: the namespaces a container gets when the argv names
    /// none, as (key, value).
    pub namespaces: Vec<(String, String)>,
    /// `pids_limit` and `log_size_max`, the last file's: where one is below the policy's
    /// ceiling, a container that names none gets it, not the ceiling (the look `gv`: an
    /// operator's `pids_limit = 64` became the policy's 256).
    pub pids_limit: Option<String>,
    pub log_size_max: Option<String>,
    /// `shm_size`: `/dev/shm`'s size when the argv names none.
    pub shm_sizes: Vec<String>,
    /// `seccomp_profile`: the profile podman gives a container in place of its default; the
    /// shim narrows it ([`crate::seccomp::profile_paths`]). Two different ones are refused.
    pub seccomp_profiles: Vec<String>,
    /// `[engine] network_cmd_options` (slirp4netns's) and `[network] pasta_options`: options
    /// of a rootless container's network, which can open the host's loopback the policy keeps
    /// closed.
    pub network_options: Vec<String>,
    /// `[engine] env`: variables of podman's own environment (`_CONTAINERS_USERNS_CONFIGURED`
    /// dropped every ceiling of a rootful container: the second look's).
    pub engine_env: Vec<String>,
    /// Keys judged by value ([`CHECKED_KEYS`], and [`ENGINE_CHECKED_KEYS`] as `engine.KEY`), as
    /// (key, value).
    pub checked: Vec<(String, String)>,
    /// `[containers]`, `[engine]` and `[network]` keys the shim does not know, as `[TABLE] KEY`:
    /// refused, as a flag it does not know is.
    pub unknown: Vec<String>,
    /// Where podman finds programs it runs on the host, as its configuration names them: the
    /// folders of `conmon_path`, `runtime_path`, `runtimes`' and `network_cmd_path`'s programs
    /// (a missing earlier candidate is one a container could create), and the folders
    /// `helper_binaries_dir`, `hooks_dir`, `cdi_spec_dirs`, `cni_plugin_dirs`,
    /// `netavark_plugin_dirs` and `network_config_dir` name. Each is protected as `PATH`'s
    /// folders are (the look `gp`: an agent wrote the `conmon` an operator's `conmon_path` named
    /// in a writable root, and the next `run` ran it on the host).
    pub programs: Vec<std::path::PathBuf>,
    /// Programs podman runs on the host or files it writes as its user, named one by one
    /// (`[engine] runtime` as a path, `events_logfile_path`, `seccomp_profile`, storage.conf's
    /// overlay `mount_program`): their folders are protected as [`ConfDefaults::programs`]
    /// are, and the folders they lead to through links (the look `gq`).
    pub program_files: Vec<std::path::PathBuf>,
    /// `[engine] volume_plugins`' sockets: podman asks the program listening there where a
    /// volume of its driver is, and mounts what it answers (the look `gs`: a container that
    /// replaced one had the next container mount the host's `/etc`). Never mounted, as the
    /// runtime's sockets are not.
    pub sockets: Vec<std::path::PathBuf>,
    /// Files of the chain the shim could not read as TOML where podman may (`a.b = 1` then
    /// `[containers.a]`, a byte-order mark): refused, as nothing in them is judged.
    pub unreadable: Vec<String>,
}

/// `[containers]` keys that give a container nothing the policy refuses, or whose setting the
/// shim's own argv replaces (`cgroupns`, `log_driver`, `pids_limit`, `http_proxy`,
/// `default_mounts_file`, capabilities).
const SAFE_KEYS: [&str; 23] = [
    "cgroupns",
    "container_name_as_hostname",
    "default_capabilities",
    "default_mounts_file",
    "default_sysctls",
    "dns_options",
    "dns_searches",
    "dns_servers",
    "env",
    "host_containers_internal_ip",
    "http_proxy",
    "init",
    "interface_name",
    "keyring",
    "label_users",
    "log_driver",
    "log_tag",
    "no_hosts",
    "prepare_volume_on_create",
    "read_only",
    "tz",
    "umask",
    "userns_size",
];

/// `[containers]` keys judged by their value ([`crate::rewrite`]'s `configured`).
pub const CHECKED_KEYS: [&str; 10] = [
    "apparmor_profile",
    "base_hosts_file",
    "cgroup_conf",
    "cgroups",
    "env_host",
    "init_path",
    "label",
    "oom_score_adj",
    "privileged",
    "userns",
];

/// `[engine]` keys that weaken no container the shim starts: where podman keeps its state and
/// finds its programs (an operator's, as `PATH` is), how it logs events, pulls and pushes, and
/// settings of commands the shim refuses (`compose`, `kube`, `system service`). Hook folders are
/// named after the shim's own `--hooks-dir` ([`crate::mountcheck`]); `active_service`,
/// `service_destinations` and the old `remote_uri` are used only where `remote` is on. Every
/// other key is refused, as an unknown `[containers]` key is: `remote = true` sent every
/// command to a podman service unseen (podman 4.3 answered the shim's `--hooks-dir` with
/// "unknown flag"), `no_pivot_root = true` left the host's root beneath every container's.
const ENGINE_SAFE_KEYS: [&str; 64] = [
    "active_service",
    "add_compression",
    "cdi_spec_dirs",
    "cgroup_check",
    "cgroup_manager",
    "chown_copied_files",
    "compat_api_enforce_docker_hub",
    "compose_providers",
    "compose_warning_logs",
    "compression_format",
    "compression_level",
    "conmon_env_vars",
    "conmon_path",
    "conmonrs_path",
    "database_backend",
    "detach_keys",
    "enable_port_reservation",
    "events_container_create_inspect_data",
    "events_logfile_max_size",
    "events_logfile_path",
    "events_logger",
    "exit_command_delay",
    "healthcheck_events",
    "helper_binaries_dir",
    "hooks_dir",
    "image_build_format",
    "image_copy_tmp_dir",
    "image_default_format",
    "image_default_transport",
    "image_parallel_copies",
    "image_volume_mode",
    "infra_command",
    "infra_image",
    "kube_generate_type",
    "lock_type",
    "machine_enabled",
    "multi_image_archive",
    "namespace",
    "network_cmd_path",
    "num_locks",
    "platform_to_oci_runtime",
    "pod_exit_policy",
    "podmansh",
    "podmansh_timeout",
    "pull_policy",
    "remote_identity",
    "remote_uri",
    "retry",
    "retry_delay",
    "runtime",
    "runtime_path",
    "runtime_supports_json",
    "runtime_supports_kvm",
    "runtime_supports_nocgroups",
    "runtimes",
    "service_destinations",
    "service_timeout",
    "ssh_config",
    "static_dir",
    "stop_timeout",
    "tmp_dir",
    "volume_path",
    "volume_plugin_timeout",
    "volume_plugins",
];

/// `[network]` keys: where networks are configured and their programs found (protected:
/// [`ConfDefaults::programs`]), defaults of networks the caller names, `pasta_options` and
/// `firewall_driver` (judged). Any other is refused.
const NETWORK_KEYS: [&str; 11] = [
    "cni_plugin_dirs",
    "default_network",
    "default_rootless_network_cmd",
    "default_subnet",
    "default_subnet_pools",
    "dns_bind_port",
    "firewall_driver",
    "netavark_plugin_dirs",
    "network_backend",
    "network_config_dir",
    "pasta_options",
];

/// `[engine]` keys judged by their value, as `engine.KEY` among [`ConfDefaults::checked`].
const ENGINE_CHECKED_KEYS: [&str; 3] = ["init_path", "no_pivot_root", "remote"];

/// The programs a storage.conf names (the overlay driver's `mount_program`, fuse-overlayfs),
/// which podman runs on the host as its user: the same key through `STORAGE_OPTS` or
/// `--storage-opt` is refused, and a container wrote the one a file named (the look `gq`).
/// Read as TOML only where the text names the key.
pub fn storage_programs(text: &[u8]) -> Vec<std::path::PathBuf> {
    let names = text.windows(13).any(|w| w.eq_ignore_ascii_case(b"mount_program"));
    let table = names
        .then(|| std::str::from_utf8(text).ok()?.parse::<toml::Table>().ok())
        .flatten();
    let mut found = Vec::new();
    fn walk(t: &toml::Table, found: &mut Vec<std::path::PathBuf>) {
        for (k, v) in t {
            match (folded(k) == "mount_program", v) {
                (true, toml::Value::String(p)) if !p.is_empty() => found.push(p.into()),
                (_, toml::Value::Table(inner)) => walk(inner, found),
                _ => {}
            }
        }
    }
    if let Some(t) = &table {
        walk(t, &mut found);
    }
    found
}

impl ConfDefaults {
    /// `later`'s keys beside these: every value is kept (see [`ConfDefaults`]) but the
    /// ulimits, which the shim hands on as podman would take them (the last file's).
    pub fn absorb(&mut self, later: ConfDefaults) {
        if later.ulimits.is_some() {
            self.ulimits = later.ulimits;
        }
        if later.pids_limit.is_some() {
            self.pids_limit = later.pids_limit;
        }
        if later.log_size_max.is_some() {
            self.log_size_max = later.log_size_max;
        }
        self.volumes.extend(later.volumes);
        self.devices.extend(later.devices);
        self.annotations.extend(later.annotations);
        self.namespaces.extend(later.namespaces);
        self.shm_sizes.extend(later.shm_sizes);
        for p in later.seccomp_profiles {
            if !self.seccomp_profiles.contains(&p) {
                self.seccomp_profiles.push(p);
            }
        }
        self.network_options.extend(later.network_options);
        self.engine_env.extend(later.engine_env);
        self.checked.extend(later.checked);
        self.unknown.extend(later.unknown);
        self.unreadable.extend(later.unreadable);
        self.programs.extend(later.programs);
        self.program_files.extend(later.program_files);
        self.sockets.extend(later.sockets);
    }
}

fn defaults_in(table: &toml::Table) -> Option<ConfDefaults> {
    let section = |name: &'static str| {
        table
            .iter()
            .filter(move |(k, _)| folded(k) == name)
            .filter_map(|(_, v)| v.as_table())
            .flat_map(|t| t.iter())
    };
    let strings = |v: &toml::Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let text = |v: &toml::Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    let mut d = ConfDefaults::default();
    // A value's paths, one or a list, as written (podman expands no variables in them).
    let paths = |v: &toml::Value| -> Vec<String> {
        let mut all = strings(v);
        all.extend(v.as_str().map(str::to_string));
        all.retain(|p| !p.is_empty());
        all
    };
    // A table's values' paths (`[engine.runtimes]`, `volume_plugins`, `platform_to_oci_runtime`).
    let table_paths = |v: &toml::Value| -> Vec<String> {
        v.as_table()
            .into_iter()
            .flatten()
            .flat_map(|(_, l)| paths(l))
            .collect()
    };
    // A program named by a relative path podman finds from the caller's working folder, where
    // agents write (the look `gq`'s `w3/conmon` ran as root): refused, naming the key.
    let absolute = |key: &str, all: Vec<String>, d: &mut ConfDefaults| -> Vec<std::path::PathBuf> {
        let (abs, rel): (Vec<String>, Vec<String>) = all.into_iter().partition(|p| p.starts_with('/'));
        if let Some(r) = rel.first() {
            d.checked
                .push(("engine.relative_program".into(), format!("{key} = {r:?}")));
        }
        abs.into_iter().map(std::path::PathBuf::from).collect()
    };
    for (k, v) in section("engine").chain(section("network")) {
        match folded(k).as_str() {
            key @ ("conmon_path"
            | "conmonrs_path"
            | "runtime_path"
            | "network_cmd_path"
            | "events_logfile_path"
            | "runtime"
            | "platform_to_oci_runtime"
            | "runtimes") => {
                let named = match key {
                    // A runtime's name is looked up (the runtimes table, then PATH); a path is a
                    // program. podman 5 picks a container's runtime by its image's platform
                    // (the look `gs`).
                    "runtime" => paths(v).into_iter().filter(|r| r.contains('/')).collect(),
                    "platform_to_oci_runtime" => {
                        table_paths(v).into_iter().filter(|r| r.contains('/')).collect()
                    }
                    "runtimes" => table_paths(v),
                    _ => paths(v),
                };
                let files = absolute(key, named, &mut d);
                d.program_files.extend(files);
            }
            key @ ("helper_binaries_dir"
            | "hooks_dir"
            | "cdi_spec_dirs"
            | "cni_plugin_dirs"
            | "netavark_plugin_dirs"
            | "network_config_dir") => {
                let folders = absolute(key, paths(v), &mut d);
                d.programs.extend(folders);
            }
            "volume_plugins" => {
                let sockets = absolute("volume_plugins", table_paths(v), &mut d);
                d.sockets.extend(sockets);
            }
            // conmon's environment is judged as podman's own (the look `gq`: `LD_PRELOAD` there
            // loaded an agent's library into conmon and the runtime, as root).
            "conmon_env_vars" => d.engine_env.extend(strings(v)),
            _ => {}
        }
    }
    for (k, v) in section("network") {
        match folded(k).as_str() {
            "firewall_driver" => d.checked.push(("network.firewall_driver".into(), text(v))),
            key if NETWORK_KEYS.contains(&key) => {}
            key => d.unknown.push(format!("[network] {key}")),
        }
    }
    for (k, v) in section("engine") {
        match folded(k).as_str() {
            "network_cmd_options" => d.network_options.extend(strings(v)),
            "env" => d.engine_env.extend(strings(v)),
            // podman takes `[engine] init_path` where `[containers]`' is empty (the look `gk`).
            key if ENGINE_CHECKED_KEYS.contains(&key) => d.checked.push((format!("engine.{key}"), text(v))),
            key if ENGINE_SAFE_KEYS.contains(&key) => {}
            key => d.unknown.push(format!("[engine] {key}")),
        }
    }
    for (k, v) in section("network") {
        if folded(k) == "pasta_options" {
            d.network_options.extend(strings(v));
        }
    }
    for (k, v) in section("containers") {
        match folded(k).as_str() {
            "default_ulimits" => d.ulimits = Some(strings(v)),
            // (podman 5's `mounts`: `--mount`s every container gets.)
            "volumes" | "mounts" => d.volumes.extend(strings(v)),
            "devices" => d.devices.extend(strings(v)),
            "annotations" => d.annotations.extend(strings(v)),
            "pids_limit" => d.pids_limit = Some(text(v)),
            "log_size_max" => d.log_size_max = Some(text(v)),
            key @ ("netns" | "pidns" | "ipcns" | "utsns") => d.namespaces.push((key.to_string(), text(v))),
            "shm_size" => d.shm_sizes.push(text(v)),
            "seccomp_profile" => {
                d.seccomp_profiles.push(text(v));
                d.program_files.extend(
                    v.as_str()
                        .filter(|p| p.starts_with('/'))
                        .map(std::path::PathBuf::from),
                );
            }
            key if SAFE_KEYS.contains(&key) => {}
            key if CHECKED_KEYS.contains(&key) => d.checked.push((key.to_string(), text(v))),
            key => d.unknown.push(format!("[containers] {key}")),
        }
    }
    Some(d)
}

/// Whether a line (no comment, from its first byte) sets a key the defaults must see: any key
/// but those of [`SAFE_KEYS`] (`env` is one in `[containers]`, podman's own environment in
/// `[engine]`), a dotted or quoted one among them. Most files are read as TOML only where one
/// is (Debian's sets `default_capabilities` and `default_sysctls`, both safe); a value's line
/// (`"net.ipv4.ping_group_range=0 0",`) sets none.
fn unjudged_key(l: &[u8]) -> bool {
    let Some(eq) = l.iter().position(|&b| b == b'=') else {
        return false;
    };
    let key = l[..eq].trim_ascii();
    if let Some(quote @ (b'"' | b'\'')) = l.first().copied() {
        // A quoted key is followed by `=`, or by `.` and the rest of a dotted key
        // (`"containers".volumes`: the look `gk`'s); a quoted value in an array by `,` or
        // nothing.
        let close = l[1..].iter().position(|&b| b == quote).map(|at| at + 2);
        return close.is_some_and(|at| matches!(l[at..].trim_ascii_start().first(), Some(b'=' | b'.')));
    }
    let bare = !key.is_empty()
        && key
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    !(bare
        && !key.eq_ignore_ascii_case(b"env")
        && SAFE_KEYS.iter().any(|k| key.eq_ignore_ascii_case(k.as_bytes())))
}

/// The folders a configuration file's `text` names under `keys` ([`conf_facts`]).
pub fn conf_folders(
    text: &[u8],
    keys: &[(&str, &str, bool)],
    vars: &[(&str, &str)],
) -> (Vec<std::path::PathBuf>, Vec<std::path::PathBuf>) {
    let (stores, running, _) = conf_facts(text, keys, vars, false);
    (stores, running)
}

/// The folders a configuration file's `text` names under `keys` ([`ConfFile::keys`]): (stores,
/// running state), absolute, variables replaced as podman replaces them (`$VAR` and `${VAR}`
/// from `vars`, a missing one empty, as Go's `os.ExpandEnv`). Tables and keys are matched
/// without regard to case, as podman's TOML reader matches them (the hundred-and-fourteenth
/// look's `[Storage]` and `GraphRoot`). Text the TOML reader refuses is read line by line
/// ([`unparsed_folders`]). With `defaults`, also what it gives every container ([`ConfDefaults`]),
/// found in the same pass over the lines.
pub fn conf_facts(
    text: &[u8],
    keys: &[(&str, &str, bool)],
    vars: &[(&str, &str)],
    defaults: bool,
) -> (
    Vec<std::path::PathBuf>,
    Vec<std::path::PathBuf>,
    Option<ConfDefaults>,
) {
    // Every call reads these files, and a shipped one is comments but for a few lines: read as
    // TOML only when a line that is no comment names one of the keys, or the text holds what
    // could hide a key from that test (an escape, a character beyond ASCII that podman's reader
    // folds, `ſtatic_dir`; a multi-line string, whose lines may begin with `#`: the
    // hundred-and-eighteenth look's).
    let lines = || uncommented(text);
    let names = |l: &[u8]| {
        keys.iter().any(|(_, key, _)| {
            l.windows(key.len())
                .any(|w| w.eq_ignore_ascii_case(key.as_bytes()))
        })
    };
    let hidden = |l: &[u8]| {
        l.iter().any(|&b| b == b'\\' || !b.is_ascii()) || l.windows(3).any(|w| w == b"'''" || w == b"\"\"\"")
    };
    let limits = |l: &[u8]| defaults && unjudged_key(l);
    if !lines().any(|l| names(l) || hidden(l) || limits(l)) {
        return (Vec::new(), Vec::new(), None);
    }
    // Text the shim cannot read as TOML, where podman may: nothing in it is judged, so a call
    // it could widen is refused ([`ConfDefaults::unreadable`]; the file's name is the caller's
    // to give).
    let unreadable = || {
        defaults.then(|| ConfDefaults {
            unreadable: vec![String::new()],
            ..Default::default()
        })
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return (Vec::new(), Vec::new(), unreadable());
    };
    let Ok(table) = text.parse::<toml::Table>() else {
        let (stores, running) = unparsed_folders(text, keys, vars);
        return (stores, running, unreadable());
    };
    let limits = defaults.then(|| defaults_in(&table)).flatten();
    // Every value under `name` in any case, as Go's `strings.EqualFold` matches (`[Storage]` and
    // `[storage.options]` are two tables to TOML, one to podman; `ſ` is an `s`, `K` a `k`).
    fn get<'t>(t: &'t toml::Table, name: &str) -> impl Iterator<Item = &'t toml::Value> {
        t.iter().filter(move |(k, _)| folded(k) == name).map(|(_, v)| v)
    }
    let expand = |s: &str| Some(std::path::PathBuf::from(expand_vars(s, vars))).filter(|p| p.is_absolute());
    let (mut stores, mut running) = (Vec::new(), Vec::new());
    for &(section, key, store) in keys {
        let mut at = vec![&table];
        for part in section.split('.') {
            at = at
                .iter()
                .flat_map(|t| get(t, part))
                .filter_map(toml::Value::as_table)
                .collect();
        }
        let found: Vec<std::path::PathBuf> = at
            .iter()
            .flat_map(|t| get(t, key))
            .flat_map(|v| match v {
                toml::Value::String(s) => expand(s).into_iter().collect(),
                // `env`'s entries are `NAME=value`: the folder `TMPDIR=` names.
                toml::Value::Array(a) if key == "env" => a
                    .iter()
                    .filter_map(toml::Value::as_str)
                    .filter_map(|e| e.strip_prefix("TMPDIR="))
                    .filter_map(expand)
                    .collect(),
                toml::Value::Array(a) => a
                    .iter()
                    .filter_map(toml::Value::as_str)
                    .filter_map(expand)
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        match store {
            true => stores.extend(found),
            false => running.extend(found),
        }
    }
    (stores, running, limits)
}

/// The lines of `text` that hold something and are not comments, each from its first byte that
/// is not a blank. Why not `split` and a test of each line: Debian's containers.conf is 700
/// lines, nearly all comments, read on every call; blank lines are passed over in the scan for
/// a line's first byte, and a comment costs one search for its end.
fn uncommented(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
            let line = &rest[start..];
            let end = crate::text::find(line, b'\n').unwrap_or(line.len());
            rest = line.get(end + 1..).unwrap_or_default();
            if line[0] != b'#' {
                return Some(&line[..end]);
            }
        }
    })
}

/// Go's `strings.EqualFold` for the names podman's configuration uses: ASCII in any case, `ſ`
/// an `s`, `K` (Kelvin) a `k`.
fn folded(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{17F}' => 's',
            '\u{212A}' => 'k',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// [`conf_folders`] of text the TOML reader refuses but podman's may take (a bare key beyond
/// ASCII, `ſtatic_dir`: the hundred-and-eighteenth look's): line by line, a `[table]` heading
/// and `key = "value"` (or a one-line array of them) under it.
fn unparsed_folders(
    text: &str,
    keys: &[(&str, &str, bool)],
    vars: &[(&str, &str)],
) -> (Vec<std::path::PathBuf>, Vec<std::path::PathBuf>) {
    let (mut stores, mut running) = (Vec::new(), Vec::new());
    let unquote = |s: &str| folded(s.trim().trim_matches(|c| c == '"' || c == '\''));
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if let Some(head) = line.strip_prefix('[') {
            let head = head.trim_start_matches('[').split(']').next().unwrap_or_default();
            section = head.split('.').map(unquote).collect::<Vec<_>>().join(".");
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = unquote(key);
        for &(s, k, store) in keys {
            if s != section || k != key {
                continue;
            }
            let quoted = value.split('"').skip(1).step_by(2);
            let found = quoted
                .filter_map(|v| match k {
                    "env" => v.strip_prefix("TMPDIR="),
                    _ => Some(v),
                })
                .map(|v| std::path::PathBuf::from(expand_vars(v, vars)))
                .filter(|p| p.is_absolute());
            match store {
                true => stores.extend(found),
                false => running.extend(found),
            }
        }
    }
    (stores, running)
}

/// `$NAME` and `${NAME}` in `s` replaced from `vars`, a name not there by nothing; a `$`
/// followed by no name is kept.
fn expand_vars(s: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, used) = match after.strip_prefix('{') {
            Some(inner) => match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => (inner, after.len()),
            },
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        if used == 0 {
            out.push('$');
        } else if let Some((_, v)) = vars.iter().find(|(n, _)| *n == name) {
            out.push_str(v);
        }
        rest = &after[used..];
    }
    out.push_str(rest);
    out
}

/// Trees only root writes, which the lists keep from every writable mount (sensitive or
/// host-exec): a path beneath them needs no resolution to be judged.
const SYSTEM_TREES: &[&str] = &["/etc", "/usr"];

/// Variables refused when set, and why. docker has neither.
/// - podman 5's pre-exec hooks: a folder of programs it runs on the host at every call, where
///   the site opts in (the forty-third look's container planted one in a volume's folder, and
///   the next `run` ran it);
/// - buildah's `BUILDAH_NOPIVOT` (podman 4.3 and 5 read it for a build): the RUN steps are jailed
///   with `chroot` instead of `pivot_root`, which leaves the host's root in their mount
///   namespace, and a step holds `CAP_SYS_CHROOT`, with which a process walks out of a chroot
///   (runc's own warning for `--no-pivot`).
pub const REFUSED_VARS: &[(&str, &str)] = &[
    (
        "PODMAN_PREEXEC_HOOKS_DIR",
        "names a folder of programs podman runs on the host at every call",
    ),
    (
        "BUILDAH_NOPIVOT",
        "has a build's RUN steps jailed by chroot instead of pivot_root, which leaves the host's root in reach of a step holding CAP_SYS_CHROOT",
    ),
];

/// Variables naming folders podman finds its helper programs in before its own folders and
/// `PATH` (`pasta`, `netavark`, `catatonit` on 5.x): host-exec wherever they point, as `PATH`'s
/// folders are.
pub const HELPER_VARS: &[&str] = &["CONTAINERS_HELPER_BINARY_DIR"];

/// What in the working directory is code the host runs when it is nanoclaw's checkout (its
/// working directory in every generation): `npm start` runs `package.json`'s scripts and
/// `dist/`, git runs `.husky/`, Claude Code runs `.claude/`'s hooks for whoever works there, the
/// setup runs `container/` and `scripts/`. Host-exec beneath the working directory; nanoclaw's
/// own read-write mounts lie in `data/` and `groups/`, which are not here (the red team's
/// container rewrote `dist/index.js` and added a `prestart` script; `npm start` ran both).
pub const PROJECT_CODE: &[&str] = &[
    "package.json",
    "package-lock.json",
    "node_modules",
    "dist",
    "src",
    "setup",
    "scripts",
    "container",
    ".husky",
    ".claude",
    "tsconfig.json",
    "bun.lock",
    "bun.lockb",
    ".github",
];

/// The rule that removes `name` before exec: a redirect's, a hand-off's, or `deny.environment`.
pub fn removed_by(name: &str) -> crate::rules::Rule {
    if HANDOFF_VARS.contains(&name) {
        crate::rules::Rule::DenyHostHandoff
    } else if REDIRECT_VARS.contains(&name) {
        crate::rules::Rule::DenyEngineRedirect
    } else {
        // The loader's, and every variable not on the runtime's list ([`listed`]).
        crate::rules::Rule::DenyEnvironment
    }
}

/// Variables the dynamic loader reads to load code or files into a program: glibc's own list of
/// those it drops for a setuid program (but `TMPDIR`, a [`DIR_VARS`] entry), musl's two among
/// them; and Go's runtime knobs (`GODEBUG`). podman, conmon, the OCI runtime and podman's helpers are such programs, the shim is not
/// (static): a library named there that a container can write (a workspace, a volume's folder)
/// is code the host runs at the next call, as the caller (the fortieth look's `LD_PRELOAD` into
/// a volume). docker's CLI needs none of them: removed before exec (`deny.environment`).
pub const LOADER_VARS: &[&str] = &[
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "LD_AUDIT",
    "LD_DEBUG",
    "LD_DEBUG_OUTPUT",
    "LD_DYNAMIC_WEAK",
    "LD_HWCAP_MASK",
    "LD_ORIGIN_PATH",
    "LD_PROFILE",
    "LD_PROFILE_OUTPUT",
    "LD_SHOW_AUXV",
    "LD_USE_LOAD_BIAS",
    "GCONV_PATH",
    "GETCONF_DIR",
    "GLIBC_TUNABLES",
    "HOSTALIASES",
    "LOCALDOMAIN",
    "LOCPATH",
    "MALLOC_TRACE",
    "NIS_PATH",
    "NLSPATH",
    "RESOLV_HOST_CONF",
    "RES_OPTIONS",
    "TZDIR",
    // Go's runtime knobs, podman's: `execerrdot=0` has it run a program a relative PATH entry
    // finds (the forty-first look's), others weaken its TLS checks.
    "GODEBUG",
];

/// Variables naming a file podman reads its configuration from: kept only when root owns it.
pub const CONFIG_VARS: &[&str] = &[
    "CONTAINERS_CONF",
    "CONTAINERS_CONF_OVERRIDE",
    "CONTAINERS_STORAGE_CONF",
    "CONTAINERS_REGISTRIES_CONF",
    "REGISTRIES_CONFIG_PATH",
];

/// Variables that are one of podman's flags by another name, read when the argv does not give
/// the flag, and that the shim would judge as a flag: `STORAGE_OPTS=overlay.mount_program=PROGRAM`
/// runs `PROGRAM` on the host, as root for a rootful caller (the red team's), and
/// `PODMAN_USERNS` is `--userns`'s default for `run` and `create` (the twenty-third look's
/// `PODMAN_USERNS=auto:uidmapping=1000:0:1` ran a rootful container's uid 1000 as the host's
/// root, what `--userns` with that value is refused for). Refused when set: (name, the flag,
/// why it matters).
pub const FLAG_VARS: &[(&str, &str, &str)] = &[
    (
        "STORAGE_OPTS",
        "--storage-opt",
        "a storage option can run a program on the host",
    ),
    (
        "STORAGE_DRIVER",
        "--storage-driver",
        "a storage option can run a program on the host",
    ),
    (
        "PODMAN_USERNS",
        "--userns",
        "a user namespace the shim has not judged can map the container's users onto the host's root; give --userns in the argv, which the shim judges",
    ),
];

/// A variable that moves one of rootless podman's folders from its place in the caller's home:
/// podman reads it as given, a relative value from the working directory (which the XDG spec
/// says to ignore, and podman does not).
#[derive(Debug)]
pub struct DirVar {
    pub name: &'static str,
    /// What podman keeps there, for messages.
    pub holds: &'static str,
    /// The folder when the variable is not set.
    pub default: DirDefault,
    /// Whether a moved folder must be one nobody else can write. Not for `TMPDIR`, whose usual
    /// places (`/var/tmp`) everyone may write: podman makes its files there under private,
    /// unpredictable names, and only its fallback running state needs the lists' protection.
    pub trusted_only: bool,
    /// The prefixes of list entries that name something in that folder, longest first: an
    /// entry beneath one is protected beneath the moved folder too (`~/.config/containers` is
    /// `$XDG_CONFIG_HOME/containers` once the variable moves it).
    pub entries: &'static [&'static str],
}

/// Where a [`DirVar`]'s folder is by default.
#[derive(Debug)]
pub enum DirDefault {
    /// Beneath `HOME`.
    Home(&'static str),
    /// `/run/user/UID`.
    RunUser,
    /// A fixed folder.
    Fixed(&'static str),
}

/// The variables that move podman's configuration (containers.conf can add mounts, hooks and
/// capabilities to every container, and the shim's own policy lies beside it), its storage
/// (every container's environment, tokens included) and its running state (sockets, registry
/// logins). Judged when set to anything but their default: relative is refused, and the folder
/// must be one nobody else can write ([`check_file`], but for `TMPDIR`); the list entries
/// beneath their defaults are protected beneath the moved folders too ([`Relocations`]).
pub const DIR_VARS: &[DirVar] = &[
    DirVar {
        name: "XDG_CONFIG_HOME",
        holds: "configuration (containers.conf and its hooks, storage.conf, registries, the shim's own policy)",
        default: DirDefault::Home(".config"),
        trusted_only: true,
        entries: &["~/.config"],
    },
    DirVar {
        name: "XDG_DATA_HOME",
        holds: "storage (every container's settings, other agents' tokens included)",
        default: DirDefault::Home(".local/share"),
        trusted_only: true,
        entries: &["~/.local/share"],
    },
    DirVar {
        name: "XDG_RUNTIME_DIR",
        holds: "running state (its sockets, registry logins)",
        default: DirDefault::RunUser,
        trusted_only: true,
        entries: &["/run/user/*", "/run/user"],
    },
    DirVar {
        name: "TMPDIR",
        holds: "running state when XDG_RUNTIME_DIR is unset (podman-run-UID) and temporary files",
        default: DirDefault::Fixed("/tmp"),
        trusted_only: false,
        entries: &["/tmp"],
    },
];

/// Where [`DIR_VARS`]' folders are when nothing moves them: the caller's home and uid.
#[derive(Debug, Clone, Copy)]
pub struct Homes<'a> {
    pub home: Option<&'a Path>,
    pub uid: Option<u32>,
}

impl Homes<'_> {
    /// `var`'s folder when it is not set; `None` when that is not known (no `HOME`).
    pub fn default_of(&self, var: &DirVar) -> Option<std::path::PathBuf> {
        match var.default {
            DirDefault::Home(rel) => self.home.map(|h| h.join(rel)),
            DirDefault::RunUser => self.uid.map(|u| format!("/run/user/{u}").into()),
            DirDefault::Fixed(p) => Some(p.into()),
        }
    }
}

/// The folders [`DIR_VARS`] move, each setting that is absolute and not the default (every
/// setting of a variable set twice: podman reads the first, the programs it starts may not).
#[derive(Debug, Clone, Default)]
pub struct Relocations(pub Vec<(&'static DirVar, std::path::PathBuf)>);

impl Relocations {
    /// The relocations among `engine` (the environment's engine variables).
    pub fn of(engine: &[(OsString, OsString)], homes: &Homes) -> Relocations {
        let mut moved = Vec::new();
        for (k, v) in engine {
            let Some(var) = DIR_VARS.iter().find(|d| d.name.as_bytes() == k.as_bytes()) else {
                continue;
            };
            let p = Path::new(v);
            if !v.is_empty() && p.is_absolute() && Some(p) != homes.default_of(var).as_deref() {
                moved.push((var, p.to_path_buf()));
            }
        }
        Relocations(moved)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `entry` (a list entry as written) beneath every folder that moved from where it lies:
    /// `~/.config/containers` with `XDG_CONFIG_HOME=/srv/cfg` is `/srv/cfg/containers`.
    pub fn twins(&self, entry: &str) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for (var, to) in &self.0 {
            for prefix in var.entries {
                let rest = match entry.strip_prefix(prefix) {
                    Some("") => Some(""),
                    Some(r) => r.strip_prefix('/'),
                    None => None,
                };
                if let Some(rest) = rest {
                    out.push(if rest.is_empty() {
                        to.clone()
                    } else {
                        to.join(rest)
                    });
                    break;
                }
            }
        }
        out
    }
}

/// The variable that sets a build's isolation when the build names none: `chroot` runs its RUN
/// steps in the host's PID, IPC and (rootful) user namespaces, what `--isolation chroot` asks
/// and `deny.build` refuses (proven on podman 4.3.1: a RUN step sees the host's PID 1). Only
/// builds read it, so only a build is judged by it.
pub const ISOLATION_VAR: &str = "BUILDAH_ISOLATION";

/// The values of [`ISOLATION_VAR`] that keep a build's OCI isolation (compared without regard
/// to case, around blanks).
const ISOLATION_KEPT: &[&str] = &["", "default", "oci", "rootless"];

/// podman's storage and running-state folders by default (rootful, then rootless beneath the
/// home): every file of an image's layers and of a container's root lies there, owned by root
/// on a rootful host, so owner and mode do not tell an agent's file from the system's.
const CONTAINER_STORAGE: &[&str] = &["/var/lib/containers", "/run/containers", "/var/run/containers"];
const CONTAINER_STORAGE_IN_HOME: &str = ".local/share/containers";

/// The container-storage folder `path` lies in (as written, and as the kernel resolves it), if
/// any: a configuration file there is one a `docker build` or a container may have written (the
/// twenty-third look's: a `containers.conf` from an image layer, root-owned, mounted `~/.ssh`).
fn in_container_storage(path: &Path, homes: &Homes) -> Option<std::path::PathBuf> {
    let stores: Vec<std::path::PathBuf> = CONTAINER_STORAGE
        .iter()
        .map(std::path::PathBuf::from)
        .chain(homes.home.map(|h| h.join(CONTAINER_STORAGE_IN_HOME)))
        .collect();
    let real = std::fs::canonicalize(path).ok();
    std::iter::once(path).chain(real.as_deref()).find_map(|p| {
        stores
            .iter()
            .find(|s| p.starts_with(s))
            .cloned()
            .or_else(|| in_storage_shape(p))
    })
}

/// Which of 128 classes a name falls in, by its length and its first and last bytes.
const fn sieve_bit(name: &[u8]) -> u128 {
    match name {
        [first, .., last] => 1 << ((name.len() * 7 + *first as usize * 3 + *last as usize) % 128),
        _ => 1,
    }
}

/// The classes of every engine variable's name ([`sieve_bit`]).
const ENGINE_SIEVE: u128 = {
    const fn all(names: &[&str]) -> u128 {
        let mut bits = 0;
        let mut i = 0;
        while i < names.len() {
            bits |= sieve_bit(names[i].as_bytes());
            i += 1;
        }
        bits
    }
    let mut bits = all(REDIRECT_VARS)
        | all(HANDOFF_VARS)
        | all(LOADER_VARS)
        | all(STORED_VARS)
        | all(CONFIG_VARS)
        | all(LOGIN_VARS)
        | all(HELPER_VARS)
        | all(INTERNAL_VARS)
        | sieve_bit(ISOLATION_VAR.as_bytes());
    let mut i = 0;
    while i < REFUSED_VARS.len() {
        bits |= sieve_bit(REFUSED_VARS[i].0.as_bytes());
        i += 1;
    }
    let mut i = 0;
    while i < FLAG_VARS.len() {
        bits |= sieve_bit(FLAG_VARS[i].0.as_bytes());
        i += 1;
    }
    let mut i = 0;
    while i < DIR_VARS.len() {
        bits |= sieve_bit(DIR_VARS[i].name.as_bytes());
        i += 1;
    }
    bits
};

/// Whether `name` is one of [`REDIRECT_VARS`], [`HANDOFF_VARS`], [`LOADER_VARS`], [`STORED_VARS`],
/// [`REFUSED_VARS`], [`CONFIG_VARS`], [`FLAG_VARS`], [`DIR_VARS`], [`LOGIN_VARS`], [`HELPER_VARS`],
/// [`INTERNAL_VARS`] or [`ISOLATION_VAR`].
pub fn is_engine_var(name: &[u8]) -> bool {
    // Every variable of the process is asked about (some thirty a call), and nearly none is
    // one: a name whose length and first and last bytes no engine variable has is not compared.
    if ENGINE_SIEVE & sieve_bit(name) == 0 {
        return false;
    }
    engine_vars().any(|n| n.as_bytes() == name)
}

/// Every engine variable's name: those of [`is_engine_var`]'s lists.
fn engine_vars() -> impl Iterator<Item = &'static str> {
    REDIRECT_VARS
        .iter()
        .chain(HANDOFF_VARS)
        .chain(LOADER_VARS)
        .chain(STORED_VARS)
        .chain(REFUSED_VARS.iter().map(|(n, _)| n))
        .chain(CONFIG_VARS)
        .chain(FLAG_VARS.iter().map(|(n, _, _)| n))
        .chain(DIR_VARS.iter().map(|d| &d.name))
        .chain(LOGIN_VARS)
        .chain(HELPER_VARS)
        .chain(INTERNAL_VARS)
        .chain([&ISOLATION_VAR])
        .copied()
}

/// Whether the shim's cache folder `dir` can only hold what `owner` (the caller) or root put
/// there: the folder (or, before its first use, the nearest folder above it that exists) and
/// every folder above pass [`check_file`]. In a folder someone else can write, a planted link
/// to a file the caller's agent wrote (a forged runtime version, forged lists) would be read as
/// the caller's own (the red team's). Its files are protected from containers wherever it is
/// ([`crate::hostpath::HostCtx::own_files`]).
pub fn cache_folder(dir: &Path, owner: u32) -> Result<(), String> {
    // The folder itself first (one walk when it is there, as on every call but the first); the
    // nearest folder above that is there only when it is not.
    crate::hostfs::passed_once(dir, owner, || {
        let real = match check_file_real(dir, Some(owner)) {
            Ok(real) => real,
            Err(why) if std::fs::symlink_metadata(dir).is_ok() => return Err(why),
            Err(_) => {
                // Where it will be made: beneath where the nearest folder there really is.
                let existing = dir
                    .ancestors()
                    .find(|d| std::fs::symlink_metadata(d).is_ok())
                    .unwrap_or(Path::new("/"));
                let real = check_file_real(existing, Some(owner))?;
                real.join(dir.strip_prefix(existing).unwrap_or(dir))
            }
        };
        outside_storage(&real, dir)
    })
}

/// That neither where a folder really is nor its name lies in container storage
/// (`/proc/PID/root/...` resolves to a host path, so the name is judged too).
fn outside_storage(real: &Path, named: &Path) -> Result<(), String> {
    match in_storage_shape(real).or_else(|| in_storage_shape(named)) {
        Some(store) => Err(format!(
            "it lies in container storage ({}), where containers write: a volume's folder or a layer's",
            store.display()
        )),
        None => Ok(()),
    }
}

/// Whether `path` lies in a tree only root writes ([`SYSTEM_TREES`]).
pub fn in_system_tree(path: &Path) -> bool {
    SYSTEM_TREES.iter().any(|t| path.starts_with(t))
}

/// A folder the caller's podman or the shim keeps its own files in (its configuration, its
/// storage, its running state, the shim's cache and hook): [`check_file`] for `owner`, and not
/// in container storage, where a container writes (a rootless volume's folder is the caller's
/// own, so the owner check passes it: the thirty-ninth look's `XDG_CACHE_HOME` and
/// `XDG_CONFIG_HOME` in a named volume had a container forge the shim's hook file and podman's
/// `containers.conf`, and podman ran the container's program on the host).
pub fn own_folder(dir: &Path, owner: u32) -> Result<(), String> {
    own_file(dir, Some(owner))
}

/// A file or folder of the shim's own (its policy, its log's folder): [`check_file`] for `owner`,
/// and not in container storage, where a container writes as the caller (the look `hd`: a policy
/// kept in a named volume agents may mount was rewritten to `mode = "off"` by the first agent,
/// and the log there read and forged; the volume, mounted by name, is judged by its name alone).
pub fn own_file(path: &Path, owner: Option<u32>) -> Result<(), String> {
    outside_storage(&check_file_real(path, owner)?, path)
}

/// The part of `path` that makes it container storage, if any: podman's default stores, `/proc`
/// (a container's root through `/proc/PID/root`) and `/dev/fd`, or a
/// folder shaped as podman's storage is wherever it lies (`storage.conf` may move it; the
/// variables move it): `…/containers/storage`, a volume's `volumes/NAME/_data`, a layer's
/// `overlay/ID/diff` (`merged`, `work`), a container's `overlay-containers/ID/userdata`, a
/// `vfs/dir/ID`. Judged on the path as given: pass the real one.
pub fn in_storage_shape(path: &Path) -> Option<std::path::PathBuf> {
    // `/proc/PID/root` leads into a running container's own files (a rootless user may follow
    // it into its own containers), and `/dev/fd` to `/proc/self/fd`: no folder of the caller's
    // lies there.
    let stores = CONTAINER_STORAGE.iter().chain(&["/proc", "/dev/fd"]);
    if let Some(s) = stores.into_iter().find(|s| path.starts_with(s)) {
        return Some(std::path::PathBuf::from(s));
    }
    // Judged for every PATH folder on every call: most paths have none of the shapes' names.
    let bytes = path.as_os_str().as_bytes();
    let named = [&b"/storage"[..], b"/_data", b"/overlay", b"/vfs/"]
        .iter()
        .any(|n| bytes.windows(n.len()).any(|w| w == *n));
    if !named {
        return None;
    }
    let parts: Vec<&std::ffi::OsStr> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s),
            _ => None,
        })
        .collect();
    let at = |i: usize, n: usize| -> std::path::PathBuf {
        std::iter::once(Component::RootDir.as_os_str())
            .chain(parts[..i + n].iter().copied())
            .collect()
    };
    for i in 0..parts.len() {
        let w = |k: usize| parts.get(i + k).and_then(|s| s.to_str());
        let shaped = match (w(0), w(1), w(2)) {
            (Some("containers"), Some("storage"), _) => Some(2),
            (Some("volumes"), Some(_), Some("_data")) => Some(3),
            (Some("overlay"), Some(_), Some("diff" | "merged" | "work")) => Some(3),
            (Some("overlay-containers"), Some(_), Some("userdata")) => Some(3),
            (Some("vfs"), Some("dir"), Some(_)) => Some(3),
            _ => None,
        };
        if let Some(n) = shaped {
            return Some(at(i, n));
        }
    }
    None
}

/// Whether `path` (after symlinks) and every directory above it are safe from other users:
/// owned by root or `owner`, and not writable by group or others (a root-owned sticky directory
/// such as `/tmp` is fine: nobody can replace what another user put there). The reason if not.
pub fn check_file(path: &Path, owner: Option<u32>) -> Result<(), String> {
    check_file_real(path, owner).map(|_| ())
}

/// [`check_file`], and the path it checked: `path` itself when no symlink lies on its way, else
/// where the symlinks led.
pub fn check_file_real(path: &Path, owner: Option<u32>) -> Result<std::path::PathBuf, String> {
    // An absolute path with no symlink, `.` or `..` on its way is its own canonical form: its
    // `lstat`s are the checks' `stat`s, one call per directory instead of `realpath`'s
    // `readlink` and then a `stat` each. Anything else is resolved first.
    let plain = path.is_absolute()
        && path
            .components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)));
    if plain && path.starts_with("/proc") {
        return Err(format!(
            "{}: it lies in /proc, whose links lead elsewhere than their text says",
            path.display()
        ));
    }
    let mut cached = Vec::with_capacity(if plain { path.components().count() } else { 0 });
    if plain {
        for p in path.ancestors() {
            match std::fs::symlink_metadata(p) {
                Ok(m) if !m.file_type().is_symlink() => {
                    crate::hostfs::saw(p.as_os_str().as_bytes(), &m);
                    cached.push(m)
                }
                _ => {
                    cached.clear();
                    break;
                }
            }
        }
    }
    let real = if cached.is_empty() {
        resolve_trusted(path, owner)?
    } else {
        path.to_path_buf()
    };
    check_chain(&real, cached, owner, false)?;
    Ok(real)
}

/// `path` resolved as the kernel resolves it, component by component, with every directory that
/// holds a symlink on the way checked as [`check_file`] checks the file's own: a link in a
/// directory someone else can write could be swapped between the check and the read.
fn resolve_trusted(path: &Path, owner: Option<u32>) -> Result<std::path::PathBuf, String> {
    let shown = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    let start = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map_err(|e| shown(path, e))?.join(path)
    };
    let mut todo: std::collections::VecDeque<OsString> =
        start.components().map(|c| c.as_os_str().to_os_string()).collect();
    let mut done = std::path::PathBuf::from("/");
    let mut links = 0;
    while let Some(c) = todo.pop_front() {
        match c.as_bytes() {
            b"/" => done = "/".into(),
            b"." => {}
            b".." => {
                done.pop();
            }
            _ => {
                let next = done.join(&c);
                // `/proc`'s links (`/proc/PID/root`, `cwd`, `fd/N`) lead where their text does not
                // say: `/proc/PID/root` reads `/` and opens a running container's own root (the
                // forty-second look's: the host's `/usr/bin/podman` was judged, the container's
                // run). Nothing the shim trusts lies there.
                if next.starts_with("/proc") {
                    return Err(format!(
                        "{}: the way leads through /proc, whose links lead elsewhere than their text says",
                        path.display()
                    ));
                }
                let m = std::fs::symlink_metadata(&next).map_err(|e| shown(&next, e))?;
                if !m.file_type().is_symlink() {
                    done = next;
                    continue;
                }
                links += 1;
                if links > 40 {
                    return Err(format!("{}: too many symbolic links", path.display()));
                }
                // In a root-owned sticky directory (`/tmp`) only the link's owner can replace it.
                let owned = m.uid() == 0 || Some(m.uid()) == owner;
                check_chain(&done, Vec::new(), owner, owned)
                    .map_err(|why| format!("the symbolic link {}: {why}", next.display()))?;
                let target = std::fs::read_link(&next).map_err(|e| shown(&next, e))?;
                for t in target.components().rev() {
                    todo.push_front(t.as_os_str().to_os_string());
                }
            }
        }
    }
    Ok(done)
}

/// Checks `real` (a path without symlinks) and every directory above it; `cached` holds the
/// `lstat`s of the first ones when the caller has them. A root-owned sticky directory passes
/// above the first; `real` itself only when `sticky_ok` (a directory holding a link its owner
/// made).
fn check_chain(
    real: &Path,
    cached: Vec<std::fs::Metadata>,
    owner: Option<u32>,
    sticky_ok: bool,
) -> Result<(), String> {
    let mut cached = cached.into_iter();
    let mut cur: Option<&Path> = Some(real);
    let mut first = true;
    while let Some(p) = cur {
        let m = match cached.next() {
            Some(m) => m,
            None => std::fs::metadata(p).map_err(|e| format!("{}: {e}", p.display()))?,
        };
        owned_safely(p, &m, owner, !first || sticky_ok)?;
        first = false;
        cur = p.parent();
    }
    Ok(())
}

/// One file's or folder's own owner and mode as [`check_file`] judges them: root's or `owner`'s,
/// and writable by neither its group nor others, unless `sticky` lets a root-owned sticky folder
/// pass. Also asked of a file as it was opened, after its name was checked.
pub fn owned_safely(p: &Path, m: &std::fs::Metadata, owner: Option<u32>, sticky: bool) -> Result<(), String> {
    let uid = m.uid();
    if uid != 0 && Some(uid) != owner {
        return Err(format!(
            "{} is owned by uid {uid}, not by root{} (chown it, or move it to a folder of your own)",
            p.display(),
            owner
                .filter(|&o| o != 0)
                .map_or(String::new(), |o| format!(" or uid {o}"))
        ));
    }
    let mode = m.mode();
    let sticky_root_dir = sticky && mode & 0o1000 != 0 && uid == 0;
    if mode & 0o022 != 0 && !sticky_root_dir {
        return Err(format!(
            "{} is writable by {} (mode {:o}; chmod go-w it)",
            p.display(),
            if mode & 0o002 != 0 {
                "everyone"
            } else {
                "its group"
            },
            mode & 0o7777
        ));
    }
    Ok(())
}

/// What the policy asks of the environment: remove redirects (`deny.engine-redirect`), refuse
/// untrusted configuration files and, for a build, a weaker isolation (`deny.environment`).
#[derive(Debug, Clone, Copy)]
pub struct EnvRules {
    pub remove_redirects: bool,
    /// Remove [`HANDOFF_VARS`] (`deny.host-handoff`).
    pub remove_handoffs: bool,
    pub refuse_untrusted_config: bool,
    /// The command is a build, and `deny.environment` is on.
    pub refuse_build_isolation: bool,
}

/// Whether `path` has a `..` step: where it leads depends on every link before the step, which a
/// judgement of its name cannot see (`/../proc/PID/root/home/node` is `/proc/...`, a running
/// container's own folder, past a test for the prefix `/proc`: the forty-fifth look's ran a
/// helper a container wrote, from `PATH`). No variable needs one: refused.
fn climbs(path: &Path) -> bool {
    path.components().any(|c| c == Component::ParentDir)
}

/// `PATH` as the runtime gets it: podman finds its helpers there (`newuidmap`, `conmon`, `pasta`,
/// `slirp4netns`), and the shim the runtime itself. A folder on it in container storage is one
/// a container writes (a rootless volume's folder is the caller's own, which the runtime's
/// owner check passes): refused (`deny.environment`), as written; a link that leads there lies
/// in a folder the host-exec list already keeps from writable mounts.
pub fn path_var(path: Option<&std::ffi::OsStr>) -> Result<(), String> {
    for dir in path.map(std::env::split_paths).into_iter().flatten() {
        // An empty or relative entry is a folder beneath the working directory, which a
        // container may write through a mount of a folder below it, and the host-path lists
        // cannot name it (the forty-first look's: the shim found `podman`, podman 5 `pasta`,
        // there). Go refuses them for podman, unless `GODEBUG=execerrdot=0` (removed).
        if !dir.is_absolute() {
            return Err(format!(
                "PATH has an empty or relative entry ({:?}), a folder beneath the working directory: programs found there are run on the host; make every entry absolute",
                dir.display().to_string()
            ));
        }
        if climbs(&dir) {
            return Err(format!(
                "PATH has an entry with a `..` step ({}): where it leads depends on the links before the step, which its name does not show; name the folder plainly",
                dir.display()
            ));
        }
        if let Some(store) = in_storage_shape(&dir) {
            return Err(format!(
                "PATH names a folder in container storage ({}), where containers write, and podman runs its helper programs from PATH; take it off PATH",
                store.display()
            ));
        }
    }
    Ok(())
}

/// The folders of `value` (a list of folders, as `PATH`) as the runtime's own file is judged:
/// each (or, for one not made yet, the nearest folder above it that is there, where it would be
/// made) and every folder above it owned by root or `owner` and writable by nobody else
/// ([`check_file`]). podman runs its helpers from `PATH` and `CONTAINERS_HELPER_BINARY_DIR`
/// (`conmon`, `netavark`, `slirp4netns`, `pasta`, the network's `iptables`, as root for a root
/// caller): a folder someone else can write is their program run (the forty-sixth look's root
/// caller with `/tmp` on `PATH`, the forty-seventh's helper folder of another user's: rootful
/// podman ran their `iptables`, `netavark`, as root). No tree is taken on trust: beneath `/etc`
/// and `/usr` lie folders of service users and groups (`/etc/postgresql/15/main/conf.d`,
/// `/usr/local/share/fonts` of `staff`, the forty-seventh look's).
pub fn path_folders(name: &str, value: Option<&std::ffi::OsStr>, owner: u32) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    use std::path::PathBuf;
    // Folders already judged: entries, and folders above an entry (as folders above, where a
    // root-owned sticky one passes): `/usr/local/bin` and `/usr/local/sbin` walk `/usr` once.
    let mut entries_ok: Vec<PathBuf> = Vec::new();
    let mut parents_ok: Vec<PathBuf> = Vec::new();
    let refused = |why: String| {
        format!(
            "{name} names a folder someone else could write ({why}): podman runs its helper programs from it; take the folder off {name}"
        )
    };
    let mut work: Vec<PathBuf> = value.map(std::env::split_paths).into_iter().flatten().collect();
    work.reverse();
    while let Some(dir) = work.pop() {
        if !dir.is_absolute() || entries_ok.contains(&dir) {
            continue;
        }
        let mut first = true;
        for a in dir.ancestors() {
            if !first && parents_ok.iter().any(|p| p == a) {
                break;
            }
            let m = match std::fs::symlink_metadata(a) {
                // Not made yet: judged where it would be made.
                Err(_) if first => continue,
                Err(e) => return Err(refused(format!("{}: {e}", a.display()))),
                Ok(m) if m.file_type().is_symlink() => {
                    // An entry that is a plain link (`/bin` to `usr/bin`): the folder it names
                    // is judged as an entry (once), the link's own folder as a folder above.
                    let plain = |t: &Path| {
                        t.components()
                            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)))
                    };
                    match std::fs::read_link(a) {
                        Ok(t) if first && plain(&t) => {
                            work.push(a.parent().unwrap_or(Path::new("/")).join(t));
                            first = false;
                            continue;
                        }
                        // Anything else on the way: judged where it leads, as the runtime's file is.
                        _ => {
                            check_file(a, Some(owner)).map_err(refused)?;
                            break;
                        }
                    }
                }
                Ok(m) => m,
            };
            let (uid, mode) = (m.uid(), m.mode());
            if uid != 0 && uid != owner {
                return Err(refused(format!("{} is owned by uid {uid}", a.display())));
            }
            let sticky_root = !first && mode & 0o1000 != 0 && uid == 0;
            if mode & 0o022 != 0 && !sticky_root {
                return Err(refused(format!(
                    "{} is writable by others (mode {:o})",
                    a.display(),
                    mode & 0o7777
                )));
            }
            if !first {
                parents_ok.push(a.to_path_buf());
            }
            first = false;
        }
        entries_ok.push(dir);
    }
    Ok(())
}

/// Judges the runtime's environment: the variables to remove before exec, or why the invocation
/// is refused (`deny.environment`). `vars` is the process environment.
///
/// `file_ok` judges a configuration file a variable names (root's alone); `dir_ok` a folder a
/// [`DIR_VARS`] variable moves away from its default in `homes` (the caller's or root's).
pub fn environment(
    rules: EnvRules,
    vars: impl Iterator<Item = (OsString, OsString)>,
    homes: &Homes,
    file_ok: &dyn Fn(&Path) -> Result<(), String>,
    dir_ok: &dyn Fn(&Path) -> Result<(), String>,
) -> Result<Vec<&'static str>, String> {
    let mut remove = Vec::new();
    for (k, v) in vars {
        let Some(name) = k.to_str() else { continue };
        // What podman reads or runs from a place a container writes (below).
        let stored = name == "TMPDIR" || STORED_VARS.contains(&name) || LOGIN_VARS.contains(&name);
        let names_a_path = stored
            || HELPER_VARS.contains(&name)
            || CONFIG_VARS.contains(&name)
            || DIR_VARS.iter().any(|d| d.name == name);
        if rules.refuse_untrusted_config && names_a_path {
            if let Some(part) = std::env::split_paths(&v).find(|p| climbs(p)) {
                return Err(format!(
                    "{name} names a place with a `..` step ({}): where it leads depends on the links before the step, which its name does not show; name it plainly or unset it",
                    part.display()
                ));
            }
        }
        if rules.refuse_untrusted_config && !v.is_empty() {
            if let Some((_, why)) = REFUSED_VARS.iter().find(|(n, _)| *n == name) {
                return Err(format!("{name} {why}; unset it"));
            }
            // What podman reads or runs from a place a container writes: as named, and where
            // links lead (`TMPDIR` through a link into a volume's folder: a container rewrote a
            // build step's spec there, the forty-third look's).
            if stored {
                // Beneath the system's own root-owned trees (`SSL_CERT_DIR=/etc/ssl/certs`) no
                // link a container planted can lie: only where links lead elsewhere is asked.
                for part in std::env::split_paths(&v).filter(|p| p.is_absolute() && !in_system_tree(p)) {
                    // Where the nearest part that is there really is (a file not made yet lies
                    // beneath it).
                    let real = part.ancestors().find_map(|a| {
                        let r = std::fs::canonicalize(a).ok()?;
                        Some(r.join(part.strip_prefix(a).ok()?))
                    });
                    let found =
                        in_storage_shape(&part).or_else(|| real.as_deref().and_then(in_storage_shape));
                    if let Some(store) = found {
                        return Err(format!(
                            "{name} names a place in container storage ({}), where containers write; name a place outside it or unset it",
                            store.display()
                        ));
                    }
                }
            }
        }
        if let (true, Some(var)) = (
            rules.refuse_untrusted_config && !v.is_empty(),
            DIR_VARS.iter().find(|d| d.name == name),
        ) {
            let p = Path::new(&v);
            if !p.is_absolute() {
                return Err(format!(
                    "{name} is relative: podman would keep its {} beneath the working directory, which a container may mount; make it absolute or unset it",
                    var.holds
                ));
            }
            if let Some(store) = in_storage_shape(p) {
                return Err(format!(
                    "{name} moves podman's {} into container storage ({}), where containers write; use a folder only you and root can write, or unset it",
                    var.holds,
                    store.display()
                ));
            }
            if var.trusted_only && Some(p) != homes.default_of(var).as_deref() {
                if let Err(why) = dir_ok(p) {
                    return Err(format!(
                        "{name} moves podman's {} to a folder the shim cannot trust ({why}); use a folder only you and root can write, or unset it",
                        var.holds
                    ));
                }
            }
        }
        if rules.remove_handoffs {
            if let Some(r) = HANDOFF_VARS.iter().find(|r| **r == name) {
                if !remove.contains(r) {
                    remove.push(*r);
                }
                continue;
            }
        }
        if rules.refuse_untrusted_config {
            if let Some(r) = LOADER_VARS.iter().find(|r| **r == name) {
                if !remove.contains(r) {
                    remove.push(*r);
                }
                continue;
            }
            // A folder of helper programs in container storage, or beneath the working directory
            // (relative): a container writes them (podman 5 looks there first, with no refusal
            // of a relative folder: the forty-first look's `pasta` from the workspace).
            if HELPER_VARS.contains(&name) {
                for part in std::env::split_paths(&v) {
                    if !part.is_absolute() {
                        return Err(format!(
                            "{name} has an empty or relative folder, beneath the working directory: podman runs its helper programs from it; make it absolute or unset it"
                        ));
                    }
                    if let Some(store) = in_storage_shape(&part) {
                        return Err(format!(
                            "{name} names a folder of podman's helper programs in container storage ({}), where containers write; unset it",
                            store.display()
                        ));
                    }
                }
            }
        }
        if rules.remove_redirects {
            if let Some(r) = REDIRECT_VARS.iter().find(|r| **r == name) {
                if !remove.contains(r) {
                    remove.push(*r);
                }
                continue;
            }
        }
        if rules.refuse_build_isolation && name == ISOLATION_VAR {
            let kept = v
                .to_str()
                .is_some_and(|v| ISOLATION_KEPT.iter().any(|k| k.eq_ignore_ascii_case(v.trim())));
            if !kept {
                return Err(format!(
                    "{ISOLATION_VAR} asks the build for an isolation other than oci (chroot runs its RUN steps in the host's namespaces, as --isolation chroot would); unset it"
                ));
            }
        }
        if let (true, Some((_, flag, why))) = (
            rules.refuse_untrusted_config && !v.is_empty(),
            FLAG_VARS.iter().find(|(n, _, _)| *n == name),
        ) {
            return Err(format!(
                "{name} is podman's {flag} by another name, which the shim does not judge there ({why}); unset it"
            ));
        }
        if rules.refuse_untrusted_config && INTERNAL_VARS.contains(&name) && !v.is_empty() {
            return Err(format!(
                "{name} is set: podman sets it only for its own child in a user namespace, and with it a rootful podman takes itself for rootless and drops every resource limit; unset it"
            ));
        }
        if rules.refuse_untrusted_config && CONFIG_VARS.contains(&name) && !v.is_empty() {
            // podman reads a list for some of these; each file must be trusted.
            for part in std::env::split_paths(&v) {
                if let Some(store) = in_container_storage(&part, homes) {
                    return Err(format!(
                        "{name} points the runtime at a file in container storage ({}), where an image's or a container's files lie, which an agent's build or container writes; name a file outside it or unset it",
                        store.display()
                    ));
                }
                if let Err(why) = file_ok(&part) {
                    return Err(format!(
                        "{name} points the runtime at a configuration file it cannot trust ({why}); make it root-owned or unset it"
                    ));
                }
            }
        }
    }
    // Root's podman reads `~/.config/containers` (registries, the signature policy) too: a home
    // in container storage is refused for every caller (as named; a rootless home's way is
    // judged below).
    if let (true, Some(home)) = (rules.refuse_untrusted_config, homes.home) {
        if climbs(home) {
            return Err(format!(
                "the home {} has a `..` step: where it leads depends on the links before the step; name it plainly",
                home.display()
            ));
        }
        if let Some(store) = in_storage_shape(home) {
            return Err(format!(
                "the home {} lies in container storage ({}), where containers write; podman reads its configuration beneath it",
                home.display(),
                store.display()
            ));
        }
    }
    // A rootless podman's configuration, storage and running state default to folders in the
    // home (`~/.config/containers`, `~/.local/share/containers`): a home someone else can write
    // moves them as the variables above would (the twenty-third look's `HOME` owned by another
    // user held a `containers.conf` that mounted `~/.ssh`). Root's podman does not read them.
    if let (true, Some(home)) = (
        rules.refuse_untrusted_config && homes.uid.is_some_and(|u| u != 0),
        homes.home,
    ) {
        if let Err(why) = dir_ok(home) {
            return Err(format!(
                "the home {} is a folder the shim cannot trust ({why}): rootless podman reads its configuration and keeps its storage beneath it; use a home only you and root can write",
                home.display()
            ));
        }
    }
    Ok(remove)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The lines a configuration is searched in are its lines that are not blank and not
        /// comments, as a split at line ends and a test of each finds them.
        #[test]
        fn uncommented_lines_are_every_line_not_blank_nor_a_comment(
            text in proptest::collection::vec(
                proptest::sample::select(vec![b'#', b' ', b'\t', b'\r', b'\n', b'a', b'=', 0xc5]),
                0..80,
            )
        ) {
            let want: Vec<&[u8]> = crate::text::split(&text, b'\n')
                .filter_map(|l| {
                    let start = l.iter().position(|b| !b.is_ascii_whitespace())?;
                    Some(&l[start..]).filter(|l| l[0] != b'#')
                })
                .collect();
            proptest::prop_assert_eq!(uncommented(&text).collect::<Vec<_>>(), want);
        }
    }

    #[test]
    fn configured_ulimits_are_read_where_set() {
        let facts = |t: &[u8]| conf_facts(t, &[], &[], true).2.unwrap();
        let conf = b"# default_ulimits = [\"nofile=1\"]\n[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n";
        assert_eq!(
            conf_facts(conf, &[], &[], true).2.and_then(|d| d.ulimits),
            Some(vec![
                "nofile=1024:1024".to_string(),
                "nproc=1024:1024".to_string()
            ])
        );
        assert_eq!(
            conf_facts(
                b"# default_ulimits = [\"nofile=1\"]\n[containers]\n",
                &[],
                &[],
                true
            )
            .2
            .and_then(|d| d.ulimits),
            None
        );
        assert_eq!(
            conf_facts(b"[Containers]\nDefault_Ulimits = [\"core=0\"]\n", &[], &[], true)
                .2
                .and_then(|d| d.ulimits),
            Some(vec!["core=0".into()])
        );
        // What else every container gets (the thirty-seventh pass's look), in any case.
        let conf = b"[containers]\n# volumes = [\"/x:/x\"]\nVolumes = [\"/etc:/h:ro\"]\ndevices = [\"/dev/kmsg\"]\nPIDNS = \"host\"\nnetns = \"bridge\"\nshm_size = \"100g\"\n";
        let d = conf_facts(conf, &[], &[], true).2.unwrap();
        assert_eq!(d.volumes, ["/etc:/h:ro"]);
        assert_eq!(d.devices, ["/dev/kmsg"]);
        assert_eq!(
            d.namespaces,
            [
                ("pidns".to_string(), "host".to_string()),
                ("netns".into(), "bridge".into())
            ]
        );
        assert_eq!(d.shm_sizes, ["100g"]);
        // Every file's values are kept: a later file's cannot hide an earlier one's from the
        // check (the look `gi`: podman 4.3 reads no CONTAINERS_CONF_OVERRIDE).
        let mut merged = d.clone();
        merged.absorb(ConfDefaults {
            volumes: vec!["/a:/a".into()],
            namespaces: vec![("pidns".into(), "private".into())],
            shm_sizes: vec!["64m".into()],
            ..Default::default()
        });
        assert_eq!(merged.volumes, ["/etc:/h:ro", "/a:/a"]);
        assert_eq!(
            merged.namespaces,
            [
                ("pidns".to_string(), "host".to_string()),
                ("netns".into(), "bridge".into()),
                ("pidns".into(), "private".into())
            ]
        );
        assert_eq!(merged.shm_sizes, ["100g", "64m"]);
        // Keys judged by value, keys unknown, podman's own environment.
        let d = facts(b"[containers]\nenv_host = true\nbase_hosts_file = \"/root/.aws/credentials\"\nfuture_key = 1\ndefault_sysctls = []\n[engine]\nenv = [\"_CONTAINERS_USERNS_CONFIGURED=1\"]\n");
        assert_eq!(
            d.checked,
            [
                (
                    "base_hosts_file".to_string(),
                    "/root/.aws/credentials".to_string()
                ),
                ("env_host".into(), "true".into())
            ]
        );
        assert_eq!(d.unknown, ["[containers] future_key"]);
        assert_eq!(d.engine_env, ["_CONTAINERS_USERNS_CONFIGURED=1"]);
        // What the shim cannot read as TOML, where podman may, is said so.
        for text in [
            &b"\xff\xfe[containers]\nvolumes = [\"/etc:/h\"]\n"[..],
            b"a.b = 1\n[a.b]\nc = 2\n[containers]\nvolumes = [\"/etc:/h\"]\n",
        ] {
            let d = conf_facts(text, &[], &[], true).2.unwrap();
            assert_eq!(d.unreadable.len(), 1, "{:?}", String::from_utf8_lossy(text));
        }
        // Debian's own file (safe keys, an array's values with `=`) is not read as TOML at all.
        let debian = b"[containers]\ndefault_capabilities = [\n  \"CHOWN\",\n]\ndefault_sysctls = [\n  \"net.ipv4.ping_group_range=0 0\",\n]\n[secrets]\n[engine]\n";
        assert_eq!(conf_facts(debian, &[], &[], true).2, None);
        assert!(unjudged_key(b"\"volumes\" = [\"/x:/x\"]"));
        assert!(unjudged_key(b"containers.volumes = []"));
        // A quoted table name in a dotted key, and podman's other init_path (the look `gk`).
        assert!(unjudged_key(b"\"containers\".volumes = [\"/x:/x\"]"));
        assert!(unjudged_key(b"'containers' . devices = []"));
        let d = conf_facts(b"\"containers\".volumes = [\"/etc:/h\"]\n", &[], &[], true)
            .2
            .unwrap();
        assert_eq!(d.volumes, ["/etc:/h"]);
        let d = conf_facts(b"[engine]\ninit_path = \"/root/.ssh/id_rsa\"\n", &[], &[], true)
            .2
            .unwrap();
        assert_eq!(
            d.checked,
            [("engine.init_path".to_string(), "/root/.ssh/id_rsa".to_string())]
        );
        // `[engine]`: judged by value, harmless, or not known (refused); sub-tables are keys.
        let d = facts(b"[engine]\nremote = true\nno_pivot_root = true\nruntime = \"crun\"\nfuture_key = 1\n[engine.runtimes]\ncrun = [\"/usr/bin/crun\"]\n[engine.service_destinations.x]\nuri = \"unix:///run/podman/podman.sock\"\n[network]\nnetwork_backend = \"netavark\"\n");
        assert_eq!(
            d.checked,
            [
                ("engine.no_pivot_root".to_string(), "true".to_string()),
                ("engine.remote".into(), "true".into())
            ]
        );
        assert_eq!(d.unknown, ["[engine] future_key"]);
        assert_eq!(
            d.program_files,
            [std::path::PathBuf::from("/usr/bin/crun")],
            "a runtime"
        );
        // A program named relatively (podman finds it from the working folder), a runtime by
        // its path, conmon's environment, the events log, storage.conf's mount program (the
        // look `gq`).
        let d = facts(b"[engine]\nconmon_path = [\"w3/conmon\", \"/usr/bin/conmon\"]\nruntime = \"/srv/rt/runc\"\nconmon_env_vars = [\"LD_PRELOAD=/w/x.so\"]\nevents_logfile_path = \"/srv/ev/events.log\"\n");
        assert_eq!(
            d.checked,
            [(
                "engine.relative_program".to_string(),
                "conmon_path = \"w3/conmon\"".to_string()
            )]
        );
        let p = std::path::PathBuf::from;
        assert_eq!(
            d.program_files,
            [p("/usr/bin/conmon"), p("/srv/ev/events.log"), p("/srv/rt/runc")]
        );
        assert_eq!(d.engine_env, ["LD_PRELOAD=/w/x.so"]);
        assert_eq!(
            storage_programs(b"[storage.options.overlay]\nmount_program = \"/srv/fo/fuse-overlayfs\"\n"),
            [p("/srv/fo/fuse-overlayfs")]
        );
        assert!(storage_programs(b"[storage]\ndriver = \"overlay\"\n").is_empty());
        // `[network]` by key too; podman 5's `mounts` and `privileged` (the look `gp`).
        let d = facts(b"[containers]\nmounts = [\"type=bind,src=/etc,dst=/h\"]\nprivileged = false\n[network]\nnetwork_backend = \"netavark\"\nfuture_key = 1\nnetavark_plugin_dirs = [\"/opt/np\"]\n");
        assert_eq!(d.volumes, ["type=bind,src=/etc,dst=/h"]);
        assert_eq!(d.checked, [("privileged".to_string(), "false".to_string())]);
        assert_eq!(d.unknown, ["[network] future_key"]);
        assert_eq!(d.programs, [std::path::PathBuf::from("/opt/np")]);
        assert!(unjudged_key(b"remote = true"));
        assert!(unjudged_key(b"Env = []"));
        assert!(!unjudged_key(b"\"net.ipv4.ping_group_range=0 0\","));
        assert!(!unjudged_key(b"Default_Sysctls = ["));
        let net = conf_facts(b"[engine]\nnetwork_cmd_options = [\"allow_host_loopback=true\"]\n[Network]\npasta_options = [\"-T\", \"8080\"]\n", &[], &[], true).2.unwrap();
        assert_eq!(net.network_options, ["allow_host_loopback=true", "-T", "8080"]);
        // Commented out, nothing.
        assert_eq!(
            conf_facts(b"[containers]\n#volumes = [\"/etc:/h\"]\n", &[], &[], true).2,
            None
        );
    }
    use std::os::unix::fs::PermissionsExt;

    /// The folders a storage.conf or containers.conf moves podman's state to, as podman reads
    /// them: keys in any case, variables in either form, arrays.
    #[test]
    fn a_configuration_s_moved_folders_are_read() {
        let vars = [("HOME", "/home/a"), ("UID", "1000"), ("USER", "a")];
        let storage = CONF_FILES[0].keys;
        let text = "# comment = \"/x\"\n[Storage]\ndriver = \"overlay\"\nGraphRoot = \"/srv/store\"\nrunroot = \"/run/user/$UID/st\"\n\
                    rootless_storage_path = \"${HOME}/podman/$USER$NOPE\"\nimagestore = \"relative\"\n\
                    [storage.options]\nadditionalimagestores = [\n  \"/ro/images\",\n]\n";
        let (stores, running) = conf_folders(text.as_bytes(), storage, &vars);
        let p = |s: &str| std::path::PathBuf::from(s);
        assert_eq!(stores, [p("/srv/store"), p("/home/a/podman/a"), p("/ro/images")]);
        assert_eq!(running, [p("/run/user/1000/st")]);
        let conf = "[engine]\nstatic_dir = \"/srv/db\"\nvolume_path = \"$HOME/vols\"\nimage_copy_tmp_dir = \"/data/tmp\"\n";
        let (stores, running) = conf_folders(conf.as_bytes(), CONF_FILES[1].keys, &vars);
        assert_eq!(stores, [p("/srv/db"), p("/home/a/vols")]);
        assert_eq!(running, [p("/data/tmp")]);
        // Nothing moved, or text podman could not read either: nothing.
        let none = (vec![], vec![]);
        assert_eq!(
            conf_folders(b"[storage]\ndriver = \"overlay\"\n", storage, &vars),
            none
        );
        // Text the TOML reader refuses is read line by line: more protected, never less.
        assert_eq!(
            conf_folders(b"[storage\ngraphroot = \"/x\"", storage, &vars),
            (vec![p("/x")], vec![])
        );
        assert_eq!(expand_vars("a$-b${X}c$", &[("X", "x")]), "a$-bxc$");
        // Spellings podman's reader takes that hid a key (the hundred-and-eighteenth look's): an
        // escape, a character it folds, a multi-line string whose lines begin with `#`, and the
        // temporary folder `env` sets.
        let engine = CONF_FILES[1].keys;
        for (conf, want) in [
            ("[engine]\n\"static\\u005Fdir\" = \"/a\"\n", "/a"),
            ("[engine]\n\u{17F}tatic_dir = \"/b\"\n", "/b"),
            (
                "[engine]\nx = '''\n# static_dir = \"/nowhere\"\n'''\nstatic_dir = \"/c\"\n",
                "/c",
            ),
            ("[Engine]\nenv = [\"A=1\", \"TMPDIR=/d\"]\n", "/d"),
        ] {
            let (stores, running) = conf_folders(conf.as_bytes(), engine, &vars);
            assert!(
                stores.contains(&p(want)) || running.contains(&p(want)),
                "{conf}: {stores:?} {running:?}"
            );
        }
    }

    #[test]
    fn writable_by_others_is_untrusted() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("policy.toml");
        std::fs::write(&f, "").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(check_file(&f, Some(crate::process::euid())), Ok(()));
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(
            check_file(&f, Some(crate::process::euid()))
                .unwrap_err()
                .contains("everyone")
        );
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o664)).unwrap();
        assert!(
            check_file(&f, Some(crate::process::euid()))
                .unwrap_err()
                .contains("group")
        );
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(
            check_file(&f, Some(crate::process::euid()))
                .unwrap_err()
                .contains("everyone")
        );
    }

    #[test]
    fn a_symlink_in_a_directory_others_can_write_is_untrusted() {
        let me = Some(crate::process::euid());
        let d = tempfile::tempdir().unwrap();
        let safe = d.path().join("safe");
        std::fs::create_dir(&safe).unwrap();
        std::fs::set_permissions(&safe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let f = safe.join("containers.conf");
        std::fs::write(&f, "").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        // A link in a safe directory to a safe file: trusted.
        let good = safe.join("link");
        std::os::unix::fs::symlink(&f, &good).unwrap();
        assert_eq!(check_file(&good, me), Ok(()));
        // The same link in a directory everyone can write: whoever can replace it decides
        // what the runtime reads, though the file it points at is safe.
        let open = d.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let bad = open.join("link");
        std::os::unix::fs::symlink(&f, &bad).unwrap();
        let why = check_file(&bad, me).unwrap_err();
        assert!(why.contains("symbolic link") && why.contains("everyone"), "{why}");
        // ... and one hop further: a safe link to that link.
        let hop = safe.join("hop");
        std::os::unix::fs::symlink(&bad, &hop).unwrap();
        assert!(check_file(&hop, me).is_err());
        // A relative link is resolved from its own directory.
        let rel = safe.join("rel");
        std::os::unix::fs::symlink("containers.conf", &rel).unwrap();
        assert_eq!(check_file(&rel, me), Ok(()));
    }

    /// Every rule of the environment on, but the build's isolation.
    const ALL_ON: EnvRules = EnvRules {
        remove_redirects: true,
        remove_handoffs: true,
        refuse_untrusted_config: true,
        refuse_build_isolation: false,
    };

    const HOMES: Homes = Homes {
        home: None,
        uid: Some(1000),
    };

    #[test]
    fn hand_offs_are_removed_by_their_own_rule() {
        let rules = EnvRules {
            remove_redirects: false,
            remove_handoffs: true,
            refuse_untrusted_config: true,
            refuse_build_isolation: false,
        };
        let ok = |_: &Path| Ok(());
        let vars = || {
            [
                "LISTEN_FDS",
                "LISTEN_PID",
                "LISTEN_FDNAMES",
                "NOTIFY_SOCKET",
                "DOCKER_HOST",
                "LISTEN_FDS",
            ]
            .map(|k| (OsString::from(k), OsString::from("1")))
            .into_iter()
        };
        assert_eq!(
            environment(rules, vars(), &HOMES, &ok, &ok).unwrap(),
            ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET"]
        );
        assert_eq!(removed_by("NOTIFY_SOCKET"), crate::rules::Rule::DenyHostHandoff);
        assert_eq!(removed_by("DOCKER_HOST"), crate::rules::Rule::DenyEngineRedirect);
        let off = EnvRules {
            remove_handoffs: false,
            ..rules
        };
        assert_eq!(
            environment(off, vars(), &HOMES, &ok, &ok).unwrap(),
            Vec::<&str>::new()
        );
    }

    /// The twenty-third look's: a `containers.conf` a build left in an image layer is root's on a
    /// rootful host, and passed the owner check; container storage is refused wherever a
    /// configuration file lies in it.
    #[test]
    fn a_configuration_file_in_container_storage_is_refused() {
        let rules = EnvRules {
            remove_redirects: true,
            remove_handoffs: true,
            refuse_untrusted_config: true,
            refuse_build_isolation: false,
        };
        let homes = Homes {
            home: Some(Path::new("/home/a")),
            uid: Some(1000),
        };
        let ok = |_: &Path| Ok(());
        let one = |k: &str, v: &str| vec![(OsString::from(k), OsString::from(v))].into_iter();
        for (var, file) in [
            (
                "CONTAINERS_CONF",
                "/var/lib/containers/storage/overlay/abc/diff/cc.conf",
            ),
            ("CONTAINERS_CONF_OVERRIDE", "/run/containers/storage/x.conf"),
            (
                "CONTAINERS_REGISTRIES_CONF",
                "/home/a/.local/share/containers/storage/overlay/d/r.conf",
            ),
            (
                "CONTAINERS_STORAGE_CONF",
                "/etc/containers/storage.conf:/var/lib/containers/s.conf",
            ),
        ] {
            let r = environment(rules, one(var, file), &homes, &ok, &ok).unwrap_err();
            assert!(r.contains(var) && r.contains("container storage"), "{r}");
        }
        // Outside it, the owner check alone decides.
        assert_eq!(
            environment(
                rules,
                one("CONTAINERS_CONF", "/etc/nanoclaw-shim-ci/containers.conf"),
                &homes,
                &ok,
                &ok
            ),
            Ok(vec![])
        );
        // Through a link, where the kernel resolves it.
        let d = tempfile::tempdir().unwrap();
        let link = d.path().join("cc.conf");
        std::os::unix::fs::symlink("/var/lib/containers", &link).unwrap();
        let r = environment(
            rules,
            one("CONTAINERS_CONF", link.to_str().unwrap()),
            &homes,
            &ok,
            &ok,
        );
        if Path::new("/var/lib/containers").exists() {
            assert!(r.unwrap_err().contains("container storage"));
        }
    }

    /// The twenty-third look's: a rootless podman reads `~/.config/containers` of whatever home
    /// it is given, and podman's re-exec marker turned a rootful podman's limits off.
    /// The sieve that passes over most variables unread lets every engine variable through.
    #[test]
    fn every_engine_variable_is_one() {
        for n in engine_vars() {
            assert!(is_engine_var(n.as_bytes()), "{n}");
        }
        for n in ["PATH", "HOME", "_", "", "LANG", "CONTAINER_HOSTX"] {
            assert!(!is_engine_var(n.as_bytes()), "{n}");
        }
    }

    #[test]
    fn a_rootless_home_must_be_trusted_and_podman_s_markers_are_refused() {
        let rules = EnvRules {
            remove_redirects: true,
            remove_handoffs: true,
            refuse_untrusted_config: true,
            refuse_build_isolation: false,
        };
        let home = Path::new("/srv/nobodys");
        let ok = |_: &Path| Ok(());
        let untrusted = |p: &Path| Err(format!("{} is owned by uid 65534", p.display()));
        let none = || std::iter::empty::<(OsString, OsString)>();
        let user = Homes {
            home: Some(home),
            uid: Some(1000),
        };
        let r = environment(rules, none(), &user, &ok, &untrusted).unwrap_err();
        assert!(r.contains("/srv/nobodys") && r.contains("uid 65534"), "{r}");
        assert_eq!(environment(rules, none(), &user, &ok, &ok), Ok(vec![]));
        // Root's podman does not read them; the switch off asks nothing.
        let root = Homes {
            home: Some(home),
            uid: Some(0),
        };
        assert_eq!(environment(rules, none(), &root, &ok, &untrusted), Ok(vec![]));
        let off = EnvRules {
            refuse_untrusted_config: false,
            ..rules
        };
        assert_eq!(environment(off, none(), &user, &ok, &untrusted), Ok(vec![]));
        for name in INTERNAL_VARS {
            assert!(is_engine_var(name.as_bytes()));
            let one = vec![(OsString::from(name), OsString::from("1"))].into_iter();
            let r = environment(rules, one, &root, &ok, &ok).unwrap_err();
            assert!(r.contains(name) && r.contains("resource limit"), "{r}");
        }
    }

    #[test]
    fn a_moved_runtime_folder_must_be_absolute_and_trusted() {
        let rules = EnvRules {
            remove_redirects: true,
            remove_handoffs: true,
            refuse_untrusted_config: true,
            refuse_build_isolation: false,
        };
        let home = Path::new("/home/a");
        let homes = Homes {
            home: Some(home),
            uid: Some(1000),
        };
        let ok = |_: &Path| Ok(());
        // Every folder but the home (judged on its own: see the next test).
        let untrusted = |p: &Path| match p == home {
            true => Ok(()),
            false => Err(format!("{} is writable by everyone", p.display())),
        };
        let one = |k: &str, v: &str| vec![(OsString::from(k), OsString::from(v))].into_iter();
        for var in ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR"] {
            // Relative: podman would read it from the working directory.
            let r = environment(rules, one(var, "rel/dir"), &homes, &ok, &ok).unwrap_err();
            assert!(r.contains(var) && r.contains("relative"), "{r}");
            // Moved to a folder someone else can write.
            let r = environment(rules, one(var, "/srv/x"), &homes, &ok, &untrusted).unwrap_err();
            assert!(r.contains(var) && r.contains("writable by everyone"), "{r}");
            // Moved to a folder only the caller can write: kept.
            assert_eq!(
                environment(rules, one(var, "/srv/x"), &homes, &ok, &ok),
                Ok(vec![])
            );
            // Empty: as if unset.
            assert_eq!(
                environment(rules, one(var, ""), &homes, &ok, &untrusted),
                Ok(vec![])
            );
        }
        // Into container storage, where containers write (a thirty-ninth look's): refused, the
        // owner check aside (a rootless volume's folder is the caller's own).
        for var in ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR", "TMPDIR"] {
            for at in [
                "/home/a/.local/share/containers/storage/volumes/v/_data",
                "/var/lib/containers/storage/overlay/l1/diff",
            ] {
                let r = environment(rules, one(var, at), &homes, &ok, &ok).unwrap_err();
                assert!(r.contains(var) && r.contains("container storage"), "{r}");
            }
        }
        // TMPDIR: relative is refused; a folder everyone may write (`/var/tmp`) is kept.
        let r = environment(rules, one("TMPDIR", "tmp"), &homes, &ok, &ok).unwrap_err();
        assert!(r.contains("TMPDIR is relative"), "{r}");
        assert_eq!(
            environment(rules, one("TMPDIR", "/var/tmp"), &homes, &ok, &untrusted),
            Ok(vec![])
        );
        // At its default, nothing is asked of the folder.
        for (var, at) in [
            ("XDG_CONFIG_HOME", "/home/a/.config"),
            ("XDG_CONFIG_HOME", "/home/a/.config/"),
            ("XDG_DATA_HOME", "/home/a/.local/share"),
            ("XDG_RUNTIME_DIR", "/run/user/1000"),
        ] {
            assert_eq!(
                environment(rules, one(var, at), &homes, &ok, &untrusted),
                Ok(vec![]),
                "{var}={at}"
            );
        }
        // The switch off: nothing judged.
        let off = EnvRules {
            refuse_untrusted_config: false,
            ..rules
        };
        assert_eq!(
            environment(off, one("XDG_DATA_HOME", "rel"), &homes, &ok, &untrusted),
            Ok(vec![])
        );
    }

    #[test]
    fn a_moved_folder_s_list_entries_move_with_it() {
        let homes = Homes {
            home: Some(Path::new("/home/a")),
            uid: Some(1000),
        };
        let engine = |pairs: &[(&str, &str)]| -> Vec<(OsString, OsString)> {
            pairs
                .iter()
                .map(|(k, v)| (OsString::from(k), OsString::from(v)))
                .collect()
        };
        let moved = Relocations::of(
            &engine(&[
                ("XDG_CONFIG_HOME", "/srv/cfg"),
                ("XDG_DATA_HOME", "/home/a/.local/share"),
                ("XDG_RUNTIME_DIR", "/srv/run"),
                ("XDG_CONFIG_HOME", "relative"),
            ]),
            &homes,
        );
        // The default and the relative settings move nothing (the relative one is refused).
        assert_eq!(moved.0.len(), 2);
        let twins = |e: &str| {
            moved
                .twins(e)
                .into_iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(twins("~/.config/containers"), ["/srv/cfg/containers"]);
        assert_eq!(twins("~/.config"), ["/srv/cfg"]);
        assert_eq!(twins("~/.configure"), Vec::<String>::new());
        assert_eq!(
            twins("~/.local/share/containers"),
            Vec::<String>::new(),
            "not moved"
        );
        assert_eq!(twins("/run/user"), ["/srv/run"]);
        assert_eq!(
            twins("/run/user/*/podman/podman.sock"),
            ["/srv/run/podman/podman.sock"]
        );
        assert_eq!(twins("/etc"), Vec::<String>::new());
        let tmp = Relocations::of(&engine(&[("TMPDIR", "/srv/t"), ("TMPDIR", "/tmp/")]), &homes);
        assert_eq!(
            tmp.twins("/tmp/podman-run-*")
                .into_iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>(),
            ["/srv/t/podman-run-*"]
        );
        assert!(Relocations::of(&engine(&[("XDG_DATA_HOME", "/home/a/.local/share")]), &homes).is_empty());
    }

    #[test]
    fn redirects_are_removed_and_untrusted_config_refused() {
        let p = EnvRules {
            remove_redirects: true,
            remove_handoffs: true,
            refuse_untrusted_config: true,
            refuse_build_isolation: false,
        };
        let vars = vec![
            (OsString::from("DOCKER_HOST"), OsString::from("tcp://evil:2375")),
            (OsString::from("CONTAINER_HOST"), OsString::from("ssh://x")),
            (OsString::from("HOME"), OsString::from("/home/a")),
        ];
        let ok = |_: &Path| Ok(());
        assert_eq!(
            environment(p, vars.clone().into_iter(), &HOMES, &ok, &ok).unwrap(),
            ["DOCKER_HOST", "CONTAINER_HOST"]
        );
        // A name set twice is removed once (execve drops every entry of it).
        let twice = [vars[0].clone(), vars[0].clone()];
        assert_eq!(
            environment(p, twice.into_iter(), &HOMES, &ok, &ok).unwrap(),
            ["DOCKER_HOST"]
        );
        let bad = |_: &Path| Err("owned by uid 1000".to_string());
        let conf = vec![(OsString::from("CONTAINERS_CONF"), OsString::from("/w/c.conf"))];
        let r = environment(p, conf.clone().into_iter(), &HOMES, &bad, &ok).unwrap_err();
        assert!(r.contains("CONTAINERS_CONF"), "{r}");
        let lenient = EnvRules {
            refuse_untrusted_config: false,
            ..p
        };
        assert!(environment(lenient, conf.into_iter(), &HOMES, &bad, &ok).is_ok());
    }

    #[test]
    fn a_build_s_isolation_is_only_oci() {
        let ok = |_: &Path| Ok(());
        let build = EnvRules {
            remove_redirects: true,
            remove_handoffs: true,
            refuse_untrusted_config: true,
            refuse_build_isolation: true,
        };
        let var = |v: &str| vec![(OsString::from(ISOLATION_VAR), OsString::from(v))].into_iter();
        for weak in ["chroot", "CHROOT", " chroot", "anything", "oci,chroot"] {
            let r = environment(build, var(weak), &HOMES, &ok, &ok).unwrap_err();
            assert!(r.contains("BUILDAH_ISOLATION"), "{weak}: {r}");
        }
        for kept in ["", "oci", "OCI", "rootless", "default"] {
            assert_eq!(
                environment(build, var(kept), &HOMES, &ok, &ok),
                Ok(vec![]),
                "{kept}"
            );
        }
        // Not a build (or the rule off): nothing reads it.
        let other = EnvRules {
            refuse_build_isolation: false,
            ..build
        };
        assert_eq!(environment(other, var("chroot"), &HOMES, &ok, &ok), Ok(vec![]));
        assert!(is_engine_var(b"BUILDAH_ISOLATION"));
    }

    #[test]
    fn container_storage_is_told_by_its_shape_wherever_it_lies() {
        for p in [
            "/var/lib/containers/storage/volumes/v/_data",
            "/home/a/.local/share/containers/storage/volumes/v/_data/nanoclaw-shim",
            "/srv/data/containers/storage",
            "/mnt/big/volumes/v/_data",
            "/mnt/big/overlay/0123abcd/diff/etc",
            "/run/user/1001/containers/overlay-containers/c1/userdata",
            "/mnt/big/vfs/dir/l1",
            "/run/containers/x",
            "/proc/4242/root/tmp/cfg",
            "/dev/fd/3",
        ] {
            assert!(in_storage_shape(Path::new(p)).is_some(), "{p}");
        }
        for p in [
            "/home/a/.cache",
            "/home/a/.config",
            "/home/a/.local/share",
            "/home/a/containers",
            "/home/a/volumes/_data",
            "/home/a/overlay/x",
            "/run/user/1001",
        ] {
            assert!(in_storage_shape(Path::new(p)).is_none(), "{p}");
        }
        assert_eq!(
            in_storage_shape(Path::new("/m/volumes/v/_data/x")),
            Some(std::path::PathBuf::from("/m/volumes/v/_data"))
        );
    }

    /// A volume's folder is the caller's own: the owner check passes it, the storage check not,
    /// also through a link, and for a cache folder not made yet.
    #[test]
    fn a_folder_of_the_caller_s_in_container_storage_is_refused() {
        let d = tempfile::tempdir().unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let me = crate::process::euid();
        let vol = d.path().join("volumes/v/_data");
        std::fs::create_dir_all(&vol).unwrap();
        for dir in [d.path().join("volumes"), d.path().join("volumes/v"), vol.clone()] {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&vol, &link).unwrap();
        if check_file(d.path(), Some(me)).is_err() {
            return; // a temporary folder others can write above: nothing to tell apart here
        }
        assert!(own_folder(d.path(), me).is_ok());
        for p in [&vol, &link] {
            let why = own_folder(p, me).unwrap_err();
            assert!(why.contains("container storage"), "{}: {why}", p.display());
            let why = cache_folder(&p.join("nanoclaw-shim"), me).unwrap_err();
            assert!(why.contains("container storage"), "{}: {why}", p.display());
        }
    }

    /// The loader's variables never reach podman; PATH and helper folders in container storage
    /// are refused (the fortieth look's `LD_PRELOAD`, `PATH` into a volume's folder).
    #[test]
    fn the_loader_s_variables_are_removed_and_storage_is_off_path() {
        let rules = ALL_ON;
        let ok = |_: &Path| Ok(());
        let vol = "/home/a/.local/share/containers/storage/volumes/v/_data";
        let vars = vec![
            (
                OsString::from("LD_PRELOAD"),
                OsString::from(format!("{vol}/x.so")),
            ),
            (OsString::from("LD_LIBRARY_PATH"), OsString::from(vol)),
            (OsString::from("GCONV_PATH"), OsString::from(vol)),
        ];
        for (k, _) in &vars {
            assert!(is_engine_var(k.as_bytes()), "{k:?}");
            assert_eq!(
                removed_by(k.to_str().unwrap()),
                crate::rules::Rule::DenyEnvironment
            );
        }
        let removed = environment(rules, vars.clone().into_iter(), &HOMES, &ok, &ok).unwrap();
        assert_eq!(removed, ["LD_PRELOAD", "LD_LIBRARY_PATH", "GCONV_PATH"]);
        let off = EnvRules {
            refuse_untrusted_config: false,
            ..rules
        };
        assert!(
            environment(off, vars.into_iter(), &HOMES, &ok, &ok)
                .unwrap()
                .is_empty()
        );
        let helper = vec![(
            OsString::from("CONTAINERS_HELPER_BINARY_DIR"),
            OsString::from(format!("/usr/lib/podman:{vol}")),
        )];
        let r = environment(rules, helper.into_iter(), &HOMES, &ok, &ok).unwrap_err();
        assert!(r.contains("container storage"), "{r}");
        let path = |p: &str| path_var(Some(std::ffi::OsStr::new(p)));
        assert!(
            path(&format!("/usr/bin:{vol}:/bin"))
                .unwrap_err()
                .contains("container storage")
        );
        assert!(path("/var/lib/containers/storage/overlay/l/diff/usr/bin").is_err());
        assert_eq!(path("/usr/local/bin:/usr/bin:/bin:/home/a/.local/bin"), Ok(()));
        assert_eq!(path_var(None), Ok(()));
        // Beneath the working directory (the forty-first look's): an empty or relative entry.
        for p in [
            "/usr/bin::/bin",
            "/usr/bin:",
            ":/usr/bin",
            "groups/main/bin:/usr/bin",
            ".",
        ] {
            assert!(path(p).unwrap_err().contains("relative"), "{p}");
        }
        let rel = vec![(
            OsString::from("CONTAINERS_HELPER_BINARY_DIR"),
            OsString::from("ws/bin"),
        )];
        assert!(
            environment(rules, rel.into_iter(), &HOMES, &ok, &ok)
                .unwrap_err()
                .contains("relative")
        );
        // A `..` step (the forty-fifth look's `/../proc/PID/root/home/node`, past the `/proc`
        // prefix): refused in PATH and in every variable naming a place.
        assert!(
            path("/usr/bin:/../proc/1/root/home/node")
                .unwrap_err()
                .contains("`..`")
        );
        assert!(
            path("/usr/bin/../../proc/1/root/bin")
                .unwrap_err()
                .contains("`..`")
        );
        for name in [
            "TMPDIR",
            "SSL_CERT_DIR",
            "SSL_CERT_FILE",
            "XDG_STATE_HOME",
            "REGISTRY_AUTH_FILE",
            "DOCKER_CONFIG",
            "CONTAINERS_HELPER_BINARY_DIR",
            "XDG_CONFIG_HOME",
            "CONTAINERS_CONF",
        ] {
            let v = vec![(OsString::from(name), OsString::from("/../proc/1/root/home/node"))];
            let r = environment(rules, v.into_iter(), &HOMES, &ok, &ok).unwrap_err();
            assert!(r.contains("`..`"), "{name}: {r}");
        }
        let climbing = Homes {
            home: Some(Path::new("/home/a/../../proc/1/root/home/node")),
            uid: Some(1000),
        };
        let r = environment(rules, std::iter::empty(), &climbing, &ok, &ok).unwrap_err();
        assert!(r.contains("`..`"), "{r}");
        let go = vec![(OsString::from("GODEBUG"), OsString::from("execerrdot=0"))];
        assert!(is_engine_var(b"GODEBUG"));
        assert_eq!(
            environment(rules, go.into_iter(), &HOMES, &ok, &ok).unwrap(),
            ["GODEBUG"]
        );
    }

    /// `PATH`'s folders are judged as the runtime's file is (the forty-sixth look's root caller
    /// with `/tmp` on `PATH` ran another user's `iptables`).
    #[test]
    fn path_folders_someone_else_could_write_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let me = crate::process::euid();
        let mode =
            |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
        let (open, sticky, mine) = (
            d.path().join("open"),
            d.path().join("sticky"),
            d.path().join("sticky/mine"),
        );
        for (p, m) in [(&open, 0o777), (&sticky, 0o1777), (&mine, 0o755)] {
            std::fs::create_dir(p).unwrap();
            mode(p, m);
        }
        mode(d.path(), 0o755);
        let judge = |entries: &[&Path]| {
            let v = std::env::join_paths(entries).unwrap();
            path_folders("PATH", Some(&v), me)
        };
        assert_eq!(judge(&[&mine, Path::new("/usr/bin")]), Ok(()));
        // (A root-owned sticky folder passes above an entry, not as one: anyone may make a name
        // in it.)
        if me == 0 {
            assert!(judge(&[&sticky]).unwrap_err().contains("writable by others"));
        }
        assert!(judge(&[&open]).unwrap_err().contains("writable by others"));
        // The helper folder too (the forty-seventh look's `netavark`), by its name.
        let helper = std::env::join_paths([&open]).unwrap();
        let r = path_folders("CONTAINERS_HELPER_BINARY_DIR", Some(&helper), me).unwrap_err();
        assert!(
            r.starts_with("CONTAINERS_HELPER_BINARY_DIR names a folder"),
            "{r}"
        );
        // A link (`/bin` to `usr/bin`): judged where it leads.
        std::os::unix::fs::symlink("sticky/mine", d.path().join("good")).unwrap();
        std::os::unix::fs::symlink("open", d.path().join("bad")).unwrap();
        assert_eq!(judge(&[&d.path().join("good")]), Ok(()));
        assert!(
            judge(&[&d.path().join("bad")])
                .unwrap_err()
                .contains("writable by others")
        );
        // No tree on trust: a group's folder beneath `/usr` is judged as any other.
        let usr_like = d.path().join("sticky/mine/share-fonts");
        std::fs::create_dir(&usr_like).unwrap();
        mode(&usr_like, 0o2775);
        assert!(judge(&[&usr_like]).unwrap_err().contains("writable by others"));
        // Not made yet: judged where it would be made.
        assert!(
            judge(&[&open.join("bin")])
                .unwrap_err()
                .contains("writable by others")
        );
        assert_eq!(judge(&[&mine.join("later")]), Ok(()));
        if me == 0 {
            std::os::unix::fs::chown(&mine, Some(12345), None).unwrap();
            assert!(judge(&[&mine]).unwrap_err().contains("owned by uid 12345"));
        }
    }

    /// `/proc/PID/root` reads `/` and opens a running container's root: a file named through
    /// `/proc`, or a link that leads there, is never trusted (the forty-second look's runtime).
    #[test]
    fn a_way_through_proc_is_never_trusted() {
        let me = crate::process::euid();
        let pid = std::process::id();
        for p in [
            format!("/proc/{pid}/root/usr/bin"),
            format!("/proc/{pid}/root/etc/passwd"),
            "/proc/self/root/etc/passwd".to_string(),
            "/dev/fd/0".to_string(),
        ] {
            let why = check_file(Path::new(&p), Some(me)).unwrap_err();
            assert!(why.contains("/proc"), "{p}: {why}");
        }
        let d = tempfile::tempdir().unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(format!("/proc/{pid}/root/usr"), &link).unwrap();
        assert!(check_file(&link, Some(me)).unwrap_err().contains("/proc"));
        assert_eq!(check_file(Path::new("/usr/bin"), Some(me)), Ok(()));
    }

    /// The forty-third look's: `TMPDIR` through a link into a volume's folder, a registry login,
    /// a CA or a state folder there, a root's home there, and podman 5's pre-exec hooks.
    #[test]
    fn what_podman_reads_from_the_environment_stays_out_of_storage() {
        let rules = ALL_ON;
        let ok = |_: &Path| Ok(());
        let one = |k: &str, v: &str| vec![(OsString::from(k), OsString::from(v))].into_iter();
        let d = tempfile::tempdir().unwrap();
        let vol = d.path().join("volumes/v/_data");
        std::fs::create_dir_all(&vol).unwrap();
        let link = d.path().join("tmp-link");
        std::os::unix::fs::symlink(&vol, &link).unwrap();
        for var in [
            "TMPDIR",
            "REGISTRY_AUTH_FILE",
            "DOCKER_CONFIG",
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
            "XDG_STATE_HOME",
        ] {
            assert!(is_engine_var(var.as_bytes()), "{var}");
            for at in [vol.display().to_string(), link.display().to_string()] {
                let r = environment(rules, one(var, &at), &HOMES, &ok, &ok).unwrap_err();
                assert!(
                    r.contains(var) && r.contains("container storage"),
                    "{var}={at}: {r}"
                );
            }
            assert_eq!(
                environment(rules, one(var, "/etc/ssl/certs"), &HOMES, &ok, &ok),
                Ok(vec![])
            );
        }
        for (var, at) in [
            ("PODMAN_PREEXEC_HOOKS_DIR", "/usr/libexec/x"),
            ("BUILDAH_NOPIVOT", "1"),
        ] {
            assert!(is_engine_var(var.as_bytes()), "{var}");
            let r = environment(rules, one(var, at), &HOMES, &ok, &ok).unwrap_err();
            assert!(r.contains(var) && r.contains("unset it"), "{r}");
        }
        let root = Homes {
            home: Some(Path::new("/var/lib/containers/storage/volumes/v/_data")),
            uid: Some(0),
        };
        let r = environment(rules, std::iter::empty(), &root, &ok, &ok).unwrap_err();
        assert!(r.contains("container storage"), "{r}");
    }
}
