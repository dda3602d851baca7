//! `/expire-insurance`: open the request modal (or answer `help`).
//!
//! Slack's `trigger_id` is only good for three seconds, so the modal is opened before the
//! command is acknowledged, under a deadline; what the agent typed is prefilled into the
//! modal and never logged.

use std::time::Duration;

use slack_morphism::prelude::SlackCommandEvent;

use super::Reply;
use super::views;
use crate::app::App;

/// The contract's command.
pub const COMMAND: &str = "/expire-insurance";

/// `views.open` must finish while the trigger is valid and before Slack's 3 s timeout.
const OPEN_BUDGET: Duration = Duration::from_millis(2500);

const HELP: &str = "*/expire-insurance [rider ID or phone]* — file a request to expire a rider's hourly insurance after the insurer cancelled it; a lead approves it in the approvals channel.\n\
*/expire-insurance help* — this help.\n\
Phone numbers may be typed in any common form (010-1234-5678, 01012345678, +82 10-1234-5678); withdrawn riders are found too.";

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
