//! LinkedIn Recruiter System Connect client (remote side of C5), as in vendor-contracts.md
//! and docs/contracts/linkedin.md.
//!
//! - Tokens: client credentials (`POST /oauth/v2/accessToken`), 30 minutes, fetched once per
//!   client and shared by its callers (single-flight), refreshed before expiry and after 401.
//!   The partner's parent application provisions one child application per customer; every
//!   customer call uses the child's token.
//! - Paths and the version header live in [`Api`] alone: `/v2/…`, or `/rest/…` with
//!   `LinkedIn-Version: YYYYMM` once LinkedIn retires `/v2/`.
//! - Sync calls (sync.rs) are rest.li batches of at most [`MAX_BATCH`] entities, sent one at
//!   a time; every entity's status is read from the answer. Records count against
//!   LinkedIn's 10,000 per minute before they are sent ([`LinkedinConfig::records`]).

use crate::http::{Call, HttpConfig, Reply, TokenCache, VendorClient, VendorError};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

mod entities;
mod onboarding;
mod recruiter;
mod sync;
mod types;
pub use entities::*;
pub use onboarding::*;
pub use recruiter::*;
pub use sync::*;
pub use types::*;

const VENDOR: &str = "LinkedIn";

/// Where a deployed stack may call LinkedIn's API (Recruiter System Connect).
pub const API_HOSTS: &[renkei_core::outbound::HostPattern] = &["api.linkedin.com"];
/// Where a deployed stack may call LinkedIn's OAuth endpoints (`/oauth/v2/accessToken`,
/// `/oauth/v2/authorization`): LinkedIn's own host for them, the client's default.
pub const OAUTH_HOSTS: &[renkei_core::outbound::HostPattern] = &["www.linkedin.com"];

/// The client of one LinkedIn application (the partner's parent or a customer's child).
#[derive(Debug)]
pub struct LinkedinClient {
    base: VendorClient,
    oauth: VendorClient,
    client_id: String,
    client_secret: String,
    token: TokenCache,
    api: Api,
    records: Option<(u32, Duration)>,
    oauth_base: String,
}

impl crate::http::RunBound for LinkedinClient {
    fn base(&mut self) -> &mut VendorClient {
        &mut self.base
    }
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    /// Seconds; LinkedIn's pages show it as a number, some answers carry a string.
    #[serde(deserialize_with = "seconds")]
    expires_in: u64,
}

/// `expires_in` as a number or a numeric string.
fn seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(u64),
        Text(String),
    }
    match Either::deserialize(d)? {
        Either::Number(n) => Ok(n),
        Either::Text(t) => t.trim().parse().map_err(serde::de::Error::custom),
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &str, what: &str) -> Result<T, VendorError> {
    crate::http::parse_json(VENDOR, body, what)
}

fn http(base_url: &str) -> HttpConfig {
    HttpConfig {
        base_url: base_url.to_string(),
        timeout: Duration::from_secs(30),
        retry: Default::default(),
        limit: None,
        write_limit: None,
    }
}

impl LinkedinClient {
    /// A client for the application `client_id`.
    pub fn new(
        config: &LinkedinConfig,
        client_id: &str,
        client_secret: &str,
    ) -> Result<Self, VendorError> {
        let mut base = VendorClient::new(VENDOR, http(&config.api_url))?;
        // LinkedIn's limits are per application: its windows are the application's.
        base.set_credential(client_id);
        Ok(Self {
            base,
            oauth: VendorClient::new(VENDOR, http(&config.oauth_url))?,
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            token: TokenCache::default(),
            api: config.api.clone(),
            records: config.records,
            oauth_base: config.oauth_url.trim_end_matches('/').to_string(),
        })
    }

    /// Waits on the run's behalf (the lease is kept alive over it).
    pub async fn wait(&self, d: Duration) -> Result<(), VendorError> {
        self.base.pause(d).await
    }

    /// Request counters (API calls; token fetches are not counted against the day).
    pub fn stats(&self) -> &crate::http::Stats {
        &self.base.stats
    }

    async fn fetch_token(&self) -> Result<(String, Duration), VendorError> {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
        ];
        let reply = self
            .oauth
            .send(Call::read(), || {
                self.oauth
                    .request(Method::POST, names::ACCESS_TOKEN)
                    .form(&form)
            })
            .await
            .map_err(|e| match e {
                VendorError::Permanent { message, .. } => VendorError::Auth {
                    vendor: VENDOR,
                    message: format!("the application's credentials were refused: {message}"),
                },
                other => other,
            })?;
        if reply.status == StatusCode::UNAUTHORIZED || reply.status == StatusCode::FORBIDDEN {
            return Err(VendorError::Auth {
                vendor: VENDOR,
                message: "the application's client id or secret was refused".into(),
            });
        }
        let t: TokenReply = parse(&reply.body, "token")?;
        Ok((t.access_token, Duration::from_secs(t.expires_in)))
    }

    /// An authenticated call; a 401 drops the token and tries once more with a new one. A
    /// write that LinkedIn may have processed is retried only where `call`'s ambiguity
    /// allows it (batch updates and deletes are idempotent, creates are not).
    async fn call(
        &self,
        call: Call,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Reply, VendorError> {
        for _ in 0..2 {
            let token = self.token.get(|| self.fetch_token()).await?;
            let reply = self
                .base
                .send(call, || self.api.headers(build()).bearer_auth(&token))
                .await?;
            match reply.status {
                StatusCode::UNAUTHORIZED => self.token.invalidate(&token).await,
                StatusCode::FORBIDDEN => {
                    return Err(VendorError::Permanent {
                        vendor: VENDOR,
                        status: 403,
                        message: reply.body,
                    });
                }
                _ => return Ok(reply),
            }
        }
        Err(VendorError::Auth {
            vendor: VENDOR,
            message: "a fresh token was refused (401)".into(),
        })
    }

    fn url(&self, resource: &str) -> String {
        self.api.path(resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 27 item 9: `expires_in` arrives as a number or as a string.
    #[test]
    fn s27_9_a_token_answer_with_expires_in_as_a_string_is_read() {
        for body in [
            r#"{"access_token":"t","expires_in":1799}"#,
            r#"{"access_token":"t","expires_in":"1799"}"#,
        ] {
            let t: TokenReply = serde_json::from_str(body).expect(body);
            assert_eq!(t.expires_in, 1799);
        }
    }
}
