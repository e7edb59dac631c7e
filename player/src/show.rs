//! What a live player shows: the cached bundle (or a signed drop-folder bundle) with the
//! alert store's alerts, under the player's own screens — pairing code, first-sync
//! progress, "identify" — and with time-independent content while the clock is untrusted.
//!
//! Pure: the render loops feed it sync events and ask for the bundle to evaluate and the
//! overlay to draw at an instant; nothing here touches the network, the disk or the GPU.

use std::sync::Arc;

use beffroi_protocol::alert::Alert;
use beffroi_protocol::bundle::Bundle;
use beffroi_protocol::layout::Colour;
use beffroi_protocol::manifest::Rotation;
use jiff::{SignedDuration, Timestamp};

use crate::scene::{Align, Node, Rect, Scene, Shape, Text, TextSize, Weight};
use crate::sync::{PairingCode, Progress};

/// How long `identify` shows the screen's name.
pub const IDENTIFY_FOR: SignedDuration = SignedDuration::from_secs(30);

const NIGHT: Colour = Colour::rgb(0x16, 0x1d, 0x2b);
const LIGHT: Colour = Colour::rgb(0xf4, 0xf1, 0xea);
const ACCENT: Colour = Colour::rgb(0xe0, 0xa1, 0x1b);
const DIM: Colour = Colour::rgb(0x9a, 0xa3, 0xb5);

/// Where the content comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The server's manifest, from the cache.
    Server,
    /// A signed bundle in the drop folder.
    DropFolder,
}

/// The live player's state.
#[derive(Debug, Default)]
pub struct Show {
    server: Option<Arc<Bundle>>,
    dropped: Option<Arc<Bundle>>,
    alerts: Vec<Alert>,
    clock_trusted: bool,
    rotation: Option<Rotation>,
    pairing: Option<PairingCode>,
    progress: Option<Progress>,
    identify_until: Option<Timestamp>,
    /// The bundle evaluated: rebuilt whenever one of its inputs changes.
    effective: Option<Arc<Bundle>>,
}

impl Show {
    /// Nothing to show yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The server's current bundle.
    pub fn set_server(&mut self, bundle: Bundle) {
        self.server = Some(Arc::new(bundle));
        self.progress = None;
        self.pairing = None;
        self.rebuild();
    }

    /// A verified drop-folder bundle, or `None` when it was removed.
    pub fn set_dropped(&mut self, bundle: Option<Bundle>) {
        self.dropped = bundle.map(Arc::new);
        self.rebuild();
    }

    /// The alert store's alerts.
    pub fn set_alerts(&mut self, alerts: Vec<Alert>) {
        if alerts != self.alerts {
            self.alerts = alerts;
            self.rebuild();
        }
    }

    /// Whether the wall clock is trusted; returns true when that changed.
    pub fn set_clock_trusted(&mut self, trusted: bool) -> bool {
        let changed = trusted != self.clock_trusted;
        if changed {
            self.clock_trusted = trusted;
            self.rebuild();
        }
        changed
    }

    /// Turns the frame by `rotation` whatever the manifest says (the player's own
    /// configuration), or follows the manifest with `None`.
    pub fn set_rotation(&mut self, rotation: Option<Rotation>) {
        if rotation != self.rotation {
            self.rotation = rotation;
            self.rebuild();
        }
    }

    /// Unpaired: the code to show.
    pub fn set_pairing(&mut self, code: Option<PairingCode>) {
        self.pairing = code;
    }

    /// First-sync download progress.
    pub fn set_progress(&mut self, progress: Option<Progress>) {
        self.progress = progress;
    }

    /// Shows the screen's name until `at + 30 s`.
    pub fn identify(&mut self, at: Timestamp) {
        self.identify_until = at.checked_add(IDENTIFY_FOR).ok();
    }

    /// Whether the clock is believed.
    pub fn clock_trusted(&self) -> bool {
        self.clock_trusted
    }

    /// The pairing code shown, while unpaired.
    pub fn pairing(&self) -> Option<&PairingCode> {
        self.pairing.as_ref()
    }

    /// Where the content played comes from, if any.
    pub fn origin(&self) -> Option<Origin> {
        if self.dropped.is_some() {
            Some(Origin::DropFolder)
        } else if self.server.is_some() {
            Some(Origin::Server)
        } else {
            None
        }
    }

    /// The bundle to evaluate: the drop-folder bundle over the server's, with the alert
    /// store's alerts in place of the manifest's (a cancelled alert never comes back from a
    /// manifest), and with the schedule and the power schedule set aside while the clock is
    /// untrusted (only the default playlist plays then: it does not depend on the date).
    pub fn bundle(&self) -> Option<&Arc<Bundle>> {
        self.effective.as_ref()
    }

    fn rebuild(&mut self) {
        let Some(base) = self.dropped.as_ref().or(self.server.as_ref()) else {
            self.effective = None;
            return;
        };
        let mut b = Bundle::clone(base);
        b.manifest.alerts = self.alerts.clone();
        if let Some(r) = self.rotation {
            b.manifest.screen.rotation = r;
        }
        if !self.clock_trusted {
            b.manifest.schedule.clear();
            b.manifest.power = Default::default();
        }
        self.effective = Some(Arc::new(b));
    }

    /// The earliest instant after `t` at which the overlay changes by itself.
    pub fn next_change_after(&self, t: Timestamp) -> Option<Timestamp> {
        self.identify_until.filter(|u| *u > t)
    }

    /// The player's own screen when there is no content to play: the pairing code, or the
    /// first sync's progress, or a waiting notice.
    pub fn system_scene(&self, width: u32, height: u32) -> Scene {
        let mut scene = Scene::new(width, height, NIGHT);
        let (w, h) = (width as f32, height as f32);
        let u = w.min(h) / 1080.0;
        if let Some(p) = &self.pairing {
            pairing_screen(&mut scene, p, u);
        } else if let Some(p) = &self.progress {
            title(
                &mut scene,
                "Préparation de l’écran…",
                Rect::new(0.0, h * 0.3, w, 120.0 * u),
                u,
            );
            progress_bar(
                &mut scene,
                p,
                Rect::new(w * 0.15, h * 0.5, w * 0.7, 48.0 * u),
                u,
            );
        } else {
            title(
                &mut scene,
                "En attente de contenu",
                Rect::new(0.0, h * 0.4, w, 120.0 * u),
                u,
            );
        }
        scene
    }

    /// What the player draws over the content at `t`: the progress bar of a later download
    /// is not shown (content keeps playing), the screen's name while identifying, and a
    /// discreet notice while the clock is untrusted.
    pub fn overlay(&self, scene: &mut Scene, screen_name: &str, t: Timestamp) {
        let (w, h) = (scene.width as f32, scene.height as f32);
        let u = w.min(h) / 1080.0;
        if self.identify_until.is_some_and(|until| t < until) {
            let band = Rect::new(0.0, h * 0.35, w, h * 0.3);
            scene.push(Node::new(Shape::Rect {
                rect: band,
                colour: ACCENT,
                radius: 0.0,
            }));
            let mut text = Text::new(
                screen_name,
                band.inset(24.0 * u),
                TextSize::Fit {
                    max: 140.0 * u,
                    min: 24.0 * u,
                },
                NIGHT,
            );
            text.weight = Weight::Bold;
            text.align = Align::Center;
            text.v_center = true;
            text.max_lines = 2;
            scene.push(Node::new(Shape::Text(text)));
        }
        if !self.clock_trusted {
            let r = Rect::new(w - 520.0 * u, h - 56.0 * u, 500.0 * u, 40.0 * u);
            scene.push(Node::new(Shape::Rect {
                rect: r,
                colour: NIGHT,
                radius: 8.0 * u,
            }));
            let mut text = Text::new(
                "Heure non synchronisée",
                r.inset(6.0 * u),
                TextSize::Fixed(24.0 * u),
                DIM,
            );
            text.align = Align::Center;
            text.v_center = true;
            scene.push(Node::new(Shape::Text(text)));
        }
        if let Some(p) = &self.pairing {
            // Paired content keeps playing while a revoked player pairs again.
            let r = Rect::new(24.0 * u, h - 96.0 * u, 560.0 * u, 72.0 * u);
            scene.push(Node::new(Shape::Rect {
                rect: r,
                colour: NIGHT,
                radius: 8.0 * u,
            }));
            let mut text = Text::new(
                format!("Code d’association : {}", p.code),
                r.inset(8.0 * u),
                TextSize::Fixed(30.0 * u),
                LIGHT,
            );
            text.v_center = true;
            scene.push(Node::new(Shape::Text(text)));
        }
    }
}

fn title(scene: &mut Scene, s: &str, r: Rect, u: f32) {
    let mut text = Text::new(
        s,
        r,
        TextSize::Fit {
            max: 72.0 * u,
            min: 20.0 * u,
        },
        LIGHT,
    );
    text.weight = Weight::Bold;
    text.align = Align::Center;
    text.v_center = true;
    scene.push(Node::new(Shape::Text(text)));
}

fn pairing_screen(scene: &mut Scene, p: &PairingCode, u: f32) {
    let (w, h) = (scene.width as f32, scene.height as f32);
    let landscape = w >= h;
    let (left, right) = if landscape {
        (
            Rect::new(0.0, 0.0, w * 0.6, h),
            Rect::new(w * 0.6, 0.0, w * 0.4, h),
        )
    } else {
        (
            Rect::new(0.0, 0.0, w, h * 0.6),
            Rect::new(0.0, h * 0.6, w, h * 0.4),
        )
    };
    let m = 64.0 * u;
    let mut head = Text::new(
        "Associer cet écran",
        Rect::new(left.x + m, left.y + m, left.w - 2.0 * m, 90.0 * u),
        TextSize::Fit {
            max: 64.0 * u,
            min: 20.0 * u,
        },
        LIGHT,
    );
    head.weight = Weight::Bold;
    scene.push(Node::new(Shape::Text(head)));
    let mut code = Text::new(
        &p.code,
        Rect::new(
            left.x + m,
            left.y + m + 120.0 * u,
            left.w - 2.0 * m,
            220.0 * u,
        ),
        TextSize::Fit {
            max: 200.0 * u,
            min: 40.0 * u,
        },
        ACCENT,
    );
    code.weight = Weight::Bold;
    code.max_lines = 1;
    code.wrap = false;
    scene.push(Node::new(Shape::Text(code)));
    let steps = format!(
        "Sur {}, ouvrez « Écrans », choisissez l’écran et saisissez ce code.\nThe officer claims this code on the server's Screens page.",
        p.server
    );
    let mut how = Text::new(
        steps,
        Rect::new(
            left.x + m,
            left.y + m + 380.0 * u,
            left.w - 2.0 * m,
            left.h - 2.0 * m - 380.0 * u,
        ),
        TextSize::Fit {
            max: 36.0 * u,
            min: 16.0 * u,
        },
        DIM,
    );
    how.max_lines = 6;
    scene.push(Node::new(Shape::Text(how)));
    let side = right.w.min(right.h) - 2.0 * m;
    if side > 0.0
        && let Some(shapes) = crate::playback::qr_shapes(
            &p.claim_url,
            Rect::new(
                right.x + (right.w - side) / 2.0,
                right.y + (right.h - side) / 2.0,
                side,
                side,
            ),
        )
    {
        scene.nodes.extend(shapes.into_iter().map(Node::new));
    }
}

fn progress_bar(scene: &mut Scene, p: &Progress, r: Rect, u: f32) {
    let fraction = if p.bytes_total == 0 {
        0.0
    } else {
        (p.bytes_done as f64 / p.bytes_total as f64).clamp(0.0, 1.0) as f32
    };
    scene.push(Node::new(Shape::Rect {
        rect: r,
        colour: DIM,
        radius: r.h / 2.0,
    }));
    scene.push(Node::new(Shape::Rect {
        rect: Rect {
            w: (r.w * fraction).max(r.h),
            ..r
        },
        colour: ACCENT,
        radius: r.h / 2.0,
    }));
    let label = format!(
        "{} / {} éléments · {} / {}",
        p.items_done,
        p.items_total,
        megabytes(p.bytes_done),
        megabytes(p.bytes_total)
    );
    let mut text = Text::new(
        label,
        Rect::new(r.x, r.bottom() + 24.0 * u, r.w, 60.0 * u),
        TextSize::Fixed(36.0 * u),
        LIGHT,
    );
    text.align = Align::Center;
    scene.push(Node::new(Shape::Text(text)));
}

/// `12,3 Mo`, the French way.
fn megabytes(bytes: u64) -> String {
    let tenths = (bytes as f64 / 100_000.0).round() as u64;
    format!("{},{} Mo", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(scene: &Scene) -> Vec<String> {
        scene
            .nodes
            .iter()
            .filter_map(|n| match &n.shape {
                Shape::Text(t) => Some(t.text.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn pairing_screen_shows_the_code_and_a_scannable_claim_link() {
        let mut show = Show::new();
        show.set_pairing(Some(PairingCode {
            code: "ABC-DEF".into(),
            server: "http://192.168.1.10:8080".into(),
            claim_url: "http://192.168.1.10:8080/ecrans?code=ABC-DEF".into(),
            expires_at: None,
        }));
        let scene = show.system_scene(1920, 1080);
        assert!(texts(&scene).contains(&"ABC-DEF".to_owned()));
        let modules = scene
            .nodes
            .iter()
            .filter(
                |n| matches!(n.shape, Shape::Rect { colour, .. } if colour == Colour::rgb(0, 0, 0)),
            )
            .count();
        assert!(modules > 100, "a QR code is drawn ({modules} modules)");
    }

    #[test]
    fn progress_reads_in_french_units() {
        let mut show = Show::new();
        show.set_progress(Some(Progress {
            bytes_done: 12_345_678,
            bytes_total: 40_000_000,
            items_done: 3,
            items_total: 9,
        }));
        let scene = show.system_scene(960, 540);
        assert!(texts(&scene).contains(&"3 / 9 éléments · 12,3 Mo / 40,0 Mo".to_owned()));
        assert_eq!(megabytes(0), "0,0 Mo");
    }

    #[test]
    fn identify_shows_the_name_for_thirty_seconds() {
        let mut show = Show::new();
        show.set_clock_trusted(true);
        let t: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        show.identify(t);
        let mut scene = Scene::new(960, 540, NIGHT);
        show.overlay(
            &mut scene,
            "Mairie de Fruges",
            t + SignedDuration::from_secs(29),
        );
        assert!(texts(&scene).contains(&"Mairie de Fruges".to_owned()));
        let mut later = Scene::new(960, 540, NIGHT);
        show.overlay(
            &mut later,
            "Mairie de Fruges",
            t + SignedDuration::from_secs(30),
        );
        assert!(later.nodes.is_empty());
        assert_eq!(show.next_change_after(t), Some(t + IDENTIFY_FOR));
    }
}
