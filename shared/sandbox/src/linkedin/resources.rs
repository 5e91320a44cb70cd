//! The sync resources of LinkedIn RSC as the simulator keeps them, checked against the
//! shapes LinkedIn publishes (contract.rs): job postings with their tasks; the rest.li
//! batch resources (`atsCandidates`, `atsApplications`, the ACLs) keyed as LinkedIn keys
//! them; the sub-resources of a candidate (notes) and of an application (stages, notes,
//! interview feedback) under their parent's key. Every entity gets its own status; a
//! request LinkedIn would refuse is answered with LinkedIn's error shape and recorded
//! (`nonconformant`, read through `sandbox.linkedin().data`).

use super::contract::{self, TOP, TopResource};
use super::*;

pub(super) const MAX_BATCH: usize = 100;

/// Every collection the simulator keeps, as `sandbox.linkedin().data` names them.
pub(super) const COLLECTIONS: &[&str] = &[
    "atsCandidates",
    "atsCandidates/notes",
    "atsApplications",
    "atsApplications/stages",
    "atsApplications/notes",
    "atsApplications/interviewFeedback",
    "atsEntityAcls",
    "atsEntityAclAssignees",
];

fn top(resource: &str) -> Option<&'static TopResource> {
    TOP.iter().find(|r| r.name == resource)
}

/// The rest.li protocol a request declares (`X-RestLi-Protocol-Version`; absent: 1.0.0,
/// per LinkedIn's protocol-version page).
fn protocol(headers: &HeaderMap) -> String {
    headers
        .get("x-restli-protocol-version")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("1.0.0")
        .to_string()
}

/// Whether a batch call deletes (true) or updates (false); None: not a batch method here.
/// rest.li infers BATCH_UPDATE from a PUT and BATCH_DELETE from a DELETE with `ids` when
/// `X-RestLi-Method` is absent (LinkedIn's own examples of the feedback upsert and of every
/// delete send none); a header that names another method is refused.
fn batch_method(call: &Call<'_>) -> Option<bool> {
    match (call.method, call.restli) {
        (&Method::PUT, "batch_update" | "") => Some(false),
        (&Method::DELETE, "batch_delete" | "") => Some(true),
        _ => None,
    }
}

/// A key as a set of its fields (percent-decoded, any order).
fn decode(key: &str) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(key.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn encode(key: &BTreeMap<String, String>, order: &[&str]) -> String {
    order
        .iter()
        .map(|f| format!("{f}={}", key.get(*f).map_or("", String::as_str)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The keys of a top-level batch (`ids[i].field=value`, protocol 1.0.0), or why the query
/// is not one.
fn top_keys(
    r: &TopResource,
    query: &[(String, String)],
) -> Result<Vec<BTreeMap<String, String>>, String> {
    let mut keys: BTreeMap<usize, BTreeMap<String, String>> = BTreeMap::new();
    for (name, value) in query {
        if name == "ids" {
            return Err(
                "ids of a complex key are written ids[i].field=value in protocol 1.0.0".into(),
            );
        }
        let Some(rest) = name.strip_prefix("ids[") else {
            continue;
        };
        let Some((i, field)) = rest.split_once("].") else {
            return Err(format!("{name}: not a key field"));
        };
        let i: usize = i.parse().map_err(|_| format!("{name}: not a key index"))?;
        keys.entry(i)
            .or_default()
            .insert(field.into(), value.clone());
    }
    let keys: Vec<_> = keys.into_values().collect();
    for k in &keys {
        let fields: Vec<&str> = k.keys().map(String::as_str).collect();
        let mut want: Vec<&str> = r.key.to_vec();
        want.sort_unstable();
        if fields != want {
            return Err(format!(
                "the key of {} has the fields {}; given {}",
                r.name,
                r.key.join(", "),
                fields.join(", ")
            ));
        }
        if k.get("dataProvider").map(String::as_str) != Some("ATS") {
            return Err("dataProvider must be ATS".into());
        }
        if k.get("atsEntityType")
            .is_some_and(|t| t.as_str() != "JOB_POSTING")
        {
            return Err("atsEntityType must be JOB_POSTING".into());
        }
        if k.get("assignee")
            .is_some_and(|a| !a.starts_with("urn:li:person:"))
        {
            return Err("assignee must be an urn:li:person URN".into());
        }
    }
    Ok(keys)
}

/// The plain ids of a sub-resource batch or a task poll (`ids=a&ids=b` in protocol 1.0.0).
pub(super) fn plain_ids(query: &[(String, String)]) -> Result<Vec<String>, String> {
    let ids: Vec<String> = query
        .iter()
        .filter(|(n, _)| n == "ids")
        .map(|(_, v)| v.clone())
        .collect();
    if ids.iter().any(|i| i.starts_with("List(")) {
        return Err(
            "ids=List(…) is protocol 2.0.0; protocol 1.0.0 repeats the parameter (ids=a&ids=b)"
                .into(),
        );
    }
    Ok(ids)
}

/// The records a write carries (for the records-per-minute limit).
pub(super) fn records_of(call: &Call<'_>) -> u32 {
    let n = match (call.method, call.resource, call.sub) {
        (&Method::POST, "simpleJobPostings", None) => {
            call.body["elements"].as_array().map_or(0, Vec::len)
        }
        (&Method::PUT | &Method::DELETE, r, None) if top(r).is_some() => {
            let mut idx: Vec<&str> = call
                .query
                .iter()
                .filter_map(|(n, _)| n.strip_prefix("ids[")?.split_once(']').map(|(i, _)| i))
                .collect();
            idx.sort_unstable();
            idx.dedup();
            idx.len()
        }
        (&Method::PUT | &Method::DELETE, _, Some(_)) => {
            call.query.iter().filter(|(n, _)| n == "ids").count()
        }
        _ => 0,
    };
    n as u32
}

fn status(code: u16, message: &str) -> Value {
    if message.is_empty() {
        json!({"status": code})
    } else {
        json!({"status": code, "message": message})
    }
}

/// A collection's id of a top-level entity: its main id, or `"{acl}|{second}"`.
fn entity_id(resource: &str, key: &BTreeMap<String, String>) -> String {
    let get = |f: &str| key.get(f).cloned().unwrap_or_default();
    match resource {
        "atsCandidates" => get("atsCandidateId"),
        "atsApplications" => get("atsJobApplicationId"),
        "atsEntityAcls" => format!("{}|{}", get("atsEntityAclId"), get("atsEntityId")),
        _ => format!("{}|{}", get("atsEntityAclId"), get("assignee")),
    }
}

impl Linkedin {
    /// Records a request LinkedIn would refuse and answers it with LinkedIn's error shape.
    pub(super) fn refuse(&mut self, call: &Call<'_>, why: String) -> Response {
        self.nonconformant.push(json!({
            "method": call.method.as_str(), "resource": call.resource, "sub": call.sub,
            "restli": call.restli, "violations": [why.clone()],
        }));
        li_error(StatusCode::BAD_REQUEST, why)
    }

    /// The top-level batch resources; None: not one of them.
    pub(super) fn batch(
        &mut self,
        app: &str,
        call: &Call<'_>,
        headers: &HeaderMap,
    ) -> Option<Response> {
        let r = top(call.resource)?;
        if call.sub.is_some() {
            return None;
        }
        let Some(deleting) = batch_method(call) else {
            return Some(self.refuse(
                call,
                format!(
                    "{} {} with x-restli-method {:?} is not a method of {}",
                    call.method, call.resource, call.restli, call.resource
                ),
            ));
        };
        // LinkedIn's own example of an ACL assignee upsert declares protocol 2.0.0 with
        // 1.0.0 keys (Postman "Upsert Entity ACL Assignees"): `ids[i].field` keys are taken
        // whatever the declared protocol; renkei declares 1.0.0 throughout.
        let _ = protocol(headers);
        let keys = match top_keys(r, call.query) {
            Ok(k) if (1..=MAX_BATCH).contains(&k.len()) => k,
            Ok(_) => return Some(self.refuse(call, "1 to 100 ids per batch".into())),
            Err(why) => return Some(self.refuse(call, why)),
        };
        let body: Vec<(BTreeMap<String, String>, Value)> = if deleting {
            Vec::new()
        } else {
            let Some(entities) = call.body["entities"].as_object() else {
                return Some(self.refuse(call, "body needs \"entities\"".into()));
            };
            let body: Vec<_> = entities
                .iter()
                .map(|(k, v)| (decode(k), v.clone()))
                .collect();
            if body.len() != keys.len() || keys.iter().any(|k| !body.iter().any(|(b, _)| b == k)) {
                return Some(self.refuse(
                    call,
                    "the entities' keys do not match the ids of the query".into(),
                ));
            }
            body
        };
        let own = self.context_of(app);
        let mut results = Map::new();
        let mut errors = Map::new();
        for k in &keys {
            let name = encode(k, r.key);
            let ctx = k.get("integrationContext").cloned().unwrap_or_default();
            let id = entity_id(r.name, k);
            let outcome = if own.as_deref() != Some(ctx.as_str()) {
                Err((
                    403,
                    "integrationContext is not this application's".to_string(),
                ))
            } else if deleting {
                let held = self
                    .contexts
                    .get_mut(&ctx)
                    .is_some_and(|c| c.delete(r.name, &id));
                if held {
                    Ok(())
                } else {
                    Err((404, "not found".to_string()))
                }
            } else {
                let entity = body
                    .iter()
                    .find(|(b, _)| b == k)
                    .map_or(Value::Null, |(_, v)| v.clone());
                let problems = match r.fields {
                    Some(fields) => contract::problems(fields, &entity),
                    None if entity.as_object().is_some_and(|o| o.is_empty()) => Vec::new(),
                    None => vec!["the entity is empty ({}) for this resource".into()],
                };
                if problems.is_empty() {
                    self.contexts
                        .entry(ctx.clone())
                        .or_default()
                        .upsert(r.name, &id, entity)
                } else {
                    self.nonconformant.push(json!({
                        "method": "PUT", "resource": r.name, "key": name, "violations": problems,
                    }));
                    Err((422, problems.join("; ")))
                }
            };
            match outcome {
                Ok(()) => results.insert(name, status(204, "")),
                Err((code, m)) => errors.insert(name, status(code, &m)),
            };
        }
        Some(Json(json!({"results": results, "errors": errors})).into_response())
    }

    /// The sub-resources of a candidate or an application; None: not one.
    pub(super) fn sub_resource(
        &mut self,
        app: &str,
        call: &Call<'_>,
        headers: &HeaderMap,
    ) -> Option<Response> {
        let sub = call.sub?;
        let r = top(call.resource)?;
        let (parent_key, segment) = sub.rsplit_once('/')?;
        let Some((_, _, fields)) = contract::SUBS
            .iter()
            .find(|(p, s, _)| *p == r.name && *s == segment)
        else {
            return Some(self.refuse(call, format!("{} has no sub-resource {segment}", r.name)));
        };
        let Some(deleting) = batch_method(call) else {
            return Some(self.refuse(
                call,
                format!(
                    "{} {}/…/{segment} with x-restli-method {:?} is not a method of it",
                    call.method, r.name, call.restli
                ),
            ));
        };
        if protocol(headers) != "1.0.0" && call.query.iter().any(|(n, _)| n == "ids") {
            let list = call
                .query
                .iter()
                .any(|(n, v)| n == "ids" && v.starts_with("List("));
            if !list {
                return Some(self.refuse(
                    call,
                    "protocol 2.0.0 writes ids=List(…); this request repeats ids (1.0.0)".into(),
                ));
            }
            return Some(self.refuse(call, "renkei's simulator speaks protocol 1.0.0".into()));
        }
        let parent = decode(parent_key);
        let mut want: Vec<&str> = r.key.to_vec();
        want.sort_unstable();
        if parent.keys().map(String::as_str).collect::<Vec<_>>() != want
            || parent.get("dataProvider").map(String::as_str) != Some("ATS")
        {
            return Some(self.refuse(
                call,
                format!(
                    "the parent key of {} has the fields {}",
                    r.name,
                    r.key.join(", ")
                ),
            ));
        }
        let ids = match plain_ids(call.query) {
            Ok(ids) if (1..=MAX_BATCH).contains(&ids.len()) => ids,
            Ok(_) => return Some(self.refuse(call, "1 to 100 ids per batch".into())),
            Err(why) => return Some(self.refuse(call, why)),
        };
        let entities = call.body["entities"].as_object();
        if !deleting {
            let given: Vec<String> = entities
                .map(|e| {
                    e.keys()
                        .map(|k| decode(&format!("={k}")).remove("").unwrap_or_default())
                        .collect()
                })
                .unwrap_or_default();
            if given.len() != ids.len() || ids.iter().any(|i| !given.contains(i)) {
                return Some(self.refuse(
                    call,
                    "the entities' keys do not match the ids of the query".into(),
                ));
            }
        }
        let ctx = parent
            .get("integrationContext")
            .cloned()
            .unwrap_or_default();
        let parent_id = entity_id(r.name, &parent);
        let collection = format!("{}/{segment}", r.name);
        let own = self.context_of(app).as_deref() == Some(ctx.as_str());
        if !own {
            return Some(li_error(
                StatusCode::FORBIDDEN,
                "integrationContext is not this application's",
            ));
        }
        let held = self
            .contexts
            .get(&ctx)
            .is_some_and(|c| c.holds(r.name, &parent_id));
        if !held && !deleting {
            return Some(li_error(
                StatusCode::NOT_FOUND,
                format!("{} {parent_id} is not synced", r.name),
            ));
        }
        let mut results = Map::new();
        let mut errors = Map::new();
        for id in &ids {
            let stored = format!("{parent_id}|{id}");
            let outcome = if deleting {
                let gone = self
                    .contexts
                    .get_mut(&ctx)
                    .is_some_and(|c| c.delete(&collection, &stored));
                if gone {
                    Ok(())
                } else {
                    Err((404, "not found".to_string()))
                }
            } else {
                let entity = entities
                    .and_then(|e| {
                        e.iter().find(|(k, _)| {
                            decode(&format!("={k}")).remove("").as_deref() == Some(id)
                        })
                    })
                    .map_or(Value::Null, |(_, v)| v.clone());
                let problems = contract::problems(fields, &entity);
                if problems.is_empty() {
                    self.contexts.entry(ctx.clone()).or_default().upsert(
                        &collection,
                        &stored,
                        entity,
                    )
                } else {
                    self.nonconformant.push(json!({
                        "method": "PUT", "resource": collection, "key": id, "violations": problems,
                    }));
                    Err((422, problems.join("; ")))
                }
            };
            match outcome {
                Ok(()) => results.insert(id.clone(), status(204, "")),
                Err((code, m)) => errors.insert(id.clone(), status(code, &m)),
            };
        }
        Some(Json(json!({"results": results, "errors": errors})).into_response())
    }
}
