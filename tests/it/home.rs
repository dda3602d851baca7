//! The Events API (`/slack/events`) and the App Home tab: url_verification, refused
//! signatures, an event redelivered to two instances handled once, and the Home views.

use std::time::{Duration, Instant};

use chrono::Utc;
use expire_bot::slack::verify::sign;
use serde_json::{Value, json};

use crate::harness::*;

const PATIENCE: Duration = Duration::from_secs(10);

async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: not within {PATIENCE:?}");
}

/// Posts an Events API body as Slack does (JSON, signed), `extra` headers added; the
/// answer is checked as Slack checks it.
async fn post_event(app: &TestApp, body: &Value, extra: &[(&str, &str)]) -> reqwest::Response {
    let body = body.to_string();
    let ts = Utc::now().timestamp();
    let mut req = app
        .http
        .post(format!("{}/slack/events", app.addr))
        .header("content-type", "application/json")
        .header("x-slack-request-timestamp", ts.to_string())
        .header("x-slack-signature", sign(SECRET, ts, body.as_bytes()))
        .body(body.clone());
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.expect("request reaches the bot");
    checked_answer("/slack/events", body.as_bytes(), resp).await
}

/// An `app_home_opened` event on the Home tab, as Slack sends it.
pub fn home_opened(user: &str, event_id: &str) -> Value {
    json!({
        "token": "legacy-verification-token",
        "team_id": "T0TEAM",
        "api_app_id": "A0APP",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": Utc::now().timestamp(),
        "event": {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0HOME",
            "tab": "home",
            "event_ts": "1700000000.000100"
        }
    })
}

/// The Home views published for `user`.
async fn published_for(app: &TestApp, user: &str) -> Vec<Value> {
    app.calls("views.publish")
        .await
        .into_iter()
        .filter(|c| c["user_id"] == user)
        .collect()
}

#[tokio::test]
async fn url_verification_is_answered_with_its_challenge() {
    let app = spawn_app().await;
    let resp = post_event(
        &app,
        &json!({ "token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification" }),
        &[],
    )
    .await;
    assert_eq!(resp.status(), 200);
    let (_, body) = json_answer(resp).await;
    assert_eq!(
        body["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );
    app.stop().await;
}

#[tokio::test]
async fn events_with_a_bad_signature_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let body = home_opened(AGENT, "Ev0FORGED").to_string();
    let now = Utc::now().timestamp();
    let cases = [
        (None, None),
        (
            Some(now),
            Some(sign("not-the-secret", now, body.as_bytes())),
        ),
        (
            Some(now - 360),
            Some(sign(SECRET, now - 360, body.as_bytes())),
        ),
    ];
    for (ts, sig) in cases {
        let mut req = app
            .http
            .post(format!("{}/slack/events", app.addr))
            .header("content-type", "application/json")
            .body(body.clone());
        if let Some(ts) = ts {
            req = req.header("x-slack-request-timestamp", ts.to_string());
        }
        if let Some(sig) = sig {
            req = req.header("x-slack-signature", sig);
        }
        assert_eq!(req.send().await.unwrap().status(), 401);
    }
    // A malformed but signed body is a 400, never a 5xx.
    let resp = app
        .post_signed("/slack/events", "{not json".to_owned(), &[])
        .await;
    assert_eq!(resp.status(), 400);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM slack_events").await, 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(published_for(&app, AGENT).await.is_empty());
    app.stop().await;
}

async fn retried_event_is_handled_once_across_two_instances(backend: Backend) {
    let first = spawn_on(backend).await;
    let second = spawn_app_with(Options {
        backend,
        database: Some(first.db.clone()),
        slack: Some(first.slack.clone()),
        ..Options::default()
    })
    .await;
    let event = home_opened(AGENT, "Ev0RETRIED1");
    // The first delivery, then Slack's three retries, alternating between the instances.
    assert_eq!(post_event(&first, &event, &[]).await.status(), 200);
    for n in ["1", "2", "3"] {
        let to = if n == "2" { &first } else { &second };
        let resp = post_event(
            to,
            &event,
            &[
                ("x-slack-retry-num", n),
                ("x-slack-retry-reason", "http_timeout"),
            ],
        )
        .await;
        assert_eq!(resp.status(), 200);
    }
    eventually("the Home tab is published", || async {
        !published_for(&first, AGENT).await.is_empty()
    })
    .await;
    // Give a wrongly handled retry the time to show.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(published_for(&first, AGENT).await.len(), 1, "handled once");
    assert_eq!(
        first
            .scalar("SELECT COUNT(*) FROM slack_events WHERE event_id = 'Ev0RETRIED1'")
            .await,
        1
    );
    // Another event is another delivery.
    post_event(&second, &home_opened(AGENT, "Ev0OTHER"), &[]).await;
    eventually("the second event is handled", || async {
        published_for(&first, AGENT).await.len() == 2
    })
    .await;
    second.stop().await;
    first.stop().await;
}

per_backend!(retried_event_is_handled_once_across_two_instances);
