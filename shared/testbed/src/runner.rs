//! The sandbox's way into the embedded backend: `POST /_control/run/{connector}`,
//! `POST /_control/deliver` and the `/webhooks/...` route (the same ingress code as the
//! webhooks Lambda).

use renkei_connectors::talentwunder_personio as c4;
use renkei_core::engine::{Outcome, RunRequest};
use renkei_core::setup::{SetupEnv, SetupRequest};
use renkei_core::webhook::{Ingress, IngressConfig, IngressPorts, WebhookRequest};
use renkei_core::{ConnectionId, TenantId};
use renkei_local::LocalBackend;
use renkei_sandbox::{HttpAnswer, HttpCall, Runner};
use serde_json::{Value, json};
use std::sync::Arc;

/// Runs connectors and answers webhooks on an embedded backend.
pub struct LocalRunner(pub Arc<LocalBackend>);

fn outcome_json(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Ran(r) => serde_json::to_value(r).unwrap_or(Value::Null),
        Outcome::Skipped(why) => json!({ "skipped": why }),
        Outcome::Fenced(r) => json!({ "run_id": r.run_id, "fenced": true }),
    }
}

#[async_trait::async_trait]
impl Runner for LocalRunner {
    async fn run_once(&self, connector: &str, request: Value) -> Result<Value, String> {
        let field = |k: &str| {
            request
                .get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or(format!("body needs \"{k}\""))
        };
        let t = TenantId::new(field("tenant")?).map_err(|e| e.to_string())?;
        let c = ConnectionId::new(field("connection")?).map_err(|e| e.to_string())?;
        let mut req = RunRequest::manual(t, c);
        req.dry_run = request
            .get("dry_run")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        req.scope = request
            .get("scope")
            .and_then(Value::as_str)
            .map(str::to_string);
        match self.0.run(&req, &renkei_core::engine::NoHook).await? {
            Outcome::Ran(r) if r.connector != connector => {
                Err(format!("connection runs {}, not {connector}", r.connector))
            }
            Outcome::Fenced(r) => Err(format!("run {} lost its lease and stopped", r.run_id)),
            other => Ok(outcome_json(other)),
        }
    }

    async fn webhook(&self, call: HttpCall) -> HttpAnswer {
        let b = &self.0;
        let ports = IngressPorts {
            store: &b.store,
            secrets: &b.secrets,
            bus: &b.bus,
            clock: b.clock.as_ref(),
        };
        // One decoy key for the process: an address without a connection is answered the
        // same way every time, as every instance of a stack answers it (issue 28).
        static DECOY: std::sync::OnceLock<renkei_core::webhook::DecoyKey> =
            std::sync::OnceLock::new();
        let config = IngressConfig {
            decoy: DECOY
                .get_or_init(renkei_core::webhook::DecoyKey::random)
                .clone(),
            ..IngressConfig::default()
        };
        let ingress = Ingress::new(ports, &b.registry, config);
        let answer = ingress
            .handle(&WebhookRequest {
                method: call.method,
                path: call.path,
                query: call.query,
                headers: call.headers,
                body: call.body,
            })
            .await;
        HttpAnswer {
            status: answer.status,
            body: answer.body,
        }
    }

    async fn connect(&self, connector: &str, request: Value) -> Result<Value, String> {
        let text = |k: &str| {
            request
                .get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or(format!("body needs \"{k}\" (text)"))
        };
        let t = TenantId::new(text("tenant")?).map_err(|e| e.to_string())?;
        let c = ConnectionId::new(text("connection")?).map_err(|e| e.to_string())?;
        let b = &self.0;
        let factory = b
            .registry
            .get(connector)
            .ok_or(format!("no connector {connector} here"))?;
        let env = SetupEnv {
            store: &b.store,
            secrets: &b.secrets,
            now: renkei_core::Clock::now(b.clock.as_ref()),
        };
        let part = |k: &str| request.get(k).cloned().ok_or(format!("body needs \"{k}\""));
        let setup = SetupRequest {
            tenant: t.clone(),
            connection: c.clone(),
            settings: part("settings")?,
            secret: part("secret")?,
            // Where the CALLBACK_URL points (the sandbox's ingress).
            webhook_base: request
                .get("webhook_base")
                .and_then(Value::as_str)
                .map(str::to_string),
            own_url: None,
        };
        let connected = factory.setup(env, setup).await.map_err(|e| e.to_string())?;
        // What a deployment's first run does before syncing (C5: the connection's LinkedIn
        // application, with the sandbox's own partner application), here at once.
        factory
            .prepare(env, &connected.connection)
            .await
            .map_err(|e| e.to_string())?;
        let conn = connected.connection;
        if connector == c4::NAME {
            // Project links in the same call ({"links":[{"project","job"}]}), so that a
            // test over HTTP only can upload at once.
            let settings: c4::Settings =
                renkei_core::engine::decode_settings(&conn).map_err(|e| e.to_string())?;
            for l in request["links"].as_array().into_iter().flatten() {
                let project = l["project"].as_str().ok_or("a link needs \"project\"")?;
                let job = l["job"].as_u64().ok_or("a link needs \"job\" (a number)")?;
                c4::links::link(&b.store, &t, &c, &settings, project, None, job, env.now)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(json!({
            "tenant": conn.tenant_id, "connection": conn.connection_id,
            "connector": conn.connector, "next_run_at": conn.next_run_at,
        }))
    }

    async fn admin(&self, connector: &str, action: &str, request: Value) -> Result<Value, String> {
        let b = &self.0;
        let factory = b
            .registry
            .get(connector)
            .filter(|f| f.actions().is_some())
            .ok_or(format!("{connector} has no admin actions here"))?;
        // The body names the connection besides the action's inputs.
        let (t, c) = connection_of(&request)?;
        let conn = renkei_core::repo::Repo::new(&b.store)
            .connection(&t, &c)
            .await
            .map_err(|e| e.to_string())?
            .map(|(conn, _)| conn)
            .ok_or(format!("no connection {t}/{c}"))?;
        if conn.connector != connector {
            return Err(format!(
                "{t}/{c} is a {} connection, not {connector}",
                conn.connector
            ));
        }
        let env = SetupEnv {
            store: &b.store,
            secrets: &b.secrets,
            now: renkei_core::Clock::now(b.clock.as_ref()),
        };
        factory
            .act(env, &conn, action, &request)
            .await
            .map_err(|e| e.to_string())
    }

    async fn deliver(&self) -> Result<Value, String> {
        let outcomes = self.0.deliver().await?;
        Ok(json!({ "runs": outcomes.into_iter().map(outcome_json).collect::<Vec<_>>() }))
    }
}

/// An admin request's `tenant` and `connection`.
fn connection_of(request: &Value) -> Result<(TenantId, ConnectionId), String> {
    let text = |k: &str| {
        request
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or(format!("\"{k}\" is required"))
    };
    Ok((
        TenantId::new(text("tenant")?).map_err(|e| e.to_string())?,
        ConnectionId::new(text("connection")?).map_err(|e| e.to_string())?,
    ))
}
