//! `renkei-bench lambda-memory` for C1 (issue 14, goal 2): a Mynavi account's import of
//! `rows` applications, and of ×10, each in a process of its own as its Lambda would run
//! it — Mynavi login, the download read in chunks as it arrives, CP932 decoding, mapping,
//! routing, hashes, one HRMOS create per applicant — against the simulators in a child
//! process, loaded over their control API.

use super::child::{BOUND_MIB, Size, open_child, run_to_the_end, setup_then_run};
use crate::process::control;
use renkei_connectors::mynavi_hrmos::{self as c1, Registration};
use renkei_core::Clock;
use reqwest::Method;
use serde_json::{Value, json};

/// "Flat" at ×10 the data, in MiB: nothing of C1 grows with the file (rows are streamed
/// page by page; the page's hashes are read and written in batches).
const MAX_GROWTH_MIB: f64 = 8.0;
/// Applications per control call while loading Mynavi (the control API takes 2 MB a body).
const CHUNK: usize = 2_000;
const PASSWORD: &str = "bench-mynavi-pass";
/// HRMOS jobs the sample positions route to (C1's routing rules, one per position).
const JOBS: usize = 5;

fn names(rows: usize) -> (String, String) {
    (
        format!("bench-mynavi-{rows}"),
        format!("bench-hrmos-{rows}"),
    )
}

/// The parent's part for one size: the Mynavi account with `rows` applications of the last
/// day, an HRMOS tenant, the account registered and its first import run in processes of
/// their own. Answers the run's row of the report.
pub(super) async fn measure_c1(
    http: &reqwest::Client,
    base: &str,
    rows: usize,
    dir: &std::path::Path,
) -> Result<Value, String> {
    let (login, key) = names(rows);
    control(
        http,
        base,
        Method::PUT,
        &format!("/mynavi/accounts/{login}"),
        Some(json!({"password": PASSWORD})),
    )
    .await?;
    let jobs: Vec<Value> = (0..JOBS)
        .map(|i| json!({"id": format!("J{i}"), "title": renkei_sandbox::SAMPLE_POSITIONS[i], "status": "open"}))
        .collect();
    control(
        http,
        base,
        Method::PUT,
        &format!("/hrmos/tenants/{key}"),
        Some(json!({"jobs": jobs, "per_minute": null})),
    )
    .await?;
    // Applied within the first import's reach (the 3 days before registering), a chunk a
    // minute, so that the file holds every one of them.
    let start = chrono::Utc::now() - chrono::Duration::days(1);
    for (i, from) in (0..rows).step_by(CHUNK).enumerate() {
        let n = CHUNK.min(rows - from);
        let mut apps = renkei_sandbox::sample_applications(
            n,
            from as u64,
            &format!("B{i}-"),
            start + chrono::Duration::minutes(i as i64),
            0,
        );
        for (k, app) in apps.iter_mut().enumerate() {
            // Unique across chunks (the generator's email counts from 0 in each).
            app["メールアドレス"] = json!(format!("applicant.{}@example.co.jp", from + k));
        }
        control(
            http,
            base,
            Method::POST,
            &format!("/mynavi/accounts/{login}/applications"),
            Some(Value::Array(apps)),
        )
        .await?;
    }
    let row = setup_then_run(base, Size::Rows(rows), dir).await?;
    let hrmos = control(
        http,
        base,
        Method::GET,
        &format!("/hrmos/tenants/{key}"),
        None,
    )
    .await?;
    Ok(json!({"rows": rows, "in_hrmos": hrmos["applicants"], "process": row}))
}

/// The report's check: every application in HRMOS, each peak within the bound, ×10 flat.
pub(super) fn check_c1(rows: &[Value]) -> Result<(f64, f64), String> {
    let peaks: Vec<f64> = rows
        .iter()
        .map(|r| r["process"]["peak_rss_mib"].as_f64().unwrap_or(f64::MAX))
        .collect();
    let complete = rows
        .iter()
        .all(|r| r["in_hrmos"] == r["rows"] && r["process"]["status"] == "succeeded");
    let growth = peaks[1] - peaks[0];
    if !complete || peaks.iter().any(|p| *p > BOUND_MIB) || growth > MAX_GROWTH_MIB {
        return Err(format!(
            "C1 bounds not met: need every application in HRMOS, ≤ {BOUND_MIB} MiB peak for the connector's process at both sizes, and ≤ {MAX_GROWTH_MIB} MiB more at ×10 the rows"
        ));
    }
    Ok((peaks[0], growth))
}

/// The child: `setup` (the account registered, as `renkei mynavi register` or the admin
/// API would, and a routing rule per position) or `run` (its first import, as its Lambda
/// would, continuations followed). `run` prints one JSON line.
pub(crate) async fn child_c1(base: &str, step: &str, rows: usize) -> Result<(), String> {
    let (login, key) = names(rows);
    let (backend, clock, t) = open_child()?;
    let c = c1::connection_id_for(&login);
    if step == "setup" {
        for (i, position) in renkei_sandbox::SAMPLE_POSITIONS[..JOBS].iter().enumerate() {
            c1::rules::create(
                &backend.store,
                &t,
                c1::rules::RuleInput {
                    medium: c1::MEDIUM,
                    position_name: position.to_string(),
                    job_id: format!("J{i}"),
                },
                clock.now(),
            )
            .await
            .map_err(|e| e.to_string())?;
        }
        let conn = c1::register(
            &backend.store,
            &backend.secrets,
            clock.now(),
            Registration {
                tenant_id: t,
                account_name: None,
                secret: c1::Secret {
                    login_id: login,
                    password: PASSWORD.into(),
                    hrmos_api_key: key,
                },
                mynavi_url: format!("{base}/mynavi"),
                hrmos_url: format!("{base}/hrmos/api/v1"),
                columns: None,
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        // HRMOS's 600 requests a minute off (the sandbox's too): this measures renkei's
        // process, not HRMOS's pace (100,000 applicants take about 3 hours at it).
        renkei_core::repo::Repo::new(&backend.store)
            .update_connection(&conn.tenant_id, &conn.connection_id, |conn| {
                conn.settings["hrmos_per_minute"] = Value::Null;
            })
            .await
            .map_err(|e| e.to_string())?;
        return Ok(());
    }
    run_to_the_end(&backend, &clock, &t, &c).await
}
