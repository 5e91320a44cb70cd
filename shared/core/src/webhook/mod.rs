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
//!    (`accept_delivery`: a Talentwunder upload's profiles; idempotent, its answer's fields
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

mod secrets;
mod vendor;

pub use secrets::{
    DecoyKey, ENDPOINT_SECRET_PREFIX, SIGNING_SECRET, delete_endpoint_secrets, endpoint_secret,
    endpoint_secret_name, store_endpoint_secrets,
};
pub use vendor::{LINKEDIN_PREFIX, WebhookVendor, hmac_hex, is_challenge_code};

use crate::clock::Clock;
use crate::connector::{
    Authorization, ConnectorFactory, Delivery, Refusal, SyncRequested, WebhookSource,
};
use crate::ids::{ConnectionId, TenantId};
use crate::ports::{EventBus, SecretStore, StateStore, StoreError};
use crate::registry::Registry;
use crate::repo::{Connection, Repo};
use chrono::{DateTime, Duration, Utc};
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
    /// The least time a delivery id is remembered; a vendor's own redelivery window
    /// ([`WebhookVendor::redelivery_window`]) is used where it is longer.
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

fn unknown_authorization() -> Answer {
    let r = Refusal::unknown_authorization();
    Answer(
        WebhookResponse::error(r.status, &r.message),
        "authorization unknown",
    )
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
            "GET" => self.challenge(req, *vendor, t, c).await,
            "POST" => self.delivery(req, *vendor, t, c).await,
            _ => Err(reject(405, "method not allowed")),
        }
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
            .any(|s: &WebhookSource| s.vendor == vendor);
        Ok(takes.then_some(Target { conn, factory }))
    }

    /// A person coming back from a vendor's consent page (OAuth code flow): the connector
    /// checks the state it issued and finishes. Every authorization that cannot be finished
    /// is told the same, whether or not the address has a connection behind it.
    async fn authorization(
        &self,
        req: &WebhookRequest,
        vendor: WebhookVendor,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<WebhookResponse, Answer> {
        let (Some(code), Some(state)) = (req.query_param("code"), req.query_param("state")) else {
            return Err(reject(400, "code and state are required"));
        };
        // The state the connector issued is the authentication, and it is in the store: the
        // connection is read whether or not the address has an endpoint secret, so that both
        // cost the same reads up to the connector's own check of the state.
        let target = self.target(vendor, t, c).await?;
        let signing = self.signing(vendor, t, c).await?;
        let (Some(target), Some(endpoint_secret)) = (target, signing.stored.as_ref()) else {
            return Err(unknown_authorization());
        };
        let a = Authorization {
            store: self.ports.store,
            conn: &target.conn,
            vendor,
            endpoint_secret,
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
    /// with the client secret — or, at an address without one, with its decoy secret, so
    /// that the answer looks the same.
    ///
    /// The answer is an HMAC with the signing secret, so it is given only for what LinkedIn
    /// documents a challenge to be, and nothing a notification could be: a code that is no
    /// type-4 UUID is refused before anything is read; an `applicationId` other than the
    /// endpoint's application (the `client_id` its endpoint secret holds; none at a missing
    /// address, nor in one written before it was copied there) is refused. Both refusals are
    /// the same at every address.
    async fn challenge(
        &self,
        req: &WebhookRequest,
        vendor: WebhookVendor,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<WebhookResponse, Answer> {
        if vendor != WebhookVendor::LinkedIn {
            return Err(reject(405, "method not allowed"));
        }
        let code = req
            .query_param("challengeCode")
            .filter(|c| !c.is_empty())
            .ok_or_else(|| reject(400, "challengeCode missing"))?;
        if !is_challenge_code(code) {
            return Err(reject(400, "challengeCode is not a type-4 UUID"));
        }
        let signing = self.signing(vendor, t, c).await?;
        if let Some(app) = req.query_param("applicationId") {
            let ours = signing
                .stored
                .as_ref()
                .and_then(|s| s.get(CLIENT_ID))
                .and_then(Value::as_str);
            if ours != Some(app) {
                return Err(reject(
                    400,
                    "applicationId is not this endpoint's application",
                ));
            }
        }
        Ok(WebhookResponse::new(
            200,
            json!({
                "challengeCode": code,
                "challengeResponse": hmac_hex(signing.secret.as_bytes(), code.as_bytes()),
            }),
        ))
    }

    async fn delivery(
        &self,
        req: &WebhookRequest,
        vendor: WebhookVendor,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<WebhookResponse, Answer> {
        // Recruitee sends its test ping when the webhook is created, before the customer
        // can store the secret it generates; it changes nothing, so it needs no signature,
        // and it is answered alike at every Recruitee address.
        if vendor == WebhookVendor::Recruitee && is_test_ping(&req.body) {
            return Ok(WebhookResponse::new(200, json!({ "test": "ok" })));
        }
        let signature = req
            .header(vendor.signature_header())
            .ok_or_else(|| reject(401, "signature missing"))?;
        let signing = self.signing(vendor, t, c).await?;
        // The decoy is checked too (and then refused), so that both take the same time.
        let verified = vendor.verify(signing.secret.as_bytes(), &req.body, signature);
        if !(verified && signing.stored.is_some()) {
            return Err(reject(401, "signature invalid"));
        }
        // Authenticated: from here on the caller holds the endpoint's secret.
        let json: Value =
            serde_json::from_slice(&req.body).map_err(|_| reject(400, "body is not JSON"))?;
        let now = self.ports.clock.now();
        if let Some(at) = vendor.timestamp(&json) {
            let at = at.map_err(|_| reject(400, "timestamp missing or malformed"))?;
            if (now - at).abs() > self.config.max_age {
                return Err(reject(401, "timestamp outside the accepted window"));
            }
        }
        let window = vendor.redelivery_window().max(self.config.dedupe_ttl);
        let sent_at = match vendor.sent_at(&json) {
            Some(Ok(at)) => Some(at),
            Some(Err(_)) => return Err(reject(400, "timestamp malformed")),
            None => None,
        };
        if let Some(at) = sent_at
            && (now - at > window || at - now > self.config.max_ahead)
        {
            // Older than any redelivery: a replay the dedupe item no longer catches.
            return Err(reject(401, "timestamp outside the accepted window"));
        }
        let Some(target) = self.target(vendor, t, c).await? else {
            return Err(reject(401, "unknown webhook endpoint"));
        };
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
        // Remembered until the body's own time is past the window: a replay after that is
        // refused by its time (above).
        let expires = dedupe_expiry(now, sent_at, window);
        if !repo
            .first_delivery(t, c, vendor.as_str(), &id, now, expires)
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

/// When a delivery's dedupe item may go: a window after the later of now and the time its
/// body says it was made.
fn dedupe_expiry(
    now: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    window: Duration,
) -> DateTime<Utc> {
    sent_at.map_or(now, |at| at.max(now)) + window
}

/// The field of LinkedIn's endpoint secret naming its application (the child application's
/// client id, `WebhookSource::also`): the only `applicationId` its challenge is answered for.
const CLIENT_ID: &str = "client_id";

/// An endpoint secret's signing secret.
fn signing_secret(stored: &Value) -> Option<&str> {
    stored
        .get(SIGNING_SECRET)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A consent the person refused at the vendor: said so (it changes nothing, so it is
/// answered alike at every address).
fn refused_consent(req: &WebhookRequest) -> WebhookResponse {
    let e = req.query_param("error").unwrap_or_default();
    let why = req.query_param("error_description").unwrap_or(e);
    WebhookResponse::error(400, &format!("the authorization was not given: {why}"))
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
    fn s28_4_a_delivery_is_remembered_until_its_body_time_is_past_the_window() {
        let now = Utc::now();
        let w = Duration::days(30);
        assert_eq!(dedupe_expiry(now, None, w), now + w);
        assert_eq!(
            dedupe_expiry(now, Some(now - Duration::days(2)), w),
            now + w
        );
        let ahead = now + Duration::minutes(30);
        assert_eq!(dedupe_expiry(now, Some(ahead), w), ahead + w);
    }

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
