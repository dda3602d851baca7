//! Reads of the company's `riders` and `hourly_insurance_policies` tables.
//!
//! These run on the replica (or, by the caller's explicit choice, on the primary as a
//! fallback); the approval transaction never calls them. Rows carry raw personal data and
//! never leave the `lookup` module unmasked.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Db, Role, StoreError, observe, on_db};
use crate::domain::RiderQuery;

/// One rider joined with one of their active policies (or with none: `policy_id` is `None`
/// when the rider exists but holds no active policy).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RiderPolicyRow {
    pub rider_id: i64,
    pub name: String,
    pub phone: String,
    pub birth_date: Option<NaiveDate>,
    pub rider_status: String,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub policy_id: Option<i64>,
    pub insurer: Option<String>,
    pub policy_number: Option<String>,
    pub policy_status: Option<String>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
}

/// Bounded so a phone shared by many accounts cannot blow up a Slack view.
pub const MAX_CANDIDATE_ROWS: i64 = 50;

/// The lookup by phone, public so the benchmarks can `EXPLAIN` exactly what the bot runs.
pub const BY_PHONE: &str = "SELECT r.id AS rider_id, r.name, r.phone, r.birth_date, r.status AS rider_status, r.withdrawn_at, \
       p.id AS policy_id, p.insurer, p.policy_number, p.status AS policy_status, p.valid_from, p.valid_until \
  FROM riders r \
  LEFT JOIN hourly_insurance_policies p ON p.rider_id = r.id AND p.status = 'ACTIVE' \
 WHERE r.phone = $1 \
 ORDER BY r.status, r.id DESC, p.valid_from DESC \
 LIMIT $2";

/// The lookup by rider ID, public for the same reason as [`BY_PHONE`].
pub const BY_ID: &str = "SELECT r.id AS rider_id, r.name, r.phone, r.birth_date, r.status AS rider_status, r.withdrawn_at, \
       p.id AS policy_id, p.insurer, p.policy_number, p.status AS policy_status, p.valid_from, p.valid_until \
  FROM riders r \
  LEFT JOIN hourly_insurance_policies p ON p.rider_id = r.id AND p.status = 'ACTIVE' \
 WHERE r.id = $1 \
 ORDER BY p.valid_from DESC \
 LIMIT $2";

/// Riders matching `query` with their active policies, read on `db` (which the caller
/// names by `role`, for the metrics).
pub async fn find_rider_policies(
    db: &Db,
    role: Role,
    query: &RiderQuery,
) -> Result<Vec<RiderPolicyRow>, StoreError> {
    observe(role, "lookup_rider_policies", async {
        match query {
            RiderQuery::Phone(phone) => {
                on_db!(db, p => sqlx::query_as::<_, RiderPolicyRow>(BY_PHONE)
                .bind(phone.digits())
                .bind(MAX_CANDIDATE_ROWS)
                .fetch_all(p)
                .await)
            }
            RiderQuery::RiderId(id) => on_db!(db, p => sqlx::query_as::<_, RiderPolicyRow>(BY_ID)
                .bind(*id)
                .bind(MAX_CANDIDATE_ROWS)
                .fetch_all(p)
                .await),
        }
    })
    .await
}

/// Replication lag as the replica sees it: zero when it has replayed all it received,
/// otherwise the age of the last replayed transaction. `None` when the handle is not a
/// PostgreSQL standby (SQLite, or the primary reused read-only).
pub async fn replica_lag_seconds(db: &Db) -> Result<Option<f64>, StoreError> {
    match db {
        Db::Sqlite(_) => Ok(None),
        Db::Pg(p) => {
            observe(Role::Replica, "replica_lag", async {
                sqlx::query_scalar::<_, Option<f64>>(
                    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL \
                     WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0::float8 \
                     ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 END",
                )
                .fetch_one(p)
                .await
            })
            .await
        }
    }
}
