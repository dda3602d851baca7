//! SQL of `/expire-insurance history`: every request ever filed for a rider's policies,
//! with the policy's state before and after as the audit trail recorded it.
//!
//! Replica only: `expiry_requests` and `expiry_audit` are written on the primary and
//! replicated like the company's tables, so reading them there is a lookup like any other.
//! The rider rows are raw personal data, consumed (and masked) by `service::history` alone.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Replica, StoreError, mysql, on_pool};
use crate::domain::{
    PolicyId, PolicyOutcome, RequestId, RequestStatus, RiderId, RiderQuery, SlackUserId,
};

/// A rider matching a history query, raw.
#[derive(Debug, Clone, FromRow)]
pub struct HistoryRiderRow {
    pub rider_id: RiderId,
    pub name: String,
    pub phone: String,
    pub rider_status: String,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// One request on one of those riders' policies, with the policy's state before and after
/// as the audit trail recorded it. Carries no raw personal data of its own (the request's
/// rider fields were masked when it was filed) and is joined to the riders by `rider_id`.
#[derive(Debug, Clone, FromRow)]
pub struct HistoryRequestRow {
    pub rider_id: RiderId,
    pub policy_id: PolicyId,
    pub insurer: String,
    pub policy_number: String,
    pub request_id: RequestId,
    pub status: RequestStatus,
    pub requested_by: SlackUserId,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<SlackUserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub outcome: Option<PolicyOutcome>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub channel_id: Option<String>,
    pub message_ts: Option<String>,
    /// From the FILED audit record: the policy as the requester saw it.
    pub filed_status: Option<String>,
    pub filed_valid_until: Option<DateTime<Utc>>,
    /// From the APPROVED audit record, when there is one: what the approval changed.
    pub approved_status_before: Option<String>,
    pub approved_status_after: Option<String>,
    pub approved_valid_until_before: Option<DateTime<Utc>>,
    pub approved_valid_until_after: Option<DateTime<Utc>>,
}

/// Bounded so a phone shared by many accounts cannot make an unbounded answer.
pub const MAX_HISTORY_RIDERS: i64 = 20;

fn rider_predicate(query: &RiderQuery) -> &'static str {
    match query {
        RiderQuery::Phone(_) => "r.phone = $1",
        RiderQuery::RiderId(_) => "r.id = $1",
    }
}

impl Replica {
    /// Riders matching `query` (any status), read on `db`.
    pub async fn history_riders(
        &self,
        query: &RiderQuery,
    ) -> Result<Vec<HistoryRiderRow>, StoreError> {
        let sql = format!(
            "SELECT r.id AS rider_id, r.name, r.phone, r.status AS rider_status, r.withdrawn_at \
               FROM riders r WHERE {} ORDER BY r.id DESC LIMIT $2",
            rider_predicate(query)
        );
        self.h
            .observe("history_riders", async {
                on_pool!(self.h, p => match query {
                    RiderQuery::Phone(phone) => sqlx::query_as::<_, HistoryRiderRow>(&sql)
                        .bind(phone.digits()).bind(MAX_HISTORY_RIDERS).fetch_all(p).await,
                    RiderQuery::RiderId(id) => sqlx::query_as::<_, HistoryRiderRow>(&sql)
                        .bind(*id).bind(MAX_HISTORY_RIDERS).fetch_all(p).await,
                }, mysql: m => mysql::history_riders(m, query).await)
            })
            .await
    }

    /// Every request on the policies of the riders matching `query`, newest first, at most
    /// `limit`; plus the total count, so a cut list says so.
    pub async fn history_requests(
        &self,
        query: &RiderQuery,
        limit: i64,
    ) -> Result<(Vec<HistoryRequestRow>, i64), StoreError> {
        let pred = rider_predicate(query);
        let list_sql = format!(
            "SELECT r.id AS rider_id, p.id AS policy_id, p.insurer, p.policy_number, \
                    q.id AS request_id, q.status, q.requested_by, q.requested_at, q.decided_by, q.decided_at, \
                    q.outcome, q.cancelled_at, q.channel_id, q.message_ts, \
                    f.status_before AS filed_status, f.valid_until_before AS filed_valid_until, \
                    a.status_before AS approved_status_before, a.status_after AS approved_status_after, \
                    a.valid_until_before AS approved_valid_until_before, a.valid_until_after AS approved_valid_until_after \
               FROM riders r \
               JOIN hourly_insurance_policies p ON p.rider_id = r.id \
               JOIN expiry_requests q ON q.policy_id = p.id \
               LEFT JOIN expiry_audit f ON f.request_id = q.id AND f.event = 'FILED' \
               LEFT JOIN expiry_audit a ON a.request_id = q.id AND a.event = 'APPROVED' \
              WHERE {pred} \
              ORDER BY q.requested_at DESC, q.id DESC LIMIT $2"
        );
        let count_sql = format!(
            "SELECT COUNT(*) FROM riders r \
               JOIN hourly_insurance_policies p ON p.rider_id = r.id \
               JOIN expiry_requests q ON q.policy_id = p.id \
              WHERE {pred}"
        );
        self.h.observe("history_requests", async {
            on_pool!(self.h, p => {
                let (rows, total) = match query {
                    RiderQuery::Phone(phone) => (
                        sqlx::query_as::<_, HistoryRequestRow>(&list_sql)
                            .bind(phone.digits()).bind(limit).fetch_all(p).await?,
                        sqlx::query_scalar::<_, i64>(&count_sql).bind(phone.digits()).fetch_one(p).await?,
                    ),
                    RiderQuery::RiderId(id) => (
                        sqlx::query_as::<_, HistoryRequestRow>(&list_sql)
                            .bind(*id).bind(limit).fetch_all(p).await?,
                        sqlx::query_scalar::<_, i64>(&count_sql).bind(*id).fetch_one(p).await?,
                    ),
                };
                Ok((rows, total))
            }, mysql: m => mysql::history_requests(m, query, limit).await)
        })
        .await
    }
}
