//! The vendor HTTP client base shared by every vendor client, as a small stack of layers
//! that [`VendorClient`] assembles once per vendor client:
//!
//! - `call` — what a call is: [`Call`] (its [`CallKind`] and [`Ambiguity`]) and, by type,
//!   how its answer is taken ([`Buffered`] → [`Reply`], [`Streamed`] → `reqwest::Response`);
//! - `limiter` — in-process rate windows, the fallback when no shared ledger answers;
//! - `lease` — the heartbeat hook: a beat before every write and every wait;
//! - `rate` — rate-window admission: the credential's shared windows within a run, else
//!   `limiter`'s;
//! - `policy` — the [`RetryPolicy`], pure: which answers and failures are tried again, after
//!   how long (backoff, Retry-After), within what budget;
//! - `retry` — the retry layer: attempts until one settles, waits through the lease.
//!
//! Each layer uses only the layers to its right: none uses `http`, `lease` uses none, and
//! `limiter` only `call`'s [`CallKind`]:
//!
//! ```text
//! http (VendorClient) ─┬─► rate ──┬─► limiter ─► call
//!                      │          └─► lease
//!                      ├─► retry ─┬─► lease
//!                      │          └─► policy ──► call
//!                      └─► call, lease, policy (to judge an answer, beat before a write)
//! ```
//!
//! One attempt goes down the stack in this order: `rate` admits it (a write beats the
//! `lease` first), it is sent, its answer taken as its `Call` type says and judged by
//! `policy`; `retry` waits (through the `lease`) and tries again, or ends the call.
//!
//! A call site says what its request is — `send(Call::read(), …)`,
//! `send(Call::write(Ambiguity::DoNotRetry), …)`, `send(Call::read().streamed(), …)` — and
//! gets the answer its type names.

use reqwest::{Method, RequestBuilder, StatusCode};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use renkei_core::heartbeat::{Halt, Heartbeat};

mod call;
mod decode;
mod lease;
mod limiter;
mod policy;
mod rate;
mod retry;

pub use crate::error::VendorError;
pub use crate::token::TokenCache;
pub use call::{Ambiguity, Answer, Buffered, Call, CallKind, Head, Reply, Streamed};
pub use decode::parse_json;
pub use limiter::SlidingWindow;
pub use policy::{RetryPolicy, parse_retry_after};

use lease::Lease;
use policy::{Setback, Verdict, retry_after};
use rate::RateWindows;
use retry::{Retries, Step};

/// Per-vendor client configuration.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Base URL without a trailing slash.
    pub base_url: String,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retries.
    pub retry: RetryPolicy,
    /// All calls: (limit, window); None = unlimited.
    pub limit: Option<(u32, Duration)>,
    /// Write calls: (limit, window); None = unlimited.
    pub write_limit: Option<(u32, Duration)>,
}

/// Counters for metrics and benchmarks.
#[derive(Debug, Default)]
pub struct Stats {
    /// Requests sent.
    pub requests: AtomicU64,
    /// 429 answers received.
    pub throttled: AtomicU64,
    /// Retries made.
    pub retries: AtomicU64,
}

/// The shared client: limits, retries and error classification for one vendor account.
#[derive(Debug)]
pub struct VendorClient {
    vendor: &'static str,
    http: reqwest::Client,
    base_url: String,
    /// The retry layer's policy.
    retry: RetryPolicy,
    /// The rate-window layer: the credential's windows.
    rate: RateWindows,
    /// The heartbeat hook: the run this client is lent to (none until `join_run`).
    lease: Lease,
    /// Counters.
    pub stats: Stats,
}

/// How renkei names itself to vendors (and how the sandbox tells renkei's calls from a
/// test's own requests when it notes which endpoints the clients call).
pub const USER_AGENT: &str = concat!("renkei/", env!("CARGO_PKG_VERSION"));

impl VendorClient {
    /// A client for `vendor` (a base URL that is not a URL is Permanent: see base_url.rs).
    pub fn new(vendor: &'static str, config: HttpConfig) -> Result<Self, VendorError> {
        Self::with_builder(vendor, config, reqwest::Client::builder())
    }

    /// A client whose connections to `host` go to `addrs` only, whatever the name resolves
    /// to later: the addresses the caller resolved and checked (crate::address).
    pub fn pinned(
        vendor: &'static str,
        config: HttpConfig,
        host: &str,
        addrs: &[std::net::SocketAddr],
    ) -> Result<Self, VendorError> {
        let builder = reqwest::Client::builder().resolve_to_addrs(host, addrs);
        Self::with_builder(vendor, config, builder)
    }

    fn with_builder(
        vendor: &'static str,
        config: HttpConfig,
        builder: reqwest::ClientBuilder,
    ) -> Result<Self, VendorError> {
        crate::base_url::usable(vendor, &config.base_url)?;
        let http = builder
            .user_agent(USER_AGENT)
            // Redirects are answers to read (a login page, an expired session), never to
            // follow blindly with credentials attached (nor away from a pinned address).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| VendorError::Permanent {
                vendor,
                status: 0,
                message: e.to_string(),
            })?;
        Ok(Self {
            vendor,
            http,
            base_url: config.base_url,
            retry: config.retry,
            rate: RateWindows::new(vendor, config.limit, config.write_limit),
            lease: Lease::default(),
            stats: Stats::default(),
        })
    }

    /// Names the credential this client calls with (its rate windows belong to it, not to
    /// the run). Only a hash of `identity` is kept.
    pub fn set_credential(&mut self, identity: &str) {
        self.rate.name_credential(identity);
    }

    /// The key of the credential's rate windows, once named.
    pub fn credential(&self) -> Option<&str> {
        self.rate.credential()
    }

    /// Lends the client to a run: it beats the run's heartbeat before every write and every
    /// wait, and takes its rate slots from the credential's shared windows.
    pub fn join_run(&mut self, run: Arc<dyn Heartbeat>) {
        self.lease = Lease::new(run);
    }

    /// Waits `wait` on the run's behalf: the heartbeat extends the lease over it, or stops
    /// the run when its deadline falls inside it.
    pub async fn pause(&self, wait: Duration) -> Result<(), VendorError> {
        self.lease.pause(wait).await
    }

    /// The vendor's name.
    pub fn vendor(&self) -> &'static str {
        self.vendor
    }

    /// A request builder for `path` under the base URL.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{}", self.base_url, path))
    }

    /// Sends the request that `build` makes (called again for each attempt) as `call` says:
    /// each attempt is admitted by the credential's rate windows (a write beats the lease
    /// first), and its answer judged by the retry policy — a 429 tried again after
    /// Retry-After, transient failures with backoff within the budget, a call whose answer
    /// may have been lost only where its [`Ambiguity`] allows (else the error is returned
    /// for the caller to reconcile). 4xx other than 401/403/429 are Permanent; 401/403 are
    /// answers, so that callers can refresh tokens or name a missing permission. The answer
    /// comes back as `call`'s type says: a [`Reply`], or a streamed `reqwest::Response`.
    pub async fn send<A: Answer>(
        &self,
        call: Call<A>,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<A::Output, VendorError> {
        let retries = Retries {
            vendor: self.vendor,
            policy: &self.retry,
            lease: &self.lease,
            made: &self.stats.retries,
        };
        let (call, build) = (&call, &build);
        retries.run(|n| self.attempt(call, build, n)).await
    }

    /// Attempt `n` of `call`: admitted, sent, its answer taken and judged.
    async fn attempt<A: Answer>(
        &self,
        call: &Call<A>,
        build: &impl Fn() -> RequestBuilder,
        n: u32,
    ) -> Result<Step<A::Output>, VendorError> {
        self.rate.admit(call.kind(), &self.lease).await?;
        if call.kind() == CallKind::Write {
            self.lease.before_write().await?;
        }
        self.stats.requests.fetch_add(1, Relaxed);
        let ambiguity = call.ambiguity();
        let response = match build().send().await {
            Ok(response) => response,
            Err(e) if e.is_builder() => return Err(VendorError::unsendable(self.vendor, &e)),
            Err(e) => return self.settle(self.retry.unanswered(&e, ambiguity, n)),
        };
        let answer = match A::take(response).await {
            Ok(answer) => answer,
            Err(e) => return self.settle(self.retry.cut_off(&e, ambiguity, n)),
        };
        let head = A::head(&answer);
        let (status, after) = (head.status, retry_after(head.headers));
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.stats.throttled.fetch_add(1, Relaxed);
            self.too_long(after)?;
        }
        match self.retry.answered(&head, after, ambiguity, n) {
            Verdict::Answer => Ok(Step::Done(answer)),
            Verdict::Refused => Err(VendorError::Permanent {
                vendor: self.vendor,
                status: status.as_u16(),
                message: A::refusal(answer).await,
            }),
            Verdict::Setback(setback) => self.settle(setback),
        }
    }

    /// A setback as the retry layer takes it: another attempt, or the error that ends the
    /// call.
    fn settle<T>(&self, setback: Setback) -> Result<Step<T>, VendorError> {
        match setback {
            Setback::Again { wait, why } => Ok(Step::Again { wait, why }),
            Setback::Lost(message) => Err(VendorError::Retryable {
                vendor: self.vendor,
                message,
            }),
        }
    }

    /// A Retry-After longer than a single wait may be is not slept through (a Lambda would
    /// pay for idling, and might pass its deadline): the run stops and continues after it.
    fn too_long(&self, after: Option<Duration>) -> Result<(), VendorError> {
        match after {
            Some(after) if after > self.retry.max_delay => {
                Err(VendorError::Halted(Halt::Backoff {
                    seconds: after.as_secs().max(1),
                }))
            }
            _ => Ok(()),
        }
    }

    /// Takes `units` of a limit that counts something other than requests (LinkedIn's
    /// records per minute: a batch of 100 records takes 100), waiting until they fit. In a
    /// run the units are counted in the credential's shared window named `name` (so all
    /// runs and continuations of one application share it); outside a run, in-process.
    pub async fn take_units(
        &self,
        name: &str,
        limit: (u32, Duration),
        units: u32,
    ) -> Result<(), VendorError> {
        self.rate.take_units(name, limit, units, &self.lease).await
    }
}

/// A vendor client built on [`VendorClient`]: it can be lent to a run.
pub trait RunBound {
    /// The base client.
    fn base(&mut self) -> &mut VendorClient;

    /// Lends the client to a run (see [`VendorClient::join_run`]).
    fn join_run(&mut self, run: Arc<dyn Heartbeat>) {
        self.base().join_run(run);
    }
}

#[cfg(test)]
mod tests;
