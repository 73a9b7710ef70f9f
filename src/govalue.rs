//! Values read as the Go libraries podman and docker's CLI are built on read them: pflag's
//! booleans (`strconv.ParseBool`), `encoding/csv`'s one record and `time.ParseDuration`.
//!
//! Why a module of its own: the flag table, the argv parser and the mount reader all read these
//! values, and each must read them as the engine will; kept here, in a leaf, none of them has
//! to import another for it (they had formed a circle of imports).

/// pflag's `strconv.ParseBool`.
pub fn bool_value(v: &[u8]) -> Option<bool> {
    match v {
        b"1" | b"t" | b"T" | b"TRUE" | b"true" | b"True" => Some(true),
        b"0" | b"f" | b"F" | b"FALSE" | b"false" | b"False" => Some(false),
        _ => None,
    }
}

/// Splits one CSV record into fields, honouring `"` quoting with `""` escapes.
pub fn csv_fields(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    // Go's reader ends the record at a line break (and drops a `\r` before it): one record
    // here, so a value holding either is not read at all.
    if line.iter().any(|&b| matches!(b, b'\n' | b'\r')) {
        return None;
    }
    let mut fields = Vec::new();
    let mut field = Vec::new();
    let mut i = 0;
    let mut quoted = false;
    let mut at_start = true;
    while i < line.len() {
        let b = line[i];
        if quoted {
            if b == b'"' {
                if line.get(i + 1) == Some(&b'"') {
                    field.push(b'"');
                    i += 1;
                } else {
                    quoted = false;
                }
            } else {
                field.push(b);
            }
        } else if b == b'"' && at_start {
            quoted = true;
        } else if b == b',' {
            fields.push(std::mem::take(&mut field));
            at_start = true;
            i += 1;
            continue;
        } else if b == b'"' {
            return None; // a bare quote inside an unquoted field is a CSV error
        } else {
            field.push(b);
        }
        at_start = false;
        i += 1;
    }
    if quoted {
        return None;
    }
    fields.push(field);
    Some(fields)
}

/// `time.ParseDuration`: nanoseconds, `None` where Go refuses the text (no unit, an unknown
/// unit, nothing but a sign or a dot, a value beyond 2^63 - 1 ns). docker's CLI reads every
/// duration flag with it, and podman its health-check intervals after turning `disable` into
/// `0`; a value read otherwise here could pass a floor it does not keep.
pub fn duration(text: &str) -> Option<i64> {
    const LIMIT: u64 = 1 << 63;
    let (neg, mut s) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if s == "0" {
        return Some(0);
    }
    if s.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return None;
        }
        // The whole part: more than 2^63 is refused.
        let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut whole: u64 = 0;
        for &c in &b[..digits] {
            whole = whole.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
            if whole > LIMIT {
                return None;
            }
        }
        s = &s[digits..];
        // The fraction: digits past what 2^63 holds are read and dropped, as Go drops them.
        let (mut frac, mut scale, mut fraction_digits) = (0u64, 1f64, 0usize);
        if let Some(rest) = s.strip_prefix('.') {
            fraction_digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for c in rest.bytes().take(fraction_digits) {
                if overflow || frac > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let next = frac * 10 + u64::from(c - b'0');
                if next > LIMIT {
                    overflow = true;
                    continue;
                }
                frac = next;
                scale *= 10.0;
            }
            s = &rest[fraction_digits..];
        }
        if digits == 0 && fraction_digits == 0 {
            return None;
        }
        let unit_len = s
            .bytes()
            .take_while(|&c| c != b'.' && !c.is_ascii_digit())
            .count();
        let unit: u64 = match &s[..unit_len] {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        s = &s[unit_len..];
        if whole > LIMIT / unit {
            return None;
        }
        let mut v = whole * unit;
        if frac > 0 {
            // Go's own arithmetic: a float product, truncated.
            v = v.checked_add((frac as f64 * (unit as f64 / scale)) as u64)?;
            if v > LIMIT {
                return None;
            }
        }
        total = total.checked_add(v)?;
        if total > LIMIT {
            return None;
        }
    }
    if neg {
        return Some((total as i64).wrapping_neg());
    }
    i64::try_from(total).ok()
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_read_as_go_reads_them() {
        let ok: &[(&str, i64)] = &[
            ("0", 0),
            ("+0", 0),
            ("-0", 0),
            ("0s", 0),
            ("1ms", 1_000_000),
            ("30s", 30_000_000_000),
            ("1m30s", 90_000_000_000),
            ("1.5h", 5_400_000_000_000),
            (".5s", 500_000_000),
            ("5.s", 5_000_000_000),
            ("1h1m1s1ms1us1ns", 3_661_001_001_001),
            ("1\u{b5}s", 1_000),
            ("1\u{3bc}s", 1_000),
            ("-1s", -1_000_000_000),
            ("9223372036854775807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("0.000000001s", 1),
            ("0.0000000019s", 1),
            ("1.00000000000000000000000001s", 1_000_000_000),
            ("29.999999999s", 29_999_999_999),
        ];
        for &(text, want) in ok {
            assert_eq!(duration(text), Some(want), "{text}");
        }
        for text in [
            "",
            "-",
            "+",
            ".",
            "1",
            "30",
            "1.5",
            "s",
            ".s",
            "1x",
            "1S",
            "1 s",
            " 1s",
            "1s ",
            "1sec",
            "1e3s",
            "0x10s",
            "1__s",
            "1s-1s",
            "--1s",
            "9223372036854775808ns",
            "2562048h",
            "disable",
            "\u{ff11}s",
        ] {
            assert_eq!(duration(text), None, "{text:?}");
        }
    }
}
