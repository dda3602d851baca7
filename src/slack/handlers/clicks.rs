//! The approval message's two buttons. Approve decides at once; Reject opens the reject
//! form (after checking that the clicker may decide, so a refused lead is told at once).
//!
//! Both are acknowledged with an empty 200 by the request's deadline at the latest; the
//! decision goes on after it if it must ([`budget::work_then_tell`]), and the clicker is
//! told privately what it came to. Who may decide is the service's rule, not this module's.

use std::sync::Arc;

use super::{Ctx, Reply, cannot_confirm};
use crate::deadline::Deadline;
use crate::domain::{RequestId, RequestStatus};
use crate::service::deciding::{DecideError, Decision, Verdict};
use crate::slack::payload::{Click, ClickAction};
use crate::slack::{budget, render};

/// What the reject modal carries from the click to its submission.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct RejectMeta {
    pub request_id: RequestId,
}

/// The verbs a timed-out request "can no longer be".
pub(super) const APPROVED: &str = "approved";
pub(super) const REJECTED: &str = "rejected";

pub async fn handle(ctx: &Arc<Ctx>, click: Click, deadline: &Deadline) -> Reply {
    let channel = click
        .channel
        .clone()
        .unwrap_or_else(|| ctx.approval_channel.clone());
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
        // The digest's buttons are the digest handler's.
        ClickAction::DigestFileOne { .. } | ClickAction::DigestFileAll { .. } => {}
    }
    Reply::Empty
}

/// Approves; returns what to tell the clicker, if anything.
async fn approve(ctx: Arc<Ctx>, click: Click, id: RequestId, deadline: Deadline) -> Option<String> {
    let verdict = ctx
        .deciding
        .decide(id, &click.user, &Decision::Approve, &deadline)
        .await;
    match &verdict {
        Ok(Verdict::Decided(_)) => None,
        // Slack re-sent a click this user already won: say nothing twice.
        Ok(Verdict::AlreadyDecided(r))
            if click.retry
                && r.decided_by.as_ref() == Some(&click.user)
                && r.status == RequestStatus::Approved =>
        {
            None
        }
        Ok(v) => refusal_text(v, &ctx, APPROVED),
        // Counted and logged where the membership check failed.
        Err(e @ DecideError::Unverifiable(_)) => Some(decide_error_text(e)),
        Err(e) => {
            tracing::error!(
                error = crate::telemetry::chain(&e),
                request_id = id.0,
                "approval failed"
            );
            Some(decide_error_text(e))
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
    match ctx.deciding.may_decide(id, &click.user, &deadline).await {
        Ok(Ok(_)) => {
            let meta = serde_json::to_string(&RejectMeta { request_id: id }).unwrap_or_default();
            match ctx
                .slack
                .open_view(&click.trigger_id, render::reject_modal(id, meta))
                .await
            {
                Ok(()) => None,
                Err(e) => Some(format!(
                    "I couldn't open the reject form (Slack said `{}`). Please click Reject again.",
                    e.code()
                )),
            }
        }
        Ok(Err(v)) => refusal_text(&v, &ctx, REJECTED),
        Err(e) => Some(decide_error_text(&e)),
    }
}

/// What to tell a clicker whose decision did not decide; `verb` is what a timed-out
/// request can no longer be.
pub(super) fn refusal_text(v: &Verdict, ctx: &Ctx, verb: &str) -> Option<String> {
    let tz = ctx.display_tz;
    match v {
        Verdict::Decided(_) => None,
        Verdict::NotAnApprover => Some(
            "Only the approvers configured for expire-bot can decide these requests. Nothing was changed.".to_owned(),
        ),
        Verdict::OwnRequest => Some(
            "You filed this request, so another lead has to decide it (four-eyes rule). Nothing was changed.".to_owned(),
        ),
        Verdict::AlreadyDecided(r) => Some(format!(
            "Request #{} was already decided: {}",
            r.id,
            render::outcome_line(r, tz)
        )),
        Verdict::TimedOut(r) => Some(format!(
            "Request #{} timed out before anyone decided it, so it can no longer be {verb}. File a new request if the policy still needs expiring.",
            r.id,
        )),
        Verdict::NotFound => Some("That request no longer exists.".to_owned()),
    }
}

pub(super) fn decide_error_text(e: &DecideError) -> String {
    match e {
        DecideError::Db(s) if s.is_unavailable() => "Your decision did not go through: the database isn't answering. The request is still pending; please try again in a minute.".to_owned(),
        DecideError::Unverifiable(why) => format!(
            "Your decision did not go through. {} The request is still pending.",
            cannot_confirm(why, "decide these requests")
        ),
        DecideError::Db(_) => "Your decision did not go through because of an error on our side. The request is still pending; please try again, and tell the backend team if it persists.".to_owned(),
    }
}
