//! Replica reads on MySQL: the rider lookup (`store::riders`), the Home tab (`store::home`) and `/expire-insurance
//! history` (`store::history`). The lookups are public so the benchmarks can `EXPLAIN`
//! exactly what the bot runs.

use super::{MySql, text};
use crate::domain::RiderQuery;
use crate::store::history::MAX_HISTORY_RIDERS;
use crate::store::riders::MAX_CANDIDATE_ROWS;
use crate::store::{HistoryApprovalRow, HistoryRequestRow, HistoryRiderRow, RiderPolicyRow};

/// The columns of one rider joined with one active policy.
macro_rules! rider_policy_columns {
    () => {
        concat!(
            "r.id AS rider_id, ",
            text!("r.name" as "name"),
            ", ",
            text!("r.phone" as "phone"),
            ", r.birth_date, ",
            text!("r.status" as "rider_status"),
            ", r.withdrawn_at, p.id AS policy_id, ",
            text!("p.insurer" as "insurer"),
            ", ",
            text!("p.policy_number" as "policy_number"),
            ", ",
            text!("p.status" as "policy_status"),
            ", p.valid_from, p.valid_until"
        )
    };
}

/// The lookup by phone (`store::riders::BY_PHONE` in MySQL's dialect).
pub const BY_PHONE: &str = concat!(
    "SELECT ",
    rider_policy_columns!(),
    " FROM riders r \
      LEFT JOIN hourly_insurance_policies p ON p.rider_id = r.id AND p.status = 'ACTIVE' \
     WHERE r.phone = ? \
     ORDER BY r.status, r.id DESC, p.valid_from DESC \
     LIMIT ?"
);

/// The lookup by rider ID (`store::riders::BY_ID` in MySQL's dialect).
pub const BY_ID: &str = concat!(
    "SELECT ",
    rider_policy_columns!(),
    " FROM riders r \
      LEFT JOIN hourly_insurance_policies p ON p.rider_id = r.id AND p.status = 'ACTIVE' \
     WHERE r.id = ? \
     ORDER BY p.valid_from DESC \
     LIMIT ?"
);

pub(in crate::store) async fn find_rider_policies(
    m: &MySql,
    query: &RiderQuery,
) -> Result<Vec<RiderPolicyRow>, sqlx::Error> {
    match query {
        RiderQuery::Phone(phone) => {
            sqlx::query_as::<_, RiderPolicyRow>(BY_PHONE)
                .bind(phone.digits())
                .bind(MAX_CANDIDATE_ROWS)
                .fetch_all(&m.pool)
                .await
        }
        RiderQuery::RiderId(id) => {
            sqlx::query_as::<_, RiderPolicyRow>(BY_ID)
                .bind(*id)
                .bind(MAX_CANDIDATE_ROWS)
                .fetch_all(&m.pool)
                .await
        }
    }
}

fn rider_predicate(query: &RiderQuery) -> &'static str {
    match query {
        RiderQuery::Phone(_) => "r.phone = ?",
        RiderQuery::RiderId(_) => "r.id = ?",
    }
}

pub(in crate::store) async fn history_riders(
    m: &MySql,
    query: &RiderQuery,
) -> Result<Vec<HistoryRiderRow>, sqlx::Error> {
    let sql = format!(
        "SELECT r.id AS rider_id, {}, {}, {}, r.withdrawn_at \
           FROM riders r WHERE {} ORDER BY r.id DESC LIMIT ?",
        text!("r.name" as "name"),
        text!("r.phone" as "phone"),
        text!("r.status" as "rider_status"),
        rider_predicate(query)
    );
    let q = sqlx::query_as::<_, HistoryRiderRow>(&sql);
    match query {
        RiderQuery::Phone(phone) => q.bind(phone.digits()),
        RiderQuery::RiderId(id) => q.bind(*id),
    }
    .bind(MAX_HISTORY_RIDERS)
    .fetch_all(&m.pool)
    .await
}

/// The approvals given on the requests [`history_requests`] lists for the same `query` and
/// `limit`: the same newest-first selection as a derived table (MySQL takes a `LIMIT`
/// there, not in an `IN (…)` subquery), in the order they were given.
pub(in crate::store) async fn history_approvals(
    m: &MySql,
    query: &RiderQuery,
    limit: i64,
) -> Result<Vec<HistoryApprovalRow>, sqlx::Error> {
    let sql = format!(
        "SELECT a.request_id, {approver}, a.approved_at \
           FROM expiry_approvals a \
           JOIN (SELECT q.id FROM riders r \
                   JOIN hourly_insurance_policies p ON p.rider_id = r.id \
                   JOIN expiry_requests q ON q.policy_id = p.id \
                  WHERE {pred} \
                  ORDER BY q.requested_at DESC, q.id DESC LIMIT ?) s ON s.id = a.request_id \
          ORDER BY a.request_id, a.id",
        approver = text!("a.approver" as "approver"),
        pred = rider_predicate(query),
    );
    match query {
        RiderQuery::Phone(phone) => {
            sqlx::query_as::<_, HistoryApprovalRow>(&sql)
                .bind(phone.digits())
                .bind(limit)
                .fetch_all(&m.pool)
                .await
        }
        RiderQuery::RiderId(id) => {
            sqlx::query_as::<_, HistoryApprovalRow>(&sql)
                .bind(*id)
                .bind(limit)
                .fetch_all(&m.pool)
                .await
        }
    }
}

pub(in crate::store) async fn history_requests(
    m: &MySql,
    query: &RiderQuery,
    limit: i64,
) -> Result<(Vec<HistoryRequestRow>, i64), sqlx::Error> {
    let pred = rider_predicate(query);
    let list_sql = format!(
        "SELECT r.id AS rider_id, p.id AS policy_id, {insurer}, {number}, \
                q.id AS request_id, {status}, {requested_by}, q.requested_at, {decided_by}, q.decided_at, \
                {outcome}, q.cancelled_at, {channel}, {ts}, q.approvals_required, q.reminded_at, \
                {filed_status}, f.valid_until_before AS filed_valid_until, \
                {approved_before}, {approved_after}, \
                a.valid_until_before AS approved_valid_until_before, a.valid_until_after AS approved_valid_until_after \
           FROM riders r \
           JOIN hourly_insurance_policies p ON p.rider_id = r.id \
           JOIN expiry_requests q ON q.policy_id = p.id \
           LEFT JOIN expiry_audit f ON f.request_id = q.id AND f.event = 'FILED' \
           LEFT JOIN expiry_audit a ON a.request_id = q.id AND a.event = 'APPROVED' \
          WHERE {pred} \
          ORDER BY q.requested_at DESC, q.id DESC LIMIT ?",
        insurer = text!("p.insurer" as "insurer"),
        number = text!("p.policy_number" as "policy_number"),
        status = text!("q.status" as "status"),
        requested_by = text!("q.requested_by" as "requested_by"),
        decided_by = text!("q.decided_by" as "decided_by"),
        outcome = text!("q.outcome" as "outcome"),
        channel = text!("q.channel_id" as "channel_id"),
        ts = text!("q.message_ts" as "message_ts"),
        filed_status = text!("f.status_before" as "filed_status"),
        approved_before = text!("a.status_before" as "approved_status_before"),
        approved_after = text!("a.status_after" as "approved_status_after"),
    );
    let count_sql = format!(
        "SELECT COUNT(*) FROM riders r \
           JOIN hourly_insurance_policies p ON p.rider_id = r.id \
           JOIN expiry_requests q ON q.policy_id = p.id \
          WHERE {pred}"
    );
    let (rows, total) = match query {
        RiderQuery::Phone(phone) => (
            sqlx::query_as::<_, HistoryRequestRow>(&list_sql)
                .bind(phone.digits())
                .bind(limit)
                .fetch_all(&m.pool)
                .await?,
            sqlx::query_scalar::<_, i64>(&count_sql)
                .bind(phone.digits())
                .fetch_one(&m.pool)
                .await?,
        ),
        RiderQuery::RiderId(id) => (
            sqlx::query_as::<_, HistoryRequestRow>(&list_sql)
                .bind(*id)
                .bind(limit)
                .fetch_all(&m.pool)
                .await?,
            sqlx::query_scalar::<_, i64>(&count_sql)
                .bind(*id)
                .fetch_one(&m.pool)
                .await?,
        ),
    };
    Ok((rows, total))
}

/// `store::home`: the requests pending `viewer`'s decision (see there), MySQL's way.
const HOME_PENDING_FOR: &str = "FROM expiry_requests r \
    WHERE r.status = 'PENDING' AND r.requested_by <> ? \
      AND (r.expires_at IS NULL OR r.expires_at > ?) \
      AND NOT EXISTS (SELECT 1 FROM expiry_approvals a WHERE a.request_id = r.id AND a.approver = ?)";

pub(in crate::store) async fn home_pending(
    m: &MySql,
    viewer: &crate::domain::SlackUserId,
    now: chrono::DateTime<chrono::Utc>,
    limit: i64,
) -> Result<(Vec<crate::domain::Request>, i64), sqlx::Error> {
    let rows = format!(
        "SELECT {} {HOME_PENDING_FOR} ORDER BY r.requested_at, r.id LIMIT ?",
        super::REQUEST_COLUMNS
    );
    let v = viewer.as_str();
    let list = sqlx::query_as::<_, crate::domain::Request>(&rows)
        .bind(v)
        .bind(now)
        .bind(v)
        .bind(limit)
        .fetch_all(&m.pool)
        .await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {HOME_PENDING_FOR}"))
        .bind(v)
        .bind(now)
        .bind(v)
        .fetch_one(&m.pool)
        .await?;
    Ok((list, total))
}

/// `store::home`: `user`'s requests filed since `since`.
pub(in crate::store) async fn home_own(
    m: &MySql,
    user: &crate::domain::SlackUserId,
    since: chrono::DateTime<chrono::Utc>,
    limit: i64,
) -> Result<(Vec<crate::domain::Request>, i64), sqlx::Error> {
    const OWN: &str = "FROM expiry_requests r WHERE r.requested_by = ? AND r.requested_at >= ?";
    let rows = format!(
        "SELECT {} {OWN} ORDER BY r.requested_at DESC, r.id DESC LIMIT ?",
        super::REQUEST_COLUMNS
    );
    let list = sqlx::query_as::<_, crate::domain::Request>(&rows)
        .bind(user.as_str())
        .bind(since)
        .bind(limit)
        .fetch_all(&m.pool)
        .await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {OWN}"))
        .bind(user.as_str())
        .bind(since)
        .fetch_one(&m.pool)
        .await?;
    Ok((list, total))
}

/// `store::home`: the last digest posted.
pub(in crate::store) async fn last_digest(
    m: &MySql,
) -> Result<
    Option<(
        chrono::DateTime<chrono::Utc>,
        Option<i32>,
        Option<i32>,
        Option<String>,
        Option<String>,
    )>,
    sqlx::Error,
> {
    sqlx::query_as(
        "SELECT posted_at, riders, policies, CAST(channel_id AS CHAR), CAST(message_ts AS CHAR) \
         FROM digest_runs WHERE posted_at IS NOT NULL ORDER BY slot DESC LIMIT 1",
    )
    .fetch_optional(&m.pool)
    .await
}
