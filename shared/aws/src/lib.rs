//! AWS implementations of the renkei ports: DynamoDB (state), Secrets Manager (credentials),
//! SES v2 (mail), EventBridge (bus). They pass the same contract checks as the embedded
//! adapters (renkei_core::contract), run against moto server in tests/aws_adapters.rs.

mod bus;
mod dynamo;
mod secrets;
mod ses;

pub use bus::{EventBridgeBus, put_in_batches};
pub use dynamo::{DynamoStore, create_table};
pub use secrets::SecretsManager;
pub use ses::SesNotifier;

/// Loads the shared SDK configuration once (region, credentials, `AWS_ENDPOINT_URL`).
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}
