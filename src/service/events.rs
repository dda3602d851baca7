//! Events API deliveries taken once across instances.
//!
//! Slack sends each event until one delivery is answered with a 2xx, and a redelivery
//! (`X-Slack-Retry-Num`, or Socket Mode's `retry_attempt`) may reach another instance. The
//! first to record the event's `event_id` on the primary handles it; the others acknowledge
//! and do nothing. The claim takes at most the time it is given, so a slow primary costs an
//! event its handling (Slack's next retry may succeed), never the 3-second answer.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::DbFailure;
use crate::store::Primary;

/// Whether this delivery is the one to handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// First seen here: handle it.
    First,
    /// Already taken by this or another instance.
    Duplicate,
}

/// Why a delivery could not be claimed.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error("the primary did not answer in time")]
    Slow,
    #[error(transparent)]
    Db(#[from] DbFailure),
}

/// The deliveries' ledger.
#[derive(Debug, Clone)]
pub struct Events {
    primary: Primary,
}

impl Events {
    pub fn new(primary: Primary) -> Events {
        Events { primary }
    }

    /// Claims `event_id` within `budget`.
    pub async fn claim(
        &self,
        event_id: &str,
        now: DateTime<Utc>,
        budget: Duration,
    ) -> Result<Delivery, ClaimError> {
        let first = tokio::time::timeout(budget, self.primary.claim_event(event_id, now))
            .await
            .map_err(|_| ClaimError::Slow)?
            .map_err(|e| ClaimError::Db(e.into()))?;
        Ok(if first {
            Delivery::First
        } else {
            Delivery::Duplicate
        })
    }
}
