//! Logs and metrics: one place that sets up `tracing` and the Prometheus recorder.
//!
//! Logs are JSON in production and readable on a terminal (`LOG_FORMAT`, `RUST_LOG`).
//! Nothing here masks: personal data is masked where it is read (`service::lookup`,
//! `service::history`, `service::digest::scan`), so no log call ever receives it raw.
//! Metric labels are fixed vocabularies (roles, methods, outcomes), never free text.
//!
//! A leaf module: it imports nothing of the crate, so every layer may log and count.
//!
//! Every Slack request is handled inside one `slack_request` span carrying its kind, the
//! transport, the team and user IDs, a `slack_request_id` and — once known — the
//! `expiry_request_id` it concerns ([`record_expiry_request`]). Slack sends no request ID
//! of its own with commands or interactions (`X-Slack-Request-Timestamp` and the signature
//! identify a delivery but are not meant for people to quote), so the bot makes one: a
//! proxy's `X-Request-Id` when a well-formed one is present, so ingress and bot logs join
//! up, otherwise 16 random hex digits. The span's `expiry_request_id` is the number that
//! events (and the outbox worker, which runs outside any Slack request) log as `request_id`.
//!
//! Every metric is described here at start-up, and the counters that alerts take rates of
//! are registered at zero, so dashboards and alert rules see the series before the first
//! event instead of "no data".

use std::io::{BufWriter, IsTerminal, Write};
use std::sync::OnceLock;
use std::time::Duration;

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// `LOG_FORMAT`: one JSON object per line, or readable text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Targets held at `warn` whatever `RUST_LOG` says, even `trace`: below it they log what
/// people typed or the Socket Mode connection's secret ticket.
///
/// - slack-morphism's Socket Mode client traces whole envelopes (slash-command text, a
///   reason: a phone number, a name) and the connection URL, whose `ticket` lets anyone
///   holding it open the app's WebSocket;
/// - tungstenite (its `log` records reach this subscriber) traces every frame received,
///   which is every envelope, and the handshake request, which is that URL.
pub const QUIET_TARGETS: &[&str] = &[
    "slack_morphism::hyper_tokio::socket_mode=warn",
    "slack_morphism::socket_mode=warn",
    "tungstenite=warn",
    "tokio_tungstenite=warn",
];

/// Lines the JSON log writer holds before the logger waits for it: a bounded buffer (a few
/// hundred kB at most), never a dropped line.
const LOG_BUFFER_LINES: usize = 4096;

/// How long the JSON log writer's thread rests after writing out what it found queued.
/// Lines that come meanwhile wait in the queue, so under load the thread is not woken for
/// every line and writes them a batch at a time; a line is never held longer than this.
const LOG_WRITE_PAUSE: Duration = Duration::from_millis(1);

/// The JSON log writer thread's output. tracing-appender's thread writes every queued line,
/// then flushes once the queue is empty: here the lines gather in a buffer, the flush is
/// one `write(2)` for the whole batch, and the thread then rests [`LOG_WRITE_PAUSE`] before
/// it looks at the queue again. A thread blocked on an empty queue is woken (a `futex`
/// call, and a context switch) by every line sent to it; one that is resting is not.
/// Under load that was one wake-up and one `write(2)` per line (two per command).
///
/// A line is never split across two writes (a `BufWriter` writes its buffer out before a
/// line that does not fit), and the thread's last flush, when the guard is dropped, writes
/// out what is left.
struct Batched<W: Write> {
    out: BufWriter<W>,
    pause: Duration,
}

impl<W: Write> Batched<W> {
    fn new(out: W, pause: Duration) -> Self {
        Batched {
            out: BufWriter::with_capacity(64 * 1024, out),
            pause,
        }
    }
}

impl<W: Write> Write for Batched<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.out.write_all(buf)
    }

    /// Called by the writer thread when the queue is empty: writes the batch, then rests.
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()?;
        std::thread::sleep(self.pause);
        Ok(())
    }
}

/// Keeps the JSON log writer's thread alive; dropping it flushes what is buffered. Hold it
/// for as long as the process logs.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// Installs the global subscriber. `RUST_LOG` wins over the default `info`, except for
/// [`QUIET_TARGETS`]. JSON lines are written off the request path, by a thread of their
/// own ([`LogGuard`]); the human format on a terminal is written where it happens.
pub fn init_logging(format: Option<LogFormat>) -> LogGuard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,slack_morphism=warn,hyper=warn"));
    let filter = QUIET_TARGETS
        .iter()
        .filter_map(|d| d.parse().ok())
        .fold(filter, EnvFilter::add_directive);
    let format = format.unwrap_or(if std::io::stderr().is_terminal() {
        LogFormat::Pretty
    } else {
        LogFormat::Json
    });
    let registry = tracing_subscriber::registry().with(filter);
    // A second init (tests start many apps in one process) is harmless: it installs
    // nothing, and its writer thread ends with its guard.
    match format {
        LogFormat::Json => {
            let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
                .lossy(false)
                .buffered_lines_limit(LOG_BUFFER_LINES)
                .thread_name("expire-bot-log")
                .finish(Batched::new(std::io::stderr(), LOG_WRITE_PAUSE));
            let _ = registry.with(json_layer(writer)).try_init();
            LogGuard(Some(guard))
        }
        LogFormat::Pretty => {
            let _ = registry
                .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
                .try_init();
            LogGuard(None)
        }
    }
}

/// One JSON object per line: the event's fields plus those of the span it happened in (for a
/// Slack request: kind, transport, team, user, slack_request_id, expiry_request_id).
fn json_layer<S, W>(writer: W) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    json_subscriber::fmt::layer()
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(writer)
}

static METRICS: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide Prometheus recorder, installed on first use.
pub fn metrics_handle() -> PrometheusHandle {
    METRICS
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Suffix("_seconds".to_owned()),
                    &[
                        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                        5.0,
                    ],
                )
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder is installed already; the handle still renders.
            let _ = metrics::set_global_recorder(recorder);
            describe_metrics();
            handle
        })
        .clone()
}

/// How often [`upkeep`] drains the recorder.
const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Drains the recorder's histograms every few seconds until `shutdown`. A histogram keeps
/// each sample until it is drained, and a recorder built with `build_recorder` (as here,
/// so tests and the binary share one) only drains on a scrape: at saturation with no
/// scrape, samples pile up and hold megabytes (BENCHMARKS.md §9). Upkeep folds them into
/// the buckets, so memory no longer grows with traffic between scrapes.
pub async fn upkeep(handle: PrometheusHandle, shutdown: tokio_util::sync::CancellationToken) {
    let mut tick = tokio::time::interval(UPKEEP_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => handle.run_upkeep(),
        }
    }
}

/// An error and its causes on one line, for logs.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Help texts for every metric, and zero-valued series for the counters that alert rules
/// take rates of (see `deploy/alerts.yml`). Labels are fixed vocabularies only.
fn describe_metrics() {
    describe_counter!(
        "expire_bot_slack_requests_total",
        "Slack requests (slash commands, interactions) by kind, transport and outcome"
    );
    describe_histogram!(
        "expire_bot_slack_request_seconds",
        Unit::Seconds,
        "Time to answer a verified Slack request, by kind"
    );
    describe_counter!(
        "expire_bot_signature_failures_total",
        "HTTP requests to /slack/* refused for a missing, wrong or stale signature"
    );
    describe_counter!(
        "expire_bot_slack_api_calls_total",
        "Slack Web API calls by method and result (ok, ok_false:<code>, rate_limited, http_error, transport_error)"
    );
    describe_histogram!(
        "expire_bot_slack_api_call_seconds",
        Unit::Seconds,
        "Slack Web API call latency by method"
    );
    describe_counter!(
        "expire_bot_db_operations_total",
        "Database operations by role (primary, replica), operation and outcome"
    );
    describe_histogram!(
        "expire_bot_db_operation_seconds",
        Unit::Seconds,
        "Database operation latency by role and operation"
    );
    describe_gauge!(
        "expire_bot_database_up",
        "1 when the database of this role answered the last health probe, else 0"
    );
    describe_gauge!(
        "expire_bot_replica_lag_seconds",
        Unit::Seconds,
        "Replication lag as the replica reports it (0 when it has replayed all it received)"
    );
    describe_counter!(
        "expire_bot_replica_fallbacks_total",
        "Lookups the replica could not answer: answered by the primary, or refused (READ_FALLBACK=off)"
    );
    describe_counter!(
        "expire_bot_requests_total",
        "Expiry requests by event: filed, approved, rejected, timed_out, cancelled (withdrawn by the requester)"
    );
    describe_counter!(
        "expire_bot_decisions_refused_total",
        "Approve/reject clicks refused: own_request (four-eyes rule), not_approver, or already_approved (the same lead again)"
    );
    describe_counter!(
        "expire_bot_approvals_total",
        "Approvals given, by result: counted (more are needed) or decided (the last one needed, which expired the policy)"
    );
    describe_histogram!(
        "expire_bot_approvals_per_request",
        "Approvals an approved request took (1, or more under APPROVALS_REQUIRED / SECOND_APPROVAL_BACKDATE)"
    );
    describe_counter!(
        "expire_bot_withdrawals_refused_total",
        "Withdraw clicks refused: not_requester (only the requester may withdraw)"
    );
    describe_counter!(
        "expire_bot_reminders_total",
        "Reminders sent (REMIND_AFTER): each pending request is reminded at most once"
    );
    describe_gauge!(
        "expire_bot_pending_reminded_requests",
        "Pending requests already reminded and still waiting (read from the database)"
    );
    describe_gauge!(
        "expire_bot_reminders_overdue",
        "Reminders due more than 5 minutes ago and not yet sent: the reminder sweep is not running or failing"
    );
    describe_gauge!(
        "expire_bot_approvers_available",
        "People who may approve as this instance knows them: APPROVER_USER_IDS plus the usable user group's members"
    );
    describe_gauge!(
        "expire_bot_pending_requests",
        "Expiry requests waiting for a decision (the same for every instance: read from the database)"
    );
    describe_gauge!(
        "expire_bot_oldest_pending_request_age_seconds",
        Unit::Seconds,
        "Age of the oldest request waiting for a decision (0 when none)"
    );
    describe_gauge!(
        "expire_bot_outbox_backlog",
        "Slack calls owed (approval posts, thread replies, updates, notices) not yet delivered"
    );
    describe_gauge!(
        "expire_bot_outbox_oldest_age_seconds",
        Unit::Seconds,
        "Age of the oldest Slack call still owed (0 when none)"
    );
    describe_counter!(
        "expire_bot_outbox_attempts_total",
        "Outbox delivery attempts by kind and result (delivered, failed, waiting)"
    );
    describe_counter!(
        "expire_bot_usergroup_refreshes_total",
        "Reads of a user group's member list (usergroups.users.list) by audience (approvers, requesters) and result (ok, retryable_error, permanent_error)"
    );
    describe_gauge!(
        "expire_bot_usergroup_list_usable",
        "1 while the audience's user group member list may be used (read, fresh enough, no permanent error since); 0 while its members are refused"
    );
    describe_counter!(
        "expire_bot_membership_unverified_total",
        "People refused because their membership of the audience's user group could not be confirmed, by why (group_unreadable, list_too_old, list_not_read_yet)"
    );
    describe_counter!(
        "expire_bot_outbox_failed_total",
        "Slack follow-ups given up after a permanent Slack error (channel_not_found, invalid_auth, …), by kind; the requester is told"
    );
    describe_counter!(
        "expire_bot_outbox_reconciled_total",
        "Approval posts found already in the channel (an earlier attempt timed out but was delivered) and recorded instead of posted again"
    );
    describe_counter!(
        "expire_bot_foreign_requests_total",
        "Slack requests refused as coming from another workspace or app, or before auth.test answered, by why"
    );
    describe_counter!(
        "expire_bot_lookups_refused_total",
        "Rider lookups refused: rate_limited (the person's LOOKUP_RATE_LIMIT), guest, other_workspace, deactivated"
    );
    describe_counter!(
        "expire_bot_lookup_audit_failures_total",
        "Lookups whose lookup_audit row could not be written (the error log line carries it instead)"
    );
    describe_gauge!(
        "expire_bot_build_info",
        "Always 1; the version label says which build is running"
    );

    metrics::gauge!("expire_bot_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    metrics::counter!("expire_bot_signature_failures_total").increment(0);
    for event in ["filed", "approved", "rejected", "timed_out", "cancelled"] {
        metrics::counter!("expire_bot_requests_total", "event" => event).increment(0);
    }
    for outcome in ["primary", "refused"] {
        metrics::counter!("expire_bot_replica_fallbacks_total", "outcome" => outcome).increment(0);
    }
    for why in ["own_request", "not_approver", "already_approved"] {
        metrics::counter!("expire_bot_decisions_refused_total", "why" => why).increment(0);
    }
    for result in ["counted", "decided"] {
        metrics::counter!("expire_bot_approvals_total", "result" => result).increment(0);
    }
    metrics::counter!("expire_bot_withdrawals_refused_total", "why" => "not_requester")
        .increment(0);
    metrics::counter!("expire_bot_reminders_total").increment(0);
    // The outbox kinds the bot can give up on (domain::OutboxKind's names; this module sits
    // below the domain, so they are spelled here).
    for kind in [
        "post_request",
        "thread_reply",
        "update_message",
        "notify_filed",
        "notify_decided",
    ] {
        metrics::counter!("expire_bot_outbox_failed_total", "kind" => kind).increment(0);
    }
    for why in ["workspace_unknown", "other_workspace", "other_app"] {
        metrics::counter!("expire_bot_foreign_requests_total", "why" => why).increment(0);
    }
    for why in ["rate_limited", "guest", "other_workspace", "deactivated"] {
        metrics::counter!("expire_bot_lookups_refused_total", "why" => why).increment(0);
    }
    for audience in ["approvers", "requesters"] {
        for why in ["group_unreadable", "list_too_old", "list_not_read_yet"] {
            metrics::counter!("expire_bot_membership_unverified_total", "audience" => audience, "why" => why).increment(0);
        }
    }
}

/// The request ID for one Slack request: the proxy's `X-Request-Id` if it is a sane token
/// (at most 64 characters of `[A-Za-z0-9._-]`, so nothing odd reaches a log line),
/// otherwise a fresh random one.
pub fn request_id(incoming: Option<&str>) -> String {
    match incoming {
        Some(id)
            if !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) =>
        {
            id.to_owned()
        }
        _ => format!("{:016x}", rand::random::<u64>()),
    }
}

/// The span one Slack request is handled in. `team` and `user` are Slack IDs (`T…`, `U…`),
/// which are not personal data in the contract's sense and are what an operator searches by.
pub fn slack_request_span(
    kind: &'static str,
    transport: &'static str,
    team: &str,
    user: &str,
    request_id: &str,
) -> tracing::Span {
    tracing::info_span!(
        "slack_request",
        kind,
        transport,
        team,
        user,
        slack_request_id = request_id,
        expiry_request_id = tracing::field::Empty,
    )
}

/// `tokio::spawn` that keeps the caller's span, so work a Slack request hands to a task
/// (filing, deciding) still logs with that request's fields.
pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(tracing::Instrument::in_current_span(future))
}

/// Puts the `expiry_requests.id` a Slack request turned out to concern on its span, so
/// every later line of that request (and of tasks spawned in it) carries it.
pub fn record_expiry_request(id: i64) {
    tracing::Span::current().record("expiry_request_id", id);
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// Collects what the JSON layer writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Captured {
        type Writer = Captured;
        fn make_writer(&'w self) -> Captured {
            self.clone()
        }
    }

    /// Every `write(2)` the log writer thread would make, as it was made.
    #[derive(Default)]
    struct Writes(Vec<Vec<u8>>);

    impl std::io::Write for Writes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_log_writer_writes_a_batch_at_a_time_and_never_splits_a_line() {
        let mut w = Batched::new(Writes::default(), Duration::ZERO);
        w.write_all(b"{\"a\":1}\n").unwrap();
        w.write_all(b"{\"b\":2}\n").unwrap();
        assert!(
            w.out.get_ref().0.is_empty(),
            "nothing is written before the flush"
        );
        w.flush().unwrap();
        assert_eq!(w.out.get_ref().0, vec![b"{\"a\":1}\n{\"b\":2}\n".to_vec()]);

        // A line that does not fit what is left of the buffer: the buffer is written out
        // first, then the line whole.
        let long = [b"{\"c\":\"".as_slice(), &[b'x'; 70 * 1024], b"\"}\n"].concat();
        w.write_all(b"{\"d\":4}\n").unwrap();
        w.write_all(&long).unwrap();
        w.flush().unwrap();
        let writes = &w.out.get_ref().0;
        assert_eq!(writes.len(), 3);
        assert_eq!(writes[1], b"{\"d\":4}\n");
        assert_eq!(writes[2], long);
    }

    #[test]
    fn json_lines_carry_the_slack_request_span_and_the_expiry_request_id_once_known() {
        let out = Captured::default();
        let subscriber = tracing_subscriber::registry().with(json_layer(out.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let span = slack_request_span("block_actions", "http", "T0TEAM", "U0LEAD", "abc123");
            let _entered = span.enter();
            tracing::info!("before the id is known");
            record_expiry_request(42);
            tracing::warn!(error = "boom: cause", "after");
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
            .collect();
        assert_eq!(lines.len(), 2, "{text}");
        let span = &lines[0]["span"];
        assert_eq!(span["name"], "slack_request");
        assert_eq!(span["kind"], "block_actions");
        assert_eq!(span["transport"], "http");
        assert_eq!(span["team"], "T0TEAM");
        assert_eq!(span["user"], "U0LEAD");
        assert_eq!(span["slack_request_id"], "abc123");
        assert!(span.get("expiry_request_id").is_none(), "{text}");
        assert_eq!(lines[1]["span"]["expiry_request_id"], 42);
        assert_eq!(lines[1]["level"], "WARN");
        assert_eq!(lines[1]["fields"]["error"], "boom: cause");
    }

    /// The lines keep tracing-subscriber's JSON shape, which operators' log queries were
    /// written against: the same keys and values, the timestamp aside.
    #[test]
    fn json_lines_have_tracing_subscribers_shape() {
        fn emit(layer: impl Layer<tracing_subscriber::Registry> + Send + Sync) {
            let subscriber = tracing_subscriber::registry().with(layer);
            tracing::subscriber::with_default(subscriber, || {
                tracing::info!(outside = 1, "no span");
                let span = slack_request_span("command", "http", "T0TEAM", "U0AGENT", "r1");
                let _entered = span.enter();
                tracing::info!(
                    elapsed_ms = 3_u64,
                    reply = "empty",
                    "Slack request answered"
                );
                record_expiry_request(7);
                tracing::error!(
                    error = "a \"quoted\" cause",
                    ok = false,
                    ratio = 0.5,
                    "failed"
                );
            });
        }
        let (ours, theirs) = (Captured::default(), Captured::default());
        emit(json_layer(ours.clone()));
        emit(
            tracing_subscriber::fmt::layer()
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .with_writer(theirs.clone()),
        );
        let parse = |c: &Captured| -> Vec<serde_json::Value> {
            String::from_utf8(c.0.lock().unwrap().clone())
                .unwrap()
                .lines()
                .map(|l| {
                    let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                    assert!(v["timestamp"].is_string(), "{l}");
                    v.as_object_mut().unwrap().remove("timestamp");
                    v
                })
                .collect()
        };
        let (ours, theirs) = (parse(&ours), parse(&theirs));
        assert_eq!(ours.len(), 3);
        assert_eq!(ours, theirs);
    }

    #[test]
    fn request_ids_from_a_proxy_are_kept_only_when_they_are_plain_tokens() {
        assert_eq!(request_id(Some("req-42.a_b")), "req-42.a_b");
        for odd in ["", "has space", "quote\"", "new\nline", &"x".repeat(65)] {
            let id = request_id(Some(odd));
            assert_eq!(id.len(), 16, "{odd:?} replaced by a fresh id");
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        }
        assert_ne!(request_id(None), request_id(None));
    }

    #[test]
    fn chain_joins_every_cause() {
        let e = anyhow::anyhow!("root cause")
            .context("middle")
            .context("top");
        assert_eq!(chain(e.as_ref()), "top: middle: root cause");
    }
}
