//! Issue 28, items 12–13: where a deployed stack may call out. The sandbox's loopback vendors
//! are reachable from the embedded backend only; a deployed engine (the connector functions'
//! policy) refuses the same connection before it reads its credentials or calls anyone.

use renkei_core::engine::{Engine, EngineConfig, NoHook, Outcome, RunRequest, RunStatus};
use renkei_core::outbound::OutboundPolicy;
use renkei_e2e::*;

async fn run_with(env: &SandboxEnv, outbound: OutboundPolicy, req: &RunRequest) -> Outcome {
    let config = EngineConfig {
        outbound,
        ..env.backend.config.clone()
    };
    Engine::new(env.backend.ports(), config, &NoHook)
        .run_registered(req, &env.backend.registry)
        .await
        .unwrap()
}

#[tokio::test]
async fn s28_12_a_deployed_engine_refuses_a_connection_to_plain_http_loopback() {
    let env = env().await;
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    let req = RunRequest::manual(t, c);
    let calls_before = env.sandbox.kaonavi().stats(KAONAVI_KEY);

    let Outcome::Ran(run) = run_with(&env, OutboundPolicy::deployed(""), &req).await else {
        panic!("the run is recorded")
    };
    assert_eq!(run.status, RunStatus::Failed);
    let error = run.error.unwrap_or_default();
    assert!(
        error.contains("settings.roumumate_url") && error.contains("only https"),
        "{error}"
    );
    assert_eq!(
        env.sandbox.kaonavi().stats(KAONAVI_KEY),
        calls_before,
        "no call went out"
    );

    let Outcome::Ran(run) = run_with(&env, OutboundPolicy::Local, &req).await else {
        panic!("ran")
    };
    assert_eq!(run.status, RunStatus::Succeeded, "{:?}", run.error);
}
