//! What every connector Lambda does with its event, free of Lambda and AWS types so that
//! tests drive it with the sample events of events/ and the embedded ports.

use crate::engine::{
    ConnectorFactory, Engine, EngineConfig, EngineError, NoHook, Outcome, Ports, SyncRequested,
};
use crate::ids::RunId;
use crate::run::Counts;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

/// What a connector invocation answers Lambda, one shape per way it can end. Lambda discards
/// an async invocation's answer, but `sam local invoke`, `renkei stack` and the tests read it
/// (as JSON: the functions below answer [`Value`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum SyncAnswer {
    /// A run happened: `{"run_id", "status", "counts"}`.
    Ran {
        /// The run.
        run_id: RunId,
        /// How it ended ([`crate::run::RunStatus::as_str`]: `succeeded`, `partial` …).
        status: &'static str,
        /// What happened to its records.
        counts: Counts,
    },
    /// Nothing ran (lease held, stale claim, not due …): `{"skipped": why}`.
    Skipped {
        /// Why nothing ran.
        skipped: String,
    },
    /// The run lost its lease mid-run and stopped without writing more:
    /// `{"run_id", "fenced": why}`.
    Fenced {
        /// The run that stopped.
        run_id: RunId,
        /// Why it stopped.
        fenced: &'static str,
    },
    /// An event this function can never run, acknowledged so that Lambda does not retry it:
    /// `{"dropped": why}`.
    Dropped {
        /// Why it can never run (the [`HandlerError`]'s text).
        dropped: String,
    },
}

impl From<SyncAnswer> for Value {
    fn from(answer: SyncAnswer) -> Self {
        // Strings, ids and counters only: nothing in it can fail to become JSON.
        serde_json::to_value(answer).expect("a SyncAnswer is JSON")
    }
}

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
            Ok(SyncAnswer::Dropped {
                dropped: e.to_string(),
            }
            .into())
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
    let answer = match Engine::new(ports, config, &NoHook)
        .run(&request, factory)
        .await?
    {
        Outcome::Ran(run) => {
            tracing::info!(%tenant, %connection, run = %run.run_id, status = run.status.as_str(), "run finished");
            SyncAnswer::Ran {
                run_id: run.run_id,
                status: run.status.as_str(),
                counts: run.counts,
            }
        }
        Outcome::Skipped(why) => {
            tracing::info!(%tenant, %connection, "nothing ran: {why}");
            SyncAnswer::Skipped { skipped: why }
        }
        Outcome::Fenced(run) => {
            let why = "lost the lease mid-run; stopped without writing more";
            tracing::warn!(%tenant, %connection, run = %run.run_id, "{why}");
            SyncAnswer::Fenced {
                run_id: run.run_id,
                fenced: why,
            }
        }
    };
    Ok(answer.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_answer_is_the_json_the_handler_always_answered() {
        let run_id = RunId::new("r1").expect("id");
        let counts = Counts {
            created: 1,
            ..Counts::default()
        };
        let cases = [
            (
                SyncAnswer::Ran {
                    run_id: run_id.clone(),
                    status: "succeeded",
                    counts,
                },
                json!({ "run_id": "r1", "status": "succeeded", "counts": counts }),
            ),
            (
                SyncAnswer::Skipped {
                    skipped: "not due".into(),
                },
                json!({ "skipped": "not due" }),
            ),
            (
                SyncAnswer::Fenced {
                    run_id,
                    fenced: "lost",
                },
                json!({ "run_id": "r1", "fenced": "lost" }),
            ),
            (
                SyncAnswer::Dropped {
                    dropped: "bad".into(),
                },
                json!({ "dropped": "bad" }),
            ),
        ];
        for (answer, expected) in cases {
            let json = Value::from(answer);
            assert_eq!(json, expected);
            assert_eq!(
                json.to_string(),
                expected.to_string(),
                "same keys, same order"
            );
        }
    }
}
