//! One person's App Home tab, read and published: the Events API handler does it when the
//! tab is opened, the outbox when a request the person can see changes state. Both go
//! through [`HomePublisher::publish`], so the tab looks the same whichever published it.
//!
//! The reads are the replica's ([`HomeReader`]); the view is the renderer's; the call is
//! `views.publish` without a `hash`: the newest state always wins, and two instances
//! publishing the same tab at once publish the same view.

use chrono::Utc;

use super::api::{SlackApi, SlackCallError};
use super::render;
use crate::deadline::Deadline;
use crate::domain::SlackUserId;
use crate::i18n::Locale;
use crate::service::DbFailure;
use crate::service::home::HomeReader;

/// How long building a Home tab may wait for the member lists (it never runs on the path of
/// an answer to Slack).
const HOME_BUDGET: std::time::Duration = std::time::Duration::from_secs(5);

/// Why a Home tab was not published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("the Home tab could not be read")]
    Read(#[from] DbFailure),
    #[error(transparent)]
    Slack(#[from] SlackCallError),
}

/// Reads, renders and publishes Home tabs.
#[derive(Debug, Clone)]
pub struct HomePublisher {
    slack: SlackApi,
    home: HomeReader,
    locale: Locale,
}

impl HomePublisher {
    pub fn new(slack: SlackApi, home: HomeReader, locale: Locale) -> HomePublisher {
        HomePublisher {
            slack,
            home,
            locale,
        }
    }

    /// The reads and rules behind the tab.
    pub fn reader(&self) -> &HomeReader {
        &self.home
    }

    /// Publishes `user`'s Home tab as the replica has it now.
    pub async fn publish(&self, user: &SlackUserId) -> Result<(), PublishError> {
        let deadline = Deadline::after(HOME_BUDGET);
        let home = self
            .home
            .for_viewer(
                user,
                Utc::now(),
                &deadline,
                render::home::PENDING_SHOWN,
                render::home::OWN_SHOWN,
            )
            .await?;
        let view = render::home_view(self.locale, &home);
        self.slack.publish_view(user.as_str(), view).await?;
        Ok(())
    }
}
