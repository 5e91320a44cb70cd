//! AWS implementations of the renkei ports: DynamoDB (state), Secrets Manager (credentials),
//! SES v2 (mail), EventBridge (bus). They pass the same contract checks as the embedded
//! adapters (renkei_core::contract), run against moto server in tests/aws_adapters.rs.

mod bus;
pub mod config;
mod dynamo;
pub mod lambda;
mod sdk_error;
mod secrets;
mod ses;
pub mod stack;
mod table;

pub use bus::{EventBridgeBus, put_in_batches};
pub use dynamo::{DUE_SHARDS, DynamoStore, due_shard};
pub use sdk_error::describe_sdk_error;
pub use secrets::SecretsManager;
pub use ses::SesNotifier;
pub use table::{TEMPLATE, create_table, create_table_from, state_table_properties};

/// Loads the shared SDK configuration once (region, credentials, `AWS_ENDPOINT_URL`).
pub async fn sdk_config() -> aws_config::SdkConfig {
    sdk_config_with(None, None).await
}

/// The shared SDK configuration with a region and a named profile chosen by the caller (the
/// CLI's `--region` and `--profile`), each in place of the environment's when given.
pub async fn sdk_config_with(region: Option<&str>, profile: Option<&str>) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region.to_string()));
    }
    loader.load().await
}

/// Every port a connector function needs, on AWS.
pub struct AwsPorts {
    /// DynamoDB table.
    pub store: DynamoStore,
    /// Secrets Manager.
    pub secrets: SecretsManager,
    /// SES.
    pub notifier: SesNotifier,
    /// EventBridge bus.
    pub bus: EventBridgeBus,
}

impl AwsPorts {
    /// The ports of a function whose configuration (config.rs, read once at start) names
    /// the stack and the sender of its emails.
    pub async fn from_config(stack: &config::StackNames, mail_from: &str) -> Self {
        Self::new(&sdk_config().await, &stack.table, &stack.bus, mail_from)
    }

    /// A stack's ports by name: its table and bus, and the sender of its emails.
    pub fn new(
        config: &aws_config::SdkConfig,
        table: impl Into<String>,
        bus: impl Into<String>,
        mail_from: impl Into<String>,
    ) -> Self {
        Self {
            store: DynamoStore::new(aws_sdk_dynamodb::Client::new(config), table),
            secrets: SecretsManager::new(aws_sdk_secretsmanager::Client::new(config)),
            notifier: SesNotifier::new(aws_sdk_sesv2::Client::new(config), mail_from),
            bus: EventBridgeBus::new(aws_sdk_eventbridge::Client::new(config), bus),
        }
    }

    /// The ports, with `clock`.
    pub fn ports<'a>(
        &'a self,
        clock: &'a dyn renkei_core::Clock,
    ) -> renkei_core::engine::Ports<'a> {
        renkei_core::engine::Ports {
            store: &self.store,
            secrets: &self.secrets,
            notifier: &self.notifier,
            bus: &self.bus,
            clock,
        }
    }
}
