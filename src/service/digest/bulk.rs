//! "File requests for all": one expiry request per policy a digest listed, in one click.
//!
//! Nothing new decides here. Each policy is filed through [`Filing`], the same transaction
//! the request modal uses, so the rules hold per policy exactly as they do for a single
//! request: the clicker must be a requester (a [`Requester`] is demanded), a lead other
//! than the clicker must approve (the four-eyes check in the approval transaction), and
//! the unique index on pending requests per policy makes a second click — or a colleague's
//! simultaneous click, on any instance — come back as "already pending" instead of a second
//! request. Each filed request queues its own approval message through the outbox.
//!
//! What gets filed is what the digest listed (`digest_items`), re-read on the replica so
//! that a policy expired since the digest was posted is skipped. The cancellation time is
//! each rider's withdrawal time.

use chrono::{DateTime, Utc};

use super::scan;
use crate::domain::Reason;
use crate::domain::digest::BulkReport;
use crate::service::DbFailure;
use crate::service::filing::{self, Filing, Requester};
use crate::store::FileOutcome;

#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    /// The replica does not know this digest (yet): nothing was filed.
    #[error("digest not found on the replica")]
    UnknownDigest,
    #[error(transparent)]
    Db(#[from] DbFailure),
}

/// Files one request per open policy of the digest of `slot`, on behalf of `who`, each
/// with `reason` (the caller words it, in the language people read: it is shown in each
/// request's approval message).
pub async fn file_all(
    filing: &Filing,
    who: &Requester,
    slot: DateTime<Utc>,
    reason: &str,
) -> Result<BulkReport, BulkError> {
    let listed = scan::listed_now(filing.lookup().replica(), slot)
        .await?
        .ok_or(BulkError::UnknownDigest)?;
    let mut report = BulkReport {
        settled: listed.settled,
        ..BulkReport::default()
    };
    let reason = Reason::parse(reason);
    for candidate in listed.open {
        let now = Utc::now();
        let Some(cancelled_at) = candidate.withdrawn_at else {
            report.needs_individual += 1;
            continue;
        };
        if filing::check_cancelled_at(cancelled_at, now, Some(&candidate)).is_err() {
            report.needs_individual += 1;
            continue;
        }
        let Ok(reason) = &reason else {
            report.failed += 1;
            continue;
        };
        match filing
            .file_quietly(who, &candidate, cancelled_at, reason, None)
            .await
        {
            Ok(FileOutcome::Filed(_)) => report.filed += 1,
            Ok(FileOutcome::AlreadyPending(_) | FileOutcome::AlreadyFiled(_)) => {
                report.already_pending += 1
            }
            Err(e) => {
                tracing::error!(
                    error = crate::telemetry::chain(&e),
                    policy_id = candidate.policy_id.0,
                    "bulk filing of one policy failed"
                );
                report.failed += 1;
            }
        }
        if report.filed > 0 && report.filed.is_multiple_of(20) {
            // Long lists: let the outbox start posting while the rest is filed.
            filing.wake();
        }
    }
    if report.filed > 0 {
        filing.wake();
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
