//! Criterion micro-benchmarks of the CPU work on the bot's hot paths: proving a request
//! came from Slack, reading what an agent typed, masking personal data, and building the
//! Block Kit views that go back to Slack.
//!
//! These run under `cargo bench --bench micro` (figures in BENCHMARKS.md) and, as every
//! bench target, once each in criterion's test mode under `cargo test --all-targets`, so
//! they cannot rot. They never assert on time.

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use expire_bot::domain::RiderQuery;
use expire_bot::domain::{
    Candidate, PolicyId, PolicyOutcome, Request, RequestId, RequestStatus, RiderId, SlackUserId,
};
use expire_bot::mask;
use expire_bot::slack::render as views;
use expire_bot::slack::verify::{Verifier, sign};
use secrecy::SecretString;

const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";

/// A slash-command body the size of Slack's real ones (~450 bytes).
fn slash_body() -> Vec<u8> {
    b"token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0TEAM&team_domain=acme&enterprise_id=&enterprise_name=&channel_id=C0CXDESK&channel_name=cx-desk&user_id=U0AGENT&user_name=agent&command=%2Fexpire-insurance&text=010-1234-5678&api_app_id=A0APP&is_enterprise_install=false&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT0TEAM%2F1234%2Fabcd&trigger_id=13345224609.738474920.8088930838d88f008e0".to_vec()
}

fn signature(c: &mut Criterion) {
    let verifier = Verifier::new(&SecretString::from(SECRET));
    let body = slash_body();
    let ts = Utc::now().timestamp();
    let sig = sign(SECRET, ts, &body);
    let ts_s = ts.to_string();
    let mut g = c.benchmark_group("signature");
    g.bench_function("verify_valid_slash_command", |b| {
        b.iter(|| {
            black_box(verifier.verify(
                black_box(Some(sig.as_str())),
                black_box(Some(ts_s.as_str())),
                black_box(&body),
            ))
        })
    });
    let bad = sign("wrong-secret", ts, &body);
    g.bench_function("verify_forged_slash_command", |b| {
        b.iter(|| {
            black_box(verifier.verify(
                black_box(Some(bad.as_str())),
                black_box(Some(ts_s.as_str())),
                black_box(&body),
            ))
        })
    });
    g.bench_function("sign_slash_command", |b| {
        b.iter(|| black_box(sign(SECRET, black_box(ts), black_box(&body))))
    });
    g.finish();
}

fn query(c: &mut Criterion) {
    let mut g = c.benchmark_group("rider_query_parse");
    for (label, raw) in [
        ("phone_dashed", "010-1234-5678"),
        ("phone_digits", "01012345678"),
        ("phone_international", "+82 10-1234-5678"),
        ("rider_id", "48213377"),
        ("rider_id_marked", "id: 48213377"),
        ("refused", "not a phone at all"),
    ] {
        g.bench_function(label, |b| {
            b.iter(|| black_box(RiderQuery::parse(black_box(raw))))
        });
    }
    g.finish();
}

fn masking(c: &mut Criterion) {
    let mut g = c.benchmark_group("mask");
    g.bench_function("name_3", |b| {
        b.iter(|| black_box(mask::name(black_box("홍길동"))))
    });
    g.bench_function("name_4", |b| {
        b.iter(|| black_box(mask::name(black_box("남궁민수"))))
    });
    g.bench_function("phone", |b| {
        b.iter(|| black_box(mask::phone(black_box("010-1234-5678"))))
    });
    let born = chrono::NaiveDate::from_ymd_opt(1990, 3, 14);
    g.bench_function("birth_date", |b| {
        b.iter(|| black_box(mask::birth_date(black_box(born))))
    });
    g.bench_function("policy_number", |b| {
        b.iter(|| black_box(mask::policy_number(black_box("HB0012345678"))))
    });
    g.finish();
}

fn candidate(i: i64) -> Candidate {
    let from = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_else(Utc::now);
    Candidate {
        policy_id: PolicyId(1000 + i),
        rider_id: RiderId(500 + i),
        rider_name_masked: "홍*동".into(),
        rider_phone_masked: "010-****-5678".into(),
        rider_birth_date_masked: "1990-**-**".into(),
        rider_status: if i % 2 == 0 { "ACTIVE" } else { "WITHDRAWN" }.into(),
        withdrawn_at: None,
        insurer: "한빛손해보험".into(),
        policy_number_masked: "********5678".into(),
        policy_status: "ACTIVE".into(),
        valid_from: from,
        valid_until: None,
    }
}

fn request_row() -> Request {
    let at = Utc
        .with_ymd_and_hms(2026, 11, 28, 12, 0, 0)
        .single()
        .unwrap_or_else(Utc::now);
    Request {
        id: RequestId(4242),
        policy_id: PolicyId(1001),
        requested_by: SlackUserId::new("U0AGENT"),
        decided_by: Some(SlackUserId::new("U0LEAD1")),
        status: RequestStatus::Approved,
        rider_id: Some(RiderId(501)),
        rider_name_masked: "홍*동".into(),
        rider_phone_masked: "010-****-5678".into(),
        rider_status: "ACTIVE".into(),
        policy_number_masked: "********5678".into(),
        insurer: "한빛손해보험".into(),
        cancelled_at: Some(at),
        reason: "Rider cancelled by phone <ticket CX-1234> & asked for a refund".into(),
        requested_at: at,
        expires_at: Some(at + chrono::Duration::hours(24)),
        decided_at: Some(at + chrono::Duration::minutes(5)),
        decision_note: None,
        outcome: Some(PolicyOutcome::Expired),
        channel_id: Some("C0APPROVE".into()),
        message_ts: Some("1700000000.000001".into()),
    }
}

fn view_building(c: &mut Criterion) {
    // The default language (Korean), as an unconfigured bot renders: the catalogue's
    // formatting is part of what each builder costs.
    let l = expire_bot::i18n::Locale::new(
        expire_bot::i18n::Language::default(),
        chrono_tz::Asia::Seoul,
    );
    let two: Vec<Candidate> = (0..2).map(candidate).collect();
    let twelve: Vec<Candidate> = (0..12).map(candidate).collect();
    let row = request_row();
    let mut g = c.benchmark_group("views");
    // The slash command's whole CPU work besides verification: build the modal and
    // serialise it into the views.open body.
    g.bench_function("request_modal_to_json", |b| {
        b.iter(|| {
            let v = views::request_modal(l, black_box("010-1234-5678"), None);
            black_box(serde_json::to_vec(&v))
        })
    });
    g.bench_function("choose_policy_modal_2_to_json", |b| {
        b.iter(|| {
            let v = views::choose_policy_modal(l, black_box(&two), "{}".to_owned());
            black_box(serde_json::to_vec(&v))
        })
    });
    g.bench_function("choose_policy_modal_12_to_json", |b| {
        b.iter(|| {
            let v = views::choose_policy_modal(l, black_box(&twelve), "{}".to_owned());
            black_box(serde_json::to_vec(&v))
        })
    });
    g.bench_function("approval_message_to_json", |b| {
        b.iter(|| {
            black_box(serde_json::to_vec(&views::approval_message(
                l,
                black_box(&row),
            )))
        })
    });
    g.bench_function("decided_message_to_json", |b| {
        b.iter(|| {
            black_box(serde_json::to_vec(&views::decided_message(
                l,
                black_box(&row),
            )))
        })
    });
    g.finish();
}

criterion_group!(benches, signature, query, masking, view_building);
criterion_main!(benches);
