//! Waste collection end to end: a rule written through the API reaches a live player's
//! "next collections" slide (the bin's colour on screen), only for the screen's commune, and
//! stays on screen with the server gone.

#[path = "../../content-server/tests/common/mod.rs"]
mod common;
mod live;

use common::{FRUGES, HUCQUELIERS};
use live::*;
use serde_json::json;

/// The yellow bin (`Stream::Packaging.bin_colour()`).
const BIN_YELLOW: [u8; 3] = [0xf2, 0xc5, 0x00];

/// The brown bin (`Stream::Biowaste.bin_colour()`).
const BIN_BROWN: [u8; 3] = [0x8b, 0x5a, 0x2b];

/// A rule collecting `stream` every day (whatever today is, tomorrow is a collection day).
fn every_day(stream: &str) -> serde_json::Value {
    json!({ "stream": stream, "rhythm": { "kind": "weekly",
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] },
        "holidays": { "shift": "keep" } })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_reaches_the_next_collections_of_its_commune_and_stays_offline() {
    let (mut server, admin) = server_showing_red().await;
    let player = paired_player(&server, &admin).await;
    // The screen (Fruges) now plays its next collections alone: no calendar yet.
    let next = json!({ "id": "collectes", "duration_ms": 10_000, "kind": "waste",
        "prompt": "next_collections" });
    play_only(&admin, &player, next).await;

    // Hucqueliers' food waste travels in the same data set but is not Fruges'; Fruges'
    // yellow bin is.
    for (commune, stream) in [(HUCQUELIERS, "biowaste"), (FRUGES, "packaging")] {
        let r = admin
            .post(
                &format!("/api/v1/waste/calendars/{commune}/rules"),
                &every_day(stream),
            )
            .await;
        assert_eq!(r.0, 201, "{}", r.1);
    }
    wait_to_show(&player, BIN_YELLOW, "Fruges' yellow bin").await;
    assert!(
        !shows(&player, BIN_BROWN),
        "Hucqueliers' brown bin is not on Fruges' screen"
    );

    // The server goes: the collections stay.
    server.shutdown().await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert!(
        shows(&player, BIN_YELLOW),
        "the collections without the server"
    );
    player.stop();
}
