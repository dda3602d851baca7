//! Filing expiry requests: who may, and the request modal's whole path.
//!
//! **The requester rule lives here, once.** [`Filing::requester`] asks the [`Directory`]
//! and, if the person may file, hands back a [`Requester`]; every way of filing (the modal,
//! its choice step, the digest's "File requests for all") and `history` demands one, and
//! nothing else can make one. So an entry point cannot skip the check, and the check has
//! one definition whatever the surface.
//!
//! The modal's first submission is [`Filing::submit`]: parse what was typed, check the
//! cancellation time, look the rider up on the replica, then branch — nothing found, one
//! policy (file it), or several (the agent chooses: [`Submitted::Choose`]). The choice step
//! is [`Filing::choose`]: the chosen policy is re-read on the replica (it may have been
//! expired since) and filed. The reason is stored with the riders' personal data masked
//! ([`crate::mask`] over the lookup's redactions), always.
//!
//! Filing is one transaction: it commits whole or not at all, so it is never cut off by the
//! Slack answer's deadline. If it misses the answer it goes on, and its outcome goes to the
//! caller's `late` hand-over instead ([`LateFiling`]). After a request is filed the outbox
//! is woken here: no caller has to remember to.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use tokio::time::error::Elapsed;

use super::access::{Access, LookupKind, LookupLimit, LookupRefused};
use super::lookup::{Freshness, Lookup, LookupError};
use super::workflow::{Needed, Workflow};
use super::{DbFailure, Directory, NotAllowed, Wake};
use crate::deadline::{self, Deadline, Finished};
use crate::domain::{
    Candidate, PolicyId, PolicyRef, QueryError, Reason, ReasonError, RequestId, RiderQuery,
    SlackUserId,
};
use crate::store::{FileOutcome, NewRequest, Primary};

/// How long filing that missed the answer may go on before it is given up (a primary that
/// stopped answering mid-transaction); the agent is then told it may not have been filed.
const FILING_LIMIT: Duration = Duration::from_secs(30);

/// Slack's datetimepicker has minute resolution and clocks drift; a minute of slack keeps
/// "now" from being refused as "the future".
const FUTURE_TOLERANCE: chrono::Duration = chrono::Duration::seconds(60);

/// Someone the requester rule let in. Only [`Filing::requester`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester(SlackUserId);

impl Requester {
    pub fn user(&self) -> &SlackUserId {
        &self.0
    }
}

/// The request modal's first step, as submitted.
#[derive(Debug, Clone, Default)]
pub struct RequestForm {
    /// What was typed to find the rider.
    pub query: String,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub reason: String,
    /// Slack's ID of the modal it was submitted from: filing is once per view.
    pub view_id: Option<String>,
}

/// What the choice step needs from the first step: when, why (already masked), and which
/// policies were offered. Carried by the choice view (or kept on the primary, see
/// [`super::forms`]); it holds no raw personal data.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Choice {
    /// Unix seconds.
    pub at: i64,
    /// Already masked.
    pub reason: String,
    /// The policies offered, with their riders.
    pub choices: Vec<PolicyRef>,
}

/// The input a refusal points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Query,
    CancelledAt,
    Reason,
    /// The choice step's policy.
    Policy,
}

/// Why a submission files nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Why {
    Query(QueryError),
    NoCancelledAt,
    Reason(ReasonError),
    Time(TimeProblem),
    /// The replica (and the fallback, if allowed) could not answer in time.
    LookupUnavailable,
    /// The person ran as many lookups as they may within the window.
    RateLimited(LookupLimit),
    /// The lookup failed for another reason (logged).
    LookupFailed,
    /// The rider exists but holds no active hourly policy.
    NoActivePolicy,
    NoRider,
    /// Masking the reason made it longer than a reason may be.
    MaskedReasonTooLong,
    MaskedReasonEmpty,
    /// The choice step's state is gone, unreadable or expired.
    FormExpired,
    /// No policy, or one that was not offered, was chosen.
    NoPolicyChosen,
    /// The chosen policy is no longer active.
    PolicyNoLongerActive,
}

/// What a submission came to.
#[derive(Debug, Clone)]
pub enum Submitted {
    /// Nothing was filed: `why`, pointing at `field`.
    Refused { field: Field, why: Why },
    /// Several policies match: the agent chooses (nothing written yet). `needed` is what
    /// the request will need, so the agent is told before filing.
    Choose {
        candidates: Vec<Candidate>,
        choice: Choice,
        needed: Needed,
    },
    /// Filed; its approval request is being posted. `needed`: the approvals it needs.
    Filed {
        id: RequestId,
        candidate: Candidate,
        freshness: Freshness,
        needed: Needed,
    },
    /// A request for this policy is already waiting for a decision; nothing was filed.
    AlreadyPending(RequestId),
    /// This form already filed request `id` (a replayed or repeated submission); nothing
    /// was filed.
    AlreadyFiled(RequestId),
    /// The primary refused the filing (logged); nothing was filed.
    NotFiled { unavailable: bool },
    /// Filing ended without an outcome (a bug, logged).
    Broken,
    /// Filing missed the answer; it goes on, and `late` gets its outcome.
    StillFiling,
}

/// What became of filing that finished after the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LateFiling {
    /// Filed: the outbox posts it and tells the agent as usual.
    Filed(RequestId),
    AlreadyPending(RequestId),
    AlreadyFiled(RequestId),
    NotFiled {
        unavailable: bool,
    },
    /// It did not finish within its limit: it may or may not have been filed.
    GaveUp,
}

/// Receives a late filing's outcome (the Slack layer tells the agent).
pub type Late = Box<dyn FnOnce(LateFiling) -> BoxFuture<'static, ()> + Send>;

/// Why a cancellation time cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeProblem {
    InFuture,
    BeforePolicyBegan(DateTime<Utc>),
}

/// The rule for a cancellation time: not in the future (within a minute), and not before
/// the policy began.
pub fn check_cancelled_at(
    cancelled_at: DateTime<Utc>,
    now: DateTime<Utc>,
    candidate: Option<&Candidate>,
) -> Result<(), TimeProblem> {
    if cancelled_at > now + FUTURE_TOLERANCE {
        return Err(TimeProblem::InFuture);
    }
    if let Some(c) = candidate
        && cancelled_at < c.valid_from
    {
        return Err(TimeProblem::BeforePolicyBegan(c.valid_from));
    }
    Ok(())
}

/// Filing, with what it needs: the primary, the lookup, who may file, the outbox's wake,
/// how long a request waits for a decision, and the workflow's rules (approvals needed,
/// the reminder).
#[derive(Clone)]
pub struct Filing {
    primary: Primary,
    lookup: Lookup,
    access: Access,
    directory: Arc<dyn Directory>,
    wake: Arc<dyn Wake>,
    ttl: Duration,
    workflow: Workflow,
}

impl std::fmt::Debug for Filing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Filing")
            .field("ttl", &self.ttl)
            .field("workflow", &self.workflow)
            .finish_non_exhaustive()
    }
}

/// What the outcome of filing is, or [`FILING_LIMIT`] passed first.
type FilingResult = Result<Result<FileOutcome, DbFailure>, Elapsed>;

impl Filing {
    pub fn new(
        primary: Primary,
        lookup: Lookup,
        access: Access,
        directory: Arc<dyn Directory>,
        wake: Arc<dyn Wake>,
        ttl: Duration,
        workflow: Workflow,
    ) -> Filing {
        Filing {
            primary,
            lookup,
            access,
            directory,
            wake,
            ttl,
            workflow,
        }
    }

    /// The workflow's rules, for what the request modal tells the agent before filing.
    pub fn workflow(&self) -> &Workflow {
        &self.workflow
    }

    /// The requester rule: `user` may file if the directory says so, and is a full member
    /// of this workspace (no guest, nobody of another workspace: [`Access::member`]),
    /// whatever `REQUESTER_*` says; otherwise why not. Membership is read from the last
    /// list the directory holds and the person's profile from Slack, cached, never waiting
    /// on Slack past `deadline`.
    pub async fn requester(
        &self,
        user: &SlackUserId,
        deadline: &Deadline,
    ) -> Result<Requester, NotAllowed> {
        match self.directory.is_requester(user, deadline).await {
            Ok(true) => {}
            Ok(false) => return Err(NotAllowed::NotListed),
            Err(why) => return Err(NotAllowed::Unverifiable(why)),
        }
        let person = self
            .directory
            .person(user, deadline)
            .await
            .map_err(NotAllowed::Unverifiable)?;
        self.access
            .member(&person)
            .map_err(NotAllowed::NotAMember)?;
        Ok(Requester(user.clone()))
    }

    /// Who may reach the bot, and the lookup audit.
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// The lookup the filing uses.
    pub fn lookup(&self) -> &Lookup {
        &self.lookup
    }

    /// The request modal's first submission.
    pub async fn submit(
        &self,
        who: &Requester,
        form: RequestForm,
        deadline: &Deadline,
        late: Late,
    ) -> Submitted {
        let refused = |field, why| Submitted::Refused { field, why };
        let query = match RiderQuery::parse(&form.query) {
            Ok(q) => q,
            Err(e) => return refused(Field::Query, Why::Query(e)),
        };
        let Some(cancelled_at) = form.cancelled_at else {
            return refused(Field::CancelledAt, Why::NoCancelledAt);
        };
        let reason = match Reason::parse(&form.reason) {
            Ok(r) => r,
            Err(e) => return refused(Field::Reason, Why::Reason(e)),
        };
        let now = Utc::now();
        if let Err(p) = check_cancelled_at(cancelled_at, now, None) {
            return refused(Field::CancelledAt, Why::Time(p));
        }
        let found = self.lookup.find(&query, deadline).await;
        let mut audit = self.access.record_lookup(
            who.user(),
            LookupKind::Request,
            &query,
            found.as_ref().ok().map(|f| f.riders_matched()),
        );
        if let Err(LookupRefused::Limited(l)) = audit.verdict(deadline).await {
            return refused(Field::Query, Why::RateLimited(l));
        }
        let found = match found {
            Ok(found) => found,
            Err(LookupError::Unavailable) => return refused(Field::Query, Why::LookupUnavailable),
            Err(LookupError::Db(e)) => {
                tracing::error!(error = crate::telemetry::chain(&e), "rider lookup failed");
                return refused(Field::Query, Why::LookupFailed);
            }
        };
        tracing::info!(
            query = %query.masked(),
            riders = found.riders_matched(),
            policies = found.candidates.len(),
            source = found.freshness.source.as_str(),
            "rider lookup"
        );
        match found.candidates.len() {
            0 if found.riders_without_active_policy > 0 => {
                refused(Field::Query, Why::NoActivePolicy)
            }
            0 => refused(Field::Query, Why::NoRider),
            1 => {
                let candidate = found.candidates[0].clone();
                if let Err(p) = check_cancelled_at(cancelled_at, now, Some(&candidate)) {
                    return refused(Field::CancelledAt, Why::Time(p));
                }
                let reason = match masked_reason(&found, &reason) {
                    Ok(r) => r,
                    Err(why) => return refused(Field::Reason, why),
                };
                self.file_in_time(
                    who,
                    candidate,
                    cancelled_at,
                    reason,
                    found.freshness,
                    form.view_id,
                    deadline,
                    late,
                )
                .await
            }
            _ => {
                let reason = match masked_reason(&found, &reason) {
                    Ok(r) => r,
                    Err(why) => return refused(Field::Reason, why),
                };
                let choices = found.candidates.iter().map(Candidate::policy_ref).collect();
                Submitted::Choose {
                    candidates: found.candidates,
                    choice: Choice {
                        at: cancelled_at.timestamp(),
                        reason: reason.as_str().to_owned(),
                        choices,
                    },
                    needed: self.workflow.needed(cancelled_at, now),
                }
            }
        }
    }

    /// The choice step: `chosen` out of what `choice` offered. Every refusal points at the
    /// policy input (the step has no other).
    pub async fn choose(
        &self,
        who: &Requester,
        choice: Choice,
        chosen: Option<PolicyId>,
        view_id: Option<String>,
        deadline: &Deadline,
        late: Late,
    ) -> Submitted {
        let refused = |why| Submitted::Refused {
            field: Field::Policy,
            why,
        };
        let Some(picked) =
            chosen.and_then(|p| choice.choices.iter().find(|c| c.policy == p).copied())
        else {
            return refused(Why::NoPolicyChosen);
        };
        let Some(cancelled_at) = DateTime::<Utc>::from_timestamp(choice.at, 0) else {
            return refused(Why::FormExpired);
        };
        let Ok(reason) = Reason::parse(&choice.reason) else {
            return refused(Why::FormExpired);
        };
        // Re-read the chosen policy on the replica: it may have been expired since the list
        // was shown, and the choice must really belong to the riders that were offered.
        let found = match self
            .lookup
            .find(&RiderQuery::RiderId(picked.rider), deadline)
            .await
        {
            Ok(found) => found,
            Err(LookupError::Unavailable) => return refused(Why::LookupUnavailable),
            Err(LookupError::Db(e)) => {
                tracing::error!(error = crate::telemetry::chain(&e), "rider lookup failed");
                return refused(Why::LookupFailed);
            }
        };
        let Some(candidate) = found
            .candidates
            .iter()
            .find(|c| c.policy_id == picked.policy)
            .cloned()
        else {
            return refused(Why::PolicyNoLongerActive);
        };
        if let Err(p) = check_cancelled_at(cancelled_at, Utc::now(), Some(&candidate)) {
            return refused(Why::Time(p));
        }
        let reason = match masked_reason(&found, &reason) {
            Ok(r) => r,
            Err(why) => return refused(why),
        };
        self.file_in_time(
            who,
            candidate,
            cancelled_at,
            reason,
            found.freshness,
            view_id,
            deadline,
            late,
        )
        .await
    }

    /// Files within the answer's deadline if it can, and hands the outcome to `late` if it
    /// cannot. Filing is never cut off.
    #[allow(clippy::too_many_arguments)] // the filing's parts, as the two steps have them
    async fn file_in_time(
        &self,
        who: &Requester,
        candidate: Candidate,
        cancelled_at: DateTime<Utc>,
        reason: Reason,
        freshness: Freshness,
        view_id: Option<String>,
        deadline: &Deadline,
        late: Late,
    ) -> Submitted {
        let work = {
            let (filing, who, candidate) = (self.clone(), who.clone(), candidate.clone());
            async move {
                tokio::time::timeout(
                    FILING_LIMIT,
                    filing.file(&who, &candidate, cancelled_at, &reason, view_id.as_deref()),
                )
                .await
            }
        };
        let hand_over = move |r: FilingResult| late(late_outcome(r));
        let needed = self.workflow.needed(cancelled_at, Utc::now());
        match deadline::finish_or_hand_over(deadline, work, hand_over).await {
            Finished::InTime(Ok(Ok(FileOutcome::Filed(id)))) => Submitted::Filed {
                id,
                candidate,
                freshness,
                needed,
            },
            Finished::InTime(Ok(Ok(FileOutcome::AlreadyPending(id)))) => {
                Submitted::AlreadyPending(id)
            }
            Finished::InTime(Ok(Ok(FileOutcome::AlreadyFiled(id)))) => Submitted::AlreadyFiled(id),
            Finished::InTime(Ok(Err(e))) => {
                tracing::error!(error = crate::telemetry::chain(&e), "filing failed");
                Submitted::NotFiled {
                    unavailable: e.is_unavailable(),
                }
            }
            // FILING_LIMIT is far beyond any deadline: it cannot pass in time.
            Finished::InTime(Err(_)) | Finished::Crashed => Submitted::Broken,
            Finished::HandedOver => {
                tracing::warn!("filing missed the answer; it goes on and the agent will be told");
                Submitted::StillFiling
            }
        }
    }

    /// Files one request on the primary (row, audit record, and the Slack post it owes),
    /// once per `view_id`, and wakes the outbox to post it.
    pub async fn file(
        &self,
        who: &Requester,
        candidate: &Candidate,
        cancelled_at: DateTime<Utc>,
        reason: &Reason,
        view_id: Option<&str>,
    ) -> Result<FileOutcome, DbFailure> {
        let outcome = self
            .file_quietly(who, candidate, cancelled_at, reason, view_id)
            .await?;
        if matches!(outcome, FileOutcome::Filed(_)) {
            self.wake.wake();
        }
        Ok(outcome)
    }

    /// [`Filing::file`] without the wake, for the bulk filer, which wakes the outbox as it
    /// sees fit. When it was filed and until when it waits are the database's clock's
    /// ([`Primary::now`]), never this instance's.
    pub(super) async fn file_quietly(
        &self,
        who: &Requester,
        c: &Candidate,
        cancelled_at: DateTime<Utc>,
        reason: &Reason,
        view_id: Option<&str>,
    ) -> Result<FileOutcome, DbFailure> {
        let ttl = chrono::Duration::from_std(self.ttl).unwrap_or(chrono::Duration::hours(24));
        let now = self.primary.now().await?;
        let expires_at = now + ttl;
        let needed = self.workflow.needed(cancelled_at, now);
        let outcome = self
            .primary
            .file_request(&NewRequest {
                policy_id: c.policy_id,
                requested_by: who.user().clone(),
                rider_id: c.rider_id,
                rider_name_masked: c.rider_name_masked.clone(),
                rider_phone_masked: c.rider_phone_masked.clone(),
                rider_status: c.rider_status.clone(),
                policy_number_masked: c.policy_number_masked.clone(),
                insurer: c.insurer.clone(),
                cancelled_at,
                reason: reason.as_str().to_owned(),
                requested_at: now,
                expires_at,
                policy_status: c.policy_status.clone(),
                valid_until: c.valid_until,
                approvals_required: i32::try_from(needed.approvals).unwrap_or(i32::MAX),
                backdated: needed.backdated,
                remind_at: self.workflow.remind_at(now, expires_at),
                view_id: view_id.map(str::to_owned),
            })
            .await?;
        // On the Slack request's span (filing runs in a task that keeps it).
        match outcome {
            FileOutcome::Filed(id) | FileOutcome::AlreadyPending(id) => {
                crate::telemetry::record_expiry_request(id.0)
            }
            FileOutcome::AlreadyFiled(id) => {
                crate::telemetry::record_expiry_request(id.0);
                metrics::counter!("expire_bot_replayed_submissions_total").increment(1);
                tracing::warn!(
                    request_id = id.0,
                    "a form that already filed its request was submitted again; nothing filed"
                );
            }
        }
        if let FileOutcome::Filed(id) = outcome {
            metrics::counter!("expire_bot_requests_total", "event" => "filed").increment(1);
            tracing::info!(
                request_id = id.0,
                policy_id = c.policy_id.0,
                approvals_required = needed.approvals,
                backdated = needed.backdated,
                "expiry request filed"
            );
        }
        Ok(outcome)
    }

    /// Wakes the outbox (the bulk filer's own pace).
    pub(super) fn wake(&self) {
        self.wake.wake();
    }
}

/// What a late filing came to, logged; a filed request needs no word (the outbox posts it
/// and then tells the agent as usual).
fn late_outcome(r: FilingResult) -> LateFiling {
    match r {
        Ok(Ok(FileOutcome::Filed(id))) => {
            tracing::info!(request_id = id.0, "filing finished after the answer");
            LateFiling::Filed(id)
        }
        Ok(Ok(FileOutcome::AlreadyPending(id))) => LateFiling::AlreadyPending(id),
        Ok(Ok(FileOutcome::AlreadyFiled(id))) => LateFiling::AlreadyFiled(id),
        Ok(Err(e)) => {
            tracing::error!(
                error = crate::telemetry::chain(&e),
                "filing failed (after the answer)"
            );
            LateFiling::NotFiled {
                unavailable: e.is_unavailable(),
            }
        }
        Err(_) => {
            tracing::error!("filing did not finish within {FILING_LIMIT:?}; gave up waiting");
            LateFiling::GaveUp
        }
    }
}

/// The reason with the riders' personal data masked: what is stored and shown, always.
/// Masking can lengthen it (`19900102` → `1990-**-**`); if it then no longer fits, the
/// agent is asked to shorten it. The unmasked text is never used instead.
fn masked_reason(found: &super::lookup::Found, reason: &Reason) -> Result<Reason, Why> {
    match Reason::parse(&found.scrub(reason.as_str())) {
        Ok(r) => Ok(r),
        Err(ReasonError::TooLong) => Err(Why::MaskedReasonTooLong),
        Err(ReasonError::Empty) => Err(Why::MaskedReasonEmpty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    use crate::domain::RiderId;

    fn cand(valid_from: DateTime<Utc>) -> Candidate {
        Candidate {
            policy_id: PolicyId(1),
            rider_id: RiderId(1),
            rider_name_masked: "홍*동".into(),
            rider_phone_masked: "010-****-5678".into(),
            rider_birth_date_masked: "1990-**-**".into(),
            rider_status: "ACTIVE".into(),
            withdrawn_at: None,
            insurer: "A".into(),
            policy_number_masked: "****1234".into(),
            policy_status: "ACTIVE".into(),
            valid_from,
            valid_until: None,
        }
    }

    #[test]
    fn cancellation_time_rules() {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let began = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let c = cand(began);
        assert_eq!(check_cancelled_at(now, now, Some(&c)), Ok(()));
        assert_eq!(
            check_cancelled_at(now + chrono::Duration::seconds(30), now, Some(&c)),
            Ok(())
        );
        assert_eq!(
            check_cancelled_at(now + chrono::Duration::hours(1), now, Some(&c)),
            Err(TimeProblem::InFuture)
        );
        assert_eq!(
            check_cancelled_at(began - chrono::Duration::hours(1), now, Some(&c)),
            Err(TimeProblem::BeforePolicyBegan(began))
        );
        assert_eq!(check_cancelled_at(began, now, None), Ok(()));
    }
}
