//! Names on the command line that must exist: a tenant, a connection of it, a run of that.
//! A mistyped name is an error that names it (exit 1), never an empty list that looks like
//! an answer. A tenant exists while it has users, connections or routing rules — the same
//! as the admin API's (users or connections), plus rules so the offboarding runbook can list
//! and delete a tenant's last rules.

use crate::backend::Backend;
use renkei_core::engine::RunRecord;
use renkei_core::repo::{Connection, Repo};
use renkei_core::{ConnectionId, RunId, TenantId};

/// The tenant, if anything of it is stored.
pub async fn tenant(b: &Backend, tenant: &str) -> Result<TenantId, String> {
    let t = TenantId::new(tenant).map_err(|e| e.to_string())?;
    let repo = Repo::new(b.store.as_ref());
    let err = |e: renkei_core::ports::StoreError| e.to_string();
    if repo.users(&t).await.map_err(err)?.is_empty()
        && repo.connections(&t).await.map_err(err)?.is_empty()
        && renkei_connectors::mynavi_hrmos::store::rules(b.store.as_ref(), &t)
            .await
            .map_err(err)?
            .is_empty()
    {
        return Err(format!(
            "no tenant {tenant} (it has no users, connections or rules here)"
        ));
    }
    Ok(t)
}

/// The connection of a known tenant.
pub async fn connection(
    b: &Backend,
    tenant: &str,
    connection: &str,
) -> Result<(TenantId, Connection), String> {
    let t = self::tenant(b, tenant).await?;
    let c = ConnectionId::new(connection).map_err(|e| e.to_string())?;
    let conn = Repo::new(b.store.as_ref())
        .connection(&t, &c)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no connection {connection} in tenant {tenant}"))?
        .0;
    Ok((t, conn))
}

/// A run of a known connection.
pub async fn run(
    b: &Backend,
    tenant: &str,
    connection: &str,
    run: &str,
) -> Result<RunRecord, String> {
    let (t, conn) = self::connection(b, tenant, connection).await?;
    let r = RunId::new(run).map_err(|e| e.to_string())?;
    Repo::new(b.store.as_ref())
        .run(&t, &conn.connection_id, &r)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no run {run} of connection {connection} in tenant {tenant}"))
}
