//! `renkei-bench roumumate-kaonavi` (C2): the initial sync of N employees, a run with no
//! change (0 Kaonavi writes, and what it costs the state store), and a run under Kaonavi's
//! limits, time-scaled. Task polls (issue 29) are requests of Kaonavi's hourly budget like
//! any other: the rate-limited run reports them and the most requests seen in any hour.

use crate::process::peak_rss_kib;
use renkei_connectors::roumumate_kaonavi::KaonaviLimits;
use renkei_sandbox::Limits;
use renkei_testbed::seed;
use renkei_testbed::{KAONAVI_KEY, ROUMUMATE_TOKEN, SandboxEnv as Env};
use serde_json::{Value, json};
use std::time::Instant;

/// What to measure.
pub struct C2Bench {
    /// Employees of the initial sync (limits off).
    pub employees: usize,
    /// Employees of the no-change run on DynamoDB (with AWS_ENDPOINT_URL).
    pub dynamodb_employees: usize,
    /// Employees of the rate-limited run.
    pub limited_employees: usize,
    /// Simulated seconds per real second in the rate-limited run (default 60).
    pub time_scale: Option<f64>,
}

fn writes(stats: &Value) -> u64 {
    stats["writes"].as_u64().unwrap_or(0)
}

pub async fn bench_c2(a: C2Bench) -> Result<(), String> {
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
    };
    let (t, c) = env.connect(env.settings(500, off)).await?;
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, seed::employees(a.employees, 11))?;
    let started = Instant::now();
    let first = env.next_slot(&t, &c).await?;
    let secs = started.elapsed().as_secs_f64();
    let run = first.last().ok_or("no run")?;
    let written = run.counts.created + run.counts.updated;
    // 2. The next run with no change at Roumumate, on the embedded store, and on DynamoDB
    //    when AWS_ENDPOINT_URL names one (moto server).
    let embedded = no_change_run(&env, &env.backend.store, &t, &c, Some(a.employees)).await?;
    // And the run after it, with nothing new at all: what every quiet slot costs.
    let idle = no_change_run(&env, &env.backend.store, &t, &c, None).await?;
    let dynamodb = match std::env::var("AWS_ENDPOINT_URL") {
        Ok(_) => Some(on_dynamodb(a.dynamodb_employees).await?),
        Err(_) => None,
    };
    let peak = peak_rss_kib();
    drop(env);

    // 3. Kaonavi's limits on (5 writes / 60 s, 1,000 requests / h), time-scaled.
    let scale = a.time_scale.unwrap_or(60.0);
    let env = Env::start_scaled(Limits::default(), 0, scale).await?;
    let on = KaonaviLimits {
        requests_per_hour: Some(1000),
        writes_per_minute: Some(5),
    };
    let (t, c) = env.connect(env.settings(20, on)).await?;
    // Setup's Dry-Run writes count against Kaonavi's window; in production the first
    // scheduled run comes at least one slot (15 min) later. Let one simulated minute pass
    // and measure the run's own writes only.
    tokio::time::sleep(std::time::Duration::from_secs_f64(61.0 / scale)).await;
    env.sandbox.kaonavi().reset_stats(KAONAVI_KEY);
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, seed::employees(a.limited_employees, 13))?;
    let limited_started = Instant::now();
    let runs = env.next_slot(&t, &c).await?;
    let limited_secs = limited_started.elapsed().as_secs_f64();
    let stats = env.sandbox.kaonavi().stats(KAONAVI_KEY);
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
        "no_change_run": embedded.report(),
        "idle_run": idle.report(),
        "no_change_run_on_dynamodb (its own employees)": dynamodb.as_ref().map_or_else(
            || json!("not measured: set AWS_ENDPOINT_URL (moto server) to count it on DynamoDB too"),
            NoChange::report),
        "rate_limited": {
            "employees": a.limited_employees, "status": limited_run.status.as_str(), "time_scale": scale,
            "write_calls": n_writes, "throttled_429": stats["throttled"], "max_writes_in_any_60s": stats["max_writes_in_window"],
            "task_polls": stats["task_polls"], "max_requests_in_any_hour": stats["max_requests_in_window"],
            "simulated_seconds_first_to_last_write": span_sim, "efficiency_vs_5_per_60s": efficiency, "real_seconds": limited_secs
        }
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
    );
    let quiet = [&embedded, &idle]
        .into_iter()
        .chain(dynamodb.as_ref())
        .all(|n| {
            n.kaonavi_writes == 0
                && n.usage.write_calls <= MAX_WRITES
                && n.written.len() as u64 <= MAX_WRITES
        });
    let ok = quiet && stats["throttled"].as_u64() == Some(0) && efficiency >= 0.9;
    if !ok {
        return Err(format!(
            "benchmark bounds not met: need 0 Kaonavi writes and ≤ {MAX_WRITES} state-store items written (and write calls) on the no-change run, no 429, ≥ 90% of 5 writes/60 s"
        ));
    }
    Ok(())
}

/// Issue 14, goal 3: a run that changes nothing writes the lease (taken with the run's
/// opening, given back), its cursor and run record (one transaction at the close) and the
/// connection: five items in four calls, whatever the number of pages.
const MAX_WRITES: u64 = 5;

/// What a run that changed nothing cost.
struct NoChange {
    run: renkei_core::engine::RunRecord,
    kaonavi_writes: u64,
    usage: renkei_core::meter::Usage,
    written: Vec<String>,
}

impl NoChange {
    fn report(&self) -> Value {
        json!({
            "status": self.run.status.as_str(), "unchanged": self.run.counts.unchanged,
            "pages": self.run.pages, "kaonavi_write_calls": self.kaonavi_writes,
            "state_store": self.usage, "state_store_items_written": self.written,
        })
    }
}

/// Touches `touch` employees at Roumumate without changing one (none: nothing new at all),
/// then runs the connection as its Lambda would, through a metered `store`: what a run
/// that changes nothing costs.
async fn no_change_run(
    env: &Env,
    store: &dyn renkei_core::ports::StateStore,
    t: &renkei_core::TenantId,
    c: &renkei_core::ConnectionId,
    touch: Option<usize>,
) -> Result<NoChange, String> {
    use renkei_core::engine::{Engine, NoHook, Outcome, Ports, RunRequest};
    if let Some(employees) = touch {
        env.sandbox
            .roumumate()
            .upsert(ROUMUMATE_TOKEN, seed::employees(employees, 11))?;
    }
    let before = writes(&env.sandbox.kaonavi().stats(KAONAVI_KEY));
    let metered = renkei_core::meter::Metered::new(store);
    let ports = Ports {
        store: &metered,
        ..env.backend.ports()
    };
    let factory = renkei_connectors::factory(renkei_connectors::roumumate_kaonavi::NAME)
        .ok_or("connector not registered")?;
    let outcome = Engine::new(ports, env.backend.config.clone(), &NoHook)
        .run(&RunRequest::manual(t.clone(), c.clone()), factory.as_ref())
        .await
        .map_err(|e| e.to_string())?;
    let Outcome::Ran(run) = outcome else {
        return Err(format!("no-change run did not run: {outcome:?}"));
    };
    Ok(NoChange {
        run,
        kaonavi_writes: writes(&env.sandbox.kaonavi().stats(KAONAVI_KEY)) - before,
        usage: metered.usage(),
        written: metered.written(),
    })
}

/// The same on DynamoDB (a table of its own at AWS_ENDPOINT_URL, deleted afterwards) and a
/// sandbox of its own: `employees` sync once, then a run with no change.
async fn on_dynamodb(employees: usize) -> Result<NoChange, String> {
    let env = &Env::start(
        Limits {
            requests_per_hour: None,
            writes_per_minute: None,
        },
        0,
    )
    .await?;
    let config = renkei_aws::sdk_config().await;
    let table = format!("renkei-bench-c2-{:08x}", fastrand::u32(..));
    let client = aws_sdk_dynamodb::Client::new(&config);
    renkei_aws::create_table(&client, &table)
        .await
        .map_err(|e| e.to_string())?;
    let store = renkei_aws::DynamoStore::new(client, table);
    let result = async {
        let tenant = renkei_core::TenantId::new("bench-dynamodb").map_err(|e| e.to_string())?;
        let off = KaonaviLimits {
            requests_per_hour: None,
            writes_per_minute: None,
        };
        let (t, c) = env
            .connect_in(&store, &tenant, env.settings(500, off))
            .await?;
        let first = no_change_run(env, &store, &t, &c, Some(employees)).await?;
        if first.run.status != renkei_core::engine::RunStatus::Succeeded {
            return Err(format!("first sync on DynamoDB: {:?}", first.run));
        }
        no_change_run(env, &store, &t, &c, Some(employees)).await
    }
    .await;
    let _ = store.delete_table().await;
    result
}
