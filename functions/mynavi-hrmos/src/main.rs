//! mynavi-hrmos Lambda (C1): runs the sync engine once per SyncRequested event for its
//! connector. The event handling is renkei_core::handler, the connector
//! renkei_connectors::mynavi_hrmos; this file only wires the AWS ports.

use lambda_runtime::{Diagnostic, Error, LambdaEvent, run, service_fn, tracing};
use renkei_aws::AwsPorts;
use renkei_connectors::mynavi_hrmos::Factory;
use renkei_core::SystemClock;
use renkei_core::engine::EngineConfig;
use renkei_core::handler::handle_sync_event;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let aws = AwsPorts::from_env().await?;
    run(service_fn(|event: LambdaEvent<Value>| {
        let aws = &aws;
        async move {
            // Leave time to save and hand over before Lambda's own limit.
            let deadline = event.context.deadline().into();
            handle_sync_event(
                &event.payload,
                Some(deadline),
                aws.ports(&SystemClock),
                EngineConfig::default(),
                &Factory,
            )
            .await
            .map_err(|e| Diagnostic {
                // A malformed event never succeeds; a state-store error may on retry.
                error_type: if e.retryable() {
                    "Retryable"
                } else {
                    "NonRetryable"
                }
                .into(),
                error_message: e.to_string(),
            })
        }
    }))
    .await
}
