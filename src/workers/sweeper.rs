//! The sweeper: times out requests past `REQUEST_TTL` and sends the reminders due after
//! `REMIND_AFTER` (the service claims each in the database, with its audit record and
//! follow-ups, and wakes the outbox), and keeps the operational gauges fresh through the
//! one health probe (pending requests, reminders, outbox backlog, database reachability,
//! replica lag) and the approvers' directory, so they move even when nobody uses the bot.
//!
//! What is due is read from the database on every pass, never kept in a timer: any
//! instance sends a reminder due while another was down, and a restart loses none.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::service::deciding::Deciding;
use crate::service::health::Health;
use crate::slack::audience::SlackDirectory;

/// The sweeper, and how often it runs.
#[derive(Debug)]
pub struct Sweeper {
    deciding: Deciding,
    health: Health,
    directory: Arc<SlackDirectory>,
    every: Duration,
}

impl Sweeper {
    /// Runs four times per `ttl` (or per `remind_after`, when shorter), between once a
    /// second and once every 30 s.
    pub fn new(
        deciding: Deciding,
        health: Health,
        directory: Arc<SlackDirectory>,
        ttl: Duration,
        remind_after: Option<Duration>,
    ) -> Sweeper {
        let shortest = remind_after.map_or(ttl, |r| r.min(ttl));
        Sweeper {
            deciding,
            health,
            directory,
            every: (shortest / 4).clamp(Duration::from_secs(1), Duration::from_secs(30)),
        }
    }

    /// Runs until `shutdown` is cancelled.
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            if let Err(e) = self.deciding.time_out_expired().await {
                tracing::warn!(error = crate::telemetry::chain(&e), "TTL sweep failed");
            }
            if let Err(e) = self.deciding.remind_due().await {
                tracing::warn!(error = crate::telemetry::chain(&e), "reminder sweep failed");
            }
            self.health.refresh_gauges().await;
            metrics::gauge!("expire_bot_approvers_available")
                .set(self.directory.approvers.known_members() as f64);
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(self.every) => {}
            }
        }
    }
}
