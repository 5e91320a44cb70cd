//! ミキワメ simulator: renkei's assumed home contract (docs/contracts/mikiwame.md).
//! Departments are upserted by 部署コード (a 親部署 code must exist, or come earlier in the
//! same call; at most 10 levels), employees by email (a 所属部署 code must exist); at most
//! 100 records a call, each answered with its own result or error code; 60 requests a
//! minute per API key.
//!
//! API under `/mikiwame/api/v1`; control under `/_control/mikiwame/companies/{api_key}`.

use crate::common::{MinuteWindow, api_error, bearer};
use crate::{Sandbox, control_error};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Records per upsert call.
pub const MAX_BATCH: usize = 100;
/// Levels of the department hierarchy.
pub const MAX_DEPTH: usize = 10;
/// The employment types Mikiwame knows.
pub const EMPLOYMENT_TYPES: &[&str] = &[
    "正社員",
    "契約社員",
    "派遣社員",
    "パート・アルバイト",
    "業務委託",
    "その他",
];

/// How a company is set up (`PUT /_control/mikiwame/companies/{api_key}`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MikiwameSetup {
    /// Requests per minute (None: unlimited; the contract's is 60).
    #[serde(default)]
    pub per_minute: Option<u32>,
}

#[derive(Default)]
struct Company {
    setup: MikiwameSetup,
    departments: BTreeMap<String, Value>,
    employees: BTreeMap<String, Value>,
    window: MinuteWindow,
    requests: u64,
    department_writes: u64,
    employee_writes: u64,
}

#[derive(Default)]
pub(crate) struct Mikiwame {
    companies: HashMap<String, Company>,
}

fn text<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn error(key: &str, code: &str, message: impl Into<String>) -> Value {
    json!({"key": key, "status": "error", "error": {"code": code, "message": message.into()}})
}

impl Company {
    fn depth(&self, code: &str) -> usize {
        let mut depth = 0;
        let mut cur = Some(code.to_string());
        while let Some(c) = cur {
            depth += 1;
            if depth > MAX_DEPTH + 1 {
                break;
            }
            cur = self
                .departments
                .get(&c)
                .and_then(|d| text(d, "parent_code"))
                .map(str::to_string);
        }
        depth
    }

    fn upsert_department(&mut self, d: &Value) -> Value {
        let Some(code) = text(d, "code") else {
            return error("", "invalid_value", "code is required");
        };
        let Some(name) = text(d, "name") else {
            return error(code, "invalid_value", "name is required");
        };
        let parent = text(d, "parent_code");
        if let Some(p) = parent {
            if !self.departments.contains_key(p) {
                return error(
                    code,
                    "parent_not_found",
                    format!("parent {p} does not exist"),
                );
            }
            if p == code || self.depth(p) >= MAX_DEPTH {
                return error(
                    code,
                    "invalid_value",
                    "hierarchy deeper than 10 levels or cyclic",
                );
            }
        }
        let record = json!({"code": code, "name": name, "parent_code": parent});
        self.department_writes += 1;
        let status = match self.departments.insert(code.to_string(), record) {
            Some(_) => "updated",
            None => "created",
        };
        json!({"key": code, "status": status})
    }

    fn upsert_employee(&mut self, e: &Value) -> Value {
        let Some(email) = text(e, "email").map(str::to_lowercase) else {
            return error("", "invalid_value", "email is required");
        };
        if !email.contains('@') {
            return error(&email, "invalid_value", "email is malformed");
        }
        for k in [
            "last_name",
            "first_name",
            "last_name_kana",
            "first_name_kana",
        ] {
            if text(e, k).is_none() {
                return error(&email, "invalid_value", format!("{k} is required"));
            }
        }
        if let Some(d) = text(e, "department_code")
            && !self.departments.contains_key(d)
        {
            return error(
                &email,
                "department_not_found",
                format!("department {d} does not exist"),
            );
        }
        if let Some(t) = text(e, "employment_type")
            && !EMPLOYMENT_TYPES.contains(&t)
        {
            return error(
                &email,
                "invalid_value",
                format!("unknown employment type {t}"),
            );
        }
        let mut record = e.clone();
        record["email"] = json!(email);
        self.employee_writes += 1;
        let status = match self.employees.insert(email.clone(), record) {
            Some(_) => "updated",
            None => "created",
        };
        json!({"key": email, "status": status})
    }
}

/// Runs `f` for a call with a known API key within the limit.
fn authorized(
    sb: &Sandbox,
    headers: &HeaderMap,
    f: impl FnOnce(&mut Company) -> Response,
) -> Response {
    let mut w = sb.world();
    let now = w.clock.now();
    let Some(c) = bearer(headers).and_then(|k| w.state::<Mikiwame>().companies.get_mut(&k)) else {
        return api_error(
            StatusCode::UNAUTHORIZED,
            json!({"error": "invalid API key"}),
        );
    };
    c.requests += 1;
    if let Err(r) = c.window.admit(c.setup.per_minute, now) {
        return r;
    }
    f(c)
}

async fn departments(State(sb): State<Sandbox>, headers: HeaderMap) -> Response {
    authorized(&sb, &headers, |c| {
        let list: Vec<&Value> = c.departments.values().collect();
        Json(json!({"departments": list})).into_response()
    })
}

/// Checks an upsert body: `{field: [≤ 100 records]}`.
fn batch(body: &Value, field: &str) -> Result<Vec<Value>, Response> {
    let list = body.get(field).and_then(Value::as_array).ok_or_else(|| {
        api_error(
            StatusCode::BAD_REQUEST,
            json!({"error": format!("body needs \"{field}\": [...]")}),
        )
    })?;
    if list.len() > MAX_BATCH {
        return Err(api_error(
            StatusCode::BAD_REQUEST,
            json!({"error": format!("at most {MAX_BATCH} records per call")}),
        ));
    }
    Ok(list.clone())
}

/// Upserts records one by one; a key seen twice in one call is refused the second time.
fn upsert(
    sb: &Sandbox,
    headers: &HeaderMap,
    body: &Value,
    field: &str,
    key: &str,
    one: fn(&mut Company, &Value) -> Value,
) -> Response {
    let list = match batch(body, field) {
        Ok(l) => l,
        Err(r) => return r,
    };
    authorized(sb, headers, |c| {
        let mut seen = HashSet::new();
        let results: Vec<Value> = list
            .iter()
            .map(|r| {
                let k = text(r, key).unwrap_or_default().to_lowercase();
                if !k.is_empty() && !seen.insert(k.clone()) {
                    return error(&k, "duplicate_key", "the same key twice in one call");
                }
                one(c, r)
            })
            .collect();
        Json(json!({"results": results})).into_response()
    })
}

async fn upsert_departments(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    upsert(
        &sb,
        &headers,
        &body,
        "departments",
        "code",
        Company::upsert_department,
    )
}

async fn upsert_employees(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    upsert(
        &sb,
        &headers,
        &body,
        "employees",
        "email",
        Company::upsert_employee,
    )
}

// ---- control

async fn control_setup(
    State(sb): State<Sandbox>,
    Path(key): Path<String>,
    Json(s): Json<MikiwameSetup>,
) -> Response {
    sb.mikiwame().company(&key, s);
    StatusCode::NO_CONTENT.into_response()
}

fn read(sb: &Sandbox, key: &str, f: impl FnOnce(&Company) -> Value) -> Response {
    let mut w = sb.world();
    match w.state::<Mikiwame>().companies.get(key) {
        Some(c) => Json(f(c)).into_response(),
        None => control_error(
            StatusCode::NOT_FOUND,
            format!("no Mikiwame company with API key {key}"),
        ),
    }
}

async fn control_departments(State(sb): State<Sandbox>, Path(key): Path<String>) -> Response {
    read(
        &sb,
        &key,
        |c| json!({"departments": c.departments.values().collect::<Vec<_>>()}),
    )
}

async fn control_add_departments(
    State(sb): State<Sandbox>,
    Path(key): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let list = match body {
        Value::Array(a) => a,
        other => vec![other],
    };
    let mut w = sb.world();
    let Some(c) = w.state::<Mikiwame>().companies.get_mut(&key) else {
        return control_error(
            StatusCode::NOT_FOUND,
            format!("no Mikiwame company with API key {key}"),
        );
    };
    let results: Vec<Value> = list.iter().map(|d| c.upsert_department(d)).collect();
    Json(json!({"results": results})).into_response()
}

async fn control_employees(State(sb): State<Sandbox>, Path(key): Path<String>) -> Response {
    read(
        &sb,
        &key,
        |c| json!({"employees": c.employees.values().collect::<Vec<_>>()}),
    )
}

async fn control_stats(State(sb): State<Sandbox>, Path(key): Path<String>) -> Response {
    read(&sb, &key, |c| {
        json!({"requests": c.requests, "throttled": c.window.throttled,
               "department_writes": c.department_writes, "employee_writes": c.employee_writes})
    })
}

/// The Mikiwame simulator's control operations, for in-process callers (the same
/// operations as its control routes): `sandbox.mikiwame().…`.
#[derive(Clone, Copy)]
pub struct MikiwameControl<'a>(&'a Sandbox);

impl Sandbox {
    /// The Mikiwame simulator's control operations.
    pub fn mikiwame(&self) -> MikiwameControl<'_> {
        MikiwameControl(self)
    }
}

impl MikiwameControl<'_> {
    /// Sets up a Mikiwame company reachable with `api_key` (keeps its data if it exists).
    pub fn company(&self, api_key: &str, setup: MikiwameSetup) {
        let mut w = self.0.world();
        w.state::<Mikiwame>()
            .companies
            .entry(api_key.to_string())
            .or_default()
            .setup = setup;
    }

    /// The departments a Mikiwame company holds.
    pub fn departments(&self, api_key: &str) -> Vec<Value> {
        let mut w = self.0.world();
        w.state::<Mikiwame>()
            .companies
            .get(api_key)
            .map(|c| c.departments.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The employees a Mikiwame company holds.
    pub fn employees(&self, api_key: &str) -> Vec<Value> {
        let mut w = self.0.world();
        w.state::<Mikiwame>()
            .companies
            .get(api_key)
            .map(|c| c.employees.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Records written to a Mikiwame company: (departments, employees).
    pub fn writes(&self, api_key: &str) -> (u64, u64) {
        let mut w = self.0.world();
        w.state::<Mikiwame>()
            .companies
            .get(api_key)
            .map_or((0, 0), |c| (c.department_writes, c.employee_writes))
    }
}

/// The Mikiwame simulator's registration.
pub(crate) struct Sim;

impl crate::Simulator for Sim {
    fn name(&self) -> &'static str {
        "mikiwame"
    }
    fn prefix(&self) -> Option<&'static str> {
        Some("/mikiwame/api/v1")
    }
    fn base_path(&self) -> Option<&'static str> {
        Some("/mikiwame")
    }
    fn routes(&self) -> Router<Sandbox> {
        Router::new()
            .route("/departments", get(departments))
            .route("/departments/upsert", post(upsert_departments))
            .route("/employees/upsert", post(upsert_employees))
    }
    fn control_routes(&self) -> Router<Sandbox> {
        Router::new()
            .route("/mikiwame/companies/{key}", put(control_setup))
            .route(
                "/mikiwame/companies/{key}/departments",
                get(control_departments).post(control_add_departments),
            )
            .route(
                "/mikiwame/companies/{key}/employees",
                get(control_employees),
            )
            .route("/mikiwame/companies/{key}/stats", get(control_stats))
    }
}
