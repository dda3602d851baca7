//! Database pools and every SQL statement the bot runs.
//!
//! There are always two handles: the **primary** (writes, and only the rows the approval
//! transaction is about to change) and the **replica** (every rider and policy lookup).
//! Both are either PostgreSQL or SQLite; the same functions serve both, with the SQL text
//! chosen per dialect only where the dialects really differ (`FOR UPDATE`). The replica
//! handle is read-only at the connection level — `default_transaction_read_only` on
//! PostgreSQL, `SQLITE_OPEN_READONLY` on SQLite — so a write routed to it fails loudly
//! instead of silently landing on the wrong server.
//!
//! Statements are counted and timed per role here, in one place, so `/metrics` can prove
//! where the load goes.

mod digest;
mod forms;
mod probe;
mod requests;
mod riders;
pub mod seed;

use std::future::Future;
use std::str::FromStr;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

pub use digest::*;
pub use forms::*;
pub use probe::*;
pub use requests::*;
pub use riders::*;

/// Runs the same body against whichever pool a [`Db`] holds. The body is expanded once per
/// backend, so it type-checks against both drivers.
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::store::Db::Pg($pool) => $body,
            $crate::store::Db::Sqlite($pool) => $body,
        }
    };
}
pub(crate) use on_db;

/// One database handle.
#[derive(Clone, Debug)]
pub enum Db {
    Pg(PgPool),
    Sqlite(SqlitePool),
}

impl Db {
    pub fn backend(&self) -> Backend {
        match self {
            Db::Pg(_) => Backend::Postgres,
            Db::Sqlite(_) => Backend::Sqlite,
        }
    }

    pub async fn close(&self) {
        on_db!(self, p => p.close().await)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// Which server a statement ran on; also the `role` metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Primary,
    Replica,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Primary => "primary",
            Role::Replica => "replica",
        }
    }
}

/// Why a statement failed, in the terms callers act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The server could not be reached or did not answer in time.
    #[error("{role} database unavailable")]
    Unavailable {
        role: &'static str,
        #[source]
        source: sqlx::Error,
    },
    /// Any other database error: a bug or a schema problem, never the user's fault.
    #[error("database error on {role}")]
    Other {
        role: &'static str,
        #[source]
        source: sqlx::Error,
    },
}

impl StoreError {
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable { .. })
    }

    fn from_sqlx(role: Role, e: sqlx::Error) -> Self {
        let unavailable = match &e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => true,
            // 57014 query_canceled (statement_timeout), 57P01..03 admin shutdown / cannot
            // connect now, 08xxx connection exceptions, 55P03 lock_not_available.
            sqlx::Error::Database(db) => db.code().is_some_and(|c| {
                c == "57014" || c.starts_with("57P") || c.starts_with("08") || c == "55P03"
            }),
            _ => false,
        };
        if unavailable {
            StoreError::Unavailable {
                role: role.as_str(),
                source: e,
            }
        } else {
            StoreError::Other {
                role: role.as_str(),
                source: e,
            }
        }
    }
}

/// Times one database operation and counts it by role and operation name.
pub(crate) async fn observe<T>(
    role: Role,
    op: &'static str,
    fut: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, StoreError> {
    let started = Instant::now();
    let result = fut.await;
    let outcome = if result.is_ok() { "ok" } else { "error" };
    metrics::counter!("expire_bot_db_operations_total", "role" => role.as_str(), "op" => op, "outcome" => outcome).increment(1);
    metrics::histogram!("expire_bot_db_operation_seconds", "role" => role.as_str(), "op" => op)
        .record(started.elapsed().as_secs_f64());
    result.map_err(|e| StoreError::from_sqlx(role, e))
}

/// How long a lookup on the replica may run: it must leave room for the rest of Slack's
/// 3-second window.
pub const REPLICA_STATEMENT_TIMEOUT: Duration = Duration::from_millis(1500);
/// The approval transaction holds a row lock; never let it wait long for one.
pub const PRIMARY_STATEMENT_TIMEOUT: Duration = Duration::from_millis(2000);

/// Where the two handles point.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `None`: the embedded SQLite default.
    pub primary_url: Option<SecretString>,
    /// `None`: the primary, opened read-only.
    pub replica_url: Option<SecretString>,
    pub max_connections: u32,
}

/// The two handles.
#[derive(Clone, Debug)]
pub struct Store {
    pub primary: Db,
    pub replica: Db,
}

impl Store {
    /// Opens both pools lazily: a server that is down at start-up is reported by `/readyz`
    /// and `check-config`, not by a crash loop.
    pub fn open(cfg: &StoreConfig) -> anyhow::Result<Store> {
        let primary_url = cfg
            .primary_url
            .as_ref()
            .map(|u| u.expose_secret().to_owned())
            .unwrap_or_else(|| format!("sqlite://{}", crate::config::DEFAULT_SQLITE_FILE));
        let replica_url = cfg
            .replica_url
            .as_ref()
            .map(|u| u.expose_secret().to_owned())
            .unwrap_or_else(|| primary_url.clone());
        let primary = open_pool(&primary_url, Role::Primary, cfg.max_connections)?;
        let replica = open_pool(&replica_url, Role::Replica, cfg.max_connections)?;
        Ok(Store { primary, replica })
    }

    pub fn backend(&self) -> Backend {
        self.primary.backend()
    }

    pub fn handle(&self, role: Role) -> &Db {
        match role {
            Role::Primary => &self.primary,
            Role::Replica => &self.replica,
        }
    }

    /// Applies `migrations/` for the primary's dialect.
    ///
    /// On PostgreSQL this runs on a connection of its own without the serving timeouts:
    /// building an index on the company's large tables takes minutes, not the two seconds
    /// an approval may take.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match &self.primary {
            Db::Pg(p) => {
                use sqlx::Connection;
                let opts = (*p.connect_options())
                    .clone()
                    .options([("statement_timeout", "0"), ("lock_timeout", "0")]);
                let mut conn = sqlx::PgConnection::connect_with(&opts).await?;
                sqlx::migrate!("migrations/postgres").run(&mut conn).await?;
                conn.close().await?;
            }
            Db::Sqlite(p) => sqlx::migrate!("migrations/sqlite").run(p).await?,
        }
        Ok(())
    }

    /// `SELECT 1` on one handle.
    pub async fn ping(&self, role: Role) -> Result<(), StoreError> {
        observe(role, "ping", async {
            on_db!(self.handle(role), p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))
        })
        .await
    }

    pub async fn close(&self) {
        self.primary.close().await;
        self.replica.close().await;
    }
}

fn open_pool(url: &str, role: Role, max_connections: u32) -> anyhow::Result<Db> {
    let acquire = match role {
        Role::Primary => Duration::from_millis(1500),
        Role::Replica => Duration::from_millis(1000),
    };
    if url.starts_with("sqlite:") {
        let mut opts = SqliteConnectOptions::from_str(url)
            .map_err(|_| anyhow::anyhow!("the {} SQLite URL is malformed", role.as_str()))?
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        opts = match role {
            Role::Primary => opts
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal),
            Role::Replica => opts.read_only(true),
        };
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(acquire)
            .connect_lazy_with(opts);
        Ok(Db::Sqlite(pool))
    } else {
        let timeout = match role {
            Role::Primary => PRIMARY_STATEMENT_TIMEOUT,
            Role::Replica => REPLICA_STATEMENT_TIMEOUT,
        };
        let mut options = vec![
            ("statement_timeout", timeout.as_millis().to_string()),
            ("lock_timeout", timeout.as_millis().to_string()),
            ("idle_in_transaction_session_timeout", "10000".to_owned()),
        ];
        if role == Role::Replica {
            options.push(("default_transaction_read_only", "on".to_owned()));
        }
        let opts = PgConnectOptions::from_str(url)
            .map_err(|_| anyhow::anyhow!("the {} PostgreSQL URL is malformed", role.as_str()))?
            .application_name(&format!("expire-bot-{}", role.as_str()))
            .options(options);
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .min_connections(0)
            .acquire_timeout(acquire)
            .idle_timeout(Duration::from_secs(300))
            .connect_lazy_with(opts);
        Ok(Db::Pg(pool))
    }
}
