//! Each calling vendor's webhook contract (docs/contracts/webhooks.md), as the vendors
//! publish it or as renkei assumes it: where the signature is and what it signs, how one
//! delivery is identified across retries, how long a vendor may deliver again, which time a
//! body carries, Recruitee's unsigned test ping and LinkedIn's endpoint challenge. The
//! ingress (renkei_core::webhook) knows none of this: a connector's
//! [`WebhookSource`](renkei_core::connector::WebhookSource) names the contract of each
//! vendor it takes webhooks from. Verification compares MACs in constant time (the hmac
//! crate's `verify_slice`).

use chrono::{DateTime, Duration, TimeZone, Utc};
use hmac::{Hmac, Mac};
use renkei_core::webhook::{WebhookContract, WebhookRequest, WebhookVendor, hmac_hex};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// HRBrain (assumed contract: no public one): `X-HRBrain-Signature: sha256=<hex>` over the
/// body, `occurredAt` signed within minutes of now.
#[derive(Debug, Clone, Copy)]
pub struct HrBrain;

/// Recruitee (docs.recruitee.com/docs/webhooks): `X-Recruitee-Signature: <hex>` over the
/// body, the event `id` the same across retries, `created_at`, and an unsigned
/// `{"test":true}` ping when the webhook is made.
#[derive(Debug, Clone, Copy)]
pub struct Recruitee;

/// LinkedIn Recruiter System Connect: `X-LI-Signature` in either reading of its contract
/// ([`LINKEDIN_PREFIX`]), `notificationId`, `processedAt`/`createdAt`, and the endpoint
/// challenge by `GET ?challengeCode=`.
#[derive(Debug, Clone, Copy)]
pub struct LinkedIn;

/// Talentwunder's profile uploads (assumed contract: docs/contracts/talentwunder.md):
/// `X-Talentwunder-Signature: sha256=<hex>`, `requestId` naming the upload, `sentAt` signed
/// within minutes of now.
#[derive(Debug, Clone, Copy)]
pub struct Talentwunder;

/// The contract of `vendor`.
pub fn contract(vendor: WebhookVendor) -> &'static dyn WebhookContract {
    match vendor {
        WebhookVendor::HrBrain => &HrBrain,
        WebhookVendor::Recruitee => &Recruitee,
        WebhookVendor::LinkedIn => &LinkedIn,
        WebhookVendor::Talentwunder => &Talentwunder,
    }
}

/// A delivery's own id where the vendor sends one in `field`, else the body's hash.
fn own_id(own: Option<&Value>, body: &[u8]) -> String {
    match own {
        Some(Value::String(s)) if !s.is_empty() => format!("id:{s}"),
        Some(Value::Number(n)) => format!("id:{n}"),
        _ => format!("sha256:{}", hex::encode(Sha256::digest(body))),
    }
}

/// A signed time in `field` (RFC 3339), for the vendors that sign one.
fn signed_time(json: &Value, field: &str) -> Option<Result<DateTime<Utc>, String>> {
    Some(
        json.get(field)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{field} is missing"))
            .and_then(|s| {
                DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| format!("{field} is not an RFC 3339 time"))
            }),
    )
}

/// The first of `fields` the body carries, as a time (see [`time_value`]).
fn body_time(json: &Value, fields: &[&str]) -> Option<Result<DateTime<Utc>, String>> {
    let (field, value) = fields
        .iter()
        .find_map(|f| json.get(*f).filter(|v| !v.is_null()).map(|v| (*f, v)))?;
    Some(time_value(value).ok_or_else(|| format!("{field} is not a time")))
}

impl WebhookContract for HrBrain {
    fn vendor(&self) -> WebhookVendor {
        WebhookVendor::HrBrain
    }
    fn signature_header(&self) -> &'static str {
        "x-hrbrain-signature"
    }
    /// `sha256=` before the hex MAC, or nothing.
    fn verify(&self, secret: &[u8], body: &[u8], signature: &str) -> bool {
        let sig = signature.trim();
        mac_is(secret, &[body], sig.strip_prefix("sha256=").unwrap_or(sig))
    }
    /// None of its own: the body's hash (its body carries its `occurredAt`, so two events
    /// never share one).
    fn delivery_id(&self, body: &[u8], _json: &Value) -> String {
        own_id(None, body)
    }
    /// Its signed time must be within minutes of now, so an id need outlive only that;
    /// kept 3 days.
    fn redelivery_window(&self) -> Duration {
        Duration::days(3)
    }
    fn timestamp(&self, json: &Value) -> Option<Result<DateTime<Utc>, String>> {
        signed_time(json, "occurredAt")
    }
}

impl WebhookContract for Talentwunder {
    fn vendor(&self) -> WebhookVendor {
        WebhookVendor::Talentwunder
    }
    fn signature_header(&self) -> &'static str {
        "x-talentwunder-signature"
    }
    /// `sha256=` before the hex MAC, or nothing.
    fn verify(&self, secret: &[u8], body: &[u8], signature: &str) -> bool {
        let sig = signature.trim();
        mac_is(secret, &[body], sig.strip_prefix("sha256=").unwrap_or(sig))
    }
    /// `requestId` names an upload, so its retries are one upload.
    fn delivery_id(&self, body: &[u8], json: &Value) -> String {
        own_id(json.get("requestId"), body)
    }
    /// As HRBrain's: a signed time within minutes of now.
    fn redelivery_window(&self) -> Duration {
        Duration::days(3)
    }
    fn timestamp(&self, json: &Value) -> Option<Result<DateTime<Utc>, String>> {
        signed_time(json, "sentAt")
    }
}

impl WebhookContract for Recruitee {
    fn vendor(&self) -> WebhookVendor {
        WebhookVendor::Recruitee
    }
    fn signature_header(&self) -> &'static str {
        "x-recruitee-signature"
    }
    /// The bare hex MAC of the body.
    fn verify(&self, secret: &[u8], body: &[u8], signature: &str) -> bool {
        mac_is(secret, &[body], signature.trim())
    }
    /// Its event `id` stays the same across its retries.
    fn delivery_id(&self, body: &[u8], json: &Value) -> String {
        own_id(json.get("id"), body)
    }
    /// Retries "delayed more and more" (docs.recruitee.com/docs/webhooks, "Delivery
    /// guarantees"); a person can re-send any request of the log, kept 30 days.
    fn redelivery_window(&self) -> Duration {
        Duration::days(30)
    }
    /// `created_at` (RFC 3339).
    fn sent_at(&self, json: &Value) -> Option<Result<DateTime<Utc>, String>> {
        body_time(json, &["created_at"])
    }
    /// Sent when the webhook is created, before the customer can store the secret it
    /// generates: `{"test": true}`, which changes nothing.
    fn is_test_ping(&self, body: &[u8]) -> bool {
        serde_json::from_slice::<Value>(body).is_ok_and(|v| v == json!({ "test": true }))
    }
}

impl WebhookContract for LinkedIn {
    fn vendor(&self) -> WebhookVendor {
        WebhookVendor::LinkedIn
    }
    fn signature_header(&self) -> &'static str {
        "x-li-signature"
    }
    /// LinkedIn documents `X-LI-Signature` as "the HMACSHA256 hash of the JSON-encoded
    /// string representation of the POST body prefixed by hmacsha256=", which reads two
    /// ways, and both are accepted ([`LINKEDIN_PREFIX`]): the header is `hmacsha256=` (or
    /// nothing) before the hex MAC of the body, or the header is the hex MAC of
    /// `hmacsha256=` followed by the body. Either way the body must be a JSON object:
    /// LinkedIn's notifications are, and the MAC of anything else — the challenge answer is
    /// the MAC of a UUID — is never a notification's signature.
    fn verify(&self, secret: &[u8], body: &[u8], signature: &str) -> bool {
        let sig = signature.trim();
        let (hex_part, prefixed) = match sig.strip_prefix(LINKEDIN_PREFIX) {
            Some(h) => (h, true),
            None => (sig, false),
        };
        // Both readings are computed whatever the header, so that the answer takes the same
        // time (`&`, not `&&`).
        let header_prefixed = mac_is(secret, &[body], hex_part);
        let body_prefixed =
            mac_is(secret, &[LINKEDIN_PREFIX.as_bytes(), body], hex_part) & !prefixed;
        is_json_object(body) & (header_prefixed | body_prefixed)
    }
    /// `notificationId` (or `id`).
    fn delivery_id(&self, body: &[u8], json: &Value) -> String {
        own_id(json.get("notificationId").or_else(|| json.get("id")), body)
    }
    /// Assumed: LinkedIn publishes no retry policy for RSC notifications.
    fn redelivery_window(&self) -> Duration {
        Duration::days(30)
    }
    /// `processedAt` or `createdAt` (epoch milliseconds, or RFC 3339).
    fn sent_at(&self, json: &Value) -> Option<Result<DateTime<Utc>, String>> {
        body_time(json, &["processedAt", "createdAt"])
    }
    /// `challengeCode`, answered only when it is what LinkedIn documents a code to be (a
    /// type-4 UUID), so the answer signs nothing a notification could be.
    fn challenge_code<'r>(&self, req: &'r WebhookRequest) -> Option<Result<&'r str, &'static str>> {
        let code = req.query_param("challengeCode").filter(|c| !c.is_empty());
        Some(match code {
            None => Err("challengeCode missing"),
            Some(code) if !is_challenge_code(code) => Err("challengeCode is not a type-4 UUID"),
            Some(code) => Ok(code),
        })
    }
    /// `challengeResponse` = hex HMAC-SHA256 of the code with the endpoint's secret, for no
    /// other `applicationId` than the endpoint's application (the `client_id` its endpoint
    /// secret holds; none at a missing address, nor in one written before it was copied
    /// there).
    fn challenge_answer(
        &self,
        req: &WebhookRequest,
        code: &str,
        secret: &str,
        endpoint: Option<&Value>,
    ) -> Result<Value, &'static str> {
        if let Some(app) = req.query_param("applicationId") {
            let ours = endpoint
                .and_then(|s| s.get(CLIENT_ID))
                .and_then(Value::as_str);
            if ours != Some(app) {
                return Err("applicationId is not this endpoint's application");
            }
        }
        Ok(json!({
            "challengeCode": code,
            "challengeResponse": hmac_hex(secret.as_bytes(), code.as_bytes()),
        }))
    }
}

/// The field of LinkedIn's endpoint secret naming its application (the child application's
/// client id, `WebhookSource::also`): the only `applicationId` its challenge is answered for.
pub const CLIENT_ID: &str = "client_id";

/// A time as vendors write it: RFC 3339, or a Unix time in milliseconds (seconds when too
/// small to be milliseconds of this century).
fn time_value(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::String(s) => DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        Value::Number(n) => {
            let n = n.as_i64()?;
            let millis = if n.abs() < 100_000_000_000 {
                n.checked_mul(1000)?
            } else {
                n
            };
            Utc.timestamp_millis_opt(millis).single()
        }
        _ => None,
    }
}

/// LinkedIn's signature prefix: before the hex MAC in `X-LI-Signature`, or before the body
/// in what is signed (the two readings of its contract, [`LinkedIn::verify`](WebhookContract::verify)).
pub const LINKEDIN_PREFIX: &str = "hmacsha256=";

/// Whether `hex_mac` (hex, either case) is the HMAC-SHA256 with `secret` of `parts` one after
/// the other, compared in constant time.
fn mac_is(secret: &[u8], parts: &[&[u8]], hex_mac: &str) -> bool {
    let Ok(expected) = hex::decode(hex_mac) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(secret) else {
        return false;
    };
    for part in parts {
        mac.update(part);
    }
    mac.verify_slice(&expected).is_ok()
}

fn is_json_object(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body).is_ok_and(|v| v.is_object())
}

/// Whether `code` is what LinkedIn documents a `challengeCode` to be: a type-4 UUID in its
/// canonical form (8-4-4-4-12 hex digits, version 4, variant 8, 9, a or b; either case). Only
/// such codes are answered, so the challenge signs nothing else with the endpoint's secret —
/// never a notification body, which is a JSON object.
pub fn is_challenge_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
}
