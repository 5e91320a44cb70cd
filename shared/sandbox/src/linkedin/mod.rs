//! LinkedIn Recruiter System Connect simulator (remote side of C5), faithful to
//! vendor-contracts.md and docs/contracts/linkedin.md, under `/linkedin`:
//!
//! - `POST /oauth/v2/accessToken` (client credentials; tokens live 30 simulated minutes);
//! - the partner's parent application provisions child applications
//!   (`provisionedApplications`, unique `uniqueForeignId`) and reads customers' Recruiter
//!   contracts (`recruiterContracts`, with types and users' permissions);
//! - a child application enables `atsIntegrations` (refused for Lite contracts and users
//!   without admin/product-settings permission), which turn ACTIVE after N status checks,
//!   and sets the CALLBACK_URL (`atsIntegrationConfigurations`);
//! - sync resources with rest.li batch semantics (≤ 100 entities, a status per entity,
//!   omitted application fields stored as null, references checked), deletion cascading
//!   from candidates to applications to their stages, notes and feedback, jobs through
//!   asynchronous tasks;
//! - both limits per application: records per minute and requests per UTC day (429 with
//!   Retry-After); every path also under `/rest/` where `LinkedIn-Version` is required.
//!
//! Control under `/_control/linkedin/…` (control.rs, docs/sandbox.md).

mod contract;
mod control;
mod held;
mod jobs;
mod onboarding;
mod partner;
mod recruiter;
mod resources;
mod widget;

pub use control::{LinkedinControl, LinkedinLimits, Organization};
pub use recruiter::{Export, Stub};
use resources::COLLECTIONS;

use crate::common::{api_error, bearer};
use crate::{Sandbox, World};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};

#[derive(Default)]
pub(crate) struct App {
    secret: String,
    parent: bool,
    unique_foreign_id: Option<String>,
    context: Option<String>,
    day: Option<NaiveDate>,
    today: u32,
    recent: VecDeque<(DateTime<Utc>, u32)>,
    /// Every batch call: when and how many records (for the records-per-minute statistic).
    history: Vec<(DateTime<Utc>, u32)>,
    requests: u64,
    records: u64,
    throttled: u64,
}

#[derive(Default)]
pub(crate) struct Context {
    integrations: Vec<Value>,
    checks_left: u32,
    callback_url: Option<String>,
    contract: Option<String>,
    /// resource → id → entity.
    entities: HashMap<String, BTreeMap<String, Value>>,
    jobs: BTreeMap<String, Value>,
    /// Entities that arrived with application fields missing (LinkedIn nulled them).
    nulled: Vec<String>,
}

#[derive(Default)]
pub(crate) struct Linkedin {
    apps: HashMap<String, App>,
    tokens: HashMap<String, (String, DateTime<Utc>)>,
    organizations: HashMap<String, Organization>,
    contexts: HashMap<String, Context>,
    tasks: HashMap<String, (Value, u32)>,
    limits: LinkedinLimits,
    lose_answers: u32,
    seq: u64,
    recruiter: recruiter::Recruiter,
    /// Requests and entities LinkedIn would refuse, with why (contract.rs).
    nonconformant: Vec<Value>,
    /// Child applications' registrations, notifications' requests, widget sessions.
    onboarding: onboarding::State,
}

/// One API call as the router sees it, for the handlers that take a whole call.
pub(crate) struct Call<'a> {
    /// The HTTP method.
    pub method: &'a Method,
    /// `x-restli-method`, lowercased ("" when absent).
    pub restli: &'a str,
    /// The resource (`atsApplications`).
    pub resource: &'a str,
    /// What follows the resource: `{parent key}/{sub-resource}`.
    pub sub: Option<&'a str>,
    /// The query, in order, decoded.
    pub query: &'a [(String, String)],
    /// The JSON body (Null when empty).
    pub body: &'a Value,
}

fn li_error(status: StatusCode, message: impl Into<String>) -> Response {
    api_error(
        status,
        json!({"status": status.as_u16(), "serviceErrorCode": 100, "message": message.into()}),
    )
}

impl Linkedin {
    fn next(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The application calling with `headers`' token, counted against its limits.
    fn caller(
        &mut self,
        headers: &HeaderMap,
        now: DateTime<Utc>,
        records: u32,
    ) -> Result<String, Response> {
        let token = bearer(headers).unwrap_or_default();
        let Some((app_id, expires)) = self.tokens.get(&token).cloned() else {
            return Err(li_error(StatusCode::UNAUTHORIZED, "Invalid access token"));
        };
        if expires <= now {
            return Err(li_error(
                StatusCode::UNAUTHORIZED,
                "The token used in the request has expired",
            ));
        }
        let limits = self.limits.clone();
        let app = self
            .apps
            .get_mut(&app_id)
            .ok_or_else(|| li_error(StatusCode::UNAUTHORIZED, "application no longer exists"))?;
        let today = now.date_naive();
        if app.day != Some(today) {
            app.day = Some(today);
            app.today = 0;
        }
        if app.today >= limits.requests_per_day {
            app.throttled += 1;
            let midnight = (today + Duration::days(1))
                .and_hms_opt(0, 0, 0)
                .map_or(now, |m| m.and_utc());
            let wait = (midnight - now).num_seconds().max(1);
            return Err((
                StatusCode::TOO_MANY_REQUESTS,
                [("Retry-After", wait.to_string())],
                Json(json!({"status": 429, "message": "Resource level throttle APPLICATION DAY limit for calls to this resource is reached."})),
            )
                .into_response());
        }
        while app
            .recent
            .front()
            .is_some_and(|(t, _)| *t <= now - Duration::minutes(1))
        {
            app.recent.pop_front();
        }
        let used: u32 = app.recent.iter().map(|(_, n)| n).sum();
        if records > 0 && used + records > limits.records_per_minute {
            app.throttled += 1;
            let wait = app.recent.front().map_or(1, |(t, _)| {
                (*t + Duration::minutes(1) - now).num_seconds().max(1)
            });
            return Err((
                StatusCode::TOO_MANY_REQUESTS,
                [("Retry-After", wait.to_string())],
                Json(json!({"status": 429, "message": "records per minute exceeded"})),
            )
                .into_response());
        }
        app.today += 1;
        app.requests += 1;
        if records > 0 {
            app.recent.push_back((now, records));
            app.history.push((now, records));
            app.records += u64::from(records);
        }
        Ok(app_id)
    }

    fn context_of(&self, app: &str) -> Option<String> {
        self.apps.get(app).and_then(|a| a.context.clone())
    }
}

/// Runs `f` for an API call within the world's lock (the clock, the simulator).
fn with(sb: &Sandbox, f: impl FnOnce(&mut Linkedin, DateTime<Utc>) -> Response) -> Response {
    let mut w: std::sync::MutexGuard<'_, World> = sb.world();
    let now = w.clock.now();
    f(w.state::<Linkedin>(), now)
}

async fn token(
    State(sb): State<Sandbox>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    with(&sb, |li, now| {
        if form.get("grant_type").map(String::as_str) == Some("authorization_code") {
            return li.exchange(&form, now);
        }
        if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
            return api_error(
                StatusCode::BAD_REQUEST,
                json!({"error": "unsupported_grant_type"}),
            );
        }
        let id = form.get("client_id").cloned().unwrap_or_default();
        let ok = li
            .apps
            .get(&id)
            .is_some_and(|a| Some(&a.secret) == form.get("client_secret"));
        if !ok {
            return api_error(
                StatusCode::UNAUTHORIZED,
                json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
            );
        }
        let token = format!("li-token-{}-{}", li.next(), fastrand::u64(..));
        li.tokens
            .insert(token.clone(), (id, now + Duration::seconds(1800)));
        Json(json!({"access_token": token, "expires_in": 1800})).into_response()
    })
}

/// Every API call: `/{v2|rest}/{resource}`.
async fn api(
    State(sb): State<Sandbox>,
    Path((generation, path)): Path<(String, String)>,
    method: Method,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match generation.as_str() {
        "v2" => {}
        "rest" if headers.get("linkedin-version").is_some() => {}
        "rest" => {
            return li_error(
                StatusCode::BAD_REQUEST,
                "A version must be present: set the LinkedIn-Version header (YYYYMM)",
            );
        }
        _ => return li_error(StatusCode::NOT_FOUND, "no such API"),
    }
    // `{resource}` or `{resource}/{parent key}/{sub-resource}` (rest.li sub-resources: an
    // application's stages, notes and feedback, a candidate's notes, an integration's
    // configurations).
    let (resource, sub) = match path.split_once('/') {
        Some((r, rest)) => (r.to_string(), Some(rest.to_string())),
        None => (path.clone(), None),
    };
    // The versioned API renamed these in 202602 (rsc-release-notes, "APIs migrated from v2
    // to REST"): their v2 names are not served under /rest/ from that version on. The
    // versioned forms themselves are not simulated (renkei speaks /v2/, docs/contracts).
    let version = headers
        .get("linkedin-version")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.get(..6))
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0);
    if generation == "rest"
        && version >= 202602
        && matches!(
            resource.as_str(),
            "atsCandidates" | "atsIntegrations" | "atsIntegrationConfigurations"
        )
    {
        return li_error(
            StatusCode::NOT_FOUND,
            format!("{resource} is not a resource of version {version}: see rsc-release-notes"),
        );
    }
    let body: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => return li_error(StatusCode::BAD_REQUEST, format!("body is not JSON: {e}")),
        }
    };
    let q = |k: &str| {
        query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let restli = headers
        .get("x-restli-method")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_lowercase();
    let call = Call {
        method: &method,
        restli: &restli,
        resource: &resource,
        sub: sub.as_deref(),
        query: &query,
        body: &body,
    };
    let records = resources::records_of(&call);
    with(&sb, |li, now| {
        if resource == "me" {
            return li.me(&headers, now);
        }
        if resource == "userinfo" {
            return li.userinfo(&headers, now);
        }
        let app = match li.caller(&headers, now, records) {
            Ok(a) => a,
            Err(r) => return r,
        };
        if let Some(r) = li.onboarding(&app, &call, now) {
            return r;
        }
        if let Some(r) = li.sub_resource(&app, &call, &headers) {
            return r;
        }
        if let Some(r) = li.batch(&app, &call, &headers) {
            return r;
        }
        if sub.is_some() {
            let why = format!("{method} {path} is not a resource method here");
            li.nonconformant
                .push(json!({"method": method.as_str(), "resource": path,
                "restli": restli, "violations": [why.clone()]}));
            return li_error(StatusCode::NOT_FOUND, why);
        }
        match (method.clone(), resource.as_str()) {
            (Method::GET, "provisionedApplications") => {
                li.find_children(&app, &q("uniqueForeignId"))
            }
            (Method::POST, "provisionedApplications") => li.provision(&app, &body),
            (Method::GET, "recruiterContracts") => li.contracts(&app, &q("organization")),
            (Method::POST, "simpleJobPostings") => li.post_jobs(&app, &call),
            (Method::GET, "simpleJobPostingTasks") => li.job_tasks(&call),
            (Method::GET, "exportedCandidates") => li.exported(&app, &q),
            (Method::GET, "mailStubs") => li.mail_stubs(&app, &call),
            (Method::GET, "seatsV2") => li.seats(&app, &call),
            (Method::GET, "matchedMembers") => li.matched_members(&app, &q),
            (Method::GET, "memberSearch") => li.member_search(&q),
            _ => {
                let why = format!("{method} {resource} ({restli}) is not a resource method here");
                li.nonconformant
                    .push(json!({"method": method.as_str(), "resource": resource,
                    "restli": restli, "violations": [why.clone()]}));
                li_error(StatusCode::NOT_FOUND, why)
            }
        }
    })
}

pub(crate) struct Sim;

impl crate::Simulator for Sim {
    fn name(&self) -> &'static str {
        "linkedin"
    }
    fn prefix(&self) -> Option<&'static str> {
        Some("/linkedin")
    }
    fn routes(&self) -> Router<Sandbox> {
        Router::new()
            .route("/oauth/v2/accessToken", post(token))
            .route("/{generation}/{*path}", any(api))
            .merge(widget::routes())
    }
    fn control_routes(&self) -> Router<Sandbox> {
        control::routes().merge(recruiter::routes())
    }
}
