//! Issue 29 item 1 for Personio (C4's remote side): v2 with OAuth client credentials for new
//! connections, v1 still working and moved to v2 by its operator, and connecting refusing a
//! credential that could not file (C4.1).

mod s29_personio;

use chrono::Duration;
use renkei_connectors::talentwunder_personio::{self as c4, ConnectionSecret};
use renkei_core::engine::RunStatus;
use renkei_core::ports::SecretStore;
use renkei_core::setup::ProblemKind;
use renkei_core::{Clock, ConnectionId};
use renkei_e2e::*;
use renkei_testbed::{
    PERSONIO_CLIENT_ID, PERSONIO_CLIENT_SECRET, PERSONIO_COMPANY, PERSONIO_CONNECTION,
    PERSONIO_TOKEN, TALENTWUNDER_PROJECT,
};
use renkei_vendors::personio::{self, PROBE_EMAIL};
use s29_personio::*;
use serde_json::{Value, json};

#[tokio::test]
async fn s29_1_new_connections_file_on_v2_and_one_token_serves_a_run() {
    let env = env().await;
    let c = env.connect_personio(env.personio_settings()).await.unwrap();
    // The legacy token no longer works: whatever files now went through v2.
    let mut setup = env.personio_setup();
    setup.token = "revoked-legacy-token".into();
    env.sandbox.personio().company(PERSONIO_COMPANY, setup);
    let tokens = stat(&env, "token_requests");
    let emails = ["a@example.de", "b@example.de", "c@example.de"];
    let (_, answer) = env
        .talentwunder_upload("r-1", TALENTWUNDER_PROJECT, emails.map(profile).to_vec())
        .await
        .unwrap();
    env.backend.deliver().await.unwrap();
    assert_eq!(statuses(&env, &c, &answer).await.len(), 3);
    assert!(
        statuses(&env, &c, &answer)
            .await
            .iter()
            .all(|(s, _)| s == "filed")
    );
    assert_eq!(
        stat(&env, "token_requests") - tokens,
        1,
        "one token for the run's calls"
    );
    assert_eq!(violations(&env), 0);
    let stored = env
        .backend
        .secrets
        .get(&renkei_core::repo::secret_name(c4::NAME, &env.tenant(), &c))
        .await
        .unwrap()
        .unwrap();
    let stored: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored["client_id"], PERSONIO_CLIENT_ID);
    assert!(stored.get("access_token").is_none());
}

#[tokio::test]
async fn s29_1_a_token_is_cached_until_shortly_before_expiry_and_refreshed_once_on_401() {
    let env = env().await;
    let c = client(&env, oauth());
    c.upload_document("a.pdf", b"%PDF-1.4").await.unwrap();
    c.upload_document("b.pdf", b"%PDF-1.4").await.unwrap();
    assert_eq!(c.token_requests(), 1, "a day-long token is reused");
    // Personio revokes it: the next call is answered 401, a new token is fetched once.
    env.sandbox.personio().revoke_tokens(PERSONIO_COMPANY);
    c.upload_document("c.pdf", b"%PDF-1.4").await.unwrap();
    assert_eq!(c.token_requests(), 2);
    // Tokens that expire within the refresh margin are never used close to their end.
    let mut setup = env.personio_setup();
    setup.token_lifetime_seconds = 30;
    env.sandbox.personio().company(PERSONIO_COMPANY, setup);
    let short = client(&env, oauth());
    short.upload_document("d.pdf", b"%PDF-1.4").await.unwrap();
    short.upload_document("e.pdf", b"%PDF-1.4").await.unwrap();
    assert_eq!(short.token_requests(), 2, "fetched again before it expires");
    // Neither the client secret nor an access token (papi- and 32 hex digits) is shown.
    let shown = format!("{short:?}");
    let token_shown = shown.match_indices("papi-").any(|(at, _)| {
        let tail: String = shown[at + 5..].chars().take(32).collect();
        tail.len() == 32 && tail.chars().all(|c| c.is_ascii_hexdigit())
    });
    assert!(
        !shown.contains(PERSONIO_CLIENT_SECRET) && !token_shown,
        "{shown}"
    );
}

#[tokio::test]
async fn s29_1_connecting_names_wrong_client_credentials_and_a_missing_read_scope() {
    let env = env().await;
    let wrong = ConnectionSecret::oauth(
        PERSONIO_CLIENT_ID,
        "not-the-secret",
        "upload-secret-0123456789",
    );
    let problems = connect_with(&env, wrong, env.personio_settings())
        .await
        .unwrap_err();
    assert!(
        problems
            .iter()
            .any(|(k, f, m)| *k == ProblemKind::Credentials
                && f.as_deref() == Some("client_secret")
                && m.contains("unauthorized_client")),
        "{problems:?}"
    );
    let mut setup = env.personio_setup();
    setup.oauth_clients = serde_json::from_value(json!([{"client_id": PERSONIO_CLIENT_ID,
        "client_secret": PERSONIO_CLIENT_SECRET, "scopes": []}]))
    .unwrap();
    env.sandbox.personio().company(PERSONIO_COMPANY, setup);
    let problems = connect_with(&env, env.personio_oauth_secret(), env.personio_settings())
        .await
        .unwrap_err();
    assert!(
        problems
            .iter()
            .any(|(k, _, m)| *k == ProblemKind::Permissions && m.contains(personio::READ_SCOPE)),
        "{problems:?}"
    );
    assert!(
        env.sandbox
            .personio()
            .applications(PERSONIO_COMPANY)
            .is_empty()
    );
}

#[tokio::test]
async fn s29_1_a_v1_connection_keeps_working_and_its_operator_moves_it_to_v2() {
    let env = env().await;
    let c = env
        .connect_personio_v1(env.personio_settings())
        .await
        .unwrap();
    let tokens = stat(&env, "token_requests");
    let (_, a) = env
        .talentwunder_upload("r-1", TALENTWUNDER_PROJECT, vec![profile("v1@example.de")])
        .await
        .unwrap();
    env.backend.deliver().await.unwrap();
    assert_eq!(statuses(&env, &c, &a).await[0].0, "filed");
    assert_eq!(stat(&env, "token_requests"), tokens, "v1 asks for no token");

    // The migration (docs/operations.md): the new credentials merged into the secret.
    let given = serde_json::Map::from_iter([
        ("client_id".to_string(), json!(PERSONIO_CLIENT_ID)),
        ("client_secret".to_string(), json!(PERSONIO_CLIENT_SECRET)),
    ]);
    renkei_core::admin::set_credentials(
        &env.backend.store,
        &env.backend.secrets,
        &env.backend.registry,
        &env.tenant(),
        &c,
        &given,
        renkei_core::admin::Rotation::Merge,
    )
    .await
    .expect("rotated");
    let mut setup = env.personio_setup();
    setup.token = "revoked-legacy-token".into();
    env.sandbox.personio().company(PERSONIO_COMPANY, setup);
    let (_, b) = env
        .talentwunder_upload("r-2", TALENTWUNDER_PROJECT, vec![profile("v2@example.de")])
        .await
        .unwrap();
    env.backend.deliver().await.unwrap();
    assert_eq!(statuses(&env, &c, &b).await[0].0, "filed", "filed on v2");
    assert!(stat(&env, "token_requests") > tokens);
}

#[tokio::test]
async fn s29_1_the_simulator_keeps_v1_and_v2_credentials_apart() {
    let env = env().await;
    let http = reqwest::Client::new();
    let base = format!("http://{}/personio", env.addr);
    let token = |form: Vec<(&'static str, &'static str)>| {
        http.post(format!("{base}{}", personio::TOKEN_PATH))
            .form(&form)
            .send()
    };
    let ok = token(vec![
        ("grant_type", "client_credentials"),
        ("client_id", PERSONIO_CLIENT_ID),
        ("client_secret", PERSONIO_CLIENT_SECRET),
    ])
    .await
    .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    let body: Value = ok.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(body["token_type"], "Bearer");
    for (form, code) in [
        (
            vec![
                ("grant_type", "password"),
                ("client_id", PERSONIO_CLIENT_ID),
                ("client_secret", PERSONIO_CLIENT_SECRET),
            ],
            "unsupported_grant_type",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", PERSONIO_CLIENT_ID),
            ],
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", "nobody"),
                ("client_secret", "x"),
            ],
            "invalid_client",
        ),
    ] {
        let r = token(form).await.unwrap();
        assert_eq!(r.status().as_u16(), 400);
        assert_eq!(r.json::<Value>().await.unwrap()["error"], code);
    }
    let json_body = http.post(format!("{base}{}", personio::TOKEN_PATH))
        .json(&json!({"grant_type": "client_credentials", "client_id": PERSONIO_CLIENT_ID, "client_secret": PERSONIO_CLIENT_SECRET}))
        .send().await.unwrap();
    assert_eq!(
        json_body.status().as_u16(),
        400,
        "the token endpoint takes a form only"
    );
    let app = json!({"first_name": "A", "last_name": "B", "email": "ab@example.de", "job_position_id": 4103});
    let post = |path: &str, bearer: &str| {
        http.post(format!("{base}{path}"))
            .bearer_auth(bearer)
            .header("X-Company-ID", PERSONIO_COMPANY)
            .json(&app)
            .send()
    };
    assert_eq!(
        post("/v2/recruiting/applications", PERSONIO_TOKEN)
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        post("/v1/recruiting/applications", &access)
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        post("/v2/recruiting/applications", &access)
            .await
            .unwrap()
            .status()
            .as_u16(),
        201
    );
}

/// Item 4: a v2 credential that may read but not file is refused at connecting, naming the
/// write scope on the client ID, and the probe files nothing.
#[tokio::test]
async fn s29_1_connecting_with_a_credential_that_may_not_file_names_the_write_scope() {
    let env = env().await;
    scoped(&env, json!([personio::READ_SCOPE]), false);
    let problems = connect_with(&env, env.personio_oauth_secret(), env.personio_settings())
        .await
        .unwrap_err();
    assert_eq!(
        problems
            .iter()
            .filter(|(k, f, m)| *k == ProblemKind::Permissions
                && f.as_deref() == Some("client_id")
                && m.contains(personio::WRITE_SCOPE))
            .count(),
        1,
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .all(|(_, _, m)| !m.contains(personio::READ_SCOPE)),
        "the read scope is there: {problems:?}"
    );
    assert!(
        env.sandbox
            .personio()
            .applications(PERSONIO_COMPANY)
            .is_empty()
    );
    // Both scopes missing: both named at once.
    scoped(&env, json!([]), false);
    let problems = connect_with(&env, env.personio_oauth_secret(), env.personio_settings())
        .await
        .unwrap_err();
    for scope in [personio::WRITE_SCOPE, personio::READ_SCOPE] {
        assert!(
            problems.iter().any(|(_, _, m)| m.contains(scope)),
            "{scope}: {problems:?}"
        );
    }
    // With it, the same credential connects.
    scoped(&env, json!([personio::READ_SCOPE]), true);
    connect_with(&env, env.personio_oauth_secret(), env.personio_settings())
        .await
        .expect("connects");
}

/// Item 4: a probe Personio files (here: dated on a day that is past for Personio) is a
/// setup problem, never a pass; nothing is stored.
#[tokio::test]
async fn s29_1_a_probe_personio_files_is_a_setup_problem_not_a_pass() {
    let env = env().await;
    let long_ago = env.clock.now() - Duration::days(3);
    let problems = connect_at(
        &env,
        env.personio_oauth_secret(),
        env.personio_settings(),
        long_ago,
    )
    .await
    .unwrap_err();
    assert!(
        problems.iter().any(|(k, f, m)| *k == ProblemKind::Setting
            && f.as_deref() == Some("company_id")
            && m.contains("filed connecting's check application")
            && m.contains(PROBE_EMAIL)),
        "{problems:?}"
    );
    let filed = env.sandbox.personio().applications(PERSONIO_COMPANY);
    assert_eq!(filed.len(), 1, "the simulator did file it");
    assert_eq!(filed[0]["email"], PROBE_EMAIL);
    let conn = renkei_core::repo::Repo::new(&env.backend.store)
        .connection(
            &env.tenant(),
            &ConnectionId::new(PERSONIO_CONNECTION).unwrap(),
        )
        .await
        .unwrap();
    assert!(conn.is_none(), "nothing stored");
}

/// Item 4: a credential that loses the write scope after connecting fails the run as a
/// permission problem naming the scope, with advice; the profile stays queued and is filed
/// once the scope is back.
#[tokio::test]
async fn s29_1_a_credential_without_the_write_scope_fails_the_run_and_keeps_the_profiles_queued() {
    let env = env().await;
    let c = env.connect_personio(env.personio_settings()).await.unwrap();
    scoped(&env, json!([personio::READ_SCOPE]), false);
    let (_, a) = env
        .talentwunder_upload("r-1", TALENTWUNDER_PROJECT, vec![profile("ida@example.de")])
        .await
        .unwrap();
    let failed = env.backend.deliver().await.unwrap();
    let r = only_run(&failed);
    assert_eq!(r.status, RunStatus::AuthFailed, "{:?}", r.error);
    assert!(
        r.error
            .as_deref()
            .is_some_and(|e| e.contains(personio::WRITE_SCOPE)),
        "{:?}",
        r.error
    );
    let conn = renkei_core::repo::Repo::new(&env.backend.store)
        .connection(&env.tenant(), &c)
        .await
        .unwrap()
        .unwrap()
        .0;
    let advice = renkei_core::engine::ConnectorFactory::failure_advice(&c4::Factory, &conn, r);
    assert!(
        advice.is_some_and(|a| a.contains(personio::WRITE_SCOPE)),
        "advice names the scope"
    );
    assert_eq!(statuses(&env, &c, &a).await[0].0, "queued");
    scoped(&env, json!([personio::READ_SCOPE]), true);
    let r = run(&env, &c).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(statuses(&env, &c, &a).await[0].0, "filed");
    assert_eq!(
        env.sandbox.personio().applications(PERSONIO_COMPANY).len(),
        1
    );
}
