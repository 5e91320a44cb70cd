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

#[cfg(test)]
mod tests {
    use super::*;
    use renkei_core::webhook::WebhookVendor;

    #[test]
    fn s28_4_recruitee_and_linkedin_bodies_say_when_they_were_made() {
        use serde_json::json;
        let at = |v: WebhookVendor, body: Value| {
            contract(v)
                .sent_at(&body)
                .map(|r| r.map(|t| t.to_rfc3339()))
        };
        assert_eq!(
            at(
                WebhookVendor::Recruitee,
                json!({"id": 1, "created_at": "2026-11-22T09:00:00Z"})
            ),
            Some(Ok("2026-11-22T09:00:00+00:00".into()))
        );
        // LinkedIn writes epoch milliseconds; seconds are taken as seconds.
        for t in [
            json!(1_795_338_000_000_i64),
            json!(1_795_338_000),
            json!("2026-11-22T09:00:00Z"),
        ] {
            assert_eq!(
                at(WebhookVendor::LinkedIn, json!({"processedAt": t})),
                Some(Ok("2026-11-22T09:00:00+00:00".into()))
            );
        }
        assert_eq!(
            at(
                WebhookVendor::LinkedIn,
                json!({"createdAt": 1_795_338_000_000_i64})
            ),
            Some(Ok("2026-11-22T09:00:00+00:00".into()))
        );
        assert!(matches!(
            at(WebhookVendor::Recruitee, json!({"created_at": "yesterday"})),
            Some(Err(_))
        ));
        assert!(matches!(
            at(WebhookVendor::LinkedIn, json!({"processedAt": true})),
            Some(Err(_))
        ));
        assert_eq!(at(WebhookVendor::Recruitee, json!({"id": 1})), None);
        assert_eq!(
            at(
                WebhookVendor::HrBrain,
                json!({"created_at": "2026-11-22T09:00:00Z"})
            ),
            None
        );
        // Ids are kept at least as long as a vendor may deliver again.
        assert!(contract(WebhookVendor::Recruitee).redelivery_window() >= Duration::days(30));
        assert!(contract(WebhookVendor::LinkedIn).redelivery_window() >= Duration::days(30));
    }

    #[test]
    fn p9_prefixes_are_accepted_and_case_of_hex_does_not_matter() {
        let sig = hmac_hex(b"s", b"{}");
        assert!(contract(WebhookVendor::LinkedIn).verify(
            b"s",
            b"{}",
            &format!("hmacsha256={sig}")
        ));
        assert!(contract(WebhookVendor::LinkedIn).verify(b"s", b"{}", &sig.to_uppercase()));
        assert!(contract(WebhookVendor::HrBrain).verify(b"s", b"{}", &format!("sha256={sig}")));
        assert!(contract(WebhookVendor::Recruitee).verify(b"s", b"{}", &sig));
        assert!(!contract(WebhookVendor::Recruitee).verify(b"s", b"{} ", &sig));
        assert!(!contract(WebhookVendor::Recruitee).verify(b"t", b"{}", &sig));
        assert!(!contract(WebhookVendor::Recruitee).verify(b"s", b"{}", "zz"));
        assert!(!contract(WebhookVendor::Recruitee).verify(b"s", b"{}", ""));
    }

    #[test]
    fn s27_10_linkedin_signatures_are_taken_in_both_readings_of_its_contract() {
        let body = br#"{"notificationId":"n-1","type":"EXPORT_CANDIDATE_PROFILE"}"#;
        let li =
            |secret: &[u8], sig: &str| contract(WebhookVendor::LinkedIn).verify(secret, body, sig);
        // (a) the header is prefixed: `hmacsha256=` + hex MAC of the body, or the bare hex.
        let a = hmac_hex(b"child-secret", body);
        assert!(li(b"child-secret", &format!("hmacsha256={a}")));
        assert!(li(b"child-secret", &a));
        // (b) the signed text is prefixed: hex MAC of `hmacsha256=` + the body.
        let b = hmac_hex(b"child-secret", &[&b"hmacsha256="[..], body].concat());
        assert!(li(b"child-secret", &b));
        assert!(li(b"child-secret", &b.to_uppercase()));
        // Prefixed twice is neither reading.
        assert!(!li(b"child-secret", &format!("hmacsha256={b}")));
        for sig in [format!("hmacsha256={a}"), a.clone(), b.clone()] {
            assert!(!li(b"other-secret", &sig), "{sig}");
            assert!(
                !contract(WebhookVendor::LinkedIn).verify(
                    b"child-secret",
                    &[&body[..], b" "].concat(),
                    &sig
                ),
                "{sig}"
            );
        }
        // Reading (b) is LinkedIn's alone.
        assert!(!contract(WebhookVendor::Recruitee).verify(b"child-secret", body, &b));
    }

    #[test]
    fn s27_10_a_challenge_answer_is_never_a_linkedin_signature() {
        let code = "2b1a7c70-5d3e-4f7e-9c1e-0d4c8e6f9a11";
        let answer = hmac_hex(b"child-secret", code.as_bytes());
        for body in [code.to_string(), format!("{code:?}"), format!("[{code:?}]")] {
            for sig in [answer.clone(), format!("hmacsha256={answer}")] {
                assert!(
                    !contract(WebhookVendor::LinkedIn).verify(
                        b"child-secret",
                        body.as_bytes(),
                        &sig
                    ),
                    "{body} {sig}"
                );
            }
        }
        // Nor is any MAC of what is not a JSON object.
        for body in [&b"[]"[..], b"\"x\"", b"1", b"null", b""] {
            let sig = hmac_hex(b"child-secret", body);
            assert!(!contract(WebhookVendor::LinkedIn).verify(b"child-secret", body, &sig));
        }
    }

    #[test]
    fn s27_10_challenge_codes_are_canonical_type_4_uuids() {
        for ok in [
            "2b1a7c70-5d3e-4f7e-9c1e-0d4c8e6f9a11",
            "2B1A7C70-5D3E-4F7E-BC1E-0D4C8E6F9A11",
            "00000000-0000-4000-8000-000000000000",
            "ffffffff-ffff-4fff-afff-ffffffffffff",
        ] {
            assert!(is_challenge_code(ok), "{ok}");
        }
        for bad in [
            "",
            "challenge-2026-11-22",
            r#"{"notificationId":"x","type":"EXPORT_CANDIDATE_PROFILE"}"#,
            "2b1a7c705d3e4f7e9c1e0d4c8e6f9a11",
            "{2b1a7c70-5d3e-4f7e-9c1e-0d4c8e6f9a11}",
            "2b1a7c70-5d3e-3f7e-9c1e-0d4c8e6f9a11",
            "2b1a7c70-5d3e-4f7e-7c1e-0d4c8e6f9a11",
            "2b1a7c70-5d3e-4f7e-cc1e-0d4c8e6f9a11",
            " 2b1a7c70-5d3e-4f7e-9c1e-0d4c8e6f9a1",
            "2b1a7c70-5d3e-4f7e-9c1e-0d4c8e6f9a1g",
            "2b1a7c70-5d3e-4f7e-9c1e-0d4c8e6f9a11\n",
            "2b1a7c70+5d3e-4f7e-9c1e-0d4c8e6f9a11",
            "2b1a7c70-5d3e-4f7e-9c1e-0d4c8e6f9ä1",
        ] {
            assert!(!is_challenge_code(bad), "{bad:?}");
        }
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// A body as the vendor sends it: LinkedIn's notifications are JSON objects (any bytes
        /// go inside one, hex-encoded); the others are taken as bytes.
        fn sent(vendor: WebhookVendor, bytes: &[u8]) -> Vec<u8> {
            match vendor {
                WebhookVendor::LinkedIn => serde_json::json!({ "data": hex::encode(bytes) })
                    .to_string()
                    .into_bytes(),
                _ => bytes.to_vec(),
            }
        }

        /// A type-4 UUID from random bits, as LinkedIn makes its challenge codes.
        fn uuid_v4(bits: u128) -> String {
            let v = (((bits & !(0xf << 76)) | (0x4 << 76)) & !(0xc << 60)) | (0x8 << 60);
            let h = format!("{v:032x}");
            format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            )
        }

        /// How each vendor writes the signature header around the hex MAC.
        fn header(vendor: WebhookVendor, hex: &str) -> String {
            match vendor {
                WebhookVendor::HrBrain | WebhookVendor::Talentwunder => format!("sha256={hex}"),
                WebhookVendor::LinkedIn => format!("hmacsha256={hex}"),
                WebhookVendor::Recruitee => hex.to_string(),
            }
        }

        fn vendor() -> impl Strategy<Value = WebhookVendor> {
            prop::sample::select(WebhookVendor::ALL.to_vec())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// What a vendor signs with the shared secret verifies, for any secret and body.
            #[test]
            fn s28_17_verify_accepts_what_sign_made(
                v in vendor(),
                secret in prop::collection::vec(any::<u8>(), 0..80),
                bytes in prop::collection::vec(any::<u8>(), 0..512),
            ) {
                let body = sent(v, &bytes);
                let sig = header(v, &hmac_hex(&secret, &body));
                prop_assert!(contract(v).verify(&secret, &body, &sig));
            }

            /// Any change to the body or the secret, however small, is refused.
            #[test]
            fn s28_17_verify_refuses_a_changed_body_or_secret(
                v in vendor(),
                secret in prop::collection::vec(any::<u8>(), 1..80),
                bytes in prop::collection::vec(any::<u8>(), 1..512),
                at in any::<prop::sample::Index>(),
                flip in 1..=255u8,
            ) {
                let body = sent(v, &bytes);
                let sig = header(v, &hmac_hex(&secret, &body));
                let mut other_body = body.clone();
                other_body[at.index(body.len())] ^= flip;
                prop_assert!(!contract(v).verify(&secret, &other_body, &sig));
                let mut other_secret = secret.clone();
                other_secret[at.index(secret.len())] ^= flip;
                prop_assert!(!contract(v).verify(&other_secret, &body, &sig));
            }

            /// Every type-4 UUID is a challenge code, and its answer — with any secret — is
            /// no LinkedIn signature of it, in either reading or header form.
            #[test]
            fn s27_10_no_challenge_answer_verifies_as_a_notification(
                bits in any::<u128>(),
                secret in prop::collection::vec(any::<u8>(), 0..80),
            ) {
                let code = uuid_v4(bits);
                prop_assert!(is_challenge_code(&code), "{}", code);
                let answer = hmac_hex(&secret, code.as_bytes());
                for sig in [answer.clone(), format!("hmacsha256={answer}")] {
                    prop_assert!(!contract(WebhookVendor::LinkedIn).verify(&secret, code.as_bytes(), &sig));
                }
            }
        }
    }
}
