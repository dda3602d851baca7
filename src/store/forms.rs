//! SQL of `form_state`: a modal step's state kept on the primary when it does not fit the
//! view's `private_metadata` (the choice step's state; see `slack::choice_state`).
//!
//! The bot's own table, read back by its unguessable key on the primary: the replica may
//! not have replayed a row written a second earlier, and the row is the bot's, not the
//! company's data.

use chrono::{DateTime, Utc};

use super::{Primary, StoreError, mysql, on_pool};

impl Primary {
    /// Stores `payload` under `token` until `expires_at`, and sweeps rows already expired.
    pub async fn save_form_state(
        &self,
        token: &str,
        payload: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.h.observe("form_state_save", async {
            on_pool!(self.h, p => {
                sqlx::query("DELETE FROM form_state WHERE expires_at < $1")
                    .bind(now)
                    .execute(p)
                    .await?;
                sqlx::query(
                    "INSERT INTO form_state (token, payload, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(token)
                .bind(payload)
                .bind(now)
                .bind(expires_at)
                .execute(p)
                .await
                .map(|_| ())
            }, mysql: m => mysql::save_form_state(m, token, payload, now, expires_at).await)
        })
        .await
    }

    /// The payload stored under `token`, unless it has expired.
    pub async fn load_form_state(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        self.h
            .observe("form_state_load", async {
                on_pool!(self.h, p => sqlx::query_scalar::<_, String>(
                "SELECT payload FROM form_state WHERE token = $1 AND expires_at > $2",
            )
            .bind(token)
            .bind(now)
            .fetch_optional(p)
            .await, mysql: m => mysql::load_form_state(m, token, now).await)
            })
            .await
    }
}
