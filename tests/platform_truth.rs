//! P2/P4/P7/P8/P13: runs stay truthful across deaths, deadlines and continuations, and every
//! problem reaches a person exactly once — even when the hourly limit or the mail service
//! got in the way.

use async_trait::async_trait;
use chrono::Duration;
use renkei_core::engine::{
    Engine, NoHook, Outcome, Ports, RunRecord, RunRequest, RunStatus, Step, StepHook,
};
use renkei_core::ports::{Email, Notifier, NotifyError};
use renkei_core::repo::{Repo, Role, TenantUser};
use renkei_core::{Clock, ConnectionId, ManualClock, TenantId};
use renkei_e2e::*;
use renkei_sandbox::{Faults, Limits};
use serde_json::Value;
use std::sync::{Arc, Mutex};

fn seed(n: usize) -> Vec<Value> {
    (1..=n)
        .map(|i| employee(&format!("e{i}"), &format!("{i:04}"), "山田", "太郎"))
        .collect()
}

/// An employee Kaonavi's mapping refuses (no 社員番号 cannot be keyed).
fn bad_employee(id: &str) -> Value {
    let mut e = employee(id, "", "山田", "花子");
    e["employee_number"] = Value::Null;
    e
}

/// A clock that moves one second every time it is read: long waits take simulated time.
struct Ticking(Arc<ManualClock>);
impl Clock for Ticking {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.advance(Duration::seconds(1));
        self.0.now()
    }
}

/// A mail service that refuses the first `fail` messages and records the rest.
#[derive(Default)]
struct FlakyMail {
    fail: Mutex<usize>,
    sent: Mutex<Vec<Email>>,
}
#[async_trait]
impl Notifier for FlakyMail {
    async fn send(&self, email: &Email) -> Result<(), NotifyError> {
        let mut fail = self.fail.lock().unwrap();
        if *fail > 0 {
            *fail -= 1;
            return Err(NotifyError::Unavailable(
                "throttled; recipient a@b.example".into(),
            ));
        }
        self.sent.lock().unwrap().push(email.clone());
        Ok(())
    }
}

/// Every vendor call answers 500.
fn always_500() -> Faults {
    let mut f = Faults::default();
    f.error_rate = 1.0;
    f.seeded()
}

async fn run_with(
    env: &SandboxEnv,
    ports: Ports<'_>,
    req: &RunRequest,
    hook: &dyn StepHook,
) -> Outcome {
    let factory = renkei_connectors::factory("roumumate-kaonavi").unwrap();
    Engine::new(ports, env.backend.config.clone(), hook)
        .run(req, factory.as_ref())
        .await
        .unwrap()
}

fn ran(outcome: Outcome) -> RunRecord {
    match outcome {
        Outcome::Ran(r) => r,
        other => panic!("expected a run, got {other:?}"),
    }
}

async fn connected(page: u32) -> (SandboxEnv, TenantId, ConnectionId) {
    let env = env().await;
    let mut settings = env.settings(page, no_limits());
    settings.task_poll_ms = 1;
    let (t, c) = env.connect(settings).await.unwrap();
    (env, t, c)
}

#[tokio::test]
async fn p8_a_run_killed_mid_page_counts_as_a_failure_and_is_told() {
    let (env, t, c) = connected(50).await;
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, seed(3))
        .unwrap();
    make_due(&env, &t, &c).await;
    let req = RunRequest::scheduled(t.clone(), c.clone(), None);
    assert!(
        env.backend
            .run(&req, &CrashAt::new(Step::Written, 1))
            .await
            .is_err()
    );
    env.clock.advance(Duration::minutes(6));
    let next = ran(env.backend.run(&req, &NoHook).await.unwrap());
    assert_eq!(next.status, RunStatus::Succeeded);
    let runs = Repo::new(&env.backend.store).runs(&t, &c).await.unwrap();
    assert!(runs.iter().any(|r| r.status == RunStatus::Interrupted));
    let mail = env.backend.outbox.sent();
    assert_eq!(mail.len(), 1, "the interrupted run is told once");
    assert!(mail[0].contains("interrupted"), "{}", mail[0]);
}

#[tokio::test]
async fn p8_a_connection_whose_runs_always_die_pauses_instead_of_stalling_silently() {
    let (env, t, c) = connected(50).await;
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, seed(3))
        .unwrap();
    let req = RunRequest::scheduled(t.clone(), c.clone(), None);
    for _ in 0..13 {
        make_due(&env, &t, &c).await;
        let _ = env.backend.run(&req, &CrashAt::new(Step::Written, 1)).await;
        env.clock.advance(Duration::minutes(6));
    }
    let conn = stored_connection(&env, &t, &c).await;
    assert!(
        matches!(
            conn.automation,
            renkei_core::repo::Automation::Paused { .. }
        ),
        "12 interrupted runs in a row pause the connection: {:?} after {} failures",
        conn.automation,
        conn.consecutive_failures
    );
    assert!(
        env.backend
            .outbox
            .sent()
            .iter()
            .any(|m| m.contains("paused"))
    );
}

#[tokio::test]
async fn p4_a_deadline_inside_a_long_task_wait_continues_the_run_and_a_page_that_never_fits_fails()
{
    // Kaonavi's tasks take a thousand polls: far longer than one invocation.
    let env = SandboxEnv::start(
        Limits {
            requests_per_hour: None,
            writes_per_minute: None,
        },
        1000,
    )
    .await
    .unwrap();
    let mut settings = env.settings(50, no_limits());
    settings.task_poll_ms = 1;
    let (t, c) = env.connect(settings).await.unwrap();
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, seed(2))
        .unwrap();
    make_due(&env, &t, &c).await;
    let ticking = Ticking(env.clock.clone());
    let ports = Ports {
        clock: &ticking,
        ..env.backend.ports()
    };
    let mut claim = None;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let mut req = RunRequest::scheduled(t.clone(), c.clone(), claim.clone());
        req.deadline = Some(env.clock.now() + Duration::seconds(200));
        let run = ran(run_with(&env, ports, &req, &NoHook).await);
        statuses.push(run.status);
        claim = env
            .backend
            .bus
            .drain()
            .first()
            .and_then(|e| e.detail["claim"].as_str().map(str::to_string));
    }
    assert_eq!(
        statuses,
        vec![
            RunStatus::Continued,
            RunStatus::Continued,
            RunStatus::Failed
        ],
        "the wait stops at the deadline; the third segment without progress fails the run"
    );
    let runs = Repo::new(&env.backend.store).runs(&t, &c).await.unwrap();
    assert_eq!(runs.len(), 1, "one run, three segments");
    assert!(
        runs[0]
            .error
            .as_deref()
            .unwrap_or("")
            .contains("no progress")
    );
}

#[tokio::test]
async fn p2_rejections_of_an_earlier_segment_are_reported_by_the_final_one() {
    let (env, t, c) = connected(3).await;
    let mut data = vec![bad_employee("bad")];
    data.extend(seed(5));
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, data)
        .unwrap();
    make_due(&env, &t, &c).await;
    // The first page uses up the invocation's time.
    let clock = env.clock.clone();
    let slow = Probe(move |step| {
        if step == Step::Committed {
            clock.advance(Duration::seconds(30));
        }
    });
    let mut req = RunRequest::scheduled(t.clone(), c.clone(), None);
    req.deadline = Some(env.clock.now() + Duration::seconds(100));
    let first = ran(env.backend.run(&req, &slow).await.unwrap());
    assert_eq!(first.status, RunStatus::Continued);
    assert_eq!(first.counts.rejected, 1);
    let claim = env.backend.bus.drain()[0].detail["claim"]
        .as_str()
        .map(str::to_string);
    let last = ran(env
        .backend
        .run(&RunRequest::scheduled(t.clone(), c.clone(), claim), &NoHook)
        .await
        .unwrap());
    assert_eq!(last.run_id, first.run_id);
    assert_eq!(
        last.status,
        RunStatus::Partial,
        "not 'succeeded': a record was rejected"
    );
    assert_eq!(last.counts.rejected, 1);
    assert_eq!(last.counts.created, 5);
    let report = Repo::new(&env.backend.store)
        .errors(&t, &c, &last.run_id)
        .await
        .unwrap();
    assert_eq!(report.len(), 1, "the report of the whole run");
    let mail = env.backend.outbox.sent();
    assert_eq!(mail.len(), 1);
    assert!(mail[0].contains("rejected records (1)"), "{}", mail[0]);
}

#[tokio::test]
async fn p8_a_problem_suppressed_by_the_hourly_limit_is_told_when_success_follows() {
    let (env, t, c) = connected(50).await;
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, seed(2))
        .unwrap();
    env.sandbox.set_faults(always_500());
    let failed = env.next_slot(&t, &c).await.unwrap().pop().unwrap();
    assert_eq!(failed.status, RunStatus::Failed);
    env.sandbox.set_faults(Faults::default());
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, vec![bad_employee("bad")])
        .unwrap();
    let partial = env.next_slot(&t, &c).await.unwrap().pop().unwrap();
    assert_eq!(partial.status, RunStatus::Partial);
    assert_eq!(
        env.backend.outbox.sent().len(),
        1,
        "within the hour: not mailed yet"
    );
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, seed(3))
        .unwrap();
    let ok = env.next_slot(&t, &c).await.unwrap().pop().unwrap();
    assert_eq!(ok.status, RunStatus::Succeeded);
    let mail = env.backend.outbox.sent();
    assert_eq!(mail.len(), 2, "the success tells what was not told");
    assert!(mail[1].contains(partial.run_id.as_str()), "{}", mail[1]);
}

#[tokio::test]
async fn p8_a_notice_the_mail_service_refused_is_not_recorded_as_sent() {
    let (env, t, c) = connected(50).await;
    env.sandbox.set_faults(always_500());
    let mail = FlakyMail {
        fail: Mutex::new(1),
        ..Default::default()
    };
    let ports = Ports {
        notifier: &mail,
        ..env.backend.ports()
    };
    for _ in 0..2 {
        make_due(&env, &t, &c).await;
        let req = RunRequest::scheduled(t.clone(), c.clone(), None);
        assert_eq!(
            ran(run_with(&env, ports, &req, &NoHook).await).status,
            RunStatus::Failed
        );
    }
    assert_eq!(
        mail.sent.lock().unwrap().len(),
        1,
        "the refused first notice does not silence the next failure for an hour"
    );
}

#[tokio::test]
async fn p8_more_than_50_recipients_get_the_notice_in_messages_of_at_most_50() {
    let (env, t, c) = connected(50).await;
    for i in 0..120 {
        Repo::new(&env.backend.store)
            .put_user(
                &t,
                &TenantUser {
                    email: format!("admin{i}@demo-co.example"),
                    roles: vec![Role::Admin],
                },
            )
            .await
            .unwrap();
    }
    env.sandbox.set_faults(always_500());
    let mail = FlakyMail::default();
    let ports = Ports {
        notifier: &mail,
        ..env.backend.ports()
    };
    make_due(&env, &t, &c).await;
    let req = RunRequest::scheduled(t.clone(), c.clone(), None);
    run_with(&env, ports, &req, &NoHook).await;
    let sent = mail.sent.lock().unwrap();
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|m| m.to.len() <= 50));
    assert_eq!(sent.iter().map(|m| m.to.len()).sum::<usize>(), 121);
}

#[tokio::test]
async fn p13_run_records_and_error_reports_expire_after_the_retention() {
    let (env, t, c) = connected(50).await;
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, vec![bad_employee("bad")])
        .unwrap();
    let run = env.next_slot(&t, &c).await.unwrap().pop().unwrap();
    assert_eq!(run.status, RunStatus::Partial);
    let items = connection_items(&env.backend.store, &t, &c).await;
    let ninety_days = (env.clock.now() + Duration::days(90)).timestamp();
    for prefix in ["RUN#", "ERR#"] {
        let item = items
            .iter()
            .find(|i| i.key.sk.starts_with(prefix))
            .unwrap_or_else(|| panic!("a {prefix} item"));
        let expires = item.expires_at.expect("a TTL");
        assert!((expires - ninety_days).abs() < 120, "{prefix} kept 90 days");
    }
}
