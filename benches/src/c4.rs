//! `renkei-bench talentwunder-personio` (C4): one Talentwunder upload filed in Personio
//! under its 20 requests a minute, time-scaled; the bound is how much of that pace it uses.

use renkei_sandbox::Limits;
use renkei_testbed::SandboxEnv as Env;
use serde_json::json;
use std::time::Instant;

/// C4: an upload of `profiles` (a third with CVs) filed under Personio's 20 requests / 60 s
/// per company, on both sides, with simulated time `scale` times faster.
pub async fn bench_c4(profiles: usize, scale: f64) -> Result<(), String> {
    use renkei_testbed::{PERSONIO_COMPANY, TALENTWUNDER_PROJECT};
    let env = Env::start_scaled(Limits::default(), 0, scale).await?;
    let mut setup = env.personio_setup();
    setup.per_minute = Some(20);
    env.sandbox.personio().company(PERSONIO_COMPANY, setup);
    let mut settings = env.personio_settings();
    settings.per_minute = Some(20);
    env.connect_personio(settings).await?;
    // Connecting's probe is one request of the window; in production the first upload comes
    // later. Let one simulated minute pass and measure the upload's own requests only.
    tokio::time::sleep(std::time::Duration::from_secs_f64(61.0 / scale)).await;
    let before = env.sandbox.personio().stats(PERSONIO_COMPANY);
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
    let stats = env.sandbox.personio().stats(PERSONIO_COMPANY);
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
