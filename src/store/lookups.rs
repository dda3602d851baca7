//! `lookup_audit` on the primary: one row per rider lookup a person ran (migration 0130),
//! which is also what the per-person lookup limit counts, so the limit holds across
//! instances. The bot only appends rows and fills in how many riders matched.

use std::time::Duration;

use chrono::Utc;

use super::{Pool, Primary, StoreError};
use crate::domain::SlackUserId;

impl Primary {
    /// Appends a lookup's audit row — unless `who` already has `max` rows within the last
    /// `per` (by the database's clock), in which case nothing is written and `None` comes
    /// back. The count and the insert are one statement; two lookups of the same person at
    /// the very same moment may both pass, which lets a person exceed the limit by the
    /// number of lookups they run at once, no more.
    pub async fn begin_lookup(
        &self,
        who: &SlackUserId,
        kind: &str,
        query_masked: &str,
        max: i64,
        per: Duration,
    ) -> Result<Option<i64>, StoreError> {
        let per_s = per.as_secs_f64();
        self.h
            .observe("begin_lookup", async {
                match &self.h.pool {
                    Pool::Pg(p) => {
                        sqlx::query_scalar(
                            "INSERT INTO lookup_audit (looked_up_by, kind, query_masked) \
                             SELECT $1, $2, $3 \
                              WHERE (SELECT COUNT(*) FROM lookup_audit \
                                      WHERE looked_up_by = $1 \
                                        AND looked_at > now() - make_interval(secs => $5)) < $4 \
                             RETURNING id",
                        )
                        .bind(who)
                        .bind(kind)
                        .bind(query_masked)
                        .bind(max)
                        .bind(per_s)
                        .fetch_optional(p)
                        .await
                    }
                    // SQLite is in-process: its clock is this process's.
                    Pool::Sqlite(p) => {
                        let now = Utc::now();
                        let since = now - chrono::Duration::from_std(per).unwrap_or_default();
                        sqlx::query_scalar(
                            "INSERT INTO lookup_audit (looked_up_by, kind, query_masked, looked_at) \
                             SELECT $1, $2, $3, $6 \
                              WHERE (SELECT COUNT(*) FROM lookup_audit \
                                      WHERE looked_up_by = $1 AND looked_at > $5) < $4 \
                             RETURNING id",
                        )
                        .bind(who)
                        .bind(kind)
                        .bind(query_masked)
                        .bind(max)
                        .bind(since)
                        .bind(now)
                        .fetch_optional(p)
                        .await
                    }
                    Pool::MySql(m) => {
                        super::mysql::begin_lookup(m, who.as_str(), kind, query_masked, max, per_s)
                            .await
                    }
                }
            })
            .await
    }

    /// Records how many riders a lookup matched.
    pub async fn finish_lookup(&self, id: i64, riders_matched: i64) -> Result<(), StoreError> {
        self.h
            .observe("finish_lookup", async {
                super::on_pool!(self.h, p => sqlx::query(
                    "UPDATE lookup_audit SET riders_matched = $1 WHERE id = $2",
                )
                .bind(riders_matched)
                .bind(id)
                .execute(p)
                .await
                .map(|_| ()), mysql: m => super::mysql::finish_lookup(m, id, riders_matched).await)
            })
            .await
    }
}
