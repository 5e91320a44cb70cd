//! P6: vendor rate limits belong to the credential, not to one run. Kaonavi's 5 writes per
//! 60 s hold across back-to-back runs and a continuation; the Mynavi accounts of a tenant,
//! which share one HRMOS key, share its 600 requests per minute.

use chrono::Duration;
use renkei_connectors::roumumate_kaonavi::KaonaviLimits;
use renkei_core::engine::{NoHook, Outcome, RunRequest, RunStatus, Step};
use renkei_core::rate::{Admission, Slot, Window};
use renkei_core::repo::Repo;
use renkei_core::{Clock, TenantId};
use renkei_e2e::*;
use renkei_sandbox::Limits;
use serde_json::Value;

/// Simulated seconds per real second: Kaonavi's 60 s window takes 2 s here.
const SCALE: f64 = 30.0;

fn seed(range: std::ops::RangeInclusive<usize>) -> Vec<Value> {
    range
        .map(|i| employee(&format!("e{i}"), &format!("{i:04}"), "山田", "太郎"))
        .collect()
}

#[tokio::test]
async fn p6_kaonavi_writes_stay_within_5_per_60_s_across_back_to_back_runs_and_a_continuation() {
    let env = SandboxEnv::start_scaled(Limits::default(), 1, SCALE)
        .await
        .unwrap();
    let mut settings = env.settings(1, KaonaviLimits::default());
    settings.task_poll_ms = 1;
    let (t, c) = env.connect(settings).await.unwrap();
    env.sandbox.kaonavi().reset_stats(KAONAVI_KEY);

    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, seed(1..=6))
        .unwrap();
    let first = env.next_slot(&t, &c).await.unwrap().pop().unwrap();
    assert_eq!(first.status, RunStatus::Succeeded);
    // The next run starts at once: its first writes meet the first run's window.
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, seed(7..=12))
        .unwrap();
    let second = env.next_slot(&t, &c).await.unwrap().pop().unwrap();
    assert_eq!(second.status, RunStatus::Succeeded);
    // A third run that hands over to a continuation after two pages.
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, seed(13..=18))
        .unwrap();
    make_due(&env, &t, &c).await;
    let clock = env.clock.clone();
    let pages = std::sync::atomic::AtomicUsize::new(0);
    let two_pages = Probe(move |step| {
        if step == Step::Committed && pages.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            clock.advance(Duration::minutes(20));
        }
    });
    let mut req = RunRequest::scheduled(t.clone(), c.clone(), None);
    req.deadline = Some(env.clock.now() + Duration::minutes(15));
    let Outcome::Ran(third) = env.backend.run(&req, &two_pages).await.unwrap() else {
        panic!("third run")
    };
    assert_eq!(third.status, RunStatus::Continued);
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
    assert_eq!(rest.status, RunStatus::Succeeded);

    let stats = env.sandbox.kaonavi().stats(KAONAVI_KEY);
    assert_eq!(members(&env).len(), 18);
    assert_eq!(stats["throttled"], 0, "0 × 429: {stats}");
    assert!(
        stats["max_writes_in_window"].as_u64().unwrap() <= 5,
        "never more than 5 writes in any 60 s: {stats}"
    );
}

#[tokio::test]
async fn p6_three_mynavi_accounts_of_one_tenant_share_one_hrmos_window() {
    use renkei_vendors::hrmos::HrmosClient;
    let env = env().await;
    let t = TenantId::new("demo-co").unwrap();
    // Three accounts' clients with the tenant's one HRMOS key name one credential window.
    let keys: Vec<String> = (0..3)
        .map(|_| {
            let mut client =
                HrmosClient::new("http://127.0.0.1:9", "tenant-hrmos-key", Some(600)).unwrap();
            renkei_vendors::http::RunBound::base(&mut client)
                .credential()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] == w[1]), "{keys:?}");
    assert!(
        !keys[0].contains("tenant-hrmos-key"),
        "only a hash of the key is kept"
    );

    // Each account wants 500 requests at once, over three simulated minutes.
    let slot = Slot {
        credential: keys[0].clone(),
        windows: vec![Window {
            name: "all".into(),
            limit: 600,
            window_ms: 60_000,
            cost: 1,
        }],
    };
    let repo = Repo::new(&env.backend.store);
    let start = 1_800_000_000_000i64;
    let mut granted: Vec<i64> = Vec::new();
    let mut wanted = [500usize; 3];
    let mut now = start;
    while wanted.iter().any(|w| *w > 0) && now < start + 180_000 {
        for w in wanted.iter_mut().filter(|w| **w > 0) {
            if repo.admit(&t, &slot, now).await.unwrap() == Admission::Granted {
                granted.push(now);
                *w -= 1;
            }
        }
        now += 50;
    }
    granted.sort_unstable();
    for (i, at) in granted.iter().enumerate().skip(600) {
        assert!(
            at - granted[i - 600] >= 60_000,
            "more than 600 HRMOS requests in one minute across the accounts"
        );
    }
    assert!(
        granted.len() >= 1200,
        "and the window is used: {}",
        granted.len()
    );
}
