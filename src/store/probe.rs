//! Probing a database handle without changing anything: does it refuse writes, and is it
//! a PostgreSQL standby. Used by `check-config` and `demo` to prove the replica handle
//! really is read-only.
//!
//! The write probe creates a table inside a transaction that is always rolled back, so on
//! a writable handle nothing survives it, and on a read-only one the server itself says no.
//! On PostgreSQL it is a temporary table (forbidden in a read-only transaction and on a hot
//! standby); on SQLite it must be a table in `main`, because SQLite keeps temporary tables
//! in a separate, always-writable database even on a read-only connection.

use super::{Db, Role, StoreError, observe};

/// What the write probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteProbe {
    /// The server refused the write, with its own words.
    Refused(String),
    /// The write was accepted (and rolled back).
    Accepted,
}

/// Tries a write on `db` inside a transaction that is rolled back. A handle that cannot be
/// reached is an `Err`; a refused write is `Ok(WriteProbe::Refused)`.
pub async fn probe_write(db: &Db, role: Role) -> Result<WriteProbe, StoreError> {
    observe(role, "write_probe", async {
        match db {
            Db::Pg(p) => {
                let mut tx = p.begin().await?;
                let attempt = sqlx::query("CREATE TEMP TABLE expire_bot_write_probe (x INTEGER)")
                    .execute(&mut *tx)
                    .await;
                settle(attempt.map(|_| ()), tx.rollback().await)
            }
            Db::Sqlite(p) => {
                let mut tx = p.begin().await?;
                let attempt = sqlx::query("CREATE TABLE main.expire_bot_write_probe (x INTEGER)")
                    .execute(&mut *tx)
                    .await;
                settle(attempt.map(|_| ()), tx.rollback().await)
            }
        }
    })
    .await
}

/// A refusal by the server is the answer; anything else (a dropped connection) is an error.
fn settle(
    attempt: Result<(), sqlx::Error>,
    rollback: Result<(), sqlx::Error>,
) -> Result<WriteProbe, sqlx::Error> {
    match attempt {
        Ok(()) => rollback.map(|_| WriteProbe::Accepted),
        Err(sqlx::Error::Database(e)) => Ok(WriteProbe::Refused(e.message().to_owned())),
        Err(e) => Err(e),
    }
}

/// `Some(true)` when `db` is a PostgreSQL server in recovery (a streaming replica),
/// `Some(false)` for a PostgreSQL primary, `None` on SQLite.
pub async fn in_recovery(db: &Db, role: Role) -> Result<Option<bool>, StoreError> {
    match db {
        Db::Sqlite(_) => Ok(None),
        Db::Pg(p) => {
            observe(role, "in_recovery", async {
                sqlx::query_scalar::<_, bool>("SELECT pg_is_in_recovery()")
                    .fetch_one(p)
                    .await
                    .map(Some)
            })
            .await
        }
    }
}
