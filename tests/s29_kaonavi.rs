//! Issue 29, Kaonavi: task polls that do not spend the hour (item 4), and Kaonavi's
//! documented examples against the simulator and renkei's client (item 7).
//!
//! Time: the sandbox runs `SCALE` simulated seconds per real second and the connection
//! divides its waits and windows by the same factor, so a task of two simulated minutes
//! takes a fraction of a real second; every time asserted is the simulator's.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use renkei_connectors::roumumate_kaonavi::{KaonaviLimits, MAX_QUIET_CHECKS, Settings};
use renkei_core::engine::{NoHook, Outcome, RunRequest, RunStatus};
use renkei_core::heartbeat::{Halt, Heartbeat};
use renkei_core::rate::{Admission, Slot};
use renkei_core::{Clock, ConnectionId, TenantId};
use renkei_e2e::*;
use renkei_sandbox::{CompanySetup, Limits};
use renkei_testbed::KAONAVI_SECRET;
use renkei_vendors::http::RunBound;
use renkei_vendors::kaonavi::{
    Credentials, KaonaviClient, KaonaviConfig, MemberData, TaskPolling, TaskStatus,
};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

// ---------------------------------------------------------------- helpers

/// A sandbox whose Kaonavi runs each task for `task_seconds` simulated seconds, with the
/// given limits, at `scale` simulated seconds per real second.
async fn kaonavi_env(limits: Limits, task_seconds: f64, scale: f64) -> SandboxEnv {
    let env = SandboxEnv::start(limits, 0).await.expect("sandbox starts");
    env.sandbox.kaonavi_company(
        KAONAVI_KEY,
        CompanySetup {
            consumer_secret: KAONAVI_SECRET.into(),
            gender_options: vec!["男性".into(), "女性".into(), "その他".into()],
            limits,
            task_polls_before_done: 0,
            task_seconds,
            ..Default::default()
        },
    );
    env.sandbox.set_time_scale(scale);
    env
}

/// C2 settings with Kaonavi's waits and windows scaled like the sandbox, and the
/// production first wait (1 s, in simulated time).
fn scaled(env: &SandboxEnv, page_size: u32, limits: Limits, scale: f64) -> Settings {
    let mut s = env.settings(
        page_size,
        KaonaviLimits {
            requests_per_hour: limits.requests_per_hour,
            writes_per_minute: limits.writes_per_minute,
            time_scale: scale,
        },
    );
    s.task_poll_ms = 1000;
    s
}

/// renkei's Kaonavi client of the demo company.
fn client(config: KaonaviConfig) -> KaonaviClient {
    let creds = Credentials {
        consumer_key: KAONAVI_KEY.into(),
        consumer_secret: KAONAVI_SECRET.into(),
    };
    KaonaviClient::new(config, creds).expect("a client")
}

fn employees(range: std::ops::RangeInclusive<usize>) -> Vec<Value> {
    range
        .map(|i| employee(&format!("e{i}"), &format!("{i:04}"), "山田", "太郎"))
        .collect()
}

fn control(env: &SandboxEnv, path: &str) -> String {
    format!(
        "http://{}/_control/kaonavi/companies/{KAONAVI_KEY}{path}",
        env.addr
    )
}

/// The company's journal: `requests` (every call, oldest first) and `last_write` (a body).
async fn requests(env: &SandboxEnv) -> Value {
    let reply = reqwest::get(control(env, "/requests")).await;
    reply
        .expect("control API answers")
        .json()
        .await
        .expect("JSON")
}

async fn journal(env: &SandboxEnv) -> Vec<Value> {
    let body = requests(env).await;
    body["requests"].as_array().cloned().unwrap_or_default()
}

/// Lets every running task of the company finish now.
async fn finish_tasks(env: &SandboxEnv) {
    let r = reqwest::Client::new()
        .post(control(env, "/tasks/finish"))
        .send()
        .await
        .expect("control API answers");
    assert!(r.status().is_success());
}

fn at(entry: &Value) -> DateTime<Utc> {
    entry["at"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .expect("entries carry their time")
}

fn is_poll(e: &Value) -> bool {
    e["method"] == "GET" && e["path"].as_str().is_some_and(|p| p.starts_with("/tasks/"))
}

/// A write that was not a Dry-Run check (setup probes are).
fn is_write(e: &Value) -> bool {
    (e["method"] == "POST" || e["method"] == "PATCH")
        && e["path"] == "/members"
        && e["dry_run"] != true
}

fn writes_naming(entries: &[Value], code: &str) -> usize {
    entries
        .iter()
        .filter(|e| {
            is_write(e)
                && e["codes"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|c| c == code))
        })
        .count()
}

/// The gaps between consecutive polls, in simulated seconds.
fn between(polls: &[DateTime<Utc>]) -> Vec<f64> {
    polls
        .windows(2)
        .map(|w| (w[1] - w[0]).num_milliseconds() as f64 / 1000.0)
        .collect()
}

async fn run_scheduled(
    env: &SandboxEnv,
    t: &TenantId,
    c: &ConnectionId,
) -> renkei_core::engine::RunRecord {
    env.next_slot(t, c)
        .await
        .expect("the dispatcher runs")
        .pop()
        .expect("a run")
}

// ---------------------------------------------------------------- item 4: polling

/// A task that runs two simulated minutes: the first poll waits a second, the gaps double
/// up to 30 s, and the whole wait costs a handful of requests instead of one every 2 s.
#[tokio::test]
async fn s29_4_a_long_task_is_polled_with_gaps_that_double_up_to_thirty_seconds() {
    const SCALE: f64 = 100.0;
    let limits = Limits::default();
    let env = kaonavi_env(limits, 120.0, SCALE).await;
    let (t, c) = env.connect(scaled(&env, 50, limits, SCALE)).await.unwrap();
    env.sandbox
        .roumumate_upsert(ROUMUMATE_TOKEN, employees(1..=2))
        .unwrap();
    let run = run_scheduled(&env, &t, &c).await;
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    assert_eq!(run.counts.created, 2);

    let entries = journal(&env).await;
    let sent = entries.iter().find(|e| is_write(e)).expect("the create");
    let polls: Vec<DateTime<Utc>> = entries.iter().filter(|e| is_poll(e)).map(at).collect();
    let mut gaps = vec![(polls[0] - at(sent)).num_milliseconds() as f64 / 1000.0];
    gaps.extend(between(&polls));
    // A wait is never shorter than planned; the client's own latency may add a little.
    let planned = [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0];
    for (i, (gap, plan)) in gaps.iter().zip(planned).enumerate() {
        assert!(
            *gap >= plan - 0.05 && *gap <= plan + 3.0,
            "wait {i} is {gap} s, planned {plan} s: {gaps:?}"
        );
    }
    assert!(
        (7..=9).contains(&polls.len()),
        "a two-minute task costs about 8 polls, not 60: {gaps:?}"
    );
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
    let (t, c) = env.connect(scaled(&env, 50, limits, SCALE)).await.unwrap();
    env.sandbox
        .roumumate_upsert(ROUMUMATE_TOKEN, employees(1..=2))
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
    let stats = env.sandbox.kaonavi_stats(KAONAVI_KEY);
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
    let (t, c) = env.connect(scaled(&env, 50, limits, SCALE)).await.unwrap();
    env.sandbox
        .roumumate_upsert(ROUMUMATE_TOKEN, employees(1..=2))
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

/// Several large syncs within one hour under a tight hourly limit: the polls count in the
/// same window as everything else, so Kaonavi never answers 429 and never sees more than
/// the limit in any hour, and a long task costs a handful of polls.
#[tokio::test]
async fn s29_4_several_large_syncs_in_an_hour_stay_within_the_hourly_limit_without_a_429() {
    const SCALE: f64 = 1800.0;
    let limits = Limits {
        requests_per_hour: Some(80),
        writes_per_minute: Some(5),
    };
    let env = kaonavi_env(limits, 60.0, SCALE).await;
    let (t, c) = env.connect(scaled(&env, 10, limits, SCALE)).await.unwrap();
    let syncs = 8;
    for s in 0..syncs {
        let first = s * 20 + 1;
        env.sandbox
            .roumumate_upsert(ROUMUMATE_TOKEN, employees(first..=first + 19))
            .unwrap();
        let run = run_scheduled(&env, &t, &c).await;
        assert_eq!(run.status, RunStatus::Succeeded, "sync {s}: {run:?}");
        assert_eq!(run.counts.created, 20, "sync {s}");
    }
    let stats = env.sandbox.kaonavi_stats(KAONAVI_KEY);
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

// ---------------------------------------------------------------- item 7: documented examples

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/kaonavi/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture"))
        .expect("fixture is JSON");
    assert!(
        v["source"]
            .as_str()
            .is_some_and(|s| s.contains("Kaonavi.NET")),
        "{name} names its source"
    );
    v
}

/// The keys of an object (nested objects and arrays of objects too), as `a.b` paths.
fn shape(v: &Value, prefix: &str, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let path = format!("{prefix}{k}");
                out.insert(path.clone());
                shape(v, &format!("{path}."), out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| shape(v, prefix, out)),
        _ => {}
    }
}

fn keys(v: &Value) -> std::collections::BTreeSet<String> {
    let mut out = Default::default();
    shape(v, "", &mut out);
    out
}

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn sign_in(env: &SandboxEnv) -> (Self, Value) {
        let http = reqwest::Client::new();
        let base = format!("http://{}/kaonavi/api/v2.0", env.addr);
        let answer: Value = http
            .post(format!("{base}/token"))
            .basic_auth(KAONAVI_KEY, Some(KAONAVI_SECRET))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = answer["access_token"].as_str().unwrap().to_string();
        (Self { http, base, token }, answer)
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("Kaonavi-Token", &self.token);
        if let Some(b) = body {
            r = r.json(b);
        }
        let reply = r.send().await.unwrap();
        let status = reply.status().as_u16();
        (status, reply.json().await.unwrap_or(Value::Null))
    }

    /// Replays a documented write and follows its task to the end.
    async fn write(&self, method: reqwest::Method, body: &Value) -> (Value, Value) {
        let (status, answer) = self.call(method, "/members", Some(body)).await;
        assert_eq!(status, 200, "{answer}");
        let id = answer["task_id"].as_u64().expect("a task id");
        loop {
            let (status, progress) = self
                .call(reqwest::Method::GET, &format!("/tasks/{id}"), None)
                .await;
            assert_eq!(status, 200);
            if progress["status"] != "RUNNING" && progress["status"] != "WAITING" {
                return (answer, progress);
            }
        }
    }
}

/// The documented create and update bodies are accepted by the simulator as they stand
/// (tasks OK, no contract violation), and its answers have the documented shapes: no key
/// the documents do not show.
#[tokio::test]
async fn s29_7_documented_requests_replay_against_the_simulator_with_documented_answers() {
    let env = env().await;
    let members_doc = fixture("members.json");
    let (api, token) = Api::sign_in(&env).await;
    let token_doc = fixture("token.json");
    assert_eq!(keys(&token), keys(&token_doc["answer"]), "token answer");

    let request = &members_doc["write_request"];
    let (answer, done) = api.write(reqwest::Method::POST, request).await;
    assert_eq!(keys(&answer), keys(&members_doc["write_answer"]));
    let tasks_doc = fixture("tasks.json");
    let ok = &tasks_doc["answers"][0];
    assert_eq!((keys(&done), &done["status"]), (keys(ok), &ok["status"]));
    let (_, again) = api.write(reqwest::Method::PATCH, request).await;
    assert_eq!(again["status"], "OK", "the documented update: {again}");
    let (_, refused) = api.write(reqwest::Method::POST, request).await;
    let ng = &tasks_doc["answers"][2];
    assert_eq!(
        (keys(&refused), &refused["status"]),
        (keys(ng), &ng["status"])
    );

    let (status, listed) = api.call(reqwest::Method::GET, "/members", None).await;
    assert_eq!(status, 200);
    let documented = keys(&members_doc["list_answer"]);
    let extra: Vec<_> = keys(&listed).difference(&documented).cloned().collect();
    assert!(
        extra.is_empty(),
        "keys the documents do not show: {extra:?}"
    );
    let (_, layout) = api
        .call(reqwest::Method::GET, "/member_layouts", None)
        .await;
    let layout_doc = fixture("member_layouts.json");
    for (field, spec) in layout_doc["answer"].as_object().unwrap() {
        if field == "custom_fields" {
            assert!(layout[field].is_array());
            continue;
        }
        for attr in ["name", "required", "type", "max_length"] {
            assert_eq!(layout[field][attr], spec[attr], "{field}.{attr}");
        }
    }
    let (status, error) = api
        .call(
            reqwest::Method::POST,
            "/members",
            Some(&json!({"member_data": [{"code": ""}]})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(keys(&error), keys(&fixture("errors.json")["answer"]));
    let stats = env.sandbox.kaonavi_stats(KAONAVI_KEY);
    assert_eq!(stats["violations"], json!([]), "{stats}");
    // …and the check is live: a field Kaonavi does not document is recorded.
    let invented = json!({"member_data": [{"code": "A0003", "nickname": "カオ"}]});
    api.write(reqwest::Method::POST, &invented).await;
    let stats = env.sandbox.kaonavi_stats(KAONAVI_KEY);
    assert!(
        stats["violations"][0]
            .as_str()
            .is_some_and(|v| v.contains("nickname")),
        "{stats}"
    );
}

/// For the documented records (A0002 カオナビ 太郎, A0001 カオナビ 花子), what renkei's mapping
/// and client send is the documented body, field for field on the fields renkei manages
/// (and nothing else); and reading Kaonavi back gives what the documented answer gives.
#[tokio::test]
async fn s29_7_renkei_sends_the_documented_body_for_the_documented_members() {
    let env = env().await;
    let doc = fixture("members.json");
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    let person =
        |id: &str, number: &str, first: &str, kana: &str, gender: &str, born: &str, hired: &str| {
            let mut e = employee(id, number, "カオナビ", first);
            e["last_name_kana"] = json!("かおなび");
            e["first_name_kana"] = json!(kana);
            e["gender"] = json!(gender);
            e["birth_date"] = json!(born);
            e["hire_date"] = json!(hired);
            e
        };
    env.sandbox
        .roumumate_upsert(
            ROUMUMATE_TOKEN,
            vec![
                person(
                    "r2",
                    "A0002",
                    "太郎",
                    "たろう",
                    "male",
                    "1984-05-15",
                    "2005-09-20",
                ),
                person(
                    "r1",
                    "A0001",
                    "花子",
                    "はなこ",
                    "female",
                    "1986-05-16",
                    "2013-05-07",
                ),
            ],
        )
        .unwrap();
    let run = run_scheduled(&env, &t, &c).await;
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");

    let sent = requests(&env).await["last_write"].clone();
    let managed = [
        "code",
        "name",
        "name_kana",
        "gender",
        "birthday",
        "entered_date",
    ];
    for documented in doc["write_request"]["member_data"].as_array().unwrap() {
        let code = &documented["code"];
        let ours = sent["member_data"]
            .as_array()
            .and_then(|a| a.iter().find(|m| &m["code"] == code))
            .unwrap_or_else(|| panic!("renkei sent {code}: {sent}"));
        for key in ours.as_object().unwrap().keys() {
            assert!(
                managed.contains(&key.as_str()),
                "{code}: unmanaged key {key}"
            );
        }
        for key in managed {
            assert_eq!(ours[key], documented[key], "{code}.{key}");
        }
    }
    let client = client(KaonaviConfig::new(&format!(
        "http://{}/kaonavi/api/v2.0",
        env.addr
    )));
    let mut read = client.members().await.unwrap();
    read.sort_by(|a, b| a.code.cmp(&b.code));
    let mut expected: Vec<MemberData> =
        serde_json::from_value(doc["list_answer"]["member_data"].clone())
            .expect("documented answer");
    expected.sort_by(|a, b| a.code.cmp(&b.code));
    assert_eq!(
        read, expected,
        "the simulator's answer reads as the documented one"
    );
    let stats = env.sandbox.kaonavi_stats(KAONAVI_KEY);
    assert_eq!(stats["violations"], json!([]), "{stats}");
}
