//! The HTTP surface: Slack's two endpoints, health, readiness and metrics.
//!
//! The Slack routes read the raw body (bounded at 1 MiB), verify Slack's signature over
//! exactly those bytes, and only then parse. Handlers here only translate HTTP to and from
//! the transport-neutral Slack handlers; no decision is taken in this module. The one thing
//! they add is the request's [`Deadline`], counted from when the request arrived (stamped
//! before its body is read), which every handler answers by.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use tracing::Instrument;

use crate::app::App;
use crate::deadline::Deadline;
use crate::error::AppError;
use crate::slack::verify::{NotFromSlack, SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier};
use crate::slack::{Reply, commands, interactions};
use crate::store::{self, Role};
use crate::telemetry;

/// Slack's payloads are small; anything bigger is refused before it is read in full.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
struct HttpState {
    app: Arc<App>,
    verifier: Option<Verifier>,
}

pub fn router(app: Arc<App>) -> Router {
    let verifier = app.config.signing_secret.as_ref().map(Verifier::new);
    let state = HttpState { app, verifier };
    Router::new()
        .route("/slack/commands", post(slack_commands))
        .route("/slack/interactions", post(slack_interactions))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(stamp_arrival))
        .with_state(state)
}

/// When a request arrived: its headers were read, its body not yet.
#[derive(Debug, Clone, Copy)]
struct Arrived(Instant);

async fn stamp_arrival(mut req: Request, next: Next) -> Response {
    req.extensions_mut().insert(Arrived(Instant::now()));
    next.run(req).await
}

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

fn respond(kind: &'static str, started: Instant, reply: Reply) -> Response {
    let elapsed = started.elapsed();
    metrics::counter!("expire_bot_slack_requests_total", "kind" => kind, "transport" => "http", "outcome" => "ok").increment(1);
    metrics::histogram!("expire_bot_slack_request_seconds", "kind" => kind)
        .record(elapsed.as_secs_f64());
    // One line per answered request, inside its span: the access log.
    tracing::info!(
        elapsed_ms = elapsed.as_millis() as u64,
        reply = match &reply {
            Reply::Empty => "empty",
            Reply::Ephemeral(_) => "ephemeral",
            Reply::View(_) => "view",
        },
        "Slack request answered"
    );
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

async fn slack_commands(
    State(state): State<HttpState>,
    arrived: Option<axum::Extension<Arrived>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, AppError> {
    let started = arrival(arrived);
    let body = body.map_err(|e| refused("command", body_error(e)))?;
    let body = verified(&state, &headers, &body).map_err(|e| refused("command", e))?;
    let command = crate::slack::parse_command(body)
        .map_err(|e| refused("command", AppError::BadRequest(e.0)))?;
    let span = telemetry::slack_request_span(
        "command",
        "http",
        command.team_id.as_ref(),
        command.user_id.as_ref(),
        &request_id(&headers),
    );
    async move {
        let reply = commands::handle(&state.app, command, Deadline::for_request(started)).await;
        Ok(respond("command", started, reply))
    }
    .instrument(span)
    .await
}

async fn slack_interactions(
    State(state): State<HttpState>,
    arrived: Option<axum::Extension<Arrived>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, AppError> {
    let started = arrival(arrived);
    let body = body.map_err(|e| refused("interaction", body_error(e)))?;
    let body = verified(&state, &headers, &body).map_err(|e| refused("interaction", e))?;
    let event = crate::slack::parse_interaction(body)
        .map_err(|e| refused("interaction", AppError::BadRequest(e.0)))?;
    let (kind, team, user) = crate::slack::interaction_identity(&event);
    let span = telemetry::slack_request_span(kind, "http", &team, &user, &request_id(&headers));
    let retry = is_retry(&headers);
    async move {
        let reply =
            interactions::handle(&state.app, event, retry, Deadline::for_request(started)).await;
        Ok(respond(kind, started, reply))
    }
    .instrument(span)
    .await
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<HttpState>) -> Response {
    let app = &state.app;
    let (primary, replica) = tokio::join!(
        tokio::time::timeout(
            std::time::Duration::from_secs(2),
            app.store.ping(Role::Primary)
        ),
        tokio::time::timeout(
            std::time::Duration::from_secs(2),
            app.store.ping(Role::Replica)
        ),
    );
    let primary_ok = matches!(primary, Ok(Ok(())));
    let replica_ok = matches!(replica, Ok(Ok(())));
    telemetry::set_database_up(Role::Primary, primary_ok);
    telemetry::set_database_up(Role::Replica, replica_ok);
    let lag = if replica_ok {
        store::replica_lag_seconds(&app.store.replica)
            .await
            .ok()
            .flatten()
    } else {
        None
    };
    if let Some(lag) = lag {
        metrics::gauge!("expire_bot_replica_lag_seconds").set(lag);
    }
    let slack = app
        .slack
        .last_call_health()
        .map(|(at, ok)| serde_json::json!({ "ok": ok, "seconds_ago": at.elapsed().as_secs() }));
    let mut down = Vec::new();
    if !primary_ok {
        down.push("primary");
    }
    if !replica_ok {
        down.push("replica");
    }
    let body = serde_json::json!({
        "status": if down.is_empty() { "ready" } else { "not_ready" },
        "primary": if primary_ok { "up" } else { "down" },
        "replica": if replica_ok { "up" } else { "down" },
        "down": down,
        "replica_lag_seconds": lag,
        "replica_lagging": lag.is_some_and(|l| l >= app.config.replica_lag_warn.as_secs_f64()),
        "slack_last_call": slack,
    });
    let status = if down.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}

async fn metrics(State(state): State<HttpState>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.app.metrics.render(),
    )
}
