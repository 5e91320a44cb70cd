//! The dispatcher's work: find the connections that are due, claim each one once (a
//! conditional write that moves `next_run_at` past the claim's lifetime), and put one
//! `SyncRequested` event per claimed connection on the bus, so that one tenant's slowness
//! never delays another's and a throttled backlog never runs one connection twice.
//!
//! A fleet due at one quarter hour goes out in rounds: a round's claims, then its events.
//! The first runs start while the rest of the fleet is still being claimed, and a dispatcher
//! stopped mid-tick (its timeout, a crash) leaves at most one round claimed but not
//! announced — those wait for their claims to expire; everything after it stays due and
//! goes out at the next tick.

use crate::clock::Clock;
use crate::engine::{SyncRequested, Trigger, claim_id};
use crate::ports::{BusError, EventBus, StateStore, StoreError};
use crate::repo::{Claim, Connection, Repo};
use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;

/// Claims written concurrently by one dispatcher.
const CLAIMS_IN_FLIGHT: usize = 32;
/// Connections claimed, then announced, per round: ten waves of CLAIMS_IN_FLIGHT claims,
/// then 32 PutEvents calls of ten.
pub const ROUND: usize = 320;

/// Why a dispatcher tick did not hand out everything due. What it claimed and announced
/// before stays handed out; the rest stays due (or waits for its claim to expire).
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// The state store failed: reading the due connections, or writing a claim (that
    /// connection stays due for the next tick; the round's other claims still go out).
    #[error("reading due connections: {0}")]
    Store(#[from] StoreError),
    /// Some events were not delivered (their claims expire and they go out again).
    #[error("publishing: {0}")]
    Bus(#[from] BusError),
}

/// Claims every due connection and publishes a `SyncRequested` carrying the claim; answers
/// what was requested. A connection somebody else changed meanwhile (another dispatcher
/// claimed it, a run closed) is left for the next tick. `claim_ttl` is how long a claim
/// waits for its run before the connection is handed out again under a new claim.
pub async fn dispatch_due(
    store: &dyn StateStore,
    bus: &dyn EventBus,
    clock: &dyn Clock,
    source: &str,
    claim_ttl: Duration,
) -> Result<Vec<SyncRequested>, DispatchError> {
    dispatch_due_until(store, bus, clock, source, claim_ttl, None).await
}

/// [`dispatch_due`] that starts no round once `clock` reads `stop_claiming_at` (the
/// dispatcher Lambda's deadline less the time a round takes): the connections not reached
/// stay due, unclaimed, for the next tick.
pub async fn dispatch_due_until(
    store: &dyn StateStore,
    bus: &dyn EventBus,
    clock: &dyn Clock,
    source: &str,
    claim_ttl: Duration,
    stop_claiming_at: Option<DateTime<Utc>>,
) -> Result<Vec<SyncRequested>, DispatchError> {
    let repo = Repo::new(store);
    let now = clock.now();
    let due = repo.due_connections(now).await?;
    for key in &due.bad {
        tracing::error!(item = %key, "a due item could not be decoded; skipped");
    }
    let mut requests = Vec::new();
    let mut failed = None;
    let mut left = due.connections.into_iter();
    let outcome = loop {
        let round: Vec<_> = left.by_ref().take(ROUND).collect();
        if round.is_empty() {
            break Ok(());
        }
        if stop_claiming_at.is_some_and(|at| clock.now() >= at) {
            tracing::warn!(
                left = round.len() + left.len(),
                "the dispatcher's time is up; the connections not claimed stay due for the next tick"
            );
            break Ok(());
        }
        let mut claimed = Vec::new();
        for claim in claim_round(&repo, round, now, claim_ttl).await {
            match claim {
                Ok(Some(r)) => claimed.push(r),
                Ok(None) => {}
                Err(e) => failed = failed.or(Some(e)),
            }
        }
        // What was claimed goes out even when some claims failed: their connections stay
        // due. A bus that refuses ends the tick: claiming more would only strand more.
        let events: Vec<_> = claimed.iter().map(|r| r.to_event(source)).collect();
        if !events.is_empty()
            && let Err(e) = bus.publish(&events).await
        {
            break Err(e);
        }
        requests.extend(claimed);
    };
    crate::metrics::emit(&crate::metrics::dispatch_document(
        requests.len(),
        due.bad.len(),
        now,
    ));
    outcome?;
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(requests),
    }
}

/// Claims one round, CLAIMS_IN_FLIGHT at a time (independent conditional writes): the
/// request for each connection claimed, None for one somebody else changed meanwhile.
async fn claim_round(
    repo: &Repo<'_>,
    round: Vec<(Connection, u64)>,
    now: DateTime<Utc>,
    claim_ttl: Duration,
) -> Vec<Result<Option<SyncRequested>, StoreError>> {
    futures::stream::iter(round.into_iter().map(|(mut conn, version)| async move {
        let id = claim_id(&conn.connection_id, now);
        // A continuation whose event was lost keeps its run across the new claim.
        let resume_run = conn.claim.take().and_then(|c| c.resume_run);
        conn.claim = Some(Claim {
            id: id.clone(),
            at: now,
            resume_run,
        });
        conn.next_run_at = now + claim_ttl;
        match repo.put_connection(&conn, Some(version)).await {
            Ok(_) => Ok(Some(SyncRequested {
                trigger: Trigger::Schedule { claim: Some(id) },
                ..SyncRequested::new(conn.tenant_id, conn.connection_id, conn.connector)
            })),
            Err(StoreError::ConditionFailed) => Ok(None),
            Err(e) => Err(e),
        }
    }))
    .buffered(CLAIMS_IN_FLIGHT)
    .collect()
    .await
}
