//! The 49 communes of the Communauté de communes du Haut Pays du Montreuillois, from the
//! official geographic code (Etalab's `decoupage-administratif`, embedded at build time).
//!
//! The list is compiled into the binary so that the server knows its territory without a
//! network or a data directory; `assets/communes/` keeps the source file and its licence.

use std::sync::OnceLock;

use beffroi_protocol::ids::Insee;
use serde::Deserialize;

/// The territory file, as shipped in the repository.
const TERRITORY_JSON: &str = include_str!("../../assets/communes/cc-haut-pays-montreuillois.json");

/// One commune of the territory.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Commune {
    /// INSEE code (code officiel géographique), e.g. `62364` for Fruges.
    pub insee: Insee,
    /// Official name, with its accents and hyphens ("Campagne-lès-Boulonnais").
    pub name: String,
    /// Postal codes; several communes share one, and a commune may have several.
    pub postal_codes: Vec<String>,
    /// Municipal population of the latest census.
    pub population: u32,
}

impl Commune {
    /// The main postal code (the first listed), for one-line addresses.
    pub fn postal_code(&self) -> &str {
        self.postal_codes.first().map_or("", String::as_str)
    }
}

/// The file's layout; the `epci` and `source` fields are informative and ignored here.
#[derive(Deserialize)]
struct TerritoryFile {
    communes: Vec<Commune>,
}

/// Parses a territory file (the format of `assets/communes/*.json`).
fn parse(json: &str) -> Result<Vec<Commune>, serde_json::Error> {
    serde_json::from_str::<TerritoryFile>(json).map(|f| f.communes)
}

/// Every commune of the territory, in the file's order (alphabetical by INSEE name).
///
/// # Panics
///
/// Never in practice: the file is embedded at build time and the tests of this module parse
/// it, so a broken file fails the build's tests rather than a running server.
pub fn territory() -> &'static [Commune] {
    static TERRITORY: OnceLock<Vec<Commune>> = OnceLock::new();
    TERRITORY.get_or_init(|| {
        parse(TERRITORY_JSON).expect("the embedded territory file is checked by the tests")
    })
}

/// The commune whose official name is exactly `name` ("Fruges", "Coupelle-Vieille").
pub fn by_name(name: &str) -> Option<&'static Commune> {
    territory().iter().find(|c| c.name == name)
}

/// The commune with INSEE code `insee`, if it belongs to the territory.
pub fn by_insee(insee: &Insee) -> Option<&'static Commune> {
    territory().iter().find(|c| &c.insee == insee)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn the_territory_has_49_communes_with_unique_codes_and_names() {
        let all = territory();
        assert_eq!(all.len(), 49);
        let codes: BTreeSet<&str> = all.iter().map(|c| c.insee.as_str()).collect();
        let names: BTreeSet<&str> = all.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(codes.len(), 49, "duplicate INSEE code");
        assert_eq!(names.len(), 49, "duplicate name");
        for c in all {
            // Every code re-parses (the Insee type already checked it on load) and lies in
            // the Pas-de-Calais.
            assert_eq!(c.insee.as_str().parse::<Insee>().as_ref(), Ok(&c.insee));
            assert!(c.insee.as_str().starts_with("62"), "{c:?}");
            assert!(!c.postal_codes.is_empty(), "{c:?}");
            for p in &c.postal_codes {
                assert!(
                    p.len() == 5 && p.bytes().all(|b| b.is_ascii_digit()),
                    "{c:?}"
                );
            }
            assert!(c.population > 0, "{c:?}");
        }
    }

    #[test]
    fn lookups_find_the_real_communes() {
        let fruges = by_name("Fruges").unwrap();
        assert_eq!(fruges.insee.as_str(), "62364");
        assert_eq!(fruges.postal_code(), "62310");
        for (name, code) in [
            ("Hucqueliers", "62463"),
            ("Bourthes", "62168"),
            ("Verchocq", "62844"),
            ("Preures", "62670"),
            ("Campagne-lès-Boulonnais", "62202"),
        ] {
            assert_eq!(
                by_name(name).map(|c| c.insee.as_str()),
                Some(code),
                "{name}"
            );
        }
        assert_eq!(
            by_insee(&"62463".parse().unwrap()).unwrap().name,
            "Hucqueliers"
        );
        assert!(by_name("Montreuil").is_none(), "not a member of the CC");
        assert!(by_name("fruges").is_none(), "names are matched exactly");
        // Fruges is the largest commune of the territory.
        let largest = territory().iter().max_by_key(|c| c.population).unwrap();
        assert_eq!(largest.name, "Fruges");
    }

    #[test]
    fn a_broken_file_is_refused_with_the_reason() {
        let err =
            parse(r#"{"communes":[{"insee":"6236","name":"X","postal_codes":[],"population":1}]}"#)
                .unwrap_err()
                .to_string();
        assert!(err.contains("not an INSEE commune code"), "{err}");
    }
}
