//! Everything Slack-shaped: verifying requests, reading payloads, building views, calling
//! the Web API, and Socket Mode.
//!
//! The handlers here translate between Slack's payloads and the business modules
//! ([`crate::lookup`], [`crate::approval`]); they are transport-neutral, so the HTTP routes
//! and the Socket Mode listener share them and behave the same.

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

use slack_morphism::prelude::*;

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
