//! The heartbeat: how code deep inside a run (a vendor client waiting for its rate window,
//! polling a background task, retrying after a 429) keeps the run's lease alive and learns at
//! once that it must stop — because another run took the lease over, a disconnect fenced it,
//! or the invocation's deadline is near.
//!
//! The connector holds a [`Heartbeat`] (a cheap, `'static` handle); the engine answers every
//! beat while it awaits the connector (see `engine::Keeper`), renewing the lease in the store
//! when it is due. A run whose process is frozen answers no beats and renews nothing, which is
//! exactly what lets another run take it over.

use crate::rate::{Admission, Slot};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Why a run must stop now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Halt {
    /// Another run holds the lease now (this one stalled past its expiry), or the
    /// connection was disconnected: nothing more may be written.
    #[error(
        "lost the connection's lease (another run took over, or it was disconnected); stopped before writing more"
    )]
    LeaseLost,
    /// The invocation's deadline is too near for the wait or write ahead: the run saves
    /// what it has and continues in a new invocation.
    #[error("the invocation's time budget is spent; the run continues in a new invocation")]
    Deadline,
    /// The vendor asked us to come back later than is worth waiting for in this invocation
    /// (a long Retry-After): the run continues once that time has passed.
    #[error("the vendor asked to wait {seconds} s; the run continues after that")]
    Backoff {
        /// How long the vendor asked us to wait.
        seconds: u64,
    },
}

/// Called before every vendor write and before every long wait.
#[async_trait]
pub trait Heartbeat: Send + Sync + std::fmt::Debug {
    /// `upcoming_wait` is how long the caller is about to wait (zero before a write): the
    /// lease is extended to cover it, or the run is told to stop when the deadline falls
    /// inside it.
    async fn beat(&self, upcoming_wait: Duration) -> Result<(), Halt>;

    /// Takes a slot for one call in the credential's shared rate windows (kept in the state
    /// store across runs and continuations), or says how long to wait for one.
    async fn admit(&self, slot: &Slot) -> Result<Admission, Halt> {
        let _ = slot;
        Ok(Admission::Local)
    }
}

/// For clients used outside a run (setup checks, the CLI): never stops anything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoRun;

#[async_trait]
impl Heartbeat for NoRun {
    async fn beat(&self, _: Duration) -> Result<(), Halt> {
        Ok(())
    }
}

/// A question on its way to the engine, and where to answer.
#[derive(Debug)]
pub enum Ask {
    /// A heartbeat announcing a wait (zero before a write).
    Beat(Duration, oneshot::Sender<Result<(), Halt>>),
    /// A request for one call's slot in the credential's shared rate windows (see
    /// [`Heartbeat::admit`]).
    Admit(Slot, oneshot::Sender<Result<Admission, Halt>>),
}

/// The connector's end of the engine's heartbeat channel.
#[derive(Debug, Clone)]
pub struct HeartbeatLink {
    tx: mpsc::Sender<Ask>,
}

impl HeartbeatLink {
    /// A link and the receiver the engine answers from.
    pub fn channel() -> (Arc<dyn Heartbeat>, mpsc::Receiver<Ask>) {
        let (tx, rx) = mpsc::channel(16);
        (Arc::new(Self { tx }), rx)
    }
}

#[async_trait]
impl Heartbeat for HeartbeatLink {
    async fn beat(&self, upcoming_wait: Duration) -> Result<(), Halt> {
        let (answer, reply) = oneshot::channel();
        // Nobody answering means the run is over: writing on would be writing unfenced.
        self.tx
            .send(Ask::Beat(upcoming_wait, answer))
            .await
            .map_err(|_| Halt::LeaseLost)?;
        reply.await.unwrap_or(Err(Halt::LeaseLost))
    }

    async fn admit(&self, slot: &Slot) -> Result<Admission, Halt> {
        let (answer, reply) = oneshot::channel();
        self.tx
            .send(Ask::Admit(slot.clone(), answer))
            .await
            .map_err(|_| Halt::LeaseLost)?;
        reply.await.unwrap_or(Err(Halt::LeaseLost))
    }
}

/// Whoever answers a link's questions: the engine's lease keeper within a run, the shared
/// rate ledger outside one.
#[async_trait]
pub trait Answerer: Send {
    /// Answers a heartbeat announcing `wait`.
    async fn beat(&mut self, wait: Duration) -> Result<(), Halt>;
    /// Answers a request for a rate slot: granted (and counted), how long to wait, or
    /// [`Admission::Local`] when no shared ledger can answer.
    async fn admit(&mut self, slot: &Slot) -> Result<Admission, Halt>;
}

/// Awaits `work`, answering the questions its clients ask meanwhile.
pub async fn serve<T>(
    answerer: &mut impl Answerer,
    asks: &mut mpsc::Receiver<Ask>,
    work: impl std::future::Future<Output = T>,
) -> T {
    tokio::pin!(work);
    loop {
        tokio::select! {
            biased;
            out = &mut work => return out,
            Some(ask) = asks.recv() => match ask {
                Ask::Beat(wait, answer) => {
                    let _ = answer.send(answerer.beat(wait).await);
                }
                Ask::Admit(slot, answer) => {
                    let _ = answer.send(answerer.admit(&slot).await);
                }
            },
        }
    }
}

/// The longest rate wait a setup check sits through: a person is waiting for its answer,
/// so a longer one (the credential's window is used up by its runs, or the vendor answered
/// 429 with a long Retry-After) refuses setup with the time to try again.
pub const SETUP_MAX_WAIT: Duration = Duration::from_secs(30);

/// The credential's shared windows, without a lease (see [`outside_run`]).
struct LedgerOnly<'a> {
    repo: crate::repo::Repo<'a>,
    tenant: &'a crate::TenantId,
}

#[async_trait]
impl Answerer for LedgerOnly<'_> {
    async fn beat(&mut self, wait: Duration) -> Result<(), Halt> {
        if wait > SETUP_MAX_WAIT {
            return Err(Halt::Backoff {
                seconds: wait.as_secs().max(1),
            });
        }
        Ok(())
    }

    async fn admit(&mut self, slot: &Slot) -> Result<Admission, Halt> {
        let now_ms = chrono::Utc::now().timestamp_millis();
        Ok(self
            .repo
            .admit(self.tenant, slot, now_ms)
            .await
            .unwrap_or(Admission::Local))
    }
}

/// Runs `work` (vendor calls outside any run: setup checks, registration) with its clients'
/// rate admissions served from the credential's shared windows in the state store, so that
/// setup's calls count in the same window as the runs that follow it. Beats always pass:
/// there is no lease to keep.
pub async fn outside_run<T>(
    store: &dyn crate::ports::StateStore,
    tenant: &crate::TenantId,
    asks: &mut mpsc::Receiver<Ask>,
    work: impl std::future::Future<Output = T>,
) -> T {
    let mut ledger = LedgerOnly {
        repo: crate::repo::Repo::new(store),
        tenant,
    };
    serve(&mut ledger, asks, work).await
}
