//! The alerts page for real: an alert raised in two steps (form, then "Vérifiez avant de
//! diffuser" listing the screens reached, nothing raised before the confirmation) reaches
//! the API, the players' event streams and the list; edits bump the revision, a stale one
//! is refused; cancellation asks first; the history is in French; refusals (a commune not
//! the editor's, missing fields) come back on the form in French with the values kept;
//! viewers read only; every post needs the session's CSRF token.

mod common;

use std::time::Duration;

use beffroi_server::users::Role;
use common::{
    Api, FRUGES, HUCQUELIERS, TestServer, between, fetch, local_field, pair, post_fields,
    screen_with_playlist, web_login,
};
use futures_util::StreamExt as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The narrow no-break space of French typography.
const NB: char = '\u{202f}';

/// Three published screens: two in Fruges, one in Hucqueliers; the two town halls are in
/// the shared group `mairies`.
struct Setup {
    server: TestServer,
    admin: Api,
}

async fn setup() -> Setup {
    let server = TestServer::start().await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    server
        .create_user("agent-fruges", Role::Editor, &[FRUGES])
        .await;
    server.create_user("valideur", Role::Approver, &[]).await;
    server.create_user("lecteur", Role::Viewer, &[FRUGES]).await;
    let r = admin
        .post(
            "/api/v1/groups",
            &json!({ "id": "mairies", "body": { "name": "Mairies" } }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    for (id, commune, name, groups) in [
        (
            "mairie-fruges",
            FRUGES,
            "Mairie de Fruges",
            &["mairies"][..],
        ),
        ("salle-fruges", FRUGES, "Salle des fêtes de Fruges", &[][..]),
        (
            "mairie-hucq",
            HUCQUELIERS,
            "Mairie de Hucqueliers",
            &["mairies"][..],
        ),
    ] {
        screen_with_playlist(&admin, id, commune, name, groups).await;
    }
    let r = admin.post("/api/v1/publish", &json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
    Setup { server, admin }
}

/// `name=value` pairs, as a form.
fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// An instant `minutes` from now as a `datetime-local` field holds it (Paris time).
fn local_in(minutes: i64) -> String {
    local_field(jiff::Timestamp::now() + jiff::SignedDuration::from_mins(minutes))
}

/// A valid raise form (French texts, English title, ending in two hours) for `target`.
fn alert_form(csrf: &str, target: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f = form(&[
        ("csrf_token", csrf),
        ("gravite", "critical"),
        ("titre_fr", "Alerte inondation"),
        (
            "message_fr",
            "Évitez les bords de la Lys : routes coupées !\r\nRestez informés.",
        ),
        ("titre_en", "Flood warning"),
        ("message_en", ""),
        ("titre_nl", ""),
        ("message_nl", ""),
        ("etape", "verifier"),
    ]);
    f.push(("debut".into(), local_in(0)));
    f.push(("fin".into(), local_in(120)));
    f.extend(form(target));
    f
}

/// What HTML escaping did to an attribute value, undone.
fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The confirmation's hidden fields (the CSRF token among them), as a form to post back
/// with the button `step`.
fn confirmation(page: &str, step: &str) -> Vec<(String, String)> {
    let form = between(page, "<form method=\"post\" action=\"/alertes", "</form>");
    let mut out: Vec<(String, String)> = form
        .split("<input type=\"hidden\" ")
        .skip(1)
        .map(|tag| {
            (
                between(tag, "name=\"", "\"").to_owned(),
                unescape(between(tag, "value=\"", "\"")),
            )
        })
        .collect();
    out.push(("etape".into(), step.into()));
    out
}

/// The alerts the API lists for `who` (expired and cancelled ones too).
async fn api_alerts(who: &Api) -> Vec<Value> {
    let r = who.get("/api/v1/alerts?expired=true").await;
    assert_eq!(r.0, 200, "{}", r.1);
    r.1.as_array().unwrap().clone()
}

/// The `alert` events a player's stream brings within `wait`.
async fn alert_events(device: &Api, wait: Duration) -> Vec<Value> {
    let r = device
        .request(reqwest::Method::GET, "/api/v1/player/events")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut body = r.bytes_stream();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, body.next()).await {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    text.split("\n\n")
        .filter(|block| block.lines().any(|l| l == "event: alert"))
        .filter_map(|block| {
            let data: String = block
                .lines()
                .filter_map(|l| l.strip_prefix("data: "))
                .collect();
            serde_json::from_str(&data).ok()
        })
        .collect()
}

#[tokio::test]
async fn an_editor_raises_an_alert_in_two_steps_and_its_screens_get_it() {
    let s = setup().await;
    let (client, csrf) = web_login(&s.server, "agent-fruges").await;

    let (status, page) = fetch(&s.server, &client, "/alertes").await;
    assert_eq!(status, 200);
    for expected in [
        "<a href=\"/alertes\" aria-current=\"page\">Alertes</a>",
        "<a href=\"/actualites\">Actualités</a>",
        "<a href=\"/ecrans\">Écrans</a>",
        "href=\"/alertes/nouvelle\">Lancer une alerte</a>",
        "Aucune alerte en cours ni à venir.",
    ] {
        assert!(page.contains(expected), "{expected:?} missing from {page}");
    }

    // The form offers the editor's commune and screens only, never the whole territory.
    let (status, page) = fetch(&s.server, &client, "/alertes/nouvelle").await;
    assert_eq!(status, 200);
    for expected in [
        "<h1>Nouvelle alerte</h1>",
        "name=\"commune\" value=\"62364\"",
        ">Fruges</label>",
        "name=\"ecran\" value=\"mairie-fruges\"",
        "Mairie de Fruges (Fruges)",
        "Urgence",
        "Vigilance",
        "Information",
        "7 jours",
        "type=\"datetime-local\"",
        "Vérifier avant de diffuser",
    ] {
        assert!(page.contains(expected), "{expected:?} missing from {page}");
    }
    for absent in ["name=\"tout\"", "mairie-hucq", "value=\"62463\""] {
        assert!(!page.contains(absent), "{absent:?} offered: {page}");
    }

    // Step one: the summary, with the screens reached; nothing is raised yet.
    let (status, _, page) = post_fields(
        &s.server,
        &client,
        "/alertes/nouvelle",
        &alert_form(&csrf, &[("commune", FRUGES)]),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    for expected in [
        "<h1>Vérifiez avant de diffuser</h1>".to_owned(),
        format!("Écrans atteints{NB}: 2 écrans"),
        format!("Commune{NB}: Fruges"),
        "<li>Mairie de Fruges (Fruges)</li>".to_owned(),
        "<li>Salle des fêtes de Fruges (Fruges)</li>".to_owned(),
        // The text as the screens show it, French typography included.
        format!("Évitez les bords de la Lys{NB}: routes coupées{NB}!"),
        "Flood warning".to_owned(),
        "Urgence".to_owned(),
        "Diffuser l’alerte".to_owned(),
        ">Modifier</button>".to_owned(),
    ] {
        assert!(page.contains(&expected), "{expected:?} missing from {page}");
    }
    assert!(!page.contains("Hucqueliers"), "{page}");
    let editor = s.server.login("agent-fruges").await;
    assert!(
        api_alerts(&editor).await.is_empty(),
        "raised before confirming"
    );

    // "Modifier": back to the form with every value kept.
    let (status, _, back) = post_fields(
        &s.server,
        &client,
        "/alertes/nouvelle",
        &confirmation(&page, "modifier"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(back.contains("<h1>Nouvelle alerte</h1>"), "{back}");
    assert!(back.contains("value=\"Alerte inondation\""), "{back}");
    assert!(back.contains("value=\"Flood warning\""), "{back}");
    assert!(
        back.contains("value=\"62364\" checked") && back.contains("value=\"critical\" checked"),
        "{back}"
    );
    assert!(
        back.contains("routes coupées !\nRestez informés.</textarea>"),
        "{back}"
    );

    // Step two: raised, pushed to the screens of Fruges, told on the list.
    let device = pair(&s.server, &s.admin, "mairie-fruges").await;
    let listening =
        tokio::spawn(async move { alert_events(&device, Duration::from_secs(4)).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let confirm = confirmation(&page, "diffuser");
    let (status, location, _) =
        post_fields(&s.server, &client, "/alertes/nouvelle", &confirm).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert!(
        location.starts_with("/alertes?fait=diffusee&alerte=alert-"),
        "{location}"
    );
    let alerts = api_alerts(&editor).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let a = &alerts[0];
    assert_eq!(a["target"], json!({ "communes": [FRUGES] }));
    assert_eq!(a["screens"], json!(["mairie-fruges", "salle-fruges"]));
    assert_eq!(a["created_by"], "agent-fruges");
    assert_eq!(a["severity"], "critical");
    assert_eq!(a["revision"], 1);
    assert_eq!(
        a["title"],
        json!({ "fr": "Alerte inondation", "en": "Flood warning" })
    );
    assert_eq!(
        a["message"],
        json!({ "fr": "Évitez les bords de la Lys : routes coupées !\nRestez informés." })
    );
    let id = a["id"].as_str().unwrap().to_owned();
    assert!(location.ends_with(&id), "{location}");
    let pushed = listening.await.unwrap();
    assert_eq!(pushed.len(), 1, "{pushed:?}");
    assert_eq!(pushed[0]["id"], id.as_str());

    let (_, list) = fetch(&s.server, &client, &location).await;
    for expected in [
        format!("L’alerte «{NB}Alerte inondation{NB}» est diffusée{NB}: 2 écrans la reçoivent."),
        format!("Commune{NB}: Fruges"),
        format!("href=\"/alertes/{id}/modifier\""),
        "En cours".to_owned(),
        "<td>agent-fruges</td>".to_owned(),
    ] {
        assert!(list.contains(&expected), "{expected:?} missing from {list}");
    }

    // The confirmation posted twice raises nothing more.
    let (status, location, _) =
        post_fields(&s.server, &client, "/alertes/nouvelle", &confirm).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert_eq!(location, format!("/alertes?fait=deja&alerte={id}"));
    assert_eq!(api_alerts(&editor).await.len(), 1);
}

#[tokio::test]
async fn an_approver_edits_and_cancels_an_alert_from_the_page_with_its_history() {
    let s = setup().await;
    let (client, csrf) = web_login(&s.server, "valideur").await;
    let approver = s.server.login("valideur").await;

    // The whole territory with something else ticked: said on the form.
    let (status, _, page) = post_fields(
        &s.server,
        &client,
        "/alertes/nouvelle",
        &alert_form(&csrf, &[("tout", "oui"), ("commune", FRUGES)]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains(&format!(
            "«{NB}Tout le territoire{NB}» comprend déjà tous les écrans{NB}: ne cochez rien d’autre avec."
        )),
        "{page}"
    );
    assert!(
        page.contains("name=\"tout\" value=\"oui\" checked"),
        "{page}"
    );

    // Raised for a group: its two town halls.
    let (_, page) = fetch(&s.server, &client, "/alertes/nouvelle").await;
    assert!(page.contains("name=\"tout\""), "{page}");
    assert!(page.contains("name=\"groupe\" value=\"mairies\""), "{page}");
    let (status, _, page) = post_fields(
        &s.server,
        &client,
        "/alertes/nouvelle",
        &alert_form(&csrf, &[("groupe", "mairies")]),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(&format!("Groupe{NB}: Mairies")), "{page}");
    assert!(
        page.contains(&format!("Écrans atteints{NB}: 2 écrans")),
        "{page}"
    );
    let (status, _, _) = post_fields(
        &s.server,
        &client,
        "/alertes/nouvelle",
        &confirmation(&page, "diffuser"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id = api_alerts(&approver).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Edited: the form holds the alert as it is; the summary shows the revisions.
    let edit = format!("/alertes/{id}/modifier");
    let (status, page) = fetch(&s.server, &client, &edit).await;
    assert_eq!(status, 200, "{page}");
    for expected in [
        "<h1>Modifier l’alerte</h1>",
        "value=\"Alerte inondation\"",
        "name=\"groupe\" value=\"mairies\" checked",
        "name=\"revision\" value=\"1\"",
    ] {
        assert!(page.contains(expected), "{expected:?} missing from {page}");
    }
    let mut changed = alert_form(&csrf, &[("tout", "oui"), ("revision", "1")]);
    for (k, v) in &mut changed {
        if k == "titre_fr" {
            *v = "Crue de la Lys".into();
        }
        if k == "gravite" {
            *v = "warning".into();
        }
    }
    let (status, _, page) = post_fields(&s.server, &client, &edit, &changed).await;
    assert_eq!(status, 200, "{page}");
    for expected in [
        "Vérifiez avant de diffuser".to_owned(),
        "la révision 1 deviendra la révision 2".to_owned(),
        format!("Écrans atteints{NB}: 3 écrans"),
        "Tout le territoire".to_owned(),
        "Vigilance".to_owned(),
        "Diffuser la modification".to_owned(),
    ] {
        assert!(page.contains(&expected), "{expected:?} missing from {page}");
    }
    let confirm = confirmation(&page, "diffuser");
    let (status, location, _) = post_fields(&s.server, &client, &edit, &confirm).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert_eq!(location, format!("/alertes?fait=modifiee&alerte={id}"));
    let a = approver.get(&format!("/api/v1/alerts/{id}")).await.1;
    assert_eq!(a["revision"], 2, "{a}");
    assert_eq!(a["title"]["fr"], "Crue de la Lys");
    assert_eq!(a["severity"], "warning");
    assert_eq!(a["target"], json!({ "all": true }));

    // The same confirmation again was decided on revision 1: refused, said on the form.
    let (status, _, page) = post_fields(&s.server, &client, &edit, &confirm).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("Quelqu’un a modifié cette alerte pendant que vous la prépariez"),
        "{page}"
    );
    assert!(page.contains("value=\"Crue de la Lys\""), "{page}");

    // Cancelled after a confirmation.
    let (status, page) = fetch(&s.server, &client, &format!("/alertes/{id}/retirer")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("<h1>Retirer l’alerte{NB}?</h1>")),
        "{page}"
    );
    assert!(page.contains("Crue de la Lys"), "{page}");
    let (status, location, _) = post_fields(
        &s.server,
        &client,
        &format!("/alertes/{id}/retirer"),
        &form(&[("csrf_token", &csrf), ("revision", "2")]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert_eq!(location, format!("/alertes?fait=retiree&alerte={id}"));
    let a = approver.get(&format!("/api/v1/alerts/{id}")).await.1;
    assert_eq!((&a["revision"], &a["cancelled"]), (&json!(3), &json!(true)));
    let (_, list) = fetch(&s.server, &client, &location).await;
    assert!(
        list.contains(&format!("L’alerte «{NB}Crue de la Lys{NB}» est retirée")),
        "{list}"
    );
    let ended = between(&list, "Terminées ces 7 derniers jours", "</section>");
    assert!(ended.contains("Retirée le"), "{ended}");
    assert!(!list.contains(&format!("/alertes/{id}/modifier")), "{list}");
    // Nothing more to change.
    let (status, _) = fetch(&s.server, &client, &edit).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The history, in French.
    let (status, page) = fetch(&s.server, &client, &format!("/alertes/{id}")).await;
    assert_eq!(status, 200);
    let history = between(
        &page,
        "<h2 id=\"titre-historique\">Historique</h2>",
        "</table>",
    );
    for (revision, action) in [(1, "Lancée"), (2, "Modifiée"), (3, "Retirée")] {
        assert!(
            history.contains(&format!(
                "<tr><td>{revision}</td><td>{action}</td><td>valideur</td>"
            )),
            "{revision} {action} missing from {history}"
        );
    }
    assert!(history.contains(" à "), "French dates: {history}");
}

#[tokio::test]
async fn refusals_come_back_on_the_form_in_french_with_the_values_kept() {
    let s = setup().await;
    let (client, csrf) = web_login(&s.server, "agent-fruges").await;
    let editor = s.server.login("agent-fruges").await;

    // A commune that is not the editor's: refused at both steps, said next to the target.
    for step in ["verifier", "diffuser"] {
        let mut f = alert_form(&csrf, &[("commune", HUCQUELIERS)]);
        for (k, v) in &mut f {
            if k == "etape" {
                *v = step.into();
            }
        }
        let (status, _, page) = post_fields(&s.server, &client, "/alertes/nouvelle", &f).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{step}: {page}");
        for expected in [
            format!(
                "Vous ne pouvez pas alerter les écrans de Hucqueliers{NB}: cette commune n’est pas de votre ressort."
            ),
            "id=\"erreur-cible\"".to_owned(),
            "L’alerte n’a pas été diffusée.".to_owned(),
            "value=\"Alerte inondation\"".to_owned(),
            // Kept, ticked, though not one the form offers.
            "name=\"commune\" value=\"62463\" checked".to_owned(),
        ] {
            assert!(
                page.contains(&expected),
                "{step}: {expected:?} missing from {page}"
            );
        }
    }
    // Missing texts, no target, an end too far: all said at once, each by its field.
    let f = form(&[
        ("csrf_token", &csrf),
        ("gravite", "info"),
        ("titre_fr", "  "),
        ("message_fr", ""),
        ("debut", &local_in(0)),
        ("fin", &local_in(8 * 24 * 60)),
        ("etape", "verifier"),
    ]);
    let (status, _, page) = post_fields(&s.server, &client, "/alertes/nouvelle", &f).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    for expected in [
        "<p class=\"erreur-champ\" id=\"erreur-titre\">Saisissez le titre en français.</p>"
            .to_owned(),
        "<p class=\"erreur-champ\" id=\"erreur-message\">Saisissez le message en français.</p>"
            .to_owned(),
        format!("Choisissez où diffuser l’alerte{NB}:"),
        format!("Une alerte dure au plus 7 jours{NB}:"),
        "<a href=\"#titre_fr\">".to_owned(),
        "value=\"info\" checked".to_owned(),
    ] {
        assert!(page.contains(&expected), "{expected:?} missing from {page}");
    }
    assert!(
        !page.contains("Le serveur a refusé"),
        "untranslated: {page}"
    );

    // Nothing was raised.
    assert!(api_alerts(&editor).await.is_empty());
    assert!(api_alerts(&s.admin).await.is_empty());
}

#[tokio::test]
async fn viewers_read_only_and_every_post_needs_the_csrf_token() {
    let s = setup().await;
    let r = s
        .admin
        .post(
            "/api/v1/alerts",
            &json!({
                "id": "coupure-eau",
                "severity": "info",
                "title": { "fr": "Coupure d’eau" },
                "message": { "fr": "Rue du Marché, de 9 h à 11 h." },
                "expires_at": (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(3))
                    .to_string(),
                "target": { "communes": [FRUGES] },
            }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);

    // A viewer sees the alert, with no form and no link to change it.
    let (viewer, viewer_csrf) = web_login(&s.server, "lecteur").await;
    let (status, page) = fetch(&s.server, &viewer, "/alertes").await;
    assert_eq!(status, 200);
    assert!(page.contains("Coupure d’eau"), "{page}");
    assert!(page.contains("<td>admin</td>"), "{page}");
    for absent in [
        "/alertes/nouvelle",
        "/alertes/coupure-eau/modifier",
        "/alertes/coupure-eau/retirer",
    ] {
        assert!(
            !page.contains(absent),
            "{absent:?} offered to a viewer: {page}"
        );
    }
    let (status, _) = fetch(&s.server, &viewer, "/alertes/coupure-eau").await;
    assert_eq!(status, 200);
    for path in ["/alertes/nouvelle", "/alertes/coupure-eau/modifier"] {
        let (status, _) = fetch(&s.server, &viewer, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    // Their posts, with a valid token, are refused.
    let mut confirm = alert_form(&viewer_csrf, &[("commune", FRUGES)]);
    confirm.push(("etape".into(), "diffuser".into()));
    for (path, f) in [
        ("/alertes/nouvelle", confirm.clone()),
        ("/alertes/coupure-eau/modifier", confirm),
        (
            "/alertes/coupure-eau/retirer",
            form(&[("csrf_token", &viewer_csrf)]),
        ),
    ] {
        let (status, _, page) = post_fields(&s.server, &viewer, path, &f).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {page}");
        assert!(page.contains("consulter les alertes"), "{path}: {page}");
    }

    // An editor without the token, or with another session's, is refused too.
    let (client, csrf) = web_login(&s.server, "agent-fruges").await;
    for token in [None, Some(viewer_csrf.as_str())] {
        let strip = |mut f: Vec<(String, String)>| {
            f.retain(|(k, _)| k != "csrf_token");
            if let Some(t) = token {
                f.push(("csrf_token".into(), t.into()));
            }
            f
        };
        let mut f = alert_form(&csrf, &[("commune", FRUGES)]);
        f.push(("etape".into(), "diffuser".into()));
        for (path, f) in [
            ("/alertes/nouvelle", strip(f.clone())),
            ("/alertes/coupure-eau/modifier", strip(f)),
            (
                "/alertes/coupure-eau/retirer",
                strip(form(&[("revision", "1")])),
            ),
        ] {
            let (status, _, page) = post_fields(&s.server, &client, path, &f).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path} {token:?}");
            assert!(page.contains("jeton de sécurité"), "{path}: {page}");
        }
    }

    // Nothing changed.
    let alerts = api_alerts(&s.admin).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(
        (&alerts[0]["revision"], &alerts[0]["cancelled"]),
        (&json!(1), &json!(false))
    );
}
