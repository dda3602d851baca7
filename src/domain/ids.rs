//! The identifiers the bot passes around, each its own type: a policy ID cannot be handed
//! where a rider ID is expected, and a pair of them is a [`PolicyRef`] with named fields,
//! never a bare tuple whose order a reader has to remember.
//!
//! On the wire (JSON, the database) they are the bare values: serde sees the number or the
//! string, so `private_metadata` and stored state keep their shape.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Declares an ID newtype over `i64`. Distinct types keep a policy ID from being passed
/// where a rider ID is expected; serde sees the bare number.
macro_rules! id_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                $name(id)
            }
        }
    };
}

id_newtype!(
    /// A rider, as the insurance database numbers them.
    RiderId
);
id_newtype!(
    /// An hourly insurance policy.
    PolicyId
);
id_newtype!(
    /// A request to expire a policy, awaiting or past its approval.
    RequestId
);
id_newtype!(
    /// One Slack call the outbox still owes (a `slack_outbox` row).
    OutboxId
);

/// A Slack user ID (`U…` or `W…`), as Slack sends it. Not personal data in the contract's
/// sense: it is what operators search the logs by, and what `<@…>` mentions are made of.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SlackUserId(String);

impl SlackUserId {
    pub fn new(id: impl Into<String>) -> SlackUserId {
        SlackUserId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Read as the text it is (comparisons, `<@…>` mentions, Web API arguments).
impl std::ops::Deref for SlackUserId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SlackUserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for SlackUserId {
    fn from(id: String) -> Self {
        SlackUserId(id)
    }
}

impl From<&str> for SlackUserId {
    fn from(id: &str) -> Self {
        SlackUserId(id.to_owned())
    }
}

impl PartialEq<str> for SlackUserId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for SlackUserId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// One policy and the rider it belongs to: what a choice offers and what a digest lists.
///
/// Serialised as the pair `[policy, rider]` (the shape the choice step's stored state has
/// always had), so a modal opened before an upgrade still submits after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "(PolicyId, RiderId)", into = "(PolicyId, RiderId)")]
pub struct PolicyRef {
    pub policy: PolicyId,
    pub rider: RiderId,
}

impl From<(PolicyId, RiderId)> for PolicyRef {
    fn from((policy, rider): (PolicyId, RiderId)) -> Self {
        PolicyRef { policy, rider }
    }
}

impl From<PolicyRef> for (PolicyId, RiderId) {
    fn from(r: PolicyRef) -> Self {
        (r.policy, r.rider)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_newtypes_are_bare_numbers_in_json_and_display() {
        assert_eq!(
            serde_json::to_string(&RiderId(7)).ok(),
            Some("7".to_owned())
        );
        assert_eq!(
            serde_json::from_str::<PolicyId>("-3").ok(),
            Some(PolicyId(-3))
        );
        assert_eq!(
            serde_json::to_string(&RequestId(99)).ok(),
            Some("99".to_owned())
        );
        assert!(serde_json::from_str::<RequestId>("\"99\"").is_err());
        assert_eq!(RiderId(7).to_string(), "7");
        assert_eq!(PolicyId(8).to_string(), "8");
        assert_eq!(RequestId(9).to_string(), "9");
        assert_eq!(format!("{:?}", RiderId(7)), "RiderId(7)");
    }
    #[test]
    fn a_policy_ref_is_the_pair_policy_then_rider_on_the_wire() {
        let r = PolicyRef {
            policy: PolicyId(5001),
            rider: RiderId(1001),
        };
        assert_eq!(
            serde_json::to_string(&r).ok(),
            Some("[5001,1001]".to_owned())
        );
        assert_eq!(
            serde_json::from_str::<PolicyRef>("[5001,1001]").ok(),
            Some(r)
        );
        assert_eq!(
            serde_json::to_string(&SlackUserId::new("U0A")).ok(),
            Some("\"U0A\"".to_owned())
        );
    }
}
