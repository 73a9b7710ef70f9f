//! Keeping secrets out of everything the shim prints or logs.
//!
//! nanoclaw passes credentials as `-e` values (`CLAUDE_CODE_OAUTH_TOKEN=...`) and as proxy URLs
//! with a per-agent token in the userinfo (`HTTPS_PROXY=http://x:<token>@host:port`). Display
//! code passes every token through [`display`]; it redacts by shape, anywhere in the argv, so a
//! secret is hidden whether it follows `-e`, sits in `--env=`, or appears in another command.
//! Over-redacting a harmless value is acceptable; printing a token is not.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

/// The placeholder that replaces a secret.
pub const REDACTED: &str = "<redacted>";

/// Words that mark an environment variable's value as secret (matched case-insensitively).
const SECRET_WORDS: &[&str] = &[
    "TOKEN",
    "KEY",
    "SECRET",
    "PASSW",
    "AUTH",
    "CREDENTIAL",
    "COOKIE",
    "PRIVATE",
    // `DB_PASS`, `SMTP_PASS`, `MYSQL_PWD` (the red team's): over-redacting `BYPASS` or `OLDPWD`
    // costs nothing.
    "PASS",
    "PWD",
    // `creds=`, a JSON Web Token, a database's connection string (`SENTRY_DSN`, `dsn=`): the
    // thirty-first pass's look.
    "CRED",
    "JWT",
    "DSN",
    // `pw=`, `db_pw` (the thirty-second pass's second look), `session_id=` (the third; not
    // `SESSION` alone: nanoclaw's own `nanoclaw-session` label names no secret).
    "PW",
    "SESSION_ID",
    "SESSIONID",
    "SESSION_TOKEN",
    "SESSION_KEY",
];

/// Environment variables whose values are configuration, never credentials: the only
/// `NAME=value` of an environment-style name (upper case, digits, `_`) whose value is shown.
/// Every other such value is redacted, whatever its name: a list of secret-looking words
/// missed `DB_PASS` and a webhook URL's path, and nanoclaw passes its tokens and proxy URLs
/// as `-e` values (default-deny, as for flags).
const SHOWN_VARIABLES: &[&str] = &[
    "CI",
    "COLUMNS",
    "DEBIAN_FRONTEND",
    "DENO_CERT",
    "FORCE_COLOR",
    "GIT_HTTP_PROXY_AUTHMETHOD",
    "GIT_TERMINAL_PROMPT",
    "HOME",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "LINES",
    "LOGNAME",
    "NODE_ENV",
    "NODE_EXTRA_CA_CERTS",
    "NODE_USE_ENV_PROXY",
    "NO_COLOR",
    "PATH",
    "REQUESTS_CA_BUNDLE",
    "SHELL",
    "SSL_CERT_DIR",
    "SSL_CERT_FILE",
    "TERM",
    "TMPDIR",
    "TZ",
    "USER",
];

/// Whether `name` (the text before a `=`, a podman `*` pattern included) is spelt as an
/// environment variable is, and is not one of [`SHOWN_VARIABLES`].
fn hidden_variable(name: &str) -> bool {
    let bare: String = name.chars().filter(|&c| c != '*').collect();
    let env_style = bare.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
        && bare
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    env_style && !SHOWN_VARIABLES.contains(&bare.as_str())
}

/// The longest token or line judged part by part; a longer one is shown redacted whole but for
/// its flag's name ([`long`]). Judging a token costs time that grows faster than its length (a
/// word of 16 KiB of `=` took a second, and with the decision log on an argv of such words held
/// a call for minutes: the look `gn`), and no token nanoclaw writes comes near it.
const MAX_JUDGED: usize = 1024;

/// Whether `text` is past [`MAX_JUDGED`], and not the shim's own record of the mounts it judged
/// (read in one pass, and longer where nanoclaw mounts many folders).
fn judged_whole(text: &str) -> bool {
    text.len() > MAX_JUDGED && mount_record(text).is_none()
}

/// A token past [`MAX_JUDGED`] as display text: its flag's name (`--flag=`), then the rest
/// redacted.
fn long(text: &[u8]) -> String {
    let flag = text
        .starts_with(b"--")
        .then(|| text.iter().take(64).position(|&b| b == b'='))
        .flatten()
        .filter(|&eq| text[..eq].iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-'));
    match flag {
        Some(eq) => format!("{}{REDACTED}", crate::text::lossy(&text[..=eq])),
        None => REDACTED.to_string(),
    }
}

/// A token as display text, with secret values and URL credentials redacted.
pub fn display(token: &OsStr) -> String {
    let text = crate::text::lossy(token.as_bytes());
    if judged_whole(&text) {
        return long(token.as_bytes());
    }
    // A flag's value holding blanks is a command written as one string (a refused
    // `--health-startup-cmd=redis-cli -a X ping`: the thirty-second pass's look): its words are
    // judged by their place, as a command's are. (Not any text with blanks: prose has words that
    // name secrets before words that are none.)
    let flag_value = text
        .strip_prefix("--")
        .and_then(|t| t.split_once('='))
        .filter(|(name, value)| {
            // Only a flag whose value is a command (`--health-cmd`, `--health-startup-cmd`,
            // `--entrypoint`): a refusal quoted after another flag's token reads as prose, whose
            // words name secrets before words that are none ("credentials (~/.ssh)").
            command_name(name.as_bytes()) && value.contains(|c: char| c.is_ascii_whitespace())
        });
    match flag_value {
        // Then the whole as text: the flag's own rules (`--env=NAME=`, `--decryption-key=`)
        // read it too (the thirty-second pass's second look: a value with a blank lost them).
        Some((name, value)) => redact_text(&format!("--{name}={}", shell_words(value))),
        None => match text.strip_prefix("--").and_then(|t| t.split_once('=')) {
            Some((name @ ("label" | "annotation"), value)) => format!("--{name}={}", labelled(value)),
            Some(("filter", value)) if value.starts_with("label=") => {
                format!("--filter=label={}", labelled(&value[6..]))
            }
            _ if text.starts_with("-f=label=") => format!("-f=label={}", labelled(&text[9..])),
            _ => match label_in(&text) {
                Some(at) => format!("{}{}", &text[..at], labelled(&text[at..])),
                None => redact_text(&text),
            },
        },
    }
}

/// A label's or annotation's `key=value` as display text: a value holding blanks is judged as a
/// command's words are (`--label note=sshpass -p PW ssh host`, `echo PW | docker login
/// --password-stdin`: printed as written before, the thirty-second pass left it open), then the
/// whole as text. A value without blanks is text.
fn labelled(value: &str) -> String {
    let blank = |t: &str| t.contains(|c: char| c.is_ascii_whitespace());
    match value.split_once('=') {
        // (A key with blanks is shown as a command's words are: `-l 'vault login T=x'`.)
        Some((key, _)) if !shown_label(key) => match blank(key) {
            true => format!("{}={REDACTED}", redact_text(&shell_words(key))),
            // The key judged as text is, a key of no known shape included (the looks `gw` and
            // `gx`: `--label KEY=v`, a URL's password or a token's shape in a key).
            false => format!("{}={REDACTED}", redact_text(key)),
        },
        Some((key, v)) if !blank(key) && blank(v) => redact_text(&format!("{key}={}", shell_words(v))),
        // A name with blanks, or a label that is a name alone (`-l 'vault login T'`, which podman
        // keeps as a key: the thirty-third pass's look): the whole as a command's words.
        _ if blank(value) => redact_text(&shell_words(value)),
        _ => redact_text(value),
    }
}

/// Whether a label's or annotation's value is shown: nanoclaw's own (`nanoclaw-session=`, ids),
/// the shim's (`io.github.nanoclaw-shim.*`), an image's description (`org.opencontainers.image.*`)
/// and podman's auto-update switch. Every other value is hidden, whatever its key: a list of
/// secret-looking words missed `sid=`, `tok=`, `psk=` and `ticket=` (the thirty-sixth pass's
/// looks), as one missed `DB_PASS` for the environment (default-deny, as for `-e` values). A
/// shown value is still judged as text (a token's shape, a URL's password).
fn shown_label(key: &str) -> bool {
    const SHOWN_PREFIXES: [&str; 3] = [
        "nanoclaw-",
        "io.github.nanoclaw-shim.",
        "org.opencontainers.image.",
    ];
    key == "io.containers.autoupdate" || SHOWN_PREFIXES.iter().any(|p| key.starts_with(p))
}

/// Where a label's value starts in a token that is docker's `-l` with it glued (`-lKEY=V`,
/// `-l=KEY=V`, `-il=KEY=V`): after the `l` of a cluster of docker's one-letter switches (`-i`,
/// `-t`, `-d`, `-P`) and an `=` that may follow it.
fn label_in(text: &str) -> Option<usize> {
    let cluster = text.strip_prefix('-').filter(|c| !c.starts_with('-'))?;
    let l = cluster.find(|c: char| !matches!(c, 'i' | 't' | 'd' | 'P'))?;
    cluster[l..]
        .starts_with('l')
        .then(|| 1 + l + 1 + usize::from(cluster[l + 1..].starts_with('=')))
}

/// Display text for a token, unredacted (for `--show-secrets`).
pub fn display_raw(token: &OsStr) -> String {
    crate::text::owned(token.as_bytes())
}

/// An argv as display text, token by token as [`display`] shows them, and the value that follows
/// a credential flag on its own (`--creds user:pass`, `--decryption-key path:pass`, `login -p
/// pass`) redacted too: [`display`] sees one token and cannot know what the one before it was.
/// By the token before, not by a parse: the value of another flag that happens to read
/// `--creds` makes the next token redacted, which hides nothing that needs showing.
pub fn argv(tokens: &[std::ffi::OsString]) -> Vec<String> {
    // A token past [`MAX_JUDGED`] is read by none of the rules below: as its flag's name and a
    // placeholder, which keeps its place in the argv (a flag's value stays a value).
    let capped: Vec<std::ffi::OsString> = tokens
        .iter()
        .map(
            |t| match t.len() > MAX_JUDGED && judged_whole(&crate::text::lossy(t.as_bytes())) {
                true => long(t.as_bytes()).into(),
                false => t.clone(),
            },
        )
        .collect();
    let tokens = &capped[..];
    let login = tokens.iter().any(|t| t == "login");
    // The words of the command the container runs: after the image when the argv reads as a
    // `run`, `create` or `exec`; every word when it does not (an argv refused as unreadable:
    // over-redacting docker's own `-u uid:gid` there hides nothing that needs showing).
    // Past a flag the parser does not know, nothing reads: its value, if it takes one, may be
    // any word after it (the look `gn`: `--frob key=VALUE` was shown whole in the log). Flags
    // there are shown by their names.
    let (command, unread) = command_at(tokens);
    let in_command = |i: usize| command.is_none_or(|c| i > c);
    let programs = programs_in(tokens.iter().map(|t| t.as_bytes()));
    // Logins given by their place (`vault login T`), judged with the program `--entrypoint`
    // names before the command's words (`--entrypoint vault IMG login T`: the thirty-third
    // pass's look), and over every word of an argv that does not read (an unknown flag before
    // the image: the same look's).
    let entrypoint = entrypoint_words(tokens, command);
    let positional: Vec<(usize, String)> = {
        let from = command.map_or(0, |c| c + 1);
        let lead = entrypoint.len();
        let mut words = entrypoint;
        words.extend(
            tokens[from.min(tokens.len())..]
                .iter()
                .map(|t| crate::text::lossy(t.as_bytes()).into_owned()),
        );
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        positional_secrets(&words)
            .into_iter()
            .filter(|(j, _)| *j >= lead)
            .map(|(j, shown)| (from + j - lead, shown))
            .collect()
    };
    let mut out = Vec::with_capacity(tokens.len());
    let mut before: &[u8] = b"";
    for (i, t) in tokens.iter().enumerate() {
        let b = t.as_bytes();
        if unread.is_some_and(|u| i >= u) {
            out.push(match b.iter().position(|&c| c == b'=') {
                Some(eq) if b.starts_with(b"-") => format!("{}{REDACTED}", crate::text::lossy(&b[..=eq])),
                None if b.starts_with(b"-") => display(t),
                _ => REDACTED.to_string(),
            });
            before = b;
            continue;
        }
        if let Some((_, shown)) = positional.iter().find(|(j, _)| *j == i) {
            out.push(shown.clone());
            before = b;
            continue;
        }
        // A credential as a word of the command the container runs (`curl -u user:password`,
        // `--user=user:password`); before it, `-u` is docker's own user.
        let by_place = in_command(i)
            .then(|| command_word(&crate::text::lossy(b), &crate::text::lossy(before), programs))
            .flatten();
        let shown = match (by_place, before) {
            (Some(shown), _) => shown,
            // A shell-form command (`sh -c "curl -fsu user:password ..."`, a `--health-cmd`,
            // `--health-startup-cmd`, `--entrypoint`, as the next argument too: the thirty-third
            // pass's look): one token, whose words are judged as the command's own words are.
            (None, flag) if command_flag(flag) => shell_words(&crate::text::lossy(b)),
            _ if in_command(i) && command.is_some() && b.iter().any(u8::is_ascii_whitespace) => {
                shell_words(&crate::text::lossy(b))
            }
            _ if b.starts_with(b"--health-cmd=") => {
                format!("--health-cmd={}", shell_words(&crate::text::lossy(&b[13..])))
            }
            (None, b"--creds" | b"--password") => REDACTED.to_string(),
            // A driver's options (`network create -o`, `volume create -o`: a volume's `o=` holds
            // a CIFS share's password), hidden whole as a refusal's reason hides them (the look
            // `gn`: the log showed `-o foo=VALUE`).
            (None, b"-o" | b"--opt") if !b.starts_with(b"type=") => REDACTED.to_string(),
            (None, flag) if label_flag(flag) => labelled(&crate::text::lossy(b)),
            // A filter on a label (`ps --filter label=KEY=VALUE`) shows its value as the label
            // would be shown (the thirty-sixth pass's look).
            (None, flag) if filter_flag(flag) && b.starts_with(b"label=") => {
                format!("label={}", labelled(&crate::text::lossy(&b[6..])))
            }
            // An environment value as its own argument, whatever the name's case, after `-e` or
            // a cluster of short flags ending in it (`-ie`, `-ite`).
            _ if env_flag(before) => environment(&crate::text::lossy(b)),
            (None, b"-p") if login => REDACTED.to_string(),
            (None, b"--decryption-key") => match display(&concat("--decryption-key=", b)).split_once('=') {
                Some((_, value)) => value.to_string(),
                None => REDACTED.to_string(),
            },
            _ if login && b.len() > 2 && b.starts_with(b"-p") && !b.starts_with(b"--") => {
                format!("-p{REDACTED}")
            }
            // A word that is no flag may be an image reference with a registry's userinfo (a
            // `run`'s image, `pull`'s, `tag`'s: the looks `gu` and `hc`), judged whole: it may
            // hold blanks.
            _ => match b.starts_with(b"-") {
                false => image_userinfo(&crate::text::lossy(b)).unwrap_or_else(|| display(t)),
                true => display(t),
            },
        };
        out.push(shown);
        before = b;
    }
    out
}

/// Whether `flag` takes a command as its value: `--health-cmd`, `--health-startup-cmd`,
/// `--entrypoint` (any `--…cmd`).
fn command_flag(flag: &[u8]) -> bool {
    flag.strip_prefix(b"--").is_some_and(command_name)
}

/// [`command_flag`] by the flag's name, without its `--`.
fn command_name(name: &[u8]) -> bool {
    name == b"entrypoint" || name.ends_with(b"cmd")
}

/// Whether `flag` takes a filter as the next argument: `--filter`, `-f`, or a cluster of
/// one-letter switches ending in it (`ps -af`, `images -qf`: the thirty-sixth pass's look).
fn filter_flag(flag: &[u8]) -> bool {
    flag == b"--filter"
        || flag
            .strip_prefix(b"-")
            .and_then(|c| c.strip_suffix(b"f"))
            .is_some_and(|c| !c.starts_with(b"-") && c.iter().all(u8::is_ascii_alphabetic))
}

/// Whether `flag` takes a label or annotation as the next argument: `--label`, `--annotation`,
/// `-l`, or a cluster of docker's one-letter switches ending in it (`-il`: the thirty-third
/// pass's look). Judged without a parse, as [`env_flag`] is.
fn label_flag(flag: &[u8]) -> bool {
    matches!(flag, b"--label" | b"--annotation")
        || flag
            .strip_prefix(b"-")
            .and_then(|c| c.strip_suffix(b"l"))
            .is_some_and(|c| c.iter().all(|b| b"itdP".contains(b)))
}

/// The words of the program `--entrypoint` names (its last one before the image, or anywhere
/// when the argv does not read): a JSON array's items, else the value's words.
fn entrypoint_words(tokens: &[std::ffi::OsString], command: Option<usize>) -> Vec<String> {
    let end = command.unwrap_or(tokens.len()).min(tokens.len());
    let mut value = None;
    for (i, t) in tokens[..end].iter().enumerate() {
        let b = t.as_bytes();
        if b == b"--entrypoint" {
            value = tokens
                .get(i + 1)
                .map(|v| crate::text::lossy(v.as_bytes()).into_owned());
        } else if let Some(v) = b.strip_prefix(b"--entrypoint=") {
            value = Some(crate::text::lossy(v).into_owned());
        }
    }
    let Some(value) = value else {
        return Vec::new();
    };
    json_array(&value).unwrap_or_else(|| value.split_ascii_whitespace().map(str::to_string).collect())
}

/// Whether `flag` takes an environment assignment as the next argument: `-e`, `--env`,
/// `--env-merge`, `--build-arg`, or a cluster of short flags whose first `e` ends it (`-ie`,
/// `-ite`: the shorthands before it are docker's switches, and `-e`'s value is the next word).
/// Judged as [`environment_in`] judges the glued form, without a parse: a cluster that is not
/// one (`-ue`, `-u`'s value `e`) only over-redacts the next word.
fn env_flag(flag: &[u8]) -> bool {
    if matches!(flag, b"-e" | b"--env" | b"--env-merge" | b"--build-arg") {
        return true;
    }
    let Some(cluster) = flag.strip_prefix(b"-").filter(|c| !c.starts_with(b"-")) else {
        return false;
    };
    cluster.iter().all(u8::is_ascii_alphabetic)
        && cluster.iter().position(|&c| c == b'e') == Some(cluster.len() - 1)
}

/// Options of common programs whose value is `user:password` (curl's `-u`, `--user`,
/// `--proxy-user` and `-U`), judged in the command after the image and in an exec-form
/// `--health-cmd`, where they are words of their own, with the value as the next word or glued
/// (`-uuser:password`, `--user=user:password`).
const CREDENTIAL_OPTIONS: &[&[u8]] = &[
    b"-u",
    b"--user",
    b"-U",
    b"--proxy-user",
    // curl's client certificate with its passphrase (`-E cert.pem:PASSPHRASE`).
    b"-E",
    b"--cert",
    b"--proxy-cert",
];

/// Options whose next word is a secret whole (`wget --password P`, `curl --oauth2-bearer T`,
/// a cookie), in the same places.
const SECRET_OPTIONS: &[&str] = &[
    "--password",
    "--oauth2-bearer",
    "--passphrase",
    "--pass",
    "--http-password",
    "--ftp-password",
    "--proxy-password",
    "--cookie",
    "--tlspassword",
    "--proxy-tlspassword",
];

/// The programs a command names whose password options are short options other programs use
/// for other things: a MySQL or MariaDB client's `-pPASSWORD`, `sshpass -p`, `redis-cli -a`,
/// `openssl -k` / `-pass`.
#[derive(Clone, Copy, Default)]
struct Programs {
    mysql: bool,
    sshpass: bool,
    redis: bool,
    openssl: bool,
    /// `-p PASSWORD`: `docker login`/`podman login`, `az login`, `mongosh`/`mongo`.
    dash_p: bool,
    /// `-P PASSWORD`: `sqlcmd`, `zip`.
    dash_cap_p: bool,
    /// `-w PASSWORD`: the LDAP clients.
    ldap: bool,
    /// `-N PASSPHRASE`: `ssh-keygen` (its `-P` is `dash_cap_p`).
    keygen: bool,
    /// `-pPASSWORD`, glued: 7-Zip.
    sevenzip: bool,
}

fn programs_in<'a>(words: impl Iterator<Item = &'a [u8]>) -> Programs {
    let mut p = Programs::default();
    for w in words {
        let w = w.to_ascii_lowercase();
        let has = |name: &[u8]| w.windows(name.len()).any(|x| x == name);
        p.mysql |= has(b"mysql") || has(b"mariadb");
        p.sshpass |= has(b"sshpass");
        p.redis |= has(b"redis-cli") || has(b"valkey-cli") || has(b"keydb-cli");
        p.openssl |= has(b"openssl");
        p.dash_p |= has(b"login") || has(b"mongo") || has(b"twine");
        p.dash_cap_p |= has(b"sqlcmd") || has(b"zip") || has(b"ssh-keygen");
        p.sevenzip |= has(b"7z");
        p.ldap |= has(b"ldap");
        p.keygen |= has(b"ssh-keygen");
    }
    p
}

/// `word` as shown when it is a word of a command the container runs and a credential by its
/// place: the value after a [`CREDENTIAL_OPTIONS`] or [`SECRET_OPTIONS`] word (`before`), or
/// one of them with its value glued; `None` when no such rule applies.
fn command_word(word: &str, before: &str, programs: Programs) -> Option<String> {
    // A quoted option is the option (`'-p' PW`).
    let before = before.trim_matches(['\'', '"']);
    let by_program = match before {
        "-p" => programs.sshpass || programs.dash_p,
        "-P" => programs.dash_cap_p,
        "-w" => programs.ldap,
        "-N" => programs.keygen,
        "-a" => programs.redis,
        "-k" | "-pass" | "-passin" | "-passout" => programs.openssl,
        _ => false,
    };
    if by_program {
        return Some(REDACTED.to_string());
    }
    // A word that names a secret names the next word (`aws configure set aws_secret_access_key
    // K`, `password P`: the thirty-first pass's look), as an item of
    // an exec-form command does ([`json_words`]); unless that is an option.
    // (Not a word of punctuation alone: `'x-api-key' : 'k'`'s colon is the key's, and the
    // text's own rules read what follows it.)
    let value_like = word.bytes().any(|b| b.is_ascii_alphanumeric()) && !word.starts_with(['-', '=', ':']);
    // (Not an XML tag: `<password` is the text rules' to read; not a path, `cat /srv/token
    // /etc/hosts`, but npm's `//registry/:_authToken`; not `KEY=VALUE`, whose value the text's
    // rules read, and nanoclaw's `role=session-network NAME` is no secret.)
    let unquoted = before.trim_start_matches(['\'', '"']);
    let plain = !unquoted.starts_with('<')
        && (!before.contains('/') || before.contains(":_"))
        && !before.contains('=');
    if plain && !before.starts_with('-') && secret_named(before) && value_like {
        return Some(REDACTED.to_string());
    }
    // So does a list's item (`[password, X]` split into words).
    let item = before
        .strip_suffix(',')
        .filter(|b| b.contains('['))
        .map(|b| b.rsplit(['[', ',']).next().unwrap_or(b).trim_matches(['\'', '"']));
    if item.is_some_and(|i| !i.is_empty() && secret_named(i)) && !word.starts_with('-') {
        return Some(REDACTED.to_string());
    }
    // A long option named like a secret with its value glued (`--bearer=T`, `--session=S`:
    // the thirty-second pass's second look).
    if let Some((name, _)) = word
        .split_once('=')
        .filter(|(n, v)| n.starts_with('-') && !v.is_empty())
    {
        if secret_option(name) {
            return Some(format!("{name}={REDACTED}"));
        }
    }
    // A program's password option with its value glued (`ldapsearch -wPW`, `sqlcmd -PPW`,
    // `mongosh -pPW`).
    for (opt, on) in [
        ("-w", programs.ldap),
        ("-P", programs.dash_cap_p),
        ("-p", programs.dash_p),
    ] {
        if on && word.len() > 2 && word.starts_with(opt) && !word.starts_with("--") && !word.ends_with('\\') {
            return Some(format!("{opt}{REDACTED}"));
        }
    }
    // ...and inside a cluster of switches (`ldapsearch -xwPW`).
    if programs.ldap && word.starts_with('-') && !word.starts_with("--") {
        if let Some(at) = word[1..].find('w').map(|a| a + 1) {
            if at > 1 && word[1..at].bytes().all(|b| b.is_ascii_alphabetic()) && at + 1 < word.len() {
                return Some(format!("{}{REDACTED}", &word[..=at]));
            }
        }
    }
    // A here-string's word (`sudo -S true <<< PW`, `chpasswd <<< user:PW`): what a program reads
    // on its standard input is often a secret.
    if before == "<<<" {
        return Some(REDACTED.to_string());
    }
    if word.len() > 3 && word.starts_with("<<<") {
        return Some(format!("<<<{REDACTED}"));
    }
    // kubectl's `--from-literal=KEY=VALUE`: a secret's value, whatever its key is called.
    if let Some((key, _)) = word
        .strip_prefix("--from-literal=")
        .and_then(|v| v.split_once('='))
    {
        return Some(format!("--from-literal={key}={REDACTED}"));
    }
    if before == "--from-literal" {
        if let Some((key, _)) = word.split_once('=') {
            return Some(format!("{key}={REDACTED}"));
        }
    }
    // xfreerdp's `/p:PASSWORD`, 7-Zip's `-pPASSWORD`.
    if word.strip_prefix("/p:").is_some_and(|p| !p.is_empty()) {
        return Some(format!("/p:{REDACTED}"));
    }
    // Short options cluster: `-su user:password` is `-s -u user:password`.
    let cluster_ending = |last: &[char]| {
        before.len() >= 2
            && before.starts_with('-')
            && !before.starts_with("--")
            && before[1..].bytes().all(|b| b.is_ascii_alphabetic())
            && before.ends_with(last)
    };
    if CREDENTIAL_OPTIONS.contains(&before.as_bytes()) || cluster_ending(&['u', 'U']) {
        return Some(credential(word));
    }
    // curl's `-b` is its cookie (`-b 'session=S'`), alone or ending a cluster.
    if SECRET_OPTIONS.contains(&before) || (cluster_ending(&['b']) && word.contains('=')) {
        return Some(REDACTED.to_string());
    }
    // Any long option named like a secret, its value the next word (`--token T`, `--api-key K`,
    // `--bearer T`: the thirty-first pass's look printed nanoclaw's proxy token so), unless that
    // word is the next option.
    if secret_option(before) && !is_option(word) {
        return Some(REDACTED.to_string());
    }
    for opt in ["--user=", "--proxy-user="] {
        if let Some(value) = word.strip_prefix(opt) {
            return Some(format!("{opt}{}", credential(value)));
        }
    }
    for opt in ["-u", "-U"] {
        if let Some(value) = word.strip_prefix(opt).filter(|v| v.contains(':')) {
            return Some(format!("{opt}{}", credential(value)));
        }
    }
    if let Some(opt) = SECRET_OPTIONS.iter().find(|o| word.starts_with(&format!("{o}="))) {
        return Some(format!("{opt}={REDACTED}"));
    }
    match word.strip_prefix("-p") {
        Some(value)
            if (programs.mysql || programs.sshpass || programs.sevenzip)
                && !value.is_empty()
                && !value.starts_with('-') =>
        {
            Some(format!("-p{REDACTED}"))
        }
        _ => None,
    }
}

/// Words that mark an option's value as secret besides [`SECRET_WORDS`] (`--bearer T`,
/// `--session S`, `--sig X`): an option's name is short, and its value is the whole next word.
const SECRET_OPTION_WORDS: &[&str] = &["BEARER", "SESSION", "SIG"];

/// Whether `word` is a long option without a glued value whose name holds a secret word
/// ([`SECRET_WORDS`], [`SECRET_OPTION_WORDS`]).
fn secret_option(word: &str) -> bool {
    // `--token`, and Go's flag package's `-token` (vault, consul, nomad: the thirty-first pass's
    // look), but not a short option (`-t`).
    let name = word
        .strip_prefix("--")
        .or_else(|| word.strip_prefix('-').filter(|n| n.len() > 1));
    let Some(name) = name.filter(|n| !n.is_empty() && !n.contains('=')) else {
        return false;
    };
    let name = name.to_ascii_uppercase();
    SECRET_OPTION_WORDS
        .iter()
        .chain(SECRET_WORDS)
        .any(|w| name.contains(w))
}

/// Whether a word names a secret ([`SECRET_WORDS`], any case).
fn secret_named(word: &str) -> bool {
    let upper = word.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| upper.contains(w))
}

/// Whether a word reads as the next option rather than a value: `--name`, or a short option
/// (`-v`). A longer word after one `-` may be a token (base64url starts with `-` as often as
/// with any letter: the thirty-first pass's look's `--token -SECRET`).
fn is_option(word: &str) -> bool {
    word.starts_with("--") || (word.starts_with('-') && word.len() == 2)
}

/// Words of a command that are secrets by their position after a program's name, which no
/// option names (the thirty-first pass's Lows): `vault login TOKEN`, `htpasswd -b FILE USER
/// PASSWORD` (`-nb USER PASSWORD`), `sqlplus USER/PASSWORD@DB`. Each as its index in `words`
/// and how it is shown.
fn positional_secrets(words: &[&str]) -> Vec<(usize, String)> {
    let program = |w: &str| {
        let w = w.trim_matches(['\'', '"', '(', '{']);
        w.rsplit('/').next().unwrap_or(w).to_ascii_lowercase()
    };
    // Where the command a word belongs to ends: at a shell's separator, or where its output is
    // redirected (`htpasswd -nb u PW > file`: the target is no argument; the thirty-third pass's
    // look saw the target hidden and the password shown).
    let ends = |w: &str| {
        let redirect = w.starts_with('>')
            || w.starts_with("&>")
            || (w.len() > 1 && w.as_bytes()[0].is_ascii_digit() && w[1..].starts_with('>'));
        matches!(w, ";" | "&&" | "||" | "|" | "&") || w.ends_with(';') || redirect
    };
    // `ident/password[@db]`, as Oracle's tools take a login (a proxy login's user written
    // `scott[hr]`).
    let login = |w: &str| -> Option<String> {
        let (user, tail) = w.split_once('/')?;
        let user_ok = !user.is_empty()
            && user
                .trim_start_matches(['\'', '"'])
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_$#[]".contains(&b));
        let at = tail.rfind('@').map_or("", |a| &tail[a..]);
        (user_ok && !tail.is_empty()).then(|| format!("{user}/{REDACTED}{at}"))
    };
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        // This command's words after `w`, to its end.
        let rest = &words[i + 1..];
        let rest = &rest[..rest.iter().position(|w| ends(w)).unwrap_or(rest.len())];
        let at = |j: usize| i + 1 + j;
        // The command's last word, when it is a value (not an option, not `KEY=VALUE`, which
        // the text's rules read) and comes after `after` words.
        let last_value = |after: usize| {
            let j = rest.len().checked_sub(1)?;
            let v = rest[j].trim_end_matches(';');
            (j >= after && !v.starts_with('-') && !v.contains('=') && !v.is_empty()).then_some(at(j))
        };
        let sub = |name: &str| rest.iter().position(|w| program(w) == name);
        // Every word from `from` on that is a value: not an option, not `KEY=VALUE`.
        let values_from = |from: usize, out: &mut Vec<(usize, String)>| {
            for (j, v) in rest.iter().enumerate().skip(from) {
                if !v.starts_with('-') && !v.contains('=') {
                    out.push((at(j), REDACTED.to_string()));
                }
            }
        };
        match program(w).as_str() {
            // `vault login [-address URL ...] TOKEN`, `cargo login TOKEN`: the token is the last
            // word (an option's value may stand between).
            // Every value after `login` (an option's value is over-redacted: which options take
            // one is each program's own).
            "vault" | "bao" | "cargo" => {
                if let Some(s) = sub("login") {
                    values_from(s + 1, &mut out);
                }
            }
            // `htpasswd -b[...] [-C 10] FILE USER PASSWORD`, `-nb USER PASSWORD`: the last word.
            "htpasswd" => {
                let batch = rest
                    .iter()
                    .any(|c| c.starts_with('-') && !c.starts_with("--") && c.contains('b'));
                if let Some(j) = last_value(1).filter(|_| batch) {
                    out.push((j, REDACTED.to_string()));
                }
            }
            // `mc alias set NAME URL ACCESS SECRET`, `mc config host add ...`.
            "mc" | "mcli" if sub("set").or(sub("add")).is_some() => {
                // NAME and URL shown; the access key and the secret not.
                let s = sub("set").or(sub("add")).unwrap_or(0);
                let values: Vec<usize> = (s + 1..rest.len())
                    .filter(|&j| !rest[j].starts_with('-') && !rest[j].contains('='))
                    .collect();
                for &j in values.iter().skip(2) {
                    out.push((at(j), REDACTED.to_string()));
                }
            }
            // `redis-cli AUTH [USER] PASSWORD`, a command word of its own.
            "auth" => {
                if let Some(j) = last_value(0) {
                    out.push((j, REDACTED.to_string()));
                }
            }
            // Oracle's tools and a script's `connect`: every `user/password[@db]` word.
            "sqlplus" | "sql" | "sqlldr" | "expdp" | "impdp" | "exp" | "imp" | "rman" | "dgmgrl"
            | "connect" | "conn" => {
                for (j, r) in rest.iter().enumerate() {
                    if let Some(shown) = (!r.starts_with('-')).then(|| login(r)).flatten() {
                        out.push((at(j), shown));
                    }
                }
            }
            // `smbclient //HOST/SHARE PASSWORD` (or `\\HOST\SHARE`): the word after the share.
            "smbclient" => {
                // (Wherever it stands after the share: `-U alice PW` too; the user over-redacted.)
                if let Some(j) = rest.iter().position(|r| {
                    let r = r.trim_matches(['\'', '"']);
                    r.starts_with("//") || r.starts_with("\\\\")
                }) {
                    values_from(j + 1, &mut out);
                }
            }
            // `rclone obscure PASSWORD`, `poetry config http-basic.REPO USER PASSWORD`.
            "rclone" if sub("obscure").is_some() => {
                values_from(sub("obscure").unwrap_or(0) + 1, &mut out);
            }
            "poetry" => {
                if let Some(k) = rest
                    .iter()
                    .position(|r| r.starts_with("http-basic.") || r.starts_with("pypi-token."))
                {
                    values_from(k + 1, &mut out);
                }
            }
            // SQL's `IDENTIFIED BY 'PASSWORD'`, `IDENTIFIED WITH plugin BY 'PASSWORD'`.
            "identified" => {
                if let Some(b) = rest.iter().take(3).position(|r| r.eq_ignore_ascii_case("by")) {
                    if b + 1 < rest.len() {
                        out.push((at(b + 1), REDACTED.to_string()));
                    }
                }
            }
            // httpie's `-a USER:PASSWORD`.
            "http" | "https" | "xh" | "xhs" => {
                for (j, r) in rest.iter().enumerate() {
                    if matches!(*r, "-a" | "--auth") {
                        if let Some(v) = rest.get(j + 1) {
                            out.push((at(j + 1), credential(v)));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    // What `echo` or `printf` pipes into a program that reads a secret on its standard input
    // (`echo T | docker login --password-stdin`, `printf 'pw\n' | sudo -S`, `| chpasswd`).
    let reads_secret = |seg: &[&str]| {
        let switch_s = seg
            .iter()
            .any(|w| (w.starts_with('-') && !w.starts_with("--") && w.contains('S')) || *w == "--stdin");
        // `vault login -` reads its token there, `htpasswd -i` its password (the thirty-third
        // pass's look).
        let switch_i = seg
            .iter()
            .any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('i'));
        let has = |name: &str| {
            seg.iter()
                .any(|w| program(w.rsplit('|').next().unwrap_or(w)) == name)
        };
        (has("vault") || has("bao")) && seg.contains(&"login") && seg.contains(&"-")
            || has("htpasswd") && switch_i
            || seg.iter().any(|w| {
                let w = w.rsplit('|').next().unwrap_or(w);
                matches!(w, "--password-stdin" | "--with-token" | "--stdin")
                    || program(w) == "chpasswd"
                    || (program(w) == "sudo" && switch_s)
            })
    };
    let mut i = 0;
    while i < words.len() {
        if matches!(program(words[i]).as_str(), "echo" | "printf") {
            // The pipe may be glued (`echo PW|sudo -S`), and the program a later stage's.
            let end = (i + 1..words.len())
                .find(|&j| words[j].contains('|') && words[j] != "||")
                .unwrap_or(words.len());
            let glued = end < words.len() && words[end] != "|";
            let from = if glued { end } else { (end + 1).min(words.len()) };
            let into = &words[from..];
            let into = &into[..into
                .iter()
                .position(|w| matches!(*w, ";" | "&&" | "||"))
                .unwrap_or(into.len())];
            if end < words.len() && reads_secret(into) {
                // Every word echoed but `echo`'s own switches; a glued pipe's word whole.
                for (j, w) in words
                    .iter()
                    .enumerate()
                    .take(end + usize::from(glued))
                    .skip(i + 1)
                {
                    if !matches!(*w, "-n" | "-e" | "-E" | "-ne" | "-en") {
                        out.push((j, REDACTED.to_string()));
                    }
                }
            }
            i = end;
        }
        i += 1;
    }
    out.sort_unstable_by_key(|(j, _)| *j);
    out.dedup_by_key(|(j, _)| *j);
    out
}

/// A command written as one string (a shell's `-c` script, a shell-form `--health-cmd`): split at
/// blanks, each word redacted by its place as [`command_word`] does for a command's own words
/// (`-fsu user:password`, `redis-cli -a PASSWORD`), then the whole as [`display`] shows text.
/// Quotes stay with their words (`-u 'user:password'` is redacted after the `:`).
fn shell_words(text: &str) -> String {
    // An exec-form command is one only when it reads as a JSON array of strings (a shell's
    // `[ -f x ] && curl -u user:password` starts with `[` too: the fifty-third look's).
    if text.trim_start().starts_with('[') && json_array(text).is_some() {
        return redact_text(text);
    }
    let programs = programs_in(text.split_ascii_whitespace().map(str::as_bytes));
    let words: Vec<&str> = text.split_ascii_whitespace().collect();
    let mut positional = positional_secrets(&words).into_iter().peekable();
    let mut out = String::with_capacity(text.len());
    let mut before = "";
    let mut rest = text;
    let mut index = 0;
    // A secret that opened a quote it did not close goes on to the word that closes it
    // (`<<< "a b c"`, `BY 'two words'`: the thirty-second pass's third look).
    let mut open_quote: Option<char> = None;
    while !rest.is_empty() {
        let blanks = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_whitespace()).len();
        out.push_str(&rest[..blanks]);
        rest = &rest[blanks..];
        let end = rest.find(|c: char| c.is_ascii_whitespace()).unwrap_or(rest.len());
        let word = &rest[..end];
        if !word.is_empty() {
            let redacted = if let Some(q) = open_quote {
                if word.ends_with(q) {
                    open_quote = None;
                }
                Some(REDACTED.to_string())
            } else {
                match positional.next_if(|(j, _)| *j == index) {
                    Some((_, shown)) => Some(shown),
                    None => command_word(word, before, programs),
                }
            };
            match redacted {
                Some(shown) => {
                    if open_quote.is_none() && shown.contains(REDACTED) {
                        let value = word.trim_start_matches("<<<");
                        open_quote = value
                            .chars()
                            .next()
                            .filter(|q| matches!(q, '\'' | '"'))
                            .filter(|&q| value.len() == 1 || !value[1..].ends_with(q));
                    }
                    out.push_str(&shown);
                }
                None => out.push_str(word),
            }
            // A line's continuation (`\` before a line break) is no word: the option before it
            // still names the word after (the thirty-second pass's second look); nor is it part
            // of an option it is glued to (`-p\`).
            if word != "\\" {
                before = word
                    .strip_suffix('\\')
                    .filter(|w| w.starts_with('-'))
                    .unwrap_or(word);
            }
            index += 1;
        }
        rest = &rest[end..];
    }
    redact_text(&out)
}

/// `user:password` with the password redacted (and `user%password`, smbclient's, and
/// `user,password`, lftp's); a word without a separator as [`display`] shows it (the program
/// then asks for the password).
fn credential(word: &str) -> String {
    match word.find([':', '%', ',']) {
        // `KEY:` with no password: the user name is the credential (Stripe's and GitHub's API
        // keys with curl: the thirty-first pass's look).
        Some(at) if word[at + 1..].trim_end_matches(['\'', '"']).is_empty() => REDACTED.to_string(),
        Some(at) => format!("{}{REDACTED}", &word[..=at]),
        None => redact_text(word),
    }
}

/// Where the command the container runs starts in `tokens`: the index of the image (or, for
/// `exec`, the container) when they parse as a `run`, `create` or `exec`; the words after it are
/// that command's. Leading words that are not docker's (the runtime's path, the mount check's
/// `--hooks-dir=`, `--default-mounts-file=/dev/null`) are passed over, so that a rewritten argv
/// is read as the caller's was.
fn command_at(tokens: &[std::ffi::OsString]) -> (Option<usize>, Option<usize>) {
    let skip = tokens
        .iter()
        .take_while(|t| t.as_bytes().starts_with(b"/") || crate::mountcheck::is_own_global(t.as_bytes()))
        .count();
    match crate::parse::parse(&tokens[skip..]) {
        Ok(crate::parse::Invocation::Run(run)) if run.image.is_some() => {
            (Some(tokens.len() - run.args.len() - 1), None)
        }
        Err(crate::parse::ParseError::UnknownFlag(name, _)) => {
            (None, unknown_at(&tokens[skip..], &name).map(|i| skip + i))
        }
        _ => (None, None),
    }
}

/// Where the flag the parser did not know stands (`--frob`, `--frob=X`, or a cluster of short
/// flags holding `-Z`).
fn unknown_at(tokens: &[std::ffi::OsString], name: &str) -> Option<usize> {
    let name = name.as_bytes();
    tokens.iter().position(|t| {
        let b = t.as_bytes();
        match name.strip_prefix(b"--") {
            Some(_) => b == name || (b.starts_with(name) && b.get(name.len()) == Some(&b'=')),
            None => {
                b.starts_with(b"-")
                    && !b.starts_with(b"--")
                    && name.get(1).is_some_and(|l| b[1..].contains(l))
            }
        }
    })
}

/// `text` as a JSON array of strings, read as podman's reader (Go's) reads one: a `null` item is
/// an empty string, and an escape of half a surrogate pair is a replacement character. serde's
/// reader refuses both, and an array it refused was judged by no rule while podman ran it (the
/// thirty-third pass's look: `["/bin/echo","vault","login","T",null]`).
fn json_array(text: &str) -> Option<Vec<String>> {
    let read = |t: &str| -> Option<Vec<String>> {
        let items: Vec<serde_json::Value> = serde_json::from_str(t.trim()).ok()?;
        items
            .into_iter()
            .map(|v| match v {
                serde_json::Value::String(s) => Some(s),
                serde_json::Value::Null => Some(String::new()),
                _ => None,
            })
            .collect()
    };
    read(text).or_else(|| {
        // Every `\uD800`-`\uDFFF` escape made a replacement character: paired ones too, which
        // serde would have read (this is only what it refused).
        let lower = text.to_ascii_lowercase();
        let mut fixed = String::with_capacity(text.len());
        let mut at = 0;
        while let Some(i) = lower[at..].find("\\ud").map(|i| at + i) {
            let surrogate = lower.as_bytes().get(i + 3..i + 6).is_some_and(|h| {
                matches!(h[0], b'8'..=b'9' | b'a'..=b'f')
                    && h[1].is_ascii_hexdigit()
                    && h[2].is_ascii_hexdigit()
            });
            fixed.push_str(&text[at..i]);
            match surrogate {
                true => {
                    fixed.push_str("\\ufffd");
                    at = i + 6;
                }
                false => {
                    fixed.push_str(&text[i..i + 3]);
                    at = i + 3;
                }
            }
        }
        fixed.push_str(&text[at..]);
        (fixed != text).then(|| read(&fixed)).flatten()
    })
}

/// The words of a command given as a JSON array (`--health-cmd '["CMD","curl","-u","u:p"]'`),
/// each as [`display`] shows it or as [`command_word`] redacts it; `None` when `text` is not
/// one.
fn json_words(text: &str) -> Option<String> {
    let words = json_array(text)?;
    let programs = programs_in(words.iter().map(|w| w.as_bytes()));
    let positional = positional_secrets(&words.iter().map(String::as_str).collect::<Vec<_>>());
    let mut before = "";
    let shown: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if let Some((_, shown)) = positional.iter().find(|(j, _)| *j == i) {
                before = w;
                return shown.clone();
            }
            // An item named like a secret names the next (`["password","X"]`: the thirty-first
            // pass's look), unless that is an option.
            let named =
                !before.starts_with('-') && !before.contains('=') && secret_named(before) && !is_option(w);
            let s = match named {
                true => REDACTED.to_string(),
                false => command_word(w, before, programs).unwrap_or_else(|| {
                    match w.contains(char::is_whitespace) {
                        // A shell string as an item (`["CMD-SHELL","redis-cli -a X ping"]`, an
                        // entrypoint's `["/bin/sh","-c","..."]`): its own words by their place.
                        true => shell_words(w),
                        false => redact_text(w),
                    }
                }),
            };
            before = w;
            s
        })
        .collect();
    serde_json::to_string(&shown).ok()
}

fn concat(flag: &str, value: &[u8]) -> std::ffi::OsString {
    let mut v = flag.as_bytes().to_vec();
    v.extend_from_slice(value);
    <std::ffi::OsString as std::os::unix::ffi::OsStringExt>::from_vec(v)
}

/// Flags whose whole value is a credential (`user:password`, a key's passphrase).
const SECRET_FLAGS: &[&str] = &["--creds=", "--decryption-key=", "--password="];

/// Words after which the rest of a token is a credential (HTTP authorisation schemes).
const AUTH_SCHEMES: &[&str] = &["bearer ", "basic ", "token ", "bearer%20", "basic%20", "token%20"];

/// Header names whose value is a credential, in a command line (`curl -H 'X-Api-Key: abc'`,
/// `wget --header=X-Auth-Token:abc`): the name ends in one of these; blanks may follow.
const SECRET_HEADERS: &[&str] = &[
    "cookie:",
    "key:",
    "token:",
    "secret:",
    "password:",
    "auth:",
    "authorization:",
    // `X-JFrog-Art-Api:`, `X-Api:` (the thirty-second pass's second look).
    "-api:",
    // `Authentication:T`, `X-Credentials:`, `X-Session:` glued (the thirty-first pass's Low).
    "authentication:",
    "credential:",
    "credentials:",
    "session:",
    "signature:",
];

/// `NAME=value` as the value of `-e` / `--env`: the value hidden unless `NAME` is one of
/// [`SHOWN_VARIABLES`] (any spelling of the name: `Db_Conn` is an environment variable too).
fn environment(assignment: &str) -> String {
    match assignment.split_once('=') {
        // The name judged as text (the look `gy`: a URL's password or a token there was shown,
        // as in a label's key before).
        Some((name, value)) if !value.starts_with(REDACTED) && !SHOWN_VARIABLES.contains(&name) => {
            format!("{}={REDACTED}", redact_text(name))
        }
        // A variable whose value is shown: its value judged by shape and URL, not its name
        // (`GIT_HTTP_PROXY_AUTHMETHOD=basic`, nanoclaw's, lost its value to `AUTH`).
        Some((name, value)) if SHOWN_VARIABLES.contains(&name) => format!("{name}={}", redact_text(value)),
        _ => redact_text(assignment),
    }
}

/// Where an environment assignment starts in a token that is an `-e` option with its value:
/// `--env=`, `--env-merge=`, or a cluster of docker's one-letter flags ending in `e` with the
/// value glued to it (`-eNAME=v`, `-ieNAME=v`: the red team's).
fn environment_in(text: &str) -> Option<usize> {
    for flag in ["--env=", "--env-merge=", "--build-arg="] {
        if text.starts_with(flag) {
            return Some(flag.len());
        }
    }
    let cluster = text.strip_prefix('-').filter(|c| !c.starts_with('-'))?;
    let e = cluster.find(|c: char| !c.is_ascii_alphabetic() || c == 'e')?;
    (cluster[e..].starts_with('e') && e + 1 < cluster.len()).then_some(1 + e + 1)
}

/// A line the shim composed (a refusal, a diagnostics line) as it may be printed: everything
/// [`display`] hides (credentials by shape, URL and `user:pass@host` credentials, secret
/// `NAME=value`s, what follows an auth scheme or a secret header), but not a command's `-u
/// user:password` read into its words: the caller's tokens in such a line were redacted as tokens
/// already, and the shim's own English after one (`--user=root: runs as root`) is no password
/// (the seventy-eighth and eighty-third looks'). A line-level pass of shapes alone let a reason
/// that quotes a caller's value raw (`DB_PASS=hunter2: is not a mount option`) through (the
/// ninety-second look's): over-redacting the shim's own words costs less.
pub fn message(text: &str) -> String {
    redact_words(text, false)
}

fn redact_text(text: &str) -> String {
    redact_words(text, true)
}

/// [`redact_text`]; `commands`: also a command's `-u user:password` ([`redact_user_passwords`]).
fn redact_words(text: &str, commands: bool) -> String {
    if let Some(shown) = mount_record(text) {
        return shown;
    }
    // A line the shim composed quotes tokens shown already; a word in it past [`MAX_JUDGED`]
    // (a reason quoting a caller's value raw) is replaced as such a token is.
    let words_capped;
    let text = match text.len() > MAX_JUDGED && text.split_ascii_whitespace().any(judged_whole) {
        true => {
            let mut out = String::with_capacity(MAX_JUDGED);
            let mut rest = text;
            while let Some(start) = rest.find(|c: char| !c.is_ascii_whitespace()) {
                out.push_str(&rest[..start]);
                rest = &rest[start..];
                let end = rest.find(|c: char| c.is_ascii_whitespace()).unwrap_or(rest.len());
                let word = &rest[..end];
                match judged_whole(word) {
                    true => out.push_str(&long(word.as_bytes())),
                    false => out.push_str(word),
                }
                rest = &rest[end..];
            }
            out.push_str(rest);
            words_capped = out;
            words_capped.as_str()
        }
        false => text,
    };
    // An exec-form command is judged item by item before anything is decoded, each item
    // decoded on its own: decoding the whole and showing it up to an escape left a cut-off
    // array no rule read as a command (the thirty-second pass's second look).
    // (After blanks too: podman reads `' ["CMD", ...]'` as exec form: the thirty-second
    // pass's third look.)
    let lead = text.len() - text.trim_start().len();
    if text[lead..].starts_with('[') {
        if let Some(shown) = json_words(text) {
            return format!("{}{shown}", &text[..lead]);
        }
    }
    // Percent-encoded text is judged as it decodes, however many times it was encoded
    // (`Bearer%09T`, `token%25253DT`, an encoded proxy URL: the thirty-first pass's look): where
    // that hides something, the decoded text is shown, redacted.
    // So is text escaped for JSON or HTML (`http:\/\/x:T@h`, `token\u003dT`, `token&#61;T`).
    if text.contains(['%', '\\', '&']) {
        let mut decoded = text.to_string();
        for _ in 0..4 {
            let unescaped = unescaped(&decoded);
            match percent_decoded(&unescaped) {
                Some(d) if d != decoded => decoded = d,
                _ => break,
            }
        }
        if decoded != text {
            let shown = redact_plain(&decoded, commands);
            if shown != decoded {
                // Decoded text is no safe display: an escape undone turns a password into a
                // shape the URL rules read otherwise (`app:7%2FqR9S@db` into `app:7/qR9S@db`:
                // the thirty-second pass's look). So the text is shown as written up to the word
                // holding the first escape, and redacted from there.
                let first = text
                    .char_indices()
                    .find(|&(i, c)| {
                        let rest = &text[i..];
                        (c == '%'
                            && rest.len() > 2
                            && rest.as_bytes()[1..3].iter().all(u8::is_ascii_hexdigit))
                            || (c == '\\' && rest[1..].starts_with(['/', 'u']))
                            || (c == '&' && rest[1..].starts_with(['#', 'a']))
                    })
                    .map_or(0, |(i, _)| i);
                let word = text[..first]
                    .rfind(|c: char| c.is_whitespace() || matches!(c, '"' | '\''))
                    .map_or(0, |w| w + 1);
                return format!("{}{REDACTED}", redact_plain(&text[..word], commands));
            }
        }
    }
    redact_plain(text, commands)
}

/// The shim's own record of the mounts it judged (`--annotation=io.github.nanoclaw-shim.mounts=`
/// `...:HEX;...`, each target hex-encoded): a target that holds a secret is shown redacted, as
/// it would be written plainly (the thirty-first pass's look read a token back from its hex).
fn mount_record(text: &str) -> Option<String> {
    // Only the record as the shim writes it: the key at the start (after `--annotation=`), and
    // every entry numbers and hex (the key inside a caller's value turned redaction off for the
    // whole of it: the thirty-first pass's look).
    let key = crate::mountcheck::KEY;
    let records = text
        .strip_prefix("--annotation=")
        .unwrap_or(text)
        .strip_prefix(key)?
        .strip_prefix('=')?;
    let head = &text[..text.len() - records.len()];
    let well_formed = records.split(';').all(|r| {
        let mut parts = r.split(':');
        let numbers = parts
            .by_ref()
            .take(3)
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        let hex = parts
            .next()
            .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        numbers && hex && parts.next().is_none()
    });
    if !well_formed {
        return None;
    }
    let shown: Vec<String> = records
        .split(';')
        .map(|r| match r.rsplit_once(':') {
            Some((lead, hex)) => {
                let target = (hex.len() % 2 == 0)
                    .then(|| {
                        (0..hex.len())
                            .step_by(2)
                            .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
                            .collect::<Option<Vec<u8>>>()
                    })
                    .flatten()
                    .and_then(|b| String::from_utf8(b).ok());
                match target {
                    Some(t) if t.len() > MAX_JUDGED || redact_plain(&t, false) != t => {
                        format!("{lead}:{REDACTED}")
                    }
                    _ => r.to_string(),
                }
            }
            None => r.to_string(),
        })
        .collect();
    Some(format!("{head}{}", shown.join(";")))
}

/// `text` with JSON's and HTML's escapes of the characters that delimit credentials undone.
fn unescaped(text: &str) -> String {
    const ESCAPES: &[(&str, &str)] = &[
        ("\\/", "/"),
        ("\\u003d", "="),
        ("\\u003D", "="),
        ("\\u0026", "&"),
        ("\\u0040", "@"),
        ("\\u003a", ":"),
        ("\\u003A", ":"),
        ("&#61;", "="),
        ("&#x3d;", "="),
        ("&#x3D;", "="),
        ("&amp;", "&"),
        ("&#64;", "@"),
        ("&#58;", ":"),
    ];
    let mut out = text.to_string();
    for (from, to) in ESCAPES {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out
}

/// `text` with each `%XX` decoded, when what it decodes to is UTF-8.
fn percent_decoded(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// [`redact_words`] of text as it stands.
fn redact_plain(text: &str, commands: bool) -> String {
    if let Some(at) = environment_in(text) {
        return format!("{}{}", &text[..at], environment(&text[at..]));
    }
    // An exec-form command (`--health-cmd '["CMD", ...]'`, or glued after `=`): word by word.
    let json_at = if text.starts_with('[') {
        Some(0)
    } else {
        // Only a flag's own value (`--health-cmd=[...]`): a label's `KEY=[...]` is judged by its
        // key (the hundred-and-twenty-seventh look's `--label=com.acme.api_token=["X"]`).
        text.find('=')
            .filter(|&eq| text[..eq].starts_with("--") && text[eq + 1..].trim_start().starts_with('['))
            .map(|eq| eq + 1)
    };
    if let Some(shown) = json_at.and_then(|at| json_words(&text[at..]).map(|w| format!("{}{w}", &text[..at])))
    {
        return shown;
    }
    for flag in SECRET_FLAGS {
        if let Some(rest) = text.strip_prefix(flag) {
            // `--decryption-key=path:passphrase` keeps the path.
            return match (flag, rest.split_once(':')) {
                (&"--decryption-key=", Some((path, _))) => format!("{flag}{path}:{REDACTED}"),
                _ => format!("{flag}{REDACTED}"),
            };
        }
    }
    // A URL's credentials first: a password may hold `=` (`http://u:PASS=WORD@h`), which the
    // search for `NAME=` below would otherwise cut in the middle of, showing its start.
    let urls = redact_url_credentials(text);
    let text = urls.as_str();
    // Where the rest of the text is secret: after an auth scheme or a secret header, or after
    // `NAME=` with a secret-looking NAME. The earliest such place wins, and what comes before
    // it is still searched for URL credentials and `-u user:password` (a command holds many).
    // A tab after `Bearer` separates as a blank does (the eighty-fourth look's).
    let lower = text.to_ascii_lowercase().replace('\t', " ");
    let mut cut: Option<usize> = None;
    let mut earliest = |at: usize| cut = Some(cut.map_or(at, |c: usize| c.min(at)));
    // Each where it begins a word of its own: `.aws/credentials:/x` is a path and its mount's
    // target, `--bogus-token for` a flag's name (the thirty-second pass's last look: both hid a
    // refusal's reason); `X-Api-Key:` a header.
    let starts_word = |at: usize, header: bool| {
        let before = lower.as_bytes().get(at.wrapping_sub(1)).copied();
        match (before, header) {
            (None, _) => true,
            (Some(b), true) => !matches!(b, b'/' | b'.' | b'_'),
            (Some(b), false) => b.is_ascii_whitespace() || b"\"'=:,(".contains(&b),
        }
    };
    for scheme in AUTH_SCHEMES {
        if let Some((at, _)) = lower
            .match_indices(scheme)
            .find(|&(at, _)| starts_word(at, false))
        {
            earliest(at + scheme.len());
        }
    }
    for header in SECRET_HEADERS {
        if let Some((at, _)) = lower.match_indices(header).find(|&(at, _)| starts_word(at, true)) {
            let value = at + header.len();
            let blanks = lower[value..].len() - lower[value..].trim_start_matches([' ', '\t']).len();
            earliest(value + blanks);
        }
    }
    let shaped = shaped_secret_at(text);
    let bytes = text.as_bytes();
    // `=` as written and as a URL writes it encoded (`?q=token%3DX`: a query's value holding a
    // pair; the thirtieth pass's Low): `(where the key ends, where the value begins)`.
    let encoded = (lower.match_indices("%3d").map(|(at, _)| (at, at + 3)))
        .chain(lower.match_indices("%253d").map(|(at, _)| (at, at + 5)));
    let mut pairs: Vec<(usize, usize)> = text
        .match_indices('=')
        .map(|(at, _)| (at, at + 1))
        .chain(encoded)
        .collect();
    pairs.sort_unstable();
    for (eq, value_at) in pairs {
        // Already redacted (a refusal's message quotes its redacted token): the text after it
        // is the shim's own.
        if text[value_at..].starts_with(REDACTED) {
            continue;
        }
        // A podman `NAME*=` pattern's `*` is part of the name (the red team's `API_TOKEN*=`).
        let start = bytes[..eq]
            .iter()
            .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'*'))
            .map_or(0, |p| p + 1);
        let written = &text[start..eq];
        let name = written.to_ascii_uppercase();
        // The whole key too, from the last blank, quote or separator: a label's or annotation's
        // secret word need not be its last part (`com.acme.api_token.value=`: the
        // hundred-and-twenty-fifth look's), nor the character before `=` a letter
        // (`creds[password]=`, `password =`, `'password'=`, `password.=`: the
        // hundred-and-twenty-seventh look's).
        let key_end = bytes[..eq]
            .iter()
            .rposition(|b| !(b.is_ascii_whitespace() || b"\"'])}.:+-".contains(b)))
            .map_or(0, |p| p + 1);
        let key_start = bytes[..key_end]
            .iter()
            .rposition(|b| b.is_ascii_whitespace() || b"\"',;&?{(".contains(b))
            .map_or(0, |p| p + 1);
        let key = text[key_start..key_end].to_ascii_uppercase();
        let secret_word = SECRET_WORDS.iter().any(|w| key.contains(w));
        // A signed URL's query keys (`?sig=`, `&X-Amz-Signature=`, an OAuth redirect's `?code=`):
        // whoever holds the URL holds what it grants.
        let query = key_start > 0 && matches!(bytes[key_start - 1], b'?' | b'&' | b';');
        let signed = query && SECRET_QUERY_KEYS.contains(&key.as_str());
        // A volume driver's mount options (`o=`: a CIFS share's `username=user%password` and
        // more), and a user name holding its password after `%`, as mount.cifs and smbclient
        // read it (the same look's).
        let value = &text[value_at..];
        let value = &value[..value.find([',', ' ']).unwrap_or(value.len())];
        let cifs_user = matches!(name.as_str(), "USER" | "USERNAME") && value.contains('%');
        let plain = value_at == eq + 1;
        if secret_word
            || signed
            || plain && !name.is_empty() && (name == "O" || cifs_user || hidden_variable(written))
        {
            earliest(value_at);
            break;
        }
    }
    if let Some(at) = quoted_secret_key(text) {
        earliest(at);
    }
    if let Some(at) = xml_secret_element(text) {
        earliest(at);
    }
    // A token of a known shape before any other secret is hidden alone, and the words after it
    // judged again: a refusal naming an agent's FIFO `ghp_...` lost its reason and its remedy
    // (the look `hf`). A key's block (`-----BEGIN`) hides the rest.
    if let Some((at, Some(end))) = shaped.filter(|&(at, _)| cut.is_none_or(|c| at < c)) {
        return format!(
            "{}{REDACTED}{}",
            redact_plain(&text[..at], commands),
            redact_plain(&text[end..], commands)
        );
    }
    let cut = match (shaped, cut) {
        (Some((at, _)), Some(c)) => Some(at.min(c)),
        (Some((at, _)), None) => Some(at),
        (None, c) => c,
    };
    let head = &text[..cut.unwrap_or(text.len())];
    let userinfo = redact_userinfo(&redact_url_credentials(head));
    let mut out = if commands {
        redact_user_passwords(&userinfo)
    } else {
        userinfo
    };
    if cut.is_some() {
        out.push_str(REDACTED);
    }
    redact_keys(&out)
}

/// The fewest letters and digits a word needs to be read as a key of no known shape.
const KEY_RUN: usize = 20;

/// Every word that reads as a key of no known shape redacted ([`key_like`]); in a path, the
/// parts between its `/` that do, or else the whole. A secret pasted into a flag that takes a
/// size, a mode or a name was quoted back by its refusal (`--shm-size=KEY`: the look `gn`), and
/// no list of prefixes knows every provider's keys. A word is a run of letters, digits, bytes
/// past ASCII and `+/_.~-` (base64's alphabet, a key split by dashes).
fn redact_keys(text: &str) -> String {
    let bytes = text.as_bytes();
    let word_byte = |b: u8| b.is_ascii_alphanumeric() || b >= 0x80 || b"+/_.~-".contains(&b);
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !word_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && word_byte(bytes[i]) {
            i += 1;
        }
        let word = &bytes[start..i];
        let mut parts: Vec<(usize, usize)> = Vec::new();
        // A path (from `/`, `~` or `.`) is judged by its parts alone: the shim's own
        // `.../hooks.HASH/seccomp-HASH.profile` read as a key whole (the look `gy`).
        let path = matches!(word[0], b'/' | b'~' | b'.');
        if word.contains(&b'/') {
            let mut at = start;
            for part in word.split(|&b| b == b'/') {
                if key_like(part) {
                    parts.push((at, at + part.len()));
                }
                at += part.len() + 1;
            }
        }
        if parts.is_empty() && !path && key_like(word) {
            parts.push((start, i));
        }
        for (from, to) in parts {
            out.push_str(&text[copied..from]);
            out.push_str(REDACTED);
            copied = to;
        }
    }
    if copied == 0 {
        return text.to_string();
    }
    out.push_str(&text[copied..]);
    out
}

/// Whether a word reads as a key: a run of at least [`KEY_RUN`] letters and digits holding
/// both (a 40-digit hex key), or at least [`KEY_RUN`] letters and digits in all whose kind
/// (digit, lower case, upper case) changes at 35 % or more of their neighbours (random base64,
/// a key split by dashes, letters of both cases: the look `gu`). Not counted: runs of one kind
/// alone (words: `hooks.HASH`, `nanoclaw-agent-v2-HASH`; numbers: the 13-digit time in
/// nanoclaw's `ncl-SLUG-sess-TIME-ID` names, which the look `gw` saw hidden), and 64 lowercase
/// hex digits, podman's ids and digests (nanoclaw's own file names hold such hashes). Bytes past
/// ASCII count as lower case letters (a folder's name in another language).
fn key_like(word: &[u8]) -> bool {
    let kind = |b: u8| match b {
        b'0'..=b'9' => 0,
        b'A'..=b'Z' => 2,
        _ => 1,
    };
    let (mut letters_digits, mut changes) = (0, 0);
    let runs = word
        .split(|&b| !(b.is_ascii_alphanumeric() || b >= 0x80))
        .filter(|r| !r.is_empty());
    for run in runs {
        if run.len() == 64 && run.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            continue;
        }
        if run.len() >= KEY_RUN
            && run.iter().any(u8::is_ascii_digit)
            && run.iter().any(u8::is_ascii_alphabetic)
        {
            return true;
        }
        if run.iter().all(|&b| kind(b) == kind(run[0])) {
            continue;
        }
        letters_digits += run.len();
        changes += run.windows(2).filter(|w| kind(w[0]) != kind(w[1])).count();
    }
    letters_digits >= KEY_RUN && changes * 20 >= letters_digits * 7
}

/// Where the value of a quoted key with a secret-looking name begins, in an object literal a
/// command holds (`curl -d '{"password":"..."}'`, `{headers:{'x-api-key':'...'}}`: the
/// hundred-and-twenty-fifth look's): just after its `:`; or, in an array, just after the `,`
/// that follows a quoted secret-looking word (`cfg=["password","X"]`: the word names the next).
fn quoted_secret_key(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let listed = text.match_indices(',').find_map(|(comma, _)| {
        let before = text[..comma].trim_end_matches([' ', '\t']);
        let quote = *before.as_bytes().last().filter(|q| matches!(q, b'"' | b'\''))?;
        let open = bytes[..before.len() - 1].iter().rposition(|&b| b == quote)?;
        let opened_item = bytes[..open]
            .iter()
            .rev()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| matches!(b, b'[' | b','));
        let key = text[open + 1..before.len() - 1].to_ascii_uppercase();
        (opened_item && SECRET_WORDS.iter().any(|w| key.contains(w))).then_some(comma + 1)
    });
    // The same item unquoted (`[password, X]`, `(token, X)`: a script's list or tuple).
    let listed = listed.or_else(|| {
        text.match_indices(',').find_map(|(comma, _)| {
            let before = text[..comma].trim_end_matches([' ', '\t']);
            let start = before
                .bytes()
                .rposition(|b| !(b.is_ascii_alphanumeric() || b"_-".contains(&b)))?;
            // Inside a `[` list only: prose has words like `keyctl,` too (the shim's own
            // reasons).
            let opened = bytes[..=start].iter().rposition(|&b| b == b'[')?;
            let opened_item = !bytes[opened..start].contains(&b']')
                && (bytes[start] == b'[' || bytes[..=start].ends_with(b", ") || bytes[start] == b',');
            let key = before[start + 1..].to_ascii_uppercase();
            (opened_item && !key.is_empty() && SECRET_WORDS.iter().any(|w| key.contains(w)))
                .then_some(comma + 1)
        })
    });
    let keyed = text.match_indices(':').find_map(|(colon, _)| {
        let before = text[..colon].trim_end_matches([' ', '\t']);
        let key = match before.as_bytes().last() {
            Some(&quote @ (b'"' | b'\'')) => {
                let open = bytes[..before.len() - 1].iter().rposition(|&b| b == quote)?;
                &text[open + 1..before.len() - 1]
            }
            // An unquoted key, as YAML and a script's object literal write it: only with a
            // blank after the colon (`password: x`, `{apiKey: k}`), which no path, image
            // reference or URL holds.
            Some(_) if matches!(bytes.get(colon + 1), Some(b' ' | b'\t')) => {
                let start = before
                    .bytes()
                    .rposition(|b| !(b.is_ascii_alphanumeric() || b"_-.".contains(&b)))
                    .map_or(0, |p| p + 1);
                // A path's last component is no key (`.aws/credentials: the runtime ...`).
                if start > 0 && bytes[start - 1] == b'/' {
                    return None;
                }
                &before[start..]
            }
            _ => return None,
        };
        let key = key.to_ascii_uppercase();
        let blanks = text[colon + 1..].len() - text[colon + 1..].trim_start_matches([' ', '\t']).len();
        // A key that is a signature's or a session's name whole (`{"sig": ...}`, `"bearer":`:
        // the thirty-first pass's Low), besides any holding a secret word.
        let whole = SECRET_QUERY_KEYS.contains(&key.as_str()) || SECRET_OPTION_WORDS.contains(&key.as_str());
        (whole || SECRET_WORDS.iter().any(|w| key.contains(w))).then_some(colon + 1 + blanks)
    });
    match (listed, keyed) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Query keys of a signed or one-time URL whose value is the credential (Azure's SAS `sig`,
/// AWS's and Google's signatures and signing keys, an OAuth redirect's `code`), upper case.
const SECRET_QUERY_KEYS: &[&str] = &[
    "SIG",
    "SIGNATURE",
    "CODE",
    "X-AMZ-SIGNATURE",
    "X-AMZ-CREDENTIAL",
    "X-GOOG-SIGNATURE",
    "X-GOOG-CREDENTIAL",
];

/// Where the content of an XML element with a secret-looking name begins
/// (`<password>X</password>`, `<apiKey>`: Maven's and NuGet's settings written inline): just
/// after its `>`.
fn xml_secret_element(text: &str) -> Option<usize> {
    text.match_indices('<').find_map(|(open, _)| {
        let rest = &text[open + 1..];
        let end = rest.find('>')?;
        // The element's name, its attributes after a blank (`<password type="plain">`).
        let tag = &rest[..end];
        let name = &tag[..tag.find(|c: char| c.is_ascii_whitespace()).unwrap_or(tag.len())];
        let element = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.:".contains(&b));
        let upper = name.to_ascii_uppercase();
        (element && SECRET_WORDS.iter().any(|w| upper.contains(w))).then_some(open + 1 + end + 1)
    })
}

/// How well-known credentials begin, whatever name they are given under (`-e X=sk-ant-...`: the
/// red team's): API keys of the model vendors, GitHub's, GitLab's and Slack's tokens, Google's
/// keys and OAuth tokens, npm's, PyPI's and Hugging Face's, and a PEM private key. A token counts
/// when at least 8 more characters follow the prefix.
const SECRET_PREFIXES: &[&str] = &[
    "sk-",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxr-",
    "xoxs-",
    "xapp-",
    "AIza",
    "ya29.",
    "npm_",
    "pypi-",
    "hf_",
    // OneCLI's per-agent proxy token, which nanoclaw hands agents inside its proxy URLs.
    "aoc_",
    // Groq's, Docker Hub's, Tailscale's keys and Slack's refreshable tokens (the thirty-second
    // pass's look).
    "gsk_",
    "dckr_pat_",
    "tskey-",
    "xoxe-",
    "xoxe.",
    // Stripe's, Shopify's, DigitalOcean's and SendGrid's keys (the thirty-first pass's look).
    "sk_live_",
    "rk_live_",
    "shpat_",
    "shpss_",
    "dop_v1_",
    "SG.",
    // Webhook URLs carry their secret in the path.
    "https://hooks.slack.com/",
    "https://discord.com/api/webhooks/",
    "https://discordapp.com/api/webhooks/",
];

/// [`SECRET_PREFIXES`] distinct enough to count inside a word ([`shaped_secret_at`]).
const DISTINCT_PREFIXES: &[&str] = &[
    "sk-ant-",
    "sk-proj-",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "xapp-",
    "aoc_",
];

/// Where a token shaped like a credential ([`SECRET_PREFIXES`], an AWS access key id, a PEM
/// block) starts in `text`, at the start of a word or a value, and where its word ends (`None`
/// for a PEM block, whose key runs on past its first word).
fn shaped_secret_at(text: &str) -> Option<(usize, Option<usize>)> {
    let bytes = text.as_bytes();
    let word_end = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',');
    for (i, _) in text.char_indices() {
        // Wherever a word or a part of one starts: after any character but a letter or digit
        // (`(ghp_...`, `;ghp_`, `https://x/ghp_...`, an unknown flag `--ghp_...`: the
        // fifty-first look's), so that `task-runner` is not `sk-runner`.
        // An escape a message's quoting wrote (`"\tsk-ant-..."`: Rust's `{:?}` turns a tab into
        // `\t`, the seventy-seventh look's) ends a word as the character it stands for does.
        let escaped = i > 1 && bytes[i - 2] == b'\\' && matches!(bytes[i - 1], b't' | b'n' | b'r' | b'0');
        // So does a URL's percent-encoded separator (`X%3Dsk-ant-...`, `%2Fghp_...`: the
        // eighty-fourth look's).
        let encoded = i > 2
            && bytes[i - 3] == b'%'
            && bytes[i - 2].is_ascii_hexdigit()
            && bytes[i - 1].is_ascii_hexdigit();
        let rest = &text[i..];
        // A prefix no word holds, followed by a token's worth of its characters, counts glued
        // to a word too (`/tmp/xsk-ant-...`, `echo xghp_...`: the thirty-first pass's look).
        let glued = DISTINCT_PREFIXES.iter().any(|p| {
            rest.strip_prefix(p).is_some_and(|t| {
                t.bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
                    .count()
                    >= 16
            })
        });
        if i > 0 && bytes[i - 1].is_ascii_alphanumeric() && !escaped && !encoded && !glued {
            continue;
        }
        if rest.starts_with("-----BEGIN") {
            return Some((i, None));
        }
        let token = &rest[..rest.find(word_end).unwrap_or(rest.len())];
        let prefixed = SECRET_PREFIXES
            .iter()
            .any(|p| token.starts_with(p) && token.len() >= p.len() + 8);
        let aws = (token.starts_with("AKIA") || token.starts_with("ASIA"))
            && token.len() >= 20
            && token.as_bytes()[4..20]
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        // A JSON Web Token: base64url of `{"` (`eyJ`), then its header, payload and signature
        // (an OAuth access token, a session's cookie).
        let jwt = token.starts_with("eyJ") && token.len() >= 24 && token.contains('.');
        // A Telegram bot's token, `bot` then its number, `:`, 35 characters (in the Bot API's
        // URLs, `https://api.telegram.org/bot123456:AA.../sendMessage`).
        let telegram = telegram_token(token.strip_prefix("bot").unwrap_or(token));
        if prefixed || aws || jwt || telegram {
            // The token's own characters (base64url, a JWT's dots, a Telegram token's `:`), not
            // the `):` of the text quoting it.
            let own = token
                .bytes()
                .take_while(|&b| b.is_ascii_alphanumeric() || b"_-.:/+=".contains(&b))
                .count();
            return Some((i, Some(i + own)));
        }
    }
    None
}

/// Whether `token` begins as a Telegram bot token does: 6 to 12 digits, `:`, then at least 30
/// characters of base64url.
fn telegram_token(token: &str) -> bool {
    let Some((number, secret)) = token.split_once(':') else {
        return false;
    };
    let secret = &secret[..secret.find('/').unwrap_or(secret.len())];
    (6..=12).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
        && secret.len() >= 30
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Inside a command, every password of `curl -u user:password` in its spellings (`-u x:y`,
/// `-ux:y`, `--user x:y`, `--user=x:y`), and of `mysql -ppassword` (a client of MySQL or
/// MariaDB named in the text). The glued spellings count only after a blank, inside a command:
/// a token that starts with them is docker's own `-u` (`-u1000:1000`).
fn redact_user_passwords(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mysql = lower.contains("mysql") || lower.contains("mariadb");
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    let mut from = 0;
    // (spelling, whether the whole value is the secret rather than what follows its `:`).
    let spellings: &[(&str, bool)] = &[
        ("-u ", false),
        ("--user ", false),
        (" --user=", false),
        ("--proxy-user ", false),
        (" --proxy-user=", false),
        (" -u", false),
        (" -p", true),
    ];
    // The next place `opt` is written from `from` on; a glued spelling (no trailing blank) only
    // where a value follows it at once.
    let next = |from: usize, opt: &str| {
        let mut at = from;
        while let Some(p) = lower[at..].find(opt) {
            let after = at + p + opt.len();
            let glued = !opt.ends_with(' ') && !opt.ends_with('=');
            if !glued || lower[after..].starts_with(|c: char| !c.is_ascii_whitespace()) {
                return Some(at + p);
            }
            at = after;
        }
        None
    };
    while let Some((at, opt, whole)) = spellings
        .iter()
        .filter(|(_, whole)| !*whole || mysql)
        .filter_map(|&(opt, whole)| next(from, opt).map(|p| (p, opt, whole)))
        .min()
    {
        let arg = at + opt.len();
        let end = text[arg..].find([' ', '\t']).map_or(text.len(), |e| arg + e);
        let value = &text[arg..end];
        // `-p` must have its value glued to it, and a glued `-u` is not another flag (`-uv`).
        let secret_from = if whole {
            (!value.is_empty() && !value.starts_with('-')).then_some(arg)
        } else {
            value.find(':').map(|colon| arg + colon + 1)
        };
        if let Some(start) = secret_from.filter(|&st| st <= end && st > done) {
            out.push_str(&text[done..start]);
            out.push_str(REDACTED);
            done = end;
        }
        from = end.max(arg);
    }
    out.push_str(&text[done..]);
    out
}

/// An image reference holding a registry's userinfo (`docker.io/u:PASS@x/y`) as display text, the
/// password redacted whatever it holds: a token is known whole, so a password with a blank, `,`,
/// `=`, a quote or `/` ends at its last `@` (the look `gu`: the words [`redact_userinfo`] split at
/// showed `hun,ter2` and `hun ter2`). `None` where no userinfo is there ([`userinfo_span`]).
fn image_userinfo(image: &str) -> Option<String> {
    let (colon, at) = userinfo_span(image)?;
    Some(format!(
        "{}{REDACTED}{}",
        redact_text(&image[..=colon]),
        redact_text(&image[at..])
    ))
}

/// The digests an image reference may end in (`alpine:3@sha256:...`).
const DIGESTS: [&str; 3] = ["sha256:", "sha384:", "sha512:"];

/// Where a `user:password@host` in `word` holds its password: after the first `:` past the first
/// `/` (an image reference's path: `docker.io/u:PASS@x/y`), up to the last `@` that does not
/// start a digest (`docker.io/u:PASS@x/y@sha256:...` was shown whole: the look `hc`). `None`
/// for an image's digest alone (`alpine:3@sha256:...`) and for one redacted already.
fn userinfo_span(word: &str) -> Option<(usize, usize)> {
    let digest = |at: usize| DIGESTS.iter().any(|d| word[at + 1..].starts_with(d));
    let at = word.rmatch_indices('@').map(|(i, _)| i).find(|&i| !digest(i))?;
    // Past the first `/` (a registry's `host:port/` is no password), else from the start: a
    // password holding `/` hid its `:` so (`u:pa/ss@reg/x`: the look `he`).
    let colon_from = |from: usize| word[from..at].find(':').filter(|&c| c > 0).map(|c| from + c);
    let colon = word[..at]
        .find('/')
        .and_then(|s| colon_from(s + 1))
        .or_else(|| colon_from(0))?;
    // (A URL's scheme is no user: [`redact_url_credentials`] judged it.)
    let judged = word[colon + 1..].starts_with("//") || word[colon + 1..at].contains(REDACTED);
    (at + 1 < word.len() && !judged).then_some((colon, at))
}

/// Every `user:password@host` written without a scheme (`curl -x u:p@proxy:3128`, a label's
/// `u:p@db`, an image reference's `docker.io/u:p@x/y`): the password redacted, in each word
/// between blanks and quotes ([`userinfo_span`]; a URL's credentials are redacted already by
/// [`redact_url_credentials`]). Not split at `,` or `=`, which a password may hold (the look
/// `hc`: `u:hun,ter2@x/y` in a refusal of `tag`); one holding a blank is shown in part.
fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = 0;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        let ends = i == text.len() || c.is_whitespace() || matches!(c, '"' | '\'');
        if !ends {
            continue;
        }
        let word = &text[start..i];
        let userinfo = userinfo_span(word);
        let shown = match userinfo {
            Some((colon, at)) => format!("{}{REDACTED}{}", &word[..=colon], &word[at..]),
            _ => word.to_string(),
        };
        out.push_str(&shown);
        if i < text.len() {
            out.push(c);
        }
        start = i + c.len_utf8();
    }
    out
}

/// A URL's authority ends at `/`, `?`, `#` or a blank, as RFC 3986 and Go's `url.Parse` read it:
/// `,` and `=` are legal in a password (`http://u:SEC,RET@proxy`). An authority without a scheme
/// (`//user:password@host/share`, a CIFS `device=`) counts where `//` starts a word or a value.
fn redact_url_credentials(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while let Some(off) = text[i..].find("//") {
        let p = i + off;
        let auth = p + 2;
        let opens = p == 0 || matches!(b[p - 1], b':' | b' ' | b'\t' | b'=' | b',' | b'"' | b'\'');
        if !opens {
            i = auth;
            continue;
        }
        let end = text[auth..]
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .map_or(text.len(), |e| auth + e);
        // A password holding `/`, `?` or `#` unencoded (`http://u:ab/CD@h`: RFC 3986 forbids
        // it, yet proxies and clients read the userinfo up to the last `@`: the thirty-first
        // pass's Low): where a `:` comes before, the authority runs to the last `@` before a
        // blank, even when what follows the `:` reads as a port (`u:8080/PW@proxy`: the
        // thirty-second pass's look). A URL with a port and an `@` in its path
        // (`http://h:8080/@scope/pkg`) is over-redacted so.
        let word_end = text[auth..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\''))
            .map_or(text.len(), |e| auth + e);
        let end = match text[auth..end].split_once(':') {
            Some(_) if !text[auth..end].contains('@') && text[end..word_end].contains('@') => {
                end + text[end..word_end].rfind('@').map_or(0, |a| a + 1)
            }
            _ => end,
        };
        if let Some(at) = text[auth..end].rfind('@') {
            out.push_str(&text[copied..auth]);
            out.push_str(REDACTED);
            copied = auth + at;
        }
        i = end.max(auth);
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> String {
        display(OsStr::new(s))
    }

    /// A URL's password may hold `,` and `=`, and an authority may come without a scheme (the
    /// fifty-second look's: each was shown, whole or in part).
    /// A driver's options after `-o` are hidden whole in the log's argv, as in a refusal's
    /// reason (the look `gn`); a build's `-o type=...` output is shown.
    #[test]
    fn driver_options_are_hidden_in_the_argv() {
        let words = |w: &[&str]| argv(&w.iter().map(std::ffi::OsString::from).collect::<Vec<_>>());
        assert_eq!(
            words(&["network", "create", "-o", "foo=SEKRIT", "n"]),
            ["network", "create", "-o", REDACTED, "n"]
        );
        assert_eq!(
            words(&["volume", "create", "--opt", "o=username=u%pw", "v"]),
            ["volume", "create", "--opt", REDACTED, "v"]
        );
        assert_eq!(
            words(&["build", "-o", "type=local,dest=out", "."]),
            ["build", "-o", "type=local,dest=out", "."]
        );
    }

    /// Past a flag the parser does not know, the argv does not read: every word after it is
    /// hidden, flags shown by their names (the look `gn`: `run --frob key=VALUE` was shown
    /// whole in the log and the diagnostics).
    #[test]
    fn an_argv_past_an_unknown_flag_is_hidden() {
        let words = |w: &[&str]| argv(&w.iter().map(std::ffi::OsString::from).collect::<Vec<_>>());
        assert_eq!(
            words(&["run", "--rm", "--frob", "n=VALUE", "-e", "img", "true"]),
            ["run", "--rm", "--frob", REDACTED, "-e", REDACTED, REDACTED]
        );
        assert_eq!(
            words(&["run", "--name", "n", "--frob=VALUE", "--env=x=y", "img"]),
            [
                "run",
                "--name",
                "n",
                &format!("--frob={REDACTED}"),
                &format!("--env={REDACTED}"),
                REDACTED
            ]
        );
        assert_eq!(
            words(&["run", "-itZ", "n=VALUE", "img"]),
            ["run", "-itZ", REDACTED, REDACTED]
        );
        assert_eq!(
            words(&["run", "--rm", "--name", "n=VALUE", "img", "true"]),
            ["run", "--rm", "--name", "n=VALUE", "img", "true"]
        );
    }

    /// A token of a known shape is hidden alone, and the words after it kept and judged (the
    /// look `hf`: a FIFO named `ghp_...` cut a refusal's reason and remedy); a key's block, or a
    /// secret `NAME=` before the token, still hides the rest.
    #[test]
    fn a_shaped_token_is_hidden_alone() {
        let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
        let shown = message(&format!(
            "mounts a folder holding a socket or FIFO at its top (/g/{token}): a host service; remove it [deny.sensitive-mount]"
        ));
        assert!(!shown.contains(token) && shown.contains(REDACTED), "{shown}");
        assert!(
            shown.ends_with(": a host service; remove it [deny.sensitive-mount]"),
            "{shown}"
        );
        let shown = message(&format!("{token} then AKIAIOSFODNN7EXAMPLE and password=hunter2"));
        assert!(
            !shown.contains("AKIA") && !shown.contains("hunter2") && shown.contains(" then "),
            "{shown}"
        );
        for hidden in [
            format!("API_TOKEN={token} and more"),
            "-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXk".to_string(),
        ] {
            let shown = message(&hidden);
            assert!(!shown.contains("more") && !shown.contains("b3Bl"), "{shown}");
        }
    }

    /// A key of no known shape is redacted wherever it stands, in a token or in a line the shim
    /// composes (the look `gn`: `--shm-size=KEY` was quoted back by its refusal, as were a dozen
    /// other flags' values); podman's ids and digests, and short words, are shown. So is the
    /// password of a registry's userinfo after a path (`docker.io/u:PASS@x/y`).
    #[test]
    fn a_key_of_no_known_shape_is_redacted() {
        let key = "0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3";
        for t in [
            format!("--shm-size={key}"),
            format!("--userns={key}"),
            format!("-p127.0.0.1:{key}:80"),
            format!("refused: --security-opt={key}: security option \"{key}\" is not on the list"),
        ] {
            let shown = display(OsStr::new(&t));
            assert!(!shown.contains(key) && shown.contains(REDACTED), "{shown}");
        }
        assert_eq!(
            d(&format!("--oom-score-adj=x{key}y")),
            format!("--oom-score-adj={REDACTED}")
        );
        assert_eq!(message(&format!("a {key}: b")), format!("a {REDACTED}: b"));
        let id = "b3a1299bd20226f27d06c6e8bbab956cabdf5967b027042a41b7c51f1c9a60ac";
        for shown in [
            format!("rm {id}"),
            format!("alpine@sha256:{id}"),
            "--shm-size=2g".into(),
            "--memory=1000000000000000000000".into(),
            "/home/u/nanoclaw/groups/telegram_main".into(),
            "--name=nanoclaw-v2-agent-1712345678901-x7k2m9".into(),
        ] {
            assert_eq!(d(&shown), shown);
        }
        assert_eq!(d("docker.io/u:PASS@x/y"), format!("docker.io/u:{REDACTED}@x/y"));
        assert_eq!(d("docker.io/u:PA/SS@x/y"), format!("docker.io/u:{REDACTED}@x/y"));
        // As the image of a `run`, whatever the password holds (the look `gu`'s remainder).
        let words = |w: &[&str]| argv(&w.iter().map(std::ffi::OsString::from).collect::<Vec<_>>());
        for pass in [
            "hun/ter2",
            "hun,ter2",
            "hun=ter2",
            "hun ter2",
            "hun\"ter2",
            "hun'ter2",
        ] {
            let image = format!("registry.example/u:{pass}@x/y");
            assert_eq!(
                words(&["run", "--rm", &image, "true"]),
                [
                    "run",
                    "--rm",
                    &format!("registry.example/u:{REDACTED}@x/y"),
                    "true"
                ],
                "{pass}"
            );
        }
        let pinned = "alpine:3@sha256:b3a1299bd20226f27d06c6e8bbab956cabdf5967b027042a41b7c51f1c9a60ac";
        assert_eq!(words(&["run", pinned, "true"]), ["run", pinned, "true"]);
        // Every command's image, a digest after the userinfo, and a refusal's text (the look
        // `hc`: `pull`, `tag`, `history`, `u:hunter2@x/y@sha256:...`, `refused: u:hun,ter2@x/y`).
        let digest = &pinned["alpine:3".len()..];
        for (argv, at) in [
            (vec!["pull", "registry.example/u:hun,ter2@x/y"], 1),
            (vec!["image", "inspect", "registry.example/u:hun ter2@x/y"], 2),
            (vec!["history", "registry.example/u:hun ter2@x/y"], 1),
            (vec!["tag", "nanoclaw-x", "registry.example/u:hun,ter2@x/y"], 2),
        ] {
            let shown = words(&argv);
            assert_eq!(
                shown[at],
                format!("registry.example/u:{REDACTED}@x/y"),
                "{argv:?}"
            );
        }
        assert_eq!(
            words(&["pull", "u:pa/ss@reg/x"])[1],
            format!("u:{REDACTED}@reg/x")
        );
        assert!(!message("refused: u:pa/ss@reg/x: an image name").contains("pa/ss"));
        let with_digest = format!("registry.example/u:hunter2@x/y{digest}");
        assert_eq!(
            words(&["run", &with_digest, "true"])[1],
            format!("registry.example/u:{REDACTED}@x/y{digest}")
        );
        for text in [
            "refused: registry.example/u:hun,ter2@x/y: an image name outside writable_images",
            "the base image registry.example/u:hun=ter2@x/y is not in local storage",
        ] {
            let shown = message(text);
            assert!(!shown.contains("ter2") && shown.contains(REDACTED), "{shown}");
        }
        assert_eq!(
            d("docker.io:443/u:PASS@x"),
            format!("docker.io:443/u:{REDACTED}@x")
        );
        // Shapes the look `gu` found printed: base64 with `+/=`, a key split by dashes, letters of
        // both cases alone; each hidden whole.
        for key in [
            "PtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA/",
            "Zm9vYmFyYmF6cXV4+cXV1eA==",
            "aB3dE-fG5hI-jK7lM-nO9pQ-rS1tU",
            "QwErTyUiOpAsDfGhJkLzXcVbNm",
        ] {
            let shown = d(&format!("--hostname={key}"));
            assert!(shown.starts_with("--hostname=<redacted>"), "{key}: {shown}");
            for part in key.split(['/', '-', '+', '=']).filter(|p| p.len() > 3) {
                assert!(!shown.contains(part), "{key}: {shown}");
            }
        }
        // nanoclaw's own names and paths, and the shim's, are shown.
        for shown in [
            "/home/alice/nanoclaw/data/v2-sessions/ag-1779100000000-k3x9qa/sess-1779100000000-1g0xc8:/workspace",
            "/home/alice/nanoclaw/data/onecli/ca-6d4eb777486f8fe555fe2e66f6cc2039f972f52714584e58d1f79e1cfe70f5f6.pem:/tmp/onecli-gateway-ca.pem:ro",
            "nanoclaw-agent-v2-3f9a1c0e",
            "/run/nanoclaw-shim/hooks.004ef95d35eeb6d3",
            "buildAgentGroupImage",
            "/home/josé/Téléchargements/Présentations:/w",
            // nanoclaw's newest names: an install's hash, a time, a random tail (the look `gw`
            // saw one in a hundred hidden whole).
            "--name=ncl-9c3e7f1d-sess-1786000000000-w2c7z9",
            "localhost/nanoclaw-agent-v2-9c3e7f1d:ag-1786000000000-p4m8r2",
        ] {
            assert_eq!(d(shown), shown);
        }
        // The shim's own seccomp copy in its hook folder is shown (the look `gy`).
        let own = "--security-opt=seccomp=/run/user/1001/nanoclaw-shim/hooks.004ef95d35eeb6d3/seccomp-9a1b2c3d4e5f6a7b.profile";
        assert_eq!(d(own), own);
        // So is an environment variable's name judged as text (the look `gy`).
        for t in [
            "-ehttps://bob:hunter2pass@db.example=v",
            "--env=xoxb-123456789012-abcdefabcdef=v",
        ] {
            let shown = d(t);
            assert!(
                !shown.contains("hunter2pass") && !shown.contains("abcdefabcdef"),
                "{shown}"
            );
        }
        // A label's key is judged as text too (the looks `gw` and `gx`).
        let shown = d("--label=0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3=v");
        assert_eq!(shown, format!("--label={REDACTED}={REDACTED}"));
        for key in [
            "https://bob:hunter2pass@db.example",
            "xoxb-123456789012-abcdefabcdef",
        ] {
            let shown = d(&format!("--annotation={key}=v"));
            assert!(
                !shown.contains("hunter2pass") && !shown.contains("abcdefabcdef"),
                "{shown}"
            );
        }
        assert_eq!(d("u:PASS@registry/img"), format!("u:{REDACTED}@registry/img"));
        assert_eq!(
            d("docker.io/library/alpine:3@sha256:ab"),
            "docker.io/library/alpine:3@sha256:ab"
        );
        assert_eq!(d("git@github.com:org/repo"), "git@github.com:org/repo");
    }

    /// A token past the length judged part by part is shown redacted but for its flag's name,
    /// at once (the look `gn`: 16 KiB of `=` took seconds, and minutes with the decision log);
    /// the shim's own mount record is read whole.
    #[test]
    fn a_long_token_is_redacted_whole_at_once() {
        let eq = "=".repeat(64 * 1024);
        for t in [eq.clone(), format!("--name={eq}"), format!("-v/a:{eq}")] {
            let shown = display(OsStr::new(&t));
            assert!(
                shown.len() < 100 && shown.ends_with(REDACTED),
                "{}",
                &shown[..shown.len().min(80)]
            );
        }
        let shown = argv(&[
            std::ffi::OsString::from("run"),
            format!("--name={eq}").into(),
            "img".into(),
            eq.clone().into(),
        ]);
        assert_eq!(shown, ["run", "--name=<redacted>", "img", "<redacted>"]);
        assert_eq!(
            message(&format!("bad value {eq} here")),
            "bad value <redacted> here"
        );
        // A long line of short words is read as before.
        let line = "a=1 ".repeat(300) + "TOKEN=x";
        assert!(message(&line).ends_with("TOKEN=<redacted>"));
        // A token just within is judged as before; the shim's own long mount record whole.
        let within = format!("TOKEN={}", "a".repeat(MAX_JUDGED - 6));
        assert_eq!(display(OsStr::new(&within)), "TOKEN=<redacted>");
        let entry = "2049:131:1700000000:2f776f726b7370616365";
        let record = format!(
            "--annotation={}={}",
            crate::mountcheck::KEY,
            vec![entry; 60].join(";")
        );
        assert!(record.len() > MAX_JUDGED);
        let shown = display(OsStr::new(&record));
        assert!(
            shown.contains(entry) && !shown.contains(REDACTED),
            "the record was hidden"
        );
    }

    #[test]
    fn url_credentials_with_any_legal_character() {
        for text in [
            "db=postgres://u:SECRET,VALUE123@db/x",
            "git clone https://u:SECRET,VALUE123@git.example/x",
            "curl http://u:SECRETVA=LUE123@h/",
            "device=//u:SECRETVALUE123@h/s",
            "//u:SECRETVALUE123@h/share",
            "a,http://u:SECRETVALUE123@h",
        ] {
            let shown = d(text);
            assert!(
                !shown.contains("SECRET") && !shown.contains("VALUE123"),
                "{text} -> {shown}"
            );
            assert!(shown.contains(REDACTED), "{text} -> {shown}");
        }
        assert_eq!(d("https://h/a//b,c"), "https://h/a//b,c");
        assert_eq!(d("/srv//x"), "/srv//x");
        assert_eq!(
            d("http://u:p@h/x http://v:q@k"),
            format!("http://{REDACTED}@h/x http://{REDACTED}@k")
        );
    }

    /// A command written as one string (a shell's script, a shell-form health check) is judged
    /// word by word as a command's own words are (the fifty-second look's).
    #[test]
    fn credentials_in_a_shell_form_command() {
        let os = |w: &[&str]| -> Vec<std::ffi::OsString> { w.iter().map(Into::into).collect() };
        for cmd in [
            "curl -fsu user:SECRETVALUE123 http://localhost/",
            "redis-cli -a SECRETVALUE123 ping",
            "smbclient -U u%SECRETVALUE123 //h/s",
            "lftp -u u,SECRETVALUE123 h",
            "openssl enc -k SECRETVALUE123",
            "curl -E cert.pem:SECRETVALUE123 https://h",
            "curl --cookie sess=SECRETVALUE123 https://h",
            "curl -b sess=SECRETVALUE123 https://h",
            "sshpass -p SECRETVALUE123 ssh h",
            "[ -f /x ] && curl -fsu user:SECRETVALUE123 http://h/",
            "[ -f /x ] && redis-cli -a SECRETVALUE123 ping",
        ] {
            for argv in [
                os(&["run", "--health-cmd", cmd, "img"]),
                os(&["run", &format!("--health-cmd={cmd}"), "img"]),
                os(&["run", "img", "sh", "-c", cmd]),
            ] {
                let shown = super::argv(&argv).join(" ");
                assert!(!shown.contains("SECRETVALUE123"), "{argv:?} -> {shown}");
            }
        }
        // docker's own `-u` before the image is docker's, and a plain script keeps its words.
        let shown = super::argv(&os(&[
            "run",
            "-u",
            "1000:1000",
            "img",
            "sh",
            "-c",
            "echo hi there",
        ]));
        assert_eq!(
            shown,
            ["run", "-u", "1000:1000", "img", "sh", "-c", "echo hi there"]
        );
    }

    /// The thirty-first pass's Lows: secrets by position after a program's name (`vault login
    /// T`, `htpasswd -b F U P`, `sqlplus u/p@db`), a glued `Authentication:` header, a signature's
    /// JSON key, a secret word as an unquoted list item, a password holding `/` in a URL. Each is
    /// a command word, a shell string and an exec-form item; each was shown before.
    #[test]
    fn secrets_by_position_header_key_and_item_are_redacted() {
        let os = |w: &[&str]| -> Vec<std::ffi::OsString> { w.iter().map(Into::into).collect() };
        for cmd in [
            "vault login SECRETVALUE123",
            "/usr/bin/vault login -no-print SECRETVALUE123",
            "htpasswd -b /etc/h admin SECRETVALUE123",
            "htpasswd -Bbc /etc/h admin SECRETVALUE123",
            "htpasswd -nb admin SECRETVALUE123",
            "sqlplus scott/SECRETVALUE123@orcl",
            "sqlplus -s scott/SECRETVALUE123",
            "curl -H Authentication:SECRETVALUE123 http://h",
            r#"curl -d {"sig":"SECRETVALUE123"} http://h"#,
            "python3 -c cfg=[password, SECRETVALUE123]",
            "curl http://u:ab/SECRETVALUE123@h/x",
            // The thirty-second pass's second looks: options between, other tools, other places.
            "vault login -address http://v:8200 SECRETVALUE123",
            "cargo login SECRETVALUE123",
            "htpasswd -b -C 10 /etc/h admin SECRETVALUE123",
            "sqlplus -R 1 scott/SECRETVALUE123@orcl",
            "rman target sys/SECRETVALUE123@db",
            "dgmgrl sys/SECRETVALUE123@db",
            "mc alias set m http://minio:9000 admin SECRETVALUE123",
            "redis-cli AUTH default SECRETVALUE123",
            "valkey-cli -a SECRETVALUE123 ping",
            "http -a u:SECRETVALUE123 https://h",
            "kubectl create secret generic s --from-literal=pw=SECRETVALUE123",
            "kubectl create secret generic s --from-literal pw=SECRETVALUE123",
            "curl -x http://u:8080/SECRETVALUE123@proxy https://x",
            "curl -x agent:SECRETVALUE123@shared-proxy.corp:3128 https://x",
            "echo gsk_SECRETVALUE123abcdef dckr_pat_SECRETVALUE123abc tskey-SECRETVALUE123abc",
        ] {
            let words: Vec<&str> = cmd.split(' ').collect();
            let exec_form = serde_json::to_string(&words).unwrap();
            for argv in [
                os(&[&["run", "img"][..], &words].concat()),
                os(&["run", "img", "sh", "-c", cmd]),
                os(&["run", "--health-cmd", &exec_form, "img"]),
            ] {
                let shown = super::argv(&argv).join(" ");
                assert!(!shown.contains("SECRETVALUE123"), "{argv:?} -> {shown}");
            }
        }
        // What is not a secret stays: the user, the database, the host, the file, a port.
        let shown = super::argv(&os(&["run", "img", "sqlplus", "scott/pw@orcl"])).join(" ");
        assert!(shown.ends_with("scott/<redacted>@orcl"), "{shown}");
        let shown = super::argv(&os(&["run", "img", "htpasswd", "-b", "/etc/h", "admin", "pw"])).join(" ");
        assert!(shown.ends_with("/etc/h admin <redacted>"), "{shown}");
        for plain in ["vault status", "echo a, b", "ls dir/file"] {
            let shown = super::argv(&os(&["run", "img", "sh", "-c", plain])).join(" ");
            assert!(shown.ends_with(plain), "{shown}");
        }
    }

    /// A shell string inside a JSON array, or as one token anywhere (a refused flag's value),
    /// is read word by word; and percent-encoded text holding a secret is shown as written up
    /// to the encoded word, never decoded (the thirty-second pass's look: decoding turned
    /// `7%2FqR9S` into a password the URL rules read as a port and a path).
    #[test]
    fn shell_strings_anywhere_and_encoded_words_are_redacted() {
        for token in [
            r#"["CMD-SHELL","redis-cli -a SECRETVALUE123 ping"]"#,
            r#"["/bin/sh","-c","sshpass -p SECRETVALUE123 ssh h"]"#,
            "--health-startup-cmd=redis-cli -a SECRETVALUE123 ping",
            r#"psql "postgresql://app:7%2FqR9SECRETVALUE123@db:5432/prod" && curl -H "Authorization: Bearer $T" https://h"#,
            "db=postgresql://app:7%3FSECRETVALUE123@db/prod;token=abc",
            "u%2Fx:SECRETVALUE123@db token=abc",
        ] {
            let shown = d(token);
            assert!(!shown.contains("SECRETVALUE123"), "{token} -> {shown}");
        }
        // What comes before the encoded word is shown.
        let shown = d(r#"psql "postgresql://app:7%2FqR9S@db" -c 'select 1' token=x"#);
        assert!(shown.starts_with("psql "), "{shown}");
    }

    /// The thirty-second pass's second look: an environment value or a secret flag's value
    /// holding a blank, an exec-form command with an escape in another item, a line's
    /// continuation between an option and its value, glued option values, here-strings,
    /// positions after other programs' words, what is piped into a program reading a secret.
    #[test]
    fn secrets_around_blanks_escapes_continuations_and_pipes_are_redacted() {
        for token in [
            "--env=openai=SECRETVALUE123\n",
            "--env=gh_Pat=SECRETVALUE123 ",
            "--env-merge=openai=SECRETVALUE123 ",
            "--decryption-key=/k.pem:SECRETVALUE123 x",
            r#"["CMD","curl","-u","admin:SECRETVALUE123","http://x/%41"]"#,
            r#"["CMD","curl","-u","admin:SECRETVALUE123","http:\/\/x\/"]"#,
        ] {
            let shown = d(token);
            assert!(!shown.contains("SECRETVALUE123"), "{token:?} -> {shown}");
        }
        let os = |w: &[&str]| -> Vec<std::ffi::OsString> { w.iter().map(Into::into).collect() };
        for cmd in [
            "echo ran || curl --password \\\n  SECRETVALUE123 https://h",
            "sshpass -p \\\n SECRETVALUE123 ssh h",
            "curl --oauth2-bearer=x --bearer=SECRETVALUE123 https://h",
            "curl --session=SECRETVALUE123 https://h",
            "ldapsearch -x -D cn=admin,dc=x -wSECRETVALUE123",
            "sqlcmd -S h -PSECRETVALUE123",
            "mongosh -pSECRETVALUE123",
            "smbclient //fs/share SECRETVALUE123 -U alice",
            "smbclient '\\\\fs\\share' SECRETVALUE123",
            "sqlplus 'scott[hr]/SECRETVALUE123@orcl'",
            "sudo -S true <<< SECRETVALUE123",
            "echo SECRETVALUE123 | docker login --password-stdin -u u r",
            "printf 'SECRETVALUE123\\n' | sudo -S true",
            "echo app:SECRETVALUE123 | chpasswd",
            "npm config set //r/:_authToken SECRETVALUE123",
            "poetry config http-basic.repo user SECRETVALUE123",
            "mysql -e \"CREATE USER x IDENTIFIED BY 'SECRETVALUE123'\"",
            "rclone obscure SECRETVALUE123",
            "curl -H 'X-JFrog-Art-Api: SECRETVALUE123' https://h",
            "curl -d pw=SECRETVALUE123 https://h",
        ] {
            let shown = super::argv(&os(&["run", "img", "sh", "-c", cmd])).join(" ");
            assert!(!shown.contains("SECRETVALUE123"), "{cmd} -> {shown}");
        }
    }

    /// A refusal's text after a flag's token stays readable: its prose names credentials
    /// without being one (regressions of this pass hid "credentials (~/.ssh)", a mount's target
    /// after `.aws/credentials:`, an unknown flag's reason after `--bogus-token`, nanoclaw's
    /// session network's name).
    #[test]
    fn a_refusal_quoted_after_a_flag_is_read_as_prose() {
        for text in [
            "--volume=/h/.ssh:/s:ro: mounts the host's credentials (~/.ssh)",
            "--volume=/h/.aws/credentials:/x:ro: mounts the host's credentials (~/.aws)",
            "--env-file=/h/.aws/credentials: the runtime reads the host's credentials",
            "-v /srv/rtff/token:/x",
            "unknown flag --bogus-token for run/create; refusing rather than guessing its arity",
            "--log-opt=foo: a log option is name=value",
        ] {
            assert_eq!(d(text), text);
            assert_eq!(message(text), text);
        }
        let os = |w: &[&str]| -> Vec<std::ffi::OsString> { w.iter().map(Into::into).collect() };
        let argv = os(&[
            "network",
            "create",
            "--internal",
            "--label",
            "nanoclaw-role=session-network",
            "ncl-net",
        ]);
        assert_eq!(
            super::argv(&argv).join(" "),
            "network create --internal --label nanoclaw-role=session-network ncl-net"
        );
        // A label's or annotation's value that is a command is judged as one; a plain one is
        // shown as written.
        for (flag, shown) in [
            ("--label", "nanoclaw-note=sshpass -p <redacted> <redacted> host"),
            ("-l", "nanoclaw-note=docker login -p <redacted>"),
            (
                "--annotation",
                "nanoclaw-note=echo <redacted> | docker login --password-stdin",
            ),
            ("--label", "nanoclaw-note=vault login <redacted>"),
            ("--label", "nanoclaw-note=the session's network"),
            // Keys that say a secret (the thirty-sixth pass's look).
            ("--label", "session=<redacted>"),
            ("-l", "sig=<redacted>"),
            ("--annotation", "com.acme.webhook=<redacted>"),
            ("--label", "HMAC_KEY=<redacted>"),
            ("--label", "refresh=<redacted>"),
            ("--label", "otp=<redacted>"),
        ] {
            let value = match shown {
                "nanoclaw-note=the session's network" => shown.to_string(),
                _ => shown
                    .replace("<redacted> <redacted>", "Xy9pw ssh")
                    .replace("<redacted>", "Xy9pw"),
            };
            let words = super::argv(&os(&["run", flag, &value, "img"]));
            assert_eq!(words[2], shown, "{flag} {value}");
            let glued = super::argv(&os(&["run", &format!("{flag}={value}"), "img"]));
            if flag.starts_with("--") {
                assert_eq!(glued[1], format!("{flag}={shown}"), "{flag}={value}");
            }
        }
        let shown = super::argv(&os(&[
            "run",
            "img",
            "sh",
            "-c",
            "echo session started; cat /srv/token /etc/hosts",
        ]));
        assert!(
            shown
                .join(" ")
                .ends_with("echo session started; cat /srv/token /etc/hosts"),
            "{shown:?}"
        );
    }

    /// The thirty-second pass's third look: exec form after blanks, here-strings glued or
    /// quoted, a quoted secret spanning words, continuations glued to an option, quoted options,
    /// clusters, values before trailing options, pipes glued or later, SQL's `WITH ... BY`.
    #[test]
    fn secrets_past_the_second_look_s_rules_are_redacted() {
        for token in [
            r#" ["/bin/echo","curl","-u","admin:SECRETVALUE123","http://h"]"#,
            "--health-cmd= [\"CMD\",\"curl\",\"-u\",\"admin:SECRETVALUE123\"]",
        ] {
            let shown = d(token);
            assert!(!shown.contains("SECRETVALUE123"), "{token:?} -> {shown}");
        }
        let os = |w: &[&str]| -> Vec<std::ffi::OsString> { w.iter().map(Into::into).collect() };
        for cmd in [
            "sudo -S true <<<SECRETVALUE123",
            "sudo -S true <<< \"SECRETVALUE123 two SECRETVALUE123\"",
            "echo SECRETVALUE123|sudo -S true",
            "echo SECRETVALUE123 | sudo -kS true",
            "echo -SECRETVALUE123 | docker login --password-stdin",
            "echo SECRETVALUE123 | tee /dev/null | sudo -S true",
            "cargo login SECRETVALUE123 --registry x",
            "rclone obscure SECRETVALUE123 -v",
            "poetry config http-basic.repo user SECRETVALUE123 --local",
            "mc alias set m http://h admin SECRETVALUE123 --api S3v4",
            "smbclient //fs/share -U alice SECRETVALUE123",
            "sshpass -p\\\n SECRETVALUE123 ssh h",
            "sshpass '-p' SECRETVALUE123 ssh h",
            "ldapsearch -xwSECRETVALUE123",
            "mysql -e \"CREATE USER x IDENTIFIED WITH mysql_native_password BY 'SECRETVALUE123'\"",
            "mysql -e \"CREATE USER x IDENTIFIED BY 'two SECRETVALUE123'\"",
            "curl https://h/?session_id=SECRETVALUE123",
        ] {
            let shown = super::argv(&os(&["run", "img", "sh", "-c", cmd])).join(" ");
            assert!(!shown.contains("SECRETVALUE123"), "{cmd} -> {shown}");
        }
    }

    /// nanoclaw's own proxy token (OneCLI's `aoc_`) wherever a caller puts it, and any value
    /// after a long option named like a secret in the command (the thirty-first pass's look:
    /// `explain` and the decision log showed both).
    #[test]
    fn onecli_tokens_and_secret_named_options_are_redacted() {
        let os = |w: &[&str]| -> Vec<std::ffi::OsString> { w.iter().map(Into::into).collect() };
        let t = "aoc_0f3c9e2b7a41d8c6e5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170aa11";
        for argv in [
            os(&["run", "--label", &format!("nanoclaw-onecli={t}"), "img"]),
            os(&["run", "--annotation", &format!("a={t}"), "img"]),
            os(&["run", "--add-host", &format!("h:{t}"), "img"]),
            os(&["run", "--entrypoint", t, "img"]),
            os(&["run", "img", t]),
            os(&["run", "img", "sh", "-c", &format!("curl http://a/{t}/x")]),
        ] {
            let shown = super::argv(&argv).join(" ");
            assert!(!shown.contains("0f3c9e2b"), "{argv:?} -> {shown}");
        }
        let neutral = "NEUTRALVAL0123456789";
        for opt in [
            "--token",
            "--api-key",
            "--key",
            "--bearer",
            "--Auth-Token",
            "--session",
            "--sig",
            "--jwt",
            "--dsn",
            "--cred",
        ] {
            for argv in [
                os(&["run", "img", "agent", opt, neutral]),
                os(&["exec", "c", "agent", opt, neutral]),
                os(&[
                    "run",
                    "img",
                    "sh",
                    "-c",
                    &format!("agent {opt} {neutral} --verbose"),
                ]),
            ] {
                let shown = super::argv(&argv).join(" ");
                assert!(!shown.contains(neutral), "{argv:?} -> {shown}");
            }
        }
        // A distinct prefix glued to a word (the thirty-first pass's look).
        for glued in [
            "/tmp/xsk-ant-api03-NEUTRALabcdefghijklmnop",
            "xghp_NEUTRALabcdefghijklmnop",
        ] {
            let shown = super::argv(&os(&["run", "--env-file", glued, "img", "echo", glued])).join(" ");
            assert!(!shown.contains("NEUTRALabcdef"), "{shown}");
        }
        // Go's single-dash long options, in the command and in a shell string.
        for argv in [
            os(&["run", "img", "vault", "-token", neutral]),
            os(&["run", "img", "app", "-client_secret", neutral]),
            os(&["run", "img", "sh", "-c", &format!("app -api-key {neutral}")]),
        ] {
            let shown = super::argv(&argv).join(" ");
            assert!(!shown.contains(neutral), "{argv:?} -> {shown}");
        }
        // Encoded, however many times, or escaped for JSON or HTML.
        for encoded in [
            "proxy=http%3A%2F%2Fx%3ANEUTRAL0123456789%40host%3A10255",
            "h=Authorization%3A%20Bearer%09NEUTRAL0123456789",
            "q=access_token%25253DNEUTRAL0123456789",
            "cfg={\"proxy\":\"http:\\/\\/x:NEUTRAL0123456789@host:10255\"}",
            "q=token\\u003dNEUTRAL0123456789",
            "q=token&#61;NEUTRAL0123456789",
        ] {
            let shown = super::argv(&os(&["run", "img", "sh", encoded])).join(" ");
            assert!(!shown.contains(neutral), "{encoded} -> {shown}");
        }
        // A short option's value is shown; a plain encoded path too.
        let shown = super::argv(&os(&["run", "img", "tar", "-t", "x", "/srv/a%20b"])).join(" ");
        assert_eq!(shown, "run img tar -t x /srv/a%20b");
        // A word naming a secret names the next; programs' own password options.
        for cmd in [
            format!("aws configure set aws_secret_access_key {neutral}"),
            format!("docker login -u u -p {neutral} r.example"),
            format!("sqlcmd -S h -P {neutral}"),
            format!("ldapsearch -D cn=x -w {neutral}"),
            format!("ssh-keygen -N {neutral} -f k"),
            format!("xfreerdp /u:x /p:{neutral}"),
        ] {
            for argv in [
                os(&["run", "img", "sh", "-c", &cmd]),
                os(&[&["run", "img"][..], &cmd.split(' ').collect::<Vec<_>>()].concat()),
            ] {
                let shown = super::argv(&argv).join(" ");
                assert!(!shown.contains(neutral), "{argv:?} -> {shown}");
            }
        }
        // The shim's own hex record of a mount target.
        let target: String = "/w/aoc_0f3c9e2b7a41d8c6e5b4a39281706f5e"
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect();
        let record = format!("--annotation=io.github.nanoclaw-shim.mounts=0:0:0:2f77;0:0:0:{target}");
        let shown = d(&record);
        assert_eq!(
            shown,
            "--annotation=io.github.nanoclaw-shim.mounts=0:0:0:2f77;0:0:0:<redacted>"
        );
        // The thirty-first pass's last look: a caller's value holding the mounts record's key is
        // redacted as any value; a key as curl's user; more programs' password options.
        let keyed = format!("--env=HTTPS_PROXY=http://x:{neutral}@h:1#io.github.nanoclaw-shim.mounts=");
        assert!(!d(&keyed).contains(neutral), "{}", d(&keyed));
        for cmd in [
            format!("curl -u {neutral}: https://api.example"),
            format!("unzip -P {neutral} x.zip"),
            format!("7z x -p{neutral} x.7z"),
            format!("ssh-keygen -p -P {neutral} -N x -f k"),
            format!("twine upload -u u -p {neutral} dist"),
        ] {
            let shown = super::argv(&os(&["run", "img", "sh", "-c", &cmd])).join(" ");
            assert!(!shown.contains(neutral), "{cmd} -> {shown}");
        }
        // A token that starts with `-` is still a value.
        let shown = super::argv(&os(&["run", "img", "agent", "--token", "-NEUTRAL0123456789"])).join(" ");
        assert!(!shown.contains("NEUTRAL0123456789"), "{shown}");
        // The next option is not a value; other options' values are shown.
        let shown = super::argv(&os(&[
            "run",
            "img",
            "agent",
            "--token",
            "--verbose",
            "--model",
            "opus",
        ]));
        assert_eq!(
            shown,
            ["run", "img", "agent", "--token", "--verbose", "--model", "opus"]
        );
    }

    /// A credential's shape counts wherever a word or a part of one starts (the fifty-first
    /// look's: after `(`, `;`, `|`, `/`, `<<<`, `-`).
    #[test]
    fn shaped_credentials_after_any_separator() {
        for text in [
            "--ghp_LEAKLEAKLEAK",
            "<<<ghp_LEAKLEAKLEAK",
            "https://x/ghp_LEAKLEAKLEAK",
            "(ghp_LEAKLEAKLEAK)",
            "a;ghp_LEAKLEAKLEAK",
            "a|ghp_LEAKLEAKLEAK",
            "-ghp_LEAKLEAKLEAK",
            // After an escape a message's `{:?}` wrote for a tab or a line break.
            "\"\\tsk-ant-LEAKLEAKLEAK\"",
            "mode \"\\nghp_LEAKLEAKLEAK\"",
            // The eighty-fourth look's: a percent-encoded separator, a JWT, a tab after Bearer.
            "X%3Dsk-ant-LEAKLEAKLEAK",
            "https://x/a%2Fghp_LEAKLEAKLEAK",
            "jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJMRUFLIn0.LEAKLEAKsig",
            "Authorization: Bearer\tLEAKLEAKLEAK",
            "v=Bearer\tLEAKLEAKLEAK",
        ] {
            let shown = d(text);
            assert!(!shown.contains("LEAKLEAK"), "{text} -> {shown}");
        }
        for text in ["task-runner-for-everyone", "xsk-1234567890", "mask-allallallall"] {
            assert_eq!(d(text), text);
        }
    }

    /// The red team's third look: a credential's own shape gives it away under any name.
    #[test]
    fn values_shaped_like_credentials_are_redacted_under_any_name() {
        for (text, leak) in [
            ("X=sk-ant-api03-LEAKLEAKLEAK", "LEAKLEAK"),
            ("Y=AKIAIOSFODNN7EXAMPLE", "IOSFODNN7"),
            ("W=xoxb-1234-LEAKLEAKLEAK", "LEAKLEAK"),
            ("V=glpat-LEAKLEAKLEAK", "LEAKLEAK"),
            ("Z=-----BEGIN OPENSSH PRIVATE KEY----- LEAKLEAK", "LEAKLEAK"),
            ("X=ghp_LEAKLEAKLEAK", "LEAKLEAK"),
            ("curl -H x:github_pat_LEAKLEAKLEAK h", "LEAKLEAK"),
            ("ya29.LEAKLEAKLEAK", "LEAKLEAK"),
        ] {
            let shown = d(text);
            assert!(!shown.contains(leak), "{text} -> {shown}");
            assert!(shown.contains(REDACTED), "{text} -> {shown}");
        }
        // Look-alikes keep their text: a short prefix match, a word inside another (under names
        // whose values are shown).
        for text in [
            "TZ=Europe/Berlin",
            "name=sk-1",
            "task-runner",
            "lang=ASIAN1",
            "mask-all",
        ] {
            assert_eq!(d(text), text);
        }
    }

    /// Default-deny for values: any environment-style name's value is hidden but for the few
    /// whose values are configuration (the red team's `DB_PASS`, `MYSQL_PWD`, a webhook URL, a
    /// `NAME*=` pattern); a value already redacted is not redacted again, so a refusal's reason
    /// after its redacted token stays readable.
    #[test]
    fn environment_values_are_hidden_unless_known_harmless() {
        for (text, shown) in [
            ("DB_PASS=hunter2", "DB_PASS=<redacted>"),
            ("MYSQL_PWD=hunter3", "MYSQL_PWD=<redacted>"),
            ("SOME_SETTING=x", "SOME_SETTING=<redacted>"),
            (
                "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T/B/x",
                "SLACK_WEBHOOK_URL=<redacted>",
            ),
            ("--env=API_TOKEN*=zz", "--env=API_TOKEN*=<redacted>"),
            ("X*=zz", "X*=<redacted>"),
            ("--env-merge=X=zz", "--env-merge=X=<redacted>"),
            ("db_pass=hunter2", "db_pass=<redacted>"),
            ("TZ=UTC", "TZ=UTC"),
            ("HOME=/home/node", "HOME=/home/node"),
            ("--label=nanoclaw-install=abc", "--label=nanoclaw-install=abc"),
            (
                "--label=nanoclaw-session=sess-1786000000000-w2c7zk",
                "--label=nanoclaw-session=sess-1786000000000-w2c7zk",
            ),
            (
                "--label=nanoclaw-role=session-network",
                "--label=nanoclaw-role=session-network",
            ),
            // Any other label's value is hidden (default-deny: the thirty-sixth pass's look).
            ("--label=role=session-network", "--label=role=<redacted>"),
            ("--label=sid=Xy9", "--label=sid=<redacted>"),
            (
                "--annotation=io.podman.ticket=Xy9",
                "--annotation=io.podman.ticket=<redacted>",
            ),
            ("--annotation=x y=Xy9", "--annotation=x y=<redacted>"),
            ("--filter=label=tok=Xy9", "--filter=label=tok=<redacted>"),
            ("-f=label=tok=Xy9", "-f=label=tok=<redacted>"),
            (
                "--filter=label=nanoclaw-install=3f9a1c0e",
                "--filter=label=nanoclaw-install=3f9a1c0e",
            ),
            (
                "--mount=type=bind,src=/a,dst=/b",
                "--mount=type=bind,src=/a,dst=/b",
            ),
        ] {
            assert_eq!(d(text), shown, "{text}");
        }
        assert_eq!(
            d("curl https://hooks.slack.com/services/T0/B0/abcdefghij"),
            "curl <redacted>"
        );
        // `-e` with its value glued, in a cluster, or as `--env=`: any name's value (the red
        // team's `-eDB_CONN=`, `Db_Conn`), but a shown name's.
        for (text, shown) in [
            ("-eDB_CONN=hunter2", "-eDB_CONN=<redacted>"),
            ("-ieDb_Conn=hunter2", "-ieDb_Conn=<redacted>"),
            ("--env=Db_Conn=hunter2", "--env=Db_Conn=<redacted>"),
            ("-eTZ=UTC", "-eTZ=UTC"),
            ("-exec", "-exec"),
            ("-it", "-it"),
        ] {
            assert_eq!(d(text), shown, "{text}");
        }
        let a = |t: &[&str]| argv(&t.iter().map(std::ffi::OsString::from).collect::<Vec<_>>());
        assert_eq!(
            a(&["-e", "Db_Conn=x", "--env", "a=b"]),
            ["-e", "Db_Conn=<redacted>", "--env", "a=<redacted>"]
        );
        assert_eq!(
            d("--env=X=<redacted>: a reason with NAME=value in it"),
            "--env=X=<redacted>: a reason with NAME=<redacted>"
        );
    }

    /// Review 3: a command holds many secrets; redacting one (the last rule to match, or the
    /// first in the text) must not leave the others.
    #[test]
    fn every_secret_in_a_command_is_redacted() {
        for (text, leaks) in [
            (
                "git clone https://oauth2:ghp_LEAK1@github.com/o/r && curl -H \"Authorization: Bearer x\" http://h",
                &["ghp_LEAK1", "Bearer x"][..],
            ),
            (
                "curl https://admin:LEAK2@127.0.0.1/; API_TOKEN=x",
                &["LEAK2", "TOKEN=x"],
            ),
            (
                "curl -u a:LEAK3 https://x; curl https://u:LEAK4@h/",
                &["LEAK3", "LEAK4"],
            ),
            ("curl -u a:LEAK5 h; curl --user b:LEAK6 h", &["LEAK5", "LEAK6"]),
            ("wget http://u:LEAK7@h/ ; PASSWORD=LEAK8", &["LEAK7", "LEAK8"]),
            // Review 4: the spellings without a blank.
            ("curl -fsS -H X-Api-Key:LEAK9 http://localhost/health", &["LEAK9"]),
            ("sh -c 'curl -uadmin:LEAK10 http://x'", &["LEAK10"]),
            ("wget --header=X-Auth-Token:LEAK11 x", &["LEAK11"]),
            (
                "curl --user=a:LEAK12 h; curl -H 'Authorization:LEAK13' h",
                &["LEAK12", "LEAK13"],
            ),
            ("mysql -pLEAK14 -e 'select 1'", &["LEAK14"]),
            ("mariadb -u root -pLEAK15", &["LEAK15"]),
        ] {
            let shown = d(text);
            for leak in leaks {
                assert!(!shown.contains(leak), "{leak} in {shown}");
            }
            assert!(shown.contains(REDACTED), "{shown}");
        }
        // What is not a secret stays readable.
        assert_eq!(d("curl -u a http://h/x"), "curl -u a http://h/x");
        assert_eq!(d("-u1000:1000"), "-u1000:1000");
        assert_eq!(d("--user=1000:1000"), "--user=1000:1000");
        assert_eq!(d("sh -c 'tar -uvf a b'"), "sh -c 'tar -uvf a b'");
        assert_eq!(d("ssh -p 22 host"), "ssh -p 22 host");
        assert_eq!(d("grep -pattern x"), "grep -pattern x");
        assert_eq!(
            d("exec bun run /app/src/index.ts"),
            "exec bun run /app/src/index.ts"
        );
    }

    #[test]
    fn secret_env_values_are_redacted() {
        assert_eq!(
            d("CLAUDE_CODE_OAUTH_TOKEN=abc"),
            "CLAUDE_CODE_OAUTH_TOKEN=<redacted>"
        );
        assert_eq!(
            d("--env=ANTHROPIC_API_KEY=sk-1"),
            "--env=ANTHROPIC_API_KEY=<redacted>"
        );
        assert_eq!(d("-eGITHUB_TOKEN=ghp"), "-eGITHUB_TOKEN=<redacted>");
        assert_eq!(d("DB_PASSWORD=x=y"), "DB_PASSWORD=<redacted>");
        assert_eq!(d("TZ=Europe/Berlin"), "TZ=Europe/Berlin");
        assert_eq!(d("--name=nanoclaw-main-1"), "--name=nanoclaw-main-1");
    }

    /// The thirty-third pass's look: logins given by their place after a program `--entrypoint`
    /// names, and in an argv that does not read (an unknown flag); a command-valued flag's value
    /// as the next argument (`--health-startup-cmd`, `--entrypoint`, JSON Go reads and serde does
    /// not); a label after a cluster ending in `-l`; a shown variable whose name says `AUTH`.
    #[test]
    fn secrets_by_place_are_found_wherever_the_command_is_named() {
        let os = |w: &[&str]| -> Vec<std::ffi::OsString> { w.iter().map(Into::into).collect() };
        let shown = |w: &[&str]| super::argv(&os(w)).join(" ");
        for (argv, secret) in [
            (
                &["run", "--entrypoint", "vault", "img", "login", "hvs.Tq7Xa9"][..],
                "hvs.Tq7Xa9",
            ),
            (
                &["run", "--entrypoint=htpasswd", "img", "-nb", "u", "Pq7Xa9"],
                "Pq7Xa9",
            ),
            (
                &["run", "--entrypoint", r#"["vault","login"]"#, "img", "hvs.Tq7Xa9"],
                "hvs.Tq7Xa9",
            ),
            (
                &[
                    "run",
                    "--annotation-file=/dev/null",
                    "img",
                    "vault",
                    "login",
                    "hvs.Tq7Xa9",
                ],
                "hvs.Tq7Xa9",
            ),
            (
                &["run", "--bogus", "img", "sqlplus", "scott/Pq7Xa9@orcl"],
                "Pq7Xa9",
            ),
            (
                &["run", "--health-startup-cmd", "sshpass -p Pq7Xa9 ssh h", "img"],
                "Pq7Xa9",
            ),
            (
                &["run", "--entrypoint", "sshpass -p Pq7Xa9 ssh h", "img"],
                "Pq7Xa9",
            ),
            (
                &[
                    "run",
                    "--entrypoint",
                    r#"["/bin/sh","-c","sshpass -p Pq7Xa9 ssh h",null]"#,
                    "img",
                ],
                "Pq7Xa9",
            ),
            (&["run", "-il", "note=sshpass -p Pq7Xa9 ssh h", "img"], "Pq7Xa9"),
            (&["exec", "ctr", "vault", "login", "hvs.Tq7Xa9"], "hvs.Tq7Xa9"),
            // The same look's second round: JSON podman reads and serde does not, labels glued
            // to `-l`, a label that is a name alone, a refused annotation.
            (
                &[
                    "run",
                    "--entrypoint",
                    r#"["/bin/echo","vault","login","Tq7Xa9",null]"#,
                    "img",
                ],
                "Tq7Xa9",
            ),
            (
                &[
                    "run",
                    "--entrypoint",
                    r#"["/bin/echo","vault","login","Tq7Xa9","\ud800"]"#,
                    "img",
                ],
                "Tq7Xa9",
            ),
            (
                &[
                    "run",
                    "--health-cmd",
                    r#"["CMD","vault","login","Tq7Xa9",null]"#,
                    "img",
                ],
                "Tq7Xa9",
            ),
            (&["run", "-l=note=sshpass -p Pq7Xa9 ssh h", "img"], "Pq7Xa9"),
            (&["run", "-lnota=sshpass -p Pq7Xa9 ssh h", "img"], "Pq7Xa9"),
            (&["run", "-l", "vault login Tq7Xa9", "img"], "Tq7Xa9"),
            (&["run", "--label", "sshpass -p Pq7Xa9 ssh h", "img"], "Pq7Xa9"),
            (
                &[
                    "run",
                    "--annotation",
                    "run.oci.hooks sshpass -p Pq7Xa9 ssh h",
                    "img",
                ],
                "Pq7Xa9",
            ),
            (
                &["run", "img", "sh", "-c", "htpasswd -nb u Pq7Xa9 > /tmp/h"],
                "Pq7Xa9",
            ),
            (
                &["run", "img", "sh", "-c", "htpasswd -nb u Pq7Xa9 2>/dev/null"],
                "Pq7Xa9",
            ),
            (
                &["run", "img", "sh", "-c", "echo Tq7Xa9 | vault login -"],
                "Tq7Xa9",
            ),
            (
                &["run", "img", "sh", "-c", "echo Pq7Xa9 | htpasswd -i -n u"],
                "Pq7Xa9",
            ),
        ] {
            let text = shown(argv);
            assert!(!text.contains(secret), "{argv:?}: {text}");
        }
        // What is no secret is shown: the program, a plain entrypoint, nanoclaw's variables.
        assert_eq!(
            shown(&[
                "run",
                "--entrypoint",
                "bash",
                "img",
                "-c",
                "exec bun run /app/src/index.ts"
            ]),
            "run --entrypoint bash img -c exec bun run /app/src/index.ts"
        );
        assert_eq!(
            shown(&["run", "-e", "GIT_HTTP_PROXY_AUTHMETHOD=basic", "img"]),
            "run -e GIT_HTTP_PROXY_AUTHMETHOD=basic img"
        );
        assert_eq!(
            shown(&["run", "-il", "nanoclaw-role=agent", "img"]),
            "run -il nanoclaw-role=agent img"
        );
        // A refusal quotes the token as one: its value read as a command's words too.
        let refused = display("--annotation=run.oci.hooks sshpass -p Pq7Xa9 ssh h".as_ref());
        assert!(!refused.contains("Pq7Xa9"), "{refused}");
        assert_eq!(
            json_array(r#"["a",null,"\ud800b"]"#),
            Some(vec!["a".to_string(), String::new(), "\u{fffd}b".to_string()])
        );
    }

    /// The hundred-and-twenty-fifth look's: a secret word anywhere in a label's or annotation's
    /// key, a volume's `o=` options and a CIFS `user%password`, a quoted key in an object
    /// literal.
    #[test]
    fn secrets_under_keys_options_and_object_literals_are_redacted() {
        for (token, shown) in [
            (
                "--label=com.acme.api_token.value=tok1",
                "--label=com.acme.api_token.value=<redacted>",
            ),
            ("com.acme.password-v2=pw1", "com.acme.password-v2=<redacted>"),
            ("password.v=pw2", "password.v=<redacted>"),
            ("run.oci.token.x=tok2", "run.oci.token.x=<redacted>"),
            ("o=username=svc%pw3,vers=3.0", "o=<redacted>"),
            ("--opt=o=addr=10.0.0.1,rw", "--opt=o=<redacted>"),
            ("-o username=svc%pw4", "-o username=<redacted>"),
            ("vol:/x:o=user=u%pw5", "vol:/x:o=<redacted>"),
            (
                r#"curl -d '{"user":"a","password":"pw6"}' http://x"#,
                r#"curl -d '{"user":"a","password":<redacted>"#,
            ),
            (
                "fetch(u,{headers:{'x-api-key' : 'k7'}})",
                "fetch(u,{headers:{'x-api-key' : <redacted>",
            ),
            // The hundred-and-twenty-seventh look's.
            ("creds[password]=pw8", "creds[password]=<redacted>"),
            ("password =pw9", "password =<redacted>"),
            ("'password'=pw10", "'password'=<redacted>"),
            ("api_token]=pw11", "api_token]=<redacted>"),
            (
                "--label=com.acme.api_token=[\"pw12\"]",
                "--label=com.acme.api_token=<redacted>",
            ),
            ("const password = 'pw13'", "const password =<redacted>"),
            ("db_pass: pw14", "db_pass: <redacted>"),
            ("{password: \"pw15\"}", "{password: <redacted>"),
            (":password => 'pw16'", ":password =<redacted>"),
            // The thirtieth pass's Lows: an XML element, an encoded pair, signed URLs, a
            // Telegram bot's URL, a secret word naming the next item of an array.
            ("echo '<password>pw17</password>'", "echo '<password><redacted>"),
            ("<settings><apiKey>pw18</apiKey>", "<settings><apiKey><redacted>"),
            ("http://h/cb?q=token%3Dpw19", "<redacted>"),
            (
                "https://acct.blob.core.windows.net/c/b?sv=2024&sig=pw20",
                "https://acct.blob.core.windows.net/c/b?sv=2024&sig=<redacted>",
            ),
            (
                "https://app.example/cb?code=pw21&state=1",
                "https://app.example/cb?code=<redacted>",
            ),
            (
                "https://b.s3.amazonaws.com/k?X-Amz-Signature=pw22",
                "https://b.s3.amazonaws.com/k?X-Amz-Signature=<redacted>",
            ),
            (
                "https://api.telegram.org/bot123456789:AAHk2Qz9xYpL0mN3oP4qR5sT6uV7wX8yZ9a/sendMessage",
                "https://api.telegram.org/<redacted>",
            ),
            (
                "--label=nanoclaw-cfg=[\"password\",\"pw23\"]",
                "--label=nanoclaw-cfg=[\"password\",<redacted>",
            ),
            // The thirty-first pass's look.
            ("[\"password\",\"pw24\"]", "[\"password\",\"<redacted>\"]"),
            (
                "<password type=\"plain\">pw25</password>",
                "<password type=\"plain\"><redacted>",
            ),
            ("http://h/cb?q=token%253Dpw26", "<redacted>"),
            ("https://h/x?a=1&amp;sig=pw27", "<redacted>"),
            ("--label=x=Bearer%20pw28", "--label=x=<redacted>"),
            ("--label=creds=pw29", "--label=creds=<redacted>"),
            ("SENTRY_DSN_URL=pw30", "SENTRY_DSN_URL=<redacted>"),
        ] {
            assert_eq!(d(token), shown, "{token}");
        }
        // Keys and words without one are shown.
        for token in [
            "--label=nanoclaw-install=3f9a1c0e",
            "type=bind,src=/srv/keys,dst=/k,ro",
            "username=alice",
            "-v /srv/keys:/k:ro",
            "registry.example/keycloak:26",
            "--add-host=host.docker.internal:10.0.2.2",
            r#"{"user":"a","role":"b"}"#,
            "--security-opt=seccomp=/run/profile.json",
            "https://h/search?q=code&page=2",
            "--stop-signal=SIGTERM",
            "<config><name>agent</name></config>",
            r#"["CMD","node","/app/health.js"]"#,
            "--label=nanoclaw-list=[\"a\",\"b\"]",
            "TZ=Europe/Berlin",
        ] {
            assert_eq!(d(token), token);
        }
    }

    #[test]
    fn credential_flags_and_auth_headers_are_redacted() {
        assert_eq!(d("--creds=alice:hunter2"), "--creds=<redacted>");
        assert_eq!(
            d("--decryption-key=/k.pem:pass"),
            "--decryption-key=/k.pem:<redacted>"
        );
        assert_eq!(
            d("--health-cmd=curl -H 'Authorization: Bearer abc.def' http://x"),
            "--health-cmd=curl -H 'Authorization: <redacted>"
        );
        assert_eq!(d("--label=nanoclaw-tier=basic"), "--label=nanoclaw-tier=basic");
        assert_eq!(d("--label=tier=basic"), "--label=tier=<redacted>");
        assert_eq!(d("--password=hunter2"), "--password=<redacted>");
        assert_eq!(
            d("--health-cmd=curl -H 'X-Api-Key: abc123' http://x"),
            "--health-cmd=curl -H 'X-Api-Key: <redacted>"
        );
        assert_eq!(
            d("curl -fsS -u admin:hunter2 http://localhost/health"),
            "curl -fsS -u admin:<redacted> http://localhost/health"
        );
        assert_eq!(d("--user=1000:1000"), "--user=1000:1000");
        assert_eq!(
            d("exec bun run /app/src/index.ts"),
            "exec bun run /app/src/index.ts"
        );
    }

    #[test]
    fn a_credential_flag_s_separate_value_is_redacted_in_an_argv() {
        let a = |words: &[&str]| argv(&words.iter().map(std::ffi::OsString::from).collect::<Vec<_>>());
        assert_eq!(
            a(&["pull", "--creds", "user:hunter2", "img"]),
            ["pull", "--creds", "<redacted>", "img"]
        );
        assert_eq!(
            a(&["run", "--decryption-key", "/tmp/k:hunter2", "img"]),
            ["run", "--decryption-key", "/tmp/k:<redacted>", "img"]
        );
        assert_eq!(
            a(&["login", "-u", "u", "-p", "hunter2", "reg"]),
            ["login", "-u", "u", "-p", "<redacted>", "reg"]
        );
        assert_eq!(
            a(&["login", "-phunter2", "reg"]),
            ["login", "-p<redacted>", "reg"]
        );
        assert_eq!(
            a(&["login", "--password", "hunter2", "reg"]),
            ["login", "--password", "<redacted>", "reg"]
        );
        // `-p` publishes a port outside `login`.
        assert_eq!(
            a(&["run", "-p", "127.0.0.1:80:80", "img"]),
            ["run", "-p", "127.0.0.1:80:80", "img"]
        );
    }

    /// The twenty-third look's: `-ie NAME=value` (a cluster of short flags ending in `-e`, its
    /// value the next word) was shown whole by `explain`, the log and the debug lines.
    #[test]
    fn an_environment_value_after_a_cluster_ending_in_e_is_redacted() {
        let a = |words: &[&str]| argv(&words.iter().map(std::ffi::OsString::from).collect::<Vec<_>>());
        for flag in ["-ie", "-te", "-ite", "-e"] {
            let shown = a(&["run", "--rm", flag, "db=S3CRET", "img", "true"]);
            assert_eq!(shown[3], "db=<redacted>", "{flag}: {shown:?}");
            assert!(!shown.concat().contains("S3CRET"), "{flag}: {shown:?}");
        }
        let shown = a(&["exec", "-ie", "Db_Conn=S3CRET", "c", "sh"]);
        assert!(!shown.concat().contains("S3CRET"), "{shown:?}");
        // A cluster whose `e` is not last is `-e` with its value glued (already redacted), and a
        // flag that merely contains an `e` is not `-e`.
        assert_eq!(a(&["run", "-ieX=S3CRET", "img"])[1], "-ieX=<redacted>");
        assert_eq!(a(&["run", "--entrypoint", "sh", "img"])[2], "sh");
        assert_eq!(a(&["run", "--rm", "-it", "img"])[3], "img");
    }

    /// The twenty-third look's: curl's `-u user:password` written as separate words after the
    /// image, in an exec-form `--health-cmd`, and `user:password@host` without a scheme.
    #[test]
    fn a_command_s_credentials_are_redacted_word_by_word() {
        let a = |words: &[&str]| argv(&words.iter().map(std::ffi::OsString::from).collect::<Vec<_>>());
        for opt in ["-u", "--user", "-U", "--proxy-user"] {
            let shown = a(&["run", "--rm", "img", "curl", opt, "user:S3CRET", "http://h"]);
            assert_eq!(shown[5], "user:<redacted>", "{opt}: {shown:?}");
        }
        let shown = a(&["exec", "-u", "root", "c", "curl", "-u", "user:S3CRET", "http://h"]);
        assert_eq!(shown[2], "root");
        assert_eq!(shown[6], "user:<redacted>");
        // Before the image, `-u` / `--user` is docker's own user, shown.
        assert_eq!(
            a(&["run", "-u", "1000:1000", "--user", "node:staff", "img", "id"]),
            ["run", "-u", "1000:1000", "--user", "node:staff", "img", "id"]
        );
        // A rewritten argv, behind the runtime's path and the mount check's folder, reads alike.
        let shown = a(&[
            "/usr/bin/podman",
            "--hooks-dir=/x",
            "run",
            "img",
            "curl",
            "-u",
            "u:S3CRET",
        ]);
        assert_eq!(shown[6], "u:<redacted>");
        let health = r#"["CMD","curl","-u","u:S3CRET","http://h"]"#;
        let shown = a(&["run", "--health-cmd", health, "img"]);
        assert!(
            !shown.concat().contains("S3CRET") && shown[2].contains("u:<redacted>"),
            "{shown:?}"
        );
        assert!(!d(&format!("--health-cmd={health}")).contains("S3CRET"));
        assert_eq!(
            d("curl -x u:S3CRET@proxy:3128 http://h"),
            "curl -x u:<redacted>@proxy:3128 http://h"
        );
        assert_eq!(
            d("--label=nanoclaw-conn=u:S3CRET@db"),
            "--label=nanoclaw-conn=u:<redacted>@db"
        );
        // Glued, and the options whose next word is a secret whole (the twenty-fourth look's).
        for (word, shown) in [
            ("--user=u:S3CRET", "--user=u:<redacted>"),
            ("-uu:S3CRET", "-uu:<redacted>"),
            ("-Uu:S3CRET", "-Uu:<redacted>"),
            ("--proxy-user=u:S3CRET", "--proxy-user=u:<redacted>"),
            ("--oauth2-bearer=S3CRET", "--oauth2-bearer=<redacted>"),
        ] {
            assert_eq!(a(&["run", "img", "curl", word, "http://h"])[3], shown);
        }
        assert_eq!(a(&["run", "img", "mysql", "-pS3CRET"])[3], "-p<redacted>");
        assert_eq!(
            a(&["run", "img", "wget", "--password", "S3CRET"])[4],
            "<redacted>"
        );
        assert_eq!(
            a(&["run", "img", "curl", "--oauth2-bearer", "S3CRET"])[4],
            "<redacted>"
        );
        let health = r#"["CMD","wget","--password","S3CRET","http://h"]"#;
        assert!(
            !a(&["run", "--health-cmd", health, "img"])
                .concat()
                .contains("S3CRET")
        );
        assert!(!d("--health-cmd=curl --proxy-user=u:S3CRET http://h").contains("S3CRET"));
        assert!(!d("--health-cmd=curl -H 'Cookie: s=S3CRET' http://h").contains("S3CRET"));
        // The twenty-seventh look's: curl's short options clustered before `-u`, its `--pass`,
        // wget's passwords, and cookies.
        for (opt, word, shown) in [
            ("-su", "u:S3CRET", "u:<redacted>"),
            ("-Lu", "u:S3CRET", "u:<redacted>"),
            ("-kU", "u:S3CRET", "u:<redacted>"),
            ("--pass", "S3CRET", "<redacted>"),
            ("--http-password", "S3CRET", "<redacted>"),
            ("--ftp-password", "S3CRET", "<redacted>"),
            ("--proxy-password", "S3CRET", "<redacted>"),
            ("--cookie", "s=S3CRET", "<redacted>"),
            ("-b", "s=S3CRET", "<redacted>"),
            ("-sb", "s=S3CRET", "<redacted>"),
        ] {
            assert_eq!(
                a(&["run", "img", "curl", opt, word, "http://h"])[4],
                shown,
                "{opt}"
            );
        }
        // The twenty-eighth look's: curl's certificate passphrase and TLS passwords, and other
        // programs' password options where the program is named.
        for (words, at, shown) in [
            (&["curl", "-E", "c.pem:S3CRET", "h"][..], 4, "c.pem:<redacted>"),
            (&["curl", "--tlspassword", "S3CRET", "h"], 4, "<redacted>"),
            (&["sshpass", "-p", "S3CRET", "ssh", "h"], 4, "<redacted>"),
            (&["sshpass", "-pS3CRET", "ssh", "h"], 3, "-p<redacted>"),
            (&["redis-cli", "-a", "S3CRET", "ping"], 4, "<redacted>"),
            (&["openssl", "enc", "-k", "S3CRET"], 5, "<redacted>"),
            (&["smbclient", "-U", "u%S3CRET", "//h/s"], 4, "u%<redacted>"),
            (&["lftp", "-u", "u,S3CRET", "h"], 4, "u,<redacted>"),
        ] {
            let mut argv = vec!["run", "img"];
            argv.extend_from_slice(words);
            assert_eq!(a(&argv)[at], shown, "{words:?}");
        }
        // `-a` and `-k` of programs that are not those are shown.
        assert_eq!(a(&["run", "img", "ls", "-a", "dir"])[4], "dir");
        // `git clone -b BRANCH` is no cookie.
        assert_eq!(a(&["run", "img", "git", "clone", "-b", "main", "u"])[5], "main");
        // An argv that does not read (an unknown flag): every word is judged as a command's.
        let shown = a(&["run", "--bogus", "img", "curl", "-u", "u:S3CRET"]);
        assert!(!shown.concat().contains("S3CRET"), "{shown:?}");
        // Not credentials: an image digest, an address, an email.
        assert_eq!(d("alpine:3@sha256:0123abcd"), "alpine:3@sha256:0123abcd");
        assert_eq!(d("127.0.0.1:8080:80"), "127.0.0.1:8080:80");
        assert_eq!(
            d("--label=nanoclaw-owner=me@example.com"),
            "--label=nanoclaw-owner=me@example.com"
        );
    }

    #[test]
    fn proxy_credentials_are_redacted() {
        assert_eq!(
            d("HTTPS_PROXY=http://x:tok123@host.docker.internal:10255"),
            "HTTPS_PROXY=<redacted>"
        );
        // A build argument's value is hidden whole, as an `-e` value is.
        assert_eq!(
            d("--build-arg=https_proxy=http://x:tok123@host.docker.internal:10255"),
            "--build-arg=https_proxy=<redacted>"
        );
        assert_eq!(
            d("--label=nanoclaw-proxy=http://x:tok123@host.docker.internal:10255"),
            "--label=nanoclaw-proxy=http://<redacted>@host.docker.internal:10255"
        );
        assert_eq!(
            d("http_proxy=http://tok@h:1/p"),
            "http_proxy=http://<redacted>@h:1/p"
        );
        // Without a credential in it, a URL under an environment-style name is hidden too: its
        // name is not one whose values are known harmless.
        assert_eq!(
            d("ANTHROPIC_BASE_URL=http://host.docker.internal:3001"),
            "ANTHROPIC_BASE_URL=<redacted>"
        );
    }
}
