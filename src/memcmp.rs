//! Byte comparison eight bytes at a time, which the musl build links as the C library's `memcmp`
//! and `bcmp` (see `main.rs`); `bcmp`, which only asks whether, 32 bytes at a time.
//!
//! Every `==` between slices or strings, and every ordering of them, compiles to a call of
//! `bcmp` or `memcmp`. glibc's are vectorised; musl's compare a byte per loop turn, about four
//! instructions a byte. A `docker` call compares its policy file with the compiled-in default
//! (6 KiB) and the remembered host-path inputs with today's, so under musl `memcmp` was 17 % of
//! the instructions the shim ran (80 k of 462 k). Here a word is loaded big-endian, so that
//! ordering two words orders their bytes as `memcmp` does, and the first unequal word decides.
//!
//! Plain safe code, kept apart from the symbols so that the tests below run it on every target.
//! The loop is one LLVM does not turn back into a `memcmp` call (it recognises copies and fills,
//! not comparisons); `main.rs` says what would show it if it ever did.

/// `memcmp(a, b, len)` for slices of one length: negative, zero or positive as `a` orders
/// before, equal to or after `b`, byte by byte as unsigned numbers.
pub fn compare(a: &[u8], b: &[u8]) -> i32 {
    debug_assert_eq!(a.len(), b.len());
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut words_a = a.chunks_exact(8);
    let mut words_b = b.chunks_exact(8);
    for (x, y) in (&mut words_a).zip(&mut words_b) {
        let x = u64::from_be_bytes(x.try_into().expect("eight bytes"));
        let y = u64::from_be_bytes(y.try_into().expect("eight bytes"));
        if x != y {
            return if x < y { -1 } else { 1 };
        }
    }
    for (&x, &y) in words_a.remainder().iter().zip(words_b.remainder()) {
        if x != y {
            return i32::from(x) - i32::from(y);
        }
    }
    0
}

/// `bcmp(a, b, len) == 0` for slices of one length: whether they are equal. No order is
/// wanted, so words are compared as they lie, 32 bytes a turn with their differences or-ed
/// together, and the last 1-31 bytes as whole words ending at the end: the file-against-default
/// comparison of every `docker` call (6 KiB) takes a third of the turns [`compare`] does.
pub fn equal(a: &[u8], b: &[u8]) -> bool {
    debug_assert_eq!(a.len(), b.len());
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let word = |s: &[u8], at: usize| u64::from_ne_bytes(s[at..at + 8].try_into().expect("eight bytes"));
    if n < 8 {
        let short = |s: &[u8]| {
            if n >= 4 {
                let head = u32::from_ne_bytes(s[..4].try_into().expect("four bytes"));
                let tail = u32::from_ne_bytes(s[n - 4..].try_into().expect("four bytes"));
                u64::from(head) << 32 | u64::from(tail)
            } else {
                s.iter().fold(0, |w, &x| w << 8 | u64::from(x))
            }
        };
        return short(a) == short(b);
    }
    let mut at = 0;
    while at + 32 <= n {
        let diff = (word(a, at) ^ word(b, at))
            | (word(a, at + 8) ^ word(b, at + 8))
            | (word(a, at + 16) ^ word(b, at + 16))
            | (word(a, at + 24) ^ word(b, at + 24));
        if diff != 0 {
            return false;
        }
        at += 32;
    }
    // The rest, 0-31 bytes, in words; the last ends at `n` and may overlap the one before.
    while at + 8 < n {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    at == n || word(a, n - 8) == word(b, n - 8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What C's `memcmp` says, by its definition.
    fn reference(a: &[u8], b: &[u8]) -> i32 {
        match a.iter().zip(b).find(|(x, y)| x != y) {
            Some((x, y)) => i32::from(*x) - i32::from(*y),
            None => 0,
        }
    }

    #[test]
    fn equality_sees_a_difference_at_every_position_of_every_length() {
        for n in 0..=100usize {
            let x: Vec<u8> = (0..n).map(|i| (i * 13 + 1) as u8).collect();
            assert!(equal(&x, &x.clone()), "{n} bytes equal");
            for at in 0..n {
                let mut y = x.clone();
                y[at] ^= 0x80;
                assert!(!equal(&x, &y), "{n} bytes, differing at {at}");
            }
        }
    }

    #[test]
    fn the_sign_is_that_of_the_first_differing_byte_as_unsigned() {
        assert_eq!(compare(b"", b""), 0);
        assert_eq!(compare(b"policy.toml", b"policy.toml"), 0);
        assert!(compare(b"abcdefgh1", b"abcdefgh2") < 0);
        assert!(compare(b"abcdefgz", b"abcdefga") > 0);
        // A high byte orders after a low one (unsigned), in a word and in the tail.
        assert!(compare(&[0x80; 8], &[0x7f; 8]) > 0);
        assert!(compare(&[0, 0x80], &[0, 0x7f]) > 0);
        // The first difference decides, not the largest.
        assert!(compare(b"a\xffxxxxxxxxxx", b"b\x00xxxxxxxxxx") < 0);
    }

    proptest! {
        #[test]
        fn agrees_with_memcmp_by_definition(
            common in proptest::collection::vec(any::<u8>(), 0..40),
            a in proptest::collection::vec(any::<u8>(), 0..40),
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
        ) {
            // Mostly-equal inputs: a shared prefix, then a tail with a few bytes changed.
            let mut x = common.clone();
            x.extend_from_slice(&a);
            let mut y = x.clone();
            if !y.is_empty() {
                for (i, v) in flips {
                    let at = i.index(y.len());
                    y[at] = v;
                }
            }
            prop_assert_eq!(compare(&x, &y).signum(), reference(&x, &y).signum());
            prop_assert_eq!(compare(&y, &x).signum(), reference(&y, &x).signum());
            prop_assert_eq!(compare(&x, &x), 0);
            prop_assert_eq!(equal(&x, &y), x == y);
            prop_assert_eq!(equal(&x, &x), true);
        }
    }
}
