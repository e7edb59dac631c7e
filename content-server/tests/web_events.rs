//! The agenda page for real: an event written through the form reaches the API with the
//! fields typed, shows « En ligne » with its date in French, and a form posted twice writes
//! it once; a refused form comes back in French with its values and stores nothing; an
//! editor's event waits until an approver validates it on the page; a file-fed iCalendar
//! source is created and fed by uploads, with its report item by item in French, and a broken
//! file keeps the earlier events; a post without the CSRF token is refused, and a viewer
//! gets no form.

mod common;

use std::sync::atomic::Ordering;

use beffroi_protocol::format::format_event_when;
use beffroi_protocol::text::Lang;
use beffroi_protocol::time::Zone;
use beffroi_server::users::Role;
use common::{
    Api, FRUGES, HUCQUELIERS, TestServer, between, doc_host, fetch, get_page, post_fields,
    post_form, press, row, upload_form, web_login, with_web_admin,
};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The narrow no-break space of French typography.
const NNBSP: char = '\u{202f}';

/// The day `n` days after today, in the territory.
fn day(n: i64) -> Date {
    let today = Timestamp::now()
        .to_zoned_datetime(Zone::paris().tz())
        .date();
    today.checked_add(jiff::Span::new().days(n)).unwrap()
}

/// How the agenda writes a timed date of `day`, from `start` to `end` ("14:30").
fn french_when(day: Date, start: &str, end: &str) -> String {
    let at = |time: &str| {
        format!("{day}T{time}")
            .parse::<DateTime>()
            .unwrap()
            .to_zoned_datetime(Zone::paris().tz())
            .unwrap()
    };
    format_event_when(&at(start), &at(end), false, self::day(0), &Lang::fr())
}

/// Every event the API gives `api`.
async fn events(api: &Api) -> Vec<Value> {
    let (status, body) = api.get("/api/v1/events").await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

/// The fields of a new event's form, as a browser posts it with `changes` typed in.
async fn event_form(
    server: &TestServer,
    client: &reqwest::Client,
    csrf: &str,
    changes: &[(&str, &str)],
) -> Vec<(String, String)> {
    let form = get_page(server, client, "/agenda/nouveau").await;
    let nonce = between(&form, "name=\"jeton\" value=\"", "\"");
    let mut fields: Vec<(String, String)> = [
        ("csrf_token", csrf),
        ("jeton", nonce),
        ("proprietaire", ""),
        ("titre_fr", ""),
        ("titre_en", ""),
        ("titre_nl", ""),
        ("description_fr", ""),
        ("description_en", ""),
        ("description_nl", ""),
        ("debut_1", ""),
        ("fin_1", ""),
        ("debut_2", ""),
        ("fin_2", ""),
        ("lieu", ""),
        ("adresse", ""),
        ("commune", ""),
        ("categorie", "other"),
        ("statut", "scheduled"),
        ("lien", ""),
        ("image", ""),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (name, value) in changes {
        match fields.iter_mut().find(|(k, _)| k == name) {
            Some(field) => field.1 = (*value).to_owned(),
            None => fields.push(((*name).to_owned(), (*value).to_owned())),
        }
    }
    fields
}

/// A file sent by the page's upload form (`multipart/form-data`), with the CSRF token when
/// given: the response.
async fn upload(
    server: &TestServer,
    client: &reqwest::Client,
    source: &str,
    csrf: Option<&str>,
    file: &[u8],
) -> (StatusCode, Option<String>, String) {
    upload_form(
        server,
        client,
        &format!("/agenda/sources/{source}/fichier"),
        csrf,
        ("agenda.ics", "text/calendar", file),
    )
    .await
}

/// A town hall's calendar: (uid, title, in how many days at 20:00, location, extra lines).
fn calendar(events: &[(&str, &str, i64, &str, &str)]) -> Vec<u8> {
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Mairie de Fruges//FR\r\n\
         BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nEND:VTIMEZONE\r\n",
    );
    for (uid, title, days, location, extra) in events {
        let d = day(*days).strftime("%Y%m%d");
        out.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{title}\r\n{extra}\
             DTSTART;TZID=Europe/Paris:{d}T200000\r\nDTEND;TZID=Europe/Paris:{d}T230000\r\n\
             LOCATION:{location}\r\nEND:VEVENT\r\n"
        ));
    }
    out.push_str("END:VCALENDAR\r\n");
    out.into_bytes()
}

#[tokio::test]
async fn an_administrators_event_written_in_the_form_is_online_in_french_and_in_the_api() {
    let (server, admin, client, csrf) = with_web_admin().await;

    let page = get_page(&server, &client, "/agenda").await;
    assert!(
        page.contains("<a href=\"/agenda\" aria-current=\"page\">Agenda</a>"),
        "{page}"
    );
    assert!(page.contains("Aucun événement pour l’instant."), "{page}");

    // The form offers the intercommunality, every commune and the categories in French.
    let form = get_page(&server, &client, "/agenda/nouveau").await;
    for expected in [
        "<option value=\"\" selected>Communauté de communes</option>",
        &format!("<option value=\"{HUCQUELIERS}\">Hucqueliers</option>"),
        "<option value=\"market\">Marché</option>",
        "<option value=\"guided_tour\">Visite guidée</option>",
        "<option value=\"cancelled\">Annulé</option>",
        "name=\"debut_1\" type=\"datetime-local\"",
        "Ajouter une date",
        "name=\"journee\"",
    ] {
        assert!(form.contains(expected), "{expected:?} missing from {form}");
    }

    let d = day(3);
    let (start, end) = (format!("{d}T14:30"), format!("{d}T19:00"));
    let fields = event_form(
        &server,
        &client,
        &csrf,
        &[
            ("titre_fr", "Marché de Noël"),
            ("titre_en", "Christmas market"),
            ("description_fr", "Producteurs locaux,\r\nvin chaud."),
            ("debut_1", &start),
            ("fin_1", &end),
            ("lieu", "Place du Marché"),
            ("commune", FRUGES),
            ("categorie", "market"),
            ("lien", "https://www.fruges.fr/marche-de-noel"),
        ],
    )
    .await;
    let nonce = fields.iter().find(|(k, _)| k == "jeton").unwrap().1.clone();
    let (status, location, body) = post_fields(&server, &client, "/agenda/nouveau", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = location.unwrap();
    let id = format!("marche-de-noel-{nonce}");
    assert_eq!(location, format!("/agenda?fait=cree&id={id}"));

    // The same form posted again (a double click): the same answer, one event.
    let (status, again, _) = post_fields(&server, &client, "/agenda/nouveau", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(again.as_deref(), Some(location.as_str()));

    let all = events(&admin).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let e = &all[0];
    assert_eq!(e["id"], id.as_str());
    assert_eq!(e["owner"], Value::Null);
    assert_eq!(e["commune"], FRUGES);
    assert_eq!(e["record"]["title"]["fr"], "Marché de Noël");
    assert_eq!(e["record"]["title"]["en"], "Christmas market");
    assert!(e["record"]["title"].get("nl").is_none(), "{e}");
    assert_eq!(
        e["record"]["description"]["fr"],
        "Producteurs locaux,\nvin chaud."
    );
    assert_eq!(e["record"]["place"]["name"], "Place du Marché");
    assert_eq!(e["record"]["category"], "market");
    assert_eq!(e["record"]["url"], "https://www.fruges.fr/marche-de-noel");
    assert!(e["approved_at"].is_string(), "{e}");
    let (status, dates) = admin.get(&format!("/api/v1/events/{id}/occurrences")).await;
    assert_eq!(status, 200, "{dates}");
    let dates = dates.as_array().unwrap();
    assert_eq!(dates.len(), 1, "{dates:?}");
    assert!(
        dates[0]["start"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{start}:00+")),
        "{dates:?}"
    );
    assert!(
        dates[0]["end"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{end}:00+")),
        "{dates:?}"
    );

    // The list after the redirect says it is online, with its date in French.
    let when = french_when(d, "14:30", "19:00");
    assert!(when.ends_with("14\u{a0}h\u{a0}30"), "{when}");
    let page = get_page(&server, &client, &location).await;
    assert!(
        page.contains(&format!(
            "L’événement «{NNBSP}Marché de Noël{NNBSP}» est enregistré{NNBSP}; il est en ligne"
        )),
        "{page}"
    );
    let line = row(&page, &format!("evenement-{id}"));
    for expected in [
        "<span class=\"statut statut-en-ligne\">En ligne</span>",
        &format!("<a href=\"/agenda/evenements/{id}\">Marché de Noël</a>"),
        &when,
        "Place du Marché",
        "Fruges",
        "Marché",
        "Saisi par admin",
        &format!("/agenda/evenements/{id}/modifier"),
        &format!("/agenda/evenements/{id}/retirer"),
    ] {
        assert!(line.contains(expected), "{expected:?} missing from {line}");
    }
    // Already approved: nothing to validate.
    assert!(!line.contains("/valider"), "{line}");

    // Its own page: every field, the description's lines kept.
    let detail = get_page(&server, &client, &format!("/agenda/evenements/{id}")).await;
    for expected in [
        "Producteurs locaux,<br>vin chaud.",
        "Communauté de communes",
        "https://www.fruges.fr/marche-de-noel",
        "Maintenu",
        "En anglais",
    ] {
        assert!(
            detail.contains(expected),
            "{expected:?} missing from {detail}"
        );
    }

    // The edit form holds what was stored; a second date and a cancellation go through
    // the same rules.
    let path = format!("/agenda/evenements/{id}/modifier");
    let edit = get_page(&server, &client, &path).await;
    for expected in [
        "value=\"Christmas market\"".to_owned(),
        format!("name=\"debut_1\" type=\"datetime-local\" value=\"{start}\""),
        format!("name=\"fin_1\" type=\"datetime-local\" value=\"{end}\""),
        format!("<option value=\"{FRUGES}\" selected>Fruges</option>"),
        "<option value=\"market\" selected>Marché</option>".to_owned(),
        "name=\"debut_2\"".to_owned(),
    ] {
        assert!(edit.contains(&expected), "{expected:?} missing from {edit}");
    }
    assert!(!edit.contains("name=\"jeton\""), "{edit}");
    let d2 = day(10);
    let mut changed = fields.clone();
    for (k, v) in &mut changed {
        match k.as_str() {
            "debut_2" => *v = format!("{d2}T10:00"),
            "statut" => *v = "cancelled".into(),
            _ => {}
        }
    }
    let (status, location, body) = post_fields(&server, &client, &path, &changed).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = location.unwrap();
    assert_eq!(location, format!("/agenda?fait=modifie&id={id}"));
    let all = events(&admin).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["record"]["status"], "cancelled");
    let (_, dates) = admin.get(&format!("/api/v1/events/{id}/occurrences")).await;
    assert_eq!(dates.as_array().unwrap().len(), 2, "{dates}");
    let page = get_page(&server, &client, &location).await;
    let line = row(&page, &format!("evenement-{id}"));
    assert!(
        line.contains("<span class=\"statut statut-echec\">Annulé</span>"),
        "{line}"
    );
    assert!(line.contains(&french_when(d2, "10:00", "12:00")), "{line}");

    // Deleting asks first, then removes it.
    let confirm = get_page(
        &server,
        &client,
        &format!("/agenda/evenements/{id}/supprimer"),
    )
    .await;
    assert!(
        confirm.contains(&format!(
            "Supprimer l’événement «{NNBSP}Marché de Noël{NNBSP}»{NNBSP}?"
        )),
        "{confirm}"
    );
    let (status, location, _) = press(
        &server,
        &client,
        &format!("/agenda/evenements/{id}/supprimer"),
        &csrf,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.unwrap(), "/agenda?fait=supprime");
    assert!(events(&admin).await.is_empty());
}

#[tokio::test]
async fn an_invalid_event_comes_back_in_french_with_its_values_and_stores_nothing() {
    let (server, admin, client, csrf) = with_web_admin().await;
    let d = day(5);
    let (start, end) = (format!("{d}T10:00"), format!("{d}T09:00"));

    // No French title, and an end before the start: both said, next to their fields.
    let fields = event_form(
        &server,
        &client,
        &csrf,
        &[
            ("titre_fr", "   "),
            ("titre_en", "Village fair"),
            ("description_fr", "Un texte à garder"),
            ("debut_1", &start),
            ("fin_1", &end),
            ("lieu", "Salle des fêtes"),
            ("commune", FRUGES),
            ("categorie", "festival"),
            ("lien", "https://example.org/fete"),
        ],
    )
    .await;
    let (status, _, page) = post_fields(&server, &client, "/agenda/nouveau", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    for expected in [
        format!("L’événement n’a pas été enregistré. Corrigez ceci{NNBSP}:"),
        "role=\"alert\"".to_owned(),
        format!(
            "<a href=\"#titre_fr\">Saisissez le titre en français{NNBSP}: il s’affiche en grand sur les écrans.</a>"
        ),
        "<a href=\"#dates\">La fin doit venir après le début.</a>".to_owned(),
        "<p class=\"erreur-champ\" id=\"erreur-dates\">La fin doit venir après le début.</p>"
            .to_owned(),
        "id=\"titre_fr\" name=\"titre_fr\" type=\"text\" required value=\"   \" aria-invalid=\"true\""
            .to_owned(),
        // What was typed is kept.
        "value=\"Village fair\"".to_owned(),
        ">Un texte à garder</textarea>".to_owned(),
        format!("name=\"debut_1\" type=\"datetime-local\" value=\"{start}\""),
        format!("name=\"fin_1\" type=\"datetime-local\" value=\"{end}\""),
        "value=\"Salle des fêtes\"".to_owned(),
        "value=\"https://example.org/fete\"".to_owned(),
        format!("<option value=\"{FRUGES}\" selected>Fruges</option>"),
        "<option value=\"festival\" selected>Fête</option>".to_owned(),
        // The form's token is kept, so that the corrected form still writes one event.
        format!(
            "name=\"jeton\" value=\"{}\"",
            fields.iter().find(|(k, _)| k == "jeton").unwrap().1
        ),
        // The server's own words, for support.
        "the event is not valid".to_owned(),
    ] {
        assert!(page.contains(&expected), "{expected:?} missing from {page}");
    }
    assert!(events(&admin).await.is_empty());

    // A date the page cannot read is refused before the rules see anything; so is a second
    // date without a start.
    let fields = event_form(
        &server,
        &client,
        &csrf,
        &[("titre_fr", "Fête"), ("debut_1", "demain"), ("fin_2", &end)],
    )
    .await;
    let (status, _, page) = post_fields(&server, &client, "/agenda/nouveau", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(&format!("Date 1{NNBSP}: le début est illisible")),
        "{page}"
    );
    assert!(
        page.contains(&format!("Date 2{NNBSP}: indiquez le début.")),
        "{page}"
    );
    assert!(page.contains("value=\"demain\""), "{page}");
    assert!(events(&admin).await.is_empty());

    // No date at all: the rules say one is needed.
    let fields = event_form(&server, &client, &csrf, &[("titre_fr", "Fête")]).await;
    let (status, _, page) = post_fields(&server, &client, "/agenda/nouveau", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Indiquez au moins une date"), "{page}");
    assert!(events(&admin).await.is_empty());
}

#[tokio::test]
async fn an_editors_event_waits_until_an_approver_validates_it_on_the_page() {
    let server = TestServer::start().await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    server
        .create_user("agent-fruges", Role::Editor, &[FRUGES])
        .await;
    server.create_user("valideur", Role::Approver, &[]).await;
    let (editor, editor_csrf) = web_login(&server, "agent-fruges").await;

    // An editor writes for their commune only, and is told their events wait.
    let form = get_page(&server, &editor, "/agenda/nouveau").await;
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
    assert!(form.contains("une fois validé"), "{form}");

    let start = format!("{}T20:00", day(4));
    let fields = event_form(
        &server,
        &editor,
        &editor_csrf,
        &[
            ("proprietaire", FRUGES),
            ("titre_fr", "Loto de l’école"),
            ("debut_1", &start),
            ("categorie", "family"),
        ],
    )
    .await;
    let (status, location, body) = post_fields(&server, &editor, "/agenda/nouveau", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = location.unwrap();
    let id = location.split_once("&id=").unwrap().1.to_owned();
    let page = get_page(&server, &editor, &location).await;
    assert!(
        page.contains("il attend la validation d’un valideur ou d’un administrateur"),
        "{page}"
    );
    let line = row(&page, &format!("evenement-{id}"));
    assert!(
        line.contains("<span class=\"statut statut-attente\">En attente de validation</span>"),
        "{line}"
    );
    assert!(!line.contains("statut-en-ligne"), "{line}");
    assert!(line.contains("Saisi par agent-fruges"), "{line}");
    assert!(
        !line.contains("/valider"),
        "an editor cannot validate: {line}"
    );
    let (status, _, body) = press(
        &server,
        &editor,
        &format!("/agenda/evenements/{id}/valider"),
        &editor_csrf,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let stored = events(&admin).await;
    assert_eq!(stored[0]["owner"], FRUGES);
    assert_eq!(stored[0]["commune"], FRUGES);
    assert!(stored[0].get("approved_at").is_none(), "{stored:?}");

    // The approver validates it on the page.
    let (approver, csrf) = web_login(&server, "valideur").await;
    let page = get_page(&server, &approver, "/agenda").await;
    let line = row(&page, &format!("evenement-{id}"));
    assert!(
        line.contains(&format!("action=\"/agenda/evenements/{id}/valider\"")),
        "{line}"
    );
    let (status, location, body) = press(
        &server,
        &approver,
        &format!("/agenda/evenements/{id}/valider"),
        &csrf,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = location.unwrap();
    assert_eq!(location, format!("/agenda?fait=valide&id={id}"));
    let page = get_page(&server, &approver, &location).await;
    assert!(page.contains("est validé"), "{page}");
    let line = row(&page, &format!("evenement-{id}"));
    assert!(line.contains("statut-en-ligne"), "{line}");
    assert!(!line.contains("statut-attente"), "{line}");
    assert!(line.contains("validé par valideur"), "{line}");
    let stored = events(&admin).await;
    assert_eq!(stored[0]["approved_by"], "valideur");

    // Withdrawn from the screens, then put back.
    let (status, _, _) = press(
        &server,
        &approver,
        &format!("/agenda/evenements/{id}/retirer"),
        &csrf,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(events(&admin).await[0]["hidden"], true);
    let page = get_page(&server, &approver, "/agenda").await;
    let line = row(&page, &format!("evenement-{id}"));
    assert!(line.contains(">Retiré</span>"), "{line}");
    assert!(line.contains("/remettre"), "{line}");
    let (status, _, _) = press(
        &server,
        &approver,
        &format!("/agenda/evenements/{id}/remettre"),
        &csrf,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(events(&admin).await[0]["hidden"], false);
}

#[tokio::test]
async fn a_file_fed_calendar_is_imported_through_the_page_with_its_report_in_french() {
    let (server, admin, client, csrf) = with_web_admin().await;

    // A refused source form says why, by field, and keeps what was typed.
    let (status, _, page) = post_form(
        &server,
        &client,
        "/agenda/sources/nouvelle",
        &[
            ("csrf_token", &csrf),
            ("nom", ""),
            ("format", "open_agenda"),
            ("adresse", "ftp://example.org/agenda.ics"),
            ("proprietaire", ""),
            ("commune", ""),
            ("zone", "Mars/Olympus"),
            ("categorie", ""),
            ("frequence", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    for expected in [
        "Donnez un nom à la source",
        "L’adresse doit être complète",
        "Indiquez un fuseau horaire IANA",
        "Indiquez un nombre de minutes entre 5 et 10",
        "value=\"ftp://example.org/agenda.ics\"",
        "value=\"Mars/Olympus\"",
        "<option value=\"open_agenda\" selected>OpenAgenda</option>",
    ] {
        assert!(page.contains(expected), "{expected:?} missing from {page}");
    }
    let (_, sources) = admin.get("/api/v1/events/sources").await;
    assert_eq!(sources.as_array().unwrap().len(), 0);

    // A calendar without an address, fed by files; its events without a place of the
    // territory go to Fruges.
    let (status, location, body) = post_form(
        &server,
        &client,
        "/agenda/sources/nouvelle",
        &[
            ("csrf_token", &csrf),
            ("nom", "Calendrier de la mairie"),
            ("format", "ical"),
            ("adresse", ""),
            ("proprietaire", ""),
            ("commune", FRUGES),
            ("zone", "Europe/Paris"),
            ("categorie", ""),
            ("frequence", "360"),
            ("actif", "oui"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = location.unwrap();
    let source = between(&location, "/agenda/sources/", "?fait=cree").to_owned();
    let page = get_page(&server, &client, &location).await;
    assert!(page.contains("déposez ci-dessous un fichier"), "{page}");
    assert!(page.contains("enctype=\"multipart/form-data\""), "{page}");
    assert!(page.contains("Aucun import pour l’instant."), "{page}");

    // Two events, one cancelled: the report counts them and names each, in French.
    let hall = "Salle des fêtes\\, 62310 Fruges";
    let first = calendar(&[
        ("concert", "Concert de l’harmonie", 3, hall, ""),
        ("loto", "Loto", 4, hall, "STATUS:CANCELLED\r\n"),
    ]);
    let (status, location, body) = upload(&server, &client, &source, Some(&csrf), &first).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = location.unwrap();
    assert_eq!(location, format!("/agenda/sources/{source}?fait=importe"));
    let page = get_page(&server, &client, &location).await;
    assert!(
        page.contains(&format!("Import terminé{NNBSP}: 1 ajouté · 1 annulé.")),
        "{page}"
    );
    let report = between(&page, "<details class=\"rapport\" open>", "</details>");
    for expected in [
        "Fichier déposé par admin",
        "<span class=\"comptes\">1 ajouté · 1 annulé</span>",
        "Concert de l’harmonie<span class=\"ident\">concert</span>",
        "<span class=\"statut statut-en-ligne\">Ajouté</span>",
        "Loto<span class=\"ident\">loto</span>",
        "<span class=\"statut statut-attente\">Annulé</span>",
    ] {
        assert!(
            report.contains(expected),
            "{expected:?} missing from {report}"
        );
    }
    assert_eq!(events(&admin).await.len(), 2);

    // On the list: from the source, in Fruges, the cancelled one said so.
    let list = get_page(&server, &client, "/agenda").await;
    let all = events(&admin).await;
    let id_of = |key: &str| {
        all.iter().find(|e| e["source_key"] == key).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (concert, loto) = (id_of("concert"), id_of("loto"));
    let line = row(&list, &format!("evenement-{concert}"));
    for expected in [
        "statut-en-ligne",
        &format!("<a href=\"/agenda/sources/{source}\">Calendrier de la mairie</a>"),
        &french_when(day(3), "20:00", "23:00"),
        "Fruges",
    ] {
        assert!(line.contains(expected), "{expected:?} missing from {line}");
    }
    // Imported: withdrawn, never edited here.
    assert!(!line.contains("/modifier"), "{line}");
    assert!(
        line.contains(&format!("/agenda/evenements/{concert}/retirer")),
        "{line}"
    );
    let line = row(&list, &format!("evenement-{loto}"));
    assert!(line.contains(">Annulé</span>"), "{line}");
    let source_row = row(&list, &format!("source-{source}"));
    assert!(
        source_row.contains("iCalendar · 2 événements"),
        "{source_row}"
    );
    assert!(source_row.contains("fichiers déposés"), "{source_row}");
    assert!(source_row.contains("<time datetime="), "{source_row}");
    let (status, page) = fetch(
        &server,
        &client,
        &format!("/agenda/evenements/{concert}/modifier"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("Retirez-le des écrans à la place."), "{page}");
    let detail = get_page(&server, &client, &format!("/agenda/evenements/{concert}")).await;
    assert!(
        detail.contains("Cet événement vient de la source"),
        "{detail}"
    );
    assert!(
        detail.contains(&format!("action=\"/agenda/evenements/{concert}/retirer\"")),
        "{detail}"
    );

    // The loto leaves the calendar and a flea market in Paris joins it: removed, and
    // outside the territory, each said.
    let second = calendar(&[
        ("concert", "Concert de l’harmonie", 3, hall, ""),
        (
            "brocante",
            "Brocante",
            5,
            "Place de la Bastille\\, 75011 Paris",
            "",
        ),
    ]);
    let (status, location, body) = upload(&server, &client, &source, Some(&csrf), &second).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let page = get_page(&server, &client, &location.unwrap()).await;
    let report = between(&page, "<details class=\"rapport\" open>", "</details>");
    for expected in [
        "1 ajouté · 1 retiré · 1 inchangé",
        "<span class=\"statut statut-retiree\">Retiré de la source</span>",
        &format!("N’est plus dans la source{NNBSP}: retiré des écrans."),
        &format!(
            "Hors du territoire (Place de la Bastille, 75011 Paris){NNBSP}: pas affiché sur les écrans."
        ),
    ] {
        assert!(
            report.contains(expected),
            "{expected:?} missing from {report}"
        );
    }
    let list = get_page(&server, &client, "/agenda").await;
    let line = row(&list, &format!("evenement-{loto}"));
    assert!(line.contains(">Retiré de la source</span>"), "{line}");
    assert!(!line.contains("statut-en-ligne"), "{line}");
    let all = events(&admin).await;
    let brocante = all.iter().find(|e| e["source_key"] == "brocante").unwrap();
    let line = row(
        &list,
        &format!("evenement-{}", brocante["id"].as_str().unwrap()),
    );
    assert!(line.contains(">Hors territoire</span>"), "{line}");
    assert!(!line.contains("statut-en-ligne"), "{line}");

    // A broken file: the error on the page, the earlier events kept.
    let (status, _, page) = upload(
        &server,
        &client,
        &source,
        Some(&csrf),
        b"<html>Not found</html>",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains(&format!("L’import a échoué{NNBSP}:")),
        "{page}"
    );
    assert!(page.contains("iCalendar"), "{page}");
    assert!(
        page.contains("Les événements déjà importés de cette source restent affichés."),
        "{page}"
    );
    assert!(page.contains("statut-echec"), "{page}");
    assert_eq!(events(&admin).await.len(), 3);
    let list = get_page(&server, &client, "/agenda").await;
    let source_row = row(&list, &format!("source-{source}"));
    assert!(
        source_row.contains("Dernier import en échec"),
        "{source_row}"
    );
    // The source's page keeps the three reports, newest first, the failed one open.
    let page = get_page(&server, &client, &format!("/agenda/sources/{source}")).await;
    assert_eq!(
        page.matches("<details class=\"rapport\"").count(),
        3,
        "{page}"
    );
    let latest = between(&page, "<details class=\"rapport\" open>", "</details>");
    assert!(latest.contains("statut-echec"), "{latest}");
}

#[tokio::test]
async fn a_source_at_an_address_is_imported_on_demand_then_found_unchanged() {
    let (server, admin, client, csrf) = with_web_admin().await;
    let cal = calendar(&[(
        "marche",
        "Marché du samedi",
        2,
        "Place du Marché\\, 62310 Fruges",
        "",
    )]);
    let host = doc_host("/agenda.ics", move |_| cal.clone()).await;
    // Not imported on schedule: only the button imports it here.
    let (status, location, body) = post_form(
        &server,
        &client,
        "/agenda/sources/nouvelle",
        &[
            ("csrf_token", &csrf),
            ("nom", "Agenda de la mairie"),
            ("format", "ical"),
            ("adresse", &host.url),
            ("proprietaire", FRUGES),
            ("commune", ""),
            ("zone", "Europe/Paris"),
            ("categorie", "market"),
            ("frequence", "60"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let page = get_page(&server, &client, &location.unwrap()).await;
    assert!(page.contains("Importer maintenant"), "{page}");
    let (_, source) = admin.get("/api/v1/events/sources").await;
    let source = source[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(host.hits.load(Ordering::SeqCst), 0);

    let path = format!("/agenda/sources/{source}/importer");
    let (status, location, _) = press(&server, &client, &path, &csrf).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let page = get_page(&server, &client, &location.unwrap()).await;
    assert!(
        page.contains(&format!("Import terminé{NNBSP}: 1 ajouté.")),
        "{page}"
    );
    assert!(page.contains("Manuel, par admin"), "{page}");
    let all = events(&admin).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["owner"], FRUGES);
    assert_eq!(all[0]["record"]["category"], "market");

    // Asked again: the server answers 304 (its ETag), and the report says so.
    let (status, location, _) = press(&server, &client, &path, &csrf).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let page = get_page(&server, &client, &location.unwrap()).await;
    assert!(
        page.contains("la source n’a pas changé depuis le dernier import (304)"),
        "{page}"
    );
    let latest = between(&page, "<details class=\"rapport\" open>", "</details>");
    assert!(latest.contains("Pas de changement (304)"), "{latest}");
    assert_eq!(host.conditional.load(Ordering::SeqCst), 1);
    assert_eq!(events(&admin).await.len(), 1);
}

#[tokio::test]
async fn posts_without_the_csrf_token_are_refused_and_viewers_get_no_forms() {
    let (server, admin, client, csrf) = with_web_admin().await;
    let mut fields = event_form(
        &server,
        &client,
        &csrf,
        &[
            ("titre_fr", "Sans jeton"),
            ("debut_1", &format!("{}T10:00", day(2))),
        ],
    )
    .await;
    fields.retain(|(k, _)| k != "csrf_token");
    let (status, _, page) = post_fields(&server, &client, "/agenda/nouveau", &fields).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("jeton de sécurité"), "{page}");
    fields.push(("csrf_token".into(), "0".repeat(64)));
    let (status, _, _) = post_fields(&server, &client, "/agenda/nouveau", &fields).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = post_form(
        &server,
        &client,
        "/agenda/sources/nouvelle",
        &[("nom", "Sans jeton"), ("format", "ical")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(events(&admin).await.is_empty());

    // Written through the API, for the viewer to read.
    let (status, body) = admin
        .post(
            "/api/v1/events/sources",
            &json!({ "id": "mairie", "name": "Calendrier de la mairie", "format": "ical",
                     "commune": FRUGES }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = admin
        .post(
            "/api/v1/events",
            &json!({ "id": "fete", "title": { "fr": "Fête du village" },
                     "dates": [{ "start": format!("{}T15:00", day(6)) }], "commune": FRUGES }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    // The upload checks the token it carries too.
    let cal = calendar(&[("bal", "Bal", 3, "Fruges", "")]);
    let (status, _, _) = upload(&server, &client, "mairie", None, &cal).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(events(&admin).await.len(), 1);

    // A viewer reads the list, an event and a source, without a form; the rules refuse
    // their posts.
    server.create_user("lecteur", Role::Viewer, &[]).await;
    let (viewer, viewer_csrf) = web_login(&server, "lecteur").await;
    for path in [
        "/agenda",
        "/agenda/evenements/fete",
        "/agenda/sources/mairie",
    ] {
        let page = get_page(&server, &viewer, path).await;
        assert!(
            page.contains("Fête du village") || page.contains("Calendrier de la mairie"),
            "{page}"
        );
        assert!(!page.contains("/agenda/nouveau"), "{path}: {page}");
        assert!(!page.contains("/modifier"), "{path}: {page}");
        assert!(
            !page.contains("method=\"post\" action=\"/agenda"),
            "{path}: {page}"
        );
        assert!(!page.contains("type=\"file\""), "{path}: {page}");
    }
    for path in ["/agenda/nouveau", "/agenda/sources/nouvelle"] {
        let (status, _) = fetch(&server, &viewer, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let fields = event_form(&server, &client, &csrf, &[("titre_fr", "Par un lecteur")]).await;
    let fields: Vec<(String, String)> = fields
        .into_iter()
        .map(|(k, v)| {
            let v = if k == "csrf_token" {
                viewer_csrf.clone()
            } else {
                v
            };
            (k, v)
        })
        .collect();
    let (status, _, page) = post_fields(&server, &viewer, "/agenda/nouveau", &fields).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("consulter l’agenda"), "{page}");
    let (status, _, _) = press(
        &server,
        &viewer,
        "/agenda/evenements/fete/retirer",
        &viewer_csrf,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = upload(&server, &viewer, "mairie", Some(&viewer_csrf), &cal).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let all = events(&admin).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["hidden"], false);
}
