//! Around a run: what to run (requests and the bus event), the engine's tunables and ports,
//! the step hooks tests crash at, and what a run did.

use crate::clock::Clock;
use crate::ids::{ConnectionId, TenantId};
use crate::notify::NoticePolicy;
use crate::ports::{BusEvent, EventBus, Notifier, SecretStore, StateStore, StoreError};
use crate::run::RunRecord;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

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
    /// Where the connectors may call out (strict unless the embedded backend says Local).
    pub outbound: crate::outbound::OutboundPolicy,
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
            outbound: crate::outbound::OutboundPolicy::default(),
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
    /// What part of the connection's work to do (one of the connector's
    /// [`ConnectorFactory::scopes`](crate::connector::ConnectorFactory::scopes)); None: all.
    pub scope: Option<String>,
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
            scope: None,
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
    /// Requested by a person (the admin surface, the CLI): runs even while automation is off.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub manual: bool,
    /// The part of the work asked for (see [`RunRequest::scope`]); None: all of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl SyncRequested {
    /// EventBridge detail-type.
    pub const DETAIL_TYPE: &'static str = "SyncRequested";

    /// A request for all of a connection's work, by nobody in particular (the dispatcher).
    pub fn new(
        tenant_id: TenantId,
        connection_id: ConnectionId,
        connector: impl Into<String>,
    ) -> Self {
        Self {
            tenant_id,
            connection_id,
            connector: connector.into(),
            continuation: false,
            claim: None,
            webhook: false,
            manual: false,
            scope: None,
        }
    }

    /// The run this event asks for, to finish before `deadline`.
    pub fn to_request(&self, deadline: Option<DateTime<Utc>>) -> RunRequest {
        RunRequest {
            deadline,
            manual: self.manual,
            webhook: self.webhook,
            scope: self.scope.clone(),
            ..RunRequest::scheduled(
                self.tenant_id.clone(),
                self.connection_id.clone(),
                self.claim.clone(),
            )
        }
    }

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
