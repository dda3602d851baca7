//! The language people read in Slack: the `UI_LANGUAGE` setting, the message catalogues and
//! how times are written.
//!
//! Every text a person reads in Slack lives in a Project Fluent catalogue,
//! `locales/{ko,en}/expire-bot.ftl`, embedded in the binary (`include_str!`): Korean is the
//! default because the CX team and the leads are Korean; English is kept for everyone else.
//! Rust code names a message by its id and hands over the values to fill in; plurals, status
//! words and word order belong to the catalogue, so no sentence is glued together in Rust.
//! docs/I18N.md says how the catalogues are organised and how to add a message.
//!
//! Why `fluent-bundle` itself (its `concurrent` bundle, `Send + Sync`) and not
//! `fluent-templates`: the bot needs exactly two embedded files and one formatting call;
//! `fluent-templates` adds a loader layer, a directory-reading macro and its own fallback
//! rules on top of the same bundle, while the tests here need the catalogue's own syntax
//! tree (every id, attribute and variable), which the plain bundle's resources give directly.
//!
//! Failure is never fatal and never silent: a message missing from a catalogue falls back to
//! English, then to its id, and a missing value shows as `{$name}` in the text; either is
//! logged with the message id (ids are not personal data; values may be, so they are never
//! logged). The tests make sure none of this happens in a release.
//!
//! Unicode isolation marks (U+2068/U+2069 around every placeable, Fluent's default) are
//! off: Slack would show them, and they would break copied IDs and policy numbers.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::resolver::ResolverError;
use fluent_bundle::resolver::errors::ReferenceKind;
use fluent_bundle::{FluentArgs, FluentError, FluentResource};

/// A value handed to a message: text (`&str`, `String`) or a number (counts, which drive the
/// plurals). IDs are handed over as text: a Fluent number is an `f64` and would round IDs
/// past 2^53.
pub type Arg<'a> = fluent_bundle::FluentValue<'a>;

/// Formats a catalogue message: `tr!(texts, "id")` or
/// `tr!(texts, "id.attribute", name = value, …)`, returning a `String`.
///
/// The argument names are the message's variables without the `$`. Always name the id with
/// a string literal: the tests read every `tr!(…, "id", name = …)` in `src/` and check that
/// the id exists in both catalogues with exactly those variables.
#[macro_export]
macro_rules! tr {
    ($texts:expr, $key:literal $(,)?) => {
        $texts.get($key)
    };
    ($texts:expr, $key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $texts.format($key, &[$((stringify!($name), $crate::i18n::Arg::from($value))),+])
    };
}

/// The language of everything people read in Slack (`UI_LANGUAGE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// Korean, the default: the bot's users are a Korean CX team and Korean leads.
    #[default]
    Ko,
    En,
}

/// `UI_LANGUAGE` held something other than `ko` or `en`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not understood: use ko (Korean, the default) or en (English).")]
pub struct LanguageError(String);

impl Language {
    pub const ALL: [Language; 2] = [Language::Ko, Language::En];

    /// Reads `ko` or `en`, in any case, around spaces.
    ///
    /// # Errors
    /// Anything else, with a sentence saying what to use.
    pub fn parse(raw: &str) -> Result<Language, LanguageError> {
        let v = raw.trim();
        if v.eq_ignore_ascii_case("ko") {
            Ok(Language::Ko)
        } else if v.eq_ignore_ascii_case("en") {
            Ok(Language::En)
        } else {
            Err(LanguageError(v.to_owned()))
        }
    }

    /// The code as `UI_LANGUAGE` takes it, and as Fluent's locale.
    pub fn code(self) -> &'static str {
        match self {
            Language::Ko => "ko",
            Language::En => "en",
        }
    }

    /// The language's name in English, for operators (`check-config`).
    pub fn english_name(self) -> &'static str {
        match self {
            Language::Ko => "Korean",
            Language::En => "English",
        }
    }

    /// The embedded catalogue.
    pub fn catalogue(self) -> &'static str {
        match self {
            Language::Ko => include_str!("../locales/ko/expire-bot.ftl"),
            Language::En => include_str!("../locales/en/expire-bot.ftl"),
        }
    }

    fn weekday(self, t: &DateTime<Tz>) -> &'static str {
        const KO: [&str; 7] = ["월", "화", "수", "목", "금", "토", "일"];
        const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let i = t.weekday().num_days_from_monday() as usize;
        match self {
            Language::Ko => KO[i],
            Language::En => EN[i],
        }
    }

    /// A moment as people read it in `tz`: `2026-12-01 (화) 15:30 KST`, in English
    /// `2026-12-01 (Tue) 15:30 KST`.
    ///
    /// The same shape in both languages, with the weekday in both: "the rider cancelled last
    /// Friday" is how agents and leads check a cancellation time, and one shape keeps the two
    /// catalogues' lengths alike. ISO date order because that is how Korean tools write dates
    /// and it cannot be misread (no 12/01 vs 01/12). The zone's abbreviation stays, because
    /// `DISPLAY_TZ` may be set to something other than Seoul.
    pub fn datetime(self, t: DateTime<Utc>, tz: Tz) -> String {
        let local = t.with_timezone(&tz);
        format!(
            "{} ({}) {}",
            local.format("%Y-%m-%d"),
            self.weekday(&local),
            local.format("%H:%M %Z")
        )
    }

    /// A day with its weekday: `2026-12-01 (화)`, `2026-12-01 (Tue)`.
    pub fn date(self, t: DateTime<Utc>, tz: Tz) -> String {
        let local = t.with_timezone(&tz);
        format!("{} ({})", local.format("%Y-%m-%d"), self.weekday(&local))
    }

    /// A day alone, `2026-12-01`, the same in every language: for the tight places (option
    /// text ≤ 75 characters, a digest's rider lines) where a weekday does not help.
    pub fn day(t: DateTime<Utc>, tz: Tz) -> String {
        t.with_timezone(&tz).format("%Y-%m-%d").to_string()
    }
}

impl FromStr for Language {
    type Err = LanguageError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Language::parse(s)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

type Bundle = FluentBundle<FluentResource>;

fn bundle(language: Language) -> Bundle {
    let locale = language.code().parse().unwrap_or_default();
    let mut bundle = Bundle::new_concurrent(vec![locale]);
    bundle.set_use_isolating(false);
    let resource = match FluentResource::try_new(language.catalogue().to_owned()) {
        Ok(r) => r,
        // Keep what did parse: one broken message must not silence the whole bot.
        Err((r, errors)) => {
            tracing::error!(
                language = language.code(),
                errors = errors.len(),
                "the message catalogue has syntax errors"
            );
            r
        }
    };
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(
            language = language.code(),
            errors = errors.len(),
            "the message catalogue has duplicate ids"
        );
    }
    bundle
}

/// What went wrong while formatting, said without any value that was handed over.
fn describe(e: &FluentError) -> String {
    match e {
        FluentError::ResolverError(ResolverError::Reference(r)) => match r {
            ReferenceKind::Variable { id } => format!("no value for ${id}"),
            ReferenceKind::Message { id, attribute } | ReferenceKind::Term { id, attribute } => {
                match attribute {
                    Some(a) => format!("unknown reference {id}.{a}"),
                    None => format!("unknown reference {id}"),
                }
            }
            ReferenceKind::Function { id } => format!("unknown function {id}"),
        },
        FluentError::ResolverError(ResolverError::NoValue(id)) => format!("{id} has no value"),
        FluentError::ResolverError(ResolverError::MissingDefault) => "no default variant".into(),
        FluentError::ResolverError(ResolverError::Cyclic) => "cyclic reference".into(),
        FluentError::ResolverError(ResolverError::TooManyPlaceables) => {
            "too many placeables".into()
        }
        FluentError::Overriding { .. } => "duplicate id".into(),
        FluentError::ParserError(_) => "syntax error".into(),
    }
}

/// One language's messages, ready to format. `Send + Sync`: one is shared by every task.
pub struct Texts {
    language: Language,
    bundle: Bundle,
    /// English, for a message the Korean catalogue lacks (the tests prevent it; this only
    /// keeps a slip from showing an id to an agent).
    fallback: Option<Bundle>,
}

impl fmt::Debug for Texts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Texts")
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

impl Texts {
    /// Parses the embedded catalogue of `language`. Never fails: problems are logged, and
    /// the tests keep the catalogues free of them.
    pub fn load(language: Language) -> Texts {
        Texts {
            language,
            bundle: bundle(language),
            fallback: (language != Language::En).then(|| bundle(Language::En)),
        }
    }

    pub fn language(&self) -> Language {
        self.language
    }

    /// Whether `key` (`id` or `id.attribute`) is in this language's catalogue.
    pub fn has(&self, key: &str) -> bool {
        let (id, attribute) = split_key(key);
        match self.bundle.get_message(id) {
            Some(m) => match attribute {
                Some(a) => m.get_attribute(a).is_some(),
                None => m.value().is_some(),
            },
            None => false,
        }
    }

    /// A message without variables; see [`Texts::format`].
    pub fn get(&self, key: &str) -> String {
        self.format(key, &[])
    }

    /// Formats `key` (`id` or `id.attribute`) with the named values. Never panics: a key
    /// missing here is taken from English, then shown as the key itself; a missing value
    /// shows as `{$name}`. Both are logged with the key, never with a value.
    pub fn format(&self, key: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            fluent_args.set(*name, finite(value));
        }
        let found = format_in(&self.bundle, key, &fluent_args).map(|r| (r, self.language));
        let found = found.or_else(|| {
            let english = self.fallback.as_ref()?;
            tracing::error!(
                message_id = key,
                language = self.language.code(),
                "message missing from the catalogue; using English"
            );
            format_in(english, key, &fluent_args).map(|r| (r, Language::En))
        });
        match found {
            Some(((text, errors), language)) => {
                if !errors.is_empty() {
                    let problems: Vec<String> = errors.iter().map(describe).collect();
                    tracing::error!(
                        message_id = key,
                        language = language.code(),
                        problems = problems.join("; "),
                        "message formatted with errors"
                    );
                }
                text
            }
            None => {
                tracing::error!(
                    message_id = key,
                    language = self.language.code(),
                    "message missing from every catalogue"
                );
                key.to_owned()
            }
        }
    }

    /// [`Language::datetime`] in this language.
    pub fn datetime(&self, t: DateTime<Utc>, tz: Tz) -> String {
        self.language.datetime(t, tz)
    }

    /// [`Language::date`] in this language.
    pub fn date(&self, t: DateTime<Utc>, tz: Tz) -> String {
        self.language.date(t, tz)
    }
}

/// A number Fluent cannot take (NaN, infinity: its plural rules would panic on one) is
/// handed over as text instead.
fn finite<'a>(v: &Arg<'a>) -> Arg<'a> {
    match v {
        Arg::Number(n) if !n.value.is_finite() => Arg::from("-"),
        other => other.clone(),
    }
}

fn split_key(key: &str) -> (&str, Option<&str>) {
    match key.split_once('.') {
        Some((id, attribute)) => (id, Some(attribute)),
        None => (key, None),
    }
}

fn format_in(
    bundle: &Bundle,
    key: &str,
    args: &FluentArgs<'_>,
) -> Option<(String, Vec<FluentError>)> {
    let (id, attribute) = split_key(key);
    let message = bundle.get_message(id)?;
    let pattern = match attribute {
        Some(a) => message.get_attribute(a)?.value(),
        None => message.value()?,
    };
    let mut errors = Vec::new();
    let text = bundle
        .format_pattern(pattern, Some(args), &mut errors)
        .into_owned();
    Some((text, errors))
}

/// What a renderer needs to speak to people: the language's messages and the time zone
/// they read times in (`UI_LANGUAGE` and `DISPLAY_TZ`). Small and `Copy`: startup makes one
/// and hands it to every handler and worker that puts text in Slack.
///
/// It dereferences to its [`Texts`], so `tr!(locale, "id", …)` works on it directly.
#[derive(Debug, Clone, Copy)]
pub struct Locale {
    texts: &'static Texts,
    tz: Tz,
}

impl Locale {
    /// `language`'s catalogue (parsed once per process, [`Catalog::global`]) and `tz`.
    pub fn new(language: Language, tz: Tz) -> Locale {
        Locale {
            texts: Catalog::global().texts(language),
            tz,
        }
    }

    pub fn language(self) -> Language {
        self.texts.language
    }

    pub fn texts(self) -> &'static Texts {
        self.texts
    }

    /// The time zone people read times in (`DISPLAY_TZ`).
    pub fn tz(self) -> Tz {
        self.tz
    }

    /// A moment in [`Locale::tz`]: `2026-12-01 (화) 15:30 KST` ([`Language::datetime`]).
    pub fn time(self, t: DateTime<Utc>) -> String {
        self.language().datetime(t, self.tz)
    }

    /// A moment that may not be recorded: its time, or the catalogue's `value-missing`.
    pub fn time_or_missing(self, t: Option<DateTime<Utc>>) -> String {
        match t {
            Some(t) => self.time(t),
            None => self.texts.get("value-missing"),
        }
    }

    /// A day with its weekday in [`Locale::tz`] ([`Language::date`]).
    pub fn date(self, t: DateTime<Utc>) -> String {
        self.language().date(t, self.tz)
    }

    /// A bare day in [`Locale::tz`], `2026-12-01` ([`Language::day`]).
    pub fn day(self, t: DateTime<Utc>) -> String {
        Language::day(t, self.tz)
    }
}

impl std::ops::Deref for Locale {
    type Target = Texts;
    fn deref(&self) -> &Texts {
        self.texts
    }
}

/// The words a Korean text keeps in English: the bot's and the command's names
/// (`expire-bot`, `/expire-insurance`), the command's own words (`history`, `help`) and
/// Slack's name. Everything else a person reads in Korean is Korean.
pub const UNTRANSLATED: &[&str] = &["expire", "bot", "insurance", "history", "help", "Slack"];

/// The English words in `text`, a text meant to be Korean: every run of four or more ASCII
/// letters that is not in [`UNTRANSLATED`], outside what is not prose — Slack markup's
/// targets (`<@U…>`, `<#C…>`, a link's URL; a link's label is prose and is read),
/// `code spans` (Slack error codes, the command's usage) and `:emoji_codes:`. IDs, masked
/// data, policy numbers, times (`KST`) and ticket numbers (`CX-20417`) have no such run.
///
/// The tests use it to prove that an unconfigured bot speaks Korean everywhere.
pub fn english_words(text: &str) -> Vec<String> {
    let prose = prose_of(text);
    let mut out = Vec::new();
    let mut word = String::new();
    for c in prose.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphabetic() {
            word.push(c);
            continue;
        }
        if word.len() >= 4 && !UNTRANSLATED.contains(&word.as_str()) {
            out.push(std::mem::take(&mut word));
        }
        word.clear();
    }
    out
}

/// `text` without Slack markup targets, code spans and emoji codes (see [`english_words`]).
fn prose_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let after = &rest[c.len_utf8()..];
        match c {
            '<' => match after.find('>') {
                // `<target|label>`: the label is read; `<target>` is markup only.
                Some(end) => {
                    if let Some((_, label)) = after[..end].split_once('|') {
                        out.push_str(label);
                    }
                    out.push(' ');
                    rest = &after[end + 1..];
                    continue;
                }
                None => out.push(c),
            },
            '`' => match after.find('`') {
                Some(end) => {
                    out.push(' ');
                    rest = &after[end + 1..];
                    continue;
                }
                None => out.push(c),
            },
            ':' => {
                let name = after
                    .find(|c: char| {
                        !(c.is_ascii_lowercase() || c.is_ascii_digit() || "_+-".contains(c))
                    })
                    .unwrap_or(after.len());
                if name > 0 && after[name..].starts_with(':') {
                    out.push(' ');
                    rest = &after[name + 1..];
                    continue;
                }
                out.push(c);
            }
            c => out.push(c),
        }
        rest = after;
    }
    out
}

/// Both languages' messages. The process uses the one `UI_LANGUAGE` names; the demo and the
/// tests use both.
#[derive(Debug)]
pub struct Catalog {
    ko: Texts,
    en: Texts,
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(Catalog::load);

impl Catalog {
    pub fn load() -> Catalog {
        Catalog {
            ko: Texts::load(Language::Ko),
            en: Texts::load(Language::En),
        }
    }

    /// The catalogues, parsed once per process.
    pub fn global() -> &'static Catalog {
        &CATALOG
    }

    pub fn texts(&self, language: Language) -> &Texts {
        match language {
            Language::Ko => &self.ko,
            Language::En => &self.en,
        }
    }
}

#[cfg(test)]
mod tests;
