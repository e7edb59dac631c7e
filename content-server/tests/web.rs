//! The officer's web page for real: French login with its errors and rate limit, the screens
//! an officer sees with their state, CSRF on every form, anonymous visitors sent to the login
//! page, the static files served from the binary.

mod common;

use beffroi_server::users::Role;
use common::{FRUGES, HUCQUELIERS, PASSWORD, TestServer, between, browser, web_login};
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION, SET_COOKIE};
use serde_json::json;

/// The table row of screen `id` in a page or fragment.
fn row<'a>(html: &'a str, id: &str) -> &'a str {
    html.split("<tr>")
        .find(|r| r.contains(&format!("<span class=\"ident\">{id}</span>")))
        .unwrap_or_else(|| panic!("no row for {id} in {html}"))
}

/// Two screens: one in Fruges, one in Hucqueliers, created by an administrator.
async fn two_screens(server: &TestServer) {
    let admin = server.user("admin", Role::Admin, &[]).await;
    for (id, owner, name) in [
        ("mairie-fruges", FRUGES, "Mairie de Fruges"),
        ("mairie-hucqueliers", HUCQUELIERS, "Mairie de Hucqueliers"),
    ] {
        let r = admin
            .post(
                "/api/v1/screens",
                &json!({ "id": id, "owner": owner,
                         "body": { "name": name, "commune": owner, "layout": "fullscreen" } }),
            )
            .await;
        assert_eq!(r.0, 201, "{}", r.1);
    }
}

#[tokio::test]
async fn the_login_page_is_in_french_and_uses_only_our_files() {
    let server = TestServer::start().await;
    let r = browser().get(server.at("/connexion")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    let page = r.text().await.unwrap();
    for expected in [
        "<html lang=\"fr\">",
        "<label for=\"username\">Identifiant</label>",
        "<label for=\"password\">Mot de passe</label>",
        "autocomplete=\"current-password\"",
        "Se connecter",
        "src=\"/static/htmx.min.js?v=",
        "href=\"/static/beffroi.css?v=",
    ] {
        assert!(page.contains(expected), "{expected:?} missing from {page}");
    }
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "{page}"
    );
}

#[tokio::test]
async fn a_wrong_password_answers_401_with_a_french_message_then_429() {
    let server = TestServer::start().await;
    server.create_user("agent", Role::Editor, &[FRUGES]).await;
    let client = browser();
    let r = client
        .post(server.at("/connexion"))
        .form(&[
            ("username", "agent"),
            ("password", "pas le bon mot de passe"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get(SET_COOKIE).is_none());
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Identifiant ou mot de passe incorrect"),
        "{page}"
    );
    assert!(page.contains("role=\"alert\""), "{page}");
    // The name typed is kept; the password is not.
    assert!(page.contains("value=\"agent\""), "{page}");

    // Five failures for one name from one address: the sixth try waits, said in French.
    for _ in 0..4 {
        let r = client
            .post(server.at("/connexion"))
            .form(&[("username", "agent"), ("password", "toujours pas le bon")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = client
        .post(server.at("/connexion"))
        .form(&[("username", "agent"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_some());
    let page = r.text().await.unwrap();
    assert!(page.contains("Réessayez dans 15 minutes"), "{page}");
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_the_login_page() {
    let server = TestServer::start().await;
    let client = browser();
    for path in ["/", "/ecrans", "/ecrans/etat"] {
        let r = client.get(server.at(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.headers()[LOCATION], "/connexion", "{path}");
    }
    let r = client
        .post(server.at("/ecrans/associer"))
        .form(&[("code", "ABCD"), ("screen", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/connexion");
    // htmx would follow a redirect inside its request: it is told to navigate instead.
    let r = client
        .get(server.at("/ecrans/etat"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["hx-redirect"], "/connexion");
    // A session that no longer exists: to the login page, and the cookie is dropped.
    let r = client
        .get(server.at("/ecrans"))
        .header("Cookie", "beffroi_session=0123456789abcdef")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
}

#[tokio::test]
async fn an_editor_sees_the_screens_of_their_commune_with_their_state() {
    let server = TestServer::start().await;
    two_screens(&server).await;
    server
        .create_user("agent-fruges", Role::Editor, &[FRUGES])
        .await;
    let (client, _) = web_login(&server, "agent-fruges").await;

    let r = client.get(server.at("/")).send().await.unwrap();
    assert_eq!(r.headers()[LOCATION], "/ecrans");
    let r = client.get(server.at("/connexion")).send().await.unwrap();
    assert_eq!(r.headers()[LOCATION], "/ecrans");

    let page = client
        .get(server.at("/ecrans"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Connecté·e\u{202f}: <strong>agent-fruges</strong>"),
        "{page}"
    );
    let fruges = row(&page, "mairie-fruges");
    for expected in [
        "Mairie de Fruges",
        "<td>Fruges</td>",
        "Hors ligne",
        "jamais vu",
    ] {
        assert!(
            fruges.contains(expected),
            "{expected:?} missing from {fruges}"
        );
    }
    assert!(
        !page.contains("Hucqueliers"),
        "another commune's screen is listed: {page}"
    );
    // The pairing form offers the screens the editor may change.
    let select = between(
        &page,
        "<select id=\"screen\" name=\"screen\" required>",
        "</select>",
    );
    assert!(select.contains("value=\"mairie-fruges\""), "{select}");
    assert!(!select.contains("hucqueliers"), "{select}");
    // The table refreshes itself with htmx.
    assert!(page.contains("hx-get=\"/ecrans/etat\""), "{page}");
    assert!(page.contains("every 30s"), "{page}");

    // An administrator sees both.
    let (admin, _) = web_login(&server, "admin").await;
    let page = admin
        .get(server.at("/ecrans"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        row(&page, "mairie-hucqueliers").contains("Hucqueliers"),
        "{page}"
    );
    assert!(row(&page, "mairie-fruges").contains("Fruges"), "{page}");
}

#[tokio::test]
async fn heartbeats_make_screens_online_or_offline() {
    let server = TestServer::start().await;
    two_screens(&server).await;
    let db = beffroi_server::db::open(&server.data_dir).await.unwrap();
    let now = jiff::Timestamp::now();
    for (id, at) in [
        ("mairie-fruges", now.to_string()),
        ("mairie-hucqueliers", "2026-11-29T13:05:00Z".to_owned()),
    ] {
        sqlx::query(
            "INSERT INTO screen_status (screen_id, last_beat_at, player_version, report)
             VALUES (?1, ?2, '0.1.0', '{}')",
        )
        .bind(id)
        .bind(at)
        .execute(&db)
        .await
        .unwrap();
    }
    db.close().await;

    let (client, _) = web_login(&server, "admin").await;
    let rows = client
        .get(server.at("/ecrans/etat"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(rows.status(), 200);
    let rows = rows.text().await.unwrap();
    assert!(!rows.contains("<html"), "a fragment, not a page: {rows}");
    let fruges = row(&rows, "mairie-fruges");
    assert!(fruges.contains("En ligne"), "{fruges}");
    let nbsp = '\u{a0}';
    let hucq = row(&rows, "mairie-hucqueliers");
    assert!(hucq.contains("Hors ligne"), "{hucq}");
    // 13:05 UTC in November is 14:05 in Paris.
    assert!(
        hucq.contains(&format!(
            "<time datetime=\"2026-11-29T13:05:00Z\">29 nov. 2026 à 14{nbsp}h{nbsp}05</time>"
        )),
        "{hucq}"
    );
}

#[tokio::test]
async fn form_posts_need_the_session_csrf_token() {
    let server = TestServer::start().await;
    two_screens(&server).await;
    let (client, csrf) = web_login(&server, "admin").await;
    let page = client
        .get(server.at("/ecrans"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The token is in the forms and in the body's htmx headers.
    assert!(
        page.contains(&format!(
            "<body hx-headers='{{\"X-CSRF-Token\": \"{csrf}\"}}'>"
        )),
        "{page}"
    );

    for token in [None, Some("0".repeat(64))] {
        let mut form = vec![
            ("code", "ABCD-1234".to_owned()),
            ("screen", "mairie-fruges".to_owned()),
        ];
        if let Some(t) = &token {
            form.push(("csrf_token", t.clone()));
        }
        let r = client
            .post(server.at("/ecrans/associer"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "token {token:?}");
        let page = r.text().await.unwrap();
        assert!(page.contains("jeton de sécurité"), "{page}");
        assert!(page.contains("<html lang=\"fr\">"), "a whole page: {page}");
        let r = client
            .post(server.at("/deconnexion"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "token {token:?}");
    }

    // With the token, as a field or as htmx's header, the post goes through to the claim.
    let r = client
        .post(server.at("/ecrans/associer"))
        .form(&[
            ("code", "ABCD-1234"),
            ("screen", "mairie-fruges"),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("<h1>Écrans</h1>"));
    let r = client
        .post(server.at("/ecrans/associer"))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &csrf)
        .form(&[("code", "ABCD-1234"), ("screen", "mairie-fruges")])
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), StatusCode::FORBIDDEN);
    let fragment = r.text().await.unwrap();
    assert!(fragment.contains("class=\"message erreur\""), "{fragment}");
    assert!(!fragment.contains("<html"), "{fragment}");

    // A screen of another commune cannot be chosen by an editor.
    server
        .create_user("agent-fruges", Role::Editor, &[FRUGES])
        .await;
    let (editor, editor_csrf) = web_login(&server, "agent-fruges").await;
    let r = editor
        .post(server.at("/ecrans/associer"))
        .form(&[
            ("code", "ABCD-1234"),
            ("screen", "mairie-hucqueliers"),
            ("csrf_token", &editor_csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("Cet écran n’existe pas"));

    // Another session's token does not log out; the session's own does, and then the pages
    // need a login again.
    let r = client
        .post(server.at("/deconnexion"))
        .form(&[("csrf_token", &editor_csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = client
        .post(server.at("/deconnexion"))
        .form(&[("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/connexion");
    assert!(
        r.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let r = client.get(server.at("/ecrans")).send().await.unwrap();
    assert_eq!(r.headers()[LOCATION], "/connexion");
}

#[tokio::test]
async fn a_login_posted_from_another_site_is_refused() {
    let server = TestServer::start().await;
    server.create_user("agent", Role::Editor, &[FRUGES]).await;
    let r = browser()
        .post(server.at("/connexion"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("username", "agent"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.headers().get(SET_COOKIE).is_none());
}

#[tokio::test]
async fn static_files_come_from_the_binary_with_long_cache_lifetimes() {
    let server = TestServer::start().await;
    let client = browser();
    for (path, mime, start) in [
        (
            "/static/htmx.min.js",
            "text/javascript; charset=utf-8",
            "var htmx",
        ),
        (
            "/static/beffroi.css",
            "text/css; charset=utf-8",
            "/* Beffroi",
        ),
    ] {
        let r = client.get(server.at(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()[CONTENT_TYPE], mime, "{path}");
        let cache = r.headers()[CACHE_CONTROL].to_str().unwrap();
        assert!(cache.contains("max-age=31536000"), "{cache}");
        let etag = r.headers()[ETAG].clone();
        // A weak validator in a list, as proxies send them, matches too.
        let weak = format!("\"other\", W/{}", etag.to_str().unwrap());
        assert!(r.text().await.unwrap().starts_with(start), "{path}");
        let r = client
            .get(server.at(path))
            .header(IF_NONE_MATCH, etag)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{path}");
        let r = client
            .get(server.at(path))
            .header(IF_NONE_MATCH, weak)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{path}");
    }
}

#[tokio::test]
async fn a_code_claimed_in_the_page_pairs_the_player() {
    let server = TestServer::start().await;
    two_screens(&server).await;
    server
        .create_user("agent-fruges", Role::Editor, &[FRUGES])
        .await;
    let (client, csrf) = web_login(&server, "agent-fruges").await;

    let player = server.anonymous();
    let (status, pairing) = player.post("/api/v1/pairing", &json!({})).await;
    assert_eq!(status, 201, "{pairing}");
    let code = pairing["code"].as_str().unwrap().to_owned();
    let secret = pairing["secret"].as_str().unwrap().to_owned();

    // Typed in lower case without the dash, as people do.
    let typed = code.replace('-', "").to_lowercase();
    let claim = |code: String| {
        client
            .post(server.at("/ecrans/associer"))
            .header("HX-Request", "true")
            .header("X-CSRF-Token", &csrf)
            .form(&[("code", code), ("screen", "mairie-fruges".to_owned())])
            .send()
    };
    let r = claim(typed.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["hx-trigger"], "ecrans-modifies");
    let fragment = r.text().await.unwrap();
    assert!(fragment.contains("Code accepté"), "{fragment}");
    assert!(fragment.contains("Mairie de Fruges"), "{fragment}");

    let polled = player
        .client
        .get(server.at(&format!("/api/v1/pairing/{code}")))
        .header("X-Pairing-Secret", &secret)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(polled["status"], "paired", "{polled}");
    assert_eq!(polled["screen_id"], "mairie-fruges", "{polled}");

    let r = claim(typed).await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("Ce code a déjà servi"));
    let r = claim("ZZZ-ZZZ".to_owned()).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Aucun lecteur n’affiche ce code")
    );
}
