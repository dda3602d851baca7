//! SQL of `slack_events`: the Events API deliveries already taken, one row per `event_id`.
//!
//! Slack redelivers an event it thinks went unanswered (`X-Slack-Retry-Num`), and the
//! redelivery may reach another instance; instances share nothing but the database, so the
//! claim is an insert-or-nothing on the primary key there. Whoever inserts the row handles
//! the event; everyone else acknowledges it and does nothing.

use chrono::{DateTime, Duration, Utc};

use super::{Primary, StoreError, mysql, on_pool};

/// How long a taken event's row is kept: Slack retries three times within minutes.
const KEEP: Duration = Duration::days(1);

impl Primary {
    /// Claims the delivery `event_id`: `true` when this call recorded it first (handle it),
    /// `false` when it was already taken. Sweeps rows older than [`KEEP`].
    pub async fn claim_event(
        &self,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let before = now - KEEP;
        self.h
            .observe("event_claim", async {
                on_pool!(self.h, p => {
                    sqlx::query("DELETE FROM slack_events WHERE received_at < $1")
                        .bind(before)
                        .execute(p)
                        .await?;
                    sqlx::query(
                        "INSERT INTO slack_events (event_id, received_at) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING",
                    )
                    .bind(event_id)
                    .bind(now)
                    .execute(p)
                    .await
                    .map(|r| r.rows_affected() == 1)
                }, mysql: m => mysql::claim_event(m, event_id, now, before).await)
            })
            .await
    }
}
