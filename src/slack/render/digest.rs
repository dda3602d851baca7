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
use crate::slack::ids::{ActionId, file_one_value};
use crate::slack::limits::{self, cut};

/// A page holds a heading, a summary, two footer blocks and at most this many riders
/// (one section block each, more for a rider with many policies).
pub const RIDERS_PER_MESSAGE: usize = 44;
/// Blocks a page keeps free for its heading, summary and footer.
const RESERVED_BLOCKS: usize = 4;
/// Text a page keeps free for the same (they are a few hundred characters).
const RESERVED_TEXT: usize = 1500;

pub(super) fn local_date(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d").to_string()
}

/// Whole calendar days from `from` to `to`, in `tz`.
pub fn days_between(from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> i64 {
    (to.with_timezone(&tz).date_naive() - from.with_timezone(&tz).date_naive()).num_days()
}

pub(super) fn plural(n: impl Into<i64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One rider as section blocks: the first carries the rider's line and the per-rider
/// button; policies that do not fit its 3,000 characters continue in more blocks.
fn rider_blocks(r: &DigestRider, slot: DateTime<Utc>, tz: Tz) -> Vec<SlackBlock> {
    let withdrawn = match r.withdrawn_at {
        Some(at) => {
            let days = days_between(at, slot, tz);
            format!(
                "withdrawn {} ({})",
                local_date(at, tz),
                if days == 0 {
                    "today".to_owned()
                } else {
                    format!("{} ago", plural(days, "day", "days"))
                }
            )
        }
        None => "withdrawn (date unknown)".to_owned(),
    };
    let who = name(&r.name_masked);
    let head = format!("*{who}* · {} · {}", cut(&r.phone_masked, 13), withdrawn);
    let mut texts = vec![head];
    for p in &r.policies {
        let line = format!(
            "{} {} · since {}",
            insurer(&p.insurer),
            policy(&p.policy_number_masked),
            local_date(p.valid_from, tz)
        );
        let last = texts.last_mut().map(|t| (limits::chars(t), t));
        match last {
            Some((n, t)) if n + 1 + limits::chars(&line) <= limits::SECTION_TEXT.max => {
                t.push('\n');
                t.push_str(&line);
            }
            _ => texts.push(format!("*{who}* (continued)\n{line}")),
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
                        SlackBlockButtonElement::new(pt!("File request…"))
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
fn paginate(scan: &Scan, slot: DateTime<Utc>, tz: Tz) -> Vec<Vec<SlackBlock>> {
    let max_blocks = limits::MESSAGE_BLOCKS.max - RESERVED_BLOCKS;
    let max_text = limits::MESSAGE_BLOCKS_TEXT.max - RESERVED_TEXT;
    let mut pages: Vec<Vec<SlackBlock>> = vec![Vec::new()];
    let (mut riders, mut text) = (0, 0);
    for r in &scan.riders {
        for (i, b) in rider_blocks(r, slot, tz).into_iter().enumerate() {
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

/// The digest for `slot`, as one or more messages. `scan` must have found someone.
pub fn digest_messages(
    scan: &Scan,
    slot: DateTime<Utc>,
    tz: Tz,
    approval_channel: &str,
    retaken: bool,
) -> Vec<SlackMessageContent> {
    let chunks = paginate(scan, slot, tz);
    let pages = chunks.len().max(1);
    let date = local_date(slot, tz);
    let listed_policies = scan.listed_policies();
    let mut out = Vec::with_capacity(pages);
    for (page, riders) in chunks.into_iter().enumerate() {
        let mut blocks = Vec::new();
        let part = if pages > 1 {
            format!(" — message {} of {pages}", page + 1)
        } else {
            String::new()
        };
        blocks.push(section(format!(
            "*Withdrawn riders still insured — {date}*{part}"
        )));
        if page == 0 {
            let mut summary = format!(
                "*{}* still {} *{}*. Nothing ends these during the deletion window: each needs an expiry request. Oldest withdrawal first.",
                plural(scan.total_riders, "withdrawn rider", "withdrawn riders"),
                if scan.total_riders == 1 {
                    "holds"
                } else {
                    "hold"
                },
                plural(
                    scan.total_policies,
                    "active hourly policy",
                    "active hourly policies"
                ),
            );
            if scan.is_cut() {
                summary.push_str(&format!(
                    "\n:warning: This digest lists the first {} ({}); the other {} will be listed in later digests as these are handled.",
                    plural(scan.riders.len() as i64, "rider", "riders"),
                    plural(listed_policies as i64, "policy", "policies"),
                    plural(scan.total_riders - scan.riders.len() as i64, "rider", "riders"),
                ));
            }
            if retaken {
                summary.push_str(
                    "\n_An earlier attempt to post this digest was interrupted; this is the complete digest._",
                );
            }
            blocks.push(section(summary));
        }
        blocks.extend(riders);
        if page + 1 == pages {
            blocks.push(
                SlackActionsBlock::new(vec![
                    SlackBlockButtonElement::new(pt!(format!(
                        "File requests for all {}",
                        plural(listed_policies as i64, "policy", "policies")
                    )))
                    .with_action_id(ActionId::DigestFileAll.as_str().into())
                    .with_value(slot.timestamp().to_string())
                    .with_style(SlackBlockButtonStyle::Primary)
                    .with_confirm(SlackBlockConfirmItem::new(
                        pt!("File all these requests?"),
                        md!(format!(
                            "One expiry request per listed policy ({}), each ending the policy at the rider's withdrawal time. Each is posted to <#{approval_channel}> and needs a lead's approval; you cannot approve the ones you filed.",
                            plural(listed_policies as i64, "policy", "policies")
                        )),
                        pt!("File them"),
                        pt!("Back"),
                    ))
                    .into(),
                ])
                .with_block_id("digest_bulk".into())
                .into(),
            );
            blocks.push(context(
                "Use *File request…* on a rider to check the cancellation time first. Policies that already have a pending request are not filed twice.".to_owned(),
            ));
        }
        debug_assert!(blocks.len() <= limits::MESSAGE_BLOCKS.max);
        out.push(
            SlackMessageContent::new()
                .with_text(format!(
                    "Withdrawn riders still insured ({date}): {}, {}{part}",
                    plural(scan.total_riders, "rider", "riders"),
                    plural(scan.total_policies, "policy", "policies"),
                ))
                .with_blocks(blocks),
        );
    }
    out
}

/// The one-line message when nobody is found.
pub fn all_clear(slot: DateTime<Utc>, tz: Tz) -> SlackMessageContent {
    SlackMessageContent::new().with_text(format!(
        ":white_check_mark: Withdrawn-rider digest {}: all clear — no withdrawn rider holds an active hourly policy.",
        local_date(slot, tz)
    ))
}

/// What the clicker of "File requests for all" is told.
pub fn bulk_answer(r: &BulkReport, approval_channel: &str) -> String {
    let mut parts = vec![format!(
        "Filed {}",
        plural(r.filed as i64, "new request", "new requests")
    )];
    if r.already_pending > 0 {
        parts.push(format!(
            "{} already waiting for a decision (not filed again)",
            plural(r.already_pending as i64, "policy was", "policies were")
        ));
    }
    if r.settled > 0 {
        parts.push(format!(
            "{} no longer active or no longer withdrawn (nothing to do)",
            plural(r.settled as i64, "policy is", "policies are")
        ));
    }
    if r.needs_individual > 0 {
        parts.push(format!(
            "{} need filing one by one with *File request…* (no usable withdrawal time)",
            plural(r.needs_individual as i64, "policy", "policies")
        ));
    }
    if r.failed > 0 {
        parts.push(format!(
            "{} could not be filed because of a database error — click again to retry them",
            plural(r.failed as i64, "policy", "policies")
        ));
    }
    let mut text = format!("{}.", parts.join("; "));
    if r.filed > 0 {
        text.push_str(&format!(
            " Each is being posted to <#{approval_channel}> for a lead's approval; another lead has to approve the ones you filed."
        ));
    }
    text
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
        let msgs = digest_messages(&scan, slot, chrono_tz::Asia::Seoul, "C0APPROVE", false);
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
