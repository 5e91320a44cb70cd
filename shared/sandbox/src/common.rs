//! Pieces several simulators share: the Bearer credential of a request and a per-minute
//! request window that answers 429 with Retry-After.

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use std::collections::VecDeque;

/// The token of `Authorization: Bearer <token>`.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::to_string)
}

/// The requests of the last minute (simulated time) of one credential.
#[derive(Debug, Default)]
pub(crate) struct MinuteWindow {
    recent: VecDeque<DateTime<Utc>>,
    /// Requests refused with 429.
    pub throttled: u64,
}

impl MinuteWindow {
    /// Counts a request at `now`, or answers 429 with the seconds until one fits.
    pub fn admit(&mut self, limit: Option<u32>, now: DateTime<Utc>) -> Result<(), Response> {
        let Some(limit) = limit else { return Ok(()) };
        while self
            .recent
            .front()
            .is_some_and(|&x| x <= now - Duration::minutes(1))
        {
            self.recent.pop_front();
        }
        if self.recent.len() >= limit as usize {
            self.throttled += 1;
            let wait = self.recent.front().map_or(1, |&first| {
                (first + Duration::minutes(1) - now).num_seconds().max(1)
            });
            return Err((
                StatusCode::TOO_MANY_REQUESTS,
                [("Retry-After", wait.to_string())],
                Json(serde_json::json!({"message": "rate limit exceeded"})),
            )
                .into_response());
        }
        self.recent.push_back(now);
        Ok(())
    }
}

/// A JSON error answer of a vendor API.
pub(crate) fn api_error(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}
