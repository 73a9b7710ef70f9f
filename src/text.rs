//! Bytes as text, for messages and records: invalid UTF-8 becomes U+FFFD, as with
//! `String::from_utf8_lossy`, but valid text (nearly every token) is checked with std's
//! word-at-a-time validation first, which costs a fraction of the lossy decoder's byte-by-byte
//! walk. Every `docker` call converts each of its tokens at least once.

use std::borrow::Cow;

/// `bytes` as text, borrowed when it is valid UTF-8.
pub fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// `bytes` as an owned string.
pub fn owned(bytes: &[u8]) -> String {
    lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same text as std's lossy conversion, for any bytes.
        #[test]
        fn agrees_with_std(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(lossy(&bytes), String::from_utf8_lossy(&bytes));
            prop_assert_eq!(owned(&bytes), String::from_utf8_lossy(&bytes).into_owned());
        }
    }

    #[test]
    fn valid_text_is_borrowed() {
        assert!(matches!(lossy("ünïcode".as_bytes()), Cow::Borrowed(_)));
        assert_eq!(lossy(b"a\xffb"), "a\u{fffd}b");
    }
}
