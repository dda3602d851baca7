//! The answer to `/expire-insurance history`: one message text, kept under Slack's 4,000
//! characters by showing fewer requests (newest first, and saying so). Built from an
//! already-masked [`History`].

use super::blocks::{insurer, message_link, name, policy};
use crate::domain::history::{History, HistoryEntry, PolicyState};
use crate::domain::{PolicyOutcome, RequestStatus};
use crate::i18n::Locale;
use crate::slack::limits::{self, cut};
use crate::tr;

fn state(l: Locale, s: &PolicyState) -> String {
    match s.valid_until {
        Some(t) => tr!(
            l,
            "history-policy-state",
            policy_status = s.status.as_str(),
            valid_until = l.time(t)
        ),
        None => tr!(
            l,
            "history-policy-open-state",
            policy_status = s.status.as_str()
        ),
    }
}

fn entry_text(l: Locale, e: &HistoryEntry) -> String {
    let mut lines = vec![
        tr!(
            l,
            "history-entry-heading",
            request_id = e.request_id.to_string(),
            insurer = insurer(&e.insurer),
            policy = policy(&e.policy_number_masked),
            name = name(&e.rider_name_masked),
            rider_id = e.rider_id.to_string(),
            status = e.status.as_str()
        ),
        tr!(
            l,
            "history-entry-filed",
            requested_at = l.time(e.requested_at),
            requester = e.requested_by.to_string(),
            cancelled_at = l.time_or_missing(e.cancelled_at)
        ),
    ];
    let by = e
        .decided_by
        .as_ref()
        .map_or_else(|| "none".to_owned(), |u| u.to_string());
    let when = l.time_or_missing(e.decided_at);
    lines.push(match e.status {
        RequestStatus::Approved => match e.outcome {
            Some(PolicyOutcome::AlreadyExpired) => tr!(
                l,
                "history-entry-approved-already-expired",
                decided_at = when,
                decider = by
            ),
            Some(PolicyOutcome::PolicyMissing) => tr!(
                l,
                "history-entry-approved-policy-missing",
                decided_at = when,
                decider = by
            ),
            _ => tr!(
                l,
                "history-entry-approved-expired",
                decided_at = when,
                decider = by
            ),
        },
        RequestStatus::Rejected => {
            tr!(l, "history-entry-rejected", decided_at = when, decider = by)
        }
        RequestStatus::TimedOut => tr!(l, "history-entry-timed-out", decided_at = when),
        _ => tr!(l, "history-entry-pending"),
    });
    let change = match (&e.before, &e.after) {
        (Some(b), Some(a)) => tr!(
            l,
            "history-entry-change",
            before = state(l, b),
            after = state(l, a)
        ),
        (Some(b), None) => tr!(l, "history-entry-unchanged", before = state(l, b)),
        _ => tr!(l, "history-entry-not-recorded"),
    };
    match (&e.channel_id, &e.message_ts) {
        (Some(c), Some(ts)) => lines.push(tr!(
            l,
            "history-entry-link",
            change = change,
            link = message_link(c, ts)
        )),
        _ => lines.push(change),
    }
    lines.join("\n")
}

/// Riders a history answer names; more are counted.
const HISTORY_RIDERS_SHOWN: usize = 10;

/// The history answer, as mrkdwn text for an ephemeral reply: inside Slack's message text
/// limit, showing fewer requests (newest first, and saying how many) when all would not fit.
pub fn history_text(l: Locale, h: &History) -> String {
    if h.riders.is_empty() {
        return tr!(l, "history-no-rider", query = h.query_masked.as_str());
    }
    let mut riders: Vec<String> = h
        .riders
        .iter()
        .take(HISTORY_RIDERS_SHOWN)
        .map(|r| {
            let (who, id, phone) = (
                name(&r.name_masked),
                r.rider_id.to_string(),
                cut(&r.phone_masked, 13),
            );
            match (r.status.as_str(), r.withdrawn_at) {
                ("WITHDRAWN", Some(at)) => tr!(
                    l,
                    "history-withdrawn-on-rider",
                    name = who,
                    rider_id = id,
                    phone = phone,
                    withdrawn_on = l.day(at)
                ),
                ("WITHDRAWN", None) => tr!(
                    l,
                    "history-withdrawn-rider",
                    name = who,
                    rider_id = id,
                    phone = phone
                ),
                _ => tr!(
                    l,
                    "history-active-rider",
                    name = who,
                    rider_id = id,
                    phone = phone
                ),
            }
        })
        .collect();
    if h.riders.len() > HISTORY_RIDERS_SHOWN {
        riders.push(tr!(
            l,
            "history-more-riders",
            more = h.riders.len() - HISTORY_RIDERS_SHOWN
        ));
    }
    let mut out = tr!(
        l,
        "history-heading",
        query = h.query_masked.as_str(),
        riders = h.riders.len(),
        rider_list = riders.join(&tr!(l, "list-separator"))
    );
    out.push('\n');
    if h.entries.is_empty() {
        out.push_str(&tr!(l, "history-none-filed"));
        return out;
    }
    // Room for the "Showing the latest …" line (in either language).
    let budget = limits::MESSAGE_TEXT
        .max
        .saturating_sub(limits::chars(&out) + 80);
    let mut entries: Vec<String> = Vec::new();
    let mut used = 0;
    for e in &h.entries {
        let t = entry_text(l, e);
        let n = limits::chars(&t) + 2;
        if used + n > budget {
            break;
        }
        used += n;
        entries.push(t);
    }
    if (entries.len() as i64) < h.total {
        out.push_str(&tr!(
            l,
            "history-showing-latest",
            shown = entries.len(),
            total = h.total
        ));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&entries.join("\n\n"));
    out
}
