//! Modal submissions and button clicks: turning Slack payloads into lookups and decisions.
//!
//! Each view submission is answered synchronously, because only the HTTP answer can put an
//! error under the offending input (`response_action: errors`) or move the modal on
//! (`response_action: update`). Every step therefore takes its time from the request's
//! one [`Deadline`]; a lookup that runs out of it files nothing and says so, and filing or
//! a rejection that runs out of it goes on, and the person is told its outcome by message.
//! Button clicks are answered with an empty 200 by the deadline at the latest; what the
//! clicker needs to know comes as a message only they see.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use slack_morphism::prelude::*;
use tokio::time::error::Elapsed;

use super::Reply;
use super::choice_state::{self, ChoiceMeta};
use super::views::{self, action, callback};
use crate::app::App;
use crate::approval::{self, DecideError, Decision, Filing, Verdict};
use crate::deadline::{self, Deadline, Finished};
use crate::domain::{Reason, ReasonError, RiderQuery};
use crate::lookup::{self, Candidate, LookupError, TimeProblem};
use crate::store::{FileOutcome, StoreError, status};
use crate::telemetry::record_expiry_request;

/// How long filing that missed the answer may go on before it is given up (a primary that
/// stopped answering mid-transaction); the agent is then told it may not have been filed.
const FILING_LIMIT: Duration = Duration::from_secs(30);

/// Dispatches one interaction payload, answering by `deadline`.
pub async fn handle(
    app: &Arc<App>,
    event: SlackInteractionEvent,
    retry: bool,
    deadline: Deadline,
) -> Reply {
    match event {
        SlackInteractionEvent::ViewSubmission(sub) => view_submission(app, sub, &deadline).await,
        SlackInteractionEvent::BlockActions(act) => block_actions(app, act, retry, &deadline).await,
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

async fn view_submission(
    app: &Arc<App>,
    sub: SlackInteractionViewSubmissionEvent,
    deadline: &Deadline,
) -> Reply {
    let user = sub.user.id.to_string();
    match callback_id(&sub.view).as_deref() {
        Some(callback::REQUEST) => submit_request(app, &user, &sub.view, deadline).await,
        Some(callback::CHOOSE_POLICY) => submit_choice(app, &user, &sub.view, deadline).await,
        Some(callback::REJECT) => submit_reject(app, &user, &sub.view, deadline).await,
        _ => Reply::Empty,
    }
}

fn lookup_unavailable() -> &'static str {
    "The rider lookup is unavailable right now (the read database isn't answering in time). Nothing was filed; please try again in a minute."
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

async fn submit_request(
    app: &Arc<App>,
    user: &str,
    view: &SlackStatefulView,
    deadline: &Deadline,
) -> Reply {
    match app.requesters.contains(user, deadline).await {
        Ok(true) => {}
        Ok(false) => {
            return errors(
                action::RIDER_QUERY,
                "You are not on the list of people who may file expiry requests.",
            );
        }
        Err(why) => {
            return errors(
                action::RIDER_QUERY,
                super::cannot_confirm(&why, "file requests"),
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
    let found = match lookup::find(&app.store, app.config.read_fallback, &query, deadline).await {
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
                deadline,
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
            let meta = match choice_state::to_metadata(&app.store, &meta, now, deadline.remaining())
                .await
            {
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

async fn submit_choice(
    app: &Arc<App>,
    user: &str,
    view: &SlackStatefulView,
    deadline: &Deadline,
) -> Reply {
    let meta = match private_metadata(view) {
        // Kept state is one primary read by its token; like every step it gets only what
        // is left of the request's deadline.
        Some(m) => {
            choice_state::from_metadata(&app.store, m, Utc::now(), deadline.remaining()).await
        }
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
        deadline,
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
        deadline,
    )
    .await
}

/// What filing came to: its outcome, or [`FILING_LIMIT`] passed first.
type FilingResult = Result<Result<FileOutcome, StoreError>, Elapsed>;

#[allow(clippy::too_many_arguments)] // the filing's parts, as the two submissions have them
async fn file_and_confirm(
    app: &Arc<App>,
    user: &str,
    candidate: Candidate,
    cancelled_at: DateTime<Utc>,
    reason: Reason,
    error_block: &str,
    note: Option<String>,
    deadline: &Deadline,
) -> Reply {
    let filing = Filing {
        requester: user.to_owned(),
        candidate: candidate.clone(),
        cancelled_at,
        reason,
        now: Utc::now(),
        ttl: app.config.request_ttl,
    };
    // Filing is one transaction: it commits whole or not at all, so it is never cut off
    // by the answer. If it misses the answer it goes on, and the agent hears its outcome.
    let store = app.store.clone();
    let work =
        async move { tokio::time::timeout(FILING_LIMIT, approval::file(&store, &filing)).await };
    let late = {
        let (app, user) = (app.clone(), user.to_owned());
        move |r: FilingResult| async move { tell_late_filing(&app, &user, r).await }
    };
    match deadline::finish_or_hand_over(deadline, work, late).await {
        Finished::InTime(Ok(Ok(FileOutcome::Filed(id)))) => {
            app.outbox_wake.notify_one();
            update(views::filed_modal(
                id,
                &candidate,
                &app.config.approval_channel_id,
                note,
            ))
        }
        Finished::InTime(Ok(Ok(FileOutcome::AlreadyPending(id)))) => {
            errors(error_block, already_pending(id))
        }
        Finished::InTime(Ok(Err(e))) => {
            tracing::error!(error = crate::telemetry::chain(&e), "filing failed");
            errors(error_block, filing_failed(&e))
        }
        // FILING_LIMIT is far beyond any deadline: it cannot pass in time.
        Finished::InTime(Err(_)) | Finished::Crashed => errors(error_block, something_went_wrong()),
        Finished::HandedOver => {
            tracing::warn!("filing missed the answer; it goes on and the agent will be told");
            errors(
                error_block,
                "Still filing: the database is slow right now. You'll get a direct message when the request is posted to the approvals channel, or if it fails. No need to submit again (a second submission never files it twice).",
            )
        }
    }
}

fn already_pending(id: i64) -> String {
    format!(
        "Request #{id} for this policy is already waiting for a lead's decision; no new request was filed."
    )
}

fn filing_failed(e: &StoreError) -> String {
    if e.is_unavailable() {
        "The database isn't answering, so nothing was filed. Please try again in a minute."
            .to_owned()
    } else {
        something_went_wrong().to_owned()
    }
}

/// Tells the agent, by direct message, what became of filing that finished after the
/// answer. A filed request needs no word here: the outbox posts it and then sends the
/// agent the usual "your request was posted" message.
async fn tell_late_filing(app: &App, user: &str, r: FilingResult) {
    let text = match r {
        Ok(Ok(FileOutcome::Filed(id))) => {
            tracing::info!(request_id = id, "filing finished after the answer");
            app.outbox_wake.notify_one();
            return;
        }
        Ok(Ok(FileOutcome::AlreadyPending(id))) => already_pending(id),
        Ok(Err(e)) => {
            tracing::error!(
                error = crate::telemetry::chain(&e),
                "filing failed (after the answer)"
            );
            format!("Your expiry request was not filed. {}", filing_failed(&e))
        }
        Err(_) => {
            tracing::error!("filing did not finish within {FILING_LIMIT:?}; gave up waiting");
            format!(
                "I couldn't confirm that your expiry request was filed: the database stopped answering. If it doesn't appear in <#{}> within a few minutes, please file it again (a request already waiting is never filed twice).",
                app.config.approval_channel_id
            )
        }
    };
    super::direct_message(app, user, text).await;
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
        DecideError::Unverifiable(why) => format!(
            "Your decision did not go through. {} The request is still pending.",
            super::cannot_confirm(why, "decide these requests")
        ),
        DecideError::Store(_) => "Your decision did not go through because of an error on our side. The request is still pending; please try again, and tell the backend team if it persists.".to_owned(),
    }
}

async fn submit_reject(
    app: &Arc<App>,
    user: &str,
    view: &SlackStatefulView,
    deadline: &Deadline,
) -> Reply {
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
    let work = {
        let (app, user, deadline) = (app.clone(), user.to_owned(), *deadline);
        async move {
            let r = approval::decide(
                app.deps(deadline),
                meta.request_id,
                &user,
                Decision::Reject,
                Some(&reason),
                Utc::now(),
            )
            .await;
            if matches!(r, Ok(Verdict::Decided(_))) {
                app.outbox_wake.notify_one();
            }
            r
        }
    };
    // A rejection that missed the answer: when it decides, the request message and its
    // thread say so; anything else is told to the lead privately in the approvals channel.
    let late = {
        let (app, user) = (app.clone(), user.to_owned());
        move |r: Result<Verdict, DecideError>| async move {
            let text = match &r {
                Ok(v) => refusal_text(v, &app, Decision::Reject),
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
                let channel = app.config.approval_channel_id.clone();
                super::tell(&app, &channel, &user, text).await;
            }
        }
    };
    match deadline::finish_or_hand_over(deadline, work, late).await {
        Finished::InTime(Ok(v)) => match refusal_text(&v, app, Decision::Reject) {
            None => Reply::view(SlackViewSubmissionResponse::Clear(
                SlackViewSubmissionClearResponse::new(),
            )),
            Some(t) => errors(action::REJECT_REASON, t),
        },
        Finished::InTime(Err(e)) => {
            // An unconfirmed approver is counted and logged where the check failed.
            if !matches!(e, DecideError::Unverifiable(_)) {
                tracing::error!(error = crate::telemetry::chain(&e), "reject failed");
            }
            errors(action::REJECT_REASON, decide_error_text(&e))
        }
        Finished::Crashed => errors(action::REJECT_REASON, something_went_wrong()),
        Finished::HandedOver => errors(
            action::REJECT_REASON,
            "This is taking longer than Slack lets me wait. The rejection goes on: the request message will show it, and if it doesn't go through I'll tell you in the approvals channel.",
        ),
    }
}

async fn block_actions(
    app: &Arc<App>,
    act: SlackInteractionBlockActionsEvent,
    retry: bool,
    deadline: &Deadline,
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
    if let Some(reply) =
        super::digest_actions::handle(app, &act, &user, &channel, retry, deadline).await
    {
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
            let (app2, user2, deadline2) = (app.clone(), user.clone(), *deadline);
            let work = async move {
                let verdict = approval::decide(
                    app2.deps(deadline2),
                    request_id,
                    &user2,
                    Decision::Approve,
                    None,
                    Utc::now(),
                )
                .await;
                match &verdict {
                    Ok(Verdict::Decided(_)) => {
                        app2.outbox_wake.notify_one();
                        None
                    }
                    // Slack re-sent a click this user already won: say nothing twice.
                    Ok(Verdict::AlreadyDecided(r))
                        if retry
                            && r.decided_by.as_deref() == Some(user2.as_str())
                            && r.status == status::APPROVED =>
                    {
                        None
                    }
                    Ok(v) => refusal_text(v, &app2, Decision::Approve),
                    // Counted and logged where the membership check failed.
                    Err(e @ DecideError::Unverifiable(_)) => Some(decide_error_text(e)),
                    Err(e) => {
                        tracing::error!(
                            error = crate::telemetry::chain(&e),
                            request_id,
                            "approval failed"
                        );
                        Some(decide_error_text(e))
                    }
                }
            };
            super::work_then_tell(app, deadline, channel, user, work).await;
            Reply::Empty
        }
        action::REJECT => {
            let trigger = act.trigger_id.to_string();
            let (app2, user2, deadline2) = (app.clone(), user.clone(), *deadline);
            let work = async move {
                match approval::may_decide(app2.deps(deadline2), request_id, &user2).await {
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
                }
            };
            super::work_then_tell(app, deadline, channel, user, work).await;
            Reply::Empty
        }
        _ => Reply::Empty,
    }
}
