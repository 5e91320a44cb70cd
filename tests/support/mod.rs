//! Support for the end-to-end tests: a sandbox-backed environment and moto server access.

use renkei_core::engine::{Crash, Step, StepHook};
use renkei_sandbox::Limits;
pub use renkei_testbed::{
    HRBRAIN_CONNECTION, HRBRAIN_SUBDOMAIN, HRBRAIN_TOKEN, HRBRAIN_WEBHOOK_SECRET, KAONAVI_KEY,
    MIKIWAME_KEY, ROUMUMATE_TOKEN, SandboxEnv,
};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Every step boundary, for crash injection.
pub const STEPS: [Step; 6] = [
    Step::LeaseTaken,
    Step::RunOpened,
    Step::Pulled,
    Step::Written,
    Step::Committed,
    Step::Closing,
];

/// Stops the engine the n-th time it reaches `step`, as a killed process would.
pub struct CrashAt(Step, AtomicUsize);

impl CrashAt {
    /// At the `nth` (1-based) arrival at `step`.
    pub fn new(step: Step, nth: usize) -> Self {
        Self(step, AtomicUsize::new(nth))
    }
}

impl StepHook for CrashAt {
    fn reached(&self, step: Step) -> Result<(), Crash> {
        if step == self.0 && self.1.fetch_sub(1, Ordering::SeqCst) == 1 {
            return Err(Crash(step));
        }
        Ok(())
    }
}

/// A sandbox for any connector — every vendor simulator runs in it, with Kaonavi's rate
/// limits off and its tasks answering RUNNING once — and nothing connected yet. Not C2's
/// alone: each connector connects with its own call on [`SandboxEnv`] (`connect_hrbrain`,
/// `connect_personio`, `register_mynavi`, `connect_linkedin`, …), and the one named plainly
/// `SandboxEnv::connect` is C2 roumumate-kaonavi's. The example connector needs
/// [`env_with_example`].
pub async fn env() -> SandboxEnv {
    SandboxEnv::start(
        Limits {
            requests_per_hour: None,
            writes_per_minute: None,
        },
        1,
    )
    .await
    .expect("sandbox starts")
}

/// Limits off on the client side too.
pub fn no_limits() -> renkei_connectors::roumumate_kaonavi::KaonaviLimits {
    renkei_connectors::roumumate_kaonavi::KaonaviLimits {
        requests_per_hour: None,
        writes_per_minute: None,
    }
}

/// A valid in-scope Roumumate employee.
pub fn employee(id: &str, number: &str, last: &str, first: &str) -> Value {
    json!({"id": id, "employee_number": number, "status": "active", "state": "data_entry_complete",
           "employment_type": "正社員", "hire_date": "2024-04-01", "birth_date": "1990-05-06",
           "last_name": last, "first_name": first, "last_name_kana": "やまだ", "first_name_kana": "たろう",
           "gender": "male", "attributes": {"部署": "営業部"}})
}

/// Kaonavi members by code.
pub fn members(env: &SandboxEnv) -> std::collections::BTreeMap<String, Value> {
    env.sandbox
        .kaonavi()
        .members(KAONAVI_KEY)
        .into_iter()
        .map(|m| (m["code"].as_str().unwrap_or("").to_string(), m))
        .collect()
}

/// The moto server endpoint, started by the test command (tests/run.sh).
pub fn moto_endpoint() -> String {
    std::env::var("RENKEI_MOTO_ENDPOINT").expect(
        "RENKEI_MOTO_ENDPOINT is not set: run the test command from the README (bash tests/run.sh), which starts moto server",
    )
}

/// A connection as stored now.
pub async fn stored_connection(
    env: &SandboxEnv,
    t: &renkei_core::TenantId,
    c: &renkei_core::ConnectionId,
) -> renkei_core::repo::Connection {
    renkei_core::repo::Repo::new(&env.backend.store)
        .connection(t, c)
        .await
        .expect("state store answers")
        .expect("connection exists")
        .0
}

/// Moves simulated time to the connection's next_run_at when that is still ahead, so that a
/// scheduled request (no claim) finds it due, as the dispatcher would.
pub async fn make_due(env: &SandboxEnv, t: &renkei_core::TenantId, c: &renkei_core::ConnectionId) {
    use renkei_core::Clock;
    let conn = stored_connection(env, t, c).await;
    if conn.next_run_at > env.clock.now() {
        env.clock.set(conn.next_run_at);
    }
}

/// Freezes a run at the n-th arrival at a step, as a stalled process would be (no beats, no
/// renewals), until released. Needs a multi-threaded runtime: the frozen run blocks its
/// worker thread while the test goes on with another.
pub struct Stall {
    step: Step,
    left: AtomicUsize,
    arrived: std::sync::Mutex<Option<std::sync::mpsc::Sender<()>>>,
    release: std::sync::Mutex<std::sync::mpsc::Receiver<()>>,
}

/// The test's end of a [`Stall`].
pub struct StallControl {
    arrived: std::sync::mpsc::Receiver<()>,
    release: std::sync::mpsc::Sender<()>,
}

impl Stall {
    /// A stall at the `nth` (1-based) arrival at `step`, and its control.
    pub fn at(step: Step, nth: usize) -> (Self, StallControl) {
        let (arrived_tx, arrived_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel();
        (
            Self {
                step,
                left: AtomicUsize::new(nth),
                arrived: std::sync::Mutex::new(Some(arrived_tx)),
                release: std::sync::Mutex::new(release_rx),
            },
            StallControl {
                arrived: arrived_rx,
                release: release_tx,
            },
        )
    }
}

impl StepHook for Stall {
    fn reached(&self, step: Step) -> Result<(), Crash> {
        if step == self.step && self.left.fetch_sub(1, Ordering::SeqCst) == 1 {
            if let Some(tx) = self.arrived.lock().unwrap().take() {
                let _ = tx.send(());
            }
            // block_in_place hands this worker's queued tasks to another thread first: a
            // plainly blocked worker strands the task in its LIFO slot (often the very
            // connection the other run needs) and the test hangs.
            tokio::task::block_in_place(|| {
                let _ = self.release.lock().unwrap().recv();
            });
        }
        Ok(())
    }
}

impl StallControl {
    /// Waits (without sleeping) until the stalled run is frozen at its step.
    #[allow(clippy::unused_async)] // awaited where the test awaits its other steps
    pub async fn frozen(&self) {
        let rx = &self.arrived;
        tokio::task::block_in_place(|| rx.recv().expect("the run reaches the stall"));
    }
    /// Lets the frozen run go on.
    pub fn release(&self) {
        let _ = self.release.send(());
    }
}

/// Calls a closure at every step boundary (to look at the store mid-run, or move the clock).
pub struct Probe<F: Fn(Step) + Send + Sync>(pub F);

impl<F: Fn(Step) + Send + Sync> StepHook for Probe<F> {
    fn reached(&self, step: Step) -> Result<(), Crash> {
        (self.0)(step);
        Ok(())
    }
}

/// Every item stored under a connection (cursor, lease, runs, reports, hashes).
pub async fn connection_items(
    store: &dyn renkei_core::ports::StateStore,
    t: &renkei_core::TenantId,
    c: &renkei_core::ConnectionId,
) -> Vec<renkei_core::ports::Item> {
    store
        .query(&format!("T#{t}#C#{c}"), "")
        .await
        .expect("state store answers")
}

/// SDK configuration for moto server (dummy credentials, fixed region).
pub async fn moto_sdk() -> aws_config::SdkConfig {
    // SAFETY of the env: set before any SDK client reads them, identically in every test.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    }
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(moto_endpoint())
        .region(aws_config::Region::new("ap-northeast-1"))
        .load()
        .await
}

/// A fresh DynamoDB table on moto, made as infra/template.yaml declares it.
pub async fn moto_store(name: &str) -> renkei_aws::DynamoStore {
    let client = aws_sdk_dynamodb::Client::new(&moto_sdk().await);
    let table = format!("renkei-{name}-{:08x}", fastrand::u32(..));
    renkei_aws::create_table(&client, &table)
        .await
        .expect("create table");
    renkei_aws::DynamoStore::new(client, table)
}

pub mod conformance;
pub mod example;

/// A sandbox whose backend also runs the example connector (tests/support/example).
pub async fn env_with_example() -> (SandboxEnv, example::World) {
    let world = example::World::default();
    let registry =
        renkei_connectors::registry().with(std::sync::Arc::new(example::Factory(world.clone())));
    let env = SandboxEnv::start_with(
        Limits {
            requests_per_hour: None,
            writes_per_minute: None,
        },
        1,
        registry,
    )
    .await
    .expect("sandbox starts");
    (env, world)
}
