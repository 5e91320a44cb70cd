//! The webhook ingress (P9, architecture.md "Webhooks"): one handler for every calling
//! vendor, free of Lambda and HTTP-server types so that the Lambda (functions/webhooks) and
//! the sandbox (`renkei sandbox`, `/webhooks/...`) run the same code.
//!
//! `POST /webhooks/{vendor}/{tenant}/{connection}`:
//! 1. over 256 KiB → 413; unknown vendor, tenant or connection, or a connection whose
//!    connector takes no webhooks from this vendor → 401 (nothing says which);
//! 2. signature over the raw body, in constant time, with the connection's secret → 401;
//! 3. body not JSON → 400; Recruitee's `{"test":true}` → 200, nothing else happens;
//! 4. a timestamp outside the window (where the vendor sends one) → 401;
//! 5. what the delivery carries is kept where the connector keeps such things
//!    (`accept_delivery`: a Talentwunder upload's profiles; idempotent, its answer's fields
//!    join every answer below, a refusal answers its own status);
//! 6. a delivery seen before (TTL dedupe item, conditional put) → 200 `duplicate`;
//! 7. the first webhook of a coalescing window publishes one `SyncRequested` for the
//!    connection; the rest of the burst joins it → 202.
//!
//! No vendor work happens here, and bodies are never logged. `GET` with `challengeCode`
//! answers LinkedIn's validation.

mod vendor;

pub use vendor::{WebhookVendor, hmac_hex};

use crate::clock::Clock;
use crate::connector::{Authorization, ConnectorFactory, Delivery, SyncRequested, WebhookSource};
use crate::ids::{ConnectionId, TenantId};
use crate::ports::{EventBus, SecretStore, StateStore, StoreError};
use crate::registry::Registry;
use crate::repo::{Connection, Repo};
use chrono::Duration;
use serde_json::{Value, json};
use std::sync::Arc;

/// An HTTP request as the ingress sees it.
#[derive(Debug, Clone, Default)]
pub struct WebhookRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// The path, e.g. `/webhooks/recruitee/acme/recruitee-1`.
    pub path: String,
    /// Query parameters, decoded.
    pub query: Vec<(String, String)>,
    /// Headers (names in any case).
    pub headers: Vec<(String, String)>,
    /// The raw body, exactly as received (signatures are over these bytes).
    pub body: Vec<u8>,
}

impl WebhookRequest {
    /// A header's value (names compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The answer.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: Value,
}

impl WebhookResponse {
    fn new(status: u16, body: Value) -> Self {
        Self { status, body }
    }
    /// The same answer with the connector's fields (`accept_delivery`) added.
    fn with(mut self, extra: Option<&Value>) -> Self {
        if let (Value::Object(body), Some(Value::Object(extra))) = (&mut self.body, extra) {
            for (k, v) in extra {
                body.insert(k.clone(), v.clone());
            }
        }
        self
    }
    fn error(status: u16, message: &str) -> Self {
        Self::new(status, json!({ "error": message }))
    }
}

/// Ingress tunables.
#[derive(Debug, Clone)]
pub struct IngressConfig {
    /// Larger bodies are refused with 413 (EventBridge's own limit is 256 KB).
    pub max_body: usize,
    /// Webhooks within this window of the one that requested a run join that run.
    pub coalesce: Duration,
    /// How long a delivery id is remembered (vendors retry for about a day).
    pub dedupe_ttl: Duration,
    /// How far a vendor's timestamp may be from now, either way (clock skew included).
    pub max_age: Duration,
    /// EventBridge source of the events published.
    pub event_source: String,
}

impl Default for IngressConfig {
    fn default() -> Self {
        Self {
            max_body: 256 * 1024,
            coalesce: Duration::seconds(60),
            dedupe_ttl: Duration::days(3),
            max_age: Duration::minutes(5),
            event_source: "renkei".into(),
        }
    }
}

/// The ports the ingress uses.
#[derive(Clone, Copy)]
pub struct IngressPorts<'a> {
    /// Connections, dedupe items, coalescing marks.
    pub store: &'a dyn StateStore,
    /// Connection secrets (the signing secret is a field of it).
    pub secrets: &'a dyn SecretStore,
    /// Where run requests go.
    pub bus: &'a dyn EventBus,
    /// Time.
    pub clock: &'a dyn Clock,
}

/// The ingress.
pub struct Ingress<'a> {
    ports: IngressPorts<'a>,
    registry: &'a Registry,
    config: IngressConfig,
}

/// The connection a path names, with what it takes from the vendor.
struct Target {
    vendor: WebhookVendor,
    conn: Connection,
    factory: Arc<dyn ConnectorFactory>,
    /// The signing secret (the source's field).
    secret: Option<String>,
    /// The connection's whole secret, for a connector finishing an authorization.
    whole_secret: Option<String>,
}

/// An early answer, with what the log says about it (never the body).
struct Answer(WebhookResponse, &'static str);

fn reject(status: u16, message: &'static str) -> Answer {
    Answer(WebhookResponse::error(status, message), message)
}

impl From<StoreError> for Answer {
    fn from(_: StoreError) -> Self {
        // 503: the vendor retries later; the error's text stays out of the answer.
        reject(503, "state store unavailable")
    }
}

impl<'a> Ingress<'a> {
    /// An ingress over the ports, for the connectors of `registry`.
    pub fn new(ports: IngressPorts<'a>, registry: &'a Registry, config: IngressConfig) -> Self {
        Self {
            ports,
            registry,
            config,
        }
    }

    /// Answers one request. Never panics, whatever the input.
    pub async fn handle(&self, req: &WebhookRequest) -> WebhookResponse {
        let path = parse_path(&req.path);
        let (answer, why) = match self.answer(req, path.as_ref()).await {
            Ok(r) => (r, "accepted"),
            Err(Answer(r, why)) => (r, why),
        };
        match &path {
            Some((v, t, c)) => {
                tracing::info!(vendor = v.as_str(), tenant = %t, connection = %c, status = answer.status, outcome = why, "webhook");
            }
            None => tracing::info!(status = answer.status, outcome = why, "webhook"),
        }
        answer
    }

    async fn answer(
        &self,
        req: &WebhookRequest,
        path: Option<&(WebhookVendor, TenantId, ConnectionId)>,
    ) -> Result<WebhookResponse, Answer> {
        let Some((vendor, t, c)) = path else {
            return Err(reject(404, "no such webhook endpoint"));
        };
        if req.body.len() > self.config.max_body {
            return Err(reject(413, "body over 256 KiB"));
        }
        let target = self.target(*vendor, t, c).await?;
        match req.method.to_ascii_uppercase().as_str() {
            "GET" if req.query_param("code").is_some() || req.query_param("error").is_some() => {
                self.authorization(req, &target).await
            }
            "GET" => self.challenge(req, &target),
            "POST" => self.delivery(req, &target).await,
            _ => Err(reject(405, "method not allowed")),
        }
    }

    /// The connection, if it exists and its connector takes this vendor's webhooks.
    async fn target(
        &self,
        vendor: WebhookVendor,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<Target, Answer> {
        let unknown = || reject(401, "unknown webhook endpoint");
        let (conn, _) = Repo::new(self.ports.store)
            .connection(t, c)
            .await?
            .ok_or_else(unknown)?;
        let factory: Arc<dyn ConnectorFactory> =
            self.registry.get(&conn.connector).ok_or_else(unknown)?;
        let source: &WebhookSource = factory
            .webhooks()
            .iter()
            .find(|s| s.vendor == vendor)
            .ok_or_else(unknown)?;
        let secret = self
            .ports
            .secrets
            .get(&conn.secret_name)
            .await
            .map_err(|_| reject(503, "secret store unavailable"))?;
        // The field is a top-level name, or a JSON pointer (`/child/client_secret`).
        let field = secret
            .as_deref()
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
            .and_then(|v| {
                let at = if source.secret_field.starts_with('/') {
                    v.pointer(source.secret_field)
                } else {
                    v.get(source.secret_field)
                };
                at.and_then(Value::as_str).map(str::to_string)
            })
            .filter(|s| !s.is_empty());
        Ok(Target {
            vendor,
            conn,
            factory,
            secret: field,
            whole_secret: secret,
        })
    }

    /// A person coming back from a vendor's consent page (OAuth code flow): the connector
    /// checks the state it issued and finishes. A refused consent is said so.
    async fn authorization(
        &self,
        req: &WebhookRequest,
        target: &Target,
    ) -> Result<WebhookResponse, Answer> {
        if let Some(e) = req.query_param("error") {
            let why = req.query_param("error_description").unwrap_or(e);
            return Ok(WebhookResponse::error(
                400,
                &format!("the authorization was not given: {why}"),
            ));
        }
        let (Some(code), Some(state)) = (req.query_param("code"), req.query_param("state")) else {
            return Err(reject(400, "code and state are required"));
        };
        let a = Authorization {
            store: self.ports.store,
            conn: &target.conn,
            secret: target.whole_secret.as_deref(),
            code,
            state,
            now: self.ports.clock.now(),
        };
        match target.factory.authorization(a).await {
            Ok(v) => Ok(WebhookResponse::new(200, v)),
            Err(r) => Err(Answer(
                WebhookResponse::error(r.status, &r.message),
                "authorization refused",
            )),
        }
    }

    /// LinkedIn's endpoint validation: `challengeResponse` = hex HMAC-SHA256 of the code
    /// with the client secret.
    fn challenge(&self, req: &WebhookRequest, target: &Target) -> Result<WebhookResponse, Answer> {
        if target.vendor != WebhookVendor::LinkedIn {
            return Err(reject(405, "method not allowed"));
        }
        let code = req
            .query_param("challengeCode")
            .filter(|c| !c.is_empty())
            .ok_or_else(|| reject(400, "challengeCode missing"))?;
        let secret = target
            .secret
            .as_deref()
            .ok_or_else(|| reject(401, "unknown webhook endpoint"))?;
        Ok(WebhookResponse::new(
            200,
            json!({
                "challengeCode": code,
                "challengeResponse": hmac_hex(secret.as_bytes(), code.as_bytes()),
            }),
        ))
    }

    async fn delivery(
        &self,
        req: &WebhookRequest,
        target: &Target,
    ) -> Result<WebhookResponse, Answer> {
        let vendor = target.vendor;
        // Recruitee sends its test ping when the webhook is created, before the customer
        // can store the secret it generates; it changes nothing, so it needs no signature.
        if vendor == WebhookVendor::Recruitee && is_test_ping(&req.body) {
            return Ok(WebhookResponse::new(200, json!({ "test": "ok" })));
        }
        let secret = target
            .secret
            .as_deref()
            .ok_or_else(|| reject(401, "unknown webhook endpoint"))?;
        let signature = req
            .header(vendor.signature_header())
            .ok_or_else(|| reject(401, "signature missing"))?;
        if !vendor.verify(secret.as_bytes(), &req.body, signature) {
            return Err(reject(401, "signature invalid"));
        }
        let json: Value =
            serde_json::from_slice(&req.body).map_err(|_| reject(400, "body is not JSON"))?;
        let now = self.ports.clock.now();
        if let Some(at) = vendor.timestamp(&json) {
            let at = at.map_err(|_| reject(400, "timestamp missing or malformed"))?;
            if (now - at).abs() > self.config.max_age {
                return Err(reject(401, "timestamp outside the accepted window"));
            }
        }
        let (t, c) = (&target.conn.tenant_id, &target.conn.connection_id);
        let kept = target
            .factory
            .accept_delivery(Delivery {
                store: self.ports.store,
                conn: &target.conn,
                vendor,
                body: &json,
                now,
            })
            .await
            .map_err(|r| {
                Answer(
                    WebhookResponse::error(r.status, &r.message),
                    "refused by the connector",
                )
            })?;
        let kept = kept.as_ref();
        let repo = Repo::new(self.ports.store);
        let id = vendor.delivery_id(&req.body, &json);
        if !repo
            .first_delivery(
                t,
                c,
                vendor.as_str(),
                &id,
                now,
                now + self.config.dedupe_ttl,
            )
            .await?
        {
            return Ok(WebhookResponse::new(200, json!({ "duplicate": true })).with(kept));
        }
        // The kind of change decides the kind of run (a connector may do part of its work).
        let scope = target.factory.webhook_scope(vendor, &json);
        if !repo
            .note_webhook(t, c, scope.as_deref(), now, self.config.coalesce)
            .await?
        {
            return Ok(WebhookResponse::new(202, json!({ "coalesced": true })).with(kept));
        }
        let event = SyncRequested {
            webhook: true,
            scope,
            ..SyncRequested::new(t.clone(), c.clone(), target.conn.connector.clone())
        };
        if self
            .ports
            .bus
            .publish(&[event.to_event(&self.config.event_source)])
            .await
            .is_err()
        {
            // Undo, so that the vendor's retry is neither a replay nor coalesced away.
            let _ = repo.forget_delivery(t, c, vendor.as_str(), &id).await;
            let _ = repo.reopen_webhooks(t, c).await;
            return Err(reject(503, "event bus unavailable"));
        }
        Ok(WebhookResponse::new(202, json!({ "requested": true })).with(kept))
    }
}

fn is_test_ping(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body).is_ok_and(|v| v == json!({ "test": true }))
}

/// `…/webhooks/{vendor}/{tenant}/{connection}` (a stage or prefix before it is allowed).
fn parse_path(path: &str) -> Option<(WebhookVendor, TenantId, ConnectionId)> {
    let segments: Vec<&str> = path
        .split('?')
        .next()?
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let at = segments.iter().rposition(|s| *s == "webhooks")?;
    match &segments[at + 1..] {
        [vendor, tenant, connection] => Some((
            WebhookVendor::from_segment(vendor)?,
            TenantId::new(*tenant).ok()?,
            ConnectionId::new(*connection).ok()?,
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p9_paths_name_vendor_tenant_and_connection() {
        let (v, t, c) = parse_path("/webhooks/recruitee/acme/rc-1").expect("parses");
        assert_eq!(
            (v, t.as_str(), c.as_str()),
            (WebhookVendor::Recruitee, "acme", "rc-1")
        );
        assert!(parse_path("/prod/webhooks/linkedin/acme/li-1").is_some());
        assert!(parse_path("/webhooks/unknown/acme/x").is_none());
        assert!(parse_path("/webhooks/recruitee/acme").is_none());
        assert!(parse_path("/webhooks/recruitee/acme/x/y").is_none());
        assert!(parse_path("").is_none());
    }
}
