//! Request bodies shaped exactly as Slack sends them. The builders live in the library
//! (`expire_bot::testkit::fixtures`), shared with `expire-bot demo`; this module only binds
//! them to the harness's approval channel.

use serde_json::Value;

use crate::harness::APPROVAL_CHANNEL;

pub use expire_bot::testkit::fixtures::{
    choice_submission, form, reject_submission, request_submission, slash_command,
};

/// A click on Approve or Reject in the approval message.
pub fn button_click(user_id: &str, action_id: &str, request_id: i64) -> Value {
    expire_bot::testkit::fixtures::button_click(APPROVAL_CHANNEL, user_id, action_id, request_id)
}
