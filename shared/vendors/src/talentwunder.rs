//! Talentwunder's side of C4 (assumed contract: docs/contracts/talentwunder.md). Talentwunder
//! calls renkei with the profiles; the one call renkei makes back is fetching a CV that an
//! upload gives as a URL.

use crate::address::{Unreachable, public_addrs};
use crate::http::{Call, HttpConfig, VendorClient, VendorError};
use renkei_core::outbound::OutboundPolicy;
use reqwest::Method;
use std::time::Duration;

const VENDOR: &str = "Talentwunder";

/// Why a CV could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// Larger than allowed (known before or while downloading).
    #[error("the CV is larger than {max} bytes")]
    TooBig {
        /// The limit.
        max: u64,
    },
    /// The URL is not one renkei fetches.
    #[error("the CV URL {0:?} is not an https URL")]
    BadUrl(String),
    /// Its host is, or resolves to, an address off the public internet.
    #[error("the CV URL is refused: {0}")]
    NotPublic(String),
    /// The server refused it (4xx): retrying will not help.
    #[error("the CV could not be downloaded (HTTP {0})")]
    Refused(u16),
    /// Transport or server trouble: a later run may succeed.
    #[error(transparent)]
    Vendor(VendorError),
}

/// Whether a CV link may be taken at intake (before any policy is known): an https URL, or
/// plain http to a loopback name (the sandbox's file server; a deployed run refuses it at
/// [`fetch_document`]), with no user name or password (`http://localhost:1@evil.example/`
/// is evil.example's, not localhost's).
pub fn fetchable(url: &str) -> bool {
    cv_url(url, &OutboundPolicy::Local).is_ok()
}

/// `url` parsed as a CV link this deployment may fetch (the address check after resolution
/// is [`fetch_document`]'s).
pub fn cv_url(url: &str, policy: &OutboundPolicy) -> Result<url::Url, DocumentError> {
    let bad = || DocumentError::BadUrl(url.to_string());
    let parsed = url::Url::parse(url.trim()).map_err(|_| bad())?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad());
    }
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(bad()),
    };
    match parsed.scheme() {
        "https" if !loopback || policy.allows_loopback() => Ok(parsed),
        "http" if loopback && policy.allows_loopback() => Ok(parsed),
        _ => Err(bad()),
    }
}

/// Downloads a CV of at most `max` bytes. In a deployed stack the host is resolved once,
/// every address must be public, and the download goes to those addresses only.
pub async fn fetch_document(
    url: &str,
    max: u64,
    policy: &OutboundPolicy,
) -> Result<Vec<u8>, DocumentError> {
    let parsed = cv_url(url, policy)?;
    let config = HttpConfig {
        base_url: String::new(),
        timeout: Duration::from_secs(60),
        retry: Default::default(),
        limit: None,
        write_limit: None,
    };
    let client = match (policy.allows_loopback(), parsed.host_str()) {
        (false, Some(host)) => {
            let port = parsed.port_or_known_default().unwrap_or(443);
            let addrs = public_addrs(host, port).await.map_err(|e| match e {
                Unreachable::NotPublic { .. } => DocumentError::NotPublic(e.to_string()),
                Unreachable::Unresolved { .. } => DocumentError::Vendor(VendorError::Retryable {
                    vendor: VENDOR,
                    message: e.to_string(),
                }),
            })?;
            VendorClient::pinned(VENDOR, config, host, &addrs)
        }
        _ => VendorClient::new(VENDOR, config),
    }
    .map_err(DocumentError::Vendor)?;
    let url = parsed.as_str();
    let mut resp = client
        .send(Call::read().streamed(), || client.request(Method::GET, url))
        .await
        .map_err(|e| match e {
            VendorError::Permanent { status, .. } => DocumentError::Refused(status),
            other => DocumentError::Vendor(other),
        })?;
    if !resp.status().is_success() {
        return Err(DocumentError::Refused(resp.status().as_u16()));
    }
    if resp.content_length().is_some_and(|n| n > max) {
        return Err(DocumentError::TooBig { max });
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| {
        DocumentError::Vendor(VendorError::Retryable {
            vendor: VENDOR,
            message: format!("downloading the CV: {e}"),
        })
    })? {
        out.extend_from_slice(&chunk);
        if out.len() as u64 > max {
            return Err(DocumentError::TooBig { max });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c4_3_only_https_or_loopback_cv_urls_are_fetched() {
        assert!(fetchable("https://files.talentwunder.com/cv/1.pdf"));
        assert!(fetchable("http://127.0.0.1:8080/cv.pdf"));
        assert!(!fetchable("http://169.254.169.254/latest/meta-data"));
        assert!(!fetchable("file:///etc/passwd"));
        assert!(!fetchable("cv.pdf"));
    }

    #[tokio::test]
    async fn s28_13_userinfo_loopback_and_private_cv_urls_are_refused() {
        assert!(!fetchable("http://localhost:1@evil.example/cv.pdf"));
        assert!(!fetchable("https://user:pw@files.talentwunder.com/cv.pdf"));
        let deployed = OutboundPolicy::deployed("");
        for url in [
            "http://localhost:1@evil.example/cv.pdf",
            "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next",
            "https://127.0.0.1:9001/2018-06-01/runtime/invocation/next",
            "http://files.talentwunder.com/cv.pdf",
            "https://localhost/cv.pdf",
            "https://[::1]/cv.pdf",
        ] {
            assert!(
                matches!(cv_url(url, &deployed), Err(DocumentError::BadUrl(_))),
                "{url}"
            );
        }
        for url in [
            "https://169.254.169.254/latest/meta-data/",
            "https://10.0.0.5/cv.pdf",
            "https://[fd00::1]/cv.pdf",
            "https://[::ffff:127.0.0.1]/cv.pdf",
        ] {
            let refused = fetch_document(url, 1024, &deployed).await.unwrap_err();
            assert!(
                matches!(refused, DocumentError::NotPublic(_)),
                "{url}: {refused:?}"
            );
        }
        assert!(cv_url("https://files.talentwunder.com/cv/1.pdf", &deployed).is_ok());
        assert!(cv_url("http://127.0.0.1:8080/cv.pdf", &OutboundPolicy::Local).is_ok());
    }
}
