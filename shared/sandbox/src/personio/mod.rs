//! Personio simulator (Recruiting API v1 and the career site's XML feed), answering what
//! the published spec (docs/specs/personio-recruiting-api.yaml) says: 201 with no body for
//! a filed application, 200 `uploaded_document`, `error_response` bodies for 400/403/413/
//! 422, 401 without a body, 429 over the company's limit (applications and documents
//! together). Every request body is validated against the spec's schema ([`spec`]).
//!
//! Business rules: the duplicate rule (same email, case-insensitive, same position →
//! `errors.applicant-already-exists`), unknown or unpublished positions, unknown channels,
//! application dates after Personio's today (Europe/Berlin, taken as UTC+1), unknown
//! attributes and file references. Every field error is answered at once.
//!
//! API under `/personio` (`/personio/v1/recruiting/…`), career sites under
//! `/personio/jobs/{domain}/xml`; control under `/_control/personio/…` ([`control`]).

mod control;
mod feed;
pub mod spec;

use crate::common::{MinuteWindow, api_error, bearer};
use crate::{Sandbox, World};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

pub use control::PersonioSetup;

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
    /// Request bodies that did not conform to the spec.
    nonconformant: Vec<Value>,
    /// Times of every admitted application or document request.
    calls: Vec<DateTime<Utc>>,
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
}

fn error_body(field: &str, reasons: &[&str]) -> Value {
    json!({"errors": [{"field": field, "errors": reasons.iter().map(|r| json!({"reason": r})).collect::<Vec<_>>()}]})
}

fn field_errors(errors: &[(String, String)]) -> Value {
    let mut by_field: Vec<(String, Vec<Value>)> = Vec::new();
    for (field, reason) in errors {
        match by_field.iter_mut().find(|(f, _)| f == field) {
            Some((_, list)) => list.push(json!({"reason": reason})),
            None => by_field.push((field.clone(), vec![json!({"reason": reason})])),
        }
    }
    json!({"errors": by_field.into_iter().map(|(f, e)| json!({"field": f, "errors": e})).collect::<Vec<_>>()})
}

/// The company a request is for: `X-Company-ID` and its Bearer token, its features and its
/// limit; else the answer to give.
fn admit<'w>(w: &'w mut World, headers: &HeaderMap) -> Result<&'w mut Company, Response> {
    let now = w.clock.now();
    let id = headers
        .get("x-company-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let token = bearer(headers).unwrap_or_default();
    let company = w
        .state::<Personio>()
        .companies
        .get_mut(&id)
        .filter(|c| !token.is_empty() && c.setup.token == token)
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
    company.window.admit(company.setup.per_minute, now)?;
    company.calls.push(now);
    Ok(company)
}

/// Personio's today: Europe/Berlin, taken as UTC+1 (a day boundary an hour early in summer
/// is on the safe side for the rule it checks).
fn personio_today(now: DateTime<Utc>) -> chrono::NaiveDate {
    (now + Duration::hours(1)).date_naive()
}

/// The spec's schema violations as `error_response` reasons.
fn schema_errors(body: &Value) -> Vec<(String, String)> {
    spec::violations("submit_application", body)
        .into_iter()
        .map(|(path, message)| {
            let field = path
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default()
                .to_string();
            let reason = if message.contains("is a required property") {
                "errors.attribute-validation.required-attribute"
            } else if message.contains("\"email\"") {
                "errors.attribute-validation.invalid-email-format"
            } else if message.contains("\"date\"") {
                "errors.attribute-validation.invalid-date-format"
            } else if field == "files" && message.contains("is not one of") {
                "errors.file-validation.unknown-file-category"
            } else {
                "errors.attribute-validation.invalid-type"
            };
            (
                if field.is_empty() {
                    "body".into()
                } else {
                    field
                },
                reason.to_string(),
            )
        })
        .collect()
}

const SYSTEM_ATTRIBUTES: &[&str] = &[
    "birthday",
    "gender",
    "location",
    "phone",
    "available_from",
    "salary_expectations",
];

/// The business rules, every field at once.
fn rule_errors(c: &Company, body: &Value, today: chrono::NaiveDate) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut push = |f: &str, r: &str| out.push((f.to_string(), r.to_string()));
    let job_id = body["job_position_id"].as_u64();
    match c.setup.jobs.iter().find(|j| Some(j.id) == job_id) {
        None => push(
            "job_position_id",
            "errors.posting-validation.posting-not-found",
        ),
        Some(j) if !j.published => push("job_position_id", "errors.job-position.not-published"),
        Some(_) => {}
    }
    if let Some(ch) = body.get("recruiting_channel_id").and_then(Value::as_u64)
        && !c.setup.channels.contains(&ch)
    {
        push(
            "recruiting_channel_id",
            "errors.posting-validation.channel-not-found",
        );
    }
    if let Some(d) = body["application_date"].as_str()
        && let Ok(date) = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
        && date > today
    {
        push(
            "application_date",
            "errors.date-validation.date-in-the-future",
        );
    }
    for a in body["attributes"].as_array().into_iter().flatten() {
        let id = a["id"].as_str().unwrap_or_default();
        let known =
            SYSTEM_ATTRIBUTES.contains(&id) || c.setup.custom_attributes.iter().any(|x| x == id);
        if !known {
            push("attributes", "errors.attribute-validation.unknown");
        } else if id == "gender"
            && !["male", "female", "diverse", "undefined"]
                .contains(&a["value"].as_str().unwrap_or_default())
        {
            push(
                "attributes",
                "errors.attribute-validation.unknown-attribute-option",
            );
        } else if ["birthday", "available_from"].contains(&id)
            && chrono::NaiveDate::parse_from_str(
                a["value"].as_str().unwrap_or_default(),
                "%Y-%m-%d",
            )
            .is_err()
        {
            push(
                "attributes",
                "errors.attribute-validation.invalid-date-format",
            );
        }
    }
    for f in body["files"].as_array().into_iter().flatten() {
        if !c
            .documents
            .contains_key(f["uuid"].as_str().unwrap_or_default())
        {
            push("files", "errors.file-validation.file-not-exists");
        }
    }
    let email = body["email"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    if let Some(job) = job_id
        && c.applied.contains(&(job, email))
    {
        push("email", "errors.applicant-already-exists");
    }
    out
}

async fn create_application(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = file_application(&sb, &headers, &body);
    let mut w = sb.world();
    let id = headers
        .get("x-company-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Some(c) = w.state::<Personio>().companies.get_mut(id)
        && c.lose_answers > 0
        && answer.status() != StatusCode::TOO_MANY_REQUESTS
    {
        // Processed (filed or refused), but the answer never arrives: a reset connection
        // or a gateway time-out after Personio did the work.
        c.lose_answers -= 1;
        return (StatusCode::GATEWAY_TIMEOUT, "upstream timed out").into_response();
    }
    answer
}

fn file_application(sb: &Sandbox, headers: &HeaderMap, body: &Bytes) -> Response {
    let mut w = sb.world();
    let now = w.clock.now();
    let company = match admit(&mut w, headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
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

async fn upload_document(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    {
        let mut w = sb.world();
        if let Err(r) = admit(&mut w, &headers) {
            return r;
        }
    }
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or_default().to_string();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(_) => {
                        return api_error(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            error_body("file", &["errors.file-too-big"]),
                        );
                    }
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => {
                return api_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    error_body("file", &["errors.invalid-file-type"]),
                );
            }
        }
    }
    let mut w = sb.world();
    let id = headers
        .get("x-company-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let Some(company) = w.state::<Personio>().companies.get_mut(&id) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Some((name, bytes)) = file else {
        company.refused += 1;
        company
            .nonconformant
            .push(json!({"violations": ["multipart field `file` missing"]}));
        return api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            error_body("file", &["errors.attribute-validation.required-attribute"]),
        );
    };
    if bytes.len() > MAX_DOCUMENT {
        company.refused += 1;
        return api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            error_body("file", &["errors.file-too-big"]),
        );
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_lowercase())
        .unwrap_or_default();
    if !crate::personio::control::DOCUMENT_EXTENSIONS.contains(&ext.as_str()) {
        company.refused += 1;
        return api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            error_body("file", &["errors.invalid-file-type"]),
        );
    }
    let uuid = {
        let n = fastrand::u128(..);
        let h = format!("{n:032x}");
        format!(
            "{}-{}-4{}-8{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    };
    let mimetype = match ext.as_str() {
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "png" => "image/png",
        "jpg" => "image/jpeg",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => "application/octet-stream",
    };
    let doc = json!({"uuid": uuid, "size": bytes.len(), "mimetype": mimetype, "original_filename": name, "extension": ext});
    company.documents.insert(uuid, doc.clone());
    Json(doc).into_response()
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
        Router::new()
            .route("/v1/recruiting/applications", post(create_application))
            .route(
                "/v1/recruiting/applications/documents",
                post(upload_document).layer(DefaultBodyLimit::max(MAX_DOCUMENT + 1024 * 1024)),
            )
            .route("/jobs/{domain}/xml", get(feed::feed))
    }
    fn control_routes(&self) -> Router<Sandbox> {
        control::routes()
    }
}
