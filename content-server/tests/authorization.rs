//! The authorization matrix: editors use shared objects but neither read nor change another
//! commune's; viewers change nothing; publishing is for approvers and admins unless editors
//! may self-publish; session requests need their CSRF token.

mod common;

use beffroi_server::users::Role;
use common::{FRUGES, HUCQUELIERS, TestServer};
use serde_json::{Value, json};

fn playlist(title: &str) -> Value {
    json!({ "name": title, "items": [
        { "id": "a", "duration_ms": 5000, "kind": "text", "title": { "fr": title } }
    ]})
}

fn screen(name: &str, commune: &str, playlist: &str) -> Value {
    json!({ "name": name, "commune": commune, "layout": "fullscreen",
            "default_playlists": { "main": playlist } })
}

#[tokio::test]
async fn editors_stay_in_their_communes_and_use_shared_objects() {
    let server = TestServer::start().await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    let fruges = server.user("ed-fruges", Role::Editor, &[FRUGES]).await;
    let hucq = server.user("ed-hucq", Role::Editor, &[HUCQUELIERS]).await;
    let viewer = server.user("lecteur", Role::Viewer, &[]).await;

    // Shared objects made by the admin.
    assert_eq!(
        admin
            .post(
                "/api/v1/playlists",
                &json!({ "id": "commun", "body": playlist("Commun") })
            )
            .await
            .0,
        201
    );
    assert_eq!(
        admin
            .post(
                "/api/v1/groups",
                &json!({ "id": "mairies", "body": { "name": "Mairies" } })
            )
            .await
            .0,
        201
    );
    // Each editor's own objects; the owner defaults to their only commune.
    let r = fruges
        .post(
            "/api/v1/playlists",
            &json!({ "id": "pl-fruges", "body": playlist("Fruges") }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    assert_eq!(r.1["owner"], FRUGES);
    assert_eq!(
        hucq.post(
            "/api/v1/playlists",
            &json!({ "id": "pl-hucq", "body": playlist("Hucq") })
        )
        .await
        .0,
        201
    );
    let mut body = screen("Mairie de Hucqueliers", HUCQUELIERS, "pl-hucq");
    body["groups"] = json!(["mairies"]);
    assert_eq!(
        hucq.post(
            "/api/v1/screens",
            &json!({ "id": "ecran-hucq", "body": body })
        )
        .await
        .0,
        201
    );

    // Using a shared playlist and a shared group: allowed.
    let mut body = screen("Mairie de Fruges", FRUGES, "commun");
    body["groups"] = json!(["mairies"]);
    let r = fruges
        .post(
            "/api/v1/screens",
            &json!({ "id": "ecran-fruges", "body": body }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);

    // Reading or changing the other commune's objects: refused.
    for path in ["/api/v1/screens/ecran-hucq", "/api/v1/playlists/pl-hucq"] {
        let r = fruges.get(path).await;
        assert_eq!(r.0, 403, "GET {path}: {}", r.1);
        assert!(
            r.1["error"].as_str().unwrap().contains(HUCQUELIERS),
            "{}",
            r.1
        );
        let r = fruges
            .put(path, &json!({ "body": playlist("pirate") }))
            .await;
        assert_eq!(r.0, 403, "PUT {path}: {}", r.1);
        assert_eq!(fruges.delete(path).await.0, 403, "DELETE {path}");
    }
    let listed = fruges.get("/api/v1/playlists").await.1.to_string();
    assert!(listed.contains("pl-fruges") && listed.contains("commun"));
    assert!(!listed.contains("pl-hucq"), "{listed}");
    let listed = fruges.get("/api/v1/screens").await.1.to_string();
    assert!(!listed.contains("ecran-hucq"), "{listed}");

    // Using the other commune's playlist, creating objects for it or shared ones: refused.
    let r = fruges
        .put(
            "/api/v1/screens/ecran-fruges",
            &json!({ "body": screen("Mairie de Fruges", FRUGES, "pl-hucq") }),
        )
        .await;
    assert_eq!(r.0, 422, "{}", r.1);
    assert!(
        r.1["error"]
            .as_str()
            .unwrap()
            .contains("belongs to commune"),
        "{}",
        r.1
    );
    let r = fruges
        .post(
            "/api/v1/playlists",
            &json!({ "id": "x", "owner": HUCQUELIERS, "body": playlist("x") }),
        )
        .await;
    assert_eq!(r.0, 403, "{}", r.1);
    let r = fruges
        .post(
            "/api/v1/playlists",
            &json!({ "id": "x", "owner": "shared", "body": playlist("x") }),
        )
        .await;
    assert_eq!(r.0, 403, "{}", r.1);
    assert_eq!(
        admin
            .put(
                "/api/v1/playlists/commun",
                &json!({ "body": playlist("Commun 2") })
            )
            .await
            .0,
        200
    );
    assert_eq!(
        fruges
            .put(
                "/api/v1/playlists/commun",
                &json!({ "body": playlist("x") })
            )
            .await
            .0,
        403
    );
    // A schedule entry of Fruges cannot target Hucqueliers' screen.
    let entry = json!({ "playlist": "pl-fruges", "window": { "start": "08:00", "end": "12:00" },
                        "targets": { "screens": ["ecran-hucq"] } });
    let r = fruges
        .post("/api/v1/schedule", &json!({ "id": "matin", "body": entry }))
        .await;
    assert_eq!(r.0, 422, "{}", r.1);
    // Media for another commune.
    let png = std::fs::read(common::samples().join("media/png/basn6a08.png")).unwrap();
    let r = fruges
        .post_bytes(
            &format!("/api/v1/media?owner={HUCQUELIERS}"),
            "image/png",
            png.clone(),
        )
        .await;
    assert_eq!(r.0, 403, "{}", r.1);
    let r = hucq
        .post_bytes("/api/v1/media?name=h.png", "image/png", png.clone())
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let hucq_media = r.1["id"].as_i64().unwrap();
    assert_eq!(
        fruges.get(&format!("/api/v1/media/{hucq_media}")).await.0,
        403
    );
    assert_eq!(
        fruges
            .delete(&format!("/api/v1/media/{hucq_media}"))
            .await
            .0,
        403
    );

    // Viewers read but change nothing.
    assert_eq!(viewer.get("/api/v1/screens").await.0, 200);
    assert_eq!(
        viewer
            .post(
                "/api/v1/playlists",
                &json!({ "id": "v", "owner": FRUGES, "body": playlist("v") })
            )
            .await
            .0,
        403
    );
    assert_eq!(viewer.post("/api/v1/publish", &json!({})).await.0, 403);
    assert_eq!(
        viewer.post_bytes("/api/v1/media", "image/png", png).await.0,
        403
    );

    // Editors cannot publish by default; users are the admin's.
    let r = fruges.post("/api/v1/publish", &json!({})).await;
    assert_eq!(r.0, 403, "{}", r.1);
    assert!(
        r.1["error"]
            .as_str()
            .unwrap()
            .contains("editors_self_publish"),
        "{}",
        r.1
    );
    assert_eq!(fruges.get("/api/v1/users").await.0, 403);
    assert_eq!(
        fruges
            .post(
                "/api/v1/users",
                &json!({ "username": "x", "password": "123456789012", "role": "admin" })
            )
            .await
            .0,
        403
    );
    // An approver publishes everything pending.
    let approver = server.user("approbateur", Role::Approver, &[]).await;
    let r = approver.post("/api/v1/publish", &json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["screens"].as_object().unwrap().len(), 2, "{}", r.1);
}

#[tokio::test]
async fn self_publishing_editors_publish_only_their_communes() {
    let server = TestServer::start_with(|s| s.editors_self_publish = true).await;
    let fruges = server.user("ed-fruges", Role::Editor, &[FRUGES]).await;
    let hucq = server.user("ed-hucq", Role::Editor, &[HUCQUELIERS]).await;
    for (api, id, commune) in [(&fruges, "f", FRUGES), (&hucq, "h", HUCQUELIERS)] {
        assert_eq!(
            api.post(
                "/api/v1/playlists",
                &json!({ "id": id, "body": playlist(id) })
            )
            .await
            .0,
            201
        );
        let r = api
            .post(
                "/api/v1/screens",
                &json!({ "id": format!("ecran-{id}"), "body": screen(id, commune, id) }),
            )
            .await;
        assert_eq!(r.0, 201, "{}", r.1);
    }
    let r = fruges
        .post("/api/v1/publish", &json!({ "objects": ["playlist/h"] }))
        .await;
    assert_eq!(r.0, 403, "{}", r.1);
    let r = fruges.post("/api/v1/publish", &json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
    let objects: Vec<&str> = r.1["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    assert_eq!(objects, ["playlist/f", "screen/ecran-f"]);
    let h = hucq.get("/api/v1/playlists/h").await;
    assert_eq!(h.1["pending"], true, "Hucqueliers' draft is untouched");
}

#[tokio::test]
async fn session_requests_need_the_csrf_token_and_logins_are_rate_limited() {
    let server = TestServer::start().await;
    server.create_user("admin", Role::Admin, &[]).await;
    let session = server.login("admin").await;
    let body = json!({ "id": "avec", "body": playlist("avec") });
    // Without the header: refused.
    let r = session
        .client
        .post(server.at("/api/v1/playlists"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let text = r.text().await.unwrap();
    assert!(text.contains("CSRF"), "{text}");
    // With a wrong one: refused; with the session's: accepted.
    let r = session
        .client
        .post(server.at("/api/v1/playlists"))
        .header("X-CSRF-Token", "0".repeat(64))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(session.post("/api/v1/playlists", &body).await.0, 201);
    // GET needs no token.
    assert_eq!(session.get("/api/v1/auth/me").await.1["username"], "admin");

    // Five wrong passwords, then even the right one waits.
    let anon = server.anonymous();
    for _ in 0..5 {
        let r = anon
            .post(
                "/api/v1/auth/login",
                &json!({ "username": "admin", "password": "wrong password!" }),
            )
            .await;
        assert_eq!(r.0, 401, "{}", r.1);
    }
    let r = anon
        .post(
            "/api/v1/auth/login",
            &json!({ "username": "admin", "password": common::PASSWORD }),
        )
        .await;
    assert_eq!(r.0, 429, "{}", r.1);
    assert!(
        r.1["error"].as_str().unwrap().contains("too many"),
        "{}",
        r.1
    );

    // Logout ends the session.
    let r = session
        .request(reqwest::Method::POST, "/api/v1/auth/logout")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(session.get("/api/v1/auth/me").await.0, 401);
}
