//! Issue 26 on the admin API: a connection's settings are read and changed (PATCH, checked
//! by the connector's own settings type: a refused key is a 422 naming it, and nothing is
//! written), and its credentials are replaced (PUT, checked by its secret type; the answer
//! names fields, never a value) — and the next run uses them.

mod support;

use renkei_admin::Caller;
use renkei_core::engine::{NoHook, Outcome, RunRecord, RunRequest};
use renkei_core::{Cadence, ConnectionId};
use renkei_sandbox::MynaviAccountSetup;
use renkei_testbed::{HRMOS_KEY, MYNAVI_LOGIN, MYNAVI_PASSWORD, SandboxEnv, TENANT};
use serde_json::{Value, json};

/// The Mynavi password after the employer changed it at Mynavi.
const NEW_PASSWORD: &str = "mynavi-pass-2027-rotated";

struct Answer {
    status: u16,
    body: Value,
    text: String,
}

async fn call(method: &str, url: &str, body: Option<Value>) -> Answer {
    let mut req = reqwest::Client::new().request(method.parse().unwrap(), url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let media = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(
        status < 400 || media == "application/problem+json",
        "{status} is not problem+json"
    );
    let text = res.text().await.unwrap();
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

async fn env_with_mynavi() -> (SandboxEnv, ConnectionId) {
    let env = SandboxEnv::start(renkei_sandbox::Limits::default(), 0)
        .await
        .unwrap();
    let c = env.register_mynavi().await.unwrap();
    (env, c)
}

async fn run(env: &SandboxEnv, c: &ConnectionId) -> RunRecord {
    match env
        .backend
        .run(&RunRequest::manual(env.tenant(), c.clone()), &NoHook)
        .await
        .unwrap()
    {
        Outcome::Ran(r) => r,
        other => panic!("{other:?}"),
    }
}

fn url(api: &support::Api, c: &ConnectionId, what: &str) -> String {
    format!("{}/v1/tenants/{TENANT}/connections/{c}/{what}", api.base)
}

#[tokio::test]
async fn p10_a_refused_setting_is_a_422_naming_its_key_and_writes_nothing() {
    let (env, c) = env_with_mynavi().await;
    let api = support::serve(&env, Caller::Operator).await;
    let before = call("GET", &url(&api, &c, "settings"), None).await;
    assert_eq!(before.status, 200, "{}", before.text);
    assert_eq!(before.body["settings"]["page_size"], 200);
    for (patch, field) in [
        (json!({"settings": {"page_size": 0}}), "settings.page_size"),
        (
            json!({"settings": {"page_size": "many"}}),
            "settings.page_size",
        ),
        (json!({"settings": {"page_sise": 10}}), "settings.page_sise"),
        (json!({"settings": {"status": "linked"}}), "settings.status"),
        (json!({"cadence": {"hours": 0}}), "cadence.hours"),
    ] {
        let writes = api.writes.count();
        let a = call("PATCH", &url(&api, &c, "settings"), Some(patch.clone())).await;
        assert_eq!(a.status, 422, "{patch}: {}", a.text);
        assert_eq!(a.body["field"], field, "{patch}: {}", a.text);
        assert_eq!(a.body["problems"][0]["field"], field, "{patch}: {}", a.text);
        assert_eq!(
            api.writes.count(),
            writes,
            "{patch} wrote {:?}",
            api.writes.what()
        );
    }
    let a = call(
        "PATCH",
        &url(&api, &c, "settings"),
        Some(json!({"setings": {}})),
    )
    .await;
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (400, Some("setings")),
        "{}",
        a.text
    );
    let after = call("GET", &url(&api, &c, "settings"), None).await;
    assert_eq!(after.body, before.body, "nothing changed");
}

#[tokio::test]
async fn p10_a_settings_patch_changes_the_keys_it_names_and_the_cadence() {
    let (env, c) = env_with_mynavi().await;
    let api = support::serve(&env, Caller::Operator).await;
    let patch =
        json!({"settings": {"page_size": 50, "hrmos_per_minute": null}, "cadence": {"hours": 2}});
    let a = call("PATCH", &url(&api, &c, "settings"), Some(patch)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["settings"]["page_size"], 50);
    // Null restores the default (600 a minute).
    assert_eq!(a.body["settings"]["hrmos_per_minute"], 600);
    assert_eq!(a.body["settings"]["status"], before_status(&env, &c).await);
    let stored = renkei_core::repo::Repo::new(&env.backend.store)
        .connection(&env.tenant(), &c)
        .await
        .unwrap()
        .unwrap()
        .0;
    assert!(matches!(
        stored.cadence,
        Cadence::EveryHoursFrom { hours: 2, .. }
    ));
    assert_eq!(stored.settings["page_size"], 50);
}

/// The account status as stored (kept by renkei, never changed by a patch).
async fn before_status(env: &SandboxEnv, c: &ConnectionId) -> Value {
    renkei_core::repo::Repo::new(&env.backend.store)
        .connection(&env.tenant(), c)
        .await
        .unwrap()
        .unwrap()
        .0
        .settings["status"]
        .clone()
}

#[tokio::test]
async fn p12_put_credentials_replaces_the_secret_the_next_run_uses_and_never_answers_a_value() {
    let (env, c) = env_with_mynavi().await;
    assert_eq!(run(&env, &c).await.status.as_str(), "succeeded");
    env.sandbox.mynavi().account(
        MYNAVI_LOGIN,
        MynaviAccountSetup {
            password: NEW_PASSWORD.into(),
            ..Default::default()
        },
    );
    let refused = run(&env, &c).await;
    assert_eq!(refused.status.as_str(), "auth_failed", "{refused:?}");
    let api = support::serve(&env, Caller::Operator).await;
    let writes = api.writes.count();
    let typo =
        json!({"login_id": MYNAVI_LOGIN, "passwort": NEW_PASSWORD, "hrmos_api_key": HRMOS_KEY});
    let a = call("PUT", &url(&api, &c, "credentials"), Some(typo)).await;
    assert_eq!(a.status, 422, "{}", a.text);
    assert_eq!(a.body["field"], "passwort", "{}", a.text);
    assert!(!a.text.contains(NEW_PASSWORD), "{}", a.text);
    assert_eq!(api.writes.count(), writes, "{:?}", api.writes.what());
    let a = call(
        "PUT",
        &url(&api, &c, "credentials"),
        Some(json!("just-a-string")),
    )
    .await;
    assert_eq!(a.status, 400, "{}", a.text);
    assert!(!a.text.contains("just-a-string"), "{}", a.text);
    let secret =
        json!({"login_id": MYNAVI_LOGIN, "password": NEW_PASSWORD, "hrmos_api_key": HRMOS_KEY});
    let a = call("PUT", &url(&api, &c, "credentials"), Some(secret)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    for value in [NEW_PASSWORD, MYNAVI_PASSWORD, HRMOS_KEY] {
        assert!(
            !a.text.contains(value),
            "a secret value was answered: {}",
            a.text
        );
    }
    let mut fields: Vec<String> = serde_json::from_value(a.body["fields"].clone()).unwrap();
    fields.sort();
    assert_eq!(fields, ["hrmos_api_key", "login_id", "password"]);
    let next = run(&env, &c).await;
    assert_eq!(
        next.status.as_str(),
        "succeeded",
        "the new password is used: {next:?}"
    );
}

#[tokio::test]
async fn p10_a_token_for_another_tenant_may_not_change_settings_or_credentials() {
    let (env, c) = env_with_mynavi().await;
    let api = support::serve(&env, Caller::Tenants(vec!["other-co".into()])).await;
    for (method, what, body) in [
        ("GET", "settings", None),
        (
            "PATCH",
            "settings",
            Some(json!({"settings": {"page_size": 10}})),
        ),
        ("PUT", "credentials", Some(json!({"password": "x"}))),
    ] {
        let a = call(method, &url(&api, &c, what), body).await;
        assert_eq!(a.status, 403, "{method} {what}: {}", a.text);
    }
    assert_eq!(api.writes.count(), 0, "{:?}", api.writes.what());
}
