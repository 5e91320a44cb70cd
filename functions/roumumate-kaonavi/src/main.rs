//! roumumate-kaonavi Lambda (C2): runs the sync engine once per SyncRequested event for its
//! connector. The event handling is renkei_core::handler (via renkei_aws::lambda), the
//! connector renkei_connectors::roumumate_kaonavi; this file only names the connector.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    renkei_aws::lambda::serve_connector(&renkei_connectors::roumumate_kaonavi::Factory).await
}
