//! The strict Slack Web API stand-in for the integration tests (wiremock).
//!
//! Every answer it mounts — the healthy ones and the faults a test injects — first checks
//! the call against [`super::validate`]: a call that breaks one of Slack's limits is
//! recorded, and the healthy answers then refuse it the way Slack does (`invalid_blocks`,
//! `invalid_arguments`, …), so the bot's error paths see what they would see in
//! production. A call no mock answers (an unknown method, or one the test forgot) gets
//! Slack's `unknown_method` and is recorded too, instead of a silent 404.
//!
//! Recorded violations fail the test: [`StrictSlack::assert_clean`] panics with the list,
//! and so does dropping the stand-in (unless the test is already failing). Tests cannot
//! mount a raw wiremock `Mock` on it: every answer goes through [`StrictSlack::on`], so
//! nothing the bot sends escapes the check, faults included.
//!
//! An answer a test relies on being used (a fault it injects, the Socket Mode URL it
//! hands out) says so with [`On::expect`]: [`StrictSlack::verify`] (called by the test
//! harness when a test app stops, and before every [`StrictSlack::reset`]) fails the test
//! when it was called a different number of times.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, Times};

use super::validate;

/// The workspace the healthy answers speak for.
const TEAM: &str = super::fixtures::TEAM;

#[derive(Default)]
struct Recorder {
    violations: Mutex<Vec<String>>,
}

impl Recorder {
    fn record(&self, line: String) {
        if let Ok(mut v) = self.violations.lock() {
            v.push(line);
        }
    }

    fn all(&self) -> Vec<String> {
        self.violations
            .lock()
            .map(|v| v.clone())
            .unwrap_or_default()
    }
}

/// The Web API method a request calls (`chat.postMessage`), if it is under `/api/`.
fn method_of(req: &Request) -> Option<String> {
    req.url
        .path()
        .strip_prefix("/api/")
        .map(str::to_owned)
        .filter(|m| !m.is_empty())
}

/// A call's arguments: its JSON body, else its form body, else its query string.
pub fn args_of(req: &Request) -> Value {
    if let Ok(v) = serde_json::from_slice::<Value>(&req.body)
        && v.is_object()
    {
        return v;
    }
    let form = if req.body.is_empty() {
        req.url.query().unwrap_or_default().as_bytes().to_vec()
    } else {
        req.body.clone()
    };
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&form).unwrap_or_default();
    Value::Object(
        fields
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    )
}

/// Checks a call before answering it with `inner` (or, when `refuse`, with Slack's error).
struct Checked<R> {
    inner: R,
    recorder: Arc<Recorder>,
    refuse: bool,
}

impl<R: Respond> Respond for Checked<R> {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let Some(m) = method_of(req) else {
            self.recorder.record(format!(
                "{} {}: not a Web API path",
                req.method,
                req.url.path()
            ));
            return ResponseTemplate::new(404);
        };
        let violations = validate::api_call(&m, &args_of(req));
        if violations.is_empty() {
            return self.inner.respond(req);
        }
        for v in &violations {
            self.recorder.record(format!("{m}: {v}"));
        }
        if self.refuse {
            ResponseTemplate::new(200).set_body_json(validate::slack_error(&m, &violations))
        } else {
            self.inner.respond(req)
        }
    }
}

/// The lowest-priority answer: nothing else matched.
struct Unanswered {
    recorder: Arc<Recorder>,
}

impl Respond for Unanswered {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let m = method_of(req).unwrap_or_else(|| req.url.path().to_owned());
        self.recorder.record(format!(
            "{m}: [method.unknown] no stand-in answer is mounted for {} {m} (Slack would answer unknown_method, or the test forgot a mock)",
            req.method
        ));
        ResponseTemplate::new(200).set_body_json(json!({
            "ok": false, "error": "unknown_method", "req_method": m
        }))
    }
}

/// The messages the stand-in has "posted", as Slack keeps them for `conversations.history`.
#[derive(Default)]
struct Channels {
    /// (channel, the message as history returns it with `include_all_metadata`).
    messages: Mutex<Vec<(String, Value)>>,
}

/// `chat.postMessage` answered like Slack: a fresh `ts` per message (real seconds, so
/// `conversations.history`'s `oldest` works as with Slack); a message to a user ID lands in
/// the bot's DM channel with them. The message is kept for `conversations.history` the
/// moment the call arrives — also when the answer is then delayed past the bot's timeout,
/// which is exactly the case where Slack posted it and the bot does not know.
#[derive(Clone)]
pub struct PostMessage {
    ts: Arc<AtomicU64>,
    channels: Arc<Channels>,
    delay: Option<std::time::Duration>,
}

impl PostMessage {
    /// The same answer, given only after `delay` (the message is posted at once).
    pub fn delayed(mut self, delay: std::time::Duration) -> PostMessage {
        self.delay = Some(delay);
        self
    }
}

impl Respond for PostMessage {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let n = self.ts.fetch_add(1, Ordering::SeqCst) + 1;
        let args = args_of(req);
        let channel = args["channel"].as_str().unwrap_or("C0").to_owned();
        let channel = match channel.strip_prefix('U') {
            Some(rest) => format!("D{rest}"),
            None => channel,
        };
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let ts = format!("{secs}.{n:06}");
        let metadata = match &args["metadata"] {
            Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
            v => v.clone(),
        };
        let message = json!({
            "type": "message", "text": args["text"], "ts": ts, "bot_id": "B0BOT", "user": "U0BOT",
            "app_id": "A0APP", "team": TEAM, "blocks": args["blocks"], "metadata": metadata,
        });
        if args["thread_ts"].is_null()
            && let Ok(mut m) = self.channels.messages.lock()
        {
            m.push((channel.clone(), message.clone()));
        }
        let mut answer = message;
        if let Some(obj) = answer.as_object_mut() {
            obj.remove("metadata");
        }
        let template = ResponseTemplate::new(200).set_body_json(json!({
            "ok": true,
            "channel": channel,
            "ts": ts,
            "message": answer
        }));
        match self.delay {
            Some(d) => template.set_delay(d),
            None => template,
        }
    }
}

/// `conversations.history` answered like Slack: the channel's top-level messages, newest
/// first, after `oldest` and before `latest` (both exclusive unless `inclusive`), at most
/// `limit` (default 100), and their `metadata` only with `include_all_metadata=true`.
struct History {
    channels: Arc<Channels>,
}

impl Respond for History {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let args = args_of(req);
        let arg = |k: &str| args[k].as_str().map(str::to_owned);
        let channel = arg("channel").unwrap_or_default();
        if !channel.starts_with(['C', 'G', 'D']) {
            return ResponseTemplate::new(200)
                .set_body_json(json!({"ok": false, "error": "channel_not_found"}));
        }
        let ts_of = |v: &Value| v["ts"].as_str().and_then(|t| t.parse::<f64>().ok());
        let bound = |k: &str| arg(k).and_then(|t| t.parse::<f64>().ok());
        let (oldest, latest) = (bound("oldest"), bound("latest"));
        let inclusive = arg("inclusive").as_deref() == Some("true");
        let with_metadata = arg("include_all_metadata").as_deref() == Some("true");
        let limit = arg("limit")
            .and_then(|l| l.parse::<usize>().ok())
            .unwrap_or(100);
        let mut found: Vec<Value> = self
            .channels
            .messages
            .lock()
            .map(|m| {
                m.iter()
                    .filter(|(c, _)| *c == channel)
                    .map(|(_, m)| m.clone())
                    .collect()
            })
            .unwrap_or_default();
        found.retain(|m| {
            let Some(t) = ts_of(m) else { return false };
            let after = oldest.is_none_or(|o| if inclusive { t >= o } else { t > o });
            let before = latest.is_none_or(|l| if inclusive { t <= l } else { t < l });
            after && before
        });
        found.sort_by(|a, b| {
            ts_of(b)
                .partial_cmp(&ts_of(a))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let has_more = found.len() > limit;
        found.truncate(limit);
        for m in &mut found {
            if let Some(obj) = m.as_object_mut() {
                if !with_metadata || obj["metadata"].is_null() {
                    obj.remove("metadata");
                }
                if obj["blocks"].is_null() {
                    obj.remove("blocks");
                }
            }
        }
        ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "messages": found, "has_more": has_more, "pin_count": 0,
            "response_metadata": {"next_cursor": ""}
        }))
    }
}

/// `users.info` answered like Slack for a member of the workspace: not a guest, not
/// deleted, of [`TEAM`]. Tests mount other people (a guest, someone of another workspace)
/// in front of it.
struct UserInfo;

impl Respond for UserInfo {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let args = args_of(req);
        let id = args["user"].as_str().unwrap_or_default().to_owned();
        ResponseTemplate::new(200)
            .set_body_json(json!({"ok": true, "user": user_json(&id, TEAM, false, false)}))
    }
}

/// A `users.info` user as Slack returns it.
pub fn user_json(id: &str, team: &str, restricted: bool, ultra_restricted: bool) -> Value {
    json!({
        "id": id, "team_id": team, "name": id.to_lowercase(), "deleted": false,
        "real_name": "Someone", "tz": "Asia/Seoul", "tz_label": "Korea Standard Time", "tz_offset": 32400,
        "profile": {"real_name": "Someone", "display_name": "someone", "team": team},
        "is_admin": false, "is_owner": false, "is_primary_owner": false,
        "is_restricted": restricted, "is_ultra_restricted": ultra_restricted,
        "is_bot": false, "is_app_user": false, "updated": 1_700_000_000, "has_2fa": false
    })
}

/// `views.open`/`update`/`push`/`publish` answered with the view as Slack stores it.
struct ViewAnswer;

impl Respond for ViewAnswer {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let args = args_of(req);
        let view = match &args["view"] {
            Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
            v => v.clone(),
        };
        ResponseTemplate::new(200).set_body_json(json!({"ok": true, "view": {
            "id": "V0MODAL1", "team_id": TEAM, "type": view["type"].as_str().unwrap_or("modal"),
            "blocks": view["blocks"], "private_metadata": view["private_metadata"].as_str().unwrap_or(""),
            "callback_id": view["callback_id"].as_str().unwrap_or(""), "state": {"values": {}},
            "hash": "1700000000.AbCdEfGh", "title": view["title"],
            "clear_on_close": false, "notify_on_close": false, "close": view["close"], "submit": view["submit"],
            "previous_view_id": null, "root_view_id": "V0MODAL1", "app_id": "A0APP",
            "external_id": "", "app_installed_team_id": TEAM, "bot_id": "B0BOT"
        }}))
    }
}

/// `chat.getPermalink` answered like Slack: `{ok, channel, permalink}`, the permalink in
/// Slack's form (`https://<workspace>.slack.com/archives/<channel>/p<ts without the dot>`);
/// a channel that is not a conversation ID gets `channel_not_found`.
struct Permalink;

/// The permalink the stand-in gives the message `ts` in `channel`.
pub fn permalink_of(channel: &str, ts: &str) -> String {
    format!(
        "https://acme.slack.com/archives/{channel}/p{}",
        ts.replace('.', "")
    )
}

impl Respond for Permalink {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let args = args_of(req);
        let channel = args["channel"].as_str().unwrap_or_default();
        let ts = args["message_ts"].as_str().unwrap_or_default();
        if !channel.starts_with(['C', 'G', 'D']) {
            return ResponseTemplate::new(200)
                .set_body_json(json!({"ok": false, "error": "channel_not_found"}));
        }
        ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "channel": channel, "permalink": permalink_of(channel, ts)
        }))
    }
}

/// `chat.update` answered with the channel and `ts` it was given.
struct UpdateAnswer;

impl Respond for UpdateAnswer {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let args = args_of(req);
        ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "channel": args["channel"], "ts": args["ts"], "text": args["text"],
            "message": {"text": args["text"], "user": "U0BOT", "bot_id": "B0BOT", "type": "message"}
        }))
    }
}

/// A Slack Web API stand-in as strict as Slack. See the module docs.
pub struct StrictSlack {
    server: MockServer,
    recorder: Arc<Recorder>,
    /// Keeps `ts` values unique across remounts of the healthy answers.
    ts: Arc<AtomicU64>,
    /// Members `usergroups.users.list` reports for any group.
    group_members: Vec<String>,
    /// What `chat.postMessage` posted, for `conversations.history`.
    channels: Arc<Channels>,
}

impl StrictSlack {
    /// A stand-in answering nothing but the catch-all; mount answers with [`Self::on`].
    pub async fn bare(group_members: &[&str]) -> StrictSlack {
        let slack = StrictSlack {
            server: MockServer::start().await,
            recorder: Arc::new(Recorder::default()),
            ts: Arc::new(AtomicU64::new(0)),
            group_members: group_members.iter().map(|s| (*s).to_owned()).collect(),
            channels: Arc::new(Channels::default()),
        };
        slack.mount_catch_all().await;
        slack
    }

    /// A stand-in answering every method the bot uses as healthy Slack does.
    pub async fn start(group_members: &[&str]) -> StrictSlack {
        let slack = StrictSlack::bare(group_members).await;
        slack.mount_healthy().await;
        slack
    }

    /// `chat.postMessage`'s healthy answer, to mount as a fault (e.g. `.delayed(…)`): the
    /// message is posted, kept for `conversations.history`, and answered.
    pub fn posting(&self) -> PostMessage {
        PostMessage {
            ts: self.ts.clone(),
            channels: self.channels.clone(),
            delay: None,
        }
    }

    /// The top-level messages posted to `channel` so far (as `conversations.history`
    /// would list them, oldest first, metadata included).
    pub fn messages_in(&self, channel: &str) -> Vec<Value> {
        self.channels
            .messages
            .lock()
            .map(|m| {
                m.iter()
                    .filter(|(c, _)| c == channel)
                    .map(|(_, m)| m.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The base URL; the bot's `SLACK_API_URL` is this plus `/api`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    async fn mount_catch_all(&self) {
        Mock::given(path_regex(".*"))
            .respond_with(Unanswered {
                recorder: self.recorder.clone(),
            })
            .with_priority(u8::MAX)
            .named("unanswered")
            .mount(&self.server)
            .await;
    }

    /// (Re)mounts the healthy answers, e.g. after [`Self::reset`] when Slack "comes back".
    pub async fn mount_healthy(&self) {
        self.on("chat.postMessage")
            .post()
            .priority(5)
            .answer(self.posting())
            .await;
        for m in ["views.open", "views.update", "views.push", "views.publish"] {
            self.on(m).post().priority(5).answer(ViewAnswer).await;
        }
        self.on("chat.update")
            .post()
            .priority(5)
            .answer(UpdateAnswer)
            .await;
        self.on("chat.postEphemeral")
            .post()
            .priority(5)
            .answer(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"ok": true, "message_ts": "1700000000.000002"})),
            )
            .await;
        self.on("usergroups.users.list")
            .priority(5)
            .answer(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"ok": true, "users": self.group_members})),
            )
            .await;
        self.on("chat.getPermalink")
            .priority(5)
            .answer(Permalink)
            .await;
        self.on("conversations.history")
            .priority(5)
            .answer(History {
                channels: self.channels.clone(),
            })
            .await;
        self.mount_identity(5).await;
    }

    /// `auth.test`, `bots.info` and `users.info` answered as for a healthy workspace, at
    /// `priority`: who the bot and the people are. A test that makes the rest of the Web API
    /// fail mounts these first (priority 1) when it means Slack's messaging to be down, not
    /// the bot's knowledge of who is asking (without which every request is refused).
    pub async fn mount_identity(&self, priority: u8) {
        self.on("users.info")
            .priority(priority)
            .answer(UserInfo)
            .await;
        self.on("bots.info")
            .priority(priority)
            .answer(ResponseTemplate::new(200).set_body_json(json!({
                "ok": true, "bot": {
                    "id": "B0BOT", "deleted": false, "name": "expire-bot", "updated": 1_700_000_000,
                    "app_id": "A0APP", "user_id": "U0BOT",
                    "icons": {"image_36": "https://a.slack-edge.com/36.png", "image_48": "https://a.slack-edge.com/48.png", "image_72": "https://a.slack-edge.com/72.png"}
                }
            })))
            .await;
        self.on("auth.test")
            .priority(priority)
            .answer(ResponseTemplate::new(200).set_body_json(json!({
                "ok": true, "url": "https://acme.slack.com/", "team": "Acme", "user": "expire-bot",
                "team_id": TEAM, "user_id": "U0BOT", "bot_id": "B0BOT"
            })))
            .await;
    }

    /// Forgets every answer and every received request, keeping the catch-all. Recorded
    /// violations are kept, and the answers' expectations are checked first: a reset never
    /// hides either.
    pub async fn reset(&self) {
        self.verify().await;
        self.server.reset().await;
        self.mount_catch_all().await;
    }

    /// Fails the test if an answer mounted with [`On::expect`] was not called as often as
    /// expected.
    pub async fn verify(&self) {
        self.server.verify().await;
    }

    /// An answer (or a fault) for one method; see [`On`].
    pub fn on(&self, method_name: &str) -> On<'_> {
        On {
            slack: self,
            method: Some(method_name.to_owned()),
            verb: None,
            query: Vec::new(),
            headers: Vec::new(),
            fields: Vec::new(),
            priority: 1,
            times: None,
            expect: None,
        }
    }

    /// An answer (or a fault) for every method: "Slack is down".
    pub fn on_any(&self) -> On<'_> {
        On {
            method: None,
            ..self.on("")
        }
    }

    /// Every violation recorded so far, one line each.
    pub fn violations(&self) -> Vec<String> {
        self.recorder.all()
    }

    /// Takes the recorded violations away (for tests of the stand-in itself, which cause
    /// them on purpose).
    pub fn take_violations(&self) -> Vec<String> {
        self.recorder
            .violations
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }

    /// Panics with every recorded violation, if there is any.
    pub fn assert_clean(&self) {
        let v = self.violations();
        assert!(
            v.is_empty(),
            "the bot sent Slack what Slack refuses ({} problem(s)):\n  {}",
            v.len(),
            v.join("\n  ")
        );
    }

    /// The arguments of every call to `method_name`, in order (JSON bodies, or the query
    /// fields of GETs as `{"query": "…"}`).
    pub async fn calls(&self, method_name: &str) -> Vec<Value> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path() == format!("/api/{method_name}"))
            .map(|r| {
                serde_json::from_slice(&r.body).unwrap_or_else(|_| json!({"query": r.url.query()}))
            })
            .collect()
    }

    /// Every request received (since the last reset).
    pub async fn received_requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }
}

impl std::fmt::Debug for StrictSlack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StrictSlack")
            .field("uri", &self.uri())
            .field("violations", &self.violations().len())
            .finish()
    }
}

impl Drop for StrictSlack {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.assert_clean();
        }
    }
}

/// What [`StrictSlack::on`] mounts: which calls it matches and how often.
pub struct On<'a> {
    slack: &'a StrictSlack,
    method: Option<String>,
    verb: Option<&'static str>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    /// JSON body fields the call must carry.
    fields: Vec<(String, Value)>,
    priority: u8,
    times: Option<u64>,
    expect: Option<Times>,
}

impl On<'_> {
    pub fn get(mut self) -> Self {
        self.verb = Some("GET");
        self
    }

    pub fn post(mut self) -> Self {
        self.verb = Some("POST");
        self
    }

    /// Only calls with this query parameter.
    pub fn query(mut self, k: &str, v: &str) -> Self {
        self.query.push((k.to_owned(), v.to_owned()));
        self
    }

    /// Only calls with this header.
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.to_owned(), v.to_owned()));
        self
    }

    /// Only calls whose JSON body has this field with this value (e.g. the `channel` of a
    /// `chat.postMessage`).
    pub fn field(mut self, k: &str, v: impl Into<Value>) -> Self {
        self.fields.push((k.to_owned(), v.into()));
        self
    }

    /// wiremock priority: 1 (the default here) wins over the healthy answers' 5.
    pub fn priority(mut self, p: u8) -> Self {
        self.priority = p;
        self
    }

    /// Answer only the first `n` matching calls.
    pub fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }

    /// The test relies on this answer being called this often (`1`, `1..`, `2..=3`):
    /// [`StrictSlack::verify`] fails it otherwise.
    pub fn expect(mut self, times: impl Into<Times>) -> Self {
        self.expect = Some(times.into());
        self
    }

    fn mock<R: Respond + 'static>(self, inner: R, refuse: bool) -> Mock {
        let mut mock = match &self.method {
            Some(m) => Mock::given(path(format!("/api/{m}"))),
            None => Mock::given(path_regex("^/api/")),
        };
        if let Some(v) = self.verb {
            mock = mock.and(method(v));
        }
        for (k, v) in &self.query {
            mock = mock.and(query_param(k.as_str(), v.as_str()));
        }
        for (k, v) in &self.headers {
            mock = mock.and(header(k.as_str(), v.as_str()));
        }
        for (k, v) in &self.fields {
            mock = mock.and(body_partial_json(json!({ k.as_str(): v })));
        }
        let mut mounted = mock
            .respond_with(Checked {
                inner,
                recorder: self.slack.recorder.clone(),
                refuse,
            })
            .with_priority(self.priority);
        if let Some(n) = self.times {
            mounted = mounted.up_to_n_times(n);
        }
        if let Some(times) = self.expect {
            mounted = mounted.expect(times);
        }
        mounted
    }

    /// A healthy answer: a call that breaks a limit gets Slack's refusal instead.
    pub async fn answer<R: Respond + 'static>(self, r: R) {
        let slack = self.slack;
        self.mock(r, true).mount(&slack.server).await;
    }

    /// A fault (500, 429, `ok: false`, a delay…): answered as given whatever the call,
    /// while a call that breaks a limit is still recorded.
    pub async fn fault<R: Respond + 'static>(self, r: R) {
        let slack = self.slack;
        self.mock(r, false).mount(&slack.server).await;
    }
}
