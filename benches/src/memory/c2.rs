//! `renkei-bench lambda-memory` for C2 (issue 14, goal 2): the initial sync of `employees`
//! Roumumate employees into Kaonavi, and of ×10, each in a process of its own as its Lambda
//! would run it, against the simulators in a child process, loaded over their control API.

use super::child::{BOUND_MIB, Size, listed, open_child, run_child, run_to_the_end, spawn};
use crate::process::control;
use renkei_connectors::roumumate_kaonavi::{
    self as c2, KaonaviLimits, Secret, SetupInput, TargetFilter,
};
use renkei_core::{Clock, ConnectionId};
use renkei_testbed::seed;
use renkei_vendors::kaonavi::Credentials;
use reqwest::Method;
use serde_json::{Value, json};

/// "Flat" at ×10 the data, in MiB: what grows is C2's set of 社員番号 known to Kaonavi
/// (~70 bytes an employee; Kaonavi answers only whole-list reads, so create-or-update
/// needs it), not the employees' data.
const MAX_GROWTH_MIB: f64 = 10.0;
/// Employees per control call while loading Roumumate.
const CHUNK: usize = 5_000;

fn names(employees: usize) -> (String, String) {
    (
        format!("bench-kaonavi-{employees}"),
        format!("bench-roumumate-{employees}"),
    )
}

/// C2 at `employees` and ×10; prints its report.
pub(super) async fn measure_c2(
    http: &reqwest::Client,
    base: &str,
    dir: &std::path::Path,
    employees: usize,
) -> Result<(), String> {
    let mut rows = Vec::new();
    for n in [employees, employees * 10] {
        let (key, token) = names(n);
        let lambda_dir = dir.join(format!("lambda-{n}"));
        // Connect first (C2 syncs what changes after connecting), then load Roumumate.
        vendors(http, base, &key, &token).await?;
        spawn(base, Size::Employees(n), "setup", &lambda_dir).await?;
        load(http, base, &token, n).await?;
        let row = run_child(base, Size::Employees(n), &lambda_dir).await?;
        let in_kaonavi = listed(
            http,
            base,
            &format!("/kaonavi/companies/{key}/members"),
            "member_data",
        )
        .await?;
        rows.push(json!({"employees": n, "in_kaonavi": in_kaonavi, "process": row}));
    }
    let peaks: Vec<f64> = rows
        .iter()
        .map(|r| r["process"]["peak_rss_mib"].as_f64().unwrap_or(f64::MAX))
        .collect();
    let report = json!({
        "connector": c2::NAME, "bound_mib": BOUND_MIB, "runs": rows,
        "growth_at_x10_mib": peaks[1] - peaks[0],
        "growth_bytes_per_added_employee": (peaks[1] - peaks[0]) * 1048576.0 / (9 * employees) as f64,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
    );
    let complete = rows
        .iter()
        .all(|r| r["in_kaonavi"] == r["employees"] && r["process"]["status"] == "succeeded");
    if !complete || peaks.iter().any(|p| *p > BOUND_MIB) || peaks[1] - peaks[0] > MAX_GROWTH_MIB {
        return Err(format!(
            "benchmark bounds not met: need every employee in Kaonavi, ≤ {BOUND_MIB} MiB peak for the connector's process at both sizes, and ≤ {MAX_GROWTH_MIB} MiB more at ×10 the data"
        ));
    }
    Ok(())
}

/// A Kaonavi company and a Roumumate tenant, through the control API.
async fn vendors(http: &reqwest::Client, base: &str, key: &str, token: &str) -> Result<(), String> {
    control(
        http,
        base,
        Method::PUT,
        &format!("/kaonavi/companies/{key}"),
        Some(json!({
            "consumer_secret": renkei_testbed::KAONAVI_SECRET,
            "gender_options": ["男性", "女性", "その他"],
            "limits": {"requests_per_hour": null, "writes_per_minute": null},
        })),
    )
    .await?;
    control(
        http,
        base,
        Method::PUT,
        &format!("/roumumate/tenants/{token}"),
        None,
    )
    .await?;
    Ok(())
}

/// `employees` new at Roumumate.
async fn load(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    employees: usize,
) -> Result<(), String> {
    let all = seed::employees(employees, 11);
    for chunk in all.chunks(CHUNK) {
        control(
            http,
            base,
            Method::POST,
            &format!("/roumumate/tenants/{token}/employees"),
            Some(Value::Array(chunk.to_vec())),
        )
        .await?;
    }
    Ok(())
}

/// The child: what one C2 connection does against the sandbox at `base` — `setup`
/// (connecting, as the admin API would) or `run` (the initial sync of `employees`, as its
/// Lambda would, continuations followed). `run` prints one JSON line.
pub(crate) async fn child(base: &str, step: &str, employees: usize) -> Result<(), String> {
    let (key, token) = names(employees);
    let (backend, clock, t) = open_child()?;
    let c = ConnectionId::new(c2::NAME).map_err(|e| e.to_string())?;
    let input = SetupInput {
        tenant_id: t.clone(),
        connection_id: c.clone(),
        secret: Secret {
            kaonavi: Credentials {
                consumer_key: key,
                consumer_secret: renkei_testbed::KAONAVI_SECRET.into(),
            },
            roumumate_token: token,
        },
        settings: c2::Settings {
            roumumate_url: format!("{base}/roumumate"),
            kaonavi_url: format!("{base}/kaonavi/api/v2.0"),
            gender_map: renkei_testbed::default_gender_map(),
            filter: TargetFilter::default(),
            page_size: 500,
            kaonavi_limits: KaonaviLimits {
                requests_per_hour: None,
                writes_per_minute: None,
            },
            task_poll_ms: 5,
        },
    };
    if step == "setup" {
        c2::setup(&backend.store, &backend.secrets, clock.now(), input)
            .await
            .map_err(|e| e.to_string())?;
        return Ok(());
    }
    // Opening the store is part of the process; from here on is the run's.
    drop(input);
    run_to_the_end(&backend, &clock, &t, &c).await
}
