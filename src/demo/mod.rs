//! `expire-bot demo`: the whole product, end to end, in one process and without a Slack
//! account — and, because every step is checked, a smoke test too.
//!
//! The demo starts the real bot ([`crate::startup::start`] on a free local port) against the
//! embedded default database (a fresh SQLite file per run, so every run tells the same
//! story) or, with `--database-url`, against PostgreSQL. It points the bot's Web API client
//! at the test kit's local stand-in for Slack ([`crate::testkit::local_slack`]) and then
//! plays the people: it sends the slash command, the modal submissions and the button
//! clicks as Slack would ([`crate::testkit::fixtures`]), signed
//! ([`crate::testkit::signed`]), to the real HTTP handlers. After each step it prints who did what, what Slack was asked to
//! show them (rendered as text from the very JSON the bot sent, masked as sent), and what
//! the database now holds; then it checks that this is what should have happened. It ends
//! with the statements the store counted per database handle, which shows lookups on the
//! replica and writes on the primary. Exit status 0 means every check held.
//!
//! It speaks the bot's configured language: `--language ko|en` (default: `UI_LANGUAGE`, else
//! Korean, as the bot itself defaults). The narration stays English, but everything Slack
//! was asked to show — modals, messages, buttons, the confirm dialog, answers — comes from
//! that language's catalogue, and the checks hold in both.
//!
//! The demo's own inspection queries (to print the rows) use a separate, uncounted
//! connection ([`crate::store::inspect`]), so the closing summary counts only what the bot
//! itself did.
//!
//! The story's steps are in [`story`], its checks and statement counts in [`checks`], the
//! closing summary in [`summary`], and the transcript's rendering of Slack JSON in
//! [`render`]; this file sets the scene.

mod checks;
mod render;
mod story;
mod summary;

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::config::{Config, Mode};
use crate::domain::{PolicyId, RiderQuery};
use crate::i18n::{Language, Locale};
use crate::startup::{self, Bot, Running};
use crate::store::DEFAULT_SQLITE_FILE;
use crate::store::inspect::Inspector;
use crate::store::seed::{self, cases};
use crate::telemetry;
use crate::testkit::local_slack::{Call, SlackStandIn};
use crate::testkit::signed::SignedClient;
use checks::{Checks, db_counts, diff};
use render::Names;

pub const USAGE: &str =
    "usage: expire-bot demo [--language ko|en] [--database-url URL [--replica-url URL]]";

/// The demo's cast and places.
const AGENT: &str = "U0JIWOO";
const LEAD: &str = "U0MINSEO";
const LEAD2: &str = "U0HYUNWOO";
const LEADS_GROUP: &str = "S0CXLEADS";
const APPROVALS: &str = "C0CXAPPROVALS";
const DESK: &str = "C0CXDESK";

/// What the agent types, and why (in the language she works in).
const TYPED_PHONE: &str = "010-5550-1234";
fn reason(language: Language) -> &'static str {
    match language {
        Language::Ko => {
            "탈퇴한 라이더에게 시간제 보험료가 계속 청구되고 있어 전화로 보험사 해지를 마쳤습니다. CX-20417"
        }
        Language::En => {
            "Rider withdrew but is still charged the hourly premium; cancelled with the insurer by phone. CX-20417"
        }
    }
}

/// How long the demo waits for the bot's background work (Slack follow-ups, replica replay).
const SETTLE_LIMIT: Duration = Duration::from_secs(15);
pub(crate) const REPLAY_LIMIT: Duration = Duration::from_secs(30);

/// Command-line options of `demo`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DemoArgs {
    pub database_url: Option<String>,
    pub replica_url: Option<String>,
    /// `--language`; `None`: `UI_LANGUAGE`, else the bot's default (Korean).
    pub language: Option<Language>,
}

/// Reads `--database-url URL`, `--replica-url URL` and `--language ko|en` (also as
/// `--flag=value`).
pub fn parse_args(rest: &[String]) -> Result<DemoArgs, String> {
    let mut args = DemoArgs::default();
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v.to_owned())),
            None => (arg.as_str(), None),
        };
        let what = match flag {
            "--database-url" | "--replica-url" => "a URL",
            "--language" => "ko or en",
            _ => return Err(format!("unknown demo option {flag:?}")),
        };
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs {what}"))?,
        };
        match flag {
            "--database-url" => args.database_url = Some(value),
            "--replica-url" => args.replica_url = Some(value),
            _ => {
                args.language =
                    Some(Language::parse(&value).map_err(|e| format!("--language {e}"))?);
            }
        }
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
    let _logs = std::env::var_os("RUST_LOG")
        .is_some()
        .then(|| telemetry::init_logging(None));
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

/// The demo's language: `--language`, else `UI_LANGUAGE` (validated as the bot validates
/// it), else Korean.
fn language(args: &DemoArgs) -> anyhow::Result<Language> {
    match (args.language, std::env::var("UI_LANGUAGE")) {
        (Some(l), _) => Ok(l),
        (None, Ok(v)) => Language::parse(&v).map_err(|e| anyhow!("UI_LANGUAGE {e}")),
        (None, Err(_)) => Ok(Language::default()),
    }
}

/// Everything the steps share.
struct Demo {
    bot: Arc<Bot>,
    running: Option<Running>,
    slack: SlackStandIn,
    /// Signs like Slack; posts to the bot's real HTTP handlers.
    client: SignedClient,
    inspect: Inspector,
    names: Names,
    /// The bot's language and `DISPLAY_TZ`, for the narration's times and the checks.
    locale: Locale,
    shown_calls: usize,
    /// Calls that arrived during one step but belong to the next.
    carried: Vec<Call>,
    checks: Checks,
    /// Every HTTP answer the bot gave, for the personal-data check.
    answers: Vec<Value>,
    /// Every way an HTTP answer broke Slack's limits (checked as Slack would).
    answer_violations: Vec<String>,
    cancelled_at: DateTime<Utc>,
    withdrawn_policy: PolicyId,
    new_policy: PolicyId,
    /// Lookups the backdated request (steps 8–10) ran on the replica.
    extra_lookups: u64,
}

async fn run(args: DemoArgs) -> anyhow::Result<bool> {
    let language = language(&args)?;
    // Install the recorder before the first statement, so every statement is counted.
    let _ = telemetry::metrics_handle();
    let _ = rustls::crypto::ring::default_provider().install_default();
    println!(
        "expire-bot demo — a CX request, a masked lookup, a lead's approval and the expiry, end to end in one process (no Slack account needed)"
    );
    println!();
    println!("Setting up");
    println!(
        "  language  Slack texts in {} (UI_LANGUAGE={}); the narration stays English",
        language.english_name(),
        language.code()
    );

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
    vars.insert("UI_LANGUAGE", language.code().to_owned());
    // Steps 8–10: a cancellation time more than a week back needs a second lead.
    vars.insert("SECOND_APPROVAL_BACKDATE", "7d".to_owned());
    // The demo tells one request's story. Left on, the scheduler would run the day's missed
    // digest slot at start-up whenever the demo runs after 09:00 KST, and post (and scan the
    // replica for) a digest nobody asked for in the middle of the transcript.
    vars.insert("DIGEST_SCHEDULE", "off".to_owned());
    let config =
        Config::from_lookup(Mode::Demo, |k| vars.get(k).cloned()).map_err(|e| anyhow!("{e}"))?;
    let locale = Locale::new(config.ui_language, config.display_tz);
    let bot = Arc::new(Bot::new(config)?);

    bot.store
        .migrate()
        .await
        .context("applying migrations to the primary")?;
    let now = Utc::now();
    let seeded = bot
        .store
        .primary
        .seed_demo_if_empty(now)
        .await
        .context("seeding the demo riders")?;
    let (riders, policies) = seed::demo_data(now);
    let policy_of =
        |rider: crate::domain::RiderId| policies.iter().find(|p| p.rider_id == rider).map(|p| p.id);
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
    let inspect = Inspector::open(&primary_url)?;
    ready_for_the_story(&bot, &inspect, &[withdrawn_policy, new_policy]).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let running = startup::start(bot.clone(), listener).await?;
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
    if let Some(list) = bot.directory.approvers.member_list() {
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
        bot,
        running: Some(running),
        slack,
        client: SignedClient::new(base, secret),
        inspect,
        names,
        locale,
        shown_calls: background_calls.len(),
        carried: Vec::new(),
        checks: Checks::default(),
        answers: Vec::new(),
        answer_violations: Vec::new(),
        cancelled_at,
        withdrawn_policy,
        new_policy,
        extra_lookups: 0,
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
    demo.bot.store.close().await;
    match result {
        Ok(true) => {
            println!(
                "\ndemo passed: 10 steps, {} checks, every one as expected.",
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
    bot: &Bot,
    inspect: &Inspector,
    policies: &[PolicyId],
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
        let found = bot.store.replica.find_rider_policies(&query).await;
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
                language: None,
            })
        );
        assert_eq!(
            parse_args(&args(&["--language", "en"])).map(|a| a.language),
            Ok(Some(Language::En))
        );
        assert_eq!(
            parse_args(&args(&["--language=KO"])).map(|a| a.language),
            Ok(Some(Language::Ko))
        );
        assert!(parse_args(&args(&["--language", "jp"])).is_err());
        assert!(parse_args(&args(&["--language"])).is_err());
        assert!(parse_args(&args(&["--database-url"])).is_err());
        assert!(parse_args(&args(&["--replica-url", "postgres://c/b"])).is_err());
        assert!(parse_args(&args(&["--verbose"])).is_err());
    }

    #[test]
    fn urls_are_shown_without_credentials() {
        assert_eq!(
            shown_url("postgres://bot:hunter2@db.internal:5432/expire"),
            "postgres://db.internal:5432/expire"
        );
    }
}
