//! `expire-bot demo`: the whole product, end to end, in one process and without a Slack
//! account — and, because every step is checked, a smoke test too.
//!
//! The demo starts the real bot ([`crate::app::start`] on a free local port) against the
//! embedded default database (a fresh SQLite file per run, so every run tells the same
//! story) or, with `--database-url`, against PostgreSQL. It points the bot's Web API client
//! at a local stand-in for Slack ([`stand_in`]) and then plays the people: it sends the
//! slash command, the modal submissions and the button clicks as Slack would, signed, to
//! the real HTTP handlers. After each step it prints who did what, what Slack was asked to
//! show them (rendered as text from the very JSON the bot sent, masked as sent), and what
//! the database now holds; then it checks that this is what should have happened. It ends
//! with the statements the store counted per database handle, which shows lookups on the
//! replica and writes on the primary. Exit status 0 means every check held.
//!
//! The demo's own inspection queries (to print the rows) use a separate, uncounted
//! connection, so the closing summary counts only what the bot itself did.

mod render;
mod stand_in;

use std::collections::{BTreeMap, HashMap};
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use axum::body::Bytes;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::app::{self, App, Running};
use crate::config::{Config, DEFAULT_SQLITE_FILE, Mode};
use crate::domain::RiderQuery;
use crate::slack::fixtures;
use crate::slack::verify::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use crate::slack::views::action;
use crate::store::seed::{self, cases};
use crate::store::{self, Db, Role, WriteProbe, on_db};
use crate::telemetry;
use render::Names;
use stand_in::{Call, SlackStandIn};

pub const USAGE: &str = "usage: expire-bot demo [--database-url URL [--replica-url URL]]";

/// The demo's cast and places.
const AGENT: &str = "U0JIWOO";
const LEAD: &str = "U0MINSEO";
const LEAD2: &str = "U0HYUNWOO";
const LEADS_GROUP: &str = "S0CXLEADS";
const APPROVALS: &str = "C0CXAPPROVALS";
const DESK: &str = "C0CXDESK";

/// What the agent types, and why.
const TYPED_PHONE: &str = "010-5550-1234";
const REASON: &str = "Rider withdrew but is still charged the hourly premium; cancelled with the insurer by phone. CX-20417";

/// How long the demo waits for the bot's background work (Slack follow-ups, replica replay).
const SETTLE_LIMIT: Duration = Duration::from_secs(15);
const REPLAY_LIMIT: Duration = Duration::from_secs(30);

/// Command-line options of `demo`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DemoArgs {
    pub database_url: Option<String>,
    pub replica_url: Option<String>,
}

/// Reads `--database-url URL` and `--replica-url URL` (also as `--flag=URL`).
pub fn parse_args(rest: &[String]) -> Result<DemoArgs, String> {
    let mut args = DemoArgs::default();
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v.to_owned())),
            None => (arg.as_str(), None),
        };
        let slot = match flag {
            "--database-url" => &mut args.database_url,
            "--replica-url" => &mut args.replica_url,
            _ => return Err(format!("unknown demo option {flag:?}")),
        };
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a URL"))?,
        };
        *slot = Some(value);
    }
    if args.replica_url.is_some() && args.database_url.is_none() {
        return Err("--replica-url needs --database-url (the primary)".to_owned());
    }
    Ok(args)
}

/// Runs the demo and turns its result into the process exit status.
pub async fn main(rest: &[String]) -> ExitCode {
    let args = match parse_args(rest) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("expire-bot: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // The transcript is the output; logs only when asked for.
    if std::env::var_os("RUST_LOG").is_some() {
        telemetry::init_logging(None);
    }
    match run(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            println!("\n✗ the demo stopped: {e:#}");
            eprintln!("expire-bot: demo failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Checks the demo makes, and the ones that did not hold.
#[derive(Default)]
struct Checks {
    passed: usize,
    failed: Vec<String>,
}

impl Checks {
    fn check(&mut self, ok: bool, what: &str, otherwise: impl FnOnce() -> String) {
        if ok {
            self.passed += 1;
            println!("   ✓ {what}");
        } else {
            let line = format!("{what} — but {}", otherwise());
            println!("   ✗ {line}");
            self.failed.push(line);
        }
    }
}

/// Statement counts by (role, op, outcome), as the store's metric counts them.
type Counts = BTreeMap<(String, String, String), u64>;

fn db_counts() -> Counts {
    let text = telemetry::metrics_handle().render();
    let mut counts = Counts::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("expire_bot_db_operations_total{") else {
            continue;
        };
        let Some((labels, value)) = rest.rsplit_once("} ") else {
            continue;
        };
        let (mut role, mut op, mut outcome) = (String::new(), String::new(), String::new());
        for pair in labels.split(',') {
            if let Some((k, v)) = pair.split_once('=') {
                let v = v.trim_matches('"').to_owned();
                match k {
                    "role" => role = v,
                    "op" => op = v,
                    "outcome" => outcome = v,
                    _ => {}
                }
            }
        }
        let n = value.trim().parse::<f64>().unwrap_or(0.0) as u64;
        counts.insert((role, op, outcome), n);
    }
    counts
}

fn diff(after: &Counts, before: &Counts) -> Counts {
    after
        .iter()
        .filter_map(|(k, v)| {
            let d = v.saturating_sub(before.get(k).copied().unwrap_or(0));
            (d > 0).then(|| (k.clone(), d))
        })
        .collect()
}

/// Rows as the demo prints them, read on a separate, uncounted connection.
#[derive(Debug, Clone, sqlx::FromRow)]
struct RequestView {
    id: i64,
    status: String,
    requested_by: String,
    decided_by: Option<String>,
    policy_id: i64,
    rider_name_masked: String,
    rider_status: String,
    policy_number_masked: String,
    insurer: String,
    outcome: Option<String>,
    message_ts: Option<String>,
    cancelled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct PolicyView {
    status: String,
    valid_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct AuditView {
    id: i64,
    event: String,
    actor: String,
    status_before: Option<String>,
    status_after: Option<String>,
    valid_until_after: Option<DateTime<Utc>>,
}

/// The demo's own window on the primary.
struct Inspector {
    db: Db,
}

impl Inspector {
    async fn open(primary_url: &str) -> anyhow::Result<Inspector> {
        let db = if primary_url.starts_with("sqlite:") {
            let opts = sqlx::sqlite::SqliteConnectOptions::from_str(primary_url)?.read_only(true);
            Db::Sqlite(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_lazy_with(opts),
            )
        } else {
            Db::Pg(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect_lazy(primary_url)?,
            )
        };
        Ok(Inspector { db })
    }

    async fn requests(&self) -> anyhow::Result<Vec<RequestView>> {
        let sql = "SELECT id, status, requested_by, decided_by, policy_id, rider_name_masked, rider_status, \
                   policy_number_masked, insurer, outcome, message_ts, cancelled_at \
                   FROM expiry_requests ORDER BY id";
        Ok(on_db!(&self.db, p => sqlx::query_as::<_, RequestView>(sql).fetch_all(p).await)?)
    }

    async fn requests_for(&self, policies: &[i64]) -> anyhow::Result<i64> {
        let mut n = 0;
        for id in policies {
            let sql = "SELECT COUNT(*) FROM expiry_requests WHERE policy_id = $1";
            n += on_db!(&self.db, p => sqlx::query_scalar::<_, i64>(sql).bind(*id).fetch_one(p).await)?;
        }
        Ok(n)
    }

    async fn policy(&self, id: i64) -> anyhow::Result<PolicyView> {
        let sql = "SELECT status, valid_until FROM hourly_insurance_policies WHERE id = $1";
        Ok(on_db!(&self.db, p => sqlx::query_as::<_, PolicyView>(sql).bind(id).fetch_one(p).await)?)
    }

    async fn audit(&self, request_id: i64) -> anyhow::Result<Vec<AuditView>> {
        let sql = "SELECT id, event, actor, status_before, status_after, valid_until_after \
                   FROM expiry_audit WHERE request_id = $1 ORDER BY id";
        Ok(
            on_db!(&self.db, p => sqlx::query_as::<_, AuditView>(sql).bind(request_id).fetch_all(p).await)?,
        )
    }

    /// Slack calls still owed by the outbox, and the last error recorded on one.
    async fn owed(&self) -> anyhow::Result<(i64, Option<String>)> {
        let sql = "SELECT COUNT(*), MAX(last_error) FROM slack_outbox WHERE done_at IS NULL";
        Ok(
            on_db!(&self.db, p => sqlx::query_as::<_, (i64, Option<String>)>(sql).fetch_one(p).await)?,
        )
    }

    async fn close(&self) {
        self.db.close().await;
    }
}

/// A PostgreSQL URL without its user and password, for printing.
fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}{}{}",
            u.scheme(),
            u.host_str().unwrap_or("?"),
            u.port().map(|p| format!(":{p}")).unwrap_or_default(),
            u.path()
        ),
        Err(_) => "(unparseable URL)".to_owned(),
    }
}

/// Everything the steps share.
struct Demo {
    app: Arc<App>,
    running: Option<Running>,
    slack: SlackStandIn,
    http: Client<HttpConnector, Full<Bytes>>,
    base: String,
    secret: String,
    inspect: Inspector,
    names: Names,
    tz: Tz,
    shown_calls: usize,
    /// Calls that arrived during one step but belong to the next.
    carried: Vec<Call>,
    checks: Checks,
    /// Every HTTP answer the bot gave, for the personal-data check.
    answers: Vec<Value>,
    /// Every way an HTTP answer broke Slack's limits (checked as Slack would).
    answer_violations: Vec<String>,
    cancelled_at: DateTime<Utc>,
    withdrawn_policy: i64,
    new_policy: i64,
}

async fn run(args: DemoArgs) -> anyhow::Result<bool> {
    // Install the recorder before the first statement, so every statement is counted.
    let _ = telemetry::metrics_handle();
    let _ = rustls::crypto::ring::default_provider().install_default();
    println!(
        "expire-bot demo — a CX request, a masked lookup, a lead's approval and the expiry, end to end in one process (no Slack account needed)"
    );
    println!();
    println!("Setting up");

    let tempdir;
    let (primary_url, replica_url) = match &args.database_url {
        None => {
            tempdir = tempfile::Builder::new()
                .prefix("expire-bot-demo-")
                .tempdir()
                .context("cannot create a temporary directory for the demo database")?;
            let file = tempdir.path().join(DEFAULT_SQLITE_FILE);
            println!(
                "  database  embedded default: SQLite, a fresh {} in {} (removed afterwards)",
                DEFAULT_SQLITE_FILE,
                tempdir.path().display()
            );
            println!(
                "            primary handle read-write; replica handle = the same file opened read-only"
            );
            (format!("sqlite://{}", file.display()), None)
        }
        Some(url) => {
            let replica = args.replica_url.clone();
            println!("  database  primary {}", shown_url(url));
            match &replica {
                Some(r) => println!("            replica {} (read-only sessions)", shown_url(r)),
                None => println!("            replica = the primary, opened read-only"),
            }
            (url.clone(), replica)
        }
    };

    let mut groups = HashMap::new();
    groups.insert(
        LEADS_GROUP.to_owned(),
        vec![AGENT.to_owned(), LEAD.to_owned(), LEAD2.to_owned()],
    );
    let mut channels = HashMap::new();
    channels.insert(APPROVALS.to_owned(), "cx-approvals".to_owned());
    let slack = SlackStandIn::start(groups, channels).await?;

    let secret: String = rand::random::<[u8; 16]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut vars: HashMap<&str, String> = HashMap::new();
    vars.insert("SLACK_SIGNING_SECRET", secret.clone());
    vars.insert("SLACK_BOT_TOKEN", "xoxb-demo".to_owned());
    vars.insert("SLACK_API_URL", slack.api_url.clone());
    vars.insert("APPROVAL_CHANNEL_ID", APPROVALS.to_owned());
    vars.insert("APPROVER_USERGROUP_ID", LEADS_GROUP.to_owned());
    vars.insert("DATABASE_URL", primary_url.clone());
    if let Some(r) = &replica_url {
        vars.insert("DATABASE_REPLICA_URL", r.clone());
    }
    vars.insert("REQUEST_TTL", "24h".to_owned());
    vars.insert("DISPLAY_TZ", "Asia/Seoul".to_owned());
    // The demo tells one request's story. Left on, the scheduler would run the day's missed
    // digest slot at start-up whenever the demo runs after 09:00 KST, and post (and scan the
    // replica for) a digest nobody asked for in the middle of the transcript.
    vars.insert("DIGEST_SCHEDULE", "off".to_owned());
    let config =
        Config::from_lookup(Mode::Demo, |k| vars.get(k).cloned()).map_err(|e| anyhow!("{e}"))?;
    let tz = config.display_tz;
    let app = Arc::new(App::new(config)?);

    app.store
        .migrate()
        .await
        .context("applying migrations to the primary")?;
    let now = Utc::now();
    let seeded = seed::seed_demo_if_empty(&app.store.primary, now)
        .await
        .context("seeding the demo riders")?;
    let (riders, policies) = seed::demo_data(now);
    let policy_of = |rider: i64| policies.iter().find(|p| p.rider_id == rider).map(|p| p.id);
    let (Some(withdrawn_policy), Some(new_policy)) = (
        policy_of(cases::WITHDRAWN_RIDER),
        policy_of(cases::NEW_RIDER),
    ) else {
        bail!("the demo data set has no shared-phone case");
    };
    if seeded {
        println!(
            "            migrations applied; demo data seeded: {} riders, {} hourly policies from {}",
            riders.len(),
            policies.len(),
            seed::INSURERS.join(" and ")
        );
    } else {
        println!("            migrations applied; the demo riders were already there");
    }
    let inspect = Inspector::open(&primary_url).await?;
    ready_for_the_story(&app, &inspect, &[withdrawn_policy, new_policy]).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let running = app::start(app.clone(), listener).await?;
    let base = format!("http://{}", running.addr);
    println!(
        "  slack     a local stand-in for the Slack Web API at {} (records every call, answers like Slack)",
        slack.api_url
    );
    println!(
        "  bot       expire-bot serving {base}: the real HTTP handlers; every request below is signed like Slack's"
    );
    println!(
        "  people    Jiwoo (CX agent) · Minseo and Hyunwoo (CX leads) — all three are in the approvers' user group @cx-leads,"
    );
    println!(
        "            so only the four-eyes rule stops Jiwoo from approving her own request; approvals go to #cx-approvals"
    );
    // The approvers' member list is read in the background from start-up, never on a
    // click's path; the story starts once the first read is in.
    if let Some(list) = app.approvers.member_list() {
        for _ in 0..100 {
            if list.age().is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    let background_calls = slack.calls();
    for c in background_calls
        .iter()
        .filter(|c| c.method == "usergroups.users.list")
    {
        println!(
            "  lists     Slack ← usergroups.users.list {}: expire-bot reads who may approve (Jiwoo, Minseo, Hyunwoo) in the background,",
            c.args["usergroup"].as_str().unwrap_or_default()
        );
        println!(
            "            again every minute; clicks are checked against the last list read, so a slow Slack never delays an answer"
        );
    }

    let mut names = Names::default();
    for (id, name) in [
        (AGENT, "Jiwoo"),
        (LEAD, "Minseo"),
        (LEAD2, "Hyunwoo"),
        ("U0BOT", "expire-bot"),
    ] {
        names.users.insert(id.to_owned(), name.to_owned());
    }
    names
        .channels
        .insert(APPROVALS.to_owned(), "cx-approvals".to_owned());
    names.channels.insert(DESK.to_owned(), "cx-desk".to_owned());

    // Slack's datetimepicker has minute resolution: yesterday evening, on the minute.
    let yesterday = (now - chrono::Duration::hours(24)).timestamp();
    let cancelled_at = DateTime::<Utc>::from_timestamp(yesterday - yesterday % 600, 0)
        .ok_or_else(|| anyhow!("clock out of range"))?;

    let mut demo = Demo {
        app,
        running: Some(running),
        slack,
        http: Client::builder(TokioExecutor::new()).build_http(),
        base,
        secret,
        inspect,
        names,
        tz,
        shown_calls: background_calls.len(),
        carried: Vec::new(),
        checks: Checks::default(),
        answers: Vec::new(),
        answer_violations: Vec::new(),
        cancelled_at,
        withdrawn_policy,
        new_policy,
    };
    demo.replica_refuses_writes().await?;

    let before = db_counts();
    let outcome = demo.story().await;
    let flow = diff(&db_counts(), &before);
    let result = match outcome {
        Ok(()) => {
            demo.summary(&flow, &riders);
            Ok(demo.checks.failed.is_empty())
        }
        Err(e) => Err(e),
    };
    if let Some(r) = demo.running.take() {
        r.stop().await;
    }
    demo.slack.stop();
    demo.inspect.close().await;
    demo.app.store.close().await;
    match result {
        Ok(true) => {
            println!(
                "\ndemo passed: 7 steps, {} checks, every one as expected.",
                demo.checks.passed
            );
            Ok(true)
        }
        Ok(false) => {
            println!(
                "\ndemo FAILED: {} of {} checks did not hold:",
                demo.checks.failed.len(),
                demo.checks.failed.len() + demo.checks.passed
            );
            for f in &demo.checks.failed {
                println!("  ✗ {f}");
            }
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Makes sure the database tells the demo's story: the shared-phone case is there, visible
/// on the replica, untouched. Refuses databases holding anything else, so a mistyped
/// `--database-url` can never expire a real rider's policy.
async fn ready_for_the_story(
    app: &App,
    inspect: &Inspector,
    policies: &[i64],
) -> anyhow::Result<()> {
    let (riders, _) = seed::demo_data(Utc::now());
    let expected: Vec<_> = riders
        .iter()
        .filter(|r| r.phone == cases::SHARED_PHONE)
        .collect();
    let query = RiderQuery::parse(cases::SHARED_PHONE).map_err(|e| anyhow!("{e}"))?;
    let started = Instant::now();
    // On PostgreSQL the replica may still be replaying the migrations and the seed: until
    // then the lookup fails (no such table) or finds too little.
    let rows = loop {
        let found = store::find_rider_policies(&app.store.replica, Role::Replica, &query).await;
        let waited_enough = started.elapsed() > REPLAY_LIMIT;
        match found {
            Ok(rows) if rows.len() >= expected.len() || waited_enough => break rows,
            Err(e) if waited_enough => {
                return Err(
                    anyhow::Error::new(e).context("looking up the demo riders on the replica")
                );
            }
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    let is_demo_data = expected.iter().all(|e| {
        rows.iter()
            .any(|r| r.rider_id == e.id && r.name == e.name && r.phone == e.phone)
    });
    if !is_demo_data {
        bail!(
            "this database holds riders that are not expire-bot's demo data (or the replica has not replayed them within {} s); \
             the demo only runs on an empty database, which it seeds, or on one it seeded before",
            REPLAY_LIMIT.as_secs()
        );
    }
    let untouched = policies.iter().all(|p| {
        rows.iter()
            .any(|r| r.policy_id == Some(*p) && r.policy_status.as_deref() == Some("ACTIVE"))
    });
    if !untouched || inspect.requests_for(policies).await? > 0 {
        bail!(
            "the demo already ran against this database (its policies were expired or requested before); \
             point --database-url at a fresh, empty database, or drop and recreate this one"
        );
    }
    Ok(())
}

impl Demo {
    fn who(&self, id: &str) -> String {
        self.names.user(id)
    }

    fn time(&self, t: DateTime<Utc>) -> String {
        crate::slack::views::show_time(t, self.tz)
    }

    fn until(&self, t: Option<DateTime<Utc>>) -> String {
        t.map(|t| self.time(t))
            .unwrap_or_else(|| "open-ended".to_owned())
    }

    /// Posts `body` to the bot as Slack would: signed with the signing secret.
    async fn post_signed(&mut self, route: &str, body: String) -> anyhow::Result<(u16, Value)> {
        let ts = Utc::now().timestamp();
        let signature = sign(&self.secret, ts, body.as_bytes());
        let sent = body.clone().into_bytes();
        let req = axum::http::Request::post(format!("{}{route}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header(TIMESTAMP_HEADER, ts.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(Full::new(Bytes::from(body)))?;
        let resp = self
            .http
            .request(req)
            .await
            .with_context(|| format!("POST {route} did not reach the bot"))?;
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await?.to_bytes();
        self.answer_violations.extend(
            crate::testkit::validate::http_answer(route, &sent, status, &bytes)
                .iter()
                .map(|v| format!("answer to {route}: {v}")),
        );
        let answer = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        self.answers.push(answer.clone());
        Ok((status, answer))
    }

    async fn interaction(&mut self, payload: &Value) -> anyhow::Result<(u16, Value)> {
        self.post_signed("/slack/interactions", fixtures::form(payload))
            .await
    }

    async fn click(&mut self, user: &str) -> anyhow::Result<u16> {
        let payload =
            fixtures::button_click(APPROVALS, user, action::APPROVE, self.request().await?.id);
        let (status, _) = self.interaction(&payload).await?;
        Ok(status)
    }

    /// The one request the story files.
    async fn request(&self) -> anyhow::Result<RequestView> {
        self.inspect
            .requests()
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("no expiry request was filed"))
    }

    /// Waits until the bot's outbox worker has made every Slack call it owes.
    async fn settle(&self) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            let (owed, error) = self.inspect.owed().await?;
            if owed == 0 {
                return Ok(());
            }
            if started.elapsed() > SETTLE_LIMIT {
                bail!(
                    "{owed} Slack call(s) still owed after {} s (last error: {})",
                    SETTLE_LIMIT.as_secs(),
                    error.unwrap_or_else(|| "none".to_owned())
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Calls that arrived since the last time, without printing them.
    fn new_calls(&mut self) -> Vec<Call> {
        let calls = self.slack.calls();
        let fresh = calls.get(self.shown_calls..).unwrap_or_default().to_vec();
        self.shown_calls = calls.len();
        fresh
    }

    /// Prints the calls that arrived since the last time, as what people saw; returns them.
    fn show_new_calls(&mut self) -> Vec<Call> {
        let fresh = self.new_calls();
        for c in &fresh {
            for line in self.describe(c) {
                println!("   {line}");
            }
        }
        fresh
    }

    fn describe(&self, c: &Call) -> Vec<String> {
        let a = &c.args;
        let s = |k: &str| a[k].as_str().unwrap_or_default().to_owned();
        let (head, body) = match c.method.as_str() {
            "views.open" => (
                "Slack ← views.open: the modal opens on Jiwoo's screen".to_owned(),
                render::view(&self.names, &a["view"]),
            ),
            "chat.postMessage" if a["thread_ts"].is_string() => (
                format!(
                    "Slack ← chat.postMessage: a reply in the request's thread in #{}",
                    self.names.channel(&s("channel"))
                ),
                render::message(&self.names, "thread reply", a),
            ),
            "chat.postMessage" if s("channel").starts_with('U') => (
                format!(
                    "Slack ← chat.postMessage: a direct message to {}",
                    self.who(&s("channel"))
                ),
                render::message(&self.names, "from expire-bot", a),
            ),
            "chat.postMessage" => (
                format!(
                    "Slack ← chat.postMessage: posted in #{}",
                    self.names.channel(&s("channel"))
                ),
                render::message(&self.names, "expire-bot", a),
            ),
            "chat.update" => (
                format!(
                    "Slack ← chat.update: the request message in #{} is rewritten",
                    self.names.channel(&s("channel"))
                ),
                render::message(&self.names, "expire-bot (edited)", a),
            ),
            "chat.postEphemeral" => (
                format!(
                    "Slack ← chat.postEphemeral: shown to {} only, in #{}",
                    self.who(&s("user")),
                    self.names.channel(&s("channel"))
                ),
                render::message(&self.names, "only visible to you", a),
            ),
            "usergroups.users.list" => (
                format!(
                    "Slack ← usergroups.users.list {}: expire-bot's background refresh of who may approve (Slack answers: Jiwoo, Minseo, Hyunwoo)",
                    s("usergroup")
                ),
                Vec::new(),
            ),
            other => (format!("Slack ← {other}"), Vec::new()),
        };
        let mut out = vec![head];
        out.extend(body.into_iter().map(|l| format!("    {l}")));
        out
    }

    async fn show_request(&self) -> anyhow::Result<RequestView> {
        let r = self.request().await?;
        println!(
            "   DB  expiry_requests #{}: status {} · requested_by {} · decided_by {} · policy {} ({} {}) of {} ({})",
            r.id,
            r.status,
            self.who(&r.requested_by),
            r.decided_by
                .as_deref()
                .map(|d| self.who(d))
                .unwrap_or_else(|| "—".to_owned()),
            r.policy_id,
            r.insurer,
            r.policy_number_masked,
            r.rider_name_masked,
            r.rider_status,
        );
        Ok(r)
    }

    async fn show_policy(&self, before: Option<&PolicyView>) -> anyhow::Result<PolicyView> {
        let p = self.inspect.policy(self.withdrawn_policy).await?;
        match before {
            Some(b) if b != &p => println!(
                "   DB  hourly_insurance_policies #{}: status {} → {} · valid_until {} → {}",
                self.withdrawn_policy,
                b.status,
                p.status,
                self.until(b.valid_until),
                self.until(p.valid_until)
            ),
            _ => println!(
                "   DB  hourly_insurance_policies #{}: status {} · valid_until {} (unchanged)",
                self.withdrawn_policy,
                p.status,
                self.until(p.valid_until)
            ),
        }
        Ok(p)
    }

    async fn show_audit(&self, request_id: i64) -> anyhow::Result<Vec<AuditView>> {
        let rows = self.inspect.audit(request_id).await?;
        for a in &rows {
            let before = a.status_before.as_deref().unwrap_or("—");
            let after = a.status_after.as_deref().unwrap_or("—");
            println!(
                "   DB  expiry_audit #{}: {} by {} · policy {}{}",
                a.id,
                a.event,
                self.who(&a.actor),
                if before == after {
                    format!("{after} (as found)")
                } else {
                    format!("{before} → {after}")
                },
                a.valid_until_after
                    .filter(|_| a.event == "APPROVED")
                    .map(|t| format!(" as of {}", self.time(t)))
                    .unwrap_or_default()
            );
        }
        Ok(rows)
    }

    async fn replica_refuses_writes(&mut self) -> anyhow::Result<()> {
        let probe = store::probe_write(&self.app.store.replica, Role::Replica).await?;
        let primary = store::probe_write(&self.app.store.primary, Role::Primary).await?;
        let said = match &probe {
            WriteProbe::Refused(m) => m.clone(),
            WriteProbe::Accepted => String::new(),
        };
        self.checks.check(
            matches!(probe, WriteProbe::Refused(_)) && primary == WriteProbe::Accepted,
            &format!(
                "the replica handle refuses writes (\"{said}\"); the primary accepts them (probe rolled back)"
            ),
            || format!("replica: {probe:?}, primary: {primary:?}"),
        );
        Ok(())
    }

    async fn story(&mut self) -> anyhow::Result<()> {
        self.step1_command().await?;
        let choice = self.step2_lookup().await?;
        let message = self.step3_choose(&choice).await?;
        self.step4_own_approval().await?;
        self.step5_lead_approves(&message).await?;
        self.step6_expiry_announced().await?;
        self.step7_second_click().await
    }

    async fn step1_command(&mut self) -> anyhow::Result<()> {
        println!("\n1. Jiwoo (CX agent) types in #cx-desk:  /expire-insurance {TYPED_PHONE}");
        let (status, answer) = self
            .post_signed(
                "/slack/commands",
                fixtures::slash_command(AGENT, TYPED_PHONE),
            )
            .await?;
        println!(
            "   HTTP {status} {}",
            if answer.is_null() {
                "(empty: acknowledged)".to_owned()
            } else {
                answer.to_string()
            }
        );
        let calls = self.show_new_calls();
        let opens: Vec<_> = calls.iter().filter(|c| c.method == "views.open").collect();
        self.checks.check(
            status == 200 && answer.is_null(),
            "the command is acknowledged with an empty 200",
            || format!("HTTP {status} {answer}"),
        );
        let prefilled = opens.first().is_some_and(|c| {
            c.args["trigger_id"] == fixtures::COMMAND_TRIGGER_ID
                && c.args["view"]["callback_id"] == "expiry_request"
                && c.args["view"]
                    .to_string()
                    .contains(&format!("\"initial_value\":\"{TYPED_PHONE}\""))
        });
        self.checks.check(
            opens.len() == 1 && prefilled,
            "the request modal opened with the command's trigger_id, the phone prefilled",
            || format!("views.open calls: {opens:?}"),
        );
        Ok(())
    }

    async fn step2_lookup(&mut self) -> anyhow::Result<Value> {
        println!("\n2. Jiwoo fills in the form and presses “Look up”");
        println!("     Rider: {TYPED_PHONE}");
        println!(
            "     Cancelled at the insurer: {}",
            self.time(self.cancelled_at)
        );
        println!("     Reason and CX ticket: {REASON}");
        let before = db_counts();
        let payload =
            fixtures::request_submission(AGENT, TYPED_PHONE, self.cancelled_at.timestamp(), REASON);
        let (status, answer) = self.interaction(&payload).await?;
        let lookups = diff(&db_counts(), &before);
        println!(
            "   expire-bot looks the phone up on the replica ({}) — two rider accounts share it",
            describe_counts(&lookups)
        );
        println!(
            "   HTTP {status} response_action: {} — Jiwoo's modal becomes:",
            answer["response_action"]
        );
        for line in render::view(&self.names, &answer["view"]) {
            println!("     {line}");
        }
        self.show_new_calls();
        let view = answer["view"].clone();
        self.checks.check(
            status == 200
                && answer["response_action"] == "update"
                && view["callback_id"] == "expiry_choose_policy",
            "the lookup answers with the policy choice step (response_action: update)",
            || format!("HTTP {status} {answer}"),
        );
        let options: Vec<String> = view["blocks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| b["block_id"] == action::POLICY)
            .flat_map(|b| {
                b["element"]["options"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            // What a person sees of an option: its text and the description below it.
            .map(|o| {
                format!(
                    "{}={} / {}",
                    o["value"].as_str().unwrap_or_default(),
                    o["text"]["text"].as_str().unwrap_or_default(),
                    o["description"]["text"].as_str().unwrap_or_default()
                )
            })
            .collect();
        let offers = |policy: i64, name: &str, member: &str| {
            options.iter().any(|o| {
                o.starts_with(&format!("{policy}=")) && o.contains(name) && o.contains(member)
            })
        };
        self.checks.check(
            options.len() == 2
                && offers(self.withdrawn_policy, "홍*동", "withdrawn")
                && offers(self.new_policy, "남**수", "active member"),
            "both policies are offered, each with its rider's masked name and member status",
            || format!("options {options:?}"),
        );
        let replica_lookups = count(&lookups, "replica", "lookup_rider_policies");
        let primary_lookups = count(&lookups, "primary", "lookup_rider_policies");
        self.checks.check(
            replica_lookups == 1 && primary_lookups == 0,
            "the lookup ran on the replica, not the primary",
            || describe_counts(&lookups),
        );
        let filed = self.inspect.requests().await?.len();
        self.checks.check(
            filed == 0,
            "nothing is written before Jiwoo chooses",
            || format!("{filed} request(s) exist"),
        );
        Ok(view)
    }

    async fn step3_choose(&mut self, choice: &Value) -> anyhow::Result<Value> {
        println!(
            "\n3. Jiwoo picks the withdrawn rider's policy (홍*동, withdrawn) and presses “File request”"
        );
        let payload = fixtures::choice_submission(AGENT, choice, self.withdrawn_policy);
        let (status, answer) = self.interaction(&payload).await?;
        println!(
            "   HTTP {status} response_action: {} — Jiwoo's modal becomes:",
            answer["response_action"]
        );
        for line in render::view(&self.names, &answer["view"]) {
            println!("     {line}");
        }
        self.checks.check(
            status == 200
                && answer["response_action"] == "update"
                && answer["view"]["title"]["text"] == "Request filed",
            "Jiwoo is told the request is filed",
            || format!("HTTP {status} {answer}"),
        );
        println!("   Written on the primary, in one transaction:");
        let r = self.show_request().await?;
        let p = self.show_policy(None).await?;
        let audit = self.show_audit(r.id).await?;
        self.checks.check(
            r.status == "PENDING"
                && r.requested_by == AGENT
                && r.policy_id == self.withdrawn_policy
                && r.rider_status == "WITHDRAWN"
                && r.rider_name_masked == "홍*동"
                && r.cancelled_at == Some(self.cancelled_at),
            "a PENDING request for the withdrawn rider's policy, stored masked",
            || format!("{r:?}"),
        );
        self.checks.check(
            p.status == "ACTIVE" && p.valid_until.is_none(),
            "the policy is not touched by filing",
            || format!("{p:?}"),
        );
        self.checks.check(
            audit.len() == 1 && audit[0].event == "FILED",
            "one audit record: FILED",
            || format!("{audit:?}"),
        );
        self.settle().await?;
        println!("   The outbox worker then makes the Slack calls the filing owes:");
        let calls = self.show_new_calls();
        let posted = calls
            .iter()
            .find(|c| c.method == "chat.postMessage" && c.args["channel"] == APPROVALS)
            .map(|c| c.args.clone());
        let buttons = posted.as_ref().is_some_and(|m| {
            let s = m.to_string();
            s.contains(action::APPROVE) && s.contains(action::REJECT)
        });
        self.checks.check(
            buttons,
            "the approval request is posted to #cx-approvals with Approve and Reject",
            || format!("calls {calls:?}"),
        );
        let dm = calls
            .iter()
            .any(|c| c.method == "chat.postMessage" && c.args["channel"] == AGENT);
        self.checks
            .check(dm, "Jiwoo gets a message saying where it went", || {
                format!("calls {calls:?}")
            });
        let r = self.request().await?;
        self.checks.check(
            r.message_ts.is_some(),
            "the request remembers its message (channel and ts)",
            || format!("{r:?}"),
        );
        posted.ok_or_else(|| anyhow!("the approval request was not posted"))
    }

    async fn step4_own_approval(&mut self) -> anyhow::Result<()> {
        println!("\n4. Jiwoo clicks “Approve” on her own request");
        let status = self.click(AGENT).await?;
        println!("   HTTP {status} (acknowledged)");
        let calls = self.show_new_calls();
        let eph = calls
            .iter()
            .find(|c| c.method == "chat.postEphemeral")
            .map(|c| c.args.clone());
        self.checks.check(
            status == 200
                && eph.as_ref().is_some_and(|e| {
                    e["user"] == AGENT
                        && e["channel"] == APPROVALS
                        && e["text"].as_str().unwrap_or("").contains("four-eyes")
                }),
            "refused, and told so privately (ephemeral, four-eyes rule)",
            || format!("HTTP {status}, calls {calls:?}"),
        );
        println!("   Nothing written:");
        let r = self.show_request().await?;
        let p = self.show_policy(None).await?;
        let audit = self.inspect.audit(r.id).await?;
        println!("   DB  expiry_audit: still {} record(s)", audit.len());
        self.checks.check(
            r.status == "PENDING" && p.status == "ACTIVE" && audit.len() == 1,
            "the request stays PENDING, the policy ACTIVE, no audit record added",
            || format!("{r:?} {p:?} {audit:?}"),
        );
        self.checks.check(
            !calls.iter().any(|c| c.method == "chat.update"),
            "the request message is not changed",
            || format!("calls {calls:?}"),
        );
        Ok(())
    }

    async fn step5_lead_approves(&mut self, message: &Value) -> anyhow::Result<()> {
        println!("\n5. Minseo (CX lead) clicks “Approve”; Slack first asks her to confirm");
        if let Some(dialog) = render::confirm_dialog(&self.names, message, action::APPROVE) {
            for line in dialog {
                println!("     {line}");
            }
        }
        println!("   She presses “Expire it”.");
        let before = self.inspect.policy(self.withdrawn_policy).await?;
        let counts = db_counts();
        let status = self.click(LEAD).await?;
        let decided = diff(&db_counts(), &counts);
        println!("   HTTP {status} (acknowledged once the transaction committed)");
        // The click itself calls no Slack method (membership is read from the list the
        // background refresh keeps); a refresh that happens to land now is shown here, and
        // the follow-ups (which the outbox worker may already be making) in step 6.
        let (asked, rest): (Vec<Call>, Vec<Call>) = self
            .new_calls()
            .into_iter()
            .partition(|c| c.method == "usergroups.users.list");
        for c in &asked {
            for line in self.describe(c) {
                println!("   {line}");
            }
        }
        self.carried = rest;
        println!(
            "   One transaction on the primary ({}):",
            describe_counts(&decided)
        );
        let r = self.show_request().await?;
        let p = self.show_policy(Some(&before)).await?;
        let audit = self.show_audit(r.id).await?;
        self.checks.check(
            status == 200
                && r.status == "APPROVED"
                && r.decided_by.as_deref() == Some(LEAD)
                && r.outcome.as_deref() == Some("EXPIRED"),
            "the request is APPROVED by Minseo",
            || format!("HTTP {status} {r:?}"),
        );
        self.checks.check(
            p.status == "EXPIRED" && p.valid_until == Some(self.cancelled_at),
            "the policy is EXPIRED, valid until the cancellation time",
            || format!("{p:?}"),
        );
        self.checks.check(
            audit.len() == 2
                && audit[1].event == "APPROVED"
                && audit[1].status_before.as_deref() == Some("ACTIVE")
                && audit[1].status_after.as_deref() == Some("EXPIRED"),
            "an APPROVED audit record, ACTIVE → EXPIRED",
            || format!("{audit:?}"),
        );
        self.checks.check(
            count(&decided, "primary", "approve_request") == 1
                && decided.keys().all(|(role, _, _)| role == "primary"),
            "the decision ran on the primary only",
            || describe_counts(&decided),
        );
        Ok(())
    }

    async fn step6_expiry_announced(&mut self) -> anyhow::Result<()> {
        println!(
            "\n6. The expiry is announced: the outbox worker makes the calls the decision owes"
        );
        self.settle().await?;
        let mut calls = std::mem::take(&mut self.carried);
        for c in &calls {
            for line in self.describe(c) {
                println!("   {line}");
            }
        }
        calls.extend(self.show_new_calls());
        let r = self.request().await?;
        let ts = r.message_ts.clone().unwrap_or_default();
        let reply = calls.iter().find(|c| {
            c.method == "chat.postMessage" && c.args["thread_ts"].as_str() == Some(ts.as_str())
        });
        self.checks.check(
            reply.is_some_and(|c| {
                c.args["text"]
                    .as_str()
                    .unwrap_or("")
                    .contains("Approved by")
            }),
            "a reply in the request's thread says it was approved",
            || format!("calls {calls:?}"),
        );
        let update = calls.iter().find(|c| c.method == "chat.update");
        self.checks.check(
            update.is_some_and(|c| {
                let s = c.args.to_string();
                c.args["ts"].as_str() == Some(ts.as_str())
                    && !s.contains(action::APPROVE)
                    && !s.contains(action::REJECT)
            }),
            "the request message now shows the decision and no buttons",
            || format!("calls {calls:?}"),
        );
        let told = calls.iter().any(|c| {
            c.method == "chat.postMessage"
                && c.args["channel"] == AGENT
                && c.args["text"].as_str().unwrap_or("").contains("Approved")
        });
        self.checks.check(told, "Jiwoo is told the outcome", || {
            format!("calls {calls:?}")
        });
        Ok(())
    }

    async fn step7_second_click(&mut self) -> anyhow::Result<()> {
        println!(
            "\n7. Hyunwoo (CX lead), whose screen still showed the buttons, clicks “Approve” too"
        );
        let before_policy = self.inspect.policy(self.withdrawn_policy).await?;
        let status = self.click(LEAD2).await?;
        println!("   HTTP {status} (acknowledged)");
        let calls = self.show_new_calls();
        let eph = calls
            .iter()
            .find(|c| c.method == "chat.postEphemeral")
            .map(|c| c.args.clone());
        self.checks.check(
            status == 200
                && eph.as_ref().is_some_and(|e| {
                    let text = e["text"].as_str().unwrap_or("");
                    e["user"] == LEAD2
                        && text.contains("already decided")
                        && text.contains(&format!("<@{LEAD}>"))
                }),
            "Hyunwoo is told, privately, that Minseo already decided it",
            || format!("HTTP {status}, calls {calls:?}"),
        );
        println!("   Nothing written:");
        let r = self.show_request().await?;
        let p = self.show_policy(None).await?;
        let audit = self.inspect.audit(r.id).await?;
        println!("   DB  expiry_audit: still {} record(s)", audit.len());
        self.checks.check(
            r.decided_by.as_deref() == Some(LEAD)
                && p == before_policy
                && audit.len() == 2
                && !calls.iter().any(|c| c.method != "chat.postEphemeral"),
            "decided once: same decider, same policy row, no new audit record or announcement",
            || format!("{r:?} {p:?} {audit:?} calls {calls:?}"),
        );
        Ok(())
    }

    fn summary(&mut self, flow: &Counts, riders: &[seed::SeedRider]) {
        println!(
            "\nDatabase statements during the story, by handle (the store's own count: expire_bot_db_operations_total)"
        );
        for role in ["replica", "primary"] {
            let ops: Vec<String> = flow
                .iter()
                .filter(|((r, _, _), _)| r == role)
                .map(|((_, op, outcome), n)| {
                    if outcome == "ok" {
                        format!("{op} {n}")
                    } else {
                        format!("{op} {n} ({outcome})")
                    }
                })
                .collect();
            let total: u64 = flow
                .iter()
                .filter(|((r, _, _), _)| r == role)
                .map(|(_, n)| n)
                .sum();
            let kind = if role == "replica" {
                "(read-only)"
            } else {
                "(read-write)"
            };
            println!(
                "  {role:<8} {kind:<12} {total:>3} statements: {}",
                if ops.is_empty() {
                    "none".to_owned()
                } else {
                    ops.join(" · ")
                }
            );
        }
        println!(
            "  (outbox_due, pending_summary and time_out_expired are the outbox worker and the TTL sweeper polling; their counts vary with timing)"
        );
        let lookups_replica = count(flow, "replica", "lookup_rider_policies");
        let lookups_primary = count(flow, "primary", "lookup_rider_policies");
        self.checks.check(
            lookups_replica == 2 && lookups_primary == 0,
            "every rider and policy lookup ran on the replica (the search and the re-check of the choice), none on the primary",
            || format!("replica {lookups_replica}, primary {lookups_primary}"),
        );
        const REPLICA_OPS: [&str; 3] = ["lookup_rider_policies", "replica_lag", "ping"];
        let stray: Vec<_> = flow
            .keys()
            .filter(|(r, op, _)| r == "replica" && !REPLICA_OPS.contains(&op.as_str()))
            .collect();
        self.checks.check(
            stray.is_empty() && count(flow, "primary", "file_request") == 1,
            "every write ran on the primary; the replica only answered lookups",
            || format!("on the replica: {stray:?}"),
        );
        let failed: Vec<_> = flow.keys().filter(|(_, _, o)| o != "ok").collect();
        self.checks
            .check(failed.is_empty(), "no statement failed", || {
                format!("{failed:?}")
            });

        let calls = self.slack.calls();
        let mut tally: BTreeMap<&str, usize> = BTreeMap::new();
        for c in &calls {
            *tally.entry(c.method.as_str()).or_default() += 1;
        }
        println!(
            "\nSlack Web API calls the stand-in received: {}",
            tally
                .iter()
                .map(|(m, n)| format!("{m} {n}"))
                .collect::<Vec<_>>()
                .join(" · ")
        );
        let mut raw: Vec<String> = Vec::new();
        for r in riders {
            raw.push(r.name.clone());
            raw.push(r.phone.clone());
            raw.push(format!(
                "{}-{}-{}",
                &r.phone[..3],
                &r.phone[3..7],
                &r.phone[7..]
            ));
            if let Some(b) = r.birth_date {
                raw.push(b.format("%Y-%m-%d").to_string());
            }
        }
        let mut leaks = Vec::new();
        for c in &calls {
            let mut args = c.args.clone();
            if c.method == "views.open" {
                // The contract lets the agent's own typed query stay in her private modal
                // input; placeholders are the bot's fixed example text, not anyone's data.
                strip_keys(&mut args, &["initial_value", "placeholder"]);
            }
            let text = args.to_string();
            for r in &raw {
                if text.contains(r.as_str()) {
                    leaks.push(format!("{} in {}", crate::mask::name(r), c.method));
                }
            }
        }
        for a in &self.answers {
            let text = a.to_string();
            for r in &raw {
                if text.contains(r.as_str()) {
                    leaks.push(format!("{} in an HTTP answer", crate::mask::name(r)));
                }
            }
        }
        self.checks.check(
            leaks.is_empty(),
            "no raw name, phone number or birth date in anything sent to Slack or answered to it (only Jiwoo's own typed query, in her private modal)",
            || format!("found {leaks:?}"),
        );
        let mut refused = self.slack.violations();
        refused.extend(self.answer_violations.iter().cloned());
        self.checks.check(
            refused.is_empty(),
            "everything sent to Slack and answered to it is inside Slack's limits (the stand-in checks each call as strictly as Slack)",
            || format!("Slack would refuse: {}", refused.join("; ")),
        );
    }
}

/// Removes every `keys` entry from a JSON tree.
fn strip_keys(v: &mut Value, keys: &[&str]) {
    match v {
        Value::Object(map) => {
            map.retain(|k, _| !keys.contains(&k.as_str()));
            map.values_mut().for_each(|v| strip_keys(v, keys));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| strip_keys(v, keys)),
        _ => {}
    }
}

/// What the outbox worker and the TTL sweeper run on their own schedule.
const BACKGROUND_OPS: [&str; 3] = ["outbox_due", "pending_summary", "time_out_expired"];

fn count(counts: &Counts, role: &str, op: &str) -> u64 {
    counts
        .iter()
        .filter(|((r, o, _), _)| r == role && o == op)
        .map(|(_, n)| n)
        .sum()
}

fn describe_counts(counts: &Counts) -> String {
    let parts: Vec<String> = counts
        .iter()
        .filter(|((_, op, _), _)| !BACKGROUND_OPS.contains(&op.as_str()))
        .map(|((role, op, outcome), n)| {
            let o = if outcome == "ok" {
                String::new()
            } else {
                format!(" {outcome}")
            };
            format!("{role}: {op}{o} ×{n}")
        })
        .collect();
    if parts.is_empty() {
        "no statements".to_owned()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options() {
        assert_eq!(parse_args(&[]), Ok(DemoArgs::default()));
        assert_eq!(
            parse_args(&args(&[
                "--database-url",
                "postgres://a/b",
                "--replica-url=postgres://c/b"
            ])),
            Ok(DemoArgs {
                database_url: Some("postgres://a/b".into()),
                replica_url: Some("postgres://c/b".into()),
            })
        );
        assert!(parse_args(&args(&["--database-url"])).is_err());
        assert!(parse_args(&args(&["--replica-url", "postgres://c/b"])).is_err());
        assert!(parse_args(&args(&["--verbose"])).is_err());
    }

    #[test]
    fn counts_are_read_from_the_prometheus_text() {
        metrics::counter!("expire_bot_db_operations_total", "role" => "replica", "op" => "unit_test_op", "outcome" => "ok").increment(0);
        let _ = telemetry::metrics_handle();
        metrics::counter!("expire_bot_db_operations_total", "role" => "replica", "op" => "unit_test_op", "outcome" => "ok").increment(3);
        let c = db_counts();
        assert_eq!(count(&c, "replica", "unit_test_op"), 3);
    }

    #[test]
    fn urls_are_shown_without_credentials() {
        assert_eq!(
            shown_url("postgres://bot:hunter2@db.internal:5432/expire"),
            "postgres://db.internal:5432/expire"
        );
    }
}
