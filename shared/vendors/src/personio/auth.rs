//! How renkei proves who it is to Personio: the v2 OAuth 2.0 client credentials
//! (`POST /v2/auth/token`, form `grant_type=client_credentials`, `client_id`,
//! `client_secret` → `access_token`, `expires_in`), or the v1 Recruiting API access token
//! that existing connections keep until their operator moves them (docs/operations.md).
//!
//! The access token is fetched once per client and shared (single-flight), refreshed a
//! minute before Personio says it expires and after a 401; neither it nor the client secret
//! is ever written to a log, an error or a `Debug` output.

use super::VENDOR;
use crate::http::{Call, HttpConfig, TokenCache, VendorClient, VendorError};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use std::time::Duration;

/// The token endpoint (Personio's v2 Authentication API).
pub const TOKEN_PATH: &str = "/v2/auth/token";

/// How long a token lives when Personio's answer does not say: its authentication page says
/// tokens are stable for 24 hours; an hour keeps renkei on the safe side.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// The credentials of one Personio company, as the connection's secret holds them.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// v2: an API credential's client ID and secret (Settings > Integrations > API
    /// credentials), exchanged for an access token.
    OAuth {
        /// The client ID.
        client_id: String,
        /// The client secret.
        client_secret: String,
    },
    /// v1 (legacy): the Recruiting API access token (Zugriffs-Token), sent as it is.
    Legacy {
        /// The access token.
        access_token: String,
    },
}

impl Credentials {
    /// The API generation these credentials call.
    pub fn version(&self) -> ApiVersion {
        match self {
            Credentials::OAuth { .. } => ApiVersion::V2,
            Credentials::Legacy { .. } => ApiVersion::V1,
        }
    }

    /// The secret field a refusal of these credentials is reported on.
    pub fn field(&self) -> &'static str {
        match self {
            Credentials::OAuth { .. } => "client_secret",
            Credentials::Legacy { .. } => "access_token",
        }
    }

    /// Every credential value with its field name (a signing secret must differ from each).
    pub fn values(&self) -> Vec<(&'static str, &str)> {
        match self {
            Credentials::OAuth {
                client_id,
                client_secret,
            } => vec![("client_id", client_id), ("client_secret", client_secret)],
            Credentials::Legacy { access_token } => vec![("access_token", access_token)],
        }
    }
}

/// Values stay out of every `Debug` output (logs, panics, test failures).
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::OAuth { client_id, .. } => f
                .debug_struct("OAuth")
                .field("client_id", client_id)
                .field("client_secret", &"<redacted>")
                .finish(),
            Credentials::Legacy { .. } => f
                .debug_struct("Legacy")
                .field("access_token", &"<redacted>")
                .finish(),
        }
    }
}

/// Which generation of the Recruiting API a client calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    /// `/v1/recruiting/…` with the legacy token and `X-Company-ID`; no read-back.
    V1,
    /// `/v2/recruiting/…` with an OAuth access token; applications can be read back.
    V2,
}

impl ApiVersion {
    /// The applications endpoint.
    pub fn applications(self) -> &'static str {
        match self {
            ApiVersion::V1 => "/v1/recruiting/applications",
            ApiVersion::V2 => "/v2/recruiting/applications",
        }
    }

    /// The documents endpoint.
    pub fn documents(self) -> &'static str {
        match self {
            ApiVersion::V1 => "/v1/recruiting/applications/documents",
            ApiVersion::V2 => "/v2/recruiting/applications/documents",
        }
    }
}

/// The token endpoint's answer (RFC 6749 §5.1).
#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// The token endpoint's refusal (RFC 6749 §5.2).
#[derive(Deserialize)]
struct TokenError {
    error: String,
}

/// A v2 client's access tokens: its own HTTP client (the token endpoint has its own limit,
/// 150 a minute, and must not take the company's 20 application calls a minute) and cache.
pub(super) struct OAuth {
    http: VendorClient,
    client_id: String,
    client_secret: String,
    cache: TokenCache,
}

impl std::fmt::Debug for OAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl OAuth {
    pub(super) fn new(
        api_url: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<Self, VendorError> {
        let http = VendorClient::new(
            VENDOR,
            HttpConfig {
                base_url: api_url.to_string(),
                timeout: Duration::from_secs(30),
                retry: Default::default(),
                limit: None,
                write_limit: None,
            },
        )?;
        Ok(Self {
            http,
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            cache: TokenCache::default(),
        })
    }

    /// The current access token (fetched when there is none or it is about to expire).
    pub(super) async fn token(&self) -> Result<String, VendorError> {
        self.cache.get(|| self.fetch()).await
    }

    /// Personio refused `token` (401): the next call fetches a new one.
    pub(super) async fn refused(&self, token: &str) {
        self.cache.invalidate(token).await;
    }

    /// Token requests sent (for tests and benchmarks).
    pub(super) fn requests(&self) -> u64 {
        self.http
            .stats
            .requests
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn fetch(&self) -> Result<(String, Duration), VendorError> {
        // Asking for a token changes nothing at Personio: a lost answer is asked again.
        let reply = self
            .http
            .send(Call::read(), || {
                self.http.request(Method::POST, TOKEN_PATH).form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", self.client_id.as_str()),
                    ("client_secret", self.client_secret.as_str()),
                ])
            })
            .await
            .map_err(|e| match e {
                VendorError::Permanent {
                    status: status @ 400..500,
                    message,
                    ..
                } => refusal(status, &message),
                other => other,
            })?;
        if reply.status == StatusCode::UNAUTHORIZED || reply.status == StatusCode::FORBIDDEN {
            return Err(refusal(reply.status.as_u16(), &reply.body));
        }
        let t: TokenReply = crate::http::parse_json(VENDOR, &reply.body, "access token")?;
        let lifetime = t.expires_in.map_or(DEFAULT_LIFETIME, Duration::from_secs);
        Ok((t.access_token, lifetime))
    }
}

/// A refusal of the token endpoint as the person who entered the credentials reads it (the
/// OAuth error code only: the body is never quoted, it might echo what was sent).
fn refusal(status: u16, body: &str) -> VendorError {
    let code = serde_json::from_str::<TokenError>(body)
        .map_or_else(|_| "no error code".into(), |e| e.error);
    let what = match code.as_str() {
        "invalid_client" | "unauthorized_client" => {
            "Personio does not know this client ID and secret (Settings > Integrations > API credentials)"
        }
        "invalid_scope" => "the API credential lacks a scope renkei needs",
        _ => "Personio refused to issue an access token",
    };
    VendorError::Auth {
        vendor: VENDOR,
        message: format!("{what} (HTTP {status}, {code})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s29_1_credentials_never_show_their_values() {
        let oauth = Credentials::OAuth {
            client_id: "papi-client".into(),
            client_secret: "s3cr3t-value".into(),
        };
        let legacy = Credentials::Legacy {
            access_token: "legacy-t0ken".into(),
        };
        let shown = format!("{oauth:?} {legacy:?}");
        assert!(!shown.contains("s3cr3t-value") && !shown.contains("legacy-t0ken"));
        assert!(shown.contains("papi-client"));
        assert_eq!(oauth.version(), ApiVersion::V2);
        assert_eq!(legacy.version(), ApiVersion::V1);
        let e = refusal(
            400,
            r#"{"error":"invalid_client","error_description":"s3cr3t-value"}"#,
        );
        assert!(e.to_string().contains("invalid_client"), "{e}");
        assert!(!e.to_string().contains("s3cr3t-value"), "{e}");
    }
}
