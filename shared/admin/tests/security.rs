//! Issue 28, the admin API as an attacker finds it: a tenant's disconnect cannot destroy
//! credentials for good (8), lists page at the store and per-tenant lists are capped (9),
//! 5xx answers carry a request id and no internals (10), and every secret the API reads is
//! one its role may read (11).

mod support;

use renkei_admin::Caller;
use renkei_core::engine::RunRecord;
use renkei_core::ports::StateStore;
use renkei_core::repo::ErrorRow;
use renkei_core::{Clock, ConnectionId, RunId};
use renkei_testbed::{SandboxEnv, TENANT};
use serde_json::{Value, json};

async fn call(method: &str, url: &str, body: Option<&str>) -> (u16, Value) {
    let mut req = reqwest::Client::new().request(method.parse().unwrap(), url);
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn env_with_connection() -> (SandboxEnv, String) {
    let env = SandboxEnv::start(renkei_sandbox::Limits::default(), 0)
        .await
        .unwrap();
    let c = env.register_mynavi().await.unwrap();
    (env, c.to_string())
}

fn tenant_token() -> Caller {
    Caller::Tenants(vec![TENANT.to_string()])
}

#[tokio::test]
async fn s28_8_a_tenants_disconnect_keeps_the_secret_restorable_for_seven_days() {
    let (env, c) = env_with_connection().await;
    let api = support::serve(&env, tenant_token()).await;
    let url = format!("{}/v1/tenants/{TENANT}/connections/{c}", api.base);
    assert_deleted_restorably(&api, &url, "disconnect").await;
}

/// A tenant's DELETE of `url` answers 204 and deletes the connection's one secret with the
/// seven-day recovery window (the webhook endpoints' copies, renkei-webhook/…, are deleted at
/// once: the webhooks stop, and migrate-secrets writes them again).
async fn assert_deleted_restorably(api: &support::Api, url: &str, what: &str) {
    let (status, body) = call("DELETE", url, None).await;
    assert_eq!(status, 204, "{body}");
    let deletes: Vec<String> = api
        .writes
        .what()
        .into_iter()
        .filter(|w| w.starts_with("delete secret renkei/"))
        .collect();
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert!(
        deletes[0].ends_with("recoverable for 7 days"),
        "a tenant's {what} purged the secret: {deletes:?}"
    );
}

#[tokio::test]
async fn s28_8_only_an_operator_may_purge_a_secret_at_once() {
    let (env, c) = env_with_connection().await;
    let tenant = support::serve(&env, tenant_token()).await;
    let url = format!(
        "{}/v1/tenants/{TENANT}/connections/{c}?purge=true",
        tenant.base
    );
    let (status, body) = call("DELETE", &url, None).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(tenant.writes.count(), 0, "{:?}", tenant.writes.what());

    // Issue 31: an operator signed in with a token (the console's OperatorGroup) acts on
    // every tenant but may not purge: a browser's token must not destroy credentials.
    let token_operator = support::serve(&env, Caller::TokenOperator).await;
    let url = format!(
        "{}/v1/tenants/{TENANT}/connections/{c}?purge=true",
        token_operator.base
    );
    let (status, body) = call("DELETE", &url, None).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.to_string().contains("IAM"), "{body}");
    assert_eq!(token_operator.writes.count(), 0);

    let operator = support::serve(&env, Caller::Operator).await;
    let url = format!(
        "{}/v1/tenants/{TENANT}/connections/{c}?purge=true",
        operator.base
    );
    let (status, body) = call("DELETE", &url, None).await;
    assert_eq!(status, 204, "{body}");
    let purged = operator.writes.what();
    assert!(
        purged
            .iter()
            .any(|w| w.starts_with("delete secret") && !w.contains("recoverable")),
        "{purged:?}"
    );
}

#[tokio::test]
async fn s28_11_every_secret_the_linkedin_routes_read_is_under_a_prefix_the_api_declares() {
    use renkei_testbed::{CONTRACT_CORPORATE, LINKEDIN_ADMIN, TEAM_ADMIN};
    let env = SandboxEnv::start(renkei_sandbox::Limits::default(), 0)
        .await
        .unwrap();
    env.recruitee_linkedin_accounts(2).unwrap();
    let c = env
        .connect_linkedin(env.linkedin_settings(CONTRACT_CORPORATE), LINKEDIN_ADMIN)
        .await
        .unwrap();
    env.recruiter_team().unwrap();
    let api = support::serve(&env, Caller::Operator).await;
    let base = format!("{}/v1/tenants/{TENANT}/connections/{c}", api.base);
    let link = format!(r#"{{"team_member":{TEAM_ADMIN}}}"#);
    let (status, body) = call("POST", &format!("{base}/linkedin/link"), Some(&link)).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call("POST", &format!("{base}/linkedin/refresh"), None).await;
    assert_eq!(status, 200, "{body}");
    let reads = api.secret_reads.lock().unwrap().clone();
    assert!(!reads.is_empty(), "the LinkedIn routes read the C5 secret");
    for name in &reads {
        assert!(
            renkei_admin::SECRETS_READ
                .iter()
                .any(|c| name.starts_with(&format!("renkei/{c}/"))),
            "{name} is read but not declared in SECRETS_READ (nor granted in the templates)"
        );
    }
}

// ---- item 9: lists page at the store; users and rules are capped per tenant

/// A connection with `runs` runs (a second apart), the first of them with `rows` rows in
/// its error report, `users` users and `rules` routing rules, written straight to the store.
async fn history(runs: usize, rows: usize, users: usize, rules: usize) -> (SandboxEnv, String) {
    use renkei_connectors::mynavi_hrmos::{RoutingRule, store::put_rule};
    use renkei_core::repo::{Repo, Role, TenantUser};
    let (env, c) = env_with_connection().await;
    let (t, conn) = (env.tenant(), ConnectionId::new(&c).unwrap());
    let start = env.clock.now() - chrono::Duration::days(30);
    let mut items = Vec::new();
    for i in 0..runs {
        let at = start + chrono::Duration::seconds(i as i64);
        let run: RunRecord = serde_json::from_value(json!({
            "tenant_id": t, "connection_id": conn, "run_id": RunId::generate(at),
            "connector": "mynavi-hrmos", "status": "partial", "dry_run": false,
            "started_at": at, "finished_at": at, "cursor_from": null, "cursor_to": null,
            "counts": {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0, "skipped": 0},
            "pages": 1, "error": null
        }))
        .unwrap();
        if i == 0 {
            let report: Vec<ErrorRow> = (0..rows)
                .map(|n| ErrorRow {
                    record: format!("row {n:05}"),
                    reason: "メールアドレスが不正です".into(),
                })
                .collect();
            // Written as runs write them: a page's rows at a time (here 70), so items hold
            // fewer than 100 rows.
            for (p, page) in report.chunks(70).enumerate() {
                items.extend(Repo::error_items(&t, &conn, &run.run_id, p, page, None));
            }
        }
        items.push(Repo::run_item(&run, None));
    }
    let store = &env.backend.store;
    store.put_many(items).await.unwrap();
    let repo = Repo::new(store);
    for u in 0..users {
        let user = TenantUser {
            email: format!("user{u:04}@acme.example"),
            roles: vec![Role::Admin],
        };
        repo.put_user(&t, &user).await.unwrap();
    }
    for r in 0..rules {
        let rule = RoutingRule {
            id: format!("r{r:06}"),
            medium: renkei_connectors::mynavi_hrmos::MEDIUM,
            position_name: format!("職種{r}"),
            job_id: format!("J-{r}"),
            updated_at: start,
        };
        put_rule(store, &t, &rule, true).await.unwrap();
    }
    (env, c)
}

/// Follows `next_cursor` from `first` to the end: every item, and the items each request
/// read from the store under `prefix` (none may read the whole prefix).
async fn walk(api: &support::Api, first: &str, key: &str, prefix: &str) -> (Vec<String>, usize) {
    let (mut seen, mut most) = (Vec::new(), 0);
    let mut url = first.to_string();
    loop {
        api.store_reads.clear();
        let (status, page) = call("GET", &url, None).await;
        assert_eq!(status, 200, "{url}: {page}");
        let reads = api.store_reads.list();
        assert!(
            !reads
                .iter()
                .any(|(what, _)| *what == format!("query {prefix}")),
            "{url} read every {prefix} item: {reads:?}"
        );
        let read: usize = reads
            .iter()
            .filter(|(what, _)| what.contains(prefix))
            .map(|(_, n)| n)
            .sum();
        most = most.max(read);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i[key].to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("{first}&cursor={c}"),
            None => return (seen, most),
        }
    }
}

#[tokio::test]
async fn s28_9_runs_page_newest_first_reading_only_the_page_from_the_store() {
    let (env, c) = history(250, 0, 0, 0).await;
    let api = support::serve(&env, tenant_token()).await;
    let first = format!(
        "{}/v1/tenants/{TENANT}/connections/{c}/runs?limit=40",
        api.base
    );
    let (ids, most) = walk(&api, &first, "run_id", "RUN#").await;
    assert_eq!(ids.len(), 250, "every run once");
    let mut newest_first = ids.clone();
    newest_first.sort();
    newest_first.reverse();
    assert_eq!(ids, newest_first, "newest first");
    assert!(most <= 41, "a page of 40 read {most} runs");
}

#[tokio::test]
async fn s28_9_an_error_report_pages_from_the_store_as_json_and_as_csv() {
    let (env, c) = history(1, 2_500, 0, 0).await;
    let api = support::serve(&env, tenant_token()).await;
    let runs = format!("{}/v1/tenants/{TENANT}/connections/{c}/runs", api.base);
    let run = call("GET", &runs, None).await.1["items"][0]["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let errors = format!("{runs}/{run}/errors");
    let (rows, most) = walk(&api, &format!("{errors}?limit=150"), "record", "ERR#").await;
    let expected: Vec<String> = (0..2_500).map(|n| format!("\"row {n:05}\"")).collect();
    assert_eq!(rows, expected, "every row once, in the order found");
    assert!(most <= 300, "a page of 150 rows read {most} report items");

    // CSV: pages of up to 10,000 rows (here 1,000), the next one named by a Link header.
    let (mut csv_rows, mut url) = (Vec::new(), format!("{errors}?limit=1000"));
    loop {
        let res = reqwest::Client::new()
            .get(&url)
            .header("accept", "text/csv")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let next = res
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_string());
        let body = res.text().await.unwrap();
        let mut lines = body.lines();
        assert_eq!(lines.next(), Some("record,reason"));
        let page: Vec<String> = lines
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect();
        assert!(page.len() <= 1_000);
        csv_rows.extend(page);
        let Some(link) = next else { break };
        let path = link
            .strip_prefix('<')
            .and_then(|l| l.split_once('>'))
            .map(|(p, rel)| (p.to_string(), rel.to_string()))
            .unwrap();
        assert_eq!(path.1, "; rel=\"next\"");
        url = format!("{}{}", api.base, path.0);
    }
    let expected: Vec<String> = (0..2_500).map(|n| format!("row {n:05}")).collect();
    assert_eq!(csv_rows, expected);
    let (status, problem) = call("GET", &format!("{errors}?cursor=7"), None).await;
    assert_eq!((status, problem["field"].as_str()), (400, Some("cursor")));
}

#[tokio::test]
async fn s28_9_users_and_rules_page_from_the_store() {
    let (env, _) = history(0, 0, 150, 150).await;
    let api = support::serve(&env, tenant_token()).await;
    let users = format!("{}/v1/tenants/{TENANT}/users?limit=20", api.base);
    let (emails, most) = walk(&api, &users, "email", "USER#").await;
    let once: std::collections::BTreeSet<&String> = emails.iter().collect();
    assert_eq!(once.len(), emails.len(), "a user twice: {emails:?}");
    let seeded = emails
        .iter()
        .filter(|e| e.contains("@acme.example"))
        .count();
    assert_eq!(
        seeded, 150,
        "every user once (besides the test tenant's own)"
    );
    // The page, one more to know whether a page follows, and one to know the tenant.
    assert!(most <= 22, "a page of 20 read {most} users");
    let rules = format!("{}/v1/tenants/{TENANT}/rules?limit=20", api.base);
    let (ids, most) = walk(&api, &rules, "id", "RULE#").await;
    let once: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(once.len(), ids.len(), "a rule twice: {ids:?}");
    let seeded = ids.iter().filter(|id| id.starts_with("\"r0")).count();
    assert_eq!(
        seeded, 150,
        "every rule once (besides the test tenant's own)"
    );
    assert!(most <= 21, "a page of 20 read {most} rules");
}

#[tokio::test]
async fn s28_9_a_tenant_has_at_most_200_users_and_1000_rules() {
    let (env, _) = history(0, 0, 200, 1_000).await;
    let api = support::serve(&env, tenant_token()).await;
    let user = |email: &str| format!("{}/v1/tenants/{TENANT}/users/{email}", api.base);
    let roles = Some(r#"{"roles":["admin"]}"#);
    let (status, problem) = call("PUT", &user("one-more@acme.example"), roles).await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("200 users"));
    // Changing the roles of a user who is there is not adding one.
    let (status, body) = call("PUT", &user("user0007@acme.example"), roles).await;
    assert_eq!(status, 200, "{body}");

    let rules = format!("{}/v1/tenants/{TENANT}/rules", api.base);
    let rule = Some(r#"{"position_name":"総務スタッフ","job_id":"J-1"}"#);
    let (status, problem) = call("POST", &rules, rule).await;
    assert_eq!(status, 422, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("1000"));
}

#[tokio::test]
async fn s28_8_a_tenants_mynavi_unlink_keeps_the_secret_restorable_too() {
    let (env, c) = env_with_connection().await;
    let api = support::serve(&env, tenant_token()).await;
    let url = format!("{}/v1/tenants/{TENANT}/mynavi/accounts/{c}", api.base);
    let (status, _) = call("DELETE", &format!("{url}?purge=true"), None).await;
    assert_eq!(status, 403, "a tenant may not purge");
    assert_deleted_restorably(&api, &url, "unlink").await;
}
