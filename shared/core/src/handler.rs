//! What every connector Lambda does with its event, free of Lambda and AWS types so that
//! tests drive it with the sample events of events/ and the embedded ports.

use crate::engine::{
    ConnectorFactory, Engine, EngineConfig, EngineError, NoHook, Outcome, Ports, SyncRequested,
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Why an invocation did not run.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Not a SyncRequested event: will never succeed.
    #[error("not a SyncRequested event: {0}")]
    BadEvent(String),
    /// The event names another connector (a mis-configured bus rule).
    #[error("event for connector {got} reached the {expected} function")]
    WrongConnector {
        /// This function's connector.
        expected: String,
        /// The event's.
        got: String,
    },
    /// The state store failed around the run: may succeed on retry.
    #[error("{0}")]
    Engine(#[from] EngineError),
}

impl HandlerError {
    /// Whether Lambda's retry of the async invocation can help.
    pub fn retryable(&self) -> bool {
        matches!(self, HandlerError::Engine(_))
    }
}

/// What an invocation answers Lambda. An event this function can never run (malformed, or
/// another connector's: a mis-configured rule) is logged and acknowledged: Lambda retries a
/// failed async invocation whatever error type it carries, so failing would only repeat it.
/// `request` is the event's decoded detail (renkei_aws::lambda decodes the EventBridge
/// envelope), or why it could not be decoded.
pub async fn answer_sync_request(
    request: Result<SyncRequested, String>,
    deadline: Option<DateTime<Utc>>,
    ports: Ports<'_>,
    config: EngineConfig,
    factory: &dyn ConnectorFactory,
) -> Result<Value, HandlerError> {
    let result = match request {
        Ok(req) => handle_sync_request(req, deadline, ports, config, factory).await,
        Err(why) => Err(HandlerError::BadEvent(why)),
    };
    match result {
        Err(e) if !e.retryable() => {
            tracing::error!(error = %e, "event dropped: it can never run in this function");
            Ok(json!({ "dropped": e.to_string() }))
        }
        other => other,
    }
}

/// Runs the connection a SyncRequested event names once, before `deadline`.
pub async fn handle_sync_request(
    req: SyncRequested,
    deadline: Option<DateTime<Utc>>,
    ports: Ports<'_>,
    config: EngineConfig,
    factory: &dyn ConnectorFactory,
) -> Result<Value, HandlerError> {
    if req.connector != factory.name() {
        return Err(HandlerError::WrongConnector {
            expected: factory.name().into(),
            got: req.connector,
        });
    }
    let request = req.to_request(deadline);
    let (tenant, connection) = (&request.tenant_id, &request.connection_id);
    // Lambda discards what an async invocation answers, so each outcome is also one log line:
    // an invocation that did nothing says why (lease held, stale claim, not due, …).
    match Engine::new(ports, config, &NoHook)
        .run(&request, factory)
        .await?
    {
        Outcome::Ran(run) => {
            tracing::info!(%tenant, %connection, run = %run.run_id, status = run.status.as_str(), "run finished");
            Ok(json!({
                "run_id": run.run_id, "status": run.status.as_str(), "counts": run.counts
            }))
        }
        Outcome::Skipped(why) => {
            tracing::info!(%tenant, %connection, "nothing ran: {why}");
            Ok(json!({ "skipped": why }))
        }
        Outcome::Fenced(run) => {
            let why = "lost the lease mid-run; stopped without writing more";
            tracing::warn!(%tenant, %connection, run = %run.run_id, "{why}");
            Ok(json!({ "run_id": run.run_id, "fenced": why }))
        }
    }
}
