//! What the withdrawn-rider digest and `/expire-insurance history` look like in Slack.
//!
//! Like [`super::views`], these builders take already-masked values (a [`Scan`], a
//! [`History`]) and never see raw personal data. The digest is cut into messages of at
//! most [`RIDERS_PER_MESSAGE`] riders so that no message exceeds Slack's 50 blocks, and a
//! list longer than the digest shows says so in words: nothing is dropped silently.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use slack_morphism::prelude::*;

use super::views::{context, escape, section, show_time};
use crate::digest::scan::{DigestRider, Scan};
use crate::history::{History, HistoryEntry, PolicyState};
use crate::store::{outcome, status};

/// `action_id`s of the digest's buttons (the contract leaves these to the bot).
pub mod action {
    /// Per rider: opens the request modal prefilled. Value `"{rider_id}:{withdrawn unix s}"`.
    pub const DIGEST_FILE_ONE: &str = "digest_file_one";
    /// Once per digest: files one request per listed policy. Value: the slot, unix seconds.
    pub const DIGEST_FILE_ALL: &str = "digest_file_all";
}

/// Slack allows 50 blocks per message; a page holds a heading, a summary, up to three
/// footer blocks and this many riders (one section block each).
pub const RIDERS_PER_MESSAGE: usize = 44;
const MAX_BLOCKS_PER_MESSAGE: usize = 50;

fn local_date(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d").to_string()
}

/// Whole calendar days from `from` to `to`, in `tz`.
pub fn days_between(from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> i64 {
    (to.with_timezone(&tz).date_naive() - from.with_timezone(&tz).date_naive()).num_days()
}

fn plural(n: impl Into<i64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The per-rider button's value.
pub fn file_one_value(rider_id: i64, withdrawn_at: Option<DateTime<Utc>>) -> String {
    match withdrawn_at {
        Some(t) => format!("{rider_id}:{}", t.timestamp()),
        None => format!("{rider_id}:"),
    }
}

/// Reads the per-rider button's value back.
pub fn parse_file_one_value(v: &str) -> Option<(i64, Option<DateTime<Utc>>)> {
    let (id, at) = v.split_once(':')?;
    let id = id.parse().ok()?;
    let at = if at.is_empty() {
        None
    } else {
        Some(DateTime::<Utc>::from_timestamp(at.parse().ok()?, 0)?)
    };
    Some((id, at))
}

fn rider_block(r: &DigestRider, slot: DateTime<Utc>, tz: Tz) -> SlackBlock {
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
    let policies: Vec<String> = r
        .policies
        .iter()
        .map(|p| {
            format!(
                "{} {} · since {}",
                escape(&p.insurer),
                p.policy_number_masked,
                local_date(p.valid_from, tz)
            )
        })
        .collect();
    let text = format!(
        "*{}* · {} · {}\n{}",
        r.name_masked,
        r.phone_masked,
        withdrawn,
        policies.join("\n")
    );
    SlackSectionBlock::new()
        .with_text(md!(text))
        .with_accessory(SlackSectionBlockElement::Button(
            SlackBlockButtonElement::new(pt!("File request…"))
                .with_action_id(action::DIGEST_FILE_ONE.into())
                .with_value(file_one_value(r.rider_id, r.withdrawn_at)),
        ))
        .into()
}

/// The digest for `slot`, as one or more messages. `scan` must have found someone.
pub fn digest_messages(
    scan: &Scan,
    slot: DateTime<Utc>,
    tz: Tz,
    approval_channel: &str,
    retaken: bool,
) -> Vec<SlackMessageContent> {
    let chunks: Vec<&[DigestRider]> = scan.riders.chunks(RIDERS_PER_MESSAGE).collect();
    let pages = chunks.len().max(1);
    let date = local_date(slot, tz);
    let listed_policies = scan.listed_policies();
    let mut out = Vec::with_capacity(pages);
    for page in 0..pages {
        let riders = chunks.get(page).copied().unwrap_or(&[]);
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
        blocks.extend(riders.iter().map(|r| rider_block(r, slot, tz)));
        if page + 1 == pages {
            blocks.push(
                SlackActionsBlock::new(vec![
                    SlackBlockButtonElement::new(pt!(format!(
                        "File requests for all {}",
                        plural(listed_policies as i64, "policy", "policies")
                    )))
                    .with_action_id(action::DIGEST_FILE_ALL.into())
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
        debug_assert!(blocks.len() <= MAX_BLOCKS_PER_MESSAGE);
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
pub fn bulk_answer(r: &crate::digest::bulk::BulkReport, approval_channel: &str) -> String {
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

fn state(s: &PolicyState, tz: Tz) -> String {
    let until = match s.valid_until {
        Some(t) => format!("until {}", show_time(t, tz)),
        None => "open-ended".to_owned(),
    };
    format!("{} ({until})", s.status)
}

fn entry_text(e: &HistoryEntry, tz: Tz) -> String {
    let mut lines = vec![format!(
        "*#{}* · {} {} · rider {} (ID {}) · {}",
        e.request_id,
        escape(&e.insurer),
        e.policy_number_masked,
        e.rider_name_masked,
        e.rider_id,
        e.status.to_lowercase().replace('_', " "),
    )];
    lines.push(format!(
        "Filed {} by <@{}> · cancellation time {}",
        show_time(e.requested_at, tz),
        e.requested_by,
        e.cancelled_at
            .map(|t| show_time(t, tz))
            .unwrap_or_else(|| "-".to_owned()),
    ));
    let by = e
        .decided_by
        .as_deref()
        .map(|u| format!("<@{u}>"))
        .unwrap_or_else(|| "expire-bot".to_owned());
    let when = e
        .decided_at
        .map(|t| show_time(t, tz))
        .unwrap_or_else(|| "-".to_owned());
    lines.push(match e.status.as_str() {
        status::APPROVED => {
            let what = match e.outcome.as_deref() {
                Some(outcome::ALREADY_EXPIRED) => "policy had already been expired, left as it was",
                Some(outcome::POLICY_MISSING) => "policy no longer existed, nothing changed",
                _ => "policy expired",
            };
            format!("Approved {when} by {by}: {what}")
        }
        status::REJECTED => format!("Rejected {when} by {by}: policy not changed"),
        status::TIMED_OUT => {
            format!("Timed out {when}: no lead decided in time, policy not changed")
        }
        _ => "Waiting for a lead's decision".to_owned(),
    });
    let change = match (&e.before, &e.after) {
        (Some(b), Some(a)) => format!("Policy: {} → {}", state(b, tz), state(a, tz)),
        (Some(b), None) => format!("Policy: {} (unchanged by this request)", state(b, tz)),
        _ => "Policy: not recorded".to_owned(),
    };
    match &e.link {
        Some(link) => lines.push(format!("{change} · <{link}|request message>")),
        None => lines.push(change),
    }
    lines.join("\n")
}

/// The history answer, as mrkdwn text for an ephemeral reply.
pub fn history_text(h: &History, tz: Tz) -> String {
    if h.riders.is_empty() {
        return format!(
            "No rider matches {} (withdrawn riders included).",
            h.query_masked
        );
    }
    let riders: Vec<String> = h
        .riders
        .iter()
        .map(|r| {
            let member = match (r.status.as_str(), r.withdrawn_at) {
                ("WITHDRAWN", Some(at)) => format!("withdrawn {}", local_date(at, tz)),
                ("WITHDRAWN", None) => "withdrawn".to_owned(),
                _ => "active member".to_owned(),
            };
            format!(
                "{} (ID {}, {}, {member})",
                r.name_masked, r.rider_id, r.phone_masked
            )
        })
        .collect();
    let mut out = format!(
        "*Expiry requests for {}* — {}: {}\n",
        h.query_masked,
        plural(h.riders.len() as i64, "rider", "riders"),
        riders.join(", ")
    );
    if h.entries.is_empty() {
        out.push_str("No expiry request was ever filed for their policies.");
        return out;
    }
    if (h.entries.len() as i64) < h.total {
        out.push_str(&format!(
            "Showing the latest {} of {} requests.\n",
            h.entries.len(),
            h.total
        ));
    }
    let entries: Vec<String> = h.entries.iter().map(|e| entry_text(e, tz)).collect();
    out.push('\n');
    out.push_str(&entries.join("\n\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::scan::DigestPolicy;
    use chrono::TimeZone;

    fn rider(id: i64) -> DigestRider {
        let t = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        DigestRider {
            rider_id: id,
            name_masked: "홍*동".into(),
            phone_masked: "010-****-1234".into(),
            withdrawn_at: Some(t),
            policies: vec![DigestPolicy {
                policy_id: id * 10,
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
            assert!(blocks.len() <= MAX_BLOCKS_PER_MESSAGE);
            listed += serde_json::to_string(m)
                .unwrap()
                .matches(action::DIGEST_FILE_ONE)
                .count();
        }
        assert_eq!(listed, 100, "every listed rider has its button");
        let first = serde_json::to_string(&msgs[0]).unwrap();
        assert!(first.contains("130 withdrawn riders"), "{first}");
        assert!(first.contains("the other 30 riders"), "{first}");
        let last = serde_json::to_string(&msgs[2]).unwrap();
        assert!(last.contains(action::DIGEST_FILE_ALL));
        assert!(last.contains(&slot.timestamp().to_string()));
        assert!(!first.contains(action::DIGEST_FILE_ALL));
        assert!(first.contains("27 days ago"), "{first}");
    }

    #[test]
    fn file_one_values_round_trip() {
        let t = Utc.with_ymd_and_hms(2026, 11, 1, 3, 4, 5).unwrap();
        assert_eq!(
            parse_file_one_value(&file_one_value(7, Some(t))),
            Some((7, Some(t)))
        );
        assert_eq!(
            parse_file_one_value(&file_one_value(7, None)),
            Some((7, None))
        );
        assert_eq!(parse_file_one_value("x:1"), None);
        assert_eq!(parse_file_one_value("7"), None);
    }
}
