//! Everything the bot shows in Slack: modals, the approval message, replies and notices.
//!
//! Builders here take already-masked values (a [`Candidate`] or a stored [`RequestRow`])
//! and produce slack-morphism Block Kit types; they never see raw personal data, so they
//! cannot leak it. Free text typed by people (the reasons) is escaped so that `<!channel>`
//! or a crafted link in a reason is shown, not executed.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use slack_morphism::prelude::*;

use crate::lookup::Candidate;
use crate::store::{RequestRow, outcome, status};

/// `callback_id`s of the bot's modals.
pub mod callback {
    pub const REQUEST: &str = "expiry_request";
    pub const CHOOSE_POLICY: &str = "expiry_choose_policy";
    pub const REJECT: &str = "expiry_reject";
}

/// `action_id`s (and the `block_id`s of the inputs that carry them), fixed by the contract.
pub mod action {
    pub const RIDER_QUERY: &str = "rider_query";
    pub const CANCELLED_AT: &str = "cancelled_at";
    pub const REASON: &str = "reason";
    pub const POLICY: &str = "policy";
    pub const APPROVE: &str = "approve_expiry";
    pub const REJECT: &str = "reject_expiry";
    /// The reject modal's reason input.
    pub const REJECT_REASON: &str = "reject_reason";
}

/// Slack's `radio_buttons` takes at most 10 options; past that a `static_select` is used.
const MAX_RADIO_OPTIONS: usize = 10;

/// Escapes the three characters Slack treats as control characters in message text.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A time as people read it: `2026-11-28 21:30 KST`.
pub fn show_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

/// A mrkdwn section block.
pub(crate) fn section(text: String) -> SlackBlock {
    SlackSectionBlock::new().with_text(md!(text)).into()
}

/// A mrkdwn context block (small grey text).
pub(crate) fn context(text: String) -> SlackBlock {
    SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
        SlackBlockMarkDownText::new(text),
    )])
    .into()
}

fn modal(title: &str, blocks: Vec<SlackBlock>) -> SlackModalView {
    SlackModalView::new(pt!(title), blocks)
}

/// The request modal opened by `/expire-insurance`, prefilled with what was typed.
pub fn request_modal(prefill: &str, initial_time: Option<DateTime<Utc>>) -> SlackView {
    let mut query = SlackBlockPlainTextInputElement::new()
        .with_action_id(action::RIDER_QUERY.into())
        .with_placeholder(pt!("Rider ID, or phone such as 010-1234-5678"))
        .with_max_length(64);
    if !prefill.trim().is_empty() {
        query = query.with_initial_value(prefill.trim().to_owned());
    }
    let mut picker =
        SlackBlockDateTimePickerElement::new().with_action_id(action::CANCELLED_AT.into());
    if let Some(t) = initial_time {
        picker = picker.with_initial_date_time(SlackDateTime(t));
    }
    let blocks = vec![
        section(
            "Expire a rider's hourly insurance after the insurer cancelled it. A lead approves before anything changes.".to_owned(),
        ),
        SlackInputBlock::new(pt!("Rider"), query.into())
            .with_block_id(action::RIDER_QUERY.into())
            .with_hint(pt!("Withdrawn riders are found too."))
            .into(),
        SlackInputBlock::new(pt!("Cancelled at the insurer"), picker.into())
            .with_block_id(action::CANCELLED_AT.into())
            .with_hint(pt!("When the rider asked the insurer to cancel. The policy ends then."))
            .into(),
        SlackInputBlock::new(
            pt!("Reason and CX ticket"),
            SlackBlockPlainTextInputElement::new()
                .with_action_id(action::REASON.into())
                .with_multiline(true)
                .with_max_length(1000)
                .with_placeholder(pt!("e.g. Cancelled with the insurer by phone, CX-12345"))
                .into(),
        )
        .with_block_id(action::REASON.into())
        .into(),
    ];
    SlackView::Modal(
        modal("Expire insurance", blocks)
            .with_callback_id(callback::REQUEST.into())
            .with_submit(pt!("Look up"))
            .with_close(pt!("Cancel")),
    )
}

fn candidate_label(c: &Candidate, tz: Tz) -> String {
    let member = if c.rider_status == "WITHDRAWN" {
        match c.withdrawn_at {
            Some(at) => format!("withdrawn {}", at.with_timezone(&tz).format("%Y-%m-%d")),
            None => "withdrawn".to_owned(),
        }
    } else {
        "active member".to_owned()
    };
    format!(
        "{} · {} · {} {} · {} · since {}",
        c.rider_name_masked,
        member,
        c.insurer,
        c.policy_number_masked,
        c.rider_phone_masked,
        c.valid_from.with_timezone(&tz).format("%Y-%m-%d"),
    )
}

/// The choice step when several policies match. `metadata` round-trips the first step's
/// answers (no raw personal data: policy and rider IDs, the time and the reason).
pub fn choose_policy_modal(candidates: &[Candidate], tz: Tz, metadata: String) -> SlackView {
    let options: Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>> = candidates
        .iter()
        .map(|c| {
            SlackBlockChoiceItem::new(
                pt!(truncate(&candidate_label(c, tz), 75)),
                c.policy_id.to_string(),
            )
        })
        .collect();
    let element: SlackInputBlockElement = if options.len() <= MAX_RADIO_OPTIONS {
        SlackBlockRadioButtonsElement::new(
            candidates
                .iter()
                .map(|c| {
                    SlackBlockChoiceItem::new(
                        SlackBlockText::Plain(SlackBlockPlainText::new(candidate_label(c, tz))),
                        c.policy_id.to_string(),
                    )
                })
                .collect(),
        )
        .with_action_id(action::POLICY.into())
        .into()
    } else {
        SlackBlockStaticSelectElement::new()
            .with_action_id(action::POLICY.into())
            .with_placeholder(pt!("Choose a policy"))
            .with_options(options)
            .into()
    };
    let riders = {
        let mut ids: Vec<i64> = candidates.iter().map(|c| c.rider_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    };
    let blocks = vec![
        section(format!(
            "*{} active policies* belong to *{}* rider account{} matching what you typed. A withdrawn account and a newer one can share a phone number: pick the policy the rider cancelled.",
            candidates.len(),
            riders,
            if riders == 1 { "" } else { "s" }
        )),
        SlackInputBlock::new(pt!("Policy to expire"), element)
            .with_block_id(action::POLICY.into())
            .into(),
    ];
    SlackView::Modal(
        modal("Choose the policy", blocks)
            .with_callback_id(callback::CHOOSE_POLICY.into())
            .with_private_metadata(metadata)
            .with_submit(pt!("File request"))
            .with_close(pt!("Cancel")),
    )
}

/// Shown in the modal once a request is filed.
pub fn filed_modal(
    request_id: i64,
    c: &Candidate,
    approval_channel: &str,
    lag_note: Option<String>,
) -> SlackView {
    let mut blocks = vec![section(format!(
        ":white_check_mark: Request *#{request_id}* is filed: expire {} policy {} of {} ({}).\nIt is being posted to <#{approval_channel}> for a lead's approval; I'll message you the outcome.",
        escape(&c.insurer),
        c.policy_number_masked,
        c.rider_name_masked,
        c.rider_phone_masked,
    ))];
    if let Some(note) = lag_note {
        blocks.push(context(note));
    }
    SlackView::Modal(modal("Request filed", blocks).with_close(pt!("Done")))
}

/// The reject modal: a lead says why.
pub fn reject_modal(request_id: i64, metadata: String) -> SlackView {
    let blocks = vec![
        section(format!(
            "Reject request *#{request_id}*. The policy stays as it is."
        )),
        SlackInputBlock::new(
            pt!("Why is it rejected?"),
            SlackBlockPlainTextInputElement::new()
                .with_action_id(action::REJECT_REASON.into())
                .with_multiline(true)
                .with_max_length(1000)
                .into(),
        )
        .with_block_id(action::REJECT_REASON.into())
        .into(),
    ];
    SlackView::Modal(
        modal("Reject request", blocks)
            .with_callback_id(callback::REJECT.into())
            .with_private_metadata(metadata)
            .with_submit(pt!("Reject"))
            .with_close(pt!("Cancel")),
    )
}

fn request_fields(r: &RequestRow, tz: Tz) -> String {
    let member = if r.rider_status == "WITHDRAWN" {
        "withdrawn member"
    } else {
        "active member"
    };
    format!(
        "*Rider:* {} ({}) · {}\n*Policy:* {} {}\n*Cancelled at the insurer:* {}\n*Reason:* {}\n*Requested by:* <@{}> at {}",
        r.rider_name_masked,
        member,
        r.rider_phone_masked,
        escape(&r.insurer),
        r.policy_number_masked,
        r.cancelled_at
            .map(|t| show_time(t, tz))
            .unwrap_or_else(|| "-".to_owned()),
        escape(&r.reason),
        r.requested_by,
        show_time(r.requested_at, tz),
    )
}

/// The approval request posted to the approvals channel, with the two buttons.
pub fn approval_message(r: &RequestRow, tz: Tz) -> SlackMessageContent {
    let value = r.id.to_string();
    let blocks = vec![
        section(format!("*Insurance expiry request #{}*", r.id)),
        section(request_fields(r, tz)),
        SlackActionsBlock::new(vec![
            SlackBlockButtonElement::new(pt!("Approve"))
                .with_action_id(action::APPROVE.into())
                .with_value(value.clone())
                .with_style(SlackBlockButtonStyle::Primary)
                .with_confirm(SlackBlockConfirmItem::new(
                    pt!("Expire this policy?"),
                    md!(format!(
                        "Policy {} will be expired as of {}.",
                        r.policy_number_masked,
                        r.cancelled_at.map(|t| show_time(t, tz)).unwrap_or_default()
                    )),
                    pt!("Expire it"),
                    pt!("Back"),
                ))
                .into(),
            SlackBlockButtonElement::new(pt!("Reject"))
                .with_action_id(action::REJECT.into())
                .with_value(value)
                .with_style(SlackBlockButtonStyle::Danger)
                .into(),
        ])
        .with_block_id(format!("decide_{}", r.id).into())
        .into(),
        context(format!(
            "Needs a lead's decision by {}. The requester cannot approve their own request.",
            r.expires_at
                .map(|t| show_time(t, tz))
                .unwrap_or_else(|| "-".to_owned())
        )),
    ];
    SlackMessageContent::new()
        .with_text(format!(
            "Insurance expiry request #{} for policy {}",
            r.id, r.policy_number_masked
        ))
        .with_blocks(blocks)
}

/// One line saying what happened, for the thread reply, the updated message and the
/// requester's notice.
pub fn outcome_line(r: &RequestRow, tz: Tz) -> String {
    let by = r
        .decided_by
        .as_deref()
        .map(|u| format!("<@{u}>"))
        .unwrap_or_else(|| "expire-bot".to_owned());
    let when = r
        .decided_at
        .map(|t| show_time(t, tz))
        .unwrap_or_else(|| "-".to_owned());
    match r.status.as_str() {
        status::APPROVED => match r.outcome.as_deref() {
            Some(outcome::ALREADY_EXPIRED) => format!(
                ":information_source: Approved by {by} at {when}, but policy {} had already been expired (most likely by the insurer's callback). It was left as it was.",
                r.policy_number_masked
            ),
            Some(outcome::POLICY_MISSING) => format!(
                ":warning: Approved by {by} at {when}, but policy {} no longer exists. Nothing was changed.",
                r.policy_number_masked
            ),
            _ => {
                let kept = if r.decision_note.as_deref() == Some("kept_earlier_valid_until") {
                    " Its existing end time was earlier than the cancellation time and was kept."
                } else {
                    ""
                };
                format!(
                    ":white_check_mark: Approved by {by} at {when}. Policy {} is now expired as of {}.{kept}",
                    r.policy_number_masked,
                    r.cancelled_at.map(|t| show_time(t, tz)).unwrap_or_default(),
                )
            }
        },
        status::REJECTED => format!(
            ":x: Rejected by {by} at {when}. Reason: {}. The policy was not changed.",
            escape(r.decision_note.as_deref().unwrap_or("-"))
        ),
        status::TIMED_OUT => format!(
            ":hourglass: Timed out at {when}: no lead decided in time. The policy was not changed; file a new request if it still needs expiring."
        ),
        _ => "Still waiting for a lead's decision.".to_owned(),
    }
}

/// The approval message after a decision: same facts, the outcome, no buttons.
pub fn decided_message(r: &RequestRow, tz: Tz) -> SlackMessageContent {
    let blocks = vec![
        section(format!(
            "*Insurance expiry request #{}* — {}",
            r.id,
            r.status.to_lowercase().replace('_', " ")
        )),
        section(request_fields(r, tz)),
        section(outcome_line(r, tz)),
    ];
    SlackMessageContent::new()
        .with_text(format!(
            "Insurance expiry request #{}: {}",
            r.id,
            r.status.to_lowercase().replace('_', " ")
        ))
        .with_blocks(blocks)
}

pub fn thread_reply(r: &RequestRow, tz: Tz) -> SlackMessageContent {
    SlackMessageContent::new().with_text(outcome_line(r, tz))
}

/// A link to a message; Slack redirects it to the right workspace.
pub fn message_link(channel: &str, ts: &str) -> String {
    format!(
        "https://slack.com/archives/{channel}/p{}",
        ts.replace('.', "")
    )
}

/// The requester's notice that the request was posted.
pub fn filed_notice(r: &RequestRow) -> SlackMessageContent {
    let link = match (&r.channel_id, &r.message_ts) {
        (Some(c), Some(ts)) => format!("<{}|in <#{c}>>", message_link(c, ts)),
        _ => "to the approvals channel".to_owned(),
    };
    SlackMessageContent::new().with_text(format!(
        "Your request #{} to expire policy {} ({}) was posted {link}. I'll tell you when a lead decides.",
        r.id, r.policy_number_masked, r.rider_name_masked
    ))
}

/// The requester's notice of the outcome.
pub fn decided_notice(r: &RequestRow, tz: Tz) -> SlackMessageContent {
    let link = match (&r.channel_id, &r.message_ts) {
        (Some(c), Some(ts)) => format!(" (<{}|request>)", message_link(c, ts)),
        _ => String::new(),
    };
    SlackMessageContent::new().with_text(format!(
        "Request #{}{link}: {}",
        r.id,
        outcome_line(r, tz)
    ))
}

/// A plain text message (ephemeral answers).
pub fn text(t: impl Into<String>) -> SlackMessageContent {
    SlackMessageContent::new().with_text(t.into())
}

fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max_chars - 1).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_slack_control_characters() {
        assert_eq!(
            escape("<!channel> & <@U1>"),
            "&lt;!channel&gt; &amp; &lt;@U1&gt;"
        );
    }

    #[test]
    fn request_modal_carries_the_contract_ids() {
        let v = serde_json::to_value(request_modal("010-1234-5678", None)).unwrap();
        let s = v.to_string();
        for id in ["rider_query", "cancelled_at", "reason", "datetimepicker"] {
            assert!(s.contains(id), "{id} missing from {s}");
        }
        assert_eq!(v["callback_id"], "expiry_request");
        assert_eq!(v["type"], "modal");
    }

    #[test]
    fn message_link_drops_the_dot() {
        assert_eq!(
            message_link("C1", "1700000000.000100"),
            "https://slack.com/archives/C1/p1700000000000100"
        );
    }
}
