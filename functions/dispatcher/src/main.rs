//! Dispatcher Lambda: fired by an EventBridge schedule every minute; puts one SyncRequested
//! event per due connection on the renkei bus (see renkei_core::dispatch).

use dispatcher::{Deps, handle};
use lambda_runtime::{Error, LambdaEvent, run, service_fn, tracing};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let stack = renkei_aws::config::DispatcherConfig::from_env()?.stack;
    let sdk = renkei_aws::sdk_config().await;
    let deps = Deps {
        store: renkei_aws::DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), stack.table),
        bus: renkei_aws::EventBridgeBus::new(aws_sdk_eventbridge::Client::new(&sdk), stack.bus),
        clock: renkei_core::SystemClock,
    };
    run(service_fn(|event: LambdaEvent<Value>| handle(event, &deps))).await
}
