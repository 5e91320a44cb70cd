//! Issue 28, the public webhook function (items 1–5): it reads each endpoint's own secret and
//! never a connection's (no vendor API credential), checks the signature before anything
//! else is read or written, answers an address with a connection behind it exactly as one
//! without until the caller is authenticated, refuses a delivery whose body says it is older
//! than the vendor's redelivery window, and only takes signing secrets that are long enough
//! and no API credential.

use chrono::{DateTime, Duration, Utc};
use renkei_core::meter::{Metered, Usage};
use renkei_core::ports::{SecretStore, StateStore};
use renkei_core::webhook::{
    Ingress, IngressConfig, IngressPorts, WebhookRequest, WebhookResponse, WebhookVendor,
    endpoint_secret_name, hmac_hex,
};
use renkei_core::{Clock, ConnectionId, TenantId};
use renkei_e2e::example::{self, SECRET};
use renkei_e2e::*;
use renkei_testbed::{
    CONTRACT_CORPORATE, LINKEDIN_ADMIN, PARTNER_SECRET, PERSONIO_TOKEN, RECRUITEE_TOKEN, TEAM_ADMIN,
};
use serde_json::{Value, json};

fn request(
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    body: &[u8],
) -> WebhookRequest {
    WebhookRequest {
        method: method.into(),
        path: path.into(),
        query: query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.to_vec(),
    }
}

/// A secret store holding only the endpoint secrets of `conns` (copied from the backend's):
/// what the webhooks function may read in a stack. A read of anything else finds nothing.
async fn endpoint_secrets_only(
    env: &SandboxEnv,
    conns: &[(TenantId, ConnectionId)],
) -> (tempfile::TempDir, renkei_local::LocalBackend) {
    let dir = tempfile::tempdir().unwrap();
    let isolated = renkei_local::LocalBackend::open(
        dir.path(),
        env.backend.clock.clone(),
        renkei_core::Registry::new(),
    )
    .unwrap();
    for (t, c) in conns {
        for vendor in WebhookVendor::ALL {
            let name = endpoint_secret_name(vendor, t, c);
            if let Some(v) = env.backend.secrets.get(&name).await.unwrap() {
                isolated.secrets.put(&name, &v).await.unwrap();
            }
        }
    }
    (dir, isolated)
}

fn ingress<'a>(
    env: &'a SandboxEnv,
    store: &'a dyn StateStore,
    secrets: &'a dyn SecretStore,
    config: IngressConfig,
) -> Ingress<'a> {
    Ingress::new(
        IngressPorts {
            store,
            secrets,
            bus: &env.backend.bus,
            clock: env.backend.clock.as_ref(),
        },
        &env.backend.registry,
        config,
    )
}

async fn with_example(connection: &str) -> (SandboxEnv, TenantId, ConnectionId) {
    let (env, _world) = env_with_example().await;
    let (t, c) = example::connect(
        &env.backend.store,
        &env.backend.secrets,
        "demo-co",
        connection,
        env.clock.now(),
    )
    .await;
    (env, t, c)
}

fn recruitee_body(id: u64, at: DateTime<Utc>) -> Vec<u8> {
    json!({"id": id, "attempt_count": 1, "event_type": "candidate_moved", "created_at": at.to_rfc3339()})
        .to_string()
        .into_bytes()
}

fn signed(
    vendor: &str,
    header: &str,
    tenant: &str,
    connection: &str,
    body: &[u8],
) -> WebhookRequest {
    let sig = hmac_hex(SECRET.as_bytes(), body);
    request(
        "POST",
        &format!("/webhooks/{vendor}/{tenant}/{connection}"),
        &[],
        &[(header, &sig)],
        body,
    )
}

#[tokio::test]
async fn s28_1_setup_writes_endpoint_secrets_that_hold_no_vendor_api_credential() {
    let env = env().await;
    env.sandbox
        .hrbrain()
        .organization(
            HRBRAIN_SUBDOMAIN,
            json!({"type": "tree", "items": [{"id": "a", "value": "本社", "code": "HQ"}]}),
        )
        .unwrap();
    let c3 = env.connect_hrbrain(env.hrbrain_settings()).await.unwrap();
    let c4 = env.connect_personio(env.personio_settings()).await.unwrap();
    env.recruitee_linkedin_accounts(2).unwrap();
    let c5 = env
        .connect_linkedin(env.linkedin_settings(CONTRACT_CORPORATE), LINKEDIN_ADMIN)
        .await
        .unwrap();
    let t = env.tenant();
    let credentials = [
        HRBRAIN_TOKEN,
        MIKIWAME_KEY,
        PERSONIO_TOKEN,
        RECRUITEE_TOKEN,
        PARTNER_SECRET,
    ];
    let mut found = Vec::new();
    for c in [&c3, &c4, &c5] {
        for vendor in WebhookVendor::ALL {
            let Some(raw) = env
                .backend
                .secrets
                .get(&endpoint_secret_name(vendor, &t, c))
                .await
                .unwrap()
            else {
                continue;
            };
            let v: Value = serde_json::from_str(&raw).unwrap();
            assert!(
                v["signing_secret"].as_str().is_some_and(|s| s.len() >= 16),
                "{vendor:?} {c}"
            );
            for credential in credentials {
                assert!(
                    !raw.contains(credential),
                    "{vendor:?} {c}: an API credential in the endpoint secret"
                );
            }
            found.push((
                vendor.as_str(),
                c.to_string(),
                v.as_object().unwrap().keys().cloned().collect::<Vec<_>>(),
            ));
        }
    }
    assert_eq!(
        found,
        [
            (
                "hrbrain",
                c3.to_string(),
                vec!["signing_secret".to_string()]
            ),
            (
                "talentwunder",
                c4.to_string(),
                vec!["signing_secret".to_string()]
            ),
            (
                "recruitee",
                c5.to_string(),
                vec!["signing_secret".to_string()]
            ),
            // LinkedIn signs with the child application's client secret (its documented
            // contract), so that secret is the signing secret; its id finishes members'
            // authorizations at the same address.
            (
                "linkedin",
                c5.to_string(),
                vec!["client_id".to_string(), "signing_secret".to_string()]
            ),
        ]
    );
}

#[tokio::test]
async fn s28_1_the_ingress_runs_on_endpoint_secrets_alone_and_reads_nothing_before_the_signature() {
    let (env, t, c) = with_example("hooks").await;
    let (_dir, isolated) = endpoint_secrets_only(&env, &[(t.clone(), c.clone())]).await;
    let metered = Metered::new(&env.backend.store);
    let ing = ingress(&env, &metered, &isolated.secrets, IngressConfig::default());
    let body = recruitee_body(1, env.clock.now());
    for (what, req) in [
        (
            "unsigned",
            request("POST", "/webhooks/recruitee/demo-co/hooks", &[], &[], &body),
        ),
        (
            "forged",
            request(
                "POST",
                "/webhooks/recruitee/demo-co/hooks",
                &[],
                &[("X-Recruitee-Signature", &hmac_hex(b"guess", &body))],
                &body,
            ),
        ),
        (
            "other key",
            request(
                "POST",
                "/webhooks/hrbrain/demo-co/hooks",
                &[],
                &[("X-HRBrain-Signature", "sha256=00")],
                &body,
            ),
        ),
    ] {
        assert_eq!(ing.handle(&req).await.status, 401, "{what}");
        assert_eq!(
            metered.usage(),
            Usage::default(),
            "{what}: the state store was not touched"
        );
    }
    let answer = ing
        .handle(&signed(
            "recruitee",
            "X-Recruitee-Signature",
            "demo-co",
            "hooks",
            &body,
        ))
        .await;
    assert_eq!(answer.status, 202, "{:?}", answer.body);
    assert_eq!(env.backend.bus.drain().len(), 1);
}

#[tokio::test]
async fn s28_1_a_members_linkedin_authorization_is_finished_from_the_endpoint_secret_alone() {
    let env = env().await;
    env.recruitee_linkedin_accounts(2).unwrap();
    let c = env
        .connect_linkedin(env.linkedin_settings(CONTRACT_CORPORATE), LINKEDIN_ADMIN)
        .await
        .unwrap();
    env.recruiter_team().unwrap();
    let t = env.tenant();
    let start = renkei_connectors::recruitee_linkedin::admin::handle(
        &env.backend.store,
        &env.backend.secrets,
        &t,
        &c,
        renkei_connectors::recruitee_linkedin::admin::Action::Link {
            team_member: TEAM_ADMIN,
        },
        env.clock.now(),
    )
    .await
    .unwrap()
    .to_json();
    let redirect = env
        .sandbox
        .linkedin()
        .consent(start["authorize_url"].as_str().unwrap(), "rita")
        .unwrap();
    let url = reqwest::Url::parse(&redirect).unwrap();
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let (_dir, isolated) = endpoint_secrets_only(&env, &[(t.clone(), c.clone())]).await;
    let ing = ingress(
        &env,
        &env.backend.store,
        &isolated.secrets,
        IngressConfig::default(),
    );
    let back = |q: Vec<(String, String)>| WebhookRequest {
        method: "GET".into(),
        path: url.path().into(),
        query: q,
        ..Default::default()
    };
    // The same consent at the Recruitee address of the same connection is unknown there.
    let mut elsewhere = back(query.clone());
    elsewhere.path = format!("/webhooks/recruitee/{t}/{c}");
    let refused = ing.handle(&elsewhere).await;
    assert_eq!(refused.status, 400, "{:?}", refused.body);
    let answer = ing.handle(&back(query.clone())).await;
    assert_eq!(
        (answer.status, &answer.body["linked"]),
        (200, &json!(true)),
        "{:?}",
        answer.body
    );
    // Used once.
    let again = ing.handle(&back(query)).await;
    assert_eq!(
        again.body,
        json!({"error": renkei_core::connector::UNKNOWN_AUTHORIZATION})
    );
}

#[tokio::test]
async fn s28_1_connections_made_before_endpoint_secrets_work_again_after_migrate_secrets() {
    let (env, t, c) = with_example("old").await;
    renkei_core::webhook::delete_endpoint_secrets(&env.backend.secrets, &t, &c)
        .await
        .unwrap();
    let ing = ingress(
        &env,
        &env.backend.store,
        &env.backend.secrets,
        IngressConfig::default(),
    );
    let body = recruitee_body(7, env.clock.now());
    let req = signed(
        "recruitee",
        "X-Recruitee-Signature",
        "demo-co",
        "old",
        &body,
    );
    assert_eq!(ing.handle(&req).await.status, 401, "no endpoint secret yet");
    let written = renkei_core::admin::migrate_endpoint_secrets(
        &env.backend.store,
        &env.backend.secrets,
        &env.backend.registry,
        &t,
        &c,
    )
    .await
    .unwrap();
    assert_eq!(written, 3, "HRBrain, Recruitee and LinkedIn");
    // A fresh instance (the cache of the first remembers "none" for a minute).
    let ing = ingress(
        &env,
        &env.backend.store,
        &env.backend.secrets,
        IngressConfig::default(),
    );
    assert_eq!(ing.handle(&req).await.status, 202);
    // A disconnect stops the endpoints at once (the connection's secret stays restorable).
    renkei_core::admin::disconnect(
        &env.backend.store,
        &env.backend.secrets,
        env.clock.as_ref(),
        &t,
        &c,
        renkei_core::ports::SecretDeletion::Recoverable(
            renkei_core::ports::RecoveryWindow::DEFAULT,
        ),
    )
    .await
    .unwrap();
    for vendor in WebhookVendor::ALL {
        let name = endpoint_secret_name(vendor, &t, &c);
        assert_eq!(
            env.backend.secrets.get(&name).await.unwrap(),
            None,
            "{name}"
        );
    }
}

/// An unauthenticated request: vendor, method, query, headers, body.
type Case<'a> = (
    &'a str,
    &'a str,
    Vec<(&'a str, &'a str)>,
    Vec<(&'a str, &'a str)>,
    &'a [u8],
);

/// The answer, with a challenge's HMAC replaced by its shape.
fn shape(a: &WebhookResponse) -> (u16, Value) {
    let mut body = a.body.clone();
    if let Some(r) = body.get_mut("challengeResponse") {
        let hex64 = r
            .as_str()
            .is_some_and(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()));
        *r = json!(if hex64 { "<64 hex>" } else { "<not an HMAC>" });
    }
    (a.status, body)
}

#[tokio::test]
async fn s28_3_addresses_with_and_without_a_connection_are_answered_alike_until_authenticated() {
    let (env, _t, _c) = with_example("hooks").await;
    let metered = Metered::new(&env.backend.store);
    let config = IngressConfig::default();
    let ing = ingress(&env, &metered, &env.backend.secrets, config.clone());
    let body = recruitee_body(3, env.clock.now());
    let big = vec![b' '; 256 * 1024 + 1];
    let uuid = "2b1a7c70-5d3e-4f7e-9c1e-0d4c8e6f9a11";
    let cases: Vec<Case> = vec![
        ("recruitee", "POST", vec![], vec![], &body),
        (
            "recruitee",
            "POST",
            vec![],
            vec![("X-Recruitee-Signature", "00ff")],
            &body,
        ),
        ("recruitee", "POST", vec![], vec![], br#"{"test":true}"#),
        ("hrbrain", "POST", vec![], vec![], &body),
        (
            "hrbrain",
            "POST",
            vec![],
            vec![("X-HRBrain-Signature", "sha256=abcd")],
            &body,
        ),
        ("linkedin", "POST", vec![], vec![], &body),
        (
            "linkedin",
            "POST",
            vec![],
            vec![("X-LI-Signature", "hmacsha256=abcd")],
            &body,
        ),
        ("talentwunder", "POST", vec![], vec![], &body),
        (
            "linkedin",
            "GET",
            vec![("challengeCode", uuid)],
            vec![],
            b"",
        ),
        ("linkedin", "GET", vec![], vec![], b""),
        (
            "recruitee",
            "GET",
            vec![("challengeCode", uuid)],
            vec![],
            b"",
        ),
        (
            "linkedin",
            "GET",
            vec![("code", "c0de"), ("state", "0123456789abcdef")],
            vec![],
            b"",
        ),
        (
            "recruitee",
            "GET",
            vec![("code", "c0de"), ("state", "0123456789abcdef")],
            vec![],
            b"",
        ),
        ("linkedin", "GET", vec![("code", "c0de")], vec![], b""),
        (
            "linkedin",
            "GET",
            vec![
                ("error", "user_cancelled_login"),
                ("error_description", "cancelled"),
            ],
            vec![],
            b"",
        ),
        ("recruitee", "PUT", vec![], vec![], &body),
        ("recruitee", "POST", vec![], vec![], &big),
    ];
    for (vendor, method, query, headers, body) in &cases {
        let before = metered.usage();
        let mut answers: Vec<WebhookResponse> = Vec::new();
        for at in ["demo-co/hooks", "demo-co/nobody", "no-such-tenant/hooks"] {
            let req = request(
                method,
                &format!("/webhooks/{vendor}/{at}"),
                query,
                headers,
                body,
            );
            answers.push(ing.handle(&req).await);
        }
        let what = format!("{method} {vendor} {query:?} {headers:?}");
        assert_eq!(shape(&answers[0]), shape(&answers[1]), "{what}");
        assert_eq!(shape(&answers[0]), shape(&answers[2]), "{what}");
        assert!(answers[0].status != 202, "{what}");
        let usage = metered.usage().since(&before);
        assert_eq!(usage.write_calls, 0, "{what}: nothing written");
        // An authorization's state (its authentication) is in the store; nothing else reads it.
        if !query.iter().any(|(k, _)| *k == "state") {
            assert_eq!(usage.read_calls, 0, "{what}: nothing read");
        }
    }
    // A challenge is answered with an HMAC at every address, the same every time and on
    // every instance: the real one where there is a connection, the decoy's elsewhere.
    let challenge = |at: &str| {
        request(
            "GET",
            &format!("/webhooks/linkedin/{at}"),
            &[("challengeCode", uuid)],
            &[],
            b"",
        )
    };
    let other_instance = ingress(&env, &env.backend.store, &env.backend.secrets, config);
    for at in ["demo-co/hooks", "demo-co/nobody"] {
        let a = ing.handle(&challenge(at)).await;
        let b = other_instance.handle(&challenge(at)).await;
        assert_eq!(a, b, "{at}");
    }
    assert_eq!(
        ing.handle(&challenge("demo-co/hooks")).await.body["challengeResponse"],
        hmac_hex(SECRET.as_bytes(), uuid.as_bytes())
    );
    assert_ne!(
        ing.handle(&challenge("demo-co/nobody")).await.body["challengeResponse"],
        ing.handle(&challenge("demo-co/nobody2")).await.body["challengeResponse"]
    );
    assert!(env.backend.bus.drain().is_empty());
}

#[tokio::test]
async fn s28_4_a_delivery_older_than_the_vendors_redelivery_window_is_refused_even_when_forgotten()
{
    let (env, t, c) = with_example("hooks").await;
    let ing = ingress(
        &env,
        &env.backend.store,
        &env.backend.secrets,
        IngressConfig::default(),
    );
    let now = env.clock.now();
    let fresh = signed(
        "recruitee",
        "X-Recruitee-Signature",
        "demo-co",
        "hooks",
        &recruitee_body(10, now),
    );
    assert_eq!(ing.handle(&fresh).await.status, 202);
    // Its id is kept at least as long as Recruitee may send it again.
    let dedupe = env
        .backend
        .store
        .query(&format!("T#{t}#C#{c}"), "DLV#recruitee#")
        .await
        .unwrap();
    assert_eq!(dedupe.len(), 1);
    assert!(dedupe[0].expires_at.unwrap() >= (now + Duration::days(30)).timestamp());
    env.clock.advance(Duration::days(29));
    assert_eq!(ing.handle(&fresh).await.body, json!({"duplicate": true}));
    // Past the window the body's own time refuses it, whether or not the item is still there.
    env.clock.advance(Duration::days(2));
    let replay = ing.handle(&fresh).await;
    assert_eq!(replay.status, 401, "{:?}", replay.body);
    let now = env.clock.now();
    for (what, req) in [
        ("an old Recruitee event", signed("recruitee", "X-Recruitee-Signature", "demo-co", "hooks", &recruitee_body(11, now - Duration::days(31)))),
        ("a LinkedIn notification", signed("linkedin", "X-LI-Signature", "demo-co", "hooks",
            json!({"notificationId": "n-old", "type": "ATS_SYNC", "processedAt": (now - Duration::days(31)).timestamp_millis()}).to_string().as_bytes())),
        ("one from the future", signed("recruitee", "X-Recruitee-Signature", "demo-co", "hooks", &recruitee_body(12, now + Duration::hours(2)))),
    ] {
        let a = ing.handle(&req).await;
        assert_eq!(a.status, 401, "{what}: {:?}", a.body);
    }
    let malformed = signed(
        "recruitee",
        "X-Recruitee-Signature",
        "demo-co",
        "hooks",
        json!({"id": 13, "created_at": "last week"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(ing.handle(&malformed).await.status, 400);
    let linkedin_now = signed("linkedin", "X-LI-Signature", "demo-co", "hooks",
        json!({"notificationId": "n-new", "type": "ATS_SYNC", "processedAt": now.timestamp_millis()}).to_string().as_bytes());
    assert_eq!(ing.handle(&linkedin_now).await.status, 202);
    assert_eq!(
        env.backend.bus.drain().len(),
        2,
        "the first Recruitee delivery and the fresh notification"
    );
}

#[tokio::test]
async fn s28_5_setup_refuses_a_short_signing_secret_or_one_equal_to_an_api_token_naming_the_field()
{
    use renkei_connectors::{
        hrbrain_mikiwame as c3, recruitee_linkedin as c5, talentwunder_personio as c4,
    };
    let env = env().await;
    let now = env.clock.now();
    let t = env.tenant();
    let fields = |p: &renkei_core::setup::SetupProblems| {
        p.0.iter()
            .filter_map(|p| p.field.clone())
            .collect::<Vec<_>>()
    };
    let mut secret = env.hrbrain_secret();
    secret.webhook_secret = Some("short".into());
    let err = c3::setup(
        &env.backend.store,
        &env.backend.secrets,
        now,
        c3::SetupInput {
            tenant_id: t.clone(),
            connection_id: ConnectionId::new("c3").unwrap(),
            secret: secret.clone(),
            settings: env.hrbrain_settings(),
        },
    )
    .await
    .unwrap_err();
    let problems = renkei_core::setup::SetupProblems::from(err);
    assert_eq!(fields(&problems), ["webhook_secret"]);
    assert!(
        problems.to_string().contains("at least 16 characters"),
        "{problems}"
    );
    secret.webhook_secret = Some(HRBRAIN_TOKEN.into());
    let err = c3::setup(
        &env.backend.store,
        &env.backend.secrets,
        now,
        c3::SetupInput {
            tenant_id: t.clone(),
            connection_id: ConnectionId::new("c3").unwrap(),
            secret,
            settings: env.hrbrain_settings(),
        },
    )
    .await
    .unwrap_err();
    let problems = renkei_core::setup::SetupProblems::from(err);
    assert!(
        problems.to_string().contains(
            "webhook_secret: the webhook signing secret must not be the same as hrbrain_token"
        ),
        "{problems}"
    );
    assert!(!problems.to_string().contains(HRBRAIN_TOKEN));

    let mut secret = env.personio_secret();
    secret.upload_secret = PERSONIO_TOKEN.into();
    let problems = c4::setup(
        &env.backend.store,
        &env.backend.secrets,
        now,
        c4::SetupInput {
            tenant_id: t.clone(),
            connection_id: ConnectionId::new("c4").unwrap(),
            secret,
            settings: env.personio_settings(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&problems), ["upload_secret"]);
    assert!(
        problems.to_string().contains("same as access_token"),
        "{problems}"
    );

    env.recruitee_linkedin_accounts(1).unwrap();
    let mut secret = env.linkedin_secret();
    secret.recruitee_webhook_secret = Some(RECRUITEE_TOKEN.into());
    let problems = c5::setup(
        &env.backend.store,
        &env.backend.secrets,
        c5::SetupInput {
            tenant_id: t.clone(),
            connection_id: ConnectionId::new("c5").unwrap(),
            settings: env.linkedin_settings(CONTRACT_CORPORATE),
            secret,
            webhook_base: format!("http://{}/webhooks", env.addr),
        },
        now,
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&problems), ["recruitee_webhook_secret"]);
    assert!(
        problems.to_string().contains("same as recruitee_token"),
        "{problems}"
    );
    assert!(
        renkei_core::repo::Repo::new(&env.backend.store)
            .connections(&t)
            .await
            .unwrap()
            .is_empty(),
        "nothing connected"
    );
}

#[tokio::test]
async fn s28_3_every_instance_of_a_stack_answers_a_missing_address_alike() {
    let (env, _t, _c) = with_example("hooks").await;
    let secrets = &env.backend.secrets;
    assert!(
        renkei_aws::lambda::webhooks_config(secrets, "stack-decoy")
            .await
            .is_err(),
        "no decoy key: the function does not start"
    );
    secrets
        .put("stack-decoy", "generated-by-cloudformation")
        .await
        .unwrap();
    let challenge = request(
        "GET",
        "/webhooks/linkedin/demo-co/nobody",
        &[("challengeCode", "2b1a7c70-5d3e-4f7e-9c1e-0d4c8e6f9a11")],
        &[],
        b"",
    );
    let mut answers = Vec::new();
    for _instance in 0..2 {
        let config = renkei_aws::lambda::webhooks_config(secrets, "stack-decoy")
            .await
            .unwrap();
        let ing = ingress(&env, &env.backend.store, secrets, config);
        answers.push(ing.handle(&challenge).await);
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].status, 200);
}
