//! Time zones named by a calendar: IANA names, Windows names, prefixed or decorated names
//! written by Mozilla and Outlook, VTIMEZONE locations, and the calendar's own zone.
//!
//! The VTIMEZONE rules themselves are not read: every zone that matters to us is in the tz
//! database, which is more accurate than the two-rule summary a calendar carries.

use std::collections::HashMap;

use jiff::tz::TimeZone;

use super::lines::Component;
use super::windows;

/// A zone and the IANA name it is stored under.
#[derive(Debug, Clone)]
pub(crate) struct Zone {
    /// IANA name (`Europe/Paris`), as stored in a series.
    pub(crate) name: String,
    /// The zone itself.
    pub(crate) tz: TimeZone,
}

/// Regions tried for a bare city name ("Amsterdam" in an Outlook display name).
const REGIONS: &[&str] = &[
    "Europe",
    "America",
    "Africa",
    "Asia",
    "Australia",
    "Pacific",
    "Atlantic",
    "Indian",
];

/// The zone a name stands for, trying in turn: an IANA name (any case), a Windows name, an
/// Outlook display name (`(UTC+01:00) Amsterdam, Berlin, …`: its first city found in the
/// database), and the trailing IANA-looking part of a prefixed name
/// (`/mozilla.org/20050126_1/Europe/Paris`).
pub(crate) fn lookup(name: &str) -> Option<Zone> {
    let name = name.trim().trim_matches('"').trim();
    if name.is_empty() {
        return None;
    }
    let get = |candidate: &str| {
        TimeZone::get(candidate).ok().map(|tz| Zone {
            name: tz.iana_name().unwrap_or(candidate).to_owned(),
            tz,
        })
    };
    if let Some(zone) = get(name) {
        return Some(zone);
    }
    if let Some(zone) = windows::to_iana(name).and_then(get) {
        return Some(zone);
    }
    if name.starts_with('(')
        && let Some((_, cities)) = name.split_once(')')
    {
        if let Some(zone) = windows::to_iana(cities).and_then(get) {
            return Some(zone);
        }
        for city in cities.split(',') {
            let city = city.trim().replace(' ', "_");
            if city.is_empty() || city.contains('/') {
                continue;
            }
            if let Some(zone) = REGIONS.iter().find_map(|r| get(&format!("{r}/{city}"))) {
                return Some(zone);
            }
        }
    }
    if name.contains('/') {
        let parts: Vec<&str> = name.split('/').filter(|p| !p.is_empty()).collect();
        for n in (1..=parts.len().min(3)).rev() {
            if let Some(zone) = get(&parts[parts.len() - n..].join("/")) {
                return Some(zone);
            }
        }
    }
    None
}

/// The zones of one calendar: its own (for floating times and UTC events), and the
/// locations its VTIMEZONEs give for their TZIDs.
#[derive(Debug, Clone)]
pub(crate) struct Zones {
    calendar: Zone,
    locations: HashMap<String, String>,
}

impl Zones {
    /// The zones of `calendar`; its own zone is `X-WR-TIMEZONE` when that names a zone,
    /// else `default`.
    pub(crate) fn new(calendar: &Component, default: &Zone) -> Self {
        let own = calendar
            .prop("X-WR-TIMEZONE")
            .and_then(|p| lookup(&p.text()))
            .unwrap_or_else(|| default.clone());
        let locations = calendar
            .children
            .iter()
            .filter(|c| c.name == "VTIMEZONE")
            .filter_map(|c| {
                let tzid = c.prop("TZID")?.value.trim().to_owned();
                let location = c.prop("X-LIC-LOCATION")?.text();
                Some((tzid, location))
            })
            .collect();
        Self {
            calendar: own,
            locations,
        }
    }

    /// The calendar's own zone.
    pub(crate) fn calendar(&self) -> &Zone {
        &self.calendar
    }

    /// Whether `tzid` names no zone this reader knows (neither itself nor its VTIMEZONE's
    /// `X-LIC-LOCATION`): its times are then read in the calendar's zone.
    pub(crate) fn unknown(&self, tzid: &str) -> bool {
        lookup(tzid).is_none()
            && self
                .locations
                .get(tzid.trim())
                .and_then(|location| lookup(location))
                .is_none()
    }

    /// The zone a TZID parameter names: [`lookup`] on the TZID, else on its VTIMEZONE's
    /// `X-LIC-LOCATION`, else the calendar's zone (the best guess left: a calendar's events
    /// are mostly in its own zone).
    pub(crate) fn of_tzid(&self, tzid: &str) -> Zone {
        lookup(tzid)
            .or_else(|| {
                self.locations
                    .get(tzid.trim())
                    .and_then(|location| lookup(location))
            })
            .unwrap_or_else(|| self.calendar.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Option<String> {
        lookup(s).map(|z| z.name)
    }

    #[test]
    fn finds_iana_windows_and_decorated_names() {
        assert_eq!(name("Europe/Paris").as_deref(), Some("Europe/Paris"));
        assert_eq!(name("europe/brussels").as_deref(), Some("Europe/Brussels"));
        assert_eq!(name("\"Europe/Paris\"").as_deref(), Some("Europe/Paris"));
        assert_eq!(
            name("W. Europe Standard Time").as_deref(),
            Some("Europe/Berlin")
        );
        assert_eq!(
            name("Romance Standard Time").as_deref(),
            Some("Europe/Paris")
        );
        assert_eq!(
            name("/mozilla.org/20050126_1/Europe/Paris").as_deref(),
            Some("Europe/Paris")
        );
        assert_eq!(
            name("/softwarestudio.org/Olson_20011030_5/America/Argentina/Buenos_Aires").as_deref(),
            Some("America/Argentina/Buenos_Aires")
        );
        assert_eq!(
            name("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna").as_deref(),
            Some("Europe/Amsterdam")
        );
        assert_eq!(
            name("(UTC+01:00) Brussels, Copenhagen, Madrid, Paris").as_deref(),
            Some("Europe/Brussels")
        );
        assert_eq!(
            name("(UTC-05:00) Eastern Time (US & Canada)").as_deref(),
            Some("America/New_York")
        );
        assert_eq!(name("UTC").as_deref(), Some("UTC"));
        assert_eq!(name("Customized Time Zone"), None);
        assert_eq!(name("(UTC+01:00)"), None);
        assert_eq!(name(""), None);
    }

    #[test]
    fn falls_back_to_the_location_then_the_calendar_zone() {
        let calendar = super::super::lines::parse(
            b"BEGIN:VCALENDAR\nX-WR-TIMEZONE:Europe/Brussels\nBEGIN:VTIMEZONE\nTZID:Custom 1\nX-LIC-LOCATION:Europe/Lisbon\nEND:VTIMEZONE\nEND:VCALENDAR\n",
        )
        .unwrap()
        .remove(0);
        let default = lookup("Europe/Paris").unwrap();
        let zones = Zones::new(&calendar, &default);
        assert_eq!(zones.calendar().name, "Europe/Brussels");
        assert_eq!(zones.of_tzid("Custom 1").name, "Europe/Lisbon");
        assert_eq!(zones.of_tzid("Custom 2").name, "Europe/Brussels");
        assert_eq!(zones.of_tzid("Europe/Berlin").name, "Europe/Berlin");

        let no_own = super::super::lines::parse(
            b"BEGIN:VCALENDAR\nX-WR-TIMEZONE:Mars/Olympus\nEND:VCALENDAR\n",
        )
        .unwrap()
        .remove(0);
        assert_eq!(
            Zones::new(&no_own, &default).calendar().name,
            "Europe/Paris"
        );
    }
}
