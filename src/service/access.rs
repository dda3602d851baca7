//! Who may reach the bot at all, and how much of the rider database one person may see.
//!
//! Three rules, each applied once, here:
//!
//! - **The workspace and the app.** A signed request is Slack's, but not necessarily for this
//!   installation: a payload from another workspace (`team.id`, the person's own
//!   `user.team_id`) or for another app (`api_app_id`) is refused whole. What counts as
//!   ours is what `auth.test` (and `bots.info`, for the app) said at start-up
//!   ([`Workspace`]); on Enterprise Grid every team of the same enterprise is ours. Until
//!   the workspace is known, every request is refused (fail closed).
//! - **People.** Guests (`is_restricted`, `is_ultra_restricted`) and people of another
//!   workspace are never requesters, whatever `REQUESTER_*` says ([`Person::may_look_up`],
//!   used by the requester rule in [`super::filing`]).
//! - **Lookups.** Each rider lookup a person runs (the request form's, `history`'s) is
//!   written to `lookup_audit` on the primary — who, when, the query masked, how many
//!   riders matched — and that table is also what the per-person limit ([`LookupLimit`],
//!   `LOOKUP_RATE_LIMIT`, 30 an hour by default) counts, so the limit holds across
//!   instances. The row is written when the lookup has answered (one statement that counts
//!   and inserts), and an answer over the limit is withheld. The answer's deadline wins over
//!   the audit: if the primary is too slow to say in time, the answer is shown and the row
//!   still lands after it (and counts); if the primary cannot be written at all, the error
//!   line carries what the row would have. A slow primary never makes lookups late or
//!   unavailable — the rule the whole bot keeps for the replica's answers.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::deadline::Deadline;
use crate::domain::{RiderQuery, SlackUserId};
use crate::store::Primary;

/// What `auth.test` and `bots.info` said about this installation at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// The workspace (`T…`) the bot token belongs to.
    pub team: String,
    /// The Enterprise Grid organisation (`E…`), if the workspace is part of one.
    pub enterprise: Option<String>,
    /// The app (`A…`) the bot user belongs to, when `bots.info` said.
    pub app: Option<String>,
}

/// Where a request says it comes from: the IDs Slack puts in every payload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// `team.id` / `team_id`: the workspace the action happened in.
    pub team: Option<String>,
    /// `user.team_id`: the person's own workspace (differs in a channel shared with another
    /// workspace).
    pub user_team: Option<String>,
    /// `enterprise.id` / `enterprise_id`.
    pub enterprise: Option<String>,
    /// `api_app_id`.
    pub app: Option<String>,
}

/// Why a request is refused before anything is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Foreign {
    /// Not yet known which workspace is ours (`auth.test` has not answered).
    WorkspaceUnknown,
    OtherWorkspace,
    OtherApp,
}

impl Foreign {
    /// The `why` metric label.
    pub fn label(self) -> &'static str {
        match self {
            Foreign::WorkspaceUnknown => "workspace_unknown",
            Foreign::OtherWorkspace => "other_workspace",
            Foreign::OtherApp => "other_app",
        }
    }
}

impl Workspace {
    /// Whether `team` (a workspace ID from a payload or a profile) is ours: this workspace,
    /// or on Enterprise Grid one of the enterprise's (which a payload shows by carrying the
    /// enterprise's ID).
    fn owns(&self, team: &str, enterprise: Option<&str>) -> bool {
        team == self.team || (self.enterprise.is_some() && enterprise == self.enterprise.as_deref())
    }

    /// The workspace-and-app rule for one request.
    pub fn admits(&self, o: &Origin) -> Result<(), Foreign> {
        if let (Some(ours), Some(theirs)) = (&self.app, &o.app)
            && ours != theirs
        {
            return Err(Foreign::OtherApp);
        }
        let enterprise = o.enterprise.as_deref();
        // A request without a workspace is no request of Slack's.
        let Some(team) = &o.team else {
            return Err(Foreign::OtherWorkspace);
        };
        if !self.owns(team, enterprise) {
            return Err(Foreign::OtherWorkspace);
        }
        if let Some(user_team) = &o.user_team
            && !self.owns(user_team, enterprise)
        {
            return Err(Foreign::OtherWorkspace);
        }
        Ok(())
    }
}

/// What Slack's profile of a person says, as far as the rules care (`users.info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Their workspace.
    pub team: Option<String>,
    /// A multi-channel or single-channel guest.
    pub guest: bool,
    /// Deactivated.
    pub deleted: bool,
}

/// Why a person may not look riders up, whatever `REQUESTER_*` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAMember {
    Guest,
    OtherWorkspace,
    Deactivated,
}

impl Person {
    /// Only full members of our workspace (or enterprise) may look riders up.
    pub fn may_look_up(&self, workspace: &Workspace) -> Result<(), NotAMember> {
        if self.deleted {
            return Err(NotAMember::Deactivated);
        }
        if self.guest {
            return Err(NotAMember::Guest);
        }
        match &self.team {
            // A profile of another team of the same enterprise carries that team's ID, and
            // the enterprise's teams are ours: only a known foreign team is refused when
            // the workspace is part of an enterprise.
            Some(t) if *t == workspace.team || workspace.enterprise.is_some() => Ok(()),
            _ => Err(NotAMember::OtherWorkspace),
        }
    }
}

/// How many lookups one person may run per window (`LOOKUP_RATE_LIMIT`, e.g. `30/1h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LookupLimit {
    pub max: u32,
    pub per: Duration,
}

impl Default for LookupLimit {
    fn default() -> Self {
        LookupLimit {
            max: 30,
            per: Duration::from_secs(3600),
        }
    }
}

/// Which lookup a person ran (the `kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupKind {
    /// The request form's.
    Request,
    /// `/expire-insurance history`.
    History,
}

impl LookupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LookupKind::Request => "request",
            LookupKind::History => "history",
        }
    }
}

/// Why a lookup's answer is withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupRefused {
    /// The person ran `limit.max` lookups within `limit.per` already.
    Limited(LookupLimit),
}

/// A lookup's audit row being written, once the lookup has answered. The write runs on its
/// own task, so it goes on after the answer when the primary is slow.
#[derive(Debug)]
pub struct PendingAudit {
    verdict: Option<tokio::sync::oneshot::Receiver<Result<(), LookupRefused>>>,
}

/// How much of the answer's deadline is kept for the answer itself while the audit's
/// verdict is awaited.
const VERDICT_LEAVES: Duration = Duration::from_millis(300);

impl PendingAudit {
    /// Whether the lookup's answer may be shown: refused when the person's limit is reached.
    /// Waits for the primary's verdict only as long as `deadline` allows; when it has not
    /// answered by then the answer is shown (the row is still written, after the answer, and
    /// counts towards the limit), so a slow primary never makes a lookup late or
    /// unavailable. The limit holds whenever the primary answers in time.
    pub async fn verdict(&mut self, deadline: &Deadline) -> Result<(), LookupRefused> {
        let Some(rx) = self.verdict.take() else {
            return Ok(());
        };
        match tokio::time::timeout(deadline.leaving(VERDICT_LEAVES), rx).await {
            Ok(Ok(v)) => v,
            // The write failed (logged by the task).
            Ok(Err(_)) => Ok(()),
            Err(_) => {
                metrics::counter!("expire_bot_lookup_audit_late_total").increment(1);
                Ok(())
            }
        }
    }
}

/// The three rules, with what they need: the workspace (learned at start-up), the primary
/// (the audit table) and the per-person limit.
#[derive(Clone)]
pub struct Access {
    workspace: Arc<RwLock<Option<Workspace>>>,
    primary: Primary,
    limit: LookupLimit,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("workspace", &self.workspace())
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl Access {
    pub fn new(primary: Primary, limit: LookupLimit) -> Access {
        Access {
            workspace: Arc::new(RwLock::new(None)),
            primary,
            limit,
        }
    }

    /// Records what `auth.test` said (start-up, or a later retry if Slack was down then).
    pub fn learn(&self, w: Workspace) {
        if let Ok(mut slot) = self.workspace.write() {
            *slot = Some(w);
        }
    }

    pub fn workspace(&self) -> Option<Workspace> {
        self.workspace.read().ok().and_then(|w| w.clone())
    }

    /// The workspace-and-app rule: refused requests are counted and logged (IDs only).
    pub fn admits(&self, origin: &Origin) -> Result<(), Foreign> {
        let verdict = match self.workspace() {
            None => Err(Foreign::WorkspaceUnknown),
            Some(w) => w.admits(origin),
        };
        if let Err(why) = verdict {
            metrics::counter!("expire_bot_foreign_requests_total", "why" => why.label())
                .increment(1);
            tracing::warn!(
                why = why.label(),
                team = origin.team.as_deref().unwrap_or(""),
                user_team = origin.user_team.as_deref().unwrap_or(""),
                app = origin.app.as_deref().unwrap_or(""),
                "request from outside this workspace or app refused"
            );
        }
        verdict
    }

    /// The people rule, for the requester rule ([`super::filing::Filing::requester`]).
    pub fn member(&self, person: &Person) -> Result<(), NotAMember> {
        let Some(w) = self.workspace() else {
            return Err(NotAMember::OtherWorkspace);
        };
        let verdict = person.may_look_up(&w);
        if let Err(why) = verdict {
            let label = match why {
                NotAMember::Guest => "guest",
                NotAMember::OtherWorkspace => "other_workspace",
                NotAMember::Deactivated => "deactivated",
            };
            metrics::counter!("expire_bot_lookups_refused_total", "why" => label).increment(1);
        }
        verdict
    }

    /// Audits a lookup `who` ran (`riders`: how many matched, `None` when it failed) and
    /// applies the per-person limit to its answer: see [`PendingAudit`]. Written after the
    /// lookup, in one statement with its count, so the row is whole at once and the primary
    /// sees one statement per lookup. A lookup the limit refuses leaves no row (its answer
    /// is not shown) but is counted.
    pub fn record_lookup(
        &self,
        who: &SlackUserId,
        kind: LookupKind,
        query: &RiderQuery,
        riders: Option<usize>,
    ) -> PendingAudit {
        let (verdict_tx, verdict_rx) = tokio::sync::oneshot::channel();
        let (primary, limit, who, masked) = (
            self.primary.clone(),
            self.limit,
            who.clone(),
            query.masked(),
        );
        let kind = kind.as_str();
        let riders = riders.map(|n| n as i64);
        tokio::spawn(async move {
            let written = primary
                .record_lookup(&who, kind, &masked, riders, i64::from(limit.max), limit.per)
                .await;
            match written {
                Ok(true) => {
                    let _ = verdict_tx.send(Ok(()));
                }
                Ok(false) => {
                    metrics::counter!("expire_bot_lookups_refused_total", "why" => "rate_limited")
                        .increment(1);
                    tracing::warn!(
                        kind,
                        limit = limit.max,
                        per_s = limit.per.as_secs(),
                        "lookup answer withheld: the person's limit is reached"
                    );
                    let _ = verdict_tx.send(Err(LookupRefused::Limited(limit)));
                }
                Err(e) => {
                    // The answer is not held back: what the row would have said is in this
                    // line instead (the query masked).
                    metrics::counter!("expire_bot_lookup_audit_failures_total").increment(1);
                    tracing::error!(
                        error = crate::telemetry::chain(&e),
                        looked_up_by = %who,
                        kind,
                        query = %masked,
                        riders,
                        "the lookup could not be written to lookup_audit"
                    );
                }
            }
        });
        PendingAudit {
            verdict: Some(verdict_rx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours() -> Workspace {
        Workspace {
            team: "T0TEAM".into(),
            enterprise: None,
            app: Some("A0APP".into()),
        }
    }

    fn from(team: &str, user_team: &str, app: &str) -> Origin {
        Origin {
            team: Some(team.into()),
            user_team: Some(user_team.into()),
            enterprise: None,
            app: Some(app.into()),
        }
    }

    #[test]
    fn only_our_workspace_and_app_are_admitted() {
        let w = ours();
        assert_eq!(w.admits(&from("T0TEAM", "T0TEAM", "A0APP")), Ok(()));
        assert_eq!(
            w.admits(&from("T0OTHER", "T0OTHER", "A0APP")),
            Err(Foreign::OtherWorkspace)
        );
        assert_eq!(
            w.admits(&from("T0TEAM", "T0OTHER", "A0APP")),
            Err(Foreign::OtherWorkspace)
        );
        assert_eq!(
            w.admits(&from("T0TEAM", "T0TEAM", "A0OTHER")),
            Err(Foreign::OtherApp)
        );
        assert_eq!(w.admits(&Origin::default()), Err(Foreign::OtherWorkspace));
    }

    #[test]
    fn an_enterprise_admits_its_teams_only() {
        let w = Workspace {
            enterprise: Some("E0ORG".into()),
            ..ours()
        };
        let mut o = from("T0SISTER", "T0SISTER", "A0APP");
        assert_eq!(w.admits(&o), Err(Foreign::OtherWorkspace));
        o.enterprise = Some("E0ORG".into());
        assert_eq!(w.admits(&o), Ok(()));
        o.enterprise = Some("E0ELSE".into());
        assert_eq!(w.admits(&o), Err(Foreign::OtherWorkspace));
    }

    #[test]
    fn guests_and_strangers_may_not_look_up() {
        let w = ours();
        let p = |team: &str, guest| Person {
            team: Some(team.into()),
            guest,
            deleted: false,
        };
        assert_eq!(p("T0TEAM", false).may_look_up(&w), Ok(()));
        assert_eq!(p("T0TEAM", true).may_look_up(&w), Err(NotAMember::Guest));
        assert_eq!(
            p("T0OTHER", false).may_look_up(&w),
            Err(NotAMember::OtherWorkspace)
        );
    }
}
