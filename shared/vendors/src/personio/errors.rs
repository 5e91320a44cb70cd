//! Personio's refusals: the `error_response` body's reasons, and a readable reason for every
//! error code the spec lists.

use crate::http::VendorError;
use renkei_core::engine::{Cause, Class};
use serde_json::Value;

/// One reason Personio gave: the field it blames (if any) and the error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// The request field (`email`, `recruiting_channel_id`, …).
    pub field: Option<String>,
    /// The code (`errors.applicant-already-exists`, …) or the error's title.
    pub code: String,
}

/// What can go wrong with a Personio call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonioError {
    /// Transport, throttling, credentials (401), server errors.
    #[error(transparent)]
    Vendor(#[from] VendorError),
    /// A create whose answer was lost (time-out, reset, 5xx): it may have been filed.
    #[error("Personio's answer was lost ({0}); the application may have been filed")]
    MaybeSent(String),
    /// The request was refused (400, 413, 422) with these reasons.
    #[error("{}", describe(.reasons))]
    Refused {
        /// HTTP status.
        status: u16,
        /// Every reason given.
        reasons: Vec<Reason>,
    },
    /// The company lacks a feature (403 `feature.recruiting.disabled`,
    /// `feature.public-api.disabled`).
    #[error("{}", explain(.0))]
    Feature(String),
    /// The v2 API credential lacks a scope renkei needs (a 403 without a `feature.*` code).
    #[error(
        "the Personio API credential lacks the scope {0}: add it under Settings > Integrations > API credentials"
    )]
    MissingScope(&'static str),
    /// v1: a 403 without a `feature.*` code — the token may not do this.
    #[error("Personio refused the Recruiting API token (403): {}", describe(.0))]
    Forbidden(Vec<Reason>),
    /// Personio refused the read-back query itself (a 4xx other than 401/403), e.g. its
    /// `candidate.email` filter.
    #[error("Personio refused the read-back query (HTTP {status}): {}", describe(.reasons))]
    ReadBackRefused {
        /// HTTP status.
        status: u16,
        /// Every reason given.
        reasons: Vec<Reason>,
    },
    /// v1 (legacy) credentials cannot read applications back.
    #[error("the legacy (v1) Recruiting API token cannot read applications back")]
    NoReadBack,
}

impl PersonioError {
    /// Whether Personio gave `code` as a reason.
    pub fn has(&self, code: &str) -> bool {
        matches!(self, Self::Refused { reasons, .. } if reasons.iter().any(|r| r.code == code))
    }
}

/// A create whose answer was lost (time-out, reset, 5xx): one cause whichever profile it was
/// and however many times it happened.
pub const ANSWER_LOST: Cause = Cause::vendor(super::VENDOR, "create", Class::Unavailable);

/// A read-back that could not say whether an application was filed.
pub const READ_BACK_OPEN: Cause = Cause::vendor(super::VENDOR, "read_back", Class::Unavailable);

/// An application whose answer was lost and that Personio does not list (yet).
pub const NOT_LISTED: Cause = Cause::vendor(super::VENDOR, "read_back", Class::Pending);

impl From<PersonioError> for renkei_core::engine::SyncError {
    fn from(e: PersonioError) -> Self {
        use renkei_core::engine::SyncError;
        let cause = |operation, class| Cause::vendor(super::VENDOR, operation, class);
        match e {
            PersonioError::Vendor(v) => v.into(),
            PersonioError::MaybeSent(m) => SyncError::Retryable(m).because(ANSWER_LOST),
            PersonioError::Feature(_) => {
                SyncError::Auth(e.to_string()).because(cause("feature", Class::Auth))
            }
            PersonioError::MissingScope(scope) => {
                SyncError::Auth(e.to_string()).because(cause(scope, Class::Auth))
            }
            PersonioError::Forbidden(_) => {
                SyncError::Auth(e.to_string()).because(cause("call", Class::Auth))
            }
            PersonioError::Refused { status, .. } => {
                SyncError::Permanent(e.to_string()).because(cause("call", Class::Refused(status)))
            }
            PersonioError::ReadBackRefused { status, .. } => SyncError::Permanent(e.to_string())
                .because(cause("read_back", Class::Refused(status))),
            PersonioError::NoReadBack => {
                SyncError::Permanent(e.to_string()).because(cause("read_back", Class::Invalid))
            }
        }
    }
}

/// Every error code of the spec's `error_response` table, with what a recruiter reads.
pub const ERROR_CODES: &[(&str, &str)] = &[
    (
        "errors.attribute-validation.unknown",
        "an attribute is not configured in Personio (check the custom attribute mapping)",
    ),
    (
        "errors.attribute-validation.required-attribute",
        "Personio requires an attribute that the profile does not have",
    ),
    (
        "errors.attribute-validation.invalid-date-format",
        "a date is not in the YYYY-MM-DD format",
    ),
    (
        "errors.attribute-validation.invalid-email-format",
        "Personio does not accept the email address",
    ),
    (
        "errors.attribute-validation.invalid-type",
        "an attribute has a type Personio does not support",
    ),
    (
        "errors.attribute-validation.unknown-attribute-option",
        "an attribute's value is not one of its options in Personio",
    ),
    (
        "errors.date-validation.date-in-the-future",
        "the application date lies in the future",
    ),
    (
        "errors.phase-validation.invalid-system-phase",
        "the application phase is not supported",
    ),
    (
        "errors.file-validation.file-not-exists",
        "the uploaded CV could not be found in Personio any more",
    ),
    (
        "errors.file-validation.unknown-file-category",
        "the document category is not supported",
    ),
    (
        "errors.invalid-file-type",
        "Personio does not accept this file type",
    ),
    (
        "errors.file-too-big",
        "the file is larger than Personio accepts (20 MB)",
    ),
    (
        "errors.applicant-already-exists",
        "already applied to this job",
    ),
    (
        "errors.posting-validation.posting-not-found",
        "the job posting was not found or does not match the channel",
    ),
    (
        "errors.posting-validation.channel-not-found",
        "the channel ID is unknown to Personio (fix it in the connection)",
    ),
    (
        "errors.job-position.not-published",
        "job no longer published",
    ),
    (
        "feature.recruiting.disabled",
        "the company has no access to Personio's recruiting features",
    ),
    (
        "feature.public-api.disabled",
        "the company has no access to Personio's Recruiting API (enable it under Settings > API)",
    ),
];

/// What a recruiter reads for an error code; unknown codes are quoted as they came.
pub fn explain(code: &str) -> String {
    ERROR_CODES.iter().find(|(c, _)| *c == code).map_or_else(
        || format!("Personio refused the application ({code})"),
        |(_, text)| (*text).to_string(),
    )
}

fn describe(reasons: &[Reason]) -> String {
    if reasons.is_empty() {
        return "Personio refused the request without a reason".into();
    }
    reasons
        .iter()
        .map(|r| match &r.field {
            Some(f) => format!("{} ({f}: {})", explain(&r.code), r.code),
            None => format!("{} ({})", explain(&r.code), r.code),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The reasons of an `error_response` body (both of its item forms); a body of another
/// shape becomes one reason quoting its start.
pub fn reasons(body: &str) -> Vec<Reason> {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        let text: String = body.trim().chars().take(200).collect();
        return vec![Reason {
            field: None,
            code: if text.is_empty() {
                "no details".into()
            } else {
                text
            },
        }];
    };
    let mut out = Vec::new();
    for item in v["errors"].as_array().into_iter().flatten() {
        if let Some(inner) = item["errors"].as_array() {
            let field = item["field"].as_str().map(str::to_string);
            for e in inner {
                if let Some(code) = e["reason"].as_str() {
                    out.push(Reason {
                        field: field.clone(),
                        code: code.to_string(),
                    });
                }
            }
        } else if let Some(text) = item["detail"].as_str().or_else(|| item["title"].as_str()) {
            out.push(Reason {
                field: None,
                code: text.to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c4_4_every_error_code_of_the_spec_reads_as_a_reason() {
        for (code, text) in ERROR_CODES {
            assert_eq!(explain(code), *text);
            assert!(!text.is_empty());
        }
        assert_eq!(
            explain("errors.new-thing"),
            "Personio refused the application (errors.new-thing)"
        );
        let body = r#"{"errors":[{"field":"email","errors":[{"reason":"errors.applicant-already-exists"}]},{"id":"7d1f5a2e-0000-4000-8000-000000000000","status":"400","title":"Bad Request","detail":"x"}]}"#;
        let r = reasons(body);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].field.as_deref(), Some("email"));
        assert_eq!(r[1].code, "x");
        assert_eq!(reasons("<html>")[0].code, "<html>");
    }
}
