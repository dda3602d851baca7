//! One deadline per Slack request: every answer to Slack within 2.5 s of its arrival.
//!
//! Slack gives up on an answer after 3 seconds. A fixed budget per step (lookup, fallback,
//! filing, `views.open`) adds up past that when several steps are slow at once, so instead
//! the edge that receives a request (the HTTP route, the Socket Mode callback) creates one
//! [`Deadline`] and passes it down; every step takes what remains of it. What does not fit
//! is not abandoned: [`finish_or_hand_over`] runs a step in its own task and, when the
//! answer cannot wait any longer, lets the step finish on its own and hands its outcome to
//! code that tells the person (a direct or ephemeral message) — so the answer always comes
//! first, and the person always learns what became of their request.

use std::future::Future;
use std::time::Duration;

// Tokio's clock (the system clock, except in tests that pause it).
use tokio::time::Instant;

/// How long after a request's arrival its answer is sent at the latest: half a second
/// inside Slack's 3 s, for the network and Slack's own clock.
pub const ANSWER_WITHIN: Duration = Duration::from_millis(2500);

/// Kept back from every step for what follows the last one: building and writing the
/// answer, and telling the person what is still going on.
const ANSWER_RESERVE: Duration = Duration::from_millis(100);

/// When the answer to one Slack request is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    answer_by: Instant,
}

impl Deadline {
    /// The deadline of a Slack request that arrived at `arrived`.
    pub fn for_request(arrived: std::time::Instant) -> Deadline {
        Deadline {
            answer_by: Instant::from_std(arrived) + ANSWER_WITHIN,
        }
    }

    /// The deadline of a Slack request arriving now.
    pub fn starting_now() -> Deadline {
        Deadline {
            answer_by: Instant::now() + ANSWER_WITHIN,
        }
    }

    /// A deadline `within` from now (for work that answers nobody within Slack's window,
    /// such as benchmarks).
    pub fn after(within: Duration) -> Deadline {
        Deadline {
            answer_by: Instant::now() + within,
        }
    }

    /// Time left for the request's steps.
    pub fn remaining(&self) -> Duration {
        self.answer_by
            .saturating_duration_since(Instant::now())
            .saturating_sub(ANSWER_RESERVE)
    }

    /// Time left for one step that must leave `reserve` for the steps after it (never less
    /// than nothing).
    pub fn leaving(&self, reserve: Duration) -> Duration {
        self.remaining().saturating_sub(reserve)
    }

    pub fn is_past(&self) -> bool {
        self.remaining().is_zero()
    }

    /// Runs `step` for at most what remains; `None` when time ran out first (the step is
    /// then dropped: only for steps that change nothing, such as reads).
    pub async fn run<T>(&self, step: impl Future<Output = T>) -> Option<T> {
        tokio::time::timeout(self.remaining(), step).await.ok()
    }
}

/// How a step handed to [`finish_or_hand_over`] ended, as far as the answer is concerned.
#[derive(Debug, PartialEq, Eq)]
pub enum Finished<T> {
    /// It finished in time; its output.
    InTime(T),
    /// The answer could not wait: the step goes on, and its output goes to the hand-over
    /// when it finishes.
    HandedOver,
    /// The step's task ended without an output (it panicked); nothing is handed over.
    Crashed,
}

/// Runs `step` in its own task and waits for it until `deadline`. If it finishes in time
/// its output is returned; if not, it keeps running and `hand_over` gets its output when
/// it finishes. Exactly one of the two receives the output, whatever the timing.
pub async fn finish_or_hand_over<T, S, H, HF>(
    deadline: &Deadline,
    step: S,
    hand_over: H,
) -> Finished<T>
where
    T: Send + 'static,
    S: Future<Output = T> + Send + 'static,
    H: FnOnce(T) -> HF + Send + 'static,
    HF: Future<Output = ()> + Send + 'static,
{
    let (tx, mut rx) = tokio::sync::oneshot::channel::<T>();
    crate::telemetry::spawn(async move {
        let out = step.await;
        // The receiver is closed once the answer stopped waiting: the output is ours.
        if let Err(out) = tx.send(out) {
            hand_over(out).await;
        }
    });
    match tokio::time::timeout(deadline.remaining(), &mut rx).await {
        Ok(Ok(out)) => Finished::InTime(out),
        Ok(Err(_)) => Finished::Crashed,
        Err(_) => {
            // Closing first settles the race with a step finishing right now: either its
            // output is already in the channel (and answered with), or its send fails and
            // the hand-over gets it.
            rx.close();
            match rx.try_recv() {
                Ok(out) => Finished::InTime(out),
                Err(_) => Finished::HandedOver,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn remaining_keeps_the_reserve_and_never_goes_negative() {
        let d = Deadline::starting_now();
        assert!(d.remaining() <= ANSWER_WITHIN - ANSWER_RESERVE);
        assert!(d.remaining() > Duration::from_secs(2));
        assert!(d.leaving(Duration::from_secs(1)) <= Duration::from_millis(1400));
        let past = Deadline::for_request(std::time::Instant::now() - Duration::from_secs(10));
        assert_eq!(past.remaining(), Duration::ZERO);
        assert_eq!(past.leaving(Duration::from_secs(1)), Duration::ZERO);
        assert!(past.is_past());
    }

    #[tokio::test(start_paused = true)]
    async fn a_step_in_time_is_answered_with_and_not_handed_over() {
        let handed = Arc::new(AtomicUsize::new(0));
        let h = handed.clone();
        let out = finish_or_hand_over(
            &Deadline::after(Duration::from_secs(2)),
            async { 7 },
            move |_| async move {
                h.fetch_add(1, Ordering::SeqCst);
            },
        )
        .await;
        assert_eq!(out, Finished::InTime(7));
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(handed.load(Ordering::SeqCst), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_late_step_finishes_and_its_output_is_handed_over_once() {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let started = Instant::now();
        let out = finish_or_hand_over(
            &Deadline::after(Duration::from_secs(2)),
            async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "filed"
            },
            move |v| async move {
                let _ = tx.send(v);
            },
        )
        .await;
        assert_eq!(out, Finished::HandedOver);
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(rx.await.unwrap(), "filed");
        assert!(started.elapsed() >= Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_crashed_step_is_reported_as_such() {
        let out: Finished<()> = finish_or_hand_over(
            &Deadline::after(Duration::from_secs(2)),
            async { panic!("boom") },
            |_| async {},
        )
        .await;
        assert_eq!(out, Finished::Crashed);
    }

    /// Many steps finishing right at the deadline: each output goes to exactly one side.
    #[tokio::test]
    async fn at_the_edge_every_output_goes_to_exactly_one_side() {
        let handed = Arc::new(AtomicUsize::new(0));
        let mut in_time = 0;
        for i in 0..200u64 {
            let h = handed.clone();
            let out = finish_or_hand_over(
                &Deadline::after(ANSWER_RESERVE + Duration::from_millis(2)),
                async move {
                    tokio::time::sleep(Duration::from_micros(1500 + (i % 10) * 100)).await;
                },
                move |_| async move {
                    h.fetch_add(1, Ordering::SeqCst);
                },
            )
            .await;
            if out == Finished::InTime(()) {
                in_time += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(in_time + handed.load(Ordering::SeqCst), 200);
    }
}
