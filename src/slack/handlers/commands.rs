//! `/expire-insurance`: open the request modal, or answer `help` and `history`.
//!
//! Slack's `trigger_id` is only good for three seconds, so the modal is opened before the
//! command is acknowledged, within the request's [`Deadline`]. If Slack is slower than
//! that, the command is answered anyway ("opening…") and the opening goes on; should it
//! fail, the agent is told in the channel. What the agent typed is prefilled into the
//! modal and never logged. Everything but `help` is for requesters only.

use std::sync::Arc;

use super::{Ctx, Reply, not_a_requester, query_error};
use crate::deadline::{self, Deadline, Finished};
use crate::service::filing::Requester;
use crate::service::history::HistoryError;
use crate::slack::budget;
use crate::slack::payload::Command;
use crate::slack::render;
use crate::tr;

/// The contract's command.
pub const COMMAND: &str = "/expire-insurance";

pub async fn handle(ctx: &Arc<Ctx>, cmd: Command, deadline: &Deadline) -> Reply {
    let l = ctx.locale;
    if cmd.text.eq_ignore_ascii_case("help") {
        return Reply::ephemeral(render::help_text(l));
    }
    let who = match ctx.filing.requester(&cmd.user, deadline).await {
        Ok(who) => who,
        Err(why) => return Reply::ephemeral(not_a_requester(l, &why)),
    };
    if let Some(rest) = history_query(&cmd.text) {
        // Boxed: the command's future stays small (see `super::handle`).
        return Box::pin(history_reply(ctx, &who, rest, deadline)).await;
    }
    let view = ctx.request_modal.with_prefill(&cmd.text);
    let opening = {
        let (slack, trigger) = (ctx.slack.clone(), cmd.trigger_id.clone());
        async move { slack.open_view_json(&trigger, view).await }
    };
    let late = {
        let (slack, channel, user) = (ctx.slack.clone(), cmd.channel.clone(), cmd.user.clone());
        move |opened: Result<(), crate::slack::api::SlackCallError>| async move {
            if let Err(e) = opened {
                tracing::warn!(error = %e.code(), "could not open the request modal (after the answer)");
                let text = tr!(l, "command-open-form-failed", code = e.code());
                budget::tell(&slack, &channel, user.as_str(), text).await;
            }
        }
    };
    match deadline::finish_or_hand_over(deadline, opening, late).await {
        Finished::InTime(Ok(())) => Reply::Empty,
        Finished::InTime(Err(e)) => {
            tracing::warn!(error = %e.code(), "could not open the request modal");
            Reply::ephemeral(tr!(l, "command-open-form-failed", code = e.code()))
        }
        Finished::HandedOver => Reply::ephemeral(tr!(l, "command-open-form-slow")),
        Finished::Crashed => Reply::ephemeral(tr!(l, "command-open-form-internal")),
    }
}

/// `history …` (the word in any case) and what follows it.
fn history_query(text: &str) -> Option<&str> {
    let (word, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    word.eq_ignore_ascii_case("history").then(|| rest.trim())
}

/// Answers `/expire-insurance history <rider id | phone>` to the asker only, from the
/// replica (see [`crate::service::history`]).
async fn history_reply(ctx: &Ctx, who: &Requester, raw: &str, deadline: &Deadline) -> Reply {
    let l = ctx.locale;
    if raw.is_empty() {
        return Reply::ephemeral(tr!(l, "history-ask-whom"));
    }
    match ctx.history.find(who, raw, deadline).await {
        Ok(h) => Reply::ephemeral(render::history_text(l, &h)),
        Err(HistoryError::Query(e)) => Reply::ephemeral(query_error(l, &e)),
        Err(HistoryError::RateLimited(limit)) => {
            Reply::ephemeral(super::lookup_limit_reached(l, &limit))
        }
        Err(HistoryError::Unavailable) => Reply::ephemeral(tr!(l, "history-unavailable")),
        Err(HistoryError::Db(e)) => {
            tracing::error!(error = crate::telemetry::chain(&e), "history lookup failed");
            Reply::ephemeral(tr!(l, "history-failed"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_is_recognised_in_any_case() {
        assert_eq!(history_query("history 1001"), Some("1001"));
        assert_eq!(
            history_query("HISTORY  010-1234-5678 "),
            Some("010-1234-5678")
        );
        assert_eq!(history_query("history"), Some(""));
        assert_eq!(history_query("1001"), None);
        assert_eq!(history_query("historyx 1"), None);
    }
}
