//! One HTTP client per vendor, on a shared base ([`http`]): proactive rate limits, 429 and
//! Retry-After, retries of transient errors with backoff and jitter within a budget, tokens
//! fetched once and shared, and typed errors (Retryable / Permanent / Auth).

pub mod address;
pub mod base_url;
mod error;
pub mod hrbrain;
pub mod hrmos;
pub mod http;
pub mod kaonavi;
pub mod linkedin;
pub mod mikiwame;
pub mod mynavi;
pub mod personio;
pub mod recruitee;
pub mod roumumate;
pub mod talentwunder;
mod token;
pub mod webhooks;

pub use http::{
    Ambiguity, Call, CallKind, HttpConfig, RetryPolicy, SlidingWindow, TokenCache, VendorClient,
    VendorError, parse_retry_after,
};
