//! One side (drafts or published) of every object, parsed, with the media library: what
//! reference checks and manifest building read.

use std::collections::BTreeMap;

use beffroi_protocol::ids::{Insee, Sha256};
use beffroi_protocol::layout::Layout;

use super::body::{Body, GroupBody, PlaylistBody, ScheduleBody, ScreenBody};
use super::store::ObjectRow;
use super::{Kind, Side};

/// An object's body with its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owned<T> {
    /// The commune that owns it; `None` for the intercommunality.
    pub owner: Option<Insee>,
    /// Its body.
    pub body: T,
}

/// An uploaded media, as manifests need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaInfo {
    /// Content address of the original.
    pub sha256: Sha256,
    /// MIME type of the original.
    pub mime: String,
    /// Size of the original in bytes.
    pub size: u64,
    /// Upright width.
    pub width: u32,
    /// Upright height.
    pub height: u32,
    /// Every owner that uploaded these bytes (one media row each).
    pub owners: Vec<Option<Insee>>,
}

/// Every object of one side, by kind and id.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Screen groups.
    pub groups: BTreeMap<String, Owned<GroupBody>>,
    /// Screens.
    pub screens: BTreeMap<String, Owned<ScreenBody>>,
    /// Layouts.
    pub layouts: BTreeMap<String, Owned<Layout>>,
    /// Playlists.
    pub playlists: BTreeMap<String, Owned<PlaylistBody>>,
    /// Schedule entries.
    pub schedule: BTreeMap<String, Owned<ScheduleBody>>,
    /// Media by the SHA-256 of the original.
    pub media: BTreeMap<Sha256, MediaInfo>,
}

impl Snapshot {
    /// Parses `side` of `rows`; rows without a body on that side are absent from it.
    pub fn build(rows: &[ObjectRow], side: Side, media: Vec<MediaInfo>) -> Result<Self, String> {
        let mut s = Snapshot::default();
        for row in rows {
            let text = match side {
                Side::Draft => row.draft.as_deref(),
                Side::Published => row.published.as_deref(),
            };
            let Some(text) = text else { continue };
            let value: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| format!("stored {} {}: {e}", row.kind, row.id))?;
            let body = Body::parse(row.kind, value)
                .map_err(|e| format!("stored {} {}: {e}", row.kind, row.id))?;
            s.insert(row.id.clone(), row.owner.clone(), body);
        }
        for m in media {
            s.media.insert(m.sha256.clone(), m);
        }
        Ok(s)
    }

    /// Puts (or replaces) an object.
    pub fn insert(&mut self, id: String, owner: Option<Insee>, body: Body) {
        match body {
            Body::Group(body) => {
                self.groups.insert(id, Owned { owner, body });
            }
            Body::Screen(body) => {
                self.screens.insert(id, Owned { owner, body: *body });
            }
            Body::Layout(body) => {
                self.layouts.insert(id, Owned { owner, body });
            }
            Body::Playlist(body) => {
                self.playlists.insert(id, Owned { owner, body });
            }
            Body::Schedule(body) => {
                self.schedule.insert(id, Owned { owner, body });
            }
        }
    }

    /// Takes an object out.
    pub fn remove(&mut self, kind: Kind, id: &str) {
        match kind {
            Kind::Group => drop(self.groups.remove(id)),
            Kind::Screen => drop(self.screens.remove(id)),
            Kind::Layout => drop(self.layouts.remove(id)),
            Kind::Playlist => drop(self.playlists.remove(id)),
            Kind::Schedule => drop(self.schedule.remove(id)),
        }
    }

    /// The owner of an object, `Some(owner)` when it exists.
    pub fn owner_of(&self, kind: Kind, id: &str) -> Option<Option<&Insee>> {
        let owner = match kind {
            Kind::Group => self.groups.get(id).map(|o| &o.owner),
            Kind::Screen => self.screens.get(id).map(|o| &o.owner),
            Kind::Layout => self.layouts.get(id).map(|o| &o.owner),
            Kind::Playlist => self.playlists.get(id).map(|o| &o.owner),
            Kind::Schedule => self.schedule.get(id).map(|o| &o.owner),
        };
        owner.map(Option::as_ref)
    }

    /// The body of an object, if it exists.
    pub fn body(&self, kind: Kind, id: &str) -> Option<Body> {
        Some(match kind {
            Kind::Group => Body::Group(self.groups.get(id)?.body.clone()),
            Kind::Screen => Body::Screen(Box::new(self.screens.get(id)?.body.clone())),
            Kind::Layout => Body::Layout(self.layouts.get(id)?.body.clone()),
            Kind::Playlist => Body::Playlist(self.playlists.get(id)?.body.clone()),
            Kind::Schedule => Body::Schedule(self.schedule.get(id)?.body.clone()),
        })
    }

    /// Every problem of every object, each prefixed by `kind id: `.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (kind, id) in self.ids() {
            let owner = self.owner_of(kind, &id).flatten().cloned();
            if let Some(body) = self.body(kind, &id) {
                for p in super::check::check(self, kind, &id, owner.as_ref(), &body) {
                    out.push(format!("{} {id}: {p}", kind.as_str()));
                }
            }
        }
        out
    }

    /// Every object id, by kind.
    pub fn ids(&self) -> Vec<(Kind, String)> {
        let mut out = Vec::new();
        out.extend(self.groups.keys().map(|k| (Kind::Group, k.clone())));
        out.extend(self.layouts.keys().map(|k| (Kind::Layout, k.clone())));
        out.extend(self.playlists.keys().map(|k| (Kind::Playlist, k.clone())));
        out.extend(self.screens.keys().map(|k| (Kind::Screen, k.clone())));
        out.extend(self.schedule.keys().map(|k| (Kind::Schedule, k.clone())));
        out
    }

    /// The schedule entries that reach screen `screen_id`, in manifest order (priority
    /// first, then id).
    pub fn entries_for(&self, screen_id: &str) -> Vec<(&String, &ScheduleBody)> {
        let Some(screen) = self.screens.get(screen_id) else {
            return Vec::new();
        };
        let mut out: Vec<(&String, &ScheduleBody)> = self
            .schedule
            .iter()
            .filter(|(_, e)| reaches(e, screen_id, screen))
            .map(|(id, e)| (id, &e.body))
            .collect();
        out.sort_by(|a, b| b.1.priority.cmp(&a.1.priority).then(a.0.cmp(b.0)));
        out
    }
}

/// Whether a schedule entry reaches a screen: a commune's entry only its own screens.
fn reaches(entry: &Owned<ScheduleBody>, screen_id: &str, screen: &Owned<ScreenBody>) -> bool {
    if entry.owner.is_some() && entry.owner != screen.owner {
        return false;
    }
    let t = &entry.body.targets;
    let s = &screen.body;
    t.all
        || t.screens.iter().any(|x| x == screen_id)
        || t.communes.contains(&s.commune)
        || t.groups.iter().any(|g| s.groups.contains(g))
        || t.tags.iter().any(|g| s.tags.contains(g))
}

/// Whether an object owned by `user_owner` may use one owned by `used_owner`: shared objects
/// are for everyone, a commune's only for that commune's objects.
pub fn may_use(user_owner: Option<&Insee>, used_owner: Option<&Insee>) -> bool {
    used_owner.is_none() || used_owner == user_owner
}
