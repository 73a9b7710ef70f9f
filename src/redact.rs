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

/// Flags whose whole value is a credential (`user:password`, a key's passphrase).
const SECRET_FLAGS: &[&str] = &["--creds=", "--decryption-key="];

/// Words after which the rest of a token is a credential (HTTP authorisation schemes).
const AUTH_SCHEMES: &[&str] = &["bearer ", "basic ", "token "];

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
    let lower = text.to_ascii_lowercase();
    for scheme in AUTH_SCHEMES {
        if let Some(at) = lower.find(scheme) {
            let start = at + scheme.len();
            return format!("{}{REDACTED}", &text[..start]);
        }
    }
    // `NAME=value` where NAME (the identifier right before an `=`) looks secret.
    let bytes = text.as_bytes();
    for (eq, _) in text.match_indices('=') {
        let start = bytes[..eq]
            .iter()
            .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            .map_or(0, |p| p + 1);
        let name = text[start..eq].to_ascii_uppercase();
        if !name.is_empty() && SECRET_WORDS.iter().any(|w| name.contains(w)) {
            return format!("{}{REDACTED}", &text[..=eq]);
        }
    }
    redact_url_credentials(text)
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
