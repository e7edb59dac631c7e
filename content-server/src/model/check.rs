//! Checks of one object against the others of its side: its own rules (the protocol's
//! validation), references that must exist, and ownership (a commune's objects use only
//! shared objects and that commune's own).

use beffroi_protocol::ids::{Insee, Sha256};
use beffroi_protocol::playlist::{Content, Playlist};
use beffroi_protocol::validate::{Checker, Validate};

use super::Kind;
use super::body::Body;
use super::snapshot::{Snapshot, may_use};

/// Every problem of object `kind`/`id` owned by `owner` with `body`, in `s`. Empty: fine.
pub fn check(
    s: &Snapshot,
    kind: Kind,
    id: &str,
    owner: Option<&Insee>,
    body: &Body,
) -> Vec<String> {
    let mut p = Problems(Vec::new());
    if let Err(why) = beffroi_protocol::ids::check_id(id) {
        p.add(format!("id: {why}"));
    }
    if body.name().trim().is_empty() && kind != Kind::Schedule {
        p.add("name: must not be empty");
    }
    match body {
        Body::Group(_) => {}
        Body::Screen(b) => {
            if crate::communes::by_insee(&b.commune).is_none() {
                p.add(format!(
                    "commune: {} is not a commune of the territory",
                    b.commune
                ));
            }
            if let Some(o) = owner
                && *o != b.commune
            {
                p.add(format!(
                    "commune: a screen of commune {o} must stand in it, not in {}",
                    b.commune
                ));
            }
            if b.languages.is_empty() {
                p.add("languages: must name at least one language");
            }
            let layout = s.layouts.get(&b.layout);
            p.reference(s, owner, Kind::Layout, &b.layout, "layout");
            for (zone, playlist) in &b.default_playlists {
                if let Some(l) = layout
                    && l.body.zone(zone).is_none()
                {
                    p.add(format!(
                        "default_playlists.{zone}: layout \"{}\" has no zone \"{zone}\"",
                        b.layout
                    ));
                }
                p.reference(
                    s,
                    owner,
                    Kind::Playlist,
                    playlist,
                    &format!("default_playlists.{zone}"),
                );
            }
            for g in &b.groups {
                p.reference(s, owner, Kind::Group, g, "groups");
            }
            if let Some(logo) = &b.theme.logo {
                p.media(s, owner, logo, "theme.logo");
            }
            for (i, w) in b.power.on.iter().enumerate() {
                let mut v = Checker::new();
                v.field(&format!("power.on[{i}]"), |v| w.validate(v));
                p.merge(v);
            }
        }
        Body::Layout(l) => {
            if l.id != id {
                p.add(format!(
                    "id: the layout says \"{}\" but the object is \"{id}\"",
                    l.id
                ));
            }
            let mut v = Checker::new();
            l.validate(&mut v);
            p.merge(v);
        }
        Body::Playlist(b) => {
            let playlist = Playlist {
                id: id.to_owned(),
                name: b.name.clone(),
                items: b.items.clone(),
            };
            let mut v = Checker::new();
            playlist.validate(&mut v);
            p.merge(v);
            for item in &b.items {
                let at = format!("items[{}]", item.id);
                match &item.content {
                    Content::Video { .. } => p.add(format!(
                        "{at}: video is not supported yet; use still images"
                    )),
                    Content::Unknown => p.add(format!("{at}.kind: unknown kind of item")),
                    other => {
                        for sha in other.assets() {
                            p.media(s, owner, sha, &at);
                        }
                    }
                }
            }
        }
        Body::Schedule(b) => {
            p.reference(s, owner, Kind::Playlist, &b.playlist, "playlist");
            if b.zone.trim().is_empty() {
                p.add("zone: must name a layout zone");
            }
            let mut v = Checker::new();
            v.field("window", |v| b.window.validate(v));
            p.merge(v);
            let t = &b.targets;
            if !t.all
                && t.communes.is_empty()
                && t.groups.is_empty()
                && t.screens.is_empty()
                && t.tags.is_empty()
            {
                p.add("targets: names no screen (set all, communes, groups, screens or tags)");
            }
            for c in &t.communes {
                if crate::communes::by_insee(c).is_none() {
                    p.add(format!(
                        "targets.communes: {c} is not a commune of the territory"
                    ));
                }
            }
            for g in &t.groups {
                p.reference(s, owner, Kind::Group, g, "targets.groups");
            }
            for sc in &t.screens {
                match s.screens.get(sc) {
                    None => p.add(format!("targets.screens: no screen \"{sc}\"")),
                    Some(screen) if owner.is_some() && screen.owner.as_ref() != owner => {
                        p.add(format!(
                            "targets.screens: screen \"{sc}\" is not a screen of commune {}",
                            owner.map(Insee::as_str).unwrap_or_default()
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
    }
    p.0
}

struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, p: impl Into<String>) {
        self.0.push(p.into());
    }

    fn merge(&mut self, v: Checker) {
        if let Err(problems) = v.finish() {
            self.0.extend(problems.0.iter().map(ToString::to_string));
        }
    }

    /// `id` must exist in `s` as a `kind` the owner may use.
    fn reference(&mut self, s: &Snapshot, owner: Option<&Insee>, kind: Kind, id: &str, at: &str) {
        match s.owner_of(kind, id) {
            None => self.add(format!("{at}: no {} \"{id}\"", kind.noun())),
            Some(used) if !may_use(owner, used) => self.add(format!(
                "{at}: {} \"{id}\" belongs to commune {}; only shared objects and {}'s own can be used",
                kind.noun(),
                used.map(Insee::as_str).unwrap_or_default(),
                owner.map_or("the intercommunality", Insee::as_str),
            )),
            Some(_) => {}
        }
    }

    /// `sha` must be an uploaded media the owner may use.
    fn media(&mut self, s: &Snapshot, owner: Option<&Insee>, sha: &Sha256, at: &str) {
        match s.media.get(sha) {
            None => self.add(format!("{at}: no uploaded media with SHA-256 {sha}")),
            Some(m) if !m.owners.iter().any(|o| may_use(owner, o.as_ref())) => self.add(format!(
                "{at}: media {sha} belongs to another commune; upload it for this one or use a shared one"
            )),
            Some(_) => {}
        }
    }
}
