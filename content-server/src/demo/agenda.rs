//! The demo's agenda on the server: the demo events as the officer would write them (the
//! markets with their poster), a village association's iCalendar (a weekly club with a
//! cancelled session and a moved rehearsal) and the tourist office's OpenAgenda export,
//! both imported from files written for the demo, as of the demo's instant.

use beffroi_protocol::data::events::{EventCategory, EventsData};
use beffroi_protocol::ids::Sha256;
use beffroi_protocol::time::Zone;
use jiff::civil::Date;
use jiff::{Span, Timestamp};

use crate::api::error::{ApiError, ApiResult};
use crate::events::edit::{self, DateInput, EventInput, SourceSettings};
use crate::events::store::Format;
use crate::server::AppState;
use crate::users::User;

/// The ids of the demo's agenda sources.
pub(super) const ASSOCIATIONS: &str = "associations-hucqueliers";
pub(super) const TOURIST_OFFICE: &str = "office-de-tourisme-agenda";

/// Stores the demo's events and imports its two sources.
pub(super) async fn seed(
    state: &AppState,
    user: &User,
    data: EventsData,
    market_picture: &Sha256,
    at: Timestamp,
) -> ApiResult<()> {
    for e in data.events {
        let all_day = e.all_day;
        let end = if all_day {
            // The last day, for the form's inclusive end.
            e.end.date().yesterday().map_or(e.end.datetime(), |d| {
                d.to_datetime(jiff::civil::Time::midnight())
            })
        } else {
            e.end.datetime()
        };
        let input = EventInput {
            id: Some(e.id.clone()),
            owner: None,
            title: e.title,
            description: e.description,
            dates: vec![DateInput {
                start: e.start.datetime(),
                end: Some(end),
            }],
            all_day,
            place: e.location.name,
            address: e.location.address,
            commune: e.location.commune,
            category: e.category,
            status: e.status,
            url: e.url,
            image: (e.category == EventCategory::Market).then(|| market_picture.clone()),
        };
        match edit::save_event(state, user, None, input).await {
            Err(e) if e.status == axum::http::StatusCode::CONFLICT => {}
            other => drop(other?),
        }
    }
    for (id, name, format, file) in [
        (
            ASSOCIATIONS,
            "Associations de Hucqueliers",
            Format::Ical,
            associations_calendar(at),
        ),
        (
            TOURIST_OFFICE,
            "Office de tourisme (OpenAgenda)",
            Format::OpenAgenda,
            tourist_office_agenda(at),
        ),
    ] {
        let settings = SourceSettings {
            id: Some(id.into()),
            name: name.into(),
            format,
            url: None,
            owner: None,
            commune: None,
            zone: "Europe/Paris".into(),
            category: None,
            refresh_minutes: 360,
            enabled: true,
        };
        match edit::save_source(state, user, None, settings).await {
            Err(e) if e.status == axum::http::StatusCode::CONFLICT => {}
            other => drop(other?),
        }
        edit::import_now(state, user, id, Some(file)).await?;
    }
    Ok(())
}

/// The day `n` days after `at`'s, in the territory.
fn day(at: Timestamp, n: i64) -> ApiResult<Date> {
    at.to_zoned_datetime(Zone::paris().tz())
        .date()
        .checked_add(Span::new().days(n))
        .map_err(|e| ApiError::internal("dating the demo agenda", e))
}

/// A village association's calendar as its secretary's calendar app exports it: a knitting
/// club every Tuesday afternoon (one session cancelled, one skipped for the holidays), the
/// brass band's Friday rehearsal (one moved to Thursday), and a one-off bingo.
pub(super) fn associations_calendar(at: Timestamp) -> Vec<u8> {
    let d = |n: i64| {
        day(at, n)
            .map(|d| d.strftime("%Y%m%d").to_string())
            .unwrap_or_default()
    };
    // The first Tuesday and Friday from today.
    let today = at.to_zoned_datetime(Zone::paris().tz()).date();
    let to = |wd: jiff::civil::Weekday| i64::from(today.weekday().until(wd));
    let (tue, fri) = (
        to(jiff::civil::Weekday::Tuesday),
        to(jiff::civil::Weekday::Friday),
    );
    let club = d(tue);
    let cancelled = d(tue + 7);
    let skipped = d(tue + 14);
    let band = d(fri);
    let moved_from = d(fri + 7);
    let moved_to = d(fri + 6);
    let bingo = d(9);
    format!(
        "BEGIN:VCALENDAR\r\n\
VERSION:2.0\r\n\
PRODID:-//Associations de Hucqueliers//Agenda//FR\r\n\
X-WR-CALNAME:Associations de Hucqueliers\r\n\
X-WR-TIMEZONE:Europe/Paris\r\n\
BEGIN:VEVENT\r\n\
UID:club-tricot@associations-hucqueliers.example\r\n\
SUMMARY:Club tricot et crochet\r\n\
DESCRIPTION:Débutants bienvenus\\, laine fournie. Café et gâteaux.\r\n\
CATEGORIES:Atelier\r\n\
LOCATION:Salle des associations\\, rue de la Mairie\\, 62650 Hucqueliers\r\n\
DTSTART;TZID=Europe/Paris:{club}T140000\r\n\
DTEND;TZID=Europe/Paris:{club}T170000\r\n\
RRULE:FREQ=WEEKLY;BYDAY=TU\r\n\
EXDATE;TZID=Europe/Paris:{skipped}T140000\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\n\
UID:club-tricot@associations-hucqueliers.example\r\n\
RECURRENCE-ID;TZID=Europe/Paris:{cancelled}T140000\r\n\
SUMMARY:Club tricot et crochet\r\n\
STATUS:CANCELLED\r\n\
LOCATION:Salle des associations\\, rue de la Mairie\\, 62650 Hucqueliers\r\n\
DTSTART;TZID=Europe/Paris:{cancelled}T140000\r\n\
DTEND;TZID=Europe/Paris:{cancelled}T170000\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\n\
UID:harmonie-repetition@associations-hucqueliers.example\r\n\
SUMMARY:Répétition publique de l'harmonie\r\n\
CATEGORIES:Musique\r\n\
LOCATION:Salle des fêtes\\, 62650 Hucqueliers\r\n\
DTSTART;TZID=Europe/Paris:{band}T200000\r\n\
DTEND;TZID=Europe/Paris:{band}T220000\r\n\
RRULE:FREQ=WEEKLY;BYDAY=FR;COUNT=6\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\n\
UID:harmonie-repetition@associations-hucqueliers.example\r\n\
RECURRENCE-ID;TZID=Europe/Paris:{moved_from}T200000\r\n\
SUMMARY:Répétition publique de l'harmonie (avancée au jeudi)\r\n\
LOCATION:Salle des fêtes\\, 62650 Hucqueliers\r\n\
DTSTART;TZID=Europe/Paris:{moved_to}T200000\r\n\
DTEND;TZID=Europe/Paris:{moved_to}T220000\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\n\
UID:loto-ecole@associations-hucqueliers.example\r\n\
SUMMARY:Loto de l'école\r\n\
DESCRIPTION:Au profit de la classe de neige. Ouverture des portes à 13 h.\r\n\
LOCATION:Salle des fêtes\\, 62650 Hucqueliers\r\n\
DTSTART;TZID=Europe/Paris:{bingo}T140000\r\n\
DTEND;TZID=Europe/Paris:{bingo}T180000\r\n\
END:VEVENT\r\n\
END:VCALENDAR\r\n"
    )
    .into_bytes()
}

/// The tourist office's OpenAgenda export: a guided walk in Embry, a farm open day in
/// Bimont, and a concert in Montreuil-sur-Mer — outside the territory, so kept off the
/// screens (the import report says so).
pub(super) fn tourist_office_agenda(at: Timestamp) -> Vec<u8> {
    let timing = |n: i64, from: &str, to: &str| {
        let d = day(at, n).map(|d| d.to_string()).unwrap_or_default();
        // Written with the offset of the moment, as OpenAgenda does; the server reads the
        // instant and shows it in the event's zone.
        let instant = |t: &str| {
            format!("{d}T{t}:00")
                .parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(|dt| dt.to_zoned_datetime(Zone::paris().tz()).ok())
                .map(|z| z.timestamp().to_string())
                .unwrap_or_default()
        };
        serde_json::json!({ "begin": instant(from), "end": instant(to) })
    };
    let doc = serde_json::json!({
        "total": 3,
        "events": [
            {
                "uid": 71220301,
                "title": { "fr": "Balade guidée : les chapelles d'Embry", "en": "Guided walk: the chapels of Embry", "nl": "Wandeling met gids: de kapellen van Embry" },
                "description": { "fr": "Deux heures à pied avec un guide du pays d'art et d'histoire." },
                "keywords": { "fr": ["visite", "patrimoine"] },
                "timings": [timing(3, "14:00", "16:00"), timing(10, "14:00", "16:00")],
                "timezone": "Europe/Paris",
                "status": 1,
                "location": { "name": "Parking de l'église", "address": "Rue de l'Église", "city": "Embry", "postalCode": "62990", "insee": "62293" }
            },
            {
                "uid": 71220302,
                "title": { "fr": "Portes ouvertes à la ferme du Bois-Julien", "en": "Farm open day" },
                "description": { "fr": "Traite, dégustation de fromages et vente directe." },
                "keywords": { "fr": ["ferme", "producteurs"] },
                "timings": [timing(5, "10:00", "17:00")],
                "timezone": "Europe/Paris",
                "status": 5,
                "location": { "name": "Ferme du Bois-Julien", "city": "Bimont", "postalCode": "62650" }
            },
            {
                "uid": 71220303,
                "title": { "fr": "Concert à la citadelle" },
                "timings": [timing(4, "20:30", "22:30")],
                "timezone": "Europe/Paris",
                "status": 1,
                "location": { "name": "Citadelle", "city": "Montreuil-sur-Mer", "postalCode": "62170", "insee": "62588" }
            }
        ]
    });
    serde_json::to_vec_pretty(&doc).unwrap_or_default()
}
