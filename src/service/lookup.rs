//! Finding the policy a CX agent means: rider lookups on the replica, and masking.
//!
//! Rows come back from the replica raw and are turned into [`Candidate`]s here, holding
//! masked values only; nothing raw is returned, logged or stored past this point except
//! the [`Found`]'s redactions, which can only be used to mask free text and never be read.
//! Lookups run on the replica under a statement timeout and within the Slack request's
//! deadline; when the replica cannot answer, [`ReadFallback`] decides between the primary
//! (counted and logged) and a clear "try again" for the agent.

use std::time::Duration;

use crate::deadline::Deadline;
use crate::domain::{Candidate, RiderId, RiderQuery};
use crate::mask;
use crate::store::{Primary, Replica, RiderPolicyRow};

use super::DbFailure;

/// Where lookups go when the replica does not answer (`READ_FALLBACK`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFallback {
    /// Fall back to the primary, with a warning log and a metric.
    Primary,
    /// Tell the agent the lookup is unavailable and to try again.
    Off,
}

/// Which server answered a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Replica,
    /// The replica could not answer and `READ_FALLBACK=primary` allowed the primary.
    Primary,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Replica => "replica",
            Source::Primary => "primary",
        }
    }
}

/// What the agent should know about where a lookup's answer came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Freshness {
    pub source: Source,
    /// Replication lag the replica reported alongside the lookup, when known.
    pub replica_lag_seconds: Option<f64>,
}

/// What a lookup found.
#[derive(Debug, Clone)]
pub struct Found {
    /// Active policies of the matching riders.
    pub candidates: Vec<Candidate>,
    /// Riders that matched but hold no active policy.
    pub riders_without_active_policy: usize,
    /// Where the rows were read, and how far behind the replica was.
    pub freshness: Freshness,
    redactions: Redactions,
}

/// The raw details of the riders a lookup found, kept only so free text about them can be
/// masked ([`Found::scrub`]); never readable, never printed (see [`mask::Known`]).
#[derive(Clone, Debug, Default)]
struct Redactions(mask::Known);

impl Found {
    /// Masks, inside free text typed by an agent (a reason), the names, phones and birth
    /// dates of the riders this lookup found in any written form, every phone number and
    /// anything shaped like a resident registration number ([`mask::scrub`]): the text is
    /// shown in a channel, and agents paste what is on their screen.
    pub fn scrub(&self, text: &str) -> String {
        mask::scrub(text, &self.redactions.0)
    }

    pub fn riders_matched(&self) -> usize {
        let mut ids: Vec<RiderId> = self.candidates.iter().map(|c| c.rider_id).collect();
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
    Db(DbFailure),
}

/// What the replica attempt leaves of the request's deadline when the primary may answer
/// instead: time for the fallback lookup and for filing after it. A healthy replica
/// answers in milliseconds; one that has not answered in a second is better left for the
/// primary the operator allowed (`READ_FALLBACK=primary`).
const AFTER_REPLICA_WITH_FALLBACK: Duration = Duration::from_millis(1200);
/// What a lookup leaves of the request's deadline for what follows it (filing).
const AFTER_LOOKUP: Duration = Duration::from_millis(400);

/// The rider lookup: the two handles and what to do when the replica cannot answer.
#[derive(Debug, Clone)]
pub struct Lookup {
    primary: Primary,
    replica: Replica,
    fallback: ReadFallback,
}

impl Lookup {
    pub fn new(primary: Primary, replica: Replica, fallback: ReadFallback) -> Lookup {
        Lookup {
            primary,
            replica,
            fallback,
        }
    }

    /// The replica, for the other reads of the company's tables (the digest's).
    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// Masks free text about one rider (a lead's reason for rejecting a request): with that
    /// rider's name, phone and birth date read on the replica within `within`, and in any
    /// case every phone number and anything shaped like a resident registration number
    /// ([`mask::scrub`]). When the replica cannot say in time the text is still scrubbed,
    /// of what needs no lookup: a rejection never waits on the replica.
    pub async fn scrub_about(&self, rider: RiderId, text: &str, within: Duration) -> String {
        let read = tokio::time::timeout(
            within,
            self.replica
                .find_rider_policies(&RiderQuery::RiderId(rider)),
        )
        .await;
        let mut known = mask::Known::default();
        match read {
            Ok(Ok(rows)) => {
                for row in &rows {
                    known.add(row.name.trim(), &row.phone, row.birth_date);
                }
            }
            Ok(Err(e)) => tracing::warn!(
                error = crate::telemetry::chain(&e),
                "the rider could not be read to mask a reason; masked without them"
            ),
            Err(_) => tracing::warn!(
                "the rider was not read in time to mask a reason; masked without them"
            ),
        }
        mask::scrub(text, &known)
    }

    /// Most riders a message shortcut's text is searched for (by the phones it holds): a
    /// ticket names one rider, rarely two; a pasted list is scrubbed of phones anyway.
    pub const MENTIONED_MAX: usize = 3;

    /// What [`mask::scrub`] needs to mask a message someone posted (the message shortcut's
    /// reason prefill) as a filing's reason is masked: the name, phone and birth date of
    /// the riders whose phones the text holds, read on the replica within `within` (never
    /// the primary: nothing is looked up for anyone to see, and a prefill never waits on a
    /// fallback). The raw rows are kept only inside the [`mask::Known`], which can only
    /// mask. When the replica cannot say in time the result knows no rider: the text is
    /// then scrubbed of what needs no lookup (every phone, anything shaped like a resident
    /// registration number), and the reason is scrubbed again with the looked-up rider
    /// when it is filed. Not an audited lookup: nothing read is shown.
    pub async fn riders_mentioned(&self, text: &str, within: Duration) -> mask::Known {
        let queries: Vec<RiderQuery> = mask::phones_in(text)
            .iter()
            .filter_map(|digits| crate::domain::Phone::parse(digits).ok())
            .take(Self::MENTIONED_MAX)
            .map(RiderQuery::Phone)
            .collect();
        let mut known = mask::Known::default();
        if queries.is_empty() {
            return known;
        }
        let reads =
            futures::future::join_all(queries.iter().map(|q| self.replica.find_rider_policies(q)));
        match tokio::time::timeout(within, reads).await {
            Ok(results) => {
                for rows in results {
                    match rows {
                        Ok(rows) => {
                            for row in &rows {
                                known.add(row.name.trim(), &row.phone, row.birth_date);
                            }
                        }
                        Err(e) => tracing::warn!(
                            error = crate::telemetry::chain(&e),
                            "a rider a message mentions could not be read to mask it; masked without them"
                        ),
                    }
                }
            }
            Err(_) => tracing::warn!(
                "the riders a message mentions were not read in time to mask it; masked without them"
            ),
        }
        known
    }

    /// Looks a rider up: replica first; then, if the replica is unreachable or too slow and
    /// `READ_FALLBACK` allows, the primary. Both attempts take their time from the Slack
    /// request's `deadline` (not budgets of their own), so the answer is never late; a
    /// lookup that runs out of it is [`LookupError::Unavailable`] — it reads only, so
    /// nothing is left behind.
    pub async fn find(
        &self,
        query: &RiderQuery,
        deadline: &Deadline,
    ) -> Result<Found, LookupError> {
        let replica_time = deadline.leaving(match self.fallback {
            ReadFallback::Primary => AFTER_REPLICA_WITH_FALLBACK,
            ReadFallback::Off => AFTER_LOOKUP,
        });
        let replica = tokio::time::timeout(replica_time, async {
            let rows = self.replica.find_rider_policies(query);
            let lag = self.replica.replica_lag_seconds();
            let (rows, lag) = tokio::join!(rows, lag);
            rows.map(|rows| (rows, lag.ok().flatten()))
        })
        .await;
        let failure = match replica {
            Ok(Ok((rows, lag))) => {
                if let Some(lag) = lag {
                    metrics::gauge!("expire_bot_replica_lag_seconds").set(lag);
                }
                return Ok(build(rows, Source::Replica, lag));
            }
            Ok(Err(e)) if !e.is_unavailable() => return Err(LookupError::Db(e.into())),
            Ok(Err(e)) => anyhow::Error::from(e),
            Err(_) => anyhow::anyhow!("replica lookup did not answer within {replica_time:?}"),
        };
        match self.fallback {
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
                    self.primary.find_rider_policies(query),
                )
                .await
                {
                    Ok(Ok(rows)) => Ok(build(rows, Source::Primary, None)),
                    Ok(Err(e)) if !e.is_unavailable() => Err(LookupError::Db(e.into())),
                    _ => Err(LookupError::Unavailable),
                }
            }
        }
    }
}

fn build(rows: Vec<RiderPolicyRow>, source: Source, lag: Option<f64>) -> Found {
    let mut candidates = Vec::new();
    let mut without = 0;
    let mut redactions = Redactions::default();
    for row in &rows {
        redactions
            .0
            .add(row.name.trim(), &row.phone, row.birth_date);
    }
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
        freshness: Freshness {
            source,
            replica_lag_seconds: lag,
        },
        redactions,
    }
}
