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
//! - in the router ([`super::router`]): a **body timeout**, a **request timeout**, a limit on
//!   **requests in flight**, and a body announced over 1 MiB refused with 413 before a byte
//!   of it is read.
//!
//! Shutdown is graceful: on the token the listener is dropped (new connections are
//! refused), requests in flight finish, idle connections close; the caller bounds the
//! wait (`startup::SHUTDOWN_GRACE`).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

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
        let service = TowerToHyperService::new(router.clone());
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
