//! The route handlers: Slack's three endpoints (body, signature, parse, then the shared
//! request path), and health, readiness and metrics.
//!
//! A refused Slack request (bad signature, too large, malformed) is counted with its
//! outcome and logged at debug only: refused requests are anyone's, and a flood of them
//! must not flood the log. Answered ones are counted and logged by the shared path.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
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

/// When the request arrived (now, should the stamp be missing).
fn arrival(stamp: Option<axum::Extension<Arrived>>) -> Instant {
    stamp.map_or_else(Instant::now, |axum::Extension(Arrived(at))| at)
}

/// Reads and verifies a Slack request; the body is returned only if it is Slack's.
fn verified<'b>(
    state: &HttpState,
    headers: &HeaderMap,
    body: &'b Bytes,
) -> Result<&'b [u8], AppError> {
    let Some(verifier) = &state.verifier else {
        // Socket Mode instances have no signing secret and serve no Slack HTTP.
        return Err(AppError::Unauthorized);
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    verifier
        .verify(header(SIGNATURE_HEADER), header(TIMESTAMP_HEADER), body)
        .map_err(|NotFromSlack| {
            metrics::counter!("expire_bot_signature_failures_total").increment(1);
            AppError::Unauthorized
        })?;
    Ok(body)
}

fn is_retry(headers: &HeaderMap) -> bool {
    headers.contains_key("x-slack-retry-num")
}

/// The header a proxy may put a request ID in; see [`telemetry::request_id`].
const REQUEST_ID_HEADER: &str = "x-request-id";

fn request_id(headers: &HeaderMap) -> String {
    telemetry::request_id(headers.get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()))
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
    State(state): State<HttpState>,
    arrived: Option<axum::Extension<Arrived>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, AppError> {
    let started = arrival(arrived);
    let body = body.map_err(|e| refused("command", body_error(e)))?;
    let body = verified(&state, &headers, &body).map_err(|e| refused("command", e))?;
    let command = parse_command(body).map_err(|e| refused("command", AppError::BadRequest(e.0)))?;
    let reply = serve(
        &state.handlers,
        Inbound::command(command).with_origin(command_origin(body)),
        Transport::Http,
        &request_id(&headers),
        started,
    )
    .await;
    Ok(respond(reply))
}

pub(super) async fn slack_interactions(
    State(state): State<HttpState>,
    arrived: Option<axum::Extension<Arrived>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, AppError> {
    let started = arrival(arrived);
    let body = body.map_err(|e| refused("interaction", body_error(e)))?;
    let body = verified(&state, &headers, &body).map_err(|e| refused("interaction", e))?;
    let event =
        parse_interaction(body).map_err(|e| refused("interaction", AppError::BadRequest(e.0)))?;
    let reply = serve(
        &state.handlers,
        Inbound::interaction(event, is_retry(&headers)).with_origin(interaction_origin(body)),
        Transport::Http,
        &request_id(&headers),
        started,
    )
    .await;
    Ok(respond(reply))
}

/// The Events API: `url_verification` is answered with its challenge here (it is the
/// endpoint's own handshake, not a request anyone made); an `event_callback` takes the
/// shared request path, which takes each `event_id` once across instances, so a retry
/// (`X-Slack-Retry-Num`) is acknowledged without being handled again.
pub(super) async fn slack_events(
    State(state): State<HttpState>,
    arrived: Option<axum::Extension<Arrived>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, AppError> {
    let started = arrival(arrived);
    let body = body.map_err(|e| refused("event", body_error(e)))?;
    let body = verified(&state, &headers, &body).map_err(|e| refused("event", e))?;
    let event = parse_event(body).map_err(|e| refused("event", AppError::BadRequest(e.0)))?;
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
        &request_id(&headers),
        started,
    )
    .await;
    Ok(respond(reply))
}

pub(super) async fn healthz() -> &'static str {
    "ok"
}

/// 200 when both databases answer the health probe, 503 naming what is down; the
/// replica's lag and the last Slack call either way.
pub(super) async fn readyz(State(state): State<HttpState>) -> Response {
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

pub(super) async fn metrics(State(state): State<HttpState>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(),
    )
}
