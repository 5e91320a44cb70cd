//! The conformance kit: the properties every connector keeps, written once and run on any
//! connector through a [`Subject`] (the model is Vector's `run_and_assert_source_compliance`).
//!
//! - [`crash_at_every_step`]: a crash at every [`Step`] (the subject's [`Subject::crashes`]),
//!   the lease left to expire, and one more run leave the target as a clean run leaves it;
//! - [`rerun_writes_nothing`]: a run after a run has nothing to write;
//! - [`dry_run`]: a dry run writes nothing and counts what the real run then does;
//! - [`no_change_run_writes_nothing`]: a run after the source was touched but not changed
//!   writes nothing.
//!
//! [`check`] runs them all. Each also runs alone, so that a connector's own test can call the
//! one it used to spell out and keep its extra assertions beside the call
//! ([`crash_at_every_step_then`] hands every rerun to them). [`RoumumateKaonavi`] (C2) and
//! [`Example`] (tests/support/example) are subjects here; each connector's test file
//! describes its own.

use crate::example::{self, Person};
use crate::{CrashAt, KAONAVI_KEY, ROUMUMATE_TOKEN, STEPS, SandboxEnv};
use chrono::Duration;
use renkei_core::engine::{NoHook, Outcome, RunRecord, RunRequest, RunStatus, Step, StepHook};
use renkei_core::repo::Repo;
use renkei_core::{Clock, ConnectionId, TenantId};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Debug;

/// How long after a crash the next run comes: past the crashed process's lease.
pub const LEASE_EXPIRY: Duration = Duration::minutes(10);

/// A connector under test: how to make a world for it, run it, and read its target.
#[allow(async_fn_in_trait)] // the kit drives it in place, never behind `dyn` nor across threads
pub trait Subject {
    /// What the source is seeded with.
    type Seed: ?Sized;
    /// One environment of the connector: its sandbox, its connection, what its checks need.
    type World;
    /// What the target holds, comparable between worlds (no vendor ids, no times).
    type Target: PartialEq + Debug;

    /// The target's name, for messages ("Kaonavi").
    fn target_name(&self) -> &'static str {
        "target"
    }

    /// A fresh world: a sandbox, a connection made and its source holding `seed`; no run yet.
    async fn world(&self, seed: &Self::Seed) -> Self::World;

    /// The sandbox the world runs in (the kit moves its clock past a crashed run's lease).
    fn env<'w>(&self, w: &'w Self::World) -> &'w SandboxEnv;

    /// One sync of the world's connection through the backend under `hook` (a dry run when
    /// `dry_run`), moving the clock as the connector's runs need (due, a minute later): what
    /// the backend answered.
    async fn sync(
        &self,
        w: &Self::World,
        dry_run: bool,
        hook: &dyn StepHook,
    ) -> Result<Outcome, String>;

    /// What the target holds now.
    fn target(&self, w: &Self::World) -> Self::Target;

    /// Calls that wrote to the target so far (a vendor's own dry-run checks not counted),
    /// where the target counts them.
    async fn writes(&self, _w: &Self::World) -> Option<u64> {
        None
    }

    /// Touches every seeded record at the source without changing it (a source that cannot
    /// be touched: nothing).
    async fn touch(&self, _w: &Self::World, _seed: &Self::Seed) {}

    /// Where [`crash_at_every_step`] crashes: (step, n-th arrival at it). Every step, the
    /// first and the second time.
    fn crashes(&self) -> Vec<(Step, usize)> {
        STEPS
            .into_iter()
            .flat_map(|step| [(step, 1), (step, 2)])
            .collect()
    }
}

/// One crash of [`crash_at_every_step`] and the run after it.
#[derive(Debug)]
pub struct Crashed {
    /// Where it crashed.
    pub step: Step,
    /// At which arrival at `step` (1-based).
    pub nth: usize,
    /// What the crashed run answered (`Err` when the crash struck: the run may have ended
    /// before its `nth` arrival).
    pub crashed: Result<Outcome, String>,
    /// The run after the lease expired.
    pub rerun: RunRecord,
}

impl Crashed {
    /// `{step:?}/{nth}`, for messages.
    pub fn label(&self) -> String {
        format!("{:?}/{}", self.step, self.nth)
    }

    /// P3's run states after the crash and the takeover, for any connector: no run of the
    /// connection is left `running`, and a run that crashed after opening reads
    /// `interrupted`. Nothing to check when the crash never struck.
    pub async fn assert_run_states(&self, env: &SandboxEnv, t: &TenantId, c: &ConnectionId) {
        if self.crashed.is_ok() {
            return;
        }
        let runs = Repo::new(&env.backend.store).runs(t, c).await.unwrap();
        let statuses: Vec<_> = runs.iter().map(|r| r.status).collect();
        assert!(
            !statuses.contains(&RunStatus::Running),
            "no run left 'running': {statuses:?}"
        );
        if !matches!(self.step, Step::LeaseTaken) {
            assert!(
                statuses.contains(&RunStatus::Interrupted),
                "the crashed run is marked interrupted: {statuses:?}"
            );
        }
    }
}

/// The run a sync made; panics with `what` when it did not run.
pub fn ran(outcome: Result<Outcome, String>, what: &str) -> RunRecord {
    match outcome {
        Ok(Outcome::Ran(r)) => r,
        other => panic!("{what} did not run: {other:?}"),
    }
}

/// A world, its first (clean) run and what the target then holds.
pub async fn clean<S: Subject>(s: &S, seed: &S::Seed) -> (S::World, RunRecord, S::Target) {
    let w = s.world(seed).await;
    let run = ran(s.sync(&w, false, &NoHook).await, "a clean run");
    let target = s.target(&w);
    (w, run, target)
}

/// Every property of the kit on `s` seeded with `seed` (the dry run last: a connector that
/// writes in a dry run has passed the rest when it fails there).
pub async fn check<S: Subject>(s: &S, seed: &S::Seed) {
    let (_, run, _) = clean(s, seed).await;
    assert!(
        run.counts.created + run.counts.updated > 0,
        "the seed gives a clean run something to write: {run:?}"
    );
    crash_at_every_step(s, seed).await;
    rerun_writes_nothing(s, seed).await;
    no_change_run_writes_nothing(s, seed).await;
    dry_run(s, seed).await;
}

/// A crash at each of the subject's [`Subject::crashes`], in a fresh world each; the lease
/// expires and the next run finishes, leaving the target as a clean run leaves it. What the
/// clean run left.
pub async fn crash_at_every_step<S: Subject>(s: &S, seed: &S::Seed) -> S::Target {
    crash_at_every_step_then(s, seed, async |_: &S::World, _: &Crashed| {}).await
}

/// [`crash_at_every_step`], handing each world and its crash to `also` (the connector's own
/// assertions) before the target is compared.
pub async fn crash_at_every_step_then<S, F>(s: &S, seed: &S::Seed, also: F) -> S::Target
where
    S: Subject,
    F: AsyncFn(&S::World, &Crashed),
{
    let (_, _, expected) = clean(s, seed).await;
    for (step, nth) in s.crashes() {
        let w = s.world(seed).await;
        let crashed = s.sync(&w, false, &CrashAt::new(step, nth)).await;
        // The crashed process's lease expires; the next run takes over and finishes.
        s.env(&w).clock.advance(LEASE_EXPIRY);
        let outcome = s.sync(&w, false, &NoHook).await.expect("the rerun runs");
        let Outcome::Ran(rerun) = outcome else {
            panic!("rerun after crash at {step:?} (#{nth}) was skipped: {outcome:?}")
        };
        let crash = Crashed {
            step,
            nth,
            crashed,
            rerun,
        };
        also(&w, &crash).await;
        assert_eq!(
            s.target(&w),
            expected,
            "crash at {step:?} (#{nth}) then a rerun: the {} holds what a clean run leaves",
            s.target_name()
        );
    }
    expected
}

/// A clean run, then another: the second writes nothing. The second run.
pub async fn rerun_writes_nothing<S: Subject>(s: &S, seed: &S::Seed) -> RunRecord {
    let (w, _, _) = clean(s, seed).await;
    unchanged_run(s, &w, "an idempotent rerun").await
}

/// A clean run; the source touched, nothing changed; the next run writes nothing. That run.
pub async fn no_change_run_writes_nothing<S: Subject>(s: &S, seed: &S::Seed) -> RunRecord {
    let (w, _, _) = clean(s, seed).await;
    s.touch(&w, seed).await;
    unchanged_run(s, &w, "a no-change run").await
}

/// One more run of `w` that must write nothing (`what` names it in messages): no write call,
/// nothing created or updated, the target as it was. That run.
pub async fn unchanged_run<S: Subject>(s: &S, w: &S::World, what: &str) -> RunRecord {
    let (target, writes) = (s.target(w), s.writes(w).await);
    let run = ran(s.sync(w, false, &NoHook).await, what);
    assert_eq!(
        s.writes(w).await,
        writes,
        "{what}: 0 {} write calls",
        s.target_name()
    );
    assert_eq!(
        run.counts.created + run.counts.updated,
        0,
        "{what}: nothing created or updated: {run:?}"
    );
    assert_eq!(
        s.target(w),
        target,
        "{what}: the {} is as it was",
        s.target_name()
    );
    run
}

/// A dry run in a fresh world writes nothing. The world and the dry run.
pub async fn dry_run_writes_nothing<S: Subject>(s: &S, seed: &S::Seed) -> (S::World, RunRecord) {
    let w = s.world(seed).await;
    let (target, writes) = (s.target(&w), s.writes(&w).await);
    let dry = ran(s.sync(&w, true, &NoHook).await, "a dry run");
    assert_eq!(
        s.writes(&w).await,
        writes,
        "a dry run: 0 {} write calls",
        s.target_name()
    );
    assert_eq!(
        s.target(&w),
        target,
        "a dry run writes nothing to the {}",
        s.target_name()
    );
    (w, dry)
}

/// [`dry_run_writes_nothing`], then a real run: it counts what the dry run counted (the dry
/// run moved no cursor and stored no hash). The world, the dry run and the real run.
pub async fn dry_run<S: Subject>(s: &S, seed: &S::Seed) -> (S::World, RunRecord, RunRecord) {
    let (w, dry) = dry_run_writes_nothing(s, seed).await;
    let real = ran(s.sync(&w, false, &NoHook).await, "the run after a dry run");
    assert_eq!(
        real.counts, dry.counts,
        "the dry run counted what the real run does (it moved no cursor)"
    );
    (w, dry, real)
}

// ---------------------------------------------------------------- subjects

/// A person's run of `t/c` a minute after the last (a dry run when `dry_run`), under `hook`:
/// how most subjects [`Subject::sync`].
pub async fn a_minute_later(
    env: &SandboxEnv,
    t: &TenantId,
    c: &ConnectionId,
    dry_run: bool,
    hook: &dyn StepHook,
) -> Result<Outcome, String> {
    env.clock.advance(Duration::minutes(1));
    let req = RunRequest {
        dry_run,
        ..RunRequest::manual(t.clone(), c.clone())
    };
    env.backend.run(&req, hook).await
}

/// A world of one connection in the sandbox.
pub struct Connected {
    /// The sandbox and backend.
    pub env: SandboxEnv,
    /// The connection's tenant.
    pub t: TenantId,
    /// The connection.
    pub c: ConnectionId,
}

/// C2 roumumate-kaonavi, seeded with Roumumate employees (e.g. [`crate::employee`]), synced on
/// schedule (made due as the dispatcher would); its dry run is a person's.
pub struct RoumumateKaonavi {
    /// Records per page.
    pub page_size: u32,
}

impl Subject for RoumumateKaonavi {
    type Seed = [Value];
    type World = Connected;
    /// Kaonavi's members by code.
    type Target = BTreeMap<String, Value>;

    fn target_name(&self) -> &'static str {
        "Kaonavi"
    }

    async fn world(&self, seed: &[Value]) -> Connected {
        let env = crate::env().await;
        let (t, c) = env
            .connect(env.settings(self.page_size, crate::no_limits()))
            .await
            .expect("connects");
        env.sandbox
            .roumumate()
            .upsert(ROUMUMATE_TOKEN, seed.to_vec())
            .expect("seeded");
        Connected { env, t, c }
    }

    fn env<'w>(&self, w: &'w Connected) -> &'w SandboxEnv {
        &w.env
    }

    async fn sync(
        &self,
        w: &Connected,
        dry_run: bool,
        hook: &dyn StepHook,
    ) -> Result<Outcome, String> {
        let req = if dry_run {
            RunRequest {
                dry_run,
                ..RunRequest::manual(w.t.clone(), w.c.clone())
            }
        } else {
            crate::make_due(&w.env, &w.t, &w.c).await;
            RunRequest::scheduled(w.t.clone(), w.c.clone(), None)
        };
        w.env.backend.run(&req, hook).await
    }

    fn target(&self, w: &Connected) -> Self::Target {
        crate::members(&w.env)
    }

    /// Kaonavi's write calls but its `Dry-Run: 1` checks (a dry run's writes: they change
    /// nothing, and Kaonavi counts them as writes).
    async fn writes(&self, w: &Connected) -> Option<u64> {
        let all = w.env.sandbox.kaonavi().stats(KAONAVI_KEY)["writes"].as_u64()?;
        let url = format!(
            "http://{}/_control/kaonavi/companies/{KAONAVI_KEY}/requests",
            w.env.addr
        );
        let journal: Value = reqwest::get(url)
            .await
            .expect("Kaonavi's control API answers")
            .json()
            .await
            .expect("JSON");
        let checks = journal["requests"]
            .as_array()
            .expect("the calls Kaonavi saw")
            .iter()
            .filter(|call| call["dry_run"] == true)
            .count() as u64;
        Some(all - checks)
    }

    async fn touch(&self, w: &Connected, seed: &[Value]) {
        w.env
            .sandbox
            .roumumate()
            .upsert(ROUMUMATE_TOKEN, seed.to_vec())
            .expect("touched");
    }
}

/// The example connector (tests/support/example) on a sandbox that runs it, seeded with
/// people at its in-memory source; runs are a person's.
pub struct Example;

/// A world of the example connector.
pub struct ExampleWorld {
    /// The sandbox and backend.
    pub env: SandboxEnv,
    /// The example connector's source and target.
    pub world: example::World,
    /// The connection's tenant.
    pub t: TenantId,
    /// The connection.
    pub c: ConnectionId,
}

impl Subject for Example {
    type Seed = [Person];
    type World = ExampleWorld;
    /// The target's people by id (a write is an upsert).
    type Target = BTreeMap<String, String>;

    async fn world(&self, seed: &[Person]) -> ExampleWorld {
        let (env, world) = crate::env_with_example().await;
        let now = env.clock.now();
        let (t, c) = example::connect(
            &env.backend.store,
            &env.backend.secrets,
            "example-co",
            "example",
            now,
        )
        .await;
        *world.source.lock().unwrap() = seed.to_vec();
        ExampleWorld { env, world, t, c }
    }

    fn env<'w>(&self, w: &'w ExampleWorld) -> &'w SandboxEnv {
        &w.env
    }

    async fn sync(
        &self,
        w: &ExampleWorld,
        dry_run: bool,
        hook: &dyn StepHook,
    ) -> Result<Outcome, String> {
        a_minute_later(&w.env, &w.t, &w.c, dry_run, hook).await
    }

    fn target(&self, w: &ExampleWorld) -> Self::Target {
        w.world
            .written
            .lock()
            .unwrap()
            .iter()
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect()
    }

    async fn writes(&self, w: &ExampleWorld) -> Option<u64> {
        Some(w.world.written.lock().unwrap().len() as u64)
    }

    async fn touch(&self, w: &ExampleWorld, seed: &[Person]) {
        *w.world.source.lock().unwrap() = seed.to_vec();
    }
}
