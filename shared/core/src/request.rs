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
    /// The connection's lease is ours (and an abandoned run, if any, not yet marked
    /// interrupted); nothing else of the run is written yet.
    LeaseTaken,
    /// The run is admitted and open: a new run lives in its lease's opening, a continuation's
    /// record is back to running. No page has been pulled.
    RunOpened,
    /// A page came back from the source; nothing of it is written to the target yet.
    Pulled,
    /// The target has answered for a page's changes; nothing of the page is committed to
    /// the state store yet (a crash here replays the page).
    Written,
    /// The page committed: hashes, error rows, checkpoint and run record in one fenced write.
    Committed,
    /// The segment's pages are over (done, or the time budget spent); the final record,
    /// the connection's update, the notice and the lease's release are still to come.
    Closing,
}

/// Observes step boundaries. `Err` stops the engine on the spot, as a killed process would.
pub trait StepHook: Send + Sync {
    /// Called as the engine passes `step`; `Err(Crash)` makes the engine return at once
    /// with [`EngineError::Crashed`], leaving the store as a killed process would.
    fn reached(&self, step: Step) -> Result<(), Crash>;
}

/// A simulated process death at the step it carries, as a [`StepHook`] answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crash(pub Step);

/// The hook every deployed engine uses: lets every step pass (crashes are for tests).
pub struct NoHook;
impl StepHook for NoHook {
    fn reached(&self, _: Step) -> Result<(), Crash> {
        Ok(())
    }
}

/// The ports the engine uses: the only ways a run reaches storage, secrets, mail, the bus
/// and the time (DynamoDB, Secrets Manager, SES, EventBridge on AWS; renkei-local embedded).
#[derive(Clone, Copy)]
pub struct Ports<'a> {
    /// Connections, leases, checkpoints, run records, error reports and record hashes.
    pub store: &'a dyn StateStore,
    /// Where each connection's vendor credentials are read at the start of every run.
    pub secrets: &'a dyn SecretStore,
    /// Sends failure and pause notices to the tenant's users.
    pub notifier: &'a dyn Notifier,
    /// Carries the `SyncRequested` event that hands a continued run to a new invocation.
    pub bus: &'a dyn EventBus,
    /// "Now" for leases, deadlines, schedules and notice intervals (a manual clock in tests).
    pub clock: &'a dyn Clock,
}

/// Engine tunables, chosen once per deployment in its wiring (the Lambdas take
/// [`Default`]'s values with their outbound policy).
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
    /// When a run's outcome is emailed, how often, and after how many failures a
    /// connection pauses itself (a connector may adjust it for its own runs).
    pub notice: NoticePolicy,
    /// EventBridge source of the events the engine emits.
    pub event_source: String,
    /// Where the connectors may call out (strict unless the embedded backend says Local).
    pub outbound: crate::outbound::OutboundPolicy,
    /// Simulated seconds per real second ([`REAL_TIME`] unless set with
    /// [`EngineConfig::set_time_scale`]): a time-scaled sandbox (the testbed, the benchmarks)
    /// runs its vendors' clocks this much faster, so connectors shorten their vendors' rate
    /// windows and waits by it ([`crate::connector::BuildEnv::time_scale`]). It belongs to
    /// the run's environment, not to a connection: a deployment never sets it.
    pub time_scale: f64,
}

/// The time scale of a deployment, and of whatever runs outside an engine (connecting,
/// webhooks): simulated time is real time.
pub const REAL_TIME: f64 = 1.0;

impl EngineConfig {
    /// Sets [`EngineConfig::time_scale`], refusing a scale that is not a positive finite
    /// number (a zero or negative one would make every window and wait infinite or
    /// negative).
    pub fn set_time_scale(&mut self, scale: f64) -> Result<(), String> {
        self.time_scale = checked_time_scale(scale)?;
        Ok(())
    }
}

/// `scale` when it is a usable time scale (simulated seconds per real second: finite and
/// above zero), or why not.
pub fn checked_time_scale(scale: f64) -> Result<f64, String> {
    if scale.is_finite() && scale > 0.0 {
        Ok(scale)
    } else {
        Err(format!(
            "time scale {scale} refused: simulated seconds per real second, a finite number above 0 (1 is real time)"
        ))
    }
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
            time_scale: REAL_TIME,
        }
    }
}

/// Why a run was asked for: what decides whether it may start (engine/admit.rs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// The schedule: the dispatcher's event with the claim it handed out, or (no claim) a run
    /// that goes ahead only if the connection is due.
    Schedule {
        /// The hand-out's claim; the run goes ahead only under the connection's current one.
        claim: Option<String>,
    },
    /// A run that reached its time budget goes on, under the claim it handed on.
    Continuation {
        /// The claim the ending run stored for its continuation.
        claim: Option<String>,
    },
    /// A vendor's webhook: runs while automation is on even if not due, unless a run is
    /// already handed out (that one reads the change too).
    Webhook,
    /// A person ("run now", the admin surface, the CLI): runs even while automation is off.
    Person,
}

impl Trigger {
    /// The claim a scheduled run or a continuation carries.
    pub fn claim(&self) -> Option<&str> {
        match self {
            Trigger::Schedule { claim } | Trigger::Continuation { claim } => claim.as_deref(),
            Trigger::Webhook | Trigger::Person => None,
        }
    }

    /// Asked for now by someone (a person or a vendor), not handed out by the schedule: such
    /// a run that finds the lease held says so rather than quietly stepping aside.
    pub fn is_on_demand(&self) -> bool {
        matches!(self, Trigger::Webhook | Trigger::Person)
    }
}

/// What to run: one connection, once, asked for by its [`Trigger`]; built from a
/// [`SyncRequested`] event or by the CLI and the embedded backend directly.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The tenant the connection belongs to.
    pub tenant_id: TenantId,
    /// The connection to run (with the connector it names).
    pub connection_id: ConnectionId,
    /// When the invocation must have returned (Lambda's deadline); None: no limit.
    pub deadline: Option<DateTime<Utc>>,
    /// A person's dry run: the connector validates and counts but writes nothing to the
    /// target, and no checkpoint, hash or connection change is saved; the run record and its
    /// error report are kept, so people can see what would have happened.
    pub dry_run: bool,
    /// Who or what asked for it: decides whether it may run now and what a held lease means.
    pub trigger: Trigger,
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
            trigger: Trigger::Schedule { claim },
            scope: None,
        }
    }

    /// A run a person asked for ("run now").
    pub fn manual(tenant_id: TenantId, connection_id: ConnectionId) -> Self {
        Self {
            trigger: Trigger::Person,
            ..Self::scheduled(tenant_id, connection_id, None)
        }
    }
}

/// The bus event that starts a connection's run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "SyncRequestedWire", into = "SyncRequestedWire")]
pub struct SyncRequested {
    /// The tenant the connection belongs to.
    pub tenant_id: TenantId,
    /// The connection to run.
    pub connection_id: ConnectionId,
    /// Connector name: the bus rule routes on it.
    pub connector: String,
    /// Who or what asked for it.
    pub trigger: Trigger,
    /// The part of the work asked for (see [`RunRequest::scope`]); None: all of it.
    pub scope: Option<String>,
    /// A person's dry run (the admin API's "dry run"): counts what it would write, writes
    /// nothing to the target (see [`RunRequest::dry_run`]); ignored on any other trigger.
    pub dry_run: bool,
}

/// The event as it travels (EventBridge rules, events/*.json, events already on the bus):
/// flags and a claim, read into one [`Trigger`] — a person's request wins over a webhook's,
/// which wins over a continuation's.
#[derive(Serialize, Deserialize)]
struct SyncRequestedWire {
    tenant_id: TenantId,
    connection_id: ConnectionId,
    connector: String,
    #[serde(default)]
    continuation: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    claim: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    webhook: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    manual: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    dry_run: bool,
}

impl From<SyncRequestedWire> for SyncRequested {
    fn from(w: SyncRequestedWire) -> Self {
        let trigger = if w.manual {
            Trigger::Person
        } else if w.webhook {
            Trigger::Webhook
        } else if w.continuation {
            Trigger::Continuation { claim: w.claim }
        } else {
            Trigger::Schedule { claim: w.claim }
        };
        Self {
            tenant_id: w.tenant_id,
            connection_id: w.connection_id,
            connector: w.connector,
            trigger,
            scope: w.scope,
            // Only a person asks for a dry run: a flag on another event is not believed.
            dry_run: w.dry_run && w.manual,
        }
    }
}

impl From<SyncRequested> for SyncRequestedWire {
    fn from(e: SyncRequested) -> Self {
        let (manual, webhook, continuation) = match &e.trigger {
            Trigger::Person => (true, false, false),
            Trigger::Webhook => (false, true, false),
            Trigger::Continuation { .. } => (false, false, true),
            Trigger::Schedule { .. } => (false, false, false),
        };
        Self {
            claim: e.trigger.claim().map(str::to_string),
            tenant_id: e.tenant_id,
            connection_id: e.connection_id,
            connector: e.connector,
            continuation,
            webhook,
            manual,
            scope: e.scope,
            dry_run: e.dry_run,
        }
    }
}

impl SyncRequested {
    /// The EventBridge `detail-type` of these events: the connector functions' bus rules
    /// match on it (and on `connector`).
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
            trigger: Trigger::Schedule { claim: None },
            scope: None,
            dry_run: false,
        }
    }

    /// The run this event asks for, to finish before `deadline`.
    pub fn to_request(&self, deadline: Option<DateTime<Utc>>) -> RunRequest {
        RunRequest {
            deadline,
            trigger: self.trigger.clone(),
            scope: self.scope.clone(),
            dry_run: self.dry_run && self.trigger == Trigger::Person,
            ..RunRequest::scheduled(self.tenant_id.clone(), self.connection_id.clone(), None)
        }
    }

    /// The event to publish, from `source` (the deployment's [`EngineConfig::event_source`]),
    /// its detail as the wire form the bus rules and events/*.json read.
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
    /// A segment ran and was closed: its record with the status it closed with (continued
    /// included).
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(flags: Value) -> SyncRequested {
        let mut v = json!({"tenant_id": "acme", "connection_id": "c1", "connector": "x"});
        v.as_object_mut()
            .unwrap()
            .extend(flags.as_object().unwrap().clone());
        serde_json::from_value(v).unwrap()
    }

    /// Events already on the bus and the samples in events/ carry flags and a claim: each
    /// reads as one trigger and is written back the same.
    #[test]
    fn s30_4_an_event_s_flags_read_as_one_trigger_and_travel_unchanged() {
        let cases = [
            (json!({}), Trigger::Schedule { claim: None }),
            (
                json!({"claim": "k1"}),
                Trigger::Schedule {
                    claim: Some("k1".into()),
                },
            ),
            (
                json!({"continuation": true, "claim": "k2"}),
                Trigger::Continuation {
                    claim: Some("k2".into()),
                },
            ),
            (json!({"webhook": true}), Trigger::Webhook),
            (json!({"manual": true}), Trigger::Person),
            (json!({"manual": true, "webhook": true}), Trigger::Person),
        ];
        for (flags, trigger) in cases {
            let e = event(flags.clone());
            assert_eq!(e.trigger, trigger, "{flags}");
            let back = serde_json::to_value(&e).unwrap();
            assert_eq!(serde_json::from_value::<SyncRequested>(back).unwrap(), e);
            assert_eq!(e.to_request(None).trigger, trigger);
        }
        // What the bus rules and the samples read is unchanged.
        let webhook = serde_json::to_value(event(json!({"webhook": true}))).unwrap();
        assert_eq!(webhook["webhook"], true);
        assert!(webhook.get("manual").is_none() && webhook.get("claim").is_none());
    }

    /// Issue 30, item 6: the time scale is one number, simulated seconds per real second; a
    /// deployment runs at real time, and a scale that would make windows and waits infinite
    /// or negative is refused where it is set.
    #[test]
    fn s30_6_the_time_scale_is_real_time_unless_set_and_only_a_positive_finite_one_is_set() {
        let mut config = EngineConfig::default();
        assert_eq!(config.time_scale, REAL_TIME);
        for wrong in [0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(config.set_time_scale(wrong).is_err(), "{wrong}");
            assert_eq!(config.time_scale, REAL_TIME, "{wrong} left it as it was");
        }
        for fine in [0.5, 1.0, 60.0] {
            config.set_time_scale(fine).unwrap();
            assert_eq!(config.time_scale, fine);
        }
    }
}
