//! "File requests for all": one expiry request per policy a digest listed, in one click.
//!
//! Nothing new decides here. Each policy is filed through [`approval::file`], the same
//! transaction the request modal uses, so the rules hold per policy exactly as they do for
//! a single request: the clicker is the requester, a lead other than the clicker must
//! approve (the four-eyes check in the approval transaction), and the unique index on
//! pending requests per policy makes a second click — or a colleague's simultaneous click,
//! on any instance — come back as "already pending" instead of a second request. Each filed
//! request queues its own approval message through the outbox.
//!
//! What gets filed is what the digest listed (`digest_items`), re-read on the replica so
//! that a policy expired since the digest was posted is skipped. The cancellation time is
//! each rider's withdrawal time.

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::approval::{self, Filing};
use crate::digest::scan;
use crate::domain::Reason;
use crate::lookup;
use crate::store::{FileOutcome, StoreError};

/// What one click came to, per policy listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkReport {
    /// New requests filed by this click.
    pub filed: usize,
    /// A request for the policy was already waiting for a decision.
    pub already_pending: usize,
    /// Expired since the digest, or the rider is no longer withdrawn.
    pub settled: usize,
    /// No withdrawal time, or one before the policy began: a person must pick the time.
    pub needs_individual: usize,
    /// The primary refused the filing; a click again retries these.
    pub failed: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    /// The replica does not know this digest (yet): nothing was filed.
    #[error("digest not found on the replica")]
    UnknownDigest,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Files one request per open policy of the digest of `slot`, on behalf of `clicker`.
pub async fn file_all(
    app: &App,
    slot: DateTime<Utc>,
    clicker: &str,
) -> Result<BulkReport, BulkError> {
    let listed = scan::listed_now(&app.store, slot)
        .await?
        .ok_or(BulkError::UnknownDigest)?;
    let mut report = BulkReport {
        settled: listed.settled,
        ..BulkReport::default()
    };
    let date = slot
        .with_timezone(&app.config.display_tz)
        .format("%Y-%m-%d")
        .to_string();
    for candidate in listed.open {
        let now = Utc::now();
        let Some(cancelled_at) = candidate.withdrawn_at else {
            report.needs_individual += 1;
            continue;
        };
        if lookup::check_cancelled_at(cancelled_at, now, Some(&candidate)).is_err() {
            report.needs_individual += 1;
            continue;
        }
        let Ok(reason) = Reason::parse(&format!(
            "Rider withdrew but the policy stayed active (withdrawn-rider digest of {date}); filed for all listed policies. Cancellation time = withdrawal time."
        )) else {
            report.failed += 1;
            continue;
        };
        let filing = Filing {
            requester: clicker.to_owned(),
            candidate,
            cancelled_at,
            reason,
            now,
            ttl: app.config.request_ttl,
        };
        match approval::file(&app.store, &filing).await {
            Ok(FileOutcome::Filed(_)) => report.filed += 1,
            Ok(FileOutcome::AlreadyPending(_)) => report.already_pending += 1,
            Err(e) => {
                tracing::error!(
                    error = crate::telemetry::chain(&e),
                    policy_id = filing.candidate.policy_id,
                    "bulk filing of one policy failed"
                );
                report.failed += 1;
            }
        }
        if report.filed > 0 && report.filed.is_multiple_of(20) {
            // Long lists: let the outbox start posting while the rest is filed.
            app.outbox_wake.notify_one();
        }
    }
    if report.filed > 0 {
        app.outbox_wake.notify_one();
    }
    tracing::info!(
        slot = %slot,
        filed = report.filed,
        already_pending = report.already_pending,
        settled = report.settled,
        needs_individual = report.needs_individual,
        failed = report.failed,
        "digest bulk filing"
    );
    Ok(report)
}
