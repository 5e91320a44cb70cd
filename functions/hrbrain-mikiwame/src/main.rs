//! hrbrain-mikiwame Lambda (C3): runs the sync engine once per SyncRequested event for its
//! connector — a person's sync (departments or employees), an HRBrain webhook's, or the
//! daily reconciliation. The event handling is renkei_core::handler (via
//! renkei_aws::lambda), the connector renkei_connectors::hrbrain_mikiwame; this file only
//! names the connector.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    renkei_aws::lambda::serve_connector(&renkei_connectors::hrbrain_mikiwame::Factory).await
}
