//! `renkei-bench lambda-memory` for C4 (issue 14, goal 2): the run that files a queue of
//! `profiles` Talentwunder profiles (a third with a CV) as Personio applications, and of ×10,
//! each in a process of its own as its Lambda would run it, against the simulators in a
//! child process. Personio's company is set up over the control API with its 20 requests a
//! minute turned off (the limit is measured by `renkei-bench talentwunder-personio`; here only memory counts). The uploads are queued by the setup
//! process, as the webhook ingress would queue them, in uploads of the contract's 1,000.

use super::child::{BOUND_MIB, Size, open_child, run_to_the_end, setup_then_run};
use crate::process::control;
use renkei_connectors::talentwunder_personio::{
    self as c4, ConnectionSecret, Settings, SetupInput, links, upload,
};
use renkei_core::{Clock, ConnectionId};
use reqwest::Method;
use serde_json::{Value, json};

/// "Flat" at ×10 the profiles, in MiB: the queue is read a page at a time and nothing of a
/// filed profile is kept.
const MAX_GROWTH_MIB: f64 = 8.0;
const TOKEN: &str = "bench-personio-token";
const CLIENT_ID: &str = "bench-personio-client";
const CLIENT_SECRET: &str = "bench-personio-client-secret";
const PROJECT: &str = "bench-project";
const JOB: u64 = 4711;
const CHANNEL: u64 = 77;

fn names(profiles: usize) -> (String, String) {
    (
        format!("{}", 900_000 + profiles),
        format!("bench-jobs-{profiles}"),
    )
}

/// The parent's part for one size; answers the run's row of the report.
pub(super) async fn measure_c4(
    http: &reqwest::Client,
    base: &str,
    profiles: usize,
    dir: &std::path::Path,
) -> Result<Value, String> {
    let (company, domain) = names(profiles);
    control(
        http,
        base,
        Method::PUT,
        &format!("/personio/companies/{company}"),
        Some(json!({
            "token": TOKEN, "domain": domain, "per_minute": null, "channels": [CHANNEL],
            "oauth_clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}],
            "jobs": [{"id": JOB, "name": "Backend Engineer (m/w/d)", "office": "Berlin"}],
        })),
    )
    .await?;
    let row = setup_then_run(base, Size::Profiles(profiles), dir).await?;
    let stats = control(
        http,
        base,
        Method::GET,
        &format!("/personio/companies/{company}/stats"),
        None,
    )
    .await?;
    Ok(json!({
        "profiles": profiles, "applications_in_personio": stats["applications"],
        "documents_in_personio": stats["documents"], "process": row,
    }))
}

/// The report's check: every profile filed, each peak within the bound, ×10 flat.
pub(super) fn check_c4(rows: &[Value]) -> Result<(f64, f64), String> {
    let peaks: Vec<f64> = rows
        .iter()
        .map(|r| r["process"]["peak_rss_mib"].as_f64().unwrap_or(f64::MAX))
        .collect();
    let complete = rows.iter().all(|r| {
        r["process"]["status"] == "succeeded"
            && r["applications_in_personio"].as_u64() == r["profiles"].as_u64()
    });
    let growth = peaks[1] - peaks[0];
    if !complete || peaks.iter().any(|p| *p > BOUND_MIB) || growth > MAX_GROWTH_MIB {
        return Err(format!(
            "C4 bounds not met: need every profile filed in Personio, ≤ {BOUND_MIB} MiB peak for the connector's process at both sizes, and ≤ {MAX_GROWTH_MIB} MiB more at ×10 the profiles"
        ));
    }
    Ok((peaks[0], growth))
}

/// The child: `setup` (connecting and linking the project as the admin API would, then
/// queueing the uploads as the webhook ingress would) or `run` (the filing, as its Lambda
/// would, continuations followed; prints one JSON line).
pub(crate) async fn child_c4(base: &str, step: &str, profiles: usize) -> Result<(), String> {
    let (company, domain) = names(profiles);
    let (backend, clock, t) = open_child()?;
    let c = ConnectionId::new(c4::NAME).map_err(|e| e.to_string())?;
    if step != "setup" {
        return run_to_the_end(&backend, &clock, &t, &c).await;
    }
    let mut settings = Settings::new(&company, &domain, Some(CHANNEL));
    settings.api_url = Some(format!("{base}/personio"));
    settings.jobs_site_url = Some(format!("{base}/personio/jobs/{domain}"));
    settings.per_minute = None;
    let input = SetupInput {
        tenant_id: t.clone(),
        connection_id: c.clone(),
        // New connections use Personio's v2 (OAuth client credentials), so the bench does.
        secret: ConnectionSecret::oauth(CLIENT_ID, CLIENT_SECRET, "bench-upload-secret-0123456789"),
        settings: settings.clone(),
    };
    let store = &backend.store;
    c4::setup(store, &backend.secrets, clock.now(), input)
        .await
        .map_err(|e| e.to_string())?;
    links::link(store, &t, &c, &settings, PROJECT, None, JOB, clock.now())
        .await
        .map_err(|e| e.to_string())?;
    let mut queued = 0;
    for (n, seed) in (0..profiles.div_ceil(upload::MAX_PROFILES)).zip(1u64..) {
        let count = upload::MAX_PROFILES.min(profiles - queued);
        let list = renkei_sandbox::talentwunder_profiles(base, count, 0, 0, seed);
        let body = renkei_sandbox::talentwunder_upload(
            &format!("bench-{profiles}-{n}"),
            PROJECT,
            list,
            clock.now(),
        );
        upload::accept(store, &t, &c, &body, clock.now())
            .await
            .map_err(|r| format!("upload {n} refused ({}): {}", r.status, r.message))?;
        queued += count;
    }
    Ok(())
}
