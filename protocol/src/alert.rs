//! Emergency alerts: small, text-first messages that override every zone of a screen.
//!
//! Alerts travel apart from the rest of the content (push and manifest, own file on the
//! player) and expire on time without a server; this type is what all three carry.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::text::Text;
use crate::validate::{Checker, Validate};

/// How urgent an alert is; the most severe active alert is the one shown.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Information of public interest (road closed, water cut announced).
    #[default]
    Info,
    /// Act soon (storm warning, boil-water notice).
    Warning,
    /// Act now (flood, evacuation, confinement).
    Critical,
}

/// An alert as delivered to one screen (targeting was resolved by the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// Alert id, stable across edits.
    pub id: String,
    /// Increases with every edit or cancellation; a player keeps the highest revision it saw.
    pub revision: u32,
    /// How urgent it is.
    #[serde(default)]
    pub severity: Severity,
    /// Short heading ("Alerte inondation").
    pub title: Text,
    /// What people must know or do.
    pub message: Text,
    /// When it starts to show.
    pub starts_at: Timestamp,
    /// When it stops showing (exclusive); required, so that no alert outlives a lost server.
    pub expires_at: Timestamp,
    /// Withdrawn by the officer: never shown again, whatever older copies say.
    #[serde(default)]
    pub cancelled: bool,
}

impl Alert {
    /// True when the alert shows at `t`.
    pub fn active_at(&self, t: Timestamp) -> bool {
        !self.cancelled && self.starts_at <= t && t < self.expires_at
    }
}

/// The alert shown at `t` among `alerts`: the most severe active one, then the latest to
/// start, then the smallest id, so that every player picks the same.
pub fn shown_at(alerts: &[Alert], t: Timestamp) -> Option<&Alert> {
    alerts.iter().filter(|a| a.active_at(t)).max_by(|a, b| {
        (a.severity, a.starts_at)
            .cmp(&(b.severity, b.starts_at))
            .then_with(|| b.id.cmp(&a.id))
    })
}

impl Validate for Alert {
    fn validate(&self, v: &mut Checker) {
        v.field("title", |v| self.title.require(v));
        v.field("message", |v| self.message.require(v));
        if self.expires_at <= self.starts_at {
            v.report_at(
                "expires_at",
                format!(
                    "{} is not after starts_at ({})",
                    self.expires_at, self.starts_at
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(id: &str, severity: Severity, start: &str, end: &str) -> Alert {
        Alert {
            id: id.into(),
            revision: 1,
            severity,
            title: Text::fr("Alerte"),
            message: Text::fr("Restez chez vous"),
            starts_at: start.parse().unwrap(),
            expires_at: end.parse().unwrap(),
            cancelled: false,
        }
    }

    #[test]
    fn most_severe_active_alert_wins_and_cancelled_never_shows() {
        let mut alerts = vec![
            alert(
                "info",
                Severity::Info,
                "2026-12-01T08:00:00Z",
                "2026-12-01T20:00:00Z",
            ),
            alert(
                "flood",
                Severity::Critical,
                "2026-12-01T09:00:00Z",
                "2026-12-01T10:00:00Z",
            ),
        ];
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(
            shown_at(&alerts, t("2026-12-01T09:30:00Z")).unwrap().id,
            "flood"
        );
        assert_eq!(
            shown_at(&alerts, t("2026-12-01T10:00:00Z")).unwrap().id,
            "info"
        );
        assert!(shown_at(&alerts, t("2026-12-01T20:00:00Z")).is_none());
        alerts[1].cancelled = true;
        assert_eq!(
            shown_at(&alerts, t("2026-12-01T09:30:00Z")).unwrap().id,
            "info"
        );
    }

    #[test]
    fn expiry_must_follow_start() {
        let a = alert(
            "x",
            Severity::Info,
            "2026-12-01T08:00:00Z",
            "2026-12-01T08:00:00Z",
        );
        assert!(
            a.check()
                .unwrap_err()
                .has("expires_at", "is not after starts_at")
        );
    }
}
