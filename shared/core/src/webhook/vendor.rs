//! The calling vendors by name, and what the ingress asks of each one's webhook contract
//! ([`WebhookContract`]). The contracts themselves — where a signature is and what it signs,
//! delivery ids, redelivery windows, body times, test pings, endpoint challenges — are
//! vendor knowledge and live with the vendor clients (renkei_vendors::webhooks); a
//! connector's [`WebhookSource`](crate::connector::WebhookSource) names the contract of each
//! vendor it takes webhooks from.

use crate::webhook::WebhookRequest;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// A vendor that calls renkei's webhook ingress; its name is the `{vendor}` path segment and
/// part of each endpoint secret's name (`renkei-webhook/{vendor}/…`).
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
}

/// One vendor's webhook contract, as the ingress applies it to every request at that
/// vendor's addresses (docs/contracts/webhooks.md). Implemented by renkei-vendors; the
/// ingress finds each vendor's through the registry's connectors.
pub trait WebhookContract: Send + Sync + 'static {
    /// Whose contract this is.
    fn vendor(&self) -> WebhookVendor;

    /// The header carrying the signature (lowercase).
    fn signature_header(&self) -> &'static str;

    /// Whether `signature` (the header's value) signs `body` with `secret`, compared in
    /// constant time.
    fn verify(&self, secret: &[u8], body: &[u8], signature: &str) -> bool;

    /// What identifies one delivery across the vendor's retries, so that a replay of it is
    /// recognised: the vendor's own id where it sends one, else the hash of the body.
    fn delivery_id(&self, body: &[u8], json: &Value) -> String;

    /// How long the vendor may send one delivery again — its automatic retries, and a
    /// person's re-send from its delivery log. A delivery's id is remembered at least this
    /// long, and a delivery whose body says it was made longer ago is refused: a captured
    /// delivery cannot be replayed once its dedupe item has expired.
    fn redelivery_window(&self) -> Duration;

    /// When the vendor made a delivery, for vendors whose bodies carry a time but no signed
    /// window. None: the body says no time; Err: it says one that cannot be read.
    fn sent_at(&self, _json: &Value) -> Option<Result<DateTime<Utc>, String>> {
        None
    }

    /// When the vendor says the event happened, for vendors that sign a time: checked
    /// against a window of minutes so that an old signed body cannot be replayed later.
    fn timestamp(&self, _json: &Value) -> Option<Result<DateTime<Utc>, String>> {
        None
    }

    /// Whether `body` is the vendor's unsigned test ping, which changes nothing and is
    /// answered alike at every address (Recruitee's).
    fn is_test_ping(&self, _body: &[u8]) -> bool {
        false
    }

    /// The code of a `GET` that validates the endpoint (LinkedIn's challenge). None: this
    /// vendor validates no endpoint by `GET` (405); Err: a code that is no code (400,
    /// refused before anything is read).
    fn challenge_code<'r>(
        &self,
        _req: &'r WebhookRequest,
    ) -> Option<Result<&'r str, &'static str>> {
        None
    }

    /// The answer to a validation `GET` with `code`, signed with the endpoint's `secret`
    /// (or the decoy's where there is none, so the answers look alike); `endpoint` is the
    /// endpoint's stored secret where there is one. Err: refused (400). Asked only after
    /// [`WebhookContract::challenge_code`] read a code, so a contract that reads none never
    /// answers.
    fn challenge_answer(
        &self,
        _req: &WebhookRequest,
        _code: &str,
        _secret: &str,
        _endpoint: Option<&Value>,
    ) -> Result<Value, &'static str> {
        Err("this vendor validates no endpoint by GET")
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
}
