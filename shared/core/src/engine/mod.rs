//! The sync engine every connector runs on (architecture.md, "sync engine contract"):
//!
//! 1. take the connection's lease (a fencing token with a generation) or exit quietly; a
//!    lease left to expire by a crashed run is taken over and that run is marked interrupted
//!    (which counts as a failed run). The lease carries the run's opening (`Opening`): the
//!    run reads as running from it until it writes its record with its first commit;
//! 2. run only what was handed out: a scheduled event must carry the connection's current
//!    claim (or, without one, find the connection due); a continuation resumes its run;
//! 3. pull a page, keep what changed (content hash), renew the lease, write, collect
//!    per-record errors;
//! 4. commit the page — hashes, error rows, checkpoint and run record — in one write that
//!    holds only while the lease is still ours; a page with nothing to write or report
//!    commits nothing, its cursor goes with the next commit or the close (`pages.rs`);
//! 5. near the time budget (between pages, or inside a long wait): end the segment as
//!    `continued` and hand the run to a new invocation;
//! 6. close the run with a truthful status, schedule the next one, notify on failure.
//!
//! A crash between any two steps replays at most the last page, and the connector's writes
//! are upserts, so the replay is harmless. A run that stalls past its lease finds its fence
//! broken at its next beat or commit and stops before writing anything more.

use crate::heartbeat::{Halt, HeartbeatLink};
use crate::ids::{ConnectionId, RunId, TenantId};
use crate::keeper::Keeper;
use crate::ports::StoreError;
use crate::repo::{Checkpoint, Connection, ErrorRow, Lease, LeaseClaim, Opening, Repo};
use chrono::{DateTime, Duration, Utc};

mod admit;
mod close;
mod pages;

use admit::admit;
pub use admit::claim_id;

pub use crate::connector::*;
pub use crate::run::{Counts, RunRecord, RunStatus};

/// SES takes at most 50 recipients per message.
const MAX_RECIPIENTS: usize = 50;

/// The sync engine: runs one connection once per [`Engine::run`] call, following the steps
/// of the module docs. It keeps nothing of a run itself (leases, cursors and records live
/// in the state store), so one engine may serve many runs, one after another or at once.
pub struct Engine<'a> {
    ports: Ports<'a>,
    config: EngineConfig,
    hook: &'a dyn StepHook,
}

/// The range a deployment may set `lease_ttl` in (`RENKEI_LEASE_SECONDS`, issue 30 item 6):
/// the bounds follow from how the keeper (keeper.rs) renews, so they live with the engine.
impl EngineConfig {
    /// Twice `renew_every`. A healthy run renews only at a heartbeat or before a page's
    /// writes, and a beat renews only once the last renewal is `renew_every` old (or the
    /// lease would run out within `renew_every`): a lease no longer than that lapses between
    /// two renewals of a run that is making progress, and is taken over under it. Twice
    /// leaves a whole `renew_every` (60 s by default, above the vendors' 30 s request
    /// timeouts) between the moment a renewal is due and the moment the lease lapses, for the
    /// next beat to arrive; it also keeps the keeper's "store unreachable" grace (the held
    /// lease must cover `renew_every` beyond the wait) meaningful.
    pub fn shortest_lease(&self) -> Duration {
        self.renew_every * 2
    }

    /// `claim_ttl`: a longer lease protects nothing more (no invocation outlives Lambda's
    /// 15 minutes, and every page renews), it only keeps a crashed run's connection blocked
    /// past the dispatcher's next hand-out, which then finds the lease still held.
    pub fn longest_lease(&self) -> Duration {
        self.claim_ttl
    }
}

/// Internal: a run that stopped early.
enum Stop {
    Sync(SyncError),
    Crash(Step),
    /// The time budget is spent; `not_before` when the vendor asked for a long pause.
    Budget {
        not_before: Option<Duration>,
    },
    Fenced,
}
impl From<SyncError> for Stop {
    fn from(e: SyncError) -> Self {
        // A halt stops the run whatever cause was put on it.
        match e.plain() {
            SyncError::Halted(Halt::LeaseLost) => Stop::Fenced,
            SyncError::Halted(Halt::Deadline) => Stop::Budget { not_before: None },
            SyncError::Halted(Halt::Backoff { seconds }) => Stop::Budget {
                not_before: Some(Duration::seconds(
                    i64::try_from(*seconds)
                        .unwrap_or(i64::MAX / 1000)
                        .min(86_400),
                )),
            },
            _ => Stop::Sync(e),
        }
    }
}
impl From<Halt> for Stop {
    fn from(h: Halt) -> Self {
        SyncError::Halted(h).into()
    }
}
impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        match e {
            // Only fenced writes fail on a condition inside a run: the lease is gone.
            StoreError::ConditionFailed => Stop::Fenced,
            other => Stop::Sync(other.into()),
        }
    }
}
impl From<Crash> for Stop {
    fn from(c: Crash) -> Self {
        Stop::Crash(c.0)
    }
}

/// Internal: a run that ends before its close — skipped or fenced (the outcome), or stopped by
/// an error of the engine itself — so that each step can end it with `?`.
enum Early {
    Done(Box<Outcome>),
    Failed(EngineError),
}
impl Early {
    fn done(outcome: Outcome) -> Self {
        Early::Done(Box::new(outcome))
    }
    fn skip(why: impl Into<String>) -> Self {
        Early::done(Outcome::Skipped(why.into()))
    }
}
impl From<EngineError> for Early {
    fn from(e: EngineError) -> Self {
        Early::Failed(e)
    }
}
impl From<StoreError> for Early {
    fn from(e: StoreError) -> Self {
        Early::Failed(e.into())
    }
}
impl From<Crash> for Early {
    fn from(c: Crash) -> Self {
        Early::Failed(c.into())
    }
}

/// Internal: what taking the lease gives the rest of the run.
struct Taken {
    lease: Lease,
    /// The run's opening, as the lease carries it (its record until the first commit).
    opening: Opening,
    run_id: RunId,
    /// When the lease was taken (engine clock): the new run's start, and when its lease
    /// was last renewed.
    now: DateTime<Utc>,
}

/// Internal: how the pages ended, for the close.
struct Ending {
    status: RunStatus,
    /// The typed cause of a failure, for its notice.
    cause: Option<Cause>,
    /// The vendor asked for a pause this long before the run goes on.
    resume_after: Option<Duration>,
}

/// A scope the connector does not have: the request is refused before anything is read or
/// written, and says which scopes there are.
fn unknown_scope(req: &RunRequest, factory: &dyn ConnectorFactory) -> Option<String> {
    let scope = req.scope.as_ref()?;
    if factory.scopes().contains(&scope.as_str()) {
        return None;
    }
    Some(format!(
        "{} has no part of its work called {scope:?} (it has: {})",
        factory.name(),
        factory.scopes().join(", ")
    ))
}

impl<'a> Engine<'a> {
    /// An engine over `ports` with `config`; `hook` is [`NoHook`] except in tests that stop
    /// the engine between steps.
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

    /// Runs the connection `req` names with its connector from `registry` (what a person's
    /// "run now" on the embedded backend and a dry run on AWS do; a Lambda knows its factory).
    pub async fn run_registered(
        &self,
        req: &RunRequest,
        registry: &crate::Registry,
    ) -> Result<Outcome, String> {
        let conn = self
            .repo()
            .connection(&req.tenant_id, &req.connection_id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| {
                format!(
                    "connection {}/{} does not exist",
                    req.tenant_id, req.connection_id
                )
            })?
            .0;
        let factory = registry
            .get(&conn.connector)
            .ok_or_else(|| format!("unknown connector {}", conn.connector))?;
        self.run(req, factory.as_ref())
            .await
            .map_err(|e| e.to_string())
    }

    fn retention(&self) -> Option<DateTime<Utc>> {
        Some(self.ports.clock.now() + self.config.retention)
    }

    /// Runs one connection once, following the contract in the module docs.
    pub async fn run(
        &self,
        req: &RunRequest,
        factory: &dyn ConnectorFactory,
    ) -> Result<Outcome, EngineError> {
        match self.run_or_skip(req, factory).await {
            Ok(outcome) => Ok(outcome),
            Err(Early::Done(outcome)) => Ok(*outcome),
            Err(Early::Failed(e)) => Err(e),
        }
    }

    /// The steps of the module docs in order, each of which may end the run early: the lease
    /// (and a takeover), admission, the run record, then the segment's pages and its close.
    async fn run_or_skip(
        &self,
        req: &RunRequest,
        factory: &dyn ConnectorFactory,
    ) -> Result<Outcome, Early> {
        if let Some(why) = unknown_scope(req, factory) {
            return Ok(Outcome::Skipped(why));
        }
        let taken = self.take_lease(req, factory).await?;
        let (conn, resume) = self.admitted(req, &taken).await?;
        let run = self.open(req, &taken, resume).await?;
        self.segment(req, factory, &conn, run, taken).await
    }

    /// Step 1: the lease, as a fencing token, is taken before anything else is read or written
    /// for the run; a lease its holder let expire is taken over, and that run marked
    /// interrupted. A connection that is gone gets no lease item: after a disconnect nothing
    /// remains.
    async fn take_lease(
        &self,
        req: &RunRequest,
        factory: &dyn ConnectorFactory,
    ) -> Result<Taken, Early> {
        let (t, c) = (&req.tenant_id, &req.connection_id);
        let repo = self.repo();
        let Some((before, _)) = repo.connection(t, c).await? else {
            return Err(Early::skip("connection does not exist (disconnected?)"));
        };
        let now = self.ports.clock.now();
        let run_id = RunId::generate(now);
        let until = now + self.config.lease_ttl;
        let opening = Opening {
            connector: before.connector,
            started_at: now,
            dry_run: req.dry_run,
            scope: req.scope.clone(),
        };
        let (lease, abandoned) = match repo
            .acquire_run_lease(t, c, &run_id, opening.clone(), until)
            .await?
        {
            LeaseClaim::Held => return Err(Early::skip(self.held(req, now).await?)),
            LeaseClaim::Taken { lease, abandoned } => (lease, abandoned),
        };
        self.hook.reached(Step::LeaseTaken)?;
        if let Some(abandoned) = abandoned {
            match self.interrupted(factory, t, c, &abandoned, &lease).await {
                Err(StoreError::ConditionFailed) => {
                    return Err(Early::skip("lost the lease while taking over"));
                }
                other => other?,
            }
        }
        Ok(Taken {
            lease,
            opening,
            run_id,
            now,
        })
    }

    /// Why a request that found the lease held does not run. A person's or a vendor's request
    /// waits for the run under way: its close sees the note and makes the connection due at
    /// once, so the request is not lost.
    async fn held(&self, req: &RunRequest, now: DateTime<Utc>) -> Result<&'static str, StoreError> {
        if !req.trigger.is_on_demand() {
            return Ok("another run of this connection holds the lease");
        }
        self.repo()
            .note_waiting(&req.tenant_id, &req.connection_id, now)
            .await?;
        Ok("another run of this connection is under way; this request runs after it")
    }

    /// Step 2: admission, decided on the connection as it is under the lease — whether this
    /// request may run, and which continued run it resumes. A refused request gives the lease
    /// back; a connection disconnected meanwhile takes the lease item away with it.
    async fn admitted(
        &self,
        req: &RunRequest,
        taken: &Taken,
    ) -> Result<(Connection, Option<RunId>), Early> {
        let (t, c) = (&req.tenant_id, &req.connection_id);
        let repo = self.repo();
        let Some((conn, _)) = repo.connection(t, c).await? else {
            self.ports
                .store
                .delete(&taken.lease.fence(t, c).key)
                .await?;
            return Err(Early::skip("connection does not exist (disconnected?)"));
        };
        match admit(req, &conn, taken.now) {
            Ok(resume) => Ok((conn, resume)),
            Err(why) => {
                repo.release_lease(t, c, &taken.lease).await?;
                Err(Early::skip(why))
            }
        }
    }

    /// The run record this segment works on. A new run is open from here, as its lease's
    /// Opening tells; its record is written with its first committed page or its close. A
    /// continuation's record, which says "continued" until now, is brought back to running at
    /// once (fenced: a continuation that lost its lease stops here).
    async fn open(
        &self,
        req: &RunRequest,
        taken: &Taken,
        resume: Option<RunId>,
    ) -> Result<RunRecord, Early> {
        let (t, c) = (&req.tenant_id, &req.connection_id);
        let repo = self.repo();
        let cursor = repo.checkpoint(t, c).await?.and_then(|cp| cp.cursor);
        let run = match self.resumable(t, c, resume).await? {
            Some(mut old) => {
                old.status = RunStatus::Running;
                old.segments += 1;
                old.finished_at = None;
                old.cursor_to = cursor;
                let item = Repo::run_item(&old, self.retention());
                match repo.commit(&taken.lease.fence(t, c), vec![item]).await {
                    Err(StoreError::ConditionFailed) => {
                        return Err(Early::done(Outcome::Fenced(old)));
                    }
                    other => other?,
                }
                old
            }
            None => RunRecord {
                cursor_from: cursor.clone(),
                cursor_to: cursor,
                ..taken.opening.record(t, c, &taken.run_id)
            },
        };
        self.hook.reached(Step::RunOpened)?;
        Ok(run)
    }

    /// Steps 3 to 6: the segment's pages, with a keeper answering the connector's heartbeats
    /// meanwhile, then the close with the status the pages earned and what they left to commit.
    async fn segment(
        &self,
        req: &RunRequest,
        factory: &dyn ConnectorFactory,
        conn: &Connection,
        mut run: RunRecord,
        taken: Taken,
    ) -> Result<Outcome, Early> {
        let mut keeper = self.keeper(req, taken.lease, taken.now);
        let mut progress = pages::Progress {
            committed: run.cursor_to.clone(),
            ..Default::default()
        };
        let result = self
            .pages(req, factory, conn, &mut run, &mut keeper, &mut progress)
            .await;
        let (run, ending) = self.ending(req, result, run, progress.pages_now)?;
        self.hook.reached(Step::Closing)?;
        let left = close::Leftover {
            checkpoint: progress.cursor_pending.then(|| Checkpoint {
                cursor: run.cursor_to.clone(),
                saved_at: self.ports.clock.now(),
            }),
            resume_after: ending.resume_after,
            cause: ending.cause,
        };
        Ok(self
            .close(req, factory, run, ending.status, &keeper.lease, left)
            .await?)
    }

    /// The lease's keeper for one segment: it renews the lease before each page's writes and
    /// answers the connector's heartbeats (`heartbeat.rs`), within the invocation's deadline.
    fn keeper(&self, req: &RunRequest, lease: Lease, now: DateTime<Utc>) -> Keeper<'_> {
        Keeper {
            repo: self.repo(),
            ports: self.ports,
            config: &self.config,
            t: req.tenant_id.clone(),
            c: req.connection_id.clone(),
            lease,
            renewed_at: now,
            deadline: req.deadline,
            lost: false,
        }
    }

    /// What the end of the pages makes of the run, truthfully (P2): succeeded, or partial when
    /// records were rejected; continued at the time budget (failed once segments stop making
    /// progress); failed or auth-failed on an error, with the typed cause its notice compares.
    /// A crash or a lost lease is no ending: the run stops where it is, writing nothing more.
    fn ending(
        &self,
        req: &RunRequest,
        result: Result<(), Stop>,
        mut run: RunRecord,
        pages_now: u32,
    ) -> Result<(RunRecord, Ending), Early> {
        let mut ending = Ending {
            status: RunStatus::Succeeded,
            cause: None,
            resume_after: None,
        };
        match result {
            Ok(()) if run.counts.rejected > 0 => ending.status = RunStatus::Partial,
            Ok(()) => {}
            Err(Stop::Crash(step)) => return Err(Early::Failed(EngineError::Crashed(step))),
            Err(Stop::Fenced) => {
                tracing::warn!(tenant = %req.tenant_id, connection = %req.connection_id, run = %run.run_id, "lost the lease mid-run; stopped without writing more");
                return Err(Early::done(Outcome::Fenced(run)));
            }
            Err(Stop::Budget { not_before }) => {
                ending.resume_after = not_before;
                ending.status = self.budget_spent(&mut run, pages_now);
                if ending.status == RunStatus::Failed {
                    ending.cause = Some(Cause::NO_PROGRESS);
                }
            }
            Err(Stop::Sync(e)) => {
                ending.status = match e.plain() {
                    SyncError::Auth(_) => RunStatus::AuthFailed,
                    _ => RunStatus::Failed,
                };
                ending.cause = e.cause().copied();
                run.error = Some(e.to_string());
            }
        }
        Ok((run, ending))
    }

    /// The run a continuation goes on with, if it is still waiting to continue.
    async fn resumable(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        resume: Option<RunId>,
    ) -> Result<Option<RunRecord>, StoreError> {
        let Some(r) = resume else { return Ok(None) };
        Ok(self
            .repo()
            .run(t, c, &r)
            .await?
            .filter(|old| old.status == RunStatus::Continued))
    }
}
