//! The route handlers: Slack's three endpoints (body, signature, parse, then the shared
//! request path), and health, readiness and metrics.
//!
//! A refused Slack request (bad signature, too large, malformed) is counted with its
//! outcome and logged at debug only: refused requests are anyone's, and a flood of them
//! must not flood the log. Answered ones are counted and logged by the shared path.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::AppError;
use super::{Arrived, HttpState};
use crate::slack::handlers::{Reply, Transport, serve};
use slack_morphism::prelude::SlackPushEvent;

use crate::slack::payload::{
    Inbound, command_origin, interaction_origin, parse_command, parse_event, parse_interaction,
};
use crate::slack::verify::{NotFromSlack, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::telemetry;

/// The header a proxy may put a request ID in; see [`telemetry::request_id`].
const REQUEST_ID_HEADER: &str = "x-request-id";

/// What a Slack route reads of its request before the body: when it arrived and the few
/// headers it uses (the values share the request's buffer; axum's `HeaderMap` extractor
/// would copy every header).
struct Head {
    arrived: Instant,
    signature: Option<HeaderValue>,
    timestamp: Option<HeaderValue>,
    retry: bool,
    request_id: Option<HeaderValue>,
}

impl Head {
    fn of(req: &Request) -> Head {
        let headers: &HeaderMap = req.headers();
        Head {
            // Now, should the server's stamp be missing.
            arrived: req
                .extensions()
                .get::<Arrived>()
                .map_or_else(Instant::now, |Arrived(at)| *at),
            signature: headers.get(SIGNATURE_HEADER).cloned(),
            timestamp: headers.get(TIMESTAMP_HEADER).cloned(),
            retry: headers.contains_key("x-slack-retry-num"),
            request_id: headers.get(REQUEST_ID_HEADER).cloned(),
        }
    }

    fn request_id(&self) -> String {
        telemetry::request_id(self.request_id.as_ref().and_then(|v| v.to_str().ok()))
    }
}

/// Reads a Slack request's body and verifies it; the body is returned only if it is
/// Slack's. Refusals are counted as `kind`'s.
async fn verified_body(
    state: &HttpState,
    kind: &'static str,
    head: &Head,
    req: Request,
) -> Result<Bytes, AppError> {
    let body = Bytes::from_request(req, &())
        .await
        .map_err(|e| refused(kind, body_error(e)))?;
    let Some(verifier) = &state.verifier else {
        // Socket Mode instances have no signing secret and serve no Slack HTTP.
        return Err(refused(kind, AppError::Unauthorized));
    };
    fn text(v: &Option<HeaderValue>) -> Option<&str> {
        v.as_ref().and_then(|v| v.to_str().ok())
    }
    verifier
        .verify(text(&head.signature), text(&head.timestamp), &body)
        .map_err(|NotFromSlack| {
            metrics::counter!("expire_bot_signature_failures_total").increment(1);
            refused(kind, AppError::Unauthorized)
        })?;
    Ok(body)
}

fn respond(reply: Reply) -> Response {
    match reply.to_json() {
        None => StatusCode::OK.into_response(),
        Some(v) => axum::Json(v).into_response(),
    }
}

fn refused(kind: &'static str, e: AppError) -> AppError {
    let outcome = match e {
        AppError::Unauthorized => "unauthorized",
        AppError::BadRequest(_) => "bad_request",
        AppError::PayloadTooLarge => "too_large",
        _ => "error",
    };
    metrics::counter!("expire_bot_slack_requests_total", "kind" => kind, "transport" => "http", "outcome" => outcome).increment(1);
    // Debug only: refused requests are anyone's, and a flood of them must not flood the log.
    // The counters above are what operators watch.
    tracing::debug!(kind, outcome, "Slack request refused");
    e
}

fn body_error(e: axum::extract::rejection::BytesRejection) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::BadRequest("unreadable body")
    }
}

pub(super) async fn slack_commands(
    State(state): State<Arc<HttpState>>,
    req: Request,
) -> Result<Response, AppError> {
    let head = Head::of(&req);
    let body = verified_body(&state, "command", &head, req).await?;
    let command =
        parse_command(&body).map_err(|e| refused("command", AppError::BadRequest(e.0)))?;
    let reply = serve(
        &state.handlers,
        Inbound::command(command).with_origin(command_origin(&body)),
        Transport::Http,
        &head.request_id(),
        head.arrived,
    )
    .await;
    Ok(respond(reply))
}

pub(super) async fn slack_interactions(
    State(state): State<Arc<HttpState>>,
    req: Request,
) -> Result<Response, AppError> {
    let head = Head::of(&req);
    let body = verified_body(&state, "interaction", &head, req).await?;
    let event =
        parse_interaction(&body).map_err(|e| refused("interaction", AppError::BadRequest(e.0)))?;
    let reply = serve(
        &state.handlers,
        Inbound::interaction(event, head.retry).with_origin(interaction_origin(&body)),
        Transport::Http,
        &head.request_id(),
        head.arrived,
    )
    .await;
    Ok(respond(reply))
}

/// The Events API: `url_verification` is answered with its challenge here (it is the
/// endpoint's own handshake, not a request anyone made); an `event_callback` takes the
/// shared request path, which takes each `event_id` once across instances, so a retry
/// (`X-Slack-Retry-Num`) is acknowledged without being handled again.
pub(super) async fn slack_events(
    State(state): State<Arc<HttpState>>,
    req: Request,
) -> Result<Response, AppError> {
    let head = Head::of(&req);
    let body = verified_body(&state, "event", &head, req).await?;
    let event = parse_event(&body).map_err(|e| refused("event", AppError::BadRequest(e.0)))?;
    let callback = match event {
        SlackPushEvent::UrlVerification(v) => {
            metrics::counter!("expire_bot_slack_requests_total", "kind" => "url_verification", "transport" => "http", "outcome" => "ok").increment(1);
            return Ok(axum::Json(serde_json::json!({ "challenge": v.challenge })).into_response());
        }
        SlackPushEvent::AppRateLimited(_) => {
            tracing::warn!("Slack says the app is rate limited on events");
            return Ok(StatusCode::OK.into_response());
        }
        SlackPushEvent::EventCallback(cb) => cb,
    };
    let reply = serve(
        &state.handlers,
        Inbound::event(callback),
        Transport::Http,
        &head.request_id(),
        head.arrived,
    )
    .await;
    Ok(respond(reply))
}

pub(super) async fn healthz() -> &'static str {
    "ok"
}

/// 200 when both databases answer the health probe, 503 naming what is down; the
/// replica's lag and the last Slack call either way.
pub(super) async fn readyz(State(state): State<Arc<HttpState>>) -> Response {
    let probe = state.health.probe().await;
    let lag = probe.replica_lag_seconds;
    let slack = state
        .slack
        .last_call_health()
        .map(|(at, ok)| serde_json::json!({ "ok": ok, "seconds_ago": at.elapsed().as_secs() }));
    let mut down = Vec::new();
    if !probe.primary_up {
        down.push("primary");
    }
    if !probe.replica_up {
        down.push("replica");
    }
    let up = |ok: bool| if ok { "up" } else { "down" };
    let body = serde_json::json!({
        "status": if down.is_empty() { "ready" } else { "not_ready" },
        "primary": up(probe.primary_up),
        "replica": up(probe.replica_up),
        "down": down,
        "replica_lag_seconds": lag,
        "replica_lagging": lag.is_some_and(|l| l >= state.replica_lag_warn.as_secs_f64()),
        "slack_last_call": slack,
    });
    let status = if down.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}

pub(super) async fn metrics(State(state): State<Arc<HttpState>>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(),
    )
}
