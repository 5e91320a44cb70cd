//! roumumate-kaonavi Lambda (C2): runs the sync engine once per SyncRequested event for its
//! connector. Everything it does lives in renkei_core (engine) and renkei_connectors
//! (roumumate_kaonavi); this file only wires the AWS ports.

use chrono::{DateTime, Utc};
use lambda_runtime::{Diagnostic, Error, LambdaEvent, run, service_fn, tracing};
use renkei_aws::{DynamoStore, EventBridgeBus, SecretsManager, SesNotifier};
use renkei_connectors::roumumate_kaonavi::Factory;
use renkei_core::SystemClock;
use renkei_core::engine::{
    Engine, EngineConfig, NoHook, Outcome, Ports, RunRequest, SyncRequested,
};
use serde_json::{Value, json};

struct Deps {
    store: DynamoStore,
    secrets: SecretsManager,
    notifier: SesNotifier,
    bus: EventBridgeBus,
}

#[derive(Debug, thiserror::Error)]
enum HandlerError {
    #[error("not a SyncRequested event: {0}")]
    BadEvent(String),
    #[error("{0}")]
    Engine(#[from] renkei_core::engine::EngineError),
}

impl From<HandlerError> for Diagnostic {
    fn from(e: HandlerError) -> Self {
        // A malformed event will never succeed; an engine error (state store) may on retry.
        let kind = match e {
            HandlerError::BadEvent(_) => "NonRetryable",
            HandlerError::Engine(_) => "Retryable",
        };
        Diagnostic {
            error_type: kind.into(),
            error_message: e.to_string(),
        }
    }
}

async fn handle(event: LambdaEvent<Value>, deps: &Deps) -> Result<Value, HandlerError> {
    let detail = event.payload.get("detail").cloned().unwrap_or(Value::Null);
    let req: SyncRequested =
        serde_json::from_value(detail).map_err(|e| HandlerError::BadEvent(e.to_string()))?;
    // Leave time to save and hand over before Lambda's own limit.
    let deadline: DateTime<Utc> = event.context.deadline().into();
    let request = RunRequest {
        tenant_id: req.tenant_id,
        connection_id: req.connection_id,
        deadline: Some(deadline),
        dry_run: false,
        manual: false,
    };
    let ports = Ports {
        store: &deps.store,
        secrets: &deps.secrets,
        notifier: &deps.notifier,
        bus: &deps.bus,
        clock: &SystemClock,
    };
    match Engine::new(ports, EngineConfig::default(), &NoHook)
        .run(&request, &Factory)
        .await?
    {
        Outcome::Ran(run) => {
            Ok(json!({"run": run.run_id, "status": run.status.as_str(), "counts": run.counts}))
        }
        Outcome::Skipped(why) => Ok(json!({"skipped": why})),
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = renkei_aws::sdk_config().await;
    let deps = Deps {
        store: DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&config),
            std::env::var("RENKEI_TABLE")?,
        ),
        secrets: SecretsManager::new(aws_sdk_secretsmanager::Client::new(&config)),
        notifier: SesNotifier::new(
            aws_sdk_sesv2::Client::new(&config),
            std::env::var("RENKEI_MAIL_FROM")?,
        ),
        bus: EventBridgeBus::new(
            aws_sdk_eventbridge::Client::new(&config),
            std::env::var("RENKEI_BUS")?,
        ),
    };
    run(service_fn(|event: LambdaEvent<Value>| handle(event, &deps))).await
}
