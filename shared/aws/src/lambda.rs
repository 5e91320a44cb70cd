//! The Lambda loop of a connector function: every connector's `main.rs` is one call to
//! [`serve_connector`] with its factory.

use crate::AwsPorts;
use lambda_runtime::{Diagnostic, Error, LambdaEvent, run, service_fn};
use renkei_core::SystemClock;
use renkei_core::engine::{ConnectorFactory, EngineConfig};
use renkei_core::handler::answer_sync_event;
use serde_json::Value;

/// Serves SyncRequested events for `factory`'s connector until Lambda stops the process.
pub async fn serve_connector(factory: &dyn ConnectorFactory) -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let aws = AwsPorts::from_env().await?;
    let aws = &aws;
    run(service_fn(|event: LambdaEvent<Value>| async move {
        // Leave time to save and hand over before Lambda's own limit.
        let deadline = event.context.deadline().into();
        answer_sync_event(
            &event.payload,
            Some(deadline),
            aws.ports(&SystemClock),
            EngineConfig::default(),
            factory,
        )
        .await
        .map_err(|e| Diagnostic {
            // Only errors a retry can cure reach Lambda (answer_sync_event acknowledges the rest).
            error_type: "Retryable".into(),
            error_message: e.to_string(),
        })
    }))
    .await
}
