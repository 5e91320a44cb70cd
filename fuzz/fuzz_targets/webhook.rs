//! What a webhook caller controls: the body, the signature header and the body's fields the
//! ingress reads (delivery id, timestamp). No panic; a signature verifies only when it is
//! the MAC of exactly this body, whatever prefix or case the header uses — or, for LinkedIn,
//! the MAC of `hmacsha256=` + this body (the other reading of its contract), and only when
//! the body is a JSON object.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renkei_core::webhook::{WebhookVendor, hmac_hex};
use renkei_vendors::webhooks::{LINKEDIN_PREFIX, contract};

const SECRET: &[u8] = b"whsec-0123456789abcdef";

fuzz_target!(|data: &[u8]| {
    // The header and the body, split at the first newline (the header must be text).
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let (header, body) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    let Ok(header) = std::str::from_utf8(header) else {
        return;
    };
    let mac = hmac_hex(SECRET, body);
    let prefixed = hmac_hex(SECRET, &[LINKEDIN_PREFIX.as_bytes(), body].concat());
    let object = serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|v| v.is_object());
    for vendor in WebhookVendor::ALL {
        let linkedin = vendor == WebhookVendor::LinkedIn;
        let vendor = contract(vendor);
        if vendor.verify(SECRET, body, header) {
            let hex = header.trim().rsplit('=').next().unwrap_or_default();
            assert!(
                hex.eq_ignore_ascii_case(&mac) || (linkedin && hex.eq_ignore_ascii_case(&prefixed)),
                "{:?} took {header:?}",
                vendor.vendor()
            );
            assert!(
                !linkedin || object,
                "LinkedIn took a body that is no JSON object"
            );
        }
        assert_eq!(vendor.verify(SECRET, body, &mac), !linkedin || object);
        assert_eq!(vendor.verify(SECRET, body, &prefixed), linkedin && object);
        if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
            let id = vendor.delivery_id(body, &json);
            assert!(id.starts_with("id:") || id.starts_with("sha256:"));
            let _ = vendor.timestamp(&json);
        }
    }
});
