//! Every connector function handles its sample event from events/ (what `sam local invoke`
//! and `cargo lambda invoke` send), through the same handler the Lambda runs.

use renkei_aws::lambda::{answer_sync_event, sync_request};
use renkei_core::engine::{ConnectorFactory, EngineConfig};
use renkei_core::handler::{HandlerError, handle_sync_request};
use renkei_e2e::*;
use serde_json::Value;

/// The engine as the embedded backend runs it: the sandbox is on loopback.
fn local_engine() -> EngineConfig {
    EngineConfig {
        outbound: renkei_core::outbound::OutboundPolicy::Local,
        ..EngineConfig::default()
    }
}

async fn invoke(
    env: &SandboxEnv,
    event: &str,
    factory: &dyn ConnectorFactory,
) -> Result<Value, HandlerError> {
    let payload: Value = serde_json::from_str(event).unwrap();
    let request = sync_request(payload).map_err(HandlerError::BadEvent)?;
    handle_sync_request(request, None, env.backend.ports(), local_engine(), factory).await
}

#[tokio::test]
async fn mynavi_hrmos_function_runs_its_sample_event() {
    let env = env().await;
    env.register_mynavi().await.unwrap();
    let event = include_str!("../events/mynavi-hrmos-sync-requested.json");
    let answer = invoke(&env, event, &renkei_connectors::mynavi_hrmos::Factory)
        .await
        .unwrap();
    assert_eq!(answer["status"], "succeeded", "{answer}");
}

#[tokio::test]
async fn roumumate_kaonavi_function_runs_its_sample_event() {
    let env = env().await;
    // A fresh connection: not due (its first run is at the next cadence) and unclaimed; the
    // sample is a person's request, so it runs all the same.
    env.connect(env.settings(50, no_limits())).await.unwrap();
    let event = include_str!("../events/roumumate-kaonavi-sync-requested.json");
    let answer = invoke(&env, event, &renkei_connectors::roumumate_kaonavi::Factory)
        .await
        .unwrap();
    assert_eq!(answer["status"], "succeeded", "{answer}");
}

#[tokio::test]
async fn hrbrain_mikiwame_function_runs_its_sample_event_a_persons_department_sync() {
    let env = env().await;
    env.sandbox
        .hrbrain().organization(
            HRBRAIN_SUBDOMAIN,
            serde_json::json!({"type": "tree", "items": [
                {"id": "a", "value": "本社", "code": "HQ", "items": [{"id": "b", "value": "営業部", "code": "S"}]}
            ]}),
        )
        .unwrap();
    env.connect_hrbrain(env.hrbrain_settings()).await.unwrap();
    // Not due (the daily run is a day away): a person's request runs all the same.
    let event = include_str!("../events/hrbrain-mikiwame-sync-requested.json");
    let answer = invoke(&env, event, &renkei_connectors::hrbrain_mikiwame::Factory)
        .await
        .unwrap();
    assert_eq!(answer["status"], "succeeded", "{answer}");
    assert_eq!(env.sandbox.mikiwame().departments(MIKIWAME_KEY).len(), 2);
}

#[tokio::test]
async fn a_function_refuses_another_connectors_event_without_retry() {
    let env = env().await;
    let event = include_str!("../events/roumumate-kaonavi-sync-requested.json");
    let err = invoke(&env, event, &renkei_connectors::mynavi_hrmos::Factory)
        .await
        .unwrap_err();
    assert!(matches!(err, HandlerError::WrongConnector { .. }), "{err}");
    assert!(!err.retryable());
    let err = invoke(
        &env,
        "{\"detail\": {}}",
        &renkei_connectors::mynavi_hrmos::Factory,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, HandlerError::BadEvent(_)) && !err.retryable());
}

#[tokio::test]
async fn another_connectors_event_is_acknowledged_not_failed_so_lambda_does_not_retry_it() {
    let env = env().await;
    let event = include_str!("../events/roumumate-kaonavi-sync-requested.json");
    let payload: Value = serde_json::from_str(event).unwrap();
    let answer = answer_sync_event(
        payload,
        None,
        env.backend.ports(),
        local_engine(),
        &renkei_connectors::mynavi_hrmos::Factory,
    )
    .await
    .expect("acknowledged: Lambda retries any error of an async invocation");
    assert!(
        answer["dropped"]
            .as_str()
            .unwrap()
            .contains("roumumate-kaonavi"),
        "{answer}"
    );
}
