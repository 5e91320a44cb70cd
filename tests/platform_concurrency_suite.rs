//! P3/P5 under seeded chaos: two or three engines run one connection at once while the
//! source keeps changing (two changes of one key included), and any of them may stall past
//! its lease at any step boundary (the shared clock jumps, so the others take over while
//! the staller goes on as a zombie). Against the embedded store (200 iterations) and
//! DynamoDB on moto (60; `RENKEI_CHAOS_ITERATIONS` sets both): Kaonavi ends equal to the source, nothing was created twice, no record
//! was rejected, and every run ends in a truthful status.

use chrono::Duration;
use renkei_connectors::roumumate_kaonavi as c2;
use renkei_core::engine::{
    Crash, Engine, NoHook, Outcome, Ports, RunRequest, RunStatus, Step, StepHook,
};
use renkei_core::ports::StateStore;
use renkei_core::repo::Repo;
use renkei_core::{ConnectionId, ManualClock, TenantId};
use renkei_e2e::*;
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// Iterations per store; RENKEI_CHAOS_ITERATIONS overrides it (longer soaks, quick looks).
/// Iterations of a variant: `RENKEI_CHAOS_ITERATIONS`, or its default. DynamoDB on moto
/// (a Python server) costs seconds an iteration on a busy 2-core host, so its default is
/// smaller than the embedded store's; run both with 200 or more before changing the engine.
fn iterations_wanted(default: u64) -> u64 {
    std::env::var("RENKEI_CHAOS_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
const EMPLOYEES: usize = 6;

/// At each step boundary, with probability `p`, this run "stalls": the shared clock jumps
/// past its lease, so from everyone else's view it froze; then it goes on as a zombie.
struct RandomStall {
    clock: Arc<ManualClock>,
    rng: Mutex<fastrand::Rng>,
    p: f64,
}

impl StepHook for RandomStall {
    fn reached(&self, _: Step) -> Result<(), Crash> {
        if self.rng.lock().unwrap().f64() < self.p {
            self.clock.advance(Duration::minutes(6));
        }
        Ok(())
    }
}

fn source(version: u32) -> Vec<Value> {
    (1..=EMPLOYEES)
        .map(|i| {
            employee(
                &format!("e{i}"),
                &format!("{i:04}"),
                "山田",
                &format!("太郎{version}"),
            )
        })
        .collect()
}

async fn run_engine(
    env: Arc<SandboxEnv>,
    store: Arc<dyn StateStore>,
    req: RunRequest,
    hook: RandomStall,
) -> Outcome {
    let ports = Ports {
        store: store.as_ref(),
        ..env.backend.ports()
    };
    let factory = renkei_connectors::factory(c2::NAME).unwrap();
    Engine::new(ports, env.backend.config.clone(), &hook)
        .run(&req, factory.as_ref())
        .await
        .unwrap()
}

async fn one_iteration(seed: u64, store: Arc<dyn StateStore>) {
    let env = Arc::new(env().await);
    let mut rng = fastrand::Rng::with_seed(seed);
    let t = TenantId::new(format!("chaos-{seed}")).unwrap();
    let mut settings = env.settings(rng.u32(2..=4), no_limits());
    settings.task_poll_ms = 1;
    let (t, c) = env.connect_in(store.as_ref(), &t, settings).await.unwrap();
    let mut version = 1;
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, source(version))
        .unwrap();
    let engines = rng.usize(2..=3);
    for round in 0..2 {
        let mut tasks = Vec::new();
        for k in 0..engines {
            let req = if k == 0 {
                RunRequest::manual(t.clone(), c.clone())
            } else {
                let mut r = RunRequest::manual(t.clone(), c.clone());
                if rng.bool() {
                    r.trigger = renkei_core::engine::Trigger::Schedule { claim: None };
                }
                r
            };
            let hook = RandomStall {
                clock: env.clock.clone(),
                rng: Mutex::new(fastrand::Rng::with_seed(rng.u64(..))),
                p: 0.15,
            };
            tasks.push(tokio::spawn(run_engine(
                env.clone(),
                store.clone(),
                req,
                hook,
            )));
            if round == 0 && k == 0 {
                // The source changes while the engines run: one employee twice.
                version += 1;
                let mut changed = source(version);
                changed.truncate(3);
                env.sandbox
                    .roumumate()
                    .upsert(ROUMUMATE_TOKEN, changed)
                    .unwrap();
                let mut again = source(version + 1);
                again.truncate(1);
                env.sandbox
                    .roumumate()
                    .upsert(ROUMUMATE_TOKEN, again)
                    .unwrap();
            }
        }
        for task in tasks {
            match task.await.unwrap() {
                Outcome::Ran(run) => assert!(
                    matches!(run.status, RunStatus::Succeeded),
                    "seed {seed}: a run that ran to its end succeeded: {run:?}"
                ),
                Outcome::Fenced(_) | Outcome::Skipped(_) => {}
            }
        }
        env.clock.advance(Duration::minutes(6));
    }
    // A last, undisturbed run brings everything home.
    let last = Engine::new(
        Ports {
            store: store.as_ref(),
            ..env.backend.ports()
        },
        env.backend.config.clone(),
        &NoHook,
    )
    .run(
        &RunRequest::manual(t.clone(), c.clone()),
        renkei_connectors::factory(c2::NAME).unwrap().as_ref(),
    )
    .await
    .unwrap();
    assert!(
        matches!(last, Outcome::Ran(ref r) if r.status == RunStatus::Succeeded),
        "seed {seed}: {last:?}"
    );

    let expected: Vec<(String, String)> = source(version)
        .iter()
        .enumerate()
        .map(|(i, _)| {
            let v = if i == 0 {
                version + 1
            } else if i < 3 {
                version
            } else {
                1
            };
            (format!("{:04}", i + 1), format!("山田 太郎{v}"))
        })
        .collect();
    let got: Vec<(String, String)> = members(&env)
        .into_iter()
        .map(|(code, m)| (code, m["name"].as_str().unwrap_or("").to_string()))
        .collect();
    assert_eq!(got, expected, "seed {seed}: Kaonavi equals the source");
    let stats = env.sandbox.kaonavi().stats(KAONAVI_KEY);
    let runs = Repo::new(store.as_ref()).runs(&t, &c).await.unwrap();
    for run in &runs {
        assert_eq!(
            run.counts.rejected, 0,
            "seed {seed}: no false rejection: {run:?}"
        );
        assert!(
            matches!(run.status, RunStatus::Succeeded | RunStatus::Interrupted),
            "seed {seed}: every run ends truthfully (none left running): {run:?} {stats}"
        );
    }
}

/// Iterations run this many at a time (each with its own sandbox and tenant).
const PARALLEL: u64 = 4;

/// Where an iteration keeps its state: a table of its own, so that no iteration pays for
/// the data of the others (moto's lookups grow with a table).
#[derive(Clone)]
enum Backend {
    Embedded(std::path::PathBuf),
    DynamoDb,
}

impl Backend {
    /// Runs one iteration on a store of its own, then throws the store away (a moto that
    /// keeps every table slows down everything that reads its state).
    async fn iteration(&self, seed: u64) {
        match self {
            Backend::Embedded(dir) => {
                let path = dir.join(format!("{seed}.redb"));
                one_iteration(
                    seed,
                    Arc::new(renkei_local::FileStore::open(&path).unwrap()),
                )
                .await;
                let _ = std::fs::remove_file(path);
            }
            Backend::DynamoDb => {
                let store = Arc::new(moto_store("chaos").await);
                one_iteration(seed, store.clone()).await;
                store.delete_table().await.unwrap();
            }
        }
    }
}

async fn iterations(first_seed: u64, backend: Backend, default: u64) {
    let n = iterations_wanted(default);
    for batch in (0..n).step_by(PARALLEL as usize) {
        let mut set = tokio::task::JoinSet::new();
        for seed in batch..(batch + PARALLEL).min(n) {
            let backend = backend.clone();
            set.spawn(async move { backend.iteration(first_seed + seed).await });
        }
        while let Some(done) = set.join_next().await {
            done.expect("an iteration panicked (its seed is in the message above)");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn p5_two_or_three_engines_with_random_stalls_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    iterations(0, Backend::Embedded(dir.path().to_path_buf()), 200).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn p5_two_or_three_engines_with_random_stalls_on_dynamodb() {
    iterations(1000, Backend::DynamoDb, 60).await;
}

#[tokio::test]
async fn p3_two_changes_of_one_employee_number_in_one_page_sync_on_dynamodb() {
    let dynamo = Arc::new(moto_store("dup").await);
    let store: Arc<dyn StateStore> = dynamo.clone();
    let env = Arc::new(env().await);
    let t = TenantId::new("dup-co").unwrap();
    let (t, c): (TenantId, ConnectionId) = env
        .connect_in(store.as_ref(), &t, env.settings(50, no_limits()))
        .await
        .unwrap();
    // Two Roumumate rows carry 社員番号 0001 (a re-hire entered twice): one page, one key.
    env.sandbox
        .roumumate()
        .upsert(
            ROUMUMATE_TOKEN,
            vec![
                employee("a", "0001", "山田", "太郎"),
                employee("b", "0001", "山田", "次郎"),
                employee("c", "0002", "佐藤", "花子"),
            ],
        )
        .unwrap();
    let hook = RandomStall {
        clock: env.clock.clone(),
        rng: Mutex::new(fastrand::Rng::with_seed(0)),
        p: 0.0,
    };
    let outcome = run_engine(env.clone(), store, RunRequest::manual(t, c), hook).await;
    let Outcome::Ran(run) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        run.status,
        RunStatus::Succeeded,
        "BatchGet/BatchWrite accept the page: {run:?}"
    );
    let m = members(&env);
    assert_eq!(m.len(), 2);
    assert_eq!(m["0001"]["name"], "山田 次郎", "the last change wins");
    dynamo.delete_table().await.unwrap();
}
