//! The demo's checks, and its reading of the store's own statement counter
//! (`expire_bot_db_operations_total`) to show which handle each step's statements ran on.

use std::collections::BTreeMap;

use crate::telemetry;

/// Checks the demo makes, and the ones that did not hold.
#[derive(Default)]
pub(super) struct Checks {
    pub(super) passed: usize,
    pub(super) failed: Vec<String>,
}

impl Checks {
    pub(super) fn check(&mut self, ok: bool, what: &str, otherwise: impl FnOnce() -> String) {
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
pub(super) type Counts = BTreeMap<(String, String, String), u64>;

pub(super) fn db_counts() -> Counts {
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

pub(super) fn diff(after: &Counts, before: &Counts) -> Counts {
    after
        .iter()
        .filter_map(|(k, v)| {
            let d = v.saturating_sub(before.get(k).copied().unwrap_or(0));
            (d > 0).then(|| (k.clone(), d))
        })
        .collect()
}

/// What the outbox worker and the TTL sweeper run on their own schedule.
const BACKGROUND_OPS: [&str; 3] = ["outbox_due", "pending_summary", "time_out_expired"];

pub(super) fn count(counts: &Counts, role: &str, op: &str) -> u64 {
    counts
        .iter()
        .filter(|((r, o, _), _)| r == role && o == op)
        .map(|(_, n)| n)
        .sum()
}

pub(super) fn describe_counts(counts: &Counts) -> String {
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

    #[test]
    fn counts_are_read_from_the_prometheus_text() {
        metrics::counter!("expire_bot_db_operations_total", "role" => "replica", "op" => "unit_test_op", "outcome" => "ok").increment(0);
        let _ = telemetry::metrics_handle();
        metrics::counter!("expire_bot_db_operations_total", "role" => "replica", "op" => "unit_test_op", "outcome" => "ok").increment(3);
        let c = db_counts();
        assert_eq!(count(&c, "replica", "unit_test_op"), 3);
    }
}
