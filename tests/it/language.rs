//! The language people read (issue 13): a bot whose `UI_LANGUAGE` is unset speaks Korean
//! on every surface. One test plays every path that shows people words — help, history,
//! the request form and each of its input errors, the choice step, "filed", the approval
//! message and its confirm dialog, both refusals of a click, the reject form and its
//! error, the decided message, thread replies and DMs, "already decided", the digest, its
//! buttons and the bulk filing's answer — and checks that nothing sent to Slack or answered
//! to it holds an English word (`expire_bot::i18n::english_words`: a run of 4+ ASCII
//! letters outside markup, code and emoji, other than the never-translated names).
//!
//! The per-language flow tests are in `flow.rs`; this one is about the default.

use chrono::{Duration, Utc};
use expire_bot::i18n::{Language, english_words};
use expire_bot::slack::render;
use expire_bot::store::seed::{cases, demo_data};
use expire_bot::testkit::read::english_in;
use expire_bot::tr;
use expire_bot::workers::digest::SlotOutcome;
use serde_json::Value;

use crate::harness::*;

#[tokio::test]
async fn a_bot_without_ui_language_speaks_korean_on_every_surface() {
    // The harness sets UI_LANGUAGE=en for the English tests; empty counts as unset (the
    // configuration's rule), so this bot gets the default.
    let app = spawn_app_with(Options {
        backend: Backend::Sqlite,
        env: vec![("UI_LANGUAGE", "")],
        ..Options::default()
    })
    .await;
    assert_eq!(app.app.handlers.locale.language(), Language::Ko);
    let mut answers: Vec<(String, Value)> = Vec::new();
    let mut answer = |what: &str, body: Value| {
        assert!(!body.is_null(), "{what}: an answer was expected");
        answers.push((what.to_owned(), body));
    };
    let past = Utc::now() - Duration::hours(2);

    // The command: help, history (asked badly, for nobody), and the request form.
    let (_, a) = json_answer(app.slash(AGENT, "help").await).await;
    answer("help", a);
    let (_, a) = json_answer(app.slash(AGENT, "history").await).await;
    answer("history without a query", a);
    let (_, a) = json_answer(app.slash(AGENT, "history 010-9999-0000").await).await;
    answer("history of nobody", a);
    let (_, a) = json_answer(app.slash(AGENT, "history hello").await).await;
    answer("history of an unreadable query", a);
    assert_eq!(app.slash(AGENT, "010-1234-5678").await.status(), 200);

    // Every input error of the request form.
    for (query, at, reason) in [
        ("010-9999-0000", past, "전화로 해지, CX-1"),
        ("hello; DROP TABLE riders;--", past, "전화로 해지, CX-1"),
        ("010-1234-5678", Utc::now() + Duration::hours(3), "CX-1"),
        ("010-1234-5678", past - Duration::days(3650), "CX-1"),
        ("010-1234-5678", past, "   "),
        (&cases::NO_ACTIVE_RIDER.to_string(), past, "CX-1"),
    ] {
        let (_, a) = app.submit_request(AGENT, query, at, reason).await;
        assert_eq!(a["response_action"], "errors", "{a}");
        answer("a request form error", a);
    }

    // The choice step, then "filed" (a phone typed into the reason is masked).
    let (_, choice) = app
        .submit_request(
            AGENT,
            "+82 10-5550-1234",
            past,
            "탈퇴 회원인데 보험료가 청구됨, 010-5550-1234로 통화, CX-77",
        )
        .await;
    assert_eq!(choice["view"]["callback_id"], "expiry_choose_policy");
    let (_, policies) = demo_data(Utc::now());
    let withdrawn = policies
        .iter()
        .find(|p| p.rider_id == cases::WITHDRAWN_RIDER)
        .map(|p| p.id)
        .expect("the withdrawn rider's policy");
    let (_, filed) = app.submit_choice(AGENT, &choice["view"], withdrawn).await;
    assert_eq!(filed["response_action"], "update", "{filed}");
    answer("the choice step", choice);
    answer("filed", filed);
    let first = app.only_request_id().await;
    app.drain_outbox().await;

    // Refused clicks, the reject form, its error, the rejection, and a late approval.
    app.click(AGENT, "approve_expiry", first, &[]).await;
    app.click(OUTSIDER, "approve_expiry", first, &[]).await;
    app.click(LEAD, "reject_expiry", first, &[]).await;
    let (_, a) = app.submit_reject(LEAD, first, "   ").await;
    answer("the reject form's error", a);
    let (_, a) = app
        .submit_reject(LEAD, first, "보험사 확인 결과 아직 유효함")
        .await;
    assert_eq!(a["response_action"], "clear", "{a}");
    app.drain_outbox().await;
    app.click(LEAD2, "approve_expiry", first, &[]).await;

    // A second request: refused while pending, then approved; its history.
    let (_, a) = app
        .submit_request(AGENT, "010-1234-5678", past, "전화로 해지, CX-4821")
        .await;
    assert_eq!(a["response_action"], "update", "{a}");
    let second = app
        .scalar(&format!(
            "SELECT MAX(id) FROM expiry_requests WHERE id <> {first}"
        ))
        .await;
    let (_, a) = app
        .submit_request(AGENT, "010-1234-5678", past, "다시, CX-4821")
        .await;
    answer("already pending", a);
    app.drain_outbox().await;
    app.click(LEAD, "approve_expiry", second, &[]).await;
    app.drain_outbox().await;
    let (_, a) = json_answer(app.slash(AGENT, "history 010-1234-5678").await).await;
    assert!(a.to_string().contains(&format!("#{second}")), "{a}");
    answer("history", a);

    // The digest, "File request…" and "File requests for all".
    let slot = Utc::now();
    let slot = chrono::DateTime::<Utc>::from_timestamp(slot.timestamp(), 0).unwrap_or(slot);
    assert!(matches!(
        app.app.digest.run_slot(slot).await.unwrap(),
        SlotOutcome::Posted { .. }
    ));
    let value = format!("{}:{}", cases::WITHDRAWN_RIDER, slot.timestamp());
    app.interaction(
        &expire_bot::testkit::fixtures::digest_button_click(
            APPROVAL_CHANNEL,
            AGENT,
            "digest_file_one",
            &value,
        ),
        &[],
    )
    .await;
    app.interaction(
        &expire_bot::testkit::fixtures::digest_button_click(
            APPROVAL_CHANNEL,
            AGENT,
            "digest_file_all",
            &slot.timestamp().to_string(),
        ),
        &[],
    )
    .await;
    app.drain_outbox().await;

    // Everything Slack was asked to show, and every answer.
    let mut english = Vec::new();
    let mut seen = 0;
    for method in [
        "views.open",
        "chat.postMessage",
        "chat.update",
        "chat.postEphemeral",
    ] {
        for call in app.calls(method).await {
            seen += 1;
            english.extend(english_in(method, &call));
        }
    }
    for (what, body) in &answers {
        seen += 1;
        english.extend(english_in(what, body));
    }
    assert!(
        english.is_empty(),
        "English in a bot whose UI_LANGUAGE is unset:\n  {}",
        english.join("\n  ")
    );
    // Every surface was reached: the modals (command, reject, digest), the ephemeral
    // refusals, the messages, and the answers.
    assert!(app.calls("views.open").await.len() >= 3);
    assert!(app.calls("chat.postEphemeral").await.len() >= 4);
    assert!(app.calls("chat.update").await.len() >= 2);
    assert!(seen >= 40, "{seen} bodies checked");
    app.stop().await;
}

/// The manifests' texts (Slack shows one string to everyone, whatever `UI_LANGUAGE` says)
/// hold both languages, the same in both manifests, within the manifest schema's limits
/// (slackapi/manifest-schema: app description ≤ 140, command description ≤ 2,000, usage
/// hint ≤ 1,000, shortcut name ≤ 24 and description ≤ 150 characters). The manifests are
/// read as YAML (their full validation is `manifest.rs`).
#[test]
fn the_manifests_say_it_in_korean_and_english_within_slacks_limits() {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |f: &str| -> serde_norway::Value {
        let text = std::fs::read_to_string(format!("{root}/{f}")).expect("manifest");
        serde_norway::from_str(&text).expect("YAML")
    };
    /// Every text people read, with its schema limit.
    fn texts(m: &serde_norway::Value) -> Vec<(String, String, usize)> {
        let s = |v: &serde_norway::Value| v.as_str().expect("a string").to_owned();
        let f = &m["features"];
        let mut out = vec![
            (
                "app description".to_owned(),
                s(&m["display_information"]["description"]),
                140,
            ),
            (
                "command description".to_owned(),
                s(&f["slash_commands"][0]["description"]),
                2000,
            ),
            (
                "usage hint".to_owned(),
                s(&f["slash_commands"][0]["usage_hint"]),
                1000,
            ),
        ];
        let shortcuts = f["shortcuts"].as_sequence().expect("shortcuts");
        assert_eq!(shortcuts.len(), 2);
        for sc in shortcuts {
            let id = s(&sc["callback_id"]);
            out.push((format!("{id} name"), s(&sc["name"]), 24));
            out.push((format!("{id} description"), s(&sc["description"]), 150));
        }
        out
    }
    let (http, socket) = (
        texts(&read("manifest.yml")),
        texts(&read("manifest.socket-mode.yml")),
    );
    assert_eq!(http, socket, "the manifests' texts differ");
    for (what, text, max) in http {
        let n = text.chars().count();
        assert!(n <= max, "{what} is {n} characters (limit {max}): {text}");
        assert!(
            text.chars().any(|c| ('가'..='힣').contains(&c)),
            "{what} has no Korean: {text}"
        );
        assert!(
            !english_words(&text).is_empty(),
            "{what} has no English: {text}"
        );
    }
}

/// The digest, "File requests for all" and history — the key moments outside the request
/// flow — in each language: the same structure and action_ids, the catalogue's own
/// sentences, and the requests the bulk filing made carrying its reason in that language.
async fn digest_bulk_and_history_speak_the_configured_language(language: Language) {
    let t = expire_bot::i18n::Catalog::global().texts(language);
    let l = expire_bot::i18n::Locale::new(language, chrono_tz::Asia::Seoul);
    let app = spawn_app_in(
        language,
        Options {
            backend: Backend::Sqlite,
            ..Options::default()
        },
    )
    .await;
    let slot = chrono::DateTime::<Utc>::from_timestamp(Utc::now().timestamp(), 0).unwrap();
    let SlotOutcome::Posted { .. } = app.app.digest.run_slot(slot).await.unwrap() else {
        panic!("the demo riders include withdrawn riders with active policies");
    };
    let page = app
        .calls("chat.postMessage")
        .await
        .into_iter()
        .find(|m| m.to_string().contains("digest_file_all"))
        .expect("the digest");
    assert_eq!(
        page["blocks"][0]["text"]["text"],
        tr!(l, "digest-heading", date = l.day(slot)).as_str()
    );
    let s = page.to_string();
    assert!(
        s.contains("digest_file_one") && s.contains("digest_bulk"),
        "{s}"
    );
    assert!(s.contains(tr!(t, "digest-file-one-button").as_str()), "{s}");
    let click = expire_bot::testkit::fixtures::digest_button_click(
        APPROVAL_CHANNEL,
        AGENT,
        "digest_file_all",
        &slot.timestamp().to_string(),
    );
    assert_eq!(app.interaction(&click, &[]).await.status(), 200);
    // The answer comes by the deadline or, on a slow machine, after it.
    let mut told = Vec::new();
    for _ in 0..100 {
        told = app.calls("chat.postEphemeral").await;
        if !told.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let filed = app.scalar("SELECT COUNT(*) FROM expiry_requests").await;
    assert!(filed > 0);
    let answer = told.last().expect("the bulk answer")["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        answer.starts_with(said_filed(language, filed).as_str()),
        "{answer}"
    );
    // The reason each bulk request carries is in the bot's language (its approval message
    // shows it), and the same for all.
    let reason = render::bulk_reason(l, slot);
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM expiry_requests WHERE reason = '{}'",
            reason.replace('\'', "''")
        ))
        .await,
        filed
    );
    // History, in the same language.
    let (_, h) = json_answer(
        app.slash(AGENT, &format!("history {}", cases::WITHDRAWN_RIDER))
            .await,
    )
    .await;
    let h = h["text"].as_str().unwrap_or_default().to_owned();
    let pending = tr!(t, "history-entry-pending");
    assert!(h.contains(&pending), "{h}");
    let (_, help) = json_answer(app.slash(AGENT, "help").await).await;
    assert_eq!(help["text"], render::help_text(l).as_str());
    if language == Language::Ko {
        assert!(answer.contains("접수했습니다"), "{answer}");
        assert!(h.contains("만료 요청 이력"), "{h}");
        assert!(english_words(&h).is_empty(), "{h}");
    } else {
        assert!(h.starts_with("*Expiry requests for "), "{h}");
    }
    app.stop().await;
}

/// The bulk answer's first words for `filed` requests, from the catalogue.
fn said_filed(language: Language, filed: i64) -> String {
    let t = expire_bot::i18n::Catalog::global().texts(language);
    let whole = tr!(
        t,
        "bulk-answer",
        filed = filed,
        already_pending = 0,
        settled = 0,
        needs_individual = 0,
        failed = 0,
        channel = APPROVAL_CHANNEL
    );
    // Up to the first sentence's end (Korean) or the first part (English).
    whole
        .split_inclusive(['.', ';'])
        .next()
        .unwrap_or_default()
        .trim_end_matches(['.', ';'])
        .to_owned()
}

mod digest_bulk_and_history_speak_the_configured_language {
    use expire_bot::i18n::Language;
    #[tokio::test]
    async fn ko() {
        super::digest_bulk_and_history_speak_the_configured_language(Language::Ko).await
    }
    #[tokio::test]
    async fn en() {
        super::digest_bulk_and_history_speak_the_configured_language(Language::En).await
    }
}
