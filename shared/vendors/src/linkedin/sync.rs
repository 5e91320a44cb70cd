//! The sync calls of RSC (C5.2, C5.7): rest.li batch writes of at most [`MAX_BATCH`]
//! entities of a resource or of one parent's sub-resource, each taking its records from the
//! application's records window first, every entity's status read from the answer; and the
//! jobs, which LinkedIn takes as asynchronous tasks.
//!
//! Apart from the client (mod.rs: tokens, the authenticated call, paths) because it changes
//! with LinkedIn's batch protocol and the resources synced, not with how the client signs in.

use super::*;
use crate::http::Ambiguity;

/// Each of `ids`' status in a rest.li batch answer `body` on `resource`, as `batch_update`
/// and `batch_delete` read it. Public so that the fuzz target (fuzz/) decodes answers as
/// the client does.
pub fn batch_statuses(
    resource: Resource,
    ids: &[&str],
    context: &str,
    body: &str,
    deleting: bool,
) -> Result<Vec<EntityStatus>, VendorError> {
    let keys: Vec<_> = ids
        .iter()
        .map(|id| resource.key(id, context).decoded())
        .collect();
    let b: BatchReply = parse(body, "batch")?;
    Ok(b.statuses(&keys, deleting))
}

/// The same for a sub-resource's batch, whose entries are keyed by their plain ids.
pub fn sub_batch_statuses(
    ids: &[&str],
    body: &str,
    deleting: bool,
) -> Result<Vec<EntityStatus>, VendorError> {
    let keys: Vec<_> = ids.iter().map(|id| decode_key(&sub_id(id))).collect();
    let b: BatchReply = parse(body, "batch")?;
    Ok(b.statuses(&keys, deleting))
}

/// A sub-resource entry's id as a key is written (its reserved characters encoded).
fn sub_id(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// `ids` of a sub-resource batch or a task poll as rest.li protocol 1.0.0 (the version
/// renkei sends) writes a list: the parameter repeated (Postman "Sync Application
/// Stages": `?ids=STAGE001&ids=STAGE002`). Protocol 2.0.0 would write `ids=List(a,b)`.
fn ids_query(ids: &[&str]) -> Vec<(String, String)> {
    ids.iter()
        .map(|id| ("ids".to_string(), (*id).to_string()))
        .collect()
}

impl LinkedinClient {
    /// Waits for room for `records` records in the application's records window.
    async fn take_records(&self, records: usize) -> Result<(), VendorError> {
        match self.records {
            Some(limit) => {
                self.base
                    .take_units("records", limit, records.max(1) as u32)
                    .await
            }
            None => Ok(()),
        }
    }

    /// One rest.li batch write of `records` entities (`x-restli-method: {restli}`), its
    /// records taken in the application's window first.
    async fn batch_write(
        &self,
        (method, restli): (Method, &str),
        resource: &str,
        records: usize,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Reply, VendorError> {
        let path = self.url(resource);
        self.take_records(records).await?;
        self.call(Call::write(Ambiguity::Retry), || {
            let mut rb = self
                .base
                .request(method.clone(), &path)
                .header("x-restli-method", restli);
            if !query.is_empty() {
                rb = rb.query(query);
            }
            match body {
                Some(b) => rb.json(b),
                None => rb,
            }
        })
        .await
    }

    /// Upserts ≤ [`MAX_BATCH`] entities of `resource` (rest.li `batch_update`), answering
    /// each one's status in order.
    pub async fn batch_update<T: Serialize>(
        &self,
        resource: Resource,
        context: &str,
        entities: &[(String, T)],
    ) -> Result<Vec<EntityStatus>, VendorError> {
        assert!(entities.len() <= MAX_BATCH, "at most {MAX_BATCH} per batch");
        let ids: Vec<&str> = entities.iter().map(|(id, _)| id.as_str()).collect();
        let body: serde_json::Map<String, Value> = entities
            .iter()
            .map(|(id, e)| {
                (
                    resource.key(id, context).encode(),
                    serde_json::to_value(e).unwrap_or(Value::Null),
                )
            })
            .collect();
        let body = json!({ "entities": body });
        let query = resource.query(&ids, context);
        let reply = self
            .batch_write(
                (Method::PUT, "batch_update"),
                resource.name(),
                entities.len(),
                &query,
                Some(&body),
            )
            .await?;
        batch_statuses(resource, &ids, context, &reply.body, false)
    }

    /// Deletes ≤ [`MAX_BATCH`] entities of `resource` (an application takes its notes,
    /// stages and feedback along; one LinkedIn does not hold counts as deleted).
    pub async fn batch_delete(
        &self,
        resource: Resource,
        context: &str,
        ids: &[&str],
    ) -> Result<Vec<EntityStatus>, VendorError> {
        assert!(ids.len() <= MAX_BATCH, "at most {MAX_BATCH} per batch");
        let query = resource.query(ids, context);
        let reply = self
            .batch_write(
                (Method::DELETE, "batch_delete"),
                resource.name(),
                ids.len(),
                &query,
                None,
            )
            .await?;
        batch_statuses(resource, ids, context, &reply.body, true)
    }

    /// Upserts ≤ [`MAX_BATCH`] entries of a candidate's or an application's `sub` collection
    /// (`PUT {parent}/{key}/{sub}?ids=…`, `batch_update`), each one's status in order.
    pub async fn sub_update<T: Serialize>(
        &self,
        sub: SubResource,
        parent: &str,
        context: &str,
        entities: &[(String, T)],
    ) -> Result<Vec<EntityStatus>, VendorError> {
        assert!(entities.len() <= MAX_BATCH, "at most {MAX_BATCH} per batch");
        let ids: Vec<&str> = entities.iter().map(|(id, _)| id.as_str()).collect();
        let body: serde_json::Map<String, Value> = entities
            .iter()
            .map(|(id, e)| (sub_id(id), serde_json::to_value(e).unwrap_or(Value::Null)))
            .collect();
        let body = json!({ "entities": body });
        let reply = self
            .batch_write(
                (Method::PUT, "batch_update"),
                &sub.path(parent, context),
                entities.len(),
                &ids_query(&ids),
                Some(&body),
            )
            .await?;
        sub_batch_statuses(&ids, &reply.body, false)
    }

    /// Deletes entries of a `sub` collection (one LinkedIn does not hold counts as deleted).
    pub async fn sub_delete(
        &self,
        sub: SubResource,
        parent: &str,
        context: &str,
        ids: &[&str],
    ) -> Result<Vec<EntityStatus>, VendorError> {
        assert!(ids.len() <= MAX_BATCH, "at most {MAX_BATCH} per batch");
        let reply = self
            .batch_write(
                (Method::DELETE, "batch_delete"),
                &sub.path(parent, context),
                ids.len(),
                &ids_query(ids),
                None,
            )
            .await?;
        sub_batch_statuses(ids, &reply.body, true)
    }

    /// Creates, updates or closes ≤ [`MAX_BATCH`] jobs (`batch_create`, asynchronous): the
    /// task id of each, in order. Sending a job again is harmless (LinkedIn keys jobs by
    /// their external id).
    pub async fn post_jobs(
        &self,
        jobs: &[JobPosting],
    ) -> Result<Vec<Result<String, EntityStatus>>, VendorError> {
        assert!(jobs.len() <= MAX_BATCH, "at most {MAX_BATCH} per batch");
        let body = json!({ "elements": jobs });
        let reply = self
            .batch_write(
                (Method::POST, "batch_create"),
                names::JOB_POSTINGS,
                jobs.len(),
                &[],
                Some(&body),
            )
            .await?;
        let v: Value = parse(&reply.body, "job postings")?;
        let elements = v["elements"].as_array().cloned().unwrap_or_default();
        Ok((0..jobs.len())
            .map(|i| match elements.get(i) {
                Some(e) if e["status"].as_u64().is_some_and(|s| s < 300) => {
                    Ok(e["id"].as_str().unwrap_or_default().to_string())
                }
                Some(e) => Err(EntityStatus::Refused {
                    status: e["status"].as_u64().unwrap_or(400) as u16,
                    message: message(e),
                }),
                None => Err(EntityStatus::Failed(
                    "no status for it in LinkedIn's answer".into(),
                )),
            })
            .collect())
    }

    /// The status of job tasks: Done, Refused (FAILED) or Failed (still IN_PROGRESS).
    pub async fn job_tasks(&self, tasks: &[String]) -> Result<Vec<EntityStatus>, VendorError> {
        let path = self.url(names::JOB_POSTING_TASKS);
        let refs: Vec<&str> = tasks.iter().map(String::as_str).collect();
        let q = ids_query(&refs);
        let reply = self
            .call(Call::read(), || {
                self.base.request(Method::GET, &path).query(&q)
            })
            .await?;
        let v: Value = parse(&reply.body, "job tasks")?;
        // Matched by the decoded id: an answer may percent-encode the task URN.
        let results: HashMap<String, &Value> = v["results"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, r)| decode_key(k).remove("").map(|k| (k, r)))
            .collect();
        let none = Value::Null;
        Ok(tasks
            .iter()
            .map(|t| {
                let r = results.get(t.as_str()).copied().unwrap_or(&none);
                // check-job-taskstatus: IN_PROGRESS until SUCCEEDED, FAILED, or PROCESSED —
                // "processed by LinkedIn but also failed payload validation": refused too.
                match r["status"].as_str() {
                    Some("SUCCEEDED") => EntityStatus::Done,
                    Some(s @ ("FAILED" | "PROCESSED")) => EntityStatus::Refused {
                        status: 422,
                        message: format!("{s}: {}", message(r)),
                    },
                    _ => EntityStatus::Failed("still in progress".into()),
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found while writing the fuzz target's oracle (fuzz/fuzz_targets/vendor_json.rs): a
    /// status past u16 wrapped (`as u16`), so 65736 read as 200 and the entity as done.
    #[test]
    fn s28_15_a_batch_status_that_is_no_http_status_is_a_failure_not_done() {
        let key = Resource::Candidates.key("1", "ctx").encode();
        let body = json!({ "results": { key: { "status": 65736 } } }).to_string();
        let got =
            batch_statuses(Resource::Candidates, &["1"], "ctx", &body, false).expect("decodes");
        assert!(matches!(got[..], [EntityStatus::Failed(_)]), "{got:?}");
    }

    /// Issue 27 item 9: LinkedIn may spell a key with its fields in another order or
    /// percent-encoded; the entity's status is still found.
    #[test]
    fn s27_9_batch_answers_are_matched_by_the_decoded_key_not_the_string() {
        let ctx = "urn:li:organization:1";
        let reordered =
            "integrationContext=urn%3Ali%3Aorganization%3A1&dataProvider=ATS&atsCandidateId=7";
        let body = json!({ "results": { reordered: { "status": 204 } },
                           "errors": { "atsCandidateId=8&dataProvider=ATS&integrationContext=urn:li:organization:1":
                                       { "status": 422, "message": "addresses is required" } } })
        .to_string();
        let got =
            batch_statuses(Resource::Candidates, &["7", "8"], ctx, &body, false).expect("decodes");
        assert_eq!(got[0], EntityStatus::Done);
        assert!(
            matches!(&got[1], EntityStatus::Refused { status: 422, message } if message.contains("addresses")),
            "{got:?}"
        );
    }

    /// Issue 27 item 3: stages, notes and feedback are sub-resources of an application, and
    /// a candidate's notes of the candidate (Postman "Sync Application Stages", "Sync
    /// Candidate Notes").
    #[test]
    fn s27_3_sub_resources_hang_off_their_parent_key() {
        let ctx = "urn:li:organization:1";
        assert_eq!(
            SubResource::ApplicationStages.path("70", ctx),
            "atsApplications/atsJobApplicationId=70&dataProvider=ATS&integrationContext=urn:li:organization:1/stages"
        );
        assert_eq!(
            SubResource::CandidateNotes.path("7", ctx),
            "atsCandidates/atsCandidateId=7&dataProvider=ATS&integrationContext=urn:li:organization:1/notes"
        );
        assert_eq!(
            SubResource::InterviewFeedback.path("70", ctx),
            "atsApplications/atsJobApplicationId=70&dataProvider=ATS&integrationContext=urn:li:organization:1/interviewFeedback"
        );
    }
}
