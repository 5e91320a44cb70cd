//! The team (`GET /memberships`): who may access which job, read page by page; names and
//! emails are in the reply's `references`, not in the memberships themselves.

use super::{RecruiteeClient, VendorError, parse};
use serde::{Deserialize, Serialize};

/// A team member with the jobs they may access (`GET /memberships`; admins: every job).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The member's id (Recruitee's admin id).
    pub admin_id: u64,
    /// Name (from the reply's `references`).
    #[serde(default)]
    pub name: String,
    /// Login email (from the reply's `references`).
    #[serde(default)]
    pub email: String,
    /// admin, recruiter, hiring_manager.
    #[serde(default)]
    pub role: String,
    /// The jobs the member may access.
    #[serde(default)]
    pub offer_ids: Vec<u64>,
}

/// Team members a page of `GET /memberships` asks for.
pub const MEMBERSHIP_PAGE: u32 = 100;

/// One page of `GET /memberships`: the memberships, and the people they name in
/// `references` (where names and emails are).
#[derive(Deserialize)]
struct MembershipsReply {
    memberships: Vec<Membership>,
    #[serde(default)]
    references: Vec<Reference>,
}

/// A record a reply refers to by id (here: the admins of the memberships).
#[derive(Deserialize)]
struct Reference {
    id: u64,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

impl Reference {
    fn is_admin(&self, id: u64) -> bool {
        self.id == id && self.kind.as_deref().is_none_or(|k| k == "Admin")
    }

    fn full_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| {
            let parts = [self.first_name.as_deref(), self.last_name.as_deref()];
            parts.into_iter().flatten().collect::<Vec<_>>().join(" ")
        })
    }
}

impl MembershipsReply {
    /// The memberships with their names and emails filled in from `references`.
    fn members(self) -> Vec<Membership> {
        let refs = self.references;
        self.memberships
            .into_iter()
            .map(|mut m| {
                if let Some(r) = refs.iter().find(|r| r.is_admin(m.admin_id)) {
                    if m.name.is_empty() {
                        m.name = r.full_name();
                    }
                    if m.email.is_empty() {
                        m.email = r.email.clone().unwrap_or_default();
                    }
                }
                m
            })
            .collect()
    }
}

impl RecruiteeClient {
    /// The team and who may access which job, every page (`page` from 1): read until a page
    /// brings no member not seen yet, so a server that pages smaller than asked, or not at
    /// all, still ends with everyone once.
    pub async fn memberships(&self) -> Result<Vec<Membership>, VendorError> {
        let mut all: Vec<Membership> = Vec::new();
        let mut page = 1u32;
        loop {
            let q = [
                ("page", page.to_string()),
                ("limit", MEMBERSHIP_PAGE.to_string()),
            ];
            let reply = self.get("/memberships", &q).await?;
            let before = all.len();
            for m in parse::<MembershipsReply>(&reply.body, "memberships")?.members() {
                if !all.iter().any(|x| x.admin_id == m.admin_id) {
                    all.push(m);
                }
            }
            if all.len() == before {
                return Ok(all);
            }
            page += 1;
        }
    }
}
