//! Date and time values (RFC 5545 §3.3.4–3.3.9): DATE, DATE-TIME, DURATION and PERIOD.
//!
//! Errors are bare phrases (`"20191301" is not a date`); the caller names the property.
//! Lenient about forms seen in the wild: lower-case `t`/`z`, the extended ISO form with
//! dashes and colons, a missing seconds field, a leap second.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

/// A DATE or DATE-TIME value, before its time zone is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Value {
    /// A whole day.
    Date(Date),
    /// A wall-clock time: floating, or in the zone its TZID names.
    Local(DateTime),
    /// An instant (`Z` suffix).
    Utc(Timestamp),
}

/// A DURATION: nominal days (weeks count 7) and exact seconds, either possibly negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Duration {
    /// Nominal days: the same wall-clock time that many days later.
    pub(crate) days: i64,
    /// Exact seconds.
    pub(crate) seconds: i64,
}

/// The end of a PERIOD: an explicit end, or a duration from its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PeriodEnd {
    /// `start/end`.
    At(Value),
    /// `start/duration`.
    After(Duration),
}

/// Digits and `T`/`Z`, upper case, without the dashes and colons of the extended form.
fn compact(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn number(s: &str) -> Option<i32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn date_of(s: &str) -> Option<Date> {
    if s.len() != 8 || !s.is_ascii() {
        return None;
    }
    let year = i16::try_from(number(&s[0..4])?).ok()?;
    let month = i8::try_from(number(&s[4..6])?).ok()?;
    let day = i8::try_from(number(&s[6..8])?).ok()?;
    Date::new(year, month, day).ok()
}

/// A DATE: `YYYYMMDD`.
pub(crate) fn parse_date(raw: &str) -> Result<Date, String> {
    date_of(&compact(raw)).ok_or_else(|| format!("\"{}\" is not a date", raw.trim()))
}

/// A DATE-TIME: `YYYYMMDDTHHMMSS`, with `Z` for UTC.
pub(crate) fn parse_date_time(raw: &str) -> Result<Value, String> {
    let err = || format!("\"{}\" is not a date-time", raw.trim());
    let s = compact(raw);
    let (s, utc) = match s.strip_suffix('Z') {
        Some(rest) => (rest, true),
        None => (s.as_str(), false),
    };
    let (date, time) = s.split_once('T').ok_or_else(err)?;
    let date = date_of(date).ok_or_else(err)?;
    if !time.is_ascii() || !(time.len() == 4 || time.len() == 6) {
        return Err(err());
    }
    let hour = i8::try_from(number(&time[0..2]).ok_or_else(err)?).map_err(|_| err())?;
    let minute = i8::try_from(number(&time[2..4]).ok_or_else(err)?).map_err(|_| err())?;
    let second = match time.get(4..6) {
        Some(s) => i8::try_from(number(s).ok_or_else(err)?).map_err(|_| err())?,
        None => 0,
    };
    // A leap second (allowed by the grammar) is the last second of its minute.
    let second = if second == 60 { 59 } else { second };
    let dt = date.to_datetime(jiff::civil::Time::new(hour, minute, second, 0).map_err(|_| err())?);
    if utc {
        let ts = dt.to_zoned_datetime(TimeZone::UTC).map_err(|_| err())?;
        Ok(Value::Utc(ts.timestamp()))
    } else {
        Ok(Value::Local(dt))
    }
}

/// A DATE or DATE-TIME as its `VALUE` parameter says; without one, eight digits are a DATE
/// (some producers forget `VALUE=DATE`).
pub(crate) fn parse_value(raw: &str, value_type: Option<&str>) -> Result<Value, String> {
    let declared = value_type.map(str::to_ascii_uppercase);
    match declared.as_deref() {
        Some("DATE") => parse_date(raw).map(Value::Date),
        None | Some("DATE-TIME") => {
            if compact(raw).len() == 8 {
                parse_date(raw).map(Value::Date)
            } else {
                parse_date_time(raw)
            }
        }
        Some(other) => Err(format!(
            "VALUE={other} is not a date or a date-time (\"{}\")",
            raw.trim()
        )),
    }
}

/// A DURATION: `[+-]P[nW][nD][T[nH][nM][nS]]`.
pub(crate) fn parse_duration(raw: &str) -> Result<Duration, String> {
    let err = || format!("\"{}\" is not a duration", raw.trim());
    let s = raw.trim().to_ascii_uppercase();
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s.as_str()),
    };
    let s = s.strip_prefix('P').ok_or_else(err)?;
    let mut duration = Duration::default();
    let mut in_time = false;
    let mut digits = String::new();
    let mut any = false;
    for c in s.chars() {
        match c {
            '0'..='9' => digits.push(c),
            'T' if !in_time && digits.is_empty() => in_time = true,
            _ => {
                // At most nine digits: 10⁹ weeks already exceed any calendar.
                if digits.is_empty() || digits.len() > 9 {
                    return Err(err());
                }
                let n: i64 = digits.parse().map_err(|_| err())?;
                digits.clear();
                any = true;
                match (in_time, c) {
                    (false, 'W') => duration.days += 7 * n,
                    (false, 'D') => duration.days += n,
                    (true, 'H') => duration.seconds += 3600 * n,
                    (true, 'M') => duration.seconds += 60 * n,
                    (true, 'S') => duration.seconds += n,
                    _ => return Err(err()),
                }
            }
        }
    }
    if !digits.is_empty() || !any {
        return Err(err());
    }
    if negative {
        duration.days = -duration.days;
        duration.seconds = -duration.seconds;
    }
    Ok(duration)
}

/// A PERIOD: `start/end` or `start/duration`.
pub(crate) fn parse_period(raw: &str) -> Result<(Value, PeriodEnd), String> {
    let err = || {
        format!(
            "\"{}\" is not a period (start/end or start/duration)",
            raw.trim()
        )
    };
    let (start, end) = raw.split_once('/').ok_or_else(err)?;
    let start = parse_date_time(start).map_err(|_| err())?;
    let end = if end.trim_start().starts_with(['P', 'p', '+', '-']) {
        PeriodEnd::After(parse_duration(end).map_err(|_| err())?)
    } else {
        PeriodEnd::At(parse_date_time(end).map_err(|_| err())?)
    };
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn reads_dates_and_date_times() {
        assert_eq!(parse_date("20190304"), Ok(date(2019, 3, 4)));
        assert_eq!(
            parse_date("20191301"),
            Err("\"20191301\" is not a date".to_owned())
        );
        assert_eq!(
            parse_date_time("20190304T140000"),
            Ok(Value::Local(date(2019, 3, 4).at(14, 0, 0, 0)))
        );
        assert_eq!(
            parse_date_time("20190310t233000z"),
            Ok(Value::Utc("2019-03-10T23:30:00Z".parse().unwrap()))
        );
        assert_eq!(
            parse_date_time("2019-03-04T14:00"),
            Ok(Value::Local(date(2019, 3, 4).at(14, 0, 0, 0)))
        );
        assert_eq!(
            parse_date_time("20161231T235960Z"),
            Ok(Value::Utc("2016-12-31T23:59:59Z".parse().unwrap()))
        );
        for bad in [
            "20190304T250000",
            "20190304",
            "2019030T140000",
            "20190304T14000Z",
            "",
        ] {
            assert!(parse_date_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn eight_digits_are_a_date_unless_declared_otherwise() {
        assert_eq!(
            parse_value("20190304", None),
            Ok(Value::Date(date(2019, 3, 4)))
        );
        assert_eq!(
            parse_value("20190304", Some("date")),
            Ok(Value::Date(date(2019, 3, 4)))
        );
        assert!(parse_value("20190304T100000", Some("DATE")).is_err());
        assert_eq!(
            parse_value("20190304T100000/PT1H", Some("PERIOD")),
            Err("VALUE=PERIOD is not a date or a date-time (\"20190304T100000/PT1H\")".to_owned())
        );
    }

    #[test]
    fn reads_durations() {
        let d = |days, seconds| Ok(Duration { days, seconds });
        assert_eq!(parse_duration("PT1H30M"), d(0, 5400));
        assert_eq!(parse_duration("P2W"), d(14, 0));
        assert_eq!(parse_duration("+P1DT2H3M4S"), d(1, 7384));
        assert_eq!(parse_duration("-PT15M"), d(0, -900));
        assert_eq!(parse_duration("P0D"), d(0, 0));
        for bad in [
            "P",
            "PT",
            "P1H",
            "PT1D",
            "1H",
            "P1Y",
            "P9999999999W",
            "PT1H2",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_periods() {
        let start = Value::Local(date(2024, 6, 1).at(10, 0, 0, 0));
        assert_eq!(
            parse_period("20240601T100000/PT2H"),
            Ok((
                start,
                PeriodEnd::After(Duration {
                    days: 0,
                    seconds: 7200
                })
            ))
        );
        assert_eq!(
            parse_period("20240601T100000/20240601T113000"),
            Ok((
                start,
                PeriodEnd::At(Value::Local(date(2024, 6, 1).at(11, 30, 0, 0)))
            ))
        );
        assert!(parse_period("20240601T100000").is_err());
    }
}
