//! French public holidays ("jours fériés"), Easter-based ones computed.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A French public holiday (those of the whole country; Alsace-Moselle's two extra days are
/// not in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Holiday {
    /// 1 January, Jour de l'an.
    NewYear,
    /// Easter Monday, Lundi de Pâques.
    EasterMonday,
    /// 1 May, Fête du travail.
    LabourDay,
    /// 8 May, Victoire 1945.
    VictoryDay,
    /// Ascension Thursday (Easter + 39).
    Ascension,
    /// Whit Monday, Lundi de Pentecôte (Easter + 50).
    WhitMonday,
    /// 14 July, Fête nationale.
    BastilleDay,
    /// 15 August, Assomption.
    Assumption,
    /// 1 November, Toussaint.
    AllSaints,
    /// 11 November, Armistice.
    Armistice,
    /// 25 December, Noël.
    Christmas,
}

impl Holiday {
    /// Every holiday, in calendar order (Ascension may come before 8 May, or fall on 1 or
    /// 8 May).
    pub const ALL: [Holiday; 11] = [
        Self::NewYear,
        Self::EasterMonday,
        Self::LabourDay,
        Self::VictoryDay,
        Self::Ascension,
        Self::WhitMonday,
        Self::BastilleDay,
        Self::Assumption,
        Self::AllSaints,
        Self::Armistice,
        Self::Christmas,
    ];

    /// Its date in `year`. Years outside the range of civil dates (±9999) are clamped to it.
    pub fn date(self, year: i16) -> Date {
        match self.fixed() {
            Some((month, day)) => civil(year, month, day),
            None => {
                let easter = easter_sunday(year);
                // Easter is at the latest on 25 April, so these stay inside the year and
                // the addition cannot overflow; Easter itself is the (unreachable) fallback.
                add_days(easter, self.after_easter()).unwrap_or(easter)
            }
        }
    }

    /// Its French name ("Lundi de Pâques").
    pub fn label(self) -> &'static str {
        match self {
            Self::NewYear => "Jour de l'an",
            Self::EasterMonday => "Lundi de Pâques",
            Self::LabourDay => "Fête du travail",
            Self::VictoryDay => "Victoire 1945",
            Self::Ascension => "Ascension",
            Self::WhitMonday => "Lundi de Pentecôte",
            Self::BastilleDay => "Fête nationale",
            Self::Assumption => "Assomption",
            Self::AllSaints => "Toussaint",
            Self::Armistice => "Armistice 1918",
            Self::Christmas => "Noël",
        }
    }

    /// The serialised name, e.g. `easter_monday`.
    pub fn name(self) -> &'static str {
        match self {
            Self::NewYear => "new_year",
            Self::EasterMonday => "easter_monday",
            Self::LabourDay => "labour_day",
            Self::VictoryDay => "victory_day",
            Self::Ascension => "ascension",
            Self::WhitMonday => "whit_monday",
            Self::BastilleDay => "bastille_day",
            Self::Assumption => "assumption",
            Self::AllSaints => "all_saints",
            Self::Armistice => "armistice",
            Self::Christmas => "christmas",
        }
    }

    /// Month and day of a holiday on a fixed date; `None` for the Easter-based ones.
    fn fixed(self) -> Option<(i8, i8)> {
        Some(match self {
            Self::NewYear => (1, 1),
            Self::LabourDay => (5, 1),
            Self::VictoryDay => (5, 8),
            Self::BastilleDay => (7, 14),
            Self::Assumption => (8, 15),
            Self::AllSaints => (11, 1),
            Self::Armistice => (11, 11),
            Self::Christmas => (12, 25),
            Self::EasterMonday | Self::Ascension | Self::WhitMonday => return None,
        })
    }

    /// Days after Easter Sunday of an Easter-based holiday (0 for the fixed ones).
    fn after_easter(self) -> i64 {
        match self {
            Self::EasterMonday => 1,
            Self::Ascension => 39,
            Self::WhitMonday => 50,
            _ => 0,
        }
    }
}

/// The holiday on `date`, if any. Ascension sometimes falls on 1 or 8 May (2008, 2059):
/// the first of [`Holiday::ALL`] is returned, the fixed one; [`holidays_on`] gives both.
pub fn holiday_on(date: Date) -> Option<Holiday> {
    holidays_on(date).next()
}

/// Every holiday on `date` (at most two, see [`holiday_on`]), in the order of
/// [`Holiday::ALL`].
pub fn holidays_on(date: Date) -> impl Iterator<Item = Holiday> {
    let fixed = Holiday::ALL
        .into_iter()
        .find(|h| h.fixed() == Some((date.month(), date.day())));
    // Easter-based holidays fall between 23 March and 14 June: other days need no computus.
    let movable = if (3..=6).contains(&date.month()) {
        let easter = easter_sunday(date.year());
        [
            Holiday::EasterMonday,
            Holiday::Ascension,
            Holiday::WhitMonday,
        ]
        .into_iter()
        .find(|h| add_days(easter, h.after_easter()) == Some(date))
    } else {
        None
    };
    // Keep the order of `ALL`: the Easter-based holiday first only against 1 January, which
    // never meets one.
    let (first, second) = match (fixed, movable) {
        (Some(f), Some(m)) if m < f => (Some(m), Some(f)),
        (f, m) => (f, m),
    };
    first.into_iter().chain(second)
}

/// Easter Sunday of `year` (Gregorian calendar, years 1583 to 9999).
///
/// The anonymous Gregorian computus (Meeus/Jones/Butcher). Outside that range the same
/// arithmetic is applied to the year clamped to the civil dates (±9999): a date in March or
/// April, meaningless before the Gregorian reform but never a panic.
pub fn easter_sunday(year: i16) -> Date {
    let y = i32::from(year.clamp(-9999, 9999));
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let (d, e) = (b.div_euclid(4), b.rem_euclid(4));
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let (i, k) = (c.div_euclid(4), c.rem_euclid(4));
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let n = h + l - 7 * m + 114;
    // h < 30, l < 7 and m ∈ {0, 1}: n is 107 to 149, so the month is 3 or 4 and the day 1
    // to 31 (26 at most in April); both fit in i8.
    let month = (n / 31) as i8;
    let day = (n % 31 + 1) as i8;
    civil(year, month, day)
}

/// A civil date, the year clamped to the civil range. Callers pass a month and day that
/// exist in every year, so the fallback is never taken.
fn civil(year: i16, month: i8, day: i8) -> Date {
    Date::new(year.clamp(-9999, 9999), month, day).unwrap_or(Date::MIN)
}

/// `date` plus `days` days, `None` past the civil range.
pub(crate) fn add_days(date: Date, days: i64) -> Option<Date> {
    let span = jiff::Span::new().try_days(days).ok()?;
    date.checked_add(span).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn easter_of_known_years() {
        for (year, easter) in [
            (1583, "1583-04-10"),
            (1818, "1818-03-22"),
            (1943, "1943-04-25"),
            (2000, "2000-04-23"),
            (2008, "2008-03-23"),
            (2011, "2011-04-24"),
            (2019, "2019-04-21"),
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2038, "2038-04-25"),
            (2285, "2285-03-22"),
        ] {
            assert_eq!(easter_sunday(year), d(easter), "{year}");
        }
    }

    #[test]
    fn easter_is_a_sunday_between_22_march_and_25_april() {
        for year in 1583..=9999 {
            let e = easter_sunday(year);
            assert_eq!(e.weekday(), jiff::civil::Weekday::Sunday, "{year}");
            assert!(e >= d(&format!("{year:04}-03-22")), "{year}");
            assert!(e <= d(&format!("{year:04}-04-25")), "{year}");
        }
    }

    #[test]
    fn out_of_range_years_do_not_panic() {
        for year in [i16::MIN, -10_000, -9999, 0, 1, 1582, 10_000, i16::MAX] {
            let e = easter_sunday(year);
            assert!(matches!(e.month(), 3 | 4), "{year}: {e}");
            for h in Holiday::ALL {
                let _ = h.date(year);
            }
        }
    }

    #[test]
    fn holidays_of_2026() {
        let got: Vec<(Holiday, Date)> = Holiday::ALL.iter().map(|h| (*h, h.date(2026))).collect();
        let want = [
            (Holiday::NewYear, "2026-01-01"),
            (Holiday::EasterMonday, "2026-04-06"),
            (Holiday::LabourDay, "2026-05-01"),
            (Holiday::VictoryDay, "2026-05-08"),
            (Holiday::Ascension, "2026-05-14"),
            (Holiday::WhitMonday, "2026-05-25"),
            (Holiday::BastilleDay, "2026-07-14"),
            (Holiday::Assumption, "2026-08-15"),
            (Holiday::AllSaints, "2026-11-01"),
            (Holiday::Armistice, "2026-11-11"),
            (Holiday::Christmas, "2026-12-25"),
        ]
        .map(|(h, s)| (h, d(s)));
        assert_eq!(got, want);
        // Calendar order, as `ALL` promises.
        assert!(got.windows(2).all(|w| w[0].1 < w[1].1));
    }

    #[test]
    fn easter_based_holidays_of_other_years() {
        for (year, monday, ascension, whit) in [
            (2024, "2024-04-01", "2024-05-09", "2024-05-20"),
            (2025, "2025-04-21", "2025-05-29", "2025-06-09"),
            (2027, "2027-03-29", "2027-05-06", "2027-05-17"),
            (2038, "2038-04-26", "2038-06-03", "2038-06-14"),
        ] {
            assert_eq!(Holiday::EasterMonday.date(year), d(monday));
            assert_eq!(Holiday::Ascension.date(year), d(ascension));
            assert_eq!(Holiday::WhitMonday.date(year), d(whit));
        }
    }

    #[test]
    fn holiday_on_finds_each_and_only_them() {
        for year in [2024, 2025, 2026, 2027] {
            let mut found = Vec::new();
            let mut day = d(&format!("{year}-01-01"));
            while day.year() == year {
                if let Some(h) = holiday_on(day) {
                    assert_eq!(h.date(year), day);
                    found.push(h);
                }
                day = day.tomorrow().unwrap();
            }
            // Ascension comes before 8 May in some years (6 May 2027).
            found.sort();
            assert_eq!(found, Holiday::ALL, "{year}");
        }
        assert_eq!(holiday_on(d("2026-04-05")), None); // Easter Sunday itself
        assert_eq!(holiday_on(d("2026-12-26")), None); // Saint-Étienne: Alsace-Moselle only
    }

    #[test]
    fn ascension_on_labour_day_gives_both() {
        // 2008: Easter 23 March, Ascension 1 May.
        assert_eq!(Holiday::Ascension.date(2008), d("2008-05-01"));
        assert_eq!(holiday_on(d("2008-05-01")), Some(Holiday::LabourDay));
        assert_eq!(
            holidays_on(d("2008-05-01")).collect::<Vec<_>>(),
            [Holiday::LabourDay, Holiday::Ascension]
        );
    }

    #[test]
    fn names_and_labels() {
        for h in Holiday::ALL {
            assert_eq!(
                serde_json::to_string(&h).unwrap(),
                format!("\"{}\"", h.name())
            );
        }
        assert_eq!(Holiday::EasterMonday.label(), "Lundi de Pâques");
        assert_eq!(Holiday::WhitMonday.label(), "Lundi de Pentecôte");
        assert_eq!(Holiday::Armistice.label(), "Armistice 1918");
    }
}
