//! Personio's control API (`/_control/personio/companies/{company_id}…`): set a company up
//! (legacy token, OAuth clients and their scopes, career-site domain, positions, channels,
//! features, limit, how its application list answers), read back its applications,
//! documents and statistics, add an applicant as if they applied on the career page, lose
//! the answers of the next creates or drop them before Personio processes them, hold the
//! application list back, and revoke its access tokens.

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

/// An API credential of the company (v2): what the token endpoint takes, and the scopes its
/// tokens carry.
#[derive(Debug, Clone, Deserialize)]
pub struct OAuthClient {
    /// Client ID.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// Read scopes (`personio:recruiting:read` lets it read applications back).
    #[serde(default = "read_scope")]
    pub scopes: Vec<String>,
    /// Whether its tokens also carry `personio:recruiting:write`, which filing an
    /// application and uploading a document need (granted unless withheld).
    #[serde(default = "yes")]
    pub recruiting_write: bool,
}

fn read_scope() -> Vec<String> {
    vec![super::READ_SCOPE.into()]
}

impl OAuthClient {
    /// The scopes its tokens carry.
    pub(super) fn granted(&self) -> Vec<String> {
        let mut scopes = self.scopes.clone();
        if self.recruiting_write && !scopes.iter().any(|s| s == super::WRITE_SCOPE) {
            scopes.push(super::WRITE_SCOPE.into());
        }
        scopes
    }
}

/// How the application list (`GET /v2/recruiting/applications`) answers: as Personio
/// documents it, or one of the answers a client must not take for a complete list. The
/// paging faults answer as a list that ignores the `candidate.email` filter in a company
/// with more applications than a client reads: full pages of other candidates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListFault {
    /// As documented.
    #[default]
    None,
    /// 503 (after the client's retries: a transient read-back error).
    Unavailable,
    /// 200 without `_data`.
    WithoutData,
    /// Pages of other candidates, each linking a next page whose href has no `cursor`.
    CursorlessNext,
    /// Pages of other candidates, each linking the same next page.
    SameCursor,
    /// Pages of other candidates, each linking the next, without end.
    Endless,
    /// 400: the `candidate.email` filter is refused (no violation of renkei's).
    EmailFilterRefused,
}

impl ListFault {
    /// Whether the list answers pages of other candidates.
    pub(super) fn pages_others(self) -> bool {
        matches!(
            self,
            ListFault::CursorlessNext | ListFault::SameCursor | ListFault::Endless
        )
    }
}

fn day() -> u64 {
    86_400
}

fn de() -> String {
    "de".into()
}

/// How a company is set up (`PUT /_control/personio/companies/{company_id}`); setting up
/// again keeps its applications and documents.
#[derive(Debug, Clone, Deserialize)]
pub struct PersonioSetup {
    /// The legacy (v1) Recruiting API access token.
    pub token: String,
    /// Its API credentials (v2).
    #[serde(default)]
    pub oauth_clients: Vec<OAuthClient>,
    /// How long an access token lives, in simulated seconds (24 h).
    #[serde(default = "day")]
    pub token_lifetime_seconds: u64,
    /// The career site's domain (`{domain}.jobs.personio.de|com`).
    pub domain: String,
    /// Where the career site lives: `de` or `com` (then its `.de` address answers 301 to it).
    #[serde(default = "de")]
    pub site_tld: String,
    /// The feed redirects (302) to this URL instead of answering.
    #[serde(default)]
    pub redirect_to: Option<String>,
    /// The career site answers this status (with an HTML page) instead of the feed.
    #[serde(default)]
    pub site_status: Option<u16>,
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
    /// How the application list answers.
    #[serde(default)]
    pub list_fault: ListFault,
}

fn yes() -> bool {
    true
}

impl Default for PersonioSetup {
    fn default() -> Self {
        Self {
            token: String::new(),
            oauth_clients: Vec::new(),
            token_lifetime_seconds: day(),
            domain: String::new(),
            site_tld: de(),
            redirect_to: None,
            site_status: None,
            jobs: Vec::new(),
            channels: Vec::new(),
            custom_attributes: Vec::new(),
            recruiting: true,
            public_api: true,
            xml: true,
            per_minute: None,
            list_fault: ListFault::None,
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
            "application_posts": self.application_posts,
            "application_reads": self.application_reads,
            "document_posts": self.document_posts,
            "token_requests": self.token_requests,
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
}

/// The Personio simulator's control operations, for in-process callers (the same
/// operations as its control routes): `sandbox.personio().…`.
#[derive(Clone, Copy)]
pub struct PersonioControl<'a>(&'a Sandbox);

impl Sandbox {
    /// The Personio simulator's control operations.
    pub fn personio(&self) -> PersonioControl<'_> {
        PersonioControl(self)
    }
}

impl PersonioControl<'_> {
    /// Sets up (or reconfigures) a Personio company.
    pub fn company(&self, company: &str, setup: PersonioSetup) {
        self.0
            .world()
            .state::<Personio>()
            .companies
            .entry(company.to_string())
            .or_default()
            .setup = setup;
    }

    /// Replaces a company's positions (publish, unpublish, remove).
    pub fn jobs(&self, company: &str, jobs: Vec<SimJob>) -> Result<(), String> {
        self.0
            .with_personio(company, |c| c.setup.jobs = jobs)
            .ok_or_else(|| format!("no Personio company {company}"))
    }

    /// The applications a company holds, as filed.
    pub fn applications(&self, company: &str) -> Vec<Value> {
        self.0
            .with_personio(company, |c| c.applications.clone())
            .unwrap_or_default()
    }

    /// The documents uploaded to a company.
    pub fn documents(&self, company: &str) -> Vec<Value> {
        self.0
            .with_personio(company, |c| c.documents.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Request statistics (with every non-conforming request body).
    pub fn stats(&self, company: &str) -> Value {
        self.0
            .with_personio(company, |c| c.stats())
            .unwrap_or(Value::Null)
    }

    /// Files an applicant directly, as if they applied on the career page (now, unless the
    /// application says `created_at`).
    pub fn add_application(&self, company: &str, mut application: Value) -> Result<(), String> {
        let now = self.0.world().clock.now();
        if application.get("created_at").is_none() {
            application["created_at"] = json!(now);
        }
        self.0
            .with_personio(company, |c| c.add_application(application))
            .ok_or_else(|| format!("no Personio company {company}"))
    }

    /// Revokes every access token issued for the company's clients (the next v2 call is
    /// answered 401); answers how many.
    pub fn revoke_tokens(&self, company: &str) -> usize {
        super::oauth::revoke(self.0.world().state::<Personio>(), company)
    }

    /// The answers of the next `count` creates are lost after Personio processed them.
    pub fn lose_answers(&self, company: &str, count: u32) -> Result<(), String> {
        self.0
            .with_personio(company, |c| c.lose_answers = count)
            .ok_or_else(|| format!("no Personio company {company}"))
    }

    /// Holds the application list back (`held`): what is filed from now on is not listed
    /// until it is released (`!held`), as a list that lags behind the filing would.
    pub fn hold_listing(&self, company: &str, held: bool) -> Result<(), String> {
        let now = self.0.world().clock.now();
        self.0
            .with_personio(company, |c| c.listing_held_since = held.then_some(now))
            .ok_or_else(|| format!("no Personio company {company}"))
    }

    /// The next `count` creates are answered 503 before Personio processed them: nothing is
    /// filed, but the client cannot know.
    pub fn drop_creates(&self, company: &str, count: u32) -> Result<(), String> {
        self.0
            .with_personio(company, |c| c.drop_creates = count)
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
    sb.personio().company(&company, s);
    StatusCode::NO_CONTENT.into_response()
}

async fn set_jobs(
    State(sb): State<Sandbox>,
    Path(company): Company_,
    Json(jobs): Json<Vec<SimJob>>,
) -> Response {
    match sb.personio().jobs(&company, jobs) {
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
    match sb.personio().add_application(&company, a) {
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

#[derive(Deserialize)]
struct Hold {
    held: bool,
}

async fn hold_listing(
    State(sb): State<Sandbox>,
    Path(company): Company_,
    Json(h): Json<Hold>,
) -> Response {
    match sb.personio().hold_listing(&company, h.held) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => missing(&company),
    }
}

async fn revoke(State(sb): State<Sandbox>, Path(company): Company_) -> Response {
    let revoked = sb.personio().revoke_tokens(&company);
    Json(json!({ "revoked": revoked })).into_response()
}

async fn lose(State(sb): State<Sandbox>, Path(company): Company_, Json(l): Json<Lose>) -> Response {
    match sb.personio().lose_answers(&company, l.count) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => missing(&company),
    }
}

async fn drop_creates(
    State(sb): State<Sandbox>,
    Path(company): Company_,
    Json(l): Json<Lose>,
) -> Response {
    match sb.personio().drop_creates(&company, l.count) {
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
        .route(
            "/personio/companies/{company}/drop-creates",
            post(drop_creates),
        )
        .route(
            "/personio/companies/{company}/hold-listing",
            post(hold_listing),
        )
        .route("/personio/companies/{company}/revoke-tokens", post(revoke))
}
