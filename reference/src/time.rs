//! Reading `at`: an RFC 3339 time with an offset, parsed by hand (it is on every line).
//!
//! It accepts exactly what `shape check + jiff::Timestamp::from_str` accepts, and gives the
//! same instant; `tests::at_parser_agrees_with_jiff` holds it to that.

use jiff::Timestamp;

/// The instant of an RFC 3339 time with an offset, or `None`.
// reading: RFC 3339's `date-time` with `T` or `t`, or a space (RFC 3339 §5.6 lets
// applications choose one), between date and time; seconds required; an optional fraction of
// 1 to 9 digits; an offset `Z`/`z` or `±hh:mm` (hours 00-23, minutes 00-59, as RFC 3339 has them).
// Second 60 (a leap second) is read as 59. ISO 8601 forms outside RFC 3339 (`20261128T100000Z`,
// `+0800`, no offset) are refused.
pub(crate) fn parse_at(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = num(&b[0..4])?;
    let month = num(&b[5..7])?;
    let day = num(&b[8..10])?;
    let hour = num(&b[11..13])?;
    let minute = num(&b[14..16])?;
    let second = num(&b[17..19])?;
    let mut rest = &b[19..];
    let mut nanos: i64 = 0;
    if let [b'.', frac @ ..] = rest {
        let n = frac.iter().take_while(|d| d.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return None;
        }
        nanos = num(&frac[..n])? * 10i64.pow(9 - n as u32);
        rest = &frac[n..];
    }
    let offset_secs = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h0, h1, b':', m0, m1] => {
            let h = num(&[*h0, *h1])?;
            let m = num(&[*m0, *m1])?;
            if h > 23 || m > 59 {
                return None;
            }
            let secs = h * 3600 + m * 60;
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let second = second.min(59);
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    Timestamp::new(secs, nanos as i32).ok()
}

/// The number written with the ASCII digits `b`, or `None` if one is no digit.
fn num(b: &[u8]) -> Option<i64> {
    let mut n = 0i64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(c - b'0');
    }
    Some(n)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
