//! A local stand-in for the Slack Web API without wiremock, so it can ship in the binary for
//! `expire-bot demo` (the integration tests use the wiremock one, `testkit::stand_in`).
//!
//! A tiny HTTP server on 127.0.0.1 that records every call (method and arguments) and
//! answers the way Slack documents it, in the shapes slack-morphism parses strictly: a
//! fresh `ts` per posted message, a view for `views.open`, the members of the demo's user
//! group. The demo points `SLACK_API_URL` at it, so the bot's real Web API client, outbox
//! and retry code run unchanged; the transcript is then rendered from what was recorded.
//!
//! It is as strict as Slack, with the tests' validator ([`super::validate`]): a
//! call that breaks one of Slack's limits, or names a method Slack does not have, is
//! refused the way Slack refuses it and recorded, and the demo fails on it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::any;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// One call the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    /// The Web API method, e.g. `chat.postMessage`.
    pub method: String,
    /// Its arguments: the JSON body, or the form/query fields as a JSON object.
    pub args: Value,
}

#[derive(Default)]
struct Shared {
    calls: Mutex<Vec<Call>>,
    /// Every way a call broke Slack's limits, one line each.
    violations: Mutex<Vec<String>>,
    /// User group ID → member IDs, answered by `usergroups.users.list`.
    groups: HashMap<String, Vec<String>>,
    /// Channel ID → name, answered by `conversations.info` (the bot is a member).
    channels: HashMap<String, String>,
    next_ts: AtomicU64,
    base_secs: i64,
    /// Top-level messages posted, per channel, for `conversations.history`.
    posted: Mutex<Vec<(String, Value)>>,
}

/// The running stand-in.
pub struct SlackStandIn {
    /// The Web API base to give the bot as `SLACK_API_URL`.
    pub api_url: String,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
}

impl SlackStandIn {
    /// Starts the stand-in on a free local port.
    pub async fn start(
        groups: HashMap<String, Vec<String>>,
        channels: HashMap<String, String>,
    ) -> anyhow::Result<SlackStandIn> {
        let shared = Arc::new(Shared {
            groups,
            channels,
            base_secs: chrono::Utc::now().timestamp(),
            ..Shared::default()
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let router = Router::new()
            .route("/api/{method}", any(api))
            .with_state(shared.clone());
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await;
        });
        Ok(SlackStandIn {
            api_url: format!("http://{addr}/api"),
            shared,
            shutdown,
        })
    }

    /// Every call so far, in the order they arrived.
    pub fn calls(&self) -> Vec<Call> {
        self.shared
            .calls
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default()
    }

    /// Every call so far that Slack would have refused, one line each.
    pub fn violations(&self) -> Vec<String> {
        self.shared
            .violations
            .lock()
            .map(|v| v.clone())
            .unwrap_or_default()
    }

    pub fn stop(&self) {
        self.shutdown.cancel();
    }
}

fn args_of(headers: &HeaderMap, body: &Bytes, query: Option<String>) -> Value {
    let is_json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if is_json && let Ok(v) = serde_json::from_slice::<Value>(body) {
        return v;
    }
    let form = if body.is_empty() {
        query.unwrap_or_default().into_bytes()
    } else {
        body.to_vec()
    };
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&form).unwrap_or_default();
    Value::Object(
        fields
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    )
}

async fn api(
    State(shared): State<Arc<Shared>>,
    Path(method): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> axum::Json<Value> {
    let args = args_of(&headers, &body, query);
    let problems = super::validate::api_call(&method, &args);
    let answer = if problems.is_empty() {
        answer(&shared, &method, &args)
    } else {
        if let Ok(mut v) = shared.violations.lock() {
            v.extend(problems.iter().map(|p| format!("{method}: {p}")));
        }
        super::validate::slack_error(&method, &problems)
    };
    if let Ok(mut calls) = shared.calls.lock() {
        calls.push(Call { method, args });
    }
    axum::Json(answer)
}

fn fresh_ts(shared: &Shared) -> String {
    let n = shared.next_ts.fetch_add(1, Ordering::SeqCst) + 1;
    format!("{}.{:06}", shared.base_secs, n * 100)
}

/// Slack's answer to one call, in the documented shape.
fn answer(shared: &Shared, method: &str, args: &Value) -> Value {
    let str_arg = |k: &str| args[k].as_str().unwrap_or_default().to_owned();
    match method {
        "chat.postMessage" => {
            let ts = fresh_ts(shared);
            let channel = str_arg("channel");
            // A message to a user ID lands in the bot's DM channel with them.
            let channel = match channel.strip_prefix('U') {
                Some(rest) => format!("D{rest}"),
                None => channel,
            };
            if args["thread_ts"].is_null()
                && let Ok(mut posted) = shared.posted.lock()
            {
                posted.push((
                    channel.clone(),
                    json!({"type": "message", "text": args["text"], "ts": ts, "bot_id": "B0BOT",
                           "user": "U0BOT", "metadata": args["metadata"]}),
                ));
            }
            json!({
                "ok": true, "channel": channel, "ts": ts,
                "message": {"type": "message", "text": args["text"], "ts": ts, "bot_id": "B0BOT", "user": "U0BOT"}
            })
        }
        "conversations.history" => {
            let channel = str_arg("channel");
            let with_metadata = str_arg("include_all_metadata") == "true";
            let oldest = args["oldest"]
                .as_str()
                .and_then(|t| t.parse::<f64>().ok())
                .unwrap_or(0.0);
            let mut messages: Vec<Value> = shared
                .posted
                .lock()
                .map(|p| {
                    p.iter()
                        .filter(|(c, m)| {
                            *c == channel
                                && m["ts"]
                                    .as_str()
                                    .and_then(|t| t.parse::<f64>().ok())
                                    .is_some_and(|t| t > oldest)
                        })
                        .map(|(_, m)| m.clone())
                        .collect()
                })
                .unwrap_or_default();
            messages.reverse();
            for m in &mut messages {
                if let Some(obj) = m.as_object_mut()
                    && (!with_metadata || obj["metadata"].is_null())
                {
                    obj.remove("metadata");
                }
            }
            json!({"ok": true, "messages": messages, "has_more": false, "response_metadata": {"next_cursor": ""}})
        }
        "users.info" => json!({"ok": true, "user": {
            "id": str_arg("user"), "team_id": super::fixtures::TEAM, "name": str_arg("user").to_lowercase(),
            "deleted": false, "is_restricted": false, "is_ultra_restricted": false, "is_bot": false
        }}),
        "bots.info" => json!({"ok": true, "bot": {
            "id": str_arg("bot"), "deleted": false, "name": "expire-bot", "updated": 1_700_000_000,
            "app_id": "A0APP", "user_id": "U0BOT"
        }}),
        "chat.update" => json!({
            "ok": true, "channel": str_arg("channel"), "ts": str_arg("ts"), "text": args["text"],
            "message": {"text": args["text"], "user": "U0BOT", "bot_id": "B0BOT", "type": "message"}
        }),
        "chat.postEphemeral" => json!({"ok": true, "message_ts": fresh_ts(shared)}),
        "views.open" => {
            let view = &args["view"];
            json!({"ok": true, "view": {
                "id": "V0DEMO1", "team_id": super::fixtures::TEAM, "type": "modal", "blocks": [],
                "private_metadata": view["private_metadata"].as_str().unwrap_or(""),
                "callback_id": view["callback_id"].as_str().unwrap_or(""),
                "state": {"values": {}}, "hash": "1700000000.DemoHash",
                "title": view["title"],
                "clear_on_close": false, "notify_on_close": false, "close": null, "submit": null,
                "previous_view_id": null, "root_view_id": "V0DEMO1", "app_id": "A0APP",
                "external_id": "", "app_installed_team_id": super::fixtures::TEAM, "bot_id": "B0BOT"
            }})
        }
        "views.publish" => json!({"ok": true, "view": {
            "id": "V0DEMOHOME", "team_id": super::fixtures::TEAM, "type": "home",
            "blocks": [], "private_metadata": "", "callback_id": "",
            "state": {"values": {}}, "hash": "1700000100.DemoHome",
            "clear_on_close": false, "notify_on_close": false, "close": null, "submit": null,
            "previous_view_id": null, "root_view_id": "V0DEMOHOME", "app_id": "A0APP",
            "external_id": "", "app_installed_team_id": super::fixtures::TEAM, "bot_id": "B0BOT"
        }}),
        "usergroups.users.list" => match shared.groups.get(&str_arg("usergroup")) {
            Some(users) => json!({"ok": true, "users": users}),
            None => json!({"ok": false, "error": "no_such_subteam"}),
        },
        "auth.test" => json!({
            "ok": true, "url": "https://demo.slack.com/", "team": "Demo workspace", "user": "expire-bot",
            "team_id": super::fixtures::TEAM, "user_id": "U0BOT", "bot_id": "B0BOT"
        }),
        "conversations.info" => match shared.channels.get(&str_arg("channel")) {
            Some(name) => json!({"ok": true, "channel": {
                "id": str_arg("channel"), "created": 1_700_000_000, "name": name,
                "is_channel": true, "is_private": false, "is_archived": false, "is_member": true
            }}),
            None => json!({"ok": false, "error": "channel_not_found"}),
        },
        _ => json!({"ok": false, "error": "unknown_method"}),
    }
}
