//! Finding the policy a CX agent means: rider lookups on the replica, and masking.
//!
//! This is the only module that sees raw personal data. Rows come back from the replica
//! and are turned into [`Candidate`]s, which hold masked values only; nothing raw is
//! returned, logged or stored past this point. Lookups run on the replica under a
//! statement timeout and within the Slack request's deadline; when the replica cannot
//! answer, `READ_FALLBACK` decides between the primary (counted and logged) and a clear
//! "try again" for the agent.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::ReadFallback;
use crate::deadline::Deadline;
use crate::domain::RiderQuery;
use crate::mask;
use crate::store::{self, Role, Store, StoreError};

/// One policy the agent may pick, with masked rider details.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Candidate {
    pub policy_id: i64,
    pub rider_id: i64,
    pub rider_name_masked: String,
    pub rider_phone_masked: String,
    pub rider_birth_date_masked: String,
    /// `ACTIVE` or `WITHDRAWN`.
    pub rider_status: String,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub insurer: String,
    pub policy_number_masked: String,
    pub policy_status: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
}

/// What a lookup found.
#[derive(Debug, Clone)]
pub struct Found {
    /// Active policies of the matching riders.
    pub candidates: Vec<Candidate>,
    /// Riders that matched but hold no active policy.
    pub riders_without_active_policy: usize,
    /// Where the rows were read: the replica, or the primary as a fallback.
    pub source: Role,
    /// Replication lag the replica reported alongside the lookup, when known.
    pub replica_lag_seconds: Option<f64>,
    redactions: Redactions,
}

/// The raw details of the riders a lookup found, kept only so free text about them can be
/// masked ([`Found::scrub`]); never readable, never printed.
#[derive(Clone, Default)]
struct Redactions(Vec<(String, String)>);

impl std::fmt::Debug for Redactions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactions({} values)", self.0.len())
    }
}

impl Found {
    /// Masks, inside free text typed by an agent (a reason), the names and birth dates of
    /// the riders this lookup found and every phone number: the text is shown in a
    /// channel, and agents paste what is on their screen.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (raw, masked) in &self.redactions.0 {
            if out.contains(raw.as_str()) {
                out = out.replace(raw.as_str(), masked);
            }
        }
        mask::scrub_phones(&out)
    }

    pub fn riders_matched(&self) -> usize {
        let mut ids: Vec<i64> = self.candidates.iter().map(|c| c.rider_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len() + self.riders_without_active_policy
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// The replica cannot answer and falling back is off (or the primary failed too).
    #[error("lookup unavailable")]
    Unavailable,
    #[error(transparent)]
    Store(StoreError),
}

/// What the replica attempt leaves of the request's deadline when the primary may answer
/// instead: time for the fallback lookup and for filing after it. A healthy replica
/// answers in milliseconds; one that has not answered in a second is better left for the
/// primary the operator allowed (`READ_FALLBACK=primary`).
const AFTER_REPLICA_WITH_FALLBACK: Duration = Duration::from_millis(1200);
/// What a lookup leaves of the request's deadline for what follows it (filing).
const AFTER_LOOKUP: Duration = Duration::from_millis(400);

/// Looks a rider up: replica first; then, if the replica is unreachable or too slow and
/// `fallback` allows, the primary. Both attempts take their time from the Slack request's
/// `deadline` (not budgets of their own), so the answer is never late; a lookup that runs
/// out of it is [`LookupError::Unavailable`] — it reads only, so nothing is left behind.
pub async fn find(
    store: &Store,
    fallback: ReadFallback,
    query: &RiderQuery,
    deadline: &Deadline,
) -> Result<Found, LookupError> {
    let replica_time = deadline.leaving(match fallback {
        ReadFallback::Primary => AFTER_REPLICA_WITH_FALLBACK,
        ReadFallback::Off => AFTER_LOOKUP,
    });
    let replica = tokio::time::timeout(replica_time, async {
        let rows = store::find_rider_policies(&store.replica, Role::Replica, query);
        let lag = store::replica_lag_seconds(&store.replica);
        let (rows, lag) = tokio::join!(rows, lag);
        rows.map(|rows| (rows, lag.ok().flatten()))
    })
    .await;
    let failure = match replica {
        Ok(Ok((rows, lag))) => {
            if let Some(lag) = lag {
                metrics::gauge!("expire_bot_replica_lag_seconds").set(lag);
            }
            return Ok(build(rows, Role::Replica, lag));
        }
        Ok(Err(e)) if !e.is_unavailable() => return Err(LookupError::Store(e)),
        Ok(Err(e)) => anyhow::Error::from(e),
        Err(_) => anyhow::anyhow!("replica lookup did not answer within {replica_time:?}"),
    };
    match fallback {
        ReadFallback::Off => {
            tracing::warn!(
                error = format!("{failure:#}"),
                "replica unavailable; READ_FALLBACK=off, agent asked to retry"
            );
            metrics::counter!("expire_bot_replica_fallbacks_total", "outcome" => "refused")
                .increment(1);
            Err(LookupError::Unavailable)
        }
        ReadFallback::Primary => {
            tracing::warn!(
                error = format!("{failure:#}"),
                "replica unavailable; falling back to the primary for this lookup"
            );
            metrics::counter!("expire_bot_replica_fallbacks_total", "outcome" => "primary")
                .increment(1);
            match tokio::time::timeout(
                deadline.leaving(AFTER_LOOKUP),
                store::find_rider_policies(&store.primary, Role::Primary, query),
            )
            .await
            {
                Ok(Ok(rows)) => Ok(build(rows, Role::Primary, None)),
                Ok(Err(e)) if !e.is_unavailable() => Err(LookupError::Store(e)),
                _ => Err(LookupError::Unavailable),
            }
        }
    }
}

fn build(rows: Vec<store::RiderPolicyRow>, source: Role, lag: Option<f64>) -> Found {
    let mut candidates = Vec::new();
    let mut without = 0;
    let mut redactions = Redactions::default();
    for row in &rows {
        // A one-character name would mask every occurrence of that character.
        if row.name.trim().chars().count() >= 2 {
            redactions
                .0
                .push((row.name.trim().to_owned(), mask::name(&row.name)));
        }
        if let Some(b) = row.birth_date {
            let masked = mask::birth_date(Some(b));
            for form in ["%Y-%m-%d", "%Y.%m.%d", "%Y%m%d", "%Y/%m/%d"] {
                redactions
                    .0
                    .push((b.format(form).to_string(), masked.clone()));
            }
        }
    }
    // Longest first, so "남궁민수" is replaced before a shorter name inside it.
    redactions
        .0
        .sort_by_key(|(raw, _)| std::cmp::Reverse(raw.chars().count()));
    for row in rows {
        match (
            row.policy_id,
            row.insurer,
            row.policy_number,
            row.valid_from,
        ) {
            (Some(policy_id), Some(insurer), Some(number), Some(valid_from)) => {
                candidates.push(Candidate {
                    policy_id,
                    rider_id: row.rider_id,
                    rider_name_masked: mask::name(&row.name),
                    rider_phone_masked: mask::phone(&row.phone),
                    rider_birth_date_masked: mask::birth_date(row.birth_date),
                    rider_status: row.rider_status,
                    withdrawn_at: row.withdrawn_at,
                    insurer,
                    policy_number_masked: mask::policy_number(&number),
                    policy_status: row.policy_status.unwrap_or_default(),
                    valid_from,
                    valid_until: row.valid_until,
                })
            }
            _ => without += 1,
        }
    }
    Found {
        candidates,
        riders_without_active_policy: without,
        source,
        replica_lag_seconds: lag,
        redactions,
    }
}

/// Why a cancellation time cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeProblem {
    InFuture,
    BeforePolicyBegan(DateTime<Utc>),
}

/// Slack's datetimepicker has minute resolution and clocks drift; a minute of slack keeps
/// "now" from being refused as "the future".
const FUTURE_TOLERANCE: chrono::Duration = chrono::Duration::seconds(60);

pub fn check_cancelled_at(
    cancelled_at: DateTime<Utc>,
    now: DateTime<Utc>,
    candidate: Option<&Candidate>,
) -> Result<(), TimeProblem> {
    if cancelled_at > now + FUTURE_TOLERANCE {
        return Err(TimeProblem::InFuture);
    }
    if let Some(c) = candidate
        && cancelled_at < c.valid_from
    {
        return Err(TimeProblem::BeforePolicyBegan(c.valid_from));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn cand(valid_from: DateTime<Utc>) -> Candidate {
        Candidate {
            policy_id: 1,
            rider_id: 1,
            rider_name_masked: "홍*동".into(),
            rider_phone_masked: "010-****-5678".into(),
            rider_birth_date_masked: "1990-**-**".into(),
            rider_status: "ACTIVE".into(),
            withdrawn_at: None,
            insurer: "A".into(),
            policy_number_masked: "****1234".into(),
            policy_status: "ACTIVE".into(),
            valid_from,
            valid_until: None,
        }
    }

    #[test]
    fn cancellation_time_rules() {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let began = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let c = cand(began);
        assert_eq!(check_cancelled_at(now, now, Some(&c)), Ok(()));
        assert_eq!(
            check_cancelled_at(now + chrono::Duration::seconds(30), now, Some(&c)),
            Ok(())
        );
        assert_eq!(
            check_cancelled_at(now + chrono::Duration::hours(1), now, Some(&c)),
            Err(TimeProblem::InFuture)
        );
        assert_eq!(
            check_cancelled_at(began - chrono::Duration::hours(1), now, Some(&c)),
            Err(TimeProblem::BeforePolicyBegan(began))
        );
        assert_eq!(check_cancelled_at(began, now, None), Ok(()));
    }
}
