//! What Slack sends, read once into the bot's own typed inputs.
//!
//! Both transports hand over slack-morphism's events — the HTTP routes after verifying the
//! signature and parsing the body ([`parse_command`], [`parse_interaction`]), Socket Mode
//! as the listener's callbacks receive them — and both turn them into the same [`Inbound`]
//! here: a [`Command`], a [`Submission`], a [`Click`], a [`Shortcut`] or an [`Event`], with
//! the IDs typed and the
//! `action_id`s / `callback_id`s matched against [`super::ids`]. Past this module no code
//! looks into Slack's JSON, so the handlers behave the same whatever the transport.

use chrono::{DateTime, Utc};
use slack_morphism::prelude::*;

use super::ids::{ActionId, CallbackId, ShortcutId, parse_file_one_value};
use crate::domain::{PolicyId, RequestId, RiderId, SlackUserId};
use crate::service::access::Origin;
use crate::service::filing::RequestForm;

/// A signed body that is not a payload the bot can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed Slack payload: {0}")]
pub struct Malformed(pub &'static str);

/// Parses a slash command's form body.
pub fn parse_command(body: &[u8]) -> Result<SlackCommandEvent, Malformed> {
    serde_urlencoded::from_bytes(body).map_err(|_| Malformed("slash command form"))
}

#[derive(serde::Deserialize)]
struct InteractionForm {
    payload: String,
}

/// Parses an interaction's form body (`payload=` JSON).
pub fn parse_interaction(body: &[u8]) -> Result<SlackInteractionEvent, Malformed> {
    let form: InteractionForm =
        serde_urlencoded::from_bytes(body).map_err(|_| Malformed("interaction form"))?;
    serde_json::from_str(&form.payload).map_err(|_| Malformed("interaction payload"))
}

/// Parses an Events API body (JSON): `url_verification`, `event_callback` or
/// `app_rate_limited`.
pub fn parse_event(body: &[u8]) -> Result<SlackPushEvent, Malformed> {
    serde_json::from_slice(body).map_err(|_| Malformed("event body"))
}

/// Who sent a request and what kind it is, for its log span and metrics: a fixed `kind`
/// label and Slack's team and user IDs (not personal data in the contract's sense), and
/// where it says it comes from (workspace, the person's workspace, enterprise, app), which
/// the workspace rule checks before anything is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub kind: &'static str,
    pub team: String,
    pub user: String,
    pub origin: Origin,
}

/// The IDs of a request's origin that slack-morphism's types leave out (`api_app_id` on
/// commands and view submissions, the enterprise), read from the raw body. Socket Mode
/// needs none of them: its connection belongs to the app, and its envelopes are read as
/// slack-morphism hands them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct RawOrigin {
    api_app_id: Option<String>,
    enterprise_id: Option<String>,
    enterprise: Option<RawId>,
    user: Option<RawUser>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
struct RawId {
    id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
struct RawUser {
    team_id: Option<String>,
}

/// [`RawOrigin`] of a slash command's form body (nothing, if it does not read as one).
///
/// The form was parsed into the command already; of it, the origin is two fields
/// (`api_app_id`, `enterprise_id`), so only their pairs are decoded here (decoding every
/// value a second time was a tenth of a command's work: issue 17). The answer is
/// serde_urlencoded's for [`RawOrigin`], as a property test checks: a field given twice, or
/// `enterprise` or `user` (objects in the JSON payloads, never a form's), leave nothing.
pub fn command_origin(body: &[u8]) -> RawOrigin {
    let mut origin = RawOrigin::default();
    for pair in body.split(|&b| b == b'&') {
        let key = pair.split(|&b| b == b'=').next().unwrap_or_default();
        let slot = match key {
            b"api_app_id" => &mut origin.api_app_id,
            b"enterprise_id" => &mut origin.enterprise_id,
            b"enterprise" | b"user" => return RawOrigin::default(),
            _ => continue,
        };
        let Some((_, value)) = form_urlencoded::parse(pair).next() else {
            continue;
        };
        if slot.replace(value.into_owned()).is_some() {
            return RawOrigin::default();
        }
    }
    origin
}

/// [`RawOrigin`] of an interaction's form body (nothing, if it does not parse).
pub fn interaction_origin(body: &[u8]) -> RawOrigin {
    serde_urlencoded::from_bytes::<InteractionForm>(body)
        .ok()
        .and_then(|f| serde_json::from_str(&f.payload).ok())
        .unwrap_or_default()
}

/// One request from Slack, typed.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub identity: Identity,
    pub input: Input,
}

/// What the request asks for.
#[derive(Debug, Clone)]
pub enum Input {
    Command(Command),
    Submission(Submission),
    Click(Click),
    /// One of the app's shortcuts.
    Shortcut(Shortcut),
    /// An Events API event (HTTP or Socket Mode).
    Event(Event),
    /// Nothing the bot acts on (another kind of interaction, an unknown view or button, a
    /// button whose value is not the bot's): acknowledged, nothing done.
    Ignored,
}

/// `/expire-insurance <text>`.
#[derive(Debug, Clone)]
pub struct Command {
    pub user: SlackUserId,
    pub channel: String,
    /// What was typed after the command, trimmed.
    pub text: String,
    pub trigger_id: String,
}

/// A modal submitted.
#[derive(Debug, Clone)]
pub enum Submission {
    /// The request form.
    Request {
        user: SlackUserId,
        form: RequestForm,
    },
    /// The policy choice step.
    Choice {
        user: SlackUserId,
        metadata: Option<String>,
        /// The modal's ID (see [`RequestForm::view_id`]).
        view_id: Option<String>,
        /// The chosen option's value, when it is a policy ID.
        chosen: Option<PolicyId>,
    },
    /// The reject form.
    Reject {
        user: SlackUserId,
        metadata: Option<String>,
        reason: String,
    },
}

/// A button clicked.
#[derive(Debug, Clone)]
pub struct Click {
    pub user: SlackUserId,
    /// Where the button was (`None`: Slack did not say).
    pub channel: Option<String>,
    pub trigger_id: String,
    /// Slack says this is a redelivery of a click it already sent. Only HTTP carries this
    /// (`X-Slack-Retry-Num`): Socket Mode's interactive and slash-command envelopes have no
    /// retry fields (only Events API envelopes do), so there it is always `false`.
    pub retry: bool,
    pub action: ClickAction,
}

/// A shortcut used: the global one (the ⚡ menu), or the message one (a message's "More
/// actions"), each by its `callback_id` ([`ShortcutId`]).
#[derive(Debug, Clone)]
pub struct Shortcut {
    pub user: SlackUserId,
    /// Opens a modal within 3 s of the shortcut; a shortcut has no channel to answer in.
    pub trigger_id: String,
    pub kind: ShortcutKind,
}

/// Which shortcut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShortcutKind {
    /// "Expire insurance": the request modal.
    Global,
    /// "Expire insurance from this message": the request modal, its reason prefilled from
    /// this message.
    Message(SourceMessage),
}

/// The message a message shortcut was used on. Its text is whatever someone posted (it may
/// hold a rider's phone or birth date): its `Debug` shows its length only, so no log line
/// of an input can carry it.
#[derive(Clone, PartialEq, Eq)]
pub struct SourceMessage {
    /// Where it is (`None`: Slack did not say; no permalink then).
    pub channel: Option<String>,
    pub ts: Option<String>,
    /// Its text as Slack sends it (mrkdwn-escaped), empty when it has none.
    pub text: String,
}

impl std::fmt::Debug for SourceMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceMessage")
            .field("channel", &self.channel)
            .field("ts", &self.ts)
            .field("text_chars", &self.text.chars().count())
            .finish()
    }
}

/// One Events API delivery: its `event_id` (the same on every redelivery) and what it says.
#[derive(Debug, Clone)]
pub struct Event {
    pub event_id: String,
    pub kind: EventKind,
}

/// The Events API event types the bot acts on ([`Inbound::event`] reads these and no
/// other): what the manifests subscribe to as `bot_events`, held to it by a test.
pub const BOT_EVENTS: &[&str] = &["app_home_opened"];

/// The events the bot acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// `app_home_opened` on the Home tab: publish the viewer's Home view.
    HomeOpened { user: SlackUserId },
    /// Anything else (the Messages tab, an event the bot is not subscribed to): taken,
    /// nothing done.
    Other,
}

/// Which button, with what its value says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClickAction {
    Approve(RequestId),
    Reject(RequestId),
    /// The requester withdraws their request.
    Withdraw(RequestId),
    /// The digest's "File request…" on one rider.
    DigestFileOne {
        rider: RiderId,
        withdrawn_at: Option<DateTime<Utc>>,
    },
    /// The digest's "File requests for all", for the digest of this slot.
    DigestFileAll {
        slot: DateTime<Utc>,
    },
}

impl Inbound {
    /// Completes the origin with what only the raw body says.
    pub fn with_origin(mut self, raw: RawOrigin) -> Inbound {
        let o = &mut self.identity.origin;
        if raw.api_app_id.is_some() {
            o.app = raw.api_app_id;
        }
        let enterprise = raw
            .enterprise_id
            .or(raw.enterprise.and_then(|e| e.id))
            .filter(|e| !e.is_empty());
        if enterprise.is_some() {
            o.enterprise = enterprise;
        }
        if let Some(t) = raw.user.and_then(|u| u.team_id) {
            o.user_team = Some(t);
        }
        self
    }

    /// A slash command.
    pub fn command(cmd: SlackCommandEvent) -> Inbound {
        let identity = Identity {
            kind: "command",
            team: cmd.team_id.to_string(),
            user: cmd.user_id.to_string(),
            origin: Origin {
                team: Some(cmd.team_id.to_string()),
                ..Origin::default()
            },
        };
        let input = Input::Command(Command {
            user: SlackUserId::new(cmd.user_id.to_string()),
            channel: cmd.channel_id.to_string(),
            text: cmd.text.as_deref().unwrap_or("").trim().to_owned(),
            trigger_id: cmd.trigger_id.to_string(),
        });
        Inbound { identity, input }
    }

    /// An Events API delivery. Redeliveries are recognised by their `event_id` (see
    /// `service::events`), so the transport's retry flag is not needed.
    pub fn event(cb: SlackPushEventCallback) -> Inbound {
        let kind = match &cb.event {
            SlackEventCallbackBody::AppHomeOpened(e) if e.tab.as_deref() == Some("home") => {
                EventKind::HomeOpened {
                    user: SlackUserId::new(e.user.to_string()),
                }
            }
            _ => EventKind::Other,
        };
        let user = match &kind {
            EventKind::HomeOpened { user } => user.as_str().to_owned(),
            EventKind::Other => String::new(),
        };
        Inbound {
            identity: Identity {
                kind: "event",
                team: cb.team_id.to_string(),
                user,
                origin: Origin {
                    team: Some(cb.team_id.to_string()),
                    app: Some(cb.api_app_id.to_string()),
                    ..Origin::default()
                },
            },
            input: Input::Event(Event {
                event_id: cb.event_id.to_string(),
                kind,
            }),
        }
    }

    /// An interaction; `retry` as the transport knows it.
    pub fn interaction(event: SlackInteractionEvent, retry: bool) -> Inbound {
        match event {
            SlackInteractionEvent::ViewSubmission(sub) => Inbound {
                identity: Identity {
                    kind: "view_submission",
                    team: sub.team.id.to_string(),
                    user: sub.user.id.to_string(),
                    origin: Origin {
                        team: Some(sub.team.id.to_string()),
                        user_team: sub.user.team_id.as_ref().map(ToString::to_string),
                        enterprise: None,
                        app: sub
                            .view
                            .state_params
                            .app_id
                            .as_ref()
                            .map(ToString::to_string),
                    },
                },
                input: submission(&sub).map_or(Input::Ignored, Input::Submission),
            },
            SlackInteractionEvent::BlockActions(act) => Inbound {
                identity: Identity {
                    kind: "block_actions",
                    team: act.team.id.to_string(),
                    user: act
                        .user
                        .as_ref()
                        .map(|u| u.id.to_string())
                        .unwrap_or_default(),
                    origin: Origin {
                        team: Some(act.team.id.to_string()),
                        user_team: act
                            .user
                            .as_ref()
                            .and_then(|u| u.team_id.as_ref())
                            .map(ToString::to_string),
                        enterprise: None,
                        app: Some(act.api_app_id.to_string()),
                    },
                },
                input: click(&act, retry).map_or(Input::Ignored, Input::Click),
            },
            SlackInteractionEvent::Shortcut(sc) => {
                let kind = (ShortcutId::parse(sc.callback_id.as_ref())
                    == Some(ShortcutId::ExpireInsurance))
                .then_some(ShortcutKind::Global);
                shortcut("shortcut", &sc.team, &sc.user, &sc.trigger_id, kind)
            }
            SlackInteractionEvent::MessageAction(ma) => {
                let kind = (ShortcutId::parse(ma.callback_id.as_ref())
                    == Some(ShortcutId::ExpireFromMessage))
                .then(|| {
                    ShortcutKind::Message(SourceMessage {
                        channel: ma.channel.as_ref().map(|c| c.id.to_string()),
                        ts: ma.message.as_ref().map(|m| m.origin.ts.to_string()),
                        text: ma
                            .message
                            .as_ref()
                            .and_then(|m| m.content.text.clone())
                            .unwrap_or_default(),
                    })
                });
                shortcut("message_action", &ma.team, &ma.user, &ma.trigger_id, kind)
            }
            _ => Inbound {
                identity: Identity {
                    kind: "other_interaction",
                    team: String::new(),
                    user: String::new(),
                    origin: Origin::default(),
                },
                input: Input::Ignored,
            },
        }
    }
}

/// A shortcut's [`Inbound`]: its origin as the other interactions' (the workspace, the
/// person's workspace; the app and enterprise from the raw body over HTTP), and the input
/// only for a shortcut of ours of the right type (`None`: acknowledged, nothing done).
fn shortcut(
    kind_label: &'static str,
    team: &SlackBasicTeamInfo,
    user: &SlackBasicUserInfo,
    trigger_id: &SlackTriggerId,
    kind: Option<ShortcutKind>,
) -> Inbound {
    Inbound {
        identity: Identity {
            kind: kind_label,
            team: team.id.to_string(),
            user: user.id.to_string(),
            origin: Origin {
                team: Some(team.id.to_string()),
                user_team: user.team_id.as_ref().map(ToString::to_string),
                enterprise: None,
                app: None,
            },
        },
        input: kind.map_or(Input::Ignored, |kind| {
            Input::Shortcut(Shortcut {
                user: SlackUserId::new(user.id.to_string()),
                trigger_id: trigger_id.to_string(),
                kind,
            })
        }),
    }
}

fn state_value(view: &SlackStatefulView, block: ActionId) -> Option<&SlackViewStateValue> {
    view.state_params
        .state
        .as_ref()?
        .values
        .get(&SlackBlockId(block.as_str().to_owned()))?
        .get(&SlackActionId(block.as_str().to_owned()))
}

fn text_value(view: &SlackStatefulView, block: ActionId) -> String {
    state_value(view, block)
        .and_then(|v| v.value.clone())
        .unwrap_or_default()
}

fn submission(sub: &SlackInteractionViewSubmissionEvent) -> Option<Submission> {
    let user = SlackUserId::new(sub.user.id.to_string());
    let view = &sub.view;
    let (callback, metadata) = match &view.view {
        SlackView::Modal(m) => (&m.callback_id, &m.private_metadata),
        SlackView::Home(h) => (&h.callback_id, &h.private_metadata),
    };
    let metadata = metadata.clone();
    // Slack keeps a modal's ID through `response_action: update`, so both steps of the
    // request modal carry the same one; the root view's ID, when there is one, names the
    // modal whatever was pushed onto it.
    let view_id = view
        .state_params
        .root_view_id
        .as_ref()
        .unwrap_or(&view.state_params.id)
        .to_string();
    Some(match CallbackId::parse(callback.as_ref()?.as_ref())? {
        CallbackId::Request => Submission::Request {
            user,
            form: RequestForm {
                query: text_value(view, ActionId::RiderQuery),
                cancelled_at: state_value(view, ActionId::CancelledAt)
                    .and_then(|v| v.selected_date_time.as_ref())
                    .map(|d| d.0),
                reason: text_value(view, ActionId::Reason),
                view_id: Some(view_id.clone()),
            },
        },
        CallbackId::ChoosePolicy => Submission::Choice {
            user,
            metadata,
            view_id: Some(view_id),
            chosen: state_value(view, ActionId::Policy)
                .and_then(|v| v.selected_option.as_ref())
                .and_then(|o| o.value.parse::<i64>().ok())
                .map(PolicyId),
        },
        CallbackId::Reject => Submission::Reject {
            user,
            metadata,
            reason: text_value(view, ActionId::RejectReason),
        },
    })
}

fn click(act: &SlackInteractionBlockActionsEvent, retry: bool) -> Option<Click> {
    let user = SlackUserId::new(act.user.as_ref()?.id.to_string());
    let info = act.actions.as_ref()?.first()?;
    let value = info.value.as_deref().unwrap_or_default();
    let request_id = || value.parse::<i64>().ok().map(RequestId);
    let action = match ActionId::parse(info.action_id.as_ref())? {
        ActionId::Approve => ClickAction::Approve(request_id()?),
        ActionId::Reject => ClickAction::Reject(request_id()?),
        ActionId::Withdraw => ClickAction::Withdraw(request_id()?),
        ActionId::DigestFileOne => {
            let (rider, withdrawn_at) = parse_file_one_value(value)?;
            ClickAction::DigestFileOne {
                rider,
                withdrawn_at,
            }
        }
        ActionId::DigestFileAll => ClickAction::DigestFileAll {
            slot: value
                .parse::<i64>()
                .ok()
                .and_then(|s| DateTime::from_timestamp(s, 0))?,
        },
        _ => return None,
    };
    Some(Click {
        user,
        channel: act.channel.as_ref().map(|c| c.id.to_string()),
        trigger_id: act.trigger_id.to_string(),
        retry,
        action,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The command's origin is what serde_urlencoded reads as [`RawOrigin`], for forms of
        /// Slack's fields and others, in any order, given twice or not at all, with values
        /// percent-encoded or not.
        #[test]
        fn the_command_origin_is_serdes(
            pairs in proptest::collection::vec((
                prop_oneof![
                    Just("api_app_id"), Just("enterprise_id"), Just("team_id"), Just("text"),
                    Just("enterprise"), Just("user"), Just("api_app_idx"), Just(""),
                ],
                "[A-Za-z0-9 %+&=_.가😀-]{0,12}",
                any::<bool>(),
            ), 0..8),
        ) {
            let body = pairs
                .iter()
                .map(|(k, v, encode)| {
                    let v = if *encode {
                        form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
                    } else {
                        v.clone()
                    };
                    format!("{k}={v}")
                })
                .collect::<Vec<_>>()
                .join("&");
            let theirs: RawOrigin = serde_urlencoded::from_bytes(body.as_bytes()).unwrap_or_default();
            prop_assert_eq!(command_origin(body.as_bytes()), theirs, "{}", body);
        }
    }

    /// Every event type of [`BOT_EVENTS`] is one the parser acts on (so a subscription
    /// added to the manifests without a parser, or the other way round, fails here or in
    /// the manifest test).
    #[test]
    fn every_subscribed_event_is_acted_on() {
        for kind in BOT_EVENTS {
            let body = serde_json::json!({
                "token": "t", "team_id": "T0TEAM", "api_app_id": "A0APP", "type": "event_callback",
                "event_id": "Ev1", "event_time": 1_700_000_000,
                "event": {"type": kind, "user": "U1", "channel": "D1", "tab": "home", "event_ts": "1700000000.000100"}
            });
            let SlackPushEvent::EventCallback(cb) =
                parse_event(body.to_string().as_bytes()).unwrap()
            else {
                panic!("{kind}: not an event callback");
            };
            let Input::Event(e) = Inbound::event(cb).input else {
                panic!("{kind}: not an event");
            };
            assert_ne!(
                e.kind,
                EventKind::Other,
                "{kind} is subscribed but not acted on"
            );
        }
    }
}
