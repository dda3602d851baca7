//! Reads of the company's `riders` and `hourly_insurance_policies` tables.
//!
//! These run on the replica (or, with `READ_FALLBACK=primary`, on the primary as a counted
//! and logged fallback); the approval transaction never calls them. Rows carry raw personal
//! data: only `service::lookup` reads them, and masks them before anything else sees them.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Handle, Pool, Primary, Replica, StoreError, mysql, on_pool};
use crate::domain::{PolicyId, RiderId, RiderQuery};

/// One rider joined with one of their active policies (or with none: `policy_id` is `None`
/// when the rider exists but holds no active policy).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RiderPolicyRow {
    pub rider_id: RiderId,
    pub name: String,
    pub phone: String,
    pub birth_date: Option<NaiveDate>,
    pub rider_status: String,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub policy_id: Option<PolicyId>,
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

impl Handle {
    async fn find_rider_policies(
        &self,
        query: &RiderQuery,
    ) -> Result<Vec<RiderPolicyRow>, StoreError> {
        self.observe("lookup_rider_policies", async {
            match query {
                RiderQuery::Phone(phone) => {
                    on_pool!(self, p => sqlx::query_as::<_, RiderPolicyRow>(BY_PHONE)
                    .bind(phone.digits())
                    .bind(MAX_CANDIDATE_ROWS)
                    .fetch_all(p)
                    .await, mysql: m => mysql::find_rider_policies(m, query).await)
                }
                RiderQuery::RiderId(id) => {
                    on_pool!(self, p => sqlx::query_as::<_, RiderPolicyRow>(BY_ID)
                    .bind(*id)
                    .bind(MAX_CANDIDATE_ROWS)
                    .fetch_all(p)
                    .await, mysql: m => mysql::find_rider_policies(m, query).await)
                }
            }
        })
        .await
    }
}

impl Replica {
    /// Riders matching `query` with their active policies.
    pub async fn find_rider_policies(
        &self,
        query: &RiderQuery,
    ) -> Result<Vec<RiderPolicyRow>, StoreError> {
        self.h.find_rider_policies(query).await
    }

    /// Replication lag as the replica sees it: zero when it has replayed all it received,
    /// otherwise the age of the last replayed transaction. `None` when the handle is not a
    /// standby (SQLite, or the primary reused read-only). On MySQL: the replica's own
    /// status, else the heartbeat (see `store::mysql::probe`).
    pub async fn replica_lag_seconds(&self) -> Result<Option<f64>, StoreError> {
        match &self.h.pool {
            Pool::Sqlite(_) => Ok(None),
            Pool::MySql(m) => {
                self.h
                    .observe("replica_lag", mysql::replica_lag(m))
                    .await
            }
            Pool::Pg(p) => {
                self.h
                    .observe("replica_lag", async {
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
}

impl Primary {
    /// The same lookup on the primary: only the `READ_FALLBACK=primary` fallback when the
    /// replica cannot answer (the service counts and logs every use). Never otherwise.
    pub async fn find_rider_policies(
        &self,
        query: &RiderQuery,
    ) -> Result<Vec<RiderPolicyRow>, StoreError> {
        self.h.find_rider_policies(query).await
    }
}
