//! The digest's two buttons: "File request…" on a rider, "File requests for all" on a
//! digest.
//!
//! Like the approval buttons, both are acknowledged with an empty 200 — by the request's
//! deadline at the latest, the work going on after it if it must — and answer the clicker
//! with a message only they see. Only people who may file requests may use them: the
//! service's requester rule, the same as the slash command's.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{Ctx, Reply, not_a_requester, something_went_wrong};
use crate::deadline::Deadline;
use crate::domain::RiderId;
use crate::service::digest::bulk::{self, BulkError};
use crate::slack::payload::{Click, ClickAction};
use crate::slack::{budget, render};
use crate::tr;

/// Handles a click on one of the digest's buttons. The click is answered by `deadline`;
/// the work goes on after it if it must, and the clicker is told what it came to.
pub async fn handle(ctx: &Arc<Ctx>, click: Click, deadline: &Deadline) -> Reply {
    let channel = click
        .channel
        .clone()
        .or_else(|| Some(ctx.approval_channel.clone()));
    let user = click.user.to_string();
    let (ctx2, deadline2) = (ctx.clone(), *deadline);
    match click.action {
        ClickAction::DigestFileOne {
            rider,
            withdrawn_at,
        } => {
            let work =
                async move { file_one(&ctx2, &click, rider, withdrawn_at, &deadline2).await };
            budget::work_then_tell(&ctx.slack, deadline, channel, user, work).await;
        }
        ClickAction::DigestFileAll { slot } => {
            let work = async move { file_all(&ctx2, &click, slot, &deadline2).await };
            budget::work_then_tell(&ctx.slack, deadline, channel, user, work).await;
        }
        ClickAction::Approve(_) | ClickAction::Reject(_) | ClickAction::Withdraw(_) => {}
    }
    Reply::Empty
}

/// Opens the request modal for one rider, the cancellation time set to the withdrawal
/// time (editable: the rider may have cancelled with the insurer on another day). Returns
/// what to tell the clicker, if anything.
async fn file_one(
    ctx: &Ctx,
    click: &Click,
    rider: RiderId,
    withdrawn_at: Option<DateTime<Utc>>,
    deadline: &Deadline,
) -> Option<String> {
    let l = ctx.locale;
    if let Err(why) = ctx.filing.requester(&click.user, deadline).await {
        return Some(not_a_requester(l, &why));
    }
    let view = render::request_modal(l, &rider.to_string(), withdrawn_at, ctx.approval_rules());
    match ctx.slack.open_view(&click.trigger_id, view).await {
        Ok(()) => None,
        Err(e) => Some(tr!(l, "digest-open-form-failed", code = e.code())),
    }
}

/// Files one request per listed policy; returns what to tell the clicker.
async fn file_all(
    ctx: &Ctx,
    click: &Click,
    slot: DateTime<Utc>,
    deadline: &Deadline,
) -> Option<String> {
    let l = ctx.locale;
    let who = match ctx.filing.requester(&click.user, deadline).await {
        Ok(who) => who,
        Err(why) => return Some(not_a_requester(l, &why)),
    };
    // The reason each request carries, in the bot's language (it is shown in the
    // approval messages).
    let reason = render::bulk_reason(l, slot);
    match bulk::file_all(&ctx.filing, &who, slot, &reason).await {
        // Slack re-sent a click that was already served: say nothing twice.
        Ok(r) if click.retry && r.filed == 0 => None,
        Ok(r) => Some(render::bulk_answer(l, &r, &ctx.approval_channel)),
        Err(BulkError::UnknownDigest) => Some(tr!(l, "bulk-error-unknown-digest")),
        Err(BulkError::Db(e)) => {
            tracing::error!(error = crate::telemetry::chain(&e), "bulk filing failed");
            Some(if e.is_unavailable() {
                tr!(l, "bulk-error-db-unavailable")
            } else {
                something_went_wrong(l)
            })
        }
    }
}
