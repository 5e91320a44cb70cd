//! The ATS → LinkedIn pass (C5.2, C5.7): deletions Recruitee told us about, jobs,
//! candidates page by page, a sweep for deletions nobody told us about, and the finish that
//! records where the next incremental pass starts.

use super::budget::{DayBudget, Progress, next_day};
use super::mapping::{self, Bundle, candidate_key, job_key};
use super::setup::{ActivationState, check};
use super::{Settings, deletion_sk};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use futures::{StreamExt, TryStreamExt};
use renkei_core::clock::Clock;
use renkei_core::engine::{
    BuildEnv, Cause, Change, Class, Connector, Page, Payload, Pulled, SyncError, WriteResult,
    content_hash,
};
use renkei_core::ports::{Condition, StateStore};
use renkei_core::repo::{Connection, Repo};
use renkei_core::{ConnectionId, TenantId};
use renkei_vendors::linkedin::{
    Activation, EntityStatus, JobOperation, JobPosting, JobState, LinkedinClient, MAX_BATCH,
    Resource, SubResource, integration_context,
};
use renkei_vendors::recruitee::RecruiteeClient;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Re-read this many candidates before each page's offset: they show whether the list moved
/// (candidates deleted while a long pass runs shift it up; new ones at the front, down).
const OVERLAP: u64 = 5;
/// An incremental pass hands over candidates updated since the last pass started less this
/// (whole-second timestamps, clock skew, late writes); hashes drop what was already sent.
const SINCE_MARGIN_MINUTES: i64 = 5;
/// Candidates per page of the id enumeration, and of an incremental pass's scan.
const ENUMERATION_PAGE: u32 = 1000;
/// Candidates of a page whose notes and interview results are read at the same time.
const FETCH_CONCURRENCY: usize = 8;

mod access;
mod candidates;
mod deletions;
mod filing;
mod inbound;
mod write;

pub use access::Acl;
pub use inbound::{ExportTask, Inbound};
pub(crate) use inbound::{INMAIL_MINUTES, Notified};

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
    /// Job visibility in Recruiter (C5.4).
    Access(Acl),
    /// An export to file in Recruitee (C5.5).
    Export(ExportTask),
    /// Contact data shared in reply to an InMail (C5.6).
    Stub(renkei_vendors::linkedin::MailStub),
}

/// The kind of pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "pass")]
pub enum Pass {
    /// The first pass after activation: everything.
    Historical,
    /// Candidates updated since the last pass started (as Recruitee's clock tells; found by
    /// scanning the list: Recruitee documents no `updated_after`), new ones included.
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
    /// Candidates relinked to another LinkedIn profile, sent again (C5.8).
    Relinks,
    /// Jobs.
    Jobs,
    /// Who sees which job (ACLs, C5.4).
    Access,
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
    /// Recruitee offset (newest first) of the next candidate page.
    #[serde(default)]
    pub offset: u64,
    /// The `created_at` of the oldest candidate this pass has looked at: the list is newest
    /// first, so every candidate newer than it was looked at (or arrived after the pass
    /// started, and is the next pass's), every older one is still to come.
    #[serde(default)]
    pub seen_at: Option<DateTime<Utc>>,
    /// The candidates looked at whose `created_at` is `seen_at` (several share a second).
    #[serde(default)]
    pub seen_ids: Vec<u64>,
    /// Candidates handed over in this pass.
    #[serde(default)]
    pub done: u64,
    /// The newest time Recruitee showed on the pass's first read, in Recruitee's clock:
    /// whatever changes after the pass started is at least this new, so the next
    /// incremental pass hands over what changed since.
    #[serde(default)]
    pub high_water: Option<DateTime<Utc>>,
    /// Whether this pass sweeps.
    #[serde(default)]
    pub sweep: bool,
    /// Deletion notes handled by the previous page (cleared once it committed).
    #[serde(default)]
    pub clear: Vec<u64>,
    /// LinkedIn → Recruitee work the previous page handed over (settled once it committed).
    #[serde(default)]
    pub inbound: Inbound,
    /// Mail stubs were read in this pass.
    #[serde(default)]
    pub inmail_read: bool,
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
    /// The run's time scale (`BuildEnv::time_scale`): LinkedIn's job tasks are asked after
    /// a second divided by it.
    time_scale: f64,
    context: String,
    recruitee: RecruiteeClient,
    linkedin: LinkedinClient,
    budget: DayBudget<'a>,
    /// Offers LinkedIn holds (read once per run).
    jobs: Option<mapping::Jobs>,
    /// Relinks (read once per run).
    relinks: Option<HashMap<u64, super::accounts::Relink>>,
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
            time_scale: env.time_scale,
            recruitee,
            linkedin,
            jobs: None,
            relinks: None,
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

    /// The postings LinkedIn should hold, by offer: open offers, and closed ones it was
    /// sent before (sent again as closed).
    async fn postings(&self) -> Result<Vec<(u64, JobPosting)>, SyncError> {
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
            .filter_map(|o| match mapping::job(o, &self.context) {
                Some(j) => Some((o.id, j)),
                None if sent.contains(&job_key(o.id)) => {
                    Some((o.id, mapping::closed_job(o, &self.context)))
                }
                None => None,
            })
            .collect())
    }

    /// The offers LinkedIn holds (read once per run).
    async fn jobs(&mut self) -> Result<mapping::Jobs, SyncError> {
        if self.jobs.is_none() {
            let held = self
                .postings()
                .await?
                .into_iter()
                .filter(|(_, j)| j.state == JobState::Listed)
                .map(|(id, j)| (id, j.title));
            self.jobs = Some(held.collect());
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
            seen_at: None,
            seen_ids: Vec::new(),
            done: 0,
            high_water: None,
            sweep: sweep_due,
            clear: Vec::new(),
            inbound: Inbound::default(),
            inmail_read: false,
        }))
    }

    async fn jobs_page(&mut self) -> Result<Vec<Pulled<Record>>, SyncError> {
        let postings = self.postings().await?;
        Ok(postings
            .into_iter()
            .map(|(id, posting)| Pulled::Ready {
                key: job_key(id),
                payload: Record::Job(posting),
            })
            .collect())
    }

    /// Records where the next pass starts.
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
}

/// An entity as the batch body carries it.
fn json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
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
        self.settle(&mut pos).await?;
        if pos.step != Step::Finish
            && let Some(records) = self.inbound(&mut pos).await?
        {
            return Ok(Page {
                records,
                next_cursor: Some(pos),
                has_more: true,
            });
        }
        let records = match pos.step {
            Step::Deletions => self.deletions(&mut pos).await?,
            Step::Relinks => self.relinks_page(&mut pos).await?,
            Step::Jobs => {
                let r = self.jobs_page().await?;
                pos.step = Step::Access;
                r
            }
            Step::Access => {
                let r = self.access_page().await?;
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
        let (mut jobs, mut bundles, mut gone, mut acls) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (i, ch) in changes.iter().enumerate() {
            match &ch.payload {
                Record::Job(j) => jobs.push((i, j.clone())),
                Record::Candidate(b) => bundles.push((i, b.clone())),
                Record::Gone { candidate } => gone.push((i, *candidate)),
                Record::Access(a) => acls.push((i, a.clone())),
                Record::Export(x) => out[i] = Some(self.write_export(x).await?),
                Record::Stub(s) => out[i] = Some(self.write_stub(s).await?),
            }
        }
        if !acls.is_empty() {
            self.write_access(acls, &mut out).await?;
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
