//! talentwunder-personio Lambda (C4): runs the sync engine once per SyncRequested event for
//! its connector — an upload's request (sent by the webhook ingress when Talentwunder's
//! profiles were queued) or the hourly sweep that files whatever is still queued. The event
//! handling is renkei_core::handler (via renkei_aws::lambda), the connector
//! renkei_connectors::talentwunder_personio; this file only names the connector.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    renkei_aws::lambda::serve_connector(&renkei_connectors::talentwunder_personio::Factory).await
}
