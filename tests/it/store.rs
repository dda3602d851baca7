//! The approval has two implementations on PostgreSQL: the server-side function the bot
//! runs (`expire_bot_approve`, one round trip) and the statement-by-statement transaction
//! SQLite runs. This module holds them to each other: every case is set up twice, decided
//! once each way as the least-privilege primary role, and the database must end up the
//! same, row for row (ids aside).

use chrono::{DateTime, Duration, Utc};
use expire_bot::store::{self, DecideOutcome, Store, StoreConfig};
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
                let (db, actor) = (&bot.primary, if case.own { AGENT } else { LEAD });
                async move {
                    if server_side {
                        store::approve_request(db, request, actor, at).await
                    } else {
                        store::approve_request_in_statements(db, request, actor, at).await
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

/// Inserts the case's policy and files its request; returns the request id.
async fn set_up(
    admin: &PgPool,
    bot: &Store,
    case: &Case,
    rider: i64,
    policy_id: i64,
    now: DateTime<Utc>,
) -> i64 {
    if let Some((status, until)) = case.policy {
        sqlx::query(
            "INSERT INTO hourly_insurance_policies (id, rider_id, insurer, policy_number, status, valid_from, valid_until) \
             VALUES ($1, $2, '한빛손해보험', 'DIFF-' || $1, $3, $4, $5)",
        )
        .bind(policy_id)
        .bind(rider)
        .bind(status)
        .bind(now - Duration::days(60))
        .bind(until.map(|d| now + d))
        .execute(admin)
        .await
        .expect("policy");
    }
    let filed = store::file_request(
        &bot.primary,
        &store::NewRequest {
            policy_id,
            requested_by: AGENT.to_owned(),
            rider_id: rider,
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
        },
    )
    .await
    .expect("file");
    match filed {
        store::FileOutcome::Filed(id) => id,
        other => panic!("{}: not filed: {other:?}", case.name),
    }
}

fn verdict(r: &DecideOutcome) -> String {
    match r {
        DecideOutcome::Decided(row) => format!(
            "Decided {} {:?} {:?} {:?}",
            row.status, row.decided_by, row.outcome, row.decision_note
        ),
        DecideOutcome::AlreadyDecided(row) => format!("AlreadyDecided {}", row.status),
        DecideOutcome::Expired(row) => format!("Expired {}", row.status),
        DecideOutcome::OwnRequest => "OwnRequest".to_owned(),
        DecideOutcome::NotFound => "NotFound".to_owned(),
    }
}

/// Everything an approval may touch, ids left out, as the server renders it.
async fn snapshot(admin: &PgPool, request: i64, policy: i64) -> String {
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
            .bind(request)
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
