//! The bot's modals: the request form, the policy choice, "filed", and the reject form.
//! They take masked values only ([`Candidate`]) and stay inside Slack's limits for any
//! input the bot accepts, in either language: every text comes from the catalogue
//! ([`Locale`]), and the data in a short text is cut before it is formatted.

use chrono::{DateTime, Utc};
use slack_morphism::prelude::*;

use super::blocks::{context, insurer, modal, name, policy, section};
use crate::domain::{Candidate, RequestId};
use crate::i18n::Locale;
use crate::slack::ids::{ActionId, CallbackId};
use crate::slack::limits::{self, cut};
use crate::tr;

/// The request modal opened by `/expire-insurance`, prefilled with what was typed.
pub fn request_modal(l: Locale, prefill: &str, initial_time: Option<DateTime<Utc>>) -> SlackView {
    let mut query = SlackBlockPlainTextInputElement::new()
        .with_action_id(ActionId::RiderQuery.as_str().into())
        .with_placeholder(pt!(tr!(l, "request-rider-input.placeholder")))
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
    let blocks = vec![
        section(tr!(l, "request-modal-intro")),
        SlackInputBlock::new(pt!(tr!(l, "request-rider-input.label")), query.into())
            .with_block_id(ActionId::RiderQuery.as_str().into())
            .with_hint(pt!(tr!(l, "request-rider-input.hint")))
            .into(),
        SlackInputBlock::new(
            pt!(tr!(l, "request-cancelled-at-input.label")),
            picker.into(),
        )
        .with_block_id(ActionId::CancelledAt.as_str().into())
        .with_hint(pt!(tr!(l, "request-cancelled-at-input.hint")))
        .into(),
        SlackInputBlock::new(
            pt!(tr!(l, "request-reason-input.label")),
            SlackBlockPlainTextInputElement::new()
                .with_action_id(ActionId::Reason.as_str().into())
                .with_multiline(true)
                .with_max_length(1000)
                .with_placeholder(pt!(tr!(l, "request-reason-input.placeholder")))
                .into(),
        )
        .with_block_id(ActionId::Reason.as_str().into())
        .into(),
    ];
    SlackView::Modal(
        modal(&tr!(l, "request-modal.title"), blocks)
            .with_callback_id(CallbackId::Request.as_str().into())
            .with_submit(pt!(tr!(l, "request-modal.submit")))
            .with_close(pt!(tr!(l, "request-modal.close"))),
    )
}

/// One policy as an option: the text names the policy (masked number first, so a cut
/// only ever shortens the insurer), the description the rider: masked name, member status
/// (what tells a withdrawn account from the new one), phone, and since when. The values
/// are cut to fit before they are formatted (16 + 3 + 20 + 3 + 13 + 3 + 16 = 74 at most
/// in English), and the result is cut to Slack's 75 characters all the same.
fn candidate_option(l: Locale, c: &Candidate) -> SlackBlockChoiceItem<SlackBlockPlainTextOnly> {
    let text = tr!(
        l,
        "choice-policy-option",
        policy = policy(&c.policy_number_masked),
        insurer = cut(&c.insurer, 56)
    );
    let (who, phone, since) = (
        name(&c.rider_name_masked),
        cut(&c.rider_phone_masked, 13),
        l.day(c.valid_from),
    );
    let description = match (c.is_withdrawn(), c.withdrawn_at) {
        (true, Some(at)) => tr!(
            l,
            "choice-withdrawn-on-description",
            name = who,
            withdrawn_on = l.day(at),
            phone = phone,
            valid_from = since
        ),
        (true, None) => tr!(
            l,
            "choice-withdrawn-description",
            name = who,
            phone = phone,
            valid_from = since
        ),
        (false, _) => tr!(
            l,
            "choice-active-description",
            name = who,
            phone = phone,
            valid_from = since
        ),
    };
    let mut item = SlackBlockChoiceItem::new(
        pt!(cut(&text, limits::OPTION_TEXT.max)),
        c.policy_id.to_string(),
    );
    item.description = Some(pt!(cut(&description, limits::OPTION_DESCRIPTION.max)));
    item
}

/// The choice step when several policies match. `metadata` round-trips the first step's
/// answers (no raw personal data): the caller keeps it under Slack's 3,000 characters.
pub fn choose_policy_modal(l: Locale, candidates: &[Candidate], metadata: String) -> SlackView {
    let options: Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>> = candidates
        .iter()
        .take(limits::SELECT_OPTIONS.max)
        .map(|c| candidate_option(l, c))
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
            .with_placeholder(pt!(tr!(l, "choice-policy-input.placeholder")))
            .with_options(options)
            .into()
    };
    let riders = {
        let mut ids: Vec<_> = candidates.iter().map(|c| c.rider_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    };
    let blocks = vec![
        section(tr!(
            l,
            "choice-intro",
            policies = candidates.len(),
            riders = riders
        )),
        SlackInputBlock::new(pt!(tr!(l, "choice-policy-input.label")), element)
            .with_block_id(ActionId::Policy.as_str().into())
            .into(),
    ];
    SlackView::Modal(
        modal(&tr!(l, "choice-modal.title"), blocks)
            .with_callback_id(CallbackId::ChoosePolicy.as_str().into())
            .with_private_metadata(metadata)
            .with_submit(pt!(tr!(l, "choice-modal.submit")))
            .with_close(pt!(tr!(l, "choice-modal.close"))),
    )
}

/// Shown in the modal once a request is filed.
pub fn filed_modal(
    l: Locale,
    request_id: RequestId,
    c: &Candidate,
    approval_channel: &str,
    lag_note: Option<String>,
) -> SlackView {
    let mut blocks = vec![section(tr!(
        l,
        "filed-modal-text",
        request_id = request_id.to_string(),
        insurer = insurer(&c.insurer),
        policy = policy(&c.policy_number_masked),
        name = name(&c.rider_name_masked),
        phone = cut(&c.rider_phone_masked, 13),
        channel = approval_channel
    ))];
    if let Some(note) = lag_note.filter(|n| !n.trim().is_empty()) {
        blocks.push(context(note));
    }
    SlackView::Modal(
        modal(&tr!(l, "filed-modal.title"), blocks).with_close(pt!(tr!(l, "filed-modal.close"))),
    )
}

/// The reject modal: a lead says why.
pub fn reject_modal(l: Locale, request_id: RequestId, metadata: String) -> SlackView {
    let blocks = vec![
        section(tr!(
            l,
            "reject-modal-intro",
            request_id = request_id.to_string()
        )),
        SlackInputBlock::new(
            pt!(tr!(l, "reject-reason-input.label")),
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
        modal(&tr!(l, "reject-modal.title"), blocks)
            .with_callback_id(CallbackId::Reject.as_str().into())
            .with_private_metadata(metadata)
            .with_submit(pt!(tr!(l, "reject-modal.submit")))
            .with_close(pt!(tr!(l, "reject-modal.close"))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_modal_carries_the_contract_ids() {
        let l = Locale::new(crate::i18n::Language::Ko, chrono_tz::Asia::Seoul);
        let v = serde_json::to_value(request_modal(l, "010-1234-5678", None)).unwrap();
        let s = v.to_string();
        for id in ["rider_query", "cancelled_at", "reason", "datetimepicker"] {
            assert!(s.contains(id), "{id} missing from {s}");
        }
        assert_eq!(v["callback_id"], "expiry_request");
        assert_eq!(v["type"], "modal");
    }
}
