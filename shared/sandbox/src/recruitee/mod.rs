//! Recruitee simulator (home side of C5), built from docs.recruitee.com/reference as
//! docs/contracts/recruitee.md cites it: `/recruitee/c/{company_id}/…` with a personal API
//! token (Bearer; another company's token is 401), candidates with placements and stages
//! listed newest first by limit/offset with the documented filters only (an undocumented
//! parameter or value is a 400 and a recorded contract violation, [`list`]), the fuzzy
//! search, one candidate (404 once deleted), its notes, interview results, offers, the
//! team's memberships page by page; timestamps in whole seconds as Recruitee shows them; a
//! configurable per-minute limit (429 + Retry-After). A change made through the control API
//! is sent to renkei as a signed webhook (`X-Recruitee-Signature`), as Recruitee does.
//!
//! Control under `/_control/recruitee/companies/{company_id}` (docs/sandbox.md).

mod control;
mod list;
mod writes;
pub use control::{Edit, RecruiteeControl};
pub use writes::Member;

use crate::common::{MinuteWindow, api_error, bearer};
use crate::hrbrain::WebhookTarget;
use crate::{Sandbox, control_error};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// How a company is set up (`PUT /_control/recruitee/companies/{company_id}`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RecruiteeSetup {
    /// The personal API token that may read this company.
    pub token: String,
    /// Requests per minute (None: unlimited; Recruitee publishes none).
    #[serde(default)]
    pub per_minute: Option<u32>,
    /// Where Recruitee's webhooks go (None: no webhooks).
    #[serde(default)]
    pub webhook: Option<WebhookTarget>,
}

/// What `POST …/load` creates: N candidates with placements, stages, notes and feedback.
#[derive(Debug, Clone, Deserialize)]
pub struct Load {
    /// Candidates.
    pub candidates: usize,
    /// Offers (jobs), published and internal mixed.
    #[serde(default = "default_offers")]
    pub offers: usize,
    /// Variation.
    #[serde(default)]
    pub seed: u64,
}

fn default_offers() -> usize {
    12
}

const STAGES: &[(&str, &str)] = &[
    ("Applied", "apply"),
    ("Phone screen", "phone_screen"),
    ("Interview", "interview"),
    ("Offer", "offer"),
    ("Hired", "hire"),
];
const FIRST: &[&str] = &[
    "Anna", "Jürgen", "Sophie", "Mehmet", "Élodie", "Lukas", "Yuki", "Zoë", "Björn", "Chiara",
    "Ana", "Kenji",
];
const LAST: &[&str] = &[
    "Schmidt",
    "Müller",
    "Dubois",
    "Yılmaz",
    "Rossi",
    "Nakamura",
    "Kowalski",
    "Ødegaard",
    "García",
    "O'Brien",
    "Weiß",
    "van Dijk",
];
const TITLES: &[&str] = &[
    "Backend Engineer (Rust)",
    "Recruiter",
    "Product Designer",
    "Data Analyst",
    "Sales Manager DACH",
    "Werkstudent Marketing",
];

#[derive(Default)]
pub(crate) struct Company {
    setup: RecruiteeSetup,
    candidates: BTreeMap<u64, Value>,
    notes: HashMap<u64, Vec<Value>>,
    results: HashMap<u64, Vec<Value>>,
    offers: BTreeMap<u64, Value>,
    members: BTreeMap<u64, Member>,
    next_id: u64,
    window: MinuteWindow,
    requests: u64,
    /// Calls refused for using what the reference does not document.
    violations: Vec<Value>,
    /// Candidates arriving and leaving after each list read (see [`list`]).
    churn: (usize, usize),
}

#[derive(Default)]
pub(crate) struct Recruitee {
    companies: HashMap<String, Company>,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.trunc_subsecs(0)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Company {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn load(&mut self, load: &Load, now: DateTime<Utc>) -> usize {
        let mut rng = fastrand::Rng::with_seed(load.seed);
        let first_offer = self.next_id + 1;
        for i in 0..load.offers.max(1) {
            let id = self.id();
            let status = if i % 4 == 3 { "internal" } else { "published" };
            let title = TITLES[i % TITLES.len()];
            self.offers.insert(
                id,
                json!({"id": id, "title": format!("{title} #{id}"), "status": status,
                    "city": "Berlin", "country_code": "DE",
                    "description": format!("<p>{title}</p>"),
                    "careers_url": format!("https://acme.recruitee.com/o/{id}"),
                    "created_at": stamp(now - Duration::days(30))}),
            );
        }
        let offers = load.offers.max(1) as u64;
        let n = load.candidates;
        for i in 0..n {
            let id = self.id();
            let at = now - Duration::seconds((n - i) as i64);
            let (f, l) = (
                FIRST[rng.usize(..FIRST.len())],
                LAST[rng.usize(..LAST.len())],
            );
            let mut placements = Vec::new();
            for _ in 0..(1 + usize::from(rng.u8(..10) == 0)) {
                let pid = self.id();
                let (stage, category) = STAGES[rng.usize(..STAGES.len())];
                let disqualified = rng.u8(..10) == 0;
                placements.push(json!({
                    "id": pid, "offer_id": first_offer + rng.u64(..offers),
                    "stage": {"id": 100 + rng.u64(..5), "name": stage, "category": category},
                    "disqualified_at": disqualified.then(|| stamp(at)),
                    "disqualify_reason": disqualified.then_some("Not a fit"),
                    "created_at": stamp(at), "updated_at": stamp(at)}));
            }
            if rng.bool() {
                let nid = self.id();
                self.notes.insert(
                    id,
                    vec![json!({"id": nid,
                    "body": format!("Spoke with {f}: strong on fundamentals."),
                    "author": "Recruiter Rita", "created_at": stamp(at)})],
                );
            }
            if rng.u8(..3) == 0 {
                let rid = self.id();
                let placement = placements[0]["id"].clone();
                let rating = ["strong_no", "no", "yes", "strong_yes"][rng.usize(..4)];
                self.results.insert(
                    id,
                    vec![json!({"id": rid, "placement_id": placement,
                    "rating": rating,
                    "body": "Clear communicator.", "author": "Hiring Manager Hans",
                    "created_at": stamp(at)})],
                );
            }
            self.candidates.insert(
                id,
                json!({"id": id, "name": format!("{f} {l}"),
                    "emails": [format!("{}.{}.{id}@example.org", f.to_lowercase(), l.to_lowercase().replace(['\'', ' '], ""))],
                    "phones": ["+49 30 1234567"], "source": "Career site",
                    "created_at": stamp(at), "updated_at": stamp(at), "placements": placements}),
            );
        }
        n
    }

    /// Applies a change the way a person in Recruitee makes one; answers the webhook event.
    fn change(&mut self, id: u64, c: &Value, now: DateTime<Utc>) -> Result<Value, String> {
        let next_note = self.next_id + 1;
        let cand = self
            .candidates
            .get_mut(&id)
            .ok_or_else(|| format!("no candidate {id}"))?;
        let mut event = ("candidate_updated", None);
        if let Some(name) = c.get("name").and_then(Value::as_str) {
            cand["name"] = json!(name);
        }
        if let Some(emails) = c.get("emails") {
            cand["emails"] = emails.clone();
        }
        if let Some(stage) = c.get("stage").and_then(Value::as_str) {
            let category = STAGES
                .iter()
                .find(|(s, _)| *s == stage)
                .map_or("interview", |(_, c)| *c);
            if let Some(p) = cand["placements"].get_mut(0) {
                p["stage"] = json!({"id": 199, "name": stage, "category": category});
                p["updated_at"] = json!(stamp(now));
            }
            event = ("candidate_moved", Some("stage_changed"));
        }
        if let Some(reason) = c.get("disqualify").and_then(Value::as_str) {
            if let Some(p) = cand["placements"].get_mut(0) {
                p["disqualified_at"] = json!(stamp(now));
                p["disqualify_reason"] = json!(reason);
            }
            event = ("candidate_moved", Some("disqualified"));
        }
        cand["updated_at"] = json!(stamp(now));
        if let Some(body) = c.get("note").and_then(Value::as_str) {
            self.next_id = next_note;
            self.notes
                .entry(id)
                .or_default()
                .push(json!({"id": next_note, "body": body,
                "author": "Recruiter Rita", "created_at": stamp(now)}));
        }
        Ok(json!({"event_type": event.0, "event_subtype": event.1,
            "payload": {"candidate": {"id": id}}}))
    }

    fn add(&mut self, c: &Value, now: DateTime<Utc>) -> Value {
        let id = self.id();
        let mut cand = json!({"id": id, "name": c.get("name").cloned().unwrap_or(json!("New Candidate")),
            "emails": c.get("emails").cloned().unwrap_or(json!([])), "phones": [],
            "source": "Manual", "created_at": stamp(now), "updated_at": stamp(now), "placements": []});
        if let Some(offer) = c.get("offer_id").and_then(Value::as_u64) {
            let pid = self.id();
            cand["placements"] = json!([{"id": pid, "offer_id": offer,
                "stage": {"id": 100, "name": "Applied", "category": "apply"},
                "disqualified_at": null, "disqualify_reason": null,
                "created_at": stamp(now), "updated_at": stamp(now)}]);
        }
        self.candidates.insert(id, cand);
        json!({"event_type": "candidate_created", "payload": {"candidate": {"id": id}}})
    }
}

/// Runs `f` for an API call of `company` with its token, within its limit.
fn authorized(
    sb: &Sandbox,
    company: &str,
    headers: &HeaderMap,
    f: impl FnOnce(&mut Company, DateTime<Utc>) -> Response,
) -> Response {
    let mut w = sb.world();
    let now = w.clock.now();
    let token = bearer(headers);
    let Some(c) = w.state::<Recruitee>().companies.get_mut(company) else {
        return api_error(StatusCode::NOT_FOUND, json!({"error": "company not found"}));
    };
    if token.as_deref() != Some(c.setup.token.as_str()) {
        return api_error(
            StatusCode::UNAUTHORIZED,
            json!({"error": "Unauthorized", "message": "invalid or revoked token"}),
        );
    }
    c.requests += 1;
    if let Err(r) = c.window.admit(c.setup.per_minute, now) {
        return r;
    }
    f(c, now)
}

async fn candidate(
    State(sb): State<Sandbox>,
    Path((company, id)): Path<(String, u64)>,
    headers: HeaderMap,
) -> Response {
    authorized(&sb, &company, &headers, |c, _| {
        match c.candidates.get(&id) {
            Some(v) => Json(json!({"candidate": v})).into_response(),
            None => api_error(StatusCode::NOT_FOUND, json!({"error": "Not found"})),
        }
    })
}

async fn notes(
    State(sb): State<Sandbox>,
    Path((company, id)): Path<(String, u64)>,
    headers: HeaderMap,
) -> Response {
    authorized(&sb, &company, &headers, |c, _| {
        if !c.candidates.contains_key(&id) {
            return api_error(StatusCode::NOT_FOUND, json!({"error": "Not found"}));
        }
        Json(json!({"notes": c.notes.get(&id).cloned().unwrap_or_default()})).into_response()
    })
}

#[derive(Deserialize)]
struct ResultsQuery {
    candidate_id: u64,
}

async fn interview_results(
    State(sb): State<Sandbox>,
    Path(company): Path<String>,
    Query(q): Query<ResultsQuery>,
    headers: HeaderMap,
) -> Response {
    authorized(&sb, &company, &headers, |c, _| {
        let list = c.results.get(&q.candidate_id).cloned().unwrap_or_default();
        Json(json!({"interview_results": list})).into_response()
    })
}

async fn offers(
    State(sb): State<Sandbox>,
    Path(company): Path<String>,
    headers: HeaderMap,
) -> Response {
    authorized(&sb, &company, &headers, |c, _| {
        Json(json!({"offers": c.offers.values().collect::<Vec<_>>()})).into_response()
    })
}

// ---- control

pub(crate) struct Sim;

impl crate::Simulator for Sim {
    fn name(&self) -> &'static str {
        "recruitee"
    }
    fn prefix(&self) -> Option<&'static str> {
        Some("/recruitee")
    }
    fn base_path(&self) -> Option<&'static str> {
        Some("/recruitee/c/{company_id}")
    }
    fn routes(&self) -> Router<Sandbox> {
        Router::new()
            .route(
                "/c/{company}/candidates",
                get(list::candidates).post(writes::create),
            )
            .route(
                "/c/{company}/candidates/{id}",
                get(candidate).patch(writes::update),
            )
            .route("/c/{company}/search/new/candidates", get(list::search))
            .route("/c/{company}/placements", post(writes::assign))
            .route("/c/{company}/memberships", get(writes::memberships))
            .route("/c/{company}/candidates/{id}/notes", get(notes))
            .route("/c/{company}/interview/results", get(interview_results))
            .route("/c/{company}/offers", get(offers))
    }
    fn control_routes(&self) -> Router<Sandbox> {
        control::routes()
    }
}
