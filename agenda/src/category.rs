//! Event categories guessed from the words a source uses (iCalendar CATEGORIES, OpenAgenda
//! keywords, DATAtourisme types), in French and English.

use beffroi_protocol::data::events::EventCategory;
use beffroi_protocol::text::fold;

/// Word stems for each category, lowercase without accents, most specific first: the first
/// category with a stem found in any of the words wins.
const STEMS: &[(EventCategory, &[&str])] = &[
    (
        EventCategory::Market,
        &[
            "marche",
            "market",
            "brocante",
            "braderie",
            "vide-grenier",
            "videgrenier",
            "vide grenier",
            "bourse",
            "foire",
            "fair",
            "salon",
            "fleamarket",
            "flea",
        ],
    ),
    (
        EventCategory::Concert,
        &[
            "concert", "musique", "music", "chorale", "harmonie", "fanfare", "recital",
        ],
    ),
    (
        EventCategory::Exhibition,
        &["expo", "exhibition", "vernissage", "galerie", "gallery"],
    ),
    (
        EventCategory::Cinema,
        &["cinema", "film", "projection", "screening", "movie"],
    ),
    (
        EventCategory::Theatre,
        &[
            "theatre",
            "theater",
            "spectacle",
            "show",
            "cirque",
            "circus",
            "danse",
            "dance",
            "conte",
        ],
    ),
    (
        EventCategory::GuidedTour,
        &["visite", "guided", "tour", "patrimoine", "heritage"],
    ),
    (
        EventCategory::Nature,
        &[
            "nature",
            "randonnee",
            "rando",
            "balade",
            "hike",
            "hiking",
            "walk",
            "sortie",
            "jardin",
            "garden",
        ],
    ),
    (
        EventCategory::Sport,
        &[
            "sport",
            "course",
            "run",
            "trail",
            "marathon",
            "tournoi",
            "tournament",
            "match",
            "velo",
            "cycl",
            "football",
            "tennis",
            "petanque",
        ],
    ),
    (
        EventCategory::Workshop,
        &[
            "atelier",
            "workshop",
            "stage",
            "cours",
            "class",
            "initiation",
            "formation",
        ],
    ),
    (
        EventCategory::Conference,
        &[
            "conference",
            "talk",
            "reunion",
            "meeting",
            "debat",
            "debate",
            "rencontre",
            "lecture",
            "colloque",
        ],
    ),
    (
        EventCategory::Family,
        &[
            "enfant",
            "famille",
            "family",
            "children",
            "kids",
            "jeune public",
            "jeunesse",
        ],
    ),
    (
        EventCategory::Festival,
        &[
            "fete",
            "festival",
            "ducasse",
            "kermesse",
            "carnaval",
            "carnival",
            "feast",
            "celebration",
            "bal",
            "feu d'artifice",
            "fireworks",
        ],
    ),
];

/// The category that the words suggest, else [`EventCategory::Other`].
pub fn from_words<'a>(words: impl IntoIterator<Item = &'a str>) -> EventCategory {
    let words: Vec<String> = words.into_iter().map(spaced).collect();
    // A stem counts at the start of a word only: "tour" is in "Tour de France", not in
    // "mB-onTour".
    STEMS
        .iter()
        .find(|(_, stems)| {
            words
                .iter()
                .any(|w| stems.iter().any(|stem| w.contains(&spaced(stem))))
        })
        .map_or(EventCategory::Other, |(category, _)| *category)
}

/// `text` folded, each run of other characters than letters and digits one space, with a
/// space in front: " vide grenier".
fn spaced(text: &str) -> String {
    let mut out = String::from(" ");
    for c in fold(text).chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_and_english_words_find_their_category() {
        assert_eq!(from_words(["Marché de Noël"]), EventCategory::Market);
        assert_eq!(from_words(["Fête de la musique"]), EventCategory::Concert);
        assert_eq!(from_words(["Ducasse"]), EventCategory::Festival);
        assert_eq!(
            from_words(["", "Randonnée pédestre"]),
            EventCategory::Nature
        );
        assert_eq!(from_words(["Guided tour"]), EventCategory::GuidedTour);
        assert_eq!(from_words(["VIDE-GRENIER"]), EventCategory::Market);
        assert_eq!(from_words(["Assemblée générale"]), EventCategory::Other);
        assert_eq!(from_words(Vec::<&str>::new()), EventCategory::Other);
        // Stems start words.
        assert_eq!(from_words(["mB-onTour: repairCafé"]), EventCategory::Other);
        assert_eq!(
            from_words(["Exposition de peinture"]),
            EventCategory::Exhibition
        );
        assert_eq!(from_words(["Feu d'artifice"]), EventCategory::Festival);
    }
}
