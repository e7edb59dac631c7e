//! Waste collection through the real server: a commune's rules reach the waste data set of
//! the screens showing waste prompts (and only theirs); public holidays move collections in
//! the preview as each rule says; bad rules are refused naming the field; only those who may
//! publish for the commune change its calendar; the iCalendar feed residents subscribe to
//! round-trips through the agenda's importer and answers 304 when unchanged; ADEME's guide
//! imports with its counts and quirks, re-imports keep the officer's changes, a broken file
//! changes nothing.

mod common;

use beffroi_protocol::data::waste::{Stream, WasteData};
use beffroi_protocol::time::Zone;
use beffroi_server::users::Role;
use beffroi_waste::holidays::{Holiday, holiday_on};
use common::{Api, FRUGES, HUCQUELIERS, TestServer, data_set, device_manifest, pair};
use jiff::civil::{Date, Weekday};
use serde_json::{Value, json};

const FR: &str = "mairie-fruges";
const PLAIN: &str = "salle-fetes";

/// Two published screens of Fruges: the town hall shows waste prompts, the village hall
/// only a text; a player paired with each.
struct Fixture {
    server: TestServer,
    admin: Api,
    fr: Api,
    plain: Api,
}

async fn fixture_with(f: impl FnOnce(&mut beffroi_server::Settings)) -> Fixture {
    let server = TestServer::start_with(f).await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    let waste = json!({ "name": "Déchets", "items": [
        { "id": "next", "duration_ms": 10000, "kind": "waste", "prompt": "next_collections" },
        { "id": "tip", "duration_ms": 10000, "kind": "waste", "prompt": "advice" },
    ]});
    let plain = json!({ "name": "Accueil", "items": [
        { "id": "a", "duration_ms": 5000, "kind": "text", "title": { "fr": "Bonjour" } },
    ]});
    common::publish_screens(
        &admin,
        &[("pl-waste", waste), ("pl-plain", plain)],
        &[(FR, FRUGES, "pl-waste"), (PLAIN, FRUGES, "pl-plain")],
    )
    .await;
    let fr = pair(&server, &admin, FR).await;
    let plain = pair(&server, &admin, PLAIN).await;
    Fixture {
        server,
        admin,
        fr,
        plain,
    }
}

async fn fixture() -> Fixture {
    fixture_with(|_| {}).await
}

fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned_datetime(Zone::paris().tz())
        .date()
}

fn plus(d: Date, days: i64) -> Date {
    d.checked_add(jiff::Span::new().days(days)).unwrap()
}

fn day_name(d: Weekday) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][d.to_monday_zero_offset() as usize]
}

fn weekly(stream: &str, day: Weekday) -> Value {
    json!({ "stream": stream, "rhythm": { "kind": "weekly", "days": [day_name(day)] } })
}

/// The first public holiday after `from` that falls on a weekday other than Saturday, with
/// the next working day after it.
fn next_weekday_holiday(from: Date) -> (Date, Holiday) {
    (1..400)
        .map(|n| plus(from, n))
        .find_map(|d| {
            let h = holiday_on(d)?;
            (!matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
                && holiday_on(plus(d, 1)).is_none())
            .then_some((d, h))
        })
        .unwrap()
}

#[tokio::test]
async fn rules_reach_the_screens_showing_waste_prompts_only() {
    let f = fixture().await;
    let before_plain = device_manifest(&f.plain, None).await.2;
    // Every day of the week: whatever today is, there is a collection tomorrow.
    let rule = json!({ "stream": "packaging", "rhythm": { "kind": "weekly",
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] },
        "holidays": { "shift": "keep" },
        "note": { "fr": "Bac jaune : emballages en vrac." } });
    let (status, saved) = f
        .admin
        .post(&format!("/api/v1/waste/calendars/{FRUGES}/rules"), &rule)
        .await;
    assert_eq!(status, 201, "{saved}");
    assert!(
        saved["id"]
            .as_str()
            .unwrap()
            .starts_with("emballages-et-papiers-")
    );

    let data: WasteData = data_set(&f.fr, "waste").await.unwrap();
    assert_eq!(data.communes.len(), 1);
    let c = &data.communes[0];
    assert_eq!(c.commune.as_str(), FRUGES);
    assert_eq!(c.name, "Fruges");
    assert_eq!(c.streams.len(), 1);
    assert_eq!(c.streams[0].stream, Stream::Packaging);
    assert_eq!(
        c.streams[0].note.get(&beffroi_protocol::text::Lang::fr()),
        Some("Bac jaune : emballages en vrac.")
    );
    // From the Monday of this week to the Sunday eight weeks later, every day.
    let dates = &c.streams[0].dates;
    let monday = plus(
        today(),
        -i64::from(today().weekday().to_monday_zero_offset()),
    );
    assert_eq!(dates.first(), Some(&monday));
    assert_eq!(dates.last(), Some(&plus(monday, 8 * 7 + 6)));
    assert_eq!(dates.len(), 63);
    assert_eq!(c.next_collections(today())[0].1, today());

    // The village hall shows no waste prompt: its manifest did not change.
    assert_eq!(device_manifest(&f.plain, None).await.2, before_plain);
    assert!(before_plain["data"]["waste"].is_null(), "{before_plain}");

    // Deleting the rule leaves a calendar without dates: out of the data set.
    let id = saved["id"].as_str().unwrap();
    let (status, _) = f
        .admin
        .delete(&format!("/api/v1/waste/calendars/{FRUGES}/rules/{id}"))
        .await;
    assert_eq!(status, 204);
    let data: WasteData = data_set(&f.fr, "waste").await.unwrap();
    assert!(data.communes.is_empty(), "{data:?}");
    // The history names each change.
    let (_, history) = f
        .admin
        .get(&format!("/api/v1/waste/calendars/{FRUGES}/history"))
        .await;
    let lines: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["what"].as_str().unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("règle supprimée : Emballages et papiers"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("règle ajoutée : Emballages et papiers"),
        "{lines:?}"
    );
}

#[tokio::test]
async fn the_horizon_setting_bounds_the_data_set() {
    let f = fixture_with(|s| s.waste_horizon_weeks = 1).await;
    let rule = weekly("household", today().weekday());
    let (status, body) = f
        .admin
        .post(&format!("/api/v1/waste/calendars/{FRUGES}/rules"), &rule)
        .await;
    assert_eq!(status, 201, "{body}");
    let data: WasteData = data_set(&f.fr, "waste").await.unwrap();
    let dates = &data.communes[0].streams[0].dates;
    // This week's and next week's day (or their holiday shifts), nothing beyond.
    assert!((1..=2).contains(&dates.len()), "{dates:?}");
    let monday = plus(
        today(),
        -i64::from(today().weekday().to_monday_zero_offset()),
    );
    assert!(
        dates.iter().all(|d| *d >= monday && *d <= plus(monday, 14)),
        "{dates:?}"
    );
}

#[tokio::test]
async fn public_holidays_move_collections_as_each_rule_says() {
    let f = fixture().await;
    let (holiday, which) = next_weekday_holiday(today());
    let url = format!("/api/v1/waste/calendars/{FRUGES}");
    let rule = |shift: &str| {
        let mut r = weekly("household", holiday.weekday());
        r["holidays"] = json!({ "shift": shift });
        r
    };
    let (status, next_day) = f
        .admin
        .post(&format!("{url}/rules"), &rule("next_day"))
        .await;
    assert_eq!(status, 201, "{next_day}");
    let (status, view) = f.admin.get(&format!("{url}?weeks=60")).await;
    assert_eq!(status, 200, "{view}");
    let moved = view["plan"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["planned"] == json!(holiday.to_string()))
        .unwrap_or_else(|| panic!("{holiday} not planned: {view}"));
    let after = plus(holiday, 1);
    let expected = if after.weekday() == Weekday::Sunday {
        plus(after, 1)
    } else {
        after
    };
    assert_eq!(moved["date"], json!(expected.to_string()), "{moved}");
    assert_eq!(moved["why"]["kind"], "holiday", "{moved}");
    assert_eq!(
        moved["change"],
        json!(format!(
            "{} : collecte déplacée, prévue le {}",
            which.label(),
            beffroi_server::waste::words::date(holiday)
        )),
        "{moved}"
    );
    assert!(
        view["rules_in_words"][0]
            .as_str()
            .unwrap()
            .contains("un jour férié la reporte au jour ouvré suivant"),
        "{view}"
    );

    // The same rule calling collections off on holidays.
    let id = next_day["id"].as_str().unwrap();
    let (status, _) = f
        .admin
        .put(&format!("{url}/rules/{id}"), &rule("cancel"))
        .await;
    assert_eq!(status, 200);
    let (_, view) = f.admin.get(&format!("{url}?weeks=60")).await;
    let off = view["plan"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["planned"] == json!(holiday.to_string()))
        .unwrap();
    assert!(off["date"].is_null(), "{off}");
    assert_eq!(
        off["change"],
        json!(format!("{} : pas de collecte", which.label()))
    );
    // And the screens never get that day.
    let data: WasteData = data_set(&f.fr, "waste").await.unwrap();
    let dates = &data.communes[0].streams[0].dates;
    assert!(!dates.contains(&holiday), "{dates:?}");
}

#[tokio::test]
async fn bad_rules_are_refused_naming_the_field() {
    let f = fixture().await;
    let url = format!("/api/v1/waste/calendars/{FRUGES}/rules");
    let cases = [
        (
            json!({ "stream": "household", "rhythm": { "kind": "weekly", "days": [] } }),
            "rule.rhythm.days: name at least one day",
        ),
        (
            json!({ "stream": "glass", "rhythm": { "kind": "monthly", "nth": [7], "day": "wed" } }),
            "rule.rhythm.nth: 7 is not 1 to 5 or -1",
        ),
        (
            json!({ "stream": "bulky", "rhythm": { "kind": "dates", "dates": [] } }),
            "rule.rhythm.dates: name at least one date",
        ),
        (
            json!({ "stream": "household", "rhythm": { "kind": "weekly", "days": ["tue"] },
                    "valid_from": "2027-03-01", "valid_until": "2027-01-01" }),
            "rule.valid_until: 2027-01-01 comes before valid_from 2027-03-01",
        ),
        (
            json!({ "stream": "household", "rhythm": { "kind": "weekly", "days": ["tue"] },
                    "cancelled": ["1999-12-31"] }),
            "1999-12-31 is not a date between 2000 and 2100",
        ),
        (
            json!({ "stream": "bulky", "rhythm": { "kind": "dates", "dates": ["2207-03-01"] } }),
            "2207-03-01 is not a date between 2000 and 2100",
        ),
    ];
    for (body, message) in cases {
        let (status, answer) = f.admin.post(&url, &body).await;
        assert_eq!(status, 422, "{body}: {answer}");
        let problems = answer["problems"].to_string();
        assert!(problems.contains(message), "{message}: {answer}");
    }
    // Malformed: a season on 30 February, a weekday that does not exist.
    for body in [
        json!({ "stream": "household", "rhythm": { "kind": "weekly", "days": ["tue"] },
                "season": { "from": "02-30", "until": "11-30" } }),
        json!({ "stream": "household", "rhythm": { "kind": "weekly", "days": ["mardi"] } }),
    ] {
        let (status, answer) = f.admin.post(&url, &body).await;
        assert!(status == 422 || status == 400, "{status} {answer}");
        assert!(answer["error"].as_str().is_some(), "{answer}");
    }
    // Nothing was stored.
    let (_, all) = f.admin.get("/api/v1/waste/calendars").await;
    assert_eq!(all, json!([]));
    // Not a commune of the territory.
    let (status, _) = f
        .admin
        .post(
            "/api/v1/waste/calendars/75056/rules",
            &weekly("household", Weekday::Monday),
        )
        .await;
    assert_eq!(status, 404);
    // A reminder that never shows.
    let (status, answer) = f
        .admin
        .put(
            &format!("/api/v1/waste/calendars/{FRUGES}"),
            &json!({ "reminder": { "start": "18:00", "end": "18:00" } }),
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    let (status, saved) = f
        .admin
        .put(
            &format!("/api/v1/waste/calendars/{FRUGES}"),
            &json!({ "reminder": { "start": "18:30", "end": "07:00" } }),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(
        saved["reminder"],
        json!({ "start": "18:30", "end": "07:00" })
    );
}

#[tokio::test]
async fn only_those_who_publish_for_the_commune_change_its_calendar() {
    let f = fixture().await;
    let url = format!("/api/v1/waste/calendars/{FRUGES}/rules");
    let rule = weekly("household", Weekday::Tuesday);
    let other = f.server.user("hucq", Role::Editor, &[HUCQUELIERS]).await;
    let editor = f.server.user("redac", Role::Editor, &[FRUGES]).await;
    let viewer = f.server.user("lecteur", Role::Viewer, &[]).await;
    for (who, api) in [("hucq", &other), ("redac", &editor), ("lecteur", &viewer)] {
        let (status, answer) = api.post(&url, &rule).await;
        assert_eq!(status, 403, "{who}: {answer}");
        assert!(answer["error"].as_str().unwrap().contains(who), "{answer}");
    }
    // Reading is open to every account.
    let (status, _) = viewer
        .get(&format!("/api/v1/waste/calendars/{FRUGES}"))
        .await;
    assert_eq!(status, 200);
    let fruges = f.server.user("fruges", Role::Approver, &[FRUGES]).await;
    let (status, answer) = fruges.post(&url, &rule).await;
    assert_eq!(status, 201, "{answer}");

    // Where editors may publish, those of Fruges change its calendar, others still not.
    let f = fixture_with(|s| s.editors_self_publish = true).await;
    let other = f.server.user("hucq", Role::Editor, &[HUCQUELIERS]).await;
    let editor = f.server.user("redac", Role::Editor, &[FRUGES]).await;
    assert_eq!(other.post(&url, &rule).await.0, 403);
    let (status, answer) = editor.post(&url, &rule).await;
    assert_eq!(status, 201, "{answer}");
    // The sorting guide is the intercommunality's: a commune's editor does not change it.
    let (status, _) = editor
        .post(
            "/api/v1/waste/advice",
            &json!({ "name": { "fr": "Pile" }, "destination": { "kind": "take_back" } }),
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_ical_feed_round_trips_through_the_agenda_importer() {
    let f = fixture().await;
    let url = format!("/api/v1/waste/calendars/{FRUGES}/rules");
    for rule in [
        weekly("household", Weekday::Tuesday),
        json!({ "stream": "packaging", "rhythm": { "kind": "every_other_week",
            "days": ["thu"], "parity": "odd" },
            "note": { "fr": "Emballages en vrac, bien vidés ; pas de sacs, merci !" } }),
    ] {
        let (status, answer) = f.admin.post(&url, &rule).await;
        assert_eq!(status, 201, "{answer}");
    }
    let anonymous = f.server.anonymous();
    let r = anonymous
        .request(reqwest::Method::GET, &format!("/collectes/{FRUGES}.ics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let bytes = r.bytes().await.unwrap();
    let read = beffroi_agenda::ical::read(&bytes, "Europe/Paris").unwrap();
    assert!(read.problems.is_empty(), "{:?}", read.problems);

    // What the preview plans over the same period, one event per stream and day.
    let (_, view) = f
        .admin
        .get(&format!("/api/v1/waste/calendars/{FRUGES}?weeks=53"))
        .await;
    let planned: std::collections::BTreeSet<String> = view["plan"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["date"].as_str().map(str::to_owned))
        .collect();
    let from = today()
        .to_zoned_datetime(Zone::paris().tz())
        .unwrap()
        .timestamp();
    let until = plus(today(), 53 * 7 - 1)
        .to_zoned_datetime(Zone::paris().tz())
        .unwrap()
        .timestamp();
    let mut exported = std::collections::BTreeSet::new();
    let mut uids = std::collections::BTreeSet::new();
    for e in &read.events {
        assert!(uids.insert(e.source_id.clone()), "{}", e.source_id);
        // Whatever name the server was reached by.
        assert!(
            e.source_id.starts_with(&format!("{FRUGES}-")),
            "{}",
            e.source_id
        );
        assert!(
            e.source_id.ends_with("@collectes.beffroi"),
            "{}",
            e.source_id
        );
        let title = e.title.get(&beffroi_protocol::text::Lang::fr()).unwrap();
        assert!(title.starts_with("Collecte"), "{title}");
        for o in e.timing.occurrences(from, until) {
            assert!(o.all_day);
            exported.insert(o.start.date().to_string());
        }
    }
    // The feed starts four weeks back: from today on, both list the same days.
    let exported: std::collections::BTreeSet<String> = exported
        .into_iter()
        .filter(|d| *d >= today().to_string())
        .collect();
    let planned: std::collections::BTreeSet<String> = planned
        .into_iter()
        .filter(|d| *d >= today().to_string())
        .collect();
    assert_eq!(exported, planned);
    assert!(exported.len() >= 52 + 26, "{}", exported.len());

    // Unchanged: 304 for calendar apps polling it.
    let r = anonymous
        .request(reqwest::Method::GET, &format!("/collectes/{FRUGES}.ics"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    // A commune without a calendar, and one of elsewhere.
    for path in [
        format!("/collectes/{HUCQUELIERS}.ics"),
        "/collectes/75056.ics".into(),
    ] {
        let r = anonymous
            .request(reqwest::Method::GET, &path)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
}

fn sample_guide() -> Vec<u8> {
    std::fs::read(common::samples().join("waste/waste.json")).unwrap()
}

async fn advice_list(api: &Api) -> Vec<Value> {
    let (status, list) = api.get("/api/v1/waste/advice").await;
    assert_eq!(status, 200);
    list.as_array().unwrap().clone()
}

#[tokio::test]
async fn the_ademe_guide_imports_with_its_quirks_and_keeps_the_officers_changes() {
    let f = fixture().await;
    let (status, report) = f
        .admin
        .post_bytes(
            "/api/v1/waste/advice/import",
            "application/json",
            sample_guide(),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["total"], 390);
    assert_eq!(report["read"], 390);
    assert_eq!(report["added"], 390);
    assert_eq!(report["problems"], json!([]));
    assert_eq!(
        report["repaired_keys"],
        json!([["Comment_les_Ã©viter_?", "Comment_les_éviter_?"]]),
        "{report}"
    );
    let list = advice_list(&f.admin).await;
    assert_eq!(list.len(), 390);
    let texts = serde_json::to_string(&list).unwrap();
    assert!(!texts.contains("<br"), "HTML left in the texts");
    assert!(!texts.contains("Ã©"), "mis-encoded text left");
    let with_prevention = list
        .iter()
        .filter(|a| !a["advice"]["prevention"].is_null())
        .count();
    assert_eq!(with_prevention, 215);
    // Into the screens' data set.
    let data: WasteData = data_set(&f.fr, "waste").await.unwrap();
    assert_eq!(data.advice.len(), 390);

    // The same file again: nothing changes.
    let (_, again) = f
        .admin
        .post_bytes(
            "/api/v1/waste/advice/import",
            "application/json",
            sample_guide(),
        )
        .await;
    assert_eq!(
        (again["added"].clone(), again["unchanged"].clone()),
        (json!(0), json!(390))
    );

    // The officer hides one, features one, rewrites one.
    let (s, _) = f
        .admin
        .post(
            "/api/v1/waste/advice/ademe-1/flags",
            &json!({ "hidden": true }),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = f
        .admin
        .post(
            "/api/v1/waste/advice/ademe-2/flags",
            &json!({ "featured": true }),
        )
        .await;
    assert_eq!(s, 200);
    let (s, edited) = f
        .admin
        .put(
            "/api/v1/waste/advice/ademe-3",
            &json!({ "name": { "fr": "Aérosol vide" }, "destination": { "kind": "bin",
                "stream": "packaging" }, "instructions": { "fr": "Bien vide : bac jaune." } }),
        )
        .await;
    assert_eq!(s, 200, "{edited}");
    assert_eq!(edited["edited"], true);
    // An imported entry cannot be deleted (the next import would bring it back).
    let (s, answer) = f.admin.delete("/api/v1/waste/advice/ademe-4").await;
    assert_eq!(s, 409, "{answer}");

    // A newer guide: entries 5 and 3 (the rewritten one) gone, entry 6 reworded, entries
    // 1 and 2 as before.
    let mut guide: Value = serde_json::from_slice(&sample_guide()).unwrap();
    let results = guide["results"].as_array_mut().unwrap();
    results.retain(|e| e["ID"] != 5 && e["ID"] != 3);
    let six = results.iter_mut().find(|e| e["ID"] == 6).unwrap();
    six["Nom"] = json!("Nom changé par l'ADEME");
    let (s, report) = f
        .admin
        .post_bytes(
            "/api/v1/waste/advice/import",
            "application/json",
            serde_json::to_vec(&guide).unwrap(),
        )
        .await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["read"], 388);
    assert_eq!(report["updated"], 1, "{report}");
    assert_eq!(report["kept"], 1, "{report}");
    assert_eq!(report["removed"], 1, "{report}");
    assert_eq!(report["unchanged"], 387, "{report}");
    let list = advice_list(&f.admin).await;
    let entry = |id: &str| {
        list.iter()
            .find(|a| a["advice"]["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(entry("ademe-1")["hidden"], true);
    assert_eq!(entry("ademe-2")["advice"]["featured"], true);
    assert_eq!(entry("ademe-3")["advice"]["name"]["fr"], "Aérosol vide");
    assert!(
        entry("ademe-3")["removed_at"].is_null(),
        "the officer's stays"
    );
    assert!(entry("ademe-5")["removed_at"].is_string());
    assert_eq!(
        entry("ademe-6")["advice"]["name"]["fr"],
        "Nom changé par l'ADEME"
    );
    let data: WasteData = data_set(&f.fr, "waste").await.unwrap();
    assert_eq!(
        data.advice.len(),
        388,
        "hidden and removed ones off the screens"
    );
    assert_eq!(data.rotation().len(), 1);
    // Rewritten by the officer, a removed entry is theirs and back on the screens.
    let (s, back) = f
        .admin
        .put(
            "/api/v1/waste/advice/ademe-5",
            &json!({ "name": { "fr": "Repris par la communauté" },
                "destination": { "kind": "recycling_centre" } }),
        )
        .await;
    assert_eq!(s, 200, "{back}");
    assert!(back["removed_at"].is_null(), "{back}");
    assert_eq!(back["edited"], true);
    let data: WasteData = data_set(&f.fr, "waste").await.unwrap();
    assert_eq!(data.advice.len(), 389);

    // A broken file: refused, naming the problem; the guide stays.
    let mut cut = sample_guide();
    cut.truncate(cut.len() / 2);
    let (s, answer) = f
        .admin
        .post_bytes("/api/v1/waste/advice/import", "application/json", cut)
        .await;
    assert_eq!(s, 422, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("sorting guide"),
        "{answer}"
    );
    assert_eq!(advice_list(&f.admin).await.len(), 390);
    let (_, reports) = f.admin.get("/api/v1/waste/advice/imports").await;
    let reports = reports.as_array().unwrap();
    assert_eq!(reports.len(), 4);
    assert!(reports[0]["error"].is_string());
    assert_eq!(reports[1]["removed"], 1);
}

#[tokio::test]
async fn officer_tips_are_written_checked_and_deleted() {
    let f = fixture().await;
    let tip = json!({ "id": "pile", "name": { "fr": "Piles", "en": "Batteries" },
        "synonyms": ["batterie", " ", "accumulateur"], "destination": { "kind": "take_back" },
        "instructions": { "fr": "En magasin." }, "featured": true });
    let (s, saved) = f.admin.post("/api/v1/waste/advice", &tip).await;
    assert_eq!(s, 201, "{saved}");
    assert_eq!(saved["origin"], "officer");
    assert_eq!(
        saved["advice"]["synonyms"],
        json!(["batterie", "accumulateur"])
    );
    let (s, _) = f.admin.post("/api/v1/waste/advice", &tip).await;
    assert_eq!(s, 409);
    // Ids the guide's pages use in their addresses.
    for id in ["nouveau", "importer"] {
        let mut named = tip.clone();
        named["id"] = json!(id);
        let (s, answer) = f.admin.post("/api/v1/waste/advice", &named).await;
        assert_eq!(s, 422, "{answer}");
        assert!(
            answer["error"].as_str().unwrap().contains("names a page"),
            "{answer}"
        );
    }
    let (s, answer) = f
        .admin
        .post(
            "/api/v1/waste/advice",
            &json!({ "name": { "fr": "" }, "destination": { "kind": "compost" } }),
        )
        .await;
    assert_eq!(s, 422, "{answer}");
    assert!(answer["problems"].to_string().contains("name"), "{answer}");
    let data: WasteData = data_set(&f.fr, "waste").await.unwrap();
    assert_eq!(data.advice.len(), 1);
    assert!(data.advice[0].featured);
    let (s, _) = f.admin.delete("/api/v1/waste/advice/pile").await;
    assert_eq!(s, 204);
    let data: WasteData = data_set(&f.fr, "waste").await.unwrap();
    assert!(data.advice.is_empty());
}

#[tokio::test]
async fn a_calendar_takes_the_rules_of_a_commune_of_the_same_round() {
    let f = fixture().await;
    let fruges = format!("/api/v1/waste/calendars/{FRUGES}");
    let hucq = format!("/api/v1/waste/calendars/{HUCQUELIERS}");
    for rule in [
        weekly("household", Weekday::Tuesday),
        json!({ "stream": "packaging", "rhythm": { "kind": "every_other_week",
            "days": ["thu"], "parity": "even" } }),
    ] {
        assert_eq!(f.admin.post(&format!("{fruges}/rules"), &rule).await.0, 201);
    }
    let (s, _) = f
        .admin
        .put(
            &fruges,
            &json!({ "reminder": { "start": "18:30", "end": "07:00" } }),
        )
        .await;
    assert_eq!(s, 200);

    // Hucqueliers has no calendar: it takes the rules and the reminder window.
    let (s, taken) = f
        .admin
        .post(&format!("{hucq}/copy"), &json!({ "from": FRUGES }))
        .await;
    assert_eq!(s, 200, "{taken}");
    assert_eq!(taken["rules"].as_array().unwrap().len(), 2);
    assert_eq!(
        taken["reminder"],
        json!({ "start": "18:30", "end": "07:00" })
    );
    let (_, view) = f.admin.get(&hucq).await;
    assert_eq!(
        view["rules_in_words"][0],
        json!(
            "Ordures ménagères : chaque semaine, le mardi ; un jour férié la reporte au jour ouvré suivant"
        )
    );
    // Its own rules, changed apart from Fruges'.
    let id = taken["rules"][0]["id"].as_str().unwrap();
    let (s, _) = f
        .admin
        .put(
            &format!("{hucq}/rules/{id}"),
            &weekly("household", Weekday::Wednesday),
        )
        .await;
    assert_eq!(s, 200);
    let (_, fr) = f.admin.get(&fruges).await;
    assert!(
        fr["rules_in_words"][0]
            .as_str()
            .unwrap()
            .contains("le mardi"),
        "{fr}"
    );
    // Taken again: added after its own.
    let (_, again) = f
        .admin
        .post(&format!("{hucq}/copy"), &json!({ "from": FRUGES }))
        .await;
    assert_eq!(again["rules"].as_array().unwrap().len(), 4);
    let (_, history) = f.admin.get(&format!("{hucq}/history")).await;
    assert_eq!(
        history[0]["what"],
        json!("2 règle(s) reprise(s) du calendrier de Fruges")
    );
    // Not from itself, nor from a commune without rules.
    let (s, answer) = f
        .admin
        .post(&format!("{hucq}/copy"), &json!({ "from": HUCQUELIERS }))
        .await;
    assert_eq!(s, 422, "{answer}");
    let (s, answer) = f
        .admin
        .post(&format!("{fruges}/copy"), &json!({ "from": "62168" }))
        .await;
    assert_eq!(s, 404, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("no collection rule"),
        "{answer}"
    );
}
