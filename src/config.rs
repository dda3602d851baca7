//! Configuration, read once from the environment and validated before anything starts.
//!
//! Every variable of the contract is parsed here into a typed value, and every problem is
//! reported as one plain sentence, all of them at once, so an operator fixes a bad deployment
//! in one round instead of one restart per mistake. Secrets are held as [`SecretString`] so
//! they cannot end up in a `Debug` print or a log line by accident.

use std::net::SocketAddr;
use std::time::Duration;

use chrono_tz::Tz;
use secrecy::{ExposeSecret, SecretString};

use crate::i18n::Language;
use crate::service::access::LookupLimit;
use crate::service::lookup::ReadFallback;
use crate::service::workflow::Workflow;
use crate::telemetry::LogFormat;
use crate::workers::digest::schedule::{self, DigestConfig};

/// What the process was asked to do; it decides which variables are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Serve,
    Migrate,
    Demo,
    CheckConfig,
}

/// The validated configuration of one process.
#[derive(Debug, Clone)]
pub struct Config {
    pub signing_secret: Option<SecretString>,
    pub bot_token: Option<SecretString>,
    pub app_token: Option<SecretString>,
    pub slack_api_url: String,
    pub approval_channel_id: String,
    pub approver_user_ids: Vec<String>,
    pub approver_usergroup_id: Option<String>,
    pub requester_user_ids: Vec<String>,
    pub requester_usergroup_id: Option<String>,
    /// `None` means the embedded SQLite default.
    pub database_url: Option<SecretString>,
    pub database_replica_url: Option<SecretString>,
    pub bind_addr: SocketAddr,
    pub display_tz: Tz,
    pub request_ttl: Duration,
    pub read_fallback: ReadFallback,
    pub log_format: Option<LogFormat>,
    /// The language of everything people read in Slack (`UI_LANGUAGE`, default `ko`).
    pub ui_language: Language,
    /// Replication lag from which agents are warned with their lookup and `/readyz`
    /// reports the replica as lagging (`REPLICA_LAG_WARN`, default 30s; not in the contract).
    pub replica_lag_warn: Duration,
    /// Rider lookups per person per window (`LOOKUP_RATE_LIMIT`, default 30 an hour).
    pub lookup_limit: LookupLimit,
    /// The withdrawn-rider digest (`DIGEST_*`, beyond the contract's variables).
    pub digest: DigestConfig,
    /// The approval workflow: `APPROVALS_REQUIRED` (default 1), `SECOND_APPROVAL_BACKDATE`
    /// (default off), `REMIND_AFTER` (default 2h).
    pub workflow: Workflow,
}

/// The most approvals `APPROVALS_REQUIRED` may ask for: more leads than a CX team has on
/// shift would leave requests to time out.
pub const MAX_APPROVALS_REQUIRED: u32 = 5;

pub const DEFAULT_SLACK_API_URL: &str = "https://slack.com/api";

/// All the problems found in the environment, one sentence each.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.join(" "))]
pub struct ConfigErrors(pub Vec<String>);

impl Config {
    /// Reads the process environment.
    pub fn from_env(mode: Mode) -> Result<Self, ConfigErrors> {
        Self::from_lookup(mode, |k| std::env::var(k).ok())
    }

    /// Reads configuration through `get`, so tests and the demo need not touch the process
    /// environment. Empty values count as unset: `FOO=` in a manifest is a common slip.
    pub fn from_lookup(
        mode: Mode,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigErrors> {
        let var = |k: &str| {
            get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut problems = Vec::new();

        let app_token = var("SLACK_APP_TOKEN").map(SecretString::from);
        let signing_secret = var("SLACK_SIGNING_SECRET").map(SecretString::from);
        let bot_token = var("SLACK_BOT_TOKEN").map(SecretString::from);
        let needs_slack = matches!(mode, Mode::Serve | Mode::CheckConfig);

        if needs_slack {
            match &bot_token {
                None => problems.push("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page.".to_owned()),
                Some(t) if !t.expose_secret().starts_with("xoxb-") => problems.push("SLACK_BOT_TOKEN does not look like a bot token: it should start with xoxb-.".to_owned()),
                Some(_) => {}
            }
            if app_token.is_none() && signing_secret.is_none() {
                problems.push("SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify Slack's requests (Basic Information → Signing Secret), or set SLACK_APP_TOKEN for Socket Mode.".to_owned());
            }
            if let Some(t) = &app_token
                && !t.expose_secret().starts_with("xapp-")
            {
                problems.push("SLACK_APP_TOKEN does not look like an app-level token: it should start with xapp-.".to_owned());
            }
        }

        let slack_api_url = var("SLACK_API_URL")
            .unwrap_or_else(|| DEFAULT_SLACK_API_URL.to_owned())
            .trim_end_matches('/')
            .to_owned();
        match url::Url::parse(&slack_api_url) {
            Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
            _ => problems.push(format!(
                "SLACK_API_URL must be an http(s) URL such as {DEFAULT_SLACK_API_URL}."
            )),
        }

        let approval_channel_id = var("APPROVAL_CHANNEL_ID").unwrap_or_default();
        if mode != Mode::Migrate && mode != Mode::Demo {
            if approval_channel_id.is_empty() {
                problems.push("APPROVAL_CHANNEL_ID is not set: give the ID (C…) of the channel where approval requests are posted.".to_owned());
            } else if !looks_like_slack_id(&approval_channel_id, &['C', 'G']) {
                problems.push(format!(
                    "APPROVAL_CHANNEL_ID \"{approval_channel_id}\" is not a channel ID: it should look like C0123ABCD (right-click the channel → View channel details)."
                ));
            }
        }

        let digest = schedule::from_vars(
            var,
            &approval_channel_id,
            |c| looks_like_slack_id(c, &['C', 'G']),
            &mut problems,
        );

        let approver_user_ids = id_list(var("APPROVER_USER_IDS"));
        let approver_usergroup_id = var("APPROVER_USERGROUP_ID");
        let requester_user_ids = id_list(var("REQUESTER_USER_IDS"));
        let requester_usergroup_id = var("REQUESTER_USERGROUP_ID");
        if mode != Mode::Migrate && mode != Mode::Demo {
            if approver_user_ids.is_empty() && approver_usergroup_id.is_none() {
                problems.push("Nobody may approve: set APPROVER_USER_IDS (comma-separated U… IDs) or APPROVER_USERGROUP_ID (S…), or both.".to_owned());
            }
            for (name, ids) in [
                ("APPROVER_USER_IDS", &approver_user_ids),
                ("REQUESTER_USER_IDS", &requester_user_ids),
            ] {
                for id in ids {
                    if !looks_like_slack_id(id, &['U', 'W']) {
                        problems.push(format!(
                            "{name} has \"{id}\", which is not a Slack user ID (U… or W…)."
                        ));
                    }
                }
            }
            for (name, id) in [
                ("APPROVER_USERGROUP_ID", &approver_usergroup_id),
                ("REQUESTER_USERGROUP_ID", &requester_usergroup_id),
            ] {
                if let Some(id) = id
                    && !looks_like_slack_id(id, &['S'])
                {
                    problems.push(format!(
                        "{name} \"{id}\" is not a user group ID: it should look like S0123ABCD."
                    ));
                }
            }
        }

        let database_url = var("DATABASE_URL").map(SecretString::from);
        let database_replica_url = var("DATABASE_REPLICA_URL").map(SecretString::from);
        for (name, url) in [
            ("DATABASE_URL", &database_url),
            ("DATABASE_REPLICA_URL", &database_replica_url),
        ] {
            if let Some(url) = url {
                let u = url.expose_secret();
                if !(u.starts_with("postgres://")
                    || u.starts_with("postgresql://")
                    || u.starts_with("mysql://")
                    || u.starts_with("sqlite:"))
                {
                    problems.push(format!(
                        "{name} must start with postgres://, mysql:// or sqlite:// (the value is not shown because it may hold a password)."
                    ));
                }
            }
        }
        if mode == Mode::Migrate && database_url.is_none() {
            problems.push("DATABASE_URL is not set: migrate needs the primary's URL (postgres://user:password@host/db or mysql://user:password@host/db).".to_owned());
        }

        let bind_addr = match var("BIND_ADDR") {
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
            Some(v) => v.parse().unwrap_or_else(|_| {
                problems.push(format!(
                    "BIND_ADDR \"{v}\" is not an address: use host:port, e.g. 0.0.0.0:3000."
                ));
                SocketAddr::from(([127, 0, 0, 1], 3000))
            }),
        };

        let display_tz = match var("DISPLAY_TZ") {
            None => chrono_tz::Asia::Seoul,
            Some(v) => v.parse::<Tz>().unwrap_or_else(|_| {
                problems.push(format!(
                    "DISPLAY_TZ \"{v}\" is not a time zone name: use an IANA name such as Asia/Seoul."
                ));
                chrono_tz::Asia::Seoul
            }),
        };

        let request_ttl = match var("REQUEST_TTL") {
            None => Duration::from_secs(24 * 3600),
            Some(v) => parse_duration(&v).unwrap_or_else(|| {
                problems.push(format!(
                    "REQUEST_TTL \"{v}\" is not a duration: use a number and a unit, e.g. 45s, 30m or 24h."
                ));
                Duration::from_secs(24 * 3600)
            }),
        };

        let read_fallback = match var("READ_FALLBACK").as_deref() {
            None | Some("primary") => ReadFallback::Primary,
            Some("off") => ReadFallback::Off,
            Some(v) => {
                problems.push(format!(
                    "READ_FALLBACK \"{v}\" is not understood: use primary or off."
                ));
                ReadFallback::Primary
            }
        };

        let replica_lag_warn = match var("REPLICA_LAG_WARN") {
            None => Duration::from_secs(30),
            Some(v) => parse_duration(&v).unwrap_or_else(|| {
                problems.push(format!(
                    "REPLICA_LAG_WARN \"{v}\" is not a duration: use a number and a unit, e.g. 30s or 2m."
                ));
                Duration::from_secs(30)
            }),
        };

        let lookup_limit = match var("LOOKUP_RATE_LIMIT") {
            None => LookupLimit::default(),
            Some(v) => parse_lookup_limit(&v).unwrap_or_else(|| {
                problems.push(format!(
                    "LOOKUP_RATE_LIMIT \"{v}\" is not a limit: use lookups per duration, e.g. 30/1h."
                ));
                LookupLimit::default()
            }),
        };

        let log_format = match var("LOG_FORMAT").as_deref() {
            None => None,
            Some("json") => Some(LogFormat::Json),
            Some("pretty") => Some(LogFormat::Pretty),
            Some(v) => {
                problems.push(format!(
                    "LOG_FORMAT \"{v}\" is not understood: use json or pretty."
                ));
                None
            }
        };

        let ui_language = match var("UI_LANGUAGE") {
            None => Language::default(),
            Some(v) => Language::parse(&v).unwrap_or_else(|e| {
                problems.push(format!("UI_LANGUAGE {e}"));
                Language::default()
            }),
        };

        let defaults = Workflow::default();
        let approvals_required = match var("APPROVALS_REQUIRED") {
            None => defaults.approvals_required,
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=MAX_APPROVALS_REQUIRED).contains(&n) => n,
                _ => {
                    problems.push(format!(
                        "APPROVALS_REQUIRED \"{v}\" is not understood: use a whole number from 1 to {MAX_APPROVALS_REQUIRED} (the approvals a request needs, each from a different lead)."
                    ));
                    defaults.approvals_required
                }
            },
        };
        let mut off_or_duration = |name: &str, example: &str, default: Option<Duration>| match var(
            name,
        ) {
            None => default,
            Some(v) if v.eq_ignore_ascii_case("off") => None,
            Some(v) => match parse_duration(&v) {
                Some(d) => Some(d),
                None => {
                    problems.push(format!(
                        "{name} \"{v}\" is not understood: use a duration such as {example}, or off."
                    ));
                    default
                }
            },
        };
        let second_approval_backdate = off_or_duration(
            "SECOND_APPROVAL_BACKDATE",
            "7d or 36h",
            defaults.second_approval_backdate,
        );
        let remind_after = off_or_duration("REMIND_AFTER", "2h or 30m", defaults.remind_after);
        let workflow = Workflow {
            approvals_required,
            second_approval_backdate,
            remind_after,
        };
        // Approvals come from different people, never the requester: with only listed IDs
        // (no group that can grow), there must be enough of them for the most any request
        // can need, or such a request could only time out.
        if mode != Mode::Migrate && mode != Mode::Demo && approver_usergroup_id.is_none() {
            let listed = {
                let mut ids = approver_user_ids.clone();
                ids.sort();
                ids.dedup();
                ids.len()
            };
            let most = workflow.most_approvals() as usize;
            if listed > 0 && listed < most {
                let why = if workflow.second_approval_backdate.is_some() {
                    format!(
                        "a backdated request needs {most} approvals (APPROVALS_REQUIRED {approvals_required}, plus one for SECOND_APPROVAL_BACKDATE)"
                    )
                } else {
                    format!("APPROVALS_REQUIRED is {approvals_required}")
                };
                problems.push(format!(
                    "Too few approvers: {why}, each from a different person, but APPROVER_USER_IDS lists {listed} and no APPROVER_USERGROUP_ID is set, so such a request could never be approved."
                ));
            }
        }

        if !problems.is_empty() {
            return Err(ConfigErrors(problems));
        }
        Ok(Config {
            signing_secret,
            bot_token,
            app_token,
            slack_api_url,
            approval_channel_id,
            approver_user_ids,
            approver_usergroup_id,
            requester_user_ids,
            requester_usergroup_id,
            database_url,
            database_replica_url,
            bind_addr,
            display_tz,
            request_ttl,
            read_fallback,
            log_format,
            ui_language,
            replica_lag_warn,
            lookup_limit,
            digest,
            workflow,
        })
    }

    pub fn socket_mode(&self) -> bool {
        self.app_token.is_some()
    }
}

fn id_list(v: Option<String>) -> Vec<String> {
    v.map(|v| {
        v.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

fn looks_like_slack_id(id: &str, prefixes: &[char]) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if prefixes.contains(&c))
        && id.len() >= 3
        && id.len() <= 24
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Parses `N/DURATION` (`30/1h`, `5/10m`): at most N lookups per person per DURATION.
pub fn parse_lookup_limit(v: &str) -> Option<LookupLimit> {
    let (max, per) = v.trim().split_once('/')?;
    let max: u32 = max.trim().parse().ok().filter(|m| *m > 0)?;
    Some(LookupLimit {
        max,
        per: parse_duration(per)?,
    })
}

/// Parses `45s`, `30m`, `24h`, `2d` (and a bare number of seconds).
pub fn parse_duration(v: &str) -> Option<Duration> {
    let v = v.trim();
    let (num, unit) = match v.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => v.split_at(i),
        None => (v, "s"),
    };
    let n: u64 = num.parse().ok()?;
    let secs = match unit.trim() {
        "s" | "sec" | "secs" => n,
        "m" | "min" | "mins" => n.checked_mul(60)?,
        "h" | "hour" | "hours" => n.checked_mul(3600)?,
        "d" | "day" | "days" => n.checked_mul(86_400)?,
        _ => return None,
    };
    (secs > 0).then(|| Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(mode: Mode, vars: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(mode, |k| map.get(k).cloned())
    }

    const GOOD: &[(&str, &str)] = &[
        ("SLACK_SIGNING_SECRET", "s3cret"),
        ("SLACK_BOT_TOKEN", "xoxb-1-2"),
        ("APPROVAL_CHANNEL_ID", "C0APPROVE"),
        ("APPROVER_USER_IDS", "ULEAD1, ULEAD2"),
    ];

    #[test]
    fn good_environment_parses_with_defaults() {
        let c = cfg(Mode::Serve, GOOD).unwrap();
        assert_eq!(c.approver_user_ids, vec!["ULEAD1", "ULEAD2"]);
        assert_eq!(c.request_ttl, Duration::from_secs(86_400));
        assert_eq!(c.display_tz, chrono_tz::Asia::Seoul);
        assert_eq!(c.read_fallback, ReadFallback::Primary);
        assert_eq!(c.slack_api_url, "https://slack.com/api");
        assert_eq!(c.ui_language, Language::Ko);
        assert!(!c.socket_mode());
    }

    #[test]
    fn ui_language_is_ko_by_default_en_on_request_and_nothing_else() {
        let with = |v: &str| {
            let mut vars = GOOD.to_vec();
            vars.push(("UI_LANGUAGE", v));
            cfg(Mode::Serve, &vars)
        };
        assert_eq!(with("en").unwrap().ui_language, Language::En);
        assert_eq!(with("EN").unwrap().ui_language, Language::En);
        assert_eq!(with("ko").unwrap().ui_language, Language::Ko);
        assert_eq!(
            with("").unwrap().ui_language,
            Language::Ko,
            "empty counts as unset"
        );
        let e = with("xx").unwrap_err();
        assert_eq!(
            e.0,
            vec![
                "UI_LANGUAGE \"xx\" is not understood: use ko (Korean, the default) or en (English)."
            ]
        );
        // Checked with the rest, in every mode.
        let all = cfg(
            Mode::Demo,
            &[("UI_LANGUAGE", "fr"), ("REQUEST_TTL", "soon")],
        )
        .unwrap_err();
        assert_eq!(all.0.len(), 2, "{all:?}");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let e = cfg(
            Mode::Serve,
            &[("REQUEST_TTL", "soon"), ("DATABASE_URL", "mongodb://x")],
        )
        .unwrap_err();
        let all = e.0.join("\n");
        assert!(all.contains("SLACK_BOT_TOKEN"));
        assert!(all.contains("SLACK_SIGNING_SECRET"));
        assert!(all.contains("APPROVAL_CHANNEL_ID"));
        assert!(all.contains("Nobody may approve"));
        assert!(all.contains("REQUEST_TTL"));
        assert!(all.contains("DATABASE_URL"));
        assert!(!all.contains("mongodb://x"), "URLs may carry passwords");
    }

    #[test]
    fn mysql_urls_select_the_mysql_backend() {
        let e = cfg(
            Mode::Migrate,
            &[
                ("DATABASE_URL", "mysql://u:p@primary/expire_bot"),
                ("DATABASE_REPLICA_URL", "mysql://u:p@replica/expire_bot"),
            ],
        );
        assert!(e.is_ok(), "{e:?}");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("45s"), Some(Duration::from_secs(45)));
        assert_eq!(parse_duration("30m"), Some(Duration::from_secs(1800)));
        assert_eq!(parse_duration("24h"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("0s"), None);
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("5y"), None);
    }

    #[test]
    fn the_workflow_variables_have_their_defaults_and_take_off() {
        let c = cfg(Mode::Serve, GOOD).unwrap();
        assert_eq!(c.workflow, Workflow::default());
        assert_eq!(c.workflow.approvals_required, 1);
        assert_eq!(c.workflow.second_approval_backdate, None);
        assert_eq!(c.workflow.remind_after, Some(Duration::from_secs(2 * 3600)));
        let mut vars = GOOD.to_vec();
        vars.extend([
            ("APPROVALS_REQUIRED", "2"),
            ("SECOND_APPROVAL_BACKDATE", "7d"),
            ("REMIND_AFTER", "OFF"),
            ("APPROVER_USER_IDS", "ULEAD1,ULEAD2,ULEAD3"),
        ]);
        let c = cfg(Mode::Serve, &vars).unwrap();
        assert_eq!(
            c.workflow,
            Workflow {
                approvals_required: 2,
                second_approval_backdate: Some(Duration::from_secs(7 * 86_400)),
                remind_after: None,
            }
        );
    }

    #[test]
    fn bad_workflow_values_are_one_plain_sentence_each() {
        let mut vars = GOOD.to_vec();
        vars.extend([
            ("APPROVALS_REQUIRED", "two"),
            ("SECOND_APPROVAL_BACKDATE", "a week"),
            ("REMIND_AFTER", "-1h"),
        ]);
        let e = cfg(Mode::Serve, &vars).unwrap_err();
        assert_eq!(
            e.0,
            vec![
                "APPROVALS_REQUIRED \"two\" is not understood: use a whole number from 1 to 5 (the approvals a request needs, each from a different lead).",
                "SECOND_APPROVAL_BACKDATE \"a week\" is not understood: use a duration such as 7d or 36h, or off.",
                "REMIND_AFTER \"-1h\" is not understood: use a duration such as 2h or 30m, or off.",
            ]
        );
        for bad in ["0", "6", "1.5"] {
            let mut vars = GOOD.to_vec();
            vars.push(("APPROVALS_REQUIRED", bad));
            assert!(cfg(Mode::Serve, &vars).is_err(), "{bad}");
        }
        // Checked in every mode, like the rest.
        assert!(cfg(Mode::Demo, &[("REMIND_AFTER", "soon")]).is_err());
    }

    #[test]
    fn too_few_listed_approvers_for_the_approvals_asked_is_refused() {
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut vars = GOOD.to_vec();
            vars.extend_from_slice(extra);
            cfg(Mode::Serve, &vars)
        };
        // GOOD lists two approvers.
        assert!(with(&[("APPROVALS_REQUIRED", "2")]).is_ok());
        let e = with(&[("APPROVALS_REQUIRED", "3")]).unwrap_err();
        assert_eq!(
            e.0,
            vec![
                "Too few approvers: APPROVALS_REQUIRED is 3, each from a different person, but APPROVER_USER_IDS lists 2 and no APPROVER_USERGROUP_ID is set, so such a request could never be approved."
            ]
        );
        let e = with(&[
            ("APPROVALS_REQUIRED", "2"),
            ("SECOND_APPROVAL_BACKDATE", "7d"),
        ])
        .unwrap_err();
        assert!(
            e.0[0].contains("a backdated request needs 3 approvals"),
            "{e}"
        );
        // A group can hold any number of leads.
        assert!(
            with(&[
                ("APPROVALS_REQUIRED", "3"),
                ("APPROVER_USERGROUP_ID", "S0LEADS")
            ])
            .is_ok()
        );
    }

    #[test]
    fn demo_needs_no_slack() {
        assert!(cfg(Mode::Demo, &[]).is_ok());
    }
}
