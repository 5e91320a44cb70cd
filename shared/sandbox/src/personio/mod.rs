//! Personio simulator (Recruiting API v1 and v2, the v2 token endpoint, and the career
//! site's XML feed), answering what Personio publishes: the spec (docs/specs/
//! personio-recruiting-api.yaml) for v1 — 201 with no body for a filed application, 200
//! `uploaded_document`, `error_response` bodies for 400/403/413/422, 401 without a body, 429
//! over the company's limit (applications and documents together) — and, as the changelog
//! "Job Application Submission" says, the same contract on v2 with OAuth 2.0 access tokens
//! instead of the legacy token ([`oauth`]). Every request body is validated against the
//! spec's schema ([`spec`]), on both generations. v2 reads applications back ([`readback`]).
//! A v2 token needs `personio:recruiting:write` to file or upload and
//! `personio:recruiting:read` to read back (403 without; the write scope's name is renkei's
//! assumption, docs/contracts/personio.md).
//!
//! Business rules ([`rules`]): the duplicate rule (same email, case-insensitive, same
//! position → `errors.applicant-already-exists`), unknown or unpublished positions, unknown
//! channels, application dates after Personio's today (Europe/Berlin, taken as UTC+1),
//! unknown attributes and file references. Every field error is answered at once.
//!
//! API under `/personio` (`/personio/v1/recruiting/…`, `/personio/v2/…`), career sites under
//! `/personio/jobs/{domain}/xml`; control under `/_control/personio/…` ([`control`]).

mod control;
mod documents;
mod feed;
mod oauth;
mod readback;
mod rules;
pub mod spec;

use crate::common::{MinuteWindow, api_error, bearer};
use crate::{Sandbox, World};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use rules::{error_body, field_errors, personio_today, problem, rule_errors, schema_errors};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

pub use control::{PersonioControl, PersonioSetup};

/// The scope reading applications back needs (the v2 reference pages).
pub(crate) const READ_SCOPE: &str = "personio:recruiting:read";
/// The scope filing and uploading need (assumed; Personio's pages name none).
pub(crate) const WRITE_SCOPE: &str = "personio:recruiting:write";

/// The documents endpoint's size limit.
pub const MAX_DOCUMENT: usize = 20 * 1024 * 1024;

/// A position of the company.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimJob {
    /// Job position id.
    pub id: u64,
    /// Title.
    pub name: String,
    /// Office.
    #[serde(default)]
    pub office: String,
    /// Department.
    #[serde(default)]
    pub department: String,
    /// Whether the career site publishes it (unpublished: not in the feed, and
    /// applications answer `errors.job-position.not-published`).
    #[serde(default = "yes")]
    pub published: bool,
}

fn yes() -> bool {
    true
}

#[derive(Default)]
pub(crate) struct Company {
    setup: PersonioSetup,
    applications: Vec<Value>,
    /// (job, lower-cased email) of every application: Personio's duplicate rule, looked up
    /// without reading every application (uploads of 10,000 stay linear).
    applied: HashSet<(u64, String)>,
    documents: HashMap<String, Value>,
    window: MinuteWindow,
    requests: u64,
    created: u64,
    refused: u64,
    /// Creates to process and then answer as if the connection dropped.
    lose_answers: u32,
    /// Creates to answer 503 before processing them.
    drop_creates: u32,
    /// Since when the list shows nothing filed (a list lagging behind the filing).
    listing_held_since: Option<DateTime<Utc>>,
    /// Request bodies that did not conform to the spec.
    nonconformant: Vec<Value>,
    /// Times of every admitted application or document request.
    calls: Vec<DateTime<Utc>>,
    /// Application creates admitted (v1 and v2), refused ones included.
    application_posts: u64,
    /// Document uploads admitted.
    document_posts: u64,
    /// Application list reads admitted (v2).
    application_reads: u64,
    /// Token requests answered with a token.
    token_requests: u64,
}

impl Company {
    pub(crate) fn add_application(&mut self, application: Value) {
        if let (Some(job), Some(email)) = (
            application["job_position_id"].as_u64(),
            application["email"].as_str(),
        ) {
            self.applied.insert((job, email.trim().to_lowercase()));
        }
        self.applications.push(application);
    }
}

#[derive(Default)]
pub(crate) struct Personio {
    companies: HashMap<String, Company>,
    /// Access tokens issued by the token endpoint.
    tokens: HashMap<String, oauth::Issued>,
}

/// Which generation of the API a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    /// The legacy token and `X-Company-ID`.
    V1,
    /// An OAuth access token.
    V2,
}

/// The company a request is for (v1: `X-Company-ID` and its legacy token; v2: whose client
/// the access token was issued to, with `scope`), counted against its features and its
/// limit; else the answer to give.
pub(crate) fn admit(
    w: &mut World,
    headers: &HeaderMap,
    version: Version,
    scope: &str,
) -> Result<String, Response> {
    let now = w.clock.now();
    let token = bearer(headers).unwrap_or_default();
    let p = w.state::<Personio>();
    let id = match version {
        Version::V1 => headers
            .get("x-company-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        Version::V2 => oauth::company_of(p, &token, now).unwrap_or_default(),
    };
    let scoped = version == Version::V1 || oauth::has_scope(p, &token, scope);
    let company = p
        .companies
        .get_mut(&id)
        .filter(|c| match version {
            Version::V1 => !token.is_empty() && c.setup.token == token,
            Version::V2 => true,
        })
        .ok_or_else(|| StatusCode::UNAUTHORIZED.into_response())?;
    company.requests += 1;
    if !company.setup.recruiting {
        return Err(api_error(
            StatusCode::FORBIDDEN,
            error_body("company", &["feature.recruiting.disabled"]),
        ));
    }
    if !company.setup.public_api {
        return Err(api_error(
            StatusCode::FORBIDDEN,
            error_body("company", &["feature.public-api.disabled"]),
        ));
    }
    if !scoped {
        return Err(problem(
            StatusCode::FORBIDDEN,
            format!("the access token lacks the scope {scope}"),
        ));
    }
    company.window.admit(company.setup.per_minute, now)?;
    company.calls.push(now);
    Ok(id)
}

async fn create_v1(sb: State<Sandbox>, headers: HeaderMap, body: Bytes) -> Response {
    create_application(sb, headers, body, Version::V1)
}

async fn create_v2(sb: State<Sandbox>, headers: HeaderMap, body: Bytes) -> Response {
    create_application(sb, headers, body, Version::V2)
}

fn create_application(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
    version: Version,
) -> Response {
    let mut w = sb.world();
    let id = match admit(&mut w, &headers, version, WRITE_SCOPE) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let now = w.clock.now();
    let Some(company) = w.state::<Personio>().companies.get_mut(&id) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    company.application_posts += 1;
    if company.drop_creates > 0 {
        // A gateway gave up before Personio saw it: nothing filed, nothing known.
        company.drop_creates -= 1;
        return (StatusCode::SERVICE_UNAVAILABLE, "service unavailable").into_response();
    }
    let answer = file_application(company, &body, now);
    if company.lose_answers > 0 {
        // Processed (filed or refused), but the answer never arrives: a reset connection
        // or a gateway time-out after Personio did the work.
        company.lose_answers -= 1;
        return (StatusCode::GATEWAY_TIMEOUT, "upstream timed out").into_response();
    }
    answer
}

fn file_application(company: &mut Company, body: &Bytes, now: DateTime<Utc>) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        company.refused += 1;
        company
            .nonconformant
            .push(json!({"body": String::from_utf8_lossy(body), "violations": ["not JSON"]}));
        return api_error(
            StatusCode::BAD_REQUEST,
            error_body("body", &["errors.attribute-validation.invalid-type"]),
        );
    };
    let schema = schema_errors(&body);
    if !schema.is_empty() {
        company.refused += 1;
        company.nonconformant.push(json!({"body": body, "violations": spec::violations("submit_application", &body).into_iter().map(|(p, m)| format!("{p}: {m}")).collect::<Vec<_>>()}));
        return api_error(StatusCode::BAD_REQUEST, field_errors(&schema));
    }
    let errors = rule_errors(company, &body, personio_today(now));
    if !errors.is_empty() {
        company.refused += 1;
        return api_error(StatusCode::BAD_REQUEST, field_errors(&errors));
    }
    let mut stored = body;
    stored["id"] = json!(company.applications.len() as u64 + 1);
    stored["created_at"] = json!(now);
    company.add_application(stored);
    company.created += 1;
    StatusCode::CREATED.into_response()
}

/// The simulator's registration.
pub(crate) struct Sim;

impl crate::Simulator for Sim {
    fn name(&self) -> &'static str {
        "personio"
    }
    fn prefix(&self) -> Option<&'static str> {
        Some("/personio")
    }
    fn routes(&self) -> Router<Sandbox> {
        let limit = || DefaultBodyLimit::max(MAX_DOCUMENT + 1024 * 1024);
        Router::new()
            .route("/v1/recruiting/applications", post(create_v1))
            .route(
                "/v1/recruiting/applications/documents",
                post(documents::upload_v1).layer(limit()),
            )
            .route(oauth::TOKEN_PATH, post(oauth::token))
            .route(
                "/v2/recruiting/applications",
                post(create_v2).get(readback::list),
            )
            .route(
                "/v2/recruiting/applications/documents",
                post(documents::upload_v2).layer(limit()),
            )
            .route("/jobs/{domain}/xml", get(feed::feed))
    }
    fn control_routes(&self) -> Router<Sandbox> {
        control::routes()
    }
}
