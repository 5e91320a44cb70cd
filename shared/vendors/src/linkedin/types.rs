//! LinkedIn RSC's vocabulary: the API generation, the sync resources and their entities,
//! per-entity statuses, contracts and activation. The client is in `mod.rs`.

use reqwest::RequestBuilder;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// Entities per batch call.
pub const MAX_BATCH: usize = 100;
/// Records per minute per application.
pub const RECORDS_PER_MINUTE: u32 = 10_000;
/// Requests per day per application.
pub const REQUESTS_PER_DAY: u32 = 100_000;
/// The integrations a customer's RSC needs.
pub const INTEGRATION_TYPES: &[&str] = &["ONE_CLICK_EXPORT", "IN_ATS_INDICATOR", "PROFILE_PLUGIN"];

/// Which API generation: the one place paths and the version header are chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "api")]
pub enum Api {
    /// `/v2/{resource}`.
    V2,
    /// `/rest/{resource}` with `LinkedIn-Version: {version}` (YYYYMM).
    Rest {
        /// YYYYMM.
        version: String,
    },
}

impl Api {
    pub(super) fn path(&self, resource: &str) -> String {
        match self {
            Api::V2 => format!("/v2/{resource}"),
            Api::Rest { .. } => format!("/rest/{resource}"),
        }
    }

    pub(super) fn headers(&self, rb: RequestBuilder) -> RequestBuilder {
        let rb = rb.header("X-Restli-Protocol-Version", "1.0.0");
        match self {
            Api::V2 => rb,
            Api::Rest { version } => rb.header("LinkedIn-Version", version.as_str()),
        }
    }
}

/// The customer's integration context: `urn:li:organization:{id}`.
pub fn integration_context(organization: &str) -> String {
    format!("urn:li:organization:{organization}")
}

/// A batch resource of the sync, with the name of its key's id field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// `atsCandidates` (atsCandidateId).
    Candidates,
    /// `atsApplications` (atsApplicationId); deleting one removes its sub-resources.
    Applications,
    /// An application's stage (`atsApplicationStages`, atsStageId).
    Stages,
    /// An application's notes (`atsApplicationNotes`, atsNoteId).
    Notes,
    /// An application's interview feedback (`atsInterviewFeedbacks`, atsFeedbackId).
    Feedback,
    /// Which ACL group may see which job (`atsEntityAcls`): ids are `"{aclId}|{jobId}"`.
    EntityAcls,
    /// Which user is in which ACL group (`atsEntityAclAssignees`): ids are
    /// `"{aclId}|{atsUserId}"`.
    AclAssignees,
}

impl Resource {
    /// The resource's path segment.
    pub fn name(self) -> &'static str {
        match self {
            Resource::Candidates => "atsCandidates",
            Resource::Applications => "atsApplications",
            Resource::Stages => "atsApplicationStages",
            Resource::Notes => "atsApplicationNotes",
            Resource::Feedback => "atsInterviewFeedbacks",
            Resource::EntityAcls => "atsEntityAcls",
            Resource::AclAssignees => "atsEntityAclAssignees",
        }
    }

    /// Its key's id field.
    pub fn id_field(self) -> &'static str {
        match self {
            Resource::Candidates => "atsCandidateId",
            Resource::Applications => "atsApplicationId",
            Resource::Stages => "atsStageId",
            Resource::Notes => "atsNoteId",
            Resource::Feedback => "atsFeedbackId",
            Resource::EntityAcls | Resource::AclAssignees => "atsEntityAclId",
        }
    }

    /// An ACL resource's second key field (the entity, or the user); None for the others.
    fn second_field(self) -> Option<&'static str> {
        match self {
            Resource::EntityAcls => Some("atsEntityId"),
            Resource::AclAssignees => Some("atsUserId"),
            _ => None,
        }
    }

    /// The rest.li key of entity `id` (as the batch body and answer name it).
    pub fn key(self, id: &str, context: &str) -> String {
        match self.second_field() {
            Some(second) => {
                let (acl, other) = id.split_once('|').unwrap_or((id, ""));
                format!(
                    "atsEntityAclId={acl}&dataProvider=ATS&integrationContext={context}&{second}={other}&atsEntityType=JOB_POSTING"
                )
            }
            None => format!(
                "{}={id}&dataProvider=ATS&integrationContext={context}",
                self.id_field()
            ),
        }
    }

    /// The `ids[i]….` query of a batch.
    pub(super) fn query(self, ids: &[&str], context: &str) -> Vec<(String, String)> {
        let mut q = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let (first, other) = match self.second_field() {
                Some(_) => id.split_once('|').unwrap_or((id, "")),
                None => (*id, ""),
            };
            q.push((format!("ids[{i}].{}", self.id_field()), first.to_string()));
            q.push((format!("ids[{i}].dataProvider"), "ATS".into()));
            q.push((format!("ids[{i}].integrationContext"), context.into()));
            if let Some(second) = self.second_field() {
                q.push((format!("ids[{i}].{second}"), other.to_string()));
                q.push((format!("ids[{i}].atsEntityType"), "JOB_POSTING".into()));
            }
        }
        q
    }
}

/// A job as RSC takes it (`simpleJobPostings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobPosting {
    /// The ATS's job id.
    pub external_job_posting_id: String,
    /// The customer's integration context.
    pub integration_context: String,
    /// CREATE, UPDATE or CLOSE.
    pub job_posting_operation_type: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// "City, CC".
    pub location: String,
    /// PUBLIC (published) or INTERNAL.
    pub availability: String,
    /// The public job page.
    pub company_apply_url: Option<String>,
    /// Created (epoch ms).
    pub listed_at: i64,
}

/// A candidate as RSC takes it. Every field is sent, empty ones as null.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AtsCandidate {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Emails.
    pub email_addresses: Vec<String>,
    /// Phones.
    pub phone_numbers: Vec<String>,
    /// Source.
    pub source: Option<String>,
    /// Created (epoch ms).
    pub created_at: i64,
    /// Changed (epoch ms).
    pub last_modified_at: i64,
    /// The member a recruiter chose for this candidate (C5.8); absent: LinkedIn matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_matched_member: Option<String>,
    /// Members a recruiter said are not this candidate (never matched to it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmatched_members: Vec<String>,
}

/// An application. LinkedIn nulls any field an update omits, so every one is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AtsApplication {
    /// The candidate's atsCandidateId.
    pub candidate: String,
    /// The job's externalJobPostingId.
    pub job: String,
    /// ACTIVE, REJECTED or HIRED.
    pub state: String,
    /// Why rejected (null otherwise).
    pub rejection_reason: Option<String>,
    /// The current stage's name (null before the pipeline).
    pub current_stage: Option<String>,
    /// Created (epoch ms).
    pub created_at: i64,
    /// Changed (epoch ms).
    pub last_modified_at: i64,
}

/// An application's stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AtsStage {
    /// The atsApplicationId.
    pub application: String,
    /// Stage name.
    pub stage_name: String,
    /// Its category.
    pub category: Option<String>,
    /// When reached (epoch ms).
    pub changed_at: i64,
}

/// A note on an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AtsNote {
    /// The atsApplicationId.
    pub application: String,
    /// Text.
    pub body: String,
    /// Author.
    pub author: Option<String>,
    /// Written (epoch ms).
    pub created_at: i64,
}

/// Interview feedback on an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AtsFeedback {
    /// The atsApplicationId.
    pub application: String,
    /// Rating.
    pub rating: Option<String>,
    /// Text.
    pub body: String,
    /// Interviewer.
    pub author: Option<String>,
    /// Submitted (epoch ms).
    pub submitted_at: i64,
}

/// One entity's fate in a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntityStatus {
    /// Done (2xx; a delete of an entity LinkedIn does not hold counts as done).
    Done,
    /// Refused (4xx): this entity will be refused again.
    Refused {
        /// HTTP status.
        status: u16,
        /// LinkedIn's message.
        message: String,
    },
    /// Not done this time (5xx or no answer for it): send it again.
    Failed(String),
}

/// A customer's child application, as provisioned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildApp {
    /// Its client id.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
}

/// A Recruiter contract of a customer with the permissions of its users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    /// Contract id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// RECRUITER_CORPORATE, RECRUITER_PROFESSIONAL_SERVICES or RECRUITER_LITE.
    #[serde(rename = "type")]
    pub kind: String,
    /// Member (email) → permissions (ADMIN, PRODUCT_SETTINGS, RECRUITER, …).
    #[serde(default)]
    pub users: HashMap<String, Vec<String>>,
}

impl Contract {
    /// C5.1: whether RSC may run on this contract (Corporate and RPS, not Lite).
    pub fn eligible(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "RECRUITER_CORPORATE" | "RECRUITER_PROFESSIONAL_SERVICES"
        )
    }

    /// C5.1: whether `member` may enable integrations (admin or product settings).
    pub fn may_enable(&self, member: &str) -> bool {
        self.users
            .iter()
            .find(|(m, _)| m.eq_ignore_ascii_case(member))
            .is_some_and(|(_, p)| p.iter().any(|p| p == "ADMIN" || p == "PRODUCT_SETTINGS"))
    }
}

/// Where LinkedIn stands on enabling a customer's integrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// LinkedIn is still enabling.
    Pending,
    /// Every integration is active.
    Active,
    /// LinkedIn refused or failed one.
    Failed,
}

/// LinkedIn tunables.
#[derive(Debug, Clone)]
pub struct LinkedinConfig {
    /// API base (`https://api.linkedin.com`).
    pub api_url: String,
    /// OAuth base (`https://www.linkedin.com`).
    pub oauth_url: String,
    /// `/v2/` or `/rest/`.
    pub api: Api,
    /// Records per window (None: no records limit).
    pub records: Option<(u32, Duration)>,
}

impl LinkedinConfig {
    /// Production defaults on `/v2/` with the 10,000 records per minute limit; `time_scale`
    /// shortens the minute for benchmarks against a time-scaled sandbox.
    pub fn new(api_url: &str, oauth_url: &str, time_scale: f64) -> Self {
        Self {
            api_url: api_url.trim_end_matches('/').to_string(),
            oauth_url: oauth_url.trim_end_matches('/').to_string(),
            api: Api::V2,
            records: Some((
                RECORDS_PER_MINUTE,
                Duration::from_secs_f64(60.0 / time_scale.max(0.001)),
            )),
        }
    }
}

/// A rest.li batch answer: per entity key, its status (in `results` or `errors`).
#[derive(Deserialize)]
pub(super) struct BatchReply {
    #[serde(default)]
    results: HashMap<String, Value>,
    #[serde(default)]
    errors: HashMap<String, Value>,
}

impl BatchReply {
    /// Each of `ids`' status, in order: 2xx Done (a 404 too when `deleting`: gone is
    /// gone), other 4xx Refused, 5xx or no status at all Failed.
    pub(super) fn statuses(
        &self,
        resource: Resource,
        ids: &[&str],
        context: &str,
        deleting: bool,
    ) -> Vec<EntityStatus> {
        ids.iter()
            .map(|id| {
                let key = resource.key(id, context);
                let entry = self.errors.get(&key).or_else(|| self.results.get(&key));
                let Some(e) = entry else {
                    return EntityStatus::Failed("no status for it in LinkedIn's answer".into());
                };
                // A status that is no HTTP status (65736 would wrap to 200) is a failure.
                let status = e["status"]
                    .as_u64()
                    .and_then(|s| u16::try_from(s).ok())
                    .unwrap_or(500);
                match status {
                    200..=299 => EntityStatus::Done,
                    404 if deleting => EntityStatus::Done,
                    400..=499 => EntityStatus::Refused {
                        status,
                        message: message(e),
                    },
                    _ => EntityStatus::Failed(format!("HTTP {status}: {}", message(e))),
                }
            })
            .collect()
    }
}

/// LinkedIn's message of an error or status entry.
pub(super) fn message(v: &Value) -> String {
    v.get("message")
        .and_then(Value::as_str)
        .unwrap_or("no message")
        .to_string()
}
