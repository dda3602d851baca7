//! The catalogues' tests: the same keys and variables in both languages, every key formats
//! cleanly, Slack's limits hold in both languages, the Korean register, and the `tr!`
//! scanner that ties the catalogues to the code.
//!
//! `cargo test --lib i18n -- --ignored show_every_message --nocapture` prints every message
//! in both languages, side by side, for a reviewer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::TimeZone;
use fluent_syntax::ast;

use super::*;

// ---------------------------------------------------------------------------------------
// The catalogue as a syntax tree: every key (a message's value, or `id.attribute`) with the
// variables it needs, counting those of the messages it refers to.

type Resource = ast::Resource<&'static str>;
/// Named values, as the tests hand them over.
type Args = Vec<(String, Arg<'static>)>;

fn resource(language: Language) -> Resource {
    match fluent_syntax::parser::parse(language.catalogue()) {
        Ok(r) => r,
        Err((_, errors)) => panic!("{language}: syntax errors: {errors:?}"),
    }
}

fn messages(r: &Resource) -> BTreeMap<&'static str, &ast::Message<&'static str>> {
    r.body
        .iter()
        .filter_map(|e| match e {
            ast::Entry::Message(m) => Some((m.id.name, m)),
            _ => None,
        })
        .collect()
}

/// Keys: `id` for a message with a value, `id.attr` for each attribute.
fn keys(r: &Resource) -> BTreeMap<String, &ast::Pattern<&'static str>> {
    let mut out = BTreeMap::new();
    for (id, m) in messages(r) {
        if let Some(v) = &m.value {
            out.insert(id.to_owned(), v);
        }
        for a in &m.attributes {
            out.insert(format!("{id}.{}", a.id.name), &a.value);
        }
    }
    out
}

#[derive(Default)]
struct Refs {
    variables: BTreeSet<String>,
    messages: BTreeSet<String>,
}

fn walk_pattern(p: &ast::Pattern<&str>, refs: &mut Refs) {
    for e in &p.elements {
        if let ast::PatternElement::Placeable { expression } = e {
            walk_expression(expression, refs);
        }
    }
}

fn walk_expression(e: &ast::Expression<&str>, refs: &mut Refs) {
    match e {
        ast::Expression::Select { selector, variants } => {
            walk_inline(selector, refs);
            for v in variants {
                walk_pattern(&v.value, refs);
            }
        }
        ast::Expression::Inline(i) => walk_inline(i, refs),
    }
}

fn walk_inline(i: &ast::InlineExpression<&str>, refs: &mut Refs) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            refs.variables.insert(id.name.to_owned());
        }
        ast::InlineExpression::MessageReference { id, attribute } => {
            refs.messages.insert(match attribute {
                Some(a) => format!("{}.{}", id.name, a.name),
                None => id.name.to_owned(),
            });
        }
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                walk_inline(a, refs);
            }
            for a in &arguments.named {
                walk_inline(&a.value, refs);
            }
        }
        // A term's arguments are literals, and its own variables are local to it.
        ast::InlineExpression::TermReference { .. }
        | ast::InlineExpression::StringLiteral { .. }
        | ast::InlineExpression::NumberLiteral { .. } => {}
        ast::InlineExpression::Placeable { expression } => walk_expression(expression, refs),
    }
}

/// Each key's variables, including those of the messages it refers to (they share the
/// caller's arguments).
fn variables(r: &Resource) -> BTreeMap<String, BTreeSet<String>> {
    let keys = keys(r);
    let direct: BTreeMap<String, Refs> = keys
        .iter()
        .map(|(k, p)| {
            let mut refs = Refs::default();
            walk_pattern(p, &mut refs);
            (k.clone(), refs)
        })
        .collect();
    let mut out = BTreeMap::new();
    for k in keys.keys() {
        let mut vars = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut todo = vec![k.clone()];
        while let Some(k) = todo.pop() {
            if !seen.insert(k.clone()) {
                continue;
            }
            if let Some(refs) = direct.get(&k) {
                vars.extend(refs.variables.iter().cloned());
                todo.extend(refs.messages.iter().cloned());
            }
        }
        out.insert(k.clone(), vars);
    }
    out
}

/// Keys that other messages refer to.
fn referenced(r: &Resource) -> BTreeSet<String> {
    let mut refs = Refs::default();
    for p in keys(r).values() {
        walk_pattern(p, &mut refs);
    }
    refs.messages
}

// ---------------------------------------------------------------------------------------
// Sample values. Every variable of the catalogues must be listed in exactly one of these
// tables (a test checks it), so a new variable cannot slip past the format and length tests.

/// Variables whose values a message selects on, with every value the code hands over.
const CHOICES: &[(&str, &[&str])] = &[
    (
        "status",
        &["PENDING", "APPROVED", "REJECTED", "TIMED_OUT", "CANCELLED"],
    ),
    ("decider", &["none", "U0LEAD1"]),
    ("rider_status", &["ACTIVE", "WITHDRAWN"]),
    ("policy_status", &["ACTIVE", "EXPIRED"]),
    ("decision", &["approve", "reject"]),
    ("kept", &["yes", "no"]),
    ("backdated", &["yes", "no"]),
    ("unit", &["day", "hour", "minute", "second"]),
    ("what", &["post", "thread", "update"]),
];

/// Counts: handed over as numbers, they drive the plurals.
const COUNTS: &[&str] = &[
    "riders",
    "policies",
    "listed_riders",
    "listed_policies",
    "other_riders",
    "days_ago",
    "page",
    "pages",
    "lag_seconds",
    "shown",
    "total",
    "filed",
    "already_pending",
    "settled",
    "needs_individual",
    "failed",
    "more",
    "approvals",
    "required",
    "more_required",
    "ordinal",
    "missing",
    "amount",
    "count",
    "max",
    "minutes",
];
const COUNT_SAMPLES: &[i64] = &[0, 1, 2, 44];
/// The largest count the length tests use.
const LONG_COUNT: i64 = 99_999;

/// Moments, handed over formatted by [`Language::datetime`].
const TIMES: &[&str] = &[
    "began",
    "cancelled_at",
    "decided_at",
    "requested_at",
    "expires_at",
    "valid_until",
    "approved_at",
    "reminded_at",
    "posted_at",
];
/// Days, handed over formatted by [`Language::day`].
const DAYS: &[&str] = &["date", "withdrawn_on", "valid_from"];

/// Text values: (name, a typical value, the longest value a renderer hands over whole).
/// Longer data than the third column (policy numbers up to 64 characters, long names) is
/// the renderer's to cut visibly before formatting a short kind (an option, a button); the
/// length test proves that values up to these lengths fit in both languages.
const TEXTS: &[(&str, &str, &str)] = &[
    ("request_id", "12", "1234567890123"),
    ("rider_id", "1001", "1234567890123456789"),
    ("name", "홍*동", "남********수"),
    ("phone", "010-****-5678", "010-****-5678"),
    ("insurer", "바로화재", "가나다라마바사아자차카타"),
    ("policy", "******3456", "****************3456"),
    ("query", "010-****-5678", "1234567890123456789"),
    ("requester", "U0AGENT1", "U0123456789ABCDEFGHIJKLM"),
    ("channel", "C0APPROVE", "C0123456789ABCDEFGHIJKLM"),
    (
        "code",
        "expired_trigger_id",
        "a_very_long_slack_error_code_of_forty_ch",
    ),
    (
        "link",
        "https://slack.com/archives/C0APPROVE/p1700000000000100",
        "https://slack.com/archives/C0123456789ABCDEFGHIJKLM/p1700000000000100",
    ),
    (
        "reason",
        "Cancelled with the insurer by phone, CX-1001",
        "x",
    ),
    ("note", "Insurer says it is still active", "x"),
    // Already formatted messages handed into another one.
    (
        "outcome",
        "Approved by <@U0LEAD1> at 2026-12-01 (Tue) 15:30 KST.",
        "x",
    ),
    ("before", "ACTIVE (open-ended)", "x"),
    ("after", "EXPIRED (until 2026-12-01 (Tue) 15:30 KST)", "x"),
    ("change", "Policy: ACTIVE (open-ended) → EXPIRED", "x"),
    ("approver", "U0LEAD2", "U0123456789ABCDEFGHIJKLM"),
    // Already formatted pieces handed into another message.
    ("span", "7일", "99999 minutes"),
    ("given", "<@U0LEAD1> 2026-12-02 (수) 15:30 KST", "x"),
    ("approvers", "<!subteam^S0LEADS> <@U0LEAD1> <@U0LEAD2>", "x"),
    (
        "rider_list",
        "홍*동 (ID 1001, 010-****-5678, active member)",
        "x",
    ),
];

fn sample_moment() -> DateTime<Utc> {
    // A Wednesday (the longest English weekday is still three letters) in the afternoon.
    Utc.with_ymd_and_hms(2026, 12, 2, 6, 30, 0).unwrap()
}

/// One value for `var`, typical or long; `None` for a variable of the choice or count tables.
fn text_sample(language: Language, var: &str, long: bool) -> Option<String> {
    let tz = chrono_tz::Asia::Seoul;
    if TIMES.contains(&var) {
        return Some(language.datetime(sample_moment(), tz));
    }
    if DAYS.contains(&var) {
        return Some(Language::day(sample_moment(), tz));
    }
    TEXTS
        .iter()
        .find(|(n, ..)| *n == var)
        .map(|(_, typical, longest)| if long { *longest } else { *typical }.to_owned())
}

/// Every combination of the choice and count samples, with one value for each other
/// variable.
fn arg_sets(language: Language, vars: &BTreeSet<String>, long: bool) -> Vec<Args> {
    let mut sets: Vec<Args> = vec![Vec::new()];
    for var in vars {
        let values: Vec<Arg<'static>> = if let Some((_, choices)) =
            CHOICES.iter().find(|(n, _)| n == var)
        {
            choices.iter().map(|c| Arg::from(*c)).collect()
        } else if COUNTS.contains(&var.as_str()) {
            let mut v: Vec<Arg<'static>> = COUNT_SAMPLES.iter().map(|n| Arg::from(*n)).collect();
            if long {
                v.push(Arg::from(LONG_COUNT));
            }
            v
        } else {
            let s = text_sample(language, var, long)
                .unwrap_or_else(|| panic!("no sample value for ${var}: add it to the tables"));
            vec![Arg::from(s)]
        };
        sets = sets
            .into_iter()
            .flat_map(|set| {
                values.iter().map(move |v| {
                    let mut s = set.clone();
                    s.push((var.clone(), v.clone()));
                    s
                })
            })
            .collect();
    }
    sets
}

/// Formats `key` straight from the bundle, so errors are seen rather than logged.
fn format_checked(texts: &Texts, key: &str, args: &[(String, Arg<'static>)]) -> String {
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        fa.set(k.clone(), v.clone());
    }
    let (text, errors) = format_in(&texts.bundle, key, &fa)
        .unwrap_or_else(|| panic!("{}: {key} is missing", texts.language));
    assert!(
        errors.is_empty(),
        "{}: {key} formatted with errors {:?} (args {args:?})",
        texts.language,
        errors.iter().map(describe).collect::<Vec<_>>()
    );
    text
}

fn all_formatted(texts: &Texts, long: bool) -> Vec<(String, Args, String)> {
    let r = resource(texts.language);
    let mut out = Vec::new();
    for (key, vars) in variables(&r) {
        for args in arg_sets(texts.language, &vars, long) {
            let text = format_checked(texts, &key, &args);
            out.push((key.clone(), args, text));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The catalogues agree with each other.

#[test]
fn both_catalogues_parse_and_load_cleanly() {
    for language in Language::ALL {
        let r = resource(language);
        assert!(
            !r.body.iter().any(|e| matches!(e, ast::Entry::Junk { .. })),
            "{language}: junk in the catalogue"
        );
        let res = FluentResource::try_new(language.catalogue().to_owned())
            .unwrap_or_else(|_| panic!("{language}: does not parse"));
        let mut b = Bundle::new_concurrent(vec![language.code().parse().unwrap()]);
        assert!(b.add_resource(res).is_ok(), "{language}: duplicate ids");
    }
}

#[test]
fn every_key_exists_in_both_catalogues() {
    let ko: BTreeSet<String> = keys(&resource(Language::Ko)).into_keys().collect();
    let en: BTreeSet<String> = keys(&resource(Language::En)).into_keys().collect();
    let only_ko: Vec<_> = ko.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&ko).collect();
    assert!(
        only_ko.is_empty() && only_en.is_empty(),
        "only in ko: {only_ko:?}; only in en: {only_en:?}"
    );
    assert!(
        ko.len() > 100,
        "{} keys: the catalogue looks truncated",
        ko.len()
    );
}

#[test]
fn every_key_has_the_same_variables_in_both_catalogues() {
    let ko = variables(&resource(Language::Ko));
    let en = variables(&resource(Language::En));
    let differ: Vec<String> = ko
        .iter()
        .filter(|(k, v)| en.get(*k).is_some_and(|e| e != *v))
        .map(|(k, v)| format!("{k}: ko {v:?}, en {:?}", en[k]))
        .collect();
    assert!(differ.is_empty(), "{differ:#?}");
}

#[test]
fn every_variable_has_sample_values() {
    for language in Language::ALL {
        for (key, vars) in variables(&resource(language)) {
            for v in vars {
                let listed = CHOICES.iter().any(|(n, _)| *n == v)
                    || COUNTS.contains(&v.as_str())
                    || text_sample(language, &v, false).is_some();
                assert!(listed, "{language}: ${v} of {key} has no sample value");
            }
        }
    }
}

#[test]
fn every_key_formats_without_errors_for_every_choice_and_count() {
    let catalog = Catalog::load();
    for language in Language::ALL {
        let texts = catalog.texts(language);
        let all = all_formatted(texts, false);
        assert!(all.len() > 100);
        for (key, args, text) in all {
            assert!(
                !text.trim().is_empty() || key == "value-missing",
                "{language}: {key} is empty for {args:?}"
            );
            assert!(!text.contains("{$"), "{language}: {key}: {text}");
            assert!(
                !text.contains('\u{2068}') && !text.contains('\u{2069}'),
                "{language}: {key} carries isolation marks"
            );
            if key != "list-separator" {
                assert_eq!(
                    text.trim(),
                    text,
                    "{language}: {key} has edge whitespace: {text:?}"
                );
            }
        }
    }
}

/// A selector's variants must agree with the choices the code hands over: a status word
/// spelled differently in the two catalogues would silently fall to the default.
#[test]
fn selectors_name_only_known_choices() {
    fn keys_of(p: &ast::Pattern<&str>, out: &mut Vec<(String, String)>) {
        for e in &p.elements {
            if let ast::PatternElement::Placeable { expression } = e {
                expr(expression, out);
            }
        }
    }
    fn expr(e: &ast::Expression<&str>, out: &mut Vec<(String, String)>) {
        match e {
            ast::Expression::Select { selector, variants } => {
                if let ast::InlineExpression::VariableReference { id } = selector {
                    for v in variants {
                        if let ast::VariantKey::Identifier { name } = v.key {
                            out.push((id.name.to_owned(), name.to_owned()));
                        }
                    }
                }
                for v in variants {
                    keys_of(&v.value, out);
                }
            }
            ast::Expression::Inline(ast::InlineExpression::Placeable { expression }) => {
                expr(expression, out)
            }
            ast::Expression::Inline(_) => {}
        }
    }
    const PLURAL: &[&str] = &["zero", "one", "two", "few", "many", "other"];
    for language in Language::ALL {
        for (key, p) in keys(&resource(language)) {
            let mut found = Vec::new();
            keys_of(p, &mut found);
            for (var, variant) in found {
                let ok = if COUNTS.contains(&var.as_str()) {
                    PLURAL.contains(&variant.as_str())
                } else {
                    CHOICES
                        .iter()
                        .find(|(n, _)| *n == var)
                        .is_some_and(|(_, c)| c.contains(&variant.as_str()))
                        || variant == "other"
                };
                assert!(
                    ok,
                    "{language}: {key} selects ${var} on unknown [{variant}]"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Slack's limits, by kind (the last part of a key; see the head of the catalogues).

fn kind(key: &str) -> &str {
    match key.split_once('.') {
        Some((_, attribute)) => attribute,
        None => key.rsplit('-').next().unwrap_or(key),
    }
}

fn limit(kind: &str) -> usize {
    match kind {
        "title" | "submit" | "close" => 24,
        "confirm" | "deny" => 30,
        "button" | "option" | "description" => 75,
        "placeholder" => 150,
        "body" => 300,
        "label" | "hint" => 2000,
        _ => 3000,
    }
}

#[test]
fn short_kinds_stay_within_slacks_limits_in_both_languages_with_long_values() {
    let catalog = Catalog::load();
    let mut checked = BTreeSet::new();
    for language in Language::ALL {
        for (key, args, text) in all_formatted(catalog.texts(language), true) {
            let max = limit(kind(&key));
            if max == 3000 {
                continue;
            }
            checked.insert(kind(&key).to_owned());
            let n = text.chars().count();
            assert!(
                n <= max,
                "{language}: {key} is {n} characters (limit {max}): {text:?} with {args:?}"
            );
        }
    }
    for k in [
        "title",
        "submit",
        "close",
        "confirm",
        "deny",
        "button",
        "option",
        "description",
        "placeholder",
        "body",
        "label",
        "hint",
    ] {
        assert!(
            checked.contains(k),
            "no key of kind {k}: is the convention still used?"
        );
    }
}

#[test]
fn every_message_stays_within_a_section_with_typical_values() {
    let catalog = Catalog::load();
    for language in Language::ALL {
        for (key, _, text) in all_formatted(catalog.texts(language), false) {
            let n = text.chars().count();
            assert!(n <= 3000, "{language}: {key} is {n} characters");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Register and mrkdwn.

/// The bot's own sentences are 합쇼체; no 해요체 or 반말 ending anywhere, and a Korean
/// sentence that ends with a full stop ends as 합쇼체 does (…니다. / …시오.).
#[test]
fn korean_copy_keeps_one_register() {
    const HAEYO: &[&str] = &[
        "세요", "해요", "어요", "아요", "예요", "에요", "죠.", "해.", "야.",
    ];
    let texts = Texts::load(Language::Ko);
    for (key, _, text) in all_formatted(&texts, false) {
        for e in HAEYO {
            assert!(!text.contains(e), "ko: {key} is not 합쇼체 ({e}): {text}");
        }
        // Only the bot's sentences: a value handed over (a reason, an outcome) is not ours.
        let own = [
            "approval-reason-field",
            "outcome-rejected",
            "decide-refused-already-decided",
            "decide-refused-withdrawn",
            "withdraw-refused-already-decided",
            "notice-decided",
            "notice-decided-no-link",
        ];
        if own.contains(&key.as_str()) || !text.ends_with('.') || text.ends_with("...") {
            continue;
        }
        let hangul_before_stop = text
            .trim_end_matches('.')
            .chars()
            .last()
            .is_some_and(|c| ('가'..='힣').contains(&c));
        if hangul_before_stop {
            assert!(
                text.ends_with("다.") || text.ends_with("오."),
                "ko: {key} ends a sentence outside 합쇼체: {text}"
            );
        }
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// Slack only renders `*bold*` and `_italic_` when the markers touch no letter on their
/// outer side; Korean text glued to a closing `*` (`*3건*이`) shows the asterisks.
#[test]
fn mrkdwn_markers_are_not_glued_to_letters() {
    let catalog = Catalog::load();
    for language in Language::ALL {
        let texts = catalog.texts(language);
        for (key, vars) in variables(&resource(language)) {
            // Masked values carry `*` themselves; use values without any for this check.
            for args in arg_sets(language, &vars, false) {
                let args: Args = args
                    .into_iter()
                    .map(|(k, v)| match v {
                        Arg::String(s) => (k, Arg::from(s.replace(['*', '_'], "x"))),
                        other => (k, other),
                    })
                    .collect();
                let text = format_checked(texts, &key, &args);
                for line in text.lines() {
                    let line = strip_code(line);
                    let chars: Vec<char> = line.chars().collect();
                    for marker in ['*', '_'] {
                        let at: Vec<usize> = chars
                            .iter()
                            .enumerate()
                            .filter(|(_, c)| **c == marker)
                            .map(|(i, _)| i)
                            .collect();
                        assert!(
                            at.len().is_multiple_of(2),
                            "{language}: {key}: unpaired {marker} in {line}"
                        );
                        for pair in at.chunks(2) {
                            let (open, close) = (pair[0], pair[1]);
                            let before = open.checked_sub(1).map(|i| chars[i]);
                            let after = chars.get(close + 1).copied();
                            assert!(
                                !before.is_some_and(is_word) && !after.is_some_and(is_word),
                                "{language}: {key}: {marker}…{marker} touches a letter in {line}"
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Drops `code` spans and `:emoji_names:`, where `*` and `_` are literal.
fn strip_code(line: &str) -> String {
    let mut out = String::new();
    let mut code = false;
    for c in line.chars() {
        if c == '`' {
            code = !code;
        } else if !code {
            out.push(c);
        }
    }
    let mut rest = out.as_str();
    let mut kept = String::new();
    while let Some(start) = rest.find(':') {
        let tail = &rest[start + 1..];
        let name_len = tail
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(tail.len());
        if name_len > 0 && tail[name_len..].starts_with(':') {
            kept.push_str(&rest[..start]);
            rest = &tail[name_len + 1..];
        } else {
            kept.push_str(&rest[..=start]);
            rest = tail;
        }
    }
    kept.push_str(rest);
    kept
}

/// What people type or see verbatim — masked values, IDs, policy numbers, Slack markup —
/// comes through the same in both languages.
#[test]
fn masked_values_and_ids_come_through_unchanged_in_both_languages() {
    let catalog = Catalog::load();
    for language in Language::ALL {
        let t = catalog.texts(language);
        let text = tr!(
            t,
            "filed-modal-text",
            request_id = "12",
            insurer = "바로화재",
            policy = "******3456",
            name = "이*연",
            phone = "010-****-5678",
            channel = "C0APPROVE"
        );
        for shown in [
            "#12",
            "바로화재",
            "******3456",
            "이*연",
            "010-****-5678",
            "<#C0APPROVE>",
        ] {
            assert!(
                text.contains(shown),
                "{language}: {shown} missing from {text}"
            );
        }
    }
}

/// A Korean message has no English word in it, whatever the choices and counts: only the
/// untranslated names ([`UNTRANSLATED`]), and values the code hands over (here Korean or
/// numeric samples; the English sample reasons and outcomes are replaced).
#[test]
fn korean_messages_have_no_english_words() {
    let texts = Texts::load(Language::Ko);
    let r = resource(Language::Ko);
    let mut checked = 0;
    for (key, vars) in variables(&r) {
        for args in arg_sets(Language::Ko, &vars, false) {
            let args: Args = args
                .into_iter()
                .map(|(k, v)| match (k.as_str(), v) {
                    (
                        "reason" | "note" | "outcome" | "before" | "after" | "change"
                        | "rider_list",
                        _,
                    ) => (k, Arg::from("한국어 값")),
                    (_, v) => (k, v),
                })
                .collect();
            let text = format_checked(&texts, &key, &args);
            let english = english_words(&text);
            assert!(
                english.is_empty(),
                "ko: {key} has English {english:?}: {text}"
            );
            checked += 1;
        }
    }
    assert!(checked > 150, "{checked} texts checked");
}

/// The check finds English where there is some, and leaves alone what is not prose.
#[test]
fn english_words_are_found_outside_markup_code_and_emoji() {
    let en = Texts::load(Language::En);
    assert!(!english_words(&tr!(en, "decide-refused-own-request")).is_empty());
    assert_eq!(
        english_words(
            ":white_check_mark: <@U0LEAD1>님이 <https://slack.com/archives/C1/p1|요청 메시지> \
             `expired_trigger_id` 2026-12-01 (화) 15:30 KST CX-20417 ******3456 expire-bot \
             /expire-insurance history Slack"
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        english_words("보험 <https://x.example|open the request> 만료 Approved"),
        vec!["open", "request", "Approved"]
    );
    assert_eq!(
        english_words("a `code` and :x: then Done"),
        vec!["then", "Done"]
    );
}

// ---------------------------------------------------------------------------------------
// English keeps today's wording (the assertions the flow tests make on it), and Korean
// says the key moments in Korean.

#[test]
fn english_keeps_todays_wording() {
    let t = Texts::load(Language::En);
    assert_eq!(
        tr!(
            t,
            "bulk-answer",
            filed = 0,
            already_pending = 3,
            settled = 0,
            needs_individual = 0,
            failed = 0,
            channel = "C0APPROVE"
        ),
        "Filed 0 new requests; 3 policies were already waiting for a decision (not filed again)."
    );
    assert_eq!(
        tr!(
            t,
            "bulk-answer",
            filed = 1,
            already_pending = 1,
            settled = 2,
            needs_individual = 1,
            failed = 2,
            channel = "C0APPROVE"
        ),
        "Filed 1 new request; 1 policy was already waiting for a decision (not filed again); \
         2 policies are no longer active or no longer withdrawn (nothing to do); 1 policy needs \
         filing one by one with *File request…* (no usable withdrawal time); 2 policies could \
         not be filed because of a database error — click again to retry them. Each is being \
         posted to <#C0APPROVE> for a lead's approval; another lead has to approve the ones you \
         filed."
    );
    let summary = tr!(t, "digest-summary", riders = 130, policies = 3);
    assert!(
        summary.starts_with("*130 withdrawn riders* still hold *3 active hourly policies*."),
        "{summary}"
    );
    assert!(
        tr!(t, "digest-summary", riders = 1, policies = 1)
            .starts_with("*1 withdrawn rider* still holds *1 active hourly policy*.")
    );
    assert!(
        tr!(
            t,
            "digest-cut-note",
            listed_riders = 100,
            listed_policies = 100,
            other_riders = 30
        )
        .contains("the other 30 riders")
    );
    let line = |days: i64| {
        tr!(
            t,
            "digest-rider-line",
            name = "홍*동",
            phone = "010-****-9001",
            withdrawn_on = "2026-11-01",
            days_ago = days
        )
    };
    assert_eq!(
        line(0),
        "*홍*동* · 010-****-9001 · withdrawn 2026-11-01 (today)"
    );
    assert!(line(1).ends_with("(1 day ago)") && line(27).ends_with("(27 days ago)"));
    let state = tr!(t, "history-policy-open-state", policy_status = "ACTIVE");
    assert_eq!(
        tr!(t, "history-entry-unchanged", before = state),
        "Policy: ACTIVE (open-ended) (unchanged by this request)"
    );
    assert_eq!(
        tr!(t, "decided-header", request_id = "7", status = "TIMED_OUT"),
        "*Insurance expiry request #7* — timed out"
    );
    let approved = tr!(
        t,
        "outcome-approved",
        decider = "U0LEAD1",
        decided_at = "2026-12-01 (Tue) 15:30 KST",
        policy = "******3456",
        cancelled_at = "2026-11-30 (Mon) 09:00 KST",
        kept = "no"
    );
    assert_eq!(
        approved,
        ":white_check_mark: Approved by <@U0LEAD1> at 2026-12-01 (Tue) 15:30 KST. Policy ******3456 is now expired as of 2026-11-30 (Mon) 09:00 KST."
    );
    let kept = tr!(
        t,
        "outcome-approved",
        decider = "U0LEAD1",
        decided_at = "x",
        policy = "p",
        cancelled_at = "y",
        kept = "yes"
    );
    assert!(
        kept.ends_with(
            "as of y. Its existing end time was earlier than the cancellation time and was kept."
        ),
        "{kept}"
    );
    assert!(
        tr!(t, "outcome-timed-out", decided_at = "x")
            .starts_with(":hourglass: Timed out at x: no lead decided in time.")
    );
    assert!(tr!(t, "decide-refused-own-request").contains("four-eyes rule"));
    assert!(
        tr!(
            t,
            "decide-refused-timed-out",
            request_id = "3",
            decision = "approve"
        )
        .starts_with(
            "Request #3 timed out before anyone decided it, so it can no longer be approved. File"
        )
    );
    assert_eq!(
        tr!(t, "choice-intro", policies = 2, riders = 1),
        "*2 active policies* belong to *1* rider account matching what you typed. A withdrawn \
         account and a newer one can share a phone number: pick the policy the rider cancelled."
    );
    assert_eq!(
        tr!(
            t,
            "outcome-rejected",
            decider = "none",
            decided_at = "x",
            note = "n"
        ),
        ":x: Rejected by expire-bot at x. Reason: n. The policy was not changed."
    );
    assert_eq!(
        [
            tr!(t, "help-request-line"),
            tr!(t, "help-history-line"),
            tr!(t, "help-help-line")
        ]
        .join("\n"),
        // src/slack/handlers/commands.rs's HELP, as it is today.
        "*/expire-insurance [rider ID or phone]* — file a request to expire a rider's hourly insurance after the insurer cancelled it; a lead approves it in the approvals channel.\n\
*/expire-insurance history <rider ID or phone>* — every expiry request for that rider's policies (who filed, who decided, what changed), shown only to you.\n\
*/expire-insurance help* — this help. Phones may be typed in any common form (010-1234-5678, +82 10-1234-5678); withdrawn riders are found too."
    );
}

#[test]
fn korean_says_the_key_moments_in_korean() {
    let t = Texts::load(Language::Ko);
    let filed = tr!(
        t,
        "filed-modal-text",
        request_id = "12",
        insurer = "바로화재",
        policy = "******3456",
        name = "이*연",
        phone = "010-****-5678",
        channel = "C0APPROVE"
    );
    assert!(filed.contains("접수"), "{filed}");
    let approved = tr!(
        t,
        "outcome-approved",
        decider = "U0LEAD1",
        decided_at = "2026-12-01 (화) 15:30 KST",
        policy = "******3456",
        cancelled_at = "2026-11-30 (월) 09:00 KST",
        kept = "no"
    );
    assert!(
        approved.contains("<@U0LEAD1>님이") && approved.contains("승인했습니다"),
        "{approved}"
    );
    let by_bot = tr!(
        t,
        "outcome-rejected",
        decider = "none",
        decided_at = "x",
        note = "n"
    );
    assert!(
        by_bot.starts_with(":x: expire-bot이 x에 반려했습니다."),
        "{by_bot}"
    );
    assert!(tr!(t, "decide-refused-own-request").contains("다른 리드"));
    assert_eq!(tr!(t, "approval-approve-button"), "승인");
    assert_eq!(tr!(t, "approval-reject-button"), "반려");
    assert_eq!(
        tr!(t, "member-status", rider_status = "WITHDRAWN"),
        "탈퇴 회원"
    );
    assert_eq!(
        tr!(t, "request-cancelled-at-input.label"),
        "보험사 해지 일시"
    );
    assert_eq!(
        tr!(t, "decided-header", request_id = "7", status = "TIMED_OUT"),
        "*보험 만료 요청 #7* — 기한 만료"
    );
    assert!(
        tr!(
            t,
            "digest-rider-line",
            name = "a",
            phone = "b",
            withdrawn_on = "c",
            days_ago = 0
        )
        .ends_with("(오늘)")
    );
}

// ---------------------------------------------------------------------------------------
// Runtime behaviour: isolation off, fallbacks, numbers.

#[test]
fn isolation_marks_are_off() {
    let t = Texts::load(Language::Ko);
    let text = tr!(t, "approval-header", request_id = "42");
    assert_eq!(text, "*보험 만료 요청 #42*");
}

#[test]
fn a_missing_key_or_value_shows_visibly_and_does_not_panic() {
    for language in Language::ALL {
        let t = Texts::load(language);
        assert_eq!(t.get("no-such-message"), "no-such-message");
        assert_eq!(
            t.get("request-modal.no-such-attribute"),
            "request-modal.no-such-attribute"
        );
        assert_eq!(
            t.get("request-modal"),
            "request-modal",
            "a message without a value"
        );
        let text = t.get("approval-header");
        assert!(text.contains("{$request_id}"), "{text}");
        assert!(
            !t.has("no-such-message") && t.has("request-modal.title") && !t.has("request-modal")
        );
    }
}

#[test]
fn a_key_missing_in_korean_is_taken_from_english() {
    let mut partial = Bundle::new_concurrent(vec!["ko".parse().unwrap()]);
    partial.set_use_isolating(false);
    let only =
        FluentResource::try_new("approval-header = 요청 #{ $request_id }".to_owned()).unwrap();
    partial.add_resource(only).unwrap();
    let t = Texts {
        language: Language::Ko,
        bundle: partial,
        fallback: Some(bundle(Language::En)),
    };
    assert_eq!(tr!(t, "approval-header", request_id = "4"), "요청 #4");
    assert_eq!(t.get("approval-approve-button"), "Approve");
    assert_eq!(t.get("request-modal.title"), "Expire insurance");
}

/// Problems are logged with the message id and the variable's name, never a value.
#[test]
fn problems_are_logged_by_id_never_with_values() {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let t = Texts::load(Language::Ko);
    let (missing_value, missing_key) = tracing::subscriber::with_default(subscriber, || {
        (
            // $phone and $name are given, $request_id and the rest are not.
            tr!(
                t,
                "filed-modal-text",
                phone = "01055501234",
                name = "홍길동"
            ),
            tr!(t, "no-such-message", name = "홍길동"),
        )
    });
    let logged = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(missing_value.contains("{$request_id}"), "{missing_value}");
    assert_eq!(missing_key, "no-such-message");
    assert!(
        logged.contains("filed-modal-text") && logged.contains("no value for $request_id"),
        "{logged}"
    );
    assert!(logged.contains("no-such-message"), "{logged}");
    assert!(
        !logged.contains("01055501234") && !logged.contains("홍길동"),
        "a value was logged: {logged}"
    );
}

#[test]
fn a_number_fluent_cannot_take_is_shown_not_panicked_on() {
    let t = Texts::load(Language::En);
    let text = tr!(
        t,
        "digest-summary",
        riders = f64::NAN,
        policies = f64::INFINITY
    );
    assert!(
        text.starts_with("*- withdrawn riders* still hold *- active hourly policies*"),
        "{text}"
    );
}

#[test]
fn ids_are_text_so_large_ones_are_not_rounded() {
    let t = Texts::load(Language::En);
    let id = 1_234_567_890_123_456_789_i64;
    assert_eq!(
        tr!(t, "approval-header", request_id = id.to_string()),
        "*Insurance expiry request #1234567890123456789*"
    );
    // As a number it would be rounded: why the catalogue's head says IDs arrive as text.
    assert_ne!(
        tr!(t, "approval-header", request_id = id),
        "*Insurance expiry request #1234567890123456789*"
    );
}

#[test]
fn texts_are_shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Texts>();
    send_sync::<Catalog>();
    let catalog = Catalog::global();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || catalog.texts(Language::Ko).get("approval-approve-button"))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), "승인");
    }
}

// ---------------------------------------------------------------------------------------
// Language and times.

#[test]
fn ui_language_is_ko_or_en_in_any_case() {
    assert_eq!(Language::default(), Language::Ko);
    assert_eq!(Language::parse("ko"), Ok(Language::Ko));
    assert_eq!(Language::parse(" EN "), Ok(Language::En));
    assert_eq!("Ko".parse::<Language>(), Ok(Language::Ko));
    for bad in ["xx", "kr", "ko-KR", "english", ""] {
        let e = Language::parse(bad).unwrap_err().to_string();
        assert!(
            e.contains("use ko (Korean, the default) or en (English)"),
            "{e}"
        );
    }
    assert_eq!(Language::Ko.to_string(), "ko");
}

#[test]
fn times_read_as_people_read_them_in_the_display_zone() {
    let seoul = chrono_tz::Asia::Seoul;
    // 06:30 UTC is 15:30 in Seoul, on Tuesday 1 December 2026.
    let t = Utc.with_ymd_and_hms(2026, 12, 1, 6, 30, 0).unwrap();
    assert_eq!(Language::Ko.datetime(t, seoul), "2026-12-01 (화) 15:30 KST");
    assert_eq!(
        Language::En.datetime(t, seoul),
        "2026-12-01 (Tue) 15:30 KST"
    );
    assert_eq!(Language::Ko.date(t, seoul), "2026-12-01 (화)");
    assert_eq!(Language::En.date(t, seoul), "2026-12-01 (Tue)");
    assert_eq!(Language::day(t, seoul), "2026-12-01");
    // 16:00 UTC on Monday is already Tuesday in Seoul: the day and weekday are Seoul's.
    let late = Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap();
    assert_eq!(
        Language::Ko.datetime(late, seoul),
        "2026-12-01 (화) 01:00 KST"
    );
    assert_eq!(
        Language::En.datetime(late, chrono_tz::UTC),
        "2026-11-30 (Mon) 16:00 UTC"
    );
    let texts = Texts::load(Language::Ko);
    assert_eq!(texts.datetime(t, seoul), Language::Ko.datetime(t, seoul));
    assert_eq!(texts.date(t, seoul), "2026-12-01 (화)");
}

// ---------------------------------------------------------------------------------------
// The code: every `tr!(texts, "key", name = value, …)` in src/.

#[derive(Debug, PartialEq)]
struct Use {
    line: usize,
    key: String,
    args: Vec<String>,
}

/// Finds every `tr!(` in `source`; `Err` names a line whose use the scanner cannot read
/// (the key must be a string literal, the arguments `name = value`).
fn scan(source: &str) -> Result<Vec<Use>, usize> {
    let bytes: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let needle: Vec<char> = "tr!(".chars().collect();
    let mut i = 0;
    while i + needle.len() <= bytes.len() {
        let starts_word = i == 0 || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_');
        if !(starts_word && bytes[i..i + needle.len()] == needle[..]) {
            i += 1;
            continue;
        }
        let line = bytes[..i].iter().filter(|c| **c == '\n').count() + 1;
        let mut j = i + needle.len();
        // The texts expression, up to its comma.
        j = skip_expression(&bytes, j).ok_or(line)?;
        if bytes.get(j) != Some(&',') {
            return Err(line);
        }
        j = skip_ws(&bytes, j + 1);
        if bytes.get(j) != Some(&'"') {
            return Err(line);
        }
        let end = bytes[j + 1..].iter().position(|c| *c == '"').ok_or(line)? + j + 1;
        let key: String = bytes[j + 1..end].iter().collect();
        j = end + 1;
        let mut args = Vec::new();
        loop {
            j = skip_ws(&bytes, j);
            match bytes.get(j) {
                Some(')') => break,
                Some(',') => {
                    j = skip_ws(&bytes, j + 1);
                    if bytes.get(j) == Some(&')') {
                        break;
                    }
                    let name_end = bytes[j..]
                        .iter()
                        .position(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
                        .ok_or(line)?
                        + j;
                    if name_end == j {
                        return Err(line);
                    }
                    args.push(bytes[j..name_end].iter().collect());
                    j = skip_ws(&bytes, name_end);
                    if bytes.get(j) != Some(&'=') {
                        return Err(line);
                    }
                    j = skip_expression(&bytes, j + 1).ok_or(line)?;
                }
                _ => return Err(line),
            }
        }
        out.push(Use { line, key, args });
        // On from just inside this use, so a `tr!` among its values is found too.
        i += needle.len();
        debug_assert!(i <= j);
    }
    Ok(out)
}

fn skip_ws(s: &[char], mut i: usize) -> usize {
    while s.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    i
}

/// Skips an expression up to the `,` or `)` that ends it at depth 0 (string and char
/// literals skipped whole).
fn skip_expression(s: &[char], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while let Some(&c) = s.get(i) {
        match c {
            '"' => {
                i += 1;
                while *s.get(i)? != '"' {
                    if s[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            '\'' if s.get(i + 2) == Some(&'\'') || s.get(i + 1) == Some(&'\\') => {
                i += 1;
                while *s.get(i)? != '\'' {
                    if s[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => return Some(i),
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The product's sources, less this module (its tests and docs quote `tr!` on purpose).
fn sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .filter(|p| !(p.ends_with("i18n.rs") || p.starts_with(src.join("i18n"))))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (
                p.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                    .unwrap()
                    .to_path_buf(),
                text,
            )
        })
        .collect()
}

fn uses_in_src() -> Vec<(String, Use)> {
    let mut out = Vec::new();
    for (path, text) in sources() {
        match scan(&text) {
            Ok(uses) => out.extend(uses.into_iter().map(|u| (path.display().to_string(), u))),
            Err(line) => panic!(
                "{}:{line}: a tr! the scanner cannot read: name the key with a string literal and the values as name = value",
                path.display()
            ),
        }
    }
    out
}

#[test]
fn the_scanner_reads_keys_and_argument_names() {
    let src = r#"
        let a = tr!(t, "approval-approve-button");
        let b = tr!(self.texts(), "filed-modal-text", request_id = r.id.to_string(),
            insurer = &escape(&c.insurer), policy = c.policy_number_masked.as_str(),
            name = f(a, (b, c)), phone = "x,y)", channel = chan,);
        let c = my_tr!(t, "not-ours");
        let d = tr!(t, "request-modal.title");
        let e = tr!(t, "history-heading", rider_list = v.join(&tr!(t, "list-separator")));
    "#;
    let uses = scan(src).unwrap();
    assert_eq!(
        uses,
        vec![
            Use {
                line: 2,
                key: "approval-approve-button".into(),
                args: vec![]
            },
            Use {
                line: 3,
                key: "filed-modal-text".into(),
                args: [
                    "request_id",
                    "insurer",
                    "policy",
                    "name",
                    "phone",
                    "channel"
                ]
                .map(String::from)
                .to_vec()
            },
            Use {
                line: 7,
                key: "request-modal.title".into(),
                args: vec![]
            },
            Use {
                line: 8,
                key: "history-heading".into(),
                args: vec!["rider_list".into()]
            },
            Use {
                line: 8,
                key: "list-separator".into(),
                args: vec![]
            },
        ]
    );
    assert_eq!(
        scan("x\ntr!(t, id)"),
        Err(2),
        "a key that is not a literal is refused"
    );
    assert_eq!(scan("tr!(t, \"k\", 5)"), Err(1));
}

/// Every key the code formats exists in both catalogues, and the code hands over exactly
/// the message's variables: no more, no fewer.
#[test]
fn every_key_used_in_src_exists_with_exactly_its_variables() {
    let ko = variables(&resource(Language::Ko));
    let en = variables(&resource(Language::En));
    let mut problems = Vec::new();
    for (file, u) in uses_in_src() {
        let given: BTreeSet<String> = u.args.iter().cloned().collect();
        for (language, vars) in [("ko", &ko), ("en", &en)] {
            match vars.get(&u.key) {
                None => problems.push(format!(
                    "{file}:{}: {} is not in the {language} catalogue",
                    u.line, u.key
                )),
                Some(v) if *v != given => problems.push(format!(
                    "{file}:{}: {} takes {v:?} in {language}, the code gives {given:?}",
                    u.line, u.key
                )),
                Some(_) => {}
            }
        }
        if given.len() != u.args.len() {
            problems.push(format!("{file}:{}: an argument is given twice", u.line));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Every key of the catalogues is formatted somewhere in src/ or referred to by another
/// message: a message nobody shows is deleted, not kept "just in case".
#[test]
fn every_catalogue_key_is_used() {
    // Formatted by this module itself (`Locale::time_or_missing`), which the scanner skips.
    const USED_HERE: &[&str] = &["value-missing"];
    let here = include_str!("../i18n.rs");
    for key in USED_HERE {
        assert!(
            here.contains(&format!("\"{key}\"")),
            "{key} is no longer used in i18n.rs"
        );
    }
    let r = resource(Language::En);
    let mut used: BTreeSet<String> = uses_in_src().into_iter().map(|(_, u)| u.key).collect();
    used.extend(USED_HERE.iter().map(|k| (*k).to_owned()));
    used.extend(referenced(&r));
    let unused: Vec<String> = keys(&r).into_keys().filter(|k| !used.contains(k)).collect();
    assert!(
        unused.is_empty(),
        "{} keys unused: {unused:#?}",
        unused.len()
    );
}

/// For a reviewer: every message in both languages, side by side, with typical values.
#[test]
#[ignore = "prints the catalogues; run with --ignored --nocapture"]
fn show_every_message() {
    let catalog = Catalog::load();
    let ko = catalog.texts(Language::Ko);
    let en = catalog.texts(Language::En);
    let r = resource(Language::En);
    for (key, vars) in variables(&r) {
        let sets_en = arg_sets(Language::En, &vars, false);
        let sets_ko = arg_sets(Language::Ko, &vars, false);
        println!("── {key}");
        for (a_en, a_ko) in sets_en.iter().zip(&sets_ko).take(6) {
            println!(
                "  en: {}",
                format_checked(en, &key, a_en).replace('\n', "\n      ")
            );
            println!(
                "  ko: {}",
                format_checked(ko, &key, a_ko).replace('\n', "\n      ")
            );
        }
    }
}
