//! Calendar time: periods counted in the calendar (`1 month`, `7 days`), dates in a policy's
//! time zone, and working days from a calendar table.
//!
//! A period is not a duration: `1 month` from 31 January is 28 (or 29) February, and `1 day`
//! across a change of summer time is 23 or 25 hours. Month arithmetic clamps to the month's
//! last day, as periods are counted in law ("the same date, or the
//! last day of the month").

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, Zoned};
use std::collections::BTreeSet;

/// A calendar period: months (a year is twelve) and days (a week is seven).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    /// Whole months; applied first, clamped to the month's last day.
    pub months: i32,
    /// Calendar days, applied after the months.
    pub days: i32,
}

/// The most months or days a period may hold: ten thousand years, well inside what dates
/// can reach.
const MAX_MONTHS: i64 = 120_000;
const MAX_DAYS: i64 = 3_660_000;

impl Period {
    /// Reads `1 month`, `2 months`, `7 days`, `2 weeks`, `1 year`, or a sum of them
    /// (`1 month 2 days`).
    pub fn parse(s: &str) -> Result<Period, String> {
        let words: Vec<&str> = s.split_whitespace().collect();
        if words.is_empty() {
            return Err("a period is a number and a unit, like `1 month` or `7 days`".into());
        }
        let (mut months, mut days) = (0i64, 0i64);
        for pair in words.chunks(2) {
            let [n, unit] = pair else {
                return Err(format!(
                    "`{}` has no unit: write `{} days`, `{} months`…",
                    pair[0], pair[0], pair[0]
                ));
            };
            // digits only: a period written out is never negative (`d - 1 month` subtracts)
            let n: i64 = n
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| n.parse().ok())
                .flatten()
                .ok_or_else(|| format!("`{n}` is not a whole number of {unit}"))?;
            let (into_months, factor) = match *unit {
                "day" | "days" => (false, 1),
                "week" | "weeks" => (false, 7),
                "month" | "months" => (true, 1),
                "year" | "years" => (true, 12),
                other => {
                    return Err(format!(
                    "unknown unit `{other}`: a period counts `days`, `weeks`, `months` or `years`"
                ))
                }
            };
            let add = n.checked_mul(factor).ok_or("the period is too long")?;
            if into_months {
                months = months.checked_add(add).ok_or("the period is too long")?;
            } else {
                days = days.checked_add(add).ok_or("the period is too long")?;
            }
        }
        if months > MAX_MONTHS || days > MAX_DAYS {
            return Err("the period is too long: at most ten thousand years".into());
        }
        Ok(Period {
            months: months as i32,
            days: days as i32,
        })
    }

    /// Whether it is within ten thousand years either way, as every period the engine makes.
    pub fn within_bounds(&self) -> bool {
        i64::from(self.months).abs() <= MAX_MONTHS && i64::from(self.days).abs() <= MAX_DAYS
    }

    /// As written by [`Period::parse`]: `1 month`, `2 months 3 days`, `0 days`.
    pub fn format(&self) -> String {
        let mut parts = Vec::new();
        let unit = |n: i32, one: &str, many: &str| {
            format!("{n} {}", if n.abs() == 1 { one } else { many })
        };
        if self.months != 0 {
            parts.push(unit(self.months, "month", "months"));
        }
        if self.days != 0 || self.months == 0 {
            parts.push(unit(self.days, "day", "days"));
        }
        parts.join(" ")
    }

    /// The period in the opposite direction.
    pub fn negated(self) -> Period {
        Period {
            months: -self.months,
            days: -self.days,
        }
    }

    /// The sum of two periods, or `None` past ten thousand years either way.
    pub fn plus(self, other: Period) -> Option<Period> {
        let months = self.months.checked_add(other.months)?;
        let days = self.days.checked_add(other.days)?;
        (i64::from(months).abs() <= MAX_MONTHS && i64::from(days).abs() <= MAX_DAYS)
            .then_some(Period { months, days })
    }

    /// As a span of months and days; `None` out of its range (never for a period read or
    /// summed here, which stay within ten thousand years).
    fn span(self) -> Option<Span> {
        Span::new()
            .try_months(self.months)
            .ok()?
            .try_days(self.days)
            .ok()
    }
}

/// `date + period`: months first (clamped to the month's last day), then days; `None` out of
/// the range of dates.
pub fn add_to_date(date: Date, p: Period) -> Option<Date> {
    // most periods are days only (a due day 30 days on): no month arithmetic for those
    let d = match p.months {
        0 => date,
        m => date.checked_add(Span::new().try_months(m).ok()?).ok()?,
    };
    match p.days {
        0 => Some(d),
        n => d.checked_add(Span::new().try_days(n).ok()?).ok(),
    }
}

/// `instant + period` in `zone`: the same local time that many months and days later.
pub fn add_to_instant(t: Timestamp, p: Period, zone: &TimeZone) -> Option<Timestamp> {
    let z = t.to_zoned(zone.clone());
    z.checked_add(p.span()?).ok().map(|z| z.timestamp())
}

/// The local date of `t` in `zone`.
pub fn date_of(t: Timestamp, zone: &TimeZone) -> Date {
    t.to_zoned(zone.clone()).date()
}

/// The first instant of `date` in `zone` (00:00, or the first existing time of a day that
/// starts in a gap).
pub fn start_of(date: Date, zone: &TimeZone) -> Option<Timestamp> {
    // nearly every day starts at 00:00: one look-up of the zone's offsets
    let midnight = zone.to_ambiguous_timestamp(date.to_datetime(jiff::civil::Time::midnight()));
    if let Ok(t) = midnight.unambiguous() {
        return Some(t);
    }
    date.to_zoned(zone.clone())
        .ok()
        .and_then(|z: Zoned| z.start_of_day().ok())
        .map(|z| z.timestamp())
}

/// `2 February 2027`: a date as people read it.
pub fn format_date(d: Date) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let month = MONTHS
        .get((d.month() as usize).saturating_sub(1))
        .copied()
        .unwrap_or_default();
    format!("{} {month} {}", d.day(), d.year())
}

/// Which days are working days: weekdays, minus the listed holidays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    /// The table's name: its file's stem.
    pub name: String,
    /// Working weekdays, Monday first.
    pub weekdays: [bool; 7],
    /// Dates that are not working days, whatever their weekday.
    pub holidays: BTreeSet<Date>,
    /// A holiday's `note` (its name, where it comes from), for readers; never read when
    /// counting days.
    pub notes: std::collections::BTreeMap<Date, String>,
}

/// Past this many days without a working day, a calendar is treated as having none.
const SEARCH_DAYS: i32 = 3_660;

impl Calendar {
    /// Whether `d` is a working day.
    pub fn is_working_day(&self, d: Date) -> bool {
        self.weekdays[weekday_index(d.weekday())] && !self.holidays.contains(&d)
    }

    /// `d` if it is a working day, else the next one; `None` if there is none for ten years.
    pub fn roll_forward(&self, d: Date) -> Option<Date> {
        let mut day = d;
        for _ in 0..SEARCH_DAYS {
            if self.is_working_day(day) {
                return Some(day);
            }
            day = day.tomorrow().ok()?;
        }
        None
    }

    /// The `n`-th working day after `d` (`n` = 0: `d` rolled forward); `None` past the
    /// calendar's reach.
    pub fn add_working_days(&self, d: Date, n: i64) -> Option<Date> {
        let mut day = self.roll_forward(d)?;
        for _ in 0..n {
            day = self.roll_forward(day.tomorrow().ok()?)?;
        }
        Some(day)
    }
}

/// Monday = 0 … Sunday = 6.
pub fn weekday_index(w: Weekday) -> usize {
    (w.to_monday_zero_offset() as usize).min(6)
}

/// The weekday names a calendar table uses, Monday first.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn cal(holidays: &[Date]) -> Calendar {
        Calendar {
            name: "holidays".into(),
            weekdays: [true, true, true, true, true, false, false],
            holidays: holidays.iter().copied().collect(),
            notes: Default::default(),
        }
    }

    #[test]
    fn periods_read_and_write_back() {
        for (text, months, days, back) in [
            ("1 month", 1, 0, "1 month"),
            ("2 months", 2, 0, "2 months"),
            ("7 days", 0, 7, "7 days"),
            ("2 weeks", 0, 14, "14 days"),
            ("1 year", 12, 0, "12 months"),
            ("1 month 2 days", 1, 2, "1 month 2 days"),
            ("0 days", 0, 0, "0 days"),
        ] {
            let p = Period::parse(text).expect(text);
            assert_eq!((p.months, p.days), (months, days), "{text}");
            assert_eq!(p.format(), back);
        }
        for bad in [
            "",
            "month",
            "1",
            "1 fortnight",
            "x days",
            "99999999999 years",
            "-4294967296 days",
            "-1 month",
            "+5 days",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn months_clamp_to_the_last_day() {
        let m = Period { months: 1, days: 0 };
        assert_eq!(add_to_date(date(2027, 1, 31), m), Some(date(2027, 2, 28)));
        assert_eq!(add_to_date(date(2028, 1, 31), m), Some(date(2028, 2, 29)));
        assert_eq!(add_to_date(date(2028, 2, 29), m), Some(date(2028, 3, 29)));
        assert_eq!(add_to_date(date(2027, 3, 31), m), Some(date(2027, 4, 30)));
        let three = Period { months: 3, days: 0 };
        assert_eq!(
            add_to_date(date(2026, 11, 30), three),
            Some(date(2027, 2, 28))
        );
        let back = Period {
            months: -12,
            days: 0,
        };
        assert_eq!(
            add_to_date(date(2028, 2, 29), back),
            Some(date(2027, 2, 28))
        );
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let c = cal(&[date(2026, 12, 25), date(2026, 12, 28), date(2027, 2, 1)]);
        // Friday 25 December (holiday) → Mon 28 (holiday) → Tuesday 29
        assert_eq!(c.roll_forward(date(2026, 12, 25)), Some(date(2026, 12, 29)));
        assert_eq!(c.roll_forward(date(2027, 2, 1)), Some(date(2027, 2, 2)));
        assert_eq!(c.roll_forward(date(2027, 2, 3)), Some(date(2027, 2, 3)));
        assert_eq!(
            c.add_working_days(date(2026, 12, 24), 1),
            Some(date(2026, 12, 29))
        );
        let none = Calendar {
            weekdays: [false; 7],
            ..c
        };
        assert_eq!(none.roll_forward(date(2027, 1, 1)), None);
    }

    #[test]
    fn dates_in_a_zone() {
        let zone = TimeZone::get("Europe/Paris").expect("zone");
        let t: Timestamp = "2027-01-31T18:30:00-05:00".parse().expect("t");
        assert_eq!(date_of(t, &zone), date(2027, 2, 1));
        let summer = start_of(date(2027, 7, 1), &zone).expect("start");
        assert_eq!(summer.to_string(), "2027-06-30T22:00:00Z");
        assert_eq!(format_date(date(2027, 2, 2)), "2 February 2027");
        let t: Timestamp = "2027-01-31T10:00:00Z".parse().expect("t");
        let later = add_to_instant(t, Period { months: 1, days: 0 }, &zone).expect("t");
        assert_eq!(later.to_string(), "2027-02-28T10:00:00Z");
    }

    /// Every day of several years in zones whose clocks change at midnight (a day that
    /// starts at 01:00, a midnight that happens twice): `start_of` as the zone's own
    /// start of day gives it.
    #[test]
    fn a_day_starts_where_the_zone_says() {
        for name in [
            "America/Sao_Paulo",
            "America/Havana",
            "Asia/Beirut",
            "Europe/Paris",
        ] {
            let zone = TimeZone::get(name).expect("zone");
            let mut d = date(2010, 1, 1);
            let (mut gaps, mut folds) = (0, 0);
            while d < date(2020, 1, 1) {
                let midnight = d.to_datetime(jiff::civil::Time::midnight());
                let amb = zone.to_ambiguous_timestamp(midnight);
                match amb.offset() {
                    jiff::tz::AmbiguousOffset::Gap { .. } => gaps += 1,
                    jiff::tz::AmbiguousOffset::Fold { .. } => folds += 1,
                    jiff::tz::AmbiguousOffset::Unambiguous { .. } => {}
                }
                let full = d.to_zoned(zone.clone()).and_then(|z| z.start_of_day());
                assert_eq!(
                    start_of(d, &zone),
                    full.ok().map(|z| z.timestamp()),
                    "{name} {d}"
                );
                d = d.tomorrow().expect("a next day");
            }
            if name != "Europe/Paris" {
                assert!(
                    gaps > 0 && gaps + folds > 1,
                    "{name}: {gaps} gaps, {folds} folds"
                );
            }
        }
    }
}
