//! What Recruitee's API lets an integration write, and who may see which job (C5.4–C5.6):
//! `POST /candidates` (with offers), `PATCH /candidates/{id}`, `POST /placements` (a job
//! added to a candidate; twice on one job is 422), the search `GET /candidates?query=` (an
//! email, a phone or a social link, exactly), and `GET /memberships`: team members with
//! their role and the jobs they may access (admins: all of them).

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
    /// Whether `candidate` matches a search for `query` (exactly one of its emails, phones
    /// or social links; emails without regard to case).
    pub(super) fn matches(candidate: &Value, query: &str) -> bool {
        let q = query.trim();
        let any = |field: &str, ci: bool| {
            candidate[field].as_array().is_some_and(|a| {
                a.iter().filter_map(Value::as_str).any(|v| {
                    if ci {
                        v.eq_ignore_ascii_case(q)
                    } else {
                        v == q
                    }
                })
            })
        };
        !q.is_empty() && (any("emails", true) || any("phones", false) || any("social_links", false))
    }

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

    fn memberships(&self) -> Vec<Value> {
        self.members
            .iter()
            .map(|(id, m)| {
                let offers: Vec<u64> = if m.role == "admin" {
                    self.offers.keys().copied().collect()
                } else {
                    m.offer_ids.clone()
                };
                json!({"admin_id": id, "name": m.name, "email": m.email,
                    "role": m.role, "offer_ids": offers})
            })
            .collect()
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

pub(super) async fn memberships(
    State(sb): State<Sandbox>,
    Path(company): Path<String>,
    headers: HeaderMap,
) -> Response {
    authorized(&sb, &company, &headers, |c, _| {
        Json(json!({"memberships": c.memberships()})).into_response()
    })
}

impl Sandbox {
    /// Adds or changes a team member (role, accessible jobs).
    pub fn recruitee_member(&self, company: &str, admin_id: u64, m: Member) -> Result<(), String> {
        self.with_recruitee(company, |c, _| {
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
    match sb.recruitee_member(&company, id, m) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => control_error(StatusCode::NOT_FOUND, e),
    }
}
