//! `lookup_audit` on the primary: one row per rider lookup a person ran (migration 0130),
//! which is also what the per-person lookup limit counts, so the limit holds across
//! instances. The bot only appends rows, each whole (how many riders matched included).

use std::time::Duration;

use chrono::Utc;

use super::{Pool, Primary, StoreError};
use crate::domain::SlackUserId;

impl Primary {
    /// Appends a lookup's audit row, with how many riders it matched (`None`: the lookup
    /// failed) — unless `who` already has `max` rows within the last `per` (by the
    /// database's clock), in which case nothing is written and `false` comes back. The
    /// count and the insert are one statement; two lookups of the same person at the very
    /// same moment may both pass, which lets a person exceed the limit by the number of
    /// lookups they run at once, no more.
    pub async fn record_lookup(
        &self,
        who: &SlackUserId,
        kind: &str,
        query_masked: &str,
        riders_matched: Option<i64>,
        max: i64,
        per: Duration,
    ) -> Result<bool, StoreError> {
        let per_s = per.as_secs_f64();
        self.h
            .observe("record_lookup", async {
                match &self.h.pool {
                    Pool::Pg(p) => sqlx::query(
                        "INSERT INTO lookup_audit (looked_up_by, kind, query_masked, riders_matched) \
                         SELECT $1, $2, $3, $6 \
                          WHERE (SELECT COUNT(*) FROM lookup_audit \
                                  WHERE looked_up_by = $1 \
                                    AND looked_at > now() - make_interval(secs => $5)) < $4",
                    )
                    .bind(who)
                    .bind(kind)
                    .bind(query_masked)
                    .bind(max)
                    .bind(per_s)
                    .bind(riders_matched)
                    .execute(p)
                    .await
                    .map(|r| r.rows_affected() == 1),
                    // SQLite is in-process: its clock is this process's.
                    Pool::Sqlite(p) => {
                        let now = Utc::now();
                        let since = now - chrono::Duration::from_std(per).unwrap_or_default();
                        sqlx::query(
                            "INSERT INTO lookup_audit (looked_up_by, kind, query_masked, riders_matched, looked_at) \
                             SELECT $1, $2, $3, $7, $6 \
                              WHERE (SELECT COUNT(*) FROM lookup_audit \
                                      WHERE looked_up_by = $1 AND looked_at > $5) < $4",
                        )
                        .bind(who)
                        .bind(kind)
                        .bind(query_masked)
                        .bind(max)
                        .bind(since)
                        .bind(now)
                        .bind(riders_matched)
                        .execute(p)
                        .await
                        .map(|r| r.rows_affected() == 1)
                    }
                    Pool::MySql(m) => {
                        super::mysql::record_lookup(
                            m,
                            who.as_str(),
                            kind,
                            query_masked,
                            riders_matched,
                            max,
                            per_s,
                        )
                        .await
                    }
                }
            })
            .await
    }
}
