//! The instant of a well-shaped RFC 3339 time, read without jiff's general parser when
//! every part is in its everyday range; jiff reads anything else (and says what is wrong).

use jiff::Timestamp;

/// The instant `s` names, when `s` is `YYYY-MM-DDTHH:MM:SS[.f]` followed by `Z` or
/// `±HH:MM` (the shape [`super::rfc3339_shape`] accepts) with a real calendar day, a second
/// below 60 and at most nine fraction digits. `None` for anything else, which jiff's parser
/// then reads, with its errors: this gives the instant jiff gives, or leaves it to jiff.
pub(super) fn instant(s: &str) -> Option<Timestamp> {
    instant_at_offset(s).map(|(t, _)| t)
}

/// [`instant`], with the UTC offset `s` is written with: what the direct path of a line
/// reads of its `at` in one pass.
pub(super) fn instant_at_offset(s: &str) -> Option<(Timestamp, jiff::tz::Offset)> {
    let b = s.as_bytes();
    // the date and time at their fixed places, read once (no bounds checks after this)
    let head: &[u8; 19] = b.get(..19)?.try_into().ok()?;
    let digit = |c: u8| -> Option<i64> {
        let d = c.wrapping_sub(b'0');
        (d < 10).then_some(i64::from(d))
    };
    let two = |i: usize| Some(digit(head[i])? * 10 + digit(head[i + 1])?);
    let year = two(0)? * 100 + two(2)?;
    let (month, day) = (two(5)?, two(8)?);
    let (hour, minute, second) = (two(11)?, two(14)?, two(17)?);
    if head[4] != b'-'
        || head[7] != b'-'
        || head[13] != b':'
        || head[16] != b':'
        || !matches!(head[10], b'T' | b't' | b' ')
    {
        return None;
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut rest = b.get(19..)?;
    let mut nanos = 0i64;
    if let [b'.', fraction @ ..] = rest {
        // up to nine digits, scaled to nanoseconds as they are read
        let mut n = 0;
        let mut scale = 1_000_000_000i64;
        for &c in fraction {
            let Some(d) = digit(c) else { break };
            n += 1;
            if n > 9 {
                return None;
            }
            scale /= 10;
            nanos += d * scale;
        }
        if n == 0 {
            return None;
        }
        rest = fraction.get(n..)?;
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h0, h1, b':', m0, m1] => {
            let hours = digit(*h0)? * 10 + digit(*h1)?;
            let minutes = digit(*m0)? * 10 + digit(*m1)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = hours * 3600 + minutes * 60;
            if *sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        _ => return None,
    };
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    // out of jiff's range: jiff says so
    let t = Timestamp::new(local - offset, i32::try_from(nanos).ok()?).ok()?;
    // at most 23:59 either way: always in jiff's range
    let written = jiff::tz::Offset::from_seconds(i32::try_from(offset).ok()?).ok()?;
    Some((t, written))
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the proleptic Gregorian date (`year` ≥ 0), by counting 400-year
/// eras from 0000-03-01 (a leap day then falls at the end of its year).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn jiff(s: &str) -> Option<Timestamp> {
        s.parse().ok()
    }

    #[test]
    fn everyday_times_are_read_as_jiff_reads_them() {
        for s in [
            "2026-11-28T10:00:00+08:00",
            "2026-11-28t10:00:00.123z",
            "2026-11-28 10:00:00-00:00",
            "2024-02-29T23:59:59.999999999-23:59",
            "2000-02-29T00:00:00Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.5+00:30",
            "0000-03-01T00:00:00+23:59",
            "9999-12-30T22:00:00Z",
            "0001-01-01T00:00:00.000000001Z",
        ] {
            assert_eq!(instant(s), jiff(s), "{s}");
            assert!(instant(s).is_some(), "{s}");
            let offset = instant_at_offset(s).map(|(_, o)| o.seconds());
            assert_eq!(
                offset,
                Some(super::super::written_offset(s).seconds()),
                "{s}"
            );
        }
        let written = |s| instant_at_offset(s).map(|(_, o)| o.seconds());
        assert_eq!(written("2026-11-28T10:00:00+08:00"), Some(8 * 3600));
        assert_eq!(
            written("2024-02-29T23:59:59.5-23:59"),
            Some(-(23 * 3600 + 59 * 60))
        );
        assert_eq!(written("2026-11-28t10:00:00.123z"), Some(0));
    }

    #[test]
    fn anything_unusual_is_left_to_jiff() {
        for s in [
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-01-00T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:60:00Z",
            "2026-12-31T23:59:60Z",
            "2026-01-01T00:00:00.1234567890Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00+24:00",
            "2026-01-01T00:00:00+08",
            "2026-01-01T00:00:00",
            "9999-12-31T23:59:59Z",
            "2026/01/01T00:00:00Z",
            "２026-01-01T00:00:00Z",
        ] {
            assert_eq!(instant(s), None, "{s}");
        }
    }

    proptest! {
        #[test]
        fn agrees_with_jiff_wherever_it_answers(
            year in 0i64..=9999, month in 0i64..=13, day in 0i64..=32,
            hour in 0i64..=24, minute in 0i64..=60, second in 0i64..=60,
            fraction in proptest::option::of("[0-9]{1,10}"),
            sep in prop::sample::select(vec!["T", "t", " "]),
            zone in prop_oneof![
                Just("Z".to_string()),
                (prop::sample::select(vec!['+', '-']), 0u8..=25, 0u8..=60)
                    .prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
            ],
        ) {
            let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
            let s = format!(
                "{year:04}-{month:02}-{day:02}{sep}{hour:02}:{minute:02}:{second:02}{fraction}{zone}"
            );
            if let Some((t, offset)) = instant_at_offset(&s) {
                prop_assert_eq!(Some(t), jiff(&s), "{}", s);
                // the offset the general path reads of the same text
                prop_assert_eq!(offset, super::super::written_offset(&s), "{}", s);
            } else if super::super::rfc3339_shape(&s) == super::super::Shape::Ok
                && second < 60
                && fraction.len() <= 10
            {
                // left to jiff only when jiff refuses it, or reads it otherwise
                prop_assert!(jiff(&s).is_none(), "{} is jiff's {:?}", s, jiff(&s));
            }
        }
    }
}
