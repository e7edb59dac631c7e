//! Objects, drafts and publishing through the real API: drafts never reach a manifest
//! before publish, a publish changes only the manifests it affects, manifests are
//! deterministic, uploads become renditions listed in the manifest, restarts keep
//! everything.

mod common;

use beffroi_server::users::Role;
use common::{FRUGES, HUCQUELIERS, TestServer};
use serde_json::{Value, json};

fn text_playlist(title: &str) -> Value {
    json!({
        "name": format!("Accueil {title}"),
        "items": [{ "id": "a", "duration_ms": 8000, "kind": "text", "title": { "fr": title } }]
    })
}

fn screen(name: &str, commune: &str, playlist: &str) -> Value {
    json!({
        "name": name,
        "commune": commune,
        "layout": "fullscreen",
        "default_playlists": { "main": playlist },
    })
}

/// (version, generated_at, body) of each stored manifest.
async fn stored(
    server: &TestServer,
) -> std::collections::BTreeMap<String, (String, String, Vec<u8>)> {
    let pool = beffroi_server::db::open(&server.data_dir).await.unwrap();
    let rows: Vec<(String, String, String, Vec<u8>)> =
        sqlx::query_as("SELECT screen_id, version, generated_at, body FROM manifests")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    rows.into_iter()
        .map(|(s, v, g, b)| (s, (v, g, b)))
        .collect()
}

async fn two_screens(server: &TestServer) -> common::Api {
    let admin = server.user("admin", Role::Admin, &[]).await;
    for (id, owner, body) in [
        ("accueil-fruges", FRUGES, text_playlist("Bonjour Fruges")),
        (
            "accueil-hucq",
            HUCQUELIERS,
            text_playlist("Bonjour Hucqueliers"),
        ),
    ] {
        let r = admin
            .post(
                "/api/v1/playlists",
                &json!({ "id": id, "owner": owner, "body": body }),
            )
            .await;
        assert_eq!(r.0, 201, "{}", r.1);
    }
    for (id, owner, body) in [
        (
            "mairie-fruges",
            FRUGES,
            screen("Mairie de Fruges", FRUGES, "accueil-fruges"),
        ),
        (
            "mairie-hucq",
            HUCQUELIERS,
            screen("Mairie de Hucqueliers", HUCQUELIERS, "accueil-hucq"),
        ),
    ] {
        let r = admin
            .post(
                "/api/v1/screens",
                &json!({ "id": id, "owner": owner, "body": body }),
            )
            .await;
        assert_eq!(r.0, 201, "{}", r.1);
    }
    admin
}

#[tokio::test]
async fn drafts_reach_manifests_only_when_published_and_only_where_they_matter() {
    let server = TestServer::start().await;
    let admin = two_screens(&server).await;
    assert!(stored(&server).await.is_empty(), "nothing is published yet");

    let r = admin.post("/api/v1/publish", &json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["screens"].as_object().unwrap().len(), 2, "{}", r.1);
    let first = stored(&server).await;
    assert_eq!(first.len(), 2);
    let fruges = String::from_utf8(first["mairie-fruges"].2.clone()).unwrap();
    assert!(fruges.contains("Bonjour Fruges"), "{fruges}");
    // The stored manifest is sealed: its version is the hash of its canonical form.
    let m: beffroi_protocol::manifest::Manifest = serde_json::from_str(&fruges).unwrap();
    m.check_sealed().unwrap();
    assert_eq!(m.version, first["mairie-fruges"].0);
    assert_eq!(
        m.to_canonical_json().unwrap(),
        fruges,
        "served bytes are canonical"
    );

    // A draft change: visible in the preview, not in the published manifest.
    let r = admin
        .put(
            "/api/v1/playlists/accueil-fruges",
            &json!({ "body": text_playlist("Bonsoir Fruges") }),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["pending"], true);
    let preview = admin.get("/api/v1/screens/mairie-fruges/manifest").await;
    assert_eq!(preview.0, 200, "{}", preview.1);
    assert!(preview.1.to_string().contains("Bonsoir Fruges"));
    let published = admin
        .get("/api/v1/screens/mairie-fruges/manifest?side=published")
        .await;
    assert!(published.1.to_string().contains("Bonjour Fruges"));
    assert_eq!(
        stored(&server).await,
        first,
        "a draft changes no stored manifest"
    );

    // Restart in between: the untouched screen's manifest must come out identical when
    // rebuilt by another process from the same database.
    let server = server.restart().await;
    let admin = common::Api::with_token(&server.url, &token_of(&admin));
    let r = admin.post("/api/v1/publish", &json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
    let changed: Vec<&String> = r.1["screens"].as_object().unwrap().keys().collect();
    assert_eq!(
        changed,
        ["mairie-fruges"],
        "only the affected screen changes"
    );
    let second = stored(&server).await;
    assert_eq!(second["mairie-hucq"], first["mairie-hucq"], "byte for byte");
    assert_ne!(second["mairie-fruges"].0, first["mairie-fruges"].0);
    assert!(String::from_utf8_lossy(&second["mairie-fruges"].2).contains("Bonsoir Fruges"));

    // Nothing pending: a publish says so.
    let r = admin.post("/api/v1/publish", &json!({})).await;
    assert_eq!(r.0, 409, "{}", r.1);
    assert!(
        r.1["error"]
            .as_str()
            .unwrap()
            .contains("nothing to publish")
    );
}

fn token_of(api: &common::Api) -> String {
    api.token.clone().unwrap()
}

#[tokio::test]
async fn a_publish_that_would_break_a_screen_is_refused_whole() {
    let server = TestServer::start().await;
    let admin = two_screens(&server).await;
    // Publish only the screen: its playlist is not published yet.
    let r = admin
        .post(
            "/api/v1/publish",
            &json!({ "objects": ["screen/mairie-fruges"] }),
        )
        .await;
    assert_eq!(r.0, 422, "{}", r.1);
    let msg = r.1["error"].as_str().unwrap();
    assert!(msg.contains("accueil-fruges"), "{msg}");
    assert!(stored(&server).await.is_empty());
    // Deleting a playlist a screen uses is refused in the drafts already.
    let r = admin.delete("/api/v1/playlists/accueil-fruges").await;
    assert_eq!(r.0, 422, "{}", r.1);
    assert!(
        r.1["error"].as_str().unwrap().contains("mairie-fruges"),
        "{}",
        r.1
    );
    // Unknown fields and bad values name the field.
    let r = admin
        .post(
            "/api/v1/playlists",
            &json!({ "id": "x", "body": { "name": "x", "items": [], "colour": 1 } }),
        )
        .await;
    assert_eq!(r.0, 422, "{}", r.1);
    assert!(r.1["error"].as_str().unwrap().contains("colour"), "{}", r.1);
    let r = admin
        .post(
            "/api/v1/playlists",
            &json!({ "id": "vide", "body": { "name": "Vide", "items": [] } }),
        )
        .await;
    assert_eq!(r.0, 422, "{}", r.1);
    assert!(r.1["error"].as_str().unwrap().contains("items"), "{}", r.1);
    // Malformed JSON and a missing field are answered as JSON errors naming the problem.
    let r = admin
        .post_bytes(
            "/api/v1/playlists",
            "application/json",
            b"{\"id\": ".to_vec(),
        )
        .await;
    assert_eq!(r.0, 422, "{}", r.1);
    assert!(
        r.1["error"].as_str().unwrap().starts_with("body: "),
        "{}",
        r.1
    );
    let r = admin.post("/api/v1/playlists", &json!({ "id": "x" })).await;
    assert_eq!(r.0, 422, "{}", r.1);
    assert!(r.1["error"].as_str().unwrap().contains("body"), "{}", r.1);
    // Concurrent edits: a stale revision is a conflict.
    let r = admin
        .put(
            "/api/v1/playlists/accueil-fruges",
            &json!({ "body": text_playlist("A"), "revision": 99 }),
        )
        .await;
    assert_eq!(r.0, 409, "{}", r.1);
}

#[tokio::test]
async fn layouts_are_built_in_and_uploaded_as_toml() {
    let server = TestServer::start().await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    let (status, list) = admin.get("/api/v1/layouts").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    for id in ["fullscreen", "main-ticker", "town-hall", "portrait-kiosk"] {
        assert!(ids.contains(&id), "{ids:?}");
    }
    let r = admin.delete("/api/v1/layouts/fullscreen").await;
    assert_eq!(r.0, 403, "{}", r.1);
    let toml = "id = \"affiche\"\nname = \"Affiche\"\nwidth = 1080\nheight = 1920\nbackground = \"#000000\"\n\n[[zones]]\nid = \"main\"\nx = 0\ny = 0\nwidth = 1080\nheight = 1920\n";
    let r = admin
        .post_bytes("/api/v1/layouts/toml", "application/toml", toml.into())
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    assert_eq!(r.1["draft"]["height"], 1920);
    let r = admin
        .post_bytes(
            "/api/v1/layouts/toml",
            "application/toml",
            b"id = \"x\"\nwidth = ".to_vec(),
        )
        .await;
    assert_eq!(r.0, 422, "{}", r.1);
    assert!(
        r.1["error"].as_str().unwrap().contains("layout file"),
        "{}",
        r.1
    );
}

#[tokio::test]
async fn an_upload_becomes_a_rendition_listed_in_the_manifest_and_served_by_hash() {
    let server = TestServer::start().await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    let photo =
        std::fs::read(common::samples().join("media/exif/hopper_orientation_6.jpg")).unwrap();
    let r = admin
        .post_bytes(
            "/api/v1/media?name=hopper.jpg&owner=shared",
            "image/jpeg",
            photo.clone(),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let original = r.1["sha256"].as_str().unwrap().to_owned();
    assert_eq!(
        original,
        beffroi_protocol::ids::Sha256::of(&photo).to_string()
    );
    // The same bytes again: the same media.
    let again = admin
        .post_bytes(
            "/api/v1/media?name=copie.jpg&owner=shared",
            "image/jpeg",
            photo.clone(),
        )
        .await;
    assert_eq!(again.0, 200, "{}", again.1);
    assert_eq!(again.1["id"], r.1["id"]);

    let playlist = json!({ "name": "Photos", "items": [
        { "id": "p", "duration_ms": 8000, "kind": "image", "asset": original, "fit": "cover" }
    ]});
    assert_eq!(
        admin
            .post(
                "/api/v1/playlists",
                &json!({ "id": "photos", "body": playlist })
            )
            .await
            .0,
        201
    );
    let mut body = screen("Mairie de Fruges", FRUGES, "photos");
    // A small panel: the rendition must be made for it, not at the original size.
    body["resolution"] = json!({ "width": 640, "height": 360 });
    let r = admin
        .post(
            "/api/v1/screens",
            &json!({ "id": "mairie-fruges", "owner": FRUGES, "body": body }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let r = admin.post("/api/v1/publish", &json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);

    let manifest: beffroi_protocol::manifest::Manifest =
        serde_json::from_slice(&stored(&server).await["mairie-fruges"].2).unwrap();
    assert_eq!(manifest.assets.len(), 1);
    let asset = &manifest.assets[0];
    assert_ne!(
        asset.sha256.as_str(),
        original,
        "the manifest names the rendition"
    );
    assert!(
        asset.width.unwrap() <= 640 && asset.height.unwrap() <= 360,
        "{asset:?}"
    );
    let item = &manifest.playlists[0].items[0].content;
    let beffroi_protocol::playlist::Content::Image { asset: drawn, .. } = item else {
        panic!("{item:?}")
    };
    assert_eq!(drawn, &asset.sha256);

    let resp = admin
        .client
        .get(server.at(&format!("/api/v1/assets/{}", asset.sha256)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(beffroi_protocol::ids::Sha256::of(&bytes), asset.sha256);
    assert_eq!(bytes.len() as u64, asset.size);
}

#[tokio::test]
async fn restart_keeps_objects_media_manifests_and_users() {
    let server = TestServer::start().await;
    let admin = two_screens(&server).await;
    assert_eq!(admin.post("/api/v1/publish", &json!({})).await.0, 200);
    let png = std::fs::read(common::samples().join("media/png/basn6a08.png")).unwrap();
    assert_eq!(
        admin
            .post_bytes("/api/v1/media?name=a.png", "image/png", png)
            .await
            .0,
        201
    );
    let before = (
        admin.get("/api/v1/screens").await,
        admin.get("/api/v1/playlists").await,
        admin.get("/api/v1/media").await,
        stored(&server).await,
    );
    let token = token_of(&admin);
    let server = server.restart().await;
    let admin = common::Api::with_token(&server.url, &token);
    let after = (
        admin.get("/api/v1/screens").await,
        admin.get("/api/v1/playlists").await,
        admin.get("/api/v1/media").await,
        stored(&server).await,
    );
    assert_eq!(before, after);
    assert_eq!(after.0.1.as_array().unwrap().len(), 2);
    assert_eq!(after.2.1.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn racing_creates_of_one_id_make_one_object() {
    let server = TestServer::start().await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    let attempts = (0..8).map(|i| {
        let admin = admin.clone();
        async move {
            let body =
                json!({ "id": "course", "owner": FRUGES, "body": text_playlist(&format!("n{i}")) });
            admin.post("/api/v1/playlists", &body).await
        }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    let refused = answers.iter().filter(|(s, _)| *s == 409).count();
    assert_eq!((created, refused), (1, 7), "{answers:?}");
    // The stored draft is the one whose creation was answered 201.
    let winner = &answers.iter().find(|(s, _)| *s == 201).unwrap().1;
    let stored = admin.get("/api/v1/playlists/course").await.1;
    assert_eq!(stored["draft"], winner["draft"]);
    assert_eq!(stored["revision"], 1);
}

#[tokio::test]
async fn uploads_over_the_limit_and_files_that_are_not_pictures_are_refused_and_not_stored() {
    let server = TestServer::start_with(|s| s.max_upload_bytes = 4096).await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    let big = vec![0xFF; 64 * 1024];
    let r = admin
        .post_bytes("/api/v1/media?name=gros.jpg", "image/jpeg", big)
        .await;
    assert_eq!(r.0, 413, "{}", r.1);
    assert!(
        r.1["error"]
            .as_str()
            .unwrap()
            .contains("larger than the 4 KiB allowed"),
        "{}",
        r.1
    );
    let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n".to_vec();
    let r = admin
        .post_bytes("/api/v1/media?name=affiche.pdf", "application/pdf", pdf)
        .await;
    assert_eq!(r.0, 415, "{}", r.1);
    assert!(r.1["error"].as_str().unwrap().contains("PDF"), "{}", r.1);
    assert_eq!(admin.get("/api/v1/media").await.1, json!([]));
    let pool = beffroi_server::db::open(&server.data_dir).await.unwrap();
    let media_blobs: i64 =
        sqlx::query_scalar("SELECT count(*) FROM blobs WHERE mime LIKE 'image/%'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(media_blobs, 0, "nothing half-stored");
    // The server is still healthy.
    assert_eq!(server.anonymous().get("/healthz").await.0, 200);
}

#[tokio::test]
async fn every_media_sample_uploaded_is_stored_whole_or_refused_with_its_reason() {
    let server = TestServer::start().await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    let limit = server.settings.max_upload_bytes;
    let mut files = Vec::new();
    let mut dirs = vec![common::samples().join("media")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 30, "{} samples", files.len());
    let mut accepted = std::collections::BTreeSet::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // The pipeline's own verdict (pinned file by file in tests/ingest_samples.rs) is what
        // the HTTP answer must carry.
        let expected = beffroi_server::ingest::ingest(&bytes, limit);
        let r = admin
            .post_bytes(
                &format!("/api/v1/media?name={name}&owner=shared"),
                "application/octet-stream",
                bytes,
            )
            .await;
        match expected {
            Ok(ingested) => {
                assert!(r.0 == 201 || r.0 == 200, "{name}: {} {}", r.0, r.1);
                assert_eq!(r.1["sha256"], ingested.sha256.to_string(), "{name}");
                accepted.insert(ingested.sha256.to_string());
            }
            Err(e) => {
                assert_eq!(r.0, e.status(), "{name}: {}", r.1);
                let msg = r.1["error"].as_str().unwrap();
                assert!(msg.contains(&e.to_string()), "{name}: {msg}");
            }
        }
    }
    assert!(!accepted.is_empty() && accepted.len() < files.len());
    // Exactly the accepted originals are media, each with its bytes and thumbnail stored.
    let media = admin.get("/api/v1/media").await.1;
    let listed: std::collections::BTreeSet<String> = media
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["sha256"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, accepted);
    for m in media.as_array().unwrap() {
        for sha in [&m["sha256"], &m["thumbnail"]] {
            let r = admin
                .client
                .get(server.at(&format!("/api/v1/assets/{}", sha.as_str().unwrap())))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{sha}");
        }
    }
    let pool = beffroi_server::db::open(&server.data_dir).await.unwrap();
    let image_blobs: i64 =
        sqlx::query_scalar("SELECT count(*) FROM blobs WHERE mime LIKE 'image/%'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let thumbnails: std::collections::BTreeSet<&str> = media
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["thumbnail"].as_str().unwrap())
        .collect();
    assert_eq!(
        image_blobs as usize,
        accepted.len() + thumbnails.len(),
        "nothing half-stored"
    );
    assert_eq!(server.anonymous().get("/healthz").await.0, 200);
}
