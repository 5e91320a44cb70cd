//! mynavi-hrmos Lambda (C1): runs the sync engine once per SyncRequested event for its
//! connector. The event handling is renkei_core::handler (via renkei_aws::lambda), the
//! connector renkei_connectors::mynavi_hrmos; this file only names the connector.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    renkei_aws::lambda::serve_connector(&renkei_connectors::mynavi_hrmos::Factory).await
}
