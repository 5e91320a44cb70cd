//! `renkei-bench lambda-memory` for C3 (issue 14, goal 2): a full HRBrain → Mikiwame sync
//! (departments, then employees) of a company of `employees` people, and of ×10, each in a
//! process of its own as its Lambda would run it, against the simulators in a child process,
//! loaded over their control API with HRBrain's sample company.

use super::child::{BOUND_MIB, Size, listed, open_child, run_to_the_end, setup_then_run};
use crate::process::control;
use renkei_connectors::hrbrain_mikiwame::{self as c3, Secret, Settings, SetupInput};
use renkei_core::{Clock, ConnectionId};
use reqwest::Method;
use serde_json::{Value, json};

/// "Flat" at ×10 the people, in MiB. What may grow: the department tree (the sample's is
/// fixed at 71) and Mikiwame's department codes; members are streamed page by page.
const MAX_GROWTH_MIB: f64 = 8.0;
const TOKEN: &str = "bench-hrbrain-token";

fn names(people: usize) -> (String, String) {
    (
        format!("bench-hrbrain-{people}"),
        format!("bench-mikiwame-{people}"),
    )
}

/// The parent's part for one size; answers the run's row of the report.
pub(super) async fn measure_c3(
    http: &reqwest::Client,
    base: &str,
    people: usize,
    dir: &std::path::Path,
) -> Result<Value, String> {
    let (subdomain, key) = names(people);
    control(
        http,
        base,
        Method::PUT,
        &format!("/hrbrain/companies/{subdomain}"),
        Some(json!({"token": TOKEN, "per_minute": null})),
    )
    .await?;
    control(
        http,
        base,
        Method::PUT,
        &format!("/mikiwame/companies/{key}"),
        Some(json!({"per_minute": null})),
    )
    .await?;
    control(
        http,
        base,
        Method::POST,
        &format!("/hrbrain/companies/{subdomain}/sample"),
        Some(json!({"people": people, "seed": 0})),
    )
    .await?;
    let row = setup_then_run(base, Size::People(people), dir).await?;
    let in_mikiwame = listed(
        http,
        base,
        &format!("/mikiwame/companies/{key}/employees"),
        "employees",
    )
    .await?;
    Ok(json!({"people": people, "employees_in_mikiwame": in_mikiwame, "process": row}))
}

/// The report's check: every member but the rejected ones in Mikiwame, each peak within
/// the bound, ×10 flat.
pub(super) fn check_c3(rows: &[Value]) -> Result<(f64, f64), String> {
    let peaks: Vec<f64> = rows
        .iter()
        .map(|r| r["process"]["peak_rss_mib"].as_f64().unwrap_or(f64::MAX))
        .collect();
    // The sample company has a handful of bad members (and one department without a
    // code): they are rejected with their reasons, every other member is written.
    let complete = rows.iter().all(|r| {
        let people = r["people"].as_u64().unwrap_or(0);
        let written = r["employees_in_mikiwame"].as_u64().unwrap_or(0);
        let rejected = r["process"]["counts"]["rejected"]
            .as_u64()
            .unwrap_or(u64::MAX);
        r["process"]["status"] == "partial" && rejected < 10 && written + rejected >= people
    });
    let growth = peaks[1] - peaks[0];
    if !complete || peaks.iter().any(|p| *p > BOUND_MIB) || growth > MAX_GROWTH_MIB {
        return Err(format!(
            "C3 bounds not met: need every good member in Mikiwame, ≤ {BOUND_MIB} MiB peak for the connector's process at both sizes, and ≤ {MAX_GROWTH_MIB} MiB more at ×10 the people"
        ));
    }
    Ok((peaks[0], growth))
}

/// The child: `setup` (connecting, as the admin API would) or `run` (the full sync, as its
/// Lambda would, continuations followed; prints one JSON line).
pub(crate) async fn child_c3(base: &str, step: &str, people: usize) -> Result<(), String> {
    let (subdomain, key) = names(people);
    let (backend, clock, t) = open_child()?;
    let c = ConnectionId::new(c3::NAME).map_err(|e| e.to_string())?;
    if step == "setup" {
        let input = SetupInput {
            tenant_id: t,
            connection_id: c,
            secret: Secret {
                hrbrain_token: TOKEN.into(),
                mikiwame_api_key: key,
                webhook_secret: None,
            },
            settings: Settings {
                hrbrain_url: Some(format!("{base}/hrbrain/{subdomain}")),
                subdomain,
                mikiwame_url: format!("{base}/mikiwame"),
                organization_id: None,
                page_size: 100,
                hrbrain_per_minute: None,
                mikiwame_per_minute: None,
            },
        };
        c3::setup(&backend.store, &backend.secrets, clock.now(), input)
            .await
            .map_err(|e| e.to_string())?;
        return Ok(());
    }
    run_to_the_end(&backend, &clock, &t, &c).await
}
