//! マイナビ転職 (Mynavi Tenshoku) client. Mynavi has no public API; access is the employer's
//! login ID and password, and the data is the 応募管理 download file. The assumed contract
//! (docs/contracts/mynavi.md), simulated by the sandbox:
//!
//! - `POST /login` (form: `login_id`, `password`) → `302` to `/applications` with a
//!   `Set-Cookie: MYNAVI_SESSION=…` on success; `200` with the login page again, showing
//!   `IDまたはパスワードが正しくありません`, on wrong credentials. Anything else (a
//!   maintenance page, a changed page) is not a credentials problem.
//! - `GET /applications/download?from=<RFC 3339>&to=<RFC 3339>` with the session cookie →
//!   the file of the applications whose 応募日時 is in `[from, to)`: CSV or TSV, CP932 or
//!   UTF-8 with BOM ([`file`]). An expired session answers `302` to `/login`.

pub mod file;

use crate::http::{Call, HttpConfig, VendorClient, VendorError};
use chrono::{DateTime, FixedOffset, Utc};
use reqwest::{Method, StatusCode, header};
use std::time::Duration;
use tokio::sync::Mutex;

/// Where a deployed stack may call Mynavi without the operator's allowance: nowhere, since
/// Mynavi documents no API host (docs/contracts/mynavi.md: a login and a download page); the
/// operator names the host in the stack parameter `AllowedVendorHosts`.
pub const HOSTS: &[renkei_core::outbound::HostPattern] = &[];

const VENDOR: &str = "Mynavi";
const SESSION_COOKIE: &str = "MYNAVI_SESSION";
/// What Mynavi's login page says on wrong credentials.
pub const WRONG_CREDENTIALS_MARK: &str = "IDまたはパスワードが正しくありません";

/// The two ways a Mynavi call fails that the customer must tell apart (C1.8).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum MynaviError {
    /// The login page refused the ID or password.
    #[error(
        "マイナビ転職のIDまたはパスワードが正しくありません (Mynavi refused the login ID or password)"
    )]
    WrongCredentials,
    /// Anything else (maintenance, network, a changed page).
    #[error(transparent)]
    Vendor(#[from] VendorError),
}

impl From<MynaviError> for renkei_core::engine::SyncError {
    fn from(e: MynaviError) -> Self {
        match e {
            MynaviError::WrongCredentials => renkei_core::engine::SyncError::Auth(e.to_string())
                .because(renkei_core::engine::Cause::vendor(
                    VENDOR,
                    "login",
                    renkei_core::engine::Class::Auth,
                )),
            MynaviError::Vendor(v) => v.into(),
        }
    }
}

/// Japan time: the site's dates are JST.
fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("valid offset")
}

/// A Mynavi employer account's client.
#[derive(Debug)]
pub struct MynaviClient {
    base: VendorClient,
    login_id: String,
    password: String,
    session: Mutex<Option<String>>,
}

/// A download in progress: the body, chunk by chunk.
pub struct Download {
    response: reqwest::Response,
}

impl Download {
    /// The next bytes of the file, or None at its end.
    pub async fn chunk(&mut self) -> Result<Option<bytes::Bytes>, VendorError> {
        self.response
            .chunk()
            .await
            .map_err(|e| VendorError::Retryable {
                vendor: VENDOR,
                message: format!("the download broke off: {e}"),
            })
    }
}

impl MynaviClient {
    /// A client for `base_url` with the account's credentials.
    pub fn new(base_url: &str, login_id: &str, password: &str) -> Result<Self, VendorError> {
        let config = HttpConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            // reqwest's timeout covers the whole body: a big file on a slow day needs minutes,
            // and the engine's time budget (Lambda's 15 min) bounds the run anyway.
            timeout: Duration::from_secs(600),
            retry: Default::default(),
            // A web site, not an API: stay polite (1 request per second).
            limit: Some((60, Duration::from_secs(60))),
            write_limit: None,
        };
        let mut base = VendorClient::new(VENDOR, config)?;
        base.set_credential(login_id);
        Ok(Self {
            base,
            login_id: login_id.to_string(),
            password: password.to_string(),
            session: Mutex::new(None),
        })
    }

    /// Logs in and keeps the session.
    pub async fn login(&self) -> Result<(), MynaviError> {
        let form = [
            ("login_id", self.login_id.as_str()),
            ("password", self.password.as_str()),
        ];
        let reply = self
            .base
            .send(Call::read(), || {
                self.base.request(Method::POST, "/login").form(&form)
            })
            .await?;
        let cookie = reply
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| {
                let pair = v.split(';').next()?.trim();
                let value = pair.strip_prefix(SESSION_COOKIE)?.strip_prefix('=')?;
                (!value.is_empty()).then(|| value.to_string())
            });
        if reply.status.is_redirection()
            && let Some(cookie) = cookie
        {
            *self.session.lock().await = Some(cookie);
            return Ok(());
        }
        if reply.status == StatusCode::OK && reply.body.contains(WRONG_CREDENTIALS_MARK) {
            return Err(MynaviError::WrongCredentials);
        }
        Err(VendorError::Permanent {
            vendor: VENDOR,
            status: reply.status.as_u16(),
            message: "the login page answered in an unexpected way (has Mynavi changed its site?)"
                .into(),
        }
        .into())
    }

    /// Starts the download of the applications with 応募日時 in `[from, to)`.
    pub async fn download(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Download, MynaviError> {
        let query = [
            ("from", from.with_timezone(&jst()).to_rfc3339()),
            ("to", to.with_timezone(&jst()).to_rfc3339()),
        ];
        for _ in 0..2 {
            if self.session.lock().await.is_none() {
                self.login().await?;
            }
            let cookie = self.session.lock().await.clone().unwrap_or_default();
            let response = self
                .base
                .send(Call::read().streamed(), || {
                    self.base
                        .request(Method::GET, "/applications/download")
                        .query(&query)
                        .header(header::COOKIE, format!("{SESSION_COOKIE}={cookie}"))
                })
                .await?;
            let status = response.status();
            if status.is_success() {
                return Ok(Download { response });
            }
            if status.is_redirection() || status == StatusCode::UNAUTHORIZED {
                // The session expired: log in again once.
                *self.session.lock().await = None;
                continue;
            }
            return Err(VendorError::Permanent {
                vendor: VENDOR,
                status: status.as_u16(),
                message: "the download was refused".into(),
            }
            .into());
        }
        Err(VendorError::Retryable {
            vendor: VENDOR,
            message: "the session ended again right after logging in".into(),
        }
        .into())
    }
}

impl crate::http::RunBound for MynaviClient {
    fn base(&mut self) -> &mut VendorClient {
        &mut self.base
    }
}
