//! Who may file requests and who may decide them: Slack user IDs listed in the
//! configuration and, optionally, the members of a Slack user group.
//!
//! A group's member list is read with `usergroups.users.list` **in the background** — one
//! refresher per list, one call at a time, honouring Slack's `Retry-After` — and handlers
//! only look at the last list read, so a slow or failing Slack never holds up an answer.
//!
//! The list fails closed. After a permanent error (`no_such_subteam`, `invalid_auth`, …)
//! nobody is confirmed through the group until a read succeeds again; after retryable
//! errors (timeouts, 5xx, 429) the last list is trusted for at most
//! [`ListPolicy::max_stale`] (5 minutes), then nobody is. Before the first read has
//! succeeded a handler may wait for the read in flight, but only as long as its request's
//! [`Deadline`] allows. Every refusal for one of these reasons is counted
//! (`expire_bot_membership_unverified_total`) and alerted on (`deploy/alerts.yml`). IDs
//! listed in the configuration never depend on Slack.
//!
//! The list lives in memory only: it is a copy of Slack's data, rebuilt by any instance at
//! start-up, not state of the bot's.
//!
//! [`SlackDirectory`] (the requesters and the approvers) is how the services ask: it
//! implements [`Directory`], so the rules in `service` never see Slack.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use crate::deadline::Deadline;
use crate::domain::SlackUserId;
use crate::service::access::Person;
use crate::service::{Directory, Unverifiable};
use crate::slack::api::{SlackApi, SlackCallError};

/// How often a member list is read, and how long it is trusted when reads fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListPolicy {
    /// A list is read again this long after the last successful read.
    pub refresh_every: Duration,
    /// After retryable errors, the last list is trusted until it is this old.
    pub max_stale: Duration,
}

impl Default for ListPolicy {
    fn default() -> Self {
        ListPolicy {
            refresh_every: Duration::from_secs(60),
            max_stale: Duration::from_secs(5 * 60),
        }
    }
}

/// The longest one read may take before it counts as failed.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a caller waiting for the first read looks again.
const WAIT_POLL: Duration = Duration::from_millis(200);

/// Reads a group's members once.
pub type Fetch =
    Arc<dyn Fn() -> BoxFuture<'static, Result<Vec<String>, SlackCallError>> + Send + Sync>;

/// The member list of one user group, kept fresh in the background.
pub struct MemberList {
    /// `approvers` or `requesters`: the metric label and the log field.
    audience: &'static str,
    fetch: Fetch,
    policy: ListPolicy,
    state: Mutex<ListState>,
    /// Bumped after every read attempt, so waiters wake on its outcome.
    settled: tokio::sync::watch::Sender<u64>,
}

impl std::fmt::Debug for MemberList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemberList")
            .field("audience", &self.audience)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct ListState {
    members: Option<Arc<HashSet<String>>>,
    read_at: Option<Instant>,
    /// Slack's code from a permanent error since the last successful read.
    permanent: Option<String>,
    refreshing: bool,
    /// No read starts before this: the next regular refresh, a backoff or `Retry-After`.
    next_read: Option<Instant>,
    failures_in_a_row: u32,
}

/// What the last list says about one user, now.
enum Answer {
    Known(bool),
    Refused(Unverifiable),
    NotReadYet,
}

/// Waits between failed reads without `Retry-After`: 1 s, 2 s, 4 s, … up to the regular
/// refresh interval.
fn backoff(failures_in_a_row: u32, cap: Duration) -> Duration {
    let exp = failures_in_a_row.saturating_sub(1).min(10);
    Duration::from_secs(1u64 << exp).min(cap)
}

impl MemberList {
    pub fn new(audience: &'static str, fetch: Fetch, policy: ListPolicy) -> Arc<MemberList> {
        let (settled, _) = tokio::sync::watch::channel(0);
        metrics::gauge!("expire_bot_usergroup_list_usable", "audience" => audience).set(0.0);
        Arc::new(MemberList {
            audience,
            fetch,
            policy,
            state: Mutex::new(ListState::default()),
            settled,
        })
    }

    /// The list of Slack user group `group`, read through `slack`.
    pub fn from_slack(
        audience: &'static str,
        group: String,
        slack: SlackApi,
        policy: ListPolicy,
    ) -> Arc<MemberList> {
        let fetch: Fetch = Arc::new(move || {
            let (slack, group) = (slack.clone(), group.clone());
            Box::pin(async move { slack.usergroup_members(&group).await })
        });
        MemberList::new(audience, fetch, policy)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ListState> {
        // The state is plain data updated in single assignments: a panic elsewhere cannot
        // leave it half-written, so a poisoned lock is still good to read.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How old the last successfully read list is (`None`: never read).
    pub fn age(&self) -> Option<Duration> {
        self.state().read_at.map(|t| t.elapsed())
    }

    /// Whether the last list may be used now, and what it says about `user`. Starts a
    /// read in the background when one is due.
    fn answer(self: &Arc<Self>, user: &str) -> Answer {
        let mut st = self.state();
        self.start_read_if_due(&mut st);
        let answer = if let Some(code) = &st.permanent {
            Answer::Refused(Unverifiable::GroupUnreadable(code.clone()))
        } else {
            match (&st.members, st.read_at) {
                (Some(members), Some(at)) if at.elapsed() <= self.policy.max_stale => {
                    Answer::Known(members.contains(user))
                }
                (Some(_), _) => Answer::Refused(Unverifiable::ListTooOld),
                (None, _) => Answer::NotReadYet,
            }
        };
        self.set_usable_gauge(&st);
        answer
    }

    fn usable(&self, st: &ListState) -> bool {
        st.permanent.is_none()
            && st.members.is_some()
            && st
                .read_at
                .is_some_and(|t| t.elapsed() <= self.policy.max_stale)
    }

    fn set_usable_gauge(&self, st: &ListState) {
        let usable = if self.usable(st) { 1.0 } else { 0.0 };
        metrics::gauge!("expire_bot_usergroup_list_usable", "audience" => self.audience)
            .set(usable);
    }

    /// Starts one read unless one is in flight or it is not yet time (single flight).
    fn start_read_if_due(self: &Arc<Self>, st: &mut ListState) {
        if st.refreshing || st.next_read.is_some_and(|t| Instant::now() < t) {
            return;
        }
        st.refreshing = true;
        let list = self.clone();
        tokio::spawn(async move { list.read().await });
    }

    async fn read(self: Arc<Self>) {
        // The Web API client bounds its calls already; this bounds any other fetch, so a
        // read that never ends cannot stop every later one (single flight).
        let result = tokio::time::timeout(READ_TIMEOUT, (self.fetch)())
            .await
            .unwrap_or(Err(SlackCallError::Transport {
                method: "usergroups.users.list",
            }));
        let now = Instant::now();
        {
            let mut st = self.state();
            st.refreshing = false;
            match result {
                Ok(users) => {
                    st.members = Some(Arc::new(users.into_iter().collect()));
                    st.read_at = Some(now);
                    st.permanent = None;
                    st.failures_in_a_row = 0;
                    st.next_read = Some(now + self.policy.refresh_every);
                    metrics::counter!("expire_bot_usergroup_refreshes_total", "audience" => self.audience, "result" => "ok").increment(1);
                }
                Err(e) => {
                    st.failures_in_a_row = st.failures_in_a_row.saturating_add(1);
                    let wait = if let Some(after) = e.retry_after() {
                        after
                    } else if e.is_retryable() {
                        backoff(st.failures_in_a_row, self.policy.refresh_every)
                    } else {
                        self.policy.refresh_every
                    };
                    st.next_read = Some(now + wait);
                    let result = if e.is_retryable() {
                        "retryable_error"
                    } else {
                        st.permanent = Some(e.code());
                        "permanent_error"
                    };
                    metrics::counter!("expire_bot_usergroup_refreshes_total", "audience" => self.audience, "result" => result).increment(1);
                    tracing::warn!(
                        audience = self.audience,
                        error = %e.code(),
                        retry_in_ms = wait.as_millis() as u64,
                        list_age_s = st.read_at.map(|t| t.elapsed().as_secs()),
                        "could not read the user group's members"
                    );
                }
            }
            self.set_usable_gauge(&st);
        }
        self.settled.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Keeps the list fresh until `shutdown`: reads it now, then whenever the last
    /// outcome says (the regular interval, a backoff, or Slack's `Retry-After`).
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            let mut settled = self.settled.subscribe();
            let wait = {
                let mut st = self.state();
                self.start_read_if_due(&mut st);
                self.set_usable_gauge(&st);
                let now = Instant::now();
                let next_read = match (st.refreshing, st.next_read) {
                    // Woken by the read's outcome.
                    (true, _) | (false, None) => self.policy.refresh_every,
                    (false, Some(t)) => t.saturating_duration_since(now),
                };
                // Also wake when the list passes its age limit, so the gauge says so then.
                let stale_in = st
                    .read_at
                    .map(|t| (t + self.policy.max_stale).saturating_duration_since(now))
                    .filter(|d| !d.is_zero())
                    .unwrap_or(self.policy.max_stale);
                next_read.min(stale_in)
            };
            let wait = wait.max(Duration::from_millis(10));
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = settled.changed() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Whether `user` is a member by the last list, waiting (within `deadline`) for the
    /// first read if none has succeeded yet.
    async fn contains(
        self: &Arc<Self>,
        user: &str,
        deadline: &Deadline,
    ) -> Result<bool, Unverifiable> {
        loop {
            // Subscribed before looking, so an outcome landing in between is not missed.
            let mut settled = self.settled.subscribe();
            match self.answer(user) {
                Answer::Known(found) => return Ok(found),
                Answer::Refused(why) => return Err(why),
                Answer::NotReadYet => {
                    if deadline.is_past() {
                        return Err(Unverifiable::NotReadYet);
                    }
                    // Woken by the read in flight; looking again now and then also starts
                    // the next read when a failed first one is due for a retry.
                    let _ = deadline
                        .run(tokio::time::timeout(WAIT_POLL, settled.changed()))
                        .await;
                }
            }
        }
    }
}

/// A set of people: user IDs from the configuration and/or the members of a user group.
#[derive(Debug)]
pub struct Audience {
    /// `approvers` or `requesters`.
    name: &'static str,
    user_ids: HashSet<String>,
    list: Option<Arc<MemberList>>,
    /// When neither IDs nor a group are configured: `true` lets everyone in, `false` nobody.
    open_when_unset: bool,
}

impl Audience {
    pub fn new(
        name: &'static str,
        user_ids: &[String],
        list: Option<Arc<MemberList>>,
        open_when_unset: bool,
    ) -> Audience {
        Audience {
            name,
            user_ids: user_ids.iter().cloned().collect(),
            list,
            open_when_unset,
        }
    }

    /// The group's member list, if a group is configured (its refresher is started with
    /// the instance's other background tasks).
    pub fn member_list(&self) -> Option<&Arc<MemberList>> {
        self.list.as_ref()
    }

    /// How many people belong as far as can be told now: the listed IDs and the members of
    /// the group's last list while it may be used (for the `expire_bot_approvers_available`
    /// gauge; it never starts a read).
    pub fn known_members(&self) -> usize {
        let mut all: HashSet<&str> = self.user_ids.iter().map(String::as_str).collect();
        let members = self.list.as_ref().and_then(|l| {
            let st = l.state();
            l.usable(&st).then(|| st.members.clone()).flatten()
        });
        if let Some(m) = &members {
            all.extend(m.iter().map(String::as_str));
        }
        all.len()
    }

    /// Whether `user` belongs. Never calls Slack on the caller's path: the group's list
    /// is the one last read in the background (see the module doc for when it is not
    /// trusted). Refusals for an unverifiable list are counted here.
    pub async fn contains(&self, user: &str, deadline: &Deadline) -> Result<bool, Unverifiable> {
        if self.user_ids.contains(user) {
            return Ok(true);
        }
        let Some(list) = &self.list else {
            return Ok(self.user_ids.is_empty() && self.open_when_unset);
        };
        let answer = list.contains(user, deadline).await;
        if let Err(why) = &answer {
            metrics::counter!("expire_bot_membership_unverified_total", "audience" => self.name, "why" => why.label()).increment(1);
            tracing::warn!(
                audience = self.name,
                why = why.label(),
                "membership could not be confirmed; refused"
            );
        }
        answer
    }
}

/// People's profiles (`users.info`), as far as the rules care: kept for [`PROFILE_TTL`],
/// in memory only (a copy of Slack's data, like the member lists).
pub struct People {
    slack: SlackApi,
    known: Mutex<HashMap<String, (Instant, Person)>>,
}

impl std::fmt::Debug for People {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("People").finish_non_exhaustive()
    }
}

/// How long a profile read is trusted: a guest made a full member (or the reverse) is seen
/// within this.
pub const PROFILE_TTL: Duration = Duration::from_secs(10 * 60);

/// What of the request's deadline reading a profile may take; the lookup needs the rest.
const PROFILE_LEAVES: Duration = Duration::from_millis(1500);

impl People {
    pub fn new(slack: SlackApi) -> Arc<People> {
        Arc::new(People {
            slack,
            known: Mutex::new(HashMap::new()),
        })
    }

    /// `user`'s profile: a recent read, or one read now within `deadline`. The read runs
    /// on its own task, so when it misses the deadline it still lands in the cache for the
    /// person's next try.
    pub async fn get(
        self: &Arc<Self>,
        user: &str,
        deadline: &Deadline,
    ) -> Result<Person, Unverifiable> {
        if let Some((at, p)) = self
            .known
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(user)
            && at.elapsed() < PROFILE_TTL
        {
            return Ok(p.clone());
        }
        let people = self.clone();
        let id = user.to_owned();
        let read = tokio::spawn(async move {
            let read = people.slack.person(&id).await;
            if let Ok(p) = &read {
                people
                    .known
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(id, (Instant::now(), p.clone()));
            }
            read
        });
        let why = match tokio::time::timeout(deadline.leaving(PROFILE_LEAVES), read).await {
            Ok(Ok(Ok(p))) => return Ok(p),
            Ok(Ok(Err(e))) if !e.is_retryable() => Unverifiable::ProfileUnreadable(e.code()),
            _ => Unverifiable::NotReadYet,
        };
        metrics::counter!("expire_bot_membership_unverified_total", "audience" => "profiles", "why" => why.label()).increment(1);
        tracing::warn!(
            why = why.label(),
            "the person's profile could not be read; refused"
        );
        Err(why)
    }
}

/// The requesters and the approvers, as the services ask about them, and people's
/// profiles.
#[derive(Debug)]
pub struct SlackDirectory {
    pub requesters: Audience,
    pub approvers: Audience,
    pub people: Arc<People>,
}

impl SlackDirectory {
    /// The user groups' member lists, whose refreshers must run in the background.
    pub fn member_lists(&self) -> impl Iterator<Item = &Arc<MemberList>> {
        [&self.approvers, &self.requesters]
            .into_iter()
            .filter_map(Audience::member_list)
    }
}

impl Directory for SlackDirectory {
    fn is_requester<'a>(
        &'a self,
        user: &'a SlackUserId,
        deadline: &'a Deadline,
    ) -> BoxFuture<'a, Result<bool, Unverifiable>> {
        Box::pin(self.requesters.contains(user.as_str(), deadline))
    }

    fn is_approver<'a>(
        &'a self,
        user: &'a SlackUserId,
        deadline: &'a Deadline,
    ) -> BoxFuture<'a, Result<bool, Unverifiable>> {
        Box::pin(self.approvers.contains(user.as_str(), deadline))
    }

    fn person<'a>(
        &'a self,
        user: &'a SlackUserId,
        deadline: &'a Deadline,
    ) -> BoxFuture<'a, Result<Person, Unverifiable>> {
        Box::pin(self.people.get(user.as_str(), deadline))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A fake `usergroups.users.list`: answers from a script, one entry per call (the last
    /// entry repeats), and counts the calls.
    fn scripted(
        script: Vec<Result<Vec<&'static str>, SlackCallError>>,
        delay: Duration,
    ) -> (Fetch, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let script = Arc::new(script);
        let fetch: Fetch = Arc::new(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let script = script.clone();
            Box::pin(async move {
                tokio::time::sleep(delay).await;
                let step = script[n.min(script.len() - 1)].clone();
                step.map(|users| users.into_iter().map(str::to_owned).collect())
            })
        });
        (fetch, calls)
    }

    const POLICY: ListPolicy = ListPolicy {
        refresh_every: Duration::from_secs(60),
        max_stale: Duration::from_secs(300),
    };

    fn api_error(code: &str) -> SlackCallError {
        SlackCallError::Api {
            method: "usergroups.users.list",
            code: code.to_owned(),
        }
    }

    fn audience(fetch: Fetch) -> (Audience, Arc<MemberList>) {
        let list = MemberList::new("approvers", fetch, POLICY);
        (
            Audience::new(
                "approvers",
                &["U0LISTED".to_owned()],
                Some(list.clone()),
                false,
            ),
            list,
        )
    }

    fn soon() -> Deadline {
        Deadline::after(Duration::from_secs(3))
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_read_is_waited_for_within_the_deadline_only() {
        let (fetch, calls) = scripted(vec![Ok(vec!["U0A"])], Duration::from_secs(10));
        let (aud, _) = audience(fetch);
        let started = tokio::time::Instant::now();
        let d = soon();
        let (a, b) = tokio::join!(aud.contains("U0A", &d), aud.contains("U0B", &d));
        assert_eq!(a, Err(Unverifiable::NotReadYet));
        assert_eq!(b, Err(Unverifiable::NotReadYet));
        assert!(started.elapsed() < Duration::from_secs(3));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "one read in flight, shared"
        );
        // Listed IDs never wait for Slack.
        assert_eq!(aud.contains("U0LISTED", &soon()).await, Ok(true));
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(aud.contains("U0A", &soon()).await, Ok(true));
        assert_eq!(aud.contains("U0B", &soon()).await, Ok(false));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "no read before it is due");
    }

    #[tokio::test(start_paused = true)]
    async fn a_quick_first_read_answers_the_waiting_caller() {
        let (fetch, _) = scripted(vec![Ok(vec!["U0A"])], Duration::from_millis(300));
        let (aud, _) = audience(fetch);
        assert_eq!(aud.contains("U0A", &soon()).await, Ok(true));
    }

    #[tokio::test(start_paused = true)]
    async fn retryable_errors_keep_the_last_list_for_max_stale_then_refuse() {
        let transport = SlackCallError::Transport {
            method: "usergroups.users.list",
        };
        let (fetch, _) = scripted(vec![Ok(vec!["U0A"]), Err(transport)], Duration::ZERO);
        let (aud, list) = audience(fetch);
        assert_eq!(aud.contains("U0A", &soon()).await, Ok(true));
        let shutdown = CancellationToken::new();
        tokio::spawn(list.clone().run(shutdown.clone()));
        // Past the refresh interval every read fails; the list is still trusted…
        tokio::time::sleep(Duration::from_secs(290)).await;
        assert_eq!(aud.contains("U0A", &soon()).await, Ok(true));
        // …until it is five minutes old.
        tokio::time::sleep(Duration::from_secs(11)).await;
        assert_eq!(
            aud.contains("U0A", &soon()).await,
            Err(Unverifiable::ListTooOld)
        );
        assert_eq!(aud.contains("U0LISTED", &soon()).await, Ok(true));
        shutdown.cancel();
    }

    #[tokio::test(start_paused = true)]
    async fn a_permanent_error_refuses_at_once_until_a_read_succeeds() {
        let (fetch, calls) = scripted(
            vec![
                Ok(vec!["U0A"]),
                Err(api_error("no_such_subteam")),
                Err(api_error("no_such_subteam")),
                Ok(vec!["U0A"]),
            ],
            Duration::ZERO,
        );
        let (aud, list) = audience(fetch);
        assert_eq!(aud.contains("U0A", &soon()).await, Ok(true));
        let shutdown = CancellationToken::new();
        tokio::spawn(list.clone().run(shutdown.clone()));
        tokio::time::sleep(Duration::from_secs(61)).await;
        assert_eq!(
            aud.contains("U0A", &soon()).await,
            Err(Unverifiable::GroupUnreadable("no_such_subteam".into()))
        );
        // A permanent error is not retried sooner than the regular interval.
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        tokio::time::sleep(Duration::from_secs(121)).await;
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert_eq!(aud.contains("U0A", &soon()).await, Ok(true));
        shutdown.cancel();
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_is_honoured() {
        let limited = SlackCallError::RateLimited {
            method: "usergroups.users.list",
            retry_after: Some(Duration::from_secs(30)),
        };
        let (fetch, calls) = scripted(
            vec![Ok(vec!["U0A"]), Err(limited), Ok(vec!["U0A"])],
            Duration::ZERO,
        );
        let (aud, list) = audience(fetch);
        assert_eq!(aud.contains("U0A", &soon()).await, Ok(true));
        let shutdown = CancellationToken::new();
        tokio::spawn(list.clone().run(shutdown.clone()));
        tokio::time::sleep(Duration::from_secs(61)).await;
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "the refresh was rate-limited"
        );
        // Callers in between do not call Slack either.
        for _ in 0..20 {
            assert_eq!(aud.contains("U0A", &soon()).await, Ok(true));
        }
        tokio::time::sleep(Duration::from_secs(28)).await;
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "nothing before Retry-After"
        );
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        shutdown.cancel();
    }

    #[tokio::test]
    async fn unset_means_everyone_or_nobody() {
        let open = Audience::new("requesters", &[], None, true);
        let closed = Audience::new("approvers", &[], None, false);
        assert_eq!(open.contains("U0ANY", &soon()).await, Ok(true));
        assert_eq!(closed.contains("U0ANY", &soon()).await, Ok(false));
        let listed = Audience::new("requesters", &["U0A".to_owned()], None, true);
        assert_eq!(listed.contains("U0B", &soon()).await, Ok(false));
    }
}
