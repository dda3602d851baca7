//! The bot's modals: the request form, the policy choice, "filed", and the reject form.
//! They take masked values only ([`Candidate`]) and stay inside Slack's limits for any
//! input the bot accepts.
//!
//! The agent is told before filing how many approvals a request will need: the request
//! form's time input says which cancellation times need one more (when
//! `SECOND_APPROVAL_BACKDATE` is on), the choice step says what this one needs, and "filed"
//! says it again.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use slack_morphism::prelude::*;

use super::blocks::{context, insurer, modal, name, policy, section, show_span};
use crate::domain::{Candidate, Needed, RequestId};
use crate::slack::ids::{ActionId, CallbackId};
use crate::slack::limits::{self, cut};

/// What the request modal says about approvals: every request's number, and the backdate
/// rule's limit when it is on (`APPROVALS_REQUIRED`, `SECOND_APPROVAL_BACKDATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalRules {
    pub approvals_required: u32,
    pub second_approval_backdate: Option<std::time::Duration>,
}

impl Default for ApprovalRules {
    fn default() -> Self {
        ApprovalRules {
            approvals_required: 1,
            second_approval_backdate: None,
        }
    }
}

/// "a lead's approval" / "approval by 2 different leads".
fn approval_by(n: u32) -> String {
    if n <= 1 {
        "a lead's approval".to_owned()
    } else {
        format!("approval by {n} different leads")
    }
}

/// Why a request needs what it needs, as the choice step and "filed" say it.
fn needed_note(needed: Needed, rules: ApprovalRules) -> String {
    let why = match (needed.backdated, rules.second_approval_backdate) {
        (true, Some(limit)) => format!(
            ": the cancellation time is more than {} back, and premiums after it go unbilled",
            show_span(limit)
        ),
        _ => String::new(),
    };
    format!("This request needs {}{why}.", approval_by(needed.approvals))
}

/// The request modal opened by `/expire-insurance`, prefilled with what was typed.
pub fn request_modal(
    prefill: &str,
    initial_time: Option<DateTime<Utc>>,
    rules: ApprovalRules,
) -> SlackView {
    let mut query = SlackBlockPlainTextInputElement::new()
        .with_action_id(ActionId::RiderQuery.as_str().into())
        .with_placeholder(pt!("Rider ID, or phone such as 010-1234-5678"))
        .with_max_length(64);
    if !prefill.trim().is_empty() {
        // What was typed after the command may be longer than the input takes; Slack
        // would refuse an initial value over the input's own max_length.
        query = query.with_initial_value(cut(prefill.trim(), 64));
    }
    let mut picker = SlackBlockDateTimePickerElement::new()
        .with_action_id(ActionId::CancelledAt.as_str().into());
    if let Some(t) = initial_time {
        picker = picker.with_initial_date_time(SlackDateTime(t));
    }
    let who = if rules.approvals_required > 1 {
        format!("{} different leads approve", rules.approvals_required)
    } else {
        "A lead approves".to_owned()
    };
    let mut hint = "When the rider asked the insurer to cancel. The policy ends then.".to_owned();
    if let Some(limit) = rules.second_approval_backdate {
        hint.push_str(&format!(
            " A time more than {} back needs {} instead of {}.",
            show_span(limit),
            approval_by(rules.approvals_required + 1),
            approval_by(rules.approvals_required)
        ));
    }
    let blocks = vec![
        section(format!(
            "Expire a rider's hourly insurance after the insurer cancelled it. {who} before anything changes."
        )),
        SlackInputBlock::new(pt!("Rider"), query.into())
            .with_block_id(ActionId::RiderQuery.as_str().into())
            .with_hint(pt!("Withdrawn riders are found too."))
            .into(),
        SlackInputBlock::new(pt!("Cancelled at the insurer"), picker.into())
            .with_block_id(ActionId::CancelledAt.as_str().into())
            .with_hint(pt!(hint))
            .into(),
        SlackInputBlock::new(
            pt!("Reason and CX ticket"),
            SlackBlockPlainTextInputElement::new()
                .with_action_id(ActionId::Reason.as_str().into())
                .with_multiline(true)
                .with_max_length(1000)
                .with_placeholder(pt!("e.g. Cancelled with the insurer by phone, CX-12345"))
                .into(),
        )
        .with_block_id(ActionId::Reason.as_str().into())
        .into(),
    ];
    SlackView::Modal(
        modal("Expire insurance", blocks)
            .with_callback_id(CallbackId::Request.as_str().into())
            .with_submit(pt!("Look up"))
            .with_close(pt!("Cancel")),
    )
}

fn member_status(c: &Candidate, tz: Tz) -> String {
    if c.is_withdrawn() {
        match c.withdrawn_at {
            Some(at) => format!("withdrawn {}", at.with_timezone(&tz).format("%Y-%m-%d")),
            None => "withdrawn".to_owned(),
        }
    } else {
        "active member".to_owned()
    }
}

/// One policy as an option: the text names the policy (masked number first, so a cut
/// only ever shortens the insurer), the description the rider: masked name, member status
/// (what tells a withdrawn account from the new one), phone, and since when. Both fit
/// Slack's 75 characters (16 + 3 + 20 + 3 + 13 + 3 + 16 = 74 at most).
fn candidate_option(c: &Candidate, tz: Tz) -> SlackBlockChoiceItem<SlackBlockPlainTextOnly> {
    let text = format!(
        "{} · {}",
        policy(&c.policy_number_masked),
        cut(&c.insurer, 56)
    );
    let description = format!(
        "{} · {} · {} · since {}",
        name(&c.rider_name_masked),
        member_status(c, tz),
        cut(&c.rider_phone_masked, 13),
        c.valid_from.with_timezone(&tz).format("%Y-%m-%d"),
    );
    let mut item = SlackBlockChoiceItem::new(
        pt!(cut(&text, limits::OPTION_TEXT.max)),
        c.policy_id.to_string(),
    );
    item.description = Some(pt!(cut(&description, limits::OPTION_DESCRIPTION.max)));
    item
}

/// The choice step when several policies match. `metadata` round-trips the first step's
/// answers (no raw personal data): the caller keeps it under Slack's 3,000 characters.
/// `needed`: what the request will need once filed, said when it is more than one approval.
pub fn choose_policy_modal(
    candidates: &[Candidate],
    tz: Tz,
    metadata: String,
    needed: Needed,
    rules: ApprovalRules,
) -> SlackView {
    let options: Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>> = candidates
        .iter()
        .take(limits::SELECT_OPTIONS.max)
        .map(|c| candidate_option(c, tz))
        .collect();
    let element: SlackInputBlockElement = if options.len() <= limits::RADIO_OPTIONS.max {
        SlackBlockRadioButtonsElement::new(
            options
                .into_iter()
                .map(|o| SlackBlockChoiceItem {
                    text: o.text.into(),
                    value: o.value,
                    description: o.description,
                    url: None,
                })
                .collect(),
        )
        .with_action_id(ActionId::Policy.as_str().into())
        .into()
    } else {
        SlackBlockStaticSelectElement::new()
            .with_action_id(ActionId::Policy.as_str().into())
            .with_placeholder(pt!("Choose a policy"))
            .with_options(options)
            .into()
    };
    let riders = {
        let mut ids: Vec<_> = candidates.iter().map(|c| c.rider_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    };
    let mut blocks = vec![
        section(format!(
            "*{} active policies* belong to *{}* rider account{} matching what you typed. A withdrawn account and a newer one can share a phone number: pick the policy the rider cancelled.",
            candidates.len(),
            riders,
            if riders == 1 { "" } else { "s" }
        )),
        SlackInputBlock::new(pt!("Policy to expire"), element)
            .with_block_id(ActionId::Policy.as_str().into())
            .into(),
    ];
    if needed.approvals > 1 {
        blocks.push(context(format!(
            ":information_source: {}",
            needed_note(needed, rules)
        )));
    }
    SlackView::Modal(
        modal("Choose the policy", blocks)
            .with_callback_id(CallbackId::ChoosePolicy.as_str().into())
            .with_private_metadata(metadata)
            .with_submit(pt!("File request"))
            .with_close(pt!("Cancel")),
    )
}

/// Shown in the modal once a request is filed.
pub fn filed_modal(
    request_id: RequestId,
    c: &Candidate,
    approval_channel: &str,
    lag_note: Option<String>,
    needed: Needed,
    rules: ApprovalRules,
) -> SlackView {
    let mut blocks = vec![section(format!(
        ":white_check_mark: Request *#{request_id}* is filed: expire {} policy {} of {} ({}).\nIt is being posted to <#{approval_channel}> for {}; I'll message you the outcome. Until it is decided you can withdraw it from that message or from my message to you.",
        insurer(&c.insurer),
        policy(&c.policy_number_masked),
        name(&c.rider_name_masked),
        cut(&c.rider_phone_masked, 13),
        approval_by(needed.approvals),
    ))];
    if needed.approvals > 1 {
        blocks.push(context(format!(
            ":information_source: {}",
            needed_note(needed, rules)
        )));
    }
    if let Some(note) = lag_note.filter(|n| !n.trim().is_empty()) {
        blocks.push(context(note));
    }
    SlackView::Modal(modal("Request filed", blocks).with_close(pt!("Done")))
}

/// The reject modal: a lead says why.
pub fn reject_modal(request_id: RequestId, metadata: String) -> SlackView {
    let blocks = vec![
        section(format!(
            "Reject request *#{request_id}*. The policy stays as it is."
        )),
        SlackInputBlock::new(
            pt!("Why is it rejected?"),
            SlackBlockPlainTextInputElement::new()
                .with_action_id(ActionId::RejectReason.as_str().into())
                .with_multiline(true)
                .with_max_length(1000)
                .into(),
        )
        .with_block_id(ActionId::RejectReason.as_str().into())
        .into(),
    ];
    SlackView::Modal(
        modal("Reject request", blocks)
            .with_callback_id(CallbackId::Reject.as_str().into())
            .with_private_metadata(metadata)
            .with_submit(pt!("Reject"))
            .with_close(pt!("Cancel")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_modal_carries_the_contract_ids() {
        let v = serde_json::to_value(request_modal(
            "010-1234-5678",
            None,
            ApprovalRules::default(),
        ))
        .unwrap();
        let s = v.to_string();
        for id in ["rider_query", "cancelled_at", "reason", "datetimepicker"] {
            assert!(s.contains(id), "{id} missing from {s}");
        }
        assert_eq!(v["callback_id"], "expiry_request");
        assert_eq!(v["type"], "modal");
    }
}
