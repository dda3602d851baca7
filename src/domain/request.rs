//! An expiry request as stored: every personal value in it was masked when it was filed,
//! so this is what every renderer (the approval message, the thread reply, notices) and
//! every decision reads.

use chrono::{DateTime, Utc};

use super::candidate::WITHDRAWN;
use super::ids::{PolicyId, RequestId, RiderId, SlackUserId};
use super::status::{KEPT_EARLIER_VALID_UNTIL, PolicyOutcome, RequestStatus};

/// Everything stored about a request; all personal data in it is already masked.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub id: RequestId,
    pub policy_id: PolicyId,
    pub requested_by: SlackUserId,
    pub decided_by: Option<SlackUserId>,
    pub status: RequestStatus,
    pub rider_id: Option<RiderId>,
    pub rider_name_masked: String,
    pub rider_phone_masked: String,
    pub rider_status: String,
    pub policy_number_masked: String,
    pub insurer: String,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The agent's reason, personal data masked.
    pub reason: String,
    pub requested_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    /// A rejection's reason, or [`KEPT_EARLIER_VALID_UNTIL`] on an approval.
    pub decision_note: Option<String>,
    /// What an approval did to the policy.
    pub outcome: Option<PolicyOutcome>,
    /// Where the approval request was posted, once it was.
    pub channel_id: Option<String>,
    pub message_ts: Option<String>,
    /// Approvals this request needs, each from a different approver (fixed at filing).
    pub approvals_required: i32,
    /// Approvals given so far.
    pub approvals: i32,
    /// The `SECOND_APPROVAL_BACKDATE` rule added one approval: the cancellation time lies
    /// further in the past than it allows.
    pub backdated: bool,
    /// When the one reminder is due (`None`: none is).
    pub remind_at: Option<DateTime<Utc>>,
    /// When the reminder went out.
    pub reminded_at: Option<DateTime<Utc>>,
}

/// What a request needs, decided when it is filed (by `service::workflow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needed {
    /// Approvals, each from a different approver.
    pub approvals: u32,
    /// The `SECOND_APPROVAL_BACKDATE` rule added one.
    pub backdated: bool,
}

/// People to mention about a request: a user group and/or listed user IDs (`<!subteam^…>`,
/// `<@…>`). IDs only, never names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentions {
    pub usergroup: Option<String>,
    pub users: Vec<SlackUserId>,
}

impl Mentions {
    pub fn is_empty(&self) -> bool {
        self.usergroup.is_none() && self.users.is_empty()
    }
}

/// One approval given: who, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub approver: SlackUserId,
    pub approved_at: DateTime<Utc>,
}

impl Request {
    pub fn rider_is_withdrawn(&self) -> bool {
        self.rider_status == WITHDRAWN
    }

    /// Whether more than one approval is needed (the message then counts them).
    pub fn needs_several_approvals(&self) -> bool {
        self.approvals_required > 1
    }

    /// Approvals still needed before the policy is expired.
    pub fn approvals_missing(&self) -> i32 {
        (self.approvals_required - self.approvals).max(0)
    }

    /// Whether an approval kept the policy's earlier existing end time.
    pub fn kept_earlier_valid_until(&self) -> bool {
        self.decision_note.as_deref() == Some(KEPT_EARLIER_VALID_UNTIL)
    }
}
