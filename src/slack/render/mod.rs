//! Everything the bot shows in Slack, built from the domain's **masked** values only: a
//! [`Candidate`](crate::domain::Candidate), a stored [`Request`](crate::domain::Request),
//! a digest [`Scan`](crate::domain::digest::Scan), a
//! [`History`](crate::domain::history::History). The renderers never see raw personal data,
//! so they cannot leak it, and they depend on nothing but the domain and Slack's own
//! tables here ([`crate::slack::limits`], [`crate::slack::ids`]) — no service, no store.
//!
//! Every text comes from the message catalogues (`locales/{ko,en}`): each builder takes a
//! [`Locale`](crate::i18n::Locale) — the configured `UI_LANGUAGE`'s messages and
//! `DISPLAY_TZ` — and names messages by id with `tr!`; the words, plurals and status words
//! are the catalogue's, the values (masked data, IDs, formatted times) this module's.
//!
//! Every builder stays inside Slack's limits for any input the bot accepts, in both
//! languages (the property test in `tests/fuzz.rs` renders hostile data through each one,
//! in Korean and in English, and checks it against the strict stand-in's validator).
//!
//! - [`blocks`]: shared pieces (inert free text, display sizes, sections, times).
//! - [`modals`]: the request form (and the message shortcut's reason prefill), the choice
//!   step, "filed", the reject form, a shortcut's refusal.
//! - [`messages`]: the approval request, the decided message, thread reply, notices.
//! - [`digest`]: the withdrawn-rider digest and the bulk filing's answer.
//! - [`history`]: the answer to `/expire-insurance history`.
//! - [`help`]: the answer to `/expire-insurance help`.
//! - [`home`]: the App Home tab.

pub mod blocks;
pub mod digest;
pub mod help;
pub mod history;
pub mod home;
pub mod messages;
pub mod modals;

pub use blocks::{free, message_link, rich, text};
pub use digest::{all_clear, bulk_answer, bulk_reason, digest_messages};
pub use help::help_text;
pub use history::history_text;
pub use home::{Home, Listed, home_view};
pub use messages::{
    REQUEST_EVENT_TYPE, approval_message, approval_reply, decided_message, decided_notice,
    delivery_failed_notice, filed_notice, outcome_line, reminded_notice, reminder_reply,
    request_metadata, thread_reply,
};
pub use modals::{
    ApprovalRules, REASON_MAX_LENGTH, RequestModalJson, choose_policy_modal, filed_modal,
    notice_modal, reason_prefill, reject_modal, request_modal, request_modal_with_reason,
};
