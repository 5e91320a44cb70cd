//! The one backoff every retry loop uses (vendor calls, DynamoDB unprocessed items,
//! EventBridge failed entries): exponential with full jitter, capped.

use std::time::Duration;

/// Exponential backoff with full jitter: attempt n waits a random time up to
/// `base · 2ⁿ` (at most `max`), which spreads the retries of many connections that met the
/// same outage instead of having them retry in step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first wait.
    pub base: Duration,
    /// The cap on every ceiling: no wait is longer, however many attempts came before.
    pub max: Duration,
}

impl Backoff {
    /// A backoff from `base` up to `max`.
    pub const fn new(base: Duration, max: Duration) -> Self {
        Self { base, max }
    }

    /// The ceiling of attempt `attempt`'s wait (0-based).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        self.base.saturating_mul(1 << attempt.min(16)).min(self.max)
    }

    /// A random wait for attempt `attempt`, between zero and its ceiling.
    pub fn delay(&self, attempt: u32) -> Duration {
        self.ceiling(attempt).mul_f64(fastrand::f64())
    }

    /// Sleeps for attempt `attempt`'s delay.
    pub async fn wait(&self, attempt: u32) {
        tokio::time::sleep(self.delay(attempt)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p6_waits_double_up_to_the_cap_and_are_jittered_below_it() {
        let b = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        assert_eq!(b.ceiling(0), Duration::from_millis(100));
        assert_eq!(b.ceiling(3), Duration::from_millis(800));
        assert_eq!(b.ceiling(4), Duration::from_secs(1));
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(1), "no overflow");
        for attempt in 0..20 {
            assert!(b.delay(attempt) <= b.ceiling(attempt));
        }
    }
}
