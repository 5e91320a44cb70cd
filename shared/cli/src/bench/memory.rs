//! `renkei bench lambda-memory` (issue 14, goal 2): the peak memory of the connector's
//! process alone. The simulators run in a child process (`renkei sandbox`), loaded over
//! their control API; each measured sync runs in a process of its own (`renkei bench
//! lambda-memory --child …`), as a Lambda would, so that its VmHWM is the connector's,
//! engine's and clients' — not the simulators' data, nor the loading of it. The same sync
//! at ×10 the data shows whether memory stays flat (pages streamed, nothing holding the
//! whole set).

use super::memory_c1::{check_c1, measure_c1};
use super::memory_c3::{check_c3, measure_c3};
use super::memory_c4::{check_c4, measure_c4};
use super::*;
use crate::bench_c5::{SandboxProcess, control};
use renkei_connectors::roumumate_kaonavi::{self as c2, Secret, SetupInput, TargetFilter};
use renkei_core::engine::{NoHook, Outcome, RunRequest, RunStatus};
use renkei_core::{Clock, ConnectionId, ManualClock, TenantId};
use renkei_vendors::kaonavi::Credentials;
use reqwest::Method;
use std::sync::Arc;

/// Issue 14's bound for the process of one connector Lambda.
pub(super) const BOUND_MIB: f64 = 64.0;
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

/// The size of a measured sync, and so which connector's it is.
#[derive(Clone, Copy)]
pub(super) enum Size {
    /// C2: employees at Roumumate.
    Employees(usize),
    /// C1: applications in the Mynavi file.
    Rows(usize),
    /// C3: people in the HRBrain company.
    People(usize),
    /// C4: Talentwunder profiles queued for Personio.
    Profiles(usize),
}

/// The parent: a sandbox process; C2's data at `employees` and ×10, C1's at `rows` and ×10,
/// C3's at `employees` people and ×10 and C4's at `profiles` and ×10 (or only the connector
/// `only` names), one child process per size.
pub(super) async fn lambda_memory(
    employees: usize,
    rows: usize,
    profiles: usize,
    only: Option<&str>,
) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("renkei-bench-mem-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let result = measure(&dir, [employees, rows, profiles], only).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn measure(
    dir: &std::path::Path,
    [employees, rows, profiles]: [usize; 3],
    only: Option<&str>,
) -> Result<(), String> {
    let sandbox = SandboxProcess::start(dir)?;
    let http = reqwest::Client::new();
    let wanted = |name: &str| only.is_none_or(|o| o == name);
    let mut failures = Vec::new();
    if wanted(c2::NAME)
        && let Err(e) = measure_c2(&http, &sandbox.base, dir, employees).await
    {
        failures.push(e);
    }
    // A connector at its size and ×10, each in a directory of its own, then its report.
    macro_rules! at_two_sizes {
        ($name:expr, $tag:literal, $n:expr, $measure:ident, $check:ident) => {
            if wanted($name) {
                let mut runs = Vec::new();
                for n in [$n, $n * 10] {
                    let at = dir.join(format!("{}-{n}", $tag));
                    runs.push($measure(&http, &sandbox.base, n, &at).await?);
                }
                report($name, &runs, $check(&runs), &mut failures)?;
            }
        };
    }
    at_two_sizes!(
        renkei_connectors::mynavi_hrmos::NAME,
        "c1",
        rows,
        measure_c1,
        check_c1
    );
    at_two_sizes!(
        renkei_connectors::hrbrain_mikiwame::NAME,
        "c3",
        employees,
        measure_c3,
        check_c3
    );
    at_two_sizes!(
        renkei_connectors::talentwunder_personio::NAME,
        "c4",
        profiles,
        measure_c4,
        check_c4
    );
    drop(sandbox);
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; "))
    }
}

/// Prints a connector's report: its runs, the first size's peak and the growth at ×10.
fn report(
    connector: &str,
    runs: &[Value],
    checked: Result<(f64, f64), String>,
    failures: &mut Vec<String>,
) -> Result<(), String> {
    let (peak, growth) = checked.as_ref().copied().unwrap_or((f64::NAN, f64::NAN));
    let report = json!({
        "connector": connector, "bound_mib": BOUND_MIB,
        "runs": runs, "growth_at_x10_mib": growth, "peak_at_first_size_mib": peak,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
    );
    if let Err(e) = checked {
        failures.push(e);
    }
    Ok(())
}

/// C2 at `employees` and ×10; prints its report.
async fn measure_c2(
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

/// One step of the connector's process (`setup`, `run`) in a process of its own; what it
/// printed.
pub(super) async fn spawn(
    base: &str,
    size: Size,
    step: &str,
    dir: &std::path::Path,
) -> Result<Vec<u8>, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let (only, flag, n) = match size {
        Size::Employees(n) => (c2::NAME, "--employees", n),
        Size::Rows(n) => (renkei_connectors::mynavi_hrmos::NAME, "--rows", n),
        Size::People(n) => (renkei_connectors::hrbrain_mikiwame::NAME, "--employees", n),
        Size::Profiles(n) => (
            renkei_connectors::talentwunder_personio::NAME,
            "--profiles",
            n,
        ),
    };
    let out = tokio::process::Command::new(exe)
        .args([
            "bench",
            "lambda-memory",
            "--only",
            only,
            flag,
            &n.to_string(),
        ])
        .args(["--child", base, "--child-step", step])
        .env("RENKEI_DIR", dir)
        // The embedded store stands in for DynamoDB, which holds nothing in the Lambda:
        // its page cache (16 MiB by default) is kept to 1 MiB so it is not measured.
        .env("RENKEI_STORE_CACHE_MIB", "1")
        .output()
        .await
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "the connector process ({only} {step}, {flag} {n}) failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(out.stdout)
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
pub(super) async fn child(base: &str, step: &str, employees: usize) -> Result<(), String> {
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
                time_scale: 1.0,
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

/// What every connector's child process starts with: the embedded backend in RENKEI_DIR
/// (standing in for DynamoDB), a manual clock at the real now, and the bench's tenant.
pub(super) fn open_child()
-> Result<(renkei_local::LocalBackend, Arc<ManualClock>, TenantId), String> {
    let dir = std::env::var_os("RENKEI_DIR")
        .map(std::path::PathBuf::from)
        .ok_or("RENKEI_DIR is not set")?;
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let backend =
        renkei_local::LocalBackend::open(&dir, clock.clone(), renkei_connectors::registry())
            .map_err(|e| e.to_string())?;
    let t = TenantId::new("bench-memory").map_err(|e| e.to_string())?;
    Ok((backend, clock, t))
}

/// The connection set up in one child process, then its sync in another; the sync's
/// one-line report.
pub(super) async fn setup_then_run(
    base: &str,
    size: Size,
    dir: &std::path::Path,
) -> Result<Value, String> {
    spawn(base, size, "setup", dir).await?;
    run_child(base, size, dir).await
}

/// The sync in a child process of its own; its one-line report.
async fn run_child(base: &str, size: Size, dir: &std::path::Path) -> Result<Value, String> {
    let out = spawn(base, size, "run", dir).await?;
    serde_json::from_slice(&out)
        .map_err(|e| format!("the connector process printed no report: {e}"))
}

/// How many entries a simulator's control API lists at `path` (a bare array, or the array
/// under `field`).
pub(super) async fn listed(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    field: &str,
) -> Result<usize, String> {
    let list = control(http, base, Method::GET, path, None).await?;
    Ok(list
        .as_array()
        .or_else(|| list[field].as_array())
        .map_or(0, Vec::len))
}

/// The run a Lambda would make, continuations followed (a Lambda's 15 minutes are never
/// reached here), and one JSON line of what it did and the process's peak memory.
pub(super) async fn run_to_the_end(
    backend: &renkei_local::LocalBackend,
    clock: &ManualClock,
    t: &TenantId,
    c: &ConnectionId,
) -> Result<(), String> {
    let started = Instant::now();
    let mut last = None;
    for _ in 0..100 {
        clock.advance(chrono::Duration::minutes(1));
        let outcome = backend
            .run(&RunRequest::manual(t.clone(), c.clone()), &NoHook)
            .await?;
        let Outcome::Ran(run) = outcome else {
            return Err(format!("not run: {outcome:?}"));
        };
        let more = run.status == RunStatus::Continued;
        last = Some(run);
        if !more {
            break;
        }
    }
    let run = last.ok_or("no run")?;
    println!(
        "{}",
        json!({
            "status": run.status.as_str(), "counts": run.counts, "pages": run.pages,
            "seconds": started.elapsed().as_secs_f64(),
            "peak_rss_mib": peak_rss_kib() as f64 / 1024.0,
        })
    );
    Ok(())
}
