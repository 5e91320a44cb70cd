//! What people do to connections, for every connector (P10, C2.9, C2.10): switch
//! automation on and off, and disconnect (credentials and state deleted).

use crate::clock::Clock;
use crate::ports::{SecretStore, StateStore};
use crate::repo::{Automation, Connection, Repo};
use crate::{ConnectionId, TenantId};

/// Admin operation failures.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// No such connection.
    #[error("connection {0}/{1} does not exist")]
    NotFound(TenantId, ConnectionId),
    /// Storage trouble.
    #[error("{0}")]
    Store(String),
}

/// Turns automation on (also after renkei paused it; failure counters restart) or off.
/// Turning it on makes the connection due at its next slot.
pub async fn set_automation(
    store: &dyn StateStore,
    clock: &dyn Clock,
    t: &TenantId,
    c: &ConnectionId,
    on: bool,
) -> Result<Connection, AdminError> {
    let now = clock.now();
    Repo::new(store)
        .update_connection(t, c, |conn| {
            if on {
                conn.automation = Automation::On;
                conn.consecutive_failures = 0;
                conn.notice = None;
                conn.next_run_at = conn.cadence.next_after(now);
            } else {
                conn.automation = Automation::Off;
            }
        })
        .await
        .map_err(|e| AdminError::Store(e.to_string()))?
        .ok_or_else(|| AdminError::NotFound(t.clone(), c.clone()))
}

/// Full disconnect: fences any run in flight (its next write fails and it stops), deletes
/// the credentials, then every stored item of the connection. Reconnecting starts from setup.
pub async fn disconnect(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    clock: &dyn Clock,
    t: &TenantId,
    c: &ConnectionId,
) -> Result<(), AdminError> {
    let repo = Repo::new(store);
    let (conn, _) = repo
        .connection(t, c)
        .await
        .map_err(|e| AdminError::Store(e.to_string()))?
        .ok_or_else(|| AdminError::NotFound(t.clone(), c.clone()))?;
    repo.break_lease(t, c, clock.now())
        .await
        .map_err(|e| AdminError::Store(e.to_string()))?;
    secrets
        .delete(&conn.secret_name)
        .await
        .map_err(|e| AdminError::Store(e.to_string()))?;
    repo.delete_connection(t, c)
        .await
        .map_err(|e| AdminError::Store(e.to_string()))
}
