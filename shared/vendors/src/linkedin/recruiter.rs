//! The LinkedIn → ATS calls of RSC (C5.4–C5.8): a member's authorization (OAuth code flow,
//! OpenID Connect `GET /v2/userinfo`), the export request behind an EXPORT_CANDIDATE_PROFILE notification,
//! InMail mail stubs, a candidate's matched members and the member search.

use super::*;
use crate::http::{Ambiguity, CallKind};

/// The scopes a team member grants (C5.4): Sign In with LinkedIn using OpenID Connect, the
/// only sign-in LinkedIn gives new applications (`r_liteprofile` is deprecated since
/// 2023-08-01); the member's id is `sub` of `GET /v2/userinfo`.
pub const MEMBER_SCOPES: &str = "openid profile";

/// LinkedIn's limit on exports per seat per calendar month.
pub const EXPORTS_PER_SEAT_PER_MONTH: u32 = 300;

/// A member's data as an export or a mail stub carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedProfile {
    /// The member (`urn:li:person:…`).
    #[serde(default)]
    pub member: String,
    /// Given name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Email (only when shared).
    #[serde(default)]
    pub email_address: Option<String>,
    /// Phone (only when shared).
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Public profile URL.
    #[serde(default)]
    pub profile_url: Option<String>,
}

/// One `exportedCandidates` element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedCandidate {
    /// The export request.
    pub request_id: String,
    /// The customer it was exported for.
    pub integration_context: String,
    /// The exporting seat (`urn:li:person:…`).
    pub exporter: String,
    /// The ATS job chosen.
    pub external_job_posting_id: String,
    /// The exported member.
    pub candidate: SharedProfile,
}

/// One mail stub (contact data a member shared in reply to an InMail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MailStub {
    /// `urn:li:mailStub:…`.
    pub id: String,
    /// The seat whose InMail it answers.
    pub owner: String,
    /// When (epoch ms).
    pub created_at: i64,
    /// The member and what was shared (flattened on the wire).
    #[serde(flatten)]
    pub profile: SharedProfile,
}

/// A member LinkedIn suggests or finds for a candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberHit {
    /// `urn:li:person:…`.
    pub member: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Headline.
    #[serde(default)]
    pub headline: Option<String>,
    /// Current title.
    #[serde(default)]
    pub title: Option<String>,
    /// Current company.
    #[serde(default)]
    pub company: Option<String>,
    /// Whether the candidate is matched to this member now.
    #[serde(default)]
    pub current: bool,
}

#[derive(Deserialize)]
struct Elements<T> {
    elements: Vec<T>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Deserialize)]
struct Paging {
    #[serde(default)]
    total: Option<u64>,
}

/// Mail stubs per page.
const STUB_PAGE: usize = 50;
/// Seats per page.
const SEAT_PAGE: usize = 100;

/// A Recruiter seat (recruiter-seatholders, `seatsV2` sample response).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
    /// The seat id (`urn:li:seat:{id}` in the other calls).
    pub id: u64,
    /// Who holds it (`urn:li:person:…`).
    pub member: String,
}

impl Seat {
    /// Its URN, as mail stubs name their owner.
    pub fn urn(&self) -> String {
        format!("urn:li:seat:{}", self.id)
    }
}

impl LinkedinClient {
    /// Where a member is sent to authorize this application (`state` ties the answer to
    /// the request; `redirect_uri` receives `code` and `state`).
    pub fn authorize_url(&self, redirect_uri: &str, state: &str) -> String {
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", state)
            .append_pair("scope", MEMBER_SCOPES)
            .finish();
        format!("{}{}?{q}", self.oauth_base, names::AUTHORIZATION)
    }

    /// Exchanges an authorization code for the member's id (`urn:li:person:…`): the code
    /// for a member token, the token for `GET /v2/userinfo` (`sub`). The token is not kept.
    pub async fn authorized_member(
        &self,
        code: &str,
        redirect_uri: &str,
    ) -> Result<String, VendorError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
        ];
        // A code is good for one exchange: a repeat after a lost answer would be refused.
        let reply = self
            .oauth
            .send(Call::new(CallKind::Read, Ambiguity::DoNotRetry), || {
                self.oauth
                    .request(Method::POST, names::ACCESS_TOKEN)
                    .form(&form)
            })
            .await?;
        let t: TokenReply = parse(&reply.body, "member token")?;
        // OpenID Connect's userinfo is not versioned: `/v2/userinfo` under either API.
        let reply = self
            .base
            .send(Call::read(), || {
                self.base
                    .request(Method::GET, &self.url(names::USERINFO))
                    .bearer_auth(&t.access_token)
            })
            .await?;
        let me: Value = parse(&reply.body, "userinfo")?;
        me["sub"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(|id| format!("urn:li:person:{id}"))
            .ok_or_else(|| VendorError::Permanent {
                vendor: VENDOR,
                status: 502,
                message: "GET /v2/userinfo answered no sub".into(),
            })
    }

    async fn get_json(&self, resource: &str, q: &[(&str, String)]) -> Result<Value, VendorError> {
        let path = self.url(resource);
        let reply = self
            .call(Call::read(), || {
                self.base.request(Method::GET, &path).query(q)
            })
            .await?;
        parse(&reply.body, resource)
    }

    /// The export behind an EXPORT_CANDIDATE_PROFILE notification (None: LinkedIn has no
    /// such request).
    pub async fn exported_candidate(
        &self,
        request_id: &str,
    ) -> Result<Option<ExportedCandidate>, VendorError> {
        let q = [
            ("q", "request".to_string()),
            ("requestId", request_id.into()),
        ];
        let v = self.get_json(names::EXPORTED_CANDIDATES, &q).await?;
        let e: Elements<ExportedCandidate> =
            serde_json::from_value(v).map_err(|e| VendorError::Permanent {
                vendor: VENDOR,
                status: 502,
                message: format!("exportedCandidates: {e}"),
            })?;
        Ok(e.elements.into_iter().next())
    }

    /// The active seats of `contract` (recruiter-seatholders: `GET seatsV2?q=attributes`,
    /// `start` required, paged): which member holds which seat. Mail stubs name their owner
    /// by seat, the ATS knows its users by member.
    pub async fn seats(&self, contract: &str) -> Result<Vec<Seat>, VendorError> {
        let mut out: Vec<Seat> = Vec::new();
        loop {
            let q = [
                ("q", "attributes".to_string()),
                ("contracts", format!("urn:li:contract:{contract}")),
                ("states", "ACTIVE".to_string()),
                ("start", out.len().to_string()),
                ("count", SEAT_PAGE.to_string()),
            ];
            let v = self.get_json(names::SEATS, &q).await?;
            let page: Elements<Seat> =
                serde_json::from_value(v).map_err(|e| VendorError::Permanent {
                    vendor: VENDOR,
                    status: 502,
                    message: format!("seatsV2: {e}"),
                })?;
            let n = page.elements.len();
            out.extend(page.elements);
            if n < SEAT_PAGE {
                return Ok(out);
            }
        }
    }

    /// Every mail stub of `contract` owned by `seats` (`urn:li:seat:{id}`, repeated as
    /// `owners=…&owners=…` in protocol 1.0.0) created at or after `since_ms`, all pages
    /// (none → nothing to ask).
    pub async fn mail_stubs(
        &self,
        contract: &str,
        seats: &[String],
        since_ms: i64,
    ) -> Result<Vec<MailStub>, VendorError> {
        if seats.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        loop {
            let mut q = vec![
                ("q", "contract".to_string()),
                ("contract", format!("urn:li:contract:{contract}")),
            ];
            q.extend(seats.iter().map(|s| ("owners", s.clone())));
            q.extend([
                ("createdDateStart", since_ms.to_string()),
                ("start", out.len().to_string()),
                ("count", STUB_PAGE.to_string()),
            ]);
            let v = self.get_json(names::MAIL_STUBS, &q).await?;
            let page: Elements<MailStub> =
                serde_json::from_value(v).map_err(|e| VendorError::Permanent {
                    vendor: VENDOR,
                    status: 502,
                    message: format!("mailStubs: {e}"),
                })?;
            let n = page.elements.len();
            let total = page.paging.and_then(|p| p.total);
            out.extend(page.elements);
            if n < STUB_PAGE || total.is_some_and(|t| out.len() as u64 >= t) {
                return Ok(out);
            }
        }
    }

    /// The member a candidate is matched to (`current`) and LinkedIn's suggestions.
    pub async fn matched_members(
        &self,
        candidate: &str,
        context: &str,
    ) -> Result<Vec<MemberHit>, VendorError> {
        let q = [
            ("q", "candidate".to_string()),
            ("atsCandidateId", candidate.to_string()),
            ("integrationContext", context.to_string()),
        ];
        let v = self.get_json(names::MATCHED_MEMBERS, &q).await?;
        Ok(serde_json::from_value::<Elements<MemberHit>>(v)
            .map(|e| e.elements)
            .unwrap_or_default())
    }

    /// Members by current title and/or company.
    pub async fn member_search(
        &self,
        title: Option<&str>,
        company: Option<&str>,
    ) -> Result<Vec<MemberHit>, VendorError> {
        let mut q = vec![("q", "criteria".to_string())];
        if let Some(t) = title {
            q.push(("title", t.to_string()));
        }
        if let Some(c) = company {
            q.push(("company", c.to_string()));
        }
        let v = self.get_json(names::MEMBER_SEARCH, &q).await?;
        Ok(serde_json::from_value::<Elements<MemberHit>>(v)
            .map(|e| e.elements)
            .unwrap_or_default())
    }
}
