//! What an operator reads first: a tenant's connections, a connection's runs (newest first)
//! and a run's error report — as aligned tables, or JSON with `--json`.

use crate::backend::Backend;
use crate::ids;
use crate::table::Table;
use renkei_core::repo::Repo;
use renkei_core::{RunId, TenantId};

pub async fn connections(b: &Backend, tenant: &str, json: bool) -> Result<(), String> {
    let t = TenantId::new(tenant).map_err(|e| e.to_string())?;
    let mut table = Table::new(&[
        "connection",
        "connector",
        "automation",
        "next_run_at",
        "last",
    ]);
    for c in Repo::new(b.store.as_ref())
        .connections(&t)
        .await
        .map_err(|e| e.to_string())?
    {
        table.row(vec![
            c.connection_id.to_string(),
            c.connector.clone(),
            format!("{:?}", c.automation).to_lowercase(),
            c.next_run_at.to_rfc3339(),
            c.last_status.map_or("-", |s| s.as_str()).to_string(),
        ]);
    }
    table.print(json);
    Ok(())
}

pub async fn runs(
    b: &Backend,
    tenant: &str,
    connection: &str,
    limit: usize,
    json: bool,
) -> Result<(), String> {
    let (t, c) = ids(tenant, connection)?;
    let mut runs = Repo::new(b.store.as_ref())
        .runs(&t, &c)
        .await
        .map_err(|e| e.to_string())?;
    // Run ids start with their start time: the store keeps them oldest first.
    runs.reverse();
    let mut table = Table::new(&[
        "run",
        "status",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "skipped",
        "error",
    ]);
    for r in runs.into_iter().take(limit) {
        table.row(vec![
            r.run_id.to_string(),
            r.status.as_str().to_string(),
            r.counts.created.to_string(),
            r.counts.updated.to_string(),
            r.counts.unchanged.to_string(),
            r.counts.rejected.to_string(),
            r.counts.skipped.to_string(),
            r.error.unwrap_or_default(),
        ]);
    }
    table.print(json);
    Ok(())
}

pub async fn errors(
    b: &Backend,
    tenant: &str,
    connection: &str,
    run: &str,
    csv: bool,
    json: bool,
) -> Result<(), String> {
    let (t, c) = ids(tenant, connection)?;
    let r = RunId::new(run).map_err(|e| e.to_string())?;
    let rows = Repo::new(b.store.as_ref())
        .errors(&t, &c, &r)
        .await
        .map_err(|e| e.to_string())?;
    if csv {
        print!("{}", renkei_core::report::to_csv(&rows));
        return Ok(());
    }
    let mut table = Table::new(&["record", "reason"]);
    for row in rows {
        table.row(vec![row.record, row.reason]);
    }
    table.print(json);
    Ok(())
}
