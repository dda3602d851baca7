//! The digest's two buttons: "File request…" on a rider, "File requests for all" on a
//! digest.
//!
//! Like the approval buttons, both are acknowledged with an empty 200 — by the request's
//! deadline at the latest, the work going on after it if it must — and answer the clicker
//! with a message only they see. Only people who may file requests may use them
//! (`REQUESTER_*`, the same rule as the slash command).

use std::sync::Arc;

use chrono::DateTime;
use slack_morphism::prelude::*;

use super::Reply;
use super::reports::{self, action};
use super::views;
use crate::app::App;
use crate::deadline::Deadline;
use crate::digest::bulk::{self, BulkError};

/// Handles a click on one of the digest's buttons; `None` when the click is not theirs.
/// The click is answered by `deadline`; the work goes on after it if it must, and the
/// clicker is told what it came to.
pub async fn handle(
    app: &Arc<App>,
    act: &SlackInteractionBlockActionsEvent,
    user: &str,
    channel: &str,
    retry: bool,
    deadline: &Deadline,
) -> Option<Reply> {
    let info = act.actions.as_ref()?.first()?;
    let value = info.value.clone().unwrap_or_default();
    let (app2, user2, deadline2) = (app.clone(), user.to_owned(), *deadline);
    match info.action_id.to_string().as_str() {
        action::DIGEST_FILE_ONE => {
            let trigger = act.trigger_id.to_string();
            let work = async move { file_one(&app2, &trigger, &user2, &value, &deadline2).await };
            super::work_then_tell(app, deadline, channel.to_owned(), user.to_owned(), work).await;
            Some(Reply::Empty)
        }
        action::DIGEST_FILE_ALL => {
            let work = async move { file_all(&app2, &user2, &value, retry, &deadline2).await };
            super::work_then_tell(app, deadline, channel.to_owned(), user.to_owned(), work).await;
            Some(Reply::Empty)
        }
        _ => None,
    }
}

/// Whether `user` may file; what to tell them if not.
async fn may_file(app: &App, user: &str, deadline: &Deadline) -> Result<(), String> {
    match app.requesters.contains(user, deadline).await {
        Ok(true) => Ok(()),
        Ok(false) => Err("You are not on the list of people who may file insurance expiry requests. Ask the CX leads to add you.".to_owned()),
        Err(why) => Err(super::cannot_confirm(&why, "file requests")),
    }
}

/// Opens the request modal for one rider, the cancellation time set to the withdrawal
/// time (editable: the rider may have cancelled with the insurer on another day). Returns
/// what to tell the clicker, if anything.
async fn file_one(
    app: &App,
    trigger: &str,
    user: &str,
    value: &str,
    deadline: &Deadline,
) -> Option<String> {
    let (rider_id, withdrawn_at) = reports::parse_file_one_value(value)?;
    if let Err(text) = may_file(app, user, deadline).await {
        return Some(text);
    }
    let view = views::request_modal(&rider_id.to_string(), withdrawn_at);
    match app.slack.open_view(trigger, view).await {
        Ok(()) => None,
        Err(e) => Some(format!(
            "I couldn't open the request form (Slack said `{}`). Please click again.",
            e.code()
        )),
    }
}

/// Files one request per listed policy; returns what to tell the clicker.
async fn file_all(
    app: &App,
    user: &str,
    value: &str,
    retry: bool,
    deadline: &Deadline,
) -> Option<String> {
    let slot = value
        .parse::<i64>()
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))?;
    if let Err(text) = may_file(app, user, deadline).await {
        return Some(text);
    }
    match bulk::file_all(app, slot, user).await {
        // Slack re-sent a click that was already served: say nothing twice.
        Ok(r) if retry && r.filed == 0 => None,
        Ok(r) => Some(reports::bulk_answer(&r, &app.config.approval_channel_id)),
        Err(BulkError::UnknownDigest) => Some(
            "I can't see that digest's list yet (the read database may be catching up). Nothing was filed; please click again in a minute.".to_owned(),
        ),
        Err(BulkError::Store(e)) => {
            tracing::error!(error = crate::telemetry::chain(&e), "bulk filing failed");
            Some(if e.is_unavailable() {
                "The database isn't answering, so nothing was filed. Please click again in a minute.".to_owned()
            } else {
                "Something went wrong on our side and nothing was filed. Please try again; if it keeps happening, tell the backend team.".to_owned()
            })
        }
    }
}
