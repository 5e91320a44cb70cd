//! P3/P5/P6 under concurrency: runs that stall past their lease, disconnects with a run in
//! flight, dispatcher ticks over a run in flight or a throttled backlog, dry runs that take
//! long, and a due index with a broken item. Each test fails on an engine whose lease is a
//! hint rather than a fencing token.

use chrono::Duration;
use renkei_core::engine::{NoHook, Outcome, RunRequest, RunStatus, Step};
use renkei_core::ports::{Item, Key, StateStore};
use renkei_core::repo::Repo;
use renkei_core::{Clock, ConnectionId, TenantId};
use renkei_e2e::*;
use serde_json::{Value, json};
use std::sync::Arc;

fn seed(n: usize, first: &str) -> Vec<Value> {
    (1..=n)
        .map(|i| employee(&format!("e{i}"), &format!("{i:04}"), "山田", first))
        .collect()
}

fn writes(env: &SandboxEnv) -> u64 {
    env.sandbox.kaonavi().stats(KAONAVI_KEY)["writes"]
        .as_u64()
        .unwrap_or(0)
}

/// A C2 connection with `n` employees pending, due now, in pages of `page`.
async fn due_connection(n: usize, page: u32) -> (Arc<SandboxEnv>, TenantId, ConnectionId) {
    let env = env().await;
    let mut settings = env.settings(page, no_limits());
    settings.task_poll_ms = 1;
    let (t, c) = env.connect(settings).await.unwrap();
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, seed(n, "太郎"))
        .unwrap();
    make_due(&env, &t, &c).await;
    (Arc::new(env), t, c)
}

/// Starts a scheduled run on its own task, frozen at the n-th arrival at `step`.
fn stalled_run(
    env: &Arc<SandboxEnv>,
    t: &TenantId,
    c: &ConnectionId,
    step: Step,
    nth: usize,
) -> (tokio::task::JoinHandle<Outcome>, StallControl) {
    let (stall, control) = Stall::at(step, nth);
    let (env, req) = (
        env.clone(),
        RunRequest::scheduled(t.clone(), c.clone(), None),
    );
    let task = tokio::spawn(async move { env.backend.run(&req, &stall).await.unwrap() });
    (task, control)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn p5_a_run_that_stalls_past_its_lease_writes_nothing_more_and_the_newer_run_wins() {
    let (env, t, c) = due_connection(10, 5).await;
    // The first run commits page 1, pulls page 2 and freezes before writing it.
    let (first, stalled) = stalled_run(&env, &t, &c, Step::Pulled, 2);
    stalled.frozen().await;
    // Meanwhile the employees change, the lease expires and a second run does everything.
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, seed(10, "次郎"))
        .unwrap();
    env.clock.advance(Duration::minutes(6));
    let second = env
        .backend
        .run(&RunRequest::scheduled(t.clone(), c.clone(), None), &NoHook)
        .await
        .unwrap();
    let Outcome::Ran(second) = second else {
        panic!("the second run takes the expired lease over: {second:?}")
    };
    assert_eq!(second.status, RunStatus::Succeeded);
    let writes_after_second = writes(&env);
    let checkpoint_after_second = Repo::new(&env.backend.store)
        .checkpoint(&t, &c)
        .await
        .unwrap();
    let items_after_second = connection_items(&env.backend.store, &t, &c).await;

    // The stalled run wakes up: it must find its fence broken and stop.
    stalled.release();
    let outcome = first.await.unwrap();
    assert!(matches!(outcome, Outcome::Fenced(_)), "{outcome:?}");
    assert_eq!(
        writes(&env),
        writes_after_second,
        "not one more vendor write"
    );
    assert_eq!(
        Repo::new(&env.backend.store)
            .checkpoint(&t, &c)
            .await
            .unwrap(),
        checkpoint_after_second,
        "the newer checkpoint stands"
    );
    let items_now = connection_items(&env.backend.store, &t, &c).await;
    assert_eq!(
        items_now
            .iter()
            .map(|i| (&i.key, &i.body))
            .collect::<Vec<_>>(),
        items_after_second
            .iter()
            .map(|i| (&i.key, &i.body))
            .collect::<Vec<_>>(),
        "nothing more in the store: no hashes, cursor or run record of the stale run"
    );
    let m = members(&env);
    assert_eq!(m.len(), 10, "no duplicates");
    assert!(
        m.values().all(|v| v["name"] == "山田 次郎"),
        "Kaonavi ends with the newest data"
    );
    let runs = Repo::new(&env.backend.store).runs(&t, &c).await.unwrap();
    assert!(
        runs.iter().all(|r| r.counts.rejected == 0),
        "no false rejections"
    );
    let statuses: Vec<_> = runs.iter().map(|r| r.status).collect();
    assert!(
        statuses.contains(&RunStatus::Interrupted) && !statuses.contains(&RunStatus::Running),
        "the stale run is told as interrupted, none stays running: {statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn p10_disconnect_during_a_run_leaves_nothing_of_the_connection() {
    let (env, t, c) = due_connection(10, 5).await;
    let (run, stalled) = stalled_run(&env, &t, &c, Step::Pulled, 2);
    stalled.frozen().await;
    renkei_core::admin::disconnect(
        &env.backend.store,
        &env.backend.secrets,
        env.clock.as_ref(),
        &t,
        &c,
        renkei_core::ports::SecretDeletion::Recoverable(Default::default()),
    )
    .await
    .unwrap();
    let writes_at_disconnect = writes(&env);
    stalled.release();
    let outcome = run.await.unwrap();
    assert!(matches!(outcome, Outcome::Fenced(_)), "{outcome:?}");
    assert_eq!(
        writes(&env),
        writes_at_disconnect,
        "no vendor write after disconnect"
    );
    let left = connection_items(&env.backend.store, &t, &c).await;
    assert!(
        left.is_empty(),
        "nothing of the connection exists: {:?}",
        left.iter().map(|i| &i.key.sk).collect::<Vec<_>>()
    );
    assert!(
        Repo::new(&env.backend.store)
            .connection(&t, &c)
            .await
            .unwrap()
            .is_none(),
        "the connection itself is gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn p5_ten_dispatcher_ticks_over_a_run_in_flight_or_a_throttled_backlog_make_exactly_one_run()
{
    let (env, t, c) = due_connection(4, 50).await;
    let tick = || async {
        renkei_core::dispatch::dispatch_due(
            &env.backend.store,
            &env.backend.bus,
            env.clock.as_ref(),
            "renkei",
            env.backend.config.claim_ttl,
        )
        .await
        .unwrap()
    };
    // Throttled: ten ticks a minute apart, no event delivered yet.
    let mut requests = Vec::new();
    for _ in 0..10 {
        requests.extend(tick().await);
        env.clock.advance(Duration::minutes(1));
    }
    assert_eq!(requests.len(), 1, "a due connection is handed out once");
    // EventBridge delivers the one event twice (a retry); both copies arrive late.
    let events = env.backend.bus.drain();
    let claim = events[0].detail["claim"].as_str().map(str::to_string);
    let req = RunRequest::scheduled(t.clone(), c.clone(), claim);
    let first = env.backend.run(&req, &NoHook).await.unwrap();
    assert!(
        matches!(first, Outcome::Ran(ref r) if r.status == RunStatus::Succeeded),
        "{first:?}"
    );
    let again = env.backend.run(&req, &NoHook).await.unwrap();
    assert!(
        matches!(again, Outcome::Skipped(ref why) if why.contains("claim")),
        "a retried event of a finished run does not run it again: {again:?}"
    );
    // In flight: a run frozen mid-page while the dispatcher keeps ticking.
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, seed(4, "次郎"))
        .unwrap();
    make_due(&env, &t, &c).await;
    let handed = tick().await;
    assert_eq!(handed.len(), 1);
    let (stall, control) = Stall::at(Step::Pulled, 1);
    let claim = handed[0].trigger.claim().map(str::to_string);
    let (env2, t2, c2) = (env.clone(), t.clone(), c.clone());
    let run = tokio::spawn(async move {
        env2.backend
            .run(&RunRequest::scheduled(t2, c2, claim), &stall)
            .await
            .unwrap()
    });
    control.frozen().await;
    let mut more = Vec::new();
    for _ in 0..9 {
        env.clock.advance(Duration::seconds(50));
        more.extend(tick().await);
    }
    control.release();
    assert!(matches!(run.await.unwrap(), Outcome::Ran(_)));
    assert!(
        more.is_empty(),
        "no second hand-out while the first is in flight: {more:?}"
    );
    let runs = Repo::new(&env.backend.store).runs(&t, &c).await.unwrap();
    assert_eq!(runs.len(), 2, "exactly one run per hand-out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn p11_a_dry_run_keeps_its_lease_alive_page_after_page() {
    let (env, t, c) = due_connection(12, 3).await;
    let (store, clock) = (env.backend.store.clone(), env.clock.clone());
    let (t2, c2) = (t.clone(), c.clone());
    let held = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = held.clone();
    // Every page takes four minutes, more than half the five-minute lease.
    let probe = Probe(move |step| {
        if step == Step::Pulled {
            clock.advance(Duration::minutes(4));
        }
        if step == Step::Written {
            let lease = tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(Repo::new(&store).lease(&t2, &c2))
            })
            .unwrap()
            .unwrap();
            seen.lock().unwrap().push(lease.expires_at > clock.now());
        }
    });
    let mut req = RunRequest::manual(t.clone(), c.clone());
    req.dry_run = true;
    let outcome = env.backend.run(&req, &probe).await.unwrap();
    assert!(
        matches!(outcome, Outcome::Ran(ref r) if r.status == RunStatus::Succeeded),
        "{outcome:?}"
    );
    let held = held.lock().unwrap().clone();
    assert_eq!(held.len(), 4, "four pages");
    assert!(
        held.iter().all(|h| *h),
        "the lease never lapsed mid-run: {held:?}"
    );
}

#[tokio::test]
async fn p6_an_undecodable_due_item_is_skipped_and_everyone_else_is_scheduled() {
    let env = env().await;
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    make_due(&env, &t, &c).await;
    let mut broken = Item::new(
        Key::new("T#other-co", "CONN#broken"),
        json!({"connector": 42, "settings": "not a connection"}),
    );
    broken.due_at = Some(env.clock.now().timestamp() - 60);
    env.backend
        .store
        .put(broken, renkei_core::ports::Condition::Always)
        .await
        .unwrap();
    let requests = renkei_core::dispatch::dispatch_due(
        &env.backend.store,
        &env.backend.bus,
        env.clock.as_ref(),
        "renkei",
        env.backend.config.claim_ttl,
    )
    .await
    .expect("one broken item does not fail the tick");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].connection_id, c);
}

/// A bus that takes `seconds` of the manual clock per publish and fails from publish
/// number `fail_from` on (counting from 1); it records the size of every batch it took.
struct SlowBus {
    clock: Arc<renkei_core::ManualClock>,
    seconds: i64,
    fail_from: usize,
    batches: std::sync::Mutex<Vec<usize>>,
}

#[async_trait::async_trait]
impl renkei_core::ports::EventBus for SlowBus {
    async fn publish(
        &self,
        events: &[renkei_core::ports::BusEvent],
    ) -> Result<(), renkei_core::ports::BusError> {
        self.clock.advance(Duration::seconds(self.seconds));
        let mut batches = self.batches.lock().unwrap();
        if batches.len() + 1 >= self.fail_from {
            return Err(renkei_core::ports::BusError::Unavailable("bus down".into()));
        }
        batches.push(events.len());
        Ok(())
    }
}

/// `n` C2 connections of 100 tenants, automation on, due a minute ago.
async fn fleet(env: &SandboxEnv, n: usize) {
    let repo = Repo::new(&env.backend.store);
    let due = env.clock.now() - Duration::minutes(1);
    for i in 0..n {
        let conn = renkei_core::repo::Connection::new(
            TenantId::new(format!("fleet-{:03}", i % 100)).unwrap(),
            ConnectionId::new(format!("conn-{i:04}")).unwrap(),
            renkei_connectors::roumumate_kaonavi::NAME,
            json!({}),
            renkei_core::Cadence::AlignedMinutes { minutes: 15 },
            due,
            due,
        );
        repo.put_connection(&conn, None).await.unwrap();
    }
}

async fn still_due(env: &SandboxEnv) -> usize {
    Repo::new(&env.backend.store)
        .due_connections(env.clock.now())
        .await
        .unwrap()
        .connections
        .len()
}

#[tokio::test]
async fn p5_a_fleet_goes_out_round_by_round_and_what_the_deadline_leaves_is_due_at_the_next_tick() {
    use renkei_core::dispatch::{ROUND, dispatch_due, dispatch_due_until};
    let env = env().await;
    let n = 2 * ROUND + 5;
    fleet(&env, n).await;
    // Each round's events take 40 s to publish; the dispatcher must stop claiming 60 s in.
    let bus = SlowBus {
        clock: env.clock.clone(),
        seconds: 40,
        fail_from: usize::MAX,
        batches: Default::default(),
    };
    let stop = env.clock.now() + Duration::seconds(60);
    let claim_ttl = env.backend.config.claim_ttl;
    let sent = dispatch_due_until(
        &env.backend.store,
        &bus,
        env.clock.as_ref(),
        "renkei",
        claim_ttl,
        Some(stop),
    )
    .await
    .unwrap();
    // Round one at 0 s, round two at 40 s; at 80 s no third round is started.
    assert_eq!(*bus.batches.lock().unwrap(), vec![ROUND, ROUND]);
    assert_eq!(sent.len(), 2 * ROUND);
    assert_eq!(
        still_due(&env).await,
        5,
        "what was not reached is unclaimed and still due"
    );
    let next = dispatch_due(
        &env.backend.store,
        &bus,
        env.clock.as_ref(),
        "renkei",
        claim_ttl,
    )
    .await
    .unwrap();
    assert_eq!(next.len(), 5, "the next tick sends exactly the rest");
    let mut all: Vec<_> = sent.iter().chain(&next).map(|r| &r.connection_id).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "every connection was sent once");
}

#[tokio::test]
async fn p5_a_bus_that_refuses_ends_the_tick_and_leaves_the_unclaimed_rest_due() {
    use renkei_core::dispatch::{ROUND, dispatch_due};
    let env = env().await;
    fleet(&env, 2 * ROUND + 5).await;
    let bus = SlowBus {
        clock: env.clock.clone(),
        seconds: 0,
        fail_from: 2,
        batches: Default::default(),
    };
    let tick = dispatch_due(
        &env.backend.store,
        &bus,
        env.clock.as_ref(),
        "renkei",
        env.backend.config.claim_ttl,
    )
    .await;
    assert!(
        matches!(tick, Err(renkei_core::dispatch::DispatchError::Bus(_))),
        "the tick says it failed: {tick:?}"
    );
    assert_eq!(*bus.batches.lock().unwrap(), vec![ROUND]);
    // The second round was claimed and not announced (its claims expire and it goes out
    // again); the third was never claimed and stays due.
    assert_eq!(still_due(&env).await, 5);
}
