//! The four-eyes rule and the decisions: who may file and decide, filing a request, and
//! approving or rejecting it on the primary.
//!
//! Authorization is checked here, on the server, for every click: the buttons are visible
//! to the whole channel, so the message itself grants nothing. The requester is refused
//! twice over — here with a clear answer, and in the claiming SQL itself — so no code
//! path can approve its own request. The transaction and its exactly-once guarantee live
//! in [`crate::store`]; this module decides what to ask of it and what it means.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::Mutex;

use crate::domain::Reason;
use crate::lookup::Candidate;
use crate::slack::api::{SlackApi, SlackCallError};
use crate::store::{self, DecideOutcome, FileOutcome, NewRequest, RequestRow, Store, StoreError};

/// How long a user group's member list is trusted before it is fetched again.
const GROUP_CACHE_TTL: Duration = Duration::from_secs(60);

/// A set of people: explicit user IDs and/or the members of a user group.
#[derive(Debug)]
pub struct Audience {
    user_ids: HashSet<String>,
    group: Option<String>,
    /// When neither IDs nor a group are configured: `true` lets everyone in, `false` nobody.
    open_when_unset: bool,
    cache: Mutex<Option<(Instant, Arc<HashSet<String>>)>>,
}

impl Audience {
    pub fn new(user_ids: &[String], group: Option<String>, open_when_unset: bool) -> Audience {
        Audience {
            user_ids: user_ids.iter().cloned().collect(),
            group,
            open_when_unset,
            cache: Mutex::new(None),
        }
    }

    /// Whether `user` belongs. A user group is read with `usergroups.users.list` and cached
    /// briefly; if Slack fails, a stale list is better than locking every lead out.
    pub async fn contains(&self, slack: &SlackApi, user: &str) -> Result<bool, SlackCallError> {
        if self.user_ids.contains(user) {
            return Ok(true);
        }
        let Some(group) = &self.group else {
            return Ok(self.user_ids.is_empty() && self.open_when_unset);
        };
        let mut cache = self.cache.lock().await;
        if let Some((at, members)) = cache.as_ref()
            && at.elapsed() < GROUP_CACHE_TTL
        {
            return Ok(members.contains(user));
        }
        match slack.usergroup_members(group).await {
            Ok(members) => {
                let members: Arc<HashSet<String>> = Arc::new(members.into_iter().collect());
                let found = members.contains(user);
                *cache = Some((Instant::now(), members));
                Ok(found)
            }
            Err(e) => match cache.as_ref() {
                Some((_, members)) => {
                    tracing::warn!(error = %e.code(), "user group lookup failed; using the last known members");
                    Ok(members.contains(user))
                }
                None => Err(e),
            },
        }
    }
}

/// What is needed to file one request.
#[derive(Debug, Clone)]
pub struct Filing {
    pub requester: String,
    pub candidate: Candidate,
    pub cancelled_at: DateTime<Utc>,
    pub reason: Reason,
    pub now: DateTime<Utc>,
    pub ttl: Duration,
}

/// Files a request on the primary (row, audit record, and the Slack post it owes).
pub async fn file(store: &Store, f: &Filing) -> Result<FileOutcome, StoreError> {
    let c = &f.candidate;
    let ttl = chrono::Duration::from_std(f.ttl).unwrap_or(chrono::Duration::hours(24));
    let outcome = store::file_request(
        &store.primary,
        &NewRequest {
            policy_id: c.policy_id,
            requested_by: f.requester.clone(),
            rider_id: c.rider_id,
            rider_name_masked: c.rider_name_masked.clone(),
            rider_phone_masked: c.rider_phone_masked.clone(),
            rider_status: c.rider_status.clone(),
            policy_number_masked: c.policy_number_masked.clone(),
            insurer: c.insurer.clone(),
            cancelled_at: f.cancelled_at,
            reason: f.reason.as_str().to_owned(),
            requested_at: f.now,
            expires_at: f.now + ttl,
            policy_status: c.policy_status.clone(),
            valid_until: c.valid_until,
        },
    )
    .await?;
    // On the Slack request's span (filing runs in a task that keeps it).
    match outcome {
        FileOutcome::Filed(id) | FileOutcome::AlreadyPending(id) => {
            crate::telemetry::record_expiry_request(id)
        }
    }
    if let FileOutcome::Filed(id) = outcome {
        metrics::counter!("expire_bot_requests_total", "event" => "filed").increment(1);
        tracing::info!(
            request_id = id,
            policy_id = c.policy_id,
            "expiry request filed"
        );
    }
    Ok(outcome)
}

/// What a click on Approve or a submitted rejection came to.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// This click decided the request; Slack follow-ups are queued.
    Decided(RequestRow),
    /// The clicker may not decide requests.
    NotAnApprover,
    /// The clicker filed this request.
    OwnRequest,
    AlreadyDecided(RequestRow),
    TimedOut(RequestRow),
    NotFound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

/// Whether `clicker` may decide request `id`, without changing anything. Used before
/// opening the reject modal, so a refused lead is told at once.
pub async fn may_decide(
    store: &Store,
    slack: &SlackApi,
    approvers: &Audience,
    request_id: i64,
    clicker: &str,
) -> Result<Result<RequestRow, Verdict>, DecideError> {
    let Some(row) = store::get_request(&store.primary, request_id).await? else {
        return Ok(Err(Verdict::NotFound));
    };
    if row.status != store::status::PENDING {
        return Ok(Err(if row.status == store::status::TIMED_OUT {
            Verdict::TimedOut(row)
        } else {
            Verdict::AlreadyDecided(row)
        }));
    }
    if row.requested_by == clicker {
        return Ok(Err(Verdict::OwnRequest));
    }
    if !approvers.contains(slack, clicker).await? {
        return Ok(Err(Verdict::NotAnApprover));
    }
    Ok(Ok(row))
}

#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not check who may approve")]
    Slack(#[from] SlackCallError),
}

/// What deciding needs: the primary, Slack (for the approvers' user group) and who approves.
#[derive(Debug, Clone, Copy)]
pub struct Deps<'a> {
    pub store: &'a Store,
    pub slack: &'a SlackApi,
    pub approvers: &'a Audience,
}

/// Approves or rejects request `id` on behalf of `clicker`.
pub async fn decide(
    deps: Deps<'_>,
    request_id: i64,
    clicker: &str,
    decision: Decision,
    reject_reason: Option<&Reason>,
    now: DateTime<Utc>,
) -> Result<Verdict, DecideError> {
    let Deps {
        store,
        slack,
        approvers,
    } = deps;
    if let Err(refusal) = may_decide(store, slack, approvers, request_id, clicker).await? {
        if matches!(refusal, Verdict::OwnRequest | Verdict::NotAnApprover) {
            metrics::counter!("expire_bot_decisions_refused_total", "why" => if matches!(refusal, Verdict::OwnRequest) { "own_request" } else { "not_approver" }).increment(1);
        }
        return Ok(refusal);
    }
    let outcome = match decision {
        Decision::Approve => {
            store::approve_request(&store.primary, request_id, clicker, now).await?
        }
        Decision::Reject => {
            let reason = reject_reason.map(Reason::as_str).unwrap_or("");
            store::reject_request(&store.primary, request_id, clicker, reason, now).await?
        }
    };
    Ok(match outcome {
        DecideOutcome::Decided(row) => {
            let event = match decision {
                Decision::Approve => "approved",
                Decision::Reject => "rejected",
            };
            metrics::counter!("expire_bot_requests_total", "event" => event).increment(1);
            tracing::info!(
                request_id,
                decided_by = clicker,
                outcome = row.outcome.as_deref().unwrap_or(event),
                "request decided"
            );
            Verdict::Decided(row)
        }
        DecideOutcome::AlreadyDecided(row) => Verdict::AlreadyDecided(row),
        DecideOutcome::Expired(row) => Verdict::TimedOut(row),
        DecideOutcome::OwnRequest => Verdict::OwnRequest,
        DecideOutcome::NotFound => Verdict::NotFound,
    })
}
