//! The MySQL family's backend: MySQL 8.0, Aurora MySQL 3 and MariaDB 10.11 (issue 16). Every
//! statement the bot runs on a `mysql://` database is here, one function per store
//! operation, called from that operation's `mysql:` arm of `on_pool!`; the operations
//! themselves (their names, metrics, errors) stay in the table-family modules above.
//!
//! The SQL is the subset both servers run (see docs/MYSQL.md):
//!
//! - `?` placeholders, bound in order (a value used twice is bound twice).
//! - No `RETURNING`: a new row's id is `LAST_INSERT_ID()`, a claimed row is read back inside
//!   the claiming transaction.
//! - No `ON CONFLICT DO NOTHING`: a plain `INSERT`, and the unique violation (ER_DUP_ENTRY,
//!   1062) is the "already there". `INSERT IGNORE` would also silence other errors, and
//!   `ON DUPLICATE KEY UPDATE` reports an existing row as affected (sqlx sets
//!   `CLIENT_FOUND_ROWS`), so neither can say whether this call inserted. A duplicate does
//!   not abort a MySQL transaction, so the statements after it still run.
//! - Affected rows are *matched* rows (`CLIENT_FOUND_ROWS`); every claim here changes the
//!   row it matches (`status = 'PENDING'` → something else), so matched is changed.
//! - Times are `DATETIME(6)` holding UTC, bound as `DateTime<Utc>`; the connection's
//!   `time_zone` is `'+00:00'`, so no server function ever converts them.
//! - Strings are read through `CAST(… AS CHAR)`: the bot's tables use `utf8mb4_bin`, and
//!   the server marks such columns BINARY, which sqlx will not decode as text. The cast
//!   yields the same characters in the connection's utf8mb4, and also covers a company
//!   schema whose own tables happen to use a `_bin` collation.
//!
//! Each connection is set up when it opens ([`open`]): the replica's session is
//! `READ ONLY`; statements are bounded like PostgreSQL's `statement_timeout`, by
//! `max_statement_time` on MariaDB (every statement) or `max_execution_time` on MySQL
//! (SELECTs), chosen by the server's version; the primary waits at most
//! `innodb_lock_wait_timeout` for a row lock.

pub mod digest;
mod outbox;
mod probe;
pub mod reads;
mod requests;
mod writes;

pub(super) use digest::{
    claim_digest_slot, count_withdrawn, digest_items_now, digest_run_exists, finish_digest,
    mark_digest_progress, release_digest_slot, save_digest_items, withdrawn_with_active_policy,
};
pub(super) use outbox::{
    claim_outbox, complete_outbox, due_outbox, fail_outbox, outbox_summary, queue_outbox,
    record_posted, retry_outbox_later,
};
pub(super) use probe::{BEAT_EVERY, beat, in_recovery, probe_write, replica_lag};
pub(super) use reads::{
    find_rider_policies, history_approvals, history_requests, history_riders, home_own,
    home_pending, last_digest,
};
pub(super) use requests::{
    approvals_of, approve, claim_due_reminders, file_request, get_request, pending_summary, reject,
    reminder_summary, time_out_expired, withdraw,
};
pub(super) use writes::{
    claim_event, home_viewers_since, load_form_state, note_home_viewer, now, record_digest_message,
    record_lookup, save_form_state, seed,
};

use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::mysql::{MySqlConnectOptions, MySqlDatabaseError, MySqlPool, MySqlPoolOptions};
use sqlx::{Connection, Executor};

use super::{PRIMARY_STATEMENT_TIMEOUT, REPLICA_STATEMENT_TIMEOUT, Role};

/// A pool, and what its server turned out to be when the first connection opened.
#[derive(Clone, Debug)]
pub(crate) struct MySql {
    pub(super) pool: MySqlPool,
    server: Arc<OnceLock<Server>>,
}

/// Which server of the family answered, from `SELECT VERSION()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Server {
    mariadb: bool,
    version: (u32, u32, u32),
}

impl Server {
    /// `8.0.36` (Aurora MySQL 3 reports its MySQL version here too),
    /// `10.11.14-MariaDB-0+deb12u2`, or with the `5.5.5-` prefix old MariaDB clients needed.
    fn parse(version: &str) -> Server {
        let mariadb = version.contains("MariaDB");
        let version = match version.strip_prefix("5.5.5-") {
            Some(rest) if mariadb => rest,
            _ => version,
        };
        let mut numbers = version
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<u32>().unwrap_or(0));
        let mut next = || numbers.next().unwrap_or(0);
        Server {
            mariadb,
            version: (next(), next(), next()),
        }
    }

    /// `SHOW REPLICA STATUS` exists from MariaDB 10.5.1 and MySQL 8.0.22; before that only
    /// `SHOW SLAVE STATUS`, which MySQL 8.4 no longer has.
    fn replica_status(self) -> &'static str {
        let new = if self.mariadb {
            self.version >= (10, 5, 1)
        } else {
            self.version >= (8, 0, 22)
        };
        if new {
            "SHOW REPLICA STATUS"
        } else {
            "SHOW SLAVE STATUS"
        }
    }

    /// The session setting that bounds a statement's run time: MariaDB's
    /// `max_statement_time` (seconds, every statement) or MySQL's `max_execution_time`
    /// (milliseconds, read-only SELECTs).
    fn statement_timeout(self, timeout: Duration) -> String {
        if self.mariadb {
            format!("max_statement_time = {:.3}", timeout.as_secs_f64())
        } else {
            format!("max_execution_time = {}", timeout.as_millis())
        }
    }

    /// `sql` bounded by `timeout` for this one statement (the digest's long scans): MariaDB's
    /// `SET STATEMENT … FOR`, MySQL's `MAX_EXECUTION_TIME` hint after the first `SELECT`.
    fn with_timeout(self, timeout: Duration, sql: &str) -> String {
        if self.mariadb {
            format!(
                "SET STATEMENT max_statement_time = {:.3} FOR {sql}",
                timeout.as_secs_f64()
            )
        } else {
            sql.replacen(
                "SELECT ",
                &format!("SELECT /*+ MAX_EXECUTION_TIME({}) */ ", timeout.as_millis()),
                1,
            )
        }
    }
}

impl MySql {
    /// The server of this pool, once a connection has opened (the after-connect hook
    /// records it); until then a MariaDB is assumed only where nothing depends on it.
    fn server(&self) -> Option<Server> {
        self.server.get().copied()
    }

    /// Makes sure a connection has opened, so [`Self::server`] is known.
    async fn known_server(&self) -> Result<Server, sqlx::Error> {
        if let Some(s) = self.server() {
            return Ok(s);
        }
        drop(self.pool.acquire().await?);
        self.server()
            .ok_or_else(|| sqlx::Error::Protocol("the server's version is unknown".into()))
    }
}

/// Opens a lazy pool for `role`; every connection is set up by the after-connect hook.
pub(super) fn open(
    url: &str,
    role: Role,
    max_connections: u32,
    acquire: Duration,
) -> anyhow::Result<MySql> {
    let opts = MySqlConnectOptions::from_str(url)
        .map_err(|_| anyhow::anyhow!("the {} MySQL URL is malformed", role.as_str()))?
        .charset("utf8mb4")
        // sqlx's default too; said here because every DATETIME the bot binds or reads
        // assumes it.
        .timezone(Some("+00:00".to_owned()));
    let server = Arc::new(OnceLock::new());
    let seen = server.clone();
    let pool = MySqlPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(0)
        .acquire_timeout(acquire)
        .idle_timeout(Duration::from_secs(300))
        .after_connect(move |conn, _meta| {
            let seen = seen.clone();
            Box::pin(async move {
                let version: String = sqlx::query_scalar("SELECT VERSION()")
                    .fetch_one(&mut *conn)
                    .await?;
                let server = Server::parse(&version);
                let _ = seen.set(server);
                let timeout = match role {
                    Role::Primary => PRIMARY_STATEMENT_TIMEOUT,
                    Role::Replica => REPLICA_STATEMENT_TIMEOUT,
                };
                // innodb_lock_wait_timeout is whole seconds (at least 1).
                let lock_wait = timeout.as_secs().max(1);
                conn.execute(
                    format!(
                        "SET SESSION {}, SESSION innodb_lock_wait_timeout = {lock_wait}, \
                         SESSION sql_mode = (SELECT CONCAT(@@SESSION.sql_mode, ',STRICT_TRANS_TABLES'))",
                        server.statement_timeout(timeout)
                    )
                    .as_str(),
                )
                .await?;
                if role == Role::Replica {
                    // Every transaction of this session, implicit ones included.
                    conn.execute("SET SESSION TRANSACTION READ ONLY").await?;
                }
                Ok(())
            })
        })
        .connect_lazy_with(opts);
    Ok(MySql { pool, server })
}

/// Applies `migrations/mysql` on a connection of its own, without the serving timeouts
/// (an online index build on the company's tables takes minutes).
pub(super) async fn migrate(m: &MySql) -> anyhow::Result<()> {
    let opts = (*m.pool.connect_options()).clone();
    let mut conn = sqlx::MySqlConnection::connect_with(&opts).await?;
    let version: String = sqlx::query_scalar("SELECT VERSION()")
        .fetch_one(&mut conn)
        .await?;
    let unbounded = Server::parse(&version).statement_timeout(Duration::ZERO);
    conn.execute(format!("SET SESSION {unbounded}").as_str())
        .await?;
    sqlx::migrate!("migrations/mysql").run(&mut conn).await?;
    conn.close().await?;
    Ok(())
}

/// MySQL's "unavailable" errors, by number (its SQLSTATEs are too coarse: `HY000` is
/// almost everything): a statement or lock wait that ran out of time, a server shutting
/// down or refusing connections. (Connection-level SQLSTATEs `08…` are caught by the
/// caller for every backend.)
pub(super) fn is_unavailable(e: &dyn DatabaseError) -> bool {
    let Some(e) = e.try_downcast_ref::<MySqlDatabaseError>() else {
        return false;
    };
    matches!(
        e.number(),
        1205 // ER_LOCK_WAIT_TIMEOUT (innodb_lock_wait_timeout)
        | 1969 // MariaDB ER_STATEMENT_TIMEOUT (max_statement_time)
        | 3024 // MySQL ER_QUERY_TIMEOUT (max_execution_time)
        | 1317 // ER_QUERY_INTERRUPTED
        | 1053 // ER_SERVER_SHUTDOWN
        | 1040 // ER_CON_COUNT_ERROR: too many connections
    )
}

/// Whether `e` is a unique violation: the "already there" of a plain `INSERT`.
fn is_duplicate(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.kind() == ErrorKind::UniqueViolation)
}

/// `CAST(col AS CHAR) AS alias`: a string column read as text whatever its collation.
macro_rules! text {
    ($col:literal) => {
        concat!("CAST(", $col, " AS CHAR) AS ", $col)
    };
    ($col:literal as $alias:literal) => {
        concat!("CAST(", $col, " AS CHAR) AS ", $alias)
    };
}
use text;

/// The columns of `expiry_requests` a `Request` is read from (`super::columns`'s list,
/// strings cast; never `*`, which would include the generated `pending_policy_id`).
const REQUEST_COLUMNS: &str = concat!(
    "id, policy_id, ",
    text!("requested_by"),
    ", ",
    text!("decided_by"),
    ", ",
    text!("status"),
    ", rider_id, ",
    text!("rider_name_masked"),
    ", ",
    text!("rider_phone_masked"),
    ", ",
    text!("rider_status"),
    ", ",
    text!("policy_number_masked"),
    ", ",
    text!("insurer"),
    ", cancelled_at, ",
    text!("reason"),
    ", requested_at, expires_at, decided_at, ",
    text!("decision_note"),
    ", ",
    text!("outcome"),
    ", ",
    text!("channel_id"),
    ", ",
    text!("message_ts"),
    ", approvals_required, approvals, backdated, remind_at, reminded_at",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_for_both_servers() {
        let maria = Server::parse("10.11.14-MariaDB-0+deb12u2-log");
        assert_eq!(
            maria,
            Server {
                mariadb: true,
                version: (10, 11, 14)
            }
        );
        assert_eq!(maria.replica_status(), "SHOW REPLICA STATUS");
        assert_eq!(Server::parse("5.5.5-10.4.2-MariaDB").version, (10, 4, 2));
        assert_eq!(
            Server::parse("10.4.2-MariaDB").replica_status(),
            "SHOW SLAVE STATUS"
        );
        let mysql = Server::parse("8.0.36");
        assert!(!mysql.mariadb);
        assert_eq!(mysql.replica_status(), "SHOW REPLICA STATUS");
        assert_eq!(
            Server::parse("8.0.21").replica_status(),
            "SHOW SLAVE STATUS"
        );
        assert_eq!(
            mysql.statement_timeout(Duration::from_millis(1500)),
            "max_execution_time = 1500"
        );
        assert_eq!(
            maria.statement_timeout(Duration::from_millis(1500)),
            "max_statement_time = 1.500"
        );
        assert_eq!(
            mysql.with_timeout(Duration::from_secs(10), "SELECT a FROM (SELECT b) t"),
            "SELECT /*+ MAX_EXECUTION_TIME(10000) */ a FROM (SELECT b) t"
        );
        assert_eq!(
            maria.with_timeout(Duration::from_secs(10), "SELECT 1"),
            "SET STATEMENT max_statement_time = 10.000 FOR SELECT 1"
        );
    }

    #[test]
    fn request_columns_cast_every_string() {
        assert!(REQUEST_COLUMNS.contains("CAST(requested_by AS CHAR) AS requested_by"));
        assert!(REQUEST_COLUMNS.contains("CAST(message_ts AS CHAR) AS message_ts"));
        assert!(REQUEST_COLUMNS.ends_with("remind_at, reminded_at"));
        assert!(!REQUEST_COLUMNS.contains("pending_policy_id"));
    }
}
