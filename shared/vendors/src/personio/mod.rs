//! Personio Recruiting API client, as Personio publishes it: the OpenAPI spec of v1
//! (docs/specs/personio-recruiting-api.yaml, a copy of ../shared/specs/) and the developer
//! hub's v2 pages (docs/contracts/personio.md). Applications (`POST …/recruiting/
//! applications`, JSON) and documents (`POST …/recruiting/applications/documents`, multipart
//! `file`, ≤ 20 MB, listed extensions) are the same in both generations; only the
//! credentials differ ([`Credentials`]): v2 takes an OAuth 2.0 access token, v1 the legacy
//! Recruiting API token with `X-Company-ID`. v2 also reads applications back
//! ([`PersonioClient::applications_of`]). The career site's public XML feed lists the open
//! positions (`https://{domain}.jobs.personio.de|com/xml`). The deprecated
//! `POST /recruiting/applicant` form endpoint is not used.
//!
//! Applications and documents share one limit per company (20 requests / 60 s by default).
//! Creating an application is not idempotent: the client never retries a create whose
//! answer may have been lost; it reports [`PersonioError::MaybeSent`] and the caller
//! reconciles — by reading back where it can (docs/contracts/personio.md).

use crate::http::{Ambiguity, Call, HttpConfig, Reply, VendorClient, VendorError};
use chrono::{DateTime, Utc};
use reqwest::{Method, RequestBuilder, StatusCode};
use std::time::Duration;

const VENDOR: &str = "Personio";

/// The Recruiting API's base URL.
pub const API_URL: &str = "https://api.personio.de";
/// Where a deployed stack may call Personio's Recruiting API (docs/contracts/personio.md).
pub const API_HOSTS: &[renkei_core::outbound::HostPattern] = &["api.personio.de"];
/// Where a deployed stack may read a career site's XML feed: `{domain}.jobs.personio.de`
/// and `{domain}.jobs.personio.com`, the two domains Personio lets a company choose for its
/// career page (docs/contracts/personio.md).
pub const JOBS_HOSTS: &[renkei_core::outbound::HostPattern] =
    &["*.jobs.personio.de", "*.jobs.personio.com"];

/// Requests per window per company, applications and documents together.
pub const REQUESTS_PER_MINUTE: u32 = 20;

/// The largest document the documents endpoint takes.
pub const MAX_DOCUMENT_BYTES: u64 = 20 * 1024 * 1024;

/// The extensions the documents endpoint takes (its request description).
pub const DOCUMENT_EXTENSIONS: &[&str] = &[
    "pdf", "pptx", "xlsx", "docx", "doc", "xls", "ppt", "ods", "odt", "7z", "gz", "rar", "zip",
    "bmp", "gif", "jpg", "png", "tif", "csv", "txt", "rtf", "mp4", "3gp", "mov", "avi", "wmv",
];

/// The languages of the XML feed.
pub const LANGUAGES: &[&str] = &["de", "en", "fr", "es", "nl", "it", "pt"];

/// The career site of a Personio jobs domain (`acme` → `https://acme.jobs.personio.de`,
/// `acme.jobs.personio.com` → `https://acme.jobs.personio.com`); text that is no jobs
/// domain is taken as the `.de` label it was before.
pub fn jobs_url(domain: &str) -> String {
    JobsDomain::parse(domain).map_or_else(
        |_| format!("https://{domain}.jobs.personio.de"),
        |d| d.url(),
    )
}

/// How to reach one company's Recruiting API.
#[derive(Debug, Clone)]
pub struct PersonioConfig {
    /// Base URL (default [`API_URL`]).
    pub api_url: String,
    /// Requests per `window` for applications and documents together (None: unlimited).
    pub per_window: Option<u32>,
    /// The limit's window (60 s; shorter in time-scaled benchmarks).
    pub window: Duration,
}

impl PersonioConfig {
    /// Personio's published limit against `api_url`.
    pub fn new(api_url: &str) -> Self {
        Self {
            api_url: api_url.trim_end_matches('/').to_string(),
            per_window: Some(REQUESTS_PER_MINUTE),
            window: Duration::from_secs(60),
        }
    }
}

/// How the client authenticates: the legacy token as it is, or OAuth access tokens.
#[derive(Debug)]
enum Access {
    Legacy(Legacy),
    OAuth(Box<auth::OAuth>),
}

/// The legacy token, never shown.
struct Legacy(String);

impl std::fmt::Debug for Legacy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Legacy(<redacted>)")
    }
}

/// The Recruiting API of one company, in the generation its credentials call.
#[derive(Debug)]
pub struct PersonioClient {
    base: VendorClient,
    company_id: String,
    version: ApiVersion,
    access: Access,
}

impl PersonioClient {
    /// A client for a company; its rate window is the company's (shared by every run).
    pub fn new(
        config: &PersonioConfig,
        company_id: &str,
        credentials: Credentials,
    ) -> Result<Self, VendorError> {
        let http = HttpConfig {
            base_url: config.api_url.clone(),
            timeout: Duration::from_secs(60),
            retry: Default::default(),
            limit: config.per_window.map(|n| (n, config.window)),
            write_limit: None,
        };
        let mut base = VendorClient::new(VENDOR, http)?;
        base.set_credential(company_id);
        let version = credentials.version();
        let access = match credentials {
            Credentials::Legacy { access_token } => Access::Legacy(Legacy(access_token)),
            Credentials::OAuth {
                client_id,
                client_secret,
            } => Access::OAuth(Box::new(auth::OAuth::new(
                &config.api_url,
                &client_id,
                &client_secret,
            )?)),
        };
        Ok(Self {
            base,
            company_id: company_id.to_string(),
            version,
            access,
        })
    }

    /// Request counters (of the application, document and read-back calls).
    pub fn stats(&self) -> &crate::http::Stats {
        &self.base.stats
    }

    /// Token requests sent (0 for a legacy client).
    pub fn token_requests(&self) -> u64 {
        match &self.access {
            Access::OAuth(o) => o.requests(),
            Access::Legacy(_) => 0,
        }
    }

    /// The API generation this client calls.
    pub fn version(&self) -> ApiVersion {
        self.version
    }

    /// Whether applications can be read back (v2 only).
    pub fn can_read_back(&self) -> bool {
        self.version == ApiVersion::V2
    }

    async fn bearer(&self) -> Result<String, VendorError> {
        match &self.access {
            Access::Legacy(Legacy(token)) => Ok(token.clone()),
            Access::OAuth(o) => o.token().await,
        }
    }

    /// Sends an authenticated call. With OAuth a 401 drops the token and the call is sent
    /// once more with a new one (a 401 was not processed, so even a create may repeat).
    async fn call(
        &self,
        call: Call,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Reply, VendorError> {
        let mut fresh = false;
        loop {
            let token = self.bearer().await?;
            let reply = self
                .base
                .send(call, || {
                    build()
                        .bearer_auth(&token)
                        // Kept on v2 too: the contract is v1's but for authentication, and
                        // a header an endpoint does not read is ignored.
                        .header("X-Company-ID", &self.company_id)
                })
                .await?;
            match &self.access {
                Access::OAuth(o) if reply.status == StatusCode::UNAUTHORIZED && !fresh => {
                    o.refused(&token).await;
                    fresh = true;
                }
                _ => return Ok(reply),
            }
        }
    }

    /// 401 and 403 answers (returned as replies by the base) as errors. A 403 is never a
    /// record's fault: a missing feature (`feature.*`), else on v2 the `scope` the call
    /// needs, else (v1) a refusal of the token.
    fn refused(&self, reply: &Reply, scope: &'static str) -> Option<PersonioError> {
        match reply.status {
            StatusCode::UNAUTHORIZED => Some(PersonioError::Vendor(VendorError::Auth {
                vendor: VENDOR,
                message: match self.version {
                    ApiVersion::V1 => {
                        "Personio did not recognise the company ID or the access token (401)"
                    }
                    ApiVersion::V2 => {
                        "Personio refused a fresh access token of the client ID (401)"
                    }
                }
                .into(),
            })),
            StatusCode::FORBIDDEN => {
                let reasons = reasons(&reply.body);
                let feature = reasons.iter().find(|r| r.code.starts_with("feature."));
                Some(match (feature, self.version) {
                    (Some(r), _) => PersonioError::Feature(r.code.clone()),
                    (None, ApiVersion::V2) => PersonioError::MissingScope(scope),
                    (None, ApiVersion::V1) => PersonioError::Forbidden(reasons),
                })
            }
            _ => None,
        }
    }

    fn classify(e: VendorError) -> PersonioError {
        match e {
            VendorError::Permanent {
                status, message, ..
            } if (400..500).contains(&status) => PersonioError::Refused {
                status,
                reasons: reasons(&message),
            },
            other => PersonioError::Vendor(other),
        }
    }

    /// Files an application. Sent once: an answer that may have been lost is
    /// [`PersonioError::MaybeSent`], never retried here (429 is, since Personio did not
    /// process it).
    pub async fn create_application(&self, app: &Application) -> Result<(), PersonioError> {
        let path = self.version.applications();
        let reply = self
            .call(Call::write(Ambiguity::DoNotRetry), || {
                self.base.request(Method::POST, path).json(app)
            })
            .await
            .map_err(|e| match e {
                VendorError::Retryable { message, .. } => PersonioError::MaybeSent(message),
                other => Self::classify(other),
            })?;
        if let Some(e) = self.refused(&reply, WRITE_SCOPE) {
            return Err(e);
        }
        if reply.status.is_success() {
            Ok(())
        } else {
            Err(PersonioError::Vendor(VendorError::Permanent {
                vendor: VENDOR,
                status: reply.status.as_u16(),
                message: format!("unexpected answer {}", reply.status),
            }))
        }
    }

    /// Uploads a document for a later application (a lost answer only leaves an unused
    /// upload behind, so this one is retried).
    pub async fn upload_document(
        &self,
        filename: &str,
        bytes: &[u8],
    ) -> Result<UploadedDocument, PersonioError> {
        let path = self.version.documents();
        let reply = self
            .call(Call::write(Ambiguity::Retry), || {
                let part =
                    reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(filename.to_string());
                self.base
                    .request(Method::POST, path)
                    .multipart(reqwest::multipart::Form::new().part("file", part))
            })
            .await
            .map_err(Self::classify)?;
        if let Some(e) = self.refused(&reply, WRITE_SCOPE) {
            return Err(e);
        }
        Ok(crate::http::parse_json(VENDOR, &reply.body, "document")?)
    }

    /// The applications of the candidate with `email` (v2: `GET /v2/recruiting/
    /// applications?candidate.email=…`, updated after `since` where given), only those whose
    /// candidate really has that email: [`readback::Listing::Complete`] once every page was
    /// read, else [`readback::Listing::Open`] — never a shorter list that looks complete.
    /// v1 has no read-back: [`PersonioError::NoReadBack`]. Personio refusing the query (a
    /// 4xx other than 401/403) is [`PersonioError::ReadBackRefused`].
    pub async fn applications_of(
        &self,
        email: &str,
        since: Option<DateTime<Utc>>,
    ) -> Result<readback::Listing, PersonioError> {
        if !self.can_read_back() {
            return Err(PersonioError::NoReadBack);
        }
        let since = since.map(readback::updated_after);
        readback::read_all(
            |cursor| self.list_page(email, since.as_deref(), cursor),
            |a| a.has_email(email),
        )
        .await
    }

    /// One page of the list; `Ok(Err(why))`: the answer was not a page of it.
    async fn list_page(
        &self,
        email: &str,
        since: Option<&str>,
        cursor: Option<String>,
    ) -> Result<Result<readback::Page, String>, PersonioError> {
        let path = self.version.applications();
        let limit = readback::PAGE_LIMIT.to_string();
        let mut query = vec![("candidate.email", email), ("limit", limit.as_str())];
        if let Some(t) = since {
            query.push(("updated_at.gt", t));
        }
        if let Some(c) = &cursor {
            query.push(("cursor", c.as_str()));
        }
        let (name, value) = readback::BETA_HEADER;
        let reply = self
            .call(Call::read(), || {
                self.base
                    .request(Method::GET, path)
                    .query(&query)
                    .header(name, value)
            })
            .await
            .map_err(|e| match e {
                VendorError::Permanent {
                    status, message, ..
                } if (400..500).contains(&status) => PersonioError::ReadBackRefused {
                    status,
                    reasons: reasons(&message),
                },
                other => PersonioError::Vendor(other),
            })?;
        if let Some(e) = self.refused(&reply, READ_SCOPE) {
            return Err(e);
        }
        Ok(serde_json::from_str(&reply.body)
            .map_err(|e| format!("Personio's answer is no page of applications ({e})")))
    }

    /// Connecting's check: an application that cannot be filed (dated `date`, after Personio's today) for
    /// `job_position_id` with `channel`: Personio checks the credentials (401), the
    /// features (403) and every field, and answers the reasons (date-in-the-future, plus
    /// channel-not-found for an unknown channel). An answer of 201 would mean Personio
    /// filed it; that is reported as a reason too, never hidden.
    pub async fn probe(
        &self,
        job_position_id: u64,
        channel: Option<u64>,
        date: chrono::NaiveDate,
    ) -> Result<Vec<Reason>, PersonioError> {
        let app = Application {
            first_name: "renkei".into(),
            last_name: "connection check".into(),
            email: PROBE_EMAIL.into(),
            job_position_id,
            recruiting_channel_id: channel,
            message: Some("renkei connection check: never filed (dated in the future)".into()),
            application_date: Some(date.format("%Y-%m-%d").to_string()),
            attributes: Vec::new(),
            files: Vec::new(),
            tags: Vec::new(),
        };
        match self.create_application(&app).await {
            Ok(()) => Ok(vec![Reason {
                field: None,
                code: PROBE_FILED.into(),
            }]),
            // A 403 is an error of its own (Feature, MissingScope, Forbidden), never here.
            Err(PersonioError::Refused { reasons, .. }) => Ok(reasons),
            Err(PersonioError::MaybeSent(m)) => {
                Err(PersonioError::Vendor(VendorError::Retryable {
                    vendor: VENDOR,
                    message: m,
                }))
            }
            Err(e) => Err(e),
        }
    }
}

/// The email of connecting's probe (never filed; `.invalid` is reserved, RFC 2606).
pub const PROBE_EMAIL: &str = "connection-check@renkei.invalid";

/// The reason [`PersonioClient::probe`] gives when Personio filed the probe after all.
pub const PROBE_FILED: &str = "probe-filed";

/// The scope reading applications back needs (the v2 reference pages).
pub const READ_SCOPE: &str = "personio:recruiting:read";

/// The scope filing applications and uploading documents needs on v2. Assumed: Personio's
/// pages name no scope for these endpoints; a 403 on them is reported naming this one
/// (docs/contracts/personio.md).
pub const WRITE_SCOPE: &str = "personio:recruiting:write";

impl crate::http::RunBound for PersonioClient {
    fn base(&mut self) -> &mut VendorClient {
        &mut self.base
    }
}

mod auth;
mod errors;
mod feed;
mod model;
pub mod readback;
mod site;
mod xml;

pub use auth::{ApiVersion, Credentials, TOKEN_PATH};
pub use errors::{
    ANSWER_LOST, ERROR_CODES, NOT_LISTED, PersonioError, READ_BACK_OPEN, Reason, explain, reasons,
};
pub use feed::{FeedError, Job, JobsFeed};
pub use model::{Application, Attribute, FileCategory, FileRef, UploadedDocument};
pub use readback::{ListedApplication, Listing};
pub use site::{CareerSite, JobsDomain};
pub use xml::{FeedParser, parse_feed};
