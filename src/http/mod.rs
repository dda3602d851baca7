//! The HTTP surface: Slack's three endpoints, health, readiness and metrics.
//!
//! [`router`] assembles it; [`routes`] holds the route handlers; [`error`] is the one
//! error type that maps failures to HTTP answers; [`server`] accepts connections and
//! puts every request through the limits (connections, requests in flight, timeouts, the
//! 1 MiB body). The Slack routes read the raw body, verify Slack's signature over exactly
//! those bytes, parse, and hand the typed input to the same request path Socket Mode uses
//! ([`crate::slack::handlers::serve`]); no decision is taken here. The one thing HTTP adds
//! is the request's arrival time (stamped by the server before its body is read), from
//! which the request's deadline counts.

pub mod error;
pub mod routes;
pub mod server;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::service::health::Health;
use crate::slack::api::SlackApi;
use crate::slack::handlers::Ctx;
use crate::slack::verify::Verifier;

/// Slack's payloads are small; anything bigger is refused before it is read in full.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How long a request's body may take to arrive once its headers have: Slack's are a few
/// kilobytes, sent at once. A body still arriving after this fails to read (400).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest any request may take, whatever it waits on (408 after it). Slack's requests
/// are answered within 2.5 s by their deadline; this bounds everything else.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Requests handled at once by one instance; more wait for a turn (their Slack deadline
/// still counts from arrival, so a queue answers late rather than never).
pub const MAX_IN_FLIGHT: usize = 256;

/// What the routes use.
#[derive(Clone)]
pub struct HttpState {
    pub(crate) handlers: Arc<Ctx>,
    /// `None` in Socket Mode, which has no signing secret: every Slack route is refused.
    pub(crate) verifier: Option<Verifier>,
    pub(crate) health: Health,
    /// For `/readyz`'s "last Slack call" (the client remembers how its last call went).
    pub(crate) slack: SlackApi,
    pub(crate) metrics: PrometheusHandle,
    /// Replication lag from which `/readyz` reports the replica as lagging.
    pub(crate) replica_lag_warn: Duration,
}

impl HttpState {
    pub fn new(
        handlers: Arc<Ctx>,
        verifier: Option<Verifier>,
        health: Health,
        slack: SlackApi,
        metrics: PrometheusHandle,
        replica_lag_warn: Duration,
    ) -> HttpState {
        HttpState {
            handlers,
            verifier,
            health,
            slack,
            metrics,
            replica_lag_warn,
        }
    }
}

/// The routes. The limits every request passes before it reaches one are the server's
/// ([`server::serve`]): they wrap the whole router once instead of every route, so a
/// request does not clone a stack of layers on its way in.
pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/slack/commands", post(routes::slack_commands))
        .route("/slack/interactions", post(routes::slack_interactions))
        .route("/slack/events", post(routes::slack_events))
        .route("/healthz", get(routes::healthz))
        .route("/readyz", get(routes::readyz))
        .route("/metrics", get(routes::metrics))
        // Shared, not cloned per request (the `State` extractor clones what it is given).
        .with_state(Arc::new(state))
}

/// When a request arrived: its headers were read, its body not yet (stamped by
/// [`server::serve`]).
#[derive(Debug, Clone, Copy)]
struct Arrived(Instant);
