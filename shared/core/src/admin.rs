//! What people do to connections, for every connector (P10, C2.9, C2.10): switch
//! automation on and off, disconnect (credentials and state deleted), and change settings,
//! schedule and credentials (`change.rs`).

mod change;

pub use change::{
    CredentialFields, Rotated, Rotation, SettingsChange, SettingsView, change_settings,
    credential_fields, set_credentials, settings,
};

use crate::clock::Clock;
use crate::ports::{SecretStore, StateStore};
use crate::repo::{Automation, Connection, Repo};
use crate::{ConnectionId, TenantId};

/// Why an operation on a connection (here and in `change.rs`) did nothing, or stopped
/// part-way on a store.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The tenant has no connection with this id (never made, or disconnected): nothing
    /// was changed.
    #[error("connection {0}/{1} does not exist")]
    NotFound(TenantId, ConnectionId),
    /// The state store or the secret store failed; the message is theirs. An operation
    /// of several writes may have made the first ones.
    #[error("{0}")]
    Store(String),
    /// The change does not fit the connector's types; nothing was written.
    #[error("{0}")]
    Refused(crate::setup::SetupProblems),
    /// The connection's connector takes no such change here.
    #[error("{0}")]
    Unsupported(String),
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
/// the credentials (`how`: recoverable for a window, or purged by an operator), then every
/// stored item of the connection. Reconnecting starts from setup.
pub async fn disconnect(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    clock: &dyn Clock,
    t: &TenantId,
    c: &ConnectionId,
    how: crate::ports::SecretDeletion,
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
    // The webhook endpoints stop at once.
    crate::webhook::delete_endpoint_secrets(secrets, t, c)
        .await
        .map_err(|e| AdminError::Store(e.to_string()))?;
    secrets
        .delete_as(&conn.secret_name, how)
        .await
        .map_err(|e| AdminError::Store(e.to_string()))?;
    repo.delete_connection(t, c)
        .await
        .map_err(|e| AdminError::Store(e.to_string()))
}

/// Moves a connection's secret to its connector-scoped name (`renkei/<connector>/<tenant>/
/// <connection>`; connections made before it have `renkei/<tenant>/<connection>`), which
/// the deployed functions' IAM policies require. Run once per connection by an operator;
/// a connection already on the new name is left as it is. Answers whether it moved.
pub async fn migrate_secret(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    t: &TenantId,
    c: &ConnectionId,
) -> Result<bool, AdminError> {
    let store_err = |e: crate::ports::StoreError| AdminError::Store(e.to_string());
    let secret_err = |e: crate::ports::SecretError| AdminError::Store(e.to_string());
    let repo = Repo::new(store);
    let (conn, _) = repo
        .connection(t, c)
        .await
        .map_err(store_err)?
        .ok_or_else(|| AdminError::NotFound(t.clone(), c.clone()))?;
    let target = crate::repo::secret_name(&conn.connector, t, c);
    if conn.secret_name == target {
        return Ok(false);
    }
    if let Some(value) = secrets.get(&conn.secret_name).await.map_err(secret_err)? {
        secrets.put(&target, &value).await.map_err(secret_err)?;
    }
    let old = conn.secret_name.clone();
    repo.update_connection(t, c, |conn| conn.secret_name = target.clone())
        .await
        .map_err(store_err)?;
    // Deleted only once the connection names the new secret: a crash in between leaves
    // two copies, never none.
    secrets.delete(&old).await.map_err(secret_err)?;
    Ok(true)
}

/// Writes a connection's webhook endpoint secrets (`renkei-webhook/<vendor>/<tenant>/
/// <connection>`) from its connection secret: what connections made before them need once
/// (`renkei migrate-secrets`), and what re-creates them after the connection secret was
/// restored. Reads the connection secret, so operators only (the CLI). Answers how many were
/// written (0: the connection takes no webhooks, or has no signing secret).
pub async fn migrate_endpoint_secrets(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    registry: &crate::Registry,
    t: &TenantId,
    c: &ConnectionId,
) -> Result<usize, AdminError> {
    let store_err = |e: crate::ports::StoreError| AdminError::Store(e.to_string());
    let secret_err = |e: crate::ports::SecretError| AdminError::Store(e.to_string());
    let (conn, _) = Repo::new(store)
        .connection(t, c)
        .await
        .map_err(store_err)?
        .ok_or_else(|| AdminError::NotFound(t.clone(), c.clone()))?;
    let Some(factory) = registry.get(&conn.connector) else {
        return Ok(0);
    };
    if factory.webhooks().is_empty() {
        return Ok(0);
    }
    // Only a connector-scoped name is read (a legacy one is moved by migrate_secret first).
    let name = conn.scoped_secret().map_err(AdminError::Unsupported)?;
    let whole = secrets
        .get(name)
        .await
        .map_err(secret_err)?
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .unwrap_or(serde_json::Value::Null);
    crate::webhook::store_endpoint_secrets(secrets, factory.webhooks(), t, c, &whole)
        .await
        .map_err(secret_err)
}
