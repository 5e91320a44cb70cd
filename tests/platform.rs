//! Platform guarantees (P2–P8) exercised through the C2 connector against the sandbox:
//! crash injection at every step boundary, injected faults, notifications, the dispatcher.

use chrono::Duration;
use renkei_core::engine::{Outcome, RunRequest, RunStatus, Step};
use renkei_core::repo::{Automation, Repo};
use renkei_core::{Clock, ConnectionId, TenantId};
use renkei_e2e::conformance::{self, Connected, Crashed, RoumumateKaonavi};
use renkei_e2e::*;
use renkei_sandbox::{CompanySetup, Faults};
use serde_json::Value;

fn request(t: &TenantId, c: &ConnectionId) -> RunRequest {
    RunRequest::scheduled(t.clone(), c.clone(), None)
}

fn seed(n: usize) -> Vec<Value> {
    (1..=n)
        .map(|i| employee(&format!("e{i}"), &format!("{i:04}"), "山田", "太郎"))
        .collect()
}

#[tokio::test]
async fn p3_crash_at_every_step_boundary_then_rerun_leaves_exactly_the_expected_members() {
    let subject = RoumumateKaonavi { page_size: 7 };
    conformance::crash_at_every_step_then(
        &subject,
        &seed(20),
        async |w: &Connected, crash: &Crashed| {
            let (env, t, c) = (&w.env, &w.t, &w.c);
            let (step, nth, run) = (crash.step, crash.nth, &crash.rerun);
            assert_eq!(run.status, RunStatus::Succeeded, "{step:?}/{nth}");
            let m = members(env);
            assert_eq!(
                m.len(),
                20,
                "crash at {step:?} (#{nth}): every employee exactly once"
            );
            assert!((1..=20).all(|i| m.contains_key(&format!("{i:04}"))));
            crash.assert_run_states(env, t, c).await;
        },
    )
    .await;
}

#[tokio::test]
async fn p5_a_held_lease_skips_a_second_run() {
    let env = env().await;
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    make_due(&env, &t, &c).await;
    let hook = CrashAt::new(Step::RunOpened, 1);
    assert!(env.backend.run(&request(&t, &c), &hook).await.is_err());
    let second = env
        .backend
        .run(&request(&t, &c), &renkei_core::engine::NoHook)
        .await
        .unwrap();
    assert!(
        matches!(second, Outcome::Skipped(ref why) if why.contains("lease")),
        "{second:?}"
    );
}

#[tokio::test]
async fn p3_a_run_reads_as_running_before_it_writes_a_record_and_is_interrupted_if_it_dies_then() {
    let env = env().await;
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    make_due(&env, &t, &c).await;
    let repo = Repo::new(&env.backend.store);
    let before = repo.runs(&t, &c).await.unwrap().len();
    // The run opens (no record written: its lease carries the opening) and its process dies.
    let hook = CrashAt::new(Step::RunOpened, 1);
    assert!(env.backend.run(&request(&t, &c), &hook).await.is_err());
    let runs = repo.runs(&t, &c).await.unwrap();
    assert_eq!(runs.len(), before + 1, "{runs:?}");
    let open = runs.last().unwrap();
    assert_eq!(
        (open.status, open.connector.as_str()),
        (RunStatus::Running, "roumumate-kaonavi")
    );
    assert_eq!(
        repo.run(&t, &c, &open.run_id).await.unwrap().as_ref(),
        Some(open),
        "the same run by its id"
    );
    // Its lease expires; the next run takes over, tells it as interrupted and runs.
    env.clock.advance(Duration::minutes(10));
    make_due(&env, &t, &c).await;
    let next = env
        .backend
        .run(&request(&t, &c), &renkei_core::engine::NoHook)
        .await
        .unwrap();
    assert!(
        matches!(next, Outcome::Ran(ref r) if r.status == RunStatus::Succeeded),
        "{next:?}"
    );
    let dead = repo.run(&t, &c, &open.run_id).await.unwrap().unwrap();
    assert_eq!(dead.status, RunStatus::Interrupted);
    assert!(dead.finished_at.is_some());
    let statuses: Vec<_> = repo
        .runs(&t, &c)
        .await
        .unwrap()
        .iter()
        .map(|r| r.status)
        .collect();
    assert!(!statuses.contains(&RunStatus::Running), "{statuses:?}");
}

#[tokio::test]
async fn p6_with_20_percent_faults_runs_converge_and_statuses_stay_truthful() {
    let env = env().await;
    let mut settings = env.settings(10, no_limits());
    settings.task_poll_ms = 1;
    let (t, c) = env.connect(settings).await.unwrap();
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, seed(60))
        .unwrap();
    env.sandbox.set_faults(Faults::uniform(0.2, 42));
    let mut succeeded = false;
    for _ in 0..30 {
        let runs = env.next_slot(&t, &c).await.unwrap();
        for run in &runs {
            assert_ne!(
                run.status,
                RunStatus::Partial,
                "no record is bad: faults must not show as rejections"
            );
            if run.status == RunStatus::Succeeded {
                assert_eq!(
                    members(&env).len(),
                    60,
                    "a succeeded run means everything arrived"
                );
                succeeded = true;
            } else {
                assert!(matches!(run.status, RunStatus::Failed), "{:?}", run.status);
                assert!(run.error.is_some(), "a failed run says why");
            }
        }
        if succeeded {
            break;
        }
    }
    assert!(succeeded, "converged within 30 runs");
    env.sandbox.set_faults(Faults::default());
    let m = members(&env);
    assert_eq!(m.len(), 60);
    assert!(m.values().all(|v| v["name"] == "山田 太郎"));
}

#[tokio::test]
async fn p8_repeated_failure_is_mailed_once_an_hour_and_pauses_after_twelve() {
    let env = env().await;
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    env.sandbox.kaonavi().company(
        KAONAVI_KEY,
        CompanySetup {
            consumer_secret: "rotated".into(),
            ..Default::default()
        },
    );
    for _ in 0..4 {
        env.next_slot(&t, &c).await.unwrap();
    }
    assert_eq!(
        env.backend.outbox.sent().len(),
        1,
        "four failures within an hour: one email"
    );
    env.next_slot(&t, &c).await.unwrap();
    let mails = env.backend.outbox.sent();
    assert_eq!(mails.len(), 2, "an hour later the failure is told again");
    assert!(
        mails[1].contains("persists"),
        "and says it persists: {}",
        mails[1]
    );
    for _ in 0..7 {
        env.next_slot(&t, &c).await.unwrap();
    }
    let conn = stored_connection(&env, &t, &c).await;
    assert!(
        matches!(conn.automation, Automation::Paused { .. }),
        "{:?}",
        conn.automation
    );
    assert!(
        env.backend.outbox.sent().last().unwrap().contains("paused"),
        "the pause is mailed"
    );
    env.clock.advance(Duration::hours(2));
    assert!(
        env.backend.tick().await.unwrap().is_empty(),
        "a paused connection is not dispatched"
    );
}

#[tokio::test]
async fn p4_time_budget_continues_in_a_new_invocation() {
    let env = env().await;
    let (t, c) = env.connect(env.settings(5, no_limits())).await.unwrap();
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, seed(12))
        .unwrap();
    env.clock.advance(Duration::minutes(15));
    let mut req = request(&t, &c);
    req.deadline = Some(env.clock.now() + Duration::seconds(30)); // within the 90 s margin
    let Outcome::Ran(run) = env
        .backend
        .run(&req, &renkei_core::engine::NoHook)
        .await
        .unwrap()
    else {
        panic!("ran")
    };
    assert_eq!(run.status, RunStatus::Continued);
    let events = env.backend.bus.drain();
    assert_eq!(events.len(), 1, "one continuation event");
    assert_eq!(events[0].detail["continuation"], true);
    let claim = events[0].detail["claim"].as_str().map(str::to_string);
    assert!(claim.is_some(), "the continuation carries its own claim");
    let Outcome::Ran(next) = env
        .backend
        .run(
            &RunRequest::scheduled(t.clone(), c.clone(), claim),
            &renkei_core::engine::NoHook,
        )
        .await
        .unwrap()
    else {
        panic!("ran")
    };
    assert_eq!(next.status, RunStatus::Succeeded);
    assert_eq!(
        next.run_id, run.run_id,
        "the continuation goes on with the same run"
    );
    assert_eq!(next.segments, 2);
    assert_eq!(members(&env).len(), 12);
}

#[tokio::test]
async fn p3_unchanged_records_cause_no_writes() {
    // Every employee touched at Roumumate, none changed: "0 Kaonavi write calls".
    let subject = RoumumateKaonavi { page_size: 50 };
    let run = conformance::no_change_run_writes_nothing(&subject, &seed(30)).await;
    assert_eq!(run.counts.unchanged, 30);
}

#[tokio::test]
async fn dispatcher_handles_the_scheduled_event_and_emits_exactly_the_due_connections() {
    let env = env().await;
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    // A second connection, switched off: never due.
    let conn = stored_connection(&env, &t, &c).await;
    let mut off = conn.clone();
    off.connection_id = ConnectionId::new("switched-off").unwrap();
    off.automation = Automation::Off;
    Repo::new(&env.backend.store)
        .put_connection(&off, None)
        .await
        .unwrap();
    let mut later = conn.clone();
    later.connection_id = ConnectionId::new("later").unwrap();
    later.next_run_at = conn.next_run_at + Duration::hours(1);
    Repo::new(&env.backend.store)
        .put_connection(&later, None)
        .await
        .unwrap();

    let payload: Value =
        serde_json::from_str(include_str!("../events/dispatcher-scheduled.json")).unwrap();
    let event = lambda_runtime::LambdaEvent::new(payload, lambda_runtime::Context::default());
    env.clock.set(conn.next_run_at);
    let bus = renkei_local::InProcessBus::default();
    let deps = dispatcher::Deps {
        store: env.backend.store.clone(),
        bus,
        clock: ClockRef(env.clock.clone()),
    };
    let answer = dispatcher::handle(event, &deps).await.unwrap();
    assert_eq!(answer["dispatched"], 1);
    let events = deps.bus.drain();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].detail_type, "SyncRequested");
    assert_eq!(events[0].detail["connection_id"], "roumumate-kaonavi");
    assert_eq!(events[0].detail["connector"], "roumumate-kaonavi");
}

struct ClockRef(std::sync::Arc<renkei_core::ManualClock>);
impl Clock for ClockRef {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.now()
    }
}

/// Issue 14, goal 3: a run whose source was touched but not changed writes its lease, its
/// run record (opened, closed), the cursor and the connection — the same six items in five
/// calls for 2 pages as for 10, none per page — and the cursor it committed at its close is
/// where the next run starts (P3: the quiet pages are not read again).
#[tokio::test]
async fn p3_a_run_that_changes_nothing_writes_the_same_few_items_whatever_its_pages() {
    use renkei_core::engine::{Engine, NoHook, Ports};
    use renkei_core::meter::Metered;
    for employees in [4, 20] {
        let env = env().await;
        let (t, c) = env.connect(env.settings(2, no_limits())).await.unwrap();
        env.sandbox
            .roumumate()
            .upsert(ROUMUMATE_TOKEN, seed(employees))
            .unwrap();
        let first = env.next_slot(&t, &c).await.unwrap();
        assert_eq!(first.last().unwrap().counts.created, employees as u64);
        // Every employee touched at Roumumate, none changed.
        env.sandbox
            .roumumate()
            .upsert(ROUMUMATE_TOKEN, seed(employees))
            .unwrap();
        let metered = Metered::new(&env.backend.store);
        let factory =
            renkei_connectors::factory(renkei_connectors::roumumate_kaonavi::NAME).unwrap();
        let ports = Ports {
            store: &metered,
            ..env.backend.ports()
        };
        env.clock.advance(Duration::minutes(15));
        let outcome = Engine::new(ports, env.backend.config.clone(), &NoHook)
            .run(&RunRequest::manual(t.clone(), c.clone()), factory.as_ref())
            .await
            .unwrap();
        let Outcome::Ran(run) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(run.status, RunStatus::Succeeded);
        assert_eq!(run.counts.unchanged, employees as u64);
        assert_eq!(run.pages as usize, employees / 2, "{employees}: pages read");
        let kinds: Vec<String> = metered
            .written()
            .iter()
            .map(|k| k.split('#').next().unwrap_or_default().to_string())
            .collect();
        assert_eq!(
            kinds,
            ["LEASE", "CURSOR", "RUN", "CONN", "LEASE"],
            "{employees} employees: lease (with the run's opening), cursor + run record, connection, lease"
        );
        assert_eq!(metered.usage().write_calls, 4, "{employees} employees");

        // The close committed the cursor past the quiet pages: nothing to read again.
        env.clock.advance(Duration::minutes(15));
        let next = env
            .backend
            .run(
                &RunRequest::manual(t.clone(), c.clone()),
                &renkei_core::engine::NoHook,
            )
            .await
            .unwrap();
        let Outcome::Ran(next) = next else {
            panic!("{next:?}")
        };
        assert_eq!(next.status, RunStatus::Succeeded);
        assert_eq!(
            next.counts.unchanged, 0,
            "{employees}: the next run starts after the quiet pages"
        );
    }
}
