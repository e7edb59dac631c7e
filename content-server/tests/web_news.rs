//! The news page for real: announcements written through the form reach the API with the
//! fields typed and show « En ligne »; an editor's wait for an administrator, who validates
//! them on the page; a refused form comes back in French with its values and stores nothing;
//! a file feed is created and fed by uploads, with its report, and a broken file keeps the
//! earlier items; a post without the CSRF token is refused, and a viewer gets no form.

mod common;

use beffroi_protocol::time::Zone;
use beffroi_server::users::Role;
use common::{
    Api, FRUGES, HUCQUELIERS, TestServer, between, get_page, local_field, post_form, press, row,
    upload_form, web_login, with_web_admin,
};
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::Value;

/// The narrow no-break space of French typography.
const NNBSP: char = '\u{202f}';

/// A server with an administrator: their API client, and their browser logged in through
/// the form with the CSRF token its pages carry.
/// The instant a `datetime-local` value means in Paris.
fn instant(local: &str) -> Timestamp {
    let dt: jiff::civil::DateTime = local.parse().unwrap();
    dt.to_zoned_datetime(Zone::paris().tz())
        .unwrap()
        .timestamp()
}

/// Every news item the API gives `api`.
async fn news(api: &Api) -> Vec<Value> {
    let (status, body) = api.get("/api/v1/news").await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

/// The id a redirect after a change names (`…&id=<id>`).
fn done_id(location: &str) -> String {
    location
        .split_once("&id=")
        .unwrap_or_else(|| panic!("no id in {location}"))
        .1
        .to_owned()
}

/// A `multipart/form-data` body, as a browser sends the upload form: (content type, body).
/// Uploads a feed file through the page's form.
async fn upload(
    server: &TestServer,
    client: &reqwest::Client,
    feed: &str,
    csrf: Option<&str>,
    sample: &str,
) -> (StatusCode, Option<String>, String) {
    let bytes = std::fs::read(common::samples().join("feeds").join(sample)).unwrap();
    upload_form(
        server,
        client,
        &format!("/actualites/flux/{feed}/fichier"),
        csrf,
        (sample, "application/rss+xml", &bytes),
    )
    .await
}

#[tokio::test]
async fn an_administrators_announcement_written_in_the_form_is_online_and_in_the_api() {
    let (server, admin, client, csrf) = with_web_admin().await;

    let page = get_page(&server, &client, "/actualites").await;
    assert!(
        page.contains("<a href=\"/actualites\" aria-current=\"page\">Actualités</a>"),
        "{page}"
    );
    assert!(page.contains("href=\"/actualites/nouvelle\""), "{page}");
    assert!(page.contains("Aucune actualité pour l’instant."), "{page}");

    // A picture of the media library, offered with its thumbnail.
    let png = std::fs::read(common::samples().join("media/png/basn6a08.png")).unwrap();
    let (status, media) = admin
        .post_bytes("/api/v1/media?name=affiche.png", "image/png", png)
        .await;
    assert_eq!(status, 201, "{media}");
    let sha = media["sha256"].as_str().unwrap().to_owned();

    // The form offers the intercommunality and every commune, and starts now for 14 days.
    let form = get_page(&server, &client, "/actualites/nouvelle").await;
    assert!(
        form.contains(&format!("name=\"image\" value=\"{sha}\"")),
        "{form}"
    );
    assert!(
        form.contains(&format!("src=\"/api/v1/media/{}/thumbnail\"", media["id"])),
        "{form}"
    );
    assert!(
        form.contains("affiche.png <span class=\"aide\">(partagée)</span>"),
        "{form}"
    );
    assert!(
        form.contains("<option value=\"\" selected>Communauté de communes</option>"),
        "{form}"
    );
    assert!(form.contains(&format!("value=\"{FRUGES}\"")), "{form}");
    let starts = between(
        &form,
        "id=\"debut\" name=\"debut\" type=\"datetime-local\" value=\"",
        "\"",
    );
    let ends = between(
        &form,
        "id=\"fin\" name=\"fin\" type=\"datetime-local\" value=\"",
        "\"",
    );
    let days = instant(ends).duration_since(instant(starts));
    assert_eq!(
        days,
        SignedDuration::from_hours(14 * 24),
        "{starts} → {ends}"
    );
    assert!(form.contains("pendant 14 jours"), "{form}");

    let now = Timestamp::now();
    let from = local_field(now - SignedDuration::from_hours(1));
    let until = local_field(now + SignedDuration::from_hours(72));
    let (status, location, body) = post_form(
        &server,
        &client,
        "/actualites/nouvelle",
        &[
            ("csrf_token", &csrf),
            ("proprietaire", ""),
            ("titre_fr", "Marché de Noël"),
            ("titre_en", "Christmas market"),
            ("titre_nl", ""),
            ("texte_fr", "Place du Marché,\r\nde 10 h à 18 h."),
            ("texte_en", ""),
            ("texte_nl", ""),
            ("image", &sha),
            ("lien", "https://www.fruges.fr/marche-de-noel"),
            ("debut", &from),
            ("fin", &until),
            ("commune", FRUGES),
            ("commune", HUCQUELIERS),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = location.unwrap();
    assert!(
        location.starts_with("/actualites?fait=creee&id="),
        "{location}"
    );
    let id = done_id(&location);

    let items = news(&admin).await;
    assert_eq!(items.len(), 1, "{items:?}");
    let item = &items[0];
    assert_eq!(item["id"], id.as_str());
    assert_eq!(item["owner"], Value::Null);
    assert_eq!(item["title"]["fr"], "Marché de Noël");
    assert_eq!(item["title"]["en"], "Christmas market");
    assert!(item["title"].get("nl").is_none(), "{item}");
    assert_eq!(item["text"]["fr"], "Place du Marché,\nde 10 h à 18 h.");
    assert_eq!(item["link"], "https://www.fruges.fr/marche-de-noel");
    assert_eq!(item["image"], sha.as_str());
    assert_eq!(item["communes"], serde_json::json!([FRUGES, HUCQUELIERS]));
    assert_eq!(item["hidden"], false);
    assert!(item["approved_at"].is_string(), "{item}");
    let stored = |field: &str| item[field].as_str().unwrap().parse::<Timestamp>().unwrap();
    assert_eq!(stored("valid_from"), instant(&from));
    assert_eq!(stored("valid_until"), instant(&until));

    // The list after the redirect says it is online, in French.
    let page = get_page(&server, &client, &location).await;
    assert!(
        page.contains(&format!(
            "L’annonce «{NNBSP}Marché de Noël{NNBSP}» est enregistrée{NNBSP}; elle est en ligne"
        )),
        "{page}"
    );
    let line = row(&page, &format!("info-{id}"));
    for expected in [
        "<span class=\"statut statut-en-ligne\">En ligne</span>",
        "Marché de Noël",
        "Fruges, Hucqueliers",
        "<td>Annonce<span class=\"discret\">par admin</span>",
        "href=\"https://www.fruges.fr/marche-de-noel\"",
        "Du <time",
        &format!("/actualites/infos/{id}/modifier"),
        &format!("/actualites/infos/{id}/retirer"),
    ] {
        assert!(line.contains(expected), "{expected:?} missing from {line}");
    }
    // It is already approved: no button to validate it.
    assert!(!line.contains("/valider"), "{line}");

    // The edit form holds what was typed; an edit goes through the same rules.
    let edit = get_page(
        &server,
        &client,
        &format!("/actualites/infos/{id}/modifier"),
    )
    .await;
    assert!(edit.contains("value=\"Christmas market\""), "{edit}");
    assert!(edit.contains(&format!("value=\"{from}\"")), "{edit}");
    let (status, location, body) = post_form(
        &server,
        &client,
        &format!("/actualites/infos/{id}/modifier"),
        &[
            ("csrf_token", &csrf),
            ("proprietaire", ""),
            ("titre_fr", "Marché de Noël (annulé)"),
            ("debut", &from),
            ("fin", &until),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert!(location.unwrap().contains("fait=modifiee"));
    let items = news(&admin).await;
    assert_eq!(items[0]["title"]["fr"], "Marché de Noël (annulé)");
    assert_eq!(items[0]["communes"], serde_json::json!([]), "{items:?}");

    // Deleting asks first, then removes it.
    let confirm = get_page(
        &server,
        &client,
        &format!("/actualites/infos/{id}/supprimer"),
    )
    .await;
    assert!(
        confirm.contains(&format!(
            "Supprimer l’annonce «{NNBSP}Marché de Noël (annulé){NNBSP}»{NNBSP}?"
        )),
        "{confirm}"
    );
    let (status, location, _) = press(
        &server,
        &client,
        &format!("/actualites/infos/{id}/supprimer"),
        &csrf,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.unwrap(), "/actualites?fait=supprimee");
    assert!(news(&admin).await.is_empty());
}

#[tokio::test]
async fn an_editors_announcement_waits_until_an_administrator_validates_it_on_the_page() {
    let server = TestServer::start().await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    server
        .create_user("agent-fruges", Role::Editor, &[FRUGES])
        .await;
    let (editor, editor_csrf) = web_login(&server, "agent-fruges").await;

    // An editor writes for their commune only, and is told their news waits.
    let form = get_page(&server, &editor, "/actualites/nouvelle").await;
    let owners = between(
        &form,
        "<select id=\"proprietaire\" name=\"proprietaire\">",
        "</select>",
    );
    assert!(
        owners.contains(&format!(
            "<option value=\"{FRUGES}\" selected>Fruges</option>"
        )),
        "{owners}"
    );
    assert!(!owners.contains("Communauté de communes"), "{owners}");
    assert!(
        !form.contains(&format!("value=\"{HUCQUELIERS}\"")),
        "{form}"
    );
    assert!(form.contains("une fois validée"), "{form}");

    // Start and end left empty: now, for the default two weeks.
    let (status, location, body) = post_form(
        &server,
        &editor,
        "/actualites/nouvelle",
        &[
            ("csrf_token", &editor_csrf),
            ("proprietaire", FRUGES),
            ("titre_fr", "Collecte des encombrants"),
            ("texte_fr", "Sortez-les la veille au soir."),
            ("debut", ""),
            ("fin", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = location.unwrap();
    let id = done_id(&location);
    let page = get_page(&server, &editor, &location).await;
    assert!(
        page.contains("elle attend la validation d’un valideur ou d’un administrateur"),
        "{page}"
    );
    let line = row(&page, &format!("info-{id}"));
    assert!(
        line.contains("<span class=\"statut statut-attente\">En attente de validation</span>"),
        "{line}"
    );
    assert!(line.contains("par agent-fruges"), "{line}");
    assert!(
        !line.contains("/valider"),
        "an editor cannot validate: {line}"
    );
    // A post anyway is refused by the shared rules.
    let (status, _, body) = press(
        &server,
        &editor,
        &format!("/actualites/infos/{id}/valider"),
        &editor_csrf,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let items = news(&admin).await;
    let item = &items[0];
    assert_eq!(item["owner"], FRUGES);
    assert_eq!(item["communes"], serde_json::json!([FRUGES]));
    assert!(item.get("approved_at").is_none(), "{item}");
    let stored = |field: &str| item[field].as_str().unwrap().parse::<Timestamp>().unwrap();
    assert_eq!(
        stored("valid_until").duration_since(stored("valid_from")),
        SignedDuration::from_hours(14 * 24)
    );

    // The administrator validates it on the page.
    let (client, csrf) = web_login(&server, "admin").await;
    let page = get_page(&server, &client, "/actualites").await;
    let line = row(&page, &format!("info-{id}"));
    assert!(
        line.contains(&format!("action=\"/actualites/infos/{id}/valider\"")),
        "{line}"
    );
    let (status, location, body) = press(
        &server,
        &client,
        &format!("/actualites/infos/{id}/valider"),
        &csrf,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = location.unwrap();
    assert!(location.contains("fait=validee"), "{location}");
    let page = get_page(&server, &client, &location).await;
    assert!(page.contains("est validée"), "{page}");
    let line = row(&page, &format!("info-{id}"));
    assert!(line.contains("statut-en-ligne"), "{line}");
    assert!(line.contains("validée par admin"), "{line}");
    let items = news(&admin).await;
    assert!(items[0]["approved_at"].is_string(), "{items:?}");
    assert_eq!(items[0]["approved_by"], "admin");

    // Withdrawn, then put back.
    let (status, _, _) = press(
        &server,
        &client,
        &format!("/actualites/infos/{id}/retirer"),
        &csrf,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(news(&admin).await[0]["hidden"], true);
    let page = get_page(&server, &client, "/actualites?etat=retiree").await;
    let line = row(&page, &format!("info-{id}"));
    assert!(line.contains("statut-retiree"), "{line}");
    assert!(line.contains("/remettre"), "{line}");
    let (status, _, _) = press(
        &server,
        &client,
        &format!("/actualites/infos/{id}/remettre"),
        &csrf,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(news(&admin).await[0]["hidden"], false);
    // The filter leaves out what does not match.
    let page = get_page(&server, &client, "/actualites?etat=retiree").await;
    assert!(!page.contains(&format!("info-{id}")), "{page}");
}

#[tokio::test]
async fn an_invalid_announcement_comes_back_in_french_with_its_values_and_stores_nothing() {
    let (server, admin, client, csrf) = with_web_admin().await;

    // No French title, and an end before the start: both said, next to their fields.
    let (status, _, page) = post_form(
        &server,
        &client,
        "/actualites/nouvelle",
        &[
            ("csrf_token", &csrf),
            ("proprietaire", FRUGES),
            ("titre_fr", "   "),
            ("titre_en", "Village fair"),
            ("texte_fr", "Un texte à garder"),
            ("lien", "https://example.org/fete"),
            ("debut", "2026-12-10T10:00"),
            ("fin", "2026-12-01T10:00"),
            ("commune", FRUGES),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    for expected in [
        format!("L’annonce n’a pas été enregistrée. Corrigez ceci{NNBSP}:"),
        "role=\"alert\"".to_owned(),
        format!(
            "<a href=\"#titre_fr\">Saisissez le titre en français{NNBSP}: il s’affiche en grand sur les écrans.</a>"
        ),
        "<p class=\"erreur-champ\" id=\"erreur-fin\">La fin doit venir après le début.</p>"
            .to_owned(),
        "id=\"titre_fr\" name=\"titre_fr\" type=\"text\" required value=\"   \" aria-invalid=\"true\""
            .to_owned(),
        // What was typed is kept.
        "value=\"Village fair\"".to_owned(),
        ">Un texte à garder</textarea>".to_owned(),
        "value=\"https://example.org/fete\"".to_owned(),
        "value=\"2026-12-10T10:00\"".to_owned(),
        "value=\"2026-12-01T10:00\"".to_owned(),
        format!("<option value=\"{FRUGES}\" selected>Fruges</option>"),
        format!("id=\"commune-{FRUGES}\" name=\"commune\" value=\"{FRUGES}\" checked"),
        // The server's own words, for support.
        "the announcement is not valid".to_owned(),
    ] {
        assert!(page.contains(&expected), "{expected:?} missing from {page}");
    }
    assert!(news(&admin).await.is_empty());

    // A date the page cannot read is refused before the rules see anything.
    let (status, _, page) = post_form(
        &server,
        &client,
        "/actualites/nouvelle",
        &[
            ("csrf_token", &csrf),
            ("titre_fr", "Fête"),
            ("debut", "demain"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("La date de début est illisible"), "{page}");
    assert!(page.contains("value=\"demain\""), "{page}");
    assert!(news(&admin).await.is_empty());
}

#[tokio::test]
async fn a_file_feed_is_fed_through_the_page_and_a_broken_file_keeps_its_items() {
    let (server, admin, client, csrf) = with_web_admin().await;

    // A refused feed form says why, by field, and keeps what was typed.
    let (status, _, page) = post_form(
        &server,
        &client,
        "/actualites/flux/nouveau",
        &[
            ("csrf_token", &csrf),
            ("nom", ""),
            ("adresse", "ftp://example.org/flux.xml"),
            ("langue", "en"),
            ("conservation", "0"),
            ("nombre", "20"),
            ("frequence", "60"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    for expected in [
        "Donnez un nom au flux",
        "L’adresse doit être celle d’un flux RSS ou Atom",
        "Indiquez un nombre de jours entre 1 et 365.",
        "value=\"ftp://example.org/flux.xml\"",
        "<option value=\"en\" selected>anglais</option>",
    ] {
        assert!(page.contains(expected), "{expected:?} missing from {page}");
    }
    let (status, feeds) = admin.get("/api/v1/news/feeds").await;
    assert_eq!((status, feeds.as_array().unwrap().len()), (200, 0));

    // A feed without an address, fed by files.
    let (status, location, body) = post_form(
        &server,
        &client,
        "/actualites/flux/nouveau",
        &[
            ("csrf_token", &csrf),
            ("nom", "Office de tourisme"),
            ("adresse", ""),
            ("proprietaire", ""),
            ("langue", "en"),
            ("conservation", "365"),
            ("nombre", "200"),
            ("frequence", "60"),
            ("actif", "oui"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = location.unwrap();
    let feed = between(&location, "/actualites/flux/", "?fait=cree").to_owned();
    let page = get_page(&server, &client, &location).await;
    assert!(
        page.contains("déposez ci-dessous un fichier RSS ou Atom"),
        "{page}"
    );
    assert!(page.contains("enctype=\"multipart/form-data\""), "{page}");
    assert!(page.contains("Aucun import pour l’instant."), "{page}");

    // Two entries: two added, said in French.
    let (status, location, body) =
        upload(&server, &client, &feed, Some(&csrf), "rss_2.0_relurl_1.xml").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = location.unwrap();
    assert_eq!(location, format!("/actualites/flux/{feed}?fait=importe"));
    let page = get_page(&server, &client, &location).await;
    assert!(
        page.contains(&format!(
            "Import terminé{NNBSP}: 2 ajoutées, 0 mise à jour, 0 inchangée, 0 ignorée."
        )),
        "{page}"
    );
    assert!(page.contains("Fichier déposé par admin"), "{page}");
    let of_feed = |items: Vec<Value>| {
        items
            .into_iter()
            .filter(|i| i["feed"] == feed.as_str())
            .count()
    };
    assert_eq!(of_feed(news(&admin).await), 2);

    // On the list: the items with their feed as source, and the feed with its last import.
    let list = get_page(&server, &client, "/actualites").await;
    assert!(list.contains("Pareto-optimal compression"), "{list}");
    assert!(
        list.contains(&format!(
            "<a href=\"/actualites/flux/{feed}\">Office de tourisme</a>"
        )),
        "{list}"
    );
    let feed_row = row(&list, &format!("flux-{feed}"));
    assert!(feed_row.contains("fichier déposé à la main"), "{feed_row}");
    assert!(feed_row.contains("<time datetime="), "{feed_row}");
    assert!(!feed_row.contains("en échec"), "{feed_row}");

    // A broken file: the error on the page, the earlier items kept.
    let (status, _, page) = upload(
        &server,
        &client,
        &feed,
        Some(&csrf),
        "rss_2.0_invalid_1.xml",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains(&format!("L’import a échoué{NNBSP}:")),
        "{page}"
    );
    assert!(
        page.contains("Les actualités déjà importées de ce flux restent affichées."),
        "{page}"
    );
    assert!(page.contains("statut-echec"), "{page}");
    assert_eq!(of_feed(news(&admin).await), 2);
    let list = get_page(&server, &client, "/actualites").await;
    let feed_row = row(&list, &format!("flux-{feed}"));
    assert!(
        feed_row.contains("Dernier import en échec"),
        "the last error is shown on the list: {feed_row}"
    );
    // The feed's page keeps both reports, newest first.
    let page = get_page(&server, &client, &format!("/actualites/flux/{feed}")).await;
    let reports = between(&page, "<table class=\"rapports\">", "</table>");
    assert_eq!(
        reports.matches("Fichier déposé par admin").count(),
        2,
        "{reports}"
    );
    assert!(
        reports.find("statut-echec").unwrap() < reports.find("2 ajoutées").unwrap(),
        "{reports}"
    );
}

#[tokio::test]
async fn posts_without_the_csrf_token_are_refused_and_viewers_get_no_forms() {
    let (server, admin, client, csrf) = with_web_admin().await;
    let fields = [
        ("proprietaire", ""),
        ("titre_fr", "Sans jeton"),
        ("debut", ""),
        ("fin", ""),
    ];
    let (status, _, page) = post_form(&server, &client, "/actualites/nouvelle", &fields).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("jeton de sécurité"), "{page}");
    let (status, _, _) = post_form(
        &server,
        &client,
        "/actualites/nouvelle",
        &[
            ("csrf_token", "0".repeat(64).as_str()),
            ("titre_fr", "Faux jeton"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = post_form(
        &server,
        &client,
        "/actualites/flux/nouveau",
        &[("nom", "Sans jeton")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(news(&admin).await.is_empty());

    // The upload checks the token it carries too.
    let (status, location, _) = post_form(
        &server,
        &client,
        "/actualites/flux/nouveau",
        &[
            ("csrf_token", &csrf),
            ("nom", "Journal"),
            ("conservation", "365"),
            ("nombre", "20"),
            ("frequence", "60"),
            ("langue", "fr"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let feed = between(&location.unwrap(), "/actualites/flux/", "?").to_owned();
    let (status, _, _) = upload(&server, &client, &feed, None, "rss_2.0_relurl_1.xml").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(news(&admin).await.is_empty());

    // A viewer reads the lists, without a form, and the rules refuse their posts.
    server.create_user("lecteur", Role::Viewer, &[]).await;
    let (viewer, viewer_csrf) = web_login(&server, "lecteur").await;
    let page = get_page(&server, &viewer, "/actualites").await;
    assert!(page.contains("Journal"), "{page}");
    assert!(!page.contains("/actualites/nouvelle"), "{page}");
    assert!(
        !page.contains("method=\"post\" action=\"/actualites"),
        "{page}"
    );
    let r = viewer
        .get(server.at("/actualites/nouvelle"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (status, _, page) = post_form(
        &server,
        &viewer,
        "/actualites/nouvelle",
        &[
            ("csrf_token", &viewer_csrf),
            ("proprietaire", ""),
            ("titre_fr", "Par un lecteur"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("consulter les actualités"), "{page}");
    let (status, _, _) = upload(
        &server,
        &viewer,
        &feed,
        Some(&viewer_csrf),
        "rss_2.0_relurl_1.xml",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(news(&admin).await.is_empty());
}
