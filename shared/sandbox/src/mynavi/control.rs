//! The Mynavi simulator's control: its `/_control/mynavi/...` routes, and the same operations
//! for in-process callers (`sandbox.mynavi().…`).

use super::{Mynavi, MynaviAccountSetup};
use crate::{Sandbox, control_error};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The Mynavi simulator's control operations, for in-process callers (the same
/// operations as its control routes): `sandbox.mynavi().…`.
#[derive(Clone, Copy)]
pub struct MynaviControl<'a>(&'a Sandbox);

impl Sandbox {
    /// The Mynavi simulator's control operations.
    pub fn mynavi(&self) -> MynaviControl<'_> {
        MynaviControl(self)
    }
}

impl MynaviControl<'_> {
    /// Sets up (or replaces the settings of) a Mynavi employer account.
    pub fn account(&self, login_id: &str, setup: MynaviAccountSetup) {
        self.0.world().state::<Mynavi>().setup(login_id, setup);
    }

    /// Adds applications to a Mynavi account (objects keyed by column name).
    pub fn add(&self, login_id: &str, applications: Vec<Value>) -> Result<usize, String> {
        self.0.world().state::<Mynavi>().add(login_id, applications)
    }

    /// Logins and downloads of a Mynavi account.
    pub fn stats(&self, login_id: &str) -> Value {
        self.0.world().state::<Mynavi>().stats(login_id)
    }
}

pub(super) async fn control_account(
    State(sb): State<Sandbox>,
    Path(login_id): Path<String>,
    Json(setup): Json<MynaviAccountSetup>,
) -> Response {
    sb.world().state::<Mynavi>().setup(&login_id, setup);
    StatusCode::NO_CONTENT.into_response()
}

pub(super) async fn control_stats(
    State(sb): State<Sandbox>,
    Path(login_id): Path<String>,
) -> Response {
    match sb.world().state::<Mynavi>().stats(&login_id) {
        Value::Null => control_error(
            StatusCode::NOT_FOUND,
            format!("no Mynavi account {login_id}"),
        ),
        v => Json(v).into_response(),
    }
}

pub(super) async fn control_add(
    State(sb): State<Sandbox>,
    Path(login_id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let list = match body {
        Value::Array(a) => a,
        v @ Value::Object(_) => vec![v],
        _ => return control_error(StatusCode::BAD_REQUEST, "send an application or an array"),
    };
    match sb.world().state::<Mynavi>().add(&login_id, list) {
        Ok(n) => Json(json!({"added": n})).into_response(),
        Err(e) => control_error(StatusCode::BAD_REQUEST, e),
    }
}
