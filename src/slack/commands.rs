//! `/expire-insurance`: open the request modal, or answer `help` and `history`.
//!
//! Slack's `trigger_id` is only good for three seconds, so the modal is opened before the
//! command is acknowledged, within the request's [`Deadline`]. If Slack is slower than
//! that, the command is answered anyway ("opening…") and the opening goes on; should it
//! fail, the agent is told in the channel. What the agent typed is prefilled into the
//! modal and never logged.

use std::sync::Arc;

use slack_morphism::prelude::SlackCommandEvent;

use super::Reply;
use super::{reports, views};
use crate::app::App;
use crate::deadline::{self, Deadline, Finished};
use crate::domain::RiderQuery;
use crate::history::{self, HistoryError};

/// The contract's command.
pub const COMMAND: &str = "/expire-insurance";

/// The answer to `/expire-insurance help` (public for the builders' property test).
pub const HELP: &str = "*/expire-insurance [rider ID or phone]* — file a request to expire a rider's hourly insurance after the insurer cancelled it; a lead approves it in the approvals channel.\n\
*/expire-insurance history <rider ID or phone>* — every expiry request for that rider's policies (who filed, who decided, what changed), shown only to you.\n\
*/expire-insurance help* — this help. Phones may be typed in any common form (010-1234-5678, +82 10-1234-5678); withdrawn riders are found too.";

fn could_not_open(code: &str) -> String {
    format!("I couldn't open the request form (Slack said `{code}`). Please run the command again.")
}

pub async fn handle(app: &Arc<App>, cmd: SlackCommandEvent, deadline: Deadline) -> Reply {
    let user = cmd.user_id.to_string();
    let text = cmd.text.as_deref().unwrap_or("").trim().to_owned();
    if text.eq_ignore_ascii_case("help") {
        return Reply::ephemeral(HELP);
    }
    match app.requesters.contains(&user, &deadline).await {
        Ok(true) => {}
        Ok(false) => {
            return Reply::ephemeral(
                "You are not on the list of people who may file insurance expiry requests. Ask the CX leads to add you.",
            );
        }
        Err(why) => return Reply::ephemeral(super::cannot_confirm(&why, "file requests")),
    }
    if let Some(rest) = history_query(&text) {
        return history_reply(app, rest, &deadline).await;
    }
    let view = views::request_modal(&text, None);
    let opening = {
        let (app, trigger) = (app.clone(), cmd.trigger_id.to_string());
        async move { app.slack.open_view(&trigger, view).await }
    };
    let late = {
        let (app, channel, user) = (app.clone(), cmd.channel_id.to_string(), user.clone());
        move |opened: Result<(), crate::slack::api::SlackCallError>| async move {
            if let Err(e) = opened {
                tracing::warn!(error = %e.code(), "could not open the request modal (after the answer)");
                super::tell(&app, &channel, &user, could_not_open(&e.code())).await;
            }
        }
    };
    match deadline::finish_or_hand_over(&deadline, opening, late).await {
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
/// replica (see [`crate::history`]).
async fn history_reply(app: &App, raw: &str, deadline: &Deadline) -> Reply {
    if raw.is_empty() {
        return Reply::ephemeral(
            "Tell me whose history: `/expire-insurance history <rider ID or phone>`.",
        );
    }
    let query = match RiderQuery::parse(raw) {
        Ok(q) => q,
        Err(e) => return Reply::ephemeral(e.to_string()),
    };
    match history::find(&app.store, &query, deadline).await {
        Ok(h) => {
            tracing::info!(
                query = %query.masked(),
                riders = h.riders.len(),
                requests = h.total,
                "history lookup"
            );
            Reply::ephemeral(reports::history_text(&h, app.config.display_tz))
        }
        Err(HistoryError::Unavailable) => Reply::ephemeral(
            "The history is unavailable right now (the read database isn't answering). Please try again in a minute.",
        ),
        Err(HistoryError::Store(e)) => {
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
