//! The connector author's API: what a connector implements ([`Connector`], built by a
//! [`ConnectorFactory`]), the records it hands the engine, the errors it reports, and the
//! requests, events and outcomes around a run. The engine itself is in `engine.rs`.

use crate::clock::Clock;
use crate::heartbeat::{Halt, Heartbeat};
use crate::ids::{ConnectionId, TenantId};
use crate::notify::NoticePolicy;
use crate::ports::{BusEvent, EventBus, Notifier, SecretStore, StateStore, StoreError};
use crate::repo::{Connection, Role};
use crate::run::{RunRecord, RunStatus};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::any::Any;
use std::sync::Arc;

/// Errors a connector reports, each saying whether trying again can help.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SyncError {
    /// The vendor refused the credentials: a person must fix them.
    #[error("{0}")]
    Auth(String),
    /// Throttling, network or server trouble: a later run will likely succeed.
    #[error("{0}")]
    Retryable(String),
    /// Configuration or contract problem: retrying without a change will not help.
    #[error("{0}")]
    Permanent(String),
    /// The run must stop at once (its lease is gone, or its deadline is near).
    #[error("{0}")]
    Halted(#[from] Halt),
}

impl From<StoreError> for SyncError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Corrupt(m) => SyncError::Permanent(m),
            other => SyncError::Retryable(other.to_string()),
        }
    }
}

/// A record as pulled and mapped by the connector (`R`: the connector's typed record).
#[derive(Debug, Clone, PartialEq)]
pub enum Pulled<R = Payload> {
    /// Ready to write: `payload` is what the target should hold for `key`.
    Ready {
        /// Stable record key at the target (e.g. 社員番号).
        key: String,
        /// The mapped record; its hash decides whether a write is needed.
        payload: R,
    },
    /// Outside the connection's scope; not an error.
    Skipped,
    /// Bad input: goes to the error report, the run goes on.
    Rejected {
        /// How a person finds the record.
        record: String,
        /// Why.
        reason: String,
    },
}

/// One page from the source (`K`: the connector's typed cursor).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<R = Payload, K = String> {
    /// Records in source order.
    pub records: Vec<Pulled<R>>,
    /// Cursor after this page (saved once the page's writes succeeded).
    pub next_cursor: Option<K>,
    /// Whether another page follows now.
    pub has_more: bool,
}

impl<R, K> Default for Page<R, K> {
    fn default() -> Self {
        Self {
            records: Vec::new(),
            next_cursor: None,
            has_more: false,
        }
    }
}

/// A record to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Change<R = Payload> {
    /// Record key.
    pub key: String,
    /// Mapped record.
    pub payload: R,
}

/// What happened to one written record, in the order of the changes given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteResult {
    /// Created.
    Created,
    /// Updated.
    Updated,
    /// The target already held this record (an idempotent create found it): no change.
    Unchanged,
    /// The target refused it.
    Rejected(String),
}

/// What a connector does; the engine does everything else (leases, hashes, checkpoints,
/// error reports, notices).
#[async_trait]
pub trait Connector: Send {
    /// A mapped record, as the target takes it. Its JSON form is hashed to skip writes of
    /// records that did not change.
    type Record: Serialize + Clone + Send + Sync + 'static;
    /// Where the source stands after a page (saved as the checkpoint). A cursor that is a
    /// JSON string is stored as that string; anything else as JSON.
    type Cursor: Serialize + DeserializeOwned + Send + Sync;

    /// Once per run before the first page (tokens, the target's existing keys).
    async fn begin(&mut self) -> Result<(), SyncError> {
        Ok(())
    }
    /// The page after `cursor` (None: the connection's start).
    async fn pull(
        &mut self,
        cursor: Option<Self::Cursor>,
    ) -> Result<Page<Self::Record, Self::Cursor>, SyncError>;
    /// Writes changes as upserts, or only validates them when `dry_run`.
    async fn write(
        &mut self,
        changes: &[Change<Self::Record>],
        dry_run: bool,
    ) -> Result<Vec<WriteResult>, SyncError>;
}

/// A connector's record on its way through the engine: its JSON form (hashed, never
/// written) and the typed record itself, handed back to the connector's `write`.
#[derive(Clone)]
pub struct Payload {
    /// The record as JSON.
    pub json: Value,
    typed: Arc<dyn Any + Send + Sync>,
}

impl Payload {
    /// Wraps a typed record.
    pub fn new<R: Serialize + Send + Sync + 'static>(record: R) -> Self {
        Self {
            json: serde_json::to_value(&record).unwrap_or(Value::Null),
            typed: Arc::new(record),
        }
    }

    /// The typed record, if it is an `R`.
    pub fn get<R: 'static>(&self) -> Option<&R> {
        self.typed.downcast_ref::<R>()
    }
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.json.fmt(f)
    }
}

impl PartialEq for Payload {
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json
    }
}

/// A connector as the engine drives it: records and cursors type-erased. Every
/// [`Connector`] is one; factories return them boxed.
#[async_trait]
pub trait RunConnector: Send {
    /// [`Connector::begin`].
    async fn begin(&mut self) -> Result<(), SyncError>;
    /// [`Connector::pull`], the cursor as stored.
    async fn pull(&mut self, cursor: Option<&str>) -> Result<Page, SyncError>;
    /// [`Connector::write`].
    async fn write(
        &mut self,
        changes: &[Change],
        dry_run: bool,
    ) -> Result<Vec<WriteResult>, SyncError>;
}

/// A cursor as stored: a JSON string as itself, anything else as JSON.
pub fn encode_cursor<K: Serialize>(cursor: &K) -> Result<String, SyncError> {
    match serde_json::to_value(cursor) {
        Ok(Value::String(s)) => Ok(s),
        Ok(v) => Ok(v.to_string()),
        Err(e) => Err(SyncError::Permanent(format!("cursor not storable: {e}"))),
    }
}

/// The cursor a stored one stands for (see [`encode_cursor`]).
pub fn decode_cursor<K: DeserializeOwned>(stored: &str) -> Result<K, SyncError> {
    serde_json::from_str(stored)
        .or_else(|_| serde_json::from_value(Value::String(stored.to_string())))
        .map_err(|e| SyncError::Permanent(format!("saved cursor unreadable ({e}): {stored}")))
}

#[async_trait]
impl<C: Connector> RunConnector for C {
    async fn begin(&mut self) -> Result<(), SyncError> {
        Connector::begin(self).await
    }

    async fn pull(&mut self, cursor: Option<&str>) -> Result<Page, SyncError> {
        let cursor = cursor.map(decode_cursor::<C::Cursor>).transpose()?;
        let page = Connector::pull(self, cursor).await?;
        Ok(Page {
            records: page
                .records
                .into_iter()
                .map(|r| match r {
                    Pulled::Ready { key, payload } => Pulled::Ready {
                        key,
                        payload: Payload::new(payload),
                    },
                    Pulled::Skipped => Pulled::Skipped,
                    Pulled::Rejected { record, reason } => Pulled::Rejected { record, reason },
                })
                .collect(),
            next_cursor: page.next_cursor.as_ref().map(encode_cursor).transpose()?,
            has_more: page.has_more,
        })
    }

    async fn write(
        &mut self,
        changes: &[Change],
        dry_run: bool,
    ) -> Result<Vec<WriteResult>, SyncError> {
        let typed = changes
            .iter()
            .map(|ch| {
                ch.payload
                    .get::<C::Record>()
                    .map(|r| Change {
                        key: ch.key.clone(),
                        payload: r.clone(),
                    })
                    .ok_or_else(|| {
                        SyncError::Permanent(format!("record {} is not this connector's", ch.key))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Connector::write(self, &typed, dry_run).await
    }
}

/// A connection's settings as the connector's type: the one way every factory reads them.
pub fn decode_settings<S: DeserializeOwned>(conn: &Connection) -> Result<S, SyncError> {
    serde_json::from_value(conn.settings.clone())
        .map_err(|e| SyncError::Permanent(format!("connection settings unreadable: {e}")))
}

/// A connection's secret as the connector's type: the one way every factory reads it.
/// No secret stored is an authentication problem a person fixes (`missing` says how); an
/// unreadable one is named by position only, since a decoder's message may quote a value.
pub fn decode_secret<S: DeserializeOwned>(
    secret: Option<&str>,
    missing: &str,
) -> Result<S, SyncError> {
    let secret = secret.ok_or_else(|| SyncError::Auth(missing.to_string()))?;
    serde_json::from_str(secret).map_err(|e| {
        SyncError::Auth(format!(
            "stored credentials unreadable ({:?} at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })
}

/// What a factory may read while building a connector, besides the connection itself.
#[derive(Clone, Copy)]
pub struct BuildEnv<'a> {
    /// The state store (e.g. a tenant's routing rules).
    pub store: &'a dyn StateStore,
    /// The run's start: the one "now" a connector uses (time windows end here).
    pub now: DateTime<Utc>,
    /// Beat before every vendor write and every long wait (vendor clients take it).
    pub heartbeat: &'a Arc<dyn Heartbeat>,
}

/// Builds a connector for a connection from its settings and secret.
#[async_trait]
pub trait ConnectorFactory: Send + Sync {
    /// The connector's name (its function folder).
    fn name(&self) -> &'static str;
    /// The vendors it talks to, by the sandbox simulator's name (the consistency test
    /// checks that each one is simulated).
    fn vendors(&self) -> &'static [&'static str];
    /// Roles told about failures.
    fn notify_roles(&self) -> &'static [Role];
    /// A connector ready to run.
    async fn build(
        &self,
        conn: &Connection,
        secret: Option<String>,
        env: BuildEnv<'_>,
    ) -> Result<Box<dyn RunConnector>, SyncError>;

    /// Updates the connection after a run: at least `next_run_at`. The default follows the
    /// cadence, and a continued run is due again at once.
    fn after_run(&self, conn: &mut Connection, run: &RunRecord, now: DateTime<Utc>) {
        conn.next_run_at = if run.status == RunStatus::Continued {
            now
        } else {
            conn.cadence.next_after(now)
        };
    }

    /// How long a record's content hash is kept (None: as long as the connection). Records
    /// that come and go (applicants) set one so that hash rows do not grow forever.
    fn hash_ttl(&self) -> Option<Duration> {
        None
    }

    /// The notification policy for this connector's connections.
    fn notice_policy(&self, default: NoticePolicy) -> NoticePolicy {
        default
    }

    /// What a person should do about a failed run, told in the failure email.
    fn failure_advice(&self, _conn: &Connection, _run: &RunRecord) -> Option<String> {
        None
    }

    /// The vendors whose webhooks start this connector's runs (P9), each with where its
    /// signing secret is in the connection's secret. Empty: schedule only.
    fn webhooks(&self) -> &'static [WebhookSource] {
        &[]
    }
}

/// A vendor whose signed webhooks may start a connection's run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookSource {
    /// The calling vendor.
    pub vendor: crate::webhook::WebhookVendor,
    /// The field of the connection's secret (a JSON object) holding the signing secret.
    pub secret_field: &'static str,
}

/// The points between steps where a process can die; tests stop the engine at each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Lease taken.
    LeaseTaken,
    /// Run record written.
    RunOpened,
    /// A page pulled.
    Pulled,
    /// A page written to the target.
    Written,
    /// The page committed: hashes, error rows, checkpoint and run record in one fenced write.
    Committed,
    /// About to close the run.
    Closing,
}

/// Observes step boundaries. `Err` stops the engine on the spot, as a killed process would.
pub trait StepHook: Send + Sync {
    /// Called at every boundary.
    fn reached(&self, step: Step) -> Result<(), Crash>;
}

/// A simulated process death.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crash(pub Step);

/// Production hook: never stops.
pub struct NoHook;
impl StepHook for NoHook {
    fn reached(&self, _: Step) -> Result<(), Crash> {
        Ok(())
    }
}

/// The ports the engine uses.
#[derive(Clone, Copy)]
pub struct Ports<'a> {
    /// State.
    pub store: &'a dyn StateStore,
    /// Credentials.
    pub secrets: &'a dyn SecretStore,
    /// Mail.
    pub notifier: &'a dyn Notifier,
    /// Continuations.
    pub bus: &'a dyn EventBus,
    /// Time.
    pub clock: &'a dyn Clock,
}

/// Engine tunables.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Lease lifetime; renewed before every page's writes and by heartbeats during long
    /// waits. A run that stops renewing is taken over after it.
    pub lease_ttl: Duration,
    /// A heartbeat renews the lease in the store when the last renewal is this old.
    pub renew_every: Duration,
    /// How long a handed-out run (a dispatcher claim, a continuation) may take to start
    /// before the dispatcher hands it out again under a new claim.
    pub claim_ttl: Duration,
    /// How long run records and error reports (which name people) are kept.
    pub retention: Duration,
    /// Segments in a row that may end at the time budget without finishing one page before
    /// the run is failed as stuck (instead of continuing silently forever).
    pub max_stalled_segments: u32,
    /// Stop pulling when less than this remains before the deadline.
    pub budget_margin: Duration,
    /// Notification policy.
    pub notice: NoticePolicy,
    /// EventBridge source of the events the engine emits.
    pub event_source: String,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            lease_ttl: Duration::minutes(5),
            renew_every: Duration::minutes(1),
            claim_ttl: Duration::minutes(15),
            retention: Duration::days(90),
            max_stalled_segments: 3,
            budget_margin: Duration::seconds(90),
            notice: NoticePolicy::default(),
            event_source: "renkei".into(),
        }
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// Owner.
    pub tenant_id: TenantId,
    /// Connection.
    pub connection_id: ConnectionId,
    /// When the invocation must have returned (Lambda's deadline); None: no limit.
    pub deadline: Option<DateTime<Utc>>,
    /// Validate and count without writing anything anywhere.
    pub dry_run: bool,
    /// Run even if automation is off and the connection is not due (a person pressed
    /// "run now").
    pub manual: bool,
    /// The claim the scheduled event carries; a scheduled run goes ahead only if it is the
    /// connection's current claim (or, without one, if the connection is due).
    pub claim: Option<String>,
    /// A vendor's webhook asked for it: runs while automation is on even if not due, unless
    /// a run is already handed out (that one reads the change too).
    pub webhook: bool,
}

impl RunRequest {
    /// A run asked for by the schedule (the dispatcher's event, a continuation).
    pub fn scheduled(
        tenant_id: TenantId,
        connection_id: ConnectionId,
        claim: Option<String>,
    ) -> Self {
        Self {
            tenant_id,
            connection_id,
            deadline: None,
            dry_run: false,
            manual: false,
            claim,
            webhook: false,
        }
    }

    /// A run a person asked for ("run now").
    pub fn manual(tenant_id: TenantId, connection_id: ConnectionId) -> Self {
        Self {
            manual: true,
            ..Self::scheduled(tenant_id, connection_id, None)
        }
    }
}

/// The bus event that starts a connection's run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequested {
    /// Owner.
    pub tenant_id: TenantId,
    /// Connection.
    pub connection_id: ConnectionId,
    /// Connector name: the bus rule routes on it.
    pub connector: String,
    /// Sent by a run that reached its time budget.
    #[serde(default)]
    pub continuation: bool,
    /// The claim handed out with this event (see `repo::Claim`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    /// Requested by the webhook ingress on a vendor's call.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub webhook: bool,
}

impl SyncRequested {
    /// EventBridge detail-type.
    pub const DETAIL_TYPE: &'static str = "SyncRequested";

    /// As a bus event.
    pub fn to_event(&self, source: &str) -> BusEvent {
        BusEvent {
            source: source.to_string(),
            detail_type: Self::DETAIL_TYPE.into(),
            detail: serde_json::to_value(self).unwrap_or(Value::Null),
        }
    }
}

/// What a call to [`Engine::run`] did.
// Returned once per run and never stored in bulk: boxing the record would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Nothing ran (lease held elsewhere, connection gone or switched off).
    Skipped(String),
    /// A run happened; its record.
    Ran(RunRecord),
    /// The run lost its lease part-way (it stalled past expiry, or the connection was
    /// disconnected) and stopped without writing anything more; the run that took over
    /// marks it interrupted.
    Fenced(RunRecord),
}

/// Errors of the engine itself (not of the run, which are in the run record).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The state store failed while opening or closing the run.
    #[error("state store: {0}")]
    Store(#[from] StoreError),
    /// A test hook stopped the engine.
    #[error("crash injected at {0:?}")]
    Crashed(Step),
}

impl From<Crash> for EngineError {
    fn from(c: Crash) -> Self {
        EngineError::Crashed(c.0)
    }
}

/// Stable hash of a mapped record (serde_json maps are sorted, so equal content hashes equal).
pub fn content_hash(payload: &Value) -> String {
    let bytes = serde_json::to_vec(payload).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}
