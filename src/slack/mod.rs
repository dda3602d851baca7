//! Everything Slack-shaped: verifying requests, reading payloads, building views, calling
//! the Web API, and Socket Mode.
//!
//! The handlers here translate between Slack's payloads and the business modules
//! ([`crate::lookup`], [`crate::approval`]); they are transport-neutral, so the HTTP routes
//! and the Socket Mode listener share them and behave the same.

pub mod api;
pub mod commands;
pub mod digest_actions;
pub mod interactions;
pub mod reports;
pub mod socket;
pub mod verify;
pub mod views;

use slack_morphism::prelude::*;

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
