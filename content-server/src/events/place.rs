//! Finding the commune of the territory where an imported event takes place, from what its
//! source writes: an INSEE code, a postal code and a city, or a free-text location.

use beffroi_agenda::Place;
use beffroi_protocol::ids::Insee;
use beffroi_protocol::text::fold;

use crate::communes::{self, Commune};

/// Where an event takes place, as far as the territory is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// In this commune of the territory.
    Commune(Insee),
    /// Somewhere the place names, outside the territory.
    Outside,
    /// The place names no commune at all (a hall's name only).
    Unknown,
}

/// The commune where `place` is, else `default` when the place names none, else `None`.
pub fn commune(place: &Place, default: Option<&Insee>) -> Option<Insee> {
    match find(place) {
        Found::Commune(c) => Some(c),
        Found::Outside => None,
        Found::Unknown => default.cloned(),
    }
}

/// Reads the place: the INSEE code when given, else the city and postal code, else the
/// commune names and postal codes found in its free text.
pub fn find(place: &Place) -> Found {
    let territory = communes::territory();
    if let Some(code) = place
        .insee
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        return match territory.iter().find(|c| c.insee.as_str() == code) {
            Some(c) => Found::Commune(c.insee.clone()),
            None => Found::Outside,
        };
    }
    let text = [&place.city, &place.postal_code, &place.address, &place.name]
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let postal: Vec<&str> = postal_codes(&text);
    // A postal code of elsewhere: elsewhere, whatever names look alike (there is a Senlis
    // and a Torcy in other departments).
    let candidates: Vec<&Commune> = if postal.is_empty() {
        territory.iter().collect()
    } else {
        let near: Vec<&Commune> = territory
            .iter()
            .filter(|c| c.postal_codes.iter().any(|p| postal.contains(&p.as_str())))
            .collect();
        if near.is_empty() {
            return Found::Outside;
        }
        near
    };
    let words = format!(" {} ", words(&text));
    // Longest names first: "Aix-en-Ergny" before "Ergny".
    let mut by_length = candidates.clone();
    by_length.sort_by_key(|c| std::cmp::Reverse(c.name.len()));
    if let Some(c) = by_length
        .iter()
        .find(|c| words.contains(&format!(" {} ", self::words(&c.name))))
    {
        return Found::Commune(c.insee.clone());
    }
    if !place.city.trim().is_empty() {
        return Found::Outside;
    }
    match candidates.as_slice() {
        [only] if !postal.is_empty() => Found::Commune(only.insee.clone()),
        _ => Found::Unknown,
    }
}

/// The five-digit numbers of `text` that look like French postal codes.
fn postal_codes(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|s| s.len() == 5 && !s.starts_with("00"))
        .collect()
}

/// `text` folded (lowercase, no accents) with every run of non-letters as one space.
fn words(text: &str) -> String {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insee(s: &str) -> Insee {
        s.parse().unwrap()
    }

    fn at(address: &str) -> Place {
        Place {
            address: address.into(),
            ..Place::default()
        }
    }

    #[test]
    fn the_insee_code_decides_when_given() {
        let p = Place {
            insee: Some("62364".into()),
            city: "Paris".into(),
            ..Place::default()
        };
        assert_eq!(find(&p), Found::Commune(insee("62364")));
        let paris = Place {
            insee: Some("75111".into()),
            ..Place::default()
        };
        assert_eq!(find(&paris), Found::Outside);
        assert_eq!(commune(&paris, Some(&insee("62364"))), None);
    }

    #[test]
    fn names_in_free_text_are_found_accents_and_hyphens_aside() {
        assert_eq!(
            find(&at("Salle des fêtes, rue du Château, 62310 FRUGES")),
            Found::Commune(insee("62364"))
        );
        assert_eq!(
            find(&at("Église de Coupelle Vieille")),
            Found::Commune(communes::by_name("Coupelle-Vieille").unwrap().insee.clone())
        );
        // The longer name wins over the one it contains.
        let aix = communes::by_name("Aix-en-Ergny").unwrap();
        assert_eq!(
            find(&at("Place d'Aix-en-Ergny")),
            Found::Commune(aix.insee.clone())
        );
        let hez = communes::by_name("Hézecques").unwrap();
        assert_eq!(find(&at("hezecques")), Found::Commune(hez.insee.clone()));
    }

    #[test]
    fn a_postal_code_of_elsewhere_is_outside_even_with_a_known_name() {
        assert_eq!(find(&at("Place de la Halle, 60300 Senlis")), Found::Outside);
        let senlis = communes::by_name("Senlis").unwrap();
        assert_eq!(
            find(&at("Mairie, 62310 Senlis")),
            Found::Commune(senlis.insee.clone())
        );
        // Only one commune has 62560.
        assert_eq!(
            find(&at("Salle polyvalente, 62560")),
            Found::Commune(communes::by_name("Verchocq").unwrap().insee.clone())
        );
    }

    #[test]
    fn a_city_of_elsewhere_is_outside_and_a_bare_hall_takes_the_default() {
        let p = Place {
            name: "My location".into(),
            address: "122 rue de Charonne".into(),
            city: "Paris".into(),
            ..Place::default()
        };
        assert_eq!(find(&p), Found::Outside);
        assert_eq!(find(&at("Salle des fêtes")), Found::Unknown);
        assert_eq!(
            commune(&at("Salle des fêtes"), Some(&insee("62364"))),
            Some(insee("62364"))
        );
        assert_eq!(commune(&at(""), None), None);
    }
}
