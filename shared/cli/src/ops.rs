//! What an operator reads and does first: a tenant's connections, a connection's runs
//! (newest first) and a run's error report — as aligned tables, or JSON with `--json` — and
//! switching a connection's automation off and on, disconnecting it, moving its secret.

use crate::backend::Backend;
use crate::lookup;
use crate::table::{Cell, Table};
use renkei_core::ports::SecretDeletion;
use renkei_core::repo::{Automation, Connection, Repo};
use serde_json::json;

/// When a connection runs next: never while its automation is off or paused.
fn next_run(c: &Connection) -> Cell {
    (c.automation == Automation::On)
        .then_some(c.next_run_at)
        .into()
}

fn automation(c: &Connection) -> &'static str {
    match c.automation {
        Automation::On => "on",
        Automation::Off => "off",
        Automation::Paused { .. } => "paused",
    }
}

fn print_json(v: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

pub async fn connections(b: &Backend, tenant: &str, json: bool) -> Result<(), String> {
    let t = lookup::tenant(b, tenant).await?;
    let mut table = Table::new(&[
        "connection_id",
        "connector",
        "automation",
        "next_run_at",
        "last_status",
        "paused_reason",
    ]);
    for c in Repo::new(b.store.as_ref())
        .connections(&t)
        .await
        .map_err(|e| e.to_string())?
    {
        let paused = match &c.automation {
            Automation::Paused { reason } => Some(reason.clone()),
            Automation::On | Automation::Off => None,
        };
        table.row(vec![
            Cell::from(c.connection_id.to_string()),
            c.connector.clone().into(),
            automation(&c).into(),
            next_run(&c),
            c.last_status.map(|s| s.as_str()).into(),
            paused.into(),
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
    let (t, conn) = lookup::connection(b, tenant, connection).await?;
    let mut runs = Repo::new(b.store.as_ref())
        .runs(&t, &conn.connection_id)
        .await
        .map_err(|e| e.to_string())?;
    // Run ids start with their start time: the store keeps them oldest first.
    runs.reverse();
    let mut table = Table::new(&[
        "run_id",
        "status",
        "dry_run",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "skipped",
        "error",
    ]);
    for r in runs.into_iter().take(limit) {
        table.row(vec![
            Cell::from(r.run_id.to_string()),
            r.status.as_str().into(),
            r.dry_run.into(),
            r.counts.created.into(),
            r.counts.updated.into(),
            r.counts.unchanged.into(),
            r.counts.rejected.into(),
            r.counts.skipped.into(),
            r.error.into(),
        ]);
    }
    table.print(json);
    Ok(())
}

/// A run's error report: a table, JSON, or with `csv` the CSV file (UTF-8 with a BOM, so
/// Excel reads the Japanese text, like HRBrain's error file).
pub async fn errors(
    b: &Backend,
    tenant: &str,
    connection: &str,
    run: &str,
    csv: bool,
    json: bool,
) -> Result<(), String> {
    let r = lookup::run(b, tenant, connection, run).await?;
    let rows = Repo::new(b.store.as_ref())
        .errors(&r.tenant_id, &r.connection_id, &r.run_id)
        .await
        .map_err(|e| e.to_string())?;
    if csv {
        print!("\u{feff}{}", renkei_core::report::to_csv(&rows));
        return Ok(());
    }
    let mut table = Table::new(&["record", "reason"]);
    for row in rows {
        table.row(vec![row.record, row.reason]);
    }
    table.print(json);
    Ok(())
}

/// Switches automation on or off and shows the connection's state after it.
pub async fn set_automation(
    b: &Backend,
    tenant: &str,
    connection: &str,
    on: bool,
    json: bool,
) -> Result<(), String> {
    let (t, conn) = lookup::connection(b, tenant, connection).await?;
    let c = conn.connection_id;
    let conn = renkei_core::admin::set_automation(b.store.as_ref(), b.clock.as_ref(), &t, &c, on)
        .await
        .map_err(|e| e.to_string())?;
    let next = (conn.automation == Automation::On).then_some(conn.next_run_at);
    if json {
        print_json(&json!({
            "tenant_id": t,
            "connection_id": c,
            "automation": automation(&conn),
            "next_run_at": next.map(|n| n.to_rfc3339()),
        }));
    } else {
        match next {
            Some(at) => println!(
                "{t}/{c}: automation {}, next run at {}",
                automation(&conn),
                at.to_rfc3339()
            ),
            None => println!(
                "{t}/{c}: automation {}, no scheduled runs until resumed",
                automation(&conn)
            ),
        }
    }
    Ok(())
}

/// Full disconnect: credentials (recoverable for a window, or purged) and every stored item
/// of the connection.
pub async fn disconnect(
    b: &Backend,
    tenant: &str,
    connection: &str,
    how: SecretDeletion,
    json: bool,
) -> Result<(), String> {
    let (t, conn) = lookup::connection(b, tenant, connection).await?;
    let c = conn.connection_id;
    renkei_core::admin::disconnect(
        b.store.as_ref(),
        b.secrets.as_ref(),
        b.clock.as_ref(),
        &t,
        &c,
        how,
    )
    .await
    .map_err(|e| e.to_string())?;
    let secret = match how {
        SecretDeletion::Purge => "credentials purged".to_string(),
        SecretDeletion::Recoverable(w) => {
            format!("credentials restorable for {} days", w.in_days())
        }
    };
    if json {
        print_json(
            &json!({"tenant_id": t, "connection_id": c, "disconnected": true,
            "secret_purged": how == SecretDeletion::Purge}),
        );
    } else {
        println!("disconnected {t}/{c}: state deleted, {secret}");
    }
    Ok(())
}

/// Moves every connection's secret of a tenant to its connector-scoped name, and writes each
/// webhook endpoint's own secret from it (`renkei-webhook/<vendor>/<tenant>/<connection>`,
/// which the webhooks function reads instead of the connection's secret), and strips the
/// LinkedIn partner credentials older recruitee-linkedin connections kept (written as the
/// stack's partner secret first if it has none). Safe to run again: a moved secret stays,
/// endpoint secrets are written afresh.
pub async fn migrate_secrets(b: &Backend, tenant: &str, json: bool) -> Result<(), String> {
    let t = lookup::tenant(b, tenant).await?;
    let conns = Repo::new(b.store.as_ref())
        .connections(&t)
        .await
        .map_err(|e| e.to_string())?;
    let mut table = Table::new(&["connection_id", "moved", "webhook_secrets", "partner"]);
    for conn in conns {
        let c = conn.connection_id;
        let c5 = conn.connector == renkei_connectors::recruitee_linkedin::NAME;
        let moved =
            renkei_core::admin::migrate_secret(b.store.as_ref(), b.secrets.as_ref(), &t, &c)
                .await
                .map_err(|e| e.to_string())?;
        let endpoints = renkei_core::admin::migrate_endpoint_secrets(
            b.store.as_ref(),
            b.secrets.as_ref(),
            &b.registry,
            &t,
            &c,
        )
        .await
        .map_err(|e| e.to_string())?;
        let partner = if c5 {
            use renkei_connectors::recruitee_linkedin::partner;
            let name =
                renkei_core::repo::secret_name(renkei_connectors::recruitee_linkedin::NAME, &t, &c);
            let m = partner::migrate(b.secrets.as_ref(), &name, &partner::secret_name()).await?;
            match (m.stripped, m.partner_written) {
                (true, true) => "stripped; stack secret written",
                (true, false) => "stripped",
                _ => "none held",
            }
        } else {
            "-"
        };
        table.row(vec![
            Cell::from(c.to_string()),
            moved.into(),
            endpoints.into(),
            Cell::from(partner),
        ]);
    }
    table.print(json);
    Ok(())
}
