//! The acknowledgement benchmark: Slack-shaped, freshly signed requests against a running
//! bot, open-loop at a fixed rate (latency) or closed-loop (throughput at saturation).
//!
//! Open loop: requests are sent on a fixed schedule whether or not earlier ones have been
//! answered, as Slack does; a slow answer cannot slow the sender down and hide itself.
//! Latency is measured per request from the moment it is handed to the client to the last
//! byte of the answer (`service`), and also from its scheduled send time (`sched`, which
//! adds any lateness of the sender's 1 ms timer and so is the pessimistic figure).
//! Closed loop: C workers each send, wait, send again; throughput is answers per second.
//!
//! Every request is signed with the current timestamp, as Slack signs it, so the bot's
//! 300 s replay window is exercised as in production.
//!
//! The target need not be the bot: `--path` sends the same requests to another route (the
//! reference floor's `/slack/commands-open`), and `--app`/`--run` tag the JSON line so a
//! comparison can pair the two apps' runs. With `--pid` (and `--stub-pid`) the CPU time the
//! target (and the Slack stand-in, and the driver itself) used in the measured window is
//! reported per answered request: on two shared cores, throughput alone mixes the target's
//! cost with everyone else's. With `--stub-url` the `views.open` calls the stand-in answered
//! in the window are counted too (an app that opens the modal after its answer can ack
//! faster than it opens modals).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use expire_bot::slack::verify::sign;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::json;

use crate::args::Args;
use crate::stats;

type HttpClient = Client<HttpConnector, Full<Bytes>>;

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `/expire-insurance 010-1234-5678` as Slack posts it.
pub fn slash_command_body(n: u64) -> String {
    format!(
        "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0TEAM&team_domain=acme&enterprise_id=&enterprise_name=&channel_id=C0CXDESK&channel_name=cx-desk&user_id=U0AGENT&user_name=agent&command=%2Fexpire-insurance&text={}&api_app_id=A0APP&is_enterprise_install=false&response_url={}&trigger_id=13345224609.{n}.8088930838d88f008e0",
        enc("010-1234-5678"),
        enc("https://hooks.slack.com/commands/T0TEAM/1234/abcd"),
    )
}

/// A lead's click on Approve of request `id`, as Slack posts it.
pub fn approve_click_body(request_id: i64, user: &str) -> String {
    let payload = json!({
        "type": "block_actions",
        "user": {"id": user, "username": "lead", "name": "lead", "team_id": "T0TEAM"},
        "api_app_id": "A0APP",
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": "C0APPROVE", "is_ephemeral": false},
        "trigger_id": "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3",
        "team": {"id": "T0TEAM", "domain": "acme"},
        "enterprise": null,
        "is_enterprise_install": false,
        "channel": {"id": "C0APPROVE", "name": "approvals"},
        "message": {
            "bot_id": "B0BOT", "type": "message", "text": "Insurance expiry request", "user": "U0BOT",
            "ts": "1700000000.000001", "app_id": "A0APP", "team": "T0TEAM",
            "blocks": [{"type": "section", "block_id": "head", "text": {"type": "mrkdwn", "text": "*Insurance expiry request*", "verbatim": false}}]
        },
        "state": {"values": {}},
        "response_url": "https://hooks.slack.com/actions/T0TEAM/1/abc",
        "actions": [{
            "action_id": "approve_expiry",
            "block_id": format!("decide_{request_id}"),
            "text": {"type": "plain_text", "text": "Approve", "emoji": true},
            "value": request_id.to_string(),
            "style": "primary",
            "type": "button",
            "action_ts": "1700000001.000200"
        }]
    });
    format!("payload={}", enc(&payload.to_string()))
}

#[derive(Clone)]
struct Target {
    client: HttpClient,
    uri: String,
    secret: Arc<str>,
    kind: Kind,
    request_id: i64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Command,
    StaleClick,
}

#[derive(Default)]
struct Tally {
    ok: u64,
    /// 200 with a body: for these two kinds that means the bot answered with an error
    /// text (e.g. views.open failed) instead of a plain acknowledgement.
    unexpected_body: u64,
    bad_status: u64,
    transport_errors: u64,
}

impl Target {
    /// Sends one freshly signed request; returns the service time if it was answered.
    async fn send(&self, n: u64, tally: &Mutex<Tally>) -> Option<Duration> {
        let body = match self.kind {
            Kind::Command => slash_command_body(n),
            Kind::StaleClick => approve_click_body(self.request_id, "U0LEAD2"),
        };
        let ts = Utc::now().timestamp();
        let sig = sign(&self.secret, ts, body.as_bytes());
        let req = Request::post(self.uri.as_str())
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-slack-request-timestamp", ts.to_string())
            .header("x-slack-signature", sig)
            .body(Full::new(Bytes::from(body)));
        let Ok(req) = req else {
            return None;
        };
        let started = Instant::now();
        let result = match self.client.request(req).await {
            Ok(resp) => {
                let status = resp.status();
                match resp.into_body().collect().await {
                    Ok(b) => Ok((status, b.to_bytes())),
                    Err(_) => Err(()),
                }
            }
            Err(_) => Err(()),
        };
        let took = started.elapsed();
        let mut t = tally.lock().unwrap_or_else(|p| p.into_inner());
        match result {
            Ok((StatusCode::OK, b)) if b.is_empty() => t.ok += 1,
            Ok((StatusCode::OK, _)) => t.unexpected_body += 1,
            Ok(_) => t.bad_status += 1,
            Err(()) => {
                t.transport_errors += 1;
                return None;
            }
        }
        Some(took)
    }
}

pub fn main(args: &Args) -> anyhow::Result<()> {
    let url = args.req("url")?.trim_end_matches('/').to_owned();
    let kind = match args.req("kind")? {
        "command" => Kind::Command,
        "stale-click" => Kind::StaleClick,
        k => anyhow::bail!("--kind {k:?}: expected command or stale-click"),
    };
    let path = args.opt("path").unwrap_or(match kind {
        Kind::Command => "/slack/commands",
        Kind::StaleClick => "/slack/interactions",
    });
    let request_id = if kind == Kind::StaleClick {
        args.req("request-id")?
            .parse()
            .map_err(|_| anyhow::anyhow!("--request-id is not a number"))?
    } else {
        0
    };
    let duration = Duration::from_secs_f64(args.num("duration", 10.0)?);
    let warmup = Duration::from_secs_f64(args.num("warmup", 2.0)?);
    let pid: Option<u32> = args.opt("pid").and_then(|p| p.parse().ok());
    let stub_pid: Option<u32> = args.opt("stub-pid").and_then(|p| p.parse().ok());
    let stub_url = args.opt("stub-url").map(|u| u.trim_end_matches('/'));
    let label = args.opt("label").unwrap_or("").to_owned();
    let threads = args.num("threads", 1usize)?;
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(4096)
        .pool_idle_timeout(Duration::from_secs(30))
        .build_http();
    let target = Target {
        client,
        uri: format!("{url}{path}"),
        secret: Arc::from(args.req("secret")?),
        kind,
        request_id,
    };
    let mem_before = pid.and_then(stats::proc_mem);
    let closed = args.has("closed");
    let me = std::process::id();
    let (mut fields, cpu) = crate::runtime(threads)?.block_on(async {
        // Warm up (connections, pools) without recording; CPU is counted from its end.
        if closed {
            let concurrency = args.num("concurrency", 64usize)?;
            let _ = closed_loop(&target, concurrency, warmup).await?;
            let before = [pid, stub_pid, Some(me)].map(|p| p.and_then(stats::proc_cpu_ms));
            let opened = views_opened(&target.client, stub_url).await;
            let mut m = closed_loop(&target, concurrency, duration).await?;
            opened_fields(&mut m, opened, views_opened(&target.client, stub_url).await);
            anyhow::Ok((m, cpu_used(before, [pid, stub_pid, Some(me)])))
        } else {
            let rate = args.num("rate", 1000.0f64)?;
            let _ = open_loop(&target, rate, warmup).await?;
            let before = [pid, stub_pid, Some(me)].map(|p| p.and_then(stats::proc_cpu_ms));
            let opened = views_opened(&target.client, stub_url).await;
            let mut m = open_loop(&target, rate, duration).await?;
            opened_fields(&mut m, opened, views_opened(&target.client, stub_url).await);
            anyhow::Ok((m, cpu_used(before, [pid, stub_pid, Some(me)])))
        }
    })?;
    let answered = fields.get("ok").and_then(serde_json::Value::as_u64);
    // CPU per answered request, in µs, of the target, the stand-in and this driver.
    for (name, used) in ["target", "stub", "driver"].into_iter().zip(cpu) {
        if let Some(ms) = used {
            fields.insert(format!("{name}_cpu_ms"), json!(ms));
            if let Some(n) = answered.filter(|n| *n > 0) {
                fields.insert(
                    format!("{name}_cpu_us_per_req"),
                    json!(ms as f64 * 1000.0 / n as f64),
                );
            }
        }
    }
    if let Some(app) = args.opt("app") {
        fields.insert("app".into(), json!(app));
    }
    if let Some(run) = args.opt("run").and_then(|r| r.parse::<u64>().ok()) {
        fields.insert("run".into(), json!(run));
    }
    fields.insert(
        "kind".into(),
        json!(match kind {
            Kind::Command => "command",
            Kind::StaleClick => "stale-click",
        }),
    );
    if let Some((rss, hwm)) = mem_before {
        fields.insert("bot_rss_before_kb".into(), json!(rss));
        fields.insert("bot_hwm_before_kb".into(), json!(hwm));
    }
    if let Some((rss, hwm)) = pid.and_then(stats::proc_mem) {
        fields.insert("bot_rss_after_kb".into(), json!(rss));
        fields.insert("bot_hwm_after_kb".into(), json!(hwm));
    }
    if let Some((anon, file, threads)) = pid.and_then(stats::proc_mem_split) {
        fields.insert("bot_anon_after_kb".into(), json!(anon));
        fields.insert("bot_file_after_kb".into(), json!(file));
        fields.insert("bot_threads_after".into(), json!(threads));
    }
    let bench = if closed {
        "ack_saturation"
    } else {
        "ack_open_loop"
    };
    stats::emit(bench, &label, fields);
    // A run in which nothing was acknowledged measured nothing: fail the script.
    anyhow::ensure!(answered > Some(0), "no request was acknowledged");
    Ok(())
}

/// How many `views.open` calls the stand-in at `stub_url` has answered so far.
async fn views_opened(client: &HttpClient, stub_url: Option<&str>) -> Option<u64> {
    let req = Request::get(format!("{}/bench.counts", stub_url?))
        .body(Full::new(Bytes::new()))
        .ok()?;
    let body = client
        .request(req)
        .await
        .ok()?
        .into_body()
        .collect()
        .await
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&body.to_bytes()).ok()?;
    v.get("views_open")?.as_u64()
}

/// `views_open` (answered in the window) and `views_open_per_s`, when both counts were read.
fn opened_fields(
    m: &mut serde_json::Map<String, serde_json::Value>,
    before: Option<u64>,
    after: Option<u64>,
) {
    let Some(n) = before.zip(after).map(|(b, a)| a.saturating_sub(b)) else {
        return;
    };
    m.insert("views_open".into(), json!(n));
    if let Some(secs) = m.get("duration_s").and_then(serde_json::Value::as_f64) {
        m.insert("views_open_per_s".into(), json!(n as f64 / secs));
    }
}

/// CPU milliseconds each process used since `before` (None where either reading failed).
fn cpu_used(before: [Option<u64>; 3], pids: [Option<u32>; 3]) -> [Option<u64>; 3] {
    let mut out = [None; 3];
    for (i, (b, p)) in before.into_iter().zip(pids).enumerate() {
        out[i] = b
            .zip(p.and_then(stats::proc_cpu_ms))
            .map(|(b, a)| a.saturating_sub(b));
    }
    out
}

fn tally_fields(t: &Tally, m: &mut serde_json::Map<String, serde_json::Value>) {
    m.insert("ok".into(), json!(t.ok));
    m.insert("unexpected_body".into(), json!(t.unexpected_body));
    m.insert("bad_status".into(), json!(t.bad_status));
    m.insert("transport_errors".into(), json!(t.transport_errors));
}

async fn open_loop(
    target: &Target,
    rate: f64,
    duration: Duration,
) -> anyhow::Result<serde_json::Map<String, serde_json::Value>> {
    let period = Duration::from_secs_f64(1.0 / rate);
    let service = Arc::new(Mutex::new(stats::histogram()?));
    let sched = Arc::new(Mutex::new(stats::histogram()?));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let total = (rate * duration.as_secs_f64()).round() as u64;
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let mut i = 0u64;
    while i < total {
        let due = start + period.mul_f64(i as f64);
        tokio::time::sleep_until(due.into()).await;
        // Send everything that is due by now (the timer's resolution is 1 ms).
        let now = Instant::now();
        while i < total && start + period.mul_f64(i as f64) <= now {
            let scheduled = start + period.mul_f64(i as f64);
            let (t, service, sched, tally) = (
                target.clone(),
                service.clone(),
                sched.clone(),
                tally.clone(),
            );
            tasks.spawn(async move {
                if let Some(took) = t.send(i, &tally).await {
                    let from_schedule = scheduled.elapsed();
                    stats::record(&mut lock(&service), took);
                    stats::record(&mut lock(&sched), from_schedule);
                }
            });
            i += 1;
        }
        // Reap finished tasks so the set does not grow for the whole run.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = start.elapsed();
    let mut m = stats::percentiles("", &lock(&service));
    m.extend(stats::percentiles("sched_", &lock(&sched)));
    m.insert("target_rate".into(), json!(rate));
    m.insert("sent".into(), json!(total));
    m.insert(
        "achieved_rate".into(),
        json!(total as f64 / elapsed.as_secs_f64()),
    );
    m.insert("duration_s".into(), json!(elapsed.as_secs_f64()));
    tally_fields(&lock(&tally), &mut m);
    Ok(m)
}

async fn closed_loop(
    target: &Target,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<serde_json::Map<String, serde_json::Value>> {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..concurrency {
        let (t, tally) = (target.clone(), tally.clone());
        tasks.spawn(async move {
            let mut h = stats::histogram()?;
            let mut n = (w as u64) << 32;
            while Instant::now() < deadline {
                if let Some(took) = t.send(n, &tally).await {
                    stats::record(&mut h, took);
                }
                n += 1;
            }
            anyhow::Ok(h)
        });
    }
    let mut all: Histogram<u64> = stats::histogram()?;
    while let Some(h) = tasks.join_next().await {
        all.add(h??)?;
    }
    let elapsed = start.elapsed();
    let mut m = stats::percentiles("", &all);
    let t = lock(&tally);
    m.insert("concurrency".into(), json!(concurrency));
    m.insert(
        "throughput_rps".into(),
        json!(t.ok as f64 / elapsed.as_secs_f64()),
    );
    m.insert("duration_s".into(), json!(elapsed.as_secs_f64()));
    tally_fields(&t, &mut m);
    Ok(m)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// `prepare-stale`: on a migrated, seeded database, files a request for a demo policy and
/// approves it, so clicks on it are clicks on a stale (already decided) request. Prints
/// the request's id.
pub fn prepare_stale(args: &Args) -> anyhow::Result<()> {
    use expire_bot::domain::SlackUserId;
    use expire_bot::store::{self, DecideOutcome, FileOutcome, NewRequest, seed};
    let primary = args.req("primary")?.to_owned();
    crate::runtime(1)?.block_on(async move {
        let store = store::Store::open(&store::StoreConfig {
            primary_url: Some(primary.clone().into()),
            replica_url: Some(primary.clone().into()),
            max_connections: 2,
        })?;
        store.migrate().await?;
        // Idempotent: a request an earlier run decided is just as stale.
        let sql = "SELECT id FROM expiry_requests WHERE status = 'APPROVED' ORDER BY id LIMIT 1";
        let decided: Option<i64> = match store.backend() {
            store::Backend::Postgres => {
                let p = sqlx::PgPool::connect(&primary).await?;
                let id = sqlx::query_scalar(sql).fetch_optional(&p).await?;
                p.close().await;
                id
            }
            store::Backend::Sqlite => {
                let p = sqlx::SqlitePool::connect(&primary).await?;
                let id = sqlx::query_scalar(sql).fetch_optional(&p).await?;
                p.close().await;
                id
            }
            store::Backend::MySql => {
                let p = sqlx::MySqlPool::connect(&primary).await?;
                let id = sqlx::query_scalar(sql).fetch_optional(&p).await?;
                p.close().await;
                id
            }
        };
        if let Some(id) = decided {
            store.close().await;
            println!("{id}");
            return Ok(());
        }
        let now = Utc::now();
        store.primary.seed_demo_if_empty(now).await?;
        let query = expire_bot::domain::RiderQuery::RiderId(seed::cases::SIMPLE_RIDER);
        let rows = store.primary.find_rider_policies(&query).await?;
        let policy_id = rows
            .iter()
            .find_map(|r| r.policy_id)
            .ok_or_else(|| anyhow::anyhow!("the demo rider has no active policy"))?;
        let filed = store
            .primary
            .file_request(&NewRequest {
                rider_id: seed::cases::SIMPLE_RIDER,
                reason: "bench: stale click target".into(),
                ..crate::approve::request_for(policy_id)
            })
            .await?;
        let id = match filed {
            FileOutcome::Filed(id)
            | FileOutcome::AlreadyPending(id)
            | FileOutcome::AlreadyFiled(id) => id,
        };
        match store
            .primary
            .approve_request(id, &SlackUserId::new("U0LEAD1"), now)
            .await?
        {
            DecideOutcome::Decided(_) | DecideOutcome::AlreadyDecided(_) => {}
            _ => anyhow::bail!("could not approve the stale-click target"),
        }
        store.close().await;
        println!("{id}");
        Ok(())
    })
}
