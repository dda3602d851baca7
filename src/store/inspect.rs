//! A window on the primary for `expire-bot demo` (test kit only): the rows the demo prints
//! after each step, read on a connection of their own, read-only and **uncounted**, so the
//! demo's closing summary of `expire_bot_db_operations_total` shows only what the bot did.
//!
//! It lives here, not in the demo, because this module holds all of the crate's SQL.

use std::str::FromStr;

use chrono::{DateTime, Utc};

use super::{Pool, Role, mysql};
use crate::domain::{PolicyId, RequestId, SlackUserId};

/// A request as the demo prints it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestView {
    pub id: RequestId,
    pub status: String,
    pub requested_by: SlackUserId,
    pub decided_by: Option<SlackUserId>,
    pub policy_id: PolicyId,
    pub rider_name_masked: String,
    pub rider_status: String,
    pub policy_number_masked: String,
    pub insurer: String,
    pub outcome: Option<String>,
    pub message_ts: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// A policy's state.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PolicyView {
    pub status: String,
    pub valid_until: Option<DateTime<Utc>>,
}

/// An audit record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditView {
    pub id: i64,
    pub event: String,
    pub actor: String,
    pub status_before: Option<String>,
    pub status_after: Option<String>,
    pub valid_until_after: Option<DateTime<Utc>>,
}

/// The demo's own read-only, uncounted connection to the primary.
pub struct Inspector {
    pool: Pool,
}

/// The same body on PostgreSQL and SQLite; MySQL's own statement (`?` placeholders, strings
/// cast: see `store::mysql`) on MySQL.
macro_rules! on_inspector {
    ($self:expr, $p:ident => $body:expr, mysql: $m:ident => $mbody:expr) => {
        match &$self.pool {
            Pool::Pg($p) => $body,
            Pool::Sqlite($p) => $body,
            Pool::MySql(m) => {
                let $m = &m.pool;
                $mbody
            }
        }
    };
}

impl Inspector {
    /// Opens one lazy connection to `primary_url` (read-only on SQLite and MySQL; on
    /// PostgreSQL the demo only ever reads through it).
    pub fn open(primary_url: &str) -> anyhow::Result<Inspector> {
        let pool = if primary_url.starts_with("mysql:") {
            // A replica-style session: READ ONLY, short statement timeout.
            Pool::MySql(mysql::open(
                primary_url,
                Role::Replica,
                1,
                std::time::Duration::from_secs(5),
            )?)
        } else if primary_url.starts_with("sqlite:") {
            let opts = sqlx::sqlite::SqliteConnectOptions::from_str(primary_url)?.read_only(true);
            Pool::Sqlite(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_lazy_with(opts),
            )
        } else {
            Pool::Pg(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect_lazy(primary_url)?,
            )
        };
        Ok(Inspector { pool })
    }

    /// Every request, oldest first.
    pub async fn requests(&self) -> Result<Vec<RequestView>, sqlx::Error> {
        let sql = "SELECT id, status, requested_by, decided_by, policy_id, rider_name_masked, rider_status, \
                   policy_number_masked, insurer, outcome, message_ts, cancelled_at \
                   FROM expiry_requests ORDER BY id";
        const MYSQL: &str = "SELECT id, CAST(status AS CHAR) AS status, CAST(requested_by AS CHAR) AS requested_by, \
                   CAST(decided_by AS CHAR) AS decided_by, policy_id, CAST(rider_name_masked AS CHAR) AS rider_name_masked, \
                   CAST(rider_status AS CHAR) AS rider_status, CAST(policy_number_masked AS CHAR) AS policy_number_masked, \
                   CAST(insurer AS CHAR) AS insurer, CAST(outcome AS CHAR) AS outcome, \
                   CAST(message_ts AS CHAR) AS message_ts, cancelled_at \
                   FROM expiry_requests ORDER BY id";
        on_inspector!(self, p => sqlx::query_as::<_, RequestView>(sql).fetch_all(p).await,
            mysql: m => sqlx::query_as::<_, RequestView>(MYSQL).fetch_all(m).await)
    }

    /// How many requests exist for these policies.
    pub async fn requests_for(&self, policies: &[PolicyId]) -> Result<i64, sqlx::Error> {
        let mut n = 0;
        for id in policies {
            let sql = "SELECT COUNT(*) FROM expiry_requests WHERE policy_id = $1";
            n += on_inspector!(self, p => sqlx::query_scalar::<_, i64>(sql).bind(*id).fetch_one(p).await,
                mysql: m => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM expiry_requests WHERE policy_id = ?")
                    .bind(*id).fetch_one(m).await)?;
        }
        Ok(n)
    }

    pub async fn policy(&self, id: PolicyId) -> Result<PolicyView, sqlx::Error> {
        let sql = "SELECT status, valid_until FROM hourly_insurance_policies WHERE id = $1";
        on_inspector!(self, p => sqlx::query_as::<_, PolicyView>(sql).bind(id).fetch_one(p).await,
            mysql: m => sqlx::query_as::<_, PolicyView>(
                "SELECT CAST(status AS CHAR) AS status, valid_until FROM hourly_insurance_policies WHERE id = ?",
            ).bind(id).fetch_one(m).await)
    }

    pub async fn audit(&self, request_id: RequestId) -> Result<Vec<AuditView>, sqlx::Error> {
        let sql = "SELECT id, event, actor, status_before, status_after, valid_until_after \
                   FROM expiry_audit WHERE request_id = $1 ORDER BY id";
        on_inspector!(self, p => sqlx::query_as::<_, AuditView>(sql).bind(request_id).fetch_all(p).await,
            mysql: m => sqlx::query_as::<_, AuditView>(
                "SELECT id, CAST(event AS CHAR) AS event, CAST(actor AS CHAR) AS actor, \
                 CAST(status_before AS CHAR) AS status_before, CAST(status_after AS CHAR) AS status_after, \
                 valid_until_after FROM expiry_audit WHERE request_id = ? ORDER BY id",
            ).bind(request_id).fetch_all(m).await)
    }

    /// Slack calls still owed by the outbox, and the last error recorded on one.
    pub async fn owed(&self) -> Result<(i64, Option<String>), sqlx::Error> {
        let sql = "SELECT COUNT(*), MAX(last_error) FROM slack_outbox WHERE done_at IS NULL";
        on_inspector!(self, p => sqlx::query_as::<_, (i64, Option<String>)>(sql).fetch_one(p).await,
            mysql: m => sqlx::query_as::<_, (i64, Option<String>)>(
                "SELECT COUNT(*), CAST(MAX(last_error) AS CHAR) FROM slack_outbox WHERE done_at IS NULL",
            ).fetch_one(m).await)
    }

    pub async fn close(&self) {
        on_inspector!(self, p => p.close().await, mysql: m => m.close().await)
    }
}
