//! Deciding requests: who may (the approver rule and the four-eyes rule), approving,
//! rejecting, the requester's withdrawal, timing out and the reminder, on the primary.
//!
//! An approval either counts one of several ([`Verdict::Counted`]: the request stays
//! pending, the thread and the message say "1 of 2") or is the last one needed and decides
//! ([`Verdict::Decided`]). The requester never counts, the same person counts once (a
//! second click is [`Verdict::AlreadyApproved`]), and any one rejection ends the request.
//! Only the requester may withdraw a pending request ([`Deciding::withdraw`]); a withdrawal
//! and an approval racing each other claim the same row, so exactly one of them happens.
//!
//! Authorization is checked here, on the server, for every click: the buttons are visible
//! to the whole channel, so the message itself grants nothing. The requester is refused
//! twice over — here with a clear answer, and in the claiming SQL itself — so no code path
//! can approve its own request. The transaction and its exactly-once guarantee live in
//! [`crate::store::requests`]; this module decides what to ask of it and what it means.
//! After every decision (a click's or the TTL sweeper's) it wakes the outbox, which owes
//! the thread reply, the message update and the requester's notice.

use std::sync::Arc;
use std::time::Duration;

use super::lookup::Lookup;
use super::{DbFailure, Directory, Unverifiable, Wake};
use crate::deadline::Deadline;
use crate::domain::{Reason, ReasonError, Request, RequestId, RequestStatus, SlackUserId};
use crate::mask;
use crate::store::{DecideOutcome, Primary, StoreError, WithdrawOutcome};

/// What a decision attempt came to.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// This click decided the request; the Slack follow-ups are queued.
    Decided(Request),
    /// This approval was counted and more are needed; its thread reply and the message's
    /// refresh are queued. The row is still pending (`approvals` is this one's ordinal).
    Counted(Request),
    /// The clicker already approved this request; it still waits for someone else.
    AlreadyApproved(Request),
    /// The clicker may not decide requests.
    NotAnApprover,
    /// The clicker filed this request (four-eyes rule).
    OwnRequest,
    AlreadyDecided(Request),
    /// It ran past its deadline before anyone decided it.
    TimedOut(Request),
    NotFound,
}

/// What a withdrawal attempt came to.
#[derive(Debug, Clone)]
pub enum Withdrawal {
    /// Withdrawn: `CANCELLED`, the follow-ups queued.
    Withdrawn(Request),
    /// Only the requester may withdraw a request.
    NotYours,
    /// Decided (or withdrawn) before.
    AlreadyDecided(Request),
    TimedOut(Request),
    NotFound,
}

/// Approve, or reject with a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject(Reason),
}

#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error(transparent)]
    Db(#[from] DbFailure),
    /// The approvers' user group could not be read well enough to confirm the clicker.
    #[error("could not confirm the clicker is an approver")]
    Unverifiable(#[from] Unverifiable),
}

impl From<StoreError> for DecideError {
    fn from(e: StoreError) -> Self {
        DecideError::Db(e.into())
    }
}

/// What a rejection's reason may take of the request's deadline to learn whose personal
/// data to mask; the decision gets the rest.
const REJECT_SCRUB_LEAVES: Duration = Duration::from_millis(1500);

/// A rejection's reason as typed, scrubbed like a filing's ([`mask::scrub`]: the request's
/// rider's name, phone and birth date in any form, every phone number, anything shaped like
/// a resident registration number), then checked like any reason (masking can lengthen it
/// past the limit). The rider is read on the replica within what `deadline` leaves; if that
/// fails the text is still scrubbed of everything that needs no lookup.
pub async fn reject_reason(
    primary: &Primary,
    lookup: &Lookup,
    request_id: RequestId,
    raw: &str,
    deadline: &Deadline,
) -> Result<Reason, ReasonError> {
    let rider = tokio::time::timeout(
        deadline.leaving(REJECT_SCRUB_LEAVES),
        primary.get_request(request_id),
    )
    .await
    .ok()
    .and_then(Result::ok)
    .flatten()
    .and_then(|r| r.rider_id);
    let scrubbed = match rider {
        Some(rider) => {
            lookup
                .scrub_about(rider, raw, deadline.leaving(REJECT_SCRUB_LEAVES))
                .await
        }
        None => mask::scrub_phones(raw),
    };
    Reason::parse(&scrubbed)
}

/// Deciding, with what it needs: the primary, who approves, and the outbox's wake.
#[derive(Clone)]
pub struct Deciding {
    primary: Primary,
    directory: Arc<dyn Directory>,
    wake: Arc<dyn Wake>,
}

impl std::fmt::Debug for Deciding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deciding").finish_non_exhaustive()
    }
}

impl Deciding {
    /// A rejection's reason, scrubbed ([`reject_reason`]) with this service's primary.
    pub async fn reject_reason(
        &self,
        lookup: &Lookup,
        request_id: RequestId,
        raw: &str,
        deadline: &Deadline,
    ) -> Result<Reason, ReasonError> {
        reject_reason(&self.primary, lookup, request_id, raw, deadline).await
    }

    pub fn new(primary: Primary, directory: Arc<dyn Directory>, wake: Arc<dyn Wake>) -> Deciding {
        Deciding {
            primary,
            directory,
            wake,
        }
    }

    /// Whether `clicker` may decide request `id`, without changing anything: the request
    /// pending, not theirs, and they an approver. Used before opening the reject modal, so
    /// a refused lead is told at once. The approvers are checked against their last known
    /// member list (never a Slack call on this path), waiting for a first one at most until
    /// `deadline`.
    pub async fn may_decide(
        &self,
        request_id: RequestId,
        clicker: &SlackUserId,
        deadline: &Deadline,
    ) -> Result<Result<Request, Verdict>, DecideError> {
        let Some(row) = self.primary.get_request(request_id).await? else {
            return Ok(Err(Verdict::NotFound));
        };
        match row.status {
            RequestStatus::Pending => {}
            RequestStatus::TimedOut => return Ok(Err(Verdict::TimedOut(row))),
            _ => return Ok(Err(Verdict::AlreadyDecided(row))),
        }
        if &row.requested_by == clicker {
            return Ok(Err(Verdict::OwnRequest));
        }
        if !self.directory.is_approver(clicker, deadline).await? {
            return Ok(Err(Verdict::NotAnApprover));
        }
        Ok(Ok(row))
    }

    /// Approves or rejects request `id` on behalf of `clicker`. `deadline` (the Slack
    /// request's) bounds only the wait for the approvers' first member list: a decision
    /// once started runs to its end. Whether the request is past its time, and when it was
    /// decided, are the database's clock's ([`Primary::now`]): an instance whose clock is
    /// off neither approves a request past its time nor refuses one within it.
    pub async fn decide(
        &self,
        request_id: RequestId,
        clicker: &SlackUserId,
        decision: &Decision,
        deadline: &Deadline,
    ) -> Result<Verdict, DecideError> {
        if let Err(refusal) = self.may_decide(request_id, clicker, deadline).await? {
            if matches!(refusal, Verdict::OwnRequest | Verdict::NotAnApprover) {
                let why = if matches!(refusal, Verdict::OwnRequest) {
                    "own_request"
                } else {
                    "not_approver"
                };
                metrics::counter!("expire_bot_decisions_refused_total", "why" => why).increment(1);
            }
            return Ok(refusal);
        }
        let now = self.primary.now().await?;
        let outcome = match decision {
            Decision::Approve => {
                self.primary
                    .approve_request(request_id, clicker, now)
                    .await?
            }
            Decision::Reject(reason) => {
                self.primary
                    .reject_request(request_id, clicker, reason.as_str(), now)
                    .await?
            }
        };
        Ok(match outcome {
            DecideOutcome::Decided(row) => {
                let event = match decision {
                    Decision::Approve => "approved",
                    Decision::Reject(_) => "rejected",
                };
                metrics::counter!("expire_bot_requests_total", "event" => event).increment(1);
                if row.status == RequestStatus::Approved {
                    metrics::counter!("expire_bot_approvals_total", "result" => "decided")
                        .increment(1);
                    metrics::histogram!("expire_bot_approvals_per_request")
                        .record(f64::from(row.approvals));
                }
                tracing::info!(
                    request_id = request_id.0,
                    decided_by = %clicker,
                    approvals = row.approvals,
                    outcome = row.outcome.map_or(event, |o| o.as_str()),
                    "request decided"
                );
                self.wake.wake();
                Verdict::Decided(row)
            }
            DecideOutcome::Counted(row) => {
                metrics::counter!("expire_bot_approvals_total", "result" => "counted").increment(1);
                tracing::info!(
                    request_id = request_id.0,
                    approved_by = %clicker,
                    approvals = row.approvals,
                    approvals_required = row.approvals_required,
                    "approval counted; more needed"
                );
                self.wake.wake();
                Verdict::Counted(row)
            }
            DecideOutcome::AlreadyApproved(row) => {
                metrics::counter!("expire_bot_decisions_refused_total", "why" => "already_approved")
                    .increment(1);
                Verdict::AlreadyApproved(row)
            }
            DecideOutcome::AlreadyDecided(row) => Verdict::AlreadyDecided(row),
            DecideOutcome::TimedOut(row) => Verdict::TimedOut(row),
            DecideOutcome::OwnRequest => Verdict::OwnRequest,
            DecideOutcome::NotFound => Verdict::NotFound,
        })
    }

    /// Withdraws request `id` on behalf of `clicker`, who must be its requester (checked in
    /// the claiming SQL: `requested_by = clicker`). Withdrawing only ever stops a change, so
    /// it asks nothing of the directory: whoever filed a request may take it back.
    pub async fn withdraw(
        &self,
        request_id: RequestId,
        clicker: &SlackUserId,
    ) -> Result<Withdrawal, DbFailure> {
        let now = self.primary.now().await?;
        let outcome = self
            .primary
            .withdraw_request(request_id, clicker, now)
            .await?;
        Ok(match outcome {
            WithdrawOutcome::Withdrawn(row) => {
                metrics::counter!("expire_bot_requests_total", "event" => "cancelled").increment(1);
                tracing::info!(
                    request_id = request_id.0,
                    approvals = row.approvals,
                    "request withdrawn by its requester"
                );
                self.wake.wake();
                Withdrawal::Withdrawn(row)
            }
            WithdrawOutcome::NotYours(_) => {
                metrics::counter!("expire_bot_withdrawals_refused_total", "why" => "not_requester")
                    .increment(1);
                Withdrawal::NotYours
            }
            WithdrawOutcome::AlreadyDecided(row) => Withdrawal::AlreadyDecided(row),
            WithdrawOutcome::TimedOut(row) => Withdrawal::TimedOut(row),
            WithdrawOutcome::NotFound => Withdrawal::NotFound,
        })
    }

    /// Sends every reminder due now by the database's clock (the sweeper's job): each is
    /// claimed once in the database, with its audit record and follow-ups; wakes the
    /// outbox for them.
    pub async fn remind_due(&self) -> Result<Vec<RequestId>, DbFailure> {
        let now = self.primary.now().await?;
        let ids = self.primary.claim_due_reminders(now).await?;
        if !ids.is_empty() {
            metrics::counter!("expire_bot_reminders_total").increment(ids.len() as u64);
            tracing::info!(count = ids.len(), "reminders due; queued");
            self.wake.wake();
        }
        Ok(ids)
    }

    /// Times out every request past its deadline by the database's clock (the TTL
    /// sweeper's job); wakes the outbox for their follow-ups.
    pub async fn time_out_expired(&self) -> Result<Vec<RequestId>, DbFailure> {
        let now = self.primary.now().await?;
        let ids = self.primary.time_out_expired(now).await?;
        if !ids.is_empty() {
            metrics::counter!("expire_bot_requests_total", "event" => "timed_out")
                .increment(ids.len() as u64);
            tracing::info!(count = ids.len(), "requests timed out");
            self.wake.wake();
        }
        Ok(ids)
    }
}
