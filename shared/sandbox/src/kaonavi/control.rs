//! The Kaonavi simulator's control API (`/_control/kaonavi/...`).

use super::*;
use crate::{Sandbox, control_error};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub(super) async fn control_setup(
    State(sb): State<Sandbox>,
    Path(key): Path<String>,
    Json(setup): Json<CompanySetup>,
) -> Response {
    sb.kaonavi().company(&key, setup);
    StatusCode::NO_CONTENT.into_response()
}

pub(super) async fn control_members(
    State(sb): State<Sandbox>,
    Path(key): Path<String>,
) -> Response {
    if !sb
        .world()
        .state::<crate::kaonavi::Kaonavi>()
        .companies
        .contains_key(&key)
    {
        return control_error(StatusCode::NOT_FOUND, format!("no Kaonavi company {key}"));
    }
    Json(json!({"member_data": sb.kaonavi().members(&key)})).into_response()
}

pub(super) async fn control_load_members(
    State(sb): State<Sandbox>,
    Path(key): Path<String>,
    Json(body): Json<MembersBody>,
) -> Response {
    let mut w = sb.world();
    let Some(c) = w.state::<crate::kaonavi::Kaonavi>().companies.get_mut(&key) else {
        return control_error(StatusCode::NOT_FOUND, format!("no Kaonavi company {key}"));
    };
    for m in body.member_data {
        let code = m
            .get("code")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        c.members.insert(code, m);
    }
    StatusCode::NO_CONTENT.into_response()
}

pub(super) async fn control_stats(State(sb): State<Sandbox>, Path(key): Path<String>) -> Response {
    Json(sb.kaonavi().stats(&key)).into_response()
}

/// `GET /_control/kaonavi/companies/{key}/requests`: the calls the company saw, oldest first
/// (method, path, simulated time, the 社員番号 a write named), and the latest write's body.
pub(super) async fn control_requests(
    State(sb): State<Sandbox>,
    Path(key): Path<String>,
) -> Response {
    let mut w = sb.world();
    match w.state::<crate::kaonavi::Kaonavi>().companies.get(&key) {
        Some(c) => Json(c.journal_view()).into_response(),
        None => control_error(StatusCode::NOT_FOUND, format!("no Kaonavi company {key}")),
    }
}

/// `POST /_control/kaonavi/companies/{key}/tasks/finish`: every running task runs now (a
/// test's way to let Kaonavi catch up without waiting).
pub(super) async fn control_finish_tasks(
    State(sb): State<Sandbox>,
    Path(key): Path<String>,
) -> Response {
    let mut w = sb.world();
    let now = w.clock.now();
    match w.state::<crate::kaonavi::Kaonavi>().companies.get_mut(&key) {
        Some(c) => Json(json!({"finished": c.finish_all(now)})).into_response(),
        None => control_error(StatusCode::NOT_FOUND, format!("no Kaonavi company {key}")),
    }
}

/// The Kaonavi simulator's control operations, for in-process callers (the same
/// operations as its control routes): `sandbox.kaonavi().…`.
#[derive(Clone, Copy)]
pub struct KaonaviControl<'a>(&'a Sandbox);

impl Sandbox {
    /// The Kaonavi simulator's control operations.
    pub fn kaonavi(&self) -> KaonaviControl<'_> {
        KaonaviControl(self)
    }
}

impl KaonaviControl<'_> {
    /// Sets up (or replaces the settings of) a Kaonavi company.
    pub fn company(&self, key: &str, setup: CompanySetup) {
        let mut w = self.0.world();
        let now = w.clock.now();
        w.state::<crate::kaonavi::Kaonavi>().setup(key, setup, now);
    }

    /// The members a Kaonavi company holds.
    pub fn members(&self, key: &str) -> Vec<Value> {
        self.0
            .world()
            .state::<crate::kaonavi::Kaonavi>()
            .members(key)
    }

    /// Adds a member to a Kaonavi company directly, as a person in Kaonavi would.
    pub fn put_member(&self, key: &str, member: Value) -> Result<(), String> {
        let Value::Object(m) = member else {
            return Err("a member is a JSON object".into());
        };
        self.0
            .world()
            .state::<crate::kaonavi::Kaonavi>()
            .put_member(key, m)
    }

    /// Request statistics of a Kaonavi company.
    pub fn stats(&self, key: &str) -> Value {
        self.0.world().state::<crate::kaonavi::Kaonavi>().stats(key)
    }

    /// Zeroes a Kaonavi company's request statistics (limits' windows are kept).
    pub fn reset_stats(&self, key: &str) {
        self.0
            .world()
            .state::<crate::kaonavi::Kaonavi>()
            .reset_stats(key);
    }
}
