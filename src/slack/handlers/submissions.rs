//! Modal submissions: the request form, its choice step, and the reject form.
//!
//! Each is answered synchronously, because only the HTTP answer can put an error under the
//! offending input (`response_action: errors`) or move the modal on (`response_action:
//! update`). The services do the work within the request's one [`Deadline`]; this module
//! says what their outcome looks like, and — for filing or a rejection that missed the
//! answer and went on — how the person is told afterwards.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use slack_morphism::prelude::*;

use super::clicks::{RejectMeta, Tried, decide_error_text, refusal_text};
use super::{Ctx, Reply, not_allowed, query_error, reason_error, something_went_wrong};
use crate::deadline::{self, Deadline, Finished};
use crate::domain::{ReasonError, RequestId, SlackUserId};
use crate::i18n::Locale;
use crate::service::deciding::{DecideError, Decision, Verdict};
use crate::service::filing::{Field, Late, LateFiling, Submitted, TimeProblem, Why};
use crate::service::lookup::{Freshness, Source};
use crate::slack::choice_state;
use crate::slack::ids::ActionId;
use crate::slack::payload::Submission;
use crate::slack::{budget, render};
use crate::tr;

pub async fn handle(ctx: &Arc<Ctx>, sub: Submission, deadline: &Deadline) -> Reply {
    match sub {
        Submission::Request { user, form } => {
            let l = ctx.locale;
            let who = match ctx.filing.requester(&user, deadline).await {
                Ok(who) => who,
                Err(why) => {
                    let not_listed = tr!(l, "request-error-not-a-requester");
                    return errors(ActionId::RiderQuery, not_allowed(l, &why, &not_listed));
                }
            };
            let submitted = ctx
                .filing
                .submit(&who, form, deadline, tell_late(ctx, &user))
                .await;
            match choice_step(ctx, submitted, deadline).await {
                Ok(reply) => reply,
                Err(submitted) => answer(ctx, submitted, Step::Request),
            }
        }
        Submission::Choice {
            user,
            metadata,
            view_id,
            chosen,
        } => submit_choice(ctx, user, metadata, view_id, chosen, deadline).await,
        Submission::Reject {
            user,
            metadata,
            reason,
        } => submit_reject(ctx, user, metadata, reason, deadline).await,
    }
}

/// Which of the request modal's two steps answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Request,
    Choice,
}

fn errors(block: ActionId, message: impl Into<String>) -> Reply {
    let mut errors = HashMap::new();
    errors.insert(block.as_str().to_owned(), message.into());
    Reply::view(SlackViewSubmissionResponse::Errors(
        SlackViewSubmissionErrorsResponse::new(errors),
    ))
}

fn update(view: SlackView) -> Reply {
    Reply::view(SlackViewSubmissionResponse::Update(
        SlackViewSubmissionUpdateResponse::new(view),
    ))
}

fn time_problem(l: Locale, p: &TimeProblem) -> String {
    match p {
        TimeProblem::InFuture => tr!(l, "request-error-time-in-future"),
        TimeProblem::BeforePolicyBegan(began) => {
            tr!(
                l,
                "request-error-time-before-policy",
                began = l.time(*began)
            )
        }
    }
}

/// The agent's note about where the lookup's answer came from, when it matters.
fn lag_note(l: Locale, f: &Freshness, warn_after: std::time::Duration) -> Option<String> {
    if f.source == Source::Primary {
        return Some(tr!(l, "lookup-primary-note"));
    }
    f.replica_lag_seconds
        .filter(|lag| *lag >= warn_after.as_secs_f64())
        // Whole seconds: a Fluent number would show the fraction.
        .map(|lag| tr!(l, "lookup-lag-note", lag_seconds = lag.round() as i64))
}

fn already_pending(l: Locale, id: RequestId) -> String {
    tr!(
        l,
        "filing-error-already-pending",
        request_id = id.to_string()
    )
}

fn already_filed(l: Locale, id: RequestId) -> String {
    tr!(l, "filing-error-already-filed", request_id = id.to_string())
}

fn filing_failed(l: Locale, unavailable: bool) -> String {
    if unavailable {
        tr!(l, "filing-error-db-unavailable")
    } else {
        something_went_wrong(l)
    }
}

/// The words for a refusal, as the request form and the choice step say them.
fn refusal(l: Locale, why: &Why, step: Step) -> String {
    match why {
        Why::Query(e) => query_error(l, e),
        Why::NoCancelledAt => tr!(l, "request-error-time-missing"),
        Why::Reason(e) => reason_error(l, e),
        Why::Time(p) => time_problem(l, p),
        Why::LookupUnavailable => tr!(l, "request-error-lookup-unavailable"),
        Why::RateLimited(limit) => super::lookup_limit_reached(l, limit),
        Why::LookupFailed => something_went_wrong(l),
        Why::NoActivePolicy => tr!(l, "request-error-no-active-policy"),
        Why::NoRider => tr!(l, "request-error-no-rider"),
        // The choice view has no reason input; there the agent starts again.
        Why::MaskedReasonTooLong => match step {
            Step::Request => tr!(l, "reason-error-masked-too-long"),
            Step::Choice => tr!(l, "choice-error-masked-reason-too-long"),
        },
        Why::MaskedReasonEmpty => match step {
            Step::Request => tr!(l, "reason-error-empty"),
            Step::Choice => tr!(l, "choice-error-masked-reason-empty"),
        },
        Why::FormExpired => tr!(l, "choice-error-form-expired"),
        Why::NoPolicyChosen => tr!(l, "choice-error-choose-one"),
        Why::PolicyNoLongerActive => tr!(l, "choice-error-policy-gone"),
    }
}

/// The input a refusal goes under.
fn block(field: Field) -> ActionId {
    match field {
        Field::Query => ActionId::RiderQuery,
        Field::CancelledAt => ActionId::CancelledAt,
        Field::Reason => ActionId::Reason,
        Field::Policy => ActionId::Policy,
    }
}

/// What a submission's outcome looks like; filing outcomes go under `step`'s main input.
fn answer(ctx: &Ctx, submitted: Submitted, step: Step) -> Reply {
    let l = ctx.locale;
    let main = match step {
        Step::Request => ActionId::RiderQuery,
        Step::Choice => ActionId::Policy,
    };
    match submitted {
        Submitted::Refused { field, why } => errors(block(field), refusal(l, &why, step)),
        Submitted::Choose { .. } => errors(main, something_went_wrong(l)),
        Submitted::Filed {
            id,
            candidate,
            freshness,
            needed,
        } => update(render::filed_modal(
            l,
            id,
            &candidate,
            &ctx.approval_channel,
            lag_note(l, &freshness, ctx.replica_lag_warn),
            needed,
            ctx.approval_rules(),
        )),
        Submitted::AlreadyPending(id) => errors(main, already_pending(l, id)),
        Submitted::AlreadyFiled(id) => errors(main, already_filed(l, id)),
        Submitted::NotFiled { unavailable } => errors(main, filing_failed(l, unavailable)),
        Submitted::Broken => errors(main, something_went_wrong(l)),
        Submitted::StillFiling => errors(main, tr!(l, "filing-error-slow")),
    }
}

/// Tells the agent, by direct message, what became of filing that finished after the
/// answer. A filed request needs no word here: the outbox posts it and then sends the
/// agent the usual "your request was posted" message.
fn tell_late(ctx: &Arc<Ctx>, user: &SlackUserId) -> Late {
    let (slack, user, channel, l) = (
        ctx.slack.clone(),
        user.clone(),
        ctx.approval_channel.clone(),
        ctx.locale,
    );
    Box::new(move |late: LateFiling| {
        Box::pin(async move {
            let text = match late {
                LateFiling::Filed(_) => return,
                LateFiling::AlreadyPending(id) => already_pending(l, id),
                LateFiling::AlreadyFiled(id) => already_filed(l, id),
                LateFiling::NotFiled { unavailable: true } => {
                    tr!(l, "late-filing-db-unavailable")
                }
                LateFiling::NotFiled { unavailable: false } => tr!(l, "late-filing-internal"),
                LateFiling::GaveUp => tr!(l, "late-filing-gave-up", channel = channel.as_str()),
            };
            budget::direct_message(&slack, user.as_str(), text).await;
        })
    })
}

async fn submit_choice(
    ctx: &Arc<Ctx>,
    user: SlackUserId,
    metadata: Option<String>,
    view_id: Option<String>,
    chosen: Option<crate::domain::PolicyId>,
    deadline: &Deadline,
) -> Reply {
    let l = ctx.locale;
    let who = match ctx.filing.requester(&user, deadline).await {
        Ok(who) => who,
        Err(why) => {
            let not_listed = tr!(l, "request-error-not-a-requester");
            return errors(ActionId::Policy, not_allowed(l, &why, &not_listed));
        }
    };
    let choice = match metadata {
        // Kept state is one primary read by its token; like every step it gets only what
        // is left of the request's deadline.
        Some(m) => {
            choice_state::from_metadata(&ctx.forms, &m, Utc::now(), deadline.remaining()).await
        }
        None => Ok(None),
    };
    let choice = match choice {
        Ok(Some(choice)) => choice,
        Ok(None) => return errors(ActionId::Policy, tr!(l, "choice-error-form-expired")),
        Err(e) => {
            tracing::error!(
                error = crate::telemetry::chain(&e),
                "could not read the choice step's state"
            );
            return errors(ActionId::Policy, something_went_wrong(l));
        }
    };
    let submitted = ctx
        .filing
        .choose(
            &who,
            choice,
            chosen,
            view_id,
            deadline,
            tell_late(ctx, &user),
        )
        .await;
    answer(ctx, submitted, Step::Choice)
}

/// The request form's answer when the agent must choose: the choice step, its state in the
/// view (or kept on the primary when it does not fit).
async fn choice_step(
    ctx: &Ctx,
    submitted: Submitted,
    deadline: &Deadline,
) -> Result<Reply, Submitted> {
    let Submitted::Choose {
        candidates,
        choice,
        needed,
    } = submitted
    else {
        return Err(submitted);
    };
    match choice_state::to_metadata(&ctx.forms, &choice, Utc::now(), deadline.remaining()).await {
        Ok(meta) => Ok(update(render::choose_policy_modal(
            ctx.locale,
            &candidates,
            meta,
            needed,
            ctx.approval_rules(),
        ))),
        Err(e) => {
            tracing::error!(error = %e, "could not keep the choice step's state");
            Ok(errors(
                ActionId::RiderQuery,
                tr!(ctx.locale, "filing-error-db-unavailable"),
            ))
        }
    }
}

async fn submit_reject(
    ctx: &Arc<Ctx>,
    user: SlackUserId,
    metadata: Option<String>,
    raw: String,
    deadline: &Deadline,
) -> Reply {
    let l = ctx.locale;
    let Some(meta) = metadata.and_then(|m| serde_json::from_str::<RejectMeta>(&m).ok()) else {
        return errors(ActionId::RejectReason, tr!(l, "reject-error-form-expired"));
    };
    let reason = match ctx
        .deciding
        .reject_reason(ctx.filing.lookup(), meta.request_id, &raw, deadline)
        .await
    {
        Ok(r) => r,
        Err(ReasonError::TooLong) => {
            return errors(
                ActionId::RejectReason,
                tr!(l, "reject-error-reason-too-long"),
            );
        }
        Err(ReasonError::Empty) => {
            return errors(
                ActionId::RejectReason,
                tr!(l, "reject-error-reason-missing"),
            );
        }
    };
    crate::telemetry::record_expiry_request(meta.request_id.0);
    let decision = Decision::Reject(reason);
    let work = {
        let (ctx, user, deadline) = (ctx.clone(), user.clone(), *deadline);
        async move {
            ctx.deciding
                .decide(meta.request_id, &user, &decision, &deadline)
                .await
        }
    };
    // A rejection that missed the answer: when it decides, the request message and its
    // thread say so; anything else is told to the lead privately in the approvals channel.
    let late = {
        let (ctx, user) = (ctx.clone(), user.clone());
        move |r: Result<Verdict, DecideError>| async move {
            let text = match &r {
                Ok(v) => refusal_text(l, v, Tried::Reject),
                Err(e @ DecideError::Unverifiable(_)) => Some(decide_error_text(l, e)),
                Err(e) => {
                    tracing::error!(
                        error = crate::telemetry::chain(e),
                        "reject failed (after the answer)"
                    );
                    Some(decide_error_text(l, e))
                }
            };
            if let Some(text) = text {
                budget::tell(&ctx.slack, &ctx.approval_channel, user.as_str(), text).await;
            }
        }
    };
    match deadline::finish_or_hand_over(deadline, work, late).await {
        Finished::InTime(Ok(v)) => match refusal_text(l, &v, Tried::Reject) {
            None => Reply::view(SlackViewSubmissionResponse::Clear(
                SlackViewSubmissionClearResponse::new(),
            )),
            Some(t) => errors(ActionId::RejectReason, t),
        },
        Finished::InTime(Err(e)) => {
            // An unconfirmed approver is counted and logged where the check failed.
            if !matches!(e, DecideError::Unverifiable(_)) {
                tracing::error!(error = crate::telemetry::chain(&e), "reject failed");
            }
            errors(ActionId::RejectReason, decide_error_text(l, &e))
        }
        Finished::Crashed => errors(ActionId::RejectReason, something_went_wrong(l)),
        Finished::HandedOver => errors(ActionId::RejectReason, tr!(l, "reject-error-slow")),
    }
}
