//! The building blocks every renderer shares: making free text inert for mrkdwn, showing
//! the company's values at a bounded display size, splitting long text into section blocks,
//! and making the catalogue's mrkdwn into blocks. (Times are written by
//! [`crate::i18n::Locale`], in the configured language and `DISPLAY_TZ`.)
//!
//! Free text typed by people (the reasons) goes through [`free`]: Slack's control
//! characters are escaped, so `<!channel>` or a crafted link is shown, not executed; line
//! breaks become a visible `↵`, so a reason cannot start a line that looks like one of the
//! message's own `*Field:*` lines; control and bidi-override characters are replaced.
//! Every mrkdwn text that can hold free text is sent with `verbatim: true`, so Slack does
//! not turn bare URLs or `#channel` names in it into links (Slack's text object docs).
//!
//! Values of unbounded length (insurer names, masked names and policy numbers from the
//! company's tables) are cut visibly (`…`) to a display size; the stored row keeps them
//! whole.

use slack_morphism::prelude::*;

use crate::slack::limits::{self, cut, cut_mrkdwn};

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
pub fn name(masked: &str) -> String {
    free(&name_plain(masked))
}

/// An insurer's name in mrkdwn: escaped, cut visibly past [`INSURER_CHARS`] characters.
pub fn insurer(raw: &str) -> String {
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
pub(crate) fn md(text: String) -> SlackBlockText {
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

pub(crate) fn modal(title: &str, blocks: Vec<SlackBlock>) -> SlackModalView {
    SlackModalView::new(pt!(title), blocks)
}

/// A link to a message; Slack redirects it to the right workspace.
pub fn message_link(channel: &str, ts: &str) -> String {
    format!(
        "https://slack.com/archives/{channel}/p{}",
        ts.replace('.', "")
    )
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
    fn message_link_drops_the_dot() {
        assert_eq!(
            message_link("C1", "1700000000.000100"),
            "https://slack.com/archives/C1/p1700000000000100"
        );
    }
}
