//! What a CX agent types to find a rider: a rider ID or a Korean mobile number, parsed
//! once at the edge where text from Slack enters the bot. Past this point the code holds a
//! `RiderQuery` or a `Phone` and never re-checks raw strings, so every rule about what an
//! agent may type to find someone lives here and nowhere else.
//!
//! A `Phone` cannot leak through formatting: its `Debug` prints the masked number, and it
//! implements neither `Display` nor `Serialize`. The digits stay reachable on purpose through
//! `Phone::digits`, for the database query that needs them.
//!
//! When typed text could name the wrong rider, parsing refuses it rather than guessing: the
//! bot expires insurance, and acting on the wrong rider is worse than asking the agent to
//! type again.

use std::fmt;

use super::ids::RiderId;
use crate::mask;

/// Longest query accepted, in characters. Real queries are under 25; the limit
/// keeps pasted messages out of the parser and out of error logs.
const MAX_QUERY_CHARS: usize = 64;

/// Most digits a rider ID may have; every 18-digit number fits an `i64`.
const MAX_RIDER_ID_DIGITS: usize = 18;

/// Why a query typed by a CX agent was refused. What the agent reads is the Slack layer's
/// (a catalogue message per variant, in the configured language); the `Display` here is
/// for logs and tests, and names no value that was typed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum QueryError {
    #[error("empty query")]
    Empty,
    #[error("neither a rider ID nor a Korean mobile number")]
    NotRecognised,
    #[error("query too long for a rider ID or a phone number")]
    TooLong,
}

/// What a CX agent typed to find a rider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RiderQuery {
    RiderId(RiderId),
    Phone(Phone),
}

/// A Korean mobile number normalised to digits only, national form:
/// "01012345678" (10 or 11 digits, starts with 01).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Reads a Korean mobile number in any usual written form
    /// ("010-1234-5678", "+82 10 1234 5678", "(010) 1234.5678", …).
    ///
    /// # Errors
    ///
    /// `Empty` for blank input, `TooLong` past 64 characters, and
    /// `NotRecognised` for anything that is not a Korean mobile number.
    pub fn parse(raw: &str) -> Result<Phone, QueryError> {
        let trimmed = checked_query(raw)?;
        Phone::from_trimmed(trimmed).ok_or(QueryError::NotRecognised)
    }

    fn from_trimmed(trimmed: &str) -> Option<Phone> {
        let digits = mask::national_phone_digits(trimmed)?;
        is_mobile(&digits).then_some(Phone(digits))
    }

    /// The national digits, for looking the rider up. Never log this.
    #[must_use]
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The number as it may be shown anywhere: "010-****-5678".
    #[must_use]
    pub fn masked(&self) -> String {
        mask::phone(&self.0)
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Phone").field(&self.masked()).finish()
    }
}

/// Korean mobile prefixes are 010 and the older 011, 016, 017, 018 and 019.
fn is_mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    matches!(b.len(), 10 | 11)
        && b.iter().all(u8::is_ascii_digit)
        && matches!(b, [b'0', b'1', b'0' | b'1' | b'6' | b'7' | b'8' | b'9', ..])
}

/// Trims a query and applies the checks every query shares.
fn checked_query(raw: &str) -> Result<&str, QueryError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(QueryError::Empty);
    }
    if trimmed.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong);
    }
    Ok(trimmed)
}

/// Reads a rider ID written as bare digits.
///
/// A leading zero is refused: no rider ID is written with one, while a phone
/// typed with a digit missing ("010123456") is. Reading that as rider
/// 10123456 would quietly pick a stranger, so it is refused instead.
fn rider_id_digits(s: &str) -> Option<RiderId> {
    let well_formed = !s.is_empty()
        && s.len() <= MAX_RIDER_ID_DIGITS
        && s.bytes().all(|b| b.is_ascii_digit())
        && !s.starts_with('0');
    if !well_formed {
        return None;
    }
    s.parse().ok().map(RiderId)
}

/// Strips a marker that says "this is a rider ID": "#123", "id:123",
/// "ID 123", "id: 123" (the "id" in any case).
fn strip_rider_id_marker(s: &str) -> Option<&str> {
    if let Some(rest) = s.strip_prefix('#') {
        return Some(rest.trim_start());
    }
    let head = s.get(..2)?;
    if !head.eq_ignore_ascii_case("id") {
        return None;
    }
    let rest = &s[2..];
    if let Some(rest) = rest.trim_start().strip_prefix(':') {
        return Some(rest.trim_start());
    }
    // "id123" is not accepted: without a separator the marker could be the
    // start of some other word the agent meant.
    rest.starts_with(char::is_whitespace)
        .then(|| rest.trim_start())
}

impl RiderQuery {
    /// Reads what a CX agent typed to find a rider.
    ///
    /// Bare digits that look like a mobile number (10 or 11 digits starting
    /// with 01) are a phone; other bare digits are a rider ID. "#", "id:" or
    /// "ID " in front forces a rider ID.
    ///
    /// # Errors
    ///
    /// `Empty` for blank input, `TooLong` past 64 characters, and
    /// `NotRecognised` for anything else that is neither form, including a
    /// number with a leading 0 that is not a mobile number.
    pub fn parse(raw: &str) -> Result<RiderQuery, QueryError> {
        let trimmed = checked_query(raw)?;
        if let Some(rest) = strip_rider_id_marker(trimmed) {
            return rider_id_digits(rest)
                .map(RiderQuery::RiderId)
                .ok_or(QueryError::NotRecognised);
        }
        if let Some(phone) = Phone::from_trimmed(trimmed) {
            return Ok(RiderQuery::Phone(phone));
        }
        // A failed phone that starts with 01 is refused by rider_id_digits
        // through its leading zero, so it never becomes a rider ID.
        rider_id_digits(trimmed)
            .map(RiderQuery::RiderId)
            .ok_or(QueryError::NotRecognised)
    }

    /// The query as it may be shown anywhere: a rider ID as is, a phone masked.
    #[must_use]
    pub fn masked(&self) -> String {
        match self {
            RiderQuery::RiderId(id) => id.to_string(),
            RiderQuery::Phone(phone) => phone.masked(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::reason::{Reason, ReasonError};
    use super::*;
    use proptest::prelude::*;

    fn phone_query(digits: &str) -> Result<RiderQuery, QueryError> {
        Ok(RiderQuery::Phone(Phone(digits.to_owned())))
    }

    #[test]
    fn every_written_phone_form_parses_to_national_digits() {
        for raw in [
            "010-1234-5678",
            "01012345678",
            "+82 10-1234-5678",
            "+82-10-1234-5678",
            "+821012345678",
            "+82 10 1234 5678",
            "+82 010-1234-5678",
            "+82(0)10-1234-5678",
            "(010) 1234-5678",
            "010 1234 5678",
            "010.1234.5678",
            "  010-1234-5678\t",
        ] {
            assert_eq!(
                RiderQuery::parse(raw),
                phone_query("01012345678"),
                "input {raw:?}"
            );
            assert_eq!(
                Phone::parse(raw).map(|p| p.digits().to_owned()),
                Ok("01012345678".to_owned()),
                "input {raw:?}"
            );
        }
    }

    #[test]
    fn every_mobile_prefix_is_a_phone() {
        for prefix in ["010", "011", "016", "017", "018", "019"] {
            let digits = format!("{prefix}12345678");
            assert_eq!(RiderQuery::parse(&digits), phone_query(&digits));
        }
    }

    #[test]
    fn ten_digit_old_number_is_a_phone() {
        assert_eq!(RiderQuery::parse("0111234567"), phone_query("0111234567"));
        assert_eq!(RiderQuery::parse("011-123-4567"), phone_query("0111234567"));
        assert_eq!(
            RiderQuery::parse("+82 16 123 4567"),
            phone_query("0161234567")
        );
    }

    #[test]
    fn number_with_a_non_mobile_prefix_is_refused() {
        // Looks like a mobile number but 012–015 are not mobile prefixes.
        for raw in ["01212345678", "0151234567", "012-1234-5678"] {
            assert_eq!(
                RiderQuery::parse(raw),
                Err(QueryError::NotRecognised),
                "input {raw:?}"
            );
        }
    }

    #[test]
    fn landline_is_refused() {
        for raw in ["02-1234-5678", "0212345678", "031-123-4567"] {
            assert_eq!(
                RiderQuery::parse(raw),
                Err(QueryError::NotRecognised),
                "input {raw:?}"
            );
        }
    }

    #[test]
    fn phone_of_wrong_length_is_refused() {
        for raw in [
            "010-123-45",     // too short
            "010-1234-56789", // 12 digits
            "+82 10-1234-56789",
        ] {
            assert_eq!(
                RiderQuery::parse(raw),
                Err(QueryError::NotRecognised),
                "input {raw:?}"
            );
        }
    }

    #[test]
    fn bare_digits_starting_with_zero_that_are_no_phone_are_refused() {
        // A phone with a digit missing or extra must not become a rider ID.
        for raw in ["010123456", "010123456789", "0123", "0", "00"] {
            assert_eq!(
                RiderQuery::parse(raw),
                Err(QueryError::NotRecognised),
                "input {raw:?}"
            );
        }
    }

    #[test]
    fn country_codes_other_than_korea_are_refused() {
        for raw in [
            "+1 650 253 0000",
            "+8210",
            "+44 7911 123456",
            "++821012345678",
        ] {
            assert_eq!(
                RiderQuery::parse(raw),
                Err(QueryError::NotRecognised),
                "input {raw:?}"
            );
        }
    }

    #[test]
    fn country_code_without_plus_is_refused() {
        assert_eq!(
            RiderQuery::parse("82 10 1234 5678"),
            Err(QueryError::NotRecognised)
        );
        // As bare digits it is simply a 12-digit rider ID.
        assert_eq!(
            RiderQuery::parse("821012345678"),
            Ok(RiderQuery::RiderId(RiderId(821012345678)))
        );
    }

    #[test]
    fn full_width_digits_are_refused() {
        assert_eq!(
            RiderQuery::parse("０１０-１２３４-５６７８"),
            Err(QueryError::NotRecognised)
        );
        assert_eq!(RiderQuery::parse("１２３"), Err(QueryError::NotRecognised));
    }

    #[test]
    fn bare_digits_are_a_rider_id() {
        assert_eq!(RiderQuery::parse("1"), Ok(RiderQuery::RiderId(RiderId(1))));
        assert_eq!(
            RiderQuery::parse(" 12345 "),
            Ok(RiderQuery::RiderId(RiderId(12345)))
        );
        // Ten or eleven digits not starting with 01 are still an ID.
        assert_eq!(
            RiderQuery::parse("1012345678"),
            Ok(RiderQuery::RiderId(RiderId(1012345678)))
        );
        assert_eq!(
            RiderQuery::parse("12345678901"),
            Ok(RiderQuery::RiderId(RiderId(12345678901)))
        );
    }

    #[test]
    fn rider_id_of_eighteen_digits_is_accepted() {
        assert_eq!(
            RiderQuery::parse("999999999999999999"),
            Ok(RiderQuery::RiderId(RiderId(999_999_999_999_999_999)))
        );
    }

    #[test]
    fn rider_id_of_nineteen_digits_is_refused() {
        // Fits i64 but is past the 18-digit limit.
        assert_eq!(
            RiderQuery::parse("1000000000000000000"),
            Err(QueryError::NotRecognised)
        );
        assert_eq!(
            RiderQuery::parse("99999999999999999999"),
            Err(QueryError::NotRecognised)
        );
    }

    #[test]
    fn rider_id_with_a_marker_is_accepted() {
        for raw in [
            "#123",
            "# 123",
            "id:123",
            "ID:123",
            "Id: 123",
            "id 123",
            "ID 123",
            "ID  :  123",
        ] {
            assert_eq!(
                RiderQuery::parse(raw),
                Ok(RiderQuery::RiderId(RiderId(123))),
                "input {raw:?}"
            );
        }
    }

    #[test]
    fn marker_forces_a_rider_id_over_a_phone() {
        assert_eq!(
            RiderQuery::parse("#1012345678"),
            Ok(RiderQuery::RiderId(RiderId(1012345678)))
        );
    }

    #[test]
    fn marker_with_no_valid_id_is_refused() {
        for raw in [
            "#",
            "id:",
            "ID ",
            "#0",
            "id:0",
            "#-5",
            "#012",
            "id123",
            "idx 123",
            "#12a",
            "#1 2",
            "id:1000000000000000000",
            "#01012345678",
            "i",
            "ⓘd:1",
        ] {
            assert_eq!(
                RiderQuery::parse(raw),
                Err(QueryError::NotRecognised),
                "input {raw:?}"
            );
        }
    }

    #[test]
    fn negative_and_signed_numbers_are_refused() {
        for raw in ["-5", "+5", "-0", "1.5", "1,234", "1e5", "12 34"] {
            assert_eq!(
                RiderQuery::parse(raw),
                Err(QueryError::NotRecognised),
                "input {raw:?}"
            );
        }
    }

    #[test]
    fn empty_query_is_refused() {
        for raw in ["", "   ", "\t\n"] {
            assert_eq!(
                RiderQuery::parse(raw),
                Err(QueryError::Empty),
                "input {raw:?}"
            );
            assert_eq!(Phone::parse(raw), Err(QueryError::Empty), "input {raw:?}");
        }
    }

    #[test]
    fn query_over_64_characters_is_refused() {
        let long = "1".repeat(65);
        assert_eq!(RiderQuery::parse(&long), Err(QueryError::TooLong));
        assert_eq!(Phone::parse(&long), Err(QueryError::TooLong));
        // Counted in characters, not bytes, and after trimming.
        assert_eq!(
            RiderQuery::parse(&"가".repeat(64)),
            Err(QueryError::NotRecognised)
        );
        assert_eq!(
            RiderQuery::parse(&"가".repeat(65)),
            Err(QueryError::TooLong)
        );
        let padded = format!("   {}   ", "#".repeat(64));
        assert_eq!(RiderQuery::parse(&padded), Err(QueryError::NotRecognised));
    }

    #[test]
    fn text_and_injection_attempts_are_refused() {
        for raw in [
            "홍길동",
            "rider 123",
            "1; DROP TABLE riders;--",
            "' OR '1'='1",
            "010-1234-5678; DELETE",
            "<@U123ABC>",
            "010\u{0}12345678",
            "010\u{202e}12345678",
            "\u{7f}",
            "tel:01012345678",
        ] {
            assert_eq!(
                RiderQuery::parse(raw),
                Err(QueryError::NotRecognised),
                "input {raw:?}"
            );
        }
    }

    #[test]
    fn phone_parse_refuses_rider_ids() {
        assert_eq!(Phone::parse("12345"), Err(QueryError::NotRecognised));
        assert_eq!(Phone::parse("#01012345678"), Err(QueryError::NotRecognised));
    }

    #[test]
    fn query_masks_phone_and_shows_rider_id() {
        assert_eq!(RiderQuery::RiderId(RiderId(42)).masked(), "42");
        let q = RiderQuery::parse("+82 10-1234-5678");
        assert_eq!(q.map(|q| q.masked()), Ok("010-****-5678".to_owned()));
    }

    #[test]
    fn debug_of_a_phone_is_masked() {
        let p = Phone("01012345678".to_owned());
        assert_eq!(format!("{p:?}"), r#"Phone("010-****-5678")"#);
        let q = RiderQuery::Phone(p);
        assert_eq!(format!("{q:?}"), r#"Phone(Phone("010-****-5678"))"#);
        assert!(!format!("{q:#?}").contains("1234"));
    }

    #[test]
    fn error_descriptions_name_no_typed_value() {
        // What the agent reads is the catalogue's (slack::handlers); these are for logs.
        assert_eq!(QueryError::Empty.to_string(), "empty query");
        assert_eq!(
            QueryError::NotRecognised.to_string(),
            "neither a rider ID nor a Korean mobile number"
        );
        assert!(QueryError::TooLong.to_string().contains("too long"));
        assert_eq!(ReasonError::Empty.to_string(), "empty reason");
        assert_eq!(
            ReasonError::TooLong.to_string(),
            "reason over 1,000 characters"
        );
    }

    fn mobile_digits() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec!["010", "011", "016", "017", "018", "019"]),
            prop_oneof!["[0-9]{3}", "[0-9]{4}"],
            "[0-9]{4}",
        )
            .prop_map(|(p, m, l)| format!("{p}{m}{l}"))
    }

    proptest! {
        #[test]
        fn parsing_any_string_never_panics(raw in "(?s).{0,80}|\\PC{0,80}|[0-9 #:idID+().-]{0,30}") {
            let _ = RiderQuery::parse(&raw);
            let _ = Phone::parse(&raw);
            let _ = Reason::parse(&raw);
        }

        #[test]
        fn parsed_phone_never_shows_its_digits(digits in mobile_digits(), form in 0usize..4) {
            let raw = match form {
                0 => digits.clone(),
                1 => format!("{}-{}-{}", &digits[..3], &digits[3..digits.len() - 4], &digits[digits.len() - 4..]),
                2 => format!("+82 {}", &digits[1..]),
                _ => format!("+82{}", &digits),
            };
            let query = RiderQuery::parse(&raw);
            prop_assert_eq!(&query, &Ok(RiderQuery::Phone(Phone(digits.clone()))));
            if let Ok(query) = query {
                prop_assert!(!query.masked().contains(&digits));
                let debug = format!("{query:?}");
                prop_assert!(!debug.contains(&digits));
                // The middle digits never appear as a group.
                let middle = &digits[3..digits.len() - 4];
                let masked = query.masked();
                let shown_middle = &masked[4..masked.len() - 5];
                prop_assert!(shown_middle != middle);
                prop_assert!(shown_middle.chars().all(|c| c == '*'));
            }
        }

        #[test]
        fn bare_positive_numbers_round_trip(id in 1i64..=999_999_999_999_999_999) {
            // No positive number is written with a leading 0, so none is a phone.
            prop_assert_eq!(RiderQuery::parse(&id.to_string()), Ok(RiderQuery::RiderId(RiderId(id))));
        }
    }
}
