//! How renkei waits for Kaonavi's asynchronous writes (issue 29, item 4). Every poll of
//! `GET /tasks/{id}` is a request of the company's hourly budget (1,000 per hour), so a task
//! is polled with growing gaps (1, 2, 4, 8, 16, 30, 30 … s) rather than every 2 s, and a run
//! spends at most a share of the hour on polls: a few large syncs can no longer spend the
//! hour polling. Each wait is announced to the run's heartbeat (`beat(upcoming_wait)`), then
//! slept on tokio's clock: tests assert the announced waits, which load cannot change, and
//! divide them by a time scale so that the real sleeps stay short.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The share of the hourly request limit one run may spend on task polls, in percent. Four
/// runs an hour (C2.8) at this share leave more than the rest of the hour for the writes
/// and reads themselves even if every run spends its share.
pub const POLL_SHARE_PERCENT: u32 = 20;

/// The fewest polls a run may spend, whatever the hourly limit: one task per run must
/// always be followable.
pub const MIN_POLLS_PER_RUN: u32 = 5;

/// The hourly limit renkei assumes when a connection sets none (Kaonavi's documented one).
const DOCUMENTED_HOURLY_LIMIT: u32 = 1000;

/// The longest wait as a multiple of the first: 1 s grows to 30 s (1, 2, 4, 8, 16, 30).
const CAP_IN_FIRST_WAITS: u32 = 30;

/// When the first poll of a task comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstPoll {
    /// After the first wait: a task just started is never done at once.
    AfterWait,
    /// At once: a task an earlier run left has been running since then.
    Now,
}

/// The polling policy: a pure value, so its arithmetic is tested without a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskPolling {
    /// The first wait; each later one doubles it.
    pub first: Duration,
    /// The longest wait between two polls of one task.
    pub cap: Duration,
    /// Polls one run (one client) may spend over all its tasks.
    pub per_run: u32,
}

impl Default for TaskPolling {
    fn default() -> Self {
        Self {
            first: Duration::from_secs(1),
            cap: Duration::from_secs(30),
            per_run: Self::per_run_for(Some(DOCUMENTED_HOURLY_LIMIT)),
        }
    }
}

impl TaskPolling {
    /// A connection's policy: the first wait it sets, the cap at 30 s (or at 30 first waits
    /// when it sets a shorter first wait: who asks for quick polls gets quick polls), both
    /// divided by `time_scale` (the sandbox's simulated seconds per second; 1 in production),
    /// and its poll bound from its hourly limit.
    pub fn for_connection(
        first: Duration,
        time_scale: f64,
        requests_per_hour: Option<u32>,
    ) -> Self {
        let scale = if time_scale.is_finite() && time_scale > 0.0 {
            time_scale
        } else {
            1.0
        };
        let documented = Self::default();
        let cap = first.saturating_mul(CAP_IN_FIRST_WAITS).min(documented.cap);
        Self {
            first: first.div_f64(scale),
            cap: cap.div_f64(scale),
            per_run: Self::per_run_for(requests_per_hour),
        }
    }

    /// The run's poll bound for an hourly request limit (None: Kaonavi's documented 1,000).
    pub fn per_run_for(requests_per_hour: Option<u32>) -> u32 {
        let hourly = requests_per_hour.unwrap_or(DOCUMENTED_HOURLY_LIMIT);
        (hourly.saturating_mul(POLL_SHARE_PERCENT) / 100).max(MIN_POLLS_PER_RUN)
    }

    /// The wait before poll `n` (0-based) of one task: `first`, `2·first`, `4·first` …,
    /// never above `cap`; none before an immediate first poll.
    pub fn wait_before(&self, n: u32, start: FirstPoll) -> Duration {
        let doublings = match start {
            FirstPoll::AfterWait => n,
            FirstPoll::Now if n == 0 => return Duration::ZERO,
            FirstPoll::Now => n - 1,
        };
        let factor = 1u32.checked_shl(doublings.min(31)).unwrap_or(u32::MAX);
        self.first
            .checked_mul(factor)
            .unwrap_or(self.cap)
            .min(self.cap.max(self.first))
    }
}

/// What is left of one run's task polls.
#[derive(Debug)]
pub(super) struct PollBudget(AtomicU32);

impl PollBudget {
    pub(super) fn new(polls: u32) -> Self {
        Self(AtomicU32::new(polls))
    }

    /// Polls left.
    pub(super) fn left(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }

    /// Takes one poll; false when none is left.
    pub(super) fn take(&self) -> bool {
        self.0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(d: Duration) -> f64 {
        d.as_secs_f64()
    }

    #[test]
    fn s29_4_waits_double_from_one_second_up_to_thirty() {
        let p = TaskPolling::default();
        let waits: Vec<f64> = (0..8)
            .map(|n| secs(p.wait_before(n, FirstPoll::AfterWait)))
            .collect();
        assert_eq!(waits, [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]);
        assert_eq!(
            p.wait_before(1000, FirstPoll::AfterWait),
            p.cap,
            "no overflow"
        );
    }

    #[test]
    fn s29_4_a_task_left_by_an_earlier_run_is_polled_at_once_then_with_growing_gaps() {
        let p = TaskPolling::default();
        let waits: Vec<f64> = (0..4)
            .map(|n| secs(p.wait_before(n, FirstPoll::Now)))
            .collect();
        assert_eq!(waits, [0.0, 1.0, 2.0, 4.0]);
    }

    #[test]
    fn s29_4_a_run_may_spend_a_fifth_of_the_hourly_limit_on_polls() {
        assert_eq!(TaskPolling::default().per_run, 200);
        assert_eq!(TaskPolling::per_run_for(Some(3000)), 600);
        assert_eq!(TaskPolling::per_run_for(Some(10)), MIN_POLLS_PER_RUN);
        assert_eq!(TaskPolling::per_run_for(None), 200);
    }

    #[test]
    fn s29_4_a_connection_s_first_wait_sets_the_pace_and_time_scale_divides_it() {
        let production = TaskPolling::for_connection(Duration::from_secs(1), 1.0, Some(1000));
        assert_eq!(production, TaskPolling::default());
        let quick = TaskPolling::for_connection(Duration::from_millis(1), 1.0, None);
        assert_eq!(
            (quick.first, quick.cap),
            (Duration::from_millis(1), Duration::from_millis(30))
        );
        let slow = TaskPolling::for_connection(Duration::from_secs(5), 1.0, None);
        assert_eq!(slow.cap, Duration::from_secs(30), "never above 30 s");
        let sandbox = TaskPolling::for_connection(Duration::from_secs(1), 100.0, Some(50));
        assert_eq!(
            (sandbox.first, sandbox.cap, sandbox.per_run),
            (Duration::from_millis(10), Duration::from_millis(300), 10)
        );
    }

    #[test]
    fn s29_4_the_budget_never_goes_below_zero() {
        let b = PollBudget::new(2);
        assert!(b.take() && b.take());
        assert!(!b.take());
        assert_eq!(b.left(), 0);
    }
}
