//! The global shortcut "Expire insurance" and the message shortcut "Expire insurance from
//! this message": both open the request modal (`views.open` with the shortcut's
//! `trigger_id`) for requesters only; the message shortcut prefills the reason with the
//! message's text scrubbed of personal data, then its permalink. Asserted on what reached
//! the strict Slack stand-in and, through a submission, on what the database keeps.

use std::time::Duration;

use chrono::Utc;
use expire_bot::i18n::{Language, Locale};
use expire_bot::testkit::fixtures::{
    SHORTCUT_CHANNEL, SHORTCUT_MESSAGE_TS, SHORTCUT_TRIGGER_ID, global_shortcut, message_shortcut,
};
use expire_bot::testkit::stand_in::permalink_of;
use expire_bot::tr;
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use crate::harness::*;

const GLOBAL: &str = "expire_insurance";
const FROM_MESSAGE: &str = "expire_insurance_from_message";

/// A CX ticket about the simple rider (이서연, 010-1234-5678, born 1999-01-05), her phone
/// written three ways and her birth date two.
const TICKET: &str = "CX-4821 라이더 이서연 님 보험 해지 요청. 연락처 010-1234-5678 (또는 01012345678, +82 10 1234 5678), 생년월일 1999.01.05 / 990105. 보험사 해지 확인 &amp; 처리 부탁드립니다 :pray:";

/// What must never reach Slack of the ticket's personal data.
const RAW: &[&str] = &[
    "1234-5678",
    "01012345678",
    "10 1234 5678",
    "1999.01.05",
    "990105",
    "이서연",
];

/// Uses a shortcut over HTTP as Slack does; the answer is checked as Slack checks it.
async fn use_shortcut(app: &TestApp, payload: &Value) -> (u16, Value) {
    json_answer(app.interaction(payload, &[]).await).await
}

/// The `views.open` calls, their `view` parsed.
async fn opened(app: &TestApp) -> Vec<Value> {
    app.calls("views.open")
        .await
        .into_iter()
        .map(|c| {
            let view = match &c["view"] {
                Value::String(s) => serde_json::from_str(s).unwrap(),
                v => v.clone(),
            };
            json!({"trigger_id": c["trigger_id"], "view": view})
        })
        .collect()
}

/// An input block's element, by block_id.
fn input<'a>(view: &'a Value, block_id: &str) -> &'a Value {
    view["blocks"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["block_id"] == block_id))
        .map(|b| &b["element"])
        .unwrap_or_else(|| panic!("no input {block_id}: {view}"))
}

fn reason_prefill(view: &Value) -> String {
    input(view, "reason")["initial_value"]
        .as_str()
        .unwrap_or_else(|| panic!("no reason prefill: {view}"))
        .to_owned()
}

#[tokio::test]
async fn the_global_shortcut_opens_the_request_modal_without_a_prefill() {
    let app = spawn_app().await;
    let (status, body) = use_shortcut(&app, &global_shortcut(AGENT, GLOBAL)).await;
    assert_eq!((status, body), (200, Value::Null));
    let opens = opened(&app).await;
    assert_eq!(opens.len(), 1, "{opens:?}");
    assert_eq!(opens[0]["trigger_id"], SHORTCUT_TRIGGER_ID);
    let view = &opens[0]["view"];
    assert_eq!(view["callback_id"], "expiry_request");
    assert_eq!(view["type"], "modal");
    for (id, kind) in [
        ("rider_query", "plain_text_input"),
        ("cancelled_at", "datetimepicker"),
        ("reason", "plain_text_input"),
    ] {
        assert_eq!(input(view, id)["type"], kind, "{id}");
        assert_eq!(input(view, id)["action_id"], id);
    }
    assert!(input(view, "reason")["initial_value"].is_null(), "{view}");
    assert!(input(view, "rider_query")["initial_value"].is_null());
    assert_eq!(input(view, "reason")["max_length"], 1000);
    assert!(app.calls("chat.getPermalink").await.is_empty());
    // A shortcut of another callback_id is not ours: acknowledged, nothing opened.
    let (status, _) = use_shortcut(&app, &global_shortcut(AGENT, "launch_missiles")).await;
    assert_eq!(status, 200);
    assert_eq!(opened(&app).await.len(), 1);
    app.stop().await;
}

/// The message shortcut on a ticket holding the rider's phone (three forms) and birth date
/// (two): neither reaches Slack unmasked, the permalink does, and the prefilled form filed
/// as it is keeps the reason masked in the database.
async fn the_message_shortcut_prefills_a_masked_reason_that_files_masked(backend: Backend) {
    let app = spawn_on(backend).await;
    replicated(backend).await;
    let (status, body) = use_shortcut(
        &app,
        &message_shortcut(AGENT, FROM_MESSAGE, "U0CXTICKETS", TICKET),
    )
    .await;
    assert_eq!((status, body), (200, Value::Null));
    let links = app.calls("chat.getPermalink").await;
    assert_eq!(links.len(), 1);
    // A GET: its arguments are the query string.
    let query = links[0]["query"].as_str().unwrap_or_default();
    assert!(
        query.contains(&format!("channel={SHORTCUT_CHANNEL}")),
        "{query}"
    );
    assert!(
        query.contains(&format!("message_ts={SHORTCUT_MESSAGE_TS}")),
        "{query}"
    );
    let opens = opened(&app).await;
    assert_eq!(opens.len(), 1);
    let view = &opens[0]["view"];
    assert_eq!(view["callback_id"], "expiry_request");
    let reason = reason_prefill(view);
    let link = permalink_of(SHORTCUT_CHANNEL, SHORTCUT_MESSAGE_TS);
    assert!(reason.ends_with(&format!("\n{link}")), "{reason}");
    // Everything the bot sent Slack, less the rider input's placeholder (the catalogue's
    // example number is 010-1234-5678 too).
    let en = Locale::new(Language::En, chrono_tz::Asia::Seoul);
    let everything_sent = app
        .slack
        .received_requests()
        .await
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
        .replace(&tr!(en, "request-rider-input.placeholder"), "");
    for raw in RAW {
        assert!(!reason.contains(raw), "{raw} unmasked in {reason}");
        assert!(
            !everything_sent.contains(raw),
            "{raw} reached Slack: {everything_sent}"
        );
    }
    assert!(reason.contains("010-****-5678"), "{reason}");
    assert!(reason.contains("1999-**-**"), "{reason}");
    assert!(reason.contains("이*연"), "{reason}");
    // The rest as the message says it, its escaping read back.
    assert!(reason.starts_with("CX-4821 라이더 "), "{reason}");
    assert!(
        reason.contains("보험사 해지 확인 & 처리 부탁드립니다 :pray:"),
        "{reason}"
    );
    // Nothing was looked up in the open: no lookup audited, no request yet.
    assert_eq!(app.scalar("SELECT COUNT(*) FROM expiry_requests").await, 0);

    // The agent types the rider and the time, and files the reason as prefilled.
    let cancelled_at = Utc::now() - chrono::Duration::hours(2);
    let (status, answer) = app
        .submit_request(AGENT, "010-1234-5678", cancelled_at, &reason)
        .await;
    assert_eq!(status, 200);
    assert_eq!(answer["response_action"], "update", "{answer}");
    let id = app.only_request_id().await;
    let stored = app.request_row(id).await;
    assert_eq!(stored.status, "PENDING");
    assert_eq!(stored.reason, reason, "filed as prefilled");
    for raw in RAW {
        assert!(!stored.reason.contains(raw), "{raw} stored");
    }
    app.drain_outbox().await;
    let posted = app.calls("chat.postMessage").await;
    let posted = serde_json::to_string(&posted).unwrap();
    for raw in RAW {
        assert!(!posted.contains(raw), "{raw} posted");
    }
    app.stop().await;
}

per_backend!(the_message_shortcut_prefills_a_masked_reason_that_files_masked);

/// A message longer than the reason input takes, in Hangul and emoji with a phone at the
/// end: the text is cut, the link kept whole, and Slack (the strict stand-in) accepts it.
#[tokio::test]
async fn a_long_message_is_cut_to_fit_and_keeps_its_link() {
    let app = spawn_on(Backend::Sqlite).await;
    let text = format!("{} 010-9876-5432 끝", "가나다🚀🇰🇷 ".repeat(300));
    use_shortcut(&app, &message_shortcut(AGENT, FROM_MESSAGE, "U0CX", &text)).await;
    let opens = opened(&app).await;
    assert_eq!(opens.len(), 1);
    let reason = reason_prefill(&opens[0]["view"]);
    let link = permalink_of(SHORTCUT_CHANNEL, SHORTCUT_MESSAGE_TS);
    assert!(reason.ends_with(&format!("…\n{link}")), "{reason}");
    assert!(
        reason.encode_utf16().count() <= 1000,
        "{}",
        reason.encode_utf16().count()
    );
    assert!(reason.starts_with("가나다🚀🇰🇷 "));
    assert!(!reason.contains("9876"));
    app.stop().await;
}

/// `chat.getPermalink` failing, or answering long after the trigger would expire: the modal
/// opens all the same, prefilled without the link, before the shortcut is answered.
#[tokio::test]
async fn without_a_permalink_the_modal_still_opens_without_the_link() {
    let app = spawn_on(Backend::Sqlite).await;
    app.slack
        .on("chat.getPermalink")
        .priority(1)
        .times(1)
        .expect(1)
        .fault(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": false, "error": "message_not_found"})),
        )
        .await;
    use_shortcut(
        &app,
        &message_shortcut(AGENT, FROM_MESSAGE, "U0CX", "CX-1 해지 요청"),
    )
    .await;
    app.slack
        .on("chat.getPermalink")
        .priority(1)
        .times(1)
        .expect(1)
        .fault(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": true, "channel": SHORTCUT_CHANNEL, "permalink": "https://acme.slack.com/archives/C0CXDESK/p1700000100000300"}))
                .set_delay(Duration::from_secs(10)),
        )
        .await;
    let started = std::time::Instant::now();
    use_shortcut(
        &app,
        &message_shortcut(AGENT, FROM_MESSAGE, "U0CX", "CX-2 해지 요청"),
    )
    .await;
    // Not a speed assertion: the delay is far past Slack's window, and the answer came first.
    assert!(started.elapsed() < Duration::from_secs(10));
    let opens = opened(&app).await;
    assert_eq!(opens.len(), 2, "{opens:?}");
    assert_eq!(reason_prefill(&opens[0]["view"]), "CX-1 해지 요청");
    assert_eq!(reason_prefill(&opens[1]["view"]), "CX-2 해지 요청");
    app.stop().await;
}

/// Someone not on `REQUESTER_USER_IDS`: told in a notice (the catalogue's refusal, nothing to
/// submit), in either language; no link asked for, no request modal, nothing filed.
#[tokio::test]
async fn a_non_requesters_shortcuts_are_refused_in_a_notice() {
    for language in [Language::Ko, Language::En] {
        let app = spawn_app_in(
            language,
            Options {
                backend: Backend::Sqlite,
                env: vec![("REQUESTER_USER_IDS", AGENT)],
                ..Options::default()
            },
        )
        .await;
        let l = Locale::new(language, chrono_tz::Asia::Seoul);
        use_shortcut(&app, &global_shortcut(OUTSIDER, GLOBAL)).await;
        use_shortcut(
            &app,
            &message_shortcut(OUTSIDER, FROM_MESSAGE, "U0CX", TICKET),
        )
        .await;
        let opens = opened(&app).await;
        assert_eq!(opens.len(), 2, "{opens:?}");
        for open in &opens {
            let view = &open["view"];
            assert_eq!(open["trigger_id"], SHORTCUT_TRIGGER_ID);
            assert!(view["submit"].is_null(), "{view}");
            assert_ne!(view["callback_id"], "expiry_request");
            assert_eq!(view["title"]["text"], tr!(l, "shortcut-notice-modal.title"));
            assert_eq!(
                view["blocks"][0]["text"]["text"],
                tr!(l, "access-not-a-requester"),
                "{view}"
            );
        }
        assert!(app.calls("chat.getPermalink").await.is_empty());
        assert!(app.calls("chat.postMessage").await.is_empty());
        assert!(app.calls("chat.postEphemeral").await.is_empty());
        assert_eq!(app.scalar("SELECT COUNT(*) FROM expiry_requests").await, 0);
        // The same person's shortcut from another workspace is refused as such.
        let mut foreign = global_shortcut(AGENT, GLOBAL);
        foreign["team"]["id"] = json!("T0OTHER");
        use_shortcut(&app, &foreign).await;
        let opens = opened(&app).await;
        assert_eq!(opens.len(), 3);
        assert_eq!(
            opens[2]["view"]["blocks"][0]["text"]["text"],
            tr!(l, "access-foreign-workspace")
        );
        app.stop().await;
    }
}

/// Over Socket Mode the message shortcut is acknowledged bare and opens the same modal.
#[tokio::test]
async fn socket_mode_delivers_shortcuts_the_same_way() {
    use crate::socket::{APP_TOKEN, next_conn, websocket_stand_in};
    let (ws_url, mut conns) = websocket_stand_in().await;
    let slack = slack_stand_in().await;
    slack
        .on("apps.connections.open")
        .post()
        .expect(1..)
        .answer(ResponseTemplate::new(200).set_body_json(json!({"ok": true, "url": ws_url})))
        .await;
    let app = spawn_app_with(Options {
        backend: Backend::Sqlite,
        app_token: Some(APP_TOKEN),
        slack: Some(slack.clone()),
        ..Options::default()
    })
    .await;
    let mut conn = next_conn(&mut conns).await;
    conn.send(json!({
        "envelope_id": "env-shortcut-1",
        "type": "interactive",
        "accepts_response_payload": false,
        "payload": message_shortcut(AGENT, FROM_MESSAGE, "U0CX", TICKET),
    }));
    let ack = conn.ack().await;
    assert_eq!(ack, json!({"envelope_id": "env-shortcut-1"}));
    conn.send(json!({
        "envelope_id": "env-shortcut-2",
        "type": "interactive",
        "accepts_response_payload": false,
        "payload": global_shortcut(AGENT, GLOBAL),
    }));
    assert_eq!(conn.ack().await, json!({"envelope_id": "env-shortcut-2"}));
    let opens = opened(&app).await;
    assert_eq!(opens.len(), 2, "{opens:?}");
    let reason = reason_prefill(&opens[0]["view"]);
    assert!(reason.ends_with(&permalink_of(SHORTCUT_CHANNEL, SHORTCUT_MESSAGE_TS)));
    for raw in RAW {
        assert!(!reason.contains(raw), "{raw} unmasked in {reason}");
    }
    assert_eq!(opens[1]["view"]["callback_id"], "expiry_request");
    assert!(input(&opens[1]["view"], "reason")["initial_value"].is_null());
    app.stop().await;
}
