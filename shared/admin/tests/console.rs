//! The web console as the admin API serves it (issue 31 items 2 and 3): its files under a
//! strict Content-Security-Policy without a caller, its sign-in settings, and the two routes
//! it asks after sign-in — who the caller is, and (operators only) every tenant.

mod support;

use renkei_admin::Caller;
use renkei_core::TenantId;
use renkei_core::repo::{Repo, Role, TenantUser};
use renkei_testbed::SandboxEnv;
use serde_json::Value;

async fn env() -> SandboxEnv {
    SandboxEnv::start(renkei_sandbox::Limits::default(), 1)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s31_3_the_consoles_files_are_public_under_a_strict_csp() {
    let env = env().await;
    // Served with no caller at all, as API Gateway's NONE routes deliver them.
    let api = support::serve_without_caller(&env).await;
    let client = reqwest::Client::new();
    let index = client
        .get(format!("{}/console", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(index.status(), 200);
    let csp = index.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    for directive in [
        "default-src 'none'",
        "script-src 'self';",
        "style-src 'self';",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(index.headers()["x-content-type-options"], "nosniff");
    let etag = index.headers()["etag"].to_str().unwrap().to_string();
    let html = index.text().await.unwrap();
    assert!(html.contains("/console/assets/app.js"), "{html}");
    assert!(
        !html.contains("<script>") && !html.contains(" style="),
        "no inline script or style: {html}"
    );
    let again = client
        .get(format!("{}/console/", api.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "revalidated by its ETag");
    for (path, kind) in [
        ("/console/assets/app.js", "text/javascript"),
        ("/console/assets/app.css", "text/css"),
    ] {
        let r = client
            .get(format!("{}{path}", api.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind),
            "{path}"
        );
        assert!(
            r.headers().contains_key("content-security-policy"),
            "{path}"
        );
    }
    let config: Value = client
        .get(format!("{}/console/config.json", api.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["sign_in"], Value::Null, "an IAM stack: {config}");
    assert!(config["why_no_sign_in"].as_str().unwrap().contains("IAM"));
    let missing = client
        .get(format!("{}/console/assets/other.js", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let me = client
        .get(format!("{}/v1/me", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401, "the API itself still needs a caller");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s31_1_the_caller_learns_who_it_is_and_only_operators_list_tenants() {
    let env = env().await;
    let repo = Repo::new(&env.backend.store);
    for t in ["acme", "globex", "initech"] {
        let user = TenantUser {
            email: format!("hr@{t}.example"),
            roles: vec![Role::Admin],
        };
        repo.put_user(&TenantId::new(t).unwrap(), &user)
            .await
            .unwrap();
    }
    let user = support::serve(&env, Caller::Tenants(vec!["acme".into()])).await;
    let me: Value = reqwest::get(format!("{}/v1/me", user.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        me,
        serde_json::json!({"operator": false, "tenants": ["acme"]})
    );
    let refused = reqwest::get(format!("{}/v1/tenants", user.base))
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    let operator = support::serve(&env, Caller::Operator).await;
    let me: Value = reqwest::get(format!("{}/v1/me", operator.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["operator"], true);
    let page: Value = reqwest::get(format!("{}/v1/tenants?limit=2", operator.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tenant"].as_str().unwrap())
        .collect();
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest: Value = reqwest::get(format!(
        "{}/v1/tenants?limit=2&cursor={cursor}",
        operator.base
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let mut all: Vec<String> = first.iter().map(|t| t.to_string()).collect();
    all.extend(
        rest["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["tenant"].as_str().unwrap().to_string()),
    );
    assert!(rest.get("next_cursor").is_none());
    // The sandbox env's own tenant is there too: it has users.
    for t in ["acme", "globex", "initech"] {
        assert!(all.iter().any(|a| a == t), "{t} in {all:?}");
    }
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "in id order");
}

/// The console's "dry run" (issue 31 item 1) is the API's: `?dry_run=true` on run now puts a
/// person's dry run on the bus; the run counts what it would create and HRMOS gets nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s31_1_a_dry_run_asked_through_the_api_counts_and_writes_nothing() {
    use renkei_core::Clock;
    let env = env().await;
    let connection = env.register_mynavi().await.unwrap();
    let start = env.clock.now() - chrono::Duration::hours(2);
    env.sandbox
        .mynavi()
        .add(
            renkei_testbed::MYNAVI_LOGIN,
            renkei_sandbox::sample_applications(3, 7, "DRY-", start, 10),
        )
        .unwrap();
    let api = support::serve(&env, Caller::Tenants(vec![renkei_testbed::TENANT.into()])).await;
    let url = format!(
        "{}/v1/tenants/{}/connections/{connection}/runs?dry_run=true",
        api.base,
        renkei_testbed::TENANT
    );
    let res = reqwest::Client::new().post(&url).send().await.unwrap();
    assert_eq!(res.status(), 202);
    let ran = env.backend.deliver().await.unwrap();
    let run = match ran.as_slice() {
        [renkei_core::engine::Outcome::Ran(r)] => r.clone(),
        other => panic!("{other:?}"),
    };
    assert!(run.dry_run, "{run:?}");
    assert_eq!(run.counts.created, 3, "{run:?}");
    assert!(
        env.sandbox
            .hrmos()
            .applicants(renkei_testbed::HRMOS_KEY)
            .is_empty(),
        "a dry run writes nothing"
    );
    let runs: Value = reqwest::get(format!(
        "{}/v1/tenants/{}/connections/{connection}/runs",
        api.base,
        renkei_testbed::TENANT
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(runs["items"][0]["dry_run"], true);
}
