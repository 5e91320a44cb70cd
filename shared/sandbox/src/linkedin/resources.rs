//! The sync resources of LinkedIn RSC as the simulator keeps them: job postings with their
//! tasks, and the rest.li batch resources (candidates → applications → stages, notes,
//! feedback) with per-entity statuses, reference checks, omitted application fields nulled
//! and deletes that take their dependants along.

use super::*;

/// The batch resources and their key's id field; the first is the parent of the next.
pub(super) const RESOURCES: &[(&str, &str)] = &[
    ("atsCandidates", "atsCandidateId"),
    ("atsApplications", "atsApplicationId"),
    ("atsApplicationStages", "atsStageId"),
    ("atsApplicationNotes", "atsNoteId"),
    ("atsInterviewFeedbacks", "atsFeedbackId"),
];
/// The ACL resources (C5.4): their key is the ACL id with a second id and the entity type
/// (`JOB_POSTING`); the simulator keeps each as `"{aclId}|{second}"`.
pub(super) const ACLS: &[(&str, &str)] = &[
    ("atsEntityAcls", "atsEntityId"),
    ("atsEntityAclAssignees", "atsUserId"),
];
const MAX_BATCH: usize = 100;
const APPLICATION_FIELDS: &[&str] = &[
    "candidate",
    "job",
    "state",
    "rejectionReason",
    "currentStage",
    "createdAt",
    "lastModifiedAt",
];

/// `ids[i].{idField}` / `ids[i].integrationContext` of a batch, in order.
pub(super) fn batch_ids(query: &[(String, String)], resource: &str) -> Vec<(String, String)> {
    let acl = ACLS.iter().find(|(n, _)| *n == resource).map(|(_, f)| *f);
    let Some(field) = RESOURCES
        .iter()
        .find(|(n, _)| *n == resource)
        .map(|(_, f)| *f)
        .or(acl.map(|_| "atsEntityAclId"))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for i in 0.. {
        let get = |k: String| query.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
        let second = match acl {
            Some(f) => match (
                get(format!("ids[{i}].{f}")),
                get(format!("ids[{i}].atsEntityType")),
            ) {
                (Some(s), Some(t)) if t == "JOB_POSTING" => Some(s),
                _ => break,
            },
            None => None,
        };
        match (
            get(format!("ids[{i}].{field}")),
            get(format!("ids[{i}].integrationContext")),
        ) {
            (Some(id), Some(ctx)) => match &second {
                Some(s) => out.push((format!("{id}|{s}"), ctx)),
                None => out.push((id, ctx)),
            },
            _ => break,
        }
    }
    out
}

fn key(resource: &str, id: &str, ctx: &str) -> String {
    if let Some((_, second)) = ACLS.iter().find(|(n, _)| *n == resource) {
        let (acl, other) = id.split_once('|').unwrap_or((id, ""));
        return format!(
            "atsEntityAclId={acl}&dataProvider=ATS&integrationContext={ctx}&{second}={other}&atsEntityType=JOB_POSTING"
        );
    }
    let field = RESOURCES
        .iter()
        .find(|(n, _)| *n == resource)
        .map_or("id", |(_, f)| *f);
    format!("{field}={id}&dataProvider=ATS&integrationContext={ctx}")
}

/// Whether `resource` is one of the rest.li batch resources.
pub(super) fn is_batch_resource(resource: &str) -> bool {
    RESOURCES.iter().chain(ACLS).any(|(n, _)| *n == resource)
}

fn status(code: u16, message: &str) -> Value {
    if message.is_empty() {
        json!({"status": code})
    } else {
        json!({"status": code, "message": message})
    }
}

impl Linkedin {
    pub(super) fn post_jobs(&mut self, app: &str, body: &Value) -> Response {
        let ctx = self.context_of(app);
        let elements = body["elements"].as_array().cloned().unwrap_or_default();
        if elements.is_empty() || elements.len() > MAX_BATCH {
            return li_error(StatusCode::BAD_REQUEST, "1 to 100 elements per batch");
        }
        let checks = self.limits.task_checks;
        let mut answers = Vec::new();
        for e in elements {
            let id = format!("urn:li:simpleJobPostingTask:{}", self.next());
            let own = ctx.as_deref() == e["integrationContext"].as_str();
            let ext = e["externalJobPostingId"].as_str().unwrap_or_default();
            let problem = if !own {
                Some("integrationContext is not this application's")
            } else if ext.is_empty() {
                Some("externalJobPostingId is required")
            } else if e["title"].as_str().is_none_or(|t| t.trim().is_empty()) {
                Some("title is required")
            } else {
                None
            };
            let task = match problem {
                Some(m) => json!({"status": "FAILED", "message": m}),
                None => {
                    if let Some(c) = ctx.as_ref().and_then(|c| self.contexts.get_mut(c)) {
                        c.jobs.insert(ext.to_string(), e.clone());
                    }
                    json!({"status": "SUCCEEDED", "jobPosting": ext})
                }
            };
            self.tasks.insert(id.clone(), (task, checks));
            answers.push(json!({"status": 201, "id": id}));
        }
        Json(json!({"elements": answers})).into_response()
    }

    pub(super) fn job_tasks(&mut self, ids: &str) -> Response {
        let list = ids.trim_start_matches("List(").trim_end_matches(')');
        let mut results = Map::new();
        for id in list.split(',').filter(|s| !s.is_empty()) {
            if let Some((task, left)) = self.tasks.get_mut(id) {
                let v = if *left > 0 {
                    *left -= 1;
                    json!({"status": "IN_PROGRESS"})
                } else {
                    task.clone()
                };
                results.insert(id.to_string(), v);
            }
        }
        Json(json!({"results": results})).into_response()
    }

    pub(super) fn batch_update(
        &mut self,
        app: &str,
        resource: &str,
        query: &[(String, String)],
        body: &Value,
    ) -> Response {
        if !is_batch_resource(resource) {
            return li_error(StatusCode::NOT_FOUND, format!("no resource {resource}"));
        }
        let ids = batch_ids(query, resource);
        let Some(entities) = body["entities"].as_object() else {
            return li_error(StatusCode::BAD_REQUEST, "body needs \"entities\"");
        };
        if ids.is_empty() || ids.len() > MAX_BATCH {
            return li_error(StatusCode::BAD_REQUEST, "1 to 100 ids per batch");
        }
        if entities.len() != ids.len()
            || ids
                .iter()
                .any(|(id, ctx)| !entities.contains_key(&key(resource, id, ctx)))
        {
            return li_error(
                StatusCode::BAD_REQUEST,
                "the entities' keys do not match the ids of the query",
            );
        }
        let own = self.context_of(app);
        let mut results = Map::new();
        let mut errors = Map::new();
        for (id, ctx) in &ids {
            let k = key(resource, id, ctx);
            let entity = entities.get(&k).cloned().unwrap_or(Value::Null);
            let outcome = if own.as_deref() != Some(ctx.as_str()) {
                Err((
                    403,
                    "integrationContext is not this application's".to_string(),
                ))
            } else {
                self.contexts
                    .entry(ctx.clone())
                    .or_default()
                    .upsert(resource, id, entity)
            };
            match outcome {
                Ok(()) => results.insert(k, status(204, "")),
                Err((code, m)) => errors.insert(k, status(code, &m)),
            };
        }
        Json(json!({"results": results, "errors": errors})).into_response()
    }

    pub(super) fn batch_delete(
        &mut self,
        app: &str,
        resource: &str,
        query: &[(String, String)],
    ) -> Response {
        let ids = batch_ids(query, resource);
        if ids.is_empty() || ids.len() > MAX_BATCH {
            return li_error(StatusCode::BAD_REQUEST, "1 to 100 ids per batch");
        }
        let own = self.context_of(app);
        let mut results = Map::new();
        let mut errors = Map::new();
        for (id, ctx) in &ids {
            let k = key(resource, id, ctx);
            let found = own.as_deref() == Some(ctx.as_str())
                && self
                    .contexts
                    .get_mut(ctx)
                    .is_some_and(|c| c.delete(resource, id));
            if found {
                results.insert(k, status(204, ""));
            } else {
                errors.insert(k, status(404, "not found"));
            }
        }
        Json(json!({"results": results, "errors": errors})).into_response()
    }
}

impl Context {
    fn holds(&self, resource: &str, id: &str) -> bool {
        self.entities
            .get(resource)
            .is_some_and(|m| m.contains_key(id))
    }

    fn upsert(&mut self, resource: &str, id: &str, mut e: Value) -> Result<(), (u16, String)> {
        let text =
            |v: &Value, k: &str| v[k].as_str().map(str::trim).unwrap_or_default().to_string();
        match resource {
            "atsCandidates" => {
                if text(&e, "firstName").is_empty() && text(&e, "lastName").is_empty() {
                    return Err((422, "firstName or lastName is required".into()));
                }
            }
            "atsEntityAcls" => {
                let job = id.split_once('|').map_or("", |(_, j)| j);
                if !self.jobs.contains_key(job) {
                    return Err((422, format!("job {job} is not synced")));
                }
            }
            "atsEntityAclAssignees" => {
                if !text(&e, "member").starts_with("urn:li:person:") {
                    return Err((422, "member (urn:li:person:…) is required".into()));
                }
            }
            "atsApplications" => {
                let missing: Vec<&str> = APPLICATION_FIELDS
                    .iter()
                    .filter(|f| e.get(**f).is_none())
                    .copied()
                    .collect();
                if !missing.is_empty() {
                    // What LinkedIn does with an omitted field: it is nulled.
                    self.nulled.push(format!("{id}: {}", missing.join(", ")));
                    for f in missing {
                        e[f] = Value::Null;
                    }
                }
                let cand = text(&e, "candidate");
                if !self.holds("atsCandidates", &cand) {
                    return Err((422, format!("candidate {cand} is not synced")));
                }
                let job = text(&e, "job");
                if !self.jobs.contains_key(&job) {
                    return Err((422, format!("job {job} is not synced")));
                }
            }
            _ => {
                let app = text(&e, "application");
                if !self.holds("atsApplications", &app) {
                    return Err((422, format!("application {app} is not synced")));
                }
            }
        }
        self.entities
            .entry(resource.to_string())
            .or_default()
            .insert(id.to_string(), e);
        Ok(())
    }

    /// Deletes an entity with what hangs off it; false when it was not held.
    fn delete(&mut self, resource: &str, id: &str) -> bool {
        let removed = self
            .entities
            .get_mut(resource)
            .and_then(|m| m.remove(id))
            .is_some();
        let (child, link) = match resource {
            "atsCandidates" => ("atsApplications", "candidate"),
            "atsApplications" => ("", "application"),
            _ => return removed,
        };
        let children: Vec<(String, String)> = if child.is_empty() {
            RESOURCES[2..]
                .iter()
                .flat_map(|(r, _)| {
                    self.entities
                        .get(*r)
                        .into_iter()
                        .flat_map(|m| m.iter())
                        .filter(|(_, e)| e[link] == id)
                        .map(|(k, _)| ((*r).to_string(), k.clone()))
                        .collect::<Vec<_>>()
                })
                .collect()
        } else {
            self.entities
                .get(child)
                .into_iter()
                .flat_map(|m| m.iter())
                .filter(|(_, e)| e[link] == id)
                .map(|(k, _)| (child.to_string(), k.clone()))
                .collect()
        };
        for (r, k) in children {
            self.delete(&r, &k);
        }
        removed
    }
}
