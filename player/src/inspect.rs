//! `check` and `program`: what a bundle contains, what is wrong with it, what it shows when.

use std::fmt::Write as _;
use std::path::Path;

use beffroi_protocol::bundle::{self, Bundle, BundleError};
use beffroi_protocol::eval::{Evaluator, State};
use beffroi_protocol::playlist::Content;
use jiff::Timestamp;
use serde::Serialize;

/// How far ahead `check` looks for zones that would stay empty.
const LOOKAHEAD_DAYS: i64 = 7;

/// The result of checking a bundle that could be read.
#[derive(Debug)]
pub struct Report {
    /// The bundle.
    pub bundle: Bundle,
    /// Things that play but deserve attention (skipped items, zones left empty).
    pub warnings: Vec<String>,
}

/// Reads `dir`, verifies every blob's hash and lists what deserves attention.
///
/// Errors are the problems that make the bundle unplayable: the player would keep its
/// previous content rather than switch to it.
pub fn check(dir: &Path, now: Timestamp) -> Result<Report, BundleError> {
    let bundle = bundle::read(dir)?;
    bundle::verify_blobs(&bundle)?;
    let mut warnings = Vec::new();
    let m = &bundle.manifest;
    for p in &m.playlists {
        for item in &p.items {
            match &item.content {
                Content::Video { .. } => warnings.push(format!(
                    "playlists[{}].items[{}]: video is not played by this version; the item is skipped",
                    p.id, item.id
                )),
                Content::Unknown => warnings.push(format!(
                    "playlists[{}].items[{}]: unknown item kind (made for a newer player); the item is skipped",
                    p.id, item.id
                )),
                _ => {}
            }
        }
    }
    // Zones that show nothing at all over the coming week are almost always a mistake.
    let ev = Evaluator::new(m, &bundle.data);
    let zones = ev.program_at(now).zones;
    for (i, zone) in zones.iter().enumerate() {
        let mut t = now;
        let end = now + jiff::SignedDuration::from_hours(24 * LOOKAHEAD_DAYS);
        let mut shown = zone.showing.is_some();
        while !shown {
            match ev.next_change_after(t).filter(|c| *c < end) {
                Some(c) => {
                    shown = ev.program_at(c).zones[i].showing.is_some();
                    t = c;
                }
                None => break,
            }
        }
        if !shown {
            warnings.push(format!(
                "zone \"{}\" shows nothing in the next {LOOKAHEAD_DAYS} days (no default playlist, or only items with nothing to show)",
                zone.zone
            ));
        }
    }
    Ok(Report { bundle, warnings })
}

impl Report {
    /// A human summary: screen, version, counts, warnings.
    pub fn summary(&self) -> String {
        let m = &self.bundle.manifest;
        let items: usize = m.playlists.iter().map(|p| p.items.len()).sum();
        let mut out = String::new();
        let _ = writeln!(out, "bundle {}: OK", self.bundle.dir.display());
        let _ = writeln!(
            out,
            "  screen    {} ({}), commune {}, {}",
            m.screen.name, m.screen.id, m.screen.commune, m.screen.time_zone
        );
        let _ = writeln!(out, "  version   {}", m.version);
        let _ = writeln!(out, "  layout    {}", m.layout);
        let _ = writeln!(
            out,
            "  content   {} playlists, {} items, {} schedule entries, {} assets, {} alerts",
            m.playlists.len(),
            items,
            m.schedule.len(),
            m.assets.len(),
            m.alerts.len()
        );
        let data: Vec<&str> = m.data.iter().map(|(name, _)| name).collect();
        let _ = writeln!(
            out,
            "  data sets {}",
            if data.is_empty() {
                "none".to_owned()
            } else {
                data.join(", ")
            }
        );
        for w in &self.warnings {
            let _ = writeln!(out, "  warning: {w}");
        }
        out
    }
}

/// What `program` prints: the state at an instant and when it next changes.
#[derive(Debug, Serialize)]
pub struct ProgramReport {
    /// The manifest version evaluated.
    pub version: String,
    /// Program and progress.
    #[serde(flatten)]
    pub state: State,
    /// The next instant at which the discrete program changes, if within the horizon.
    pub next_change: Option<Timestamp>,
}

/// Reads `dir` and evaluates its program at `at`.
pub fn program(dir: &Path, at: Timestamp) -> Result<ProgramReport, BundleError> {
    let bundle = bundle::read(dir)?;
    let ev = Evaluator::new(&bundle.manifest, &bundle.data);
    Ok(ProgramReport {
        version: bundle.manifest.version.clone(),
        state: ev.state_at(at),
        next_change: ev.next_change_after(at),
    })
}
