//! The four-eyes rule and the decisions: who may decide, filing a request, and approving
//! or rejecting it on the primary. (Who belongs to the approvers and the requesters is
//! [`crate::audience`]'s: listed IDs and user groups' member lists read in the background.)
//!
//! Authorization is checked here, on the server, for every click: the buttons are visible
//! to the whole channel, so the message itself grants nothing. The requester is refused
//! twice over — here with a clear answer, and in the claiming SQL itself — so no code
//! path can approve its own request. The transaction and its exactly-once guarantee live
//! in [`crate::store`]; this module decides what to ask of it and what it means.

use std::time::Duration;

use chrono::{DateTime, Utc};

pub use crate::audience::{Audience, Unverifiable};
use crate::deadline::Deadline;
use crate::domain::Reason;
use crate::lookup::Candidate;
use crate::store::{self, DecideOutcome, FileOutcome, NewRequest, RequestRow, Store, StoreError};

/// What is needed to file one request.
#[derive(Debug, Clone)]
pub struct Filing {
    pub requester: String,
    pub candidate: Candidate,
    pub cancelled_at: DateTime<Utc>,
    pub reason: Reason,
    pub now: DateTime<Utc>,
    pub ttl: Duration,
}

/// Files a request on the primary (row, audit record, and the Slack post it owes).
pub async fn file(store: &Store, f: &Filing) -> Result<FileOutcome, StoreError> {
    let c = &f.candidate;
    let ttl = chrono::Duration::from_std(f.ttl).unwrap_or(chrono::Duration::hours(24));
    let outcome = store::file_request(
        &store.primary,
        &NewRequest {
            policy_id: c.policy_id,
            requested_by: f.requester.clone(),
            rider_id: c.rider_id,
            rider_name_masked: c.rider_name_masked.clone(),
            rider_phone_masked: c.rider_phone_masked.clone(),
            rider_status: c.rider_status.clone(),
            policy_number_masked: c.policy_number_masked.clone(),
            insurer: c.insurer.clone(),
            cancelled_at: f.cancelled_at,
            reason: f.reason.as_str().to_owned(),
            requested_at: f.now,
            expires_at: f.now + ttl,
            policy_status: c.policy_status.clone(),
            valid_until: c.valid_until,
        },
    )
    .await?;
    // On the Slack request's span (filing runs in a task that keeps it).
    match outcome {
        FileOutcome::Filed(id) | FileOutcome::AlreadyPending(id) => {
            crate::telemetry::record_expiry_request(id)
        }
    }
    if let FileOutcome::Filed(id) = outcome {
        metrics::counter!("expire_bot_requests_total", "event" => "filed").increment(1);
        tracing::info!(
            request_id = id,
            policy_id = c.policy_id,
            "expiry request filed"
        );
    }
    Ok(outcome)
}

/// What a click on Approve or a submitted rejection came to.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// This click decided the request; Slack follow-ups are queued.
    Decided(RequestRow),
    /// The clicker may not decide requests.
    NotAnApprover,
    /// The clicker filed this request.
    OwnRequest,
    AlreadyDecided(RequestRow),
    TimedOut(RequestRow),
    NotFound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

/// Whether `clicker` may decide request `id`, without changing anything. Used before
/// opening the reject modal, so a refused lead is told at once. The approvers are checked
/// against their last known member list (never a Slack call on this path; see
/// [`crate::audience`]).
pub async fn may_decide(
    deps: Deps<'_>,
    request_id: i64,
    clicker: &str,
) -> Result<Result<RequestRow, Verdict>, DecideError> {
    let Deps {
        store,
        approvers,
        deadline,
    } = deps;
    let Some(row) = store::get_request(&store.primary, request_id).await? else {
        return Ok(Err(Verdict::NotFound));
    };
    if row.status != store::status::PENDING {
        return Ok(Err(if row.status == store::status::TIMED_OUT {
            Verdict::TimedOut(row)
        } else {
            Verdict::AlreadyDecided(row)
        }));
    }
    if row.requested_by == clicker {
        return Ok(Err(Verdict::OwnRequest));
    }
    if !approvers.contains(clicker, &deadline).await? {
        return Ok(Err(Verdict::NotAnApprover));
    }
    Ok(Ok(row))
}

#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The approvers' user group could not be read well enough to confirm the clicker.
    #[error("could not confirm the clicker is an approver")]
    Unverifiable(#[from] Unverifiable),
}

/// What deciding needs: the primary, who approves, and the deadline of the Slack request
/// the decision answers (it bounds only the wait for the approvers' first member list; a
/// decision once started runs to its end).
#[derive(Debug, Clone, Copy)]
pub struct Deps<'a> {
    pub store: &'a Store,
    pub approvers: &'a Audience,
    pub deadline: Deadline,
}

/// Approves or rejects request `id` on behalf of `clicker`.
pub async fn decide(
    deps: Deps<'_>,
    request_id: i64,
    clicker: &str,
    decision: Decision,
    reject_reason: Option<&Reason>,
    now: DateTime<Utc>,
) -> Result<Verdict, DecideError> {
    let store = deps.store;
    if let Err(refusal) = may_decide(deps, request_id, clicker).await? {
        if matches!(refusal, Verdict::OwnRequest | Verdict::NotAnApprover) {
            metrics::counter!("expire_bot_decisions_refused_total", "why" => if matches!(refusal, Verdict::OwnRequest) { "own_request" } else { "not_approver" }).increment(1);
        }
        return Ok(refusal);
    }
    let outcome = match decision {
        Decision::Approve => {
            store::approve_request(&store.primary, request_id, clicker, now).await?
        }
        Decision::Reject => {
            let reason = reject_reason.map(Reason::as_str).unwrap_or("");
            store::reject_request(&store.primary, request_id, clicker, reason, now).await?
        }
    };
    Ok(match outcome {
        DecideOutcome::Decided(row) => {
            let event = match decision {
                Decision::Approve => "approved",
                Decision::Reject => "rejected",
            };
            metrics::counter!("expire_bot_requests_total", "event" => event).increment(1);
            tracing::info!(
                request_id,
                decided_by = clicker,
                outcome = row.outcome.as_deref().unwrap_or(event),
                "request decided"
            );
            Verdict::Decided(row)
        }
        DecideOutcome::AlreadyDecided(row) => Verdict::AlreadyDecided(row),
        DecideOutcome::Expired(row) => Verdict::TimedOut(row),
        DecideOutcome::OwnRequest => Verdict::OwnRequest,
        DecideOutcome::NotFound => Verdict::NotFound,
    })
}
