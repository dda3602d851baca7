//! The approval workflow's rules: how many approvals a request needs, and when it is
//! reminded. Both are decided once, when the request is filed, and stored with it, so a
//! change of the settings never moves the goal posts of a request already waiting.
//!
//! - **Approvals by risk.** Every request needs `APPROVALS_REQUIRED` approvals, each from a
//!   different approver, never its requester. Premiums charged after the cancellation time
//!   are not billed, so a cancellation time set far in the past changes what the rider pays:
//!   one lying further back than `SECOND_APPROVAL_BACKDATE` needs one approval more.
//! - **The reminder.** A request still pending `REMIND_AFTER` after it was filed gets one
//!   reminder in its thread. None is scheduled when its TTL would end it first.
//!
//! The counting itself (the same person once, the last approval deciding) is the
//! database's, in [`crate::store::requests`]; this module only says what the goal is.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::{Approval, Mentions, Request, SlackUserId};

/// The workflow's settings (`APPROVALS_REQUIRED`, `SECOND_APPROVAL_BACKDATE`,
/// `REMIND_AFTER`), as values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workflow {
    /// Approvals every request needs (at least 1).
    pub approvals_required: u32,
    /// A cancellation time further in the past than this needs one approval more.
    pub second_approval_backdate: Option<Duration>,
    /// A request still pending this long after filing gets one reminder.
    pub remind_after: Option<Duration>,
}

impl Default for Workflow {
    /// The contract's defaults: one approval, no backdate rule, a reminder after 2 h.
    fn default() -> Self {
        Workflow {
            approvals_required: 1,
            second_approval_backdate: None,
            remind_after: Some(Duration::from_secs(2 * 3600)),
        }
    }
}

pub use crate::domain::Needed;

impl Workflow {
    /// The most approvals any request can need (for the configuration check: there must be
    /// enough approvers besides the requester).
    pub fn most_approvals(&self) -> u32 {
        self.approvals_required + u32::from(self.second_approval_backdate.is_some())
    }

    /// What a request with this cancellation time needs if filed at `now`.
    pub fn needed(&self, cancelled_at: DateTime<Utc>, now: DateTime<Utc>) -> Needed {
        let backdated = self.second_approval_backdate.is_some_and(|limit| {
            chrono::Duration::from_std(limit).is_ok_and(|limit| cancelled_at < now - limit)
        });
        Needed {
            approvals: self.approvals_required.max(1) + u32::from(backdated),
            backdated,
        }
    }

    /// When a request filed at `now` and ending at `expires_at` is reminded, if at all.
    pub fn remind_at(
        &self,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let after = chrono::Duration::from_std(self.remind_after?).ok()?;
        let at = now + after;
        (at < expires_at).then_some(at)
    }
}

/// Whom a reminder mentions: the approvers' user group, and the listed approvers who may
/// still approve this request — not its requester (who never counts) and not those who
/// already approved it. The group is mentioned whole: Slack expands it.
pub fn to_remind(
    listed: &[SlackUserId],
    usergroup: Option<&str>,
    r: &Request,
    approvals: &[Approval],
) -> Mentions {
    let users = listed
        .iter()
        .filter(|u| **u != r.requested_by && !approvals.iter().any(|a| a.approver == **u))
        .cloned()
        .collect();
    Mentions {
        usergroup: usergroup.map(str::to_owned),
        users,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
    }

    #[test]
    fn a_cancellation_further_back_than_the_limit_needs_one_approval_more() {
        let w = Workflow {
            approvals_required: 1,
            second_approval_backdate: Some(Duration::from_secs(7 * 86_400)),
            remind_after: None,
        };
        let days = |d: i64| now() - chrono::Duration::days(d);
        assert_eq!(
            w.needed(days(3), now()),
            Needed {
                approvals: 1,
                backdated: false
            }
        );
        // Exactly at the limit is not "further in the past" than it.
        assert_eq!(w.needed(days(7), now()).approvals, 1);
        assert_eq!(
            w.needed(days(7) - chrono::Duration::minutes(1), now()),
            Needed {
                approvals: 2,
                backdated: true
            }
        );
        assert_eq!(w.most_approvals(), 2);
        let off = Workflow {
            second_approval_backdate: None,
            approvals_required: 2,
            ..w
        };
        assert_eq!(
            off.needed(days(400), now()),
            Needed {
                approvals: 2,
                backdated: false
            }
        );
        assert_eq!(off.most_approvals(), 2);
    }

    #[test]
    fn a_reminder_is_scheduled_only_before_the_ttl_ends_the_request() {
        let w = Workflow::default();
        let in_a_day = now() + chrono::Duration::hours(24);
        assert_eq!(
            w.remind_at(now(), in_a_day),
            Some(now() + chrono::Duration::hours(2))
        );
        assert_eq!(w.remind_at(now(), now() + chrono::Duration::hours(2)), None);
        let off = Workflow {
            remind_after: None,
            ..w
        };
        assert_eq!(off.remind_at(now(), in_a_day), None);
    }
}
