//! The digest's reads of the company's tables, on the replica, and their masking.
//!
//! Like [`crate::service::lookup`] for the request modal, this is the one place the digest
//! sees raw rider rows (names, phones): they come back from the replica and are turned into
//! [`DigestRider`]s and [`Candidate`]s holding masked values only, before anything else — a
//! Slack builder, a log line, the bulk filer — gets them. Nothing here falls back to the primary: the
//! digest is not urgent, and the primary must not carry scans of `riders` (a failed scan
//! is retried later by the scheduler).

use chrono::{DateTime, Utc};

use crate::domain::Candidate;
use crate::domain::candidate::{ACTIVE, WITHDRAWN};
use crate::domain::digest::{DigestPolicy, DigestRider, Scan};
use crate::mask;
use crate::service::DbFailure;
use crate::store::{Replica, WithdrawnPolicyRow};

/// The most policies one digest lists. Far above a normal day's handful, low enough that
/// a backlog (say, the first digest after deployment) stays a readable number of messages;
/// past it the digest says plainly how many more there are.
pub const MAX_LISTED_POLICIES: i64 = 1000;

/// Scans the replica for withdrawn riders holding an active policy.
pub async fn scan(replica: &Replica) -> Result<Scan, DbFailure> {
    scan_with_limit(replica, MAX_LISTED_POLICIES).await
}

/// [`scan`] with a given cap on listed policies (tests use a small one).
pub async fn scan_with_limit(replica: &Replica, limit: i64) -> Result<Scan, DbFailure> {
    let limit = limit.max(1);
    // One row more than the limit tells "exactly the limit" from "more than the limit".
    let mut rows = replica.withdrawn_with_active_policy(limit + 1).await?;
    let keep = usize::try_from(limit).unwrap_or(usize::MAX);
    let hit_limit = rows.len() > keep;
    // The rider at the cut may have more policies beyond it: leave that rider for the next
    // digest rather than show half of their policies.
    let last_is_partial = hit_limit
        && rows
            .get(keep)
            .zip(rows.get(keep - 1))
            .is_some_and(|(next, last)| next.rider_id == last.rider_id);
    rows.truncate(keep);
    let mut riders = group(rows);
    if last_is_partial && riders.len() > 1 {
        riders.pop();
    }
    let (total_riders, total_policies) = if hit_limit {
        replica.count_withdrawn_with_active_policy().await?
    } else {
        let policies = riders.iter().map(|r| r.policies.len() as i64).sum();
        (riders.len() as i64, policies)
    };
    Ok(Scan {
        riders,
        total_riders,
        total_policies,
    })
}

/// Groups rows (ordered by rider) into masked riders. Raw values are dropped here.
fn group(rows: Vec<WithdrawnPolicyRow>) -> Vec<DigestRider> {
    let mut riders: Vec<DigestRider> = Vec::new();
    for row in rows {
        let policy = DigestPolicy {
            policy_id: row.policy_id,
            insurer: row.insurer,
            policy_number_masked: mask::policy_number(&row.policy_number),
            valid_from: row.valid_from,
        };
        match riders.last_mut() {
            Some(last) if last.rider_id == row.rider_id => last.policies.push(policy),
            _ => riders.push(DigestRider {
                rider_id: row.rider_id,
                name_masked: mask::name(&row.name),
                phone_masked: mask::phone(&row.phone),
                withdrawn_at: row.withdrawn_at,
                policies: vec![policy],
            }),
        }
    }
    riders
}

/// The policies a digest listed, as the replica shows them now, split into those that
/// still need expiring (masked, ready to file) and how many no longer do.
#[derive(Debug, Clone)]
pub struct ListedNow {
    pub open: Vec<Candidate>,
    /// Listed, but the policy is no longer active or the rider no longer withdrawn.
    pub settled: usize,
}

/// Re-reads what the digest of `slot` listed. `None` when the replica does not know that
/// digest (not replicated yet, or an unknown slot).
pub async fn listed_now(
    replica: &Replica,
    slot: DateTime<Utc>,
) -> Result<Option<ListedNow>, DbFailure> {
    let rows = replica.digest_items_now(slot).await?;
    if rows.is_empty() && !replica.digest_run_exists(slot).await? {
        return Ok(None);
    }
    let mut open = Vec::new();
    let mut settled = 0;
    for row in rows {
        if row.policy_status != ACTIVE || row.rider_status != WITHDRAWN {
            settled += 1;
            continue;
        }
        open.push(Candidate {
            policy_id: row.policy_id,
            rider_id: row.rider_id,
            rider_name_masked: mask::name(&row.name),
            rider_phone_masked: mask::phone(&row.phone),
            // Not read by the digest's query and not shown anywhere on this path.
            rider_birth_date_masked: mask::birth_date(None),
            rider_status: row.rider_status,
            withdrawn_at: row.withdrawn_at,
            insurer: row.insurer,
            policy_number_masked: mask::policy_number(&row.policy_number),
            policy_status: row.policy_status,
            valid_from: row.valid_from,
            valid_until: row.valid_until,
        });
    }
    Ok(Some(ListedNow { open, settled }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    use crate::domain::{PolicyId, RiderId};

    fn row(rider: i64, policy: i64) -> WithdrawnPolicyRow {
        let t = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        WithdrawnPolicyRow {
            rider_id: RiderId(rider),
            name: "홍길동".into(),
            phone: "01055501234".into(),
            rider_status: "WITHDRAWN".into(),
            withdrawn_at: Some(t),
            policy_id: PolicyId(policy),
            insurer: "한빛손해보험".into(),
            policy_number: "HB-2026-123456".into(),
            policy_status: "ACTIVE".into(),
            valid_from: t,
            valid_until: None,
        }
    }

    #[test]
    fn rows_group_by_rider_and_come_out_masked() {
        let riders = group(vec![row(1, 10), row(1, 11), row(2, 20)]);
        assert_eq!(riders.len(), 2);
        assert_eq!(riders[0].policies.len(), 2);
        assert_eq!(riders[0].name_masked, "홍*동");
        assert_eq!(riders[0].phone_masked, "010-****-1234");
        assert_eq!(riders[0].policies[0].policy_number_masked, "**********3456");
        let shown = format!("{riders:?}");
        assert!(!shown.contains("홍길동") && !shown.contains("01055501234"));
    }
}
