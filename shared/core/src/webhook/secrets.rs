//! Each webhook endpoint's own secret: what the public webhooks function may read, and
//! nothing more.
//!
//! A connection's secret holds the vendor API credentials (tokens, keys, client secrets)
//! beside the webhook signing secrets. The webhooks function answers the internet, so it
//! never reads that secret: setup, credential rotation and `renkei migrate-secrets` copy each
//! signing secret into `renkei-webhook/<vendor>/<tenant>/<connection>` (JSON: `signing_secret`
//! and the few fields the source names in `also`), and only the webhooks function may read
//! names under `renkei-webhook/` (IAM in both templates). The name follows from the address
//! alone, so the signature is checked before anything else is read.

use super::WebhookVendor;
use crate::connector::WebhookSource;
use crate::ids::{ConnectionId, TenantId};
use crate::ports::{SecretError, SecretStore};
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

/// The prefix of every endpoint secret's name (the webhooks function's IAM grant).
pub const ENDPOINT_SECRET_PREFIX: &str = "renkei-webhook/";

/// The field of an endpoint secret holding the signing secret.
pub const SIGNING_SECRET: &str = "signing_secret";

/// The name of one webhook endpoint's secret: `renkei-webhook/<vendor>/<tenant>/<connection>`.
pub fn endpoint_secret_name(vendor: WebhookVendor, t: &TenantId, c: &ConnectionId) -> String {
    format!("{ENDPOINT_SECRET_PREFIX}{}/{t}/{c}", vendor.as_str())
}

/// A field of a connection's secret: a top-level name, or a JSON pointer (`/child/x`).
fn field<'a>(whole: &'a Value, at: &str) -> Option<&'a str> {
    let v = if at.starts_with('/') {
        whole.pointer(at)
    } else {
        whole.get(at)
    };
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// What one source's endpoint secret holds, taken from the connection's whole secret: None
/// when the signing secret is absent or empty (the connection takes no webhooks from it).
pub fn endpoint_secret(source: &WebhookSource, whole: &Value) -> Option<Value> {
    let signing = field(whole, source.secret_field)?;
    let mut out = Map::new();
    out.insert(SIGNING_SECRET.into(), Value::String(signing.to_string()));
    for (name, at) in source.also {
        if let Some(v) = field(whole, at) {
            out.insert((*name).to_string(), Value::String(v.to_string()));
        }
    }
    Some(Value::Object(out))
}

/// Writes the endpoint secret of each of `sources` from the connection's whole secret, and
/// deletes those it gives none (a signing secret removed by a rotation stops the endpoint).
/// Answers how many were written. Setup, rotation and `renkei migrate-secrets` call it
/// after writing the connection's secret.
pub async fn store_endpoint_secrets(
    secrets: &dyn SecretStore,
    sources: &[WebhookSource],
    t: &TenantId,
    c: &ConnectionId,
    whole: &Value,
) -> Result<usize, SecretError> {
    let mut written = 0;
    for source in sources {
        let name = endpoint_secret_name(source.vendor(), t, c);
        match endpoint_secret(source, whole) {
            Some(value) => {
                secrets.put(&name, &value.to_string()).await?;
                written += 1;
            }
            None => secrets.delete(&name).await?,
        }
    }
    Ok(written)
}

/// Deletes every endpoint secret a connection may have (a disconnect): at once, since they
/// are copies that `renkei migrate-secrets` can make again from a restored connection secret.
pub async fn delete_endpoint_secrets(
    secrets: &dyn SecretStore,
    t: &TenantId,
    c: &ConnectionId,
) -> Result<(), SecretError> {
    for vendor in WebhookVendor::ALL {
        secrets.delete(&endpoint_secret_name(vendor, t, c)).await?;
    }
    Ok(())
}

/// The deployment's key for answering addresses that have no endpoint secret exactly as
/// those that have one: a LinkedIn challenge to a missing endpoint is answered with an HMAC
/// under a secret derived from this key and the address, stable across instances, so that
/// nobody can tell it from a real one. In a stack it is the generated secret
/// `WebhookDecoyKey` (env `RENKEI_WEBHOOK_DECOY_KEY`); elsewhere a random key per process.
#[derive(Clone)]
pub struct DecoyKey([u8; 32]);

impl std::fmt::Debug for DecoyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DecoyKey(..)")
    }
}

/// A fresh webhook signing secret for a vendor to sign with: 32 random bytes from the OS,
/// hex (64 characters, far above every vendor's minimum). None without OS randomness:
/// then none is made that could be guessed.
pub fn generate_signing_secret() -> Option<String> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).ok().map(|()| hex::encode(key))
}

impl DecoyKey {
    /// A key from a secret's value (the stack's generated secret).
    pub fn from_secret(value: &str) -> Self {
        Self(Sha256::digest(value.as_bytes()).into())
    }

    /// A random key for this process (the sandbox and tests: one process answers).
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        if getrandom::fill(&mut key).is_err() {
            // No OS randomness: the key is then unknown but not secret; decoy answers stay
            // indistinguishable only to those who cannot guess the process's start.
            let seed = format!(
                "{:?}{:?}",
                std::time::SystemTime::now(),
                std::thread::current().id()
            );
            key = Sha256::digest(seed.as_bytes()).into();
        }
        Self(key)
    }

    /// The stand-in signing secret of an address without an endpoint secret.
    pub(super) fn signing_secret(
        &self,
        vendor: WebhookVendor,
        t: &TenantId,
        c: &ConnectionId,
    ) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(endpoint_secret_name(vendor, t, c).as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Endpoint secrets read recently, found or not, per ingress (per Lambda instance): a burst
/// of deliveries — or a flood of forged ones — costs one secret read per address and minute,
/// and existing and missing addresses take the same time to answer. A rotated secret is used
/// at most `ttl` later (the vendor retries what was refused meanwhile).
pub(super) struct SecretCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Cached>>,
}

/// When an endpoint secret was read, and what was found.
type Cached = (DateTime<Utc>, Option<Value>);

/// More addresses than this are not remembered at once (a flood of made-up addresses).
const CACHE_ENTRIES: usize = 4096;

impl SecretCache {
    pub(super) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The endpoint secret read for `name` less than `ttl` before `now`, if any.
    pub(super) fn get(&self, name: &str, now: DateTime<Utc>) -> Option<Option<Value>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(name)
            .filter(|(at, _)| now - *at < self.ttl)
            .map(|(_, v)| v.clone())
    }

    pub(super) fn put(&self, name: &str, value: Option<Value>, now: DateTime<Utc>) {
        if self.ttl <= Duration::zero() {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= CACHE_ENTRIES {
            entries.retain(|_, (at, _)| now - *at < self.ttl);
            if entries.len() >= CACHE_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(name.to_string(), (now, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A contract that only names its vendor: what the secrets need of a source.
    struct Named(WebhookVendor);

    impl crate::webhook::WebhookContract for Named {
        fn vendor(&self) -> WebhookVendor {
            self.0
        }
        fn signature_header(&self) -> &'static str {
            "x-test-signature"
        }
        fn verify(&self, _secret: &[u8], _body: &[u8], _signature: &str) -> bool {
            false
        }
        fn delivery_id(&self, _body: &[u8], _json: &Value) -> String {
            String::new()
        }
        fn redelivery_window(&self) -> Duration {
            Duration::days(1)
        }
    }

    fn ids() -> (TenantId, ConnectionId) {
        (
            TenantId::new("acme").unwrap(),
            ConnectionId::new("c-1").unwrap(),
        )
    }

    #[test]
    fn s28_1_an_endpoint_secret_holds_the_signing_secret_and_what_the_source_names_only() {
        let whole = json!({"recruitee_token": "api-token", "recruitee_webhook_secret": "sign-me-0123456789",
            "partner_client_secret": "partner", "child": {"client_id": "id-1", "client_secret": "child-secret"}});
        let recruitee =
            WebhookSource::new(&Named(WebhookVendor::Recruitee), "recruitee_webhook_secret");
        assert_eq!(
            endpoint_secret(&recruitee, &whole),
            Some(json!({"signing_secret": "sign-me-0123456789"}))
        );
        let linkedin = WebhookSource {
            contract: &Named(WebhookVendor::LinkedIn),
            secret_field: "/child/client_secret",
            also: &[("client_id", "/child/client_id")],
        };
        assert_eq!(
            endpoint_secret(&linkedin, &whole),
            Some(json!({"signing_secret": "child-secret", "client_id": "id-1"}))
        );
        assert_eq!(
            endpoint_secret(&recruitee, &json!({"recruitee_webhook_secret": ""})),
            None
        );
        assert_eq!(endpoint_secret(&recruitee, &json!({})), None);
        let (t, c) = ids();
        assert_eq!(
            endpoint_secret_name(WebhookVendor::LinkedIn, &t, &c),
            "renkei-webhook/linkedin/acme/c-1"
        );
    }

    #[test]
    fn s28_3_the_decoy_secret_is_stable_per_address_and_differs_between_keys_and_addresses() {
        let (t, c) = ids();
        let k = DecoyKey::from_secret("stack-key");
        let a = k.signing_secret(WebhookVendor::LinkedIn, &t, &c);
        assert_eq!(
            a,
            DecoyKey::from_secret("stack-key").signing_secret(WebhookVendor::LinkedIn, &t, &c)
        );
        assert_ne!(
            a,
            DecoyKey::from_secret("other").signing_secret(WebhookVendor::LinkedIn, &t, &c)
        );
        assert_ne!(a, k.signing_secret(WebhookVendor::Recruitee, &t, &c));
        assert_ne!(DecoyKey::random().0, DecoyKey::random().0);
        assert_eq!(format!("{k:?}"), "DecoyKey(..)");
    }

    #[test]
    fn s28_1_the_cache_forgets_after_its_ttl_and_stays_bounded() {
        let cache = SecretCache::new(Duration::seconds(60));
        let t0 = Utc::now();
        cache.put("a", Some(json!({"signing_secret": "s"})), t0);
        cache.put("b", None, t0);
        assert_eq!(
            cache.get("a", t0 + Duration::seconds(59)),
            Some(Some(json!({"signing_secret": "s"})))
        );
        assert_eq!(cache.get("b", t0), Some(None));
        assert_eq!(cache.get("a", t0 + Duration::seconds(60)), None);
        for i in 0..CACHE_ENTRIES + 10 {
            cache.put(&format!("x{i}"), None, t0);
        }
        assert!(cache.entries.lock().unwrap().len() <= CACHE_ENTRIES);
    }
}
