//! LinkedIn RSC's vocabulary: the API generation, the sync resources and their entities,
//! per-entity statuses, contracts and activation. The client is in `mod.rs`.

use reqwest::RequestBuilder;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Entities per batch call.
pub const MAX_BATCH: usize = 100;
/// Records per minute per application.
pub const RECORDS_PER_MINUTE: u32 = 10_000;
/// Requests per day per application.
pub const REQUESTS_PER_DAY: u32 = 100_000;

/// Every LinkedIn address renkei calls, in one place (docs/contracts/linkedin.md cites
/// each): the API generation and protocol are [`Api`]'s, the sync resources' names
/// [`Resource::name`] and [`SubResource::name`], and these.
pub mod names {
    /// OAuth 2.0 token endpoint (client credentials and authorization code), on the OAuth
    /// host.
    pub const ACCESS_TOKEN: &str = "/oauth/v2/accessToken";
    /// Where a member authorizes an application, on the OAuth host.
    pub const AUTHORIZATION: &str = "/oauth/v2/authorization";
    /// The OpenID Connect userinfo of a member token (`sub`).
    pub const USERINFO: &str = "userinfo";
    /// The partner's child applications.
    pub const PROVISIONED_APPLICATIONS: &str = "provisionedApplications";
    /// A customer's integrations (and, under one, `configurations`).
    pub const INTEGRATIONS: &str = "atsIntegrations";
    /// An integration's configurations (CALLBACK_URL).
    pub const CONFIGURATIONS: &str = "configurations";
    /// Jobs.
    pub const JOB_POSTINGS: &str = "simpleJobPostings";
    /// The tasks behind job writes.
    pub const JOB_POSTING_TASKS: &str = "simpleJobPostingTasks";
    /// One Click Export requests.
    pub const EXPORTED_CANDIDATES: &str = "exportedCandidates";
    /// Recruiter seat holders.
    pub const SEATS: &str = "seatsV2";
    /// InMail stub profiles.
    pub const MAIL_STUBS: &str = "mailStubs";
    /// A synced candidate's matched members (assumed: not published).
    pub const MATCHED_MEMBERS: &str = "matchedMembers";
    /// Member search by title and company (assumed: not published).
    pub const MEMBER_SEARCH: &str = "memberSearch";
}

/// Which API generation: the one place paths and the version header are chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

/// A rest.li complex key: its fields in the order renkei writes them. LinkedIn's examples
/// write keys unencoded (`atsCandidateId=7&dataProvider=ATS&integrationContext=urn:li:…`);
/// an answer may order or encode them otherwise, so answers are matched by
/// [`Key::decoded`], never by the exact string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(Vec<(&'static str, String)>);

impl Key {
    /// The key as a body's `entities` and a sub-resource's path name it.
    pub fn encode(&self) -> String {
        self.0
            .iter()
            .map(|(f, v)| format!("{f}={}", encode_value(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Its fields as a set: what two spellings of one key share.
    pub fn decoded(&self) -> BTreeMap<String, String> {
        self.0
            .iter()
            .map(|(f, v)| ((*f).to_string(), v.clone()))
            .collect()
    }

    /// Its fields as the `i`th of a batch query (`ids[i].field=value`).
    fn query(&self, i: usize, q: &mut Vec<(String, String)>) {
        for (f, v) in &self.0 {
            q.push((format!("ids[{i}].{f}"), v.clone()));
        }
    }
}

/// A key as an answer spells it, as a set of fields (percent-decoded, any order); a simple
/// key (a sub-resource's id) is the one field `""`.
pub fn decode_key(s: &str) -> BTreeMap<String, String> {
    if !s.contains('=') {
        let id = url::form_urlencoded::parse(format!("={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        return BTreeMap::from([(String::new(), id)]);
    }
    url::form_urlencoded::parse(s.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Percent-encodes what rest.li reserves in a key's value (`&`, `=`, `/`, `%`, `,`, `(`,
/// `)`, `'`, spaces…); `:` stays, as in LinkedIn's URNs.
fn encode_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' => {
                out.push(b as char);
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A top-level batch resource of the sync (Postman collection, modules 2, 4 and 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// `atsCandidates`, keyed by `atsCandidateId`.
    Candidates,
    /// `atsApplications`, keyed by `atsJobApplicationId`; deleting one removes its
    /// sub-resources.
    Applications,
    /// Which ACL group may see which job (`atsEntityAcls`): ids are `"{aclId}|{jobId}"`.
    EntityAcls,
    /// Which member is in which ACL group (`atsEntityAclAssignees`): ids are
    /// `"{aclId}|urn:li:person:{id}"`.
    AclAssignees,
}

impl Resource {
    /// The resource's path segment.
    pub fn name(self) -> &'static str {
        match self {
            Resource::Candidates => "atsCandidates",
            Resource::Applications => "atsApplications",
            Resource::EntityAcls => "atsEntityAcls",
            Resource::AclAssignees => "atsEntityAclAssignees",
        }
    }

    /// The key of entity `id` in `context`, with the fields in the order of LinkedIn's
    /// examples.
    pub fn key(self, id: &str, context: &str) -> Key {
        let ats = |f: &'static str| {
            Key(vec![
                (f, id.to_string()),
                ("dataProvider", "ATS".into()),
                ("integrationContext", context.to_string()),
            ])
        };
        let acl = |second: &'static str| {
            let (acl, other) = id.split_once('|').unwrap_or((id, ""));
            Key(vec![
                ("atsEntityAclId", acl.to_string()),
                ("dataProvider", "ATS".into()),
                ("integrationContext", context.to_string()),
                ("atsEntityType", "JOB_POSTING".into()),
                (second, other.to_string()),
            ])
        };
        match self {
            Resource::Candidates => ats("atsCandidateId"),
            Resource::Applications => ats("atsJobApplicationId"),
            Resource::EntityAcls => acl("atsEntityId"),
            Resource::AclAssignees => acl("assignee"),
        }
    }

    /// The `ids[i]….` query of a batch.
    pub(super) fn query(self, ids: &[&str], context: &str) -> Vec<(String, String)> {
        let mut q = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            self.key(id, context).query(i, &mut q);
        }
        q
    }
}

/// A collection under one candidate or application (`{parent}/{parent key}/{name}`),
/// keyed by the ATS's own id of each entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubResource {
    /// A candidate's notes (`atsCandidates/{key}/notes`).
    CandidateNotes,
    /// The stages an application went through (`atsApplications/{key}/stages`).
    ApplicationStages,
    /// An application's notes (`atsApplications/{key}/notes`).
    ApplicationNotes,
    /// An application's interview feedback (`atsApplications/{key}/interviewFeedback`).
    InterviewFeedback,
}

impl SubResource {
    /// The resource it hangs off.
    pub fn parent(self) -> Resource {
        match self {
            SubResource::CandidateNotes => Resource::Candidates,
            _ => Resource::Applications,
        }
    }

    /// Its path segment.
    pub fn name(self) -> &'static str {
        match self {
            SubResource::CandidateNotes | SubResource::ApplicationNotes => "notes",
            SubResource::ApplicationStages => "stages",
            SubResource::InterviewFeedback => "interviewFeedback",
        }
    }

    /// The path of the collection under parent `parent_id`.
    pub fn path(self, parent_id: &str, context: &str) -> String {
        format!(
            "{}/{}/{}",
            self.parent().name(),
            self.parent().key(parent_id, context).encode(),
            self.name()
        )
    }
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ChildApp {
    /// Its client id.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
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
    /// Each key's status, in order: 2xx Done (a 404 too when `deleting`: gone is gone),
    /// other 4xx Refused, 5xx or no status at all Failed. Keys are matched by their fields
    /// (LinkedIn may order or encode them otherwise than renkei sent them); an error entry
    /// wins over a result for the same key.
    pub(super) fn statuses(
        &self,
        keys: &[BTreeMap<String, String>],
        deleting: bool,
    ) -> Vec<EntityStatus> {
        // Two spellings of one key in one part of the answer: read only when they agree.
        fn index(m: &HashMap<String, Value>) -> HashMap<BTreeMap<String, String>, Vec<&Value>> {
            let mut out: HashMap<BTreeMap<String, String>, Vec<&Value>> = HashMap::new();
            for (k, v) in m {
                out.entry(decode_key(k)).or_default().push(v);
            }
            out
        }
        let (errors, results) = (index(&self.errors), index(&self.results));
        keys.iter()
            .map(|key| {
                let Some(entries) = errors.get(key).or_else(|| results.get(key)) else {
                    return EntityStatus::Failed("no status for it in LinkedIn's answer".into());
                };
                let e = entries[0];
                if entries.iter().any(|x| x["status"] != e["status"]) {
                    return EntityStatus::Failed("LinkedIn answered it twice, differently".into());
                }
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
