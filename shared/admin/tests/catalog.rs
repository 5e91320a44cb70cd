//! `GET /v1/connectors` (issue 30 item 1): each connector's settings and secret as JSON Schema
//! generated from its own types — the schemas describe what connecting really stores, so a
//! form made from them asks for exactly what the connector reads.

mod support;

use renkei_admin::Caller;
use renkei_core::ports::SecretStore;
use renkei_core::repo::Repo;
use renkei_testbed::SandboxEnv;
use renkei_testbed::demo::{DemoSize, scenarios};
use serde_json::{Value, json};

async fn catalog(env: &SandboxEnv) -> Vec<Value> {
    let api = support::serve(env, Caller::Operator).await;
    let res = reqwest::get(format!("{}/v1/connectors", api.base))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::new(schema).unwrap_or_else(|e| panic!("schema {schema}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s30_1_every_connectors_schemas_describe_what_connecting_stores() {
    let env = SandboxEnv::start(renkei_sandbox::Limits::default(), 1)
        .await
        .unwrap();
    let size = DemoSize {
        employees: 5,
        applicants: 5,
    };
    for scenario in scenarios() {
        scenario.run(&env, size).await.unwrap();
    }
    let items = catalog(&env).await;
    let names: Vec<&str> = items.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, renkei_connectors::registry().names());
    let connections = Repo::new(&env.backend.store)
        .connections(&env.tenant())
        .await
        .unwrap();
    for item in &items {
        let name = item["name"].as_str().unwrap();
        let settings = validator(&item["settings_schema"]);
        // Not a schema that takes anything: a string for the settings object is refused.
        assert!(!settings.is_valid(&json!("settings")), "{name}");
        assert!(
            !validator(&item["secret_schema"]).is_valid(&json!("secret")),
            "{name}"
        );
        // A connector without a demo scenario has nothing stored here to check beyond that
        // (the demo says so when it skips it); every one with a scenario must have connected.
        if !renkei_testbed::demo::demo_connectors().contains(&name) {
            continue;
        }
        let conn = connections
            .iter()
            .find(|c| c.connector == name)
            .unwrap_or_else(|| panic!("the demo connected no {name}"));
        let errors: Vec<String> = settings
            .iter_errors(&conn.settings)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{name}'s stored settings: {errors:?}");
        let stored = env.backend.secrets.get(&conn.secret_name).await.unwrap();
        let secret: Value = serde_json::from_str(&stored.unwrap()).unwrap();
        let errors: Vec<String> = validator(&item["secret_schema"])
            .iter_errors(&secret)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{name}'s stored secret: {errors:?}");
    }
}

#[tokio::test]
async fn s30_1_a_schema_names_each_setting_with_its_type_and_default() {
    let env = SandboxEnv::start(renkei_sandbox::Limits::default(), 0)
        .await
        .unwrap();
    let items = catalog(&env).await;
    let c2 = items
        .iter()
        .find(|c| c["name"] == "roumumate-kaonavi")
        .unwrap();
    let props = &c2["settings_schema"]["properties"];
    assert!(props["roumumate_url"]["type"] == "string", "{props}");
    let secret_keys: Vec<&str> = c2["secret_schema"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(secret_keys.contains(&"roumumate_token"), "{secret_keys:?}");
    let c1 = items.iter().find(|c| c["name"] == "mynavi-hrmos").unwrap();
    let managed: Vec<&str> = c1["managed_settings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["key"].as_str())
        .collect();
    assert!(!managed.is_empty(), "C1 keeps its account status itself");
}
