//! The answer to `/expire-insurance history`: one message text, kept under Slack's 4,000
//! characters by showing fewer requests (newest first, and saying so). Built from an
//! already-masked [`History`]. Each request reads as its record: who filed it, every
//! approval (who, when, of how many), the reminder, the decision or the withdrawal, and the
//! policy before and after.

use chrono_tz::Tz;

use super::blocks::{insurer, message_link, name, policy, show_time};
use super::digest::{local_date, plural};
use crate::domain::history::{History, HistoryEntry, PolicyState};
use crate::domain::{PolicyOutcome, RequestStatus};
use crate::slack::limits::{self, cut};

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
        insurer(&e.insurer),
        policy(&e.policy_number_masked),
        name(&e.rider_name_masked),
        e.rider_id,
        match e.status {
            RequestStatus::Cancelled => "withdrawn".to_owned(),
            s => s.as_str().to_lowercase().replace('_', " "),
        },
    )];
    lines.push(format!(
        "Filed {} by <@{}> · cancellation time {}",
        show_time(e.requested_at, tz),
        e.requested_by,
        e.cancelled_at
            .map(|t| show_time(t, tz))
            .unwrap_or_else(|| "-".to_owned()),
    ));
    if e.approvals_required > 1 || !e.approvals.is_empty() {
        let given = if e.approvals.is_empty() {
            "none".to_owned()
        } else {
            e.approvals
                .iter()
                .map(|a| format!("<@{}> {}", a.approver, show_time(a.approved_at, tz)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        lines.push(format!(
            "Approvals ({} of {} needed): {given}",
            e.approvals.len(),
            e.approvals_required
        ));
    }
    if let Some(at) = e.reminded_at {
        lines.push(format!("Reminder sent {}", show_time(at, tz)));
    }
    let by = e
        .decided_by
        .as_ref()
        .map(|u| format!("<@{u}>"))
        .unwrap_or_else(|| "expire-bot".to_owned());
    let when = e
        .decided_at
        .map(|t| show_time(t, tz))
        .unwrap_or_else(|| "-".to_owned());
    lines.push(match e.status {
        RequestStatus::Approved => {
            let what = match e.outcome {
                Some(PolicyOutcome::AlreadyExpired) => {
                    "policy had already been expired, left as it was"
                }
                Some(PolicyOutcome::PolicyMissing) => "policy no longer existed, nothing changed",
                _ => "policy expired",
            };
            format!("Approved {when} by {by}: {what}")
        }
        RequestStatus::Rejected => format!("Rejected {when} by {by}: policy not changed"),
        RequestStatus::TimedOut => {
            format!("Timed out {when}: no lead decided in time, policy not changed")
        }
        RequestStatus::Cancelled => {
            format!("Withdrawn {when} by its requester {by}: policy not changed")
        }
        RequestStatus::Pending => "Waiting for a lead's decision".to_owned(),
    });
    let change = match (&e.before, &e.after) {
        (Some(b), Some(a)) => format!("Policy: {} → {}", state(b, tz), state(a, tz)),
        (Some(b), None) => format!("Policy: {} (unchanged by this request)", state(b, tz)),
        _ => "Policy: not recorded".to_owned(),
    };
    match (&e.channel_id, &e.message_ts) {
        (Some(c), Some(ts)) => lines.push(format!(
            "{change} · <{}|request message>",
            message_link(c, ts)
        )),
        _ => lines.push(change),
    }
    lines.join("\n")
}

/// Riders a history answer names; more are counted.
const HISTORY_RIDERS_SHOWN: usize = 10;

/// The history answer, as mrkdwn text for an ephemeral reply: inside Slack's message text
/// limit, showing fewer requests (newest first, and saying how many) when all would not fit.
pub fn history_text(h: &History, tz: Tz) -> String {
    if h.riders.is_empty() {
        return format!(
            "No rider matches {} (withdrawn riders included).",
            h.query_masked
        );
    }
    let mut riders: Vec<String> = h
        .riders
        .iter()
        .take(HISTORY_RIDERS_SHOWN)
        .map(|r| {
            let member = match (r.status.as_str(), r.withdrawn_at) {
                ("WITHDRAWN", Some(at)) => format!("withdrawn {}", local_date(at, tz)),
                ("WITHDRAWN", None) => "withdrawn".to_owned(),
                _ => "active member".to_owned(),
            };
            format!(
                "{} (ID {}, {}, {member})",
                name(&r.name_masked),
                r.rider_id,
                cut(&r.phone_masked, 13)
            )
        })
        .collect();
    if h.riders.len() > HISTORY_RIDERS_SHOWN {
        riders.push(format!(
            "and {} more",
            h.riders.len() - HISTORY_RIDERS_SHOWN
        ));
    }
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
    // Room for the "Showing the latest …" line.
    let budget = limits::MESSAGE_TEXT
        .max
        .saturating_sub(limits::chars(&out) + 80);
    let mut entries: Vec<String> = Vec::new();
    let mut used = 0;
    for e in &h.entries {
        let t = entry_text(e, tz);
        let n = limits::chars(&t) + 2;
        if used + n > budget {
            break;
        }
        used += n;
        entries.push(t);
    }
    if (entries.len() as i64) < h.total {
        out.push_str(&format!(
            "Showing the latest {} of {} requests.\n",
            entries.len(),
            h.total
        ));
    }
    out.push('\n');
    out.push_str(&entries.join("\n\n"));
    out
}
