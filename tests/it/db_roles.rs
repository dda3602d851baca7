//! `docs/db-roles.sql` on the real PostgreSQL primary + replica, and
//! `docs/db-roles.mysql.sql` on the MariaDB pair: the bot runs its whole flow as the two
//! least-privilege roles (users), and those are refused everything else.
//!
//! Roles are cluster-wide, so this test owns the role names `expire_bot_primary` and
//! `expire_bot_replica` for the cluster `scripts/test.sh` started; the grants themselves
//! are per database and land only in this test's fresh database.

use chrono::{Duration, Utc};
use sqlx::postgres::PgPoolOptions;

use crate::harness::*;

/// Runs `docs/db-roles.sql` with psql as the admin user on `db`.
fn apply_roles_sql(db: &TestDb, extra: &[&str]) -> std::process::Output {
    let psql = format!(
        "{}/psql",
        std::env::var("PG_BIN").expect("PG_BIN (set by scripts/test.sh)")
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/db-roles.sql");
    let mut cmd = std::process::Command::new(psql);
    cmd.arg(&db.admin_url)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
        .args(extra)
        .args(["-f", script]);
    cmd.output().expect("psql runs")
}

fn as_role(url: &str, role: &str) -> String {
    url.replacen("postgres://postgres@", &format!("postgres://{role}:pw@"), 1)
}

/// The SQLSTATE of a statement's failure, or "ok".
async fn outcome(pool: &sqlx::PgPool, sql: &str) -> String {
    match sqlx::query(sql).execute(pool).await {
        Ok(_) => "ok".to_owned(),
        Err(sqlx::Error::Database(e)) => e.code().map(|c| c.to_string()).unwrap_or_default(),
        Err(e) => format!("{e}"),
    }
}

#[tokio::test]
async fn the_bot_runs_its_flow_as_the_least_privilege_postgres_roles_and_nothing_more() {
    let mut db = fresh_db(Backend::Postgres).await;
    // Role changes touch cluster-wide catalogs; other tests apply the same file.
    let roles = ROLES.lock().await;

    // Without passwords the script refuses, and changes nothing.
    let refused = apply_roles_sql(&db, &[]);
    assert!(!refused.status.success(), "runs without passwords");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("primary_password"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    // Twice, as a re-run after a migration would: the result converges.
    for _ in 0..2 {
        let out = apply_roles_sql(
            &db,
            &["-v", "primary_password=pw-1", "-v", "replica_password=pw-2"],
        );
        assert!(
            out.status.success(),
            "db-roles.sql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    drop(roles);
    wait_for_replay().await;

    db.primary_url = as_role(&db.admin_url, "expire_bot_primary");
    db.replica_url = as_role(
        &db.replica_url.replace("expire_bot_replica@", "postgres@"),
        "expire_bot_replica",
    );
    let app = spawn_app_with(Options {
        database: Some(db.clone()),
        read_fallback: "off",
        ..Options::default()
    })
    .await;

    // The whole flow: readiness, lookup on the replica, filing, posting, approval.
    let ready = app
        .http
        .get(format!("{}/readyz", app.addr))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200);
    let ready: serde_json::Value = ready.json().await.expect("json");
    assert!(
        ready["replica_lag_seconds"].is_number(),
        "lag readable: {ready}"
    );
    assert_eq!(app.slash(AGENT, "010-1234-5678").await.status(), 200);
    let id = app
        .file_by_phone(
            Utc::now() - Duration::hours(1),
            "Cancelled at insurer, CX-9001",
        )
        .await;
    app.drain_outbox().await;
    assert_eq!(app.click(LEAD, "approve_expiry", id, &[]).await, 200);
    app.drain_outbox().await;
    let row = app.request_row(id).await;
    assert_eq!(row.status, "APPROVED");
    assert_eq!(row.outcome.map(|o| o.as_str()), Some("EXPIRED"));
    assert_eq!(app.policy_status(row.policy_id).await.0, "EXPIRED");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM slack_outbox WHERE done_at IS NULL")
            .await,
        0,
        "every Slack follow-up delivered"
    );
    app.stop().await;

    // And nothing else. 42501 = insufficient_privilege, 25006 = read-only transaction.
    let primary = PgPoolOptions::new()
        .max_connections(1)
        .connect(&db.primary_url)
        .await
        .expect("primary role connects");
    let replica = PgPoolOptions::new()
        .max_connections(1)
        .connect(&db.replica_url)
        .await
        .expect("replica role connects");
    for (sql, expected) in [
        ("SELECT name, phone FROM riders LIMIT 1", "42501"),
        (
            "SELECT policy_number FROM hourly_insurance_policies LIMIT 1",
            "42501",
        ),
        (
            "UPDATE hourly_insurance_policies SET insurer = 'x' WHERE false",
            "42501",
        ),
        ("DELETE FROM expiry_requests WHERE false", "42501"),
        ("DELETE FROM slack_outbox WHERE false", "42501"),
        ("UPDATE expiry_audit SET reason = 'x' WHERE false", "42501"),
        ("CREATE TABLE sneaky (id int)", "42501"),
        (
            "SELECT id, status, valid_until FROM hourly_insurance_policies LIMIT 1",
            "ok",
        ),
    ] {
        assert_eq!(
            outcome(&primary, sql).await,
            expected,
            "primary role: {sql}"
        );
    }
    for (sql, expected) in [
        ("SELECT name, phone FROM riders LIMIT 1", "ok"),
        ("SELECT COUNT(*) FROM expiry_audit", "ok"),
        ("SELECT COUNT(*) FROM slack_outbox", "42501"),
        // Only the primary role may run the server-side approval.
        (
            "SELECT * FROM expire_bot_approve(0, 'x', now(), ARRAY[]::text[])",
            "42501",
        ),
        // Read-only before it is even a standby's refusal.
        (
            "UPDATE expiry_requests SET status = 'x' WHERE false",
            "25006",
        ),
    ] {
        assert_eq!(
            outcome(&replica, sql).await,
            expected,
            "replica role: {sql}"
        );
    }
    primary.close().await;
    replica.close().await;
}

/// The MySQL error number of a statement's failure, or "ok".
async fn mysql_outcome(pool: &sqlx::MySqlPool, sql: &str) -> String {
    match sqlx::query(sql).execute(pool).await {
        Ok(_) => "ok".to_owned(),
        Err(sqlx::Error::Database(e)) => e
            .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
            .map(|e| e.number().to_string())
            .unwrap_or_else(|| e.message().to_owned()),
        Err(e) => format!("{e}"),
    }
}

/// `docs/db-roles.mysql.sql` on the MariaDB pair: applied with the mariadb client as an
/// operator would, the bot's whole flow as its two users, and everything else refused.
///
/// The users are server-wide (like PostgreSQL's roles) and every MySQL test uses them, so
/// this test keeps the harness's passwords (rotation is scripts/mysql-cluster-selftest.sh's
/// to prove) and checks that running the file for its database left another database's
/// grants alone.
#[tokio::test]
async fn the_bot_runs_its_flow_as_the_least_privilege_mysql_users_and_nothing_more() {
    let other = fresh_db(Backend::Mysql).await;
    let mut db = fresh_db(Backend::Mysql).await;
    let roles = MYSQL_ROLES.lock().await;

    // Without passwords the file refuses at its first statement, naming what is missing.
    let url = db.admin_url.clone();
    let refused = tokio::task::spawn_blocking(move || run_mysql_roles(&url, ""))
        .await
        .unwrap();
    assert!(!refused.status.success(), "runs without passwords");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("SET @primary_password first"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    // Twice, as a re-run after a migration would: the result converges.
    for _ in 0..2 {
        let url = db.admin_url.clone();
        let out = tokio::task::spawn_blocking(move || {
            run_mysql_roles(&url, &mysql_role_passwords(false))
        })
        .await
        .unwrap();
        assert!(
            out.status.success(),
            "db-roles.mysql.sql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    drop(roles);
    wait_for_mysql_replay().await;

    db.primary_url = as_mysql_user(&db.admin_url, "expire_bot_primary", MYSQL_PRIMARY_PASSWORD);
    db.replica_url = as_mysql_user(
        &db.admin_replica_url,
        "expire_bot_replica",
        MYSQL_REPLICA_PASSWORD,
    );
    let app = spawn_app_with(Options {
        database: Some(db.clone()),
        read_fallback: "off",
        ..Options::default()
    })
    .await;

    // The whole flow: readiness (with the lag from the replica's own status), lookup on the
    // replica, filing, posting, approval.
    let ready = app
        .http
        .get(format!("{}/readyz", app.addr))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200);
    let ready: serde_json::Value = ready.json().await.expect("json");
    assert!(
        ready["replica_lag_seconds"].is_number(),
        "lag readable: {ready}"
    );
    assert_eq!(app.slash(AGENT, "010-1234-5678").await.status(), 200);
    let id = app
        .file_by_phone(
            Utc::now() - Duration::hours(1),
            "Cancelled at insurer, CX-9001",
        )
        .await;
    app.drain_outbox().await;
    assert_eq!(app.click(LEAD, "approve_expiry", id, &[]).await, 200);
    app.drain_outbox().await;
    let row = app.request_row(id).await;
    assert_eq!(row.status, "APPROVED");
    assert_eq!(row.outcome.map(|o| o.as_str()), Some("EXPIRED"));
    assert_eq!(app.policy_status(row.policy_id).await.0, "EXPIRED");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM slack_outbox WHERE done_at IS NULL")
            .await,
        0,
        "every Slack follow-up delivered"
    );
    app.stop().await;

    // And nothing else. 1142: command denied on a table; 1143: on a column; 1227: a global
    // privilege missing; 1290: the server is read-only.
    let connect = |url: String| async move {
        sqlx::mysql::MySqlPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .expect("the user connects")
    };
    let primary = connect(db.primary_url.clone()).await;
    let replica = connect(db.replica_url.clone()).await;
    for (sql, expected) in [
        ("SELECT name, phone FROM riders LIMIT 1", "1142"),
        (
            "SELECT policy_number FROM hourly_insurance_policies LIMIT 1",
            "1143",
        ),
        (
            "UPDATE hourly_insurance_policies SET insurer = 'x' WHERE 1 = 0",
            "1143",
        ),
        ("DELETE FROM expiry_requests WHERE 1 = 0", "1142"),
        ("DELETE FROM slack_outbox WHERE 1 = 0", "1142"),
        ("UPDATE expiry_audit SET reason = 'x' WHERE 1 = 0", "1142"),
        ("DELETE FROM expire_bot_heartbeat WHERE 1 = 0", "1142"),
        ("CREATE TABLE sneaky (id int)", "1142"),
        ("SHOW SLAVE STATUS", "1227"),
        (
            "SELECT id, status, valid_until FROM hourly_insurance_policies LIMIT 1",
            "ok",
        ),
        ("DELETE FROM form_state WHERE 1 = 0", "ok"),
    ] {
        assert_eq!(
            mysql_outcome(&primary, sql).await,
            expected,
            "primary user: {sql}"
        );
    }
    for (sql, expected) in [
        ("SELECT name, phone FROM riders LIMIT 1", "ok"),
        ("SELECT COUNT(*) FROM expiry_audit", "ok"),
        ("SELECT beat_at FROM expire_bot_heartbeat", "ok"),
        // The lag probe's source.
        ("SHOW SLAVE STATUS", "ok"),
        ("SELECT COUNT(*) FROM slack_outbox", "1142"),
        ("SELECT COUNT(*) FROM form_state", "1142"),
        // Refused for want of the privilege, and the server is read-only besides.
        (
            "UPDATE expiry_requests SET status = 'x' WHERE 1 = 0",
            "1142",
        ),
    ] {
        assert_eq!(
            mysql_outcome(&replica, sql).await,
            expected,
            "replica user: {sql}"
        );
    }
    primary.close().await;
    replica.close().await;

    // The other test database's grants were left alone by this run.
    let elsewhere = connect(other.primary_url.clone()).await;
    assert_eq!(
        mysql_outcome(&elsewhere, "SELECT COUNT(*) FROM expiry_requests").await,
        "ok",
        "another database's grants survive a run of the file here"
    );
    elsewhere.close().await;
}
