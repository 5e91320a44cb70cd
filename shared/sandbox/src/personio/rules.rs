//! What Personio checks in an application, as its spec says (every body against the
//! `submit_application` schema) and as its error codes describe (the business rules), every
//! field's errors at once; and the `error_response` bodies it answers them with.

use super::Company;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

/// A v2 refusal that is no field's: a problem body naming why.
pub(super) fn problem(status: StatusCode, detail: String) -> Response {
    (
        status,
        [("content-type", "application/problem+json")],
        Json(json!({"errors": [{"title": status.canonical_reason(), "detail": detail}]})),
    )
        .into_response()
}

pub(super) fn error_body(field: &str, reasons: &[&str]) -> Value {
    json!({"errors": [{"field": field, "errors": reasons.iter().map(|r| json!({"reason": r})).collect::<Vec<_>>()}]})
}

pub(super) fn field_errors(errors: &[(String, String)]) -> Value {
    let mut by_field: Vec<(String, Vec<Value>)> = Vec::new();
    for (field, reason) in errors {
        match by_field.iter_mut().find(|(f, _)| f == field) {
            Some((_, list)) => list.push(json!({"reason": reason})),
            None => by_field.push((field.clone(), vec![json!({"reason": reason})])),
        }
    }
    json!({"errors": by_field.into_iter().map(|(f, e)| json!({"field": f, "errors": e})).collect::<Vec<_>>()})
}

/// Personio's today: Europe/Berlin, taken as UTC+1 (a day boundary an hour early in summer
/// is on the safe side for the rule it checks).
pub(super) fn personio_today(now: DateTime<Utc>) -> chrono::NaiveDate {
    (now + Duration::hours(1)).date_naive()
}

/// The spec's schema violations as `error_response` reasons.
pub(super) fn schema_errors(body: &Value) -> Vec<(String, String)> {
    super::spec::violations("submit_application", body)
        .into_iter()
        .map(|(path, message)| {
            let field = path
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default()
                .to_string();
            let reason = if message.contains("is a required property") {
                "errors.attribute-validation.required-attribute"
            } else if message.contains("\"email\"") {
                "errors.attribute-validation.invalid-email-format"
            } else if message.contains("\"date\"") {
                "errors.attribute-validation.invalid-date-format"
            } else if field == "files" && message.contains("is not one of") {
                "errors.file-validation.unknown-file-category"
            } else {
                "errors.attribute-validation.invalid-type"
            };
            (
                if field.is_empty() {
                    "body".into()
                } else {
                    field
                },
                reason.to_string(),
            )
        })
        .collect()
}

const SYSTEM_ATTRIBUTES: &[&str] = &[
    "birthday",
    "gender",
    "location",
    "phone",
    "available_from",
    "salary_expectations",
];

/// The business rules, every field at once.
pub(super) fn rule_errors(
    c: &Company,
    body: &Value,
    today: chrono::NaiveDate,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut push = |f: &str, r: &str| out.push((f.to_string(), r.to_string()));
    let job_id = body["job_position_id"].as_u64();
    match c.setup.jobs.iter().find(|j| Some(j.id) == job_id) {
        None => push(
            "job_position_id",
            "errors.posting-validation.posting-not-found",
        ),
        Some(j) if !j.published => push("job_position_id", "errors.job-position.not-published"),
        Some(_) => {}
    }
    if let Some(ch) = body.get("recruiting_channel_id").and_then(Value::as_u64)
        && !c.setup.channels.contains(&ch)
    {
        push(
            "recruiting_channel_id",
            "errors.posting-validation.channel-not-found",
        );
    }
    if let Some(d) = body["application_date"].as_str()
        && let Ok(date) = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
        && date > today
    {
        push(
            "application_date",
            "errors.date-validation.date-in-the-future",
        );
    }
    for a in body["attributes"].as_array().into_iter().flatten() {
        let id = a["id"].as_str().unwrap_or_default();
        let known =
            SYSTEM_ATTRIBUTES.contains(&id) || c.setup.custom_attributes.iter().any(|x| x == id);
        if !known {
            push("attributes", "errors.attribute-validation.unknown");
        } else if id == "gender"
            && !["male", "female", "diverse", "undefined"]
                .contains(&a["value"].as_str().unwrap_or_default())
        {
            push(
                "attributes",
                "errors.attribute-validation.unknown-attribute-option",
            );
        } else if id == "birthday"
            && chrono::NaiveDate::parse_from_str(
                a["value"].as_str().unwrap_or_default(),
                "%Y-%m-%d",
            )
            .is_err()
        {
            push(
                "attributes",
                "errors.attribute-validation.invalid-date-format",
            );
        }
    }
    // A custom phase Personio does not know is taken as `unassigned` (the spec); a system
    // phase must be one of the spec's.
    if body["phase"]["type"] == "system"
        && !["unassigned", "rejected", "withdrawn", "offer", "accepted"]
            .contains(&body["phase"]["id"].as_str().unwrap_or_default())
    {
        push("phase", "errors.phase-validation.invalid-system-phase");
    }
    for f in body["files"].as_array().into_iter().flatten() {
        if !c
            .documents
            .contains_key(f["uuid"].as_str().unwrap_or_default())
        {
            push("files", "errors.file-validation.file-not-exists");
        }
    }
    let email = body["email"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    if let Some(job) = job_id
        && c.applied.contains(&(job, email))
    {
        push("email", "errors.applicant-already-exists");
    }
    out
}
