//! Jobs as the simulator keeps them: `simpleJobPostings` (`batch_create`) answered with a
//! task per job, checked against required-fields "Sync Jobs" and sync-jobs, and
//! `simpleJobPostingTasks` polled in protocol 1.0.0.

use super::resources::{MAX_BATCH, plain_ids};
use super::*;

impl Linkedin {
    /// `POST simpleJobPostings` (`batch_create`): a task per job. A job that breaks the
    /// published shape is PROCESSED with the reason ("processed by LinkedIn but also failed
    /// payload validation", check-job-taskstatus).
    pub(super) fn post_jobs(&mut self, app: &str, call: &Call<'_>) -> Response {
        if call.restli != "batch_create" {
            return self.refuse(
                call,
                "simpleJobPostings takes x-restli-method: batch_create".into(),
            );
        }
        let ctx = self.context_of(app);
        let elements = call.body["elements"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if elements.is_empty() || elements.len() > MAX_BATCH {
            return self.refuse(call, "1 to 100 elements per batch".into());
        }
        let checks = self.limits.task_checks;
        let mut answers = Vec::new();
        for e in elements {
            let id = format!("urn:li:simpleJobPostingTask:{}", self.next());
            let own = ctx.as_deref() == e["integrationContext"].as_str();
            let ext = e["externalJobPostingId"].as_str().unwrap_or_default();
            let problems = job_problems(&e);
            let task = if !own {
                json!({"status": "FAILED", "message": "integrationContext is not this application's"})
            } else if !problems.is_empty() {
                self.nonconformant.push(json!({
                    "method": "POST", "resource": "simpleJobPostings", "key": ext, "violations": problems,
                }));
                json!({"status": "PROCESSED", "message": problems.join("; ")})
            } else {
                if let Some(c) = ctx.as_ref().and_then(|c| self.contexts.get_mut(c)) {
                    c.jobs.insert(ext.to_string(), e.clone());
                }
                json!({"status": "SUCCEEDED", "jobPosting": ext})
            };
            self.tasks.insert(id.clone(), (task, checks));
            answers.push(json!({"status": 201, "id": id}));
        }
        Json(json!({"elements": answers})).into_response()
    }

    /// `GET simpleJobPostingTasks?ids=…&ids=…` (protocol 1.0.0).
    pub(super) fn job_tasks(&mut self, call: &Call<'_>) -> Response {
        let ids = match plain_ids(call.query) {
            Ok(ids) if !ids.is_empty() => ids,
            Ok(_) => return self.refuse(call, "ids is required".into()),
            Err(why) => return self.refuse(call, why),
        };
        let mut results = Map::new();
        for id in ids {
            if let Some((task, left)) = self.tasks.get_mut(&id) {
                let v = if *left > 0 {
                    *left -= 1;
                    json!({"status": "IN_PROGRESS"})
                } else {
                    task.clone()
                };
                results.insert(id, v);
            }
        }
        Json(json!({"results": results})).into_response()
    }
}

/// Where a job breaks the published shape (required-fields "Sync Jobs"; sync-jobs).
fn job_problems(e: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let text = |k: &str| e[k].as_str().map(str::trim).unwrap_or_default();
    if text("externalJobPostingId").is_empty() {
        out.push("externalJobPostingId: required".to_string());
    }
    let title = text("title");
    if title.is_empty() || title.chars().count() > 200 {
        out.push("title: required, at most 200 characters".into());
    }
    if e["description"].as_str().is_none() {
        out.push("description: required".into());
    }
    if text("location").is_empty()
        && (text("countryCode").is_empty() || text("postalCode").is_empty())
    {
        out.push("location (or countryCode and postalCode): required".into());
    }
    if !matches!(
        text("availability"),
        "PUBLIC" | "PRIVATE_TO_ATS_INTEGRATION"
    ) {
        out.push(format!(
            "availability: PUBLIC or PRIVATE_TO_ATS_INTEGRATION, not {:?}",
            e["availability"]
        ));
    }
    if !matches!(text("state"), "LISTED" | "CLOSED") {
        out.push("state: LISTED or CLOSED, required".into());
    }
    if !matches!(
        text("jobPostingOperationType"),
        "" | "CREATE" | "UPDATE" | "RENEW" | "CLOSE"
    ) {
        out.push("jobPostingOperationType: CREATE, UPDATE, RENEW or CLOSE".into());
    }
    if (text("jobPostingOperationType") == "CLOSE") != (text("state") == "CLOSED") {
        out.push("state: CLOSED with CLOSE, LISTED otherwise".into());
    }
    if e["listedAt"].as_i64().is_none_or(|n| n <= 0) {
        out.push("listedAt: epoch milliseconds".into());
    }
    out
}
