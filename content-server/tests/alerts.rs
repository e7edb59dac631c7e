//! Emergency alerts through the real server: a raised alert is pushed at once to the event
//! streams of the screens it reaches and carried by their next manifest (new ETag); other
//! screens get neither; edits and cancellations bump the revision and reach push and
//! manifest alike; a group target reaches exactly the screens of the group; editors alert
//! only their own screens, communes and groups; bad bodies are refused naming the field;
//! every change is in the audit log.

mod common;

use std::pin::Pin;
use std::time::Duration;

use beffroi_protocol::alert::Alert;
use beffroi_server::users::Role;
use common::{Api, FRUGES, HUCQUELIERS, TestServer, device_manifest, pair};
use futures_util::{Stream, StreamExt as _};
use reqwest::Method;
use serde_json::{Value, json};

const FR: &str = "mairie-fruges";
const HU: &str = "mairie-hucq";

fn playlist(title: &str) -> Value {
    json!({
        "name": "Accueil",
        "items": [{ "id": "a", "duration_ms": 5000, "kind": "text", "title": { "fr": title } }]
    })
}

/// Two published screens (Fruges, Hucqueliers), each with a paired player.
struct Fixture {
    server: TestServer,
    admin: Api,
    /// Editor of Fruges.
    fruges: Api,
    /// Editor of Hucqueliers.
    hucq: Api,
    /// The player of Fruges.
    d1: Api,
    /// The player of Hucqueliers.
    d2: Api,
    /// The first publication.
    publication: i64,
}

async fn fixture() -> Fixture {
    let server = TestServer::start().await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    let fruges = server.user("fruges", Role::Editor, &[FRUGES]).await;
    let hucq = server.user("hucq", Role::Editor, &[HUCQUELIERS]).await;
    for (id, commune) in [(FR, FRUGES), (HU, HUCQUELIERS)] {
        let r = admin
            .post(
                "/api/v1/playlists",
                &json!({ "id": format!("pl-{id}"), "owner": commune, "body": playlist("Bonjour") }),
            )
            .await;
        assert_eq!(r.0, 201, "{}", r.1);
        let r = admin
            .post(
                "/api/v1/screens",
                &json!({ "id": id, "owner": commune, "body": {
                    "name": format!("Mairie {commune}"),
                    "commune": commune,
                    "layout": "fullscreen",
                    "default_playlists": { "main": format!("pl-{id}") },
                }}),
            )
            .await;
        assert_eq!(r.0, 201, "{}", r.1);
    }
    let r = admin.post("/api/v1/publish", &json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
    let publication = r.1["publication"].as_i64().unwrap();
    let d1 = pair(&server, &admin, FR).await;
    let d2 = pair(&server, &admin, HU).await;
    Fixture {
        server,
        admin,
        fruges,
        hucq,
        d1,
        d2,
        publication,
    }
}

/// The body of fixture screen `id` standing in `commune`, in `groups`.
fn screen_body(id: &str, commune: &str, groups: &[&str]) -> Value {
    json!({
        "name": format!("Mairie {commune}"),
        "commune": commune,
        "layout": "fullscreen",
        "default_playlists": { "main": format!("pl-{id}") },
        "groups": groups,
    })
}

/// Groups: `mairies` (shared, both screens) and `ecoles-hucq` (Hucqueliers', its screen
/// only), published.
async fn with_groups(f: &Fixture) {
    for (id, owner, name) in [
        ("mairies", None, "Mairies"),
        ("ecoles-hucq", Some(HUCQUELIERS), "Écoles de Hucqueliers"),
    ] {
        let r = f
            .admin
            .post(
                "/api/v1/groups",
                &json!({ "id": id, "owner": owner, "body": { "name": name } }),
            )
            .await;
        assert_eq!(r.0, 201, "{}", r.1);
    }
    for (id, commune, groups) in [
        (FR, FRUGES, &["mairies"][..]),
        (HU, HUCQUELIERS, &["mairies", "ecoles-hucq"][..]),
    ] {
        let r = f
            .admin
            .put(
                &format!("/api/v1/screens/{id}"),
                &json!({ "body": screen_body(id, commune, groups) }),
            )
            .await;
        assert_eq!(r.0, 200, "{}", r.1);
    }
    let r = f.admin.post("/api/v1/publish", &json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
}

/// An instant `minutes` from now, RFC 3339.
fn in_minutes(minutes: i64) -> String {
    let t = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(minutes);
    jiff::Timestamp::from_second(t.as_second())
        .unwrap()
        .to_string()
}

/// A valid alert body for `target`.
fn alert_body(id: &str, target: Value) -> Value {
    json!({
        "id": id,
        "severity": "critical",
        "title": { "fr": "Alerte inondation", "en": "Flood warning" },
        "message": { "fr": "Évitez les bords de la Lys." },
        "expires_at": in_minutes(120),
        "target": target,
    })
}

/// One Server-Sent Event.
#[derive(Debug)]
struct Ev {
    event: String,
    id: String,
    data: Value,
}

/// A player's event stream, read event by event.
struct Events {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<axum::body::Bytes>> + Send>>,
    buf: Vec<u8>,
}

impl Events {
    async fn open(device: &Api, last_event_id: Option<&str>) -> Events {
        let mut rb = device.request(Method::GET, "/api/v1/player/events");
        if let Some(id) = last_event_id {
            rb = rb.header("Last-Event-ID", id);
        }
        let r = rb.send().await.unwrap();
        assert_eq!(r.status(), 200);
        Events {
            body: Box::pin(r.bytes_stream()),
            buf: Vec::new(),
        }
    }

    /// The next event within `wait` (comments skipped), or None.
    async fn next(&mut self, wait: Duration) -> Option<Ev> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buf.drain(..i + 2).collect();
                let block = String::from_utf8(block).unwrap();
                let (mut event, mut id, mut data) = (None, String::new(), String::new());
                for line in block.lines() {
                    if line.starts_with(':') {
                        continue;
                    }
                    let (k, v) = line.split_once(':').unwrap_or((line, ""));
                    let v = v.strip_prefix(' ').unwrap_or(v);
                    match k {
                        "event" => event = Some(v.to_owned()),
                        "id" => v.clone_into(&mut id),
                        "data" => data.push_str(v),
                        _ => {}
                    }
                }
                if let Some(event) = event {
                    let data = serde_json::from_str(&data).unwrap_or(Value::String(data));
                    return Some(Ev { event, id, data });
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .ok()??
                .unwrap();
            self.buf.extend_from_slice(&chunk);
        }
    }

    /// Every event until the stream is quiet for `QUIET`.
    async fn drain(&mut self) -> Vec<Ev> {
        let mut out = Vec::new();
        while let Some(e) = self.next(QUIET).await {
            out.push(e);
        }
        out
    }
}

const LONG: Duration = Duration::from_secs(20);
const QUIET: Duration = Duration::from_millis(1500);

/// The alerts of a manifest body, as the protocol reads them.
fn alerts_of(manifest: &Value) -> Vec<Alert> {
    serde_json::from_value(manifest["alerts"].clone()).unwrap()
}

async fn db(server: &TestServer) -> sqlx::SqlitePool {
    beffroi_server::db::open(&server.data_dir).await.unwrap()
}

#[tokio::test]
async fn a_raised_alert_is_pushed_at_once_and_carried_by_the_next_manifest_of_its_screen_only() {
    let f = fixture().await;
    // Connected first; the current manifest arrives on connect.
    let mut e1 = Events::open(&f.d1, None).await;
    let mut e2 = Events::open(&f.d2, None).await;
    assert_eq!(e1.next(LONG).await.unwrap().event, "manifest");
    assert_eq!(e2.next(LONG).await.unwrap().event, "manifest");
    let (_, etag1, before1) = device_manifest(&f.d1, None).await;
    let (_, etag2, _) = device_manifest(&f.d2, None).await;
    assert!(alerts_of(&before1).is_empty());

    let r = f
        .admin
        .post(
            "/api/v1/alerts",
            &alert_body("crue-lys", json!({ "screens": [FR] })),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let raised = r.1;
    assert_eq!(raised["id"], "crue-lys");
    assert_eq!(raised["revision"], 1);
    assert_eq!(raised["cancelled"], false);
    assert_eq!(raised["state"], "active");
    assert_eq!(raised["screens"], json!([FR]));
    assert_eq!(raised["created_by"], "admin");
    assert_eq!(raised["delivered"], 1, "one stream listens on the screen");
    let publication = raised["publication"].as_i64().unwrap();
    assert!(publication > f.publication);
    let new_version = raised["manifests"][FR].as_str().unwrap().to_owned();
    assert_eq!(
        raised["manifests"].as_object().unwrap().len(),
        1,
        "only the targeted screen's manifest changed: {raised}"
    );

    // The push: the alert first (protocol JSON, an id of the action range), then the
    // manifest that carries it.
    let pushed = e1.next(LONG).await.expect("no alert event");
    assert_eq!(pushed.event, "alert", "{pushed:?}");
    assert!(pushed.id.parse::<u64>().unwrap() >= beffroi_server::hub::ACTION_ID_FLOOR);
    let a: Alert = serde_json::from_value(pushed.data.clone()).unwrap();
    assert_eq!(
        (a.id.as_str(), a.revision, a.cancelled),
        ("crue-lys", 1, false)
    );
    assert_eq!(a.title.0.len(), 2);
    let m = e1.next(LONG).await.expect("no manifest event");
    assert_eq!(m.event, "manifest");
    assert_eq!(m.id, publication.to_string());
    assert_eq!(m.data["version"], new_version.as_str());

    // The next poll: a new ETag, and the same alert in the manifest.
    let (status, etag, body) = device_manifest(&f.d1, Some(&etag1)).await;
    assert_eq!(status, 200);
    assert_ne!(etag, etag1);
    assert_eq!(etag, format!("\"{new_version}\""));
    assert_eq!(alerts_of(&body), [a]);

    // The other screen: no event, same manifest, no alert.
    assert!(e2.next(QUIET).await.is_none(), "Hucqueliers got an event");
    let (status, _, _) = device_manifest(&f.d2, Some(&etag2)).await;
    assert_eq!(status, 304);

    // A second alert: the manifest lists them sorted by id, whatever the order raised.
    let r = f
        .admin
        .post(
            "/api/v1/alerts",
            &alert_body("canicule", json!({ "communes": [FRUGES] })),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let (_, _, body) = device_manifest(&f.d1, None).await;
    let ids: Vec<String> = alerts_of(&body).into_iter().map(|a| a.id).collect();
    assert_eq!(ids, ["canicule", "crue-lys"]);

    // A publish of drafts keeps the alerts in the manifests it rebuilds.
    let r = f
        .admin
        .put(
            &format!("/api/v1/playlists/pl-{FR}"),
            &json!({ "body": playlist("Bonsoir") }),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let r = f.admin.post("/api/v1/publish", &json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
    let (_, _, body) = device_manifest(&f.d1, None).await;
    assert_eq!(alerts_of(&body).len(), 2, "{body}");
    assert_eq!(body["playlists"][0]["items"][0]["title"]["fr"], "Bonsoir");
    let (_, _, body) = device_manifest(&f.d2, None).await;
    assert!(alerts_of(&body).is_empty());
}

#[tokio::test]
async fn edits_and_cancellations_bump_the_revision_in_push_and_manifest() {
    let f = fixture().await;
    let mut e1 = Events::open(&f.d1, None).await;
    let mut e2 = Events::open(&f.d2, None).await;
    assert_eq!(e1.next(LONG).await.unwrap().event, "manifest");
    assert_eq!(e2.next(LONG).await.unwrap().event, "manifest");

    // Raised by the editor of Fruges for their commune.
    let r = f
        .fruges
        .post(
            "/api/v1/alerts",
            &alert_body("eau", json!({ "communes": [FRUGES] })),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    assert_eq!(e1.next(LONG).await.unwrap().event, "alert");
    assert_eq!(e1.next(LONG).await.unwrap().event, "manifest");

    // Edited: revision 2, new text, everywhere.
    let mut body = alert_body("eau", json!({ "communes": [FRUGES] }));
    body.as_object_mut().unwrap().remove("id");
    body["title"] = json!({ "fr": "Eau non potable" });
    body["revision"] = json!(1);
    let r = f.fruges.put("/api/v1/alerts/eau", &body).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["revision"], 2);
    // The same edit on a stale revision is refused.
    let r = f.fruges.put("/api/v1/alerts/eau", &body).await;
    assert_eq!(r.0, 409, "{}", r.1);
    let ev = e1.next(LONG).await.unwrap();
    assert_eq!(ev.event, "alert");
    assert_eq!(ev.data["revision"], 2);
    assert_eq!(ev.data["title"]["fr"], "Eau non potable");
    assert_eq!(e1.next(LONG).await.unwrap().event, "manifest");

    // Cancelled: revision 3, cancelled, in the push and (as a tombstone) in the manifest.
    let (_, etag, _) = device_manifest(&f.d1, None).await;
    let r = f.fruges.post("/api/v1/alerts/eau/cancel", &json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["revision"], 3);
    assert_eq!(r.1["cancelled"], true);
    assert_eq!(r.1["state"], "cancelled");
    let ev = e1.next(LONG).await.unwrap();
    assert_eq!(ev.event, "alert");
    let pushed: Alert = serde_json::from_value(ev.data).unwrap();
    assert_eq!((pushed.revision, pushed.cancelled), (3, true));
    assert_eq!(e1.next(LONG).await.unwrap().event, "manifest");
    let (status, new_etag, m) = device_manifest(&f.d1, Some(&etag)).await;
    assert_eq!(status, 200);
    assert_ne!(new_etag, etag);
    assert_eq!(alerts_of(&m), [pushed]);
    // Nothing more to cancel or edit.
    let r = f.fruges.post("/api/v1/alerts/eau/cancel", &json!({})).await;
    assert_eq!(r.0, 409, "{}", r.1);
    let r = f.fruges.put("/api/v1/alerts/eau", &body).await;
    assert_eq!(r.0, 409, "{}", r.1);
    // Hucqueliers never heard of it.
    assert!(e2.next(QUIET).await.is_none());
    let (_, _, m) = device_manifest(&f.d2, None).await;
    assert!(alerts_of(&m).is_empty());

    // Moved from Fruges to Hucqueliers: Hucqueliers gets it, Fruges a tombstone at the
    // new revision (its player holds the old one and must drop it).
    let r = f
        .admin
        .post(
            "/api/v1/alerts",
            &alert_body("route", json!({ "screens": [FR] })),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    assert_eq!(e1.next(LONG).await.unwrap().event, "alert");
    assert_eq!(e1.next(LONG).await.unwrap().event, "manifest");
    let mut moved = alert_body("route", json!({ "screens": [HU] }));
    moved.as_object_mut().unwrap().remove("id");
    let r = f.admin.put("/api/v1/alerts/route", &moved).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["screens"], json!([HU]));
    let mut changed: Vec<&String> = r.1["manifests"].as_object().unwrap().keys().collect();
    changed.sort();
    assert_eq!(changed, [FR, HU]);
    let ev = e2.next(LONG).await.unwrap();
    assert_eq!(
        (
            ev.event.as_str(),
            &ev.data["revision"],
            &ev.data["cancelled"]
        ),
        ("alert", &json!(2), &json!(false))
    );
    let ev = e1.next(LONG).await.unwrap();
    assert_eq!(
        (
            ev.event.as_str(),
            &ev.data["revision"],
            &ev.data["cancelled"]
        ),
        ("alert", &json!(2), &json!(true))
    );
    let (_, _, m1) = device_manifest(&f.d1, None).await;
    let on_fruges: Vec<(String, u32, bool)> = alerts_of(&m1)
        .into_iter()
        .map(|a| (a.id, a.revision, a.cancelled))
        .collect();
    assert_eq!(
        on_fruges,
        [("eau".into(), 3, true), ("route".into(), 2, true)]
    );
    let (_, _, m2) = device_manifest(&f.d2, None).await;
    let on_hucq: Vec<(String, u32, bool)> = alerts_of(&m2)
        .into_iter()
        .map(|a| (a.id, a.revision, a.cancelled))
        .collect();
    assert_eq!(on_hucq, [("route".into(), 2, false)]);
}

#[tokio::test]
async fn editors_alert_only_their_own_screens_and_communes() {
    let f = fixture().await;
    let viewer = f.server.user("viewer", Role::Viewer, &[FRUGES]).await;
    let approver = f.server.user("approver", Role::Approver, &[]).await;
    let mut e2 = Events::open(&f.d2, None).await;
    assert_eq!(e2.next(LONG).await.unwrap().event, "manifest");
    let (_, etag2, _) = device_manifest(&f.d2, None).await;

    for (who, target) in [
        (&f.fruges, json!({ "screens": [HU] })),
        (&f.fruges, json!({ "screens": [FR, HU] })),
        (&f.fruges, json!({ "communes": [HUCQUELIERS] })),
        (&f.fruges, json!({ "all": true })),
        (&viewer, json!({ "screens": [FR] })),
    ] {
        let r = who
            .post("/api/v1/alerts", &alert_body("intrus", target.clone()))
            .await;
        assert_eq!(r.0, 403, "{target}: {}", r.1);
    }
    // Nothing reached Hucqueliers, nothing was stored.
    assert!(e2.next(QUIET).await.is_none());
    assert_eq!(device_manifest(&f.d2, Some(&etag2)).await.0, 304);
    let r = f.admin.get("/api/v1/alerts/intrus").await;
    assert_eq!(r.0, 404, "{}", r.1);

    // Their own: allowed; the other commune's editor neither sees nor cancels it.
    let r = f
        .fruges
        .post(
            "/api/v1/alerts",
            &alert_body("fruges-seul", json!({ "screens": [FR] })),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let r = f
        .hucq
        .post("/api/v1/alerts/fruges-seul/cancel", &json!({}))
        .await;
    assert_eq!(r.0, 403, "{}", r.1);
    let r = f.hucq.get("/api/v1/alerts/fruges-seul").await;
    assert_eq!(r.0, 403, "{}", r.1);
    let r = f.hucq.get("/api/v1/alerts").await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1, json!([]));
    let r = viewer.get("/api/v1/alerts").await;
    assert_eq!(r.1.as_array().unwrap().len(), 1, "{}", r.1);
    let r = viewer
        .post("/api/v1/alerts/fruges-seul/cancel", &json!({}))
        .await;
    assert_eq!(r.0, 403, "{}", r.1);

    // An approver alerts every screen; an editor cannot cancel that.
    let r = approver
        .post(
            "/api/v1/alerts",
            &alert_body("partout", json!({ "all": true })),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    assert_eq!(r.1["screens"], json!([FR, HU]));
    let r = f
        .hucq
        .post("/api/v1/alerts/partout/cancel", &json!({}))
        .await;
    assert_eq!(r.0, 403, "{}", r.1);
    let r = f.hucq.get("/api/v1/alerts").await;
    let ids: Vec<&str> =
        r.1.as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect();
    assert_eq!(ids, ["partout"]);
}

#[tokio::test]
async fn a_group_target_reaches_exactly_the_screens_of_the_group() {
    let f = fixture().await;
    with_groups(&f).await;
    let mut e1 = Events::open(&f.d1, None).await;
    let mut e2 = Events::open(&f.d2, None).await;
    assert_eq!(e1.next(LONG).await.unwrap().event, "manifest");
    assert_eq!(e2.next(LONG).await.unwrap().event, "manifest");
    let (_, etag1, _) = device_manifest(&f.d1, None).await;

    // Hucqueliers' editor alerts their group: its one screen, not Fruges'.
    let r = f
        .hucq
        .post(
            "/api/v1/alerts",
            &alert_body("ecoles-fermees", json!({ "groups": ["ecoles-hucq"] })),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    assert_eq!(r.1["target"], json!({ "groups": ["ecoles-hucq"] }));
    assert_eq!(r.1["screens"], json!([HU]));
    let changed: Vec<&String> = r.1["manifests"].as_object().unwrap().keys().collect();
    assert_eq!(changed, [HU]);
    let ev = e2.next(LONG).await.expect("no alert event");
    assert_eq!(
        (ev.event.as_str(), &ev.data["id"]),
        ("alert", &json!("ecoles-fermees"))
    );
    assert_eq!(e2.next(LONG).await.unwrap().event, "manifest");
    let (_, _, m2) = device_manifest(&f.d2, None).await;
    assert_eq!(alerts_of(&m2)[0].id, "ecoles-fermees");
    assert!(e1.next(QUIET).await.is_none(), "Fruges got an event");
    assert_eq!(device_manifest(&f.d1, Some(&etag1)).await.0, 304);

    // A shared group reaches every screen in it, with the groups listed sorted and once.
    let r = f
        .admin
        .post(
            "/api/v1/alerts",
            &alert_body(
                "mairies-fermees",
                json!({ "groups": ["mairies", "ecoles-hucq", "mairies"] }),
            ),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    assert_eq!(r.1["target"]["groups"], json!(["ecoles-hucq", "mairies"]));
    assert_eq!(r.1["screens"], json!([FR, HU]));
    assert_eq!(e1.next(LONG).await.unwrap().event, "alert");
    let (_, _, m1) = device_manifest(&f.d1, None).await;
    let ids: Vec<String> = alerts_of(&m1).into_iter().map(|a| a.id).collect();
    assert_eq!(ids, ["mairies-fermees"]);

    // Whoever works for Hucqueliers sees the group's alert; Fruges' editor does not (ids
    // sorted: both started within the same second or two).
    let ids = |r: (u16, Value)| -> Vec<String> {
        r.1.as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    assert_eq!(
        ids(f.hucq.get("/api/v1/alerts").await),
        ["ecoles-fermees", "mairies-fermees"]
    );
    assert_eq!(
        ids(f.fruges.get("/api/v1/alerts").await),
        ["mairies-fermees"]
    );
}

#[tokio::test]
async fn an_editor_cannot_alert_the_group_of_another_commune_or_a_shared_one() {
    let f = fixture().await;
    with_groups(&f).await;
    let mut e2 = Events::open(&f.d2, None).await;
    assert_eq!(e2.next(LONG).await.unwrap().event, "manifest");
    let (_, etag2, _) = device_manifest(&f.d2, None).await;

    for (target, field) in [
        (json!({ "groups": ["ecoles-hucq"] }), "target.groups[0]: "),
        (json!({ "groups": ["mairies"] }), "target.groups[0]: "),
        (
            json!({ "screens": [FR], "groups": ["ecoles-hucq"] }),
            "target.groups[0]: ",
        ),
    ] {
        let r = f
            .fruges
            .post("/api/v1/alerts", &alert_body("intrus", target.clone()))
            .await;
        assert_eq!(r.0, 403, "{target}: {}", r.1);
        let error = r.1["error"].as_str().unwrap();
        assert!(error.starts_with(field), "{target}: {error}");
        assert_eq!(r.1["problems"], json!([error]), "{}", r.1);
    }
    // Nor move their own alert onto it.
    let r = f
        .fruges
        .post(
            "/api/v1/alerts",
            &alert_body("fruges", json!({ "screens": [FR] })),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let mut moved = alert_body("fruges", json!({ "groups": ["ecoles-hucq"] }));
    moved.as_object_mut().unwrap().remove("id");
    let r = f.fruges.put("/api/v1/alerts/fruges", &moved).await;
    assert_eq!(r.0, 403, "{}", r.1);
    // Nor change one that reaches the group.
    let r = f
        .hucq
        .post(
            "/api/v1/alerts",
            &alert_body("hucq", json!({ "groups": ["ecoles-hucq"] })),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    assert_eq!(e2.next(LONG).await.unwrap().event, "alert");
    assert_eq!(e2.next(LONG).await.unwrap().event, "manifest");
    let r = f
        .fruges
        .post("/api/v1/alerts/hucq/cancel", &json!({}))
        .await;
    assert_eq!(r.0, 403, "{}", r.1);

    // Nothing else reached Hucqueliers.
    assert!(e2.next(QUIET).await.is_none());
    let (_, _, m2) = device_manifest(&f.d2, Some(&etag2)).await;
    let ids: Vec<String> = alerts_of(&m2).into_iter().map(|a| a.id).collect();
    assert_eq!(ids, ["hucq"]);
}

#[tokio::test]
async fn bad_bodies_are_refused_naming_the_field_and_change_nothing() {
    let f = fixture().await;
    let (_, etag, _) = device_manifest(&f.d1, None).await;
    let base = alert_body("x", json!({ "screens": [FR] }));
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        if v.is_null() {
            b.as_object_mut().unwrap().remove(k);
        } else {
            b[k] = v;
        }
        b
    };
    let cases = [
        (
            "expiry before start",
            with("starts_at", json!(in_minutes(180))),
            "expires_at",
            "is not after starts_at",
        ),
        ("no title", with("title", Value::Null), "title", "value"),
        (
            "blank title",
            with("title", json!({ "fr": " " })),
            "title",
            "empty",
        ),
        (
            "no expiry",
            with("expires_at", Value::Null),
            "expires_at",
            "required",
        ),
        (
            "expiry past",
            with("expires_at", json!(in_minutes(-5))),
            "expires_at",
            "past",
        ),
        (
            "expiry too far",
            with("expires_at", json!(in_minutes(8 * 24 * 60))),
            "expires_at",
            "7 days",
        ),
        (
            "not an instant",
            with("expires_at", json!("demain")),
            "expires_at",
            "RFC 3339",
        ),
        (
            "no severity",
            with("severity", Value::Null),
            "severity",
            "required",
        ),
        (
            "odd severity",
            with("severity", json!("apocalypse")),
            "severity",
            "apocalypse",
        ),
        (
            "no target",
            with("target", Value::Null),
            "target",
            "required",
        ),
        (
            "unknown screen",
            with("target", json!({ "screens": ["nulle-part"] })),
            "target.screens[0]",
            "nulle-part",
        ),
        (
            "unknown group",
            with("target", json!({ "groups": ["nulle-part"] })),
            "target.groups[0]",
            "nulle-part",
        ),
        (
            "outside the territory",
            with("target", json!({ "communes": ["75056"] })),
            "target.communes[0]",
            "territory",
        ),
        (
            "empty target",
            with("target", json!({})),
            "target",
            "no screen",
        ),
        ("bad id", with("id", json!("a b")), "id", "contains"),
    ];
    for (what, body, field, needle) in cases {
        let r = f.admin.post("/api/v1/alerts", &body).await;
        assert_eq!(r.0, 422, "{what}: {}", r.1);
        let error = r.1["error"].as_str().unwrap();
        assert!(
            error.starts_with(&format!("{field}: ")) && error.contains(needle),
            "{what}: {error}"
        );
    }
    // Several problems at once are all listed.
    let r = f
        .admin
        .post(
            "/api/v1/alerts",
            &json!({ "severity": "critical", "target": { "screens": [FR] } }),
        )
        .await;
    assert_eq!(r.0, 422, "{}", r.1);
    let problems: Vec<&str> = r.1["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    for field in ["title: ", "message: ", "expires_at: "] {
        assert!(
            problems.iter().any(|p| p.starts_with(field)),
            "{field} missing from {problems:?}"
        );
    }
    // Unknown fields are typos, refused.
    let r = f
        .admin
        .post("/api/v1/alerts", &with("expire_at", json!(in_minutes(60))))
        .await;
    assert_eq!(r.0, 422, "{}", r.1);
    assert!(r.1["error"].as_str().unwrap().contains("expire_at"));

    // Nothing stored, no manifest changed.
    assert_eq!(
        f.admin.get("/api/v1/alerts?expired=true").await.1,
        json!([])
    );
    assert_eq!(device_manifest(&f.d1, Some(&etag)).await.0, 304);
    let pool = db(&f.server).await;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn every_change_is_in_the_audit_log() {
    let f = fixture().await;
    let r = f
        .fruges
        .post(
            "/api/v1/alerts",
            &alert_body("orage", json!({ "screens": [FR] })),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let publication = r.1["publication"].as_i64().unwrap();
    let mut edit = alert_body("orage", json!({ "screens": [FR] }));
    edit.as_object_mut().unwrap().remove("id");
    edit["severity"] = json!("warning");
    let r = f.admin.put("/api/v1/alerts/orage", &edit).await;
    assert_eq!(r.0, 200, "{}", r.1);
    let r = f
        .fruges
        .post("/api/v1/alerts/orage/cancel", &json!({}))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);

    let pool = db(&f.server).await;
    let rows: Vec<(String, i64, String, String, String)> = sqlx::query_as(
        "SELECT l.alert_id, l.revision, l.action, u.username, l.alert FROM alert_log l
         JOIN users u ON u.id = l.user_id ORDER BY l.id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let summary: Vec<(&str, i64, &str, &str)> = rows
        .iter()
        .map(|(id, rev, action, user, _)| (id.as_str(), *rev, action.as_str(), user.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("orage", 1, "raised", "fruges"),
            ("orage", 2, "edited", "admin"),
            ("orage", 3, "cancelled", "fruges"),
        ]
    );
    // Each line keeps the alert as it was then.
    let second: Value = serde_json::from_str(&rows[1].4).unwrap();
    assert_eq!(second["alert"]["severity"], "warning");
    assert_eq!(second["target"], json!({ "screens": [FR] }));
    // The manifest refreshes are numbered among publications, naming the alert.
    let refreshes: Vec<(i64, Option<String>, i64)> =
        sqlx::query_as("SELECT id, alert, objects FROM publications WHERE id >= ?1 ORDER BY id")
            .bind(publication)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(refreshes.len(), 3, "{refreshes:?}");
    assert!(
        refreshes
            .iter()
            .all(|(_, a, objects)| a.as_deref() == Some("orage") && *objects == 0)
    );
    // The API shows the history with the alert.
    let r = f.fruges.get("/api/v1/alerts/orage").await;
    assert_eq!(r.0, 200, "{}", r.1);
    let log: Vec<(i64, &str, &str)> = r.1["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["revision"].as_i64().unwrap(),
                e["action"].as_str().unwrap(),
                e["by"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        log,
        [
            (1, "raised", "fruges"),
            (2, "edited", "admin"),
            (3, "cancelled", "fruges")
        ]
    );
    assert_eq!(r.1["created_by"], "fruges");
    assert_eq!(r.1["updated_by"], "fruges");

    // Raised without an id: one is made, and logged like any other.
    let mut anonymous = alert_body("", json!({ "screens": [FR] }));
    anonymous.as_object_mut().unwrap().remove("id");
    let r = f.admin.post("/api/v1/alerts", &anonymous).await;
    assert_eq!(r.0, 201, "{}", r.1);
    let id = r.1["id"].as_str().unwrap();
    assert!(id.starts_with("alert-"), "{id}");
    let r = f.admin.get(&format!("/api/v1/alerts/{id}")).await;
    assert_eq!(r.1["log"][0]["action"], "raised", "{}", r.1);
}

#[tokio::test]
async fn a_player_reconnecting_soon_after_gets_the_alert_it_missed() {
    let f = fixture().await;
    let before = f.publication.to_string();
    // Up to date: nothing on connect.
    let mut e = Events::open(&f.d1, Some(&before)).await;
    assert!(e.next(QUIET).await.is_none());
    drop(e);

    // Raised while the player is away.
    let r = f
        .admin
        .post(
            "/api/v1/alerts",
            &alert_body("panne", json!({ "screens": [FR] })),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let publication = r.1["publication"].to_string();

    // Back with the last id it had: the alert, then the manifest that carries it.
    let mut e = Events::open(&f.d1, Some(&before)).await;
    let got = e.drain().await;
    let names: Vec<&str> = got.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(names, ["alert", "manifest"], "{got:?}");
    assert_eq!(got[0].data["id"], "panne");
    assert_eq!(got[1].id, publication);
    drop(e);
    // Back having seen the alert only: the manifest.
    let mut e = Events::open(&f.d1, Some(&got[0].id)).await;
    let names: Vec<String> = e.drain().await.into_iter().map(|e| e.event).collect();
    assert_eq!(names, ["manifest"]);
    drop(e);
    // Back having seen both: nothing.
    let mut e = Events::open(&f.d1, Some(&got[1].id)).await;
    assert!(e.next(QUIET).await.is_none());
    drop(e);
    // A fresh player: the manifest (which carries the alert), no replay.
    let mut e = Events::open(&f.d1, None).await;
    let names: Vec<String> = e.drain().await.into_iter().map(|e| e.event).collect();
    assert_eq!(names, ["manifest"]);
    let (_, _, m) = device_manifest(&f.d1, None).await;
    assert_eq!(alerts_of(&m)[0].id, "panne");
    // The other screen's player, back with its last id: nothing.
    let mut e = Events::open(&f.d2, Some(&before)).await;
    assert!(e.next(QUIET).await.is_none());
}
