//! Everything the bot shows in Slack: modals, the approval message, replies and notices.
//!
//! Builders here take already-masked values (a [`Candidate`] or a stored [`RequestRow`])
//! and produce slack-morphism Block Kit types; they never see raw personal data, so they
//! cannot leak it.
//!
//! Every builder stays inside Slack's limits ([`super::limits`]) for any input the bot
//! accepts: values of unbounded length (insurer names, masked names and policy numbers
//! from the company's tables) are cut visibly (`…`) to a display size, the stored row
//! keeps them whole; long text (a reason of 1,000 characters grows to ~5,000 once
//! escaped) is spread over several section blocks instead of being cut, and a message
//! stays inside the per-message budgets.
//!
//! Free text typed by people (the reasons) goes through [`free`]: Slack's control
//! characters are escaped, so `<!channel>` or a crafted link is shown, not executed; line
//! breaks become a visible `↵`, so a reason cannot start a line that looks like one of
//! the message's own `*Field:*` lines; control and bidi-override characters are replaced.
//! Every mrkdwn text that can hold free text is sent with `verbatim: true`, so Slack does
//! not turn bare URLs or `#channel` names in it into links (Slack's text object docs).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use slack_morphism::prelude::*;

use super::limits::{self, cut, cut_mrkdwn};
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

/// Display sizes of values whose stored length is unbounded (the company's data): the
/// builders show at most this many characters of each, cut visibly.
const NAME_CHARS: usize = 16;
const INSURER_CHARS: usize = 40;
/// A masked policy number shows at most its last 15 characters (all `*` but the last 4).
const POLICY_CHARS: usize = 16;

/// Escapes the three characters Slack treats as control characters in message text.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Free text typed by a person, made inert for mrkdwn: escaped ([`escape`]), every line
/// break shown as ` ↵ ` (so the text stays on its own line of the layout), and control or
/// bidi-override characters replaced by `�` (they could hide or reorder what is shown).
pub fn free(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => out.push_str(" ↵ "),
            '\t' => out.push(' '),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if c.is_control()
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') =>
            {
                out.push('\u{fffd}');
            }
            c => out.push(c),
        }
    }
    out
}

/// A masked name as plain text: cut visibly past [`NAME_CHARS`].
fn name_plain(masked: &str) -> String {
    cut(masked, NAME_CHARS)
}

/// A masked name in mrkdwn: cut, and escaped (its first and last characters are the
/// company's data, and may be `<` or `&`).
pub(crate) fn name(masked: &str) -> String {
    free(&name_plain(masked))
}

/// An insurer's name in mrkdwn: escaped, cut visibly past [`INSURER_CHARS`] characters.
pub(crate) fn insurer(raw: &str) -> String {
    free(&cut(raw, INSURER_CHARS))
}

/// A masked policy number as plain text: a long one keeps its last characters (the 4 in
/// the clear among them) behind a visible `…`.
fn policy_plain(masked: &str) -> String {
    let n = limits::chars(masked);
    if n <= POLICY_CHARS {
        masked.to_owned()
    } else {
        let tail: String = masked.chars().skip(n - (POLICY_CHARS - 1)).collect();
        format!("…{tail}")
    }
}

/// A masked policy number in mrkdwn: shortened as [`policy_plain`], and escaped (its last
/// four characters are the company's data).
pub fn policy(masked: &str) -> String {
    free(&policy_plain(masked))
}

/// mrkdwn that may hold free text: `verbatim`, so Slack links nothing it was not told to.
fn md(text: String) -> SlackBlockText {
    SlackBlockText::MarkDown(SlackBlockMarkDownText::new(text).with_verbatim(true))
}

/// `text` as section blocks of at most Slack's 3,000 characters each, split between words
/// and never inside markup; each later part is a block of its own.
pub(crate) fn sections(text: &str) -> Vec<SlackBlock> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let at = limits::split_point(rest, limits::SECTION_TEXT.max);
        out.push(
            SlackSectionBlock::new()
                .with_text(md(rest[..at].trim_end().to_owned()))
                .into(),
        );
        rest = rest[at..].trim_start();
    }
    out
}

/// Characters of text in `blocks`, as Slack's per-message cap counts them.
pub(crate) fn text_chars(blocks: &[SlackBlock]) -> usize {
    serde_json::to_value(blocks)
        .ok()
        .map(|v| count_text(&v))
        .unwrap_or(0)
}

fn count_text(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| match (k.as_str(), v) {
                ("text", serde_json::Value::String(s)) => limits::chars(s),
                _ => count_text(v),
            })
            .sum(),
        serde_json::Value::Array(a) => a.iter().map(count_text).sum(),
        _ => 0,
    }
}

/// A message of mrkdwn `text` that may hold free text: the text as verbatim sections (so
/// nothing in it becomes a link) and, for notifications, as the top-level text, cut to
/// Slack's text limit when longer.
pub fn rich(text: &str) -> SlackMessageContent {
    SlackMessageContent::new()
        .with_text(cut_mrkdwn(text, limits::MESSAGE_TEXT.max))
        .with_blocks(sections(text))
}

/// A time as people read it: `2026-11-28 21:30 KST`.
pub fn show_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

/// A mrkdwn section block of the bot's own short text (at most Slack's 3,000 characters).
pub(crate) fn section(text: String) -> SlackBlock {
    SlackSectionBlock::new()
        .with_text(md(cut_mrkdwn(&text, limits::SECTION_TEXT.max)))
        .into()
}

/// A mrkdwn context block (small grey text).
pub(crate) fn context(text: String) -> SlackBlock {
    SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
        SlackBlockMarkDownText::new(cut_mrkdwn(&text, limits::TEXT_OBJECT.max)).with_verbatim(true),
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
        // What was typed after the command may be longer than the input takes; Slack
        // would refuse an initial value over the input's own max_length.
        query = query.with_initial_value(cut(prefill.trim(), 64));
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

fn member_status(c: &Candidate, tz: Tz) -> String {
    if c.rider_status == "WITHDRAWN" {
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
pub fn choose_policy_modal(candidates: &[Candidate], tz: Tz, metadata: String) -> SlackView {
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
        insurer(&c.insurer),
        policy(&c.policy_number_masked),
        name(&c.rider_name_masked),
        cut(&c.rider_phone_masked, 13),
    ))];
    if let Some(note) = lag_note.filter(|n| !n.trim().is_empty()) {
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

/// The request's facts, one `*Field:*` per line; the reason comes in its own blocks
/// ([`reason_blocks`]), after them.
fn request_fields(r: &RequestRow, tz: Tz) -> String {
    let member = if r.rider_status == "WITHDRAWN" {
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
fn reason_blocks(r: &RequestRow) -> Vec<SlackBlock> {
    sections(&format!("*Reason:* {}", free(&r.reason)))
}

/// The approval request posted to the approvals channel, with the two buttons.
pub fn approval_message(r: &RequestRow, tz: Tz) -> SlackMessageContent {
    let value = r.id.to_string();
    let mut blocks = vec![
        section(format!("*Insurance expiry request #{}*", r.id)),
        section(request_fields(r, tz)),
    ];
    blocks.extend(reason_blocks(r));
    blocks.push(
        SlackActionsBlock::new(vec![
            SlackBlockButtonElement::new(pt!("Approve"))
                .with_action_id(action::APPROVE.into())
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
                .with_action_id(action::REJECT.into())
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
pub fn outcome_line(r: &RequestRow, tz: Tz) -> String {
    outcome_line_within(r, tz, usize::MAX)
}

/// [`outcome_line`] with the reject reason cut to `note_max` characters (as sent), saying
/// where the whole reason is.
fn outcome_line_within(r: &RequestRow, tz: Tz, note_max: usize) -> String {
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
                policy(&r.policy_number_masked)
            ),
            Some(outcome::POLICY_MISSING) => format!(
                ":warning: Approved by {by} at {when}, but policy {} no longer exists. Nothing was changed.",
                policy(&r.policy_number_masked)
            ),
            _ => {
                let kept = if r.decision_note.as_deref() == Some("kept_earlier_valid_until") {
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
        status::REJECTED => {
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
        status::TIMED_OUT => format!(
            ":hourglass: Timed out at {when}: no lead decided in time. The policy was not changed; file a new request if it still needs expiring."
        ),
        _ => "Still waiting for a lead's decision.".to_owned(),
    }
}

/// The approval message after a decision: same facts, the outcome, no buttons. Both
/// reasons can be ~5,000 characters once escaped, more than one message may hold
/// together ([`limits::MESSAGE_BLOCKS_TEXT`]); the reject reason is then cut here, and
/// shown whole in the thread reply.
pub fn decided_message(r: &RequestRow, tz: Tz) -> SlackMessageContent {
    let state = r.status.to_lowercase().replace('_', " ");
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
pub fn thread_reply(r: &RequestRow, tz: Tz) -> SlackMessageContent {
    rich(&outcome_line(r, tz))
}

/// A link to a message; Slack redirects it to the right workspace.
pub fn message_link(channel: &str, ts: &str) -> String {
    format!(
        "https://slack.com/archives/{channel}/p{}",
        ts.replace('.', "")
    )
}

/// The requester's notice that the request was posted. A link's label cannot hold a
/// channel mention (`<url|in <#C1>>` renders broken), so the channel and the link are
/// side by side.
pub fn filed_notice(r: &RequestRow) -> SlackMessageContent {
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

/// The requester's notice of the outcome.
pub fn decided_notice(r: &RequestRow, tz: Tz) -> SlackMessageContent {
    let link = match (&r.channel_id, &r.message_ts) {
        (Some(c), Some(ts)) => format!(" (<{}|request>)", message_link(c, ts)),
        _ => String::new(),
    };
    rich(&format!("Request #{}{link}: {}", r.id, outcome_line(r, tz)))
}

/// A message only the clicker sees. Some quote a decision (and its free-text reason), so
/// they go out as [`rich`]: inert, and inside the limits however long.
pub fn text(t: impl Into<String>) -> SlackMessageContent {
    rich(&t.into())
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
