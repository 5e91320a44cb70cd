//! `renkei bench <connector>`: the figures of docs/benchmarks.md.

use clap::Args;
use renkei_connectors::roumumate_kaonavi::KaonaviLimits;
use renkei_sandbox::Limits;
use renkei_testbed::seed;
use renkei_testbed::{KAONAVI_KEY, ROUMUMATE_TOKEN, SandboxEnv as Env};
use serde_json::{Value, json};
use std::time::Instant;

#[derive(Args)]
pub struct BenchArgs {
    /// Connector to benchmark, `cold-start` (every function's init time and package size),
    /// `dispatch` (a fleet due at once, against DynamoDB and EventBridge on moto) or
    /// `lambda-memory` (C2's, C1's, C3's and C4's connector process alone, the sandbox in a
    /// child process).
    connector: String,
    /// Employees for the initial sync (limits off).
    #[arg(long, default_value_t = 10_000)]
    employees: usize,
    /// roumumate-kaonavi: employees of the no-change run on DynamoDB (with AWS_ENDPOINT_URL;
    /// moto server's memory grew past 10 GB syncing 10,000 there, so fewer by default).
    #[arg(long, default_value_t = 2_000)]
    dynamodb_employees: usize,
    /// Employees for the rate-limit run (Kaonavi limits on, time-scaled).
    #[arg(long, default_value_t = 600)]
    limited_employees: usize,
    /// Simulated seconds per real second in the rate-limit run (C5: default 10).
    #[arg(long)]
    time_scale: Option<f64>,
    /// hrbrain-mikiwame: departments in the organization (6 levels).
    #[arg(long, default_value_t = 1_000)]
    departments: usize,
    /// talentwunder-personio: profiles of the upload (Personio's limit on, time-scaled);
    /// lambda-memory: profiles queued for C4's run (and ×10).
    #[arg(long, default_value_t = 200)]
    profiles: usize,
    /// recruitee-linkedin: candidates of the Recruitee company (historical sync). 25,000 fit
    /// in one LinkedIn day: LinkedIn's sub-resources cost a request per parent (≈ 3 per
    /// candidate) and an application makes 100,000 requests a day.
    #[arg(long, default_value_t = 25_000)]
    candidates: usize,
    /// recruitee-linkedin: a Lambda invocation's deadline, in simulated minutes.
    #[arg(long, default_value_t = 15)]
    invocation_minutes: i64,
    /// mynavi-hrmos: rows of the generated CP932 file.
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    /// mynavi-hrmos: read this download file (CP932 or UTF-8, CSV or TSV) instead.
    #[arg(long)]
    file: Option<std::path::PathBuf>,
    /// mynavi-hrmos: only write the generated file here (to profile or to run the
    /// baseline by hand: `python3 benches/mynavi_baseline.py FILE RULES`).
    #[arg(long)]
    write_file: Option<std::path::PathBuf>,
    /// mynavi-hrmos: the Python interpreter of the baseline.
    #[arg(long, default_value = "python3")]
    python: String,
    /// mynavi-hrmos: passes of the pipeline and of the floor (the fastest of each counts).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// dispatch: connections due at one quarter hour (DynamoDB/EventBridge at AWS_ENDPOINT_URL).
    #[arg(long, default_value_t = 10_000)]
    connections: usize,
    /// lambda-memory: only this connector (roumumate-kaonavi: --employees; mynavi-hrmos:
    /// --rows; hrbrain-mikiwame: --employees people; talentwunder-personio: --profiles);
    /// all four by default.
    #[arg(long)]
    only: Option<String>,
    /// lambda-memory: internal — run as the connector's process against this sandbox.
    #[arg(long, hide = true)]
    child: Option<String>,
    /// lambda-memory: internal — `setup` (connect) or `run` (the initial sync).
    #[arg(long, hide = true, default_value = "run")]
    child_step: String,
    /// cold-start: where the host binaries of the functions are.
    #[arg(long, default_value = "target/release")]
    bin_dir: std::path::PathBuf,
    /// cold-start: where cargo lambda put the zipped packages.
    #[arg(long, default_value = "target/lambda")]
    zip_dir: std::path::PathBuf,
    /// cold-start: starts per function.
    #[arg(long, default_value_t = 20)]
    runs: usize,
}

mod c1;
mod c2;
mod fleet;
mod memory;
mod memory_c1;
mod memory_c3;
mod memory_c4;
use c2::bench_c2;

pub(crate) fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn writes(stats: &Value) -> u64 {
    stats["writes"].as_u64().unwrap_or(0)
}

pub async fn bench(a: BenchArgs) -> Result<(), String> {
    match a.connector.as_str() {
        renkei_connectors::roumumate_kaonavi::NAME => bench_c2(a).await,
        "lambda-memory" => match (&a.child, a.only.as_deref()) {
            (Some(base), Some(renkei_connectors::mynavi_hrmos::NAME)) => {
                memory_c1::child_c1(base, &a.child_step, a.rows).await
            }
            (Some(base), Some(renkei_connectors::hrbrain_mikiwame::NAME)) => {
                memory_c3::child_c3(base, &a.child_step, a.employees).await
            }
            (Some(base), Some(renkei_connectors::talentwunder_personio::NAME)) => {
                memory_c4::child_c4(base, &a.child_step, a.profiles).await
            }
            (Some(base), _) => memory::child(base, &a.child_step, a.employees).await,
            (None, only) => memory::lambda_memory(a.employees, a.rows, a.profiles, only).await,
        },
        renkei_connectors::mynavi_hrmos::NAME => c1::bench_c1(c1::C1Bench {
            rows: a.rows,
            file: a.file,
            write_file: a.write_file,
            python: a.python,
            repeat: a.repeat,
        }),
        renkei_connectors::hrbrain_mikiwame::NAME => bench_c3(a.employees, a.departments).await,
        renkei_connectors::talentwunder_personio::NAME => {
            bench_c4(a.profiles, a.time_scale.unwrap_or(60.0)).await
        }
        renkei_connectors::recruitee_linkedin::NAME => {
            crate::bench_c5::bench_c5(crate::bench_c5::C5Bench {
                candidates: a.candidates,
                scale: a.time_scale.unwrap_or(10.0),
                invocation_minutes: a.invocation_minutes,
            })
            .await
        }
        "dispatch" => fleet::dispatch(a.connections).await,
        "cold-start" => {
            crate::bench_cold::cold_start(crate::bench_cold::ColdStart {
                bin_dir: a.bin_dir,
                zip_dir: a.zip_dir,
                runs: a.runs,
            })
            .await
        }
        other => Err(format!("no benchmark for {other}")),
    }
}

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
async fn bench_c3(employees: usize, departments: usize) -> Result<(), String> {
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
    env.sandbox.hrbrain_organization(HRBRAIN_SUBDOMAIN, tree)?;
    env.sandbox.hrbrain_members(HRBRAIN_SUBDOMAIN, members)?;
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
    let before = env.sandbox.mikiwame_writes(MIKIWAME_KEY);
    let started = Instant::now();
    let again = run().await?;
    let rerun_secs = started.elapsed().as_secs_f64();
    let after = env.sandbox.mikiwame_writes(MIKIWAME_KEY);
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

/// C4: an upload of `profiles` (a third with CVs) filed under Personio's 20 requests / 60 s
/// per company, on both sides, with simulated time `scale` times faster.
async fn bench_c4(profiles: usize, scale: f64) -> Result<(), String> {
    use renkei_testbed::{PERSONIO_COMPANY, TALENTWUNDER_PROJECT};
    let env = Env::start(Limits::default(), 0).await?;
    env.sandbox.set_time_scale(scale);
    let mut setup = env.personio_setup();
    setup.per_minute = Some(20);
    env.sandbox.personio_company(PERSONIO_COMPANY, setup);
    let mut settings = env.personio_settings();
    settings.per_minute = Some(20);
    settings.time_scale = scale;
    env.connect_personio(settings).await?;
    // Connecting's probe is one request of the window; in production the first upload comes
    // later. Let one simulated minute pass and measure the upload's own requests only.
    tokio::time::sleep(std::time::Duration::from_secs_f64(61.0 / scale)).await;
    let before = env.sandbox.personio_stats(PERSONIO_COMPANY);
    let list = env.talentwunder_profiles(profiles, 0, 0, 42);
    let cvs = list.iter().filter(|p| p.get("cv").is_some()).count();
    let (status, answer) = env
        .talentwunder_upload("bench-upload", TALENTWUNDER_PROJECT, list)
        .await?;
    if status != 202 {
        return Err(format!("upload answered {status}: {answer}"));
    }
    let started = Instant::now();
    // The run the upload requested (no deadline here: one run files the whole queue).
    let outcomes = env.backend.deliver().await?;
    let real = started.elapsed().as_secs_f64();
    for o in &outcomes {
        if let renkei_core::engine::Outcome::Ran(r) = o {
            eprintln!(
                "run {} {} {:?} {:?}",
                r.run_id,
                r.status.as_str(),
                r.counts,
                r.error
            );
        }
    }
    let stats = env.sandbox.personio_stats(PERSONIO_COMPANY);
    let calls = stats["requests"].as_u64().unwrap_or(0) - before["requests"].as_u64().unwrap_or(0);
    let span = match (
        stats["first_call_at"]
            .as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok()),
        stats["last_call_at"]
            .as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok()),
    ) {
        (Some(f), Some(l)) => (l - f).num_milliseconds() as f64 / 1000.0,
        _ => 0.0,
    };
    // The measured calls start after the probe; at the bound, calls 1-20 go at once, 21-40
    // a minute later, …: call k at ⌊(k-1)/20⌋ min.
    let best = (calls.saturating_sub(1) / 20) as f64 * 60.0;
    let span_upload = span - 61.0;
    let utilisation = if span_upload > 0.0 {
        best / span_upload
    } else {
        0.0
    };
    let filed = stats["applications"].as_u64().unwrap_or(0);
    let report = json!({
        "profiles": profiles, "with_cv": cvs, "filed": filed, "requests": calls,
        "throttled_429": stats["throttled"], "max_calls_in_any_60s": stats["max_calls_in_any_60s"],
        "simulated_seconds_first_to_last_call": span_upload, "utilisation_vs_20_per_60s": utilisation,
        "time_scale": scale, "real_seconds": real, "runs": outcomes.len(),
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
    );
    if filed != profiles as u64 || stats["throttled"].as_u64() != Some(0) || utilisation < 0.9 {
        return Err(
            "benchmark bounds not met: need every profile filed, no 429, ≥ 90% of 20 requests/60 s"
                .into(),
        );
    }
    Ok(())
}
