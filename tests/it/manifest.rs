//! Both Slack app manifests, read as Slack reads them: parsed as YAML into structs that
//! mirror the fields of Slack's manifest schema (slackapi/manifest-schema,
//! `schemas/manifest.schema.1.0.0.json`) the bot uses, refusing any other field
//! (`deny_unknown_fields`: a typo Slack would refuse, or ignore, fails here), each held to
//! the schema's limits; the two manifests the same but for the URLs and Socket Mode; and
//! the app asking for exactly what it uses: the bot scopes are those of the Web API
//! methods it calls (`expire_bot::slack::api::METHODS`) and of its features, the events
//! those the payload parser acts on, the shortcuts and the command those it handles.

use expire_bot::slack::handlers::commands::COMMAND;
use expire_bot::slack::ids::ShortcutId;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    _metadata: Metadata,
    display_information: DisplayInformation,
    features: Features,
    oauth_config: OauthConfig,
    settings: Settings,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Metadata {
    major_version: u32,
    minor_version: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct DisplayInformation {
    name: String,
    description: String,
    background_color: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Features {
    app_home: AppHome,
    bot_user: BotUser,
    shortcuts: Vec<Shortcut>,
    slash_commands: Vec<SlashCommand>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppHome {
    home_tab_enabled: bool,
    messages_tab_enabled: bool,
    messages_tab_read_only_enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct BotUser {
    display_name: String,
    always_online: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ShortcutType {
    Global,
    Message,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Shortcut {
    name: String,
    #[serde(rename = "type")]
    kind: ShortcutType,
    callback_id: String,
    description: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlashCommand {
    command: String,
    url: Option<String>,
    description: String,
    usage_hint: Option<String>,
    should_escape: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct OauthConfig {
    scopes: Scopes,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scopes {
    bot: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    event_subscriptions: EventSubscriptions,
    interactivity: Interactivity,
    org_deploy_enabled: bool,
    socket_mode_enabled: bool,
    token_rotation_enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventSubscriptions {
    request_url: Option<String>,
    bot_events: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Interactivity {
    is_enabled: bool,
    request_url: Option<String>,
}

fn read(file: &str) -> Manifest {
    let path = format!("{}/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{file} is not a manifest: {e}"))
}

/// `min..=max` characters, as the schema's minLength / maxLength count them.
fn length(what: &str, s: &str, min: usize, max: usize) {
    let n = s.chars().count();
    assert!(
        (min..=max).contains(&n),
        "{what} has {n} characters (schema: {min}..={max}): {s:?}"
    );
}

fn url(what: &str, u: &str, max: usize) {
    assert!(u.starts_with("https://"), "{what}: {u}");
    length(what, u, 1, max);
}

fn unique(what: &str, items: &[String], item_max: usize) {
    let mut sorted = items.to_vec();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), items.len(), "{what} repeats an item");
    for i in items {
        length(what, i, 1, item_max);
    }
}

/// The schema's limits on every field used.
fn within_the_schema(file: &str, m: &Manifest) {
    let d = &m.display_information;
    length("display_information.name", &d.name, 1, 35);
    length("display_information.description", &d.description, 1, 140);
    let color = d.background_color.strip_prefix('#').unwrap_or("");
    assert!(
        matches!(color.len(), 3 | 6) && color.chars().all(|c| c.is_ascii_hexdigit()),
        "{file}: background_color {}",
        d.background_color
    );
    length(
        "bot_user.display_name",
        &m.features.bot_user.display_name,
        1,
        80,
    );
    let shortcuts = &m.features.shortcuts;
    assert!(
        (1..=10).contains(&shortcuts.len()),
        "{file}: 1 to 10 shortcuts"
    );
    for s in shortcuts {
        length("shortcut name", &s.name, 1, 24);
        length("shortcut callback_id", &s.callback_id, 1, 255);
        length("shortcut description", &s.description, 1, 150);
    }
    let commands = &m.features.slash_commands;
    assert!((1..=50).contains(&commands.len()));
    for c in commands {
        length("command", &c.command, 2, 32);
        assert!(c.command.starts_with('/'));
        length("command description", &c.description, 1, 2000);
        if let Some(h) = &c.usage_hint {
            length("usage_hint", h, 1, 1000);
        }
        if let Some(u) = &c.url {
            url("command url", u, 3000);
        }
    }
    let scopes = &m.oauth_config.scopes.bot;
    assert!(scopes.len() <= 255);
    unique("scopes.bot", scopes, 50);
    let events = &m.settings.event_subscriptions;
    assert!(events.bot_events.len() <= 100);
    unique("bot_events", &events.bot_events, 50);
    for u in [&events.request_url, &m.settings.interactivity.request_url]
        .into_iter()
        .flatten()
    {
        url("request_url", u, 3500);
    }
}

/// The manifest with what differs between the transports taken out.
fn without_transport(mut m: Manifest) -> Manifest {
    for c in &mut m.features.slash_commands {
        c.url = None;
    }
    m.settings.event_subscriptions.request_url = None;
    m.settings.interactivity.request_url = None;
    m.settings.socket_mode_enabled = false;
    m
}

#[test]
fn both_manifests_validate_and_differ_only_in_urls_and_socket_mode() {
    let (http, socket) = (read("manifest.yml"), read("manifest.socket-mode.yml"));
    within_the_schema("manifest.yml", &http);
    within_the_schema("manifest.socket-mode.yml", &socket);
    // HTTP mode: every request URL on the bot's routes (the contract's), Socket Mode off.
    let host = "https://YOUR_HOST";
    assert!(!http.settings.socket_mode_enabled);
    assert_eq!(
        http.features.slash_commands[0].url.as_deref(),
        Some(format!("{host}/slack/commands").as_str())
    );
    assert_eq!(
        http.settings.interactivity.request_url.as_deref(),
        Some(format!("{host}/slack/interactions").as_str())
    );
    assert_eq!(
        http.settings.event_subscriptions.request_url.as_deref(),
        Some(format!("{host}/slack/events").as_str())
    );
    // Socket Mode: no URL at all (Slack refuses a manifest with both), Socket Mode on.
    assert!(socket.settings.socket_mode_enabled);
    assert!(
        socket
            .features
            .slash_commands
            .iter()
            .all(|c| c.url.is_none())
    );
    assert!(socket.settings.interactivity.request_url.is_none());
    assert!(socket.settings.event_subscriptions.request_url.is_none());
    assert!(http.settings.interactivity.is_enabled && http.features.app_home.home_tab_enabled);
    assert_eq!(without_transport(http), without_transport(socket));
}

#[test]
fn the_manifests_declare_exactly_the_scopes_events_shortcuts_and_command_used() {
    for file in ["manifest.yml", "manifest.socket-mode.yml"] {
        let m = read(file);
        let mut scopes = m.oauth_config.scopes.bot.clone();
        scopes.sort();
        assert_eq!(
            scopes,
            expire_bot::slack::api::bot_scopes(),
            "{file}: the bot scopes are not those of the methods the bot calls (slack::api::METHODS) and its features"
        );
        let mut events = m.settings.event_subscriptions.bot_events.clone();
        events.sort();
        let mut acted_on: Vec<&str> = expire_bot::slack::payload::BOT_EVENTS.to_vec();
        acted_on.sort_unstable();
        assert_eq!(events, acted_on, "{file}: bot_events");
        let declared: Vec<(ShortcutType, &str)> = m
            .features
            .shortcuts
            .iter()
            .map(|s| (s.kind, s.callback_id.as_str()))
            .collect();
        let handled: Vec<(ShortcutType, &str)> = ShortcutId::ALL
            .iter()
            .map(|id| {
                let kind = match id {
                    ShortcutId::ExpireInsurance => ShortcutType::Global,
                    ShortcutId::ExpireFromMessage => ShortcutType::Message,
                };
                (kind, id.as_str())
            })
            .collect();
        assert_eq!(declared, handled, "{file}: shortcuts");
        let commands: Vec<&str> = m
            .features
            .slash_commands
            .iter()
            .map(|c| c.command.as_str())
            .collect();
        assert_eq!(commands, vec![COMMAND], "{file}: slash commands");
    }
}

/// The check can fail: a field Slack does not know, or a shortcut type it has not, is
/// refused by the same structs.
#[test]
fn a_manifest_slack_would_refuse_is_refused() {
    let text = std::fs::read_to_string(format!("{}/manifest.yml", env!("CARGO_MANIFEST_DIR")))
        .expect("manifest");
    let typo = text.replacen("home_tab_enabled", "home_tabs_enabled", 1);
    assert!(serde_norway::from_str::<Manifest>(&typo).is_err());
    let kind = text.replacen("type: global", "type: composer", 1);
    assert!(serde_norway::from_str::<Manifest>(&kind).is_err());
    assert!(serde_norway::from_str::<Manifest>(&text).is_ok());
}
