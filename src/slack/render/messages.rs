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

use chrono_tz::Tz;
use slack_morphism::prelude::*;

use super::blocks::{
    context, free, insurer, message_link, name, policy, rich, section, sections, show_time,
    text_chars,
};
use crate::domain::{Approval, Mentions, PolicyOutcome, Request, RequestStatus};
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

/// How a request's status reads in its messages (a withdrawal is not the insurer's
/// cancellation, so `CANCELLED` reads "withdrawn").
fn status_word(status: RequestStatus) -> String {
    match status {
        RequestStatus::Cancelled => "withdrawn".to_owned(),
        s => s.as_str().to_lowercase().replace('_', " "),
    }
}

/// `<@U1> at 10:02 KST · <@U2> at 10:15 KST`.
fn approvals_list(approvals: &[Approval], tz: Tz) -> String {
    approvals
        .iter()
        .map(|a| format!("<@{}> at {}", a.approver, show_time(a.approved_at, tz)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The approvals line of a request that needs several: `*Approvals:* 1 of 2 — <@U1> at …`.
fn approvals_line(r: &Request, approvals: &[Approval], tz: Tz) -> String {
    let given = if approvals.is_empty() {
        "none yet".to_owned()
    } else {
        approvals_list(approvals, tz)
    };
    format!(
        "*Approvals:* {} of {} — {given}",
        r.approvals, r.approvals_required
    )
}

/// Why this request needs the approvals it does, for the approval message's footer.
fn approvals_needed(r: &Request) -> String {
    match (r.needs_several_approvals(), r.backdated) {
        (false, _) => "a lead's decision".to_owned(),
        (true, true) => format!(
            "{} approvals from different leads (the cancellation time is far in the past, so premiums after it go unbilled)",
            r.approvals_required
        ),
        (true, false) => format!("{} approvals from different leads", r.approvals_required),
    }
}

/// The Withdraw button: only the requester's click does anything (the others are told so,
/// privately); Slack asks first.
fn withdraw_button(r: &Request) -> SlackActionBlockElement {
    SlackBlockButtonElement::new(pt!("Withdraw request"))
        .with_action_id(ActionId::Withdraw.as_str().into())
        .with_value(r.id.to_string())
        .with_confirm(SlackBlockConfirmItem::new(
            pt!("Withdraw this request?"),
            md!(format!(
                "Request #{} will be withdrawn and policy {} left as it is. Only the agent who filed it can withdraw it.",
                r.id,
                policy(&r.policy_number_masked)
            )),
            pt!("Withdraw it"),
            pt!("Back"),
        ))
        .into()
}

/// The approval request posted to the approvals channel, with its buttons; a request that
/// needs several approvals shows those given so far.
pub fn approval_message(r: &Request, approvals: &[Approval], tz: Tz) -> SlackMessageContent {
    let value = r.id.to_string();
    let mut blocks = vec![
        section(format!("*Insurance expiry request #{}*", r.id)),
        section(request_fields(r, tz)),
    ];
    blocks.extend(reason_blocks(r));
    if r.needs_several_approvals() {
        blocks.push(section(approvals_line(r, approvals, tz)));
    }
    let cancelled_at = r.cancelled_at.map(|t| show_time(t, tz)).unwrap_or_default();
    // Whether the next approval is the last one needed: only that one expires the policy.
    let confirm = if r.approvals + 1 >= r.approvals_required {
        SlackBlockConfirmItem::new(
            pt!("Expire this policy?"),
            md!(format!(
                "Policy {} will be expired as of {cancelled_at}.",
                policy(&r.policy_number_masked),
            )),
            pt!("Expire it"),
            pt!("Back"),
        )
    } else {
        SlackBlockConfirmItem::new(
            pt!("Approve this request?"),
            md!(format!(
                "Yours is approval {} of {}. Policy {} is expired as of {cancelled_at} once all {} are in.",
                r.approvals + 1,
                r.approvals_required,
                policy(&r.policy_number_masked),
                r.approvals_required,
            )),
            pt!("Approve"),
            pt!("Back"),
        )
    };
    blocks.push(
        SlackActionsBlock::new(vec![
            SlackBlockButtonElement::new(pt!("Approve"))
                .with_action_id(ActionId::Approve.as_str().into())
                .with_value(value.clone())
                .with_style(SlackBlockButtonStyle::Primary)
                .with_confirm(confirm)
                .into(),
            SlackBlockButtonElement::new(pt!("Reject"))
                .with_action_id(ActionId::Reject.as_str().into())
                .with_value(value)
                .with_style(SlackBlockButtonStyle::Danger)
                .into(),
            withdraw_button(r),
        ])
        .with_block_id(format!("decide_{}", r.id).into())
        .into(),
    );
    let rules = if r.needs_several_approvals() {
        " The requester cannot approve their own request, each lead counts once, and any one rejection ends it."
    } else {
        " The requester cannot approve their own request."
    };
    blocks.push(context(format!(
        "Needs {} by {}.{rules} Only the requester can withdraw it.",
        approvals_needed(r),
        r.expires_at
            .map(|t| show_time(t, tz))
            .unwrap_or_else(|| "-".to_owned())
    )));
    let count = if r.needs_several_approvals() {
        format!(" ({} of {} approvals)", r.approvals, r.approvals_required)
    } else {
        String::new()
    };
    SlackMessageContent::new()
        .with_text(format!(
            "Insurance expiry request #{} for policy {}{count}",
            r.id,
            policy(&r.policy_number_masked)
        ))
        .with_blocks(blocks)
}

/// The thread reply for one approval of several (the `ordinal`-th), which did not yet
/// decide the request.
pub fn approval_reply(r: &Request, a: &Approval, ordinal: i32, tz: Tz) -> SlackMessageContent {
    let missing = (r.approvals_required - ordinal).max(1);
    let more = if missing == 1 {
        "One more approval, from another lead, is needed".to_owned()
    } else {
        format!("{missing} more approvals, from other leads, are needed")
    };
    rich(&format!(
        ":ballot_box_with_check: Approval {ordinal} of {} by <@{}> at {}. {more} before policy {} is expired.",
        r.approvals_required,
        a.approver,
        show_time(a.approved_at, tz),
        policy(&r.policy_number_masked),
    ))
}

/// The one reminder, in the request's thread: how long it has waited, and the approvers
/// who may still decide it, mentioned so Slack notifies them.
pub fn reminder_reply(r: &Request, who: &Mentions, tz: Tz) -> SlackMessageContent {
    /// Listed approvers mentioned by name at most; more are counted.
    const MENTIONED: usize = 30;
    let mut names: Vec<String> = who
        .usergroup
        .iter()
        .map(|g| format!("<!subteam^{g}>"))
        .chain(who.users.iter().take(MENTIONED).map(|u| format!("<@{u}>")))
        .collect();
    if who.users.len() > MENTIONED {
        names.push(format!("and {} more", who.users.len() - MENTIONED));
    }
    let so_far = if r.needs_several_approvals() {
        format!(
            " ({} of {} approvals so far)",
            r.approvals, r.approvals_required
        )
    } else {
        String::new()
    };
    let ask = if names.is_empty() {
        "Nobody else is configured to decide it: ask the bot's operators to check APPROVER_USER_IDS and APPROVER_USERGROUP_ID.".to_owned()
    } else {
        format!("{}: please approve or reject it.", names.join(" "))
    };
    rich(&format!(
        ":alarm_clock: Reminder: request #{} has waited for a decision since {}{so_far}. {ask} It times out at {}.",
        r.id,
        show_time(r.requested_at, tz),
        r.expires_at
            .map(|t| show_time(t, tz))
            .unwrap_or_else(|| "-".to_owned()),
    ))
}

/// The requester's notice that the reminder went out.
pub fn reminded_notice(r: &Request, tz: Tz) -> SlackMessageContent {
    let link = match (&r.channel_id, &r.message_ts) {
        (Some(c), Some(ts)) => format!(" (<{}|request>)", message_link(c, ts)),
        _ => String::new(),
    };
    let so_far = if r.needs_several_approvals() {
        format!(
            ", {} of {} approvals so far",
            r.approvals, r.approvals_required
        )
    } else {
        String::new()
    };
    rich(&format!(
        "Your request #{}{link} to expire policy {} is still waiting for a decision{so_far}, so I reminded the approvers in its thread. It times out at {}.",
        r.id,
        policy(&r.policy_number_masked),
        r.expires_at
            .map(|t| show_time(t, tz))
            .unwrap_or_else(|| "-".to_owned()),
    ))
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
                let count = if r.needs_several_approvals() {
                    format!(", approval {} of {}", r.approvals, r.approvals_required)
                } else {
                    String::new()
                };
                format!(
                    ":white_check_mark: Approved by {by} at {when}{count}. Policy {} is now expired as of {}.{kept}",
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
        RequestStatus::Cancelled => format!(
            ":leftwards_arrow_with_hook: Withdrawn by its requester {by} at {when}. The policy was not changed."
        ),
        RequestStatus::Pending if r.needs_several_approvals() => format!(
            "Still waiting: {} of {} approvals given.",
            r.approvals, r.approvals_required
        ),
        RequestStatus::Pending => "Still waiting for a lead's decision.".to_owned(),
    }
}

/// The approval message after a decision: same facts, the outcome, no buttons. Both
/// reasons can be ~5,000 characters once escaped, more than one message may hold
/// together ([`limits::MESSAGE_BLOCKS_TEXT`]); the reject reason is then cut here, and
/// shown whole in the thread reply.
pub fn decided_message(r: &Request, approvals: &[Approval], tz: Tz) -> SlackMessageContent {
    let state = status_word(r.status);
    let mut blocks = vec![
        section(format!("*Insurance expiry request #{}* — {state}", r.id)),
        section(request_fields(r, tz)),
    ];
    blocks.extend(reason_blocks(r));
    if r.needs_several_approvals() {
        blocks.push(section(approvals_line(r, approvals, tz)));
    }
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
///
/// It carries the Withdraw button: the requester's own place to take the request back.
pub fn filed_notice(r: &Request) -> SlackMessageContent {
    let link = match (&r.channel_id, &r.message_ts) {
        (Some(c), Some(ts)) => format!("in <#{c}> (<{}|open the request>)", message_link(c, ts)),
        _ => "to the approvals channel".to_owned(),
    };
    let needs = if r.needs_several_approvals() {
        format!(
            " It needs {} approvals from different leads{}.",
            r.approvals_required,
            if r.backdated {
                " because the cancellation time is far in the past"
            } else {
                ""
            }
        )
    } else {
        String::new()
    };
    let text = format!(
        "Your request #{} to expire policy {} ({}) was posted {link}.{needs} I'll tell you when a lead decides; until then you can withdraw it here.",
        r.id,
        policy(&r.policy_number_masked),
        name(&r.rider_name_masked)
    );
    SlackMessageContent::new()
        .with_text(cut_mrkdwn(&text, limits::MESSAGE_TEXT.max))
        .with_blocks(vec![
            section(text),
            SlackActionsBlock::new(vec![withdraw_button(r)])
                .with_block_id(format!("withdraw_{}", r.id).into())
                .into(),
        ])
}

/// The requester's notice of the outcome.
pub fn decided_notice(r: &Request, tz: Tz) -> SlackMessageContent {
    let link = match (&r.channel_id, &r.message_ts) {
        (Some(c), Some(ts)) => format!(" (<{}|request>)", message_link(c, ts)),
        _ => String::new(),
    };
    rich(&format!("Request #{}{link}: {}", r.id, outcome_line(r, tz)))
}
