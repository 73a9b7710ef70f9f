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
];

/// A token as display text, with secret values and URL credentials redacted.
pub fn display(token: &OsStr) -> String {
    let text = crate::text::lossy(token.as_bytes());
    redact_text(&text)
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
    let login = tokens.iter().any(|t| t == "login");
    let mut out = Vec::with_capacity(tokens.len());
    let mut before: &[u8] = b"";
    for t in tokens {
        let b = t.as_bytes();
        let shown = match before {
            b"--creds" | b"--password" => REDACTED.to_string(),
            b"-p" if login => REDACTED.to_string(),
            b"--decryption-key" => match display(&concat("--decryption-key=", b)).split_once('=') {
                Some((_, value)) => value.to_string(),
                None => REDACTED.to_string(),
            },
            _ if login && b.len() > 2 && b.starts_with(b"-p") && !b.starts_with(b"--") => {
                format!("-p{REDACTED}")
            }
            _ => display(t),
        };
        out.push(shown);
        before = b;
    }
    out
}

fn concat(flag: &str, value: &[u8]) -> std::ffi::OsString {
    let mut v = flag.as_bytes().to_vec();
    v.extend_from_slice(value);
    <std::ffi::OsString as std::os::unix::ffi::OsStringExt>::from_vec(v)
}

/// Flags whose whole value is a credential (`user:password`, a key's passphrase).
const SECRET_FLAGS: &[&str] = &["--creds=", "--decryption-key=", "--password="];

/// Words after which the rest of a token is a credential (HTTP authorisation schemes).
const AUTH_SCHEMES: &[&str] = &["bearer ", "basic ", "token "];

/// Header names whose value is a credential, in a command line (`curl -H 'X-Api-Key: abc'`):
/// the name ends in one of these and a space follows the colon.
const SECRET_HEADERS: &[&str] = &["key: ", "token: ", "secret: ", "password: ", "auth: "];

fn redact_text(text: &str) -> String {
    for flag in SECRET_FLAGS {
        if let Some(rest) = text.strip_prefix(flag) {
            // `--decryption-key=path:passphrase` keeps the path.
            return match (flag, rest.split_once(':')) {
                (&"--decryption-key=", Some((path, _))) => format!("{flag}{path}:{REDACTED}"),
                _ => format!("{flag}{REDACTED}"),
            };
        }
    }
    // Where the rest of the text is secret: after an auth scheme or a secret header, or after
    // `NAME=` with a secret-looking NAME. The earliest such place wins, and what comes before
    // it is still searched for URL credentials and `-u user:password` (a command holds many).
    let lower = text.to_ascii_lowercase();
    let mut cut: Option<usize> = None;
    let mut earliest = |at: usize| cut = Some(cut.map_or(at, |c: usize| c.min(at)));
    for scheme in AUTH_SCHEMES.iter().chain(SECRET_HEADERS) {
        if let Some(at) = lower.find(scheme) {
            earliest(at + scheme.len());
        }
    }
    let bytes = text.as_bytes();
    for (eq, _) in text.match_indices('=') {
        let start = bytes[..eq]
            .iter()
            .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            .map_or(0, |p| p + 1);
        let name = text[start..eq].to_ascii_uppercase();
        if !name.is_empty() && SECRET_WORDS.iter().any(|w| name.contains(w)) {
            earliest(eq + 1);
            break;
        }
    }
    let head = &text[..cut.unwrap_or(text.len())];
    let mut out = redact_user_passwords(&redact_url_credentials(head));
    if cut.is_some() {
        out.push_str(REDACTED);
    }
    out
}

/// `curl -u user:password` (or `--user`) inside a command: every such password.
fn redact_user_passwords(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    let mut from = 0;
    while let Some((at, opt)) = ["-u ", "--user "]
        .iter()
        .filter_map(|opt| lower[from..].find(opt).map(|p| (from + p, *opt)))
        .min()
    {
        let arg = at + opt.len();
        let end = text[arg..].find(' ').map_or(text.len(), |e| arg + e);
        if let Some(colon) = text[arg..end].find(':') {
            out.push_str(&text[done..=arg + colon]);
            out.push_str(REDACTED);
            done = end;
        }
        from = end.max(arg);
    }
    out.push_str(&text[done..]);
    out
}

/// `scheme://user:pass@host` → `scheme://<redacted>@host`, for every URL in the text.
fn redact_url_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(p) = rest.find("://") {
        let (head, tail) = rest.split_at(p + 3);
        out.push_str(head);
        let authority_end = tail.find(['/', '?', '#', ' ', ',']).unwrap_or(tail.len());
        match tail[..authority_end].rfind('@') {
            Some(at) => {
                out.push_str(REDACTED);
                rest = &tail[at..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> String {
        display(OsStr::new(s))
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
        ] {
            let shown = d(text);
            for leak in leaks {
                assert!(!shown.contains(leak), "{leak} in {shown}");
            }
            assert!(shown.contains(REDACTED), "{shown}");
        }
        // What is not a secret stays readable.
        assert_eq!(d("curl -u a http://h/x"), "curl -u a http://h/x");
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

    #[test]
    fn credential_flags_and_auth_headers_are_redacted() {
        assert_eq!(d("--creds=alice:hunter2"), "--creds=<redacted>");
        assert_eq!(
            d("--decryption-key=/k.pem:pass"),
            "--decryption-key=/k.pem:<redacted>"
        );
        assert_eq!(
            d("--health-cmd=curl -H 'Authorization: Bearer abc.def' http://x"),
            "--health-cmd=curl -H 'Authorization: Bearer <redacted>"
        );
        assert_eq!(d("--label=tier=basic"), "--label=tier=basic");
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

    #[test]
    fn proxy_credentials_are_redacted() {
        assert_eq!(
            d("HTTPS_PROXY=http://x:tok123@host.docker.internal:10255"),
            "HTTPS_PROXY=http://<redacted>@host.docker.internal:10255"
        );
        assert_eq!(
            d("http_proxy=http://tok@h:1/p"),
            "http_proxy=http://<redacted>@h:1/p"
        );
        assert_eq!(
            d("ANTHROPIC_BASE_URL=http://host.docker.internal:3001"),
            "ANTHROPIC_BASE_URL=http://host.docker.internal:3001"
        );
    }
}
