//! Fast, strict parsing of the decimal fields of CSV-like text: each failure says which
//! field and why, the caller adds the file and line.

/// Parses a signed decimal integer (`-?[0-9]{1,18}`) occupying all of `f`.
#[inline]
pub fn int(f: &[u8]) -> Option<i64> {
    let (neg, digits) = match f.first() {
        Some(b'-') => (true, &f[1..]),
        _ => (false, f),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut v: i64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as i64;
    }
    Some(if neg { -v } else { v })
}

/// Parses a non-negative decimal `digits[.digits]` into an integer scaled by `10^scale`:
/// `"236.47"` at scale 2 is 23647. More decimals than `scale` is an error, never a rounding.
#[inline]
pub fn fixed(f: &[u8], scale: u32) -> Option<i64> {
    let (whole, frac) = match f.iter().position(|&b| b == b'.') {
        Some(i) => (&f[..i], &f[i + 1..]),
        None => (f, &f[f.len()..]),
    };
    if whole.is_empty() || whole.first() == Some(&b'-') || frac.len() > scale as usize {
        return None;
    }
    let w = int(whole)?;
    let mut v: i64 = 0;
    for &b in frac {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as i64;
    }
    let v = v.checked_mul(10i64.pow(scale - frac.len() as u32))?;
    w.checked_mul(10i64.pow(scale))?.checked_add(v)
}

/// Shows a field in an error message: its text, shortened, or "an empty field".
pub fn show(f: &[u8]) -> String {
    if f.is_empty() {
        return "an empty field".into();
    }
    let s = String::from_utf8_lossy(&f[..f.len().min(40)]);
    format!("'{s}'")
}

/// Splits text into lines: yields `(1-based line number, line without "\n" or "\r\n")`.
/// A final line without a newline is a line; the empty string after a final newline is not.
pub fn lines(text: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    let mut rest = text;
    let mut n = 0u64;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        n += 1;
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        Some((n, line))
    })
}

/// Number of lines as [`lines`] counts them.
pub fn count_lines(text: &[u8]) -> u64 {
    let nl = text.iter().filter(|&&b| b == b'\n').count() as u64;
    nl + u64::from(!text.is_empty() && text.last() != Some(&b'\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_accepts_only_plain_decimals() {
        assert_eq!(int(b"0"), Some(0));
        assert_eq!(int(b"-9999999999"), Some(-9_999_999_999));
        assert_eq!(int(b"2238100"), Some(2_238_100));
        for bad in [
            &b""[..],
            b"-",
            b"1.5",
            b"12a",
            b" 1",
            b"1234567890123456789",
            b"+1",
        ] {
            assert_eq!(int(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn fixed_scales_without_rounding() {
        assert_eq!(fixed(b"236.47", 2), Some(23_647));
        assert_eq!(fixed(b"236.4", 2), Some(23_640));
        assert_eq!(fixed(b"236", 2), Some(23_600));
        assert_eq!(fixed(b"2.00000000", 8), Some(200_000_000));
        assert_eq!(fixed(b"34200.18960767", 9), Some(34_200_189_607_670));
        assert_eq!(fixed(b"236.471", 2), None);
        assert_eq!(fixed(b"-1.0", 2), None);
        assert_eq!(fixed(b".5", 2), None);
        assert_eq!(fixed(b"1.x", 2), None);
    }

    #[test]
    fn lines_number_from_one_and_drop_crlf() {
        let v: Vec<(u64, &[u8])> = lines(b"a,b\r\nc\n\nd").collect();
        assert_eq!(v, [(1, &b"a,b"[..]), (2, b"c"), (3, b""), (4, b"d")]);
        assert_eq!(count_lines(b"a,b\r\nc\n\nd"), 4);
        assert_eq!(count_lines(b"a\n"), 1);
        assert_eq!(count_lines(b""), 0);
    }
}
