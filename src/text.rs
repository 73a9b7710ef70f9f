//! Bytes as text, for messages and records, and bytes split at a separator.
//!
//! Every `docker` call converts each of its tokens to text at least once, and splits every
//! mount spec and host path it judges at `:` or `/` several times. Invalid UTF-8 becomes U+FFFD,
//! as with `String::from_utf8_lossy`, but valid text (nearly every token) is checked with std's
//! word-at-a-time validation first; and a separator is looked for eight bytes at a time, where
//! `<[u8]>::split` with a closure tests one byte per step.

use std::borrow::Cow;

/// `bytes` as text, borrowed when it is valid UTF-8.
pub fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// Whether `c` is written out by [`printable`]: a control character, a line or paragraph
/// separator, a bidirectional control.
pub fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character (C0, DEL, C1; a line break too) written as `\xNN` per
/// byte: a line meant for a terminal or a log viewer that quotes a caller's token cannot move
/// the cursor, erase itself, or print a second line (`\e[2K\r` then `nanoclaw-shim: ok`).
///
/// So are Unicode's line and paragraph separators (U+2028, U+2029), which some log viewers
/// break a line at, and its bidirectional controls (U+200E, U+200F, U+202A-U+202E,
/// U+2066-U+2069), which reorder what a terminal shows (a fake rule id at a line's end: the
/// ninety-sixth look's).
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if hidden(c) {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The components of `path` (none empty, none `.`), the last first: a stack to walk it with, a
/// link's text pushed on top as it is met.
pub fn components_last_first(path: &[u8]) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = split(path, b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .map(<[u8]>::to_vec)
        .collect();
    v.reverse();
    v
}

/// `bytes` as an owned string.
pub fn owned(bytes: &[u8]) -> String {
    lossy(bytes).into_owned()
}

/// The index of the first `byte` in `hay`: eight bytes per step (the classic test for a zero
/// byte in a word, whose lowest flagged byte is always a true match).
pub fn find(hay: &[u8], byte: u8) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pattern = LO * u64::from(byte);
    let mut chunks = hay.chunks_exact(8);
    let mut at = 0;
    for c in chunks.by_ref() {
        let x = u64::from_le_bytes(c.try_into().expect("eight bytes")) ^ pattern;
        let found = x.wrapping_sub(LO) & !x & HI;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks.remainder().iter().position(|&b| b == byte).map(|p| at + p)
}

/// `hay` split at every `byte`, as `hay.split(|&b| b == byte)` splits it.
pub fn split(hay: &[u8], byte: u8) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(hay);
    std::iter::from_fn(move || {
        let r = rest?;
        match find(r, byte) {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn control_characters_are_written_out() {
        assert_eq!(printable("/w/a b:/c"), "/w/a b:/c");
        assert_eq!(
            printable("x\u{1b}[2K\rok\n\u{7f}\u{9b}"),
            r"x\x1b[2K\x0dok\x0a\x7f\xc2\x9b"
        );
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
        // A line or paragraph separator, a right-to-left override (the ninety-sixth look's).
        assert_eq!(
            printable("x\u{2028}y\u{2029}z\u{202e}]x["),
            "x\\xe2\\x80\\xa8y\\xe2\\x80\\xa9z\\xe2\\x80\\xae]x["
        );
        assert_eq!(printable("é ü 中"), "é ü 中");
    }

    proptest! {
        /// The same text as std's lossy conversion, for any bytes.
        #[test]
        fn agrees_with_std(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(lossy(&bytes), String::from_utf8_lossy(&bytes));
            prop_assert_eq!(owned(&bytes), String::from_utf8_lossy(&bytes).into_owned());
        }
    }

    proptest! {
        /// The same answers as a byte-by-byte search, wherever the byte lies (or does not).
        #[test]
        fn find_and_split_agree_with_std(
            hay in prop::collection::vec(prop::sample::select(vec![b'/', b':', b'a', 0x80, 0xff]), 0..40),
            byte in prop::sample::select(vec![b'/', b':', 0x80, 0xff, 0]),
        ) {
            prop_assert_eq!(find(&hay, byte), hay.iter().position(|&b| b == byte));
            let ours: Vec<&[u8]> = split(&hay, byte).collect();
            let std: Vec<&[u8]> = hay.split(|&b| b == byte).collect();
            prop_assert_eq!(ours, std);
        }
    }

    #[test]
    fn valid_text_is_borrowed() {
        assert!(matches!(lossy("ünïcode".as_bytes()), Cow::Borrowed(_)));
        assert_eq!(lossy(b"a\xffb"), "a\u{fffd}b");
    }
}
