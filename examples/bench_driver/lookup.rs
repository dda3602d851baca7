//! The lookup benchmark: the bot's rider lookup, by phone and by rider ID, exactly as a
//! modal submission runs it (`expire_bot::lookup::find`: the query on the replica handle
//! under its statement timeout, with the replica-lag query beside it), against the data
//! `load` generated. One lookup at a time, as agents work; riders are drawn at random
//! over the whole table so the cache sees a realistic spread.
//!
//! `explain` prints `EXPLAIN (ANALYZE, BUFFERS)` of both statements on the replica, as a
//! one-off custom plan and as the generic plan a prepared statement may switch to, and
//! names every scan node in them. On MySQL it prints `EXPLAIN` of the bot's MySQL
//! statements and, on MariaDB, `ANALYZE` (the statement run, with the rows each step really
//! read), and says whether any step reads a table whole (access type `ALL`).

use std::time::Instant;

use expire_bot::domain::RiderQuery;
use expire_bot::service::lookup::{Lookup, ReadFallback, Source};
use expire_bot::store::{Store, StoreConfig};
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::args::Args;
use crate::data::phone_of;
use crate::stats;

/// How an agent types a phone: with dashes.
fn typed_phone(g: i64) -> String {
    let p = phone_of(g);
    format!("{}-{}-{}", &p[..3], &p[3..7], &p[7..])
}

pub fn main(args: &Args) -> anyhow::Result<()> {
    let primary = args.req("primary")?.to_owned();
    let replica = args.opt("replica").map(str::to_owned);
    let riders: i64 = args.num("riders", 10_000)?;
    let samples: usize = args.num("samples", 2000)?;
    let warmup: usize = args.num("warmup", samples / 10)?;
    let label = args.opt("label").unwrap_or("").to_owned();
    let seed: u64 = args.num("seed", 1)?;
    let statement_only = args.has("statement-only");
    crate::runtime(1)?.block_on(async move {
        // The bot's own pool settings (App::new uses 10 connections per handle).
        let store = Store::open(&StoreConfig {
            primary_url: Some(primary.into()),
            replica_url: replica.map(Into::into),
            max_connections: 10,
        })?;
        let lookup = Lookup::new(
            store.primary.clone(),
            store.replica.clone(),
            ReadFallback::Off,
        );
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut by_phone = stats::histogram()?;
        let mut by_id = stats::histogram()?;
        let (mut phone_rows, mut id_rows, mut multi) = (0usize, 0usize, 0usize);
        for i in 0..(warmup + samples) {
            let g = rng.random_range(1..=riders);
            let record = i >= warmup;
            for (phone, h) in [(true, &mut by_phone), (false, &mut by_id)] {
                let typed = if phone { typed_phone(g) } else { g.to_string() };
                let started = Instant::now();
                let query = RiderQuery::parse(&typed)
                    .map_err(|e| anyhow::anyhow!("generated query refused: {e}"))?;
                // (riders matched, candidate policies)
                let (matched, candidates) = if statement_only {
                    // The statement alone, without the replica-lag query beside it.
                    let rows = store.replica.find_rider_policies(&query).await?;
                    let riders: std::collections::BTreeSet<i64> =
                        rows.iter().map(|r| r.rider_id.0).collect();
                    (
                        riders.len(),
                        rows.iter().filter(|r| r.policy_id.is_some()).count(),
                    )
                } else {
                    let found = lookup
                        .find(&query, &expire_bot::deadline::Deadline::starting_now())
                        .await
                        .map_err(|e| anyhow::anyhow!("lookup failed: {e}"))?;
                    anyhow::ensure!(
                        found.freshness.source == Source::Replica,
                        "lookup was not answered by the replica"
                    );
                    (found.riders_matched(), found.candidates.len())
                };
                let took = started.elapsed();
                anyhow::ensure!(matched >= 1, "rider {g} not found (phone {phone})");
                if record {
                    stats::record(h, took);
                    if phone {
                        phone_rows += candidates;
                        if matched > 1 {
                            multi += 1;
                        }
                    } else {
                        id_rows += candidates;
                    }
                }
            }
        }
        store.close().await;
        let mut m = stats::percentiles("phone_", &by_phone);
        m.extend(stats::percentiles("id_", &by_id));
        m.insert("riders".into(), json!(riders));
        m.insert("statement_only".into(), json!(statement_only));
        m.insert(
            "phone_candidates_per_lookup".into(),
            json!(phone_rows as f64 / samples as f64),
        );
        m.insert(
            "id_candidates_per_lookup".into(),
            json!(id_rows as f64 / samples as f64),
        );
        m.insert("phone_lookups_matching_several_riders".into(), json!(multi));
        stats::emit("lookup", &label, m);
        Ok(())
    })
}

pub fn explain(args: &Args) -> anyhow::Result<()> {
    use sqlx::Connection;
    let replica = args.req("replica")?.to_owned();
    let riders: i64 = args.num("riders", 10_000)?;
    if replica.starts_with("mysql:") {
        return explain_mysql(&replica, riders);
    }
    crate::runtime(1)?.block_on(async move {
        let mut c = sqlx::PgConnection::connect(&replica).await?;
        // A rider sharing a phone with a withdrawn account, and an ordinary one.
        let shared = (riders / 100).max(1) * 100 - 92; // g mod 100 = 8
        let ordinary = riders / 2 + 1;
        let cases = [
            (
                "by phone (shared with a withdrawn rider)",
                expire_bot::store::riders::BY_PHONE,
                phone_of(shared),
                0i64,
            ),
            (
                "by phone",
                expire_bot::store::riders::BY_PHONE,
                phone_of(ordinary),
                0,
            ),
            (
                "by rider id",
                expire_bot::store::riders::BY_ID,
                String::new(),
                ordinary,
            ),
        ];
        let mut scans = std::collections::BTreeSet::new();
        for (mode, setting) in [
            ("custom plan", "force_custom_plan"),
            ("generic plan", "force_generic_plan"),
        ] {
            sqlx::query(&format!("SET plan_cache_mode = {setting}"))
                .execute(&mut c)
                .await?;
            for (i, (what, sql, phone, id)) in cases.iter().enumerate() {
                let name = format!("q_{}_{i}", setting.len());
                sqlx::query(&format!("PREPARE {name} AS {sql}"))
                    .execute(&mut c)
                    .await?;
                let arg = if phone.is_empty() {
                    id.to_string()
                } else {
                    format!("'{phone}'")
                };
                let rows: Vec<String> = sqlx::query_scalar(&format!(
                    "EXPLAIN (ANALYZE, BUFFERS) EXECUTE {name}({arg}, 50)"
                ))
                .fetch_all(&mut c)
                .await?;
                // Generated data, not personal data: the plan may show the parameter.
                println!("-- {what}, {mode}");
                for r in &rows {
                    println!("{r}");
                    for node in [
                        "Seq Scan",
                        "Index Scan",
                        "Index Only Scan",
                        "Bitmap Heap Scan",
                        "Bitmap Index Scan",
                    ] {
                        if r.contains(&format!("{node} ")) || r.contains(&format!("{node} on")) {
                            scans.insert(node);
                        }
                    }
                }
                println!();
                sqlx::query(&format!("DEALLOCATE {name}"))
                    .execute(&mut c)
                    .await?;
            }
        }
        // A Bitmap Heap Scan reads only the heap pages its Bitmap Index Scan found; only
        // a Seq Scan reads a table whole.
        let index_only = !scans.contains("Seq Scan")
            && (!scans.contains("Bitmap Heap Scan") || scans.contains("Bitmap Index Scan"));
        println!(
            "scan nodes seen: {}",
            scans.into_iter().collect::<Vec<_>>().join(", ")
        );
        println!(
            "index-driven scans only (no Seq Scan): {}",
            if index_only { "yes" } else { "NO" }
        );
        c.close().await?;
        Ok(())
    })
}

fn explain_mysql(replica: &str, riders: i64) -> anyhow::Result<()> {
    use sqlx::{Connection, Executor, Row};
    crate::runtime(1)?.block_on(async move {
        let mut c = sqlx::MySqlConnection::connect(replica).await?;
        let version: String = sqlx::query_scalar("SELECT VERSION()")
            .fetch_one(&mut c)
            .await?;
        let mariadb = version.contains("MariaDB");
        let shared = (riders / 100).max(1) * 100 - 92; // g mod 100 = 8
        let ordinary = riders / 2 + 1;
        let cases = [
            (
                "by phone (shared with a withdrawn rider)",
                expire_bot::store::MYSQL_BY_PHONE,
                format!("'{}'", phone_of(shared)),
            ),
            (
                "by phone",
                expire_bot::store::MYSQL_BY_PHONE,
                format!("'{}'", phone_of(ordinary)),
            ),
            (
                "by rider id",
                expire_bot::store::MYSQL_BY_ID,
                ordinary.to_string(),
            ),
        ];
        let mut full_scan = false;
        println!("-- {version}");
        for (what, sql, arg) in &cases {
            // The statement as the bot sends it, its two parameters written in.
            let sql = sql.replacen('?', arg, 1).replacen('?', "50", 1);
            let mut modes = vec![("EXPLAIN", format!("EXPLAIN {sql}"))];
            if mariadb {
                modes.push(("ANALYZE (run)", format!("ANALYZE {sql}")));
            }
            for (mode, stmt) in modes {
                println!("-- {what}, {mode}");
                let rows = c.fetch_all(stmt.as_str()).await?;
                let text = |row: &sqlx::mysql::MySqlRow, col: &str| {
                    row.try_get_unchecked::<Option<String>, _>(col)
                        .ok()
                        .flatten()
                        .unwrap_or_else(|| "-".to_owned())
                };
                let mut cols = vec!["table", "type", "key", "key_len", "ref", "rows"];
                if mode.starts_with("ANALYZE") {
                    cols.extend(["r_rows", "filtered", "r_filtered"]);
                }
                cols.push("Extra");
                println!("{}", cols.join(" | "));
                for row in &rows {
                    let line: Vec<String> = cols.iter().map(|c| text(row, c)).collect();
                    if text(row, "type") == "ALL" {
                        full_scan = true;
                    }
                    println!("{}", line.join(" | "));
                }
                println!();
            }
        }
        println!(
            "index-driven access only (no full table scan, type ALL): {}",
            if full_scan { "NO" } else { "yes" }
        );
        c.close().await?;
        Ok(())
    })
}
