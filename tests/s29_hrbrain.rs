//! Issue 29 for HRBrain (remote side of C3).
//!
//! Item 5: the organization's `items` may arrive as one object instead of a list, at any
//! depth (a public client walks both); renkei decodes both alike, end to end with the
//! simulator switched to serve that form.
//!
//! Item 7: the exchanges of tests/fixtures/hrbrain (each naming its sources) replay against
//! the simulator, which accepts them and answers as written; renkei's client, for the same
//! record, sends those requests and decodes those answers; and a whole C3 sync sends no
//! other kind of request.

use renkei_connectors::hrbrain_mikiwame::mapping;
use renkei_core::ConnectionId;
use renkei_core::engine::{NoHook, Outcome, RunRecord, RunRequest, RunStatus};
use renkei_e2e::*;
use renkei_vendors::hrbrain::{Field, HrbrainClient, HrbrainConfig};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Every exchange file, in the order they are replayed.
const EXCHANGES: &[&str] = &[
    "token",
    "fields",
    "members-page",
    "members-page-comma-columns",
    "organization-tree",
    "organization-list",
    "organization-one-object",
    "lookup",
];

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/hrbrain/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    if name != "record" {
        let sources = doc["source"].as_array().map_or(0, Vec::len);
        assert!(sources > 0, "{name}: every exchange names its sources");
    }
    doc
}

fn api(env: &SandboxEnv, path: &str) -> String {
    format!("http://{}/hrbrain/{HRBRAIN_SUBDOMAIN}{path}", env.addr)
}

/// The record every exchange is about, loaded into the simulator.
fn load_record(env: &SandboxEnv) {
    let record = fixture("record");
    env.sandbox
        .hrbrain()
        .members(HRBRAIN_SUBDOMAIN, vec![record["member"].clone()])
        .expect("member loaded");
    env.sandbox
        .hrbrain()
        .organization(HRBRAIN_SUBDOMAIN, record["organization"].clone())
        .expect("organization loaded");
}

/// The simulator's one-item switch, through its control API as any outside test would.
async fn one_item(http: &reqwest::Client, env: &SandboxEnv, shape: &str) {
    let url = format!(
        "http://{}/_control/hrbrain/companies/{HRBRAIN_SUBDOMAIN}/organization/one-item",
        env.addr
    );
    let answer = http
        .put(url)
        .json(&json!({ "as": shape }))
        .send()
        .await
        .expect("sent");
    assert!(answer.status().is_success(), "switch: {}", answer.status());
}

/// What an exchange loads before its request (an organization, and how one item is sent).
async fn apply_load(http: &reqwest::Client, env: &SandboxEnv, exchange: &Value) {
    let load = &exchange["load"];
    if load["organization"].is_object() {
        env.sandbox
            .hrbrain()
            .organization(HRBRAIN_SUBDOMAIN, load["organization"].clone())
            .expect("organization loaded");
    }
    one_item(http, env, load["oneItem"].as_str().unwrap_or("list")).await;
}

/// Sends a documented request as written (its `Authorization` with `token`); status and body.
async fn send(
    http: &reqwest::Client,
    env: &SandboxEnv,
    request: &Value,
    token: &str,
) -> (u16, Value) {
    let url = api(env, request["path"].as_str().expect("path"));
    let mut builder = match request["method"].as_str() {
        Some("POST") => http.post(url),
        _ => http.get(url),
    };
    if let Some(query) = request["query"].as_array() {
        let pairs: Vec<(String, String)> =
            serde_json::from_value(Value::Array(query.clone())).expect("query pairs");
        builder = builder.query(&pairs);
    }
    if request["headers"]["Authorization"] == "Bearer" {
        builder = builder.bearer_auth(token);
    }
    if !request["body"].is_null() {
        builder = builder.json(&request["body"]);
    }
    let answer = builder.send().await.expect("sent");
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

/// Same keys (recursively) and the same kinds of value; list elements like the first.
fn same_shape(documented: &Value, answered: &Value) -> bool {
    match (documented, answered) {
        (Value::Object(d), Value::Object(a)) => {
            d.len() == a.len()
                && d.iter()
                    .all(|(k, v)| a.get(k).is_some_and(|x| same_shape(v, x)))
        }
        (Value::Array(d), Value::Array(a)) => d
            .first()
            .is_none_or(|first| a.iter().all(|x| same_shape(first, x))),
        (Value::String(_), Value::String(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Null, Value::Null) => true,
        _ => false,
    }
}

fn answered_as_documented(name: &str, answer: &Value, body: &Value) {
    let documented = &answer["body"];
    match answer["match"].as_str() {
        Some("exact") => assert_eq!(body, documented, "{name}"),
        Some("contains") => {
            let list = body.as_array().unwrap_or_else(|| panic!("{name}: {body}"));
            for element in documented.as_array().expect("documented list") {
                assert!(
                    list.contains(element),
                    "{name}: {element} missing from {body}"
                );
            }
        }
        _ => assert!(
            same_shape(documented, body),
            "{name}: {body} is not {documented}"
        ),
    }
}

async fn documented_token(http: &reqwest::Client, env: &SandboxEnv) -> String {
    let token = fixture("token");
    let (status, body) = send(http, env, &token["request"], "").await;
    assert_eq!(status, 200, "token: {body}");
    body["token"].as_str().expect("a token").to_string()
}

#[tokio::test]
async fn s29_7_every_documented_request_is_accepted_and_answered_as_documented() {
    let env = env().await;
    load_record(&env);
    let http = reqwest::Client::new();
    let token = documented_token(&http, &env).await;
    for name in EXCHANGES {
        let exchange = fixture(name);
        apply_load(&http, &env, &exchange).await;
        let (status, body) = send(&http, &env, &exchange["request"], &token).await;
        assert_eq!(
            Some(u64::from(status)),
            exchange["answer"]["status"].as_u64(),
            "{name}: {body}"
        );
        answered_as_documented(name, &exchange["answer"], &body);
        for variant in exchange["also"].as_array().into_iter().flatten() {
            let mut request = exchange["request"].clone();
            request["body"] = variant["body"].clone();
            let (status, body) = send(&http, &env, &request, &token).await;
            assert_eq!(
                (status, &body),
                (200, &variant["answer"]),
                "{name}: {variant}"
            );
        }
    }

    // Nobody by that address: no id (the status is the simulator's assumption).
    let mut nobody = fixture("lookup")["request"].clone();
    nobody["body"] = json!({"email": "nobody@example.co.jp"});
    let (status, body) = send(&http, &env, &nobody, &token).await;
    assert_eq!(status, 404);
    assert!(body.get("id").is_none(), "{body}");
}

/// The request the simulator received last.
fn last_request(env: &SandboxEnv) -> Value {
    let log = env
        .sandbox
        .hrbrain()
        .requests(HRBRAIN_SUBDOMAIN)
        .expect("log");
    log.last().cloned().expect("a request was received")
}

fn sorted_query(request: &Value) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> =
        serde_json::from_value(request["query"].clone()).unwrap_or_default();
    pairs.sort();
    pairs
}

/// A received request is the documented one exactly: method, path, parameters (in any
/// order), body, content type and whether it carries a Bearer token.
fn sent_as_documented(name: &str, received: &Value, documented: &Value) {
    assert_eq!(received["method"], documented["method"], "{name}");
    assert_eq!(received["path"], documented["path"], "{name}");
    assert_eq!(sorted_query(received), sorted_query(documented), "{name}");
    assert_eq!(received["body"], documented["body"], "{name}");
    let bearer = documented["headers"]["Authorization"] == "Bearer";
    assert_eq!(
        received["authorization"] == "Bearer",
        bearer,
        "{name}: {received}"
    );
    assert_eq!(
        received["authorization"].is_null(),
        !bearer,
        "{name}: {received}"
    );
    if let Some(kind) = documented["headers"]["Content-Type"].as_str() {
        let sent = received["contentType"].as_str().unwrap_or_default();
        assert!(sent.starts_with(kind), "{name}: content type {sent:?}");
    }
}

fn client(env: &SandboxEnv) -> HrbrainClient {
    HrbrainClient::new(
        HrbrainConfig::new(&api(env, ""), None),
        HRBRAIN_SUBDOMAIN,
        HRBRAIN_TOKEN,
    )
    .expect("client")
}

#[tokio::test]
async fn s29_7_renkei_s_client_sends_the_documented_requests_and_decodes_the_answers() {
    let env = env().await;
    load_record(&env);
    let hrbrain = client(&env);

    hrbrain.authenticate().await.expect("token");
    sent_as_documented("token", &last_request(&env), &fixture("token")["request"]);

    let fields_fx = fixture("fields");
    let fields = hrbrain.fields().await.expect("fields");
    sent_as_documented("fields", &last_request(&env), &fields_fx["request"]);
    for documented in fields_fx["answer"]["body"].as_array().expect("fields") {
        let field: Field = serde_json::from_value(documented.clone()).expect("a field");
        assert!(fields.contains(&field), "{field:?} decoded");
    }

    let members_fx = fixture("members-page");
    let columns: Vec<&str> = members_fx["request"]["query"]
        .as_array()
        .expect("query")
        .iter()
        .filter(|p| p[0] == "columns")
        .filter_map(|p| p[1].as_str())
        .collect();
    assert_eq!(columns, mapping::aliases(), "the connector's own columns");
    let (members, total) = hrbrain
        .members_page(&columns, 0, 100)
        .await
        .expect("members");
    sent_as_documented("members-page", &last_request(&env), &members_fx["request"]);
    assert_eq!((members.len(), total), (1, 1));
    let decoded = members_fx["decoded"].as_object().expect("decoded");
    for (alias, value) in decoded {
        assert_eq!(members[0].text(alias).as_deref(), value.as_str(), "{alias}");
    }
}

fn departments_of(decoded: &[renkei_vendors::hrbrain::Department]) -> Value {
    decoded
        .iter()
        .map(|d| json!({"id": d.id, "name": d.name, "code": d.code, "parentId": d.parent_id}))
        .collect()
}

#[tokio::test]
async fn s29_7_renkei_s_client_reads_every_documented_organization_form_alike() {
    let env = env().await;
    load_record(&env);
    let http = reqwest::Client::new();
    let hrbrain = client(&env);
    for name in [
        "organization-tree",
        "organization-list",
        "organization-one-object",
    ] {
        let exchange = fixture(name);
        apply_load(&http, &env, &exchange).await;
        let tree = hrbrain
            .organization(renkei_sandbox::HRBRAIN_ORGANIZATION)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        sent_as_documented(name, &last_request(&env), &exchange["request"]);
        assert_eq!(
            departments_of(&tree.departments()),
            exchange["decoded"],
            "{name}"
        );
    }
}

async fn run(env: &SandboxEnv, c: &ConnectionId, scope: Option<&str>) -> RunRecord {
    env.clock.advance(chrono::Duration::minutes(1));
    let request = RunRequest {
        scope: scope.map(str::to_string),
        ..RunRequest::manual(env.tenant(), c.clone())
    };
    match env.backend.run(&request, &NoHook).await.expect("runs") {
        Outcome::Ran(r) => r,
        other => panic!("did not run: {other:?}"),
    }
}

/// The documented request a received one is a kind of (by method and path).
fn kind_of(received: &Value) -> Option<&'static str> {
    let path = received["path"].as_str()?;
    let org = path
        .strip_prefix("/members/v1.1/organization/")
        .and_then(|rest| rest.strip_suffix("/items"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'));
    match (received["method"].as_str()?, path) {
        ("POST", "/auth/token") => Some("token"),
        ("GET", "/members/v1/fields") => Some("fields"),
        ("GET", "/members/v1/members") => Some("members-page"),
        ("GET", _) if org => Some("organization-tree"),
        _ => None,
    }
}

fn names(request: &Value) -> Vec<String> {
    let mut names: Vec<String> = sorted_query(request).into_iter().map(|(k, _)| k).collect();
    names.dedup();
    names
}

fn keys(body: &Value) -> Vec<String> {
    body.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn s29_7_a_whole_c3_sync_sends_only_the_documented_kinds_of_request() {
    let env = env().await;
    load_record(&env);
    let c = env
        .connect_hrbrain(env.hrbrain_settings())
        .await
        .expect("connects");
    let r = run(&env, &c, None).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{r:?}");
    let employees = env.sandbox.mikiwame().employees(MIKIWAME_KEY);
    assert_eq!(employees.len(), 1, "the record arrived");
    assert_eq!(employees[0]["department_code"], "S1");

    let log = env
        .sandbox
        .hrbrain()
        .requests(HRBRAIN_SUBDOMAIN)
        .expect("log");
    let mut seen = BTreeMap::new();
    for received in &log {
        let kind = kind_of(received).unwrap_or_else(|| panic!("not documented: {received}"));
        let documented = &fixture(kind)["request"];
        assert_eq!(names(received), names(documented), "{kind}: {received}");
        assert_eq!(
            keys(&received["body"]),
            keys(&documented["body"]),
            "{kind}: {received}"
        );
        let bearer = documented["headers"]["Authorization"] == "Bearer";
        assert_eq!(
            received["authorization"] == "Bearer",
            bearer,
            "{kind}: {received}"
        );
        *seen.entry(kind).or_insert(0) += 1;
    }
    assert_eq!(
        seen.keys().copied().collect::<Vec<_>>(),
        ["fields", "members-page", "organization-tree", "token"],
        "every kind was used: {seen:?}"
    );
}

/// Every level but one holds a single item: 本社 → [営業部 → 第1課, 開発部 → 基盤課].
fn one_child_tree() -> Value {
    json!({"type": "tree", "items": [
        {"id": "hq", "value": "本社", "code": "HQ", "items": [
            {"id": "s", "value": "営業部", "code": "S", "items": [
                {"id": "s1", "value": "第1課", "code": "S1"}
            ]},
            {"id": "d", "value": "開発部", "code": "D", "items": [
                {"id": "d1", "value": "基盤課", "code": "D1"}
            ]}
        ]}
    ]})
}

#[tokio::test]
async fn s29_5_a_tree_whose_single_items_arrive_as_objects_syncs_every_department() {
    let env = env().await;
    load_record(&env);
    env.sandbox
        .hrbrain()
        .organization(HRBRAIN_SUBDOMAIN, one_child_tree())
        .expect("organization loaded");
    let http = reqwest::Client::new();
    one_item(&http, &env, "object").await;
    let token = documented_token(&http, &env).await;
    let (_, served) = send(
        &http,
        &env,
        &fixture("organization-tree")["request"],
        &token,
    )
    .await;
    assert!(
        served["items"].is_object(),
        "served as one object: {served}"
    );
    assert!(served["items"]["items"][0]["items"].is_object(), "{served}");

    let c = env
        .connect_hrbrain(env.hrbrain_settings())
        .await
        .expect("connects");
    let r = run(&env, &c, None).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{r:?}");
    let parents: BTreeMap<String, Value> = env
        .sandbox
        .mikiwame()
        .departments(MIKIWAME_KEY)
        .into_iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["parent_code"].clone(),
            )
        })
        .collect();
    let expected: BTreeMap<String, Value> = [
        ("D", json!("HQ")),
        ("D1", json!("D")),
        ("HQ", Value::Null),
        ("S", json!("HQ")),
        ("S1", json!("S")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(parents, expected);
    let employees = env.sandbox.mikiwame().employees(MIKIWAME_KEY);
    assert_eq!(
        employees[0]["department_code"], "S1",
        "the member's 主部署 found"
    );
}
