//! `renkei-bench dispatch --connections 10000`: a fleet due at one quarter hour, dispatched by
//! the real dispatcher code against DynamoDB and EventBridge (moto server, or any endpoint the
//! standard AWS configuration names: `AWS_ENDPOINT_URL`). Bound: every SyncRequested put
//! within 60 s (the dispatcher Lambda's timeout). Prints the due-index query time, the claim
//! and PutEvents time, and checks that a second tick finds nothing (runs in flight are not
//! returned by the index).

use futures::StreamExt;
use renkei_core::ports::StateStore;
use renkei_core::repo::{Connection, Repo};
use renkei_core::{Cadence, ConnectionId, TenantId};
use std::time::Instant;

/// The bound of the fleet goal (issue 14, goal 5): the dispatcher's timeout.
const BOUND_SECONDS: f64 = 60.0;

pub async fn dispatch(connections: usize) -> Result<(), String> {
    if std::env::var("AWS_ENDPOINT_URL").is_err() {
        return Err(
            "set AWS_ENDPOINT_URL (e.g. moto server: .venv/bin/moto_server -p 5000, then AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_REGION=ap-northeast-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x)"
                .into(),
        );
    }
    let config = renkei_aws::sdk_config().await;
    let id = format!("{:08x}", fastrand::u32(..));
    let table = format!("renkei-fleet-{id}");
    let bus_name = format!("renkei-fleet-{id}");
    renkei_aws::create_table(&aws_sdk_dynamodb::Client::new(&config), &table)
        .await
        .map_err(|e| e.to_string())?;
    aws_sdk_eventbridge::Client::new(&config)
        .create_event_bus()
        .name(&bus_name)
        .send()
        .await
        .map_err(|e| format!("creating the bus: {}", renkei_aws::describe_sdk_error(&e)))?;
    let store = renkei_aws::DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table.clone());
    let bus = Timed {
        bus: renkei_aws::EventBridgeBus::new(
            aws_sdk_eventbridge::Client::new(&config),
            bus_name.clone(),
        ),
        first: std::sync::OnceLock::new(),
        rounds: std::sync::atomic::AtomicUsize::new(0),
    };

    // A quarter hour: every connection of the fleet falls due at it.
    let due = chrono::DateTime::from_timestamp((chrono::Utc::now().timestamp() / 900) * 900, 0)
        .ok_or("clock")?;
    let seeding = Instant::now();
    seed(&store, connections, due).await?;
    eprintln!(
        "seeded {connections} connections in {:.1} s (not measured)",
        seeding.elapsed().as_secs_f64()
    );

    let clock = renkei_core::ManualClock::new(due + chrono::Duration::seconds(5));
    let started = Instant::now();
    let found = store
        .due(renkei_core::Clock::now(&clock).timestamp())
        .await
        .map_err(|e| e.to_string())?
        .len();
    let query = started.elapsed().as_secs_f64();
    // One dispatcher tick, as the dispatcher function makes it; answers how many it sent.
    let tick = || async {
        renkei_core::dispatch::dispatch_due(
            &store,
            &bus,
            &clock,
            "renkei",
            renkei_core::engine::EngineConfig::default().claim_ttl,
        )
        .await
        .map(|sent| sent.len())
        .map_err(|e| e.to_string())
    };
    let started = Instant::now();
    let sent = tick().await?;
    let dispatch = started.elapsed().as_secs_f64();
    let first = bus
        .first
        .get()
        .map_or(f64::NAN, |at| at.duration_since(started).as_secs_f64());
    let rounds = bus.rounds.load(std::sync::atomic::Ordering::Relaxed);
    let again = tick().await?;

    println!(
        "fleet dispatch against {}",
        std::env::var("AWS_ENDPOINT_URL").unwrap_or_default()
    );
    println!("  connections due           {connections}");
    println!(
        "  due-index query           {found} found in {query:.2} s ({} shards queried concurrently)",
        renkei_aws::DUE_SHARDS + 1
    );
    println!(
        "  dispatch (query, claims, PutEvents)  {sent} SyncRequested in {dispatch:.2} s ({} PutEvents calls of ≤10)",
        sent.div_ceil(10)
    );
    println!(
        "  first SyncRequested put   after {first:.2} s ({rounds} rounds of ≤{} claims, then their events)",
        renkei_core::dispatch::ROUND
    );
    println!("  second tick               {again} (claimed runs are not due again)");
    let _ = renkei_aws::DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table)
        .delete_table()
        .await;
    if found != connections || sent != connections || again != 0 {
        return Err(format!(
            "expected {connections} found and sent and 0 on the second tick; got {found}, {sent}, {again}"
        ));
    }
    if dispatch > BOUND_SECONDS {
        return Err(format!("bound missed: {dispatch:.1} s > {BOUND_SECONDS} s"));
    }
    println!("  bound                     ≤ {BOUND_SECONDS} s: met");
    Ok(())
}

/// The bus, noting when the first round's events went out and how many rounds there were.
struct Timed {
    bus: renkei_aws::EventBridgeBus,
    first: std::sync::OnceLock<Instant>,
    rounds: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl renkei_core::ports::EventBus for Timed {
    async fn publish(
        &self,
        events: &[renkei_core::ports::BusEvent],
    ) -> Result<(), renkei_core::ports::BusError> {
        let result = self.bus.publish(events).await;
        let _ = self.first.set(Instant::now());
        self.rounds
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        result
    }
}

/// `n` connections across 1,000 tenants, automation on, due at `due`.
async fn seed(
    store: &renkei_aws::DynamoStore,
    n: usize,
    due: chrono::DateTime<chrono::Utc>,
) -> Result<(), String> {
    let repo = Repo::new(store);
    let results = futures::stream::iter((0..n).map(|i| {
        let repo = &repo;
        async move {
            let conn = Connection::new(
                TenantId::new(format!("tenant-{:04}", i % 1000)).map_err(|e| e.to_string())?,
                ConnectionId::new(format!("conn-{i:05}")).map_err(|e| e.to_string())?,
                renkei_connectors::roumumate_kaonavi::NAME,
                serde_json::json!({}),
                Cadence::AlignedMinutes { minutes: 15 },
                due,
                due - chrono::Duration::days(1),
            );
            repo.put_connection(&conn, None)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    }))
    .buffer_unordered(32)
    .collect::<Vec<_>>()
    .await;
    results.into_iter().collect()
}
