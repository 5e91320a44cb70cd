//! The sandbox's own control API (`/_control/...`, docs/sandbox.md): reset, faults, time,
//! and what reaches renkei's backend through the runner — run, deliver, connect, admin.

use crate::{Faults, Runner, Sandbox, World};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// A control-API error answer.
pub(crate) fn control_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

pub(crate) async fn reset(State(sb): State<Sandbox>) -> Response {
    *sb.world() = World::new();
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn set_faults(State(sb): State<Sandbox>, Json(f): Json<Faults>) -> Response {
    let f = f.seeded();
    sb.world().faults = f;
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn get_faults(State(sb): State<Sandbox>) -> Response {
    Json(sb.world().faults.clone()).into_response()
}

#[derive(Deserialize)]
pub(crate) struct TimeBody {
    scale: f64,
}

pub(crate) async fn set_time(State(sb): State<Sandbox>, Json(t): Json<TimeBody>) -> Response {
    if !(t.scale.is_finite() && t.scale > 0.0) {
        return control_error(StatusCode::BAD_REQUEST, "scale must be a positive number");
    }
    sb.world().clock.rescale(t.scale);
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn get_time(State(sb): State<Sandbox>) -> Response {
    let c = sb.world().clock;
    Json(json!({"now": c.now(), "scale": c.scale})).into_response()
}

pub(crate) async fn run_connector(
    State(sb): State<Sandbox>,
    Path(connector): Path<String>,
    body: Option<Json<Value>>,
) -> Response {
    let runner = match runner_of(&sb) {
        Ok(r) => r,
        Err(r) => return r,
    };
    match runner
        .run_once(&connector, body.map_or(Value::Null, |b| b.0))
        .await
    {
        Ok(v) => Json(v).into_response(),
        Err(e) => control_error(StatusCode::BAD_REQUEST, e),
    }
}

/// The backend's runner, or the answer that this sandbox has none.
#[allow(clippy::result_large_err)]
fn runner_of(sb: &Sandbox) -> Result<Arc<dyn Runner>, Response> {
    sb.runner.clone().ok_or_else(|| {
        control_error(
            StatusCode::NOT_IMPLEMENTED,
            "this sandbox was started without a backend (use `renkei sandbox`)",
        )
    })
}

pub(crate) async fn connect_connector(
    State(sb): State<Sandbox>,
    Path(connector): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let runner = match runner_of(&sb) {
        Ok(r) => r,
        Err(r) => return r,
    };
    match runner.connect(&connector, body).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => control_error(StatusCode::BAD_REQUEST, e),
    }
}

pub(crate) async fn admin_action(
    State(sb): State<Sandbox>,
    Path((connector, action)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let runner = match runner_of(&sb) {
        Ok(r) => r,
        Err(r) => return r,
    };
    match runner.admin(&connector, &action, body).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => control_error(StatusCode::BAD_REQUEST, e),
    }
}

pub(crate) async fn deliver(State(sb): State<Sandbox>) -> Response {
    let runner = match runner_of(&sb) {
        Ok(r) => r,
        Err(r) => return r,
    };
    match runner.deliver().await {
        Ok(v) => Json(v).into_response(),
        Err(e) => control_error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}
