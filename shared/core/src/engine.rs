//! The sync engine every connector runs on (architecture.md, "sync engine contract"):
//!
//! 1. take the connection's lease or exit quietly; a lease left to expire by a crashed run is
//!    taken over and that run is marked interrupted;
//! 2. open a run record at the saved checkpoint;
//! 3. pull a page, keep what changed (content hash), write it, collect per-record errors;
//! 4. only after the page's writes succeeded: save hashes, error rows, checkpoint; renew lease;
//! 5. near the time budget: emit a continuation event and end the run as `continued`;
//! 6. close the run with a truthful status, schedule the next one, notify on failure.
//!
//! A crash between any two steps replays at most the last page, and the connector's writes
//! are upserts, so the replay is harmless.

use crate::clock::Clock;
use crate::ids::{ConnectionId, RunId, TenantId};
use crate::notify::{self, NoticePolicy};
use crate::ports::{BusEvent, Email, EventBus, Notifier, SecretStore, StateStore, StoreError};
use crate::repo::{Automation, Checkpoint, Connection, ErrorRow, Lease, Repo, Role};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// How a run ended. Only `Succeeded` means everything arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Still going (or its process died and nobody has taken over yet).
    Running,
    /// Every record arrived.
    Succeeded,
    /// The run finished, but some records were rejected (see the error report).
    Partial,
    /// The run stopped on an error; the checkpoint holds what was done.
    Failed,
    /// The vendor refused our credentials.
    AuthFailed,
    /// Its process stopped without closing it (found when the lease was taken over).
    Interrupted,
    /// It reached its time budget, saved, and handed over to a new invocation.
    Continued,
}

impl RunStatus {
    /// The status as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
            RunStatus::AuthFailed => "auth_failed",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Continued => "continued",
        }
    }
}

/// Record counts of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Created at the target (or would be, in a dry run).
    pub created: u64,
    /// Updated at the target (or would be).
    pub updated: u64,
    /// Same content as last written: no write.
    pub unchanged: u64,
    /// Rejected, each with a row in the error report.
    pub rejected: u64,
    /// Outside the connection's scope (filters, statuses): not an error.
    pub skipped: u64,
}

/// One run of one connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Owner.
    pub tenant_id: TenantId,
    /// Connection.
    pub connection_id: ConnectionId,
    /// This run.
    pub run_id: RunId,
    /// Connector name.
    pub connector: String,
    /// Truthful status.
    pub status: RunStatus,
    /// Nothing was written.
    pub dry_run: bool,
    /// Started.
    pub started_at: DateTime<Utc>,
    /// Finished (None while running).
    pub finished_at: Option<DateTime<Utc>>,
    /// Checkpoint at the start.
    pub cursor_from: Option<String>,
    /// Checkpoint reached.
    pub cursor_to: Option<String>,
    /// Counts.
    pub counts: Counts,
    /// Pages processed.
    pub pages: u32,
    /// What stopped the run, if anything.
    pub error: Option<String>,
}

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
}

impl From<StoreError> for SyncError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Corrupt(m) => SyncError::Permanent(m),
            other => SyncError::Retryable(other.to_string()),
        }
    }
}

/// A record as pulled and mapped by the connector.
#[derive(Debug, Clone, PartialEq)]
pub enum Pulled {
    /// Ready to write: `payload` is what the target should hold for `key`.
    Ready {
        /// Stable record key at the target (e.g. 社員番号).
        key: String,
        /// The mapped record; its hash decides whether a write is needed.
        payload: Value,
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

/// One page from the source.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// Records in source order.
    pub records: Vec<Pulled>,
    /// Cursor after this page (saved once the page's writes succeeded).
    pub next_cursor: Option<String>,
    /// Whether another page follows now.
    pub has_more: bool,
}

/// A record to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Record key.
    pub key: String,
    /// Mapped record.
    pub payload: Value,
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

/// What a connector does; the engine does everything else.
#[async_trait]
pub trait Connector: Send {
    /// Once per run before the first page (tokens, the target's existing keys).
    async fn begin(&mut self) -> Result<(), SyncError>;
    /// The page after `cursor` (None: the connection's start).
    async fn pull(&mut self, cursor: Option<&str>) -> Result<Page, SyncError>;
    /// Writes changes as upserts, or only validates them when `dry_run`.
    async fn write(
        &mut self,
        changes: &[Change],
        dry_run: bool,
    ) -> Result<Vec<WriteResult>, SyncError>;
}

/// What a factory may read while building a connector, besides the connection itself.
#[derive(Clone, Copy)]
pub struct BuildEnv<'a> {
    /// The state store (e.g. a tenant's routing rules).
    pub store: &'a dyn StateStore,
    /// The run's start: the one "now" a connector uses (time windows end here).
    pub now: DateTime<Utc>,
}

/// Builds a connector for a connection from its settings and secret.
#[async_trait]
pub trait ConnectorFactory: Send + Sync {
    /// The connector's name (its function folder).
    fn name(&self) -> &'static str;
    /// Roles told about failures.
    fn notify_roles(&self) -> &'static [Role];
    /// A connector ready to run.
    async fn build(
        &self,
        conn: &Connection,
        secret: Option<String>,
        env: BuildEnv<'_>,
    ) -> Result<Box<dyn Connector>, SyncError>;

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
    /// Hashes and error rows saved.
    HashesSaved,
    /// Checkpoint saved.
    CheckpointSaved,
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
    /// Lease lifetime; renewed after every page. A crashed run is taken over after it.
    pub lease_ttl: Duration,
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
    /// Run even if automation is off (a person pressed "run now").
    pub manual: bool,
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

/// The sync engine.
pub struct Engine<'a> {
    ports: Ports<'a>,
    config: EngineConfig,
    hook: &'a dyn StepHook,
}

/// Internal: a run that stopped early.
enum Stop {
    Sync(SyncError),
    Crash(Step),
    Budget,
}
impl From<SyncError> for Stop {
    fn from(e: SyncError) -> Self {
        Stop::Sync(e)
    }
}
impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Sync(e.into())
    }
}
impl From<Crash> for Stop {
    fn from(c: Crash) -> Self {
        Stop::Crash(c.0)
    }
}

impl<'a> Engine<'a> {
    /// An engine over the given ports.
    pub fn new(ports: Ports<'a>, config: EngineConfig, hook: &'a dyn StepHook) -> Self {
        Self {
            ports,
            config,
            hook,
        }
    }

    fn repo(&self) -> Repo<'a> {
        Repo::new(self.ports.store)
    }

    /// Runs one connection once, following the contract in the module docs.
    pub async fn run(
        &self,
        req: &RunRequest,
        factory: &dyn ConnectorFactory,
    ) -> Result<Outcome, EngineError> {
        let (t, c) = (&req.tenant_id, &req.connection_id);
        let repo = self.repo();
        let now = self.ports.clock.now();
        let run_id = RunId::generate(now);
        let mut lease = Lease {
            owner: run_id.to_string(),
            run_id: run_id.clone(),
            expires_at: now + self.config.lease_ttl,
        };
        let Some(previous) = repo.acquire_lease(t, c, &lease, now).await? else {
            return Ok(Outcome::Skipped(
                "another run of this connection holds the lease".into(),
            ));
        };
        self.hook.reached(Step::LeaseTaken)?;
        if let Some(prev) = previous {
            self.mark_interrupted(t, c, &prev.run_id).await?;
        }
        let Some((conn, _)) = repo.connection(t, c).await? else {
            repo.release_lease(t, c, &lease.owner).await?;
            return Ok(Outcome::Skipped(
                "connection does not exist (disconnected?)".into(),
            ));
        };
        if conn.automation != Automation::On && !req.manual {
            repo.release_lease(t, c, &lease.owner).await?;
            return Ok(Outcome::Skipped(
                "automation is off for this connection".into(),
            ));
        }
        let checkpoint = repo.checkpoint(t, c).await?;
        let cursor_from = checkpoint.and_then(|cp| cp.cursor);
        let mut run = RunRecord {
            tenant_id: t.clone(),
            connection_id: c.clone(),
            run_id,
            connector: conn.connector.clone(),
            status: RunStatus::Running,
            dry_run: req.dry_run,
            started_at: now,
            finished_at: None,
            cursor_from: cursor_from.clone(),
            cursor_to: cursor_from.clone(),
            counts: Counts::default(),
            pages: 0,
            error: None,
        };
        repo.put_run(&run).await?;
        self.hook.reached(Step::RunOpened)?;

        let mut rejected = Vec::new();
        let result = self
            .pages(req, factory, &conn, &mut run, &mut lease, &mut rejected)
            .await;
        let status = match &result {
            Ok(()) if run.counts.rejected > 0 => RunStatus::Partial,
            Ok(()) => RunStatus::Succeeded,
            Err(Stop::Crash(step)) => return Err(EngineError::Crashed(*step)),
            Err(Stop::Budget) => RunStatus::Continued,
            Err(Stop::Sync(SyncError::Auth(m))) => {
                run.error = Some(m.clone());
                RunStatus::AuthFailed
            }
            Err(Stop::Sync(e)) => {
                run.error = Some(e.to_string());
                RunStatus::Failed
            }
        };
        self.hook.reached(Step::Closing)?;
        self.close(req, factory, run, status, &rejected, &lease)
            .await
    }

    async fn mark_interrupted(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        run_id: &RunId,
    ) -> Result<(), StoreError> {
        let repo = self.repo();
        if let Some(mut old) = repo.run(t, c, run_id).await?
            && old.status == RunStatus::Running
        {
            old.status = RunStatus::Interrupted;
            old.finished_at = Some(self.ports.clock.now());
            old.error =
                Some("the run stopped without finishing (its lease expired); taken over".into());
            repo.put_run(&old).await?;
        }
        Ok(())
    }

    async fn pages(
        &self,
        req: &RunRequest,
        factory: &dyn ConnectorFactory,
        conn: &Connection,
        run: &mut RunRecord,
        lease: &mut Lease,
        rejected: &mut Vec<ErrorRow>,
    ) -> Result<(), Stop> {
        let (t, c) = (&req.tenant_id, &req.connection_id);
        let repo = self.repo();
        let secret = self
            .ports
            .secrets
            .get(&conn.secret_name)
            .await
            .map_err(|e| {
                SyncError::Retryable(format!("reading the connection's credentials: {e}"))
            })?;
        let env = BuildEnv {
            store: self.ports.store,
            now: run.started_at,
        };
        let mut connector = factory.build(conn, secret, env).await?;
        connector.begin().await?;
        let mut cursor = run.cursor_from.clone();
        let mut error_seq = 0;
        loop {
            if let Some(deadline) = req.deadline
                && self.ports.clock.now() + self.config.budget_margin >= deadline
            {
                return Err(Stop::Budget);
            }
            let page = connector.pull(cursor.as_deref()).await?;
            self.hook.reached(Step::Pulled)?;
            let mut page_errors = Vec::new();
            let mut ready = Vec::new();
            for record in page.records {
                match record {
                    Pulled::Ready { key, payload } => ready.push(Change { key, payload }),
                    Pulled::Skipped => run.counts.skipped += 1,
                    Pulled::Rejected { record, reason } => {
                        page_errors.push(ErrorRow { record, reason })
                    }
                }
            }
            let keys: Vec<String> = ready.iter().map(|ch| ch.key.clone()).collect();
            let stored = repo.hashes(t, c, &keys).await?;
            let mut changes = Vec::new();
            let mut new_hashes = Vec::new();
            for change in ready {
                let hash = content_hash(&change.payload);
                if stored.get(&change.key) == Some(&hash) {
                    run.counts.unchanged += 1;
                } else {
                    new_hashes.push((change.key.clone(), hash));
                    changes.push(change);
                }
            }
            let results = if changes.is_empty() {
                Vec::new()
            } else {
                connector.write(&changes, req.dry_run).await?
            };
            if results.len() != changes.len() {
                return Err(SyncError::Permanent(format!(
                    "connector answered {} results for {} changes",
                    results.len(),
                    changes.len()
                ))
                .into());
            }
            self.hook.reached(Step::Written)?;
            let mut written = Vec::new();
            for ((change, result), hash) in changes.iter().zip(results).zip(new_hashes) {
                match result {
                    WriteResult::Created => {
                        run.counts.created += 1;
                        written.push(hash);
                    }
                    WriteResult::Updated => {
                        run.counts.updated += 1;
                        written.push(hash);
                    }
                    WriteResult::Unchanged => {
                        run.counts.unchanged += 1;
                        written.push(hash);
                    }
                    WriteResult::Rejected(reason) => page_errors.push(ErrorRow {
                        record: change.key.clone(),
                        reason,
                    }),
                }
            }
            run.counts.rejected += page_errors.len() as u64;
            run.pages += 1;
            error_seq = repo
                .append_errors(t, c, &run.run_id, error_seq, &page_errors)
                .await?;
            rejected.extend(page_errors);
            if !req.dry_run {
                let expires = factory.hash_ttl().map(|ttl| self.ports.clock.now() + ttl);
                repo.save_hashes(t, c, &written, expires).await?;
                self.hook.reached(Step::HashesSaved)?;
                let now = self.ports.clock.now();
                repo.save_checkpoint(
                    t,
                    c,
                    &Checkpoint {
                        cursor: page.next_cursor.clone(),
                        saved_at: now,
                    },
                )
                .await?;
                self.hook.reached(Step::CheckpointSaved)?;
                lease.expires_at = now + self.config.lease_ttl;
                repo.renew_lease(t, c, lease, now).await.map_err(|_| {
                    SyncError::Retryable(
                        "lost the connection's lease to another run; stopping".into(),
                    )
                })?;
            }
            cursor = page.next_cursor;
            run.cursor_to = cursor.clone();
            repo.put_run(run).await?;
            if !page.has_more {
                return Ok(());
            }
        }
    }

    async fn close(
        &self,
        req: &RunRequest,
        factory: &dyn ConnectorFactory,
        mut run: RunRecord,
        status: RunStatus,
        rejected: &[ErrorRow],
        lease: &Lease,
    ) -> Result<Outcome, EngineError> {
        let (t, c) = (&req.tenant_id, &req.connection_id);
        let repo = self.repo();
        let now = self.ports.clock.now();
        run.status = status;
        run.finished_at = Some(now);
        repo.put_run(&run).await?;
        log_run(&run, now);
        if req.dry_run {
            repo.release_lease(t, c, &lease.owner).await?;
            return Ok(Outcome::Ran(run));
        }
        if status == RunStatus::Continued {
            let event = SyncRequested {
                tenant_id: t.clone(),
                connection_id: c.clone(),
                connector: run.connector.clone(),
                continuation: true,
            };
            if let Err(e) = self
                .ports
                .bus
                .publish(&[event.to_event(&self.config.event_source)])
                .await
            {
                // The connection stays due (next_run_at = now), so the dispatcher picks it up.
                tracing::warn!(error = %e, "continuation event not delivered; the dispatcher will resume");
            }
        }
        let policy = factory.notice_policy(self.config.notice);
        let mut message = None;
        repo.update_connection(t, c, |conn| {
            conn.last_status = Some(status);
            match status {
                RunStatus::Succeeded | RunStatus::Partial => {
                    conn.last_success_at = Some(now);
                    conn.last_error = None;
                }
                RunStatus::Failed | RunStatus::AuthFailed => conn.last_error = run.error.clone(),
                _ => {}
            }
            factory.after_run(conn, &run, now);
            let advice = factory.failure_advice(conn, &run);
            message = notify::after_run(conn, &run, rejected, policy, advice.as_deref(), now);
        })
        .await?;
        if let Some(message) = message {
            let to = repo.recipients(t, factory.notify_roles()).await?;
            if to.is_empty() {
                tracing::warn!(tenant = %t, connection = %c, "failure notice not sent: no user with the notified roles");
            } else if let Err(e) = self
                .ports
                .notifier
                .send(&Email {
                    to,
                    subject: message.subject,
                    body: message.body,
                })
                .await
            {
                tracing::error!(tenant = %t, connection = %c, error = %e, "failure notice not sent");
            }
        }
        repo.release_lease(t, c, &lease.owner).await?;
        Ok(Outcome::Ran(run))
    }
}

/// One structured log line per run, in CloudWatch Embedded Metric Format so that the counts
/// become metrics per connector without any API call. It names no person: counts and ids only.
fn log_run(run: &RunRecord, now: DateTime<Utc>) {
    let ms = (now - run.started_at).num_milliseconds();
    let line = serde_json::json!({
        "_aws": {
            "Timestamp": now.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": "renkei",
                "Dimensions": [["connector"]],
                "Metrics": [
                    {"Name": "created", "Unit": "Count"}, {"Name": "updated", "Unit": "Count"},
                    {"Name": "unchanged", "Unit": "Count"}, {"Name": "rejected", "Unit": "Count"},
                    {"Name": "failed_runs", "Unit": "Count"}, {"Name": "duration_ms", "Unit": "Milliseconds"}
                ]
            }]
        },
        "connector": run.connector,
        "tenant": run.tenant_id,
        "connection": run.connection_id,
        "run": run.run_id,
        "status": run.status.as_str(),
        "created": run.counts.created,
        "updated": run.counts.updated,
        "unchanged": run.counts.unchanged,
        "rejected": run.counts.rejected,
        "failed_runs": u8::from(matches!(run.status, RunStatus::Failed | RunStatus::AuthFailed)),
        "duration_ms": ms,
    });
    tracing::info!(target: "renkei::metrics", "{line}");
}
