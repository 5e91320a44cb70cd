//! Issue 30 item 6: the lease a connector function's environment sets is the lease its runs
//! take — read by the shared loader (renkei_aws::config), handed to the engine exactly as
//! `serve_connector` hands it (`ConnectorConfig::engine`), through the handler the Lambda
//! runs per event.

use chrono::Duration;
use renkei_aws::config::{ConnectorConfig, LEASE_SECONDS};
use renkei_aws::lambda::answer_sync_event;
use renkei_core::Clock;
use renkei_core::engine::EngineConfig;
use renkei_core::outbound::OutboundPolicy;
use renkei_core::repo::Repo;
use renkei_e2e::*;
use serde_json::Value;

/// A connector function's environment as the templates set it, with `lease` seconds.
fn function_env(lease: Option<&'static str>) -> impl Fn(&str) -> Option<String> {
    move |name| {
        match name {
            "RENKEI_TABLE" => Some("renkei-state"),
            "RENKEI_BUS" => Some("renkei-bus"),
            "RENKEI_MAIL_FROM" => Some("noreply@example.com"),
            "RENKEI_ALLOWED_VENDOR_HOSTS" => Some(""),
            n if n == LEASE_SECONDS => lease,
            _ => None,
        }
        .map(String::from)
    }
}

/// Runs the C2 sample event with `config`'s engine; the lease the run held, as stored after
/// it (a released lease keeps the expiry it last had), and when the run started.
async fn lease_after_a_run(
    config: &ConnectorConfig,
) -> (renkei_core::repo::Lease, chrono::DateTime<chrono::Utc>) {
    let env = env().await;
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    // The simulators are on loopback, which no deployed policy allows: the outbound policy is
    // the embedded backend's, everything else the function's.
    let engine = EngineConfig {
        outbound: OutboundPolicy::Local,
        ..config.engine()
    };
    let event: Value = serde_json::from_str(include_str!(
        "../events/roumumate-kaonavi-sync-requested.json"
    ))
    .unwrap();
    // The backend's clock is manual: the run takes and renews its lease at this instant.
    let now = env.clock.now();
    let answer = answer_sync_event(
        event,
        None,
        env.backend.ports(),
        engine,
        &renkei_connectors::roumumate_kaonavi::Factory,
    )
    .await
    .unwrap();
    assert_eq!(answer["status"], "succeeded", "{answer}");
    let lease = Repo::new(&env.backend.store)
        .lease(&t, &c)
        .await
        .unwrap()
        .expect("the run took the connection's lease");
    assert!(lease.released, "the run gave its lease back");
    (lease, now)
}

#[tokio::test]
async fn s30_6_a_lease_set_in_the_environment_is_the_lease_a_connector_run_takes() {
    let set = ConnectorConfig::from_vars(function_env(Some("150"))).unwrap();
    let (lease, now) = lease_after_a_run(&set).await;
    assert_eq!(lease.expires_at, now + Duration::seconds(150));

    // Unset, the run's lease is the engine's default, as before the loader.
    let unset = ConnectorConfig::from_vars(function_env(None)).unwrap();
    let (lease, now) = lease_after_a_run(&unset).await;
    assert_eq!(lease.expires_at, now + EngineConfig::default().lease_ttl);
}
