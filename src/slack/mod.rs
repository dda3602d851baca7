//! Everything Slack-shaped: verifying requests, reading payloads, building views, calling
//! the Web API, and Socket Mode.
//!
//! The handlers here translate between Slack's payloads and the business modules
//! ([`crate::lookup`], [`crate::approval`]); they are transport-neutral, so the HTTP routes
//! and the Socket Mode listener share them and behave the same. Each handler gets the
//! [`Deadline`] its transport created when the request arrived, and answers by it.

pub mod api;
pub mod choice_state;
pub mod commands;
pub mod digest_actions;
pub mod fixtures;
pub mod interactions;
pub mod limits;
pub mod reports;
pub mod socket;
pub mod verify;
pub mod views;

use std::future::Future;
use std::sync::Arc;

use slack_morphism::prelude::*;

use crate::app::App;
use crate::audience::Unverifiable;
use crate::deadline::{self, Deadline, Finished};

/// Tells `user` privately (an ephemeral message in `channel`) what became of something
/// after Slack was answered. A failure is logged only: there is no one left to answer.
pub(crate) async fn tell(app: &App, channel: &str, user: &str, text: String) {
    if let Err(e) = app
        .slack
        .post_ephemeral(channel, user, views::text(text))
        .await
    {
        tracing::warn!(error = %e.code(), "could not tell the user privately");
    }
}

/// Tells `user` by direct message (`chat.postMessage` to their user ID, as the outbox
/// does for the requester's notices).
pub(crate) async fn direct_message(app: &App, user: &str, text: String) {
    if let Err(e) = app.slack.post_message(user, views::text(text), None).await {
        tracing::warn!(error = %e.code(), "could not send the user a direct message");
    }
}

/// What to say when membership of `REQUESTER_*` / `APPROVER_*` could not be confirmed
/// (see [`crate::audience`]); `may` is what the person tried, e.g. "file requests".
pub(crate) fn cannot_confirm(why: &Unverifiable, may: &str) -> String {
    match why {
        Unverifiable::GroupUnreadable(code) => format!(
            "I can't confirm that you may {may}: Slack refuses to list the user group that says who may (Slack said `{code}`). Nothing was changed. The bot's operators are alerted; please try again later."
        ),
        Unverifiable::ListTooOld | Unverifiable::NotReadYet => format!(
            "I couldn't check whether you may {may}: Slack hasn't answered my questions about the user group lately. Nothing was changed; please try again in a few minutes."
        ),
    }
}

/// Runs a click's `work` within the request's `deadline` and tells the clicker privately
/// what it came to (`Some(text)`), whether the work fitted before the answer or finished
/// after it. Returns when the answer may go: the work and the telling are done, or the
/// deadline has come (they then go on, and the telling comes after the answer).
pub(crate) async fn work_then_tell<W>(
    app: &Arc<App>,
    deadline: &Deadline,
    channel: String,
    user: String,
    work: W,
) where
    W: Future<Output = Option<String>> + Send + 'static,
{
    let app = app.clone();
    let telling = move |text: Option<String>| async move {
        if let Some(text) = text {
            tell(&app, &channel, &user, text).await;
        }
    };
    if let Finished::InTime(text) =
        deadline::finish_or_hand_over(deadline, work, telling.clone()).await
    {
        // Told before the answer when Slack is quick; never waited for past the deadline.
        let told = crate::telemetry::spawn(telling(text));
        let _ = deadline.run(told).await;
    }
}

/// A signed body that is not a payload the bot can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed Slack payload: {0}")]
pub struct Malformed(pub &'static str);

/// Parses a slash command's form body.
pub fn parse_command(body: &[u8]) -> Result<SlackCommandEvent, Malformed> {
    serde_urlencoded::from_bytes(body).map_err(|_| Malformed("slash command form"))
}

#[derive(serde::Deserialize)]
struct InteractionForm {
    payload: String,
}

/// Parses an interaction's form body (`payload=` JSON).
pub fn parse_interaction(body: &[u8]) -> Result<SlackInteractionEvent, Malformed> {
    let form: InteractionForm =
        serde_urlencoded::from_bytes(body).map_err(|_| Malformed("interaction form"))?;
    serde_json::from_str(&form.payload).map_err(|_| Malformed("interaction payload"))
}

/// What Slack gets back for a command or an interaction: the HTTP body, or the payload of
/// a Socket Mode acknowledgement.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Plain acknowledgement (HTTP 200 with an empty body).
    Empty,
    /// A message only the user sees (slash commands).
    Ephemeral(String),
    /// A `response_action` for a view submission.
    View(Box<SlackViewSubmissionResponse>),
}

impl Reply {
    pub fn ephemeral(text: impl Into<String>) -> Reply {
        Reply::Ephemeral(text.into())
    }

    pub fn view(r: SlackViewSubmissionResponse) -> Reply {
        Reply::View(Box::new(r))
    }

    /// The JSON body, if any.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        match self {
            Reply::Empty => None,
            Reply::Ephemeral(text) => Some(serde_json::json!({
                "response_type": "ephemeral",
                "text": text,
            })),
            Reply::View(v) => serde_json::to_value(v).ok(),
        }
    }
}

/// An interaction's kind (a fixed label), team ID and user ID, for its log span and metrics.
pub fn interaction_identity(event: &SlackInteractionEvent) -> (&'static str, String, String) {
    match event {
        SlackInteractionEvent::ViewSubmission(e) => (
            "view_submission",
            e.team.id.to_string(),
            e.user.id.to_string(),
        ),
        SlackInteractionEvent::BlockActions(e) => (
            "block_actions",
            e.team.id.to_string(),
            e.user
                .as_ref()
                .map(|u| u.id.to_string())
                .unwrap_or_default(),
        ),
        _ => ("other_interaction", String::new(), String::new()),
    }
}
