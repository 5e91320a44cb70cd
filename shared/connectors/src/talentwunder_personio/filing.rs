//! C4.3/C4.4: filing one queued profile in Personio — the job still published, the CV
//! first, then the application — and reconciling a create whose answer was lost
//! (docs/contracts/personio.md, "Never filing a profile twice").

use super::upload::{self, Queued, State};
use super::{Settings, links, mapping};
use chrono::{DateTime, Utc};
use renkei_core::engine::{SyncError, WriteResult};
use renkei_core::ports::{Condition, StateStore};
use renkei_core::repo::Repo;
use renkei_core::{ConnectionId, TenantId};
use renkei_vendors::personio::{Job, MAX_DOCUMENT_BYTES, PersonioClient, PersonioError};
use renkei_vendors::talentwunder::{DocumentError, fetch_document};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// renkei's mark that it sent (or filed) an email's application for a job
/// (`X#F#<job>#<email hash>`): what makes a retry safe without a read-back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Mark {
    upload_id: String,
    n: usize,
    /// The create was sent, its answer not yet seen.
    sending: bool,
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

/// Attempts at a create whose answers were lost, within one write.
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

    /// Files one queued profile (C4.3, C4.4).
    pub(super) async fn file(
        &mut self,
        mut q: Queued,
        dry_run: bool,
    ) -> Result<WriteResult, SyncError> {
        if let State::Invalid { reason } = &q.state {
            let reason = reason.clone();
            if dry_run {
                return Ok(WriteResult::Rejected(reason));
            }
            let state = self.failed(reason);
            return self.finish(q, state).await;
        }
        let job = q.job_position_id;
        if !self.jobs().await?.iter().any(|j| j.id == job) {
            let reason = format!(
                "job no longer published: Personio job {job} is not on the career site's XML feed any more (relink project {})",
                q.project_id
            );
            if dry_run {
                return Ok(WriteResult::Rejected(reason));
            }
            let state = self.failed(reason);
            return self.finish(q, state).await;
        }
        if dry_run {
            return Ok(WriteResult::Created);
        }
        let repo = Repo::new(self.store);
        let sk = mark_sk(job, &q.profile.email_key());
        let mut sent_before = false;
        if let Some((mark, _)) = repo.own_get::<Mark>(&self.t, &self.c, &sk).await? {
            let ours = mark.upload_id == q.upload_id && mark.n == q.n;
            match (mark.sending, ours) {
                (false, true) => {
                    let state = State::Filed {
                        at: mark.at,
                        reconciled: false,
                    };
                    return self.finish(q, state).await;
                }
                (false, false) => {
                    let state = State::AlreadyApplied {
                        at: self.now,
                        detail: format!(
                            "already applied to this job: renkei filed this email for job {job} in upload {} (not sent again)",
                            mark.upload_id
                        ),
                    };
                    return self.finish(q, state).await;
                }
                (true, _) => sent_before = true,
            }
        }
        let cv = match self.cv(&mut q).await? {
            Ok(cv) => cv,
            Err(reason) => {
                let state = self.failed(reason);
                return self.finish(q, state).await;
            }
        };
        let mark = Mark {
            upload_id: q.upload_id.clone(),
            n: q.n,
            sending: true,
            at: self.now,
        };
        repo.own_put(&self.t, &self.c, &sk, &mark, Condition::Always, None)
            .await?;
        let mut cv = cv;
        let mut uploaded_again = false;
        let mut dated = true;
        let mut lost = String::new();
        for _ in 0..CREATE_ATTEMPTS {
            let mut app = mapping::application(
                &q,
                &self.settings,
                cv.as_ref().map(|(u, n)| (u.as_str(), n.as_str())),
            );
            if !dated {
                app.application_date = None;
            }
            let err = match self.personio.create_application(&app).await {
                Ok(()) => {
                    let state = State::Filed {
                        at: self.now,
                        reconciled: false,
                    };
                    return self.finish(q, state).await;
                }
                Err(PersonioError::MaybeSent(m)) => {
                    sent_before = true;
                    lost = m;
                    continue;
                }
                Err(e) => e,
            };
            if err.has("errors.applicant-already-exists") {
                let state = if sent_before {
                    State::Filed {
                        at: self.now,
                        reconciled: true,
                    }
                } else {
                    State::AlreadyApplied {
                        at: self.now,
                        detail: "already applied to this job (Personio holds an application of this email for it)".into(),
                    }
                };
                return self.finish(q, state).await;
            }
            if err.has("errors.date-validation.date-in-the-future") && dated {
                // Our clock is ahead of Personio's (the upload's date is its tomorrow):
                // refused, so nothing was filed; Personio dates it itself.
                dated = false;
                continue;
            }
            if err.has("errors.file-validation.file-not-exists") && cv.is_some() && !uploaded_again
            {
                // The uploaded CV is gone on Personio's side: upload it once more.
                uploaded_again = true;
                q.cv_uuid = None;
                cv = match self.cv(&mut q).await? {
                    Ok(cv) => cv,
                    Err(reason) => {
                        let state = self.failed(reason);
                        return self.finish(q, state).await;
                    }
                };
                continue;
            }
            if !sent_before {
                repo.own_delete(&self.t, &self.c, &sk).await?;
            }
            if err.has("errors.posting-validation.channel-not-found") {
                // A connection problem, not the profile's: it stays queued for after the fix.
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
                let state = self.failed(format!(
                    "job no longer published: Personio refused job {job} ({err})"
                ));
                return self.finish(q, state).await;
            }
            return match err {
                PersonioError::Refused { .. } => {
                    let state = self.failed(err.to_string());
                    self.finish(q, state).await
                }
                other => Err(other.into()),
            };
        }
        // Every answer lost: the mark stays `sending`, and the next run reconciles.
        Err(SyncError::Retryable(format!(
            "Personio's answers for {} were lost {CREATE_ATTEMPTS} times ({lost}); the next run reconciles it",
            q.record_key()
        )))
    }
}
