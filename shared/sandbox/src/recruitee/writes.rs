//! What Recruitee's API lets an integration write, and who may see which job (C5.4–C5.6):
//! `POST /candidates` (with offers), `PATCH /candidates/{id}`, `POST /placements` (a job
//! added to a candidate; twice on one job is 422), and `GET /memberships`: team members
//! with their role and the jobs they may access (admins: all of them), page by page
//! (`page` from 1, `limit`), sorted by name, their names and emails in `references` — as a
//! public description of the endpoint has it (docs/contracts/recruitee.md: assumed, not on
//! docs.recruitee.com).

use super::*;

/// A team member (`PUT /_control/recruitee/companies/{id}/members/{admin_id}`).
#[derive(Debug, Clone, Default, serde::Serialize, Deserialize)]
pub struct Member {
    /// Name shown.
    #[serde(default)]
    pub name: String,
    /// Login email.
    #[serde(default)]
    pub email: String,
    /// `admin` (every job) or `recruiter` / `hiring_manager` (the jobs listed).
    #[serde(default = "recruiter")]
    pub role: String,
    /// Jobs this member may access (ignored for admins).
    #[serde(default)]
    pub offer_ids: Vec<u64>,
}

fn recruiter() -> String {
    "recruiter".into()
}

impl Company {
    fn placement(&mut self, offer: u64, now: DateTime<Utc>) -> Value {
        let pid = self.id();
        json!({"id": pid, "offer_id": offer,
            "stage": {"id": 100, "name": "Applied", "category": "apply"},
            "disqualified_at": null, "disqualify_reason": null,
            "created_at": stamp(now), "updated_at": stamp(now)})
    }

    fn create(&mut self, body: &Value, now: DateTime<Utc>) -> Result<Value, String> {
        let c = &body["candidate"];
        let name = c["name"].as_str().map_or_else(
            || {
                format!(
                    "{} {}",
                    c["first_name"].as_str().unwrap_or_default(),
                    c["last_name"].as_str().unwrap_or_default()
                )
                .trim()
                .to_string()
            },
            str::to_string,
        );
        if name.is_empty() {
            return Err("candidate.name (or first_name/last_name) is required".into());
        }
        let offers: Vec<u64> = body["offers"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        if let Some(o) = offers.iter().find(|o| !self.offers.contains_key(o)) {
            return Err(format!("offer {o} does not exist"));
        }
        let id = self.id();
        let placements: Vec<Value> = offers.iter().map(|o| self.placement(*o, now)).collect();
        let list = |k: &str| c[k].as_array().cloned().unwrap_or_default();
        let cand = json!({"id": id, "name": name, "emails": list("emails"),
            "phones": list("phones"), "social_links": list("social_links"),
            "source": c["source"].as_str().unwrap_or("API"),
            "created_at": stamp(now), "updated_at": stamp(now), "placements": placements});
        self.candidates.insert(id, cand.clone());
        Ok(cand)
    }

    fn update(&mut self, id: u64, body: &Value, now: DateTime<Utc>) -> Result<Value, String> {
        let cand = self
            .candidates
            .get_mut(&id)
            .ok_or_else(|| format!("no candidate {id}"))?;
        let c = &body["candidate"];
        for field in ["name", "emails", "phones", "social_links"] {
            if let Some(v) = c.get(field) {
                cand[field] = v.clone();
            }
        }
        cand["updated_at"] = json!(stamp(now));
        Ok(cand.clone())
    }

    fn assign(&mut self, body: &Value, now: DateTime<Utc>) -> Result<Value, (StatusCode, String)> {
        let unprocessable = |m: String| (StatusCode::UNPROCESSABLE_ENTITY, m);
        let (Some(cid), Some(offer)) = (body["candidate_id"].as_u64(), body["offer_id"].as_u64())
        else {
            return Err(unprocessable(
                "candidate_id and offer_id are required".into(),
            ));
        };
        if !self.offers.contains_key(&offer) {
            return Err(unprocessable(format!("offer {offer} does not exist")));
        }
        let placed = self
            .candidates
            .get(&cid)
            .ok_or((StatusCode::NOT_FOUND, format!("no candidate {cid}")))?["placements"]
            .as_array()
            .is_some_and(|a| a.iter().any(|p| p["offer_id"] == offer));
        if placed {
            return Err(unprocessable(format!(
                "candidate {cid} is already assigned to offer {offer}"
            )));
        }
        let p = self.placement(offer, now);
        let cand = self.candidates.get_mut(&cid).expect("checked above");
        if let Some(a) = cand["placements"].as_array_mut() {
            a.push(p.clone());
        }
        cand["updated_at"] = json!(stamp(now));
        Ok(p)
    }

    /// One page of the team, sorted by name: the memberships and, in `references`, the
    /// admins they name.
    fn memberships(&self, page: usize, limit: usize) -> Value {
        let mut team: Vec<(&u64, &Member)> = self.members.iter().collect();
        team.sort_by(|a, b| (&a.1.name, a.0).cmp(&(&b.1.name, b.0)));
        let page: Vec<(&u64, &Member)> = team
            .into_iter()
            .skip((page.max(1) - 1) * limit)
            .take(limit)
            .collect();
        let memberships: Vec<Value> = page
            .iter()
            .map(|(id, m)| {
                let offers: Vec<u64> = if m.role == "admin" {
                    self.offers.keys().copied().collect()
                } else {
                    m.offer_ids.clone()
                };
                json!({"id": 500_000 + **id, "admin_id": id, "role": m.role,
                    "offer_ids": offers})
            })
            .collect();
        let references: Vec<Value> = page
            .iter()
            .map(|(id, m)| {
                let (first, last) = m.name.split_once(' ').unwrap_or((m.name.as_str(), ""));
                json!({"type": "Admin", "id": id, "first_name": first, "last_name": last,
                    "email": m.email})
            })
            .collect();
        json!({"memberships": memberships, "references": references})
    }
}

fn unprocessable(e: String) -> Response {
    api_error(StatusCode::UNPROCESSABLE_ENTITY, json!({"error": e}))
}

pub(super) async fn create(
    State(sb): State<Sandbox>,
    Path(company): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    authorized(&sb, &company, &headers, |c, now| {
        match c.create(&body, now) {
            Ok(v) => (StatusCode::CREATED, Json(json!({"candidate": v}))).into_response(),
            Err(e) => unprocessable(e),
        }
    })
}

pub(super) async fn update(
    State(sb): State<Sandbox>,
    Path((company, id)): Path<(String, u64)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    authorized(&sb, &company, &headers, |c, now| {
        match c.update(id, &body, now) {
            Ok(v) => Json(json!({"candidate": v})).into_response(),
            Err(e) => api_error(StatusCode::NOT_FOUND, json!({"error": e})),
        }
    })
}

pub(super) async fn assign(
    State(sb): State<Sandbox>,
    Path(company): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    authorized(&sb, &company, &headers, |c, now| {
        match c.assign(&body, now) {
            Ok(p) => (StatusCode::CREATED, Json(json!({"placement": p}))).into_response(),
            Err((s, e)) => api_error(s, json!({"error": e})),
        }
    })
}

/// `GET /memberships`'s parameters (page from 1, limit, query, role_id, sort_by, sort_order).
const MEMBERSHIP_PARAMS: &[&str] = &["page", "limit", "query", "role_id", "sort_by", "sort_order"];
/// Members a page holds without `limit` (assumed: Recruitee does not say).
const MEMBERSHIP_DEFAULT_LIMIT: usize = 20;

pub(super) async fn memberships(
    State(sb): State<Sandbox>,
    Path(company): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    authorized(&sb, &company, &headers, |c, _| {
        let (mut page, mut limit) = (1, MEMBERSHIP_DEFAULT_LIMIT);
        for (k, v) in &params {
            let n = v.parse::<usize>().ok().filter(|n| *n > 0);
            let refused = match (k.as_str(), n) {
                ("page", Some(n)) => {
                    page = n;
                    None
                }
                ("limit", Some(n)) => {
                    limit = n;
                    None
                }
                ("page" | "limit", None) => Some(format!("{k}={v} is not a positive number")),
                (k, _) if MEMBERSHIP_PARAMS.contains(&k) => None,
                (k, _) => Some(format!("{k} is not a query parameter of GET /memberships")),
            };
            if let Some(violation) = refused {
                return c.refuse("GET /memberships", violation);
            }
        }
        Json(c.memberships(page, limit)).into_response()
    })
}

impl RecruiteeControl<'_> {
    /// Adds or changes a team member (role, accessible jobs).
    pub fn member(&self, company: &str, admin_id: u64, m: Member) -> Result<(), String> {
        self.0.with_recruitee(company, |c, _| {
            c.members.insert(admin_id, m);
            Ok(())
        })
    }
}

pub(super) async fn control_member(
    State(sb): State<Sandbox>,
    Path((company, id)): Path<(String, u64)>,
    Json(m): Json<Member>,
) -> Response {
    match sb.recruitee().member(&company, id, m) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => control_error(StatusCode::NOT_FOUND, e),
    }
}
