//! Kaonavi tasks that outlive the run that started them (issue 29, item 4).
//!
//! A write answers a task id at once and Kaonavi writes the members when the task runs.
//! When a run stops before its tasks finished (its task polls are spent, its invocation's
//! deadline is near, or a call failed after a task was sent), its page is not committed:
//! the next run pulls the same employees again. Sending them again while the first task
//! may still run could let the older task land after the newer write, and a create that
//! did run would be sent twice. So the run keeps the tasks it sent in the store, and the
//! next run checks them before writing anything: a task that ended OK wrote its members,
//! which are then not sent again (the same payload is answered from the task); NG or ERROR
//! wrote nothing, so they are written as usual; a task still running stops that run too.
//!
//! A task still running after [`MAX_QUIET_CHECKS`] runs' polls fails the run, naming the
//! task; before that the run continues after a pause.

use chrono::{DateTime, Utc};
use renkei_core::engine::{SyncError, WriteResult};
use renkei_core::heartbeat::Halt;
use renkei_core::ports::{Condition, StateStore};
use renkei_core::repo::Repo;
use renkei_core::{ConnectionId, TenantId};
use renkei_vendors::VendorError;
use renkei_vendors::kaonavi::{KaonaviClient, KaonaviError, MemberData, TaskId, TaskStatus};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The connection's item holding the tasks a stopped run left (`Repo::own_*` keys).
const CARRIED: &str = "kaonavi-tasks";

/// Runs in a row that may find a carried task still running before one fails, naming it.
pub const MAX_QUIET_CHECKS: u32 = 2;

/// Which write a task performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum WriteKind {
    /// `POST /members`.
    Create,
    /// `PATCH /members`.
    Update,
}

impl WriteKind {
    fn result(self) -> WriteResult {
        match self {
            WriteKind::Create => WriteResult::Created,
            WriteKind::Update => WriteResult::Updated,
        }
    }
}

/// A task a run sent, with the members it writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct SentTask {
    task: TaskId,
    kind: WriteKind,
    members: Vec<MemberData>,
}

/// What a stopped run leaves for the next one.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Carried {
    tasks: Vec<SentTask>,
    /// When the first of them was left.
    since: Option<DateTime<Utc>>,
    /// Runs that found one of them still running.
    checks: u32,
}

/// The tasks of this run, and what earlier runs' tasks already wrote.
pub(super) struct TaskLedger<'a> {
    store: &'a dyn StateStore,
    t: TenantId,
    c: ConnectionId,
    now: DateTime<Utc>,
    /// The tasks the current page's write sent.
    sent: Vec<SentTask>,
    /// Members an earlier run's task wrote, as it wrote them.
    settled: HashMap<String, (MemberData, WriteResult)>,
}

impl<'a> TaskLedger<'a> {
    pub(super) fn new(
        store: &'a dyn StateStore,
        t: TenantId,
        c: ConnectionId,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            store,
            t,
            c,
            now,
            sent: Vec::new(),
            settled: HashMap::new(),
        }
    }

    fn repo(&self) -> Repo<'a> {
        Repo::new(self.store)
    }

    /// Checks the tasks an earlier run left, before this run writes anything. Reads one
    /// item when there are none (a quiet run writes nothing here).
    pub(super) async fn settle(&mut self, kaonavi: &KaonaviClient) -> Result<(), SyncError> {
        let Some((mut carried, _)) = self
            .repo()
            .own_get::<Carried>(&self.t, &self.c, CARRIED)
            .await?
        else {
            return Ok(());
        };
        while let Some(sent) = carried.tasks.first().cloned() {
            match kaonavi.check_task(sent.task).await {
                Ok(done) => {
                    if done.status == TaskStatus::Ok {
                        self.settle_members(&sent);
                    }
                    carried.tasks.remove(0);
                }
                // Kaonavi no longer knows the task: its members are simply written again.
                Err(KaonaviError::Vendor(VendorError::Permanent { status: 404, .. })) => {
                    tracing::warn!(task = %sent.task, "Kaonavi forgot a carried task");
                    carried.tasks.remove(0);
                }
                Err(e @ KaonaviError::TaskStillRunning { .. }) => {
                    carried.checks += 1;
                    self.save(&carried).await?;
                    return Err(stop(e, &carried, kaonavi));
                }
                Err(other) => {
                    self.save(&carried).await?;
                    return Err(other.into());
                }
            }
        }
        Ok(self.repo().own_delete(&self.t, &self.c, CARRIED).await?)
    }

    fn settle_members(&mut self, sent: &SentTask) {
        for m in &sent.members {
            self.settled
                .insert(m.code.clone(), (m.clone(), sent.kind.result()));
        }
    }

    /// What an earlier run's task already did for `member`, when it wrote exactly this.
    pub(super) fn settled(&self, member: &MemberData) -> Option<WriteResult> {
        self.settled
            .get(&member.code)
            .filter(|(written, _)| written == member)
            .map(|(_, result)| result.clone())
    }

    /// A page's write begins: its tasks are the ones to keep if it stops.
    pub(super) fn begin_page(&mut self) {
        self.sent.clear();
    }

    /// A task the current page sent.
    pub(super) fn note(&mut self, task: TaskId, kind: WriteKind, members: &[MemberData]) {
        self.sent.push(SentTask {
            task,
            kind,
            members: members.to_vec(),
        });
    }

    /// The page's write stopped with `e` after sending tasks: they are kept for the next
    /// run, and a task still running stops this run with a pause instead of failing it.
    pub(super) async fn leave(&mut self, e: KaonaviError, kaonavi: &KaonaviClient) -> SyncError {
        if self.sent.is_empty() {
            return e.into();
        }
        let carried = Carried {
            tasks: std::mem::take(&mut self.sent),
            since: Some(self.now),
            checks: 0,
        };
        if let Err(saving) = self.save(&carried).await {
            // Without the record the next run writes the page again: still correct for
            // every task that has finished by then, so the original error is the one told.
            tracing::warn!(error = %saving, "could not keep the run's Kaonavi tasks");
        }
        stop(e, &carried, kaonavi)
    }

    async fn save(&self, carried: &Carried) -> Result<(), SyncError> {
        Ok(self
            .repo()
            .own_put(&self.t, &self.c, CARRIED, carried, Condition::Always, None)
            .await?)
    }
}

/// How a run stops on a task it cannot wait for any longer: a pause (the run continues and
/// checks the task first) until the task has outlasted [`MAX_QUIET_CHECKS`] runs' polls,
/// then a failure naming it (each later run checks it again before writing).
fn stop(e: KaonaviError, carried: &Carried, kaonavi: &KaonaviClient) -> SyncError {
    let KaonaviError::TaskStillRunning { task, .. } = e else {
        return e.into();
    };
    if carried.checks < MAX_QUIET_CHECKS {
        let seconds = kaonavi.polling().cap.as_secs().max(1);
        return SyncError::Halted(Halt::Backoff { seconds });
    }
    let since = carried.since.map_or_else(String::new, |s| {
        format!(" (送信: {})", s.format("%Y-%m-%d %H:%M UTC"))
    });
    SyncError::Retryable(format!(
        "カオナビのタスク {task} が{since} {} 回の実行で確認しても完了していません。完了を確認するまで、このタスクの社員は書き込みません。カオナビの『公開API v2 情報』の実行結果をご確認ください (Kaonavi task {task} still running after {} runs' polls; its members are not written again until it finishes)",
        carried.checks, carried.checks
    ))
}
