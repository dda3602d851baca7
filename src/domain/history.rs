//! `/expire-insurance history` as the bot shows it: every request ever filed for a rider's
//! policies, masked. Built by `service::history` from replica rows; rendered by
//! `slack::render::history`.

use chrono::{DateTime, Utc};

use super::ids::{RequestId, RiderId, SlackUserId};
use super::request::Approval;
use super::status::{PolicyOutcome, RequestStatus};

/// A rider matching the query, masked.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRider {
    pub rider_id: RiderId,
    pub name_masked: String,
    pub phone_masked: String,
    pub status: String,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// A policy's state at one moment, as the audit trail recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyState {
    pub status: String,
    pub valid_until: Option<DateTime<Utc>>,
}

/// One request, masked.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub request_id: RequestId,
    pub rider_id: RiderId,
    pub rider_name_masked: String,
    pub insurer: String,
    pub policy_number_masked: String,
    pub status: RequestStatus,
    pub requested_by: SlackUserId,
    pub requested_at: DateTime<Utc>,
    /// Who decided it and when: the last approver, the rejecting lead, or — `CANCELLED` —
    /// the requester who withdrew it.
    pub decided_by: Option<SlackUserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub outcome: Option<PolicyOutcome>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Every approval given, in order, and how many it needed.
    pub approvals: Vec<Approval>,
    pub approvals_required: i32,
    /// When its one reminder went out, if it did.
    pub reminded_at: Option<DateTime<Utc>>,
    /// The policy before this request changed anything (as recorded at filing, or by the
    /// approval), and after it (`None`: this request did not change it).
    pub before: Option<PolicyState>,
    pub after: Option<PolicyState>,
    /// Where the approval message was posted, once it was (the renderer links to it).
    pub channel_id: Option<String>,
    pub message_ts: Option<String>,
}

/// The whole answer.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The query as it may be shown (a phone masked).
    pub query_masked: String,
    pub riders: Vec<HistoryRider>,
    /// Newest first, at most the answer's limit.
    pub entries: Vec<HistoryEntry>,
    /// How many requests exist in all.
    pub total: i64,
}
