//! A policy an agent may pick, with its rider's details already masked: what a lookup
//! hands to the choice step, the filing, and the digest's bulk filing. Nothing raw is in
//! it, so it may be shown, logged in its masked form, and stored with a request.

use chrono::{DateTime, Utc};

use super::ids::{PolicyId, PolicyRef, RiderId};

/// One policy the agent may pick, with masked rider details.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Candidate {
    pub policy_id: PolicyId,
    pub rider_id: RiderId,
    pub rider_name_masked: String,
    pub rider_phone_masked: String,
    pub rider_birth_date_masked: String,
    /// `ACTIVE` or `WITHDRAWN` (the company's member status, as its table spells it).
    pub rider_status: String,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub insurer: String,
    pub policy_number_masked: String,
    pub policy_status: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
}

impl Candidate {
    /// The policy and its rider.
    pub fn policy_ref(&self) -> PolicyRef {
        PolicyRef {
            policy: self.policy_id,
            rider: self.rider_id,
        }
    }

    /// Whether the rider left the platform (the case a shared phone makes ambiguous).
    pub fn is_withdrawn(&self) -> bool {
        self.rider_status == WITHDRAWN
    }
}

/// The company's spelling of a withdrawn member (`riders.status`).
pub const WITHDRAWN: &str = "WITHDRAWN";
/// The company's spelling of an active policy or member.
pub const ACTIVE: &str = "ACTIVE";
