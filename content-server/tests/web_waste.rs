//! The waste pages for real: an every-other-week rule written in the form reaches the API,
//! reads in words and moves for the next public holiday in the calendar's preview;
//! « Prévisualiser » shows the calendar and stores nothing; a refused rule comes back in
//! French next to its fields with its values; the reminder form; a rule edited and deleted
//! through its confirmation, then the whole calendar; users of another commune and viewers
//! read without buttons and their posts are refused; ADEME's guide uploaded through the page
//! with its report, searched, featured and hidden through the buttons (the API follows), and
//! the officer's own tips; the subscription address serves the calendar as iCalendar.

mod common;

use beffroi_server::users::Role;
use beffroi_server::waste::words;
use beffroi_waste::Rule;
use beffroi_waste::holidays::holiday_on;
use common::{
    Api, FRUGES, HUCQUELIERS, TestServer, between, fetch, get_page, post_fields, post_form, press,
    row, samples, upload_form, web_login, with_web_admin,
};
use jiff::Timestamp;
use jiff::civil::Date;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The narrow no-break space of French typography.
const NNBSP: char = '\u{202f}';

/// Today in the territory.
fn today() -> Date {
    Timestamp::now()
        .to_zoned_datetime(beffroi_protocol::time::Zone::paris().tz())
        .date()
}

/// A weekday as forms and the API name it.
fn weekday_value(d: Date) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][d.weekday().to_monday_zero_offset() as usize]
}

/// The next public holiday after today that is not a Sunday, and the weeks a preview from
/// today needs to show the collection it moves.
fn next_holiday() -> (Date, u32) {
    let mut d = today();
    loop {
        d = d.tomorrow().unwrap();
        if holiday_on(d).is_some() && d.weekday() != jiff::civil::Weekday::Sunday {
            let days = d.since(today()).unwrap().get_days();
            return (d, u32::try_from(days / 7 + 2).unwrap().max(8));
        }
    }
}

/// The fields of the rule form as a browser posts it, pressing `action`, with `changes`
/// typed in (boxes ticked: `jours`, `rangs`, `maintenus`).
fn rule_form(csrf: &str, action: &str, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = [
        ("csrf_token", csrf),
        ("flux", "household"),
        ("rythme", "weekly"),
        ("parite", "odd"),
        ("premiere", ""),
        ("jour_du_mois", "mon"),
        ("dates", ""),
        ("saison_debut_jour", ""),
        ("saison_debut_mois", ""),
        ("saison_fin_jour", ""),
        ("saison_fin_mois", ""),
        ("debut_validite", ""),
        ("fin_validite", ""),
        ("decalage", "next_day"),
        ("ajoutees", ""),
        ("annulees", ""),
        ("note_fr", ""),
        ("note_en", ""),
        ("note_nl", ""),
        ("action", action),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (name, value) in changes {
        let ticked = matches!(*name, "jours" | "rangs" | "maintenus");
        match fields.iter_mut().find(|(k, _)| k == name) {
            Some(field) if !ticked => field.1 = (*value).to_owned(),
            _ => fields.push(((*name).to_owned(), (*value).to_owned())),
        }
    }
    fields
}

/// A commune's calendar as the API gives it.
async fn calendar(api: &Api, commune: &str) -> Value {
    let (status, body) = api.get(&format!("/api/v1/waste/calendars/{commune}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The rules of a commune's calendar in the API.
async fn rules(api: &Api, commune: &str) -> Vec<Value> {
    calendar(api, commune).await["calendar"]["rules"]
        .as_array()
        .unwrap()
        .clone()
}

/// The guide's entry `id` as the API gives it.
async fn advice(api: &Api, id: &str) -> Value {
    let (status, body) = api.get("/api/v1/waste/advice").await;
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .find(|a| a["advice"]["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {body}"))
        .clone()
}

/// Adds a rule through the API: its id.
async fn api_rule(api: &Api, commune: &str, rule: Value) -> String {
    let (status, body) = api
        .post(&format!("/api/v1/waste/calendars/{commune}/rules"), &rule)
        .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// The page at `location` (a redirect's, without its fragment).
async fn follow(server: &TestServer, client: &reqwest::Client, location: &str) -> String {
    let path = location.split('#').next().unwrap();
    get_page(server, client, path).await
}

#[tokio::test]
async fn an_every_other_week_rule_written_in_the_form_reads_in_words_and_moves_for_a_holiday() {
    let (server, admin, client, csrf) = with_web_admin().await;

    let page = get_page(&server, &client, "/dechets").await;
    assert!(
        page.contains("<a href=\"/dechets\" aria-current=\"page\">Déchets</a>"),
        "{page}"
    );
    assert!(
        page.contains("Aucune commune n’a encore de calendrier"),
        "{page}"
    );
    assert!(page.contains("<a href=\"/dechets/conseils\">"), "{page}");
    assert!(
        page.contains(&format!("<option value=\"{FRUGES}\">Fruges</option>")),
        "{page}"
    );
    // The form to open a commune's calendar is a plain GET.
    let r = client
        .get(server.at(&format!("/dechets?commune={FRUGES}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], format!("/dechets/{FRUGES}"));

    let page = get_page(&server, &client, &format!("/dechets/{FRUGES}")).await;
    assert!(page.contains("Collectes à Fruges"), "{page}");
    assert!(page.contains("n’a pas encore de règle"), "{page}");
    assert!(
        page.contains(&format!(
            "href=\"/dechets/{FRUGES}/regles/nouvelle\">Ajouter une règle"
        )),
        "{page}"
    );

    let form = get_page(
        &server,
        &client,
        &format!("/dechets/{FRUGES}/regles/nouvelle"),
    )
    .await;
    for expected in [
        "<option value=\"packaging\">Emballages et papiers</option>",
        "name=\"rythme\" value=\"every_other_week\"",
        "Une semaine sur deux à partir d’une date",
        "Le n-ième jour du mois",
        "id=\"jours-thu\" name=\"jours\" value=\"thu\"",
        "id=\"rangs--1\" name=\"rangs\" value=\"-1\"",
        "<label for=\"maintenus-victory_day\">Victoire 1945</label>",
        "<option value=\"next_day\" selected>Un jour férié la reporte au jour ouvré suivant</option>",
        "value=\"previsualiser\" class=\"secondaire\">Prévisualiser</button>",
        "value=\"enregistrer\">Enregistrer</button>",
    ] {
        assert!(form.contains(expected), "{expected:?} missing from {form}");
    }

    // Packaging on the weekday of the next public holiday, in the weeks of its parity.
    let (holiday, weeks) = next_holiday();
    let week = holiday.iso_week_date().week();
    let parity = if week % 2 == 1 { "odd" } else { "even" };
    let fields = rule_form(
        &csrf,
        "enregistrer",
        &[
            ("flux", "packaging"),
            ("rythme", "every_other_week"),
            ("jours", weekday_value(holiday)),
            ("parite", parity),
            ("note_fr", "Bac jaune à sortir la veille au soir"),
        ],
    );
    let path = format!("/dechets/{FRUGES}/regles/nouvelle");
    let (status, location, page) = post_fields(&server, &client, &path, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let location = location.unwrap();
    assert_eq!(
        location,
        format!("/dechets/{FRUGES}?fait=regle-ajoutee#regles")
    );

    let stored = rules(&admin, FRUGES).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    let r = &stored[0]["rule"];
    assert_eq!(r["stream"], "packaging");
    assert_eq!(
        r["rhythm"],
        json!({ "kind": "every_other_week", "days": [weekday_value(holiday)], "parity": parity })
    );
    assert_eq!(r["holidays"]["shift"], "next_day");
    assert_eq!(r["note"]["fr"], "Bac jaune à sortir la veille au soir");
    assert!(r["note"].get("en").is_none(), "{r}");
    let id = stored[0]["id"].as_str().unwrap().to_owned();
    let rule: Rule = serde_json::from_value(r.clone()).unwrap();

    // The page says it in words, with its buttons, and the preview shows the holiday move
    // with the day the rhythm gave.
    let page = follow(&server, &client, &location).await;
    assert!(page.contains("La règle est ajoutée"), "{page}");
    let line = row(&page, &format!("regle-{id}"));
    assert!(line.contains(&words::rule(&rule)), "{line}");
    assert!(
        line.contains("Bac jaune à sortir la veille au soir"),
        "{line}"
    );
    assert!(
        line.contains(&format!(
            "href=\"/dechets/{FRUGES}/regles/{id}\">Modifier</a>"
        )),
        "{line}"
    );
    assert!(
        line.contains(&format!(
            "href=\"/dechets/{FRUGES}/regles/{id}/supprimer\">Supprimer</a>"
        )),
        "{line}"
    );
    assert!(page.contains("règle ajoutée"), "{page}");
    let page = get_page(
        &server,
        &client,
        &format!("/dechets/{FRUGES}?semaines={weeks}"),
    )
    .await;
    let moved = format!("collecte déplacée, prévue le {}", words::date(holiday));
    assert!(page.contains(&moved), "{moved:?} missing from {page}");
    assert!(page.contains("Emballages et papiers"), "{page}");
    assert!(page.contains("data:image/svg+xml"), "{page}");

    // The list shows the commune with its rule and its next collection.
    let list = get_page(&server, &client, "/dechets").await;
    let line = row(&list, &format!("calendrier-{FRUGES}"));
    assert!(line.contains(&words::rule(&rule)), "{line}");
    assert!(
        line.contains(&format!("Emballages et papiers{NNBSP}:")),
        "{line}"
    );
    assert!(line.contains("par admin"), "{line}");
}

#[tokio::test]
async fn previsualiser_shows_the_calendar_with_the_rule_and_stores_nothing() {
    let (server, admin, client, csrf) = with_web_admin().await;
    let fields = rule_form(
        &csrf,
        "previsualiser",
        &[
            ("flux", "household"),
            ("rythme", "weekly"),
            ("jours", "tue"),
            ("jours", "fri"),
            ("ajoutees", "15/01/2030"),
        ],
    );
    let path = format!("/dechets/{FRUGES}/regles/nouvelle");
    let (status, _, page) = post_fields(&server, &client, &path, &fields).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for expected in [
        format!("Aperçu{NNBSP}: le calendrier avec cette règle"),
        "Rien n’est enregistré.".to_owned(),
        "chaque semaine, le mardi et le vendredi".to_owned(),
        "<span class=\"statut statut-programmee\">Cette règle</span>".to_owned(),
        "Ordures ménagères".to_owned(),
        // The values are kept.
        "id=\"jours-tue\" name=\"jours\" value=\"tue\" checked".to_owned(),
        "id=\"jours-fri\" name=\"jours\" value=\"fri\" checked".to_owned(),
        ">15/01/2030</textarea>".to_owned(),
    ] {
        assert!(page.contains(&expected), "{expected:?} missing from {page}");
    }
    assert!(!page.contains("role=\"alert\""), "{page}");

    // Nothing was written: no calendar, no rule, no history.
    let (status, all) = admin.get("/api/v1/waste/calendars").await;
    assert_eq!(status, 200);
    assert_eq!(all, json!([]));
    assert!(rules(&admin, FRUGES).await.is_empty());
    let (_, history) = admin
        .get(&format!("/api/v1/waste/calendars/{FRUGES}/history"))
        .await;
    assert_eq!(history, json!([]));

    // A preview of a rule the rules would refuse says why, still without writing.
    let fields = rule_form(&csrf, "previsualiser", &[("rythme", "weekly")]);
    let (status, _, page) = post_fields(&server, &client, &path, &fields).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("Cochez au moins un jour de collecte."),
        "{page}"
    );
    assert!(
        page.contains("La règle, telle quelle, serait refusée."),
        "{page}"
    );
    assert!(rules(&admin, FRUGES).await.is_empty());
}

#[tokio::test]
async fn a_refused_rule_comes_back_in_french_next_to_its_fields_with_its_values() {
    let (server, admin, client, csrf) = with_web_admin().await;
    let fields = rule_form(
        &csrf,
        "enregistrer",
        &[
            ("flux", "green_waste"),
            ("rythme", "weekly"),
            ("ajoutees", "2027-01-04\r\n\r\n31/02/2027"),
            ("saison_debut_jour", "31"),
            ("saison_debut_mois", "4"),
            ("saison_fin_jour", "30"),
            ("saison_fin_mois", "11"),
            ("note_fr", "Une note à garder"),
        ],
    );
    let path = format!("/dechets/{FRUGES}/regles/nouvelle");
    let (status, _, page) = post_fields(&server, &client, &path, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains(&format!(
            "La règle n’a pas été enregistrée. Corrigez ceci{NNBSP}:"
        )),
        "{page}"
    );
    assert_eq!(
        between(&page, "id=\"erreur-jours\">", "</p>"),
        "Cochez au moins un jour de collecte."
    );
    assert_eq!(
        between(&page, "id=\"erreur-ajoutees\">", "</p>"),
        format!(
            "Ligne 3{NNBSP}: «{NNBSP}31/02/2027{NNBSP}» n’est pas une date (écrivez-la 2027-02-28 ou 28/02/2027)."
        )
    );
    assert_eq!(
        between(&page, "id=\"erreur-saison\">", "</p>"),
        format!("Le 31 avril n’existe pas{NNBSP}: corrigez le début de la saison.")
    );
    for expected in [
        "<a href=\"#jours\">Cochez au moins un jour de collecte.</a>",
        "<option value=\"green_waste\" selected>Déchets verts</option>",
        "name=\"rythme\" value=\"weekly\" checked",
        ">2027-01-04\n\n31/02/2027</textarea>",
        "name=\"saison_debut_jour\" type=\"number\" min=\"1\" max=\"31\" value=\"31\"",
        "<option value=\"11\" selected>novembre</option>",
        ">Une note à garder</textarea>",
    ] {
        assert!(page.contains(expected), "{expected:?} missing from {page}");
    }
    let (_, all) = admin.get("/api/v1/waste/calendars").await;
    assert_eq!(all, json!([]));

    // Every other week from a date, without the date: said next to its field.
    let fields = rule_form(
        &csrf,
        "enregistrer",
        &[("rythme", "fortnightly"), ("jours", "mon")],
    );
    let (status, _, page) = post_fields(&server, &client, &path, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        between(&page, "id=\"erreur-premiere\">", "</p>")
            .starts_with("Indiquez la date d’une collecte"),
        "{page}"
    );
    // A validity that ends before it starts: the shared rules' refusal, in French.
    let fields = rule_form(
        &csrf,
        "enregistrer",
        &[
            ("jours", "mon"),
            ("debut_validite", "2027-06-01"),
            ("fin_validite", "01/03/2027"),
        ],
    );
    let (status, _, page) = post_fields(&server, &client, &path, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        between(&page, "id=\"erreur-fin-validite\">", "</p>"),
        "La fin de validité doit venir après son début."
    );
    assert!(page.contains("value=\"01/03/2027\""), "{page}");
    let (_, all) = admin.get("/api/v1/waste/calendars").await;
    assert_eq!(all, json!([]));
}

#[tokio::test]
async fn the_reminder_form_sets_the_evening_window() {
    let (server, admin, client, csrf) = with_web_admin().await;
    let path = format!("/dechets/{FRUGES}/rappel");
    let (status, location, page) = post_form(
        &server,
        &client,
        &path,
        &[("csrf_token", &csrf), ("debut", "18:30"), ("fin", "22:00")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let location = location.unwrap();
    assert_eq!(location, format!("/dechets/{FRUGES}?fait=rappel#rappel"));
    let c = calendar(&admin, FRUGES).await;
    assert_eq!(
        c["calendar"]["reminder"],
        json!({ "start": "18:30", "end": "22:00" })
    );
    let page = follow(&server, &client, &location).await;
    assert!(
        page.contains("Le rappel est enregistré\u{202f}: les écrans le montrent la veille de chaque collecte, de 18\u{a0}h\u{a0}30 à 22\u{a0}h."),
        "{page}"
    );
    assert!(
        page.contains("name=\"debut\" type=\"time\" required value=\"18:30\""),
        "{page}"
    );
    assert!(
        page.contains("rappel sur les écrans de 18:30 à 22:00"),
        "{page}"
    );

    // The same hour twice: refused, in French, with what was typed.
    let (status, _, page) = post_form(
        &server,
        &client,
        &path,
        &[("csrf_token", &csrf), ("debut", "20:00"), ("fin", "20:00")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert_eq!(
        between(&page, "id=\"erreur-rappel-fin\">", "</p>"),
        "Le rappel doit finir à une autre heure que celle où il commence."
    );
    assert!(
        page.contains("name=\"fin\" type=\"time\" required value=\"20:00\""),
        "{page}"
    );
    // A time that is not one.
    let (status, _, page) = post_form(
        &server,
        &client,
        &path,
        &[
            ("csrf_token", &csrf),
            ("debut", "bientôt"),
            ("fin", "22:00"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("Indiquez l’heure de début du rappel"),
        "{page}"
    );
    let c = calendar(&admin, FRUGES).await;
    assert_eq!(c["calendar"]["reminder"]["start"], "18:30");
}

#[tokio::test]
async fn a_rule_is_edited_then_deleted_through_its_confirmation_then_the_calendar() {
    let (server, admin, client, csrf) = with_web_admin().await;
    let id = api_rule(
        &admin,
        FRUGES,
        json!({ "stream": "household", "rhythm": { "kind": "weekly", "days": ["tue"] },
                "added": ["2030-01-15"] }),
    )
    .await;

    // Its form holds it as stored.
    let form = get_page(&server, &client, &format!("/dechets/{FRUGES}/regles/{id}")).await;
    for expected in [
        "<h1>Modifier la règle</h1>",
        "<option value=\"household\" selected>Ordures ménagères</option>",
        "name=\"rythme\" value=\"weekly\" checked",
        "id=\"jours-tue\" name=\"jours\" value=\"tue\" checked",
        ">2030-01-15\n</textarea>",
    ] {
        assert!(form.contains(expected), "{expected:?} missing from {form}");
    }
    let fields = rule_form(
        &csrf,
        "enregistrer",
        &[
            ("jours", "thu"),
            ("decalage", "cancel"),
            ("maintenus", "victory_day"),
        ],
    );
    let path = format!("/dechets/{FRUGES}/regles/{id}");
    let (status, location, page) = post_fields(&server, &client, &path, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(
        location.as_deref(),
        Some(format!("/dechets/{FRUGES}?fait=regle-modifiee#regles").as_str())
    );
    let stored = rules(&admin, FRUGES).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["id"], id.as_str());
    assert_eq!(stored[0]["rule"]["rhythm"]["days"], json!(["thu"]));
    assert_eq!(
        stored[0]["rule"]["holidays"],
        json!({ "shift": "cancel", "kept": ["victory_day"] })
    );
    assert!(stored[0]["rule"].get("added").is_none(), "{stored:?}");

    // A rule of another calendar is not found there.
    let (status, _) = fetch(
        &server,
        &client,
        &format!("/dechets/{HUCQUELIERS}/regles/{id}"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Deleting asks first.
    let confirm = get_page(
        &server,
        &client,
        &format!("/dechets/{FRUGES}/regles/{id}/supprimer"),
    )
    .await;
    assert!(
        confirm.contains(&format!(
            "Supprimer cette règle du calendrier de Fruges{NNBSP}?"
        )),
        "{confirm}"
    );
    assert!(
        confirm.contains(&format!(
            "action=\"/dechets/{FRUGES}/regles/{id}/supprimer\""
        )),
        "{confirm}"
    );
    assert_eq!(rules(&admin, FRUGES).await.len(), 1);
    let (status, location, _) = press(
        &server,
        &client,
        &format!("/dechets/{FRUGES}/regles/{id}/supprimer"),
        &csrf,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert_eq!(
        location,
        format!("/dechets/{FRUGES}?fait=regle-supprimee#regles")
    );
    assert!(rules(&admin, FRUGES).await.is_empty());
    let page = follow(&server, &client, &location).await;
    assert!(page.contains("La règle est supprimée"), "{page}");
    assert!(page.contains("règle supprimée"), "{page}");
    assert!(page.contains("règle modifiée"), "{page}");

    // Then the whole calendar, also confirmed first.
    let confirm = get_page(&server, &client, &format!("/dechets/{FRUGES}/supprimer")).await;
    assert!(
        confirm.contains(&format!(
            "Supprimer le calendrier de collecte de Fruges{NNBSP}?"
        )),
        "{confirm}"
    );
    let (status, location, _) = press(
        &server,
        &client,
        &format!("/dechets/{FRUGES}/supprimer"),
        &csrf,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert_eq!(location, format!("/dechets?fait=supprime&id={FRUGES}"));
    let (_, all) = admin.get("/api/v1/waste/calendars").await;
    assert_eq!(all, json!([]));
    let page = follow(&server, &client, &location).await;
    assert!(
        page.contains("Le calendrier de collecte de Fruges est supprimé"),
        "{page}"
    );
    // Nothing left to delete.
    let (status, _) = fetch(&server, &client, &format!("/dechets/{FRUGES}/supprimer")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn others_read_calendars_and_the_guide_without_buttons_and_their_posts_are_refused() {
    let server = TestServer::start_with(|s| s.editors_self_publish = true).await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    let id = api_rule(
        &admin,
        FRUGES,
        json!({ "stream": "household", "rhythm": { "kind": "weekly", "days": ["tue"] } }),
    )
    .await;
    server
        .create_user("agent-hucqueliers", Role::Editor, &[HUCQUELIERS])
        .await;
    server.create_user("lecteur", Role::Viewer, &[]).await;

    // A post without the token is refused before anything.
    let (admin_web, _) = web_login(&server, "admin").await;
    let (status, _, page) = post_form(
        &server,
        &admin_web,
        &format!("/dechets/{FRUGES}/rappel"),
        &[("debut", "18:00"), ("fin", "22:00")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("jeton de sécurité"), "{page}");

    // The agent of Hucqueliers changes Hucqueliers' calendar, not Fruges'.
    let (agent, agent_csrf) = web_login(&server, "agent-hucqueliers").await;
    let own = get_page(&server, &agent, &format!("/dechets/{HUCQUELIERS}")).await;
    assert!(own.contains("Ajouter une règle"), "{own}");
    assert!(
        own.contains(&format!("action=\"/dechets/{HUCQUELIERS}/rappel\"")),
        "{own}"
    );

    let (viewer, viewer_csrf) = web_login(&server, "lecteur").await;
    for (client, csrf) in [(&agent, &agent_csrf), (&viewer, &viewer_csrf)] {
        let page = get_page(&server, client, &format!("/dechets/{FRUGES}")).await;
        assert!(page.contains("chaque semaine, le mardi"), "{page}");
        assert!(
            page.contains("Votre compte permet de consulter ce calendrier"),
            "{page}"
        );
        assert!(page.contains("/collectes/62364.ics"), "{page}");
        for absent in [
            "/regles/nouvelle",
            "Modifier",
            "Supprimer",
            "method=\"post\" action=\"/dechets",
        ] {
            assert!(!page.contains(absent), "{absent:?} in {page}");
        }
        for path in [
            format!("/dechets/{FRUGES}/regles/nouvelle"),
            format!("/dechets/{FRUGES}/regles/{id}"),
            format!("/dechets/{FRUGES}/regles/{id}/supprimer"),
            format!("/dechets/{FRUGES}/supprimer"),
            "/dechets/conseils/nouveau".to_owned(),
        ] {
            let (status, page) = fetch(&server, client, &path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {page}");
            assert!(page.contains("Action refusée"), "{page}");
        }
        let (status, _, page) = post_form(
            &server,
            client,
            &format!("/dechets/{FRUGES}/rappel"),
            &[
                ("csrf_token", csrf.as_str()),
                ("debut", "18:00"),
                ("fin", "22:00"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
        assert!(page.contains("Action refusée"), "{page}");
        let fields = rule_form(csrf, "enregistrer", &[("jours", "mon")]);
        let (status, _, _) = post_fields(
            &server,
            client,
            &format!("/dechets/{FRUGES}/regles/nouvelle"),
            &fields,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let fields = rule_form(csrf, "previsualiser", &[("jours", "mon")]);
        let (status, _, _) = post_fields(
            &server,
            client,
            &format!("/dechets/{FRUGES}/regles/nouvelle"),
            &fields,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        for path in [
            format!("/dechets/{FRUGES}/regles/{id}/supprimer"),
            format!("/dechets/{FRUGES}/supprimer"),
        ] {
            let (status, _, _) = press(&server, client, &path, csrf).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        }
        let guide = get_page(&server, client, "/dechets/conseils").await;
        assert!(
            guide.contains("Votre compte permet de consulter le guide du tri"),
            "{guide}"
        );
        assert!(!guide.contains("type=\"file\""), "{guide}");
        assert!(!guide.contains("/dechets/conseils/nouveau"), "{guide}");
    }
    let viewer_page = get_page(&server, &viewer, &format!("/dechets/{FRUGES}")).await;
    assert!(
        viewer_page.contains("Votre compte permet de consulter ce calendrier"),
        "{viewer_page}"
    );
    let stored = rules(&admin, FRUGES).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        calendar(&admin, FRUGES).await["calendar"]["reminder"]["start"],
        "17:00"
    );
}

#[tokio::test]
async fn ademes_guide_uploaded_through_the_page_is_listed_searched_featured_and_hidden() {
    let (server, admin, client, csrf) = with_web_admin().await;
    let page = get_page(&server, &client, "/dechets/conseils").await;
    assert!(page.contains("Le guide est vide"), "{page}");
    assert!(page.contains("Aucun import pour l’instant."), "{page}");

    let file = std::fs::read(samples().join("waste/waste.json")).unwrap();
    let (status, location, page) = upload_form(
        &server,
        &client,
        "/dechets/conseils/importer",
        Some(&csrf),
        ("waste.json", "application/json", &file),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let location = location.unwrap();
    assert_eq!(location, "/dechets/conseils?fait=importe#imports");
    let page = follow(&server, &client, &location).await;
    for expected in [
        "Import terminé\u{202f}: 390 fiches lues · 390 ajoutées · 0 mise à jour · 0 inchangée",
        "<span class=\"adresse\">waste.json</span>",
        "par admin",
        "Le fichier annonce 390 fiches.",
        "Page 1 sur 8",
        "Accessoire automobile (et deux-roues) électronique",
    ] {
        assert!(page.contains(expected), "{expected:?} missing from {page}");
    }
    // The file's mis-encoded key is reported as repaired.
    assert!(page.contains("Comment_les_éviter_?"), "{page}");
    let (status, imports) = admin.get("/api/v1/waste/advice/imports").await;
    assert_eq!(status, 200);
    assert_eq!(imports[0]["file"], "waste.json");
    assert_eq!(imports[0]["read"], 390);

    // The second page, and a search that ignores accents and case.
    let second = get_page(&server, &client, "/dechets/conseils?page=2").await;
    assert!(second.contains("Page 2 sur 8"), "{second}");
    assert!(second.contains("rel=\"prev\""), "{second}");
    let found = get_page(
        &server,
        &client,
        "/dechets/conseils?q=ACCESSOIRE+automobile+ELECTRONIQUE",
    )
    .await;
    let line = row(&found, "conseil-ademe-1");
    assert!(line.contains("Accessoire automobile"), "{line}");
    assert!(line.contains("Guide de l’ADEME"), "{line}");
    assert!(
        line.contains("Déchetterie") || line.contains("Retour en magasin"),
        "{line}"
    );
    assert!(!found.contains("Page 1 sur 8"), "{found}");

    // Featured, then hidden, through the buttons: the API follows, and the list it was
    // pressed in comes back.
    assert_eq!(
        advice(&admin, "ademe-1").await["advice"].get("featured"),
        None
    );
    let (status, location, _) = post_form(
        &server,
        &client,
        "/dechets/conseils/ademe-1/vedette",
        &[
            ("csrf_token", &csrf),
            ("q", "accessoire"),
            ("filtre", "tous"),
            ("page", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert_eq!(
        location,
        "/dechets/conseils?q=accessoire&fait=vedette&id=ademe-1#conseil-ademe-1"
    );
    assert_eq!(advice(&admin, "ademe-1").await["advice"]["featured"], true);
    let page = follow(&server, &client, &location).await;
    assert!(page.contains("est en vedette"), "{page}");
    let line = row(&page, "conseil-ademe-1");
    assert!(line.contains("En vedette"), "{line}");
    assert!(line.contains("Retirer de la vedette"), "{line}");

    let (status, _, _) = press(&server, &client, "/dechets/conseils/ademe-1/masquer", &csrf).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(advice(&admin, "ademe-1").await["hidden"], true);
    let hidden = get_page(&server, &client, "/dechets/conseils?filtre=masques").await;
    let line = row(&hidden, "conseil-ademe-1");
    assert!(line.contains("Masqué"), "{line}");
    assert!(line.contains(">Afficher</button>"), "{line}");
    assert!(hidden.contains("1 conseil sur 390"), "{hidden}");
    let (status, _, _) = press(
        &server,
        &client,
        "/dechets/conseils/ademe-1/afficher",
        &csrf,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = press(
        &server,
        &client,
        "/dechets/conseils/ademe-1/hors-vedette",
        &csrf,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let a = advice(&admin, "ademe-1").await;
    assert_eq!(a["hidden"], false);
    assert_eq!(a["advice"].get("featured"), None);

    // An imported entry is hidden, not deleted: the next import would bring it back.
    let (status, page) = fetch(&server, &client, "/dechets/conseils/ademe-1/supprimer").await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("Masquez-le plutôt"), "{page}");
}

#[tokio::test]
async fn the_officers_own_tips_are_written_refused_in_french_and_deleted() {
    let (server, admin, client, csrf) = with_web_admin().await;
    let form = get_page(&server, &client, "/dechets/conseils/nouveau").await;
    for expected in [
        "<option value=\"bin:packaging\">Bac «\u{202f}Emballages et papiers\u{202f}»</option>",
        "<option value=\"recycling_centre\">Déchetterie</option>",
        "<option value=\"take_back\">Retour en magasin</option>",
        "<option value=\"pharmacy\">Pharmacie</option>",
        "name=\"vedette\"",
    ] {
        assert!(form.contains(expected), "{expected:?} missing from {form}");
    }
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("nom_fr", "  "),
        ("synonymes", "dosette\r\ncapsule"),
        ("destination", "recycling_centre"),
        ("consignes_fr", "Videz le marc dans le compost."),
    ];
    let (status, _, page) = post_form(&server, &client, "/dechets/conseils/nouveau", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        between(&page, "id=\"erreur-nom\">", "</p>").starts_with("Saisissez le nom de l’objet"),
        "{page}"
    );
    assert!(page.contains(">dosette\ncapsule</textarea>"), "{page}");
    assert!(
        page.contains("<option value=\"recycling_centre\" selected>"),
        "{page}"
    );
    let (_, all) = admin.get("/api/v1/waste/advice").await;
    assert_eq!(all, json!([]));

    let mut fields = fields.to_vec();
    fields[1] = ("nom_fr", "Capsule de café");
    fields.push(("vedette", "oui"));
    let (status, location, page) =
        post_form(&server, &client, "/dechets/conseils/nouveau", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let location = location.unwrap();
    let id = location
        .strip_prefix("/dechets/conseils?fait=cree&id=")
        .unwrap()
        .to_owned();
    let a = advice(&admin, &id).await;
    assert_eq!(a["origin"], "officer");
    assert_eq!(a["advice"]["name"]["fr"], "Capsule de café");
    assert_eq!(a["advice"]["synonyms"], json!(["dosette", "capsule"]));
    assert_eq!(
        a["advice"]["destination"],
        json!({ "kind": "recycling_centre" })
    );
    assert_eq!(a["advice"]["featured"], true);
    let page = follow(&server, &client, &location).await;
    assert!(page.contains("Capsule de café"), "{page}");
    assert!(page.contains("est enregistré"), "{page}");
    let mine = get_page(
        &server,
        &client,
        "/dechets/conseils?filtre=communaute&q=DOSETTE",
    )
    .await;
    let line = row(&mine, &format!("conseil-{id}"));
    assert!(line.contains("Communauté de communes"), "{line}");
    assert!(
        line.contains(&format!("/dechets/conseils/{id}/supprimer")),
        "{line}"
    );

    // Edited, then deleted after its confirmation.
    let form = get_page(&server, &client, &format!("/dechets/conseils/{id}")).await;
    assert!(form.contains("value=\"Capsule de café\""), "{form}");
    assert!(
        form.contains("id=\"vedette\" name=\"vedette\" value=\"oui\" checked"),
        "{form}"
    );
    fields[3] = ("destination", "bin:packaging");
    let (status, location, _) = post_form(
        &server,
        &client,
        &format!("/dechets/conseils/{id}"),
        &fields,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.unwrap(),
        format!("/dechets/conseils?fait=modifie&id={id}")
    );
    assert_eq!(
        advice(&admin, &id).await["advice"]["destination"],
        json!({ "kind": "bin", "stream": "packaging" })
    );
    let confirm = get_page(
        &server,
        &client,
        &format!("/dechets/conseils/{id}/supprimer"),
    )
    .await;
    assert!(
        confirm.contains("Supprimer le conseil «\u{202f}Capsule de café\u{202f}»\u{202f}?"),
        "{confirm}"
    );
    let (status, location, _) = press(
        &server,
        &client,
        &format!("/dechets/conseils/{id}/supprimer"),
        &csrf,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.unwrap(), "/dechets/conseils?fait=supprime");
    let (_, all) = admin.get("/api/v1/waste/advice").await;
    assert_eq!(all, json!([]));
}

#[tokio::test]
async fn the_subscription_address_on_the_page_serves_the_calendar_as_icalendar() {
    let (server, admin, client, _) = with_web_admin().await;
    api_rule(
        &admin,
        FRUGES,
        json!({ "stream": "glass", "rhythm": { "kind": "monthly", "nth": [1], "day": "wed" } }),
    )
    .await;
    let page = get_page(&server, &client, &format!("/dechets/{FRUGES}")).await;
    let url = format!("{}/collectes/{FRUGES}.ics", server.url);
    assert!(
        page.contains(&format!("<a class=\"adresse\" href=\"{url}\">{url}</a>")),
        "{page}"
    );
    assert!(page.contains("s’abonnant à cette adresse"), "{page}");
    let r = reqwest::Client::new().get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar"),
        "{:?}",
        r.headers()
    );
    let body = r.text().await.unwrap();
    assert!(body.starts_with("BEGIN:VCALENDAR"), "{body}");
    assert!(body.contains("Verre"), "{body}");
}

#[tokio::test]
async fn a_calendar_takes_the_rules_of_another_commune_through_its_page() {
    let (server, admin, client, csrf) = with_web_admin().await;
    api_rule(
        &admin,
        FRUGES,
        json!({ "stream": "glass", "rhythm": { "kind": "monthly", "nth": [2], "day": "wed" } }),
    )
    .await;
    let page = get_page(&server, &client, &format!("/dechets/{HUCQUELIERS}")).await;
    assert!(
        page.contains(&format!("<option value=\"{FRUGES}\">Fruges</option>")),
        "{page}"
    );
    let (status, location, _) = post_form(
        &server,
        &client,
        &format!("/dechets/{HUCQUELIERS}/reprendre"),
        &[("csrf_token", csrf.as_str()), ("depuis", FRUGES)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert!(location.contains("fait=regles-reprises"), "{location}");
    let page = follow(&server, &client, &location).await;
    assert!(page.contains("Les règles sont reprises"), "{page}");
    assert!(page.contains("le 2e mercredi du mois"), "{page}");
    assert_eq!(rules(&admin, HUCQUELIERS).await.len(), 1);
    // Fruges' page now offers Hucqueliers, which has rules.
    let page = get_page(&server, &client, &format!("/dechets/{FRUGES}")).await;
    assert!(
        page.contains(&format!(
            "<option value=\"{HUCQUELIERS}\">Hucqueliers</option>"
        )),
        "{page}"
    );
    // Without the token: refused, nothing added.
    let (status, _, _) = post_form(
        &server,
        &client,
        &format!("/dechets/{HUCQUELIERS}/reprendre"),
        &[("depuis", FRUGES)],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(rules(&admin, HUCQUELIERS).await.len(), 1);
}
