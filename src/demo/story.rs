//! The demo's story, step by step: what each person does, what Slack was asked to show
//! them, what the database now holds, and the checks that this is what should happen.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::checks::{count, db_counts, describe_counts, diff};
use super::{AGENT, APPROVALS, Demo, LEAD, LEAD2, SETTLE_LIMIT, TYPED_PHONE, reason, render};
use crate::i18n::Language;
use crate::slack::ids::ActionId;
use crate::store::WriteProbe;
use crate::store::inspect::{AuditView, PolicyView, RequestView};
use crate::testkit::fixtures;
use crate::testkit::local_slack::Call;
use crate::tr;

/// Words the checks look for in what Slack showed, in the demo's language. The exact
/// sentences are the catalogue's (and checked there); these are the fragments that say
/// the key moments happened, in each language's own words.
struct Said {
    withdrawn: &'static str,
    active: &'static str,
    /// An approval, and one by Minseo: the thread reply and the DM say both.
    approved: &'static str,
    approved_by_lead: String,
}

impl Said {
    fn new(language: Language) -> Said {
        match language {
            Language::Ko => Said {
                withdrawn: "탈퇴",
                active: "정상 회원",
                approved: "승인했습니다",
                approved_by_lead: format!("<@{LEAD}>님이"),
            },
            Language::En => Said {
                withdrawn: "withdrawn",
                active: "active member",
                approved: "Approved",
                approved_by_lead: format!("Approved by <@{LEAD}>"),
            },
        }
    }
}

impl Demo {
    fn who(&self, id: &str) -> String {
        self.names.user(id)
    }

    /// A time in the narration (English, like the rest of it; what Slack showed has the
    /// bot's own times).
    fn time(&self, t: DateTime<Utc>) -> String {
        Language::En.datetime(t, self.locale.tz())
    }

    fn until(&self, t: Option<DateTime<Utc>>) -> String {
        t.map(|t| self.time(t))
            .unwrap_or_else(|| "open-ended".to_owned())
    }

    /// Posts `body` to the bot as Slack would: signed with the signing secret. Its answer
    /// is kept for the personal-data check, and checked as Slack would check it.
    async fn post_signed(&mut self, route: &str, body: String) -> anyhow::Result<(u16, Value)> {
        let answer = self.client.post(route, body).await?;
        self.answer_violations.extend(answer.violations);
        self.answers.push(answer.body.clone());
        Ok((answer.status, answer.body))
    }

    async fn interaction(&mut self, payload: &Value) -> anyhow::Result<(u16, Value)> {
        self.post_signed("/slack/interactions", fixtures::form(payload))
            .await
    }

    async fn click(&mut self, user: &str) -> anyhow::Result<u16> {
        let payload = fixtures::button_click(
            APPROVALS,
            user,
            ActionId::Approve.as_str(),
            self.request().await?.id.0,
        );
        let (status, _) = self.interaction(&payload).await?;
        Ok(status)
    }

    /// Approve on request `id`, as `user`.
    async fn click_on(&mut self, user: &str, id: crate::domain::RequestId) -> anyhow::Result<u16> {
        let payload = fixtures::button_click(APPROVALS, user, ActionId::Approve.as_str(), id.0);
        let (status, _) = self.interaction(&payload).await?;
        Ok(status)
    }

    /// Request `id` as stored.
    async fn request_by_id(&self, id: crate::domain::RequestId) -> anyhow::Result<RequestView> {
        self.inspect
            .requests()
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| anyhow!("request #{id} is gone"))
    }

    /// The first request the story files.
    async fn request(&self) -> anyhow::Result<RequestView> {
        self.inspect
            .requests()
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("no expiry request was filed"))
    }

    /// Waits until the bot's outbox worker has made every Slack call it owes.
    async fn settle(&self) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            let (owed, error) = self.inspect.owed().await?;
            if owed == 0 {
                return Ok(());
            }
            if started.elapsed() > SETTLE_LIMIT {
                bail!(
                    "{owed} Slack call(s) still owed after {} s (last error: {})",
                    SETTLE_LIMIT.as_secs(),
                    error.unwrap_or_else(|| "none".to_owned())
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Calls that arrived since the last time, without printing them.
    fn new_calls(&mut self) -> Vec<Call> {
        let calls = self.slack.calls();
        let fresh = calls.get(self.shown_calls..).unwrap_or_default().to_vec();
        self.shown_calls = calls.len();
        fresh
    }

    /// Prints the calls that arrived since the last time, as what people saw; returns them.
    fn show_new_calls(&mut self) -> Vec<Call> {
        let fresh = self.new_calls();
        for c in &fresh {
            for line in self.describe(c) {
                println!("   {line}");
            }
        }
        fresh
    }

    fn describe(&self, c: &Call) -> Vec<String> {
        let a = &c.args;
        let s = |k: &str| a[k].as_str().unwrap_or_default().to_owned();
        let (head, body) = match c.method.as_str() {
            "views.open" => (
                "Slack ← views.open: the modal opens on Jiwoo's screen".to_owned(),
                render::view(&self.names, &a["view"]),
            ),
            "views.publish" => (
                format!(
                    "Slack ← views.publish: {}'s Home tab in expire-bot",
                    self.who(&s("user_id"))
                ),
                render::home(&self.names, &a["view"]),
            ),
            "chat.postMessage" if a["thread_ts"].is_string() => (
                format!(
                    "Slack ← chat.postMessage: a reply in the request's thread in #{}",
                    self.names.channel(&s("channel"))
                ),
                render::message(&self.names, "thread reply", a),
            ),
            "chat.postMessage" if s("channel").starts_with('U') => (
                format!(
                    "Slack ← chat.postMessage: a direct message to {}",
                    self.who(&s("channel"))
                ),
                render::message(&self.names, "from expire-bot", a),
            ),
            "chat.postMessage" => (
                format!(
                    "Slack ← chat.postMessage: posted in #{}",
                    self.names.channel(&s("channel"))
                ),
                render::message(&self.names, "expire-bot", a),
            ),
            "chat.update" => (
                format!(
                    "Slack ← chat.update: the request message in #{} is rewritten",
                    self.names.channel(&s("channel"))
                ),
                render::message(&self.names, "expire-bot (edited)", a),
            ),
            "chat.postEphemeral" => (
                format!(
                    "Slack ← chat.postEphemeral: shown to {} only, in #{}",
                    self.who(&s("user")),
                    self.names.channel(&s("channel"))
                ),
                render::message(&self.names, "only visible to you", a),
            ),
            "usergroups.users.list" => (
                format!(
                    "Slack ← usergroups.users.list {}: expire-bot's background refresh of who may approve (Slack answers: Jiwoo, Minseo, Hyunwoo)",
                    s("usergroup")
                ),
                Vec::new(),
            ),
            other => (format!("Slack ← {other}"), Vec::new()),
        };
        let mut out = vec![head];
        out.extend(body.into_iter().map(|l| format!("    {l}")));
        out
    }

    async fn show_request(&self) -> anyhow::Result<RequestView> {
        let r = self.request().await?;
        println!(
            "   DB  expiry_requests #{}: status {} · requested_by {} · decided_by {} · policy {} ({} {}) of {} ({})",
            r.id,
            r.status,
            self.who(&r.requested_by),
            r.decided_by
                .as_deref()
                .map(|d| self.who(d))
                .unwrap_or_else(|| "—".to_owned()),
            r.policy_id,
            r.insurer,
            r.policy_number_masked,
            r.rider_name_masked,
            r.rider_status,
        );
        Ok(r)
    }

    async fn show_policy(&self, before: Option<&PolicyView>) -> anyhow::Result<PolicyView> {
        let p = self.inspect.policy(self.withdrawn_policy).await?;
        match before {
            Some(b) if b != &p => println!(
                "   DB  hourly_insurance_policies #{}: status {} → {} · valid_until {} → {}",
                self.withdrawn_policy,
                b.status,
                p.status,
                self.until(b.valid_until),
                self.until(p.valid_until)
            ),
            _ => println!(
                "   DB  hourly_insurance_policies #{}: status {} · valid_until {} (unchanged)",
                self.withdrawn_policy,
                p.status,
                self.until(p.valid_until)
            ),
        }
        Ok(p)
    }

    async fn show_audit(
        &self,
        request_id: crate::domain::RequestId,
    ) -> anyhow::Result<Vec<AuditView>> {
        let rows = self.inspect.audit(request_id).await?;
        for a in &rows {
            if a.event == "APPROVAL_RECORDED" {
                println!(
                    "   DB  expiry_audit #{}: {} by {} · approval {} · policy not touched",
                    a.id,
                    a.event,
                    self.who(&a.actor),
                    a.reason
                );
                continue;
            }
            let before = a.status_before.as_deref().unwrap_or("—");
            let after = a.status_after.as_deref().unwrap_or("—");
            println!(
                "   DB  expiry_audit #{}: {} by {} · policy {}{}",
                a.id,
                a.event,
                self.who(&a.actor),
                if before == after {
                    format!("{after} (as found)")
                } else {
                    format!("{before} → {after}")
                },
                a.valid_until_after
                    .filter(|_| a.event == "APPROVED")
                    .map(|t| format!(" as of {}", self.time(t)))
                    .unwrap_or_default()
            );
        }
        Ok(rows)
    }

    pub(super) async fn replica_refuses_writes(&mut self) -> anyhow::Result<()> {
        let probe = self.bot.store.replica.probe_write().await?;
        let primary = self.bot.store.primary.probe_write().await?;
        let said = match &probe {
            WriteProbe::Refused(m) => m.clone(),
            WriteProbe::Accepted => String::new(),
        };
        self.checks.check(
            matches!(probe, WriteProbe::Refused(_)) && primary == WriteProbe::Accepted,
            &format!(
                "the replica handle refuses writes (\"{said}\"); the primary accepts them (probe rolled back)"
            ),
            || format!("replica: {probe:?}, primary: {primary:?}"),
        );
        Ok(())
    }

    pub(super) async fn story(&mut self) -> anyhow::Result<()> {
        self.step1_command().await?;
        let choice = self.step2_lookup().await?;
        let message = self.step3_choose(&choice).await?;
        self.step4_own_approval().await?;
        self.step5_lead_approves(&message).await?;
        self.step6_expiry_announced().await?;
        self.step7_second_click().await?;
        let (id, message) = self.step8_backdated_request().await?;
        self.step9_first_of_two(id, &message).await?;
        self.step10_second_of_two(id).await
    }

    async fn step1_command(&mut self) -> anyhow::Result<()> {
        println!("\n1. Jiwoo (CX agent) types in #cx-desk:  /expire-insurance {TYPED_PHONE}");
        let (status, answer) = self
            .post_signed(
                "/slack/commands",
                fixtures::slash_command(AGENT, TYPED_PHONE),
            )
            .await?;
        println!(
            "   HTTP {status} {}",
            if answer.is_null() {
                "(empty: acknowledged)".to_owned()
            } else {
                answer.to_string()
            }
        );
        let calls = self.show_new_calls();
        let opens: Vec<_> = calls.iter().filter(|c| c.method == "views.open").collect();
        self.checks.check(
            status == 200 && answer.is_null(),
            "the command is acknowledged with an empty 200",
            || format!("HTTP {status} {answer}"),
        );
        let prefilled = opens.first().is_some_and(|c| {
            c.args["trigger_id"] == fixtures::COMMAND_TRIGGER_ID
                && c.args["view"]["callback_id"] == "expiry_request"
                && c.args["view"]
                    .to_string()
                    .contains(&format!("\"initial_value\":\"{TYPED_PHONE}\""))
        });
        self.checks.check(
            opens.len() == 1 && prefilled,
            "the request modal opened with the command's trigger_id, the phone prefilled",
            || format!("views.open calls: {opens:?}"),
        );
        Ok(())
    }

    async fn step2_lookup(&mut self) -> anyhow::Result<Value> {
        let l = self.locale;
        let reason = reason(l.language());
        println!(
            "\n2. Jiwoo fills in the form and presses “{}”",
            tr!(l, "request-modal.submit")
        );
        println!(
            "     {}: {TYPED_PHONE}",
            tr!(l, "request-rider-input.label")
        );
        println!(
            "     {}: {}",
            tr!(l, "request-cancelled-at-input.label"),
            l.time(self.cancelled_at)
        );
        println!("     {}: {reason}", tr!(l, "request-reason-input.label"));
        let before = db_counts();
        let payload =
            fixtures::request_submission(AGENT, TYPED_PHONE, self.cancelled_at.timestamp(), reason);
        let (status, answer) = self.interaction(&payload).await?;
        let lookups = diff(&db_counts(), &before);
        println!(
            "   expire-bot looks the phone up on the replica ({}) — two rider accounts share it",
            describe_counts(&lookups)
        );
        println!(
            "   HTTP {status} response_action: {} — Jiwoo's modal becomes:",
            answer["response_action"]
        );
        for line in render::view(&self.names, &answer["view"]) {
            println!("     {line}");
        }
        self.show_new_calls();
        let view = answer["view"].clone();
        self.checks.check(
            status == 200
                && answer["response_action"] == "update"
                && view["callback_id"] == "expiry_choose_policy",
            "the lookup answers with the policy choice step (response_action: update)",
            || format!("HTTP {status} {answer}"),
        );
        let options: Vec<String> = view["blocks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| b["block_id"] == ActionId::Policy.as_str())
            .flat_map(|b| {
                b["element"]["options"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            // What a person sees of an option: its text and the description below it.
            .map(|o| {
                format!(
                    "{}={} / {}",
                    o["value"].as_str().unwrap_or_default(),
                    o["text"]["text"].as_str().unwrap_or_default(),
                    o["description"]["text"].as_str().unwrap_or_default()
                )
            })
            .collect();
        let offers = |policy: crate::domain::PolicyId, name: &str, member: &str| {
            options.iter().any(|o| {
                o.starts_with(&format!("{policy}=")) && o.contains(name) && o.contains(member)
            })
        };
        let said = Said::new(l.language());
        self.checks.check(
            options.len() == 2
                && offers(self.withdrawn_policy, "홍*동", said.withdrawn)
                && offers(self.new_policy, "남**수", said.active),
            "both policies are offered, each with its rider's masked name and member status",
            || format!("options {options:?}"),
        );
        let replica_lookups = count(&lookups, "replica", "lookup_rider_policies");
        let primary_lookups = count(&lookups, "primary", "lookup_rider_policies");
        self.checks.check(
            replica_lookups == 1 && primary_lookups == 0,
            "the lookup ran on the replica, not the primary",
            || describe_counts(&lookups),
        );
        let filed = self.inspect.requests().await?.len();
        self.checks.check(
            filed == 0,
            "nothing is written before Jiwoo chooses",
            || format!("{filed} request(s) exist"),
        );
        Ok(view)
    }

    async fn step3_choose(&mut self, choice: &Value) -> anyhow::Result<Value> {
        let l = self.locale;
        println!(
            "\n3. Jiwoo picks the withdrawn rider's policy (홍*동, withdrawn) and presses “{}”",
            tr!(l, "choice-modal.submit")
        );
        let payload = fixtures::choice_submission(AGENT, choice, self.withdrawn_policy.0);
        let (status, answer) = self.interaction(&payload).await?;
        println!(
            "   HTTP {status} response_action: {} — Jiwoo's modal becomes:",
            answer["response_action"]
        );
        for line in render::view(&self.names, &answer["view"]) {
            println!("     {line}");
        }
        self.checks.check(
            status == 200
                && answer["response_action"] == "update"
                && answer["view"]["title"]["text"] == tr!(l, "filed-modal.title").as_str(),
            "Jiwoo is told the request is filed",
            || format!("HTTP {status} {answer}"),
        );
        println!("   Written on the primary, in one transaction:");
        let r = self.show_request().await?;
        let p = self.show_policy(None).await?;
        let audit = self.show_audit(r.id).await?;
        self.checks.check(
            r.status == "PENDING"
                && r.requested_by == AGENT
                && r.policy_id == self.withdrawn_policy
                && r.rider_status == "WITHDRAWN"
                && r.rider_name_masked == "홍*동"
                && r.cancelled_at == Some(self.cancelled_at),
            "a PENDING request for the withdrawn rider's policy, stored masked",
            || format!("{r:?}"),
        );
        self.checks.check(
            p.status == "ACTIVE" && p.valid_until.is_none(),
            "the policy is not touched by filing",
            || format!("{p:?}"),
        );
        self.checks.check(
            audit.len() == 1 && audit[0].event == "FILED",
            "one audit record: FILED",
            || format!("{audit:?}"),
        );
        self.settle().await?;
        println!("   The outbox worker then makes the Slack calls the filing owes:");
        let calls = self.show_new_calls();
        let posted = calls
            .iter()
            .find(|c| c.method == "chat.postMessage" && c.args["channel"] == APPROVALS)
            .map(|c| c.args.clone());
        let buttons = posted.as_ref().is_some_and(|m| {
            let s = m.to_string();
            s.contains(ActionId::Approve.as_str()) && s.contains(ActionId::Reject.as_str())
        });
        self.checks.check(
            buttons,
            "the approval request is posted to #cx-approvals with Approve and Reject",
            || format!("calls {calls:?}"),
        );
        let dm = calls
            .iter()
            .any(|c| c.method == "chat.postMessage" && c.args["channel"] == AGENT);
        self.checks
            .check(dm, "Jiwoo gets a message saying where it went", || {
                format!("calls {calls:?}")
            });
        let r = self.request().await?;
        self.checks.check(
            r.message_ts.is_some(),
            "the request remembers its message (channel and ts)",
            || format!("{r:?}"),
        );
        posted.ok_or_else(|| anyhow!("the approval request was not posted"))
    }

    async fn step4_own_approval(&mut self) -> anyhow::Result<()> {
        let l = self.locale;
        println!(
            "\n4. Jiwoo clicks “{}” on her own request",
            tr!(l, "approval-approve-button")
        );
        let status = self.click(AGENT).await?;
        println!("   HTTP {status} (acknowledged)");
        let calls = self.show_new_calls();
        let eph = calls
            .iter()
            .find(|c| c.method == "chat.postEphemeral")
            .map(|c| c.args.clone());
        self.checks.check(
            status == 200
                && eph.as_ref().is_some_and(|e| {
                    e["user"] == AGENT
                        && e["channel"] == APPROVALS
                        && e["text"].as_str() == Some(tr!(l, "decide-refused-own-request").as_str())
                }),
            "refused, and told so privately (ephemeral, four-eyes rule)",
            || format!("HTTP {status}, calls {calls:?}"),
        );
        println!("   Nothing written:");
        let r = self.show_request().await?;
        let p = self.show_policy(None).await?;
        let audit = self.inspect.audit(r.id).await?;
        println!("   DB  expiry_audit: still {} record(s)", audit.len());
        self.checks.check(
            r.status == "PENDING" && p.status == "ACTIVE" && audit.len() == 1,
            "the request stays PENDING, the policy ACTIVE, no audit record added",
            || format!("{r:?} {p:?} {audit:?}"),
        );
        self.checks.check(
            !calls.iter().any(|c| c.method == "chat.update"),
            "the request message is not changed",
            || format!("calls {calls:?}"),
        );
        Ok(())
    }

    /// Minseo opens expire-bot's Home tab: Slack sends `app_home_opened`, the bot publishes
    /// her tab, read on the replica. Returns the view published.
    async fn open_home(&mut self, user: &str, event_id: &str) -> anyhow::Result<Value> {
        let before = self.slack.calls().len();
        let (status, _) = self
            .post_signed(
                "/slack/events",
                fixtures::home_opened(user, event_id).to_string(),
            )
            .await?;
        println!("   HTTP {status} (acknowledged at once; the tab is published after the answer)");
        let started = Instant::now();
        let published = loop {
            let found = self.slack.calls().get(before..).and_then(|fresh| {
                fresh
                    .iter()
                    .find(|c| c.method == "views.publish" && c.args["user_id"] == user)
                    .cloned()
            });
            if let Some(c) = found {
                break c;
            }
            if started.elapsed() > SETTLE_LIMIT {
                bail!("no Home tab was published for {user}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        };
        for c in self.new_calls() {
            for line in self.describe(&c) {
                println!("   {line}");
            }
        }
        let view = match &published.args["view"] {
            Value::String(s) => serde_json::from_str(s)?,
            v => v.clone(),
        };
        Ok(view)
    }

    async fn step5_lead_approves(&mut self, message: &Value) -> anyhow::Result<()> {
        let l = self.locale;
        println!(
            "\n5. Minseo (CX lead) opens expire-bot's Home tab: the request waits for her decision there"
        );
        let home = self.open_home(LEAD, "Ev0DEMOHOME1").await?;
        let r = self.request().await?;
        let shown = home.to_string();
        self.checks.check(
            shown.contains(&format!(r#""value":"{}""#, r.id))
                && shown.contains(ActionId::Approve.as_str())
                && shown.contains(&r.policy_number_masked)
                && !shown.contains(TYPED_PHONE),
            "Minseo's Home tab lists the pending request, masked, with Approve and Reject",
            || shown.clone(),
        );
        println!(
            "   She clicks “{}” on her Home tab; Slack first asks her to confirm",
            tr!(l, "approval-approve-button")
        );
        if let Some(dialog) =
            render::confirm_dialog(&self.names, message, ActionId::Approve.as_str())
        {
            for line in dialog {
                println!("     {line}");
            }
        }
        println!("   She presses “{}”.", tr!(l, "approval-confirm.confirm"));
        let before = self.inspect.policy(self.withdrawn_policy).await?;
        let counts = db_counts();
        let payload =
            fixtures::home_button_click(LEAD, ActionId::Approve.as_str(), r.id.0, "V0DEMOHOME");
        let (status, _) = self.interaction(&payload).await?;
        let decided = diff(&db_counts(), &counts);
        println!("   HTTP {status} (acknowledged once the transaction committed)");
        // The click itself calls no Slack method (membership is read from the list the
        // background refresh keeps); a refresh that happens to land now is shown here, and
        // the follow-ups (which the outbox worker may already be making) in step 6.
        let (asked, rest): (Vec<Call>, Vec<Call>) = self
            .new_calls()
            .into_iter()
            .partition(|c| c.method == "usergroups.users.list");
        for c in &asked {
            for line in self.describe(c) {
                println!("   {line}");
            }
        }
        self.carried = rest;
        println!(
            "   One transaction on the primary ({}):",
            describe_counts(&decided)
        );
        let r = self.show_request().await?;
        let p = self.show_policy(Some(&before)).await?;
        let audit = self.show_audit(r.id).await?;
        self.checks.check(
            status == 200
                && r.status == "APPROVED"
                && r.decided_by.as_deref() == Some(LEAD)
                && r.outcome.as_deref() == Some("EXPIRED"),
            "the request is APPROVED by Minseo",
            || format!("HTTP {status} {r:?}"),
        );
        self.checks.check(
            p.status == "EXPIRED" && p.valid_until == Some(self.cancelled_at),
            "the policy is EXPIRED, valid until the cancellation time",
            || format!("{p:?}"),
        );
        self.checks.check(
            audit.len() == 2
                && audit[1].event == "APPROVED"
                && audit[1].status_before.as_deref() == Some("ACTIVE")
                && audit[1].status_after.as_deref() == Some("EXPIRED"),
            "an APPROVED audit record, ACTIVE → EXPIRED",
            || format!("{audit:?}"),
        );
        self.checks.check(
            count(&decided, "primary", "approve_request") == 1
                && decided.keys().all(|(role, _, _)| role == "primary"),
            "the decision ran on the primary only",
            || describe_counts(&decided),
        );
        Ok(())
    }

    async fn step6_expiry_announced(&mut self) -> anyhow::Result<()> {
        println!(
            "\n6. The expiry is announced: the outbox worker makes the calls the decision owes"
        );
        self.settle().await?;
        let mut calls = std::mem::take(&mut self.carried);
        for c in &calls {
            for line in self.describe(c) {
                println!("   {line}");
            }
        }
        calls.extend(self.show_new_calls());
        let said = Said::new(self.locale.language());
        let r = self.request().await?;
        let ts = r.message_ts.clone().unwrap_or_default();
        let reply = calls.iter().find(|c| {
            c.method == "chat.postMessage" && c.args["thread_ts"].as_str() == Some(ts.as_str())
        });
        self.checks.check(
            reply.is_some_and(|c| {
                let text = c.args["text"].as_str().unwrap_or("");
                text.contains(&said.approved_by_lead) && text.contains(said.approved)
            }),
            "a reply in the request's thread says it was approved",
            || format!("calls {calls:?}"),
        );
        let update = calls.iter().find(|c| c.method == "chat.update");
        self.checks.check(
            update.is_some_and(|c| {
                let s = c.args.to_string();
                c.args["ts"].as_str() == Some(ts.as_str())
                    && !s.contains(ActionId::Approve.as_str())
                    && !s.contains(ActionId::Reject.as_str())
            }),
            "the request message now shows the decision and no buttons",
            || format!("calls {calls:?}"),
        );
        let told = calls.iter().any(|c| {
            c.method == "chat.postMessage"
                && c.args["channel"] == AGENT
                && c.args["text"]
                    .as_str()
                    .unwrap_or("")
                    .contains(said.approved)
        });
        self.checks.check(told, "Jiwoo is told the outcome", || {
            format!("calls {calls:?}")
        });
        let republished = calls
            .iter()
            .rev()
            .find(|c| c.method == "views.publish" && c.args["user_id"] == LEAD);
        self.checks.check(
            republished.is_some_and(|c| {
                !c.args["view"]
                    .to_string()
                    .contains(ActionId::Approve.as_str())
            }),
            "Minseo's Home tab is republished from the outbox: nothing waits for her now",
            || format!("calls {calls:?}"),
        );
        println!("   Jiwoo opens expire-bot's Home tab: her own requests, with their status");
        let home = self.open_home(AGENT, "Ev0DEMOHOME2").await?;
        let shown = home.to_string();
        self.checks.check(
            shown.contains(&format!("#{}", r.id))
                && shown.contains(&format!("p{}", ts.replace('.', "")))
                && !shown.contains(ActionId::Approve.as_str()),
            "Jiwoo's Home tab lists her request, decided, with a link to its thread",
            || shown.clone(),
        );
        Ok(())
    }

    async fn step7_second_click(&mut self) -> anyhow::Result<()> {
        let l = self.locale;
        println!(
            "\n7. Hyunwoo (CX lead), whose screen still showed the buttons, clicks “{}” too",
            tr!(l, "approval-approve-button")
        );
        // The refusal's own words up to the outcome it quotes, from the catalogue.
        let already = tr!(
            l,
            "decide-refused-already-decided",
            request_id = self.request().await?.id.to_string(),
            outcome = ""
        );
        let before_policy = self.inspect.policy(self.withdrawn_policy).await?;
        let status = self.click(LEAD2).await?;
        println!("   HTTP {status} (acknowledged)");
        let calls = self.show_new_calls();
        let eph = calls
            .iter()
            .find(|c| c.method == "chat.postEphemeral")
            .map(|c| c.args.clone());
        self.checks.check(
            status == 200
                && eph.as_ref().is_some_and(|e| {
                    let text = e["text"].as_str().unwrap_or("");
                    e["user"] == LEAD2
                        && text.starts_with(already.trim_end())
                        && text.contains(&format!("<@{LEAD}>"))
                }),
            "Hyunwoo is told, privately, that Minseo already decided it",
            || format!("HTTP {status}, calls {calls:?}"),
        );
        println!("   Nothing written:");
        let r = self.show_request().await?;
        let p = self.show_policy(None).await?;
        let audit = self.inspect.audit(r.id).await?;
        println!("   DB  expiry_audit: still {} record(s)", audit.len());
        self.checks.check(
            r.decided_by.as_deref() == Some(LEAD)
                && p == before_policy
                && audit.len() == 2
                && !calls.iter().any(|c| c.method != "chat.postEphemeral"),
            "decided once: same decider, same policy row, no new audit record or announcement",
            || format!("{r:?} {p:?} {audit:?} calls {calls:?}"),
        );
        Ok(())
    }

    /// Steps 8–10: `SECOND_APPROVAL_BACKDATE` (7 days in the demo). Jiwoo files for the
    /// newer account's policy with a cancellation time ten days back: premiums after it go
    /// unbilled, so the request needs two leads.
    async fn step8_backdated_request(
        &mut self,
    ) -> anyhow::Result<(crate::domain::RequestId, Value)> {
        let l = self.locale;
        let rider = crate::store::seed::cases::NEW_RIDER;
        let back = (Utc::now() - chrono::Duration::days(10)).timestamp();
        let cancelled_at = DateTime::<Utc>::from_timestamp(back - back % 600, 0)
            .ok_or_else(|| anyhow!("clock out of range"))?;
        let reason = match l.language() {
            Language::Ko => "보험사 콜센터 확인: 10일 전 해지, CX-20418",
            Language::En => "Insurer's call centre confirms it was cancelled 10 days ago, CX-20418",
        };
        println!(
            "\n8. A backdated request: Jiwoo files for the newer account's policy (남**수, rider ID {rider}),"
        );
        println!(
            "   cancelled {} — ten days back, past SECOND_APPROVAL_BACKDATE=7d, so premiums after it go unbilled",
            self.time(cancelled_at)
        );
        println!(
            "     {}: {rider} · {}: {} · {}: {reason}",
            tr!(l, "request-rider-input.label"),
            tr!(l, "request-cancelled-at-input.label"),
            l.time(cancelled_at),
            tr!(l, "request-reason-input.label")
        );
        let before = db_counts();
        let payload = fixtures::request_submission(
            AGENT,
            &rider.to_string(),
            cancelled_at.timestamp(),
            reason,
        );
        let (status, answer) = self.interaction(&payload).await?;
        let used = diff(&db_counts(), &before);
        self.extra_lookups += count(&used, "replica", "lookup_rider_policies");
        println!(
            "   HTTP {status} response_action: {} — one active policy, filed at once; Jiwoo's modal becomes:",
            answer["response_action"]
        );
        for line in render::view(&self.names, &answer["view"]) {
            println!("     {line}");
        }
        let view = answer["view"].to_string();
        let note = tr!(
            l,
            "approvals-needed-backdated-note",
            required = 2,
            span = crate::slack::render::modals::span(l, Duration::from_secs(7 * 86_400))
        );
        self.checks.check(
            status == 200 && answer["response_action"] == "update" && view.contains(&note),
            "before anything is decided, Jiwoo is told this request needs two leads and why",
            || format!("HTTP {status} {answer}"),
        );
        let requests = self.inspect.requests().await?;
        let r = requests
            .last()
            .cloned()
            .ok_or_else(|| anyhow!("the backdated request was not filed"))?;
        println!(
            "   DB  expiry_requests #{}: status {} · policy {} · needs 2 approvals (APPROVALS_REQUIRED=1, +1 for the backdate)",
            r.id, r.status, r.policy_id
        );
        self.checks.check(
            requests.len() == 2 && r.status == "PENDING" && r.policy_id == self.new_policy,
            "a second PENDING request, for the newer account's policy",
            || format!("{requests:?}"),
        );
        self.settle().await?;
        println!("   The outbox worker posts it:");
        let calls = self.show_new_calls();
        let posted = calls
            .iter()
            .find(|c| c.method == "chat.postMessage" && c.args["channel"] == APPROVALS)
            .map(|c| c.args.clone());
        let none_yet = tr!(
            l,
            "approval-approvals-field",
            approvals = 0,
            required = 2,
            given = tr!(l, "approval-approvals-none")
        );
        self.checks.check(
            posted
                .as_ref()
                .is_some_and(|m| m.to_string().contains(&none_yet)),
            "the approval message counts its approvals: none of two yet",
            || format!("calls {calls:?}"),
        );
        let withdraw_in_dm = calls.iter().any(|c| {
            c.method == "chat.postMessage"
                && c.args["channel"] == AGENT
                && c.args.to_string().contains(ActionId::Withdraw.as_str())
        });
        self.checks.check(
            withdraw_in_dm,
            "Jiwoo's DM carries the Withdraw button (only she may withdraw it)",
            || format!("calls {calls:?}"),
        );
        let message = posted.ok_or_else(|| anyhow!("the backdated request was not posted"))?;
        Ok((r.id, message))
    }

    async fn step9_first_of_two(
        &mut self,
        id: crate::domain::RequestId,
        message: &Value,
    ) -> anyhow::Result<()> {
        let l = self.locale;
        println!(
            "\n9. Minseo clicks “{}”; the confirmation says this is one approval of two",
            tr!(l, "approval-approve-button")
        );
        if let Some(dialog) =
            render::confirm_dialog(&self.names, message, ActionId::Approve.as_str())
        {
            for line in dialog {
                println!("     {line}");
            }
        }
        let before = self.inspect.policy(self.new_policy).await?;
        let status = self.click_on(LEAD, id).await?;
        println!("   HTTP {status} (acknowledged)");
        let r = self.request_by_id(id).await?;
        let p = self.inspect.policy(self.new_policy).await?;
        let audit = self.show_audit(id).await?;
        println!(
            "   DB  expiry_requests #{}: status {} · policy {} (unchanged: one approval of two)",
            r.id, r.status, p.status
        );
        self.checks.check(
            status == 200
                && r.status == "PENDING"
                && p == before
                && audit.iter().map(|a| a.event.as_str()).collect::<Vec<_>>()
                    == ["FILED", "APPROVAL_RECORDED"],
            "Minseo's approval is recorded and counted; the request stays PENDING, the policy untouched",
            || format!("{r:?} {p:?} {audit:?}"),
        );
        self.settle().await?;
        println!("   The outbox worker replies in the thread and rewrites the message:");
        let calls = self.show_new_calls();
        let ts = r.message_ts.clone().unwrap_or_default();
        let reply = calls.iter().any(|c| {
            c.method == "chat.postMessage"
                && c.args["thread_ts"].as_str() == Some(ts.as_str())
                && c.args["text"]
                    .as_str()
                    .is_some_and(|t| t.contains(&format!("<@{LEAD}>")))
        });
        self.checks.check(
            reply,
            "the thread says who gave approval 1 of 2, and that one more is needed",
            || format!("calls {calls:?}"),
        );
        let one_of_two = tr!(
            l,
            "approval-fallback-several",
            request_id = id.to_string(),
            policy = r.policy_number_masked.clone(),
            approvals = 1,
            required = 2
        );
        let refreshed = calls.iter().any(|c| {
            c.method == "chat.update"
                && c.args["text"].as_str() == Some(one_of_two.as_str())
                && c.args.to_string().contains(ActionId::Approve.as_str())
        });
        self.checks.check(
            refreshed,
            "the message now shows 1 of 2 approvals, its buttons kept",
            || format!("calls {calls:?}"),
        );
        Ok(())
    }

    async fn step10_second_of_two(&mut self, id: crate::domain::RequestId) -> anyhow::Result<()> {
        let l = self.locale;
        println!(
            "\n10. Hyunwoo clicks “{}”: the second approval, from another lead, expires the policy",
            tr!(l, "approval-approve-button")
        );
        let before = self.inspect.policy(self.new_policy).await?;
        let counts = db_counts();
        let status = self.click_on(LEAD2, id).await?;
        let decided = diff(&db_counts(), &counts);
        println!(
            "   HTTP {status} (acknowledged once the transaction committed) — one transaction on the primary ({}):",
            describe_counts(&decided)
        );
        let r = self.request_by_id(id).await?;
        let p = self.inspect.policy(self.new_policy).await?;
        println!(
            "   DB  expiry_requests #{}: status {} · decided_by {}",
            r.id,
            r.status,
            r.decided_by
                .as_deref()
                .map(|d| self.who(d))
                .unwrap_or_else(|| "—".to_owned())
        );
        println!(
            "   DB  hourly_insurance_policies #{}: status {} → {} · valid_until {} → {}",
            self.new_policy,
            before.status,
            p.status,
            self.until(before.valid_until),
            self.until(p.valid_until)
        );
        let audit = self.show_audit(id).await?;
        self.checks.check(
            status == 200
                && r.status == "APPROVED"
                && r.decided_by.as_deref() == Some(LEAD2)
                && p.status == "EXPIRED"
                && p.valid_until == r.cancelled_at
                && audit.iter().map(|a| a.event.as_str()).collect::<Vec<_>>()
                    == ["FILED", "APPROVAL_RECORDED", "APPROVED"],
            "the second approval decides: APPROVED by Hyunwoo, the policy EXPIRED as of the backdated time",
            || format!("{r:?} {p:?} {audit:?}"),
        );
        self.settle().await?;
        let calls = self.show_new_calls();
        let ts = r.message_ts.clone().unwrap_or_default();
        let reply = calls.iter().any(|c| {
            c.method == "chat.postMessage"
                && c.args["thread_ts"].as_str() == Some(ts.as_str())
                && c.args["text"]
                    .as_str()
                    .is_some_and(|t| t.contains(&format!("<@{LEAD2}>")))
        });
        let decided_message = calls.iter().any(|c| {
            let s = c.args.to_string();
            c.method == "chat.update"
                && !s.contains(ActionId::Approve.as_str())
                && s.contains(&format!("<@{LEAD}>"))
                && s.contains(&format!("<@{LEAD2}>"))
        });
        let told = calls
            .iter()
            .any(|c| c.method == "chat.postMessage" && c.args["channel"] == AGENT);
        self.checks.check(
            reply && decided_message && told,
            "the thread, the message (both approvers, no buttons) and Jiwoo's DM say it",
            || format!("calls {calls:?}"),
        );
        Ok(())
    }
}
