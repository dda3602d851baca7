//! The running bot: its shared state, its background workers, and serving it.
//!
//! [`App`] is everything a handler needs, shared behind an `Arc`. It holds nothing that
//! must outlive the process — requests, decisions and owed Slack calls are all in the
//! database — so any number of instances can serve the same workspace, and one can be
//! killed at any moment.

use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::audience::{Audience, ListPolicy, MemberList};
use crate::config::Config;
use crate::slack::api::SlackApi;
use crate::store::{Store, StoreConfig};
use crate::{http, outbox, telemetry};

/// Shared state of one bot instance.
#[derive(Debug)]
pub struct App {
    pub config: Config,
    pub store: Store,
    pub slack: SlackApi,
    pub approvers: Audience,
    pub requesters: Audience,
    /// Wakes the outbox worker when a transaction queued Slack calls.
    pub outbox_wake: Notify,
    pub metrics: PrometheusHandle,
    /// This instance's name where the database records who did something (the digest's
    /// claims): host, pid and a random tag. Correctness never depends on it.
    pub instance_id: String,
}

/// How long in-flight requests get to finish after SIGTERM.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

impl App {
    /// Builds the state from a validated configuration. Pools open lazily.
    pub fn new(config: Config) -> anyhow::Result<App> {
        App::with_list_policy(config, ListPolicy::default())
    }

    /// As [`App::new`], with the user groups' member lists read and trusted as `lists`
    /// says (tests shorten the intervals; production uses [`ListPolicy::default`]).
    pub fn with_list_policy(config: Config, lists: ListPolicy) -> anyhow::Result<App> {
        let store = Store::open(&StoreConfig {
            primary_url: config.database_url.clone(),
            replica_url: config.database_replica_url.clone(),
            max_connections: 10,
        })?;
        let token = config
            .bot_token
            .clone()
            .unwrap_or_else(|| secrecy::SecretString::from("xoxb-unset"));
        let slack = SlackApi::new(&config.slack_api_url, &token)?;
        let list = |audience: &'static str, group: &Option<String>| {
            group
                .clone()
                .map(|g| MemberList::from_slack(audience, g, slack.clone(), lists))
        };
        let approvers = Audience::new(
            "approvers",
            &config.approver_user_ids,
            list("approvers", &config.approver_usergroup_id),
            false,
        );
        let requesters = Audience::new(
            "requesters",
            &config.requester_user_ids,
            list("requesters", &config.requester_usergroup_id),
            true,
        );
        Ok(App {
            config,
            store,
            slack,
            approvers,
            requesters,
            outbox_wake: Notify::new(),
            metrics: telemetry::metrics_handle(),
            instance_id: crate::digest::new_instance_id(),
        })
    }
}

impl App {
    /// What the approval module needs to decide, within the Slack request's `deadline`.
    pub fn deps(&self, deadline: crate::deadline::Deadline) -> crate::approval::Deps<'_> {
        crate::approval::Deps {
            store: &self.store,
            approvers: &self.approvers,
            deadline,
        }
    }
}

/// A started instance: its address and the means to stop it.
pub struct Running {
    pub addr: std::net::SocketAddr,
    pub app: Arc<App>,
    shutdown: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish (bounded by [`SHUTDOWN_GRACE`]),
    /// stops the workers.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let all = futures::future::join_all(self.tasks);
        if tokio::time::timeout(SHUTDOWN_GRACE, all).await.is_err() {
            tracing::warn!("in-flight work did not finish within the shutdown grace period");
        }
    }

    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Waits until every task has ended (after [`Running::shutdown_token`] is cancelled).
    pub async fn wait(self) {
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// Starts the HTTP server on `listener` plus the outbox worker, the TTL sweeper, the
/// withdrawn-rider digest's scheduler and the user groups' member-list refreshers.
/// In Socket Mode the HTTP server still serves health, readiness and metrics.
pub async fn start(app: Arc<App>, listener: TcpListener) -> anyhow::Result<Running> {
    let addr = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let router = http::router(app.clone());
    let server_shutdown = shutdown.clone();
    let server = tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move { server_shutdown.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %telemetry::chain(&e), "HTTP server stopped with an error");
        }
    });
    let mut tasks = vec![server];
    tasks.push(tokio::spawn(outbox::run(app.clone(), shutdown.clone())));
    tasks.push(tokio::spawn(outbox::sweep(app.clone(), shutdown.clone())));
    tasks.push(tokio::spawn(crate::digest::run(
        app.clone(),
        shutdown.clone(),
    )));
    // The user groups' member lists, read in the background (never on an answer's path).
    for list in [&app.approvers, &app.requesters]
        .into_iter()
        .filter_map(|a| a.member_list())
    {
        tasks.push(tokio::spawn(list.clone().run(shutdown.clone())));
    }
    if app.config.socket_mode() {
        tasks.push(tokio::spawn(crate::slack::socket::run(
            app.clone(),
            shutdown.clone(),
        )));
    }
    tracing::info!(%addr, socket_mode = app.config.socket_mode(), "expire-bot serving");
    Ok(Running {
        addr,
        app,
        shutdown,
        tasks,
    })
}
