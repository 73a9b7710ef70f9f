//! FNV-1a, the one hash the host-path model uses: its keys are short paths (the memo's, the
//! index's), where SipHash's set-up cost dominates; and [`wide`], the same idea a word at a time
//! for the one long key (a memory file's name). Flooding resistance is
//! not needed: every table keyed by it lives one call and compares keys in full, and a memory
//! file's name only picks the file (its inputs are compared in full inside), so a collision
//! only ever costs a lookup.

/// The hash of nothing.
pub const START: u64 = 0xcbf2_9ce4_8422_2325;

/// One byte more: hashing a path byte by byte gives the hash of every prefix on the way (the
/// index looks up each directory above a source).
pub fn step(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
}

/// The hash of `bytes`.
pub fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(START, |h, &b| step(h, b))
}

/// A hash of `bytes` eight at a time, for long inputs whose prefixes are not wanted (a memory
/// file's name hashes every entry of every list: byte by byte, FNV spent more instructions there
/// than on the rest of recalling the lists). [`Wide`] with one part.
pub fn wide(bytes: &[u8]) -> u64 {
    let mut w = Wide::default();
    w.part(bytes);
    w.finish()
}

/// [`wide`] over a sequence of parts, without putting them together first (a memory's inputs
/// are every entry of every list). Each word is folded in with a full 64 × 64 → 128-bit
/// multiply whose halves are xored (wyhash's mixing step), so every input bit reaches every
/// output bit, and each part's length is folded in after it, so where parts end counts; like
/// [`hash`], it only ever picks where to look.
pub struct Wide(u64);

impl Default for Wide {
    fn default() -> Self {
        Wide(START)
    }
}

const K: u64 = 0x9e37_79b9_7f4a_7c15;

fn mix(a: u64, b: u64) -> u64 {
    let m = u128::from(a) * u128::from(b);
    (m as u64) ^ ((m >> 64) as u64)
}

impl Wide {
    /// Folds in one part.
    pub fn part(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        let mut h = self.0;
        for c in chunks.by_ref() {
            let w = u64::from_le_bytes(c.try_into().expect("eight bytes"));
            h = mix(h ^ w, K);
        }
        // The last bytes a shift at a time: a copy into a word would call `memcpy` per part.
        let last = chunks
            .remainder()
            .iter()
            .rev()
            .fold(0u64, |w, &b| (w << 8) | u64::from(b));
        h = mix(h ^ last, K);
        self.0 = mix(h ^ bytes.len() as u64, K);
    }

    /// Folds in one byte (a part's terminator).
    pub fn byte(&mut self, b: u8) {
        self.0 = mix(self.0 ^ u64::from(b), K);
    }

    pub fn finish(&self) -> u64 {
        mix(self.0, self.0 ^ K)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_values() {
        // FNV-1a 64's published test vectors.
        assert_eq!(super::hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(super::hash(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn wide_sees_every_byte_and_the_length() {
        use std::collections::HashSet;
        let base = b"/home/alice/.aws\0~/.ssh\0/etc/containers".to_vec();
        let mut seen = HashSet::from([super::wide(&base)]);
        for i in 0..base.len() {
            for bit in 0..8 {
                let mut b = base.clone();
                b[i] ^= 1 << bit;
                assert!(seen.insert(super::wide(&b)), "byte {i} bit {bit}");
            }
        }
        for n in 0..base.len() {
            assert!(seen.insert(super::wide(&base[..n])), "prefix {n}");
        }
        assert_ne!(
            super::wide(b"a"),
            super::wide(b"a\0"),
            "trailing zero bytes count"
        );
    }

    #[test]
    fn where_parts_end_counts() {
        let parts = |ps: &[&[u8]]| {
            let mut w = super::Wide::default();
            ps.iter().for_each(|p| w.part(p));
            w.finish()
        };
        assert_eq!(parts(&[b"/home/alice"]), super::wide(b"/home/alice"));
        assert_ne!(parts(&[b"/home", b"/alice"]), parts(&[b"/home/", b"alice"]));
        assert_ne!(parts(&[b"ab", b""]), parts(&[b"ab"]));
        assert_ne!(parts(&[b"", b"ab"]), parts(&[b"ab", b""]));
    }
}
