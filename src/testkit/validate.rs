//! Checks JSON the bot sends to Slack against Slack's limits ([`crate::slack::limits`]):
//! Web API arguments (messages, views), and the HTTP answers to view submissions and slash
//! commands. It walks every block and element and returns every violation it finds, each
//! naming the limit or rule it breaks, so a failing test says exactly what Slack would
//! have refused and where (as a JSON pointer, the way Slack's own errors point).
//!
//! It checks the JSON, not the Rust types: slack-morphism's types accept anything, and
//! what Slack sees is the serialised form.

use std::collections::HashSet;

use serde_json::Value;

use crate::slack::limits::{self, Limit, Rule};

/// One way a payload breaks Slack's limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The limit's or rule's id: `option.text`.
    pub limit: &'static str,
    /// Where, as a JSON pointer from the payload's root: `/view/blocks/1/element/options/0/text/text`.
    pub at: String,
    /// What is wrong, in Slack's words where Slack has them.
    pub detail: String,
    /// The Slack page the limit comes from.
    pub doc: &'static str,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{}] {} at {} (see {})",
            self.limit, self.detail, self.at, self.doc
        )
    }
}

/// Where blocks are shown; inputs are only allowed in views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Modal,
    Home,
    Message,
}

#[derive(Default)]
struct Walk {
    out: Vec<Violation>,
    /// Text characters of all blocks, for the message-wide cap.
    block_text: usize,
}

impl Walk {
    fn over(&mut self, limit: &Limit, at: &str, n: usize, unit: &str) {
        if n > limit.max {
            self.out.push(Violation {
                limit: limit.id,
                at: at.to_owned(),
                detail: format!(
                    "must be no more than {} {unit} ({}), is {n}",
                    limit.max, limit.what
                ),
                doc: limit.doc,
            });
        }
    }

    fn rule(&mut self, rule: &Rule, at: &str, detail: impl Into<String>) {
        self.out.push(Violation {
            limit: rule.id,
            at: at.to_owned(),
            detail: detail.into(),
            doc: rule.doc,
        });
    }

    /// A string field with a maximum length; `None` when absent.
    fn string(&mut self, v: &Value, at: &str, limit: &Limit) -> Option<usize> {
        match v {
            Value::Null => None,
            Value::String(s) => {
                let n = limits::chars(s);
                self.over(limit, at, n, "characters");
                Some(n)
            }
            _ => {
                self.rule(&limits::KNOWN_TYPE, at, "must be a string");
                None
            }
        }
    }

    /// A text object. `plain_only`: Slack allows only `plain_text` there. Returns its length.
    fn text(&mut self, v: &Value, at: &str, limit: &Limit, plain_only: bool) -> usize {
        if !v.is_object() {
            self.rule(&limits::KNOWN_TYPE, at, "must be a text object");
            return 0;
        }
        match v["type"].as_str() {
            Some("plain_text") => {
                if !v["verbatim"].is_null() {
                    self.rule(
                        &limits::TEXT_TYPE,
                        &format!("{at}/verbatim"),
                        "verbatim is only for mrkdwn",
                    );
                }
            }
            Some("mrkdwn") if !plain_only => {
                if !v["emoji"].is_null() {
                    self.rule(
                        &limits::TEXT_TYPE,
                        &format!("{at}/emoji"),
                        "emoji is only for plain_text",
                    );
                }
            }
            Some("mrkdwn") => self.rule(
                &limits::TEXT_TYPE,
                &format!("{at}/type"),
                "must be plain_text here",
            ),
            _ => self.rule(
                &limits::TEXT_TYPE,
                &format!("{at}/type"),
                "must be plain_text or mrkdwn",
            ),
        }
        let at_text = format!("{at}/text");
        let Some(s) = v["text"].as_str() else {
            self.rule(
                &limits::KNOWN_TYPE,
                &at_text,
                "a text object needs its text",
            );
            return 0;
        };
        let n = limits::chars(s);
        if n == 0 {
            self.rule(
                &limits::TEXT_NOT_EMPTY,
                &at_text,
                "must be at least 1 character",
            );
        }
        self.over(limit, &at_text, n, "characters");
        if limit.max > limits::TEXT_OBJECT.max {
            self.over(&limits::TEXT_OBJECT, &at_text, n, "characters");
        }
        self.block_text += n;
        n
    }

    fn optional_text(&mut self, v: &Value, at: &str, limit: &Limit, plain_only: bool) {
        if !v.is_null() {
            self.text(v, at, limit, plain_only);
        }
    }

    fn blocks(&mut self, blocks: &Value, at: &str, surface: Surface) {
        let Some(list) = blocks.as_array() else {
            self.rule(&limits::KNOWN_TYPE, at, "blocks must be an array");
            return;
        };
        let max = match surface {
            Surface::Message => &limits::MESSAGE_BLOCKS,
            Surface::Modal | Surface::Home => &limits::MODAL_BLOCKS,
        };
        self.over(max, at, list.len(), "blocks");
        let mut ids = HashSet::new();
        for (i, b) in list.iter().enumerate() {
            let at = format!("{at}/{i}");
            if let Some(id) =
                self.string(&b["block_id"], &format!("{at}/block_id"), &limits::BLOCK_ID)
                && (id == 0 || !ids.insert(b["block_id"].as_str().unwrap_or_default().to_owned()))
            {
                self.rule(
                    &limits::BLOCK_ID_UNIQUE,
                    &format!("{at}/block_id"),
                    format!("block_id {} is empty or used twice", b["block_id"]),
                );
            }
            self.block(b, &at, surface);
        }
    }

    fn block(&mut self, b: &Value, at: &str, surface: Surface) {
        match b["type"].as_str().unwrap_or_default() {
            "section" => {
                let has_text = !b["text"].is_null();
                if has_text {
                    self.text(
                        &b["text"],
                        &format!("{at}/text"),
                        &limits::SECTION_TEXT,
                        false,
                    );
                }
                match &b["fields"] {
                    Value::Null if !has_text => {
                        self.rule(&limits::KNOWN_TYPE, at, "a section needs text or fields")
                    }
                    Value::Null => {}
                    Value::Array(fields) => {
                        self.over(
                            &limits::SECTION_FIELDS,
                            &format!("{at}/fields"),
                            fields.len(),
                            "fields",
                        );
                        for (i, f) in fields.iter().enumerate() {
                            self.text(
                                f,
                                &format!("{at}/fields/{i}"),
                                &limits::SECTION_FIELD_TEXT,
                                false,
                            );
                        }
                    }
                    _ => self.rule(
                        &limits::KNOWN_TYPE,
                        &format!("{at}/fields"),
                        "must be an array",
                    ),
                }
                if !b["accessory"].is_null() {
                    self.element(&b["accessory"], &format!("{at}/accessory"));
                }
            }
            "header" => {
                self.text(
                    &b["text"],
                    &format!("{at}/text"),
                    &limits::HEADER_TEXT,
                    true,
                );
            }
            "divider" => {}
            "context" => {
                let Some(elements) = b["elements"].as_array() else {
                    return self.rule(
                        &limits::KNOWN_TYPE,
                        &format!("{at}/elements"),
                        "a context block needs elements",
                    );
                };
                if elements.is_empty() {
                    self.rule(
                        &limits::KNOWN_TYPE,
                        &format!("{at}/elements"),
                        "must not be empty",
                    );
                }
                self.over(
                    &limits::CONTEXT_ELEMENTS,
                    &format!("{at}/elements"),
                    elements.len(),
                    "elements",
                );
                for (i, e) in elements.iter().enumerate() {
                    let at = format!("{at}/elements/{i}");
                    if e["type"] == "image" {
                        if !e["image_url"].is_string() || !e["alt_text"].is_string() {
                            self.rule(
                                &limits::KNOWN_TYPE,
                                &at,
                                "an image needs image_url and alt_text",
                            );
                        }
                    } else {
                        self.text(e, &at, &limits::TEXT_OBJECT, false);
                    }
                }
            }
            "actions" => {
                let Some(elements) = b["elements"].as_array() else {
                    return self.rule(
                        &limits::KNOWN_TYPE,
                        &format!("{at}/elements"),
                        "an actions block needs elements",
                    );
                };
                if elements.is_empty() {
                    self.rule(
                        &limits::KNOWN_TYPE,
                        &format!("{at}/elements"),
                        "must not be empty",
                    );
                }
                self.over(
                    &limits::ACTIONS_ELEMENTS,
                    &format!("{at}/elements"),
                    elements.len(),
                    "elements",
                );
                let mut action_ids = HashSet::new();
                for (i, e) in elements.iter().enumerate() {
                    let at = format!("{at}/elements/{i}");
                    if let Some(id) = e["action_id"].as_str()
                        && !action_ids.insert(id.to_owned())
                    {
                        self.rule(
                            &limits::ACTION_ID_UNIQUE,
                            &format!("{at}/action_id"),
                            format!("action_id {id} is used twice in one block"),
                        );
                    }
                    self.element(e, &at);
                }
            }
            "input" => {
                if surface == Surface::Message {
                    self.rule(
                        &limits::INPUT_ONLY_IN_MODALS,
                        at,
                        "input blocks belong in modals",
                    );
                }
                self.text(
                    &b["label"],
                    &format!("{at}/label"),
                    &limits::INPUT_LABEL,
                    true,
                );
                self.optional_text(&b["hint"], &format!("{at}/hint"), &limits::INPUT_HINT, true);
                if b["element"].is_null() {
                    self.rule(
                        &limits::KNOWN_TYPE,
                        &format!("{at}/element"),
                        "an input block needs an element",
                    );
                } else {
                    self.element(&b["element"], &format!("{at}/element"));
                }
            }
            other => self.rule(
                &limits::KNOWN_TYPE,
                &format!("{at}/type"),
                format!("unknown block type {other:?}"),
            ),
        }
    }

    fn element(&mut self, e: &Value, at: &str) {
        self.string(
            &e["action_id"],
            &format!("{at}/action_id"),
            &limits::ACTION_ID,
        );
        if !e["confirm"].is_null() {
            self.confirm(&e["confirm"], &format!("{at}/confirm"));
        }
        match e["type"].as_str().unwrap_or_default() {
            "button" => {
                self.text(
                    &e["text"],
                    &format!("{at}/text"),
                    &limits::BUTTON_TEXT,
                    true,
                );
                self.string(&e["value"], &format!("{at}/value"), &limits::BUTTON_VALUE);
                self.string(&e["url"], &format!("{at}/url"), &limits::BUTTON_URL);
                if !matches!(e["style"].as_str(), None | Some("primary" | "danger")) {
                    self.rule(
                        &limits::KNOWN_TYPE,
                        &format!("{at}/style"),
                        "style is primary or danger",
                    );
                }
            }
            "radio_buttons" => self.options(e, at, &limits::RADIO_OPTIONS, false),
            "checkboxes" => self.options(e, at, &limits::CHECKBOX_OPTIONS, false),
            "static_select" => {
                self.options(e, at, &limits::SELECT_OPTIONS, true);
                self.optional_text(
                    &e["placeholder"],
                    &format!("{at}/placeholder"),
                    &limits::PLACEHOLDER,
                    true,
                );
            }
            "plain_text_input" => {
                self.optional_text(
                    &e["placeholder"],
                    &format!("{at}/placeholder"),
                    &limits::PLACEHOLDER,
                    true,
                );
                let max = e["max_length"].as_u64();
                if let Some(m) = max
                    && !(1..=limits::INPUT_MAX_LENGTH.max as u64).contains(&m)
                {
                    self.over(
                        &limits::INPUT_MAX_LENGTH,
                        &format!("{at}/max_length"),
                        m as usize,
                        "characters",
                    );
                }
                if let Some(min) = e["min_length"].as_u64() {
                    self.over(
                        &limits::INPUT_MAX_LENGTH,
                        &format!("{at}/min_length"),
                        min as usize,
                        "characters",
                    );
                }
                if let Some(initial) = e["initial_value"].as_str() {
                    let cap = max.map_or(limits::INPUT_MAX_LENGTH.max, |m| m as usize);
                    if limits::chars(initial) > cap {
                        self.rule(
                            &limits::INITIAL_VALUE_FITS,
                            &format!("{at}/initial_value"),
                            format!(
                                "initial_value has {} characters, max_length is {cap}",
                                limits::chars(initial)
                            ),
                        );
                    }
                }
            }
            "datetimepicker" => {
                if !matches!(e["initial_date_time"], Value::Null | Value::Number(_)) {
                    self.rule(
                        &limits::KNOWN_TYPE,
                        &format!("{at}/initial_date_time"),
                        "must be a Unix timestamp",
                    );
                }
            }
            "datepicker" | "timepicker" => {
                self.optional_text(
                    &e["placeholder"],
                    &format!("{at}/placeholder"),
                    &limits::PLACEHOLDER,
                    true,
                );
            }
            other => self.rule(
                &limits::KNOWN_TYPE,
                &format!("{at}/type"),
                format!("unknown element type {other:?}"),
            ),
        }
    }

    fn options(&mut self, e: &Value, at: &str, max: &Limit, plain_only: bool) {
        let Some(options) = e["options"].as_array() else {
            return self.rule(
                &limits::KNOWN_TYPE,
                &format!("{at}/options"),
                "needs options",
            );
        };
        if options.is_empty() {
            self.rule(
                &limits::KNOWN_TYPE,
                &format!("{at}/options"),
                "must not be empty",
            );
        }
        self.over(max, &format!("{at}/options"), options.len(), "options");
        let mut values = HashSet::new();
        for (i, o) in options.iter().enumerate() {
            let at = format!("{at}/options/{i}");
            self.text(
                &o["text"],
                &format!("{at}/text"),
                &limits::OPTION_TEXT,
                plain_only,
            );
            match o["value"].as_str() {
                Some(v) => {
                    self.over(
                        &limits::OPTION_VALUE,
                        &format!("{at}/value"),
                        limits::chars(v),
                        "characters",
                    );
                    if !values.insert(v.to_owned()) {
                        self.rule(
                            &limits::KNOWN_TYPE,
                            &format!("{at}/value"),
                            format!("option value {v:?} is used twice"),
                        );
                    }
                }
                None => self.rule(
                    &limits::KNOWN_TYPE,
                    &format!("{at}/value"),
                    "an option needs a value",
                ),
            }
            self.optional_text(
                &o["description"],
                &format!("{at}/description"),
                &limits::OPTION_DESCRIPTION,
                plain_only,
            );
        }
        if !e["initial_option"].is_null() && !options.contains(&e["initial_option"]) {
            self.rule(
                &limits::KNOWN_TYPE,
                &format!("{at}/initial_option"),
                "initial_option must be one of the options",
            );
        }
    }

    fn confirm(&mut self, c: &Value, at: &str) {
        self.text(
            &c["title"],
            &format!("{at}/title"),
            &limits::CONFIRM_TITLE,
            true,
        );
        self.text(
            &c["text"],
            &format!("{at}/text"),
            &limits::CONFIRM_TEXT,
            false,
        );
        self.text(
            &c["confirm"],
            &format!("{at}/confirm"),
            &limits::CONFIRM_BUTTON,
            true,
        );
        self.text(
            &c["deny"],
            &format!("{at}/deny"),
            &limits::CONFIRM_BUTTON,
            true,
        );
    }

    fn view(&mut self, v: &Value, at: &str) {
        let surface = match v["type"].as_str() {
            Some("modal") => Surface::Modal,
            Some("home") => Surface::Home,
            _ => {
                return self.rule(
                    &limits::KNOWN_TYPE,
                    &format!("{at}/type"),
                    "a view is a modal or home",
                );
            }
        };
        if surface == Surface::Modal {
            self.text(
                &v["title"],
                &format!("{at}/title"),
                &limits::MODAL_TITLE,
                true,
            );
            self.optional_text(
                &v["submit"],
                &format!("{at}/submit"),
                &limits::MODAL_SUBMIT,
                true,
            );
            self.optional_text(
                &v["close"],
                &format!("{at}/close"),
                &limits::MODAL_CLOSE,
                true,
            );
        }
        self.string(
            &v["private_metadata"],
            &format!("{at}/private_metadata"),
            &limits::PRIVATE_METADATA,
        );
        self.string(
            &v["callback_id"],
            &format!("{at}/callback_id"),
            &limits::CALLBACK_ID,
        );
        self.blocks(&v["blocks"], &format!("{at}/blocks"), surface);
        let has_input = v["blocks"]
            .as_array()
            .is_some_and(|b| b.iter().any(|b| b["type"] == "input"));
        if surface == Surface::Modal && has_input && v["submit"].is_null() {
            self.rule(
                &limits::MODAL_SUBMIT_WITH_INPUTS,
                &format!("{at}/submit"),
                "a modal with inputs needs submit",
            );
        }
    }

    /// A message: `text` and/or `blocks` at `at`.
    fn message(&mut self, m: &Value, at: &str) {
        let text = m["text"].as_str();
        if let Some(t) = text {
            self.over(
                &limits::MESSAGE_TEXT,
                &format!("{at}/text"),
                limits::chars(t),
                "characters",
            );
        }
        match &m["blocks"] {
            Value::Null => {
                if text.is_none_or(str::is_empty) {
                    self.rule(
                        &limits::MESSAGE_NOT_EMPTY,
                        at,
                        "a message needs text or blocks",
                    );
                }
            }
            blocks => {
                if text.is_none_or(str::is_empty) {
                    self.rule(
                        &limits::TEXT_FALLBACK,
                        &format!("{at}/text"),
                        "blocks were sent without a text fallback",
                    );
                }
                let before = self.block_text;
                self.blocks(blocks, &format!("{at}/blocks"), Surface::Message);
                let n = self.block_text - before;
                self.over(
                    &limits::MESSAGE_BLOCKS_TEXT,
                    &format!("{at}/blocks"),
                    n,
                    "characters",
                );
            }
        }
    }

    /// A message's `metadata`, when it has one: Slack refuses a missing or non-alphanumeric
    /// `event_type` and a payload that is not an object (`invalid_metadata_format`).
    fn metadata(&mut self, args: &Value) {
        let m = match &args["metadata"] {
            Value::Null => return,
            // The form transport sends it as a JSON string.
            Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
            v => v.clone(),
        };
        let event_type = m["event_type"].as_str().unwrap_or_default();
        if event_type.is_empty()
            || !event_type
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.rule(
                &limits::MESSAGE_METADATA,
                "/metadata/event_type",
                "event_type must be a non-empty alphanumeric string",
            );
        }
        if !m["event_payload"].is_object() {
            self.rule(
                &limits::MESSAGE_METADATA,
                "/metadata/event_payload",
                "event_payload must be an object",
            );
        }
    }

    /// `conversations.history`'s paging arguments (query strings when sent as a GET).
    fn history(&mut self, args: &Value) {
        let text = |k: &str| match &args[k] {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        if let Some(limit) = text("limit")
            && !limit.parse::<u32>().is_ok_and(|n| (1..=999).contains(&n))
        {
            self.rule(
                &limits::HISTORY_ARGUMENTS,
                "/limit",
                "limit must be 1 to 999",
            );
        }
        for k in ["oldest", "latest"] {
            if let Some(ts) = text(k)
                && ts.parse::<f64>().is_err()
            {
                self.rule(
                    &limits::HISTORY_ARGUMENTS,
                    &format!("/{k}"),
                    format!("{k} must be a message timestamp"),
                );
            }
        }
    }

    /// `chat.getPermalink`'s `message_ts` is a message timestamp (`1700000000.000100`).
    fn permalink(&mut self, args: &Value) {
        if let Some(ts) = args["message_ts"].as_str()
            && !ts.is_empty()
            && !is_ts(ts)
        {
            self.rule(
                &limits::PERMALINK_ARGUMENTS,
                "/message_ts",
                format!("message_ts {ts:?} is not a message timestamp"),
            );
        }
    }

    fn required(&mut self, args: &Value, names: &[&str]) {
        for name in names {
            if args[*name].as_str().is_none_or(str::is_empty) {
                self.rule(
                    &limits::REQUIRED_ARGUMENT,
                    &format!("/{name}"),
                    format!("{name} is required"),
                );
            }
        }
    }
}

/// A message timestamp as Slack writes one: seconds, a dot, six digits.
fn is_ts(ts: &str) -> bool {
    ts.split_once('.').is_some_and(|(secs, micros)| {
        !secs.is_empty()
            && secs.bytes().all(|b| b.is_ascii_digit())
            && micros.len() == 6
            && micros.bytes().all(|b| b.is_ascii_digit())
    })
}

fn finish(w: Walk) -> Vec<Violation> {
    w.out
}

/// A view (`views.open`/`update`/`push`/`publish`, or `response_action: update|push`).
#[must_use]
pub fn view(v: &Value) -> Vec<Violation> {
    let mut w = Walk::default();
    w.view(v, "");
    finish(w)
}

/// A message's `text` and `blocks` (arguments of `chat.*`, or a command's answer).
#[must_use]
pub fn message(m: &Value) -> Vec<Violation> {
    let mut w = Walk::default();
    w.message(m, "");
    finish(w)
}

/// The Web API methods the stand-ins answer, with the arguments each requires.
const METHODS: &[(&str, &[&str])] = &[
    ("chat.postMessage", &["channel"]),
    ("chat.update", &["channel", "ts"]),
    ("chat.postEphemeral", &["channel", "user"]),
    ("views.open", &["trigger_id"]),
    ("views.push", &["trigger_id"]),
    ("views.update", &[]),
    ("views.publish", &["user_id"]),
    ("usergroups.users.list", &["usergroup"]),
    ("conversations.info", &["channel"]),
    ("auth.test", &[]),
    ("apps.connections.open", &[]),
    ("users.info", &["user"]),
    ("bots.info", &["bot"]),
    ("conversations.history", &["channel"]),
    ("chat.getPermalink", &["channel", "message_ts"]),
];

/// Whether `method` is one the stand-ins know.
#[must_use]
pub fn known_method(method: &str) -> bool {
    METHODS.iter().any(|(m, _)| *m == method)
}

/// One Web API call: `method` with its arguments (JSON body, or form/query fields).
#[must_use]
pub fn api_call(method: &str, args: &Value) -> Vec<Violation> {
    let mut w = Walk::default();
    let Some((_, required)) = METHODS.iter().find(|(m, _)| *m == method) else {
        w.rule(
            &limits::KNOWN_METHOD,
            "",
            format!("{method} is not a Web API method the bot may call"),
        );
        return finish(w);
    };
    w.required(args, required);
    match method {
        "chat.postMessage" | "chat.update" | "chat.postEphemeral" => {
            w.message(args, "");
            w.metadata(args);
        }
        "conversations.history" => w.history(args),
        "chat.getPermalink" => w.permalink(args),
        "views.open" | "views.push" | "views.update" | "views.publish" => {
            if method == "views.update"
                && args["view_id"].is_null()
                && args["external_id"].is_null()
            {
                w.rule(
                    &limits::REQUIRED_ARGUMENT,
                    "/view_id",
                    "view_id or external_id is required",
                );
            }
            // The form transport sends the view as a JSON string.
            let view = match &args["view"] {
                Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
                v => v.clone(),
            };
            if view.is_null() {
                w.rule(&limits::REQUIRED_ARGUMENT, "/view", "view is required");
            } else {
                if (method == "views.publish") != (view["type"] == "home") {
                    w.rule(
                        &limits::KNOWN_TYPE,
                        "/view/type",
                        "views.publish takes a home view, the others a modal",
                    );
                }
                w.view(&view, "/view");
            }
        }
        _ => {}
    }
    finish(w)
}

/// The `block_id`s of the input blocks of a view.
fn input_block_ids(view: &Value) -> HashSet<String> {
    view["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["type"] == "input")
        .filter_map(|b| b["block_id"].as_str().map(str::to_owned))
        .collect()
}

/// The bot's HTTP answer to a `view_submission` of `submitted` (the view as Slack sent it).
/// `answer` is `Null` for an empty body.
#[must_use]
pub fn view_submission_answer(answer: &Value, submitted: &Value) -> Vec<Violation> {
    let mut w = Walk::default();
    // The modal just closes: an empty body, or (Socket Mode) an empty payload object.
    if answer.is_null() || answer.as_object().is_some_and(serde_json::Map::is_empty) {
        return finish(w);
    }
    match answer["response_action"].as_str() {
        Some("update" | "push") => {
            if answer["view"].is_object() {
                w.view(&answer["view"], "/view");
            } else {
                w.rule(
                    &limits::RESPONSE_ACTION,
                    "/view",
                    "update and push need a view",
                );
            }
        }
        Some("errors") => {
            let allowed = input_block_ids(submitted);
            match answer["errors"].as_object() {
                Some(errors) if !errors.is_empty() => {
                    for (k, v) in errors {
                        if !allowed.contains(k) {
                            w.rule(
                                &limits::ERRORS_KEYS,
                                &format!("/errors/{k}"),
                                format!("{k} is not an input block_id of the submitted view (it has {allowed:?})"),
                            );
                        }
                        if v.as_str().is_none_or(str::is_empty) {
                            w.rule(
                                &limits::ERRORS_KEYS,
                                &format!("/errors/{k}"),
                                "each error needs a message",
                            );
                        }
                    }
                }
                _ => w.rule(
                    &limits::ERRORS_KEYS,
                    "/errors",
                    "errors must be a non-empty object",
                ),
            }
        }
        Some("clear") => {}
        other => w.rule(
            &limits::RESPONSE_ACTION,
            "/response_action",
            format!("unknown response_action {other:?}"),
        ),
    }
    finish(w)
}

/// The bot's HTTP answer to a slash command (`Null` for an empty body).
#[must_use]
pub fn command_answer(answer: &Value) -> Vec<Violation> {
    let mut w = Walk::default();
    // Nothing to show: an empty body, or (Socket Mode) an empty payload object.
    if answer.is_null() || answer.as_object().is_some_and(serde_json::Map::is_empty) {
        return finish(w);
    }
    if !matches!(
        answer["response_type"].as_str(),
        None | Some("ephemeral" | "in_channel")
    ) {
        w.rule(
            &limits::KNOWN_TYPE,
            "/response_type",
            "response_type is ephemeral or in_channel",
        );
    }
    w.message(answer, "");
    finish(w)
}

/// Any HTTP answer of the bot to Slack: `route` is `/slack/commands` or
/// `/slack/interactions`, `request` the form body Slack sent, `answer` the answer's body.
/// Only 200 answers are Slack-facing payloads; refusals (401, 400, 413) carry none.
#[must_use]
pub fn http_answer(route: &str, request: &[u8], status: u16, answer: &[u8]) -> Vec<Violation> {
    if status != 200 {
        return Vec::new();
    }
    let parsed: Value = if answer.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(answer) {
            Ok(v) => v,
            Err(_) => {
                let mut w = Walk::default();
                w.rule(
                    &limits::RESPONSE_ACTION,
                    "",
                    "a 200 answer with a body must be JSON",
                );
                return finish(w);
            }
        }
    };
    if route.ends_with("/commands") {
        return command_answer(&parsed);
    }
    if route.ends_with("/events") {
        return event_answer(request, &parsed);
    }
    let payload = serde_urlencoded::from_bytes::<Vec<(String, String)>>(request)
        .ok()
        .and_then(|f| f.into_iter().find(|(k, _)| k == "payload"))
        .and_then(|(_, p)| serde_json::from_str::<Value>(&p).ok())
        .unwrap_or(Value::Null);
    interaction_answer(&payload, &parsed)
}

/// The answer to an Events API body: a `url_verification` must get its `challenge` back
/// (as JSON `{"challenge": …}`), or Slack does not enable the Request URL; any other event
/// is acknowledged, its body ignored.
fn event_answer(request: &[u8], answer: &Value) -> Vec<Violation> {
    let mut w = Walk::default();
    let sent: Value = serde_json::from_slice(request).unwrap_or(Value::Null);
    if sent["type"] == "url_verification" && answer["challenge"] != sent["challenge"] {
        w.rule(
            &limits::RESPONSE_ACTION,
            "/challenge",
            "url_verification must be answered with its challenge",
        );
    }
    finish(w)
}

/// The answer to one interaction payload, over HTTP or in a Socket Mode acknowledgement.
#[must_use]
pub fn interaction_answer(payload: &Value, answer: &Value) -> Vec<Violation> {
    match payload["type"].as_str() {
        Some("view_submission") => view_submission_answer(answer, &payload["view"]),
        // A shortcut is acknowledged empty: Slack shows nothing of a body (the bot answers
        // in a modal), so one would be a message lost.
        Some("shortcut" | "message_action") if !answer.is_null() => {
            let mut w = Walk::default();
            w.rule(
                &limits::RESPONSE_ACTION,
                "",
                "a shortcut is acknowledged with an empty body",
            );
            finish(w)
        }
        // Block actions are acknowledged; Slack ignores a body.
        _ => Vec::new(),
    }
}

/// What Slack answers a call that breaks its limits, as documented: `invalid_blocks` for a
/// message's blocks, `msg_too_long`/`msg_blocks_too_long` for its length, else
/// `invalid_arguments`; the messages name each problem with a JSON pointer.
#[must_use]
pub fn slack_error(method: &str, violations: &[Violation]) -> Value {
    let code = if violations
        .iter()
        .any(|v| v.limit == limits::KNOWN_METHOD.id)
    {
        "unknown_method"
    } else if violations
        .iter()
        .any(|v| v.limit == limits::MESSAGE_TEXT.id)
    {
        "msg_too_long"
    } else if violations
        .iter()
        .any(|v| v.limit == limits::MESSAGE_BLOCKS_TEXT.id)
    {
        "msg_blocks_too_long"
    } else if method.starts_with("chat.") && violations.iter().any(|v| v.at.starts_with("/blocks"))
    {
        "invalid_blocks"
    } else if violations
        .iter()
        .any(|v| v.limit == limits::MESSAGE_METADATA.id)
    {
        "invalid_metadata_format"
    } else {
        "invalid_arguments"
    };
    let messages: Vec<String> = violations
        .iter()
        .map(|v| format!("[ERROR] {} [json-pointer:{}]", v.detail, v.at))
        .collect();
    serde_json::json!({
        "ok": false,
        "error": code,
        "response_metadata": {"messages": messages}
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids(v: &[Violation]) -> Vec<&'static str> {
        v.iter().map(|v| v.limit).collect()
    }

    #[test]
    fn the_stand_ins_know_every_method_the_bot_calls() {
        for (m, _) in crate::slack::api::METHODS {
            assert!(
                known_method(m),
                "{m} is called but the stand-ins do not know it"
            );
        }
    }

    #[test]
    fn permalink_calls_need_a_channel_and_a_timestamp() {
        assert!(
            api_call(
                "chat.getPermalink",
                &json!({"channel": "C1", "message_ts": "1700000000.000100"})
            )
            .is_empty()
        );
        assert_eq!(
            ids(&api_call("chat.getPermalink", &json!({"channel": "C1"}))),
            vec!["method.arguments"]
        );
        assert_eq!(
            ids(&api_call(
                "chat.getPermalink",
                &json!({"channel": "C1", "message_ts": "yesterday"})
            )),
            vec!["chat.getPermalink.arguments"]
        );
    }

    #[test]
    fn an_option_over_75_characters_is_refused_as_slack_would() {
        let view = json!({
            "type": "modal", "title": {"type": "plain_text", "text": "Choose the policy"},
            "submit": {"type": "plain_text", "text": "File request"},
            "blocks": [{"type": "input", "block_id": "policy", "label": {"type": "plain_text", "text": "Policy"},
                "element": {"type": "radio_buttons", "action_id": "policy", "options": [
                    {"text": {"type": "plain_text", "text": "x".repeat(76)}, "value": "1"}]}}]
        });
        let v = view_submission_answer(
            &json!({"response_action": "update", "view": view}),
            &json!({}),
        );
        assert_eq!(ids(&v), ["option.text"], "{v:?}");
        assert_eq!(v[0].at, "/view/blocks/0/element/options/0/text/text");
        let err = slack_error("views.update", &v);
        assert_eq!(err["error"], "invalid_arguments");
        assert!(
            err["response_metadata"]["messages"][0]
                .as_str()
                .unwrap()
                .contains("json-pointer")
        );
    }

    #[test]
    fn characters_are_counted_not_bytes() {
        let ok = json!({"text": "x", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "가".repeat(150)}}]});
        assert!(message(&ok).is_empty(), "{:?}", message(&ok));
        let over = json!({"text": "x", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "가".repeat(151)}}]});
        assert_eq!(ids(&message(&over)), ["header.text"]);
    }

    #[test]
    fn message_rules() {
        let blocks_only = json!({"channel": "C1", "blocks": [{"type": "divider"}]});
        assert_eq!(
            ids(&api_call("chat.postMessage", &blocks_only)),
            ["message.text_fallback"]
        );
        let input = json!({"channel": "C1", "text": "t", "blocks": [{"type": "input", "label": {"type": "plain_text", "text": "l"}, "element": {"type": "plain_text_input"}}]});
        assert_eq!(
            ids(&api_call("chat.postMessage", &input)),
            ["input.surface"]
        );
        let dup = json!({"channel": "C1", "text": "t", "blocks": [{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}]});
        assert_eq!(
            ids(&api_call("chat.postMessage", &dup)),
            ["block.block_id_unique"]
        );
        let long = json!({"channel": "C1", "text": "t", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "&".repeat(3001)}}]});
        let v = api_call("chat.postMessage", &long);
        assert_eq!(ids(&v), ["section.text"]);
        assert_eq!(
            slack_error("chat.postMessage", &v)["error"],
            "invalid_blocks"
        );
        let no_channel = json!({"text": "t"});
        assert_eq!(
            ids(&api_call("chat.postMessage", &no_channel)),
            ["method.arguments"]
        );
        assert_eq!(
            ids(&api_call("chat.delete", &json!({}))),
            ["method.unknown"]
        );
        let sections: Vec<Value> = (0..5)
            .map(|_| json!({"type": "section", "text": {"type": "mrkdwn", "text": "a".repeat(2500)}}))
            .collect();
        let total = json!({"channel": "C1", "text": "t", "blocks": sections});
        assert_eq!(
            ids(&api_call("chat.postMessage", &total)),
            ["message.blocks_text"]
        );
    }

    #[test]
    fn errors_must_name_input_blocks_of_the_submitted_view() {
        let submitted = json!({"blocks": [{"type": "input", "block_id": "reason"}, {"type": "section", "block_id": "intro"}]});
        assert!(
            view_submission_answer(
                &json!({"response_action": "errors", "errors": {"reason": "no"}}),
                &submitted
            )
            .is_empty()
        );
        let v = view_submission_answer(
            &json!({"response_action": "errors", "errors": {"intro": "no"}}),
            &submitted,
        );
        assert_eq!(ids(&v), ["response_action.errors"]);
        let v = view_submission_answer(
            &json!({"response_action": "errors", "errors": {}}),
            &submitted,
        );
        assert_eq!(ids(&v), ["response_action.errors"]);
        assert!(view_submission_answer(&Value::Null, &submitted).is_empty());
    }

    #[test]
    fn modal_rules() {
        let v = json!({"type": "modal", "title": {"type": "plain_text", "text": "A title that is far too long"},
            "blocks": [{"type": "input", "block_id": "q", "label": {"type": "plain_text", "text": "Q"},
              "element": {"type": "plain_text_input", "max_length": 5, "initial_value": "123456"}}]});
        assert_eq!(
            ids(&view(&v)),
            [
                "modal.title",
                "plain_text_input.initial_value",
                "modal.submit_required"
            ]
        );
    }
}
