//! The app's two shortcuts: the global "Expire insurance" (the ⚡ menu) and the message
//! shortcut "Expire insurance from this message" (a message's "More actions"). Both open
//! the request modal that `/expire-insurance` opens, for the same people (the requester
//! rule); the message shortcut prefills its reason with the message.
//!
//! Slack's `trigger_id` is good for three seconds, so everything happens before the
//! answer and within the request's [`Deadline`]: the requester rule, then (message
//! shortcut only) the message's permalink and the riders its text mentions, each within
//! [`PREFILL_BUDGET`] and at once, so `views.open` always keeps [`OPEN_RESERVE`] of the
//! deadline. A permalink Slack does not give in time is left out (logged with a fixed
//! label); riders not read in time leave the text scrubbed of what needs no lookup.
//!
//! A shortcut has no channel to answer in, and Slack ignores the body of its
//! acknowledgement: a refusal (not a requester, a membership that cannot be confirmed,
//! another workspace) is a small modal opened with the same `trigger_id`, with the
//! catalogue's refusal and nothing to submit ([`render::notice_modal`]). A modal Slack
//! does not open in time is logged only: there is nowhere to tell the person, and the
//! shortcut can simply be used again.
//!
//! The message's text is personal data until scrubbed: it is never logged (the input's
//! `Debug` shows its length only), and only its scrubbed form reaches Slack.

use std::sync::Arc;
use std::time::Duration;

use super::{Ctx, Reply, foreign, not_a_requester};
use crate::deadline::{self, Deadline, Finished};
use crate::mask;
use crate::slack::payload::{Shortcut, ShortcutKind, SourceMessage};
use crate::slack::render;

/// What the permalink and the riders' read may take, at most (they run at once).
pub const PREFILL_BUDGET: Duration = Duration::from_millis(800);

/// What the prefill leaves of the deadline for `views.open` (a healthy Slack opens a view
/// in a few hundred milliseconds).
pub const OPEN_RESERVE: Duration = Duration::from_millis(1200);

pub async fn handle(ctx: &Arc<Ctx>, shortcut: Shortcut, deadline: &Deadline) -> Reply {
    let l = ctx.locale;
    if let Err(why) = ctx.filing.requester(&shortcut.user, deadline).await {
        let text = not_a_requester(l, &why);
        refuse(ctx, &shortcut.trigger_id, &text, deadline).await;
        return Reply::Empty;
    }
    let reason = match &shortcut.kind {
        ShortcutKind::Global => String::new(),
        ShortcutKind::Message(message) => prefill(ctx, message, deadline).await,
    };
    let view = render::request_modal_with_reason(l, "", None, &reason, ctx.approval_rules());
    let opening = {
        let (slack, trigger) = (ctx.slack.clone(), shortcut.trigger_id.clone());
        async move { slack.open_view(&trigger, view).await }
    };
    let late = |opened: Result<(), crate::slack::api::SlackCallError>| async move {
        if let Err(e) = opened {
            tracing::warn!(error = %e.code(), "could not open the request modal for a shortcut (after the answer)");
        }
    };
    match deadline::finish_or_hand_over(deadline, opening, late).await {
        Finished::InTime(Ok(())) | Finished::HandedOver => {}
        Finished::InTime(Err(e)) => {
            tracing::warn!(error = %e.code(), "could not open the request modal for a shortcut");
        }
        Finished::Crashed => tracing::error!("opening the request modal for a shortcut crashed"),
    }
    Reply::Empty
}

/// A shortcut from another workspace or app (see [`super::serve`]): told so in a notice,
/// nothing else done.
pub async fn refuse_foreign(ctx: &Arc<Ctx>, shortcut: &Shortcut, deadline: &Deadline) -> Reply {
    refuse(ctx, &shortcut.trigger_id, &foreign(ctx.locale), deadline).await;
    Reply::Empty
}

/// Opens the refusal notice within the deadline; a failure is logged only.
async fn refuse(ctx: &Ctx, trigger_id: &str, text: &str, deadline: &Deadline) {
    let view = render::notice_modal(ctx.locale, text);
    match deadline.run(ctx.slack.open_view(trigger_id, view)).await {
        Some(Ok(())) => {}
        Some(Err(e)) => {
            tracing::warn!(error = %e.code(), "could not open a shortcut's refusal notice");
        }
        None => tracing::warn!("a shortcut's refusal notice was not opened in time"),
    }
}

/// The message shortcut's reason: the message's text scrubbed as a filed reason is (with
/// the riders its phones name, read on the replica), then its permalink.
async fn prefill(ctx: &Ctx, message: &SourceMessage, deadline: &Deadline) -> String {
    let budget = deadline.leaving(OPEN_RESERVE).min(PREFILL_BUDGET);
    let link = async {
        let (Some(channel), Some(ts)) = (&message.channel, &message.ts) else {
            return None;
        };
        match tokio::time::timeout(budget, ctx.slack.permalink(channel, ts)).await {
            Ok(Ok(link)) => Some(link),
            Ok(Err(e)) => {
                tracing::warn!(error = %e.code(), "no permalink for the message shortcut's message; prefilled without it");
                None
            }
            Err(_) => {
                tracing::warn!(
                    "the message shortcut's permalink was not given in time; prefilled without it"
                );
                None
            }
        }
    };
    let known = ctx.filing.lookup().riders_mentioned(&message.text, budget);
    let (link, known) = tokio::join!(link, known);
    render::reason_prefill(&message.text, link.as_deref(), |t| mask::scrub(t, &known))
}
