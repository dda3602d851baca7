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
//!
//! An envelope that does not parse reaches [`on_error`] with its whole body inside the
//! error (slack-morphism's `Display` of it prints the body): what an agent typed, a phone
//! number, a name. So the error is never displayed: only the kind of parse error and where
//! in the body it happened are logged. Events API envelopes (the app subscribes to none)
//! get a callback that ignores them, so slack-morphism's "no callback" warning, which
//! prints the event, never fires either.

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

/// What an error slack-morphism hands the error handler may be logged as: its kind, and for
/// a body that does not parse, where (never the error's text, which carries the body).
fn describe(
    err: &(dyn std::error::Error + 'static),
) -> (&'static str, Option<usize>, Option<usize>) {
    use slack_morphism::errors::{SlackClientError, SlackClientProtocolError};
    let parse = |p: &SlackClientProtocolError| {
        use serde_json::error::Category;
        let kind = match p.json_error.classify() {
            Category::Io => "io",
            Category::Syntax => "syntax",
            Category::Data => "data",
            Category::Eof => "eof",
        };
        (kind, Some(p.json_error.line()), Some(p.json_error.column()))
    };
    // slack-morphism hands over an envelope that did not parse as the protocol error
    // itself, and its other errors as a SlackClientError.
    if let Some(p) = err.downcast_ref::<SlackClientProtocolError>() {
        return parse(p);
    }
    match err.downcast_ref::<SlackClientError>() {
        Some(SlackClientError::ProtocolError(p)) => parse(p),
        Some(SlackClientError::SocketModeProtocolError(_)) => ("socket_protocol", None, None),
        Some(SlackClientError::SystemError(_)) => ("system", None, None),
        Some(_) => ("slack_client", None, None),
        None => ("other", None, None),
    }
}

fn on_error(
    err: Box<dyn std::error::Error + Send + Sync>,
    _client: Arc<Client>,
    _states: SlackClientEventsUserState,
) -> HttpStatusCode {
    let (kind, line, column) = describe(err.as_ref());
    match (line, column) {
        (Some(line), Some(column)) => tracing::warn!(
            kind,
            line,
            column,
            "Socket Mode envelope could not be read; acknowledged, nothing done"
        ),
        _ => tracing::warn!(kind, "Socket Mode error"),
    }
    metrics::counter!("expire_bot_socket_mode_errors_total", "kind" => kind).increment(1);
    HttpStatusCode::OK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_that_does_not_parse_is_described_without_its_text() {
        let body = r#"{"payload":{"user_id":42,"text":"01099998888 홍길동"}}"#;
        // Read as slack-morphism reads a payload's strings: the number is a data error.
        let json_error = serde_json::from_str::<
            std::collections::HashMap<String, std::collections::HashMap<String, String>>,
        >(body)
        .expect_err("does not parse");
        // As slack-morphism's listener hands it to the error handler.
        let boxed: Box<dyn std::error::Error + Send + Sync> =
            slack_morphism::errors::SlackClientProtocolError::new(json_error)
                .with_json_body(body.to_owned())
                .into();
        let (kind, line, column) = describe(boxed.as_ref());
        assert_eq!(kind, "data");
        assert_eq!(line, Some(1));
        assert!(column.is_some());
    }
}
