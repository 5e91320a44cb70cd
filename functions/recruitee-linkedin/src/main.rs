//! recruitee-linkedin Lambda (C5): runs the sync engine once per SyncRequested event for
//! its connector — the 15-minute schedule (via the dispatcher), a Recruitee webhook's
//! request (sent by the webhook ingress), or a continuation of a long historical sync. The
//! event handling is renkei_core::handler (via renkei_aws::lambda), the connector
//! renkei_connectors::recruitee_linkedin; this file only names the connector.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    renkei_aws::lambda::serve_connector(&renkei_connectors::recruitee_linkedin::Factory).await
}
