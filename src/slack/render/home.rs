//! The App Home tab (`views.publish`): how to start a request, for everyone; for an
//! approver, the requests pending their decision with Approve and Reject; for a requester,
//! their own requests of the last 30 days with their status and a link to each thread.
//!
//! The buttons are the approval message's own ([`super::messages`]: same `action_id`s,
//! values and confirmation), so a click here takes the channel's path, four-eyes included.
//! Everything shown is the stored, masked [`Request`]. Each list shows at most a fixed
//! number of requests and says how many more there are, so the view stays inside Slack's
//! 100 blocks ([`crate::slack::limits::MODAL_BLOCKS`]) whatever the data: 1 intro, 1
//! digest line, 2 headers, 3 blocks per pending request, 1 per own request, 2 "more" lines.
//!
//! An approver also sees the last withdrawn-rider digest: when it was posted, how many
//! riders and policies it listed, and a link to it.

use slack_morphism::prelude::*;

use super::blocks::{context, free, message_link, policy, section};
use super::messages::{decide_buttons, request_fields};
use crate::domain::Request;
use crate::domain::digest::LastDigest;
pub use crate::domain::home::{Home, Listed};
use crate::i18n::Locale;
use crate::slack::limits::{self, cut_mrkdwn};
use crate::tr;

/// Pending requests shown at most (3 blocks each).
pub const PENDING_SHOWN: usize = 20;
/// Own requests shown at most (1 block each).
pub const OWN_SHOWN: usize = 25;

fn digest_line(l: Locale, d: &LastDigest) -> SlackBlock {
    let posted_at = l.time(d.posted_at);
    let line = match (&d.channel_id, &d.message_ts) {
        (Some(c), Some(ts)) => tr!(
            l,
            "home-digest-line",
            posted_at = posted_at,
            riders = d.riders,
            policies = d.policies,
            link = message_link(c, ts)
        ),
        _ => tr!(
            l,
            "home-digest-line-unlinked",
            posted_at = posted_at,
            riders = d.riders,
            policies = d.policies
        ),
    };
    section(cut_mrkdwn(&line, limits::SECTION_TEXT.max))
}

fn more_line(l: Locale, shown: usize, total: usize) -> Option<SlackBlock> {
    (total > shown).then(|| context(tr!(l, "home-more", count = (total - shown) as i64)))
}

fn pending_blocks(l: Locale, list: &Listed, out: &mut Vec<SlackBlock>) {
    out.push(section(tr!(
        l,
        "home-pending-header",
        count = list.total as i64
    )));
    let shown = &list.requests[..list.requests.len().min(PENDING_SHOWN)];
    for r in shown {
        out.push(section(format!(
            "{}\n{}\n{}",
            tr!(l, "home-request-heading", request_id = r.id.to_string()),
            request_fields(l, r),
            tr!(l, "approval-reason-field", reason = free(&r.reason)),
        )));
        out.push(
            SlackActionsBlock::new(decide_buttons(l, r))
                .with_block_id(format!("home_decide_{}", r.id).into())
                .into(),
        );
        out.push(SlackDividerBlock::new().into());
    }
    out.extend(more_line(l, shown.len(), list.total));
}

fn own_line(l: Locale, r: &Request) -> String {
    let request_id = r.id.to_string();
    let status = r.status.as_str();
    let policy = policy(&r.policy_number_masked);
    let requested_at = l.time(r.requested_at);
    let line = match (&r.channel_id, &r.message_ts) {
        (Some(c), Some(ts)) => tr!(
            l,
            "home-own-line",
            request_id = request_id,
            status = status,
            policy = policy,
            requested_at = requested_at,
            link = message_link(c, ts)
        ),
        // Not posted yet (the outbox is on it): nothing to link to.
        _ => tr!(
            l,
            "home-own-line-unposted",
            request_id = request_id,
            status = status,
            policy = policy,
            requested_at = requested_at
        ),
    };
    cut_mrkdwn(&line, limits::SECTION_TEXT.max)
}

fn own_blocks(l: Locale, list: &Listed, out: &mut Vec<SlackBlock>) {
    out.push(section(tr!(
        l,
        "home-own-header",
        count = list.total as i64
    )));
    let shown = &list.requests[..list.requests.len().min(OWN_SHOWN)];
    for r in shown {
        out.push(section(own_line(l, r)));
    }
    out.extend(more_line(l, shown.len(), list.total));
}

/// The Home view of one person.
pub fn home_view(l: Locale, home: &Home) -> SlackView {
    let mut blocks = vec![section(tr!(l, "home-intro"))];
    if let Some(d) = &home.digest {
        blocks.push(digest_line(l, d));
    }
    if let Some(p) = &home.pending {
        pending_blocks(l, p, &mut blocks);
    }
    if let Some(o) = &home.own {
        own_blocks(l, o, &mut blocks);
    }
    SlackView::Home(SlackHomeView::new(blocks))
}
