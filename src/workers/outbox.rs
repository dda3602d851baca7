//! Delivering the Slack calls a request owes, from the database outbox.
//!
//! Filing and deciding only *record* the Slack calls they imply (in the same transaction
//! as the state change); this worker makes them. So a decision stands even when Slack is
//! down, a crash between the commit and the Slack call loses nothing, and whichever
//! instance is alive finishes the job: rows are leased with a short claim in the database,
//! never held in memory. Failed calls are retried with exponential backoff, honouring
//! Slack's `Retry-After`. A delivery that fails on the database rather than on Slack is a
//! [`DeliveryError::Store`], recorded as `database`, never passed off as a Slack error.
//!
//! Two failures are not retried blindly (issue 12):
//!
//! - **Permanent errors** (`channel_not_found`, `not_in_channel`, `invalid_auth`,
//!   `invalid_blocks`, … — whatever [`SlackCallError::is_retryable`] says no to) give the
//!   row up: it is marked failed, counted (`expire_bot_outbox_failed_total`, alerted on),
//!   and the requester is told by direct message. Retrying would only repeat the refusal
//!   forever.
//! - **A post that may have gone through** (a timeout: Slack may have posted and not
//!   answered in time). Every approval message carries metadata naming its request
//!   ([`render::request_metadata`]), so before posting again the worker looks for it in
//!   the channel (`conversations.history`) and, if it is there, records that message
//!   instead of posting a second one with live buttons.
//!
//! The outbox also keeps App Home tabs current (issue 15). A row whose message change shows
//! a new state of the request — the request posted, the message refreshed after one
//! approval of several, the message updated with the decision — queues one more row,
//! `refresh_homes` numbered with that state ([`OutboxKind::home_refresh`]), before it is
//! completed: a crash in between redelivers the row, which finds the refresh queued. That
//! row republishes the Home tabs that show the request ([`HomeReader::audience`]) once the
//! replica, which the tabs are read from, has replayed the change; until then it waits,
//! like a reply waits for its message.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::domain::{OutboxKind, RequestStatus, SlackUserId};
use crate::i18n::Locale;
use crate::service::home::HomeReader;
use crate::service::workflow;
use crate::slack::api::{SlackApi, SlackCallError};
use crate::slack::home::{HomePublisher, PublishError};
use crate::slack::render;
use crate::store::{OutboxRow, Primary, StoreError};

/// How long one instance owns a row it is delivering.
const LEASE: Duration = Duration::from_secs(30);
/// How often the outbox is polled when nobody wakes the worker (a crashed peer's rows, retries).
const POLL: Duration = Duration::from_secs(1);
const BATCH: i64 = 50;
const MAX_BACKOFF: Duration = Duration::from_secs(600);

/// Why one delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Slack refused or could not be reached.
    #[error(transparent)]
    Slack(#[from] SlackCallError),
    /// The database failed while the delivery read or recorded its row.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::service::DbFailure> for DeliveryError {
    fn from(e: crate::service::DbFailure) -> DeliveryError {
        DeliveryError::Store(e.into_store())
    }
}

impl DeliveryError {
    /// What is stored in `last_error` and logged: Slack's code, or `database`.
    fn code(&self) -> String {
        match self {
            DeliveryError::Slack(e) => e.code(),
            DeliveryError::Store(_) => "database".to_owned(),
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            DeliveryError::Slack(e) => e.retry_after(),
            DeliveryError::Store(_) => None,
        }
    }
}

/// Who the reminder mentions: the configured approvers (IDs, never looked up).
#[derive(Debug, Clone, Default)]
pub struct Approvers {
    pub user_ids: Vec<SlackUserId>,
    pub usergroup: Option<String>,
}

/// The outbox worker: the primary, the Web API, what the messages need to say, and the
/// bell that filing and deciding ring.
#[derive(Debug)]
pub struct Outbox {
    primary: Primary,
    slack: SlackApi,
    approval_channel: String,
    /// The language and time zone the messages are written in.
    locale: Locale,
    bell: Arc<Notify>,
    approvers: Approvers,
    /// Republishes the Home tabs a state change shows in.
    homes: HomePublisher,
}

enum Delivery {
    Done,
    /// Depends on the approval message, which is not posted yet.
    NotYet,
    /// Reads the replica, which has not replayed the change yet.
    ReplicaBehind,
}

/// How long a Home refresh waits for the replica, per attempt.
const REPLICA_WAIT: chrono::Duration = chrono::Duration::seconds(1);

impl Outbox {
    pub fn new(
        primary: Primary,
        slack: SlackApi,
        approval_channel: String,
        locale: Locale,
        bell: Arc<Notify>,
        approvers: Approvers,
        homes: HomePublisher,
    ) -> Outbox {
        Outbox {
            primary,
            slack,
            approval_channel,
            locale,
            bell,
            approvers,
            homes,
        }
    }

    /// Runs until `shutdown` is cancelled.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            if let Err(e) = self.deliver_due().await {
                tracing::warn!(error = crate::telemetry::chain(&e), "outbox pass failed");
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = self.bell.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// Delivers every row due now; returns how many were delivered.
    pub async fn deliver_due(&self) -> Result<usize, StoreError> {
        let db = &self.primary;
        let mut delivered = 0;
        loop {
            let now = Utc::now();
            let rows = db.due_outbox(now, BATCH).await?;
            if rows.is_empty() {
                return Ok(delivered);
            }
            let mut progressed = false;
            for row in rows {
                let now = Utc::now();
                let lease_end = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
                if !db.claim_outbox(row.id, now, lease_end).await? {
                    continue;
                }
                let result = self.deliver(&row).await;
                count_attempt(row.kind(), &result);
                match result {
                    Ok(Delivery::Done) => {
                        delivered += 1;
                        progressed = true;
                    }
                    Ok(Delivery::NotYet) => {
                        let next = Utc::now() + chrono::Duration::seconds(2);
                        db.retry_outbox_later(row.id, next, "waiting_for_request_message")
                            .await?;
                    }
                    Ok(Delivery::ReplicaBehind) => {
                        // Usually replayed within the second; a replica far behind (or
                        // stopped) is asked less and less often, like a failing call.
                        let wait = if row.attempts < 5 {
                            REPLICA_WAIT
                        } else {
                            chrono::Duration::from_std(backoff(row.attempts)).unwrap_or_default()
                        };
                        db.retry_outbox_later(row.id, Utc::now() + wait, "waiting_for_replica")
                            .await?;
                    }
                    Err(DeliveryError::Slack(e)) if !e.is_retryable() => {
                        self.give_up(&row, &e).await?;
                    }
                    Err(e) => {
                        let backoff = e.retry_after().unwrap_or_else(|| backoff(row.attempts));
                        let next =
                            Utc::now() + chrono::Duration::from_std(backoff).unwrap_or_default();
                        tracing::warn!(
                            request_id = row.request_id.0,
                            kind = row.kind().map_or("other", OutboxKind::as_str),
                            attempt = row.attempts + 1,
                            error = %e.code(),
                            retry_in_s = backoff.as_secs(),
                            "Slack follow-up failed; will retry"
                        );
                        db.retry_outbox_later(row.id, next, &e.code()).await?;
                    }
                }
            }
            if !progressed {
                return Ok(delivered);
            }
        }
    }

    async fn deliver(&self, row: &OutboxRow) -> Result<Delivery, DeliveryError> {
        let db = &self.primary;
        let l = self.locale;
        let Some(request) = db.get_request(row.request_id).await? else {
            // The request is gone (it cannot be, short of a manual delete): nothing to say.
            db.complete_outbox(row.id, Utc::now()).await?;
            return Ok(Delivery::Done);
        };
        let Some(kind) = row.kind() else {
            tracing::error!("unknown outbox kind; dropping it");
            db.complete_outbox(row.id, Utc::now()).await?;
            return Ok(Delivery::Done);
        };
        // The approvals given so far, for the messages of a request that needs several
        // (the only ones that show them).
        let approvals = if request.needs_several_approvals() {
            db.approvals_of(request.id).await?
        } else {
            Vec::new()
        };
        let pending = request.status == RequestStatus::Pending;
        let thread = request.channel_id.clone().zip(request.message_ts.clone());
        match kind {
            OutboxKind::PostRequest => {
                if request.message_ts.is_some() {
                    self.owe_home_refresh(row, kind).await?;
                    db.complete_outbox(row.id, Utc::now()).await?;
                    return Ok(Delivery::Done);
                }
                // An earlier attempt may have posted it without hearing back: find it first.
                if row.attempts > 0
                    && let Some(ts) = self.already_posted(&request).await?
                {
                    metrics::counter!("expire_bot_outbox_reconciled_total").increment(1);
                    tracing::info!(
                        request_id = request.id.0,
                        "the approval request was already posted; recorded, not posted again"
                    );
                    self.owe_home_refresh(row, kind).await?;
                    db.record_posted(row.id, request.id, &self.approval_channel, &ts, Utc::now())
                        .await?;
                    return Ok(Delivery::Done);
                }
                // Posted late (Slack was down), after a decision: post it already decided.
                let mut content = if pending {
                    render::approval_message(l, &request, &approvals)
                } else {
                    render::decided_message(l, &request, &approvals)
                };
                content.metadata = Some(render::request_metadata(&request));
                let (channel, ts) = self
                    .slack
                    .post_message(&self.approval_channel, content, None)
                    .await?;
                self.owe_home_refresh(row, kind).await?;
                db.record_posted(row.id, request.id, &channel, &ts, Utc::now())
                    .await?;
                return Ok(Delivery::Done);
            }
            OutboxKind::RefreshHomes => {
                if !self.homes.reader().replica_shows(&request).await? {
                    return Ok(Delivery::ReplicaBehind);
                }
                self.refresh_homes(&request).await?;
            }
            OutboxKind::NotifyFiled => {
                self.slack
                    .post_message(
                        request.requested_by.as_str(),
                        render::filed_notice(l, &request),
                        None,
                    )
                    .await?;
            }
            OutboxKind::NotifyDecided => {
                self.slack
                    .post_message(
                        request.requested_by.as_str(),
                        render::decided_notice(l, &request),
                        None,
                    )
                    .await?;
            }
            // A reminder claimed while the request was pending, delivered after it was
            // decided, would ask people to decide what is decided: it is dropped.
            OutboxKind::ReminderReply | OutboxKind::NotifyReminded if !pending => {}
            OutboxKind::NotifyReminded => {
                self.slack
                    .post_message(
                        request.requested_by.as_str(),
                        render::reminded_notice(l, &request),
                        None,
                    )
                    .await?;
            }
            OutboxKind::ThreadReply
            | OutboxKind::UpdateMessage
            | OutboxKind::ApprovalReply
            | OutboxKind::RefreshMessage
            | OutboxKind::ReminderReply => {
                let Some((channel, ts)) = &thread else {
                    return Ok(Delivery::NotYet);
                };
                match kind {
                    OutboxKind::ThreadReply => {
                        self.slack
                            .post_message(channel, render::thread_reply(l, &request), Some(ts))
                            .await?;
                    }
                    OutboxKind::ApprovalReply => {
                        let ordinal = row.ordinal().unwrap_or(1);
                        let given = usize::try_from(ordinal - 1)
                            .ok()
                            .and_then(|i| approvals.get(i));
                        // An approval row is written with its outbox row: always there.
                        if let Some(a) = given {
                            self.slack
                                .post_message(
                                    channel,
                                    render::approval_reply(l, &request, a, ordinal),
                                    Some(ts),
                                )
                                .await?;
                        }
                    }
                    OutboxKind::ReminderReply => {
                        let who = workflow::to_remind(
                            &self.approvers.user_ids,
                            self.approvers.usergroup.as_deref(),
                            &request,
                            &approvals,
                        );
                        self.slack
                            .post_message(
                                channel,
                                render::reminder_reply(l, &request, &who),
                                Some(ts),
                            )
                            .await?;
                    }
                    // The message as the request now stands, whichever update this is: a
                    // refresh delivered after the decision shows the decision too.
                    _ => {
                        let content = if pending {
                            render::approval_message(l, &request, &approvals)
                        } else {
                            render::decided_message(l, &request, &approvals)
                        };
                        self.slack.update_message(channel, ts, content).await?;
                        self.owe_home_refresh(row, kind).await?;
                    }
                }
            }
        }
        db.complete_outbox(row.id, Utc::now()).await?;
        Ok(Delivery::Done)
    }
}

impl Outbox {
    /// Queues the Home refresh `row` owes, if its delivery showed a new state.
    async fn owe_home_refresh(&self, row: &OutboxRow, kind: OutboxKind) -> Result<(), StoreError> {
        match OutboxKind::home_refresh(kind, row.ordinal()) {
            Some(refresh) => {
                self.primary
                    .queue_outbox(row.request_id, &refresh, Utc::now())
                    .await
            }
            None => Ok(()),
        }
    }

    /// Republishes the Home tab of everyone it shows `request` to. A refusal that is about
    /// one person (their account is gone, say) is logged and skipped; anything a retry may
    /// fix fails the row, which republishes them all again later (publishing is idempotent).
    async fn refresh_homes(&self, request: &crate::domain::Request) -> Result<(), DeliveryError> {
        let reader: &HomeReader = self.homes.reader();
        let deadline = crate::deadline::Deadline::after(Duration::from_secs(5));
        let audience = reader.audience(request, Utc::now(), &deadline).await?;
        let mut retry: Option<DeliveryError> = None;
        for viewer in &audience {
            match self.homes.publish(viewer).await {
                Ok(()) => {}
                Err(PublishError::Slack(e)) if !e.is_retryable() => {
                    tracing::warn!(error = %e.code(), "a Home tab could not be republished; skipped");
                }
                Err(PublishError::Slack(e)) => retry = Some(e.into()),
                Err(PublishError::Read(e)) => retry = Some(e.into()),
            }
        }
        match retry {
            Some(e) => Err(e),
            None => {
                metrics::counter!("expire_bot_home_refreshes_total")
                    .increment(audience.len() as u64);
                Ok(())
            }
        }
    }
}

/// How far before the request was filed the channel is searched for its message (clocks
/// of Slack and the database differ a little).
const RECONCILE_SLACK: i64 = 120;
/// How many of the channel's newest messages since then are read (one page).
const RECONCILE_PAGE: u16 = 200;

impl Outbox {
    /// The `ts` of `request`'s approval message if it is already in the channel (posted by
    /// an attempt that timed out). When the channel's history cannot be read for good (the
    /// app lacks `channels:history`), `None`: the post goes ahead as before, said in the
    /// log, rather than never.
    async fn already_posted(
        &self,
        request: &crate::domain::Request,
    ) -> Result<Option<String>, DeliveryError> {
        let oldest = format!(
            "{}.000000",
            request.requested_at.timestamp() - RECONCILE_SLACK
        );
        let id = request.id.0.to_string();
        match self
            .slack
            .messages_since(&self.approval_channel, &oldest, RECONCILE_PAGE)
            .await
        {
            Ok(messages) => Ok(messages
                .into_iter()
                .find(|m| {
                    m.event_type.as_deref() == Some(render::REQUEST_EVENT_TYPE)
                        && m.payload.get("request_id") == Some(&id)
                })
                .map(|m| m.ts)),
            Err(e) if e.is_retryable() => Err(e.into()),
            Err(e) => {
                tracing::warn!(
                    error = %e.code(),
                    "the approvals channel's history cannot be read; posting without checking for an earlier post"
                );
                Ok(None)
            }
        }
    }

    /// Gives a row up after a permanent Slack error: failed, counted, logged, and the
    /// requester told (unless the failed call was a message to them).
    async fn give_up(&self, row: &OutboxRow, e: &SlackCallError) -> Result<(), StoreError> {
        let kind = row.kind().map_or("other", OutboxKind::as_str);
        let code = e.code();
        self.primary.fail_outbox(row.id, Utc::now(), &code).await?;
        metrics::counter!("expire_bot_outbox_failed_total", "kind" => kind).increment(1);
        tracing::error!(
            request_id = row.request_id.0,
            kind,
            error = %code,
            "Slack refused a follow-up for good; given up (see RUNBOOK: outbox failed)"
        );
        let what = match row.kind() {
            Some(OutboxKind::PostRequest) => "post",
            Some(OutboxKind::ThreadReply) => "thread",
            Some(OutboxKind::UpdateMessage) => "update",
            // A message to the requester: there is no one else to tell.
            _ => return Ok(()),
        };
        if let Some(request) = self.primary.get_request(row.request_id).await? {
            let notice = render::delivery_failed_notice(self.locale, &request, what, &code);
            if let Err(told) = self
                .slack
                .post_message(request.requested_by.as_str(), notice, None)
                .await
            {
                tracing::warn!(error = %told.code(), "the requester could not be told of the failure");
            }
        }
        Ok(())
    }
}

/// Counts one delivery attempt. The kind is one of the bot's own outbox kinds or, for a row
/// this version does not know, `other`: no stored text can become a label.
fn count_attempt(kind: Option<OutboxKind>, result: &Result<Delivery, DeliveryError>) {
    let kind = kind.map_or("other", OutboxKind::as_str);
    let result = match result {
        Ok(Delivery::Done) => "delivered",
        Ok(Delivery::NotYet) => "waiting",
        Ok(Delivery::ReplicaBehind) => "waiting_for_replica",
        Err(_) => "failed",
    };
    metrics::counter!("expire_bot_outbox_attempts_total", "kind" => kind, "result" => result)
        .increment(1);
}

/// 0.5 s, 1 s, 2 s, … up to ten minutes: quick recovery from a blip, no hammering of an
/// outage.
fn backoff(attempts_before: i32) -> Duration {
    let exp = attempts_before.clamp(0, 16) as u32;
    Duration::from_millis(500u64.saturating_mul(2u64.saturating_pow(exp))).min(MAX_BACKOFF)
}
