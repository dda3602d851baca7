//! The rules of the product, in one layer between the Slack handlers and the database.
//!
//! - [`filing`]: who may file (the requester rule, applied once, and proved by a
//!   [`filing::Requester`] value every filing operation demands), and the request modal's
//!   whole path: parse, look up, branch, file, wake the outbox.
//! - [`deciding`]: who may decide (the approver rule and the four-eyes rule), approving
//!   (one approval of several, or the last), rejecting, the requester's withdrawal, timing
//!   out, the reminder, and the outbox wake after each.
//! - [`workflow`]: how many approvals a request needs (`APPROVALS_REQUIRED`, the
//!   `SECOND_APPROVAL_BACKDATE` rule) and when it is reminded (`REMIND_AFTER`).
//! - [`lookup`]: rider lookups on the replica, the `READ_FALLBACK` choice, and masking.
//! - [`history`], [`digest`]: `/expire-insurance history` and the withdrawn-rider digest's
//!   scan and bulk filing.
//! - [`events`]: Events API deliveries, taken once across instances (by `event_id`).
//! - [`home`]: what one person's App Home tab shows (replica reads).
//! - [`forms`]: the choice step's state when it does not fit the view.
//! - [`access`]: who may reach the bot at all (this workspace and app only; no guests),
//!   and the per-person lookup limit and audit.
//! - [`health`]: the one probe of both databases, for `/readyz` and the gauges.
//!
//! What this layer takes is values (durations, a time zone, [`lookup::ReadFallback`]) and
//! two small traits — [`Directory`] (who is a requester, who an approver) and [`Wake`]
//! (tell the outbox there is work) — never Slack or HTTP types and never the `Config`. So a
//! rule can be read, and tested, without a transport; and the Slack layer cannot forget
//! one, because it has nothing else to call.

pub mod access;
pub mod deciding;
pub mod digest;
pub mod events;
pub mod filing;
pub mod forms;
pub mod health;
pub mod history;
pub mod home;
pub mod lookup;
pub mod workflow;

use futures::future::BoxFuture;

use crate::deadline::Deadline;
use crate::domain::SlackUserId;
use crate::store::StoreError;

/// Who belongs to the requesters and to the approvers. Implemented over Slack's user groups
/// (`slack::audience`), read in the background; an answer must never wait on Slack past
/// the request's `deadline`.
pub trait Directory: Send + Sync {
    /// Whether `user` may file requests (`REQUESTER_*`; unset lets everyone in).
    fn is_requester<'a>(
        &'a self,
        user: &'a SlackUserId,
        deadline: &'a Deadline,
    ) -> BoxFuture<'a, Result<bool, Unverifiable>>;

    /// Whether `user` may decide requests (`APPROVER_*`; unset lets nobody in).
    fn is_approver<'a>(
        &'a self,
        user: &'a SlackUserId,
        deadline: &'a Deadline,
    ) -> BoxFuture<'a, Result<bool, Unverifiable>>;

    /// What Slack's profile says about `user` (their workspace, whether a guest), read
    /// within `deadline` or from a recent read.
    fn person<'a>(
        &'a self,
        user: &'a SlackUserId,
        deadline: &'a Deadline,
    ) -> BoxFuture<'a, Result<access::Person, Unverifiable>>;
}

/// Tells the outbox worker a transaction just queued Slack calls. Waking is only a hint
/// (the worker also polls): a lost wake delays a message by a second, it loses nothing.
pub trait Wake: Send + Sync {
    fn wake(&self);
}

/// The outbox worker waits on a [`tokio::sync::Notify`]; a wake is one permit.
impl Wake for tokio::sync::Notify {
    fn wake(&self) {
        self.notify_one();
    }
}

/// Why membership could not be confirmed either way (the directory fails closed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unverifiable {
    /// Slack refuses to list the group, and retrying will not change that.
    #[error("the user group cannot be read (Slack: {0})")]
    GroupUnreadable(String),
    /// Reads have failed for longer than the last list may be trusted.
    #[error("the user group's member list is too old to be trusted")]
    ListTooOld,
    /// No read has succeeded yet, and none did within the request's deadline.
    #[error("the user group's member list has not been read yet")]
    NotReadYet,
    /// Slack refuses to show the person's profile (`users.info`), so whether they are a
    /// guest, or of this workspace, is unknown.
    #[error("the person's profile cannot be read (Slack: {0})")]
    ProfileUnreadable(String),
}

impl Unverifiable {
    /// The `why` metric label.
    pub fn label(&self) -> &'static str {
        match self {
            Unverifiable::GroupUnreadable(_) => "group_unreadable",
            Unverifiable::ListTooOld => "list_too_old",
            Unverifiable::NotReadYet => "list_not_read_yet",
            Unverifiable::ProfileUnreadable(_) => "profile_unreadable",
        }
    }
}

/// Why someone may not do what they tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAllowed {
    /// They are not in the audience.
    NotListed,
    /// Their membership could not be confirmed, so they are refused.
    Unverifiable(Unverifiable),
    /// A guest, or someone of another workspace: never a requester.
    NotAMember(access::NotAMember),
}

/// A database failure as the services report it: whether trying again later can help, and
/// the cause, for the log only.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DbFailure(#[from] StoreError);

impl DbFailure {
    /// The store's error, for the workers, which record it as theirs.
    pub fn into_store(self) -> StoreError {
        self.0
    }

    /// The database could not be reached or did not answer in time.
    pub fn is_unavailable(&self) -> bool {
        self.0.is_unavailable()
    }
}
