//! What each connector's measured process shares: the bound, how a process of its own is
//! started (this binary again, `lambda-memory --child …`), what it opens and how it runs
//! the sync and reports it.

use crate::process::{control, peak_rss_kib};
use renkei_core::engine::{NoHook, Outcome, RunRequest, RunStatus};
use renkei_core::{ConnectionId, ManualClock, TenantId};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

/// Issue 14's bound for the process of one connector Lambda.
pub(super) const BOUND_MIB: f64 = 64.0;

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
        Size::Employees(n) => (renkei_connectors::roumumate_kaonavi::NAME, "--employees", n),
        Size::Rows(n) => (renkei_connectors::mynavi_hrmos::NAME, "--rows", n),
        Size::People(n) => (renkei_connectors::hrbrain_mikiwame::NAME, "--employees", n),
        Size::Profiles(n) => (
            renkei_connectors::talentwunder_personio::NAME,
            "--profiles",
            n,
        ),
    };
    let out = tokio::process::Command::new(exe)
        .args(["lambda-memory", "--only", only, flag, &n.to_string()])
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
pub(super) async fn run_child(
    base: &str,
    size: Size,
    dir: &std::path::Path,
) -> Result<Value, String> {
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
