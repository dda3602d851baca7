//! What one person's App Home tab shows, read on the replica: the requests pending their
//! decision if they are an approver, their own requests of the last 30 days if they may
//! file.
//!
//! Who is an approver and who a requester is the [`Directory`]'s answer, the same the
//! deciding and filing rules ask; a membership that cannot be confirmed shows no list
//! (fail closed). "Pending their decision" excludes their own requests (four-eyes) and
//! those they already approved — the claiming SQL's own conditions, so the tab offers only
//! what a click could decide. The tab only shows: every click on it goes through
//! `service::deciding` like the channel's buttons, which checks both rules again on the
//! primary. Nothing about a rider is read here: the requests hold masked values only.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::{DbFailure, Directory};
use crate::deadline::Deadline;
use crate::domain::{Request, SlackUserId};
use crate::store::Replica;

/// How far back a requester's own requests are shown.
pub const OWN_WINDOW: Duration = Duration::days(30);

/// The first rows of one list and how many there are in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub requests: Vec<Request>,
    pub total: usize,
}

/// One person's Home tab, as facts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HomeFacts {
    /// `None`: not an approver (or not confirmed as one).
    pub pending: Option<Page>,
    /// `None`: may not file (or not confirmed).
    pub own: Option<Page>,
}

/// The Home tab's reads, with who approves and who files.
#[derive(Clone)]
pub struct HomeReader {
    replica: Replica,
    directory: Arc<dyn Directory>,
}

impl std::fmt::Debug for HomeReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HomeReader").finish_non_exhaustive()
    }
}

fn page((requests, total): (Vec<Request>, i64)) -> Page {
    Page {
        requests,
        total: usize::try_from(total).unwrap_or(0),
    }
}

impl HomeReader {
    pub fn new(replica: Replica, directory: Arc<dyn Directory>) -> HomeReader {
        HomeReader { replica, directory }
    }

    /// `viewer`'s Home tab: at most `pending_max` and `own_max` rows of each list.
    pub async fn for_viewer(
        &self,
        viewer: &SlackUserId,
        now: DateTime<Utc>,
        deadline: &Deadline,
        pending_max: usize,
        own_max: usize,
    ) -> Result<HomeFacts, DbFailure> {
        let approver = self
            .directory
            .is_approver(viewer, deadline)
            .await
            .unwrap_or(false);
        let requester = self
            .directory
            .is_requester(viewer, deadline)
            .await
            .unwrap_or(false);
        let limit = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let pending = if approver {
            Some(page(
                self.replica
                    .pending_for(viewer, now, limit(pending_max))
                    .await?,
            ))
        } else {
            None
        };
        let own = if requester {
            Some(page(
                self.replica
                    .own_since(viewer, now - OWN_WINDOW, limit(own_max))
                    .await?,
            ))
        } else {
            None
        };
        Ok(HomeFacts { pending, own })
    }
}
