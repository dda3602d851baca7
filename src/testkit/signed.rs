//! Acting as Slack toward the bot: posting bodies to its routes signed with the signing
//! secret, exactly as Slack signs them, and checking each answer as Slack would
//! ([`super::validate::http_answer`]). Used by `expire-bot demo`; the integration tests
//! sign the same way with their own HTTP client.

use axum::body::Bytes;
use chrono::Utc;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::slack::verify::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};

/// The bot's answer to one signed request.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// The JSON body (`Null` when empty; a string when it is not JSON).
    pub body: Value,
    /// Every way the answer broke Slack's limits, one line each.
    pub violations: Vec<String>,
}

/// An HTTP client that signs what it sends like Slack.
pub struct SignedClient {
    http: Client<HttpConnector, Full<Bytes>>,
    base: String,
    secret: String,
}

impl SignedClient {
    /// Posts to `base` (`http://127.0.0.1:port`), signing with `secret`.
    pub fn new(base: impl Into<String>, secret: impl Into<String>) -> SignedClient {
        SignedClient {
            http: Client::builder(TokioExecutor::new()).build_http(),
            base: base.into(),
            secret: secret.into(),
        }
    }

    /// Posts `body` to `route`, signed: a form, or JSON to `/slack/events` (as Slack sends
    /// Events API deliveries).
    pub async fn post(&self, route: &str, body: String) -> anyhow::Result<Answer> {
        let content_type = if route == "/slack/events" {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        let ts = Utc::now().timestamp();
        let signature = sign(&self.secret, ts, body.as_bytes());
        let sent = body.clone().into_bytes();
        let req = axum::http::Request::post(format!("{}{route}", self.base))
            .header("content-type", content_type)
            .header(TIMESTAMP_HEADER, ts.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(Full::new(Bytes::from(body)))?;
        let resp = self
            .http
            .request(req)
            .await
            .map_err(|e| anyhow::anyhow!("POST {route} did not reach the bot: {e}"))?;
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await?.to_bytes();
        let violations = super::validate::http_answer(route, &sent, status, &bytes)
            .iter()
            .map(|v| format!("answer to {route}: {v}"))
            .collect();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Ok(Answer {
            status,
            body,
            violations,
        })
    }
}
