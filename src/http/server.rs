//! The HTTP server itself: accepting connections, and bounding what a slow or hostile
//! client can hold.
//!
//! `axum::serve` sets no header timeout (a connection that sent half its headers stayed
//! open indefinitely) and no limit on connections, so the bot serves its router on
//! hyper's own HTTP/1.1 connection builder instead, with:
//!
//! - a **header-read timeout** ([`HEADER_READ_TIMEOUT`]): a client that has not sent all
//!   its request headers by then is disconnected (slowloris);
//! - a **connection limit** ([`MAX_CONNECTIONS`]): connections beyond it are closed at once,
//!   counted (`expire_bot_http_connections_refused_total`), never queued;
//! - around the router, for every request: its **arrival stamped** before anything waits,
//!   a limit on **requests in flight** ([`super::MAX_IN_FLIGHT`]; more wait their turn), a
//!   **request timeout** (408), a **body timeout**, and the **1 MiB body**: announced over it
//!   (Content-Length), 413 before a byte of it is read; sent over it, 413 when it gets there.
//!
//! The limits wrap the router once, as one concrete service cloned per request (a few
//! words and an `Arc`), not as layers of every route: axum clones a layered route's boxed
//! stack for each request, and tower's concurrency limit allocates a future with each
//! clone (issue 17's profile).
//!
//! Shutdown is graceful: on the token the listener is dropped (new connections are
//! refused), requests in flight finish, idle connections close; the caller bounds the
//! wait (`startup::SHUTDOWN_GRACE`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

use super::{Arrived, BODY_TIMEOUT, MAX_BODY_BYTES, MAX_IN_FLIGHT, REQUEST_TIMEOUT};

/// How long a client may take to send a request's headers (also how long an idle
/// keep-alive connection is kept). Slack sends its headers at once; ten seconds is far
/// beyond any honest client and bounds what a slow one holds.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections served at once; more are closed as they arrive. Each holds a task and a
/// little memory; the database pools (ten connections each) bound the real work anyway.
pub const MAX_CONNECTIONS: usize = 1024;

/// Serves `router` on `listener` until `shutdown`, then lets the connections still open
/// finish their requests (the caller bounds how long).
pub async fn serve(listener: TcpListener, router: Router, shutdown: CancellationToken) {
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let app = ServiceBuilder::new()
        // A body announced (Content-Length) over the limit: 413 before any of it is read.
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .service(router);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .keep_alive(true);
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: wait a little instead of spinning.
                tracing::warn!(error = %e, "could not accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            metrics::counter!("expire_bot_http_connections_refused_total").increment(1);
            drop(stream);
            continue;
        };
        let (app, in_flight) = (app.clone(), in_flight.clone());
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            let (app, in_flight) = (app.clone(), in_flight.clone());
            async move {
                // Stamped first: the request's Slack deadline counts from here, whatever it
                // waits for next.
                req.extensions_mut().insert(Arrived(Instant::now()));
                // The semaphore is never closed, so this is a turn, not an error.
                let _turn = in_flight.acquire_owned().await;
                app.oneshot(req).await
            }
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A connection ending in an error (a reset, the header timeout) is the client's
            // business; nothing to log per connection.
            let _ = connection.await;
            drop(permit);
        });
    }
    // Stop accepting before draining, so new connections are refused from now on.
    drop(listener);
    graceful.shutdown().await;
}
