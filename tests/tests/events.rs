//! The agenda end to end: an event written through the API reaches a live player's agenda
//! slide with its photo, only for the screen's commune, and stays on screen with the server
//! gone.

#[path = "../../content-server/tests/common/mod.rs"]
mod common;
mod live;

use common::{FRUGES, HUCQUELIERS};
use live::*;
use serde_json::json;

/// An event tomorrow from `hour` for two hours in `commune`, with a photo.
fn event(id: &str, commune: &str, photo: &str, title: &str, hour: u8) -> serde_json::Value {
    let tomorrow = jiff::Timestamp::now()
        .to_zoned_datetime(beffroi_protocol::time::Zone::paris().tz())
        .date()
        .tomorrow()
        .unwrap();
    json!({ "id": id, "owner": commune, "image": photo, "title": { "fr": title },
        "dates": [{ "start": format!("{tomorrow}T{hour}:00"), "end": format!("{tomorrow}T{}:00", hour + 2) }],
        "place": "Salle des fêtes", "category": "concert" })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_reaches_the_agenda_of_its_commune_and_stays_offline() {
    let (mut server, admin) = server_showing_red().await;
    let player = paired_player(&server, &admin).await;
    // The screen (Fruges) now plays its agenda alone: nothing planned yet.
    let agenda =
        json!({ "id": "agenda", "duration_ms": 10_000, "kind": "events", "days": 7, "max": 4 });
    play_only(&admin, &player, agenda).await;

    // Hucqueliers' event (blue photo, earlier in the evening: it would be the first row)
    // travels in the same data set but is not on Fruges' agenda; Fruges' own (green photo)
    // is, first row, its photo at the right end.
    let blue = upload(&admin, picture(90, 60, |_, _| BLUE)).await;
    let green = upload(&admin, picture(90, 60, |_, _| GREEN)).await;
    let r = admin
        .post(
            "/api/v1/events",
            &event("loto", HUCQUELIERS, &blue, "Loto", 18),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let r = admin
        .post(
            "/api/v1/events",
            &event("concert", FRUGES, &green, "Concert de l'harmonie", 20),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    wait_to_show(&player, GREEN, "Fruges' event with its photo").await;
    assert!(
        !shows(&player, BLUE),
        "Hucqueliers' event is not on Fruges' agenda"
    );

    // The server goes: the agenda stays.
    server.shutdown().await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert!(shows(&player, GREEN), "the agenda without the server");
    player.stop();
}
