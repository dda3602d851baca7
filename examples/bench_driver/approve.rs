//! The approval benchmark: C requests for distinct policies filed, then C leads clicking
//! Approve at the same moment, on the primary; repeated for R rounds after W warm-up rounds
//! (`--warmup`, default 1) that are run but not counted.
//!
//! Each approval is the contract's one transaction (`expire_bot::store::approve_request`,
//! or with `--via decide` the whole click: the authorisation read plus that transaction,
//! or with `--via statements` the same transaction sent statement by statement, as it was
//! before the server-side function: the "before" of an A/B in one session),
//! run through a pool of the bot's own size (10) unless `--pool` says otherwise, so waiting
//! for a connection is part of the latency exactly as it is in the bot. Commits per second
//! is C divided by the wall time of a round.
//!
//! Statements per case are counted by the server: `pg_stat_statements` (reset before each
//! round's approvals, read after; the bench cluster preloads it). `pg_stat_database`'s
//! commit counter is not used: backends flush it lazily (up to 10 s later on PostgreSQL
//! 15), so a reading right after a round undercounts. On MySQL (no server-side approval:
//! every statement is a round trip) the server's own statement counters
//! (`SHOW GLOBAL STATUS`: `Com_select`, `Com_update`, … and `Questions`) are read before
//! and after the round's approvals.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use expire_bot::deadline::Deadline;
use expire_bot::domain::{PolicyId, RiderId, SlackUserId};
use expire_bot::service::deciding::{Deciding, Decision, Verdict};
use expire_bot::slack::audience::{Audience, SlackDirectory};
use expire_bot::store::{DecideOutcome, FileOutcome, NewRequest, Store, StoreConfig};
use rand::{Rng, SeedableRng};
use serde_json::json;
use sqlx::Connection;

use crate::args::Args;
use crate::stats;

const LEAD: &str = "U0LEAD1";
const AGENT: &str = "U0AGENT";

/// A request as a CX agent files it for `policy_id`, due in 24 h; also the ack benchmark's
/// stale-click target.
pub fn request_for(policy_id: PolicyId) -> NewRequest {
    let now = Utc::now();
    NewRequest {
        policy_id,
        requested_by: SlackUserId::new(AGENT),
        rider_id: RiderId(policy_id.0),
        rider_name_masked: "김*준".into(),
        rider_phone_masked: "010-****-5678".into(),
        rider_status: "ACTIVE".into(),
        policy_number_masked: "********0001".into(),
        insurer: "한빛손해보험".into(),
        cancelled_at: now - chrono::Duration::hours(1),
        reason: "bench: rider cancelled with the insurer, CX-1234".into(),
        requested_at: now,
        expires_at: now + chrono::Duration::hours(24),
        policy_status: "ACTIVE".into(),
        valid_until: None,
        approvals_required: 1,
        backdated: false,
        remind_at: None,
        view_id: None,
    }
}

/// Statements the server ran since the last reset, from `pg_stat_statements`, by text, and
/// whether each was sent by the client (top level) or run inside a function (nested; the
/// bench cluster sets `pg_stat_statements.track = all`).
async fn statements(c: &mut sqlx::PgConnection) -> Option<Vec<(String, i64, bool)>> {
    sqlx::query_as::<_, (String, i64, bool)>(
        "SELECT query, calls, toplevel FROM pg_stat_statements \
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \
           AND query NOT ILIKE '%pg_stat_statements%' AND query NOT ILIKE '%pg_stat_database%' \
         ORDER BY calls DESC, query",
    )
    .fetch_all(c)
    .await
    .ok()
}

/// The MySQL counters read around a round: one per kind of statement the approval sends.
const MYSQL_COUNTERS: [&str; 6] = [
    "Com_begin",
    "Com_select",
    "Com_update",
    "Com_insert",
    "Com_commit",
    "Com_rollback",
];

/// The benchmark's own connection to the primary: picking policies and counting statements.
enum Admin {
    Pg(sqlx::PgConnection),
    MySql(sqlx::MySqlConnection, Vec<(String, i64)>),
}

impl Admin {
    async fn connect(url: &str) -> anyhow::Result<Admin> {
        Ok(if url.starts_with("mysql:") {
            Admin::MySql(sqlx::MySqlConnection::connect(url).await?, Vec::new())
        } else {
            Admin::Pg(sqlx::PgConnection::connect(url).await?)
        })
    }

    /// Whether the server can count statements for us.
    async fn counts_statements(&mut self) -> bool {
        match self {
            Admin::Pg(c) => {
                sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                    .execute(&mut *c)
                    .await
                    .is_ok()
                    && statements(c).await.is_some()
            }
            Admin::MySql(..) => true,
        }
    }

    /// Of `want`, the policies that are active and were never requested.
    async fn fresh_active(&mut self, want: &[i64]) -> anyhow::Result<Vec<i64>> {
        Ok(match self {
            Admin::Pg(c) => {
                sqlx::query_scalar(
                    "SELECT p.id FROM hourly_insurance_policies p WHERE p.id = ANY($1) AND p.status = 'ACTIVE' \
                     AND NOT EXISTS (SELECT 1 FROM expiry_requests e WHERE e.policy_id = p.id)",
                )
                .bind(want)
                .fetch_all(&mut *c)
                .await?
            }
            Admin::MySql(c, _) => {
                let list: Vec<String> = want.iter().map(i64::to_string).collect();
                sqlx::query_scalar(&format!(
                    "SELECT p.id FROM hourly_insurance_policies p WHERE p.id IN ({}) AND p.status = 'ACTIVE' \
                     AND NOT EXISTS (SELECT 1 FROM expiry_requests e WHERE e.policy_id = p.id)",
                    list.join(", ")
                ))
                .fetch_all(&mut *c)
                .await?
            }
        })
    }

    async fn mysql_counters(c: &mut sqlx::MySqlConnection) -> anyhow::Result<Vec<(String, i64)>> {
        use sqlx::{Executor, Row};
        let rows = c
            .fetch_all(
                format!(
                    "SHOW GLOBAL STATUS WHERE Variable_name IN ('{}')",
                    MYSQL_COUNTERS.join("', '")
                )
                .as_str(),
            )
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let name: String = r.try_get_unchecked(0).ok()?;
                let value: String = r.try_get_unchecked(1).ok()?;
                Some((name, value.parse().ok()?))
            })
            .collect())
    }

    /// Starts counting (before a round's approvals).
    async fn reset(&mut self) -> anyhow::Result<()> {
        match self {
            Admin::Pg(c) => {
                sqlx::query("SELECT pg_stat_statements_reset()")
                    .execute(&mut *c)
                    .await?;
            }
            Admin::MySql(c, before) => *before = Self::mysql_counters(c).await?,
        }
        Ok(())
    }

    /// What ran since [`Admin::reset`]: (statement, calls, sent by the client).
    async fn statements(&mut self) -> Option<Vec<(String, i64, bool)>> {
        match self {
            Admin::Pg(c) => statements(c).await,
            Admin::MySql(c, before) => {
                let after = Self::mysql_counters(c).await.ok()?;
                let mut out = Vec::new();
                for (name, n) in after {
                    let was = before
                        .iter()
                        .find(|(b, _)| *b == name)
                        .map_or(0, |(_, v)| *v);
                    // Every statement is a round trip on MySQL (the counters' SHOW is a
                    // Com_show_status, not counted here).
                    out.push((name, n - was, true));
                }
                Some(out)
            }
        }
    }

    async fn close(self) -> anyhow::Result<()> {
        match self {
            Admin::Pg(c) => c.close().await?,
            Admin::MySql(c, _) => c.close().await?,
        }
        Ok(())
    }
}

pub fn main(args: &Args) -> anyhow::Result<()> {
    let primary = args.req("primary")?.to_owned();
    let concurrency: usize = args.num("concurrency", 50)?;
    let rounds: usize = args.num("rounds", 10)?;
    // Rounds run first and left out of the figures: each pooled connection's first use
    // opens it and prepares (or, for the server-side function, plans) its statements.
    let warmup: usize = args.num("warmup", 1)?;
    let policies: i64 = args.num("policies", 12_000)?;
    let pool: u32 = args.num("pool", 10)?;
    let via = args.opt("via").unwrap_or("approve_request").to_owned();
    if !["approve_request", "decide", "statements"].contains(&via.as_str()) {
        anyhow::bail!("--via must be approve_request, decide or statements, not {via}");
    }
    let via_decide = via == "decide";
    let via_statements = via == "statements";
    let label = args.opt("label").unwrap_or("").to_owned();
    let seed: u64 = args.num("seed", std::process::id().into())?;
    let threads: usize = args.num("threads", 2)?;
    crate::runtime(threads)?.block_on(async move {
        let store = Arc::new(Store::open(&StoreConfig {
            primary_url: Some(primary.clone().into()),
            replica_url: Some(primary.clone().into()),
            max_connections: pool,
        })?);
        // Approvers are listed by ID: no user group, so no Slack at all.
        // The service as the bot runs it: the approver listed by ID, the outbox's bell
        // rung and never listened to.
        let directory = Arc::new(SlackDirectory {
            approvers: Audience::new("approvers", &[LEAD.to_owned()], None, false),
            requesters: Audience::new("requesters", &[], None, true),
            // Never asked: deciding reads no profiles.
            people: expire_bot::slack::audience::People::new(expire_bot::slack::api::SlackApi::new(
                "http://127.0.0.1:9/api",
                &secrecy::SecretString::from("xoxb-unused"),
            )?),
        });
        let deciding = Arc::new(Deciding::new(
            store.primary.clone(),
            directory,
            Arc::new(tokio::sync::Notify::new()),
        ));
        let lead = SlackUserId::new(LEAD);
        let mut admin = Admin::connect(&primary).await?;
        let has_pgss = admin.counts_statements().await;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut approve_h = stats::histogram()?;
        let mut file_h = stats::histogram()?;
        let mut commits_per_s = Vec::new();
        let mut per_case: Option<Vec<(String, i64, bool)>> = None;
        let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
        let mut first_round_ms = None;
        for round in 0..warmup + rounds {
            let measured = round >= warmup;
            // C distinct policies that are active and have never been requested.
            let mut ids: Vec<i64> = Vec::new();
            while ids.len() < concurrency {
                let want: Vec<i64> = (0..concurrency * 2)
                    .map(|_| rng.random_range(1..=policies))
                    .filter(|h| h % 10 != 3 && !ids.contains(h))
                    .collect();
                let ok = admin.fresh_active(&want).await?;
                for id in ok {
                    if ids.len() < concurrency && !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
            // File them, concurrently.
            let mut set = tokio::task::JoinSet::new();
            for &pid in &ids {
                let store = store.clone();
                set.spawn(async move {
                    let t = Instant::now();
                    let r = store.primary.file_request(&request_for(PolicyId(pid))).await;
                    (t.elapsed(), r)
                });
            }
            let mut request_ids = Vec::new();
            while let Some(j) = set.join_next().await {
                let (took, r) = j?;
                if measured {
                    stats::record(&mut file_h, took);
                }
                match r? {
                    FileOutcome::Filed(id) => request_ids.push(id),
                    FileOutcome::AlreadyPending(_) | FileOutcome::AlreadyFiled(_) => anyhow::bail!("policy already had a pending request"),
                }
            }
            if has_pgss {
                admin.reset().await?;
            }
            // Approve them, all at once.
            let gate = Arc::new(tokio::sync::Barrier::new(concurrency + 1));
            let mut set = tokio::task::JoinSet::new();
            for &rid in &request_ids {
                let (store, deciding, gate, lead) =
                    (store.clone(), deciding.clone(), gate.clone(), lead.clone());
                set.spawn(async move {
                    gate.wait().await;
                    let t = Instant::now();
                    let now = Utc::now();
                    let outcome = if via_decide {
                        let deadline = Deadline::starting_now();
                        match deciding.decide(rid, &lead, &Decision::Approve, &deadline).await {
                            Ok(Verdict::Decided(r)) => Ok(r.outcome.map(|o| o.as_str().to_owned()).unwrap_or_default()),
                            Ok(_) => Ok("NOT_DECIDED".to_owned()),
                            Err(e) => Err(anyhow::anyhow!("{e}")),
                        }
                    } else {
                        let decided = if via_statements {
                            store.primary.approve_request_in_statements(rid, &lead, now).await
                        } else {
                            store.primary.approve_request(rid, &lead, now).await
                        };
                        match decided {
                            Ok(DecideOutcome::Decided(r)) => Ok(r.outcome.map(|o| o.as_str().to_owned()).unwrap_or_default()),
                            Ok(_) => Ok("NOT_DECIDED".to_owned()),
                            Err(e) => Err(anyhow::anyhow!("{e}")),
                        }
                    };
                    (t.elapsed(), outcome)
                });
            }
            let wall = Instant::now();
            gate.wait().await;
            while let Some(j) = set.join_next().await {
                let (took, outcome) = j?;
                if measured {
                    stats::record(&mut approve_h, took);
                }
                *outcomes.entry(outcome?).or_default() += 1;
            }
            let wall = wall.elapsed();
            if measured {
                commits_per_s.push(concurrency as f64 / wall.as_secs_f64());
            } else if first_round_ms.is_none() {
                first_round_ms = Some(wall.as_secs_f64() * 1000.0);
            }
            if has_pgss && round == warmup + rounds - 1 {
                per_case = admin.statements().await;
            }
        }
        admin.close().await?;
        store.close().await;
        commits_per_s.sort_by(f64::total_cmp);
        let mut m = stats::percentiles("approve_", &approve_h);
        m.extend(stats::percentiles("file_", &file_h));
        m.insert("concurrency".into(), json!(concurrency));
        m.insert("pool".into(), json!(pool));
        m.insert("warmup_rounds".into(), json!(warmup));
        // The cold round's wall time, for what the first approvals after a start cost.
        m.insert("cold_round_wall_ms".into(), json!(first_round_ms));
        m.insert("via".into(), json!(via));
        m.insert("commits_per_s_median".into(), json!(commits_per_s[commits_per_s.len() / 2]));
        m.insert("commits_per_s_min".into(), json!(commits_per_s.first()));
        m.insert("commits_per_s_max".into(), json!(commits_per_s.last()));
        m.insert("outcomes".into(), json!(outcomes));
        if let Some(list) = per_case {
            let c = concurrency as i64;
            let total: i64 = list.iter().map(|(_, n, _)| n).sum();
            let top: i64 = list.iter().filter(|(_, _, t)| *t).map(|(_, n, _)| n).sum();
            m.insert("statements_per_case".into(), json!(total as f64 / c as f64));
            // What the client sent: one round trip each.
            m.insert("round_trips_per_case".into(), json!(top as f64 / c as f64));
            m.insert(
                "statements".into(),
                json!(list
                    .iter()
                    .map(|(q, n, t)| json!({"calls_per_case": *n as f64 / c as f64, "toplevel": t, "query": q.split_whitespace().collect::<Vec<_>>().join(" ")}))
                    .collect::<Vec<_>>()),
            );
        } else {
            m.insert("statements_per_case".into(), json!(null));
            m.insert("statements_note".into(), json!("pg_stat_statements not preloaded on this server"));
        }
        stats::emit("approve", &label, m);
        Ok(())
    })
}
