//! The webhook ingress (P9, architecture.md "Webhooks"): one handler for every calling
//! vendor, free of Lambda and HTTP-server types so that the Lambda (functions/webhooks) and
//! the sandbox (`renkei sandbox`, `/webhooks/...`) run the same code.
//!
//! The ingress answers the internet, so it reads no connection's secret: each endpoint has
//! its own (`secrets.rs`, `renkei-webhook/{vendor}/{tenant}/{connection}`), named by the
//! address alone. Until a request is authenticated, an address with a connection behind it
//! and one without are answered alike, status and body (docs/contracts/webhooks.md).
//!
//! `POST /webhooks/{vendor}/{tenant}/{connection}`:
//! 1. a path that is no webhook address → 404; over 256 KiB → 413; Recruitee's
//!    `{"test":true}` → 200 at any Recruitee address (it changes nothing and says nothing);
//! 2. no signature header → 401 `signature missing`; the signature over the raw body, in
//!    constant time, with the endpoint's secret — or, where there is none, with a decoy
//!    secret that never verifies — → 401 `signature invalid`. Nothing is read or written
//!    before this but the endpoint's secret (cached for a minute per instance);
//! 3. body not JSON → 400; a timestamp outside the window (HRBrain, Talentwunder), or a body
//!    time older than the vendor's redelivery window (Recruitee, LinkedIn) → 401;
//! 4. the connection, its connector and what it takes from the vendor (gone since: 401);
//! 5. what the delivery carries is kept where the connector keeps such things
//!    (`on_webhook`: a Talentwunder upload's profiles; idempotent, its answer's fields
//!    join every answer below, a refusal answers its own status);
//! 6. a delivery seen before (dedupe item kept for the vendor's redelivery window,
//!    conditional put) → 200 `duplicate`;
//! 7. the first webhook of a coalescing window publishes one `SyncRequested` for the
//!    connection; the rest of the burst joins it → 202.
//!
//! No vendor work happens here, and bodies are never logged. `GET` with `challengeCode`
//! answers LinkedIn's validation (an HMAC with the endpoint's secret, or the decoy's where
//! there is none) for a type-4 UUID only, and for no other application than the endpoint's;
//! since a LinkedIn notification must be a JSON object, no challenge answer is ever a
//! notification's signature. `GET` with `code` and `state` finishes a person's authorization.
//!
//! Deliveries (`POST`) are in delivery.rs, the `GET` answers in get.rs; this file holds what
//! they share: the request and answer, the address, its signing secret and its connection.

mod delivery;
mod get;
mod secrets;
mod vendor;

pub use secrets::{
    DecoyKey, ENDPOINT_SECRET_PREFIX, SIGNING_SECRET, delete_endpoint_secrets, endpoint_secret,
    endpoint_secret_name, generate_signing_secret, store_endpoint_secrets,
};
pub use vendor::{WebhookContract, WebhookVendor, hmac_hex};

use crate::clock::Clock;
use crate::connector::{ConnectorFactory, WebhookSource};
use crate::ids::{ConnectionId, TenantId};
use crate::ports::{EventBus, SecretStore, StateStore, StoreError};
use crate::registry::Registry;
use crate::repo::{Connection, Repo};
use chrono::Duration;
use get::refused_consent;
use secrets::SecretCache;
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

    /// The first value of the query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<&str> {
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
    /// The same answer with the connector's fields (`on_webhook`) added.
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
    /// The least time a delivery id is remembered; a vendor's own redelivery window
    /// ([`WebhookContract::redelivery_window`]) is used where it is longer.
    pub dedupe_ttl: Duration,
    /// How far a vendor's signed timestamp may be from now, either way (clock skew included).
    pub max_age: Duration,
    /// How far ahead of now a body's time may be (a vendor's clock running fast).
    pub max_ahead: Duration,
    /// How long an endpoint secret read (found or not) is used before it is read again.
    pub secret_ttl: Duration,
    /// The key of the decoy secrets of addresses without an endpoint secret.
    pub decoy: DecoyKey,
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
            max_ahead: Duration::hours(1),
            secret_ttl: Duration::seconds(60),
            decoy: DecoyKey::random(),
            event_source: "renkei".into(),
        }
    }
}

/// The ports the ingress uses.
#[derive(Clone, Copy)]
pub struct IngressPorts<'a> {
    /// Connections, dedupe items, coalescing marks.
    pub store: &'a dyn StateStore,
    /// Endpoint secrets (`renkei-webhook/…`); never a connection's secret.
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
    cache: SecretCache,
}

/// What an address signs with: its endpoint secret, or the decoy's stand-in.
struct Signing {
    /// The signing secret.
    secret: String,
    /// The endpoint secret as stored; None: the address has none (the secret is a decoy, and
    /// nothing it verifies is accepted).
    stored: Option<Value>,
}

/// The connection an authenticated request is for, with what it takes from the vendor.
struct Target {
    conn: Connection,
    factory: Arc<dyn ConnectorFactory>,
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
    /// An ingress over the ports, for the connectors of `registry`. Keep one per process
    /// (a Lambda instance): it caches endpoint secrets for `config.secret_ttl`.
    pub fn new(ports: IngressPorts<'a>, registry: &'a Registry, config: IngressConfig) -> Self {
        Self {
            cache: SecretCache::new(config.secret_ttl),
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
        // The vendor's contract comes with the connectors that take its webhooks (the same
        // for every address of the vendor, so it says nothing about any connection).
        let Some(contract) = self.contract(*vendor) else {
            return Err(reject(404, "no such webhook endpoint"));
        };
        if req.body.len() > self.config.max_body {
            return Err(reject(413, "body over 256 KiB"));
        }
        // Everything up to the signature check depends on the request alone, never on
        // whether the address has a connection behind it.
        match req.method.to_ascii_uppercase().as_str() {
            "GET" if req.query_param("error").is_some() => {
                Err(Answer(refused_consent(req), "consent refused"))
            }
            "GET" if req.query_param("code").is_some() => {
                self.authorization(req, *vendor, t, c).await
            }
            "GET" => self.challenge(req, contract, t, c).await,
            "POST" => self.delivery(req, contract, t, c).await,
            _ => Err(reject(405, "method not allowed")),
        }
    }

    /// The contract of `vendor`, as the registry's connectors that take its webhooks name
    /// it; None when no connector here takes them.
    fn contract(&self, vendor: WebhookVendor) -> Option<&'static dyn WebhookContract> {
        self.registry
            .iter()
            .flat_map(|f| f.webhooks())
            .find(|s| s.vendor() == vendor)
            .map(|s| s.contract)
    }

    /// What the address signs with: its endpoint secret (the cache's for a minute), or a
    /// decoy secret derived from the deployment's key and the address.
    async fn signing(
        &self,
        vendor: WebhookVendor,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<Signing, Answer> {
        let name = endpoint_secret_name(vendor, t, c);
        let now = self.ports.clock.now();
        let stored = match self.cache.get(&name, now) {
            Some(stored) => stored,
            None => {
                let raw = self
                    .ports
                    .secrets
                    .get(&name)
                    .await
                    .map_err(|_| reject(503, "secret store unavailable"))?;
                let stored = raw
                    .and_then(|s| serde_json::from_str::<Value>(&s).ok())
                    .filter(|v| signing_secret(v).is_some());
                self.cache.put(&name, stored.clone(), now);
                stored
            }
        };
        Ok(match stored.as_ref().and_then(signing_secret) {
            Some(secret) => Signing {
                secret: secret.to_string(),
                stored,
            },
            None => Signing {
                secret: self.config.decoy.signing_secret(vendor, t, c),
                stored: None,
            },
        })
    }

    /// The connection an authenticated request is for, if it still exists and its
    /// connector takes this vendor's webhooks.
    async fn target(
        &self,
        vendor: WebhookVendor,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<Option<Target>, Answer> {
        let Some((conn, _)) = Repo::new(self.ports.store).connection(t, c).await? else {
            return Ok(None);
        };
        let Some(factory) = self.registry.get(&conn.connector) else {
            return Ok(None);
        };
        let takes = factory
            .webhooks()
            .iter()
            .any(|s: &WebhookSource| s.vendor() == vendor);
        Ok(takes.then_some(Target { conn, factory }))
    }
}

/// An endpoint secret's signing secret.
fn signing_secret(stored: &Value) -> Option<&str> {
    stored
        .get(SIGNING_SECRET)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
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
