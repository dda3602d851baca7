//! Socket Mode: the same handlers, reached over Slack's WebSocket instead of public HTTP.
//!
//! For teams without a public URL. slack-morphism's listener opens the connection with
//! `apps.connections.open` (through `SLACK_API_URL`), reconnects when it drops, and
//! acknowledges each envelope with whatever the handler returns — so a view submission's
//! `response_action` travels in the ack exactly as it would in an HTTP answer. Its callbacks
//! are plain function pointers; the [`App`] reaches them through the listener's user state.
//! Each envelope's [`Deadline`] starts when its callback is called, so the acknowledgement
//! leaves within the same 2.5 s as an HTTP answer.

use std::sync::Arc;

use secrecy::ExposeSecret;
use slack_morphism::prelude::*;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{Reply, commands, interactions};
use crate::app::App;
use crate::deadline::Deadline;

type Client = SlackHyperClient;

/// Connects and serves until `shutdown` is cancelled.
pub async fn run(app: Arc<App>, shutdown: CancellationToken) {
    let Some(app_token) = app.config.app_token.clone() else {
        return;
    };
    let callbacks = SlackSocketModeListenerCallbacks::new()
        .with_command_events(on_command)
        .with_interaction_events(on_interaction);
    let env = Arc::new(
        SlackClientEventsListenerEnvironment::new(app.slack.client())
            .with_error_handler(on_error)
            .with_user_state(app.clone()),
    );
    let listener =
        SlackClientSocketModeListener::new(&SlackClientSocketModeConfig::new(), env, callbacks);
    let token = SlackApiToken::new(SlackApiTokenValue(app_token.expose_secret().to_owned()));
    if let Err(e) = listener.listen_for(&token).await {
        tracing::error!(error = %super::api::client_error_code(&e), "Socket Mode could not connect");
        return;
    }
    listener.start().await;
    tracing::info!("Socket Mode listener started (it connects, and reconnects, in the background)");
    shutdown.cancelled().await;
    listener.shutdown().await;
}

async fn app_of(states: &SlackClientEventsUserState) -> Option<Arc<App>> {
    states.read().await.get_user_state::<Arc<App>>().cloned()
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let deadline = Deadline::starting_now();
    let Some(app) = app_of(&states).await else {
        return Ok(SlackCommandEventResponse::new(SlackMessageContent::new()));
    };
    // Socket Mode envelopes carry an ID, but slack-morphism does not hand it to callbacks;
    // the request gets a fresh one like an HTTP request without `X-Request-Id`.
    let span = crate::telemetry::slack_request_span(
        "command",
        "socket",
        event.team_id.as_ref(),
        event.user_id.as_ref(),
        &crate::telemetry::request_id(None),
    );
    let reply = commands::handle(&app, event, deadline)
        .instrument(span)
        .await;
    metrics::counter!("expire_bot_slack_requests_total", "kind" => "command", "transport" => "socket", "outcome" => "ok").increment(1);
    Ok(match reply {
        Reply::Ephemeral(text) => {
            SlackCommandEventResponse::new(SlackMessageContent::new().with_text(text))
                .with_response_type(SlackMessageResponseType::Ephemeral)
        }
        _ => SlackCommandEventResponse::new(SlackMessageContent::new()),
    })
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackInteractionResponse> {
    let deadline = Deadline::starting_now();
    let Some(app) = app_of(&states).await else {
        return Ok(SlackInteractionResponse::Empty);
    };
    let (kind, team, user) = super::interaction_identity(&event);
    let span = crate::telemetry::slack_request_span(
        kind,
        "socket",
        &team,
        &user,
        &crate::telemetry::request_id(None),
    );
    let reply = interactions::handle(&app, event, false, deadline)
        .instrument(span)
        .await;
    metrics::counter!("expire_bot_slack_requests_total", "kind" => kind, "transport" => "socket", "outcome" => "ok").increment(1);
    Ok(match reply {
        Reply::View(v) => SlackInteractionResponse::ViewSubmission(*v),
        _ => SlackInteractionResponse::Empty,
    })
}

fn on_error(
    err: Box<dyn std::error::Error + Send + Sync>,
    _client: Arc<Client>,
    _states: SlackClientEventsUserState,
) -> HttpStatusCode {
    tracing::warn!(error = %crate::telemetry::chain(err.as_ref()), "Socket Mode error");
    HttpStatusCode::OK
}
