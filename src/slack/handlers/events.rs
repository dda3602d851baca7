//! Events API deliveries, from either transport: taken once across instances, acknowledged
//! at once, acted on after the answer.
//!
//! Each delivery is first claimed by its `event_id` ([`crate::service::events`]); a
//! redelivery (Slack retries up to three times when an answer is slow or lost, possibly to
//! another instance) finds it taken and is only acknowledged. A claim the primary cannot
//! make in time is not acted on either: a Home tab left as it was is better than one
//! published twice, and Slack's next retry may succeed. What the event asks for (publishing
//! the Home tab) runs in its own task, so the answer never waits on the Web API.

use std::sync::Arc;

use chrono::Utc;

use super::{Ctx, Reply};
use crate::deadline::Deadline;
use crate::domain::SlackUserId;
use crate::service::events::Delivery;
use crate::slack::home::PublishError;
use crate::slack::payload::{Event, EventKind};

/// Time kept back from the deadline for the answer itself.
const ANSWER_RESERVE: std::time::Duration = std::time::Duration::from_millis(200);

pub async fn handle(ctx: &Arc<Ctx>, event: Event, deadline: &Deadline) -> Reply {
    if event.kind == EventKind::Other {
        return Reply::Empty;
    }
    let budget = deadline.leaving(ANSWER_RESERVE);
    match ctx.events.claim(&event.event_id, Utc::now(), budget).await {
        Ok(Delivery::First) => {}
        Ok(Delivery::Duplicate) => {
            metrics::counter!("expire_bot_slack_events_duplicate_total").increment(1);
            tracing::debug!("event already taken: not handled again");
            return Reply::Empty;
        }
        Err(e) => {
            tracing::warn!(error = %crate::telemetry::chain(&e), "event could not be claimed: not handled");
            return Reply::Empty;
        }
    }
    match event.kind {
        EventKind::HomeOpened { user } => {
            let ctx = ctx.clone();
            crate::telemetry::spawn(async move { publish_home(&ctx, &user).await });
        }
        EventKind::Other => {}
    }
    Reply::Empty
}

/// Records that `user` opened their Home tab (so the outbox keeps it current) and
/// publishes it. A failure is logged only: the next opening publishes again.
pub async fn publish_home(ctx: &Ctx, user: &SlackUserId) {
    if let Err(e) = ctx.home.reader().opened(user, Utc::now()).await {
        tracing::warn!(error = %crate::telemetry::chain(&e), "could not record the Home tab opening");
    }
    match ctx.home.publish(user).await {
        Ok(()) => {}
        Err(PublishError::Read(e)) => {
            tracing::warn!(error = %crate::telemetry::chain(&e), "could not read the Home tab");
        }
        Err(PublishError::Slack(e)) => {
            tracing::warn!(error = %e.code(), "could not publish the Home tab");
        }
    }
}
