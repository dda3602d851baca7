//! The TTL sweeper: times out requests past `REQUEST_TTL` (the service records each, with
//! its audit record and follow-ups, and wakes the outbox), and keeps the operational gauges
//! fresh through the one health probe (pending requests, outbox backlog, database
//! reachability, replica lag), so they move even when nobody uses the bot.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::service::deciding::Deciding;
use crate::service::health::Health;

/// The sweeper, and how often it runs.
#[derive(Debug)]
pub struct Sweeper {
    deciding: Deciding,
    health: Health,
    every: Duration,
}

impl Sweeper {
    /// Runs four times per `ttl`, between once a second and once every 30 s.
    pub fn new(deciding: Deciding, health: Health, ttl: Duration) -> Sweeper {
        Sweeper {
            deciding,
            health,
            every: (ttl / 4).clamp(Duration::from_secs(1), Duration::from_secs(30)),
        }
    }

    /// Runs until `shutdown` is cancelled.
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            if let Err(e) = self.deciding.time_out_expired().await {
                tracing::warn!(error = crate::telemetry::chain(&e), "TTL sweep failed");
            }
            self.health.refresh_gauges().await;
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(self.every) => {}
            }
        }
    }
}
