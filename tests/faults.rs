//! Faults of the database servers themselves: the replica paused, stopped or lagging, the
//! primary stopped. These stop and start the shared PostgreSQL pair, so they live in their
//! own test binary (cargo runs test binaries one after another) and run one at a time
//! here; every test puts the servers back, even when it fails.

#[allow(dead_code)]
#[path = "it/harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "it/payloads.rs"]
mod payloads;

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use harness::*;
use sqlx::postgres::PgPoolOptions;

/// One fault at a time: the servers are shared by every test in this binary.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn cluster(action: &str) {
    let dir = std::env::var("PG_CLUSTER_DIR").expect("PG_CLUSTER_DIR is set by scripts/test.sh");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg-cluster.sh");
    let status = Command::new("bash")
        .arg(script)
        .arg(action)
        .arg(&dir)
        .status()
        .expect("pg-cluster.sh runs");
    assert!(status.success(), "pg-cluster.sh {action} failed");
}

/// Restores the servers when a test ends, however it ends.
struct Restore(&'static [&'static str]);

impl Drop for Restore {
    fn drop(&mut self) {
        for action in self.0 {
            cluster(action);
        }
    }
}

async fn replica_admin() -> sqlx::PgPool {
    PgPoolOptions::new()
        .max_connections(1)
        .connect(&std::env::var("TEST_REPLICA_URL").unwrap())
        .await
        .unwrap()
}

async fn insert_rider(app: &TestApp, id: i64, phone: &str) {
    let AdminDb::Pg(p) = app.primary() else {
        unreachable!()
    };
    sqlx::query("INSERT INTO riders (id, name, phone, status) VALUES ($1, '정새봄', $2, 'ACTIVE')")
        .bind(id)
        .bind(phone)
        .execute(p)
        .await
        .unwrap();
    sqlx::query("INSERT INTO hourly_insurance_policies (id, rider_id, insurer, policy_number, status, valid_from) VALUES ($1, $1, '바로화재', $2, 'ACTIVE', '2026-01-01T00:00:00Z')")
        .bind(id).bind(format!("BR-ROUTE-{id}")).execute(p).await.unwrap();
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

#[tokio::test]
async fn lookups_read_the_replica_not_the_primary() {
    let _serial = SERIAL.lock().await;
    let app = spawn_app().await;
    // With replay paused, a rider written on the primary exists only there. If a lookup
    // went to the primary it would find them; on the replica it cannot.
    let replica = replica_admin().await;
    sqlx::query("SELECT pg_wal_replay_pause()")
        .execute(&replica)
        .await
        .unwrap();
    let _resume = ResumeReplay;
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

    sqlx::query("SELECT pg_wal_replay_resume()")
        .execute(&replica)
        .await
        .unwrap();
    wait_for_replay().await;
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

/// Resumes WAL replay even if the routing test fails half-way.
struct ResumeReplay;

impl Drop for ResumeReplay {
    fn drop(&mut self) {
        let url = std::env::var("TEST_REPLICA_URL").unwrap_or_default();
        let _ = Command::new("psql")
            .args([url.as_str(), "-qc", "SELECT pg_wal_replay_resume()"])
            .output();
    }
}

#[tokio::test]
async fn replica_down_falls_back_to_the_primary_or_asks_to_retry() {
    let _serial = SERIAL.lock().await;
    let fallback = spawn_app_with(Options {
        fallback_grant: true,
        ..Options::default()
    })
    .await;
    let refuse = spawn_app_with(Options {
        read_fallback: "off",
        ..Options::default()
    })
    .await;
    let before = metric(
        &fallback,
        "expire_bot_replica_fallbacks_total{outcome=\"primary\"}",
    );
    cluster("stop-replica");
    let _restore = Restore(&["start-replica"]);
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

#[tokio::test]
async fn primary_down_during_approval_changes_nothing_until_it_is_back() {
    let _serial = SERIAL.lock().await;
    let app = spawn_app().await;
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

    cluster("stop-primary");
    let restore = Restore(&["start-primary"]);
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

#[tokio::test]
async fn replication_lag_is_shown_to_the_agent_and_in_readyz() {
    let _serial = SERIAL.lock().await;
    let app = spawn_app_with(Options {
        env: vec![("REPLICA_LAG_WARN", "1s")],
        ..Options::default()
    })
    .await;
    let replica = replica_admin().await;
    sqlx::query("SELECT pg_wal_replay_pause()")
        .execute(&replica)
        .await
        .unwrap();
    let _resume = ResumeReplay;
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
    sqlx::query("SELECT pg_wal_replay_resume()")
        .execute(&replica)
        .await
        .unwrap();
    app.stop().await;
}
