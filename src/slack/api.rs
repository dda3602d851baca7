//! The Slack Web API, as the bot uses it: a thin wrapper over slack-morphism's client.
//!
//! It exists for three reasons: to build the HTTP connector that also speaks plain
//! `http://` (tests and the demo point `SLACK_API_URL` at a local stand-in), to count and
//! time every call by method and result, and to turn slack-morphism's errors into a small
//! [`SlackCallError`] that says whether a retry can help. Errors never carry response
//! bodies past this module: a body may echo message content.
//!
//! [`METHODS`] is the one table of the Web API methods the bot calls and the bot scopes
//! each needs; the manifests' `oauth_config.scopes.bot` is held to it by a test
//! (`tests/it/manifest.rs`), so the app asks for exactly what it uses.
//!
//! One call skips slack-morphism: `views.open`, the only Web API call on the path of the
//! slash command's 3-second answer, and at saturation a third of the bot's instructions
//! through the client (BENCHMARKS.md §9: the URL built and parsed per call, the answer read
//! into a full `SlackView` and thrown away). [`DirectPost`] posts the same JSON with the
//! pooled hyper client, to a URI and an `Authorization` header built once, and reads only
//! `{ok, error}` of the answer; it goes through the same [`SlackApi::observed`] — timeout,
//! metrics, health, error mapping — as every other call, and a test checks that its body is
//! exactly slack-morphism's request.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use secrecy::{ExposeSecret, SecretString};
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;

/// Every Web API method the bot calls, with the bot-token scopes it needs (any one of
/// them, for the pairs that cover public and private channels: the bot asks for both),
/// as each method's page on docs.slack.dev says. `apps.connections.open` takes the
/// app-level token (`connections:write`, not a bot scope); `chat.getPermalink`, `views.*`
/// and `auth.test` need no scope.
pub const METHODS: &[(&str, &[&str])] = &[
    ("auth.test", &[]),
    // The installation's app, from its bot ID (issue 12's app check).
    ("bots.info", &["users:read"]),
    // Guests and people of other workspaces (issue 12).
    ("users.info", &["users:read"]),
    ("usergroups.users.list", &["usergroups:read"]),
    ("chat.postMessage", &["chat:write"]),
    ("chat.update", &["chat:write"]),
    ("chat.postEphemeral", &["chat:write"]),
    // The message shortcut's link to its message.
    ("chat.getPermalink", &[]),
    ("views.open", &[]),
    ("views.publish", &[]),
    // Reconciling a post after a timeout.
    (
        "conversations.history",
        &["channels:history", "groups:history"],
    ),
    // `expire-bot check-config` only.
    ("conversations.info", &["channels:read", "groups:read"]),
    // Socket Mode, with the app-level token.
    ("apps.connections.open", &[]),
];

/// Bot scopes that features rather than methods need: `commands` for the slash command and
/// the shortcuts.
pub const FEATURE_SCOPES: &[&str] = &["commands"];

/// Every bot scope the app needs: [`FEATURE_SCOPES`] and the scopes of [`METHODS`], sorted.
#[must_use]
pub fn bot_scopes() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = FEATURE_SCOPES
        .iter()
        .copied()
        .chain(METHODS.iter().flat_map(|(_, s)| s.iter().copied()))
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

type Https = hyper_rustls::HttpsConnector<HttpConnector>;
type Connector = SlackClientHyperConnector<Https>;

/// Why a Slack call failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SlackCallError {
    /// `ok: false` with Slack's error code (e.g. `channel_not_found`).
    #[error("Slack answered {method}: {code}")]
    Api { method: &'static str, code: String },
    /// HTTP 429; retry after the given delay.
    #[error("Slack rate-limited {method}")]
    RateLimited {
        method: &'static str,
        retry_after: Option<Duration>,
    },
    /// An HTTP error status from Slack.
    #[error("Slack returned HTTP {status} for {method}")]
    Http { method: &'static str, status: u16 },
    /// Slack could not be reached, or its answer could not be read.
    #[error("Slack unreachable for {method}")]
    Transport { method: &'static str },
}

impl SlackCallError {
    /// Whether the same call may succeed later. `ok:false` codes such as
    /// `channel_not_found` will not fix themselves; a few transient ones will.
    pub fn is_retryable(&self) -> bool {
        match self {
            SlackCallError::Api { code, .. } => matches!(
                code.as_str(),
                "ratelimited"
                    | "internal_error"
                    | "fatal_error"
                    | "service_unavailable"
                    | "request_timeout"
            ),
            SlackCallError::RateLimited { .. } | SlackCallError::Transport { .. } => true,
            SlackCallError::Http { status, .. } => *status >= 500 || *status == 408,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SlackCallError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A short code for storage and logs: no content, only what went wrong.
    pub fn code(&self) -> String {
        match self {
            SlackCallError::Api { code, .. } => code.clone(),
            SlackCallError::RateLimited { .. } => "rate_limited".to_owned(),
            SlackCallError::Http { status, .. } => format!("http_{status}"),
            SlackCallError::Transport { .. } => "transport".to_owned(),
        }
    }

    fn from_client(method: &'static str, e: &SlackClientError) -> Self {
        match e {
            SlackClientError::ApiError(a) => SlackCallError::Api {
                method,
                code: a.code.clone(),
            },
            SlackClientError::RateLimitError(r) => SlackCallError::RateLimited {
                method,
                retry_after: r.retry_after,
            },
            SlackClientError::HttpError(h) => SlackCallError::Http {
                method,
                status: h.status_code.as_u16(),
            },
            _ => SlackCallError::Transport { method },
        }
    }

    fn metric_result(&self) -> String {
        match self {
            SlackCallError::Api { code, .. } => format!("ok_false:{code}"),
            SlackCallError::RateLimited { .. } => "rate_limited".to_owned(),
            SlackCallError::Http { .. } => "http_error".to_owned(),
            SlackCallError::Transport { .. } => "transport_error".to_owned(),
        }
    }
}

/// Who the bot is, from `auth.test`.
#[derive(Debug, Clone)]
pub struct BotIdentity {
    pub user_id: String,
    pub team: String,
}

/// `auth.test`'s answer with the fields slack-morphism's type leaves out (the enterprise).
#[derive(Debug, Clone, serde::Deserialize)]
struct AuthTestIds {
    team_id: String,
    bot_id: Option<String>,
    enterprise_id: Option<String>,
}

/// One message of a channel's history, as far as reconciling a post needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedMessage {
    pub ts: String,
    /// The message's metadata `event_type` and `event_payload`, when it has any.
    pub event_type: Option<String>,
    pub payload: std::collections::HashMap<String, String>,
}

/// A Slack Web API client bound to the bot token.
#[derive(Clone)]
pub struct SlackApi {
    client: Arc<SlackClient<Connector>>,
    token: Arc<SlackApiToken>,
    health: Arc<std::sync::Mutex<Option<(Instant, bool)>>>,
    /// `views.open` without slack-morphism (`None` if its URI could not be built, when the
    /// client's own path is taken).
    direct: Option<Arc<DirectPost>>,
}

/// A JSON `POST` of one Web API method with hyper's pooled client, its URI and bot-token
/// header built once, its answer read as `{ok, error}` only.
struct DirectPost {
    client: Client<Https, Full<Bytes>>,
    views_open: hyper::Uri,
    auth: HeaderValue,
}

/// `views.open`'s request body for a view already serialised: field for field
/// slack-morphism's `SlackApiViewsOpenRequest` (the property tests below say so).
fn views_open_json(trigger_id: &str, view_json: &str) -> serde_json::Result<Vec<u8>> {
    let mut body = Vec::with_capacity(view_json.len() + trigger_id.len() + 32);
    body.extend_from_slice(b"{\"trigger_id\":");
    serde_json::to_writer(&mut body, trigger_id)?;
    body.extend_from_slice(b",\"view\":");
    body.extend_from_slice(view_json.as_bytes());
    body.push(b'}');
    Ok(body)
}

/// All of a Web API answer the direct post reads.
#[derive(serde::Deserialize)]
struct OkOrError {
    ok: bool,
    error: Option<String>,
}

impl DirectPost {
    fn new(https: Https, base: &str, token: &SecretString) -> Option<DirectPost> {
        let views_open = format!("{base}/views.open").parse().ok()?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).ok()?;
        auth.set_sensitive(true);
        Some(DirectPost {
            client: Client::builder(TokioExecutor::new()).build(https),
            views_open,
            auth,
        })
    }

    /// Posts `body` to `uri`; `Ok` when Slack answers `ok: true`. Errors as slack-morphism's
    /// are mapped: HTTP 429 with its `Retry-After`, another error status, `ok: false` with
    /// Slack's code, and anything unreadable as a transport failure.
    async fn post(
        &self,
        method: &'static str,
        uri: &hyper::Uri,
        body: Vec<u8>,
    ) -> Result<(), SlackCallError> {
        let transport = |_| SlackCallError::Transport { method };
        let req = hyper::Request::post(uri.clone())
            .header(CONTENT_TYPE, "application/json; charset=utf-8")
            .header(AUTHORIZATION, self.auth.clone())
            .body(Full::new(Bytes::from(body)))
            .map_err(|_| SlackCallError::Transport { method })?;
        let resp = self.client.request(req).await.map_err(transport)?;
        let status = resp.status();
        if status.as_u16() == 429 {
            let retry_after = resp
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err(SlackCallError::RateLimited {
                method,
                retry_after,
            });
        }
        if !status.is_success() {
            return Err(SlackCallError::Http {
                method,
                status: status.as_u16(),
            });
        }
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|_| SlackCallError::Transport { method })?
            .to_bytes();
        let answer: OkOrError =
            serde_json::from_slice(&bytes).map_err(|_| SlackCallError::Transport { method })?;
        if answer.ok {
            Ok(())
        } else {
            Err(SlackCallError::Api {
                method,
                code: answer.error.unwrap_or_else(|| "unknown_error".to_owned()),
            })
        }
    }
}

impl std::fmt::Debug for SlackApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackApi").finish_non_exhaustive()
    }
}

/// No call may hold up a Slack acknowledgement or a worker for long.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

impl SlackApi {
    /// `api_url` is the Web API base, e.g. `https://slack.com/api` or a local stand-in.
    pub fn new(api_url: &str, token: &SecretString) -> anyhow::Result<SlackApi> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .or_else(|_| {
                // A host without a CA bundle can still talk to a plain-http stand-in.
                Ok::<_, std::io::Error>(
                    hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(
                        rustls::ClientConfig::builder()
                            .with_root_certificates(rustls::RootCertStore::empty())
                            .with_no_client_auth(),
                    ),
                )
            })?
            .https_or_http()
            .enable_http1()
            .build();
        let base = api_url.trim_end_matches('/');
        let direct = DirectPost::new(https.clone(), base, token).map(Arc::new);
        let connector = SlackClientHyperConnector::with_connector(https).with_slack_api_url(base);
        Ok(SlackApi {
            client: Arc::new(SlackClient::new(connector)),
            token: Arc::new(SlackApiToken::new(SlackApiTokenValue(
                token.expose_secret().to_owned(),
            ))),
            health: Arc::new(std::sync::Mutex::new(None)),
            direct,
        })
    }

    /// The underlying client, for Socket Mode.
    pub fn client(&self) -> Arc<SlackClient<Connector>> {
        self.client.clone()
    }

    /// When the last call ended and whether Slack answered it (any answer, even `ok:false`,
    /// shows Slack is reachable).
    pub fn last_call_health(&self) -> Option<(Instant, bool)> {
        self.health.lock().ok().and_then(|h| *h)
    }

    async fn call<T, F>(&self, method: &'static str, f: F) -> Result<T, SlackCallError>
    where
        F: std::future::Future<Output = ClientResult<T>>,
    {
        self.observed(method, async move {
            f.await.map_err(|e| SlackCallError::from_client(method, &e))
        })
        .await
    }

    /// One Web API call, whichever client makes it: bounded by [`CALL_TIMEOUT`], counted
    /// and timed by method and result, and remembered for the health probe.
    async fn observed<T, F>(&self, method: &'static str, f: F) -> Result<T, SlackCallError>
    where
        F: std::future::Future<Output = Result<T, SlackCallError>>,
    {
        let started = Instant::now();
        let result = match tokio::time::timeout(CALL_TIMEOUT, f).await {
            Ok(r) => r,
            Err(_) => Err(SlackCallError::Transport { method }),
        };
        let label: std::borrow::Cow<'static, str> = match &result {
            Ok(_) => "ok".into(),
            Err(e) => e.metric_result().into(),
        };
        let reachable = !matches!(
            result,
            Err(SlackCallError::Transport { .. }) | Err(SlackCallError::Http { .. })
        );
        if let Ok(mut h) = self.health.lock() {
            *h = Some((Instant::now(), reachable));
        }
        metrics::counter!("expire_bot_slack_api_calls_total", "method" => method, "result" => label)
            .increment(1);
        metrics::histogram!("expire_bot_slack_api_call_seconds", "method" => method)
            .record(started.elapsed().as_secs_f64());
        if let Err(e) = &result {
            tracing::warn!(method, error = %e.code(), "Slack Web API call failed");
        }
        result
    }

    pub async fn auth_test(&self) -> Result<BotIdentity, SlackCallError> {
        let session = self.client.open_session(&self.token);
        let r = self.call("auth.test", session.auth_test()).await?;
        Ok(BotIdentity {
            user_id: r.user_id.to_string(),
            team: r.team,
        })
    }

    /// The installation this token belongs to: the workspace and enterprise from
    /// `auth.test`, and the app from `bots.info` (its bot ID). The app is `None` when
    /// `bots.info` cannot say (an old token): the app check is then skipped, not failed.
    pub async fn workspace(&self) -> Result<crate::service::access::Workspace, SlackCallError> {
        let session = self.client.open_session(&self.token);
        let ids: AuthTestIds = self
            .call(
                "auth.test",
                session.http_session_api.http_get(
                    "auth.test",
                    &slack_morphism::SLACK_HTTP_EMPTY_GET_PARAMS.clone(),
                    None,
                ),
            )
            .await?;
        let app = match &ids.bot_id {
            Some(bot) => {
                let req = SlackApiBotsInfoRequest::new().with_bot(bot.clone());
                match self.call("bots.info", session.bots_info(&req)).await {
                    Ok(r) => Some(r.bot.app_id),
                    Err(e) if e.is_retryable() => return Err(e),
                    Err(_) => None,
                }
            }
            None => None,
        };
        Ok(crate::service::access::Workspace {
            team: ids.team_id,
            enterprise: ids.enterprise_id.filter(|e| !e.is_empty()),
            app: app.filter(|a| !a.is_empty()),
        })
    }

    /// A person's profile (`users.info`, scope `users:read`): their workspace, and
    /// whether they are a guest or deactivated.
    pub async fn person(
        &self,
        user: &str,
    ) -> Result<crate::service::access::Person, SlackCallError> {
        let session = self.client.open_session(&self.token);
        let req = SlackApiUsersInfoRequest::new(user.into());
        let r = self.call("users.info", session.users_info(&req)).await?;
        let flags = &r.user.flags;
        Ok(crate::service::access::Person {
            team: r.user.team_id.map(|t| t.to_string()),
            guest: flags.is_restricted.unwrap_or(false)
                || flags.is_ultra_restricted.unwrap_or(false),
            deleted: r.user.deleted.unwrap_or(false),
        })
    }

    /// The channel's top-level messages since `oldest` (a `ts`), newest first, with their
    /// metadata (`conversations.history`, scope `channels:history` / `groups:history`).
    pub async fn messages_since(
        &self,
        channel: &str,
        oldest: &str,
        limit: u16,
    ) -> Result<Vec<PostedMessage>, SlackCallError> {
        let session = self.client.open_session(&self.token);
        let req = SlackApiConversationsHistoryRequest::new()
            .with_channel(channel.into())
            .with_oldest(SlackTs(oldest.to_owned()))
            .with_limit(limit)
            .with_include_all_metadata(true);
        let r = self
            .call("conversations.history", session.conversations_history(&req))
            .await?;
        Ok(r.messages
            .into_iter()
            .map(|m| {
                let meta = m.content.metadata;
                PostedMessage {
                    ts: m.origin.ts.to_string(),
                    event_type: meta.as_ref().map(|m| m.event_type.clone()),
                    payload: meta.and_then(|m| m.event_payload).unwrap_or_default(),
                }
            })
            .collect())
    }

    pub async fn open_view(&self, trigger_id: &str, view: SlackView) -> Result<(), SlackCallError> {
        if let Some(direct) = &self.direct {
            let method = "views.open";
            let body = serde_json::to_string(&view)
                .and_then(|view| views_open_json(trigger_id, &view))
                .map_err(|_| SlackCallError::Transport { method })?;
            return self
                .observed(method, direct.post(method, &direct.views_open, body))
                .await;
        }
        let session = self.client.open_session(&self.token);
        let req = SlackApiViewsOpenRequest::new(trigger_id.into(), view);
        self.call("views.open", session.views_open(&req))
            .await
            .map(|_| ())
    }

    /// Opens a modal given as its JSON (a view serialised once and reused:
    /// [`crate::slack::render::RequestModalJson`]); the same call as [`Self::open_view`].
    pub async fn open_view_json(
        &self,
        trigger_id: &str,
        view_json: String,
    ) -> Result<(), SlackCallError> {
        let method = "views.open";
        let Some(direct) = &self.direct else {
            let view: SlackView = serde_json::from_str(&view_json)
                .map_err(|_| SlackCallError::Transport { method })?;
            return self.open_view(trigger_id, view).await;
        };
        let body = views_open_json(trigger_id, &view_json)
            .map_err(|_| SlackCallError::Transport { method })?;
        self.observed(method, direct.post(method, &direct.views_open, body))
            .await
    }

    /// The permalink of the message `ts` in `channel` (`chat.getPermalink`, no scope).
    pub async fn permalink(&self, channel: &str, ts: &str) -> Result<String, SlackCallError> {
        let session = self.client.open_session(&self.token);
        let req = SlackApiChatGetPermalinkRequest::new(channel.into(), SlackTs(ts.to_owned()));
        let r = self
            .call("chat.getPermalink", session.chat_get_permalink(&req))
            .await?;
        Ok(r.permalink.to_string())
    }

    /// Publishes `view` as `user`'s Home tab.
    pub async fn publish_view(&self, user: &str, view: SlackView) -> Result<(), SlackCallError> {
        let session = self.client.open_session(&self.token);
        let req = SlackApiViewsPublishRequest::new(user.into(), view);
        self.call("views.publish", session.views_publish(&req))
            .await
            .map(|_| ())
    }

    /// Posts a message; returns the channel and `ts` Slack assigned.
    pub async fn post_message(
        &self,
        channel: &str,
        content: SlackMessageContent,
        thread_ts: Option<&str>,
    ) -> Result<(String, String), SlackCallError> {
        let session = self.client.open_session(&self.token);
        let mut req = SlackApiChatPostMessageRequest::new(channel.into(), content);
        req.thread_ts = thread_ts.map(|t| SlackTs(t.to_owned()));
        let r = self
            .call("chat.postMessage", session.chat_post_message(&req))
            .await?;
        Ok((r.channel.to_string(), r.ts.to_string()))
    }

    pub async fn update_message(
        &self,
        channel: &str,
        ts: &str,
        content: SlackMessageContent,
    ) -> Result<(), SlackCallError> {
        let session = self.client.open_session(&self.token);
        let req = SlackApiChatUpdateRequest::new(channel.into(), content, SlackTs(ts.to_owned()));
        self.call("chat.update", session.chat_update(&req))
            .await
            .map(|_| ())
    }

    /// A message only `user` sees, in `channel`.
    pub async fn post_ephemeral(
        &self,
        channel: &str,
        user: &str,
        content: SlackMessageContent,
    ) -> Result<(), SlackCallError> {
        let session = self.client.open_session(&self.token);
        let req = SlackApiChatPostEphemeralRequest::new(channel.into(), user.into(), content);
        self.call("chat.postEphemeral", session.chat_post_ephemeral(&req))
            .await
            .map(|_| ())
    }

    /// Members of a user group.
    pub async fn usergroup_members(&self, group: &str) -> Result<Vec<String>, SlackCallError> {
        let session = self.client.open_session(&self.token);
        let req = SlackApiUserGroupsUsersListRequest::new(group.into());
        let r = self
            .call("usergroups.users.list", session.usergroups_users_list(&req))
            .await?;
        Ok(r.users.into_iter().map(|u| u.to_string()).collect())
    }
}

/// What `conversations.info` says about a channel, as far as the bot cares.
#[derive(Debug, Clone)]
pub struct ChannelFacts {
    pub name: Option<String>,
    pub is_member: bool,
    pub is_archived: bool,
}

impl SlackApi {
    /// Reads a channel's details (`conversations.info`; needs `channels:read`, or
    /// `groups:read` for a private channel). Used by `check-config`.
    pub async fn channel_info(&self, channel: &str) -> Result<ChannelFacts, SlackCallError> {
        let session = self.client.open_session(&self.token);
        let req = SlackApiConversationsInfoRequest::new(channel.into());
        let r = self
            .call("conversations.info", session.conversations_info(&req))
            .await?;
        Ok(ChannelFacts {
            name: r.channel.name,
            is_member: r.channel.flags.is_member.unwrap_or(false),
            is_archived: r.channel.flags.is_archived.unwrap_or(false),
        })
    }

    /// Checks an app-level token the way Socket Mode will use it: by asking for a
    /// WebSocket URL (`apps.connections.open`), which is then left unused.
    pub async fn check_app_token(&self, app_token: &SecretString) -> Result<(), SlackCallError> {
        let token = SlackApiToken::new(SlackApiTokenValue(app_token.expose_secret().to_owned()));
        let session = self.client.open_session(&token);
        self.call(
            "apps.connections.open",
            session.apps_connections_open(&SlackApiAppsConnectionOpenRequest::new()),
        )
        .await
        .map(|_| ())
    }
}

/// The short code of a raw slack-morphism error (Socket Mode reports those directly).
pub fn client_error_code(e: &SlackClientError) -> String {
    SlackCallError::from_client("socket_mode", e).code()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Language, Locale};
    use crate::slack::render;
    use proptest::prelude::*;

    proptest! {
        /// The direct `views.open` body is slack-morphism's request, field for field, for
        /// the request modal whatever was typed after the command: the strict stand-in's
        /// checks of the one keep covering the other.
        #[test]
        fn the_direct_views_open_body_is_slack_morphisms(
            trigger in "[0-9a-f.]{1,60}",
            typed in "\\PC{0,80}",
        ) {
            let l = Locale::new(Language::Ko, chrono_tz::Asia::Seoul);
            let rules = render::ApprovalRules { approvals_required: 1, second_approval_backdate: None };
            let view = render::request_modal(l, &typed, None, rules);
            let ours: serde_json::Value = serde_json::from_slice(
                &views_open_json(&trigger, &serde_json::to_string(&view).unwrap()).unwrap(),
            ).unwrap();
            let theirs = serde_json::to_value(
                SlackApiViewsOpenRequest::new(trigger.clone().into(), view.clone()),
            ).unwrap();
            prop_assert_eq!(ours, theirs);
        }

        /// The command's `views.open` body, from the modal serialised once, is
        /// slack-morphism's request for the modal built afresh, whatever was typed (markup,
        /// quotes, control characters, Hangul, emoji, past the input's length), in both
        /// languages and under both approval rules.
        #[test]
        fn the_prebuilt_request_modal_body_is_slack_morphisms(
            trigger in "[0-9a-f.]{1,60}",
            typed in prop_oneof!["\\PC{0,80}", "[ \t\n\"\\\\<>&*_~`\u{0}-\u{1f}가-힣😀0-9]{0,120}"],
            english in any::<bool>(),
            required in 1u32..3,
            backdate in proptest::option::of(1u64..30),
        ) {
            let language = if english { Language::En } else { Language::Ko };
            let l = Locale::new(language, chrono_tz::Asia::Seoul);
            let rules = render::ApprovalRules {
                approvals_required: required,
                second_approval_backdate: backdate.map(|d| std::time::Duration::from_secs(d * 86_400)),
            };
            let template = render::RequestModalJson::new(l, rules).unwrap();
            let ours: serde_json::Value = serde_json::from_slice(
                &views_open_json(&trigger, &template.with_prefill(&typed)).unwrap(),
            ).unwrap();
            let theirs = serde_json::to_value(SlackApiViewsOpenRequest::new(
                trigger.clone().into(),
                render::request_modal(l, &typed, None, rules),
            )).unwrap();
            prop_assert_eq!(ours, theirs);
        }
    }

    /// The method names this file passes to `call`, read from its own source.
    fn called_here() -> Vec<String> {
        let src = include_str!("api.rs");
        let mut out = Vec::new();
        let mut rest = src;
        while let Some(at) = rest.find(".call(") {
            rest = &rest[at + ".call(".len()..];
            let arg = rest.trim_start();
            if let Some(name) = arg.strip_prefix('"').and_then(|a| a.split('"').next())
                && name.contains('.')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
            {
                out.push(name.to_owned());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn the_method_table_is_exactly_what_the_client_calls() {
        let mut table: Vec<String> = METHODS.iter().map(|(m, _)| (*m).to_owned()).collect();
        table.sort();
        assert_eq!(called_here(), table);
    }

    #[test]
    fn scopes_include_the_features_and_the_channel_pairs() {
        let s = bot_scopes();
        for want in ["commands", "chat:write", "users:read", "groups:read"] {
            assert!(s.contains(&want), "{want}");
        }
    }
}
