//! Promises that need more than a happy path: several instances, crashes, Slack outages,
//! the request deadline, shutdown, and what the process writes to its log — each on both
//! server pairs (`reliability::postgres::…`, `reliability::mysql::…`).

use std::time::{Duration, Instant};

use chrono::Utc;
use expire_bot::store::seed::{cases, demo_data};
use futures::StreamExt;
use serde_json::Value;
use wiremock::ResponseTemplate;

use crate::harness::*;
use crate::payloads;
use crate::process::BotProcess;

/// Riders of the demo seed holding exactly one active policy (filed without a choice step).
pub(crate) fn single_policy_riders(n: usize) -> Vec<(i64, i64)> {
    let (_, policies) = demo_data(Utc::now());
    let mut out = Vec::new();
    for i in 0..36i64 {
        let rider = 2000 + i;
        let active: Vec<_> = policies
            .iter()
            .filter(|p| p.rider_id.0 == rider && p.status == "ACTIVE")
            .collect();
        if active.len() == 1 {
            out.push((rider, active[0].id.0));
        }
    }
    out.truncate(n);
    assert_eq!(out.len(), n, "enough seeded riders");
    out
}

async fn file_via(http: &reqwest::Client, addr: &str, rider: i64) -> Value {
    let body = payloads::form(&payloads::request_submission(
        AGENT,
        &rider.to_string(),
        Utc::now().timestamp() - 3600,
        "CX-load",
    ));
    let resp = send_signed(http, addr, "/slack/interactions", body, &[]).await;
    json_answer(resp).await.1
}

async fn click_via(http: &reqwest::Client, addr: &str, user: &str, id: i64, retry: bool) -> u16 {
    let body = payloads::form(&payloads::button_click(user, "approve_expiry", id));
    let extra: &[(&str, &str)] = if retry {
        &[
            ("x-slack-retry-num", "1"),
            ("x-slack-retry-reason", "http_timeout"),
        ]
    } else {
        &[]
    };
    send_signed(http, addr, "/slack/interactions", body, extra)
        .await
        .status()
        .as_u16()
}

async fn wait_outbox_empty(db: &AdminDb) {
    for _ in 0..300 {
        if expire_bot_scalar(
            db,
            "SELECT COUNT(*) FROM slack_outbox WHERE done_at IS NULL",
        )
        .await
            == 0
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("outbox did not drain in 30 s");
}

async fn db_handle(db: &TestDb) -> AdminDb {
    AdminDb::open(&db.admin_url)
}

async fn two_instances_two_hundred_clicks_one_truth(backend: Backend) {
    let db = fresh_db(backend).await;
    let slack = slack_stand_in().await;
    let a = BotProcess::start(&db, &slack.uri(), &[]).await;
    let b = BotProcess::start(&db, &slack.uri(), &[]).await;
    let http = reqwest::Client::new();
    let riders = single_policy_riders(10);
    let mut ids = Vec::new();
    for (i, (rider, _)) in riders.iter().enumerate() {
        let addr = if i % 2 == 0 { &a.addr } else { &b.addr };
        let answer = file_via(&http, addr, *rider).await;
        assert_eq!(answer["response_action"], "update", "{answer}");
    }
    let store = db_handle(&db).await;
    for id in 1..=10 {
        ids.push(id);
    }
    assert_eq!(
        expire_bot_scalar(
            &store,
            "SELECT COUNT(*) FROM expiry_requests WHERE status = 'PENDING'"
        )
        .await,
        10
    );
    wait_outbox_empty(&store).await;

    // 200 clicks: 20 per request, over both instances, two leads, a third of them Slack retries.
    let mut clicks = Vec::new();
    for n in 0..200usize {
        let id = ids[n % ids.len()];
        let addr = if n % 2 == 0 {
            a.addr.clone()
        } else {
            b.addr.clone()
        };
        let user = if n % 4 < 2 { LEAD } else { LEAD2 };
        clicks.push((addr, user, id, n % 3 == 0));
    }
    let statuses: Vec<u16> = futures::stream::iter(clicks)
        .map(|(addr, user, id, retry)| {
            let http = http.clone();
            async move { click_via(&http, &addr, user, id, retry).await }
        })
        .buffer_unordered(50)
        .collect()
        .await;
    assert!(
        statuses.iter().all(|s| *s == 200),
        "every click acknowledged: {statuses:?}"
    );
    wait_outbox_empty(&store).await;

    let p = &store;
    assert_eq!(
        expire_bot_scalar(
            p,
            "SELECT COUNT(*) FROM expiry_requests WHERE status = 'APPROVED'"
        )
        .await,
        10
    );
    assert_eq!(
        expire_bot_scalar(
            p,
            "SELECT COUNT(*) FROM expiry_audit WHERE event = 'APPROVED'"
        )
        .await,
        10,
        "one audit record per request"
    );
    assert_eq!(expire_bot_scalar(p, "SELECT COUNT(*) FROM expiry_audit GROUP BY request_id, event HAVING COUNT(*) > 1 UNION ALL SELECT 0").await, 0);
    let policy_ids: Vec<String> = riders.iter().map(|(_, p)| p.to_string()).collect();
    let expired = expire_bot_scalar(p, &format!("SELECT COUNT(*) FROM hourly_insurance_policies WHERE status = 'EXPIRED' AND id IN ({})", policy_ids.join(","))).await;
    assert_eq!(expired, 10, "one policy update per request");
    let posts = slack_calls(&slack, "chat.postMessage").await;
    let replies = posts.iter().filter(|p| !p["thread_ts"].is_null()).count();
    assert_eq!(replies, 10, "one thread reply per request");
    assert_eq!(
        posts
            .iter()
            .filter(|p| p["channel"] == APPROVAL_CHANNEL && p["thread_ts"].is_null())
            .count(),
        10,
        "one approval message per request"
    );
    assert_eq!(slack_calls(&slack, "chat.update").await.len(), 10);
    store.close().await;
}

async fn kill_9_loses_nothing_and_half_applies_nothing(backend: Backend) {
    let db = fresh_db(backend).await;
    let slack = slack_stand_in().await;
    // Slack's messaging is down when the request is filed: the approval post stays owed.
    // (Who the bot and the requester are is still answered: without it every request is
    // refused, issue 12, and nothing would be filed to lose.)
    slack.reset().await;
    slack.mount_identity(1).await;
    slack
        .on_any()
        .expect(1..)
        .fault(ResponseTemplate::new(503))
        .await;
    let mut first = BotProcess::start(&db, &slack.uri(), &[]).await;
    let http = reqwest::Client::new();
    let riders = single_policy_riders(9);
    let answer = file_via(&http, &first.addr, riders[0].0).await;
    assert_eq!(answer["response_action"], "update", "{answer}");
    let store = db_handle(&db).await;
    let p = &store;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        expire_bot_scalar(
            p,
            "SELECT COUNT(*) FROM slack_outbox WHERE done_at IS NULL AND kind = 'post_request'"
        )
        .await,
        1
    );
    first.kill_9().await;

    // Slack is back; a new instance completes what the dead one owed, once.
    slack.reset().await;
    mount_slack_ok(&slack).await;
    let second = BotProcess::start(&db, &slack.uri(), &[]).await;
    wait_outbox_empty(p).await;
    let posts = slack_calls(&slack, "chat.postMessage").await;
    assert_eq!(
        posts
            .iter()
            .filter(|m| m["channel"] == APPROVAL_CHANNEL)
            .count(),
        1
    );
    assert_eq!(
        expire_bot_scalar(
            p,
            "SELECT COUNT(*) FROM expiry_requests WHERE message_ts IS NOT NULL"
        )
        .await,
        1
    );

    // More requests, then kill -9 in the middle of a burst of approvals.
    for (rider, _) in &riders[1..] {
        let a = file_via(&http, &second.addr, *rider).await;
        assert_eq!(a["response_action"], "update", "{a}");
    }
    wait_outbox_empty(p).await;
    let mut second = second;
    let addr = second.addr.clone();
    let burst = tokio::spawn({
        let http = http.clone();
        async move {
            futures::stream::iter(0..180usize)
                .map(|n| {
                    let http = http.clone();
                    let addr = addr.clone();
                    async move {
                        let body = payloads::form(&payloads::button_click(
                            if n % 2 == 0 { LEAD } else { LEAD2 },
                            "approve_expiry",
                            (n % 9 + 1) as i64,
                        ));
                        let ts = Utc::now().timestamp();
                        let sig = expire_bot::slack::verify::sign(SECRET, ts, body.as_bytes());
                        let _ = http
                            .post(format!("{addr}/slack/interactions"))
                            .header("x-slack-request-timestamp", ts.to_string())
                            .header("x-slack-signature", sig)
                            .body(body)
                            .send()
                            .await;
                    }
                })
                .buffer_unordered(30)
                .collect::<Vec<_>>()
                .await;
        }
    });
    // Kill as soon as the first decisions land: the rest of the burst is in flight.
    for _ in 0..500 {
        if expire_bot_scalar(
            p,
            "SELECT COUNT(*) FROM expiry_requests WHERE status = 'APPROVED'",
        )
        .await
            > 0
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    second.kill_9().await;
    let _ = burst.await;

    // Whatever state each request is in, it is whole.
    for id in 1..=9i64 {
        let sql = p.sql("SELECT CAST(status AS TEXT) FROM expiry_requests WHERE id = $1");
        let status: String =
            on_admin!(p, pool => sqlx::query_scalar(&sql).bind(id).fetch_one(pool).await).unwrap();
        let audits = expire_bot_scalar(
            p,
            &format!(
                "SELECT COUNT(*) FROM expiry_audit WHERE request_id = {id} AND event = 'APPROVED'"
            ),
        )
        .await;
        let policy_expired = expire_bot_scalar(p, &format!("SELECT COUNT(*) FROM hourly_insurance_policies h JOIN expiry_requests r ON r.policy_id = h.id WHERE r.id = {id} AND h.status = 'EXPIRED'")).await;
        let followups = expire_bot_scalar(p, &format!("SELECT COUNT(*) FROM slack_outbox WHERE request_id = {id} AND kind IN ('thread_reply', 'update_message', 'notify_decided')")).await;
        match status.as_str() {
            "APPROVED" => assert_eq!(
                (audits, policy_expired, followups),
                (1, 1, 3),
                "request {id} approved whole"
            ),
            "PENDING" => assert_eq!(
                (audits, policy_expired, followups),
                (0, 0, 0),
                "request {id} untouched"
            ),
            other => panic!("request {id} in unexpected state {other}"),
        }
    }
    let approved_before_restart = expire_bot_scalar(
        p,
        "SELECT COUNT(*) FROM expiry_requests WHERE status = 'APPROVED'",
    )
    .await;
    println!(
        "kill -9 mid-burst: {approved_before_restart} of 9 requests were decided before the kill"
    );

    // After a restart, pending requests can still be decided and every follow-up is sent once.
    let third = BotProcess::start(&db, &slack.uri(), &[]).await;
    for id in 1..=9i64 {
        click_via(&http, &third.addr, LEAD, id, false).await;
    }
    wait_outbox_empty(p).await;
    assert_eq!(
        expire_bot_scalar(
            p,
            "SELECT COUNT(*) FROM expiry_requests WHERE status = 'APPROVED'"
        )
        .await,
        9
    );
    assert_eq!(
        expire_bot_scalar(
            p,
            "SELECT COUNT(*) FROM expiry_audit WHERE event = 'APPROVED'"
        )
        .await,
        9
    );
    let posts = slack_calls(&slack, "chat.postMessage").await;
    let mut thread_ts: Vec<&str> = posts
        .iter()
        .filter_map(|m| m["thread_ts"].as_str())
        .collect();
    let total = thread_ts.len();
    thread_ts.sort();
    thread_ts.dedup();
    assert_eq!(thread_ts.len(), 9, "every request got its outcome reply");
    // A kill between Slack's answer and the outbox commit may repeat a reply; report it.
    println!("thread replies: {total} for 9 requests");
    assert!(
        total <= 9 + 1,
        "at most the one in flight at the kill repeated"
    );
    store.close().await;
}

async fn slack_failures_are_retried_and_never_corrupt_state(backend: Backend) {
    let app = spawn_on(backend).await;
    // Slack fails every way it can before it recovers: 500, 429 + Retry-After, ok:false.
    // Each fault answers one call, and each is relied on: it must be used exactly once.
    let post = || app.slack.on("chat.postMessage").post().times(1).expect(1);
    post().priority(1).fault(ResponseTemplate::new(500)).await;
    post()
        .priority(2)
        .fault(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .await;
    post()
        .priority(3)
        .fault(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"ok": false, "error": "internal_error"})),
        )
        .await;
    let (_, a) = app
        .submit_request(
            AGENT,
            "010-1234-5678",
            Utc::now() - chrono::Duration::hours(1),
            "CX-retry",
        )
        .await;
    assert_eq!(a["response_action"], "update", "{a}");
    let id = app.only_request_id().await;
    app.drain_outbox().await;
    let row = app.request_row(id).await;
    assert!(row.message_ts.is_some(), "posted once Slack recovered");
    let attempts = app
        .scalar(
            "SELECT CAST(MAX(attempts) AS BIGINT) FROM slack_outbox WHERE kind = 'post_request'",
        )
        .await;
    assert_eq!(attempts, 4, "three failures, then success");
    let posted = app
        .calls("chat.postMessage")
        .await
        .into_iter()
        .filter(|m| m["channel"] == APPROVAL_CHANNEL)
        .count();
    assert_eq!(
        posted, 4,
        "four attempts reached Slack, one of them succeeded"
    );

    // A decision stands while Slack is down, and its messages follow when it returns.
    app.slack
        .on_any()
        .post()
        .priority(1)
        .expect(1..)
        .fault(ResponseTemplate::new(503))
        .await;
    app.click(LEAD, "approve_expiry", id, &[]).await;
    assert_eq!(app.request_row(id).await.status, "APPROVED");
    // The background outbox worker, woken by the decision, may hold the rows when
    // `deliver_due` looks (a claimed row is nobody else's), and on a loaded machine its
    // attempt can still be in flight after three rounds here: wait, within a bound, for
    // the failure to be recorded by whichever of the two made the attempt.
    let mut failed = 0;
    for _ in 0..100 {
        let _ = app.app.outbox.deliver_due().await;
        failed = app
            .scalar("SELECT COUNT(*) FROM slack_outbox WHERE last_error = 'http_503'")
            .await;
        if failed >= 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(failed >= 1, "a 503 from Slack is recorded on the owed row");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM slack_outbox WHERE done_at IS NULL")
            .await,
        3
    );
    // Slack comes back. The background outbox worker runs beside this test: hold every
    // owed row out of its reach and let a delivery already in flight finish first, so the
    // stand-in's record starts clean and every call counted below is one the bot made
    // against a healthy Slack (under load, an attempt in flight across the reset was
    // counted as a second update).
    loop {
        app.primary()
            .exec("UPDATE slack_outbox SET next_attempt_at = '2999-01-01 00:00:00' WHERE done_at IS NULL")
            .await;
        let in_flight = app
            .scalar("SELECT COUNT(*) FROM slack_outbox WHERE done_at IS NULL AND claimed_until IS NOT NULL")
            .await;
        if in_flight == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.slack.reset().await;
    mount_slack_ok(&app.slack).await;
    app.primary()
        .exec(
            "UPDATE slack_outbox SET next_attempt_at = '2000-01-01 00:00:00' WHERE done_at IS NULL",
        )
        .await;
    app.drain_outbox().await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM slack_outbox WHERE done_at IS NULL")
            .await,
        0
    );
    assert_eq!(app.calls("chat.update").await.len(), 1);
    assert_eq!(app.request_row(id).await.status, "APPROVED");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM expiry_audit WHERE event = 'APPROVED'")
            .await,
        1
    );
    app.stop().await;
}

async fn requests_time_out_after_the_ttl(backend: Backend) {
    let app = spawn_app_with(Options {
        backend,
        ttl: "2s",
        ..Options::default()
    })
    .await;
    let (_, a) = app
        .submit_request(
            AGENT,
            "010-1234-5678",
            Utc::now() - chrono::Duration::hours(1),
            "CX-ttl",
        )
        .await;
    assert_eq!(a["response_action"], "update", "{a}");
    let id = app.only_request_id().await;
    app.drain_outbox().await;
    let mut status = String::new();
    for _ in 0..100 {
        status = app.request_row(id).await.status.to_string();
        if status == "TIMED_OUT" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "TIMED_OUT");
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM expiry_audit WHERE request_id = {id} AND event = 'TIMED_OUT'"
        ))
        .await,
        1
    );
    app.drain_outbox().await;
    let updates = app.calls("chat.update").await;
    assert_eq!(updates.len(), 1);
    assert!(!updates[0].to_string().contains("approve_expiry"));
    assert!(updates[0].to_string().contains("Timed out"));
    app.click(LEAD, "approve_expiry", id, &[]).await;
    // The request timed out (the loop above waited for it), so the click is told exactly
    // that — not "already decided", which is the answer for a request someone decided.
    let eph = app.calls("chat.postEphemeral").await;
    assert_eq!(eph.len(), 1, "{eph:?}");
    assert_eq!(eph[0]["user"], LEAD, "{eph:?}");
    assert_eq!(
        eph[0]["text"].as_str().unwrap(),
        format!(
            "Request #{id} timed out before anyone decided it, so it can no longer be approved. File a new request if the policy still needs expiring."
        ),
        "{eph:?}"
    );
    assert_eq!(
        app.policy_status(app.request_row(id).await.policy_id)
            .await
            .0,
        "ACTIVE"
    );
    app.stop().await;
}

async fn a_slow_replica_still_answers_the_agent_in_time(backend: Backend) {
    let app = spawn_app_with(Options {
        backend,
        read_fallback: "off",
        ..Options::default()
    })
    .await;
    let blocker = SlowReplica::start(&app.db).await;
    let started = Instant::now();
    let (status, a) = app
        .submit_request(
            AGENT,
            "010-1234-5678",
            Utc::now() - chrono::Duration::hours(1),
            "CX-slow",
        )
        .await;
    let elapsed = started.elapsed();
    println!("slow replica ({backend:?}): agent answered in {elapsed:?}");
    blocker.stop().await;
    assert_eq!(status, 200);
    assert_eq!(a["response_action"], "errors", "{a}");
    assert!(
        a["errors"]["rider_query"]
            .as_str()
            .unwrap()
            .contains("unavailable")
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM expiry_requests").await, 0);
    app.stop().await;
}

async fn sigterm_finishes_in_flight_requests_and_exits_0(backend: Backend) {
    let db = fresh_db(backend).await;
    let slack = slack_stand_in().await;
    // views.open takes a second: slash commands are in flight when SIGTERM arrives.
    slack
        .on("views.open")
        .post()
        .expect(10)
        .fault(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(1000))
                .set_body_json(serde_json::json!({"ok": false, "error": "expired_trigger_id"})),
        )
        .await;
    let mut bot = BotProcess::start(&db, &slack.uri(), &[]).await;
    let http = reqwest::Client::new();
    let mut inflight = Vec::new();
    for _ in 0..10 {
        let http = http.clone();
        let addr = bot.addr.clone();
        inflight.push(tokio::spawn(async move {
            send_signed(
                &http,
                &addr,
                "/slack/commands",
                payloads::slash_command(AGENT, "010-1234-5678"),
                &[],
            )
            .await
            .status()
            .as_u16()
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let pid = bot.pid().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    tokio::time::sleep(Duration::from_millis(100)).await;
    // New connections are refused once shutdown began.
    let late = http.get(format!("{}/healthz", bot.addr)).send().await;
    assert!(late.is_err(), "no new requests accepted after SIGTERM");
    for t in inflight {
        assert_eq!(t.await.unwrap(), 200, "in-flight request finished");
    }
    let exit = tokio::time::timeout(Duration::from_secs(15), bot.child.wait())
        .await
        .expect("exited")
        .unwrap();
    println!("SIGTERM → exit in {:?}", started.elapsed());
    assert!(exit.success(), "exit status {exit:?}");
    assert_eq!(slack_calls(&slack, "views.open").await.len(), 10);
}

/// Every form a phone number can be written in.
fn phone_forms(digits: &str) -> Vec<String> {
    let (a, b, c) = (&digits[..3], &digits[3..7], &digits[7..]);
    vec![
        digits.to_owned(),
        format!("{a}-{b}-{c}"),
        format!("{a} {b} {c}"),
        format!("{a}.{b}.{c}"),
        format!("+82 {}-{b}-{c}", &a[1..]),
        format!("+82{}{b}{c}", &a[1..]),
        format!("{b}-{c}"),
    ]
}

async fn no_personal_data_in_any_log_line_even_at_trace(backend: Backend) {
    let db = fresh_db(backend).await;
    let slack = slack_stand_in().await;
    let bot = BotProcess::start(&db, &slack.uri(), &[("RUST_LOG", "trace")]).await;
    let http = reqwest::Client::new();
    let post = |payload: Value| {
        let http = http.clone();
        let addr = bot.addr.clone();
        async move {
            json_answer(
                send_signed(
                    &http,
                    &addr,
                    "/slack/interactions",
                    payloads::form(&payload),
                    &[],
                )
                .await,
            )
            .await
            .1
        }
    };
    // Typed in several forms, through every path: command, lookup, choice, filing, decisions.
    send_signed(
        &http,
        &bot.addr,
        "/slack/commands",
        payloads::slash_command(AGENT, "+82 10-5550-1234"),
        &[],
    )
    .await;
    let at = Utc::now().timestamp() - 3600;
    let choice = post(payloads::request_submission(
        AGENT,
        "+82 10-5550-1234",
        at,
        "withdrawn 홍길동 called, 010-5550-1234",
    ))
    .await;
    let withdrawn_policy = demo_data(Utc::now())
        .1
        .iter()
        .find(|p| p.rider_id == cases::WITHDRAWN_RIDER)
        .unwrap()
        .id;
    post(payloads::choice_submission(
        AGENT,
        &choice["view"],
        withdrawn_policy.0,
    ))
    .await;
    post(payloads::request_submission(
        AGENT,
        "010.1234.5678",
        at,
        "CX-2",
    ))
    .await;
    post(payloads::request_submission(
        AGENT,
        "01098765432",
        at,
        "CX-3",
    ))
    .await;
    post(payloads::request_submission(
        AGENT,
        "010 3333 4444",
        at,
        "CX-4",
    ))
    .await;
    post(payloads::request_submission(
        AGENT,
        "010-0000-1111",
        at,
        "CX-5",
    ))
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    for id in [1i64, 2] {
        send_signed(
            &http,
            &bot.addr,
            "/slack/interactions",
            payloads::form(&payloads::button_click(AGENT, "approve_expiry", id)),
            &[],
        )
        .await;
        send_signed(
            &http,
            &bot.addr,
            "/slack/interactions",
            payloads::form(&payloads::button_click(LEAD, "approve_expiry", id)),
            &[],
        )
        .await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // The paths whose logs are scanned really ran: both requests were filed (the choice
    // step's and the simple rider's; the others found no policy to file), the requester's
    // own approvals were refused, and the lead's approved both.
    let admin = AdminDb::open(&db.admin_url);
    let mut approved = 0;
    for _ in 0..100 {
        approved = expire_bot_scalar(
            &admin,
            &format!(
                "SELECT COUNT(*) FROM expiry_requests WHERE status = 'APPROVED' AND decided_by = '{LEAD}' AND requested_by = '{AGENT}'"
            ),
        )
        .await;
        if approved == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        expire_bot_scalar(&admin, "SELECT COUNT(*) FROM expiry_requests").await,
        2,
        "two requests filed"
    );
    assert_eq!(
        approved, 2,
        "both approved by the lead, not by their requester"
    );
    assert_eq!(
        expire_bot_scalar(
            &admin,
            "SELECT COUNT(*) FROM expiry_audit WHERE event IN ('FILED', 'APPROVED')"
        )
        .await,
        4
    );
    admin.close().await;
    let log = bot.log_text();
    assert!(
        log.lines().count() > 50,
        "trace logging was on ({} lines)",
        log.lines().count()
    );
    for event in ["expiry request filed", "request decided", "rider lookup"] {
        assert!(
            log.lines().filter(|l| l.contains(event)).count() >= 2,
            "the log has {event:?} for both requests"
        );
    }
    let (riders, _) = demo_data(Utc::now());
    let mut raw: Vec<String> = Vec::new();
    for r in &riders {
        raw.push(r.name.clone());
        raw.extend(phone_forms(&r.phone));
        if let Some(b) = r.birth_date {
            raw.push(b.format("%Y-%m-%d").to_string());
        }
    }
    raw.extend(phone_forms("01000001111"));
    for needle in &raw {
        if let Some(line) = log.lines().find(|l| l.contains(needle.as_str())) {
            panic!("raw personal data {needle:?} in the log: {line}");
        }
    }
    for m in ["chat.postMessage", "chat.update", "chat.postEphemeral"] {
        for call in slack_calls(&slack, m).await {
            let s = call.to_string();
            for needle in riders
                .iter()
                .map(|r| r.name.clone())
                .chain(riders.iter().flat_map(|r| phone_forms(&r.phone)))
            {
                assert!(!s.contains(&needle), "{needle:?} sent to Slack in {m}: {s}");
            }
        }
    }
    println!(
        "scanned {} log lines and every Slack message for {} raw values",
        log.lines().count(),
        raw.len()
    );
}

/// Makes the replica's rider lookups hang, as a long migration or a stuck vacuum would.
///
/// PostgreSQL: an ACCESS EXCLUSIVE lock taken on the primary is replayed on the standby and
/// blocks the lookup there. MySQL: a session on the replica holds the shared metadata lock
/// of an open transaction on `riders`; a metadata-only `ALTER TABLE` from the primary then
/// waits on the replica for its exclusive lock, and every later read of `riders` queues
/// behind it (the well-known metadata-lock pile-up). Stopping it lets the ALTER apply.
enum SlowReplica {
    Pg(sqlx::Transaction<'static, sqlx::Postgres>),
    Mysql(sqlx::pool::PoolConnection<sqlx::MySql>),
}

impl SlowReplica {
    async fn start(db: &TestDb) -> SlowReplica {
        match db.backend {
            Backend::Postgres => {
                let admin = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect(&db.admin_url)
                    .await
                    .unwrap();
                let mut tx = admin.begin().await.unwrap();
                sqlx::query("LOCK TABLE riders IN ACCESS EXCLUSIVE MODE")
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                wait_for_replay().await;
                SlowReplica::Pg(tx)
            }
            Backend::Mysql => {
                use sqlx::Executor;
                let replica = sqlx::mysql::MySqlPoolOptions::new()
                    .max_connections(1)
                    .connect(&db.admin_replica_url)
                    .await
                    .unwrap();
                let mut holder = replica.acquire().await.unwrap();
                holder.execute("BEGIN").await.unwrap();
                holder.execute("SELECT COUNT(*) FROM riders").await.unwrap();
                let primary = sqlx::mysql::MySqlPoolOptions::new()
                    .max_connections(1)
                    .connect(&db.admin_url)
                    .await
                    .unwrap();
                sqlx::query("ALTER TABLE riders COMMENT = 'blocked on the replica by a test'")
                    .execute(&primary)
                    .await
                    .unwrap();
                primary.close().await;
                // The replica's applier now waits for the exclusive lock (it shows in the
                // processlist as waiting for a metadata lock).
                for _ in 0..200 {
                    let waiting: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM information_schema.processlist \
                         WHERE state LIKE 'Waiting for table metadata lock%'",
                    )
                    .fetch_one(&mut *holder)
                    .await
                    .unwrap();
                    if waiting > 0 {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                SlowReplica::Mysql(holder)
            }
            Backend::Sqlite => unreachable!("SQLite has no replica"),
        }
    }

    async fn stop(self) {
        match self {
            SlowReplica::Pg(tx) => tx.rollback().await.unwrap(),
            SlowReplica::Mysql(mut holder) => {
                use sqlx::Executor;
                holder.execute("COMMIT").await.unwrap();
                drop(holder);
                wait_for_mysql_replay().await;
            }
        }
    }
}

per_backend!(
    two_instances_two_hundred_clicks_one_truth,
    kill_9_loses_nothing_and_half_applies_nothing,
    slack_failures_are_retried_and_never_corrupt_state,
    requests_time_out_after_the_ttl,
    a_slow_replica_still_answers_the_agent_in_time,
    sigterm_finishes_in_flight_requests_and_exits_0,
    no_personal_data_in_any_log_line_even_at_trace,
);
