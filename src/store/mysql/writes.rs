//! The rest of the primary's statements on MySQL: `form_state` (`store::forms`),
//! `slack_events` (`store::events`), the lookup audit (`store::lookups`), the database's
//! clock and the demo seed (`store::seed`).

use chrono::{DateTime, Utc};

use super::{MySql, text};
use crate::store::seed::{SeedPolicy, SeedRider};

pub(in crate::store) async fn save_form_state(
    m: &MySql,
    token: &str,
    payload: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM form_state WHERE expires_at < ?")
        .bind(now)
        .execute(&m.pool)
        .await?;
    sqlx::query(
        "INSERT INTO form_state (token, payload, created_at, expires_at) VALUES (?, ?, ?, ?)",
    )
    .bind(token)
    .bind(payload)
    .bind(now)
    .bind(expires_at)
    .execute(&m.pool)
    .await
    .map(|_| ())
}

pub(in crate::store) async fn load_form_state(
    m: &MySql,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar::<_, String>(concat!(
        "SELECT ",
        text!("payload"),
        " FROM form_state WHERE token = ? AND expires_at > ?"
    ))
    .bind(token)
    .bind(now)
    .fetch_optional(&m.pool)
    .await
}

pub(in crate::store) async fn seed(
    m: &MySql,
    riders: &[SeedRider],
    policies: &[SeedPolicy],
) -> Result<(), sqlx::Error> {
    let mut tx = m.pool.begin().await?;
    for r in riders {
        sqlx::query(
            "INSERT INTO riders (id, name, phone, birth_date, status, withdrawn_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(r.id)
        .bind(&r.name)
        .bind(&r.phone)
        .bind(r.birth_date)
        .bind(r.status)
        .bind(r.withdrawn_at)
        .execute(&mut *tx)
        .await?;
    }
    for p in policies {
        sqlx::query(
            "INSERT INTO hourly_insurance_policies (id, rider_id, insurer, policy_number, status, valid_from, valid_until) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(p.id)
        .bind(p.rider_id)
        .bind(p.insurer)
        .bind(&p.policy_number)
        .bind(p.status)
        .bind(p.valid_from)
        .bind(p.valid_until)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// `store::events`: a plain `INSERT`, whose duplicate-key error is "already taken" (see the
/// module doc of `store::mysql` for why not `INSERT IGNORE`).
pub(in crate::store) async fn claim_event(
    m: &MySql,
    event_id: &str,
    now: DateTime<Utc>,
    before: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM slack_events WHERE received_at < ?")
        .bind(before)
        .execute(&m.pool)
        .await?;
    match sqlx::query("INSERT INTO slack_events (event_id, received_at) VALUES (?, ?)")
        .bind(event_id)
        .bind(now)
        .execute(&m.pool)
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if super::is_duplicate(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The primary's clock (`UTC_TIMESTAMP(6)`: the connection's time zone is UTC anyway).
pub(in crate::store) async fn now(m: &MySql) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar("SELECT UTC_TIMESTAMP(6)")
        .fetch_one(&m.pool)
        .await
}

/// `store::lookups::record_lookup`: count and insert in one statement (`INSERT … SELECT`
/// from a derived table, which MySQL allows on the table being inserted into).
pub(in crate::store) async fn record_lookup(
    m: &MySql,
    who: &str,
    kind: &str,
    query_masked: &str,
    riders_matched: Option<i64>,
    max: i64,
    per_s: f64,
) -> Result<bool, sqlx::Error> {
    let micros = (per_s * 1_000_000.0) as i64;
    sqlx::query(
        "INSERT INTO lookup_audit (looked_up_by, kind, query_masked, riders_matched, looked_at) \
         SELECT ?, ?, ?, ?, UTC_TIMESTAMP(6) FROM (SELECT COUNT(*) AS n FROM lookup_audit \
           WHERE looked_up_by = ? AND looked_at > UTC_TIMESTAMP(6) - INTERVAL ? MICROSECOND) AS recent \
          WHERE recent.n < ?",
    )
    .bind(who)
    .bind(kind)
    .bind(query_masked)
    .bind(riders_matched)
    .bind(who)
    .bind(micros)
    .bind(max)
    .execute(&m.pool)
    .await
    .map(|done| done.rows_affected() == 1)
}

/// `store::home`: `user` opened the Home tab. An UPDATE first (matched rows are reliable
/// here, see the module doc), then an INSERT whose duplicate means another instance
/// recorded the same opening meanwhile. (`ON DUPLICATE KEY UPDATE … VALUES()` would do it
/// in one statement, but MySQL 8 deprecates `VALUES()` and MariaDB lacks the row alias
/// that replaces it.)
pub(in crate::store) async fn note_home_viewer(
    m: &MySql,
    user: &crate::domain::SlackUserId,
    now: DateTime<Utc>,
    before: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM home_viewers WHERE opened_at < ?")
        .bind(before)
        .execute(&m.pool)
        .await?;
    let updated = sqlx::query("UPDATE home_viewers SET opened_at = ? WHERE user_id = ?")
        .bind(now)
        .bind(user.as_str())
        .execute(&m.pool)
        .await?;
    if updated.rows_affected() > 0 {
        return Ok(());
    }
    match sqlx::query("INSERT INTO home_viewers (user_id, opened_at) VALUES (?, ?)")
        .bind(user.as_str())
        .bind(now)
        .execute(&m.pool)
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if super::is_duplicate(&e) => Ok(()),
        Err(e) => Err(e),
    }
}

/// `store::home`: who opened the Home tab since `since`.
pub(in crate::store) async fn home_viewers_since(
    m: &MySql,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(user_id AS CHAR) FROM home_viewers WHERE opened_at >= ? ORDER BY opened_at DESC LIMIT ?",
    )
    .bind(since)
    .bind(limit)
    .fetch_all(&m.pool)
    .await
}

/// `store::digest`: where a digest's first message was posted.
pub(in crate::store) async fn record_digest_message(
    m: &MySql,
    slot: DateTime<Utc>,
    instance: &str,
    channel: &str,
    ts: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE digest_runs SET channel_id = ?, message_ts = ? WHERE slot = ? AND claimed_by = ?",
    )
    .bind(channel)
    .bind(ts)
    .bind(slot)
    .bind(instance)
    .execute(&m.pool)
    .await
    .map(|_| ())
}
