//! The approval has four runs: on PostgreSQL the server-side function the bot runs
//! (`expire_bot_approve`, one round trip) and the statement-by-statement transaction; on
//! SQLite that same statement-by-statement transaction, on SQLite's SQL engine; on MySQL
//! its own statements (`store::mysql`), one client-side transaction in the same steps. This
//! module holds them to each other: every case is set up on each, decided as the bot's own
//! role, and the database must end up the same, row for row (ids aside) — the function
//! against the statements on PostgreSQL, and SQLite's and MySQL's runs against
//! PostgreSQL's (and MySQL's against SQLite's), compared as normalised rows.

use chrono::{DateTime, Duration, SecondsFormat, SubsecRound, Utc};
use expire_bot::domain::{PolicyId, RequestId, RiderId, SlackUserId};
use expire_bot::store::{DecideOutcome, FileOutcome, NewRequest, Store, StoreConfig};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::harness::*;

/// One setup: the policy as the insurer left it and the request as it was filed.
struct Case {
    name: &'static str,
    /// `None`: the policy row is gone by the time of the approval.
    policy: Option<(&'static str, Option<Duration>)>,
    /// Offset of `cancelled_at` from the case's reference time.
    cancelled: Duration,
    /// The request is past its deadline.
    past_ttl: bool,
    /// The approver is the requester.
    own: bool,
    /// Approved twice; the second call is the one compared.
    twice: bool,
}

/// An active, open-ended policy, cancelled three hours ago, approved once by a lead.
const PLAIN: Case = Case {
    name: "open-ended active policy",
    policy: Some(("ACTIVE", None)),
    cancelled: Duration::hours(-3),
    past_ttl: false,
    own: false,
    twice: false,
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
        own: true,
        ..PLAIN
    },
    Case {
        name: "past its deadline",
        past_ttl: true,
        ..PLAIN
    },
    Case {
        name: "approved a second time",
        twice: true,
        ..PLAIN
    },
];

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
            let decide = |at: DateTime<Utc>| {
                let (db, actor) = (
                    &bot.primary,
                    SlackUserId::new(if case.own { AGENT } else { LEAD }),
                );
                async move {
                    if server_side {
                        db.approve_request(request, &actor, at).await
                    } else {
                        db.approve_request_in_statements(request, &actor, at).await
                    }
                }
            };
            let mut result = decide(now).await.expect("approval runs");
            if case.twice {
                result = decide(now + Duration::seconds(5))
                    .await
                    .expect("approval runs");
            }
            let state = snapshot(&admin, request, next_policy).await;
            seen.push((verdict(&result), state));
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
    assert_eq!(
        each,
        [
            "EXPIRED",
            "EXPIRED",
            "EXPIRED",
            "ALREADY_EXPIRED",
            "POLICY_MISSING",
            "PENDING",
            "PENDING",
            "EXPIRED"
        ]
    );
    bot.close().await;
    admin.close().await;
}

/// One backend's run of every case: each set up on a fresh database, decided as the bot's
/// role, and every row an approval may touch read back and normalised (ids left out, times
/// as UTC text), so two engines must agree on the verdict and on the resulting state, case
/// by case. On PostgreSQL this is the statement-by-statement transaction; on SQLite and
/// MySQL what the bot runs there.
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
        let actor = SlackUserId::new(if case.own { AGENT } else { LEAD });
        let decide = |at: DateTime<Utc>| {
            let (db, actor) = (&bot.primary, &actor);
            async move {
                match backend {
                    Backend::Postgres => db.approve_request_in_statements(request, actor, at).await,
                    Backend::Sqlite | Backend::Mysql => {
                        db.approve_request(request, actor, at).await
                    }
                }
            }
        };
        let mut result = decide(now).await.expect("approval runs");
        if case.twice {
            result = decide(now + Duration::seconds(5))
                .await
                .expect("approval runs");
        }
        seen.push((
            case.name,
            verdict(&result),
            normalised(&admin, request, next_policy).await,
        ));
    }
    // The cases did what their names say (so the comparison compared something).
    let sql = admin.sql(
        "SELECT CAST(coalesce(outcome, status) AS TEXT) FROM expiry_requests WHERE policy_id >= 990000 ORDER BY id",
    );
    let outcomes: Vec<String> =
        on_admin!(&admin, p => sqlx::query_scalar(&sql).fetch_all(p).await).expect("outcomes");
    assert_eq!(
        outcomes,
        [
            "EXPIRED",
            "EXPIRED",
            "EXPIRED",
            "ALREADY_EXPIRED",
            "POLICY_MISSING",
            "PENDING",
            "PENDING",
            "EXPIRED"
        ],
        "{backend:?}"
    );
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
/// pair) against PostgreSQL's statements and SQLite's, case by case.
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
                CAST(decision_note AS TEXT) FROM expiry_requests WHERE id = $1",
    );
    let (status, decided_by, decided_at, outcome, note): RequestRow =
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
    let mut out = format!(
        "request {status} {decided_by:?} {} {outcome:?} {note:?}\n",
        t(decided_at)
    );
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
            expires_at: if case.past_ttl {
                now - Duration::minutes(1)
            } else {
                now + Duration::hours(24)
            },
            policy_status: "ACTIVE".to_owned(),
            valid_until: None,
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
            "Decided {} {:?} {:?} {:?}",
            row.status,
            row.decided_by.as_deref(),
            row.outcome.map(|o| o.as_str()),
            row.decision_note
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
        "SELECT json_agg(t)::text FROM (SELECT status, decided_by, decided_at, outcome, decision_note \
         FROM expiry_requests WHERE id = $1) t",
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
