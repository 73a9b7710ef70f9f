//! The `nanoclaw-shim` personality: commands for people (explain, policy).
//!
//! clap is used here only; the `docker` personality parses its argv by hand from the flag table
//! because docker's grammar is not clap's.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::explain::{Facts, Report};
use crate::policy::{self, LookupEnv, Origin};
use crate::rewrite;
use crate::shim;
use crate::shim::EXIT_REFUSED;

#[derive(Parser)]
#[command(
    name = "nanoclaw-shim",
    version,
    about = "Hardens every container nanoclaw starts through `docker`",
    long_about = "Hardens every container nanoclaw starts through `docker`.\n\n\
        Installed as `docker` first on nanoclaw's PATH, it parses each docker command line, applies \
        the policy to `run` and `create` and execs podman; as `nanoclaw-shim` it offers the \
        commands below.",
    after_help = "Exit status: 0 success; 1 problems found (policy check, doctor, verify, log), or \
        differences (policy diff); 2 usage error, or trouble (policy diff: the policy does not \
        load; verify: it could not start); 125 explain: the shim would refuse the command."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Show what the shim would exec for a docker command line, and why
    #[command(
        after_help = "Exit status: 0 the shim would run it; 125 it would refuse it (or the \
        policy does not load); 2 usage error."
    )]
    Explain {
        /// Policy file to use instead of the one in force
        #[arg(long)]
        policy: Option<PathBuf>,
        /// text for people; json: one object, schema in docs/JSON.md
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Print -e values and proxy credentials unredacted
        #[arg(long)]
        show_secrets: bool,
        /// One shell command line, as nanoclaw and people log it (`docker run --rm ... img`),
        /// split the way a POSIX shell would; instead of DOCKER ARGS
        #[arg(long, value_name = "COMMAND LINE", conflicts_with = "args")]
        line: Option<String>,
        /// The docker arguments (a leading `docker` is accepted). They start with a docker
        /// command (`run ...`); put `--` before them when they start with a docker option
        /// (`-- --log-level debug run ...`), so a mistyped option of explain's own is an error
        #[arg(
            trailing_var_arg = true,
            required_unless_present = "line",
            value_name = "DOCKER ARGS"
        )]
        args: Vec<OsString>,
    },
    /// Check that the shim is the `docker` nanoclaw runs, and that the runtime and policy work
    #[command(
        after_help = "Exit status: 0 no check FAILed (warnings allowed); 1 a check FAILed; \
        2 usage error."
    )]
    Doctor {
        /// The PATH to examine (default: this process's PATH)
        #[arg(long)]
        path: Option<OsString>,
        /// Examine the PATH this systemd user unit runs with
        #[arg(long)]
        unit: Option<String>,
        /// text for people; json: one object, schema in docs/JSON.md (exit 1 on any FAIL)
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Run compatibility and hardening checks against the real runtime, through the shim
    #[command(
        after_help = "Exit status: 0 every check passed; 1 a check failed; 2 it could not \
        start (no image, no temporary folder); 130/143 interrupted by SIGINT/SIGTERM, after \
        removing its containers and image."
    )]
    Verify {
        /// The image to test (default: the newest local nanoclaw-agent* image)
        #[arg(long)]
        image: Option<String>,
        /// The runtime binary to test (default: the policy's)
        #[arg(long)]
        runtime: Option<OsString>,
        /// Print every command and its output
        #[arg(long)]
        verbose: bool,
        /// Where to make the run's private folder (default /tmp; never beneath TMPDIR, which
        /// the shim refuses to mount read-write)
        #[arg(long, value_name = "DIR")]
        work_dir: Option<PathBuf>,
    },
    /// Show the decision log (the policy's [log] path): what the shim did to each run/create
    #[command(
        after_help = "Exit status: 0 records shown (or none yet); 1 the policy sets no \
        [log] path, or the log cannot be read; 2 usage error."
    )]
    Log {
        /// Show the last N matching records (default 10; `all` for every one)
        #[arg(short = 'n', long = "lines", value_name = "N", default_value = "10", value_parser = parse_lines)]
        lines: Count,
        /// Keep printing records as the shim appends them (Ctrl-C ends)
        #[arg(short, long)]
        follow: bool,
        /// Only refused invocations (and audited ones enforce would refuse)
        #[arg(long)]
        refused: bool,
        /// Only invocations the policy rewrote
        #[arg(long)]
        rewritten: bool,
        /// text for people, json for one JSON object per line (docs/JSON.md)
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Policy file whose [log] path to read, instead of the one in force
        #[arg(long)]
        policy: Option<PathBuf>,
    },
    /// Check or show the policy
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
    /// Print the manual page, or write one page per command into a folder
    Man {
        /// Write nanoclaw-shim.1 and nanoclaw-shim-COMMAND.1 pages into this folder
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// The commit this binary was built from (see build.rs).
pub const COMMIT: &str = match option_env!("NANOCLAW_SHIM_COMMIT") {
    Some(c) => c,
    None => "unknown",
};

/// `--version`: the version, then what the binary is made of, one fact per line.
pub fn version_text() -> String {
    format!(
        "{}\ncommit:         {COMMIT}\nbuild:          {}\ndefault policy: sha256 {}",
        env!("CARGO_PKG_VERSION"),
        if cfg!(target_feature = "crt-static") {
            "static"
        } else {
            "dynamic"
        },
        crate::sha256::hex(policy::DEFAULT_TOML.as_bytes())
    )
}

/// The clap definition of the CLI, with the long version filled in: the one source for
/// parsing, `--help`, the completions and the man pages.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    Cli::command().version(VERSION.get_or_init(version_text).as_str())
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Report every problem in a policy file (default: the one in force); exit 0 clean, 1 problems
    Check {
        /// The policy file to check (default: the one in force)
        file: Option<PathBuf>,
        /// The same, spelt as `policy show` and `explain` take it
        #[arg(long, conflicts_with = "file")]
        policy: Option<PathBuf>,
    },
    /// Print the effective policy and the file it came from; exit 0 shown, 1 it does not load
    Show {
        /// Policy file to show instead of the one in force
        #[arg(long)]
        policy: Option<PathBuf>,
    },
    /// Write the default policy to the user's config path (never overwrites); exit 0 written or
    /// already there, 1 it cannot be written
    Init,
    /// Every setting where the policy in force differs from the shipped default; exit 0 none,
    /// 1 some, 2 the policy does not load
    Diff {
        /// Policy file to compare instead of the one in force
        #[arg(long)]
        policy: Option<PathBuf>,
    },
}

/// Runs the CLI; returns the exit status.
pub fn main(args: Vec<OsString>) -> i32 {
    use clap::FromArgMatches;
    let cli = match command()
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        // A usage error quotes the argument it could not place, which may be a token pasted
        // into the wrong place (`explain --sk-ant-... ps`): shown as the shim shows any word.
        Err(e) if e.use_stderr() => {
            for line in e.render().to_string().lines() {
                eprintln!("{}", crate::diag::shown(line));
            }
            return 2;
        }
        Err(e) => {
            let _ = e.print();
            return 0;
        }
    };
    match cli.command {
        Command::Explain {
            policy,
            format,
            show_secrets,
            line,
            args,
        } => match line.map(|l| shell_words::split(&l)) {
            None => explain(policy, format, show_secrets, args),
            Some(Ok(words)) => explain(
                policy,
                format,
                show_secrets,
                words.into_iter().map(OsString::from).collect(),
            ),
            Some(Err(e)) => {
                eprintln!("nanoclaw-shim explain: --line is not one shell command line ({e})");
                2
            }
        },
        Command::Doctor { path, unit, format } => crate::doctor::run(&crate::doctor::DoctorArgs {
            path,
            unit,
            format: match format {
                Format::Text => crate::doctor::DoctorFormat::Text,
                Format::Json => crate::doctor::DoctorFormat::Json,
            },
        }),
        Command::Verify {
            image,
            runtime,
            verbose,
            work_dir,
        } => crate::verify::run(&crate::verify::VerifyArgs {
            image,
            runtime,
            verbose,
            work_dir,
        }),
        Command::Log {
            lines,
            follow,
            refused,
            rewritten,
            format,
            policy,
        } => log(
            policy,
            &crate::logview::LogArgs {
                lines: lines.0,
                follow,
                filter: crate::logview::Filter { refused, rewritten },
                format: match format {
                    Format::Text => crate::logview::LogFormat::Text,
                    Format::Json => crate::logview::LogFormat::Json,
                },
                paint: crate::style::Paint::stdout(),
            },
        ),
        Command::Policy {
            command: PolicyCommand::Check { file, policy },
        } => check(file.or(policy)),
        Command::Policy {
            command: PolicyCommand::Show { policy },
        } => show(policy),
        Command::Policy {
            command: PolicyCommand::Diff { policy },
        } => diff(policy),
        Command::Policy {
            command: PolicyCommand::Init,
        } => init(),
        Command::Completions { shell } => {
            let mut cmd = command();
            clap_complete::generate(shell, &mut cmd, "nanoclaw-shim", &mut std::io::stdout());
            0
        }
        Command::Man { dir } => man(dir),
    }
}

fn explain(policy: Option<PathBuf>, format: Format, show_secrets: bool, mut args: Vec<OsString>) -> i32 {
    if args.first().is_some_and(|a| a == "docker") {
        args.remove(0);
    }
    let env = crate::env::Env::capture();
    let shim::Prepared {
        origin,
        policy,
        binary,
        runtime: resolved,
        target,
    } = match shim::prepare(&env, policy) {
        Ok(prepared) => prepared,
        Err(e) => {
            // The policy's path comes from the environment (`NANOCLAW_SHIM_POLICY`, `HOME`,
            // `XDG_CONFIG_HOME`): shown as every line the shim prints is.
            eprintln!(
                "nanoclaw-shim: {}",
                crate::diag::shown(&format!(
                    "policy not loaded, the shim would refuse everything: {e}"
                ))
            );
            if let Format::Json = format {
                print!(
                    "{}",
                    crate::explain::json_error(
                        "policy",
                        &format!("policy not loaded, the shim would refuse everything: {e}"),
                        Some(&e.file),
                        &e.diagnostics
                    )
                );
            }
            return EXIT_REFUSED;
        }
    };
    let mut plan = rewrite::plan(&args, &policy, &target);
    let environment = shim::judge_environment(&mut plan, &policy, &env);
    if environment.is_ok() {
        let paths = crate::seccomp::profile_paths(&target.configured.seccomp_profiles);
        shim::judge_hand_over(&mut plan, &paths);
    }
    // As the exec puts it (after the pinned copies, which explain does not make).
    if plan.no_default_mounts && plan.decision == rewrite::Decision::Rewrite {
        plan.args.insert(0, crate::mountcheck::NO_DEFAULT_MOUNTS.into());
    }
    let facts = Facts {
        flavor: target.flavor.as_str(),
        rootless: target.rootless,
        version: target.known_version(),
    };
    // Paths the environment names (`NANOCLAW_SHIM_POLICY`, `NANOCLAW_SHIM_RUNTIME`, `HOME`):
    // a line break there forged a line of the report, a token in one was printed (the
    // eighty-fourth look's).
    let shown = |t: &str| crate::diag::shown(t);
    let label = shown(&origin.label());
    let binary = OsString::from(shown(&binary.to_string_lossy()));
    let report = Report {
        plan: &plan,
        runtime: &binary,
        runtime_path: resolved
            .map(|p| shown(&p.display().to_string()))
            .map_err(|e| shown(&e.to_string())),
        facts,
        policy: &label,
        environment,
        unlisted: shim::unlisted(&env, shim::env_gate(&policy, plan.mode))
            .iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect(),
        keeps_all: policy.runtime.keep_environment.iter().any(|k| k == "*"),
        show_secrets,
    };
    print!(
        "{}",
        match format {
            Format::Text => report.text_painted(crate::style::Paint::stdout()),
            Format::Json => report.json(),
        }
    );
    if report.runs() { 0 } else { EXIT_REFUSED }
}

fn man(dir: Option<PathBuf>) -> i32 {
    use clap::CommandFactory;
    // The page header holds the version on one line: the plain one, not `--version`'s facts.
    let cmd = Cli::command();
    let result = match &dir {
        None => clap_mangen::Man::new(cmd).render(&mut std::io::stdout()),
        Some(d) => std::fs::create_dir_all(d).and_then(|()| clap_mangen::generate_to(cmd, d)),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!(
                "nanoclaw-shim man: cannot write {}: {e}",
                dir.map_or("to stdout".to_string(), |d| d.display().to_string())
            );
            1
        }
    }
}

/// How many records `log` shows: `None` is all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Count(Option<usize>);

/// `-n N` or `-n all`.
fn parse_lines(s: &str) -> Result<Count, String> {
    if s == "all" {
        return Ok(Count(None));
    }
    s.parse::<usize>()
        .map(|n| Count(Some(n)))
        .map_err(|_| format!("`{s}` is not a number of records (or `all`)"))
}

fn log(policy: Option<PathBuf>, args: &crate::logview::LogArgs) -> i32 {
    let (origin, policy) = match policy::load(&LookupEnv::from_env(policy)) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!(
                "nanoclaw-shim log: policy not loaded: {}",
                crate::diag::shown(&e.to_string())
            );
            return 1;
        }
    };
    match policy.log.resolved(crate::env::Env::capture().home.as_deref()) {
        Some(path) => crate::logview::run(&path, args),
        None if policy.log.path.is_some() => {
            eprintln!(
                "nanoclaw-shim log: the decision log {} is under ~/, and HOME is not set",
                crate::diag::shown(
                    &policy
                        .log
                        .path
                        .as_deref()
                        .unwrap_or(std::path::Path::new(""))
                        .display()
                        .to_string()
                )
            );
            1
        }
        None => {
            eprintln!(
                "nanoclaw-shim log: the policy in force ({}) sets no decision log; add\n  \
                 [log]\n  path = \"~/.local/state/nanoclaw-shim/decisions.jsonl\"\n\
                 (the shim makes its folder, 0700, on the first logged call)",
                origin.label()
            );
            1
        }
    }
}

fn check(file: Option<PathBuf>) -> i32 {
    let located = match file {
        // Judged as the shim judges a policy file it is pointed at: trusted (the caller's or
        // root's, in folders no one else can write) and a regular file (a FIFO would hang the
        // read): the fifty-sixth look's `ok` for a file every docker call refuses.
        Some(f) => crate::trust::own_file(&f, Some(crate::process::euid()))
            .map_err(|why| format!("{}: the shim refuses this policy file: {why}", f.display()))
            .and_then(|()| {
                crate::hostfs::read_plain(&f, 4 << 20).ok_or_else(|| {
                    format!(
                        "{}: cannot read policy: not a regular file that can be read",
                        f.display()
                    )
                })
            })
            .and_then(|(bytes, _)| {
                String::from_utf8(bytes)
                    .map_err(|_| format!("{}: cannot read policy: not UTF-8", f.display()))
            })
            .map(|t| (Origin::Explicit(f.clone()), t.into())),
        None => policy::locate(&LookupEnv::from_env(None)).map_err(|e| e.to_string()),
    };
    let (origin, text) = match located {
        Ok(l) => l,
        Err(e) => {
            println!("{}", crate::diag::shown(&e));
            return 1;
        }
    };
    let label = origin.label();
    let diagnostics = match policy::parse(&text, &label) {
        Ok((p, warnings)) => [crate::commands::policy_diagnostics(&p.commands), warnings].concat(),
        Err(e) => e.diagnostics,
    };
    let paint = crate::style::Paint::stdout();
    if diagnostics.is_empty() {
        println!("{label}: ok");
        return 0;
    }
    for d in &diagnostics {
        print!("{}", policy::format_diagnostic(&label, d, paint));
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == policy::Severity::Error)
        .count();
    println!(
        "{label}: {errors} error(s), {} warning(s)",
        diagnostics.len() - errors
    );
    1
}

fn init() -> i32 {
    let env = LookupEnv::from_env(None);
    let Some(path) = env.user_path() else {
        eprintln!("nanoclaw-shim: neither XDG_CONFIG_HOME nor HOME is set; cannot place the policy");
        return 1;
    };
    if let Some(dir) = path.parent() {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!(
                "nanoclaw-shim: {}",
                crate::diag::shown(&format!("cannot create {}: {e}", dir.display()))
            );
            return 1;
        }
    }
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, policy::DEFAULT_TOML.as_bytes()));
    match written {
        Ok(()) => {
            println!(
                "wrote the default policy to {}",
                crate::diag::shown(&path.display().to_string())
            );
            0
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            println!(
                "{} already exists; left unchanged",
                crate::diag::shown(&path.display().to_string())
            );
            0
        }
        Err(e) => {
            eprintln!(
                "nanoclaw-shim: {}",
                crate::diag::shown(&format!("cannot write {}: {e}", path.display()))
            );
            1
        }
    }
}

fn show(policy: Option<PathBuf>) -> i32 {
    match policy::load(&LookupEnv::from_env(policy)) {
        Ok((origin, p)) => {
            println!("# policy in force: {}", origin.label());
            print!("{}", p.to_toml());
            0
        }
        Err(e) => {
            // like `policy check`: 1 is "the policy has problems"; 125 belongs to the docker face
            eprint!("{}", e.report(crate::style::Paint::stderr()));
            eprintln!(
                "nanoclaw-shim: the policy does not load; `nanoclaw-shim policy check` lists every problem"
            );
            1
        }
    }
}

/// `policy diff`: each setting of the policy in force that is not the shipped default, as
/// `key: default -> in force` (both rendered as TOML values, secrets are not in policies).
fn diff(policy: Option<PathBuf>) -> i32 {
    let (origin, p) = match policy::load(&LookupEnv::from_env(policy)) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprint!("{}", e.report(crate::style::Paint::stderr()));
            return 2;
        }
    };
    let table = |p: &policy::Policy| p.to_toml().parse::<toml::Table>().unwrap_or_default();
    let mut lines = Vec::new();
    let mut now = table(&p);
    let profiles = now.remove("profile");
    diff_tables("", &table(&policy::Policy::default()), &now, &mut lines);
    // A profile, key by key, against what it starts from: the policy's own sections (a whole
    // profile on one line hid its two settings among every default, the eighty-third look's).
    for (n, prof) in profiles
        .iter()
        .flat_map(|v| v.as_array().into_iter().flatten())
        .enumerate()
    {
        let Some(prof) = prof.as_table() else { continue };
        let name = prof
            .get("name")
            .and_then(toml::Value::as_str)
            .map_or_else(|| format!("{}", n + 1), str::to_string);
        let mut own = prof.clone();
        own.remove("name");
        // Its own keys start empty (`match`) or off (`exempt`).
        let mut base: toml::Table = own
            .keys()
            .filter_map(|k| Some((k.clone(), now.get(k).filter(|v| v.is_table())?.clone())))
            .collect();
        base.insert("match".into(), toml::Value::Table(toml::Table::new()));
        base.insert("exempt".into(), toml::Value::Boolean(false));
        // A name is the policy writer's text: escaped, so that it forges no line.
        diff_tables(
            &format!("profile[{}]", crate::text::printable(&name)),
            &base,
            &own,
            &mut lines,
        );
    }
    println!("# {} against the shipped default", origin.label());
    if lines.is_empty() {
        println!("# no differences");
        return 0;
    }
    for l in &lines {
        println!("{l}");
    }
    1
}

fn diff_tables(prefix: &str, default: &toml::Table, now: &toml::Table, out: &mut Vec<String>) {
    let mut keys: Vec<&String> = default.keys().chain(now.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let name = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match (default.get(k), now.get(k)) {
            (Some(toml::Value::Table(a)), Some(toml::Value::Table(b))) => diff_tables(&name, a, b, out),
            (a, b) if a == b => {}
            (a, b) => {
                let show = |v: Option<&toml::Value>| v.map_or("(none)".to_string(), |v| v.to_string());
                out.push(format!("{name}: {} -> {}", show(a), show(b)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_clap_definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_subcommand_parses_its_defaults() {
        for argv in [
            &["nanoclaw-shim", "log"][..],
            &[
                "nanoclaw-shim",
                "log",
                "-n",
                "all",
                "-f",
                "--refused",
                "--format",
                "json",
            ],
            &["nanoclaw-shim", "doctor"],
            &["nanoclaw-shim", "verify"],
            &["nanoclaw-shim", "explain", "run", "img"],
            &["nanoclaw-shim", "policy", "check"],
        ] {
            assert!(Cli::try_parse_from(argv).is_ok(), "{argv:?}");
        }
        assert!(Cli::try_parse_from(["nanoclaw-shim", "log", "-n", "x"]).is_err());
    }
}
