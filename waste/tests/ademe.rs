//! ADEME's guide read from the sample export (390 entries, one key mis-encoded) and from
//! damaged or differently shaped copies of it.

use std::collections::BTreeMap;

use beffroi_protocol::data::waste::{Destination, SortingAdvice, Stream, WasteData};
use beffroi_protocol::text::Lang;
use beffroi_protocol::validate::Validate;
use beffroi_waste::ademe::{Guide, read};
use serde_json::{Value, json};

fn sample_bytes() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/samples/waste/waste.json"
    );
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn sample() -> Guide {
    read(&sample_bytes()).unwrap()
}

fn fr(t: &beffroi_protocol::text::Text) -> &str {
    t.get(&Lang::fr()).unwrap_or_default()
}

fn by_name<'a>(guide: &'a Guide, name: &str) -> &'a SortingAdvice {
    guide
        .advice
        .iter()
        .find(|a| fr(&a.name) == name)
        .unwrap_or_else(|| panic!("no entry named {name:?}"))
}

fn texts(a: &SortingAdvice) -> [&str; 2] {
    [fr(&a.instructions), fr(&a.prevention)]
}

/// The name tests and counts use for a destination.
fn label(d: Destination) -> String {
    match d {
        Destination::Bin { stream } => stream.name().to_owned(),
        other => serde_json::to_value(other).unwrap()["kind"]
            .as_str()
            .unwrap()
            .to_owned(),
    }
}

/// One small entry in the export's shape.
fn entry(id: Value, name: Value) -> Value {
    json!({
        "ID": id,
        "Nom": name,
        "Code": "TEST",
        "Bdd": "ademe",
        "Déchèterie": false,
        "Qu'est-ce_que_j'en_fais_?": "Jetez-le dans la poubelle des ordures ménagères.",
        "_id": "x",
    })
}

fn read_value(v: &Value) -> Guide {
    read(v.to_string().as_bytes()).unwrap()
}

#[test]
fn the_sample_reads_every_entry_without_problem() {
    let g = sample();
    assert_eq!(g.problems, Vec::<String>::new());
    assert_eq!(g.total, Some(390));
    assert_eq!(g.advice.len(), 390);
    assert_eq!(
        g.repaired_keys,
        [(
            "Comment_les_Ã©viter_?".to_owned(),
            "Comment_les_éviter_?".to_owned()
        )]
    );
    assert_eq!(g.repaired_values, 0);
    let first = &g.advice[0];
    assert_eq!(first.id, "ademe-1");
    assert_eq!(
        fr(&first.name),
        "Accessoire automobile (et deux-roues) électronique"
    );
    assert_eq!(
        first.synonyms,
        ["Détecteur radar", "Radar de stationnement", "Allume-cigare"]
    );
    assert!(fr(&first.prevention).starts_with("Lors de l'achat d'un accessoire"));
    assert!(g.advice.iter().all(|a| !a.featured));
    assert!(g.advice.iter().all(|a| !a.instructions.is_empty()));
    // Every entry carrying the mis-encoded key has its prevention text, and only those.
    assert_eq!(
        g.advice.iter().filter(|a| !a.prevention.is_empty()).count(),
        215
    );
    // The guide is a valid part of the waste data set (unique ids, no blank text).
    WasteData {
        communes: Vec::new(),
        advice: g.advice.clone(),
    }
    .check()
    .unwrap();
}

#[test]
fn sample_synonyms_are_split_and_deduplicated() {
    let g = sample();
    assert_eq!(
        g.advice.iter().filter(|a| !a.synonyms.is_empty()).count(),
        170
    );
    // 587 in the file, less "Ballerines" twice for "Chaussures" and "Évier" with "evier"
    // (duplicates ignoring case and accents).
    assert_eq!(
        g.advice.iter().map(|a| a.synonyms.len()).sum::<usize>(),
        585
    );
    let shoes = by_name(&g, "Chaussures");
    assert_eq!(
        shoes.synonyms.iter().filter(|s| *s == "Ballerines").count(),
        1
    );
    for a in &g.advice {
        for s in &a.synonyms {
            assert!(
                !s.is_empty() && s.trim() == s && s.chars().count() <= 80,
                "{s:?}"
            );
            assert!(!s.eq_ignore_ascii_case(fr(&a.name)), "{}: {s}", a.id);
            assert!(!s.contains('/'), "{}: {s}", a.id);
        }
    }
}

#[test]
fn sample_texts_are_plain_and_bounded() {
    let g = sample();
    let mut bounded = 0;
    for a in &g.advice {
        for t in texts(a) {
            assert!(!t.contains('<') && !t.contains('>'), "{}: {t}", a.id);
            assert!(
                !t.contains("&nbsp;") && !t.contains("&amp;"),
                "{}: {t}",
                a.id
            );
            assert!(!t.contains('\t') && !t.contains("  "), "{}: {t:?}", a.id);
            assert!(!t.contains("\n\n\n") && t.trim() == t, "{}: {t:?}", a.id);
            assert!(t.chars().count() <= 600, "{}: {t}", a.id);
            if t.ends_with('…') {
                bounded += 1;
            }
        }
    }
    // `<br />` became line ends, and so did `<br /><br />` (paragraphs are one line break
    // on the screens, as in news and agenda texts).
    assert_eq!(
        fr(&by_name(&g, "Aliments compostables").instructions),
        "Compostez-les à domicile ou jetez-les dans un bac de compostage partagé, si cette \
         dernière solution a été mise en place à proximité de votre domicile.\n\
         Vous pouvez aussi les donner comme nourriture à des animaux domestiques.\n\
         Sinon, jetez-les dans la poubelle des ordures ménagères."
    );
    assert_eq!(
        fr(&by_name(&g, "Tondeuse à gazon thermique").instructions),
        "Si elle est encore en bon état, remettez-la à une structure de réemploi ou \
         revendez-la.\nSinon, apportez-la en déchèterie."
    );
    // The masks' text opens with "<br /><br /><br />\t": no blank lines are left above.
    let mask = fr(&by_name(&g, "masque à usage unique").instructions);
    assert!(mask.starts_with("Durant la crise du coronavirus :\nSi vous n'êtes pas malade"));
    // Twelve texts are longer than 600 characters: cut at a sentence end, so no "…".
    assert_eq!(bounded, 0);
    let long = fr(&by_name(&g, "Cosmétique (produit et emballage)").instructions);
    assert!(long.chars().count() > 200 && long.ends_with('.'), "{long}");
}

#[test]
fn sample_destinations() {
    let g = sample();
    let packaging = Destination::Bin {
        stream: Stream::Packaging,
    };
    let household = Destination::Bin {
        stream: Stream::Household,
    };
    let glass = Destination::Bin {
        stream: Stream::Glass,
    };
    let cases = [
        ("Barbecue jetable", household),
        // "Exception : si … la consigne de trier tous les emballages en plastique est en
        // place": it is everywhere in France since 2023.
        (
            "Pot en plastique (yaourt, crème fraîche)",
            Destination::Bin {
                stream: Stream::Packaging,
            },
        ),
        (
            "Capsules de café ou de thé",
            Destination::Bin {
                stream: Stream::Packaging,
            },
        ),
        // Reuse first, then "Sinon, jetez-la dans la poubelle des ordures ménagères".
        ("Bassine en plastique", household),
        ("Canette", packaging),
        ("Journal", packaging),
        // "Si le récipient n'est pas vide, déposez-le en déchèterie" comes second.
        ("Baril de lessive (en plastique)", packaging),
        ("Bouteille en verre (eau, vin)", glass),
        ("Bocal ou pot en verre (alimentaire)", glass),
        ("Épluchures", Destination::Compost),
        ("Médicaments", Destination::Pharmacy),
        ("Seringue avec aiguille", Destination::Pharmacy),
        ("Pile jetable", Destination::TakeBack),
        ("Extincteur", Destination::TakeBack),
        // "prioritairement chez le distributeur, sinon en déchèterie".
        ("Pneu", Destination::TakeBack),
        // Reuse, take-back when buying new, shop bins "aussi", then "Sinon … en déchèterie".
        ("Téléphone mobile", Destination::RecyclingCentre),
        ("Acide", Destination::RecyclingCentre),
        // The builder's job first, then "Déposez-les en déchèterie si vous réalisez …".
        ("Gravats", Destination::RecyclingCentre),
        // "Un point de collecte : en déchèterie ou chez les distributeurs", flagged Déchèterie.
        ("Meuble", Destination::RecyclingCentre),
        ("Textiles", Destination::Other),
        ("Véhicule hors d'usage", Destination::Other),
        // No rule matches and the Déchèterie flag is set.
        ("Amiante", Destination::RecyclingCentre),
        // No rule matches ("ne doit pas être jeté …"), no flag: a logo, not an object.
        ("Triman", Destination::Other),
    ];
    for (name, want) in cases {
        assert_eq!(by_name(&g, name).destination, want, "{name}");
    }
}

#[test]
fn sample_destination_distribution() {
    let g = sample();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for a in &g.advice {
        *counts.entry(label(a.destination)).or_default() += 1;
    }
    println!("{counts:#?}");
    let at = |k: &str| counts.get(k).copied().unwrap_or(0);
    // Broad sanity, whatever the rules become.
    assert!(at("household") >= 20, "{counts:?}");
    assert!(at("packaging") >= 10, "{counts:?}");
    assert!(at("glass") >= 1, "{counts:?}");
    assert!(at("recycling_centre") >= 100, "{counts:?}");
    // Exactly what the rules give today: a change to them shows here.
    let want: BTreeMap<String, usize> = [
        ("recycling_centre", 181),
        ("household", 72),
        ("packaging", 55),
        ("compost", 29),
        ("take_back", 19),
        ("other", 20),
        ("pharmacy", 9),
        ("glass", 5),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_owned(), n))
    .collect();
    assert_eq!(counts, want);
}

#[test]
fn a_bare_array_with_a_byte_order_mark_reads() {
    let v: Value = serde_json::from_slice(&sample_bytes()).unwrap();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(v["results"].to_string().as_bytes());
    let g = read(&bytes).unwrap();
    assert_eq!(g.total, None);
    assert_eq!(g.advice, sample().advice);
    assert!(g.problems.is_empty());
}

#[test]
fn damaged_files_are_errors() {
    let bytes = sample_bytes();
    let cases: [(&[u8], &str); 8] = [
        (&bytes[..bytes.len() / 2], "not valid JSON"),
        (b"<html><body>Erreur 502</body></html>", "not valid JSON"),
        (b"", "empty"),
        (b"\xEF\xBB\xBF  \n", "empty"),
        (
            b"{\"total\": 2, \"results\": \"none\"}",
            "\"results\" is not a list",
        ),
        (b"{\"total\": 2}", "not an ADEME guide"),
        (b"42", "not an ADEME guide"),
        (b"[{\"ID\": 1, \"Nom\": \"D\xE9ch\xE8terie\"}]", "not UTF-8"),
    ];
    for (bytes, want) in cases {
        let err = read(bytes).unwrap_err();
        assert!(err.to_string().contains(want), "{err} (want {want})");
    }
}

#[test]
fn bad_entries_are_problems_naming_them() {
    let file = json!({"total": 9, "results": [
        entry(json!(3), json!("Acide")),
        entry(json!("12"), json!("  Ampoule  ")),
        {"ID": 4, "Code": "SANS_NOM"},
        entry(json!(3), json!("Acide bis")),
        entry(json!("douze"), json!("Batterie")),
        entry(json!(null), json!("Bougie")),
        entry(json!(5), json!(["pas", "un nom"])),
        "pas une entrée",
        {"ID": 6, "Nom": "Carton", "Déchèterie": "peut-être"},
        {"ID": 7, "Nom": "Canette", "Qu'est-ce_que_j'en_fais_?": {"fr": "bac jaune"}},
        {"ID": 8, "Nom": "Cagette", "Synonymes_existants": 12},
        {"ID": -1, "Nom": "Négatif"},
        {"ID": 9.5, "Nom": "Demi"},
    ]});
    let g = read_value(&file);
    let ids: Vec<&str> = g.advice.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["ademe-3", "ademe-12"]);
    assert_eq!(fr(&g.advice[1].name), "Ampoule");
    assert_eq!(g.total, Some(9));
    let want = [
        "results[2] (ID 4): no name (\"Nom\")",
        "results[3] (ID 3, \"Acide bis\"): ID 3 is already used by results[0] (\"Acide\")",
        "results[4] (ID douze, \"Batterie\"): \"ID\" is not a whole number (found the text \
         \"douze\")",
        "results[5] (\"Bougie\"): no \"ID\"",
        "results[6] (ID 5): \"Nom\" is not text (found a list)",
        "results[7]: not an entry (found the text \"pas une entrée\")",
        "results[8] (ID 6, \"Carton\"): \"Déchèterie\" is not true or false (found the text \
         \"peut-être\")",
        "results[9] (ID 7, \"Canette\"): \"Qu'est-ce_que_j'en_fais_?\" is not text (found an \
         object)",
        "results[10] (ID 8, \"Cagette\"): \"Synonymes_existants\" is not text (found the \
         number 12)",
        "results[11] (ID -1, \"Négatif\"): \"ID\" is not a whole number (found the number -1)",
        "results[12] (ID 9.5, \"Demi\"): \"ID\" is not a whole number (found the number 9.5)",
    ];
    assert_eq!(g.problems, want);
}

#[test]
fn every_truncation_is_an_error_never_a_panic() {
    let bytes = sample_bytes();
    // Every cut in the first entries (inside keys, values, multi-byte characters), then
    // cuts across the whole file.
    let first_entries = bytes.iter().position(|b| *b == b'}').unwrap() + 400;
    let cuts = (0..first_entries).chain((1..50).map(|i| bytes.len() * i / 50));
    for len in cuts {
        match read(&bytes[..len]) {
            Ok(g) => panic!("{len} bytes read as {} entries", g.advice.len()),
            Err(e) => assert!(!e.0.is_empty()),
        }
    }
}

#[test]
fn keys_mis_encoded_differently_are_repaired() {
    let file = json!([
        {
            "ID": 1,
            "Nom": "Palette en bois",
            "DÃ©chÃ¨terie": true,
            "Quâ€™est-ce que jâ€™en fais ?": "Contactez votre mairie.",
            "Comment les eviter": "Réutilisez-la.",
            "Synonymes": "Palette en bois; palette / Caisse / PALETTE",
        },
        {
            "id": "2",
            "NOM": "Ã‰cran plat",
            "DÃ©chÃ¨terie": false,
            "Quâ€™est-ce que jâ€™en fais ?": "DÃ©posez-le chez le revendeur.",
        },
    ]);
    let g = read_value(&file);
    assert!(g.problems.is_empty(), "{:?}", g.problems);
    assert_eq!(
        g.repaired_keys,
        [
            ("DÃ©chÃ¨terie".to_owned(), "Déchèterie".to_owned()),
            (
                "Quâ€™est-ce que jâ€™en fais ?".to_owned(),
                "Qu’est-ce que j’en fais ?".to_owned()
            ),
        ]
    );
    let [palette, screen] = &g.advice[..] else {
        panic!("{:?}", g.advice)
    };
    // No rule matches: the repaired Déchèterie flag decides.
    assert_eq!(palette.destination, Destination::RecyclingCentre);
    assert_eq!(fr(&palette.prevention), "Réutilisez-la.");
    assert_eq!(palette.synonyms, ["palette", "Caisse"]);
    // Values mis-encoded the same way are repaired too.
    assert_eq!(g.repaired_values, 2);
    assert_eq!(fr(&screen.name), "Écran plat");
    assert_eq!(fr(&screen.instructions), "Déposez-le chez le revendeur.");
    assert_eq!(screen.destination, Destination::TakeBack);
    assert!(screen.prevention.is_empty() && screen.synonyms.is_empty());
}

#[test]
fn html_of_other_shapes_is_cleaned() {
    let file = json!({"results": [{
        "ID": 1,
        "Nom": "Pot &amp; couvercle",
        "Qu'est-ce_que_j'en_fais_?": "<p>Le pot&nbsp;: <strong>bac&nbsp;à&nbsp;verre</strong>.</p>\
            <ul><li>Le couvercle&#160;: bac jaune</li><li>L&#39;étiquette : rien</li></ul>",
        "Comment_les_éviter_?": "<div>Achetez   en\n\n\n\nvrac</div>",
    }]});
    let g = read_value(&file);
    let a = &g.advice[0];
    assert_eq!(fr(&a.name), "Pot & couvercle");
    assert_eq!(
        fr(&a.instructions),
        "Le pot : bac à verre.\nLe couvercle : bac jaune\nL'étiquette : rien"
    );
    assert_eq!(fr(&a.prevention), "Achetez en vrac");
    assert_eq!(
        a.destination,
        Destination::Bin {
            stream: Stream::Glass
        }
    );
}
