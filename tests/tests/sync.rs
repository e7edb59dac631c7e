//! The live player against the real server, end to end and headless: pairing through the
//! code the player shows, content arriving by push alone and by polling alone, a restart
//! with the server down, and a damaged blob on the server refused while the old content
//! stays.

#[path = "../../content-server/tests/common/mod.rs"]
mod common;
mod live;

use std::time::{Duration, Instant};

use live::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairing_then_a_publish_arrives_by_push_alone() {
    let (server, admin) = server_showing_red().await;
    // Polling once an hour: only the event stream can bring the change in time.
    let player = Player::start(&server.url, "poll_interval_s = 3600\npush = true");
    pair_and_see_red(&admin, &player).await;
    assert!(player.data().join("device.json").is_file());
    show_colour(&admin, GREEN, false).await;
    publish(&admin).await;
    player
        .wait_for_colour(GREEN, "after a publish, by push")
        .await;
    player.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_arrives_by_polling_alone_and_plays_on_after_a_restart_without_server() {
    let (mut server, admin) = server_showing_red().await;
    let player = Player::start(&server.url, "poll_interval_s = 1\npush = false");
    pair_and_see_red(&admin, &player).await;
    show_colour(&admin, GREEN, false).await;
    publish(&admin).await;
    player
        .wait_for_colour(GREEN, "after a publish, by polling")
        .await;
    // Server gone, player restarted: the cache plays before any network access.
    server.shutdown().await;
    let dir = player.stop();
    std::fs::remove_file(dir.path().join("data/frame.png")).unwrap();
    let player = Player::start_in(dir, &server.url, "poll_interval_s = 1\npush = false");
    player
        .wait_for_colour(GREEN, "restarted with the server down")
        .await;
    player.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_blob_is_refused_the_old_content_stays_and_recovery_follows_the_fix() {
    let (server, admin) = server_showing_red().await;
    let player = Player::start(&server.url, "poll_interval_s = 1\npush = false");
    pair_and_see_red(&admin, &player).await;
    let before: Value = admin
        .get(&format!("/api/v1/screens/{SCREEN}/manifest"))
        .await
        .1;
    show_colour(&admin, BLUE, false).await;
    publish(&admin).await;
    let after: Value = admin
        .get(&format!("/api/v1/screens/{SCREEN}/manifest"))
        .await
        .1;
    let shas = |m: &Value| -> Vec<String> {
        m["assets"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x["sha256"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let new: Vec<String> = shas(&after)
        .into_iter()
        .filter(|s| !shas(&before).contains(s))
        .collect();
    assert!(!new.is_empty(), "the new manifest names new blobs: {after}");
    // Damage the new blobs on the server's disk (same size, other bytes).
    let mut originals = Vec::new();
    for sha in &new {
        for path in find(&server.data_dir.join("blobs"), sha) {
            let bytes = std::fs::read(&path).unwrap();
            std::fs::write(&path, vec![0x55; bytes.len()]).unwrap();
            originals.push((path, bytes));
        }
    }
    assert!(
        !originals.is_empty(),
        "the blobs are found on the server's disk"
    );
    // The player reports the damage and keeps red.
    let start = Instant::now();
    loop {
        let status = admin
            .get(&format!("/api/v1/screens/{SCREEN}/status"))
            .await
            .1;
        let report = status["report"].to_string();
        if report.contains("corrupt") {
            break;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "no corruption reported: {status}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        player.centre().is_some_and(|c| close(c, RED)),
        "the old content stays"
    );
    // Fixed on the server: the next poll brings blue.
    for (path, bytes) in originals {
        std::fs::write(path, bytes).unwrap();
    }
    player.wait_for_colour(BLUE, "after the fix").await;
    player.stop();
}
