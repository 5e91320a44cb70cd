//! Recruitee API client (home side of C5), as in vendor-contracts.md and
//! docs/contracts/recruitee.md: base `…/c/{company_id}`, `Authorization: Bearer <personal
//! API token>`, candidates paged newest first by limit/offset (the only order and paging
//! docs.recruitee.com/reference/candidates-get documents), one candidate, its notes and
//! interview results, the offers (jobs), a candidate found by email or profile link through
//! the search (fuzzy: matched exactly here) and the team's memberships, page by page.
//! Recruitee publishes no rate limit: a conservative configurable one is enforced before
//! sending, and 429 is honoured.

use crate::http::{Ambiguity, Call, HttpConfig, Reply, VendorClient, VendorError};
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use std::time::Duration;

mod search;
mod team;
pub use search::{profile_key, same_email, same_profile};
pub use team::{MEMBERSHIP_PAGE, Membership};

const VENDOR: &str = "Recruitee";

/// Candidates per page of a sync.
pub const PAGE_SIZE: u32 = 100;

/// Where a deployed stack may call Recruitee: its API host (docs.recruitee.com).
pub const HOSTS: &[renkei_core::outbound::HostPattern] = &["api.recruitee.com"];

/// The production API base of a company.
pub fn base_url(company_id: &str) -> String {
    format!("https://api.recruitee.com/c/{company_id}")
}

/// A candidate's placement: the candidate on one offer, at one stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    /// Placement id.
    pub id: u64,
    /// The offer (job).
    pub offer_id: u64,
    /// The pipeline stage it is at (None: not yet in the pipeline).
    #[serde(default)]
    pub stage: Option<Stage>,
    /// When the candidate was disqualified on this offer (None: still in the running).
    #[serde(default)]
    pub disqualified_at: Option<DateTime<Utc>>,
    /// Why.
    #[serde(default)]
    pub disqualify_reason: Option<String>,
    /// When placed.
    pub created_at: DateTime<Utc>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

/// A pipeline stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    /// Stage id.
    pub id: u64,
    /// Its name in the pipeline.
    pub name: String,
    /// Recruitee's category (apply, phone_screen, interview, evaluation, offer, hire, …).
    #[serde(default)]
    pub category: Option<String>,
}

/// A candidate as Recruitee answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// Candidate id.
    pub id: u64,
    /// Full name.
    #[serde(default)]
    pub name: String,
    /// Email addresses.
    #[serde(default)]
    pub emails: Vec<String>,
    /// Phone numbers.
    #[serde(default)]
    pub phones: Vec<String>,
    /// Profile links (e.g. the LinkedIn profile URL).
    #[serde(default)]
    pub social_links: Vec<String>,
    /// Where the candidate came from.
    #[serde(default)]
    pub source: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change (a note, a move or an edit).
    pub updated_at: DateTime<Utc>,
    /// The candidate's placements.
    #[serde(default)]
    pub placements: Vec<Placement>,
}

/// A candidate to create (`POST /candidates`) or the fields to change (`PATCH`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCandidate {
    /// Full name.
    pub name: String,
    /// Email addresses.
    pub emails: Vec<String>,
    /// Phone numbers.
    pub phones: Vec<String>,
    /// Profile links.
    pub social_links: Vec<String>,
    /// Where the candidate came from.
    pub source: String,
}

/// A note on a candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Note id.
    pub id: u64,
    /// Its text.
    #[serde(default)]
    pub body: String,
    /// Who wrote it.
    #[serde(default)]
    pub author: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// An interview result (feedback of one interviewer on one placement).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterviewResult {
    /// Result id.
    pub id: u64,
    /// The placement it is about.
    #[serde(default)]
    pub placement_id: Option<u64>,
    /// The interviewer's rating (strong_no, no, yes, strong_yes).
    #[serde(default)]
    pub rating: Option<String>,
    /// The written feedback.
    #[serde(default)]
    pub body: String,
    /// The interviewer.
    #[serde(default)]
    pub author: Option<String>,
    /// When submitted.
    pub created_at: DateTime<Utc>,
}

/// An offer (a job).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    /// Offer id.
    pub id: u64,
    /// Job title.
    pub title: String,
    /// draft, published, internal, closed, archived.
    pub status: String,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// ISO country code.
    #[serde(default)]
    pub country_code: Option<String>,
    /// Description (HTML).
    #[serde(default)]
    pub description: Option<String>,
    /// The public job page.
    #[serde(default)]
    pub careers_url: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct CandidatesReply {
    candidates: Vec<Candidate>,
}

#[derive(Deserialize)]
struct CandidateReply {
    candidate: Candidate,
}
#[derive(Deserialize)]
struct NotesReply {
    notes: Vec<Note>,
}
#[derive(Deserialize)]
struct ResultsReply {
    interview_results: Vec<InterviewResult>,
}
#[derive(Deserialize)]
struct OffersReply {
    offers: Vec<Offer>,
}

/// Recruitee tunables.
#[derive(Debug, Clone)]
pub struct RecruiteeConfig {
    /// HTTP base (`…/c/{company_id}`).
    pub http: HttpConfig,
}

impl RecruiteeConfig {
    /// Against `base_url` (the company's, ending in `/c/{company_id}`), at most `per_minute`
    /// requests a minute (None: unlimited).
    pub fn new(base_url: &str, per_minute: Option<u32>) -> Self {
        Self {
            http: HttpConfig {
                base_url: base_url.trim_end_matches('/').to_string(),
                timeout: Duration::from_secs(30),
                retry: Default::default(),
                limit: per_minute.map(|n| (n, Duration::from_secs(60))),
                write_limit: None,
            },
        }
    }
}

/// The Recruitee client of one company.
#[derive(Debug)]
pub struct RecruiteeClient {
    base: VendorClient,
    token: String,
}

impl crate::http::RunBound for RecruiteeClient {
    fn base(&mut self) -> &mut VendorClient {
        &mut self.base
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &str, what: &str) -> Result<T, VendorError> {
    crate::http::parse_json(VENDOR, body, what)
}

impl RecruiteeClient {
    /// A client for the company at `config`'s base with a personal API token.
    pub fn new(config: RecruiteeConfig, token: &str) -> Result<Self, VendorError> {
        let mut base = VendorClient::new(VENDOR, config.http)?;
        base.set_credential(token);
        Ok(Self {
            base,
            token: token.to_string(),
        })
    }

    /// Request counters.
    pub fn stats(&self) -> &crate::http::Stats {
        &self.base.stats
    }

    /// An authenticated read; 401/403 is the token (revoked, or of another company).
    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Reply, VendorError> {
        let reply = self
            .base
            .send(Call::read(), || {
                self.base
                    .request(Method::GET, path)
                    .query(query)
                    .bearer_auth(&self.token)
            })
            .await?;
        if reply.status == StatusCode::UNAUTHORIZED || reply.status == StatusCode::FORBIDDEN {
            return Err(VendorError::Auth {
                vendor: VENDOR,
                message: "the personal API token was refused (Settings > Apps and plugins > Personal API tokens: create one for this company)".into(),
            });
        }
        Ok(reply)
    }

    /// One page of candidates, newest first (`sort=by_date`, Recruitee's default). There is
    /// no documented ascending order and no `updated_after`: candidates created while a
    /// caller pages move the later pages (see the connector's pass).
    pub async fn candidates(&self, offset: u64, limit: u32) -> Result<Vec<Candidate>, VendorError> {
        let q = [
            ("limit", limit.to_string()),
            ("offset", offset.to_string()),
            ("sort", "by_date".to_string()),
        ];
        let reply = self.get("/candidates", &q).await?;
        Ok(parse::<CandidatesReply>(&reply.body, "candidates")?.candidates)
    }

    /// One candidate; None when Recruitee has it no more (deleted).
    pub async fn candidate(&self, id: u64) -> Result<Option<Candidate>, VendorError> {
        match self.get(&format!("/candidates/{id}"), &[]).await {
            Ok(reply) => Ok(Some(
                parse::<CandidateReply>(&reply.body, "candidate")?.candidate,
            )),
            Err(VendorError::Permanent { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A candidate's notes (a deleted candidate has none).
    pub async fn notes(&self, candidate: u64) -> Result<Vec<Note>, VendorError> {
        match self
            .get(&format!("/candidates/{candidate}/notes"), &[])
            .await
        {
            Ok(reply) => Ok(parse::<NotesReply>(&reply.body, "notes")?.notes),
            Err(VendorError::Permanent { status: 404, .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// A candidate's interview results.
    pub async fn interview_results(
        &self,
        candidate: u64,
    ) -> Result<Vec<InterviewResult>, VendorError> {
        let q = [("candidate_id", candidate.to_string())];
        let reply = self.get("/interview/results", &q).await?;
        Ok(parse::<ResultsReply>(&reply.body, "interview results")?.interview_results)
    }

    /// A write; 401/403 is the token, 422 names what Recruitee refused.
    async fn write(
        &self,
        method: Method,
        path: &str,
        body: &serde_json::Value,
        ambiguity: Ambiguity,
    ) -> Result<Reply, VendorError> {
        let reply = self
            .base
            .send(Call::write(ambiguity), || {
                self.base
                    .request(method.clone(), path)
                    .json(body)
                    .bearer_auth(&self.token)
            })
            .await?;
        if reply.status == StatusCode::UNAUTHORIZED || reply.status == StatusCode::FORBIDDEN {
            return Err(VendorError::Auth {
                vendor: VENDOR,
                message: "the personal API token was refused for a write (its member needs the right to add candidates)".into(),
            });
        }
        Ok(reply)
    }

    /// Creates a candidate on `offers`. Not retried when Recruitee may have created it: the
    /// caller finds it by email or profile link instead.
    pub async fn create_candidate(
        &self,
        c: &NewCandidate,
        offers: &[u64],
    ) -> Result<Candidate, VendorError> {
        let body = serde_json::json!({"candidate": c, "offers": offers});
        let reply = self
            .write(Method::POST, "/candidates", &body, Ambiguity::DoNotRetry)
            .await?;
        Ok(parse::<CandidateReply>(&reply.body, "candidate")?.candidate)
    }

    /// Changes a candidate's contact fields (the whole lists are replaced).
    pub async fn update_candidate(
        &self,
        id: u64,
        c: &NewCandidate,
    ) -> Result<Candidate, VendorError> {
        let body = serde_json::json!({"candidate": {"emails": c.emails, "phones": c.phones,
            "social_links": c.social_links}});
        let reply = self
            .write(
                Method::PATCH,
                &format!("/candidates/{id}"),
                &body,
                Ambiguity::Retry,
            )
            .await?;
        Ok(parse::<CandidateReply>(&reply.body, "candidate")?.candidate)
    }

    /// Adds a job to a candidate (a placement). One that exists already is not an error.
    pub async fn assign(&self, candidate: u64, offer: u64) -> Result<(), VendorError> {
        let body = serde_json::json!({"candidate_id": candidate, "offer_id": offer});
        match self
            .write(Method::POST, "/placements", &body, Ambiguity::DoNotRetry)
            .await
        {
            Ok(_) => Ok(()),
            Err(VendorError::Permanent {
                status: 422,
                message,
                ..
            }) if message.contains("already assigned") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Every offer (jobs of all statuses).
    pub async fn offers(&self) -> Result<Vec<Offer>, VendorError> {
        let reply = self.get("/offers", &[]).await?;
        Ok(parse::<OffersReply>(&reply.body, "offers")?.offers)
    }
}
