//! The Events API (`/slack/events`) and the App Home tab: url_verification, refused
//! signatures, an event redelivered to two instances handled once, the Home views, and
//! the views republished from the outbox after a request changes state elsewhere (across
//! a restart, too).

use std::time::{Duration, Instant};

use chrono::Utc;
use expire_bot::slack::verify::sign;
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

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

/// The view of a `views.publish` call, as JSON text.
fn view_of(call: &Value) -> String {
    let view = match &call["view"] {
        Value::String(s) => serde_json::from_str::<Value>(s).expect("view JSON"),
        v => v.clone(),
    };
    assert_eq!(view["type"], "home");
    view.to_string()
}

/// Waits until the Home tab published last for `user` says `what`; returns it.
async fn republished(app: &TestApp, user: &str, what: &str) -> String {
    let mut last = String::new();
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        if let Some(call) = published_for(app, user).await.pop() {
            last = view_of(&call);
            if last.contains(what) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{user}'s Home tab never said {what:?}; the last one: {last}");
}

/// The view of the last Home tab published for `user`, as JSON text.
async fn last_home_of(app: &TestApp, user: &str, event_id: &str) -> String {
    let before = published_for(app, user).await.len();
    assert_eq!(
        post_event(app, &home_opened(user, event_id), &[])
            .await
            .status(),
        200
    );
    eventually("the Home tab is published", || async {
        published_for(app, user).await.len() > before
    })
    .await;
    let call = published_for(app, user).await.pop().expect("published");
    view_of(&call)
}

async fn home_tabs_of_an_approver_an_agent_and_neither(backend: Backend) {
    let app = spawn_app_with(Options {
        backend,
        env: vec![("APPROVER_USER_IDS", LEAD), ("REQUESTER_USER_IDS", AGENT)],
        ..Options::default()
    })
    .await;
    let id = app
        .file_by_phone(
            Utc::now() - chrono::Duration::hours(3),
            "Rider called, CX-4821",
        )
        .await;
    app.drain_outbox().await;
    // The last digest posted (an older one before it): 3 riders, 4 policies.
    app.primary()
        .exec(
            "INSERT INTO digest_runs (slot, claimed_by, claimed_at, posted_at, riders, policies, channel_id, message_ts) VALUES \
             ('2026-11-29 00:00:00', 'i1', '2026-11-29 00:00:00', '2026-11-29 00:00:01', 9, 9, 'C0APPROVE', '1700000000.000001'), \
             ('2026-11-30 00:00:00', 'i1', '2026-11-30 00:00:00', '2026-11-30 00:00:01', 3, 4, 'C0APPROVE', '1764460801.000200')",
        )
        .await;
    replicated(backend).await;

    // The lead: the pending request, masked, with the channel message's own buttons.
    let lead = last_home_of(&app, LEAD, "Ev0LEAD").await;
    assert!(
        lead.contains("Last withdrawn-rider digest")
            && lead.contains("riders: 3, active policies: 4")
            && lead.contains("https://slack.com/archives/C0APPROVE/p1764460801000200"),
        "{lead}"
    );
    assert!(
        lead.contains("Requests waiting for your decision: 1"),
        "{lead}"
    );
    assert!(lead.contains(r#""action_id":"approve_expiry""#), "{lead}");
    assert!(lead.contains(r#""action_id":"reject_expiry""#), "{lead}");
    assert!(lead.contains(&format!(r#""value":"{id}""#)), "{lead}");
    assert!(lead.contains("010-****-5678"), "{lead}");
    assert!(
        !lead.contains("1234-5678") && !lead.contains("01012345678"),
        "{lead}"
    );
    assert!(
        !lead.contains("Your requests of the last 30 days"),
        "{lead}"
    );

    // The agent: their own request with its status and thread link, no decision buttons.
    let agent = last_home_of(&app, AGENT, "Ev0AGENT").await;
    assert!(
        agent.contains("Your requests of the last 30 days: 1"),
        "{agent}"
    );
    assert!(agent.contains(&format!("#{id}")), "{agent}");
    assert!(
        agent.contains("https://slack.com/archives/C0APPROVE/p"),
        "{agent}"
    );
    assert!(!agent.contains("approve_expiry"), "{agent}");
    assert!(!agent.contains("waiting for your decision"), "{agent}");
    assert!(!agent.contains("withdrawn-rider digest"), "{agent}");

    // Neither: how to start a request, and nothing about anyone's requests.
    let outsider = last_home_of(&app, OUTSIDER, "Ev0OUTSIDER").await;
    assert!(outsider.contains("Start an expiry request"), "{outsider}");
    assert!(!outsider.contains(&format!("#{id}")), "{outsider}");
    assert!(!outsider.contains("approve_expiry"), "{outsider}");
    app.stop().await;
}

async fn a_home_tab_approval_by_the_requester_is_refused(backend: Backend) {
    let app = spawn_on(backend).await;
    let id = app
        .file_by_phone(
            Utc::now() - chrono::Duration::hours(3),
            "Rider called, CX-4821",
        )
        .await;
    app.drain_outbox().await;
    // A click from the Home tab: a view container, no channel, no message.
    let mut click = crate::payloads::button_click(AGENT, "approve_expiry", id);
    let obj = click.as_object_mut().expect("object");
    obj.remove("channel");
    obj.remove("message");
    obj.insert(
        "container".into(),
        json!({ "type": "view", "view_id": "V0HOME" }),
    );
    assert_eq!(app.interaction(&click, &[]).await.status(), 200);
    // Told by direct message (the app's Messages tab, beside its Home tab): a Home-tab click
    // has no channel, and an ephemeral message in the approvals channel, where the agent
    // may not even be, would never be seen.
    let told = || async {
        app.calls("chat.postMessage")
            .await
            .into_iter()
            .filter(|c| c["channel"] == AGENT && c.to_string().contains("four-eyes rule"))
            .count()
    };
    eventually("the requester is told", || async { told().await > 0 }).await;
    assert!(app.calls("chat.postEphemeral").await.is_empty());
    assert_eq!(app.request_row(id).await.status.as_str(), "PENDING");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM expiry_approvals").await, 0);
    app.stop().await;
}

/// A lead's and an agent's open Home tabs follow a request through changes made elsewhere
/// (filed by the agent's modal, approved by another lead in the channel): each change is
/// republished from the outbox, read on the replica once it has the change. Someone who
/// never opened the tab gets nothing published.
async fn home_tabs_are_republished_after_a_decision_elsewhere(backend: Backend) {
    let app = spawn_on(backend).await;
    let lead = last_home_of(&app, LEAD, "Ev0LEADFIRST").await;
    assert!(
        lead.contains("Requests waiting for your decision: 0"),
        "{lead}"
    );
    last_home_of(&app, AGENT, "Ev0AGENTFIRST").await;

    let id = app
        .file_by_phone(
            Utc::now() - chrono::Duration::hours(3),
            "Rider called, CX-4821",
        )
        .await;
    app.drain_outbox().await;
    let lead = republished(&app, LEAD, "Requests waiting for your decision: 1").await;
    assert!(lead.contains(&format!(r#""value":"{id}""#)), "{lead}");
    assert!(
        lead.contains("010-****-5678") && !lead.contains("1234-5678"),
        "{lead}"
    );
    let agent = republished(&app, AGENT, &format!("#{id}* · pending")).await;
    assert!(
        agent.contains("https://slack.com/archives/C0APPROVE/p"),
        "{agent}"
    );

    // Another lead approves in the channel.
    assert_eq!(app.click(LEAD2, "approve_expiry", id, &[]).await, 200);
    app.drain_outbox().await;
    let lead = republished(&app, LEAD, "Requests waiting for your decision: 0").await;
    assert!(!lead.contains(&format!(r#""value":"{id}""#)), "{lead}");
    republished(&app, AGENT, &format!("#{id}* · approved")).await;
    assert!(
        published_for(&app, LEAD2).await.is_empty(),
        "LEAD2 never opened the Home tab"
    );
    // One refresh per state: posted (0) and decided (the last ordinal), each delivered.
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM slack_outbox WHERE kind LIKE 'refresh_homes:%' AND done_at IS NOT NULL"
        )
        .await,
        2
    );
    app.stop().await;
}

/// A Home refresh owed when the instance stops is delivered by the next one: it is a row of
/// the outbox, not a task of the instance.
async fn a_home_refresh_owed_at_a_restart_is_delivered_by_the_next_instance(backend: Backend) {
    let first = spawn_on(backend).await;
    last_home_of(&first, LEAD, "Ev0LEADRESTART").await;
    let id = first
        .file_by_phone(
            Utc::now() - chrono::Duration::hours(3),
            "Rider called, CX-4821",
        )
        .await;
    first.drain_outbox().await;
    republished(&first, LEAD, "Requests waiting for your decision: 1").await;

    // Slack refuses to publish the lead's tab from now on (503): the refresh stays owed.
    first
        .slack
        .on("views.publish")
        .field("user_id", LEAD)
        .expect(1..)
        .fault(ResponseTemplate::new(503))
        .await;
    let before = published_for(&first, LEAD).await.len();
    assert_eq!(first.click(LEAD2, "approve_expiry", id, &[]).await, 200);
    let owed = "SELECT COUNT(*) FROM slack_outbox WHERE kind LIKE 'refresh_homes:%' \
                AND done_at IS NULL AND attempts > 0";
    eventually(
        "the refresh was refused by Slack and is still owed",
        || async {
            published_for(&first, LEAD).await.len() > before && first.scalar(owed).await == 1
        },
    )
    .await;
    let (db, slack) = (first.db.clone(), first.slack.clone());
    first.stop().await;

    // Slack is back; another instance delivers what the first owed.
    slack.reset().await;
    mount_slack_ok(&slack).await;
    let second = spawn_app_with(Options {
        backend,
        database: Some(db),
        slack: Some(slack),
        ..Options::default()
    })
    .await;
    second.drain_outbox().await;
    let lead = republished(&second, LEAD, "Requests waiting for your decision: 0").await;
    assert!(!lead.contains(&format!(r#""value":"{id}""#)), "{lead}");
    assert_eq!(second.scalar(owed).await, 0);
    second.stop().await;
}

per_backend!(
    home_tabs_are_republished_after_a_decision_elsewhere,
    a_home_refresh_owed_at_a_restart_is_delivered_by_the_next_instance,
    retried_event_is_handled_once_across_two_instances,
    home_tabs_of_an_approver_an_agent_and_neither,
    a_home_tab_approval_by_the_requester_is_refused
);
