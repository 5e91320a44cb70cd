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
    /// On a 5xx: the id under which the cause was logged (extension member). The cause
    /// itself (an AWS SDK error's debug text, a table or secret name) is never answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<Box<str>>,
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
            request_id: None,
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

    /// 503: the store, a secret or the bus did not answer; retry later. `cause` is logged
    /// under a fresh request id and only the id is answered: the cause may be an SDK
    /// error's debug text naming tables, secrets and the account.
    pub fn unavailable(cause: impl Into<String>) -> Self {
        let request_id = format!("{:016x}", fastrand::u64(..));
        tracing::error!(request_id, cause = cause.into(), "answered 503");
        Self {
            request_id: Some(request_id.as_str().into()),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Temporarily unavailable",
                format!(
                    "a service the API depends on did not answer; retry later, or quote request id {request_id}"
                ),
            )
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s28_10_a_5xx_answers_a_request_id_and_not_the_cause() {
        let cause = "state store unavailable: DispatchFailure(ConnectorError { kind: Io, \
                     source: hyper::Error(Connect, \"arn:aws:dynamodb:eu-central-1:123456789012:table/renkei\") })";
        let p = Problem::unavailable(cause);
        assert_eq!(p.status, 503);
        let id = p.request_id.clone().expect("a request id").to_string();
        assert_eq!(id.len(), 16);
        let body = serde_json::to_string(&p).unwrap();
        for leak in [
            "DispatchFailure",
            "arn:aws",
            "123456789012",
            "hyper",
            "state store",
        ] {
            assert!(!body.contains(leak), "{leak} in {body}");
        }
        assert!(p.detail.contains(&id), "the detail names the id to quote");
        assert_ne!(
            Problem::unavailable(cause).request_id,
            Some(id.into()),
            "one id per answer"
        );
    }
}
