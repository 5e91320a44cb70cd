//! docs/openapi.yaml is what the admin API does: every documented operation is called (path
//! parameters from a registered Mynavi account and its first run, bodies from the document's
//! examples), answers with a status the document lists for it, and its body validates
//! against the documented schema.

mod support;

use renkei_admin::Caller;
use renkei_core::Clock;
use renkei_sandbox::bad_applications;
use renkei_testbed::{MYNAVI_LOGIN, SandboxEnv, TENANT};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const SPEC: &str = include_str!("../../../docs/openapi.yaml");

fn spec() -> Value {
    let yaml: serde_yaml::Value = serde_yaml::from_str(SPEC).unwrap();
    serde_json::to_value(yaml).unwrap()
}

/// `schema` as a validator whose `$ref`s resolve against the document's components.
fn validator(spec: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = json!({ "components": spec["components"].clone() });
    for (k, v) in schema.as_object().unwrap() {
        root[k] = v.clone();
    }
    jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("schema {schema}: {e}"))
}

/// Resolves a `$ref` of the document (responses are often references).
fn resolve<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => spec.pointer(r.trim_start_matches('#')).unwrap(),
        None => v,
    }
}

/// Operations in the order a session would make them: reads and writes first, deletions
/// last (disconnecting the connection the others use at the very end).
fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in ["get", "put", "patch", "post", "delete"] {
            if let Some(op) = item.get(method) {
                ops.push((path.clone(), method.to_string(), op.clone()));
            }
        }
    }
    let rank = |(path, method, _): &(String, String, Value)| match method.as_str() {
        "delete" if path.ends_with("{connection}") && path.contains("/connections/") => 3,
        "delete" if path.contains("/mynavi/") => 2,
        "delete" => 1,
        _ => 0,
    };
    ops.sort_by_key(rank);
    ops
}

#[tokio::test]
async fn every_documented_operation_answers_as_documented() {
    let env = SandboxEnv::start(renkei_sandbox::Limits::default(), 0)
        .await
        .unwrap();
    let connection = env.register_mynavi().await.unwrap();
    env.sandbox
        .mynavi()
        .add(MYNAVI_LOGIN, bad_applications("BAD-", env.clock.now()))
        .unwrap();
    let ran = env.backend.tick().await.unwrap();
    assert_eq!(ran.len(), 1);
    let run = match &ran[0] {
        renkei_core::engine::Outcome::Ran(r) => r.run_id.to_string(),
        other => panic!("{other:?}"),
    };
    // An HRBrain → ミキワメ connection with one job, and a LinkedIn one (their own routes).
    let hrbrain = env.connect_hrbrain(env.hrbrain_settings()).await.unwrap();
    let job = match env
        .backend
        .run(
            &renkei_core::engine::RunRequest::manual(env.tenant(), hrbrain.clone()),
            &renkei_core::engine::NoHook,
        )
        .await
        .unwrap()
    {
        renkei_core::engine::Outcome::Ran(r) => r.run_id.to_string(),
        other => panic!("{other:?}"),
    };
    env.recruitee_linkedin_accounts(2).unwrap();
    env.sandbox
        .linkedin()
        .limits(renkei_sandbox::LinkedinLimits {
            activation_checks: 0,
            ..Default::default()
        });
    let linkedin = env
        .connect_linkedin(
            env.linkedin_settings(renkei_testbed::CONTRACT_CORPORATE),
            renkei_testbed::LINKEDIN_ADMIN,
        )
        .await
        .unwrap();
    // Talentwunder → Personio, with one upload of two profiles.
    let personio = env.connect_personio(env.personio_settings()).await.unwrap();
    let body = renkei_sandbox::talentwunder_upload(
        "conformance-1",
        renkei_testbed::TALENTWUNDER_PROJECT,
        env.talentwunder_profiles(2, 0, 0, 1),
        env.clock.now(),
    );
    let receipt = renkei_connectors::talentwunder_personio::upload::accept(
        &env.backend.store,
        &env.tenant(),
        &personio,
        &body,
        env.clock.now(),
    )
    .await
    .unwrap_or_else(|r| panic!("upload refused: {}", r.message));
    let upload = receipt["uploadId"]
        .as_str()
        .unwrap_or_else(|| panic!("{receipt}"))
        .to_string();
    let api = support::serve(&env, Caller::Operator).await;
    let spec = spec();
    let mut params = BTreeMap::from([
        ("tenant", TENANT.to_string()),
        ("connection", connection.to_string()),
        ("run", run),
        ("email", "new-recruiter@demo-co.example".to_string()),
        ("id", String::new()),
        ("action", "accounts".to_string()),
    ]);
    let http = reqwest::Client::new();
    let mut called = 0;
    for (path, method, op) in operations(&spec) {
        let mut url = format!("{}{path}", api.base);
        // A connector's own routes take a connection of that connector.
        if path.contains("/hrbrain/") {
            url = url
                .replace("{connection}", hrbrain.as_str())
                .replace("{run}", &job);
        }
        if path.contains("/linkedin") {
            url = url.replace("{connection}", linkedin.as_str());
        }
        if path.contains("/personio/") {
            url = url
                .replace("{connection}", personio.as_str())
                .replace("{project}", "proj-data")
                .replace("{upload}", &upload);
        }
        for (name, value) in &params {
            url = url.replace(&format!("{{{name}}}"), value);
        }
        let mut req = http.request(method.to_uppercase().parse().unwrap(), &url);
        if let Some(body) = op.pointer("/requestBody/content/application~1json/example") {
            let mut body = body.clone();
            // Registration is checked against the vendors: the sandbox's, here.
            if body.get("mynavi_url").is_some() {
                body["mynavi_url"] = json!(format!("http://{}/mynavi", env.addr));
                body["hrmos_url"] = json!(format!("http://{}/hrmos/api/v1", env.addr));
            }
            // A connection is checked against the vendors: the sandbox's, with its accounts.
            if body.get("connector").is_some() {
                body["settings"] = serde_json::to_value(env.settings(
                    200,
                    renkei_connectors::roumumate_kaonavi::KaonaviLimits::default(),
                ))
                .unwrap();
                body["secret"] = json!({
                    "roumumate_token": renkei_testbed::ROUMUMATE_TOKEN,
                    "consumer_key": renkei_testbed::KAONAVI_KEY,
                    "consumer_secret": renkei_testbed::KAONAVI_SECRET,
                });
            }
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16().to_string();
        let media = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let text = res.text().await.unwrap();
        let what = format!("{} {path} → {status} {text}", method.to_uppercase());
        assert!(status.starts_with('2'), "{what}");
        let documented = op["responses"]
            .get(&status)
            .unwrap_or_else(|| panic!("{what}: status not documented"));
        let documented = resolve(&spec, documented);
        if let Some(content) = documented.get("content") {
            let schema = &content
                .get(&media)
                .unwrap_or_else(|| panic!("{what}: {media} not documented"))["schema"];
            if media == "application/json" {
                let body: Value = serde_json::from_str(&text).unwrap();
                let v = validator(&spec, schema);
                let errors: Vec<String> = v.iter_errors(&body).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "{what}: {errors:?}");
                if op["operationId"] == "createRule" {
                    params.insert("id", body["id"].as_str().unwrap().to_string());
                }
            }
        } else {
            assert!(text.is_empty(), "{what}: no body documented");
        }
        called += 1;
    }
    assert_eq!(called, 36, "every operation of the document was called");
}

#[tokio::test]
async fn problems_are_problem_json_as_documented() {
    let env = SandboxEnv::start(renkei_sandbox::Limits::default(), 0)
        .await
        .unwrap();
    env.add_users().await.unwrap();
    let api = support::serve(&env, Caller::Operator).await;
    let spec = spec();
    let res = reqwest::get(format!("{}/v1/tenants/nobody/connections", api.base))
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let body: Value = res.json().await.unwrap();
    let v = validator(&spec, &json!({ "$ref": "#/components/schemas/Problem" }));
    assert!(v.is_valid(&body), "{body}");
}
