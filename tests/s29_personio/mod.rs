//! What the s29_personio_* tests share: profiles, the simulator's counters, runs, upload
//! statuses, connecting, and a client of the demo company.

#![allow(dead_code)] // each test file uses its own part

use chrono::Duration;
use renkei_connectors::talentwunder_personio::{self as c4, ConnectionSecret, SetupInput};
use renkei_core::engine::{NoHook, Outcome, RunRecord, RunRequest};
use renkei_core::setup::ProblemKind;
use renkei_core::{Clock, ConnectionId};
use renkei_e2e::*;
use renkei_testbed::{
    PERSONIO_CLIENT_ID, PERSONIO_CLIENT_SECRET, PERSONIO_COMPANY, PERSONIO_CONNECTION,
};
use renkei_vendors::personio::{Credentials, PersonioClient, PersonioConfig};
use serde_json::{Value, json};

/// A Talentwunder profile with `email`.
pub fn profile(email: &str) -> Value {
    json!({"profileId": email, "firstName": "Lina", "lastName": "Groß", "email": email,
           "phone": "+49 89 1234567", "location": "München"})
}

/// Request bodies and queries the simulator found outside Personio's documents.
pub fn violations(env: &SandboxEnv) -> usize {
    env.sandbox.personio().stats(PERSONIO_COMPANY)["nonconformant"]
        .as_array()
        .map_or(0, Vec::len)
}

/// One of the demo company's request counters (`application_posts`, `application_reads`…).
pub fn stat(env: &SandboxEnv, key: &str) -> u64 {
    env.sandbox.personio().stats(PERSONIO_COMPANY)[key]
        .as_u64()
        .unwrap_or(0)
}

/// A manual run a minute later.
pub async fn run(env: &SandboxEnv, c: &ConnectionId) -> RunRecord {
    env.clock.advance(Duration::minutes(1));
    match env
        .backend
        .run(&RunRequest::manual(env.tenant(), c.clone()), &NoHook)
        .await
        .expect("runs")
    {
        Outcome::Ran(r) => r,
        other => panic!("did not run: {other:?}"),
    }
}

/// The only run `deliver` made.
pub fn only_run(outcomes: &[Outcome]) -> &RunRecord {
    match outcomes {
        [Outcome::Ran(r)] => r,
        other => panic!("not one run: {other:?}"),
    }
}

/// Each profile's (status, reason) of the upload `answer` names.
pub async fn statuses(env: &SandboxEnv, c: &ConnectionId, answer: &Value) -> Vec<(String, String)> {
    let id = answer["uploadId"].as_str().expect("upload id");
    let s = c4::upload::status(&env.backend.store, &env.tenant(), c, id)
        .await
        .unwrap()
        .expect("upload");
    s["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let word = p["status"].as_str().unwrap_or_default().to_string();
            (word, p["reason"].as_str().unwrap_or_default().to_string())
        })
        .collect()
}

/// Connects the demo tenant with `secret` and `settings` at `now`: the problems, if any.
pub async fn connect_at(
    env: &SandboxEnv,
    secret: ConnectionSecret,
    settings: c4::Settings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), Vec<(ProblemKind, Option<String>, String)>> {
    let input = SetupInput {
        tenant_id: env.tenant(),
        connection_id: ConnectionId::new(PERSONIO_CONNECTION).unwrap(),
        secret,
        settings,
    };
    c4::setup(&env.backend.store, &env.backend.secrets, now, input)
        .await
        .map(|_| ())
        .map_err(|p| {
            p.0.into_iter()
                .map(|x| (x.kind, x.field, x.message))
                .collect()
        })
}

/// [`connect_at`] now.
pub async fn connect_with(
    env: &SandboxEnv,
    secret: ConnectionSecret,
    settings: c4::Settings,
) -> Result<(), Vec<(ProblemKind, Option<String>, String)>> {
    connect_at(env, secret, settings, env.clock.now()).await
}

/// A client of the demo company (no client-side limit).
pub fn client(env: &SandboxEnv, credentials: Credentials) -> PersonioClient {
    let mut config = PersonioConfig::new(&format!("http://{}/personio", env.addr));
    config.per_window = None;
    PersonioClient::new(&config, PERSONIO_COMPANY, credentials).expect("client")
}

/// The demo company's API credential.
pub fn oauth() -> Credentials {
    Credentials::OAuth {
        client_id: PERSONIO_CLIENT_ID.into(),
        client_secret: PERSONIO_CLIENT_SECRET.into(),
    }
}

/// Sets the demo company up again (its applications kept), changed by `change`.
pub fn reconfigure(env: &SandboxEnv, change: impl FnOnce(&mut renkei_sandbox::PersonioSetup)) {
    let mut setup = env.personio_setup();
    change(&mut setup);
    env.sandbox.personio().company(PERSONIO_COMPANY, setup);
}

/// The demo company's API credential with these read scopes and, unless withheld, the
/// write scope.
pub fn scoped(env: &SandboxEnv, scopes: Value, write: bool) {
    reconfigure(env, |s| {
        s.oauth_clients = serde_json::from_value(json!([{"client_id": PERSONIO_CLIENT_ID,
            "client_secret": PERSONIO_CLIENT_SECRET, "scopes": scopes,
            "recruiting_write": write}]))
        .unwrap();
    });
}
