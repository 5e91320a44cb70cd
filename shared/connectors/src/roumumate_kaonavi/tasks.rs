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
use renkei_vendors::kaonavi::{
    KaonaviClient, KaonaviError, MemberData, TASK_PENDING, TaskCheck, TaskId, TaskOutcome,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The connection's item holding the tasks a stopped run left (`Repo::own_*` keys).
pub const CARRIED: &str = "kaonavi-tasks";

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
///
/// The record changes only on a real write: it is read (and its tasks checked) at the
/// first page a run writes, each task id is added as soon as Kaonavi answers it, and the
/// record is emptied only when a page's write has finished. Carried tasks that ended OK
/// stay in it until then, so a page that stops again still knows what they wrote. Every
/// change is conditional on the version this run last saw: a run that lost its lease to
/// a newer one cannot overwrite the newer run's record (the connector has no fence).
pub(super) struct TaskLedger<'a> {
    store: &'a dyn StateStore,
    t: TenantId,
    c: ConnectionId,
    now: DateTime<Utc>,
    /// The record's version as this run last read or wrote it (None: there is none).
    version: Option<u64>,
    /// Whether the record holds tasks (an emptied record is kept until its TTL).
    holds_tasks: bool,
    /// Carried tasks that ended OK: kept in the record until a page's write finishes.
    done: Vec<SentTask>,
    /// The tasks the current page's write sent.
    sent: Vec<SentTask>,
    /// Members an earlier run's task wrote, as it wrote them.
    settled: HashMap<String, (MemberData, WriteResult)>,
}

/// How long an emptied record is kept (a delete could not be conditional).
const EMPTIED_KEPT_DAYS: i64 = 1;

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
            version: None,
            holds_tasks: false,
            done: Vec::new(),
            sent: Vec::new(),
            settled: HashMap::new(),
        }
    }

    fn repo(&self) -> Repo<'a> {
        Repo::new(self.store)
    }

    /// Checks the tasks an earlier run left, before this run writes anything. Reads one
    /// item when there are none (a quiet run writes nothing here), and writes nothing
    /// unless a task still runs on a real run. A dry run never pauses on a running task:
    /// it fails at once, naming it, and leaves the record as it found it.
    pub(super) async fn settle(
        &mut self,
        kaonavi: &KaonaviClient,
        mode: Mode,
    ) -> Result<(), SyncError> {
        let Some((carried, version)) = self
            .repo()
            .own_get::<Carried>(&self.t, &self.c, CARRIED)
            .await?
        else {
            return Ok(());
        };
        self.version = Some(version);
        self.holds_tasks = !carried.tasks.is_empty();
        let mut tasks = carried.tasks.into_iter();
        while let Some(sent) = tasks.next() {
            match kaonavi.check_outcome(sent.task).await {
                Ok(TaskCheck::Finished(TaskOutcome::Written)) => {
                    self.settle_members(&sent);
                    self.done.push(sent);
                }
                // NG or ERROR wrote nothing: its members are written as usual.
                Ok(TaskCheck::Finished(TaskOutcome::Refused(_) | TaskOutcome::Failed(_))) => {}
                // Kaonavi no longer knows the task: its members are simply written again.
                Ok(TaskCheck::Forgotten) => {
                    tracing::warn!(task = %sent.task, "Kaonavi forgot a carried task");
                }
                Err(e @ KaonaviError::TaskStillRunning { .. }) => {
                    let left = Carried {
                        tasks: self
                            .done
                            .iter()
                            .cloned()
                            .chain([sent])
                            .chain(tasks)
                            .collect(),
                        since: carried.since,
                        checks: carried.checks + 1,
                    };
                    return Err(match mode {
                        Mode::Real => {
                            self.save(&left).await?;
                            stop(e, &left, kaonavi)
                        }
                        Mode::Dry => stop(e, &left.past_pauses(), kaonavi),
                    });
                }
                // The record is left as it was: every task is checked again next time.
                Err(other) => return Err(other.into()),
            }
        }
        Ok(())
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

    /// A task the current page sent: kept in the store at once, so that a run that dies
    /// before its page ends still leaves it for the next run to check.
    pub(super) async fn note(&mut self, task: TaskId, kind: WriteKind, members: &[MemberData]) {
        self.sent.push(SentTask {
            task,
            kind,
            members: members.to_vec(),
        });
        if let Err(saving) = self.save(&self.left()).await {
            // The page still ends by keeping its tasks (`leave`) or finishing them.
            tracing::warn!(error = %saving, %task, "could not keep a Kaonavi task yet");
        }
    }

    /// What the record holds while the current page's tasks may still run.
    fn left(&self) -> Carried {
        Carried {
            tasks: self.done.iter().chain(&self.sent).cloned().collect(),
            since: Some(self.now),
            checks: 0,
        }
    }

    /// The page's write stopped with `e` after sending tasks: they are kept for the next
    /// run (with the carried tasks that ended OK, until a page finishes), and a task still
    /// running stops this run with a pause instead of failing it.
    pub(super) async fn leave(&mut self, e: KaonaviError, kaonavi: &KaonaviClient) -> SyncError {
        if self.sent.is_empty() {
            // Nothing to keep: only spent polls pause (a dry run's own task fails it).
            return match e {
                spent @ KaonaviError::PollsSpent { .. } => {
                    stop(spent, &Carried::default(), kaonavi)
                }
                other => other.into(),
            };
        }
        let carried = self.left();
        if let Err(saving) = self.save(&carried).await {
            // Without the record the next run writes the page again: still correct for
            // every task that has finished by then, so the original error is the one told.
            tracing::warn!(error = %saving, "could not keep the run's Kaonavi tasks");
        }
        self.sent.clear();
        stop(e, &carried, kaonavi)
    }

    /// A real page's write finished: its tasks and the carried ones have done their work,
    /// so the record is emptied (the engine commits the page next).
    pub(super) async fn page_written(&mut self) -> Result<(), SyncError> {
        if self.holds_tasks {
            let expires = self.now + chrono::Duration::days(EMPTIED_KEPT_DAYS);
            self.put(&Carried::default(), Some(expires)).await?;
        }
        self.done.clear();
        self.sent.clear();
        Ok(())
    }

    async fn save(&mut self, carried: &Carried) -> Result<(), SyncError> {
        self.put(carried, None).await
    }

    async fn put(
        &mut self,
        carried: &Carried,
        expires: Option<DateTime<Utc>>,
    ) -> Result<(), SyncError> {
        let condition = self
            .version
            .map_or(Condition::NotExists, Condition::VersionIs);
        self.repo()
            .own_put(&self.t, &self.c, CARRIED, carried, condition, expires)
            .await?;
        self.version = Some(self.version.map_or(1, |v| v + 1));
        self.holds_tasks = !carried.tasks.is_empty();
        Ok(())
    }
}

/// Whether the run writes (the record may change) or only checks (it must not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// A real run.
    Real,
    /// A dry run: reads only.
    Dry,
}

impl Mode {
    pub(super) fn of(dry_run: bool) -> Self {
        if dry_run { Mode::Dry } else { Mode::Real }
    }
}

impl Carried {
    /// The record as a stop past its pauses sees it (a dry run does not pause).
    fn past_pauses(mut self) -> Self {
        self.checks = self.checks.max(MAX_QUIET_CHECKS);
        self
    }
}

/// How a run stops on a task it cannot wait for any longer: a pause (the run continues and
/// checks the task first) until the task has outlasted [`MAX_QUIET_CHECKS`] runs' polls,
/// then a failure naming it (each later run checks it again before writing).
fn stop(e: KaonaviError, carried: &Carried, kaonavi: &KaonaviClient) -> SyncError {
    let task = match e {
        KaonaviError::TaskStillRunning { task, .. } => task,
        // Nothing was sent that could not be followed: the run simply continues later.
        KaonaviError::PollsSpent { .. } => {
            let seconds = kaonavi.polling().cap.as_secs().max(1);
            return SyncError::Halted(Halt::Backoff { seconds });
        }
        other => return other.into(),
    };
    if carried.checks < MAX_QUIET_CHECKS {
        let seconds = kaonavi.polling().cap.as_secs().max(1);
        return SyncError::Halted(Halt::Backoff { seconds });
    }
    let since = carried.since.map_or_else(String::new, |s| {
        format!(" (送信: {})", s.format("%Y-%m-%d %H:%M UTC"))
    });
    // One failure while it persists, whichever task and however many runs: the typed cause.
    SyncError::Retryable(format!(
        "カオナビのタスク {task} が{since} {} 回の実行で確認しても完了していません。完了を確認するまで、このタスクの社員は書き込みません。カオナビの『公開API v2 情報』の実行結果をご確認ください (Kaonavi task {task} still running after {} runs' polls; its members are not written again until it finishes)",
        carried.checks, carried.checks
    ))
    .because(TASK_PENDING)
}
