//! Issue 29 item 4, Kaonavi: task polls that do not spend the hour — waits that double up to
//! 30 s, every poll in the Consumer Key's hourly window, a bound per run, and tasks carried
//! to the next run without sending their members twice.
//!
//! Time: the sandbox runs `SCALE` simulated seconds per real second and the connection's
//! runs divide their waits and windows by the same factor (the env's time scale), so a task
//! of two simulated minutes takes a fraction of a real second; every time asserted is the
//! simulator's.

mod s29_kaonavi;

#[allow(unused_imports)]
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use renkei_connectors::roumumate_kaonavi::{MAX_QUIET_CHECKS, TASKS_ITEM};
use renkei_core::engine::{NoHook, Outcome, RunRequest, RunStatus};
use renkei_core::heartbeat::{Halt, Heartbeat};
use renkei_core::rate::{Admission, Slot};
use renkei_core::repo::Repo;
use renkei_core::{Clock, ConnectionId, TenantId};
use renkei_e2e::*;
use renkei_sandbox::{CompanySetup, Limits};
use renkei_testbed::KAONAVI_SECRET;
use renkei_vendors::http::RunBound;
use renkei_vendors::kaonavi::{KaonaviConfig, MemberData, TaskPolling, TaskStatus};
use s29_kaonavi::*;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

// ---------------------------------------------------------------- item 4: polling

/// Records the waits a client announces to its run (`beat(upcoming_wait)`: each pause is
/// announced before it is slept), so a test asserts the planned schedule, not wall-clock.
#[derive(Debug, Default)]
struct Waits(Mutex<Vec<Duration>>);

#[async_trait]
impl Heartbeat for Waits {
    async fn beat(&self, upcoming_wait: Duration) -> Result<(), Halt> {
        if !upcoming_wait.is_zero() {
            self.0.lock().unwrap().push(upcoming_wait);
        }
        Ok(())
    }
    async fn admit(&self, _slot: &Slot) -> Result<Admission, Halt> {
        Ok(Admission::Granted)
    }
}

/// A task that answers RUNNING eight times: the first poll waits a second, the gaps double
/// up to 30 s, and the whole wait costs nine requests instead of one every 2 s. The waits
/// are asserted as the client plans them (exactly, whatever the machine's load); Kaonavi's
/// journal only confirms that no poll came before its wait was over.
#[tokio::test]
async fn s29_4_a_long_task_is_polled_with_gaps_that_double_up_to_thirty_seconds() {
    const SCALE: f64 = 100.0;
    let env = SandboxEnv::start(Limits::default(), 0)
        .await
        .expect("sandbox starts");
    env.sandbox.kaonavi().company(
        KAONAVI_KEY,
        CompanySetup {
            consumer_secret: KAONAVI_SECRET.into(),
            task_polls_before_done: 8,
            task_seconds: 0.0,
            ..Default::default()
        },
    );
    env.sandbox.set_time_scale(SCALE);
    let mut config = KaonaviConfig::new(&format!("http://{}/kaonavi/api/v2.0", env.addr));
    config.polling = TaskPolling::for_connection(Duration::from_secs(1), SCALE, None);
    let mut client = client(config);
    let waits = Arc::new(Waits::default());
    client.join_run(waits.clone());
    let member = MemberData {
        code: "0001".into(),
        name: Some("山田 太郎".into()),
        ..Default::default()
    };
    let task = client.create_members(&[member], false).await.unwrap();
    let done = client.wait_task(task).await.unwrap();
    assert_eq!(done.status, TaskStatus::Ok);

    let planned = [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0];
    let simulated: Vec<f64> = waits
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|w| (w.as_secs_f64() * SCALE * 1000.0).round() / 1000.0)
        .collect();
    assert_eq!(
        simulated, planned,
        "the planned waits, in simulated seconds"
    );

    let entries = journal(&env).await;
    let sent = entries.iter().find(|e| is_write(e)).expect("the create");
    let polls: Vec<DateTime<Utc>> = entries.iter().filter(|e| is_poll(e)).map(at).collect();
    assert_eq!(polls.len(), planned.len(), "one poll per wait, none more");
    let mut gaps = vec![(polls[0] - at(sent)).num_milliseconds() as f64 / 1000.0];
    gaps.extend(between(&polls));
    // Load only lengthens a wait, so only the lower bound is asserted (less a simulated
    // 50 ms, half a real millisecond, for the timer's rounding).
    for (i, (gap, plan)) in gaps.iter().zip(planned).enumerate() {
        assert!(
            *gap >= plan - 0.05,
            "poll {i} came {gap} s after the previous call, planned {plan} s: {gaps:?}"
        );
    }
}

/// Records the slots a client asks the run for (and grants them), as the engine's shared
/// rate ledger would see them.
#[derive(Debug, Default)]
struct Ledger(Mutex<Vec<Slot>>);

#[async_trait]
impl Heartbeat for Ledger {
    async fn beat(&self, _upcoming_wait: Duration) -> Result<(), Halt> {
        Ok(())
    }
    async fn admit(&self, slot: &Slot) -> Result<Admission, Halt> {
        self.0.lock().unwrap().push(slot.clone());
        Ok(Admission::Granted)
    }
}

/// Every request of the client — token, write, each poll — takes a slot of the Consumer
/// Key's shared hourly window, the one the writes and reads use.
#[tokio::test]
async fn s29_4_every_task_poll_takes_a_slot_in_the_consumer_key_s_hourly_window() {
    const SCALE: f64 = 200.0;
    let env = kaonavi_env(Limits::default(), 30.0, SCALE).await;
    let mut config = KaonaviConfig::new(&format!("http://{}/kaonavi/api/v2.0", env.addr));
    config.http.limit = Some((1000, Duration::from_secs_f64(3600.0 / SCALE)));
    config.http.write_limit = Some((5, Duration::from_secs_f64(60.0 / SCALE)));
    config.polling = TaskPolling::for_connection(Duration::from_secs(1), SCALE, Some(1000));
    let mut client = client(config);
    let ledger = Arc::new(Ledger::default());
    client.join_run(ledger.clone());
    let member = MemberData {
        code: "0001".into(),
        name: Some("山田 太郎".into()),
        ..Default::default()
    };
    let task = client.create_members(&[member], false).await.unwrap();
    let done = client.wait_task(task).await.unwrap();
    assert_eq!(done.status, TaskStatus::Ok);

    let entries = journal(&env).await;
    let polls = entries.iter().filter(|e| is_poll(e)).count();
    assert!(polls >= 3, "a 30 s task is polled a few times: {polls}");
    let slots = ledger.0.lock().unwrap().clone();
    assert_eq!(
        slots.len(),
        entries.len(),
        "one slot per request Kaonavi saw (token, write, {polls} polls)"
    );
    let hourly = |s: &Slot| {
        s.windows
            .iter()
            .any(|w| w.name == "all" && w.limit == 1000 && w.window_ms > 0)
    };
    assert!(
        slots.iter().all(hourly),
        "every call counts in the hourly window"
    );
    assert!(
        slots.windows(2).all(|w| w[0].credential == w[1].credential)
            && slots[0].credential.starts_with("Kaonavi#"),
        "one window per Consumer Key"
    );
    assert_eq!(
        slots.iter().filter(|s| s.windows.len() == 1).count(),
        1 + polls,
        "the token and the polls are reads: only the write also counts against 5 per 60 s"
    );
    assert_eq!(
        client.polls_left(),
        200 - polls as u32,
        "a fifth of 1,000 per run"
    );
}

/// A run polls at most its bound (a fifth of the hourly limit), then stops and continues
/// later; each later run checks the task before writing anything; a task that outlasts two
/// runs' polls fails the run, naming it; once it finished, its members are not sent again.
#[tokio::test]
async fn s29_4_a_run_stops_at_its_poll_bound_and_the_next_checks_the_task_before_writing() {
    const SCALE: f64 = 200.0;
    let limits = Limits {
        requests_per_hour: Some(50),
        writes_per_minute: None,
    };
    let bound = TaskPolling::per_run_for(limits.requests_per_hour) as usize;
    assert_eq!(bound, 10);
    let env = kaonavi_env(limits, 1_000_000.0, SCALE).await;
    let (t, c) = env.connect(scaled(&env, 50, limits)).await.unwrap();
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, employees(1..=2))
        .unwrap();

    let mut seen = journal(&env).await.len();
    let mut statuses = Vec::new();
    for _ in 0..MAX_QUIET_CHECKS + 1 {
        let run = run_scheduled(&env, &t, &c).await;
        let entries = journal(&env).await;
        let this_run = &entries[seen..];
        seen = entries.len();
        let polls = this_run.iter().filter(|e| is_poll(e)).count();
        assert_eq!(
            polls, bound,
            "the run spends its bound, no more: {this_run:?}"
        );
        statuses.push((run.status, run.error.clone()));
    }
    let (first, _) = &statuses[0];
    assert_eq!(*first, RunStatus::Continued, "{statuses:?}");
    assert_eq!(statuses[1].0, RunStatus::Continued, "{statuses:?}");
    let (last, why) = &statuses[2];
    assert_eq!(*last, RunStatus::Failed, "{statuses:?}");
    let entries = journal(&env).await;
    let task = entries
        .iter()
        .find(|e| is_poll(e))
        .and_then(|e| e["path"].as_str())
        .and_then(|p| p.strip_prefix("/tasks/"))
        .expect("the polled task")
        .to_string();
    let why = why.clone().unwrap_or_default();
    assert!(
        why.contains(&format!("タスク {task}")) && why.contains(&format!("task {task}")),
        "the failure names the task: {why}"
    );
    assert_eq!(
        writes_naming(&entries, "0001"),
        1,
        "never written again while it runs"
    );

    finish_tasks(&env).await;
    let before = journal(&env).await.len();
    let run = run_scheduled(&env, &t, &c).await;
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    assert_eq!(
        run.counts.created, 2,
        "answered from the task that wrote them"
    );
    let entries = journal(&env).await;
    let this_run: Vec<&Value> = entries[before..]
        .iter()
        .filter(|e| e["path"] != "/token")
        .collect();
    assert!(
        is_poll(this_run[0]),
        "the task is checked first: {this_run:?}"
    );
    for code in ["0001", "0002"] {
        assert_eq!(writes_naming(&entries, code), 1, "{code} was sent once");
    }
    assert_eq!(members(&env).len(), 2);
    let stats = env.sandbox.kaonavi().stats(KAONAVI_KEY);
    assert_eq!(stats["throttled"], 0, "{stats}");
}

/// The invocation's deadline comes while a task runs: the run continues in a new invocation,
/// which checks the task first and does not send its members again (today's code sent them
/// again: the page was not committed, so the continuation wrote it a second time).
#[tokio::test]
async fn s29_4_a_deadline_during_a_task_continues_and_the_task_s_members_are_not_sent_twice() {
    const SCALE: f64 = 100.0;
    let limits = Limits {
        requests_per_hour: None,
        writes_per_minute: None,
    };
    let env = kaonavi_env(limits, 3.0, SCALE).await;
    let (t, c) = env.connect(scaled(&env, 50, limits)).await.unwrap();
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, employees(1..=2))
        .unwrap();
    make_due(&env, &t, &c).await;
    // The deadline leaves room for the page and its write, not for the first wait.
    let mut req = RunRequest::scheduled(t.clone(), c.clone(), None);
    req.deadline = Some(
        env.clock.now() + env.backend.config.budget_margin + chrono::Duration::milliseconds(1),
    );
    let Outcome::Ran(first) = env.backend.run(&req, &NoHook).await.unwrap() else {
        panic!("first segment")
    };
    assert_eq!(first.status, RunStatus::Continued, "{first:?}");
    let sent = journal(&env).await;
    assert_eq!(writes_naming(&sent, "0001"), 1, "the create went out");

    let claim = env.backend.bus.drain()[0].detail["claim"]
        .as_str()
        .map(str::to_string);
    let Outcome::Ran(rest) = env
        .backend
        .run(&RunRequest::scheduled(t.clone(), c.clone(), claim), &NoHook)
        .await
        .unwrap()
    else {
        panic!("continuation")
    };
    assert_eq!(rest.status, RunStatus::Succeeded, "{rest:?}");
    assert_eq!(rest.counts.created, 2);
    let entries = journal(&env).await;
    let continuation: Vec<&Value> = entries[sent.len()..]
        .iter()
        .filter(|e| e["path"] != "/token")
        .collect();
    assert!(is_poll(continuation[0]), "checked first: {continuation:?}");
    for code in ["0001", "0002"] {
        assert_eq!(
            writes_naming(&entries, code),
            1,
            "{code} was sent once: {entries:?}"
        );
    }
    let m = members(&env);
    assert_eq!(m.len(), 2);
    assert_eq!(m["0001"]["name"], "山田 太郎");
}

/// The record of tasks a stopped run left, with its version (None: there is none).
async fn tasks_record(env: &SandboxEnv, t: &TenantId, c: &ConnectionId) -> Option<(Value, u64)> {
    Repo::new(&env.backend.store)
        .own_get::<Value>(t, c, TASKS_ITEM)
        .await
        .expect("the store answers")
}

/// The task ids the record holds.
async fn recorded_tasks(env: &SandboxEnv, t: &TenantId, c: &ConnectionId) -> Vec<u64> {
    tasks_record(env, t, c)
        .await
        .map_or_else(Vec::new, |(v, _)| {
            v["tasks"]
                .as_array()
                .map(|a| a.iter().filter_map(|t| t["task"].as_u64()).collect())
                .unwrap_or_default()
        })
}

/// A sandbox whose tasks never finish until told, a connection of `page_size` whose runs
/// may poll 10 times, and employees `1..=n` in Roumumate.
async fn stuck_tasks(page_size: u32, n: usize) -> (SandboxEnv, TenantId, ConnectionId) {
    const SCALE: f64 = 200.0;
    let limits = Limits {
        requests_per_hour: Some(50),
        writes_per_minute: None,
    };
    let env = kaonavi_env(limits, 1_000_000.0, SCALE).await;
    let (t, c) = env.connect(scaled(&env, page_size, limits)).await.unwrap();
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, employees(1..=n))
        .unwrap();
    (env, t, c)
}

/// A run checks a carried task that ended OK, then its own page stops again on a new
/// task: the record keeps both, so the members the first task wrote are never sent again
/// (the record used to be deleted when the carried tasks were checked, and the stopped
/// page kept only its own task).
#[tokio::test]
async fn s29_4_a_page_that_stops_again_keeps_the_carried_tasks_that_ended_ok() {
    let (env, t, c) = stuck_tasks(50, 2).await;
    let first = run_scheduled(&env, &t, &c).await;
    assert_eq!(first.status, RunStatus::Continued, "{first:?}");
    let carried = recorded_tasks(&env, &t, &c).await;
    assert_eq!(carried.len(), 1, "the create's task is kept");

    finish_tasks(&env).await;
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, employees(3..=3))
        .unwrap();
    let second = run_scheduled(&env, &t, &c).await;
    assert_eq!(second.status, RunStatus::Continued, "{second:?}");
    let kept = recorded_tasks(&env, &t, &c).await;
    assert_eq!(kept.len(), 2, "the OK task and the new one: {kept:?}");
    assert_eq!(kept[0], carried[0], "the OK task is still there");

    finish_tasks(&env).await;
    let third = run_scheduled(&env, &t, &c).await;
    assert_eq!(third.status, RunStatus::Succeeded, "{third:?}");
    let entries = journal(&env).await;
    for code in ["0001", "0002", "0003"] {
        assert_eq!(writes_naming(&entries, code), 1, "{code} was sent once");
    }
    assert_eq!(members(&env).len(), 3);
    assert!(
        recorded_tasks(&env, &t, &c).await.is_empty(),
        "emptied once a page's write finished"
    );
}

async fn dry_run(env: &SandboxEnv, t: &TenantId, c: &ConnectionId) -> RunStatus {
    let req = RunRequest {
        dry_run: true,
        ..RunRequest::manual(t.clone(), c.clone())
    };
    match env.backend.run(&req, &NoHook).await.unwrap() {
        Outcome::Ran(run) => run.status,
        other => panic!("the dry run ran: {other:?}"),
    }
}

/// A dry run only reads: it checks the tasks a stopped run left, but the record stays as
/// it was (neither counted as a check while a task runs nor emptied once it ended), so the
/// real run after it still answers the task's members from the task.
#[tokio::test]
async fn s29_4_a_dry_run_leaves_the_record_of_carried_tasks_unchanged() {
    let (env, t, c) = stuck_tasks(50, 2).await;
    let first = run_scheduled(&env, &t, &c).await;
    assert_eq!(first.status, RunStatus::Continued, "{first:?}");
    let saved = tasks_record(&env, &t, &c).await.expect("a record");

    let running = dry_run(&env, &t, &c).await;
    assert_eq!(running, RunStatus::Failed, "a dry run does not pause");
    assert_eq!(tasks_record(&env, &t, &c).await, Some(saved.clone()));

    finish_tasks(&env).await;
    dry_run(&env, &t, &c).await;
    assert_eq!(
        tasks_record(&env, &t, &c).await,
        Some(saved),
        "unchanged after a dry run that found the task OK"
    );

    let real = run_scheduled(&env, &t, &c).await;
    assert_eq!(real.status, RunStatus::Succeeded, "{real:?}");
    assert_eq!(real.counts.created, 2);
    let entries = journal(&env).await;
    for code in ["0001", "0002"] {
        assert_eq!(writes_naming(&entries, code), 1, "{code} was sent once");
    }
}

/// A write is sent only while the run can still follow its task: when the first page's
/// task spent the run's last poll, the second page's write waits for the next run.
#[tokio::test]
async fn s29_4_no_write_is_sent_once_the_run_s_polls_are_spent() {
    const SCALE: f64 = 200.0;
    let limits = Limits {
        requests_per_hour: Some(50),
        writes_per_minute: None,
    };
    let env = SandboxEnv::start_scaled(limits, 0, SCALE)
        .await
        .expect("sandbox starts");
    env.sandbox.kaonavi().company(
        KAONAVI_KEY,
        CompanySetup {
            consumer_secret: KAONAVI_SECRET.into(),
            gender_options: vec!["男性".into(), "女性".into(), "その他".into()],
            limits,
            // The task answers OK at the tenth poll: the run's last (50 per hour → 10).
            task_polls_before_done: 9,
            task_seconds: 0.0,
            ..Default::default()
        },
    );
    let (t, c) = env.connect(scaled(&env, 1, limits)).await.unwrap();
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, employees(1..=2))
        .unwrap();

    let first = run_scheduled(&env, &t, &c).await;
    assert_eq!(first.status, RunStatus::Continued, "{first:?}");
    assert_eq!(first.counts.created, 1, "the first page committed");
    let entries = journal(&env).await;
    assert_eq!(entries.iter().filter(|e| is_poll(e)).count(), 10);
    assert_eq!(writes_naming(&entries, "0002"), 0, "not sent without polls");
    assert!(recorded_tasks(&env, &t, &c).await.is_empty());

    let rest = run_scheduled(&env, &t, &c).await;
    assert_eq!(rest.status, RunStatus::Succeeded, "{rest:?}");
    let entries = journal(&env).await;
    assert_eq!(writes_naming(&entries, "0002"), 1, "sent by the next run");
    assert_eq!(members(&env).len(), 2);
}

/// A task id is kept in the store as soon as Kaonavi answers it, while the run still
/// polls: a run that dies before its page ends (no `leave`) still leaves the task for the
/// next run to check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s29_4_a_task_is_kept_in_the_store_before_its_first_poll() {
    // Slow polls (scale 10, 200 of them): the run polls for minutes, long after the check.
    const SCALE: f64 = 10.0;
    let limits = Limits {
        requests_per_hour: None,
        writes_per_minute: None,
    };
    let env = Arc::new(kaonavi_env(limits, 1_000_000.0, SCALE).await);
    let (t, c) = env.connect(scaled(&env, 50, limits)).await.unwrap();
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, employees(1..=2))
        .unwrap();
    make_due(&env, &t, &c).await;
    let running = {
        let (env, req) = (
            env.clone(),
            RunRequest::scheduled(t.clone(), c.clone(), None),
        );
        tokio::spawn(async move { env.backend.run(&req, &NoHook).await.map(|_| ()) })
    };
    let mut kept = Vec::new();
    for _ in 0..1000 {
        kept = recorded_tasks(&env, &t, &c).await;
        if !kept.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!running.is_finished(), "the run is still polling");
    running.abort();
    assert_eq!(kept.len(), 1, "the task is kept while it is polled");
}

/// Several large syncs within one hour under a tight hourly limit: the polls count in the
/// same window as everything else, so Kaonavi never answers 429 and never sees more than
/// the limit in any hour, and a long task costs a handful of polls.
#[tokio::test]
async fn s29_4_several_large_syncs_in_an_hour_stay_within_the_hourly_limit_without_a_429() {
    // 600: a real millisecond is 0.6 simulated seconds, so scheduling jitter under load
    // stays far inside the client's safety margin on the hourly window.
    const SCALE: f64 = 600.0;
    let limits = Limits {
        requests_per_hour: Some(80),
        writes_per_minute: Some(5),
    };
    let env = kaonavi_env(limits, 60.0, SCALE).await;
    let (t, c) = env.connect(scaled(&env, 10, limits)).await.unwrap();
    let syncs = 8;
    for s in 0..syncs {
        let first = s * 20 + 1;
        env.sandbox
            .roumumate()
            .upsert(ROUMUMATE_TOKEN, employees(first..=first + 19))
            .unwrap();
        let run = run_scheduled(&env, &t, &c).await;
        assert_eq!(run.status, RunStatus::Succeeded, "sync {s}: {run:?}");
        assert_eq!(run.counts.created, 20, "sync {s}");
    }
    let stats = env.sandbox.kaonavi().stats(KAONAVI_KEY);
    assert_eq!(stats["throttled"], 0, "0 × 429: {stats}");
    assert!(
        stats["max_requests_in_window"].as_u64().unwrap() <= 80,
        "never more than the hourly limit in any hour: {stats}"
    );
    assert!(
        stats["requests"].as_u64().unwrap() > 80,
        "the syncs needed more than one hour's budget, so the window had to hold: {stats}"
    );
    let tasks = (syncs * 2) as u64;
    assert!(
        stats["task_polls"].as_u64().unwrap() <= 8 * tasks,
        "a one-minute task costs about 6 polls: {stats}"
    );
    assert_eq!(members(&env).len(), syncs * 20);
}
