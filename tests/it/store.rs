//! The approval has four runs: on PostgreSQL the server-side function the bot runs
//! (`expire_bot_approve`, one round trip) and the statement-by-statement transaction; on
//! SQLite that same statement-by-statement transaction, on SQLite's SQL engine; on MySQL
//! its own statements (`store::mysql`), one client-side transaction in the same steps. This
//! module holds them to each other: every case is set up on each, its approvals clicked in
//! order as the bot's own role, and every verdict and the database after must be the same,
//! row for row (ids aside) — the function against the statements on PostgreSQL, and
//! SQLite's and MySQL's runs against PostgreSQL's (and MySQL's against SQLite's), compared
//! as normalised rows. The cases cover one
//! approval and several: counted, decided by the last one, the same lead twice, the
//! requester as the second, a click after the decision, the insurer or the deadline
//! getting there between two approvals.

use chrono::{DateTime, Duration, SecondsFormat, SubsecRound, Utc};
use expire_bot::domain::{PolicyId, RequestId, RiderId, SlackUserId};
use expire_bot::store::{DecideOutcome, FileOutcome, NewRequest, Store, StoreConfig};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::harness::*;

/// One setup: the policy as the insurer left it and the request as it was filed, then the
/// approvals clicked on it, in order.
struct Case {
    name: &'static str,
    /// `None`: the policy row is gone by the time of the approval.
    policy: Option<(&'static str, Option<Duration>)>,
    /// Offset of `cancelled_at` from the case's reference time.
    cancelled: Duration,
    /// When the request's deadline is, from the reference time (the approvals come at the
    /// reference time, then 5 s apart).
    ttl: Duration,
    /// Approvals the request needs.
    required: i32,
    /// Who clicks Approve, in order; every click's verdict is compared.
    approvers: &'static [&'static str],
}

/// An active, open-ended policy, cancelled three hours ago, approved once by a lead.
const PLAIN: Case = Case {
    name: "open-ended active policy",
    policy: Some(("ACTIVE", None)),
    cancelled: Duration::hours(-3),
    ttl: Duration::hours(24),
    required: 1,
    approvers: &[LEAD],
};

/// PLAIN, needing two approvals.
const TWO: Case = Case {
    name: "two needed, given by two leads",
    required: 2,
    approvers: &[LEAD, LEAD2],
    ..PLAIN
};

const CASES: &[Case] = &[
    PLAIN,
    Case {
        name: "active, valid_until earlier than the cancellation: kept",
        policy: Some(("ACTIVE", Some(Duration::hours(-5)))),
        ..PLAIN
    },
    Case {
        name: "active, valid_until later than the cancellation: moved back",
        policy: Some(("ACTIVE", Some(Duration::days(30)))),
        ..PLAIN
    },
    Case {
        name: "the insurer expired it first",
        policy: Some(("EXPIRED", Some(Duration::hours(-1)))),
        ..PLAIN
    },
    Case {
        name: "the policy row is gone",
        policy: None,
        ..PLAIN
    },
    Case {
        name: "the requester approves their own request",
        approvers: &[AGENT],
        ..PLAIN
    },
    Case {
        name: "past its deadline",
        ttl: Duration::minutes(-1),
        ..PLAIN
    },
    Case {
        name: "approved a second time",
        approvers: &[LEAD, LEAD],
        ..PLAIN
    },
    TWO,
    Case {
        name: "two needed, one given",
        approvers: &[LEAD],
        ..TWO
    },
    Case {
        name: "two needed, the same lead twice",
        approvers: &[LEAD, LEAD],
        ..TWO
    },
    Case {
        name: "two needed, the requester tries to be the second",
        approvers: &[LEAD, AGENT],
        ..TWO
    },
    Case {
        name: "two needed, a third approval after the decision",
        approvers: &[LEAD, LEAD2, GROUP_LEAD],
        ..TWO
    },
    Case {
        name: "two needed, the insurer expired it between the approvals",
        policy: Some(("EXPIRED", Some(Duration::hours(-1)))),
        ..TWO
    },
    Case {
        name: "two needed, the deadline passes between the approvals",
        ttl: Duration::seconds(3),
        ..TWO
    },
    Case {
        name: "three needed, two given",
        required: 3,
        ..TWO
    },
];

/// What `coalesce(outcome, status)` must say after each case, in order (so the comparison
/// compared something).
const OUTCOMES: &[&str] = &[
    "EXPIRED",
    "EXPIRED",
    "EXPIRED",
    "ALREADY_EXPIRED",
    "POLICY_MISSING",
    "PENDING",
    "PENDING",
    "EXPIRED",
    "EXPIRED",
    "PENDING",
    "PENDING",
    "PENDING",
    "EXPIRED",
    "ALREADY_EXPIRED",
    "PENDING",
    "PENDING",
];

/// Every click of a case, 5 s apart from `now`: the verdicts, in order.
async fn approve_all(
    db: &expire_bot::store::Primary,
    case: &Case,
    request: RequestId,
    now: DateTime<Utc>,
    server_side: bool,
) -> String {
    let mut verdicts = Vec::new();
    for (i, who) in case.approvers.iter().enumerate() {
        let at = now + Duration::seconds(5 * i as i64);
        let actor = SlackUserId::new(*who);
        let result = if server_side {
            db.approve_request(request, &actor, at).await
        } else {
            db.approve_request_in_statements(request, &actor, at).await
        };
        verdicts.push(verdict(&result.expect("approval runs")));
    }
    verdicts.join(" / ")
}

#[tokio::test]
async fn the_server_side_approval_agrees_with_the_statement_by_statement_one() {
    let db = fresh_db(Backend::Postgres).await;
    let admin = PgPoolOptions::new()
        .max_connections(2)
        .connect(&db.admin_url)
        .await
        .expect("admin connects");
    // The bot's own role: the function must work with exactly its grants.
    let bot = Store::open(&StoreConfig {
        primary_url: Some(db.primary_url.clone().into()),
        replica_url: None,
        max_connections: 2,
    })
    .expect("store");
    let rider: i64 = sqlx::query_scalar("SELECT min(id) FROM riders")
        .fetch_one(&admin)
        .await
        .expect("a seeded rider");
    let now = Utc::now();
    let mut next_policy = 990_000;

    for case in CASES {
        let mut seen = Vec::new();
        for server_side in [true, false] {
            next_policy += 1;
            let request = set_up(&admin, &bot, case, rider, next_policy, now).await;
            let verdicts = approve_all(&bot.primary, case, request, now, server_side).await;
            let state = snapshot(&admin, request, next_policy).await;
            seen.push((verdicts, state));
        }
        assert_eq!(
            seen[0], seen[1],
            "{}: server-side (left) and statement-by-statement (right) differ",
            case.name
        );
    }

    // The cases did what their names say (so the comparison compared something).
    let outcomes: Vec<String> = sqlx::query_scalar(
        "SELECT coalesce(outcome, status) FROM expiry_requests WHERE policy_id >= 990000 ORDER BY id",
    )
    .fetch_all(&admin)
    .await
    .expect("outcomes");
    let each: Vec<&str> = outcomes.iter().step_by(2).map(String::as_str).collect();
    assert_eq!(each, OUTCOMES);
    bot.close().await;
    admin.close().await;
}

/// One backend's run of every case: each set up on a fresh database, its approvals clicked
/// as the bot's role, and every row an approval may touch read back and normalised (ids
/// left out, times as UTC text), so two engines must agree on the verdicts and on the
/// resulting state, case by case. On PostgreSQL this is the statement-by-statement
/// transaction; on SQLite and MySQL what the bot runs there.
async fn run_cases(backend: Backend, now: DateTime<Utc>) -> Vec<(&'static str, String, String)> {
    let db = fresh_db(backend).await;
    let admin = AdminDb::open(&db.admin_url);
    let bot = Store::open(&StoreConfig {
        primary_url: Some(db.primary_url.clone().into()),
        replica_url: None,
        max_connections: 2,
    })
    .expect("store");
    let rider = expire_bot_scalar(&admin, "SELECT MIN(id) FROM riders").await;
    let mut seen = Vec::new();
    let mut next_policy = 990_000;
    for case in CASES {
        next_policy += 1;
        if let Some((status, until)) = case.policy {
            let sql = admin.sql(INSERT_POLICY);
            on_admin!(&admin, p => sqlx::query(&sql)
                .bind(next_policy)
                .bind(rider)
                .bind(format!("DIFF-{next_policy}"))
                .bind(status)
                .bind(now - Duration::days(60))
                .bind(until.map(|d| now + d))
                .execute(p)
                .await
                .map(|_| ()))
            .expect("policy");
        }
        let request = file(&bot, case, rider, next_policy, now).await;
        // PostgreSQL's reference is its statements; elsewhere what the bot runs.
        let verdicts = approve_all(
            &bot.primary,
            case,
            request,
            now,
            backend != Backend::Postgres,
        )
        .await;
        seen.push((
            case.name,
            verdicts,
            normalised(&admin, request, next_policy).await,
        ));
    }
    // The cases did what their names say (so the comparison compared something).
    let sql = admin.sql(
        "SELECT CAST(coalesce(outcome, status) AS TEXT) FROM expiry_requests WHERE policy_id >= 990000 ORDER BY id",
    );
    let outcomes: Vec<String> =
        on_admin!(&admin, p => sqlx::query_scalar(&sql).fetch_all(p).await).expect("outcomes");
    assert_eq!(outcomes, OUTCOMES, "{backend:?}");
    bot.close().await;
    admin.close().await;
    assert_eq!(seen.len(), CASES.len());
    seen
}

/// Asserts two runs agree, case by case.
fn assert_same(
    left: &[(&str, String, String)],
    right: &[(&str, String, String)],
    names: (&str, &str),
) {
    for (l, r) in left.iter().zip(right) {
        assert_eq!(
            l, r,
            "{}: {} (left) and {} (right) differ",
            l.0, names.0, names.1
        );
    }
}

/// SQLite's approval (its statement-by-statement transaction, which is what the bot runs
/// there) against PostgreSQL's statement-by-statement one.
#[tokio::test]
async fn sqlite_approves_exactly_as_postgresql_does() {
    // Whole seconds: PostgreSQL keeps microseconds, SQLite whatever it is given.
    let now = Utc::now().trunc_subsecs(0);
    let (pg, lite) = tokio::join!(
        run_cases(Backend::Postgres, now),
        run_cases(Backend::Sqlite, now)
    );
    assert_same(&pg, &lite, ("PostgreSQL", "SQLite"));
}

/// MySQL's approval (its own statements in one client-side transaction, run on the MariaDB
/// pair) against PostgreSQL's statements and SQLite's, case by case: one approval and
/// several, counted in the last approval's transaction.
#[tokio::test]
async fn mysql_approves_exactly_as_postgresql_and_sqlite_do() {
    let now = Utc::now().trunc_subsecs(0);
    let (pg, lite, my) = tokio::join!(
        run_cases(Backend::Postgres, now),
        run_cases(Backend::Sqlite, now),
        run_cases(Backend::Mysql, now)
    );
    assert_same(&pg, &my, ("PostgreSQL", "MySQL"));
    assert_same(&lite, &my, ("SQLite", "MySQL"));
}

fn t(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "-".to_owned(),
        |t| t.to_rfc3339_opts(SecondsFormat::Micros, true),
    )
}

/// Everything an approval may touch, ids left out, times as UTC text: the same on any
/// backend for the same state.
async fn normalised(admin: &AdminDb, request: RequestId, policy: i64) -> String {
    type RequestRow = (
        String,
        Option<String>,
        Option<DateTime<Utc>>,
        Option<String>,
        Option<String>,
        i32,
        i32,
    );
    type AuditRow = (
        String,
        String,
        DateTime<Utc>,
        Option<String>,
        Option<String>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<String>,
    );
    type OutboxRow = (
        String,
        i32,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
    );
    let sql = admin.sql(
        "SELECT CAST(status AS TEXT), CAST(decided_by AS TEXT), decided_at, CAST(outcome AS TEXT), \
                CAST(decision_note AS TEXT), approvals, approvals_required FROM expiry_requests WHERE id = $1",
    );
    let (status, decided_by, decided_at, outcome, note, approvals, required): RequestRow =
        on_admin!(admin, p => sqlx::query_as(&sql).bind(request.0).fetch_one(p).await)
            .expect("request");
    let sql = admin.sql(
        "SELECT CAST(status AS TEXT), valid_until FROM hourly_insurance_policies WHERE id = $1",
    );
    let pol: Option<(String, Option<DateTime<Utc>>)> =
        on_admin!(admin, p => sqlx::query_as(&sql).bind(policy).fetch_optional(p).await)
            .expect("policy");
    let sql = admin.sql(
        "SELECT CAST(event AS TEXT), CAST(actor AS TEXT), at, CAST(status_before AS TEXT), \
                CAST(status_after AS TEXT), valid_until_before, valid_until_after, CAST(reason AS TEXT) \
         FROM expiry_audit WHERE request_id = $1 ORDER BY id",
    );
    let audit: Vec<AuditRow> =
        on_admin!(admin, p => sqlx::query_as(&sql).bind(request.0).fetch_all(p).await)
            .expect("audit");
    let sql = admin.sql(
        "SELECT CAST(kind AS TEXT), attempts, next_attempt_at, claimed_until, done_at FROM slack_outbox \
         WHERE request_id = $1 ORDER BY kind",
    );
    let outbox: Vec<OutboxRow> =
        on_admin!(admin, p => sqlx::query_as(&sql).bind(request.0).fetch_all(p).await)
            .expect("outbox");
    let sql = admin.sql(
        "SELECT CAST(approver AS TEXT), approved_at FROM expiry_approvals WHERE request_id = $1 ORDER BY id",
    );
    let given: Vec<(String, DateTime<Utc>)> =
        on_admin!(admin, p => sqlx::query_as(&sql).bind(request.0).fetch_all(p).await)
            .expect("approvals");
    let mut out = format!(
        "request {status} {decided_by:?} {} {outcome:?} {note:?} {approvals}/{required}\n",
        t(decided_at)
    );
    for (approver, at) in given {
        out.push_str(&format!("approval {approver} {}\n", t(Some(at))));
    }
    match pol {
        Some((s, until)) => out.push_str(&format!("policy {s} {}\n", t(until))),
        None => out.push_str("policy gone\n"),
    }
    for (event, actor, at, sb, sa, vb, va, reason) in audit {
        out.push_str(&format!(
            "audit {event} {actor} {} {sb:?} {sa:?} {} {} {reason:?}\n",
            t(Some(at)),
            t(vb),
            t(va)
        ));
    }
    for (kind, attempts, next, claimed, done) in outbox {
        out.push_str(&format!(
            "outbox {kind} {attempts} {} {} {}\n",
            t(Some(next)),
            t(claimed),
            t(done)
        ));
    }
    out
}

/// Inserts the case's policy and files its request; returns the request id.
async fn set_up(
    admin: &PgPool,
    bot: &Store,
    case: &Case,
    rider: i64,
    policy_id: i64,
    now: DateTime<Utc>,
) -> RequestId {
    if let Some((status, until)) = case.policy {
        sqlx::query(INSERT_POLICY)
            .bind(policy_id)
            .bind(rider)
            .bind(format!("DIFF-{policy_id}"))
            .bind(status)
            .bind(now - Duration::days(60))
            .bind(until.map(|d| now + d))
            .execute(admin)
            .await
            .expect("policy");
    }
    file(bot, case, rider, policy_id, now).await
}

const INSERT_POLICY: &str = "INSERT INTO hourly_insurance_policies (id, rider_id, insurer, policy_number, status, valid_from, valid_until) \
     VALUES ($1, $2, '한빛손해보험', $3, $4, $5, $6)";

/// Files the case's request through the bot's store; returns its id.
async fn file(
    bot: &Store,
    case: &Case,
    rider: i64,
    policy_id: i64,
    now: DateTime<Utc>,
) -> RequestId {
    let filed = bot
        .primary
        .file_request(&NewRequest {
            policy_id: PolicyId(policy_id),
            requested_by: SlackUserId::new(AGENT),
            rider_id: RiderId(rider),
            rider_name_masked: "홍*동".to_owned(),
            rider_phone_masked: "010-****-0000".to_owned(),
            rider_status: "ACTIVE".to_owned(),
            policy_number_masked: "****0000".to_owned(),
            insurer: "한빛손해보험".to_owned(),
            cancelled_at: now + case.cancelled,
            reason: "differential test".to_owned(),
            requested_at: now - Duration::minutes(10),
            expires_at: now + case.ttl,
            policy_status: "ACTIVE".to_owned(),
            valid_until: None,
            approvals_required: case.required,
            backdated: false,
            remind_at: None,
            view_id: None,
        })
        .await
        .expect("file");
    match filed {
        FileOutcome::Filed(id) => id,
        other => panic!("{}: not filed: {other:?}", case.name),
    }
}

fn verdict(r: &DecideOutcome) -> String {
    match r {
        DecideOutcome::Decided(row) => format!(
            "Decided {} {:?} {:?} {:?} {}/{}",
            row.status,
            row.decided_by.as_deref(),
            row.outcome.map(|o| o.as_str()),
            row.decision_note,
            row.approvals,
            row.approvals_required
        ),
        DecideOutcome::Counted(row) => format!(
            "Counted {} {}/{}",
            row.status, row.approvals, row.approvals_required
        ),
        DecideOutcome::AlreadyApproved(row) => format!(
            "AlreadyApproved {} {}/{}",
            row.status, row.approvals, row.approvals_required
        ),
        DecideOutcome::AlreadyDecided(row) => format!("AlreadyDecided {}", row.status),
        DecideOutcome::TimedOut(row) => format!("TimedOut {}", row.status),
        DecideOutcome::OwnRequest => "OwnRequest".to_owned(),
        DecideOutcome::NotFound => "NotFound".to_owned(),
    }
}

/// Everything an approval may touch, ids left out, as the server renders it.
async fn snapshot(admin: &PgPool, request: RequestId, policy: i64) -> String {
    let parts = [
        "SELECT json_agg(t)::text FROM (SELECT status, decided_by, decided_at, outcome, decision_note, \
         approvals, approvals_required FROM expiry_requests WHERE id = $1) t",
        "SELECT json_agg(t ORDER BY t.id)::text FROM (SELECT id, approver, approved_at \
         FROM expiry_approvals WHERE request_id = $1) t",
        "SELECT json_agg(t)::text FROM (SELECT status, valid_until \
         FROM hourly_insurance_policies WHERE id = $2) t",
        "SELECT json_agg(t ORDER BY t.id)::text FROM (SELECT id, event, actor, at, status_before, status_after, \
         valid_until_before, valid_until_after, reason FROM expiry_audit WHERE request_id = $1) t",
        "SELECT json_agg(t ORDER BY t.kind)::text FROM (SELECT kind, attempts, next_attempt_at, claimed_until, done_at \
         FROM slack_outbox WHERE request_id = $1) t",
    ];
    let mut out = String::new();
    for sql in parts {
        let part: Option<String> = sqlx::query_scalar(sql)
            .bind(request.0)
            .bind(policy)
            .fetch_one(admin)
            .await
            .expect("snapshot");
        // Audit ids differ between the two runs; their order is what matters.
        let part = part.unwrap_or_default();
        let part = without_ids(&part);
        out.push_str(&part);
        out.push('\n');
    }
    out
}

/// Drops `"id":N,` fields (the audit rows' own ids).
fn without_ids(json: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let stripped = match value {
        serde_json::Value::Array(rows) => serde_json::Value::Array(
            rows.into_iter()
                .map(|mut r| {
                    if let Some(o) = r.as_object_mut() {
                        o.remove("id");
                    }
                    r
                })
                .collect(),
        ),
        other => other,
    };
    stripped.to_string()
}

/// A database filed and decided on before migration 0100 keeps every request, audit record
/// and owed Slack call through it, on both backends: the approved request is counted as
/// approved once (by its decider), the pending one needs the one approval it always did and
/// can still be approved, and every foreign key still holds. On SQLite the migration
/// rebuilds two tables with their children's references deferred, which only a database
/// holding rows can prove.
#[tokio::test]
async fn an_upgrade_to_the_approval_workflow_keeps_every_request_and_its_trail() {
    for backend in [Backend::Postgres, Backend::Sqlite, Backend::Mysql] {
        let (url, _dir) = empty_db(backend).await;
        let admin = AdminDb::open(&url);
        // Everything before 0100, as an instance of the previous version left it.
        let earlier = tempfile::tempdir().expect("tempdir");
        let dialect = match backend {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
            Backend::Mysql => "mysql",
        };
        let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(dialect);
        for entry in std::fs::read_dir(&source).expect("migrations") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            // MySQL's 0100 is its heartbeat; its workflow migration is 0110.
            let first_new = if backend == Backend::Mysql {
                "0110"
            } else {
                "0100"
            };
            if name < first_new {
                std::fs::copy(&path, earlier.path().join(name)).expect("copy");
            }
        }
        let migrator = sqlx::migrate::Migrator::new(earlier.path())
            .await
            .expect("earlier migrations");
        on_admin!(&admin, p => migrator.run(p).await).expect("earlier schema");
        let now = Utc::now().trunc_subsecs(0);
        for sql in [
            "INSERT INTO riders (id, name, phone, status) VALUES (1, '홍길동', '01012345678', 'ACTIVE')",
            "INSERT INTO hourly_insurance_policies (id, rider_id, insurer, policy_number, status, valid_from) \
             VALUES (11, 1, 'A', 'P-11', 'EXPIRED', '2026-01-01T00:00:00+00:00'), \
                    (12, 1, 'A', 'P-12', 'ACTIVE', '2026-01-01T00:00:00+00:00')",
            "INSERT INTO expiry_requests (id, policy_id, requested_by, decided_by, status, decided_at, outcome) \
             VALUES (1, 11, 'U0AGENT', 'U0LEAD1', 'APPROVED', '2026-02-01T00:00:00+00:00', 'EXPIRED')",
            "INSERT INTO expiry_requests (id, policy_id, requested_by, status, cancelled_at, expires_at) \
             VALUES (2, 12, 'U0AGENT', 'PENDING', '2026-02-01T00:00:00+00:00', '2999-01-01T00:00:00+00:00')",
            "INSERT INTO expiry_audit (request_id, event, actor, policy_id) VALUES \
             (1, 'FILED', 'U0AGENT', 11), (1, 'APPROVED', 'U0LEAD1', 11), (2, 'FILED', 'U0AGENT', 12)",
            "INSERT INTO slack_outbox (request_id, kind) VALUES (1, 'thread_reply'), (2, 'post_request')",
        ] {
            // MySQL's DATETIME takes no offset (the connection is UTC).
            let sql = if backend == Backend::Mysql {
                sql.replace("T00:00:00+00:00", " 00:00:00")
            } else {
                sql.to_owned()
            };
            admin.exec(&sql).await;
        }
        let store = Store::open(&StoreConfig {
            primary_url: Some(url.clone().into()),
            replica_url: None,
            max_connections: 2,
        })
        .expect("store");
        store
            .migrate()
            .await
            .expect("migration 0100 on a database with rows");

        let n = |sql: &'static str| {
            let admin = admin.clone();
            async move { expire_bot_scalar(&admin, sql).await }
        };
        assert_eq!(
            n("SELECT COUNT(*) FROM expiry_requests").await,
            2,
            "{backend:?}"
        );
        assert_eq!(
            n("SELECT COUNT(*) FROM expiry_audit").await,
            3,
            "{backend:?}"
        );
        assert_eq!(
            n("SELECT COUNT(*) FROM slack_outbox").await,
            2,
            "{backend:?}"
        );
        assert_eq!(
            n("SELECT COUNT(*) FROM expiry_approvals WHERE request_id = 1 AND approver = 'U0LEAD1'").await,
            1,
            "the earlier approval is on record ({backend:?})"
        );
        assert_eq!(
            n("SELECT CAST(approvals * 10 + approvals_required AS BIGINT) FROM expiry_requests WHERE id = 1").await,
            11
        );
        assert_eq!(
            n("SELECT CAST(approvals * 10 + approvals_required AS BIGINT) FROM expiry_requests WHERE id = 2").await,
            1
        );
        if backend == Backend::Sqlite {
            assert_eq!(
                n("SELECT COUNT(*) FROM pragma_foreign_key_check").await,
                0,
                "every reference still holds"
            );
            // The rebuilt audit trail is still append-only.
            let refused = match &admin {
                AdminDb::Sqlite(p) => sqlx::query("UPDATE expiry_audit SET reason = 'x'")
                    .execute(p)
                    .await
                    .is_err(),
                AdminDb::Pg(_) | AdminDb::MySql(_) => unreachable!(),
            };
            assert!(refused, "expiry_audit stays append-only");
        }
        // The pending request is approved as it always would have been: one approval.
        let outcome = store
            .primary
            .approve_request(RequestId(2), &SlackUserId::new(LEAD), now)
            .await
            .expect("approval runs");
        assert!(
            matches!(&outcome, DecideOutcome::Decided(r) if r.approvals == 1),
            "{backend:?}: {outcome:?}"
        );
        store.close().await;
        admin.close().await;
    }
}

/// A database with no tables: on the test primary, or a fresh SQLite file (whose directory
/// is returned, to live as long as the test).
async fn empty_db(backend: Backend) -> (String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Postgres => {
            let admin = admin_primary().await;
            let name = format!("upgrade_{}_{}", std::process::id(), rand_suffix());
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .expect("create database");
            admin.close().await;
            let base = std::env::var("TEST_PRIMARY_URL").expect("scripts/test.sh sets it");
            let url = match base.rfind('/') {
                Some(i) => format!("{}/{name}", &base[..i]),
                None => base,
            };
            (url, None)
        }
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let file = dir.path().join("expire-bot.db");
            std::fs::File::create(&file).expect("db file");
            (format!("sqlite://{}", file.display()), Some(dir))
        }
        Backend::Mysql => {
            let base = std::env::var("TEST_MYSQL_PRIMARY_URL").expect("scripts/test.sh sets it");
            let admin = sqlx::mysql::MySqlPoolOptions::new()
                .max_connections(1)
                .connect(&base)
                .await
                .expect("connect to the MySQL test primary");
            let name = format!("upgrade_{}_{}", std::process::id(), rand_suffix());
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .expect("create database");
            admin.close().await;
            let url = match base.rfind('/') {
                Some(i) => format!("{}/{name}", &base[..i]),
                None => base,
            };
            (url, None)
        }
    }
}

fn rand_suffix() -> u64 {
    Utc::now().timestamp_subsec_nanos() as u64
}
