//! The messages about one request: the approval request with its buttons (Approve, Reject,
//! and Withdraw for its requester), the decided message that replaces it (no buttons), the
//! thread replies (an approval of several, the reminder, the outcome), and the requester's
//! notices. They take a stored [`Request`], whose personal values were masked when it was
//! filed, and the [`Approval`]s given so far.
//!
//! A request that needs several approvals counts them where people look: the message says
//! "1 of 2 approvals" (rewritten in place after each), each approval is replied in the
//! thread, and the approve button's confirmation says whether this click expires the
//! policy or counts one approval of several.
//!
//! Both reasons can be ~5,000 characters once escaped, more than one message may hold
//! together ([`limits::MESSAGE_BLOCKS_TEXT`]): the approval reason is spread over several
//! section blocks, never cut; the reject reason is cut in the decided message (saying
//! where the whole of it is) and shown whole in the thread.

use slack_morphism::prelude::*;

use super::blocks::{
    context, free, insurer, message_link, name, policy, rich, section, sections, text_chars,
};
use crate::domain::{Approval, Mentions, PolicyOutcome, Request, RequestStatus};
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
pub(super) fn request_fields(l: Locale, r: &Request) -> String {
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

/// `yes` or `no`, as the catalogue's `$backdated` selects on it.
fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The approvals line of a request that needs several: `*Approvals:* 1 of 2 — <@U1> at …`.
fn approvals_line(l: Locale, r: &Request, approvals: &[Approval]) -> String {
    let given = if approvals.is_empty() {
        tr!(l, "approval-approvals-none")
    } else {
        approvals
            .iter()
            .map(|a| {
                tr!(
                    l,
                    "approval-approvals-item",
                    approver = a.approver.to_string(),
                    approved_at = l.time(a.approved_at)
                )
            })
            .collect::<Vec<_>>()
            .join(&tr!(l, "list-separator"))
    };
    tr!(
        l,
        "approval-approvals-field",
        approvals = r.approvals,
        required = r.approvals_required,
        given = given
    )
}

/// The Withdraw button: only the requester's click does anything (the others are told so,
/// privately); Slack asks first.
fn withdraw_button(l: Locale, r: &Request) -> SlackActionBlockElement {
    SlackBlockButtonElement::new(pt!(tr!(l, "withdraw-button")))
        .with_action_id(ActionId::Withdraw.as_str().into())
        .with_value(r.id.to_string())
        .with_confirm(SlackBlockConfirmItem::new(
            pt!(tr!(l, "withdraw-confirm.title")),
            md!(tr!(
                l,
                "withdraw-confirm.body",
                request_id = r.id.to_string(),
                policy = policy(&r.policy_number_masked)
            )),
            pt!(tr!(l, "withdraw-confirm.confirm")),
            pt!(tr!(l, "withdraw-confirm.deny")),
        ))
        .into()
}

/// The Approve button's confirmation: the last approval needed expires the policy; an
/// earlier one only counts.
fn approve_confirm(l: Locale, r: &Request) -> SlackBlockConfirmItem {
    let (shown_policy, cancelled_at) = (
        policy(&r.policy_number_masked),
        l.time_or_missing(r.cancelled_at),
    );
    if r.approvals + 1 >= r.approvals_required {
        SlackBlockConfirmItem::new(
            pt!(tr!(l, "approval-confirm.title")),
            md!(tr!(
                l,
                "approval-confirm.body",
                policy = shown_policy,
                cancelled_at = cancelled_at
            )),
            pt!(tr!(l, "approval-confirm.confirm")),
            pt!(tr!(l, "approval-confirm.deny")),
        )
    } else {
        SlackBlockConfirmItem::new(
            pt!(tr!(l, "approval-count-confirm.title")),
            md!(tr!(
                l,
                "approval-count-confirm.body",
                ordinal = r.approvals + 1,
                required = r.approvals_required,
                policy = shown_policy,
                cancelled_at = cancelled_at
            )),
            pt!(tr!(l, "approval-count-confirm.confirm")),
            pt!(tr!(l, "approval-count-confirm.deny")),
        )
    }
}

/// The approval request posted to the approvals channel, with its buttons; a request that
/// needs several approvals shows those given so far.
/// Approve and Reject for `r`: the same `action_id`s, values and confirmation wherever they
/// are shown (the approval message, the Home tab), so one click handler serves them all.
pub(super) fn decide_buttons(l: Locale, r: &Request) -> Vec<SlackActionBlockElement> {
    let value = r.id.to_string();
    vec![
        SlackBlockButtonElement::new(pt!(tr!(l, "approval-approve-button")))
            .with_action_id(ActionId::Approve.as_str().into())
            .with_value(value.clone())
            .with_style(SlackBlockButtonStyle::Primary)
            .with_confirm(approve_confirm(l, r))
            .into(),
        SlackBlockButtonElement::new(pt!(tr!(l, "approval-reject-button")))
            .with_action_id(ActionId::Reject.as_str().into())
            .with_value(value)
            .with_style(SlackBlockButtonStyle::Danger)
            .into(),
    ]
}

pub fn approval_message(l: Locale, r: &Request, approvals: &[Approval]) -> SlackMessageContent {
    let mut blocks = vec![
        section(tr!(l, "approval-header", request_id = r.id.to_string())),
        section(request_fields(l, r)),
    ];
    blocks.extend(reason_blocks(l, r));
    if r.needs_several_approvals() {
        blocks.push(section(approvals_line(l, r, approvals)));
    }
    blocks.push(
        SlackActionsBlock::new({
            let mut buttons = decide_buttons(l, r);
            buttons.push(withdraw_button(l, r));
            buttons
        })
        .with_block_id(format!("decide_{}", r.id).into())
        .into(),
    );
    let expires_at = l.time_or_missing(r.expires_at);
    blocks.push(context(if r.needs_several_approvals() {
        tr!(
            l,
            "approval-deadline-several",
            expires_at = expires_at,
            required = r.approvals_required,
            backdated = yes_no(r.backdated)
        )
    } else {
        tr!(l, "approval-deadline", expires_at = expires_at)
    }));
    let text = if r.needs_several_approvals() {
        tr!(
            l,
            "approval-fallback-several",
            request_id = r.id.to_string(),
            policy = policy(&r.policy_number_masked),
            approvals = r.approvals,
            required = r.approvals_required
        )
    } else {
        tr!(
            l,
            "approval-fallback",
            request_id = r.id.to_string(),
            policy = policy(&r.policy_number_masked)
        )
    };
    SlackMessageContent::new()
        .with_text(text)
        .with_blocks(blocks)
}

/// The thread reply for one approval of several (the `ordinal`-th), which did not yet
/// decide the request.
pub fn approval_reply(l: Locale, r: &Request, a: &Approval, ordinal: i32) -> SlackMessageContent {
    rich(&tr!(
        l,
        "approval-counted-reply",
        ordinal = ordinal,
        required = r.approvals_required,
        approver = a.approver.to_string(),
        approved_at = l.time(a.approved_at),
        missing = (r.approvals_required - ordinal).max(1),
        policy = policy(&r.policy_number_masked)
    ))
}

/// The one reminder, in the request's thread: how long it has waited, and the approvers
/// who may still decide it, mentioned so Slack notifies them.
pub fn reminder_reply(l: Locale, r: &Request, who: &Mentions) -> SlackMessageContent {
    /// Listed approvers mentioned by name at most; more are counted.
    const MENTIONED: usize = 30;
    let mut names: Vec<String> = who
        .usergroup
        .iter()
        .map(|g| format!("<!subteam^{g}>"))
        .chain(who.users.iter().take(MENTIONED).map(|u| format!("<@{u}>")))
        .collect();
    if who.users.len() > MENTIONED {
        names.push(tr!(
            l,
            "reminder-more-approvers",
            more = who.users.len() - MENTIONED
        ));
    }
    let (id, since, expires_at) = (
        r.id.to_string(),
        l.time(r.requested_at),
        l.time_or_missing(r.expires_at),
    );
    rich(&if names.is_empty() {
        tr!(
            l,
            "reminder-reply-nobody",
            request_id = id,
            requested_at = since,
            approvals = r.approvals,
            required = r.approvals_required,
            expires_at = expires_at
        )
    } else {
        tr!(
            l,
            "reminder-reply",
            request_id = id,
            requested_at = since,
            approvals = r.approvals,
            required = r.approvals_required,
            approvers = names.join(" "),
            expires_at = expires_at
        )
    })
}

/// The requester's notice that the reminder went out.
pub fn reminded_notice(l: Locale, r: &Request) -> SlackMessageContent {
    let (id, shown_policy, expires_at) = (
        r.id.to_string(),
        policy(&r.policy_number_masked),
        l.time_or_missing(r.expires_at),
    );
    rich(&match (&r.channel_id, &r.message_ts) {
        (Some(c), Some(ts)) => tr!(
            l,
            "notice-reminded",
            request_id = id,
            link = message_link(c, ts),
            policy = shown_policy,
            approvals = r.approvals,
            required = r.approvals_required,
            expires_at = expires_at
        ),
        _ => tr!(
            l,
            "notice-reminded-no-link",
            request_id = id,
            policy = shown_policy,
            approvals = r.approvals,
            required = r.approvals_required,
            expires_at = expires_at
        ),
    })
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
            _ if r.needs_several_approvals() => tr!(
                l,
                "outcome-approved-last",
                decider = by,
                decided_at = when,
                required = r.approvals_required,
                policy = shown_policy,
                cancelled_at = l.time_or_missing(r.cancelled_at),
                kept = yes_no(r.kept_earlier_valid_until())
            ),
            _ => tr!(
                l,
                "outcome-approved",
                decider = by,
                decided_at = when,
                policy = shown_policy,
                cancelled_at = l.time_or_missing(r.cancelled_at),
                kept = yes_no(r.kept_earlier_valid_until())
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
        RequestStatus::Cancelled => tr!(l, "outcome-withdrawn", decider = by, decided_at = when),
        RequestStatus::Pending if r.needs_several_approvals() => tr!(
            l,
            "outcome-pending-several",
            approvals = r.approvals,
            required = r.approvals_required
        ),
        RequestStatus::Pending => tr!(l, "outcome-pending"),
    }
}

/// The approval message after a decision: same facts, the outcome, no buttons. Both
/// reasons can be ~5,000 characters once escaped, more than one message may hold
/// together ([`limits::MESSAGE_BLOCKS_TEXT`]); the reject reason is then cut here, and
/// shown whole in the thread reply.
pub fn decided_message(l: Locale, r: &Request, approvals: &[Approval]) -> SlackMessageContent {
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
    if r.needs_several_approvals() {
        blocks.push(section(approvals_line(l, r, approvals)));
    }
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
///
/// It carries the Withdraw button: the requester's own place to take the request back.
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
            link = message_link(c, ts),
            required = r.approvals_required,
            backdated = yes_no(r.backdated)
        ),
        _ => tr!(
            l,
            "notice-filed-no-link",
            request_id = id,
            policy = shown_policy,
            name = who,
            required = r.approvals_required,
            backdated = yes_no(r.backdated)
        ),
    };
    SlackMessageContent::new()
        .with_text(cut_mrkdwn(&text, limits::MESSAGE_TEXT.max))
        .with_blocks(vec![
            section(text),
            SlackActionsBlock::new(vec![withdraw_button(l, r)])
                .with_block_id(format!("withdraw_{}", r.id).into())
                .into(),
        ])
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
