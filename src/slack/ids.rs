//! The identifiers the bot gives its Slack elements, as enums: the modals' `callback_id`s,
//! the shortcuts' `callback_id`s (declared in the manifests) and the inputs' and buttons'
//! `action_id`s (an input's `block_id` is its `action_id`).
//! The contract fixes some of these strings (`rider_query`, `cancelled_at`, `reason`,
//! `policy`, `approve_expiry`, `reject_expiry`); the rest are the bot's own. The renderers
//! write them and [`super::payload`] reads them back, from this one table.
//!
//! Also here: what the digest's buttons carry as their `value`, written by the renderer and
//! read by the payload parser.

use chrono::{DateTime, Utc};

use crate::domain::RiderId;

/// Declares an enum of Slack identifiers with their fixed strings.
macro_rules! slack_ids {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

slack_ids!(
    /// `callback_id`s of the bot's modals.
    CallbackId {
        Request = "expiry_request",
        ChoosePolicy = "expiry_choose_policy",
        Reject = "expiry_reject",
    }
);

slack_ids!(
    /// `callback_id`s of the app's shortcuts, as `features.shortcuts` in `manifest.yml` and
    /// `manifest.socket-mode.yml` declares them (a test holds the manifests to this table).
    ShortcutId {
        /// The global shortcut "Expire insurance" (the ⚡ menu): the request modal.
        ExpireInsurance = "expire_insurance",
        /// The message shortcut "Expire insurance from this message" (a message's "More
        /// actions"): the request modal with the reason prefilled from the message.
        ExpireFromMessage = "expire_insurance_from_message",
    }
);

slack_ids!(
    /// `action_id`s of the bot's inputs and buttons (an input's `block_id` is the same).
    ActionId {
        RiderQuery = "rider_query",
        CancelledAt = "cancelled_at",
        Reason = "reason",
        Policy = "policy",
        Approve = "approve_expiry",
        Reject = "reject_expiry",
        /// The requester's Withdraw button (in the approval message and their DM). Value:
        /// the request ID.
        Withdraw = "withdraw_expiry",
        /// The reject modal's reason input.
        RejectReason = "reject_reason",
        /// Per digest rider: opens the request modal prefilled. Value: [`file_one_value`].
        DigestFileOne = "digest_file_one",
        /// Once per digest: files one request per listed policy. Value: the slot, unix s.
        DigestFileAll = "digest_file_all",
    }
);

/// The per-rider digest button's value: `"{rider_id}:{withdrawn unix s}"`.
pub fn file_one_value(rider_id: RiderId, withdrawn_at: Option<DateTime<Utc>>) -> String {
    match withdrawn_at {
        Some(t) => format!("{rider_id}:{}", t.timestamp()),
        None => format!("{rider_id}:"),
    }
}

/// Reads the per-rider button's value back.
pub fn parse_file_one_value(v: &str) -> Option<(RiderId, Option<DateTime<Utc>>)> {
    let (id, at) = v.split_once(':')?;
    let id = RiderId(id.parse().ok()?);
    let at = if at.is_empty() {
        None
    } else {
        Some(DateTime::<Utc>::from_timestamp(at.parse().ok()?, 0)?)
    };
    Some((id, at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn file_one_values_round_trip() {
        let t = Utc.with_ymd_and_hms(2026, 11, 1, 3, 4, 5).unwrap();
        assert_eq!(
            parse_file_one_value(&file_one_value(RiderId(7), Some(t))),
            Some((RiderId(7), Some(t)))
        );
        assert_eq!(
            parse_file_one_value(&file_one_value(RiderId(7), None)),
            Some((RiderId(7), None))
        );
        assert_eq!(parse_file_one_value("x:1"), None);
        assert_eq!(parse_file_one_value("7"), None);
    }

    #[test]
    fn the_contracts_ids_are_spelled_as_the_contract_says() {
        assert_eq!(ActionId::RiderQuery.as_str(), "rider_query");
        assert_eq!(ActionId::CancelledAt.as_str(), "cancelled_at");
        assert_eq!(ActionId::Reason.as_str(), "reason");
        assert_eq!(ActionId::Policy.as_str(), "policy");
        assert_eq!(ActionId::Approve.as_str(), "approve_expiry");
        assert_eq!(ActionId::Reject.as_str(), "reject_expiry");
        for a in ActionId::ALL {
            assert_eq!(ActionId::parse(a.as_str()), Some(*a));
        }
        for c in CallbackId::ALL {
            assert_eq!(CallbackId::parse(c.as_str()), Some(*c));
        }
        assert_eq!(ShortcutId::ExpireInsurance.as_str(), "expire_insurance");
        for s in ShortcutId::ALL {
            assert_eq!(ShortcutId::parse(s.as_str()), Some(*s));
            // Slack's limit on a shortcut's callback_id (manifest schema).
            assert!(s.as_str().len() <= 255);
        }
        assert_eq!(ActionId::parse("launch_missiles"), None);
    }
}
