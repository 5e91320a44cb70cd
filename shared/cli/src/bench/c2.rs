//! `renkei bench roumumate-kaonavi` (C2): the initial sync of N employees, a run with no
//! change (0 Kaonavi writes, and what it costs the state store), and a run under Kaonavi's
//! limits, time-scaled.

use super::*;

pub(super) async fn bench_c2(a: BenchArgs) -> Result<(), String> {
    // 1. Initial sync of N employees, limits off.
    let env = Env::start(
        Limits {
            requests_per_hour: None,
            writes_per_minute: None,
        },
        0,
    )
    .await?;
    let off = KaonaviLimits {
        requests_per_hour: None,
        writes_per_minute: None,
        time_scale: 1.0,
    };
    let (t, c) = env.connect(env.settings(500, off)).await?;
    env.sandbox
        .roumumate_upsert(ROUMUMATE_TOKEN, seed::employees(a.employees, 11))?;
    let started = Instant::now();
    let first = env.next_slot(&t, &c).await?;
    let secs = started.elapsed().as_secs_f64();
    let run = first.last().ok_or("no run")?;
    let written = run.counts.created + run.counts.updated;
    let writes_initial = writes(&env.sandbox.kaonavi_stats(KAONAVI_KEY));
    // 2. The next run with no change at Roumumate: touch every employee without changing it.
    env.sandbox
        .roumumate_upsert(ROUMUMATE_TOKEN, seed::employees(a.employees, 11))?;
    // Run as its Lambda would, through a metered state store: what the run costs it.
    let metered = renkei_core::meter::Metered::new(&env.backend.store);
    let ports = renkei_core::engine::Ports {
        store: &metered,
        ..env.backend.ports()
    };
    let factory = env
        .backend
        .registry
        .get(renkei_connectors::roumumate_kaonavi::NAME)
        .ok_or("connector not registered")?;
    let run2 = match renkei_core::engine::Engine::new(
        ports,
        env.backend.config.clone(),
        &renkei_core::engine::NoHook,
    )
    .run(
        &renkei_core::engine::RunRequest::manual(t.clone(), c.clone()),
        factory.as_ref(),
    )
    .await
    .map_err(|e| e.to_string())?
    {
        renkei_core::engine::Outcome::Ran(r) => r,
        other => return Err(format!("no-change run did not run: {other:?}")),
    };
    let store_use = metered.usage();
    let store_writes = metered.written();
    let writes_second = writes(&env.sandbox.kaonavi_stats(KAONAVI_KEY)) - writes_initial;
    let peak = peak_rss_kib();
    drop(env);

    // 3. Kaonavi's limits on (5 writes / 60 s, 1,000 requests / h), time-scaled.
    let scale = a.time_scale.unwrap_or(60.0);
    let env = Env::start(Limits::default(), 0).await?;
    env.sandbox.set_time_scale(scale);
    let on = KaonaviLimits {
        requests_per_hour: Some(1000),
        writes_per_minute: Some(5),
        time_scale: scale,
    };
    let (t, c) = env.connect(env.settings(20, on)).await?;
    // Setup's Dry-Run writes count against Kaonavi's window; in production the first
    // scheduled run comes at least one slot (15 min) later. Let one simulated minute pass
    // and measure the run's own writes only.
    tokio::time::sleep(std::time::Duration::from_secs_f64(61.0 / scale)).await;
    env.sandbox.kaonavi_reset_stats(KAONAVI_KEY);
    env.sandbox
        .roumumate_upsert(ROUMUMATE_TOKEN, seed::employees(a.limited_employees, 13))?;
    let limited_started = Instant::now();
    let runs = env.next_slot(&t, &c).await?;
    let limited_secs = limited_started.elapsed().as_secs_f64();
    let stats = env.sandbox.kaonavi_stats(KAONAVI_KEY);
    let limited_run = runs.last().ok_or("no limited run")?;
    let span_sim = {
        let f = stats["first_write_at"]
            .as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
        let l = stats["last_write_at"]
            .as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
        match (f, l) {
            (Some(f), Some(l)) => (l - f).num_milliseconds() as f64 / 1000.0,
            _ => 0.0,
        }
    };
    let n_writes = writes(&stats);
    // At the bound, writes 1-5 go at once, 6-10 a minute later, …: write k at ⌊(k-1)/5⌋ min.
    let best = (n_writes.saturating_sub(1) / 5) as f64 * 60.0;
    let efficiency = if span_sim > 0.0 { best / span_sim } else { 0.0 };
    let report = json!({
        "initial_sync": {
            "employees": a.employees, "status": run.status.as_str(), "written": written,
            "seconds": secs, "records_per_second": written as f64 / secs, "peak_rss_mib": peak as f64 / 1024.0
        },
        "no_change_run": { "status": run2.status.as_str(), "unchanged": run2.counts.unchanged, "kaonavi_write_calls": writes_second, "state_store": store_use, "state_store_items_written": store_writes },
        "rate_limited": {
            "employees": a.limited_employees, "status": limited_run.status.as_str(), "time_scale": scale,
            "write_calls": n_writes, "throttled_429": stats["throttled"], "max_writes_in_any_60s": stats["max_writes_in_window"],
            "simulated_seconds_first_to_last_write": span_sim, "efficiency_vs_5_per_60s": efficiency, "real_seconds": limited_secs
        }
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
    );
    // Issue 14's bound of 5 state-store writes for a no-change run is reported, not yet
    // enforced: the run's close still writes its record, the connection and the lease apart.
    let ok = writes_second == 0 && stats["throttled"].as_u64() == Some(0) && efficiency >= 0.9;
    if !ok {
        return Err("benchmark bounds not met: need 0 Kaonavi writes on the no-change run, no 429, ≥ 90% of 5 writes/60 s".into());
    }
    Ok(())
}
