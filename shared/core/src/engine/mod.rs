//! The sync engine every connector runs on (architecture.md, "sync engine contract"):
//!
//! 1. take the connection's lease (a fencing token with a generation) or exit quietly; a
//!    lease left to expire by a crashed run is taken over and that run is marked interrupted
//!    (which counts as a failed run);
//! 2. run only what was handed out: a scheduled event must carry the connection's current
//!    claim (or, without one, find the connection due); a continuation resumes its run;
//! 3. pull a page, keep what changed (content hash), renew the lease, write, collect
//!    per-record errors;
//! 4. commit the page — hashes, error rows, checkpoint and run record — in one write that
//!    holds only while the lease is still ours;
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
use crate::repo::{Checkpoint, Connection, ErrorRow, LeaseClaim, Repo};
use chrono::{DateTime, Duration, Utc};

mod admit;
mod close;

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
        if repo.connection(t, c).await?.is_none() {
            return Ok(Outcome::Skipped(
                "connection does not exist (disconnected?)".into(),
            ));
        }
        let now = self.ports.clock.now();
        let run_id = RunId::generate(now);
        let until = now + self.config.lease_ttl;
        let (lease, abandoned) = match repo
            .acquire_lease(t, c, run_id.as_str(), &run_id, now, until)
            .await?
        {
            LeaseClaim::Held if req.manual || req.webhook => {
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
            match self
                .interrupted(factory, t, c, &abandoned.run_id, &lease)
                .await
            {
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
        let mut run = match self.resumable(t, c, resume).await? {
            Some(mut old) => {
                old.status = RunStatus::Running;
                old.segments += 1;
                old.finished_at = None;
                old.cursor_to = cursor;
                old
            }
            None => RunRecord {
                tenant_id: t.clone(),
                connection_id: c.clone(),
                run_id,
                connector: conn.connector.clone(),
                status: RunStatus::Running,
                dry_run: req.dry_run,
                started_at: now,
                finished_at: None,
                cursor_from: cursor.clone(),
                cursor_to: cursor,
                counts: Counts::default(),
                pages: 0,
                error: None,
                error_items: 0,
                segments: 1,
                stalled_segments: 0,
                scope: req.scope.clone(),
            },
        };
        match repo
            .commit(&fence, vec![Repo::run_item(&run, self.retention())])
            .await
        {
            Err(StoreError::ConditionFailed) => return Ok(Outcome::Fenced(run)),
            other => other?,
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
        let mut pages_now = 0;
        let mut resume_after = None;
        let result = self
            .pages(req, factory, &conn, &mut run, &mut keeper, &mut pages_now)
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
                self.budget_spent(&mut run, pages_now)
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
        self.close(req, factory, run, status, &keeper.lease, resume_after)
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

    /// Commits the cursor of pages that changed nothing, with the run record.
    async fn commit_cursor(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        run: &RunRecord,
        keeper: &Keeper<'_>,
        cursor: Option<String>,
    ) -> Result<(), Stop> {
        let now = self.ports.clock.now();
        let items = vec![
            Repo::checkpoint_item(
                t,
                c,
                &Checkpoint {
                    cursor,
                    saved_at: now,
                },
            ),
            Repo::run_item(run, self.retention()),
        ];
        self.repo().commit(&keeper.lease.fence(t, c), items).await?;
        self.hook.reached(Step::Committed)?;
        Ok(())
    }

    async fn pages(
        &self,
        req: &RunRequest,
        factory: &dyn ConnectorFactory,
        conn: &Connection,
        run: &mut RunRecord,
        keeper: &mut Keeper<'_>,
        pages_now: &mut u32,
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
        let (heartbeat, mut beats) = HeartbeatLink::channel();
        let env = BuildEnv {
            store: self.ports.store,
            now: run.started_at,
            clock: self.ports.clock,
            heartbeat: &heartbeat,
            scope: run.scope.as_deref(),
        };
        let mut connector = factory.build(conn, secret, env).await?;
        keeper.drive(&mut beats, connector.begin()).await?;
        let mut cursor = run.cursor_to.clone();
        // Pages that changed nothing are not committed one by one (a no-change run of
        // thousands of records would otherwise write a checkpoint and the run record per
        // page): their cursor is kept here and committed with the next page that writes,
        // at the end, before the deadline, or once DEFER_LIMIT has passed. A crash loses
        // only re-reading them.
        let mut deferred = false;
        let mut last_commit = self.ports.clock.now();
        loop {
            if let Some(deadline) = req.deadline
                && self.ports.clock.now() + self.config.budget_margin >= deadline
            {
                if deferred {
                    run.cursor_to = cursor.clone();
                    self.commit_cursor(t, c, run, keeper, cursor.clone())
                        .await?;
                    *pages_now += 1;
                }
                return Err(Stop::Budget { not_before: None });
            }
            let page = keeper
                .drive(&mut beats, connector.pull(cursor.as_deref()))
                .await?;
            self.hook.reached(Step::Pulled)?;
            let (ready, mut page_errors) = sort_page(page.records, &mut run.counts);
            let keys: Vec<String> = ready.iter().map(|ch| ch.key.clone()).collect();
            let stored = repo.hashes(t, c, &keys).await?;
            let mut changes = Vec::new();
            let mut new_hashes = Vec::new();
            for change in ready {
                let hash = content_hash(&change.payload.json);
                if stored.get(&change.key) == Some(&hash) {
                    run.counts.unchanged += 1;
                } else {
                    new_hashes.push((change.key.clone(), hash));
                    changes.push(change);
                }
            }
            // The fence is checked (and the lease extended) right before the vendor sees
            // anything of this page; a dry run renews too, so it is never taken over. A page
            // that changes nothing sends the vendor nothing: renewing on schedule suffices.
            if !changes.is_empty() || keeper.renewal_due() {
                keeper.renew(Duration::zero()).await?;
            }
            let results = if changes.is_empty() {
                Vec::new()
            } else {
                keeper
                    .drive(&mut beats, connector.write(&changes, req.dry_run))
                    .await?
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
                    WriteResult::Created => run.counts.created += 1,
                    WriteResult::Updated => run.counts.updated += 1,
                    WriteResult::Unchanged => run.counts.unchanged += 1,
                    WriteResult::Rejected(reason) => {
                        page_errors.push(ErrorRow {
                            record: change.key.clone(),
                            reason,
                        });
                        continue;
                    }
                }
                written.push(hash);
            }
            run.counts.rejected += page_errors.len() as u64;
            run.pages += 1;
            let now = self.ports.clock.now();
            let mut items = Repo::error_items(
                t,
                c,
                &run.run_id,
                run.error_items,
                &page_errors,
                self.retention(),
            );
            run.error_items += items.len();
            if !req.dry_run
                && items.is_empty()
                && written.is_empty()
                && page.has_more
                && now - last_commit < DEFER_LIMIT
            {
                cursor = page.next_cursor;
                run.cursor_to = cursor.clone();
                deferred = true;
                continue;
            }
            if !req.dry_run {
                let expires = factory.hash_ttl().map(|ttl| now + ttl);
                items.extend(Repo::hash_items(t, c, &written, expires));
                cursor = page.next_cursor;
                items.push(Repo::checkpoint_item(
                    t,
                    c,
                    &Checkpoint {
                        cursor: cursor.clone(),
                        saved_at: now,
                    },
                ));
            } else {
                cursor = page.next_cursor;
            }
            run.cursor_to = cursor.clone();
            // The run record goes last: the checkpoint and what it covers commit together.
            items.push(Repo::run_item(run, self.retention()));
            repo.commit(&keeper.lease.fence(t, c), items).await?;
            self.hook.reached(Step::Committed)?;
            (deferred, last_commit) = (false, now);
            *pages_now += 1;
            if !page.has_more {
                return Ok(());
            }
        }
    }
}

/// The longest a run goes without committing the cursor of pages that changed nothing.
const DEFER_LIMIT: Duration = Duration::seconds(30);

/// Splits a page into records to write and rejections. Two records with one key in one
/// page (two changes of one employee between runs) collapse into the last one: the
/// stores refuse a batch naming one key twice, and the last change is the current state.
fn sort_page(records: Vec<Pulled>, counts: &mut Counts) -> (Vec<Change>, Vec<ErrorRow>) {
    let mut ready: Vec<Change> = Vec::new();
    let mut errors = Vec::new();
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for record in records {
        match record {
            Pulled::Ready { key, payload } => match at.get(&key) {
                Some(&i) => {
                    ready[i].payload = payload;
                    counts.skipped += 1;
                }
                None => {
                    at.insert(key.clone(), ready.len());
                    ready.push(Change { key, payload });
                }
            },
            Pulled::Skipped => counts.skipped += 1,
            Pulled::Rejected { record, reason } => errors.push(ErrorRow { record, reason }),
        }
    }
    (ready, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn p3_two_changes_of_one_key_in_one_page_collapse_to_the_last() {
        let mut counts = Counts::default();
        let (ready, errors) = sort_page(
            vec![
                Pulled::Ready {
                    key: "0001".into(),
                    payload: Payload::new(json!({"name": "old"})),
                },
                Pulled::Ready {
                    key: "0002".into(),
                    payload: Payload::new(json!({"name": "b"})),
                },
                Pulled::Ready {
                    key: "0001".into(),
                    payload: Payload::new(json!({"name": "new"})),
                },
            ],
            &mut counts,
        );
        assert!(errors.is_empty());
        assert_eq!(ready.len(), 2, "one write per key");
        assert_eq!(ready[0].key, "0001");
        assert_eq!(
            ready[0].payload.json,
            json!({"name": "new"}),
            "the last change wins"
        );
        assert_eq!(
            counts.skipped, 1,
            "the superseded change is counted, not lost silently"
        );
    }
}
