//! The bot's modals: the request form, the policy choice, "filed", the reject form, and the
//! notice a shortcut answers with when it may not open the request form.
//! They take masked values only ([`Candidate`]) and stay inside Slack's limits for any
//! input the bot accepts, in either language: every text comes from the catalogue
//! ([`Locale`]), and the data in a short text is cut before it is formatted.
//!
//! The agent is told before filing how many approvals a request will need: the request
//! form says every request's number and, when `SECOND_APPROVAL_BACKDATE` is on, which
//! cancellation times need one more; the choice step says what this one needs, and
//! "filed" says it again.

use chrono::{DateTime, Utc};
use slack_morphism::prelude::*;

use super::blocks::{context, insurer, modal, name, policy, section};
use crate::domain::{Candidate, Needed, RequestId};
use crate::i18n::Locale;
use crate::slack::ids::{ActionId, CallbackId};
use crate::slack::limits::{self, cut};
use crate::tr;

/// What the modals say about approvals: every request's number, and the backdate rule's
/// limit when it is on (`APPROVALS_REQUIRED`, `SECOND_APPROVAL_BACKDATE`).
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

/// A span of time as people read it, in its largest whole unit: `7 days` / `7일`.
pub fn span(l: Locale, d: std::time::Duration) -> String {
    let secs = d.as_secs();
    let (amount, unit) = if secs >= 86_400 && secs.is_multiple_of(86_400) {
        (secs / 86_400, "day")
    } else if secs >= 3600 && secs.is_multiple_of(3600) {
        (secs / 3600, "hour")
    } else if secs >= 60 && secs.is_multiple_of(60) {
        (secs / 60, "minute")
    } else {
        (secs, "second")
    };
    tr!(l, "span", amount = amount, unit = unit)
}

/// Why a request needs what it needs, as the choice step and "filed" say it (only shown
/// when it needs more than one approval).
fn needed_note(l: Locale, needed: Needed, rules: ApprovalRules) -> String {
    match (needed.backdated, rules.second_approval_backdate) {
        (true, Some(limit)) => tr!(
            l,
            "approvals-needed-backdated-note",
            required = needed.approvals,
            span = span(l, limit)
        ),
        _ => tr!(l, "approvals-needed-note", required = needed.approvals),
    }
}

/// The reason input's `max_length` (the domain's reason limit is the same 1,000).
pub const REASON_MAX_LENGTH: usize = 1000;

/// The rider input's `max_length`.
const RIDER_QUERY_MAX_LENGTH: usize = 64;

/// The rider input's initial value for what was typed after the command: trimmed, and cut
/// to the input's length (Slack refuses an initial value over its input's `max_length`);
/// nothing when nothing was typed.
fn rider_prefill(typed: &str) -> Option<String> {
    let typed = typed.trim();
    (!typed.is_empty()).then(|| cut(typed, RIDER_QUERY_MAX_LENGTH))
}

/// The request modal opened by `/expire-insurance`, prefilled with what was typed.
pub fn request_modal(
    l: Locale,
    prefill: &str,
    initial_time: Option<DateTime<Utc>>,
    rules: ApprovalRules,
) -> SlackView {
    request_modal_with_reason(l, prefill, initial_time, "", rules)
}

/// The request modal with its reason prefilled too (the message shortcut's: see
/// [`reason_prefill`]); an empty `reason` leaves the input empty. A reason longer than the
/// input takes is cut to fit, as Slack refuses an `initial_value` past `max_length`.
pub fn request_modal_with_reason(
    l: Locale,
    prefill: &str,
    initial_time: Option<DateTime<Utc>>,
    reason: &str,
    rules: ApprovalRules,
) -> SlackView {
    let mut reason_input = SlackBlockPlainTextInputElement::new()
        .with_action_id(ActionId::Reason.as_str().into())
        .with_multiline(true)
        .with_max_length(REASON_MAX_LENGTH as u64)
        .with_placeholder(pt!(tr!(l, "request-reason-input.placeholder")));
    if !reason.trim().is_empty() {
        reason_input = reason_input.with_initial_value(cut(reason.trim(), REASON_MAX_LENGTH));
    }
    let mut query = SlackBlockPlainTextInputElement::new()
        .with_action_id(ActionId::RiderQuery.as_str().into())
        .with_placeholder(pt!(tr!(l, "request-rider-input.placeholder")))
        .with_max_length(RIDER_QUERY_MAX_LENGTH as u64);
    if let Some(value) = rider_prefill(prefill) {
        query = query.with_initial_value(value);
    }
    let mut picker = SlackBlockDateTimePickerElement::new()
        .with_action_id(ActionId::CancelledAt.as_str().into());
    if let Some(t) = initial_time {
        picker = picker.with_initial_date_time(SlackDateTime(t));
    }
    let blocks = vec![
        section(tr!(
            l,
            "request-modal-intro",
            required = rules.approvals_required
        )),
        SlackInputBlock::new(pt!(tr!(l, "request-rider-input.label")), query.into())
            .with_block_id(ActionId::RiderQuery.as_str().into())
            .with_hint(pt!(tr!(l, "request-rider-input.hint")))
            .into(),
        SlackInputBlock::new(
            pt!(tr!(l, "request-cancelled-at-input.label")),
            picker.into(),
        )
        .with_block_id(ActionId::CancelledAt.as_str().into())
        .with_hint(pt!(match rules.second_approval_backdate {
            Some(limit) => tr!(
                l,
                "request-cancelled-at-backdate-input.hint",
                span = span(l, limit),
                required = rules.approvals_required,
                more_required = rules.approvals_required + 1
            ),
            None => tr!(l, "request-cancelled-at-input.hint"),
        }))
        .into(),
        SlackInputBlock::new(
            pt!(tr!(l, "request-reason-input.label")),
            reason_input.into(),
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

/// The request modal as JSON, built and serialised once per process: its words are the
/// catalogue's and its rules the configuration's, both fixed at start-up, so a command only
/// puts in what the agent typed after it. `/expire-insurance` is the hot path, and
/// building and serialising the view was about a tenth of a command's work (issue 17);
/// the text is [`request_modal`]'s, byte for byte equal as JSON (a property test says so).
#[derive(Debug, Clone)]
pub struct RequestModalJson {
    /// Nothing typed: no initial value.
    empty: String,
    /// With a prefill: what comes before and after the rider input's initial value.
    before: String,
    after: String,
}

/// Stands for the prefill while the template is made: no catalogue text contains it, it
/// survives the prefill's trim and cut, and JSON writes it as it is.
const PREFILL_MARK: &str = "\u{E000}expire-bot-prefill\u{E000}";

impl RequestModalJson {
    /// `None` only if the view did not serialise as expected (it always does).
    pub fn new(l: Locale, rules: ApprovalRules) -> Option<RequestModalJson> {
        let empty = serde_json::to_string(&request_modal(l, "", None, rules)).ok()?;
        let marked = serde_json::to_string(&request_modal(l, PREFILL_MARK, None, rules)).ok()?;
        let quoted = format!("\"{PREFILL_MARK}\"");
        let (before, after) = marked.split_once(&quoted)?;
        (!after.contains(&quoted)).then(|| RequestModalJson {
            empty,
            before: before.to_owned(),
            after: after.to_owned(),
        })
    }

    /// The modal's JSON with `prefill` (what was typed after the command) as the rider
    /// input's initial value, as [`request_modal`] puts it there ([`rider_prefill`]).
    pub fn with_prefill(&self, prefill: &str) -> String {
        let Some(value) = rider_prefill(prefill) else {
            return self.empty.clone();
        };
        let mut out = String::with_capacity(self.before.len() + value.len() + 2 + self.after.len());
        out.push_str(&self.before);
        // A string always serialises; the writer is a String.
        out.push_str(&serde_json::to_string(&value).unwrap_or_else(|_| "\"\"".to_owned()));
        out.push_str(&self.after);
        out
    }
}

/// The message shortcut's reason prefill: the message's text, scrubbed of personal data by
/// `scrub` (the service's, as a filed reason is), then its permalink on a line of its own,
/// all within the reason input's [`REASON_MAX_LENGTH`] however Slack counts.
///
/// - Slack sends a message's text mrkdwn-escaped; `&lt;`, `&gt;` and `&amp;` are read back,
///   so the reason says what the message shows. Control characters other than line breaks
///   go (tabs become spaces).
/// - The text is scrubbed first and cut after, never the other way round: a cut first could
///   leave half a phone number that no longer reads as one. A cut can still turn the end of
///   a long digit run into something phone-shaped, so the cut text is scrubbed again until
///   nothing changes (if it never settles, the text is left out: fail closed).
/// - The link is never cut: the text is cut to leave room for it. A link that is not an
///   `https://` URL without spaces, or that would leave no room for text, is left out.
pub fn reason_prefill(
    text: &str,
    permalink: Option<&str>,
    scrub: impl Fn(&str) -> String,
) -> String {
    const LINK_MAX: usize = 400;
    let link = permalink.filter(|p| {
        p.starts_with("https://")
            && !p.chars().any(|c| c.is_whitespace() || c.is_control())
            && p.encode_utf16().count() <= LINK_MAX
    });
    let read: String = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    let read = read.trim();
    let budget = match link {
        // The link and the line break before it.
        Some(l) => REASON_MAX_LENGTH - l.encode_utf16().count() - 1,
        None => REASON_MAX_LENGTH,
    };
    let mut body = String::new();
    if !read.is_empty() {
        let mut scrubbed = scrub(read);
        for _ in 0..4 {
            let fitted = cut(scrubbed.trim(), budget);
            let again = scrub(&fitted);
            if again == fitted {
                body = fitted;
                break;
            }
            scrubbed = again;
        }
    }
    match (body.is_empty(), link) {
        (true, Some(l)) => l.to_owned(),
        (true, None) => String::new(),
        (false, Some(l)) => format!("{body}\n{l}"),
        (false, None) => body,
    }
}

/// What a shortcut answers when it may not open the request form (not a requester, a
/// membership that cannot be confirmed, another workspace): a shortcut has no channel for
/// an ephemeral answer, so the refusal is a small modal of its own, opened with the
/// shortcut's `trigger_id`, with nothing to submit.
pub fn notice_modal(l: Locale, text: &str) -> SlackView {
    SlackView::Modal(
        modal(
            &tr!(l, "shortcut-notice-modal.title"),
            vec![section(text.to_owned())],
        )
        .with_close(pt!(tr!(l, "shortcut-notice-modal.close"))),
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
/// `needed`: what the request will need once filed, said when it is more than one approval.
pub fn choose_policy_modal(
    l: Locale,
    candidates: &[Candidate],
    metadata: String,
    needed: Needed,
    rules: ApprovalRules,
) -> SlackView {
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
    let mut blocks = vec![
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
    if needed.approvals > 1 {
        blocks.push(context(needed_note(l, needed, rules)));
    }
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
    needed: Needed,
    rules: ApprovalRules,
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
    if needed.approvals > 1 {
        blocks.push(context(needed_note(l, needed, rules)));
    }
    blocks.push(context(tr!(l, "filed-modal-withdraw-note")));
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
    fn spans_read_in_their_largest_whole_unit() {
        use std::time::Duration;
        let en = Locale::new(crate::i18n::Language::En, chrono_tz::Asia::Seoul);
        let ko = Locale::new(crate::i18n::Language::Ko, chrono_tz::Asia::Seoul);
        assert_eq!(span(en, Duration::from_secs(7 * 86_400)), "7 days");
        assert_eq!(span(en, Duration::from_secs(86_400)), "1 day");
        assert_eq!(span(en, Duration::from_secs(36 * 3600)), "36 hours");
        assert_eq!(span(en, Duration::from_secs(90 * 60)), "90 minutes");
        assert_eq!(span(en, Duration::from_secs(45)), "45 seconds");
        assert_eq!(span(ko, Duration::from_secs(7 * 86_400)), "7일");
        assert_eq!(span(ko, Duration::from_secs(36 * 3600)), "36시간");
    }

    #[test]
    fn request_modal_carries_the_contract_ids() {
        let l = Locale::new(crate::i18n::Language::Ko, chrono_tz::Asia::Seoul);
        let v = serde_json::to_value(request_modal(
            l,
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

    #[test]
    fn the_prefill_is_cut_before_the_link_and_never_uncovers_a_phone() {
        let scrub = crate::mask::scrub_phones;
        let link = "https://acme.slack.com/archives/C0CX/p1700000100000300";
        assert_eq!(
            reason_prefill("CX-1 &amp; 010-1234-5678", Some(link), scrub),
            format!("CX-1 & 010-****-5678\n{link}")
        );
        assert_eq!(reason_prefill("  ", Some(link), scrub), link);
        assert_eq!(reason_prefill("x", Some("javascript:alert(1)"), scrub), "x");
        // Twelve digits are no phone; cut after ten they would read as one.
        let text = format!("{} 010123456789", "a".repeat(988));
        let out = reason_prefill(&text, None, scrub);
        assert!(out.encode_utf16().count() <= REASON_MAX_LENGTH);
        assert!(!out.contains("0101234567"), "{}", &out[980..]);
        let long = format!("{}끝", "가🚀".repeat(700));
        let out = reason_prefill(&long, Some(link), scrub);
        assert!(out.ends_with(&format!("…\n{link}")));
        assert!(out.encode_utf16().count() <= REASON_MAX_LENGTH);
    }
}
