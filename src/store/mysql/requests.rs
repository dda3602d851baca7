//! `expiry_requests`, `expiry_approvals` and `expiry_audit` on a MySQL primary: filing,
//! approving (counting approvals), rejecting, withdrawing, reminding, timing out (the
//! statements of `store::requests`, in MySQL's dialect).
//!
//! The approval is one client-side transaction with the same steps, in the same order, as
//! PostgreSQL's `expire_bot_approve` and SQLite's statements: lock the request row
//! `FOR UPDATE` only if this click may count (pending, not past its deadline, not the
//! actor's own), so every approval of one request waits for the one before it and the
//! count is exact; record the approval (`expiry_approvals`' unique pair: the same person
//! counts once, a duplicate is the "already approved"); count it; below
//! `approvals_required` write the APPROVAL_RECORDED audit record and the numbered
//! follow-ups; the last approval needed decides — the policy row locked `FOR UPDATE`,
//! re-checked, expired keeping an earlier `valid_until`, then the outcome, the audit record
//! and the outbox rows. The loser of a race touches nothing: its lock waits on the
//! winner's, then finds the row no longer `PENDING` and matches nothing.
//!
//! MySQL evaluates a single-table `UPDATE`'s assignments left to right, each seeing the
//! ones before it (PostgreSQL and SQLite see the old row throughout): the count's
//! `approvals = approvals + 1` therefore comes last, after the `CASE`s that read it.

use chrono::{DateTime, Utc};

use super::outbox::{insert_followups, insert_kind};
use super::{MySql, REQUEST_COLUMNS, is_duplicate, text};
use crate::domain::{
    Approval, OutboxKind, PolicyId, Request, RequestId, RequestStatus, SlackUserId,
};
use crate::store::requests::{FileOutcome, NewRequest, PolicyChange, PolicyLock, policy_change};

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
           requested_at, expires_at, approvals_required, backdated, remind_at, view_id) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    .bind(r.approvals_required.max(1))
    .bind(r.backdated)
    .bind(r.remind_at)
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
    let locked: Option<RequestId> = sqlx::query_scalar(
        "SELECT id FROM expiry_requests \
         WHERE id = ? AND status = 'PENDING' AND (expires_at IS NULL OR expires_at > ?) \
           AND requested_by <> ? FOR UPDATE",
    )
    .bind(request_id)
    .bind(now)
    .bind(actor)
    .fetch_optional(&mut *tx)
    .await?;
    if locked.is_none() {
        tx.rollback().await?;
        return Ok(None);
    }
    let recorded = sqlx::query(
        "INSERT INTO expiry_approvals (request_id, approver, approved_at) VALUES (?, ?, ?)",
    )
    .bind(request_id)
    .bind(actor)
    .bind(now)
    .execute(&mut *tx)
    .await;
    match recorded {
        Ok(_) => {}
        // This person already approved it: nothing changes.
        Err(e) if is_duplicate(&e) => {
            tx.rollback().await?;
            return Ok(None);
        }
        Err(e) => return Err(e),
    }
    sqlx::query(
        "UPDATE expiry_requests SET \
           status = CASE WHEN approvals + 1 >= approvals_required THEN 'APPROVED' ELSE status END, \
           decided_by = CASE WHEN approvals + 1 >= approvals_required THEN ? ELSE decided_by END, \
           decided_at = CASE WHEN approvals + 1 >= approvals_required THEN ? ELSE decided_at END, \
           approvals = approvals + 1 \
         WHERE id = ?",
    )
    .bind(actor)
    .bind(now)
    .bind(request_id)
    .execute(&mut *tx)
    .await?;
    let mut row = sqlx::query_as::<_, Request>(&select_request())
        .bind(request_id)
        .fetch_one(&mut *tx)
        .await?;
    if row.status == RequestStatus::Pending {
        sqlx::query(
            "INSERT INTO expiry_audit (request_id, event, actor, at, policy_id, reason) \
             VALUES (?, 'APPROVAL_RECORDED', ?, ?, ?, ?)",
        )
        .bind(request_id)
        .bind(actor)
        .bind(now)
        .bind(row.policy_id)
        .bind(format!("{} of {}", row.approvals, row.approvals_required))
        .execute(&mut *tx)
        .await?;
        for kind in OutboxKind::AFTER_APPROVAL_COUNTED {
            insert_kind(&mut tx, request_id, &kind.numbered(row.approvals), now).await?;
        }
        tx.commit().await?;
        return Ok(Some(row));
    }
    let policy = sqlx::query_as::<_, PolicyLock>(concat!(
        "SELECT ",
        text!("status"),
        ", valid_until FROM hourly_insurance_policies WHERE id = ? FOR UPDATE"
    ))
    .bind(row.policy_id)
    .fetch_optional(&mut *tx)
    .await?;
    let PolicyChange {
        outcome,
        before,
        after,
        expire_until,
        note,
    } = policy_change(policy, row.cancelled_at.unwrap_or(now));
    if let Some(new_until) = expire_until {
        sqlx::query(
            "UPDATE hourly_insurance_policies SET status = 'EXPIRED', valid_until = ? \
             WHERE id = ? AND status = 'ACTIVE'",
        )
        .bind(new_until)
        .bind(row.policy_id)
        .execute(&mut *tx)
        .await?;
    }
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

/// The requester withdraws a pending request; `None` when the claim matched nothing (not
/// theirs, no longer pending, past its deadline).
pub(in crate::store) async fn withdraw(
    m: &MySql,
    request_id: RequestId,
    actor: &SlackUserId,
    now: DateTime<Utc>,
) -> Result<Option<Request>, sqlx::Error> {
    let mut tx = m.pool.begin().await?;
    let claimed = sqlx::query(
        "UPDATE expiry_requests SET status = 'CANCELLED', decided_by = ?, decided_at = ? \
         WHERE id = ? AND status = 'PENDING' AND (expires_at IS NULL OR expires_at > ?) \
           AND requested_by = ?",
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
    let row = sqlx::query_as::<_, Request>(&select_request())
        .bind(request_id)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO expiry_audit (request_id, event, actor, at, policy_id, reason) \
         VALUES (?, 'CANCELLED', ?, ?, ?, 'withdrawn by the requester')",
    )
    .bind(request_id)
    .bind(actor)
    .bind(now)
    .bind(row.policy_id)
    .execute(&mut *tx)
    .await?;
    insert_followups(&mut tx, request_id, now).await?;
    tx.commit().await?;
    Ok(Some(row))
}

/// Claims every reminder due now. Without `RETURNING`, the candidates are read first and
/// each is then claimed by its own `UPDATE … WHERE reminded_at IS NULL`: a second instance's
/// claim waits on the first one's row lock, then reads the row as committed and matches
/// nothing, so each request is reminded once.
pub(in crate::store) async fn claim_due_reminders(
    m: &MySql,
    now: DateTime<Utc>,
) -> Result<Vec<RequestId>, sqlx::Error> {
    let mut tx = m.pool.begin().await?;
    let due: Vec<(RequestId, PolicyId)> = sqlx::query_as(
        "SELECT id, policy_id FROM expiry_requests \
         WHERE status = 'PENDING' AND reminded_at IS NULL AND remind_at IS NOT NULL AND remind_at <= ? \
           AND (expires_at IS NULL OR expires_at > ?) ORDER BY id",
    )
    .bind(now)
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    let mut reminded = Vec::with_capacity(due.len());
    for (id, policy_id) in due {
        let claimed = sqlx::query(
            "UPDATE expiry_requests SET reminded_at = ? \
             WHERE id = ? AND status = 'PENDING' AND reminded_at IS NULL \
               AND remind_at IS NOT NULL AND remind_at <= ? AND (expires_at IS NULL OR expires_at > ?)",
        )
        .bind(now)
        .bind(id)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() != 1 {
            continue;
        }
        sqlx::query(
            "INSERT INTO expiry_audit (request_id, event, actor, at, policy_id, reason) \
             VALUES (?, 'REMINDED', 'expire-bot', ?, ?, 'still pending after REMIND_AFTER')",
        )
        .bind(id)
        .bind(now)
        .bind(policy_id)
        .execute(&mut *tx)
        .await?;
        for kind in OutboxKind::AFTER_REMINDER {
            insert_kind(&mut tx, id, kind.as_str(), now).await?;
        }
        reminded.push(id);
    }
    tx.commit().await?;
    Ok(reminded)
}

/// The approvals given on a request, in the order they were given.
pub(in crate::store) async fn approvals_of(
    m: &MySql,
    request_id: RequestId,
) -> Result<Vec<Approval>, sqlx::Error> {
    let rows: Vec<(SlackUserId, DateTime<Utc>)> = sqlx::query_as(concat!(
        "SELECT ",
        text!("approver"),
        ", approved_at FROM expiry_approvals WHERE request_id = ? ORDER BY id"
    ))
    .bind(request_id)
    .fetch_all(&m.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(approver, approved_at)| Approval {
            approver,
            approved_at,
        })
        .collect())
}

/// Reminders, for the gauges (see `Primary::reminder_summary`). `SUM` is a DECIMAL on
/// MySQL: cast to a signed integer.
pub(in crate::store) async fn reminder_summary(
    m: &MySql,
    late_before: DateTime<Utc>,
) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as::<_, (i64, i64)>(
        "SELECT \
           CAST(COALESCE(SUM(CASE WHEN reminded_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS SIGNED), \
           CAST(COALESCE(SUM(CASE WHEN reminded_at IS NULL AND remind_at <= ? THEN 1 ELSE 0 END), 0) AS SIGNED) \
         FROM expiry_requests WHERE status = 'PENDING'",
    )
    .bind(late_before)
    .fetch_one(&m.pool)
    .await
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
