//! What a run costs the state store when nothing changed (P3, issue 14 goal 3): pages that
//! change nothing are not committed one by one, yet their cursor is committed before the
//! deadline so a continuation goes on. Driven through C2, a connector with many pages.

use renkei_core::engine::{Outcome, RunRequest, RunStatus};
use renkei_core::repo::Repo;
use renkei_core::{Clock, ConnectionId, TenantId};
use renkei_e2e::*;

const C2: &str = renkei_connectors::roumumate_kaonavi::NAME;

/// 200 employees synced in pages of 20, then every one touched at Roumumate and none
/// changed: ten pages of nothing to write, 15 minutes later.
async fn synced_then_touched() -> (SandboxEnv, TenantId, ConnectionId) {
    let env = env().await;
    let (t, c) = env.connect(env.settings(20, no_limits())).await.unwrap();
    let touch = || {
        env.sandbox
            .roumumate_upsert(ROUMUMATE_TOKEN, renkei_testbed::seed::employees(200, 3))
    };
    touch().unwrap();
    env.next_slot(&t, &c).await.unwrap();
    touch().unwrap();
    env.clock.advance(chrono::Duration::minutes(15));
    (env, t, c)
}

#[tokio::test]
async fn p3_a_run_that_changes_nothing_commits_its_cursor_once_not_per_page() {
    let (env, t, c) = synced_then_touched().await;
    let metered = renkei_core::meter::Metered::new(&env.backend.store);
    let ports = renkei_core::engine::Ports {
        store: &metered,
        ..env.backend.ports()
    };
    let factory = env.backend.registry.get(C2).unwrap();
    let outcome = renkei_core::engine::Engine::new(
        ports,
        env.backend.config.clone(),
        &renkei_core::engine::NoHook,
    )
    .run(&RunRequest::manual(t.clone(), c.clone()), factory.as_ref())
    .await
    .unwrap();
    let Outcome::Ran(run) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        (run.status, run.counts.unchanged),
        (RunStatus::Succeeded, 200)
    );
    let written = metered.written();
    let count = |p: &str| written.iter().filter(|k| k.starts_with(p)).count();
    assert_eq!(count("CURSOR"), 1, "{written:?}");
    assert_eq!(count("H#"), 0, "no hash rewritten: {written:?}");
    assert!(
        count("LEASE") <= 2,
        "taken and released, not renewed per page: {written:?}"
    );
    assert!(written.len() <= 8, "{written:?}");
    // The next run starts where this one ended: nothing is read twice as new.
    let cp = Repo::new(&env.backend.store)
        .checkpoint(&t, &c)
        .await
        .unwrap();
    assert_eq!(cp.and_then(|c| c.cursor), run.cursor_to);
}

/// Moves the clock on by a minute at every page, as a slow source would.
struct SlowPages(std::sync::Arc<renkei_core::clock::ManualClock>);

impl renkei_core::engine::StepHook for SlowPages {
    fn reached(&self, step: renkei_core::engine::Step) -> Result<(), renkei_core::engine::Crash> {
        if step == renkei_core::engine::Step::Pulled {
            self.0.advance(chrono::Duration::minutes(1));
        }
        Ok(())
    }
}

#[tokio::test]
async fn p4_pages_that_changed_nothing_are_committed_before_the_deadline_so_a_continuation_goes_on()
{
    let (env, t, c) = synced_then_touched().await;
    let mut req = RunRequest::manual(t.clone(), c.clone());
    req.deadline = Some(env.clock.now() + chrono::Duration::minutes(5));
    let Outcome::Ran(run) = env
        .backend
        .run(&req, &SlowPages(env.clock.clone()))
        .await
        .unwrap()
    else {
        panic!("did not run")
    };
    assert_eq!(run.status, RunStatus::Continued, "{run:?}");
    let cp = Repo::new(&env.backend.store)
        .checkpoint(&t, &c)
        .await
        .unwrap()
        .and_then(|c| c.cursor);
    assert!(cp.is_some(), "the pages read were committed");
    assert_eq!(cp, run.cursor_to, "where the continuation starts");
    assert_eq!(run.stalled_segments, 0, "progress was made");
}
