//! Latency histograms, the JSON line each run prints, and the summary of several runs.
//!
//! Every run reports the machine's 1-minute load average next to its figures: the
//! benchmark machine is shared, and a figure without the load it was taken under cannot be
//! judged.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::{Map, Value, json};

use crate::args::Args;

/// A latency histogram in microseconds, 1 µs to 60 s, 3 significant digits.
pub fn histogram() -> anyhow::Result<Histogram<u64>> {
    Ok(Histogram::new_with_bounds(1, 60_000_000, 3)?)
}

pub fn record(h: &mut Histogram<u64>, d: Duration) {
    let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1);
    h.saturating_record(us);
}

/// p50/p99/p99.9/max of a histogram, in milliseconds, under `prefix`.
pub fn percentiles(prefix: &str, h: &Histogram<u64>) -> Map<String, Value> {
    let ms = |us: u64| (us as f64) / 1000.0;
    let mut m = Map::new();
    m.insert(format!("{prefix}count"), json!(h.len()));
    if h.is_empty() {
        return m;
    }
    m.insert(
        format!("{prefix}p50_ms"),
        json!(ms(h.value_at_quantile(0.50))),
    );
    m.insert(
        format!("{prefix}p99_ms"),
        json!(ms(h.value_at_quantile(0.99))),
    );
    m.insert(
        format!("{prefix}p999_ms"),
        json!(ms(h.value_at_quantile(0.999))),
    );
    m.insert(format!("{prefix}max_ms"), json!(ms(h.max())));
    m.insert(format!("{prefix}mean_ms"), json!(h.mean() / 1000.0));
    m
}

/// The 1-, 5- and 15-minute load averages.
pub fn loadavg() -> Vec<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| {
            s.split_whitespace()
                .take(3)
                .filter_map(|v| v.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Prints one run's result as a JSON line, with the load average it ran under.
pub fn emit(bench: &str, label: &str, mut fields: Map<String, Value>) {
    fields.insert("bench".into(), json!(bench));
    fields.insert("label".into(), json!(label));
    let load = loadavg();
    fields.insert("load1".into(), json!(load.first().copied()));
    fields.insert("loadavg".into(), json!(load));
    println!("{}", Value::Object(fields));
}

/// Reads `VmRSS`/`VmHWM` (kB) of a process.
pub fn proc_mem(pid: u32) -> Option<(u64, u64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        s.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// `RssAnon` (heap, stacks) and `RssFile` (mapped code and data) now, and `Threads`, of a
/// process: what its resident memory is made of.
pub fn proc_mem_split(pid: u32) -> Option<(u64, u64, u64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        s.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("RssAnon:")?, field("RssFile:")?, field("Threads:")?))
}

/// CPU time (user + system, all threads) a process has used so far, in milliseconds.
/// `/proc/PID/stat` counts in USER_HZ ticks, which Linux fixes at 100 per second.
pub fn proc_cpu_ms(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces; the fields after it are numbers.
    let rest = &s[s.rfind(')')? + 1..];
    let mut f = rest.split_whitespace();
    let utime: u64 = f.nth(11)?.parse().ok()?;
    let stime: u64 = f.next()?.parse().ok()?;
    Some((utime + stime) * 10)
}

/// `summarize FILE...`: groups JSON-line runs by (bench, label) and prints, for every
/// numeric field, the median and the min–max over the runs.
pub fn summarize(args: &Args) -> anyhow::Result<()> {
    let mut groups: BTreeMap<(String, String), Vec<Map<String, Value>>> = BTreeMap::new();
    for file in &args.positional {
        let text = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("cannot read {file}: {e}"))?;
        for line in text.lines() {
            let Ok(Value::Object(m)) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let bench = m.get("bench").and_then(Value::as_str).unwrap_or("?");
            let label = m.get("label").and_then(Value::as_str).unwrap_or("");
            groups
                .entry((bench.to_owned(), label.to_owned()))
                .or_default()
                .push(m);
        }
    }
    for ((bench, label), runs) in &groups {
        println!("## {bench} {label} ({} runs)", runs.len());
        let mut keys: Vec<&String> = runs
            .iter()
            .flat_map(|r| r.iter().filter(|(_, v)| v.is_number()).map(|(k, _)| k))
            .collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let mut vals: Vec<f64> = runs
                .iter()
                .filter_map(|r| r.get(key.as_str()).and_then(Value::as_f64))
                .collect();
            vals.sort_by(f64::total_cmp);
            let (Some(min), Some(max)) = (vals.first(), vals.last()) else {
                continue;
            };
            let median = if vals.len() % 2 == 1 {
                vals[vals.len() / 2]
            } else {
                (vals[vals.len() / 2 - 1] + vals[vals.len() / 2]) / 2.0
            };
            println!("  {key:<28} {median:>12.3}   ({min:.3} – {max:.3})");
        }
    }
    Ok(())
}

/// `machine`: what BENCHMARKS.md records about the machine.
pub fn machine() -> anyhow::Result<()> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(str::trim)
        .unwrap_or("?")
        .to_owned();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kb = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "{}",
        json!({
            "nproc": nproc,
            "cpu_model": model,
            "mem_gib": (mem_kb as f64) / 1024.0 / 1024.0,
            "loadavg": loadavg(),
            "kernel": std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim(),
        })
    );
    Ok(())
}
