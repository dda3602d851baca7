//! The demo's closing summary: the statements each database handle ran during the story,
//! the Slack calls made, and the two checks over everything sent: no raw personal data,
//! nothing Slack would refuse.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Demo;
use super::checks::{Counts, count};
use crate::i18n::Language;
use crate::store::seed;
use crate::testkit::read::english_in;

impl Demo {
    pub(super) fn summary(&mut self, flow: &Counts, riders: &[seed::SeedRider]) {
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
            lookups_replica == 2 + self.extra_lookups && lookups_primary == 0,
            "every rider and policy lookup ran on the replica (the search and the re-check of the choice), none on the primary",
            || format!("replica {lookups_replica}, primary {lookups_primary}"),
        );
        // The replica's reads: lookups, its probes, and the Home tabs (which requests wait,
        // one's own, the last digest, and the request compared before a republish).
        const REPLICA_OPS: [&str; 7] = [
            "lookup_rider_policies",
            "replica_lag",
            "ping",
            "home_pending",
            "home_own",
            "home_last_digest",
            "home_request",
        ];
        let stray: Vec<_> = flow
            .keys()
            .filter(|(r, op, _)| r == "replica" && !REPLICA_OPS.contains(&op.as_str()))
            .collect();
        self.checks.check(
            stray.is_empty() && count(flow, "primary", "file_request") == 2,
            "every write ran on the primary; the replica only answered reads (lookups and Home tabs)",
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
        if self.locale.language() == Language::Ko {
            // The bot speaks Korean: no English word in anything a person read in Slack
            // (the names that stay English aside; see i18n::english_words).
            let mut english: Vec<String> = Vec::new();
            for c in &calls {
                english.extend(english_in(&c.method, &c.args));
            }
            for a in &self.answers {
                english.extend(english_in("an HTTP answer", a));
            }
            self.checks.check(
                english.is_empty(),
                "everything Slack showed is in Korean (no English word in any text a person read)",
                || format!("English in: {}", english.join("; ")),
            );
        }
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
