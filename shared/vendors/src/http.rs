//! The vendor HTTP client base shared by every vendor client.

use renkei_core::heartbeat::{Halt, Heartbeat, NoRun};
use renkei_core::rate::{Admission, Slot, Window};
use reqwest::{Method, RequestBuilder, StatusCode};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

pub use crate::error::VendorError;
pub use crate::limiter::SlidingWindow;
use crate::limiter::{LocalWindows, UnitWindow, local_windows};
use crate::retry::{backoff, retry_after};
pub use crate::token::TokenCache;

/// Retry tunables.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all (1 = no retry).
    pub max_attempts: u32,
    /// First backoff; doubles each attempt, with full jitter.
    pub base_delay: Duration,
    /// Longest single wait (also caps Retry-After).
    pub max_delay: Duration,
    /// Total time a call may spend retrying.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
            budget: Duration::from_secs(120),
        }
    }
}

/// Whether a call writes (some vendors limit writes separately).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// Reads.
    Read,
    /// Writes; also counted against the write limit.
    Write,
}

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

/// A finished response.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// Body text.
    pub body: String,
    /// Headers (cookies, locations).
    pub headers: reqwest::header::HeaderMap,
}

/// Counters for metrics and benchmarks.
#[derive(Debug, Default)]
pub struct Stats {
    /// Requests sent.
    pub requests: std::sync::atomic::AtomicU64,
    /// 429 answers received.
    pub throttled: std::sync::atomic::AtomicU64,
    /// Retries made.
    pub retries: std::sync::atomic::AtomicU64,
}

/// The shared client: limits, retries and error classification for one vendor account.
#[derive(Debug)]
pub struct VendorClient {
    vendor: &'static str,
    http: reqwest::Client,
    config: HttpConfig,
    local: Arc<LocalWindows>,
    /// `<vendor>#<hash of the credential>`: names the credential's rate windows.
    credential: Option<String>,
    run: Arc<dyn Heartbeat>,
    /// Units taken outside a run (no shared ledger): (when, how many).
    units: UnitWindow,
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
            local: Arc::new(LocalWindows::new(config.limit, config.write_limit)),
            credential: None,
            run: Arc::new(NoRun),
            units: Default::default(),
            config,
            stats: Stats::default(),
        })
    }

    /// Names the credential this client calls with (its rate windows belong to it, not to
    /// the run). Only a hash of `identity` is kept.
    pub fn set_credential(&mut self, identity: &str) {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("{}:{identity}", self.vendor).as_bytes());
        let key = format!("{}#{}", self.vendor, &hex::encode(digest)[..16]);
        self.local = local_windows(&key, self.config.limit, self.config.write_limit);
        self.credential = Some(key);
    }

    /// The key of the credential's rate windows, once named.
    pub fn credential(&self) -> Option<&str> {
        self.credential.as_deref()
    }

    /// Lends the client to a run: it beats the run's heartbeat before every write and every
    /// wait, and takes its rate slots from the credential's shared windows.
    pub fn join_run(&mut self, run: Arc<dyn Heartbeat>) {
        self.run = run;
    }

    /// The shared-window slot a call of `kind` needs (None: this vendor has no limits).
    fn slot(&self, kind: CallKind) -> Option<Slot> {
        let credential = self.credential.clone()?;
        let window = |name: &str, (limit, w): (u32, Duration)| Window {
            name: name.into(),
            limit,
            // Widened by 2% like the in-process window: clock jitter never costs a 429.
            window_ms: w.mul_f64(1.02).as_millis() as u64,
            cost: 1,
        };
        let mut windows: Vec<Window> = self
            .config
            .limit
            .map(|l| window("all", l))
            .into_iter()
            .collect();
        if kind == CallKind::Write
            && let Some(l) = self.config.write_limit
        {
            windows.push(window("write", l));
        }
        (!windows.is_empty()).then_some(Slot {
            credential,
            windows,
        })
    }

    /// Waits `wait` on the run's behalf: the heartbeat extends the lease over it, or stops
    /// the run when its deadline falls inside it.
    pub async fn pause(&self, wait: Duration) -> Result<(), VendorError> {
        self.run.beat(wait).await.map_err(VendorError::Halted)?;
        tokio::time::sleep(wait).await;
        Ok(())
    }

    /// The vendor's name.
    pub fn vendor(&self) -> &'static str {
        self.vendor
    }

    /// A request builder for `path` under the base URL.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{}", self.config.base_url, path))
    }

    /// Sends the request that `build` makes (called again for each attempt), within the
    /// limits, retrying 429 (after Retry-After) and transient failures. A non-idempotent
    /// write (`retry_ambiguous` false) is retried only when the vendor surely did not process
    /// it (429, connection refused); otherwise the error is returned for the caller to
    /// reconcile. 4xx other than 401/403/429 are Permanent; 401/403 are returned as
    /// replies so that callers can refresh tokens or name a missing permission.
    pub async fn send(
        &self,
        kind: CallKind,
        retry_ambiguous: bool,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Reply, VendorError> {
        use std::sync::atomic::Ordering::Relaxed;
        let started = Instant::now();
        let policy = self.config.retry;
        let mut attempt = 0;
        loop {
            self.admit(kind).await?;
            attempt += 1;
            let (wait, message) = match build().send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let after = retry_after(resp.headers());
                    let headers = resp.headers().clone();
                    let body = match resp.text().await {
                        Ok(b) => b,
                        Err(e) if retry_ambiguous => {
                            let w = backoff(&policy, attempt);
                            self.retry_or_give_up(
                                started,
                                attempt,
                                w,
                                format!("reading the answer: {e}"),
                            )
                            .await?;
                            continue;
                        }
                        Err(e) => {
                            return Err(VendorError::Retryable {
                                vendor: self.vendor,
                                message: format!("answer lost: {e}"),
                            });
                        }
                    };
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        self.stats.throttled.fetch_add(1, Relaxed);
                        self.too_long(after)?;
                        (
                            after.unwrap_or_else(|| backoff(&policy, attempt)),
                            format!("HTTP 429 {}", body.trim()),
                        )
                    } else if status.is_server_error() && retry_ambiguous {
                        (
                            backoff(&policy, attempt),
                            format!("HTTP {status} {}", body.trim()),
                        )
                    } else if status.is_server_error() {
                        return Err(VendorError::Retryable {
                            vendor: self.vendor,
                            message: format!("HTTP {status} {}", body.trim()),
                        });
                    } else if status.is_client_error()
                        && status != StatusCode::UNAUTHORIZED
                        && status != StatusCode::FORBIDDEN
                    {
                        return Err(VendorError::Permanent {
                            vendor: self.vendor,
                            status: status.as_u16(),
                            message: body,
                        });
                    } else {
                        return Ok(Reply {
                            status,
                            body,
                            headers,
                        });
                    }
                }
                Err(e) if e.is_builder() => return Err(VendorError::unsendable(self.vendor, &e)),
                Err(e) if e.is_connect() || retry_ambiguous => {
                    (backoff(&policy, attempt), e.to_string())
                }
                Err(e) => {
                    return Err(VendorError::Retryable {
                        vendor: self.vendor,
                        message: e.to_string(),
                    });
                }
            };
            self.retry_or_give_up(started, attempt, wait, message)
                .await?;
        }
    }

    /// A Retry-After longer than a single wait may be is not slept through (a Lambda would
    /// pay for idling, and might pass its deadline): the run stops and continues after it.
    fn too_long(&self, after: Option<Duration>) -> Result<(), VendorError> {
        match after {
            Some(after) if after > self.config.retry.max_delay => {
                Err(VendorError::Halted(Halt::Backoff {
                    seconds: after.as_secs().max(1),
                }))
            }
            _ => Ok(()),
        }
    }

    /// Waits until the credential's windows allow one more call of `kind`, and counts it:
    /// in the shared windows of the state store within a run, in-process otherwise. A write
    /// is preceded by a heartbeat, so a run that lost its lease never sends it.
    async fn admit(&self, kind: CallKind) -> Result<(), VendorError> {
        if let Some(slot) = self.slot(kind) {
            loop {
                let admission = self.run.admit(&slot).await.map_err(VendorError::Halted)?;
                let taken = match admission {
                    Admission::Granted => Ok(()),
                    Admission::Wait(wait) => Err(wait),
                    Admission::Local => self.local.try_take(kind),
                };
                match taken {
                    Ok(()) => break,
                    Err(wait) => self.pause(wait).await?,
                }
            }
        } else {
            while let Err(wait) = self.local.try_take(kind) {
                self.pause(wait).await?;
            }
        }
        if kind == CallKind::Write {
            self.run
                .beat(Duration::ZERO)
                .await
                .map_err(VendorError::Halted)?;
        }
        self.stats
            .requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Takes `units` of a limit that counts something other than requests (LinkedIn's
    /// records per minute: a batch of 100 records takes 100), waiting until they fit. In a
    /// run the units are counted in the credential's shared window named `name` (so all
    /// runs and continuations of one application share it); outside a run, in-process.
    pub async fn take_units(
        &self,
        name: &str,
        (limit, window): (u32, Duration),
        units: u32,
    ) -> Result<(), VendorError> {
        let units = units.clamp(1, limit.max(1));
        let window = window.mul_f64(1.02);
        let slot = self.credential.clone().map(|credential| Slot {
            credential,
            windows: vec![Window {
                name: name.into(),
                limit,
                window_ms: window.as_millis() as u64,
                cost: units,
            }],
        });
        loop {
            let admission = match &slot {
                Some(slot) => self.run.admit(slot).await.map_err(VendorError::Halted)?,
                None => Admission::Local,
            };
            let taken = match admission {
                Admission::Granted => Ok(()),
                Admission::Wait(wait) => Err(wait),
                Admission::Local => self.units.take(limit, window, units),
            };
            match taken {
                Ok(()) => return Ok(()),
                Err(wait) => self.pause(wait).await?,
            }
        }
    }

    /// Opens a streamed GET (the body is left unread for the caller): waits for the limit,
    /// retries 429 (after Retry-After), 5xx and connection failures. 4xx other than
    /// 401/403 are Permanent; anything else (2xx, 3xx, 401, 403) is returned.
    pub async fn open(
        &self,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<reqwest::Response, VendorError> {
        use std::sync::atomic::Ordering::Relaxed;
        let started = Instant::now();
        let policy = self.config.retry;
        let mut attempt = 0;
        loop {
            self.admit(CallKind::Read).await?;
            attempt += 1;
            let (wait, message) = match build().send().await {
                Ok(resp) => {
                    let status = resp.status();
                    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                        let after = retry_after(resp.headers());
                        if status == StatusCode::TOO_MANY_REQUESTS {
                            self.stats.throttled.fetch_add(1, Relaxed);
                            self.too_long(after)?;
                        }
                        let wait = after.unwrap_or_else(|| backoff(&policy, attempt));
                        (wait, format!("HTTP {status}"))
                    } else if status.is_client_error()
                        && status != StatusCode::UNAUTHORIZED
                        && status != StatusCode::FORBIDDEN
                    {
                        let body = resp.text().await.unwrap_or_default();
                        return Err(VendorError::Permanent {
                            vendor: self.vendor,
                            status: status.as_u16(),
                            message: body,
                        });
                    } else {
                        return Ok(resp);
                    }
                }
                Err(e) if e.is_builder() => return Err(VendorError::unsendable(self.vendor, &e)),
                Err(e) => (backoff(&policy, attempt), e.to_string()),
            };
            self.retry_or_give_up(started, attempt, wait, message)
                .await?;
        }
    }

    async fn retry_or_give_up(
        &self,
        started: Instant,
        attempt: u32,
        wait: Duration,
        message: String,
    ) -> Result<(), VendorError> {
        let policy = self.config.retry;
        if attempt >= policy.max_attempts || started.elapsed() + wait > policy.budget {
            return Err(VendorError::Retryable {
                vendor: self.vendor,
                message: format!("{message} (gave up after {attempt} attempts)"),
            });
        }
        self.stats
            .retries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::debug!(
            vendor = self.vendor,
            attempt,
            wait_ms = wait.as_millis() as u64,
            "retrying"
        );
        self.pause(wait).await
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

mod decode;
pub use decode::parse_json;

#[cfg(test)]
mod tests;
