//! Logs and metrics: one place that sets up `tracing` and the Prometheus recorder.
//!
//! Logs are JSON in production and readable on a terminal (`LOG_FORMAT`, `RUST_LOG`).
//! Nothing here masks: personal data is masked where it is read (the `lookup` module), so
//! no log call ever receives it raw. Metric labels are fixed vocabularies (roles, methods,
//! outcomes), never free text.

use std::io::IsTerminal;
use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;

/// Installs the global subscriber. `RUST_LOG` wins over the default `info`.
pub fn init_logging(format: Option<LogFormat>) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,slack_morphism=warn,hyper=warn"));
    // slack-morphism's Socket Mode client traces whole envelopes, slash-command text
    // included; that text may be a phone number, so it never goes below debug, even
    // under RUST_LOG=trace.
    let filter = match "slack_morphism::hyper_tokio::socket_mode=debug".parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    };
    let format = format.unwrap_or(if std::io::stderr().is_terminal() {
        LogFormat::Pretty
    } else {
        LogFormat::Json
    });
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
            .try_init(),
    };
    // A second init (tests start many apps in one process) is harmless.
    let _ = result;
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
            handle
        })
        .clone()
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
