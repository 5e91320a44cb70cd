//! Personio's control API (`/_control/personio/companies/{company_id}…`): set a company up
//! (token, career-site domain, positions, channels, features, limit), read back its
//! applications, documents and statistics, add an applicant as if they applied on the
//! career page, and lose the answers of the next creates.

use super::{Company, Personio, SimJob};
use crate::{Sandbox, control_error};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::{Value, json};

/// The documents endpoint's extensions (its request description in the spec).
pub const DOCUMENT_EXTENSIONS: &[&str] = &[
    "pdf", "pptx", "xlsx", "docx", "doc", "xls", "ppt", "ods", "odt", "7z", "gz", "rar", "zip",
    "bmp", "gif", "jpg", "png", "tif", "csv", "txt", "rtf", "mp4", "3gp", "mov", "avi", "wmv",
];

/// How a company is set up (`PUT /_control/personio/companies/{company_id}`); setting up
/// again keeps its applications and documents.
#[derive(Debug, Clone, Deserialize)]
pub struct PersonioSetup {
    /// The Recruiting API access token.
    pub token: String,
    /// The career site's domain (`{domain}.jobs.personio.de`).
    pub domain: String,
    /// Positions.
    #[serde(default)]
    pub jobs: Vec<SimJob>,
    /// Recruiting channel ids.
    #[serde(default)]
    pub channels: Vec<u64>,
    /// Custom attribute ids (`custom_attribute_N`).
    #[serde(default)]
    pub custom_attributes: Vec<String>,
    /// The recruiting features (off: 403 `feature.recruiting.disabled`).
    #[serde(default = "yes")]
    pub recruiting: bool,
    /// The Recruiting API (off: 403 `feature.public-api.disabled`).
    #[serde(default = "yes")]
    pub public_api: bool,
    /// The career site's XML interface (off: `/xml` answers the HTML career page).
    #[serde(default = "yes")]
    pub xml: bool,
    /// Application and document requests per minute (None: unlimited; Personio's is 20).
    #[serde(default)]
    pub per_minute: Option<u32>,
}

fn yes() -> bool {
    true
}

impl Default for PersonioSetup {
    fn default() -> Self {
        Self {
            token: String::new(),
            domain: String::new(),
            jobs: Vec::new(),
            channels: Vec::new(),
            custom_attributes: Vec::new(),
            recruiting: true,
            public_api: true,
            xml: true,
            per_minute: None,
        }
    }
}

impl Company {
    fn stats(&self) -> Value {
        // The most admitted calls in any 60 s (simulated), for the benchmark's utilisation.
        let mut max = 0;
        let mut start = 0;
        for end in 0..self.calls.len() {
            while self.calls[end] - self.calls[start] >= chrono::Duration::seconds(60) {
                start += 1;
            }
            max = max.max(end + 1 - start);
        }
        json!({
            "requests": self.requests,
            "applications": self.applications.len(),
            "created": self.created,
            "documents": self.documents.len(),
            "refused": self.refused,
            "throttled": self.window.throttled,
            "max_calls_in_any_60s": max,
            "first_call_at": self.calls.first(),
            "last_call_at": self.calls.last(),
            "nonconformant": self.nonconformant,
        })
    }
}

impl Sandbox {
    fn with_personio<T>(&self, company: &str, f: impl FnOnce(&mut Company) -> T) -> Option<T> {
        self.world()
            .state::<Personio>()
            .companies
            .get_mut(company)
            .map(f)
    }

    /// Sets up (or reconfigures) a Personio company.
    pub fn personio_company(&self, company: &str, setup: PersonioSetup) {
        self.world()
            .state::<Personio>()
            .companies
            .entry(company.to_string())
            .or_default()
            .setup = setup;
    }

    /// Replaces a company's positions (publish, unpublish, remove).
    pub fn personio_jobs(&self, company: &str, jobs: Vec<SimJob>) -> Result<(), String> {
        self.with_personio(company, |c| c.setup.jobs = jobs)
            .ok_or_else(|| format!("no Personio company {company}"))
    }

    /// The applications a company holds, as filed.
    pub fn personio_applications(&self, company: &str) -> Vec<Value> {
        self.with_personio(company, |c| c.applications.clone())
            .unwrap_or_default()
    }

    /// The documents uploaded to a company.
    pub fn personio_documents(&self, company: &str) -> Vec<Value> {
        self.with_personio(company, |c| c.documents.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Request statistics (with every non-conforming request body).
    pub fn personio_stats(&self, company: &str) -> Value {
        self.with_personio(company, |c| c.stats())
            .unwrap_or(Value::Null)
    }

    /// Files an applicant directly, as if they applied on the career page.
    pub fn personio_add_application(
        &self,
        company: &str,
        application: Value,
    ) -> Result<(), String> {
        self.with_personio(company, |c| c.add_application(application))
            .ok_or_else(|| format!("no Personio company {company}"))
    }

    /// The answers of the next `count` creates are lost after Personio processed them.
    pub fn personio_lose_answers(&self, company: &str, count: u32) -> Result<(), String> {
        self.with_personio(company, |c| c.lose_answers = count)
            .ok_or_else(|| format!("no Personio company {company}"))
    }
}

type Company_ = Path<String>;

fn missing(company: &str) -> Response {
    control_error(
        StatusCode::NOT_FOUND,
        format!("no Personio company {company}"),
    )
}

async fn setup(
    State(sb): State<Sandbox>,
    Path(company): Company_,
    Json(s): Json<PersonioSetup>,
) -> Response {
    sb.personio_company(&company, s);
    StatusCode::NO_CONTENT.into_response()
}

async fn set_jobs(
    State(sb): State<Sandbox>,
    Path(company): Company_,
    Json(jobs): Json<Vec<SimJob>>,
) -> Response {
    match sb.personio_jobs(&company, jobs) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => missing(&company),
    }
}

async fn applications(State(sb): State<Sandbox>, Path(company): Company_) -> Response {
    match sb.with_personio(&company, |c| c.applications.clone()) {
        Some(a) => Json(json!({ "applications": a })).into_response(),
        None => missing(&company),
    }
}

async fn add_application(
    State(sb): State<Sandbox>,
    Path(company): Company_,
    Json(a): Json<Value>,
) -> Response {
    match sb.personio_add_application(&company, a) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => missing(&company),
    }
}

async fn documents(State(sb): State<Sandbox>, Path(company): Company_) -> Response {
    match sb.with_personio(&company, |c| {
        c.documents.values().cloned().collect::<Vec<_>>()
    }) {
        Some(d) => Json(json!({ "documents": d })).into_response(),
        None => missing(&company),
    }
}

async fn stats(State(sb): State<Sandbox>, Path(company): Company_) -> Response {
    match sb.with_personio(&company, |c| c.stats()) {
        Some(s) => Json(s).into_response(),
        None => missing(&company),
    }
}

#[derive(Deserialize)]
struct Lose {
    count: u32,
}

async fn lose(State(sb): State<Sandbox>, Path(company): Company_, Json(l): Json<Lose>) -> Response {
    match sb.personio_lose_answers(&company, l.count) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => missing(&company),
    }
}

pub(super) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/personio/companies/{company}", put(setup))
        .route("/personio/companies/{company}/jobs", put(set_jobs))
        .route(
            "/personio/companies/{company}/applications",
            get(applications).post(add_application),
        )
        .route("/personio/companies/{company}/documents", get(documents))
        .route("/personio/companies/{company}/stats", get(stats))
        .route("/personio/companies/{company}/lose-answers", post(lose))
}
