//! Faults of the database servers themselves: the replica paused, stopped or lagging, the
//! primary stopped. These stop and start the shared PostgreSQL pair and the shared MariaDB
//! pair, so they live in their own test binary (cargo runs test binaries one after
//! another) and run one at a time per pair here (`postgres::…`, `mysql::…`); every test
//! puts the servers back, even when it fails.

#[allow(dead_code)]
#[path = "it/harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "it/payloads.rs"]
mod payloads;

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use harness::*;
use sqlx::Executor;

/// One fault at a time per pair: the servers are shared by every test in this binary. The
/// two pairs are independent, so a PostgreSQL fault and a MariaDB one may run together.
static PG_SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
static MYSQL_SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn serial(backend: Backend) -> tokio::sync::MutexGuard<'static, ()> {
    match backend {
        Backend::Mysql => MYSQL_SERIAL.lock().await,
        _ => PG_SERIAL.lock().await,
    }
}

/// `scripts/pg-cluster.sh ACTION` or `scripts/mysql-cluster.sh ACTION` on the pair of
/// `backend` that scripts/test.sh started.
fn cluster(backend: Backend, action: &str) {
    let (var, script) = match backend {
        Backend::Mysql => ("MYSQL_CLUSTER_DIR", "mysql-cluster.sh"),
        _ => ("PG_CLUSTER_DIR", "pg-cluster.sh"),
    };
    let dir = std::env::var(var).unwrap_or_else(|_| panic!("{var} is set by scripts/test.sh"));
    let status = Command::new("bash")
        .arg(format!("{}/scripts/{script}", env!("CARGO_MANIFEST_DIR")))
        .arg(action)
        .arg(&dir)
        .status()
        .expect("the cluster script runs");
    assert!(status.success(), "{script} {action} failed");
}

/// Restores the servers when a test ends, however it ends.
struct Restore(Backend, &'static [&'static str]);

impl Drop for Restore {
    fn drop(&mut self) {
        for action in self.1 {
            cluster(self.0, action);
        }
    }
}

/// Stops the replica applying what it receives: WAL replay paused on PostgreSQL, the SQL
/// (applier) thread stopped on MariaDB. Rows then reach the primary only. Resumed when the
/// guard is dropped, even if the test fails half-way.
async fn pause_replay(backend: Backend) -> ResumeReplay {
    match backend {
        Backend::Mysql => {
            let replica = sqlx::mysql::MySqlPoolOptions::new()
                .max_connections(1)
                .connect(&std::env::var("TEST_MYSQL_REPLICA_URL").unwrap())
                .await
                .unwrap();
            replica.execute("STOP SLAVE SQL_THREAD").await.unwrap();
            replica.close().await;
        }
        _ => {
            let replica = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(&std::env::var("TEST_REPLICA_URL").unwrap())
                .await
                .unwrap();
            sqlx::query("SELECT pg_wal_replay_pause()")
                .execute(&replica)
                .await
                .unwrap();
            replica.close().await;
        }
    }
    ResumeReplay(backend)
}

/// Resumes replay (see [`pause_replay`]).
struct ResumeReplay(Backend);

impl ResumeReplay {
    fn resume(&self) {
        let _ = match self.0 {
            Backend::Mysql => {
                let (host, port) =
                    mysql_host_port(&std::env::var("TEST_MYSQL_REPLICA_URL").unwrap_or_default());
                Command::new("mariadb")
                    .args(["--no-defaults", "--protocol=tcp", "-h", &host, "-P", &port])
                    .args(["-u", "root", "-e", "START SLAVE SQL_THREAD"])
                    .output()
            }
            _ => {
                let url = std::env::var("TEST_REPLICA_URL").unwrap_or_default();
                Command::new("psql")
                    .args([url.as_str(), "-qc", "SELECT pg_wal_replay_resume()"])
                    .output()
            }
        };
    }
}

impl Drop for ResumeReplay {
    fn drop(&mut self) {
        self.resume();
    }
}

async fn insert_rider(app: &TestApp, id: i64, phone: &str) {
    let db = app.primary();
    let sql =
        db.sql("INSERT INTO riders (id, name, phone, status) VALUES ($1, '정새봄', $2, 'ACTIVE')");
    on_admin!(db, p => sqlx::query(&sql).bind(id).bind(phone).execute(p).await.map(|_| ()))
        .unwrap();
    let sql = db.sql("INSERT INTO hourly_insurance_policies (id, rider_id, insurer, policy_number, status, valid_from) VALUES ($1, $2, '바로화재', $3, 'ACTIVE', $4)");
    let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    on_admin!(db, p => sqlx::query(&sql)
        .bind(id)
        .bind(id)
        .bind(format!("BR-ROUTE-{id}"))
        .bind(from)
        .execute(p)
        .await
        .map(|_| ()))
    .unwrap();
}

fn metric(app: &TestApp, needle: &str) -> f64 {
    app.app
        .metrics
        .render()
        .lines()
        .filter(|l| l.starts_with(needle))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn lookups_read_the_replica_not_the_primary(backend: Backend) {
    let _serial = serial(backend).await;
    let app = spawn_on(backend).await;
    // With replay paused, a rider written on the primary exists only there. If a lookup
    // went to the primary it would find them; on the replica it cannot.
    let resume = pause_replay(backend).await;
    insert_rider(&app, 9001, "01077778888").await;
    let at = Utc::now() - chrono::Duration::hours(1);
    let (_, a) = app
        .submit_request(AGENT, "010-7777-8888", at, "CX-route")
        .await;
    assert_eq!(
        a["response_action"], "errors",
        "the lookup saw a row only the primary has: {a}"
    );
    assert!(
        a["errors"]["rider_query"]
            .as_str()
            .unwrap()
            .contains("No rider matches")
    );
    let (_, a) = app.submit_request(AGENT, "9001", at, "CX-route").await;
    assert_eq!(a["response_action"], "errors", "{a}");

    resume.resume();
    replicated(backend).await;
    let (_, a) = app
        .submit_request(AGENT, "010-7777-8888", at, "CX-route")
        .await;
    assert_eq!(
        a["response_action"], "update",
        "found once the replica caught up: {a}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM expiry_requests WHERE policy_id = 9001")
            .await,
        1
    );
    app.stop().await;
}

async fn replica_down_falls_back_to_the_primary_or_asks_to_retry(backend: Backend) {
    let _serial = serial(backend).await;
    let fallback = spawn_app_with(Options {
        backend,
        fallback_grant: true,
        ..Options::default()
    })
    .await;
    let refuse = spawn_app_with(Options {
        backend,
        read_fallback: "off",
        ..Options::default()
    })
    .await;
    let before = metric(
        &fallback,
        "expire_bot_replica_fallbacks_total{outcome=\"primary\"}",
    );
    cluster(backend, "stop-replica");
    let _restore = Restore(backend, &["start-replica"]);
    let at = Utc::now() - chrono::Duration::hours(1);

    let started = Instant::now();
    let (status, a) = fallback
        .submit_request(AGENT, "010-1234-5678", at, "CX-fallback")
        .await;
    println!(
        "replica down, READ_FALLBACK=primary: answered in {:?}",
        started.elapsed()
    );
    assert_eq!(status, 200);
    assert_eq!(a["response_action"], "update", "{a}");
    assert!(
        a["view"].to_string().contains("answered by the primary"),
        "the agent is told: {a}"
    );
    assert_eq!(
        fallback
            .scalar("SELECT COUNT(*) FROM expiry_requests")
            .await,
        1
    );
    assert!(
        metric(
            &fallback,
            "expire_bot_replica_fallbacks_total{outcome=\"primary\"}"
        ) > before,
        "fallback counted"
    );

    let started = Instant::now();
    let (status, a) = refuse
        .submit_request(AGENT, "010-1234-5678", at, "CX-off")
        .await;
    println!(
        "replica down, READ_FALLBACK=off: answered in {:?}",
        started.elapsed()
    );
    assert_eq!(status, 200);
    assert!(
        a["errors"]["rider_query"]
            .as_str()
            .unwrap_or_default()
            .contains("try again"),
        "{a}"
    );
    assert_eq!(
        refuse.scalar("SELECT COUNT(*) FROM expiry_requests").await,
        0
    );

    let r = refuse
        .http
        .get(format!("{}/readyz", refuse.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["replica"], "down");
    assert_eq!(body["primary"], "up");
    fallback.stop().await;
    refuse.stop().await;
}

async fn primary_down_during_approval_changes_nothing_until_it_is_back(backend: Backend) {
    let _serial = serial(backend).await;
    let app = spawn_on(backend).await;
    let (_, a) = app
        .submit_request(
            AGENT,
            "010-1234-5678",
            Utc::now() - chrono::Duration::hours(1),
            "CX-primary",
        )
        .await;
    assert_eq!(a["response_action"], "update", "{a}");
    let id = app.only_request_id().await;
    app.drain_outbox().await;

    cluster(backend, "stop-primary");
    let restore = Restore(backend, &["start-primary"]);
    let started = Instant::now();
    let status = app.click(LEAD, "approve_expiry", id, &[]).await;
    println!(
        "primary down: click acknowledged in {:?}",
        started.elapsed()
    );
    assert_eq!(status, 200);
    let eph = app.calls("chat.postEphemeral").await;
    assert_eq!(eph.len(), 1, "the clicker is told");
    assert!(
        eph[0]["text"]
            .as_str()
            .unwrap()
            .contains("did not go through"),
        "{eph:?}"
    );
    let r = app
        .http
        .get(format!("{}/readyz", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    drop(restore);

    // Back up: the request is still pending, untouched, and can be approved now.
    let row = app.request_row(id).await;
    assert_eq!(row.status, "PENDING");
    assert_eq!(app.policy_status(row.policy_id).await.0, "ACTIVE");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM expiry_audit WHERE event = 'APPROVED'")
            .await,
        0
    );
    let mut approved = false;
    for _ in 0..20 {
        app.click(LEAD, "approve_expiry", id, &[]).await;
        if app.request_row(id).await.status == "APPROVED" {
            approved = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(approved, "approval succeeds once the primary is back");
    assert_eq!(app.policy_status(row.policy_id).await.0, "EXPIRED");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM expiry_audit WHERE event = 'APPROVED'")
            .await,
        1
    );
    app.stop().await;
}

/// On MariaDB the applier is stopped, so the replica's own status has no lag to give
/// (`Seconds_Behind_Master` is NULL): what is shown comes from the heartbeat.
async fn replication_lag_is_shown_to_the_agent_and_in_readyz(backend: Backend) {
    let _serial = serial(backend).await;
    let app = spawn_app_with(Options {
        backend,
        env: vec![("REPLICA_LAG_WARN", "1s")],
        ..Options::default()
    })
    .await;
    let _resume = pause_replay(backend).await;
    insert_rider(&app, 9002, "01066665555").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (_, a) = app
        .submit_request(
            AGENT,
            "010-1234-5678",
            Utc::now() - chrono::Duration::hours(1),
            "CX-lag",
        )
        .await;
    assert_eq!(a["response_action"], "update", "{a}");
    let shown = a["view"].to_string();
    assert!(shown.contains("behind"), "lag shown to the agent: {shown}");
    let body: serde_json::Value = app
        .http
        .get(format!("{}/readyz", app.addr))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["replica_lagging"], true, "{body}");
    assert!(
        body["replica_lag_seconds"].as_f64().unwrap() >= 1.0,
        "{body}"
    );
    app.stop().await;
}

/// MySQL's two lag sources, one at a time: with the heartbeat row gone, the lag of a
/// caught-up replica is its own status's (`Seconds_Behind_Master` 0); with the applier
/// stopped as well, neither source can say, and the lag is unknown rather than made up.
#[tokio::test]
async fn mysql_lag_comes_from_the_replicas_status_and_without_it_from_nothing_else() {
    let _serial = serial(Backend::Mysql).await;
    let app = spawn_on(Backend::Mysql).await;
    app.primary().exec("DELETE FROM expire_bot_heartbeat").await;
    replicated(Backend::Mysql).await;
    let replica = &app.app.store.replica;
    assert_eq!(
        replica.replica_lag_seconds().await.unwrap(),
        Some(0.0),
        "caught up, by SHOW SLAVE STATUS"
    );
    let _resume = pause_replay(Backend::Mysql).await;
    assert_eq!(
        replica.replica_lag_seconds().await.unwrap(),
        None,
        "status NULL and no heartbeat: unknown"
    );
    app.stop().await;
}

per_backend!(
    lookups_read_the_replica_not_the_primary,
    replica_down_falls_back_to_the_primary_or_asks_to_retry,
    primary_down_during_approval_changes_nothing_until_it_is_back,
    replication_lag_is_shown_to_the_agent_and_in_readyz,
);
