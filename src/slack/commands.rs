//! `/expire-insurance`: open the request modal, or answer `help` and `history`.
//!
//! Slack's `trigger_id` is only good for three seconds, so the modal is opened before the
//! command is acknowledged, under a deadline; what the agent typed is prefilled into the
//! modal and never logged.

use std::time::Duration;

use slack_morphism::prelude::SlackCommandEvent;

use super::Reply;
use super::{reports, views};
use crate::app::App;
use crate::domain::RiderQuery;
use crate::history::{self, HistoryError};

/// The contract's command.
pub const COMMAND: &str = "/expire-insurance";

/// `views.open` must finish while the trigger is valid and before Slack's 3 s timeout.
const OPEN_BUDGET: Duration = Duration::from_millis(2500);

/// The answer to `/expire-insurance help` (public for the builders' property test).
pub const HELP: &str = "*/expire-insurance [rider ID or phone]* — file a request to expire a rider's hourly insurance after the insurer cancelled it; a lead approves it in the approvals channel.\n\
*/expire-insurance history <rider ID or phone>* — every expiry request for that rider's policies (who filed, who decided, what changed), shown only to you.\n\
*/expire-insurance help* — this help. Phones may be typed in any common form (010-1234-5678, +82 10-1234-5678); withdrawn riders are found too.";

pub async fn handle(app: &App, cmd: SlackCommandEvent) -> Reply {
    let user = cmd.user_id.to_string();
    let text = cmd.text.as_deref().unwrap_or("").trim().to_owned();
    if text.eq_ignore_ascii_case("help") {
        return Reply::ephemeral(HELP);
    }
    match app.requesters.contains(&app.slack, &user).await {
        Ok(true) => {}
        Ok(false) => {
            return Reply::ephemeral(
                "You are not on the list of people who may file insurance expiry requests. Ask the CX leads to add you.",
            );
        }
        Err(_) => {
            return Reply::ephemeral(
                "I couldn't check whether you may file requests (Slack didn't answer). Try again in a moment.",
            );
        }
    }
    if let Some(rest) = history_query(&text) {
        return history_reply(app, rest).await;
    }
    let view = views::request_modal(&text, None);
    match tokio::time::timeout(
        OPEN_BUDGET,
        app.slack.open_view(cmd.trigger_id.as_ref(), view),
    )
    .await
    {
        Ok(Ok(())) => Reply::Empty,
        Ok(Err(e)) => {
            tracing::warn!(error = %e.code(), "could not open the request modal");
            Reply::ephemeral(format!(
                "I couldn't open the request form (Slack said `{}`). Please run the command again.",
                e.code()
            ))
        }
        Err(_) => Reply::ephemeral(
            "Slack took too long to open the request form. Please run the command again.",
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
async fn history_reply(app: &App, raw: &str) -> Reply {
    if raw.is_empty() {
        return Reply::ephemeral(
            "Tell me whose history: `/expire-insurance history <rider ID or phone>`.",
        );
    }
    let query = match RiderQuery::parse(raw) {
        Ok(q) => q,
        Err(e) => return Reply::ephemeral(e.to_string()),
    };
    match history::find(&app.store, &query).await {
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
