//! The bot's fixed vocabularies, as types: where a request stands ([`RequestStatus`]), what
//! an approval did to the policy ([`PolicyOutcome`]), and which Slack call the outbox owes
//! ([`OutboxKind`]). Each has exactly one spelling for the database (`as_str`) and one way
//! back (`parse`), so no other module compares status strings.
//!
//! Two words that used to collide are apart now: a request that ran past its deadline is
//! [`RequestStatus::TimedOut`]; [`PolicyOutcome::Expired`] always means the *policy* was
//! expired by an approval.

use std::fmt;

/// A stored value that is none of the vocabulary's words (a corrupt or foreign row). The
/// value itself is not repeated: the message names only which vocabulary it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a known {0}")]
pub struct UnknownValue(pub &'static str);

/// Declares a vocabulary: an enum, its database spelling, and parsing back.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every word, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The spelling stored in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The word a stored spelling stands for.
            pub fn parse(s: &str) -> Result<$name, UnknownValue> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue($what)),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Compares with the database spelling (for code that reads raw rows: tests,
        /// tooling).
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownValue;
            fn try_from(s: String) -> Result<Self, UnknownValue> {
                $name::parse(&s)
            }
        }
    };
}

vocabulary!(
    /// `expiry_requests.status`.
    RequestStatus, "request status" {
        /// Waiting for a lead's decision.
        Pending = "PENDING",
        Approved = "APPROVED",
        Rejected = "REJECTED",
        /// No decision within `REQUEST_TTL`; the policy was not changed.
        TimedOut = "TIMED_OUT",
        /// The requester withdrew it before anyone decided; the policy was not changed.
        /// People read it as "withdrawn" (the insurer's *cancellation* is another thing).
        Cancelled = "CANCELLED",
    }
);

vocabulary!(
    /// What an approval did to the policy (`expiry_requests.outcome`).
    PolicyOutcome, "policy outcome" {
        /// The policy was expired by this request.
        Expired = "EXPIRED",
        /// The insurer's callback had already expired the policy; nothing was overwritten.
        AlreadyExpired = "ALREADY_EXPIRED",
        /// The policy row no longer exists.
        PolicyMissing = "POLICY_MISSING",
    }
);

vocabulary!(
    /// Kinds of Slack follow-up kept in `slack_outbox`; each row is one Slack call.
    OutboxKind, "outbox kind" {
        /// Post the approval request to the approvals channel (and remember its `ts`).
        PostRequest = "post_request",
        /// Tell the requester where the request went.
        NotifyFiled = "notify_filed",
        /// Reply in the request's thread with the outcome.
        ThreadReply = "thread_reply",
        /// Rewrite the request message: decision shown, buttons gone.
        UpdateMessage = "update_message",
        /// Tell the requester the outcome.
        NotifyDecided = "notify_decided",
        /// Reply in the thread that one approval of several was given. Numbered: one row
        /// per approval ([`OutboxKind::numbered`]).
        ApprovalReply = "approval_reply",
        /// Rewrite the request message with the approvals so far, buttons kept. Numbered.
        RefreshMessage = "refresh_message",
        /// The one reminder in the thread, mentioning the approvers.
        ReminderReply = "reminder_reply",
        /// Tell the requester the reminder went out.
        NotifyReminded = "notify_reminded",
        /// Republish the Home tabs that show the request, once the replica has the change.
        /// Numbered with the state it follows ([`OutboxKind::home_refresh`]); queued by the
        /// outbox itself when it has delivered the message change of that state.
        RefreshHomes = "refresh_homes",
    }
);

impl OutboxKind {
    /// The calls every decision owes (thread reply, message update, requester notice).
    pub const AFTER_DECISION: [OutboxKind; 3] = [
        OutboxKind::ThreadReply,
        OutboxKind::UpdateMessage,
        OutboxKind::NotifyDecided,
    ];
}

impl OutboxKind {
    /// The calls an approval that is not yet the last one needed owes (its thread reply and
    /// the message's refresh), each numbered with the approval's ordinal.
    pub const AFTER_APPROVAL_COUNTED: [OutboxKind; 2] =
        [OutboxKind::ApprovalReply, OutboxKind::RefreshMessage];

    /// The calls the reminder owes.
    pub const AFTER_REMINDER: [OutboxKind; 2] =
        [OutboxKind::ReminderReply, OutboxKind::NotifyReminded];

    /// The stored kind of a call owed once per approval: `approval_reply:2`. `slack_outbox`
    /// holds one row per (request, kind), so the ordinal is part of the kind; the
    /// PostgreSQL approval function (migration 0100) spells it the same way.
    pub fn numbered(self, ordinal: i32) -> String {
        format!("{}:{ordinal}", self.as_str())
    }

    /// A stored kind, plain or [`numbered`](OutboxKind::numbered).
    pub fn parse_stored(s: &str) -> Result<(OutboxKind, Option<i32>), UnknownValue> {
        match s.split_once(':') {
            None => Ok((OutboxKind::parse(s)?, None)),
            Some((kind, n)) => {
                let n = n.parse().map_err(|_| UnknownValue("outbox kind"))?;
                Ok((OutboxKind::parse(kind)?, Some(n)))
            }
        }
    }
}

impl OutboxKind {
    /// The Home refresh owed after `after`, the delivered row whose message change shows a
    /// new state of the request: the approval request posted (ordinal 0), the message
    /// refreshed after approval `n` of several (`n`), the message updated with the decision
    /// (the last ordinal). One row per state, so a refresh of an earlier state already done
    /// does not stop the refresh of the next one; `None` for rows that change no state.
    pub fn home_refresh(after: OutboxKind, ordinal: Option<i32>) -> Option<String> {
        let n = match after {
            OutboxKind::PostRequest => 0,
            OutboxKind::RefreshMessage => ordinal.unwrap_or(1),
            OutboxKind::UpdateMessage => i32::MAX,
            _ => return None,
        };
        Some(OutboxKind::RefreshHomes.numbered(n))
    }
}

/// What `decision_note` says when an approval kept a policy's earlier end time.
pub const KEPT_EARLIER_VALID_UNTIL: &str = "kept_earlier_valid_until";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_round_trips_and_nothing_else_parses() {
        for s in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(s.as_str()), Ok(*s));
        }
        for o in PolicyOutcome::ALL {
            assert_eq!(PolicyOutcome::parse(o.as_str()), Ok(*o));
        }
        for k in OutboxKind::ALL {
            assert_eq!(OutboxKind::parse(k.as_str()), Ok(*k));
        }
        assert_eq!(RequestStatus::TimedOut.as_str(), "TIMED_OUT");
        assert_eq!(PolicyOutcome::Expired.as_str(), "EXPIRED");
        assert_eq!(OutboxKind::PostRequest.as_str(), "post_request");
        assert_eq!(
            RequestStatus::parse("pending"),
            Err(UnknownValue("request status"))
        );
        assert_eq!(
            OutboxKind::parse_stored(&OutboxKind::ApprovalReply.numbered(2)),
            Ok((OutboxKind::ApprovalReply, Some(2)))
        );
        assert_eq!(
            OutboxKind::parse_stored("thread_reply"),
            Ok((OutboxKind::ThreadReply, None))
        );
        assert!(OutboxKind::parse_stored("approval_reply:x").is_err());
        assert!(OutboxKind::parse_stored("launch:1").is_err());
        assert_eq!(
            OutboxKind::parse("launch_missiles").map_err(|e| e.to_string()),
            Err("not a known outbox kind".to_owned())
        );
    }
}
