//! Issue 27, items 5, 7 and 11: C5's onboarding as LinkedIn documents it (the partner
//! provisions the child application, the customer's admin pre-authorizes the integrations
//! in LinkedIn's widget on renkei's onboarding page, renkei names them and sets CALLBACK_URL
//! and follows LinkedIn's INTEGRATION_STATUS_CHANGE), members' sign-in with OpenID Connect
//! at a registered redirect, and the partner's credentials kept by the deployment alone.

use axum::http::StatusCode;
use chrono::Duration;
use renkei_connectors::recruitee_linkedin::{self as c5, Secret, partner};
use renkei_core::engine::{NoHook, Outcome, RunRecord, RunRequest, RunStatus};
use renkei_core::ports::{RecoveryWindow, SecretError, SecretStore};
use renkei_core::webhook::{WebhookVendor, endpoint_secret_name};
use renkei_core::{Clock, ConnectionId};
use renkei_e2e::*;
use renkei_sandbox::LinkedinLimits;
use renkei_testbed::{
    CONTRACT_CORPORATE, LINKEDIN_ADMIN, LINKEDIN_ORG, PARTNER_ID, PARTNER_SECRET, TEAM_ADMIN,
};
use renkei_vendors::linkedin::Activation;
use serde_json::{Value, json};
use std::sync::Mutex;

async fn accounts(candidates: usize) -> SandboxEnv {
    let env = env().await;
    env.recruitee_linkedin_accounts(candidates).unwrap();
    env.sandbox.linkedin().limits(LinkedinLimits {
        activation_checks: 0,
        ..LinkedinLimits::default()
    });
    env
}

async fn run(env: &SandboxEnv, c: &ConnectionId) -> RunRecord {
    env.clock.advance(Duration::minutes(1));
    match env
        .backend
        .run(&RunRequest::manual(env.tenant(), c.clone()), &NoHook)
        .await
        .unwrap()
    {
        Outcome::Ran(r) => r,
        other => panic!("did not run: {other:?}"),
    }
}

async fn secret(env: &SandboxEnv, c: &ConnectionId) -> Secret {
    let raw = env
        .backend
        .secrets
        .get(&renkei_core::repo::secret_name(c5::NAME, &env.tenant(), c))
        .await
        .unwrap()
        .unwrap();
    serde_json::from_str(&raw).unwrap()
}

/// A fresh token of the connection's child application, as LinkedIn's OAuth gives it.
async fn child_token(env: &SandboxEnv, c: &ConnectionId) -> String {
    let child = secret(env, c).await.child.unwrap();
    let t: Value = reqwest::Client::new()
        .post(format!("http://{}/linkedin/oauth/v2/accessToken", env.addr))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &child.client_id),
            ("client_secret", &child.client_secret),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    t["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn s27_5_the_child_is_provisioned_with_the_sign_in_redirect_and_the_pages_origin_and_the_integrations_are_named()
 {
    let env = accounts(2).await;
    let c = env
        .connect_linkedin(env.linkedin_settings(CONTRACT_CORPORATE), LINKEDIN_ADMIN)
        .await
        .unwrap();
    let app = env.sandbox.linkedin().apps()["apps"][0].clone();
    let callback = format!("http://{}/webhooks/linkedin/demo-co/{c}", env.addr);
    assert_eq!(
        app["oauth2AuthorizedCallbackUrls"],
        json!([callback]),
        "{app}"
    );
    assert_eq!(
        app["validJsSdkDomains"],
        json!([env.onboarding_origin()]),
        "{app}"
    );
    let name = app["name"].as_str().unwrap();
    assert!(name.chars().count() <= 50 && !name.to_lowercase().contains("linkedin"));
    assert_eq!(app["uniqueForeignId"], format!("renkei:demo-co:{c}"));
    let d = env.sandbox.linkedin().data(LINKEDIN_ORG);
    assert_eq!(d["callbackUrl"], json!(callback), "{d}");
    let integrations = d["integrations"].as_array().unwrap();
    let kinds: std::collections::BTreeSet<&str> = integrations
        .iter()
        .map(|i| i["integrationType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "CSA_API",
            "IN_ATS_INDICATOR",
            "ONE_CLICK_EXPORT",
            "PROFILE_PLUGIN"
        ]
        .into()
    );
    assert!(
        integrations
            .iter()
            .all(|i| i["integrationName"].as_str().is_some_and(|n| !n.is_empty())),
        "every integration named: {d}"
    );
    let a = c5::ActivationState::read(&env.backend.store, &env.tenant(), &c)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.status, Activation::Active, "{a:?}");
}

#[tokio::test]
async fn s27_5_a_changed_onboarding_origin_is_registered_on_the_child_by_the_next_run() {
    let env = accounts(2).await;
    let c = env
        .connect_linkedin(env.linkedin_settings(CONTRACT_CORPORATE), LINKEDIN_ADMIN)
        .await
        .unwrap();
    let repo = renkei_core::repo::Repo::new(&env.backend.store);
    let (mut conn, version) = repo.connection(&env.tenant(), &c).await.unwrap().unwrap();
    conn.settings["onboarding_url"] = json!("https://admin.renkei.example/prod");
    repo.put_connection(&conn, Some(version)).await.unwrap();
    let r = run(&env, &c).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{r:?}");
    let app = env.sandbox.linkedin().apps()["apps"][0].clone();
    assert_eq!(
        app["validJsSdkDomains"],
        json!(["https://admin.renkei.example"]),
        "{app}"
    );
}

#[tokio::test]
async fn s27_5_the_calls_renkei_once_invented_are_refused_with_linkedins_error_shape() {
    let env = accounts(1).await;
    let c = env
        .connect_linkedin(env.linkedin_settings(CONTRACT_CORPORATE), LINKEDIN_ADMIN)
        .await
        .unwrap();
    let token = child_token(&env, &c).await;
    let http = reqwest::Client::new();
    let base = format!("http://{}/linkedin/v2", env.addr);
    let calls = [
        http.put(format!("{base}/atsIntegrations"))
            .header("x-restli-method", "update")
            .json(&json!({"integrationContext": "urn:li:organization:5550001", "contract": "urn:li:contract:900100",
                "enabledBy": LINKEDIN_ADMIN, "integrationTypes": ["ONE_CLICK_EXPORT"]})),
        http.get(format!(
            "{base}/atsIntegrations?q=integrationContext&integrationContext=urn:li:organization:5550001"
        )),
        http.put(format!("{base}/atsIntegrationConfigurations"))
            .header("x-restli-method", "update")
            .json(&json!({"integrationContext": "urn:li:organization:5550001", "type": "CALLBACK_URL",
                "value": "https://example.com/cb"})),
    ];
    for call in calls {
        let answer = call.bearer_auth(&token).send().await.unwrap();
        let status = answer.status().as_u16();
        let body: Value = answer.json().await.unwrap();
        assert!((400..500).contains(&status), "{status} {body}");
        assert_eq!(body["status"], status, "{body}");
        assert!(
            body["serviceErrorCode"].is_number() && body["message"].is_string(),
            "{body}"
        );
    }
}

#[tokio::test]
async fn s27_5_linkedins_widget_is_served_only_to_the_childs_registered_origin() {
    let env = accounts(1).await;
    let c = env
        .connect_linkedin_only(env.linkedin_settings(CONTRACT_CORPORATE))
        .await
        .unwrap();
    let child = secret(&env, &c).await.child.unwrap().client_id;
    let http = reqwest::Client::new();
    let script = http
        .get(format!("http://{}/linkedin/xdoor/scripts/in.js", env.addr))
        .send()
        .await
        .unwrap();
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    let frame = |origin: &str, referer: &str| {
        http.get(format!(
            "http://{}/linkedin/xdoor/widget/ats-integration",
            env.addr
        ))
        .query(&[
            ("api_key", child.as_str()),
            ("origin", origin),
            ("types", "RECRUITER_SYSTEM_CONNECT_COMPANY"),
        ])
        .header("referer", referer)
        .send()
    };
    let mine = env.onboarding_origin();
    let page = format!("{mine}/onboarding/linkedin/token");
    assert_eq!(frame(&mine, &page).await.unwrap().status(), 200);
    let evil = "http://evil.example";
    assert_eq!(
        frame(evil, &format!("{evil}/page")).await.unwrap().status(),
        403
    );
    assert_eq!(
        frame(&mine, &format!("{evil}/page"))
            .await
            .unwrap()
            .status(),
        403,
        "the page's real origin (Referer) decides, not what it claims"
    );
    let bundles = vec!["RECRUITER_SYSTEM_CONNECT_COMPANY".to_string()];
    let refused = env
        .sandbox
        .linkedin()
        .pre_authorize(
            &child,
            Some(evil),
            LINKEDIN_ADMIN,
            CONTRACT_CORPORATE,
            &bundles,
        )
        .await
        .unwrap_err();
    assert_eq!(refused.0, StatusCode::FORBIDDEN, "{refused:?}");
}

#[tokio::test]
async fn s27_5_an_integration_status_change_reaches_renkei_by_webhook_and_is_read_by_its_request() {
    let env = accounts(4).await;
    let c = env
        .connect_linkedin(env.linkedin_settings(CONTRACT_CORPORATE), LINKEDIN_ADMIN)
        .await
        .unwrap();
    assert_eq!(run(&env, &c).await.status, RunStatus::Succeeded);
    // The customer switches the integrations off in Recruiter: LinkedIn tells the
    // CALLBACK_URL, signed with the child's secret.
    let told = env
        .sandbox
        .linkedin()
        .switch_integrations(LINKEDIN_ORG, "DISABLED")
        .await
        .unwrap();
    assert_eq!(told["delivery"]["status"], 202, "{told}");
    assert_eq!(
        told["notification"]["type"], "INTEGRATION_STATUS_CHANGE",
        "{told}"
    );
    let a = c5::ActivationState::read(&env.backend.store, &env.tenant(), &c)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.status, Activation::Pending, "unsettled until read: {a:?}");
    env.backend.deliver().await.unwrap();
    let a = c5::ActivationState::read(&env.backend.store, &env.tenant(), &c)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.status, Activation::Pending, "{a:?}");
    assert!(a.message.contains("0 of 4"), "{a:?}");
    // Switched on again: the next run finds it active.
    env.sandbox
        .linkedin()
        .switch_integrations(LINKEDIN_ORG, "ENABLED")
        .await
        .unwrap();
    env.clock.advance(Duration::minutes(2));
    env.backend.deliver().await.unwrap();
    let a = c5::ActivationState::read(&env.backend.store, &env.tenant(), &c)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.status, Activation::Active, "{a:?}");
}

/// The embedded backend's bus, shared.
struct Bus(std::sync::Arc<renkei_local::LocalBackend>);

#[async_trait::async_trait]
impl renkei_core::ports::EventBus for Bus {
    async fn publish(
        &self,
        events: &[renkei_core::ports::BusEvent],
    ) -> Result<(), renkei_core::ports::BusError> {
        self.0.bus.publish(events).await
    }
}

/// The admin API on a loopback port, every request the operator's (as `renkei admin
/// serve`); answers its address.
async fn admin_api(env: &SandboxEnv) -> String {
    let app = renkei_admin::router(renkei_admin::AdminState {
        store: std::sync::Arc::new(env.backend.store.clone()),
        secrets: std::sync::Arc::new(env.backend.secrets.clone()),
        bus: std::sync::Arc::new(Bus(env.backend.clone())),
        clock: env.clock.clone(),
        recovery: RecoveryWindow::DEFAULT,
        outbound: renkei_core::outbound::OutboundPolicy::Local,
        console: std::sync::Arc::new(renkei_admin::ConsoleConfig::iam()),
    })
    .layer(axum::Extension(renkei_admin::Caller::Operator));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

async fn answer(r: reqwest::RequestBuilder) -> (u16, String) {
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn s27_5_an_onboarding_link_opens_its_own_connection_only_until_it_expires() {
    let env = accounts(1).await;
    let c = env
        .connect_linkedin_only(env.linkedin_settings(CONTRACT_CORPORATE))
        .await
        .unwrap();
    let api = admin_api(&env).await;
    let http = reqwest::Client::new();
    let (status, body) = answer(
        http.post(format!(
            "{api}/v1/tenants/demo-co/connections/{c}/linkedin/onboarding-link"
        ))
        .json(&json!({"ttl": "2h"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let link: Value = serde_json::from_str(&body).unwrap();
    let url = link["url"].as_str().unwrap();
    let path = url
        .strip_prefix(&env.onboarding_origin())
        .unwrap()
        .to_string();
    assert!(path.starts_with("/onboarding/linkedin/"), "{url}");
    let page_at = |p: &str| http.get(format!("{api}{p}"));
    let notify_at = |p: &str| http.post(format!("{api}{p}/notify"));

    // The page: LinkedIn's widget for this connection's child application, and no secret.
    let (status, page) = answer(page_at(&path)).await;
    assert_eq!(status, 200, "{page}");
    let s = secret(&env, &c).await;
    let child = s.child.clone().unwrap();
    assert!(
        page.contains(&format!("api_key: {}", child.client_id)),
        "{page}"
    );
    assert!(page.contains(&format!("http://{}/linkedin/xdoor/scripts/in.js", env.addr)));
    assert!(page.contains("type=\"IN/ATSIntegrationWidget\""));
    for secret in [
        child.client_secret.as_str(),
        s.onboarding_key.as_deref().unwrap(),
        renkei_testbed::RECRUITEE_TOKEN,
        PARTNER_SECRET,
    ] {
        assert!(!page.contains(secret), "the page holds no secret");
    }

    // "Notify partner" checks at once.
    let bundles: Vec<String> = renkei_testbed::RSC_BUNDLES
        .iter()
        .map(|b| b.to_string())
        .collect();
    env.sandbox
        .linkedin()
        .pre_authorize(
            &child.client_id,
            Some(&env.onboarding_origin()),
            LINKEDIN_ADMIN,
            CONTRACT_CORPORATE,
            &bundles,
        )
        .await
        .unwrap();
    let (status, body) = answer(notify_at(&path)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["status"],
        "active"
    );

    // Any character changed: refused, as is what is no token at all.
    let mut tampered = path.clone().into_bytes();
    let at = tampered.len() - 5;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bad in [tampered.as_str(), "/onboarding/linkedin/not-a-token"] {
        assert_eq!(answer(page_at(bad)).await.0, 404, "{bad}");
        assert_eq!(answer(notify_at(bad)).await.0, 404, "{bad}");
    }
    // Past its time: gone.
    env.clock.advance(Duration::hours(2));
    let (status, page) = answer(page_at(&path)).await;
    assert_eq!(status, 410, "{page}");
    assert!(page.contains("expired"));
    assert_eq!(answer(notify_at(&path)).await.0, 410);
}

#[tokio::test]
async fn s27_7_a_member_signs_in_with_openid_connect_at_the_redirect_the_child_registered() {
    let env = accounts(1).await;
    env.recruiter_team().unwrap();
    let c = env
        .connect_linkedin(env.linkedin_settings(CONTRACT_CORPORATE), LINKEDIN_ADMIN)
        .await
        .unwrap();
    let start = env
        .linkedin_admin(&c, "link", json!({"team_member": TEAM_ADMIN}))
        .await
        .unwrap();
    let url = start["authorize_url"].as_str().unwrap().to_string();
    let parsed = url::Url::parse(&url).unwrap();
    let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
    assert_eq!(q["scope"], "openid profile", "{url}");
    // What LinkedIn refuses for an application made after 2023-08-01, and a redirect the
    // child did not register.
    let old = url.replace("scope=openid+profile", "scope=r_liteprofile");
    let why = env.sandbox.linkedin().consent(&old, "rita").unwrap_err();
    assert!(why.contains("unauthorized_scope_error"), "{why}");
    let elsewhere = url.replace(
        &url::form_urlencoded::byte_serialize(q["redirect_uri"].as_bytes()).collect::<String>(),
        "https%3A%2F%2Fevil.example%2Fcb",
    );
    let why = env
        .sandbox
        .linkedin()
        .consent(&elsewhere, "rita")
        .unwrap_err();
    assert!(why.contains("redirect_uri does not match"), "{why}");
    // The member's id is `sub` of userinfo.
    let linked = env.link_account(&c, TEAM_ADMIN, "rita").await.unwrap();
    assert_eq!(linked["linkedin_member"], "urn:li:person:rita", "{linked}");
}

/// Every secret written, by name (over the env's own store).
struct Recording<'a> {
    inner: &'a dyn SecretStore,
    written: Mutex<Vec<(String, String)>>,
}

#[async_trait::async_trait]
impl SecretStore for Recording<'_> {
    async fn put(&self, name: &str, value: &str) -> Result<(), SecretError> {
        self.written
            .lock()
            .unwrap()
            .push((name.to_string(), value.to_string()));
        self.inner.put(name, value).await
    }
    async fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        self.inner.get(name).await
    }
    async fn delete(&self, name: &str) -> Result<(), SecretError> {
        self.inner.delete(name).await
    }
    async fn delete_recoverable(&self, name: &str, w: RecoveryWindow) -> Result<(), SecretError> {
        self.inner.delete_recoverable(name, w).await
    }
}

#[tokio::test]
async fn s27_11_no_tenant_secret_holds_partner_credentials() {
    let env = accounts(1).await;
    let recording = Recording {
        inner: &env.backend.secrets,
        written: Mutex::new(Vec::new()),
    };
    let (t, c) = (env.tenant(), ConnectionId::new("c5").unwrap());
    c5::setup(
        &env.backend.store,
        &recording,
        c5::SetupInput {
            tenant_id: t.clone(),
            connection_id: c.clone(),
            settings: env.linkedin_settings(CONTRACT_CORPORATE),
            secret: env.linkedin_secret(),
            webhook_base: format!("http://{}/webhooks", env.addr),
        },
        env.clock.now(),
    )
    .await
    .unwrap();
    partner::provision_now(&env.backend.store, &recording, &t, &c)
        .await
        .unwrap();
    let written = recording.written.lock().unwrap().clone();
    let names: Vec<&str> = written.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&renkei_core::repo::secret_name(c5::NAME, &t, &c).as_str())
            && names.contains(&endpoint_secret_name(WebhookVendor::LinkedIn, &t, &c).as_str()),
        "{names:?}"
    );
    for (name, value) in &written {
        assert!(
            !value.contains(PARTNER_SECRET) && !value.contains(PARTNER_ID),
            "{name} holds partner credentials"
        );
    }
    // The deployment's own secret is where they are.
    let stack = env
        .backend
        .secrets
        .get(partner::DEFAULT_SECRET_NAME)
        .await
        .unwrap()
        .unwrap();
    assert!(stack.contains(PARTNER_SECRET));
}

#[tokio::test]
async fn s27_11_connecting_refuses_partner_credentials_and_says_whose_they_are() {
    let env = accounts(1).await;
    let legacy: Secret = serde_json::from_value(json!({
        "recruitee_token": renkei_testbed::RECRUITEE_TOKEN,
        "partner_client_id": PARTNER_ID, "partner_client_secret": PARTNER_SECRET}))
    .unwrap();
    let refused = c5::setup(
        &env.backend.store,
        &env.backend.secrets,
        c5::SetupInput {
            tenant_id: env.tenant(),
            connection_id: ConnectionId::new("c5").unwrap(),
            settings: env.linkedin_settings(CONTRACT_CORPORATE),
            secret: legacy,
            webhook_base: format!("http://{}/webhooks", env.addr),
        },
        env.clock.now(),
    )
    .await
    .unwrap_err();
    let text = refused.to_string();
    assert!(
        text.contains("partner_client_id") && text.contains("belongs to the deployment"),
        "{text}"
    );
    assert!(
        renkei_core::repo::Repo::new(&env.backend.store)
            .connections(&env.tenant())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn s27_11_migrate_secrets_strips_partner_credentials_and_writes_the_stack_secret_if_absent() {
    let env = accounts(1).await;
    let secrets = &env.backend.secrets;
    secrets.delete(partner::DEFAULT_SECRET_NAME).await.unwrap();
    let name = "renkei/recruitee-linkedin/demo-co/old";
    let legacy = json!({"recruitee_token": "rt", "partner_client_id": "p-old",
        "partner_client_secret": "p-old-secret", "child": {"client_id": "c", "client_secret": "cs"}});
    secrets.put(name, &legacy.to_string()).await.unwrap();
    let done = partner::migrate(secrets, name, partner::DEFAULT_SECRET_NAME)
        .await
        .unwrap();
    assert!(done.stripped && done.partner_written, "{done:?}");
    let now: Value = serde_json::from_str(&secrets.get(name).await.unwrap().unwrap()).unwrap();
    assert_eq!(
        now,
        json!({"recruitee_token": "rt", "child": {"client_id": "c", "client_secret": "cs"}})
    );
    let stack: Value = serde_json::from_str(
        &secrets
            .get(partner::DEFAULT_SECRET_NAME)
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        stack,
        json!({"client_id": "p-old", "client_secret": "p-old-secret"})
    );
    // Again: nothing left to do; an existing stack secret is never replaced.
    secrets.put(name, &legacy.to_string()).await.unwrap();
    let again = partner::migrate(secrets, name, partner::DEFAULT_SECRET_NAME)
        .await
        .unwrap();
    assert!(again.stripped && !again.partner_written, "{again:?}");
    let done = partner::migrate(secrets, name, partner::DEFAULT_SECRET_NAME)
        .await
        .unwrap();
    assert!(!done.stripped, "{done:?}");
}

/// A connect sent twice (a console retry, `renkei connect` again) is refused as existing
/// before anything is written: the live connection keeps its secret (its provisioned
/// LinkedIn application), its LinkedIn endpoint secret and its activation.
#[tokio::test]
async fn c5_1_connecting_an_existing_connection_again_changes_nothing_of_it() {
    let env = accounts(1).await;
    let settings = env.linkedin_settings(CONTRACT_CORPORATE);
    let c = env
        .connect_linkedin(settings.clone(), LINKEDIN_ADMIN)
        .await
        .unwrap();
    let t = env.tenant();
    let endpoint = endpoint_secret_name(WebhookVendor::LinkedIn, &t, &c);
    let before = (
        env.backend
            .secrets
            .get(&renkei_core::repo::secret_name(c5::NAME, &t, &c))
            .await
            .unwrap(),
        env.backend.secrets.get(&endpoint).await.unwrap(),
        c5::ActivationState::read(&env.backend.store, &t, &c)
            .await
            .unwrap(),
    );
    assert!(
        before.0.is_some() && before.1.is_some(),
        "connected and provisioned"
    );
    let again = c5::setup(
        &env.backend.store,
        &env.backend.secrets,
        c5::SetupInput {
            tenant_id: t.clone(),
            connection_id: c.clone(),
            settings,
            secret: env.linkedin_secret(),
            webhook_base: format!("http://{}/webhooks", env.addr),
        },
        env.clock.now(),
    )
    .await
    .unwrap_err();
    assert!(again.to_string().contains("exists already"), "{again}");
    let after = (
        env.backend
            .secrets
            .get(&renkei_core::repo::secret_name(c5::NAME, &t, &c))
            .await
            .unwrap(),
        env.backend.secrets.get(&endpoint).await.unwrap(),
        c5::ActivationState::read(&env.backend.store, &t, &c)
            .await
            .unwrap(),
    );
    assert_eq!(after, before);
}
