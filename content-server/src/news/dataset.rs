//! The news data set built from the stored items: what every screen showing news carries,
//! each player keeping the items valid now and meant for its commune.
//!
//! The set is a pure function of the stored rows and the day it is built: the same rows
//! give the same bytes, so the data set's hash (and the manifests referring to it) change
//! only when the news does.

use std::collections::BTreeMap;

use beffroi_protocol::data::news::{NewsData, NewsItem, NewsSource, NewsSourceKind};
use beffroi_protocol::ids::{Insee, Sha256};
use jiff::Timestamp;

use super::store::{StoredFeed, StoredItem};

/// At most this many items go to the screens, the newest first: a screen shows a handful,
/// and a forgotten feed must not grow every manifest's download.
pub const MAX_ITEMS: usize = 400;

/// The data set, with each picture still the uploaded original.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Built {
    /// The items, sorted by id.
    pub data: NewsData,
    /// Per original picture, the communes of the items using it (empty: everywhere).
    pub images: BTreeMap<Sha256, Vec<Insee>>,
}

/// The items live at `now` (approved, not withdrawn, not expired) as the screens get them.
pub fn build(items: &[StoredItem], feeds: &[StoredFeed], now: Timestamp) -> Built {
    let by_id: BTreeMap<&str, &StoredFeed> = feeds.iter().map(|f| (f.id.as_str(), f)).collect();
    let mut live: Vec<NewsItem> = Vec::new();
    for s in items.iter().filter(|s| s.live_at(now)) {
        let (communes, source) = match s.feed.as_deref() {
            Some(feed_id) => {
                let Some(f) = by_id.get(feed_id) else {
                    continue;
                };
                (
                    f.communes.clone(),
                    NewsSource {
                        kind: NewsSourceKind::Feed,
                        name: f.name.clone(),
                        url: f.url.clone(),
                    },
                )
            }
            None => (
                s.communes.clone(),
                NewsSource {
                    kind: NewsSourceKind::Officer,
                    name: s
                        .owner
                        .as_ref()
                        .and_then(crate::communes::by_insee)
                        .map(|c| format!("Mairie de {}", c.name))
                        .unwrap_or_default(),
                    url: None,
                },
            ),
        };
        live.push(NewsItem {
            id: s.id.clone(),
            title: s.title.clone(),
            text: s.text.clone(),
            image: s.image.clone(),
            valid_from: s.valid_from,
            valid_until: s.valid_until,
            communes,
            source,
            published_at: s.published_at,
            link: s.link.clone(),
        });
    }
    // The newest (then by id) when there are too many.
    live.sort_by(|a, b| b.published_at.cmp(&a.published_at).then(a.id.cmp(&b.id)));
    live.truncate(MAX_ITEMS);
    live.sort_by(|a, b| a.id.cmp(&b.id));
    let mut images: BTreeMap<Sha256, Vec<Insee>> = BTreeMap::new();
    for n in &live {
        if let Some(sha) = &n.image {
            let entry = images
                .entry(sha.clone())
                .or_insert_with(|| n.communes.clone());
            // Used by an item for the whole territory: everywhere.
            if n.communes.is_empty() {
                entry.clear();
            } else if !entry.is_empty() {
                entry.extend(n.communes.iter().cloned());
                entry.sort();
                entry.dedup();
            }
        }
    }
    Built {
        data: NewsData { items: live },
        images,
    }
}

#[cfg(test)]
mod tests {
    use beffroi_protocol::text::Text;

    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn insee(s: &str) -> Insee {
        s.parse().unwrap()
    }

    fn item(id: &str, communes: &[&str]) -> StoredItem {
        StoredItem {
            id: id.into(),
            feed: None,
            source_key: None,
            owner: Some(insee("62364")),
            title: Text::fr(format!("Titre {id}")),
            text: Text::default(),
            image: None,
            image_url: None,
            link: None,
            valid_from: None,
            valid_until: Some(ts("2026-12-31T00:00:00Z")),
            communes: communes.iter().map(|c| insee(c)).collect(),
            published_at: None,
            hidden: false,
            approved_at: Some("2026-11-01T00:00:00Z".into()),
            approved_by: None,
            created_by: None,
            created_at: "2026-11-01T00:00:00Z".into(),
            updated_by: None,
            updated_at: "2026-11-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn only_live_items_go_out_with_their_credit() {
        let now = ts("2026-12-01T12:00:00Z");
        let mut pending = item("attente", &[]);
        pending.approved_at = None;
        let mut hidden = item("retire", &[]);
        hidden.hidden = true;
        let mut expired = item("passe", &[]);
        expired.valid_until = Some(ts("2026-12-01T12:00:00Z"));
        let built = build(
            &[
                item("b", &["62364"]),
                pending,
                hidden,
                expired,
                item("a", &[]),
            ],
            &[],
            now,
        );
        let ids: Vec<&str> = built.data.items.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(built.data.items[0].source.name, "Mairie de Fruges");
        assert_eq!(built.data.items[0].source.kind, NewsSourceKind::Officer);
    }

    #[test]
    fn feed_items_take_their_feeds_communes_and_name() {
        let feed = StoredFeed {
            id: "ot".into(),
            name: "Office de tourisme".into(),
            url: Some("https://example.org/rss".into()),
            owner: None,
            communes: vec![insee("62463")],
            lang: "fr".into(),
            keep_days: 7,
            max_items: 20,
            refresh_minutes: 60,
            enabled: true,
            etag: None,
            last_modified: None,
            checked_at: None,
            imported_at: None,
            last_error: None,
            created_by: None,
            created_at: String::new(),
        };
        let mut from_feed = item("ot-1", &[]);
        from_feed.feed = Some("ot".into());
        from_feed.source_key = Some("guid-1".into());
        let mut orphan = item("autre-1", &[]);
        orphan.feed = Some("autre".into());
        orphan.source_key = Some("x".into());
        let built = build(&[from_feed, orphan], &[feed], ts("2026-12-01T00:00:00Z"));
        assert_eq!(built.data.items.len(), 1);
        let n = &built.data.items[0];
        assert_eq!(n.communes, [insee("62463")]);
        assert_eq!(n.source.kind, NewsSourceKind::Feed);
        assert_eq!(n.source.name, "Office de tourisme");
    }

    #[test]
    fn pictures_are_listed_with_the_communes_that_use_them() {
        let sha = Sha256::of(b"photo");
        let mut a = item("a", &["62364"]);
        a.image = Some(sha.clone());
        let mut b = item("b", &["62463"]);
        b.image = Some(sha.clone());
        let built = build(&[a.clone(), b], &[], ts("2026-12-01T00:00:00Z"));
        assert_eq!(built.images[&sha], [insee("62364"), insee("62463")]);
        let mut everywhere = item("c", &[]);
        everywhere.image = Some(sha.clone());
        let built = build(&[a, everywhere], &[], ts("2026-12-01T00:00:00Z"));
        assert!(built.images[&sha].is_empty());
    }

    #[test]
    fn too_many_items_keep_the_newest() {
        let items: Vec<StoredItem> = (0..MAX_ITEMS + 5)
            .map(|i| {
                let mut n = item(&format!("n{i:04}"), &[]);
                n.published_at =
                    Some(ts("2026-11-01T00:00:00Z") + jiff::SignedDuration::from_mins(i as i64));
                n
            })
            .collect();
        let built = build(&items, &[], ts("2026-12-01T00:00:00Z"));
        assert_eq!(built.data.items.len(), MAX_ITEMS);
        assert_eq!(built.data.items[0].id, "n0005");
        assert_eq!(
            built.data.items.last().unwrap().id,
            format!("n{:04}", MAX_ITEMS + 4)
        );
    }
}
