//! News items: short announcements from the officer or imported feeds, each valid for a
//! period and possibly targeted at some communes.

use std::cmp::Reverse;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{check_url, text_is_unset};
use crate::ids::{Insee, Sha256};
use crate::text::Text;
use crate::validate::{Checker, Validate};

/// The news data set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsData {
    /// Every item, in no particular order.
    #[serde(default)]
    pub items: Vec<NewsItem>,
}

impl NewsData {
    /// The items valid at `t` and meant for `commune` (`None`: no commune filter, every
    /// item), newest published first; items without a publication date come last; ties keep
    /// data order.
    pub fn current<'a>(
        &'a self,
        commune: Option<&Insee>,
        t: Timestamp,
    ) -> impl Iterator<Item = &'a NewsItem> + use<'a> {
        let mut found: Vec<&NewsItem> = self
            .items
            .iter()
            .filter(|n| n.valid_at(t) && commune.is_none_or(|c| n.for_commune(c)))
            .collect();
        found.sort_by_key(|n| Reverse(n.published_at));
        found.into_iter()
    }

    /// The first `valid_from` or `valid_until` strictly after `t`: when the set of current
    /// items next changes.
    pub fn changes_after(&self, t: Timestamp) -> Option<Timestamp> {
        self.items
            .iter()
            .flat_map(|n| [n.valid_from, n.valid_until])
            .flatten()
            .filter(|b| *b > t)
            .min()
    }

    /// The item with id `id`.
    pub fn get(&self, id: &str) -> Option<&NewsItem> {
        self.items.iter().find(|n| n.id == id)
    }
}

impl Validate for NewsData {
    fn validate(&self, v: &mut Checker) {
        v.unique_ids("items", self.items.iter().map(|n| n.id.as_str()));
        v.each(
            "items",
            &self.items,
            |n| n.id.as_str(),
            |v, n| n.validate(v),
        );
    }
}

/// One news item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsItem {
    /// Id, unique in the data set.
    pub id: String,
    /// Headline, per language.
    pub title: Text,
    /// Body, per language; may be absent for a headline-only item.
    #[serde(default, skip_serializing_if = "text_is_unset")]
    pub text: Text,
    /// Illustration blob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Sha256>,
    /// First instant shown; none means already valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<Timestamp>,
    /// First instant no longer shown (exclusive); none means no expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Timestamp>,
    /// The communes it concerns; empty means the whole territory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub communes: Vec<Insee>,
    /// Who published it.
    #[serde(default)]
    pub source: NewsSource,
    /// When it was published, for ordering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<Timestamp>,
    /// Where to read more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl NewsItem {
    /// True when `valid_from <= t < valid_until` (missing bounds are open).
    pub fn valid_at(&self, t: Timestamp) -> bool {
        self.valid_from.is_none_or(|f| f <= t) && self.valid_until.is_none_or(|u| t < u)
    }

    /// True when the item concerns `commune`: it lists it, or lists none.
    pub fn for_commune(&self, commune: &Insee) -> bool {
        self.communes.is_empty() || self.communes.contains(commune)
    }
}

impl Validate for NewsItem {
    fn validate(&self, v: &mut Checker) {
        v.field("title", |v| self.title.require(v));
        v.field("text", |v| self.text.optional(v));
        if let (Some(f), Some(u)) = (self.valid_from, self.valid_until)
            && u <= f
        {
            v.report_at("valid_until", format!("{u} is not after valid_from ({f})"));
        }
        v.field("communes", |v| {
            let mut seen = std::collections::BTreeSet::new();
            for c in &self.communes {
                if !seen.insert(c) {
                    v.report(format!("commune {c} is listed twice"));
                }
            }
        });
        v.field("source", |v| self.source.validate(v));
        check_url(v, "link", self.link.as_deref());
    }
}

/// Who published a news item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsSource {
    /// The kind of source.
    #[serde(default)]
    pub kind: NewsSourceKind,
    /// Its name as credited on screen ("Mairie de Verchocq", "La Voix du Nord").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The feed or page it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Validate for NewsSource {
    fn validate(&self, v: &mut Checker) {
        check_url(v, "url", self.url.as_deref());
    }
}

/// The kinds of news sources.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewsSourceKind {
    /// Written by the communications officer.
    #[default]
    Officer,
    /// Imported from an RSS or Atom feed.
    Feed,
    /// Any other source, including ones this version does not know.
    #[serde(other)]
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{insee, ts};
    use crate::text::Lang;

    fn item(id: &str, published: Option<&str>, communes: &[&str]) -> NewsItem {
        NewsItem {
            id: id.into(),
            title: Text::fr(format!("Titre {id}")),
            text: Text::default(),
            image: None,
            valid_from: None,
            valid_until: None,
            communes: communes.iter().map(|c| insee(c)).collect(),
            source: NewsSource::default(),
            published_at: published.map(ts),
            link: None,
        }
    }

    fn realistic() -> NewsData {
        NewsData {
            items: vec![
                NewsItem {
                    id: "travaux-rd928".into(),
                    title: Text::fr("Travaux sur la RD 928")
                        .with(Lang::nl(), "Werken aan de RD 928"),
                    text: Text::fr(
                        "Circulation alternée entre Fruges et Verchocq du 7 au 18 décembre.",
                    ),
                    image: Some(Sha256::of(b"panneau travaux")),
                    valid_from: Some(ts("2026-12-01T07:00:00Z")),
                    valid_until: Some(ts("2026-12-18T17:00:00Z")),
                    communes: vec![insee("62364"), insee("62844")],
                    source: NewsSource {
                        kind: NewsSourceKind::Officer,
                        name: "Communauté de communes du Haut Pays du Montreuillois".into(),
                        url: None,
                    },
                    published_at: Some(ts("2026-11-30T10:00:00Z")),
                    link: Some("https://www.cchpm.fr/actualites/travaux-rd928".into()),
                },
                NewsItem {
                    id: "feed-vdn-1234".into(),
                    title: Text::fr("Le marché de Noël de Bourthes attire les foules"),
                    text: Text::default(),
                    image: None,
                    valid_from: None,
                    valid_until: None,
                    communes: vec![insee("62168")],
                    source: NewsSource {
                        kind: NewsSourceKind::Feed,
                        name: "La Voix du Nord".into(),
                        url: Some("https://www.lavoixdunord.fr/rss".into()),
                    },
                    published_at: Some(ts("2026-12-06T18:12:00Z")),
                    link: None,
                },
            ],
        }
    }

    #[test]
    fn realistic_news_round_trips_and_validates() {
        let data = realistic();
        data.check().unwrap();
        let json = serde_json::to_string(&data).unwrap();
        assert!(
            json.contains(r#""valid_from":"2026-12-01T07:00:00Z""#),
            "{json}"
        );
        let back: NewsData = serde_json::from_str(&json).unwrap();
        assert_eq!(back, data);
    }

    #[test]
    fn unknown_fields_and_values_are_tolerated() {
        let data: NewsData = serde_json::from_str(
            r#"{"items":[{"id":"n1","title":{"fr":"Alerte"},"priority":3,
                "source":{"kind":"prefecture","name":"Préfecture"}}],"etag":"x"}"#,
        )
        .unwrap();
        assert_eq!(data.items[0].source.kind, NewsSourceKind::Other);
        assert!(data.items[0].communes.is_empty());
        data.check().unwrap();
    }

    #[test]
    fn validity_is_half_open() {
        let n = &realistic().items[0];
        assert!(!n.valid_at(ts("2026-12-01T06:59:59Z")));
        assert!(n.valid_at(ts("2026-12-01T07:00:00Z")));
        assert!(n.valid_at(ts("2026-12-18T16:59:59Z")));
        assert!(!n.valid_at(ts("2026-12-18T17:00:00Z")));
        assert!(realistic().items[1].valid_at(ts("2000-01-01T00:00:00Z")));
    }

    #[test]
    fn current_filters_by_commune_and_sorts_newest_first() {
        let mut data = realistic();
        data.items
            .push(item("territoire", Some("2026-12-03T09:00:00Z"), &[]));
        data.items.push(item("sans-date", None, &[]));
        data.items.push(item("sans-date-2", None, &["62670"]));
        let t = ts("2026-12-10T12:00:00Z");
        let ids = |c: Option<&Insee>| {
            data.current(c, t)
                .map(|n| n.id.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(Some(&insee("62364"))),
            ["territoire", "travaux-rd928", "sans-date"]
        );
        assert_eq!(
            ids(Some(&insee("62168"))),
            ["feed-vdn-1234", "territoire", "sans-date"]
        );
        assert_eq!(
            ids(Some(&insee("62670"))),
            ["territoire", "sans-date", "sans-date-2"]
        );
        assert_eq!(
            ids(None),
            [
                "feed-vdn-1234",
                "territoire",
                "travaux-rd928",
                "sans-date",
                "sans-date-2"
            ]
        );
        // After the works, Fruges only sees territory-wide items.
        let later = data.current(Some(&insee("62364")), ts("2026-12-20T00:00:00Z"));
        assert_eq!(
            later.map(|n| n.id.as_str()).collect::<Vec<_>>(),
            ["territoire", "sans-date"]
        );
    }

    #[test]
    fn changes_after_is_the_next_bound() {
        let data = realistic();
        assert_eq!(
            data.changes_after(ts("2026-11-30T00:00:00Z")),
            Some(ts("2026-12-01T07:00:00Z"))
        );
        assert_eq!(
            data.changes_after(ts("2026-12-01T07:00:00Z")),
            Some(ts("2026-12-18T17:00:00Z"))
        );
        assert_eq!(data.changes_after(ts("2026-12-18T17:00:00Z")), None);
    }

    #[test]
    fn validation_names_each_problem() {
        let mut data = realistic();
        data.items[0].valid_until = data.items[0].valid_from;
        data.items[0].link = Some("mailto:contact@cchpm.fr".into());
        data.items[0].communes.push(insee("62364"));
        data.items[1].id = "travaux-rd928".into();
        data.items[1].title = Text::fr("  ");
        let p = data.check().unwrap_err();
        assert!(
            p.has("items[travaux-rd928].id", "duplicate id \"travaux-rd928\""),
            "{p}"
        );
        assert!(
            p.has(
                "items[travaux-rd928].valid_until",
                "2026-12-01T07:00:00Z is not after valid_from (2026-12-01T07:00:00Z)"
            ),
            "{p}"
        );
        assert!(
            p.has("items[travaux-rd928].link", "mailto:contact@cchpm.fr"),
            "{p}"
        );
        assert!(
            p.has(
                "items[travaux-rd928].communes",
                "commune 62364 is listed twice"
            ),
            "{p}"
        );
        assert!(
            p.has("items[travaux-rd928].title", "the fr value is empty"),
            "{p}"
        );
    }
}
