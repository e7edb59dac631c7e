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
    let player = Player::start(&server.url, "poll_interval_s = 1\npush = true");
    pair_and_see_red(&admin, &player).await;
    // The player is off while the new version is published and damaged (else it could
    // fetch the blobs before they are damaged).
    let dir = player.stop();
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
    let player = Player::start_in(dir, &server.url, "poll_interval_s = 1\npush = true");
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
    // Fixed on the server. A damaged version is retried only every ten minutes (a 4G link
    // must not fetch it again and again), or at once when the officer asks for a reload.
    for (path, bytes) in originals {
        std::fs::write(path, bytes).unwrap();
    }
    wait_listening(&admin).await;
    let r = admin
        .post(
            &format!("/api/v1/screens/{SCREEN}/actions"),
            &serde_json::json!({ "action": "reload" }),
        )
        .await;
    assert!(r.0 == 200 || r.0 == 202, "{}", r.1);
    player.wait_for_colour(BLUE, "after the fix").await;
    player.stop();
}

/// Every message of an error and its sources.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_player_trusts_only_the_certificate_it_paired_with() {
    use beffroi_player::sync::http::{Http, Trust};
    let dir = tempfile::tempdir().unwrap();
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let server = common::TestServer::start_with(|s| {
        s.tls_cert = Some(cert);
        s.tls_key = Some(key);
    })
    .await;
    let url = format!("https://{}", server.addr);
    let fingerprint = beffroi_protocol::ids::Sha256::of(certified.cert.der()).to_string();
    // Pairing: the certificate shown is accepted and remembered, to compare with the one
    // the pairing answer announces.
    let first = Http::new(&url, &Trust::FirstUse, None).unwrap();
    let r = first.post("/api/v1/pairing").send().await.unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(first.seen_fingerprint(), Some(fingerprint.clone()));
    // Paired: that certificate only.
    let pinned = Http::new(&url, &Trust::Pinned(fingerprint), None).unwrap();
    let r = pinned.get("/healthz").send().await.unwrap();
    assert!(r.status().is_success());
    let other = Http::new(&url, &Trust::Pinned("ab".repeat(32)), None).unwrap();
    let e = other.get("/healthz").send().await.unwrap_err();
    assert!(chain(&e).contains("not the one pinned"), "{}", chain(&e));
    // Behind a TLS proxy (no pin), a certificate no authority vouches for is refused.
    let authorities = Http::new(&url, &Trust::Authorities, None).unwrap();
    assert!(authorities.get("/healthz").send().await.is_err());
}
