//! The withdrawn-rider digest on MySQL (`store::digest`): the scans on the replica, and the
//! `digest_runs` / `digest_items` bookkeeping on the primary, where a slot is claimed by a
//! plain `INSERT` whose duplicate key says another instance has it.

use chrono::{DateTime, Utc};

use super::{MySql, is_duplicate, text};
use crate::domain::PolicyRef;
use crate::store::WithdrawnPolicyRow;
use crate::store::digest::{DIGEST_STATEMENT_TIMEOUT, SlotClaim};

macro_rules! row_columns {
    () => {
        concat!(
            "r.id AS rider_id, ",
            text!("r.name" as "name"),
            ", ",
            text!("r.phone" as "phone"),
            ", ",
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

/// The digest's scan (`store::digest::digest_scan_sql` in MySQL's dialect), in the same two
/// steps: the hits from the indexes `riders_withdrawn_idx (status, withdrawn_at, id)` and
/// `hourly_insurance_policies_active_rider_idx (rider_id, status)`, at most `?` of them,
/// then their rows by primary key. A derived table with a `LIMIT` is never merged into the
/// outer query, which is what `MATERIALIZED` says on PostgreSQL. MySQL sorts NULL first,
/// so "NULLS LAST" is `withdrawn_at IS NULL` first in the order.
pub const SCAN: &str = concat!(
    "SELECT ",
    row_columns!(),
    " FROM (SELECT r.id AS rider_id, p.id AS policy_id, r.withdrawn_at \
              FROM riders r \
              JOIN hourly_insurance_policies p ON p.rider_id = r.id AND p.status = 'ACTIVE' \
             WHERE r.status = 'WITHDRAWN' \
             ORDER BY r.withdrawn_at IS NULL, r.withdrawn_at, r.id, p.id \
             LIMIT ?) h \
       JOIN riders r ON r.id = h.rider_id \
       JOIN hourly_insurance_policies p ON p.id = h.policy_id \
      ORDER BY h.withdrawn_at IS NULL, h.withdrawn_at, h.rider_id, h.policy_id"
);

/// The same set, counted: riders, and policies (SQLite's form of the count).
const COUNT: &str = "SELECT COUNT(DISTINCT r.id), COUNT(*) \
       FROM riders r \
       JOIN hourly_insurance_policies p ON p.rider_id = r.id AND p.status = 'ACTIVE' \
      WHERE r.status = 'WITHDRAWN'";

pub(in crate::store) async fn withdrawn_with_active_policy(
    m: &MySql,
    limit: i64,
) -> Result<Vec<WithdrawnPolicyRow>, sqlx::Error> {
    let sql = m
        .known_server()
        .await?
        .with_timeout(DIGEST_STATEMENT_TIMEOUT, SCAN);
    sqlx::query_as::<_, WithdrawnPolicyRow>(&sql)
        .bind(limit)
        .fetch_all(&m.pool)
        .await
}

pub(in crate::store) async fn count_withdrawn(m: &MySql) -> Result<(i64, i64), sqlx::Error> {
    let sql = m
        .known_server()
        .await?
        .with_timeout(DIGEST_STATEMENT_TIMEOUT, COUNT);
    sqlx::query_as::<_, (i64, i64)>(&sql)
        .fetch_one(&m.pool)
        .await
}

pub(in crate::store) async fn digest_items_now(
    m: &MySql,
    slot: DateTime<Utc>,
) -> Result<Vec<WithdrawnPolicyRow>, sqlx::Error> {
    sqlx::query_as::<_, WithdrawnPolicyRow>(concat!(
        "SELECT ",
        row_columns!(),
        " FROM digest_items i \
          JOIN riders r ON r.id = i.rider_id \
          JOIN hourly_insurance_policies p ON p.id = i.policy_id \
         WHERE i.slot = ? \
         ORDER BY i.position"
    ))
    .bind(slot)
    .fetch_all(&m.pool)
    .await
}

pub(in crate::store) async fn digest_run_exists(
    m: &MySql,
    slot: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM digest_runs WHERE slot = ?")
        .bind(slot)
        .fetch_one(&m.pool)
        .await
        .map(|n| n > 0)
}

pub(in crate::store) async fn claim_digest_slot(
    m: &MySql,
    slot: DateTime<Utc>,
    instance: &str,
    now: DateTime<Utc>,
    stale_before: DateTime<Utc>,
) -> Result<SlotClaim, sqlx::Error> {
    let inserted =
        sqlx::query("INSERT INTO digest_runs (slot, claimed_by, claimed_at) VALUES (?, ?, ?)")
            .bind(slot)
            .bind(instance)
            .bind(now)
            .execute(&m.pool)
            .await;
    match inserted {
        Ok(_) => return Ok(SlotClaim::Claimed),
        Err(e) if is_duplicate(&e) => {}
        Err(e) => return Err(e),
    }
    let taken = sqlx::query(
        "UPDATE digest_runs SET claimed_by = ?, claimed_at = ?, pages_posted = 0 \
         WHERE slot = ? AND posted_at IS NULL AND claimed_at < ?",
    )
    .bind(instance)
    .bind(now)
    .bind(slot)
    .bind(stale_before)
    .execute(&m.pool)
    .await?;
    if taken.rows_affected() == 1 {
        return Ok(SlotClaim::TakenOver);
    }
    let posted: Option<Option<DateTime<Utc>>> =
        sqlx::query_scalar("SELECT posted_at FROM digest_runs WHERE slot = ?")
            .bind(slot)
            .fetch_optional(&m.pool)
            .await?;
    Ok(match posted {
        Some(Some(_)) => SlotClaim::Done,
        _ => SlotClaim::InProgress,
    })
}

pub(in crate::store) async fn release_digest_slot(
    m: &MySql,
    slot: DateTime<Utc>,
    instance: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM digest_runs WHERE slot = ? AND claimed_by = ? AND posted_at IS NULL")
        .bind(slot)
        .bind(instance)
        .execute(&m.pool)
        .await
        .map(|_| ())
}

pub(in crate::store) async fn save_digest_items(
    m: &MySql,
    slot: DateTime<Utc>,
    items: &[PolicyRef],
) -> Result<(), sqlx::Error> {
    let mut tx = m.pool.begin().await?;
    sqlx::query("DELETE FROM digest_items WHERE slot = ?")
        .bind(slot)
        .execute(&mut *tx)
        .await?;
    for (position, item) in items.iter().enumerate() {
        sqlx::query(
            "INSERT INTO digest_items (slot, position, rider_id, policy_id) VALUES (?, ?, ?, ?)",
        )
        .bind(slot)
        .bind(i32::try_from(position).unwrap_or(i32::MAX))
        .bind(item.rider)
        .bind(item.policy)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

pub(in crate::store) async fn mark_digest_progress(
    m: &MySql,
    slot: DateTime<Utc>,
    instance: &str,
    pages_posted: i32,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE digest_runs SET pages_posted = ?, claimed_at = ? WHERE slot = ? AND claimed_by = ?",
    )
    .bind(pages_posted)
    .bind(now)
    .bind(slot)
    .bind(instance)
    .execute(&m.pool)
    .await
    .map(|_| ())
}

pub(in crate::store) async fn finish_digest(
    m: &MySql,
    slot: DateTime<Utc>,
    instance: &str,
    riders: i64,
    policies: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE digest_runs SET posted_at = ?, riders = ?, policies = ? WHERE slot = ? AND claimed_by = ?",
    )
    .bind(now)
    .bind(riders)
    .bind(policies)
    .bind(slot)
    .bind(instance)
    .execute(&m.pool)
    .await
    .map(|_| ())
}
