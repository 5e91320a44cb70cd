//! Issue 30 item 3: the conformance kit (tests/support/conformance.rs) — crash at every step,
//! an idempotent rerun, a dry run, a no-change run — on the example connector and on C2.

use renkei_e2e::conformance::{self, Example, RoumumateKaonavi};
use renkei_e2e::employee;
use renkei_e2e::example::Person;
use serde_json::Value;

#[tokio::test]
async fn s30_3_conformance_example() {
    let people: Vec<Person> = (1..=5)
        .map(|i| Person {
            id: format!("p{i}"),
            name: format!("Person {i}"),
        })
        .collect();
    conformance::check(&Example, &people).await;
}

#[tokio::test]
async fn s30_3_conformance_roumumate_kaonavi() {
    let employees: Vec<Value> = (1..=12)
        .map(|i| employee(&format!("e{i}"), &format!("{i:04}"), "山田", "太郎"))
        .collect();
    conformance::check(&RoumumateKaonavi { page_size: 5 }, &employees).await;
}
