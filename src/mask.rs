//! The one masking rule for personal data, used by every place that shows or
//! records a rider's details: Slack messages, logs and metrics. Keeping it in a
//! single module means a reviewer checks one file to know what can leak, and a
//! change to the rule reaches every output at once. Every function here fails
//! closed: input it cannot make sense of is masked whole, never echoed back.
//!
//! This module also owns turning a written phone number into its national
//! digits, because masking must accept every form a phone may arrive in (raw
//! Slack text, database values); `crate::domain` reuses that normalisation and
//! adds the stricter mobile-number checks on top.

use chrono::{Datelike, NaiveDate};

/// What a phone that cannot be read is masked to. It carries no length or
/// digit, so nothing about the input can be inferred from it.
const UNREADABLE_PHONE: &str = "***";

/// Characters people put between the groups of a phone number.
fn is_phone_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '(' | ')')
}

/// Turns a written phone number into national digits ("+82 10-1234-5678" →
/// "01012345678"), or `None` when it holds anything but ASCII digits and
/// separators, or a `+` that is not Korea's `+82`.
///
/// Only the form is checked here, not the length or the prefix: masking and
/// parsing each apply their own rule to the digits.
pub(crate) fn national_phone_digits(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let (international, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if !is_phone_separator(c) {
            return None;
        }
    }
    if !international {
        return Some(digits);
    }
    let subscriber = digits.strip_prefix("82")?;
    // "+82 010-..." is a common mistake: the trunk 0 is written after the
    // country code. Keep a single leading 0 either way.
    let subscriber = subscriber.strip_prefix('0').unwrap_or(subscriber);
    Some(format!("0{subscriber}"))
}

/// Masks a person's name: the first and last character stay, the rest become
/// `*` ("홍길동" → "홍*동"). A two-character name keeps only its first
/// character, since keeping both would show it whole.
#[must_use]
pub fn name(raw: &str) -> String {
    let chars: Vec<char> = raw.trim().chars().collect();
    match chars.as_slice() {
        [] => String::new(),
        [_] => "*".to_owned(),
        [first, _] => format!("{first}*"),
        [first, middle @ .., last] => {
            format!("{first}{}{last}", "*".repeat(middle.len()))
        }
    }
}

/// Masks a phone number written in any usual form to "010-****-5678": the
/// prefix and the last four digits stay, the middle becomes one `*` per digit.
/// Anything that is not a 10- or 11-digit national number becomes `***`.
#[must_use]
pub fn phone(raw: &str) -> String {
    let Some(digits) = national_phone_digits(raw) else {
        return UNREADABLE_PHONE.to_owned();
    };
    // The digits are ASCII, so byte offsets below are char boundaries.
    if !matches!(digits.len(), 10 | 11) || !digits.starts_with('0') {
        return UNREADABLE_PHONE.to_owned();
    }
    let middle = digits.len() - 7;
    format!(
        "{}-{}-{}",
        &digits[..3],
        "*".repeat(middle),
        &digits[digits.len() - 4..]
    )
}

/// Masks a birth date to its year ("1990-**-**"); an unknown date is "-".
#[must_use]
pub fn birth_date(d: Option<NaiveDate>) -> String {
    match d {
        Some(d) => format!("{:04}-**-**", d.year()),
        None => "-".to_owned(),
    }
}

/// Masks a policy number so that only its last four characters show. A number
/// of four characters or fewer is masked whole, so a short number is never
/// shown in full.
#[must_use]
pub fn policy_number(raw: &str) -> String {
    let chars: Vec<char> = raw.trim().chars().collect();
    let hidden = if chars.len() <= 4 {
        chars.len()
    } else {
        chars.len() - 4
    };
    let mut out = "*".repeat(hidden);
    out.extend(chars.iter().skip(hidden));
    out
}

/// Masks personal data inside free text (a reason): each raw value of `redactions` (the
/// names and birth dates of the riders a lookup found, longest first, with what to show
/// instead) wherever it appears, then every phone number ([`scrub_phones`]). The text is
/// shown in a channel, and agents paste what is on their screen. The caller supplies the
/// raw values (`service::lookup` has them); the rule is this module's.
#[must_use]
pub fn scrub(text: &str, redactions: &[(String, String)]) -> String {
    let mut out = text.to_owned();
    for (raw, masked) in redactions {
        if out.contains(raw.as_str()) {
            out = out.replace(raw.as_str(), masked);
        }
    }
    scrub_phones(&out)
}

/// Masks every phone number written inside free text (a reason, a note), in any of the
/// forms [`phone`] accepts, leaving the rest of the text as typed. People paste phone
/// numbers into reasons; the reason is shown in a channel, so the number must not be.
///
/// Text is split into runs of phone-ish characters; within a run, up to four
/// space-separated groups are tried together, longest first, so "CX 1234 010 1234 5678"
/// masks the phone and keeps the ticket number.
#[must_use]
pub fn scrub_phones(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if !run.is_empty() {
            out.push_str(&scrub_run(run));
            run.clear();
        }
    };
    for c in text.chars() {
        if c.is_ascii_digit() || c == '+' || is_phone_separator(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// The number of national digits when `candidate` reads as a mobile phone number.
fn phone_len(candidate: &str) -> Option<usize> {
    let t = candidate.trim_matches(is_phone_separator);
    if !t.starts_with(|c: char| c.is_ascii_digit() || c == '+') {
        return None;
    }
    national_phone_digits(t)
        .filter(|d| matches!(d.len(), 10 | 11) && d.starts_with("01"))
        .map(|d| d.len())
}

/// Masks the phone numbers in one run of phone-ish characters.
///
/// Today's mobile numbers have 11 digits, so 11-digit matches are taken first, across the
/// whole run, and only then 10-digit ones: taking the first match from the left could
/// start one group too early ("010 010 1234 5678" read as "010 010 1234") and leave the
/// real number's last eight digits in the clear.
fn scrub_run(run: &str) -> String {
    let groups: Vec<&str> = run.split(' ').collect();
    let mut taken = vec![false; groups.len()];
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for want in [11, 10] {
        let mut i = 0;
        while i < groups.len() {
            let found = (i + 1..=groups.len().min(i + 4)).rev().find(|&j| {
                !taken[i..j].contains(&true) && phone_len(&groups[i..j].join(" ")) == Some(want)
            });
            match found {
                Some(j) => {
                    taken[i..j].iter_mut().for_each(|t| *t = true);
                    spans.push((i, j));
                    i = j;
                }
                None => i += 1,
            }
        }
    }
    spans.sort_unstable();
    let mut out: Vec<String> = Vec::with_capacity(groups.len());
    let mut spans = spans.into_iter().peekable();
    let mut i = 0;
    while i < groups.len() {
        match spans.next_if(|(start, _)| *start == i) {
            Some((start, end)) => {
                let joined = groups[start..end].join(" ");
                let core = joined.trim_matches(is_phone_separator);
                let lead = joined.find(core).unwrap_or(0);
                let tail = lead + core.len();
                out.push(format!(
                    "{}{}{}",
                    &joined[..lead],
                    phone(core),
                    &joined[tail..]
                ));
                i = end;
            }
            None => {
                out.push(groups[i].to_owned());
                i += 1;
            }
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn name_of_three_korean_characters_keeps_both_ends() {
        assert_eq!(name("홍길동"), "홍*동");
    }

    #[test]
    fn name_of_four_korean_characters_masks_the_two_middle() {
        assert_eq!(name("남궁민수"), "남**수");
    }

    #[test]
    fn name_of_two_characters_keeps_only_the_first() {
        assert_eq!(name("김수"), "김*");
    }

    #[test]
    fn name_of_one_character_is_fully_masked() {
        assert_eq!(name("김"), "*");
    }

    #[test]
    fn empty_name_stays_empty() {
        assert_eq!(name(""), "");
    }

    #[test]
    fn whitespace_only_name_is_empty() {
        assert_eq!(name("   \t\n "), "");
    }

    #[test]
    fn name_is_trimmed_before_masking() {
        assert_eq!(name("  홍길동 \n"), "홍*동");
        assert_eq!(name(" 김 "), "*");
    }

    #[test]
    fn latin_name_follows_the_same_rule() {
        assert_eq!(name("John Smith"), "J********h");
    }

    #[test]
    fn name_counts_characters_not_bytes() {
        // Multi-byte characters at the ends must survive whole.
        assert_eq!(name("😀ab😀"), "😀**😀");
    }

    #[test]
    fn phone_in_every_accepted_form_masks_the_same() {
        for raw in [
            "01012345678",
            "010-1234-5678",
            "+82 10-1234-5678",
            "+821012345678",
            "010 1234 5678",
            "010.1234.5678",
            "(010) 1234-5678",
            "+82-10-1234-5678",
            "+82 010-1234-5678",
            "  010-1234-5678  ",
        ] {
            assert_eq!(phone(raw), "010-****-5678", "input {raw:?}");
        }
    }

    #[test]
    fn ten_digit_phone_masks_a_three_digit_middle() {
        assert_eq!(phone("0111234567"), "011-***-4567");
        assert_eq!(phone("011-123-4567"), "011-***-4567");
        assert_eq!(phone("+82 11 123 4567"), "011-***-4567");
    }

    #[test]
    fn unreadable_phone_is_masked_whole() {
        for raw in [
            "",
            "   ",
            "010",
            "010-1234",
            "010123456",       // 9 digits
            "010123456789",    // 12 digits
            "1012345678",      // no trunk 0
            "+1 650 253 0000", // not Korea
            "82 10 1234 5678", // country code without '+'
            "010-1234-567a",   // a letter
            "tel:010-1234-5678",
            "010-1234-5678 ext 1",
            "０１０-１２３４-５６７８", // full-width digits
            "010/1234/5678",
            "+",
            "++821012345678",
        ] {
            assert_eq!(phone(raw), "***", "input {raw:?}");
        }
    }

    #[test]
    fn birth_date_keeps_only_the_year() {
        let d = NaiveDate::from_ymd_opt(1990, 7, 15);
        assert_eq!(birth_date(d), "1990-**-**");
    }

    #[test]
    fn birth_date_pads_the_year() {
        assert_eq!(birth_date(NaiveDate::from_ymd_opt(987, 1, 2)), "0987-**-**");
    }

    #[test]
    fn unknown_birth_date_is_a_dash() {
        assert_eq!(birth_date(None), "-");
    }

    #[test]
    fn long_policy_number_shows_only_its_last_four() {
        assert_eq!(policy_number("HP-2024-000123"), "**********0123");
        assert_eq!(policy_number("12345"), "*2345");
    }

    #[test]
    fn short_policy_number_is_masked_whole() {
        assert_eq!(policy_number("1234"), "****");
        assert_eq!(policy_number("12"), "**");
        assert_eq!(policy_number("7"), "*");
        assert_eq!(policy_number(""), "");
    }

    #[test]
    fn policy_number_counts_characters_and_is_trimmed() {
        assert_eq!(policy_number(" 보험-12345 "), "****2345");
    }

    /// A valid national number split into the parts that may show and the
    /// middle that must not.
    fn valid_phone_parts() -> impl Strategy<Value = (String, String, String)> {
        (
            prop::sample::select(vec!["010", "011", "016", "017", "018", "019"]),
            prop_oneof!["[0-9]{3}", "[0-9]{4}"],
            "[0-9]{4}",
        )
            .prop_map(|(p, m, l)| (p.to_owned(), m, l))
    }

    fn written_forms(prefix: &str, middle: &str, last: &str) -> Vec<String> {
        let national = &prefix[1..];
        vec![
            format!("{prefix}{middle}{last}"),
            format!("{prefix}-{middle}-{last}"),
            format!("{prefix} {middle} {last}"),
            format!("{prefix}.{middle}.{last}"),
            format!("({prefix}) {middle}-{last}"),
            format!("+82 {national}-{middle}-{last}"),
            format!("+82{national}{middle}{last}"),
            format!("+82 {prefix}-{middle}-{last}"),
        ]
    }

    proptest! {
        #[test]
        fn masked_name_keeps_length_and_hides_the_interior(raw in "\\PC{0,40}|(?s).{0,40}") {
            let input: Vec<char> = raw.trim().chars().collect();
            let output: Vec<char> = name(&raw).chars().collect();
            prop_assert_eq!(output.len(), input.len());
            let n = input.len();
            if n >= 1 {
                // Every position but the first is hidden, except the last of
                // a name of three or more characters.
                let shown_last = n >= 3;
                for (i, c) in output.iter().enumerate().skip(1) {
                    if i == n - 1 && shown_last {
                        prop_assert_eq!(*c, input[i]);
                    } else {
                        prop_assert_eq!(*c, '*');
                    }
                }
                if n >= 2 {
                    prop_assert_eq!(output[0], input[0]);
                } else {
                    prop_assert_eq!(output[0], '*');
                }
            }
        }

        #[test]
        fn masked_phone_never_shows_the_middle_digits(
            (prefix, middle, last) in valid_phone_parts()
        ) {
            let expected = format!("{prefix}-{}-{last}", "*".repeat(middle.len()));
            for raw in written_forms(&prefix, &middle, &last) {
                let out = phone(&raw);
                prop_assert_eq!(&out, &expected, "input {:?}", raw);
                // The middle group of the output holds no digit at all, so the
                // middle digits cannot show even where they repeat the ends.
                let middle_out = &out[4..out.len() - 5];
                prop_assert!(middle_out.chars().all(|c| c == '*'));
            }
        }

        #[test]
        fn masked_phone_of_any_string_shows_at_most_seven_digits(raw in "(?s).{0,40}|[0-9 +().-]{0,20}") {
            let out = phone(&raw);
            if out != UNREADABLE_PHONE {
                let parts: Vec<&str> = out.split('-').collect();
                prop_assert_eq!(parts.len(), 3);
                prop_assert!(parts[0].len() == 3 && parts[0].bytes().all(|b| b.is_ascii_digit()));
                prop_assert!(matches!(parts[1], "***" | "****"));
                prop_assert!(parts[2].len() == 4 && parts[2].bytes().all(|b| b.is_ascii_digit()));
            }
        }

        #[test]
        fn masked_policy_number_shows_at_most_four_characters(raw in "\\PC{0,30}") {
            let input: Vec<char> = raw.trim().chars().collect();
            let output: Vec<char> = policy_number(&raw).chars().collect();
            prop_assert_eq!(output.len(), input.len());
            let shown = if input.len() <= 4 { 0 } else { 4 };
            let hidden = input.len() - shown;
            prop_assert!(output[..hidden].iter().all(|c| *c == '*'));
            prop_assert_eq!(&output[hidden..], &input[hidden..]);
        }
    }

    #[test]
    fn scrub_phones_masks_numbers_in_free_text_only() {
        assert_eq!(
            scrub_phones("rider 010-1234-5678 called, CX-4821"),
            "rider 010-****-5678 called, CX-4821"
        );
        assert_eq!(
            scrub_phones("call +82 10 1234 5678 now"),
            "call 010-****-5678 now"
        );
        assert_eq!(
            scrub_phones("CX 1234 010 1234 5678"),
            "CX 1234 010-****-5678"
        );
        assert_eq!(scrub_phones("(01012345678)"), "(010-****-5678)");
        assert_eq!(
            scrub_phones("ticket 12345, 2026-11-28"),
            "ticket 12345, 2026-11-28"
        );
        assert_eq!(scrub_phones("홍길동 010.9876.5432"), "홍길동 010-****-5432");
        assert_eq!(scrub_phones(""), "");
        // Found by the fuzzer: a stray "010" before the number must not shift the match.
        assert_eq!(
            scrub_phones("010 010 0000 0000 010"),
            "010 010-****-0000 010"
        );
        assert_eq!(scrub_phones("010 010 1234 5678"), "010 010-****-5678");
    }

    proptest::proptest! {
        #[test]
        fn scrub_phones_never_panics_and_hides_the_middle(prefix in "\\PC{0,20}", middle in "[0-9]{4}", last in "[0-9]{4}", suffix in "\\PC{0,20}") {
            let text = format!("{prefix} 010-{middle}-{last} {suffix}");
            let scrubbed = scrub_phones(&text);
            let needle = format!("010-{middle}-{last}");
            proptest::prop_assert!(!scrubbed.contains(&needle));
        }
    }
}
