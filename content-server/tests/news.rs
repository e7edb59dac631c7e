//! News through the real server: announcements reach the news data set (and the manifests
//! of the screens showing news, not the others); an editor's announcement waits for an
//! approver; bad bodies are refused naming the field; every feed sample imports (or, for
//! the broken one, fails clearly while earlier items stay); re-imports update and never
//! duplicate; a feed fetched from a URL on the schedule uses its ETag; a withdrawn feed item
//! stays withdrawn.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use beffroi_protocol::data::news::NewsData;
use beffroi_server::users::Role;
use common::{Api, FRUGES, HUCQUELIERS, TestServer, device_manifest, doc_host, pair};
use serde_json::{Value, json};

const FR: &str = "mairie-fruges";
const HU: &str = "mairie-hucq";
const PLAIN: &str = "salle-fetes";

/// Three published screens: Fruges and Hucqueliers show news (cards and ticker), the
/// village hall of Fruges shows only a text; a player paired with each.
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
    let news = json!({ "name": "Actualités", "items": [
        { "id": "cartes", "duration_ms": 10000, "kind": "news", "max": 3 },
        { "id": "bandeau", "duration_ms": 30000, "kind": "ticker", "source": "news" },
    ]});
    let plain = json!({ "name": "Accueil", "items": [
        { "id": "a", "duration_ms": 5000, "kind": "text", "title": { "fr": "Bonjour" } },
    ]});
    common::publish_screens(
        &admin,
        &[("pl-news", news), ("pl-plain", plain)],
        &[
            (FR, FRUGES, "pl-news"),
            (HU, HUCQUELIERS, "pl-news"),
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

/// The news data set a device's manifest refers to (`None`: the screen shows no news).
async fn news_of(device: &Api) -> Option<NewsData> {
    common::data_set(device, "news").await
}

fn ids(news: &NewsData) -> Vec<&str> {
    news.items.iter().map(|n| n.id.as_str()).collect()
}

fn announcement(id: &str, owner: Option<&str>) -> Value {
    let mut a = json!({
        "id": id,
        "title": { "fr": "Travaux rue de la Lys", "en": "Roadworks on rue de la Lys" },
        "text": { "fr": "Circulation alternée du 7 au 18 décembre." },
    });
    if let Some(o) = owner {
        a["owner"] = json!(o);
    }
    a
}

#[tokio::test]
async fn an_announcement_reaches_the_screens_showing_news_and_only_them() {
    let f = fixture().await;
    let (_, plain_etag, _) = device_manifest(&f.plain, None).await;
    let (_, fr_etag, _) = device_manifest(&f.fr, None).await;
    assert!(news_of(&f.fr).await.unwrap().items.is_empty());
    assert!(
        news_of(&f.plain).await.is_none(),
        "a screen without news carries no news data set"
    );

    let r = f
        .admin
        .post("/api/v1/news", &announcement("travaux", Some(FRUGES)))
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    assert!(
        r.1["approved_at"].is_string(),
        "an administrator's announcement is live: {}",
        r.1
    );

    let (status, new_etag, _) = device_manifest(&f.fr, Some(&fr_etag)).await;
    assert_eq!(status, 200, "the news screen's manifest changed");
    assert_ne!(new_etag, fr_etag);
    let news = news_of(&f.fr).await.unwrap();
    assert_eq!(ids(&news), ["travaux"]);
    let item = &news.items[0];
    assert_eq!(
        item.communes,
        [FRUGES.parse().unwrap()],
        "meant for its owner commune"
    );
    assert_eq!(item.source.name, "Mairie de Fruges");
    assert_eq!(
        item.title.get(&beffroi_protocol::text::Lang::en()),
        Some("Roadworks on rue de la Lys")
    );
    assert!(item.valid_until.unwrap() > item.valid_from.unwrap());
    // The same data set goes to Hucqueliers' screen, whose player leaves Fruges' item out.
    let hu = news_of(&f.hu).await.unwrap();
    let now = jiff::Timestamp::now();
    assert_eq!(
        hu.current(Some(&HUCQUELIERS.parse().unwrap()), now).count(),
        0
    );
    assert_eq!(news.current(Some(&FRUGES.parse().unwrap()), now).count(), 1);
    // The screen without news is untouched.
    let (status, _, _) = device_manifest(&f.plain, Some(&plain_etag)).await;
    assert_eq!(status, 304);

    // Edited, then deleted: the data set follows.
    let mut edited = announcement("travaux", Some(FRUGES));
    edited["title"] = json!({ "fr": "Travaux prolongés rue de la Lys" });
    let r = f.admin.put("/api/v1/news/travaux", &edited).await;
    assert_eq!(r.0, 200, "{}", r.1);
    let news = news_of(&f.fr).await.unwrap();
    assert_eq!(
        news.items[0].title.get(&beffroi_protocol::text::Lang::fr()),
        Some("Travaux prolongés rue de la Lys")
    );
    assert_eq!(
        news.items[0]
            .title
            .0
            .get(&beffroi_protocol::text::Lang::en()),
        None,
        "the English title was dropped"
    );
    let r = f.admin.delete("/api/v1/news/travaux").await;
    assert_eq!(r.0, 204, "{}", r.1);
    assert!(news_of(&f.fr).await.unwrap().items.is_empty());
}

#[tokio::test]
async fn an_editors_announcement_waits_for_an_approver() {
    let f = fixture().await;
    let editor = f.server.user("fruges", Role::Editor, &[FRUGES]).await;
    let viewer = f.server.user("lecteur", Role::Viewer, &[]).await;
    let (_, etag, _) = device_manifest(&f.fr, None).await;

    let r = editor
        .post("/api/v1/news", &announcement("marche", Some(FRUGES)))
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    assert!(r.1.get("approved_at").is_none(), "waiting: {}", r.1);
    let (status, _, _) = device_manifest(&f.fr, Some(&etag)).await;
    assert_eq!(status, 304, "nothing reaches the screens before approval");

    // The editor cannot approve, write for another commune or for the whole territory.
    assert_eq!(
        editor
            .post("/api/v1/news/marche/approve", &json!({}))
            .await
            .0,
        403
    );
    assert_eq!(
        editor
            .post("/api/v1/news", &announcement("autre", Some(HUCQUELIERS)))
            .await
            .0,
        403
    );
    assert_eq!(
        editor
            .post("/api/v1/news", &announcement("tous", None))
            .await
            .0,
        403
    );
    let mut wider = announcement("plus-large", Some(FRUGES));
    wider["communes"] = json!([FRUGES, HUCQUELIERS]);
    let r = editor.post("/api/v1/news", &wider).await;
    assert_eq!(r.0, 422, "{}", r.1);
    assert!(
        r.1["problems"][0]
            .as_str()
            .unwrap()
            .starts_with("communes[1]"),
        "{}",
        r.1
    );
    assert_eq!(
        viewer
            .post("/api/v1/news", &announcement("v", None))
            .await
            .0,
        403
    );
    // Hucqueliers' editor does not even see it.
    let other = f.server.user("hucq", Role::Editor, &[HUCQUELIERS]).await;
    assert_eq!(other.get("/api/v1/news/marche").await.0, 404);

    let r = f
        .admin
        .post("/api/v1/news/marche/approve", &json!({}))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["approved_by"], "admin");
    assert_eq!(ids(&news_of(&f.fr).await.unwrap()), ["marche"]);

    // Withdrawn by the administrator: the editor may not put it back on the screens, and
    // an edit keeps it withdrawn.
    let r = f
        .admin
        .post("/api/v1/news/marche/hide", &json!({ "hidden": true }))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert!(news_of(&f.fr).await.unwrap().items.is_empty());
    let r = editor
        .post("/api/v1/news/marche/hide", &json!({ "hidden": false }))
        .await;
    assert_eq!(r.0, 403, "{}", r.1);
    let r = editor
        .put("/api/v1/news/marche", &announcement("marche", Some(FRUGES)))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["hidden"], true, "{}", r.1);
    assert!(news_of(&f.fr).await.unwrap().items.is_empty());
}

#[tokio::test]
async fn bad_announcements_are_refused_naming_the_field() {
    let f = fixture().await;
    let cases = [
        (json!({ "title": { "en": "No French" } }), "title"),
        (
            json!({ "title": { "fr": "x" }, "valid_from": "2026-12-10T00:00:00Z", "valid_until": "2026-12-01T00:00:00Z" }),
            "valid_until",
        ),
        (
            json!({ "title": { "fr": "x" }, "communes": ["75056"] }),
            "communes[0]",
        ),
        (
            json!({ "title": { "fr": "x" }, "link": "javascript:alert(1)" }),
            "link",
        ),
        (json!({ "title": { "fr": "x".repeat(200) } }), "title.fr"),
        (
            json!({ "title": { "fr": "x" }, "image": "0".repeat(64) }),
            "image",
        ),
    ];
    for (body, field) in cases {
        let r = f.admin.post("/api/v1/news", &body).await;
        assert_eq!(r.0, 422, "{body}: {}", r.1);
        let problems = r.1["problems"].as_array().unwrap();
        assert!(
            problems
                .iter()
                .any(|p| p.as_str().unwrap().starts_with(field)),
            "{body}: expected a problem at {field}: {}",
            r.1
        );
    }
    let r = f.admin.post("/api/v1/news", &json!({ "titre": "x" })).await;
    assert_eq!(r.0, 422);
    assert!(r.1["error"].as_str().unwrap().contains("titre"), "{}", r.1);
    assert!(
        news_of(&f.fr).await.unwrap().items.is_empty(),
        "nothing stored"
    );
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(common::samples().join("feeds").join(name)).unwrap()
}

async fn file_feed(admin: &Api, id: &str) {
    let r = admin
        .post(
            "/api/v1/news/feeds",
            &json!({ "id": id, "name": format!("Flux {id}"), "keep_days": 365, "max_items": 200 }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
}

async fn import_file(admin: &Api, id: &str, bytes: Vec<u8>) -> (u16, Value) {
    admin
        .post_bytes(
            &format!("/api/v1/news/feeds/{id}/import"),
            "application/xml",
            bytes,
        )
        .await
}

async fn items_of(admin: &Api, feed: &str) -> Vec<Value> {
    let r = admin.get("/api/v1/news").await;
    assert_eq!(r.0, 200);
    r.1.as_array()
        .unwrap()
        .iter()
        .filter(|i| i["feed"] == feed)
        .cloned()
        .collect()
}

#[tokio::test]
async fn every_feed_sample_imports_or_fails_clearly() {
    let f = fixture().await;
    let mut names: Vec<String> = std::fs::read_dir(common::samples().join("feeds"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    names.sort();
    assert!(names.len() >= 6, "{names:?}");
    for name in &names {
        let id = name.trim_end_matches(".xml").replace('.', "-");
        file_feed(&f.admin, &id).await;
        let (status, report) = import_file(&f.admin, &id, sample(name)).await;
        let stored = items_of(&f.admin, &id).await;
        if name.contains("invalid") {
            assert_eq!(status, 422, "{name}: {report}");
            assert!(
                report["error"]
                    .as_str()
                    .unwrap()
                    .contains("not a valid RSS or Atom feed"),
                "{name}: {report}"
            );
            assert!(stored.is_empty());
            let feed = f.admin.get(&format!("/api/v1/news/feeds/{id}")).await.1;
            assert!(feed["last_error"].is_string(), "{feed}");
            continue;
        }
        assert_eq!(status, 200, "{name}: {report}");
        let added = report["added"].as_u64().unwrap() as usize;
        assert!(added > 0, "{name}: {report}");
        assert_eq!(stored.len(), added, "{name}");
        for item in &stored {
            let title = item["title"].as_object().unwrap().values().next().unwrap();
            let title = title.as_str().unwrap();
            assert!(!title.is_empty() && !title.contains('<'), "{name}: {title}");
            if let Some(link) = item["link"].as_str() {
                assert!(
                    link.starts_with("http"),
                    "{name}: relative link left: {link}"
                );
            }
        }
    }
    // Latin-1 decoded right: the umlauts of this German feed read as written.
    let latin = items_of(&f.admin, "rss_1-0_iso8859").await;
    let text: String = latin.iter().map(ToString::to_string).collect();
    assert!(!text.contains('\u{FFFD}') && !text.contains("Ã"), "{text}");
    assert!(text.contains("Glasfaserförderung"), "{text}");
    // Relative links resolved against the feed's base.
    let rel = items_of(&f.admin, "rss_2-0_relurl_1").await;
    assert!(
        rel.iter()
            .all(|i| i["link"].as_str().is_none_or(|l| l.starts_with("http")))
    );
    // Validity: each item shows for the feed's keep_days (365) after its date; the samples
    // are dated 2003 to 2023, so all are stored and none is on the screens.
    let total = f
        .admin
        .get("/api/v1/news")
        .await
        .1
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        total, 6,
        "one entry per sample, two in the relative-links one"
    );
    assert!(news_of(&f.fr).await.unwrap().items.is_empty());
}

/// An RSS 2.0 feed of the intercommunality with `n` entries dated the last `n` hours.
fn fresh_rss(n: usize) -> Vec<u8> {
    fresh_rss_with_picture(n, None)
}

/// The same, the first entry with a picture at `picture`.
fn fresh_rss_with_picture(n: usize, picture: Option<&str>) -> Vec<u8> {
    let now = jiff::Timestamp::now();
    let mut items = String::new();
    for i in 0..n {
        let date = (now - jiff::SignedDuration::from_hours(i as i64 + 1))
            .to_zoned_datetime(jiff::tz::TimeZone::UTC);
        items.push_str(&format!(
            "<item><title>Conseil communautaire n&#176; {i} : l&apos;ordre du jour</title>\
             <link>/actualites/conseil-{i}.html</link><guid isPermaLink=\"false\">cc-{i}</guid>\
             <pubDate>{}</pubDate>{}\
             <description>&lt;p&gt;R&#233;union &lt;b&gt;publique&lt;/b&gt; &#224; la salle des f&#234;tes.&lt;/p&gt;</description></item>",
            jiff::fmt::rfc2822::to_string(&date).unwrap(),
            match picture {
                Some(url) if i == 0 => format!("<enclosure url=\"{url}\" type=\"image/png\" length=\"0\"/>"),
                _ => String::new(),
            }
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>\
         <title>CC du Haut Pays</title><link>https://www.cchpm.example/</link>\
         <description>Actualit&#233;s</description>{items}</channel></rss>"
    )
    .into_bytes()
}

#[tokio::test]
async fn a_broken_import_keeps_the_earlier_items_and_reimports_never_duplicate() {
    let f = fixture().await;
    file_feed(&f.admin, "ot").await;
    let good = fresh_rss(3);
    let (status, first) = import_file(&f.admin, "ot", good.clone()).await;
    assert_eq!(status, 200, "{first}");
    let n = first["added"].as_u64().unwrap();
    let before = news_of(&f.fr).await.unwrap();
    assert_eq!(before.items.len() as u64, n);

    // The same file again: nothing added, nothing changed, the screens untouched.
    let (_, etag, _) = device_manifest(&f.fr, None).await;
    let (status, again) = import_file(&f.admin, "ot", good.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(
        (again["added"].as_u64(), again["updated"].as_u64()),
        (Some(0), Some(0)),
        "{again}"
    );
    assert_eq!(again["unchanged"].as_u64(), Some(n));
    assert_eq!(device_manifest(&f.fr, Some(&etag)).await.0, 304);

    // Clean text: entities decoded, tags stripped, links resolved against the channel's.
    let item = before
        .items
        .iter()
        .find(|i| i.link.as_deref() == Some("https://www.cchpm.example/actualites/conseil-0.html"))
        .unwrap();
    assert_eq!(
        item.title.get(&beffroi_protocol::text::Lang::fr()),
        Some("Conseil communautaire n° 0 : l'ordre du jour")
    );
    assert_eq!(
        item.text.get(&beffroi_protocol::text::Lang::fr()),
        Some("Réunion publique à la salle des fêtes.")
    );
    assert_eq!(item.source.name, "Flux ot");

    // One title changed at the source: updated in place.
    let text = String::from_utf8(good.clone()).unwrap();
    let changed = text.replacen("n&#176; 1 :", "n&#176; 1 (report&#233;) :", 1);
    assert_ne!(changed, text);
    let (status, third) = import_file(&f.admin, "ot", changed.into_bytes()).await;
    assert_eq!(status, 200, "{third}");
    assert_eq!(third["updated"].as_u64(), Some(1), "{third}");
    assert_eq!(third["added"].as_u64(), Some(0));
    assert_eq!(items_of(&f.admin, "ot").await.len() as u64, n);

    // A broken document: a clear error, the items stay, on the screens too.
    let (status, broken) = import_file(&f.admin, "ot", sample("rss_2.0_invalid_1.xml")).await;
    assert_eq!(status, 422, "{broken}");
    assert_eq!(items_of(&f.admin, "ot").await.len() as u64, n);
    assert_eq!(news_of(&f.fr).await.unwrap().items.len() as u64, n);
    let reports = f.admin.get("/api/v1/news/feeds/ot/imports").await.1;
    assert_eq!(reports.as_array().unwrap().len(), 4);
    assert!(
        reports[0]["error"]
            .as_str()
            .unwrap()
            .contains("not a valid RSS or Atom feed")
    );
    assert_eq!(reports[0]["trigger"], "file");
    assert_eq!(reports[0]["user"], "admin");

    // Withdrawn by the officer: off the screens, and a re-import does not bring it back.
    let id = items_of(&f.admin, "ot").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = f
        .admin
        .post(
            &format!("/api/v1/news/{id}/hide"),
            &json!({ "hidden": true }),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert!(!ids(&news_of(&f.fr).await.unwrap()).contains(&id.as_str()));
    import_file(&f.admin, "ot", good).await;
    assert!(!ids(&news_of(&f.fr).await.unwrap()).contains(&id.as_str()));
    // A feed item cannot be edited or deleted (the next import would undo it).
    assert_eq!(f.admin.delete(&format!("/api/v1/news/{id}")).await.0, 409);
}

#[tokio::test]
async fn a_feed_longer_than_kept_reimports_as_unchanged_and_its_settings_reach_its_items() {
    let f = fixture().await;
    let r = f
        .admin
        .post(
            "/api/v1/news/feeds",
            &json!({ "id": "cc", "name": "CC", "max_items": 20, "keep_days": 30 }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let feed = fresh_rss(25);
    let (status, first) = import_file(&f.admin, "cc", feed.clone()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        first["added"].as_u64(),
        Some(20),
        "only the 20 newest: {first}"
    );
    let items = items_of(&f.admin, "cc").await;
    assert!(items.iter().any(|i| i["source_key"] == "cc-0"));
    assert!(
        !items.iter().any(|i| i["source_key"] == "cc-24"),
        "the oldest are left out"
    );
    let (_, again) = import_file(&f.admin, "cc", feed).await;
    assert_eq!(
        (
            again["added"].as_u64(),
            again["unchanged"].as_u64(),
            again["dropped"].as_u64()
        ),
        (Some(0), Some(20), Some(0)),
        "{again}"
    );

    // Fewer days and items, another owner: applied to the items already there.
    let r = f
        .admin
        .put(
            "/api/v1/news/feeds/cc",
            &json!({ "name": "CC", "owner": HUCQUELIERS, "max_items": 5, "keep_days": 1 }),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let items = items_of(&f.admin, "cc").await;
    assert_eq!(items.len(), 5);
    for i in &items {
        assert_eq!(i["owner"], HUCQUELIERS, "{i}");
        let until: jiff::Timestamp = i["valid_until"].as_str().unwrap().parse().unwrap();
        let date: jiff::Timestamp = i["published_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            until.duration_since(date),
            jiff::SignedDuration::from_hours(24),
            "{i}"
        );
    }
}

#[tokio::test]
async fn a_feed_with_an_address_is_fetched_on_schedule_with_its_etag() {
    // The test's feed and pictures are on 127.0.0.1: a private address, allowed here.
    let f = fixture_with(|s| {
        s.feed_check_s = 1;
        s.feed_pictures_private = true;
    })
    .await;
    let host = doc_host("/feed.xml", |origin| {
        fresh_rss_with_picture(2, Some(&format!("{origin}/photo.png")))
    })
    .await;
    let r = f
        .admin
        .post(
            "/api/v1/news/feeds",
            &json!({ "id": "site", "name": "Site de la CC", "url": host.url, "communes": [HUCQUELIERS] }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    // The schedule fetches a new feed at its next check.
    let mut items = Vec::new();
    for _ in 0..100 {
        items = items_of(&f.admin, "site").await;
        if !items.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!items.is_empty(), "the schedule never imported the feed");
    let reports = f.admin.get("/api/v1/news/feeds/site/imports").await.1;
    assert_eq!(reports[0]["trigger"], "schedule", "{reports}");
    // The feed's communes go with its items, once the data set is rebuilt.
    let mut news = news_of(&f.hu).await.unwrap();
    for _ in 0..100 {
        if !news.items.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        news = news_of(&f.hu).await.unwrap();
    }
    assert!(
        news.items
            .iter()
            .all(|n| n.communes == [HUCQUELIERS.parse().unwrap()])
    );
    assert_eq!(news.items[0].source.name, "Site de la CC");
    // The picture the first entry names is fetched (by the schedule), checked like an
    // upload, and travels as an asset of the screens showing that commune's news.
    let mut pictured = None;
    for _ in 0..100 {
        let news = news_of(&f.hu).await.unwrap();
        pictured = news.items.iter().find_map(|n| n.image.clone());
        if pictured.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pictured = pictured.expect("the entry's picture never arrived");
    let assets = device_manifest(&f.hu, None).await.2["assets"].clone();
    assert!(
        assets
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["sha256"] == pictured.as_str()),
        "{assets}"
    );
    let fr_assets = device_manifest(&f.fr, None).await.2["assets"].clone();
    assert!(
        !fr_assets.to_string().contains(pictured.as_str()),
        "Fruges' screen does not carry Hucqueliers' picture"
    );
    // Not fetched again before its refresh interval (60 minutes).
    let hits = host.hits.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(host.hits.load(Ordering::SeqCst), hits);
    // Fetched on demand: conditional, answered 304, nothing changes.
    let r = f
        .admin
        .post_bytes(
            "/api/v1/news/feeds/site/import",
            "application/xml",
            Vec::new(),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["not_modified"], true, "{}", r.1);
    assert_eq!(host.conditional.load(Ordering::SeqCst), 1);
    // An unreachable address: a clear error, the items stay.
    let r = f
        .admin
        .put(
            "/api/v1/news/feeds/site",
            &json!({ "name": "Site de la CC", "url": "http://127.0.0.1:9/feed.xml", "communes": [HUCQUELIERS] }),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let r = f
        .admin
        .post_bytes(
            "/api/v1/news/feeds/site/import",
            "application/xml",
            Vec::new(),
        )
        .await;
    assert_eq!(r.0, 502, "{}", r.1);
    assert!(
        r.1["error"]
            .as_str()
            .unwrap()
            .contains("cannot fetch http://127.0.0.1:9/feed.xml"),
        "{}",
        r.1
    );
    assert_eq!(items_of(&f.admin, "site").await.len(), items.len());
}
