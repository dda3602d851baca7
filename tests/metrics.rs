//! `/metrics` after a real flow: the counters, histograms and gauges the runbook's alerts
//! are written against exist, move when the bot works, and carry no personal data or free
//! text in any label.
//!
//! The Prometheus recorder is process-wide, so this test has a test binary (a process) of
//! its own: nothing but its one bot instance counts into it, and every counter the flow
//! moves is asserted to move by exactly what the flow did, between two scrapes. The
//! instance's own background work (the outbox worker, the sweeper, the member-list
//! refresher) only touches series the exact assertions do not name.

#[allow(dead_code)]
#[path = "it/harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "it/payloads.rs"]
mod payloads;

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use expire_bot::slack::verify::sign;
use expire_bot::store::seed::demo_data;

use harness::*;

/// One scrape: `name{sorted labels}` → value. Comments are kept apart.
#[derive(Debug)]
struct Scrape {
    text: String,
    samples: BTreeMap<String, f64>,
}

/// A series key as [`Scrape`] stores it: labels sorted by name.
fn key(name: &str, labels: &[(&str, &str)]) -> String {
    let mut labels = labels.to_vec();
    labels.sort();
    if labels.is_empty() {
        return name.to_owned();
    }
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{name}{{{}}}", inner.join(","))
}

/// Splits `name{a="x",b="y"} 1.5` into its name, labels and value.
fn parse_line(line: &str) -> (String, Vec<(String, String)>, f64) {
    let (series, value) = line.rsplit_once(' ').expect("sample line has a value");
    let value: f64 = value.parse().expect("numeric sample value");
    let Some((name, rest)) = series.split_once('{') else {
        return (series.to_owned(), Vec::new(), value);
    };
    let body = rest.strip_suffix('}').expect("labels close");
    let mut labels = Vec::new();
    let mut chars = body.chars().peekable();
    while chars.peek().is_some() {
        let k: String = chars.by_ref().take_while(|c| *c != '=').collect();
        assert_eq!(chars.next(), Some('"'), "label value quoted in {line}");
        let mut v = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => v.push(chars.next().expect("escape")),
                '"' => break,
                c => v.push(c),
            }
        }
        labels.push((k.trim_start_matches(',').to_owned(), v));
        if chars.peek() == Some(&',') {
            chars.next();
        }
    }
    (name.to_owned(), labels, value)
}

impl Scrape {
    async fn take(app: &TestApp) -> Scrape {
        let resp = app
            .http
            .get(format!("{}/metrics", app.addr))
            .send()
            .await
            .expect("scrape");
        assert_eq!(resp.status(), 200);
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        assert!(ct.starts_with("text/plain"), "content type {ct}");
        let text = resp.text().await.expect("body");
        let mut samples = BTreeMap::new();
        for line in text
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let (name, labels, value) = parse_line(line);
            let labels: Vec<(&str, &str)> = labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            samples.insert(key(&name, &labels), value);
        }
        Scrape { text, samples }
    }

    fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.samples.get(&key(name, labels)).copied()
    }

    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels).unwrap_or(0.0)
    }

    /// Whether any series of `name` (or of its histogram `_bucket`/`_count`/`_sum`) exists.
    fn has_metric(&self, name: &str) -> bool {
        self.samples.keys().any(|k| {
            let series = k.split('{').next().unwrap_or(k);
            series == name
                || ["_bucket", "_count", "_sum"]
                    .iter()
                    .any(|suffix| series == format!("{name}{suffix}"))
        })
    }
}

/// Asserts `name{labels}` grew by exactly `by` between the two scrapes.
#[track_caller]
fn grew(before: &Scrape, after: &Scrape, name: &str, labels: &[(&str, &str)], by: f64) {
    let (b, a) = (before.value(name, labels), after.value(name, labels));
    assert_eq!(
        a - b,
        by,
        "{} grew by {} (from {b} to {a}), expected exactly {by}",
        key(name, labels),
        a - b
    );
}

/// Every `expire_bot_*` metric name an alert rule uses (histogram suffixes stripped).
fn metrics_named_in_alert_rules() -> Vec<String> {
    let rules = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/alerts.yml"))
        .expect("deploy/alerts.yml");
    let mut names: Vec<String> = Vec::new();
    let mut rest = rules.as_str();
    while let Some(i) = rest.find("expire_bot_") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        let name = tail[..end]
            .trim_end_matches("_bucket")
            .trim_end_matches("_count")
            .trim_end_matches("_sum")
            .to_owned();
        if !names.contains(&name) {
            names.push(name);
        }
        rest = &tail[end..];
    }
    names
}

#[tokio::test]
async fn a_flow_moves_the_counters_and_labels_carry_no_personal_data() {
    let app = spawn_app().await;
    let before = Scrape::take(&app).await;

    // Counters alerts take rates of exist from the start, at zero or more.
    for (name, labels) in [
        ("expire_bot_signature_failures_total", vec![]),
        ("expire_bot_requests_total", vec![("event", "timed_out")]),
        ("expire_bot_requests_total", vec![("event", "rejected")]),
        (
            "expire_bot_replica_fallbacks_total",
            vec![("outcome", "primary")],
        ),
        (
            "expire_bot_replica_fallbacks_total",
            vec![("outcome", "refused")],
        ),
        (
            "expire_bot_decisions_refused_total",
            vec![("why", "own_request")],
        ),
    ] {
        assert!(
            before.get(name, &labels).is_some(),
            "{} is exported before any event:\n{}",
            key(name, &labels),
            before.text
        );
    }
    assert!(before.text.contains("# HELP expire_bot_requests_total "));
    assert!(
        before
            .text
            .contains("# TYPE expire_bot_requests_total counter")
    );

    // The flow: command → modal → filed → posted → approved → follow-ups.
    assert_eq!(app.slash(AGENT, "010-1234-5678").await.status(), 200);
    let id = app
        .file_by_phone(
            Utc::now() - Duration::hours(2),
            "Cancelled at insurer, CX-7001",
        )
        .await;
    app.drain_outbox().await;
    assert_eq!(app.click(LEAD, "approve_expiry", id, &[]).await, 200);
    assert_eq!(app.request_row(id).await.status, "APPROVED");
    app.drain_outbox().await;
    // The requester clicking their own (now decided) request is refused without a change.
    assert_eq!(app.click(AGENT, "approve_expiry", id, &[]).await, 200);
    // One forged request.
    let body = payloads::slash_command(AGENT, "help");
    let forged = sign("not-the-secret", Utc::now().timestamp(), body.as_bytes());
    let resp = app
        .http
        .post(format!("{}/slack/commands", app.addr))
        .header(
            "x-slack-request-timestamp",
            Utc::now().timestamp().to_string(),
        )
        .header("x-slack-signature", forged)
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);
    // Readiness probes the databases and records what it saw.
    let ready = app
        .http
        .get(format!("{}/readyz", app.addr))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200);

    let after = Scrape::take(&app).await;
    if let Ok(dir) = std::env::var("METRICS_SCRAPE_DIR") {
        std::fs::write(format!("{dir}/before.prom"), &before.text).expect("write scrape");
        std::fs::write(format!("{dir}/after.prom"), &after.text).expect("write scrape");
    }

    // Slack requests by kind and outcome, with their latency.
    let http_ok = |kind| vec![("kind", kind), ("outcome", "ok"), ("transport", "http")];
    grew(
        &before,
        &after,
        "expire_bot_slack_requests_total",
        &http_ok("command"),
        1.0,
    );
    grew(
        &before,
        &after,
        "expire_bot_slack_requests_total",
        &http_ok("view_submission"),
        1.0,
    );
    grew(
        &before,
        &after,
        "expire_bot_slack_requests_total",
        &http_ok("block_actions"),
        2.0,
    );
    grew(
        &before,
        &after,
        "expire_bot_slack_requests_total",
        &[
            ("kind", "command"),
            ("outcome", "unauthorized"),
            ("transport", "http"),
        ],
        1.0,
    );
    grew(
        &before,
        &after,
        "expire_bot_signature_failures_total",
        &[],
        1.0,
    );
    grew(
        &before,
        &after,
        "expire_bot_slack_request_seconds_count",
        &[("kind", "view_submission")],
        1.0,
    );

    // Slack Web API calls by method and result.
    let ok = |method| vec![("method", method), ("result", "ok")];
    grew(
        &before,
        &after,
        "expire_bot_slack_api_calls_total",
        &ok("views.open"),
        1.0,
    );
    // Approval post, filed notice, thread reply, decided notice.
    grew(
        &before,
        &after,
        "expire_bot_slack_api_calls_total",
        &ok("chat.postMessage"),
        4.0,
    );
    grew(
        &before,
        &after,
        "expire_bot_slack_api_calls_total",
        &ok("chat.update"),
        1.0,
    );
    grew(
        &before,
        &after,
        "expire_bot_slack_api_calls_total",
        &ok("chat.postEphemeral"),
        1.0,
    );
    grew(
        &before,
        &after,
        "expire_bot_slack_api_call_seconds_count",
        &[("method", "chat.postMessage")],
        4.0,
    );

    // Database operations by role: lookups on the replica, writes on the primary.
    let db = |role, op| vec![("op", op), ("outcome", "ok"), ("role", role)];
    grew(
        &before,
        &after,
        "expire_bot_db_operations_total",
        &db("replica", "lookup_rider_policies"),
        1.0,
    );
    grew(
        &before,
        &after,
        "expire_bot_db_operations_total",
        &db("primary", "file_request"),
        1.0,
    );
    grew(
        &before,
        &after,
        "expire_bot_db_operations_total",
        &db("primary", "approve_request"),
        1.0,
    );
    grew(
        &before,
        &after,
        "expire_bot_db_operation_seconds_count",
        &[("op", "approve_request"), ("role", "primary")],
        1.0,
    );
    // The work: filed, approved, and a refused self-decision; Slack follow-ups delivered.
    grew(
        &before,
        &after,
        "expire_bot_requests_total",
        &[("event", "filed")],
        1.0,
    );
    grew(
        &before,
        &after,
        "expire_bot_requests_total",
        &[("event", "approved")],
        1.0,
    );
    grew(
        &before,
        &after,
        "expire_bot_outbox_attempts_total",
        &[("kind", "post_request"), ("result", "delivered")],
        1.0,
    );
    grew(
        &before,
        &after,
        "expire_bot_outbox_attempts_total",
        &[("kind", "update_message"), ("result", "delivered")],
        1.0,
    );

    // Gauges: set by the sweeper at start-up and by /readyz.
    for (name, labels) in [
        ("expire_bot_database_up", vec![("role", "primary")]),
        ("expire_bot_database_up", vec![("role", "replica")]),
        ("expire_bot_pending_requests", vec![]),
        ("expire_bot_oldest_pending_request_age_seconds", vec![]),
        ("expire_bot_outbox_backlog", vec![]),
        ("expire_bot_outbox_oldest_age_seconds", vec![]),
        ("expire_bot_replica_lag_seconds", vec![]),
        ("expire_bot_pending_reminded_requests", vec![]),
        ("expire_bot_reminders_overdue", vec![]),
        ("expire_bot_approvers_available", vec![]),
    ] {
        let v = after.get(name, &labels);
        assert!(
            v.is_some_and(|v| v >= 0.0),
            "{} present and non-negative",
            key(name, &labels)
        );
    }
    assert_eq!(
        after.value("expire_bot_database_up", &[("role", "primary")]),
        1.0
    );

    // Every metric the alert rules use is really exported.
    for name in metrics_named_in_alert_rules() {
        assert!(
            after.has_metric(&name),
            "deploy/alerts.yml uses {name}, which /metrics does not export"
        );
    }

    // Labels are fixed vocabularies: no personal data, no free text.
    let (riders, policies) = demo_data(Utc::now());
    let mut raw: Vec<String> = Vec::new();
    for r in &riders {
        raw.push(r.name.clone());
        raw.push(r.phone.clone());
    }
    for p in &policies {
        raw.push(p.policy_number.clone());
    }
    for series in after.samples.keys() {
        for r in &raw {
            assert!(
                !series.contains(r.as_str()),
                "{r:?} in a metric label: {series}"
            );
        }
        assert!(
            !series.contains("CX-7001"),
            "free text in a metric label: {series}"
        );
        if let Some((_, labels)) = series.split_once('{') {
            let (_, labels, _) = parse_line(&format!("x{{{labels} 0"));
            for (k, v) in labels {
                assert!(
                    v.len() <= 64
                        && v.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "._:-+".contains(c)),
                    "label {k}={v:?} is not a fixed-vocabulary value: {series}"
                );
            }
        }
    }
    app.stop().await;
}
