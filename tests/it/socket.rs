//! Socket Mode against a local stand-in for Slack's WebSocket: wiremock answers
//! `apps.connections.open` (through `SLACK_API_URL`) with the URL of a tokio-tungstenite
//! server, which plays Slack: it says `hello`, delivers envelopes (a slash command, a view
//! submission, a button click) and reads the bot's acknowledgements. The effects are
//! asserted where they land: the database and the Slack Web API stand-in.

use std::time::Duration;

use chrono::Utc;
use expire_bot::testkit::fixtures;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use wiremock::ResponseTemplate;

use crate::harness::*;

pub(crate) const APP_TOKEN: &str = "xapp-1-A0APP-1-sockettest";
/// Only a bound on a hang; the assertions never depend on how long anything took.
const PATIENCE: Duration = Duration::from_secs(30);

/// One WebSocket connection the bot opened.
pub(crate) struct Conn {
    out: mpsc::UnboundedSender<Message>,
    pub(crate) inbox: mpsc::UnboundedReceiver<Value>,
    /// The last envelope sent, to check its acknowledgement's payload against.
    sent: Value,
}

impl Conn {
    pub(crate) fn send(&mut self, envelope: Value) {
        self.out
            .send(Message::text(envelope.to_string()))
            .expect("connection open");
        self.sent = envelope;
    }

    /// The next frame the bot sent (an acknowledgement). Its payload is what an HTTP
    /// answer would carry, and is checked as strictly as the harness checks those.
    pub(crate) async fn ack(&mut self) -> Value {
        let ack = tokio::time::timeout(PATIENCE, self.inbox.recv())
            .await
            .expect("the bot acknowledges")
            .expect("connection open");
        let payload = &ack["payload"];
        let violations = match self.sent["type"].as_str() {
            Some("slash_commands") => expire_bot::testkit::validate::command_answer(payload),
            _ => expire_bot::testkit::validate::interaction_answer(&self.sent["payload"], payload),
        };
        assert!(
            violations.is_empty(),
            "the bot acknowledged with what Slack refuses: {violations:?}\n{ack}"
        );
        ack
    }

    fn drop_connection(&self) {
        let _ = self.out.send(Message::Close(None));
    }
}

/// Slack's WebSocket side: every accepted connection gets `hello` and is handed over.
pub(crate) async fn websocket_stand_in() -> (String, mpsc::UnboundedReceiver<Conn>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!(
        "ws://{}/link/?ticket=test-ticket&app_id=A0APP",
        listener.local_addr().unwrap()
    );
    let (conns_tx, conns_rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let conns_tx = conns_tx.clone();
            tokio::spawn(async move {
                let Ok(ws) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                let (mut sink, mut stream) = ws.split();
                let hello = json!({
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "applink-test", "build_number": 1, "approximate_connection_time": 18060},
                    "connection_info": {"app_id": "A0APP"}
                });
                if sink.send(Message::text(hello.to_string())).await.is_err() {
                    return;
                }
                let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Message>();
                let (in_tx, in_rx) = mpsc::unbounded_channel::<Value>();
                let _ = conns_tx.send(Conn {
                    out: out_tx,
                    inbox: in_rx,
                    sent: Value::Null,
                });
                loop {
                    tokio::select! {
                        Some(m) = out_rx.recv() => {
                            let closing = matches!(m, Message::Close(_));
                            if sink.send(m).await.is_err() || closing {
                                return;
                            }
                        }
                        frame = stream.next() => match frame {
                            Some(Ok(Message::Text(t))) => {
                                if let Ok(v) = serde_json::from_str::<Value>(&t) {
                                    let _ = in_tx.send(v);
                                }
                            }
                            Some(Ok(_)) => {}
                            _ => return,
                        }
                    }
                }
            });
        }
    });
    (url, conns_rx)
}

pub(crate) async fn next_conn(conns: &mut mpsc::UnboundedReceiver<Conn>) -> Conn {
    tokio::time::timeout(PATIENCE, conns.recv())
        .await
        .expect("the bot connects")
        .expect("stand-in running")
}

#[tokio::test]
async fn socket_mode_serves_commands_submissions_and_clicks_and_reconnects() {
    let (ws_url, mut conns) = websocket_stand_in().await;
    let slack = slack_stand_in().await;
    slack
        .on("apps.connections.open")
        .post()
        .header("authorization", &format!("Bearer {APP_TOKEN}"))
        .expect(1..)
        .answer(ResponseTemplate::new(200).set_body_json(json!({"ok": true, "url": ws_url})))
        .await;
    let app = spawn_app_with(Options {
        app_token: Some(APP_TOKEN),
        slack: Some(slack.clone()),
        ..Options::default()
    })
    .await;
    let mut conn = next_conn(&mut conns).await;

    // 1. The slash command opens the modal before it is acknowledged.
    conn.send(json!({
        "envelope_id": "env-command-1",
        "type": "slash_commands",
        "accepts_response_payload": true,
        "payload": fixtures::slash_command_json(AGENT, "010-1234-5678"),
    }));
    let ack = conn.ack().await;
    assert_eq!(ack["envelope_id"], "env-command-1", "{ack}");
    assert!(
        ack["payload"]["text"].is_null(),
        "no message for the agent: {ack}"
    );
    let opens = app.calls("views.open").await;
    assert_eq!(opens.len(), 1);
    assert_eq!(opens[0]["trigger_id"], fixtures::COMMAND_TRIGGER_ID);
    assert_eq!(opens[0]["view"]["callback_id"], "expiry_request");

    // 2. The modal submission: its response_action travels in the ack's payload.
    let cancelled_at = Utc::now() - chrono::Duration::hours(2);
    conn.send(json!({
        "envelope_id": "env-submit-2",
        "type": "interactive",
        "accepts_response_payload": true,
        "payload": fixtures::request_submission(AGENT, "010-1234-5678", cancelled_at.timestamp(), "CX-socket"),
    }));
    let ack = conn.ack().await;
    assert_eq!(ack["envelope_id"], "env-submit-2");
    assert_eq!(ack["payload"]["response_action"], "update", "{ack}");
    let shown = ack["payload"]["view"].to_string();
    assert!(
        shown.contains("이*연") && shown.contains("010-****-5678"),
        "{shown}"
    );
    assert!(!shown.contains("이서연"));
    let id = app.only_request_id().await;
    assert_eq!(app.request_row(id).await.status, "PENDING");
    app.drain_outbox().await;

    // 3. Slack drops the connection; the listener reconnects. It keeps a second
    // connection too (slack-morphism's default), so wait for two more: the replacement
    // and the second slot. Without reconnection only one would ever come.
    conn.drop_connection();
    let _second = next_conn(&mut conns).await;
    let conn = next_conn(&mut conns).await;
    let mut conn = conn;

    // 4. A lead's click on a new connection: acknowledged bare, decided once.
    conn.send(json!({
        "envelope_id": "env-click-3",
        "type": "interactive",
        "accepts_response_payload": false,
        "payload": crate::payloads::button_click(LEAD, "approve_expiry", id),
    }));
    let ack = conn.ack().await;
    assert_eq!(ack, json!({"envelope_id": "env-click-3"}));
    let row = app.request_row(id).await;
    assert_eq!(row.status, "APPROVED");
    assert_eq!(row.decided_by.as_deref(), Some(LEAD));
    assert_eq!(app.policy_status(row.policy_id).await.0, "EXPIRED");
    assert!(
        slack_calls(&slack, "apps.connections.open").await.len() >= 3,
        "one URL per connection"
    );

    // Health, readiness and metrics stay on BIND_ADDR; /slack/* is not served without a
    // signing secret.
    let get = |route: &str| app.http.get(format!("{}{route}", app.addr)).send();
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    assert_eq!(get("/readyz").await.unwrap().status(), 200);
    let metrics = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(metrics.contains("transport=\"socket\""), "{metrics}");
    assert_eq!(app.slash(AGENT, "010-1234-5678").await.status(), 401);
    assert_eq!(app.calls("views.open").await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn socket_mode_acknowledges_in_time_while_the_group_api_is_slow() {
    let (ws_url, mut conns) = websocket_stand_in().await;
    let slack = slack_stand_in().await;
    slack
        .on("apps.connections.open")
        .post()
        .expect(1..)
        .answer(ResponseTemplate::new(200).set_body_json(json!({"ok": true, "url": ws_url})))
        .await;
    // The requesters' group answers after 6 s, from the start: nobody can be confirmed yet.
    slack
        .on("usergroups.users.list")
        .expect(1..)
        .answer(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_secs(6))
                .set_body_json(json!({"ok": true, "users": [GROUP_LEAD]})),
        )
        .await;
    let app = spawn_app_with(Options {
        app_token: Some(APP_TOKEN),
        slack: Some(slack.clone()),
        env: vec![("REQUESTER_USERGROUP_ID", "S0CXAGENTS")],
        ..Options::default()
    })
    .await;
    let mut conn = next_conn(&mut conns).await;
    conn.send(json!({
        "envelope_id": "env-command-slow-group",
        "type": "slash_commands",
        "accepts_response_payload": true,
        "payload": fixtures::slash_command_json(GROUP_LEAD, "010-1234-5678"),
    }));
    let started = std::time::Instant::now();
    let ack = conn.ack().await;
    let took = started.elapsed();
    println!("Socket Mode command, group API slow: acknowledged in {took:?}");
    assert!(took < Duration::from_secs(3), "acknowledged after {took:?}");
    assert_eq!(ack["envelope_id"], "env-command-slow-group", "{ack}");
    let text = ack["payload"]["text"].as_str().unwrap_or_default();
    assert!(text.contains("couldn't check"), "{ack}");
    assert_eq!(app.calls("views.open").await.len(), 0);
    app.stop().await;
}
