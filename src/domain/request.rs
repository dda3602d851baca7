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
}

impl Request {
    pub fn rider_is_withdrawn(&self) -> bool {
        self.rider_status == WITHDRAWN
    }

    /// Whether an approval kept the policy's earlier existing end time.
    pub fn kept_earlier_valid_until(&self) -> bool {
        self.decision_note.as_deref() == Some(KEPT_EARLIER_VALID_UNTIL)
    }
}
