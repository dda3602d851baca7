//! Slack's limits on what an app may send, in one table, with the Slack page each comes
//! from, and the two helpers builders use to stay inside them.
//!
//! Every builder in [`super::views`] and [`super::reports`] keeps its output inside these
//! figures whatever the data; the test kit's validator (`crate::testkit::validate`, behind
//! the `testkit` feature) checks everything the bot sends against the same constants, so
//! a limit is written down exactly once. Slack refuses a message, view or answer that
//! breaks one (`invalid_blocks`, `invalid_arguments`, or "We had some trouble connecting"
//! for a bad `response_action`), so staying inside them is part of working at all.
//!
//! Lengths are counted as Slack counts them: Unicode characters of the string sent (after
//! the `&amp;`/`&lt;`/`&gt;` escaping, which therefore counts), not bytes. [`cut`] stays
//! inside the limit even if Slack counted UTF-16 code units (an emoji as two), so a cut
//! text is legal under either reading.
//!
//! Three figures are stricter than Slack's reference pages, on purpose:
//! [`MESSAGE_TEXT`] (the pages still say 40,000, but Slack's own staff say the platform now
//! refuses long texts with `msg_too_long` past about 4,000), [`MESSAGE_BLOCKS_TEXT`] (an
//! undocumented cumulative cap, `msg_blocks_too_long`, reported between 9,600 and 13,300
//! characters) and [`INPUT_ONLY_IN_MODALS`] (the bot never puts inputs in messages).

/// One numeric limit: at most `max` (characters, or items for counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Stable name, used in violations: `option.text`.
    pub id: &'static str,
    pub max: usize,
    /// What it limits, in words.
    pub what: &'static str,
    /// The Slack page that states it.
    pub doc: &'static str,
}

/// One rule that is not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub what: &'static str,
    pub doc: &'static str,
}

const MODAL: &str = "https://docs.slack.dev/reference/views/modal-views";
const BLOCKS: &str = "https://docs.slack.dev/reference/block-kit/blocks";
const SECTION: &str = "https://docs.slack.dev/reference/block-kit/blocks/section-block";
const HEADER: &str = "https://docs.slack.dev/reference/block-kit/blocks/header-block";
const CONTEXT: &str = "https://docs.slack.dev/reference/block-kit/blocks/context-block";
const ACTIONS: &str = "https://docs.slack.dev/reference/block-kit/blocks/actions-block";
const INPUT: &str = "https://docs.slack.dev/reference/block-kit/blocks/input-block";
const TEXT: &str = "https://docs.slack.dev/reference/block-kit/composition-objects/text-object";
const OPTION: &str = "https://docs.slack.dev/reference/block-kit/composition-objects/option-object";
const CONFIRM: &str =
    "https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object";
const BUTTON: &str = "https://docs.slack.dev/reference/block-kit/block-elements/button-element";
const RADIO: &str =
    "https://docs.slack.dev/reference/block-kit/block-elements/radio-button-group-element";
const CHECKBOXES: &str =
    "https://docs.slack.dev/reference/block-kit/block-elements/checkboxes-element";
const SELECT: &str =
    "https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element";
const PLAIN_INPUT: &str =
    "https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element";
const POST_MESSAGE: &str = "https://docs.slack.dev/reference/methods/chat.postMessage";
const VIEW_SUBMISSION: &str = "https://docs.slack.dev/surfaces/modals";
/// Slack staff on the platform's text limit (`msg_too_long` past ~4,000).
const MSG_TOO_LONG: &str = "https://github.com/seratch/ChatGPT-in-Slack/issues/102 (Slack staff); chat.postMessage: 'limit the number of characters in the text field to 4,000'";
/// The undocumented cumulative cap on a message's block text.
const MSG_BLOCKS_TOO_LONG: &str = "https://github.com/slackapi/bolt-js/issues/2509 and /2867 (msg_blocks_too_long: 12,000 with a buffer for block containers, per Slack staff; 11,341 observed refused, 9,597 accepted)";

macro_rules! limit {
    ($name:ident, $id:literal, $max:expr, $what:literal, $doc:expr) => {
        #[doc = concat!($what, " (`", $id, "`).")]
        pub const $name: Limit = Limit {
            id: $id,
            max: $max,
            what: $what,
            doc: $doc,
        };
    };
}

limit!(MODAL_TITLE, "modal.title", 24, "modal title text", MODAL);
limit!(
    MODAL_SUBMIT,
    "modal.submit",
    24,
    "modal submit button text",
    MODAL
);
limit!(
    MODAL_CLOSE,
    "modal.close",
    24,
    "modal close button text",
    MODAL
);
limit!(
    MODAL_BLOCKS,
    "modal.blocks",
    100,
    "blocks in a modal or Home tab",
    MODAL
);
limit!(
    PRIVATE_METADATA,
    "view.private_metadata",
    3000,
    "a view's private_metadata",
    MODAL
);
limit!(
    CALLBACK_ID,
    "view.callback_id",
    255,
    "a view's callback_id",
    MODAL
);
limit!(
    MESSAGE_BLOCKS,
    "message.blocks",
    50,
    "blocks in a message",
    BLOCKS
);
limit!(
    MESSAGE_TEXT,
    "message.text",
    4000,
    "a message's top-level text",
    MSG_TOO_LONG
);
limit!(
    MESSAGE_BLOCKS_TEXT,
    "message.blocks_text",
    10_000,
    "all text of a message's blocks together",
    MSG_BLOCKS_TOO_LONG
);
limit!(BLOCK_ID, "block.block_id", 255, "a block_id", BLOCKS);
limit!(
    ACTION_ID,
    "element.action_id",
    255,
    "an element's action_id",
    BUTTON
);
limit!(
    TEXT_OBJECT,
    "text.text",
    3000,
    "any text object's text",
    TEXT
);
limit!(
    SECTION_TEXT,
    "section.text",
    3000,
    "a section block's text",
    SECTION
);
limit!(
    SECTION_FIELDS,
    "section.fields",
    10,
    "fields of a section block",
    SECTION
);
limit!(
    SECTION_FIELD_TEXT,
    "section.field",
    2000,
    "one section field's text",
    SECTION
);
limit!(
    HEADER_TEXT,
    "header.text",
    150,
    "a header block's text",
    HEADER
);
limit!(
    CONTEXT_ELEMENTS,
    "context.elements",
    10,
    "elements of a context block",
    CONTEXT
);
limit!(
    ACTIONS_ELEMENTS,
    "actions.elements",
    25,
    "elements of an actions block",
    ACTIONS
);
limit!(
    INPUT_LABEL,
    "input.label",
    2000,
    "an input block's label",
    INPUT
);
limit!(
    INPUT_HINT,
    "input.hint",
    2000,
    "an input block's hint",
    INPUT
);
limit!(OPTION_TEXT, "option.text", 75, "an option's text", OPTION);
limit!(
    OPTION_VALUE,
    "option.value",
    150,
    "an option's value",
    OPTION
);
limit!(
    OPTION_DESCRIPTION,
    "option.description",
    75,
    "an option's description",
    OPTION
);
limit!(
    RADIO_OPTIONS,
    "radio_buttons.options",
    10,
    "options of radio_buttons",
    RADIO
);
limit!(
    CHECKBOX_OPTIONS,
    "checkboxes.options",
    10,
    "options of checkboxes",
    CHECKBOXES
);
limit!(
    SELECT_OPTIONS,
    "static_select.options",
    100,
    "options of a static_select",
    SELECT
);
limit!(
    PLACEHOLDER,
    "element.placeholder",
    150,
    "an element's placeholder",
    PLAIN_INPUT
);
limit!(
    INPUT_MAX_LENGTH,
    "plain_text_input.max_length",
    3000,
    "a plain_text_input's max_length",
    PLAIN_INPUT
);
limit!(BUTTON_TEXT, "button.text", 75, "a button's text", BUTTON);
limit!(
    BUTTON_VALUE,
    "button.value",
    2000,
    "a button's value",
    BUTTON
);
limit!(BUTTON_URL, "button.url", 3000, "a button's url", BUTTON);
limit!(
    CONFIRM_TITLE,
    "confirm.title",
    100,
    "a confirm dialog's title",
    CONFIRM
);
limit!(
    CONFIRM_TEXT,
    "confirm.text",
    300,
    "a confirm dialog's text",
    CONFIRM
);
limit!(
    CONFIRM_BUTTON,
    "confirm.button",
    30,
    "a confirm dialog's confirm/deny text",
    CONFIRM
);

/// Every numeric limit, for the docs and for tests that walk the table.
pub const ALL: &[Limit] = &[
    MODAL_TITLE,
    MODAL_SUBMIT,
    MODAL_CLOSE,
    MODAL_BLOCKS,
    PRIVATE_METADATA,
    CALLBACK_ID,
    MESSAGE_BLOCKS,
    MESSAGE_TEXT,
    MESSAGE_BLOCKS_TEXT,
    BLOCK_ID,
    ACTION_ID,
    TEXT_OBJECT,
    SECTION_TEXT,
    SECTION_FIELDS,
    SECTION_FIELD_TEXT,
    HEADER_TEXT,
    CONTEXT_ELEMENTS,
    ACTIONS_ELEMENTS,
    INPUT_LABEL,
    INPUT_HINT,
    OPTION_TEXT,
    OPTION_VALUE,
    OPTION_DESCRIPTION,
    RADIO_OPTIONS,
    CHECKBOX_OPTIONS,
    SELECT_OPTIONS,
    PLACEHOLDER,
    INPUT_MAX_LENGTH,
    BUTTON_TEXT,
    BUTTON_VALUE,
    BUTTON_URL,
    CONFIRM_TITLE,
    CONFIRM_TEXT,
    CONFIRM_BUTTON,
];

macro_rules! rule {
    ($name:ident, $id:literal, $what:literal, $doc:expr) => {
        #[doc = concat!($what, " (`", $id, "`).")]
        pub const $name: Rule = Rule {
            id: $id,
            what: $what,
            doc: $doc,
        };
    };
}

rule!(
    TEXT_NOT_EMPTY,
    "text.min",
    "a text object's text has at least 1 character",
    TEXT
);
rule!(
    TEXT_TYPE,
    "text.type",
    "text objects are plain_text or mrkdwn, and plain_text where only plain_text is allowed",
    TEXT
);
rule!(
    BLOCK_ID_UNIQUE,
    "block.block_id_unique",
    "block_ids are unique within one message or view",
    BLOCKS
);
rule!(
    ACTION_ID_UNIQUE,
    "element.action_id_unique",
    "action_ids are unique within their block",
    BUTTON
);
rule!(
    KNOWN_TYPE,
    "block.type",
    "every block and element has a type Slack knows, with its required fields",
    BLOCKS
);
rule!(
    INPUT_ONLY_IN_MODALS,
    "input.surface",
    "input blocks only in modals and Home tabs (the bot never puts inputs in messages)",
    INPUT
);
rule!(
    MODAL_SUBMIT_WITH_INPUTS,
    "modal.submit_required",
    "a modal with an input block has a submit button",
    MODAL
);
rule!(
    TEXT_FALLBACK,
    "message.text_fallback",
    "a message with blocks also has a top-level text (notifications, screen readers)",
    POST_MESSAGE
);
rule!(
    MESSAGE_NOT_EMPTY,
    "message.no_text",
    "a message has text or blocks",
    POST_MESSAGE
);
rule!(
    ERRORS_KEYS,
    "response_action.errors",
    "response_action: errors names input block_ids of the submitted view, with a message each",
    VIEW_SUBMISSION
);
rule!(
    RESPONSE_ACTION,
    "response_action",
    "a view submission answer is empty or a known response_action with what it needs",
    VIEW_SUBMISSION
);
rule!(
    INITIAL_VALUE_FITS,
    "plain_text_input.initial_value",
    "a plain_text_input's initial_value fits its own max_length",
    PLAIN_INPUT
);
rule!(
    REQUIRED_ARGUMENT,
    "method.arguments",
    "a Web API call carries the arguments its method requires",
    "https://docs.slack.dev/reference/methods"
);
rule!(
    KNOWN_METHOD,
    "method.unknown",
    "only Web API methods Slack has (and the stand-in serves) are called",
    "https://docs.slack.dev/reference/methods"
);

rule!(
    MESSAGE_METADATA,
    "message.metadata",
    "message metadata is an object with an alphanumeric event_type and an event_payload object",
    "https://docs.slack.dev/messaging/message-metadata"
);
rule!(
    HISTORY_ARGUMENTS,
    "conversations.history.arguments",
    "conversations.history's limit is 1 to 999 and oldest/latest are message timestamps",
    "https://docs.slack.dev/reference/methods/conversations.history"
);

rule!(
    PERMALINK_ARGUMENTS,
    "chat.getPermalink.arguments",
    "chat.getPermalink's message_ts is a message timestamp",
    "https://docs.slack.dev/reference/methods/chat.getPermalink"
);

/// Every rule, alongside [`ALL`].
pub const RULES: &[Rule] = &[
    TEXT_NOT_EMPTY,
    TEXT_TYPE,
    BLOCK_ID_UNIQUE,
    ACTION_ID_UNIQUE,
    KNOWN_TYPE,
    INPUT_ONLY_IN_MODALS,
    MODAL_SUBMIT_WITH_INPUTS,
    TEXT_FALLBACK,
    MESSAGE_NOT_EMPTY,
    ERRORS_KEYS,
    RESPONSE_ACTION,
    INITIAL_VALUE_FITS,
    REQUIRED_ARGUMENT,
    KNOWN_METHOD,
    MESSAGE_METADATA,
    HISTORY_ARGUMENTS,
    PERMALINK_ARGUMENTS,
];

/// A length as Slack counts it: Unicode characters.
#[must_use]
pub fn chars(s: &str) -> usize {
    s.chars().count()
}

/// The larger of the two ways a length could be counted (characters, UTF-16 units).
fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

/// `s` cut to at most `max` characters, visibly: a cut text ends in `…`. Text already short
/// enough comes back unchanged. The cut is measured in UTF-16 units, which are never fewer
/// than characters, so the result fits `max` however Slack counts.
#[must_use]
pub fn cut(s: &str, max: usize) -> String {
    if units(s) <= max {
        return s.to_owned();
    }
    let mut out = String::new();
    let mut used = 1; // the ellipsis
    for c in s.chars() {
        if used + c.len_utf16() > max {
            break;
        }
        used += c.len_utf16();
        out.push(c);
    }
    out.push('…');
    out
}

/// Like [`cut`], for mrkdwn that the bot composed: the cut never falls inside a `<…>`
/// mention or link, nor inside an `&amp;`-style entity, so what is left still parses.
#[must_use]
pub fn cut_mrkdwn(s: &str, max: usize) -> String {
    if units(s) <= max {
        return s.to_owned();
    }
    let mut at = split_point(s, max.saturating_sub(1));
    // `split_point` always makes progress; a cut must fit instead.
    while at > 0 && units(&s[..at]) + 1 > max {
        at = s[..at].char_indices().last().map_or(0, |(i, _)| i);
    }
    let mut out = s[..at].trim_end().to_owned();
    out.push('…');
    out
}

/// The byte index at which mrkdwn `s` may be split so the first part holds at most `max`
/// UTF-16 units: outside any `<…>` and `&…;`, preferring a line break, then a space, if
/// one falls in the last quarter of the allowed part. `s.len()` when it all fits.
#[must_use]
pub fn split_point(s: &str, max: usize) -> usize {
    if units(s) <= max {
        return s.len();
    }
    let mut used = 0;
    let mut in_angle = false;
    let mut in_entity = false;
    let mut safe = 0;
    let mut hard = 0;
    let (mut newline, mut space) = (None, None);
    for (i, c) in s.char_indices() {
        if !in_angle && !in_entity {
            safe = i;
            match c {
                '\n' => newline = Some(i),
                ' ' => space = Some(i),
                _ => {}
            }
        }
        if used + c.len_utf16() > max {
            break;
        }
        used += c.len_utf16();
        hard = i + c.len_utf8();
        match c {
            '<' => in_angle = true,
            '>' => in_angle = false,
            '&' if !in_angle => in_entity = true,
            ';' => in_entity = false,
            _ => {}
        }
    }
    if safe == 0 {
        // Markup longer than the whole allowance cannot be kept whole; the bot never
        // composes any, but progress matters more than a mention here.
        return hard.max(s.chars().next().map_or(0, char::len_utf8));
    }
    let floor = safe - safe / 4;
    match (newline, space) {
        (Some(n), _) if n >= floor => n,
        (_, Some(sp)) if sp >= floor => sp,
        _ => safe,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_limit_names_its_source() {
        let mut ids: Vec<&str> = ALL.iter().map(|l| l.id).collect();
        ids.extend(RULES.iter().map(|r| r.id));
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate ids");
        for l in ALL {
            assert!(l.doc.starts_with("https://"), "{}", l.id);
            assert!(l.max > 0);
        }
    }

    #[test]
    fn cut_is_visible_and_fits_however_counted() {
        assert_eq!(cut("short", 75), "short");
        let long = "가".repeat(100);
        let c = cut(&long, 75);
        assert_eq!(chars(&c), 75);
        assert!(c.ends_with('…'));
        let emoji = "🚀".repeat(50);
        let c = cut(&emoji, 75);
        assert!(
            c.encode_utf16().count() <= 75,
            "{}",
            c.encode_utf16().count()
        );
        assert!(c.ends_with('…'));
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "ab…");
    }

    #[test]
    fn mrkdwn_cuts_never_split_markup() {
        let s = format!(
            "{} <@U0LEAD1> &amp;&amp;&amp; <https://x.example|label>",
            "a".repeat(10)
        );
        for max in 1..s.len() + 2 {
            let c = cut_mrkdwn(&s, max);
            assert!(units(&c) <= max.max(1), "{max}: {c}");
            let body = c.trim_end_matches('…');
            assert_eq!(body.matches('<').count(), body.matches('>').count(), "{c}");
            assert_eq!(
                body.matches('&').count(),
                body.matches(';').count(),
                "{max}: {c}"
            );
        }
    }
}
