//! The sandbox's way into the embedded backend: `POST /_control/run/{connector}`,
//! `POST /_control/deliver` and the `/webhooks/...` route (the same ingress code as the
//! webhooks Lambda).

use renkei_core::engine::{Outcome, RunRequest};
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
        let ingress = Ingress::new(ports, &b.registry, IngressConfig::default());
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

    async fn deliver(&self) -> Result<Value, String> {
        let outcomes = self.0.deliver().await?;
        Ok(json!({ "runs": outcomes.into_iter().map(outcome_json).collect::<Vec<_>>() }))
    }
}
