//! The dispatcher's work: find the connections that are due, claim each one once (a
//! conditional write that moves `next_run_at` past the claim's lifetime), and put one
//! `SyncRequested` event per claimed connection on the bus, so that one tenant's slowness
//! never delays another's and a throttled backlog never runs one connection twice.

use crate::clock::Clock;
use crate::engine::{SyncRequested, claim_id};
use crate::ports::{BusError, EventBus, StateStore, StoreError};
use crate::repo::{Claim, Repo};
use chrono::Duration;
use futures::StreamExt;

/// Claims written concurrently by one dispatcher.
const CLAIMS_IN_FLIGHT: usize = 32;

/// Dispatcher failures.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// Could not read the due connections.
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
    let repo = Repo::new(store);
    let now = clock.now();
    let due = repo.due_connections(now).await?;
    for key in &due.bad {
        tracing::error!(item = %key, "a due item could not be decoded; skipped");
    }
    // Claims are independent conditional writes: made CLAIMS_IN_FLIGHT at a time, so that a
    // fleet due at one quarter hour (10,000 connections) is handed out within the tick.
    let claims = futures::stream::iter(due.connections.into_iter().map(|(mut conn, version)| {
        let repo = &repo;
        async move {
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
                    claim: Some(id),
                    ..SyncRequested::new(conn.tenant_id, conn.connection_id, conn.connector)
                })),
                Err(StoreError::ConditionFailed) => Ok(None),
                Err(e) => Err(e),
            }
        }
    }))
    .buffered(CLAIMS_IN_FLIGHT)
    .collect::<Vec<_>>()
    .await;
    let mut requests = Vec::new();
    let mut failed = None;
    for claim in claims {
        match claim {
            Ok(Some(r)) => requests.push(r),
            Ok(None) => {}
            Err(e) => failed = failed.or(Some(e)),
        }
    }
    crate::metrics::emit(&crate::metrics::dispatch_document(
        requests.len(),
        due.bad.len(),
        now,
    ));
    // What was claimed goes out even when some claims failed: their connections stay due.
    let events: Vec<_> = requests.iter().map(|r| r.to_event(source)).collect();
    if !events.is_empty() {
        bus.publish(&events).await?;
    }
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(requests),
    }
}
