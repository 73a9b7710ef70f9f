//! FNV-1a, the one hash the host-path model uses: its keys are short paths (the memo's, the
//! index's, a memory file's name), where SipHash's set-up cost dominates. Flooding resistance is
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

#[cfg(test)]
mod tests {
    #[test]
    fn known_values() {
        // FNV-1a 64's published test vectors.
        assert_eq!(super::hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(super::hash(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
