//! `/expire-insurance`: open the request modal, or answer `help` and `history`.
//!
//! Slack's `trigger_id` is only good for three seconds, so the modal is opened before the
//! command is acknowledged, within the request's [`Deadline`]. If Slack is slower than
//! that, the command is answered anyway ("opening…") and the opening goes on; should it
//! fail, the agent is told in the channel. What the agent typed is prefilled into the
//! modal and never logged. Everything but `help` is for requesters only.

use std::sync::Arc;

use super::{Ctx, NOT_A_REQUESTER, Reply, not_allowed};
use crate::deadline::{self, Deadline, Finished};
use crate::service::filing::Requester;
use crate::service::history::HistoryError;
use crate::slack::budget;
use crate::slack::payload::Command;
use crate::slack::render;

/// The contract's command.
pub const COMMAND: &str = "/expire-insurance";

/// The answer to `/expire-insurance help` (public for the builders' property test).
pub const HELP: &str = "*/expire-insurance [rider ID or phone]* — file a request to expire a rider's hourly insurance after the insurer cancelled it; a lead approves it in the approvals channel.\n\
*/expire-insurance history <rider ID or phone>* — every expiry request for that rider's policies (who filed, who decided, what changed), shown only to you.\n\
*/expire-insurance help* — this help. Phones may be typed in any common form (010-1234-5678, +82 10-1234-5678); withdrawn riders are found too.";

fn could_not_open(code: &str) -> String {
    format!("I couldn't open the request form (Slack said `{code}`). Please run the command again.")
}

pub async fn handle(ctx: &Arc<Ctx>, cmd: Command, deadline: &Deadline) -> Reply {
    if cmd.text.eq_ignore_ascii_case("help") {
        return Reply::ephemeral(HELP);
    }
    let who = match ctx.filing.requester(&cmd.user, deadline).await {
        Ok(who) => who,
        Err(why) => return Reply::ephemeral(not_allowed(&why, NOT_A_REQUESTER)),
    };
    if let Some(rest) = history_query(&cmd.text) {
        return history_reply(ctx, &who, rest, deadline).await;
    }
    let view = render::request_modal(&cmd.text, None);
    let opening = {
        let (slack, trigger) = (ctx.slack.clone(), cmd.trigger_id.clone());
        async move { slack.open_view(&trigger, view).await }
    };
    let late = {
        let (slack, channel, user) = (ctx.slack.clone(), cmd.channel.clone(), cmd.user.clone());
        move |opened: Result<(), crate::slack::api::SlackCallError>| async move {
            if let Err(e) = opened {
                tracing::warn!(error = %e.code(), "could not open the request modal (after the answer)");
                budget::tell(&slack, &channel, user.as_str(), could_not_open(&e.code())).await;
            }
        }
    };
    match deadline::finish_or_hand_over(deadline, opening, late).await {
        Finished::InTime(Ok(())) => Reply::Empty,
        Finished::InTime(Err(e)) => {
            tracing::warn!(error = %e.code(), "could not open the request modal");
            Reply::ephemeral(could_not_open(&e.code()))
        }
        Finished::HandedOver => Reply::ephemeral(
            "Opening the request form… Slack is slow right now, so it may take a few seconds. If it doesn't open, I'll tell you here.",
        ),
        Finished::Crashed => Reply::ephemeral(
            "Something went wrong on our side while opening the request form. Please run the command again.",
        ),
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
    if raw.is_empty() {
        return Reply::ephemeral(
            "Tell me whose history: `/expire-insurance history <rider ID or phone>`.",
        );
    }
    match ctx.history.find(who, raw, deadline).await {
        Ok(h) => Reply::ephemeral(render::history_text(&h, ctx.display_tz)),
        Err(HistoryError::Query(e)) => Reply::ephemeral(e.to_string()),
        Err(HistoryError::RateLimited(limit)) => {
            Reply::ephemeral(super::lookup_limit_reached(&limit))
        }
        Err(HistoryError::Unavailable) => Reply::ephemeral(
            "The history is unavailable right now (the read database isn't answering). Please try again in a minute.",
        ),
        Err(HistoryError::Db(e)) => {
            tracing::error!(error = crate::telemetry::chain(&e), "history lookup failed");
            Reply::ephemeral(
                "Something went wrong on our side while reading the history. Please try again; if it keeps happening, tell the backend team.",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_is_three_lines_and_mentions_history() {
        assert_eq!(HELP.lines().count(), 3);
        assert!(HELP.contains("history"));
    }

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
