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
use crate::repo::{Checkpoint, Connection, ErrorRow, LeaseClaim, Opening, Repo};
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
    /// The time budget is spent; `not_before` when the vendor asked for a long pause.
    Budget {
        not_before: Option<Duration>,
    },
    Fenced,
}
impl From<SyncError> for Stop {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Halted(Halt::LeaseLost) => Stop::Fenced,
            SyncError::Halted(Halt::Deadline) => Stop::Budget { not_before: None },
            SyncError::Halted(Halt::Backoff { seconds }) => Stop::Budget {
                not_before: Some(Duration::seconds(
                    i64::try_from(seconds)
                        .unwrap_or(i64::MAX / 1000)
                        .min(86_400),
                )),
            },
            other => Stop::Sync(other),
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
        let (t, c) = (&req.tenant_id, &req.connection_id);
        let repo = self.repo();
        if let Some(scope) = &req.scope
            && !factory.scopes().contains(&scope.as_str())
        {
            return Ok(Outcome::Skipped(format!(
                "{} has no part of its work called {scope:?} (it has: {})",
                factory.name(),
                factory.scopes().join(", ")
            )));
        }
        // A connection that is gone gets no lease item: after a disconnect nothing remains.
        let Some((before, _)) = repo.connection(t, c).await? else {
            return Ok(Outcome::Skipped(
                "connection does not exist (disconnected?)".into(),
            ));
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
            LeaseClaim::Held if req.trigger.is_on_demand() => {
                // A person's or a vendor's request waits for the run under way: its close
                // sees this note and makes the connection due at once.
                repo.note_waiting(t, c, now).await?;
                return Ok(Outcome::Skipped(
                    "another run of this connection is under way; this request runs after it"
                        .into(),
                ));
            }
            LeaseClaim::Held => {
                return Ok(Outcome::Skipped(
                    "another run of this connection holds the lease".into(),
                ));
            }
            LeaseClaim::Taken { lease, abandoned } => (lease, abandoned),
        };
        self.hook.reached(Step::LeaseTaken)?;
        let fence = lease.fence(t, c);
        if let Some(abandoned) = abandoned {
            match self.interrupted(factory, t, c, &abandoned, &lease).await {
                Err(StoreError::ConditionFailed) => {
                    return Ok(Outcome::Skipped("lost the lease while taking over".into()));
                }
                other => other?,
            }
        }
        let Some((conn, _)) = repo.connection(t, c).await? else {
            // Disconnected between the two reads: take the lease item away with it.
            self.ports.store.delete(&fence.key).await?;
            return Ok(Outcome::Skipped(
                "connection does not exist (disconnected?)".into(),
            ));
        };
        let resume = match admit(req, &conn, now) {
            Ok(resume) => resume,
            Err(why) => {
                repo.release_lease(t, c, &lease).await?;
                return Ok(Outcome::Skipped(why));
            }
        };
        let cursor = repo.checkpoint(t, c).await?.and_then(|cp| cp.cursor);
        let resumed = self.resumable(t, c, resume).await?;
        let continues = resumed.is_some();
        let mut run = match resumed {
            Some(mut old) => {
                old.status = RunStatus::Running;
                old.segments += 1;
                old.finished_at = None;
                old.cursor_to = cursor;
                old
            }
            None => RunRecord {
                cursor_from: cursor.clone(),
                cursor_to: cursor,
                ..opening.record(t, c, &run_id)
            },
        };
        // A new run is open from here, as its lease's Opening tells; its record is written
        // with its first committed page or its close. A continuation's record, which says
        // "continued" until now, is brought back to running at once.
        if continues {
            match repo
                .commit(&fence, vec![Repo::run_item(&run, self.retention())])
                .await
            {
                Err(StoreError::ConditionFailed) => return Ok(Outcome::Fenced(run)),
                other => other?,
            }
        }
        self.hook.reached(Step::RunOpened)?;

        let mut keeper = Keeper {
            repo: self.repo(),
            ports: self.ports,
            config: &self.config,
            t: t.clone(),
            c: c.clone(),
            lease,
            renewed_at: now,
            deadline: req.deadline,
            lost: false,
        };
        let mut progress = pages::Progress {
            committed: run.cursor_to.clone(),
            ..Default::default()
        };
        let mut resume_after = None;
        let result = self
            .pages(req, factory, &conn, &mut run, &mut keeper, &mut progress)
            .await;
        let status = match result {
            Ok(()) if run.counts.rejected > 0 => RunStatus::Partial,
            Ok(()) => RunStatus::Succeeded,
            Err(Stop::Crash(step)) => return Err(EngineError::Crashed(step)),
            Err(Stop::Fenced) => {
                tracing::warn!(tenant = %t, connection = %c, run = %run.run_id, "lost the lease mid-run; stopped without writing more");
                return Ok(Outcome::Fenced(run));
            }
            Err(Stop::Budget { not_before }) => {
                resume_after = not_before;
                self.budget_spent(&mut run, progress.pages_now)
            }
            Err(Stop::Sync(SyncError::Auth(m))) => {
                run.error = Some(m);
                RunStatus::AuthFailed
            }
            Err(Stop::Sync(e)) => {
                run.error = Some(e.to_string());
                RunStatus::Failed
            }
        };
        self.hook.reached(Step::Closing)?;
        let left = close::Leftover {
            checkpoint: progress.cursor_pending.then(|| Checkpoint {
                cursor: run.cursor_to.clone(),
                saved_at: self.ports.clock.now(),
            }),
            resume_after,
        };
        self.close(req, factory, run, status, &keeper.lease, left)
            .await
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
