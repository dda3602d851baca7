//! `targets FILE...`: the issue-17 targets, each as a figure from the runs in the files.
//!
//! What it finds decides what it prints: runs of the same-run comparison (`bench/floor.sh`,
//! JSON lines tagged `app` = `bot` / `floor` and `run`) give the side-by-side table and the
//! throughput ratio, paired run by run (the two apps are interleaved inside each run, so a
//! run's pair shares the machine's load); runs of `bench/ack.sh` (untagged: the bot) give
//! the latency and memory figures; `bench/startup.sh` the start-up and idle RSS;
//! `bench/approve.sh` the approval p99. Every figure is the median over the runs, with the
//! min – max beside it, as everywhere in BENCHMARKS.md. The verdicts are arithmetic on
//! those medians; whether a figure was taken on a quiet enough machine is for the reader
//! (the load is in every line).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::args::Args;

/// Throughput the bot must reach, as a fraction of the floor's.
const RATIO_TARGET: f64 = 0.8;
const PEAK_RSS_TARGET_MB: f64 = 20.0;
const IDLE_RSS_TARGET_MB: f64 = 15.0;
const OPEN_LOOP_P99_TARGET_MS: f64 = 2.0;
const STARTUP_TARGET_MS: f64 = 150.0;
const APPROVAL_P99_TARGET_MS: f64 = 10.0;

type Run = Map<String, Value>;

/// Median, min and max of some values (None when there are none).
fn spread(mut v: Vec<f64>) -> Option<(f64, f64, f64)> {
    v.sort_by(f64::total_cmp);
    let (min, max) = (*v.first()?, *v.last()?);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    Some((median, min, max))
}

fn num(r: &Run, key: &str) -> Option<f64> {
    r.get(key).and_then(Value::as_f64)
}

fn field(runs: &[&Run], key: &str, scale: f64) -> Option<(f64, f64, f64)> {
    spread(
        runs.iter()
            .filter_map(|r| num(r, key))
            .map(|v| v * scale)
            .collect(),
    )
}

/// `median (min – max)` with `digits` decimals; `–` when absent.
fn show(s: Option<(f64, f64, f64)>, digits: usize) -> String {
    match s {
        None => "–".to_owned(),
        Some((m, lo, hi)) if (hi - lo).abs() < f64::EPSILON => format!("{m:.digits$}"),
        Some((m, lo, hi)) => format!("{m:.digits$} ({lo:.digits$} – {hi:.digits$})"),
    }
}

fn verdict(figure: Option<(f64, f64, f64)>, ok: impl Fn(f64) -> bool) -> &'static str {
    match figure {
        None => "not measured",
        Some((m, _, _)) if ok(m) => "met",
        Some(_) => "missed",
    }
}

/// `/proc` counts memory in kB; BENCHMARKS.md's MB are 1,000 of them (29,164 kB is 29.2 MB).
const KB_TO_MB: f64 = 1.0 / 1000.0;

pub fn main(args: &Args) -> anyhow::Result<()> {
    let mut all: Vec<Run> = Vec::new();
    for file in &args.positional {
        let text = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("cannot read {file}: {e}"))?;
        all.extend(text.lines().filter_map(|l| match serde_json::from_str(l) {
            Ok(Value::Object(m)) => Some(m),
            _ => None,
        }));
    }
    let bench = |r: &Run| {
        r.get("bench")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let app = |r: &Run| r.get("app").and_then(Value::as_str).map(str::to_owned);
    let is_command = |r: &Run| r.get("kind").and_then(Value::as_str) == Some("command");
    let select = |b: &str, a: Option<&str>| -> Vec<&Run> {
        all.iter()
            .filter(|r| bench(r) == b && is_command(r) && app(r).as_deref() == a)
            .collect()
    };

    let mut rows: Vec<[String; 3]> = Vec::new();
    let comparison = !select("ack_saturation", Some("floor")).is_empty();
    // The bot's figures: from the comparison when there is one, else from bench/ack.sh.
    let bot_app = if comparison { Some("bot") } else { None };
    let bot_sat = select("ack_saturation", bot_app);
    let bot_open = select("ack_open_loop", bot_app);

    if comparison {
        let floor_sat = select("ack_saturation", Some("floor"));
        let floor_open = select("ack_open_loop", Some("floor"));
        print_side_by_side(&bot_sat, &bot_open, &floor_sat, &floor_open);
        // Pair the saturation runs by run number.
        let by_run = |runs: &[&Run]| -> BTreeMap<u64, f64> {
            runs.iter()
                .filter_map(|r| Some((r.get("run")?.as_u64()?, num(r, "throughput_rps")?)))
                .collect()
        };
        let (b, f) = (by_run(&bot_sat), by_run(&floor_sat));
        let ratios: Vec<f64> = b
            .iter()
            .filter_map(|(run, bot)| f.get(run).filter(|f| **f > 0.0).map(|f| bot / f))
            .collect();
        let listed = ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(", ");
        let conc = bot_sat
            .first()
            .and_then(|r| num(r, "concurrency"))
            .unwrap_or(0.0);
        let ratio = spread(ratios);
        rows.push([
            format!("commands/s ≥ {RATIO_TARGET} × the floor's (closed loop, c={conc})"),
            format!("{} (per run: {listed})", show(ratio, 2)),
            verdict(ratio, |m| m >= RATIO_TARGET).to_owned(),
        ]);
    }
    if !bot_sat.is_empty() {
        let conc = bot_sat
            .first()
            .and_then(|r| num(r, "concurrency"))
            .unwrap_or(0.0);
        let peak = field(&bot_sat, "bot_hwm_after_kb", KB_TO_MB);
        rows.push([
            format!("peak RSS ≤ {PEAK_RSS_TARGET_MB} MB at saturation (c={conc})"),
            format!("{} MB", show(peak, 1)),
            verdict(peak, |m| m <= PEAK_RSS_TARGET_MB).to_owned(),
        ]);
    }
    let bot_any: Vec<&Run> = bot_open.iter().chain(&bot_sat).copied().collect();
    if !bot_any.is_empty() {
        let idle = field(&bot_any, "bot_rss_before_kb", KB_TO_MB);
        rows.push([
            format!("idle RSS ≤ {IDLE_RSS_TARGET_MB} MB (1 s after ready, before each phase)"),
            format!("{} MB", show(idle, 1)),
            verdict(idle, |m| m <= IDLE_RSS_TARGET_MB).to_owned(),
        ]);
    }
    if !bot_open.is_empty() {
        let rate = bot_open
            .first()
            .and_then(|r| num(r, "target_rate"))
            .unwrap_or(0.0);
        let p99 = field(&bot_open, "p99_ms", 1.0);
        let sched = field(&bot_open, "sched_p99_ms", 1.0);
        rows.push([
            format!("p99 ≤ {OPEN_LOOP_P99_TARGET_MS} ms at {rate} commands/s (open loop)"),
            format!("{} ms (from schedule: {} ms)", show(p99, 2), show(sched, 2)),
            verdict(p99, |m| m <= OPEN_LOOP_P99_TARGET_MS).to_owned(),
        ]);
    }
    // bench/startup.sh: one row per variant.
    let mut startup: BTreeMap<String, Vec<&Run>> = BTreeMap::new();
    for r in all.iter().filter(|r| bench(r) == "startup") {
        let label = r
            .get("label")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        startup.entry(label).or_default().push(r);
    }
    for (label, runs) in &startup {
        let ready = field(runs, "ready_ms", 1.0);
        rows.push([
            format!("start-up ≤ {STARTUP_TARGET_MS} ms ({label})"),
            format!("{} ms", show(ready, 1)),
            verdict(ready, |m| m <= STARTUP_TARGET_MS).to_owned(),
        ]);
        let idle = field(runs, "idle_rss_kb", KB_TO_MB);
        rows.push([
            format!("idle RSS ≤ {IDLE_RSS_TARGET_MB} MB ({label})"),
            format!("{} MB", show(idle, 1)),
            verdict(idle, |m| m <= IDLE_RSS_TARGET_MB).to_owned(),
        ]);
    }
    // bench/approve.sh: the transaction as the bot runs it.
    let approvals: Vec<&Run> = all
        .iter()
        .filter(|r| {
            bench(r) == "approve" && r.get("via").and_then(Value::as_str) == Some("approve_request")
        })
        .collect();
    if !approvals.is_empty() {
        let conc = approvals
            .first()
            .and_then(|r| num(r, "concurrency"))
            .unwrap_or(0.0);
        let p99 = field(&approvals, "approve_p99_ms", 1.0);
        rows.push([
            format!("approval p99 ≤ {APPROVAL_P99_TARGET_MS} ms ({conc} concurrent)"),
            format!("{} ms", show(p99, 1)),
            verdict(p99, |m| m <= APPROVAL_P99_TARGET_MS).to_owned(),
        ]);
    }
    let load = spread(all.iter().filter_map(|r| num(r, "load1")).collect());
    println!(
        "## targets (issue 17): median (min – max) over the runs; load1 {}",
        show(load, 2)
    );
    println!("| target | figure | verdict |\n|---|---|---|");
    for [t, f, v] in rows {
        println!("| {t} | {f} | {v} |");
    }
    Ok(())
}

/// The bot and the floor, measure by measure.
fn print_side_by_side(
    bot_sat: &[&Run],
    bot_open: &[&Run],
    floor_sat: &[&Run],
    floor_open: &[&Run],
) {
    let conc = bot_sat
        .first()
        .and_then(|r| num(r, "concurrency"))
        .unwrap_or(0.0);
    let rate = bot_open
        .first()
        .and_then(|r| num(r, "target_rate"))
        .unwrap_or(0.0);
    // (measure, key, scale, decimals, which phase)
    let measures: [(&str, &str, f64, usize, bool); 16] = [
        ("commands/s, closed loop", "throughput_rps", 1.0, 0, true),
        (
            "views.open answered by the stand-in per second",
            "views_open_per_s",
            1.0,
            0,
            true,
        ),
        ("p50 ms at saturation", "p50_ms", 1.0, 2, true),
        ("p99 ms at saturation", "p99_ms", 1.0, 2, true),
        (
            "peak RSS MB at saturation (VmHWM)",
            "bot_hwm_after_kb",
            KB_TO_MB,
            1,
            true,
        ),
        (
            "… of it anonymous (heap, stacks), after the load",
            "bot_anon_after_kb",
            KB_TO_MB,
            1,
            true,
        ),
        (
            "… of it file-backed (code, data), after the load",
            "bot_file_after_kb",
            KB_TO_MB,
            1,
            true,
        ),
        ("threads after the load", "bot_threads_after", 1.0, 0, true),
        (
            "CPU µs per command at saturation: the app",
            "target_cpu_us_per_req",
            1.0,
            1,
            true,
        ),
        ("… the Slack stand-in", "stub_cpu_us_per_req", 1.0, 1, true),
        (
            "… the load generator",
            "driver_cpu_us_per_req",
            1.0,
            1,
            true,
        ),
        ("p50 ms at the open-loop rate", "p50_ms", 1.0, 2, false),
        ("p99 ms at the open-loop rate", "p99_ms", 1.0, 2, false),
        (
            "p99 ms from schedule at the open-loop rate",
            "sched_p99_ms",
            1.0,
            2,
            false,
        ),
        (
            "peak RSS MB at the open-loop rate (VmHWM)",
            "bot_hwm_after_kb",
            KB_TO_MB,
            1,
            false,
        ),
        (
            "idle RSS MB (before the open-loop phase)",
            "bot_rss_before_kb",
            KB_TO_MB,
            1,
            false,
        ),
    ];
    println!(
        "## expire-bot beside the floor: closed loop c={conc}, open loop {rate}/s; median (min – max) over {} runs",
        bot_sat.len()
    );
    println!("| measure | expire-bot | floor | bot ÷ floor (medians) |\n|---|---|---|---|");
    for (name, key, scale, digits, saturation) in measures {
        let (b, f) = if saturation {
            (field(bot_sat, key, scale), field(floor_sat, key, scale))
        } else {
            (field(bot_open, key, scale), field(floor_open, key, scale))
        };
        let ratio = match (b, f) {
            (Some((b, _, _)), Some((f, _, _))) if f > 0.0 => format!("{:.2}", b / f),
            _ => "–".to_owned(),
        };
        println!(
            "| {name} | {} | {} | {ratio} |",
            show(b, digits),
            show(f, digits)
        );
    }
    let errors = |runs: &[&Run]| -> f64 {
        runs.iter()
            .map(|r| {
                ["unexpected_body", "bad_status", "transport_errors"]
                    .iter()
                    .filter_map(|k| num(r, k))
                    .sum::<f64>()
            })
            .sum()
    };
    println!(
        "(answers other than an empty 200: bot {}, floor {})\n",
        errors(&[bot_sat, bot_open].concat()),
        errors(&[floor_sat, floor_open].concat())
    );
}
