//! `spawn_app()`: a real bot on port 0, a fresh database on the real PostgreSQL primary +
//! streaming replica or the real MariaDB primary + GTID replica started by
//! `scripts/test.sh` (or a fresh SQLite file), and a wiremock stand-in for the Slack Web
//! API. Tests talk to the bot only through signed HTTP requests shaped like Slack's, and
//! assert on the database and on what Slack received.
//!
//! A test that must hold on every server backend is written once, as
//! `async fn name(backend: Backend)`, and listed in [`per_backend!`], which makes it
//! `<module>::postgres::name` and `<module>::mysql::name`.
//!
//! The tests' own SQL is PostgreSQL's; [`AdminDb::sql`] turns it into MySQL's where the two
//! differ in what tests write (`$n` placeholders, `CAST(… AS BIGINT)`, `CAST(… AS TEXT)`,
//! the last being how a test reads one of the bot's strings on every backend).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use expire_bot::config::{Config, Mode};
use expire_bot::domain::{PolicyId, Request, RequestId};
use expire_bot::slack::verify::sign;
use expire_bot::startup::{self, Bot, Running};
use expire_bot::store::{Primary, Store, StoreConfig};
pub use expire_bot::testkit::stand_in::StrictSlack;
use serde_json::Value;
use sqlx::mysql::{MySqlPool, MySqlPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{PgPool, postgres::PgPoolOptions};

pub const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
pub const APPROVAL_CHANNEL: &str = "C0APPROVE";
pub const AGENT: &str = "U0AGENT";
pub const LEAD: &str = "U0LEAD1";
pub const LEAD2: &str = "U0LEAD2";
pub const GROUP_LEAD: &str = "U0GROUPLEAD";
pub const OUTSIDER: &str = "U0OUTSIDER";
pub const APPROVER_GROUP: &str = "S0LEADS";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
    /// The MariaDB 10.11 primary + replica of `scripts/mysql-cluster.sh`.
    Mysql,
}

/// Makes each listed `async fn name(backend: Backend)` a test per server backend:
/// `postgres::name` on the PostgreSQL pair, `mysql::name` on the MariaDB pair.
#[allow(unused_macros)] // test binaries that include this file without using it
macro_rules! per_backend {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::harness::Backend::Postgres).await
                }
            )*
        }
        mod mysql {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::harness::Backend::Mysql).await
                }
            )*
        }
    };
}
#[allow(unused_imports)]
pub(crate) use per_backend;

/// Runs the same body on whichever pool an [`AdminDb`] holds (write its SQL through
/// [`AdminDb::sql`]).
macro_rules! on_admin {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            AdminDb::Pg($p) => $body,
            AdminDb::Sqlite($p) => $body,
            AdminDb::MySql($p) => $body,
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on_admin;

/// Options for [`spawn_app_with`].
#[derive(Clone, Debug)]
pub struct Options {
    pub backend: Backend,
    pub ttl: &'static str,
    pub read_fallback: &'static str,
    /// Share this database instead of creating one (a second instance).
    pub database: Option<TestDb>,
    /// Share this Slack stand-in instead of creating one.
    pub slack: Option<Arc<StrictSlack>>,
    /// More environment variables for the bot.
    pub env: Vec<(&'static str, &'static str)>,
    /// Grant the primary role what `READ_FALLBACK=primary` needs to read there.
    pub fallback_grant: bool,
    /// Socket Mode: set `SLACK_APP_TOKEN` (and no signing secret, like a real Socket Mode
    /// deployment).
    pub app_token: Option<&'static str>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            backend: Backend::Postgres,
            ttl: "24h",
            read_fallback: "primary",
            database: None,
            slack: None,
            env: Vec::new(),
            fallback_grant: false,
            app_token: None,
        }
    }
}

/// One test's database: URLs of its primary and replica handles.
#[derive(Clone, Debug)]
#[allow(dead_code)] // read by some test modules only
pub struct TestDb {
    pub backend: Backend,
    /// What the bot gets: the least-privilege roles of `docs/db-roles.sql`.
    pub primary_url: String,
    pub replica_url: String,
    /// The tables' owner, for the tests' own setup and assertions.
    pub admin_url: String,
    /// The same owner on the replica (SQLite: the file).
    pub admin_replica_url: String,
    pub name: String,
    _dir: Option<Arc<tempfile::TempDir>>,
}

/// The tables' owner's own connection to one test database, for the tests' set-up and
/// assertions (raw SQL the bot's roles may not run).
#[derive(Clone, Debug)]
pub enum AdminDb {
    Pg(PgPool),
    Sqlite(SqlitePool),
    MySql(MySqlPool),
}

impl AdminDb {
    pub fn open(url: &str) -> AdminDb {
        if url.starts_with("mysql:") {
            AdminDb::MySql(
                MySqlPoolOptions::new()
                    .max_connections(4)
                    .connect_lazy(url)
                    .expect("mysql url"),
            )
        } else if url.starts_with("sqlite:") {
            let opts: SqliteConnectOptions = url.parse().expect("sqlite url");
            AdminDb::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_lazy_with(opts.busy_timeout(Duration::from_secs(5))),
            )
        } else {
            AdminDb::Pg(
                PgPoolOptions::new()
                    .max_connections(4)
                    .connect_lazy(url)
                    .expect("postgres url"),
            )
        }
    }

    pub async fn close(&self) {
        on_admin!(self, p => p.close().await)
    }

    /// Runs one statement (PostgreSQL's SQL, see [`AdminDb::sql`]).
    pub async fn exec(&self, sql: &str) {
        let sql = self.sql(sql);
        on_admin!(self, p => sqlx::query(&sql).execute(p).await.map(|_| ()))
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// `sql`, written as for PostgreSQL, in this database's dialect. On MySQL: `$1, $2, …`
    /// become `?` (they must appear in order, each once: `?` binds by position),
    /// `CAST(… AS BIGINT)` becomes `AS SIGNED` and `CAST(… AS TEXT)` `AS CHAR` — the
    /// latter is how a test reads one of the bot's strings everywhere, since MySQL marks
    /// the bot's `utf8mb4_bin` columns BINARY and sqlx then refuses them as text.
    pub fn sql<'a>(&self, sql: &'a str) -> Cow<'a, str> {
        if !matches!(self, AdminDb::MySql(_)) {
            return Cow::Borrowed(sql);
        }
        Cow::Owned(mysql_dialect(sql))
    }
}

/// See [`AdminDb::sql`].
pub fn mysql_dialect(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut expected = 1u32;
    let mut chars = sql.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|(_, d)| d.is_ascii_digit()) {
            let mut n = 0u32;
            while let Some((_, d)) = chars.peek().copied().filter(|(_, d)| d.is_ascii_digit()) {
                n = n * 10 + d.to_digit(10).unwrap_or(0);
                chars.next();
            }
            assert_eq!(
                n, expected,
                "MySQL binds `?` by position: ${n} at byte {i} of {sql:?} must be ${expected}"
            );
            expected += 1;
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out.replace(" AS BIGINT)", " AS SIGNED)")
        .replace(" AS TEXT)", " AS CHAR)")
}

#[allow(dead_code)]
pub struct TestApp {
    pub addr: String,
    pub app: Arc<Bot>,
    /// The owner's connection to the primary, for assertions the bot's role may not make.
    pub admin: AdminDb,
    /// The owner's store handle on the primary (seeding, reading requests as the store does).
    pub admin_store: Primary,
    pub slack: Arc<StrictSlack>,
    pub db: TestDb,
    pub http: reqwest::Client,
    running: Option<Running>,
}

fn env_or_panic(k: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| {
        panic!("{k} is not set: run the tests with scripts/test.sh, which starts the PostgreSQL and MariaDB primaries + replicas")
    })
}

static DB_COUNTER: AtomicU64 = AtomicU64::new(0);

fn with_db(url: &str, db: &str) -> String {
    match url.rfind('/') {
        Some(i) => format!("{}/{db}", &url[..i]),
        None => url.to_owned(),
    }
}

pub async fn admin_primary() -> PgPool {
    PgPoolOptions::new()
        .max_connections(4)
        .connect(&env_or_panic("TEST_PRIMARY_URL"))
        .await
        .expect("connect to the test primary")
}

/// Waits until the replica has replayed everything the primary has written so far.
pub async fn wait_for_replay() {
    let primary = PgPoolOptions::new()
        .max_connections(1)
        .connect(&env_or_panic("TEST_PRIMARY_URL"))
        .await
        .expect("primary");
    let replica = PgPoolOptions::new()
        .max_connections(1)
        .connect(&env_or_panic("TEST_REPLICA_URL"))
        .await
        .expect("replica");
    // The insert position, not pg_current_wal_lsn() (the write position): the test cluster
    // runs with synchronous_commit = off, so a just-committed transaction's commit record
    // may not be written yet, and waiting for the write position could return before it.
    let target: String = sqlx::query_scalar("SELECT pg_current_wal_insert_lsn()::text")
        .fetch_one(&primary)
        .await
        .expect("primary lsn");
    for _ in 0..600 {
        let caught_up: Option<bool> =
            sqlx::query_scalar("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn")
                .bind(&target)
                .fetch_one(&replica)
                .await
                .ok()
                .flatten();
        if caught_up == Some(true) {
            primary.close().await;
            replica.close().await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("replica did not replay {target} within 30 s");
}

/// Waits until the replica of `backend` has applied everything its primary has written so
/// far (nothing to wait for on SQLite).
pub async fn replicated(backend: Backend) {
    match backend {
        Backend::Postgres => wait_for_replay().await,
        Backend::Mysql => wait_for_mysql_replay().await,
        Backend::Sqlite => {}
    }
}

/// The MariaDB replica's `MASTER_GTID_WAIT` for the primary's binary-log position (what
/// `scripts/mysql-cluster.sh wait-replay` does).
pub async fn wait_for_mysql_replay() {
    let primary = MySqlPoolOptions::new()
        .max_connections(1)
        .connect(&env_or_panic("TEST_MYSQL_PRIMARY_URL"))
        .await
        .expect("mysql primary");
    let replica = MySqlPoolOptions::new()
        .max_connections(1)
        .connect(&env_or_panic("TEST_MYSQL_REPLICA_URL"))
        .await
        .expect("mysql replica");
    let pos: String = sqlx::query_scalar("SELECT CAST(@@GLOBAL.gtid_binlog_pos AS CHAR)")
        .fetch_one(&primary)
        .await
        .expect("primary gtid position");
    let waited: i64 = sqlx::query_scalar("SELECT CAST(MASTER_GTID_WAIT(?, 30) AS SIGNED)")
        .bind(&pos)
        .fetch_one(&replica)
        .await
        .expect("MASTER_GTID_WAIT");
    assert_eq!(
        waited, 0,
        "the replica did not apply up to {pos} within 30 s"
    );
    primary.close().await;
    replica.close().await;
}

/// Role set-up touches cluster-wide catalogs; concurrent runs would trip over each other.
pub static ROLES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
/// The same for the MySQL users (server-wide, like PostgreSQL's roles).
pub static MYSQL_ROLES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The password docs/db-roles.mysql.sql gives each MySQL user in the tests.
pub const MYSQL_PRIMARY_PASSWORD: &str = "test-primary";
pub const MYSQL_REPLICA_PASSWORD: &str = "test-replica";

/// Host and port of a `mysql://user@host:port/db` URL.
pub fn mysql_host_port(url: &str) -> (String, String) {
    let u = url::Url::parse(url).expect("mysql url");
    (
        u.host_str().unwrap_or("127.0.0.1").to_owned(),
        u.port().unwrap_or(3306).to_string(),
    )
}

/// Applies `docs/db-roles.mysql.sql` to the database of `admin_url` with the mariadb
/// client, exactly as docs/MYSQL.md tells an operator to: the passwords set first, then the
/// file, on the primary, in the bot's database. `sets` is the `SET` line (empty: none, to
/// see the file refuse). Returns the client's output.
pub fn run_mysql_roles(admin_url: &str, sets: &str) -> std::process::Output {
    use std::io::Write;
    let (host, port) = mysql_host_port(admin_url);
    let db = admin_url.rsplit('/').next().unwrap_or_default().to_owned();
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/db-roles.mysql.sql");
    let mut script = sets.to_owned();
    script.push('\n');
    script.push_str(&std::fs::read_to_string(file).expect("docs/db-roles.mysql.sql"));
    let mut child = std::process::Command::new("mariadb")
        .args([
            "--no-defaults",
            "--protocol=tcp",
            "-h",
            &host,
            "-P",
            &port,
            "-u",
            "root",
        ])
        .arg(&db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the mariadb client runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("script written");
    child.wait_with_output().expect("mariadb finishes")
}

/// The `SET` line an operator types before `docs/db-roles.mysql.sql`.
pub fn mysql_role_passwords(fallback: bool) -> String {
    format!(
        "SET @primary_password = '{MYSQL_PRIMARY_PASSWORD}', @replica_password = '{MYSQL_REPLICA_PASSWORD}'{};",
        if fallback {
            ", @read_fallback_on_primary = 1"
        } else {
            ""
        }
    )
}

async fn apply_mysql_roles(admin_url: &str, fallback: bool) {
    let _guard = MYSQL_ROLES.lock().await;
    let url = admin_url.to_owned();
    let out =
        tokio::task::spawn_blocking(move || run_mysql_roles(&url, &mysql_role_passwords(fallback)))
            .await
            .expect("join");
    assert!(
        out.status.success(),
        "docs/db-roles.mysql.sql failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `mysql://root@host:port/db` as one of the bot's MySQL users.
pub fn as_mysql_user(url: &str, user: &str, password: &str) -> String {
    url.replacen("mysql://root@", &format!("mysql://{user}:{password}@"), 1)
}

/// Applies `docs/db-roles.sql` to one database with psql, exactly as an operator would.
async fn apply_roles(admin_url: &str, fallback: bool) {
    let _guard = ROLES.lock().await;
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/db-roles.sql");
    let out = tokio::process::Command::new("psql")
        .arg(admin_url)
        .args([
            "-q",
            "-v",
            "primary_password=test-primary",
            "-v",
            "replica_password=test-replica",
        ])
        .args(if fallback {
            &["-v", "read_fallback_on_primary=1"][..]
        } else {
            &[][..]
        })
        .args(["-f", file])
        .output()
        .await
        .expect("psql runs");
    assert!(
        out.status.success(),
        "docs/db-roles.sql failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn as_role(url: &str, role: &str) -> String {
    url.replacen("postgres://postgres@", &format!("postgres://{role}@"), 1)
}

/// A fresh, migrated, seeded database; the bot's roles have no lookup rights on the primary.
pub async fn fresh_db(backend: Backend) -> TestDb {
    fresh_db_with(backend, false).await
}

/// As [`fresh_db`]; `fallback` also grants what `READ_FALLBACK=primary` needs on the primary.
pub async fn fresh_db_with(backend: Backend, fallback: bool) -> TestDb {
    let n = DB_COUNTER.fetch_add(1, Ordering::SeqCst);
    let name = format!("it_{}_{}", std::process::id(), n);
    match backend {
        Backend::Postgres => {
            let admin = admin_primary().await;
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .expect("create test database");
            admin.close().await;
            let primary_url = with_db(&env_or_panic("TEST_PRIMARY_URL"), &name);
            let replica_url = with_db(&env_or_panic("TEST_REPLICA_URL"), &name);
            let store = Store::open(&StoreConfig {
                primary_url: Some(primary_url.clone().into()),
                replica_url: Some(replica_url.clone().into()),
                max_connections: 2,
            })
            .expect("open store");
            store.migrate().await.expect("migrate");
            store
                .primary
                .seed_demo_if_empty(Utc::now())
                .await
                .expect("seed");
            store.close().await;
            apply_roles(&primary_url, fallback).await;
            wait_for_replay().await;
            TestDb {
                backend,
                admin_url: primary_url.clone(),
                admin_replica_url: replica_url.clone(),
                primary_url: as_role(&primary_url, "expire_bot_primary"),
                replica_url: as_role(&replica_url, "expire_bot_replica"),
                name,
                _dir: None,
            }
        }
        Backend::Mysql => {
            let admin = MySqlPoolOptions::new()
                .max_connections(1)
                .connect(&env_or_panic("TEST_MYSQL_PRIMARY_URL"))
                .await
                .expect("connect to the MySQL test primary");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .expect("create test database");
            admin.close().await;
            let primary_url = with_db(&env_or_panic("TEST_MYSQL_PRIMARY_URL"), &name);
            let replica_url = with_db(&env_or_panic("TEST_MYSQL_REPLICA_URL"), &name);
            let store = Store::open(&StoreConfig {
                primary_url: Some(primary_url.clone().into()),
                replica_url: None,
                max_connections: 2,
            })
            .expect("open store");
            store.migrate().await.expect("migrate");
            store
                .primary
                .seed_demo_if_empty(Utc::now())
                .await
                .expect("seed");
            store.close().await;
            apply_mysql_roles(&primary_url, fallback).await;
            wait_for_mysql_replay().await;
            TestDb {
                backend,
                admin_url: primary_url.clone(),
                admin_replica_url: replica_url.clone(),
                primary_url: as_mysql_user(
                    &primary_url,
                    "expire_bot_primary",
                    MYSQL_PRIMARY_PASSWORD,
                ),
                replica_url: as_mysql_user(
                    &replica_url,
                    "expire_bot_replica",
                    MYSQL_REPLICA_PASSWORD,
                ),
                name,
                _dir: None,
            }
        }
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let file = dir.path().join("expire-bot.db");
            let primary_url = format!("sqlite://{}", file.display());
            let store = Store::open(&StoreConfig {
                primary_url: Some(primary_url.clone().into()),
                replica_url: None,
                max_connections: 2,
            })
            .expect("open store");
            store.migrate().await.expect("migrate");
            store
                .primary
                .seed_demo_if_empty(Utc::now())
                .await
                .expect("seed");
            store.close().await;
            TestDb {
                backend,
                replica_url: primary_url.clone(),
                admin_url: primary_url.clone(),
                admin_replica_url: primary_url.clone(),
                primary_url,
                name,
                _dir: Some(Arc::new(dir)),
            }
        }
    }
}

/// The strict Slack stand-in (see `expire_bot::testkit::stand_in`): refuses what Slack
/// refuses, records it, and fails the test. The approver group has one member.
pub async fn slack_stand_in() -> Arc<StrictSlack> {
    Arc::new(StrictSlack::start(&[GROUP_LEAD]).await)
}

/// Mounts the healthy answers (again after a `reset()`, when Slack "comes back").
pub async fn mount_slack_ok(server: &StrictSlack) {
    server.mount_healthy().await;
}

pub fn config_for(db: &TestDb, slack_url: &str, opts: &Options) -> Config {
    let mut vars: HashMap<&str, String> = HashMap::new();
    match opts.app_token {
        Some(token) => vars.insert("SLACK_APP_TOKEN", token.into()),
        None => vars.insert("SLACK_SIGNING_SECRET", SECRET.into()),
    };
    vars.insert("SLACK_BOT_TOKEN", "xoxb-test-token".into());
    vars.insert("SLACK_API_URL", format!("{slack_url}/api"));
    vars.insert("APPROVAL_CHANNEL_ID", APPROVAL_CHANNEL.into());
    vars.insert("APPROVER_USER_IDS", format!("{LEAD},{LEAD2},{AGENT}"));
    vars.insert("APPROVER_USERGROUP_ID", APPROVER_GROUP.into());
    vars.insert("DATABASE_URL", db.primary_url.clone());
    if db.replica_url != db.primary_url {
        vars.insert("DATABASE_REPLICA_URL", db.replica_url.clone());
    }
    vars.insert("REQUEST_TTL", opts.ttl.into());
    vars.insert("READ_FALLBACK", opts.read_fallback.into());
    vars.insert("DISPLAY_TZ", "Asia/Seoul".into());
    // English unless a test asks for Korean (`env: [("UI_LANGUAGE", "ko")]`): most tests
    // assert on today's English wording; the per-language tests set it explicitly, and
    // `i18n::korean_by_default` checks that an unset UI_LANGUAGE gives Korean.
    vars.insert("UI_LANGUAGE", "en".into());
    // No scheduled digest in tests: one would post on start-up after 09:00 KST and add
    // messages other tests count. The digest tests run slots directly.
    vars.insert("DIGEST_SCHEDULE", "off".into());
    for (k, v) in &opts.env {
        vars.insert(k, (*v).to_owned());
    }
    Config::from_lookup(Mode::Serve, |k| vars.get(k).cloned()).expect("test config is valid")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

/// A bot on a fresh database of `backend`, otherwise as [`spawn_app`].
pub async fn spawn_on(backend: Backend) -> TestApp {
    spawn_app_with(Options {
        backend,
        ..Options::default()
    })
    .await
}

pub async fn spawn_app_with(opts: Options) -> TestApp {
    spawn_app_with_lists(opts, expire_bot::slack::audience::ListPolicy::default()).await
}

/// As [`spawn_app_with`], the user groups' member lists read and trusted as `lists` says
/// (short intervals, so tests see a refresh or an expiry in seconds).
pub async fn spawn_app_with_lists(
    opts: Options,
    lists: expire_bot::slack::audience::ListPolicy,
) -> TestApp {
    let _ = rustls::crypto::ring::default_provider().install_default();
    // TEST_LOG=1 prints the bot's logs readably; TEST_LOG=json as production writes them.
    if let Ok(v) = std::env::var("TEST_LOG") {
        // The guard is kept for the whole test process (the writer thread ends with it).
        std::mem::forget(expire_bot::telemetry::init_logging(Some(if v == "json" {
            expire_bot::telemetry::LogFormat::Json
        } else {
            expire_bot::telemetry::LogFormat::Pretty
        })));
    }
    let db = match &opts.database {
        Some(db) => db.clone(),
        None => fresh_db_with(opts.backend, opts.fallback_grant).await,
    };
    let slack = match &opts.slack {
        Some(s) => s.clone(),
        None => slack_stand_in().await,
    };
    let config = config_for(&db, &slack.uri(), &opts);
    let app = Arc::new(Bot::with_list_policy(config, lists).expect("app builds"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let running = startup::start(app.clone(), listener).await.expect("start");
    // Open the bot's first replica connection before the test begins. The replica pool's
    // acquire budget is 1 s (the production value, kept so a slow replica falls back within
    // Slack's 3 s); on a busy 2-core machine a first connection to a freshly replayed
    // database once took longer, and the test failed on set-up rather than on what it tests.
    if db.backend != Backend::Sqlite {
        for _ in 0..20 {
            if app.store.replica.ping().await.is_ok() {
                break;
            }
        }
    }
    let admin_store = Store::open(&StoreConfig {
        primary_url: Some(db.admin_url.clone().into()),
        replica_url: None,
        max_connections: 4,
    })
    .expect("admin handle")
    .primary;
    TestApp {
        addr: format!("http://{}", running.addr),
        app,
        admin: AdminDb::open(&db.admin_url),
        admin_store,
        slack,
        db,
        http: reqwest::Client::new(),
        running: Some(running),
    }
}

/// What the bot sent to one Slack method, as JSON bodies (or query strings for GETs).
/// Fails the test first if anything the bot sent broke Slack's limits.
pub async fn slack_calls(slack: &StrictSlack, method_name: &str) -> Vec<Value> {
    slack.assert_clean();
    slack.calls(method_name).await
}

impl TestApp {
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        self.slack.assert_clean();
        self.slack.verify().await;
    }

    /// The owner's connection to the primary (the bot's own role may not read everything).
    pub fn primary(&self) -> &AdminDb {
        &self.admin
    }

    /// Posts `body` to `route` signed as Slack signs it.
    pub async fn post_signed(
        &self,
        route: &str,
        body: String,
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        send_signed(&self.http, &self.addr, route, body, extra).await
    }

    pub async fn slash(&self, user: &str, text: &str) -> reqwest::Response {
        self.post_signed(
            "/slack/commands",
            crate::payloads::slash_command(user, text),
            &[],
        )
        .await
    }

    pub async fn interaction(&self, payload: &Value, extra: &[(&str, &str)]) -> reqwest::Response {
        self.post_signed("/slack/interactions", crate::payloads::form(payload), extra)
            .await
    }

    /// Submits the request modal; returns the HTTP status and the JSON answer (Null if empty).
    pub async fn submit_request(
        &self,
        user: &str,
        query: &str,
        cancelled_at: DateTime<Utc>,
        reason: &str,
    ) -> (u16, Value) {
        let resp = self
            .interaction(
                &crate::payloads::request_submission(user, query, cancelled_at.timestamp(), reason),
                &[],
            )
            .await;
        json_answer(resp).await
    }

    /// The agent files a request for the simple rider (one active policy) by phone, as the
    /// single request of this test; returns its id once the modal has moved on.
    pub async fn file_by_phone(&self, cancelled_at: DateTime<Utc>, reason: &str) -> i64 {
        let (status, answer) = self
            .submit_request(AGENT, "010-1234-5678", cancelled_at, reason)
            .await;
        assert_eq!(status, 200);
        assert_eq!(answer["response_action"], "update", "{answer}");
        self.only_request_id().await
    }

    /// Submits the policy choice step, given the choice view the bot answered with.
    pub async fn submit_choice(
        &self,
        user: &str,
        choice_view: &Value,
        policy_id: impl Into<PolicyId>,
    ) -> (u16, Value) {
        let resp = self
            .interaction(
                &crate::payloads::choice_submission(user, choice_view, policy_id.into().0),
                &[],
            )
            .await;
        json_answer(resp).await
    }

    pub async fn click(
        &self,
        user: &str,
        action_id: &str,
        request_id: i64,
        extra: &[(&str, &str)],
    ) -> u16 {
        let resp = self
            .interaction(
                &crate::payloads::button_click(user, action_id, request_id),
                extra,
            )
            .await;
        resp.status().as_u16()
    }

    pub async fn submit_reject(&self, user: &str, request_id: i64, reason: &str) -> (u16, Value) {
        let resp = self
            .interaction(
                &crate::payloads::reject_submission(user, request_id, reason),
                &[],
            )
            .await;
        json_answer(resp).await
    }

    /// Runs the outbox until nothing is owed (deterministic instead of waiting for the
    /// worker). Fails the test if any call it made broke Slack's limits (the stand-in
    /// refused it), and if it gives up with calls still owed.
    pub async fn drain_outbox(&self) {
        self.drain_outbox_unchecked().await;
        self.slack.assert_clean();
    }

    /// [`Self::drain_outbox`] without the stand-in check, for tests that look at a refusal
    /// first. Still fails the test if it gives up with calls owed: a drain that silently
    /// stopped would let the assertions after it pass on what was never sent.
    pub async fn drain_outbox_unchecked(&self) {
        let mut pending = 0;
        for _ in 0..50 {
            let _ = self.app.outbox.deliver_due().await;
            pending = self
                .scalar("SELECT COUNT(*) FROM slack_outbox WHERE done_at IS NULL")
                .await;
            if pending == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let db = self.primary();
        let sql = db.sql("SELECT CAST(kind AS TEXT), CAST(last_error AS TEXT) FROM slack_outbox WHERE done_at IS NULL ORDER BY id");
        let owed: Vec<(String, Option<String>)> =
            on_admin!(db, p => sqlx::query_as(&sql).fetch_all(p).await.unwrap_or_default());
        panic!("the outbox still owes {pending} Slack call(s) after 50 passes: {owed:?}");
    }

    /// One i64 from the primary.
    pub async fn scalar(&self, sql: &str) -> i64 {
        expire_bot_scalar(self.primary(), sql).await
    }

    /// A policy's status on the primary.
    pub async fn policy_status(
        &self,
        policy_id: impl Into<PolicyId>,
    ) -> (String, Option<DateTime<Utc>>) {
        let policy_id = policy_id.into().0;
        let db = self.primary();
        let sql = db.sql(
            "SELECT CAST(status AS TEXT), valid_until FROM hourly_insurance_policies WHERE id = $1",
        );
        on_admin!(db, p => sqlx::query_as(&sql).bind(policy_id).fetch_one(p).await.expect("policy"))
    }

    pub async fn request_row(&self, id: i64) -> Request {
        self.admin_store
            .get_request(RequestId(id))
            .await
            .expect("db")
            .expect("request exists")
    }

    /// The single request filed in this test's database.
    pub async fn only_request_id(&self) -> i64 {
        assert_eq!(
            self.scalar("SELECT COUNT(*) FROM expiry_requests").await,
            1,
            "exactly one request filed"
        );
        self.scalar("SELECT MAX(id) FROM expiry_requests").await
    }

    pub async fn calls(&self, method_name: &str) -> Vec<Value> {
        slack_calls(&self.slack, method_name).await
    }
}

/// Posts `body` to `addr` + `route`, signed as Slack signs it. The bot's answer is checked
/// as Slack would check it (a `response_action` view inside the limits, `errors` naming
/// input blocks of the submitted view, a command reply inside a message's limits): an
/// answer Slack would refuse fails the test here, where it was caused.
pub async fn send_signed(
    http: &reqwest::Client,
    addr: &str,
    route: &str,
    body: String,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let ts = Utc::now().timestamp();
    let sig = sign(SECRET, ts, body.as_bytes());
    let request_body = body.clone().into_bytes();
    let mut req = http
        .post(format!("{addr}{route}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", ts.to_string())
        .header("x-slack-signature", sig)
        .body(body);
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.expect("request reaches the bot");
    checked_answer(route, &request_body, resp).await
}

/// Reads the bot's answer, checks it against Slack's limits (panicking on a violation), and
/// hands it back unchanged.
pub async fn checked_answer(
    route: &str,
    request_body: &[u8],
    resp: reqwest::Response,
) -> reqwest::Response {
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("the bot's answer arrives whole");
    let violations =
        expire_bot::testkit::validate::http_answer(route, request_body, status.as_u16(), &bytes);
    assert!(
        violations.is_empty(),
        "the bot answered Slack with what Slack refuses ({route}):\n  {}\nanswer: {}",
        violations
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  "),
        String::from_utf8_lossy(&bytes)
    );
    let mut rebuilt = axum::http::Response::builder().status(status);
    for (k, v) in &headers {
        rebuilt = rebuilt.header(k, v);
    }
    reqwest::Response::from(rebuilt.body(bytes).expect("same answer"))
}

pub async fn expire_bot_scalar(db: &AdminDb, sql: &str) -> i64 {
    let sql = db.sql(sql);
    on_admin!(db, p => sqlx::query_scalar::<_, i64>(&sql)
        .fetch_one(p)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}")))
}

pub async fn json_answer(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, v)
}

/// A bot speaking `language` (`UI_LANGUAGE`), otherwise as `opts` says: the tests that run
/// once per language start theirs with this.
#[allow(dead_code)] // used by the per-language tests of some binaries only
pub async fn spawn_app_in(language: expire_bot::i18n::Language, mut opts: Options) -> TestApp {
    opts.env.push(("UI_LANGUAGE", language.code()));
    spawn_app_with(opts).await
}
