//! C5 as an outside tester drives it: over HTTP only, against the sandbox's control API
//! (docs/sandbox.md) — set Recruitee and LinkedIn up, connect, have the customer's admin
//! save LinkedIn's widget (a Lite contract refused with LinkedIn's reason) and notify
//! renkei, run until LinkedIn reports the integration active, read back what LinkedIn
//! holds, and have a deletion in Recruitee reach LinkedIn by webhook; then the LinkedIn →
//! Recruitee half: a team member links a LinkedIn account through the consent redirect, a
//! recruiter exports a profile in Recruiter, and Recruitee shows the candidate on the job.

use renkei_e2e::*;
use serde_json::{Value, json};

struct Control {
    http: reqwest::Client,
    base: String,
}

impl Control {
    /// One control call; answers (status, body).
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}/_control{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("sandbox answers");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn ok(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let (status, v) = self.call(method, path, body).await;
        assert!((200..300).contains(&status), "{path}: {status} {v}");
        v
    }
}

fn connect_body(base: &str, contract: &str) -> Value {
    json!({
        "tenant": "acme", "connection": "c5", "webhook_base": format!("{base}/webhooks"),
        "secret": {"recruitee_token": "rt", "recruitee_webhook_secret": "recruitee-webhook-secret-1"},
        "settings": {"company_id": "61", "recruitee_url": format!("{base}/recruitee/c/61"),
                     "linkedin_api_url": format!("{base}/linkedin"),
                     "linkedin_oauth_url": format!("{base}/linkedin"),
                     "linkedin_platform_url": format!("{base}/linkedin"),
                     "onboarding_url": base,
                     "organization": "777", "contract": contract,
                     "recruitee_per_minute": null},
    })
}

/// The customer's admin saves LinkedIn's widget on the onboarding page (of origin `base`)
/// with RSC ticked on `contract` as `member`: LinkedIn's answer.
async fn save_widget(ctl: &Control, base: &str, member: &str, contract: &str) -> (u16, Value) {
    use reqwest::Method;
    let apps = ctl.ok(Method::GET, "/linkedin/apps", None).await;
    let child = apps["apps"][0]["client_id"].clone();
    ctl.call(
        Method::POST,
        "/linkedin/widget",
        Some(
            json!({"api_key": child, "origin": base, "member": member, "contract": contract,
            "bundles": ["RECRUITER_SYSTEM_CONNECT_COMPANY", "RECRUITER_SYSTEM_CONNECT_CONTRACT"]}),
        ),
    )
    .await
}

/// Connects, and onboards as the customer's admin does: the widget saved, then "notify
/// partner".
async fn connect_and_onboard(ctl: &Control, base: &str) {
    use reqwest::Method;
    ctl.ok(
        Method::POST,
        "/connect/recruitee-linkedin",
        Some(connect_body(base, "1")),
    )
    .await;
    let (status, saved) = save_widget(ctl, base, "admin@acme.example", "1").await;
    assert_eq!(status, 200, "{saved}");
    ctl.ok(
        Method::POST,
        "/admin/recruitee-linkedin/refresh",
        Some(json!({"tenant": "acme", "connection": "c5"})),
    )
    .await;
}

/// Recruitee company 61 with 6 candidates and 3 jobs, LinkedIn organization 777 with a
/// Corporate and a Lite contract, the partner's application.
async fn vendors(ctl: &Control) {
    use reqwest::Method;
    ctl.ok(
        Method::PUT,
        "/recruitee/companies/61",
        Some(json!({"token": "rt",
            "webhook": {"tenant": "acme", "connection": "c5", "secret": "recruitee-webhook-secret-1"}})),
    )
    .await;
    ctl.ok(
        Method::POST,
        "/recruitee/companies/61/load",
        Some(json!({"candidates": 6, "offers": 3, "seed": 5})),
    )
    .await;
    // The partner application is the sandbox's own (the local stack's partner secret).
    let users = json!({"admin@acme.example": ["ADMIN"]});
    ctl.ok(
        Method::PUT,
        "/linkedin/organizations/777",
        Some(json!({"contracts": [
            {"id": "1", "name": "Acme Recruiter", "type": "RECRUITER_CORPORATE", "users": users},
            {"id": "2", "name": "Acme Lite", "type": "RECRUITER_LITE", "users": users}]})),
    )
    .await;
    ctl.ok(
        Method::PUT,
        "/linkedin/limits",
        Some(json!({"activation_checks": 1})),
    )
    .await;
}

#[tokio::test]
async fn c5_1_connect_sync_and_delete_over_http_only() {
    use reqwest::Method;
    let env = env().await;
    let base = format!("http://{}", env.addr);
    let ctl = Control {
        http: reqwest::Client::new(),
        base: base.clone(),
    };
    vendors(&ctl).await;

    // Partner credentials in a connection's secret are refused.
    let mut partner = connect_body(&base, "1");
    partner["secret"]["partner_client_id"] = json!("p");
    partner["secret"]["partner_client_secret"] = json!("ps");
    let (status, refused) = ctl
        .call(Method::POST, "/connect/recruitee-linkedin", Some(partner))
        .await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused.to_string().contains("partner"), "{refused}");

    ctl.ok(
        Method::POST,
        "/connect/recruitee-linkedin",
        Some(connect_body(&base, "1")),
    )
    .await;
    // LinkedIn's widget refuses a Lite contract with its reason, pre-authorizing nothing.
    let (status, refused) = save_widget(&ctl, &base, "admin@acme.example", "2").await;
    assert_eq!(status, 403, "{refused}");
    assert!(
        refused.to_string().contains("RECRUITER_LITE"),
        "the reason names the contract type: {refused}"
    );
    let (status, saved) = save_widget(&ctl, &base, "admin@acme.example", "1").await;
    assert_eq!(status, 200, "{saved}");
    let run = json!({"tenant": "acme", "connection": "c5"});
    // The first run names the integrations, sets CALLBACK_URL and finds the activation
    // pending; the next finds it active.
    let first = ctl
        .ok(Method::POST, "/run/recruitee-linkedin", Some(run.clone()))
        .await;
    assert_eq!(first["status"], "succeeded", "{first}");
    let second = ctl
        .ok(Method::POST, "/run/recruitee-linkedin", Some(run.clone()))
        .await;
    assert_eq!(second["status"], "succeeded", "{second}");
    let held = ctl
        .ok(Method::GET, "/linkedin/organizations/777/data", None)
        .await;
    assert_eq!(
        held["callbackUrl"],
        json!(format!("{base}/webhooks/linkedin/acme/c5")),
        "{held}"
    );
    let on_linkedin = |v: &Value| {
        v["atsCandidates"]
            .as_object()
            .map_or(0, serde_json::Map::len)
    };
    assert_eq!(on_linkedin(&held), 6, "every candidate: {held}");

    // A person deletes a candidate in Recruitee: its webhook asks for a run, which removes
    // the candidate on LinkedIn.
    let candidates = ctl
        .ok(Method::GET, "/recruitee/companies/61/candidates", None)
        .await;
    let id = candidates[0]["id"].as_u64().expect("a candidate id");
    env.clock.advance(chrono::Duration::minutes(1));
    ctl.ok(
        Method::DELETE,
        &format!("/recruitee/companies/61/candidates/{id}"),
        None,
    )
    .await;
    ctl.ok(Method::POST, "/deliver", Some(json!({}))).await;
    let after = ctl
        .ok(Method::GET, "/linkedin/organizations/777/data", None)
        .await;
    assert_eq!(on_linkedin(&after), 5, "{after}");
    assert!(
        !after["atsCandidates"].as_object().is_some_and(|m| m
            .keys()
            .any(|k| k.starts_with(&format!("atsCandidateId={id}&")))),
        "the deleted candidate is gone from LinkedIn"
    );
}

#[tokio::test]
async fn c5_5_an_export_in_recruiter_reaches_recruitee_over_http_only() {
    use reqwest::Method;
    let env = env().await;
    let base = format!("http://{}", env.addr);
    let ctl = Control {
        http: reqwest::Client::new(),
        base: base.clone(),
    };
    vendors(&ctl).await;
    ctl.ok(
        Method::PUT,
        "/recruitee/companies/61/members/9",
        Some(json!({"name": "Rita Recruiter", "email": "rita@acme.example", "role": "admin"})),
    )
    .await;
    for (id, first, last, email) in [
        ("rita", "Rita", "Recruiter", "rita@acme.example"),
        ("maria", "Maria", "Schulz", "maria.schulz@example.net"),
    ] {
        ctl.ok(
            Method::PUT,
            &format!("/linkedin/members/{id}"),
            Some(json!({"firstName": first, "lastName": last, "email": email,
                "title": "Backend Engineer", "company": "Acme"})),
        )
        .await;
    }
    connect_and_onboard(&ctl, &base).await;
    let conn = json!({"tenant": "acme", "connection": "c5"});
    for _ in 0..2 {
        ctl.ok(Method::POST, "/run/recruitee-linkedin", Some(conn.clone()))
            .await;
    }

    // Rita links her LinkedIn account: renkei's authorization URL, her consent on
    // LinkedIn, her browser sent back to renkei.
    let mut link = conn.clone();
    link["team_member"] = json!(9);
    let start = ctl
        .ok(Method::POST, "/admin/recruitee-linkedin/link", Some(link))
        .await;
    let url = start["authorize_url"]
        .as_str()
        .expect("an authorization URL");
    let consent = ctl
        .ok(
            Method::POST,
            "/linkedin/consent",
            Some(json!({"authorize_url": url, "member": "rita"})),
        )
        .await;
    let back = ctl
        .http
        .get(consent["redirect"].as_str().expect("a redirect"))
        .send()
        .await
        .expect("renkei answers the redirect");
    assert_eq!(back.status(), 200);
    ctl.ok(Method::POST, "/run/recruitee-linkedin", Some(conn.clone()))
        .await;
    let seat = ctl
        .ok(Method::GET, "/linkedin/organizations/777/seats/rita", None)
        .await;
    let job = seat["jobs"][0]
        .as_str()
        .expect("Rita's seat sees the jobs in export to ATS")
        .to_string();

    // She exports Maria's profile to that job in Recruiter.
    let export = ctl
        .ok(
            Method::POST,
            "/linkedin/exports",
            Some(json!({"organization": "777", "seat": "rita", "member": "maria", "job": job})),
        )
        .await;
    assert_eq!(export["delivery"]["status"], 202, "{export}");
    ctl.ok(Method::POST, "/deliver", Some(json!({}))).await;
    let candidates = ctl
        .ok(Method::GET, "/recruitee/companies/61/candidates", None)
        .await;
    let maria: Vec<&Value> = candidates
        .as_array()
        .expect("candidates")
        .iter()
        .filter(|c| c["emails"][0] == "maria.schulz@example.net")
        .collect();
    assert_eq!(maria.len(), 1, "{candidates}");
    assert_eq!(maria[0]["placements"][0]["offer_id"].to_string(), job);
    let exports = ctl
        .ok(
            Method::POST,
            "/admin/recruitee-linkedin/exports",
            Some(conn),
        )
        .await;
    assert_eq!(exports["exports"][0]["status"], "created", "{exports}");
}
