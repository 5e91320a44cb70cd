//! Each calling vendor's webhook contract (docs/contracts/webhooks.md): where its signature
//! is, what it signs, how a delivery is identified and whether it carries a timestamp.
//! Verification compares MACs in constant time (the hmac crate's `verify_slice`).

use chrono::{DateTime, Utc};
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
    /// HRBrain's `sha256=` and LinkedIn's `hmacsha256=` prefixes are accepted, or none.
    pub fn verify(self, secret: &[u8], body: &[u8], signature: &str) -> bool {
        let sig = signature.trim();
        let hex_part = match self {
            Self::HrBrain | Self::Talentwunder => sig.strip_prefix("sha256=").unwrap_or(sig),
            Self::LinkedIn => sig.strip_prefix("hmacsha256=").unwrap_or(sig),
            Self::Recruitee => sig,
        };
        let Ok(expected) = hex::decode(hex_part) else {
            return false;
        };
        let Ok(mut mac) = HmacSha256::new_from_slice(secret) else {
            return false;
        };
        mac.update(body);
        mac.verify_slice(&expected).is_ok()
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
}
