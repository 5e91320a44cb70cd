//! An AWS SDK error in one line of words. The SDK's `Debug` form is kilobytes of nested
//! structs (request, response, headers), which is what operators saw before; its `Display`
//! says only "dispatch failure" or "service error" and leaves the cause to the source chain.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use std::error::Error;

/// What went wrong: the service's code and message when AWS answered; otherwise the cause
/// chain, with missing credentials and a missing region said as such and how to set them.
pub fn describe_sdk_error<E, R>(e: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + Error + 'static,
    R: std::fmt::Debug,
{
    if let Some(s) = e.as_service_error() {
        return match (s.code(), s.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_string(),
            (None, Some(message)) => message.to_string(),
            (None, None) => chain(e),
        };
    }
    let text = chain(e);
    let lower = text.to_lowercase();
    if lower.contains("no credentials") || lower.contains("credentials not loaded") {
        // The chain lists every provider tried, one line each; what to do is shorter.
        "no AWS credentials found (environment, profile files, web identity, container, \
         instance metadata): set --profile or AWS_PROFILE, or AWS_ACCESS_KEY_ID and \
         AWS_SECRET_ACCESS_KEY"
            .to_string()
    } else if lower.contains("credential") {
        format!("AWS credentials could not be loaded ({text}): check --profile or AWS_PROFILE")
    } else if lower.contains("region") {
        format!("no AWS region ({text}): set --region or AWS_REGION")
    } else {
        text
    }
}

/// The error and its sources, `: `-separated, each by its `Display`, on one line.
fn chain(e: &dyn Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        // Wrappers often repeat their source's words; say them once.
        if !text.ends_with(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::operation::get_item::GetItemError;

    #[test]
    fn a_dispatch_failure_is_one_line_of_its_causes_without_the_debug_dump() {
        let cause =
            std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let e: SdkError<GetItemError, ()> = SdkError::construction_failure(cause);
        let text = describe_sdk_error(&e);
        assert!(text.contains("connection refused"), "{text}");
        assert!(
            !text.contains('\n') && !text.contains("ConstructionFailure"),
            "{text}"
        );
    }

    #[test]
    fn missing_credentials_are_named_with_how_to_set_them() {
        let cause = std::io::Error::other(
            "the credential provider was not enabled: no credentials found in chain. Attempted:\n  \
             Environment: not set\n  Profile: not enabled",
        );
        let e: SdkError<GetItemError, ()> = SdkError::construction_failure(cause);
        let text = describe_sdk_error(&e);
        assert!(text.starts_with("no AWS credentials"), "{text}");
        assert!(!text.contains('\n'), "{text}");
        assert!(text.contains("--profile"), "{text}");
    }
}
