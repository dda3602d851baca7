//! The one masking rule for personal data, used by every place that shows or
//! records a rider's details: Slack messages, logs and metrics. Keeping it in a
//! single module means a reviewer checks one file to know what can leak, and a
//! change to the rule reaches every output at once. Every function here fails
//! closed: input it cannot make sense of is masked whole, never echoed back.
//!
//! It also owns scrubbing free text ([`scrub`]): what agents and leads type may hold a
//! rider's phone, name, birth date or resident registration number in any written form,
//! and every form must come out masked, while the rest of the text stays as typed.
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

/// What a resident registration number is masked to, whole: its front half is a birth date and its back
/// half identifies the person, so no digit of it may show.
pub const MASKED_RRN: &str = "******-*******";

/// The riders a piece of free text may be about, as a lookup read them: their raw names,
/// phones and birth dates, so [`scrub`] can find them however they were typed. It can only
/// be handed to [`scrub`]: nothing reads its values back, and its `Debug` shows counts only.
#[derive(Clone, Default)]
pub struct Known {
    /// Each name's characters, whitespace removed and case folded, with its masked form.
    names: Vec<(Vec<char>, String)>,
    /// National digits ("01012345678").
    phones: Vec<String>,
    birth_dates: Vec<NaiveDate>,
}

impl std::fmt::Debug for Known {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Known({} names, {} phones, {} birth dates)",
            self.names.len(),
            self.phones.len(),
            self.birth_dates.len()
        )
    }
}

impl Known {
    /// Adds one rider's details.
    pub fn add(&mut self, name: &str, phone: &str, birth_date: Option<NaiveDate>) {
        let letters: Vec<char> = name
            .chars()
            .filter_map(normal)
            .filter(|c| *c != ' ')
            .map(fold)
            .collect();
        // A one-character name would mask every occurrence of that character.
        if letters.len() >= 2 && !self.names.iter().any(|(n, _)| *n == letters) {
            self.names.push((letters, self::name(name)));
            // Longest first, so "남궁민수" is masked before a shorter name inside it.
            self.names.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
        }
        if let Some(digits) = national_phone_digits(phone)
            && digits.len() >= 9
            && !self.phones.contains(&digits)
        {
            self.phones.push(digits);
        }
        if let Some(b) = birth_date
            && !self.birth_dates.contains(&b)
        {
            self.birth_dates.push(b);
        }
    }
}

/// Masks personal data inside free text (a reason, a rejection's reason), leaving the rest
/// as typed. The text is shown in a channel and stored, and agents paste what is on their
/// screen, in whatever form they typed or copied it. What is masked:
///
/// - anything shaped like a resident registration number (`990105-2345678`), whoever's it
///   is, whole ([`MASKED_RRN`]);
/// - every mobile phone number ([`phone`]'s form), however written: full-width digits,
///   any dash (hyphen, en/em dash, minus sign, `ㅡ`), spaces inside and around the
///   separators, `+82` or `82` in front;
/// - the phones of the `known` riders also on a digits-only view (`0 1 0 1 2 …`, odd
///   groupings, the number without its `010`);
/// - the `known` riders' birth dates in every usual form (`990105`, `19990105`,
///   `1999-01-05`, `1999.1.5`, `99/01/05`, `1999년 1월 5일`) → `1999-**-**`;
/// - the `known` riders' names, also typed with spaces inside (`이 서연`) → `이*연`.
///
/// The text is first read through a normalised view (full-width forms, dashes and spaces
/// each become one ASCII character, zero-width characters vanish); what is found there is
/// replaced in the original text, so everything not masked stays exactly as typed. Other
/// dates (a cancellation date, a ticket's) are not personal data and stay.
#[must_use]
pub fn scrub(text: &str, known: &Known) -> String {
    let view = View::of(text);
    let mut found = Found::default();
    let runs = view.runs();
    for run in &runs {
        rrns(&view, run, &mut found);
    }
    // The known birth dates before the phones: they are written exactly (and start and end
    // on a digit group's edge), while the phone rule joins groups across separators, and
    // would read `01.05 / 990105` (a date given twice) as a ten-digit number and leave the
    // month and day in what it writes.
    if !known.birth_dates.is_empty() {
        for run in &runs {
            numeric_dates(&view, run, known, &mut found);
        }
        korean_dates(&view, known, &mut found);
    }
    for run in &runs {
        phones(&view, run, &mut found);
        known_phones(&view, run, known, &mut found);
    }
    names(&view, known, &mut found);
    found.apply(text, &view)
}

/// [`scrub`] knowing no rider: every phone number and anything shaped like a resident
/// registration number. For free text with no lookup behind it.
#[must_use]
pub fn scrub_phones(text: &str) -> String {
    scrub(text, &Known::default())
}

/// The mobile numbers in free text, as national digits (`01012345678`), each once, in the
/// order they appear: what [`scrub`] masks as phones, for finding whose personal data a
/// text is about (a message a shortcut was used on) before scrubbing it with those riders.
#[must_use]
pub fn phones_in(text: &str) -> Vec<String> {
    let view = View::of(text);
    let mut found = Found::default();
    for run in &view.runs() {
        phones(&view, run, &mut found);
    }
    found.spans.sort_unstable_by_key(|(s, _, _)| *s);
    let mut out: Vec<String> = Vec::new();
    for (start, end, _) in &found.spans {
        let digits: String = view.chars[*start..*end]
            .iter()
            .filter(|c| c.is_ascii_digit())
            .collect();
        if let Some(national) = as_mobile(&digits)
            && !out.contains(&national)
        {
            out.push(national);
        }
    }
    out
}

/// One character of the normalised view, or `None` for a character that is dropped
/// (zero-width characters, the soft hyphen).
fn normal(c: char) -> Option<char> {
    match c {
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => None,
        // Full-width ASCII: digits, '+', '-', '.', '(', letters …
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        // Mathematical digits (bold, double-struck, sans-serif, monospace).
        '\u{1D7CE}'..='\u{1D7FF}' => char::from_digit((c as u32 - 0x1D7CE) % 10, 10),
        // Every dash: hyphens, figure/en/em dashes, the minus sign, small and full-width
        // hyphen-minus, and the Hangul vowel ㅡ Korean keyboards type as one.
        '\u{2010}'..='\u{2015}'
        | '\u{2212}'
        | '\u{2043}'
        | '\u{02D7}'
        | '\u{2796}'
        | '\u{FE58}'
        | '\u{FE63}'
        | '\u{2E3A}'
        | '\u{2E3B}'
        | '\u{3161}' => Some('-'),
        '\u{3002}' | '\u{FF61}' | '\u{00B7}' | '\u{30FB}' => Some('.'),
        c if c.is_whitespace() => Some(' '),
        c => Some(c),
    }
}

/// Case folding for comparing names (one character for one).
fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// The normalised view of a text: its characters, each with the byte range it came from.
struct View {
    chars: Vec<char>,
    from: Vec<(usize, usize)>,
}

/// A run of digits and the characters people write between a number's groups, as the
/// digit groups in it (view indices, end exclusive).
struct Run {
    groups: Vec<(usize, usize)>,
}

impl View {
    fn of(text: &str) -> View {
        let mut chars = Vec::with_capacity(text.len());
        let mut from = Vec::with_capacity(text.len());
        for (i, c) in text.char_indices() {
            if let Some(n) = normal(c) {
                chars.push(n);
                from.push((i, i + c.len_utf8()));
            }
        }
        View { chars, from }
    }

    fn digits(&self, (start, end): (usize, usize)) -> String {
        self.chars[start..end].iter().collect()
    }

    /// The runs of digits and separators, with their digit groups.
    fn runs(&self) -> Vec<Run> {
        let is_run_char =
            |c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | '(' | ')' | '/' | ' ');
        let mut runs = Vec::new();
        let mut i = 0;
        let n = self.chars.len();
        while i < n {
            if !is_run_char(self.chars[i]) {
                i += 1;
                continue;
            }
            let mut groups = Vec::new();
            while i < n && is_run_char(self.chars[i]) {
                if self.chars[i].is_ascii_digit() {
                    let start = i;
                    while i < n && self.chars[i].is_ascii_digit() {
                        i += 1;
                    }
                    groups.push((start, i));
                } else {
                    i += 1;
                }
            }
            if !groups.is_empty() {
                runs.push(Run { groups });
            }
        }
        runs
    }

    /// What separates two groups, trimmed of spaces (`None`: more than three characters,
    /// so they are not parts of one number).
    fn separator(&self, before: (usize, usize), after: (usize, usize)) -> Option<String> {
        let between = &self.chars[before.1..after.0];
        // A '+' starts a number (its country code); it never joins two groups into one:
        // "010000000+82 10 1234 5678" read "010000000" + "82" as a phone and left the real
        // one in the clear (found by tests/fuzz.rs).
        (between.len() <= 3 && !between.contains(&'+'))
            .then(|| between.iter().filter(|c| **c != ' ').collect())
    }
}

/// Spans of the view to replace, each with its replacement; they never overlap.
#[derive(Default)]
struct Found {
    spans: Vec<(usize, usize, String)>,
}

impl Found {
    fn free(&self, start: usize, end: usize) -> bool {
        self.spans.iter().all(|(s, e, _)| end <= *s || *e <= start)
    }

    /// Takes the span unless an earlier (stronger) rule took part of it.
    fn take(&mut self, start: usize, end: usize, with: String) -> bool {
        if start < end && self.free(start, end) {
            self.spans.push((start, end, with));
            true
        } else {
            false
        }
    }

    fn apply(mut self, text: &str, view: &View) -> String {
        self.spans.sort_unstable_by_key(|(s, _, _)| *s);
        let mut out = String::with_capacity(text.len() + 16);
        let mut at = 0;
        for (start, end, with) in self.spans {
            let (from, to) = (view.from[start].0, view.from[end - 1].1);
            out.push_str(&text[at..from]);
            out.push_str(&with);
            at = to;
        }
        out.push_str(&text[at..]);
        out
    }
}

/// A month and day that can be a date (for resident registration numbers and dates typed
/// as bare digits).
fn plausible_month_day(month: u32, day: u32) -> bool {
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

fn yymmdd_plausible(six: &str) -> bool {
    let n = |r: std::ops::Range<usize>| six.get(r).and_then(|s| s.parse::<u32>().ok());
    matches!((n(2..4), n(4..6)), (Some(m), Some(d)) if plausible_month_day(m, d))
}

/// Resident registration numbers: `YYMMDD-NNNNNNN` (any dash, spaces around it), the same
/// with spaces only or written as 13 digits (then the front must read as a date and the
/// back start with 1–8, the digits such a number has), and one already half masked
/// (`990105-2******`), whose front half still shows the birth date.
fn rrns(view: &View, run: &Run, found: &mut Found) {
    let g = &run.groups;
    for (i, &a) in g.iter().enumerate() {
        let front = view.digits(a);
        if front.len() == 13
            && yymmdd_plausible(&front)
            && matches!(front.as_bytes()[6], b'1'..=b'8')
        {
            found.take(a.0, a.1, MASKED_RRN.to_owned());
            continue;
        }
        let Some(&b) = g.get(i + 1) else { continue };
        if front.len() != 6 {
            continue;
        }
        let back_len = b.1 - b.0;
        let Some(sep) = view.separator(a, b) else {
            continue;
        };
        let shaped = match (sep.as_str(), back_len) {
            ("-", 7) => true,
            ("", 7) => yymmdd_plausible(&front),
            // Half masked: the back's first digit, then the mask characters.
            ("-", 1) => matches!(
                view.chars.get(b.1),
                Some('*' | 'x' | 'X' | '●' | '○' | '•' | '#')
            ),
            _ => false,
        };
        if shaped {
            found.take(a.0, b.1, MASKED_RRN[..6 + 1 + back_len].to_owned());
        }
    }
}

/// `01012345678` → `010-****-5678` (the digits are ASCII).
fn masked_national(digits: &str) -> String {
    let middle = digits.len() - 7;
    format!(
        "{}-{}-{}",
        &digits[..3],
        "*".repeat(middle),
        &digits[digits.len() - 4..]
    )
}

/// The national digits of a mobile number written as `digits` (with a `+` before it or
/// not), when it is one: `010…`/`011…` of 10 or 11 digits, or the same after Korea's
/// country code `82` (the trunk `0` after it optional).
fn as_mobile(digits: &str) -> Option<String> {
    let mobile = |d: &str| matches!(d.len(), 10 | 11) && d.starts_with("01");
    if let Some(rest) = digits.strip_prefix("82") {
        let rest = rest.strip_prefix('0').unwrap_or(rest);
        let national = format!("0{rest}");
        if mobile(&national) {
            return Some(national);
        }
    }
    mobile(digits).then(|| digits.to_owned())
}

/// Most groups one written phone number is split into ("0 1 0 1 2 3 4 5 6 7 8").
const MAX_PHONE_GROUPS: usize = 11;

/// Every mobile number in a run. A number starts and ends on a group's edge; 11-digit
/// numbers are taken first across the whole run, then 10-digit ones: taking the first
/// match from the left could start one group too early ("010 010 1234 5678" read as
/// "010 010 1234") and leave the real number's last eight digits in the clear.
fn phones(view: &View, run: &Run, found: &mut Found) {
    let g = &run.groups;
    // Numbers whose groups are split by one kind of separator ("010 . 1234 . 5678") first,
    // then any: a digit group or two before a number ("010 0 010-1234-5678") must not be
    // read as its start when the number itself is written evenly (found by tests/fuzz.rs).
    for (want, even) in [(11, true), (10, true), (11, false), (10, false)] {
        let mut i = 0;
        while i < g.len() {
            let mut taken = None;
            let last = g.len().min(i + MAX_PHONE_GROUPS);
            // A number written in groups starts with a short one ("010", "82", "0"): a
            // longer first group is digits of something else before the number, and
            // reading it as the number's start ("0100 010-1234-5678" as "0100 010 1234")
            // would leave the real number's digits in the clear (found by tests/fuzz.rs).
            let short_first = g[i].1 - g[i].0 <= 3;
            'ends: for j in (i..last).rev() {
                if j > i && !short_first {
                    continue;
                }
                let mut digits = String::new();
                let mut first_sep: Option<String> = None;
                for k in i..=j {
                    if k > i {
                        let Some(sep) = view.separator(g[k - 1], g[k]) else {
                            continue 'ends;
                        };
                        match &first_sep {
                            Some(f) if even && *f != sep => continue 'ends,
                            Some(_) => {}
                            None => first_sep = Some(sep),
                        }
                    }
                    digits.push_str(&view.digits(g[k]));
                }
                if let Some(national) = as_mobile(&digits).filter(|d| d.len() == want) {
                    let mut start = g[i].0;
                    // A '+' before the country code belongs to the number, and so does
                    // the '(' of "(010) 1234-5678" (its ')' is inside the number).
                    if start > 0 && view.chars[start - 1] == '+' {
                        start -= 1;
                    }
                    if start > 0
                        && view.chars[start - 1] == '('
                        && view.chars[start..g[j].1].contains(&')')
                    {
                        start -= 1;
                    }
                    if found.take(start, g[j].1, masked_national(&national)) {
                        taken = Some(j);
                        break;
                    }
                }
            }
            i = taken.map_or(i + 1, |j| j + 1);
        }
    }
}

/// The known riders' phones on the run's digits alone, however they are grouped: the
/// number, the number after `82`, and its last seven or eight digits (what follows the
/// `010`). A match still starts and ends on a group's edge, so a longer number that merely
/// contains the digits is left alone.
fn known_phones(view: &View, run: &Run, known: &Known, found: &mut Found) {
    // The run's digits: (view index, a group starts here, a group ends here).
    let mut digits: Vec<(usize, bool, bool)> = Vec::new();
    for &(start, end) in &run.groups {
        for at in start..end {
            digits.push((at, at == start, at + 1 == end));
        }
    }
    for phone in &known.phones {
        let subscriber_mask = format!(
            "{}-{}",
            "*".repeat(phone.len() - 7),
            &phone[phone.len() - 4..]
        );
        let needles = [
            (phone.clone(), masked_national(phone)),
            (format!("82{}", &phone[1..]), masked_national(phone)),
            (phone[3..].to_owned(), subscriber_mask),
        ];
        for (needle, masked) in needles {
            let needle = needle.as_bytes();
            let n = needle.len();
            let mut i = 0;
            while i + n <= digits.len() {
                let here = &digits[i..i + n];
                let matches = here[0].1
                    && here[n - 1].2
                    && here
                        .iter()
                        .zip(needle)
                        .all(|(d, want)| view.chars[d.0] == char::from(*want));
                if matches {
                    let mut start = here[0].0;
                    if start > 0 && view.chars[start - 1] == '+' {
                        start -= 1;
                    }
                    if found.take(start, here[n - 1].0 + 1, masked.clone()) {
                        i += n;
                        continue;
                    }
                }
                i += 1;
            }
        }
    }
}

/// A written date, if it is one of the known birth dates (a two-digit year read in either
/// century).
fn known_date(known: &Known, year: &str, month: &str, day: &str) -> Option<NaiveDate> {
    let (m, d) = (month.parse::<u32>().ok()?, day.parse::<u32>().ok()?);
    let years: Vec<i32> = match year.len() {
        4 => vec![year.parse().ok()?],
        2 => {
            let y: i32 = year.parse().ok()?;
            vec![1900 + y, 2000 + y]
        }
        _ => return None,
    };
    years
        .into_iter()
        .filter_map(|y| NaiveDate::from_ymd_opt(y, m, d))
        .find(|date| known.birth_dates.contains(date))
}

/// The known birth dates written with digits: `19990105`, `990105`, and year, month and day
/// as three groups split by one kind of separator (`1999-01-05`, `1999.1.5`, `99/01/05`,
/// `1999 01 05`, `1999. 1. 5.`).
fn numeric_dates(view: &View, run: &Run, known: &Known, found: &mut Found) {
    let g = &run.groups;
    for (i, &a) in g.iter().enumerate() {
        let first = view.digits(a);
        let whole = match first.len() {
            8 => known_date(known, &first[..4], &first[4..6], &first[6..]),
            6 => known_date(known, &first[..2], &first[2..4], &first[4..]),
            _ => None,
        };
        if let Some(d) = whole {
            found.take(a.0, a.1, birth_date(Some(d)));
            continue;
        }
        let (Some(&b), Some(&c)) = (g.get(i + 1), g.get(i + 2)) else {
            continue;
        };
        let (Some(s1), Some(s2)) = (view.separator(a, b), view.separator(b, c)) else {
            continue;
        };
        let same_kind = s1 == s2 && matches!(s1.as_str(), "-" | "." | "/" | "");
        let (month, day) = (view.digits(b), view.digits(c));
        if same_kind
            && matches!(month.len(), 1 | 2)
            && matches!(day.len(), 1 | 2)
            && let Some(d) = known_date(known, &first, &month, &day)
        {
            found.take(a.0, c.1, birth_date(Some(d)));
        }
    }
}

/// The known birth dates written the Korean way: `1999년 1월 5일` (spaces optional, a
/// two-digit year too).
fn korean_dates(view: &View, known: &Known, found: &mut Found) {
    let chars = &view.chars;
    let n = chars.len();
    // Digits at `at`, then spaces, then `unit`: (the digits, the index after `unit`).
    let part = |at: usize, unit: char| -> Option<(String, usize)> {
        let mut i = at;
        while i < n && chars[i].is_ascii_digit() {
            i += 1;
        }
        let digits: String = chars[at..i].iter().collect();
        while i < n && chars[i] == ' ' {
            i += 1;
        }
        (!digits.is_empty() && i < n && chars[i] == unit).then_some((digits, i + 1))
    };
    let spaces = |mut i: usize| {
        while i < n && chars[i] == ' ' {
            i += 1;
        }
        i
    };
    for start in 0..n {
        if !chars[start].is_ascii_digit() || (start > 0 && chars[start - 1].is_ascii_digit()) {
            continue;
        }
        let Some((year, after_year)) = part(start, '년') else {
            continue;
        };
        let Some((month, after_month)) = part(spaces(after_year), '월') else {
            continue;
        };
        let Some((day, end)) = part(spaces(after_month), '일') else {
            continue;
        };
        if let Some(d) = known_date(known, &year, &month, &day) {
            found.take(start, end, birth_date(Some(d)));
        }
    }
}

/// The known names, case folded, also with spaces between their characters (`이 서연`).
fn names(view: &View, known: &Known, found: &mut Found) {
    let chars = &view.chars;
    let n = chars.len();
    for (name, masked) in &known.names {
        let mut start = 0;
        while start < n {
            let mut at = start;
            let mut matched = 0;
            while matched < name.len() && at < n {
                if matched > 0 && chars[at] == ' ' {
                    at += 1;
                    continue;
                }
                if fold(chars[at]) != name[matched] {
                    break;
                }
                matched += 1;
                at += 1;
            }
            if matched == name.len() && found.take(start, at, masked.clone()) {
                start = at;
            } else {
                start += 1;
            }
        }
    }
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
    fn digits_before_a_grouped_number_are_not_its_first_group() {
        for text in [
            "0100 010 . 1234 . 5678",
            "0100 010 1234 5678",
            "01012 010-1234-5678",
        ] {
            let out = scrub_phones(text);
            assert!(!out.contains("1234"), "{text} → {out}");
            assert!(out.contains("010-****-5678"), "{text} → {out}");
        }
    }

    #[test]
    fn a_plus_starts_a_number_and_never_joins_digits_before_it() {
        let out = scrub_phones("010000000+82 10 0001 0001");
        assert!(!out.contains("0001 0001"), "{out}");
        assert!(out.contains("010-****-0001"), "{out}");
        assert!(out.starts_with("010000000"), "{out}");
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

    /// The riders the scrub tables know: the simple rider and the new account of the
    /// shared phone, as a lookup would have found them.
    fn known() -> Known {
        let mut k = Known::default();
        k.add("이서연", "01012345678", NaiveDate::from_ymd_opt(1999, 1, 5));
        k.add(
            "남궁민수",
            "01055501234",
            NaiveDate::from_ymd_opt(1994, 7, 2),
        );
        k
    }

    /// Issue 12 item 2: every form below reached Slack and the database verbatim before.
    /// Each row is (typed, stored and shown).
    const SCRUB_TABLE: &[(&str, &str)] = &[
        // Phones, in every dash, space and digit form.
        ("010-1234-5678", "010-****-5678"),
        ("01012345678", "010-****-5678"),
        ("010 1234 5678", "010-****-5678"),
        ("010.1234.5678", "010-****-5678"),
        ("010 - 1234 - 5678", "010-****-5678"),
        ("010\u{2013}1234\u{2013}5678", "010-****-5678"),
        ("010\u{2014}1234\u{2014}5678", "010-****-5678"),
        ("010\u{2212}1234\u{2212}5678", "010-****-5678"),
        ("010\u{2010}1234\u{2010}5678", "010-****-5678"),
        ("010\u{2012}1234\u{2012}5678", "010-****-5678"),
        ("010\u{FF0D}1234\u{FF0D}5678", "010-****-5678"),
        ("010ㅡ1234ㅡ5678", "010-****-5678"),
        ("０１０-１２３４-５６７８", "010-****-5678"),
        ("０１０１２３４５６７８", "010-****-5678"),
        ("𝟎𝟏𝟎-𝟏𝟐𝟑𝟒-𝟓𝟔𝟕𝟖", "010-****-5678"),
        ("010\u{3000}1234\u{3000}5678", "010-****-5678"),
        ("010\u{00A0}1234\u{00A0}5678", "010-****-5678"),
        ("010-12\u{200B}34-5678", "010-****-5678"),
        ("+82 10-1234-5678", "010-****-5678"),
        ("+821012345678", "010-****-5678"),
        ("+82-10-1234-5678", "010-****-5678"),
        ("+82 010 1234 5678", "010-****-5678"),
        ("＋８２ １０ １２３４ ５６７８", "010-****-5678"),
        ("82-10-1234-5678", "010-****-5678"),
        ("82 10 1234 5678", "010-****-5678"),
        ("821012345678", "010-****-5678"),
        ("(010) 1234-5678", "010-****-5678"),
        ("(01012345678)", "(010-****-5678)"),
        ("010-12-345-678", "010-****-5678"),
        ("0 1 0 1 2 3 4 5 6 7 8", "010-****-5678"),
        ("01 01 23 45 67 8", "010-****-5678"),
        ("1234-5678", "****-5678"),
        ("tel:010-1234-5678", "tel:010-****-5678"),
        ("010 5550 1234", "010-****-1234"),
        ("011-123-4567", "011-***-4567"),
        ("010-9999-8888", "010-****-8888"),
        // Anything shaped like a resident registration number, whoever's.
        ("990105-2345678", "******-*******"),
        ("990105 - 2345678", "******-*******"),
        ("990105\u{2013}2345678", "******-*******"),
        ("9901052345678", "******-*******"),
        ("990105 2345678", "******-*******"),
        ("８５０３１５-１２３４５６７", "******-*******"),
        ("850315-1234567", "******-*******"),
        ("990105-2******", "******-*******"),
        // The known riders' birth dates, in every usual form.
        ("990105", "1999-**-**"),
        ("19990105", "1999-**-**"),
        ("1999-01-05", "1999-**-**"),
        ("1999.01.05", "1999-**-**"),
        ("1999/01/05", "1999-**-**"),
        ("1999.1.5", "1999-**-**"),
        ("1999. 1. 5.", "1999-**-**."),
        ("99.01.05", "1999-**-**"),
        ("99-01-05", "1999-**-**"),
        ("1999 01 05", "1999-**-**"),
        ("1999\u{2013}01\u{2013}05", "1999-**-**"),
        ("1999년 1월 5일", "1999-**-**"),
        ("1999년1월5일", "1999-**-**"),
        ("99년 1월 5일", "1999-**-**"),
        ("1999 년 01 월 05 일", "1999-**-**"),
        ("１９９９년 １월 ５일", "1999-**-**"),
        ("1994.07.02", "1994-**-**"),
        // The known riders' names, also with spaces inside.
        ("이서연", "이*연"),
        ("이 서연", "이*연"),
        ("이서 연", "이*연"),
        ("이 서 연", "이*연"),
        ("이\u{3000}서연", "이*연"),
        ("남궁민수", "남**수"),
        ("남궁 민수", "남**수"),
        // Not personal data: stays exactly as typed.
        ("CX-4821", "CX-4821"),
        ("ticket 12345, 2026-11-28", "ticket 12345, 2026-11-28"),
        ("2026년 11월 28일", "2026년 11월 28일"),
        ("2026.11.28 14:00", "2026.11.28 14:00"),
        ("ＣＸ－１", "ＣＸ－１"),
        ("CX-20260105123", "CX-20260105123"),
    ];

    #[test]
    fn every_written_form_of_personal_data_is_masked_and_nothing_else() {
        let known = known();
        assert!(SCRUB_TABLE.len() >= 50, "{} forms", SCRUB_TABLE.len());
        let mut wrong = Vec::new();
        for (typed, shown) in SCRUB_TABLE {
            let out = scrub(typed, &known);
            if out != *shown {
                wrong.push(format!("{typed:?} → {out:?}, want {shown:?}"));
            }
            // In a sentence too: the rest of the text stays as typed.
            let in_text = scrub(&format!("CX-7 rider {typed}, called"), &known);
            if in_text != format!("CX-7 rider {shown}, called") {
                wrong.push(format!("in a sentence: {typed:?} → {in_text:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn a_whole_reason_keeps_its_text_and_loses_its_personal_data() {
        let typed = "이 서연 (990105-2345678, 1999년 1월 5일생) 010–1234–5678 / 82-10-5550-1234 called, CX-88";
        assert_eq!(
            scrub(typed, &known()),
            "이*연 (******-*******, 1999-**-**생) 010-****-5678 / 010-****-1234 called, CX-88"
        );
        // Without a lookup behind it: phones and registration numbers still go.
        assert_eq!(
            scrub_phones("990105-2345678 010 - 9999 - 8888 1999-01-05"),
            "******-******* 010-****-8888 1999-01-05"
        );
    }

    #[test]
    fn known_values_print_nothing() {
        assert_eq!(
            format!("{:?}", known()),
            "Known(2 names, 2 phones, 2 birth dates)"
        );
    }

    proptest::proptest! {
        #[test]
        fn scrub_never_panics_and_hides_known_riders(
            prefix in "\\PC{0,20}",
            suffix in "\\PC{0,20}",
            sep in prop::sample::select(vec!["-", " ", " - ", "\u{2013}", "\u{2014}", "\u{2212}", ".", ""]),
            full_width in proptest::bool::ANY,
        ) {
            let phone = format!("010{sep}1234{sep}5678");
            let phone = if full_width {
                phone.chars().map(|c| c.to_digit(10).map_or(c, |d| char::from_u32(0xFF10 + d).unwrap())).collect()
            } else {
                phone
            };
            let text = format!("{prefix} {phone} 이 서연 990105 {suffix}");
            let out = scrub(&text, &known());
            proptest::prop_assert!(!out.contains("1234") || prefix.contains("1234") || suffix.contains("1234"), "{}", out);
            proptest::prop_assert!(!out.contains("서연") || prefix.contains("서연") || suffix.contains("서연"), "{}", out);
            proptest::prop_assert!(!out.contains("990105") || prefix.contains("990105") || suffix.contains("990105"), "{}", out);
        }
    }

    /// A birth date next to more digits (a ticket giving it twice) must not be read as part
    /// of a phone first: `01.05 / 990105` is ten digits starting with `01`, which the phone
    /// rule took, leaving the month and day readable in what it wrote (`1999.010-***-0105`).
    #[test]
    fn a_known_birth_date_beside_other_digits_is_masked_as_a_date() {
        let out = scrub(
            "생년월일 1999.01.05 / 990105, 연락처 010-1234-5678",
            &known(),
        );
        assert_eq!(
            out,
            "생년월일 1999-**-** / 1999-**-**, 연락처 010-****-5678"
        );
    }

    #[test]
    fn phones_in_finds_what_scrub_masks_as_national_digits() {
        let text = "CX-77: 010-1234-5678 / ０１０ １２３４ ５６７８ / +82 10 9876 5432, 01012345678 again, id 1001";
        assert_eq!(phones_in(text), vec!["01012345678", "01098765432"]);
        assert!(phones_in("no phone, 2026-01-05, ticket 123456").is_empty());
    }
}
