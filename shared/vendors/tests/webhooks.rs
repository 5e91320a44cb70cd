//! The calling vendors' webhook contracts as renkei implements them
//! (docs/contracts/webhooks.md): both readings of LinkedIn's signature, what a challenge may
//! be, the times bodies carry, and — as properties — that a signature verifies exactly what
//! was signed.

use chrono::Duration;
use renkei_core::webhook::{WebhookVendor, hmac_hex};
use renkei_vendors::webhooks::{contract, is_challenge_code};
use serde_json::Value;

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
    assert!(contract(WebhookVendor::LinkedIn).verify(b"s", b"{}", &format!("hmacsha256={sig}")));
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
    let li = |secret: &[u8], sig: &str| contract(WebhookVendor::LinkedIn).verify(secret, body, sig);
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
                !contract(WebhookVendor::LinkedIn).verify(b"child-secret", body.as_bytes(), &sig),
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
    use super::*;
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
