//! Database pools and every SQL statement the bot runs: the only SQL in `src/`.
//!
//! There are always two handles, and they are two types. [`Primary`] carries the writes
//! (and reads only the rows the approval transaction is about to change, plus the bot's own
//! tables); [`Replica`] carries every rider and policy lookup and has no write method at
//! all, so a write cannot be handed the replica by mistake. The replica is also read-only
//! at the connection level — `default_transaction_read_only` on PostgreSQL,
//! `SQLITE_OPEN_READONLY` on SQLite, `SET SESSION TRANSACTION READ ONLY` on MySQL — so even
//! SQL that slipped through would fail loudly instead of landing on the wrong server.
//!
//! Every operation is timed and counted here, by the role of the handle it ran on (the
//! `role` label comes from the handle's type, never from an argument that could disagree
//! with it) and by operation name, so `/metrics` proves where the load goes.
//!
//! The operations live by table family: [`requests`] (requests, their audit trail and the
//! approval transaction), [`outbox`], [`lookups`] (the lookup audit), [`riders`], [`digest`], [`history`], [`forms`],
//! [`probe`], [`seed`]; [`columns`] says how the domain's types are stored.
//!
//! ## Backends, and adding one
//!
//! PostgreSQL and SQLite share one SQL dialect here (`$n` placeholders, `RETURNING`,
//! `ON CONFLICT`), so each operation's statement is written once and [`on_pool!`] expands
//! it for both pools; where they really differ (`FOR UPDATE`, the server-side approval
//! function, the digest's counting query) the operation matches on the pool itself.
//!
//! The MySQL family (MySQL 8.0, Aurora MySQL 3, MariaDB 10.11) differs everywhere — `?`
//! placeholders, no `RETURNING`, no `ON CONFLICT`, strings of `_bin` collations that sqlx
//! will not read as text unless cast — so its statements live in a module of their own,
//! [`mysql`], one function per operation, and every [`on_pool!`] has a `mysql:` arm calling
//! it. Nothing outside this module changes for it: the services only ever see [`Primary`],
//! [`Replica`] and the domain's types.

mod columns;
pub mod digest;
pub mod events;
pub mod forms;
pub mod history;
pub mod home;
#[cfg(feature = "testkit")]
pub mod inspect;
pub mod lookups;
mod mysql;
/// The MySQL statements the benchmarks `EXPLAIN`, exactly as the bot runs them.
pub use mysql::digest::SCAN as MYSQL_DIGEST_SCAN;
pub use mysql::reads::{BY_ID as MYSQL_BY_ID, BY_PHONE as MYSQL_BY_PHONE};
pub mod outbox;
pub mod probe;
pub mod requests;
pub mod riders;
pub mod seed;

use std::future::Future;
use std::str::FromStr;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

pub use digest::{SlotClaim, WithdrawnPolicyRow};
pub use history::{HistoryApprovalRow, HistoryRequestRow, HistoryRiderRow};
pub use home::{VIEWER_KEEP, VIEWERS_MAX};
pub use outbox::OutboxRow;
pub use probe::WriteProbe;
pub use requests::{DecideOutcome, FileOutcome, NewRequest, WithdrawOutcome};
pub use riders::RiderPolicyRow;

/// The file the embedded default database lives in.
pub const DEFAULT_SQLITE_FILE: &str = "expire-bot.db";

/// Runs the same body against whichever of the PostgreSQL and SQLite pools a handle holds
/// (the body is expanded once per backend, so it type-checks against each driver), and the
/// `mysql:` arm — the MySQL module's own statements — against a MySQL pool.
macro_rules! on_pool {
    ($handle:expr, $p:ident => $body:expr, mysql: $m:ident => $mbody:expr $(,)?) => {
        match &$handle.pool {
            $crate::store::Pool::Pg($p) => $body,
            $crate::store::Pool::Sqlite($p) => $body,
            $crate::store::Pool::MySql($m) => $mbody,
        }
    };
}
pub(crate) use on_pool;

/// One connection pool, of one backend.
#[derive(Clone, Debug)]
enum Pool {
    Pg(PgPool),
    Sqlite(SqlitePool),
    MySql(mysql::MySql),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
    /// MySQL 8.0, Aurora MySQL 3 or MariaDB 10.11 (`mysql://`).
    MySql,
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
            // connect now, 08xxx connection exceptions, 55P03 lock_not_available; and the
            // MySQL family's timeouts and shutdowns, which it reports by error number.
            sqlx::Error::Database(db) => {
                db.code().is_some_and(|c| {
                    c == "57014" || c.starts_with("57P") || c.starts_with("08") || c == "55P03"
                }) || mysql::is_unavailable(&**db)
            }
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

/// A pool and the role it plays. Only [`Primary`] and [`Replica`] make one, each with its
/// own role, which is what keeps the metric label honest.
#[derive(Clone, Debug)]
struct Handle {
    pool: Pool,
    role: Role,
}

impl Handle {
    /// Times one database operation and counts it by role and operation name.
    async fn observe<T>(
        &self,
        op: &'static str,
        fut: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, StoreError> {
        let role = self.role;
        let started = Instant::now();
        let result = fut.await;
        let outcome = if result.is_ok() { "ok" } else { "error" };
        metrics::counter!("expire_bot_db_operations_total", "role" => role.as_str(), "op" => op, "outcome" => outcome).increment(1);
        metrics::histogram!("expire_bot_db_operation_seconds", "role" => role.as_str(), "op" => op)
            .record(started.elapsed().as_secs_f64());
        result.map_err(|e| StoreError::from_sqlx(role, e))
    }

    fn backend(&self) -> Backend {
        match self.pool {
            Pool::Pg(_) => Backend::Postgres,
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::MySql(_) => Backend::MySql,
        }
    }

    async fn close(&self) {
        on_pool!(self, p => p.close().await, mysql: m => m.pool.close().await)
    }
}

/// The primary: every write, the bot's own tables, and the one transaction that touches
/// the company's policy table.
#[derive(Clone, Debug)]
pub struct Primary {
    h: Handle,
    /// The database's clock as an offset from this machine's, and when it was measured
    /// ([`Primary::now`]).
    clock: std::sync::Arc<std::sync::Mutex<Option<(Instant, chrono::TimeDelta)>>>,
}

/// How long a measured offset between this machine's clock and the database's is used
/// before it is measured again.
const CLOCK_FRESH: Duration = Duration::from_secs(60);

/// The read replica: every rider and policy lookup. It has no write operation.
#[derive(Clone, Debug)]
pub struct Replica {
    h: Handle,
}

impl Primary {
    pub fn backend(&self) -> Backend {
        self.h.backend()
    }

    /// The database's clock (PostgreSQL's `now()`, MySQL's `UTC_TIMESTAMP(6)`). Every time
    /// that decides something — when a request was filed and until when it waits, whether
    /// it is past that, when it was decided — is read here, so instances whose clocks
    /// disagree still agree on every request. It costs no round trip on the request's path:
    /// the offset between this machine's clock and the database's is measured at most once
    /// a minute (half the round trip is the error, milliseconds) and applied to this
    /// machine's clock. SQLite runs in this process, on this machine's clock: there it is
    /// that clock.
    pub async fn now(&self) -> Result<chrono::DateTime<chrono::Utc>, StoreError> {
        if let Ok(c) = self.clock.lock()
            && let Some((at, offset)) = *c
            && at.elapsed() < CLOCK_FRESH
        {
            return Ok(chrono::Utc::now() + offset);
        }
        let before = chrono::Utc::now();
        let theirs: chrono::DateTime<chrono::Utc> = match &self.h.pool {
            Pool::Pg(p) => {
                self.h
                    .observe("clock", sqlx::query_scalar("SELECT now()").fetch_one(p))
                    .await?
            }
            Pool::Sqlite(_) => return Ok(chrono::Utc::now()),
            Pool::MySql(m) => self.h.observe("clock", mysql::now(m)).await?,
        };
        let after = chrono::Utc::now();
        let midpoint = before + (after - before) / 2;
        if let Ok(mut c) = self.clock.lock() {
            *c = Some((Instant::now(), theirs - midpoint));
        }
        Ok(theirs)
    }

    pub async fn close(&self) {
        self.h.close().await
    }
}

impl Replica {
    pub fn backend(&self) -> Backend {
        self.h.backend()
    }

    pub async fn close(&self) {
        self.h.close().await
    }
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
    pub primary: Primary,
    pub replica: Replica,
}

impl Store {
    /// Opens both pools lazily: a server that is down at start-up is reported by `/readyz`
    /// and `check-config`, not by a crash loop.
    pub fn open(cfg: &StoreConfig) -> anyhow::Result<Store> {
        let primary_url = cfg
            .primary_url
            .as_ref()
            .map(|u| u.expose_secret().to_owned())
            .unwrap_or_else(|| format!("sqlite://{DEFAULT_SQLITE_FILE}"));
        let replica_url = cfg
            .replica_url
            .as_ref()
            .map(|u| u.expose_secret().to_owned())
            .unwrap_or_else(|| primary_url.clone());
        Ok(Store {
            primary: Primary {
                h: open_pool(&primary_url, Role::Primary, cfg.max_connections)?,
                clock: Default::default(),
            },
            replica: Replica {
                h: open_pool(&replica_url, Role::Replica, cfg.max_connections)?,
            },
        })
    }

    pub fn backend(&self) -> Backend {
        self.primary.backend()
    }

    /// Applies `migrations/` for the primary's dialect.
    ///
    /// This runs on a connection of its own without the serving timeouts: building an
    /// index on the company's large tables takes minutes, not the two seconds an approval
    /// may take.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match &self.primary.h.pool {
            Pool::Pg(p) => {
                use sqlx::Connection;
                let opts = (*p.connect_options())
                    .clone()
                    .options([("statement_timeout", "0"), ("lock_timeout", "0")]);
                let mut conn = sqlx::PgConnection::connect_with(&opts).await?;
                sqlx::migrate!("migrations/postgres").run(&mut conn).await?;
                conn.close().await?;
            }
            Pool::Sqlite(p) => {
                // Also a connection of its own: the pool's acquire timeout is sized for
                // answering Slack, and opening a fresh file on a loaded machine (a pod
                // starting beside others, CI) can take longer than that.
                use sqlx::Connection;
                let mut conn = sqlx::SqliteConnection::connect_with(&p.connect_options()).await?;
                sqlx::migrate!("migrations/sqlite").run(&mut conn).await?;
                conn.close().await?;
            }
            Pool::MySql(m) => mysql::migrate(m).await?,
        }
        Ok(())
    }

    pub async fn close(&self) {
        self.primary.close().await;
        self.replica.close().await;
    }
}

fn open_pool(url: &str, role: Role, max_connections: u32) -> anyhow::Result<Handle> {
    let acquire = match role {
        Role::Primary => Duration::from_millis(1500),
        Role::Replica => Duration::from_millis(1000),
    };
    let pool = if url.starts_with("mysql:") {
        Pool::MySql(mysql::open(url, role, max_connections, acquire)?)
    } else if url.starts_with("sqlite:") {
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
        Pool::Sqlite(
            SqlitePoolOptions::new()
                .max_connections(max_connections.max(1))
                .acquire_timeout(acquire)
                .connect_lazy_with(opts),
        )
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
        Pool::Pg(
            PgPoolOptions::new()
                .max_connections(max_connections)
                .min_connections(0)
                .acquire_timeout(acquire)
                .idle_timeout(Duration::from_secs(300))
                .connect_lazy_with(opts),
        )
    };
    Ok(Handle { pool, role })
}
