//! Every layout file in the repository's `layouts/` folder parses and validates.

mod common;

use beffroi_protocol::layout::Layout;

#[test]
fn every_layout_file_validates_and_is_named_after_its_id() {
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(common::layouts_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let layout =
                Layout::from_toml(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(
                Some(layout.id.as_str()),
                path.file_stem().and_then(|s| s.to_str()),
                "{}",
                path.display()
            );
            ids.push(layout.id);
        }
    }
    ids.sort();
    for required in ["fullscreen", "main-ticker", "portrait-kiosk", "town-hall"] {
        assert!(
            ids.iter().any(|i| i == required),
            "layouts/{required}.toml is missing"
        );
    }
}

#[test]
fn kiosk_layout_is_portrait_and_town_hall_has_four_zones() {
    let kiosk = common::layout("portrait-kiosk");
    assert!(kiosk.is_portrait());
    assert!(kiosk.min_text_px >= 18);
    let hall = common::layout("town-hall");
    let zones: Vec<&str> = hall.zones.iter().map(|z| z.id.as_str()).collect();
    assert_eq!(zones, ["main", "side", "ticker", "clock"]);
    // The zones tile the whole screen without overlapping.
    let area: u32 = hall
        .zones
        .iter()
        .map(|z| z.rect.width * z.rect.height)
        .sum();
    assert_eq!(area, hall.width * hall.height);
}
