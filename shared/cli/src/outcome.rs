//! What a command that starts runs prints, and the exit status it leaves: `renkei run`,
//! `mynavi import`, `hrbrain sync`, `personio upload`. On the embedded backend the runs
//! happen in this process and each one's status counts towards the exit code (crate::exit);
//! on AWS the request goes on the bus and the command ends at that.
//!
//! With `--json` the answer is always an array, one object per outcome, tagged `outcome`:
//! `ran` (the run record: `run_id`, `status`, `dry_run`, `counts`, …), `skipped` (`reason`),
//! `fenced` (`run_id`) or `requested` (`tenant_id`, `connection_id`: queued on the bus).

use crate::backend::{Backend, Requested};
use crate::exit;
use renkei_core::engine::{Outcome, RunRecord, RunRequest, SyncRequested};
use renkei_core::repo::Repo;
use renkei_core::{ConnectionId, RunId, TenantId};
use serde::Serialize;

/// One outcome as `--json` shows it.
#[derive(Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
enum View<'a> {
    Ran(&'a RunRecord),
    Skipped {
        reason: &'a str,
    },
    Fenced {
        run_id: &'a RunId,
    },
    Requested {
        tenant_id: &'a TenantId,
        connection_id: &'a ConnectionId,
    },
}

/// A finished run as a person reads it: status and counts, then its error and where its error
/// report is, if it has them.
fn summary(r: &RunRecord) -> String {
    let c = &r.counts;
    let mut line = format!(
        "run {}: {}{} — created {}, updated {}, unchanged {}, rejected {}, skipped {}",
        r.run_id,
        r.status.as_str(),
        if r.dry_run { " (dry run)" } else { "" },
        c.created,
        c.updated,
        c.unchanged,
        c.rejected,
        c.skipped
    );
    if let Some(e) = &r.error {
        line.push_str(&format!("\n  error: {e}"));
    }
    if c.rejected > 0 {
        line.push_str(&format!(
            "\n  error report: renkei errors {} {} {}",
            r.tenant_id, r.connection_id, r.run_id
        ));
    }
    line
}

/// What a person's request did, its runs' statuses already noted for the exit code.
pub(crate) struct Asked {
    tenant_id: TenantId,
    connection_id: ConnectionId,
    requested: Requested,
}

impl Asked {
    fn new(tenant_id: TenantId, connection_id: ConnectionId, requested: Requested) -> Self {
        if let Requested::Ran(outcomes) = &requested {
            for o in outcomes {
                exit::note(match o {
                    Outcome::Ran(r) => exit::code_of(r.status),
                    Outcome::Fenced(_) => exit::FAILED,
                    Outcome::Skipped(_) => 0,
                });
            }
        }
        Self {
            tenant_id,
            connection_id,
            requested,
        }
    }

    /// The outcomes as `--json` shows them: an array.
    pub(crate) fn json(&self) -> serde_json::Value {
        let views: Vec<View<'_>> = match &self.requested {
            Requested::Queued => vec![View::Requested {
                tenant_id: &self.tenant_id,
                connection_id: &self.connection_id,
            }],
            Requested::Ran(outcomes) => outcomes
                .iter()
                .map(|o| match o {
                    Outcome::Ran(r) => View::Ran(r),
                    Outcome::Skipped(why) => View::Skipped { reason: why },
                    Outcome::Fenced(r) => View::Fenced { run_id: &r.run_id },
                })
                .collect(),
        };
        serde_json::to_value(views).unwrap_or_default()
    }

    /// Prints the outcomes: JSON, or a line each (`describe` for a run).
    pub(crate) fn print(&self, json: bool, describe: &dyn Fn(&RunRecord) -> String) {
        if json {
            println!("{:#}", self.json());
            return;
        }
        let (t, c) = (&self.tenant_id, &self.connection_id);
        match &self.requested {
            Requested::Queued => println!(
                "{t}/{c}: requested — the connector's Lambda runs it (follow with `renkei runs`)"
            ),
            Requested::Ran(outcomes) => {
                for o in outcomes {
                    match o {
                        Outcome::Ran(r) => println!("{}", describe(r)),
                        Outcome::Skipped(why) => println!("not started: {why}"),
                        Outcome::Fenced(r) => {
                            println!("run {} lost its lease and stopped", r.run_id);
                        }
                    }
                }
            }
        }
    }
}

/// Puts a person's run request on the bus: on the embedded backend the runs happen now.
pub(crate) async fn ask(b: &Backend, event: SyncRequested) -> Result<Asked, String> {
    let (t, c) = (event.tenant_id.clone(), event.connection_id.clone());
    crate::term::progress(format_args!("{t}/{c}: running…"));
    Ok(Asked::new(t, c, b.request(event).await?))
}

/// Puts a person's run request on the bus and prints what it started: `describe` for a run,
/// why otherwise (the embedded bus delivers at once); on AWS, that it is queued.
pub(crate) async fn request_run(
    b: &Backend,
    event: SyncRequested,
    json: bool,
    describe: impl Fn(&RunRecord) -> String,
) -> Result<(), String> {
    ask(b, event).await?.print(json, &describe);
    Ok(())
}

/// Runs a connection once by hand and prints its record: in this process on the embedded
/// backend, and for a dry run (it counts without writing); otherwise on AWS a request on the
/// bus that the connector's Lambda runs.
pub(crate) async fn run_now(
    b: &Backend,
    t: &TenantId,
    c: &ConnectionId,
    dry_run: bool,
    json: bool,
) -> Result<(), String> {
    let conn = Repo::new(b.store.as_ref())
        .connection(t, c)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no connection {c} in tenant {t}"))?
        .0;
    if !dry_run && !b.runs_here() {
        let event = SyncRequested {
            trigger: renkei_core::engine::Trigger::Person,
            ..SyncRequested::new(t.clone(), c.clone(), &conn.connector)
        };
        return request_run(b, event, json, summary).await;
    }
    let req = RunRequest {
        tenant_id: t.clone(),
        connection_id: c.clone(),
        deadline: None,
        dry_run,
        trigger: renkei_core::engine::Trigger::Person,
        scope: None,
    };
    crate::term::progress(format_args!("{t}/{c}: running…"));
    let outcome = b.run_here(&req).await?;
    Asked::new(t.clone(), c.clone(), Requested::Ran(vec![outcome])).print(json, &summary);
    Ok(())
}
