//! The stored calendars and guide → the waste data set: each commune's rules expanded into
//! concrete dates over a window of whole weeks, and the live entries of the guide.
//! Deterministic: the same rows and window give the same bytes.

use beffroi_protocol::data::waste::WasteData;
use beffroi_protocol::time::Zone;
use jiff::Timestamp;
use jiff::civil::Date;

use super::store::{StoredAdvice, StoredCalendar};

/// The window of the data set at `now`: from the Monday of the current week (Paris) to the
/// Sunday `weeks` weeks later, inclusive. It moves once a week, so the data set (and every
/// manifest showing waste prompts) changes once a week unless the calendars do; the dates
/// before today that it keeps cost a few bytes and nothing on screen (players show the
/// dates from today on).
pub fn window(now: Timestamp, weeks: u32) -> (Date, Date) {
    let today = now.to_zoned_datetime(Zone::paris().tz()).date();
    let back = i64::from(today.weekday().to_monday_zero_offset());
    let monday = today
        .checked_sub(jiff::Span::new().days(back))
        .unwrap_or(today);
    let until = monday
        .checked_add(jiff::Span::new().days(7 * i64::from(weeks) + 6))
        .unwrap_or(monday);
    (monday, until)
}

/// The waste data set: the calendars with at least one date in `[from, until]`, by commune,
/// and the live entries of the guide, by id.
pub fn build(
    calendars: &[StoredCalendar],
    advice: &[StoredAdvice],
    from: Date,
    until: Date,
) -> WasteData {
    let communes = calendars
        .iter()
        .map(|c| c.calendar().to_data(from, until))
        .filter(|c| !c.streams.is_empty())
        .collect();
    let advice = advice
        .iter()
        .filter(|a| a.live())
        .map(|a| a.advice.clone())
        .collect();
    WasteData { communes, advice }
}
