//! The withdrawn-rider digest, bulk filing from it, and `/expire-insurance history`
//! (issue 7), against the real primary + replica of each server backend
//! (`digest::postgres::…`, `digest::mysql::…`) and SQLite, with two bot instances sharing
//! one database and one Slack stand-in where "once" is the point.
//!
//! Slots are run with `Digest::run_slot` instead of waiting for the clock; the scheduler's
//! own start-up catch-up is exercised once, with a schedule whose slot is this minute.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Timelike, Utc};
use expire_bot::domain::{PolicyId, RiderId};
use expire_bot::service::digest::scan;
use expire_bot::startup::{self, Bot};
use expire_bot::store::seed::{self, SeedPolicy, SeedRider, cases};
use expire_bot::workers::digest::SlotOutcome;
use expire_bot::workers::digest::schedule::{AllClear, Schedule};
use serde_json::Value;

use crate::harness::*;

/// Riders of the digest's seeded set.
const WITHDRAWN_TWO_ACTIVE: i64 = 9001; // withdrawn, two active policies: listed
const WITHDRAWN_EXPIRED: i64 = 9002; // withdrawn, policy already expired: not listed
const ACTIVE_RIDER: i64 = 9003; // active member with an active policy: not listed
const WITHDRAWN_ONE_ACTIVE: i64 = 9004; // withdrawn, one active policy: listed
/// The policies a digest of the set must list.
const LISTED_POLICIES: [i64; 3] = [9101, 9102, 9401];

fn at_second(t: DateTime<Utc>) -> DateTime<Utc> {
    Utc.timestamp_opt(t.timestamp(), 0).unwrap()
}

fn set_data(now: DateTime<Utc>) -> (Vec<SeedRider>, Vec<SeedPolicy>) {
    let day = chrono::Duration::days(1);
    let rider = |id: i64, name: &str, status: &'static str, withdrawn: Option<i64>| SeedRider {
        id: RiderId(id),
        name: name.into(),
        phone: format!("010555{id:05}"),
        birth_date: chrono::NaiveDate::from_ymd_opt(1991, 4, 5),
        status,
        withdrawn_at: withdrawn.map(|d| at_second(now) - day * d as i32),
    };
    let riders = vec![
        rider(WITHDRAWN_TWO_ACTIVE, "홍길동", "WITHDRAWN", Some(5)),
        rider(WITHDRAWN_EXPIRED, "남궁민수", "WITHDRAWN", Some(3)),
        rider(ACTIVE_RIDER, "김수", "ACTIVE", None),
        rider(WITHDRAWN_ONE_ACTIVE, "이서연", "WITHDRAWN", Some(1)),
    ];
    let policy = |id: i64,
                  rider_id: i64,
                  status: &'static str,
                  from_days: i64,
                  until: Option<DateTime<Utc>>| SeedPolicy {
        id: PolicyId(id),
        rider_id: RiderId(rider_id),
        insurer: seed::INSURERS[(id % 2) as usize],
        policy_number: format!("HB-2026-{id:06}"),
        status,
        valid_from: at_second(now) - day * from_days as i32,
        valid_until: until,
    };
    let policies = vec![
        policy(9101, WITHDRAWN_TWO_ACTIVE, "ACTIVE", 100, None),
        policy(9102, WITHDRAWN_TWO_ACTIVE, "ACTIVE", 50, None),
        policy(9201, WITHDRAWN_EXPIRED, "EXPIRED", 100, Some(now - day)),
        policy(9301, ACTIVE_RIDER, "ACTIVE", 100, None),
        policy(9401, WITHDRAWN_ONE_ACTIVE, "ACTIVE", 30, None),
    ];
    (riders, policies)
}

/// Raw values of the set that must never reach Slack.
fn raw_values(now: DateTime<Utc>) -> Vec<String> {
    let (riders, policies) = set_data(now);
    let mut out = Vec::new();
    for r in riders {
        out.push(r.name.clone());
        out.push(r.phone.clone());
        out.push(format!(
            "{}-{}-{}",
            &r.phone[..3],
            &r.phone[3..7],
            &r.phone[7..]
        ));
    }
    out.extend(policies.into_iter().map(|p| p.policy_number));
    out
}

async fn exec(db: &AdminDb, sql: &str) {
    db.exec(sql).await;
}

/// Replaces the demo riders with the digest's set (and waits for the replica to have it).
async fn seed_set(app: &TestApp, now: DateTime<Utc>) {
    exec(app.primary(), "DELETE FROM hourly_insurance_policies").await;
    exec(app.primary(), "DELETE FROM riders").await;
    let (riders, policies) = set_data(now);
    app.admin_store
        .seed(&riders, &policies)
        .await
        .expect("seed the set");
    replicated(app).await;
}

async fn replicated(app: &TestApp) {
    crate::harness::replicated(app.db.backend).await;
}

/// A second instance on the same database and the same Slack stand-in.
async fn second_instance(a: &TestApp) -> TestApp {
    spawn_app_with(Options {
        backend: a.db.backend,
        database: Some(a.db.clone()),
        slack: Some(a.slack.clone()),
        ..Options::default()
    })
    .await
}

/// The digest messages Slack received (approval requests go to the same channel).
async fn digest_posts(slack: &StrictSlack) -> Vec<Value> {
    slack_calls(slack, "chat.postMessage")
        .await
        .into_iter()
        .filter(|m| {
            m["text"].as_str().is_some_and(|t| {
                t.contains("Withdrawn riders still insured") || t.contains("Withdrawn-rider digest")
            })
        })
        .collect()
}

async fn approval_posts(slack: &StrictSlack) -> Vec<Value> {
    slack_calls(slack, "chat.postMessage")
        .await
        .into_iter()
        .filter(|m| m.to_string().contains("approve_expiry"))
        .collect()
}

fn assert_masked_only(what: &str, s: &str, now: DateTime<Utc>) {
    for raw in raw_values(now) {
        assert!(!s.contains(&raw), "raw value {raw:?} in {what}: {s}");
    }
}

/// Polls `check` until it holds (bounded; the bot works in the background).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("gave up waiting for: {what}");
}

/// A click on one of the digest's buttons, as Slack sends it.
fn digest_click(user: &str, action_id: &str, value: &str) -> Value {
    expire_bot::testkit::fixtures::digest_button_click(APPROVAL_CHANNEL, user, action_id, value)
}

fn count_in(text: &str, pattern: &str) -> usize {
    // "Filed 2 new requests; 1 policy was already waiting …": the number before `pattern`.
    text.find(pattern)
        .and_then(|i| text[..i].split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

async fn digest_lists_withdrawn_riders_with_active_policies_and_posts_once_with_two_instances(
    backend: Backend,
) {
    let now = Utc::now();
    let a = spawn_on(backend).await;
    seed_set(&a, now).await;
    let b = second_instance(&a).await;
    let slot = at_second(now);

    let (ra, rb) = tokio::join!(a.app.digest.run_slot(slot), b.app.digest.run_slot(slot));
    let outcomes = [ra.expect("instance a"), rb.expect("instance b")];
    let posted: Vec<_> = outcomes
        .iter()
        .filter(|o| matches!(o, SlotOutcome::Posted { .. }))
        .collect();
    assert_eq!(posted.len(), 1, "exactly one instance posts: {outcomes:?}");
    assert_eq!(
        posted[0],
        &SlotOutcome::Posted {
            riders: 2,
            policies: 3,
            messages: 1
        }
    );
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, SlotOutcome::AlreadyDone | SlotOutcome::ClaimedElsewhere)),
        "{outcomes:?}"
    );
    // Later attempts (the scheduler of a third instance, a restart) post nothing.
    assert_eq!(
        b.app.digest.run_slot(slot).await.unwrap(),
        SlotOutcome::AlreadyDone
    );

    let posts = digest_posts(&a.slack).await;
    assert_eq!(posts.len(), 1, "one digest message: {posts:?}");
    let digest = &posts[0];
    assert_eq!(digest["channel"], APPROVAL_CHANNEL, "default channel");
    let s = digest.to_string();
    assert_masked_only("the digest", &s, now);
    assert!(s.contains("2 withdrawn riders"), "{s}");
    assert!(s.contains("3 active hourly policies"), "{s}");
    // Masked name, masked phone, masked policy, insurer, withdrawn date, days since.
    assert!(s.contains("홍*동") && s.contains("이*연"), "{s}");
    assert!(
        s.contains("010-****-9001") && s.contains("010-****-9004"),
        "{s}"
    );
    assert!(s.contains("**********9101") && s.contains("**********9102"));
    assert!(s.contains("**********9401"));
    assert!(s.contains(seed::INSURERS[1]));
    assert!(s.contains("5 days ago") && s.contains("1 day ago"), "{s}");
    let withdrawn_date = (at_second(now) - chrono::Duration::days(5))
        .with_timezone(&chrono_tz::Asia::Seoul)
        .format("%Y-%m-%d")
        .to_string();
    assert!(s.contains(&format!("withdrawn {withdrawn_date}")), "{s}");
    // Not listed: the withdrawn rider whose policy is expired, and the active member.
    assert!(!s.contains("남**수") && !s.contains("010-****-9002"), "{s}");
    assert!(!s.contains("010-****-9003") && !s.contains("9301"), "{s}");
    // Oldest withdrawal first; a button per rider, prefilled with the withdrawal time.
    assert!(s.find("홍*동").unwrap() < s.find("이*연").unwrap());
    let withdrawn_at = at_second(now) - chrono::Duration::days(5);
    assert!(
        s.contains(&format!(
            "\"{WITHDRAWN_TWO_ACTIVE}:{}\"",
            withdrawn_at.timestamp()
        )),
        "{s}"
    );
    assert_eq!(s.matches("digest_file_one").count(), 2);
    assert_eq!(s.matches("digest_file_all").count(), 1);
    let blocks = digest["blocks"].as_array().expect("blocks");
    assert!(blocks.len() <= 50);

    // The database says the same: one run, finished, and the three policies it listed.
    assert_eq!(a.scalar("SELECT COUNT(*) FROM digest_runs").await, 1);
    assert_eq!(
        a.scalar("SELECT COUNT(*) FROM digest_runs WHERE posted_at IS NOT NULL AND riders = 2 AND policies = 3")
            .await,
        1
    );
    assert_eq!(
        a.scalar("SELECT COUNT(*) FROM digest_items WHERE policy_id IN (9101, 9102, 9401)")
            .await,
        3
    );
    assert_eq!(a.scalar("SELECT COUNT(*) FROM digest_items").await, 3);
    // The digest itself files nothing.
    assert_eq!(a.scalar("SELECT COUNT(*) FROM expiry_requests").await, 0);
    b.stop().await;
    a.stop().await;
}

async fn file_request_button_opens_the_request_modal_prefilled_with_the_withdrawal_time(
    backend: Backend,
) {
    let a = spawn_on(backend).await;
    let withdrawn_at = Utc.with_ymd_and_hms(2026, 11, 8, 3, 0, 0).unwrap();
    let value = format!("{}:{}", cases::WITHDRAWN_RIDER, withdrawn_at.timestamp());
    let resp = a
        .interaction(&digest_click(AGENT, "digest_file_one", &value), &[])
        .await;
    assert_eq!(resp.status(), 200);
    let opens = a.calls("views.open").await;
    assert_eq!(opens.len(), 1, "{opens:?}");
    let view = &opens[0]["view"];
    assert_eq!(view["callback_id"], "expiry_request");
    let s = view.to_string();
    assert!(
        s.contains(&format!("\"initial_value\":\"{}\"", cases::WITHDRAWN_RIDER)),
        "{s}"
    );
    assert!(
        s.contains(&format!(
            "\"initial_date_time\":{}",
            withdrawn_at.timestamp()
        )),
        "{s}"
    );
    // Opening the modal files nothing.
    assert_eq!(a.scalar("SELECT COUNT(*) FROM expiry_requests").await, 0);
    a.stop().await;
}

async fn file_all_files_one_request_per_policy_even_when_clicked_twice(backend: Backend) {
    let now = Utc::now();
    let a = spawn_on(backend).await;
    seed_set(&a, now).await;
    let b = second_instance(&a).await;
    let slot = at_second(now);
    assert!(matches!(
        a.app.digest.run_slot(slot).await.unwrap(),
        SlotOutcome::Posted { .. }
    ));
    replicated(&a).await;
    let value = slot.timestamp().to_string();

    // Two clicks at once, one on each instance.
    let click = digest_click(AGENT, "digest_file_all", &value);
    let (r1, r2) = tokio::join!(a.interaction(&click, &[]), b.interaction(&click, &[]));
    assert_eq!((r1.status().as_u16(), r2.status().as_u16()), (200, 200));
    eventually("both clicks answered", || async {
        a.calls("chat.postEphemeral").await.len() >= 2
    })
    .await;

    // Exactly one request per listed policy, filed by the clicker, pending, with the
    // rider's withdrawal time as the cancellation time.
    assert_eq!(a.scalar("SELECT COUNT(*) FROM expiry_requests").await, 3);
    assert_eq!(
        a.scalar(&format!(
            "SELECT COUNT(DISTINCT policy_id) FROM expiry_requests WHERE policy_id IN ({}) AND status = 'PENDING' AND requested_by = '{AGENT}'",
            LISTED_POLICIES.map(|p| p.to_string()).join(", ")
        ))
        .await,
        3
    );
    assert_eq!(
        a.scalar(
            "SELECT COUNT(*) FROM expiry_requests q \
               JOIN hourly_insurance_policies p ON p.id = q.policy_id \
               JOIN riders r ON r.id = p.rider_id \
              WHERE q.cancelled_at = r.withdrawn_at"
        )
        .await,
        3
    );
    // The clickers were told how many each filed and how many were already pending.
    let answers: Vec<String> = a
        .calls("chat.postEphemeral")
        .await
        .iter()
        .map(|m| {
            assert_eq!(m["user"], AGENT);
            m["text"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    let filed: usize = answers.iter().map(|t| count_in(t, "new request")).sum();
    assert_eq!(filed, 3, "{answers:?}");
    for t in &answers {
        let pending = count_in(t, "policies were already waiting")
            + count_in(t, "policy was already waiting");
        assert_eq!(count_in(t, "new request") + pending, 3, "{t}");
    }

    // A third click, after both: nothing new, and it says so.
    let r3 = a.interaction(&click, &[]).await;
    assert_eq!(r3.status(), 200);
    eventually("the third click answered", || async {
        a.calls("chat.postEphemeral").await.len() >= 3
    })
    .await;
    let third = a.calls("chat.postEphemeral").await[2]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        third.starts_with("Filed 0 new requests; 3 policies were already waiting"),
        "{third}"
    );
    assert_eq!(a.scalar("SELECT COUNT(*) FROM expiry_requests").await, 3);

    // One approval message per request, masked.
    a.drain_outbox().await;
    let approvals = approval_posts(&a.slack).await;
    assert_eq!(approvals.len(), 3, "{approvals:?}");
    for m in &approvals {
        assert_masked_only("an approval message", &m.to_string(), now);
    }

    // Four-eyes holds per policy: the filer (an approver too, here) cannot approve; a lead can.
    let id = a
        .scalar("SELECT id FROM expiry_requests WHERE policy_id = 9401")
        .await;
    assert_eq!(a.click(AGENT, "approve_expiry", id, &[]).await, 200);
    assert_eq!(a.request_row(id).await.status, "PENDING");
    assert_eq!(a.policy_status(9401).await.0, "ACTIVE");
    assert_eq!(a.click(LEAD, "approve_expiry", id, &[]).await, 200);
    let row = a.request_row(id).await;
    assert_eq!(row.status, "APPROVED");
    assert_eq!(row.decided_by.as_deref(), Some(LEAD));
    let (status, until) = a.policy_status(9401).await;
    assert_eq!(status, "EXPIRED");
    assert_eq!(until, Some(at_second(now) - chrono::Duration::days(1)));
    b.stop().await;
    a.stop().await;
}

async fn history_answers_only_the_asker_with_masked_data_from_the_replica(backend: Backend) {
    let a = spawn_on(backend).await;
    // A rejected and then an approved request for the same rider, written on the primary.
    let cancelled_at = at_second(Utc::now() - chrono::Duration::hours(6));
    let (_, answer) = a
        .submit_request(AGENT, "010-1234-5678", cancelled_at, "CX-7001")
        .await;
    assert_eq!(answer["response_action"], "update", "{answer}");
    let rejected = a.only_request_id().await;
    let (_, answer) = a.submit_reject(LEAD, rejected, "wrong ticket").await;
    assert_eq!(answer["response_action"], "clear", "{answer}");
    let (_, answer) = a
        .submit_request(AGENT, "010-1234-5678", cancelled_at, "CX-7002")
        .await;
    assert_eq!(answer["response_action"], "update", "{answer}");
    let approved = a.scalar("SELECT MAX(id) FROM expiry_requests").await;
    assert_ne!(approved, rejected);
    assert_eq!(a.click(LEAD, "approve_expiry", approved, &[]).await, 200);
    a.drain_outbox().await;
    assert_eq!(a.request_row(approved).await.status, "APPROVED");
    replicated(&a).await;

    // An instance whose primary cannot be reached at all: any statement it sent there would
    // fail, so a correct answer can only have come from the replica.
    let mut db = a.db.clone();
    db.primary_url = match backend {
        Backend::Mysql => "mysql://expire:expire@127.0.0.1:1/unreachable",
        _ => "postgres://expire:expire@127.0.0.1:1/unreachable",
    }
    .to_owned();
    let h = spawn_app_with(Options {
        database: Some(db),
        ..Options::default()
    })
    .await;
    assert!(h.app.store.primary.ping().await.is_err());

    let resp = h.slash(AGENT, "history 010-1234-5678").await;
    assert_eq!(resp.status(), 200);
    let (_, body) = json_answer(resp).await;
    assert_eq!(body["response_type"], "ephemeral", "only the asker: {body}");
    let text = body["text"].as_str().expect("text").to_owned();
    // Masked rider and query; nothing raw.
    assert!(
        text.contains("이*연") && text.contains("010-****-5678"),
        "{text}"
    );
    for raw in ["이서연", "01012345678", "010-1234-5678", "1999-01-05"] {
        assert!(!text.contains(raw), "raw {raw:?} in {text}");
    }
    let policy_number = seed::demo_data(Utc::now())
        .1
        .into_iter()
        .find(|p| p.rider_id == cases::SIMPLE_RIDER)
        .expect("policy")
        .policy_number;
    assert!(!text.contains(&policy_number), "{text}");
    assert!(text.contains(&expire_bot::mask::policy_number(&policy_number)));
    // Every request: filed when/by whom, decided when/by whom, outcome, before/after.
    assert!(text.contains(&format!("*#{approved}*")) && text.contains(&format!("*#{rejected}*")));
    assert!(
        text.find(&format!("#{approved}")) < text.find(&format!("#{rejected}")),
        "newest first"
    );
    assert!(text.contains(&format!("by <@{AGENT}>")), "{text}");
    assert!(
        text.contains(&format!("by <@{LEAD}>: policy expired")),
        "{text}"
    );
    assert!(
        text.contains(&format!("by <@{LEAD}>: policy not changed")),
        "{text}"
    );
    let until = expire_bot::i18n::Language::En.datetime(cancelled_at, chrono_tz::Asia::Seoul);
    assert!(
        text.contains(&format!("ACTIVE (open-ended) → EXPIRED (until {until})")),
        "{text}"
    );
    assert!(
        text.contains("ACTIVE (open-ended) (unchanged by this request)"),
        "{text}"
    );
    // Nothing was posted anywhere: the answer is the command's own ephemeral response.
    assert!(h.calls("chat.postMessage").await.is_empty());
    assert!(h.calls("chat.postEphemeral").await.is_empty());

    // By rider ID too; unknown riders and riders without requests get a plain answer.
    let (_, body) = json_answer(
        h.slash(AGENT, &format!("history {}", cases::SIMPLE_RIDER))
            .await,
    )
    .await;
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .contains(&format!("#{approved}"))
    );
    let (_, body) = json_answer(h.slash(AGENT, "history 987654").await).await;
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .starts_with("No rider matches 987654"),
        "{body}"
    );
    let (_, body) = json_answer(
        h.slash(AGENT, &format!("history {}", cases::NO_ACTIVE_RIDER))
            .await,
    )
    .await;
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .contains("No expiry request was ever filed"),
        "{body}"
    );
    let (_, body) = json_answer(h.slash(AGENT, "help").await).await;
    let help = body["text"].as_str().unwrap();
    assert_eq!(help.lines().count(), 3);
    assert!(help.contains("history"));
    h.stop().await;
    a.stop().await;
}

async fn nobody_found_posts_one_all_clear_line_or_nothing_when_silent(backend: Backend) {
    let a = spawn_on(backend).await;
    exec(
        a.primary(),
        "UPDATE hourly_insurance_policies SET status = 'EXPIRED'",
    )
    .await;
    replicated(&a).await;
    let slot = at_second(Utc::now());
    assert_eq!(
        a.app.digest.run_slot(slot).await.unwrap(),
        SlotOutcome::AllClear { posted: true }
    );
    let posts = digest_posts(&a.slack).await;
    assert_eq!(posts.len(), 1);
    assert!(posts[0]["text"].as_str().unwrap().contains("all clear"));
    assert!(posts[0]["blocks"].is_null(), "one line");

    // DIGEST_ALL_CLEAR=silent: the slot is done, nothing is posted.
    let quiet = spawn_configured(&a.db, &a.slack, |c| c.digest.all_clear = AllClear::Silent).await;
    let later = slot + chrono::Duration::days(1);
    assert_eq!(
        quiet.digest.run_slot(later).await.unwrap(),
        SlotOutcome::AllClear { posted: false }
    );
    assert_eq!(digest_posts(&a.slack).await.len(), 1);
    assert_eq!(
        a.scalar("SELECT COUNT(*) FROM digest_runs WHERE posted_at IS NOT NULL")
            .await,
        2
    );
    a.stop().await;
}

/// An instance built from the harness's configuration, adjusted by `adjust`, not started.
async fn spawn_configured(
    db: &TestDb,
    slack: &StrictSlack,
    adjust: impl FnOnce(&mut expire_bot::config::Config),
) -> Arc<Bot> {
    let mut config = config_for(db, &slack.uri(), &Options::default());
    adjust(&mut config);
    Arc::new(Bot::new(config).expect("app"))
}

async fn a_long_digest_is_split_into_messages_within_slacks_block_limit(backend: Backend) {
    let now = Utc::now();
    let a = spawn_on(backend).await;
    let day = chrono::Duration::days(1);
    let riders: Vec<SeedRider> = (0..100i64)
        .map(|i| SeedRider {
            id: RiderId(70_000 + i),
            name: "박지민".into(),
            phone: format!("0107777{:04}", i),
            birth_date: None,
            status: "WITHDRAWN",
            withdrawn_at: Some(now - day * (i as i32 % 40 + 1)),
        })
        .collect();
    let policies: Vec<SeedPolicy> = (0..100i64)
        .map(|i| SeedPolicy {
            id: PolicyId(80_000 + i),
            rider_id: RiderId(70_000 + i),
            insurer: seed::INSURERS[0],
            policy_number: format!("LONG-{i:06}"),
            status: "ACTIVE",
            valid_from: now - day * 90,
            valid_until: None,
        })
        .collect();
    a.admin_store.seed(&riders, &policies).await.expect("seed");
    replicated(&a).await;
    let slot = at_second(now);
    // The demo seed adds its own 5 withdrawn riders with active policies.
    assert_eq!(
        a.app.digest.run_slot(slot).await.unwrap(),
        SlotOutcome::Posted {
            riders: 105,
            policies: 105,
            messages: 3
        }
    );
    let posts = digest_posts(&a.slack).await;
    assert_eq!(posts.len(), 3);
    let mut buttons = 0;
    for (i, m) in posts.iter().enumerate() {
        let blocks = m["blocks"].as_array().expect("blocks");
        assert!(
            blocks.len() <= 50,
            "message {i} has {} blocks",
            blocks.len()
        );
        let s = m.to_string();
        assert!(s.contains(&format!("message {} of 3", i + 1)), "{s}");
        buttons += s.matches("digest_file_one").count();
        assert_eq!(
            s.contains("digest_file_all"),
            i == 2,
            "bulk button on the last message only"
        );
    }
    assert_eq!(buttons, 105, "every rider listed, none dropped");
    assert_eq!(
        a.scalar("SELECT CAST(pages_posted AS BIGINT) FROM digest_runs")
            .await,
        3
    );
    a.stop().await;
}

async fn a_missed_slot_runs_at_start_up_once_even_with_two_instances_starting(backend: Backend) {
    let now = Utc::now();
    let a = spawn_on(backend).await;
    seed_set(&a, now).await;
    // A schedule whose slot is this very minute, so it is always "missed earlier today"
    // when the instances start. (One minute before midnight, wait for the new day first.)
    let tz = chrono_tz::Asia::Seoul;
    let mut local = Utc::now().with_timezone(&tz);
    if local.hour() == 23 && local.minute() == 59 {
        tokio::time::sleep(Duration::from_secs(61 - u64::from(local.second()))).await;
        local = Utc::now().with_timezone(&tz);
    }
    let pattern = format!("{} {} * * *", local.minute(), local.hour());
    let schedule = Schedule::parse(&pattern).expect("schedule");
    let mut running = Vec::new();
    for _ in 0..2 {
        let app = spawn_configured(&a.db, &a.slack, |c| {
            c.digest.schedule = Some(schedule.clone())
        })
        .await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        running.push(startup::start(app, listener).await.expect("start"));
    }
    eventually("the missed slot's digest is posted", || async {
        a.scalar("SELECT COUNT(*) FROM digest_runs WHERE posted_at IS NOT NULL")
            .await
            == 1
    })
    .await;
    // It is today's slot at this minute.
    let expected = schedule
        .catch_up_slot(Utc::now(), tz)
        .expect("today's slot");
    assert_eq!(expected.with_timezone(&tz).minute(), local.minute());
    let db = a.primary();
    let sql = db.sql("SELECT COUNT(*) FROM digest_runs WHERE slot = $1");
    let at_slot: i64 =
        on_admin!(db, p => sqlx::query_scalar(&sql).bind(expected).fetch_one(p).await).unwrap();
    assert_eq!(at_slot, 1);
    for r in running {
        r.stop().await;
    }
    assert_eq!(digest_posts(&a.slack).await.len(), 1);
    assert_eq!(a.scalar("SELECT COUNT(*) FROM digest_runs").await, 1);
    a.stop().await;
}

#[tokio::test]
async fn digest_bulk_and_history_work_on_sqlite_too() {
    let now = Utc::now();
    let a = spawn_app_with(Options {
        backend: Backend::Sqlite,
        ..Options::default()
    })
    .await;
    seed_set(&a, now).await;
    let b = second_instance(&a).await;
    let slot = at_second(now);
    let (ra, rb) = tokio::join!(a.app.digest.run_slot(slot), b.app.digest.run_slot(slot));
    let outcomes = [ra.unwrap(), rb.unwrap()];
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(
                o,
                SlotOutcome::Posted {
                    riders: 2,
                    policies: 3,
                    messages: 1
                }
            ))
            .count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(digest_posts(&a.slack).await.len(), 1);

    let click = digest_click(AGENT, "digest_file_all", &slot.timestamp().to_string());
    let (r1, r2) = tokio::join!(a.interaction(&click, &[]), b.interaction(&click, &[]));
    assert_eq!((r1.status().as_u16(), r2.status().as_u16()), (200, 200));
    eventually("both clicks answered", || async {
        a.calls("chat.postEphemeral").await.len() >= 2
    })
    .await;
    assert_eq!(a.scalar("SELECT COUNT(*) FROM expiry_requests").await, 3);
    assert_eq!(
        a.scalar("SELECT COUNT(DISTINCT policy_id) FROM expiry_requests WHERE status = 'PENDING'")
            .await,
        3
    );

    let (_, body) = json_answer(
        a.slash(AGENT, &format!("history {WITHDRAWN_TWO_ACTIVE}"))
            .await,
    )
    .await;
    let text = body["text"].as_str().unwrap().to_owned();
    assert_masked_only("history", &text, now);
    assert!(
        text.contains("홍*동") && text.contains("Waiting for a lead's decision"),
        "{text}"
    );
    assert_eq!(
        text.matches("Waiting for a lead's decision").count(),
        2,
        "{text}"
    );
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn the_digest_scan_can_use_the_partial_index_on_withdrawn_riders() {
    let a = spawn_app().await;
    wait_for_replay().await;
    let replica = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&a.db.replica_url)
        .await
        .expect("replica");
    let mut conn = replica.acquire().await.unwrap();
    // The tables are tiny, so the planner would rather read them whole and sort. Take
    // those choices away: what this checks is that the query's predicate and order match
    // the partial index, so that it can walk withdrawn riders in order with no sort (a
    // disabled plan node still appears when nothing else can do the job). The plan on a
    // realistic data set is in BENCHMARKS.md.
    for off in ["enable_seqscan", "enable_bitmapscan", "enable_sort"] {
        sqlx::query(&format!("SET {off} = off"))
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    let sql = format!(
        "EXPLAIN {}",
        expire_bot::store::digest::digest_scan_sql().replace("$1", "1000")
    );
    let plan: Vec<String> = sqlx::query_scalar(&sql)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let plan = plan.join("\n");
    assert!(plan.contains("riders_withdrawn_idx"), "{plan}");
    // Withdrawn riders are walked in order from the partial index alone, and each is
    // probed in the partial index of active policies.
    assert!(
        plan.contains("Index Only Scan using riders_withdrawn_idx"),
        "{plan}"
    );
    assert!(
        plan.contains("hourly_insurance_policies_active_rider_idx"),
        "{plan}"
    );
    drop(conn);
    replica.close().await;
    a.stop().await;
}

#[tokio::test]
async fn a_digest_cut_at_its_limit_says_how_many_are_left_on_every_backend() {
    for backend in [Backend::Postgres, Backend::Sqlite, Backend::Mysql] {
        let a = spawn_app_with(Options {
            backend,
            ..Options::default()
        })
        .await;
        // The demo seed holds 5 withdrawn riders with one active policy each.
        let all = scan::scan(&a.app.store.replica).await.expect("scan");
        assert_eq!((all.total_riders, all.total_policies), (5, 5));
        assert!(!all.is_cut());
        assert_eq!(all.riders.len(), 5);
        let exact = scan::scan_with_limit(&a.app.store.replica, 5)
            .await
            .expect("scan");
        assert!(!exact.is_cut(), "exactly the limit is not a cut");
        let cut = scan::scan_with_limit(&a.app.store.replica, 2)
            .await
            .expect("scan");
        assert!(cut.is_cut(), "{backend:?}");
        assert_eq!(cut.riders.len(), 2, "{backend:?}");
        assert_eq!(
            (cut.total_riders, cut.total_policies),
            (5, 5),
            "counted on {backend:?}"
        );
        // The same order as the full list: oldest withdrawal first.
        assert_eq!(cut.riders[..], all.riders[..2]);
        a.stop().await;
    }
}

per_backend!(
    digest_lists_withdrawn_riders_with_active_policies_and_posts_once_with_two_instances,
    file_request_button_opens_the_request_modal_prefilled_with_the_withdrawal_time,
    file_all_files_one_request_per_policy_even_when_clicked_twice,
    history_answers_only_the_asker_with_masked_data_from_the_replica,
    nobody_found_posts_one_all_clear_line_or_nothing_when_silent,
    a_long_digest_is_split_into_messages_within_slacks_block_limit,
    a_missed_slot_runs_at_start_up_once_even_with_two_instances_starting,
);
