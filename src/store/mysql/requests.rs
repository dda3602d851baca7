//! `expiry_requests` and `expiry_audit` on a MySQL primary: filing, deciding, timing out
//! (the statements of `store::requests`, in MySQL's dialect).
//!
//! The approval is one client-side transaction with the same steps, in the same order, as
//! PostgreSQL's `expire_bot_approve` and SQLite's statements: claim the request (an
//! `UPDATE … WHERE status = 'PENDING' AND requested_by <> actor`, decided by its affected
//! rows), read the claimed row back, lock the policy row `FOR UPDATE`, re-check it, expire
//! it keeping an earlier `valid_until`, then the outcome, the audit record and the outbox
//! rows. Claiming first means the loser of a race touches nothing else: its `UPDATE` waits
//! on the winner's row lock, then finds the row no longer `PENDING` and matches nothing.

use chrono::{DateTime, Utc};

use super::outbox::insert_followups;
use super::{MySql, REQUEST_COLUMNS, is_duplicate, text};
use crate::domain::status::KEPT_EARLIER_VALID_UNTIL;
use crate::domain::{
    OutboxKind, PolicyId, PolicyOutcome, Request, RequestId, RequestStatus, SlackUserId,
};
use crate::store::requests::{ACTIVE, EXPIRED, FileOutcome, NewRequest, PolicyLock};

/// The claimed row, read back inside the claiming transaction.
fn select_request() -> String {
    format!("SELECT {REQUEST_COLUMNS} FROM expiry_requests WHERE id = ?")
}

fn new_id(id: u64) -> Result<RequestId, sqlx::Error> {
    i64::try_from(id)
        .map(RequestId)
        .map_err(|_| sqlx::Error::Protocol("LAST_INSERT_ID() out of range".into()))
}

pub(in crate::store) async fn file_request(
    m: &MySql,
    r: &NewRequest,
) -> Result<FileOutcome, sqlx::Error> {
    let mut tx = m.pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO expiry_requests (policy_id, requested_by, status, rider_id, rider_name_masked, \
           rider_phone_masked, rider_status, policy_number_masked, insurer, cancelled_at, reason, \
           requested_at, expires_at, view_id) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(r.policy_id)
    .bind(&r.requested_by)
    .bind(RequestStatus::Pending)
    .bind(r.rider_id)
    .bind(&r.rider_name_masked)
    .bind(&r.rider_phone_masked)
    .bind(&r.rider_status)
    .bind(&r.policy_number_masked)
    .bind(&r.insurer)
    .bind(r.cancelled_at)
    .bind(&r.reason)
    .bind(r.requested_at)
    .bind(r.expires_at)
    .bind(&r.view_id)
    .execute(&mut *tx)
    .await;
    let id = match inserted {
        Ok(done) => new_id(done.last_insert_id())?,
        // The two unique keys a new request can hit: once per view
        // (expiry_requests_one_per_view), checked first, so a replay is "already filed"
        // whatever became of that request; one PENDING request per policy
        // (expiry_requests_one_pending_per_policy, on the generated pending_policy_id).
        Err(e) if is_duplicate(&e) => {
            if let Some(view) = &r.view_id {
                let filed: Option<RequestId> =
                    sqlx::query_scalar("SELECT id FROM expiry_requests WHERE view_id = ?")
                        .bind(view)
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some(filed) = filed {
                    tx.rollback().await?;
                    return Ok(FileOutcome::AlreadyFiled(filed));
                }
            }
            let existing: RequestId = sqlx::query_scalar(
                "SELECT id FROM expiry_requests WHERE policy_id = ? AND status = 'PENDING'",
            )
            .bind(r.policy_id)
            .fetch_one(&mut *tx)
            .await?;
            tx.rollback().await?;
            return Ok(FileOutcome::AlreadyPending(existing));
        }
        Err(e) => return Err(e),
    };
    sqlx::query(
        "INSERT INTO expiry_audit (request_id, event, actor, at, policy_id, status_before, status_after, \
           valid_until_before, valid_until_after, reason) \
         VALUES (?, 'FILED', ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(&r.requested_by)
    .bind(r.requested_at)
    .bind(r.policy_id)
    .bind(&r.policy_status)
    .bind(&r.policy_status)
    .bind(r.valid_until)
    .bind(r.valid_until)
    .bind(&r.reason)
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO slack_outbox (request_id, kind, next_attempt_at) VALUES (?, ?, ?)")
        .bind(id)
        .bind(OutboxKind::PostRequest)
        .bind(r.requested_at)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(FileOutcome::Filed(id))
}

pub(in crate::store) async fn get_request(
    m: &MySql,
    id: RequestId,
) -> Result<Option<Request>, sqlx::Error> {
    sqlx::query_as::<_, Request>(&select_request())
        .bind(id)
        .fetch_optional(&m.pool)
        .await
}

/// The approval (see the module docs); `None` when the claim matched nothing.
pub(in crate::store) async fn approve(
    m: &MySql,
    request_id: RequestId,
    actor: &SlackUserId,
    now: DateTime<Utc>,
) -> Result<Option<Request>, sqlx::Error> {
    let mut tx = m.pool.begin().await?;
    let claimed = sqlx::query(
        "UPDATE expiry_requests SET status = 'APPROVED', decided_by = ?, decided_at = ? \
         WHERE id = ? AND status = 'PENDING' AND (expires_at IS NULL OR expires_at > ?) \
           AND requested_by <> ?",
    )
    .bind(actor)
    .bind(now)
    .bind(request_id)
    .bind(now)
    .bind(actor)
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(None);
    }
    let mut row = sqlx::query_as::<_, Request>(&select_request())
        .bind(request_id)
        .fetch_one(&mut *tx)
        .await?;
    let policy = sqlx::query_as::<_, PolicyLock>(concat!(
        "SELECT ",
        text!("status"),
        ", valid_until FROM hourly_insurance_policies WHERE id = ? FOR UPDATE"
    ))
    .bind(row.policy_id)
    .fetch_optional(&mut *tx)
    .await?;
    let cancelled_at = row.cancelled_at.unwrap_or(now);
    let (outcome, before, after) = match policy {
        None => (PolicyOutcome::PolicyMissing, None, None),
        Some(pol) if pol.status != ACTIVE => (
            PolicyOutcome::AlreadyExpired,
            Some((pol.status.clone(), pol.valid_until)),
            Some((pol.status, pol.valid_until)),
        ),
        Some(pol) => {
            let new_until = match pol.valid_until {
                Some(existing) if existing < cancelled_at => existing,
                _ => cancelled_at,
            };
            sqlx::query(
                "UPDATE hourly_insurance_policies SET status = 'EXPIRED', valid_until = ? \
                 WHERE id = ? AND status = 'ACTIVE'",
            )
            .bind(new_until)
            .bind(row.policy_id)
            .execute(&mut *tx)
            .await?;
            (
                PolicyOutcome::Expired,
                Some((pol.status, pol.valid_until)),
                Some((EXPIRED.to_owned(), Some(new_until))),
            )
        }
    };
    let note = match (&before, &after) {
        (Some((_, Some(old))), Some((_, Some(new))))
            if outcome == PolicyOutcome::Expired && old == new =>
        {
            Some(KEPT_EARLIER_VALID_UNTIL.to_owned())
        }
        _ => None,
    };
    sqlx::query("UPDATE expiry_requests SET outcome = ?, decision_note = ? WHERE id = ?")
        .bind(outcome)
        .bind(&note)
        .bind(request_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO expiry_audit (request_id, event, actor, at, policy_id, status_before, status_after, \
           valid_until_before, valid_until_after, reason) \
         VALUES (?, 'APPROVED', ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(request_id)
    .bind(actor)
    .bind(now)
    .bind(row.policy_id)
    .bind(before.as_ref().map(|b| b.0.clone()))
    .bind(after.as_ref().map(|a| a.0.clone()))
    .bind(before.as_ref().and_then(|b| b.1))
    .bind(after.as_ref().and_then(|a| a.1))
    .bind(outcome)
    .execute(&mut *tx)
    .await?;
    insert_followups(&mut tx, request_id, now).await?;
    tx.commit().await?;
    row.outcome = Some(outcome);
    row.decision_note = note;
    Ok(Some(row))
}

/// Rejects a request with the approver's reason; `None` when the claim matched nothing.
pub(in crate::store) async fn reject(
    m: &MySql,
    request_id: RequestId,
    actor: &SlackUserId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Option<Request>, sqlx::Error> {
    let mut tx = m.pool.begin().await?;
    let claimed = sqlx::query(
        "UPDATE expiry_requests SET status = 'REJECTED', decided_by = ?, decided_at = ?, decision_note = ? \
         WHERE id = ? AND status = 'PENDING' AND (expires_at IS NULL OR expires_at > ?) \
           AND requested_by <> ?",
    )
    .bind(actor)
    .bind(now)
    .bind(reason)
    .bind(request_id)
    .bind(now)
    .bind(actor)
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(None);
    }
    let row = sqlx::query_as::<_, Request>(&select_request())
        .bind(request_id)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO expiry_audit (request_id, event, actor, at, policy_id, reason) \
         VALUES (?, 'REJECTED', ?, ?, ?, ?)",
    )
    .bind(request_id)
    .bind(actor)
    .bind(now)
    .bind(row.policy_id)
    .bind(reason)
    .execute(&mut *tx)
    .await?;
    insert_followups(&mut tx, request_id, now).await?;
    tx.commit().await?;
    Ok(Some(row))
}

/// Times out every pending request past its deadline. Without `RETURNING`, the candidates
/// are read first and each is then claimed by its own `UPDATE … WHERE status = 'PENDING'`:
/// only a claim that matched a row writes the audit record and the follow-ups, so two
/// instances sweeping at once time each request out once.
pub(in crate::store) async fn time_out_expired(
    m: &MySql,
    now: DateTime<Utc>,
) -> Result<Vec<RequestId>, sqlx::Error> {
    let mut tx = m.pool.begin().await?;
    let due: Vec<(RequestId, PolicyId)> = sqlx::query_as(
        "SELECT id, policy_id FROM expiry_requests \
         WHERE status = 'PENDING' AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY id",
    )
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    let mut timed_out = Vec::with_capacity(due.len());
    for (id, policy_id) in due {
        let claimed = sqlx::query(
            "UPDATE expiry_requests SET status = 'TIMED_OUT', decided_at = ? \
             WHERE id = ? AND status = 'PENDING' AND expires_at IS NOT NULL AND expires_at <= ?",
        )
        .bind(now)
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() != 1 {
            continue;
        }
        sqlx::query(
            "INSERT INTO expiry_audit (request_id, event, actor, at, policy_id, reason) \
             VALUES (?, 'TIMED_OUT', 'expire-bot', ?, ?, 'no decision within REQUEST_TTL')",
        )
        .bind(id)
        .bind(now)
        .bind(policy_id)
        .execute(&mut *tx)
        .await?;
        insert_followups(&mut tx, id, now).await?;
        timed_out.push(id);
    }
    tx.commit().await?;
    Ok(timed_out)
}

pub(in crate::store) async fn pending_summary(
    m: &MySql,
) -> Result<(i64, Option<DateTime<Utc>>), sqlx::Error> {
    sqlx::query_as::<_, (i64, Option<DateTime<Utc>>)>(
        "SELECT COUNT(*), MIN(requested_at) FROM expiry_requests WHERE status = 'PENDING'",
    )
    .fetch_one(&m.pool)
    .await
}
