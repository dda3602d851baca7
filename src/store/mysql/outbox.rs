//! `slack_outbox` on a MySQL primary (the statements of `store::outbox`).

use chrono::{DateTime, Utc};
use sqlx::MySqlConnection;

use super::{MySql, is_duplicate, text};
use crate::domain::{OutboxId, OutboxKind, RequestId};
use crate::store::OutboxRow;

/// Queues the three calls every decision owes, inside the deciding transaction: one
/// multi-row INSERT (one round trip while the policy's row lock is held). The outbox's
/// `(request_id, kind)` key makes a repeat impossible; should a row exist already (it
/// cannot after a claim that matched), the rows are inserted one by one and an existing
/// one is left as it is, which is PostgreSQL's `ON CONFLICT DO NOTHING`.
pub(super) async fn insert_followups(
    tx: &mut MySqlConnection,
    request_id: RequestId,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let kinds = OutboxKind::AFTER_DECISION;
    let all = sqlx::query(
        "INSERT INTO slack_outbox (request_id, kind, next_attempt_at) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)",
    )
    .bind(request_id)
    .bind(kinds[0])
    .bind(now)
    .bind(request_id)
    .bind(kinds[1])
    .bind(now)
    .bind(request_id)
    .bind(kinds[2])
    .bind(now)
    .execute(&mut *tx)
    .await;
    match all {
        Ok(_) => Ok(()),
        Err(e) if is_duplicate(&e) => {
            for kind in kinds {
                insert_kind(tx, request_id, kind.as_str(), now).await?;
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// One outbox row of a stored kind (plain or numbered), unless that request already owes
/// it: PostgreSQL's `ON CONFLICT (request_id, kind) DO NOTHING`, for every MySQL path that
/// queues a call (inside a transaction or on its own connection).
pub(super) async fn insert_kind(
    tx: &mut MySqlConnection,
    request_id: RequestId,
    kind: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    match sqlx::query(
        "INSERT INTO slack_outbox (request_id, kind, next_attempt_at) VALUES (?, ?, ?)",
    )
    .bind(request_id)
    .bind(kind)
    .bind(now)
    .execute(&mut *tx)
    .await
    {
        Ok(_) => Ok(()),
        Err(e) if is_duplicate(&e) => Ok(()),
        Err(e) => Err(e),
    }
}

pub(in crate::store) async fn due_outbox(
    m: &MySql,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    sqlx::query_as::<_, OutboxRow>(concat!(
        "SELECT id, request_id, ",
        text!("kind"),
        ", attempts FROM slack_outbox \
         WHERE done_at IS NULL AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?) \
         ORDER BY id LIMIT ?"
    ))
    .bind(now)
    .bind(now)
    .bind(limit)
    .fetch_all(&m.pool)
    .await
}

pub(in crate::store) async fn claim_outbox(
    m: &MySql,
    id: OutboxId,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    sqlx::query(
        "UPDATE slack_outbox SET claimed_until = ?, attempts = attempts + 1 \
         WHERE id = ? AND done_at IS NULL AND (claimed_until IS NULL OR claimed_until <= ?)",
    )
    .bind(until)
    .bind(id)
    .bind(now)
    .execute(&m.pool)
    .await
    .map(|r| r.rows_affected() == 1)
}

pub(in crate::store) async fn complete_outbox(
    m: &MySql,
    id: OutboxId,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE slack_outbox SET done_at = ?, claimed_until = NULL, last_error = NULL WHERE id = ?",
    )
    .bind(now)
    .bind(id)
    .execute(&m.pool)
    .await
    .map(|_| ())
}

pub(in crate::store) async fn retry_outbox_later(
    m: &MySql,
    id: OutboxId,
    next_attempt_at: DateTime<Utc>,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE slack_outbox SET claimed_until = NULL, next_attempt_at = ?, last_error = ? WHERE id = ?",
    )
    .bind(next_attempt_at)
    .bind(error)
    .bind(id)
    .execute(&m.pool)
    .await
    .map(|_| ())
}

/// `store::outbox`: one more call owed, unless it is already queued.
pub(in crate::store) async fn queue_outbox(
    m: &MySql,
    request_id: RequestId,
    kind: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let mut conn = m.pool.acquire().await?;
    insert_kind(&mut conn, request_id, kind, now).await
}

pub(in crate::store) async fn record_posted(
    m: &MySql,
    outbox_id: OutboxId,
    request_id: RequestId,
    channel: &str,
    ts: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let mut tx = m.pool.begin().await?;
    sqlx::query("UPDATE expiry_requests SET channel_id = ?, message_ts = ? WHERE id = ?")
        .bind(channel)
        .bind(ts)
        .bind(request_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE slack_outbox SET done_at = ?, claimed_until = NULL WHERE id = ?")
        .bind(now)
        .bind(outbox_id)
        .execute(&mut *tx)
        .await?;
    insert_kind(&mut tx, request_id, OutboxKind::NotifyFiled.as_str(), now).await?;
    tx.commit().await
}

pub(in crate::store) async fn outbox_summary(
    m: &MySql,
) -> Result<(i64, Option<DateTime<Utc>>), sqlx::Error> {
    sqlx::query_as::<_, (i64, Option<DateTime<Utc>>)>(
        "SELECT COUNT(*), MIN(created_at) FROM slack_outbox WHERE done_at IS NULL",
    )
    .fetch_one(&m.pool)
    .await
}

pub(in crate::store) async fn fail_outbox(
    m: &MySql,
    id: OutboxId,
    now: DateTime<Utc>,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE slack_outbox SET done_at = ?, failed_at = ?, claimed_until = NULL, last_error = ? WHERE id = ?",
    )
    .bind(now)
    .bind(now)
    .bind(error)
    .bind(id)
    .execute(&m.pool)
    .await
    .map(|_| ())
}
