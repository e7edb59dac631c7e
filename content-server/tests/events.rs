//! The agenda through the real server: an officer's event reaches the events data set (and
//! the manifests of the screens showing an agenda, with its picture only where its commune
//! is shown); an editor's event waits for an approver; bad bodies are refused naming the
//! field; every sample of iCalendar, OpenAgenda and DATAtourisme imports with the expected
//! occurrences; a broken file fails clearly while earlier events stay; re-imports never
//! duplicate; events gone from their source are marked removed; a source with an address
//! is fetched on schedule with its ETag.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use beffroi_protocol::data::events::{EventStatus, EventsData};
use beffroi_protocol::time::Zone;
use beffroi_server::users::Role;
use common::{Api, FRUGES, HUCQUELIERS, TestServer, data_set, device_manifest, doc_host, pair};
use jiff::civil::Date;
use serde_json::{Value, json};

const FR: &str = "mairie-fruges";
const HU: &str = "mairie-hucq";
const PLAIN: &str = "salle-fetes";

/// Three published screens: Fruges and Hucqueliers show an agenda (Fruges' with Hucqueliers
/// as a neighbour), the village hall of Fruges only a text; a player paired with each.
struct Fixture {
    server: TestServer,
    admin: Api,
    fr: Api,
    hu: Api,
    plain: Api,
}

async fn fixture_with(f: impl FnOnce(&mut beffroi_server::Settings)) -> Fixture {
    let server = TestServer::start_with(f).await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    let agenda_fr = json!({ "name": "Agenda", "items": [
        { "id": "agenda", "duration_ms": 10000, "kind": "events", "days": 7, "max": 4,
          "communes": [HUCQUELIERS] },
    ]});
    let agenda_hu = json!({ "name": "Agenda", "items": [
        { "id": "agenda", "duration_ms": 10000, "kind": "events", "days": 7, "max": 4 },
    ]});
    let plain = json!({ "name": "Accueil", "items": [
        { "id": "a", "duration_ms": 5000, "kind": "text", "title": { "fr": "Bonjour" } },
    ]});
    common::publish_screens(
        &admin,
        &[
            ("pl-fr", agenda_fr),
            ("pl-hu", agenda_hu),
            ("pl-plain", plain),
        ],
        &[
            (FR, FRUGES, "pl-fr"),
            (HU, HUCQUELIERS, "pl-hu"),
            (PLAIN, FRUGES, "pl-plain"),
        ],
    )
    .await;
    let fr = pair(&server, &admin, FR).await;
    let hu = pair(&server, &admin, HU).await;
    let plain = pair(&server, &admin, PLAIN).await;
    Fixture {
        server,
        admin,
        fr,
        hu,
        plain,
    }
}

async fn fixture() -> Fixture {
    fixture_with(|_| {}).await
}

async fn events_of(device: &Api) -> Option<EventsData> {
    data_set(device, "events").await
}

/// Today in the territory, and the day `n` days later.
fn day(n: i64) -> Date {
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(Zone::paris().tz())
        .date();
    today.checked_add(jiff::Span::new().days(n)).unwrap()
}

fn market(id: &str, owner: Option<&str>) -> Value {
    let mut e = json!({
        "id": id,
        "title": { "fr": "Marché de Noël", "en": "Christmas market" },
        "description": { "fr": "Producteurs locaux, vin chaud." },
        "dates": [{ "start": format!("{}T14:30", day(2)), "end": format!("{}T19:00", day(2)) }],
        "place": "Place du Marché",
        "category": "market",
    });
    if let Some(o) = owner {
        e["owner"] = json!(o);
    }
    e
}

/// Uploads a picture to the media library, for `owner`; its SHA-256.
async fn upload_picture(admin: &Api, owner: Option<&str>) -> String {
    let mut png = Vec::new();
    image::RgbImage::from_pixel(300, 200, image::Rgb([200, 40, 40]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let path = match owner {
        Some(o) => format!("/api/v1/media?name=affiche.png&owner={o}"),
        None => "/api/v1/media?name=affiche.png".to_owned(),
    };
    let (status, body) = admin.post_bytes(&path, "image/png", png).await;
    assert!((200..300).contains(&status), "{body}");
    body["sha256"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_officer_event_reaches_the_agenda_screens_with_its_picture_where_shown() {
    let f = fixture().await;
    let (_, plain_etag, _) = device_manifest(&f.plain, None).await;
    assert!(events_of(&f.fr).await.unwrap().events.is_empty());
    assert!(
        events_of(&f.plain).await.is_none(),
        "no agenda, no events data set"
    );
    let picture = upload_picture(&f.admin, None).await;

    let mut e = market("marche-noel", Some(FRUGES));
    e["image"] = json!(picture);
    let r = f.admin.post("/api/v1/events", &e).await;
    assert_eq!(r.0, 201, "{}", r.1);
    assert_eq!(r.1["commune"], FRUGES, "{}", r.1);

    for device in [&f.fr, &f.hu] {
        let events = events_of(device).await.unwrap();
        assert_eq!(events.events.len(), 1, "{events:?}");
        let ev = &events.events[0];
        assert_eq!(
            ev.id,
            format!("marche-noel:{}T1430", day(2).strftime("%Y%m%d"))
        );
        assert_eq!(ev.start.time(), jiff::civil::time(14, 30, 0, 0));
        assert_eq!(ev.start.time_zone().iana_name(), Some("Europe/Paris"));
        assert_eq!(ev.location.commune, Some(FRUGES.parse().unwrap()));
        assert_eq!(ev.location.name, "Place du Marché");
        assert!(ev.image.is_some());
    }
    // The picture (a rendition) travels to the screens showing Fruges' events: Fruges'
    // own, not Hucqueliers' (whose agenda shows only Hucqueliers).
    let shown = events_of(&f.fr).await.unwrap().events[0]
        .image
        .clone()
        .unwrap();
    let assets = |m: Value| m["assets"].to_string();
    assert!(assets(device_manifest(&f.fr, None).await.2).contains(shown.as_str()));
    assert!(!assets(device_manifest(&f.hu, None).await.2).contains(shown.as_str()));
    // The text-only screen's manifest did not change.
    let (status, _, _) = device_manifest(&f.plain, Some(&plain_etag)).await;
    assert_eq!(status, 304);

    // Edit: moved to 16:00; delete: gone.
    let mut moved = market("marche-noel", Some(FRUGES));
    moved["dates"] = json!([{ "start": format!("{}T16:00", day(2)) }]);
    let r = f.admin.put("/api/v1/events/marche-noel", &moved).await;
    assert_eq!(r.0, 200, "{}", r.1);
    let ev = events_of(&f.fr).await.unwrap().events[0].clone();
    assert_eq!(ev.start.time(), jiff::civil::time(16, 0, 0, 0));
    assert_eq!(
        ev.end.time(),
        jiff::civil::time(18, 0, 0, 0),
        "two hours when no end is given"
    );
    let r = f.admin.delete("/api/v1/events/marche-noel").await;
    assert_eq!(r.0, 204, "{}", r.1);
    assert!(events_of(&f.fr).await.unwrap().events.is_empty());
}

#[tokio::test]
async fn an_editors_event_waits_for_approval_and_rights_are_enforced() {
    let f = fixture().await;
    let editor = f.server.user("ed-fruges", Role::Editor, &[FRUGES]).await;
    let r = editor
        .post("/api/v1/events", &market("loto", Some(FRUGES)))
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    assert!(r.1["approved_at"].is_null(), "{}", r.1);
    assert!(events_of(&f.fr).await.unwrap().events.is_empty());
    // Not for another commune, nor for the territory.
    let r = editor
        .post("/api/v1/events", &market("x", Some(HUCQUELIERS)))
        .await;
    assert_eq!(r.0, 403, "{}", r.1);
    let r = editor.post("/api/v1/events", &market("y", None)).await;
    assert_eq!(r.0, 403, "{}", r.1);
    let mut elsewhere = market("z", Some(FRUGES));
    elsewhere["commune"] = json!(HUCQUELIERS);
    let r = editor.post("/api/v1/events", &elsewhere).await;
    assert_eq!(r.0, 422, "{}", r.1);
    assert!(r.1.to_string().contains("communes[0]"), "{}", r.1);
    // An editor cannot approve; an administrator can.
    let r = editor.post("/api/v1/events/loto/approve", &json!({})).await;
    assert_eq!(r.0, 403, "{}", r.1);
    let r = f
        .admin
        .post("/api/v1/events/loto/approve", &json!({}))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(events_of(&f.fr).await.unwrap().events.len(), 1);
    // Withdrawn by its editor: off the screens; putting it back needs an approver.
    let r = editor
        .post("/api/v1/events/loto/hide", &json!({ "hidden": true }))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert!(events_of(&f.fr).await.unwrap().events.is_empty());
    let r = editor
        .post("/api/v1/events/loto/hide", &json!({ "hidden": false }))
        .await;
    assert_eq!(r.0, 403, "{}", r.1);
    let viewer = f.server.user("lecteur", Role::Viewer, &[FRUGES]).await;
    let r = viewer
        .post("/api/v1/events", &market("v", Some(FRUGES)))
        .await;
    assert_eq!(r.0, 403, "{}", r.1);
}

#[tokio::test]
async fn bad_events_are_refused_naming_the_field() {
    let f = fixture().await;
    let mut e = market("bad", Some(FRUGES));
    e["title"] = json!({ "en": "Only English" });
    e["dates"] = json!([
        { "start": format!("{}T18:00", day(1)), "end": format!("{}T17:00", day(1)) },
    ]);
    e["url"] = json!("javascript:alert(1)");
    e["image"] = json!("0".repeat(64));
    let r = f.admin.post("/api/v1/events", &e).await;
    assert_eq!(r.0, 422, "{}", r.1);
    let problems = r.1["problems"].to_string();
    for expected in [
        "title.fr",
        "dates[0].end",
        "url",
        "image: no uploaded media",
    ] {
        assert!(problems.contains(expected), "{expected}: {problems}");
    }
    let mut none = market("none", Some(FRUGES));
    none["dates"] = json!([]);
    let r = f.admin.post("/api/v1/events", &none).await;
    assert_eq!(r.0, 422);
    assert!(r.1.to_string().contains("at least one date"), "{}", r.1);
    let mut unknown = market("u", None);
    unknown["commune"] = json!("75056");
    let r = f.admin.post("/api/v1/events", &unknown).await;
    assert_eq!(r.0, 422);
    assert!(
        r.1.to_string().contains("not a commune of the territory"),
        "{}",
        r.1
    );
    let r = f
        .admin
        .post(
            "/api/v1/events",
            &json!({ "title": { "fr": "x" }, "dates": [], "colour": 1 }),
        )
        .await;
    assert_eq!(r.0, 422, "{}", r.1);
    assert!(r.1.to_string().contains("colour"), "{}", r.1);
    // Nothing was stored.
    assert_eq!(f.admin.get("/api/v1/events").await.1, json!([]));
}

/// Creates a file-fed source of `format` for the intercommunality (events placed nowhere
/// in the territory go to `commune`).
async fn source(admin: &Api, id: &str, format: &str, commune: Option<&str>) {
    let mut body = json!({ "id": id, "name": format!("Agenda {id}"), "format": format });
    if let Some(c) = commune {
        body["commune"] = json!(c);
    }
    let r = admin.post("/api/v1/events/sources", &body).await;
    assert_eq!(r.0, 201, "{}", r.1);
}

async fn import(admin: &Api, id: &str, bytes: Vec<u8>) -> (u16, Value) {
    admin
        .post_bytes(
            &format!("/api/v1/events/sources/{id}/import"),
            "text/calendar",
            bytes,
        )
        .await
}

fn sample(path: &str) -> Vec<u8> {
    std::fs::read(common::samples().join("events").join(path)).unwrap()
}

/// The event of `source` with source id `key`.
async fn event_with_key(admin: &Api, source: &str, key: &str) -> Value {
    let all = admin.get("/api/v1/events").await.1;
    all.as_array()
        .unwrap()
        .iter()
        .find(|e| e["source"] == source && e["source_key"] == key)
        .unwrap_or_else(|| panic!("no event {key} in {all}"))
        .clone()
}

/// Its occurrences in `[from, until)`: (start, status).
async fn occurrences(admin: &Api, id: &str, from: &str, until: &str) -> Vec<(String, String)> {
    let r = admin
        .get(&format!(
            "/api/v1/events/{id}/occurrences?from={from}&until={until}"
        ))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    r.1.as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["start"].as_str().unwrap().to_owned(),
                o["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_icalendar_sample_imports_with_its_occurrences() {
    let f = fixture().await;
    source(&f.admin, "ics", "ical", Some(FRUGES)).await;
    let files = [
        "daylight_saving_time.ics",
        "each_week_but_two_deleted.ics",
        "issue_18_cancel_status.ics",
        "issue_62_moved_event.ics",
        "issue_86_x_wr_timezone_without_time_zone_in_dt.ics",
        "o365_meeting.ics",
        "one_day_event_repeat_every_day.ics",
        "rdate_exdate.ics",
    ];
    let listed: Vec<String> = std::fs::read_dir(common::samples().join("events/ics"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        listed.len(),
        files.len(),
        "a new sample needs its test: {listed:?}"
    );
    for file in files {
        // One source per file, so that each import's report is its own.
        let id = file.trim_end_matches(".ics").replace('_', "-");
        source(&f.admin, &id, "ical", Some(FRUGES)).await;
        let r = import(&f.admin, &id, sample(&format!("ics/{file}"))).await;
        assert_eq!(r.0, 200, "{file}: {}", r.1);
        assert_eq!(r.1["failed"], 0, "{file}: {}", r.1);
        assert!(
            r.1["added"].as_u64().unwrap() + r.1["cancelled"].as_u64().unwrap() >= 1,
            "{file}: {}",
            r.1
        );
        // Importing it again changes nothing.
        let again = import(&f.admin, &id, sample(&format!("ics/{file}"))).await;
        assert_eq!(again.0, 200);
        for count in ["added", "updated", "cancelled", "removed", "failed"] {
            assert_eq!(again.1[count], 0, "{file} re-imported: {}", again.1);
        }
        assert_eq!(
            again.1["unchanged"],
            r.1["added"].as_u64().unwrap() + r.1["cancelled"].as_u64().unwrap()
        );
    }

    // Weekly 19:00 Berlin across the March 2019 change: still 19:00 local, the offset
    // changes; its HTML description arrives as plain text.
    let e = event_with_key(
        &f.admin,
        "daylight-saving-time",
        "7uartkcnhf0elbvs8md0itrf6c@google.com",
    )
    .await;
    let o = occurrences(
        &f.admin,
        e["id"].as_str().unwrap(),
        "2019-03-25T00:00:00Z",
        "2019-04-05T00:00:00Z",
    )
    .await;
    let starts: Vec<&str> = o.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        starts,
        [
            "2019-03-27T19:00:00+01:00[Europe/Berlin]",
            "2019-04-03T19:00:00+02:00[Europe/Berlin]",
        ]
    );
    let text = e["record"]["description"]["fr"]
        .as_str()
        .unwrap_or_else(|| e["record"]["description"]["de"].as_str().unwrap());
    assert!(
        text.contains("Chaostreff!") && !text.contains("<br>"),
        "{text}"
    );
    // Two EXDATEs written in UTC remove two of eight weekly instances.
    let e = event_with_key(
        &f.admin,
        "each-week-but-two-deleted",
        "SX2CURHKFTKKFFU3VUD7K",
    )
    .await;
    let o = occurrences(
        &f.admin,
        e["id"].as_str().unwrap(),
        "2019-03-01T00:00:00Z",
        "2019-05-01T00:00:00Z",
    )
    .await;
    assert_eq!(o.len(), 6, "{o:?}");
    assert!(!o.iter().any(|(s, _)| s.starts_with("2019-03-11")), "{o:?}");
    assert!(!o.iter().any(|(s, _)| s.starts_with("2019-03-25")), "{o:?}");
    // The cancelled instance is there, cancelled.
    let e = event_with_key(
        &f.admin,
        "issue-18-cancel-status",
        "b65c2b5b-b785-4edc-9560-e0379036d1f2",
    )
    .await;
    let o = occurrences(
        &f.admin,
        e["id"].as_str().unwrap(),
        "2020-01-27T00:00:00Z",
        "2020-02-02T00:00:00Z",
    )
    .await;
    assert_eq!(
        o,
        [
            (
                "2020-01-28T22:00:00+01:00[Europe/Berlin]".to_owned(),
                "scheduled".to_owned()
            ),
            (
                "2020-01-29T22:00:00+01:00[Europe/Berlin]".to_owned(),
                "cancelled".to_owned()
            ),
            (
                "2020-01-30T22:00:00+01:00[Europe/Berlin]".to_owned(),
                "scheduled".to_owned()
            ),
        ]
    );
    // The moved instance: at its new time (17 Dec 21:30), not at its old one (31 Dec).
    let e = event_with_key(
        &f.admin,
        "issue-62-moved-event",
        "38m812jicsrer5gorh3mlp7qhc@google.com",
    )
    .await;
    let o = occurrences(
        &f.admin,
        e["id"].as_str().unwrap(),
        "2021-12-01T00:00:00Z",
        "2022-01-05T00:00:00Z",
    )
    .await;
    let starts: Vec<&str> = o.iter().map(|(s, _)| s.as_str()).collect();
    assert!(
        starts.contains(&"2021-12-17T21:30:00+01:00[Europe/Berlin]"),
        "{starts:?}"
    );
    assert!(
        !starts.iter().any(|s| s.starts_with("2021-12-31")),
        "{starts:?}"
    );
    // A floating time read in X-WR-TIMEZONE.
    let e = event_with_key(
        &f.admin,
        "issue-86-x-wr-timezone-without-time-zone-in-dt",
        "match_1025179",
    )
    .await;
    let o = occurrences(
        &f.admin,
        e["id"].as_str().unwrap(),
        "2021-09-01T00:00:00Z",
        "2021-10-01T00:00:00Z",
    )
    .await;
    assert_eq!(o[0].0, "2021-09-16T21:00:00+02:00[Europe/Brussels]");
    // A Windows zone name.
    let e = event_with_key(&f.admin, "o365-meeting", "040000C08200E00074C5B7101A89E00800000000EEB3773267BEA60100000000000000001000000023B1CC4F9EF21B4BBA06F5F3B4E42720").await;
    let o = occurrences(
        &f.admin,
        e["id"].as_str().unwrap(),
        "2020-11-20T00:00:00Z",
        "2020-12-01T00:00:00Z",
    )
    .await;
    let starts: Vec<&str> = o.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        starts,
        [
            "2020-11-24T11:00:00+01:00[Europe/Berlin]",
            "2020-11-26T11:00:00+01:00[Europe/Berlin]",
        ]
    );
    // An endless all-day rule, bounded by the window.
    let e = event_with_key(
        &f.admin,
        "one-day-event-repeat-every-day",
        "UYDQSG9TH4DE0WM3QFL2J",
    )
    .await;
    let o = occurrences(
        &f.admin,
        e["id"].as_str().unwrap(),
        "2026-12-01T00:00:00Z",
        "2026-12-08T00:00:00Z",
    )
    .await;
    assert!((7..=8).contains(&o.len()), "{o:?}");
    // A DATE EXDATE on a date-time series; the event has no SUMMARY: named by its category.
    let e = event_with_key(&f.admin, "rdate-exdate", "123").await;
    assert_eq!(e["record"]["title"]["fr"], "Événement", "{e}");
    let o = occurrences(
        &f.admin,
        e["id"].as_str().unwrap(),
        "2024-06-01T00:00:00Z",
        "2024-07-01T00:00:00Z",
    )
    .await;
    assert_eq!(o.len(), 3, "{o:?}");
    assert!(!o.iter().any(|(s, _)| s.starts_with("2024-06-11")), "{o:?}");
}

#[tokio::test]
async fn a_broken_file_is_refused_clearly_and_earlier_events_stay() {
    let f = fixture().await;
    source(&f.admin, "mairie", "ical", Some(FRUGES)).await;
    let cal = calendar(&[("concert", "Concert de l'harmonie", 3), ("loto", "Loto", 4)]);
    let r = import(&f.admin, "mairie", cal.clone().into_bytes()).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["added"], 2, "{}", r.1);
    let before = events_of(&f.fr).await.unwrap();
    assert_eq!(before.events.len(), 2);

    let r = import(&f.admin, "mairie", b"<html>Not found</html>".to_vec()).await;
    assert_eq!(r.0, 422, "{}", r.1);
    assert!(
        r.1["error"].as_str().unwrap().contains("iCalendar"),
        "{}",
        r.1
    );
    let source = f.admin.get("/api/v1/events/sources/mairie").await.1;
    assert!(
        source["last_error"].as_str().unwrap().contains("iCalendar"),
        "{source}"
    );
    assert_eq!(
        events_of(&f.fr).await.unwrap(),
        before,
        "the screens keep the agenda"
    );

    // One broken event among good ones: that item fails, the rest is read.
    let broken = cal.replace(
        "END:VCALENDAR",
        "BEGIN:VEVENT\r\nUID:broken\r\nSUMMARY:Sans date\r\nDTSTART:2026-13-45\r\nEND:VEVENT\r\nEND:VCALENDAR",
    );
    let r = import(&f.admin, "mairie", broken.into_bytes()).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["failed"], 1, "{}", r.1);
    assert_eq!(r.1["unchanged"], 2, "{}", r.1);
    let line = &r.1["items"][0];
    assert_eq!(line["outcome"], "error", "{}", r.1);
    assert_eq!(line["key"], "broken", "{}", r.1);
    assert!(
        line["message"].as_str().unwrap().contains("DTSTART"),
        "{}",
        r.1
    );
    let reports = f.admin.get("/api/v1/events/sources/mairie/imports").await.1;
    assert_eq!(reports.as_array().unwrap().len(), 3, "{reports}");
}

/// A calendar of Fruges' town hall: (uid, title, in how many days at 20:00).
fn calendar(events: &[(&str, &str, i64)]) -> String {
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Mairie//FR\r\nX-WR-TIMEZONE:Europe/Paris\r\n",
    );
    for (uid, title, days) in events {
        let d = day(*days).strftime("%Y%m%d");
        out.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{title}\r\nDTSTART;TZID=Europe/Paris:{d}T200000\r\nDTEND;TZID=Europe/Paris:{d}T230000\r\nLOCATION:Salle des fêtes\\, 62310 Fruges\r\nEND:VEVENT\r\n"
        ));
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

#[tokio::test]
async fn events_gone_from_their_source_are_marked_removed_and_cancellations_reported() {
    let f = fixture().await;
    source(&f.admin, "mairie", "ical", None).await;
    let both = calendar(&[("concert", "Concert", 3), ("loto", "Loto", 4)]);
    let r = import(&f.admin, "mairie", both.clone().into_bytes()).await;
    assert_eq!(r.1["added"], 2, "{}", r.1);
    // The place names Fruges: no default commune needed.
    assert_eq!(events_of(&f.fr).await.unwrap().events.len(), 2);

    let one = calendar(&[("concert", "Concert", 3)]);
    let r = import(&f.admin, "mairie", one.into_bytes()).await;
    assert_eq!(r.1["removed"], 1, "{}", r.1);
    assert_eq!(r.1["items"][0]["outcome"], "removed", "{}", r.1);
    assert_eq!(r.1["items"][0]["key"], "loto", "{}", r.1);
    let loto = event_with_key(&f.admin, "mairie", "loto").await;
    assert!(loto["removed_at"].is_string(), "{loto}");
    let shown = events_of(&f.fr).await.unwrap();
    assert_eq!(shown.events.len(), 1);
    assert_eq!(
        shown.events[0]
            .title
            .get(&beffroi_protocol::text::Lang::fr()),
        Some("Concert")
    );

    // Back in the source: back on the screens, once.
    let r = import(&f.admin, "mairie", both.into_bytes()).await;
    assert_eq!(r.1["updated"], 1, "{}", r.1);
    assert_eq!(r.1["items"][0]["message"], "back in the source", "{}", r.1);
    assert_eq!(events_of(&f.fr).await.unwrap().events.len(), 2);

    // Cancelled in the source: reported, shown cancelled.
    let cancelled = calendar(&[("concert", "Concert", 3), ("loto", "Loto", 4)]).replacen(
        "SUMMARY:Loto\r\n",
        "SUMMARY:Loto\r\nSTATUS:CANCELLED\r\n",
        1,
    );
    let r = import(&f.admin, "mairie", cancelled.into_bytes()).await;
    assert_eq!(r.1["cancelled"], 1, "{}", r.1);
    let loto = events_of(&f.fr)
        .await
        .unwrap()
        .events
        .into_iter()
        .find(|e| e.source.source_id == "loto")
        .unwrap();
    assert_eq!(loto.status, EventStatus::Cancelled);
    // Total stored: never duplicated.
    assert_eq!(
        f.admin
            .get("/api/v1/events")
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn openagenda_datatourisme_and_apidae_samples_import_with_their_places() {
    let f = fixture().await;
    source(&f.admin, "oa", "open_agenda", Some(FRUGES)).await;
    // The single-event answer is of an event still to moderate (state 0): not for screens,
    // and the report says so.
    let r = import(&f.admin, "oa", sample("openagenda/event.json")).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["failed"], 1, "{}", r.1);
    assert_eq!(r.1["items"][0]["key"], "9906334", "{}", r.1);
    assert!(
        r.1["items"][0]["message"]
            .as_str()
            .unwrap()
            .contains("state"),
        "{}",
        r.1
    );
    // The list answer (published events carry no state) brings it in.
    let r = import(&f.admin, "oa", sample("openagenda/events.json")).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(
        (r.1["failed"].as_u64(), r.1["added"].as_u64()),
        (Some(0), Some(1)),
        "{}",
        r.1
    );
    // Both files hold event 9906334: one event, not two.
    let all = f.admin.get("/api/v1/events").await.1;
    let oa: Vec<&Value> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["source"] == "oa")
        .collect();
    assert_eq!(oa.len(), 1, "{all}");
    let e = oa[0];
    assert_eq!(e["source_key"], "9906334");
    assert_eq!(e["record"]["title"]["fr"], "Mon évènement");
    assert_eq!(e["record"]["title"]["en"], "My event");
    // In Paris: outside the territory (the source's default commune is for places that
    // name none), so not on the screens, and the report says why.
    assert!(e["commune"].is_null(), "{e}");
    let reports = f.admin.get("/api/v1/events/sources/oa/imports").await.1;
    let first = &reports[0]["items"][0];
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .contains("not in a commune of the territory"),
        "{reports}"
    );
    let o = occurrences(
        &f.admin,
        e["id"].as_str().unwrap(),
        "2025-01-06T00:00:00Z",
        "2025-01-07T00:00:00Z",
    )
    .await;
    let starts: Vec<&str> = o.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        starts,
        [
            "2025-01-06T11:00:00+01:00[Europe/Paris]",
            "2025-01-06T15:00:00+01:00[Europe/Paris]",
        ]
    );

    source(&f.admin, "dt", "datatourisme", None).await;
    let r = import(
        &f.admin,
        "dt",
        sample("datatourisme/49-00037bcf-28e4-3322-b72f-377587204703.json"),
    )
    .await;
    assert_eq!(r.0, 200, "{}", r.1);
    // Its 537 single-day periods all ended in April 2025: nothing of it is ahead.
    let all = f.admin.get("/api/v1/events").await.1;
    for e in all
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["source"] == "dt")
    {
        assert!(
            e["commune"].is_null(),
            "Saumur is outside the territory: {e}"
        );
        let o = occurrences(
            &f.admin,
            e["id"].as_str().unwrap(),
            "2026-01-01T00:00:00Z",
            "2027-12-31T00:00:00Z",
        )
        .await;
        assert!(o.is_empty(), "{o:?}");
    }
    assert!(events_of(&f.fr).await.unwrap().events.is_empty());

    // Apidae: a hotel is not an event (a line of the report); the export ZIP holds five
    // festivals of 2017–2018, in Savoie: read, outside the territory, nothing ahead.
    source(&f.admin, "apidae", "apidae", Some(FRUGES)).await;
    let r = import(&f.admin, "apidae", sample("apidae/hot_fr_en.json")).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["failed"], 1, "{}", r.1);
    assert!(
        r.1["items"][0]["message"]
            .as_str()
            .unwrap()
            .contains("HOTELLERIE"),
        "{}",
        r.1
    );
    let r = import(&f.admin, "apidae", sample("apidae/json_export.zip")).await;
    assert_eq!(r.0, 200, "{}", r.1);
    // Their dates are all over: each is a line saying so, and nothing is stored.
    assert_eq!(r.1["failed"], 5, "{}", r.1);
    assert!(
        r.1["items"].as_array().unwrap().iter().all(|l| l["message"]
            .as_str()
            .unwrap()
            .contains("every period is over")),
        "{}",
        r.1
    );
    let r = import(&f.admin, "apidae", b"PK\x03\x04 not a zip".to_vec()).await;
    assert_eq!(r.0, 422, "{}", r.1);
}

#[tokio::test]
async fn a_source_with_an_address_is_fetched_on_schedule_with_its_etag() {
    let f = fixture_with(|s| s.feed_check_s = 1).await;
    let cal = calendar(&[("fete", "Fête de la Saint-Martin", 5)]);
    let host = doc_host("/agenda.ics", move |_| cal.clone().into_bytes()).await;
    let r = f
        .admin
        .post(
            "/api/v1/events/sources",
            &json!({ "id": "web", "name": "Agenda de la mairie", "format": "ical", "url": host.url }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let mut events = EventsData::default();
    for _ in 0..100 {
        events = events_of(&f.fr).await.unwrap();
        if !events.events.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        events.events.len(),
        1,
        "the schedule never imported the source"
    );
    assert_eq!(
        events.events[0].source.url.as_deref(),
        Some(host.url.as_str())
    );
    let reports = f.admin.get("/api/v1/events/sources/web/imports").await.1;
    assert_eq!(reports[0]["trigger"], "schedule", "{reports}");
    // Not fetched again before its refresh interval (6 hours).
    let hits = host.hits.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(host.hits.load(Ordering::SeqCst), hits);
    // On demand: conditional, 304, nothing changes.
    let r = import(&f.admin, "web", Vec::new()).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["not_modified"], true, "{}", r.1);
    assert_eq!(host.conditional.load(Ordering::SeqCst), 1);
    // Unreachable: 502 naming the address, the events stay.
    let r = f
        .admin
        .put(
            "/api/v1/events/sources/web",
            &json!({ "name": "Agenda de la mairie", "format": "ical", "url": "http://127.0.0.1:9/agenda.ics" }),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let r = import(&f.admin, "web", Vec::new()).await;
    assert_eq!(r.0, 502, "{}", r.1);
    assert!(
        r.1["error"]
            .as_str()
            .unwrap()
            .contains("http://127.0.0.1:9/agenda.ics"),
        "{}",
        r.1
    );
    assert_eq!(events_of(&f.fr).await.unwrap().events.len(), 1);
}

#[tokio::test]
async fn the_data_set_holds_the_horizon_only() {
    let f = fixture_with(|s| s.events_horizon_days = 3).await;
    source(&f.admin, "mairie", "ical", None).await;
    let cal = calendar(&[("soon", "Bientôt", 2), ("later", "Plus tard", 10)]);
    let r = import(&f.admin, "mairie", cal.into_bytes()).await;
    assert_eq!(r.1["added"], 2, "{}", r.1);
    let shown = events_of(&f.fr).await.unwrap();
    let ids: Vec<&str> = shown
        .events
        .iter()
        .map(|e| e.source.source_id.as_str())
        .collect();
    assert_eq!(ids, ["soon"]);
}

/// An OpenAgenda list answer of Fruges' events: (uid, title, days ahead, place city).
fn openagenda(events: &[(u64, &str, i64, &str)], total: Option<usize>) -> Vec<u8> {
    let list: Vec<Value> = events
        .iter()
        .map(|(uid, title, days, city)| {
            let d = day(*days);
            json!({ "uid": uid, "title": { "fr": title }, "timezone": "Europe/Paris",
                "timings": [
                    { "begin": format!("{d}T18:00:00+01:00"), "end": format!("{d}T20:00:00+01:00") },
                    { "begin": "not a date", "end": format!("{d}T20:00:00+01:00") },
                ],
                "location": { "name": "Salle des fêtes", "city": city } })
        })
        .collect();
    let mut answer = json!({ "events": list });
    if let Some(t) = total {
        answer["total"] = json!(t);
    }
    serde_json::to_vec(&answer).unwrap()
}

#[tokio::test]
async fn events_read_in_part_pages_settings_and_communes_of_sources_are_handled() {
    let f = fixture().await;
    source(&f.admin, "oa", "open_agenda", None).await;
    // Each event has one unreadable timing: the event is read without it (a line says so).
    let r = import(
        &f.admin,
        "oa",
        openagenda(&[(1, "Bal", 2, "Fruges"), (2, "Loto", 3, "Fruges")], None),
    )
    .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(
        (r.1["added"].as_u64(), r.1["failed"].as_u64()),
        (Some(2), Some(2)),
        "{}",
        r.1
    );
    assert_eq!(events_of(&f.fr).await.unwrap().events.len(), 2);
    // One page of a larger answer: the event not on it is not marked removed.
    let r = import(
        &f.admin,
        "oa",
        openagenda(&[(1, "Bal", 2, "Fruges")], Some(300)),
    )
    .await;
    assert_eq!(r.1["removed"], 0, "{}", r.1);
    assert!(r.1.to_string().contains("1 of 300 events"), "{}", r.1);
    assert_eq!(events_of(&f.fr).await.unwrap().events.len(), 2);

    // A commune's source shows its own commune's events only.
    let r = f
        .admin
        .post(
            "/api/v1/events/sources",
            &json!({ "id": "asso-fruges", "name": "Associations", "format": "open_agenda", "owner": FRUGES }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let r = import(
        &f.admin,
        "asso-fruges",
        openagenda(&[(7, "Kermesse", 2, "Hucqueliers")], None),
    )
    .await;
    assert!(
        r.1.to_string().contains("not in the source's commune"),
        "{}",
        r.1
    );
    let kermesse = event_with_key(&f.admin, "asso-fruges", "7").await;
    assert!(kermesse["commune"].is_null(), "{kermesse}");

    // A source's default commune reaches its stored events at once.
    source(&f.admin, "salle", "ical", None).await;
    let cal = calendar(&[("repas", "Repas des aînés", 4)]).replace(
        "LOCATION:Salle des fêtes\\, 62310 Fruges\r\n",
        "LOCATION:Salle des fêtes\r\n",
    );
    let r = import(&f.admin, "salle", cal.into_bytes()).await;
    assert!(
        r.1.to_string()
            .contains("not in a commune of the territory"),
        "{}",
        r.1
    );
    assert!(event_with_key(&f.admin, "salle", "repas").await["commune"].is_null());
    let r = f
        .admin
        .put(
            "/api/v1/events/sources/salle",
            &json!({ "name": "Salle", "format": "ical", "commune": FRUGES }),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(
        event_with_key(&f.admin, "salle", "repas").await["commune"],
        FRUGES
    );
    let titles: Vec<String> = events_of(&f.fr)
        .await
        .unwrap()
        .events
        .iter()
        .filter_map(|e| {
            e.title
                .get(&beffroi_protocol::text::Lang::fr())
                .map(str::to_owned)
        })
        .collect();
    assert!(titles.contains(&"Repas des aînés".to_owned()), "{titles:?}");

    // Ids the agenda keeps for itself are refused.
    for id in ["marche:20261212T0900", "sources"] {
        let r = f
            .admin
            .post("/api/v1/events", &market(id, Some(FRUGES)))
            .await;
        assert_eq!(r.0, 422, "{id}: {}", r.1);
    }
}

#[tokio::test]
async fn source_keys_stay_on_the_server() {
    let f = fixture().await;
    let r = f
        .admin
        .post(
            "/api/v1/events/sources",
            &json!({ "id": "oa", "name": "OpenAgenda", "format": "open_agenda",
                "url": "https://api.openagenda.com/v2/agendas/123/events?key=SECRET&detailed=1" }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    assert!(
        r.1["url"].as_str().unwrap().contains("SECRET"),
        "its administrator sees it"
    );
    let viewer = f.server.user("lecteur", Role::Viewer, &[]).await;
    let seen = viewer.get("/api/v1/events/sources/oa").await.1;
    assert_eq!(
        seen["url"], "https://api.openagenda.com/v2/agendas/123/events",
        "{seen}"
    );
    assert!(
        !viewer
            .get("/api/v1/events/sources")
            .await
            .1
            .to_string()
            .contains("SECRET")
    );
    // What the screens get has no key either.
    let r = import(&f.admin, "oa", openagenda(&[(1, "Bal", 2, "Fruges")], None)).await;
    assert_eq!(r.0, 200, "{}", r.1);
    let shown = events_of(&f.fr).await.unwrap();
    assert_eq!(
        shown.events[0].source.url.as_deref(),
        Some("https://api.openagenda.com/v2/agendas/123/events")
    );
}

#[tokio::test]
async fn the_picture_a_calendar_names_is_fetched_and_reaches_its_communes_screens() {
    // The test's calendar and picture are on 127.0.0.1: a private address, allowed here.
    let f = fixture_with(|s| {
        s.feed_check_s = 1;
        s.feed_pictures_private = true;
    })
    .await;
    let host = doc_host("/agenda.ics", |origin| {
        calendar(&[("fete", "Fête de la Saint-Martin", 5)])
            .replace(
                "SUMMARY:Fête de la Saint-Martin\r\n",
                &format!("SUMMARY:Fête de la Saint-Martin\r\nATTACH;FMTTYPE=image/png:{origin}/photo.png\r\n"),
            )
            .into_bytes()
    })
    .await;
    let r = f
        .admin
        .post(
            "/api/v1/events/sources",
            &json!({ "id": "web", "name": "Agenda de la mairie", "format": "ical", "url": host.url }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let mut pictured = None;
    for _ in 0..150 {
        pictured = events_of(&f.fr)
            .await
            .unwrap()
            .events
            .iter()
            .find_map(|e| e.image.clone());
        if pictured.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pictured = pictured.expect("the event's picture never arrived");
    // A rendition, carried by Fruges' screen (the event is in Fruges), not Hucqueliers'.
    assert!(
        device_manifest(&f.fr, None).await.2["assets"]
            .to_string()
            .contains(pictured.as_str())
    );
    assert!(
        !device_manifest(&f.hu, None).await.2["assets"]
            .to_string()
            .contains(pictured.as_str())
    );
}

#[tokio::test]
async fn an_openagenda_answer_in_pages_is_read_whole() {
    use axum::extract::RawQuery;
    let f = fixture().await;
    // Three events, two a page, paged with `after[]` as OpenAgenda's API does.
    let page = |events: &[(u64, &str, i64, &str)], after: Option<&str>| {
        let mut v: Value = serde_json::from_slice(&openagenda(events, Some(3))).unwrap();
        v["after"] = after.map_or(Value::Null, |a| json!([a]));
        serde_json::to_vec(&v).unwrap()
    };
    let first = page(
        &[(1, "Bal", 2, "Fruges"), (2, "Loto", 3, "Fruges")],
        Some("p2"),
    );
    let second = page(&[(3, "Concert", 4, "Fruges")], None);
    let app = axum::Router::new().route(
        "/events",
        axum::routing::get(move |RawQuery(q): RawQuery| {
            let (first, second) = (first.clone(), second.clone());
            async move {
                if q.as_deref().is_some_and(|q| q.contains("after%5B%5D=p2")) {
                    second
                } else {
                    first
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/events?key=K&size=2",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let r = f
        .admin
        .post(
            "/api/v1/events/sources",
            &json!({ "id": "oa", "name": "OpenAgenda", "format": "open_agenda", "url": url }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let r = import(&f.admin, "oa", Vec::new()).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["added"], 3, "both pages: {}", r.1);
    assert!(!r.1.to_string().contains("one page"), "{}", r.1);
    assert_eq!(events_of(&f.fr).await.unwrap().events.len(), 3);
}
