//! The choice step's state, kept on the primary when it does not fit the view's
//! `private_metadata` (`slack::choice_state` decides; this keeps and reads it back).
//!
//! Kept by an unguessable token and read back on the primary: the replica may not have
//! replayed a row written a second earlier, and the row is the bot's, not the company's
//! data. Every save and read takes at most the time it is given, so a slow primary costs a
//! submission its step, never its answer.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::DbFailure;
use crate::store::Primary;

/// Why the state could not be kept or read back.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("the primary did not answer in time")]
    Slow,
    #[error(transparent)]
    Db(#[from] DbFailure),
}

/// The kept-state store.
#[derive(Debug, Clone)]
pub struct Forms {
    primary: Primary,
}

impl Forms {
    pub fn new(primary: Primary) -> Forms {
        Forms { primary }
    }

    /// Keeps `payload` under `token` until `until` (sweeping expired rows), within `budget`.
    /// A save cut short leaves a row under a token nobody was given, which expires like any
    /// other.
    pub async fn keep(
        &self,
        token: &str,
        payload: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        budget: Duration,
    ) -> Result<(), FormError> {
        tokio::time::timeout(
            budget,
            self.primary.save_form_state(token, payload, now, until),
        )
        .await
        .map_err(|_| FormError::Slow)?
        .map_err(|e| FormError::Db(e.into()))
    }

    /// The payload kept under `token`, unless it expired, within `budget`.
    pub async fn load(
        &self,
        token: &str,
        now: DateTime<Utc>,
        budget: Duration,
    ) -> Result<Option<String>, FormError> {
        tokio::time::timeout(budget, self.primary.load_form_state(token, now))
            .await
            .map_err(|_| FormError::Slow)?
            .map_err(|e| FormError::Db(e.into()))
    }
}
