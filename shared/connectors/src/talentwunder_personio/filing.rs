//! C4.3/C4.4: filing one queued profile in Personio — the job still published, the CV
//! first, then the application — and reconciling a create whose answer was lost: read back
//! where the credentials can ([`super::reconcile`]; not found means "not yet", and only a
//! later run sends again), else by Personio's duplicate rule (docs/contracts/personio.md,
//! "Never filing a profile twice").

use super::reconcile::ReadBack;
use super::upload::{self, Queued, State};
use super::{Settings, links, mapping};
use chrono::{DateTime, Utc};
use renkei_core::engine::{SyncError, WriteResult};
use renkei_core::ports::{Condition, StateStore};
use renkei_core::repo::Repo;
use renkei_core::{ConnectionId, TenantId};
use renkei_vendors::personio::{
    self, Application, Job, MAX_DOCUMENT_BYTES, PersonioClient, PersonioError,
};
use renkei_vendors::talentwunder::{DocumentError, fetch_document};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// renkei's mark that it sent (or filed) an email's application for a job
/// (`X#F#<job>#<email hash>`): what tells a later run that a create may have landed, and
/// what makes a retry safe where Personio cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Mark {
    upload_id: String,
    n: usize,
    /// The create was sent, its answer not yet seen.
    sending: bool,
    /// *sending*: when renkei first sent it (a read-back looks from shortly before);
    /// filed: when it was filed.
    at: DateTime<Utc>,
}

fn mark_sk(job: u64, email_key: &str) -> String {
    let h = Sha256::digest(email_key.as_bytes());
    format!("F#{job}#{}", &hex::encode(h)[..24])
}

/// The running connector.
pub struct TalentwunderPersonio<'a> {
    pub(super) store: &'a dyn StateStore,
    pub(super) t: TenantId,
    pub(super) c: ConnectionId,
    pub(super) settings: Settings,
    pub(super) personio: PersonioClient,
    pub(super) now: DateTime<Utc>,
    /// Where the deployment lets CV downloads go.
    pub(super) outbound: &'a renkei_core::outbound::OutboundPolicy,
    /// The open jobs (read once per run, from the cache when it is fresh).
    pub(super) jobs: Option<Vec<Job>>,
    /// Where this run's pass over the open uploads stands (never handing an item twice).
    pub(super) scan: super::QueueScan,
}

/// Creates of one profile within one write: sent again once changed after a refusal
/// (undated, a fresh CV upload), and without a read-back after a lost answer.
const CREATE_ATTEMPTS: usize = 4;

impl TalentwunderPersonio<'_> {
    async fn jobs(&mut self) -> Result<&[Job], SyncError> {
        if self.jobs.is_none() {
            let jobs = links::jobs(
                self.store,
                &self.t,
                &self.c,
                &self.settings,
                self.now,
                false,
            )
            .await
            .map_err(|e| match e {
                links::LinkError::Feed(f) => SyncError::from(f),
                other => SyncError::Retryable(other.to_string()),
            })?;
            self.jobs = Some(jobs);
        }
        Ok(self.jobs.as_deref().unwrap_or_default())
    }

    async fn finish(&self, mut q: Queued, state: State) -> Result<WriteResult, SyncError> {
        let result = match &state {
            State::Filed { .. } => WriteResult::Created,
            State::AlreadyApplied { .. } => WriteResult::Unchanged,
            State::Failed { reason, .. } | State::Invalid { reason } => {
                WriteResult::Rejected(reason.clone())
            }
            State::Queued => WriteResult::Unchanged,
        };
        let repo = Repo::new(self.store);
        let sk = mark_sk(q.job_position_id, &q.profile.email_key());
        match &state {
            State::Filed { at, .. } => {
                let mark = Mark {
                    upload_id: q.upload_id.clone(),
                    n: q.n,
                    sending: false,
                    at: *at,
                };
                repo.own_put(&self.t, &self.c, &sk, &mark, Condition::Always, None)
                    .await?;
            }
            State::AlreadyApplied { .. } | State::Failed { .. } => {
                // Our own mark only: another upload's filed mark stays.
                if let Some((m, _)) = repo.own_get::<Mark>(&self.t, &self.c, &sk).await?
                    && m.upload_id == q.upload_id
                    && m.n == q.n
                {
                    repo.own_delete(&self.t, &self.c, &sk).await?;
                }
            }
            State::Queued | State::Invalid { .. } => {}
        }
        q.state = state;
        upload::save(self.store, &self.t, &self.c, &q).await?;
        Ok(result)
    }

    /// Filed by an earlier attempt whose answer was lost.
    fn reconciled(&self) -> State {
        State::Filed {
            at: self.now,
            reconciled: true,
        }
    }

    fn failed(&self, reason: impl Into<String>) -> State {
        State::Failed {
            at: self.now,
            reason: reason.into(),
        }
    }

    /// The CV's document uuid, uploading it first when needed; `Err(reason)` inside: the
    /// profile fails with it.
    async fn cv(
        &mut self,
        q: &mut Queued,
    ) -> Result<Result<Option<(String, String)>, String>, SyncError> {
        let Some(cv) = q.profile.cv.clone() else {
            return Ok(Ok(None));
        };
        if let Some(uuid) = &q.cv_uuid {
            return Ok(Ok(Some((uuid.clone(), cv.file_name))));
        }
        let bytes = match (&cv.url, &cv.content_base64) {
            (Some(url), _) => match fetch_document(url, MAX_DOCUMENT_BYTES, self.outbound).await {
                Ok(b) => b,
                Err(DocumentError::Vendor(v)) => return Err(v.into()),
                Err(e) => return Ok(Err(format!("CV {:?}: {e}", cv.file_name))),
            },
            (None, Some(b64)) => match upload::decode_cv(b64) {
                Ok(b) => b,
                Err(e) => return Ok(Err(format!("CV {:?}: {e}", cv.file_name))),
            },
            (None, None) => return Ok(Err(format!("CV {:?} has no content", cv.file_name))),
        };
        if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
            return Ok(Err(format!(
                "CV {:?} is larger than 20 MB; Personio does not take it",
                cv.file_name
            )));
        }
        match self.personio.upload_document(&cv.file_name, &bytes).await {
            Ok(doc) => {
                q.cv_uuid = Some(doc.uuid.clone());
                // Kept, so that a retry attaches this upload instead of sending the CV again.
                upload::save(self.store, &self.t, &self.c, q).await?;
                Ok(Ok(Some((doc.uuid, cv.file_name))))
            }
            Err(e @ PersonioError::Refused { .. }) => {
                Ok(Err(format!("CV {:?}: {e}", cv.file_name)))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Files one queued profile (C4.3, C4.4): checked, reconciled with what an earlier run
    /// may have sent, then sent.
    pub(super) async fn file(
        &mut self,
        q: Queued,
        dry_run: bool,
    ) -> Result<WriteResult, SyncError> {
        if let Some(reason) = self.unfileable(&q).await? {
            if dry_run {
                return Ok(WriteResult::Rejected(reason));
            }
            let state = self.failed(reason);
            return self.finish(q, state).await;
        }
        if dry_run {
            return Ok(WriteResult::Created);
        }
        let first_sent = match self.before(&q).await? {
            Before::Settled(state) => return self.finish(q, state).await,
            Before::Fresh => None,
            Before::Sent(at) => {
                // Our earlier create may have landed: ask Personio before sending it again.
                if self.read_back(&q, at).await? == ReadBack::Filed {
                    return self.finish(q, self.reconciled()).await;
                }
                Some(at)
            }
        };
        self.send(q, first_sent).await
    }

    /// Why the profile cannot be filed at all: invalid, or its job left the feed.
    async fn unfileable(&mut self, q: &Queued) -> Result<Option<String>, SyncError> {
        if let State::Invalid { reason } = &q.state {
            return Ok(Some(reason.clone()));
        }
        let job = q.job_position_id;
        if self.jobs().await?.iter().any(|j| j.id == job) {
            return Ok(None);
        }
        Ok(Some(format!(
            "job no longer published: Personio job {job} is not on the career site's XML feed any more (relink project {})",
            q.project_id
        )))
    }

    /// What renkei's mark says of the profile's email and job.
    async fn before(&self, q: &Queued) -> Result<Before, SyncError> {
        let job = q.job_position_id;
        let sk = mark_sk(job, &q.profile.email_key());
        let Some((mark, _)) = Repo::new(self.store)
            .own_get::<Mark>(&self.t, &self.c, &sk)
            .await?
        else {
            return Ok(Before::Fresh);
        };
        let ours = mark.upload_id == q.upload_id && mark.n == q.n;
        Ok(match (mark.sending, ours) {
            (true, _) => Before::Sent(mark.at),
            (false, true) => Before::Settled(State::Filed {
                at: mark.at,
                reconciled: false,
            }),
            (false, false) => Before::Settled(State::AlreadyApplied {
                at: self.now,
                detail: format!(
                    "already applied to this job: renkei filed this email for job {job} in upload {} (not sent again)",
                    mark.upload_id
                ),
            }),
        })
    }

    /// Marks the profile *sending*, keeping when renkei first sent it (`sent_at`): where a
    /// later read-back starts looking.
    async fn mark_sending(&self, q: &Queued, sent_at: DateTime<Utc>) -> Result<(), SyncError> {
        let mark = Mark {
            upload_id: q.upload_id.clone(),
            n: q.n,
            sending: true,
            at: sent_at,
        };
        let sk = mark_sk(q.job_position_id, &q.profile.email_key());
        Repo::new(self.store)
            .own_put(&self.t, &self.c, &sk, &mark, Condition::Always, None)
            .await?;
        Ok(())
    }

    /// The CV, then the create, until Personio answers definitely. A lost answer is read
    /// back (v2) and, when Personio does not list the application, left for a later run:
    /// nothing is sent twice within one write. Without a read-back (v1, or the duplicate
    /// rule chosen) it is sent again and Personio's duplicate rule tells.
    async fn send(
        &mut self,
        mut q: Queued,
        first_sent: Option<DateTime<Utc>>,
    ) -> Result<WriteResult, SyncError> {
        let cv = match self.cv(&mut q).await? {
            Ok(cv) => cv,
            Err(reason) => {
                let state = self.failed(reason);
                return self.finish(q, state).await;
            }
        };
        let sent_at = first_sent.unwrap_or(self.now);
        self.mark_sending(&q, sent_at).await?;
        let mut s = Sending {
            cv,
            sent_before: first_sent.is_some(),
            dated: true,
            uploaded_again: false,
        };
        let mut lost = String::new();
        for _ in 0..CREATE_ATTEMPTS {
            let app = s.application(&q, &self.settings);
            let err = match self.personio.create_application(&app).await {
                Ok(()) => {
                    let state = State::Filed {
                        at: self.now,
                        reconciled: false,
                    };
                    return self.finish(q, state).await;
                }
                Err(PersonioError::MaybeSent(m)) => {
                    s.sent_before = true;
                    match self.read_back(&q, sent_at).await? {
                        ReadBack::Filed => return self.finish(q, self.reconciled()).await,
                        ReadBack::NotFound => return Err(not_listed(&q, &m)),
                        ReadBack::Unavailable => lost = m,
                    }
                    continue;
                }
                Err(e) => e,
            };
            match self.after_refusal(&mut q, &mut s, err).await? {
                AfterRefusal::Again => {}
                AfterRefusal::Settle(state) => return self.finish(q, state).await,
            }
        }
        // Every answer lost: the mark stays `sending`, and the next run reconciles.
        Err(SyncError::Retryable(format!(
            "Personio's answers for {} were lost {CREATE_ATTEMPTS} times ({lost}); the next run reconciles it",
            q.record_key()
        ))
        .because(personio::ANSWER_LOST))
    }

    /// A definite answer that is no success: the duplicate rule, what can be fixed by
    /// sending once more, and everything else.
    async fn after_refusal(
        &mut self,
        q: &mut Queued,
        s: &mut Sending,
        err: PersonioError,
    ) -> Result<AfterRefusal, SyncError> {
        if err.has("errors.applicant-already-exists") {
            // After a send of ours, the application Personio holds is that send's.
            return Ok(AfterRefusal::Settle(if s.sent_before {
                self.reconciled()
            } else {
                State::AlreadyApplied {
                    at: self.now,
                    detail: "already applied to this job (Personio holds an application of this email for it)".into(),
                }
            }));
        }
        if err.has("errors.date-validation.date-in-the-future") && s.dated {
            // Our clock is ahead of Personio's (the upload's date is its tomorrow): refused,
            // so nothing was filed; Personio dates it itself.
            s.dated = false;
            return Ok(AfterRefusal::Again);
        }
        if err.has("errors.file-validation.file-not-exists") && s.cv.is_some() && !s.uploaded_again
        {
            // The uploaded CV is gone on Personio's side: upload it once more.
            s.uploaded_again = true;
            q.cv_uuid = None;
            return Ok(match self.cv(q).await? {
                Ok(cv) => {
                    s.cv = cv;
                    AfterRefusal::Again
                }
                Err(reason) => AfterRefusal::Settle(self.failed(reason)),
            });
        }
        if !s.sent_before {
            let sk = mark_sk(q.job_position_id, &q.profile.email_key());
            Repo::new(self.store)
                .own_delete(&self.t, &self.c, &sk)
                .await?;
        }
        self.refused(q.job_position_id, err)
    }

    /// A refusal nothing in this write can fix: the profile fails, or (a connection problem,
    /// a vendor error) the run does and the profile stays queued.
    fn refused(&self, job: u64, err: PersonioError) -> Result<AfterRefusal, SyncError> {
        if err.has("errors.posting-validation.channel-not-found") {
            return Err(SyncError::Permanent(format!(
                "the channel ID {} is unknown to Personio (errors.posting-validation.channel-not-found); the profiles stay queued and are filed once the channel ID is fixed",
                self.settings
                    .channel_id
                    .map_or("-".into(), |c| c.to_string())
            )));
        }
        if err.has("errors.job-position.not-published")
            || err.has("errors.posting-validation.posting-not-found")
        {
            return Ok(AfterRefusal::Settle(self.failed(format!(
                "job no longer published: Personio refused job {job} ({err})"
            ))));
        }
        match err {
            PersonioError::Refused { .. } => Ok(AfterRefusal::Settle(self.failed(err.to_string()))),
            other => Err(other.into()),
        }
    }
}

/// What renkei's mark says before a send.
enum Before {
    /// Settled by an earlier upload or run: finish with this.
    Settled(State),
    /// Never sent.
    Fresh,
    /// Sent (first at this time), its answer not seen.
    Sent(DateTime<Utc>),
}

/// Where one write's sends of a profile stand.
struct Sending {
    /// The CV's document uuid and file name.
    cv: Option<(String, String)>,
    /// A create of ours may have landed (an earlier run's, or a lost answer in this write).
    sent_before: bool,
    /// Sent with the upload's date (not after Personio called it in the future).
    dated: bool,
    /// The CV was uploaded again after Personio lost it.
    uploaded_again: bool,
}

impl Sending {
    /// The application as this attempt sends it.
    fn application(&self, q: &Queued, settings: &Settings) -> Application {
        let cv = self.cv.as_ref().map(|(u, n)| (u.as_str(), n.as_str()));
        let mut app = mapping::application(q, settings, cv);
        if !self.dated {
            app.application_date = None;
        }
        app
    }
}

/// What a definite refusal leads to.
enum AfterRefusal {
    /// Send once more, changed (undated, or with the CV uploaded again).
    Again,
    /// The profile ends so.
    Settle(State),
}

/// A lost answer whose application Personio does not list (yet): not sent again now, since
/// Personio may list it a little later; the mark stays *sending*, and a later run reads back
/// before it sends again.
fn not_listed(q: &Queued, lost: &str) -> SyncError {
    SyncError::Retryable(format!(
        "Personio's answer for {} was lost ({lost}) and Personio does not list the application yet; it is not sent again now: a later run reads back first",
        q.record_key()
    ))
    .because(personio::NOT_LISTED)
}
