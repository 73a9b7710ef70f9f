//! Shell-style globs for profile matching (`*`, `?`, `[abc]`, `[!a-z]`).
//!
//! Profiles match images and container names; a dozen lines of matcher do that job without a
//! dependency. `*` crosses `/`, so `*nanoclaw-agent*` matches any registry path.

/// A validated glob pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob(String);

impl Glob {
    /// Validates a pattern: every `[` needs its `]`, and a class is not empty.
    pub fn new(pattern: &str) -> Result<Glob, String> {
        check(pattern.as_bytes())?;
        Ok(Glob(pattern.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn matches(&self, text: &str) -> bool {
        matches(self.0.as_bytes(), text.as_bytes())
    }
}

/// Why `b` is not a valid pattern, if it is not.
fn check(b: &[u8]) -> Result<(), String> {
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'[' => i = class_end(b, i).ok_or_else(|| format!("unclosed `[` at offset {i}"))?,
            b'\\' if i + 1 == b.len() => return Err("trailing `\\`".into()),
            b'\\' => i += 1,
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Whether `pattern` matches `text`, both bytes; `None` when `pattern` is no valid glob (what
/// [`Glob::new`] refuses). For callers that keep patterns in place rather than as [`Glob`]s
/// (the host-path lists, in one arena).
pub fn matches_bytes(pattern: &[u8], text: &[u8]) -> Option<bool> {
    check(pattern).ok().map(|()| matches(pattern, text))
}

/// Whether `pattern` matches `text` one `/`-separated component at a time: the same number of
/// components, each matched on its own, so that no `*` crosses a `/` (image names: the
/// ninety-eighth look's `nanoclaw-*` matched `nanoclaw-x/operator-app`, which podman's
/// short-name lookup gives for `operator-app`). `None` when a component is no valid glob.
pub fn matches_components(pattern: &[u8], text: &[u8]) -> Option<bool> {
    let (p, t): (Vec<&[u8]>, Vec<&[u8]>) = (
        pattern.split(|&b| b == b'/').collect(),
        text.split(|&b| b == b'/').collect(),
    );
    let mut all = p.len() == t.len();
    for (p, t) in p.iter().zip(&t) {
        all &= matches_bytes(p, t)?;
    }
    Some(all)
}

/// Index of the `]` closing the class opened at `start`.
fn class_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if b.get(i) == Some(&b'!') {
        i += 1;
    }
    if b.get(i) == Some(&b']') {
        i += 1; // a leading `]` is a member
    }
    while i < b.len() {
        if b[i] == b']' {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn class_matches(class: &[u8], c: u8) -> bool {
    let (negate, class) = match class.strip_prefix(b"!") {
        Some(rest) => (true, rest),
        None => (false, class),
    };
    let mut i = 0;
    let mut hit = false;
    while i < class.len() {
        if i + 2 < class.len() && class[i + 1] == b'-' {
            hit |= class[i] <= c && c <= class[i + 2];
            i += 3;
        } else {
            hit |= class[i] == c;
            i += 1;
        }
    }
    hit != negate
}

fn matches(p: &[u8], t: &[u8]) -> bool {
    // Iterative matcher with single-star backtracking.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let step = match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some(b'?') => Some(pi + 1),
            Some(b'[') => {
                let end = class_end(p, pi).expect("validated");
                class_matches(&p[pi + 1..end], t[ti]).then_some(end + 1)
            }
            Some(b'\\') if pi + 1 < p.len() => (p[pi + 1] == t[ti]).then_some(pi + 2),
            Some(&c) => (c == t[ti]).then_some(pi + 1),
            None => None,
        };
        match (step, star) {
            (Some(next), _) => {
                pi = next;
                ti += 1;
            }
            (None, Some((sp, st))) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            (None, None) => return false,
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Glob::new(p).unwrap().matches(t)
    }

    #[test]
    fn globs() {
        assert!(m("nanoclaw-agent*", "nanoclaw-agent-v2-ab:latest"));
        assert!(m("*", ""));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("*/agent:*", "localhost/agent:v1"));
        assert!(m("ncl-[0-9a-f]*", "ncl-3f9a"));
        assert!(!m("ncl-[!0-9]*", "ncl-3f9a"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "axxbyy"));
        assert!(m(r"a\*", "a*"));
        assert!(!m(r"a\*", "ab"));
        assert!(Glob::new("a[bc").is_err());
        assert_eq!(matches_bytes(b"ncl-[0-9a-f]*", b"ncl-3f9a"), Some(true));
        assert_eq!(matches_bytes(b"ncl-[!0-9]*", b"ncl-3f9a"), Some(false));
        assert_eq!(
            matches_bytes(b"*", b"\xff\xfe"),
            Some(true),
            "bytes that are not UTF-8 are matched as they are"
        );
        assert_eq!(
            matches_bytes(b"a[bc", b"a[bc"),
            None,
            "an invalid pattern is no pattern"
        );
        assert!(Glob::new("a\\").is_err());
    }

    #[test]
    fn components_match_one_at_a_time() {
        let c = |p: &str, t: &str| matches_components(p.as_bytes(), t.as_bytes());
        assert_eq!(c("nanoclaw-*", "nanoclaw-agent"), Some(true));
        assert_eq!(c("nanoclaw-*", "nanoclaw-x/operator-app"), Some(false));
        assert_eq!(c("*", "a/b"), Some(false));
        assert_eq!(c("r.example/*/x-*", "r.example/team/x-1"), Some(true));
        assert_eq!(c("r.example/*", "r.example/team/x"), Some(false));
        assert_eq!(c("[oops", "a"), None);
    }
}
