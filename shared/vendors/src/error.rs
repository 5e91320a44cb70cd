//! What a vendor call can end in, and how the engine reads it.

use renkei_core::engine::{Cause, Class, SyncError};
use renkei_core::heartbeat::Halt;

/// Errors of a vendor call, classified where the cause is known.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum VendorError {
    /// Worth retrying later (5xx, 429, timeouts, resets) — retries were already spent.
    #[error("{vendor} temporarily unavailable: {message}")]
    Retryable {
        /// Vendor name.
        vendor: &'static str,
        /// What happened.
        message: String,
    },
    /// The vendor refused the request; the same request will be refused again.
    #[error("{vendor} refused the request (HTTP {status}): {message}")]
    Permanent {
        /// Vendor name.
        vendor: &'static str,
        /// HTTP status.
        status: u16,
        /// The vendor's message.
        message: String,
    },
    /// Credentials refused.
    #[error("{vendor} refused the credentials: {message}")]
    Auth {
        /// Vendor name.
        vendor: &'static str,
        /// The vendor's message.
        message: String,
    },
    /// The run this client works for must stop (lease lost, deadline, long Retry-After).
    #[error("{0}")]
    Halted(Halt),
}

impl VendorError {
    /// What a person setting a connection up is told of this error. A rate-limit wait too
    /// long to sit through (see `renkei_core::heartbeat::SETUP_MAX_WAIT`) refuses setup and
    /// says when to try again; nothing is stored.
    pub fn at_setup(&self) -> String {
        let refused = "setup was refused and nothing was stored";
        match self {
            VendorError::Halted(Halt::Backoff { seconds }) => {
                let wait = in_words(*seconds);
                format!(
                    "the rate limit of these credentials allows no call for {wait}: {refused} — try again in {wait}"
                )
            }
            VendorError::Retryable { vendor, message } if message.starts_with("HTTP 429") => {
                format!(
                    "{vendor} kept answering 429 Too Many Requests (its rate limit for these credentials): {refused} — try again in a few minutes"
                )
            }
            VendorError::Retryable { .. } => format!("{self}: {refused} — try again later"),
            other => other.to_string(),
        }
    }

    /// A request that could not be built (its URL is not one): it never left and never will,
    /// so it is not retried like an outage.
    pub(crate) fn unsendable(vendor: &'static str, e: &reqwest::Error) -> Self {
        VendorError::Permanent {
            vendor,
            status: 0,
            message: format!("the request could not be made: {e}"),
        }
    }
}

/// A wait as a person reads it: seconds below two minutes, minutes below two hours, hours.
fn in_words(seconds: u64) -> String {
    match seconds {
        0..120 => format!("{seconds} s"),
        120..7200 => format!("{} min", seconds.div_ceil(60)),
        _ => format!("{} h", seconds.div_ceil(3600)),
    }
}

impl VendorError {
    /// Why the call failed, as the notification policy compares failures: the vendor and how
    /// (credentials, unavailable, refused with a status), never the vendor's message; a halt
    /// is no failure and has none.
    pub fn cause(&self) -> Option<Cause> {
        let (vendor, class) = match self {
            VendorError::Auth { vendor, .. } => (vendor, Class::Auth),
            VendorError::Retryable { vendor, .. } => (vendor, Class::Unavailable),
            VendorError::Permanent { vendor, status, .. } => (vendor, Class::Refused(*status)),
            VendorError::Halted(_) => return None,
        };
        Some(Cause::vendor(vendor, "call", class))
    }
}

impl From<VendorError> for SyncError {
    fn from(e: VendorError) -> Self {
        let cause = e.cause();
        let error = match e {
            VendorError::Auth { .. } => SyncError::Auth(e.to_string()),
            VendorError::Retryable { .. } => SyncError::Retryable(e.to_string()),
            VendorError::Permanent { .. } => SyncError::Permanent(e.to_string()),
            VendorError::Halted(h) => SyncError::Halted(h),
        };
        match cause {
            Some(cause) => error.because(cause),
            None => error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limit_wait_during_setup_says_setup_was_refused_and_when_to_retry() {
        let long = VendorError::Halted(Halt::Backoff { seconds: 900 }).at_setup();
        assert!(long.contains("setup was refused"), "{long}");
        assert!(long.contains("try again in 15 min"), "{long}");
        assert!(
            !long.contains("the run continues"),
            "no run at setup: {long}"
        );
        let throttled = VendorError::Retryable {
            vendor: "kaonavi",
            message: "HTTP 429 (gave up after 6 attempts)".into(),
        }
        .at_setup();
        assert!(
            throttled.contains("setup was refused") && throttled.contains("429"),
            "{throttled}"
        );
    }
}
