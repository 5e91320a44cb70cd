//! Talentwunder's side of C4 (assumed contract: docs/contracts/talentwunder.md). Talentwunder
//! calls renkei with the profiles; the one call renkei makes back is fetching a CV that an
//! upload gives as a URL.

use crate::http::{HttpConfig, VendorClient, VendorError};
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
    /// The server refused it (4xx): retrying will not help.
    #[error("the CV could not be downloaded (HTTP {0})")]
    Refused(u16),
    /// Transport or server trouble: a later run may succeed.
    #[error(transparent)]
    Vendor(VendorError),
}

/// Whether renkei fetches a CV from `url`: https only (a loopback http URL is the sandbox).
pub fn fetchable(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let host = rest.split(['/', ':', '?']).next().unwrap_or_default();
    match scheme {
        "https" => !host.is_empty(),
        "http" => host == "127.0.0.1" || host == "localhost",
        _ => false,
    }
}

/// Downloads a CV of at most `max` bytes.
pub async fn fetch_document(url: &str, max: u64) -> Result<Vec<u8>, DocumentError> {
    if !fetchable(url) {
        return Err(DocumentError::BadUrl(url.to_string()));
    }
    let client = VendorClient::new(
        VENDOR,
        HttpConfig {
            base_url: String::new(),
            timeout: Duration::from_secs(60),
            retry: Default::default(),
            limit: None,
            write_limit: None,
        },
    )
    .map_err(DocumentError::Vendor)?;
    let mut resp = client
        .open(|| client.request(Method::GET, url))
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
}
