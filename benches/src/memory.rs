//! `renkei-bench lambda-memory` (issue 14, goal 2): the peak memory of the connector's
//! process alone. The simulators run in a child process ([`SandboxProcess`]), loaded over
//! their control API; each measured sync runs in a process of its own (`renkei-bench
//! lambda-memory --child …`, [`child`]), as a Lambda would, so that its VmHWM is the
//! connector's, engine's and clients' — not the simulators' data, nor the loading of it. The
//! same sync at ×10 the data shows whether memory stays flat (pages streamed, nothing holding
//! the whole set).

pub mod c1;
pub mod c2;
pub mod c3;
pub mod c4;
mod child;

use crate::process::SandboxProcess;
use c1::{check_c1, measure_c1};
use c3::{check_c3, measure_c3};
use c4::{check_c4, measure_c4};
use child::BOUND_MIB;
use serde_json::{Value, json};

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
    if wanted(renkei_connectors::roumumate_kaonavi::NAME)
        && let Err(e) = c2::measure_c2(&http, &sandbox.base, dir, employees).await
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
