//! Render on demand, with a simulated clock and no GPU: frames are drawn only when the scene
//! changes, the player sleeps until the next deadline, animations are capped.

use beffroi_player::pacing::{Decision, Pacer, Reason};
use beffroi_player::playback;
use beffroi_protocol::eval::Evaluator;
use beffroi_protocol::layout::Layout;
use beffroi_protocol::manifest::Manifest;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

fn manifest(items: Value) -> Manifest {
    let layout = Layout::from_toml(include_str!("../../layouts/fullscreen.toml")).unwrap();
    let mut m: Manifest = serde_json::from_value(json!({
        "schema_version": 1,
        "generated_at": "2026-11-29T08:00:00Z",
        "screen": { "id": "s", "name": "Mairie de Preures", "commune": "62670" },
        "layout": "fullscreen",
        "layouts": [layout],
        "playlists": [{ "id": "p", "items": items }],
        "default_playlists": { "main": "p" }
    }))
    .unwrap();
    m.seal().unwrap();
    m
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// Runs the wake-up loop from `from` for `seconds` of simulated time, as the window loop
/// does; returns the decisions.
fn simulate(m: &Manifest, from: &str, seconds: i64) -> Vec<(Timestamp, Decision)> {
    let data = Default::default();
    let ev = Evaluator::new(m, &data);
    let mut pacer = Pacer::new(30);
    let end = ts(from) + SignedDuration::from_secs(seconds);
    let mut now = ts(from);
    let mut out = Vec::new();
    while now < end {
        let state = ev.state_at(now);
        let scene = playback::build(&playback::Input {
            manifest: m,
            data: &data,
            state: &state,
            width: 480,
            height: 270,
        });
        let d = pacer.decide(&ev, &state, scene, now);
        assert!(d.wake_at > now, "the loop always moves forward");
        now = d.wake_at;
        out.push((now, d));
    }
    out
}

fn frames(decisions: &[(Timestamp, Decision)]) -> usize {
    decisions.iter().filter(|(_, d)| d.redraw).count()
}

#[test]
fn a_static_slide_draws_one_frame_and_wakes_once_a_minute() {
    let m = manifest(
        json!([{ "id": "t", "duration_ms": 20000, "kind": "text", "title": { "fr": "Mairie fermée le 24 décembre" } }]),
    );
    let d = simulate(&m, "2026-12-01T09:00:00Z", 600);
    assert_eq!(frames(&d), 1);
    assert!(d.len() <= 11, "{} wake-ups in 10 minutes", d.len());
    assert!(d.iter().all(|(_, x)| x.reason == Reason::Minute));
}

#[test]
fn a_clock_draws_once_a_minute_exactly_at_the_minute() {
    let m =
        manifest(json!([{ "id": "h", "duration_ms": 60000, "kind": "clock", "format": "time" }]));
    let d = simulate(&m, "2026-12-01T09:00:20Z", 300);
    assert_eq!(frames(&d), 6, "the first frame, then one per minute");
    // Every wake-up after the first lands on a whole minute.
    assert!(
        d.iter()
            .all(|(t, _)| t.as_second() % 60 == 0 && t.subsec_nanosecond() == 0)
    );
}

#[test]
fn transitions_animate_at_the_cap_then_stop() {
    let m = manifest(json!([
        { "id": "a", "duration_ms": 10000, "kind": "text", "title": { "fr": "Marché de Noël" } },
        { "id": "b", "duration_ms": 10000, "kind": "text", "title": { "fr": "Collecte des sapins" },
          "transition": { "kind": "fade", "duration_ms": 1000 } }
    ]));
    // From 09:00:05 Paris (+1 h), for 10 s: "a" until 09:00:10... the cycle is 20 s from
    // midnight, so "b" enters at 10:00:10 local, fading for one second.
    let d = simulate(&m, "2026-12-01T09:00:05Z", 10);
    let animated: Vec<_> = d
        .iter()
        .filter(|(_, x)| x.reason == Reason::Animation)
        .collect();
    // One second of fade at 30 fps: about 30 animation wake-ups, all inside the fade.
    assert!((28..=32).contains(&animated.len()), "{}", animated.len());
    let fade_start = ts("2026-12-01T09:00:10Z");
    assert!(
        animated
            .iter()
            .all(|(t, _)| *t > fade_start && *t <= fade_start + SignedDuration::from_millis(1100))
    );
    // The first wake-up lands exactly on the change.
    assert!(d.iter().any(|(t, _)| *t == fade_start));
    // Frames: the first, then one per animation step whose picture differs (the eased curve
    // flattens at the end, so a few steps repeat the previous picture and draw nothing).
    assert!((25..=33).contains(&frames(&d)), "{}", frames(&d));
}

#[test]
fn a_ticker_animates_continuously_at_the_cap() {
    let m = manifest(
        json!([{ "id": "t", "duration_ms": 60000, "kind": "ticker", "source": "text",
        "text": { "fr": "Sortez le bac jaune ce soir • Marché de Noël samedi" } }]),
    );
    let d = simulate(&m, "2026-12-01T09:00:05Z", 2);
    assert!(
        (58..=62).contains(&frames(&d)),
        "{} frames in 2 s",
        frames(&d)
    );
}
