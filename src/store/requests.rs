//! `expiry_requests` and `expiry_audit` on the primary: filing, reading, deciding and timing
//! out requests, and the one transaction that touches the company's policy table. (The
//! audit records are written inside these transactions, never on their own, so they live
//! here rather than in a file of their own.)
//!
//! Exactly-once is decided here, by the database, not by any in-process lock: a decision is
//! an `UPDATE … WHERE status = 'PENDING'`, and whichever transaction flips the row wins —
//! across clicks, Slack retries and bot instances alike. Everything a decision implies (the
//! policy update, the audit record, the Slack follow-ups owed) commits in that same
//! transaction or not at all.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::columns::REQUEST_COLUMNS;
use super::outbox::insert_followups;
use super::{Pool, Primary, StoreError, mysql, on_pool};
use crate::domain::status::KEPT_EARLIER_VALID_UNTIL;
use crate::domain::{
    Approval, OutboxKind, PolicyId, PolicyOutcome, Request, RequestId, RequestStatus, RiderId,
    SlackUserId,
};

/// A request about to be filed.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub policy_id: PolicyId,
    pub requested_by: SlackUserId,
    pub rider_id: RiderId,
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
    /// Approvals it needs (at least 1), and whether the backdate rule added one.
    pub approvals_required: i32,
    pub backdated: bool,
    /// When its one reminder is due, if one is.
    pub remind_at: Option<DateTime<Utc>>,
    /// The Slack view (modal) this request was submitted from, if any: a request is filed
    /// once per view, so a replayed submission files nothing (migration 0130).
    pub view_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    Filed(RequestId),
    /// Another request for this policy is still open; nothing was written.
    AlreadyPending(RequestId),
    /// This view already filed this request (a replay, or a double submission reaching two
    /// instances); nothing was written.
    AlreadyFiled(RequestId),
}

/// What a decision attempt came to.
#[derive(Debug, Clone)]
pub enum DecideOutcome {
    /// This call decided the request; the row as it now stands.
    Decided(Request),
    /// This approval was recorded, and more are needed: the row, still pending, as it now
    /// stands (its `approvals` is this approval's ordinal).
    Counted(Request),
    /// The actor had already approved this (still pending) request; nothing was changed.
    AlreadyApproved(Request),
    /// Someone (or something: the TTL sweeper) decided it first; nothing was changed.
    AlreadyDecided(Request),
    /// Still pending but past its deadline; nothing was changed.
    TimedOut(Request),
    /// The actor filed this request: the four-eyes rule, enforced in SQL as well.
    OwnRequest,
    NotFound,
}

/// What a withdrawal attempt came to.
#[derive(Debug, Clone)]
pub enum WithdrawOutcome {
    /// This call withdrew the request; the row as it now stands.
    Withdrawn(Request),
    /// Someone else filed it: only its requester may withdraw it. Nothing was changed.
    NotYours(Request),
    /// It was decided (or withdrawn) first; nothing was changed.
    AlreadyDecided(Request),
    /// Still pending but past its deadline; nothing was changed.
    TimedOut(Request),
    NotFound,
}

/// The policy row as the approval transaction found and left it.
#[derive(Debug, Clone, FromRow)]
pub(super) struct PolicyLock {
    pub(super) status: String,
    pub(super) valid_until: Option<DateTime<Utc>>,
}

/// The company's spelling of an active policy, and of one the approval expired.
const ACTIVE: &str = "ACTIVE";
const EXPIRED: &str = "EXPIRED";

/// A policy's status and `valid_until`, as recorded in the audit trail.
pub(super) type PolicyState = (String, Option<DateTime<Utc>>);

/// What the last required approval does to the policy it found locked: the one rule every
/// backend's transaction applies, so the statement paths (SQLite, MySQL) cannot drift
/// apart (PostgreSQL's function states it in SQL; the store tests compare them).
pub(super) struct PolicyChange {
    pub(super) outcome: PolicyOutcome,
    pub(super) before: Option<PolicyState>,
    pub(super) after: Option<PolicyState>,
    /// `Some(valid_until)` when the policy is to be expired with it.
    pub(super) expire_until: Option<DateTime<Utc>>,
    pub(super) note: Option<String>,
}

/// [`PolicyChange`] for `policy` (as `SELECT … FOR UPDATE` found it) and a cancellation at
/// `cancelled_at`: an earlier existing `valid_until` is kept and noted.
pub(super) fn policy_change(
    policy: Option<PolicyLock>,
    cancelled_at: DateTime<Utc>,
) -> PolicyChange {
    let (outcome, before, after, expire_until) = match policy {
        None => (PolicyOutcome::PolicyMissing, None, None, None),
        Some(pol) if pol.status != ACTIVE => (
            PolicyOutcome::AlreadyExpired,
            Some((pol.status.clone(), pol.valid_until)),
            Some((pol.status, pol.valid_until)),
            None,
        ),
        Some(pol) => {
            let new_until = match pol.valid_until {
                Some(existing) if existing < cancelled_at => existing,
                _ => cancelled_at,
            };
            (
                PolicyOutcome::Expired,
                Some((pol.status, pol.valid_until)),
                Some((EXPIRED.to_owned(), Some(new_until))),
                Some(new_until),
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
    PolicyChange {
        outcome,
        before,
        after,
        expire_until,
        note,
    }
}

impl Primary {
    /// Files a request: the row, its FILED audit record and the Slack post it owes, in one
    /// transaction. At most once per view and at most one pending request per policy, both
    /// held by unique indexes, so across instances too.
    pub async fn file_request(&self, r: &NewRequest) -> Result<FileOutcome, StoreError> {
        self.h
            .observe("file_request", async {
                on_pool!(self.h, p => {
                    let mut tx = p.begin().await?;
                    let id: Option<RequestId> = sqlx::query_scalar(
                        "INSERT INTO expiry_requests (policy_id, requested_by, status, rider_id, rider_name_masked, \
                           rider_phone_masked, rider_status, policy_number_masked, insurer, cancelled_at, reason, \
                           requested_at, expires_at, approvals_required, backdated, remind_at, view_id) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
                         ON CONFLICT DO NOTHING \
                         RETURNING id",
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
                    .fetch_optional(&mut *tx)
                    .await?;
                    // Nothing inserted: one of the two unique rules held it back (one
                    // request per view; one pending request per policy). The view's comes
                    // first: a replay is "already filed", whatever became of that request.
                    let Some(id) = id else {
                        if let Some(view) = &r.view_id {
                            let filed: Option<RequestId> = sqlx::query_scalar(
                                "SELECT id FROM expiry_requests WHERE view_id = $1",
                            )
                            .bind(view)
                            .fetch_optional(&mut *tx)
                            .await?;
                            if let Some(filed) = filed {
                                tx.rollback().await?;
                                return Ok(FileOutcome::AlreadyFiled(filed));
                            }
                        }
                        let existing: RequestId = sqlx::query_scalar(
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
                        .bind(OutboxKind::PostRequest)
                        .bind(r.requested_at)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(FileOutcome::Filed(id))
                }, mysql: m => mysql::file_request(m, r).await)
            })
            .await
    }

    pub async fn get_request(&self, id: RequestId) -> Result<Option<Request>, StoreError> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM expiry_requests WHERE id = $1");
        self.h
            .observe("get_request", async {
                on_pool!(self.h, p => sqlx::query_as::<_, Request>(&sql).bind(id).fetch_optional(p).await,
                    mysql: m => mysql::get_request(m, id).await)
            })
            .await
    }

    /// Approves a request, or counts one approval of several: the contract's single primary
    /// transaction.
    ///
    /// 1. Lock the request, only if this click may count: still pending, not past its
    ///    deadline, not the actor's own. Every approval of one request waits here for the
    ///    one before it, so the count is exact; the loser of a race stops before touching
    ///    anything. (PostgreSQL: `FOR UPDATE`; SQLite: the first statement is a write, so
    ///    the transaction holds the database's write lock from the start.)
    /// 2. Record the approval in `expiry_approvals`; its unique (request, approver) pair
    ///    makes the same person count once. Already there: nothing changes.
    /// 3. Count it. Below `approvals_required` the request stays pending, with an
    ///    APPROVAL_RECORDED audit record and this approval's thread reply and message
    ///    refresh owed ([`OutboxKind::AFTER_APPROVAL_COUNTED`], numbered).
    /// 4. The last approval needed decides: `PENDING → APPROVED`; the policy row is locked
    ///    (`FOR UPDATE` on PostgreSQL) and re-checked — an insurer callback may have expired
    ///    it since the lookup; such a policy is reported, not overwritten — and expired with
    ///    `valid_until = cancelled_at`, an earlier existing `valid_until` kept; then the
    ///    outcome, the APPROVED audit record and the Slack follow-ups owed.
    ///
    /// On PostgreSQL these steps run inside the server, as `expire_bot_approve` (migration
    /// 0100, replacing 0080's): one statement, one round trip instead of ten, which is what
    /// fifty approvals at once were limited by. On SQLite (in-process, no round trips) they
    /// run as statements, and on MySQL as its own statements in one client-side transaction
    /// (`store::mysql::requests`), in the same steps and order.
    pub async fn approve_request(
        &self,
        request_id: RequestId,
        actor: &SlackUserId,
        now: DateTime<Utc>,
    ) -> Result<DecideOutcome, StoreError> {
        let claimed = match &self.h.pool {
            Pool::Pg(p) => {
                let followups = OutboxKind::AFTER_DECISION.map(OutboxKind::as_str);
                let counted = OutboxKind::AFTER_APPROVAL_COUNTED.map(OutboxKind::as_str);
                self.h
                    .observe("approve_request", async {
                        sqlx::query_as::<_, Request>(&format!(
                            "SELECT {REQUEST_COLUMNS} FROM expire_bot_approve($1, $2, $3, $4, $5)"
                        ))
                        .bind(request_id)
                        .bind(actor)
                        .bind(now)
                        .bind(&followups[..])
                        .bind(&counted[..])
                        .fetch_optional(p)
                        .await
                    })
                    .await?
            }
            Pool::Sqlite(_) | Pool::MySql(_) => {
                self.approve_in_statements(request_id, actor, now).await?
            }
        };
        self.decided_or_why_not(claimed, request_id, actor, now)
            .await
    }

    /// The approval as separate statements in one transaction: SQLite's path, and on
    /// PostgreSQL the reference `expire_bot_approve` must agree with (the store tests run
    /// both on the same cases and compare, and compare SQLite's run with PostgreSQL's) and
    /// the benchmark's "before".
    #[doc(hidden)]
    pub async fn approve_request_in_statements(
        &self,
        request_id: RequestId,
        actor: &SlackUserId,
        now: DateTime<Utc>,
    ) -> Result<DecideOutcome, StoreError> {
        let claimed = self.approve_in_statements(request_id, actor, now).await?;
        self.decided_or_why_not(claimed, request_id, actor, now)
            .await
    }

    /// Steps 1–4 of [`Primary::approve_request`] as statements. `None`: this click did not
    /// count (not pending, past its deadline, the actor's own, or already approved by the
    /// actor), and nothing was changed.
    async fn approve_in_statements(
        &self,
        request_id: RequestId,
        actor: &SlackUserId,
        now: DateTime<Utc>,
    ) -> Result<Option<Request>, StoreError> {
        // SQLite has no FOR UPDATE, and needs none: the transaction holds the database's
        // write lock from its first statement (a write that changes nothing) on, so nothing
        // changes the request or the policy underneath it.
        let (lock_request_sql, lock_policy_sql) = match &self.h.pool {
            Pool::Pg(_) => (
                "SELECT id FROM expiry_requests WHERE id = $1 AND status = 'PENDING' \
                   AND (expires_at IS NULL OR expires_at > $2) AND requested_by <> $3 FOR UPDATE",
                "SELECT status, valid_until FROM hourly_insurance_policies WHERE id = $1 FOR UPDATE",
            ),
            // MySQL's statements are its module's own, in the `mysql:` arm below.
            Pool::Sqlite(_) | Pool::MySql(_) => (
                "UPDATE expiry_requests SET approvals = approvals WHERE id = $1 AND status = 'PENDING' \
                   AND (expires_at IS NULL OR expires_at > $2) AND requested_by <> $3 RETURNING id",
                "SELECT status, valid_until FROM hourly_insurance_policies WHERE id = $1",
            ),
        };
        // Column references on the right of SET are the row before the update, on both
        // backends: `approvals + 1` is this approval's ordinal in each CASE.
        let count_sql = format!(
            "UPDATE expiry_requests SET approvals = approvals + 1, \
               status = CASE WHEN approvals + 1 >= approvals_required THEN 'APPROVED' ELSE status END, \
               decided_by = CASE WHEN approvals + 1 >= approvals_required THEN $1 ELSE decided_by END, \
               decided_at = CASE WHEN approvals + 1 >= approvals_required THEN $2 ELSE decided_at END \
             WHERE id = $3 \
             RETURNING {REQUEST_COLUMNS}"
        );
        self.h.observe("approve_request", async {
            on_pool!(self.h, p => {
                let mut tx = p.begin().await?;
                let locked: Option<RequestId> = sqlx::query_scalar(lock_request_sql)
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
                    "INSERT INTO expiry_approvals (request_id, approver, approved_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (request_id, approver) DO NOTHING",
                )
                .bind(request_id)
                .bind(actor)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if recorded.rows_affected() == 0 {
                    tx.rollback().await?;
                    return Ok(None);
                }
                let mut row = sqlx::query_as::<_, Request>(&count_sql)
                    .bind(actor)
                    .bind(now)
                    .bind(request_id)
                    .fetch_one(&mut *tx)
                    .await?;
                if row.status == RequestStatus::Pending {
                    sqlx::query(
                        "INSERT INTO expiry_audit (request_id, event, actor, at, policy_id, reason) \
                         VALUES ($1, 'APPROVAL_RECORDED', $2, $3, $4, $5)",
                    )
                    .bind(request_id)
                    .bind(actor)
                    .bind(now)
                    .bind(row.policy_id)
                    .bind(format!("{} of {}", row.approvals, row.approvals_required))
                    .execute(&mut *tx)
                    .await?;
                    let [first, second] = OutboxKind::AFTER_APPROVAL_COUNTED;
                    sqlx::query(
                        "INSERT INTO slack_outbox (request_id, kind, next_attempt_at) \
                         VALUES ($1, $2, $4), ($1, $3, $4) \
                         ON CONFLICT (request_id, kind) DO NOTHING",
                    )
                    .bind(request_id)
                    .bind(first.numbered(row.approvals))
                    .bind(second.numbered(row.approvals))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    return Ok(Some(row));
                }
                let policy = sqlx::query_as::<_, PolicyLock>(lock_policy_sql)
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
                        "UPDATE hourly_insurance_policies SET status = 'EXPIRED', valid_until = $1 \
                         WHERE id = $2 AND status = 'ACTIVE'",
                    )
                    .bind(new_until)
                    .bind(row.policy_id)
                    .execute(&mut *tx)
                    .await?;
                }
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
                row.outcome = Some(outcome);
                row.decision_note = note;
                Ok(Some(row))
            }, mysql: m => mysql::approve(m, request_id, actor, now).await)
        })
        .await
    }

    /// Rejects a request with the approver's reason; the policy is not touched.
    pub async fn reject_request(
        &self,
        request_id: RequestId,
        actor: &SlackUserId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<DecideOutcome, StoreError> {
        let claim_sql = format!(
            "UPDATE expiry_requests SET status = 'REJECTED', decided_by = $1, decided_at = $2, decision_note = $4 \
             WHERE id = $3 AND status = 'PENDING' AND (expires_at IS NULL OR expires_at > $2) \
               AND requested_by <> $1 \
             RETURNING {REQUEST_COLUMNS}"
        );
        let claimed = self
            .h
            .observe("reject_request", async {
                on_pool!(self.h, p => {
                    let mut tx = p.begin().await?;
                    let claimed = sqlx::query_as::<_, Request>(&claim_sql)
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
                }, mysql: m => mysql::reject(m, request_id, actor, reason, now).await)
            })
            .await?;
        self.decided_or_why_not(claimed, request_id, actor, now)
            .await
    }

    /// Times out every pending request past its deadline, each with its audit record and
    /// follow-ups. Safe with several instances: the `WHERE status = 'PENDING'` claim lets
    /// each request time out once.
    pub async fn time_out_expired(&self, now: DateTime<Utc>) -> Result<Vec<RequestId>, StoreError> {
        self.h
            .observe("time_out_expired", async {
                on_pool!(self.h, p => {
                    let mut tx = p.begin().await?;
                    let ids: Vec<(RequestId, PolicyId)> = sqlx::query_as(
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
                }, mysql: m => mysql::time_out_expired(m, now).await)
            })
            .await
    }

    /// The outcome of a decision attempt: the claimed row, or, when the claim found
    /// nothing, why not (read back after the fact, so a lost race costs nothing on the way
    /// in). A claimed row still pending is an approval counted, not yet the decision.
    async fn decided_or_why_not(
        &self,
        claimed: Option<Request>,
        request_id: RequestId,
        actor: &SlackUserId,
        now: DateTime<Utc>,
    ) -> Result<DecideOutcome, StoreError> {
        if let Some(row) = claimed {
            return Ok(if row.status == RequestStatus::Pending {
                DecideOutcome::Counted(row)
            } else {
                DecideOutcome::Decided(row)
            });
        }
        Ok(match self.get_request(request_id).await? {
            None => DecideOutcome::NotFound,
            Some(row) if row.status == RequestStatus::Pending && &row.requested_by == actor => {
                DecideOutcome::OwnRequest
            }
            Some(row)
                if row.status == RequestStatus::Pending
                    && row.expires_at.is_some_and(|e| e <= now) =>
            {
                DecideOutcome::TimedOut(row)
            }
            // Pending, in time, not theirs: the claim found nothing only because this actor
            // had approved it already.
            Some(row) if row.status == RequestStatus::Pending => {
                DecideOutcome::AlreadyApproved(row)
            }
            Some(row) => DecideOutcome::AlreadyDecided(row),
        })
    }

    /// Withdraws a pending request on behalf of its requester: `PENDING → CANCELLED`, the
    /// CANCELLED audit record and the follow-ups every decision owes, in one transaction.
    /// The claim is the same `UPDATE … WHERE status = 'PENDING'` as a decision's, on the
    /// same row, so a withdrawal racing an approval either wins or finds it decided:
    /// exactly one of them happens.
    pub async fn withdraw_request(
        &self,
        request_id: RequestId,
        actor: &SlackUserId,
        now: DateTime<Utc>,
    ) -> Result<WithdrawOutcome, StoreError> {
        let claim_sql = format!(
            "UPDATE expiry_requests SET status = 'CANCELLED', decided_by = $1, decided_at = $2 \
             WHERE id = $3 AND status = 'PENDING' AND (expires_at IS NULL OR expires_at > $2) \
               AND requested_by = $1 \
             RETURNING {REQUEST_COLUMNS}"
        );
        let claimed = self
            .h
            .observe("withdraw_request", async {
                on_pool!(self.h, p => {
                    let mut tx = p.begin().await?;
                    let claimed = sqlx::query_as::<_, Request>(&claim_sql)
                        .bind(actor)
                        .bind(now)
                        .bind(request_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(row) = claimed else {
                        tx.rollback().await?;
                        return Ok(None);
                    };
                    sqlx::query(
                        "INSERT INTO expiry_audit (request_id, event, actor, at, policy_id, reason) \
                         VALUES ($1, 'CANCELLED', $2, $3, $4, 'withdrawn by the requester')",
                    )
                    .bind(request_id)
                    .bind(actor)
                    .bind(now)
                    .bind(row.policy_id)
                    .execute(&mut *tx)
                    .await?;
                    insert_followups!(tx, request_id, now);
                    tx.commit().await?;
                    Ok(Some(row))
                }, mysql: m => mysql::withdraw(m, request_id, actor, now).await)
            })
            .await?;
        if let Some(row) = claimed {
            return Ok(WithdrawOutcome::Withdrawn(row));
        }
        Ok(match self.get_request(request_id).await? {
            None => WithdrawOutcome::NotFound,
            Some(row) if row.status != RequestStatus::Pending => {
                WithdrawOutcome::AlreadyDecided(row)
            }
            Some(row) if &row.requested_by != actor => WithdrawOutcome::NotYours(row),
            Some(row) => WithdrawOutcome::TimedOut(row),
        })
    }

    /// Claims every reminder due now — pending requests past their `remind_at`, not yet
    /// reminded, not past their deadline — each with its REMINDED audit record and the two
    /// follow-ups (the thread reply, the requester's notice), in one transaction. Safe with
    /// several instances and across restarts: `reminded_at IS NULL` in the claim lets each
    /// request be reminded once, and what is due is in the database, not in a timer.
    pub async fn claim_due_reminders(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<RequestId>, StoreError> {
        self.h
            .observe("claim_due_reminders", async {
                on_pool!(self.h, p => {
                    let mut tx = p.begin().await?;
                    let ids: Vec<(RequestId, PolicyId)> = sqlx::query_as(
                        "UPDATE expiry_requests SET reminded_at = $1 \
                         WHERE status = 'PENDING' AND reminded_at IS NULL \
                           AND remind_at IS NOT NULL AND remind_at <= $1 \
                           AND (expires_at IS NULL OR expires_at > $1) \
                         RETURNING id, policy_id",
                    )
                    .bind(now)
                    .fetch_all(&mut *tx)
                    .await?;
                    let [reply, notice] = OutboxKind::AFTER_REMINDER;
                    for (id, policy_id) in &ids {
                        sqlx::query(
                            "INSERT INTO expiry_audit (request_id, event, actor, at, policy_id, reason) \
                             VALUES ($1, 'REMINDED', 'expire-bot', $2, $3, 'still pending after REMIND_AFTER')",
                        )
                        .bind(*id)
                        .bind(now)
                        .bind(*policy_id)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query(
                            "INSERT INTO slack_outbox (request_id, kind, next_attempt_at) \
                             VALUES ($1, $2, $4), ($1, $3, $4) \
                             ON CONFLICT (request_id, kind) DO NOTHING",
                        )
                        .bind(*id)
                        .bind(reply)
                        .bind(notice)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(ids.into_iter().map(|(id, _)| id).collect())
                }, mysql: m => mysql::claim_due_reminders(m, now).await)
            })
            .await
    }

    /// The approvals given on a request, in the order they were given.
    pub async fn approvals_of(&self, request_id: RequestId) -> Result<Vec<Approval>, StoreError> {
        self.h
            .observe("approvals_of", async {
                on_pool!(self.h, p => sqlx::query_as::<_, (SlackUserId, DateTime<Utc>)>(
                    "SELECT approver, approved_at FROM expiry_approvals WHERE request_id = $1 ORDER BY id",
                )
                .bind(request_id)
                .fetch_all(p)
                .await
                .map(|rows| {
                    rows.into_iter()
                        .map(|(approver, approved_at)| Approval {
                            approver,
                            approved_at,
                        })
                        .collect()
                }), mysql: m => mysql::approvals_of(m, request_id).await)
            })
            .await
    }

    /// Reminders, for the gauges: pending requests that were reminded and are still
    /// waiting, and reminders overdue by more than `late` (due, not yet claimed — the sweep
    /// is not running, or failing).
    pub async fn reminder_summary(
        &self,
        now: DateTime<Utc>,
        late: chrono::Duration,
    ) -> Result<(i64, i64), StoreError> {
        self.h
            .observe("reminder_summary", async {
                on_pool!(self.h, p => sqlx::query_as::<_, (i64, i64)>(
                    "SELECT \
                       COALESCE(SUM(CASE WHEN reminded_at IS NOT NULL THEN 1 ELSE 0 END), 0), \
                       COALESCE(SUM(CASE WHEN reminded_at IS NULL AND remind_at <= $1 THEN 1 ELSE 0 END), 0) \
                     FROM expiry_requests WHERE status = 'PENDING'",
                )
                .bind(now - late)
                .fetch_one(p)
                .await, mysql: m => mysql::reminder_summary(m, now - late).await)
            })
            .await
    }

    /// Pending requests: how many, and when the oldest was filed (for the gauges).
    pub async fn pending_summary(&self) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
        self.h
            .observe("pending_summary", async {
                on_pool!(self.h, p => sqlx::query_as::<_, (i64, Option<DateTime<Utc>>)>(
                    "SELECT COUNT(*), MIN(requested_at) FROM expiry_requests WHERE status = 'PENDING'",
                )
                .fetch_one(p)
                .await, mysql: m => mysql::pending_summary(m).await)
            })
            .await
    }
}
