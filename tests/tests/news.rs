//! News end to end: an announcement written through the API reaches a live player's news
//! slide with its picture, only for the screen's commune, and leaves the screen at its
//! expiry by the player's own clock, with the server gone.

#[path = "../../content-server/tests/common/mod.rs"]
mod common;
mod live;

use std::time::{Duration, Instant};

use common::HUCQUELIERS;
use live::*;
use serde_json::json;

/// An instant `secs` from now, RFC 3339 to the second.
fn in_secs(secs: i64) -> String {
    let t = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(secs);
    jiff::Timestamp::from_second(t.as_second())
        .unwrap()
        .to_string()
}

/// Waits until the frame's centre is no longer `colour`; returns what it is then.
async fn wait_centre_leaves(player: &Player, colour: [u8; 3], what: &str) -> [u8; 3] {
    let start = Instant::now();
    loop {
        if let Some(c) = player.centre().filter(|c| !close(*c, colour)) {
            return c;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "{what}: the centre stays {colour:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announcement_reaches_the_news_slide_of_its_commune_and_expires_offline() {
    let (mut server, admin) = server_showing_red().await;
    let player = Player::start(&server.url, "poll_interval_s = 3600");
    pair_and_see_red(&admin, &player).await;

    // The screen now plays the news alone: nothing valid yet, so an empty zone.
    let body = json!({ "name": "Couleur", "items": [
        { "id": "actus", "duration_ms": 10_000, "kind": "news", "max": 3 }
    ]});
    let r = admin
        .put("/api/v1/playlists/couleur", &json!({ "body": body }))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    publish(&admin).await;
    let empty = wait_centre_leaves(&player, RED, "news without items").await;
    wait_listening(&admin).await;

    // Hucqueliers' announcement (blue picture) travels in the same data set but is not
    // Fruges' news; Fruges' own (green picture) is: one big card, its picture on the right.
    let blue = upload(&admin, picture(64, 48, |_, _| BLUE)).await;
    let green = upload(&admin, picture(64, 48, |_, _| GREEN)).await;
    let r = admin
        .post(
            "/api/v1/news",
            &json!({ "id": "hucq", "owner": HUCQUELIERS, "image": blue,
                "title": { "fr": "Permanence France services" } }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let r = admin
        .post(
            "/api/v1/news",
            &json!({ "id": "fruges", "owner": common::FRUGES, "image": green,
                "title": { "fr": "Travaux rue du Moulin" },
                "text": { "fr": "Circulation alternée." },
                "valid_until": in_secs(8) }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    player
        .wait_for_pixel(0.78, 0.55, GREEN, "Fruges' announcement with its picture")
        .await;
    assert!(
        !close(player.pixel(0.78, 0.55).unwrap(), BLUE),
        "another commune's news"
    );

    // The server goes; the player takes the announcement off at its expiry by itself.
    server.shutdown().await;
    player
        .wait_for_colour(empty, "the announcement expired, server down")
        .await;
    player.stop();
}
