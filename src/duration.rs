//! Durations as policy authors write them: `24h`, `30m`, `90s`, `2d`, `1h30m`.

use jiff::SignedDuration;

/// The units in the order they must appear, with their length in seconds.
const UNITS: [(char, i64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

/// Parses a duration such as `24h`, `30m`, `90s`, `2d` or `1h30m`.
///
/// The syntax is one or more `<digits><unit>` parts, units `d`, `h`, `m`, `s` in that
/// order and each at most once, with no spaces or signs. The error says what is wrong,
/// lowercase and without repeating the whole input (the caller shows it).
pub fn parse_duration(s: &str) -> Result<SignedDuration, String> {
    const USE_UNITS: &str = "use `d`, `h`, `m` or `s`";
    if s.is_empty() {
        return Err("empty duration; write e.g. `24h` or `1h30m`".to_string());
    }
    let mut total: i64 = 0;
    // The index in `UNITS` that the next part's unit must be at or after.
    let mut next_unit = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits_len = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (digits, after) = rest.split_at(digits_len);
        let Some(unit) = after.chars().next() else {
            return Err(format!("missing unit after `{digits}`; {USE_UNITS}"));
        };
        if digits.is_empty() {
            return Err(if unit.is_whitespace() {
                "spaces are not allowed in a duration".to_string()
            } else if UNITS.iter().any(|&(u, _)| u == unit) {
                format!("missing number before `{unit}`")
            } else {
                format!("expected a number, found `{unit}`")
            });
        }
        let Some(index) = UNITS.iter().position(|&(u, _)| u == unit) else {
            return Err(if unit.is_whitespace() {
                "spaces are not allowed in a duration".to_string()
            } else {
                format!("unknown unit `{unit}`; {USE_UNITS}")
            });
        };
        if index < next_unit {
            return Err(format!(
                "unit `{unit}` out of order; units come in the order `d`, `h`, `m`, `s`, each at most once"
            ));
        }
        next_unit = index + 1;
        let secs = digits
            .parse::<i64>()
            .ok()
            .and_then(|n| n.checked_mul(UNITS[index].1))
            .and_then(|n| n.checked_add(total));
        total = secs.ok_or_else(|| "duration too large".to_string())?;
        rest = &after[unit.len_utf8()..];
    }
    Ok(SignedDuration::from_secs(total))
}

/// Formats a duration in the canonical form that [`parse_duration`] reads: hours, minutes
/// and seconds, largest first, zero parts left out (`24h`, `1h30m`, `90s` as `1m30s`,
/// `0s`). Days are not used, so `2d` comes back as `48h`. A negative duration gets a
/// leading `-`; a fraction of a second is dropped.
pub fn format_duration(d: SignedDuration) -> String {
    let secs = i128::from(d.as_secs());
    let mut out = String::new();
    if secs < 0 {
        out.push('-');
    }
    let secs = secs.unsigned_abs();
    let (h, m, s) = (secs / 3_600, secs / 60 % 60, secs % 60);
    for (n, unit) in [(h, 'h'), (m, 'm'), (s, 's')] {
        if n != 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    if secs == 0 {
        out.push_str("0s");
    }
    out
}

/// A duration in words, for people: hours, minutes and seconds, largest first, zero parts
/// left out, the last two joined by "and" (`24 hours`, `30 minutes`, `1 hour`, `1 hour and 30
/// minutes`, `2 hours, 5 minutes and 1 second`, `0 seconds`). Days are not used, as in
/// [`format_duration`] (`2d` reads `48 hours`); a negative duration reads `minus …`; a
/// fraction of a second is dropped.
pub fn duration_in_words(d: SignedDuration) -> String {
    let secs = i128::from(d.as_secs());
    let abs = secs.unsigned_abs();
    let mut parts: Vec<String> = [
        (abs / 3_600, "hour"),
        (abs / 60 % 60, "minute"),
        (abs % 60, "second"),
    ]
    .into_iter()
    .filter(|(n, _)| *n != 0)
    .map(|(n, unit)| format!("{n} {unit}{}", if n == 1 { "" } else { "s" }))
    .collect();
    if parts.is_empty() {
        return "0 seconds".to_string();
    }
    let last = parts.pop().unwrap_or_default();
    let words = if parts.is_empty() {
        last
    } else {
        format!("{} and {last}", parts.join(", "))
    };
    if secs < 0 {
        format!("minus {words}")
    } else {
        words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &str) -> i64 {
        parse_duration(s).unwrap().as_secs()
    }

    #[test]
    fn parses_each_unit_and_combinations() {
        assert_eq!(secs("24h"), 86_400);
        assert_eq!(secs("30m"), 1_800);
        assert_eq!(secs("90s"), 90);
        assert_eq!(secs("2d"), 172_800);
        assert_eq!(secs("1h30m"), 5_400);
        assert_eq!(secs("1d2h3m4s"), 93_784);
        assert_eq!(secs("0s"), 0);
        assert_eq!(secs("007m"), 420);
    }

    #[test]
    fn rejects_bad_syntax_with_a_reason() {
        let err = |s: &str| parse_duration(s).unwrap_err();
        assert_eq!(err(""), "empty duration; write e.g. `24h` or `1h30m`");
        assert_eq!(
            err("24"),
            "missing unit after `24`; use `d`, `h`, `m` or `s`"
        );
        assert_eq!(err("h"), "missing number before `h`");
        assert_eq!(err("24x"), "unknown unit `x`; use `d`, `h`, `m` or `s`");
        assert_eq!(err("24H"), "unknown unit `H`; use `d`, `h`, `m` or `s`");
        assert_eq!(err("-1h"), "expected a number, found `-`");
        assert_eq!(err("1h 30m"), "spaces are not allowed in a duration");
        assert_eq!(err(" 1h"), "spaces are not allowed in a duration");
        assert_eq!(err("1 h"), "spaces are not allowed in a duration");
        assert!(err("30m1h").starts_with("unit `h` out of order"));
        assert!(err("1h2h").starts_with("unit `h` out of order"));
        assert_eq!(err("1.5h"), "unknown unit `.`; use `d`, `h`, `m` or `s`");
        assert_eq!(err("1hé"), "expected a number, found `é`");
    }

    #[test]
    fn overflow_is_an_error() {
        assert_eq!(
            parse_duration("99999999999999999999s").unwrap_err(),
            "duration too large"
        );
        assert_eq!(
            parse_duration("106751991167301d").unwrap_err(),
            "duration too large"
        );
        assert!(parse_duration(&format!("{}s", i64::MAX)).is_ok());
        assert!(parse_duration(&format!("{}d1s", i64::MAX / 86_400)).is_ok());
        assert_eq!(
            parse_duration(&format!("{}d{}s", i64::MAX / 86_400, i64::MAX)).unwrap_err(),
            "duration too large"
        );
    }

    #[test]
    fn reads_in_words() {
        let w = |s: &str| duration_in_words(parse_duration(s).unwrap());
        assert_eq!(w("24h"), "24 hours");
        assert_eq!(w("30m"), "30 minutes");
        assert_eq!(w("60m"), "1 hour");
        assert_eq!(w("1h30m"), "1 hour and 30 minutes");
        assert_eq!(w("2h5m1s"), "2 hours, 5 minutes and 1 second");
        assert_eq!(w("2d"), "48 hours");
        assert_eq!(w("1s"), "1 second");
        assert_eq!(w("0s"), "0 seconds");
        assert_eq!(
            duration_in_words(SignedDuration::from_secs(-90)),
            "minus 1 minute and 30 seconds"
        );
        assert_eq!(
            duration_in_words(SignedDuration::MIN),
            "minus 2562047788015215 hours, 30 minutes and 8 seconds"
        );
    }

    #[test]
    fn formats_canonically_and_round_trips() {
        let f = |s: &str| format_duration(parse_duration(s).unwrap());
        assert_eq!(f("24h"), "24h");
        assert_eq!(f("1h30m"), "1h30m");
        assert_eq!(f("90s"), "1m30s");
        assert_eq!(f("0s"), "0s");
        assert_eq!(f("2d"), "48h");
        assert_eq!(f("1h0m5s"), "1h5s");
        for s in ["24h", "1h30m", "1m30s", "0s", "48h", "1h5s", "59s"] {
            assert_eq!(f(s), s);
        }
        assert_eq!(format_duration(SignedDuration::from_secs(-90)), "-1m30s");
        assert_eq!(format_duration(SignedDuration::new(1, 500_000_000)), "1s");
        assert_eq!(
            format_duration(SignedDuration::MIN),
            "-2562047788015215h30m8s"
        );
    }
}
