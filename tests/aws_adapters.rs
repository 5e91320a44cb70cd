//! The AWS adapters pass the same port contract checks as the embedded ones, against moto
//! server (real SDK calls over HTTP). tests/run.sh starts moto and sets RENKEI_MOTO_ENDPOINT.

use renkei_aws::{DynamoStore, EventBridgeBus, SecretsManager, SesNotifier, create_table};
use renkei_core::contract;
use renkei_e2e::moto_endpoint;

async fn sdk() -> aws_config::SdkConfig {
    // SAFETY of the env: these are set before any SDK client reads them, identically in every test.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    }
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(moto_endpoint())
        .region(aws_config::Region::new("ap-northeast-1"))
        .load()
        .await
}

async fn store(name: &str) -> DynamoStore {
    let client = aws_sdk_dynamodb::Client::new(&sdk().await);
    let table = format!("renkei-{name}-{:08x}", fastrand_u32());
    create_table(&client, &table).await.expect("create table");
    DynamoStore::new(client, table)
}

fn fastrand_u32() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
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
