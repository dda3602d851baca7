//! Issue 10: what the bot sends, real Slack accepts, whatever the data. Each test drives
//! data Slack's limits are tight for through the real flow; the strict stand-in and the
//! harness's answer check refuse anything Slack would, so every test here fails if a
//! builder lets one limit slip. On top, each asserts that nothing was lost: every policy
//! offered or listed, every reason whole where it is shown whole.

use chrono::{DateTime, Duration, Utc};
use expire_bot::workers::digest::SlotOutcome;
use serde_json::Value;

use crate::harness::*;

async fn exec(db: &AdminDb, sql: &str) {
    db.exec(sql).await;
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Inserts a rider (on the primary; the caller waits for the replica).
async fn add_rider(
    app: &TestApp,
    id: i64,
    name: &str,
    phone: &str,
    withdrawn_at: Option<DateTime<Utc>>,
) {
    let (status, at) = match withdrawn_at {
        Some(t) => ("WITHDRAWN", q(&t.to_rfc3339())),
        None => ("ACTIVE", "NULL".to_owned()),
    };
    exec(
        app.primary(),
        &format!(
            "INSERT INTO riders (id, name, phone, birth_date, status, withdrawn_at) VALUES ({id}, {}, {}, '1991-02-03', '{status}', {at})",
            q(name),
            q(phone)
        ),
    )
    .await;
}

async fn add_policy(app: &TestApp, id: i64, rider: i64, insurer: &str, number: &str) {
    exec(
        app.primary(),
        &format!(
            "INSERT INTO hourly_insurance_policies (id, rider_id, insurer, policy_number, status, valid_from) VALUES ({id}, {rider}, {}, {}, 'ACTIVE', '2026-01-02T00:00:00Z')",
            q(insurer),
            q(number)
        ),
    )
    .await;
}

/// A 64-character policy number ending in `tail` (4 characters).
fn long_number(prefix: &str, tail: &str) -> String {
    format!("{prefix}{}{tail}", "X".repeat(60 - prefix.len()))
}

const LONG_INSURER: &str = "한화손해보험 주식회사 시간제 배달 라이더 상해보험 특별약관 부속 (단체, 2026년 11월 개정판, 서울·경기 지역)";
const LONG_NAME: &str =
    "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구";

/// Riders sharing `phone`, alternately withdrawn and active, each with one policy of
/// 64 characters; IDs of 13 digits. Returns `(rider, policy, policy number)`.
async fn shared_phone_riders(app: &TestApp, phone: &str, n: usize) -> Vec<(i64, i64, String)> {
    let base = 1_000_000_000_000 + (phone[7..].parse::<i64>().unwrap()) * 1000;
    let mut out = Vec::new();
    for i in 0..n as i64 {
        let rider = base + i;
        let withdrawn = (i % 2 == 0).then(|| Utc::now() - Duration::days(3 + i));
        add_rider(app, rider, LONG_NAME, phone, withdrawn).await;
        let number = long_number(&format!("P{rider}-"), &format!("{:04}", 1000 + i));
        add_policy(app, rider + 5_000_000, rider, LONG_INSURER, &number).await;
        out.push((rider, rider + 5_000_000, number));
    }
    wait_for_replay().await;
    out
}

/// The options of the choice view's `policy` element.
fn options(view: &Value) -> Vec<Value> {
    view["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["block_id"] == "policy")
        .flat_map(|b| {
            b["element"]["options"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn the_choice_step_fits_slacks_limits_for_2_to_50_long_candidates() {
    let app = spawn_app().await;
    let at = Utc::now() - Duration::hours(1);
    for (n, phone) in [
        (2, "01077770002"),
        (10, "01077770010"),
        (11, "01077770011"),
        (50, "01077770050"),
    ] {
        let riders = shared_phone_riders(&app, phone, n).await;
        // The harness refuses an answer Slack would refuse: 75-character options, at most
        // 10 radio buttons, 3,000 characters of private_metadata...
        let (status, answer) = app.submit_request(AGENT, phone, at, "CX-77").await;
        assert_eq!(status, 200);
        assert_eq!(answer["response_action"], "update", "{n}: {answer}");
        let view = &answer["view"];
        let element = view["blocks"][1]["element"]["type"].as_str().unwrap();
        assert_eq!(
            element,
            if n <= 10 {
                "radio_buttons"
            } else {
                "static_select"
            }
        );
        let offered = options(view);
        assert_eq!(offered.len(), n, "every candidate is offered");
        // The contract: each policy with its number masked but the last 4, its rider's
        // masked name and member status.
        for (rider, policy, number) in &riders {
            let o = offered
                .iter()
                .find(|o| o["value"].as_str() == Some(policy.to_string().as_str()))
                .unwrap_or_else(|| panic!("policy {policy} offered"));
            let text = o["text"]["text"].as_str().unwrap();
            let description = o["description"]["text"].as_str().unwrap();
            assert!(
                text.starts_with('…') && text.contains(&number[60..]),
                "{text}"
            );
            assert!(!text.contains(&number[..8]), "masked: {text}");
            assert!(description.starts_with("김*"), "{description}");
            let member = if (rider - riders[0].0) % 2 == 0 {
                "withdrawn 20"
            } else {
                "active member"
            };
            assert!(description.contains(member), "{description}");
            assert!(text.contains('…') || text.contains("한화"), "{text}");
        }
        // And choosing the last one files it.
        let (rider, policy, _) = riders.last().unwrap().clone();
        let before = app.scalar("SELECT COUNT(*) FROM expiry_requests").await;
        let (_, filed) = app.submit_choice(AGENT, view, policy).await;
        assert_eq!(filed["response_action"], "update", "{n}: {filed}");
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM expiry_requests").await,
            before + 1
        );
        let id = app.scalar("SELECT MAX(id) FROM expiry_requests").await;
        let row = app.request_row(id).await;
        assert_eq!(
            (row.policy_id.0, row.rider_id.map(|r| r.0)),
            (policy, Some(rider))
        );
        // The stored row keeps the whole masked values the options had to cut.
        assert_eq!(row.insurer, LONG_INSURER);
        assert_eq!(row.policy_number_masked.chars().count(), 64);
    }
    app.drain_outbox().await;
    app.stop().await;
}

/// Every mrkdwn text of a message's blocks.
fn block_texts(message: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if m.get("type").and_then(Value::as_str) == Some("mrkdwn")
                    && let Some(t) = m.get("text").and_then(Value::as_str)
                {
                    out.push(t.to_owned());
                }
                m.values().for_each(|v| walk(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&message["blocks"], &mut out);
    out
}

#[tokio::test]
async fn a_reason_of_a_thousand_markup_characters_is_posted_whole() {
    let app = spawn_app().await;
    // 1,000 characters that escaping grows to 4,334: over one section's 3,000.
    let reason = format!("{}&", "<&>".repeat(333));
    assert_eq!(reason.chars().count(), 1000);
    let id = app
        .file_by_phone(Utc::now() - Duration::hours(1), &reason)
        .await;
    // drain_outbox fails the test if Slack (the stand-in) refused any call.
    app.drain_outbox().await;
    let posts = app.calls("chat.postMessage").await;
    let approval = posts
        .iter()
        .find(|m| m["channel"] == APPROVAL_CHANNEL && m["thread_ts"].is_null())
        .expect("approval request posted");
    let shown = block_texts(approval).join("");
    assert_eq!(
        shown.matches("&lt;").count(),
        333,
        "the whole reason is shown"
    );
    assert_eq!(shown.matches("&amp;").count(), 334);
    assert!(!shown.contains("<&"), "{shown}");
    assert_eq!(app.request_row(id).await.reason, reason);
    app.stop().await;
}

#[tokio::test]
async fn a_reject_reason_of_a_thousand_markup_characters_is_shown_whole_in_the_thread() {
    let reason = format!("{}&", "<&>".repeat(333));
    // A short request reason, then both long: the decided message holds both.
    for filed_reason in ["CX-12", reason.as_str()] {
        let app = spawn_app().await;
        let id = app
            .file_by_phone(Utc::now() - Duration::hours(1), filed_reason)
            .await;
        app.drain_outbox().await;
        // The decided message (chat.update), the thread reply and the requester's message
        // must all be accepted (drain_outbox fails the test on a refusal).
        app.click(LEAD, "reject_expiry", id, &[]).await;
        let (_, a) = app.submit_reject(LEAD, id, &reason).await;
        assert_eq!(a["response_action"], "clear", "{a}");
        app.drain_outbox().await;
        assert_eq!(app.request_row(id).await.status, "REJECTED");
        assert_eq!(
            app.request_row(id).await.decision_note.as_deref(),
            Some(reason.as_str())
        );
        let updates = app.calls("chat.update").await;
        assert_eq!(updates.len(), 1);
        let decided = block_texts(&updates[0]).join("");
        assert!(decided.contains("Rejected by"), "{decided}");
        let posts = app.calls("chat.postMessage").await;
        let reply = posts
            .iter()
            .find(|m| !m["thread_ts"].is_null())
            .expect("thread reply");
        let replied = block_texts(reply).join("");
        assert_eq!(
            replied.matches("&lt;").count(),
            333,
            "the thread has the whole reason"
        );
        let filed_lt = filed_reason.matches('<').count();
        if decided.matches("&lt;").count() < filed_lt + 333 {
            assert!(
                decided.contains("(the whole reason is in the thread)"),
                "a cut says where the rest is: {decided}"
            );
        }
        let dm = posts
            .iter()
            .rfind(|m| m["channel"] == AGENT)
            .expect("the requester is told");
        assert!(dm["text"].as_str().unwrap().contains("Rejected by"));
        app.stop().await;
    }
}

#[tokio::test]
async fn a_withdrawn_rider_with_75_active_policies_is_listed_whole_in_the_digest() {
    let app = spawn_app().await;
    let rider = 7_000_000_000_001;
    add_rider(
        &app,
        rider,
        LONG_NAME,
        "01066660001",
        Some(Utc::now() - Duration::days(9)),
    )
    .await;
    let mut numbers = Vec::new();
    for i in 0..75 {
        let number = long_number(&format!("D{i}-"), &format!("{:04}", 2000 + i));
        add_policy(&app, rider + 10 + i, rider, LONG_INSURER, &number).await;
        numbers.push(number);
    }
    wait_for_replay().await;
    let slot = Utc::now();
    assert!(matches!(
        app.app.digest.run_slot(slot).await.unwrap(),
        SlotOutcome::Posted { .. }
    ));
    // Every digest message was accepted (calls() fails the test on a refusal)...
    let digest: Vec<Value> = app
        .calls("chat.postMessage")
        .await
        .into_iter()
        .filter(|m| {
            m["text"]
                .as_str()
                .is_some_and(|t| t.contains("Withdrawn riders still insured"))
        })
        .collect();
    assert!(!digest.is_empty());
    // ...and lists each of the 75 policies, masked but for the last 4.
    let shown: String = digest.iter().map(|m| block_texts(m).join("\n")).collect();
    for n in &numbers {
        assert!(
            shown.contains(&format!("{}{}", "*".repeat(11), &n[60..])),
            "{n}"
        );
        assert!(!shown.contains(&n[..6]));
    }
    assert!(
        shown.contains("(continued)"),
        "the rider's list continues visibly"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_choice_steps_state_is_kept_on_the_primary_when_it_cannot_fit_private_metadata() {
    let app = spawn_app().await;
    let phone = "01055559050";
    let riders = shared_phone_riders(&app, phone, 50).await;
    // Quotes, backslashes and control characters: each is two to six characters in JSON.
    let reason: String = "\"\u{1}\\\u{7}".repeat(250);
    assert_eq!(reason.chars().count(), 1000);
    let (_, answer) = app
        .submit_request(AGENT, phone, Utc::now() - Duration::hours(1), &reason)
        .await;
    assert_eq!(answer["response_action"], "update", "{answer}");
    let metadata = answer["view"]["private_metadata"].as_str().unwrap();
    assert!(metadata.chars().count() <= 3000);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM form_state").await, 1);
    assert!(
        !metadata.contains("\\u0001"),
        "the state itself is not in the view"
    );
    let (_, policy, _) = riders[37].clone();
    let (_, filed) = app.submit_choice(AGENT, &answer["view"], policy).await;
    assert_eq!(filed["response_action"], "update", "{filed}");
    let id = app.only_request_id().await;
    let row = app.request_row(id).await;
    assert_eq!(row.policy_id.0, policy);
    assert_eq!(row.reason, reason.trim(), "nothing the agent typed is lost");
    app.drain_outbox().await;

    // A view pointing at state that is not there (expired, or forged) files nothing.
    let mut forged = answer["view"].clone();
    forged["private_metadata"] = Value::String(format!("{{\"state\":\"{}\"}}", "0".repeat(64)));
    let (_, refused) = app.submit_choice(AGENT, &forged, policy).await;
    assert_eq!(refused["response_action"], "errors", "{refused}");
    assert!(
        refused["errors"]["policy"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM expiry_requests").await, 1);
    app.stop().await;
}

/// `<target|label>` links whose label holds markup (`<url|in <#C1>>` renders broken).
fn labels_with_markup(text: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let end = after.find('>').unwrap_or(after.len());
        let inner = &after[..end];
        if let Some((_, label)) = inner.split_once('|')
            && label.contains('<')
        {
            bad.push(inner.to_owned());
        }
        rest = &after[end.min(after.len())..];
    }
    bad
}

#[tokio::test]
async fn the_requesters_message_links_the_request_without_a_mention_in_the_label() {
    let app = spawn_app().await;
    let id = app
        .file_by_phone(Utc::now() - Duration::hours(1), "CX-11")
        .await;
    app.drain_outbox().await;
    let dm = app
        .calls("chat.postMessage")
        .await
        .into_iter()
        .find(|m| m["channel"] == AGENT)
        .expect("the requester is told");
    let text = dm["text"].as_str().unwrap();
    assert!(text.contains(&format!("#{id}")), "{text}");
    assert!(text.contains(&format!("<#{APPROVAL_CHANNEL}>")), "{text}");
    assert!(text.contains("|open the request>"), "{text}");
    assert_eq!(labels_with_markup(text), Vec::<String>::new(), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn masking_that_makes_a_reason_too_long_is_an_error_on_the_reason_never_the_raw_text() {
    let app = spawn_app().await;
    let at = Utc::now() - Duration::hours(1);
    // 이서연 (the simple rider) was born 1999-01-05: masking "19990105" adds two characters.
    let reason = format!("CX-1 {} 19990105", "a".repeat(985));
    assert_eq!(reason.chars().count(), 999);
    let (status, a) = app
        .submit_request(AGENT, "010-1234-5678", at, &reason)
        .await;
    assert_eq!(status, 200);
    assert_eq!(a["response_action"], "errors", "{a}");
    assert!(
        a["errors"]["reason"].as_str().unwrap().contains("masked"),
        "{a}"
    );
    // The same through the choice step (홍길동, 1990-03-14, shares a phone).
    let reason = format!("CX-2 {} 19900314", "b".repeat(985));
    let (_, a) = app
        .submit_request(AGENT, "010-5550-1234", at, &reason)
        .await;
    assert_eq!(a["response_action"], "errors", "{a}");
    assert!(a["errors"]["reason"].is_string(), "{a}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM expiry_requests").await, 0);
    app.drain_outbox().await;
    for m in ["chat.postMessage", "chat.update", "chat.postEphemeral"] {
        for call in app.calls(m).await {
            let s = call.to_string();
            assert!(!s.contains("19990105") && !s.contains("19900314"), "{s}");
        }
    }
    // A reason that still fits once masked is stored masked.
    let reason = format!("CX-3 {} 19990105", "c".repeat(20));
    let id = app.file_by_phone(at, &reason).await;
    assert_eq!(
        app.request_row(id).await.reason,
        format!("CX-3 {} 1999-**-**", "c".repeat(20))
    );
    app.stop().await;
}

#[tokio::test]
async fn free_text_cannot_forge_the_message_layout_or_make_links() {
    let app = spawn_app().await;
    let reason = "CX-5\n*Requested by:* <@U0LEAD1> at 2026-01-01\r\n*Policy:* none\u{2028}see https://evil.example/x and #general";
    let id = app
        .file_by_phone(Utc::now() - Duration::hours(1), reason)
        .await;
    app.drain_outbox().await;
    let posts = app.calls("chat.postMessage").await;
    let approval = posts
        .iter()
        .find(|m| m["channel"] == APPROVAL_CHANNEL && m["thread_ts"].is_null())
        .expect("approval request posted");
    let lines: Vec<String> = block_texts(approval)
        .iter()
        .flat_map(|t| t.lines().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    for field in ["*Requested by:*", "*Policy:*"] {
        assert_eq!(
            lines.iter().filter(|l| l.starts_with(field)).count(),
            1,
            "only the message's own {field} line: {lines:#?}"
        );
    }
    assert!(
        lines.iter().any(|l| l.contains("CX-5 ↵ ")),
        "line breaks shown: {lines:#?}"
    );
    // Every text that shows the reason is verbatim: no bare URL or #channel becomes a link.
    let blocks = approval["blocks"].as_array().unwrap();
    for b in blocks.iter().filter(|b| b["type"] == "section") {
        assert_eq!(b["text"]["verbatim"], true, "{b}");
    }
    let s = approval.to_string();
    assert!(!s.contains("<@U0LEAD1>") && s.contains("&lt;@U0LEAD1&gt;"));
    assert!(!s.contains("<https://evil"));
    // Stored as typed.
    assert_eq!(app.request_row(id).await.reason, reason);
    app.stop().await;
}

#[tokio::test]
async fn the_stand_in_refuses_what_slack_refuses_and_fails_the_test() {
    let slack = slack_stand_in().await;
    let http = reqwest::Client::new();
    let post = |method: &str, body: Value| {
        http.post(format!("{}/api/{method}", slack.uri()))
            .json(&body)
            .send()
    };
    // A button whose text is over 75 characters: Slack's invalid_blocks, with a pointer.
    let answer: Value = post(
        "chat.postMessage",
        serde_json::json!({"channel": "C1", "text": "t", "blocks": [{"type": "actions", "elements": [
            {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x".repeat(76)}}]}]}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(answer["ok"], false);
    assert_eq!(answer["error"], "invalid_blocks");
    assert!(
        answer["response_metadata"]["messages"][0]
            .as_str()
            .unwrap()
            .contains("[json-pointer:/blocks/0/elements/0/text/text]"),
        "{answer}"
    );
    // A method nobody answers: unknown_method, not a silent 404.
    let answer: Value = post("chat.scheduleMessage", serde_json::json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["error"], "unknown_method");
    // A fault still checks what was sent.
    slack
        .on("chat.update")
        .expect(1)
        .fault(wiremock::ResponseTemplate::new(503))
        .await;
    let status = post(
        "chat.update",
        serde_json::json!({"channel": "C1", "ts": "1.2", "blocks": [{"type": "divider"}]}),
    )
    .await
    .unwrap()
    .status();
    assert_eq!(status, 503);
    let recorded = slack.take_violations();
    assert_eq!(recorded.len(), 3, "{recorded:#?}");
    assert!(recorded[0].contains("[button.text]"), "{recorded:#?}");
    assert!(recorded[1].contains("[method.unknown]"), "{recorded:#?}");
    assert!(
        recorded[2].contains("[message.text_fallback]"),
        "{recorded:#?}"
    );
    // And a recorded violation fails the test that caused it.
    let _ = post("views.open", serde_json::json!({"trigger_id": "t"})).await;
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| slack.assert_clean()));
    assert!(caught.is_err(), "assert_clean panics on a violation");
    slack.take_violations();
}
