//! The write side of a pass: jobs, candidate bundles and deletions sent to LinkedIn in
//! batches, each call first taking its request from the day's budget, every entity's status
//! turned into that record's result.

use super::*;

/// Where a batch goes: a top-level resource, or one parent's sub-resource.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target<'a> {
    /// `atsCandidates`, `atsApplications`, the ACL resources.
    Top(Resource),
    /// `{parent}/{key of the parent id}/{sub}`.
    Sub(SubResource, &'a str),
}

impl Target<'_> {
    fn name(self) -> String {
        match self {
            Target::Top(r) => r.name().to_string(),
            Target::Sub(s, parent) => format!("{} of {} {parent}", s.name(), s.parent().name()),
        }
    }
}

/// LinkedIn as its client names itself: the source of the causes this side raises.
const LINKEDIN: &str = "LinkedIn";

/// Entities LinkedIn did not take even when sent again: one cause whichever they were.
const NOT_TAKEN: Cause = Cause::vendor(LINKEDIN, "batch", Class::Unavailable);

impl RecruiteeLinkedin<'_> {
    /// Takes one request of the day's budget; when it is spent, says so in the progress
    /// before the run stops to continue the next UTC day.
    pub(super) async fn spend(&mut self) -> Result<(), SyncError> {
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
    pub(super) async fn update(
        &mut self,
        target: Target<'_>,
        entities: &[(String, Value)],
    ) -> Result<Vec<EntityStatus>, SyncError> {
        self.spend().await?;
        let mut statuses = self.send(target, entities).await?;
        let again: Vec<usize> = (0..statuses.len())
            .filter(|i| matches!(statuses[*i], EntityStatus::Failed(_)))
            .collect();
        if !again.is_empty() {
            let retry: Vec<(String, Value)> = again.iter().map(|i| entities[*i].clone()).collect();
            self.spend().await?;
            let second = self.send(target, &retry).await?;
            for (i, s) in again.into_iter().zip(second) {
                if let EntityStatus::Failed(m) = &s {
                    return Err(SyncError::Retryable(format!(
                        "LinkedIn did not take {} {}: {m}",
                        target.name(),
                        entities[i].0
                    ))
                    .because(NOT_TAKEN));
                }
                statuses[i] = s;
            }
        }
        Ok(statuses)
    }

    async fn send(
        &self,
        target: Target<'_>,
        entities: &[(String, Value)],
    ) -> Result<Vec<EntityStatus>, SyncError> {
        Ok(match target {
            Target::Top(r) => {
                self.linkedin
                    .batch_update(r, &self.context, entities)
                    .await?
            }
            Target::Sub(sub, parent) => {
                self.linkedin
                    .sub_update(sub, parent, &self.context, entities)
                    .await?
            }
        })
    }

    pub(super) async fn write_jobs(
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
                    if j.job_posting_operation_type.is_none() {
                        let sent = known.contains_key(&format!("J:{}", j.external_job_posting_id));
                        j.job_posting_operation_type = Some(if sent {
                            JobOperation::Update
                        } else {
                            JobOperation::Create
                        });
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
                    Err(e) => return Err(SyncError::Retryable(format!("{e:?}")).because(NOT_TAKEN)),
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
                            1.0 / self.time_scale.max(1.0),
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
                ))
                .because(Cause::vendor(LINKEDIN, "job_task", Class::Pending)));
            }
        }
        Ok(())
    }

    /// Sends candidate bundles: the candidates, then each one's notes, then their
    /// applications, then each application's stages and feedback (a sub-resource batch is
    /// one call per parent). What LinkedIn refuses rejects its candidate with the reason,
    /// and nothing that hangs off a refused entity is sent.
    pub(super) async fn write_candidates(
        &mut self,
        bundles: Vec<(usize, Bundle)>,
        out: &mut [Option<WriteResult>],
    ) -> Result<(), SyncError> {
        let keys: Vec<String> = bundles.iter().map(|(_, b)| format!("C:{}", b.id)).collect();
        let known = self.repo().hashes(&self.t, &self.c, &keys).await?;
        let mut refused: HashMap<usize, String> = HashMap::new();
        // 1. Candidates.
        let candidates: Vec<(usize, String, Value)> = bundles
            .iter()
            .map(|(i, b)| (*i, b.id.clone(), json(&b.candidate)))
            .collect();
        self.send_top(Resource::Candidates, candidates, &mut refused)
            .await?;
        // 2. Each candidate's notes.
        for (i, b) in &bundles {
            if !refused.contains_key(i) && !b.notes.is_empty() {
                let notes = b.notes.iter().map(|(id, n)| (id.clone(), json(n)));
                self.send_sub(
                    (*i, SubResource::CandidateNotes, &b.id),
                    notes.collect(),
                    &mut refused,
                )
                .await?;
            }
        }
        // 3. Applications.
        let applications: Vec<(usize, String, Value)> = bundles
            .iter()
            .filter(|(i, _)| !refused.contains_key(i))
            .flat_map(|(i, b)| {
                b.applications
                    .iter()
                    .map(move |a| (*i, a.id.clone(), json(&a.body)))
            })
            .collect();
        self.send_top(Resource::Applications, applications, &mut refused)
            .await?;
        // 4. Each application's stages and feedback.
        for (i, b) in &bundles {
            for a in &b.applications {
                for (sub, items) in [
                    (
                        SubResource::ApplicationStages,
                        a.stages
                            .iter()
                            .map(|(id, s)| (id.clone(), json(s)))
                            .collect(),
                    ),
                    (
                        SubResource::InterviewFeedback,
                        a.feedback
                            .iter()
                            .map(|(id, f)| (id.clone(), json(f)))
                            .collect(),
                    ),
                ] {
                    let items: Vec<(String, Value)> = items;
                    if !refused.contains_key(i) && !items.is_empty() {
                        self.send_sub((*i, sub, &a.id), items, &mut refused).await?;
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

    /// Top-level entities of many owners, in batches; a refusal rejects its owner.
    async fn send_top(
        &mut self,
        resource: Resource,
        entities: Vec<(usize, String, Value)>,
        refused: &mut HashMap<usize, String>,
    ) -> Result<(), SyncError> {
        for chunk in entities.chunks(MAX_BATCH) {
            let batch: Vec<(String, Value)> = chunk
                .iter()
                .map(|(_, id, v)| (id.clone(), v.clone()))
                .collect();
            let statuses = self.update(Target::Top(resource), &batch).await?;
            for ((owner, id, _), s) in chunk.iter().zip(statuses) {
                if let EntityStatus::Refused { status, message } = s {
                    refused.entry(*owner).or_insert_with(|| {
                        format!(
                            "LinkedIn refused {} {id} (HTTP {status}): {message}",
                            resource.name()
                        )
                    });
                }
            }
        }
        Ok(())
    }

    /// One parent's sub-resource entries, in batches; a refusal rejects the owner.
    async fn send_sub(
        &mut self,
        (owner, sub, parent): (usize, SubResource, &str),
        entities: Vec<(String, Value)>,
        refused: &mut HashMap<usize, String>,
    ) -> Result<(), SyncError> {
        for chunk in entities.chunks(MAX_BATCH) {
            let statuses = self.update(Target::Sub(sub, parent), chunk).await?;
            for ((id, _), s) in chunk.iter().zip(statuses) {
                if let EntityStatus::Refused { status, message } = s {
                    refused.entry(owner).or_insert_with(|| {
                        format!(
                            "LinkedIn refused {} {id} of {} {parent} (HTTP {status}): {message}",
                            sub.name(),
                            sub.parent().name()
                        )
                    });
                }
            }
        }
        Ok(())
    }

    /// One batch delete with the day budget taken first.
    pub(super) async fn remove(
        &mut self,
        resource: Resource,
        ids: &[&str],
    ) -> Result<Vec<EntityStatus>, SyncError> {
        self.spend().await?;
        Ok(self
            .linkedin
            .batch_delete(resource, &self.context, ids)
            .await?)
    }

    pub(super) async fn write_gone(
        &mut self,
        gone: Vec<(usize, u64)>,
        out: &mut [Option<WriteResult>],
    ) -> Result<(), SyncError> {
        for chunk in gone.chunks(MAX_BATCH) {
            let ids: Vec<String> = chunk.iter().map(|(_, id)| id.to_string()).collect();
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let statuses = self.remove(Resource::Candidates, &refs).await?;
            for ((i, id), s) in chunk.iter().zip(statuses) {
                out[*i] = Some(match s {
                    EntityStatus::Done => WriteResult::Updated,
                    EntityStatus::Refused { status, message } => WriteResult::Rejected(format!(
                        "LinkedIn refused to delete candidate {id} (HTTP {status}): {message}"
                    )),
                    EntityStatus::Failed(m) => {
                        return Err(
                            SyncError::Retryable(format!("deleting candidate {id}: {m}"))
                                .because(NOT_TAKEN),
                        );
                    }
                });
            }
        }
        Ok(())
    }
}
