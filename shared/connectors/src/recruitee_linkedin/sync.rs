//! The ATS → LinkedIn pass (C5.2, C5.7): deletions Recruitee told us about, jobs,
//! candidates page by page, a sweep for deletions nobody told us about, and the finish that
//! records where the next incremental pass starts.

use super::budget::{DayBudget, Progress, next_day};
use super::mapping::{self, Bundle, candidate_key, job_key};
use super::setup::{ActivationState, check};
use super::{Settings, deletion_sk};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use renkei_core::clock::Clock;
use renkei_core::engine::{
    BuildEnv, Change, Connector, Page, Payload, Pulled, SyncError, WriteResult, content_hash,
};
use renkei_core::ports::{Condition, StateStore};
use renkei_core::repo::{Connection, Repo};
use renkei_core::{ConnectionId, TenantId};
use renkei_vendors::linkedin::{
    Activation, EntityStatus, JobPosting, LinkedinClient, MAX_BATCH, Resource, integration_context,
};
use renkei_vendors::recruitee::RecruiteeClient;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Re-read this many candidates before each page's offset: a candidate deleted while a
/// long pass runs shifts the offsets back, and the overlap keeps that from skipping one.
const OVERLAP: u64 = 5;
/// An incremental pass asks for changes since the last one less this (whole-second
/// timestamps, clock skew, late writes); hashes drop what was already sent.
const SINCE_MARGIN_MINUTES: i64 = 5;
/// Candidates per page of the id enumeration.
const ENUMERATION_PAGE: u32 = 1000;

/// A record of this connector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    /// A job (its operation chosen when sent).
    Job(JobPosting),
    /// A candidate with everything of it.
    Candidate(Bundle),
    /// A candidate Recruitee no longer has: removed on LinkedIn with its applications.
    Gone {
        /// Recruitee's id.
        candidate: u64,
    },
}

/// The kind of pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "pass")]
pub enum Pass {
    /// The first pass after activation: everything.
    Historical,
    /// Candidates updated since.
    Incremental {
        /// From.
        since: DateTime<Utc>,
    },
}

/// The step of a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Deletions told by webhook.
    Deletions,
    /// Jobs.
    Jobs,
    /// Candidates.
    Candidates,
    /// Comparing ids for deletions no webhook told.
    Sweep,
    /// Recording the pass.
    Finish,
}

/// Where a pass stands (the checkpoint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Which pass.
    #[serde(flatten)]
    pub pass: Pass,
    /// Its step.
    pub step: Step,
    /// Recruitee offset of the next candidate page.
    #[serde(default)]
    pub offset: u64,
    /// The last candidate id handed over (the overlap drops what is not after it).
    #[serde(default)]
    pub last_id: u64,
    /// Candidates handed over in this pass.
    #[serde(default)]
    pub done: u64,
    /// The newest `updated_at` seen in this pass.
    #[serde(default)]
    pub high_water: Option<DateTime<Utc>>,
    /// Whether this pass sweeps.
    #[serde(default)]
    pub sweep: bool,
    /// Deletion notes handled by the previous page (cleared once it committed).
    #[serde(default)]
    pub clear: Vec<u64>,
}

/// What a finished pass leaves for the next (`S`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SyncState {
    history_done: bool,
    since: Option<DateTime<Utc>>,
    last_sweep: Option<DateTime<Utc>>,
}

const STATE: &str = "S";

/// The running connector.
pub struct RecruiteeLinkedin<'a> {
    store: &'a dyn StateStore,
    clock: &'a dyn Clock,
    t: TenantId,
    c: ConnectionId,
    settings: Settings,
    context: String,
    recruitee: RecruiteeClient,
    linkedin: LinkedinClient,
    budget: DayBudget<'a>,
    /// Offers LinkedIn holds (read once per run).
    jobs: Option<HashSet<u64>>,
}

impl<'a> RecruiteeLinkedin<'a> {
    pub(super) fn new(
        conn: &Connection,
        settings: Settings,
        recruitee: RecruiteeClient,
        linkedin: LinkedinClient,
        env: BuildEnv<'a>,
    ) -> Self {
        let (t, c) = (conn.tenant_id.clone(), conn.connection_id.clone());
        Self {
            store: env.store,
            clock: env.clock,
            budget: DayBudget::new(env.store, env.clock, &t, &c, settings.requests_per_day),
            context: integration_context(&settings.organization),
            t,
            c,
            settings,
            recruitee,
            linkedin,
            jobs: None,
        }
    }

    fn repo(&self) -> Repo<'a> {
        Repo::new(self.store)
    }

    async fn progress(&self, f: impl FnOnce(&mut Progress)) -> Result<(), SyncError> {
        let mut p = Progress::read(self.store, &self.t, &self.c)
            .await?
            .unwrap_or_default();
        f(&mut p);
        Ok(p.save(self.store, &self.t, &self.c).await?)
    }

    /// Every candidate id Recruitee has, read to the end (an error: no answer at all).
    async fn all_ids(&self) -> Result<HashSet<u64>, SyncError> {
        let mut ids = HashSet::new();
        let mut offset = 0;
        loop {
            let page = self
                .recruitee
                .candidates(offset, ENUMERATION_PAGE, None)
                .await?;
            let n = page.len() as u64;
            ids.extend(page.iter().map(|c| c.id));
            if n < u64::from(ENUMERATION_PAGE) {
                return Ok(ids);
            }
            offset += n;
        }
    }

    /// The offers LinkedIn holds: open ones, and closed ones it was sent before.
    async fn jobs(&mut self) -> Result<HashSet<u64>, SyncError> {
        if self.jobs.is_none() {
            let offers = self.recruitee.offers().await?;
            let sent: HashSet<String> = self
                .repo()
                .hashed(&self.t, &self.c, "J:")
                .await?
                .into_iter()
                .map(|(k, _)| k)
                .collect();
            self.jobs = Some(
                offers
                    .iter()
                    .filter(|o| {
                        matches!(o.status.as_str(), "published" | "internal")
                            || sent.contains(&job_key(o.id))
                    })
                    .map(|o| o.id)
                    .collect(),
            );
        }
        Ok(self.jobs.clone().unwrap_or_default())
    }

    /// A pass's first position, or None while LinkedIn has not activated the integration.
    async fn start(&mut self) -> Result<Option<Position>, SyncError> {
        let now = self.clock.now();
        let active = ActivationState::read(self.store, &self.t, &self.c)
            .await?
            .is_some_and(|a| a.status == Activation::Active);
        if !active {
            let a = check(
                self.store,
                &self.t,
                &self.c,
                &self.linkedin,
                &self.settings,
                now,
            )
            .await?;
            match a.status {
                Activation::Active => {}
                Activation::Pending => {
                    self.progress(|p| {
                        p.phase = "waiting for LinkedIn to activate".into();
                        p.note = Some(a.message.clone());
                        p.updated_at = Some(now);
                    })
                    .await?;
                    return Ok(None);
                }
                Activation::Failed => {
                    return Err(SyncError::Permanent(format!(
                        "LinkedIn did not activate Recruiter System Connect ({}); contact LinkedIn support",
                        a.message
                    )));
                }
            }
        }
        let state: SyncState = self
            .repo()
            .own_get(&self.t, &self.c, STATE)
            .await?
            .map(|(s, _)| s)
            .unwrap_or_default();
        let sweep_due = state
            .last_sweep
            .is_none_or(|s| now - s >= Duration::hours(i64::from(self.settings.sweep_hours)));
        let pass = match (state.history_done, state.since) {
            (true, Some(since)) => Pass::Incremental { since },
            _ => Pass::Historical,
        };
        let total = if pass == Pass::Historical {
            Some(self.all_ids().await?.len() as u64)
        } else {
            None
        };
        let phase = match pass {
            Pass::Historical => "historical",
            Pass::Incremental { .. } => "incremental",
        };
        self.progress(|p| {
            *p = Progress {
                phase: phase.into(),
                total,
                started_at: Some(now),
                ..Progress::default()
            };
            p.advance(0, now);
        })
        .await?;
        Ok(Some(Position {
            pass,
            step: Step::Deletions,
            offset: 0,
            last_id: 0,
            done: 0,
            high_water: state.since,
            sweep: sweep_due,
            clear: Vec::new(),
        }))
    }

    /// Deletions Recruitee told us about, confirmed (a candidate Recruitee still has is
    /// not deleted).
    async fn deletions(&mut self, pos: &mut Position) -> Result<Vec<Pulled<Record>>, SyncError> {
        for id in std::mem::take(&mut pos.clear) {
            self.repo()
                .own_delete(&self.t, &self.c, &deletion_sk(id))
                .await?;
        }
        let noted: Vec<(String, Value)> = self.repo().own_query(&self.t, &self.c, "D#").await?;
        if noted.is_empty() {
            pos.step = Step::Jobs;
            return Ok(Vec::new());
        }
        // This page's notes are cleared by the next pull, once its deletions committed.
        let mut records = Vec::new();
        for (_, v) in noted.iter().take(self.settings.page_size.max(1)) {
            let Some(id) = v["candidate"].as_u64() else {
                continue;
            };
            pos.clear.push(id);
            if self.recruitee.candidate(id).await?.is_none() {
                records.push(gone(id));
            }
        }
        Ok(records)
    }

    async fn jobs_page(&mut self) -> Result<Vec<Pulled<Record>>, SyncError> {
        let offers = self.recruitee.offers().await?;
        let sent: HashSet<String> = self
            .repo()
            .hashed(&self.t, &self.c, "J:")
            .await?
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        Ok(offers
            .iter()
            .filter_map(|o| {
                let key = job_key(o.id);
                let posting = match mapping::job(o, &self.context) {
                    Some(j) => j,
                    None if sent.contains(&key) => mapping::closed_job(o, &self.context),
                    None => return None,
                };
                Some(Pulled::Ready {
                    key,
                    payload: Record::Job(posting),
                })
            })
            .collect())
    }

    async fn candidates_page(
        &mut self,
        pos: &mut Position,
    ) -> Result<Vec<Pulled<Record>>, SyncError> {
        let jobs = self.jobs().await?;
        let size = self.settings.page_size.max(1) as u64;
        let from = pos.offset.saturating_sub(OVERLAP);
        let since = match &pos.pass {
            Pass::Historical => None,
            Pass::Incremental { since } => Some(*since - Duration::minutes(SINCE_MARGIN_MINUTES)),
        };
        let page = self
            .recruitee
            .candidates(from, (size + (pos.offset - from)) as u32, since)
            .await?;
        let asked = size + (pos.offset - from);
        let fetched = page.len() as u64;
        let mut records = Vec::new();
        let mut taken_to = pos.offset;
        for (i, cand) in page.iter().enumerate() {
            if cand.id <= pos.last_id {
                continue;
            }
            taken_to = from + i as u64 + 1;
            pos.last_id = cand.id;
            pos.done += 1;
            pos.high_water = pos.high_water.max(Some(cand.updated_at));
            let notes = self.recruitee.notes(cand.id).await?;
            let results = self.recruitee.interview_results(cand.id).await?;
            records.push(match mapping::bundle(cand, &notes, &results, &jobs) {
                Ok(b) => Pulled::Ready {
                    key: candidate_key(cand.id),
                    payload: Record::Candidate(b),
                },
                Err(reason) => Pulled::Rejected {
                    record: format!(
                        "candidate {} ({})",
                        cand.id,
                        cand.emails.first().map_or("no email", String::as_str)
                    ),
                    reason,
                },
            });
        }
        pos.offset = taken_to.max(pos.offset);
        // Fewer than asked: the end of Recruitee's list.
        if fetched < asked {
            pos.step = if pos.sweep { Step::Sweep } else { Step::Finish };
        }
        let (done, now) = (pos.done, self.clock.now());
        self.progress(|p| p.advance(done, now)).await?;
        Ok(records)
    }

    /// Candidates LinkedIn was sent that Recruitee no longer has: only after reading every
    /// id, and each confirmed by Recruitee answering 404 for it.
    async fn sweep(&mut self) -> Result<Vec<Pulled<Record>>, SyncError> {
        let present = self.all_ids().await?;
        let mut out = Vec::new();
        for (key, hash) in self.repo().hashed(&self.t, &self.c, "C:").await? {
            let Some(id) = key.strip_prefix("C:").and_then(|s| s.parse::<u64>().ok()) else {
                continue;
            };
            if present.contains(&id) || hash == tombstone_for(id) {
                continue;
            }
            if self.recruitee.candidate(id).await?.is_none() {
                out.push(gone(id));
            }
        }
        Ok(out)
    }

    async fn finish(&mut self, pos: &Position) -> Result<(), SyncError> {
        let now = self.clock.now();
        let old: SyncState = self
            .repo()
            .own_get(&self.t, &self.c, STATE)
            .await?
            .map(|(s, _)| s)
            .unwrap_or_default();
        let state = SyncState {
            history_done: true,
            since: pos.high_water.or(old.since).or(Some(now)),
            last_sweep: if pos.sweep { Some(now) } else { old.last_sweep },
        };
        self.repo()
            .own_put(&self.t, &self.c, STATE, &state, Condition::Always, None)
            .await?;
        let done = pos.done;
        self.progress(|p| {
            p.advance(done, now);
            p.phase = format!("{} done", p.phase.trim_end_matches(" done"));
            p.eta = None;
        })
        .await
    }

    /// Takes one request of the day's budget; when it is spent, says so in the progress
    /// before the run stops to continue the next UTC day.
    async fn spend(&mut self) -> Result<(), SyncError> {
        match self.budget.spend().await {
            Err(e @ SyncError::Halted(_)) => {
                let now = self.clock.now();
                let limit = self.settings.requests_per_day;
                self.progress(|p| {
                    p.note = Some(format!(
                        "LinkedIn's daily request budget ({limit}) is spent; the sync continues at {} (next UTC day)",
                        next_day(now).format("%Y-%m-%d %H:%M UTC")
                    ));
                    p.updated_at = Some(now);
                })
                .await?;
                Err(e)
            }
            other => other,
        }
    }

    /// One batch call with the day budget taken first; a transient failure of some
    /// entities is sent once more, then it fails the page (it is sent again whole).
    async fn update(
        &mut self,
        resource: Resource,
        entities: &[(String, Value)],
    ) -> Result<Vec<EntityStatus>, SyncError> {
        self.spend().await?;
        let mut statuses = self
            .linkedin
            .batch_update(resource, &self.context, entities)
            .await?;
        let again: Vec<usize> = (0..statuses.len())
            .filter(|i| matches!(statuses[*i], EntityStatus::Failed(_)))
            .collect();
        if !again.is_empty() {
            let retry: Vec<(String, Value)> = again.iter().map(|i| entities[*i].clone()).collect();
            self.spend().await?;
            let second = self
                .linkedin
                .batch_update(resource, &self.context, &retry)
                .await?;
            for (i, s) in again.into_iter().zip(second) {
                if let EntityStatus::Failed(m) = &s {
                    return Err(SyncError::Retryable(format!(
                        "LinkedIn did not take {} {}: {m}",
                        resource.name(),
                        entities[i].0
                    )));
                }
                statuses[i] = s;
            }
        }
        Ok(statuses)
    }

    async fn write_jobs(
        &mut self,
        jobs: Vec<(usize, JobPosting)>,
        out: &mut [Option<WriteResult>],
    ) -> Result<(), SyncError> {
        let keys: Vec<String> = jobs
            .iter()
            .map(|(_, j)| format!("J:{}", j.external_job_posting_id))
            .collect();
        let known = self.repo().hashes(&self.t, &self.c, &keys).await?;
        for chunk in jobs.chunks(MAX_BATCH) {
            let postings: Vec<JobPosting> = chunk
                .iter()
                .map(|(_, j)| {
                    let mut j = j.clone();
                    if j.job_posting_operation_type.is_empty() {
                        let sent = known.contains_key(&format!("J:{}", j.external_job_posting_id));
                        j.job_posting_operation_type =
                            if sent { "UPDATE" } else { "CREATE" }.into();
                    }
                    j
                })
                .collect();
            self.spend().await?;
            let tasks = self.linkedin.post_jobs(&postings).await?;
            let mut pending: Vec<(usize, String)> = Vec::new();
            for ((i, j), t) in chunk.iter().zip(tasks) {
                match t {
                    Ok(task) => pending.push((*i, task)),
                    Err(EntityStatus::Refused { status, message }) => {
                        out[*i] = Some(WriteResult::Rejected(format!(
                            "LinkedIn refused job {} (HTTP {status}): {message}",
                            j.external_job_posting_id
                        )));
                    }
                    Err(e) => return Err(SyncError::Retryable(format!("{e:?}"))),
                }
            }
            // Jobs are processed asynchronously: ask until each task is done.
            for attempt in 0..10 {
                if pending.is_empty() {
                    break;
                }
                if attempt > 0 {
                    self.linkedin
                        .wait(std::time::Duration::from_secs_f64(
                            1.0 / self.settings.time_scale.max(1.0),
                        ))
                        .await?;
                }
                let ids: Vec<String> = pending.iter().map(|(_, t)| t.clone()).collect();
                self.spend().await?;
                let statuses = self.linkedin.job_tasks(&ids).await?;
                let mut still = Vec::new();
                for ((i, task), s) in pending.into_iter().zip(statuses) {
                    match s {
                        EntityStatus::Done => {
                            let sent = jobs.iter().find(|(k, _)| *k == i).is_some_and(|(_, j)| {
                                known.contains_key(&format!("J:{}", j.external_job_posting_id))
                            });
                            out[i] = Some(if sent {
                                WriteResult::Updated
                            } else {
                                WriteResult::Created
                            });
                        }
                        EntityStatus::Refused { message, .. } => {
                            out[i] = Some(WriteResult::Rejected(format!(
                                "LinkedIn did not take the job: {message}"
                            )));
                        }
                        EntityStatus::Failed(_) => still.push((i, task)),
                    }
                }
                pending = still;
            }
            if !pending.is_empty() {
                return Err(SyncError::Retryable(format!(
                    "LinkedIn is still processing {} job(s); they are sent again next run",
                    pending.len()
                )));
            }
        }
        Ok(())
    }

    async fn write_candidates(
        &mut self,
        bundles: Vec<(usize, Bundle)>,
        out: &mut [Option<WriteResult>],
    ) -> Result<(), SyncError> {
        let keys: Vec<String> = bundles.iter().map(|(_, b)| format!("C:{}", b.id)).collect();
        let known = self.repo().hashes(&self.t, &self.c, &keys).await?;
        let mut refused: HashMap<usize, String> = HashMap::new();
        let mut bad_apps: HashSet<String> = HashSet::new();
        for resource in [
            Resource::Candidates,
            Resource::Applications,
            Resource::Stages,
            Resource::Notes,
            Resource::Feedback,
        ] {
            let mut entities: Vec<(usize, String, Value)> = Vec::new();
            for (i, b) in &bundles {
                if refused.contains_key(i) {
                    continue;
                }
                let items: Vec<(String, Value, Option<&str>)> = match resource {
                    Resource::Candidates => vec![(b.id.clone(), json(&b.candidate), None)],
                    Resource::Applications => b
                        .applications
                        .iter()
                        .map(|(id, a)| (id.clone(), json(a), None))
                        .collect(),
                    Resource::Stages => b
                        .stages
                        .iter()
                        .map(|(id, s)| (id.clone(), json(s), Some(s.application.as_str())))
                        .collect(),
                    Resource::Notes => b
                        .notes
                        .iter()
                        .map(|(id, n)| (id.clone(), json(n), Some(n.application.as_str())))
                        .collect(),
                    Resource::Feedback => b
                        .feedback
                        .iter()
                        .map(|(id, f)| (id.clone(), json(f), Some(f.application.as_str())))
                        .collect(),
                };
                for (id, v, parent) in items {
                    if parent.is_some_and(|p| bad_apps.contains(p)) {
                        continue;
                    }
                    entities.push((*i, id, v));
                }
            }
            for chunk in entities.chunks(MAX_BATCH) {
                let batch: Vec<(String, Value)> = chunk
                    .iter()
                    .map(|(_, id, v)| (id.clone(), v.clone()))
                    .collect();
                let statuses = self.update(resource, &batch).await?;
                for ((owner, id, _), s) in chunk.iter().zip(statuses) {
                    if let EntityStatus::Refused { status, message } = s {
                        if resource == Resource::Applications {
                            bad_apps.insert(id.clone());
                        }
                        refused.entry(*owner).or_insert_with(|| {
                            format!(
                                "LinkedIn refused {} {id} (HTTP {status}): {message}",
                                resource.name()
                            )
                        });
                    }
                }
            }
        }
        for (i, b) in &bundles {
            out[*i] = Some(match refused.remove(i) {
                Some(reason) => WriteResult::Rejected(reason),
                None if known.contains_key(&format!("C:{}", b.id)) => WriteResult::Updated,
                None => WriteResult::Created,
            });
        }
        Ok(())
    }

    async fn write_gone(
        &mut self,
        gone: Vec<(usize, u64)>,
        out: &mut [Option<WriteResult>],
    ) -> Result<(), SyncError> {
        for chunk in gone.chunks(MAX_BATCH) {
            let ids: Vec<String> = chunk.iter().map(|(_, id)| id.to_string()).collect();
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            self.spend().await?;
            let statuses = self
                .linkedin
                .batch_delete(Resource::Candidates, &self.context, &refs)
                .await?;
            for ((i, id), s) in chunk.iter().zip(statuses) {
                out[*i] = Some(match s {
                    EntityStatus::Done => WriteResult::Updated,
                    EntityStatus::Refused { status, message } => WriteResult::Rejected(format!(
                        "LinkedIn refused to delete candidate {id} (HTTP {status}): {message}"
                    )),
                    EntityStatus::Failed(m) => {
                        return Err(SyncError::Retryable(format!(
                            "deleting candidate {id}: {m}"
                        )));
                    }
                });
            }
        }
        Ok(())
    }
}

/// An entity as the batch body carries it.
fn json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn gone_record(candidate: u64) -> Record {
    Record::Gone { candidate }
}

/// The hash the engine keeps for a deleted candidate (its Gone record's).
fn tombstone_for(id: u64) -> String {
    content_hash(&Payload::new(gone_record(id)).json)
}

fn gone(id: u64) -> Pulled<Record> {
    Pulled::Ready {
        key: candidate_key(id),
        payload: gone_record(id),
    }
}

#[async_trait]
impl Connector for RecruiteeLinkedin<'_> {
    type Record = Record;
    type Cursor = Position;

    async fn pull(
        &mut self,
        cursor: Option<Position>,
    ) -> Result<Page<Record, Position>, SyncError> {
        let mut pos = match cursor {
            Some(p) => p,
            None => match self.start().await? {
                Some(p) => p,
                None => return Ok(Page::default()),
            },
        };
        let records = match pos.step {
            Step::Deletions => self.deletions(&mut pos).await?,
            Step::Jobs => {
                let r = self.jobs_page().await?;
                pos.step = Step::Candidates;
                r
            }
            Step::Candidates => self.candidates_page(&mut pos).await?,
            Step::Sweep => {
                let r = self.sweep().await?;
                pos.step = Step::Finish;
                r
            }
            Step::Finish => {
                self.finish(&pos).await?;
                return Ok(Page::default());
            }
        };
        Ok(Page {
            records,
            next_cursor: Some(pos),
            has_more: true,
        })
    }

    async fn write(
        &mut self,
        changes: &[Change<Record>],
        dry_run: bool,
    ) -> Result<Vec<WriteResult>, SyncError> {
        if dry_run {
            return Ok(changes.iter().map(|_| WriteResult::Updated).collect());
        }
        let mut out: Vec<Option<WriteResult>> = vec![None; changes.len()];
        let (mut jobs, mut bundles, mut gone) = (Vec::new(), Vec::new(), Vec::new());
        for (i, ch) in changes.iter().enumerate() {
            match &ch.payload {
                Record::Job(j) => jobs.push((i, j.clone())),
                Record::Candidate(b) => bundles.push((i, b.clone())),
                Record::Gone { candidate } => gone.push((i, *candidate)),
            }
        }
        if !jobs.is_empty() {
            self.write_jobs(jobs, &mut out).await?;
        }
        if !gone.is_empty() {
            self.write_gone(gone, &mut out).await?;
        }
        if !bundles.is_empty() {
            self.write_candidates(bundles, &mut out).await?;
        }
        Ok(out
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| WriteResult::Rejected("no answer from LinkedIn for it".into()))
            })
            .collect())
    }
}
