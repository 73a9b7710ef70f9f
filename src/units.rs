//! The value grammars of the limits the policy caps: sizes, CPU counts, pids and intervals.
//!
//! A ceiling is only as good as the comparison behind it: `4096m` must equal `4g`, `0` and `-1`
//! mean "unlimited", and a value the runtime would read differently from us must be refused, not
//! compared wrongly. Sizes follow docker's `RAMInBytes` (binary units, optional `i`/`b`), CPU
//! counts docker's `NanoCPUs` (exact decimals, at most nine fractional digits).

use std::fmt;

/// A size in bytes, as docker's `--memory`, `--shm-size`, `--tmpfs size=` read it.
pub fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.strip_suffix(['b', 'B']).unwrap_or(s);
    let s = s.strip_suffix(['i', 'I']).unwrap_or(s);
    let (num, mult) = match s.chars().last()? {
        'k' | 'K' => (&s[..s.len() - 1], 1u64 << 10),
        'm' | 'M' => (&s[..s.len() - 1], 1 << 20),
        'g' | 'G' => (&s[..s.len() - 1], 1 << 30),
        't' | 'T' => (&s[..s.len() - 1], 1 << 40),
        'p' | 'P' => (&s[..s.len() - 1], 1 << 50),
        _ => (s, 1),
    };
    let num = num.strip_suffix(' ').unwrap_or(num);
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if num.contains('.') && (frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let value: f64 = num.parse().ok()?;
    let bytes = value * mult as f64;
    (bytes < i64::MAX as f64).then_some(bytes as u64)
}

/// Formats bytes in the largest binary unit that divides them exactly (`4g`, `1536m`, `100`).
pub fn format_bytes(bytes: u64) -> String {
    for (unit, shift) in [("p", 50), ("t", 40), ("g", 30), ("m", 20), ("k", 10)] {
        let m = 1u64 << shift;
        if bytes >= m && bytes % m == 0 {
            return format!("{}{unit}", bytes / m);
        }
    }
    bytes.to_string()
}

/// A duration in nanoseconds as Go writes the largest whole unit that divides it (`30s`,
/// `1500ms`): what `policy show` prints for `health_interval`, read back to the same value.
pub fn format_duration(nanos: u64) -> String {
    const UNITS: [(u64, &str); 6] = [
        (3_600_000_000_000, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "us"),
        (1, "ns"),
    ];
    let (size, unit) = UNITS
        .iter()
        .copied()
        .find(|&(size, _)| nanos % size == 0)
        .unwrap_or((1, "ns"));
    format!("{}{unit}", nanos / size)
}

/// An integer as docker's and podman's flags read it: Go's `strconv.ParseInt(s, 0, 64)`, which
/// their flag library calls for every integer flag. Base 0 means a prefix picks the base: `0x`
/// hexadecimal, `0o` or a bare leading `0` octal, `0b` binary, else decimal; a sign may come
/// first, and `_` may separate digits. Read as a decimal, `--cpu-period 01000000` was a million
/// microseconds to the shim and 262 144 to podman: a quota judged for 2 CPUs ran 7.6 (the
/// twenty-fifth look's). `None` for anything Go refuses, and on overflow.
pub fn go_int(s: &str) -> Option<i64> {
    let (negative, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d, true)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d, true)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d, true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..], true)
    } else {
        (10, lower.as_str(), false)
    };
    // Go's rule for `_`: only between digits, or between the prefix and a digit.
    let bytes = digits.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let after_prefix = i == 0 && prefixed;
            let before_ok = after_prefix || (i > 0 && bytes[i - 1] != b'_');
            if !before_ok || bytes.get(i + 1).is_none_or(|&n| n == b'_') {
                return None;
            }
        }
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if clean.is_empty() || !clean.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(&clean, radix).ok()?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Whether a `--ulimit` value names the open-file limit, however spelt (`NOFILE=`, ` nofile=`):
/// one that does, and that [`nofile`] does not read, is refused rather than passed over.
pub fn names_nofile(ulimit: &str) -> bool {
    ulimit
        .split('=')
        .next()
        .is_some_and(|n| n.trim().eq_ignore_ascii_case("nofile"))
}

/// An open-file limit as podman reads a `--ulimit` (go-units): the name `nofile` exactly, then
/// `SOFT[:HARD]` in decimal digits, the hard limit the soft one when not given. `None` for any
/// other limit, and for a value podman would read otherwise (a sign, `-1`, another base).
pub fn nofile(ulimit: &str) -> Option<(u64, u64)> {
    let value = ulimit.strip_prefix("nofile=")?;
    let (soft, hard) = value.split_once(':').unwrap_or((value, value));
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    Some((number(soft)?, number(hard)?))
}

/// CFS's default period (µs): the runtime's when a quota comes without one.
pub const CFS_PERIOD: i64 = 100_000;
/// The CFS periods the kernel takes (µs): 1 ms to 1 s.
pub const CFS_PERIODS: std::ops::RangeInclusive<i64> = 1000..=1_000_000;

/// A CPU count in billionths (docker's NanoCPUs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct NanoCpus(pub u64);

impl NanoCpus {
    pub fn parse(s: &str) -> Option<NanoCpus> {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) || frac.len() > 9 {
            return None;
        }
        if s.ends_with('.') {
            return None;
        }
        let whole: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
        let frac_nanos: u64 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<9}").parse().ok()?
        };
        whole
            .checked_mul(1_000_000_000)?
            .checked_add(frac_nanos)
            .map(NanoCpus)
    }
}

impl fmt::Display for NanoCpus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.0 / 1_000_000_000, self.0 % 1_000_000_000);
        if frac == 0 {
            write!(f, "{whole}")
        } else {
            let frac = format!("{frac:09}");
            write!(f, "{whole}.{}", frac.trim_end_matches('0'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Go's `strconv.ParseInt(s, 0, 64)` answers for each (checked against Go's rules:
    /// a leading `0` is octal, `_` only between digits or after a prefix).
    #[test]
    fn integers_read_as_go_reads_them() {
        for (s, want) in [
            ("100000", Some(100_000)),
            ("01000000", Some(262_144)),
            ("0100000", Some(32_768)),
            ("01750", Some(1000)),
            ("0", Some(0)),
            ("00", Some(0)),
            ("-1", Some(-1)),
            ("+42", Some(42)),
            ("0x186a0", Some(100_000)),
            ("0X186A0", Some(100_000)),
            ("0o303240", Some(100_000)),
            ("0b1010", Some(10)),
            ("1_000_000", Some(1_000_000)),
            ("0x_1", Some(1)),
            ("0_7", Some(7)),
            ("-0x10", Some(-16)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("08", None),
            ("0x", None),
            ("_1", None),
            ("1_", None),
            ("1__0", None),
            ("1e6", None),
            (" 1", None),
            ("", None),
            ("-", None),
        ] {
            assert_eq!(go_int(s), want, "{s:?}");
        }
    }

    #[test]
    fn sizes_compare_across_units() {
        assert_eq!(parse_bytes("4096m"), parse_bytes("4g"));
        assert_eq!(parse_bytes("4g"), Some(4 << 30));
        assert_eq!(parse_bytes("4GB"), Some(4 << 30));
        assert_eq!(parse_bytes("4GiB"), Some(4 << 30));
        assert_eq!(parse_bytes("1.5g"), Some(3 << 29));
        assert_eq!(parse_bytes("512 m"), Some(512 << 20));
        assert_eq!(parse_bytes("100"), Some(100));
        assert_eq!(parse_bytes("0"), Some(0));
    }

    #[test]
    fn sizes_reject_garbage() {
        for bad in [
            "", "g", "4gbb", "4ii", "-1", "4x", "1.g", ".5g", "4 gg", "1e3", "1.2.3m",
        ] {
            assert_eq!(parse_bytes(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn sizes_format_in_the_largest_exact_unit() {
        assert_eq!(format_bytes(4 << 30), "4g");
        assert_eq!(format_bytes(1536 << 20), "1536m");
        assert_eq!(format_bytes(100), "100");
    }

    #[test]
    fn cpus_are_exact_decimals() {
        assert_eq!(NanoCpus::parse("2"), Some(NanoCpus(2_000_000_000)));
        assert_eq!(NanoCpus::parse("0.5"), Some(NanoCpus(500_000_000)));
        assert_eq!(NanoCpus::parse(".5"), Some(NanoCpus(500_000_000)));
        assert_eq!(NanoCpus::parse("1.000000001"), Some(NanoCpus(1_000_000_001)));
        for bad in ["", ".", "1.", "-1", "1e3", "1.0000000001", "two", "1/2"] {
            assert_eq!(NanoCpus::parse(bad), None, "{bad:?}");
        }
        assert_eq!(NanoCpus(1_500_000_000).to_string(), "1.5");
        assert_eq!(NanoCpus(2_000_000_000).to_string(), "2");
    }
}
