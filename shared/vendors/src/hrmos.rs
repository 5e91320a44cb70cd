//! HRMOS採用 client. HRMOS publishes no applicant API; renkei's assumed home contract is
//! documented in docs/contracts/hrmos.md and simulated by the sandbox:
//!
//! - `Authorization: Bearer <API key>`; `401` when the key is refused.
//! - `GET /api/v1/jobs?page=<n>` → `{"jobs":[{"id","title","status":"open|closed"}],
//!   "next_page":n|null}`.
//! - `POST /api/v1/applicants` with `{"source":{"medium","id"}, "placement":{…},
//!   "applicant":{…}}` → `201 {"id","created":true}` for a new source key, `200
//!   {"id","created":false}` when the source key exists (nothing changes: idempotent), `422
//!   {"errors":[{"field","message"}]}` for invalid data. `placement` is
//!   `{"kind":"selection","job_id"}` (選考管理) or `{"kind":"import_queue","position_name",
//!   "note"}` (応募情報インポート).
//! - `GET /api/v1/applicants?source_medium=<m>&source_id=<id>` → `{"applicants":[…]}`.
//! - 600 requests per minute per key (as HRMOS CORE); `429` with no body beyond it.

use crate::http::{Ambiguity, Call, HttpConfig, VendorClient, VendorError};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

mod body;
pub use body::{ApplicantBody, ApplicantFields, HrmosPlacement, NewApplicant, SourceKey};

/// Where a deployed stack may call HRMOS without the operator's allowance: nowhere, since HRMOS
/// documents no API host (docs/contracts/hrmos.md); the operator names the customer's host in
/// the stack parameter `AllowedVendorHosts`.
pub const HOSTS: &[renkei_core::outbound::HostPattern] = &[];

const VENDOR: &str = "HRMOS";

/// A job (求人) registered in HRMOS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// `open` or `closed`.
    pub status: String,
}

/// What became of a create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// A new applicant.
    New(String),
    /// The source key existed: the applicant was imported before.
    Existing(String),
    /// HRMOS refused the data; the reasons.
    Invalid(String),
}

/// The HRMOS client of one tenant.
#[derive(Debug)]
pub struct HrmosClient {
    base: VendorClient,
    api_key: String,
}

fn parse<T: serde::de::DeserializeOwned>(body: &str, what: &str) -> Result<T, VendorError> {
    crate::http::parse_json(VENDOR, body, what)
}

fn refused() -> VendorError {
    VendorError::Auth {
        vendor: VENDOR,
        message: "the HRMOS API key was refused".into(),
    }
}

impl HrmosClient {
    /// A client; `per_minute` requests at most per minute (None: no limit).
    pub fn new(
        base_url: &str,
        api_key: &str,
        per_minute: Option<u32>,
    ) -> Result<Self, VendorError> {
        let config = HttpConfig {
            base_url: crate::base_url::api_root(base_url, "/api/v1"),
            timeout: Duration::from_secs(30),
            retry: Default::default(),
            limit: per_minute.map(|n| (n, Duration::from_secs(60))),
            write_limit: None,
        };
        let mut base = VendorClient::new(VENDOR, config)?;
        base.set_credential(api_key);
        Ok(Self {
            base,
            api_key: api_key.to_string(),
        })
    }

    /// A GET answered with a body, or the key refused.
    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<String, VendorError> {
        let reply = self
            .base
            .send(Call::read(), || {
                self.base
                    .request(Method::GET, path)
                    .bearer_auth(&self.api_key)
                    .query(query)
            })
            .await?;
        if reply.status == StatusCode::UNAUTHORIZED || reply.status == StatusCode::FORBIDDEN {
            return Err(refused());
        }
        Ok(reply.body)
    }

    /// Every job, open or closed.
    pub async fn jobs(&self) -> Result<Vec<Job>, VendorError> {
        #[derive(Deserialize)]
        struct JobsPage {
            jobs: Vec<Job>,
            next_page: Option<u32>,
        }
        let mut page = 1;
        let mut all = Vec::new();
        // A tenant has hundreds of jobs at most; the bound only stops a looping server.
        for _ in 0..1000 {
            let body = self
                .get("/api/v1/jobs", &[("page", page.to_string())])
                .await?;
            let p: JobsPage = parse(&body, "jobs")?;
            all.extend(p.jobs);
            match p.next_page {
                Some(n) if n > page => page = n,
                _ => return Ok(all),
            }
        }
        Ok(all)
    }

    /// Creates an applicant, idempotent by its source key (so retrying is always safe).
    pub async fn create_applicant(&self, body: &ApplicantBody) -> Result<Created, VendorError> {
        #[derive(Deserialize)]
        struct Answer {
            id: String,
        }
        #[derive(Deserialize)]
        struct Problem {
            #[serde(default)]
            field: String,
            message: String,
        }
        #[derive(Deserialize)]
        struct Problems {
            errors: Vec<Problem>,
        }
        let reply = self
            .base
            .send(Call::write(Ambiguity::Retry), || {
                self.base
                    .request(Method::POST, "/api/v1/applicants")
                    .bearer_auth(&self.api_key)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.as_str().to_string())
            })
            .await;
        let reply = match reply {
            Err(VendorError::Permanent {
                status: 422,
                message,
                ..
            }) => {
                let text = match serde_json::from_str::<Problems>(&message) {
                    Ok(p) => p
                        .errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("; "),
                    Err(_) => message,
                };
                return Ok(Created::Invalid(format!(
                    "HRMOS採用が受け付けませんでした: {text}"
                )));
            }
            other => other?,
        };
        match reply.status {
            StatusCode::CREATED => Ok(Created::New(parse::<Answer>(&reply.body, "create")?.id)),
            StatusCode::OK => Ok(Created::Existing(
                parse::<Answer>(&reply.body, "create")?.id,
            )),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(refused()),
            s => Err(VendorError::Permanent {
                vendor: VENDOR,
                status: s.as_u16(),
                message: reply.body,
            }),
        }
    }

    /// Whether an applicant with this source key exists (dry runs ask instead of creating).
    pub async fn exists(&self, medium: &str, source_id: &str) -> Result<bool, VendorError> {
        #[derive(Deserialize)]
        struct Found {
            applicants: Vec<Value>,
        }
        let query = [
            ("source_medium", medium.to_string()),
            ("source_id", source_id.to_string()),
        ];
        let body = self.get("/api/v1/applicants", &query).await?;
        Ok(!parse::<Found>(&body, "applicants")?.applicants.is_empty())
    }
}

impl crate::http::RunBound for HrmosClient {
    fn base(&mut self) -> &mut VendorClient {
        &mut self.base
    }
}
