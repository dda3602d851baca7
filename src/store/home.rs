//! SQL of the App Home tab, on the replica: the requests pending one approver's decision,
//! and one requester's own recent requests. Each returns the first rows of its list and
//! how many there are in all, so the tab can say how many it does not show.
//!
//! "Pending one approver's decision" is the claiming SQL's own condition (pending, not
//! past its deadline, not the viewer's own — four-eyes) plus "not already approved by
//! them" (a request that needs several approvals counts each person once). Whether the
//! viewer is an approver at all is the service's rule, not this module's.
//!
//! Also here, on the primary: who has opened the Home tab (`home_viewers`, migration
//! 0150), so the outbox can republish their views when a request changes state; and, on
//! the replica, the last digest posted and one request as the replica sees it, which the
//! outbox compares with the primary before it republishes (a view read from a replica that
//! has not replayed the change would show the old state).

use chrono::{DateTime, Utc};

use super::columns::REQUEST_COLUMNS;
use super::{Primary, Replica, StoreError, mysql, on_pool};
use crate::domain::digest::LastDigest;
use crate::domain::{Request, RequestId, SlackUserId};

/// How long a Home tab opening counts: past this, the viewer's row is swept and their view
/// no longer republished (they get a fresh one when they open the tab again).
pub const VIEWER_KEEP: chrono::Duration = chrono::Duration::days(30);

/// The most viewers one state change republishes (the approvers and agents of one team).
pub const VIEWERS_MAX: i64 = 500;

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

type DigestRow = (
    DateTime<Utc>,
    Option<i32>,
    Option<i32>,
    Option<String>,
    Option<String>,
);

fn last_digest((posted_at, riders, policies, channel_id, message_ts): DigestRow) -> LastDigest {
    LastDigest {
        posted_at,
        riders: riders.map_or(0, i64::from),
        policies: policies.map_or(0, i64::from),
        channel_id,
        message_ts,
    }
}

impl Replica {
    /// The last digest posted (the newest slot with a `posted_at`).
    pub async fn last_digest(&self) -> Result<Option<LastDigest>, StoreError> {
        self.h
            .observe("home_last_digest", async {
                on_pool!(self.h, p => sqlx::query_as::<_, DigestRow>(
                    "SELECT posted_at, riders, policies, channel_id, message_ts FROM digest_runs \
                     WHERE posted_at IS NOT NULL ORDER BY slot DESC LIMIT 1",
                )
                .fetch_optional(p)
                .await
                .map(|r| r.map(last_digest)),
                mysql: m => mysql::last_digest(m).await.map(|r| r.map(last_digest)))
            })
            .await
    }

    /// One request as the replica has it (`None`: not replayed yet).
    pub async fn request(&self, id: RequestId) -> Result<Option<Request>, StoreError> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM expiry_requests WHERE id = $1");
        self.h
            .observe("home_request", async {
                on_pool!(self.h, p => sqlx::query_as::<_, Request>(&sql).bind(id).fetch_optional(p).await,
                    mysql: m => mysql::get_request(m, id).await)
            })
            .await
    }
}

impl Primary {
    /// Records that `user` opened the Home tab at `now`, and sweeps openings older than
    /// [`VIEWER_KEEP`].
    pub async fn note_home_viewer(
        &self,
        user: &SlackUserId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let before = now - VIEWER_KEEP;
        self.h
            .observe("home_viewer_note", async {
                on_pool!(self.h, p => {
                    sqlx::query("DELETE FROM home_viewers WHERE opened_at < $1")
                        .bind(before)
                        .execute(p)
                        .await?;
                    sqlx::query(
                        "INSERT INTO home_viewers (user_id, opened_at) VALUES ($1, $2) \
                         ON CONFLICT (user_id) DO UPDATE SET opened_at = excluded.opened_at",
                    )
                    .bind(user.as_str())
                    .bind(now)
                    .execute(p)
                    .await
                    .map(|_| ())
                }, mysql: m => mysql::note_home_viewer(m, user, now, before).await)
            })
            .await
    }

    /// The people who opened the Home tab since `since`, at most [`VIEWERS_MAX`], the most
    /// recent first.
    pub async fn home_viewers_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<SlackUserId>, StoreError> {
        self.h
            .observe("home_viewers", async {
                on_pool!(self.h, p => sqlx::query_scalar::<_, String>(
                    "SELECT user_id FROM home_viewers WHERE opened_at >= $1 ORDER BY opened_at DESC LIMIT $2",
                )
                .bind(since)
                .bind(VIEWERS_MAX)
                .fetch_all(p)
                .await,
                mysql: m => mysql::home_viewers_since(m, since, VIEWERS_MAX).await)
            })
            .await
            .map(|ids| ids.into_iter().map(SlackUserId::new).collect())
    }
}
