//! In-process rate windows: the fallback when no shared ledger answers (a client used
//! outside a run, or the state store unreachable). Within a run, a credential's windows live
//! in the state store (renkei_core::rate).

use super::call::CallKind;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// A sliding-window limit: at most `limit` calls in any `window`. It matches how vendors
/// state their limits ("5 writes per 60 s"), unlike a token bucket that refills smoothly.
/// This is the in-process window, used when no shared ledger answers (outside a run, or
/// the state store unreachable); within a run the credential's windows live in the store.
#[derive(Debug)]
pub struct SlidingWindow {
    limit: usize,
    window: Duration,
    sent: Mutex<VecDeque<Instant>>,
}

impl SlidingWindow {
    /// `limit` calls per `window`. The window is widened by 2% so that network jitter
    /// between our clock and the vendor's never lets the vendor count one call too many.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit: limit.max(1) as usize,
            window: window.mul_f64(1.02),
            sent: Mutex::new(VecDeque::new()),
        }
    }

    /// How long until one more call fits (None: now), dropping calls that left the window.
    fn wait_at(&self, sent: &mut VecDeque<Instant>, now: Instant) -> Option<Duration> {
        while sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            sent.pop_front();
        }
        if sent.len() < self.limit {
            return None;
        }
        sent.front()
            .map(|t| self.window.saturating_sub(now.duration_since(*t)))
    }

    /// Waits until one more call fits in the window, then counts it.
    pub async fn acquire(&self) {
        loop {
            let mut sent = self.sent.lock().await;
            let now = Instant::now();
            while sent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                sent.pop_front();
            }
            if sent.len() < self.limit {
                sent.push_back(now);
                return;
            }
            let wait = sent.front().map_or(Duration::ZERO, |t| {
                self.window.saturating_sub(now.duration_since(*t))
            });
            drop(sent);
            tokio::time::sleep(wait).await;
        }
    }
}

/// A credential's in-process windows. Both are checked and counted under one lock, so a
/// write is counted in both at the instant it is sent. Shared by every client of the same
/// credential in this process (a warm Lambda reuses them across runs).
#[derive(Debug)]
pub(crate) struct LocalWindows {
    all: Option<SlidingWindow>,
    writes: Option<SlidingWindow>,
    sent: std::sync::Mutex<(VecDeque<Instant>, VecDeque<Instant>)>,
}

impl LocalWindows {
    pub(crate) fn new(all: Option<(u32, Duration)>, writes: Option<(u32, Duration)>) -> Self {
        Self {
            all: all.map(|(n, w)| SlidingWindow::new(n, w)),
            writes: writes.map(|(n, w)| SlidingWindow::new(n, w)),
            sent: std::sync::Mutex::new((VecDeque::new(), VecDeque::new())),
        }
    }

    /// Counts one call now, or says how long to wait.
    pub(crate) fn try_take(&self, kind: CallKind) -> Result<(), Duration> {
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let (all_sent, write_sent) = &mut *sent;
        let mut wait = self.all.as_ref().and_then(|w| w.wait_at(all_sent, now));
        if kind == CallKind::Write
            && let Some(w) = &self.writes
        {
            wait = wait.max(w.wait_at(write_sent, now));
        }
        if let Some(wait) = wait {
            return Err(wait);
        }
        if self.all.is_some() {
            all_sent.push_back(now);
        }
        if kind == CallKind::Write && self.writes.is_some() {
            write_sent.push_back(now);
        }
        Ok(())
    }
}

/// In-process windows by credential key.
pub(crate) fn local_windows(
    key: &str,
    all: Option<(u32, Duration)>,
    writes: Option<(u32, Duration)>,
) -> Arc<LocalWindows> {
    static REGISTRY: OnceLock<std::sync::Mutex<HashMap<String, Arc<LocalWindows>>>> =
        OnceLock::new();
    let mut map = REGISTRY
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    map.entry(key.to_string())
        .or_insert_with(|| Arc::new(LocalWindows::new(all, writes)))
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn p6_sliding_window_never_exceeds_the_limit() {
        let w = SlidingWindow::new(5, Duration::from_secs(60));
        let start = Instant::now();
        let mut stamps = Vec::new();
        for _ in 0..12 {
            w.acquire().await;
            stamps.push(start.elapsed());
        }
        for (i, t) in stamps.iter().enumerate().skip(5) {
            assert!(
                *t - stamps[i - 5] >= Duration::from_secs(60),
                "call {i} came too soon"
            );
        }
        // and it does not wait longer than needed: 12 calls in 2 windows (+2% margin)
        assert!(stamps[11] <= Duration::from_secs(123));
    }
}

/// A window that counts units rather than calls (LinkedIn's records per minute): the
/// in-process fallback of `VendorClient::take_units`.
#[derive(Debug, Default)]
pub(crate) struct UnitWindow(std::sync::Mutex<VecDeque<(Instant, u32)>>);

impl UnitWindow {
    /// Takes `units` of `limit` per `window`, or says how long until they fit.
    pub(crate) fn take(&self, limit: u32, window: Duration, units: u32) -> Result<(), Duration> {
        let mut taken = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        while taken
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) >= window)
        {
            taken.pop_front();
        }
        let mut used: u32 = taken.iter().map(|(_, n)| n).sum();
        if used + units <= limit {
            taken.push_back((now, units));
            return Ok(());
        }
        // Wait until enough of the oldest have left the window.
        for (t, n) in taken.iter() {
            used -= n;
            if used + units <= limit {
                return Err(window.saturating_sub(now.duration_since(*t)));
            }
        }
        Err(window)
    }
}
