//! What the withdrawn-rider digest looks like in Slack, and the answer to "File requests
//! for all".
//!
//! The builders take an already-masked [`Scan`] and never see raw personal data. The
//! digest is cut into messages of at most [`RIDERS_PER_MESSAGE`] riders, each message
//! inside Slack's 50 blocks and its per-message text budget
//! ([`limits::MESSAGE_BLOCKS_TEXT`]); a rider whose policies do not fit one section's 3,000
//! characters continues in the next blocks (and messages), and a list longer than the
//! digest shows says so in words: nothing is dropped silently.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use slack_morphism::prelude::*;

use super::blocks::{context, insurer, name, policy, section, text_chars};
use crate::domain::digest::{BulkReport, DigestRider, Scan};
use crate::i18n::Locale;
use crate::slack::ids::{ActionId, file_one_value};
use crate::slack::limits::{self, cut};
use crate::tr;

/// A page holds a heading, a summary, two footer blocks and at most this many riders
/// (one section block each, more for a rider with many policies).
pub const RIDERS_PER_MESSAGE: usize = 44;
/// Blocks a page keeps free for its heading, summary and footer.
const RESERVED_BLOCKS: usize = 4;
/// Text a page keeps free for the same (they are a few hundred characters in either
/// language).
const RESERVED_TEXT: usize = 1500;

/// Whole calendar days from `from` to `to`, in `tz`.
pub fn days_between(from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> i64 {
    (to.with_timezone(&tz).date_naive() - from.with_timezone(&tz).date_naive()).num_days()
}

/// One rider as section blocks: the first carries the rider's line and the per-rider
/// button; policies that do not fit its 3,000 characters continue in more blocks.
fn rider_blocks(l: Locale, r: &DigestRider, slot: DateTime<Utc>) -> Vec<SlackBlock> {
    let who = name(&r.name_masked);
    let phone = cut(&r.phone_masked, 13);
    let head = match r.withdrawn_at {
        Some(at) => tr!(
            l,
            "digest-rider-line",
            name = who.as_str(),
            phone = phone,
            withdrawn_on = l.day(at),
            days_ago = days_between(at, slot, l.tz())
        ),
        None => tr!(
            l,
            "digest-rider-date-unknown-line",
            name = who.as_str(),
            phone = phone
        ),
    };
    let mut texts = vec![head];
    for p in &r.policies {
        let line = tr!(
            l,
            "digest-policy-line",
            insurer = insurer(&p.insurer),
            policy = policy(&p.policy_number_masked),
            valid_from = l.day(p.valid_from)
        );
        let last = texts.last_mut().map(|t| (limits::chars(t), t));
        match last {
            Some((n, t)) if n + 1 + limits::chars(&line) <= limits::SECTION_TEXT.max => {
                t.push('\n');
                t.push_str(&line);
            }
            _ => texts.push(format!(
                "{}\n{line}",
                tr!(l, "digest-rider-continued-line", name = who.as_str())
            )),
        }
    }
    texts
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let block = SlackSectionBlock::new().with_text(SlackBlockText::MarkDown(
                SlackBlockMarkDownText::new(text).with_verbatim(true),
            ));
            if i == 0 {
                block
                    .with_accessory(SlackSectionBlockElement::Button(
                        SlackBlockButtonElement::new(pt!(tr!(l, "digest-file-one-button")))
                            .with_action_id(ActionId::DigestFileOne.as_str().into())
                            .with_value(file_one_value(r.rider_id, r.withdrawn_at)),
                    ))
                    .into()
            } else {
                block.into()
            }
        })
        .collect()
}

/// Text characters of one block, as the per-message budget counts them.
fn block_text(b: &SlackBlock) -> usize {
    text_chars(std::slice::from_ref(b))
}

/// The riders' blocks cut into pages: at most [`RIDERS_PER_MESSAGE`] riders begin on a
/// page, and each page's blocks and text stay inside Slack's per-message limits with
/// room left for the heading, summary and footer.
fn paginate(l: Locale, scan: &Scan, slot: DateTime<Utc>) -> Vec<Vec<SlackBlock>> {
    let max_blocks = limits::MESSAGE_BLOCKS.max - RESERVED_BLOCKS;
    let max_text = limits::MESSAGE_BLOCKS_TEXT.max - RESERVED_TEXT;
    let mut pages: Vec<Vec<SlackBlock>> = vec![Vec::new()];
    let (mut riders, mut text) = (0, 0);
    for r in &scan.riders {
        for (i, b) in rider_blocks(l, r, slot).into_iter().enumerate() {
            let n = block_text(&b);
            let page_full = pages.last().is_some_and(|p| {
                !p.is_empty()
                    && (p.len() + 1 > max_blocks
                        || text + n > max_text
                        || (i == 0 && riders + 1 > RIDERS_PER_MESSAGE))
            });
            if page_full {
                pages.push(Vec::new());
                riders = 0;
                text = 0;
            }
            if i == 0 {
                riders += 1;
            }
            text += n;
            if let Some(p) = pages.last_mut() {
                p.push(b);
            }
        }
    }
    pages
}

/// The digest's summary: the counts, then (each on its own line) whether the list is cut
/// and whether an earlier attempt was interrupted.
fn summary(l: Locale, scan: &Scan, retaken: bool) -> String {
    let mut lines = vec![tr!(
        l,
        "digest-summary",
        riders = scan.total_riders,
        policies = scan.total_policies
    )];
    if scan.is_cut() {
        lines.push(tr!(
            l,
            "digest-cut-note",
            listed_riders = scan.riders.len(),
            listed_policies = scan.listed_policies(),
            other_riders = scan.total_riders - scan.riders.len() as i64
        ));
    }
    if retaken {
        lines.push(tr!(l, "digest-retaken-note"));
    }
    lines.join("\n")
}

/// The digest for `slot`, as one or more messages. `scan` must have found someone.
pub fn digest_messages(
    l: Locale,
    scan: &Scan,
    slot: DateTime<Utc>,
    approval_channel: &str,
    retaken: bool,
) -> Vec<SlackMessageContent> {
    let chunks = paginate(l, scan, slot);
    let pages = chunks.len().max(1);
    let date = l.day(slot);
    let listed_policies = scan.listed_policies();
    let mut out = Vec::with_capacity(pages);
    for (page, riders) in chunks.into_iter().enumerate() {
        let mut blocks = Vec::new();
        let (heading, fallback) = if pages > 1 {
            (
                tr!(
                    l,
                    "digest-paged-heading",
                    date = date.as_str(),
                    page = page + 1,
                    pages = pages
                ),
                tr!(
                    l,
                    "digest-paged-fallback",
                    date = date.as_str(),
                    riders = scan.total_riders,
                    policies = scan.total_policies,
                    page = page + 1,
                    pages = pages
                ),
            )
        } else {
            (
                tr!(l, "digest-heading", date = date.as_str()),
                tr!(
                    l,
                    "digest-fallback",
                    date = date.as_str(),
                    riders = scan.total_riders,
                    policies = scan.total_policies
                ),
            )
        };
        blocks.push(section(heading));
        if page == 0 {
            blocks.push(section(summary(l, scan, retaken)));
        }
        blocks.extend(riders);
        if page + 1 == pages {
            blocks.push(
                SlackActionsBlock::new(vec![
                    SlackBlockButtonElement::new(pt!(tr!(
                        l,
                        "digest-file-all-button",
                        policies = listed_policies
                    )))
                    .with_action_id(ActionId::DigestFileAll.as_str().into())
                    .with_value(slot.timestamp().to_string())
                    .with_style(SlackBlockButtonStyle::Primary)
                    .with_confirm(SlackBlockConfirmItem::new(
                        pt!(tr!(l, "digest-file-all-confirm.title")),
                        md!(tr!(
                            l,
                            "digest-file-all-confirm.body",
                            policies = listed_policies,
                            channel = approval_channel
                        )),
                        pt!(tr!(l, "digest-file-all-confirm.confirm")),
                        pt!(tr!(l, "digest-file-all-confirm.deny")),
                    ))
                    .into(),
                ])
                .with_block_id("digest_bulk".into())
                .into(),
            );
            blocks.push(context(tr!(l, "digest-footer")));
        }
        debug_assert!(blocks.len() <= limits::MESSAGE_BLOCKS.max);
        out.push(
            SlackMessageContent::new()
                .with_text(fallback)
                .with_blocks(blocks),
        );
    }
    out
}

/// The one-line message when nobody is found.
pub fn all_clear(l: Locale, slot: DateTime<Utc>) -> SlackMessageContent {
    SlackMessageContent::new().with_text(tr!(l, "digest-all-clear", date = l.day(slot)))
}

/// What the clicker of "File requests for all" is told: one count each, the catalogue
/// leaving out the parts that are zero.
pub fn bulk_answer(l: Locale, r: &BulkReport, approval_channel: &str) -> String {
    tr!(
        l,
        "bulk-answer",
        filed = r.filed,
        already_pending = r.already_pending,
        settled = r.settled,
        needs_individual = r.needs_individual,
        failed = r.failed,
        channel = approval_channel
    )
}

/// The reason stored with each request "File requests for all" files (shown in its
/// approval message), in the bot's language.
pub fn bulk_reason(l: Locale, slot: DateTime<Utc>) -> String {
    tr!(l, "bulk-reason", date = l.day(slot))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::digest::DigestPolicy;
    use crate::domain::{PolicyId, RiderId};
    use chrono::TimeZone;

    fn rider(id: i64) -> DigestRider {
        let t = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        DigestRider {
            rider_id: RiderId(id),
            name_masked: "홍*동".into(),
            phone_masked: "010-****-1234".into(),
            withdrawn_at: Some(t),
            policies: vec![DigestPolicy {
                policy_id: PolicyId(id * 10),
                insurer: "바로화재".into(),
                policy_number_masked: "******3456".into(),
                valid_from: t,
            }],
        }
    }

    #[test]
    fn long_digests_are_paginated_within_slacks_block_limit_and_say_when_cut() {
        let slot = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
        let scan = Scan {
            riders: (1..=100).map(rider).collect(),
            total_riders: 130,
            total_policies: 130,
        };
        let l = Locale::new(crate::i18n::Language::En, chrono_tz::Asia::Seoul);
        let msgs = digest_messages(l, &scan, slot, "C0APPROVE", false);
        assert_eq!(msgs.len(), 3);
        let mut listed = 0;
        for m in &msgs {
            let blocks = m.blocks.as_ref().unwrap();
            assert!(blocks.len() <= limits::MESSAGE_BLOCKS.max);
            listed += serde_json::to_string(m)
                .unwrap()
                .matches(ActionId::DigestFileOne.as_str())
                .count();
        }
        assert_eq!(listed, 100, "every listed rider has its button");
        let first = serde_json::to_string(&msgs[0]).unwrap();
        assert!(first.contains("130 withdrawn riders"), "{first}");
        assert!(first.contains("the other 30 riders"), "{first}");
        let last = serde_json::to_string(&msgs[2]).unwrap();
        assert!(last.contains(ActionId::DigestFileAll.as_str()));
        assert!(last.contains(&slot.timestamp().to_string()));
        assert!(!first.contains(ActionId::DigestFileAll.as_str()));
        assert!(first.contains("27 days ago"), "{first}");
    }
}
