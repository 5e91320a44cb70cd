//! The dispatcher's handler, generic over the ports so tests call it with the embedded ones.

use lambda_runtime::LambdaEvent;
use renkei_core::Clock;
use renkei_core::ports::{EventBus, StateStore};
use serde::Serialize;
use serde_json::Value;

/// The time one round of claims and events may take (at most 320 of each; well under a
/// second on DynamoDB, about two on moto).
const ROUND_MARGIN: chrono::Duration = chrono::Duration::seconds(10);

/// What the handler needs.
pub struct Deps<S, B, C> {
    /// State (DynamoDB).
    pub store: S,
    /// Bus (EventBridge).
    pub bus: B,
    /// Time.
    pub clock: C,
}

/// What the dispatcher answers a scheduled event: `{"dispatched": n}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Dispatched {
    /// How many due connections were sent a SyncRequested event.
    pub dispatched: usize,
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
    // Lambda's deadline, less the time to claim and announce one more round: a dispatcher
    // killed mid-round would leave that round's connections waiting for their claims to
    // expire; the ones it never reached stay due for the next tick.
    // (A context without one, as in tests, is no limit.)
    let stop_claiming_at = (event.context.deadline > 0)
        .then(|| chrono::DateTime::<chrono::Utc>::from(event.context.deadline()) - ROUND_MARGIN);
    let sent = renkei_core::dispatch::dispatch_due_until(
        &deps.store,
        &deps.bus,
        &deps.clock,
        "renkei",
        renkei_core::engine::EngineConfig::default().claim_ttl,
        stop_claiming_at,
    )
    .await?;
    tracing::info!(dispatched = sent.len(), "dispatched due connections");
    Ok(serde_json::to_value(Dispatched {
        dispatched: sent.len(),
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_how_many_were_dispatched() {
        let answer = serde_json::to_value(Dispatched { dispatched: 2 }).unwrap();
        assert_eq!(answer, serde_json::json!({ "dispatched": 2 }));
    }
}
