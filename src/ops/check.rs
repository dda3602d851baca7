//! `expire-bot check-config`: a pre-flight checklist for a deployment, one line per item,
//! each either `ok` or what to fix.
//!
//! It reads the environment exactly as `serve` would, then reaches everything `serve`
//! needs: both databases (and proves the replica handle refuses writes, with a probe that
//! is rolled back), the schema, and Slack — the bot token (`auth.test`), the bot's
//! membership of the approval channel (`conversations.info`), the approvers' user group
//! (`usergroups.users.list`), and in Socket Mode the app-level token. Nothing is changed
//! anywhere: no migration, no message, no file created. The point is that an operator fixes
//! a bad deployment in one round, before the first agent runs into it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use secrecy::ExposeSecret;

use crate::config::{Config, Mode};
use crate::domain::{RiderId, RiderQuery};
use crate::slack::api::{SlackApi, SlackCallError};
use crate::store::{self, Backend, DEFAULT_SQLITE_FILE, Store, StoreConfig, WriteProbe};

/// How long any one database check may take.
const DB_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// The verdict on one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Something to fix, said as what to do.
    Fix,
    /// Not checked, because an earlier item failed.
    Skipped,
    /// Works, but weakens a safeguard: said so, and not counted as a problem.
    Warn,
}

/// One line of the checklist.
#[derive(Debug, Clone)]
pub struct Item {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
}

impl Item {
    fn ok(name: &'static str, detail: impl Into<String>) -> Item {
        Item {
            name,
            status: Status::Ok,
            detail: detail.into(),
        }
    }

    fn fix(name: &'static str, detail: impl Into<String>) -> Item {
        Item {
            name,
            status: Status::Fix,
            detail: detail.into(),
        }
    }

    fn warn(name: &'static str, detail: impl Into<String>) -> Item {
        Item {
            name,
            status: Status::Warn,
            detail: detail.into(),
        }
    }

    fn skipped(name: &'static str, why: &str) -> Item {
        Item {
            name,
            status: Status::Skipped,
            detail: why.to_owned(),
        }
    }
}

/// The checklist as printed: one line per item.
pub fn render(items: &[Item]) -> String {
    let mut out = String::new();
    for i in items {
        let tag = match i.status {
            Status::Ok => "ok  ",
            Status::Fix => "FIX ",
            Status::Skipped => "skip",
            Status::Warn => "warn",
        };
        out.push_str(&format!("[{tag}] {}: {}\n", i.name, i.detail));
    }
    out
}

/// Reads the process environment, runs the checklist, prints it; exit 0 only if all is ok.
pub async fn main() -> ExitCode {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let items = run(|k| std::env::var(k).ok()).await;
    println!("expire-bot check-config");
    print!("{}", render(&items));
    let problems = items
        .iter()
        .filter(|i| !matches!(i.status, Status::Ok | Status::Warn))
        .count();
    let warnings = items.iter().filter(|i| i.status == Status::Warn).count();
    if problems == 0 {
        let checks = items.len() - warnings;
        match warnings {
            0 => println!("all {checks} checks passed"),
            n => println!("all {checks} checks passed ({n} warning(s): see the lines marked warn)"),
        }
        ExitCode::SUCCESS
    } else {
        let fixes = items.iter().filter(|i| i.status == Status::Fix).count();
        println!("{fixes} problem(s) to fix");
        eprintln!("expire-bot: check-config found {fixes} problem(s); see the lines marked FIX");
        ExitCode::FAILURE
    }
}

/// Runs every check against the variables `get` returns.
pub async fn run(get: impl Fn(&str) -> Option<String>) -> Vec<Item> {
    let config = match Config::from_lookup(Mode::CheckConfig, get) {
        Ok(c) => c,
        Err(errors) => {
            let mut items: Vec<Item> = errors
                .0
                .into_iter()
                .map(|p| Item::fix("environment", p))
                .collect();
            for name in [
                "primary database",
                "replica database",
                "slack token",
                "approval channel",
                "approvers",
            ] {
                items.push(Item::skipped(name, "fix the environment first"));
            }
            return items;
        }
    };
    let w = &config.workflow;
    let span = |d: std::time::Duration| {
        let s = d.as_secs();
        match s {
            s if s >= 86_400 && s % 86_400 == 0 => format!("{}d", s / 86_400),
            s if s >= 3600 && s % 3600 == 0 => format!("{}h", s / 3600),
            s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
            s => format!("{s}s"),
        }
    };
    let mut items = vec![Item::ok(
        "environment",
        format!(
            "all variables parsed; {} mode, health and metrics on {}; Slack texts in {} (UI_LANGUAGE={}); \
             {} approval(s) per request{}; reminder {}",
            if config.socket_mode() {
                "Socket Mode"
            } else {
                "HTTP"
            },
            config.bind_addr,
            config.ui_language.english_name(),
            config.ui_language.code(),
            w.approvals_required,
            w.second_approval_backdate
                .map(|d| format!(", one more for a cancellation time over {} back", span(d)))
                .unwrap_or_default(),
            w.remind_after
                .map(|d| format!("after {}", span(d)))
                .unwrap_or_else(|| "off".to_owned()),
        ),
    )];
    items.extend(warnings(&config));
    items.extend(check_databases(&config).await);
    items.extend(check_slack(&config).await);
    items
}

/// What works but weakens a safeguard (issue 12): anyone may look riders up, a database
/// connection that may go unencrypted, the Web API over plain HTTP. Never prints a URL's
/// password: only variable names and the setting at fault.
fn warnings(config: &Config) -> Vec<Item> {
    let mut out = Vec::new();
    if config.requester_user_ids.is_empty() && config.requester_usergroup_id.is_none() {
        out.push(Item::warn(
            "requesters",
            format!(
                "REQUESTER_USER_IDS and REQUESTER_USERGROUP_ID are unset, so every full member of the workspace may look riders up and file requests (guests and other workspaces are refused; each person may run {} lookups per {} s). Set one of them to the CX team.",
                config.lookup_limit.max,
                config.lookup_limit.per.as_secs()
            ),
        ));
    }
    for (var, url) in [
        ("DATABASE_URL", &config.database_url),
        ("DATABASE_REPLICA_URL", &config.database_replica_url),
    ] {
        if let Some(url) = url
            && let Some(why) = tls_not_required(url.expose_secret())
        {
            out.push(Item::warn(
                "database TLS",
                format!("{var} does not require TLS ({why}): add sslmode=verify-full (PostgreSQL) or ssl-mode=VERIFY_IDENTITY (MySQL), with the server's CA."),
            ));
        }
    }
    if let Ok(u) = url::Url::parse(&config.slack_api_url)
        && u.scheme() == "http"
        && !is_loopback(u.host_str().unwrap_or(""))
    {
        out.push(Item::warn(
            "slack api url",
            "SLACK_API_URL is plain http:// to a host that is not this machine: the bot token and every message would cross the network unencrypted. Use https://.",
        ));
    }
    out
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Why a PostgreSQL or MySQL URL lets the connection go unencrypted (`None`: it requires
/// TLS, or it is SQLite, a Unix socket or this machine).
fn tls_not_required(raw: &str) -> Option<String> {
    let u = url::Url::parse(raw).ok()?;
    let host = u.host_str().unwrap_or("");
    if host.is_empty() || host.starts_with('/') || is_loopback(host) {
        return None;
    }
    let param = |names: &[&str]| {
        u.query_pairs()
            .find(|(k, _)| names.iter().any(|n| k.eq_ignore_ascii_case(n)))
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    match u.scheme() {
        "postgres" | "postgresql" => match param(&["sslmode"]) {
            Some(m) if matches!(m.as_str(), "require" | "verify-ca" | "verify-full") => None,
            Some(m) => Some(format!("sslmode={m}")),
            None => Some("no sslmode, which means prefer".to_owned()),
        },
        "mysql" | "mariadb" => match param(&["ssl-mode", "sslmode"]) {
            Some(m) if matches!(m.as_str(), "required" | "verify_ca" | "verify_identity") => None,
            Some(m) => Some(format!("ssl-mode={m}")),
            None => Some("no ssl-mode, which means preferred".to_owned()),
        },
        _ => None,
    }
}

/// The path of an SQLite URL's file (`sqlite://x.db`, `sqlite:x.db?mode=rwc`).
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

async fn timed<T>(fut: impl Future<Output = Result<T, store::StoreError>>) -> Result<T, String> {
    match tokio::time::timeout(DB_CHECK_TIMEOUT, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(crate::telemetry::chain(&e)),
        Err(_) => Err(format!("no answer within {} s", DB_CHECK_TIMEOUT.as_secs())),
    }
}

async fn check_databases(config: &Config) -> Vec<Item> {
    let embedded = config.database_url.is_none();
    let primary_url = config
        .database_url
        .as_ref()
        .map(|u| u.expose_secret().to_owned())
        .unwrap_or_else(|| format!("sqlite://{DEFAULT_SQLITE_FILE}"));
    // Never create a database file: report that it is missing instead.
    if let Some(path) = sqlite_path(&primary_url)
        && !path.exists()
    {
        let primary = if embedded {
            Item::ok(
                "primary database",
                format!(
                    "embedded default: {} does not exist yet; `serve` creates, migrates and seeds it on start",
                    path.display()
                ),
            )
        } else {
            Item::fix(
                "primary database",
                format!(
                    "the SQLite file {} does not exist: check DATABASE_URL, or create it with `expire-bot migrate`",
                    path.display()
                ),
            )
        };
        return vec![
            primary,
            Item::skipped("replica database", "the primary's file does not exist yet"),
        ];
    }
    let store = match Store::open(&StoreConfig {
        primary_url: Some(primary_url.clone().into()),
        replica_url: config.database_replica_url.clone(),
        max_connections: 1,
    }) {
        Ok(s) => s,
        Err(e) => {
            return vec![
                Item::fix("primary database", format!("{e:#}")),
                Item::skipped("replica database", "the URLs could not be read"),
            ];
        }
    };
    // The replica first: the primary's write probe writes WAL (an aborted transaction),
    // and a replica still replaying it would report a misleading lag.
    let replica = check_replica(&store, config.database_replica_url.is_some()).await;
    let items = vec![check_primary(&store, embedded).await, replica];
    store.close().await;
    items
}

async fn check_primary(store: &Store, embedded: bool) -> Item {
    const NAME: &str = "primary database";
    if let Err(e) = timed(store.primary.ping()).await {
        return Item::fix(
            NAME,
            format!(
                "cannot reach it ({e}): check DATABASE_URL's host, port, user, password and database name, and that the server is up"
            ),
        );
    }
    let backend = store.backend();
    if let Ok(Some(true)) = timed(store.primary.in_recovery()).await {
        return Item::fix(
            NAME,
            if backend == Backend::MySql {
                "DATABASE_URL points at a read-only server (read_only or innodb_read_only is on: a replica or an Aurora reader, so every write would fail): point it at the primary (the writer endpoint)"
            } else {
                "DATABASE_URL points at a standby (it is in recovery, so every write would fail): point it at the primary"
            },
        );
    }
    match timed(store.primary.probe_write()).await {
        Ok(WriteProbe::Accepted) => {}
        Ok(WriteProbe::Refused(why)) => {
            return Item::fix(
                NAME,
                format!(
                    "it refuses writes (\"{why}\"): DATABASE_URL must be the writable primary, with a user allowed to write"
                ),
            );
        }
        Err(e) => {
            // MySQL's probe writes a table of the bot's own (see store::probe): on a
            // database never migrated, the missing schema is the thing to fix.
            if let Ok(pending) = store.primary.pending_migrations().await
                && !pending.is_empty()
            {
                return Item::fix(
                    NAME,
                    format!(
                        "reachable, but {} migration(s) are not applied ({}): run `expire-bot migrate`",
                        pending.len(),
                        pending.join(", ")
                    ),
                );
            }
            return Item::fix(NAME, format!("the write probe failed: {e}"));
        }
    }
    let what = match backend {
        Backend::Postgres => "reachable PostgreSQL primary, accepts writes",
        Backend::Sqlite => "reachable SQLite file, writable",
        Backend::MySql => "reachable MySQL-family primary, accepts writes",
    };
    match store
        .primary
        .pending_migrations()
        .await
        .map_err(|e| crate::telemetry::chain(&e))
    {
        Ok(pending) if pending.is_empty() => {
            Item::ok(NAME, format!("{what}; every migration is applied"))
        }
        Ok(pending) if embedded => Item::ok(
            NAME,
            format!(
                "{what}; {} migration(s) pending, which `serve` applies itself on the embedded default",
                pending.len()
            ),
        ),
        Ok(pending) => Item::fix(
            NAME,
            format!(
                "{what}, but {} migration(s) are not applied ({}): run `expire-bot migrate`",
                pending.len(),
                pending.join(", ")
            ),
        ),
        Err(e) => Item::fix(NAME, format!("{what}, but its schema cannot be read: {e}")),
    }
}

async fn check_replica(store: &Store, separate: bool) -> Item {
    const NAME: &str = "replica database";
    if let Err(e) = timed(store.replica.ping()).await {
        let url = if separate {
            "DATABASE_REPLICA_URL"
        } else {
            "DATABASE_URL (the replica defaults to the primary, opened read-only)"
        };
        return Item::fix(
            NAME,
            format!("cannot reach it ({e}): check {url}, and that the server is up"),
        );
    }
    let refused = match timed(store.replica.probe_write()).await {
        Ok(WriteProbe::Refused(why)) => why,
        Ok(WriteProbe::Accepted) => {
            return Item::fix(
                NAME,
                "the replica handle ACCEPTED a write (rolled back): lookups must run on a read-only handle; report this as a bug",
            );
        }
        Err(e) => return Item::fix(NAME, format!("the write probe failed: {e}")),
    };
    // The lookup's own tables must be there: run the real lookup for a rider that cannot exist.
    if let Err(e) = timed(
        store
            .replica
            .find_rider_policies(&RiderQuery::RiderId(RiderId(-1))),
    )
    .await
    {
        return Item::fix(
            NAME,
            format!(
                "reachable and read-only, but the rider lookup fails ({e}): it needs riders and hourly_insurance_policies"
            ),
        );
    }
    let mysql = store.backend() == Backend::MySql;
    let standby = match timed(store.replica.in_recovery()).await {
        Ok(Some(true)) => {
            let lag = match timed(store.replica.replica_lag_seconds()).await {
                Ok(Some(l)) => format!(", replication lag {l:.1} s"),
                // MySQL: neither the replica's status nor the heartbeat said (see
                // docs/RUNBOOK.md, "MySQL"); PostgreSQL always answers on a standby.
                Ok(None) if mysql => ", replication lag unknown: the user may not read SHOW REPLICA STATUS (grant it as docs/db-roles.mysql.sql does) and no bot instance has written the heartbeat yet".to_owned(),
                Ok(None) => String::new(),
                Err(e) => format!(", replication lag unreadable ({e})"),
            };
            if mysql {
                format!("a read-only replica{lag}")
            } else {
                format!("a streaming standby{lag}")
            }
        }
        Ok(Some(false)) => {
            "not a standby: read-only sessions on a writable server, so lookups load that server"
                .to_owned()
        }
        Ok(None) => "the SQLite file opened read-only".to_owned(),
        Err(e) => format!("recovery state unknown ({e})"),
    };
    Item::ok(
        NAME,
        format!("reachable and read-only (a probe write was refused: \"{refused}\"); {standby}"),
    )
}

/// What to do about a Slack error, in words.
fn slack_advice(e: &SlackCallError, scope: &str) -> String {
    match e {
        SlackCallError::Api { code, .. } => match code.as_str() {
            "invalid_auth" | "not_authed" | "account_inactive" | "token_revoked"
            | "token_expired" => {
                "Slack refuses the token: copy the current Bot User OAuth Token (xoxb-…) from OAuth & Permissions".to_owned()
            }
            "missing_scope" => format!(
                "the token lacks a scope: add {scope} under OAuth & Permissions → Scopes, then reinstall the app"
            ),
            other => format!("Slack answered `{other}`"),
        },
        SlackCallError::Transport { .. } => {
            "Slack cannot be reached: check SLACK_API_URL and the network/proxy".to_owned()
        }
        SlackCallError::Http { status, .. } => {
            format!("Slack answered HTTP {status}: check SLACK_API_URL")
        }
        SlackCallError::RateLimited { .. } => {
            "Slack rate-limited the check: run it again in a minute".to_owned()
        }
    }
}

async fn check_slack(config: &Config) -> Vec<Item> {
    let Some(token) = config.bot_token.clone() else {
        return vec![Item::fix("slack token", "SLACK_BOT_TOKEN is not set")];
    };
    let slack = match SlackApi::new(&config.slack_api_url, &token) {
        Ok(s) => s,
        Err(e) => return vec![Item::fix("slack token", format!("{e:#}"))],
    };
    let mut items = Vec::new();
    match slack.auth_test().await {
        Ok(me) => items.push(Item::ok(
            "slack token",
            format!(
                "auth.test: the bot is user {} in workspace {}",
                me.user_id, me.team
            ),
        )),
        Err(e) => {
            items.push(Item::fix("slack token", slack_advice(&e, "(none)")));
            items.push(Item::skipped("approval channel", "the token does not work"));
            items.push(Item::skipped("approvers", "the token does not work"));
            return items;
        }
    }

    let channel = &config.approval_channel_id;
    items.push(match slack.channel_info(channel).await {
        Ok(c) if c.is_archived => Item::fix(
            "approval channel",
            format!("{channel} is archived: unarchive it or choose another APPROVAL_CHANNEL_ID"),
        ),
        Ok(c) if c.is_member => Item::ok(
            "approval channel",
            format!(
                "the bot is a member of #{} ({channel})",
                c.name.unwrap_or_default()
            ),
        ),
        Ok(c) => Item::fix(
            "approval channel",
            format!(
                "the bot is not a member of #{} ({channel}): type `/invite @expire-bot` in that channel",
                c.name.unwrap_or_default()
            ),
        ),
        Err(SlackCallError::Api { code, .. }) if code == "channel_not_found" => Item::fix(
            "approval channel",
            format!(
                "{channel} was not found: check APPROVAL_CHANNEL_ID; a private channel is only visible once the bot is invited"
            ),
        ),
        Err(e) => Item::fix(
            "approval channel",
            slack_advice(&e, "channels:read (and groups:read for a private channel)"),
        ),
    });

    items.push(
        check_group(
            &slack,
            "approvers",
            config.approver_usergroup_id.as_deref(),
            &config.approver_user_ids,
            "APPROVER",
        )
        .await,
    );
    if config.requester_usergroup_id.is_some() || !config.requester_user_ids.is_empty() {
        items.push(
            check_group(
                &slack,
                "requesters",
                config.requester_usergroup_id.as_deref(),
                &config.requester_user_ids,
                "REQUESTER",
            )
            .await,
        );
    }

    if let Some(app_token) = &config.app_token {
        items.push(match slack.check_app_token(app_token).await {
            Ok(()) => Item::ok(
                "socket mode",
                "apps.connections.open accepts SLACK_APP_TOKEN",
            ),
            Err(e @ SlackCallError::Api { .. }) => Item::fix(
                "socket mode",
                format!(
                    "{}; SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write, and Socket Mode must be enabled for the app",
                    slack_advice(&e, "connections:write (on the app-level token)")
                ),
            ),
            Err(e) => Item::fix("socket mode", slack_advice(&e, "connections:write")),
        });
    }
    items
}

async fn check_group(
    slack: &SlackApi,
    name: &'static str,
    group: Option<&str>,
    ids: &[String],
    var: &str,
) -> Item {
    let listed = if ids.is_empty() {
        String::new()
    } else {
        format!("{} user ID(s) in {var}_USER_IDS", ids.len())
    };
    let Some(group) = group else {
        return Item::ok(name, listed);
    };
    match slack.usergroup_members(group).await {
        Ok(members) if members.is_empty() && ids.is_empty() => Item::fix(
            name,
            format!(
                "the user group {group} has no members, so nobody can act: add people to it, or set {var}_USER_IDS"
            ),
        ),
        Ok(members) => {
            let also = if listed.is_empty() {
                String::new()
            } else {
                format!(", plus {listed}")
            };
            Item::ok(
                name,
                format!(
                    "user group {group} resolves to {} member(s){also}",
                    members.len()
                ),
            )
        }
        Err(SlackCallError::Api { code, .. })
            if code == "no_such_subteam" || code == "subteam_not_found" =>
        {
            Item::fix(
                name,
                format!("the user group {group} does not exist: check {var}_USERGROUP_ID (S…)"),
            )
        }
        Err(e) => Item::fix(name, slack_advice(&e, "usergroups:read")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_that_may_go_unencrypted() {
        for (url, warned) in [
            ("postgres://u:p@db.example:5432/x", true),
            ("postgres://u:p@db.example/x?sslmode=prefer", true),
            ("postgres://u:p@db.example/x?sslmode=require", false),
            ("postgres://u:p@db.example/x?sslmode=verify-full", false),
            ("postgres://u:p@127.0.0.1/x", false),
            ("mysql://u:p@db.example/x", true),
            ("mysql://u:p@db.example/x?ssl-mode=VERIFY_IDENTITY", false),
            ("sqlite://x.db", false),
        ] {
            let why = tls_not_required(url);
            assert_eq!(why.is_some(), warned, "{url}: {why:?}");
            assert!(!why.unwrap_or_default().contains(":p@"));
        }
    }

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_path("sqlite://a/b.db"),
            Some(PathBuf::from("a/b.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:x.db?mode=rwc"),
            Some(PathBuf::from("x.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://h/db"), None);
    }

    #[tokio::test]
    async fn a_broken_environment_is_listed_item_by_item() {
        let items = run(|k| (k == "REQUEST_TTL").then(|| "soon".to_owned())).await;
        let text = render(&items);
        assert!(
            text.contains("[FIX ] environment: SLACK_BOT_TOKEN"),
            "{text}"
        );
        assert!(text.contains("REQUEST_TTL"), "{text}");
        assert!(text.contains("[skip] primary database"), "{text}");
        assert!(!items.iter().any(|i| i.status == Status::Ok));
    }

    #[tokio::test]
    async fn an_unknown_ui_language_is_a_line_to_fix() {
        let items = run(|k| (k == "UI_LANGUAGE").then(|| "xx".to_owned())).await;
        let text = render(&items);
        assert!(
            text.contains("[FIX ] environment: UI_LANGUAGE \"xx\" is not understood: use ko (Korean, the default) or en (English)."),
            "{text}"
        );
    }
}
