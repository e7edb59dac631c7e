//! Typed data sets: the events, waste collections, news and product catalogue that screen
//! items and kiosk pages draw from.
//!
//! Each data set travels as a JSON blob referenced by hash in the manifest. Readers ignore
//! unknown fields and map unknown enum values to an `Other` variant, so an older player keeps
//! accepting data written by a newer server. No floating point anywhere: coordinates are
//! integer micro-degrees and prices integer cents.

pub mod catalogue;
pub mod events;
pub mod hours;
pub mod news;
pub mod waste;

use serde::{Deserialize, Serialize};

use crate::text::{Lang, Text};
use crate::validate::{Checker, Validate};

/// The data sets a screen's items draw from; each is a JSON blob referenced by hash in the manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataSets {
    /// Local events (agenda), when the screen shows any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<events::EventsData>,
    /// Waste collection calendars and sorting advice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waste: Option<waste::WasteData>,
    /// News items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub news: Option<news::NewsData>,
    /// The tourist-office catalogue of local products, producers and points of sale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogue: Option<catalogue::Catalogue>,
}

impl DataSets {
    /// The kinds present, in [`DataSetKind::ALL`] order.
    pub fn kinds(&self) -> Vec<DataSetKind> {
        DataSetKind::ALL
            .into_iter()
            .filter(|k| match k {
                DataSetKind::Events => self.events.is_some(),
                DataSetKind::Waste => self.waste.is_some(),
                DataSetKind::News => self.news.is_some(),
                DataSetKind::Catalogue => self.catalogue.is_some(),
            })
            .collect()
    }
}

impl Validate for DataSets {
    fn validate(&self, v: &mut Checker) {
        if let Some(d) = &self.events {
            v.field("events", |v| d.validate(v));
        }
        if let Some(d) = &self.waste {
            v.field("waste", |v| d.validate(v));
        }
        if let Some(d) = &self.news {
            v.field("news", |v| d.validate(v));
        }
        if let Some(d) = &self.catalogue {
            v.field("catalogue", |v| d.validate(v));
        }
    }
}

/// Which data set a blob holds or an item draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataSetKind {
    /// [`events::EventsData`].
    Events,
    /// [`waste::WasteData`].
    Waste,
    /// [`news::NewsData`].
    News,
    /// [`catalogue::Catalogue`].
    Catalogue,
}

impl DataSetKind {
    /// Every kind, in declaration order.
    pub const ALL: [DataSetKind; 4] = [Self::Events, Self::Waste, Self::News, Self::Catalogue];

    /// The serialised name: `events`, `waste`, `news` or `catalogue`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Events => "events",
            Self::Waste => "waste",
            Self::News => "news",
            Self::Catalogue => "catalogue",
        }
    }
}

/// `skip_serializing_if` helper: a text with no language at all (a blank value still travels).
pub(crate) fn text_is_unset(t: &Text) -> bool {
    t.0.is_empty()
}

/// `skip_serializing_if` helper for flags that default to false.
pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

/// Reports, at field `name`, a URL that is not an absolute `http`/`https` URL.
pub(crate) fn check_url(v: &mut Checker, name: &str, url: Option<&str>) {
    let Some(url) = url else { return };
    let rest = ["https://", "http://"].iter().find_map(|scheme| {
        url.get(..scheme.len())
            .filter(|p| p.eq_ignore_ascii_case(scheme))
            .map(|_| &url[scheme.len()..])
    });
    match rest {
        None => v.report_at(
            name,
            format!("\"{url}\" is not a web address (it must start with http:// or https://)"),
        ),
        Some(rest)
            if rest.is_empty() || rest.starts_with('/') || url.contains(char::is_whitespace) =>
        {
            v.report_at(name, format!("\"{url}\" is not a valid web address"));
        }
        Some(_) => {}
    }
}

/// Reports, at field `name`, a name that is empty or only blanks.
pub(crate) fn check_name(v: &mut Checker, name: &str, value: &str) {
    if value.trim().is_empty() {
        v.report_at(name, "must not be empty");
    }
}

/// The value for `lang` among a French, an English and a Dutch one; French otherwise.
pub(crate) fn pick(
    lang: &Lang,
    fr: &'static str,
    en: &'static str,
    nl: &'static str,
) -> &'static str {
    match lang.as_str() {
        "en" => en,
        "nl" => nl,
        _ => fr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_data_sets_serialise_to_an_empty_object_and_accept_unknown_fields() {
        assert_eq!(serde_json::to_string(&DataSets::default()).unwrap(), "{}");
        let d: DataSets =
            serde_json::from_str(r#"{"weather":{"x":1},"news":{"items":[]}}"#).unwrap();
        assert_eq!(d.kinds(), vec![DataSetKind::News]);
        assert!(d.check().is_ok());
    }

    #[test]
    fn kind_names_match_serde() {
        for k in DataSetKind::ALL {
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.name())
            );
        }
    }

    #[test]
    fn urls_must_be_http_or_https() {
        let mut v = Checker::new();
        check_url(&mut v, "a", Some("https://www.fruges.fr/agenda"));
        check_url(&mut v, "b", Some("HTTP://example.org"));
        check_url(&mut v, "c", Some("ftp://example.org"));
        check_url(&mut v, "d", Some("https://"));
        check_url(&mut v, "e", Some("javascript:alert(1)"));
        check_url(&mut v, "f", None);
        let p = v.finish().unwrap_err();
        assert_eq!(p.0.len(), 3, "{p}");
        assert!(
            p.has("c", "\"ftp://example.org\" is not a web address"),
            "{p}"
        );
        assert!(p.has("d", "not a valid web address"), "{p}");
        assert!(p.has("e", "javascript:alert(1)"), "{p}");
    }
}
