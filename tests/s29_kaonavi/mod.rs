//! Helpers of the Kaonavi tests of issue 29 (tests/s29_kaonavi_polls.rs, item 4, and
//! tests/s29_kaonavi_fixtures.rs, item 7): a sandbox whose Kaonavi runs tasks for a while,
//! settings scaled like it, its request journal, and a scheduled run.
#![allow(dead_code)]
use chrono::{DateTime, Utc};
use renkei_connectors::roumumate_kaonavi::{KaonaviLimits, Settings};
use renkei_core::{ConnectionId, TenantId};
use renkei_e2e::*;
use renkei_sandbox::{CompanySetup, Limits};
use renkei_testbed::KAONAVI_SECRET;
use renkei_vendors::kaonavi::{Credentials, KaonaviClient, KaonaviConfig};
use serde_json::Value;

// ---------------------------------------------------------------- helpers

/// A sandbox whose Kaonavi runs each task for `task_seconds` simulated seconds, with the
/// given limits, at `scale` simulated seconds per real second.
pub async fn kaonavi_env(limits: Limits, task_seconds: f64, scale: f64) -> SandboxEnv {
    let env = SandboxEnv::start_scaled(limits, 0, scale)
        .await
        .expect("sandbox starts");
    env.sandbox.kaonavi().company(
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
    env
}

/// C2 settings with Kaonavi's limits and the production first wait (1 s, in simulated
/// time), for an env of [`kaonavi_env`] (or [`SandboxEnv::start_scaled`]), whose runs scale
/// Kaonavi's waits and windows like its sandbox.
pub fn scaled(env: &SandboxEnv, page_size: u32, limits: Limits) -> Settings {
    let mut s = env.settings(
        page_size,
        KaonaviLimits {
            requests_per_hour: limits.requests_per_hour,
            writes_per_minute: limits.writes_per_minute,
        },
    );
    s.task_poll_ms = 1000;
    s
}

/// renkei's Kaonavi client of the demo company.
pub fn client(config: KaonaviConfig) -> KaonaviClient {
    let creds = Credentials {
        consumer_key: KAONAVI_KEY.into(),
        consumer_secret: KAONAVI_SECRET.into(),
    };
    KaonaviClient::new(config, creds).expect("a client")
}

pub fn employees(range: std::ops::RangeInclusive<usize>) -> Vec<Value> {
    range
        .map(|i| employee(&format!("e{i}"), &format!("{i:04}"), "山田", "太郎"))
        .collect()
}

pub fn control(env: &SandboxEnv, path: &str) -> String {
    format!(
        "http://{}/_control/kaonavi/companies/{KAONAVI_KEY}{path}",
        env.addr
    )
}

/// The company's journal: `requests` (every call, oldest first) and `last_write` (a body).
pub async fn requests(env: &SandboxEnv) -> Value {
    let reply = reqwest::get(control(env, "/requests")).await;
    reply
        .expect("control API answers")
        .json()
        .await
        .expect("JSON")
}

pub async fn journal(env: &SandboxEnv) -> Vec<Value> {
    let body = requests(env).await;
    body["requests"].as_array().cloned().unwrap_or_default()
}

/// Lets every running task of the company finish now.
pub async fn finish_tasks(env: &SandboxEnv) {
    let r = reqwest::Client::new()
        .post(control(env, "/tasks/finish"))
        .send()
        .await
        .expect("control API answers");
    assert!(r.status().is_success());
}

pub fn at(entry: &Value) -> DateTime<Utc> {
    entry["at"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .expect("entries carry their time")
}

pub fn is_poll(e: &Value) -> bool {
    e["method"] == "GET" && e["path"].as_str().is_some_and(|p| p.starts_with("/tasks/"))
}

/// A write that was not a Dry-Run check (setup probes are).
pub fn is_write(e: &Value) -> bool {
    (e["method"] == "POST" || e["method"] == "PATCH")
        && e["path"] == "/members"
        && e["dry_run"] != true
}

pub fn writes_naming(entries: &[Value], code: &str) -> usize {
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
pub fn between(polls: &[DateTime<Utc>]) -> Vec<f64> {
    polls
        .windows(2)
        .map(|w| (w[1] - w[0]).num_milliseconds() as f64 / 1000.0)
        .collect()
}

pub async fn run_scheduled(
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
