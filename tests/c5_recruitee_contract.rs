//! Issue 27: Recruitee's side of C5 against what Recruitee documents. Its documented
//! requests (tests/fixtures/recruitee/documented-requests.json, each naming its page) are
//! accepted by the simulator, the simulator refuses what the reference does not list, and
//! renkei's client, run through a whole C5 pass, never sends anything the reference does
//! not list.

use renkei_e2e::*;
use renkei_sandbox::LinkedinLimits;
use renkei_testbed::{
    CONTRACT_CORPORATE, LINKEDIN_ADMIN, LINKEDIN_CONNECTION, RECRUITEE_COMPANY, RECRUITEE_TOKEN,
};
use serde_json::{Value, json};

fn documented() -> Vec<Value> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/recruitee/documented-requests.json"
    ))
    .expect("fixture");
    let doc: Value = serde_json::from_str(&text).expect("fixture is JSON");
    let requests = doc["requests"].as_array().expect("requests").clone();
    for r in &requests {
        assert!(
            r["source"]
                .as_str()
                .is_some_and(|s| s.contains("docs.recruitee.com")),
            "every request names its page: {r}"
        );
    }
    requests
}

fn violations(env: &SandboxEnv) -> Value {
    env.sandbox
        .recruitee()
        .stats(RECRUITEE_COMPANY)
        .expect("stats")["violations"]
        .clone()
}

#[tokio::test]
async fn s27_13_recruitee_s_documented_requests_are_accepted_and_renkei_sends_nothing_else() {
    let env = env().await;
    env.recruitee_linkedin_accounts(12).expect("accounts");
    let http = reqwest::Client::new();
    for r in documented() {
        let name = r["name"].as_str().unwrap();
        let reply = if r["webhook"] == true {
            let url = format!(
                "http://{}/webhooks/recruitee/{}/{LINKEDIN_CONNECTION}",
                env.addr,
                env.tenant()
            );
            http.post(url)
                .header("User-Agent", "Recruitee-Webhooks")
                .json(&r["body"])
                .send()
                .await
                .expect("sent")
        } else {
            let url = format!(
                "http://{}/recruitee/c/{RECRUITEE_COMPANY}{}",
                env.addr,
                r["path"].as_str().unwrap()
            );
            let query: Vec<(String, String)> =
                serde_json::from_value(r["query"].clone()).expect("query");
            http.get(url)
                .bearer_auth(RECRUITEE_TOKEN)
                .query(&query)
                .send()
                .await
                .expect("sent")
        };
        assert_eq!(reply.status().as_u16(), 200, "{name}");
        let body: Value = reply.json().await.unwrap_or(Value::Null);
        match r["answers"].as_str().unwrap() {
            "200" => {}
            list => assert!(body[list].is_array(), "{name}: {body}"),
        }
    }
    assert_eq!(
        violations(&env),
        json!([]),
        "the documented requests conform"
    );

    // The simulator refuses what the reference does not list.
    let url = format!(
        "http://{}/recruitee/c/{RECRUITEE_COMPANY}/candidates",
        env.addr
    );
    let refused = http
        .get(&url)
        .bearer_auth(RECRUITEE_TOKEN)
        .query(&[
            ("sort", "by_date_asc"),
            ("updated_after", "2026-11-01T00:00:00"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status().as_u16(), 400);
    assert_ne!(violations(&env), json!([]), "the refusal is recorded");

    // renkei's client, through connecting and a whole pass, adds no violation.
    let before = violations(&env);
    env.sandbox.linkedin().limits(LinkedinLimits {
        activation_checks: 0,
        ..LinkedinLimits::default()
    });
    let c = env
        .connect_linkedin(env.linkedin_settings(CONTRACT_CORPORATE), LINKEDIN_ADMIN)
        .await
        .expect("connects");
    env.clock.advance(chrono::Duration::minutes(1));
    let outcome = env
        .backend
        .run(
            &renkei_core::engine::RunRequest::manual(env.tenant(), c),
            &renkei_core::engine::NoHook,
        )
        .await
        .expect("runs");
    let renkei_core::engine::Outcome::Ran(run) = outcome else {
        panic!("did not run: {outcome:?}");
    };
    assert!(run.counts.created >= 12, "the pass read Recruitee: {run:?}");
    assert_eq!(
        violations(&env),
        before,
        "renkei sent only what Recruitee documents"
    );
}
