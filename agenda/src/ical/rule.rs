//! Recurrence rules (RFC 5545 §3.3.10, `RRULE`): parsed and checked, written back in a
//! canonical form (a series stores its rules as that text, the most stable form there is).
//!
//! HOURLY and coarser frequencies are supported; SECONDLY and MINUTELY are refused (a
//! screen has nothing to show for events repeating every minute). RSCALE (RFC 7529) is
//! accepted only as GREGORIAN; SKIP is ignored (the RFC 5545 behaviour: invalid dates are
//! skipped). `X-` parts are ignored.

use std::fmt;
use std::str::FromStr;

use jiff::civil::DateTime;
use serde::{Deserialize, Serialize};

use super::values::{self, Value};

/// How often a rule repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Freq {
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

impl Freq {
    fn name(self) -> &'static str {
        match self {
            Self::Hourly => "HOURLY",
            Self::Daily => "DAILY",
            Self::Weekly => "WEEKLY",
            Self::Monthly => "MONTHLY",
            Self::Yearly => "YEARLY",
        }
    }
}

/// Weekday codes, Monday first (index = days since Monday).
const WEEKDAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// One iCalendar recurrence rule (`FREQ=MONTHLY;BYDAY=-1FR`), parsed and checked.
///
/// Serialised as its canonical RRULE text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rule {
    pub(crate) freq: Freq,
    pub(crate) interval: i64,
    pub(crate) count: Option<u32>,
    /// As written: a DATE, a local DATE-TIME (in the series' zone), or a UTC instant.
    pub(crate) until: Option<Value>,
    pub(crate) by_second: Vec<i8>,
    pub(crate) by_minute: Vec<i8>,
    pub(crate) by_hour: Vec<i8>,
    /// `(ordinal, weekday)`: ordinal 0 for every such weekday; weekday 0 is Monday.
    pub(crate) by_day: Vec<(i8, i8)>,
    pub(crate) by_month_day: Vec<i8>,
    pub(crate) by_year_day: Vec<i16>,
    pub(crate) by_week_no: Vec<i8>,
    pub(crate) by_month: Vec<i8>,
    pub(crate) by_set_pos: Vec<i16>,
    /// First day of the week, 0 for Monday.
    pub(crate) wkst: i8,
}

/// A comma list of numbers: from `lo` to `hi`, and from `-hi` to `-lo` when `signed`.
fn numbers<T: TryFrom<i64> + Ord>(
    part: &str,
    value: &str,
    lo: i64,
    hi: i64,
    signed: bool,
) -> Result<Vec<T>, String> {
    let err = || {
        let range = if signed {
            format!("from {lo} to {hi} or from -{hi} to -{lo}")
        } else {
            format!("from {lo} to {hi}")
        };
        format!("{part}={value} is not a list of numbers {range}")
    };
    let mut out = Vec::new();
    for item in value.split(',') {
        let item = item.trim();
        let digits = item.strip_prefix(['+', '-']).unwrap_or(item);
        if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let n: i64 = item.parse().map_err(|_| err())?;
        let ok = (lo..=hi).contains(&n) || (signed && (-hi..=-lo).contains(&n));
        if !ok {
            return Err(err());
        }
        out.push(T::try_from(n).map_err(|_| err())?);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn weekday(code: &str) -> Option<i8> {
    WEEKDAYS
        .iter()
        .position(|w| w.eq_ignore_ascii_case(code))
        .and_then(|i| i8::try_from(i).ok())
}

fn by_day(value: &str) -> Result<Vec<(i8, i8)>, String> {
    let mut out = Vec::new();
    for item in value.split(',') {
        let item = item.trim();
        let err = || {
            format!(
                "BYDAY={value}: \"{item}\" is not a weekday (MO, TU, WE, TH, FR, SA, SU, \
                 with an optional ordinal such as 2SU or -1FR)"
            )
        };
        if item.len() < 2 || !item.is_char_boundary(item.len() - 2) {
            return Err(err());
        }
        let (ordinal, code) = item.split_at(item.len() - 2);
        let day = weekday(code).ok_or_else(err)?;
        let ordinal: i8 = match ordinal {
            "" | "+" => 0,
            n => {
                let digits = n.strip_prefix(['+', '-']).unwrap_or(n);
                if digits.is_empty() || digits.len() > 2 {
                    return Err(err());
                }
                let n: i8 = n.parse().map_err(|_| err())?;
                if n == 0 || !(-53..=53).contains(&n) {
                    return Err(err());
                }
                n
            }
        };
        out.push((ordinal, day));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn positive(part: &str, value: &str) -> Result<i64, String> {
    let v = value.trim();
    let n = if !v.is_empty() && v.len() <= 18 && v.bytes().all(|b| b.is_ascii_digit()) {
        v.parse::<i64>().ok()
    } else {
        None
    };
    match n {
        Some(n) if n > 0 => Ok(n),
        _ => Err(format!("{part}={value} is not a positive number")),
    }
}

impl FromStr for Rule {
    type Err = String;

    /// Parses the value of an RRULE property; the error names the faulty part.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut rule = Rule {
            freq: Freq::Daily,
            interval: 1,
            count: None,
            until: None,
            by_second: Vec::new(),
            by_minute: Vec::new(),
            by_hour: Vec::new(),
            by_day: Vec::new(),
            by_month_day: Vec::new(),
            by_year_day: Vec::new(),
            by_week_no: Vec::new(),
            by_month: Vec::new(),
            by_set_pos: Vec::new(),
            wkst: 0,
        };
        let mut freq = None;
        for part in s.trim().split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("\"{part}\" is not NAME=VALUE"))?;
            let name = name.trim().to_ascii_uppercase();
            let value = value.trim();
            match name.as_str() {
                "FREQ" => {
                    freq = Some(match value.to_ascii_uppercase().as_str() {
                        "YEARLY" => Freq::Yearly,
                        "MONTHLY" => Freq::Monthly,
                        "WEEKLY" => Freq::Weekly,
                        "DAILY" => Freq::Daily,
                        "HOURLY" => Freq::Hourly,
                        "MINUTELY" | "SECONDLY" => {
                            return Err(format!(
                                "FREQ={value} is not supported (events repeating more often \
                                 than every hour)"
                            ));
                        }
                        _ => return Err(format!("FREQ={value} is not a frequency")),
                    });
                }
                "INTERVAL" => rule.interval = positive("INTERVAL", value)?,
                "COUNT" => {
                    let n = positive("COUNT", value)?;
                    rule.count = Some(u32::try_from(n).unwrap_or(u32::MAX));
                }
                "UNTIL" => {
                    let until = values::parse_value(value, None)
                        .map_err(|_| format!("UNTIL={value} is not a date or a date-time"))?;
                    rule.until = Some(until);
                }
                "BYSECOND" => rule.by_second = numbers("BYSECOND", value, 0, 60, false)?,
                "BYMINUTE" => rule.by_minute = numbers("BYMINUTE", value, 0, 59, false)?,
                "BYHOUR" => rule.by_hour = numbers("BYHOUR", value, 0, 23, false)?,
                "BYDAY" => rule.by_day = by_day(value)?,
                "BYMONTHDAY" => rule.by_month_day = numbers("BYMONTHDAY", value, 1, 31, true)?,
                "BYYEARDAY" => rule.by_year_day = numbers("BYYEARDAY", value, 1, 366, true)?,
                "BYWEEKNO" => rule.by_week_no = numbers("BYWEEKNO", value, 1, 53, true)?,
                "BYMONTH" => rule.by_month = numbers("BYMONTH", value, 1, 12, false)?,
                "BYSETPOS" => rule.by_set_pos = numbers("BYSETPOS", value, 1, 366, true)?,
                "WKST" => {
                    rule.wkst = weekday(value)
                        .ok_or_else(|| format!("WKST={value} is not a weekday (MO to SU)"))?;
                }
                "RSCALE" if !value.eq_ignore_ascii_case("GREGORIAN") => {
                    return Err(format!("RSCALE={value} is not supported (only GREGORIAN)"));
                }
                "RSCALE" | "SKIP" => {}
                other if other.starts_with("X-") => {}
                other => return Err(format!("{other} is not a recurrence rule part")),
            }
        }
        rule.freq = freq.ok_or("FREQ is missing")?;
        // A leap second cannot be told from the next second in our times: drop it.
        rule.by_second.retain(|s| *s < 60);
        Ok(rule)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, name: &str, v: &[T]) -> fmt::Result {
            if v.is_empty() {
                return Ok(());
            }
            write!(f, ";{name}=")?;
            for (i, item) in v.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{item}")?;
            }
            Ok(())
        }
        write!(f, "FREQ={}", self.freq.name())?;
        if self.interval != 1 {
            write!(f, ";INTERVAL={}", self.interval)?;
        }
        if let Some(count) = self.count {
            write!(f, ";COUNT={count}")?;
        }
        match self.until {
            Some(Value::Date(d)) => write!(f, ";UNTIL={}", d.strftime("%Y%m%d"))?,
            Some(Value::Local(dt)) => write!(f, ";UNTIL={}", local(dt))?,
            Some(Value::Utc(ts)) => write!(f, ";UNTIL={}Z", ts.strftime("%Y%m%dT%H%M%S"))?,
            None => {}
        }
        list(f, "BYMONTH", &self.by_month)?;
        list(f, "BYWEEKNO", &self.by_week_no)?;
        list(f, "BYYEARDAY", &self.by_year_day)?;
        list(f, "BYMONTHDAY", &self.by_month_day)?;
        let days: Vec<String> = self
            .by_day
            .iter()
            .map(|&(n, d)| {
                let code = WEEKDAYS[usize::try_from(d).unwrap_or(0) % 7];
                if n == 0 {
                    code.to_owned()
                } else {
                    format!("{n}{code}")
                }
            })
            .collect();
        list(f, "BYDAY", &days)?;
        list(f, "BYHOUR", &self.by_hour)?;
        list(f, "BYMINUTE", &self.by_minute)?;
        list(f, "BYSECOND", &self.by_second)?;
        list(f, "BYSETPOS", &self.by_set_pos)?;
        if self.wkst != 0 {
            write!(
                f,
                ";WKST={}",
                WEEKDAYS[usize::try_from(self.wkst).unwrap_or(0) % 7]
            )?;
        }
        Ok(())
    }
}

fn local(dt: DateTime) -> String {
    dt.strftime("%Y%m%dT%H%M%S").to_string()
}

impl TryFrom<String> for Rule {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<Rule> for String {
    fn from(rule: Rule) -> String {
        rule.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_back_canonically() {
        let rule: Rule = "freq=weekly;wkst=SU;COUNT=6;BYDAY=WE,MO,TU;"
            .parse()
            .unwrap();
        assert_eq!(
            rule.to_string(),
            "FREQ=WEEKLY;COUNT=6;BYDAY=MO,TU,WE;WKST=SU"
        );
        let rule: Rule = "FREQ=MONTHLY;UNTIL=20190315T225959Z;BYDAY=3SA;INTERVAL=2"
            .parse()
            .unwrap();
        assert_eq!(
            rule.to_string(),
            "FREQ=MONTHLY;INTERVAL=2;UNTIL=20190315T225959Z;BYDAY=3SA"
        );
        for text in [
            "FREQ=YEARLY;UNTIL=20301231;BYMONTH=3,10;BYDAY=-1SU",
            "FREQ=DAILY;UNTIL=20201126T100000",
            "FREQ=YEARLY;BYWEEKNO=-1,20;BYYEARDAY=-366,1;BYMONTHDAY=-1;BYHOUR=8,20;BYMINUTE=30;BYSECOND=15;BYSETPOS=-1,2",
        ] {
            let rule: Rule = text.parse().unwrap();
            assert_eq!(rule.to_string(), text);
            let json = serde_json::to_string(&rule).unwrap();
            assert_eq!(serde_json::from_str::<Rule>(&json).unwrap(), rule);
        }
    }

    #[test]
    fn names_the_faulty_part() {
        let err = |s: &str| s.parse::<Rule>().unwrap_err();
        assert_eq!(err("COUNT=3"), "FREQ is missing");
        assert_eq!(err("FREQ=SOMETIMES"), "FREQ=SOMETIMES is not a frequency");
        assert!(err("FREQ=MINUTELY").contains("not supported"));
        assert_eq!(
            err("FREQ=MONTHLY;BYMONTH=13"),
            "BYMONTH=13 is not a list of numbers from 1 to 12"
        );
        assert_eq!(
            err("FREQ=MONTHLY;BYMONTHDAY=0"),
            "BYMONTHDAY=0 is not a list of numbers from 1 to 31 or from -31 to -1"
        );
        assert!(err("FREQ=MONTHLY;BYDAY=1XX").starts_with("BYDAY=1XX: \"1XX\" is not a weekday"));
        assert!(err("FREQ=MONTHLY;BYDAY=0MO").starts_with("BYDAY=0MO"));
        assert!(err("FREQ=MONTHLY;BYDAY=é").starts_with("BYDAY=é"));
        assert_eq!(
            err("FREQ=DAILY;INTERVAL=0"),
            "INTERVAL=0 is not a positive number"
        );
        assert_eq!(
            err("FREQ=DAILY;COUNT=-1"),
            "COUNT=-1 is not a positive number"
        );
        assert_eq!(
            err("FREQ=DAILY;UNTIL=2019"),
            "UNTIL=2019 is not a date or a date-time"
        );
        assert_eq!(err("FREQ=DAILY;FOO=1"), "FOO is not a recurrence rule part");
        assert_eq!(err("FREQ=DAILY;BYDAY"), "\"BYDAY\" is not NAME=VALUE");
        assert!(
            "FREQ=DAILY;X-NAME=1;RSCALE=gregorian;SKIP=OMIT"
                .parse::<Rule>()
                .is_ok()
        );
        assert!(err("FREQ=DAILY;RSCALE=HEBREW").contains("RSCALE"));
    }
}
