//! Each calling vendor's webhook contract (docs/contracts/webhooks.md): where its signature
//! is, what it signs, how a delivery is identified and whether it carries a timestamp.
//! Verification compares MACs in constant time (the hmac crate's `verify_slice`).

use chrono::{DateTime, Duration, TimeZone, Utc};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// A vendor that calls renkei's webhook ingress; its name is the `{vendor}` path segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebhookVendor {
    /// HRBrain (assumed contract: no public one).
    HrBrain,
    /// Recruitee.
    Recruitee,
    /// LinkedIn Recruiter System Connect.
    LinkedIn,
    /// Talentwunder's profile uploads (assumed contract: docs/contracts/talentwunder.md).
    Talentwunder,
}

impl WebhookVendor {
    /// Every vendor.
    pub const ALL: [WebhookVendor; 4] = [
        Self::HrBrain,
        Self::Recruitee,
        Self::LinkedIn,
        Self::Talentwunder,
    ];

    /// The path segment.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HrBrain => "hrbrain",
            Self::Recruitee => "recruitee",
            Self::LinkedIn => "linkedin",
            Self::Talentwunder => "talentwunder",
        }
    }

    /// The vendor a path segment names.
    pub fn from_segment(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The header carrying the signature (lowercase).
    pub fn signature_header(self) -> &'static str {
        match self {
            Self::HrBrain => "x-hrbrain-signature",
            Self::Recruitee => "x-recruitee-signature",
            Self::LinkedIn => "x-li-signature",
            Self::Talentwunder => "x-talentwunder-signature",
        }
    }

    /// Whether `signature` (the header's value) is the HMAC-SHA256 of `body` with `secret`.
    /// HRBrain's and Talentwunder's `sha256=` prefix is accepted, or none.
    ///
    /// LinkedIn documents `X-LI-Signature` as "the HMACSHA256 hash of the JSON-encoded string
    /// representation of the POST body prefixed by hmacsha256=", which reads two ways, and
    /// both are accepted ([`LINKEDIN_PREFIX`]): the header is `hmacsha256=` (or nothing)
    /// before the hex MAC of the body, or the header is the hex MAC of `hmacsha256=` followed
    /// by the body. Either way the body must be a JSON object: LinkedIn's notifications are,
    /// and the MAC of anything else — the challenge answer is the MAC of a UUID — is never a
    /// notification's signature.
    pub fn verify(self, secret: &[u8], body: &[u8], signature: &str) -> bool {
        let sig = signature.trim();
        match self {
            Self::HrBrain | Self::Talentwunder => {
                mac_is(secret, &[body], sig.strip_prefix("sha256=").unwrap_or(sig))
            }
            Self::Recruitee => mac_is(secret, &[body], sig),
            Self::LinkedIn => {
                let (hex_part, prefixed) = match sig.strip_prefix(LINKEDIN_PREFIX) {
                    Some(h) => (h, true),
                    None => (sig, false),
                };
                // Both readings are computed whatever the header, so that the answer takes
                // the same time (`&`, not `&&`).
                let header_prefixed = mac_is(secret, &[body], hex_part);
                let body_prefixed =
                    mac_is(secret, &[LINKEDIN_PREFIX.as_bytes(), body], hex_part) & !prefixed;
                is_json_object(body) & (header_prefixed | body_prefixed)
            }
        }
    }

    /// What identifies one delivery, so that a replay of it is recognised: the vendor's own
    /// id where it sends one (Recruitee's event `id` stays the same across its retries,
    /// LinkedIn's `notificationId`), else the hash of the body (HRBrain's body carries its
    /// `occurredAt`, so two events never share one). Talentwunder's `requestId` names an
    /// upload, so its retries are one upload.
    pub fn delivery_id(self, body: &[u8], json: &Value) -> String {
        let own = match self {
            Self::Recruitee => json.get("id"),
            Self::LinkedIn => json.get("notificationId").or_else(|| json.get("id")),
            Self::Talentwunder => json.get("requestId"),
            Self::HrBrain => None,
        };
        match own {
            Some(Value::String(s)) if !s.is_empty() => format!("id:{s}"),
            Some(Value::Number(n)) => format!("id:{n}"),
            _ => format!("sha256:{}", hex::encode(Sha256::digest(body))),
        }
    }

    /// How long the vendor may send one delivery again — its automatic retries, and a
    /// person's re-send from the vendor's delivery log (docs/contracts/webhooks.md cites each
    /// figure, or says it is assumed). A delivery's id is remembered at least this long, and
    /// a delivery whose body says it was made longer ago than this is refused: a captured
    /// delivery cannot be replayed once its dedupe item has expired.
    pub fn redelivery_window(self) -> Duration {
        match self {
            // Retries "delayed more and more" (docs.recruitee.com/docs/webhooks, "Delivery
            // guarantees"); a person can re-send any request of the log, kept 30 days.
            Self::Recruitee => Duration::days(30),
            // Assumed: LinkedIn publishes no retry policy for RSC notifications.
            Self::LinkedIn => Duration::days(30),
            // Their signed time must be within minutes of now ([`Self::timestamp`]), so an id
            // need outlive only that; kept 3 days as before.
            Self::HrBrain | Self::Talentwunder => Duration::days(3),
        }
    }

    /// When the vendor made a delivery, for the vendors whose bodies carry a time but no
    /// signed window ([`Self::timestamp`] is theirs who do): Recruitee's `created_at`
    /// (RFC 3339), LinkedIn's `processedAt` or `createdAt` (epoch milliseconds, or RFC
    /// 3339). None: the body says no time (nothing to check); Err: it says one that cannot be
    /// read.
    pub fn sent_at(self, json: &Value) -> Option<Result<DateTime<Utc>, String>> {
        let fields: &[&str] = match self {
            Self::Recruitee => &["created_at"],
            Self::LinkedIn => &["processedAt", "createdAt"],
            Self::HrBrain | Self::Talentwunder => return None,
        };
        let (field, value) = fields
            .iter()
            .find_map(|f| json.get(*f).filter(|v| !v.is_null()).map(|v| (*f, v)))?;
        Some(time_value(value).ok_or_else(|| format!("{field} is not a time")))
    }

    /// When the vendor says the event happened, where it says so (HRBrain's `occurredAt`,
    /// Talentwunder's `sentAt`); checked against a window so that an old signed body cannot
    /// be replayed later.
    pub fn timestamp(self, json: &Value) -> Option<Result<DateTime<Utc>, String>> {
        let field = match self {
            Self::HrBrain => "occurredAt",
            Self::Talentwunder => "sentAt",
            Self::Recruitee | Self::LinkedIn => return None,
        };
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
}

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
/// in what is signed (the two readings of its contract, [`WebhookVendor::verify`]).
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

/// Lowercase hex HMAC-SHA256 of `msg` with `key`: LinkedIn's `challengeResponse`, and how
/// the sandbox's simulated vendors sign.
pub fn hmac_hex(key: &[u8], msg: &[u8]) -> String {
    // HMAC takes keys of any length; new_from_slice cannot fail for it.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(msg);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p9_hmac_matches_the_rfc_4231_test_vector() {
        // RFC 4231, test case 2.
        assert_eq!(
            hmac_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn s28_4_recruitee_and_linkedin_bodies_say_when_they_were_made() {
        use serde_json::json;
        let at =
            |v: WebhookVendor, body: Value| v.sent_at(&body).map(|r| r.map(|t| t.to_rfc3339()));
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
        assert!(WebhookVendor::Recruitee.redelivery_window() >= Duration::days(30));
        assert!(WebhookVendor::LinkedIn.redelivery_window() >= Duration::days(30));
    }

    #[test]
    fn p9_prefixes_are_accepted_and_case_of_hex_does_not_matter() {
        let sig = hmac_hex(b"s", b"{}");
        assert!(WebhookVendor::LinkedIn.verify(b"s", b"{}", &format!("hmacsha256={sig}")));
        assert!(WebhookVendor::LinkedIn.verify(b"s", b"{}", &sig.to_uppercase()));
        assert!(WebhookVendor::HrBrain.verify(b"s", b"{}", &format!("sha256={sig}")));
        assert!(WebhookVendor::Recruitee.verify(b"s", b"{}", &sig));
        assert!(!WebhookVendor::Recruitee.verify(b"s", b"{} ", &sig));
        assert!(!WebhookVendor::Recruitee.verify(b"t", b"{}", &sig));
        assert!(!WebhookVendor::Recruitee.verify(b"s", b"{}", "zz"));
        assert!(!WebhookVendor::Recruitee.verify(b"s", b"{}", ""));
    }

    #[test]
    fn s27_10_linkedin_signatures_are_taken_in_both_readings_of_its_contract() {
        let body = br#"{"notificationId":"n-1","type":"EXPORT_CANDIDATE_PROFILE"}"#;
        let li = |secret: &[u8], sig: &str| WebhookVendor::LinkedIn.verify(secret, body, sig);
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
                !WebhookVendor::LinkedIn.verify(b"child-secret", &[&body[..], b" "].concat(), &sig),
                "{sig}"
            );
        }
        // Reading (b) is LinkedIn's alone.
        assert!(!WebhookVendor::Recruitee.verify(b"child-secret", body, &b));
    }

    #[test]
    fn s27_10_a_challenge_answer_is_never_a_linkedin_signature() {
        let code = "2b1a7c70-5d3e-4f7e-9c1e-0d4c8e6f9a11";
        let answer = hmac_hex(b"child-secret", code.as_bytes());
        for body in [code.to_string(), format!("{code:?}"), format!("[{code:?}]")] {
            for sig in [answer.clone(), format!("hmacsha256={answer}")] {
                assert!(
                    !WebhookVendor::LinkedIn.verify(b"child-secret", body.as_bytes(), &sig),
                    "{body} {sig}"
                );
            }
        }
        // Nor is any MAC of what is not a JSON object.
        for body in [&b"[]"[..], b"\"x\"", b"1", b"null", b""] {
            let sig = hmac_hex(b"child-secret", body);
            assert!(!WebhookVendor::LinkedIn.verify(b"child-secret", body, &sig));
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
                prop_assert!(v.verify(&secret, &body, &sig));
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
                prop_assert!(!v.verify(&secret, &other_body, &sig));
                let mut other_secret = secret.clone();
                other_secret[at.index(secret.len())] ^= flip;
                prop_assert!(!v.verify(&other_secret, &body, &sig));
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
                    prop_assert!(!WebhookVendor::LinkedIn.verify(&secret, code.as_bytes(), &sig));
                }
            }
        }
    }
}
