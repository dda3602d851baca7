//! Hostile and broken requests: refused with 401/400/413, never a 5xx, never a change.

use chrono::Utc;
use expire_bot::slack::verify::sign;

use crate::harness::*;
use crate::payloads;

fn seeded_expired() -> i64 {
    let (_, policies) = expire_bot::store::seed::demo_data(Utc::now());
    policies.iter().filter(|p| p.status == "EXPIRED").count() as i64
}

async fn unchanged(app: &TestApp) {
    assert_eq!(app.scalar("SELECT COUNT(*) FROM expiry_requests").await, 0);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM hourly_insurance_policies WHERE status = 'EXPIRED'")
            .await,
        seeded_expired()
    );
    // The approvers' member list is read in the background from start-up, and which
    // workspace and app are ours is asked at start-up (auth.test, bots.info); those calls
    // are the bot's own, not the request's.
    assert!(
        app.slack.received_requests().await.iter().all(|r| matches!(
            r.url.path(),
            "/api/usergroups.users.list" | "/api/auth.test" | "/api/bots.info"
        )),
        "nothing reached Slack"
    );
}

async fn post(app: &TestApp, route: &str, body: Vec<u8>, headers: &[(&str, String)]) -> u16 {
    let mut req = app
        .http
        .post(format!("{}{route}", app.addr))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn bad_expired_and_missing_signatures_are_refused() {
    let app = spawn_app().await;
    let body = payloads::slash_command(AGENT, "010-1234-5678");
    let now = Utc::now().timestamp();
    for route in ["/slack/commands", "/slack/interactions"] {
        // Missing headers.
        assert_eq!(post(&app, route, body.clone().into_bytes(), &[]).await, 401);
        // Signed with another secret.
        let forged = sign("not-the-secret", now, body.as_bytes());
        assert_eq!(
            post(
                &app,
                route,
                body.clone().into_bytes(),
                &[
                    ("x-slack-request-timestamp", now.to_string()),
                    ("x-slack-signature", forged)
                ]
            )
            .await,
            401
        );
        // Genuine signature, replayed six minutes later.
        let old = now - 360;
        let replayed = sign(SECRET, old, body.as_bytes());
        assert_eq!(
            post(
                &app,
                route,
                body.clone().into_bytes(),
                &[
                    ("x-slack-request-timestamp", old.to_string()),
                    ("x-slack-signature", replayed)
                ]
            )
            .await,
            401
        );
        // Genuine signature, body altered after signing.
        let sig = sign(SECRET, now, body.as_bytes());
        let tampered = body.replace("010-1234-5678", "010-0000-0000");
        assert_eq!(
            post(
                &app,
                route,
                tampered.into_bytes(),
                &[
                    ("x-slack-request-timestamp", now.to_string()),
                    ("x-slack-signature", sig.clone())
                ]
            )
            .await,
            401
        );
        // Garbage header values.
        assert_eq!(
            post(
                &app,
                route,
                body.clone().into_bytes(),
                &[
                    ("x-slack-request-timestamp", "yesterday".into()),
                    ("x-slack-signature", sig)
                ]
            )
            .await,
            401
        );
    }
    unchanged(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let app = spawn_app().await;
    let mut body = payloads::slash_command(AGENT, "x").into_bytes();
    body.extend(std::iter::repeat_n(b'a', 1024 * 1024 + 10));
    let now = Utc::now().timestamp();
    let sig = sign(SECRET, now, &body);
    for route in ["/slack/commands", "/slack/interactions"] {
        let status = post(
            &app,
            route,
            body.clone(),
            &[
                ("x-slack-request-timestamp", now.to_string()),
                ("x-slack-signature", sig.clone()),
            ],
        )
        .await;
        assert_eq!(status, 413);
    }
    unchanged(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn malformed_but_signed_bodies_get_400() {
    let app = spawn_app().await;
    for (route, body) in [
        ("/slack/commands", "this is not a form".to_owned()),
        ("/slack/commands", "team_id=T1&user_id=U1".to_owned()),
        ("/slack/interactions", "nopayload=1".to_owned()),
        ("/slack/interactions", "payload=%7Bnot%20json".to_owned()),
        (
            "/slack/interactions",
            "payload=%7B%22type%22%3A%22view_submission%22%7D".to_owned(),
        ),
        ("/slack/interactions", format!("payload={}", "%FF%FE")),
    ] {
        let resp = app.post_signed(route, body.clone(), &[]).await;
        assert_eq!(resp.status().as_u16(), 400, "{route} {body}");
    }
    unchanged(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn unknown_actions_and_forged_request_ids_change_nothing() {
    let app = spawn_app().await;
    for (action, id) in [
        ("approve_expiry", 999_999),
        ("launch_missiles", 1),
        ("reject_expiry", -1),
    ] {
        let resp = app
            .interaction(&payloads::button_click(LEAD, action, id), &[])
            .await;
        assert_eq!(resp.status().as_u16(), 200);
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM expiry_requests").await, 0);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM hourly_insurance_policies WHERE status = 'EXPIRED'")
            .await,
        seeded_expired()
    );
    app.stop().await;
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let r = app
        .http
        .get(format!("{}/healthz", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .http
        .get(format!("{}/readyz", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["primary"], "up");
    assert_eq!(body["replica"], "up");
    assert!(body["replica_lag_seconds"].is_number(), "{body}");
    app.stop().await;
}
