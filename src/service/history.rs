//! `/expire-insurance history <rider id | phone>`: every expiry request ever filed for a
//! rider's policies, read on the replica and masked here.
//!
//! CX must be able to answer "was my expiry done?" without a developer. The answer comes
//! from the replica only — `expiry_requests` and `expiry_audit` are written on the primary
//! and replicated like the company's tables, so reading them there is a lookup like any
//! other — and, unlike the request modal's lookup, it never falls back to the primary:
//! history is never urgent enough to put reads of `riders` on the primary. This module sees
//! the raw rider rows (names, phones) and masks them; what it returns holds masked values
//! only. Only people the requester rule lets in may ask ([`Requester`]).

use super::DbFailure;
use super::access::{Access, LookupKind, LookupLimit, LookupRefused};
use super::filing::Requester;
use crate::deadline::Deadline;
use crate::domain::history::{History, HistoryEntry, HistoryRider, PolicyState};
use crate::domain::{Approval, QueryError, RequestStatus, RiderQuery};
use crate::mask;
use crate::store::{HistoryRequestRow, Replica};

/// How many requests one answer shows (newest first); an answer that shows fewer than
/// exist says so. Keeps the ephemeral message readable and well under Slack's limits.
pub const MAX_ENTRIES: i64 = 15;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// What was typed is no rider ID or phone.
    #[error(transparent)]
    Query(QueryError),
    /// The replica did not answer in time (or at all).
    #[error("history unavailable")]
    Unavailable,
    /// The asker ran as many lookups as they may within the window.
    #[error("lookup limit reached")]
    RateLimited(LookupLimit),
    #[error(transparent)]
    Db(DbFailure),
}

/// The history reader: the replica only (and the lookup audit on the primary, through
/// [`Access`]).
#[derive(Debug, Clone)]
pub struct HistoryReader {
    replica: Replica,
    access: Access,
}

impl HistoryReader {
    pub fn new(replica: Replica, access: Access) -> HistoryReader {
        HistoryReader { replica, access }
    }

    /// Reads the history of the riders matching what was typed, on the replica only,
    /// within what remains of the Slack request's `deadline`. The [`Requester`] is the
    /// proof that the asker passed the requester rule; nothing else is needed of it.
    pub async fn find(
        &self,
        asker: &Requester,
        raw_query: &str,
        deadline: &Deadline,
    ) -> Result<History, HistoryError> {
        let query = RiderQuery::parse(raw_query).map_err(HistoryError::Query)?;
        let read = async {
            let riders = self.replica.history_riders(&query);
            let requests = self.replica.history_requests(&query, MAX_ENTRIES);
            let approvals = self.replica.history_approvals(&query, MAX_ENTRIES);
            tokio::try_join!(riders, requests, approvals)
        };
        let (riders, (requests, total), approvals) =
            match tokio::time::timeout(deadline.remaining(), read).await {
                Ok(Ok(found)) => found,
                Ok(Err(e)) if e.is_unavailable() => return Err(HistoryError::Unavailable),
                Ok(Err(e)) => return Err(HistoryError::Db(e.into())),
                Err(_) => return Err(HistoryError::Unavailable),
            };
        // A history answer tells whether a phone is a rider's, and the rider's masked name:
        // a lookup like the request form's, audited and limited alike.
        let mut audit = self.access.record_lookup(
            asker.user(),
            LookupKind::History,
            &query,
            Some(riders.len()),
        );
        if let Err(LookupRefused::Limited(l)) = audit.verdict(deadline).await {
            return Err(HistoryError::RateLimited(l));
        }
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
                let given = approvals
                    .iter()
                    .filter(|a| a.request_id == row.request_id)
                    .map(|a| Approval {
                        approver: a.approver.clone(),
                        approved_at: a.approved_at,
                    })
                    .collect();
                entry(row, name, given)
            })
            .collect();
        let history = History {
            query_masked: query.masked(),
            riders,
            entries,
            total,
        };
        tracing::info!(
            query = %history.query_masked,
            riders = history.riders.len(),
            requests = history.total,
            "history lookup"
        );
        Ok(history)
    }
}

fn entry(
    row: HistoryRequestRow,
    rider_name_masked: String,
    approvals: Vec<Approval>,
) -> HistoryEntry {
    let approved_change = row.status == RequestStatus::Approved
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
        approvals,
        approvals_required: row.approvals_required,
        reminded_at: row.reminded_at,
        before,
        after,
        channel_id: row.channel_id,
        message_ts: row.message_ts,
    }
}
