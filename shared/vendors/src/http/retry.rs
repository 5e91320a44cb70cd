//! The retry layer: makes a call's attempts until one settles, waiting between them as the
//! policy (policy.rs) judged — each wait on the run's behalf (lease.rs) — and gives up when
//! the policy's attempts or budget are spent.

use super::lease::Lease;
use super::policy::RetryPolicy;
use crate::error::VendorError;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// What one attempt came to (an error ends the call at once).
#[derive(Debug)]
pub(crate) enum Step<T> {
    /// The call's answer.
    Done(T),
    /// Worth another attempt after `wait`; `why` says what went wrong.
    Again {
        /// How long to wait first.
        wait: Duration,
        /// What went wrong.
        why: String,
    },
}

/// The retry layer of one call.
#[derive(Debug)]
pub(crate) struct Retries<'a> {
    /// The vendor (named in the error when the retries are spent).
    pub(crate) vendor: &'static str,
    /// Attempts, budget and backoff.
    pub(crate) policy: &'a RetryPolicy,
    /// Where the waits are announced.
    pub(crate) lease: &'a Lease,
    /// Counts the retries made (the client's `Stats::retries`).
    pub(crate) made: &'a AtomicU64,
}

impl Retries<'_> {
    /// Makes attempts 1, 2, … with `attempt` until one is done, one fails, or the policy
    /// allows no more (Retryable, saying what went wrong last).
    pub(crate) async fn run<T, F, Fut>(&self, mut attempt: F) -> Result<T, VendorError>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<Step<T>, VendorError>>,
    {
        let started = Instant::now();
        let mut n = 0;
        loop {
            n += 1;
            let (wait, why) = match attempt(n).await? {
                Step::Done(answer) => return Ok(answer),
                Step::Again { wait, why } => (wait, why),
            };
            if !self.policy.allows(n, started.elapsed(), wait) {
                return Err(VendorError::Retryable {
                    vendor: self.vendor,
                    message: format!("{why} (gave up after {n} attempts)"),
                });
            }
            self.made.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                vendor = self.vendor,
                attempt = n,
                wait_ms = wait.as_millis() as u64,
                "retrying"
            );
            self.lease.pause(wait).await?;
        }
    }
}
