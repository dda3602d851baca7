//! Issue 12: each attack that was tried against the release binary, as a test. Every test
//! here failed against the code before its fix (docs/RELIABILITY.md lists each promise and
//! what the test saw before).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use expire_bot::domain::OutboxKind;
use expire_bot::slack::verify::sign;
use expire_bot::store::seed::cases;
use expire_bot::testkit::fixtures;
use expire_bot::testkit::stand_in::user_json;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::ResponseTemplate;

use crate::harness::*;
use crate::payloads;
use crate::process::BotProcess;

/// Posts exactly `body` signed with timestamp `ts` (a replay sends the same bytes twice; an
/// instance with a skewed clock needs its own idea of "now").
async fn send_at(addr: &str, route: &str, body: &str, ts: i64) -> (u16, Value) {
    let sig = sign(SECRET, ts, body.as_bytes());
    let resp = reqwest::Client::new()
        .post(format!("{addr}{route}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", ts.to_string())
        .header("x-slack-signature", sig)
        .body(body.to_owned())
        .send()
        .await
        .expect("request reaches the bot");
    let resp = checked_answer(route, body.as_bytes(), resp).await;
    json_answer(resp).await
}

/// Every raw form of the simple rider's personal data an agent typed in the tests below.
const RAW_FORMS: &[&str] = &[
    "이 서연",
    "이서연",
    "990105",
    "1999년 1월 5일",
    "1999.1.5",
    "2345678",
    "010 - 1234 - 5678",
    "010\u{2013}1234\u{2013}5678",
    "１２３４",
    "82-10-1234-5678",
    "1234-5678",
];

fn assert_no_raw_form(what: &str, text: &str) {
    for raw in RAW_FORMS {
        assert!(!text.contains(raw), "{raw:?} in {what}: {text}");
    }
}

// ---------------------------------------------------------------------------------------
// Item 2: personal data typed into free text.

#[tokio::test]
async fn personal_data_in_every_written_form_is_masked_in_reasons_and_rejections() {
    let app = spawn_app().await;
    let typed = "rider 이 서연 (990105-2345678; born 1999년 1월 5일, 990105, 1999.1.5) called from 010 - 1234 - 5678, 010\u{2013}1234\u{2013}5678, ０１０-１２３４-５６７８ and 82-10-1234-5678; CX-88";
    let id = app
        .file_by_phone(Utc::now() - chrono::Duration::hours(1), typed)
        .await;
    assert_eq!(
        app.request_row(id).await.reason,
        "rider 이*연 (******-*******; born 1999-**-**, 1999-**-**, 1999-**-**) called from 010-****-5678, 010-****-5678, 010-****-5678 and 010-****-5678; CX-88"
    );
    // A lead's rejection goes through the same scrubber, knowing the request's rider.
    let (_, answer) = app
        .submit_reject(
            LEAD,
            id,
            "이 서연 님 본인 확인 불가 (990105-2345678, 010\u{2013}1234\u{2013}5678)",
        )
        .await;
    assert!(
        answer.is_null() || answer["response_action"] == "clear",
        "{answer}"
    );
    let row = app.request_row(id).await;
    assert_eq!(row.status, expire_bot::domain::RequestStatus::Rejected);
    assert_eq!(
        row.decision_note.as_deref(),
        Some("이*연 님 본인 확인 불가 (******-*******, 010-****-5678)")
    );
    app.drain_outbox().await;
    for m in ["chat.postMessage", "chat.update"] {
        for call in app.calls(m).await {
            assert_no_raw_form(m, &call.to_string());
        }
    }
    let audit = app
        .scalar("SELECT COUNT(*) FROM expiry_audit WHERE reason LIKE '%2345678%' OR reason LIKE '%990105%'")
        .await;
    assert_eq!(audit, 0, "the audit trail holds the masked reasons only");
    app.stop().await;
}

// ---------------------------------------------------------------------------------------
// Item 3: Socket Mode logs.

/// A Socket Mode bot process, at `rust_log` (or the default filter), connected to a
/// WebSocket stand-in whose URL carries a ticket.
async fn socket_bot(
    rust_log: Option<&'static str>,
) -> (BotProcess, Arc<StrictSlack>, crate::socket::Conn, TestDb) {
    use crate::socket::{APP_TOKEN, next_conn, websocket_stand_in};
    let (ws_url, mut conns) = websocket_stand_in().await;
    let slack = slack_stand_in().await;
    slack
        .on("apps.connections.open")
        .post()
        .answer(ResponseTemplate::new(200).set_body_json(json!({"ok": true, "url": ws_url})))
        .await;
    let db = fresh_db(Backend::Postgres).await;
    let mut env = vec![("SLACK_APP_TOKEN", APP_TOKEN)];
    if let Some(level) = rust_log {
        env.push(("RUST_LOG", level));
    }
    let bot = BotProcess::start(&db, &slack.uri(), &env).await;
    let conn = next_conn(&mut conns).await;
    (bot, slack, conn, db)
}

/// An envelope slack-morphism cannot read (the user ID is a number), carrying what an
/// agent typed.
fn unreadable_envelope() -> Value {
    json!({
        "envelope_id": "env-unreadable",
        "type": "slash_commands",
        "accepts_response_payload": true,
        "payload": {"team_id": fixtures::TEAM, "user_id": 42, "command": "/expire-insurance",
                    "text": "01099998888 홍길동 1990-07-15", "trigger_id": "t"}
    })
}

async fn next_frame(conn: &mut crate::socket::Conn) -> Value {
    tokio::time::timeout(Duration::from_secs(30), conn.inbox.recv())
        .await
        .expect("the bot acknowledges")
        .expect("connection open")
}

#[tokio::test]
async fn socket_mode_logs_no_personal_data_and_no_ticket_even_at_trace() {
    let (mut bot, slack, mut conn, _db) = socket_bot(Some("trace")).await;
    conn.send(json!({
        "envelope_id": "env-command",
        "type": "slash_commands",
        "accepts_response_payload": true,
        "payload": fixtures::slash_command_json(AGENT, "+82 10-5550-1234"),
    }));
    conn.ack().await;
    conn.send(unreadable_envelope());
    let ack = next_frame(&mut conn).await;
    assert_eq!(ack["envelope_id"], "env-unreadable", "{ack}");
    let at = (Utc::now() - chrono::Duration::hours(1)).timestamp();
    conn.send(json!({
        "envelope_id": "env-submit",
        "type": "interactive",
        "accepts_response_payload": true,
        "payload": fixtures::request_submission(AGENT, "010-1234-5678", at, "이서연 010-1234-5678 990105-2345678"),
    }));
    let ack = conn.ack().await;
    assert_eq!(ack["payload"]["response_action"], "update", "{ack}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log = bot.log_text();
    assert!(log.lines().count() > 50, "trace logging was on");
    let mut needles: Vec<String> = [
        "01099998888",
        "홍길동",
        "1990-07-15",
        "990105-2345678",
        "5550-1234",
        "1055501234",
        "이서연",
        "test-ticket",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    needles.push(cases::SIMPLE_PHONE.to_owned());
    for needle in &needles {
        if let Some(line) = log.lines().find(|l| l.contains(needle.as_str())) {
            panic!("{needle:?} in the log: {line}");
        }
    }
    bot.kill_9().await;
    drop(slack);
}

#[tokio::test]
async fn an_unreadable_envelope_is_logged_by_kind_and_position_only() {
    let (mut bot, slack, mut conn, _db) = socket_bot(None).await;
    conn.send(unreadable_envelope());
    let ack = next_frame(&mut conn).await;
    assert_eq!(ack["envelope_id"], "env-unreadable", "{ack}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = bot.log_text();
    let line = log
        .lines()
        .find(|l| l.contains("Socket Mode envelope"))
        .unwrap_or_else(|| panic!("the parse error is logged:\n{log}"));
    let v: Value = serde_json::from_str(line).expect("json log line");
    assert_eq!(v["level"], "WARN", "{line}");
    assert_eq!(v["fields"]["kind"], "data", "{line}");
    assert!(
        v["fields"]["line"].is_number() && v["fields"]["column"].is_number(),
        "{line}"
    );
    for needle in ["01099998888", "홍길동", "1990-07-15", "Body", "test-ticket"] {
        assert!(!log.contains(needle), "{needle:?} in the log:\n{log}");
    }
    bot.kill_9().await;
    drop(slack);
}

// ---------------------------------------------------------------------------------------
// Item 4: who may look up riders.

const GUEST: &str = "U0GUEST";
const SINGLE_CHANNEL_GUEST: &str = "U0SCGUEST";
const STRANGER: &str = "U0STRANGER";

async fn mount_people(slack: &StrictSlack) {
    for (user, team, restricted, ultra) in [
        (GUEST, fixtures::TEAM, true, false),
        (SINGLE_CHANNEL_GUEST, fixtures::TEAM, true, true),
        (STRANGER, "T0OTHER", false, false),
    ] {
        slack
            .on("users.info")
            .query("user", user)
            .answer(ResponseTemplate::new(200).set_body_json(
                json!({"ok": true, "user": user_json(user, team, restricted, ultra)}),
            ))
            .await;
    }
}

#[tokio::test]
async fn guests_and_people_of_other_workspaces_may_not_look_anyone_up() {
    let app = spawn_app().await;
    mount_people(&app.slack).await;
    let at = Utc::now() - chrono::Duration::hours(1);
    for user in [GUEST, SINGLE_CHANNEL_GUEST, STRANGER] {
        // The command opens no form.
        let (_, a) = json_answer(app.slash(user, "010-1234-5678").await).await;
        assert_eq!(a["response_type"], "ephemeral", "{user}: {a}");
        // history shows nothing about the rider.
        let (_, h) = json_answer(app.slash(user, "history 1004").await).await;
        let text = h["text"].as_str().unwrap_or_default();
        assert!(
            !text.contains("이*연") && !text.contains("1004"),
            "{user}: {h}"
        );
        // A submission (a form opened before, or forged) files nothing.
        let (_, s) = app.submit_request(user, "010-1234-5678", at, "CX-1").await;
        assert_eq!(s["response_action"], "errors", "{user}: {s}");
        assert!(!s.to_string().contains("이*연"), "{user}: {s}");
        // The digest's button opens no form either.
        let click = expire_bot::testkit::fixtures::digest_button_click(
            APPROVAL_CHANNEL,
            user,
            "digest_file_one",
            &format!("{}:", cases::SIMPLE_RIDER),
        );
        assert_eq!(app.interaction(&click, &[]).await.status(), 200);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.calls("views.open").await.is_empty(), "no form opened");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM expiry_requests").await, 0);
    app.stop().await;
}

#[tokio::test]
async fn lookups_are_rate_limited_per_person_across_instances_and_audited() {
    let first = spawn_app_with(Options {
        env: vec![("LOOKUP_RATE_LIMIT", "3/1h")],
        ..Options::default()
    })
    .await;
    let second = spawn_app_with(Options {
        env: vec![("LOOKUP_RATE_LIMIT", "3/1h")],
        database: Some(first.db.clone()),
        slack: Some(first.slack.clone()),
        ..Options::default()
    })
    .await;
    let at = Utc::now() - chrono::Duration::hours(1);
    let (_, a) = first
        .submit_request(AGENT, "010-1234-5678", at, "CX-1")
        .await;
    assert_eq!(a["response_action"], "update", "{a}");
    let (_, h) = json_answer(second.slash(AGENT, "history 1004").await).await;
    assert!(
        h["text"].as_str().unwrap_or_default().contains("이*연"),
        "{h}"
    );
    let (_, c) = first
        .submit_request(AGENT, "010-9876-5432", at, "CX-2")
        .await;
    assert_eq!(c["response_action"], "update", "choice step: {c}");
    // The fourth lookup within the hour, on the other instance: refused, clearly.
    let (_, refused) = second
        .submit_request(AGENT, "010-3333-4444", at, "CX-3")
        .await;
    assert_eq!(refused["response_action"], "errors", "{refused}");
    let why = refused["errors"]["rider_query"]
        .as_str()
        .unwrap_or_default();
    assert!(why.contains('3'), "the limit is named: {why}");
    let (_, h) = json_answer(first.slash(AGENT, "history 1004").await).await;
    assert!(
        !h["text"].as_str().unwrap_or_default().contains("이*연"),
        "{h}"
    );
    // Someone else still may.
    let (_, other) = first.submit_request(LEAD2, "1003", at, "CX-4").await;
    assert_eq!(other["response_action"], "update", "{other}");
    // One audit row per lookup that ran: who, when, the masked query, how many matched.
    let rows: Vec<(String, String, Option<i64>)> = match first.primary() {
        AdminDb::Pg(p) => sqlx::query_as(
            "SELECT looked_up_by, query_masked, riders_matched FROM lookup_audit ORDER BY id",
        )
        .fetch_all(p)
        .await
        .expect("lookup_audit"),
        AdminDb::Sqlite(_) | AdminDb::MySql(_) => unreachable!(),
    };
    assert_eq!(
        rows,
        vec![
            (AGENT.to_owned(), "010-****-5678".to_owned(), Some(1)),
            (AGENT.to_owned(), "1004".to_owned(), Some(1)),
            (AGENT.to_owned(), "010-****-5432".to_owned(), Some(1)),
            (LEAD2.to_owned(), "1003".to_owned(), Some(1)),
        ]
    );
    assert_eq!(
        first
            .scalar(
                "SELECT COUNT(*) FROM lookup_audit WHERE looked_at > now() - interval '1 minute'"
            )
            .await,
        4
    );
    second.stop().await;
    first.stop().await;
}

// ---------------------------------------------------------------------------------------
// Item 5: workspace and app.

#[tokio::test]
async fn requests_from_another_workspace_or_app_change_nothing() {
    let app = spawn_app().await;
    let at = Utc::now() - chrono::Duration::hours(1);
    let from_other_team = |edit: &dyn Fn(&mut Value)| {
        let mut p = payloads::request_submission(AGENT, "010-1234-5678", at.timestamp(), "CX-1");
        edit(&mut p);
        p
    };
    let forged = [
        // A submission from team T0OTHER.
        from_other_team(&|p| {
            p["team"]["id"] = json!("T0OTHER");
            p["user"]["team_id"] = json!("T0OTHER");
            p["view"]["team_id"] = json!("T0OTHER");
        }),
        // Our workspace, a person of another (a channel shared with them).
        from_other_team(&|p| p["user"]["team_id"] = json!("T0OTHER")),
        // Another app's payload, signed with the same secret.
        from_other_team(&|p| p["api_app_id"] = json!("A0OTHER")),
    ];
    for p in &forged {
        assert_eq!(app.interaction(p, &[]).await.status(), 200);
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM expiry_requests").await, 0);
    // A slash command from another workspace opens nothing.
    let body = fixtures::slash_command_fields(AGENT, "010-1234-5678")
        .into_iter()
        .map(|(k, v)| {
            let v = if k == "team_id" {
                "T0OTHER".to_owned()
            } else {
                v
            };
            format!(
                "{k}={}",
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    assert_eq!(
        app.post_signed("/slack/commands", body, &[]).await.status(),
        200
    );
    assert!(app.calls("views.open").await.is_empty());
    // A lead's click, from another workspace: nothing decided.
    let id = app.file_by_phone(at, "CX-2").await;
    let mut click = payloads::button_click(LEAD, "approve_expiry", id);
    click["team"]["id"] = json!("T0OTHER");
    click["user"]["team_id"] = json!("T0OTHER");
    assert_eq!(app.interaction(&click, &[]).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.request_row(id).await.status.as_str(), "PENDING");
    app.stop().await;
}

// ---------------------------------------------------------------------------------------
// Item 6: replays.

#[tokio::test]
async fn a_replayed_submission_files_nothing_on_any_instance() {
    let app = spawn_app().await;
    let other = spawn_app_with(Options {
        database: Some(app.db.clone()),
        slack: Some(app.slack.clone()),
        ..Options::default()
    })
    .await;
    let at = Utc::now() - chrono::Duration::hours(1);
    let body = payloads::form(&payloads::request_submission(
        AGENT,
        "010-1234-5678",
        at.timestamp(),
        "CX-replay",
    ));
    let ts = Utc::now().timestamp();
    let (_, first) = send_at(&app.addr, "/slack/interactions", &body, ts).await;
    assert_eq!(first["response_action"], "update", "{first}");
    let id = app.only_request_id().await;
    // Decided, so no pending request stands in the way of a second one.
    let (_, rejected) = app.submit_reject(LEAD, id, "duplicate").await;
    assert!(
        rejected.is_null() || rejected["response_action"] == "clear",
        "{rejected}"
    );
    for addr in [&app.addr, &other.addr] {
        let (status, again) = send_at(addr, "/slack/interactions", &body, ts).await;
        assert_eq!(status, 200);
        assert_eq!(again["response_action"], "errors", "{again}");
        assert!(
            again.to_string().contains(&format!("#{id}")),
            "answered as already filed: {again}"
        );
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM expiry_requests").await, 1);
    other.stop().await;
    app.stop().await;
}

// ---------------------------------------------------------------------------------------
// Item 7: slow and hostile clients.

/// Reads until the server answers or closes, at most `limit`; what it said, if anything.
async fn answer_or_close(stream: &mut tokio::net::TcpStream, limit: Duration) -> Option<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read = tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    got.extend_from_slice(&buf[..n]);
                    if got.windows(4).any(|w| w == b"\r\n\r\n") {
                        return;
                    }
                }
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&got).into_owned())
}

#[tokio::test]
async fn a_client_sending_half_its_headers_is_cut_off() {
    let app = spawn_app().await;
    let host = app.addr.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&host)
        .await
        .expect("connect");
    slow.write_all(b"POST /slack/commands HTTP/1.1\r\nHost: bot\r\nContent-Type: application/x-www-form-urlencoded\r\n")
        .await
        .expect("write");
    let started = Instant::now();
    // The issue saw such a connection still open after 40 s.
    let outcome = answer_or_close(&mut slow, Duration::from_secs(30)).await;
    println!(
        "half-headers connection: {outcome:?} after {:?}",
        started.elapsed()
    );
    assert!(outcome.is_some(), "still open after 30 s");
    // Meanwhile the bot serves everyone else.
    assert_eq!(
        app.http
            .get(format!("{}/healthz", app.addr))
            .send()
            .await
            .expect("healthz")
            .status(),
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn a_body_announced_over_the_limit_is_refused_without_waiting_for_it() {
    let app = spawn_app().await;
    let host = app.addr.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&host)
        .await
        .expect("connect");
    let ts = Utc::now().timestamp();
    let head = format!(
        "POST /slack/commands HTTP/1.1\r\nHost: bot\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nX-Slack-Request-Timestamp: {ts}\r\nX-Slack-Signature: v0=00\r\n\r\n",
        2 * 1024 * 1024
    );
    slow.write_all(head.as_bytes()).await.expect("write");
    let started = Instant::now();
    let (mut reader, mut writer) = slow.into_split();
    // 1 KiB a second, as the issue sent it.
    let trickle = tokio::spawn(async move {
        for _ in 0..60 {
            if writer.write_all(&[b'a'; 1024]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let answered = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    got.extend_from_slice(&buf[..n]);
                    if got.windows(4).any(|w| w == b"\r\n\r\n") {
                        return;
                    }
                }
            }
        }
    })
    .await;
    trickle.abort();
    let text = String::from_utf8_lossy(&got).into_owned();
    println!("2 MiB announced: {text:?} after {:?}", started.elapsed());
    assert!(answered.is_ok(), "still waiting for the body after 30 s");
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    app.stop().await;
}

// ---------------------------------------------------------------------------------------
// Item 8: outbox delivery.

#[tokio::test]
async fn a_permanent_slack_error_stops_delivery_and_the_requester_is_told() {
    let app = spawn_app().await;
    app.slack
        .on("chat.postMessage")
        .post()
        .field("channel", APPROVAL_CHANNEL)
        .fault(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": false, "error": "channel_not_found"})),
        )
        .await;
    let id = app
        .file_by_phone(Utc::now() - chrono::Duration::hours(1), "CX-1")
        .await;
    for _ in 0..8 {
        let _ = app.app.outbox.deliver_due().await;
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
    let to_channel = app
        .calls("chat.postMessage")
        .await
        .into_iter()
        .filter(|c| c["channel"] == APPROVAL_CHANNEL)
        .count();
    assert_eq!(to_channel, 1, "a permanent error is not retried");
    assert_eq!(
        app.scalar("SELECT CAST(attempts AS BIGINT) FROM slack_outbox WHERE kind = 'post_request'")
            .await,
        1
    );
    let told: Vec<Value> = app
        .calls("chat.postMessage")
        .await
        .into_iter()
        .filter(|c| c["channel"] == AGENT)
        .collect();
    assert_eq!(told.len(), 1, "the requester is told: {told:?}");
    let text = told[0].to_string();
    assert!(
        text.contains(&format!("#{id}")) && text.contains("channel_not_found"),
        "{text}"
    );
    let metrics = app.app.metrics.render();
    assert!(
        metrics.contains("expire_bot_outbox_failed_total{kind=\"post_request\""),
        "{metrics}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_post_that_timed_out_but_was_delivered_is_not_posted_twice() {
    let app = spawn_app().await;
    // Slack posts the message but answers after the bot's 5 s call timeout, once.
    app.slack
        .on("chat.postMessage")
        .post()
        .field("channel", APPROVAL_CHANNEL)
        .times(1)
        .expect(1)
        .fault(app.slack.posting().delayed(Duration::from_secs(7)))
        .await;
    let id = app
        .file_by_phone(Utc::now() - chrono::Duration::hours(1), "CX-1")
        .await;
    // The first attempt waits out the call timeout; then the outbox tries again.
    for _ in 0..150 {
        let _ = app.app.outbox.deliver_due().await;
        if app.request_row(id).await.message_ts.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.drain_outbox().await;
    let live = app.slack.messages_in(APPROVAL_CHANNEL);
    assert_eq!(live.len(), 1, "one approval message: {live:?}");
    let row = app.request_row(id).await;
    assert_eq!(row.message_ts.as_deref(), live[0]["ts"].as_str());
    // The one message is the one the decision updates.
    assert_eq!(app.click(LEAD, "approve_expiry", id, &[]).await, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.drain_outbox().await;
    let updates = app.calls("chat.update").await;
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0]["ts"], live[0]["ts"]);
    app.stop().await;
}

// ---------------------------------------------------------------------------------------
// Item 9: clocks and the database.

fn faketime_lib() -> String {
    let lib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
    assert!(
        std::path::Path::new(lib).exists(),
        "libfaketime is needed (Debian's faketime package)"
    );
    lib.to_owned()
}

#[tokio::test]
async fn the_ttl_is_kept_on_the_databases_clock_not_the_instances() {
    let db = fresh_db(Backend::Postgres).await;
    let slack = slack_stand_in().await;
    let lib = faketime_lib();
    let skewed = |offset: &'static str| {
        vec![
            ("LD_PRELOAD", lib.clone()),
            ("FAKETIME", offset.to_owned()),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1".to_owned()),
            ("REQUEST_TTL", "24h".to_owned()),
        ]
    };
    let env = skewed("-2d");
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // An instance whose clock is two days behind files a request…
    let mut behind = BotProcess::start(&db, &slack.uri(), &env).await;
    let at = (Utc::now() - chrono::Duration::days(2) - chrono::Duration::hours(1)).timestamp();
    let body = payloads::form(&payloads::request_submission(
        AGENT,
        "010-1234-5678",
        at,
        "CX-1",
    ));
    let their_now = (Utc::now() - chrono::Duration::days(2)).timestamp();
    let (_, a) = send_at(&behind.addr, "/slack/interactions", &body, their_now).await;
    assert_eq!(a["response_action"], "update", "{a}");
    behind.kill_9().await;
    let admin = AdminDb::open(&db.admin_url);
    // …which waits its 24 hours by the database's clock.
    assert_eq!(
        expire_bot_scalar(
            &admin,
            "SELECT COUNT(*) FROM expiry_requests WHERE expires_at > now() + interval '23 hours'"
        )
        .await,
        1
    );
    // An instance two days ahead neither times it out…
    let env = skewed("+2d");
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut ahead = BotProcess::start(&db, &slack.uri(), &env).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let status = |admin: AdminDb| async move {
        match &admin {
            AdminDb::Pg(p) => sqlx::query_scalar::<_, String>("SELECT status FROM expiry_requests")
                .fetch_one(p)
                .await
                .expect("status"),
            AdminDb::Sqlite(_) | AdminDb::MySql(_) => unreachable!(),
        }
    };
    assert_eq!(status(admin.clone()).await, "PENDING");
    // …nor refuses its approval as too late.
    let click = payloads::form(&payloads::button_click(LEAD, "approve_expiry", 1));
    let their_now = (Utc::now() + chrono::Duration::days(2)).timestamp();
    let (code, _) = send_at(&ahead.addr, "/slack/interactions", &click, their_now).await;
    assert_eq!(code, 200);
    let mut decided = String::new();
    for _ in 0..50 {
        decided = status(admin.clone()).await;
        if decided != "PENDING" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(decided, "APPROVED");
    ahead.kill_9().await;
    admin.close().await;
}

/// The bot's primary role, connected directly.
async fn as_bot_primary(db: &TestDb) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&db.primary_url)
        .await
        .expect("the bot's primary role connects")
}

#[tokio::test]
async fn the_approval_function_reads_the_real_tables_whatever_the_search_path() {
    let app = spawn_app().await;
    let id = app
        .file_by_phone(Utc::now() - chrono::Duration::hours(1), "CX-1")
        .await;
    let policy = app.request_row(id).await.policy_id;
    let bot = as_bot_primary(&app.db).await;
    let mut conn = bot.acquire().await.expect("connection");
    // A temporary table is searched first by default: it would shadow the company's table
    // inside the function.
    sqlx::query("CREATE TEMP TABLE hourly_insurance_policies (id BIGINT, status TEXT, valid_until TIMESTAMPTZ)")
        .execute(&mut *conn)
        .await
        .expect("temp table");
    sqlx::query("INSERT INTO hourly_insurance_policies VALUES ($1, 'EXPIRED', NULL)")
        .bind(policy.0)
        .execute(&mut *conn)
        .await
        .expect("shadow row");
    let outcome: Option<String> =
        sqlx::query_scalar("SELECT outcome FROM expire_bot_approve($1, $2, now(), $3, $4)")
            .bind(id)
            .bind(LEAD)
            .bind(OutboxKind::AFTER_DECISION.map(OutboxKind::as_str).to_vec())
            .bind(
                OutboxKind::AFTER_APPROVAL_COUNTED
                    .map(OutboxKind::as_str)
                    .to_vec(),
            )
            .fetch_optional(&mut *conn)
            .await
            .expect("approve");
    assert_eq!(outcome.as_deref(), Some("EXPIRED"));
    drop(conn);
    bot.close().await;
    assert_eq!(app.policy_status(policy).await.0, "EXPIRED");
    app.stop().await;
}

#[tokio::test]
async fn the_bots_roles_may_change_only_what_the_bot_changes() {
    let app = spawn_app().await;
    let id = app
        .file_by_phone(Utc::now() - chrono::Duration::hours(1), "CX-1")
        .await;
    let bot = as_bot_primary(&app.db).await;
    let code = |sql: String| {
        let bot = bot.clone();
        async move {
            match sqlx::query(&sql).execute(&bot).await {
                Ok(_) => "ok".to_owned(),
                Err(sqlx::Error::Database(e)) => e.code().unwrap_or_default().into_owned(),
                Err(e) => e.to_string(),
            }
        }
    };
    for sql in [
        format!("UPDATE expiry_requests SET reason = 'changed' WHERE id = {id}"),
        format!("UPDATE expiry_requests SET policy_id = 1 WHERE id = {id}"),
        format!("UPDATE expiry_requests SET requested_by = 'U0X' WHERE id = {id}"),
        "SELECT * FROM expiry_audit".to_owned(),
        "CREATE TABLE public.planted (id int)".to_owned(),
    ] {
        assert_eq!(code(sql.clone()).await, "42501", "{sql}");
    }
    // What the bot does update still works.
    assert_eq!(
        code(format!(
            "UPDATE expiry_requests SET message_ts = message_ts WHERE id = {id}"
        ))
        .await,
        "ok"
    );
    bot.close().await;
    app.stop().await;
}

#[tokio::test]
async fn check_config_warns_about_open_lookups_and_plain_connections() {
    let out = tokio::task::spawn_blocking(|| {
        std::process::Command::new(env!("CARGO_BIN_EXE_expire-bot"))
            .arg("check-config")
            .env_clear()
            .env("SLACK_SIGNING_SECRET", SECRET)
            .env("SLACK_BOT_TOKEN", "xoxb-test-token")
            .env("SLACK_API_URL", "http://slack.example.invalid/api")
            .env("APPROVAL_CHANNEL_ID", APPROVAL_CHANNEL)
            .env("APPROVER_USER_IDS", LEAD)
            .env(
                "DATABASE_URL",
                "postgres://bot:pw@db.example.invalid:5432/expire_bot",
            )
            .env(
                "DATABASE_REPLICA_URL",
                "postgres://bot:pw@replica.example.invalid:5432/expire_bot?sslmode=prefer",
            )
            .output()
            .expect("run check-config")
    })
    .await
    .expect("join");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let warn = |needle: &str| {
        text.lines()
            .any(|l| l.starts_with("[warn]") && l.contains(needle))
    };
    assert!(warn("REQUESTER_USER_IDS"), "{text}");
    assert!(warn("DATABASE_URL") && warn("sslmode"), "{text}");
    assert!(warn("DATABASE_REPLICA_URL"), "{text}");
    assert!(warn("SLACK_API_URL"), "{text}");
    assert!(!text.contains(":pw@"), "no password printed: {text}");
}
