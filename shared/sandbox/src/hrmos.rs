//! HRMOS採用 simulator: renkei's assumed home contract (docs/contracts/hrmos.md). Jobs,
//! applicants in selection (選考管理) or in the import queue (応募情報インポート), creation
//! idempotent by source key, 422 for invalid data, and 600 requests per simulated minute per
//! API key answered with a bare 429 beyond it.

use crate::{Sandbox, control_error};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};

/// A job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HrmosJob {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// `open` or `closed`.
    #[serde(default = "open")]
    pub status: String,
}

fn open() -> String {
    "open".into()
}

/// A tenant's setup.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct HrmosSetup {
    /// Jobs.
    pub jobs: Vec<HrmosJob>,
    /// Requests per simulated minute; None: unlimited.
    pub per_minute: Option<u32>,
}

#[derive(Default)]
struct Tenant {
    setup: HrmosSetup,
    applicants: Vec<Value>,
    by_source: HashMap<(String, String), usize>,
    recent: VecDeque<DateTime<Utc>>,
    requests: u64,
    throttled: u64,
    creates: u64,
    repeats: u64,
}

#[derive(Default)]
pub(crate) struct Hrmos {
    tenants: HashMap<String, Tenant>,
}

impl Hrmos {
    pub fn setup(&mut self, key: &str, setup: HrmosSetup) {
        self.tenants.entry(key.to_string()).or_default().setup = setup;
    }

    pub fn applicants(&self, key: &str) -> Vec<Value> {
        self.tenants
            .get(key)
            .map(|t| t.applicants.clone())
            .unwrap_or_default()
    }

    pub fn stats(&self, key: &str) -> Value {
        self.tenants.get(key).map_or(Value::Null, |t| {
            json!({"requests": t.requests, "throttled": t.throttled, "creates": t.creates,
                   "idempotent_repeats": t.repeats, "applicants": t.applicants.len()})
        })
    }
}

/// Authenticates, counts the request against the tenant's limit, and answers with `f`.
fn enter(
    sb: &Sandbox,
    headers: &HeaderMap,
    f: impl FnOnce(&mut Tenant, DateTime<Utc>) -> Response,
) -> Response {
    let mut w = sb.world();
    let now = w.clock.now();
    let key = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let Some(t) = w.state::<crate::hrmos::Hrmos>().tenants.get_mut(key) else {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"errors": [{"field": "", "message": "APIキーが正しくありません"}]})),
        )
            .into_response();
    };
    t.requests += 1;
    if let Some(limit) = t.setup.per_minute {
        while t
            .recent
            .front()
            .is_some_and(|&x| x <= now - Duration::minutes(1))
        {
            t.recent.pop_front();
        }
        if t.recent.len() >= limit as usize {
            t.throttled += 1;
            // As HRMOS CORE: 429 with no body.
            return StatusCode::TOO_MANY_REQUESTS.into_response();
        }
        t.recent.push_back(now);
    }
    f(t, now)
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<usize>,
}

const JOBS_PER_PAGE: usize = 50;

async fn jobs(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    enter(&sb, &headers, |t, _| {
        let page = q.page.unwrap_or(1).max(1);
        let start = (page - 1) * JOBS_PER_PAGE;
        let list: Vec<&HrmosJob> = t
            .setup
            .jobs
            .iter()
            .skip(start)
            .take(JOBS_PER_PAGE)
            .collect();
        let next = (start + JOBS_PER_PAGE < t.setup.jobs.len()).then_some(page + 1);
        Json(json!({"jobs": list, "next_page": next})).into_response()
    })
}

#[derive(Deserialize)]
struct FindQuery {
    source_medium: String,
    source_id: String,
}

async fn find(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Query(q): Query<FindQuery>,
) -> Response {
    enter(&sb, &headers, |t, _| {
        let found: Vec<&Value> = t
            .by_source
            .get(&(q.source_medium, q.source_id))
            .map(|&i| &t.applicants[i])
            .into_iter()
            .collect();
        Json(json!({ "applicants": found })).into_response()
    })
}

fn invalid(field: &str, message: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({"errors": [{"field": field, "message": message}]})),
    )
        .into_response()
}

async fn create(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    enter(&sb, &headers, |t, now| {
        let text = |p: &str| body.pointer(p).and_then(Value::as_str).unwrap_or_default();
        let (medium, id) = (text("/source/medium"), text("/source/id"));
        if medium.is_empty() || id.is_empty() {
            return invalid("source", "媒体と応募IDは必須です");
        }
        if let Some(&i) = t.by_source.get(&(medium.to_string(), id.to_string())) {
            t.repeats += 1;
            let existing = t.applicants[i]["id"].clone();
            return (
                StatusCode::OK,
                Json(json!({"id": existing, "created": false})),
            )
                .into_response();
        }
        if text("/applicant/family_name").is_empty() {
            return invalid("applicant.family_name", "氏名(姓)は必須です");
        }
        if text("/applicant/email").is_empty() {
            return invalid("applicant.email", "メールアドレスは必須です");
        }
        if text("/applicant/family_name").chars().count() > 50 {
            return invalid(
                "applicant.family_name",
                "氏名(姓)は50文字以内で入力してください",
            );
        }
        match text("/placement/kind") {
            "selection" => {
                let job = text("/placement/job_id");
                match t.setup.jobs.iter().find(|j| j.id == job) {
                    Some(j) if j.status == "open" => {}
                    Some(_) => return invalid("placement.job_id", "募集が終了した求人です"),
                    None => return invalid("placement.job_id", "求人が見つかりません"),
                }
            }
            "import_queue" => {}
            _ => {
                return invalid(
                    "placement.kind",
                    "selection か import_queue を指定してください",
                );
            }
        }
        t.creates += 1;
        let new_id = format!("A{:06}", t.applicants.len() + 1);
        let mut stored = body.clone();
        stored["id"] = json!(new_id);
        stored["created_at"] = json!(now.to_rfc3339());
        t.by_source
            .insert((medium.to_string(), id.to_string()), t.applicants.len());
        t.applicants.push(stored);
        (
            StatusCode::CREATED,
            Json(json!({"id": new_id, "created": true})),
        )
            .into_response()
    })
}

async fn control_setup(
    State(sb): State<Sandbox>,
    Path(key): Path<String>,
    Json(setup): Json<HrmosSetup>,
) -> Response {
    sb.world().state::<crate::hrmos::Hrmos>().setup(&key, setup);
    StatusCode::NO_CONTENT.into_response()
}

async fn control_stats(State(sb): State<Sandbox>, Path(key): Path<String>) -> Response {
    match sb.world().state::<crate::hrmos::Hrmos>().stats(&key) {
        Value::Null => control_error(StatusCode::NOT_FOUND, format!("no HRMOS tenant {key}")),
        v => Json(v).into_response(),
    }
}

async fn control_applicants(State(sb): State<Sandbox>, Path(key): Path<String>) -> Response {
    Json(json!({"applicants": sb.world().state::<crate::hrmos::Hrmos>().applicants(&key)}))
        .into_response()
}

/// The HRMOS simulator's registration.
pub(crate) struct Sim;

impl crate::Simulator for Sim {
    fn name(&self) -> &'static str {
        "hrmos"
    }
    fn prefix(&self) -> Option<&'static str> {
        Some("/hrmos/api/v1")
    }
    fn base_path(&self) -> Option<&'static str> {
        Some("/hrmos")
    }
    fn routes(&self) -> Router<Sandbox> {
        Router::new()
            .route("/jobs", get(jobs))
            .route("/applicants", get(find).post(create))
    }
    fn control_routes(&self) -> Router<Sandbox> {
        Router::new()
            .route(
                "/hrmos/tenants/{key}",
                put(control_setup).get(control_stats),
            )
            .route("/hrmos/tenants/{key}/applicants", get(control_applicants))
    }
}

/// The HRMOS simulator's control operations, for in-process callers (the same
/// operations as its control routes): `sandbox.hrmos().…`.
#[derive(Clone, Copy)]
pub struct HrmosControl<'a>(&'a Sandbox);

impl Sandbox {
    /// The HRMOS simulator's control operations.
    pub fn hrmos(&self) -> HrmosControl<'_> {
        HrmosControl(self)
    }
}

impl HrmosControl<'_> {
    /// Sets up (or replaces the jobs and limit of) an HRMOS tenant reachable with `api_key`.
    pub fn tenant(&self, api_key: &str, setup: HrmosSetup) {
        self.0
            .world()
            .state::<crate::hrmos::Hrmos>()
            .setup(api_key, setup);
    }

    /// The applicants an HRMOS tenant holds, as created.
    pub fn applicants(&self, api_key: &str) -> Vec<Value> {
        self.0
            .world()
            .state::<crate::hrmos::Hrmos>()
            .applicants(api_key)
    }

    /// Request statistics of an HRMOS tenant.
    pub fn stats(&self, api_key: &str) -> Value {
        self.0.world().state::<crate::hrmos::Hrmos>().stats(api_key)
    }
}
