//! Request bodies shaped exactly as Slack sends them, for acting as Slack: the slash
//! command form, and the `payload=` JSON of `view_submission`, `block_actions`, and the
//! shortcuts' `shortcut` and `message_action`.
//!
//! They live in the test kit, not in the tests, because two callers need the same shapes:
//! the integration tests and `expire-bot demo`, which drives the real HTTP handlers with
//! signed requests. Keeping one copy means the demo cannot drift from what the tests prove.
//! The modals' blocks come from the bot's own renderers, as Slack echoes them back.

use serde_json::{Value, json};

use crate::domain::RequestId;
use crate::i18n::{Language, Locale};
use crate::slack::ids::ActionId;
use crate::slack::render;

/// The workspace the fixtures pretend to come from.
pub const TEAM: &str = "T0TEAM";
/// The trigger every fixture slash command carries (`views.open` must be called with it).
pub const COMMAND_TRIGGER_ID: &str = "13345224609.738474920.8088930838d88f008e0";
/// The trigger every fixture shortcut carries.
pub const SHORTCUT_TRIGGER_ID: &str = "944799105734.773906753841.38b5894552bdd4a780554ee59d1f3638";
/// Where the fixture message shortcut's message is, and its `ts`.
pub const SHORTCUT_CHANNEL: &str = "C0CXDESK";
pub const SHORTCUT_MESSAGE_TS: &str = "1700000100.000300";
/// The `ts` fixture clicks claim their message has.
pub const CLICKED_MESSAGE_TS: &str = "1700000000.000001";

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The fields of the slash command `/expire-insurance <text>`, in Slack's order. The HTTP
/// transport form-encodes them; Socket Mode sends them as a JSON object of strings.
pub fn slash_command_fields(user: &str, text: &str) -> Vec<(&'static str, String)> {
    vec![
        ("token", "gIkuvaNzQIHg97ATvDxqgjtO".to_owned()),
        ("team_id", TEAM.to_owned()),
        ("team_domain", "acme".to_owned()),
        ("enterprise_id", String::new()),
        ("enterprise_name", String::new()),
        ("channel_id", "C0CXDESK".to_owned()),
        ("channel_name", "cx-desk".to_owned()),
        ("user_id", user.to_owned()),
        ("user_name", user.to_lowercase()),
        ("command", "/expire-insurance".to_owned()),
        ("text", text.to_owned()),
        ("api_app_id", "A0APP".to_owned()),
        ("is_enterprise_install", "false".to_owned()),
        (
            "response_url",
            format!("https://hooks.slack.com/commands/{TEAM}/1234/abcd"),
        ),
        ("trigger_id", COMMAND_TRIGGER_ID.to_owned()),
    ]
}

/// The form Slack posts for `/expire-insurance <text>`.
pub fn slash_command(user: &str, text: &str) -> String {
    slash_command_fields(user, text)
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The same command as the JSON object Socket Mode puts in a `slash_commands` envelope.
pub fn slash_command_json(user: &str, text: &str) -> Value {
    Value::Object(
        slash_command_fields(user, text)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::String(v)))
            .collect(),
    )
}

/// The `payload=` form wrapping an interaction.
pub fn form(payload: &Value) -> String {
    format!("payload={}", enc(&payload.to_string()))
}

fn user(id: &str) -> Value {
    json!({"id": id, "username": id.to_lowercase(), "name": id.to_lowercase(), "team_id": TEAM})
}

/// Numbers the fixture modals: Slack gives every opened modal an ID of its own (and keeps it
/// through `response_action: update`), and filing is once per view.
static NEXT_VIEW: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn view_envelope(callback_id: &str, blocks: Value, private_metadata: &str, values: Value) -> Value {
    let id = format!(
        "V0MODAL{}",
        NEXT_VIEW.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    json!({
        "id": id,
        "team_id": TEAM,
        "type": "modal",
        "blocks": blocks,
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {"values": values},
        "hash": "1700000000.AbCdEfGh",
        "title": {"type": "plain_text", "text": "Expire insurance", "emoji": true},
        "clear_on_close": false,
        "notify_on_close": false,
        "close": {"type": "plain_text", "text": "Cancel", "emoji": true},
        "submit": {"type": "plain_text", "text": "Look up", "emoji": true},
        "previous_view_id": null,
        "root_view_id": id,
        "app_id": "A0APP",
        "external_id": "",
        "app_installed_team_id": TEAM,
        "bot_id": "B0BOT"
    })
}

fn submission(user_id: &str, view: Value) -> Value {
    json!({
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "acme"},
        "user": user(user_id),
        "api_app_id": "A0APP",
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "trigger_id": "12466734323.1395872398.8ad69c3c7d2a4f5b1b5e8e4c2f1e0a9b",
        "view": view,
        "response_urls": [],
        "is_enterprise_install": false,
        "enterprise": null
    })
}

/// The language of the modal blocks a submission echoes. The bot reads only a submission's
/// `state.values` and `private_metadata`, never the echoed blocks' words, so one language
/// (the default) serves every test whatever `UI_LANGUAGE` the bot runs with.
fn echoed() -> Locale {
    Locale::new(Language::default(), chrono_tz::Asia::Seoul)
}

/// Submitting the request modal. The blocks are the bot's own modal, as Slack echoes them.
pub fn request_submission(user_id: &str, query: &str, cancelled_at: i64, reason: &str) -> Value {
    let modal = serde_json::to_value(render::request_modal(
        echoed(),
        query,
        None,
        render::ApprovalRules::default(),
    ))
    .unwrap_or_default();
    let values = json!({
        "rider_query": {"rider_query": {"type": "plain_text_input", "value": query}},
        "cancelled_at": {"cancelled_at": {"type": "datetimepicker", "selected_date_time": cancelled_at}},
        "reason": {"reason": {"type": "plain_text_input", "value": reason}}
    });
    submission(
        user_id,
        view_envelope("expiry_request", modal["blocks"].clone(), "", values),
    )
}

/// Submitting the choice step the bot answered with (`response_action: update`).
pub fn choice_submission(user_id: &str, choice_view: &Value, policy_id: i64) -> Value {
    let element_type = choice_view["blocks"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["block_id"] == "policy"))
        .and_then(|b| b["element"]["type"].as_str())
        .unwrap_or("radio_buttons")
        .to_owned();
    let values = json!({
        "policy": {"policy": {
            "type": element_type,
            "selected_option": {"text": {"type": "plain_text", "text": "policy", "emoji": true}, "value": policy_id.to_string()}
        }}
    });
    submission(
        user_id,
        view_envelope(
            "expiry_choose_policy",
            choice_view["blocks"].clone(),
            choice_view["private_metadata"].as_str().unwrap_or(""),
            values,
        ),
    )
}

/// Submitting the reject modal.
pub fn reject_submission(user_id: &str, request_id: i64, reason: &str) -> Value {
    let metadata = json!({"request_id": request_id}).to_string();
    let modal = serde_json::to_value(render::reject_modal(
        echoed(),
        RequestId(request_id),
        metadata.clone(),
    ))
    .unwrap_or_default();
    let values =
        json!({"reject_reason": {"reject_reason": {"type": "plain_text_input", "value": reason}}});
    submission(
        user_id,
        view_envelope("expiry_reject", modal["blocks"].clone(), &metadata, values),
    )
}

/// A `block_actions` payload: `user_id` clicked `action` (one element of Slack's `actions`)
/// in a message of ours titled `title`, posted to `channel`.
fn block_actions(channel: &str, user_id: &str, title: &str, action: Value) -> Value {
    json!({
        "type": "block_actions",
        "user": user(user_id),
        "api_app_id": "A0APP",
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "container": {"type": "message", "message_ts": CLICKED_MESSAGE_TS, "channel_id": channel, "is_ephemeral": false},
        "trigger_id": "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3",
        "team": {"id": TEAM, "domain": "acme"},
        "enterprise": null,
        "is_enterprise_install": false,
        "channel": {"id": channel, "name": "approvals"},
        "message": {
            "bot_id": "B0BOT", "type": "message", "text": title, "user": "U0BOT",
            "ts": CLICKED_MESSAGE_TS, "app_id": "A0APP", "team": TEAM,
            "blocks": [{"type": "section", "block_id": "head", "text": {"type": "mrkdwn", "text": format!("*{title}*"), "verbatim": false}}]
        },
        "state": {"values": {}},
        "response_url": "https://hooks.slack.com/actions/T0TEAM/1/abc",
        "actions": [action]
    })
}

/// A click on Approve or Reject in the approval message posted to `channel`.
pub fn button_click(channel: &str, user_id: &str, action_id: &str, request_id: i64) -> Value {
    let approve = action_id == ActionId::Approve.as_str();
    block_actions(
        channel,
        user_id,
        "Insurance expiry request",
        json!({
            "action_id": action_id,
            "block_id": format!("decide_{request_id}"),
            "text": {"type": "plain_text", "text": if approve { "Approve" } else { "Reject" }, "emoji": true},
            "value": request_id.to_string(),
            "style": if approve { "primary" } else { "danger" },
            "type": "button",
            "action_ts": "1700000001.000200"
        }),
    )
}

/// An `app_home_opened` event on the Home tab of `user_id`, as the Events API delivers it.
pub fn home_opened(user_id: &str, event_id: &str) -> Value {
    json!({
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "team_id": TEAM,
        "api_app_id": "A0APP",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1_700_000_100,
        "authorizations": [{"enterprise_id": null, "team_id": TEAM, "user_id": "U0BOT", "is_bot": true, "is_enterprise_install": false}],
        "is_ext_shared_channel": false,
        "event": {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D0HOMETAB",
            "tab": "home",
            "event_ts": "1700000100.000100"
        }
    })
}

/// A click on Approve or Reject in the Home tab of `user_id`: the container is the view
/// (`view_id`), there is no channel and no message.
pub fn home_button_click(user_id: &str, action_id: &str, request_id: i64, view_id: &str) -> Value {
    let mut click = button_click("C0UNUSED", user_id, action_id, request_id);
    if let Some(obj) = click.as_object_mut() {
        obj.remove("channel");
        obj.remove("message");
        obj.remove("response_url");
        obj.insert(
            "container".into(),
            json!({"type": "view", "view_id": view_id}),
        );
        if let Some(a) = obj.get_mut("actions").and_then(|a| a.get_mut(0)) {
            a["block_id"] = json!(format!("home_decide_{request_id}"));
        }
    }
    click
}

/// The global shortcut `callback_id` used by `user_id` from the ⚡ menu (`type: shortcut`),
/// as Slack sends it: no channel, no message, no `response_url`.
pub fn global_shortcut(user_id: &str, callback_id: &str) -> Value {
    json!({
        "type": "shortcut",
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "action_ts": "1700000100.123456",
        "team": {"id": TEAM, "domain": "acme"},
        "user": user(user_id),
        "is_enterprise_install": false,
        "enterprise": null,
        "callback_id": callback_id,
        "trigger_id": SHORTCUT_TRIGGER_ID
    })
}

/// The message shortcut `callback_id` used by `user_id` on a message by `author` saying
/// `text` in [`SHORTCUT_CHANNEL`] (`type: message_action`), as Slack sends it: the message
/// whole (its `text`, its rich-text blocks), the channel, a `response_url`.
pub fn message_shortcut(user_id: &str, callback_id: &str, author: &str, text: &str) -> Value {
    json!({
        "type": "message_action",
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "action_ts": "1700000200.654321",
        "team": {"id": TEAM, "domain": "acme"},
        "user": user(user_id),
        "channel": {"id": SHORTCUT_CHANNEL, "name": "cx-desk"},
        "is_enterprise_install": false,
        "enterprise": null,
        "callback_id": callback_id,
        "trigger_id": SHORTCUT_TRIGGER_ID,
        "message_ts": SHORTCUT_MESSAGE_TS,
        "message": {
            "type": "message",
            "user": author,
            "ts": SHORTCUT_MESSAGE_TS,
            "text": text,
            "team": TEAM,
            "client_msg_id": "5f2a3e1c-8f1e-4a54-9bb1-0f6a3c0c1d2e",
            "blocks": [{
                "type": "rich_text",
                "block_id": "Xy1z",
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}]
            }]
        },
        "response_url": format!("https://hooks.slack.com/app/{TEAM}/1234567890/abcdEFGH")
    })
}

/// A click on one of the withdrawn-rider digest's buttons (`action_id` with its `value`).
pub fn digest_button_click(channel: &str, user_id: &str, action_id: &str, value: &str) -> Value {
    block_actions(
        channel,
        user_id,
        "Withdrawn riders still insured",
        json!({
            "action_id": action_id,
            "block_id": "digest_bulk",
            "text": {"type": "plain_text", "text": "File", "emoji": true},
            "value": value,
            "type": "button",
            "action_ts": "1700000001.000300"
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_parse_as_slack_morphism_types() {
        let cmd: slack_morphism::prelude::SlackCommandEvent =
            serde_urlencoded::from_str(&slash_command("U1", "010-1234-5678")).unwrap();
        assert_eq!(cmd.text.as_deref(), Some("010-1234-5678"));
        let cmd: slack_morphism::prelude::SlackCommandEvent =
            serde_json::from_value(slash_command_json("U1", "x")).unwrap();
        assert_eq!(cmd.trigger_id.to_string(), COMMAND_TRIGGER_ID);
        for payload in [
            request_submission("U1", "1004", 1_700_000_000, "CX-1"),
            reject_submission("U1", 7, "no"),
            button_click("C1", "U1", "approve_expiry", 7),
            digest_button_click("C1", "U1", "digest_file_all", "1700000000"),
            global_shortcut("U1", "expire_insurance"),
            message_shortcut(
                "U1",
                "expire_insurance_from_message",
                "U2",
                "CX-1 010-1234-5678",
            ),
        ] {
            let _: slack_morphism::prelude::SlackInteractionEvent =
                serde_json::from_value(payload).unwrap();
        }
    }

    use crate::slack::payload::{Inbound, Input, Shortcut, ShortcutKind};

    #[test]
    fn shortcuts_are_read_only_with_their_own_callback_id_and_type() {
        let parse =
            |v: serde_json::Value| Inbound::interaction(serde_json::from_value(v).unwrap(), false);
        let global = global_shortcut("U1", "expire_insurance");
        let inbound = parse(global.clone());
        assert_eq!(inbound.identity.kind, "shortcut");
        assert_eq!(inbound.identity.origin.user_team.as_deref(), Some("T0TEAM"));
        assert!(matches!(
            inbound.input,
            Input::Shortcut(Shortcut {
                kind: ShortcutKind::Global,
                ..
            })
        ));
        // The message shortcut's callback_id on a global shortcut is not ours.
        let mut wrong = global;
        wrong["callback_id"] = "expire_insurance_from_message".into();
        assert!(matches!(parse(wrong).input, Input::Ignored));
        let message = message_shortcut(
            "U1",
            "expire_insurance_from_message",
            "U2",
            "CX-1 010-1234-5678",
        );
        let inbound = parse(message);
        assert_eq!(inbound.identity.kind, "message_action");
        let Input::Shortcut(Shortcut {
            kind: ShortcutKind::Message(m),
            ..
        }) = inbound.input
        else {
            panic!("not a message shortcut");
        };
        assert_eq!(m.text, "CX-1 010-1234-5678");
        assert_eq!(m.ts.as_deref(), Some(SHORTCUT_MESSAGE_TS));
        // Its Debug never shows the text.
        assert!(!format!("{m:?}").contains("1234"));
    }
}
