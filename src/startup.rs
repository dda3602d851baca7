//! The composition root: the one place that knows every part. [`Bot::new`] turns a
//! validated [`Config`] into the handles (the two database pools, the Web API client, the
//! user groups' member lists, the outbox's bell) and hands each part exactly what it uses —
//! the services their handles and settings, the Slack handlers their [`Ctx`], each worker
//! its own struct. [`start`] serves HTTP and spawns Socket Mode and the workers.
//!
//! Nothing here must outlive the process — requests, decisions and owed Slack calls are
//! all in the database — so any number of instances can serve the same workspace, and one
//! can be killed at any moment.

use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::domain::SlackUserId;
use crate::http::{self, HttpState};
use crate::i18n::Locale;
use crate::service::access::Access;
use crate::service::deciding::Deciding;
use crate::service::events::Events;
use crate::service::filing::Filing;
use crate::service::forms::Forms;
use crate::service::health::Health;
use crate::service::history::HistoryReader;
use crate::service::home::HomeReader;
use crate::service::lookup::Lookup;
use crate::service::{Directory, Wake};
use crate::slack::api::SlackApi;
use crate::slack::audience::{Audience, ListPolicy, MemberList, People, SlackDirectory};
use crate::slack::handlers::Ctx;
use crate::slack::home::HomePublisher;
use crate::slack::verify::Verifier;
use crate::store::{Store, StoreConfig};
use crate::telemetry;
use crate::workers::digest::{self, Digest};
use crate::workers::heartbeat::Heartbeat;
use crate::workers::outbox::{Approvers, Outbox};
use crate::workers::sweeper::Sweeper;

/// How long in-flight requests get to finish after SIGTERM.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How often `auth.test` is asked again while it has not answered.
const WORKSPACE_RETRY: Duration = Duration::from_secs(5);

/// Asks Slack which workspace and app the token belongs to and records it; whether it did.
async fn learn_workspace(bot: &Bot) -> bool {
    match tokio::time::timeout(Duration::from_secs(6), bot.slack.workspace()).await {
        Ok(Ok(w)) => {
            tracing::info!(
                team = %w.team,
                enterprise = w.enterprise.as_deref().unwrap_or(""),
                app = w.app.as_deref().unwrap_or(""),
                "serving this workspace"
            );
            bot.handlers.filing.access().learn(w);
            true
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e.code(), "auth.test failed; Slack requests are refused until it answers");
            false
        }
        Err(_) => {
            tracing::error!("auth.test did not answer; Slack requests are refused until it does");
            false
        }
    }
}

/// One bot instance, assembled.
pub struct Bot {
    pub store: Store,
    pub slack: SlackApi,
    /// Who may file and who may decide (listed IDs and user groups' member lists).
    pub directory: Arc<SlackDirectory>,
    /// What the Slack handlers use (HTTP and Socket Mode alike).
    pub handlers: Arc<Ctx>,
    pub outbox: Arc<Outbox>,
    pub digest: Arc<Digest>,
    pub metrics: PrometheusHandle,
    health: Health,
    deciding: Deciding,
    request_ttl: Duration,
    remind_after: Option<Duration>,
    verifier: Option<Verifier>,
    app_token: Option<SecretString>,
    replica_lag_warn: Duration,
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot").finish_non_exhaustive()
    }
}

impl Bot {
    /// Builds an instance from a validated configuration. Pools open lazily.
    pub fn new(config: Config) -> anyhow::Result<Bot> {
        Bot::with_list_policy(config, ListPolicy::default())
    }

    /// As [`Bot::new`], with the user groups' member lists read and trusted as `lists`
    /// says (tests shorten the intervals; production uses [`ListPolicy::default`]).
    pub fn with_list_policy(config: Config, lists: ListPolicy) -> anyhow::Result<Bot> {
        let store = Store::open(&StoreConfig {
            primary_url: config.database_url.clone(),
            replica_url: config.database_replica_url.clone(),
            max_connections: 10,
        })?;
        let token = config
            .bot_token
            .clone()
            .unwrap_or_else(|| SecretString::from("xoxb-unset"));
        let slack = SlackApi::new(&config.slack_api_url, &token)?;
        let list = |audience: &'static str, group: &Option<String>| {
            group
                .clone()
                .map(|g| MemberList::from_slack(audience, g, slack.clone(), lists))
        };
        let directory = Arc::new(SlackDirectory {
            people: People::new(slack.clone()),
            approvers: Audience::new(
                "approvers",
                &config.approver_user_ids,
                list("approvers", &config.approver_usergroup_id),
                false,
            ),
            requesters: Audience::new(
                "requesters",
                &config.requester_user_ids,
                list("requesters", &config.requester_usergroup_id),
                true,
            ),
        });
        // The outbox's bell: filing and deciding ring it, the outbox worker waits on it.
        let bell = Arc::new(Notify::new());
        let dir: Arc<dyn Directory> = directory.clone();
        let wake: Arc<dyn Wake> = bell.clone();
        let (primary, replica) = (store.primary.clone(), store.replica.clone());
        let lookup = Lookup::new(primary.clone(), replica.clone(), config.read_fallback);
        let access = Access::new(primary.clone(), config.lookup_limit);
        let filing = Filing::new(
            primary.clone(),
            lookup,
            access.clone(),
            dir.clone(),
            wake.clone(),
            config.request_ttl,
            config.workflow,
        );
        let deciding = Deciding::new(primary.clone(), dir, wake);
        // What people read: the configured language's catalogue, times in DISPLAY_TZ.
        let locale = Locale::new(config.ui_language, config.display_tz);
        let homes = HomePublisher::new(
            slack.clone(),
            HomeReader::new(primary.clone(), replica.clone(), directory.clone()),
            locale,
        );
        let request_modal = Ctx::request_modal_json(locale, &filing)?;
        let handlers = Arc::new(Ctx {
            slack: slack.clone(),
            filing,
            deciding: deciding.clone(),
            history: HistoryReader::new(replica.clone(), access.clone()),
            forms: Forms::new(primary.clone()),
            events: Events::new(primary.clone()),
            home: homes.clone(),
            approval_channel: config.approval_channel_id.clone(),
            locale,
            replica_lag_warn: config.replica_lag_warn,
            request_modal,
        });
        let outbox = Arc::new(Outbox::new(
            primary.clone(),
            slack.clone(),
            config.approval_channel_id.clone(),
            locale,
            bell,
            Approvers {
                user_ids: config
                    .approver_user_ids
                    .iter()
                    .map(|u| SlackUserId::new(u.clone()))
                    .collect(),
                usergroup: config.approver_usergroup_id.clone(),
            },
            homes,
        ));
        let digest = Arc::new(Digest::new(
            primary.clone(),
            replica.clone(),
            slack.clone(),
            config.digest.clone(),
            config.approval_channel_id.clone(),
            locale,
            digest::new_instance_id(),
        ));
        Ok(Bot {
            health: Health::new(primary, replica),
            store,
            slack,
            directory,
            handlers,
            outbox,
            digest,
            metrics: telemetry::metrics_handle(),
            deciding,
            request_ttl: config.request_ttl,
            remind_after: config.workflow.remind_after,
            verifier: config.signing_secret.as_ref().map(Verifier::new),
            app_token: config.app_token.clone(),
            replica_lag_warn: config.replica_lag_warn,
        })
    }

    /// Socket Mode instead of HTTP for Slack's requests (`SLACK_APP_TOKEN` is set).
    pub fn socket_mode(&self) -> bool {
        self.app_token.is_some()
    }

    /// The HTTP routes' state.
    fn http_state(&self) -> HttpState {
        HttpState::new(
            self.handlers.clone(),
            self.verifier.clone(),
            self.health.clone(),
            self.slack.clone(),
            self.metrics.clone(),
            self.replica_lag_warn,
        )
    }
}

/// A started instance: its address and the means to stop it.
pub struct Running {
    pub addr: std::net::SocketAddr,
    pub bot: Arc<Bot>,
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
/// withdrawn-rider digest's scheduler, the user groups' member-list refreshers and, on
/// MySQL, the replication heartbeat.
/// In Socket Mode the HTTP server still serves health, readiness and metrics.
pub async fn start(bot: Arc<Bot>, listener: TcpListener) -> anyhow::Result<Running> {
    let addr = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let router = http::router(bot.http_state());
    let server_shutdown = shutdown.clone();
    // Which workspace and app are ours: asked once before serving (so the first request
    // is not refused for want of it), and until Slack answers if it does not now. Until
    // then every Slack request is refused (service::access).
    let learned = learn_workspace(&bot).await;
    let server = tokio::spawn(http::server::serve(listener, router, server_shutdown));
    let mut tasks = vec![server];
    if !learned {
        let (bot, shutdown) = (bot.clone(), shutdown.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(WORKSPACE_RETRY) => {}
                }
                if learn_workspace(&bot).await {
                    return;
                }
            }
        }));
    }
    tasks.push(tokio::spawn(bot.outbox.clone().run(shutdown.clone())));
    let sweeper = Sweeper::new(
        bot.deciding.clone(),
        bot.health.clone(),
        bot.directory.clone(),
        bot.request_ttl,
        bot.remind_after,
    );
    tasks.push(tokio::spawn(sweeper.run(shutdown.clone())));
    tasks.push(tokio::spawn(bot.digest.clone().run(shutdown.clone())));
    if let Some(heartbeat) = Heartbeat::new(bot.store.primary.clone()) {
        tasks.push(tokio::spawn(heartbeat.run(shutdown.clone())));
    }
    tasks.push(tokio::spawn(telemetry::upkeep(
        bot.metrics.clone(),
        shutdown.clone(),
    )));
    // The user groups' member lists, read in the background (never on an answer's path).
    for list in bot.directory.member_lists() {
        tasks.push(tokio::spawn(list.clone().run(shutdown.clone())));
    }
    if let Some(token) = bot.app_token.clone() {
        tasks.push(tokio::spawn(crate::slack::socket::run(
            bot.handlers.clone(),
            bot.slack.clone(),
            token,
            shutdown.clone(),
        )));
    }
    tracing::info!(%addr, socket_mode = bot.socket_mode(), "expire-bot serving");
    Ok(Running {
        addr,
        bot,
        shutdown,
        tasks,
    })
}
