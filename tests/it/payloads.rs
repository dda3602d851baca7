//! Request bodies shaped exactly as Slack sends them: the slash command form, and the
//! `payload=` JSON of `view_submission` and `block_actions`.

use serde_json::{Value, json};

use crate::harness::{APPROVAL_CHANNEL, TEAM};

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The form Slack posts for `/expire-insurance <text>`.
pub fn slash_command(user: &str, text: &str) -> String {
    format!(
        "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id={TEAM}&team_domain=acme&enterprise_id=&enterprise_name=&channel_id=C0CXDESK&channel_name=cx-desk&user_id={user}&user_name=agent&command=%2Fexpire-insurance&text={}&api_app_id=A0APP&is_enterprise_install=false&response_url={}&trigger_id=13345224609.738474920.8088930838d88f008e0",
        enc(text),
        enc("https://hooks.slack.com/commands/T0TEAM/1234/abcd"),
    )
}

/// The `payload=` form wrapping an interaction.
pub fn form(payload: &Value) -> String {
    format!("payload={}", enc(&payload.to_string()))
}

fn user(id: &str) -> Value {
    json!({"id": id, "username": id.to_lowercase(), "name": id.to_lowercase(), "team_id": TEAM})
}

fn view_envelope(callback_id: &str, blocks: Value, private_metadata: &str, values: Value) -> Value {
    json!({
        "id": "V0MODAL1",
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
        "root_view_id": "V0MODAL1",
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

/// Submitting the request modal. The blocks are the bot's own modal, as Slack echoes them.
pub fn request_submission(user_id: &str, query: &str, cancelled_at: i64, reason: &str) -> Value {
    let modal =
        serde_json::to_value(expire_bot::slack::views::request_modal(query, None)).expect("modal");
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
        .map(|b| {
            b["element"]["type"]
                .as_str()
                .unwrap_or("radio_buttons")
                .to_owned()
        })
        .unwrap_or_else(|| "radio_buttons".to_owned());
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
    let modal = serde_json::to_value(expire_bot::slack::views::reject_modal(
        request_id,
        metadata.clone(),
    ))
    .expect("modal");
    let values =
        json!({"reject_reason": {"reject_reason": {"type": "plain_text_input", "value": reason}}});
    submission(
        user_id,
        view_envelope("expiry_reject", modal["blocks"].clone(), &metadata, values),
    )
}

/// A click on Approve or Reject in the approval message.
pub fn button_click(user_id: &str, action_id: &str, request_id: i64) -> Value {
    json!({
        "type": "block_actions",
        "user": user(user_id),
        "api_app_id": "A0APP",
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": APPROVAL_CHANNEL, "is_ephemeral": false},
        "trigger_id": "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3",
        "team": {"id": TEAM, "domain": "acme"},
        "enterprise": null,
        "is_enterprise_install": false,
        "channel": {"id": APPROVAL_CHANNEL, "name": "approvals"},
        "message": {
            "bot_id": "B0BOT", "type": "message", "text": "Insurance expiry request", "user": "U0BOT",
            "ts": "1700000000.000001", "app_id": "A0APP", "team": TEAM,
            "blocks": [{"type": "section", "block_id": "head", "text": {"type": "mrkdwn", "text": "*Insurance expiry request*", "verbatim": false}}]
        },
        "state": {"values": {}},
        "response_url": "https://hooks.slack.com/actions/T0TEAM/1/abc",
        "actions": [{
            "action_id": action_id,
            "block_id": format!("decide_{request_id}"),
            "text": {"type": "plain_text", "text": if action_id == "approve_expiry" { "Approve" } else { "Reject" }, "emoji": true},
            "value": request_id.to_string(),
            "style": if action_id == "approve_expiry" { "primary" } else { "danger" },
            "type": "button",
            "action_ts": "1700000001.000200"
        }]
    })
}
