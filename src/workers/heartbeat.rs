//! The replication heartbeat (MySQL only): once a second, the primary's one heartbeat row is
//! set to the primary's clock (`store::Primary::beat`). A MySQL replica's lag is read from
//! its own replication status where it can be; where it cannot (an Aurora reader, a user
//! without the monitoring privilege, replication stopped) the replica's copy of this row
//! says how far behind it is. Every instance beats: any one alive keeps the row fresh, and
//! a missed beat costs nothing but one second of precision.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::store::Primary;

/// The heartbeat writer.
#[derive(Debug)]
pub struct Heartbeat {
    primary: Primary,
    every: Duration,
}

impl Heartbeat {
    /// `None` on a backend whose replica lag needs no heartbeat (PostgreSQL, SQLite).
    pub fn new(primary: Primary) -> Option<Heartbeat> {
        primary.needs_heartbeat().then(|| Heartbeat {
            every: primary.heartbeat_every(),
            primary,
        })
    }

    /// Runs until `shutdown` is cancelled. A failed beat (the primary down) is only logged
    /// at debug level: `/readyz` and the `expire_bot_database_up` gauge already say so,
    /// once, rather than once a second.
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            if let Err(e) = self.primary.beat().await {
                tracing::debug!(
                    error = crate::telemetry::chain(&e),
                    "replication heartbeat not written"
                );
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(self.every) => {}
            }
        }
    }
}
