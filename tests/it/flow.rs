//! The product's spine end to end: command → modal → masked lookup on the replica →
//! approval request → decision on the primary → Slack follow-ups. Every test runs on both
//! server pairs (`flow::postgres::…`, `flow::mysql::…`), and the spine once on SQLite.
//!
//! The tests that show people words run once per language ([`per_language!`]: `…::ko` and
//! `…::en`), asserting on structure, action_ids and the database in both, on the exact
//! catalogue sentence where one is expected, and on the Korean wording of the key moments
//! (filed, approved, the refused self-approval) and today's English wording.

use chrono::{Duration, TimeZone, Utc};
use expire_bot::domain::{PolicyId, RiderId};
use expire_bot::i18n::{Catalog, Language, Texts};
use expire_bot::store::seed::{cases, demo_data};
use expire_bot::tr;
use serde_json::Value;

use crate::harness::*;

/// Runs the async test `fn $name(backend: Backend, language: Language)` once per server
/// pair and language, as `$name::postgres::ko`, `…::postgres::en`, `…::mysql::ko` and
/// `…::mysql::en`; `per_language!(sqlite $name)` runs `fn $name(language: Language)` as
/// `$name::ko` and `$name::en`.
macro_rules! per_language {
    (sqlite $name:ident) => {
        mod $name {
            use expire_bot::i18n::Language;
            #[tokio::test]
            async fn ko() {
                super::$name(Language::Ko).await
            }
            #[tokio::test]
            async fn en() {
                super::$name(Language::En).await
            }
        }
    };
    ($name:ident) => {
        mod $name {
            mod postgres {
                use crate::harness::Backend;
                use expire_bot::i18n::Language;
                #[tokio::test]
                async fn ko() {
                    super::super::$name(Backend::Postgres, Language::Ko).await
                }
                #[tokio::test]
                async fn en() {
                    super::super::$name(Backend::Postgres, Language::En).await
                }
            }
            mod mysql {
                use crate::harness::Backend;
                use expire_bot::i18n::Language;
                #[tokio::test]
                async fn ko() {
                    super::super::$name(Backend::Mysql, Language::Ko).await
                }
                #[tokio::test]
                async fn en() {
                    super::super::$name(Backend::Mysql, Language::En).await
                }
            }
        }
    };
}

/// The catalogue the bot under test speaks.
fn texts(language: Language) -> &'static Texts {
    Catalog::global().texts(language)
}

/// The fragment of a key moment in `language`'s own words.
fn said(language: Language, ko: &'static str, en: &'static str) -> &'static str {
    match language {
        Language::Ko => ko,
        Language::En => en,
    }
}

/// The demo seed's policy of a rider (the first one when they hold several).
fn policy_of(rider: RiderId) -> PolicyId {
    let (_, policies) = demo_data(Utc::now());
    policies
        .iter()
        .find(|p| p.rider_id == rider)
        .map(|p| p.id)
        .expect("seeded policy")
}

fn raw_personal_data() -> Vec<String> {
    let (riders, _) = demo_data(Utc::now());
    let mut out = Vec::new();
    for r in riders {
        out.push(r.name.clone());
        out.push(r.phone.clone());
        out.push(format!(
            "{}-{}-{}",
            &r.phone[..3],
            &r.phone[3..7],
            &r.phone[7..]
        ));
        if let Some(b) = r.birth_date {
            out.push(b.format("%Y-%m-%d").to_string());
        }
    }
    out
}

/// Asserts no raw name/phone/birth date is in anything posted to a channel, thread or DM.
pub async fn assert_no_raw_pii_sent(app: &TestApp) {
    let raw = raw_personal_data();
    for m in ["chat.postMessage", "chat.update", "chat.postEphemeral"] {
        for call in app.calls(m).await {
            let s = call.to_string();
            for r in &raw {
                assert!(
                    !s.contains(r.as_str()),
                    "raw personal data {r:?} sent in {m}: {s}"
                );
            }
        }
    }
}

fn error_on(answer: &Value, block: &str) -> String {
    assert_eq!(
        answer["response_action"], "errors",
        "expected errors, got {answer}"
    );
    answer["errors"][block]
        .as_str()
        .unwrap_or_else(|| panic!("no error on {block}: {answer}"))
        .to_owned()
}

async fn file_simple(app: &TestApp) -> i64 {
    app.file_by_phone(
        Utc::now() - Duration::hours(3),
        "Rider cancelled by phone, CX-4821",
    )
    .await
}

per_language!(happy_path_by_phone_expires_the_policy_once_and_tells_everyone);
async fn happy_path_by_phone_expires_the_policy_once_and_tells_everyone(
    backend: Backend,
    language: Language,
) {
    let t = texts(language);
    let app = spawn_app_in(
        language,
        Options {
            backend,
            ..Options::default()
        },
    )
    .await;
    // 1. The slash command opens the modal, prefilled.
    let resp = app.slash(AGENT, "010-1234-5678").await;
    assert_eq!(resp.status(), 200);
    let opens = app.calls("views.open").await;
    assert_eq!(opens.len(), 1);
    assert_eq!(
        opens[0]["trigger_id"],
        "13345224609.738474920.8088930838d88f008e0"
    );
    assert_eq!(opens[0]["view"]["callback_id"], "expiry_request");
    assert_eq!(
        opens[0]["view"]["title"]["text"],
        tr!(t, "request-modal.title").as_str()
    );
    assert!(
        opens[0]["view"]
            .to_string()
            .contains("\"initial_value\":\"010-1234-5678\"")
    );

    // 2. Submitting it files the request, answered with the masked confirmation.
    let cancelled_at = Utc::now() - Duration::hours(5);
    let cancelled_at = Utc.timestamp_opt(cancelled_at.timestamp(), 0).unwrap();
    let (status, answer) = app
        .submit_request(
            AGENT,
            "010-1234-5678",
            cancelled_at,
            "Cancelled at insurer, CX-1001",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(answer["response_action"], "update", "{answer}");
    let shown = answer["view"].to_string();
    assert!(shown.contains("이*연"), "masked name shown: {shown}");
    assert!(shown.contains("010-****-5678"));
    assert!(!shown.contains("이서연"));
    assert_eq!(
        answer["view"]["title"]["text"],
        tr!(t, "filed-modal.title").as_str()
    );
    let filed = answer["view"]["blocks"][0]["text"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        filed.contains(said(language, "접수를 완료했습니다", "is filed: expire")),
        "{filed}"
    );

    let id = app.only_request_id().await;
    let row = app.request_row(id).await;
    assert_eq!(row.status, "PENDING");
    assert_eq!(row.requested_by, AGENT);
    assert_eq!(row.policy_id, policy_of(cases::SIMPLE_RIDER));
    assert_eq!(row.rider_name_masked, "이*연");
    assert_eq!(row.rider_phone_masked, "010-****-5678");
    assert_eq!(row.cancelled_at, Some(cancelled_at));

    // 3. The approval request is posted with both buttons; the requester is told where.
    app.drain_outbox().await;
    let posts = app.calls("chat.postMessage").await;
    let request_msg = posts
        .iter()
        .find(|p| p["channel"] == APPROVAL_CHANNEL)
        .expect("approval request posted");
    let s = request_msg.to_string();
    assert!(
        s.contains("approve_expiry") && s.contains("reject_expiry"),
        "{s}"
    );
    assert!(
        s.contains("이*연") && s.contains("010-****-5678") && s.contains(&format!("<@{AGENT}>"))
    );
    assert!(s.contains("CX-1001"));
    let header = tr!(t, "approval-header", request_id = id.to_string());
    assert_eq!(request_msg["blocks"][0]["text"]["text"], header.as_str());
    let buttons = &request_msg["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "actions")
        .expect("the buttons")["elements"];
    assert_eq!(
        buttons[0]["text"]["text"],
        said(language, "승인", "Approve")
    );
    assert_eq!(buttons[1]["text"]["text"], said(language, "반려", "Reject"));
    assert_eq!(
        buttons[0]["confirm"]["confirm"]["text"],
        tr!(t, "approval-confirm.confirm").as_str()
    );
    let dm = posts
        .iter()
        .find(|p| p["channel"] == AGENT)
        .expect("requester told");
    assert!(
        dm["text"]
            .as_str()
            .unwrap()
            .contains("https://slack.com/archives/C0APPROVE/p"),
        "{dm}"
    );
    let row = app.request_row(id).await;
    let ts = row.message_ts.clone().expect("ts recorded");

    // 4. A lead approves: one transaction on the primary.
    assert_eq!(app.click(LEAD, "approve_expiry", id, &[]).await, 200);
    let row = app.request_row(id).await;
    assert_eq!(row.status, "APPROVED");
    assert_eq!(row.decided_by.as_deref(), Some(LEAD));
    assert_eq!(row.outcome.map(|o| o.as_str()), Some("EXPIRED"));
    let (status, until) = app.policy_status(row.policy_id).await;
    assert_eq!(status, "EXPIRED");
    assert_eq!(until, Some(cancelled_at));
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM expiry_audit WHERE request_id = {id}"
        ))
        .await,
        2
    );
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM expiry_audit WHERE request_id = {id} AND event = 'APPROVED' AND status_before = 'ACTIVE' AND status_after = 'EXPIRED'")).await, 1);

    // 5. Thread reply, message update without buttons, requester told.
    app.drain_outbox().await;
    let posts = app.calls("chat.postMessage").await;
    let replies: Vec<_> = posts
        .iter()
        .filter(|p| p["thread_ts"] == ts.as_str())
        .collect();
    assert_eq!(replies.len(), 1, "one thread reply");
    let reply = replies[0]["text"].as_str().unwrap();
    match language {
        Language::Ko => assert!(
            reply.contains(&format!("<@{LEAD}>님이")) && reply.contains("승인했습니다"),
            "{reply}"
        ),
        Language::En => assert!(reply.contains(&format!("Approved by <@{LEAD}>")), "{reply}"),
    }
    let updates = app.calls("chat.update").await;
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0]["ts"], ts.as_str());
    let u = updates[0].to_string();
    assert!(
        !u.contains("approve_expiry") && !u.contains("reject_expiry"),
        "buttons gone: {u}"
    );
    assert!(u.contains(&format!("<@{LEAD}>")));
    let status_word = tr!(t, "request-status", status = "APPROVED");
    assert!(
        updates[0]["blocks"][0]["text"]["text"]
            .as_str()
            .unwrap()
            .ends_with(&format!("— {status_word}")),
        "{u}"
    );
    let dms: Vec<_> = posts.iter().filter(|p| p["channel"] == AGENT).collect();
    assert_eq!(dms.len(), 2, "filed + decided notices");
    assert!(
        dms[1]["text"]
            .as_str()
            .unwrap()
            .contains(said(language, "승인했습니다", "Approved"))
    );
    assert_no_raw_pii_sent(&app).await;
    app.stop().await;
}

per_language!(shared_phone_with_a_withdrawn_rider_asks_which_policy);
async fn shared_phone_with_a_withdrawn_rider_asks_which_policy(
    backend: Backend,
    language: Language,
) {
    let app = spawn_app_in(
        language,
        Options {
            backend,
            ..Options::default()
        },
    )
    .await;
    let at = Utc::now() - Duration::days(1);
    let (_, answer) = app
        .submit_request(
            AGENT,
            "+82 10-5550-1234",
            at,
            "withdrawn member still charged, CX-77",
        )
        .await;
    assert_eq!(answer["response_action"], "update", "{answer}");
    let view = &answer["view"];
    assert_eq!(view["callback_id"], "expiry_choose_policy");
    let shown = view.to_string();
    assert!(shown.contains("\"action_id\":\"policy\""));
    assert!(
        shown.contains("홍*동") && shown.contains(said(language, " 탈퇴 · ", "withdrawn")),
        "{shown}"
    );
    assert!(
        shown.contains("남**수") && shown.contains(said(language, "정상 회원", "active member"))
    );
    assert_eq!(
        view["title"]["text"],
        tr!(texts(language), "choice-modal.title").as_str()
    );
    assert!(!shown.contains("홍길동") && !shown.contains("01055501234"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM expiry_requests").await,
        0,
        "nothing filed before the choice"
    );

    let withdrawn_policy = policy_of(cases::WITHDRAWN_RIDER);
    let (_, answer) = app.submit_choice(AGENT, view, withdrawn_policy).await;
    assert_eq!(answer["response_action"], "update", "{answer}");
    let id = app.only_request_id().await;
    let row = app.request_row(id).await;
    assert_eq!(row.policy_id, withdrawn_policy);
    assert_eq!(row.rider_status, "WITHDRAWN");
    assert_eq!(row.reason, "withdrawn member still charged, CX-77");
    app.stop().await;
}

async fn one_rider_with_two_active_policies_asks_which(backend: Backend) {
    let app = spawn_on(backend).await;
    let (_, answer) = app
        .submit_request(
            AGENT,
            "010 9876 5432",
            Utc::now() - Duration::hours(1),
            "CX-5",
        )
        .await;
    assert_eq!(
        answer["view"]["callback_id"], "expiry_choose_policy",
        "{answer}"
    );
    let s = answer["view"].to_string();
    assert!(s.contains("한빛손해보험") && s.contains("바로화재"));
    app.stop().await;
}

async fn rider_id_lookup_files_directly(backend: Backend) {
    let app = spawn_on(backend).await;
    let (_, answer) = app
        .submit_request(
            AGENT,
            &cases::SIMPLE_RIDER.to_string(),
            Utc::now() - Duration::hours(2),
            "CX-9",
        )
        .await;
    assert_eq!(answer["response_action"], "update", "{answer}");
    let id = app.only_request_id().await;
    assert_eq!(
        app.request_row(id).await.policy_id,
        policy_of(cases::SIMPLE_RIDER)
    );
    app.stop().await;
}

per_language!(lookup_problems_come_back_on_the_right_input);
async fn lookup_problems_come_back_on_the_right_input(backend: Backend, language: Language) {
    let t = texts(language);
    let app = spawn_app_in(
        language,
        Options {
            backend,
            ..Options::default()
        },
    )
    .await;
    let past = Utc::now() - Duration::hours(1);
    let (_, a) = app
        .submit_request(AGENT, "010-9999-0000", past, "CX-1")
        .await;
    let e = error_on(&a, "rider_query");
    assert_eq!(e, tr!(t, "request-error-no-rider"));
    assert!(e.contains(said(language, "라이더가 없습니다", "No rider matches")));
    let (_, a) = app
        .submit_request(AGENT, "hello; DROP TABLE riders;--", past, "CX-1")
        .await;
    let e = error_on(&a, "rider_query");
    assert_eq!(e, tr!(t, "query-error-not-recognised"));
    assert!(e.contains(said(language, "휴대전화 번호", "neither a rider ID nor")));
    let (_, a) = app
        .submit_request(
            AGENT,
            "010-1234-5678",
            Utc::now() + Duration::hours(3),
            "CX-1",
        )
        .await;
    let e = error_on(&a, "cancelled_at");
    assert_eq!(e, tr!(t, "request-error-time-in-future"));
    assert!(e.contains(said(language, "미래", "future")));
    let (_, a) = app
        .submit_request(
            AGENT,
            "010-1234-5678",
            Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0).unwrap(),
            "CX-1",
        )
        .await;
    assert!(error_on(&a, "cancelled_at").contains(said(language, "시작되었습니다", "began")));
    let (_, a) = app
        .submit_request(AGENT, "010-1234-5678", past, "   ")
        .await;
    assert_eq!(error_on(&a, "reason"), tr!(t, "reason-error-empty"));
    let (_, a) = app
        .submit_request(AGENT, &cases::NO_ACTIVE_RIDER.to_string(), past, "CX-1")
        .await;
    let e = error_on(&a, "rider_query");
    assert_eq!(e, tr!(t, "request-error-no-active-policy"));
    assert!(e.contains(said(
        language,
        "유효한 시간제 보험이 없어",
        "no active hourly policy"
    )));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM expiry_requests").await, 0);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM riders").await,
        41,
        "the injection text was never executed"
    );
    app.stop().await;
}

per_language!(a_second_request_for_the_same_policy_is_refused_while_one_is_pending);
async fn a_second_request_for_the_same_policy_is_refused_while_one_is_pending(
    backend: Backend,
    language: Language,
) {
    let app = spawn_app_in(
        language,
        Options {
            backend,
            ..Options::default()
        },
    )
    .await;
    let id = file_simple(&app).await;
    let (_, a) = app
        .submit_request(
            AGENT,
            "01012345678",
            Utc::now() - Duration::hours(1),
            "again",
        )
        .await;
    assert_eq!(
        error_on(&a, "rider_query"),
        tr!(
            texts(language),
            "filing-error-already-pending",
            request_id = id.to_string()
        )
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM expiry_requests").await, 1);
    app.stop().await;
}

/// Clicks Approve as `clicker` and checks the click was refused: nothing changed, nothing
/// announced, and only the clicker was answered, in the approvals channel. Returns the answer.
async fn assert_approval_refused(app: &TestApp, id: i64, clicker: &str) -> String {
    assert_eq!(app.click(clicker, "approve_expiry", id, &[]).await, 200);
    assert_eq!(app.request_row(id).await.status, "PENDING");
    assert_eq!(
        app.policy_status(policy_of(cases::SIMPLE_RIDER)).await.0,
        "ACTIVE"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM expiry_audit WHERE event = 'APPROVED'")
            .await,
        0
    );
    assert_eq!(app.calls("chat.update").await.len(), 0);
    let eph = app.calls("chat.postEphemeral").await;
    assert_eq!(eph.len(), 1);
    assert_eq!(eph[0]["user"], clicker);
    assert_eq!(eph[0]["channel"], APPROVAL_CHANNEL);
    eph[0]["text"].as_str().unwrap_or_default().to_owned()
}

per_language!(the_requester_cannot_approve_their_own_request);
async fn the_requester_cannot_approve_their_own_request(backend: Backend, language: Language) {
    let app = spawn_app_in(
        language,
        Options {
            backend,
            ..Options::default()
        },
    )
    .await;
    let id = file_simple(&app).await;
    app.drain_outbox().await;
    // AGENT is also on the approver list: the four-eyes rule must still refuse.
    let answer = assert_approval_refused(&app, id, AGENT).await;
    assert_eq!(answer, tr!(texts(language), "decide-refused-own-request"));
    assert!(
        answer.contains(said(language, "요청자 본인 승인 불가", "four-eyes")),
        "{answer}"
    );
    if language == Language::Ko {
        assert!(answer.contains("다른 리드가 결정해야 합니다"), "{answer}");
    }
    // Rejecting one's own request is refused too, before any modal opens.
    app.click(AGENT, "reject_expiry", id, &[]).await;
    assert_eq!(app.calls("views.open").await.len(), 0);
    assert_eq!(app.request_row(id).await.status, "PENDING");
    app.stop().await;
}

per_language!(someone_who_is_not_an_approver_is_refused_quietly);
async fn someone_who_is_not_an_approver_is_refused_quietly(backend: Backend, language: Language) {
    let app = spawn_app_in(
        language,
        Options {
            backend,
            ..Options::default()
        },
    )
    .await;
    let id = file_simple(&app).await;
    app.drain_outbox().await;
    let answer = assert_approval_refused(&app, id, OUTSIDER).await;
    assert_eq!(answer, tr!(texts(language), "decide-refused-not-approver"));
    assert!(
        answer.contains(said(language, "승인자만", "Only the approvers")),
        "{answer}"
    );
    app.stop().await;
}

async fn a_member_of_the_approver_user_group_may_approve(backend: Backend) {
    let app = spawn_on(backend).await;
    let id = file_simple(&app).await;
    app.click(GROUP_LEAD, "approve_expiry", id, &[]).await;
    assert_eq!(app.request_row(id).await.status, "APPROVED");
    let lists = app.calls("usergroups.users.list").await;
    assert!(!lists.is_empty() && lists[0].to_string().contains(APPROVER_GROUP));
    app.stop().await;
}

per_language!(reject_asks_for_a_reason_and_leaves_the_policy_alone);
async fn reject_asks_for_a_reason_and_leaves_the_policy_alone(
    backend: Backend,
    language: Language,
) {
    let app = spawn_app_in(
        language,
        Options {
            backend,
            ..Options::default()
        },
    )
    .await;
    let id = file_simple(&app).await;
    app.drain_outbox().await;
    app.click(LEAD, "reject_expiry", id, &[]).await;
    let opens = app.calls("views.open").await;
    assert_eq!(opens.len(), 1);
    assert_eq!(opens[0]["view"]["callback_id"], "expiry_reject");
    assert_eq!(
        opens[0]["view"]["submit"]["text"],
        said(language, "반려", "Reject")
    );
    let (status, a) = app
        .submit_reject(LEAD, id, "Insurer says it is still active <!channel>")
        .await;
    assert_eq!(status, 200);
    assert_eq!(a["response_action"], "clear", "{a}");
    let row = app.request_row(id).await;
    assert_eq!(row.status, "REJECTED");
    assert_eq!(row.decided_by.as_deref(), Some(LEAD));
    assert_eq!(app.policy_status(row.policy_id).await.0, "ACTIVE");
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM expiry_audit WHERE request_id = {id} AND event = 'REJECTED'"
        ))
        .await,
        1
    );
    app.drain_outbox().await;
    let reply = app
        .calls("chat.postMessage")
        .await
        .into_iter()
        .find(|p| !p["thread_ts"].is_null())
        .expect("thread reply");
    let text = reply["text"].as_str().unwrap();
    assert!(
        text.contains(said(language, "반려했습니다", "Rejected")) && text.contains("still active")
    );
    assert!(
        text.contains("&lt;!channel&gt;"),
        "mentions in reasons are escaped: {text}"
    );
    // Approving after the rejection changes nothing and tells the clicker who decided.
    app.click(LEAD2, "approve_expiry", id, &[]).await;
    assert_eq!(app.request_row(id).await.status, "REJECTED");
    let eph = app.calls("chat.postEphemeral").await;
    assert!(
        eph.last().unwrap()["text"]
            .as_str()
            .unwrap()
            .contains(&format!("<@{LEAD}>"))
    );
    app.stop().await;
}

async fn twenty_four_simultaneous_clicks_make_exactly_one_decision(backend: Backend) {
    let app = spawn_on(backend).await;
    let id = file_simple(&app).await;
    app.drain_outbox().await;
    let mut clicks = Vec::new();
    for i in 0..24 {
        let who = if i % 2 == 0 { LEAD } else { LEAD2 };
        let retry: &[(&str, &str)] = if i % 3 == 0 {
            &[
                ("x-slack-retry-num", "1"),
                ("x-slack-retry-reason", "http_timeout"),
            ]
        } else {
            &[]
        };
        let payload = crate::payloads::button_click(who, "approve_expiry", id);
        let app_ref = &app;
        clicks.push(async move { app_ref.interaction(&payload, retry).await.status().as_u16() });
    }
    let statuses = futures::future::join_all(clicks).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM expiry_audit WHERE event = 'APPROVED'")
            .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM expiry_requests WHERE status = 'APPROVED'")
            .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM slack_outbox WHERE kind = 'thread_reply'")
            .await,
        1
    );
    let row = app.request_row(id).await;
    assert_eq!(app.policy_status(row.policy_id).await.0, "EXPIRED");
    app.drain_outbox().await;
    let replies = app
        .calls("chat.postMessage")
        .await
        .into_iter()
        .filter(|p| !p["thread_ts"].is_null())
        .count();
    assert_eq!(replies, 1, "one thread reply");
    // Late clickers are told who decided first; nobody who lost is told nothing.
    let eph = app.calls("chat.postEphemeral").await;
    let winner = row.decided_by.unwrap();
    assert!(eph.iter().all(|e| {
        e["text"]
            .as_str()
            .unwrap()
            .contains(&format!("<@{winner}>"))
    }));
    app.stop().await;
}

async fn a_retried_click_changes_nothing_and_says_nothing_twice(backend: Backend) {
    let app = spawn_on(backend).await;
    let id = file_simple(&app).await;
    app.click(LEAD, "approve_expiry", id, &[]).await;
    let retry = [
        ("x-slack-retry-num", "1"),
        ("x-slack-retry-reason", "http_timeout"),
    ];
    assert_eq!(app.click(LEAD, "approve_expiry", id, &retry).await, 200);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM expiry_audit WHERE event = 'APPROVED'")
            .await,
        1
    );
    assert_eq!(app.calls("chat.postEphemeral").await.len(), 0);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM slack_outbox WHERE kind = 'thread_reply'")
            .await,
        1
    );
    app.stop().await;
}

per_language!(a_policy_the_insurer_already_expired_is_reported_not_overwritten);
async fn a_policy_the_insurer_already_expired_is_reported_not_overwritten(
    backend: Backend,
    language: Language,
) {
    let app = spawn_app_in(
        language,
        Options {
            backend,
            ..Options::default()
        },
    )
    .await;
    let id = file_simple(&app).await;
    let policy = policy_of(cases::SIMPLE_RIDER);
    let insurer_end = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let db = app.primary();
    let sql = db.sql(
        "UPDATE hourly_insurance_policies SET status = 'EXPIRED', valid_until = $1 WHERE id = $2",
    );
    on_admin!(db, p => sqlx::query(&sql).bind(insurer_end).bind(policy).execute(p).await.map(|_| ()))
        .unwrap();
    app.click(LEAD, "approve_expiry", id, &[]).await;
    let row = app.request_row(id).await;
    assert_eq!(row.status, "APPROVED");
    assert_eq!(row.outcome.map(|o| o.as_str()), Some("ALREADY_EXPIRED"));
    assert_eq!(
        app.policy_status(policy).await,
        ("EXPIRED".to_owned(), Some(insurer_end))
    );
    app.drain_outbox().await;
    let reply = app
        .calls("chat.postMessage")
        .await
        .into_iter()
        .find(|p| !p["thread_ts"].is_null())
        .unwrap();
    assert!(reply["text"].as_str().unwrap().contains(said(
        language,
        "이미 만료되어 있었습니다",
        "already been expired"
    )));
    app.stop().await;
}

per_language!(sqlite the_same_flow_works_on_the_embedded_sqlite_database);
async fn the_same_flow_works_on_the_embedded_sqlite_database(language: Language) {
    let app = spawn_app_in(
        language,
        Options {
            backend: Backend::Sqlite,
            ..Options::default()
        },
    )
    .await;
    let (_, answer) = app
        .submit_request(
            AGENT,
            "010-5550-1234",
            Utc::now() - Duration::hours(1),
            "CX-sqlite",
        )
        .await;
    assert_eq!(
        answer["view"]["callback_id"], "expiry_choose_policy",
        "{answer}"
    );
    let new_policy = policy_of(cases::NEW_RIDER);
    let (_, a) = app.submit_choice(AGENT, &answer["view"], new_policy).await;
    assert_eq!(a["response_action"], "update", "{a}");
    let id = app.only_request_id().await;
    app.drain_outbox().await;
    app.click(AGENT, "approve_expiry", id, &[]).await;
    assert_eq!(app.request_row(id).await.status, "PENDING");
    app.click(LEAD, "approve_expiry", id, &[]).await;
    assert_eq!(app.request_row(id).await.status, "APPROVED");
    assert_eq!(app.policy_status(new_policy).await.0, "EXPIRED");
    app.drain_outbox().await;
    assert_eq!(app.calls("chat.update").await.len(), 1);
    assert_no_raw_pii_sent(&app).await;
    app.stop().await;
}

async fn personal_data_typed_into_a_reason_is_masked_before_anyone_sees_it(backend: Backend) {
    let app = spawn_on(backend).await;
    let at = Utc::now() - Duration::hours(1);
    let (_, choice) = app
        .submit_request(
            AGENT,
            "+82 10-5550-1234",
            at,
            "withdrawn 홍길동 (1990-03-14) called from 010-5550-1234, CX-88",
        )
        .await;
    let withdrawn_policy = policy_of(cases::WITHDRAWN_RIDER);
    let (_, a) = app
        .submit_choice(AGENT, &choice["view"], withdrawn_policy)
        .await;
    assert_eq!(a["response_action"], "update", "{a}");
    let id = app.only_request_id().await;
    assert_eq!(
        app.request_row(id).await.reason,
        "withdrawn 홍*동 (1990-**-**) called from 010-****-1234, CX-88"
    );
    app.stop().await;
}

per_language!(hostile_text_in_a_reason_is_stored_verbatim_and_shown_inert);
async fn hostile_text_in_a_reason_is_stored_verbatim_and_shown_inert(
    backend: Backend,
    language: Language,
) {
    let app = spawn_app_in(
        language,
        Options {
            backend,
            ..Options::default()
        },
    )
    .await;
    let reason = "'); DROP TABLE expiry_requests;-- <!here> <https://evil.example|click> \u{202e}gnp.exe 🚀 ＣＸ－１ \"quoted\" \\ 𝓤𝓷𝓲𝓬𝓸𝓭𝓮";
    let (_, a) = app
        .submit_request(
            AGENT,
            "010-1234-5678",
            Utc::now() - Duration::hours(1),
            reason,
        )
        .await;
    assert_eq!(a["response_action"], "update", "{a}");
    let id = app.only_request_id().await;
    // Stored exactly as typed (bound as a parameter, never spliced into SQL)...
    assert_eq!(app.request_row(id).await.reason, reason);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM expiry_audit").await, 1);
    // ...and shown as text: Slack's control characters escaped, nothing executed.
    app.drain_outbox().await;
    let posted = app
        .calls("chat.postMessage")
        .await
        .into_iter()
        .find(|m| m["channel"] == APPROVAL_CHANNEL)
        .expect("approval request posted")
        .to_string();
    assert!(posted.contains("&lt;!here&gt;"), "{posted}");
    assert!(
        posted.contains("&lt;https://evil.example|click&gt;"),
        "{posted}"
    );
    assert!(!posted.contains("<!here>"));
    assert!(posted.contains("DROP TABLE expiry_requests") && posted.contains("𝓤𝓷𝓲𝓬𝓸𝓭𝓮"));
    app.stop().await;
}

per_backend!(
    one_rider_with_two_active_policies_asks_which,
    rider_id_lookup_files_directly,
    a_member_of_the_approver_user_group_may_approve,
    twenty_four_simultaneous_clicks_make_exactly_one_decision,
    a_retried_click_changes_nothing_and_says_nothing_twice,
    personal_data_typed_into_a_reason_is_masked_before_anyone_sees_it,
);
