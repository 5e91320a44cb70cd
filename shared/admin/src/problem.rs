//! Every error the API answers, in one shape: RFC 9457 problem details
//! (`application/problem+json`), with the offending field named where there is one.

use axum::http::{HeaderValue, StatusCode, header::CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A problem details object.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short, the same for every problem of the kind.
    pub title: &'static str,
    /// HTTP status.
    pub status: u16,
    /// What happened here.
    pub detail: String,
    /// The request field at fault (extension member).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every problem a setup check found (extension member), each with its kind and field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Box<serde_json::Value>>,
}

impl Problem {
    fn new(status: StatusCode, slug: &str, title: &'static str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("https://renkei.dev/problems/{slug}"),
            title,
            status: status.as_u16(),
            detail: detail.into(),
            field: None,
            problems: None,
        }
    }

    /// 400: the body or a parameter is not what the operation takes.
    pub fn bad_request(field: Option<String>, detail: impl Into<String>) -> Self {
        Self {
            field,
            ..Self::new(
                StatusCode::BAD_REQUEST,
                "bad-request",
                "The request is malformed",
                detail,
            )
        }
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    /// 403: the caller's token does not name this tenant.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", detail)
    }

    /// 401: no caller identity reached the function.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Unauthorized",
            detail,
        )
    }

    /// 409: the state does not allow it (exists already, …).
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", "Conflict", detail)
    }

    /// 413.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "The request body is too large",
            format!("bodies are at most {limit} bytes"),
        )
    }

    /// 422: well-formed, but a vendor or a check refused it (setup checks).
    pub fn refused(field: Option<String>, detail: impl Into<String>) -> Self {
        Self {
            field,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "refused",
                "The request was refused",
                detail,
            )
        }
    }

    /// 503: the store, a secret or the bus did not answer; retry later.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Temporarily unavailable",
            detail,
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(&self)).into_response();
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

impl From<renkei_core::ports::StoreError> for Problem {
    fn from(e: renkei_core::ports::StoreError) -> Self {
        Self::unavailable(e.to_string())
    }
}
