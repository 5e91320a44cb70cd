//! Filing what LinkedIn hands over in Recruitee (C5.5, C5.6): an export's member or an
//! InMail stub's sender becomes a Recruitee candidate — the one with exactly their email,
//! else the one with their profile link, given what they shared that it lacks; or a new one.
//! An export also puts the candidate on its job and keeps its result for the exporter.
//!
//! Apart from the pull (inbound.rs: which exports, stubs and relinks wait, and whether an
//! export may be filed) because it changes with how a candidate is matched and written in
//! Recruitee, not with what LinkedIn notifies.

use super::super::accounts::{ExportResult, count_export, export_sk};
use super::*;
use renkei_vendors::linkedin::{MailStub, SharedProfile};
use renkei_vendors::recruitee::{Candidate, NewCandidate};

/// A member's name as a candidate's (empty when they shared none).
pub(super) fn name_of(p: &SharedProfile) -> String {
    format!(
        "{} {}",
        p.first_name.as_deref().unwrap_or_default(),
        p.last_name.as_deref().unwrap_or_default()
    )
    .trim()
    .to_string()
}

fn push_new(list: &mut Vec<String>, v: Option<&String>) -> bool {
    match v.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        Some(s) if !list.iter().any(|x| x.eq_ignore_ascii_case(s)) => {
            list.push(s.to_string());
            true
        }
        _ => false,
    }
}

impl RecruiteeLinkedin<'_> {
    /// The Recruitee candidate a LinkedIn member is: the one with exactly their email first,
    /// then the one with their profile link (Recruitee's search is fuzzy: a near miss is
    /// somebody else, never the member).
    async fn find(&self, p: &SharedProfile) -> Result<Option<Candidate>, SyncError> {
        if let Some(email) = p.email_address.as_deref()
            && let Some(c) = self.recruitee.find_by_email(email).await?
        {
            return Ok(Some(c));
        }
        match p.profile_url.as_deref() {
            Some(url) => Ok(self.recruitee.find_by_profile_url(url).await?),
            None => Ok(None),
        }
    }

    fn new_candidate(p: &SharedProfile, source: &str) -> NewCandidate {
        let mut c = NewCandidate {
            name: name_of(p),
            source: source.into(),
            ..NewCandidate::default()
        };
        push_new(&mut c.emails, p.email_address.as_ref());
        push_new(&mut c.phones, p.phone_number.as_ref());
        push_new(&mut c.social_links, p.profile_url.as_ref());
        c
    }

    /// Adds what the member shared to an existing candidate; true when something changed.
    async fn enrich(&self, existing: &Candidate, p: &SharedProfile) -> Result<bool, SyncError> {
        let mut c = NewCandidate {
            emails: existing.emails.clone(),
            phones: existing.phones.clone(),
            social_links: existing.social_links.clone(),
            ..NewCandidate::default()
        };
        let changed = push_new(&mut c.emails, p.email_address.as_ref())
            | push_new(&mut c.phones, p.phone_number.as_ref())
            | push_new(&mut c.social_links, p.profile_url.as_ref());
        if changed {
            self.recruitee.update_candidate(existing.id, &c).await?;
        }
        Ok(changed)
    }

    /// Files an export: the existing candidate gets the job, or a new one is created on it.
    pub(super) async fn write_export(
        &mut self,
        task: &ExportTask,
    ) -> Result<WriteResult, SyncError> {
        let now = self.clock.now();
        let (status, id, result) = match self.find(&task.profile).await? {
            Some(existing) => {
                self.enrich(&existing, &task.profile).await?;
                self.recruitee.assign(existing.id, task.job).await?;
                ("added", existing.id, WriteResult::Updated)
            }
            None => {
                let c = Self::new_candidate(&task.profile, "LinkedIn Recruiter");
                let created = self.recruitee.create_candidate(&c, &[task.job]).await?;
                ("created", created.id, WriteResult::Created)
            }
        };
        // LinkedIn counts every export a seat makes against its 300 a month: counted once,
        // when its result is kept (filed here, refused where it is refused).
        count_export(self.store, &self.t, &self.c, &task.seat, now).await?;
        let log = ExportResult {
            request_id: task.request_id.clone(),
            seat: Some(task.seat.clone()),
            job: Some(task.job),
            status: status.into(),
            candidate: Some(id),
            reason: None,
            at: now,
        };
        self.repo()
            .own_put(
                &self.t,
                &self.c,
                &export_sk(&task.request_id),
                &log,
                Condition::Always,
                None,
            )
            .await?;
        Ok(result)
    }

    /// Files a mail stub: the existing candidate is updated, or a new one created.
    pub(super) async fn write_stub(&mut self, stub: &MailStub) -> Result<WriteResult, SyncError> {
        match self.find(&stub.profile).await? {
            Some(existing) => Ok(if self.enrich(&existing, &stub.profile).await? {
                WriteResult::Updated
            } else {
                WriteResult::Unchanged
            }),
            None => {
                if name_of(&stub.profile).is_empty() {
                    return Ok(WriteResult::Rejected(format!(
                        "mail stub {}: no name shared, so no candidate can be created",
                        stub.id
                    )));
                }
                let c = Self::new_candidate(&stub.profile, "LinkedIn InMail");
                self.recruitee.create_candidate(&c, &[]).await?;
                Ok(WriteResult::Created)
            }
        }
    }
}
