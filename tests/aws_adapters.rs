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

#[tokio::test]
async fn p5_an_item_of_the_unsharded_due_index_is_still_dispatched_after_the_upgrade() {
    use renkei_core::ports::StateStore;
    let store = store("legacy-due").await;
    let client = aws_sdk_dynamodb::Client::new(&sdk().await);
    let s = |v: &str| aws_sdk_dynamodb::types::AttributeValue::S(v.into());
    let n = |v: i64| aws_sdk_dynamodb::types::AttributeValue::N(v.to_string());
    // As the store wrote items before the index was sharded: due_shard "due".
    client
        .put_item()
        .table_name(store.table_name())
        .item("pk", s("T#acme"))
        .item("sk", s("CONN#old"))
        .item("body", s("{}"))
        .item("version", n(1))
        .item("due_shard", s("due"))
        .item("due_at", n(1_000))
        .send()
        .await
        .unwrap();
    let mut fresh = renkei_core::ports::Item::new(
        renkei_core::ports::Key::new("T#acme", "CONN#new"),
        serde_json::json!({}),
    );
    fresh.due_at = Some(900);
    store
        .put(fresh, renkei_core::ports::Condition::Always)
        .await
        .unwrap();
    let due: Vec<String> = store
        .due(1_000)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.key.sk)
        .collect();
    assert_eq!(
        due,
        ["CONN#new", "CONN#old"],
        "both shards, oldest due first"
    );
}
