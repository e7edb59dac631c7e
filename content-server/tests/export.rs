//! `serve --demo` seeding and `export-bundle`: the demo is published for three screens, and
//! the exported bundle is complete, verified, signed by the server key and playable.

use std::process::Command;

use beffroi_protocol::bundle;
use beffroi_protocol::eval::Evaluator;
use beffroi_server::Settings;

#[tokio::test]
async fn the_demo_is_seeded_once_and_exports_as_a_signed_playable_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        data_dir: dir.path().to_owned(),
        ..Settings::default()
    };
    let at: jiff::Timestamp = "2026-12-01T08:00:00Z".parse().unwrap();
    let state = beffroi_server::server::open(settings.clone())
        .await
        .unwrap();
    let seeded = beffroi_server::demo::seed::seed(&state, at)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seeded.screens, 3);
    let (user, password) = seeded.admin.clone().unwrap();
    assert_eq!(user, "admin");
    assert!(password.len() >= 12);
    let manifests: i64 = sqlx::query_scalar("SELECT count(*) FROM manifests")
        .fetch_one(&state.db)
        .await
        .unwrap();
    assert_eq!(manifests, 3);
    // The agenda: the demo's events as the officer's (the markets with their poster), the
    // association's calendar and the tourist office's OpenAgenda export, imported cleanly.
    {
        use beffroi_server::events::store;
        let mut conn = state.db.acquire().await.unwrap();
        let events = store::events(&mut conn).await.unwrap();
        let officer: Vec<_> = events.iter().filter(|e| e.source.is_none()).collect();
        assert!(officer.len() >= 10, "{}", officer.len());
        assert!(
            officer.iter().any(|e| e.image.is_some()),
            "the markets have a poster"
        );
        let fr = beffroi_protocol::text::Lang::fr();
        let by_key = |k: &str| {
            events
                .iter()
                .find(|e| e.source_key.as_deref() == Some(k))
                .unwrap_or_else(|| panic!("no event {k}"))
        };
        let club = by_key("club-tricot@associations-hucqueliers.example");
        assert_eq!(club.record.title.get(&fr), Some("Club tricot et crochet"));
        assert_eq!(
            club.commune
                .as_ref()
                .map(beffroi_protocol::ids::Insee::as_str),
            Some("62463")
        );
        assert_eq!(
            by_key("71220301")
                .commune
                .as_ref()
                .map(beffroi_protocol::ids::Insee::as_str),
            Some("62293")
        );
        assert!(
            by_key("71220303").commune.is_none(),
            "Montreuil is outside the territory"
        );
        for source in ["associations-hucqueliers", "office-de-tourisme-agenda"] {
            let reports = store::imports(&mut conn, source, 5).await.unwrap();
            assert_eq!(reports.len(), 1, "{source}");
            assert_eq!(reports[0].failed, 0, "{source}: {:?}", reports[0]);
            assert!(reports[0].error.is_none(), "{source}: {:?}", reports[0]);
        }
    }
    // A second start seeds nothing.
    assert!(
        beffroi_server::demo::seed::seed(&state, at)
            .await
            .unwrap()
            .is_none()
    );
    let public = state.key.verifying_key();
    state.db.close().await;
    drop(state);

    let out = dir.path().join("usb");
    let run = Command::new(env!("CARGO_BIN_EXE_beffroi-server"))
        .args([
            "export-bundle",
            "--screen",
            "Mairie de Hucqueliers — accueil",
            "--out",
        ])
        .arg(&out)
        .env("BEFFROI_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let b = bundle::read(&out).unwrap();
    bundle::verify_blobs(&b).unwrap();
    assert_eq!(b.manifest.screen.id, "mairie-hucqueliers");
    assert_eq!(b.manifest.screen.commune.as_str(), "62463");
    assert!(!b.manifest.assets.is_empty());
    assert!(b.manifest.schedule.len() >= 3, "{:?}", b.manifest.schedule);
    let bytes = std::fs::read(out.join("manifest.json")).unwrap();
    let line = std::fs::read_to_string(out.join("signature")).unwrap();
    beffroi_server::export::verify(&public, &bytes, &line).unwrap();
    // A changed byte breaks the signature.
    let mut tampered = bytes.clone();
    tampered[10] ^= 1;
    assert!(beffroi_server::export::verify(&public, &tampered, &line).is_err());
    // The player's evaluator runs it: something shows in the main zone at 10:00.
    let eval = Evaluator::new(&b.manifest, &b.data);
    let program = eval.program_at("2026-12-01T09:00:00Z".parse().unwrap());
    let main = program.zones.iter().find(|z| z.zone == "main").unwrap();
    assert!(main.showing.is_some(), "{program:?}");

    // Unknown screens are named.
    let run = Command::new(env!("CARGO_BIN_EXE_beffroi-server"))
        .args(["export-bundle", "--screen", "Mairie de Paris", "--out"])
        .arg(dir.path().join("x"))
        .env("BEFFROI_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("no screen with the id or name \"Mairie de Paris\""),
        "{err}"
    );
}
