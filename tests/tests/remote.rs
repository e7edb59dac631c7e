//! What the officer does to a live player from the server, and what it reports back:
//! identify, thumbnail and restart actions, proof of play, and a configuration edited on
//! the player (applied when valid, refused and reported when not).

#[path = "../../content-server/tests/common/mod.rs"]
mod common;
mod live;

use std::time::{Duration, Instant};

use live::*;
use serde_json::{Value, json};

/// The band the player draws while identifying itself.
const ACCENT: [u8; 3] = [0xe0, 0xa1, 0x1b];

async fn action(admin: &common::Api, name: &str) {
    let r = admin
        .post(
            &format!("/api/v1/screens/{SCREEN}/actions"),
            &json!({ "action": name }),
        )
        .await;
    assert!(r.0 == 200 || r.0 == 202, "{}", r.1);
    assert!(r.1["delivered"].as_u64().unwrap_or(0) >= 1, "{}", r.1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identify_thumbnail_and_restart_reach_the_player() {
    let (server, admin) = server_showing_red().await;
    let player = Player::start(&server.url, "poll_interval_s = 3600\npush = true");
    pair_and_see_red(&admin, &player).await;
    // Actions travel by push: wait until the player listens.
    wait_listening(&admin).await;
    action(&admin, "identify").await;
    player
        .wait_for_pixel(0.05, 0.5, ACCENT, "identify draws the name band")
        .await;
    action(&admin, "thumbnail").await;
    let start = Instant::now();
    let thumbnail = loop {
        let r = admin
            .request(
                reqwest::Method::GET,
                &format!("/api/v1/screens/{SCREEN}/thumbnail"),
            )
            .send()
            .await
            .unwrap();
        if r.status() == 200 {
            break r.bytes().await.unwrap();
        }
        assert!(start.elapsed() < DEADLINE, "no thumbnail: {}", r.status());
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let image = image::load_from_memory(&thumbnail).unwrap().to_rgb8();
    assert_eq!(image.width(), 320, "the frame's width, never upscaled");
    let corner = image.get_pixel(4, image.height() - 4).0;
    assert!(
        corner.iter().zip(RED).all(|(a, b)| a.abs_diff(b) <= 16),
        "the thumbnail shows the red slide: {corner:?}"
    );
    // Logs come with the next heartbeat.
    action(&admin, "logs").await;
    wait_for_report(&admin, "is current").await;
    action(&admin, "restart").await;
    let start = Instant::now();
    while !player.has_exited() {
        assert!(start.elapsed() < DEADLINE, "restart did not end the player");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    player.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_item_shown_is_counted_on_the_server() {
    let (server, admin) = server_showing_red().await;
    let red = upload(&admin, picture(64, 36, |_, _| RED)).await;
    let green = upload(&admin, picture(64, 36, |_, _| GREEN)).await;
    let body = json!({ "name": "Deux", "items": [
        { "id": "rouge", "duration_ms": 2000, "kind": "image", "asset": red, "fit": "cover" },
        { "id": "vert", "duration_ms": 2000, "kind": "image", "asset": green, "fit": "cover" },
    ]});
    let r = admin
        .put("/api/v1/playlists/couleur", &json!({ "body": body }))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    publish(&admin).await;
    let player = Player::start(&server.url, "poll_interval_s = 1");
    claim(&admin, &player).await;
    let start = Instant::now();
    loop {
        let plays: Value = admin.get(&format!("/api/v1/plays?screen={SCREEN}")).await.1;
        let count = |item: &str| {
            plays
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["item"] == item)
                .map(|p| p["plays"].as_i64().unwrap_or(0))
                .sum::<i64>()
        };
        if count("rouge") >= 1 && count("vert") >= 1 {
            break;
        }
        assert!(start.elapsed() < DEADLINE, "plays not counted: {plays}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    player.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_configuration_edit_applies_and_a_broken_one_is_refused() {
    let (server, admin) = server_showing_red().await;
    // Red on the left, blue on the right: turning the screen swaps them.
    playlist_of(
        &admin,
        "couleur",
        picture(64, 36, |x, _| if x < 32 { RED } else { BLUE }),
    )
    .await;
    publish(&admin).await;
    let player = Player::start(&server.url, "poll_interval_s = 1");
    claim(&admin, &player).await;
    player.wait_for_pixel(0.25, 0.5, RED, "as published").await;
    player.rewrite_config(&config_text(
        &server.url,
        "poll_interval_s = 1\nrotation = 180",
    ));
    player
        .wait_for_pixel(0.25, 0.5, BLUE, "turned by the new configuration")
        .await;
    player.rewrite_config("server = [ this is not TOML");
    wait_for_report(&admin, "refused").await;
    assert!(
        player.pixel(0.25, 0.5).is_some_and(|c| close(c, BLUE)),
        "the previous configuration stays"
    );
    player.rewrite_config(&config_text(
        &server.url,
        "poll_interval_s = 1\nrotation = 0",
    ));
    player
        .wait_for_pixel(0.25, 0.5, RED, "a valid edit after a broken one")
        .await;
    player.stop();
}

/// Copies the bundle folder `from` to `to` (files only, one level of `blobs/sha256`).
fn copy_bundle(from: &std::path::Path, to: &std::path::Path, with_signature: bool) {
    let blobs = to.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    for entry in std::fs::read_dir(from.join("blobs/sha256")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), blobs.join(entry.file_name())).unwrap();
    }
    std::fs::copy(from.join("manifest.json"), to.join("manifest.json")).unwrap();
    if with_signature {
        std::fs::copy(from.join("signature"), to.join("signature")).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_bundle_in_the_drop_folder_plays_over_the_server_and_unsigned_is_refused() {
    let (server, admin) = server_showing_red().await;
    let player = Player::start(&server.url, "poll_interval_s = 1\ndrop_folder = \"stick\"");
    pair_and_see_red(&admin, &player).await;
    // A signed export of the screen showing green, then blue published on the server.
    playlist_of(&admin, "couleur", picture(64, 36, |_, _| GREEN)).await;
    publish(&admin).await;
    let staging = tempfile::tempdir().unwrap();
    {
        let dir = &server.data_dir;
        let db = beffroi_server::db::open(dir).await.unwrap();
        let blobs = beffroi_server::blobs::Blobs::open(&dir.join("blobs")).unwrap();
        let key = beffroi_server::keys::load_or_create(dir).unwrap();
        beffroi_server::export::export(&db, &blobs, &key, SCREEN, staging.path())
            .await
            .unwrap();
        db.close().await;
    }
    playlist_of(&admin, "couleur", picture(64, 36, |_, _| BLUE)).await;
    publish(&admin).await;
    player.wait_for_colour(BLUE, "the server's content").await;
    let stick = player.data().parent().unwrap().join("stick");
    // Unsigned: refused, visibly, and the server's content stays.
    let copy = player.data().parent().unwrap().join("copie");
    copy_bundle(staging.path(), &copy, false);
    std::fs::create_dir_all(&stick).unwrap();
    std::fs::rename(&copy, stick.join("fruges")).unwrap();
    wait_for_report(&admin, "signature").await;
    assert!(player.centre().is_some_and(|c| close(c, BLUE)));
    std::fs::remove_dir_all(&stick).unwrap();
    // Signed by the server the player paired with: it plays over the server's content.
    copy_bundle(staging.path(), &copy, true);
    std::fs::create_dir_all(&stick).unwrap();
    std::fs::rename(&copy, stick.join("fruges")).unwrap();
    player
        .wait_for_colour(GREEN, "the signed drop-folder bundle")
        .await;
    // The stick pulled out: back to the server's content.
    std::fs::remove_dir_all(&stick).unwrap();
    player
        .wait_for_colour(BLUE, "the server's content again")
        .await;
    player.stop();
}
