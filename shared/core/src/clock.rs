//! The clock port. Schedules, leases, rate windows and notification intervals all read time
//! through it, so tests move time forward instead of sleeping.

use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

/// Where "now" comes from for schedules, leases, deadlines and notice intervals: passed
/// in as a port so that tests and benchmarks control time (vendor rate windows run on the
/// real clock).
pub trait Clock: Send + Sync {
    /// The current instant in UTC (a manual clock's may stand still or jump).
    fn now(&self) -> DateTime<Utc>;
}

/// The real wall clock (`Utc::now()`): what the Lambdas and the CLI's live commands use.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to: for tests and for simulated time.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Mutex::new(start))
    }
    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }
    /// Puts the clock at `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Simulated time that runs `scale` times as fast as the wall clock from `start`: the
/// engine's clock beside a time-scaled sandbox (benchmarks), so that a Lambda's deadline
/// and a vendor's per-minute window are counted in the same simulated minutes.
#[derive(Debug)]
pub struct ScaledClock {
    start: DateTime<Utc>,
    real: std::time::Instant,
    scale: f64,
}

impl ScaledClock {
    /// A clock standing at `start` now, moving `scale` simulated seconds per real second.
    pub fn new(start: DateTime<Utc>, scale: f64) -> Self {
        Self {
            start,
            real: std::time::Instant::now(),
            scale: scale.max(0.001),
        }
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> DateTime<Utc> {
        let sim = self.real.elapsed().as_secs_f64() * self.scale;
        self.start + Duration::microseconds((sim * 1e6) as i64)
    }
}
