//! `renkei-bench hrbrain-mikiwame` (C3): the initial sync of an HRBrain company's members
//! and its 6-level organization into Mikiwame, then a rerun that must write nothing.

use crate::process::peak_rss_kib;
use renkei_sandbox::Limits;
use renkei_testbed::SandboxEnv as Env;
use serde_json::{Value, json};
use std::time::Instant;

/// An organization of `n` departments, 6 levels deep (1 top, 10 below it, then 4 children
/// each, filled level by level), as HRBrain's list form; answers it and the item ids.
fn wide_organization(n: usize) -> (Value, Vec<String>) {
    let mut items = vec![json!({"id": "o0", "value": "本社", "code": "C0"})];
    let mut level = vec!["o0".to_string()];
    let mut ids = vec!["o0".to_string()];
    let mut depth = 1;
    while ids.len() < n && depth < 6 {
        let fan = if depth == 1 { 10 } else { 4 };
        let mut next = Vec::new();
        for parent in &level {
            for _ in 0..fan {
                if ids.len() >= n {
                    break;
                }
                let id = format!("o{}", ids.len());
                items.push(json!({"id": id, "value": format!("部署{}", ids.len()),
                                  "code": format!("C{}", ids.len()), "parentId": parent}));
                ids.push(id.clone());
                next.push(id);
            }
        }
        level = next;
        depth += 1;
    }
    (json!({"type": "list", "items": items}), ids)
}

/// C3: the initial sync of `employees` members and `departments` departments, then a rerun
/// without changes (which must write nothing to Mikiwame).
pub async fn bench_c3(employees: usize, departments: usize) -> Result<(), String> {
    use renkei_core::engine::{NoHook, Outcome, RunRequest};
    use renkei_testbed::{HRBRAIN_SUBDOMAIN, MIKIWAME_KEY};
    let env = Env::start(
        Limits {
            requests_per_hour: None,
            writes_per_minute: None,
        },
        1,
    )
    .await?;
    let (tree, ids) = wide_organization(departments);
    let mut members = renkei_sandbox::hrbrain_sample(employees, 5).members;
    for (i, m) in members.iter_mut().enumerate() {
        if m["MainTeam"].is_string() {
            m["MainTeam"] = json!(ids[(i * 7919) % ids.len()]);
        }
    }
    env.sandbox
        .hrbrain()
        .organization(HRBRAIN_SUBDOMAIN, tree)?;
    env.sandbox.hrbrain().members(HRBRAIN_SUBDOMAIN, members)?;
    let c = env.connect_hrbrain(env.hrbrain_settings()).await?;
    let run = || async {
        let req = RunRequest::manual(env.tenant(), c.clone());
        match env.backend.run(&req, &NoHook).await? {
            Outcome::Ran(r) => Ok(r),
            other => Err(format!("did not run: {other:?}")),
        }
    };
    let started = Instant::now();
    let first = run().await?;
    let secs = started.elapsed().as_secs_f64();
    let written = first.counts.created + first.counts.updated;
    let before = env.sandbox.mikiwame().writes(MIKIWAME_KEY);
    let started = Instant::now();
    let again = run().await?;
    let rerun_secs = started.elapsed().as_secs_f64();
    let after = env.sandbox.mikiwame().writes(MIKIWAME_KEY);
    println!(
        "{}",
        json!({
            "connector": "hrbrain-mikiwame",
            "departments": departments,
            "employees": employees,
            "initial": {
                "status": first.status.as_str(),
                "written": written,
                "rejected": first.counts.rejected,
                "pages": first.pages,
                "seconds": (secs * 1000.0).round() / 1000.0,
                "records_per_second": (written as f64 / secs).round(),
            },
            "rerun": {
                "unchanged": again.counts.unchanged,
                "mikiwame_writes": (after.0 - before.0) + (after.1 - before.1),
                "seconds": (rerun_secs * 1000.0).round() / 1000.0,
            },
            "peak_rss_mib": peak_rss_kib() / 1024,
        })
    );
    let rewritten = (after.0 - before.0) + (after.1 - before.1);
    if rewritten > 0 || again.counts.created + again.counts.updated > 0 {
        return Err(format!(
            "a rerun without changes wrote {rewritten} records to Mikiwame (bound: 0)"
        ));
    }
    if written == 0 {
        return Err("the initial sync wrote nothing".into());
    }
    Ok(())
}
