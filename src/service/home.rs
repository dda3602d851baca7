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
//!
//! The tab is kept current from the outbox (issue 15): whoever opens it is recorded on the
//! primary ([`HomeReader::opened`]); when a request changes state, the outbox asks
//! [`HomeReader::audience`] whose views show it — its requester, and the approvers among
//! the recent viewers — and republishes those once [`HomeReader::replica_shows`] says the
//! replica has replayed the change (a view read before that would show the old state).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::{DbFailure, Directory};
use crate::deadline::Deadline;
use crate::domain::home::{Home, Listed};
use crate::domain::{Request, SlackUserId};
use crate::store::{Primary, Replica, VIEWER_KEEP};

/// How far back a requester's own requests are shown.
pub const OWN_WINDOW: Duration = Duration::days(30);

/// The Home tab's reads, with who approves and who files.
#[derive(Clone)]
pub struct HomeReader {
    primary: Primary,
    replica: Replica,
    directory: Arc<dyn Directory>,
}

impl std::fmt::Debug for HomeReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HomeReader").finish_non_exhaustive()
    }
}

fn page((requests, total): (Vec<Request>, i64)) -> Listed {
    Listed {
        requests,
        total: usize::try_from(total).unwrap_or(0),
    }
}

impl HomeReader {
    pub fn new(primary: Primary, replica: Replica, directory: Arc<dyn Directory>) -> HomeReader {
        HomeReader {
            primary,
            replica,
            directory,
        }
    }

    /// `viewer` opened the Home tab at `now`: their view is republished when a request they
    /// may see changes state, for [`VIEWER_KEEP`].
    pub async fn opened(&self, viewer: &SlackUserId, now: DateTime<Utc>) -> Result<(), DbFailure> {
        Ok(self.primary.note_home_viewer(viewer, now).await?)
    }

    /// Whose Home tabs show `request` and should be republished now it changed: of the
    /// recent viewers, its requester (their own list) and the approvers (their pending
    /// list; four-eyes and "already approved" are the list's own conditions). Someone who
    /// never opened the tab gets none published: Slack shows a Home tab only to who opens
    /// it, and the opening publishes a fresh one. A membership that cannot be confirmed
    /// leaves that viewer out until they open the tab again.
    pub async fn audience(
        &self,
        request: &Request,
        now: DateTime<Utc>,
        deadline: &Deadline,
    ) -> Result<Vec<SlackUserId>, DbFailure> {
        let mut audience = Vec::new();
        for v in self.primary.home_viewers_since(now - VIEWER_KEEP).await? {
            if v == request.requested_by
                || self
                    .directory
                    .is_approver(&v, deadline)
                    .await
                    .unwrap_or(false)
            {
                audience.push(v);
            }
        }
        Ok(audience)
    }

    /// Whether the replica shows `request` as the primary has it (status, approvals
    /// counted, its message posted): the Home views read on the replica are then current.
    pub async fn replica_shows(&self, request: &Request) -> Result<bool, DbFailure> {
        Ok(self.replica.request(request.id).await?.is_some_and(|r| {
            r.status == request.status
                && r.approvals == request.approvals
                && r.message_ts.is_some() == request.message_ts.is_some()
        }))
    }

    /// `viewer`'s Home tab: at most `pending_max` and `own_max` rows of each list.
    pub async fn for_viewer(
        &self,
        viewer: &SlackUserId,
        now: DateTime<Utc>,
        deadline: &Deadline,
        pending_max: usize,
        own_max: usize,
    ) -> Result<Home, DbFailure> {
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
        let digest = if approver {
            self.replica.last_digest().await?
        } else {
            None
        };
        Ok(Home {
            pending,
            own,
            digest,
        })
    }
}
