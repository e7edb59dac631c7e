//! Helpers shared by the integration tests: dates, rules and calendars written briefly.

#![allow(dead_code, unreachable_pub)]

use beffroi_protocol::data::waste::{Reminder, Stream};
use beffroi_protocol::time::Weekday;
use beffroi_waste::{Calendar, Planned, Rhythm, Rule, Shift};
use jiff::civil::Date;

/// A date written `YYYY-MM-DD`.
pub fn d(s: &str) -> Date {
    s.parse().unwrap()
}

/// Several dates.
pub fn ds(list: &[&str]) -> Vec<Date> {
    list.iter().map(|s| d(s)).collect()
}

/// A rule with only a stream and a rhythm (holidays shift to the next day, the default).
pub fn rule(stream: Stream, rhythm: Rhythm) -> Rule {
    Rule::new(stream, rhythm)
}

/// The same rule with another holiday shift.
pub fn shifted(mut r: Rule, shift: Shift) -> Rule {
    r.holidays.shift = shift;
    r
}

/// Every week on these days.
pub fn weekly(days: &[Weekday]) -> Rhythm {
    Rhythm::Weekly {
        days: days.to_vec(),
    }
}

/// Fruges, with these rules.
pub fn calendar(rules: Vec<Rule>) -> Calendar {
    Calendar {
        commune: "62364".parse().unwrap(),
        name: "Fruges".into(),
        reminder: Reminder::default(),
        rules,
    }
}

/// The dates of `stream` from `from` to `until`, as the data set carries them.
pub fn dates(cal: &Calendar, stream: Stream, from: &str, until: &str) -> Vec<Date> {
    cal.collections(d(from), d(until))
        .into_iter()
        .find(|c| c.stream == stream)
        .map(|c| c.dates)
        .unwrap_or_default()
}

/// The planned collection of `rule` on `planned`, from a plan.
pub fn planned_on(plan: &[Planned], rule: usize, planned: &str) -> Planned {
    plan.iter()
        .find(|p| p.rule == rule && p.planned == d(planned))
        .cloned()
        .unwrap_or_else(|| panic!("nothing planned on {planned} by rule {rule} in {plan:#?}"))
}
