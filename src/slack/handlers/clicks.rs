//! The approval message's buttons. Approve decides at once (or counts one approval of
//! several); Reject opens the reject form (after checking that the clicker may decide, so a
//! refused lead is told at once); Withdraw — also in the requester's DM — takes the request
//! back, for its requester only.
//!
//! Both are acknowledged with an empty 200 by the request's deadline at the latest; the
//! decision goes on after it if it must ([`budget::work_then_tell`]), and the clicker is
//! told privately what it came to. Who may decide is the service's rule, not this module's.

use std::sync::Arc;

use super::{Ctx, Reply, cannot_confirm_approver};
use crate::deadline::Deadline;
use crate::domain::{RequestId, RequestStatus};
use crate::i18n::Locale;
use crate::service::deciding::{DecideError, Decision, Verdict, Withdrawal};
use crate::slack::payload::{Click, ClickAction};
use crate::slack::{budget, render};
use crate::tr;

/// What the reject modal carries from the click to its submission.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct RejectMeta {
    pub request_id: RequestId,
}

/// What the clicker tried, as the catalogue's `$decision` selects on it (a timed-out
/// request "can no longer be approved / rejected").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tried {
    Approve,
    Reject,
}

impl Tried {
    fn as_str(self) -> &'static str {
        match self {
            Tried::Approve => "approve",
            Tried::Reject => "reject",
        }
    }
}

pub async fn handle(ctx: &Arc<Ctx>, click: Click, deadline: &Deadline) -> Reply {
    // No channel: the click came from the App Home tab; the answer goes by DM.
    let channel = click.channel.clone();
    let user = click.user.to_string();
    match click.action {
        ClickAction::Approve(id) => {
            crate::telemetry::record_expiry_request(id.0);
            let work = approve(ctx.clone(), click, id, *deadline);
            budget::work_then_tell(&ctx.slack, deadline, channel, user, work).await;
        }
        ClickAction::Reject(id) => {
            crate::telemetry::record_expiry_request(id.0);
            let work = open_reject_form(ctx.clone(), click, id, *deadline);
            budget::work_then_tell(&ctx.slack, deadline, channel, user, work).await;
        }
        ClickAction::Withdraw(id) => {
            crate::telemetry::record_expiry_request(id.0);
            let work = withdraw(ctx.clone(), click, id);
            budget::work_then_tell(&ctx.slack, deadline, channel, user, work).await;
        }
        // The digest's buttons are the digest handler's.
        ClickAction::DigestFileOne { .. } | ClickAction::DigestFileAll { .. } => {}
    }
    Reply::Empty
}

/// Approves; returns what to tell the clicker, if anything.
async fn approve(ctx: Arc<Ctx>, click: Click, id: RequestId, deadline: Deadline) -> Option<String> {
    let l = ctx.locale;
    let verdict = ctx
        .deciding
        .decide(id, &click.user, &Decision::Approve, &deadline)
        .await;
    match &verdict {
        // The thread reply and the message (rewritten in place) say it to everyone.
        Ok(Verdict::Decided(_) | Verdict::Counted(_)) => None,
        // Slack re-sent a click this user already won: say nothing twice.
        Ok(Verdict::AlreadyDecided(r))
            if click.retry
                && r.decided_by.as_ref() == Some(&click.user)
                && r.status == RequestStatus::Approved =>
        {
            None
        }
        Ok(Verdict::AlreadyApproved(_)) if click.retry => None,
        Ok(v) => refusal_text(l, v, Tried::Approve),
        // Counted and logged where the membership check failed.
        Err(e @ DecideError::Unverifiable(_)) => Some(decide_error_text(l, e)),
        Err(e) => {
            tracing::error!(
                error = crate::telemetry::chain(&e),
                request_id = id.0,
                "approval failed"
            );
            Some(decide_error_text(l, e))
        }
    }
}

/// Opens the reject form if the clicker may decide; returns what to tell them otherwise.
async fn open_reject_form(
    ctx: Arc<Ctx>,
    click: Click,
    id: RequestId,
    deadline: Deadline,
) -> Option<String> {
    let l = ctx.locale;
    match ctx.deciding.may_decide(id, &click.user, &deadline).await {
        Ok(Ok(_)) => {
            let meta = serde_json::to_string(&RejectMeta { request_id: id }).unwrap_or_default();
            match ctx
                .slack
                .open_view(&click.trigger_id, render::reject_modal(l, id, meta))
                .await
            {
                Ok(()) => None,
                Err(e) => Some(tr!(l, "reject-open-form-failed", code = e.code())),
            }
        }
        Ok(Err(v)) => refusal_text(l, &v, Tried::Reject),
        Err(e) => Some(decide_error_text(l, &e)),
    }
}

/// Withdraws the request if the clicker filed it; returns what to tell them otherwise.
async fn withdraw(ctx: Arc<Ctx>, click: Click, id: RequestId) -> Option<String> {
    let l = ctx.locale;
    match ctx.deciding.withdraw(id, &click.user).await {
        // The message, its thread and the requester's DM say it.
        Ok(Withdrawal::Withdrawn(_)) => None,
        // Slack re-sent the click that withdrew it: say nothing twice.
        Ok(Withdrawal::AlreadyDecided(r))
            if click.retry
                && r.status == RequestStatus::Cancelled
                && r.decided_by.as_ref() == Some(&click.user) =>
        {
            None
        }
        Ok(Withdrawal::NotYours) => Some(tr!(
            l,
            "withdraw-refused-not-yours",
            request_id = id.to_string()
        )),
        Ok(Withdrawal::AlreadyDecided(r)) => Some(tr!(
            l,
            "withdraw-refused-already-decided",
            request_id = r.id.to_string(),
            outcome = render::outcome_line(l, &r)
        )),
        Ok(Withdrawal::TimedOut(r)) => Some(tr!(
            l,
            "withdraw-refused-timed-out",
            request_id = r.id.to_string()
        )),
        Ok(Withdrawal::NotFound) => Some(tr!(l, "decide-refused-not-found")),
        Err(e) => {
            tracing::error!(
                error = crate::telemetry::chain(&e),
                request_id = id.0,
                "withdrawal failed"
            );
            Some(if e.is_unavailable() {
                tr!(l, "withdraw-error-db-unavailable")
            } else {
                tr!(l, "withdraw-error-internal")
            })
        }
    }
}

/// What to tell a clicker whose decision did not decide; `tried` is what they tried (a
/// timed-out request can no longer be that).
pub(super) fn refusal_text(l: Locale, v: &Verdict, tried: Tried) -> Option<String> {
    match v {
        Verdict::Decided(_) | Verdict::Counted(_) => None,
        Verdict::AlreadyApproved(r) => Some(tr!(
            l,
            "decide-refused-already-approved",
            request_id = r.id.to_string(),
            approvals = r.approvals,
            required = r.approvals_required
        )),
        Verdict::AlreadyDecided(r) if r.status == RequestStatus::Cancelled => Some(tr!(
            l,
            "decide-refused-withdrawn",
            request_id = r.id.to_string(),
            decision = tried.as_str(),
            outcome = render::outcome_line(l, r)
        )),
        Verdict::NotAnApprover => Some(tr!(l, "decide-refused-not-approver")),
        Verdict::OwnRequest => Some(tr!(l, "decide-refused-own-request")),
        Verdict::AlreadyDecided(r) => Some(tr!(
            l,
            "decide-refused-already-decided",
            request_id = r.id.to_string(),
            outcome = render::outcome_line(l, r)
        )),
        Verdict::TimedOut(r) => Some(tr!(
            l,
            "decide-refused-timed-out",
            request_id = r.id.to_string(),
            decision = tried.as_str()
        )),
        Verdict::NotFound => Some(tr!(l, "decide-refused-not-found")),
    }
}

pub(super) fn decide_error_text(l: Locale, e: &DecideError) -> String {
    match e {
        DecideError::Db(s) if s.is_unavailable() => tr!(l, "decide-error-db-unavailable"),
        DecideError::Unverifiable(why) => cannot_confirm_approver(l, why),
        DecideError::Db(_) => tr!(l, "decide-error-internal"),
    }
}
