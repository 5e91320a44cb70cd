//! ロウムメイト simulator: renkei's assumed home contract (docs/contracts/roumumate.md).
//! Every create or update of an employee is a change with a growing sequence number; the
//! cursor is the last sequence number a client has seen.

use crate::{Sandbox, control_error};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// Roumumate's fixed gender options (not changeable by customers).
pub const GENDER_OPTIONS: &[(&str, &str)] = &[
    ("male", "男性"),
    ("female", "女性"),
    ("unanswered", "未回答"),
];

#[derive(Default)]
struct Tenant {
    /// employee id → (change sequence, employee)
    employees: HashMap<String, (u64, Value)>,
    /// change sequence → employee id
    changes: BTreeMap<u64, String>,
}

#[derive(Default)]
pub(crate) struct Roumumate {
    tenants: HashMap<String, Tenant>,
    seq: u64,
}

impl Roumumate {
    pub fn upsert(&mut self, token: &str, employees: Vec<Value>) -> Result<usize, String> {
        let tenant = self.tenants.entry(token.to_string()).or_default();
        let n = employees.len();
        for e in employees {
            let id = e
                .get("id")
                .and_then(Value::as_str)
                .ok_or("every employee needs an \"id\"")?
                .to_string();
            self.seq += 1;
            if let Some((old, _)) = tenant.employees.get(&id) {
                tenant.changes.remove(old);
            }
            tenant.changes.insert(self.seq, id.clone());
            tenant.employees.insert(id, (self.seq, e));
        }
        Ok(n)
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::to_string)
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"error": "invalid API token"})),
    )
        .into_response()
}

#[derive(Deserialize)]
struct ListQuery {
    cursor: Option<String>,
    limit: Option<usize>,
}

async fn employees(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let mut w = sb.world();
    let Some(tenant) =
        bearer(&headers).and_then(|t| w.state::<crate::roumumate::Roumumate>().tenants.get(&t))
    else {
        return unauthorized();
    };
    let after: u64 = match q.cursor.as_deref().map(str::parse) {
        None => 0,
        Some(Ok(c)) => c,
        Some(Err(_)) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid cursor"})),
            )
                .into_response();
        }
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let mut page = Vec::new();
    let mut last = after;
    let mut has_more = false;
    for (seq, id) in tenant.changes.range(after + 1..) {
        if page.len() == limit {
            has_more = true;
            break;
        }
        page.push(tenant.employees[id].1.clone());
        last = *seq;
    }
    Json(json!({"employees": page, "next_cursor": last.to_string(), "has_more": has_more}))
        .into_response()
}

async fn cursor(State(sb): State<Sandbox>, headers: HeaderMap) -> Response {
    let mut w = sb.world();
    let Some(tenant) =
        bearer(&headers).and_then(|t| w.state::<crate::roumumate::Roumumate>().tenants.get(&t))
    else {
        return unauthorized();
    };
    let head = tenant.changes.keys().next_back().copied().unwrap_or(0);
    Json(json!({"cursor": head.to_string()})).into_response()
}

async fn gender_options(State(sb): State<Sandbox>, headers: HeaderMap) -> Response {
    let mut w = sb.world();
    if bearer(&headers)
        .and_then(|t| w.state::<crate::roumumate::Roumumate>().tenants.get(&t))
        .is_none()
    {
        return unauthorized();
    }
    let options: Vec<Value> = GENDER_OPTIONS
        .iter()
        .map(|(c, l)| json!({"code": c, "label": l}))
        .collect();
    Json(json!({"options": options})).into_response()
}

async fn control_upsert(
    State(sb): State<Sandbox>,
    Path(token): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let list = match body {
        Value::Array(a) => a,
        Value::Object(_) => vec![body],
        _ => {
            return control_error(
                StatusCode::BAD_REQUEST,
                "send an employee object or an array of them",
            );
        }
    };
    match sb.roumumate().upsert(&token, list) {
        Ok(n) => Json(json!({"upserted": n})).into_response(),
        Err(e) => control_error(StatusCode::BAD_REQUEST, e),
    }
}

async fn control_list(State(sb): State<Sandbox>, Path(token): Path<String>) -> Response {
    let mut w = sb.world();
    let Some(t) = w.state::<crate::roumumate::Roumumate>().tenants.get(&token) else {
        return control_error(
            StatusCode::NOT_FOUND,
            format!("no Roumumate tenant with token {token}"),
        );
    };
    let list: Vec<Value> = t
        .changes
        .values()
        .map(|id| t.employees[id].1.clone())
        .collect();
    Json(json!({"employees": list})).into_response()
}

async fn control_tenant(State(sb): State<Sandbox>, Path(token): Path<String>) -> Response {
    sb.roumumate().tenant(&token);
    StatusCode::NO_CONTENT.into_response()
}

/// The Roumumate simulator's registration.
pub(crate) struct Sim;

impl crate::Simulator for Sim {
    fn name(&self) -> &'static str {
        "roumumate"
    }
    fn prefix(&self) -> Option<&'static str> {
        Some("/roumumate/api/v1")
    }
    fn base_path(&self) -> Option<&'static str> {
        Some("/roumumate")
    }
    fn routes(&self) -> Router<Sandbox> {
        Router::new()
            .route("/employees", get(employees))
            .route("/employees/cursor", get(cursor))
            .route("/gender_options", get(gender_options))
    }
    fn control_routes(&self) -> Router<Sandbox> {
        Router::new()
            .route(
                "/roumumate/tenants/{token}",
                axum::routing::put(control_tenant),
            )
            .route(
                "/roumumate/tenants/{token}/employees",
                get(control_list).post(control_upsert),
            )
    }
}

/// The Roumumate simulator's control operations, for in-process callers (the same
/// operations as its control routes): `sandbox.roumumate().…`.
#[derive(Clone, Copy)]
pub struct RoumumateControl<'a>(&'a Sandbox);

impl Sandbox {
    /// The Roumumate simulator's control operations.
    pub fn roumumate(&self) -> RoumumateControl<'_> {
        RoumumateControl(self)
    }
}

impl RoumumateControl<'_> {
    /// Creates or updates Roumumate employees of the tenant with API token `token` (each
    /// becomes a change after every existing cursor).
    pub fn upsert(&self, token: &str, employees: Vec<Value>) -> Result<usize, String> {
        self.0
            .world()
            .state::<crate::roumumate::Roumumate>()
            .upsert(token, employees)
    }

    /// Creates a Roumumate tenant reachable with API token `token` (idempotent).
    pub fn tenant(&self, token: &str) {
        // An empty upsert only creates the tenant.
        let _ = self
            .0
            .world()
            .state::<crate::roumumate::Roumumate>()
            .upsert(token, Vec::new());
    }
}
