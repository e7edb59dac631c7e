//! Texts a person reads, with one value per language and the fallback rule of the design.
//!
//! Every visible text carries per-language values; a screen or a kiosk visitor picks a
//! language and gets that value, else French, else the first one available.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::validate::Checker;

/// A language as a lowercase ISO 639-1 code (`fr`, `en`, `nl`, `de`...).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Lang(String);

impl Lang {
    /// French, the language every text falls back to.
    pub fn fr() -> Self {
        Self("fr".into())
    }

    /// English.
    pub fn en() -> Self {
        Self("en".into())
    }

    /// Dutch, for the many Belgian and Dutch visitors of the Côte d'Opale hinterland.
    pub fn nl() -> Self {
        Self("nl".into())
    }

    /// The two-letter code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Lang {
    type Err = crate::ids::ParseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == 2 && s.bytes().all(|b| b.is_ascii_lowercase()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(crate::ids::ParseIdError(format!(
                "\"{s}\" is not a language code (two lowercase letters such as fr, en, nl)"
            )))
        }
    }
}

impl TryFrom<String> for Lang {
    type Error = crate::ids::ParseIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Lang> for String {
    fn from(l: Lang) -> String {
        l.0
    }
}

/// A text with one value per language, serialised as `{"fr": "...", "en": "..."}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(pub BTreeMap<Lang, String>);

impl Text {
    /// A text with only a French value.
    pub fn fr(value: impl Into<String>) -> Self {
        Self(BTreeMap::from([(Lang::fr(), value.into())]))
    }

    /// Adds or replaces the value for `lang`.
    pub fn with(mut self, lang: Lang, value: impl Into<String>) -> Self {
        self.0.insert(lang, value.into());
        self
    }

    /// The value for `lang`, else French, else the first language in code order.
    /// `None` only when the text has no value at all.
    pub fn get(&self, lang: &Lang) -> Option<&str> {
        self.0
            .get(lang)
            .or_else(|| self.0.get(&Lang::fr()))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
    }

    /// True when no language has a value.
    pub fn is_empty(&self) -> bool {
        self.0.values().all(|s| s.trim().is_empty())
    }

    /// Reports an empty text, or a language whose value is blank, at the current path.
    pub fn require(&self, v: &mut Checker) {
        if self.0.is_empty() {
            v.report("must have a value in at least one language");
        }
        for (lang, value) in &self.0 {
            if value.trim().is_empty() {
                v.report(format!("the {lang} value is empty"));
            }
        }
    }

    /// Like [`Text::require`] but accepts a text with no language at all.
    pub fn optional(&self, v: &mut Checker) {
        if !self.0.is_empty() {
            self.require(v);
        }
    }
}

/// `s` in lower case without the accents of French and its neighbours (œ → oe, æ → ae),
/// typographic apostrophes made `'` and non-breaking spaces made spaces: what searches,
/// keyword rules and loosely matched keys compare ("Fête", "FETE" and "fete" alike).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'î' | 'ï' | 'í' | 'ì' => out.push('i'),
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' | 'ø' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => out.push('u'),
            'ÿ' | 'ý' => out.push('y'),
            'ñ' => out.push('n'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            '\u{2018}' | '\u{2019}' | '\u{02BC}' | '`' | '\u{B4}' => out.push('\''),
            '\u{A0}' | '\u{202F}' | '\u{2007}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `s` as lower-case ASCII letters and digits joined by single hyphens, at most `max`
/// bytes ("Fête de la soupe" → "fete-de-la-soupe"); empty when `s` has no letter or digit.
pub fn slug(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in fold(s).chars() {
        if out.len() >= max {
            break;
        }
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_slugs() {
        assert_eq!(fold("Fête À L’Œuvre\u{202f}!"), "fete a l'oeuvre !");
        assert_eq!(fold("Déchèterie"), "decheterie");
        assert_eq!(slug("Fête de la soupe", 40), "fete-de-la-soupe");
        assert_eq!(slug("  Saint-Rémy-au-Bois ", 40), "saint-remy-au-bois");
        assert_eq!(slug("Saint-Rémy-au-Bois", 8), "saint-re");
        assert_eq!(slug("«\u{a0}?\u{a0}»", 40), "");
    }

    #[test]
    fn falls_back_to_french_then_first_language() {
        let t = Text::fr("Marché").with(Lang::en(), "Market");
        assert_eq!(t.get(&Lang::en()), Some("Market"));
        assert_eq!(t.get(&Lang::nl()), Some("Marché"));
        let only_dutch = Text::default().with(Lang::nl(), "Markt");
        assert_eq!(only_dutch.get(&Lang::en()), Some("Markt"));
        assert_eq!(Text::default().get(&Lang::fr()), None);
    }

    #[test]
    fn serialises_as_a_language_map() {
        let t = Text::fr("Bonjour").with(Lang::en(), "Hello");
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"en":"Hello","fr":"Bonjour"}"#
        );
        let err = serde_json::from_str::<Text>(r#"{"FR":"x"}"#).unwrap_err();
        assert!(err.to_string().contains("not a language code"), "{err}");
    }

    #[test]
    fn require_names_the_blank_language() {
        let mut v = Checker::new();
        v.field("title", |v| Text::fr("ok").with(Lang::en(), " ").require(v));
        let problems = v.finish().unwrap_err();
        assert!(problems.has("title", "the en value is empty"), "{problems}");
    }
}
