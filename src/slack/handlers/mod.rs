//! The handlers: a typed input in, the services called, a reply out.
//!
//! They hold no rules (those are in [`crate::service`]) and no Slack JSON (that is read in
//! [`super::payload`] and written in [`super::render`]): each one maps an [`Input`] to the
//! service that owns it and the service's answer to what Slack shows — an HTTP body (a
//! `response_action`, an ephemeral text) or a message after the answer. [`serve`] is the one
//! path every request takes, whichever transport brought it: its log span, its handling
//! within its [`Deadline`], its metrics and its access-log line.
//!
//! - [`commands`]: `/expire-insurance` (the modal, `help`, `history`).
//! - [`submissions`]: the request form, the choice step, the reject form.
//! - [`clicks`]: Approve and Reject.
//! - [`digest`]: the digest's two buttons.

pub mod clicks;
pub mod commands;
pub mod digest;
pub mod submissions;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono_tz::Tz;
use slack_morphism::prelude::SlackViewSubmissionResponse;
use tracing::Instrument;

use super::api::SlackApi;
use super::payload::{Inbound, Input};
use crate::deadline::Deadline;
use crate::service::deciding::Deciding;
use crate::service::filing::Filing;
use crate::service::forms::Forms;
use crate::service::history::HistoryReader;
use crate::service::{NotAllowed, Unverifiable};

/// What the handlers use: the Web API, the services, and the three settings they show.
#[derive(Debug)]
pub struct Ctx {
    pub slack: SlackApi,
    pub filing: Filing,
    pub deciding: Deciding,
    pub history: HistoryReader,
    pub forms: Forms,
    /// Where approval requests are posted (named in answers).
    pub approval_channel: String,
    /// The time zone people read times in.
    pub display_tz: Tz,
    /// Replication lag from which an agent is warned with their lookup.
    pub replica_lag_warn: Duration,
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

    /// A fixed label for the access log.
    fn label(&self) -> &'static str {
        match self {
            Reply::Empty => "empty",
            Reply::Ephemeral(_) => "ephemeral",
            Reply::View(_) => "view",
        }
    }
}

/// Which transport brought a request (the `transport` label and span field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Http,
    Socket,
}

impl Transport {
    fn as_str(self) -> &'static str {
        match self {
            Transport::Http => "http",
            Transport::Socket => "socket",
        }
    }
}

/// The one path of a Slack request, for both transports: the `slack_request` span, the
/// handler within the request's [`Deadline`] (counted from `arrived`), and, once answered,
/// the request counter, the latency histogram and one access-log line.
pub async fn serve(
    ctx: &Arc<Ctx>,
    inbound: Inbound,
    transport: Transport,
    request_id: &str,
    arrived: Instant,
) -> Reply {
    let Inbound { identity, input } = inbound;
    let span = crate::telemetry::slack_request_span(
        identity.kind,
        transport.as_str(),
        &identity.team,
        &identity.user,
        request_id,
    );
    let kind = identity.kind;
    let admitted = ctx.filing.access().admits(&identity.origin);
    async move {
        let reply = match admitted {
            Ok(()) => handle(ctx, input, Deadline::for_request(arrived)).await,
            // Nothing of the request is acted on; a command is told why (a modal submission
            // or a click is only acknowledged: its form closes, nothing changes).
            Err(_) => match input {
                Input::Command(_) => Reply::ephemeral(FOREIGN),
                _ => Reply::Empty,
            },
        };
        let elapsed = arrived.elapsed();
        metrics::counter!("expire_bot_slack_requests_total", "kind" => kind, "transport" => transport.as_str(), "outcome" => "ok").increment(1);
        metrics::histogram!("expire_bot_slack_request_seconds", "kind" => kind)
            .record(elapsed.as_secs_f64());
        // One line per answered request, inside its span: the access log.
        tracing::info!(
            elapsed_ms = elapsed.as_millis() as u64,
            reply = reply.label(),
            "Slack request answered"
        );
        reply
    }
    .instrument(span)
    .await
}

/// Dispatches one input, answering by `deadline`.
pub async fn handle(ctx: &Arc<Ctx>, input: Input, deadline: Deadline) -> Reply {
    match input {
        Input::Command(cmd) => commands::handle(ctx, cmd, &deadline).await,
        Input::Submission(sub) => submissions::handle(ctx, sub, &deadline).await,
        Input::Click(click) => match click.action {
            super::payload::ClickAction::DigestFileOne { .. }
            | super::payload::ClickAction::DigestFileAll { .. } => {
                digest::handle(ctx, click, &deadline).await
            }
            _ => clicks::handle(ctx, click, &deadline).await,
        },
        Input::Ignored => Reply::Empty,
    }
}

/// The command's and the digest buttons' refusal of someone who may not file.
pub(crate) const NOT_A_REQUESTER: &str = "You are not on the list of people who may file insurance expiry requests. Ask the CX leads to add you.";

/// What to say when someone may not file (`surface_text` for "not on the list").
pub(crate) fn not_allowed(why: &NotAllowed, not_listed: &str) -> String {
    match why {
        NotAllowed::NotListed => not_listed.to_owned(),
        NotAllowed::Unverifiable(u) => cannot_confirm(u, "file requests"),
        NotAllowed::NotAMember(_) => NOT_A_MEMBER.to_owned(),
    }
}

/// The refusal of a guest, a deactivated account or someone of another workspace, on every
/// surface that looks riders up.
pub(crate) const NOT_A_MEMBER: &str = "Only full members of this workspace may look riders up or file expiry requests; guests and people of other workspaces may not.";

/// The answer to a request from another workspace or app (or before the bot knows its own).
pub(crate) const FOREIGN: &str = "This bot only serves its own Slack workspace. Nothing was done.";

/// A person's lookups ran out for now.
pub(crate) fn lookup_limit_reached(limit: &crate::service::access::LookupLimit) -> String {
    format!(
        "You have run {} rider lookups within {}, as many as one person may. Nothing was looked up; please try again later, or ask a CX lead if you need more.",
        limit.max,
        humanize(limit.per)
    )
}

/// `3600 s` → `1 hour`, `600 s` → `10 minutes`.
fn humanize(d: Duration) -> String {
    let s = d.as_secs();
    let (n, unit) = if s.is_multiple_of(86_400) {
        (s / 86_400, "day")
    } else if s.is_multiple_of(3600) {
        (s / 3600, "hour")
    } else if s.is_multiple_of(60) {
        (s / 60, "minute")
    } else {
        (s, "second")
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// What to say when membership of `REQUESTER_*` / `APPROVER_*` could not be confirmed
/// (see [`super::audience`]); `may` is what the person tried, e.g. "file requests".
pub(crate) fn cannot_confirm(why: &Unverifiable, may: &str) -> String {
    match why {
        Unverifiable::GroupUnreadable(code) => format!(
            "I can't confirm that you may {may}: Slack refuses to list the user group that says who may (Slack said `{code}`). Nothing was changed. The bot's operators are alerted; please try again later."
        ),
        Unverifiable::ProfileUnreadable(code) => format!(
            "I can't confirm that you may {may}: Slack refuses to show your profile (Slack said `{code}`). Nothing was changed. The bot's operators are alerted; please try again later."
        ),
        Unverifiable::ListTooOld | Unverifiable::NotReadYet => format!(
            "I couldn't check whether you may {may}: Slack hasn't answered my questions about the user group lately. Nothing was changed; please try again in a few minutes."
        ),
    }
}

/// The sentence for a failure on our side.
pub(crate) fn something_went_wrong() -> &'static str {
    "Something went wrong on our side and nothing was filed. Please try again; if it keeps happening, tell the backend team."
}
