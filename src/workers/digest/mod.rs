//! The daily withdrawn-rider digest: riders who withdrew but still hold an active hourly
//! policy, found before they have to complain.
//!
//! Nothing ends those policies during the two-month deletion window, so the bot looks for
//! them on a schedule (`DIGEST_SCHEDULE`, cron in `DISPLAY_TZ`), on the replica, and posts
//! one digest to `DIGEST_CHANNEL_ID` with a button per rider (the request modal, prefilled)
//! and one to file them all (`service::digest::bulk`). What counts as "withdrawn but still
//! insured" is the service's ([`scan`]); this worker owns the schedule and the posting.
//!
//! Once per slot, whatever the number of instances: every instance runs the scheduler, and
//! each slot is claimed in `digest_runs` with `INSERT … ON CONFLICT DO NOTHING` before
//! anything is read or posted — the database picks the one instance that posts. A claim
//! whose instance died before finishing goes stale (its heartbeat stops) and can be taken
//! over; a slot missed because no instance was up runs at start-up if it is still the same
//! day in `DISPLAY_TZ`. [`Digest::run_slot`] is the whole job for one slot, callable
//! directly (the tests call it on two instances at once instead of waiting for the clock).

pub mod schedule;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use tokio_util::sync::CancellationToken;

use crate::i18n::Locale;
use crate::service::DbFailure;
use crate::service::digest::scan;
use crate::slack::api::{SlackApi, SlackCallError};
use crate::slack::render;
use crate::store::{Primary, Replica, SlotClaim, StoreError};
use schedule::{AllClear, DigestConfig};

/// A claim not heard from for this long (no message posted, no finish) is taken to belong
/// to a dead instance. Posting a long digest takes seconds per message, far below this.
pub const STALE_CLAIM: Duration = Duration::from_secs(10 * 60);
/// Attempts per message when Slack fails with something a retry can fix.
const POST_ATTEMPTS: u32 = 5;
/// Longest wait between two checks of the clock while waiting for the next slot; a clock
/// change (or a suspended host) is noticed within this.
const MAX_NAP: Duration = Duration::from_secs(60);

/// What [`run_slot`] came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotOutcome {
    /// This instance posted the digest, in `messages` messages.
    Posted {
        riders: i64,
        policies: i64,
        messages: usize,
    },
    /// Nobody found; the one-line all-clear was posted (or, if configured, nothing).
    AllClear { posted: bool },
    /// Another instance posted this slot already.
    AlreadyDone,
    /// Another instance holds the claim and may still be posting.
    ClaimedElsewhere,
}

#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Scan(#[from] DbFailure),
    #[error("posting the digest failed after {posted} message(s)")]
    Slack {
        posted: usize,
        #[source]
        source: SlackCallError,
    },
}

/// A name for one bot instance, as `digest_runs.claimed_by` records it: host, pid and a
/// random tag (several instances may share a process, as in the tests).
pub fn new_instance_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".to_owned());
    format!(
        "{host}:{}:{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// The digest job of one instance: the two handles, the Web API, what to post where, and
/// this instance's name in the claims.
#[derive(Debug)]
pub struct Digest {
    primary: Primary,
    replica: Replica,
    slack: SlackApi,
    config: DigestConfig,
    approval_channel: String,
    /// The language and time zone of the digest (the slot's day is `DISPLAY_TZ`'s).
    locale: Locale,
    instance_id: String,
}

impl Digest {
    pub fn new(
        primary: Primary,
        replica: Replica,
        slack: SlackApi,
        config: DigestConfig,
        approval_channel: String,
        locale: Locale,
        instance_id: String,
    ) -> Digest {
        Digest {
            primary,
            replica,
            slack,
            config,
            approval_channel,
            locale,
            instance_id,
        }
    }

    /// Runs the digest for `slot` if this instance wins the slot's claim.
    pub async fn run_slot(&self, slot: DateTime<Utc>) -> Result<SlotOutcome, DigestError> {
        // Slots are whole seconds: the bulk button carries the slot as unix seconds.
        let slot = slot.with_nanosecond(0).unwrap_or(slot);
        let me = self.instance_id.as_str();
        let now = Utc::now();
        let stale_before = now - chrono::Duration::from_std(STALE_CLAIM).unwrap_or_default();
        let retaken = match self
            .primary
            .claim_digest_slot(slot, me, now, stale_before)
            .await?
        {
            SlotClaim::Claimed => false,
            SlotClaim::TakenOver => {
                tracing::warn!(%slot, "taking over a digest whose instance stopped before finishing");
                true
            }
            SlotClaim::Done => return Ok(SlotOutcome::AlreadyDone),
            SlotClaim::InProgress => return Ok(SlotOutcome::ClaimedElsewhere),
        };
        let result = self.post_slot(slot, me, retaken).await;
        match &result {
            Ok(outcome) => {
                tracing::info!(%slot, ?outcome, "withdrawn-rider digest done");
                metrics::counter!("expire_bot_digests_total", "outcome" => "posted").increment(1);
            }
            Err(e) => {
                let posted = match e {
                    DigestError::Slack { posted, .. } => *posted,
                    DigestError::Store(_) | DigestError::Scan(_) => 0,
                };
                // Nothing reached Slack: give the slot back so a retry (here or on another
                // instance) starts clean. Otherwise keep it; the claim goes stale and a retry
                // takes it over and posts the complete digest again.
                if posted == 0
                    && let Err(release) = self.primary.release_digest_slot(slot, me).await
                {
                    tracing::warn!(
                        error = crate::telemetry::chain(&release),
                        "could not release the digest claim"
                    );
                }
                metrics::counter!("expire_bot_digests_total", "outcome" => "failed").increment(1);
            }
        }
        result
    }

    async fn post_slot(
        &self,
        slot: DateTime<Utc>,
        me: &str,
        retaken: bool,
    ) -> Result<SlotOutcome, DigestError> {
        let primary = &self.primary;
        let l = self.locale;
        let channel = &self.config.channel_id;
        let found = scan::scan(&self.replica).await?;
        primary.save_digest_items(slot, &found.items()).await?;
        if found.riders.is_empty() {
            let posted = self.config.all_clear == AllClear::Post;
            if posted {
                let (channel, ts) = self
                    .post_with_retries(channel, render::all_clear(l, slot))
                    .await
                    .map_err(|source| DigestError::Slack { posted: 0, source })?;
                primary
                    .record_digest_message(slot, me, &channel, &ts)
                    .await?;
            }
            primary.finish_digest(slot, me, 0, 0, Utc::now()).await?;
            return Ok(SlotOutcome::AllClear { posted });
        }
        let messages = render::digest_messages(l, &found, slot, &self.approval_channel, retaken);
        let count = messages.len();
        for (i, message) in messages.into_iter().enumerate() {
            let (posted_in, ts) = self
                .post_with_retries(channel, message)
                .await
                .map_err(|source| DigestError::Slack { posted: i, source })?;
            // The approvers' Home tab links to the digest's first message.
            if i == 0 {
                primary
                    .record_digest_message(slot, me, &posted_in, &ts)
                    .await?;
            }
            let pages = i32::try_from(i + 1).unwrap_or(i32::MAX);
            primary
                .mark_digest_progress(slot, me, pages, Utc::now())
                .await?;
        }
        primary
            .finish_digest(
                slot,
                me,
                found.total_riders,
                found.total_policies,
                Utc::now(),
            )
            .await?;
        Ok(SlotOutcome::Posted {
            riders: found.total_riders,
            policies: found.total_policies,
            messages: count,
        })
    }

    /// Posts one message, retrying what a retry can fix (rate limits — Slack allows about one
    /// message per second per channel — and transient failures), honouring `Retry-After`.
    async fn post_with_retries(
        &self,
        channel: &str,
        content: slack_morphism::prelude::SlackMessageContent,
    ) -> Result<(String, String), SlackCallError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .slack
                .post_message(channel, content.clone(), None)
                .await
            {
                Ok(posted) => return Ok(posted),
                Err(e) if e.is_retryable() && attempt < POST_ATTEMPTS => {
                    let wait = e
                        .retry_after()
                        .unwrap_or_else(|| Duration::from_secs(1 << attempt));
                    tokio::time::sleep(wait.min(Duration::from_secs(60))).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The scheduler: runs each slot of `DIGEST_SCHEDULE` until `shutdown`. Started on every
    /// instance; the claim makes that safe.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let Some(schedule) = self.config.schedule.clone() else {
            tracing::info!("withdrawn-rider digest is off (DIGEST_SCHEDULE=off)");
            return;
        };
        let tz = self.locale.tz();
        // A slot missed while no instance was up still runs if it is the same day.
        let mut due = schedule.catch_up_slot(Utc::now(), tz);
        let mut retry_in = Duration::from_secs(60);
        loop {
            let slot = match due.take() {
                Some(slot) => slot,
                None => {
                    let Some(next) = schedule.next_after(Utc::now(), tz) else {
                        tracing::error!(
                            schedule = schedule.as_str(),
                            "DIGEST_SCHEDULE has no next occurrence; digest stopped"
                        );
                        return;
                    };
                    if !nap_until(next, &shutdown).await {
                        return;
                    }
                    next
                }
            };
            let outcome = tokio::select! {
                _ = shutdown.cancelled() => return,
                r = self.run_slot(slot) => r,
            };
            // When to look at this slot again: after a failure (with backoff), or when another
            // instance's claim could have gone stale — as long as it is still the slot's day.
            let again = match outcome {
                Ok(SlotOutcome::ClaimedElsewhere) => Some(STALE_CLAIM + Duration::from_secs(5)),
                Ok(_) => {
                    retry_in = Duration::from_secs(60);
                    None
                }
                Err(e) => {
                    tracing::warn!(error = crate::telemetry::chain(&e), %slot, retry_in_s = retry_in.as_secs(), "withdrawn-rider digest failed; will retry");
                    let wait = retry_in;
                    retry_in = (retry_in * 2).min(STALE_CLAIM);
                    Some(wait)
                }
            };
            if let Some(wait) = again {
                let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                let before_next = schedule.next_after(slot, tz).is_none_or(|n| at < n);
                if schedule::same_local_day(slot, at, tz) && before_next {
                    if !nap_until(at, &shutdown).await {
                        return;
                    }
                    due = Some(slot);
                }
            }
        }
    }
}

/// Sleeps until the wall clock reaches `at` (checking it at least every [`MAX_NAP`]);
/// false when shut down first.
async fn nap_until(at: DateTime<Utc>, shutdown: &CancellationToken) -> bool {
    loop {
        let left = at - Utc::now();
        let Ok(left) = left.to_std() else {
            return true;
        };
        if left.is_zero() {
            return true;
        }
        tokio::select! {
            _ = shutdown.cancelled() => return false,
            _ = tokio::time::sleep(left.min(MAX_NAP)) => {}
        }
    }
}
