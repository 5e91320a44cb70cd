//! The dispatcher's work: find the connections that are due and put one `SyncRequested`
//! event per connection on the bus, so that one tenant's slowness never delays another's.

use crate::clock::Clock;
use crate::engine::SyncRequested;
use crate::ports::{BusError, EventBus, StateStore, StoreError};
use crate::repo::Repo;

/// Dispatcher failures.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// Could not read the due connections.
    #[error("reading due connections: {0}")]
    Store(#[from] StoreError),
    /// Some events were not delivered (those connections stay due and go out next tick).
    #[error("publishing: {0}")]
    Bus(#[from] BusError),
}

/// Publishes a `SyncRequested` for every due connection; answers what was requested.
pub async fn dispatch_due(
    store: &dyn StateStore,
    bus: &dyn EventBus,
    clock: &dyn Clock,
    source: &str,
) -> Result<Vec<SyncRequested>, DispatchError> {
    let due = Repo::new(store).due_connections(clock.now()).await?;
    let requests: Vec<SyncRequested> = due
        .into_iter()
        .map(|c| SyncRequested {
            tenant_id: c.tenant_id,
            connection_id: c.connection_id,
            connector: c.connector,
            continuation: false,
        })
        .collect();
    let events: Vec<_> = requests.iter().map(|r| r.to_event(source)).collect();
    if !events.is_empty() {
        bus.publish(&events).await?;
    }
    Ok(requests)
}
