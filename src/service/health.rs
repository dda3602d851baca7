//! The one health probe of both databases, used by `/readyz` (on request) and by the
//! sweeper (every few seconds, so the gauges move when nobody uses the bot): reachability,
//! replica lag, and — for the gauges — pending requests, reminded and overdue ones, and the
//! Slack outbox backlog.
//! Every answer is also recorded as a gauge, so both callers keep `/metrics` current.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::{Primary, Replica, Role};

/// How long a health probe may wait for one database.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// What one probe found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Probe {
    pub primary_up: bool,
    pub replica_up: bool,
    /// Replication lag as the replica reports it, when it is a standby that answered.
    pub replica_lag_seconds: Option<f64>,
}

/// The probe, over the two handles.
#[derive(Debug, Clone)]
pub struct Health {
    primary: Primary,
    replica: Replica,
}

impl Health {
    pub fn new(primary: Primary, replica: Replica) -> Health {
        Health { primary, replica }
    }

    /// Pings both databases at once (each bounded), reads the replica's lag if it
    /// answered, and records all three as gauges.
    pub async fn probe(&self) -> Probe {
        let (primary, replica) = tokio::join!(
            tokio::time::timeout(PROBE_TIMEOUT, self.primary.ping()),
            tokio::time::timeout(PROBE_TIMEOUT, self.replica.ping()),
        );
        let primary_up = matches!(primary, Ok(Ok(())));
        let replica_up = matches!(replica, Ok(Ok(())));
        set_database_up(Role::Primary, primary_up);
        set_database_up(Role::Replica, replica_up);
        let replica_lag_seconds = if replica_up {
            match tokio::time::timeout(PROBE_TIMEOUT, self.replica.replica_lag_seconds()).await {
                Ok(Ok(lag)) => lag,
                _ => None,
            }
        } else {
            None
        };
        if let Some(lag) = replica_lag_seconds {
            metrics::gauge!("expire_bot_replica_lag_seconds").set(lag);
        }
        Probe {
            primary_up,
            replica_up,
            replica_lag_seconds,
        }
    }

    /// The probe, then the gauges that describe the shared state rather than this
    /// instance's traffic: pending requests and the Slack outbox.
    pub async fn refresh_gauges(&self) {
        if !self.probe().await.primary_up {
            return;
        }
        let now = Utc::now();
        let age = |oldest: Option<DateTime<Utc>>| {
            oldest
                .map(|t| ((now - t).num_milliseconds() as f64 / 1000.0).max(0.0))
                .unwrap_or(0.0)
        };
        if let Ok((count, oldest)) = self.primary.pending_summary().await {
            metrics::gauge!("expire_bot_pending_requests").set(count as f64);
            metrics::gauge!("expire_bot_oldest_pending_request_age_seconds").set(age(oldest));
        }
        // A reminder more than this late means the sweep is not running or failing.
        let late = chrono::Duration::minutes(5);
        if let Ok((reminded, overdue)) = self.primary.reminder_summary(now, late).await {
            metrics::gauge!("expire_bot_pending_reminded_requests").set(reminded as f64);
            metrics::gauge!("expire_bot_reminders_overdue").set(overdue as f64);
        }
        if let Ok((count, oldest)) = self.primary.outbox_summary().await {
            metrics::gauge!("expire_bot_outbox_backlog").set(count as f64);
            metrics::gauge!("expire_bot_outbox_oldest_age_seconds").set(age(oldest));
        }
    }
}

/// Records whether one database answered a probe.
fn set_database_up(role: Role, up: bool) {
    metrics::gauge!("expire_bot_database_up", "role" => role.as_str()).set(if up {
        1.0
    } else {
        0.0
    });
}
