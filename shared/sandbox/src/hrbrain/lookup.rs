//! `POST /members/v1/members/lookup` `{"email"?, "employeeNumber"?}` → `{"id"}`: a member's
//! id by email or employee number (both given: both must match), as a public client calls
//! it (docs/contracts/hrbrain.md). renkei's client does not call it; the simulator answers it
//! so that the documented request replays. Not found → 404 and a body without `id` (the
//! client shows "not found" when `id` is missing; the status is assumed).

use super::{Recorded, authorized, json_body};
use crate::Sandbox;
use crate::common::api_error;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct Wanted {
    #[serde(default)]
    email: Option<String>,
    #[serde(default, rename = "employeeNumber")]
    employee_number: Option<String>,
}

fn same_email(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn same_text(a: &str, b: &str) -> bool {
    a == b
}

pub(super) async fn lookup(
    State(sb): State<Sandbox>,
    Path(sub): Path<String>,
    headers: HeaderMap,
    raw: axum::body::Bytes,
) -> Response {
    let call = Recorded::new("POST", "/members/v1/members/lookup".into(), &headers).with_body(&raw);
    authorized(&sb, &sub, &headers, call, "member:read", |c| {
        let wanted: Wanted = match json_body(&headers, &raw) {
            Ok(w) => w,
            Err(refused) => return refused,
        };
        let by_email = wanted
            .email
            .as_deref()
            .map(|e| c.member_where("Email", e, same_email));
        let by_number = wanted
            .employee_number
            .as_deref()
            .map(|n| c.member_where("EmployeeNumber", n, same_text));
        let found = match (by_email, by_number) {
            (None, None) => {
                return api_error(
                    StatusCode::BAD_REQUEST,
                    json!({"message": "email or employeeNumber is required"}),
                );
            }
            (Some(ids), None) | (None, Some(ids)) => ids.first().map(|s| s.to_string()),
            (Some(a), Some(b)) => a.into_iter().find(|id| b.contains(id)).map(str::to_string),
        };
        match found {
            Some(id) => Json(json!({ "id": id })).into_response(),
            None => api_error(
                StatusCode::NOT_FOUND,
                json!({"message": "member not found"}),
            ),
        }
    })
}
