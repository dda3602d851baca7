//! The approval workflow of issue 14, on every backend: a second approval by risk
//! (`APPROVALS_REQUIRED`, `SECOND_APPROVAL_BACKDATE`), the reminder (`REMIND_AFTER`), the
//! requester's withdrawal, and the record `/expire-insurance history` reads.
//!
//! Each rule has its test, asserted on the database (requests, `expiry_approvals`, the
//! audit trail, the policy) and on what Slack was sent (thread replies, message updates,
//! private answers, DMs). The races — 30 concurrent clicks over two approvals, two
//! instances deciding one request, a reminder across a restart and two instances, a
//! withdrawal racing an approval — end in exactly one outcome, told truthfully to everyone.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use futures::StreamExt;
use serde_json::Value;

use crate::harness::*;
use crate::payloads;
use crate::process::BotProcess;
use crate::reliability::single_policy_riders;

/// Runs a scenario once per backend, as `<scenario>::postgres`, `<scenario>::mysql` (the
/// MariaDB pair) and `<scenario>::sqlite`.
macro_rules! on_every_backend {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            #[tokio::test]
            async fn postgres() {
                super::$scenario(crate::harness::Backend::Postgres).await
            }
            #[tokio::test]
            async fn mysql() {
                super::$scenario(crate::harness::Backend::Mysql).await
            }
            #[tokio::test]
            async fn sqlite() {
                super::$scenario(crate::harness::Backend::Sqlite).await
            }
        }
    )+};
}

on_every_backend!(
    two_approvals_are_needed_for_a_backdated_request_and_given_by_two_leads,
    the_requester_cannot_be_the_second_approver,
    one_lead_clicking_twice_counts_once,
    a_rejection_after_one_approval_ends_the_request,
    thirty_concurrent_clicks_across_two_approvals_count_two_and_decide_once,
    two_instances_decide_a_two_approval_request_once,
    a_reminder_goes_out_once_across_a_restart_and_two_instances,
    the_requester_withdraws_from_the_dm_and_a_later_approval_is_told_privately,
    only_the_requester_may_withdraw_and_not_after_the_decision,
    a_withdrawal_racing_an_approval_lets_exactly_one_win_and_tells_both_the_truth,
    history_shows_every_approval_the_reminder_and_the_withdrawal,
);

/// The backdate rule on (7 days), everything else as the contract's defaults.
const BACKDATE: (&str, &str) = ("SECOND_APPROVAL_BACKDATE", "7d");

async fn spawn(backend: Backend, env: &[(&'static str, &'static str)]) -> TestApp {
    spawn_app_with(Options {
        backend,
        env: env.to_vec(),
        ..Options::default()
    })
    .await
}

/// On the minute (Slack's datetimepicker), `days` back.
fn days_ago(days: i64) -> DateTime<Utc> {
    let t = (Utc::now() - chrono::Duration::days(days)).timestamp();
    Utc.timestamp_opt(t - t % 60, 0).unwrap()
}

/// Files a request for the simple rider, cancelled `days` ago; returns its id once the
/// approval message is posted.
async fn file_backdated(app: &TestApp, days: i64) -> i64 {
    let id = app
        .file_by_phone(days_ago(days), "Cancelled by phone, CX-7001")
        .await;
    app.drain_outbox().await;
    id
}

/// Rows of one column as text, from the tables' owner's connection.
async fn texts(app: &TestApp, sql: &str) -> Vec<String> {
    let sql = &*app.primary().sql(sql);
    match app.primary() {
        AdminDb::Pg(p) => sqlx::query_scalar(sql).fetch_all(p).await,
        AdminDb::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await,
        AdminDb::MySql(p) => sqlx::query_scalar(sql).fetch_all(p).await,
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn audit(app: &TestApp, id: i64) -> Vec<String> {
    texts(
        app,
        &format!(
            "SELECT CAST(event AS TEXT) FROM expiry_audit WHERE request_id = {id} ORDER BY id"
        ),
    )
    .await
}

async fn approvers_of(app: &TestApp, id: i64) -> Vec<String> {
    texts(
        app,
        &format!("SELECT CAST(approver AS TEXT) FROM expiry_approvals WHERE request_id = {id} ORDER BY id"),
    )
    .await
}

/// The replies in request `id`'s thread, in the order they were sent.
async fn thread(app: &TestApp, id: i64) -> Vec<Value> {
    let ts = app.request_row(id).await.message_ts.expect("posted");
    app.calls("chat.postMessage")
        .await
        .into_iter()
        .filter(|p| p["thread_ts"] == ts.as_str())
        .collect()
}

/// The updates of request `id`'s message, in order.
async fn updates(app: &TestApp, id: i64) -> Vec<Value> {
    let ts = app.request_row(id).await.message_ts.expect("posted");
    app.calls("chat.update")
        .await
        .into_iter()
        .filter(|p| p["ts"] == ts.as_str())
        .collect()
}

/// What `user` was told privately (ephemeral texts), in order.
async fn told(app: &TestApp, user: &str) -> Vec<String> {
    app.calls("chat.postEphemeral")
        .await
        .into_iter()
        .filter(|e| e["user"] == user)
        .map(|e| e["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Direct messages to `user`.
async fn dms(app: &TestApp, user: &str) -> Vec<Value> {
    app.calls("chat.postMessage")
        .await
        .into_iter()
        .filter(|p| p["channel"] == user)
        .collect()
}

fn text(v: &Value) -> String {
    v["text"].as_str().unwrap_or_default().to_owned()
}

fn has_buttons(v: &Value) -> bool {
    let s = v.to_string();
    s.contains("approve_expiry") || s.contains("reject_expiry") || s.contains("withdraw_expiry")
}

async fn approve(app: &TestApp, user: &str, id: i64) {
    assert_eq!(app.click(user, "approve_expiry", id, &[]).await, 200);
}

async fn two_approvals_are_needed_for_a_backdated_request_and_given_by_two_leads(backend: Backend) {
    let app = spawn(backend, &[BACKDATE]).await;
    let cancelled_at = days_ago(10);
    // Filed: the modal says two approvals are needed, and why.
    let (status, answer) = app
        .submit_request(
            AGENT,
            "010-1234-5678",
            cancelled_at,
            "Cancelled by phone, CX-7001",
        )
        .await;
    assert_eq!(status, 200);
    let filed = answer["view"].to_string();
    assert!(
        filed.contains("approval by 2 different leads") && filed.contains("more than 7 days back"),
        "the filed step says what is needed and why: {filed}"
    );
    let id = app.only_request_id().await;
    let row = app.request_row(id).await;
    assert_eq!(
        (row.approvals_required, row.approvals, row.backdated),
        (2, 0, true)
    );
    app.drain_outbox().await;
    let posted = app
        .calls("chat.postMessage")
        .await
        .into_iter()
        .find(|p| p["channel"] == APPROVAL_CHANNEL)
        .expect("approval message");
    assert!(
        posted.to_string().contains("*Approvals:* 0 of 2"),
        "{posted}"
    );

    // The first lead: counted, nothing expired, the thread and the message say "1 of 2".
    approve(&app, LEAD, id).await;
    let row = app.request_row(id).await;
    assert_eq!((row.status.as_str(), row.approvals), ("PENDING", 1));
    assert_eq!(approvers_of(&app, id).await, [LEAD]);
    assert_eq!(audit(&app, id).await, ["FILED", "APPROVAL_RECORDED"]);
    assert_eq!(
        app.policy_status(row.policy_id).await,
        ("ACTIVE".to_owned(), None)
    );
    app.drain_outbox().await;
    let replies = thread(&app, id).await;
    assert_eq!(replies.len(), 1, "one reply for the first approval");
    assert!(
        text(&replies[0]).contains("Approval 1 of 2")
            && text(&replies[0]).contains(&format!("<@{LEAD}>")),
        "{}",
        replies[0]
    );
    let refreshed = updates(&app, id).await;
    assert_eq!(refreshed.len(), 1, "the message rewritten in place");
    let s = refreshed[0].to_string();
    assert!(
        s.contains("1 of 2") && s.contains(&format!("<@{LEAD}>")),
        "{s}"
    );
    assert!(has_buttons(&refreshed[0]), "still decidable: {s}");
    assert_eq!(
        dms(&app, AGENT).await.len(),
        1,
        "the requester hears the outcome, not each approval"
    );

    // The second lead decides: expired once, as of the cancellation time.
    approve(&app, LEAD2, id).await;
    let row = app.request_row(id).await;
    assert_eq!(row.status, "APPROVED");
    assert_eq!(row.decided_by.as_deref(), Some(LEAD2));
    assert_eq!(row.approvals, 2);
    assert_eq!(approvers_of(&app, id).await, [LEAD, LEAD2]);
    assert_eq!(
        audit(&app, id).await,
        ["FILED", "APPROVAL_RECORDED", "APPROVED"]
    );
    assert_eq!(
        app.policy_status(row.policy_id).await,
        ("EXPIRED".to_owned(), Some(cancelled_at))
    );
    app.drain_outbox().await;
    let replies = thread(&app, id).await;
    assert_eq!(replies.len(), 2);
    let last = text(&replies[1]);
    assert!(
        last.contains(&format!("Approved by <@{LEAD2}>")) && last.contains("approval 2 of 2"),
        "{last}"
    );
    let all = updates(&app, id).await;
    let decided = all.last().expect("decided message");
    assert!(!has_buttons(decided), "no buttons once decided: {decided}");
    let s = decided.to_string();
    assert!(
        s.contains(&format!("<@{LEAD}>")) && s.contains(&format!("<@{LEAD2}>")),
        "{s}"
    );
    let notices = dms(&app, AGENT).await;
    assert_eq!(notices.len(), 2);
    assert!(text(&notices[1]).contains("Approved"), "{}", notices[1]);

    // A request cancelled three hours ago needs one approval, as before.
    let (rider, _) = single_policy_riders(1)[0];
    let at = days_ago(0) - chrono::Duration::hours(3);
    let (_, answer) = app
        .submit_request(AGENT, &rider.to_string(), at, "Cancelled today, CX-7002")
        .await;
    assert!(
        !answer["view"].to_string().contains("different leads"),
        "{answer}"
    );
    let recent = app.scalar("SELECT MAX(id) FROM expiry_requests").await;
    assert_eq!(app.request_row(recent).await.approvals_required, 1);
    app.drain_outbox().await;
    approve(&app, LEAD, recent).await;
    assert_eq!(app.request_row(recent).await.status, "APPROVED");
    app.drain_outbox().await;
    crate::flow::assert_no_raw_pii_sent(&app).await;
    app.stop().await;
}

async fn the_requester_cannot_be_the_second_approver(backend: Backend) {
    let app = spawn(backend, &[BACKDATE]).await;
    let id = file_backdated(&app, 10).await;
    approve(&app, LEAD, id).await;
    app.drain_outbox().await;
    // The agent is a listed approver too: only the four-eyes rule stops them.
    approve(&app, AGENT, id).await;
    let row = app.request_row(id).await;
    assert_eq!((row.status.as_str(), row.approvals), ("PENDING", 1));
    assert_eq!(approvers_of(&app, id).await, [LEAD]);
    assert_eq!(audit(&app, id).await, ["FILED", "APPROVAL_RECORDED"]);
    assert_eq!(app.policy_status(row.policy_id).await.0, "ACTIVE");
    let said = told(&app, AGENT).await;
    assert_eq!(said.len(), 1);
    assert!(said[0].contains("four-eyes"), "{}", said[0]);
    app.drain_outbox().await;
    assert_eq!(
        thread(&app, id).await.len(),
        1,
        "no reply for a refused click"
    );
    // Another lead still completes it.
    approve(&app, GROUP_LEAD, id).await;
    assert_eq!(app.request_row(id).await.status, "APPROVED");
    assert_eq!(approvers_of(&app, id).await, [LEAD, GROUP_LEAD]);
    app.stop().await;
}

async fn one_lead_clicking_twice_counts_once(backend: Backend) {
    let app = spawn(backend, &[BACKDATE]).await;
    let id = file_backdated(&app, 10).await;
    approve(&app, LEAD, id).await;
    approve(&app, LEAD, id).await;
    // Slack re-sending the same click is answered with silence.
    let retry = [
        ("x-slack-retry-num", "1"),
        ("x-slack-retry-reason", "http_timeout"),
    ];
    assert_eq!(app.click(LEAD, "approve_expiry", id, &retry).await, 200);
    let row = app.request_row(id).await;
    assert_eq!((row.status.as_str(), row.approvals), ("PENDING", 1));
    assert_eq!(approvers_of(&app, id).await, [LEAD]);
    assert_eq!(audit(&app, id).await, ["FILED", "APPROVAL_RECORDED"]);
    let said = told(&app, LEAD).await;
    assert_eq!(said.len(), 1, "told once, not for the retry: {said:?}");
    assert!(
        said[0].contains("You already approved") && said[0].contains("1 of 2"),
        "{}",
        said[0]
    );
    app.drain_outbox().await;
    assert_eq!(
        thread(&app, id).await.len(),
        1,
        "one reply for one approval"
    );
    assert_eq!(updates(&app, id).await.len(), 1);
    app.stop().await;
}

async fn a_rejection_after_one_approval_ends_the_request(backend: Backend) {
    let app = spawn(backend, &[BACKDATE]).await;
    let id = file_backdated(&app, 10).await;
    approve(&app, LEAD, id).await;
    // The second lead opens the reject form and says why.
    assert_eq!(app.click(LEAD2, "reject_expiry", id, &[]).await, 200);
    assert_eq!(
        app.calls("views.open").await.len(),
        1,
        "the reject form opens"
    );
    let (status, answer) = app
        .submit_reject(LEAD2, id, "The rider's cancellation is not confirmed")
        .await;
    assert_eq!(status, 200);
    assert_eq!(answer["response_action"], "clear", "{answer}");
    let row = app.request_row(id).await;
    assert_eq!(row.status, "REJECTED");
    assert_eq!(row.decided_by.as_deref(), Some(LEAD2));
    assert_eq!(
        approvers_of(&app, id).await,
        [LEAD],
        "the approval stays on record"
    );
    assert_eq!(
        audit(&app, id).await,
        ["FILED", "APPROVAL_RECORDED", "REJECTED"]
    );
    assert_eq!(
        app.policy_status(row.policy_id).await,
        ("ACTIVE".to_owned(), None)
    );
    app.drain_outbox().await;
    let replies = thread(&app, id).await;
    assert_eq!(replies.len(), 2);
    assert!(text(&replies[1]).contains(&format!("Rejected by <@{LEAD2}>")));
    let last = updates(&app, id).await.pop().expect("decided message");
    assert!(!has_buttons(&last));
    assert!(
        last.to_string().contains("1 of 2"),
        "the approval given is still shown: {last}"
    );
    assert!(text(&dms(&app, AGENT).await[1]).contains("Rejected"));
    // Too late for anyone else.
    approve(&app, GROUP_LEAD, id).await;
    let said = told(&app, GROUP_LEAD).await;
    assert!(
        said[0].contains("already decided") && said[0].contains("Rejected"),
        "{said:?}"
    );
    assert_eq!(approvers_of(&app, id).await, [LEAD]);
    app.stop().await;
}

async fn thirty_concurrent_clicks_across_two_approvals_count_two_and_decide_once(backend: Backend) {
    let app = spawn(backend, &[BACKDATE]).await;
    let id = file_backdated(&app, 10).await;
    let people = [LEAD, LEAD2, GROUP_LEAD, AGENT];
    let statuses: Vec<u16> = futures::stream::iter(0..30usize)
        .map(|n| {
            let app = &app;
            async move {
                let retry: &[(&str, &str)] = if n % 3 == 0 {
                    &[
                        ("x-slack-retry-num", "1"),
                        ("x-slack-retry-reason", "http_timeout"),
                    ]
                } else {
                    &[]
                };
                app.click(people[n % people.len()], "approve_expiry", id, retry)
                    .await
            }
        })
        .buffer_unordered(30)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let row = app.request_row(id).await;
    assert_eq!((row.status.as_str(), row.approvals), ("APPROVED", 2));
    let given = approvers_of(&app, id).await;
    assert_eq!(given.len(), 2, "exactly two approvals: {given:?}");
    assert_ne!(given[0], given[1], "from two people");
    assert!(!given.contains(&AGENT.to_owned()), "never the requester");
    assert_eq!(
        row.decided_by.as_deref(),
        Some(given[1].as_str()),
        "the second decided"
    );
    assert_eq!(
        audit(&app, id).await,
        ["FILED", "APPROVAL_RECORDED", "APPROVED"]
    );
    assert_eq!(app.policy_status(row.policy_id).await.0, "EXPIRED");
    app.drain_outbox().await;
    let replies = thread(&app, id).await;
    assert_eq!(replies.len(), 2, "one reply per approval: {replies:?}");
    assert!(text(&replies[0]).contains("Approval 1 of 2"));
    assert!(text(&replies[1]).contains("Approved by"));
    assert_eq!(
        updates(&app, id).await.len(),
        2,
        "one refresh, one decision"
    );
    assert_eq!(dms(&app, AGENT).await.len(), 2, "filed and decided");
    app.stop().await;
}

async fn two_instances_decide_a_two_approval_request_once(backend: Backend) {
    let db = fresh_db(backend).await;
    let slack = slack_stand_in().await;
    let env = [("SECOND_APPROVAL_BACKDATE", "7d")];
    let a = BotProcess::start(&db, &slack.uri(), &env).await;
    let b = BotProcess::start(&db, &slack.uri(), &env).await;
    let http = reqwest::Client::new();
    let store = AdminDb::open(&db.admin_url);
    let body = payloads::form(&payloads::request_submission(
        AGENT,
        "010-1234-5678",
        days_ago(10).timestamp(),
        "Cancelled by phone, CX-7003",
    ));
    let (_, answer) =
        json_answer(send_signed(&http, &a.addr, "/slack/interactions", body, &[]).await).await;
    assert_eq!(answer["response_action"], "update", "{answer}");
    let id = expire_bot_scalar(&store, "SELECT MAX(id) FROM expiry_requests").await;
    wait_until_delivered(&store).await;

    // 40 clicks over both instances and three leads, a third of them Slack's retries.
    let leads = [LEAD, LEAD2, GROUP_LEAD];
    let statuses: Vec<u16> = futures::stream::iter(0..40usize)
        .map(|n| {
            let (http, addr) = (
                http.clone(),
                if n % 2 == 0 {
                    a.addr.clone()
                } else {
                    b.addr.clone()
                },
            );
            async move {
                let body =
                    payloads::form(&payloads::button_click(leads[n % 3], "approve_expiry", id));
                let retry: &[(&str, &str)] = if n % 3 == 0 {
                    &[
                        ("x-slack-retry-num", "1"),
                        ("x-slack-retry-reason", "http_timeout"),
                    ]
                } else {
                    &[]
                };
                send_signed(&http, &addr, "/slack/interactions", body, retry)
                    .await
                    .status()
                    .as_u16()
            }
        })
        .buffer_unordered(40)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    wait_until_delivered(&store).await;
    let n = |sql: String| {
        let store = store.clone();
        async move { expire_bot_scalar(&store, &sql).await }
    };
    assert_eq!(n(format!("SELECT COUNT(*) FROM expiry_requests WHERE id = {id} AND status = 'APPROVED' AND approvals = 2")).await, 1);
    assert_eq!(
        n(format!(
            "SELECT COUNT(*) FROM expiry_approvals WHERE request_id = {id}"
        ))
        .await,
        2
    );
    assert_eq!(
        n(format!(
            "SELECT COUNT(DISTINCT approver) FROM expiry_approvals WHERE request_id = {id}"
        ))
        .await,
        2
    );
    assert_eq!(n(format!("SELECT COUNT(*) FROM expiry_audit WHERE request_id = {id} AND event = 'APPROVAL_RECORDED'")).await, 1);
    assert_eq!(
        n(format!(
            "SELECT COUNT(*) FROM expiry_audit WHERE request_id = {id} AND event = 'APPROVED'"
        ))
        .await,
        1
    );
    assert_eq!(n("SELECT COUNT(*) FROM hourly_insurance_policies p JOIN expiry_requests q ON q.policy_id = p.id WHERE p.status = 'EXPIRED'".to_owned()).await, 1);
    let posts = slack_calls(&slack, "chat.postMessage").await;
    assert_eq!(
        posts.iter().filter(|p| !p["thread_ts"].is_null()).count(),
        2,
        "one reply per approval"
    );
    assert_eq!(
        slack_calls(&slack, "chat.update").await.len(),
        2,
        "one refresh, one decision"
    );
    store.close().await;
}

/// Waits until every Slack call owed has been made (by whichever instance).
async fn wait_until_delivered(db: &AdminDb) {
    for _ in 0..300 {
        if expire_bot_scalar(
            db,
            "SELECT COUNT(*) FROM slack_outbox WHERE done_at IS NULL",
        )
        .await
            == 0
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the outbox did not drain in 30 s");
}

async fn a_reminder_goes_out_once_across_a_restart_and_two_instances(backend: Backend) {
    let db = fresh_db(backend).await;
    let slack = slack_stand_in().await;
    let env = [("REMIND_AFTER", "4s")];
    let store = AdminDb::open(&db.admin_url);
    let http = reqwest::Client::new();

    // Filed on one instance, which is then killed before the reminder is due.
    let mut first = BotProcess::start(&db, &slack.uri(), &env).await;
    let body = payloads::form(&payloads::request_submission(
        AGENT,
        "010-1234-5678",
        days_ago(1).timestamp(),
        "Cancelled yesterday, CX-7004",
    ));
    let (_, answer) =
        json_answer(send_signed(&http, &first.addr, "/slack/interactions", body, &[]).await).await;
    assert_eq!(answer["response_action"], "update", "{answer}");
    let id = expire_bot_scalar(&store, "SELECT MAX(id) FROM expiry_requests").await;
    wait_until_delivered(&store).await;
    first.kill_9().await;
    let reminded =
        format!("SELECT COUNT(*) FROM expiry_audit WHERE request_id = {id} AND event = 'REMINDED'");
    assert_eq!(
        expire_bot_scalar(&store, &reminded).await,
        0,
        "not due yet when it died"
    );

    // No instance runs when it falls due; two start afterwards and both sweep.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let b = BotProcess::start(&db, &slack.uri(), &env).await;
    let c = BotProcess::start(&db, &slack.uri(), &env).await;
    for _ in 0..100 {
        if expire_bot_scalar(&store, &reminded).await > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_until_delivered(&store).await;
    // Several more sweeps on both: still once.
    tokio::time::sleep(Duration::from_secs(3)).await;
    wait_until_delivered(&store).await;
    assert_eq!(
        expire_bot_scalar(&store, &reminded).await,
        1,
        "claimed once"
    );
    let posts = slack_calls(&slack, "chat.postMessage").await;
    let replies: Vec<&Value> = posts.iter().filter(|p| !p["thread_ts"].is_null()).collect();
    assert_eq!(replies.len(), 1, "one reminder in the thread: {replies:?}");
    let reminder = text(replies[0]);
    // The processes speak the default language, Korean.
    assert!(reminder.contains(":alarm_clock: 리마인더:"), "{reminder}");
    assert!(
        expire_bot::i18n::english_words(&reminder).is_empty(),
        "no English in the Korean reminder: {reminder}"
    );
    assert!(
        reminder.contains(&format!("<!subteam^{APPROVER_GROUP}>")),
        "the group: {reminder}"
    );
    assert!(
        reminder.contains(&format!("<@{LEAD}>")) && reminder.contains(&format!("<@{LEAD2}>")),
        "the listed approvers: {reminder}"
    );
    assert!(
        !reminder.contains(&format!("<@{AGENT}>")),
        "never the requester: {reminder}"
    );
    let to_agent: Vec<&Value> = posts.iter().filter(|p| p["channel"] == AGENT).collect();
    assert_eq!(to_agent.len(), 2, "filed, then reminded: {to_agent:?}");
    assert!(
        text(to_agent[1]).contains("스레드에서 승인자에게 리마인더를 보냈습니다"),
        "{}",
        to_agent[1]
    );
    assert_eq!(
        expire_bot_scalar(&store, &format!("SELECT COUNT(*) FROM expiry_requests WHERE id = {id} AND status = 'PENDING' AND reminded_at IS NOT NULL")).await,
        1
    );
    drop((b, c));
    store.close().await;
}

async fn the_requester_withdraws_from_the_dm_and_a_later_approval_is_told_privately(
    backend: Backend,
) {
    let app = spawn(backend, &[BACKDATE]).await;
    let id = file_backdated(&app, 10).await;
    approve(&app, LEAD, id).await;
    app.drain_outbox().await;
    // The DM that said where the request went carries the Withdraw button.
    let filed = dms(&app, AGENT).await.remove(0);
    assert!(filed.to_string().contains("withdraw_expiry"), "{filed}");
    let dm = "D0AGENTDM";
    let click = expire_bot::testkit::fixtures::button_click(dm, AGENT, "withdraw_expiry", id);
    assert_eq!(app.interaction(&click, &[]).await.status(), 200);
    let row = app.request_row(id).await;
    assert_eq!(row.status, "CANCELLED");
    assert_eq!(row.decided_by.as_deref(), Some(AGENT));
    assert!(row.decided_at.is_some());
    assert_eq!(
        audit(&app, id).await,
        ["FILED", "APPROVAL_RECORDED", "CANCELLED"]
    );
    assert_eq!(
        app.policy_status(row.policy_id).await,
        ("ACTIVE".to_owned(), None)
    );
    assert!(
        told(&app, AGENT).await.is_empty(),
        "the message and the DM say it"
    );
    app.drain_outbox().await;
    let replies = thread(&app, id).await;
    assert_eq!(replies.len(), 2);
    assert!(
        text(&replies[1]).contains(&format!("Withdrawn by its requester <@{AGENT}>")),
        "{}",
        replies[1]
    );
    let last = updates(&app, id).await.pop().expect("message updated");
    assert!(!has_buttons(&last), "no buttons once withdrawn: {last}");
    assert!(last.to_string().contains("withdrawn"), "{last}");
    assert!(text(&dms(&app, AGENT).await[1]).contains("Withdrawn"));
    // A lead whose screen still shows the buttons is told, privately.
    approve(&app, LEAD2, id).await;
    let said = told(&app, LEAD2).await;
    assert_eq!(said.len(), 1);
    assert!(
        said[0].contains("withdrawn by its requester") && said[0].contains(&format!("#{id}")),
        "{}",
        said[0]
    );
    assert_eq!(approvers_of(&app, id).await, [LEAD]);
    assert_eq!(app.request_row(id).await.status, "CANCELLED");
    app.stop().await;
}

async fn only_the_requester_may_withdraw_and_not_after_the_decision(backend: Backend) {
    let app = spawn(backend, &[]).await;
    let id = file_backdated(&app, 1).await;
    assert_eq!(app.click(LEAD, "withdraw_expiry", id, &[]).await, 200);
    let said = told(&app, LEAD).await;
    assert!(said[0].contains("Only the agent who filed"), "{said:?}");
    assert_eq!(app.request_row(id).await.status, "PENDING");
    assert_eq!(audit(&app, id).await, ["FILED"]);
    approve(&app, LEAD, id).await;
    assert_eq!(app.click(AGENT, "withdraw_expiry", id, &[]).await, 200);
    let said = told(&app, AGENT).await;
    assert!(
        said[0].contains("can no longer be withdrawn") && said[0].contains("Approved by"),
        "{said:?}"
    );
    assert_eq!(app.request_row(id).await.status, "APPROVED");
    assert_eq!(audit(&app, id).await, ["FILED", "APPROVED"]);
    app.stop().await;
}

async fn a_withdrawal_racing_an_approval_lets_exactly_one_win_and_tells_both_the_truth(
    backend: Backend,
) {
    let app = spawn(backend, &[]).await;
    let riders = single_policy_riders(8);
    let mut ids = Vec::new();
    for (rider, _) in &riders {
        let (_, answer) = app
            .submit_request(AGENT, &rider.to_string(), days_ago(1), "Race, CX-7005")
            .await;
        assert_eq!(answer["response_action"], "update", "{answer}");
        ids.push(app.scalar("SELECT MAX(id) FROM expiry_requests").await);
    }
    app.drain_outbox().await;
    // Each request: the requester's Withdraw and a lead's Approve at the same moment.
    let clicks: Vec<(&str, &str, i64)> = ids
        .iter()
        .flat_map(|id| {
            [
                (AGENT, "withdraw_expiry", *id),
                (LEAD, "approve_expiry", *id),
            ]
        })
        .collect();
    let statuses: Vec<u16> = futures::stream::iter(clicks)
        .map(|(user, action, id)| {
            let app = &app;
            async move { app.click(user, action, id, &[]).await }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    app.drain_outbox().await;
    let to_agent = told(&app, AGENT).await;
    let to_lead = told(&app, LEAD).await;
    let (mut approved, mut withdrawn) = (0, 0);
    for id in &ids {
        let row = app.request_row(*id).await;
        let events = audit(&app, *id).await;
        let (policy, _) = app.policy_status(row.policy_id).await;
        let replies = thread(&app, *id).await;
        assert_eq!(replies.len(), 1, "#{id}: one outcome in the thread");
        let mine = |said: &[String]| {
            said.iter()
                .filter(|t| t.contains(&format!("#{id} ")))
                .count()
        };
        match row.status.as_str() {
            "APPROVED" => {
                approved += 1;
                assert_eq!(events, ["FILED", "APPROVED"], "#{id}");
                assert_eq!(policy, "EXPIRED", "#{id}");
                assert!(text(&replies[0]).contains("Approved by"));
                // The requester lost the race and is told so; the lead won and hears nothing.
                assert_eq!(mine(&to_agent), 1, "#{id}: {to_agent:?}");
                assert!(
                    to_agent
                        .iter()
                        .any(|t| t.contains(&format!("#{id} can no longer be withdrawn"))
                            && t.contains("Approved by"))
                );
                assert_eq!(mine(&to_lead), 0, "#{id}: {to_lead:?}");
            }
            "CANCELLED" => {
                withdrawn += 1;
                assert_eq!(events, ["FILED", "CANCELLED"], "#{id}");
                assert_eq!(policy, "ACTIVE", "#{id}");
                assert!(text(&replies[0]).contains("Withdrawn by its requester"));
                assert_eq!(mine(&to_lead), 1, "#{id}: {to_lead:?}");
                assert!(
                    to_lead
                        .iter()
                        .any(|t| t.contains(&format!("#{id} was withdrawn by its requester")))
                );
                assert_eq!(mine(&to_agent), 0, "#{id}: {to_agent:?}");
            }
            other => panic!("#{id} is {other}: neither click won"),
        }
        assert_eq!(
            approvers_of(&app, *id).await.len(),
            usize::from(row.status == "APPROVED")
        );
    }
    eprintln!(
        "withdrawal vs approval over {} requests: {approved} approved, {withdrawn} withdrawn",
        ids.len()
    );
    app.stop().await;
}

async fn history_shows_every_approval_the_reminder_and_the_withdrawal(backend: Backend) {
    let app = spawn(backend, &[BACKDATE]).await;
    // The request form says, before anything is filed, which times need two approvals.
    assert_eq!(app.slash(AGENT, "").await.status(), 200);
    let form = app.calls("views.open").await.remove(0).to_string();
    assert!(
        form.contains(
            "A time more than 7 days back needs 2 approvals from different leads instead of one"
        ),
        "{form}"
    );
    // A rider with two policies: the choice step says what this request will need.
    let rider = expire_bot::store::seed::cases::TWO_POLICIES_RIDER;
    let (_, choice) = app
        .submit_request(
            AGENT,
            &rider.0.to_string(),
            days_ago(9),
            "Backdated, CX-7006",
        )
        .await;
    assert_eq!(
        choice["view"]["callback_id"], "expiry_choose_policy",
        "{choice}"
    );
    assert!(
        choice["view"]
            .to_string()
            .contains("This request needs approval by 2 different leads"),
        "{choice}"
    );
    let policies: Vec<i64> = {
        let (_, all) = expire_bot::store::seed::demo_data(Utc::now());
        all.iter()
            .filter(|p| p.rider_id == rider)
            .map(|p| p.id.0)
            .collect()
    };
    let (_, filed) = app.submit_choice(AGENT, &choice["view"], policies[0]).await;
    assert_eq!(filed["response_action"], "update", "{filed}");
    let first = app.scalar("SELECT MAX(id) FROM expiry_requests").await;
    app.drain_outbox().await;
    approve(&app, LEAD, first).await;
    // The reminder, as the sweeper claims it once REMIND_AFTER (2 h) has passed: made due
    // in the database, then swept.
    app.primary()
        .exec(&format!(
            "UPDATE expiry_requests SET remind_at = requested_at WHERE id = {first}"
        ))
        .await;
    let reminded = app
        .app
        .handlers
        .deciding
        .remind_due()
        .await
        .expect("reminders");
    assert_eq!(reminded.len(), 1);
    approve(&app, LEAD2, first).await;
    // The other policy (now the rider's only active one, so no choice step once the
    // replica has the expiry): filed, then withdrawn.
    replicated(backend).await;
    let (_, filed) = app
        .submit_request(
            AGENT,
            &rider.0.to_string(),
            days_ago(1),
            "Wrong policy, CX-7007",
        )
        .await;
    assert_eq!(filed["response_action"], "update", "{filed}");
    let second = app.scalar("SELECT MAX(id) FROM expiry_requests").await;
    assert_eq!(app.click(AGENT, "withdraw_expiry", second, &[]).await, 200);
    app.drain_outbox().await;
    replicated(backend).await;

    let resp = app.slash(AGENT, &format!("history {}", rider.0)).await;
    let (_, answer) = json_answer(resp).await;
    let h = answer["text"].as_str().unwrap_or_default().to_owned();
    let entry = |id: i64| {
        let start = h
            .find(&format!("*#{id}*"))
            .unwrap_or_else(|| panic!("#{id} listed: {h}"));
        let rest = &h[start..];
        rest[..rest[2..].find("\n\n").map_or(rest.len(), |i| i + 2)].to_owned()
    };
    let one = entry(first);
    assert!(one.contains("approved"), "{one}");
    assert!(
        one.contains(&format!("Approvals (2 of 2 needed): <@{LEAD}>"))
            && one.contains(&format!("<@{LEAD2}>")),
        "{one}"
    );
    assert!(one.contains("Reminder sent"), "{one}");
    assert!(
        one.contains("Policy: ACTIVE (open-ended) → EXPIRED (until"),
        "{one}"
    );
    let two = entry(second);
    assert!(two.contains("withdrawn"), "{two}");
    assert!(
        two.contains("Withdrawn ") && two.contains(&format!("by its requester <@{AGENT}>")),
        "{two}"
    );
    assert!(two.contains("policy not changed"), "{two}");
    assert!(!two.contains("Reminder sent"), "{two}");
    crate::flow::assert_no_raw_pii_sent(&app).await;
    app.stop().await;
}
