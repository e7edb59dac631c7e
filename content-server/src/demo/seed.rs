//! `serve --demo`: fills an empty database with a realistic demo — the demo pictures as
//! shared media, its playlists and schedule, town-hall screens in three communes of the
//! territory — and publishes it, so that a player paired to one of them plays at once.

use beffroi_protocol::ids::Insee;
use beffroi_protocol::manifest::Manifest;
use jiff::Timestamp;

use crate::api::error::{ApiError, ApiResult};
use crate::api::objects::Intent;
use crate::model::Kind;
use crate::model::body::{Body, PlaylistBody, ScheduleBody, ScreenBody, Targets};
use crate::server::AppState;
use crate::users::{NewUser, Role, User};

/// The screens of the demo: id, name, commune (INSEE).
const SCREENS: [(&str, &str, &str); 3] = [
    ("mairie-fruges", "Mairie de Fruges — hall", "62364"),
    (
        "mairie-hucqueliers",
        "Mairie de Hucqueliers — accueil",
        "62463",
    ),
    (
        "mairie-campagne",
        "Mairie de Campagne-lès-Boulonnais",
        "62202",
    ),
];

/// What the seeding did.
#[derive(Debug)]
pub struct Seeded {
    /// The administrator created, with their password, when the database had no user.
    pub admin: Option<(String, String)>,
    /// Screens created.
    pub screens: usize,
}

/// Seeds the demo unless something was already published. `at` is the instant the demo
/// pictures and texts are made for. A seeding cut short resumes on the next start: objects
/// already there are kept, and the demo is published once complete.
pub async fn seed(state: &AppState, at: Timestamp) -> ApiResult<Option<Seeded>> {
    let publications: i64 = sqlx::query_scalar("SELECT count(*) FROM publications")
        .fetch_one(&state.db)
        .await?;
    if publications > 0 {
        return Ok(None);
    }
    let (user, admin) = demo_admin(state).await?;
    // The password is shown once: a failure after the account was made must still show it.
    let fill = fill(state, &user, at).await;
    if let (Err(e), Some((name, password))) = (&fill, &admin) {
        return Err(ApiError::new(
            e.status,
            format!(
                "{} (the demo administrator was created: {name} / {password})",
                e.message
            ),
        ));
    }
    fill?;
    Ok(Some(Seeded {
        admin,
        screens: SCREENS.len(),
    }))
}

/// Creates the demo objects that are not there yet, then publishes.
async fn fill(state: &AppState, user: &User, at: Timestamp) -> ApiResult<()> {
    let demo = tokio::task::spawn_blocking(move || crate::demo::demo_content(at))
        .await
        .map_err(|e| ApiError::internal("building the demo", e))?
        .map_err(|e| ApiError::internal("building the demo", e))?;
    let m: &Manifest = &demo.manifest;
    for (asset, bytes) in m.assets.iter().zip(&demo.assets) {
        let name = format!("démo {}", &asset.sha256.as_str()[..8]);
        let (_status, _media) =
            crate::api::media::store_media(state, user, None, &name, bytes.clone()).await?;
    }
    for p in &m.playlists {
        let body = Body::Playlist(PlaylistBody {
            name: p.name.clone(),
            items: p.items.clone(),
        });
        create(state, user, Kind::Playlist, &p.id, None, body).await?;
    }
    for (id, name, commune) in SCREENS {
        let commune: Insee = commune
            .parse()
            .map_err(|e| ApiError::internal("seeding the demo", e))?;
        let body = Body::Screen(Box::new(ScreenBody {
            name: name.to_owned(),
            commune: commune.clone(),
            mode: m.screen.mode,
            rotation: m.screen.rotation,
            time_zone: m.screen.time_zone.clone(),
            languages: m.screen.languages.clone(),
            resolution: m.screen.resolution,
            theme: m.screen.theme.clone(),
            layout: m.layout.clone(),
            default_playlists: m.default_playlists.clone(),
            groups: Vec::new(),
            tags: vec!["mairie".into()],
            power: m.power.clone(),
        }));
        create(state, user, Kind::Screen, id, Some(commune), body).await?;
    }
    for e in &m.schedule {
        let body = Body::Schedule(ScheduleBody {
            name: e.name.clone(),
            zone: e.zone.clone(),
            playlist: e.playlist.clone(),
            priority: e.priority,
            window: e.window.clone(),
            targets: Targets {
                tags: vec!["mairie".into()],
                ..Targets::default()
            },
        });
        create(state, user, Kind::Schedule, &e.id, None, body).await?;
    }
    crate::publish::publish(state, user, None).await?;
    Ok(())
}

/// Writes a demo object; one left by an earlier, interrupted seeding is kept.
async fn create(
    state: &AppState,
    user: &User,
    kind: Kind,
    id: &str,
    owner: Option<Insee>,
    body: Body,
) -> ApiResult<()> {
    match crate::api::objects::write(
        state,
        user,
        kind,
        id,
        Intent::Create(owner),
        Some(body.to_json()),
    )
    .await
    {
        Err(e) if e.status == axum::http::StatusCode::CONFLICT => Ok(()),
        other => other.map(|_| ()),
    }
}

/// The first administrator, created with a random password when there is no user at all.
async fn demo_admin(state: &AppState) -> ApiResult<(User, Option<(String, String)>)> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' ORDER BY id LIMIT 1")
            .fetch_optional(&state.db)
            .await?;
    if let Some(id) = id
        && let Some(user) = crate::users::load(&state.db, id).await?
    {
        return Ok((user, None));
    }
    let password = crate::auth::tokens::random_hex()[..20].to_owned();
    let new = NewUser {
        username: "admin".into(),
        password: password.clone(),
        role: Role::Admin,
        communes: Vec::new(),
    };
    let id = crate::users::create(&state.db, &new, Timestamp::now()).await?;
    let user = crate::users::load(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::internal("seeding the demo", "the admin vanished"))?;
    Ok((user, Some(("admin".into(), password))))
}
