//! `serve --demo`: fills an empty database with a realistic demo — the demo pictures as
//! shared media, its playlists and schedule, town-hall screens in three communes of the
//! territory, the demo's announcements and a tourist-office feed imported from a file, its
//! agenda (see `agenda`) — and publishes it, so that a player paired to one of them plays at once.

use beffroi_protocol::data::news::NewsData;
use beffroi_protocol::ids::Insee;
use beffroi_protocol::manifest::Manifest;
use jiff::Timestamp;

use crate::api::error::{ApiError, ApiResult};
use crate::api::objects::Intent;
use crate::model::Kind;
use crate::model::body::{Body, PlaylistBody, ScheduleBody, ScreenBody, Targets};
use crate::news::edit::{Announcement, FeedSettings};
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
    let announcements = demo.data.news.clone().unwrap_or_default();
    news(state, user, announcements, at).await?;
    let events = demo.data.events.clone().unwrap_or_default();
    super::agenda::seed(state, user, events, &demo.market_picture, at).await?;
    super::waste::seed(state, user).await?;
    crate::publish::publish(state, user, None).await?;
    Ok(())
}

/// The demo's news: its announcements as the officer would write them (the Fruges ones as
/// Fruges' own), and the tourist office's feed imported from a file written for the demo.
async fn news(state: &AppState, user: &User, data: NewsData, at: Timestamp) -> ApiResult<()> {
    let fruges: Insee = "62364"
        .parse()
        .map_err(|e| ApiError::internal("seeding the demo", e))?;
    for n in data.items {
        let owner = (n.source.name == "Mairie de Fruges").then(|| fruges.clone());
        let a = Announcement {
            id: Some(n.id.clone()),
            owner,
            title: n.title,
            text: n.text,
            image: None,
            link: n.link,
            valid_from: n.valid_from.or(Some(at)),
            valid_until: n.valid_until,
            communes: n.communes,
        };
        match crate::news::edit::save_announcement(state, user, None, a).await {
            Err(e) if e.status == axum::http::StatusCode::CONFLICT => {}
            other => drop(other?),
        }
    }
    let feed = FeedSettings {
        id: Some(DEMO_FEED.into()),
        name: "Office de tourisme du Haut Pays".into(),
        url: None,
        owner: None,
        communes: Vec::new(),
        lang: "fr".into(),
        keep_days: 10,
        max_items: 20,
        refresh_minutes: 60,
        enabled: true,
    };
    match crate::news::edit::save_feed(state, user, None, feed).await {
        Err(e) if e.status == axum::http::StatusCode::CONFLICT => {}
        other => drop(other?),
    }
    crate::news::edit::import_now(state, user, DEMO_FEED, Some(tourist_office_feed(at))).await?;
    Ok(())
}

/// The id of the demo's feed.
const DEMO_FEED: &str = "office-de-tourisme";

/// The tourist office's RSS feed as of `at`: four entries of the last days, with the HTML
/// and entities real feeds carry.
pub fn tourist_office_feed(at: Timestamp) -> Vec<u8> {
    let entries = [
        (
            "sentier-des-moulins",
            "Nouveau : le sentier des moulins, 12 km au fil de la Lys",
            "<p>Balisé en jaune, au départ de l&rsquo;église de <b>Lugy</b>. Dépliant gratuit à l&#39;office.</p>",
            30,
        ),
        (
            "veillee-contes",
            "Veillée contes et légendes du Haut Pays",
            "<p>Samedi soir à la <a href=\"/agenda/veillee\">médiathèque</a> de Fruges&nbsp;: chocolat chaud offert.</p>",
            54,
        ),
        (
            "producteurs-noel",
            "Paniers gourmands : les producteurs locaux préparent Noël",
            "<p>Cidre fermier, maroilles, miel &amp; pain d&apos;épices : commandes au drive fermier jusqu&rsquo;au 20.</p>",
            78,
        ),
        (
            "horaires-hiver",
            "L’office de tourisme passe aux horaires d’hiver",
            "<p>Ouvert du mardi au samedi, de 9 h 30 à 12 h 30 et de 14 h à 17 h.</p>",
            120,
        ),
    ];
    let mut items = String::new();
    for (id, title, html, hours_ago) in entries {
        let date = (at - jiff::SignedDuration::from_hours(hours_ago))
            .to_zoned_datetime(jiff::tz::TimeZone::UTC);
        let date = jiff::fmt::rfc2822::to_string(&date).unwrap_or_default();
        items.push_str(&format!(
            "  <item>\n    <title>{title}</title>\n    <link>/actualites/{id}</link>\n    <guid>https://tourisme.haut-pays.example/actualites/{id}</guid>\n    <pubDate>{date}</pubDate>\n    <description><![CDATA[{html}]]></description>\n  </item>\n"
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\">\n<channel>\n  <title>Office de tourisme du Haut Pays</title>\n  <link>https://tourisme.haut-pays.example/</link>\n  <description>Sorties, balades et bons plans</description>\n  <language>fr</language>\n{items}</channel>\n</rss>\n"
    )
    .into_bytes()
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
