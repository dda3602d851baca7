//! The messages about one request: the approval request with its two buttons, the decided
//! message that replaces it (no buttons), the thread reply, and the requester's notices.
//! They take a stored [`Request`], whose personal values were masked when it was filed.
//!
//! Both reasons can be ~5,000 characters once escaped, more than one message may hold
//! together ([`limits::MESSAGE_BLOCKS_TEXT`]): the approval reason is spread over several
//! section blocks, never cut; the reject reason is cut in the decided message (saying
//! where the whole of it is) and shown whole in the thread.

use chrono_tz::Tz;
use slack_morphism::prelude::*;

use super::blocks::{
    context, free, insurer, message_link, name, policy, rich, section, sections, show_time,
    text_chars,
};
use crate::domain::{PolicyOutcome, Request, RequestStatus};
use crate::slack::ids::ActionId;
use crate::slack::limits::{self, cut, cut_mrkdwn};

/// The request's facts, one `*Field:*` per line; the reason comes in its own blocks
/// ([`reason_blocks`]), after them.
fn request_fields(r: &Request, tz: Tz) -> String {
    let member = if r.rider_is_withdrawn() {
        "withdrawn member"
    } else {
        "active member"
    };
    format!(
        "*Rider:* {} ({}) · {}\n*Policy:* {} {}\n*Cancelled at the insurer:* {}\n*Requested by:* <@{}> at {}",
        name(&r.rider_name_masked),
        member,
        cut(&r.rider_phone_masked, 13),
        insurer(&r.insurer),
        policy(&r.policy_number_masked),
        r.cancelled_at
            .map(|t| show_time(t, tz))
            .unwrap_or_else(|| "-".to_owned()),
        r.requested_by,
        show_time(r.requested_at, tz),
    )
}

/// The reason, whole, made inert ([`free`]), over as many section blocks as it needs.
fn reason_blocks(r: &Request) -> Vec<SlackBlock> {
    sections(&format!("*Reason:* {}", free(&r.reason)))
}

/// The approval request posted to the approvals channel, with the two buttons.
pub fn approval_message(r: &Request, tz: Tz) -> SlackMessageContent {
    let value = r.id.to_string();
    let mut blocks = vec![
        section(format!("*Insurance expiry request #{}*", r.id)),
        section(request_fields(r, tz)),
    ];
    blocks.extend(reason_blocks(r));
    blocks.push(
        SlackActionsBlock::new(vec![
            SlackBlockButtonElement::new(pt!("Approve"))
                .with_action_id(ActionId::Approve.as_str().into())
                .with_value(value.clone())
                .with_style(SlackBlockButtonStyle::Primary)
                .with_confirm(SlackBlockConfirmItem::new(
                    pt!("Expire this policy?"),
                    md!(format!(
                        "Policy {} will be expired as of {}.",
                        policy(&r.policy_number_masked),
                        r.cancelled_at.map(|t| show_time(t, tz)).unwrap_or_default()
                    )),
                    pt!("Expire it"),
                    pt!("Back"),
                ))
                .into(),
            SlackBlockButtonElement::new(pt!("Reject"))
                .with_action_id(ActionId::Reject.as_str().into())
                .with_value(value)
                .with_style(SlackBlockButtonStyle::Danger)
                .into(),
        ])
        .with_block_id(format!("decide_{}", r.id).into())
        .into(),
    );
    blocks.push(context(format!(
        "Needs a lead's decision by {}. The requester cannot approve their own request.",
        r.expires_at
            .map(|t| show_time(t, tz))
            .unwrap_or_else(|| "-".to_owned())
    )));
    SlackMessageContent::new()
        .with_text(format!(
            "Insurance expiry request #{} for policy {}",
            r.id,
            policy(&r.policy_number_masked)
        ))
        .with_blocks(blocks)
}

/// One line saying what happened, for the thread reply, the updated message and the
/// requester's notice. A reject reason is shown whole (it may be ~5,000 characters once
/// escaped: callers send this as [`rich`] sections).
pub fn outcome_line(r: &Request, tz: Tz) -> String {
    outcome_line_within(r, tz, usize::MAX)
}

/// [`outcome_line`] with the reject reason cut to `note_max` characters (as sent), saying
/// where the whole reason is.
fn outcome_line_within(r: &Request, tz: Tz, note_max: usize) -> String {
    let by = r
        .decided_by
        .as_ref()
        .map(|u| format!("<@{u}>"))
        .unwrap_or_else(|| "expire-bot".to_owned());
    let when = r
        .decided_at
        .map(|t| show_time(t, tz))
        .unwrap_or_else(|| "-".to_owned());
    match r.status {
        RequestStatus::Approved => match r.outcome {
            Some(PolicyOutcome::AlreadyExpired) => format!(
                ":information_source: Approved by {by} at {when}, but policy {} had already been expired (most likely by the insurer's callback). It was left as it was.",
                policy(&r.policy_number_masked)
            ),
            Some(PolicyOutcome::PolicyMissing) => format!(
                ":warning: Approved by {by} at {when}, but policy {} no longer exists. Nothing was changed.",
                policy(&r.policy_number_masked)
            ),
            _ => {
                let kept = if r.kept_earlier_valid_until() {
                    " Its existing end time was earlier than the cancellation time and was kept."
                } else {
                    ""
                };
                format!(
                    ":white_check_mark: Approved by {by} at {when}. Policy {} is now expired as of {}.{kept}",
                    policy(&r.policy_number_masked),
                    r.cancelled_at.map(|t| show_time(t, tz)).unwrap_or_default(),
                )
            }
        },
        RequestStatus::Rejected => {
            let note = free(r.decision_note.as_deref().unwrap_or("-"));
            let note = if limits::chars(&note) > note_max {
                format!(
                    "{} (the whole reason is in the thread)",
                    cut_mrkdwn(&note, note_max)
                )
            } else {
                note
            };
            format!(":x: Rejected by {by} at {when}. Reason: {note}. The policy was not changed.")
        }
        RequestStatus::TimedOut => format!(
            ":hourglass: Timed out at {when}: no lead decided in time. The policy was not changed; file a new request if it still needs expiring."
        ),
        _ => "Still waiting for a lead's decision.".to_owned(),
    }
}

/// The approval message after a decision: same facts, the outcome, no buttons. Both
/// reasons can be ~5,000 characters once escaped, more than one message may hold
/// together ([`limits::MESSAGE_BLOCKS_TEXT`]); the reject reason is then cut here, and
/// shown whole in the thread reply.
pub fn decided_message(r: &Request, tz: Tz) -> SlackMessageContent {
    let state = r.status.as_str().to_lowercase().replace('_', " ");
    let mut blocks = vec![
        section(format!("*Insurance expiry request #{}* — {state}", r.id)),
        section(request_fields(r, tz)),
    ];
    blocks.extend(reason_blocks(r));
    // Room for the outcome line's own words (~250) and some margin.
    let room = limits::MESSAGE_BLOCKS_TEXT
        .max
        .saturating_sub(text_chars(&blocks) + 400);
    blocks.extend(sections(&outcome_line_within(r, tz, room)));
    SlackMessageContent::new()
        .with_text(format!("Insurance expiry request #{}: {state}", r.id))
        .with_blocks(blocks)
}

/// The reply in the request message's thread: the outcome, whole.
pub fn thread_reply(r: &Request, tz: Tz) -> SlackMessageContent {
    rich(&outcome_line(r, tz))
}

/// The requester's notice that the request was posted. A link's label cannot hold a
/// channel mention (`<url|in <#C1>>` renders broken), so the channel and the link are
/// side by side.
pub fn filed_notice(r: &Request) -> SlackMessageContent {
    let link = match (&r.channel_id, &r.message_ts) {
        (Some(c), Some(ts)) => format!("in <#{c}> (<{}|open the request>)", message_link(c, ts)),
        _ => "to the approvals channel".to_owned(),
    };
    SlackMessageContent::new().with_text(format!(
        "Your request #{} to expire policy {} ({}) was posted {link}. I'll tell you when a lead decides.",
        r.id,
        policy(&r.policy_number_masked),
        name(&r.rider_name_masked)
    ))
}

/// The requester's notice that a Slack call their request owed was refused by Slack for
/// good (`code`), so it will not be made: `what` says which.
pub fn delivery_failed_notice(r: &Request, what: &str, code: &str) -> SlackMessageContent {
    SlackMessageContent::new().with_text(format!(
        "Your request #{} to expire policy {} ({}): {what} failed, and will not be retried: Slack refused it (`{code}`). The bot's operators are alerted. The request itself is unchanged; a CX lead can still decide it once this is fixed.",
        r.id,
        policy(&r.policy_number_masked),
        name(&r.rider_name_masked)
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
pub fn decided_notice(r: &Request, tz: Tz) -> SlackMessageContent {
    let link = match (&r.channel_id, &r.message_ts) {
        (Some(c), Some(ts)) => format!(" (<{}|request>)", message_link(c, ts)),
        _ => String::new(),
    };
    rich(&format!("Request #{}{link}: {}", r.id, outcome_line(r, tz)))
}
