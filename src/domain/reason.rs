//! The reason an agent gives for expiring a policy (and a lead for rejecting one): trimmed,
//! 1 to 1,000 characters, checked once where the text enters the bot.
//!
//! A `Reason` is free text and may hold personal data: its `Debug` prints only its length,
//! and it implements neither `Display` nor `Serialize`, so logging one by accident shows
//! nothing personal. The text stays reachable on purpose through `Reason::as_str`, for the
//! audit record and the approver who need it.

use std::fmt;

/// Longest reason accepted, in characters after trimming.
const MAX_REASON_CHARS: usize = 1000;

/// Why a reason was refused. What the agent reads is the Slack layer's (a catalogue
/// message per variant); the `Display` is for logs and tests.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ReasonError {
    #[error("empty reason")]
    Empty,
    #[error("reason over 1,000 characters")]
    TooLong,
}

/// The reason an agent gives for expiring a policy: trimmed, 1 to 1,000
/// characters.
#[derive(Clone, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    /// Trims the reason the agent typed and checks its length.
    ///
    /// # Errors
    ///
    /// `Empty` when nothing but whitespace was typed, `TooLong` past 1,000
    /// characters after trimming.
    pub fn parse(raw: &str) -> Result<Reason, ReasonError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ReasonError::Empty);
        }
        if trimmed.chars().count() > MAX_REASON_CHARS {
            return Err(ReasonError::TooLong);
        }
        Ok(Reason(trimmed.to_owned()))
    }

    /// The text itself, for the audit record and the approver. It is free
    /// text and may hold personal data: do not log it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reason")
            .field("chars", &self.0.chars().count())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_is_trimmed() {
        let r = Reason::parse("  rider asked, CX-1234 \n");
        assert_eq!(r.as_ref().map(Reason::as_str), Ok("rider asked, CX-1234"));
    }

    #[test]
    fn empty_reason_is_refused() {
        for raw in ["", "   ", "\n\t"] {
            assert_eq!(Reason::parse(raw), Err(ReasonError::Empty), "input {raw:?}");
        }
    }

    #[test]
    fn reason_of_1000_characters_is_accepted_and_1001_refused() {
        // Counted in characters: 1,000 Hangul syllables are 3,000 bytes.
        let at_limit = "가".repeat(1000);
        assert_eq!(
            Reason::parse(&at_limit).map(|r| r.as_str().chars().count()),
            Ok(1000)
        );
        assert_eq!(Reason::parse(&"가".repeat(1001)), Err(ReasonError::TooLong));
        let padded = format!("  {at_limit}  ");
        assert!(Reason::parse(&padded).is_ok());
        assert!(Reason::parse("x").is_ok());
    }

    #[test]
    fn debug_of_a_reason_shows_only_its_length() {
        let r = Reason::parse("홍길동 010-1234-5678");
        assert_eq!(
            r.map(|r| format!("{r:?}")),
            Ok("Reason { chars: 17 }".to_owned())
        );
    }
}
