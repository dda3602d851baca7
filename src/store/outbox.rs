//! `slack_outbox` on the primary: the Slack calls a request owes, written in the same
//! transaction as the state change that owes them, and leased, completed or rescheduled by
//! the delivery worker. Rows are leased with a short claim in the database, never held in
//! memory, so whichever instance is alive finishes the job.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Primary, StoreError, mysql, on_pool};
use crate::domain::{OutboxId, OutboxKind, RequestId};

/// Queues the Slack calls every decision owes (thread reply, message update, requester
/// notice) inside the deciding transaction. A macro, not a function: it is expanded inside
/// each backend's arm of `on_pool!`, where the transaction's concrete type is known.
///
/// One multi-row INSERT rather than one per kind: every statement is a round trip inside a
/// transaction that holds the policy's row lock, and on the approval path these three were
/// 3 of its 10 statements (bench/approve.sh, BENCHMARKS.md).
macro_rules! insert_followups {
    ($tx:expr, $request_id:expr, $now:expr) => {{
        let [first, second, third] = $crate::domain::OutboxKind::AFTER_DECISION;
        sqlx::query(
            "INSERT INTO slack_outbox (request_id, kind, next_attempt_at) \
             VALUES ($1, $2, $5), ($1, $3, $5), ($1, $4, $5) \
             ON CONFLICT (request_id, kind) DO NOTHING",
        )
        .bind($request_id)
        .bind(first)
        .bind(second)
        .bind(third)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(super) use insert_followups;

/// One Slack call still owed.
#[derive(Debug, Clone, FromRow)]
pub struct OutboxRow {
    pub id: OutboxId,
    pub request_id: RequestId,
    /// As stored; read through [`OutboxRow::kind`].
    kind: String,
    pub attempts: i32,
}

impl OutboxRow {
    /// Which call this is; `None` for a kind this version of the bot does not know (a row
    /// written by a newer version, or by hand), which the worker drops instead of failing
    /// the whole batch on it.
    pub fn kind(&self) -> Option<OutboxKind> {
        OutboxKind::parse_stored(&self.kind).ok().map(|(k, _)| k)
    }

    /// The approval a numbered kind is owed for (its ordinal, from 1), if it is one.
    pub fn ordinal(&self) -> Option<i32> {
        OutboxKind::parse_stored(&self.kind)
            .ok()
            .and_then(|(_, n)| n)
    }
}

impl Primary {
    /// Outbox rows due now, oldest first.
    pub async fn due_outbox(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        self.h
            .observe("outbox_due", async {
                on_pool!(self.h, p => sqlx::query_as::<_, OutboxRow>(
                    "SELECT id, request_id, kind, attempts FROM slack_outbox \
                     WHERE done_at IS NULL AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1) \
                     ORDER BY id LIMIT $2",
                )
                .bind(now)
                .bind(limit)
                .fetch_all(p)
                .await, mysql: m => mysql::due_outbox(m, now, limit).await)
            })
            .await
    }

    /// Leases one outbox row to this instance until `until`. Only one instance wins a row;
    /// a crashed instance's lease simply runs out.
    pub async fn claim_outbox(
        &self,
        id: OutboxId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.h
            .observe("outbox_claim", async {
                on_pool!(self.h, p => sqlx::query(
                    "UPDATE slack_outbox SET claimed_until = $1, attempts = attempts + 1 \
                     WHERE id = $2 AND done_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $3)",
                )
                .bind(until)
                .bind(id)
                .bind(now)
                .execute(p)
                .await
                .map(|r| r.rows_affected() == 1), mysql: m => mysql::claim_outbox(m, id, now, until).await)
            })
            .await
    }

    pub async fn complete_outbox(
        &self,
        id: OutboxId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.h
            .observe("outbox_complete", async {
                on_pool!(self.h, p => sqlx::query(
                    "UPDATE slack_outbox SET done_at = $1, claimed_until = NULL, last_error = NULL WHERE id = $2",
                )
                .bind(now)
                .bind(id)
                .execute(p)
                .await
                .map(|_| ()), mysql: m => mysql::complete_outbox(m, id, now).await)
            })
            .await
    }

    /// Releases a row after a failed attempt, to be retried at `next_attempt_at`. The error
    /// text stored is the Slack error code, HTTP status or `database`, never message
    /// content.
    pub async fn retry_outbox_later(
        &self,
        id: OutboxId,
        next_attempt_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.h
            .observe("outbox_retry", async {
                on_pool!(self.h, p => sqlx::query(
                    "UPDATE slack_outbox SET claimed_until = NULL, next_attempt_at = $1, last_error = $2 WHERE id = $3",
                )
                .bind(next_attempt_at)
                .bind(error)
                .bind(id)
                .execute(p)
                .await
                .map(|_| ()), mysql: m => mysql::retry_outbox_later(m, id, next_attempt_at, error).await)
            })
            .await
    }

    /// Gives a row up: Slack refused its call for good (`error`, its code), so it is done,
    /// marked failed (`failed_at`), and never retried. docs/RUNBOOK.md says how to queue it
    /// again once the cause is fixed.
    pub async fn fail_outbox(
        &self,
        id: OutboxId,
        now: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.h
            .observe("outbox_fail", async {
                on_pool!(self.h, p => sqlx::query(
                    "UPDATE slack_outbox SET done_at = $1, failed_at = $1, claimed_until = NULL, last_error = $2 WHERE id = $3",
                )
                .bind(now)
                .bind(error)
                .bind(id)
                .execute(p)
                .await
                .map(|_| ()), mysql: m => mysql::fail_outbox(m, id, now, error).await)
            })
            .await
    }

    /// Queues one more Slack call for `request_id` (a stored kind, plain or numbered),
    /// unless it is already queued. The outbox's own follow-ups (the Home refreshes) are
    /// queued this way, before the row that owes them is completed: a crash in between
    /// redelivers that row, and this finds the call already queued.
    pub async fn queue_outbox(
        &self,
        request_id: RequestId,
        kind: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.h
            .observe("outbox_queue", async {
                on_pool!(self.h, p => sqlx::query(
                    "INSERT INTO slack_outbox (request_id, kind, next_attempt_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (request_id, kind) DO NOTHING",
                )
                .bind(request_id)
                .bind(kind)
                .bind(now)
                .execute(p)
                .await
                .map(|_| ()), mysql: m => mysql::queue_outbox(m, request_id, kind, now).await)
            })
            .await
    }

    /// Records where the approval request was posted, completes its outbox row and queues
    /// the requester's notice, atomically, so a crash cannot post the request twice *and*
    /// forget to tell the requester.
    pub async fn record_posted(
        &self,
        outbox_id: OutboxId,
        request_id: RequestId,
        channel: &str,
        ts: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.h
            .observe("record_posted", async {
                on_pool!(self.h, p => {
                    let mut tx = p.begin().await?;
                    sqlx::query("UPDATE expiry_requests SET channel_id = $1, message_ts = $2 WHERE id = $3")
                        .bind(channel)
                        .bind(ts)
                        .bind(request_id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE slack_outbox SET done_at = $1, claimed_until = NULL WHERE id = $2")
                        .bind(now)
                        .bind(outbox_id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO slack_outbox (request_id, kind, next_attempt_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (request_id, kind) DO NOTHING",
                    )
                    .bind(request_id)
                    .bind(OutboxKind::NotifyFiled)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await
                }, mysql: m => mysql::record_posted(m, outbox_id, request_id, channel, ts, now).await)
            })
            .await
    }

    /// Slack calls still owed: how many, and when the oldest was queued (for the gauges).
    pub async fn outbox_summary(&self) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
        self.h
            .observe("outbox_summary", async {
                on_pool!(self.h, p => sqlx::query_as::<_, (i64, Option<DateTime<Utc>>)>(
                    "SELECT COUNT(*), MIN(created_at) FROM slack_outbox WHERE done_at IS NULL",
                )
                .fetch_one(p)
                .await, mysql: m => mysql::outbox_summary(m).await)
            })
            .await
    }
}
