//! When and where the withdrawn-rider digest is posted: `DIGEST_SCHEDULE`,
//! `DIGEST_CHANNEL_ID` and `DIGEST_ALL_CLEAR`, parsed with the rest of the configuration.
//!
//! The schedule is standard five-field cron (`minute hour day-of-month month day-of-week`),
//! read in `DISPLAY_TZ`, parsed by the `croner` crate: it accepts exactly the POSIX/Vixie
//! syntax operators already know (ranges, steps, lists, `MON`/`JAN` names, `@daily`), works
//! on chrono/chrono-tz date-times directly, and handles daylight-saving gaps and repeats.
//! (The `cron` crate, the other common choice, insists on a leading seconds field, so the
//! everyday `0 9 * * *` would be refused there.) Seconds are refused here on purpose: a
//! six-field pattern is more likely a mistake than a wish for a per-second digest.
//!
//! A *slot* is one occurrence of the schedule, as a UTC instant; every instance computes
//! the same instants from the same pattern, which is what lets the database pick one
//! instance per slot.

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

/// The default schedule: every day at 09:00 in `DISPLAY_TZ`.
pub const DEFAULT_SCHEDULE: &str = "0 9 * * *";

/// What to do when the scan finds nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllClear {
    /// Post one line saying so (people learn the digest ran).
    Post,
    /// Post nothing.
    Silent,
}

/// The digest's configuration.
#[derive(Debug, Clone)]
pub struct DigestConfig {
    /// `None`: `DIGEST_SCHEDULE=off`, no digest at all.
    pub schedule: Option<Schedule>,
    /// Where the digest goes; the approvals channel unless `DIGEST_CHANNEL_ID` says otherwise.
    pub channel_id: String,
    pub all_clear: AllClear,
}

/// A parsed `DIGEST_SCHEDULE`.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    source: String,
}

impl Schedule {
    /// Parses a five-field cron pattern; the error is a sentence for the operator.
    pub fn parse(pattern: &str) -> Result<Schedule, String> {
        let parser = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build();
        let cron = parser.parse(pattern).map_err(|e| {
            format!(
                "DIGEST_SCHEDULE \"{pattern}\" is not a five-field cron pattern ({e}): use minute hour day-of-month month day-of-week, e.g. \"{DEFAULT_SCHEDULE}\" for 09:00 every day, or \"off\"."
            )
        })?;
        let schedule = Schedule {
            cron,
            source: pattern.to_owned(),
        };
        // A pattern such as "0 9 31 2 *" parses but never fires: say so now, not never.
        if schedule.next_after(Utc::now(), chrono_tz::UTC).is_none() {
            return Err(format!(
                "DIGEST_SCHEDULE \"{pattern}\" never occurs: check the day and month fields."
            ));
        }
        Ok(schedule)
    }

    /// The pattern as configured.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The first slot strictly after `t`, reading the pattern in `tz`.
    pub fn next_after(&self, t: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let local = whole_seconds(t).with_timezone(&tz);
        self.cron
            .find_next_occurrence(&local, false)
            .ok()
            .map(|d| whole_seconds(d.with_timezone(&Utc)))
    }

    /// The latest slot at or before `t`.
    pub fn latest_at_or_before(&self, t: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let local = whole_seconds(t).with_timezone(&tz);
        self.cron
            .find_previous_occurrence(&local, true)
            .ok()
            .map(|d| whole_seconds(d.with_timezone(&Utc)))
    }

    /// The slot to run at start-up: the latest one at or before `now`, if it fell on the
    /// same calendar day as `now` in `tz`. Running it is harmless when it already ran (the
    /// claim says so); a slot from an earlier day is left alone, since yesterday's digest
    /// posted today would only repeat what today's will say.
    pub fn catch_up_slot(&self, now: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let slot = self.latest_at_or_before(now, tz)?;
        same_local_day(slot, now, tz).then_some(slot)
    }
}

/// Whether two instants fall on the same calendar day in `tz`.
pub fn same_local_day(a: DateTime<Utc>, b: DateTime<Utc>, tz: Tz) -> bool {
    a.with_timezone(&tz).date_naive() == b.with_timezone(&tz).date_naive()
}

fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(0).unwrap_or(t)
}

/// Reads the digest's variables. Problems are pushed as sentences, with the rest of the
/// configuration's, so an operator sees them all at once.
pub fn from_vars(
    var: impl Fn(&str) -> Option<String>,
    approval_channel_id: &str,
    looks_like_channel: impl Fn(&str) -> bool,
    problems: &mut Vec<String>,
) -> DigestConfig {
    let schedule = match var("DIGEST_SCHEDULE").as_deref() {
        Some(v) if ["off", "none", "disabled"].contains(&v.to_ascii_lowercase().as_str()) => None,
        Some(v) => Schedule::parse(v).map_err(|p| problems.push(p)).ok(),
        None => Schedule::parse(DEFAULT_SCHEDULE)
            .map_err(|p| problems.push(p))
            .ok(),
    };
    let channel_id = match var("DIGEST_CHANNEL_ID") {
        Some(c) => {
            if !looks_like_channel(&c) {
                problems.push(format!(
                    "DIGEST_CHANNEL_ID \"{c}\" is not a channel ID: it should look like C0123ABCD (leave it unset to use the approvals channel)."
                ));
            }
            c
        }
        None => approval_channel_id.to_owned(),
    };
    let all_clear = match var("DIGEST_ALL_CLEAR").as_deref() {
        None | Some("post") => AllClear::Post,
        Some("silent") => AllClear::Silent,
        Some(v) => {
            problems.push(format!(
                "DIGEST_ALL_CLEAR \"{v}\" is not understood: use post (say \"all clear\" when nobody is found) or silent."
            ));
            AllClear::Post
        }
    };
    DigestConfig {
        schedule,
        channel_id,
        all_clear,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Asia::Seoul;

    fn kst(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Seoul
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn default_is_nine_in_the_display_time_zone() {
        let s = Schedule::parse(DEFAULT_SCHEDULE).unwrap();
        let next = s.next_after(kst(2026, 11, 28, 8, 59), Seoul).unwrap();
        assert_eq!(next, kst(2026, 11, 28, 9, 0));
        // 09:00 KST is 00:00 UTC.
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap());
        // Strictly after: at 09:00 sharp the next one is tomorrow's.
        assert_eq!(
            s.next_after(kst(2026, 11, 28, 9, 0), Seoul).unwrap(),
            kst(2026, 11, 29, 9, 0)
        );
    }

    #[test]
    fn a_missed_slot_runs_on_start_up_only_the_same_day() {
        let s = Schedule::parse(DEFAULT_SCHEDULE).unwrap();
        // Down at 09:00, up at 15:30 the same day: run 09:00's digest.
        assert_eq!(
            s.catch_up_slot(kst(2026, 11, 28, 15, 30), Seoul),
            Some(kst(2026, 11, 28, 9, 0))
        );
        // Up at 09:00 sharp: that slot.
        assert_eq!(
            s.catch_up_slot(kst(2026, 11, 28, 9, 0), Seoul),
            Some(kst(2026, 11, 28, 9, 0))
        );
        // Up at 08:00: the latest slot was yesterday's; leave it.
        assert_eq!(s.catch_up_slot(kst(2026, 11, 28, 8, 0), Seoul), None);
    }

    #[test]
    fn weekday_patterns_and_nicknames() {
        let s = Schedule::parse("30 8 * * MON-FRI").unwrap();
        // 2026-11-28 is a Saturday: next is Monday 30 Nov.
        assert_eq!(
            s.next_after(kst(2026, 11, 28, 12, 0), Seoul).unwrap(),
            kst(2026, 11, 30, 8, 30)
        );
        assert!(Schedule::parse("@daily").is_ok());
    }

    #[test]
    fn bad_patterns_are_explained() {
        for bad in [
            "",
            "every day",
            "0 9 * *",
            "0 0 9 * * *",
            "61 9 * * *",
            "0 9 31 2 *",
        ] {
            let e = Schedule::parse(bad).unwrap_err();
            assert!(e.contains("DIGEST_SCHEDULE"), "{bad}: {e}");
        }
    }

    #[test]
    fn variables() {
        let mut problems = Vec::new();
        let looks = |c: &str| c.starts_with('C');
        let c = from_vars(|_| None, "C0APPROVE", looks, &mut problems);
        assert!(problems.is_empty());
        assert_eq!(c.channel_id, "C0APPROVE");
        assert_eq!(c.all_clear, AllClear::Post);
        assert_eq!(c.schedule.unwrap().as_str(), DEFAULT_SCHEDULE);

        let c = from_vars(
            |k| match k {
                "DIGEST_SCHEDULE" => Some("off".into()),
                "DIGEST_CHANNEL_ID" => Some("C0DIGEST".into()),
                "DIGEST_ALL_CLEAR" => Some("silent".into()),
                _ => None,
            },
            "C0APPROVE",
            looks,
            &mut problems,
        );
        assert!(problems.is_empty());
        assert!(c.schedule.is_none());
        assert_eq!(c.channel_id, "C0DIGEST");
        assert_eq!(c.all_clear, AllClear::Silent);

        from_vars(
            |k| match k {
                "DIGEST_SCHEDULE" => Some("9am".into()),
                "DIGEST_CHANNEL_ID" => Some("#general".into()),
                "DIGEST_ALL_CLEAR" => Some("loud".into()),
                _ => None,
            },
            "C0APPROVE",
            looks,
            &mut problems,
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
    }
}
