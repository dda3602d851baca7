//! SQL of the App Home tab, on the replica: the requests pending one approver's decision,
//! and one requester's own recent requests. Each returns the first rows of its list and
//! how many there are in all, so the tab can say how many it does not show.
//!
//! "Pending one approver's decision" is the claiming SQL's own condition (pending, not
//! past its deadline, not the viewer's own — four-eyes) plus "not already approved by
//! them" (a request that needs several approvals counts each person once). Whether the
//! viewer is an approver at all is the service's rule, not this module's.

use chrono::{DateTime, Utc};

use super::columns::REQUEST_COLUMNS;
use super::{Replica, StoreError, mysql, on_pool};
use crate::domain::{Request, SlackUserId};

/// The pending requests `viewer` may decide (PostgreSQL/SQLite placeholders).
const PENDING_FOR: &str = "FROM expiry_requests r \
    WHERE r.status = 'PENDING' AND r.requested_by <> $1 \
      AND (r.expires_at IS NULL OR r.expires_at > $2) \
      AND NOT EXISTS (SELECT 1 FROM expiry_approvals a WHERE a.request_id = r.id AND a.approver = $1)";

/// `user`'s requests filed since `$2`.
const OWN_SINCE: &str = "FROM expiry_requests r WHERE r.requested_by = $1 AND r.requested_at >= $2";

impl Replica {
    /// The oldest `limit` requests pending `viewer`'s decision, and how many there are.
    pub async fn pending_for(
        &self,
        viewer: &SlackUserId,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<(Vec<Request>, i64), StoreError> {
        let rows = format!(
            "SELECT {REQUEST_COLUMNS} {PENDING_FOR} ORDER BY r.requested_at, r.id LIMIT $3"
        );
        let count = format!("SELECT COUNT(*) {PENDING_FOR}");
        self.h
            .observe("home_pending", async {
                on_pool!(self.h, p => {
                    let list = sqlx::query_as::<_, Request>(&rows)
                        .bind(viewer.as_str()).bind(now).bind(limit)
                        .fetch_all(p).await?;
                    let total: i64 = sqlx::query_scalar(&count)
                        .bind(viewer.as_str()).bind(now)
                        .fetch_one(p).await?;
                    Ok((list, total))
                }, mysql: m => mysql::home_pending(m, viewer, now, limit).await)
            })
            .await
    }

    /// The newest `limit` requests `user` filed since `since`, and how many there are.
    pub async fn own_since(
        &self,
        user: &SlackUserId,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<(Vec<Request>, i64), StoreError> {
        let rows = format!(
            "SELECT {REQUEST_COLUMNS} {OWN_SINCE} ORDER BY r.requested_at DESC, r.id DESC LIMIT $3"
        );
        let count = format!("SELECT COUNT(*) {OWN_SINCE}");
        self.h
            .observe("home_own", async {
                on_pool!(self.h, p => {
                    let list = sqlx::query_as::<_, Request>(&rows)
                        .bind(user.as_str()).bind(since).bind(limit)
                        .fetch_all(p).await?;
                    let total: i64 = sqlx::query_scalar(&count)
                        .bind(user.as_str()).bind(since)
                        .fetch_one(p).await?;
                    Ok((list, total))
                }, mysql: m => mysql::home_own(m, user, since, limit).await)
            })
            .await
    }
}
