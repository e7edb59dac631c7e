//! The player endpoints through the real server: a device reaches only its own screen;
//! manifests with ETags and gzip; assets with ranges; heartbeats, thumbnails and proof of
//! play as officers read them; the event stream (pushes, Last-Event-ID, remote actions).

mod common;

use std::pin::Pin;
use std::time::Duration;

use beffroi_server::users::Role;
use common::{Api, FRUGES, HUCQUELIERS, TestServer, pair, screen_with_playlist, text_playlist};
use futures_util::{Stream, StreamExt as _};
use reqwest::Method;
use serde_json::{Value, json};

const FR: &str = "mairie-fruges";
const HU: &str = "mairie-hucq";

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

async fn fixture_with(f: impl FnOnce(&mut beffroi_server::Settings)) -> Fixture {
    let server = TestServer::start_with(f).await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    let fruges = server.user("fruges", Role::Editor, &[FRUGES]).await;
    let hucq = server.user("hucq", Role::Editor, &[HUCQUELIERS]).await;
    for (id, commune) in [(FR, FRUGES), (HU, HUCQUELIERS)] {
        screen_with_playlist(&admin, id, commune, &format!("Mairie {commune}"), &[]).await;
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

async fn fixture() -> Fixture {
    fixture_with(|_| {}).await
}

/// Changes the Fruges playlist and publishes: the outcome.
async fn republish_fruges(admin: &Api, title: &str) -> Value {
    let r = admin
        .put(
            &format!("/api/v1/playlists/pl-{FR}"),
            &json!({ "body": text_playlist(title) }),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let r = admin.post("/api/v1/publish", &json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
    r.1
}

/// A blob listed for `screen` only, as if a manifest of it referenced it.
async fn listed_blob(server: &TestServer, screen: &str, bytes: &[u8], mime: &str) -> String {
    let blobs = beffroi_server::blobs::Blobs::open(&server.data_dir.join("blobs")).unwrap();
    let sha = blobs.put(bytes.to_vec()).await.unwrap();
    let db = beffroi_server::db::open(&server.data_dir).await.unwrap();
    beffroi_server::publish::record_blob(&db, &sha, bytes.len() as u64, mime)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO manifest_blobs (screen_id, version, sha256)
         SELECT screen_id, version, ?2 FROM manifests WHERE screen_id = ?1",
    )
    .bind(screen)
    .bind(sha.as_str())
    .execute(&db)
    .await
    .unwrap();
    db.close().await;
    sha.as_str().to_owned()
}

async fn sql(server: &TestServer, statement: &'static str) {
    let db = beffroi_server::db::open(&server.data_dir).await.unwrap();
    sqlx::query(statement).execute(&db).await.unwrap();
    db.close().await;
}

async fn metrics(server: &TestServer) -> String {
    let r = reqwest::get(server.at("/metrics")).await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

fn metric(text: &str, name: &str) -> i64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
        .parse()
        .unwrap()
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
    /// Keep-alive comments seen.
    comments: usize,
}

impl Events {
    async fn open(device: &Api, last_event_id: Option<&str>) -> Events {
        let mut rb = device.request(Method::GET, "/api/v1/player/events");
        if let Some(id) = last_event_id {
            rb = rb.header("Last-Event-ID", id);
        }
        let r = rb.send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        Events {
            body: Box::pin(r.bytes_stream()),
            buf: Vec::new(),
            comments: 0,
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
                        self.comments += 1;
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

    /// The next event named `name` within `wait`, others skipped.
    async fn next_named(&mut self, name: &str, wait: Duration) -> Option<Ev> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let e = self.next(left).await?;
            if e.event == name {
                return Some(e);
            }
        }
    }
}

const LONG: Duration = Duration::from_secs(20);
const QUIET: Duration = Duration::from_millis(1500);

#[tokio::test]
async fn a_device_reaches_only_its_own_screen() {
    let f = fixture().await;
    let mine = listed_blob(&f.server, FR, b"affiche de Fruges", "image/png").await;
    let theirs = listed_blob(&f.server, HU, b"affiche de Hucqueliers", "image/png").await;

    let r = f.d1.get("/api/v1/player/manifest").await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["screen"]["id"], FR, "its own screen's manifest");
    let r = f.d2.get("/api/v1/player/manifest").await;
    assert_eq!(r.1["screen"]["id"], HU);

    let r = f.d1.get(&format!("/api/v1/assets/{mine}")).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1, "affiche de Fruges");
    let r = f.d1.get(&format!("/api/v1/assets/{theirs}")).await;
    assert!(r.0 == 403 || r.0 == 404, "{} {}", r.0, r.1);
    assert!(r.1["error"].as_str().unwrap().contains(FR), "{}", r.1);
    let r = f.d2.get(&format!("/api/v1/assets/{theirs}")).await;
    assert_eq!(r.0, 200, "{}", r.1);
    // An officer reads the blobs of the screens they see, not the others'.
    let r = f.hucq.get(&format!("/api/v1/assets/{theirs}")).await;
    assert_eq!(r.0, 200, "{}", r.1);
    let r = f.fruges.get(&format!("/api/v1/assets/{theirs}")).await;
    assert_eq!(r.0, 403, "{}", r.1);
    let absent = "0".repeat(64);
    let r = f.admin.get(&format!("/api/v1/assets/{absent}")).await;
    assert_eq!(r.0, 404, "{}", r.1);
    let r = f.admin.get("/api/v1/assets/not-a-hash").await;
    assert_eq!(r.0, 400, "{}", r.1);

    // Officers' endpoints refuse device tokens, and player endpoints refuse people.
    for path in [
        "/api/v1/screens",
        "/api/v1/status",
        "/api/v1/screens/mairie-hucq/status",
        "/api/v1/screens/mairie-fruges/status",
        "/api/v1/plays",
        "/api/v1/auth/me",
    ] {
        let r = f.d1.get(path).await;
        assert_eq!(r.0, 403, "{path}: {}", r.1);
    }
    let r =
        f.d1.post(
            "/api/v1/screens/mairie-fruges/actions",
            &json!({ "action": "reload" }),
        )
        .await;
    assert_eq!(r.0, 403, "{}", r.1);
    let r = f.admin.get("/api/v1/player/manifest").await;
    assert_eq!(r.0, 403, "{}", r.1);
    let r = f.server.anonymous().get("/api/v1/player/manifest").await;
    assert_eq!(r.0, 401, "{}", r.1);
}

/// Stores `bytes` as a blob the server knows, listed nowhere.
async fn stored_blob(server: &TestServer, bytes: &[u8], mime: &str) -> String {
    let blobs = beffroi_server::blobs::Blobs::open(&server.data_dir.join("blobs")).unwrap();
    let sha = blobs.put(bytes.to_vec()).await.unwrap();
    let db = beffroi_server::db::open(&server.data_dir).await.unwrap();
    beffroi_server::publish::record_blob(&db, &sha, bytes.len() as u64, mime)
        .await
        .unwrap();
    db.close().await;
    sha.as_str().to_owned()
}

#[tokio::test]
async fn officers_read_only_the_blobs_of_the_media_and_screens_they_see() {
    let f = fixture().await;
    let asset = |sha: &str| format!("/api/v1/assets/{sha}");
    // A media of Hucqueliers, with a rendition made from it.
    let picture = std::fs::read(common::samples().join("media/png/basn6a08.png")).unwrap();
    let r = f
        .hucq
        .post_bytes("/api/v1/media?name=h.png", "image/png", picture)
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let original = r.1["sha256"].as_str().unwrap().to_owned();
    let thumbnail = r.1["thumbnail"].as_str().unwrap().to_owned();
    let rendition = stored_blob(&f.server, b"rendu de Hucqueliers", "image/jpeg").await;
    let db = beffroi_server::db::open(&f.server.data_dir).await.unwrap();
    sqlx::query(
        "INSERT INTO renditions (source, max_width, max_height, sha256, mime, size, width, height)
         VALUES (?1, 16, 16, ?2, 'image/jpeg', 20, 16, 16)",
    )
    .bind(&original)
    .bind(&rendition)
    .execute(&db)
    .await
    .unwrap();
    db.close().await;
    // The thumbnail of the Hucqueliers screen.
    let frame = png(32, 18);
    let r =
        f.d2.request(Method::PUT, "/api/v1/player/thumbnail")
            .header("Content-Type", "image/png")
            .body(frame.clone())
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 204);
    let frame = beffroi_protocol::ids::Sha256::of(&frame).to_string();
    // A blob nothing holds.
    let loose = stored_blob(&f.server, b"orphelin", "text/plain").await;

    for sha in [&original, &thumbnail, &rendition, &frame] {
        let r = f.fruges.get(&asset(sha)).await;
        assert_eq!(r.0, 403, "{sha}: {}", r.1);
        assert!(r.1["error"].as_str().unwrap().contains("fruges"), "{}", r.1);
        let r = f.hucq.get(&asset(sha)).await;
        assert_eq!(r.0, 200, "{sha}: {}", r.1);
        let r = f.admin.get(&asset(sha)).await;
        assert_eq!(r.0, 200, "{sha}: {}", r.1);
    }
    assert_eq!(f.hucq.get(&asset(&loose)).await.0, 403);
    assert_eq!(f.admin.get(&asset(&loose)).await.0, 200);
    let absent = "0".repeat(64);
    assert_eq!(f.fruges.get(&asset(&absent)).await.0, 404);

    // A shared media is everyone's.
    let shared = std::fs::read(common::samples().join("media/png/basn3p08.png")).unwrap();
    let r = f
        .admin
        .post_bytes("/api/v1/media?name=s.png&owner=shared", "image/png", shared)
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    for field in ["sha256", "thumbnail"] {
        let sha = r.1[field].as_str().unwrap();
        assert_eq!(f.fruges.get(&asset(sha)).await.0, 200, "{field}");
    }
}

#[tokio::test]
async fn manifests_answer_304_to_their_etag_and_gzip_when_asked() {
    let f = fixture_with(|s| s.metrics_public = true).await;
    let get = |headers: &[(&'static str, &'static str)]| {
        let mut rb = f.d1.request(Method::GET, "/api/v1/player/manifest");
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        rb.send()
    };
    let r = get(&[]).await.unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["cache-control"], "no-cache");
    assert!(h.get("content-encoding").is_none());
    let body: Value = r.json().await.unwrap();
    let version = body["version"].as_str().unwrap().to_owned();
    let etag = h["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{version}\""));

    let leaked: &'static str = Box::leak(etag.clone().into_boxed_str());
    let list: &'static str = Box::leak(format!("W/\"other\", {etag}").into_boxed_str());
    for inm in [leaked, list, "*"] {
        let r = get(&[("If-None-Match", inm)]).await.unwrap();
        assert_eq!(r.status(), 304, "If-None-Match: {inm}");
        assert_eq!(r.headers()["etag"], etag.as_str());
        assert!(r.bytes().await.unwrap().is_empty());
    }
    let r = get(&[("If-None-Match", "\"stale\"")]).await.unwrap();
    assert_eq!(r.status(), 200);

    let r = get(&[("Accept-Encoding", "gzip")]).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let zipped = r.bytes().await.unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&zipped[..]), &mut text)
        .unwrap();
    let unzipped: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(unzipped, body);
    let r = get(&[("Accept-Encoding", "gzip;q=0, identity")])
        .await
        .unwrap();
    assert!(r.headers().get("content-encoding").is_none());

    // A publish changes the ETag; the old one then gets the new manifest.
    let out = republish_fruges(&f.admin, "Bonsoir").await;
    let r = get(&[("If-None-Match", leaked)]).await.unwrap();
    assert_eq!(r.status(), 200);
    let new_etag = format!("\"{}\"", out["screens"][FR].as_str().unwrap());
    assert_eq!(r.headers()["etag"], new_etag.as_str());

    let m = metrics(&f.server).await;
    assert_eq!(metric(&m, "beffroi_manifests_served_total"), 8, "{m}");
    assert_eq!(metric(&m, "beffroi_manifests_not_modified_total"), 3, "{m}");
    assert_eq!(metric(&m, "beffroi_screens"), 2, "{m}");
    assert_eq!(metric(&m, "beffroi_publishes_total"), 2, "{m}");
}

#[tokio::test]
async fn a_publish_keeps_the_cached_manifests_of_the_screens_it_does_not_change() {
    let f = fixture().await;
    let r = f.d2.get("/api/v1/player/manifest").await;
    assert_eq!(r.0, 200, "{}", r.1);
    let hucq = r.1;
    // Behind the server's back: a manifest read again from the database would show this.
    sql(
        &f.server,
        "UPDATE manifests SET body = CAST('{}' AS BLOB) WHERE screen_id = 'mairie-hucq'",
    )
    .await;
    let out = republish_fruges(&f.admin, "Bonsoir").await;
    assert_eq!(
        out["screens"].as_object().unwrap().len(),
        1,
        "only Fruges changed: {out}"
    );
    let r = f.d1.get("/api/v1/player/manifest").await;
    assert_eq!(r.1["version"], out["screens"][FR], "{}", r.1);
    let r = f.d2.get("/api/v1/player/manifest").await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1, hucq, "served from the cache");
}

#[tokio::test]
async fn a_screen_deleted_by_a_publish_serves_no_manifest() {
    let f = fixture().await;
    let r = f.d2.get("/api/v1/player/manifest").await;
    assert_eq!(r.0, 200, "{}", r.1);
    let r = f.admin.delete(&format!("/api/v1/screens/{HU}")).await;
    assert!(r.0 == 200 || r.0 == 204, "{} {}", r.0, r.1);
    let r = f.admin.post("/api/v1/publish", &json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
    let r = f.d2.get("/api/v1/player/manifest").await;
    assert_eq!(r.0, 404, "{}", r.1);
    assert!(
        r.1["error"].as_str().unwrap().contains("nothing published"),
        "{}",
        r.1
    );
    let r = f.d1.get("/api/v1/player/manifest").await;
    assert_eq!(r.0, 200, "{}", r.1);
}

#[tokio::test]
async fn assets_are_immutable_and_served_by_range() {
    let f = fixture().await;
    let bytes: Vec<u8> = (0u8..100).collect();
    let sha = listed_blob(&f.server, FR, &bytes, "application/octet-stream").await;
    let path = format!("/api/v1/assets/{sha}");
    let get = |range: Option<&str>| {
        let mut rb = f.d1.request(Method::GET, &path);
        if let Some(r) = range {
            rb = rb.header("Range", r.to_owned());
        }
        rb.send()
    };
    let r = get(None).await.unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(h["accept-ranges"], "bytes");
    assert_eq!(h["etag"].to_str().unwrap(), format!("\"{sha}\""));
    assert_eq!(h["content-type"], "application/octet-stream");
    assert_eq!(r.bytes().await.unwrap().to_vec(), bytes);

    for (range, expected, content_range) in [
        ("bytes=10-19", 10..20, "bytes 10-19/100"),
        ("bytes=95-", 95..100, "bytes 95-99/100"),
        ("bytes=-5", 95..100, "bytes 95-99/100"),
        ("bytes=90-500", 90..100, "bytes 90-99/100"),
    ] {
        let r = get(Some(range)).await.unwrap();
        assert_eq!(r.status(), 206, "{range}");
        assert_eq!(r.headers()["content-range"], content_range, "{range}");
        assert_eq!(
            r.bytes().await.unwrap().to_vec(),
            bytes[expected].to_vec(),
            "{range}"
        );
    }
    let r = get(Some("bytes=100-")).await.unwrap();
    assert_eq!(r.status(), 416);
    assert_eq!(r.headers()["content-range"], "bytes */100");

    let r =
        f.d1.request(Method::GET, &path)
            .header("If-None-Match", format!("\"{sha}\""))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 304);
}

#[tokio::test]
async fn heartbeats_make_a_screen_online_until_they_are_old() {
    let f = fixture_with(|s| s.metrics_public = true).await;
    let r = f.fruges.get(&format!("/api/v1/screens/{FR}/status")).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["online"], false);
    assert!(r.1["last_beat_at"].is_null());
    assert_eq!(r.1["devices"], 1);

    let version = f.d1.get("/api/v1/player/manifest").await.1["version"].clone();
    let beat = json!({
        "player_version": "0.3.1",
        "manifest_version": version,
        "zones": { "main": { "playlist": "pl-mairie-fruges", "item": "a" } },
        "uptime_s": 3600,
        "clock": "synchronised",
        "cache_bytes": 123456,
        "frame_ms": 4.2,
        "errors": [],
        "temperature_c": 51
    });
    let r = f.d1.post("/api/v1/player/status", &beat).await;
    assert_eq!(r.0, 204, "{}", r.1);
    let r = f.fruges.get(&format!("/api/v1/screens/{FR}/status")).await;
    assert_eq!(r.0, 200, "{}", r.1);
    let s = &r.1;
    assert_eq!(s["screen_id"], FR);
    assert_eq!(s["name"], format!("Mairie {FRUGES}"));
    assert_eq!(s["online"], true, "{s}");
    assert_eq!(s["player_version"], "0.3.1");
    assert_eq!(s["manifest_version"], version);
    assert_eq!(s["published_version"], version);
    assert_eq!(s["report"]["temperature_c"], 51, "unknown fields kept: {s}");
    assert_eq!(s["report"]["zones"]["main"]["item"], "a");
    assert_eq!(
        metric(&metrics(&f.server).await, "beffroi_screens_online"),
        1
    );

    // Every screen the user sees: Hucqueliers' editor does not see Fruges.
    let r = f.hucq.get("/api/v1/status").await;
    assert_eq!(r.0, 200, "{}", r.1);
    let ids: Vec<&str> =
        r.1.as_array()
            .unwrap()
            .iter()
            .map(|s| s["screen_id"].as_str().unwrap())
            .collect();
    assert_eq!(ids, [HU]);
    let r = f.admin.get("/api/v1/status").await;
    assert_eq!(r.1.as_array().unwrap().len(), 2);
    let r = f.hucq.get(&format!("/api/v1/screens/{FR}/status")).await;
    assert_eq!(r.0, 403, "{}", r.1);

    sql(
        &f.server,
        "UPDATE screen_status SET last_beat_at = '2000-01-01T00:00:00Z'",
    )
    .await;
    let r = f.fruges.get(&format!("/api/v1/screens/{FR}/status")).await;
    assert_eq!(r.1["online"], false, "{}", r.1);
    assert_eq!(
        metric(&metrics(&f.server).await, "beffroi_screens_online"),
        0
    );

    // A heartbeat without its version, or of the wrong shape, is refused with the reason.
    let r =
        f.d1.post("/api/v1/player/status", &json!({ "uptime_s": 3 }))
            .await;
    assert_eq!(r.0, 422, "{}", r.1);
    assert!(
        r.1["error"].as_str().unwrap().contains("player_version"),
        "{}",
        r.1
    );
    let r =
        f.d1.post(
            "/api/v1/player/status",
            &json!({ "player_version": "1", "clock": 3 }),
        )
        .await;
    assert_eq!(r.0, 422, "{}", r.1);
}

#[tokio::test]
async fn plays_are_counted_once_per_local_day() {
    let f = fixture().await;
    let batch = json!({ "plays": [
        // 23:30 UTC on 1 March is 00:30 on 2 March in Paris.
        { "zone": "main", "playlist": "pl-mairie-fruges", "item": "a", "started_at": "2026-03-01T23:30:00Z", "duration_ms": 5000 },
        { "zone": "main", "playlist": "pl-mairie-fruges", "item": "a", "started_at": "2026-03-02T00:30:05+01:00", "duration_ms": 5000 },
        { "zone": "main", "playlist": "pl-mairie-fruges", "item": "b", "started_at": "2026-03-02T10:00:00Z", "duration_ms": 8000 },
    ]});
    let r = f.d1.post("/api/v1/player/plays", &batch).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1, json!({ "received": 3, "stored": 3 }));
    let r = f.d1.post("/api/v1/player/plays", &batch).await;
    assert_eq!(
        r.1,
        json!({ "received": 3, "stored": 0 }),
        "a batch sent twice counts once"
    );

    let r = f.fruges.get(&format!("/api/v1/plays?screen={FR}")).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(
        r.1,
        json!([
            { "day": "2026-03-02", "screen_id": FR, "playlist": "pl-mairie-fruges", "item": "a", "plays": 2, "duration_ms": 10000 },
            { "day": "2026-03-02", "screen_id": FR, "playlist": "pl-mairie-fruges", "item": "b", "plays": 1, "duration_ms": 8000 },
        ])
    );
    let r = f.fruges.get("/api/v1/plays?from=2026-03-03").await;
    assert_eq!(r.1, json!([]));
    let r = f.hucq.get("/api/v1/plays").await;
    assert_eq!(r.1, json!([]), "another commune's plays are not shown");
    let r = f.hucq.get(&format!("/api/v1/plays?screen={FR}")).await;
    assert_eq!(r.0, 403, "{}", r.1);
    let r = f
        .admin
        .get("/api/v1/plays?from=2026-03-01&to=2026-03-02")
        .await;
    assert_eq!(r.1.as_array().unwrap().len(), 2);
    let r = f.admin.get("/api/v1/plays?from=mars").await;
    assert_eq!(r.0, 400, "{}", r.1);

    let r = f
        .d1
        .post(
            "/api/v1/player/plays",
            &json!({ "plays": [{ "zone": "main", "playlist": "p", "item": "a", "started_at": "yesterday", "duration_ms": 1 }] }),
        )
        .await;
    assert_eq!(r.0, 422, "{}", r.1);
    assert!(
        r.1["error"]
            .as_str()
            .unwrap()
            .contains("plays[0].started_at"),
        "{}",
        r.1
    );
    let many: Vec<Value> = (0..10_001)
        .map(|i| json!({ "zone": "z", "playlist": "p", "item": "i", "started_at": format!("2026-01-01T00:00:{:02}Z", i % 60), "duration_ms": 1 }))
        .collect();
    let r =
        f.d1.post("/api/v1/player/plays", &json!({ "plays": many }))
            .await;
    assert_eq!(r.0, 413, "{}", r.1);
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 128]));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

#[tokio::test]
async fn thumbnails_round_trip_and_bad_ones_are_refused() {
    let f = fixture().await;
    let r = f
        .fruges
        .get(&format!("/api/v1/screens/{FR}/thumbnail"))
        .await;
    assert_eq!(r.0, 404, "{}", r.1);
    let put = |ct: &str, bytes: Vec<u8>| {
        f.d1.request(Method::PUT, "/api/v1/player/thumbnail")
            .header("Content-Type", ct.to_owned())
            .body(bytes)
            .send()
    };
    let picture = png(64, 36);
    let r = put("image/png", picture.clone()).await.unwrap();
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap());

    let r = f
        .fruges
        .request(Method::GET, &format!("/api/v1/screens/{FR}/thumbnail"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    let etag = r.headers()["etag"].clone();
    assert_eq!(r.bytes().await.unwrap().to_vec(), picture);
    let r = f
        .fruges
        .request(Method::GET, &format!("/api/v1/screens/{FR}/thumbnail"))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    let s = f
        .fruges
        .get(&format!("/api/v1/screens/{FR}/status"))
        .await
        .1;
    assert_eq!(s["thumbnail"], format!("/api/v1/screens/{FR}/thumbnail"));
    assert!(s["thumbnail_at"].is_string());
    let r = f.hucq.get(&format!("/api/v1/screens/{FR}/thumbnail")).await;
    assert_eq!(r.0, 403, "{}", r.1);

    let r = put("image/jpeg", b"not a picture at all".to_vec())
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = put("image/jpeg", picture.clone()).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("image/png"));
    let r = put("text/plain", picture.clone()).await.unwrap();
    assert_eq!(r.status(), 415);
    let mut cut = picture.clone();
    cut.truncate(cut.len() / 2);
    let r = put("image/png", cut).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("thumbnail refused"));
    let r = put("image/png", vec![0u8; 3 << 20]).await.unwrap();
    assert_eq!(r.status(), 413);
}

#[tokio::test]
async fn a_publish_pushes_the_new_manifest_to_its_screen_only() {
    let f = fixture().await;
    let mut e1 = Events::open(&f.d1, None).await;
    let mut e2 = Events::open(&f.d2, None).await;
    // On connect: the current manifest, id = its publication.
    let first = e1.next(LONG).await.expect("no manifest event on connect");
    assert_eq!(first.event, "manifest");
    assert_eq!(first.id, f.publication.to_string());
    let current = f.d1.get("/api/v1/player/manifest").await.1["version"].clone();
    assert_eq!(first.data["version"], current);
    assert_eq!(e2.next(LONG).await.unwrap().event, "manifest");

    let out = republish_fruges(&f.admin, "Bonsoir").await;
    let pushed = e1
        .next(LONG)
        .await
        .expect("no manifest event after the publish");
    assert_eq!(pushed.event, "manifest");
    assert_eq!(pushed.data["version"], out["screens"][FR]);
    assert_eq!(pushed.id, out["publication"].to_string());
    assert_ne!(pushed.data["version"], current);
    // Hucqueliers did not change: its stream stays quiet.
    assert!(
        e2.next(QUIET).await.is_none(),
        "the other screen got an event"
    );
}

#[tokio::test]
async fn a_reconnect_with_last_event_id_gets_what_it_missed() {
    let f = fixture().await;
    let publication = f.publication.to_string();
    // Up to date: nothing on connect.
    let mut e = Events::open(&f.d1, Some(&publication)).await;
    assert!(e.next(QUIET).await.is_none());
    drop(e);
    // Behind: the manifest at once.
    let mut e = Events::open(&f.d1, Some("0")).await;
    let m = e.next(LONG).await.unwrap();
    assert_eq!(
        (m.event.as_str(), m.id.as_str()),
        ("manifest", publication.as_str())
    );
    drop(e);

    // While the player is away: an action, then a publish.
    let r = f
        .fruges
        .post(
            &format!("/api/v1/screens/{FR}/actions"),
            &json!({ "action": "identify" }),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let out = republish_fruges(&f.admin, "Bonsoir").await;
    let mut e = Events::open(&f.d1, Some(&publication)).await;
    let mut got = Vec::new();
    while let Some(ev) = e.next(QUIET).await {
        got.push(ev);
    }
    let names: Vec<&str> = got.iter().map(|e| e.event.as_str()).collect();
    // In the order they happened: the action, then the publish.
    assert_eq!(names, ["identify", "manifest"], "{got:?}");
    assert_eq!(got[0].id, r.1["id"].to_string());
    assert_eq!(got[1].data["version"], out["screens"][FR]);
    assert_eq!(got[1].id, out["publication"].to_string());
    drop(e);

    // Reconnecting with the last id: nothing more.
    let mut e = Events::open(&f.d1, Some(&got[1].id)).await;
    assert!(e.next(QUIET).await.is_none());
    drop(e);
    // Reconnecting with the action's id: the publish that followed it.
    let mut e = Events::open(&f.d1, Some(&got[0].id)).await;
    let m = e.next(LONG).await.unwrap();
    assert_eq!(
        (m.event.as_str(), m.id.as_str()),
        ("manifest", got[1].id.as_str())
    );
    assert!(e.next(QUIET).await.is_none());
    drop(e);
    // A fresh player gets the manifest but no old action.
    let mut e = Events::open(&f.d1, None).await;
    let mut names = Vec::new();
    while let Some(ev) = e.next(QUIET).await {
        names.push(ev.event);
    }
    assert_eq!(names, ["manifest"]);
}

#[tokio::test]
async fn remote_actions_reach_the_screen_and_only_its_editors_send_them() {
    let f = fixture_with(|s| {
        s.sse_keepalive_s = 1;
        s.metrics_public = true;
    })
    .await;
    let viewer = f.server.user("viewer", Role::Viewer, &[FRUGES]).await;
    let mut e1 = Events::open(&f.d1, None).await;
    let mut e2 = Events::open(&f.d2, None).await;
    assert_eq!(e1.next(LONG).await.unwrap().event, "manifest");
    assert_eq!(e2.next(LONG).await.unwrap().event, "manifest");
    assert_eq!(metric(&metrics(&f.server).await, "beffroi_sse_clients"), 2);

    let path = format!("/api/v1/screens/{FR}/actions");
    let r = f.fruges.post(&path, &json!({ "action": "identify" })).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["delivered"], 1);
    let ev = e1
        .next_named("identify", LONG)
        .await
        .expect("identify not delivered");
    assert_eq!(ev.id, r.1["id"].to_string());
    assert_eq!(ev.data["name"], format!("Mairie {FRUGES}"));
    assert_eq!(ev.data["seconds"], 30);
    assert!(
        e2.next(QUIET).await.is_none(),
        "another screen got the action"
    );

    let r = viewer.post(&path, &json!({ "action": "identify" })).await;
    assert_eq!(r.0, 403, "{}", r.1);
    let r = f.hucq.post(&path, &json!({ "action": "reload" })).await;
    assert_eq!(r.0, 403, "{}", r.1);
    let r = f.fruges.post(&path, &json!({ "action": "explode" })).await;
    assert_eq!(r.0, 422, "{}", r.1);
    assert!(
        r.1["error"].as_str().unwrap().contains("identify"),
        "{}",
        r.1
    );
    let r = f.admin.post(&path, &json!({ "action": "reload" })).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(e1.next_named("reload", LONG).await.unwrap().event, "reload");

    // Keep-alives flow while nothing happens.
    let seen = e1.comments;
    assert!(e1.next(Duration::from_millis(2500)).await.is_none());
    assert!(
        e1.comments > seen,
        "no keep-alive within 2.5 s at 1 s intervals"
    );

    // Revoking the screen's players ends their streams; closed streams leave the gauge.
    let r = f
        .fruges
        .delete(&format!("/api/v1/screens/{FR}/devices"))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let ended = tokio::time::timeout(LONG, async { while e1.body.next().await.is_some() {} }).await;
    assert!(ended.is_ok(), "the revoked player's stream did not end");
    drop(e2);
    let deadline = tokio::time::Instant::now() + LONG;
    loop {
        if metric(&metrics(&f.server).await, "beffroi_sse_clients") == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "streams still counted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn stopping_the_server_ends_open_event_streams() {
    let mut fx = fixture().await;
    let mut events = Events::open(&fx.d1, None).await;
    assert!(events.next(Duration::from_secs(30)).await.is_some());
    // Graceful shutdown waits for responses in flight; an event stream must not hold it.
    tokio::time::timeout(Duration::from_secs(60), fx.server.shutdown())
        .await
        .expect("the server did not stop while a player listened");
}
