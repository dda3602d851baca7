//! SQL of the withdrawn-rider digest.
//!
//! Two kinds of statement live here. Reads of the company's tables (the digest's scan of
//! withdrawn riders, and what one digest listed, as it stands now) run on the **replica**
//! and return raw rows that only `service::digest::scan` consumes, masking them. The
//! `digest_runs` / `digest_items` bookkeeping is the bot's own and is written on the
//! primary: claiming a schedule slot is an `INSERT … ON CONFLICT DO NOTHING`, so the
//! database, not any process, decides which instance posts a digest.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Pool, Primary, Replica, StoreError, mysql, on_pool};
use crate::domain::{PolicyId, PolicyRef, RiderId};

/// One policy of a withdrawn rider, raw. Never leaves the digest's masking module.
#[derive(Debug, Clone, FromRow)]
pub struct WithdrawnPolicyRow {
    pub rider_id: RiderId,
    pub name: String,
    pub phone: String,
    pub rider_status: String,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub policy_id: PolicyId,
    pub insurer: String,
    pub policy_number: String,
    pub policy_status: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
}

const ROW_COLUMNS: &str = "r.id AS rider_id, r.name, r.phone, r.status AS rider_status, r.withdrawn_at, \
       p.id AS policy_id, p.insurer, p.policy_number, p.status AS policy_status, p.valid_from, p.valid_until";

/// The digest's scan (public for `EXPLAIN` in tests and benchmarks), in two steps.
///
/// `hits` finds the listed policies from indexes alone: the `r.status = 'WITHDRAWN'`
/// predicate and the ordering match the partial index `riders_withdrawn_idx (withdrawn_at,
/// id) WHERE status = 'WITHDRAWN'`, walked in order as an index-only scan, and each
/// withdrawn rider is probed in the partial `hourly_insurance_policies_active_rider_idx`;
/// the `LIMIT` stops the walk early. Most withdrawn riders have no active policy, so most
/// of them cost two index probes and no table read. Only then are the (at most `$1`) hits'
/// names, phones and policy details read, by primary key. `MATERIALIZED` keeps the planner
/// from folding the two steps back into one, which would read every withdrawn rider's row.
/// `NULLS LAST` is spelled out because the two dialects default differently.
pub fn digest_scan_sql() -> String {
    format!(
        "WITH hits AS MATERIALIZED ( \
           SELECT r.id AS rider_id, p.id AS policy_id, r.withdrawn_at \
             FROM riders r \
             JOIN hourly_insurance_policies p ON p.rider_id = r.id AND p.status = 'ACTIVE' \
            WHERE r.status = 'WITHDRAWN' \
            ORDER BY r.withdrawn_at ASC NULLS LAST, r.id, p.id \
            LIMIT $1) \
         SELECT {ROW_COLUMNS} \
           FROM hits h \
           JOIN riders r ON r.id = h.rider_id \
           JOIN hourly_insurance_policies p ON p.id = h.policy_id \
          ORDER BY h.withdrawn_at ASC NULLS LAST, h.rider_id, h.policy_id"
    )
}

/// The same set, counted (used only when the list was cut at its limit). On PostgreSQL the
/// per-rider count is a `LATERAL` aggregate, which pins the plan to index-only probes per
/// withdrawn rider: left to itself the planner may pick a hash join over a sequential scan
/// of every policy, several times slower on a large table.
const COUNT_SQL_PG: &str = "SELECT COUNT(*) FILTER (WHERE c.n > 0), COALESCE(SUM(c.n), 0)::BIGINT \
       FROM riders r \
       CROSS JOIN LATERAL (SELECT COUNT(*) AS n FROM hourly_insurance_policies p \
                            WHERE p.rider_id = r.id AND p.status = 'ACTIVE') c \
      WHERE r.status = 'WITHDRAWN'";
const COUNT_SQL_SQLITE: &str = "SELECT COUNT(DISTINCT r.id), COUNT(*) \
       FROM riders r \
       JOIN hourly_insurance_policies p ON p.rider_id = r.id AND p.status = 'ACTIVE' \
      WHERE r.status = 'WITHDRAWN'";

/// The digest runs in the background, not inside Slack's 3 seconds, so its two scans may
/// run longer than the replica's interactive statement timeout (a backlog on a large
/// table); still bounded, so a bad plan cannot hold a replica snapshot for long.
pub const DIGEST_STATEMENT_TIMEOUT: Duration = Duration::from_secs(10);

impl Replica {
    /// Withdrawn riders' active policies, oldest withdrawal first, at most `limit` rows.
    pub async fn withdrawn_with_active_policy(
        &self,
        limit: i64,
    ) -> Result<Vec<WithdrawnPolicyRow>, StoreError> {
        let sql = digest_scan_sql();
        self.h
            .observe("digest_scan", async {
                match &self.h.pool {
                    Pool::Pg(p) => {
                        let mut tx = p.begin().await?;
                        set_digest_timeout(&mut tx).await?;
                        let rows = sqlx::query_as::<_, WithdrawnPolicyRow>(&sql)
                            .bind(limit)
                            .fetch_all(&mut *tx)
                            .await?;
                        tx.commit().await?;
                        Ok(rows)
                    }
                    Pool::Sqlite(p) => {
                        sqlx::query_as::<_, WithdrawnPolicyRow>(&sql)
                            .bind(limit)
                            .fetch_all(p)
                            .await
                    }
                    Pool::MySql(m) => mysql::withdrawn_with_active_policy(m, limit).await,
                }
            })
            .await
    }

    /// How many withdrawn riders hold an active policy, and how many such policies there are.
    pub async fn count_withdrawn_with_active_policy(&self) -> Result<(i64, i64), StoreError> {
        self.h
            .observe("digest_count", async {
                match &self.h.pool {
                    Pool::Pg(p) => {
                        let mut tx = p.begin().await?;
                        set_digest_timeout(&mut tx).await?;
                        let counts = sqlx::query_as::<_, (i64, i64)>(COUNT_SQL_PG)
                            .fetch_one(&mut *tx)
                            .await?;
                        tx.commit().await?;
                        Ok(counts)
                    }
                    Pool::Sqlite(p) => {
                        sqlx::query_as::<_, (i64, i64)>(COUNT_SQL_SQLITE)
                            .fetch_one(p)
                            .await
                    }
                    Pool::MySql(m) => mysql::count_withdrawn(m).await,
                }
            })
            .await
    }

    /// The policies one digest listed, as the tables show them now (a policy may have been
    /// expired since, a rider reinstated). Joined through `digest_items`, so it is one
    /// statement on the replica whatever the number of policies, and works on both dialects.
    pub async fn digest_items_now(
        &self,
        slot: DateTime<Utc>,
    ) -> Result<Vec<WithdrawnPolicyRow>, StoreError> {
        let sql = format!(
            "SELECT {ROW_COLUMNS} \
               FROM digest_items i \
               JOIN riders r ON r.id = i.rider_id \
               JOIN hourly_insurance_policies p ON p.id = i.policy_id \
              WHERE i.slot = $1 \
              ORDER BY i.position"
        );
        self.h.observe("digest_items", async {
            on_pool!(self.h, p => sqlx::query_as::<_, WithdrawnPolicyRow>(&sql).bind(slot).fetch_all(p).await,
                mysql: m => mysql::digest_items_now(m, slot).await)
        })
        .await
    }

    /// Whether a digest for `slot` is known to `db` at all (to tell "not replicated yet" from
    /// "nothing listed").
    pub async fn digest_run_exists(&self, slot: DateTime<Utc>) -> Result<bool, StoreError> {
        self.h.observe("digest_run_exists", async {
            on_pool!(self.h, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM digest_runs WHERE slot = $1")
                .bind(slot)
                .fetch_one(p)
                .await
                .map(|n| n > 0), mysql: m => mysql::digest_run_exists(m, slot).await)
        })
        .await
    }
}

/// What claiming a slot came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotClaim {
    /// This instance owns the slot now.
    Claimed,
    /// Another instance claimed it and never finished; its claim went stale and this
    /// instance took it over.
    TakenOver,
    /// The digest for this slot was posted already.
    Done,
    /// Another instance claimed it and may still be posting.
    InProgress,
}

impl Primary {
    /// Claims `slot` for `instance`. Exactly one caller gets [`SlotClaim::Claimed`] (the
    /// primary key decides); a claim whose heartbeat is older than `stale_before` and never
    /// finished can be taken over, again by exactly one caller (the `UPDATE … WHERE` decides).
    pub async fn claim_digest_slot(
        &self,
        slot: DateTime<Utc>,
        instance: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<SlotClaim, StoreError> {
        self.h
            .observe("digest_claim", async {
                on_pool!(self.h, p => {
                let inserted = sqlx::query(
                    "INSERT INTO digest_runs (slot, claimed_by, claimed_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (slot) DO NOTHING",
                )
                .bind(slot)
                .bind(instance)
                .bind(now)
                .execute(p)
                .await?;
                if inserted.rows_affected() == 1 {
                    return Ok(SlotClaim::Claimed);
                }
                let taken = sqlx::query(
                    "UPDATE digest_runs SET claimed_by = $1, claimed_at = $2, pages_posted = 0 \
                     WHERE slot = $3 AND posted_at IS NULL AND claimed_at < $4",
                )
                .bind(instance)
                .bind(now)
                .bind(slot)
                .bind(stale_before)
                .execute(p)
                .await?;
                if taken.rows_affected() == 1 {
                    return Ok(SlotClaim::TakenOver);
                }
                let posted: Option<Option<DateTime<Utc>>> =
                    sqlx::query_scalar("SELECT posted_at FROM digest_runs WHERE slot = $1")
                        .bind(slot)
                        .fetch_optional(p)
                        .await?;
                Ok(match posted {
                    Some(Some(_)) => SlotClaim::Done,
                    _ => SlotClaim::InProgress,
                })
            }, mysql: m => mysql::claim_digest_slot(m, slot, instance, now, stale_before).await)
            })
            .await
    }

    /// Gives a claim back (nothing reached Slack), so the slot can be retried, by any instance.
    pub async fn release_digest_slot(
        &self,
        slot: DateTime<Utc>,
        instance: &str,
    ) -> Result<(), StoreError> {
        self.h
            .observe("digest_release", async {
                on_pool!(self.h, p => sqlx::query(
                "DELETE FROM digest_runs WHERE slot = $1 AND claimed_by = $2 AND posted_at IS NULL",
            )
            .bind(slot)
            .bind(instance)
            .execute(p)
            .await
            .map(|_| ()), mysql: m => mysql::release_digest_slot(m, slot, instance).await)
            })
            .await
    }

    /// Records what the digest lists (in display order), replacing
    /// whatever a taken-over attempt had recorded.
    pub async fn save_digest_items(
        &self,
        slot: DateTime<Utc>,
        items: &[PolicyRef],
    ) -> Result<(), StoreError> {
        self.h.observe("digest_save_items", async {
            on_pool!(self.h, p => {
                let mut tx = p.begin().await?;
                sqlx::query("DELETE FROM digest_items WHERE slot = $1")
                    .bind(slot)
                    .execute(&mut *tx)
                    .await?;
                for (position, item) in items.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO digest_items (slot, position, rider_id, policy_id) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(slot)
                    .bind(i32::try_from(position).unwrap_or(i32::MAX))
                    .bind(item.rider)
                    .bind(item.policy)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await
            }, mysql: m => mysql::save_digest_items(m, slot, items).await)
        })
        .await
    }

    /// Heartbeat after each posted message: how many are out, and "still alive".
    pub async fn mark_digest_progress(
        &self,
        slot: DateTime<Utc>,
        instance: &str,
        pages_posted: i32,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.h.observe("digest_progress", async {
            on_pool!(self.h, p => sqlx::query(
                "UPDATE digest_runs SET pages_posted = $1, claimed_at = $2 WHERE slot = $3 AND claimed_by = $4",
            )
            .bind(pages_posted)
            .bind(now)
            .bind(slot)
            .bind(instance)
            .execute(p)
            .await
            .map(|_| ()), mysql: m => mysql::mark_digest_progress(m, slot, instance, pages_posted, now).await)
        })
        .await
    }

    /// Records where the slot's first message was posted (the Home tab links to it).
    pub async fn record_digest_message(
        &self,
        slot: DateTime<Utc>,
        instance: &str,
        channel: &str,
        ts: &str,
    ) -> Result<(), StoreError> {
        self.h.observe("digest_message", async {
            on_pool!(self.h, p => sqlx::query(
                "UPDATE digest_runs SET channel_id = $1, message_ts = $2 WHERE slot = $3 AND claimed_by = $4",
            )
            .bind(channel)
            .bind(ts)
            .bind(slot)
            .bind(instance)
            .execute(p)
            .await
            .map(|_| ()), mysql: m => mysql::record_digest_message(m, slot, instance, channel, ts).await)
        })
        .await
    }

    /// Marks the slot done.
    pub async fn finish_digest(
        &self,
        slot: DateTime<Utc>,
        instance: &str,
        riders: i64,
        policies: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.h.observe("digest_finish", async {
            on_pool!(self.h, p => sqlx::query(
                "UPDATE digest_runs SET posted_at = $1, riders = $2, policies = $3 WHERE slot = $4 AND claimed_by = $5",
            )
            .bind(now)
            .bind(riders)
            .bind(policies)
            .bind(slot)
            .bind(instance)
            .execute(p)
            .await
            .map(|_| ()), mysql: m => mysql::finish_digest(m, slot, instance, riders, policies, now).await)
        })
        .await
    }
}

async fn set_digest_timeout(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
) -> Result<(), sqlx::Error> {
    // SET takes no bind parameters; the value is a constant.
    sqlx::query(&format!(
        "SET LOCAL statement_timeout = {}",
        DIGEST_STATEMENT_TIMEOUT.as_millis()
    ))
    .execute(&mut **tx)
    .await
    .map(|_| ())
}
