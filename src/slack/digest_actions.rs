//! The digest's two buttons: "File request…" on a rider, "File requests for all" on a
//! digest.
//!
//! Like the approval buttons, both are acknowledged with an empty 200 and answer the
//! clicker with a message only they see. Only people who may file requests may use them
//! (`REQUESTER_*`, the same rule as the slash command).

use std::sync::Arc;
use std::time::Duration;

use chrono::DateTime;
use slack_morphism::prelude::*;

use super::Reply;
use super::reports::{self, action};
use super::views;
use crate::app::App;
use crate::digest::bulk::{self, BulkError};

/// `views.open` must finish while the trigger is valid and before Slack's 3 s timeout.
const OPEN_BUDGET: Duration = Duration::from_millis(2500);
/// How long a bulk click waits before Slack is acknowledged anyway; filing goes on and the
/// clicker is told when it is done.
const BULK_BUDGET: Duration = Duration::from_millis(2500);

/// Handles a click on one of the digest's buttons; `None` when the click is not theirs.
pub async fn handle(
    app: &Arc<App>,
    act: &SlackInteractionBlockActionsEvent,
    user: &str,
    channel: &str,
    retry: bool,
) -> Option<Reply> {
    let info = act.actions.as_ref()?.first()?;
    let value = info.value.clone().unwrap_or_default();
    match info.action_id.to_string().as_str() {
        action::DIGEST_FILE_ONE => {
            file_one(app, act.trigger_id.to_string(), user, channel, &value).await;
            Some(Reply::Empty)
        }
        action::DIGEST_FILE_ALL => {
            file_all(app, user, channel, &value, retry).await;
            Some(Reply::Empty)
        }
        _ => None,
    }
}

async fn tell(app: &App, channel: &str, user: &str, text: String) {
    if let Err(e) = app
        .slack
        .post_ephemeral(channel, user, views::text(text))
        .await
    {
        tracing::warn!(error = %e.code(), "could not answer the clicker");
    }
}

/// Whether `user` may file; answers them if not.
async fn may_file(app: &App, channel: &str, user: &str) -> bool {
    match app.requesters.contains(&app.slack, user).await {
        Ok(true) => true,
        Ok(false) => {
            tell(app, channel, user, "You are not on the list of people who may file insurance expiry requests. Ask the CX leads to add you.".to_owned()).await;
            false
        }
        Err(_) => {
            tell(app, channel, user, "I couldn't check whether you may file requests (Slack didn't answer). Try again in a moment.".to_owned()).await;
            false
        }
    }
}

/// Opens the request modal for one rider, the cancellation time set to the withdrawal
/// time (editable: the rider may have cancelled with the insurer on another day).
async fn file_one(app: &Arc<App>, trigger: String, user: &str, channel: &str, value: &str) {
    let Some((rider_id, withdrawn_at)) = reports::parse_file_one_value(value) else {
        return;
    };
    if !may_file(app, channel, user).await {
        return;
    }
    let view = views::request_modal(&rider_id.to_string(), withdrawn_at);
    let problem = match tokio::time::timeout(OPEN_BUDGET, app.slack.open_view(&trigger, view)).await
    {
        Ok(Ok(())) => return,
        Ok(Err(e)) => format!(
            "I couldn't open the request form (Slack said `{}`). Please click again.",
            e.code()
        ),
        Err(_) => "Slack took too long to open the request form. Please click again.".to_owned(),
    };
    tell(app, channel, user, problem).await;
}

async fn file_all(app: &Arc<App>, user: &str, channel: &str, value: &str, retry: bool) {
    let Some(slot) = value
        .parse::<i64>()
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
    else {
        return;
    };
    if !may_file(app, channel, user).await {
        return;
    }
    let app2 = app.clone();
    let user = user.to_owned();
    let channel = channel.to_owned();
    let task = tokio::spawn(async move {
        let text = match bulk::file_all(&app2, slot, &user).await {
            // Slack re-sent a click that was already served: say nothing twice.
            Ok(r) if retry && r.filed == 0 => None,
            Ok(r) => Some(reports::bulk_answer(&r, &app2.config.approval_channel_id)),
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
        };
        if let Some(text) = text {
            tell(&app2, &channel, &user, text).await;
        }
    });
    let _ = tokio::time::timeout(BULK_BUDGET, task).await;
}
