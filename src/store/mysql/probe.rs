//! Probes of a MySQL handle (`store::probe`, `Replica::replica_lag_seconds`) and the
//! replication heartbeat.
//!
//! **Replica lag** comes from the replica's own status first: `SHOW REPLICA STATUS` (or
//! `SHOW SLAVE STATUS` on servers before MariaDB 10.5.1 / MySQL 8.0.22), column
//! `Seconds_Behind_Source` (MySQL) or `Seconds_Behind_Master` (MariaDB, and MySQL's older
//! statement). That needs a global monitoring privilege (`SLAVE MONITOR` on MariaDB,
//! `REPLICATION CLIENT` on MySQL; docs/db-roles.mysql.sql grants it), and says nothing on
//! an Aurora reader (not a binlog replica: no row at all) or while replication is stopped
//! (`NULL`). Then the lag is read from the **heartbeat**: a one-row table
//! (`expire_bot_heartbeat`, migration 0100) that every bot instance updates on the
//! primary once a second ([`beat`]) with the primary's own clock; the replica's copy is as
//! old as the last change it applied, so `UTC_TIMESTAMP(6) - beat_at`, less the beat
//! interval, is how far behind it is (at most one interval low, never high). Both clocks
//! are the servers', as PostgreSQL's own lag is the standby's clock against the primary's
//! commit times.
//!
//! A server that is not read-only (`@@read_only`, or an Aurora reader's
//! `@@innodb_read_only`) is not a replica: no lag, as on a PostgreSQL primary.

use std::time::Duration;

use sqlx::mysql::MySqlDatabaseError;
use sqlx::{Executor, Row};

use super::MySql;
use crate::store::WriteProbe;

/// How often each instance writes the heartbeat.
pub(in crate::store) const BEAT_EVERY: Duration = Duration::from_secs(1);

pub(in crate::store) async fn probe_write(m: &MySql) -> Result<WriteProbe, sqlx::Error> {
    // A write to a real table: MySQL allows temporary tables in a read-only transaction
    // and on a read_only server, so they prove nothing here. A no-change UPDATE of the
    // heartbeat row, always rolled back, leaves nothing on a writable primary either.
    let mut tx = m.pool.begin().await?;
    let attempt = sqlx::query("UPDATE expire_bot_heartbeat SET every_ms = every_ms WHERE id = 1")
        .execute(&mut *tx)
        .await;
    let rollback = tx.rollback().await;
    match attempt {
        Ok(_) => rollback.map(|_| WriteProbe::Accepted),
        // No such table: the schema is missing, which says nothing about writes.
        Err(sqlx::Error::Database(e))
            if e.try_downcast_ref::<MySqlDatabaseError>()
                .is_some_and(|e| e.number() == 1146) =>
        {
            Err(sqlx::Error::Database(e))
        }
        Err(sqlx::Error::Database(e)) => Ok(WriteProbe::Refused(e.message().to_owned())),
        Err(e) => Err(e),
    }
}

/// `Some(true)` for a read-only server (a replica, or an Aurora reader), as
/// `pg_is_in_recovery()` is on PostgreSQL.
pub(in crate::store) async fn in_recovery(m: &MySql) -> Result<Option<bool>, sqlx::Error> {
    sqlx::query_scalar::<_, i64>(
        "SELECT CAST(@@GLOBAL.read_only OR @@GLOBAL.innodb_read_only AS SIGNED)",
    )
    .fetch_one(&m.pool)
    .await
    .map(|ro| Some(ro != 0))
}

/// The replica's lag in seconds (see the module docs), `None` on a writable server or when
/// neither source says.
pub(in crate::store) async fn replica_lag(m: &MySql) -> Result<Option<f64>, sqlx::Error> {
    let server = m.known_server().await?;
    let mut conn = m.pool.acquire().await?;
    // SHOW statements go as plain text (no prepared statement), and their columns are read
    // as text: their types differ between servers and versions.
    match conn.fetch_all(server.replica_status()).await {
        Ok(rows) => {
            let mut lag: Option<f64> = None;
            for row in &rows {
                let seconds = ["Seconds_Behind_Source", "Seconds_Behind_Master"]
                    .iter()
                    .find_map(|c| row.try_get_unchecked::<Option<String>, _>(*c).ok())
                    .flatten()
                    .and_then(|s| s.trim().parse::<f64>().ok());
                // Several sources (MariaDB multi-source): the furthest behind counts; one
                // that is not replicating makes the whole answer the heartbeat's.
                match seconds {
                    Some(s) => lag = Some(lag.map_or(s, |l| l.max(s))),
                    None => {
                        lag = None;
                        break;
                    }
                }
            }
            if rows.is_empty() {
                lag = None;
            }
            if lag.is_some() {
                return Ok(lag);
            }
        }
        // ER_SPECIFIC_ACCESS_DENIED_ERROR: the user may not see replication status.
        Err(sqlx::Error::Database(e))
            if e.try_downcast_ref::<MySqlDatabaseError>()
                .is_some_and(|e| e.number() == 1227) => {}
        Err(e) => return Err(e),
    }
    let heartbeat: Option<(i64, Option<f64>)> = sqlx::query_as(
        "SELECT CAST(@@GLOBAL.read_only OR @@GLOBAL.innodb_read_only AS SIGNED), \
                (SELECT GREATEST(0E0, TIMESTAMPDIFF(MICROSECOND, beat_at, UTC_TIMESTAMP(6)) / 1E6 - every_ms / 1E3) \
                   FROM expire_bot_heartbeat WHERE id = 1)",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match heartbeat {
        Some((read_only, lag)) if read_only != 0 => lag,
        _ => None,
    })
}

/// Writes the heartbeat on the primary, with the primary's clock.
pub(in crate::store) async fn beat(m: &MySql) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE expire_bot_heartbeat SET beat_at = UTC_TIMESTAMP(6), every_ms = ? WHERE id = 1",
    )
    .bind(i64::try_from(BEAT_EVERY.as_millis()).unwrap_or(i64::MAX))
    .execute(&m.pool)
    .await
    .map(|_| ())
}
