//! The bot's own tables on the primary: expiry requests, their audit trail, and the Slack
//! outbox; plus the one transaction that touches the company's policy table.
//!
//! Exactly-once is decided here, by the database, not by any in-process lock: a decision is
//! an `UPDATE … WHERE status = 'PENDING'`, and whichever transaction flips the row wins —
//! across clicks, Slack retries and bot instances alike. Everything a decision implies (the
//! policy update, the audit record, the Slack follow-ups owed) commits in that same
//! transaction or not at all.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Backend, Db, Role, StoreError, observe, on_db};

/// Statuses of `expiry_requests.status`.
pub mod status {
    pub const PENDING: &str = "PENDING";
    pub const APPROVED: &str = "APPROVED";
    pub const REJECTED: &str = "REJECTED";
    pub const TIMED_OUT: &str = "TIMED_OUT";
}

/// Outcomes of an approval, stored in `expiry_requests.outcome`.
pub mod outcome {
    /// The policy was expired by this request.
    pub const EXPIRED: &str = "EXPIRED";
    /// The insurer's callback had already expired the policy; nothing was overwritten.
    pub const ALREADY_EXPIRED: &str = "ALREADY_EXPIRED";
    /// The policy row no longer exists.
    pub const POLICY_MISSING: &str = "POLICY_MISSING";
}

/// Kinds of Slack follow-up kept in `slack_outbox`; each row is one Slack call.
pub mod outbox_kind {
    /// Post the approval request to the approvals channel (and remember its `ts`).
    pub const POST_REQUEST: &str = "post_request";
    /// Tell the requester where the request went.
    pub const NOTIFY_FILED: &str = "notify_filed";
    /// Reply in the request's thread with the outcome.
    pub const THREAD_REPLY: &str = "thread_reply";
    /// Rewrite the request message: decision shown, buttons gone.
    pub const UPDATE_MESSAGE: &str = "update_message";
    /// Tell the requester the outcome.
    pub const NOTIFY_DECIDED: &str = "notify_decided";

    pub const AFTER_DECISION: [&str; 3] = [THREAD_REPLY, UPDATE_MESSAGE, NOTIFY_DECIDED];
}

/// Queues the Slack calls every decision owes (thread reply, message update, requester
/// notice) inside the deciding transaction. A macro, not a function: it is expanded inside
/// each backend's arm of `on_db!`, where the transaction's concrete type is known.
///
/// One multi-row INSERT rather than one per kind: every statement is a round trip inside a
/// transaction that holds the policy's row lock, and on the approval path these three were
/// 3 of its 10 statements (bench/approve.sh, BENCHMARKS.md).
macro_rules! insert_followups {
    ($tx:expr, $request_id:expr, $now:expr) => {{
        let [first, second, third] = outbox_kind::AFTER_DECISION;
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

/// Everything stored about a request; all personal data in it is already masked.
#[derive(Debug, Clone, FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub policy_id: i64,
    pub requested_by: String,
    pub decided_by: Option<String>,
    pub status: String,
    pub rider_id: Option<i64>,
    pub rider_name_masked: String,
    pub rider_phone_masked: String,
    pub rider_status: String,
    pub policy_number_masked: String,
    pub insurer: String,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub outcome: Option<String>,
    pub channel_id: Option<String>,
    pub message_ts: Option<String>,
}

const REQUEST_COLUMNS: &str = "id, policy_id, requested_by, decided_by, status, rider_id, rider_name_masked, \
    rider_phone_masked, rider_status, policy_number_masked, insurer, cancelled_at, reason, requested_at, \
    expires_at, decided_at, decision_note, outcome, channel_id, message_ts";

/// A request about to be filed.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub policy_id: i64,
    pub requested_by: String,
    pub rider_id: i64,
    pub rider_name_masked: String,
    pub rider_phone_masked: String,
    pub rider_status: String,
    pub policy_number_masked: String,
    pub insurer: String,
    pub cancelled_at: DateTime<Utc>,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Policy status and validity as the replica showed them, for the FILED audit record.
    pub policy_status: String,
    pub valid_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    Filed(i64),
    /// Another request for this policy is still open; nothing was written.
    AlreadyPending(i64),
}

/// Files a request: the row, its FILED audit record and the Slack post it owes, in one
/// transaction.
pub async fn file_request(db: &Db, r: &NewRequest) -> Result<FileOutcome, StoreError> {
    observe(Role::Primary, "file_request", async {
        on_db!(db, p => {
            let mut tx = p.begin().await?;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO expiry_requests (policy_id, requested_by, status, rider_id, rider_name_masked, \
                   rider_phone_masked, rider_status, policy_number_masked, insurer, cancelled_at, reason, \
                   requested_at, expires_at) \
                 VALUES ($1, $2, 'PENDING', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (policy_id) WHERE status = 'PENDING' DO NOTHING \
                 RETURNING id",
            )
            .bind(r.policy_id)
            .bind(&r.requested_by)
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
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else {
                let existing: i64 = sqlx::query_scalar(
                    "SELECT id FROM expiry_requests WHERE policy_id = $1 AND status = 'PENDING'",
                )
                .bind(r.policy_id)
                .fetch_one(&mut *tx)
                .await?;
                tx.rollback().await?;
                return Ok(FileOutcome::AlreadyPending(existing));
            };
            sqlx::query(
                "INSERT INTO expiry_audit (request_id, event, actor, at, policy_id, status_before, status_after, \
                   valid_until_before, valid_until_after, reason) \
                 VALUES ($1, 'FILED', $2, $3, $4, $5, $5, $6, $6, $7)",
            )
            .bind(id)
            .bind(&r.requested_by)
            .bind(r.requested_at)
            .bind(r.policy_id)
            .bind(&r.policy_status)
            .bind(r.valid_until)
            .bind(&r.reason)
            .execute(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO slack_outbox (request_id, kind, next_attempt_at) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(outbox_kind::POST_REQUEST)
                .bind(r.requested_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(FileOutcome::Filed(id))
        })
    })
    .await
}

pub async fn get_request(db: &Db, id: i64) -> Result<Option<RequestRow>, StoreError> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM expiry_requests WHERE id = $1");
    observe(Role::Primary, "get_request", async {
        on_db!(db, p => sqlx::query_as::<_, RequestRow>(&sql).bind(id).fetch_optional(p).await)
    })
    .await
}

/// What a decision attempt came to.
#[derive(Debug, Clone)]
pub enum DecideOutcome {
    /// This call decided the request; the row as it now stands.
    Decided(RequestRow),
    /// Someone (or something: the TTL sweeper) decided it first; nothing was changed.
    AlreadyDecided(RequestRow),
    /// Still pending but past its deadline; nothing was changed.
    Expired(RequestRow),
    /// The actor filed this request: the four-eyes rule, enforced in SQL as well.
    OwnRequest,
    NotFound,
}

/// The policy row as the approval transaction found and left it.
#[derive(Debug, Clone, FromRow)]
struct PolicyLock {
    status: String,
    valid_until: Option<DateTime<Utc>>,
}

/// Approves a request: the contract's single primary transaction.
///
/// 1. Claim the request (`PENDING → APPROVED`, only if still pending and not past its
///    deadline). Claiming first means the loser of a race stops before touching the policy,
///    and on SQLite the transaction takes the write lock with its first statement.
/// 2. Lock the policy row (`FOR UPDATE` on PostgreSQL) and re-check it: an insurer callback
///    may have expired it since the lookup. Such a policy is reported, not overwritten.
/// 3. Expire it with `valid_until = cancelled_at`, keeping an earlier existing `valid_until`.
/// 4. Record the outcome, the audit record and the Slack follow-ups owed.
///
/// On PostgreSQL these steps run inside the server, as `expire_bot_approve` (migration
/// 0080): one statement, one round trip instead of eight, which is what fifty approvals at
/// once were limited by. On SQLite (in-process, no round trips) they run as statements.
pub async fn approve_request(
    db: &Db,
    request_id: i64,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<DecideOutcome, StoreError> {
    let result = match db {
        Db::Pg(p) => {
            observe(Role::Primary, "approve_request", async {
                sqlx::query_as::<_, RequestRow>(&format!(
                    "SELECT {REQUEST_COLUMNS} FROM expire_bot_approve($1, $2, $3, $4)"
                ))
                .bind(request_id)
                .bind(actor)
                .bind(now)
                .bind(&outbox_kind::AFTER_DECISION[..])
                .fetch_optional(p)
                .await
            })
            .await?
        }
        Db::Sqlite(_) => approve_in_statements(db, request_id, actor, now).await?,
    };
    decided_or_why_not(db, result, request_id, actor, now).await
}

/// The approval as separate statements in one transaction: SQLite's path, and on
/// PostgreSQL the reference `expire_bot_approve` must agree with (the store tests run both
/// on the same cases and compare) and the benchmark's "before".
#[doc(hidden)]
pub async fn approve_request_in_statements(
    db: &Db,
    request_id: i64,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<DecideOutcome, StoreError> {
    let claimed = approve_in_statements(db, request_id, actor, now).await?;
    decided_or_why_not(db, claimed, request_id, actor, now).await
}

async fn approve_in_statements(
    db: &Db,
    request_id: i64,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<RequestRow>, StoreError> {
    // SQLite has no FOR UPDATE, and needs none: the transaction holds the database's write
    // lock from the claim on, so nothing changes the policy underneath it.
    let lock_sql = match db.backend() {
        Backend::Postgres => {
            "SELECT status, valid_until FROM hourly_insurance_policies WHERE id = $1 FOR UPDATE"
        }
        Backend::Sqlite => {
            "SELECT status, valid_until FROM hourly_insurance_policies WHERE id = $1"
        }
    };
    let claim_sql = format!(
        "UPDATE expiry_requests SET status = 'APPROVED', decided_by = $1, decided_at = $2 \
         WHERE id = $3 AND status = 'PENDING' AND (expires_at IS NULL OR expires_at > $2) \
           AND requested_by <> $1 \
         RETURNING {REQUEST_COLUMNS}"
    );
    observe(Role::Primary, "approve_request", async {
        on_db!(db, p => {
                let mut tx = p.begin().await?;
                let claimed = sqlx::query_as::<_, RequestRow>(&claim_sql)
                    .bind(actor)
                    .bind(now)
                    .bind(request_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(mut row) = claimed else {
                    tx.rollback().await?;
                    return Ok(None);
                };
                let policy = sqlx::query_as::<_, PolicyLock>(lock_sql)
                    .bind(row.policy_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let cancelled_at = row.cancelled_at.unwrap_or(now);
                let (outcome, before, after) = match policy {
                    None => (outcome::POLICY_MISSING, None, None),
                    Some(pol) if pol.status != "ACTIVE" => {
                        (outcome::ALREADY_EXPIRED, Some((pol.status.clone(), pol.valid_until)), Some((pol.status, pol.valid_until)))
                    }
                    Some(pol) => {
                        let new_until = match pol.valid_until {
                            Some(existing) if existing < cancelled_at => existing,
                            _ => cancelled_at,
                        };
                        sqlx::query(
                            "UPDATE hourly_insurance_policies SET status = 'EXPIRED', valid_until = $1 \
                             WHERE id = $2 AND status = 'ACTIVE'",
                        )
                        .bind(new_until)
                        .bind(row.policy_id)
                        .execute(&mut *tx)
                        .await?;
                        (outcome::EXPIRED, Some((pol.status, pol.valid_until)), Some(("EXPIRED".to_owned(), Some(new_until))))
                    }
                };
                let note = match (&before, &after) {
                    (Some((_, Some(old))), Some((_, Some(new)))) if outcome == outcome::EXPIRED && old == new => {
                        Some("kept_earlier_valid_until".to_owned())
                    }
                    _ => None,
                };
                sqlx::query("UPDATE expiry_requests SET outcome = $1, decision_note = $2 WHERE id = $3")
                    .bind(outcome)
                    .bind(&note)
                    .bind(request_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO expiry_audit (request_id, event, actor, at, policy_id, status_before, status_after, \
                       valid_until_before, valid_until_after, reason) \
                     VALUES ($1, 'APPROVED', $2, $3, $4, $5, $6, $7, $8, $9)",
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
                insert_followups!(tx, request_id, now);
                tx.commit().await?;
                row.outcome = Some(outcome.to_owned());
                row.decision_note = note;
                Ok(Some(row))
        })
    })
    .await
}

/// Rejects a request with the approver's reason; the policy is not touched.
pub async fn reject_request(
    db: &Db,
    request_id: i64,
    actor: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<DecideOutcome, StoreError> {
    let claim_sql = format!(
        "UPDATE expiry_requests SET status = 'REJECTED', decided_by = $1, decided_at = $2, decision_note = $4 \
         WHERE id = $3 AND status = 'PENDING' AND (expires_at IS NULL OR expires_at > $2) \
           AND requested_by <> $1 \
         RETURNING {REQUEST_COLUMNS}"
    );
    let result = observe(Role::Primary, "reject_request", async {
        on_db!(db, p => {
            let mut tx = p.begin().await?;
            let claimed = sqlx::query_as::<_, RequestRow>(&claim_sql)
                .bind(actor)
                .bind(now)
                .bind(request_id)
                .bind(reason)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = claimed else {
                tx.rollback().await?;
                return Ok(None);
            };
            sqlx::query(
                "INSERT INTO expiry_audit (request_id, event, actor, at, policy_id, reason) \
                 VALUES ($1, 'REJECTED', $2, $3, $4, $5)",
            )
            .bind(request_id)
            .bind(actor)
            .bind(now)
            .bind(row.policy_id)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
            insert_followups!(tx, request_id, now);
            tx.commit().await?;
            Ok(Some(row))
        })
    })
    .await?;
    decided_or_why_not(db, result, request_id, actor, now).await
}

/// Times out every pending request past its deadline, each with its audit record and
/// follow-ups. Safe with several instances: the `WHERE status = 'PENDING'` claim lets each
/// request time out once.
pub async fn time_out_expired(db: &Db, now: DateTime<Utc>) -> Result<Vec<i64>, StoreError> {
    observe(Role::Primary, "time_out_expired", async {
        on_db!(db, p => {
            let mut tx = p.begin().await?;
            let ids: Vec<(i64, i64)> = sqlx::query_as(
                "UPDATE expiry_requests SET status = 'TIMED_OUT', decided_at = $1 \
                 WHERE status = 'PENDING' AND expires_at IS NOT NULL AND expires_at <= $1 \
                 RETURNING id, policy_id",
            )
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
            for (id, policy_id) in &ids {
                sqlx::query(
                    "INSERT INTO expiry_audit (request_id, event, actor, at, policy_id, reason) \
                     VALUES ($1, 'TIMED_OUT', 'expire-bot', $2, $3, 'no decision within REQUEST_TTL')",
                )
                .bind(*id)
                .bind(now)
                .bind(*policy_id)
                .execute(&mut *tx)
                .await?;
                insert_followups!(tx, *id, now);
            }
            tx.commit().await?;
            Ok(ids.into_iter().map(|(id, _)| id).collect())
        })
    })
    .await
}

/// The outcome of a decision attempt: the claimed row, or, when the claim found nothing,
/// why not (read back after the fact, so a lost race costs nothing on the way in).
async fn decided_or_why_not(
    db: &Db,
    claimed: Option<RequestRow>,
    request_id: i64,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<DecideOutcome, StoreError> {
    if let Some(row) = claimed {
        return Ok(DecideOutcome::Decided(row));
    }
    Ok(match get_request(db, request_id).await? {
        None => DecideOutcome::NotFound,
        Some(row) if row.status == status::PENDING && row.requested_by == actor => {
            DecideOutcome::OwnRequest
        }
        Some(row) if row.status == status::PENDING => {
            debug_assert!(row.expires_at.is_some_and(|e| e <= now));
            DecideOutcome::Expired(row)
        }
        Some(row) => DecideOutcome::AlreadyDecided(row),
    })
}

/// One Slack call still owed.
#[derive(Debug, Clone, FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub request_id: i64,
    pub kind: String,
    pub attempts: i32,
}

/// Outbox rows due now, oldest first.
pub async fn due_outbox(
    db: &Db,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<OutboxRow>, StoreError> {
    observe(Role::Primary, "outbox_due", async {
        on_db!(db, p => sqlx::query_as::<_, OutboxRow>(
            "SELECT id, request_id, kind, attempts FROM slack_outbox \
             WHERE done_at IS NULL AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1) \
             ORDER BY id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(p)
        .await)
    })
    .await
}

/// Leases one outbox row to this instance until `until`. Only one instance wins a row; a
/// crashed instance's lease simply runs out.
pub async fn claim_outbox(
    db: &Db,
    id: i64,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    observe(Role::Primary, "outbox_claim", async {
        on_db!(db, p => sqlx::query(
            "UPDATE slack_outbox SET claimed_until = $1, attempts = attempts + 1 \
             WHERE id = $2 AND done_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $3)",
        )
        .bind(until)
        .bind(id)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected() == 1))
    })
    .await
}

pub async fn complete_outbox(db: &Db, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    observe(Role::Primary, "outbox_complete", async {
        on_db!(db, p => sqlx::query("UPDATE slack_outbox SET done_at = $1, claimed_until = NULL, last_error = NULL WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(p)
            .await
            .map(|_| ()))
    })
    .await
}

/// Releases a row after a failed attempt, to be retried at `next_attempt_at`. The error
/// text stored is the Slack error code or HTTP status, never message content.
pub async fn retry_outbox_later(
    db: &Db,
    id: i64,
    next_attempt_at: DateTime<Utc>,
    error: &str,
) -> Result<(), StoreError> {
    observe(Role::Primary, "outbox_retry", async {
        on_db!(db, p => sqlx::query(
            "UPDATE slack_outbox SET claimed_until = NULL, next_attempt_at = $1, last_error = $2 WHERE id = $3",
        )
        .bind(next_attempt_at)
        .bind(error)
        .bind(id)
        .execute(p)
        .await
        .map(|_| ()))
    })
    .await
}

/// Records where the approval request was posted, completes its outbox row and queues the
/// requester's notice, atomically, so a crash cannot post the request twice *and* forget
/// to tell the requester.
pub async fn record_posted(
    db: &Db,
    outbox_id: i64,
    request_id: i64,
    channel: &str,
    ts: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    observe(Role::Primary, "record_posted", async {
        on_db!(db, p => {
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
            .bind(outbox_kind::NOTIFY_FILED)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        })
    })
    .await
}

/// Pending requests: how many, and when the oldest was filed (for the gauges).
pub async fn pending_summary(db: &Db) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
    observe(Role::Primary, "pending_summary", async {
        on_db!(db, p => sqlx::query_as::<_, (i64, Option<DateTime<Utc>>)>(
            "SELECT COUNT(*), MIN(requested_at) FROM expiry_requests WHERE status = 'PENDING'",
        )
        .fetch_one(p)
        .await)
    })
    .await
}

/// Slack calls still owed: how many, and when the oldest was queued (for the gauges).
pub async fn outbox_summary(db: &Db) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
    observe(Role::Primary, "outbox_summary", async {
        on_db!(db, p => sqlx::query_as::<_, (i64, Option<DateTime<Utc>>)>(
            "SELECT COUNT(*), MIN(created_at) FROM slack_outbox WHERE done_at IS NULL",
        )
        .fetch_one(p)
        .await)
    })
    .await
}
