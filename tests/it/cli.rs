//! The subcommands around `serve`: `demo` (run as the built binary, as a user would, on
//! SQLite, on the PostgreSQL pair and on the MariaDB pair), `check-config` (against both
//! pairs and a wiremock Slack), and the read-only replica handle both rely on.

use std::collections::HashMap;
use std::process::{Command, Output};
use std::sync::Arc;

use expire_bot::ops::check::{self, Status};
use expire_bot::store::{self, Store, StoreConfig, WriteProbe};
use serde_json::json;
use wiremock::ResponseTemplate;

use crate::harness::*;

/// Runs the built `expire-bot` with exactly `env` (nothing inherited).
///
/// `EXPIRE_BOT_BIN` may name another copy of the binary: when several checkouts share one
/// `CARGO_TARGET_DIR`, `target/debug/expire-bot` is whichever checkout built last.
async fn expire_bot(args: &[&str], env: &[(&str, String)]) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let bin = std::env::var("EXPIRE_BOT_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_expire-bot").to_owned());
    tokio::task::spawn_blocking(move || {
        Command::new(bin)
            .args(&args)
            .env_clear()
            .envs(env)
            .output()
            .expect("run expire-bot")
    })
    .await
    .expect("join")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A new, empty database on the primary (and, once replayed, on the replica).
async fn empty_pg_database() -> (String, String) {
    let name = format!("cli_{}_{}", std::process::id(), rand_suffix());
    let admin = admin_primary().await;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .expect("create database");
    admin.close().await;
    wait_for_replay().await;
    let swap = |url: String| match url.rfind('/') {
        Some(i) => format!("{}/{name}", &url[..i]),
        None => url,
    };
    (
        swap(std::env::var("TEST_PRIMARY_URL").expect("TEST_PRIMARY_URL")),
        swap(std::env::var("TEST_REPLICA_URL").expect("TEST_REPLICA_URL")),
    )
}

/// A new, empty database on the MariaDB primary (and, once applied, on its replica), as
/// root URLs.
async fn empty_mysql_database() -> (String, String) {
    let name = format!("cli_{}_{}", std::process::id(), rand_suffix());
    let admin =
        AdminDb::open(&std::env::var("TEST_MYSQL_PRIMARY_URL").expect("TEST_MYSQL_PRIMARY_URL"));
    admin.exec(&format!("CREATE DATABASE {name}")).await;
    admin.close().await;
    wait_for_mysql_replay().await;
    let swap = |url: String| match url.rfind('/') {
        Some(i) => format!("{}/{name}", &url[..i]),
        None => url,
    };
    (
        swap(std::env::var("TEST_MYSQL_PRIMARY_URL").expect("TEST_MYSQL_PRIMARY_URL")),
        swap(std::env::var("TEST_MYSQL_REPLICA_URL").expect("TEST_MYSQL_REPLICA_URL")),
    )
}

fn rand_suffix() -> u64 {
    rand::random::<u32>() as u64
}

/// The replica answered the three lookups (the shared phone's search and the re-check of
/// the choice; the backdated request's search by rider ID) and nothing but reads
/// (background probes such as `ping` and `replica_lag` vary with timing; the Home tabs'
/// reads with how often the outbox finds the replica behind).
fn assert_replica_line(text: &str) {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("replica  (read-only)"))
        .unwrap_or_else(|| panic!("no replica summary in:\n{text}"));
    assert!(line.contains("lookup_rider_policies 3"), "{line}");
    for op in line.split(':').nth(1).unwrap_or_default().split('·') {
        let name = op.split_whitespace().next().unwrap_or_default();
        assert!(
            [
                "lookup_rider_policies",
                "replica_lag",
                "ping",
                "home_pending",
                "home_own",
                "home_last_digest",
                "home_request"
            ]
            .contains(&name),
            "unexpected statement on the replica: {line}"
        );
    }
}

fn assert_demo_passed(out: &Output) -> String {
    let text = stdout(out);
    assert!(
        out.status.success(),
        "demo exited {:?}\nstdout:\n{text}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.starts_with("expire-bot demo — "), "{text}");
    assert!(
        text.trim_end()
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("demo passed: 10 steps,")),
        "{text}"
    );
    assert!(!text.contains('✗'), "a check failed:\n{text}");
    for step in 1..=7 {
        assert!(text.contains(&format!("\n{step}. ")), "step {step} missing");
    }
    // What people saw is masked, exactly as sent.
    assert!(!text.contains("홍길동") && !text.contains("01055501234"));
    assert!(text.contains("status ACTIVE → EXPIRED"));
    text
}

/// What Slack showed, in English (`--language en`).
fn assert_demo_spoke_english(text: &str) {
    assert!(
        text.contains("Slack texts in English (UI_LANGUAGE=en)"),
        "{text}"
    );
    assert!(text.contains("홍*동 · withdrawn"), "{text}");
    assert!(text.contains("four-eyes rule"));
    assert!(text.contains("Request #1 was already decided"));
    assert!(text.contains("modal “Request filed”"), "{text}");
}

/// What Slack showed, in Korean (the default): the key moments in Korean words, and the
/// English of the same moments nowhere.
fn assert_demo_spoke_korean(text: &str) {
    assert!(
        text.contains("Slack texts in Korean (UI_LANGUAGE=ko)"),
        "{text}"
    );
    assert!(
        text.contains("홍*동 · 2026-") && text.contains(" 탈퇴 · "),
        "{text}"
    );
    assert!(text.contains("modal “요청 접수 완료”"), "{text}");
    assert!(text.contains("요청자 본인 승인 불가"), "{text}");
    assert!(
        text.contains("님이") && text.contains("승인했습니다"),
        "{text}"
    );
    assert!(text.contains("#1 요청은 이미 결정되었습니다"), "{text}");
    // What Slack showed is drawn in boxes (`┌─`, `│`); the narration around it is English.
    let shown: Vec<&str> = text
        .lines()
        .filter(|l| l.contains('│') || l.contains("┌─"))
        .collect();
    assert!(shown.len() > 30, "{text}");
    for line in shown {
        for english in [
            "four-eyes",
            "Approved",
            "already decided",
            "Request",
            "Cancel",
        ] {
            assert!(
                !line.contains(english),
                "{english:?} in what the Korean demo showed: {line}"
            );
        }
    }
}

#[tokio::test]
async fn the_demo_passes_on_the_embedded_sqlite_default() {
    // No UI_LANGUAGE, no --language: the bot's default, Korean.
    let out = expire_bot(&["demo"], &[]).await;
    let text = assert_demo_passed(&out);
    assert_demo_spoke_korean(&text);
    assert!(text.contains("embedded default: SQLite"));
    assert!(text.contains("\"attempt to write a readonly database\""));
    assert_replica_line(&text);
}

#[tokio::test]
async fn the_demo_passes_in_english_by_flag_and_by_ui_language() {
    let text = assert_demo_passed(&expire_bot(&["demo", "--language", "en"], &[]).await);
    assert_demo_spoke_english(&text);
    let by_env = expire_bot(&["demo"], &[("UI_LANGUAGE", "en".to_owned())]).await;
    assert_demo_spoke_english(&assert_demo_passed(&by_env));
    // The flag wins over the variable.
    let flag = expire_bot(
        &["demo", "--language", "ko"],
        &[("UI_LANGUAGE", "en".to_owned())],
    )
    .await;
    assert_demo_spoke_korean(&assert_demo_passed(&flag));
    let bad = expire_bot(&["demo", "--language", "jp"], &[]).await;
    assert_eq!(bad.status.code(), Some(2), "{}", stdout(&bad));
}

#[tokio::test]
async fn the_demo_passes_on_the_postgres_pair_and_refuses_to_run_twice() {
    let (primary, replica) = empty_pg_database().await;
    let args = [
        "demo",
        "--language",
        "en",
        "--database-url",
        &primary,
        "--replica-url",
        &replica,
    ];
    let text = assert_demo_passed(&expire_bot(&args, &[]).await);
    assert_demo_spoke_english(&text);
    assert!(text.contains("demo data seeded: 41 riders"));
    assert!(text.contains("read-only transaction"), "{text}");
    assert_replica_line(&text);
    assert!(
        !text.contains("postgres://postgres@"),
        "no credentials printed"
    );

    // A second run would not tell the same story; it says so instead of half-running.
    let again = expire_bot(&args, &[]).await;
    assert!(!again.status.success());
    assert!(stdout(&again).contains("the demo already ran against this database"));
}

#[tokio::test]
async fn the_demo_passes_on_the_mysql_pair_and_refuses_to_run_twice() {
    let (primary, replica) = empty_mysql_database().await;
    let args = [
        "demo",
        "--database-url",
        &primary,
        "--replica-url",
        &replica,
    ];
    let text = assert_demo_passed(&expire_bot(&args, &[]).await);
    assert!(text.contains("demo data seeded: 41 riders"));
    // The replica session's own refusal (SET SESSION TRANSACTION READ ONLY).
    assert!(text.contains("READ ONLY transaction"), "{text}");
    assert_replica_line(&text);
    assert!(!text.contains("mysql://root@"), "no credentials printed");

    let again = expire_bot(&args, &[]).await;
    assert!(!again.status.success());
    assert!(stdout(&again).contains("the demo already ran against this database"));
}

#[tokio::test]
async fn the_demo_refuses_a_database_holding_other_riders() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("company.db").display());
    let store = Store::open(&StoreConfig {
        primary_url: Some(url.clone().into()),
        replica_url: None,
        max_connections: 1,
    })
    .unwrap();
    store.migrate().await.unwrap();
    let (mut riders, mut policies) = store::seed::demo_data(chrono::Utc::now());
    // Somebody else's rider where the demo expects its withdrawn rider.
    riders[0].name = "김철수".into();
    riders.truncate(3);
    policies.retain(|p| riders.iter().any(|r| r.id == p.rider_id));
    store.primary.seed(&riders, &policies).await.unwrap();
    store.close().await;

    let out = expire_bot(&["demo", "--database-url", &url], &[]).await;
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains("not expire-bot's demo data"),
        "{}",
        stdout(&out)
    );
    let admin = AdminDb::open(&url);
    assert_eq!(
        expire_bot_scalar(&admin, "SELECT COUNT(*) FROM expiry_requests").await,
        0
    );
    assert_eq!(
        expire_bot_scalar(
            &admin,
            "SELECT COUNT(*) FROM hourly_insurance_policies WHERE status = 'EXPIRED'"
        )
        .await,
        policies.iter().filter(|p| p.status == "EXPIRED").count() as i64
    );
}

async fn replica_refuses_writes(backend: Backend) {
    let db = fresh_db(backend).await;
    // On MySQL the replica user's missing grants would refuse first; pointed at the
    // writable primary as its owner, only the handle's own READ ONLY session can refuse.
    let replica_url = match backend {
        Backend::Mysql => Some(db.admin_url.clone()),
        _ => (db.replica_url != db.primary_url).then(|| db.replica_url.clone()),
    };
    let store = Store::open(&StoreConfig {
        primary_url: Some(db.admin_url.clone().into()),
        replica_url: replica_url.map(Into::into),
        max_connections: 1,
    })
    .unwrap();
    let insert = "INSERT INTO riders (id, name, phone, status) VALUES (9999, '테스트', '01000000000', 'ACTIVE')";
    let written = store.replica.execute_unchecked(insert).await;
    let err = written.expect_err("a write through the replica handle must fail");
    let msg = expire_bot::telemetry::chain(&err);
    let said = msg.to_lowercase();
    assert!(
        said.contains("read-only") || said.contains("readonly") || said.contains("read only"),
        "fails loudly, saying why: {msg}"
    );
    let admin = AdminDb::open(&db.admin_url);
    assert_eq!(
        expire_bot_scalar(&admin, "SELECT COUNT(*) FROM riders WHERE id = 9999").await,
        0
    );
    assert!(matches!(
        store.replica.probe_write().await.unwrap(),
        WriteProbe::Refused(_)
    ));
    assert_eq!(
        store.primary.probe_write().await.unwrap(),
        WriteProbe::Accepted
    );
    // The probe leaves nothing behind on the writable handle.
    if backend == Backend::Sqlite {
        assert_eq!(
            expire_bot_scalar(
                &admin,
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'expire_bot_write_probe'"
            )
            .await,
            0
        );
    }
    store.close().await;
}

#[tokio::test]
async fn a_write_through_the_sqlite_replica_handle_fails() {
    replica_refuses_writes(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_write_through_the_postgres_replica_handle_fails() {
    replica_refuses_writes(Backend::Postgres).await;
}

#[tokio::test]
async fn a_write_through_the_mysql_replica_handle_fails() {
    replica_refuses_writes(Backend::Mysql).await;
}

async fn mount_channel(slack: &StrictSlack, is_member: bool) {
    slack
        .on("conversations.info")
        .get()
        .expect(1..)
        .query("channel", APPROVAL_CHANNEL)
        .answer(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true,
            "channel": {
                "id": APPROVAL_CHANNEL, "created": 1_700_000_000, "name": "approvals",
                "is_channel": true, "is_private": false, "is_archived": false, "is_member": is_member
            }
        })))
        .await;
}

fn env_for(primary: &str, replica: &str, slack: &StrictSlack) -> HashMap<&'static str, String> {
    let mut vars = HashMap::new();
    vars.insert("SLACK_SIGNING_SECRET", SECRET.to_owned());
    vars.insert("SLACK_BOT_TOKEN", "xoxb-test-token".to_owned());
    vars.insert("SLACK_API_URL", format!("{}/api", slack.uri()));
    vars.insert("APPROVAL_CHANNEL_ID", APPROVAL_CHANNEL.to_owned());
    vars.insert("APPROVER_USERGROUP_ID", APPROVER_GROUP.to_owned());
    vars.insert("DATABASE_URL", primary.to_owned());
    vars.insert("DATABASE_REPLICA_URL", replica.to_owned());
    vars
}

#[tokio::test]
async fn check_config_passes_on_a_good_deployment() {
    let db = fresh_db(Backend::Postgres).await;
    let slack = slack_stand_in().await;
    mount_channel(&slack, true).await;
    let vars = env_for(&db.primary_url, &db.replica_url, &slack);
    let items = check::run(|k| vars.get(k).cloned()).await;
    let text = check::render(&items);
    // REQUESTER_* is unset here: said, as a warning (issue 12), not as a problem.
    assert!(
        text.contains("[warn] requesters: REQUESTER_USER_IDS"),
        "{text}"
    );
    let items: Vec<_> = items
        .into_iter()
        .filter(|i| i.status != Status::Warn)
        .collect();
    assert!(items.iter().all(|i| i.status == Status::Ok), "{text}");
    let names: Vec<_> = items.iter().map(|i| i.name).collect();
    assert_eq!(
        names,
        [
            "environment",
            "primary database",
            "replica database",
            "slack token",
            "approval channel",
            "approvers"
        ]
    );
    assert!(text.contains("every migration is applied"), "{text}");
    assert!(
        text.contains("read-only") && text.contains("a streaming standby"),
        "{text}"
    );
    assert!(text.contains("member of #approvals"), "{text}");
    assert!(
        text.contains("Slack texts in Korean (UI_LANGUAGE=ko)"),
        "the default language is said: {text}"
    );
    assert!(
        text.contains(&format!("{APPROVER_GROUP} resolves to 1 member")),
        "{text}"
    );
    assert_eq!(slack_calls(&slack, "auth.test").await.len(), 1);
    assert_eq!(slack_calls(&slack, "conversations.info").await.len(), 1);
    // Nothing was posted anywhere.
    assert!(slack_calls(&slack, "chat.postMessage").await.is_empty());

    // The binary: the same checklist, exit 0.
    let env: Vec<(&str, String)> = vars.into_iter().collect();
    let out = expire_bot(&["check-config"], &env).await;
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("all 6 checks passed"));
}

/// The same checklist on the MariaDB pair, as the bot's least-privilege users: reachable,
/// the replica read-only (refused by its session), its lag read, every migration applied.
#[tokio::test]
async fn check_config_passes_on_a_good_mysql_deployment() {
    let db = fresh_db(Backend::Mysql).await;
    let slack = slack_stand_in().await;
    mount_channel(&slack, true).await;
    let vars = env_for(&db.primary_url, &db.replica_url, &slack);
    let items = check::run(|k| vars.get(k).cloned()).await;
    let text = check::render(&items);
    // REQUESTER_* is unset here: a warning (issue 12), not a problem.
    assert!(
        items
            .iter()
            .all(|i| matches!(i.status, Status::Ok | Status::Warn)),
        "{text}"
    );
    assert!(
        text.contains("reachable MySQL-family primary, accepts writes; every migration is applied"),
        "{text}"
    );
    // The replica user has no write grant at all, so that is what refuses first; the
    // session's own READ ONLY is proven by the tests that point it at a writable server.
    assert!(
        text.contains("a probe write was refused: \"UPDATE command denied")
            && text.contains("a read-only replica, replication lag"),
        "{text}"
    );
    assert!(
        !text.contains("mysql://"),
        "URLs may hold passwords: {text}"
    );
    let env: Vec<(&str, String)> = vars.into_iter().collect();
    let out = expire_bot(&["check-config"], &env).await;
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("all 6 checks passed"));
}

/// A MySQL database nobody migrated, and the replica URL pointing at the primary (a
/// writable server): both said plainly.
#[tokio::test]
async fn check_config_on_mysql_says_to_migrate_and_spots_a_writable_replica() {
    let (primary, _) = empty_mysql_database().await;
    let slack = slack_stand_in().await;
    mount_channel(&slack, true).await;
    let vars = env_for(&primary, &primary, &slack);
    let items = check::run(|k| vars.get(k).cloned()).await;
    let text = check::render(&items);
    let line = |name: &str| items.iter().find(|i| i.name == name).unwrap().clone();
    let p = line("primary database");
    assert_eq!(p.status, Status::Fix, "{text}");
    assert!(p.detail.contains("run `expire-bot migrate`"), "{text}");

    let db = fresh_db(Backend::Mysql).await;
    let vars = env_for(&db.admin_url, &db.admin_url, &slack);
    let items = check::run(|k| vars.get(k).cloned()).await;
    let text = check::render(&items);
    let r = items.iter().find(|i| i.name == "replica database").unwrap();
    assert_eq!(r.status, Status::Ok, "{text}");
    assert!(
        r.detail.contains("READ ONLY transaction") && r.detail.contains("not a standby"),
        "the session refuses writes, but the server is writable: {text}"
    );
}

#[tokio::test]
async fn check_config_says_what_to_fix() {
    let db = fresh_db(Backend::Postgres).await;
    // A healthy token, but an approver group with no members.
    let slack = Arc::new(StrictSlack::bare(&[]).await);
    slack.mount_healthy().await;
    mount_channel(&slack, false).await;
    // A replica nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut vars = env_for(&db.primary_url, &db.replica_url, &slack);
    vars.insert(
        "DATABASE_REPLICA_URL",
        format!("postgres://postgres@127.0.0.1:{port}/{}", db.name),
    );
    let items = check::run(|k| vars.get(k).cloned()).await;
    let text = check::render(&items);
    let line = |name: &str| {
        items
            .iter()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("no {name} line: {text}"))
            .clone()
    };
    assert_eq!(line("primary database").status, Status::Ok, "{text}");
    let replica = line("replica database");
    assert_eq!(replica.status, Status::Fix);
    assert!(replica.detail.contains("DATABASE_REPLICA_URL"), "{text}");
    let channel = line("approval channel");
    assert_eq!(channel.status, Status::Fix);
    assert!(channel.detail.contains("/invite"), "{text}");
    let approvers = line("approvers");
    assert_eq!(approvers.status, Status::Fix);
    assert!(approvers.detail.contains("no members"), "{text}");
    assert!(
        !text.contains("postgres://"),
        "URLs may hold passwords: {text}"
    );

    let env: Vec<(&str, String)> = vars.into_iter().collect();
    let out = expire_bot(&["check-config"], &env).await;
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains("3 problem(s) to fix"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test]
async fn check_config_reports_a_token_slack_refuses_and_a_missing_schema() {
    let (primary, replica) = empty_pg_database().await;
    let slack = Arc::new(StrictSlack::bare(&[]).await);
    slack
        .on("auth.test")
        .expect(1..)
        .answer(
            ResponseTemplate::new(200).set_body_json(json!({"ok": false, "error": "invalid_auth"})),
        )
        .await;
    let vars = env_for(&primary, &replica, &slack);
    let items = check::run(|k| vars.get(k).cloned()).await;
    let text = check::render(&items);
    let primary = items.iter().find(|i| i.name == "primary database").unwrap();
    assert_eq!(primary.status, Status::Fix, "{text}");
    assert!(primary.detail.contains("expire-bot migrate"), "{text}");
    let token = items.iter().find(|i| i.name == "slack token").unwrap();
    assert_eq!(token.status, Status::Fix);
    assert!(token.detail.contains("Bot User OAuth Token"), "{text}");
    assert!(text.contains("[skip] approval channel"), "{text}");
}

#[tokio::test]
async fn check_config_tries_the_app_token_in_socket_mode() {
    let db = fresh_db(Backend::Sqlite).await;
    let slack = slack_stand_in().await;
    mount_channel(&slack, true).await;
    slack
        .on("apps.connections.open")
        .post()
        .expect(1)
        .answer(
            ResponseTemplate::new(200).set_body_json(json!({"ok": false, "error": "invalid_auth"})),
        )
        .await;
    let mut vars = env_for(&db.primary_url, &db.replica_url, &slack);
    vars.remove("SLACK_SIGNING_SECRET");
    vars.insert("SLACK_APP_TOKEN", "xapp-1-A0APP-1-revoked".to_owned());
    vars.insert("UI_LANGUAGE", "en".to_owned());
    let items = check::run(|k| vars.get(k).cloned()).await;
    let text = check::render(&items);
    assert!(text.contains("Socket Mode"), "{text}");
    assert!(
        text.contains("Slack texts in English (UI_LANGUAGE=en)"),
        "{text}"
    );
    assert!(
        text.contains("[ok  ] replica database: reachable and read-only")
            && text.contains("the SQLite file opened read-only"),
        "{text}"
    );
    let socket = items.iter().find(|i| i.name == "socket mode").expect(&text);
    assert_eq!(socket.status, Status::Fix);
    assert!(socket.detail.contains("connections:write"), "{text}");
    assert_eq!(slack_calls(&slack, "apps.connections.open").await.len(), 1);
}
