//! The handlers: a typed input in, the services called, a reply out.
//!
//! They hold no rules (those are in [`crate::service`]) and no Slack JSON (that is read in
//! [`super::payload`] and written in [`super::render`]): each one maps an [`Input`] to the
//! service that owns it and the service's answer to what Slack shows — an HTTP body (a
//! `response_action`, an ephemeral text) or a message after the answer. [`serve`] is the one
//! path every request takes, whichever transport brought it: its log span, its handling
//! within its [`Deadline`], its metrics and its access-log line.
//!
//! Every word they answer with is the catalogue's: each maps the service's outcome (a
//! refusal, an error variant, a deadline missed) to a message id and formats it with the
//! handlers' [`Locale`], the configured `UI_LANGUAGE` and `DISPLAY_TZ`. The domain and the
//! services hold no user-visible sentence.
//!
//! - [`commands`]: `/expire-insurance` (the modal, `help`, `history`).
//! - [`submissions`]: the request form, the choice step, the reject form.
//! - [`clicks`]: Approve and Reject.
//! - [`digest`]: the digest's two buttons.
//! - [`events`]: Events API deliveries (taken once across instances; the Home tab).
//! - [`shortcuts`]: the global and the message shortcut (the request modal; a refusal is a
//!   notice modal, as a shortcut has no channel to answer in).

pub mod clicks;
pub mod commands;
pub mod digest;
pub mod events;
pub mod shortcuts;
pub mod submissions;

use std::sync::Arc;
use std::time::{Duration, Instant};

use slack_morphism::prelude::SlackViewSubmissionResponse;
use tracing::Instrument;

use super::api::SlackApi;
use super::home::HomePublisher;
use super::payload::{Inbound, Input};
use crate::deadline::Deadline;
use crate::domain::{QueryError, ReasonError};
use crate::i18n::Locale;
use crate::service::deciding::Deciding;
use crate::service::events::Events;
use crate::service::filing::Filing;
use crate::service::forms::Forms;
use crate::service::history::HistoryReader;
use crate::service::{NotAllowed, Unverifiable};
use crate::tr;

/// What the handlers use: the Web API, the services, and the settings they show.
#[derive(Debug)]
pub struct Ctx {
    pub slack: SlackApi,
    pub filing: Filing,
    pub deciding: Deciding,
    pub history: HistoryReader,
    pub forms: Forms,
    /// The Events API deliveries already taken.
    pub events: Events,
    /// The App Home tab: its reads, and publishing it.
    pub home: HomePublisher,
    /// Where approval requests are posted (named in answers).
    pub approval_channel: String,
    /// The language people read (`UI_LANGUAGE`) and the time zone they read times in
    /// (`DISPLAY_TZ`).
    pub locale: Locale,
    /// Replication lag from which an agent is warned with their lookup.
    pub replica_lag_warn: Duration,
    /// The command's request modal, serialised once (see [`Ctx::request_modal_json`]).
    pub request_modal: super::render::RequestModalJson,
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
            // Nothing of the request is acted on; a command is told why, and so is a
            // shortcut, in a notice (a modal submission or a click is only acknowledged: its
            // form closes, nothing changes).
            Err(_) => match input {
                Input::Command(_) => Reply::ephemeral(foreign(ctx.locale)),
                Input::Shortcut(s) => {
                    Box::pin(shortcuts::refuse_foreign(
                        ctx,
                        &s,
                        &Deadline::for_request(arrived),
                    ))
                    .await
                }
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
///
/// Every path but the command's is boxed: a future is as large as the largest one it may
/// await, and the request's future is moved (copied whole) a few times on its way through
/// hyper and axum, so inline the filing and deciding paths made every command copy tens
/// of kilobytes (issue 17's profile). The command, the hot path, stays inline.
pub async fn handle(ctx: &Arc<Ctx>, input: Input, deadline: Deadline) -> Reply {
    match input {
        Input::Command(cmd) => commands::handle(ctx, cmd, &deadline).await,
        Input::Submission(sub) => Box::pin(submissions::handle(ctx, sub, &deadline)).await,
        Input::Click(click) => match click.action {
            super::payload::ClickAction::DigestFileOne { .. }
            | super::payload::ClickAction::DigestFileAll { .. } => {
                Box::pin(digest::handle(ctx, click, &deadline)).await
            }
            _ => Box::pin(clicks::handle(ctx, click, &deadline)).await,
        },
        Input::Event(event) => Box::pin(events::handle(ctx, event, &deadline)).await,
        Input::Shortcut(shortcut) => Box::pin(shortcuts::handle(ctx, shortcut, &deadline)).await,
        Input::Ignored => Reply::Empty,
    }
}

impl Ctx {
    /// What the modals say about approvals, from the filing service's rules.
    pub(crate) fn approval_rules(&self) -> super::render::ApprovalRules {
        approval_rules(self.filing.workflow())
    }

    /// The request modal `/expire-insurance` opens, for `locale` and `filing`'s rules,
    /// serialised once: what [`Ctx::request_modal`] holds.
    pub fn request_modal_json(
        locale: Locale,
        filing: &Filing,
    ) -> anyhow::Result<super::render::RequestModalJson> {
        super::render::RequestModalJson::new(locale, approval_rules(filing.workflow()))
            .ok_or_else(|| anyhow::anyhow!("the request modal did not serialise"))
    }
}

fn approval_rules(w: &crate::service::workflow::Workflow) -> super::render::ApprovalRules {
    super::render::ApprovalRules {
        approvals_required: w.approvals_required,
        second_approval_backdate: w.second_approval_backdate,
    }
}

/// What to say when someone may not file; `not_listed` is the surface's own words for "not
/// on the list" (the command's and digest buttons' `access-not-a-requester`, the request
/// form's shorter `request-error-not-a-requester`).
pub(crate) fn not_allowed(l: Locale, why: &NotAllowed, not_listed: &str) -> String {
    match why {
        NotAllowed::NotListed => not_listed.to_owned(),
        NotAllowed::Unverifiable(Unverifiable::GroupUnreadable(code)) => {
            tr!(l, "access-group-unreadable", code = code.as_str())
        }
        NotAllowed::Unverifiable(Unverifiable::ListTooOld | Unverifiable::NotReadYet) => {
            tr!(l, "access-group-stale")
        }
        NotAllowed::Unverifiable(Unverifiable::ProfileUnreadable(code)) => {
            tr!(l, "access-profile-unreadable", code = code.as_str())
        }
        NotAllowed::NotAMember(_) => tr!(l, "access-not-a-member"),
    }
}

/// The answer to a request from another workspace or app (or before the bot knows its own).
pub(crate) fn foreign(l: Locale) -> String {
    tr!(l, "access-foreign-workspace")
}

/// A person's lookups ran out for now: the limit, in lookups per so many minutes.
pub(crate) fn lookup_limit_reached(
    l: Locale,
    limit: &crate::service::access::LookupLimit,
) -> String {
    tr!(
        l,
        "lookup-limit-reached",
        max = i64::from(limit.max),
        minutes = (limit.per.as_secs() / 60).max(1) as i64
    )
}

/// The command's and the digest buttons' refusal of someone who may not file.
pub(crate) fn not_a_requester(l: Locale, why: &NotAllowed) -> String {
    not_allowed(l, why, &tr!(l, "access-not-a-requester"))
}

/// What to say when an approver's membership could not be confirmed (see
/// [`super::audience`]).
pub(crate) fn cannot_confirm_approver(l: Locale, why: &Unverifiable) -> String {
    match why {
        Unverifiable::GroupUnreadable(code) => {
            tr!(l, "decide-error-group-unreadable", code = code.as_str())
        }
        Unverifiable::ListTooOld | Unverifiable::NotReadYet => tr!(l, "decide-error-group-stale"),
        Unverifiable::ProfileUnreadable(code) => {
            tr!(l, "access-profile-unreadable", code = code.as_str())
        }
    }
}

/// The sentence for a failure on our side.
pub(crate) fn something_went_wrong(l: Locale) -> String {
    tr!(l, "error-nothing-filed-internal")
}

/// A query the agent typed, refused: what to type instead.
pub(crate) fn query_error(l: Locale, e: &QueryError) -> String {
    match e {
        QueryError::Empty => tr!(l, "query-error-empty"),
        QueryError::NotRecognised => tr!(l, "query-error-not-recognised"),
        QueryError::TooLong => tr!(l, "query-error-too-long"),
    }
}

/// A reason the agent typed, refused.
pub(crate) fn reason_error(l: Locale, e: &ReasonError) -> String {
    match e {
        ReasonError::Empty => tr!(l, "reason-error-empty"),
        ReasonError::TooLong => tr!(l, "reason-error-too-long"),
    }
}
