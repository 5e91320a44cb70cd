//! Issue 27: C5 against LinkedIn's published RSC contract, not against renkei's own idea of
//! it. LinkedIn's documented example requests (tests/fixtures/linkedin/postman-sync.json,
//! transcribed from LinkedIn's official Postman collection) are replayed against the
//! simulator and must be accepted; what renkei's client sends for the same entities is
//! compared with them field by field; the shapes renkei sent before are refused.

use chrono::{TimeZone, Utc};
use renkei_connectors::recruitee_linkedin::mapping::{self, Jobs};
use renkei_e2e::*;
use renkei_testbed::{CONTRACT_CORPORATE, LINKEDIN_ORG};
use renkei_vendors::linkedin::{Resource, SubResource, decode_key};
use renkei_vendors::recruitee::{Candidate, InterviewResult, Note, Offer};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const CANDIDATE: &str = "FX-C-1";
const APPLICATION: &str = "FX-A-1";
const NOTE: &str = "FX-N-1";
const PUBLIC_JOB: &str = "FX-J-PUBLIC";
const PRIVATE_JOB: &str = "FX-J-PRIVATE";
const PERSON: &str = "fx-person";
const MILLIS: i64 = 1_764_000_000_000;

/// LinkedIn's example requests, placeholders filled for this sandbox.
fn examples() -> Vec<Value> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/linkedin/postman-sync.json"
    ))
    .expect("fixture");
    let text = text
        .replace("\"{{timestamp_ms}}\"", &MILLIS.to_string())
        .replace("{{org_id}}", LINKEDIN_ORG)
        .replace("{{candidate_id}}", CANDIDATE)
        .replace("{{application_id}}", APPLICATION)
        .replace("{{note_id}}", NOTE)
        .replace("{{public_externalJobPostingId}}", PUBLIC_JOB)
        .replace("{{private_externalJobPostingId}}", PRIVATE_JOB)
        .replace("{{person_id}}", PERSON)
        .replace("{{customer_name}}", "Demo GmbH");
    let doc: Value = serde_json::from_str(&text).expect("fixture is JSON");
    let requests = doc["requests"].as_array().expect("requests").clone();
    for r in &requests {
        assert!(
            r["source"].as_str().is_some_and(|s| s.contains("postman")),
            "every example names its source: {r}"
        );
    }
    requests
}

fn example(name: &str) -> Value {
    examples()
        .into_iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no example {name}"))
}

/// The first entity of an example's batch body.
fn entity(name: &str) -> Value {
    let e = example(name);
    if let Some(el) = e["body"]["elements"].as_array() {
        return el[0].clone();
    }
    e["body"]["entities"]
        .as_object()
        .and_then(|m| m.values().next().cloned())
        .expect("an entity")
}

/// An example's query, decoded (`ids[0].x` → value), in order.
fn query(url: &str) -> Vec<(String, String)> {
    url.split_once('?')
        .map(|(_, q)| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

struct Li {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Li {
    async fn start() -> (SandboxEnv, Self) {
        let env = env().await;
        env.recruitee_linkedin_accounts(0).expect("accounts");
        env.sandbox
            .linkedin()
            .limits(renkei_sandbox::LinkedinLimits {
                task_checks: 0,
                ..renkei_sandbox::LinkedinLimits::default()
            });
        let token = env
            .sandbox
            .linkedin()
            .integrated_app(LINKEDIN_ORG, CONTRACT_CORPORATE);
        let li = Li {
            base: format!("http://{}/linkedin", env.addr),
            token,
            http: reqwest::Client::new(),
        };
        (env, li)
    }

    /// Sends `r` (method, url, x- headers, body) as LinkedIn's example does.
    async fn send(&self, r: &Value) -> (u16, Value) {
        let method: reqwest::Method = r["method"].as_str().unwrap().parse().unwrap();
        let (path, q) = r["url"]
            .as_str()
            .unwrap()
            .split_once('?')
            .unwrap_or((r["url"].as_str().unwrap(), ""));
        let url = if q.is_empty() {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}?{}", self.base, encode_query(q))
        };
        let mut rb = self.http.request(method, url).bearer_auth(&self.token);
        for (k, v) in r["headers"].as_object().into_iter().flatten() {
            rb = rb.header(k, v.as_str().unwrap());
        }
        if !r["body"].is_null() {
            rb = rb.json(&r["body"]);
        }
        let reply = rb.send().await.expect("sent");
        let status = reply.status().as_u16();
        let body = reply.json().await.unwrap_or(Value::Null);
        (status, body)
    }
}

/// The example's query as a browser would send it (values percent-encoded).
fn encode_query(q: &str) -> String {
    q.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => format!(
                "{}={}",
                url::form_urlencoded::byte_serialize(k.as_bytes()).collect::<String>(),
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            ),
            None => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Every entity of a batch answer succeeded.
fn all_done(name: &str, status: u16, body: &Value) {
    assert!(
        (200..300).contains(&status),
        "{name}: HTTP {status}: {body}"
    );
    if let Some(errors) = body["errors"].as_object() {
        assert!(errors.is_empty(), "{name}: entities refused: {body}");
    }
    for (k, v) in body["results"].as_object().into_iter().flatten() {
        let s = v["status"].as_u64().unwrap_or(0);
        assert!((200..300).contains(&s), "{name}: {k} answered {v}");
    }
}

#[tokio::test]
async fn s27_linkedin_s_own_example_requests_are_accepted_by_the_simulator() {
    let (env, li) = Li::start().await;
    for r in examples() {
        let name = r["name"].as_str().unwrap().to_string();
        let (status, body) = li.send(&r).await;
        all_done(&name, status, &body);
        if name.starts_with("Create") {
            let task = body["elements"][0]["id"].as_str().expect("a task id");
            let poll = json!({"method": "GET", "url": format!("/v2/simpleJobPostingTasks?ids={task}"),
                              "headers": {}, "body": null});
            let (s, b) = li.send(&poll).await;
            assert_eq!(s, 200, "{b}");
            assert_eq!(b["results"][task]["status"], "SUCCEEDED", "{name}: {b}");
        }
    }
    let d = env.sandbox.linkedin().data(LINKEDIN_ORG);
    assert_eq!(d["nonconformant"], json!([]), "{d}");
    // The deletes at the end of LinkedIn's examples left nothing behind.
    for c in ["atsCandidates", "atsApplications", "atsApplications/stages"] {
        assert_eq!(d[c], json!({}), "{c}: {d}");
    }
}

/// A Recruitee candidate with one application to a known job, a note and feedback.
fn recruitee_candidate() -> (Candidate, Vec<Note>, Vec<InterviewResult>, Jobs) {
    let c: Candidate = serde_json::from_value(json!({
        "id": 7, "name": "Rita Book", "emails": ["Rita@Example.org"], "phones": ["555-555-5555"],
        "source": "Referral", "created_at": "2026-11-01T09:00:00Z", "updated_at": "2026-11-02T09:00:00Z",
        "placements": [{"id": 70, "offer_id": 1, "created_at": "2026-11-01T09:00:00Z",
                        "stage": {"id": 3, "name": "Phone Interview", "category": "interview"}}]
    }))
    .expect("candidate");
    let t = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
    let notes = vec![Note {
        id: 5,
        body: "Great resume".into(),
        author: Some("Ann Lee".into()),
        created_at: t,
    }];
    let results = vec![InterviewResult {
        id: 9,
        placement_id: Some(70),
        rating: Some("4/5".into()),
        body: "Great interview!".into(),
        author: Some("Ann Lee".into()),
        created_at: t,
    }];
    let jobs: Jobs = [(1, "Senior Software Engineer".to_string())].into();
    (c, notes, results, jobs)
}

/// `got`'s fields are fields of LinkedIn's example `doc` with the same JSON type, objects
/// and arrays of objects compared the same way, down the tree.
fn same_shape(what: &str, got: &Value, doc: &Value) {
    match (got, doc) {
        (Value::Object(g), Value::Object(d)) => {
            for (k, v) in g {
                let Some(dv) = d.get(k) else {
                    panic!("{what}: renkei sends {k}, LinkedIn's example has no such field");
                };
                same_shape(&format!("{what}.{k}"), v, dv);
            }
        }
        (Value::Array(g), Value::Array(d)) => {
            if let (Some(gv), Some(dv)) = (g.first(), d.first()) {
                same_shape(&format!("{what}[]"), gv, dv);
            }
        }
        (g, d) => {
            let kind = |v: &Value| match v {
                Value::Null => "null",
                Value::Bool(_) => "boolean",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            };
            assert_eq!(
                kind(g),
                kind(d),
                "{what}: renkei sends {g}, LinkedIn's example {d}"
            );
        }
    }
}

fn has(what: &str, got: &Value, fields: &[&str]) {
    for f in fields {
        assert!(
            got.get(*f).is_some(),
            "{what}: {f} is required and not sent: {got}"
        );
    }
}

#[test]
fn s27_1_to_4_what_the_client_sends_matches_linkedin_s_examples_field_by_field() {
    let (c, notes, results, jobs) = recruitee_candidate();
    let b = mapping::bundle(&c, &notes, &results, &jobs).expect("maps");
    let ctx = format!("urn:li:organization:{LINKEDIN_ORG}");

    // 1. Candidates: atsCreatedAt / atsLastModifiedAt, addresses, externalProfileUrl,
    // phone numbers as objects.
    let cand = serde_json::to_value(&b.candidate).unwrap();
    same_shape("candidate", &cand, &entity("Sync Candidates"));
    has(
        "candidate",
        &cand,
        &[
            "firstName",
            "atsCreatedAt",
            "atsLastModifiedAt",
            "addresses",
            "externalProfileUrl",
            "phoneNumbers",
        ],
    );
    assert_eq!(cand["phoneNumbers"], json!([{"number": "555-555-5555"}]));
    // The key is LinkedIn's, field for field.
    let key_of = |name: &str| -> BTreeMap<String, String> {
        query(example(name)["url"].as_str().unwrap())
            .into_iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("ids[0].")?.to_string(), v)))
            .collect()
    };
    assert_eq!(
        Resource::Candidates.key(CANDIDATE, &ctx).decoded(),
        key_of("Sync Candidates")
    );

    // 2. Applications: atsJobApplicationId and the documented body.
    let app = serde_json::to_value(&b.applications[0].body).unwrap();
    let doc = entity("Sync Job Applications");
    same_shape("application", &app, &doc);
    let (mine, theirs): (Vec<_>, Vec<_>) = (
        app.as_object().unwrap().keys().collect(),
        doc.as_object().unwrap().keys().collect(),
    );
    assert_eq!(mine, theirs, "every documented application field is sent");
    assert_eq!(
        Resource::Applications.key(APPLICATION, &ctx).decoded(),
        key_of("Sync Job Applications")
    );

    // 3. Stages, feedback and notes are sub-resources, with their documented bodies; the
    // candidate's notes are the candidate's.
    let stage = serde_json::to_value(&b.applications[0].stages[0].1).unwrap();
    same_shape("stage", &stage, &entity("Sync Application Stages"));
    has("stage", &stage, &["atsCreatedAt", "stage"]);
    let fb = serde_json::to_value(&b.applications[0].feedback[0].1).unwrap();
    same_shape(
        "feedback",
        &fb,
        &entity("Sync Application Interview Feedback"),
    );
    let note = serde_json::to_value(&b.notes[0].1).unwrap();
    same_shape("candidate note", &note, &entity("Sync Candidate Notes"));
    for (sub, parent, name) in [
        (
            SubResource::ApplicationStages,
            APPLICATION,
            "Sync Application Stages",
        ),
        (
            SubResource::InterviewFeedback,
            APPLICATION,
            "Sync Application Interview Feedback",
        ),
        (
            SubResource::CandidateNotes,
            CANDIDATE,
            "Sync Candidate Notes",
        ),
    ] {
        let url = example(name)["url"].as_str().unwrap().to_string();
        let path = url.split_once('?').unwrap().0.trim_start_matches("/v2/");
        assert_eq!(sub.path(parent, &ctx), path, "{name}");
    }

    // 4. Jobs: PUBLIC / PRIVATE_TO_ATS_INTEGRATION, state LISTED.
    let offer = |status: &str| -> Offer {
        serde_json::from_value(
            json!({"id": 1, "title": "Senior Software Engineer", "status": status,
            "city": "San Francisco", "country_code": "US", "description": "…",
            "careers_url": "https://example.org/jobs/1", "created_at": "2026-11-01T09:00:00Z"}),
        )
        .unwrap()
    };
    for (status, name) in [
        ("published", "Create Public Job"),
        ("internal", "Create Private Job"),
    ] {
        let j = serde_json::to_value(mapping::job(&offer(status), &ctx).unwrap()).unwrap();
        let doc = entity(name);
        same_shape("job", &j, &doc);
        assert_eq!(j["availability"], doc["availability"], "{name}");
        assert_eq!(j["state"], "LISTED");
    }
    let closed = serde_json::to_value(mapping::closed_job(&offer("closed"), &ctx)).unwrap();
    assert_eq!(
        (&closed["state"], &closed["jobPostingOperationType"]),
        (&json!("CLOSED"), &json!("CLOSE"))
    );
}

#[test]
fn s27_6_acl_assignees_are_keyed_by_the_member_with_an_empty_body() {
    let ctx = format!("urn:li:organization:{LINKEDIN_ORG}");
    let doc = example("Upsert Entity ACL Assignees");
    let documented: BTreeMap<String, String> = query(doc["url"].as_str().unwrap())
        .into_iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("ids[0].")?.to_string(), v)))
        .collect();
    let key = Resource::AclAssignees.key(&format!("TEST_JOBS|urn:li:person:{PERSON}"), &ctx);
    assert_eq!(key.decoded(), documented);
    let body_key = doc["body"]["entities"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    assert_eq!(
        decode_key(&body_key),
        documented,
        "the body names the same key"
    );
    assert_eq!(entity("Upsert Entity ACL Assignees"), json!({}));
}

#[tokio::test]
async fn s27_the_shapes_renkei_sent_before_are_refused_and_recorded() {
    let (env, li) = Li::start().await;
    let ctx = format!("urn:li:organization:{LINKEDIN_ORG}");
    // A job first, so that what follows is refused for its shape only.
    let (s, b) = li.send(&example("Create Public Job")).await;
    all_done("job", s, &b);
    let old_candidate = json!({"method": "PUT",
        "url": format!("/v2/atsCandidates?ids[0].atsCandidateId=1&ids[0].dataProvider=ATS&ids[0].integrationContext={ctx}"),
        "headers": {"x-restli-method": "batch_update"},
        "body": {"entities": {format!("atsCandidateId=1&dataProvider=ATS&integrationContext={ctx}"):
            {"firstName": "Ana", "lastName": "Dijk", "emailAddresses": ["ana@example.org"],
             "phoneNumbers": ["+31 6 1234"], "source": null, "createdAt": MILLIS, "lastModifiedAt": MILLIS}}}});
    let (s, b) = li.send(&old_candidate).await;
    assert_eq!(s, 200, "{b}");
    let refusal = b["errors"]
        .as_object()
        .and_then(|e| e.values().next())
        .cloned();
    let refusal = refusal.unwrap_or_else(|| panic!("the old candidate was taken: {b}"));
    assert_eq!(refusal["status"], 422, "{b}");
    for why in [
        "createdAt",
        "phoneNumbers",
        "addresses",
        "externalProfileUrl",
    ] {
        assert!(
            refusal["message"].as_str().unwrap().contains(why),
            "{why}: {refusal}"
        );
    }
    let refused = |s: u16, b: &Value, what: &str| {
        assert!((400..500).contains(&s), "{what} was taken: HTTP {s} {b}");
        assert!(
            b["message"].is_string(),
            "{what}: LinkedIn's error shape: {b}"
        );
    };
    let old_application = json!({"method": "PUT",
        "url": format!("/v2/atsApplications?ids[0].atsApplicationId=70&ids[0].dataProvider=ATS&ids[0].integrationContext={ctx}"),
        "headers": {"x-restli-method": "batch_update"},
        "body": {"entities": {format!("atsApplicationId=70&dataProvider=ATS&integrationContext={ctx}"):
            {"candidate": "1", "job": PUBLIC_JOB, "state": "ACTIVE"}}}});
    let (s, b) = li.send(&old_application).await;
    refused(s, &b, "the atsApplicationId key");
    let old_stage = json!({"method": "PUT",
        "url": format!("/v2/atsApplicationStages?ids[0].atsStageId=70&ids[0].dataProvider=ATS&ids[0].integrationContext={ctx}"),
        "headers": {"x-restli-method": "batch_update"},
        "body": {"entities": {format!("atsStageId=70&dataProvider=ATS&integrationContext={ctx}"):
            {"application": "70", "stageName": "Interview", "changedAt": MILLIS}}}});
    let (s, b) = li.send(&old_stage).await;
    refused(s, &b, "a top-level atsApplicationStages");
    let old_assignee = json!({"method": "PUT",
        "url": format!("/v2/atsEntityAclAssignees?ids[0].atsEntityAclId=member-1&ids[0].dataProvider=ATS&ids[0].integrationContext={ctx}&ids[0].atsUserId=1&ids[0].atsEntityType=JOB_POSTING"),
        "headers": {"x-restli-method": "batch_update"},
        "body": {"entities": {format!("atsEntityAclId=member-1&dataProvider=ATS&integrationContext={ctx}&atsUserId=1&atsEntityType=JOB_POSTING"):
            {"member": "urn:li:person:x"}}}});
    let (s, b) = li.send(&old_assignee).await;
    refused(s, &b, "an assignee keyed by atsUserId");
    let list_poll = json!({"method": "GET", "url": "/v2/simpleJobPostingTasks?ids=List(urn:li:simpleJobPostingTask:1)",
        "headers": {}, "body": null});
    let (s, b) = li.send(&list_poll).await;
    refused(s, &b, "a protocol 2.0.0 task poll under 1.0.0");
    let mut internal = example("Create Private Job");
    internal["body"]["elements"][0]["availability"] = json!("INTERNAL");
    internal["body"]["elements"][0]
        .as_object_mut()
        .unwrap()
        .remove("state");
    let (s, b) = li.send(&internal).await;
    assert_eq!(s, 200, "{b}");
    let task = b["elements"][0]["id"].as_str().unwrap();
    let poll = json!({"method": "GET", "url": format!("/v2/simpleJobPostingTasks?ids={task}"), "headers": {}, "body": null});
    let (_, b) = li.send(&poll).await;
    assert_eq!(b["results"][task]["status"], "PROCESSED", "{b}");
    let d = env.sandbox.linkedin().data(LINKEDIN_ORG);
    let recorded = d["nonconformant"].as_array().map_or(0, Vec::len);
    assert!(recorded >= 6, "each refusal is recorded: {d}");
}
