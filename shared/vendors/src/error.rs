//! What a vendor call can end in, and how the engine reads it.

use renkei_core::engine::SyncError;
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

impl From<VendorError> for SyncError {
    fn from(e: VendorError) -> Self {
        match e {
            VendorError::Auth { .. } => SyncError::Auth(e.to_string()),
            VendorError::Retryable { .. } => SyncError::Retryable(e.to_string()),
            VendorError::Permanent { .. } => SyncError::Permanent(e.to_string()),
            VendorError::Halted(h) => SyncError::Halted(h),
        }
    }
}
