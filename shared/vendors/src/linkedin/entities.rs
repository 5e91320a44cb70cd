//! The entities of RSC's sync as LinkedIn's examples write them (Postman collection,
//! required-fields; docs/contracts/linkedin.md): jobs, candidates, applications, stages,
//! notes and interview feedback.

use serde::{Deserialize, Serialize};

/// How a job is offered on LinkedIn (sync-jobs; Postman "Create Public/Private Job").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Availability {
    /// Published on LinkedIn.
    Public,
    /// Seen only by the customer's recruiters through the integration.
    PrivateToAtsIntegration,
}

/// Whether a job takes applications (sync-jobs: required).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobState {
    /// Open.
    Listed,
    /// Closed.
    Closed,
}

/// What a `simpleJobPostings` element asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobOperation {
    /// A job LinkedIn does not hold yet.
    Create,
    /// A job it holds.
    Update,
    /// Closing a job it holds.
    Close,
}

/// A job as RSC takes it (`simpleJobPostings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobPosting {
    /// The ATS's job id.
    pub external_job_posting_id: String,
    /// The customer's integration context.
    pub integration_context: String,
    /// CREATE, UPDATE or CLOSE (None until the sender knows whether LinkedIn holds it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_posting_operation_type: Option<JobOperation>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// "City, CC".
    pub location: String,
    /// PUBLIC or PRIVATE_TO_ATS_INTEGRATION.
    pub availability: Availability,
    /// LISTED or CLOSED.
    pub state: JobState,
    /// The public job page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_apply_url: Option<String>,
    /// Created (epoch ms).
    pub listed_at: i64,
}

/// A phone number (required-fields: an object, not a string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneNumber {
    /// The number as the ATS holds it.
    pub number: String,
    /// Its extension, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
}

/// A postal address (Postman "Sync Candidates").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// Street line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geographic_area: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// ISO country code, lowercase (`"us"` in LinkedIn's example).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A candidate as RSC takes it (Postman "Sync Candidates"; required-fields).
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
    pub phone_numbers: Vec<PhoneNumber>,
    /// Addresses (required: sent empty when the ATS holds none).
    pub addresses: Vec<Address>,
    /// The candidate's page in the ATS (required).
    pub external_profile_url: String,
    /// Current employer, when the ATS knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_company_name: Option<String>,
    /// Current title, when the ATS knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_job_title: Option<String>,
    /// Created in the ATS (epoch ms).
    pub ats_created_at: i64,
    /// Changed in the ATS (epoch ms).
    pub ats_last_modified_at: i64,
    /// The member a recruiter chose for this candidate (C5.8; Postman "One Click Export -
    /// Attach Person URN"); absent: LinkedIn matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_matched_member: Option<String>,
    /// Members a recruiter said are not this candidate (assumed: not in LinkedIn's public
    /// examples).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmatched_members: Vec<String>,
}

/// An application (Postman "Sync Job Applications"). A batch_update replaces the entity,
/// so every field is sent; text LinkedIn's example leaves empty is sent as `""`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AtsApplication {
    /// The candidate's atsCandidateId.
    pub ats_candidate_id: String,
    /// The job's externalJobPostingId.
    pub ats_job_posting_id: String,
    /// The job's title.
    pub ats_job_posting_name: String,
    /// The candidate's email ("" when it has none).
    pub candidate_email: String,
    /// The candidate's given name.
    pub first_name: String,
    /// The candidate's family name.
    pub last_name: String,
    /// Where the application came from ("" when unknown).
    pub source: String,
    /// Why it was turned down ("" while it is not).
    pub disposition_reason: String,
    /// Created in the ATS (epoch ms).
    pub ats_created_at: i64,
    /// Changed in the ATS (epoch ms).
    pub ats_last_modified_at: i64,
}

/// A stage an application reached (`stages`, keyed by the ATS's stage id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AtsStage {
    /// When reached (epoch ms).
    pub ats_created_at: i64,
    /// The stage's name.
    pub stage: String,
}

/// A person named on a note or feedback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
}

impl Person {
    /// "Ana van Dijk" → Ana / van Dijk; one word is a first name.
    pub fn from_name(name: &str) -> Self {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        let (first, last) = match name.split_once(' ') {
            Some((f, l)) => (f.to_string(), l.to_string()),
            None => (name, String::new()),
        };
        Self {
            first_name: first,
            last_name: last,
        }
    }
}

/// A note on a candidate or an application (`notes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AtsNote {
    /// Written (epoch ms).
    pub ats_created_at: i64,
    /// Text.
    pub note: String,
    /// Who wrote it.
    pub author: Person,
}

/// One rated attribute of interview feedback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// What was rated.
    pub attribute: String,
    /// The rating.
    pub result: String,
}

/// Interview feedback on an application (`interviewFeedback`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AtsFeedback {
    /// Submitted (epoch ms).
    pub ats_created_at: i64,
    /// Who interviewed.
    pub interviewer: Person,
    /// Ratings.
    pub evaluations: Vec<Evaluation>,
    /// Text.
    pub feedback: String,
}
