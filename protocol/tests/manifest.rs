//! The manifest: round trips, canonical versioning, and validation messages that name the field.

mod common;

use beffroi_protocol::manifest::{Manifest, Rotation};
use beffroi_protocol::playlist::Content;
use beffroi_protocol::validate::{Problems, Validate};
use common::*;
use serde_json::{Value, json};

fn problems_of(m: &Manifest) -> Problems {
    m.check().expect_err("the manifest should be refused")
}

/// Applies `edit` to the fixture's JSON and returns the problems of the result.
fn refused(edit: impl FnOnce(&mut Value)) -> Problems {
    let mut v = fixture_json();
    edit(&mut v);
    let m: Manifest = serde_json::from_value(v).expect("still parses");
    problems_of(&m)
}

#[test]
fn fixture_is_valid_and_round_trips() {
    let mut m = fixture();
    m.check().unwrap();
    m.seal().unwrap();
    let json = serde_json::to_string_pretty(&m).unwrap();
    let back: Manifest = serde_json::from_str(&json).unwrap();
    assert_eq!(back, m);
    back.check_sealed().unwrap();
    // Every item kind of the model is in the fixture.
    let kinds: std::collections::BTreeSet<&str> = m
        .playlists
        .iter()
        .flat_map(|p| &p.items)
        .map(|i| i.content.kind())
        .collect();
    for k in [
        "image", "text", "events", "waste", "news", "ticker", "clock", "qr", "video",
    ] {
        assert!(kinds.contains(k), "fixture lacks a {k} item");
    }
}

#[test]
fn version_ignores_key_order_and_the_version_field() {
    let mut a = fixture();
    a.seal().unwrap();
    // The same document written with every object's keys in reverse order and spaced out.
    fn reversed(v: &Value) -> String {
        match v {
            Value::Object(m) => {
                let fields: Vec<String> = m
                    .iter()
                    .rev()
                    .map(|(k, v)| format!("{} : {}", Value::from(k.as_str()), reversed(v)))
                    .collect();
                format!("{{ {} }}", fields.join(" ,\n "))
            }
            Value::Array(a) => format!(
                "[ {} ]",
                a.iter().map(reversed).collect::<Vec<_>>().join(", ")
            ),
            other => other.to_string(),
        }
    }
    let text = reversed(&fixture_json());
    assert!(
        text.starts_with("{ \"screen\" : { \"time_zone\""),
        "{}",
        &text[..40]
    );
    let mut b: Manifest = serde_json::from_str(&text).unwrap();
    b.version = "anything".into();
    assert_eq!(b.compute_version().unwrap().as_str(), a.version);
    assert_eq!(
        b.to_canonical_json()
            .unwrap()
            .replace("\"version\":\"anything\"", ""),
        {
            let mut a2 = a.clone();
            a2.version = String::new();
            a2.to_canonical_json()
                .unwrap()
                .replace("\"version\":\"\"", "")
        }
    );
    // Any content change changes the version.
    b.screen.name.push('!');
    assert_ne!(b.compute_version().unwrap().as_str(), a.version);
}

#[test]
fn version_is_the_sha256_of_the_canonical_json_without_version() {
    let mut m = fixture();
    m.seal().unwrap();
    let mut v = serde_json::to_value(&m).unwrap();
    v.as_object_mut().unwrap().remove("version");
    let text = beffroi_protocol::canonical::to_string(&v).unwrap();
    assert!(
        !text.contains(' ') || text.contains("Mairie de Fruges"),
        "no insignificant whitespace"
    );
    assert_eq!(
        beffroi_protocol::ids::Sha256::of(text.as_bytes()).as_str(),
        m.version
    );
    let stale = {
        let mut s = m.clone();
        s.screen.rotation = Rotation::R90;
        s
    };
    assert!(
        stale
            .check_sealed()
            .unwrap_err()
            .has("version", "does not match the content")
    );
}

#[test]
fn unknown_fields_and_item_kinds_are_tolerated() {
    let mut v = fixture_json();
    v["future_field"] = json!({"x": 1});
    v["screen"]["brightness_schedule"] = json!([]);
    v["playlists"][0]["items"][1]["kind"] = json!("hologram");
    let m: Manifest = serde_json::from_value(v).unwrap();
    m.check().unwrap();
    assert_eq!(m.playlists[0].items[1].content, Content::Unknown);
}

#[test]
fn refuses_unknown_zone_naming_the_entry() {
    let p = refused(|v| v["schedule"][0]["zone"] = json!("banner"));
    assert!(
        p.has(
            "schedule[nuit].zone",
            "zone \"banner\" is not in layout \"town-hall\""
        ),
        "{p}"
    );
}

#[test]
fn refuses_duplicate_ids() {
    let p = refused(|v| v["playlists"][1]["id"] = json!("journee"));
    assert!(
        p.has("playlists[journee].id", "duplicate id \"journee\""),
        "{p}"
    );
    let p = refused(|v| v["playlists"][0]["items"][1]["id"] = json!("affiche-marche"));
    assert!(
        p.has(
            "playlists[journee].items[affiche-marche].id",
            "duplicate id"
        ),
        "{p}"
    );
}

#[test]
fn refuses_empty_playlist_and_zero_duration() {
    let p = refused(|v| v["playlists"][3]["items"] = json!([]));
    assert!(
        p.has("playlists[horloge].items", "the playlist is empty"),
        "{p}"
    );
    let p = refused(|v| v["playlists"][0]["items"][1]["duration_ms"] = json!(0));
    assert!(
        p.has(
            "playlists[journee].items[bienvenue].duration_ms",
            "greater than zero"
        ),
        "{p}"
    );
}

#[test]
fn refuses_bad_time_zone_at_parse_time_naming_it() {
    let mut v = fixture_json();
    v["screen"]["time_zone"] = json!("Europe/Frugès");
    let err = serde_json::from_value::<Manifest>(v)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"Europe/Frugès\" is not a time zone"),
        "{err}"
    );
}

#[test]
fn refuses_empty_window_naming_its_end() {
    let p = refused(|v| v["schedule"][1]["window"]["end"] = json!("07:00"));
    assert!(
        p.has(
            "schedule[samedi-marche].window.end",
            "equals the start (07:00)"
        ),
        "{p}"
    );
    let p = refused(|v| v["power"]["on"][0]["end"] = json!("06:30"));
    assert!(p.has("power.on[0].end", "must not be empty"), "{p}");
}

#[test]
fn refuses_unknown_asset_playlist_and_layout() {
    let p = refused(|v| {
        v["assets"].as_array_mut().unwrap().remove(1);
    });
    assert!(
        p.has(
            "playlists[journee].items[affiche-marche]",
            "unknown asset 2222"
        ),
        "{p}"
    );
    let p = refused(|v| v["default_playlists"]["main"] = json!("soiree"));
    assert!(
        p.has("default_playlists[main]", "unknown playlist \"soiree\""),
        "{p}"
    );
    let p = refused(|v| v["layout"] = json!("fullscreen"));
    assert!(
        p.has(
            "layout",
            "\"fullscreen\" is not among the manifest's layouts"
        ),
        "{p}"
    );
    let p = refused(|v| v["screen"]["theme"]["logo"] = json!("5".repeat(64)));
    assert!(p.has("screen.theme.logo", "unknown asset 5555"), "{p}");
}

#[test]
fn refuses_bad_transition_and_alert_times() {
    let p = refused(|v| v["playlists"][0]["items"][0]["transition"]["duration_ms"] = json!(20_000));
    assert!(
        p.has(
            "playlists[journee].items[affiche-marche].transition.duration_ms",
            "longer than the item"
        ),
        "{p}"
    );
    let p = refused(|v| v["alerts"][0]["expires_at"] = json!("2026-12-01T00:00:00Z"));
    assert!(
        p.has("alerts[crue-2026-12].expires_at", "is not after starts_at"),
        "{p}"
    );
}

#[test]
fn refuses_newer_schema_and_bad_rotation() {
    let p = refused(|v| v["schema_version"] = json!(2));
    assert!(p.has("schema_version", "2 is not supported"), "{p}");
    let mut v = fixture_json();
    v["screen"]["rotation"] = json!(45);
    let err = serde_json::from_value::<Manifest>(v)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("rotation 45 is not one of 0, 90, 180, 270"),
        "{err}"
    );
}

#[test]
fn refuses_floats_in_canonical_form() {
    let mut v = fixture_json();
    v["extra"] = json!({"ratio": 1.5});
    let err = beffroi_protocol::canonical::to_string(&v)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("$.extra.ratio") && err.contains("floating-point"),
        "{err}"
    );
}
