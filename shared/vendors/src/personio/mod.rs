//! Personio Recruiting API client, as its OpenAPI spec publishes it (docs/specs/
//! personio-recruiting-api.yaml, a copy of ../shared/specs/): `POST /v1/recruiting/
//! applications` (JSON, `Authorization: Bearer` + `X-Company-ID`), `POST /v1/recruiting/
//! applications/documents` (multipart `file`, ≤ 20 MB, listed extensions), and the career
//! site's public XML feed of open positions (`https://{domain}.jobs.personio.de/xml`). The
//! deprecated `POST /recruiting/applicant` form endpoint is not used.
//!
//! Applications and documents share one limit per company (20 requests / 60 s by default).
//! Creating an application is not idempotent and Personio has no read-back: the client
//! never retries a create whose answer may have been lost; it reports
//! [`PersonioError::MaybeSent`] and the caller reconciles (docs/contracts/personio.md).

use crate::http::{CallKind, HttpConfig, Reply, VendorClient, VendorError};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::{Deserialize, Serialize};
use std::time::Duration;

const VENDOR: &str = "Personio";

/// The Recruiting API's base URL.
pub const API_URL: &str = "https://api.personio.de";
/// Where a deployed stack may call Personio's Recruiting API (docs/contracts/personio.md).
pub const API_HOSTS: &[renkei_core::outbound::HostPattern] = &["api.personio.de"];
/// Where a deployed stack may read a career site's XML feed: `{domain}.jobs.personio.de`
/// (docs/contracts/personio.md) and its `.com` twin, which Personio serves for accounts
/// hosted outside Germany.
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

/// The career site of a Personio jobs domain (`acme` → `https://acme.jobs.personio.de`).
pub fn jobs_url(domain: &str) -> String {
    format!("https://{domain}.jobs.personio.de")
}

/// An application as `submit_application` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// First name(s); not blank.
    pub first_name: String,
    /// Last name(s); not blank.
    pub last_name: String,
    /// Email address.
    pub email: String,
    /// The job (from the XML feed).
    pub job_position_id: u64,
    /// The recruiting channel (source reporting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recruiting_channel_id: Option<u64>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `YYYY-MM-DD`, not in the future.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_date: Option<String>,
    /// System attributes (phone, location, …) and `custom_attribute_N`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Documents uploaded before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileRef>,
    /// Tags (created when missing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// An applicant attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    /// `phone`, `location`, … or `custom_attribute_N`.
    pub id: String,
    /// The value.
    pub value: String,
}

/// A document's category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileCategory {
    /// Lebenslauf.
    Cv,
    /// Anschreiben.
    CoverLetter,
    /// Arbeitszeugnis.
    EmploymentReference,
    /// Zertifikat.
    Certificate,
    /// Arbeitsprobe.
    WorkSample,
    /// Sonstiges.
    Other,
}

/// A reference to an uploaded document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// The documents endpoint's uuid.
    pub uuid: String,
    /// The file's name.
    pub original_filename: String,
    /// Its category.
    pub category: FileCategory,
}

/// The documents endpoint's answer (`uploaded_document`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedDocument {
    /// Reference for an application's `files`.
    pub uuid: String,
    /// Bytes.
    pub size: u64,
    /// Detected type.
    pub mimetype: String,
    /// The name sent.
    pub original_filename: String,
    /// The extension.
    pub extension: String,
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

/// The Recruiting API of one company (company ID + recruiting access token).
#[derive(Debug)]
pub struct PersonioClient {
    base: VendorClient,
    company_id: String,
    token: String,
}

impl PersonioClient {
    /// A client for a company; its rate window is the company's (shared by every run).
    pub fn new(
        config: &PersonioConfig,
        company_id: &str,
        token: &str,
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
        Ok(Self {
            base,
            company_id: company_id.to_string(),
            token: token.to_string(),
        })
    }

    /// Request counters.
    pub fn stats(&self) -> &crate::http::Stats {
        &self.base.stats
    }

    fn authed(&self, method: Method, path: &str) -> RequestBuilder {
        self.base
            .request(method, path)
            .bearer_auth(&self.token)
            .header("X-Company-ID", &self.company_id)
    }

    /// 401 and 403 answers (returned as replies by the base) as errors.
    fn refused(reply: &Reply) -> Option<PersonioError> {
        match reply.status {
            StatusCode::UNAUTHORIZED => Some(PersonioError::Vendor(VendorError::Auth {
                vendor: VENDOR,
                message: "Personio did not recognise the company ID or the access token (401)"
                    .into(),
            })),
            StatusCode::FORBIDDEN => {
                let reasons = reasons(&reply.body);
                Some(
                    match reasons.iter().find(|r| r.code.starts_with("feature.")) {
                        Some(r) => PersonioError::Feature(r.code.clone()),
                        None => PersonioError::Refused {
                            status: 403,
                            reasons,
                        },
                    },
                )
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
        let reply = self
            .base
            .send(CallKind::Write, false, || {
                self.authed(Method::POST, "/v1/recruiting/applications")
                    .json(app)
            })
            .await
            .map_err(|e| match e {
                VendorError::Retryable { message, .. } => PersonioError::MaybeSent(message),
                other => Self::classify(other),
            })?;
        if let Some(e) = Self::refused(&reply) {
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
        let reply = self
            .base
            .send(CallKind::Write, true, || {
                let part =
                    reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(filename.to_string());
                self.authed(Method::POST, "/v1/recruiting/applications/documents")
                    .multipart(reqwest::multipart::Form::new().part("file", part))
            })
            .await
            .map_err(Self::classify)?;
        if let Some(e) = Self::refused(&reply) {
            return Err(e);
        }
        Ok(crate::http::parse_json(VENDOR, &reply.body, "document")?)
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
            email: "connection-check@renkei.invalid".into(),
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
                code: "probe-filed".into(),
            }]),
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

impl crate::http::RunBound for PersonioClient {
    fn base(&mut self) -> &mut VendorClient {
        &mut self.base
    }
}

mod errors;
mod feed;

pub use errors::{ERROR_CODES, PersonioError, Reason, explain, reasons};

pub use feed::{FeedError, FeedParser, Job, JobsFeed, parse_feed};
