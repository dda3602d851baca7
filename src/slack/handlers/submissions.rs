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

use super::clicks::{REJECTED, RejectMeta, decide_error_text, refusal_text};
use super::{Ctx, Reply, not_allowed, something_went_wrong};
use crate::deadline::{self, Deadline, Finished};
use crate::domain::{ReasonError, RequestId, SlackUserId};
use crate::service::deciding::{DecideError, Decision, Verdict};
use crate::service::filing::{Field, Late, LateFiling, Submitted, TimeProblem, Why};
use crate::service::lookup::{Freshness, Source};
use crate::slack::choice_state;
use crate::slack::ids::ActionId;
use crate::slack::payload::Submission;
use crate::slack::{budget, render};

pub async fn handle(ctx: &Arc<Ctx>, sub: Submission, deadline: &Deadline) -> Reply {
    match sub {
        Submission::Request { user, form } => {
            let who = match ctx.filing.requester(&user, deadline).await {
                Ok(who) => who,
                Err(why) => {
                    return errors(
                        ActionId::RiderQuery,
                        not_allowed(
                            &why,
                            "You are not on the list of people who may file expiry requests.",
                        ),
                    );
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

const FORM_EXPIRED: &str = "This form has expired. Close it and run /expire-insurance again.";

fn lookup_unavailable() -> &'static str {
    "The rider lookup is unavailable right now (the read database isn't answering in time). Nothing was filed; please try again in a minute."
}

fn time_problem(p: &TimeProblem, ctx: &Ctx) -> String {
    match p {
        TimeProblem::InFuture => {
            "That time is in the future. Pick when the rider actually cancelled with the insurer."
                .to_owned()
        }
        TimeProblem::BeforePolicyBegan(began) => format!(
            "The policy only began at {}; the cancellation cannot be earlier than that.",
            render::show_time(*began, ctx.display_tz)
        ),
    }
}

/// The agent's note about where the lookup's answer came from, when it matters.
fn lag_note(f: &Freshness, warn_after: std::time::Duration) -> Option<String> {
    if f.source == Source::Primary {
        return Some(
            ":warning: The read replica was unavailable, so this lookup was answered by the primary database."
                .to_owned(),
        );
    }
    f.replica_lag_seconds
        .filter(|lag| *lag >= warn_after.as_secs_f64())
        .map(|lag| {
            format!(
                ":warning: The read replica is {lag:.0} s behind; a change made in the last {lag:.0} s may not show yet."
            )
        })
}

fn already_pending(id: RequestId) -> String {
    format!(
        "Request #{id} for this policy is already waiting for a lead's decision; no new request was filed."
    )
}

fn already_filed(id: RequestId) -> String {
    format!(
        "This form already filed request #{id}; nothing new was filed. Close it, and run /expire-insurance again for another request."
    )
}

fn filing_failed(unavailable: bool) -> String {
    if unavailable {
        "The database isn't answering, so nothing was filed. Please try again in a minute."
            .to_owned()
    } else {
        something_went_wrong().to_owned()
    }
}

/// The words for a refusal, as the request form and the choice step say them.
fn refusal(ctx: &Ctx, why: &Why, step: Step) -> String {
    match why {
        Why::Query(e) => e.to_string(),
        Why::NoCancelledAt => "Pick the date and time the rider cancelled with the insurer.".to_owned(),
        Why::Reason(e) => e.to_string(),
        Why::Time(p) => time_problem(p, ctx),
        Why::LookupUnavailable => lookup_unavailable().to_owned(),
        Why::RateLimited(limit) => super::lookup_limit_reached(limit),
        Why::LookupFailed => something_went_wrong().to_owned(),
        Why::NoActivePolicy => "I found the rider, but they have no active hourly policy, so there is nothing to expire.".to_owned(),
        Why::NoRider => "No rider matches that ID or phone number (withdrawn riders included). Check the number and try again.".to_owned(),
        Why::MaskedReasonTooLong | Why::MaskedReasonEmpty => {
            let why = if *why == Why::MaskedReasonTooLong {
                "With the personal data in it masked, the reason is over 1,000 characters. Please shorten it."
            } else {
                "Say why, and give the CX ticket."
            };
            match step {
                Step::Request => why.to_owned(),
                // The choice view has no reason input; the agent starts again.
                Step::Choice => format!("{why} Close this form and run /expire-insurance again."),
            }
        }
        Why::FormExpired => FORM_EXPIRED.to_owned(),
        Why::NoPolicyChosen => "Choose one of the policies.".to_owned(),
        Why::PolicyNoLongerActive => "That policy is no longer active (it may have just been expired). Nothing to do for it.".to_owned(),
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
    let main = match step {
        Step::Request => ActionId::RiderQuery,
        Step::Choice => ActionId::Policy,
    };
    match submitted {
        Submitted::Refused { field, why } => errors(block(field), refusal(ctx, &why, step)),
        Submitted::Choose { .. } => errors(main, something_went_wrong()),
        Submitted::Filed {
            id,
            candidate,
            freshness,
        } => update(render::filed_modal(
            id,
            &candidate,
            &ctx.approval_channel,
            lag_note(&freshness, ctx.replica_lag_warn),
        )),
        Submitted::AlreadyPending(id) => errors(main, already_pending(id)),
        Submitted::AlreadyFiled(id) => errors(main, already_filed(id)),
        Submitted::NotFiled { unavailable } => errors(main, filing_failed(unavailable)),
        Submitted::Broken => errors(main, something_went_wrong()),
        Submitted::StillFiling => errors(
            main,
            "Still filing: the database is slow right now. You'll get a direct message when the request is posted to the approvals channel, or if it fails. No need to submit again (a second submission never files it twice).",
        ),
    }
}

/// Tells the agent, by direct message, what became of filing that finished after the
/// answer. A filed request needs no word here: the outbox posts it and then sends the
/// agent the usual "your request was posted" message.
fn tell_late(ctx: &Arc<Ctx>, user: &SlackUserId) -> Late {
    let (slack, user, channel) = (
        ctx.slack.clone(),
        user.clone(),
        ctx.approval_channel.clone(),
    );
    Box::new(move |late: LateFiling| {
        Box::pin(async move {
            let text = match late {
                LateFiling::Filed(_) => return,
                LateFiling::AlreadyPending(id) => already_pending(id),
                LateFiling::AlreadyFiled(id) => already_filed(id),
                LateFiling::NotFiled { unavailable } => {
                    format!(
                        "Your expiry request was not filed. {}",
                        filing_failed(unavailable)
                    )
                }
                LateFiling::GaveUp => format!(
                    "I couldn't confirm that your expiry request was filed: the database stopped answering. If it doesn't appear in <#{channel}> within a few minutes, please file it again (a request already waiting is never filed twice)."
                ),
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
    let who = match ctx.filing.requester(&user, deadline).await {
        Ok(who) => who,
        Err(why) => {
            return errors(
                ActionId::Policy,
                not_allowed(
                    &why,
                    "You are not on the list of people who may file expiry requests.",
                ),
            );
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
        Ok(None) => return errors(ActionId::Policy, FORM_EXPIRED),
        Err(e) => {
            tracing::error!(
                error = crate::telemetry::chain(&e),
                "could not read the choice step's state"
            );
            return errors(ActionId::Policy, something_went_wrong());
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
    let Submitted::Choose { candidates, choice } = submitted else {
        return Err(submitted);
    };
    match choice_state::to_metadata(&ctx.forms, &choice, Utc::now(), deadline.remaining()).await {
        Ok(meta) => Ok(update(render::choose_policy_modal(
            &candidates,
            ctx.display_tz,
            meta,
        ))),
        Err(e) => {
            tracing::error!(error = %e, "could not keep the choice step's state");
            Ok(errors(
                ActionId::RiderQuery,
                "The database isn't answering, so nothing was filed. Please try again in a minute.",
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
    let Some(meta) = metadata.and_then(|m| serde_json::from_str::<RejectMeta>(&m).ok()) else {
        return errors(
            ActionId::RejectReason,
            "This form has expired. Click Reject again.",
        );
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
                "Keep the reason under 1,000 characters (phone numbers in it are masked, which lengthens them).",
            );
        }
        Err(ReasonError::Empty) => {
            return errors(ActionId::RejectReason, "Say why the request is rejected.");
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
                Ok(v) => refusal_text(v, &ctx, REJECTED),
                Err(e @ DecideError::Unverifiable(_)) => Some(decide_error_text(e)),
                Err(e) => {
                    tracing::error!(
                        error = crate::telemetry::chain(e),
                        "reject failed (after the answer)"
                    );
                    Some(decide_error_text(e))
                }
            };
            if let Some(text) = text {
                budget::tell(&ctx.slack, &ctx.approval_channel, user.as_str(), text).await;
            }
        }
    };
    match deadline::finish_or_hand_over(deadline, work, late).await {
        Finished::InTime(Ok(v)) => match refusal_text(&v, ctx, REJECTED) {
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
            errors(ActionId::RejectReason, decide_error_text(&e))
        }
        Finished::Crashed => errors(ActionId::RejectReason, something_went_wrong()),
        Finished::HandedOver => errors(
            ActionId::RejectReason,
            "This is taking longer than Slack lets me wait. The rejection goes on: the request message will show it, and if it doesn't go through I'll tell you in the approvals channel.",
        ),
    }
}
