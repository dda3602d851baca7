//! Answering within the request's deadline, and telling people what happened after it.
//!
//! A click is acknowledged with an empty 200 by its [`Deadline`] at the latest; what the
//! clicker needs to know comes as a message only they see. [`work_then_tell`] is that one
//! pattern for every button: run the work in its own task, tell the clicker what it came to
//! (before the answer when Slack is quick, after it when not), and never hold the answer
//! past the deadline. [`tell`] and [`direct_message`] are the two ways of telling.

use std::future::Future;

use crate::deadline::{self, Deadline, Finished};
use crate::slack::api::SlackApi;
use crate::slack::render;

/// Tells `user` privately (an ephemeral message in `channel`) what became of something
/// after Slack was answered. A failure is logged only: there is no one left to answer.
pub async fn tell(slack: &SlackApi, channel: &str, user: &str, text: String) {
    if let Err(e) = slack
        .post_ephemeral(channel, user, render::text(text))
        .await
    {
        tracing::warn!(error = %e.code(), "could not tell the user privately");
    }
}

/// Tells `user` by direct message (`chat.postMessage` to their user ID, as the outbox does
/// for the requester's notices).
pub async fn direct_message(slack: &SlackApi, user: &str, text: String) {
    if let Err(e) = slack.post_message(user, render::text(text), None).await {
        tracing::warn!(error = %e.code(), "could not send the user a direct message");
    }
}

/// Runs a click's `work` within the request's `deadline` and tells the clicker privately
/// what it came to (`Some(text)`), whether the work fitted before the answer or finished
/// after it: an ephemeral message in `channel`, or, for a click with no channel (the
/// App Home tab), a direct message, which shows in the app's Messages tab beside it — an
/// ephemeral message in a channel the clicker may not even be in would never be seen. Returns when the answer may go: the work and the telling are done, or the
/// deadline has come (they then go on, and the telling comes after the answer).
pub async fn work_then_tell<W>(
    slack: &SlackApi,
    deadline: &Deadline,
    channel: Option<String>,
    user: String,
    work: W,
) where
    W: Future<Output = Option<String>> + Send + 'static,
{
    let slack = slack.clone();
    let telling = move |text: Option<String>| async move {
        match (text, &channel) {
            (Some(text), Some(channel)) => tell(&slack, channel, &user, text).await,
            (Some(text), None) => direct_message(&slack, &user, text).await,
            (None, _) => {}
        }
    };
    if let Finished::InTime(text) =
        deadline::finish_or_hand_over(deadline, work, telling.clone()).await
    {
        // Told before the answer when Slack is quick; never waited for past the deadline.
        let told = crate::telemetry::spawn(telling(text));
        let _ = deadline.run(told).await;
    }
}
