//! The AWS adapters pass the same port contract checks as the embedded ones, against moto
//! server (real SDK calls over HTTP). tests/run.sh starts moto and sets RENKEI_MOTO_ENDPOINT.

use renkei_aws::{DynamoStore, EventBridgeBus, SecretsManager, SesNotifier};
use renkei_core::contract;
use renkei_e2e::{moto_endpoint, moto_sdk, moto_store};

async fn sdk() -> aws_config::SdkConfig {
    moto_sdk().await
}

async fn store(name: &str) -> DynamoStore {
    moto_store(name).await
}

fn fastrand_u32() -> u32 {
    fastrand::u32(..)
}

#[tokio::test]
async fn p1_dynamodb_state_store_meets_the_contract() {
    contract::state_store(&store("state").await, "aws").await;
}

#[tokio::test]
async fn p5_dynamodb_leases_meet_the_contract() {
    contract::leases(&store("lease").await, "aws").await;
}

#[tokio::test]
async fn p3_dynamodb_fenced_writes_and_repeated_keys_meet_the_contract() {
    contract::fenced_batches(&store("fenced").await, "aws").await;
}

#[tokio::test]
async fn secrets_manager_meets_the_contract() {
    let sm = SecretsManager::new(aws_sdk_secretsmanager::Client::new(&sdk().await));
    contract::secrets(&sm, &format!("aws{}", fastrand_u32())).await;
}

#[tokio::test]
async fn p8_ses_sends_and_moto_holds_the_email() {
    let config = sdk().await;
    let client = aws_sdk_sesv2::Client::new(&config);
    client
        .create_email_identity()
        .email_identity("renkei@example.com")
        .send()
        .await
        .expect("identity");
    contract::notifier(&SesNotifier::new(client, "renkei@example.com")).await;
    let data: serde_json::Value = reqwest::get(format!("{}/moto-api/data.json", moto_endpoint()))
        .await
        .expect("moto data")
        .json()
        .await
        .expect("json");
    let sent = data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        sent.iter().any(|m| m["subject"] == "連携に失敗しました"
            && m["destinations"]["ToAddresses"][0] == "admin@example.co.jp"),
        "the email is in moto: {sent:?}"
    );
}

#[tokio::test]
async fn eventbridge_put_events_delivers_every_entry() {
    let client = aws_sdk_eventbridge::Client::new(&sdk().await);
    let name = format!("renkei-bus-{:08x}", fastrand_u32());
    client
        .create_event_bus()
        .name(&name)
        .send()
        .await
        .expect("bus");
    contract::event_bus(&EventBridgeBus::new(client, name)).await;
}
