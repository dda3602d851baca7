//! The withdrawn-rider digest as the bot shows it: riders who withdrew but still hold an
//! active hourly policy, masked, and what a click on "File requests for all" came to.
//! Built by `service::digest` from raw rows; rendered by `slack::render::digest`.

use chrono::{DateTime, Utc};

use super::ids::{PolicyId, PolicyRef, RiderId};

/// One active policy of a withdrawn rider, masked.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestPolicy {
    pub policy_id: PolicyId,
    pub insurer: String,
    pub policy_number_masked: String,
    pub valid_from: DateTime<Utc>,
}

/// A withdrawn rider who still holds at least one active policy, masked.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestRider {
    pub rider_id: RiderId,
    pub name_masked: String,
    pub phone_masked: String,
    /// `None` when the company's data has a WITHDRAWN rider without a withdrawal time.
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub policies: Vec<DigestPolicy>,
}

/// What a digest's scan found.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    /// Oldest withdrawal first; at most the digest's limit of policies in all.
    pub riders: Vec<DigestRider>,
    /// All withdrawn riders holding an active policy, listed or not.
    pub total_riders: i64,
    pub total_policies: i64,
}

impl Scan {
    pub fn listed_policies(&self) -> usize {
        self.riders.iter().map(|r| r.policies.len()).sum()
    }

    /// Whether some riders were left out of the list (the digest then says how many).
    pub fn is_cut(&self) -> bool {
        (self.riders.len() as i64) < self.total_riders
    }

    /// The listed policies in display order, as recorded for the bulk button.
    pub fn items(&self) -> Vec<PolicyRef> {
        self.riders
            .iter()
            .flat_map(|r| {
                r.policies.iter().map(move |p| PolicyRef {
                    policy: p.policy_id,
                    rider: r.rider_id,
                })
            })
            .collect()
    }
}

/// What one click on "File requests for all" came to, per policy listed.
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

/// The last digest posted, as the approvers' Home tab names it: when, how many riders and
/// policies it listed, and where its first message is (`None` for a digest posted before
/// the bot recorded that, or one that posted nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastDigest {
    pub posted_at: DateTime<Utc>,
    pub riders: i64,
    pub policies: i64,
    pub channel_id: Option<String>,
    pub message_ts: Option<String>,
}
