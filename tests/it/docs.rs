//! The documentation may only show `nanoclaw-shim` commands that exist.
//!
//! Every `nanoclaw-shim ...` command line in a code block or code span of README.md and
//! docs/*.md is checked against the built binary: each subcommand word must be listed by the
//! `--help` of its parent, and each flag must appear in the `--help` of the subcommand it is given
//! to. Placeholders (`FILE`, `<name>`, `[FILE]`, `text|json`), a flag's value, everything after
//! `--`, and the docker arguments of `explain` are not checked.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::BIN;

/// README.md and every docs/*.md, sorted.
fn doc_files() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    docs.retain(|p| p.extension().is_some_and(|e| e == "md"));
    docs.sort();
    files.extend(docs);
    files
}

/// The code of a markdown text: each line of a fenced block (continuation lines joined) and
/// each inline code span (newlines inside it read as spaces), with the 1-based line it starts on.
fn code_snippets(md: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    let mut pending: Option<(usize, String)> = None;
    let mut paragraph: Vec<(usize, &str)> = Vec::new();
    let lines: Vec<&str> = md.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let trimmed = line.trim_start();
        if let Some(f) = &fence {
            if trimmed.starts_with(f.as_str())
                && trimmed
                    .trim_start_matches(f.chars().next().unwrap())
                    .trim()
                    .is_empty()
            {
                fence = None;
                out.extend(pending.take());
                continue;
            }
            let (start, mut text) = pending.take().unwrap_or((n, String::new()));
            match line.strip_suffix('\\') {
                Some(head) => {
                    text.push_str(head);
                    text.push(' ');
                    pending = Some((start, text));
                }
                None => {
                    text.push_str(line);
                    out.push((start, text));
                }
            }
            continue;
        }
        let marker: String = trimmed.chars().take_while(|&c| c == '`' || c == '~').collect();
        if marker.len() >= 3 && marker.chars().all(|c| c == marker.chars().next().unwrap()) {
            out.extend(inline_spans(&paragraph));
            paragraph.clear();
            fence = Some(marker);
            continue;
        }
        if line.trim().is_empty() {
            out.extend(inline_spans(&paragraph));
            paragraph.clear();
        } else {
            paragraph.push((n, line));
        }
    }
    out.extend(pending);
    out.extend(inline_spans(&paragraph));
    out
}

/// The inline code spans of one paragraph (a span may cross line breaks, not paragraphs).
fn inline_spans(paragraph: &[(usize, &str)]) -> Vec<(usize, String)> {
    let mut text = String::new();
    let mut starts = Vec::new(); // (byte offset, line number)
    for (n, line) in paragraph {
        starts.push((text.len(), *n));
        text.push_str(line);
        text.push('\n');
    }
    let line_at = |off: usize| {
        starts
            .iter()
            .rev()
            .find(|(o, _)| *o <= off)
            .map_or(0, |(_, n)| *n)
    };
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'`' {
            i += 1;
            continue;
        }
        let run = b[i..].iter().take_while(|&&c| c == b'`').count();
        let body = i + run;
        let mut j = body;
        let mut close = None;
        while j < b.len() {
            if b[j] == b'`' {
                let r = b[j..].iter().take_while(|&&c| c == b'`').count();
                if r == run {
                    close = Some(j);
                    break;
                }
                j += r;
            } else {
                j += 1;
            }
        }
        match close {
            Some(c) => {
                out.push((line_at(i), text[body..c].replace('\n', " ").trim().to_string()));
                i = c + run;
            }
            None => i = body,
        }
    }
    out
}

/// Splits a shell command line into commands, each a list of words: quotes are removed,
/// `|`, `||`, `&&`, `;`, `&`, `(`, `)` separate commands, a redirection ends one, and `#` at the
/// start of a word starts a comment.
fn shell_commands(line: &str) -> Vec<Vec<String>> {
    let mut commands = vec![Vec::new()];
    let mut word = String::new();
    let mut in_word = false;
    let mut ended = false; // after a redirection: ignore the rest of this command
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == c {
                        break;
                    }
                    word.push(q);
                }
            }
            '\\' => {
                in_word = true;
                if let Some(e) = chars.next() {
                    word.push(e);
                }
            }
            '#' if !in_word => break,
            c if c.is_whitespace() => finish_word(&mut word, &mut in_word, &mut commands, ended),
            '|' | '&' | ';' | '(' | ')' => {
                finish_word(&mut word, &mut in_word, &mut commands, ended);
                if chars.peek() == Some(&c) {
                    chars.next();
                }
                commands.push(Vec::new());
                ended = false;
            }
            '>' | '<' => {
                finish_word(&mut word, &mut in_word, &mut commands, ended);
                ended = true;
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    finish_word(&mut word, &mut in_word, &mut commands, ended);
    commands.retain(|c| !c.is_empty());
    commands
}

fn finish_word(word: &mut String, in_word: &mut bool, commands: &mut [Vec<String>], ended: bool) {
    if *in_word && !ended {
        commands.last_mut().unwrap().push(std::mem::take(word));
    }
    word.clear();
    *in_word = false;
}

fn is_shim(word: &str) -> bool {
    word == "nanoclaw-shim"
        || [
            "/bin/nanoclaw-shim",
            "/release/nanoclaw-shim",
            "/debug/nanoclaw-shim",
        ]
        .iter()
        .any(|s| word.ends_with(s))
}

/// The arguments of every command whose program is nanoclaw-shim (after a `$` prompt, `sudo`,
/// `env`, `exec` and `NAME=value` assignments).
fn invocations(snippet: &str) -> Vec<Vec<String>> {
    shell_commands(snippet)
        .into_iter()
        .filter_map(|words| {
            let skip = words
                .iter()
                .take_while(|w| {
                    ["$", "sudo", "env", "exec", "command", "time", "nohup"].contains(&w.as_str())
                        || w.split_once('=').is_some_and(|(k, _)| {
                            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        })
                })
                .count();
            let program = words.get(skip)?;
            is_shim(program).then(|| words[skip + 1..].to_vec())
        })
        .collect()
}

/// A word that stands for a value rather than being one: `FILE`, `<name>`, `text|json`, `...`.
fn is_placeholder(word: &str) -> bool {
    let w = word.trim_matches(|c| matches!(c, '[' | ']' | '{' | '}'));
    w.is_empty()
        || w.contains("...")
        || w.contains('|')
        || w.starts_with('<')
        || w.starts_with('$')
        || (w.chars().any(|c| c.is_ascii_uppercase())
            && w.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "_-".contains(c)))
}

/// What `nanoclaw-shim <path> --help` says.
struct Help {
    subcommands: Vec<String>,
    /// Long and short flags, with whether each takes a value.
    flags: HashMap<String, bool>,
    /// The last positional takes everything after it (`<DOCKER ARGS>...`).
    trailing: bool,
}

fn parse_help(text: &str) -> Help {
    let mut subcommands = Vec::new();
    let mut flags = HashMap::new();
    let mut section = "";
    let mut trailing = false;
    for line in text.lines() {
        if line.starts_with("Usage:") {
            trailing = line.trim_end().ends_with("...");
        }
        if !line.starts_with(' ') && line.ends_with(':') {
            section = line.trim_end_matches(':');
            continue;
        }
        let body = line.trim_start();
        if section == "Commands" && line.starts_with("  ") {
            if let Some(name) = body.split_whitespace().next() {
                subcommands.push(name.trim_end_matches(',').to_string());
            }
        }
        if section == "Options" && body.starts_with('-') {
            // `-h, --help`, `--policy <POLICY>`, `-V, --version`
            let spec = body.split("  ").next().unwrap_or(body);
            let takes_value = spec.contains('<');
            for part in spec.split([',', ' ']).filter(|p| p.starts_with('-')) {
                let name = part.split(['=', '[', '<']).next().unwrap_or(part);
                flags.insert(name.to_string(), takes_value);
            }
        }
    }
    Help {
        subcommands,
        flags,
        trailing,
    }
}

struct Checker {
    helps: HashMap<Vec<String>, Option<Help>>,
}

impl Checker {
    fn help(&mut self, path: &[String]) -> Option<&Help> {
        self.helps
            .entry(path.to_vec())
            .or_insert_with(|| {
                let out = Command::new(*BIN)
                    .args(path)
                    .arg("--help")
                    .output()
                    .expect("run nanoclaw-shim");
                out.status
                    .success()
                    .then(|| parse_help(&String::from_utf8_lossy(&out.stdout)))
            })
            .as_ref()
    }

    /// Problems with one invocation (its arguments after `nanoclaw-shim`).
    fn check(&mut self, args: &[String]) -> Vec<String> {
        let mut problems = Vec::new();
        let mut path: Vec<String> = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let word = args[i].as_str();
            i += 1;
            if word == "--" {
                break;
            }
            let Some(help) = self.help(&path) else {
                problems.push(format!("`nanoclaw-shim {} --help` fails", path.join(" ")));
                break;
            };
            let bare = word.trim_start_matches('[').trim_end_matches(']');
            if bare.starts_with('-') && bare.len() > 1 {
                let name = bare.split('=').next().unwrap_or(bare);
                match help.flags.get(name) {
                    None => problems.push(format!("`nanoclaw-shim {}` has no flag {name}", path.join(" "))),
                    Some(&takes_value) => {
                        if takes_value && !bare.contains('=') && !word.ends_with(']') {
                            i += 1; // its value
                        }
                    }
                }
                continue;
            }
            if is_placeholder(word) {
                if !help.subcommands.is_empty() {
                    break; // `nanoclaw-shim <command>`: nothing more to check
                }
                continue;
            }
            if !help.subcommands.is_empty() {
                if help.subcommands.iter().any(|s| s == word) {
                    path.push(word.to_string());
                } else {
                    let at = if path.is_empty() {
                        "nanoclaw-shim".to_string()
                    } else {
                        path.join(" ")
                    };
                    problems.push(format!("`{at}` has no subcommand `{word}`"));
                    break;
                }
            } else if help.trailing {
                break; // the rest is the command's own argument list (explain's docker argv)
            }
        }
        problems
    }
}

#[test]
fn documented_commands_and_flags_exist() {
    let mut checker = Checker {
        helps: HashMap::new(),
    };
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in doc_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(&file)
            .display()
            .to_string();
        for (line, snippet) in code_snippets(&text) {
            for args in invocations(&snippet) {
                checked += 1;
                for p in checker.check(&args) {
                    problems.push(format!("{name}:{line}: {p}  (in `{snippet}`)"));
                }
            }
        }
    }
    assert!(
        checked >= 3,
        "only {checked} nanoclaw-shim command lines found in the docs"
    );
    assert!(
        problems.is_empty(),
        "documented but not in the binary:\n{}",
        problems.join("\n")
    );
}

#[test]
fn snippets_come_from_fences_and_spans() {
    let md = "Run `nanoclaw-shim policy\ncheck [FILE]` to check.\n\n```sh\nnanoclaw-shim explain --format json \\\n  -- docker run --rm img  # comment\n```\n\n````\n``` not a fence end\n````\nA ``span with ` inside`` and `unclosed.\n";
    let got = code_snippets(md);
    assert_eq!(
        got,
        [
            (1, "nanoclaw-shim policy check [FILE]".to_string()),
            (
                5,
                "nanoclaw-shim explain --format json    -- docker run --rm img  # comment".to_string()
            ),
            (10, "``` not a fence end".to_string()),
            (12, "span with ` inside".to_string()),
        ]
    );
}

#[test]
fn invocations_are_found_in_command_position_only() {
    let words = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        invocations("sudo NANOCLAW_SHIM_POLICY=/p nanoclaw-shim doctor --unit nanoclaw && echo ok"),
        [words(&["doctor", "--unit", "nanoclaw"])]
    );
    assert_eq!(
        invocations("$ ~/.local/bin/nanoclaw-shim explain -- run 'a b' | less"),
        [words(&["explain", "--", "run", "a b"])]
    );
    assert!(invocations("sh install.sh --binary target/release/nanoclaw-shim --system").is_empty());
    assert!(invocations("cat ~/.config/nanoclaw-shim/policy.toml > /tmp/x").is_empty());
    assert_eq!(
        invocations("nanoclaw-shim policy show > out.toml"),
        [words(&["policy", "show"])]
    );
}

#[test]
fn the_checker_catches_unknown_subcommands_and_flags() {
    let mut c = Checker {
        helps: HashMap::new(),
    };
    let args = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
    assert!(
        c.check(&args("explain --format json -- run --bogus img"))
            .is_empty()
    );
    assert!(c.check(&args("explain docker run --bogus img")).is_empty());
    assert!(c.check(&args("policy check [FILE]")).is_empty());
    assert!(c.check(&args("<COMMAND> --help")).is_empty());
    assert!(c.check(&args("--version")).is_empty());
    assert_eq!(c.check(&args("polcy check")).len(), 1);
    assert_eq!(c.check(&args("policy frobnicate")).len(), 1);
    assert_eq!(c.check(&args("explain --no-such-flag -- run img")).len(), 1);
    assert!(
        c.check(&args("explain --policy --format -- run img")).is_empty(),
        "a flag's value is skipped"
    );
}

#[test]
fn placeholders() {
    for p in [
        "FILE",
        "[FILE]",
        "<name>",
        "text|json",
        "...",
        "NAME",
        "DOCKER_ARGS",
        "$PWD",
    ] {
        assert!(is_placeholder(p), "{p}");
    }
    for w in ["check", "nanoclaw", "run", "Check"] {
        assert!(!is_placeholder(w), "{w}");
    }
}

#[test]
fn doc_files_include_the_readme() {
    assert!(doc_files().iter().any(|p| p.ends_with(Path::new("README.md"))));
}
