//! Probing a database handle without changing anything: does it answer, does it refuse
//! writes, is it a PostgreSQL standby, which migrations it lacks. Used by `/readyz` and the
//! gauges (`ping`), and by `check-config` and `demo` to prove the replica handle really is
//! read-only.
//!
//! The write probe creates a table inside a transaction that is always rolled back, so on
//! a writable handle nothing survives it, and on a read-only one the server itself says no.
//! On PostgreSQL it is a temporary table (forbidden in a read-only transaction and on a hot
//! standby); on SQLite it must be a table in `main`, because SQLite keeps temporary tables
//! in a separate, always-writable database even on a read-only connection. MySQL allows
//! temporary tables in read-only transactions and on read-only servers, so there it is a
//! no-change `UPDATE` of the heartbeat row, rolled back (`store::mysql::probe`).
//!
//! The heartbeat itself (MySQL only: the replica's lag where its own status says nothing)
//! is written here too, by [`Primary::beat`].

use super::{Handle, Pool, Primary, Replica, StoreError, mysql, on_pool};

/// What the write probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteProbe {
    /// The server refused the write, with its own words.
    Refused(String),
    /// The write was accepted (and rolled back).
    Accepted,
}

impl Handle {
    async fn ping(&self) -> Result<(), StoreError> {
        self.observe("ping", async {
            on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()),
                mysql: m => sqlx::query("SELECT 1").execute(&m.pool).await.map(|_| ()))
        })
        .await
    }

    async fn probe_write(&self) -> Result<WriteProbe, StoreError> {
        self.observe("write_probe", async {
            match &self.pool {
                Pool::Pg(p) => {
                    let mut tx = p.begin().await?;
                    let attempt =
                        sqlx::query("CREATE TEMP TABLE expire_bot_write_probe (x INTEGER)")
                            .execute(&mut *tx)
                            .await;
                    settle(attempt.map(|_| ()), tx.rollback().await)
                }
                Pool::Sqlite(p) => {
                    let mut tx = p.begin().await?;
                    let attempt =
                        sqlx::query("CREATE TABLE main.expire_bot_write_probe (x INTEGER)")
                            .execute(&mut *tx)
                            .await;
                    settle(attempt.map(|_| ()), tx.rollback().await)
                }
                Pool::MySql(m) => mysql::probe_write(m).await,
            }
        })
        .await
    }

    async fn in_recovery(&self) -> Result<Option<bool>, StoreError> {
        match &self.pool {
            Pool::Sqlite(_) => Ok(None),
            Pool::MySql(m) => self.observe("in_recovery", mysql::in_recovery(m)).await,
            Pool::Pg(p) => {
                self.observe("in_recovery", async {
                    sqlx::query_scalar::<_, bool>("SELECT pg_is_in_recovery()")
                        .fetch_one(p)
                        .await
                        .map(Some)
                })
                .await
            }
        }
    }
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

/// The probes both handles answer.
macro_rules! probes {
    ($handle:ty) => {
        impl $handle {
            /// `SELECT 1`.
            pub async fn ping(&self) -> Result<(), StoreError> {
                self.h.ping().await
            }

            /// Tries a write inside a transaction that is rolled back. A handle that cannot
            /// be reached is an `Err`; a refused write is `Ok(WriteProbe::Refused)`.
            pub async fn probe_write(&self) -> Result<WriteProbe, StoreError> {
                self.h.probe_write().await
            }

            /// `Some(true)` for a PostgreSQL server in recovery (a streaming replica) or a
            /// read-only MySQL server (a replica, an Aurora reader), `Some(false)` for a
            /// primary, `None` on SQLite.
            pub async fn in_recovery(&self) -> Result<Option<bool>, StoreError> {
                self.h.in_recovery().await
            }
        }
    };
}

probes!(Primary);
probes!(Replica);

impl Primary {
    /// Whether this backend's replica lag needs [`Primary::beat`] (MySQL), so the
    /// composition root starts the heartbeat only where it means something.
    pub fn needs_heartbeat(&self) -> bool {
        matches!(self.h.pool, Pool::MySql(_))
    }

    /// How often [`Primary::beat`] should run.
    pub fn heartbeat_every(&self) -> std::time::Duration {
        mysql::BEAT_EVERY
    }

    /// Writes the replication heartbeat (MySQL; a no-op elsewhere): one row, updated with
    /// the primary's clock, which the replica's lag probe compares with its own.
    pub async fn beat(&self) -> Result<(), StoreError> {
        match &self.h.pool {
            Pool::MySql(m) => self.h.observe("heartbeat", mysql::beat(m)).await,
            Pool::Pg(_) | Pool::Sqlite(_) => Ok(()),
        }
    }

    /// Migrations in `migrations/` not yet applied here (by version and description).
    /// Uncounted: it is `check-config`'s question, not the bot's traffic.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, sqlx::Error> {
        let (migrator, table_sql) = match &self.h.pool {
            Pool::Pg(_) => (
                sqlx::migrate!("migrations/postgres"),
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '_sqlx_migrations'",
            ),
            Pool::Sqlite(_) => (
                sqlx::migrate!("migrations/sqlite"),
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            ),
            Pool::MySql(_) => (
                sqlx::migrate!("migrations/mysql"),
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = DATABASE() AND table_name = '_sqlx_migrations'",
            ),
        };
        let has_table: i64 = on_pool!(self.h, p => sqlx::query_scalar(table_sql).fetch_one(p).await,
            mysql: m => sqlx::query_scalar(table_sql).fetch_one(&m.pool).await)?;
        const APPLIED: &str = "SELECT version FROM _sqlx_migrations WHERE success";
        let applied: Vec<i64> = if has_table > 0 {
            on_pool!(self.h, p => sqlx::query_scalar(APPLIED).fetch_all(p).await,
                mysql: m => sqlx::query_scalar(APPLIED).fetch_all(&m.pool).await)?
        } else {
            Vec::new()
        };
        Ok(migrator
            .iter()
            .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
            .map(|m| format!("{} {}", m.version, m.description))
            .collect())
    }
}

// Only with `stand-in`, the feature the integration tests (and nothing shipped) turn on.
#[cfg(feature = "stand-in")]
impl Replica {
    /// Runs `sql` on the replica as given. For the integration tests only: it exists to
    /// prove the connection itself refuses a write (`default_transaction_read_only`,
    /// `SQLITE_OPEN_READONLY`), whatever the SQL; the bot has no such path, and the shipped
    /// binary (features `demo`/`testkit`) does not contain it.
    pub async fn execute_unchecked(&self, sql: &str) -> Result<(), StoreError> {
        self.h
            .observe("test_statement", async {
                on_pool!(self.h, p => sqlx::query(sql).execute(p).await.map(|_| ()),
                    mysql: m => sqlx::query(sql).execute(&m.pool).await.map(|_| ()))
            })
            .await
    }
}
