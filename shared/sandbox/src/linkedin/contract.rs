//! The shapes LinkedIn publishes for the RSC sync resources, transcribed from its own
//! material independently of renkei's client, so that the simulator refuses what LinkedIn
//! would refuse. Sources (docs/contracts/linkedin.md cites each line):
//!
//! - P: LinkedIn's official Postman collection, repository
//!   linkedin-developers/recruiter-system-connect-development-tools,
//!   `postman-collection/Recruiter System Connect.postman_collection.json` (module 2 "Sync
//!   data from ATS to Linkedin", module 4 "Define Permissions via ACLs", module 5 "Delete
//!   Synced Data");
//! - R: learn.microsoft.com/linkedin/talent/recruiter-system-connect/required-fields and
//!   middleware-platform/sync-candidates, sync-applications, sync-candidate-notes.
//!
//! A field not listed for an entity is refused (rest.li validates input against the
//! resource's schema); renkei's earlier shapes (`createdAt`, `atsApplicationId`,
//! top-level `atsApplicationStages`, string phone numbers…) are therefore refused here.

use serde_json::Value;

/// What a field must be.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    /// A string (`min`: least length after trimming).
    Text { min: usize },
    /// Epoch milliseconds, greater than 0 (R: "Must be greater than 0").
    Millis,
    /// An `urn:li:person:` URN.
    Person,
    /// A list of strings.
    Texts,
    /// A list of `{number, extension?}` (R: phone numbers are objects, "required but can
    /// be empty").
    Phones,
    /// A list of address objects (R: "May be empty array if not available").
    Addresses,
    /// `{firstName, lastName}` (R, sync-candidate-notes: both required).
    Actor,
    /// A list of `{attribute, result}` (P: "Sync Application Interview Feedback").
    Evaluations,
    /// A boolean.
    Flag,
}

/// One field: name, kind, required.
pub(super) type Field = (&'static str, Kind, bool);

/// `atsCandidates` (P "Sync Candidates"; R required-fields, sync-candidates).
pub(super) const CANDIDATE: &[Field] = &[
    ("firstName", Kind::Text { min: 1 }, true),
    ("lastName", Kind::Text { min: 0 }, false),
    ("middleInitial", Kind::Text { min: 0 }, false),
    ("prefix", Kind::Text { min: 0 }, false),
    ("suffix", Kind::Text { min: 0 }, false),
    ("emailAddresses", Kind::Texts, false),
    ("phoneNumbers", Kind::Phones, true),
    ("addresses", Kind::Addresses, true),
    ("externalProfileUrl", Kind::Text { min: 1 }, true),
    ("linkedInProfileUrl", Kind::Text { min: 0 }, false),
    ("currentCompanyName", Kind::Text { min: 0 }, false),
    ("currentJobTitle", Kind::Text { min: 0 }, false),
    ("doNotContact", Kind::Flag, false),
    ("atsCreatedAt", Kind::Millis, true),
    ("atsLastModifiedAt", Kind::Millis, true),
    // P "One Click Export - Attach Person URN".
    ("manualMatchedMember", Kind::Person, false),
    // Assumed (not in LinkedIn's public examples): members never to match.
    ("unmatchedMembers", Kind::Texts, false),
];

/// `atsApplications` (P "Sync Job Applications"; R sync-applications: "Omitting a field will
/// set it to null").
pub(super) const APPLICATION: &[Field] = &[
    ("atsCandidateId", Kind::Text { min: 1 }, false),
    ("atsJobPostingId", Kind::Text { min: 1 }, false),
    ("atsJobPostingName", Kind::Text { min: 1 }, false),
    ("candidateEmail", Kind::Text { min: 0 }, false),
    ("firstName", Kind::Text { min: 1 }, false),
    ("lastName", Kind::Text { min: 0 }, false),
    ("source", Kind::Text { min: 0 }, false),
    ("dispositionReason", Kind::Text { min: 0 }, false),
    ("atsCreatedAt", Kind::Millis, true),
    ("atsLastModifiedAt", Kind::Millis, false),
];

/// `atsApplications/{key}/stages` (P "Sync Application Stages").
pub(super) const STAGE: &[Field] = &[
    ("atsCreatedAt", Kind::Millis, true),
    ("stage", Kind::Text { min: 1 }, true),
];

/// `atsCandidates/{key}/notes`, `atsApplications/{key}/notes` (P "Sync Candidate Notes",
/// "Sync Job Application Notes"; R sync-candidate-notes).
pub(super) const NOTE: &[Field] = &[
    ("atsCreatedAt", Kind::Millis, false),
    ("note", Kind::Text { min: 0 }, false),
    ("author", Kind::Actor, false),
];

/// `atsApplications/{key}/interviewFeedback` (P "Sync Application Interview Feedback").
pub(super) const FEEDBACK: &[Field] = &[
    ("atsCreatedAt", Kind::Millis, true),
    ("interviewer", Kind::Actor, false),
    ("evaluations", Kind::Evaluations, false),
    ("feedback", Kind::Text { min: 0 }, false),
];

/// A top-level batch resource: its key's fields (P, the `ids[0].…` of each request).
pub(super) struct TopResource {
    /// Path segment.
    pub name: &'static str,
    /// Every key field, in the order of LinkedIn's query.
    pub key: &'static [&'static str],
    /// The entity's fields (None: the entity is empty, `{}`).
    pub fields: Option<&'static [Field]>,
}

/// The top-level batch resources.
pub(super) const TOP: &[TopResource] = &[
    TopResource {
        name: "atsCandidates",
        key: &["atsCandidateId", "dataProvider", "integrationContext"],
        fields: Some(CANDIDATE),
    },
    TopResource {
        name: "atsApplications",
        key: &["atsJobApplicationId", "dataProvider", "integrationContext"],
        fields: Some(APPLICATION),
    },
    // P "Upsert Entity ACL": the body's entity is `{}`.
    TopResource {
        name: "atsEntityAcls",
        key: &[
            "atsEntityAclId",
            "dataProvider",
            "integrationContext",
            "atsEntityType",
            "atsEntityId",
        ],
        fields: None,
    },
    // P "Upsert Entity ACL Assignees": the assignee is part of the key, the entity `{}`.
    TopResource {
        name: "atsEntityAclAssignees",
        key: &[
            "atsEntityAclId",
            "integrationContext",
            "dataProvider",
            "assignee",
            "atsEntityType",
        ],
        fields: None,
    },
];

/// The sub-resources: (parent, segment, fields).
pub(super) const SUBS: &[(&str, &str, &[Field])] = &[
    ("atsCandidates", "notes", NOTE),
    ("atsApplications", "stages", STAGE),
    ("atsApplications", "notes", NOTE),
    ("atsApplications", "interviewFeedback", FEEDBACK),
];

fn kind_ok(kind: Kind, v: &Value) -> Result<(), String> {
    let texts = |v: &Value| {
        v.as_array()
            .is_some_and(|a| a.iter().all(|e| e.is_string()))
    };
    let object_with = |e: &Value, need: &[&str], may: &[&str]| {
        e.as_object().is_some_and(|o| {
            need.iter().all(|k| o.get(*k).is_some_and(Value::is_string))
                && o.iter().all(|(k, v)| {
                    (need.contains(&k.as_str()) || may.contains(&k.as_str())) && v.is_string()
                })
        })
    };
    let ok = match kind {
        Kind::Text { min } => v.as_str().is_some_and(|s| s.trim().chars().count() >= min),
        Kind::Millis => v.as_i64().is_some_and(|n| n > 0),
        Kind::Person => v.as_str().is_some_and(|s| s.starts_with("urn:li:person:")),
        Kind::Texts => texts(v),
        Kind::Flag => v.is_boolean(),
        Kind::Phones => v.as_array().is_some_and(|a| {
            a.iter()
                .all(|e| object_with(e, &["number"], &["extension"]))
        }),
        Kind::Addresses => v.as_array().is_some_and(|a| {
            a.iter().all(|e| {
                object_with(
                    e,
                    &[],
                    &[
                        "line1",
                        "line2",
                        "city",
                        "geographicArea",
                        "geographicAreaType",
                        "postalCode",
                        "country",
                    ],
                )
            })
        }),
        Kind::Actor => object_with(v, &["firstName", "lastName"], &[]),
        Kind::Evaluations => v.as_array().is_some_and(|a| {
            a.iter()
                .all(|e| object_with(e, &["attribute", "result"], &[]))
        }),
    };
    if ok {
        Ok(())
    } else {
        Err(match kind {
            Kind::Text { min: 0 } => "must be a string".into(),
            Kind::Text { min } => format!("must be a string of at least {min} character(s)"),
            Kind::Millis => "must be epoch milliseconds greater than 0".into(),
            Kind::Person => "must be an urn:li:person URN".into(),
            Kind::Texts => "must be an array of strings".into(),
            Kind::Flag => "must be a boolean".into(),
            Kind::Phones => "must be an array of {number, extension} objects".into(),
            Kind::Addresses => "must be an array of address objects".into(),
            Kind::Actor => "must be {firstName, lastName}".into(),
            Kind::Evaluations => "must be an array of {attribute, result} objects".into(),
        })
    }
}

/// Where `entity` breaks `fields`: each problem as "field: why"; empty when it conforms.
/// `null` is taken for an omitted optional field.
pub(super) fn problems(fields: &[Field], entity: &Value) -> Vec<String> {
    let Some(o) = entity.as_object() else {
        return vec!["the entity must be a JSON object".into()];
    };
    let mut out: Vec<String> = o
        .keys()
        .filter(|k| !fields.iter().any(|(f, _, _)| f == k))
        .map(|k| format!("{k}: not a field of this resource"))
        .collect();
    for (name, kind, required) in fields {
        match o.get(*name) {
            None | Some(Value::Null) if *required => out.push(format!("{name}: required")),
            None | Some(Value::Null) => {}
            Some(v) => {
                if let Err(why) = kind_ok(*kind, v) {
                    out.push(format!("{name}: {why}"));
                }
            }
        }
    }
    // R (release notes 2021-11): atsLastModifiedAt ≥ atsCreatedAt.
    if let (Some(c), Some(m)) = (
        o.get("atsCreatedAt").and_then(Value::as_i64),
        o.get("atsLastModifiedAt").and_then(Value::as_i64),
    ) && m < c
    {
        out.push("atsLastModifiedAt: must not be before atsCreatedAt".into());
    }
    out
}
