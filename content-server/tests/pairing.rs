//! Pairing a player end to end through the real server: the code, the claim, the token given
//! once, expiry, wrong secrets, guessing limits and who may claim.

mod common;

use beffroi_server::users::Role;
use common::{Api, FRUGES, HUCQUELIERS, TestServer};
use reqwest::Method;
use serde_json::{Value, json};

/// A playlist and a screen of `commune` (drafts).
async fn make_screen(admin: &Api, id: &str, commune: &str) {
    let playlist = format!("pl-{id}");
    let r = admin
        .post(
            "/api/v1/playlists",
            &json!({ "id": playlist, "owner": commune, "body": {
                "name": "Accueil",
                "items": [{ "id": "a", "duration_ms": 5000, "kind": "text", "title": { "fr": "Bonjour" } }]
            }}),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let r = admin
        .post(
            "/api/v1/screens",
            &json!({ "id": id, "owner": commune, "body": {
                "name": format!("Écran {id}"),
                "commune": commune,
                "layout": "fullscreen",
                "default_playlists": { "main": playlist },
            }}),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
}

/// A player asks for a code: (code as shown, secret).
async fn ask_code(server: &TestServer) -> (String, String) {
    let r = server.anonymous().post("/api/v1/pairing", &json!({})).await;
    assert_eq!(r.0, 201, "{}", r.1);
    let code = r.1["code"].as_str().unwrap().to_owned();
    let secret = r.1["secret"].as_str().unwrap().to_owned();
    assert!(
        r.1["expires_at"].is_string() && r.1["poll_after_s"].is_u64(),
        "{}",
        r.1
    );
    (code, secret)
}

/// The player polls its code.
async fn poll(server: &TestServer, code: &str, secret: &str) -> (u16, Value) {
    let r = server
        .anonymous()
        .client
        .get(server.at(&format!("/api/v1/pairing/{code}")))
        .header("X-Pairing-Secret", secret)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn set_expiry(server: &TestServer, code: &str, at: jiff::Timestamp) {
    let db = beffroi_server::db::open(&server.data_dir).await.unwrap();
    let done = sqlx::query("UPDATE pairings SET expires_at = ?1 WHERE code = ?2")
        .bind(at.to_string())
        .bind(code.replace('-', ""))
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1);
    db.close().await;
}

#[tokio::test]
async fn a_player_is_paired_end_to_end_and_gets_its_token_once() {
    let server = TestServer::start().await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    let editor = server.user("fruges", Role::Editor, &[FRUGES]).await;
    make_screen(&admin, "mairie-fruges", FRUGES).await;

    let (code, secret) = ask_code(&server).await;
    assert_eq!(code.len(), 7, "{code}");
    assert_eq!(&code[3..4], "-");
    assert!(
        code.chars()
            .filter(|c| *c != '-')
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
        "{code}"
    );
    assert!(!code.contains(['0', 'O', '1', 'I', 'L']), "{code}");
    let r = poll(&server, &code, &secret).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["status"], "waiting");
    assert!(r.1.get("token").is_none());

    // Typed in lower case without the dash.
    let typed = code.replace('-', "").to_lowercase();
    let r = editor
        .post(
            "/api/v1/pairing/claim",
            &json!({ "code": typed, "screen": "mairie-fruges" }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    assert_eq!(r.1["screen_id"], "mairie-fruges");
    assert_eq!(r.1["code"], code);
    // A second claim of the same code.
    let again = editor
        .post(
            "/api/v1/pairing/claim",
            &json!({ "code": code, "screen": "mairie-fruges" }),
        )
        .await;
    assert_eq!(again.0, 409, "{}", again.1);

    let r = poll(&server, &code.to_lowercase(), &secret).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["status"], "paired");
    assert_eq!(r.1["screen_id"], "mairie-fruges");
    let token = r.1["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("bfd_"), "{token}");
    let key = r.1["server_public_key"].as_str().unwrap();
    assert_eq!(key.len(), 64);
    assert!(key.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(r.1["tls_fingerprint"].is_null(), "no TLS in tests: {}", r.1);

    let r = poll(&server, &code, &secret).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["status"], "paired");
    assert!(
        r.1.get("token").is_none_or(Value::is_null),
        "token given twice: {}",
        r.1
    );
    // The token is gone from the database once delivered.
    let db = beffroi_server::db::open(&server.data_dir).await.unwrap();
    let left: Option<String> = sqlx::query_scalar("SELECT token FROM pairings")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(left.is_none());
    db.close().await;

    // The token reads the screen's manifest: nothing published yet, then the publication.
    let device = Api::with_token(&server.url, &token);
    let r = device.get("/api/v1/player/manifest").await;
    assert_eq!(r.0, 404, "{}", r.1);
    assert!(
        r.1["error"].as_str().unwrap().contains("nothing published"),
        "{}",
        r.1
    );
    let published = admin.post("/api/v1/publish", &json!({})).await;
    assert_eq!(published.0, 200, "{}", published.1);
    let r = device.get("/api/v1/player/manifest").await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["screen"]["id"], "mairie-fruges");
    assert_eq!(r.1["version"], published.1["screens"]["mairie-fruges"]);

    // The devices of the screen, and their revocation.
    let r = editor.get("/api/v1/screens/mairie-fruges/devices").await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1.as_array().unwrap().len(), 1);
    assert_eq!(r.1[0]["created_by"], "fruges");
    let r = editor.delete("/api/v1/screens/mairie-fruges/devices").await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["revoked"], 1);
    let r = device.get("/api/v1/player/manifest").await;
    assert_eq!(r.0, 401, "{}", r.1);
}

#[tokio::test]
async fn an_expired_code_is_gone_and_cannot_be_claimed() {
    let server = TestServer::start().await;
    let editor = server.user("fruges", Role::Editor, &[FRUGES]).await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    make_screen(&admin, "mairie-fruges", FRUGES).await;
    let (code, secret) = ask_code(&server).await;
    set_expiry(
        &server,
        &code,
        jiff::Timestamp::now() - jiff::SignedDuration::from_mins(1),
    )
    .await;
    let r = poll(&server, &code, &secret).await;
    assert_eq!(r.0, 410, "{}", r.1);
    assert!(
        r.1["error"].as_str().unwrap().contains("expired"),
        "{}",
        r.1
    );
    let r = editor
        .post(
            "/api/v1/pairing/claim",
            &json!({ "code": code, "screen": "mairie-fruges" }),
        )
        .await;
    assert_eq!(r.0, 410, "{}", r.1);
    assert!(
        r.1["error"].as_str().unwrap().contains("expired"),
        "{}",
        r.1
    );
    let db = beffroi_server::db::open(&server.data_dir).await.unwrap();
    let devices: i64 = sqlx::query_scalar("SELECT count(*) FROM devices")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(devices, 0);
    db.close().await;
}

#[tokio::test]
async fn polls_need_the_secret_and_a_known_code() {
    let server = TestServer::start().await;
    let (code, secret) = ask_code(&server).await;
    let r = poll(&server, &code, "0123456789abcdef").await;
    assert_eq!(r.0, 403, "{}", r.1);
    assert!(
        r.1["error"].as_str().unwrap().contains("X-Pairing-Secret"),
        "{}",
        r.1
    );
    let unknown = if code == "ABC-DEF" {
        "ABC-DEG"
    } else {
        "ABC-DEF"
    };
    let r = poll(&server, unknown, &secret).await;
    assert_eq!(r.0, 404, "{}", r.1);
    let r = server
        .anonymous()
        .get(&format!("/api/v1/pairing/{code}"))
        .await;
    assert_eq!(r.0, 400, "no secret: {}", r.1);
}

#[tokio::test]
async fn guessing_codes_is_limited_even_for_a_right_code_afterwards() {
    let server = TestServer::start().await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    let editor = server.user("fruges", Role::Editor, &[FRUGES]).await;
    make_screen(&admin, "mairie-fruges", FRUGES).await;
    let (code, _) = ask_code(&server).await;
    let mut wrong = 0;
    for c in [
        "ABC-DEF", "ABC-DEG", "ABC-DEH", "ABC-DEJ", "ABC-DEK", "ABC-DEM", "ABC-DEN", "ABC-DEP",
        "ABC-DEQ", "ABC-DER", "ABC-DES",
    ] {
        if c == code || wrong == 10 {
            continue;
        }
        let r = editor
            .post(
                "/api/v1/pairing/claim",
                &json!({ "code": c, "screen": "mairie-fruges" }),
            )
            .await;
        assert_eq!(r.0, 404, "{}", r.1);
        wrong += 1;
    }
    assert_eq!(wrong, 10);
    let r = editor
        .request(Method::POST, "/api/v1/pairing/claim")
        .json(&json!({ "code": code, "screen": "mairie-fruges" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0 && wait <= 15 * 60, "{wait}");
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("too many"),
        "{body}"
    );
    // Another user from the same address is limited too (per address).
    let other = server.user("fruges2", Role::Editor, &[FRUGES]).await;
    let r = other
        .post(
            "/api/v1/pairing/claim",
            &json!({ "code": code, "screen": "mairie-fruges" }),
        )
        .await;
    assert_eq!(r.0, 429, "{}", r.1);
}

#[tokio::test]
async fn only_editors_of_the_screen_claim_and_anonymous_claims_are_refused() {
    let server = TestServer::start().await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    let hucq = server.user("hucq", Role::Editor, &[HUCQUELIERS]).await;
    let viewer = server.user("viewer", Role::Viewer, &[FRUGES]).await;
    make_screen(&admin, "mairie-fruges", FRUGES).await;
    let (code, secret) = ask_code(&server).await;
    let claim = json!({ "code": code, "screen": "mairie-fruges" });
    let r = hucq.post("/api/v1/pairing/claim", &claim).await;
    assert_eq!(r.0, 403, "{}", r.1);
    assert!(r.1["error"].as_str().unwrap().contains(FRUGES), "{}", r.1);
    let r = viewer.post("/api/v1/pairing/claim", &claim).await;
    assert_eq!(r.0, 403, "{}", r.1);
    let r = server
        .anonymous()
        .post("/api/v1/pairing/claim", &claim)
        .await;
    assert_eq!(r.0, 401, "{}", r.1);
    let r = admin
        .post(
            "/api/v1/pairing/claim",
            &json!({ "code": code, "screen": "nowhere" }),
        )
        .await;
    assert_eq!(r.0, 404, "{}", r.1);
    // Nothing was claimed by those attempts.
    assert_eq!(poll(&server, &code, &secret).await.1["status"], "waiting");
    // Revoking is for editors of the screen too.
    let r = hucq.delete("/api/v1/screens/mairie-fruges/devices").await;
    assert_eq!(r.0, 403, "{}", r.1);
    // A session (cookie + CSRF) claims as well as a token does.
    let session = server.login("admin").await;
    let r = session.post("/api/v1/pairing/claim", &claim).await;
    assert_eq!(r.0, 201, "{}", r.1);
}

#[tokio::test]
async fn codes_are_rate_limited_per_address() {
    let server = TestServer::start().await;
    for _ in 0..30 {
        ask_code(&server).await;
    }
    let r = server
        .anonymous()
        .client
        .post(server.at("/api/v1/pairing"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
}
