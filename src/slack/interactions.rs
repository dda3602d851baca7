//! Modal submissions and button clicks: turning Slack payloads into lookups and decisions.
//!
//! Each view submission is answered synchronously, because only the HTTP answer can put an
//! error under the offending input (`response_action: errors`) or move the modal on
//! (`response_action: update`). Every step therefore runs under a budget that keeps the
//! answer inside Slack's 3 seconds. Button clicks are answered at once with an empty 200;
//! what the clicker needs to know comes as a message only they see.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use slack_morphism::prelude::*;

use super::Reply;
use super::choice_state::{self, ChoiceMeta};
use super::views::{self, action, callback};
use crate::app::App;
use crate::approval::{self, DecideError, Decision, Filing, Verdict};
use crate::domain::{Reason, ReasonError, RiderQuery};
use crate::lookup::{self, Candidate, LookupError, TimeProblem};
use crate::store::{FileOutcome, status};
use crate::telemetry::{self, record_expiry_request};

/// How long filing may take on the primary before the agent is told to retry.
const FILE_BUDGET: Duration = Duration::from_millis(700);
/// How long a click waits for its decision before Slack is acknowledged anyway (the
/// decision then completes in the background and the clicker is told by message).
const DECIDE_BUDGET: Duration = Duration::from_millis(2500);

/// Dispatches one interaction payload.
pub async fn handle(app: &Arc<App>, event: SlackInteractionEvent, retry: bool) -> Reply {
    match event {
        SlackInteractionEvent::ViewSubmission(sub) => view_submission(app, sub).await,
        SlackInteractionEvent::BlockActions(act) => block_actions(app, act, retry).await,
        _ => Reply::Empty,
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct RejectMeta {
    request_id: i64,
}

fn errors(block: &str, message: impl Into<String>) -> Reply {
    let mut errors = HashMap::new();
    errors.insert(block.to_owned(), message.into());
    Reply::view(SlackViewSubmissionResponse::Errors(
        SlackViewSubmissionErrorsResponse::new(errors),
    ))
}

fn update(view: SlackView) -> Reply {
    Reply::view(SlackViewSubmissionResponse::Update(
        SlackViewSubmissionUpdateResponse::new(view),
    ))
}

fn state_value<'a>(view: &'a SlackStatefulView, block: &str) -> Option<&'a SlackViewStateValue> {
    view.state_params
        .state
        .as_ref()?
        .values
        .get(&SlackBlockId(block.to_owned()))?
        .get(&SlackActionId(block.to_owned()))
}

fn private_metadata(view: &SlackStatefulView) -> Option<&str> {
    match &view.view {
        SlackView::Modal(m) => m.private_metadata.as_deref(),
        SlackView::Home(h) => h.private_metadata.as_deref(),
    }
}

fn callback_id(view: &SlackStatefulView) -> Option<String> {
    match &view.view {
        SlackView::Modal(m) => m.callback_id.as_ref().map(|c| c.to_string()),
        SlackView::Home(h) => h.callback_id.as_ref().map(|c| c.to_string()),
    }
}

async fn view_submission(app: &Arc<App>, sub: SlackInteractionViewSubmissionEvent) -> Reply {
    let user = sub.user.id.to_string();
    match callback_id(&sub.view).as_deref() {
        Some(callback::REQUEST) => submit_request(app, &user, &sub.view).await,
        Some(callback::CHOOSE_POLICY) => submit_choice(app, &user, &sub.view).await,
        Some(callback::REJECT) => submit_reject(app, &user, &sub.view).await,
        _ => Reply::Empty,
    }
}

fn lookup_unavailable() -> &'static str {
    "The rider lookup is unavailable right now (the read database isn't answering). Nothing was filed; please try again in a minute."
}

fn something_went_wrong() -> &'static str {
    "Something went wrong on our side and nothing was filed. Please try again; if it keeps happening, tell the backend team."
}

fn time_problem(p: &TimeProblem, app: &App) -> String {
    match p {
        TimeProblem::InFuture => {
            "That time is in the future. Pick when the rider actually cancelled with the insurer."
                .to_owned()
        }
        TimeProblem::BeforePolicyBegan(began) => format!(
            "The policy only began at {}; the cancellation cannot be earlier than that.",
            views::show_time(*began, app.config.display_tz)
        ),
    }
}

fn lag_note(found: &lookup::Found, warn_after: std::time::Duration) -> Option<String> {
    if found.source == crate::store::Role::Primary {
        return Some(
            ":warning: The read replica was unavailable, so this lookup was answered by the primary database."
                .to_owned(),
        );
    }
    found
        .replica_lag_seconds
        .filter(|lag| *lag >= warn_after.as_secs_f64())
        .map(|lag| {
            format!(
                ":warning: The read replica is {lag:.0} s behind; a change made in the last {lag:.0} s may not show yet."
            )
        })
}

/// The reason with the riders' personal data masked: what is stored and shown, always.
/// Masking can lengthen it (`19900102` → `1990-**-**`); if it then no longer fits, the
/// agent is asked to shorten it. The unmasked text is never used instead.
fn masked_reason(found: &lookup::Found, reason: &Reason) -> Result<Reason, &'static str> {
    match Reason::parse(&found.scrub(reason.as_str())) {
        Ok(r) => Ok(r),
        Err(ReasonError::TooLong) => Err(
            "With the personal data in it masked, the reason is over 1,000 characters. Please shorten it.",
        ),
        Err(ReasonError::Empty) => Err("Say why, and give the CX ticket."),
    }
}

async fn submit_request(app: &Arc<App>, user: &str, view: &SlackStatefulView) -> Reply {
    match app.requesters.contains(&app.slack, user).await {
        Ok(true) => {}
        Ok(false) => {
            return errors(
                action::RIDER_QUERY,
                "You are not on the list of people who may file expiry requests.",
            );
        }
        Err(_) => {
            return errors(
                action::RIDER_QUERY,
                "I couldn't check whether you may file requests (Slack didn't answer). Try again.",
            );
        }
    }
    let raw_query = state_value(view, action::RIDER_QUERY)
        .and_then(|v| v.value.clone())
        .unwrap_or_default();
    let query = match RiderQuery::parse(&raw_query) {
        Ok(q) => q,
        Err(e) => return errors(action::RIDER_QUERY, e.to_string()),
    };
    let Some(cancelled_at) = state_value(view, action::CANCELLED_AT)
        .and_then(|v| v.selected_date_time.as_ref())
        .map(|d| d.0)
    else {
        return errors(
            action::CANCELLED_AT,
            "Pick the date and time the rider cancelled with the insurer.",
        );
    };
    let reason_raw = state_value(view, action::REASON)
        .and_then(|v| v.value.clone())
        .unwrap_or_default();
    let reason = match Reason::parse(&reason_raw) {
        Ok(r) => r,
        Err(e) => return errors(action::REASON, e.to_string()),
    };
    let now = Utc::now();
    if let Err(p) = lookup::check_cancelled_at(cancelled_at, now, None) {
        return errors(action::CANCELLED_AT, time_problem(&p, app));
    }
    let found = match lookup::find(&app.store, app.config.read_fallback, &query).await {
        Ok(found) => found,
        Err(LookupError::Unavailable) => return errors(action::RIDER_QUERY, lookup_unavailable()),
        Err(LookupError::Store(e)) => {
            tracing::error!(error = crate::telemetry::chain(&e), "rider lookup failed");
            return errors(action::RIDER_QUERY, something_went_wrong());
        }
    };
    tracing::info!(
        query = %query.masked(),
        riders = found.riders_matched(),
        policies = found.candidates.len(),
        source = found.source.as_str(),
        "rider lookup"
    );
    match found.candidates.len() {
        0 if found.riders_without_active_policy > 0 => errors(
            action::RIDER_QUERY,
            "I found the rider, but they have no active hourly policy, so there is nothing to expire.",
        ),
        0 => errors(
            action::RIDER_QUERY,
            "No rider matches that ID or phone number (withdrawn riders included). Check the number and try again.",
        ),
        1 => {
            let candidate = found.candidates[0].clone();
            if let Err(p) = lookup::check_cancelled_at(cancelled_at, now, Some(&candidate)) {
                return errors(action::CANCELLED_AT, time_problem(&p, app));
            }
            let reason = match masked_reason(&found, &reason) {
                Ok(r) => r,
                Err(why) => return errors(action::REASON, why),
            };
            file_and_confirm(
                app,
                user,
                candidate,
                cancelled_at,
                reason,
                action::RIDER_QUERY,
                lag_note(&found, app.config.replica_lag_warn),
            )
            .await
        }
        _ => {
            let reason = match masked_reason(&found, &reason) {
                Ok(r) => r,
                Err(why) => return errors(action::REASON, why),
            };
            let meta = ChoiceMeta {
                at: cancelled_at.timestamp(),
                reason: reason.as_str().to_owned(),
                choices: found
                    .candidates
                    .iter()
                    .map(|c| (c.policy_id, c.rider_id))
                    .collect(),
            };
            let meta = match choice_state::to_metadata(&app.store, &meta, now).await {
                Ok(m) => m,
                Err(e) => {
                    tracing::error!(error = %e, "could not keep the choice step's state");
                    return errors(
                        action::RIDER_QUERY,
                        "The database isn't answering, so nothing was filed. Please try again in a minute.",
                    );
                }
            };
            update(views::choose_policy_modal(
                &found.candidates,
                app.config.display_tz,
                meta,
            ))
        }
    }
}

async fn submit_choice(app: &Arc<App>, user: &str, view: &SlackStatefulView) -> Reply {
    let meta = match private_metadata(view) {
        Some(m) => choice_state::from_metadata(&app.store, m, Utc::now()).await,
        None => Ok(None),
    };
    let meta = match meta {
        Ok(meta) => meta,
        Err(e) => {
            tracing::error!(
                error = crate::telemetry::chain(&e),
                "could not read the choice step's state"
            );
            return errors(action::POLICY, something_went_wrong());
        }
    };
    let Some(meta) = meta else {
        return errors(
            action::POLICY,
            "This form has expired. Close it and run /expire-insurance again.",
        );
    };
    let chosen = state_value(view, action::POLICY)
        .and_then(|v| v.selected_option.as_ref())
        .and_then(|o| o.value.parse::<i64>().ok());
    let Some((policy_id, rider_id)) =
        chosen.and_then(|p| meta.choices.iter().find(|(pid, _)| *pid == p).copied())
    else {
        return errors(action::POLICY, "Choose one of the policies.");
    };
    let Some(cancelled_at) = DateTime::<Utc>::from_timestamp(meta.at, 0) else {
        return errors(
            action::POLICY,
            "This form has expired. Close it and run /expire-insurance again.",
        );
    };
    let Ok(reason) = Reason::parse(&meta.reason) else {
        return errors(
            action::POLICY,
            "This form has expired. Close it and run /expire-insurance again.",
        );
    };
    // Re-read the chosen policy on the replica: it may have been expired since the list
    // was shown, and the choice must really belong to the riders that were offered.
    let found = match lookup::find(
        &app.store,
        app.config.read_fallback,
        &RiderQuery::RiderId(rider_id),
    )
    .await
    {
        Ok(found) => found,
        Err(LookupError::Unavailable) => return errors(action::POLICY, lookup_unavailable()),
        Err(LookupError::Store(e)) => {
            tracing::error!(error = crate::telemetry::chain(&e), "rider lookup failed");
            return errors(action::POLICY, something_went_wrong());
        }
    };
    let Some(candidate) = found
        .candidates
        .iter()
        .find(|c| c.policy_id == policy_id)
        .cloned()
    else {
        return errors(
            action::POLICY,
            "That policy is no longer active (it may have just been expired). Nothing to do for it.",
        );
    };
    if let Err(p) = lookup::check_cancelled_at(cancelled_at, Utc::now(), Some(&candidate)) {
        return errors(action::POLICY, time_problem(&p, app));
    }
    let reason = match masked_reason(&found, &reason) {
        Ok(r) => r,
        // The choice view has no reason input; the agent starts again.
        Err(why) => {
            return errors(
                action::POLICY,
                format!("{why} Close this form and run /expire-insurance again."),
            );
        }
    };
    file_and_confirm(
        app,
        user,
        candidate,
        cancelled_at,
        reason,
        action::POLICY,
        lag_note(&found, app.config.replica_lag_warn),
    )
    .await
}

async fn file_and_confirm(
    app: &Arc<App>,
    user: &str,
    candidate: Candidate,
    cancelled_at: DateTime<Utc>,
    reason: Reason,
    error_block: &str,
    note: Option<String>,
) -> Reply {
    let filing = Filing {
        requester: user.to_owned(),
        candidate: candidate.clone(),
        cancelled_at,
        reason,
        now: Utc::now(),
        ttl: app.config.request_ttl,
    };
    // Filing continues even if the budget runs out; the agent is only told to check.
    let store = app.store.clone();
    let task = telemetry::spawn(async move { approval::file(&store, &filing).await });
    match tokio::time::timeout(FILE_BUDGET, task).await {
        Ok(Ok(Ok(FileOutcome::Filed(id)))) => {
            app.outbox_wake.notify_one();
            update(views::filed_modal(
                id,
                &candidate,
                &app.config.approval_channel_id,
                note,
            ))
        }
        Ok(Ok(Ok(FileOutcome::AlreadyPending(id)))) => errors(
            error_block,
            format!(
                "Request #{id} for this policy is already waiting for a lead's decision; no new request was filed."
            ),
        ),
        Ok(Ok(Err(e))) => {
            let unavailable = e.is_unavailable();
            tracing::error!(error = crate::telemetry::chain(&e), "filing failed");
            if unavailable {
                errors(
                    error_block,
                    "The database isn't answering, so nothing was filed. Please try again in a minute.",
                )
            } else {
                errors(error_block, something_went_wrong())
            }
        }
        Ok(Err(_)) => errors(error_block, something_went_wrong()),
        Err(_) => errors(
            error_block,
            "Filing is taking unusually long. If the request doesn't appear in the approvals channel within a minute, try again.",
        ),
    }
}

fn refusal_text(v: &Verdict, app: &App, decision: Decision) -> Option<String> {
    let tz = app.config.display_tz;
    match v {
        Verdict::Decided(_) => None,
        Verdict::NotAnApprover => Some(
            "Only the approvers configured for expire-bot can decide these requests. Nothing was changed.".to_owned(),
        ),
        Verdict::OwnRequest => Some(
            "You filed this request, so another lead has to decide it (four-eyes rule). Nothing was changed.".to_owned(),
        ),
        Verdict::AlreadyDecided(r) => Some(format!(
            "Request #{} was already decided: {}",
            r.id,
            views::outcome_line(r, tz)
        )),
        Verdict::TimedOut(r) => Some(format!(
            "Request #{} timed out before anyone decided it, so it can no longer be {}. File a new request if the policy still needs expiring.",
            r.id,
            if decision == Decision::Approve { "approved" } else { "rejected" }
        )),
        Verdict::NotFound => Some("That request no longer exists.".to_owned()),
    }
}

fn decide_error_text(e: &DecideError) -> String {
    match e {
        DecideError::Store(s) if s.is_unavailable() => "Your decision did not go through: the database isn't answering. The request is still pending; please try again in a minute.".to_owned(),
        DecideError::Slack(_) => "Your decision did not go through: I couldn't check the approvers group with Slack. The request is still pending; please try again.".to_owned(),
        DecideError::Store(_) => "Your decision did not go through because of an error on our side. The request is still pending; please try again, and tell the backend team if it persists.".to_owned(),
    }
}

async fn submit_reject(app: &Arc<App>, user: &str, view: &SlackStatefulView) -> Reply {
    let Some(meta) =
        private_metadata(view).and_then(|m| serde_json::from_str::<RejectMeta>(m).ok())
    else {
        return errors(
            action::REJECT_REASON,
            "This form has expired. Click Reject again.",
        );
    };
    let raw = state_value(view, action::REJECT_REASON)
        .and_then(|v| v.value.clone())
        .unwrap_or_default();
    let reason = match Reason::parse(&crate::mask::scrub_phones(&raw)) {
        Ok(r) => r,
        Err(ReasonError::TooLong) => {
            return errors(
                action::REJECT_REASON,
                "Keep the reason under 1,000 characters (phone numbers in it are masked, which lengthens them).",
            );
        }
        Err(ReasonError::Empty) => {
            return errors(action::REJECT_REASON, "Say why the request is rejected.");
        }
    };
    record_expiry_request(meta.request_id);
    let app2 = app.clone();
    let user2 = user.to_owned();
    let task = telemetry::spawn(async move {
        let r = approval::decide(
            app2.deps(),
            meta.request_id,
            &user2,
            Decision::Reject,
            Some(&reason),
            Utc::now(),
        )
        .await;
        if matches!(r, Ok(Verdict::Decided(_))) {
            app2.outbox_wake.notify_one();
        }
        r
    });
    match tokio::time::timeout(DECIDE_BUDGET, task).await {
        Ok(Ok(Ok(v))) => match refusal_text(&v, app, Decision::Reject) {
            None => Reply::view(SlackViewSubmissionResponse::Clear(
                SlackViewSubmissionClearResponse::new(),
            )),
            Some(t) => errors(action::REJECT_REASON, t),
        },
        Ok(Ok(Err(e))) => {
            tracing::error!(error = crate::telemetry::chain(&e), "reject failed");
            errors(action::REJECT_REASON, decide_error_text(&e))
        }
        Ok(Err(_)) => errors(action::REJECT_REASON, something_went_wrong()),
        Err(_) => errors(
            action::REJECT_REASON,
            "This is taking unusually long. Check the request message in a minute before trying again.",
        ),
    }
}

async fn block_actions(
    app: &Arc<App>,
    act: SlackInteractionBlockActionsEvent,
    retry: bool,
) -> Reply {
    let Some(user) = act.user.as_ref().map(|u| u.id.to_string()) else {
        return Reply::Empty;
    };
    let channel = act
        .channel
        .as_ref()
        .map(|c| c.id.to_string())
        .unwrap_or_else(|| app.config.approval_channel_id.clone());
    let Some(action_info) = act.actions.as_ref().and_then(|a| a.first()) else {
        return Reply::Empty;
    };
    if let Some(reply) = super::digest_actions::handle(app, &act, &user, &channel, retry).await {
        return reply;
    }
    let Some(request_id) = action_info
        .value
        .as_deref()
        .and_then(|v| v.parse::<i64>().ok())
    else {
        return Reply::Empty;
    };
    record_expiry_request(request_id);
    match action_info.action_id.to_string().as_str() {
        action::APPROVE => {
            let app2 = app.clone();
            let task = telemetry::spawn(async move {
                let verdict = approval::decide(
                    app2.deps(),
                    request_id,
                    &user,
                    Decision::Approve,
                    None,
                    Utc::now(),
                )
                .await;
                let text = match &verdict {
                    Ok(Verdict::Decided(_)) => {
                        app2.outbox_wake.notify_one();
                        None
                    }
                    // Slack re-sent a click this user already won: say nothing twice.
                    Ok(Verdict::AlreadyDecided(r))
                        if retry
                            && r.decided_by.as_deref() == Some(user.as_str())
                            && r.status == status::APPROVED =>
                    {
                        None
                    }
                    Ok(v) => refusal_text(v, &app2, Decision::Approve),
                    Err(e) => {
                        tracing::error!(
                            error = crate::telemetry::chain(&e),
                            request_id,
                            "approval failed"
                        );
                        Some(decide_error_text(e))
                    }
                };
                if let Some(text) = text
                    && let Err(e) = app2
                        .slack
                        .post_ephemeral(&channel, &user, views::text(text))
                        .await
                {
                    tracing::warn!(error = %e.code(), "could not answer the clicker");
                }
            });
            let _ = tokio::time::timeout(DECIDE_BUDGET, task).await;
            Reply::Empty
        }
        action::REJECT => {
            let trigger = act.trigger_id.to_string();
            let app2 = app.clone();
            let task = telemetry::spawn(async move {
                let check = approval::may_decide(
                    &app2.store,
                    &app2.slack,
                    &app2.approvers,
                    request_id,
                    &user,
                )
                .await;
                let text = match check {
                    Ok(Ok(_)) => {
                        let meta =
                            serde_json::to_string(&RejectMeta { request_id }).unwrap_or_default();
                        match app2
                            .slack
                            .open_view(&trigger, views::reject_modal(request_id, meta))
                            .await
                        {
                            Ok(()) => None,
                            Err(e) => Some(format!(
                                "I couldn't open the reject form (Slack said `{}`). Please click Reject again.",
                                e.code()
                            )),
                        }
                    }
                    Ok(Err(v)) => refusal_text(&v, &app2, Decision::Reject),
                    Err(e) => Some(decide_error_text(&e)),
                };
                if let Some(text) = text
                    && let Err(e) = app2
                        .slack
                        .post_ephemeral(&channel, &user, views::text(text))
                        .await
                {
                    tracing::warn!(error = %e.code(), "could not answer the clicker");
                }
            });
            let _ = tokio::time::timeout(DECIDE_BUDGET, task).await;
            Reply::Empty
        }
        _ => Reply::Empty,
    }
}
