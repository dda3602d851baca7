//! `/expire-insurance history <rider id | phone>`: every expiry request ever filed for a
//! rider's policies, read on the replica and masked here.
//!
//! CX must be able to answer "was my expiry done?" without a developer. The answer comes
//! from the replica only — `expiry_requests` and `expiry_audit` are written on the primary
//! and replicated like the company's tables, so reading them there is a lookup like any
//! other — and, unlike the request modal's lookup, it never falls back to the primary:
//! history is never urgent enough to put reads of `riders` on the primary. Like
//! [`crate::lookup`], this module is the only one that sees the raw rider rows; what it
//! returns holds masked values only.

use chrono::{DateTime, Utc};

use crate::deadline::Deadline;
use crate::domain::RiderQuery;
use crate::mask;
use crate::store::{self, HistoryRequestRow, Role, Store, StoreError, status};

/// How many requests one answer shows (newest first); an answer that shows fewer than
/// exist says so. Keeps the ephemeral message readable and well under Slack's limits.
pub const MAX_ENTRIES: i64 = 15;

/// A rider matching the query, masked.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRider {
    pub rider_id: i64,
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
    pub request_id: i64,
    pub rider_id: i64,
    pub rider_name_masked: String,
    pub insurer: String,
    pub policy_number_masked: String,
    pub status: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The policy before this request changed anything (as recorded at filing, or by the
    /// approval), and after it (`None`: this request did not change it).
    pub before: Option<PolicyState>,
    pub after: Option<PolicyState>,
    /// Link to the approval message, once it was posted.
    pub link: Option<String>,
}

/// The whole answer.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The query as it may be shown (a phone masked).
    pub query_masked: String,
    pub riders: Vec<HistoryRider>,
    /// Newest first, at most [`MAX_ENTRIES`].
    pub entries: Vec<HistoryEntry>,
    /// How many requests exist in all.
    pub total: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The replica did not answer in time (or at all).
    #[error("history unavailable")]
    Unavailable,
    #[error(transparent)]
    Store(StoreError),
}

/// Reads the history of the riders matching `query`, on the replica only, within what
/// remains of the Slack request's `deadline`.
pub async fn find(
    store: &Store,
    query: &RiderQuery,
    deadline: &Deadline,
) -> Result<History, HistoryError> {
    let read = async {
        let riders = store::history_riders(&store.replica, Role::Replica, query);
        let requests = store::history_requests(&store.replica, Role::Replica, query, MAX_ENTRIES);
        tokio::try_join!(riders, requests)
    };
    let (riders, (requests, total)) = match tokio::time::timeout(deadline.remaining(), read).await {
        Ok(Ok(found)) => found,
        Ok(Err(e)) if e.is_unavailable() => return Err(HistoryError::Unavailable),
        Ok(Err(e)) => return Err(HistoryError::Store(e)),
        Err(_) => return Err(HistoryError::Unavailable),
    };
    let riders: Vec<HistoryRider> = riders
        .into_iter()
        .map(|r| HistoryRider {
            rider_id: r.rider_id,
            name_masked: mask::name(&r.name),
            phone_masked: mask::phone(&r.phone),
            status: r.rider_status,
            withdrawn_at: r.withdrawn_at,
        })
        .collect();
    let entries = requests
        .into_iter()
        .map(|row| {
            let name = riders
                .iter()
                .find(|r| r.rider_id == row.rider_id)
                .map(|r| r.name_masked.clone())
                .unwrap_or_else(|| "-".to_owned());
            entry(row, name)
        })
        .collect();
    Ok(History {
        query_masked: query.masked(),
        riders,
        entries,
        total,
    })
}

fn entry(row: HistoryRequestRow, rider_name_masked: String) -> HistoryEntry {
    let approved_change = row.status == status::APPROVED
        && (row.approved_status_before.is_some() || row.approved_status_after.is_some());
    let (before, after) = if approved_change {
        (
            row.approved_status_before.map(|s| PolicyState {
                status: s,
                valid_until: row.approved_valid_until_before,
            }),
            row.approved_status_after.map(|s| PolicyState {
                status: s,
                valid_until: row.approved_valid_until_after,
            }),
        )
    } else {
        (
            row.filed_status.map(|s| PolicyState {
                status: s,
                valid_until: row.filed_valid_until,
            }),
            None,
        )
    };
    let link = match (&row.channel_id, &row.message_ts) {
        (Some(c), Some(ts)) => Some(crate::slack::views::message_link(c, ts)),
        _ => None,
    };
    HistoryEntry {
        request_id: row.request_id,
        rider_id: row.rider_id,
        rider_name_masked,
        insurer: row.insurer,
        policy_number_masked: mask::policy_number(&row.policy_number),
        status: row.status,
        requested_by: row.requested_by,
        requested_at: row.requested_at,
        decided_by: row.decided_by,
        decided_at: row.decided_at,
        outcome: row.outcome,
        cancelled_at: row.cancelled_at,
        before,
        after,
        link,
    }
}
