//! ADEME's "Que faire de mes déchets ?" guide (`waste.json`, the data behind
//! quefairedemesdechets.ademe.fr) read into sorting advice.
//!
//! The export is `{"total": n, "results": [entry, ...]}` (a bare array of entries is read
//! too). Each entry has an `ID`, a name (`Nom`), `Synonymes_existants` separated by " / ",
//! the `Déchèterie` flag (accepted at the recycling centre) and three HTML texts: what to do
//! with it, what becomes of it, and how to avoid it. Some exports carry keys mis-encoded
//! (UTF-8 read as Windows-1252: `Comment_les_Ã©viter_?`); they are repaired and reported.
//!
//! Where the object goes ([`Destination`]) is not in the file: it is read from the "what to
//! do" text by the ordered keyword rules of `destination`, described there.

use std::collections::{BTreeMap, BTreeSet};

use beffroi_protocol::data::waste::{Destination, SortingAdvice, Stream};
use beffroi_protocol::html::{self, WINDOWS_1252_HIGH};
use beffroi_protocol::text::{Lang, Text, fold};
use serde_json::Value;

/// What a guide file held.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Guide {
    /// The entries read, in file order, ids `ademe-<ID>` unique.
    pub advice: Vec<SortingAdvice>,
    /// Entries skipped, each with why, naming the entry (`results[12] (ID 45, "Acide")`).
    pub problems: Vec<String>,
    /// Keys found mis-encoded and read under their repaired name
    /// (`"Comment_les_Ã©viter_?" → "Comment_les_éviter_?"`), once each.
    pub repaired_keys: Vec<(String, String)>,
    /// The number of entries the file says it holds (`total`), when it says.
    pub total: Option<u64>,
    /// The number of text values found mis-encoded the same way, and read repaired.
    pub repaired_values: usize,
}

/// The whole file could not be read: nothing in it counts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ReadError(pub String);

/// The longest instructions or prevention text kept, in characters: a screen shows a
/// paragraph, not a page.
const MAX_TEXT: usize = 600;

/// A text cut to [`MAX_TEXT`] ends at a sentence end when one leaves at least this many
/// characters; otherwise it is cut between words.
const MIN_SENTENCE_CUT: usize = 200;

/// The longest synonym kept, in characters.
const MAX_SYNONYM: usize = 80;

/// Reads a guide file: UTF-8 JSON, with or without a byte order mark.
///
/// An entry that cannot be read (no usable `ID`, no name, an `ID` already used, a value of
/// the wrong type) is skipped and listed in [`Guide::problems`]; a file that is not JSON,
/// or not in either shape, is a [`ReadError`].
pub fn read(bytes: &[u8]) -> Result<Guide, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ReadError(format!(
            "the file is not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    if text.trim().is_empty() {
        return Err(ReadError("the file is empty".into()));
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ReadError(format!("the file is not valid JSON: {e}")))?;
    let mut reader = Reader::default();
    let (entries, list) = match value {
        Value::Array(entries) => (entries, ""),
        Value::Object(map) => {
            let mut results = None;
            for (key, value) in map {
                let key = reader.key(key);
                match normalise_key(&key).as_str() {
                    "results" => results = Some(value),
                    "total" => reader.guide.total = whole_number(&value),
                    _ => {}
                }
            }
            match results {
                Some(Value::Array(entries)) => (entries, "results"),
                Some(other) => {
                    return Err(ReadError(format!(
                        "\"results\" is not a list of entries (found {})",
                        kind(&other)
                    )));
                }
                None => {
                    return Err(ReadError(
                        "not an ADEME guide: expected {\"results\": [...]} or a list of entries"
                            .into(),
                    ));
                }
            }
        }
        other => {
            return Err(ReadError(format!(
                "not an ADEME guide: expected {{\"results\": [...]}} or a list of entries, \
                 found {}",
                kind(&other)
            )));
        }
    };
    // The entry that first used each ID, and its name.
    let mut seen: BTreeMap<u64, (usize, String)> = BTreeMap::new();
    for (index, entry) in entries.into_iter().enumerate() {
        let at = format!("{list}[{index}]");
        match reader.entry(entry) {
            Ok(advice) => {
                let (id, name) = (advice.number, advice.name());
                if let Some((first, first_name)) = seen.get(&id) {
                    reader.guide.problems.push(format!(
                        "{at} (ID {id}, \"{name}\"): ID {id} is already used by \
                         {list}[{first}] (\"{first_name}\")"
                    ));
                    continue;
                }
                seen.insert(id, (index, name.to_owned()));
                reader.guide.advice.push(advice.advice);
            }
            Err(problem) => reader.guide.problems.push(problem.describe(&at)),
        }
    }
    Ok(reader.guide)
}

/// The fields of an entry that are read; `Que_va-t-il_devenir_?` is not one of them:
/// screens and the kiosk tell residents what to do with an object, not the treatment
/// chain behind the bin, and the texts are long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Id,
    Name,
    RecyclingCentre,
    Instructions,
    Prevention,
    Synonyms,
}

impl Field {
    /// The field a key names, compared once normalised by [`normalise_key`].
    fn of(key: &str) -> Option<Self> {
        Some(match key {
            "id" => Self::Id,
            "nom" | "name" => Self::Name,
            "decheterie" | "dechetterie" => Self::RecyclingCentre,
            "questcequejenfais" | "quenfaire" => Self::Instructions,
            "commentleseviter" | "commentleviter" => Self::Prevention,
            "synonymesexistants" | "synonymes" => Self::Synonyms,
            _ => return None,
        })
    }

    /// The key as ADEME writes it, for messages.
    fn key(self) -> &'static str {
        match self {
            Self::Id => "ID",
            Self::Name => "Nom",
            Self::RecyclingCentre => "Déchèterie",
            Self::Instructions => "Qu'est-ce_que_j'en_fais_?",
            Self::Prevention => "Comment_les_éviter_?",
            Self::Synonyms => "Synonymes_existants",
        }
    }
}

/// An entry read, with its number for the duplicate check.
struct Entry {
    number: u64,
    advice: SortingAdvice,
}

impl Entry {
    fn name(&self) -> &str {
        self.advice.name.get(&Lang::fr()).unwrap_or_default()
    }
}

/// Why an entry is skipped, with what is known of it to name it.
struct Problem {
    id: Option<String>,
    name: Option<String>,
    message: String,
}

impl Problem {
    fn describe(&self, at: &str) -> String {
        let who = match (&self.id, &self.name) {
            (Some(id), Some(name)) => format!(" (ID {id}, \"{name}\")"),
            (Some(id), None) => format!(" (ID {id})"),
            (None, Some(name)) => format!(" (\"{name}\")"),
            (None, None) => String::new(),
        };
        format!("{at}{who}: {}", self.message)
    }
}

#[derive(Default)]
struct Reader {
    guide: Guide,
}

impl Reader {
    /// A key, repaired when mis-encoded (and the repair recorded once).
    fn key(&mut self, key: String) -> String {
        match repair_mojibake(&key) {
            Some(repaired) => {
                let pair = (key, repaired.clone());
                if !self.guide.repaired_keys.contains(&pair) {
                    self.guide.repaired_keys.push(pair);
                }
                repaired
            }
            None => key,
        }
    }

    /// A text value, repaired when mis-encoded; `None` when null.
    fn text(&mut self, field: Field, value: &Value) -> Result<Option<String>, String> {
        match value {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(match repair_mojibake(s) {
                Some(repaired) => {
                    self.guide.repaired_values += 1;
                    repaired
                }
                None => s.clone(),
            })),
            other => Err(format!(
                "\"{}\" is not text (found {})",
                field.key(),
                kind(other)
            )),
        }
    }

    fn entry(&mut self, entry: Value) -> Result<Entry, Problem> {
        let Value::Object(map) = entry else {
            return Err(Problem {
                id: None,
                name: None,
                message: format!("not an entry (found {})", kind(&entry)),
            });
        };
        let mut fields: Vec<(Field, Value)> = Vec::new();
        for (key, value) in map {
            // `_id`, `_i`, `_rand`, `_score`: the search engine's bookkeeping, not ADEME's
            // (and `_id` would otherwise be taken for `ID`).
            if key.starts_with('_') {
                continue;
            }
            let key = self.key(key);
            if let Some(field) = Field::of(&normalise_key(&key))
                && !value.is_null()
                && !fields.iter().any(|(f, _)| *f == field)
            {
                fields.push((field, value));
            }
        }
        let get = |field: Field| fields.iter().find(|(f, _)| *f == field).map(|(_, v)| v);

        let id_value = get(Field::Id);
        let id_shown = id_value.map(|v| match v {
            Value::String(s) => s.trim().to_owned(),
            other => other.to_string(),
        });
        let name = match get(Field::Name) {
            Some(v) => self.text(Field::Name, v).map(|n| n.map(|n| one_line(&n))),
            None => Ok(None),
        };
        let fail = |message: String, name: Option<String>| Problem {
            id: id_shown.clone().filter(|s| !s.is_empty()),
            name: name.filter(|n| !n.is_empty()),
            message,
        };
        let name = name.map_err(|m| fail(m, None))?;
        let number = match id_value {
            None => return Err(fail("no \"ID\"".into(), name)),
            Some(v) => whole_number(v).ok_or_else(|| {
                fail(
                    format!("\"ID\" is not a whole number (found {})", kind(v)),
                    name.clone(),
                )
            })?,
        };
        let name = match name {
            Some(n) if !n.is_empty() => n,
            _ => return Err(fail("no name (\"Nom\")".into(), None)),
        };
        let fail = |message: String| fail(message, Some(name.clone()));

        let recycling_centre = match get(Field::RecyclingCentre) {
            None => false,
            Some(v) => flag(v).ok_or_else(|| {
                fail(format!(
                    "\"Déchèterie\" is not true or false (found {})",
                    kind(v)
                ))
            })?,
        };
        let mut long_text = |field: Field| -> Result<String, Problem> {
            match get(field) {
                None => Ok(String::new()),
                Some(v) => Ok(html::to_text(
                    &self.text(field, v).map_err(fail)?.unwrap_or_default(),
                )),
            }
        };
        let instructions = long_text(Field::Instructions)?;
        let prevention = long_text(Field::Prevention)?;
        let synonyms = match get(Field::Synonyms) {
            None => Vec::new(),
            Some(Value::Array(items)) => {
                let mut all = Vec::new();
                for item in items {
                    if let Some(s) = self.text(Field::Synonyms, item).map_err(fail)? {
                        all.push(s);
                    }
                }
                all
            }
            Some(v) => self
                .text(Field::Synonyms, v)
                .map_err(fail)?
                .into_iter()
                .collect(),
        };
        Ok(Entry {
            number,
            advice: SortingAdvice {
                id: format!("ademe-{number}"),
                destination: destination(&instructions, recycling_centre),
                synonyms: split_synonyms(&synonyms, &name),
                name: Text::fr(name),
                instructions: optional_text(&instructions),
                prevention: optional_text(&prevention),
                // The officer picks the few entries the town-hall screens feature.
                featured: false,
            },
        })
    }
}

/// A cleaned text as a [`Text`], bounded; no language at all when empty (the protocol
/// rejects a blank value).
fn optional_text(text: &str) -> Text {
    if text.is_empty() {
        Text::default()
    } else {
        Text::fr(bound(text, MAX_TEXT))
    }
}

/// The synonyms in `lists`, split on "/" and ";", trimmed, without duplicates (ignoring
/// case and accents) nor the name itself, each bounded to [`MAX_SYNONYM`] characters.
fn split_synonyms(lists: &[String], name: &str) -> Vec<String> {
    let mut seen = BTreeSet::from([fold(name)]);
    let mut out = Vec::new();
    for list in lists {
        for part in one_line(list).split(['/', ';']) {
            let part = part.trim();
            if !part.is_empty() && seen.insert(fold(part)) {
                out.push(bound(part, MAX_SYNONYM));
            }
        }
    }
    out
}

/// A whole, non-negative number: a JSON number or a string of digits (`12`, `"12"`, `12.0`).
fn whole_number(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 9.0e15)
                .map(|f| f as u64)
        }),
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        }
        _ => None,
    }
}

/// A yes/no flag: a boolean, 0 or 1, or "true"/"false", "oui"/"non", "1"/"0".
fn flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_u64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Value::String(s) => match fold(s.trim()).as_str() {
            "true" | "oui" | "vrai" | "1" => Some(true),
            "false" | "non" | "faux" | "0" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// How a JSON value is named in messages.
fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => {
            let short: String = s.chars().take(40).collect();
            let more = if short.len() < s.len() { "…" } else { "" };
            format!("the text \"{short}{more}\"")
        }
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

// ---------------------------------------------------------------------------------------
// Mis-encoded text.

/// The Windows-1252 (or Latin-1) byte that decodes as `c`, if any.
fn cp1252_byte(c: char) -> Option<u8> {
    match u32::from(c) {
        n @ 0..=0xFF => u8::try_from(n).ok(),
        _ => WINDOWS_1252_HIGH
            .iter()
            .position(|&h| h == c)
            .and_then(|i| u8::try_from(0x80 + i).ok()),
    }
}

/// `s` repaired when it is UTF-8 that was read as Windows-1252 (or Latin-1): its characters
/// turned back into those bytes form valid UTF-8 different from `s`. Conservative: `s` must
/// hold a lead byte followed by a continuation byte (`Ã©`), and every character must have a
/// byte, so a text mixing correct accents with mis-encoded ones is left as it is. Applied
/// at most three times, for text mis-encoded more than once.
fn repair_mojibake(s: &str) -> Option<String> {
    fn once(s: &str) -> Option<String> {
        let bytes: Vec<u8> = s.chars().map(cp1252_byte).collect::<Option<_>>()?;
        let lead_then_continuation = bytes
            .windows(2)
            .any(|w| (0xC2..=0xF4).contains(&w[0]) && (0x80..=0xBF).contains(&w[1]));
        if !lead_then_continuation {
            return None;
        }
        String::from_utf8(bytes).ok().filter(|r| r != s)
    }
    if s.is_ascii() {
        return None;
    }
    let mut repaired = once(s)?;
    for _ in 0..2 {
        match once(&repaired) {
            Some(again) => repaired = again,
            None => break,
        }
    }
    Some(repaired)
}

// ---------------------------------------------------------------------------------------
// Keys and matching.

/// A key folded, keeping letters and digits only: `Comment_les_éviter_?`, `Comment les
/// éviter ?` and `comment-les-eviter` are all `commentleseviter`.
fn normalise_key(key: &str) -> String {
    fold(key).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// A text on one line (names, synonyms): HTML made plain, line breaks made spaces.
fn one_line(text: &str) -> String {
    html::to_text(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` cut to at most `max` characters: after the last sentence end ('.', '!', '?'
/// followed by a space or the end) that keeps at least [`MIN_SENTENCE_CUT`] characters,
/// else between words with "…" (within a word when there is no space at all).
fn bound(text: &str, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return text.to_owned();
    }
    let sentence_end = (MIN_SENTENCE_CUT.min(max)..=max).rev().find(|&len| {
        matches!(chars[len - 1], '.' | '!' | '?')
            && chars.get(len).is_none_or(|c| c.is_whitespace())
    });
    if let Some(len) = sentence_end {
        return chars[..len].iter().collect();
    }
    let room = max - 1;
    let len = (1..=room)
        .rev()
        .find(|&len| chars[len].is_whitespace())
        .unwrap_or(room);
    let mut cut: String = chars[..len].iter().collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

// ---------------------------------------------------------------------------------------
// Where it goes.

/// Clauses that are not where the object goes, each kind with the words that show it
/// (folded). ADEME's texts offer reuse first, then alternatives, and end with the
/// disposal ("Sinon, apportez-le en déchèterie").
const NOT_DISPOSAL: &[(&str, &[&str])] = &[
    (
        "reuse or resale",
        &[
            "reemploi",
            "revendez",
            "revendre",
            "revendu",
            "ferrailleur",
            "en bon etat",
            "donnez-",
        ],
    ),
    ("an optional alternative", &["vous pouvez", "s'il existe"]),
    (
        "a take-back on buying new",
        &[
            "dans le cadre de l",
            "dans le cas ou vous achetez",
            "livraison",
        ],
    ),
    (
        "a professional's job",
        &["entrepreneur", "entreprise specialisee"],
    ),
    (
        "a negation or an exception",
        &["ne faut", "ne doit", "ne peu", "en aucun cas", "exception"],
    ),
];

/// What a rule gives: a destination, or an unspecified collection point.
#[derive(Debug, Clone, Copy)]
enum Target {
    Is(Destination),
    /// "Un point de collecte", which ADEME places in shops and at the déchèterie: the
    /// déchèterie for objects the file flags as accepted there, the shops' take-back
    /// otherwise.
    CollectionPoint,
}

const fn bin(stream: Stream) -> Target {
    Target::Is(Destination::Bin { stream })
}

/// The keyword rules, in priority order: in a clause, the first rule with a word found in
/// it decides. Glass comes before packaging ("emballages recyclables en verre"), household
/// waste before the recycling centre ("dans la poubelle des ordures ménagères ou apportez-
/// les en déchèterie"), shops before the recycling centre (the take-back is where ADEME
/// sends batteries and lamps first), bulky-waste collection last (the déchèterie is
/// offered beside it and is open every week).
const RULES: &[(Target, &[&str])] = &[
    (Target::Is(Destination::Pharmacy), &["pharmacie"]),
    (
        bin(Stream::Glass),
        &[
            "recyclables en verre",
            "reserve au verre",
            "produits en verre",
            " a verre",
        ],
    ),
    (
        bin(Stream::Packaging),
        &[
            "emballages recyclables",
            "collecte separee",
            "bac de tri",
            "bac jaune",
            "sac jaune",
            "poubelle jaune",
        ],
    ),
    (
        bin(Stream::Biowaste),
        &["bac a biodechets", "bac marron", "poubelle marron"],
    ),
    (Target::Is(Destination::Compost), &["compost"]),
    (bin(Stream::Household), &["ordure", "poubelle classique"]),
    (
        Target::Is(Destination::Other),
        &[
            "textile",
            "hors d'usage",
            "voie publique",
            "commissariat",
            "gendarmerie",
            "vhu",
            "veterinaire",
            "andra",
        ],
    ),
    (
        Target::Is(Destination::TakeBack),
        &[
            "distributeur",
            "revendeur",
            "vendeur",
            "magasin",
            "point de vente",
            "grande surface",
            "grandes surfaces",
            "opticien",
        ],
    ),
    (
        Target::Is(Destination::RecyclingCentre),
        &["decheterie", "dechetterie"],
    ),
    (
        Target::CollectionPoint,
        &[
            "point de collecte",
            "points de collecte",
            "bac de collecte",
            "bacs de collecte",
        ],
    ),
    (bin(Stream::Bulky), &["encombrants"]),
];

/// Where an object goes, read from its "Qu'est-ce que j'en fais ?" text (plain) and the
/// `Déchèterie` flag:
///
/// 1. The text is folded (lower case, no accents), parentheses dropped (they qualify), and
///    cut into clauses at `.`, `!`, `?`, `;`, `:`, line ends and before ", sinon".
/// 2. Clauses that are not the disposal are passed over: see [`NOT_DISPOSAL`] (reuse,
///    optional alternatives, take-back on buying new, professionals, negations and
///    exceptions), and a clause opening with "si " when a later one opens with "sinon"
///    (a special case before the general one).
/// 3. The first remaining clause that a rule of [`RULES`] matches decides.
/// 0. All plastic packaging goes to the yellow bin in France since 2023: a text that makes
///    it an exception ("si dans votre commune la consigne de trier tous les emballages…")
///    gives [`Stream::Packaging`].
/// 4. Nothing matched: the recycling centre when the flag says it accepts the object,
///    [`Destination::Other`] otherwise.
fn destination(instructions: &str, recycling_centre: bool) -> Destination {
    // ADEME's texts still say "ordures ménagères, except where all plastic packaging is
    // sorted"; since 1 January 2023 it is sorted everywhere in France (the extension of
    // sorting instructions, loi AGEC): the exception is the rule.
    if fold(instructions).contains("trier tous les emballages") {
        return Destination::Bin {
            stream: Stream::Packaging,
        };
    }
    let clauses = clauses(instructions);
    for (i, clause) in clauses.iter().enumerate() {
        let special_case =
            clause.starts_with("si ") && clauses[i + 1..].iter().any(|c| c.starts_with("sinon"));
        let not_disposal = NOT_DISPOSAL
            .iter()
            .any(|(_, words)| words.iter().any(|w| clause.contains(w)));
        if special_case || not_disposal {
            continue;
        }
        let rule = RULES
            .iter()
            .find(|(_, words)| words.iter().any(|w| clause.contains(w)));
        match rule {
            Some((Target::Is(d), _)) => return *d,
            Some((Target::CollectionPoint, _)) if recycling_centre => {
                return Destination::RecyclingCentre;
            }
            Some((Target::CollectionPoint, _)) => return Destination::TakeBack,
            None => {}
        }
    }
    if recycling_centre {
        Destination::RecyclingCentre
    } else {
        Destination::Other
    }
}

/// The clauses of a text, folded, as [`destination`] reads them.
fn clauses(text: &str) -> Vec<String> {
    let mut flat = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in fold(text).chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => flat.push(c),
            _ => {}
        }
    }
    flat.replace(", sinon", ". sinon")
        .split(['.', '!', '?', ';', ':', '\n'])
        .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|c| !c.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_plain_text() {
        // The project's one HTML scanner (`beffroi_protocol::html`), as the guide's texts
        // need it: runs of `<br>` are one line break, entities decoded (`&#146;` as
        // Windows-1252 reads it), a `<` opening no tag left as written.
        assert_eq!(
            html::to_text("Compostez-les.<br />Sinon,   jetez-les.<br/><br/><br />\tFin.  "),
            "Compostez-les.\nSinon, jetez-les.\nFin."
        );
        assert_eq!(
            html::to_text(
                "<p>Un <b>bac</b>&nbsp;&amp; un sac&#39;s &#x2019; &#146;</p><p>Deux</p>"
            ),
            "Un bac & un sac's ’ ’\nDeux"
        );
        assert_eq!(
            html::to_text("<ul><li>verre</li><li>papier</li></ul><!-- note -->"),
            "verre\npapier"
        );
        assert_eq!(html::to_text("a < b &bogus; & c"), "a < b &bogus; & c");
        assert_eq!(html::to_text(" \n \t "), "");
        assert_eq!(html::to_text("&lt;b&gt;"), "<b>");
    }

    #[test]
    fn long_texts_are_cut_at_a_sentence_end_or_between_words() {
        let sentence = "Une phrase de trente caractères. ";
        let text = sentence.repeat(30);
        let cut = bound(text.trim_end(), MAX_TEXT);
        assert!(cut.chars().count() <= MAX_TEXT, "{cut}");
        assert!(cut.ends_with("caractères."), "{cut}");
        assert_eq!(cut.chars().count(), 33 * 18 - 1);

        // No sentence end after 200 characters: cut between words.
        let words = format!("{}. {}", "a".repeat(50), "mot ".repeat(200));
        let cut = bound(words.trim_end(), MAX_TEXT);
        assert!(cut.chars().count() <= MAX_TEXT, "{cut}");
        assert!(cut.ends_with("mot…"), "{cut}");

        // One long word: cut within it.
        let cut = bound(&"x".repeat(700), MAX_TEXT);
        assert_eq!(cut.chars().count(), MAX_TEXT);
        assert!(cut.ends_with("x…"));

        assert_eq!(bound("court.", MAX_TEXT), "court.");
    }

    #[test]
    fn mis_encoded_text_is_repaired_conservatively() {
        assert_eq!(
            repair_mojibake("Comment_les_Ã©viter_?").as_deref(),
            Some("Comment_les_éviter_?")
        );
        assert_eq!(
            repair_mojibake("DÃ©chÃ¨terie").as_deref(),
            Some("Déchèterie")
        );
        // Windows-1252 punctuation and the Latin-1 reading of the same bytes.
        assert_eq!(repair_mojibake("lâ€™Ã©cran").as_deref(), Some("l’écran"));
        assert_eq!(
            repair_mojibake("l\u{e2}\u{80}\u{99}eau").as_deref(),
            Some("l’eau")
        );
        // Twice mis-encoded.
        assert_eq!(repair_mojibake("ÃƒÂ©tÃƒÂ©").as_deref(), Some("été"));
        // Correct text, and text mixing correct and mis-encoded accents, stay.
        for fine in [
            "Déchèterie",
            "Qu'est-ce_que_j'en_fais_?",
            "Ça coûte 5 €",
            "« À bientôt »",
            "Été Ã©té",
            "ID",
        ] {
            assert_eq!(repair_mojibake(fine), None, "{fine}");
        }
    }

    #[test]
    fn keys_match_loosely() {
        for key in [
            "Comment_les_éviter_?",
            "Comment les éviter ?",
            "Comment_les_eviter",
            "COMMENT-LES-ÉVITER",
        ] {
            assert_eq!(
                Field::of(&normalise_key(key)),
                Some(Field::Prevention),
                "{key}"
            );
        }
        for key in [
            "Qu'est-ce_que_j'en_fais_?",
            "Qu’est-ce que j’en fais ?",
            "quest ce que jen fais",
        ] {
            assert_eq!(
                Field::of(&normalise_key(key)),
                Some(Field::Instructions),
                "{key}"
            );
        }
        assert_eq!(
            Field::of(&normalise_key("Déchetterie")),
            Some(Field::RecyclingCentre)
        );
        assert_eq!(Field::of(&normalise_key("Que_va-t-il_devenir_?")), None);
    }

    #[test]
    fn synonyms_are_split_deduplicated_and_bounded() {
        let lists = [
            "Bottes / Bottines;baskets / BOTTINES / Chaussures /  / Épée".to_owned(),
            "Epée / CD/DVD".to_owned(),
            "x".repeat(100),
        ];
        let got = split_synonyms(&lists, "Chaussures");
        assert_eq!(got[..5], ["Bottes", "Bottines", "baskets", "Épée", "CD"]);
        assert_eq!(got[5], "DVD");
        assert_eq!(got[6].chars().count(), MAX_SYNONYM);
        assert_eq!(got.len(), 7);
    }

    const HOUSEHOLD: Destination = Destination::Bin {
        stream: Stream::Household,
    };

    #[test]
    fn each_rule() {
        let cases: &[(&str, bool, Destination)] = &[
            (
                "Déposez-les dans une pharmacie.",
                false,
                Destination::Pharmacy,
            ),
            (
                "Jetez-le dans la borne à verre.",
                false,
                Destination::Bin {
                    stream: Stream::Glass,
                },
            ),
            (
                "Jetez-le dans le bac jaune.",
                false,
                Destination::Bin {
                    stream: Stream::Packaging,
                },
            ),
            (
                "Mettez-les dans le bac marron.",
                false,
                Destination::Bin {
                    stream: Stream::Biowaste,
                },
            ),
            ("Compostez-le.", false, Destination::Compost),
            (
                "Jetez-le dans la poubelle des ordures ménagères.",
                true,
                HOUSEHOLD,
            ),
            ("Déposez-la au commissariat.", false, Destination::Other),
            ("Rapportez-la au magasin.", false, Destination::TakeBack),
            (
                "Apportez-le en déchetterie.",
                false,
                Destination::RecyclingCentre,
            ),
            (
                "Rapportez-le à un point de collecte.",
                false,
                Destination::TakeBack,
            ),
            (
                "Rapportez-le à un point de collecte.",
                true,
                Destination::RecyclingCentre,
            ),
            (
                "Faites-le enlever avec les encombrants.",
                false,
                Destination::Bin {
                    stream: Stream::Bulky,
                },
            ),
            (
                "Contactez votre mairie.",
                true,
                Destination::RecyclingCentre,
            ),
            ("Contactez votre mairie.", false, Destination::Other),
            ("", false, Destination::Other),
        ];
        for (text, flag, want) in cases {
            assert_eq!(destination(text, *flag), *want, "{text}");
        }
    }

    #[test]
    fn reuse_alternatives_and_negations_are_passed_over() {
        let cases: &[(&str, Destination)] = &[
            (
                "S'il est en bon état, revendez-le au magasin. Sinon, apportez-le en déchèterie.",
                Destination::RecyclingCentre,
            ),
            (
                "Vous pouvez aussi le déposer dans les grandes surfaces. Dans le cadre de \
                 l'achat d'un produit neuf, rapportez-le au revendeur.\nSinon apportez-le en \
                 déchèterie.",
                Destination::RecyclingCentre,
            ),
            (
                "Il ne faut pas le jeter dans la poubelle des ordures ménagères : rapportez-le \
                 en déchèterie.",
                Destination::RecyclingCentre,
            ),
            (
                "Jetez-le dans la poubelle des ordures ménagères. Exception : si dans votre \
                 commune la consigne est en place, mettez-le avec les emballages recyclables.",
                HOUSEHOLD,
            ),
            (
                "Jetez-le dans la poubelle des ordures ménagères. Exception : si dans votre \
                 commune la consigne de trier tous les emballages en plastiques est en place, \
                 mettez-le dans le bac réservé aux emballages recyclables.",
                Destination::Bin {
                    stream: Stream::Packaging,
                },
            ),
            (
                "Si elle est 100 % biodégradable, compostez-la. Sinon, jetez-la dans la \
                 poubelle des ordures ménagères.",
                HOUSEHOLD,
            ),
            (
                "Rapportez vos pneus chez le distributeur, sinon en déchèterie.",
                Destination::TakeBack,
            ),
            (
                "Jetez-le dans la poubelle des ordures ménagères (ou en déchèterie si vous en \
                 avez beaucoup).",
                HOUSEHOLD,
            ),
        ];
        for (text, want) in cases {
            assert_eq!(destination(text, false), *want, "{text}");
        }
    }
}
