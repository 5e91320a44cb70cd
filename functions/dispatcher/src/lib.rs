//! The dispatcher's handler, generic over the ports so tests call it with the embedded ones.

use lambda_runtime::LambdaEvent;
use renkei_core::Clock;
use renkei_core::ports::{EventBus, StateStore};
use serde_json::{Value, json};

/// What the handler needs.
pub struct Deps<S, B, C> {
    /// State (DynamoDB).
    pub store: S,
    /// Bus (EventBridge).
    pub bus: B,
    /// Time.
    pub clock: C,
}

/// Handles a scheduled event: dispatches every due connection, answers how many.
pub async fn handle<S: StateStore, B: EventBus, C: Clock>(
    event: LambdaEvent<Value>,
    deps: &Deps<S, B, C>,
) -> Result<Value, lambda_runtime::Error> {
    let kind = event
        .payload
        .get("detail-type")
        .and_then(Value::as_str)
        .unwrap_or("");
    if kind != "Scheduled Event" {
        return Err(
            format!("dispatcher expects an EventBridge \"Scheduled Event\", got {kind:?}").into(),
        );
    }
    let sent = renkei_core::dispatch::dispatch_due(
        &deps.store,
        &deps.bus,
        &deps.clock,
        "renkei",
        renkei_core::engine::EngineConfig::default().claim_ttl,
    )
    .await?;
    tracing::info!(dispatched = sent.len(), "dispatched due connections");
    Ok(json!({ "dispatched": sent.len() }))
}
