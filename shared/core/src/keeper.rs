//! The lease of a run in progress: renewed before every page's writes and by the heartbeats
//! vendor clients send during long waits (see `heartbeat.rs`); the answerer of a run's
//! rate admissions (see `rate.rs`).

use crate::connector::{EngineConfig, Ports};
use crate::heartbeat::{Answerer, Ask, Halt, serve};
use crate::ids::{ConnectionId, TenantId};
use crate::ports::StoreError;
use crate::rate::{Admission, Slot};
use crate::repo::{Lease, Repo};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use std::future::Future;
use tokio::sync::mpsc::Receiver;

/// The lease of the run in progress. It answers the connector's heartbeats while the engine
/// awaits the connector, so the lease lives exactly as long as the run makes progress.
pub(crate) struct Keeper<'k> {
    pub(crate) repo: Repo<'k>,
    pub(crate) ports: Ports<'k>,
    pub(crate) config: &'k EngineConfig,
    pub(crate) t: TenantId,
    pub(crate) c: ConnectionId,
    pub(crate) lease: Lease,
    pub(crate) renewed_at: DateTime<Utc>,
    pub(crate) deadline: Option<DateTime<Utc>>,
    pub(crate) lost: bool,
}

fn chrono_of(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::MAX)
}

impl Keeper<'_> {
    /// Extends the lease to cover `wait` plus a lease lifetime; only while it is still ours.
    pub(crate) async fn renew(&mut self, wait: Duration) -> Result<(), Halt> {
        if self.lost {
            return Err(Halt::LeaseLost);
        }
        let now = self.ports.clock.now();
        let until = now + wait + self.config.lease_ttl;
        match self
            .repo
            .renew_lease(&self.t, &self.c, &mut self.lease, until)
            .await
        {
            Ok(()) => {
                self.renewed_at = now;
                Ok(())
            }
            Err(StoreError::ConditionFailed) => {
                self.lost = true;
                Err(Halt::LeaseLost)
            }
            // The store is unreachable for a moment: the lease we hold still protects us
            // while it has time left; past that, writing on would be writing unfenced.
            Err(e) if self.lease.expires_at > now + wait + self.config.renew_every => {
                tracing::warn!(error = %e, "lease renewal failed; the held lease still covers the wait");
                Ok(())
            }
            Err(_) => Err(Halt::LeaseLost),
        }
    }

    /// Awaits `work`, answering the heartbeats and admissions it asks for meanwhile.
    pub(crate) async fn drive<T>(
        &mut self,
        asks: &mut Receiver<Ask>,
        work: impl Future<Output = T>,
    ) -> T {
        serve(self, asks, work).await
    }
}

#[async_trait]
impl Answerer for Keeper<'_> {
    /// One heartbeat: stop when the deadline falls inside the wait ahead, renew when due.
    async fn beat(&mut self, wait: std::time::Duration) -> Result<(), Halt> {
        let wait = chrono_of(wait);
        let now = self.ports.clock.now();
        if let Some(deadline) = self.deadline
            && now + wait + self.config.budget_margin >= deadline
        {
            return Err(Halt::Deadline);
        }
        if self.lost {
            return Err(Halt::LeaseLost);
        }
        if now - self.renewed_at >= self.config.renew_every
            || self.lease.expires_at < now + wait + self.config.renew_every
        {
            return self.renew(wait).await;
        }
        Ok(())
    }

    /// A slot in the credential's shared rate windows. A store that cannot answer leaves
    /// the call to the client's in-process limits rather than failing the run.
    async fn admit(&mut self, slot: &Slot) -> Result<Admission, Halt> {
        if self.lost {
            return Err(Halt::LeaseLost);
        }
        // Vendor limits run on real time, whatever clock the engine is given.
        let now_ms = chrono::Utc::now().timestamp_millis();
        match self.repo.admit(&self.t, slot, now_ms).await {
            Ok(admission) => Ok(admission),
            Err(e) => {
                tracing::warn!(error = %e, "shared rate window unavailable; limiting in-process");
                Ok(Admission::Local)
            }
        }
    }
}
