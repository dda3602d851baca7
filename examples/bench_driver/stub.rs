//! A Slack Web API stand-in that answers as fast as a local HTTP server can, so the
//! acknowledgement benchmark measures the bot and not Slack.
//!
//! Every method the bot calls answers `ok: true` in the shape Slack documents (the bot's
//! client parses the answers, so they must be well-formed). Answers are built once; the
//! only per-call work is `chat.postMessage`'s fresh `ts`. It runs on one thread so it
//! leaves the second core to the bot.
//!
//! It counts the `views.open` calls it answered and tells on `bench.counts` (not a Slack
//! method): an app that opens the modal after acknowledging (the reference floor) can ack
//! faster than its `views.open` calls complete, so the comparison reports both rates.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use crate::args::Args;

struct Answers {
    views_open: Bytes,
    ephemeral: Bytes,
    update: Bytes,
    usergroup: Bytes,
    auth: Bytes,
    ok: Bytes,
    ts: AtomicU64,
    views_opened: AtomicU64,
}

fn bytes(v: serde_json::Value) -> Bytes {
    Bytes::from(v.to_string())
}

async fn answer(
    State(a): State<Arc<Answers>>,
    Path(method): Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    body: Bytes,
) -> Response {
    let body = match method.as_str() {
        "views.open" => {
            a.views_opened.fetch_add(1, Ordering::Relaxed);
            a.views_open.clone()
        }
        "views.update" | "views.push" => a.views_open.clone(),
        "bench.counts" => bytes(json!({
            "ok": true,
            "views_open": a.views_opened.load(Ordering::Relaxed),
        })),
        "chat.postEphemeral" => a.ephemeral.clone(),
        "chat.update" => a.update.clone(),
        "usergroups.users.list" => a.usergroup.clone(),
        "auth.test" => a.auth.clone(),
        // Who the bot is and who is asking (the workspace and guest rules ask these).
        "bots.info" => bytes(json!({"ok": true, "bot": {
            "id": "B0BOT", "deleted": false, "name": "expire-bot", "updated": 1_700_000_000,
            "app_id": "A0APP", "user_id": "U0BOT"
        }})),
        "users.info" => {
            let raw = format!(
                "{}&{}",
                query.unwrap_or_default(),
                String::from_utf8_lossy(&body)
            );
            let user = raw
                .split(['&', '"', ',', '{', '}', ':'])
                .find_map(|kv| kv.strip_prefix("user="))
                .unwrap_or("U0AGENT")
                .to_owned();
            bytes(json!({"ok": true, "user": {
                "id": user, "team_id": "T0TEAM", "name": "someone", "deleted": false,
                "real_name": "Someone", "tz": "Asia/Seoul", "tz_offset": 32400,
                "profile": {"real_name": "Someone", "display_name": "someone", "team": "T0TEAM"},
                "is_admin": false, "is_owner": false, "is_restricted": false,
                "is_ultra_restricted": false, "is_bot": false, "updated": 1_700_000_000
            }}))
        }
        "chat.postMessage" => {
            let n = a.ts.fetch_add(1, Ordering::Relaxed) + 1;
            let ts = format!("1700000000.{n:06}");
            bytes(json!({
                "ok": true, "channel": "C0APPROVE", "ts": ts,
                "message": {"type": "message", "text": "", "ts": ts, "bot_id": "B0BOT", "user": "U0BOT"}
            }))
        }
        _ => a.ok.clone(),
    };
    ([(CONTENT_TYPE, "application/json; charset=utf-8")], body).into_response()
}

pub fn main(args: &Args) -> anyhow::Result<()> {
    let addr_file = args.req("addr-file")?.to_owned();
    let bind = args.opt("bind").unwrap_or("127.0.0.1:0").to_owned();
    let view = json!({
        "id": "V0MODAL1", "team_id": "T0TEAM", "type": "modal", "blocks": [],
        "private_metadata": "", "callback_id": "expiry_request", "state": {"values": {}},
        "hash": "1700000000.AbCdEfGh", "title": {"type": "plain_text", "text": "Expire insurance"},
        "clear_on_close": false, "notify_on_close": false, "close": null, "submit": null,
        "previous_view_id": null, "root_view_id": "V0MODAL1", "app_id": "A0APP",
        "external_id": "", "app_installed_team_id": "T0TEAM", "bot_id": "B0BOT"
    });
    let answers = Arc::new(Answers {
        views_open: bytes(json!({"ok": true, "view": view})),
        ephemeral: bytes(json!({"ok": true, "message_ts": "1700000000.000002"})),
        update: bytes(json!({
            "ok": true, "channel": "C0APPROVE", "ts": "1700000000.000001", "text": "updated",
            "message": {"text": "updated", "user": "U0BOT", "bot_id": "B0BOT", "type": "message"}
        })),
        usergroup: bytes(json!({"ok": true, "users": ["U0LEAD1"]})),
        auth: bytes(json!({
            "ok": true, "url": "https://acme.slack.com/", "team": "Acme", "user": "expire-bot",
            "team_id": "T0TEAM", "user_id": "U0BOT", "bot_id": "B0BOT"
        })),
        ok: bytes(json!({"ok": true})),
        ts: AtomicU64::new(0),
        views_opened: AtomicU64::new(0),
    });
    let app = Router::new()
        .route("/api/{method}", post(answer).get(answer))
        .with_state(answers);
    crate::runtime(1)?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&bind).await?;
        let addr = listener.local_addr()?;
        // Written whole, then renamed, so a waiting script never reads half an address.
        let tmp = format!("{addr_file}.tmp");
        std::fs::write(&tmp, format!("{addr}\n"))?;
        std::fs::rename(&tmp, &addr_file)?;
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    })
}

/// Prints a TCP port that was free a moment ago (the scripts hand it to the bot).
pub fn free_port() -> anyhow::Result<()> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    println!("{}", l.local_addr()?.port());
    Ok(())
}
