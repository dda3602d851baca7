//! The messages about one request: the approval request with its two buttons, the decided
//! message that replaces it (no buttons), the thread reply, and the requester's notices.
//! They take a stored [`Request`], whose personal values were masked when it was filed.
//!
//! Both reasons can be ~5,000 characters once escaped, more than one message may hold
//! together ([`limits::MESSAGE_BLOCKS_TEXT`]): the approval reason is spread over several
//! section blocks, never cut; the reject reason is cut in the decided message (saying
//! where the whole of it is) and shown whole in the thread.

use slack_morphism::prelude::*;

use super::blocks::{
    context, free, insurer, message_link, name, policy, rich, section, sections, text_chars,
};
use crate::domain::{PolicyOutcome, Request, RequestStatus};
use crate::i18n::Locale;
use crate::slack::ids::ActionId;
use crate::slack::limits::{self, cut, cut_mrkdwn};
use crate::tr;

/// Who decided, as the catalogue's `decider` selects on it: a user ID, or `none`.
fn decider(user: Option<&crate::domain::SlackUserId>) -> String {
    user.map_or_else(|| "none".to_owned(), |u| u.to_string())
}

/// The request's facts, one `*Field:*` per line; the reason comes in its own blocks
/// ([`reason_blocks`]), after them.
fn request_fields(l: Locale, r: &Request) -> String {
    let rider_status = if r.rider_is_withdrawn() {
        "WITHDRAWN"
    } else {
        "ACTIVE"
    };
    [
        tr!(
            l,
            "approval-rider-field",
            name = name(&r.rider_name_masked),
            rider_status = rider_status,
            phone = cut(&r.rider_phone_masked, 13)
        ),
        tr!(
            l,
            "approval-policy-field",
            insurer = insurer(&r.insurer),
            policy = policy(&r.policy_number_masked)
        ),
        tr!(
            l,
            "approval-cancelled-at-field",
            cancelled_at = l.time_or_missing(r.cancelled_at)
        ),
        tr!(
            l,
            "approval-requester-field",
            requester = r.requested_by.to_string(),
            requested_at = l.time(r.requested_at)
        ),
    ]
    .join("\n")
}

/// The reason, whole, made inert ([`free`]), over as many section blocks as it needs.
fn reason_blocks(l: Locale, r: &Request) -> Vec<SlackBlock> {
    sections(&tr!(l, "approval-reason-field", reason = free(&r.reason)))
}

/// The approval request posted to the approvals channel, with the two buttons.
pub fn approval_message(l: Locale, r: &Request) -> SlackMessageContent {
    let value = r.id.to_string();
    let mut blocks = vec![
        section(tr!(l, "approval-header", request_id = r.id.to_string())),
        section(request_fields(l, r)),
    ];
    blocks.extend(reason_blocks(l, r));
    blocks.push(
        SlackActionsBlock::new(vec![
            SlackBlockButtonElement::new(pt!(tr!(l, "approval-approve-button")))
                .with_action_id(ActionId::Approve.as_str().into())
                .with_value(value.clone())
                .with_style(SlackBlockButtonStyle::Primary)
                .with_confirm(SlackBlockConfirmItem::new(
                    pt!(tr!(l, "approval-confirm.title")),
                    md!(tr!(
                        l,
                        "approval-confirm.body",
                        policy = policy(&r.policy_number_masked),
                        cancelled_at = l.time_or_missing(r.cancelled_at)
                    )),
                    pt!(tr!(l, "approval-confirm.confirm")),
                    pt!(tr!(l, "approval-confirm.deny")),
                ))
                .into(),
            SlackBlockButtonElement::new(pt!(tr!(l, "approval-reject-button")))
                .with_action_id(ActionId::Reject.as_str().into())
                .with_value(value)
                .with_style(SlackBlockButtonStyle::Danger)
                .into(),
        ])
        .with_block_id(format!("decide_{}", r.id).into())
        .into(),
    );
    blocks.push(context(tr!(
        l,
        "approval-deadline",
        expires_at = l.time_or_missing(r.expires_at)
    )));
    SlackMessageContent::new()
        .with_text(tr!(
            l,
            "approval-fallback",
            request_id = r.id.to_string(),
            policy = policy(&r.policy_number_masked)
        ))
        .with_blocks(blocks)
}

/// One line saying what happened, for the thread reply, the updated message and the
/// requester's notice. A reject reason is shown whole (it may be ~5,000 characters once
/// escaped: callers send this as [`rich`] sections).
pub fn outcome_line(l: Locale, r: &Request) -> String {
    outcome_line_within(l, r, usize::MAX)
}

/// [`outcome_line`] with the reject reason cut to `note_max` characters (as sent), saying
/// where the whole reason is.
fn outcome_line_within(l: Locale, r: &Request, note_max: usize) -> String {
    let by = decider(r.decided_by.as_ref());
    let when = l.time_or_missing(r.decided_at);
    let shown_policy = policy(&r.policy_number_masked);
    match r.status {
        RequestStatus::Approved => match r.outcome {
            Some(PolicyOutcome::AlreadyExpired) => tr!(
                l,
                "outcome-approved-already-expired",
                decider = by,
                decided_at = when,
                policy = shown_policy
            ),
            Some(PolicyOutcome::PolicyMissing) => tr!(
                l,
                "outcome-approved-policy-missing",
                decider = by,
                decided_at = when,
                policy = shown_policy
            ),
            _ => tr!(
                l,
                "outcome-approved",
                decider = by,
                decided_at = when,
                policy = shown_policy,
                cancelled_at = l.time_or_missing(r.cancelled_at),
                kept = if r.kept_earlier_valid_until() {
                    "yes"
                } else {
                    "no"
                }
            ),
        },
        RequestStatus::Rejected => {
            let note = free(r.decision_note.as_deref().unwrap_or("-"));
            let note = if limits::chars(&note) > note_max {
                tr!(l, "outcome-note-cut", note = cut_mrkdwn(&note, note_max))
            } else {
                note
            };
            tr!(
                l,
                "outcome-rejected",
                decider = by,
                decided_at = when,
                note = note
            )
        }
        RequestStatus::TimedOut => tr!(l, "outcome-timed-out", decided_at = when),
        _ => tr!(l, "outcome-pending"),
    }
}

/// The approval message after a decision: same facts, the outcome, no buttons. Both
/// reasons can be ~5,000 characters once escaped, more than one message may hold
/// together ([`limits::MESSAGE_BLOCKS_TEXT`]); the reject reason is then cut here, and
/// shown whole in the thread reply.
pub fn decided_message(l: Locale, r: &Request) -> SlackMessageContent {
    let status = r.status.as_str();
    let mut blocks = vec![
        section(tr!(
            l,
            "decided-header",
            request_id = r.id.to_string(),
            status = status
        )),
        section(request_fields(l, r)),
    ];
    blocks.extend(reason_blocks(l, r));
    // Room for the outcome line's own words (~250 in either language) and some margin.
    let room = limits::MESSAGE_BLOCKS_TEXT
        .max
        .saturating_sub(text_chars(&blocks) + 400);
    blocks.extend(sections(&outcome_line_within(l, r, room)));
    SlackMessageContent::new()
        .with_text(tr!(
            l,
            "decided-fallback",
            request_id = r.id.to_string(),
            status = status
        ))
        .with_blocks(blocks)
}

/// The reply in the request message's thread: the outcome, whole.
pub fn thread_reply(l: Locale, r: &Request) -> SlackMessageContent {
    rich(&outcome_line(l, r))
}

/// The requester's notice that the request was posted. A link's label cannot hold a
/// channel mention (`<url|in <#C1>>` renders broken), so the channel and the link are
/// side by side.
pub fn filed_notice(l: Locale, r: &Request) -> SlackMessageContent {
    let (id, shown_policy, who) = (
        r.id.to_string(),
        policy(&r.policy_number_masked),
        name(&r.rider_name_masked),
    );
    let text = match (&r.channel_id, &r.message_ts) {
        (Some(c), Some(ts)) => tr!(
            l,
            "notice-filed",
            request_id = id,
            policy = shown_policy,
            name = who,
            channel = c.as_str(),
            link = message_link(c, ts)
        ),
        _ => tr!(
            l,
            "notice-filed-no-link",
            request_id = id,
            policy = shown_policy,
            name = who
        ),
    };
    SlackMessageContent::new().with_text(text)
}

/// The requester's notice that a Slack call their request owed was refused by Slack for
/// good (`code`), so it will not be made: `what` says which (`post`, `thread`, `update`).
pub fn delivery_failed_notice(
    l: Locale,
    r: &Request,
    what: &str,
    code: &str,
) -> SlackMessageContent {
    SlackMessageContent::new().with_text(tr!(
        l,
        "notice-delivery-failed",
        request_id = r.id.to_string(),
        policy = policy(&r.policy_number_masked),
        name = name(&r.rider_name_masked),
        what = what,
        code = code
    ))
}

/// The metadata every approval message carries: which request it is, so an instance that
/// does not know whether its post went through (a timeout) can find it in the channel.
pub fn request_metadata(r: &Request) -> slack_morphism::prelude::SlackMessageMetadata {
    slack_morphism::prelude::SlackMessageMetadata {
        event_type: REQUEST_EVENT_TYPE.to_owned(),
        event_payload: Some(std::collections::HashMap::from([(
            "request_id".to_owned(),
            r.id.0.to_string(),
        )])),
    }
}

/// The `event_type` of [`request_metadata`].
pub const REQUEST_EVENT_TYPE: &str = "expire_bot_request";

/// The requester's notice of the outcome.
pub fn decided_notice(l: Locale, r: &Request) -> SlackMessageContent {
    let outcome = outcome_line(l, r);
    rich(&match (&r.channel_id, &r.message_ts) {
        (Some(c), Some(ts)) => tr!(
            l,
            "notice-decided",
            request_id = r.id.to_string(),
            link = message_link(c, ts),
            outcome = outcome
        ),
        _ => tr!(
            l,
            "notice-decided-no-link",
            request_id = r.id.to_string(),
            outcome = outcome
        ),
    })
}
