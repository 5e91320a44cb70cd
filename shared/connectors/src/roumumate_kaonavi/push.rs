//! The running C2 connector: pulls Roumumate's changed employees, maps them ([`super::mapping`])
//! and upserts them into Kaonavi by 社員番号 (C2.4): POST for codes Kaonavi does not have,
//! PATCH for the others, then follows Kaonavi's tasks ([`super::tasks`]).

use super::Settings;
use super::tasks::{Mode, TaskLedger, WriteKind};
use async_trait::async_trait;
use renkei_core::engine::{Change, Connector, Page, SyncError, WriteResult};
use renkei_vendors::VendorError;
use renkei_vendors::kaonavi::{
    KaonaviClient, KaonaviError, MemberData, MemberRefusal, Refusal, RefusalReason, TaskOutcome,
    WriteStart,
};
use renkei_vendors::roumumate::RoumumateClient;
use std::collections::{HashMap, HashSet};

/// The running connector.
pub struct RoumumateKaonavi<'a> {
    pub(super) roumumate: RoumumateClient,
    pub(super) kaonavi: KaonaviClient,
    pub(super) settings: Settings,
    /// 社員番号 Kaonavi has (read once per run, kept up to date as we create).
    pub(super) existing: HashSet<String>,
    /// The run's tasks, and what an earlier run's tasks already wrote.
    pub(super) tasks: TaskLedger<'a>,
    /// Whether the run's first write has checked the carried tasks and read the members.
    pub(super) checked: bool,
}

/// Attempts at one batch (each NG or refused request removes the named members).
const BATCH_ROUNDS: usize = 6;

/// What one request of a group came to.
enum Round {
    /// Every member was written.
    Done,
    /// Kaonavi refused the request (an NG task or a synchronous 400).
    Refused(Refusal),
    /// A create's answer was lost: the members are routed again after reading Kaonavi.
    Unclear,
}

impl RoumumateKaonavi<'_> {
    async fn refresh_existing(&mut self) -> Result<(), KaonaviError> {
        self.existing = self
            .kaonavi
            .members()
            .await?
            .into_iter()
            .map(|m| m.code)
            .collect();
        Ok(())
    }

    /// Sends one request of a group and follows its task.
    async fn round(
        &mut self,
        pending: &[MemberData],
        kind: WriteKind,
        dry_run: bool,
    ) -> Result<Round, KaonaviError> {
        // A write whose task this run could not follow is not sent at all.
        if self.kaonavi.polls_left() == 0 {
            return Err(KaonaviError::PollsSpent {
                per_run: self.kaonavi.polling().per_run,
            });
        }
        let sent = match kind {
            WriteKind::Create => self.kaonavi.start_create(pending, dry_run).await,
            WriteKind::Update => self.kaonavi.start_update(pending, dry_run).await,
        };
        let task = match sent {
            Ok(WriteStart::Task(task)) => task,
            Ok(WriteStart::Refused(refusal)) => return Ok(Round::Refused(refusal)),
            Err(KaonaviError::Vendor(VendorError::Retryable { .. }))
                if kind == WriteKind::Create && !dry_run =>
            {
                return Ok(Round::Unclear);
            }
            Err(e) => return Err(e),
        };
        if !dry_run {
            self.tasks.note(task, kind, pending).await;
        }
        match self.kaonavi.wait_outcome(task).await? {
            TaskOutcome::Written => Ok(Round::Done),
            TaskOutcome::Refused(refusal) => Ok(Round::Refused(refusal)),
            TaskOutcome::Failed(failure) => Err(failure.into()),
        }
    }

    /// Writes one group (all creates or all updates), answering a result per member code.
    /// NG tasks and synchronous 400s are all-or-nothing at Kaonavi: the members they name
    /// are rejected and the rest sent again. A create whose answer was lost is reconciled by
    /// reading the members again: those that now exist are updated instead.
    async fn write_group(
        &mut self,
        mut pending: Vec<MemberData>,
        kind: WriteKind,
        dry_run: bool,
        results: &mut HashMap<String, WriteResult>,
    ) -> Result<Vec<MemberData>, KaonaviError> {
        let mut moved_to_update = Vec::new();
        for _ in 0..BATCH_ROUNDS {
            if pending.is_empty() {
                break;
            }
            let refusal = match self.round(&pending, kind, dry_run).await? {
                Round::Done => {
                    for m in pending.drain(..) {
                        if kind == WriteKind::Create && !dry_run {
                            self.existing.insert(m.code.clone());
                        }
                        let r = match kind {
                            WriteKind::Create => WriteResult::Created,
                            WriteKind::Update => WriteResult::Updated,
                        };
                        results.insert(m.code, r);
                    }
                    break;
                }
                Round::Refused(refusal) => refusal,
                Round::Unclear => {
                    // The create may or may not have happened: look, then route each member.
                    self.refresh_existing().await?;
                    let (now_exist, still_new): (Vec<_>, Vec<_>) = pending
                        .drain(..)
                        .partition(|m| self.existing.contains(&m.code));
                    moved_to_update.extend(now_exist);
                    pending = still_new;
                    continue;
                }
            };
            pending = self.sort_refusals(pending, kind, refusal, results, &mut moved_to_update);
            if pending.is_empty() {
                break;
            }
        }
        for m in pending {
            results.insert(
                m.code,
                WriteResult::Rejected(
                    "カオナビへの書き込みを完了できませんでした (gave up after repeated refusals)"
                        .into(),
                ),
            );
        }
        Ok(moved_to_update)
    }

    /// Splits a refused request's members: those Kaonavi named are rejected (or, a create of
    /// a code it has, updated instead); the others are answered to be sent again. A refusal
    /// naming nobody rejects everyone: none of them can be trusted to pass.
    fn sort_refusals(
        &mut self,
        pending: Vec<MemberData>,
        kind: WriteKind,
        refusal: Refusal,
        results: &mut HashMap<String, WriteResult>,
        moved_to_update: &mut Vec<MemberData>,
    ) -> Vec<MemberData> {
        let named = match refusal {
            Refusal::Members(named) => named,
            Refusal::Request { message } => {
                let reason = format!("カオナビが拒否しました: {message}");
                for m in pending {
                    results.insert(m.code, WriteResult::Rejected(reason.clone()));
                }
                return Vec::new();
            }
        };
        let named: HashMap<&str, &MemberRefusal> =
            named.iter().map(|r| (r.code.as_str(), r)).collect();
        let mut rest = Vec::new();
        for m in pending {
            match named.get(m.code.as_str()) {
                // Created in Kaonavi after this run read its members (C2.4: upsert by
                // 社員番号): it exists now, so it is updated instead of rejected.
                Some(r)
                    if kind == WriteKind::Create
                        && r.reason == RefusalReason::AlreadyRegistered =>
                {
                    self.existing.insert(m.code.clone());
                    moved_to_update.push(m);
                }
                Some(r) => {
                    results.insert(
                        m.code.clone(),
                        WriteResult::Rejected(format!("カオナビが拒否しました: {}", r.message)),
                    );
                }
                None => rest.push(m),
            }
        }
        rest
    }

    /// Writes a page's changes: those an earlier run's task already wrote are answered from
    /// it, the others created or updated.
    async fn write_changes(
        &mut self,
        changes: &[Change<MemberData>],
        dry_run: bool,
    ) -> Result<HashMap<String, WriteResult>, KaonaviError> {
        let mut creates = Vec::new();
        let mut updates = Vec::new();
        let mut results = HashMap::new();
        for change in changes {
            if let Some(done) = self.tasks.settled(&change.payload) {
                results.insert(change.key.clone(), done);
            } else if self.existing.contains(&change.payload.code) {
                updates.push(change.payload.clone());
            } else {
                creates.push(change.payload.clone());
            }
        }
        let moved = self
            .write_group(creates, WriteKind::Create, dry_run, &mut results)
            .await?;
        updates.extend(moved);
        self.write_group(updates, WriteKind::Update, dry_run, &mut results)
            .await?;
        Ok(results)
    }
}

#[async_trait]
impl Connector for RoumumateKaonavi<'_> {
    type Record = MemberData;
    /// Roumumate's opaque change cursor.
    type Cursor = String;

    /// Checks the credentials (a token), so that even a run with nothing to write finds
    /// them refused; the carried tasks and the members are read at the first write.
    async fn begin(&mut self) -> Result<(), SyncError> {
        Ok(self.kaonavi.authenticate().await?)
    }

    async fn pull(&mut self, cursor: Option<String>) -> Result<Page<MemberData>, SyncError> {
        let page = self.roumumate.changed_employees(cursor.as_deref()).await?;
        Ok(Page {
            records: page
                .employees
                .iter()
                .map(|e| super::mapping::map(e, &self.settings))
                .collect(),
            next_cursor: Some(page.next_cursor),
            has_more: page.has_more,
        })
    }

    async fn write(
        &mut self,
        changes: &[Change<MemberData>],
        dry_run: bool,
    ) -> Result<Vec<WriteResult>, SyncError> {
        // At the first page with changes (only then is there something to write, and only
        // `write` knows whether the run is a dry one): the tasks an earlier run left are
        // checked before anything is written, then the 社員番号 Kaonavi has are read.
        if !self.checked {
            self.tasks.settle(&self.kaonavi, Mode::of(dry_run)).await?;
            self.refresh_existing().await?;
            self.checked = true;
        }
        self.tasks.begin_page();
        let mut results = match self.write_changes(changes, dry_run).await {
            Ok(results) => results,
            Err(e) => return Err(self.tasks.leave(e, &self.kaonavi).await),
        };
        if !dry_run {
            self.tasks.page_written().await?;
        }
        Ok(changes
            .iter()
            .map(|c| {
                results
                    .remove(&c.key)
                    .unwrap_or_else(|| WriteResult::Rejected("no result from Kaonavi".into()))
            })
            .collect())
    }
}
