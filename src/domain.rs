//! Typed values parsed once, at the edge where text from Slack enters the bot.
//! Past this module the rest of the code holds a `RiderQuery`, a `Phone` or a
//! `Reason` and never re-checks raw strings, so every rule about what a CX
//! agent may type lives here and nowhere else.
//!
//! Values that carry personal data cannot leak through formatting: `Phone`'s
//! `Debug` prints the masked number and `Reason`'s prints only its length, and
//! neither implements `Display` or `Serialize`, so logging one by accident
//! shows nothing personal. The raw values stay reachable on purpose through
//! `Phone::digits` and `Reason::as_str`, for the database query and the audit
//! record that need them.
//!
//! When typed text could name the wrong rider, parsing refuses it rather than
//! guessing: the bot expires insurance, and acting on the wrong rider is worse
//! than asking the agent to type again.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::mask;

/// Longest query accepted, in characters. Real queries are under 25; the limit
/// keeps pasted messages out of the parser and out of error logs.
const MAX_QUERY_CHARS: usize = 64;

/// Most digits a rider ID may have; every 18-digit number fits an `i64`.
const MAX_RIDER_ID_DIGITS: usize = 18;

/// Longest reason accepted, in characters after trimming.
const MAX_REASON_CHARS: usize = 1000;

/// Why a query typed by a CX agent was refused. The messages are shown to the
/// agent as they are, so they say what to type, not what went wrong inside.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueryError {
    #[error("Type a rider ID or a phone number.")]
    Empty,
    #[error("That is neither a rider ID nor a Korean mobile number (e.g. 010-1234-5678).")]
    NotRecognised,
    #[error("That is too long for a rider ID or a phone number. Type just one of them.")]
    TooLong,
}

/// What a CX agent typed to find a rider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RiderQuery {
    RiderId(i64),
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
fn rider_id_digits(s: &str) -> Option<i64> {
    let well_formed = !s.is_empty()
        && s.len() <= MAX_RIDER_ID_DIGITS
        && s.bytes().all(|b| b.is_ascii_digit())
        && !s.starts_with('0');
    if !well_formed {
        return None;
    }
    s.parse().ok()
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

/// Declares an ID newtype over `i64`. Distinct types keep a policy ID from
/// being passed where a rider ID is expected; serde sees the bare number.
macro_rules! id_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

id_newtype!(
    /// A rider, as the insurance database numbers them.
    RiderId
);
id_newtype!(
    /// An hourly insurance policy.
    PolicyId
);
id_newtype!(
    /// A request to expire a policy, awaiting or past its approval.
    RequestId
);

/// Why a reason was refused; shown to the agent as is.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReasonError {
    #[error("Say why, and give the CX ticket.")]
    Empty,
    #[error("Keep the reason under 1,000 characters.")]
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
            Ok(RiderQuery::RiderId(821012345678))
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
        assert_eq!(RiderQuery::parse("1"), Ok(RiderQuery::RiderId(1)));
        assert_eq!(RiderQuery::parse(" 12345 "), Ok(RiderQuery::RiderId(12345)));
        // Ten or eleven digits not starting with 01 are still an ID.
        assert_eq!(
            RiderQuery::parse("1012345678"),
            Ok(RiderQuery::RiderId(1012345678))
        );
        assert_eq!(
            RiderQuery::parse("12345678901"),
            Ok(RiderQuery::RiderId(12345678901))
        );
    }

    #[test]
    fn rider_id_of_eighteen_digits_is_accepted() {
        assert_eq!(
            RiderQuery::parse("999999999999999999"),
            Ok(RiderQuery::RiderId(999_999_999_999_999_999))
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
                Ok(RiderQuery::RiderId(123)),
                "input {raw:?}"
            );
        }
    }

    #[test]
    fn marker_forces_a_rider_id_over_a_phone() {
        assert_eq!(
            RiderQuery::parse("#1012345678"),
            Ok(RiderQuery::RiderId(1012345678))
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
        assert_eq!(RiderQuery::RiderId(42).masked(), "42");
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
    fn error_messages_are_plain_words() {
        assert_eq!(
            QueryError::Empty.to_string(),
            "Type a rider ID or a phone number."
        );
        assert_eq!(
            QueryError::NotRecognised.to_string(),
            "That is neither a rider ID nor a Korean mobile number (e.g. 010-1234-5678)."
        );
        assert!(QueryError::TooLong.to_string().contains("too long"));
        assert_eq!(
            ReasonError::Empty.to_string(),
            "Say why, and give the CX ticket."
        );
        assert_eq!(
            ReasonError::TooLong.to_string(),
            "Keep the reason under 1,000 characters."
        );
    }

    #[test]
    fn id_newtypes_are_bare_numbers_in_json_and_display() {
        assert_eq!(
            serde_json::to_string(&RiderId(7)).ok(),
            Some("7".to_owned())
        );
        assert_eq!(
            serde_json::from_str::<PolicyId>("-3").ok(),
            Some(PolicyId(-3))
        );
        assert_eq!(
            serde_json::to_string(&RequestId(99)).ok(),
            Some("99".to_owned())
        );
        assert!(serde_json::from_str::<RequestId>("\"99\"").is_err());
        assert_eq!(RiderId(7).to_string(), "7");
        assert_eq!(PolicyId(8).to_string(), "8");
        assert_eq!(RequestId(9).to_string(), "9");
        assert_eq!(format!("{:?}", RiderId(7)), "RiderId(7)");
    }

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
            prop_assert_eq!(RiderQuery::parse(&id.to_string()), Ok(RiderQuery::RiderId(id)));
        }
    }
}
