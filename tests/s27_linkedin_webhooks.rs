//! Issue 27, item 10: LinkedIn's webhook challenge is no signing oracle. The challenge answers
//! an HMAC with the endpoint's secret only for what LinkedIn documents a `challengeCode` to be
//! (a type-4 UUID) and only for the endpoint's own application (`applicationId`); a
//! notification must be a JSON object, so no challenge answer is ever its signature; and both
//! readings of LinkedIn's `X-LI-Signature` contract are taken. Every refusal is the same at an
//! address with a connection behind it and at one without.

use chrono::{DateTime, Utc};
use renkei_core::meter::{Metered, Usage};
use renkei_core::ports::{SecretStore, StateStore};
use renkei_core::webhook::{
    Ingress, IngressConfig, IngressPorts, WebhookRequest, WebhookResponse, WebhookVendor,
    endpoint_secret_name, hmac_hex,
};
use renkei_core::{Clock, TenantId};
use renkei_e2e::example::{self, SECRET};
use renkei_e2e::*;
use serde_json::json;

/// A type-4 UUID, as LinkedIn's challenge codes are.
const CODE: &str = "2b1a7c70-5d3e-4f7e-9c1e-0d4c8e6f9a11";

/// The example connection's LinkedIn application (its endpoint secret holds it).
const APPLICATION: &str = "78child1app2id";

fn ingress<'a>(env: &'a SandboxEnv, store: &'a dyn StateStore) -> Ingress<'a> {
    Ingress::new(
        IngressPorts {
            store,
            secrets: &env.backend.secrets,
            bus: &env.backend.bus,
            clock: env.backend.clock.as_ref(),
        },
        &env.backend.registry,
        IngressConfig::default(),
    )
}

fn challenge(at: &str, query: &[(&str, &str)]) -> WebhookRequest {
    WebhookRequest {
        method: "GET".into(),
        path: format!("/webhooks/linkedin/{at}"),
        query: query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    }
}

fn notification(at: &str, signature: &str, body: &[u8]) -> WebhookRequest {
    WebhookRequest {
        method: "POST".into(),
        path: format!("/webhooks/linkedin/{at}"),
        headers: vec![("X-LI-Signature".into(), signature.into())],
        body: body.to_vec(),
        ..Default::default()
    }
}

/// `demo-co/hooks` on the example connector, whose LinkedIn endpoint secret holds
/// [`SECRET`] and, as C5's does, the application's id; `demo-co/old` is one whose endpoint
/// secret was written before the id was copied there.
async fn with_endpoints() -> SandboxEnv {
    let (env, _world) = env_with_example().await;
    for connection in ["hooks", "old"] {
        example::connect(
            &env.backend.store,
            &env.backend.secrets,
            "demo-co",
            connection,
            env.clock.now(),
        )
        .await;
    }
    let (t, c) = (
        TenantId::new("demo-co").unwrap(),
        renkei_core::ConnectionId::new("hooks").unwrap(),
    );
    env.backend
        .secrets
        .put(
            &endpoint_secret_name(WebhookVendor::LinkedIn, &t, &c),
            &json!({"signing_secret": SECRET, "client_id": APPLICATION}).to_string(),
        )
        .await
        .unwrap();
    env
}

/// A LinkedIn notification made at `at`.
fn body(id: &str, at: DateTime<Utc>) -> Vec<u8> {
    json!({"notificationId": id, "type": "ATS_SYNC", "processedAt": at.timestamp_millis()})
        .to_string()
        .into_bytes()
}

/// The same answer at the addresses with a connection and without; that answer.
async fn alike(ing: &Ingress<'_>, query: &[(&str, &str)]) -> WebhookResponse {
    let answers = [
        ing.handle(&challenge("demo-co/hooks", query)).await,
        ing.handle(&challenge("demo-co/old", query)).await,
        ing.handle(&challenge("demo-co/nobody", query)).await,
        ing.handle(&challenge("no-such-tenant/hooks", query)).await,
    ];
    for a in &answers[1..] {
        assert_eq!(a, &answers[0], "{query:?}");
    }
    answers[0].clone()
}

#[tokio::test]
async fn s27_10_a_challenge_that_is_no_uuid_is_refused_without_an_hmac() {
    let env = with_endpoints().await;
    let metered = Metered::new(&env.backend.store);
    let ing = ingress(&env, &metered);
    for code in [
        "challenge-2026-11-22",
        r#"{"notificationId":"x","type":"EXPORT_CANDIDATE_PROFILE"}"#,
        "2b1a7c705d3e4f7e9c1e0d4c8e6f9a11",
        "{2b1a7c70-5d3e-4f7e-9c1e-0d4c8e6f9a11}",
        // Version 1, and the variant of Microsoft's GUIDs: not type 4.
        "2b1a7c70-5d3e-1f7e-9c1e-0d4c8e6f9a11",
        "2b1a7c70-5d3e-4f7e-cc1e-0d4c8e6f9a11",
        "2b1a7c70-5d3e-4f7e-9c1e-0d4c8e6f9a11 ",
        "d3b07384d113edec49eaa6238ad5ff00",
    ] {
        let a = alike(&ing, &[("challengeCode", code)]).await;
        assert_eq!(
            a,
            WebhookResponse {
                status: 400,
                body: json!({"error": "challengeCode is not a type-4 UUID"}),
            },
            "{code}"
        );
    }
    assert_eq!(
        metered.usage(),
        Usage::default(),
        "refused before anything is read"
    );
    // Either case is a UUID.
    let upper = CODE.to_uppercase();
    let a = ing
        .handle(&challenge("demo-co/hooks", &[("challengeCode", &upper)]))
        .await;
    assert_eq!(
        a.body["challengeResponse"],
        hmac_hex(SECRET.as_bytes(), upper.as_bytes())
    );
}

#[tokio::test]
async fn s27_10_the_issues_reproduction_signs_nothing_and_a_body_signed_with_a_guess_is_refused() {
    let env = with_endpoints().await;
    let ing = ingress(&env, &env.backend.store);
    let forged = r#"{"notificationId":"x","type":"EXPORT_CANDIDATE_PROFILE"}"#;
    let a = ing
        .handle(&challenge("demo-co/hooks", &[("challengeCode", forged)]))
        .await;
    assert_eq!(a.status, 400, "{:?}", a.body);
    assert!(a.body.get("challengeResponse").is_none(), "{:?}", a.body);
    assert!(
        !a.body
            .to_string()
            .contains(&hmac_hex(SECRET.as_bytes(), forged.as_bytes()))
    );
    // Without the oracle, the attacker can only sign with a key of their own.
    let guess = hmac_hex(b"not-the-child-secret", forged.as_bytes());
    for sig in [guess.clone(), format!("hmacsha256={guess}")] {
        let a = ing
            .handle(&notification("demo-co/hooks", &sig, forged.as_bytes()))
            .await;
        assert_eq!(
            (a.status, &a.body),
            (401, &json!({"error": "signature invalid"})),
            "{sig}"
        );
    }
    assert!(env.backend.bus.drain().is_empty());
}

#[tokio::test]
async fn s27_10_a_challenge_answer_is_refused_as_the_signature_of_any_body() {
    let env = with_endpoints().await;
    let ing = ingress(&env, &env.backend.store);
    let answer = ing
        .handle(&challenge("demo-co/hooks", &[("challengeCode", CODE)]))
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let mac = answer.body["challengeResponse"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(mac, hmac_hex(SECRET.as_bytes(), CODE.as_bytes()));
    let quoted = format!("{CODE:?}");
    let object = body("n-1", env.clock.now());
    for (what, body) in [
        ("the UUID", CODE.as_bytes()),
        ("the UUID as a JSON string", quoted.as_bytes()),
        ("a notification", object.as_slice()),
    ] {
        for sig in [mac.clone(), format!("hmacsha256={mac}")] {
            let a = ing.handle(&notification("demo-co/hooks", &sig, body)).await;
            assert_eq!(a.status, 401, "{what} {sig}: {:?}", a.body);
        }
    }
    assert!(env.backend.bus.drain().is_empty());
}

#[tokio::test]
async fn s27_10_an_application_other_than_the_endpoints_is_refused_alike_everywhere() {
    let env = with_endpoints().await;
    let ing = ingress(&env, &env.backend.store);
    // Without applicationId: answered everywhere, the decoy's HMAC where there is no secret.
    let shape = |a: &WebhookResponse| {
        (
            a.status,
            a.body["challengeCode"].clone(),
            a.body["challengeResponse"]
                .as_str()
                .is_some_and(|s| s.len() == 64),
        )
    };
    for at in ["demo-co/hooks", "demo-co/old", "demo-co/nobody"] {
        let a = ing.handle(&challenge(at, &[("challengeCode", CODE)])).await;
        assert_eq!(shape(&a), (200, json!(CODE), true), "{at}");
    }
    // The endpoint's own application: answered with the endpoint's HMAC.
    let ours = [("challengeCode", CODE), ("applicationId", APPLICATION)];
    let a = ing.handle(&challenge("demo-co/hooks", &ours)).await;
    assert_eq!(
        (a.status, a.body.clone()),
        (
            200,
            json!({"challengeCode": CODE, "challengeResponse": hmac_hex(SECRET.as_bytes(), CODE.as_bytes())})
        )
    );
    // Any other application, or any at an address without a connection or whose endpoint
    // secret does not name its application yet: one refusal.
    let refused = WebhookResponse {
        status: 400,
        body: json!({"error": "applicationId is not this endpoint's application"}),
    };
    for other in ["partner-app", "", "78CHILD1APP2ID", "78child1app2id "] {
        assert_eq!(
            alike(&ing, &[("challengeCode", CODE), ("applicationId", other)]).await,
            refused,
            "{other:?}"
        );
    }
    for at in ["demo-co/old", "demo-co/nobody", "no-such-tenant/hooks"] {
        assert_eq!(ing.handle(&challenge(at, &ours)).await, refused, "{at}");
    }
}

#[tokio::test]
async fn s27_10_reading_a_the_header_is_the_hex_mac_of_the_body_with_or_without_hmacsha256() {
    let env = with_endpoints().await;
    let ing = ingress(&env, &env.backend.store);
    for (id, prefix) in [("n-a1", "hmacsha256="), ("n-a2", "")] {
        let b = body(id, env.clock.now());
        let sig = format!("{prefix}{}", hmac_hex(SECRET.as_bytes(), &b));
        let a = ing.handle(&notification("demo-co/hooks", &sig, &b)).await;
        assert_eq!(a.status, 202, "{sig}: {:?}", a.body);
    }
    assert_eq!(
        env.backend.bus.drain().len(),
        1,
        "the second joins the first's run"
    );
}

#[tokio::test]
async fn s27_10_reading_b_the_header_is_the_hex_mac_of_hmacsha256_and_the_body() {
    let env = with_endpoints().await;
    let ing = ingress(&env, &env.backend.store);
    let b = body("n-b1", env.clock.now());
    let sig = hmac_hex(SECRET.as_bytes(), &[&b"hmacsha256="[..], &b].concat());
    let a = ing.handle(&notification("demo-co/hooks", &sig, &b)).await;
    assert_eq!(a.status, 202, "{:?}", a.body);
    assert_eq!(env.backend.bus.drain().len(), 1);
    // Prefixed in both places is neither reading; another key is refused.
    let b = body("n-b2", env.clock.now());
    for sig in [
        format!(
            "hmacsha256={}",
            hmac_hex(SECRET.as_bytes(), &[&b"hmacsha256="[..], &b].concat())
        ),
        hmac_hex(b"another-key", &[&b"hmacsha256="[..], &b].concat()),
    ] {
        let a = ing.handle(&notification("demo-co/hooks", &sig, &b)).await;
        assert_eq!(a.status, 401, "{sig}: {:?}", a.body);
    }
}
