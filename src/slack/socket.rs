//! Socket Mode: the same handlers, reached over Slack's WebSocket instead of public HTTP.
//!
//! For teams without a public URL. slack-morphism's listener opens the connection with
//! `apps.connections.open` (through `SLACK_API_URL`), reconnects when it drops, and
//! acknowledges each envelope with whatever the handler returns — so a view submission's
//! `response_action` travels in the ack exactly as it would in an HTTP answer. Its callbacks
//! are plain function pointers; the handlers' [`Ctx`] reaches them through the listener's
//! user state. Each envelope is read into the same typed [`Inbound`] as an HTTP request and
//! goes through the same [`serve`] path (span, deadline, metrics, access log); its deadline
//! starts when its callback is called, so the acknowledgement leaves within the same 2.5 s.
//!
//! Events API envelopes (`app_home_opened`) take the same path as over HTTP: each is
//! claimed by its `event_id` first, so an event Slack redelivers over the socket, or
//! delivers to two connected instances, is handled once.
//!
//! Slack puts retry information only on Events API envelopes (`retry_attempt`), not on
//! interactive or slash-command ones, and slack-morphism hands callbacks the payload alone:
//! a Socket Mode click is therefore never known to be a redelivery (`retry = false`).

use std::sync::Arc;
use std::time::Instant;

use secrecy::{ExposeSecret, SecretString};
use slack_morphism::prelude::*;
use tokio_util::sync::CancellationToken;

use super::api::SlackApi;
use super::handlers::{Ctx, Reply, Transport, serve};
use super::payload::Inbound;

type Client = SlackHyperClient;

/// Connects with `app_token` and serves until `shutdown` is cancelled.
pub async fn run(
    ctx: Arc<Ctx>,
    slack: SlackApi,
    app_token: SecretString,
    shutdown: CancellationToken,
) {
    let callbacks = SlackSocketModeListenerCallbacks::new()
        .with_command_events(on_command)
        .with_interaction_events(on_interaction)
        .with_push_events(on_push);
    let env = Arc::new(
        SlackClientEventsListenerEnvironment::new(slack.client())
            .with_error_handler(on_error)
            .with_user_state(ctx),
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

async fn ctx_of(states: &SlackClientEventsUserState) -> Option<Arc<Ctx>> {
    states.read().await.get_user_state::<Arc<Ctx>>().cloned()
}

/// A fresh request ID: Socket Mode envelopes carry an ID, but slack-morphism does not hand
/// it to callbacks; the request gets one like an HTTP request without `X-Request-Id`.
fn request_id() -> String {
    crate::telemetry::request_id(None)
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let arrived = Instant::now();
    let Some(ctx) = ctx_of(&states).await else {
        return Ok(SlackCommandEventResponse::new(SlackMessageContent::new()));
    };
    let reply = serve(
        &ctx,
        Inbound::command(event),
        Transport::Socket,
        &request_id(),
        arrived,
    )
    .await;
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
    let arrived = Instant::now();
    let Some(ctx) = ctx_of(&states).await else {
        return Ok(SlackInteractionResponse::Empty);
    };
    let reply = serve(
        &ctx,
        Inbound::interaction(event, false),
        Transport::Socket,
        &request_id(),
        arrived,
    )
    .await;
    Ok(match reply {
        Reply::View(v) => SlackInteractionResponse::ViewSubmission(*v),
        _ => SlackInteractionResponse::Empty,
    })
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let arrived = Instant::now();
    if let Some(ctx) = ctx_of(&states).await {
        serve(
            &ctx,
            Inbound::event(event),
            Transport::Socket,
            &request_id(),
            arrived,
        )
        .await;
    }
    Ok(())
}

fn on_error(
    err: Box<dyn std::error::Error + Send + Sync>,
    _client: Arc<Client>,
    _states: SlackClientEventsUserState,
) -> HttpStatusCode {
    tracing::warn!(error = %crate::telemetry::chain(err.as_ref()), "Socket Mode error");
    HttpStatusCode::OK
}
