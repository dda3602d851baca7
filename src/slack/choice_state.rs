//! The choice step's state between the two submissions of the request modal: when, why,
//! and which policies (with their riders) were offered — a [`Choice`], no raw personal
//! data.
//!
//! It travels in the view's `private_metadata` when it fits Slack's 3,000 characters
//! (the usual case: no database write on the way). It does not always fit: 50 candidates
//! with 13-digit IDs take ~1,500 characters, and a 1,000-character reason of quotes or
//! control characters becomes up to 6,000 once JSON-escaped. Then the state is kept on
//! the primary (`form_state`, with an expiry, through [`Forms`]) and the view carries only
//! an unguessable token, so instances stay stateless and nothing the agent typed is lost
//! or cut.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::limits;
use crate::service::filing::Choice;
use crate::service::forms::{FormError, Forms};

/// `private_metadata` when the state is kept on the primary.
#[derive(Serialize, Deserialize)]
struct Kept {
    state: String,
}

/// How long a kept state stays usable: a modal left open over lunch still works.
const KEPT_FOR: Duration = Duration::from_secs(6 * 3600);
/// The write must leave the submission its answer inside Slack's 3 seconds.
const SAVE_BUDGET: Duration = Duration::from_millis(700);

/// 32 random bytes, hex: not guessable, so a view cannot be pointed at another's state.
fn token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the state goes: in the view, or on the primary under a fresh token.
#[derive(Debug, Clone, PartialEq)]
pub enum Encoded {
    /// The `private_metadata` is the state itself.
    Inline(String),
    /// `json` must be saved under `token`; the view carries `metadata`.
    Kept {
        json: String,
        token: String,
        metadata: String,
    },
}

impl Encoded {
    /// What the view's `private_metadata` will be.
    pub fn metadata(&self) -> &str {
        match self {
            Encoded::Inline(m) => m,
            Encoded::Kept { metadata, .. } => metadata,
        }
    }
}

/// Decides where `meta` goes (no I/O): inline when it fits Slack's 3,000 characters.
pub fn encode(meta: &Choice) -> Encoded {
    let json = serde_json::to_string(meta).unwrap_or_default();
    if limits::chars(&json) <= limits::PRIVATE_METADATA.max {
        return Encoded::Inline(json);
    }
    let token = token();
    let metadata = serde_json::to_string(&Kept {
        state: token.clone(),
    })
    .unwrap_or_default();
    Encoded::Kept {
        json,
        token,
        metadata,
    }
}

/// The `private_metadata` for `meta`: the state itself when it fits, else a token for the
/// state saved on the primary.
pub async fn to_metadata(
    forms: &Forms,
    meta: &Choice,
    now: DateTime<Utc>,
    remaining: Duration,
) -> Result<String, FormError> {
    match encode(meta) {
        Encoded::Inline(m) => Ok(m),
        Encoded::Kept {
            json,
            token,
            metadata,
        } => {
            let until = now + chrono::Duration::from_std(KEPT_FOR).unwrap_or_default();
            // Never past the request's deadline: a save cut short leaves a row under a
            // token nobody was given, which expires like any other.
            forms
                .keep(&token, &json, now, until, SAVE_BUDGET.min(remaining))
                .await?;
            Ok(metadata)
        }
    }
}

/// The state a choice view's `private_metadata` holds or points to; `None` when it is
/// unreadable, unknown or expired (the agent is told the form expired).
pub async fn from_metadata(
    forms: &Forms,
    metadata: &str,
    now: DateTime<Utc>,
    remaining: Duration,
) -> Result<Option<Choice>, FormError> {
    if let Ok(meta) = serde_json::from_str::<Choice>(metadata) {
        return Ok(Some(meta));
    }
    let Ok(kept) = serde_json::from_str::<Kept>(metadata) else {
        return Ok(None);
    };
    let payload = forms.load(&kept.state, now, remaining).await?;
    Ok(payload.and_then(|p| serde_json::from_str(&p).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_distinct() {
        let (a, b) = (token(), token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }
}
