//! Hostile input at scale: property-based fuzzing of everything that reads bytes from the
//! outside before any business logic runs — the signature check, the form and payload
//! parsers, query normalisation and masking. The property is always the same: no panic,
//! and nothing is accepted that should not be.
//!
//! `FUZZ_CASES` sets the runs per target (default 5,000 so `cargo test` stays quick) and
//! `FUZZ_SEED` the seed (fixed by default, so CI is repeatable);
//! `scripts/fuzz.sh` runs 1,000,000 per target, optimised (`--profile fuzz`), and is part of CI.

use expire_bot::domain::RiderQuery;
use expire_bot::slack::verify::{Verifier, sign};
use expire_bot::{mask, slack};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use secrecy::SecretString;

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000)
}

/// Seeded, so a CI run is repeatable (a failure found once is found again); set
/// `FUZZ_SEED` to explore other inputs.
fn runner() -> TestRunner {
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_2026);
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&seed.wrapping_add(i as u64).to_le_bytes());
    }
    TestRunner::new_with_rng(
        Config {
            cases: cases(),
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

/// A genuine interaction payload to mutate: mutations of valid input reach deeper than noise.
fn seed_payload() -> Vec<u8> {
    let payload = serde_json::json!({
        "type": "block_actions",
        "user": {"id": "U0LEAD1", "username": "lead", "name": "lead", "team_id": "T0TEAM"},
        "api_app_id": "A0APP", "token": "x",
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": "C0APPROVE", "is_ephemeral": false},
        "trigger_id": "1.2.3", "team": {"id": "T0TEAM", "domain": "acme"},
        "channel": {"id": "C0APPROVE", "name": "approvals"},
        "state": {"values": {}},
        "actions": [{"action_id": "approve_expiry", "block_id": "decide_1", "value": "1", "type": "button", "action_ts": "1700000001.000200",
                     "text": {"type": "plain_text", "text": "Approve"}}]
    });
    let enc: String =
        url::form_urlencoded::byte_serialize(payload.to_string().as_bytes()).collect();
    format!("payload={enc}").into_bytes()
}

fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    for (pos, op, val) in edits {
        if bytes.is_empty() {
            bytes.push(*val);
            continue;
        }
        let i = pos % bytes.len();
        match op % 4 {
            0 => bytes[i] = *val,
            1 => bytes.insert(i, *val),
            2 => {
                bytes.remove(i);
            }
            _ => bytes.truncate(i),
        }
    }
    bytes
}

#[test]
fn signature_check_never_panics_and_accepts_only_genuine_requests() {
    let verifier = Verifier::new(&SecretString::from("fuzz-secret"));
    runner()
        .run(
            &(
                proptest::collection::vec(any::<u8>(), 0..512),
                any::<Option<String>>(),
                any::<Option<String>>(),
                -400i64..400,
                any::<bool>(),
            ),
            |(body, sig, ts, skew, genuine)| {
                if genuine {
                    // Relative to the time of this case: a million cases take a while.
                    let t = chrono::Utc::now().timestamp() + skew;
                    let s = sign("fuzz-secret", t, &body);
                    let ok = verifier
                        .verify(Some(&s), Some(&t.to_string()), &body)
                        .is_ok();
                    // Near the 300 s edge the outcome depends on when the check runs.
                    if !(290..=310).contains(&skew.abs()) {
                        prop_assert_eq!(ok, skew.abs() < 300 && std::str::from_utf8(&body).is_ok());
                    }
                } else {
                    prop_assert!(
                        verifier
                            .verify(sig.as_deref(), ts.as_deref(), &body)
                            .is_err()
                    );
                }
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn form_and_payload_parsers_never_panic() {
    let seed = seed_payload();
    assert!(
        slack::parse_interaction(&seed).is_ok(),
        "the seed itself parses"
    );
    runner()
        .run(
            &(
                proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..8),
                proptest::collection::vec(any::<u8>(), 0..256),
            ),
            |(edits, noise)| {
                let mutated = mutate(seed.clone(), &edits);
                let _ = slack::parse_interaction(&mutated);
                let _ = slack::parse_command(&mutated);
                let _ = slack::parse_interaction(&noise);
                let _ = slack::parse_command(&noise);
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn query_normalisation_and_masking_never_panic_or_leak() {
    runner()
        .run(
            &(any::<String>(), "[0-9]{4}", "[0-9]{4}", 0usize..6),
            |(text, mid, last, form)| {
                let _ = RiderQuery::parse(&text);
                let _ = mask::name(&text);
                let _ = mask::phone(&text);
                let _ = mask::policy_number(&text);
                let _ = mask::scrub_phones(&text);
                let phone = match form {
                    0 => format!("010{mid}{last}"),
                    1 => format!("010-{mid}-{last}"),
                    2 => format!("+82 10-{mid}-{last}"),
                    3 => format!("010 {mid} {last}"),
                    4 => format!("010.{mid}.{last}"),
                    _ => format!("+8210{mid}{last}"),
                };
                let raw_digits = format!("010{mid}{last}");
                match RiderQuery::parse(&phone) {
                    Ok(q) => {
                        let masked = q.masked();
                        prop_assert!(
                            mid == last || !masked.contains(&mid),
                            "{} leaked {}",
                            masked,
                            mid
                        );
                        let debug = format!("{:?}", q);
                        prop_assert!(!debug.contains(&raw_digits), "Debug leaked the phone");
                    }
                    Err(e) => prop_assert!(false, "{phone} refused: {e}"),
                }
                let scrubbed = mask::scrub_phones(&format!("{text} {phone} {text}"));
                let leaked = ["", "-", " ", "."]
                    .iter()
                    .any(|sep| scrubbed.contains(&format!("{mid}{sep}{last}")));
                prop_assert!(!leaked, "scrub left the phone in the text");
                Ok(())
            },
        )
        .unwrap();
}
