//! Bad input on the admin API: an unknown tenant is 404, a malformed body 400 with the field
//! named, another tenant's connection 404, a token for another tenant 403, an oversize body
//! 413, a registration the vendors refuse 422 naming the field — and none of them writes
//! anything (the API's store, secret store and bus count every write).

mod support;

use renkei_admin::Caller;
use renkei_testbed::{HRMOS_KEY, MYNAVI_LOGIN, MYNAVI_PASSWORD, SandboxEnv, TENANT};
use serde_json::{Value, json};

struct Answer {
    status: u16,
    body: Value,
}

async fn call(method: &str, url: &str, body: Option<Vec<u8>>) -> Answer {
    let mut req = reqwest::Client::new().request(method.parse().unwrap(), url);
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let problem = res
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes() == b"application/problem+json");
    assert!(problem || status < 400, "{status} is not problem+json");
    Answer {
        status,
        body: res.json().await.unwrap_or(Value::Null),
    }
}

fn registration(env: &SandboxEnv) -> Value {
    json!({
        "login_id": MYNAVI_LOGIN,
        "password": MYNAVI_PASSWORD,
        "hrmos_api_key": HRMOS_KEY,
        "mynavi_url": format!("http://{}/mynavi", env.addr),
        "hrmos_url": format!("http://{}/hrmos", env.addr),
    })
}

async fn env_with_connection() -> (SandboxEnv, String) {
    let env = SandboxEnv::start(renkei_sandbox::Limits::default(), 0)
        .await
        .unwrap();
    let c = env.register_mynavi().await.unwrap();
    (env, c.to_string())
}

#[tokio::test]
async fn an_unknown_tenant_is_404_and_nothing_is_written() {
    let (env, _) = env_with_connection().await;
    let api = support::serve(&env, Caller::Operator).await;
    let body = serde_json::to_vec(&registration(&env)).unwrap();
    for (method, path, body) in [
        ("GET", "/v1/tenants/nobody/connections", None),
        ("POST", "/v1/tenants/nobody/mynavi/accounts", Some(body)),
        (
            "POST",
            "/v1/tenants/nobody/rules",
            Some(br#"{"position_name":"x","job_id":"J"}"#.to_vec()),
        ),
        ("DELETE", "/v1/tenants/nobody/users/a@b.example", None),
    ] {
        let a = call(method, &format!("{}{path}", api.base), body).await;
        assert_eq!(a.status, 404, "{method} {path}: {}", a.body);
        assert_eq!(a.body["status"], 404);
    }
    assert_eq!(api.writes.count(), 0, "{:?}", api.writes.what());
}

#[tokio::test]
async fn a_malformed_body_is_400_naming_the_field_and_nothing_is_written() {
    let (env, _) = env_with_connection().await;
    let api = support::serve(&env, Caller::Operator).await;
    let url = format!("{}/v1/tenants/{TENANT}/mynavi/accounts", api.base);
    let mut missing = registration(&env);
    missing.as_object_mut().unwrap().remove("hrmos_url");
    let mut wrong_type = registration(&env);
    wrong_type["password"] = json!(12345);
    let mut unknown = registration(&env);
    unknown["pasword"] = json!("typo");
    for (body, field) in [
        (missing, "hrmos_url"),
        (wrong_type, "password"),
        (unknown, "pasword"),
    ] {
        let a = call("POST", &url, Some(serde_json::to_vec(&body).unwrap())).await;
        assert_eq!(a.status, 400, "{}", a.body);
        assert_eq!(a.body["field"], field, "{}", a.body);
    }
    let a = call("POST", &url, Some(b"{not json".to_vec())).await;
    assert_eq!(a.status, 400, "{}", a.body);
    let roles = format!("{}/v1/tenants/{TENANT}/users/x@demo-co.example", api.base);
    let a = call("PUT", &roles, Some(br#"{"roles":["owner"]}"#.to_vec())).await;
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (400, Some("roles[0]")),
        "{}",
        a.body
    );
    let a = call(
        "GET",
        &format!("{}/v1/tenants/{TENANT}/connections?limit=0", api.base),
        None,
    )
    .await;
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (400, Some("limit")),
        "{}",
        a.body
    );
    assert_eq!(api.writes.count(), 0, "{:?}", api.writes.what());
}

#[tokio::test]
async fn another_tenants_connection_is_not_found_and_a_token_for_another_tenant_is_403() {
    let (env, connection) = env_with_connection().await;
    renkei_core::repo::Repo::new(&env.backend.store)
        .put_user(
            &renkei_core::TenantId::new("other-co").unwrap(),
            &renkei_core::repo::TenantUser {
                email: "admin@other-co.example".into(),
                roles: vec![renkei_core::repo::Role::Admin],
            },
        )
        .await
        .unwrap();
    let operator = support::serve(&env, Caller::Operator).await;
    for (method, suffix) in [
        ("GET", ""),
        ("POST", "/pause"),
        ("POST", "/runs"),
        ("DELETE", ""),
    ] {
        let url = format!(
            "{}/v1/tenants/other-co/connections/{connection}{suffix}",
            operator.base
        );
        let a = call(method, &url, None).await;
        assert_eq!(a.status, 404, "{method} {url}: {}", a.body);
    }
    let other = support::serve(&env, Caller::Tenants(vec!["other-co".into()])).await;
    for (method, suffix) in [("GET", ""), ("POST", "/pause"), ("DELETE", "")] {
        let url = format!(
            "{}/v1/tenants/{TENANT}/connections/{connection}{suffix}",
            other.base
        );
        let a = call(method, &url, None).await;
        assert_eq!(a.status, 403, "{method} {url}: {}", a.body);
    }
    let a = call(
        "PUT",
        &format!(
            "{}/v1/tenants/{TENANT}/users/spy@other-co.example",
            other.base
        ),
        Some(br#"{"roles":["admin"]}"#.to_vec()),
    )
    .await;
    assert_eq!(a.status, 403, "{}", a.body);
    // Its own tenant it may read.
    let own = call(
        "GET",
        &format!("{}/v1/tenants/other-co/users", other.base),
        None,
    )
    .await;
    assert_eq!(own.status, 200, "{}", own.body);
    assert_eq!(
        operator.writes.count() + other.writes.count(),
        0,
        "{:?} {:?}",
        operator.writes.what(),
        other.writes.what()
    );
}

#[tokio::test]
async fn an_oversize_body_is_413_and_nothing_is_written() {
    let (env, _) = env_with_connection().await;
    let api = support::serve(&env, Caller::Operator).await;
    let mut big = registration(&env);
    big["name"] = json!("x".repeat(renkei_admin::BODY_LIMIT + 1));
    let a = call(
        "POST",
        &format!("{}/v1/tenants/{TENANT}/mynavi/accounts", api.base),
        Some(serde_json::to_vec(&big).unwrap()),
    )
    .await;
    assert_eq!(a.status, 413, "{}", a.body);
    assert_eq!(api.writes.count(), 0, "{:?}", api.writes.what());
}

#[tokio::test]
async fn c1_1_a_registration_hrmos_refuses_is_422_naming_the_field_and_stores_no_secret() {
    let (env, _) = env_with_connection().await;
    let api = support::serve(&env, Caller::Operator).await;
    let mut body = registration(&env);
    body["login_id"] = json!("another-account");
    body["hrmos_api_key"] = json!("wrong-key");
    let a = call(
        "POST",
        &format!("{}/v1/tenants/{TENANT}/mynavi/accounts", api.base),
        Some(serde_json::to_vec(&body).unwrap()),
    )
    .await;
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (422, Some("hrmos_api_key")),
        "{}",
        a.body
    );
    assert_eq!(api.writes.count(), 0, "{:?}", api.writes.what());
    // The accepted one answers the account, never its secret.
    let a = call(
        "POST",
        &format!("{}/v1/tenants/{TENANT}/mynavi/accounts", api.base),
        Some(serde_json::to_vec(&registration(&env)).unwrap()),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let text = a.body.to_string();
    assert!(
        !text.contains(MYNAVI_PASSWORD) && !text.contains(HRMOS_KEY),
        "{text}"
    );
}

fn c2_body(env: &SandboxEnv) -> Value {
    json!({
        "connector": "roumumate-kaonavi",
        "connection": "hr",
        "settings": env.settings(200, renkei_connectors::roumumate_kaonavi::KaonaviLimits::default()),
        "secret": {
            "roumumate_token": renkei_testbed::ROUMUMATE_TOKEN,
            "consumer_key": renkei_testbed::KAONAVI_KEY,
            "consumer_secret": renkei_testbed::KAONAVI_SECRET,
        },
    })
}

#[tokio::test]
async fn a_connection_the_vendors_or_the_body_refuse_is_told_by_field_and_writes_nothing() {
    let (env, mynavi) = env_with_connection().await;
    let api = support::serve(&env, Caller::Operator).await;
    let url = format!("{}/v1/tenants/{TENANT}/connections", api.base);
    let post = |body: Value| call("POST", &url, Some(serde_json::to_vec(&body).unwrap()));
    let mut unknown = c2_body(&env);
    unknown["connector"] = json!("mynavi-hrmos");
    let a = post(unknown).await;
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (400, Some("connector")),
        "{}",
        a.body
    );
    let mut missing = c2_body(&env);
    missing["settings"]
        .as_object_mut()
        .unwrap()
        .remove("kaonavi_url");
    let a = post(missing).await;
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (400, Some("settings.kaonavi_url")),
        "{}",
        a.body
    );
    let mut wrong = c2_body(&env);
    wrong["secret"]["consumer_secret"] = json!("not-the-secret");
    let a = post(wrong).await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(
        a.body["problems"].as_array().is_some_and(|p| !p.is_empty()),
        "{}",
        a.body
    );
    // A Mynavi connection takes no scope.
    let a = call(
        "POST",
        &format!(
            "{}/v1/tenants/{TENANT}/connections/{mynavi}/runs?scope=departments",
            api.base
        ),
        None,
    )
    .await;
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (400, Some("scope")),
        "{}",
        a.body
    );
    // Checking the credential called Kaonavi: that call counts in the Consumer Key's shared
    // rate window (P6, a limit that must hold across runs and setups). Nothing else is written.
    let written = api.writes.what();
    assert!(
        written.iter().all(|w| w.contains("/RATE#Kaonavi#")),
        "{written:?}"
    );
    // The right one is connected, and answers without its secret.
    let a = post(c2_body(&env)).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert!(!a.body.to_string().contains(renkei_testbed::KAONAVI_SECRET));
}
