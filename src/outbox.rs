//! Delivering the Slack calls a request owes, from the database outbox.
//!
//! Filing and deciding only *record* the Slack calls they imply (in the same transaction
//! as the state change); this worker makes them. So a decision stands even when Slack is
//! down, a crash between the commit and the Slack call loses nothing, and whichever
//! instance is alive finishes the job: rows are leased with a short claim in the database,
//! never held in memory. Failed calls are retried with exponential backoff, honouring
//! Slack's `Retry-After`.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::slack::api::SlackCallError;
use crate::slack::views;
use crate::store::{self, OutboxRow, outbox_kind, status};

/// How long one instance owns a row it is delivering.
const LEASE: Duration = Duration::from_secs(30);
/// How often the outbox is polled when nobody wakes the worker (a crashed peer's rows, retries).
const POLL: Duration = Duration::from_secs(1);
const BATCH: i64 = 50;
const MAX_BACKOFF: Duration = Duration::from_secs(600);

/// Runs until `shutdown` is cancelled.
pub async fn run(app: Arc<App>, shutdown: CancellationToken) {
    loop {
        if let Err(e) = deliver_due(&app).await {
            tracing::warn!(error = format!("{e:#}"), "outbox pass failed");
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = app.outbox_wake.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

/// Delivers every row due now; returns how many were delivered.
pub async fn deliver_due(app: &App) -> anyhow::Result<usize> {
    let db = &app.store.primary;
    let mut delivered = 0;
    loop {
        let now = Utc::now();
        let rows = store::due_outbox(db, now, BATCH).await?;
        if rows.is_empty() {
            return Ok(delivered);
        }
        let mut progressed = false;
        for row in rows {
            let now = Utc::now();
            let lease_end = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
            if !store::claim_outbox(db, row.id, now, lease_end).await? {
                continue;
            }
            let result = deliver(app, &row).await;
            count_attempt(&row.kind, &result);
            match result {
                Ok(Delivery::Done) => {
                    delivered += 1;
                    progressed = true;
                }
                Ok(Delivery::NotYet) => {
                    let next = Utc::now() + chrono::Duration::seconds(2);
                    store::retry_outbox_later(db, row.id, next, "waiting_for_request_message")
                        .await?;
                }
                Err(e) => {
                    let backoff = e.retry_after().unwrap_or_else(|| backoff(row.attempts));
                    let next = Utc::now() + chrono::Duration::from_std(backoff).unwrap_or_default();
                    tracing::warn!(
                        request_id = row.request_id,
                        kind = %row.kind,
                        attempt = row.attempts + 1,
                        error = %e.code(),
                        retry_in_s = backoff.as_secs(),
                        "Slack follow-up failed; will retry"
                    );
                    store::retry_outbox_later(db, row.id, next, &e.code()).await?;
                }
            }
        }
        if !progressed {
            return Ok(delivered);
        }
    }
}

enum Delivery {
    Done,
    /// Depends on the approval message, which is not posted yet.
    NotYet,
}

/// Counts one delivery attempt. `kind` comes from the database but is only ever one of the
/// bot's own outbox kinds; anything else is labelled `other`, so no stored text can become
/// a label.
fn count_attempt(kind: &str, result: &Result<Delivery, SlackCallError>) {
    let kind = [
        outbox_kind::POST_REQUEST,
        outbox_kind::NOTIFY_FILED,
        outbox_kind::THREAD_REPLY,
        outbox_kind::UPDATE_MESSAGE,
        outbox_kind::NOTIFY_DECIDED,
    ]
    .into_iter()
    .find(|k| *k == kind)
    .unwrap_or("other");
    let result = match result {
        Ok(Delivery::Done) => "delivered",
        Ok(Delivery::NotYet) => "waiting",
        Err(_) => "failed",
    };
    metrics::counter!("expire_bot_outbox_attempts_total", "kind" => kind, "result" => result)
        .increment(1);
}

/// 0.5 s, 1 s, 2 s, … up to ten minutes: quick recovery from a blip, no hammering of an
/// outage.
fn backoff(attempts_before: i32) -> Duration {
    let exp = attempts_before.clamp(0, 16) as u32;
    Duration::from_millis(500u64.saturating_mul(2u64.saturating_pow(exp))).min(MAX_BACKOFF)
}

async fn deliver(app: &App, row: &OutboxRow) -> Result<Delivery, SlackCallError> {
    let db = &app.store.primary;
    let tz = app.config.display_tz;
    let request = match store::get_request(db, row.request_id).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            // The request is gone (it cannot be, short of a manual delete): nothing to say.
            let _ = store::complete_outbox(db, row.id, Utc::now()).await;
            return Ok(Delivery::Done);
        }
        Err(_) => return Err(SlackCallError::Transport { method: "database" }),
    };
    let done = |r: Result<(), store::StoreError>| {
        r.map(|_| Delivery::Done)
            .map_err(|_| SlackCallError::Transport { method: "database" })
    };
    match row.kind.as_str() {
        outbox_kind::POST_REQUEST => {
            if request.message_ts.is_some() {
                return done(store::complete_outbox(db, row.id, Utc::now()).await);
            }
            // Posted late (Slack was down), after a decision: post it already decided.
            let content = if request.status == status::PENDING {
                views::approval_message(&request, tz)
            } else {
                views::decided_message(&request, tz)
            };
            let (channel, ts) = app
                .slack
                .post_message(&app.config.approval_channel_id, content, None)
                .await?;
            done(store::record_posted(db, row.id, request.id, &channel, &ts, Utc::now()).await)
        }
        outbox_kind::NOTIFY_FILED => {
            app.slack
                .post_message(&request.requested_by, views::filed_notice(&request), None)
                .await?;
            done(store::complete_outbox(db, row.id, Utc::now()).await)
        }
        outbox_kind::THREAD_REPLY | outbox_kind::UPDATE_MESSAGE => {
            let (Some(channel), Some(ts)) = (&request.channel_id, &request.message_ts) else {
                return Ok(Delivery::NotYet);
            };
            if row.kind == outbox_kind::THREAD_REPLY {
                app.slack
                    .post_message(channel, views::thread_reply(&request, tz), Some(ts))
                    .await?;
            } else {
                app.slack
                    .update_message(channel, ts, views::decided_message(&request, tz))
                    .await?;
            }
            done(store::complete_outbox(db, row.id, Utc::now()).await)
        }
        outbox_kind::NOTIFY_DECIDED => {
            app.slack
                .post_message(
                    &request.requested_by,
                    views::decided_notice(&request, tz),
                    None,
                )
                .await?;
            done(store::complete_outbox(db, row.id, Utc::now()).await)
        }
        other => {
            tracing::error!(kind = other, "unknown outbox kind; dropping it");
            done(store::complete_outbox(db, row.id, Utc::now()).await)
        }
    }
}

/// Times out requests past `REQUEST_TTL`, and keeps the operational gauges fresh (pending
/// requests, outbox backlog, database reachability, replica lag).
pub async fn sweep(app: Arc<App>, shutdown: CancellationToken) {
    let every = (app.config.request_ttl / 4).clamp(Duration::from_secs(1), Duration::from_secs(30));
    loop {
        match store::time_out_expired(&app.store.primary, Utc::now()).await {
            Ok(ids) if !ids.is_empty() => {
                metrics::counter!("expire_bot_requests_total", "event" => "timed_out")
                    .increment(ids.len() as u64);
                tracing::info!(count = ids.len(), "requests timed out");
                app.outbox_wake.notify_one();
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = format!("{e:#}"), "TTL sweep failed"),
        }
        crate::telemetry::refresh_gauges(&app.store).await;
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}
