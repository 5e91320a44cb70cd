//! LinkedIn's 100,000 requests per day per application, kept across runs and
//! continuations (the day is UTC, as LinkedIn counts it), and the sync's visible progress.
//!
//! The day's count is one item per connection and day (`B#<date>`). A run reserves requests
//! in blocks of [`BLOCK`] with a conditional write, so the count costs one store write per
//! block, not per request; a run that stops with some of its block unused leaves them
//! counted (conservative: the day never sees more than the budget).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use renkei_core::clock::Clock;
use renkei_core::engine::SyncError;
use renkei_core::heartbeat::Halt;
use renkei_core::ports::{Condition, StateStore, StoreError};
use renkei_core::repo::Repo;
use renkei_core::{ConnectionId, TenantId};
use serde::{Deserialize, Serialize};

/// Requests reserved per store write.
pub const BLOCK: u32 = 50;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Used {
    used: u32,
}

/// The day budget of one connection's child application, as a run spends it.
pub struct DayBudget<'a> {
    store: &'a dyn StateStore,
    clock: &'a dyn Clock,
    t: TenantId,
    c: ConnectionId,
    limit: u32,
    in_hand: u32,
    day: Option<NaiveDate>,
}

fn midnight_after(now: DateTime<Utc>) -> DateTime<Utc> {
    (now.date_naive() + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .map_or(now + Duration::days(1), |m| m.and_utc())
}

impl<'a> DayBudget<'a> {
    /// `limit` requests per UTC day.
    pub fn new(
        store: &'a dyn StateStore,
        clock: &'a dyn Clock,
        t: &TenantId,
        c: &ConnectionId,
        limit: u32,
    ) -> Self {
        Self {
            store,
            clock,
            t: t.clone(),
            c: c.clone(),
            limit,
            in_hand: 0,
            day: None,
        }
    }

    fn sk(day: NaiveDate) -> String {
        format!("B#{day}")
    }

    /// Requests counted today (UTC) for this connection.
    pub async fn used_today(&self) -> Result<u32, StoreError> {
        let day = self.clock.now().date_naive();
        Ok(Repo::new(self.store)
            .own_get::<Used>(&self.t, &self.c, &Self::sk(day))
            .await?
            .map_or(0, |(u, _)| u.used))
    }

    /// Takes one request of today's budget; when the day's is spent, the run stops and
    /// continues at the next UTC midnight.
    pub async fn spend(&mut self) -> Result<(), SyncError> {
        let now = self.clock.now();
        let today = now.date_naive();
        if self.day != Some(today) {
            self.day = Some(today);
            self.in_hand = 0;
        }
        if self.in_hand == 0 {
            self.in_hand = self.reserve(today).await?;
        }
        if self.in_hand == 0 {
            let wait = (midnight_after(now) - now).num_seconds().max(1) as u64;
            return Err(SyncError::Halted(Halt::Backoff { seconds: wait }));
        }
        self.in_hand -= 1;
        Ok(())
    }

    /// Reserves up to a block of today's remaining budget (0: none left).
    async fn reserve(&self, day: NaiveDate) -> Result<u32, SyncError> {
        let repo = Repo::new(self.store);
        let sk = Self::sk(day);
        // The item outlives its day by one, for status readers.
        let expires = midnight_after(self.clock.now()) + Duration::days(1);
        loop {
            let (used, condition) = match repo.own_get::<Used>(&self.t, &self.c, &sk).await? {
                Some((u, v)) => (u.used, Condition::VersionIs(v)),
                None => (0, Condition::NotExists),
            };
            let take = BLOCK.min(self.limit.saturating_sub(used));
            if take == 0 {
                return Ok(0);
            }
            let next = Used { used: used + take };
            match repo
                .own_put(&self.t, &self.c, &sk, &next, condition, Some(expires))
                .await
            {
                Ok(()) => return Ok(take),
                // Another run of this application reserved meanwhile: read again.
                Err(StoreError::ConditionFailed) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// The sync's progress as shown to people (`P`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// historical, incremental, waiting for activation…
    pub phase: String,
    /// Candidates handed to LinkedIn in this pass.
    pub done: u64,
    /// Candidates in Recruitee when the pass started (historical passes).
    #[serde(default)]
    pub total: Option<u64>,
    /// When the pass started.
    pub started_at: Option<DateTime<Utc>>,
    /// Last update.
    pub updated_at: Option<DateTime<Utc>>,
    /// Expected end, from the pace so far.
    #[serde(default)]
    pub eta: Option<DateTime<Utc>>,
    /// Anything a person should know (waiting for the next day's budget…).
    #[serde(default)]
    pub note: Option<String>,
}

impl Progress {
    /// The sk of the progress item.
    pub const SK: &'static str = "P";

    /// Updates done and the ETA at `now`.
    pub fn advance(&mut self, done: u64, now: DateTime<Utc>) {
        self.done = done;
        self.updated_at = Some(now);
        self.note = None;
        self.eta = match (self.total, self.started_at) {
            (Some(total), Some(start)) if done > 0 && total > done => {
                let spent = (now - start).num_milliseconds().max(1) as f64;
                let per = spent / done as f64;
                Some(now + Duration::milliseconds((per * (total - done) as f64) as i64))
            }
            _ => None,
        };
    }

    /// Reads the progress of a connection.
    pub async fn read(
        store: &dyn StateStore,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<Option<Self>, StoreError> {
        Ok(Repo::new(store)
            .own_get::<Self>(t, c, Self::SK)
            .await?
            .map(|(p, _)| p))
    }

    /// Saves it.
    pub async fn save(
        &self,
        store: &dyn StateStore,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<(), StoreError> {
        Repo::new(store)
            .own_put(t, c, Self::SK, self, Condition::Always, None)
            .await
    }
}

/// When a day budget that is spent comes back.
pub fn next_day(now: DateTime<Utc>) -> DateTime<Utc> {
    midnight_after(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use renkei_core::ManualClock;

    #[tokio::test]
    async fn c5_2_the_day_budget_holds_across_runs_and_comes_back_at_utc_midnight() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = renkei_local::FileStore::open(&dir.path().join("s.redb")).expect("store");
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 22, 23, 0, 0).unwrap());
        let (t, c) = (
            TenantId::new("acme").unwrap(),
            ConnectionId::new("rl").unwrap(),
        );
        let mut spent = 0;
        // Two runs one after the other share the day's 120.
        for _ in 0..2 {
            let mut b = DayBudget::new(&store, &clock, &t, &c, 120);
            for _ in 0..70 {
                match b.spend().await {
                    Ok(()) => spent += 1,
                    Err(SyncError::Halted(Halt::Backoff { seconds })) => {
                        assert_eq!(seconds, 3600, "continues at midnight UTC");
                        break;
                    }
                    Err(e) => panic!("{e}"),
                }
            }
        }
        // The first run holds 50+50 of which it used 70 (30 stay counted), the second
        // gets the last 20.
        assert_eq!(
            spent, 90,
            "never more than the day's budget, block-wise conservative"
        );
        clock.set(Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 1).unwrap());
        let mut b = DayBudget::new(&store, &clock, &t, &c, 120);
        b.spend().await.expect("a new day, a new budget");
    }
}
